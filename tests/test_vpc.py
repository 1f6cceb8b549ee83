"""Tests for VPC operations of vpcsim.Network: create, CIDR blocks, delete, regions (SPEC R1, R4, N3, G3, X).

Every refused operation is checked for its AWS error code, a message naming the offending value, and an unchanged
network (``snapshot()`` before == after).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import pytest

import vpcsim
from vpcsim.model.route_table import Route
from vpcsim.testing import assert_refused
from vpcsim.testing import assert_refused as refused

ID = re.compile(r"(?P<prefix>[a-z]+)-0[0-9a-f]{16}")
ANY4 = ipaddress.IPv4Network("0.0.0.0/0")
ANY6 = ipaddress.IPv6Network("::/0")


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=7)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", name="main")


def local_routes(table: vpcsim.RouteTable) -> list[Route]:
    return [r for r in table.routes if r.target == "local"]


def build(seed: int) -> list[str]:
    net = vpcsim.Network(seed=seed)
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    table = net.create_route_table(vpc)
    return [
        vpc.id,
        vpc.main_route_table.id,
        vpc.default_network_acl.id,
        subnet.id,
        table.id,
        str(vpc.ipv6_cidr_block),
    ]


# ---------------------------------------------------------------------- create_vpc: ids


def test_ids_look_like_aws_ids(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    for resource, prefix in [
        (vpc, "vpc"),
        (vpc.main_route_table, "rtb"),
        (vpc.default_network_acl, "acl"),
        (vpc.default_security_group, "sg"),
    ]:
        match = ID.fullmatch(resource.id)
        assert match is not None, resource.id
        assert match["prefix"] == prefix
    assert re.fullmatch(r"rtbassoc-0[0-9a-f]{16}", vpc.main_route_table_association_id)
    assert vpc.name == "main"
    assert net.vpcs == [vpc]
    assert net.get(vpc.id) is vpc


def test_ids_are_deterministic_from_the_seed() -> None:
    assert build(3) == build(3)
    assert build(3)[0] != build(4)[0]
    a, b = vpcsim.Network(seed=3), vpcsim.Network(seed=3)
    a.create_vpc("10.0.0.0/16")
    b.create_vpc("10.0.0.0/16")
    assert a.snapshot() == b.snapshot()


def test_ids_are_unique(net: vpcsim.Network) -> None:
    vpcs = [net.create_vpc(f"10.{i}.0.0/16") for i in range(20)]
    ids = [r.id for r in net]
    assert len(ids) == len(set(ids)) == 20 * 4
    assert len({v.main_route_table_association_id for v in vpcs}) == 20


# ---------------------------------------------------------------------- create_vpc: CIDR rules


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.0.0.0/28", "192.168.0.0/20", "52.10.0.0/16", "100.64.0.0/16"])
def test_vpc_block_from_16_to_28(net: vpcsim.Network, cidr: str) -> None:
    vpc = net.create_vpc(cidr)
    assert vpc.cidr_block == ipaddress.IPv4Network(cidr)
    assert vpc.cidr_blocks == [ipaddress.IPv4Network(cidr)]
    assert vpc.ipv6_cidr_block is None
    assert vpc.region == "us-east-1"


@pytest.mark.parametrize("cidr", ["10.0.0.0/15", "10.0.0.0/8", "10.0.0.0/29", "10.0.0.0/32", "0.0.0.0/0"])
def test_vpc_block_size_outside_16_to_28_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str) -> None:
    with assert_refused(net, "InvalidVpc.Range") as e:
        net.create_vpc(cidr)
    assert cidr in e.value.message


@pytest.mark.parametrize("cidr", ["127.0.0.0/16", "169.254.0.0/16", "224.0.0.0/16", "240.0.0.0/16", "0.0.0.0/16"])
def test_vpc_block_in_a_reserved_range_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str) -> None:
    with assert_refused(net, "InvalidVpc.Range") as e:
        net.create_vpc(cidr)
    assert cidr in e.value.message


@pytest.mark.parametrize("cidr", ["10.0.0.300/16", "10.0.0.0/33", "banana", "2001:db8::/56", "10.0.0.0", "ten/16"])
def test_malformed_vpc_block_is_invalid_parameter_value(net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.create_vpc(cidr)
    assert cidr in e.value.message


@pytest.mark.parametrize(("cidr", "expected"), [("10.0.0.5/16", "10.0.0.0/16"), ("192.168.7.9/20", "192.168.0.0/20")])
def test_vpc_block_with_host_bits_is_normalised(net: vpcsim.Network, cidr: str, expected: str) -> None:
    # AWS keeps the network address of a block given with host bits set.
    vpc = net.create_vpc(cidr)
    assert vpc.cidr_block == ipaddress.IPv4Network(expected)
    assert [r.destination for r in local_routes(vpc.main_route_table)] == [ipaddress.IPv4Network(expected)]


def test_vpc_block_with_host_bits_is_checked_after_normalising(net: vpcsim.Network) -> None:
    # 127.0.0.9/16 is 127.0.0.0/16, a reserved range; 10.0.0.9/29 is still too small.
    with refused(net, "InvalidVpc.Range", "127.0.0.0/16"):
        net.create_vpc("127.0.0.9/16")
    with refused(net, "InvalidVpc.Range", "10.0.0.8/29"):
        net.create_vpc("10.0.0.9/29")


def test_unknown_region_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.create_vpc("10.1.0.0/16", region="mars-north-1")
    assert "mars-north-1" in e.value.message


def test_vpcs_may_overlap_each_other(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    other = net.create_vpc("10.0.0.0/16")
    assert other.cidr_block == vpc.cidr_block
    assert other.id != vpc.id


# ---------------------------------------------------------------------- create_vpc: defaults (R1, R4, N3, G3)


def test_main_route_table_has_one_local_route(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC R1, R4: the VPC comes with its main table, holding one local route for its CIDR.
    table = vpc.main_route_table
    assert table.is_main
    assert table.vpc is vpc
    assert net.route_tables == [table]
    assert table.routes == [
        Route(target="local", destination=ipaddress.IPv4Network("10.0.0.0/16"), origin="CreateRouteTable")
    ]
    assert table.routes[0].state == "active"


def test_ipv6_vpc_gets_a_56_and_a_local_route_for_it(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    block = vpc.ipv6_cidr_block
    assert isinstance(block, ipaddress.IPv6Network)
    assert block.prefixlen == 56
    assert vpc.cidrs == [ipaddress.IPv4Network("10.0.0.0/16"), block]
    assert [r.destination for r in local_routes(vpc.main_route_table)] == [
        ipaddress.IPv4Network("10.0.0.0/16"),
        block,
    ]
    other = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert other.ipv6_cidr_block != block


def test_default_network_acl_allows_all_ipv4_both_ways(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC N3: rule 100 allow all, ingress and egress; no IPv6 rule without an IPv6 block.
    acl = vpc.default_network_acl
    assert acl.is_default
    assert acl.vpc is vpc
    assert net.network_acls == [acl]
    assert acl.entries == [
        vpcsim.NetworkAclEntry(100, False, -1, "allow", ANY4),
        vpcsim.NetworkAclEntry(100, True, -1, "allow", ANY4),
    ]


def test_default_network_acl_has_rule_101_for_ipv6(net: vpcsim.Network) -> None:
    # SPEC N3: rule 101 allows all IPv6 when the VPC has IPv6.
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    acl = vpc.default_network_acl
    for egress in (False, True):
        assert acl.rules(egress) == [
            vpcsim.NetworkAclEntry(100, egress, -1, "allow", ANY4),
            vpcsim.NetworkAclEntry(101, egress, -1, "allow", ANY6),
        ]


def test_default_security_group(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC G3: default SG admits itself inbound and allows all outbound.
    sg = vpc.default_security_group
    assert sg.is_default
    assert sg.group_name == "default"
    assert sg.vpc is vpc
    assert net.security_groups == [sg]
    assert [(r.protocol, r.group_id, r.cidr) for r in sg.ingress] == [(-1, sg.id, None)]
    assert [(r.protocol, r.cidr, r.group_id) for r in sg.egress] == [(-1, ANY4, None)]


def test_default_security_group_of_an_ipv6_vpc_allows_ipv6_out(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    sg = vpc.default_security_group
    assert [(r.protocol, r.cidr) for r in sg.egress] == [(-1, ANY4), (-1, ANY6)]
    assert [r.group_id for r in sg.ingress] == [sg.id]


def test_default_security_group_cannot_be_deleted(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with assert_refused(net, "CannotDelete") as e:
        net.delete_security_group(vpc.default_security_group)
    assert vpc.default_security_group.id in e.value.message


# ---------------------------------------------------------------------- associate_vpc_cidr_block: IPv4


def test_secondary_ipv4_block_adds_a_local_route_to_every_table(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC R4: one local route per VPC CIDR, in the main table and every custom table.
    custom = net.create_route_table(vpc)
    other_vpc = net.create_vpc("10.0.0.0/16")
    added = net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    assert added == ipaddress.IPv4Network("10.1.0.0/16")
    assert vpc.cidr_blocks == [ipaddress.IPv4Network("10.0.0.0/16"), added]
    assert vpc.cidr_block == ipaddress.IPv4Network("10.0.0.0/16")
    for table in (vpc.main_route_table, custom, net.create_route_table(vpc)):
        assert [r.destination for r in local_routes(table)] == [ipaddress.IPv4Network("10.0.0.0/16"), added]
        assert all(r.origin == "CreateRouteTable" and r.state == "active" for r in local_routes(table))
    assert len(other_vpc.main_route_table.routes) == 1


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.0.128.0/17", "10.0.5.0/24", "10.0.255.240/28"])
def test_secondary_block_overlapping_the_vpc_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str) -> None:
    with assert_refused(net, "InvalidVpc.Range") as e:
        net.associate_vpc_cidr_block(vpc, cidr)
    assert cidr in e.value.message


def test_secondary_block_overlapping_another_secondary_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    with assert_refused(net, "InvalidVpc.Range") as e:
        net.associate_vpc_cidr_block(vpc, "10.1.4.0/24")
    assert "10.1.4.0/24" in e.value.message


@pytest.mark.parametrize("cidr", ["10.2.0.0/15", "10.1.0.0/29", "127.0.0.0/16", "169.254.0.0/24"])
def test_secondary_block_size_and_reserved_ranges(net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str) -> None:
    with assert_refused(net, "InvalidVpc.Range") as e:
        net.associate_vpc_cidr_block(vpc, cidr)
    assert cidr in e.value.message


# AWS VPC User Guide, "IPv4 CIDR block association restrictions" (the table keyed by the primary block's range).
@pytest.mark.parametrize(
    ("primary", "secondary"),
    [
        ("10.0.0.0/16", "192.168.0.0/16"),
        ("10.0.0.0/16", "172.16.0.0/16"),
        ("172.16.0.0/16", "10.1.0.0/16"),
        ("192.168.0.0/16", "10.1.0.0/16"),
        ("10.0.0.0/16", "198.19.0.0/16"),
        ("172.16.0.0/16", "172.31.0.0/16"),
        ("52.10.0.0/16", "10.1.0.0/16"),
        ("100.64.0.0/16", "192.168.0.0/16"),
        ("198.19.0.0/16", "10.1.0.0/16"),
        ("198.19.0.0/16", "192.168.0.0/16"),
        ("192.168.0.0/16", "172.16.0.0/16"),
        ("52.10.0.0/16", "172.16.0.0/16"),
        ("52.10.0.0/16", "192.168.0.0/16"),
        ("52.10.0.0/16", "198.19.0.0/16"),
        ("100.64.0.0/16", "10.1.0.0/16"),
        ("100.64.0.0/16", "198.19.0.0/16"),
        # 172.31.0.0/16 (the default VPC's range) is restricted for every primary in 172.16.0.0/12, itself included.
        ("172.20.0.0/16", "172.31.128.0/20"),
        ("172.31.0.0/20", "172.31.16.0/20"),
        ("172.31.0.0/16", "192.168.0.0/16"),
    ],
)
def test_restricted_secondary_ranges_are_refused(net: vpcsim.Network, primary: str, secondary: str) -> None:
    vpc = net.create_vpc(primary)
    with assert_refused(net, "InvalidVpc.Range") as e:
        net.associate_vpc_cidr_block(vpc, secondary)
    assert secondary in e.value.message


@pytest.mark.parametrize(
    ("primary", "secondary"),
    [
        ("10.0.0.0/16", "10.1.0.0/16"),
        ("10.0.0.0/16", "100.64.0.0/16"),
        ("10.0.0.0/16", "52.10.0.0/16"),
        ("172.16.0.0/16", "172.17.0.0/16"),
        ("192.168.0.0/20", "192.168.16.0/20"),
        ("52.10.0.0/16", "53.10.0.0/16"),
        ("52.10.0.0/16", "100.64.0.0/16"),
        ("198.19.0.0/16", "100.64.0.0/16"),
        ("172.31.0.0/16", "172.16.0.0/16"),
        ("172.31.0.0/20", "100.64.0.0/16"),
        ("10.2.0.0/16", "10.0.0.0/16"),  # the primary is outside 10.0.0.0/15
    ],
)
def test_permitted_secondary_ranges(net: vpcsim.Network, primary: str, secondary: str) -> None:
    vpc = net.create_vpc(primary)
    net.associate_vpc_cidr_block(vpc, secondary)
    assert [str(c) for c in vpc.cidr_blocks] == [primary, secondary]


@pytest.mark.parametrize(
    ("primary", "secondary"),
    [("10.1.0.0/16", "10.0.0.0/16"), ("10.1.0.0/16", "10.0.5.0/24"), ("10.0.0.0/24", "10.0.1.0/24")],
)
def test_a_vpc_with_a_block_in_10_0_0_0_15_cannot_add_one_in_10_0_0_0_16(
    net: vpcsim.Network, primary: str, secondary: str
) -> None:
    # AWS: "If any of the CIDR blocks associated with the VPC are from the 10.0.0.0/15 range, you cannot add a CIDR
    # block from the 10.0.0.0/16 range."
    vpc = net.create_vpc(primary)
    with refused(net, "InvalidVpc.Range", secondary, "10.0.0.0/16"):
        net.associate_vpc_cidr_block(vpc, secondary)
    assert [str(c) for c in vpc.cidr_blocks] == [primary]


def test_the_10_0_0_0_15_rule_looks_at_secondary_blocks_too(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.2.0.0/16")
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")  # now a block of the VPC is in 10.0.0.0/15
    with refused(net, "InvalidVpc.Range", "10.0.0.0/16"):
        net.associate_vpc_cidr_block(vpc, "10.0.0.0/16")
    other = net.create_vpc("10.2.0.0/16")
    net.associate_vpc_cidr_block(other, "10.0.0.0/16")
    assert [str(c) for c in other.cidr_blocks] == ["10.2.0.0/16", "10.0.0.0/16"]


def test_secondary_block_with_host_bits_is_normalised(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    added = net.associate_vpc_cidr_block(vpc, "10.1.2.3/16")
    assert added == ipaddress.IPv4Network("10.1.0.0/16")
    assert vpc.cidr_blocks == [ipaddress.IPv4Network("10.0.0.0/16"), added]
    with refused(net, "InvalidVpc.Range", "10.1.0.0/16"):
        net.associate_vpc_cidr_block(vpc, "10.1.9.9/16")  # the same block once normalised


@pytest.mark.parametrize("table_kind", ["main", "custom"])
@pytest.mark.parametrize("cidr", ["10.2.0.0/16", "10.2.0.0/24", "10.2.0.0/23"])
def test_secondary_block_containing_a_route_destination_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, table_kind: str, cidr: str
) -> None:
    # AWS: a block "the same as or larger than" the destination of a route in one of the VPC's tables is refused.
    peer = net.create_vpc("10.9.0.0/16")
    pcx = net.create_vpc_peering_connection(vpc, peer)
    table = vpc.main_route_table if table_kind == "main" else net.create_route_table(vpc)
    net.create_route(table, "10.2.0.0/24", pcx)
    with refused(net, "InvalidVpc.Range", cidr, "10.2.0.0/24", table.id):
        net.associate_vpc_cidr_block(vpc, cidr)


def test_secondary_block_inside_a_route_destination_is_allowed(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    peer = net.create_vpc("10.9.0.0/16")
    pcx = net.create_vpc_peering_connection(vpc, peer)
    net.create_route(vpc.main_route_table, "10.2.0.0/24", pcx)
    added = net.associate_vpc_cidr_block(vpc, "10.2.0.0/25")
    assert vpc.cidr_blocks == [ipaddress.IPv4Network("10.0.0.0/16"), added]


def test_a_route_of_another_vpc_does_not_block_a_secondary_block(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    other = net.create_vpc("10.5.0.0/16")
    pcx = net.create_vpc_peering_connection(other, net.create_vpc("10.9.0.0/16"))
    net.create_route(other.main_route_table, "10.2.0.0/24", pcx)
    assert net.associate_vpc_cidr_block(vpc, "10.2.0.0/16") == ipaddress.IPv4Network("10.2.0.0/16")


def test_the_requester_of_a_pending_peering_cannot_add_a_block(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # AWS: no IPv4 block can be added to a VPC that requested a peering still pending acceptance.
    accepter = net.create_vpc("172.16.0.0/16")
    pcx = net.create_vpc_peering_connection(vpc, accepter, auto_accept=False)
    with refused(net, "InvalidVpc.Range", vpc.id, pcx.id):
        net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    # The accepter may, and the requester may once the peering is active.
    net.associate_vpc_cidr_block(accepter, "172.17.0.0/16")
    net.accept_vpc_peering_connection(pcx)
    assert pcx.status == "active"
    assert net.associate_vpc_cidr_block(vpc, "10.1.0.0/16") == ipaddress.IPv4Network("10.1.0.0/16")


@pytest.mark.parametrize("side", ["requester", "accepter"])
def test_a_block_overlapping_an_actively_peered_vpc_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, side: str
) -> None:
    peer = net.create_vpc("10.4.0.0/16")
    pcx = (
        net.create_vpc_peering_connection(vpc, peer)
        if side == "requester"
        else net.create_vpc_peering_connection(peer, vpc)
    )
    with refused(net, "InvalidVpc.Range", "10.4.128.0/17", peer.id):
        net.associate_vpc_cidr_block(vpc, "10.4.128.0/17")
    assert net.associate_vpc_cidr_block(vpc, "10.5.0.0/16") == ipaddress.IPv4Network("10.5.0.0/16")
    net.delete_vpc_peering_connection(pcx)
    assert net.associate_vpc_cidr_block(vpc, "10.4.128.0/17") == ipaddress.IPv4Network("10.4.128.0/17")


def test_ipv4_block_quota_is_cidr_limit_exceeded(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # Default quota: 5 IPv4 blocks per VPC, the primary included.
    for i in range(1, 5):
        net.associate_vpc_cidr_block(vpc, f"10.{i}.0.0/16")
    assert len(vpc.cidr_blocks) == 5
    assert len(local_routes(vpc.main_route_table)) == 5
    with assert_refused(net, "CidrLimitExceeded") as e:
        net.associate_vpc_cidr_block(vpc, "10.5.0.0/16")
    assert vpc.id in e.value.message


def test_ipv4_block_quota_is_configurable() -> None:
    net = vpcsim.Network(quotas=vpcsim.Quotas(ipv4_cidr_blocks_per_vpc=2))
    vpc = net.create_vpc("10.0.0.0/16")
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    with assert_refused(net, "CidrLimitExceeded"):
        net.associate_vpc_cidr_block(vpc, "10.2.0.0/16")


@pytest.mark.parametrize(("cidr", "ipv6"), [(None, False), ("10.1.0.0/16", True)])
def test_associate_needs_exactly_one_kind_of_block(
    net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str | None, ipv6: bool
) -> None:
    with assert_refused(net, "InvalidParameterCombination"):
        net.associate_vpc_cidr_block(vpc, cidr, amazon_provided_ipv6_cidr_block=ipv6)


# ---------------------------------------------------------------------- associate_vpc_cidr_block: IPv6


def test_ipv6_block_adds_rule_101_and_local_routes(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC N3, R4: the default NACL gains rule 101 both ways; every table gains the /56 local route.
    custom_table = net.create_route_table(vpc)
    custom_acl = net.create_network_acl(vpc)
    block = net.associate_vpc_cidr_block(vpc, amazon_provided_ipv6_cidr_block=True)
    assert isinstance(block, ipaddress.IPv6Network)
    assert block.prefixlen == 56
    assert vpc.ipv6_cidr_block == block
    for egress in (False, True):
        assert vpc.default_network_acl.rules(egress) == [
            vpcsim.NetworkAclEntry(100, egress, -1, "allow", ANY4),
            vpcsim.NetworkAclEntry(101, egress, -1, "allow", ANY6),
        ]
    assert custom_acl.entries == []
    for table in (vpc.main_route_table, custom_table):
        assert [r.destination for r in local_routes(table)] == [vpc.cidr_block, block]


def test_ipv6_block_adds_ipv6_egress_to_the_default_security_group(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC G3 / AWS "Default security groups": the ::/0 outbound rule "is added by default if you create a VPC with
    # an IPv6 CIDR block or if you associate an IPv6 CIDR block with your existing VPC".
    net.associate_vpc_cidr_block(vpc, amazon_provided_ipv6_cidr_block=True)
    assert [(r.protocol, r.cidr) for r in vpc.default_security_group.egress] == [(-1, ANY4), (-1, ANY6)]


def test_ipv6_block_keeps_a_modified_default_nacl_inbound_side(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # AWS "Default network ACL": if the inbound rules were modified, no inbound IPv6 allow rule is added on
    # association; the untouched outbound side still gets rule 101.
    acl = vpc.default_network_acl
    net.delete_network_acl_entry(acl, rule_number=100, egress=False)
    net.associate_vpc_cidr_block(vpc, amazon_provided_ipv6_cidr_block=True)
    assert acl.rules(False) == []
    assert [e.rule_number for e in acl.rules(True)] == [100, 101]


def test_second_ipv6_block_is_cidr_limit_exceeded(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    with assert_refused(net, "CidrLimitExceeded") as e:
        net.associate_vpc_cidr_block(vpc, amazon_provided_ipv6_cidr_block=True)
    assert str(vpc.ipv6_cidr_block) in e.value.message


# ---------------------------------------------------------------------- disassociate_vpc_cidr_block


def test_disassociate_secondary_block_removes_its_local_routes(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    custom = net.create_route_table(vpc)
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    net.disassociate_vpc_cidr_block(vpc, "10.1.0.0/16")
    assert vpc.cidr_blocks == [ipaddress.IPv4Network("10.0.0.0/16")]
    for table in (vpc.main_route_table, custom):
        assert [r.destination for r in table.routes] == [ipaddress.IPv4Network("10.0.0.0/16")]
    # The block can be associated again.
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    assert len(vpc.cidr_blocks) == 2


def test_disassociate_ipv6_block(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    block = vpc.ipv6_cidr_block
    net.disassociate_vpc_cidr_block(vpc, str(block))
    assert vpc.ipv6_cidr_block is None
    assert [r.destination for r in vpc.main_route_table.routes] == [vpc.cidr_block]


def test_primary_block_cannot_be_disassociated(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    with assert_refused(net, "OperationNotPermitted") as e:
        net.disassociate_vpc_cidr_block(vpc, "10.0.0.0/16")
    assert "10.0.0.0/16" in e.value.message


def test_block_in_use_by_a_subnet_cannot_be_disassociated(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # AWS: "InvalidCidrBlock.InUse: The vpc vpc-... currently has a subnet within CIDR block 10.1.0.0/16".
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    net.create_subnet(vpc, "10.1.2.0/24")
    with assert_refused(net, "InvalidCidrBlock.InUse") as e:
        net.disassociate_vpc_cidr_block(vpc, "10.1.0.0/16")
    assert "10.1.0.0/16" in e.value.message


def test_ipv6_block_in_use_by_a_subnet_cannot_be_disassociated(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    first64 = next(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=str(first64))
    with assert_refused(net, "InvalidCidrBlock.InUse") as e:
        net.disassociate_vpc_cidr_block(vpc, str(vpc.ipv6_cidr_block))
    assert str(vpc.ipv6_cidr_block) in e.value.message


# ---------------------------------------------------------------------- delete_vpc


def add_subnet(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    return net.create_subnet(vpc, "10.0.1.0/24").id


def add_igw(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    return igw.id


def add_security_group(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    return net.create_security_group(vpc, "web").id


def add_route_table(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    return net.create_route_table(vpc).id


def add_network_acl(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    return net.create_network_acl(vpc).id


def add_peering(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    return net.create_vpc_peering_connection(vpc, net.create_vpc("10.9.0.0/16")).id


def add_egress_only_igw(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    return net.create_egress_only_internet_gateway(vpc).id


def add_vpn_gateway(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    vgw = net.create_vpn_gateway()
    net.attach_vpn_gateway(vgw, vpc)
    return vgw.id


def add_endpoint(net: vpcsim.Network, vpc: vpcsim.Vpc) -> str:
    return net.create_vpc_endpoint(vpc, "com.amazonaws.us-east-1.s3").id


@pytest.mark.parametrize(
    "add_dependency",
    [
        add_subnet,
        add_igw,
        add_security_group,
        add_route_table,
        add_network_acl,
        add_peering,
        add_egress_only_igw,
        add_vpn_gateway,
        add_endpoint,
    ],
)
def test_delete_vpc_with_dependencies_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, add_dependency: Callable[[vpcsim.Network, vpcsim.Vpc], str]
) -> None:
    blocker = add_dependency(net, vpc)
    with assert_refused(net, "DependencyViolation") as e:
        net.delete_vpc(vpc)
    assert vpc.id in e.value.message
    assert blocker in e.value.message


def test_delete_vpc_removes_its_defaults(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    other = net.create_vpc("10.1.0.0/16")
    defaults = [vpc.main_route_table.id, vpc.default_network_acl.id, vpc.default_security_group.id]
    other_before = {r.id for r in net if r.id not in {vpc.id, *defaults}}
    net.delete_vpc(vpc)
    assert vpc not in net
    assert all(d not in net for d in defaults)
    assert net.vpcs == [other]
    assert {r.id for r in net} == other_before
    assert net.route_tables == [other.main_route_table]


def test_delete_vpc_after_its_dependencies_are_gone(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    net.delete_subnet(subnet)
    net.detach_internet_gateway(igw, vpc)
    net.delete_vpc(vpc)
    assert net.vpcs == []
    assert igw in net
    assert igw.vpc is None


def test_delete_vpc_after_replacing_the_main_table(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC R1: the new main table goes with the VPC; the old one is a custom table and must be deleted first.
    old_main = vpc.main_route_table
    new_main = net.create_route_table(vpc)
    net.replace_route_table_association(vpc.main_route_table_association_id, new_main)
    with assert_refused(net, "DependencyViolation") as e:
        net.delete_vpc(vpc)
    assert old_main.id in e.value.message
    net.delete_route_table(old_main)
    net.delete_vpc(vpc)
    assert len(net) == 0


# ---------------------------------------------------------------------- unknown ids


@pytest.mark.parametrize(
    "operation",
    [
        lambda net, ref: net.delete_vpc(ref),
        lambda net, ref: net.create_subnet(ref, "10.0.1.0/24"),
        lambda net, ref: net.create_route_table(ref),
        lambda net, ref: net.associate_vpc_cidr_block(ref, "10.1.0.0/16"),
        lambda net, ref: net.disassociate_vpc_cidr_block(ref, "10.1.0.0/16"),
        lambda net, ref: net.create_security_group(ref, "web"),
        lambda net, ref: net.modify_vpc_attribute(ref, enable_dns_hostnames=True),
    ],
)
def test_unknown_vpc_id_is_not_found(
    net: vpcsim.Network, vpc: vpcsim.Vpc, operation: Callable[[vpcsim.Network, str], object]
) -> None:
    with assert_refused(net, "InvalidVpcID.NotFound") as e:
        operation(net, "vpc-0123456789abcdef0")
    assert "vpc-0123456789abcdef0" in e.value.message


def test_deleted_vpc_is_not_found(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    net.delete_vpc(vpc)
    with pytest.raises(vpcsim.AwsError) as e:
        net.delete_vpc(vpc.id)
    assert e.value.code == "InvalidVpcID.NotFound"
    assert vpc.id in e.value.message


def test_vpc_of_a_copy_resolves_by_id(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with net.what_if() as alt:
        subnet = alt.create_subnet(vpc, "10.0.1.0/24")
        assert subnet.vpc is alt.get(vpc.id)
        assert subnet.vpc is not vpc
    assert net.subnets == []


# ---------------------------------------------------------------------- regions and availability zones


def test_us_east_1_has_six_zones() -> None:
    net = vpcsim.Network()
    assert net.availability_zones == {"us-east-1": tuple(f"us-east-1{z}" for z in "abcdef")}


def test_other_regions_get_their_zones() -> None:
    assert vpcsim.Network(region="us-west-2").availability_zones["us-west-2"] == (
        "us-west-2a",
        "us-west-2b",
        "us-west-2c",
        "us-west-2d",
    )
    assert vpcsim.Network(region="eu-west-1").availability_zones["eu-west-1"] == (
        "eu-west-1a",
        "eu-west-1b",
        "eu-west-1c",
    )


def test_add_region_then_create_vpc_there(net: vpcsim.Network) -> None:
    net.add_region("eu-central-1")
    net.add_region("ap-south-2", ["ap-south-2x", "ap-south-2y"])
    assert set(net.availability_zones) == {"us-east-1", "eu-central-1", "ap-south-2"}
    assert net.availability_zones["ap-south-2"] == ("ap-south-2x", "ap-south-2y")
    vpc = net.create_vpc("10.0.0.0/16", region="ap-south-2")
    assert vpc.region == "ap-south-2"
    assert net.create_subnet(vpc, "10.0.1.0/24").availability_zone == "ap-south-2x"
    assert net.create_subnet(vpc, "10.0.2.0/24", az="ap-south-2y").availability_zone == "ap-south-2y"


def test_subnet_az_must_be_in_the_vpcs_region(net: vpcsim.Network) -> None:
    net.add_region("eu-central-1")
    vpc = net.create_vpc("10.0.0.0/16", region="eu-central-1")
    with assert_refused(net, "InvalidParameterValue") as e:
        net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    assert "us-east-1a" in e.value.message


@pytest.mark.parametrize(("region", "zones"), [("", None), (42, None), ("eu-west-3", []), ("eu-west-3", ["", "b"])])
def test_add_region_refuses_bad_names(net: vpcsim.Network, region: object, zones: list[str] | None) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        net.add_region(region, zones)  # type: ignore[arg-type]
    assert e.value.code == "InvalidParameterValue"
    assert set(net.availability_zones) == {"us-east-1"}


# ---------------------------------------------------------------------- modify_vpc_attribute


def test_modify_vpc_attribute(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    assert (vpc.enable_dns_support, vpc.enable_dns_hostnames) == (True, False)
    net.modify_vpc_attribute(vpc, enable_dns_hostnames=True)
    assert (vpc.enable_dns_support, vpc.enable_dns_hostnames) == (True, True)
    net.modify_vpc_attribute(vpc.id, enable_dns_support=False)
    assert (vpc.enable_dns_support, vpc.enable_dns_hostnames) == (False, True)


def test_modify_vpc_attribute_refuses_non_booleans(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.modify_vpc_attribute(vpc, enable_dns_support=True, enable_dns_hostnames="yes")  # type: ignore[arg-type]
    assert "'yes'" in e.value.message


def test_disassociating_a_block_takes_its_redirected_local_route_too() -> None:
    # SPEC R4: the local route of a block goes with the block, even when pointed at a middlebox.
    net = vpcsim.Network(seed=14)
    vpc = net.create_vpc("10.0.0.0/16")
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    appliance = net.run_instance(net.create_subnet(vpc, "10.0.1.0/24"))
    table = net.create_route_table(vpc)
    net.replace_route(table, "10.1.0.0/16", appliance)
    net.disassociate_vpc_cidr_block(vpc, "10.1.0.0/16")
    assert [r.destination_key for r in table.routes] == ["10.0.0.0/16"]


def test_snapshot_sees_regions_and_a_region_in_use_keeps_its_zones() -> None:
    net = vpcsim.Network(seed=15)
    snap = net.snapshot()
    net.add_region("eu-west-1")
    assert net.snapshot() != snap
    net.create_vpc("10.0.0.0/16", region="eu-west-1")
    with assert_refused(net, "InvalidParameterValue") as err:
        net.add_region("eu-west-1", ["eu-west-1x"])
    assert "eu-west-1" in err.value.message
