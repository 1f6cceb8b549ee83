"""Security group connection tracking in the Simulator (vpcsim.sim.conntrack): SPEC G4 (stateful), G5 (tracked and
untracked flows), G6 (idle timeouts per ENI) and N4 (NACLs stay stateless), plus the log rows they leave."""

from __future__ import annotations

import pytest
from seeds import build_seeds

import vpcsim
from vpcsim.model.interface import Instance
from vpcsim.model.security_group import SecurityGroup

OFFICE = "203.0.113.5"
CLIENT = vpcsim.internet(OFFICE)


class Server:
    """A public instance 10.0.1.10 whose SG ``srv`` admits SSH (tcp 22), DNS (udp 53) and ICMP from ``peer``."""

    def __init__(self, peer: str, *, egress: str = "all") -> None:
        net = self.net = vpcsim.Network(seed=7)
        vpc = net.create_vpc("10.0.0.0/16", name="ct")
        igw = net.create_internet_gateway()
        net.attach_internet_gateway(igw, vpc)
        self.subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", map_public_ip_on_launch=True)
        table = net.create_route_table(vpc)
        net.create_route(table, "0.0.0.0/0", igw)
        net.associate_route_table(table, self.subnet)
        self.sg: SecurityGroup = net.create_security_group(vpc, "srv", description="SSH, DNS and ping")
        self.ssh = net.authorize_security_group_ingress(self.sg, protocol="tcp", ports=22, cidr=peer)
        self.dns = net.authorize_security_group_ingress(self.sg, protocol="udp", ports=53, cidr=peer)
        net.authorize_security_group_ingress(self.sg, protocol="icmp", ports=(-1, -1), cidr=peer)
        if egress == "narrow":  # replies to SSH pass only thanks to tracking
            net.revoke_security_group_egress(self.sg, protocol="-1", cidr="0.0.0.0/0")
            net.authorize_security_group_egress(self.sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
        self.instance: Instance = net.run_instance(self.subnet, security_groups=[self.sg], private_ip="10.0.1.10")
        self.eni = self.instance.primary_network_interface
        self.sim = vpcsim.Simulator(net)

    def timeouts(self, **config: int) -> None:
        self.net.modify_network_interface_attribute(self.eni, connection_tracking=config)

    def revoke_ssh(self) -> None:
        self.sim.revoke_security_group_ingress(self.sg, rule_id=self.ssh.id)

    def revoke_egress(self) -> None:
        for rule in list(self.sg.rules(True)):
            self.sim.revoke_security_group_egress(self.sg, rule_id=rule.id)


def assert_sg_denied(result: vpcsim.PacketResult, sg: SecurityGroup, disposition: str = "DENIED_IN") -> None:
    __tracebackhide__ = True
    assert not result.delivered, result
    assert (str(result.disposition), result.explanation, result.component) == (
        disposition,
        "ENI_SG_RULES_MISMATCH",
        sg.id,
    ), result


def assert_tracked(result: vpcsim.PacketResult, sg: SecurityGroup) -> None:
    """Delivered by the ENI's tracking entry (G4): the deciding rule is ``tracked``."""
    __tracebackhide__ = True
    assert result.delivered, result
    assert (result.component, result.rule, result.explanation) == (sg.id, "tracked", None), result


def expire_rows(sim: vpcsim.Simulator) -> list[dict[str, object]]:
    return [row for row in sim.events if row["event"] == "expire"]


# ------------------------------------------------------------------------------------------------- G4/G5: tracked


def test_g4_tracked_ssh_from_a_slash_32_survives_removal_of_its_ingress_rule_and_all_egress_rules() -> None:
    """G5: SSH from 203.0.113.5/32 is tracked (not 0.0.0.0/0); G4: it lives on with no rule allowing it."""
    s = Server(f"{OFFICE}/32")
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    assert conn.state == "established"
    [entry] = s.sim.conntrack(s.eni)
    assert (entry.protocol, entry.state, entry.network_interface) == (6, "established", s.eni.id)
    assert entry.reason == f"rule {s.ssh.id}: {s.ssh}"
    assert entry.timeout(s.eni.connection_tracking) == 432000  # G6 default
    s.revoke_ssh()
    s.revoke_egress()
    assert s.sg.rules(False) != []
    assert s.sg.rules(True) == []
    s.sim.advance(3600)
    assert_tracked(s.sim.send(conn), s.sg)
    reply = s.sim.send(conn, "reply")
    assert_tracked(reply, s.sg)
    assert str(reply.disposition) == "EXITS_NETWORK"
    assert conn.state == "established"
    # a new connection has no entry: the rules of the moment decide (G1)
    fresh = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    assert fresh.state == "failed"
    assert_sg_denied(fresh.results[0], s.sg)


def test_g5_icmp_is_tracked_even_when_open_to_everyone_both_ways() -> None:
    s = Server("0.0.0.0/0")
    ping = s.sim.connect(CLIENT, s.instance, "icmp")
    assert ping.state == "established"
    [entry] = s.sim.conntrack(s.eni)
    assert (entry.protocol, entry.kind()) == (1, "icmp")
    assert entry.reason.startswith("ICMP sgr-")
    assert entry.timeout(s.eni.connection_tracking) == 600  # G6: other protocols
    s.sim.revoke_security_group_ingress(s.sg, protocol="icmp", ports=(-1, -1), cidr="0.0.0.0/0")
    assert_tracked(s.sim.send(ping), s.sg)
    assert_tracked(s.sim.send(ping, "reply"), s.sg)
    s.sim.advance(600)
    assert [r["component"] for r in expire_rows(s.sim)] == [s.eni.id]
    assert_sg_denied(s.sim.send(ping), s.sg)


# ------------------------------------------------------------------------------------------------- G5: untracked


def test_g5_untracked_ssh_dies_at_once_when_its_ingress_rule_is_revoked() -> None:
    """SSH from 0.0.0.0/0 with allow-all egress is untracked: no entry, and the next packet meets the new rules."""
    s = Server("0.0.0.0/0")
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    assert conn.state == "established"
    first = conn.results[0]
    assert (first.component, first.rule) == (s.sg.id, s.ssh.id)
    assert s.sim.conntrack(s.eni) == []
    s.revoke_ssh()
    result = s.sim.send(conn)
    assert_sg_denied(result, s.sg)
    assert conn.state == "broken"


@pytest.mark.parametrize(
    ("protocol", "ports", "cidr", "untracked"),
    [
        ("-1", None, "0.0.0.0/0", True),
        ("tcp", (0, 65535), "0.0.0.0/0", True),
        ("tcp", (1024, 65535), "0.0.0.0/0", False),
        ("tcp", (0, 65535), "10.0.0.0/8", False),
        ("udp", (0, 65535), "0.0.0.0/0", False),
    ],
    ids=["all-to-everyone", "all-tcp-ports-to-everyone", "ephemeral-only", "not-everyone", "other-protocol"],
)
def test_g5_inbound_ssh_from_everyone_is_untracked_only_when_egress_allows_every_port_to_everyone(
    protocol: str, ports: tuple[int, int] | None, cidr: str, untracked: bool
) -> None:
    s = Server("0.0.0.0/0", egress="narrow")
    s.net.authorize_security_group_egress(s.sg, protocol=protocol, ports=ports, cidr=cidr)
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    assert conn.state == "established"
    assert (s.sim.conntrack(s.eni) == []) is untracked
    s.revoke_ssh()
    result = s.sim.send(conn)
    if untracked:
        assert_sg_denied(result, s.sg)
    else:
        assert_tracked(result, s.sg)


def test_g5_outbound_flow_to_everyone_is_untracked_when_ingress_allows_every_port_from_everyone() -> None:
    """G5 from the other side: egress allow-all and ingress all TCP ports from 0.0.0.0/0; revoking egress stops the
    flow at once (DENIED_OUT)."""
    s = Server(f"{OFFICE}/32")
    s.net.authorize_security_group_ingress(s.sg, protocol="tcp", ports=(0, 65535), cidr="0.0.0.0/0")
    conn = s.sim.connect(s.instance, vpcsim.internet("198.51.100.7"), "tcp", 443)
    assert conn.state == "established"
    assert s.sim.conntrack(s.eni) == []
    s.revoke_egress()
    assert_sg_denied(s.sim.send(conn), s.sg, "DENIED_OUT")


def test_g5_untracked_udp_opens_no_entry() -> None:
    s = Server("0.0.0.0/0")
    query = s.sim.connect(CLIENT, s.instance, "udp", 53)
    assert query.state == "established"
    assert s.sim.conntrack(s.eni) == []


def test_g5_a_flow_becomes_untracked_once_its_entry_idles_out() -> None:
    """Tracked while egress is narrow; an allow-all egress rule makes new packets untracked, but the old entry lives
    until it idles out (G6, 60 s here); after that a revoke of the SSH rule kills the flow at once."""
    s = Server("0.0.0.0/0", egress="narrow")
    s.timeouts(tcp_established_timeout=60)
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    assert conn.state == "established"
    [entry] = s.sim.conntrack(s.eni)
    assert entry.reason == f"rule {s.ssh.id}: {s.ssh}"
    s.sim.authorize_security_group_egress(s.sg, protocol="-1", cidr="0.0.0.0/0")
    s.sim.advance(59.9)
    assert_tracked(s.sim.send(conn), s.sg)  # refreshes the entry: it now expires at 119.9
    s.sim.advance(60)
    [row] = expire_rows(s.sim)
    assert (row["time"], row["component"], row["explanation"]) == (pytest.approx(119.9), s.eni.id,
                                                                   "CONNTRACK_IDLE_TIMEOUT")  # fmt: skip
    assert s.sim.conntrack(s.eni) == []
    forward = s.sim.send(conn)
    assert forward.delivered
    assert forward.rule == s.ssh.id
    assert s.sim.send(conn, "reply").delivered
    assert s.sim.conntrack(s.eni) == []
    s.revoke_ssh()
    assert_sg_denied(s.sim.send(conn), s.sg)


# ------------------------------------------------------------------------------------------------- G6: timeouts


@pytest.mark.parametrize(
    ("config", "wait", "alive"),
    [
        ({}, 29.9, True),
        ({}, 30, False),
        ({"udp_timeout": 45}, 44.9, True),
        ({"udp_timeout": 45}, 45, False),
    ],
)
def test_g6_udp_single_exchange_idles_out_after_udp_timeout(config: dict[str, int], wait: float, alive: bool) -> None:
    """One request-response: the entry lives ``udp_timeout`` (30 s default, 45 s configured) after the reply."""
    s = Server(f"{OFFICE}/32")
    s.timeouts(**config)
    query = s.sim.connect(CLIENT, s.instance, "udp", 53)
    assert query.state == "established"
    [entry] = s.sim.conntrack(s.eni)
    assert (entry.kind(), entry.exchanges, entry.stream) == ("udp", 1, False)
    limit = config.get("udp_timeout", 30)
    assert entry.timeout(s.eni.connection_tracking) == limit
    s.sim.revoke_security_group_ingress(s.sg, rule_id=s.dns.id)
    s.sim.advance(wait)
    assert (s.sim.conntrack(s.eni) != []) is alive
    result = s.sim.send(query)
    if alive:
        assert_tracked(result, s.sg)
        assert expire_rows(s.sim) == []
    else:
        assert_sg_denied(result, s.sg)
        [row] = expire_rows(s.sim)
        assert row["time"] == limit  # logged at the exact expiry time, not when the clock stopped
        assert row["explanation"] == "CONNTRACK_IDLE_TIMEOUT"


@pytest.mark.parametrize(("wait", "alive"), [(179.9, True), (180, False)])
def test_g6_udp_stream_lives_udp_stream_timeout(wait: float, alive: bool) -> None:
    """Two request-response exchanges make a stream: 180 s (G6), not 30 s."""
    s = Server(f"{OFFICE}/32")
    query = s.sim.connect(CLIENT, s.instance, "udp", 53)
    s.sim.advance(10)
    assert s.sim.send(query).delivered
    assert s.sim.send(query, "reply").delivered
    [entry] = s.sim.conntrack(s.eni)
    assert (entry.kind(), entry.exchanges, entry.stream) == ("udp stream", 2, True)
    assert entry.timeout(s.eni.connection_tracking) == 180
    s.sim.revoke_security_group_ingress(s.sg, rule_id=s.dns.id)
    s.sim.advance(wait)
    result = s.sim.send(query)
    if alive:
        assert_tracked(result, s.sg)
    else:
        assert_sg_denied(result, s.sg)
        [row] = expire_rows(s.sim)
        assert row["time"] == 190
        assert "udp stream" in row["detail"]


@pytest.mark.parametrize(("wait", "alive"), [(59.9, True), (60, False)])
def test_g6_tcp_established_timeout_configured_to_60_s(wait: float, alive: bool) -> None:
    s = Server(f"{OFFICE}/32")
    s.timeouts(tcp_established_timeout=60)
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    [entry] = s.sim.conntrack(s.eni)
    assert (entry.state, entry.timeout(s.eni.connection_tracking)) == ("established", 60)
    s.revoke_ssh()
    s.sim.advance(wait)
    result = s.sim.send(conn)
    if alive:
        assert_tracked(result, s.sg)
        assert conn.state == "established"
    else:
        assert_sg_denied(result, s.sg)
        assert conn.state == "broken"
        [row] = expire_rows(s.sim)
        assert (row["time"], row["component"]) == (60, s.eni.id)
        assert "tcp established" in row["detail"]


@pytest.mark.parametrize("phase", ["unanswered", "closing"])
def test_g6_tcp_before_the_reply_or_closing_idles_out_after_120_s(phase: str) -> None:
    """A SYN that never got an answer, or a FIN: the transitory 120 s applies, not the established timeout.

    Unanswered: the server's own SYN leaves its ENI (the SG tracks it) and the subnet's NACL drops it after (N2)."""
    s = Server(f"{OFFICE}/32")
    if phase == "unanswered":
        acl = s.subnet.network_acl
        s.sim.create_network_acl_entry(acl, rule_number=50, egress=True, protocol="-1", action="deny",
                                       cidr="198.51.100.7/32")  # fmt: skip
        conn = s.sim.connect(s.instance, vpcsim.internet("198.51.100.7"), "tcp", 443)
        assert conn.state == "failed"
        assert (conn.results[-1].explanation, conn.results[-1].component) == ("SUBNET_ACL_RESTRICTION", acl.id)
        state = "new"
    else:
        conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
        assert s.sim.send(conn, flags={"FIN", "ACK"}).delivered
        state = "closing"
    [entry] = s.sim.conntrack(s.eni)
    assert (entry.state, entry.timeout(s.eni.connection_tracking)) == (state, 120)
    s.sim.advance(119.9)
    assert s.sim.conntrack(s.eni) != []
    s.sim.advance(0.1)
    assert s.sim.conntrack(s.eni) == []
    assert [r["time"] for r in expire_rows(s.sim)] == [120]


def test_g6_a_closed_tcp_connection_drops_its_entry_at_once() -> None:
    s = Server(f"{OFFICE}/32")
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    assert [r.delivered for r in s.sim.close(conn)] == [True, True, True]
    assert conn.state == "closed"
    assert s.sim.conntrack(s.eni) == []  # FIN both ways and the last ACK


def test_g6_lowering_a_timeout_gives_one_answer_whether_or_not_the_clock_ticks() -> None:
    """At t=100 an entry idle for 100 s gets a 60 s timeout: ``advance(0)`` must not change the next packet's fate,
    and no expiry is logged before the edit that caused it (the log keeps time order)."""
    verdicts = []
    for tick in (False, True):
        s = Server(f"{OFFICE}/32")
        conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
        s.revoke_ssh()
        s.sim.advance(100)
        s.sim.modify_network_interface_attribute(s.eni, connection_tracking={"tcp_established_timeout": 60})
        if tick:
            s.sim.advance(0)
        result = s.sim.send(conn)
        verdicts.append((result.delivered, str(result.disposition), result.explanation, result.rule))
        times = [row["time"] for row in s.sim.events]
        assert times == sorted(times)
    assert verdicts[0] == verdicts[1]


# ------------------------------------------------------------------------------------------------- N4: NACLs


@pytest.mark.parametrize("egress", [False, True], ids=["ingress", "egress"])
def test_n4_a_nacl_change_hits_a_tracked_connection_at_once_and_restoring_it_revives_it(egress: bool) -> None:
    """NACLs are stateless (N4): tracking does not help; the next packet meets the new NACL entry."""
    s = Server(f"{OFFICE}/32")
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    acl = s.subnet.network_acl
    s.sim.create_network_acl_entry(acl, rule_number=50, egress=egress, protocol="-1", action="deny",
                                   cidr=f"{OFFICE}/32")  # fmt: skip
    direction = "reply" if egress else "forward"
    blocked = s.sim.send(conn, direction)
    assert not blocked.delivered
    assert (str(blocked.disposition), blocked.explanation, blocked.component, blocked.rule) == (
        "DENIED_OUT" if egress else "DENIED_IN",
        "SUBNET_ACL_RESTRICTION",
        acl.id,
        50,
    )
    assert conn.state == "broken"
    assert s.sim.conntrack(s.eni) != []  # the SG entry is still there: only the NACL stops it
    s.sim.delete_network_acl_entry(acl, rule_number=50, egress=egress)
    assert_tracked(s.sim.send(conn, direction), s.sg)
    assert conn.state == "established"


# ------------------------------------------------------------------------------------------------- seeds


def test_seeds_ssh_survives_revoking_all_egress_but_a_new_ping_fails() -> None:
    """The AWS walkthrough: SSH from 203.0.113.5/32 to eth0, then all egress of my-sg-1 revoked (G4, G5)."""
    s = build_seeds()
    sim = vpcsim.Simulator(s.net)
    ssh = sim.authorize_security_group_ingress(s.sg1, protocol="tcp", ports=22, cidr=f"{OFFICE}/32")
    conn = sim.connect(CLIENT, s.eip0.public_ip, "tcp", 22)
    assert conn.state == "established"
    assert conn.results[0].rule == ssh.id
    sim.revoke_security_group_egress(s.sg1, protocol="-1", cidr="0.0.0.0/0")
    assert s.sg1.rules(True) == []
    assert_tracked(sim.send(conn), s.sg1)
    assert_tracked(sim.send(conn, "reply"), s.sg1)
    ping = sim.connect(s.instance, vpcsim.internet("198.51.100.7"), "icmp")
    assert ping.state == "failed"
    assert_sg_denied(ping.results[0], s.sg1, "DENIED_OUT")
    assert len(ping.results) == 1


# ------------------------------------------------------------------------------------------------- the log


def test_log_has_the_columns_and_edit_packet_and_expire_rows() -> None:
    s = Server(f"{OFFICE}/32")
    s.timeouts(tcp_established_timeout=60)
    conn = s.sim.connect(CLIENT, s.instance, "tcp", 22)
    s.revoke_ssh()
    s.net.revoke_security_group_egress(s.sg, protocol="-1", cidr="0.0.0.0/0")  # on the network itself: logged too
    s.sim.advance(100)
    s.sim.send(conn)
    log = s.sim.log
    assert list(log.columns) == ["time", "event", "connection", "direction", "packet", "flags", "disposition",
                                 "explanation", "component", "rule", "delivered", "detail"]  # fmt: skip
    assert log["event"].tolist() == ["edit"] + ["packet"] * 3 + ["edit", "edit", "expire", "packet"]
    edits = log[log["event"] == "edit"]
    assert edits["component"].tolist() == [s.eni.id, s.sg.id, s.sg.id]
    assert [d.split("(")[0] for d in edits["detail"]] == [
        "modify_network_interface_attribute",
        "revoke_security_group_ingress",
        "revoke_security_group_egress",
    ]
    assert f"rule_id='{s.ssh.id}'" in edits["detail"].iloc[1]
    expire = log[log["event"] == "expire"].iloc[0]
    assert (expire["time"], expire["component"], expire["explanation"]) == (60.0, s.eni.id, "CONNTRACK_IDLE_TIMEOUT")
    assert expire["packet"] == f"tcp 10.0.1.10:22 <-> {OFFICE}:32768"
    handshake = log[log["event"] == "packet"].head(3)
    assert handshake["flags"].tolist() == ["SYN", "SYN,ACK", "ACK"]
    assert handshake["direction"].tolist() == ["forward", "reply", "forward"]
    assert handshake["connection"].tolist() == [conn.id] * 3
    last = log.iloc[-1]
    assert (last["time"], last["disposition"], last["explanation"], last["delivered"]) == (
        100.0,
        "DENIED_IN",
        "ENI_SG_RULES_MISMATCH",
        False,
    )
    assert len(s.sim.events) == len(log)
