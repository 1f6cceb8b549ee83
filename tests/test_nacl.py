"""Tests for network ACLs, their entries and subnet associations (SPEC N1, N3, N5, X)."""

from __future__ import annotations

import ipaddress

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=11)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16")


@pytest.fixture
def acl(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.NetworkAcl:
    return net.create_network_acl(vpc, name="private")


@pytest.fixture
def subnet(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.Subnet:
    return net.create_subnet(vpc, "10.0.1.0/24")


def _allow(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl, number: int, *, egress: bool = False, cidr: str = "10.0.0.0/8"
) -> vpcsim.NetworkAclEntry:
    return net.create_network_acl_entry(
        acl, rule_number=number, egress=egress, protocol="tcp", action="allow", cidr=cidr, ports=443
    )


def _numbers(acl: vpcsim.NetworkAcl, *, egress: bool) -> list[int]:
    return [e.rule_number for e in acl.rules(egress=egress)]


# ---------------------------------------------------------------------- N3: defaults and associations


@pytest.mark.parametrize("egress", [False, True])
def test_default_nacl_allows_all_ipv4_with_rule_100(vpc: vpcsim.Vpc, egress: bool) -> None:
    # SPEC N3
    default = vpc.default_network_acl
    assert default.is_default
    assert default.rules(egress=egress) == [
        vpcsim.NetworkAclEntry(100, egress, -1, "allow", ipaddress.ip_network("0.0.0.0/0"))
    ]


@pytest.mark.parametrize("egress", [False, True])
def test_default_nacl_of_an_ipv6_vpc_adds_rule_101(net: vpcsim.Network, egress: bool) -> None:
    # SPEC N3
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert [
        (e.rule_number, e.protocol, e.rule_action, str(e.cidr)) for e in vpc.default_network_acl.rules(egress)
    ] == [
        (100, -1, "allow", "0.0.0.0/0"),
        (101, -1, "allow", "::/0"),
    ]


def test_adding_ipv6_to_a_vpc_adds_rule_101_to_its_default_nacl(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC N3 (VPC guide: associating an IPv6 block adds the IPv6 allow-all rules to the default network ACL)
    net.associate_vpc_cidr_block(vpc, amazon_provided_ipv6_cidr_block=True)
    for egress in (False, True):
        assert _numbers(vpc.default_network_acl, egress=egress) == [100, 101]
        assert str(vpc.default_network_acl.rules(egress)[1].cidr) == "::/0"


def test_custom_nacl_has_no_entries(net: vpcsim.Network, acl: vpcsim.NetworkAcl, vpc: vpcsim.Vpc) -> None:
    # SPEC N3: a new custom NACL denies everything (only the "*" rules, which are not entries)
    assert not acl.is_default
    assert acl.vpc is vpc
    assert acl.entries == []
    assert acl.rules(egress=False) == [] == acl.rules(egress=True)
    assert acl.name == "private"
    assert acl in net.network_acls


def test_every_subnet_starts_on_the_default_nacl(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC N3: the default unless replaced
    a = net.create_subnet(vpc, "10.0.1.0/24")
    b = net.create_subnet(vpc, "10.0.2.0/24")
    assert a.network_acl is vpc.default_network_acl
    assert b.network_acl is vpc.default_network_acl
    assert a.network_acl_association_id.startswith("aclassoc-")
    assert a.network_acl_association_id != b.network_acl_association_id


def test_a_new_nacl_is_associated_with_no_subnet(
    net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet, acl: vpcsim.NetworkAcl
) -> None:
    # SPEC N3: creating a NACL does not move any subnet
    assert subnet.network_acl is vpc.default_network_acl


# ---------------------------------------------------------------------- N1: numbers and order


@pytest.mark.parametrize("number", [1, 32766])
def test_rule_numbers_1_and_32766_are_accepted(net: vpcsim.Network, acl: vpcsim.NetworkAcl, number: int) -> None:
    # SPEC N1
    entry = _allow(net, acl, number)
    assert entry.rule_number == number
    assert acl.rules(egress=False) == [entry]


@pytest.mark.parametrize("number", [0, 32767, 32768, -1])
def test_rule_numbers_outside_1_to_32766_are_refused(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl, number: int
) -> None:
    # SPEC N1: 32767/32768 are the "*" rules
    with refused(net, "InvalidParameterValue") as e:
        _allow(net, acl, number)
    assert f"({number})" in e.value.message


@pytest.mark.parametrize("number", ["100", 100.0, True, None])
def test_rule_number_must_be_an_integer(net: vpcsim.Network, acl: vpcsim.NetworkAcl, number: object) -> None:
    with refused(net, "InvalidParameterValue") as e:
        _allow(net, acl, number)  # type: ignore[arg-type]
    assert repr(number) in e.value.message


def test_entries_are_listed_in_rule_number_order_whatever_the_insertion_order(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl
) -> None:
    # SPEC N1: order is by number, never by input order
    for number in (300, 100, 32766, 200, 1):
        _allow(net, acl, number)
    for number in (50, 10, 20):
        _allow(net, acl, number, egress=True)
    assert _numbers(acl, egress=False) == [1, 100, 200, 300, 32766]
    assert _numbers(acl, egress=True) == [10, 20, 50]
    assert all(not e.egress for e in acl.rules(egress=False))
    assert all(e.egress for e in acl.rules(egress=True))


def test_order_holds_after_delete_and_recreate(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N1
    for number in (100, 200, 300):
        _allow(net, acl, number)
    net.delete_network_acl_entry(acl, rule_number=100, egress=False)
    _allow(net, acl, 250)
    _allow(net, acl, 100)
    assert _numbers(acl, egress=False) == [100, 200, 250, 300]


# ---------------------------------------------------------------------- N5: entry fields


def test_entry_fields(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5
    entry = net.create_network_acl_entry(
        acl, rule_number=110, egress=True, protocol="udp", action="deny", cidr="192.0.2.0/24", ports=(1024, 65535)
    )
    assert entry == vpcsim.NetworkAclEntry(
        rule_number=110,
        egress=True,
        protocol=17,
        rule_action="deny",
        cidr=ipaddress.ip_network("192.0.2.0/24"),
        port_range=(1024, 65535),
        icmp_type_code=None,
    )


def test_ipv6_entry(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5: CIDR IPv4 or IPv6
    entry = _allow(net, acl, 100, cidr="2001:db8::/32")
    assert entry.cidr == ipaddress.ip_network("2001:db8::/32")


def test_protocol_all_has_no_ports(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5: protocol -1 for all
    entry = net.create_network_acl_entry(
        acl, rule_number=100, egress=False, protocol=-1, action="allow", cidr="0.0.0.0/0", ports=22
    )
    assert (entry.protocol, entry.port_range, entry.icmp_type_code) == (-1, None, None)


@pytest.mark.parametrize("protocol", ["tcp", "udp", 6, 17])
def test_tcp_and_udp_need_ports(net: vpcsim.Network, acl: vpcsim.NetworkAcl, protocol: str | int) -> None:
    # SPEC N5 (CreateNetworkAclEntry: PortRange "Required if specifying protocol 6 (TCP) or 17 (UDP)")
    with refused(net, "InvalidParameterValue") as e:
        net.create_network_acl_entry(
            acl, rule_number=100, egress=False, protocol=protocol, action="allow", cidr="0.0.0.0/0"
        )
    assert "portRange" in e.value.message


@pytest.mark.parametrize(("ports", "named"), [(70000, "70000"), ((80, 65536), "65536"), ((443, 80), "(443, 80)")])
def test_bad_port_range_is_refused_naming_the_value(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl, ports: int | tuple[int, int], named: str
) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_network_acl_entry(
            acl, rule_number=100, egress=False, protocol="tcp", action="allow", cidr="0.0.0.0/0", ports=ports
        )
    assert f"Value ({named})" in e.value.message


def test_icmp_entry_holds_type_and_code(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5: ICMP type/code, -1 = any
    echo = net.create_network_acl_entry(
        acl, rule_number=100, egress=False, protocol="icmp", action="allow", cidr="0.0.0.0/0", icmp_type_code=(8, 0)
    )
    anything = net.create_network_acl_entry(
        acl, rule_number=110, egress=False, protocol=1, action="allow", cidr="0.0.0.0/0", icmp_type_code=(-1, -1)
    )
    v6 = net.create_network_acl_entry(
        acl, rule_number=120, egress=False, protocol=58, action="allow", cidr="::/0", icmp_type_code=(128, -1)
    )
    assert (echo.protocol, echo.icmp_type_code, echo.port_range) == (1, (8, 0), None)
    assert anything.icmp_type_code == (-1, -1)
    assert (v6.protocol, v6.icmp_type_code) == (58, (128, -1))


def test_icmp_type_out_of_range_is_refused(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_network_acl_entry(
            acl,
            rule_number=100,
            egress=False,
            protocol="icmp",
            action="allow",
            cidr="0.0.0.0/0",
            icmp_type_code=(8, 256),
        )
    assert "256" in e.value.message


def test_icmp_with_an_ipv6_cidr_is_refused(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5: ICMP (protocol 1) is IPv4; IPv6 uses ICMPv6 (58)
    with refused(net, "InvalidParameterValue") as e:
        net.create_network_acl_entry(
            acl, rule_number=100, egress=False, protocol="icmp", action="allow", cidr="::/0", icmp_type_code=(8, 0)
        )
    assert "::/0" in e.value.message


@pytest.mark.parametrize("type_code", [(128, 0), None])
def test_icmpv6_with_an_ipv4_cidr_is_accepted_for_any_type_and_code(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl, type_code: tuple[int, int] | None
) -> None:
    # SPEC N5. CreateNetworkAclEntry, Protocol: "If you specify protocol "58" (ICMPv6) and specify an IPv4 CIDR
    # block, traffic for all ICMP types and codes allowed, regardless of any that you specify."
    entry = net.create_network_acl_entry(
        acl, rule_number=100, egress=False, protocol=58, action="allow", cidr="0.0.0.0/0", icmp_type_code=type_code
    )
    assert (entry.protocol, entry.icmp_type_code, entry.port_range) == (58, (-1, -1), None)
    assert acl.rules(egress=False) == [entry]


@pytest.mark.parametrize(
    ("protocol", "cidr"), [("icmp", "0.0.0.0/0"), (1, "10.0.0.0/8"), ("icmpv6", "::/0"), (58, "2001:db8::/32")]
)
def test_icmp_entry_without_type_and_code_is_missing_a_parameter(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl, protocol: str | int, cidr: str
) -> None:
    # AWS: "The request must contain the parameter icmpTypeCode.type" (MissingParameter).
    with refused(net, "MissingParameter", "icmpTypeCode.type"):
        net.create_network_acl_entry(acl, rule_number=100, egress=False, protocol=protocol, action="allow", cidr=cidr)


def test_replace_with_an_icmp_entry_without_type_and_code_is_missing_a_parameter(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl
) -> None:
    _allow(net, acl, 100)
    with refused(net, "MissingParameter", "icmpTypeCode.type"):
        net.replace_network_acl_entry(
            acl, rule_number=100, egress=False, protocol="icmp", action="allow", cidr="0.0.0.0/0"
        )


@pytest.mark.parametrize("action", ["permit", "ALLOWED", "", None])
def test_action_must_be_allow_or_deny(net: vpcsim.Network, acl: vpcsim.NetworkAcl, action: object) -> None:
    # SPEC N5
    with refused(net, "InvalidParameterValue") as e:
        net.create_network_acl_entry(
            acl,
            rule_number=100,
            egress=False,
            protocol=-1,
            action=action,
            cidr="0.0.0.0/0",  # type: ignore[arg-type]
        )
    assert repr(action) in e.value.message


@pytest.mark.parametrize("protocol", ["tpc", 256, -2])
def test_unknown_protocol_is_refused_naming_the_value(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl, protocol: str | int
) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.create_network_acl_entry(
            acl, rule_number=100, egress=False, protocol=protocol, action="allow", cidr="0.0.0.0/0", ports=22
        )
    assert repr(protocol) in e.value.message


@pytest.mark.parametrize("cidr", ["10.0.0.300/8", "10.0.0.0/33", "10.0.0.0", "any"])
def test_bad_cidr_is_refused_naming_the_value(net: vpcsim.Network, acl: vpcsim.NetworkAcl, cidr: str) -> None:
    with refused(net, "InvalidParameterValue") as e:
        _allow(net, acl, 100, cidr=cidr)
    assert repr(cidr) in e.value.message


@pytest.mark.parametrize(("cidr", "expected"), [("10.0.0.1/8", "10.0.0.0/8"), ("2001:db8::1/32", "2001:db8::/32")])
def test_cidr_with_host_bits_is_normalised(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl, cidr: str, expected: str
) -> None:
    # AWS keeps the network address of a CIDR given with host bits set.
    entry = _allow(net, acl, 100, cidr=cidr)
    assert entry.cidr == ipaddress.ip_network(expected)
    replaced = net.replace_network_acl_entry(
        acl, rule_number=100, egress=False, protocol=-1, action="deny", cidr="192.0.2.77/24"
    )
    assert replaced.cidr == ipaddress.ip_network("192.0.2.0/24")


def test_entry_on_an_unknown_nacl(net: vpcsim.Network) -> None:
    with refused(net, "InvalidNetworkAclID.NotFound") as e:
        _allow(net, "acl-00000000000000001", 100)  # type: ignore[arg-type]
    assert "acl-00000000000000001" in e.value.message


# ---------------------------------------------------------------------- N5: duplicates and quota


def test_duplicate_rule_number_in_the_same_direction(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5
    _allow(net, acl, 100)
    with refused(net, "NetworkAclEntryAlreadyExists") as e:
        net.create_network_acl_entry(
            acl, rule_number=100, egress=False, protocol=-1, action="deny", cidr="2001:db8::/32"
        )
    assert "100" in e.value.message
    assert acl.id in e.value.message


def test_same_rule_number_in_the_other_direction_is_fine(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5
    inbound = _allow(net, acl, 100)
    outbound = _allow(net, acl, 100, egress=True)
    assert acl.rules(egress=False) == [inbound]
    assert acl.rules(egress=True) == [outbound]


def test_default_nacl_rule_100_is_taken(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC N3 + N5
    with refused(net, "NetworkAclEntryAlreadyExists"):
        _allow(net, vpc.default_network_acl, 100)


def test_nineteen_ipv4_entries_per_direction_the_twentieth_is_refused(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl
) -> None:
    # SPEC N5: AWS's 20 rules per direction include the "*" rule, so 19 entries fit.
    for number in range(1, 20):
        _allow(net, acl, number)
    assert len(acl.rules(egress=False)) == 19
    with refused(net, "NetworkAclEntryLimitExceeded", acl.id, "19") as e:
        _allow(net, acl, 20)
    assert "ingress IPv4" in e.message


def test_ipv6_entries_and_the_other_direction_are_counted_separately(
    net: vpcsim.Network, acl: vpcsim.NetworkAcl
) -> None:
    # SPEC N5: per direction per address family
    for number in range(1, 20):
        _allow(net, acl, number)
    for number in range(101, 120):
        _allow(net, acl, number, cidr=f"2001:db8:{number:x}::/48")
    for number in range(1, 20):
        _allow(net, acl, number, egress=True)
    assert len(acl.rules(egress=False)) == 38
    assert len(acl.rules(egress=True)) == 19
    with refused(net, "NetworkAclEntryLimitExceeded", acl.id, "IPv6"):
        _allow(net, acl, 120, cidr="2001:db8:ffff::/48")
    with refused(net, "NetworkAclEntryLimitExceeded", acl.id, "egress"):
        _allow(net, acl, 20, egress=True)
    _allow(net, acl, 120, egress=True, cidr="2001:db8:ffff::/48")  # egress IPv6 still has room


def test_default_nacl_rule_100_counts_as_an_entry(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC N3, N5: the default NACL's allow-all rule 100 is an entry like the user's, so 18 more fit.
    default = vpc.default_network_acl
    for number in range(1, 19):
        _allow(net, default, number)
    assert len(default.rules(egress=False)) == 19
    with refused(net, "NetworkAclEntryLimitExceeded", default.id):
        _allow(net, default, 19)


def test_deleting_an_entry_frees_quota(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    for number in range(1, 20):
        _allow(net, acl, number)
    net.delete_network_acl_entry(acl, rule_number=5, egress=False)
    _allow(net, acl, 20)
    assert len(acl.rules(egress=False)) == 19
    with refused(net, "NetworkAclEntryLimitExceeded", acl.id):
        _allow(net, acl, 5)


def test_network_acl_rules_quota_can_be_raised_to_40() -> None:
    # SPEC N5: configurable, max 40, the "*" rule included: 39 entries fit
    net = vpcsim.Network(seed=11, quotas=vpcsim.Quotas(network_acl_rules=40))
    acl = net.create_network_acl(net.create_vpc("10.0.0.0/16"))
    for number in range(1, 40):
        _allow(net, acl, number)
    assert len(acl.rules(egress=False)) == 39
    with refused(net, "NetworkAclEntryLimitExceeded", acl.id, "39"):
        _allow(net, acl, 40)


def test_network_acl_rules_quota_above_40_is_invalid() -> None:
    # SPEC N5: max 40
    with pytest.raises(ValueError, match="network_acl_rules"):
        vpcsim.Quotas(network_acl_rules=41)


# ---------------------------------------------------------------------- replace / delete entries


def test_replace_entry(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    _allow(net, acl, 100)
    _allow(net, acl, 200)
    new = net.replace_network_acl_entry(
        acl, rule_number=100, egress=False, protocol=-1, action="deny", cidr="192.0.2.0/24"
    )
    assert acl.rules(egress=False)[0] == new
    assert (new.rule_action, new.protocol, str(new.cidr)) == ("deny", -1, "192.0.2.0/24")
    assert _numbers(acl, egress=False) == [100, 200]


def test_replace_a_missing_entry(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # the same number in the other direction does not count
    _allow(net, acl, 100, egress=True)
    with refused(net, "InvalidNetworkAclEntry.NotFound") as e:
        net.replace_network_acl_entry(
            acl, rule_number=100, egress=False, protocol=-1, action="deny", cidr="0.0.0.0/0"
        )
    assert "100" in e.value.message


def test_replace_validates_like_create(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    _allow(net, acl, 100)
    with refused(net, "InvalidParameterValue"):
        net.replace_network_acl_entry(
            acl, rule_number=100, egress=False, protocol="tcp", action="allow", cidr="0.0.0.0/0"
        )


def test_replace_at_full_quota_is_fine(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    # SPEC N5: replacing does not add an entry
    for number in range(1, 20):
        _allow(net, acl, number)
    net.replace_network_acl_entry(acl, rule_number=19, egress=False, protocol=-1, action="deny", cidr="0.0.0.0/0")
    assert acl.rules(egress=False)[-1].rule_action == "deny"
    assert len(acl.rules(egress=False)) == 19


def test_delete_entry(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    _allow(net, acl, 100)
    outbound = _allow(net, acl, 100, egress=True)
    net.delete_network_acl_entry(acl, rule_number=100, egress=False)
    assert acl.rules(egress=False) == []
    assert acl.rules(egress=True) == [outbound]


def test_delete_a_missing_entry(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    with refused(net, "InvalidNetworkAclEntry.NotFound") as e:
        net.delete_network_acl_entry(acl, rule_number=123, egress=True)
    assert "123" in e.value.message


# ---------------------------------------------------------------------- replace_network_acl_association


def test_replace_association_by_subnet(
    net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet, acl: vpcsim.NetworkAcl
) -> None:
    # SPEC N3: a subnet has exactly one NACL
    other = net.create_subnet(vpc, "10.0.2.0/24")
    old = subnet.network_acl_association_id
    new = net.replace_network_acl_association(acl, subnet)
    assert new.startswith("aclassoc-")
    assert new != old
    assert subnet.network_acl is acl
    assert subnet.network_acl_association_id == new
    assert other.network_acl is vpc.default_network_acl


def test_replace_association_by_its_id(
    net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet, acl: vpcsim.NetworkAcl
) -> None:
    first = net.replace_network_acl_association(acl, subnet.network_acl_association_id)
    assert subnet.network_acl is acl
    second = net.replace_network_acl_association(vpc.default_network_acl, first)
    assert subnet.network_acl is vpc.default_network_acl
    assert subnet.network_acl_association_id == second != first


def test_a_replaced_association_id_is_gone(
    net: vpcsim.Network, subnet: vpcsim.Subnet, acl: vpcsim.NetworkAcl
) -> None:
    old = subnet.network_acl_association_id
    net.replace_network_acl_association(acl, subnet)
    with refused(net, "InvalidAssociationID.NotFound") as e:
        net.replace_network_acl_association(acl, old)
    assert old in e.value.message


def test_replace_association_with_a_nacl_of_another_vpc(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    foreign = net.create_network_acl(net.create_vpc("10.1.0.0/16"))
    with refused(net, "InvalidParameterValue") as e:
        net.replace_network_acl_association(foreign, subnet)
    assert foreign.id in e.value.message
    assert subnet.network_acl is subnet.vpc.default_network_acl


def test_replace_association_of_an_unknown_subnet(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    with refused(net, "InvalidSubnetID.NotFound"):
        net.replace_network_acl_association(acl, "subnet-00000000000000001")


# ---------------------------------------------------------------------- delete_network_acl


def test_delete_network_acl(net: vpcsim.Network, acl: vpcsim.NetworkAcl) -> None:
    _allow(net, acl, 100)
    net.delete_network_acl(acl.id)
    assert acl not in net
    assert acl not in net.network_acls


def test_default_nacl_cannot_be_deleted(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.delete_network_acl(vpc.default_network_acl)
    assert vpc.default_network_acl.id in e.value.message


def test_associated_nacl_cannot_be_deleted(
    net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet, acl: vpcsim.NetworkAcl
) -> None:
    net.replace_network_acl_association(acl, subnet)
    with refused(net, "DependencyViolation") as e:
        net.delete_network_acl(acl)
    assert acl.id in e.value.message
    assert subnet.id in e.value.message
    net.replace_network_acl_association(vpc.default_network_acl, subnet)
    net.delete_network_acl(acl)
    assert acl not in net


def test_deleting_the_subnet_releases_its_nacl(
    net: vpcsim.Network, subnet: vpcsim.Subnet, acl: vpcsim.NetworkAcl
) -> None:
    net.replace_network_acl_association(acl, subnet)
    net.delete_subnet(subnet)
    net.delete_network_acl(acl)
    assert acl not in net


def test_delete_an_unknown_nacl(net: vpcsim.Network) -> None:
    with refused(net, "InvalidNetworkAclID.NotFound") as e:
        net.delete_network_acl("acl-00000000000000002")
    assert "acl-00000000000000002" in e.value.message
