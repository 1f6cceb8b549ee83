"""Synthetic estates: exact ENI counts, determinism, the shape issue 4 asks for, and traffic that behaves."""

from __future__ import annotations

import ipaddress
from collections import Counter

import pytest

import vpcsim
from vpcsim.synthetic import estate, sample_endpoints


@pytest.fixture(scope="module")
def net() -> vpcsim.Network:
    return estate(200, seed=3)


@pytest.fixture(scope="module")
def dual_stack() -> vpcsim.Network:
    return estate(150, seed=4, ipv6=True)


def instance_enis(network: vpcsim.Network) -> int:
    return sum(len(i.network_interfaces) for i in network.instances)


def private_tables(network: vpcsim.Network) -> list[vpcsim.RouteTable]:
    return [t for t in network.route_tables if t.name and "-private-" in t.name]


# ---------------------------------------------------------------------- size and determinism


@pytest.mark.parametrize("enis", [1, 2, 9, 200])
def test_the_estate_has_exactly_the_requested_instance_enis(enis: int) -> None:
    assert instance_enis(estate(enis, seed=enis)) == enis


def test_a_thousand_enis_make_three_vpcs_and_exactly_a_thousand_instance_enis() -> None:
    big = estate(1000)

    assert instance_enis(big) == 1000
    assert [v.name for v in big.vpcs] == ["hub", "spoke1", "spoke2"]
    # NAT gateways' ENIs come on top of the instance ENIs.
    assert len(big.network_interfaces) == 1000 + len(big.nat_gateways)


def test_the_same_seed_builds_the_same_estate(net: vpcsim.Network) -> None:
    again = estate(200, seed=3)

    assert [r.id for r in again] == [r.id for r in net]
    assert [len(g.ingress) for g in again.security_groups] == [len(g.ingress) for g in net.security_groups]
    assert again.snapshot() == net.snapshot()


def test_another_seed_builds_another_estate(net: vpcsim.Network) -> None:
    other = estate(200, seed=4)

    assert [i.id for i in other.instances] != [i.id for i in net.instances]
    assert [len(g.ingress) for g in other.security_groups] != [len(g.ingress) for g in net.security_groups]


def test_vpcs_can_be_chosen() -> None:
    single = estate(20, vpcs=1)
    five = estate(50, vpcs=5)

    assert [v.name for v in single.vpcs] == ["hub"]
    assert single.vpc_peering_connections == []
    assert len(five.vpcs) == 5
    assert instance_enis(five) == 50


# ---------------------------------------------------------------------- shape


def test_vpcs_have_distinct_slash_16s(net: vpcsim.Network) -> None:
    blocks = [v.cidr_block for v in net.vpcs]

    assert all(b.prefixlen == 16 for b in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])


def test_every_vpc_has_public_app_and_data_subnets_in_three_azs(net: vpcsim.Network) -> None:
    for vpc in net.vpcs:
        subnets = [s for s in net.subnets if s.vpc is vpc]
        tiers = Counter(str(s.name).split("-")[1] for s in subnets)

        assert tiers == {"public": 3, "app": 3, "data": 3}
        assert {s.availability_zone for s in subnets} == {"us-east-1a", "us-east-1b", "us-east-1c"}


def test_a_nat_gateway_per_az_in_its_public_subnet_serves_that_azs_private_table(net: vpcsim.Network) -> None:
    for vpc in net.vpcs:
        nats = [n for n in net.nat_gateways if n.subnet.vpc is vpc]
        assert sorted(n.subnet.availability_zone for n in nats) == ["us-east-1a", "us-east-1b", "us-east-1c"]
        assert all(n.state == "available" and "-public-" in str(n.subnet.name) for n in nats)
        assert any(g.vpc is vpc for g in net.internet_gateways)

    for subnet in net.subnets:
        if "-public-" in str(subnet.name):
            continue
        default = next(r for r in subnet.route_table.routes if r.destination_key == "0.0.0.0/0")
        nat = net.get(default.target)
        assert isinstance(nat, vpcsim.NatGateway)
        assert nat.subnet.availability_zone == subnet.availability_zone


def test_the_hub_peers_with_every_spoke_and_two_spokes_peer(net: vpcsim.Network) -> None:
    pairs = {frozenset((p.requester_vpc.name, p.accepter_vpc.name)) for p in net.vpc_peering_connections}

    assert pairs == {frozenset(p) for p in (("hub", "spoke1"), ("hub", "spoke2"), ("spoke1", "spoke2"))}
    assert all(p.status == "active" for p in net.vpc_peering_connections)


def test_peering_routes_are_on_both_sides(net: vpcsim.Network) -> None:
    for pcx in net.vpc_peering_connections:
        for vpc in (pcx.requester_vpc, pcx.accepter_vpc):
            peer = pcx.peer_of(vpc)
            for table in private_tables(net):
                if table.vpc is vpc:
                    assert any(r.destination == peer.cidr_block and r.target == pcx.id for r in table.routes), (
                        table.name
                    )


def test_route_tables_hold_up_to_50_routes_of_mixed_targets(net: vpcsim.Network) -> None:
    sizes = [len(t.routes) for t in net.route_tables]
    targets = Counter(r.target_kind for t in net.route_tables for r in t.routes)

    assert max(sizes) <= 50
    assert sum(size >= 48 for size in sizes) >= 2
    assert {"nat-gateway", "internet-gateway", "vpc-peering-connection", "vpn-gateway"} <= set(targets)
    assert any(r.state == "blackhole" for t in net.route_tables for r in t.routes)
    assert any(r.destination_prefix_list_id for t in net.route_tables for r in t.routes)
    # On-premises /24s sent over peerings, which do not carry them (I5).
    assert any(
        r.target_kind == "vpc-peering-connection" and r.destination is not None and r.destination.prefixlen == 24
        for t in net.route_tables
        for r in t.routes
    )


def test_custom_nacls_have_about_20_entries_and_the_default_nacl_stays_on_other_subnets(
    net: vpcsim.Network,
) -> None:
    custom = [a for a in net.network_acls if not a.is_default]
    entries = [e for a in custom for e in a.entries]

    assert custom
    assert all(18 <= len(a.entries) <= 22 for a in custom)
    assert {e.rule_action for e in entries} == {"allow", "deny"}
    assert {(1024, 65535), (32768, 60999)} <= {e.port_range for e in entries}
    assert any(e.protocol == 1 for e in entries)
    assert any(s.network_acl.is_default for s in net.subnets)
    assert any(not s.network_acl.is_default for s in net.subnets)


def test_security_groups_hold_up_to_60_rules_of_every_kind(net: vpcsim.Network) -> None:
    rules = [r for g in net.security_groups for r in g.ingress]
    sizes = [len(g.ingress) for g in net.security_groups]

    assert max(sizes) <= 60
    assert sum(size >= 50 for size in sizes) >= 2
    assert any(r.cidr is not None for r in rules)
    assert any(r.prefix_list_id is not None for r in rules)
    assert any(r.protocol == 1 for r in rules)
    assert any(r.from_port is not None and r.from_port != r.to_port for r in rules)
    referenced = [net.get(r.group_id) for g in net.security_groups for r in g.ingress if r.group_id]
    assert referenced
    # Spokes admit the hub's bastion and monitoring SGs across the peering (G2).
    assert any(
        isinstance(peer, vpcsim.SecurityGroup) and peer.vpc is not g.vpc
        for g in net.security_groups
        for r in g.ingress
        if r.group_id and (peer := net.get(r.group_id))
    )


def test_instances_carry_several_sgs_public_addresses_and_some_are_appliances(net: vpcsim.Network) -> None:
    groups = Counter(len(i.security_groups) for i in net.instances)

    assert groups[2] > 0
    assert groups[3] > 0
    assert all(1 <= n <= 3 for n in groups)
    public = [e for e in net.network_interfaces if e.public_ip is not None and e.instance is not None]
    assert public
    assert all("-public-" in str(e.subnet.name) for e in public)
    assert any(e.elastic_ips for e in public)
    appliances = [i for i in net.instances if not i.primary_network_interface.source_dest_check]
    assert {i.name for i in appliances} == {"hub-proxy-1", "hub-firewall-1"}
    assert any(len(i.network_interfaces) == 2 for i in net.instances)


# ---------------------------------------------------------------------- traffic


@pytest.mark.parametrize(
    ("src", "dst", "port", "connected"),
    [
        (vpcsim.INTERNET, "hub-web-1", 443, True),
        (vpcsim.INTERNET, "spoke1-web-1", 443, True),
        (vpcsim.INTERNET, "hub-db-1", 5432, False),
        ("hub-app-1", "hub-db-1", 5432, True),
        ("hub-web-1", "hub-db-1", 5432, False),
        ("hub-app-1", vpcsim.INTERNET, 443, True),
        ("hub-bastion-1", "spoke2-app-1", 22, True),
        ("spoke1-app-1", "spoke2-app-1", 8443, True),
        ("spoke1-app-1", "hub-dns-1", 443, True),
        ("hub-app-1", "172.16.5.10", 443, True),
        ("spoke1-app-1", "172.16.5.10", 443, False),
        (vpcsim.INTERNET, "hub-bastion-1", 22, False),
    ],
)
def test_some_flows_connect_and_others_are_blocked(
    net: vpcsim.Network, src: object, dst: object, port: int, connected: bool
) -> None:
    assert net.reachable(src, dst, "tcp", port) is connected


def test_spokes_cannot_reach_on_premises_through_the_hub(net: vpcsim.Network) -> None:
    trace = net.trace("spoke1-app-1", "172.16.5.10", "tcp", 443)

    assert trace.explanation == "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"


def test_an_ipv6_estate_is_dual_stack(dual_stack: vpcsim.Network) -> None:
    assert all(v.ipv6_cidr_block is not None and v.ipv6_cidr_block.prefixlen == 56 for v in dual_stack.vpcs)
    assert all(s.ipv6_cidr_block is not None and s.ipv6_cidr_block.prefixlen == 64 for s in dual_stack.subnets)
    assert len(dual_stack.egress_only_internet_gateways) == len(dual_stack.vpcs)
    for table in private_tables(dual_stack):
        default = next(r for r in table.routes if r.destination_key == "::/0")
        assert default.target_kind == "egress-only-internet-gateway"
    everywhere = ipaddress.ip_network("::/0")
    assert any(r.cidr == everywhere for g in dual_stack.security_groups for r in g.ingress)
    assert any(e.cidr == everywhere for a in dual_stack.network_acls if not a.is_default for e in a.entries)
    assert dual_stack.reachable(vpcsim.INTERNET, "hub-web-1", "tcp", 443, ip_version=6)
    assert dual_stack.reachable("hub-app-1", vpcsim.INTERNET, "tcp", 443, ip_version=6)
    assert not dual_stack.reachable(vpcsim.INTERNET, "hub-app-1", "tcp", 443, ip_version=6)


# ---------------------------------------------------------------------- arguments


@pytest.mark.parametrize("enis", [0, -5, True, 2.5, "100"])
def test_a_bad_eni_count_is_refused_naming_it(enis: object) -> None:
    with pytest.raises(ValueError, match=f"enis={enis!r}"):
        estate(enis)  # type: ignore[arg-type]


@pytest.mark.parametrize("vpcs", [0, 41, -1])
def test_a_bad_vpc_count_is_refused_naming_it(vpcs: int) -> None:
    with pytest.raises(ValueError, match=f"vpcs={vpcs}"):
        estate(100, vpcs=vpcs)


def test_more_enis_than_a_vpc_holds_is_refused() -> None:
    with pytest.raises(ValueError, match="more than its /16 holds"):
        estate(120_000, vpcs=3)


# ---------------------------------------------------------------------- sample_endpoints


def test_sample_endpoints_draws_instances_then_the_internet(net: vpcsim.Network) -> None:
    ends = sample_endpoints(net, 10, seed=1)

    assert len(ends) == 11
    assert ends[-1] is vpcsim.INTERNET
    instances = ends[:-1]
    assert all(isinstance(i, vpcsim.Instance) for i in instances)
    assert len(set(map(id, instances))) == 10
    order = [net.instances.index(i) for i in instances]  # type: ignore[arg-type]
    assert order == sorted(order)


def test_sample_endpoints_is_deterministic_for_a_seed(net: vpcsim.Network) -> None:
    assert sample_endpoints(net, 10, seed=1) == sample_endpoints(net, 10, seed=1)
    assert sample_endpoints(net, 10, seed=1) != sample_endpoints(net, 10, seed=2)
    assert sample_endpoints(net, 0) == [vpcsim.INTERNET]


@pytest.mark.parametrize("k", [-1, 10_000, 1.5])
def test_sample_endpoints_refuses_a_bad_count_naming_it(net: vpcsim.Network, k: object) -> None:
    with pytest.raises(ValueError, match=f"k={k!r}"):
        sample_endpoints(net, k)  # type: ignore[arg-type]
