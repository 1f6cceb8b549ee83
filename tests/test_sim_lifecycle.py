"""Instances and addresses changing under live connections in the Simulator: SPEC P1 (auto-assigned public IPv4 lost
on stop, a new one on start), P2 (Elastic IPs survive stop/start and move), E2 (a secondary ENI moves with its
addresses), G4 (a stopped instance's tracking entries go) and the simulator's WRONG_HOST / REPLY_SOURCE_MISMATCH."""

from __future__ import annotations

import pytest

import vpcsim
from vpcsim.model.interface import Instance, NetworkInterface
from vpcsim.testing import assert_refused

OFFICE = "203.0.113.5"
CLIENT = vpcsim.internet(OFFICE)


class Public:
    """Instances ``a`` and ``b`` in a public subnet of us-east-1a (auto-assigned public IPs), ``far`` in us-east-1b;
    SG ``srv`` admits SSH from the office /32 only, so SSH is tracked (G5)."""

    def __init__(self) -> None:
        net = self.net = vpcsim.Network(seed=5)
        vpc = net.create_vpc("10.0.0.0/16", name="life")
        igw = net.create_internet_gateway()
        net.attach_internet_gateway(igw, vpc)
        self.subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", map_public_ip_on_launch=True)
        other = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1b", map_public_ip_on_launch=True)
        table = net.create_route_table(vpc)
        net.create_route(table, "0.0.0.0/0", igw)
        for subnet in (self.subnet, other):
            net.associate_route_table(table, subnet)
        self.sg = net.create_security_group(vpc, "srv", description="SSH from the office")
        self.ssh = net.authorize_security_group_ingress(self.sg, protocol="tcp", ports=22, cidr=f"{OFFICE}/32")
        self.a: Instance = net.run_instance(self.subnet, security_groups=[self.sg], name="a")
        self.b: Instance = net.run_instance(self.subnet, security_groups=[self.sg], name="b")
        self.far: Instance = net.run_instance(other, security_groups=[self.sg], name="far")
        self.sim = vpcsim.Simulator(net)

    def ssh_to(self, target: object) -> vpcsim.Connection:
        conn = self.sim.connect(CLIENT, target, "tcp", 22)
        assert conn.state == "established", conn.results
        return conn

    def eth1(self, instance: Instance) -> tuple[NetworkInterface, vpcsim.ElasticIp]:
        """A secondary ENI with its own EIP, attached to ``instance`` at device index 1."""
        eni = self.net.create_network_interface(self.subnet, security_groups=[self.sg], name="eth1")
        self.net.attach_network_interface(eni, instance, device_index=1)
        eip = self.net.allocate_address(name="eth1-eip")
        self.net.associate_address(eip, network_interface=eni)
        return eni, eip


def verdict(result: vpcsim.PacketResult) -> tuple[object, ...]:
    return (result.delivered, str(result.disposition), result.explanation)


# ------------------------------------------------------------------------------------------------- P1 stop/start


def test_p1_stop_drops_tracking_entries_and_releases_the_public_ip_start_gives_a_new_one() -> None:
    p = Public()
    eni = p.a.primary_network_interface
    old_ip = eni.auto_public_ip
    assert old_ip is not None
    conn = p.ssh_to(p.a)
    assert conn.request.dst == old_ip
    assert p.sim.conntrack(eni) != []
    p.sim.stop_instance(p.a)
    assert p.sim.conntrack(eni) == []  # G4 state lives on the running host
    assert eni.auto_public_ip is None
    stopped = p.sim.send(conn)
    assert verdict(stopped) == (False, "EXITS_NETWORK", None)  # nobody holds that address: it leaves again
    assert conn.state == "broken"
    p.sim.start_instance(p.a)
    new_ip = eni.auto_public_ip
    assert new_ip is not None
    assert new_ip != old_ip
    # the old connection: packets to the old address leave to the internet, replies come from the new address
    forward = p.sim.send(conn)
    assert verdict(forward) == (False, "EXITS_NETWORK", None)
    assert forward.detail.startswith("left the network, not towards")
    reply = p.sim.send(conn, "reply")
    assert verdict(reply) == (False, "DENIED_IN", "REPLY_SOURCE_MISMATCH")
    assert f"the client expects {old_ip}:22; this comes from {new_ip}:22" in reply.detail
    assert conn.state == "broken"
    # a new connection goes to the new address
    fresh = p.ssh_to(p.a)
    assert fresh.request.dst == new_ip
    edits = [row["detail"].split("(")[0] for row in p.sim.events if row["event"] == "edit"]
    assert edits == ["stop_instance", "start_instance"]


def test_p1_a_stopped_instance_loses_its_entries_so_a_revoked_rule_counts_after_start() -> None:
    """With an EIP the address survives (P2), but the tracking entries do not (stop drops them)."""
    p = Public()
    eip = p.net.allocate_address()
    p.sim.associate_address(eip, instance=p.a)
    conn = p.ssh_to(eip.public_ip)
    p.sim.revoke_security_group_ingress(p.sg, rule_id=p.ssh.id)
    assert p.sim.send(conn).delivered  # tracked (G4)
    p.sim.stop_instance(p.a)
    p.sim.start_instance(p.a)
    result = p.sim.send(conn)
    assert verdict(result) == (False, "DENIED_IN", "ENI_SG_RULES_MISMATCH")
    assert result.component == p.sg.id


# ------------------------------------------------------------------------------------------------- P2 EIPs


def test_p2_an_elastic_ip_survives_stop_and_start() -> None:
    p = Public()
    eni = p.a.primary_network_interface
    eip = p.net.allocate_address(name="a-eip")
    p.sim.associate_address(eip, instance=p.a)
    assert eni.auto_public_ip is None  # P2: the EIP replaces the auto-assigned address
    conn = p.ssh_to(eip.public_ip)
    p.sim.stop_instance(p.a)
    assert p.sim.conntrack(eni) == []
    while_stopped = p.sim.send(conn)
    assert not while_stopped.delivered
    assert conn.state == "broken"
    p.sim.start_instance(p.a)
    assert (eip.network_interface, eip.private_ip) == (eni, eni.private_ip)
    assert eni.auto_public_ip is None
    assert p.sim.send(conn).delivered  # same address, the rule still allows it: a new entry
    assert p.sim.send(conn, "reply").delivered
    assert conn.state == "established"


def test_p2_moving_an_elastic_ip_redirects_new_connections_and_old_ones_get_wrong_host() -> None:
    p = Public()
    eip = p.net.allocate_address(name="moving")
    p.sim.associate_address(eip, instance=p.a)
    old = p.ssh_to(eip.public_ip)
    assert old.server_host is p.a
    with assert_refused(p.net, "Resource.AlreadyAssociated"):
        p.sim.associate_address(eip, instance=p.b, allow_reassociation=False)
    p.sim.associate_address(eip, instance=p.b, allow_reassociation=True)
    assert eip.network_interface is p.b.primary_network_interface
    fresh = p.ssh_to(eip.public_ip)
    assert fresh.server_host is p.b
    assert fresh.server_interface is p.b.primary_network_interface
    result = p.sim.send(old)
    assert verdict(result) == (False, "DENIED_IN", "WRONG_HOST")
    assert result.component == p.b.primary_network_interface.id
    assert "no such connection: it answers RST" in result.detail
    assert old.state == "reset"
    # a's reply now leaves from the address a got back (P1 on disassociation): not the one the client used
    reply = p.sim.send(old, "reply")
    assert verdict(reply) == (False, "DENIED_IN", "REPLY_SOURCE_MISMATCH")


# ------------------------------------------------------------------------------------------------- E2 ENI move


def test_e2_moving_an_eni_takes_its_addresses_new_connections_follow_old_ones_get_wrong_host() -> None:
    p = Public()
    eth1, eip = p.eth1(p.a)
    old = p.ssh_to(eip.public_ip)
    assert (old.server_host, old.server_interface) == (p.a, eth1)
    p.sim.detach_network_interface(eth1)
    detached = p.sim.send(old)
    assert verdict(detached) == (False, "DENIED_IN", "BAD_STATE")
    assert detached.component == eth1.id
    p.sim.attach_network_interface(eth1, p.b, device_index=1)
    assert eip.network_interface is eth1  # E2: its EIP moved with it
    fresh = p.ssh_to(eip.public_ip)
    assert (fresh.server_host, fresh.server_interface) == (p.b, eth1)
    result = p.sim.send(old)
    assert verdict(result) == (False, "DENIED_IN", "WRONG_HOST")
    assert result.component == eth1.id
    assert f"({p.b.id}), which has no such connection" in result.detail
    assert old.state == "broken"


def test_e2_an_eni_does_not_move_to_another_availability_zone() -> None:
    p = Public()
    eth1, eip = p.eth1(p.a)
    conn = p.ssh_to(eip.public_ip)
    p.sim.detach_network_interface(eth1)
    with assert_refused(p.net, "InvalidParameterCombination", eth1.id, p.far.id):
        p.sim.attach_network_interface(eth1, p.far, device_index=1)
    p.sim.attach_network_interface(eth1, p.a, device_index=1)  # back where it was: the connection lives on
    assert p.sim.send(conn).delivered
    assert conn.state == "established"


# ------------------------------------------------------------------------------------------------- terminate


def test_terminate_removes_delete_on_termination_enis_and_their_state() -> None:
    p = Public()
    primary = p.a.primary_network_interface
    public_ip = primary.auto_public_ip
    eth1, eip = p.eth1(p.a)
    to_primary = p.ssh_to(p.a)
    to_eth1 = p.ssh_to(eip.public_ip)
    assert {e.network_interface for e in p.sim.conntrack()} == {primary.id, eth1.id}
    p.sim.terminate_instance(p.a)
    assert primary.id not in {e.id for e in p.net.network_interfaces}  # deleted with the instance
    assert eth1 in p.net.network_interfaces  # not delete-on-termination: detached, keeps its EIP
    assert (eth1.instance, eip.network_interface) == (None, eth1)
    assert primary.id not in {e.network_interface for e in p.sim.conntrack()}
    gone = p.sim.send(to_primary)
    assert verdict(gone) == (False, "EXITS_NETWORK", None)  # its public IP was released
    assert gone.packet.dst == public_ip
    detached = p.sim.send(to_eth1)
    assert verdict(detached) == (False, "DENIED_IN", "BAD_STATE")
    assert p.sim.connect(CLIENT, eip.public_ip, "tcp", 22).state == "failed"
    assert p.sim.events[-4]["detail"].startswith("terminate_instance(")


@pytest.mark.parametrize(
    "operation",
    [
        "stop_instance",
        "terminate_instance",
    ],
)
def test_g4_stop_and_terminate_drop_the_tracking_entries_of_all_the_instances_enis(operation: str) -> None:
    """The secondary ENI survives termination (not delete-on-termination) but its host's flows do not: moved to
    another instance, its old connection meets the rules of the moment (its SSH rule is gone)."""
    p = Public()
    eth1, eip = p.eth1(p.a)
    conn = p.ssh_to(eip.public_ip)
    p.sim.revoke_security_group_ingress(p.sg, rule_id=p.ssh.id)
    getattr(p.sim, operation)(p.a)
    assert p.sim.conntrack(eth1) == []
    if eth1.instance is not None:
        p.sim.detach_network_interface(eth1)
    p.sim.attach_network_interface(eth1, p.b, device_index=1)
    result = p.sim.send(conn)
    assert verdict(result) == (False, "DENIED_IN", "ENI_SG_RULES_MISMATCH")
    assert result.component == p.sg.id


@pytest.mark.parametrize("operation", ["stop_instance", "terminate_instance"])
def test_lifecycle_operations_through_the_simulator_and_the_network_are_logged_alike(operation: str) -> None:
    via_sim, via_net = Public(), Public()
    getattr(via_sim.sim, operation)(via_sim.a)
    getattr(via_net.net, operation)(via_net.a)
    rows = [[(r["event"], r["component"], r["detail"]) for r in p.sim.events] for p in (via_sim, via_net)]
    assert rows[0] == rows[1] == [("edit", via_sim.a.id, f"{operation}({via_sim.a.id})")]
