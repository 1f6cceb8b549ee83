"""Tests for managed prefix lists: create, modify, delete, AWS-managed lists (SPEC G2, G7, R6, X)."""

from __future__ import annotations

import ipaddress

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=13)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16")


@pytest.fixture
def pl(net: vpcsim.Network) -> vpcsim.ManagedPrefixList:
    return net.create_managed_prefix_list("offices", max_entries=5, entries=["192.0.2.0/24", "198.51.100.0/24"])


@pytest.fixture
def s3_list(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.ManagedPrefixList:
    """The AWS-managed list behind an S3 gateway endpoint."""
    table = net.create_route_table(vpc)
    endpoint = net.create_vpc_endpoint(vpc, "com.amazonaws.us-east-1.s3", route_tables=[table])
    found = net.get(endpoint.prefix_list_id)
    assert isinstance(found, vpcsim.ManagedPrefixList)
    return found


def _net(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr)


# ---------------------------------------------------------------------- create


def test_create_with_cidrs_and_described_cidrs(net: vpcsim.Network) -> None:
    pl = net.create_managed_prefix_list(
        "partners", max_entries=3, entries=["192.0.2.0/24", ("198.51.100.0/24", "acme")], name="partners"
    )
    assert pl.id.startswith("pl-")
    assert pl.entries == {_net("192.0.2.0/24"): "", _net("198.51.100.0/24"): "acme"}
    assert pl.cidrs == [_net("192.0.2.0/24"), _net("198.51.100.0/24")]
    assert (pl.prefix_list_name, pl.address_family, pl.max_entries, pl.version) == ("partners", "IPv4", 3, 1)
    assert pl.owner_id != "AWS"
    assert pl.name == "partners"
    assert pl in net.managed_prefix_lists


def test_create_an_empty_ipv6_list(net: vpcsim.Network) -> None:
    pl = net.create_managed_prefix_list("v6", max_entries=1, address_family="IPv6")
    assert (pl.address_family, pl.entries) == ("IPv6", {})
    net.modify_managed_prefix_list(pl, add_entries=["2001:db8::/32"])
    assert pl.cidrs == [_net("2001:db8::/32")]


@pytest.mark.parametrize("max_entries", [1, 1000])
def test_max_entries_bounds_are_accepted(net: vpcsim.Network, max_entries: int) -> None:
    assert net.create_managed_prefix_list("x", max_entries=max_entries).max_entries == max_entries


@pytest.mark.parametrize("max_entries", [0, 1001, -5, "10", True])
def test_max_entries_outside_1_to_1000_is_refused(net: vpcsim.Network, max_entries: object) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_managed_prefix_list("x", max_entries=max_entries)  # type: ignore[arg-type]
    assert f"({max_entries!r})" in e.value.message


@pytest.mark.parametrize(
    ("family", "entry", "wrong"),
    [
        ("IPv4", "2001:db8::/32", "2001:db8::/32"),
        ("IPv6", "10.0.0.0/8", "10.0.0.0/8"),
        ("IPv4", ("::/0", "all"), "::/0"),
    ],
)
def test_entries_of_the_wrong_family_are_refused(
    net: vpcsim.Network, family: str, entry: str | tuple[str, str], wrong: str
) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_managed_prefix_list("x", max_entries=5, address_family=family, entries=[entry])
    assert wrong in e.value.message


def test_more_entries_than_max_entries_is_refused(net: vpcsim.Network) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_managed_prefix_list("x", max_entries=2, entries=["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16"])
    assert "3" in e.value.message
    assert "2" in e.value.message


@pytest.mark.parametrize("entry", ["10.0.0.300/8", "10.0.0.0/40", "10.0.0.0", "banana"])
def test_malformed_entry_is_refused_naming_it(net: vpcsim.Network, entry: str) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_managed_prefix_list("x", max_entries=5, entries=[entry])
    assert repr(entry) in e.value.message


def test_entries_with_host_bits_are_normalised(net: vpcsim.Network) -> None:
    # AWS keeps the network address of a CIDR given with host bits set.
    pl = net.create_managed_prefix_list("x", max_entries=5, entries=["10.0.0.1/8", ("192.0.2.77/24", "lab")])
    assert pl.entries == {_net("10.0.0.0/8"): "", _net("192.0.2.0/24"): "lab"}
    net.modify_managed_prefix_list(pl, add_entries=["198.51.100.9/24"], remove_entries=["10.9.9.9/8"])
    assert pl.cidrs == [_net("192.0.2.0/24"), _net("198.51.100.0/24")]


@pytest.mark.parametrize("family", ["IPv5", "ipv4", "4"])
def test_unknown_address_family_is_refused(net: vpcsim.Network, family: str) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_managed_prefix_list("x", max_entries=5, address_family=family)
    assert repr(family) in e.value.message


@pytest.mark.parametrize("name", ["", "com.amazonaws.us-east-1.s3"])
def test_empty_or_aws_reserved_name_is_refused(net: vpcsim.Network, name: str) -> None:
    # VPC guide: a prefix list name cannot start with com.amazonaws
    with refused(net, "InvalidParameterValue") as e:
        net.create_managed_prefix_list(name, max_entries=5)
    assert repr(name) in e.value.message


# ---------------------------------------------------------------------- modify


def test_add_and_remove_entries_bumps_the_version(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    net.modify_managed_prefix_list(pl, add_entries=[("203.0.113.0/24", "lab")])
    assert pl.version == 2
    assert pl.entries[_net("203.0.113.0/24")] == "lab"
    assert len(pl.entries) == 3
    net.modify_managed_prefix_list(pl.id, remove_entries=["192.0.2.0/24"])
    assert pl.version == 3
    assert set(pl.cidrs) == {_net("198.51.100.0/24"), _net("203.0.113.0/24")}


def test_resize_bumps_the_version(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    net.modify_managed_prefix_list(pl, max_entries=10)
    assert (pl.max_entries, pl.version) == (10, 2)


def test_adding_beyond_max_entries_is_refused(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.modify_managed_prefix_list(pl, add_entries=["10.1.0.0/16", "10.2.0.0/16", "10.3.0.0/16", "10.4.0.0/16"])
    assert pl.id in e.value.message


def test_adding_an_entry_of_the_wrong_family_is_refused(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.modify_managed_prefix_list(pl, add_entries=["2001:db8::/32"])
    assert "2001:db8::/32" in e.value.message


def test_removing_an_absent_entry_is_refused(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.modify_managed_prefix_list(pl, remove_entries=["203.0.113.0/24"])
    assert "203.0.113.0/24" in e.value.message


def test_shrinking_below_the_current_entries_is_refused(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    with refused(net, "InvalidParameterValue"):
        net.modify_managed_prefix_list(pl, max_entries=1)


@pytest.mark.parametrize("max_entries", [0, 1001])
def test_resize_outside_1_to_1000_is_refused(
    net: vpcsim.Network, pl: vpcsim.ManagedPrefixList, max_entries: int
) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.modify_managed_prefix_list(pl, max_entries=max_entries)
    assert f"({max_entries})" in e.value.message


def test_entries_and_size_cannot_change_in_one_call(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    # ModifyManagedPrefixList, MaxEntries: "You cannot modify the entries of a prefix list and modify the size of
    # a prefix list at the same time."
    with refused(net, "InvalidParameterCombination"):
        net.modify_managed_prefix_list(pl, add_entries=["203.0.113.0/24"], max_entries=10)


def test_growing_beyond_a_referencing_groups_quota_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, pl: vpcsim.ManagedPrefixList
) -> None:
    # SPEC G7: a prefix-list rule weighs its max_entries, so resizing it re-weighs every rule that uses it
    sg = net.create_security_group(vpc, "web")
    for i in range(50):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr=f"100.64.{i}.0/24")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, prefix_list=pl)
    net.modify_managed_prefix_list(pl, max_entries=10)  # 50 + 10 = 60 fits
    with refused(net, "RulesPerSecurityGroupLimitExceeded") as e:
        net.modify_managed_prefix_list(pl, max_entries=11)
    assert sg.id in e.value.message
    assert pl.max_entries == 10


def test_growing_is_checked_against_the_outbound_rules_too(
    net: vpcsim.Network, vpc: vpcsim.Vpc, pl: vpcsim.ManagedPrefixList
) -> None:
    # SPEC G7: outbound has its own 60, the default allow-all included
    sg = net.create_security_group(vpc, "web")
    net.authorize_security_group_egress(sg, protocol="tcp", ports=443, prefix_list=pl)
    net.modify_managed_prefix_list(pl, max_entries=59)
    with refused(net, "RulesPerSecurityGroupLimitExceeded"):
        net.modify_managed_prefix_list(pl, max_entries=60)


def test_growing_an_unreferenced_list_is_not_limited_by_quotas(
    net: vpcsim.Network, pl: vpcsim.ManagedPrefixList
) -> None:
    net.modify_managed_prefix_list(pl, max_entries=1000)
    assert pl.max_entries == 1000


# ---------------------------------------------------------------------- delete


def test_delete_an_unused_list(net: vpcsim.Network, pl: vpcsim.ManagedPrefixList) -> None:
    net.delete_managed_prefix_list(pl)
    assert pl not in net
    assert pl not in net.managed_prefix_lists


def test_delete_a_list_used_by_a_security_group_rule(
    net: vpcsim.Network, vpc: vpcsim.Vpc, pl: vpcsim.ManagedPrefixList
) -> None:
    sg = net.create_security_group(vpc, "web")
    rule = net.authorize_security_group_egress(sg, protocol="tcp", ports=443, prefix_list=pl)
    with refused(net, "DependencyViolation") as e:
        net.delete_managed_prefix_list(pl)
    assert pl.id in e.value.message
    assert sg.id in e.value.message
    net.revoke_security_group_egress(sg, rule_id=rule.id)
    net.delete_managed_prefix_list(pl)
    assert pl not in net


def test_delete_a_list_used_by_a_route(net: vpcsim.Network, vpc: vpcsim.Vpc, pl: vpcsim.ManagedPrefixList) -> None:
    # SPEC R6: a prefix list as a route destination
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    table = net.create_route_table(vpc)
    net.create_route(table, pl, igw)
    with refused(net, "DependencyViolation") as e:
        net.delete_managed_prefix_list(pl.id)
    assert table.id in e.value.message
    net.delete_route(table, pl)
    net.delete_managed_prefix_list(pl.id)
    assert pl not in net


def test_delete_an_unknown_list(net: vpcsim.Network) -> None:
    with refused(net, "InvalidPrefixListID.NotFound") as e:
        net.delete_managed_prefix_list("pl-00000000000000001")
    assert "pl-00000000000000001" in e.value.message


# ---------------------------------------------------------------------- AWS-managed lists


def test_a_gateway_endpoint_brings_an_aws_managed_list(
    net: vpcsim.Network, s3_list: vpcsim.ManagedPrefixList
) -> None:
    assert s3_list.owner_id == "AWS"
    assert s3_list.prefix_list_name == "com.amazonaws.us-east-1.s3"
    assert s3_list.cidrs
    assert s3_list in net.managed_prefix_lists


def test_aws_managed_list_cannot_be_modified(net: vpcsim.Network, s3_list: vpcsim.ManagedPrefixList) -> None:
    # VPC guide: "You cannot create, modify, share, or delete an AWS-managed prefix list."
    with refused(net, "OperationNotPermitted") as e:
        net.modify_managed_prefix_list(s3_list, add_entries=["203.0.113.0/24"])
    assert s3_list.id in e.value.message
    with refused(net, "OperationNotPermitted"):
        net.modify_managed_prefix_list(s3_list, max_entries=100)


def test_aws_managed_list_cannot_be_deleted(net: vpcsim.Network, s3_list: vpcsim.ManagedPrefixList) -> None:
    with refused(net, "OperationNotPermitted") as e:
        net.delete_managed_prefix_list(s3_list)
    assert s3_list.id in e.value.message


def test_aws_managed_list_as_a_security_group_peer(
    net: vpcsim.Network, vpc: vpcsim.Vpc, s3_list: vpcsim.ManagedPrefixList
) -> None:
    # SPEC G2
    sg = net.create_security_group(vpc, "web")
    rule = net.authorize_security_group_egress(sg, protocol="tcp", ports=443, prefix_list=s3_list)
    assert rule.prefix_list_id == s3_list.id


def test_the_s3_list_weighs_one_rule(net: vpcsim.Network, vpc: vpcsim.Vpc, s3_list: vpcsim.ManagedPrefixList) -> None:
    # SPEC G7. VPC guide, AWS-managed prefix list weight: com.amazonaws.<region>.s3 has weight 1, so it fits
    # next to 59 other outbound IPv4 rules (the default allow-all and 58 more).
    sg = net.create_security_group(vpc, "web")
    for i in range(58):
        net.authorize_security_group_egress(sg, protocol="tcp", ports=443, cidr=f"100.64.{i}.0/24")
    net.authorize_security_group_egress(sg, protocol="tcp", ports=443, prefix_list=s3_list)
    assert len(sg.egress) == 60
