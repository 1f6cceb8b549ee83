"""The packet walk through routing (SPEC R1-R8, V): which table decides, which route wins, where traffic goes.

Every test builds a small network, traces one flow and asserts what a user reads in the trace: the disposition,
the explanation code, the component that decided and its rule (the route destination for route tables).
"""

from __future__ import annotations

import attrs
import pytest

import vpcsim
from vpcsim import Disposition

# ---------------------------------------------------------------------- helpers


def open_sg(net: vpcsim.Network, vpc: vpcsim.Vpc, name: str = "open") -> vpcsim.SecurityGroup:
    """An SG admitting everything (IPv4 and IPv6) so that only routing decides."""
    sg = net.create_security_group(vpc, name, description="all traffic")
    net.authorize_security_group_ingress(sg, protocol="-1", cidr="0.0.0.0/0")
    if vpc.ipv6_cidr_block is not None:
        net.authorize_security_group_ingress(sg, protocol="-1", cidr="::/0")
    return sg


def route_hops(t: vpcsim.Trace) -> list[tuple[str, str | int | None]]:
    """(route table id, route destination) of every route-table forward of a walk."""
    return [(h.component, h.rule) for h in t.hops if h.kind == "route-table" and h.action == "forward"]


def assert_dropped(
    t: vpcsim.Trace, disposition: Disposition, explanation: str, component: str, rule: object = None
) -> None:
    assert t.disposition is disposition, str(t)
    assert t.explanation == explanation, str(t)
    assert t.decided_by is not None, str(t)
    assert t.decided_by.component == component, str(t)
    assert t.decided_by.rule == rule, str(t)
    assert not t.delivered
    assert not t.connected


def assert_connected(t: vpcsim.Trace, disposition: Disposition = Disposition.ACCEPTED) -> None:
    assert t.disposition is disposition, str(t)
    assert t.explanation is None, str(t)
    assert t.decided_by is None, str(t)
    assert t.delivered, str(t)
    assert t.reply is not None, str(t)
    assert t.reply.delivered, str(t)
    assert t.connected, str(t)


@attrs.frozen
class Lab:
    """One VPC, an IGW, subnets a/b/c, an open SG; x in a (public IP), y in b, z in a."""

    net: vpcsim.Network
    vpc: vpcsim.Vpc
    igw: vpcsim.InternetGateway
    a: vpcsim.Subnet
    b: vpcsim.Subnet
    c: vpcsim.Subnet
    sg: vpcsim.SecurityGroup
    x: vpcsim.Instance
    y: vpcsim.Instance
    z: vpcsim.Instance


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=7)
    vpc = net.create_vpc("10.0.0.0/16", name="lab", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    v6 = list(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    igw = net.create_internet_gateway(name="lab-igw")
    net.attach_internet_gateway(igw, vpc)
    a = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a", ipv6_cidr_block=str(v6[1]))
    b = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="b", ipv6_cidr_block=str(v6[2]))
    c = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="c")
    sg = open_sg(net, vpc)
    x = net.run_instance(
        a, security_groups=[sg], name="x", private_ip="10.0.1.10", associate_public_ip=True, ipv6_address_count=1
    )
    y = net.run_instance(b, security_groups=[sg], name="y", private_ip="10.0.2.10", ipv6_address_count=1)
    z = net.run_instance(a, security_groups=[sg], name="z", private_ip="10.0.1.20")
    return Lab(net, vpc, igw, a, b, c, sg, x, y, z)


def appliance(lab: Lab, subnet: vpcsim.Subnet, name: str, private_ip: str) -> vpcsim.NetworkInterface:
    """A router/firewall instance with source/dest check off; returns its primary ENI."""
    instance = lab.net.run_instance(subnet, security_groups=[lab.sg], name=name, private_ip=private_ip)
    eni = instance.primary_network_interface
    lab.net.modify_network_interface_attribute(eni, source_dest_check=False)
    return eni


# ---------------------------------------------------------------------- R1: which table a subnet uses


def test_r1_subnet_without_association_uses_the_main_table(lab: Lab) -> None:
    """SPEC R1: a subnet with no explicit association routes with its VPC's main table."""
    main = lab.vpc.main_route_table
    lab.net.create_route(main, "0.0.0.0/0", lab.igw)
    t = lab.net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443)
    assert_connected(t, Disposition.EXITS_NETWORK)
    assert route_hops(t) == [(main.id, "0.0.0.0/0")]
    assert lab.igw.id in t.components


def test_r1_explicit_association_overrides_the_main_table(lab: Lab) -> None:
    """SPEC R1: once explicitly associated, the subnet uses that table, not the main one."""
    main = lab.vpc.main_route_table
    lab.net.create_route(main, "0.0.0.0/0", lab.igw)
    custom = lab.net.create_route_table(lab.vpc, name="no-default")
    lab.net.associate_route_table(custom, lab.a)
    t = lab.net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443)
    assert_dropped(t, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", custom.id)
    assert main.id not in t.components
    # Back to the main table when the association goes.
    lab.net.disassociate_route_table(lab.a)
    t = lab.net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443)
    assert t.disposition is Disposition.EXITS_NETWORK
    assert route_hops(t) == [(main.id, "0.0.0.0/0")]


def test_r1_changing_the_main_table_changes_only_unassociated_subnets(lab: Lab) -> None:
    """SPEC R1: a route added to the associated table is seen by its subnet; the main table's subnets don't see it."""
    custom = lab.net.create_route_table(lab.vpc, name="public")
    lab.net.associate_route_table(custom, lab.a)
    lab.net.create_route(custom, "0.0.0.0/0", lab.igw)
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, instance=lab.y)
    t_a = lab.net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443)
    t_b = lab.net.trace(lab.y, vpcsim.internet("198.51.100.7"), port=443)
    assert t_a.disposition is Disposition.EXITS_NETWORK
    assert route_hops(t_a) == [(custom.id, "0.0.0.0/0")]
    assert_dropped(t_b, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", lab.vpc.main_route_table.id)


def test_r1_replacing_the_main_association_moves_unassociated_subnets(lab: Lab) -> None:
    """SPEC R1: making another table the main one changes the table of every subnet without an association."""
    new_main = lab.net.create_route_table(lab.vpc, name="new-main")
    lab.net.create_route(new_main, "0.0.0.0/0", lab.igw)
    lab.net.replace_route_table_association(lab.vpc.main_route_table_association_id, new_main)
    t = lab.net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443)
    assert_connected(t, Disposition.EXITS_NETWORK)
    assert route_hops(t) == [(new_main.id, "0.0.0.0/0")]


# ---------------------------------------------------------------------- R2: longest prefix, address families


@attrs.frozen
class Peered:
    lab: Lab
    peer: vpcsim.Vpc
    pcx: vpcsim.VpcPeeringConnection
    rt_a: vpcsim.RouteTable
    peer_rt: vpcsim.RouteTable
    p1: vpcsim.Instance  # 10.1.1.10
    p2: vpcsim.Instance  # 10.1.2.10


@pytest.fixture
def peered(lab: Lab) -> Peered:
    net = lab.net
    peer = net.create_vpc("10.1.0.0/16", name="peer")
    s1 = net.create_subnet(peer, "10.1.1.0/24", az="us-east-1a", name="p-1")
    s2 = net.create_subnet(peer, "10.1.2.0/24", az="us-east-1a", name="p-2")
    psg = open_sg(net, peer, "peer-open")
    p1 = net.run_instance(s1, security_groups=[psg], name="p1", private_ip="10.1.1.10")
    p2 = net.run_instance(s2, security_groups=[psg], name="p2", private_ip="10.1.2.10")
    pcx = net.create_vpc_peering_connection(lab.vpc, peer)
    rt_a = net.create_route_table(lab.vpc, name="rt-a")
    net.associate_route_table(rt_a, lab.a)
    net.create_route(rt_a, "10.1.0.0/16", pcx)
    peer_rt = peer.main_route_table
    net.create_route(peer_rt, "10.0.0.0/16", pcx)
    return Peered(lab, peer, pcx, rt_a, peer_rt, p1, p2)


def test_r2_less_specific_route_carries_what_the_longer_one_does_not_cover(peered: Peered) -> None:
    """SPEC R2: 10.1.1.10 matches only 10.1.0.0/16 -> pcx; the walk crosses the peering and comes back."""
    net = peered.lab.net
    lab = peered.lab
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    net.create_route(peered.rt_a, "10.1.2.0/24", app)
    t = net.trace(lab.x, peered.p1, port=22)
    assert_connected(t)
    assert route_hops(t)[0] == (peered.rt_a.id, "10.1.0.0/16")
    assert peered.pcx.id in t.components
    assert app.id not in t.components


def test_r2_longest_prefix_wins_over_a_covering_route(peered: Peered) -> None:
    """SPEC R2: 10.1.2.0/24 -> appliance beats 10.1.0.0/16 -> pcx for 10.1.2.10; the hop's rule is the /24."""
    net = peered.lab.net
    lab = peered.lab
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    net.create_route(peered.rt_a, "10.1.2.0/24", app)
    rt_c = net.create_route_table(lab.vpc, name="rt-c")
    net.associate_route_table(rt_c, lab.c)
    net.create_route(rt_c, "10.1.0.0/16", peered.pcx)
    t = net.trace(lab.x, peered.p2, port=22)
    assert_connected(t)
    assert route_hops(t)[:2] == [(peered.rt_a.id, "10.1.2.0/24"), (rt_c.id, "10.1.0.0/16")]
    components = t.components
    assert components.index(app.id) < components.index(peered.pcx.id)


def test_r2_longest_prefix_blackhole_drops_what_the_covering_route_would_carry(peered: Peered) -> None:
    """SPEC R2, R6: a blackholed /24 wins over the live /16: NULL_ROUTED at the /24, not sent to the peering."""
    net = peered.lab.net
    lab = peered.lab
    eip = net.allocate_address()
    nat = net.create_nat_gateway(lab.c, allocation=eip)
    net.create_route(peered.rt_a, "10.1.2.0/24", nat)
    net.delete_nat_gateway(nat)
    t = net.trace(lab.x, peered.p2, port=22)
    assert_dropped(t, Disposition.NULL_ROUTED, "BAD_STATE_ROUTE", peered.rt_a.id, "10.1.2.0/24")
    assert peered.pcx.id not in t.components
    # The /16 still carries the rest of the peer.
    assert net.trace(lab.x, peered.p1, port=22).connected


def test_r2_ipv4_default_route_never_matches_ipv6(lab: Lab) -> None:
    """SPEC R2: with only 0.0.0.0/0 -> igw, an IPv6 flow to the internet finds no route."""
    main = lab.vpc.main_route_table
    lab.net.create_route(main, "0.0.0.0/0", lab.igw)
    t = lab.net.trace(lab.x, vpcsim.internet("2600:1f18::9"), port=443)
    assert_dropped(t, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", main.id)
    assert lab.igw.id not in t.components
    # The same table carries IPv4.
    assert lab.net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443).connected


def test_r2_ipv6_default_route_never_matches_ipv4(lab: Lab) -> None:
    """SPEC R2: with only ::/0 -> igw, IPv6 leaves and IPv4 finds no route."""
    main = lab.vpc.main_route_table
    lab.net.create_route(main, "::/0", lab.igw)
    t6 = lab.net.trace(lab.x, vpcsim.internet("2600:1f18::9"), port=443)
    assert_connected(t6, Disposition.EXITS_NETWORK)
    assert route_hops(t6) == [(main.id, "::/0")]
    t4 = lab.net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443)
    assert_dropped(t4, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", main.id)


def test_r2_ipv6_between_subnets_uses_the_ipv6_local_route(lab: Lab) -> None:
    """SPEC R2, R4: IPv6 between two subnets matches the VPC's IPv6 local route, not the IPv4 one."""
    t = lab.net.trace(lab.x, lab.y, port=22, ip_version=6)
    assert_connected(t)
    assert route_hops(t) == [(lab.vpc.main_route_table.id, str(lab.vpc.ipv6_cidr_block))]


# ---------------------------------------------------------------------- R3: ties on the same prefix


@attrs.frozen
class Vpn:
    lab: Lab
    vgw: vpcsim.VpnGateway
    vpn: vpcsim.VpnConnection
    rt: vpcsim.RouteTable


@pytest.fixture
def vpn(lab: Lab) -> Vpn:
    net = lab.net
    vgw = net.create_vpn_gateway(name="vgw")
    net.attach_vpn_gateway(vgw, lab.vpc)
    cgw = net.create_customer_gateway("203.0.113.9", bgp_asn=65010)
    connection = net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])
    rt = net.create_route_table(lab.vpc, name="rt-a")
    net.associate_route_table(rt, lab.a)
    net.enable_vgw_route_propagation(rt, vgw)
    return Vpn(lab, vgw, connection, rt)


def test_r3_propagated_vpn_route_carries_traffic_alone(vpn: Vpn) -> None:
    """SPEC R3, R6: the propagated 192.168.0.0/16 -> vgw route sends the flow on premises through the VPN."""
    t = vpn.lab.net.trace(vpn.lab.x, "192.168.1.10", port=22)
    assert_connected(t, Disposition.EXITS_NETWORK)
    assert route_hops(t) == [(vpn.rt.id, "192.168.0.0/16")]
    assert t.hops[-1].component == vpn.vpn.id


def test_r3_static_route_beats_propagated_route_of_the_same_prefix(vpn: Vpn) -> None:
    """SPEC R3: a static 192.168.0.0/16 -> appliance wins over the propagated one -> vgw."""
    lab = vpn.lab
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    lab.net.create_route(vpn.rt, "192.168.0.0/16", app)
    same = [r for r in vpn.rt.routes if str(r.destination) == "192.168.0.0/16"]
    assert {r.origin for r in same} == {"CreateRoute", "EnableVgwRoutePropagation"}
    t = lab.net.trace(lab.x, "192.168.1.10", port=22)
    assert route_hops(t)[0] == (vpn.rt.id, "192.168.0.0/16")
    assert app.id in t.components
    assert vpn.vgw.id not in t.components
    # The appliance's subnet (main table) has no route on premises.
    assert_dropped(t, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", lab.vpc.main_route_table.id)
    # Without the static route the propagated one carries it again.
    lab.net.delete_route(vpn.rt, "192.168.0.0/16")
    t = lab.net.trace(lab.x, "192.168.1.10", port=22)
    assert t.disposition is Disposition.EXITS_NETWORK
    assert vpn.vgw.id in t.components


def test_r3_static_beats_prefix_list_beats_propagated(vpn: Vpn) -> None:
    """SPEC R3: on an identical prefix, static > prefix-list route > propagated route."""
    lab = vpn.lab
    net = lab.net
    plist = net.create_managed_prefix_list("onprem", max_entries=2, entries=["192.168.0.0/16"])
    net.create_route(vpn.rt, plist, lab.igw)
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    net.create_route(vpn.rt, "192.168.0.0/16", app)
    t = net.trace(lab.x, "192.168.1.10", port=22)
    assert route_hops(t)[0] == (vpn.rt.id, "192.168.0.0/16")
    assert app.id in t.components
    assert lab.igw.id not in t.components
    net.delete_route(vpn.rt, "192.168.0.0/16")
    t = net.trace(lab.x, "192.168.1.10", port=22)
    assert route_hops(t)[0] == (vpn.rt.id, plist.id)
    assert lab.igw.id in t.components
    assert vpn.vgw.id not in t.components
    # The internet does not route 192.168.0.0/16.
    assert_dropped(t, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", "internet")


def test_r3_longer_propagated_route_beats_shorter_static_route(vpn: Vpn) -> None:
    """SPEC R2 before R3: the origin only breaks ties; a longer propagated prefix beats a shorter static one."""
    lab = vpn.lab
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    lab.net.create_route(vpn.rt, "192.0.0.0/8", app)
    t = lab.net.trace(lab.x, "192.168.1.10", port=22)
    assert_connected(t, Disposition.EXITS_NETWORK)
    assert route_hops(t) == [(vpn.rt.id, "192.168.0.0/16")]
    assert app.id not in t.components


def test_r3_longer_prefix_list_entry_beats_shorter_static_route(vpn: Vpn) -> None:
    """SPEC R2, R3: a prefix-list route counts with its longest matching entry: a /24 entry beats a static /16."""
    lab = vpn.lab
    net = lab.net
    plist = net.create_managed_prefix_list("branch", max_entries=2, entries=["192.168.1.0/24"])
    net.create_route(vpn.rt, plist, lab.igw)
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    net.create_route(vpn.rt, "192.168.0.0/16", app)
    t = net.trace(lab.x, "192.168.1.10", port=22)
    assert route_hops(t)[0] == (vpn.rt.id, plist.id)
    assert app.id not in t.components
    t = net.trace(lab.x, "192.168.2.10", port=22)
    assert route_hops(t)[0] == (vpn.rt.id, "192.168.0.0/16")
    assert app.id in t.components


def test_r3_prefix_list_tie_goes_to_the_lowest_prefix_list_id(vpn: Vpn) -> None:
    """SPEC R3: two prefix-list routes with the same covering prefix: vpcsim picks the lowest prefix-list id."""
    lab = vpn.lab
    net = lab.net
    lists = [
        net.create_managed_prefix_list(f"onprem-{i}", max_entries=1, entries=["192.168.0.0/16"]) for i in range(2)
    ]
    net.create_route(vpn.rt, lists[0], lab.igw)
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    net.create_route(vpn.rt, lists[1], app)
    lowest = min(lists, key=lambda p: p.id)
    t = net.trace(lab.x, "192.168.1.10", port=22)
    assert route_hops(t)[0] == (vpn.rt.id, lowest.id)
    assert (app.id in t.components) == (lowest is lists[1])
    assert vpn.vgw.id not in t.components


# ---------------------------------------------------------------------- R4: middlebox insertion


def test_r4_subnet_route_to_appliance_inserts_it_on_the_path(lab: Lab) -> None:
    """SPEC R4, E5: a whole-subnet route to an appliance ENI (check off) puts it between the two subnets."""
    net = lab.net
    app = appliance(lab, lab.c, "firewall", "10.0.3.10")
    rt_a = net.create_route_table(lab.vpc, name="rt-a")
    net.associate_route_table(rt_a, lab.a)
    net.create_route(rt_a, "10.0.2.0/24", app)
    t = net.trace(lab.x, lab.y, port=22)
    assert_connected(t)
    assert route_hops(t)[0] == (rt_a.id, "10.0.2.0/24")
    assert app.id in t.components
    assert t.components[-1] == lab.y.primary_network_interface.id
    # Only one direction was redirected: the reply goes straight back (local).
    assert t.reply is not None
    assert app.id not in t.reply.components


def test_r4_symmetric_insertion_both_ways_through_the_appliance(lab: Lab) -> None:
    """SPEC R4: with the return route also through the appliance, both directions pass it and connect."""
    net = lab.net
    app = appliance(lab, lab.c, "firewall", "10.0.3.10")
    rt_a = net.create_route_table(lab.vpc, name="rt-a")
    net.associate_route_table(rt_a, lab.a)
    net.create_route(rt_a, "10.0.2.0/24", app)
    rt_b = net.create_route_table(lab.vpc, name="rt-b")
    net.associate_route_table(rt_b, lab.b)
    net.create_route(rt_b, "10.0.1.0/24", app)
    t = net.trace(lab.x, lab.y, port=22)
    assert_connected(t)
    assert t.reply is not None
    assert app.id in t.components
    assert app.id in t.reply.components
    assert route_hops(t.reply)[0] == (rt_b.id, "10.0.1.0/24")


def test_r4_appliance_with_source_dest_check_on_drops(lab: Lab) -> None:
    """SPEC R4, E5: the same insertion with source/dest check left on drops at the appliance ENI."""
    net = lab.net
    app = appliance(lab, lab.c, "firewall", "10.0.3.10")
    net.modify_network_interface_attribute(app, source_dest_check=True)
    rt_a = net.create_route_table(lab.vpc, name="rt-a")
    net.associate_route_table(rt_a, lab.a)
    net.create_route(rt_a, "10.0.2.0/24", app)
    t = net.trace(lab.x, lab.y, port=22)
    assert_dropped(t, Disposition.DENIED_IN, "ENI_SOURCE_DEST_CHECK_RESTRICTION", app.id)


def test_r4_replacing_the_local_route_with_an_appliance(lab: Lab) -> None:
    """SPEC R4: the local route itself may point at an appliance; then in-VPC traffic between subnets crosses it."""
    net = lab.net
    app = appliance(lab, lab.c, "firewall", "10.0.3.10")
    rt_a = net.create_route_table(lab.vpc, name="rt-a")
    net.associate_route_table(rt_a, lab.a)
    net.replace_route(rt_a, "10.0.0.0/16", app)
    t = net.trace(lab.x, lab.y, port=22)
    assert_connected(t)
    assert route_hops(t)[0] == (rt_a.id, "10.0.0.0/16")
    assert app.id in t.components


# ---------------------------------------------------------------------- R5: same subnet


def test_r5_same_subnet_skips_nacl_and_route_table(lab: Lab) -> None:
    """SPEC R5, N2: two instances of one subnet connect even when its NACL denies everything and no route helps."""
    net = lab.net
    deny_all = net.create_network_acl(lab.vpc, name="deny-all")
    net.replace_network_acl_association(deny_all, lab.a)
    empty = net.create_route_table(lab.vpc, name="empty")
    net.associate_route_table(empty, lab.a)
    net.replace_route(empty, "10.0.0.0/16", appliance(lab, lab.c, "elsewhere", "10.0.3.10"))
    t = net.trace(lab.x, lab.z, port=22)
    assert_connected(t)
    assert t.reply is not None
    for walk in (t, t.reply):
        assert not [h for h in walk.hops if h.kind.startswith("nacl")], str(walk)
        assert route_hops(walk) == []
        assert deny_all.id not in walk.components
    # The same NACL does stop traffic that leaves the subnet.
    t = net.trace(lab.x, lab.y, port=22)
    assert_dropped(t, Disposition.DENIED_OUT, "SUBNET_ACL_RESTRICTION", deny_all.id, 32767)


# ---------------------------------------------------------------------- R6: targets and blackholes


def test_r6_route_to_deleted_nat_gateway_is_null_routed(lab: Lab) -> None:
    """SPEC R6: a route whose NAT gateway was deleted stays as a blackhole and drops matching packets."""
    net = lab.net
    public = net.create_route_table(lab.vpc, name="public")
    net.create_route(public, "0.0.0.0/0", lab.igw)
    net.associate_route_table(public, lab.c)
    eip = net.allocate_address()
    nat = net.create_nat_gateway(lab.c, allocation=eip)
    private = lab.vpc.main_route_table
    net.create_route(private, "0.0.0.0/0", nat)
    assert net.trace(lab.y, vpcsim.internet("198.51.100.7"), port=443).connected
    net.delete_nat_gateway(nat)
    t = net.trace(lab.y, vpcsim.internet("198.51.100.7"), port=443)
    assert_dropped(t, Disposition.NULL_ROUTED, "BAD_STATE_ROUTE", private.id, "0.0.0.0/0")
    assert private.find_route("0.0.0.0/0") is not None
    assert private.find_route("0.0.0.0/0").state == "blackhole"  # type: ignore[union-attr]


def test_r6_no_route_at_all_is_no_route_at_the_table(lab: Lab) -> None:
    """SPEC R2, R6: nothing matches -> NO_ROUTE / NO_ROUTE_TO_DESTINATION, decided by the subnet's table."""
    t = lab.net.trace(lab.y, vpcsim.internet("198.51.100.7"), port=443)
    assert_dropped(t, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", lab.vpc.main_route_table.id)
    assert t.decided_by is not None
    assert t.decided_by.kind == "route-table"


def test_r6_route_to_stopped_instance_is_null_routed(lab: Lab) -> None:
    """SPEC R6: a route to an instance that is not running is a blackhole."""
    net = lab.net
    app = appliance(lab, lab.c, "router", "10.0.3.10")
    main = lab.vpc.main_route_table
    net.create_route(main, "0.0.0.0/0", app)
    assert app.instance is not None
    net.stop_instance(app.instance)
    t = net.trace(lab.y, vpcsim.internet("198.51.100.7"), port=443)
    assert_dropped(t, Disposition.NULL_ROUTED, "BAD_STATE_ROUTE", main.id, "0.0.0.0/0")


def test_r6_route_to_an_instance_goes_to_its_primary_eni(lab: Lab) -> None:
    """SPEC R6: an instance as route target means its primary ENI: the packet reaches that ENI and is forwarded."""
    net = lab.net
    router = net.run_instance(lab.c, security_groups=[lab.sg], name="router", private_ip="10.0.3.10")
    net.modify_instance_attribute(router, source_dest_check=False)
    main = lab.vpc.main_route_table
    net.create_route(main, "0.0.0.0/0", router)
    t = net.trace(lab.y, vpcsim.internet("198.51.100.7"), port=443)
    assert route_hops(t)[0] == (main.id, "0.0.0.0/0")
    assert router.primary_network_interface.id in t.components
    # The router's own subnet also uses the main table: the packet comes back to the same table, same headers.
    assert t.disposition is Disposition.LOOP, str(t)
    assert t.explanation == "ROUTING_LOOP"
    assert t.decided_by is not None
    assert t.decided_by.component == main.id


def test_r6_peering_route_needs_the_return_route(peered: Peered) -> None:
    """SPEC R6, I5: the forward packet crosses the peering; without the peer's route back the reply has none."""
    net = peered.lab.net
    net.delete_route(peered.peer_rt, "10.0.0.0/16")
    t = net.trace(peered.lab.x, peered.p1, port=22)
    assert t.disposition is Disposition.ACCEPTED
    assert t.delivered
    assert peered.pcx.id in t.components
    assert t.reply is not None
    assert t.reply.disposition is Disposition.NO_ROUTE
    assert t.reply.explanation == "NO_ROUTE_TO_DESTINATION"
    assert t.reply.decided_by is not None
    assert t.reply.decided_by.component == peered.peer_rt.id
    assert not t.connected


def test_r6_deleted_peering_blackholes_its_routes(peered: Peered) -> None:
    """SPEC R6: deleting the peering connection leaves its routes as blackholes."""
    net = peered.lab.net
    net.delete_vpc_peering_connection(peered.pcx)
    t = net.trace(peered.lab.x, peered.p1, port=22)
    assert_dropped(t, Disposition.NULL_ROUTED, "BAD_STATE_ROUTE", peered.rt_a.id, "10.1.0.0/16")


def test_r6_vgw_route_exits_to_on_premises_and_reply_returns(vpn: Vpn) -> None:
    """SPEC R6: a destination inside a VPN route leaves through the VGW; the reply comes back through it."""
    t = vpn.lab.net.trace(vpn.lab.x, "192.168.1.10", port=22)
    assert_connected(t, Disposition.EXITS_NETWORK)
    assert t.destination.kind == "on-premises"
    assert t.components[-2:] == [vpn.vgw.id, vpn.vpn.id]
    assert t.reply is not None
    assert t.reply.disposition is Disposition.ACCEPTED
    assert t.reply.components[:2] == [vpn.vpn.id, vpn.vgw.id]
    assert t.reply.components[-1] == vpn.lab.x.primary_network_interface.id


def test_r6_static_route_to_vgw_outside_every_vpn_route(vpn: Vpn) -> None:
    """SPEC R6: a route to the VGW for a CIDR no VPN connection carries stops at the VGW."""
    net = vpn.lab.net
    net.create_route(vpn.rt, "172.20.0.0/16", vpn.vgw)
    t = net.trace(vpn.lab.x, "172.20.0.5", port=22)
    assert_dropped(t, Disposition.NO_ROUTE, "NO_ROUTE_OUTSIDE_VPN", vpn.vgw.id)
    assert route_hops(t) == [(vpn.rt.id, "172.20.0.0/16")]


def test_r6_gateway_endpoint_carries_s3_traffic(lab: Lab) -> None:
    """SPEC R6: a gateway endpoint's prefix-list route sends S3 addresses out through the endpoint."""
    net = lab.net
    main = lab.vpc.main_route_table
    endpoint = net.create_vpc_endpoint(lab.vpc, "com.amazonaws.us-east-1.s3", route_tables=[main])
    t = net.trace(lab.y, "52.216.1.1", port=443)
    assert_connected(t, Disposition.EXITS_NETWORK)
    assert route_hops(t) == [(main.id, endpoint.prefix_list_id)]
    assert t.hops[-1].component == endpoint.id
    # Outside the service's prefix list nothing routes.
    other = net.trace(lab.y, "198.51.100.7", port=443)
    assert_dropped(other, Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", main.id)
    # The reply comes back into the VPC through the endpoint, and the trace shows it.
    assert t.reply is not None
    assert t.reply.components[0] == endpoint.id, str(t.reply)


def test_r6_gateway_endpoint_prefix_beats_default_route_to_igw(lab: Lab) -> None:
    """SPEC R2, R6: the S3 prefix list (/15) is longer than 0.0.0.0/0, so S3 traffic avoids the IGW."""
    net = lab.net
    main = lab.vpc.main_route_table
    net.create_route(main, "0.0.0.0/0", lab.igw)
    endpoint = net.create_vpc_endpoint(lab.vpc, "com.amazonaws.us-east-1.s3", route_tables=[main])
    t = net.trace(lab.x, "52.216.1.1", port=443)
    assert_connected(t, Disposition.EXITS_NETWORK)
    assert endpoint.id in t.components
    assert lab.igw.id not in t.components


# ---------------------------------------------------------------------- R7: gateway route tables


@attrs.frozen
class Ingress:
    lab: Lab
    firewall: vpcsim.NetworkInterface
    edge: vpcsim.RouteTable
    web_rt: vpcsim.RouteTable


@pytest.fixture
def ingress(lab: Lab) -> Ingress:
    """x (public, subnet a) behind a firewall in subnet c: IGW edge table sends 10.0.1.0/24 to the firewall."""
    net = lab.net
    firewall = appliance(lab, lab.c, "firewall", "10.0.3.10")
    fw_rt = net.create_route_table(lab.vpc, name="fw-rt")
    net.create_route(fw_rt, "0.0.0.0/0", lab.igw)
    net.associate_route_table(fw_rt, lab.c)
    web_rt = net.create_route_table(lab.vpc, name="web-rt")
    net.create_route(web_rt, "0.0.0.0/0", firewall)
    net.associate_route_table(web_rt, lab.a)
    edge = net.create_route_table(lab.vpc, name="edge")
    net.create_route(edge, "10.0.1.0/24", firewall)
    net.associate_route_table(edge, lab.igw)
    return Ingress(lab, firewall, edge, web_rt)


def test_r7_internet_to_web_passes_the_firewall(ingress: Ingress) -> None:
    """SPEC R7: traffic entering through the IGW follows its edge table to the firewall, then to the web host."""
    lab = ingress.lab
    t = lab.net.trace(vpcsim.INTERNET, lab.x, port=80)
    assert_connected(t)
    assert route_hops(t)[0] == (ingress.edge.id, "10.0.1.0/24")
    components = t.components
    assert components.index(lab.igw.id) < components.index(ingress.firewall.id)
    assert components[-1] == lab.x.primary_network_interface.id
    # The reply leaves through the firewall as well (web subnet's default route), then the IGW.
    assert t.reply is not None
    assert route_hops(t.reply)[0] == (ingress.web_rt.id, "0.0.0.0/0")
    assert ingress.firewall.id in t.reply.components
    assert t.reply.disposition is Disposition.EXITS_NETWORK


def test_r7_firewall_with_source_dest_check_on_drops(ingress: Ingress) -> None:
    """SPEC R7, E5: the edge-table target must have source/dest check off; on, it drops at the firewall ENI."""
    lab = ingress.lab
    lab.net.modify_network_interface_attribute(ingress.firewall, source_dest_check=True)
    t = lab.net.trace(vpcsim.INTERNET, lab.x, port=80)
    assert_dropped(t, Disposition.DENIED_IN, "ENI_SOURCE_DEST_CHECK_RESTRICTION", ingress.firewall.id)
    assert route_hops(t) == [(ingress.edge.id, "10.0.1.0/24")]


def test_r7_without_edge_table_internet_goes_straight_to_web(ingress: Ingress) -> None:
    """SPEC R7: removing the edge association, the IGW delivers through the local route, bypassing the firewall."""
    lab = ingress.lab
    lab.net.disassociate_route_table(lab.igw)
    t = lab.net.trace(vpcsim.INTERNET, lab.x, port=80)
    assert t.disposition is Disposition.ACCEPTED
    assert ingress.firewall.id not in t.components
    assert ingress.edge.id not in t.components


# ---------------------------------------------------------------------- R8: link-local


def test_r8_link_local_address_that_is_no_service_is_not_routed(lab: Lab) -> None:
    """SPEC R8: 169.254.170.1 is in 169.254.168.0/22 but no service answers it: NO_ROUTE, never routed."""
    lab.net.create_route(lab.vpc.main_route_table, "0.0.0.0/0", lab.igw)
    t = lab.net.trace(lab.x, "169.254.170.1", port=80)
    assert_dropped(t, Disposition.NO_ROUTE, "LINK_LOCAL_NOT_ROUTED", lab.x.primary_network_interface.id)
    assert route_hops(t) == []
    assert lab.igw.id not in t.components


# ---------------------------------------------------------------------- transit gateways


@attrs.frozen
class Hub:
    net: vpcsim.Network
    tgw: vpcsim.TransitGateway
    table: vpcsim.TransitGatewayRouteTable
    vpc_a: vpcsim.Vpc
    vpc_b: vpcsim.Vpc
    att_a: vpcsim.TransitGatewayAttachment
    att_b: vpcsim.TransitGatewayAttachment
    rt_a: vpcsim.RouteTable
    rt_b: vpcsim.RouteTable
    a: vpcsim.Instance  # 10.0.1.10
    b: vpcsim.Instance  # 10.1.1.10


def build_hub(*, propagation: bool = True, association: bool = True) -> Hub:
    net = vpcsim.Network(seed=5)
    tgw = net.create_transit_gateway(
        name="hub", default_route_table_propagation=propagation, default_route_table_association=association
    )
    table = net.get(tgw.default_route_table_id or "")
    assert isinstance(table, vpcsim.TransitGatewayRouteTable)
    ends = []
    for second, name in ((0, "a"), (1, "b")):
        vpc = net.create_vpc(f"10.{second}.0.0/16", name=f"vpc-{name}")
        subnet = net.create_subnet(vpc, f"10.{second}.1.0/24", az="us-east-1a", name=f"s-{name}")
        instance = net.run_instance(
            subnet, security_groups=[open_sg(net, vpc)], name=name, private_ip=f"10.{second}.1.10"
        )
        attachment = net.create_transit_gateway_vpc_attachment(tgw, vpc, [subnet], name=f"att-{name}")
        rt = vpc.main_route_table
        net.create_route(rt, "10.0.0.0/8", tgw)
        ends.append((vpc, attachment, rt, instance))
    (vpc_a, att_a, rt_a, a), (vpc_b, att_b, rt_b, b) = ends
    return Hub(net, tgw, table, vpc_a, vpc_b, att_a, att_b, rt_a, rt_b, a, b)


def test_r6_tgw_connects_two_vpcs() -> None:
    """SPEC R6: two VPCs routing 10.0.0.0/8 to a TGW whose table has both propagated CIDRs reach each other."""
    hub = build_hub()
    t = hub.net.trace(hub.a, hub.b, port=22)
    assert_connected(t)
    assert route_hops(t)[0] == (hub.rt_a.id, "10.0.0.0/8")
    tgw_hops = [h for h in t.hops if h.kind == "transit-gateway-route-table"]
    assert [(h.component, h.rule) for h in tgw_hops] == [(hub.table.id, "10.1.0.0/16")]
    assert hub.att_a.id in t.components
    assert hub.att_b.id in t.components
    assert t.reply is not None
    assert [(h.component, h.rule) for h in t.reply.hops if h.kind == "transit-gateway-route-table"] == [
        (hub.table.id, "10.0.0.0/16")
    ]


def test_r6_tgw_blackhole_route_is_null_routed() -> None:
    """SPEC R6: a TGW blackhole route (static beats propagated on the same prefix) drops: NULL_ROUTED."""
    hub = build_hub()
    hub.net.create_transit_gateway_route(hub.table, "10.1.0.0/16", blackhole=True)
    t = hub.net.trace(hub.a, hub.b, port=22)
    assert_dropped(t, Disposition.NULL_ROUTED, "BAD_STATE_ROUTE", hub.table.id, "10.1.0.0/16")


def test_r6_tgw_longer_blackhole_beats_propagated_vpc_route() -> None:
    """SPEC R2 in a TGW table: a /24 blackhole inside the propagated /16 drops only that /24."""
    hub = build_hub()
    hub.net.create_transit_gateway_route(hub.table, "10.1.1.0/24", blackhole=True)
    t = hub.net.trace(hub.a, hub.b, port=22)
    assert_dropped(t, Disposition.NULL_ROUTED, "BAD_STATE_ROUTE", hub.table.id, "10.1.1.0/24")


def test_r6_tgw_table_without_route_cannot_route() -> None:
    """SPEC R6: with no propagation the TGW table is empty: NO_ROUTE / TGW_RTB_CANNOT_ROUTE at that table."""
    hub = build_hub(propagation=False)
    t = hub.net.trace(hub.a, hub.b, port=22)
    assert_dropped(t, Disposition.NO_ROUTE, "TGW_RTB_CANNOT_ROUTE", hub.table.id)
    # A static route to the attachment fixes the forward way; the reply still finds nothing.
    hub.net.create_transit_gateway_route(hub.table, "10.1.0.0/16", hub.att_b)
    t = hub.net.trace(hub.a, hub.b, port=22)
    assert t.delivered
    assert t.reply is not None
    assert t.reply.disposition is Disposition.NO_ROUTE
    assert t.reply.explanation == "TGW_RTB_CANNOT_ROUTE"
    assert not t.connected


def test_r6_tgw_attachment_without_associated_table_cannot_route() -> None:
    """SPEC R6: an attachment associated with no TGW route table has nothing to look up."""
    hub = build_hub(association=False)
    t = hub.net.trace(hub.a, hub.b, port=22)
    assert_dropped(t, Disposition.NO_ROUTE, "TGW_RTB_CANNOT_ROUTE", hub.att_a.id)


# ---------------------------------------------------------------------- V: loops


def test_v_loop_between_vpc_and_tgw() -> None:
    """SPEC V: VPC -> TGW -> back to the same VPC's attachment, whose subnet's table sends it to the TGW: LOOP."""
    hub = build_hub()
    net = hub.net
    app_subnet = net.create_subnet(hub.vpc_a, "10.0.2.0/24", az="us-east-1a", name="app")
    app_rt = net.create_route_table(hub.vpc_a, name="app-rt")
    net.associate_route_table(app_rt, app_subnet)
    net.create_route(app_rt, "10.9.0.0/16", hub.tgw)
    app = net.run_instance(app_subnet, security_groups=hub.a.security_groups, name="app", private_ip="10.0.2.10")
    net.create_transit_gateway_route(hub.table, "10.9.0.0/16", hub.att_a)
    t = net.trace(app, "10.9.1.1", port=22)
    assert t.disposition is Disposition.LOOP, str(t)
    assert t.explanation == "ROUTING_LOOP"
    assert t.decided_by is not None
    assert t.decided_by.component == hub.table.id
    assert route_hops(t) == [(app_rt.id, "10.9.0.0/16"), (hub.rt_a.id, "10.0.0.0/8")]
    assert not t.delivered
    assert not t.connected


def test_v_loop_between_two_appliances(lab: Lab) -> None:
    """SPEC V: two routers whose subnets' default routes point at each other bounce a packet forever: LOOP."""
    net = lab.net
    r1 = appliance(lab, lab.c, "r1", "10.0.3.10")
    r2 = appliance(lab, lab.b, "r2", "10.0.2.20")
    rt_a = net.create_route_table(lab.vpc, name="rt-a")
    net.associate_route_table(rt_a, lab.a)
    net.create_route(rt_a, "0.0.0.0/0", r1)
    rt_c = net.create_route_table(lab.vpc, name="rt-c")
    net.associate_route_table(rt_c, lab.c)
    net.create_route(rt_c, "0.0.0.0/0", r2)
    rt_b = net.create_route_table(lab.vpc, name="rt-b")
    net.associate_route_table(rt_b, lab.b)
    net.create_route(rt_b, "0.0.0.0/0", r1)
    t = net.trace(lab.x, vpcsim.internet("198.51.100.7"), port=443)
    assert t.disposition is Disposition.LOOP, str(t)
    assert t.explanation == "ROUTING_LOOP"
    assert t.decided_by is not None
    assert t.decided_by.component == rt_c.id
    assert {r1.id, r2.id} <= set(t.components)
    assert not t.connected


def test_v_reachable_agrees_with_trace_connected(peered: Peered) -> None:
    """SPEC V: Network.reachable is trace(...).connected, for a connected and a blackholed flow."""
    net = peered.lab.net
    assert net.reachable(peered.lab.x, peered.p1, port=22) is True
    net.delete_vpc_peering_connection(peered.pcx)
    assert net.reachable(peered.lab.x, peered.p1, port=22) is False
