"""Tests for vpcsim.Quotas: AWS default service quotas, their bounds and their effect on a Network (SPEC G7, N5)."""

from __future__ import annotations

import attrs
import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused

# (field, AWS default, lowest accepted, highest accepted)
FIELDS = [
    ("rules_per_security_group", 60, 1, 1000),  # SPEC G7
    ("security_groups_per_interface", 5, 1, 16),  # SPEC G7
    ("network_acl_rules", 20, 1, 40),  # SPEC N5
    ("ipv4_cidr_blocks_per_vpc", 5, 1, 50),
    ("security_groups_per_region", 2500, 1, 10000),
]
FIELD_IDS = [f[0] for f in FIELDS]


@pytest.mark.parametrize(("field", "default", "low", "high"), FIELDS, ids=FIELD_IDS)
def test_defaults_are_aws_defaults(field: str, default: int, low: int, high: int) -> None:
    assert getattr(vpcsim.Quotas(), field) == default


def test_every_quota_is_covered() -> None:
    assert [f.name for f in attrs.fields(vpcsim.Quotas)] == FIELD_IDS


def test_a_network_uses_the_default_quotas_unless_given_others() -> None:
    assert vpcsim.Network().quotas == vpcsim.Quotas()
    quotas = vpcsim.Quotas(network_acl_rules=40)
    assert vpcsim.Network(quotas=quotas).quotas is quotas


@pytest.mark.parametrize(("field", "default", "low", "high"), FIELDS, ids=FIELD_IDS)
def test_bounds_are_accepted(field: str, default: int, low: int, high: int) -> None:
    # The G7 product limit (rules x SGs per ENI <= 1000) makes the other factor give way at the top of a range.
    partner = {
        "rules_per_security_group": "security_groups_per_interface",
        "security_groups_per_interface": "rules_per_security_group",
    }
    assert getattr(vpcsim.Quotas(**{field: low}), field) == low
    assert getattr(vpcsim.Quotas(**{field: high, **({partner[field]: 1} if field in partner else {})}), field) == high


@pytest.mark.parametrize(("field", "default", "low", "high"), FIELDS, ids=FIELD_IDS)
def test_below_the_lowest_is_refused_naming_field_and_value(field: str, default: int, low: int, high: int) -> None:
    with pytest.raises(ValueError, match=rf"'{field}' must be >= {low}: {low - 1}"):
        vpcsim.Quotas(**{field: low - 1})


@pytest.mark.parametrize(("field", "default", "low", "high"), FIELDS, ids=FIELD_IDS)
def test_above_the_highest_is_refused_naming_field_and_value(field: str, default: int, low: int, high: int) -> None:
    with pytest.raises(ValueError, match=rf"'{field}' must be <= {high}: {high + 1}"):
        vpcsim.Quotas(**{field: high + 1})


@pytest.mark.parametrize("value", ["60", 60.0, None])
@pytest.mark.parametrize("field", FIELD_IDS)
def test_a_quota_must_be_an_integer(field: str, value: object) -> None:
    with pytest.raises(TypeError, match=field):
        vpcsim.Quotas(**{field: value})


def test_a_bool_is_not_a_quota() -> None:
    # The rest of vpcsim refuses True where a number is due (ports, counts, rule numbers, max_entries).
    for field in FIELD_IDS:
        with pytest.raises((TypeError, ValueError), match=field):
            vpcsim.Quotas(**{field: True})


def test_quotas_are_keyword_only_and_frozen() -> None:
    with pytest.raises(TypeError):
        vpcsim.Quotas(60)  # type: ignore[misc]
    quotas = vpcsim.Quotas()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        quotas.network_acl_rules = 40  # type: ignore[misc]


def test_quotas_compare_by_value() -> None:
    assert vpcsim.Quotas(network_acl_rules=30) == vpcsim.Quotas(network_acl_rules=30)
    assert vpcsim.Quotas(network_acl_rules=30) != vpcsim.Quotas()


def test_rules_times_groups_per_interface_may_reach_1000() -> None:
    # VPC quotas: rules per security group x security groups per interface "cannot exceed 1,000"
    quotas = vpcsim.Quotas(rules_per_security_group=100, security_groups_per_interface=10)
    assert quotas.rules_per_security_group * quotas.security_groups_per_interface == 1000


def test_rules_times_groups_per_interface_above_1000_is_refused() -> None:
    # VPC quotas: rules per security group x security groups per interface "cannot exceed 1,000"
    with pytest.raises(ValueError, match="security_groups_per_interface"):
        vpcsim.Quotas(rules_per_security_group=100, security_groups_per_interface=16)


# ---------------------------------------------------------------------- the quotas in effect


def test_security_groups_per_interface_quota() -> None:
    # SPEC G7: SecurityGroupsPerInterfaceLimitExceeded
    net = vpcsim.Network(seed=3, quotas=vpcsim.Quotas(security_groups_per_interface=2))
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    groups = [net.create_security_group(vpc, f"g{i}") for i in range(3)]
    eni = net.create_network_interface(subnet, security_groups=groups[:2])
    assert eni.security_groups == groups[:2]
    with refused(net, "SecurityGroupsPerInterfaceLimitExceeded") as e:
        net.create_network_interface(subnet, security_groups=groups)
    assert "2" in e.value.message


def test_default_security_groups_per_interface_is_five() -> None:
    # SPEC G7: 5 SGs per ENI
    net = vpcsim.Network(seed=3)
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    groups = [net.create_security_group(vpc, f"g{i}") for i in range(6)]
    net.create_network_interface(subnet, security_groups=groups[:5])
    with refused(net, "SecurityGroupsPerInterfaceLimitExceeded"):
        net.create_network_interface(subnet, security_groups=groups)


def test_security_groups_per_region_quota_counts_the_default_group() -> None:
    net = vpcsim.Network(seed=3, quotas=vpcsim.Quotas(security_groups_per_region=2))
    vpc = net.create_vpc("10.0.0.0/16")
    net.create_security_group(vpc, "one")
    with refused(net, "SecurityGroupLimitExceeded", "us-east-1", "2"):
        net.create_security_group(vpc, "two")


def test_security_groups_per_region_quota_counts_every_vpc_of_the_region() -> None:
    # AWS: security groups per Region (2,500 by default), default groups included.
    net = vpcsim.Network(seed=3, quotas=vpcsim.Quotas(security_groups_per_region=4))
    a, b = net.create_vpc("10.0.0.0/16"), net.create_vpc("10.1.0.0/16")
    net.create_security_group(a, "one")
    two = net.create_security_group(b, "two")
    assert len(net.security_groups) == 4
    for vpc in (a, b):
        with refused(net, "SecurityGroupLimitExceeded", "us-east-1"):
            net.create_security_group(vpc, "three")
    net.delete_security_group(two)  # a group of VPC b frees room for VPC a
    assert net.create_security_group(a, "three").vpc is a


def test_security_groups_of_another_region_do_not_count() -> None:
    net = vpcsim.Network(seed=3, quotas=vpcsim.Quotas(security_groups_per_region=2))
    net.add_region("eu-west-1")
    east = net.create_vpc("10.0.0.0/16")
    net.create_security_group(east, "one")
    west = net.create_vpc("10.0.0.0/16", region="eu-west-1")
    assert net.create_security_group(west, "one").vpc is west
    with refused(net, "SecurityGroupLimitExceeded", "eu-west-1"):
        net.create_security_group(west, "two")
    with refused(net, "SecurityGroupLimitExceeded", "us-east-1"):
        net.create_security_group(east, "two")


def test_ipv4_cidr_blocks_per_vpc_quota_counts_the_primary_block() -> None:
    net = vpcsim.Network(seed=3, quotas=vpcsim.Quotas(ipv4_cidr_blocks_per_vpc=2))
    vpc = net.create_vpc("10.0.0.0/16")
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    with refused(net, "CidrLimitExceeded") as e:
        net.associate_vpc_cidr_block(vpc, "10.2.0.0/16")
    assert vpc.id in e.value.message


def test_quotas_belong_to_their_network() -> None:
    small = vpcsim.Network(seed=3, quotas=vpcsim.Quotas(network_acl_rules=2))  # the "*" rule and one entry
    large = vpcsim.Network(seed=3)
    for net in (small, large):
        acl = net.create_network_acl(net.create_vpc("10.0.0.0/16"))
        net.create_network_acl_entry(acl, rule_number=1, egress=False, protocol=-1, action="allow", cidr="0.0.0.0/0")
    with refused(small, "NetworkAclEntryLimitExceeded"):
        small.create_network_acl_entry(
            small.network_acls[-1], rule_number=2, egress=False, protocol=-1, action="deny", cidr="0.0.0.0/0"
        )
    entry = large.create_network_acl_entry(
        large.network_acls[-1], rule_number=2, egress=False, protocol=-1, action="deny", cidr="0.0.0.0/0"
    )
    assert entry.rule_number == 2
