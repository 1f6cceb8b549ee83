"""NAT gateway state in the Simulator (vpcsim.sim.nat): SPEC I4 (source ports 1024-65535, 55,000 connections per
destination, 350 s idle timeout with an RST, unsolicited inbound dropped), N4 (the NAT's port range) and G5
(flows through a NAT gateway are always tracked)."""

from __future__ import annotations

import pytest

import vpcsim
from vpcsim.model.gateways import NatGateway
from vpcsim.model.interface import Instance
from vpcsim.model.security_group import SecurityGroup
from vpcsim.sim.nat import PORTS_PER_DESTINATION

SERVER = vpcsim.internet("198.51.100.7")
HTTPS = ("tcp", 443)


class Private:
    """An instance ``app`` in a private subnet whose default route is a public NAT gateway (I4)."""

    def __init__(self, *, limit: int | None = 50) -> None:
        net = self.net = vpcsim.Network(seed=3)
        vpc = net.create_vpc("10.0.0.0/16", name="nat")
        igw = net.create_internet_gateway()
        net.attach_internet_gateway(igw, vpc)
        public = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a", name="public")
        private = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="private")
        public_table = net.create_route_table(vpc)
        net.create_route(public_table, "0.0.0.0/0", igw)
        net.associate_route_table(public_table, public)
        self.eip = net.allocate_address(name="nat-eip")
        self.nat: NatGateway = net.create_nat_gateway(public, allocation=self.eip, name="nat")
        private_table = net.create_route_table(vpc)
        net.create_route(private_table, "0.0.0.0/0", self.nat)
        net.associate_route_table(private_table, private)
        self.sg: SecurityGroup = net.create_security_group(vpc, "app", description="outbound only")
        self.app: Instance = net.run_instance(private, security_groups=[self.sg], name="app")
        limits = {} if limit is None else {"nat_connections_per_destination": limit}  # None: the default (55,000)
        self.sim = vpcsim.Simulator(net, **limits)

    def connect(
        self, server: vpcsim.InternetHost = SERVER, protocol: str = "tcp", port: int | None = 443, **kw: int
    ) -> vpcsim.Connection:
        return self.sim.connect(self.app, server, protocol, port, **kw)

    def metrics(self) -> dict[str, int]:
        return self.sim.nat_metrics(self.nat)

    def ports(self) -> list[int | None]:
        return [m.port for m in self.sim.nat_connections(self.nat)]


def as_server_sees(conn: vpcsim.Connection) -> vpcsim.Packet:
    assert conn.server_view is not None
    return conn.server_view


def assert_nat_refused(result: vpcsim.PacketResult, nat: NatGateway, explanation: str) -> None:
    __tracebackhide__ = True
    assert not result.delivered, result
    assert (str(result.disposition), result.explanation, result.component) == ("DENIED_IN", explanation, nat.id)


# ------------------------------------------------------------------------------------------------- ports


def test_i4_ports_are_in_1024_65535_and_distinct_for_concurrent_connections_to_one_destination() -> None:
    p = Private(limit=55_000)
    conns = [p.connect() for _ in range(300)]
    assert {c.state for c in conns} == {"established"}
    ports = p.ports()
    assert len(ports) == len(set(ports)) == 300
    assert all(isinstance(port, int) and 1024 <= port <= 65535 for port in ports)  # N4: NAT gateway range
    assert min(ports) < 32768 or max(ports) > 60999  # random over the whole range, not the Linux ephemeral one
    # the server sees the NAT gateway's public address and the mapping's port
    mappings = {m.request.src_port: m.port for m in p.sim.nat_connections(p.nat)}
    for conn in conns:
        seen = as_server_sees(conn)
        assert (seen.src, seen.src_port) == (p.eip.public_ip, mappings[conn.request.src_port])
        assert conn.results[0].hops[-1].kind == "internet"
    assert p.metrics()["ActiveConnectionCount"] == 300


def test_i4_the_same_seed_gives_the_same_ports() -> None:
    first, second = Private(), Private()
    for p in (first, second):
        for _ in range(5):
            p.connect()
    assert first.ports() == second.ports()


# ------------------------------------------------------------------------------------------------- the limit


def test_i4_port_allocation_limit_per_destination_is_exact() -> None:
    """``nat_connections_per_destination=50``: 50 connections open, the 51st fails with ErrorPortAllocation."""
    p = Private(limit=50)
    conns = [p.connect() for _ in range(50)]
    assert {c.state for c in conns} == {"established"}
    assert p.metrics()["ErrorPortAllocation"] == 0
    refused = p.connect()
    assert refused.state == "failed"
    [result] = refused.results  # dropped at the NAT gateway: no reply
    assert_nat_refused(result, p.nat, "NGW_PORT_ALLOCATION_ERROR")
    assert "50 connections to tcp 198.51.100.7:443" in result.hops[-1].detail
    metrics = p.metrics()
    assert metrics["ErrorPortAllocation"] == 1
    assert metrics["ConnectionAttemptCount"] == 51
    assert metrics["ActiveConnectionCount"] == 50
    assert metrics["PacketsDropCount"] == 1
    row = p.sim.events[-1]
    assert (row["event"], row["explanation"], row["component"]) == ("packet", "NGW_PORT_ALLOCATION_ERROR", p.nat.id)


@pytest.mark.parametrize(
    ("server", "protocol", "port"),
    [
        (vpcsim.internet("198.51.100.8"), "tcp", 443),
        (SERVER, "tcp", 80),
        (SERVER, "udp", 443),
        (SERVER, "icmp", None),
    ],
    ids=["other-address", "other-port", "other-protocol", "icmp"],
)
def test_i4_a_full_destination_leaves_other_destinations_unaffected(
    server: vpcsim.InternetHost, protocol: str, port: int | None
) -> None:
    p = Private(limit=50)
    for _ in range(50):
        p.connect()
    assert p.connect().state == "failed"
    other = p.connect(server, protocol, port)
    assert other.state == "established"
    assert p.metrics()["ErrorPortAllocation"] == 1
    assert p.metrics()["ActiveConnectionCount"] == 51


def test_i4_closing_a_connection_frees_its_port() -> None:
    p = Private(limit=50)
    conns = [p.connect() for _ in range(50)]
    freed = as_server_sees(conns[7]).src_port
    p.sim.close(conns[7])
    assert conns[7].state == "closed"
    assert freed not in p.ports()
    assert p.metrics()["ActiveConnectionCount"] == 49
    again = p.connect()
    assert again.state == "established"
    assert p.metrics()["ErrorPortAllocation"] == 0


def test_i4_the_real_limit_55000() -> None:
    """The default ``nat_connections_per_destination`` (55,000, I4), filled with UDP queries (one exchange each).

    About 25 s (the slowest test of the simulator). The client's ports are given (src_port) because the Linux
    ephemeral range (N4: 32768-60999) holds fewer than 55,000."""
    p = Private(limit=None)
    for i in range(PORTS_PER_DESTINATION):
        conn = p.connect(protocol="udp", port=53, src_port=1024 + i)
        assert conn.state == "established", conn
    refused = p.connect(protocol="udp", port=53, src_port=60_000)
    assert refused.state == "failed"
    assert_nat_refused(refused.results[0], p.nat, "NGW_PORT_ALLOCATION_ERROR")
    assert "55,000 connections to udp 198.51.100.7:53" in refused.results[0].hops[-1].detail
    metrics = p.metrics()
    assert (metrics["ActiveConnectionCount"], metrics["ErrorPortAllocation"]) == (55_000, 1)
    ports = p.ports()
    assert len(set(ports)) == 55_000
    assert all(1024 <= port <= 65535 for port in ports if port is not None)
    assert p.connect(protocol="udp", port=123, src_port=60_000).state == "established"


# ------------------------------------------------------------------------------------------------- idle timeout


def test_i4_a_connection_idle_for_349_9_s_lives_and_the_idle_timer_restarts() -> None:
    p = Private()
    conn = p.connect()
    for _ in range(3):
        p.sim.advance(349.9)
        result = p.sim.send(conn)
        assert result.delivered
        assert str(result.disposition) == "EXITS_NETWORK"
        assert p.sim.send(conn, "reply").delivered
    assert p.metrics()["IdleTimeoutCount"] == 0
    [mapping] = p.sim.nat_connections(p.nat)
    assert mapping.last_seen == pytest.approx(3 * 349.9)


def test_i4_idle_350_s_drops_the_translation_and_the_next_packet_gets_an_rst() -> None:
    p = Private()
    conn = p.connect()
    p.sim.advance(100)
    assert p.sim.send(conn).delivered  # the idle timer restarts at t=100
    p.sim.advance(450)
    expire = [row for row in p.sim.events if row["event"] == "expire" and row["component"] == p.nat.id]
    assert [(row["time"], row["explanation"]) for row in expire] == [(450.0, "NGW_IDLE_TIMEOUT")]
    assert p.sim.nat_connections(p.nat) == []
    metrics = p.metrics()
    assert (metrics["IdleTimeoutCount"], metrics["ActiveConnectionCount"]) == (1, 0)
    result = p.sim.send(conn)
    assert_nat_refused(result, p.nat, "NGW_IDLE_TIMEOUT_RST")
    assert conn.state == "reset"
    rst = p.sim.events[-1]
    assert (rst["event"], rst["flags"], rst["explanation"], rst["component"], rst["time"]) == (
        "rst",
        "RST",
        "NGW_IDLE_TIMEOUT_RST",
        p.nat.id,
        550.0,
    )
    assert rst["packet"] == f"tcp 198.51.100.7:443 -> {conn.request.src}:{conn.request.src_port}"
    assert p.metrics()["PacketsDropCount"] == 1
    assert p.sim.nat_connections(p.nat) == []  # the RST opens no new translation


def test_i4_idled_out_translations_free_their_ports_for_the_limit() -> None:
    p = Private(limit=50)
    for _ in range(50):
        p.connect()
    p.sim.advance(350)
    assert (p.metrics()["IdleTimeoutCount"], p.metrics()["ActiveConnectionCount"]) == (50, 0)
    assert p.connect().state == "established"
    assert p.metrics()["ErrorPortAllocation"] == 0


def test_i4_a_reply_after_the_translation_expired_is_unsolicited_inbound() -> None:
    p = Private()
    conn = p.connect()
    p.sim.advance(350)
    result = p.sim.send(conn, "reply")
    assert_nat_refused(result, p.nat, "NGW_UNSOLICITED_INBOUND")
    assert conn.state == "broken"


def test_i4_a_new_syn_after_expiry_opens_a_new_translation() -> None:
    """Only non-SYN packets of an expired connection get the RST; a new SYN is a new connection (I4)."""
    p = Private()
    conn = p.connect()
    p.sim.advance(350)
    result = p.sim.send(conn, flags={"SYN"})
    assert result.explanation != "NGW_IDLE_TIMEOUT_RST"
    assert len(p.sim.nat_connections(p.nat)) == 1


def test_i4_udp_after_expiry_leaves_with_a_new_port() -> None:
    p = Private()
    query = p.connect(protocol="udp", port=53)
    [old] = p.sim.nat_connections(p.nat)
    p.sim.advance(350)
    result = p.sim.send(query)
    assert result.delivered
    assert result.explanation is None
    [new] = p.sim.nat_connections(p.nat)
    assert new is not old
    assert (new.opened, new.request) == (350.0, old.request)
    assert new.port != old.port
    assert as_server_sees(query).src_port == new.port
    reply = p.sim.send(query, "reply")  # the server answers the port it saw now
    assert reply.delivered
    assert p.metrics()["IdleTimeoutCount"] == 1


# ------------------------------------------------------------------------------------------------- G5 through NAT


def test_g5_flows_through_a_nat_gateway_are_tracked_even_when_the_rules_would_not_track_them() -> None:
    """Allow-all both ways would make the flow untracked (G5), but it goes through a NAT gateway: tracked."""
    p = Private()
    p.sim.authorize_security_group_ingress(p.sg, protocol="tcp", ports=(0, 65535), cidr="0.0.0.0/0")
    conn = p.connect()
    assert conn.state == "established"
    eni = p.app.primary_network_interface
    [entry] = p.sim.conntrack(eni)
    assert entry.reason == "through a NAT gateway (G5: always tracked)"
    assert any(h.kind == "nat-gateway" for h in conn.results[0].hops)
    p.sim.revoke_security_group_egress(p.sg, protocol="-1", cidr="0.0.0.0/0")
    assert p.sim.send(conn).delivered
    assert p.sim.send(conn, "reply").delivered
    fresh = p.connect()  # a new flow meets the rules of the moment
    assert fresh.state == "failed"
    assert (str(fresh.results[0].disposition), fresh.results[0].explanation) == (
        "DENIED_OUT",
        "ENI_SG_RULES_MISMATCH",
    )
