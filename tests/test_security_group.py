"""Tests for security groups and their rules: Network.create/delete_security_group, authorize/revoke (SPEC G, X)."""

from __future__ import annotations

import ipaddress

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=7)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16")


@pytest.fixture
def sg(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.SecurityGroup:
    return net.create_security_group(vpc, "web", description="web servers")


def _v4(index: int) -> str:
    return f"198.{18 + index // 256}.{index % 256}.0/24"


def _v6(index: int) -> str:
    return f"2001:db8:{index:x}::/48"


# ---------------------------------------------------------------------- G3: what a new group holds


def test_new_security_group_has_no_inbound_and_one_outbound_allow_all(
    sg: vpcsim.SecurityGroup, vpc: vpcsim.Vpc
) -> None:
    # SPEC G3
    assert sg.ingress == []
    [rule] = sg.egress
    assert rule.egress
    assert rule.protocol == -1
    assert rule.cidr == ipaddress.ip_network("0.0.0.0/0")
    assert (rule.from_port, rule.to_port, rule.group_id, rule.prefix_list_id) == (None, None, None, None)
    assert sg.vpc is vpc
    assert sg.group_name == "web"
    assert not sg.is_default


def test_new_security_group_of_an_ipv6_vpc_also_allows_all_ipv6_out(net: vpcsim.Network) -> None:
    # SPEC G3: plus ::/0 when the VPC has IPv6
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    sg = net.create_security_group(vpc, "web")
    assert sg.ingress == []
    assert [(r.protocol, str(r.cidr)) for r in sg.egress] == [(-1, "0.0.0.0/0"), (-1, "::/0")]


def test_default_security_group_admits_itself_and_allows_all_out(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC G3
    default = vpc.default_security_group
    assert default.is_default
    assert default.group_name == "default"
    assert default in net.security_groups
    [inbound] = default.ingress
    assert (inbound.protocol, inbound.group_id, inbound.cidr) == (-1, default.id, None)
    [outbound] = default.egress
    assert (outbound.protocol, outbound.cidr) == (-1, ipaddress.ip_network("0.0.0.0/0"))


def test_default_security_group_of_an_ipv6_vpc_allows_all_ipv6_out(net: vpcsim.Network) -> None:
    # SPEC G3
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert [str(r.cidr) for r in vpc.default_security_group.egress] == ["0.0.0.0/0", "::/0"]


# ---------------------------------------------------------------------- create_security_group errors


def test_duplicate_group_name_in_the_same_vpc_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC X
    net.create_security_group(vpc, "web")
    with refused(net, "InvalidGroup.Duplicate") as e:
        net.create_security_group(vpc, "web")
    assert "'web'" in e.value.message


def test_same_group_name_in_another_vpc_is_fine(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    other = net.create_vpc("10.1.0.0/16")
    a = net.create_security_group(vpc, "web")
    b = net.create_security_group(other, "web")
    assert a.id != b.id
    assert b.vpc is other


def test_group_name_default_is_reserved(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC X
    with refused(net, "InvalidGroup.Reserved") as e:
        net.create_security_group(vpc, "default")
    assert "default" in e.value.message


@pytest.mark.parametrize("name", ["sg-x", ""])
def test_group_name_sg_prefix_or_empty_is_invalid(net: vpcsim.Network, vpc: vpcsim.Vpc, name: str) -> None:
    # SPEC X
    with refused(net, "InvalidParameterValue") as e:
        net.create_security_group(vpc, name)
    assert repr(name) in e.value.message


ALLOWED_TEXT = "Web-1 .tier_a:b/c(d)#e,f@g[h]+i=j&k;l{m}!n$o*"


def test_group_name_and_description_may_use_aws_character_set(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # AWS: a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{}!$*; the description may be empty.
    sg = net.create_security_group(vpc, ALLOWED_TEXT, description=ALLOWED_TEXT)
    assert (sg.group_name, sg.description) == (ALLOWED_TEXT, ALLOWED_TEXT)
    empty = net.create_security_group(vpc, "no-description", description="")
    assert empty.description == ""
    longest = net.create_security_group(vpc, "long", description="d" * 255)
    assert len(longest.description) == 255


@pytest.mark.parametrize("description", ["café", "line\nbreak", "tab\there", "50%", "quote'", "d" * 256, "naïve"])
def test_description_outside_the_aws_character_set_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, description: str
) -> None:
    with refused(net, "InvalidParameterValue", repr(description)):
        net.create_security_group(vpc, "web", description=description)


@pytest.mark.parametrize("name", ["café", "web\nservers", "a%b", "<web>", "web?"])
def test_group_name_outside_the_aws_character_set_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc, name: str) -> None:
    with refused(net, "InvalidParameterValue", repr(name)):
        net.create_security_group(vpc, name)


def test_create_security_group_in_an_unknown_vpc(net: vpcsim.Network) -> None:
    with refused(net, "InvalidVpcID.NotFound") as e:
        net.create_security_group("vpc-0000000000000000f", "web")
    assert "vpc-0000000000000000f" in e.value.message


# ---------------------------------------------------------------------- authorize: peers (G2)


def test_authorize_ingress_from_a_cidr(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G2: a CIDR peer
    rule = net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="203.0.113.0/24")
    assert sg.ingress == [rule]
    assert not rule.egress
    assert (rule.protocol, rule.from_port, rule.to_port) == (6, 22, 22)
    assert rule.cidr == ipaddress.ip_network("203.0.113.0/24")
    assert rule.id.startswith("sgr-")


def test_authorize_ingress_with_a_port_range_and_ipv6_cidr(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    rule = net.authorize_security_group_ingress(sg, protocol="udp", ports=(8000, 8100), cidr="2001:db8::/32")
    assert (rule.protocol, rule.from_port, rule.to_port, rule.address_family) == (17, 8000, 8100, 6)


def test_authorize_egress_to_a_cidr(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G2
    rule = net.authorize_security_group_egress(sg, protocol="tcp", ports=443, cidr="10.0.0.0/16")
    assert sg.egress[-1] == rule
    assert len(sg.egress) == 2
    assert rule.egress
    assert sg.ingress == []


def test_authorize_with_a_prefix_list_peer(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G2: a prefix-list peer
    pl = net.create_managed_prefix_list("office", max_entries=2, entries=["192.0.2.0/24"])
    inbound = net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, prefix_list=pl)
    outbound = net.authorize_security_group_egress(sg, protocol="tcp", ports=443, prefix_list=pl.id)
    assert (inbound.prefix_list_id, inbound.cidr, inbound.group_id) == (pl.id, None, None)
    assert outbound.prefix_list_id == pl.id


def test_authorize_with_an_unknown_prefix_list(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    with refused(net, "InvalidPrefixListID.NotFound") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, prefix_list="pl-00000000000000001")
    assert "pl-00000000000000001" in e.value.message


def test_authorize_with_a_security_group_of_the_same_vpc(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC G2: an SG reference
    app = net.create_security_group(vpc, "app")
    inbound = net.authorize_security_group_ingress(app, protocol="tcp", ports=8080, source_group=sg)
    outbound = net.authorize_security_group_egress(sg, protocol="tcp", ports=8080, destination_group=app.id)
    assert (inbound.group_id, inbound.cidr, inbound.prefix_list_id) == (sg.id, None, None)
    assert outbound.group_id == app.id


def test_security_group_of_a_peered_vpc_is_accepted_while_the_peering_is_active(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC G2
    other = net.create_vpc("10.1.0.0/16")
    remote = net.create_security_group(other, "remote")
    pcx = net.create_vpc_peering_connection(vpc, other, auto_accept=False)
    with refused(net, "InvalidGroup.NotFound") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, source_group=remote)
    assert remote.id in e.value.message
    net.accept_vpc_peering_connection(pcx)
    rule = net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, source_group=remote)
    assert rule.group_id == remote.id
    assert sg.ingress == [rule]


def test_security_group_of_an_unpeered_vpc_is_not_found(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC G2
    other = net.create_vpc("10.1.0.0/16")
    remote = net.create_security_group(other, "remote")
    with refused(net, "InvalidGroup.NotFound") as e:
        net.authorize_security_group_egress(sg, protocol="-1", destination_group=remote)
    assert remote.id in e.value.message


def test_security_group_across_an_inter_region_peering_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC G2: an SG reference works across peering, but not across inter-Region peering
    net.add_region("us-west-2")
    other = net.create_vpc("10.1.0.0/16", region="us-west-2")
    remote = net.create_security_group(other, "remote")
    net.create_vpc_peering_connection(vpc, other)
    with refused(net, "InvalidGroup.NotFound") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, source_group=remote)
    assert remote.id in e.value.message


def test_unknown_security_group_peer(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    with refused(net, "InvalidGroup.NotFound") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, source_group="sg-00000000000000001")
    assert "sg-00000000000000001" in e.value.message


def test_authorize_on_an_unknown_group(net: vpcsim.Network) -> None:
    with refused(net, "InvalidGroup.NotFound") as e:
        net.authorize_security_group_ingress("sg-00000000000000002", protocol="tcp", ports=22, cidr="10.0.0.0/8")
    assert "sg-00000000000000002" in e.value.message


@pytest.mark.parametrize(
    "peers",
    [
        {},
        {"cidr": "10.0.0.0/8", "prefix_list": "PL"},
        {"cidr": "10.0.0.0/8", "source_group": "SELF"},
        {"source_group": "SELF", "prefix_list": "PL"},
    ],
    ids=["none", "cidr+prefix_list", "cidr+group", "group+prefix_list"],
)
def test_exactly_one_peer_is_required(net: vpcsim.Network, sg: vpcsim.SecurityGroup, peers: dict[str, str]) -> None:
    # SPEC G2: a rule's peer is a CIDR, a prefix list or an SG, exactly one
    pl = net.create_managed_prefix_list("office", max_entries=1)
    resolved = {k: {"PL": pl.id, "SELF": sg.id}.get(v, v) for k, v in peers.items()}
    with refused(net, "InvalidParameterCombination"):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, **resolved)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- authorize: protocol and ports


@pytest.mark.parametrize("protocol", ["tcp", "udp", 6, 17])
def test_tcp_and_udp_need_ports(net: vpcsim.Network, sg: vpcsim.SecurityGroup, protocol: str | int) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.authorize_security_group_ingress(sg, protocol=protocol, cidr="10.0.0.0/8")
    assert "portRange" in e.value.message


@pytest.mark.parametrize("protocol", ["tcp", "udp"])
@pytest.mark.parametrize(
    ("ports", "named"), [(70000, "70000"), (-1, "-1"), ((0, 65536), "65536"), ((-1, 80), "-1"), (65536, "65536")]
)
def test_ports_out_of_range_are_malformed_naming_the_value(
    net: vpcsim.Network, sg: vpcsim.SecurityGroup, protocol: str, ports: int | tuple[int, int], named: str
) -> None:
    # AWS: a TCP/UDP port outside 0..65535 is InvalidPermission.Malformed.
    with refused(net, "InvalidPermission.Malformed") as e:
        net.authorize_security_group_ingress(sg, protocol=protocol, ports=ports, cidr="10.0.0.0/8")
    assert f"Value ({named})" in e.value.message


def test_reversed_port_range_is_invalid_parameter_value(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=(443, 80), cidr="10.0.0.0/8")
    assert "Value ((443, 80))" in e.value.message


def test_port_70000_is_named_in_the_error(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    with refused(net, "InvalidPermission.Malformed") as e:
        net.authorize_security_group_egress(sg, protocol="tcp", ports=70000, cidr="10.0.0.0/8")
    assert "70000" in e.value.message


@pytest.mark.parametrize("protocol", ["tpc", "256", 256, -2, "ftp"])
def test_unknown_protocol_is_refused_naming_the_value(
    net: vpcsim.Network, sg: vpcsim.SecurityGroup, protocol: str | int
) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.authorize_security_group_ingress(sg, protocol=protocol, ports=22, cidr="10.0.0.0/8")
    assert repr(protocol) in e.value.message


@pytest.mark.parametrize("cidr", ["10.0.0.300/16", "10.0.0.0/33", "10.0.0.0", "nonsense"])
def test_bad_cidr_is_refused_naming_the_value(net: vpcsim.Network, sg: vpcsim.SecurityGroup, cidr: str) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr=cidr)
    assert repr(cidr) in e.value.message


def test_cidr_with_host_bits_is_normalised(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # AWS keeps the network address of a CIDR given with host bits set, so the rule is 10.0.0.0/16.
    rule = net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.1/16")
    assert rule.cidr == ipaddress.ip_network("10.0.0.0/16")
    v6 = net.authorize_security_group_egress(sg, protocol="tcp", ports=22, cidr="2001:db8::1/32")
    assert v6.cidr == ipaddress.ip_network("2001:db8::/32")
    with refused(net, "InvalidPermission.Duplicate", "10.0.0.0/16"):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/16")
    net.revoke_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.255.255/16")
    assert sg.ingress == []


def test_icmp_rule_holds_type_and_code(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # ICMP "ports" are (type, code), -1 meaning any
    echo = net.authorize_security_group_ingress(sg, protocol="icmp", ports=(8, 0), cidr="10.0.0.0/8")
    unreachable = net.authorize_security_group_ingress(sg, protocol=1, ports=(3, -1), cidr="10.0.0.0/8")
    v6 = net.authorize_security_group_ingress(sg, protocol="icmpv6", ports=(128, 0), cidr="2001:db8::/32")
    assert (echo.protocol, echo.from_port, echo.to_port) == (1, 8, 0)
    assert (unreachable.from_port, unreachable.to_port) == (3, -1)
    assert (v6.protocol, v6.from_port, v6.to_port) == (58, 128, 0)


@pytest.mark.parametrize(
    ("protocol", "cidr", "type_code", "named"),
    [
        ("icmp", "10.0.0.0/8", (300, 0), "300"),
        ("icmp", "10.0.0.0/8", (8, 256), "256"),
        ("icmp", "10.0.0.0/8", (-2, 0), "-2"),
        (1, "10.0.0.0/8", (0, -5), "-5"),
        ("icmpv6", "2001:db8::/32", (128, 999), "999"),
    ],
)
def test_icmp_type_or_code_out_of_range_is_malformed(
    net: vpcsim.Network,
    sg: vpcsim.SecurityGroup,
    protocol: str | int,
    cidr: str,
    type_code: tuple[int, int],
    named: str,
) -> None:
    # AWS: an ICMP type or code outside -1..255 is InvalidPermission.Malformed.
    with refused(net, "InvalidPermission.Malformed") as e:
        net.authorize_security_group_ingress(sg, protocol=protocol, ports=type_code, cidr=cidr)
    assert f"Value ({named})" in e.value.message


@pytest.mark.parametrize("protocol", ["icmp", 1, "1"])
@pytest.mark.parametrize("egress", [False, True])
def test_icmp_rule_without_type_and_code_is_refused(
    net: vpcsim.Network, sg: vpcsim.SecurityGroup, protocol: str | int, egress: bool
) -> None:
    # AWS: "Must specify both from and to ports with ICMP." (ICMPv6 needs none.)
    authorize = net.authorize_security_group_egress if egress else net.authorize_security_group_ingress
    with refused(net, "InvalidParameterValue", "Must specify both from and to ports with ICMP."):
        authorize(sg, protocol=protocol, cidr="10.0.0.0/8")


def test_icmpv6_rule_without_type_and_code_allows_any(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    rule = net.authorize_security_group_ingress(sg, protocol="icmpv6", cidr="2001:db8::/32")
    assert (rule.protocol, rule.from_port, rule.to_port) == (58, -1, -1)
    assert sg.ingress == [rule]


def test_revoke_an_icmp_rule_without_type_and_code(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # Revoking does not require ICMP ports: none means any type and code, and must match a rule.
    echo = net.authorize_security_group_ingress(sg, protocol="icmp", ports=(8, 0), cidr="10.0.0.0/8")
    net.authorize_security_group_ingress(sg, protocol="icmp", ports=(-1, -1), cidr="10.0.0.0/8")
    net.revoke_security_group_ingress(sg, protocol="icmp", cidr="10.0.0.0/8")
    assert sg.ingress == [echo]
    with refused(net, "InvalidPermission.NotFound", sg.id):
        net.revoke_security_group_ingress(sg, protocol="icmp", cidr="10.0.0.0/8")


def test_icmp_with_an_ipv6_cidr_is_refused(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    with refused(net, "InvalidParameterValue") as e:
        net.authorize_security_group_ingress(sg, protocol="icmp", ports=(8, 0), cidr="2001:db8::/32")
    assert "2001:db8::/32" in e.value.message


@pytest.mark.parametrize("protocol", [-1, "-1", "all"])
def test_protocol_all_carries_no_ports(net: vpcsim.Network, sg: vpcsim.SecurityGroup, protocol: str | int) -> None:
    rule = net.authorize_security_group_ingress(sg, protocol=protocol, cidr="10.0.0.0/8")
    assert (rule.protocol, rule.from_port, rule.to_port) == (-1, None, None)


def test_protocol_all_ignores_ports(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # EC2 API: with -1 "traffic on all ports is allowed, regardless of any port range you specify"
    rule = net.authorize_security_group_ingress(sg, protocol=-1, ports=22, cidr="10.0.0.0/8")
    assert (rule.from_port, rule.to_port) == (None, None)


def test_protocol_without_ports_by_number(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    esp = net.authorize_security_group_ingress(sg, protocol=50, cidr="10.0.0.0/8")
    assert (esp.protocol, esp.from_port, esp.to_port) == (50, None, None)


# ---------------------------------------------------------------------- InvalidPermission.Duplicate (G7)


def test_same_rule_twice_is_a_duplicate(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G7: duplicate rule
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/8", description="ssh")
    with refused(net, "InvalidPermission.Duplicate") as e:
        # the same rule written differently: protocol number, (22, 22), another description
        net.authorize_security_group_ingress(sg, protocol=6, ports=(22, 22), cidr="10.0.0.0/8", description="other")
    assert sg.id in e.value.message
    assert "10.0.0.0/8" in e.value.message


def test_default_egress_rule_cannot_be_added_again(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G3 + G7
    with refused(net, "InvalidPermission.Duplicate"):
        net.authorize_security_group_egress(sg, protocol="-1", cidr="0.0.0.0/0")


def test_duplicate_security_group_reference(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC G7
    with refused(net, "InvalidPermission.Duplicate"):
        net.authorize_security_group_ingress(
            vpc.default_security_group, protocol=-1, source_group=vpc.default_security_group
        )


def test_same_fields_in_the_other_direction_or_other_ports_are_not_duplicates(
    net: vpcsim.Network, sg: vpcsim.SecurityGroup
) -> None:
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    net.authorize_security_group_egress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=(22, 23), cidr="10.0.0.0/8")
    net.authorize_security_group_ingress(sg, protocol="udp", ports=22, cidr="10.0.0.0/8")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/9")
    assert len(sg.ingress) == 4
    assert len(sg.egress) == 2


# ---------------------------------------------------------------------- revoke


def test_revoke_ingress_by_fields(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    keep = net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    net.revoke_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    assert sg.ingress == [keep]


def test_revoke_egress_by_fields_removes_the_default_allow_all(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G3: the outbound allow-all is an ordinary rule that can be removed
    net.revoke_security_group_egress(sg, protocol=-1, cidr="0.0.0.0/0")
    assert sg.egress == []


def test_revoke_by_rule_id(net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup) -> None:
    app = net.create_security_group(vpc, "app")
    rule = net.authorize_security_group_ingress(app, protocol="tcp", ports=8080, source_group=sg)
    out = net.authorize_security_group_egress(sg, protocol="tcp", ports=8080, destination_group=app)
    net.revoke_security_group_ingress(app, rule_id=rule.id)
    net.revoke_security_group_egress(sg, rule_id=out.id)
    assert app.ingress == []
    assert out not in sg.egress
    assert len(sg.egress) == 1


def test_revoke_a_rule_that_does_not_exist(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    with refused(net, "InvalidPermission.NotFound") as e:
        net.revoke_security_group_ingress(sg, protocol="tcp", ports=23, cidr="10.0.0.0/8")
    assert sg.id in e.value.message
    assert "23" in e.value.message


@pytest.mark.parametrize("egress", [False, True])
def test_revoke_an_unknown_rule_id(net: vpcsim.Network, sg: vpcsim.SecurityGroup, egress: bool) -> None:
    # AWS: InvalidSecurityGroupRuleId.NotFound (revoking by fields stays InvalidPermission.NotFound).
    revoke = net.revoke_security_group_egress if egress else net.revoke_security_group_ingress
    with refused(net, "InvalidSecurityGroupRuleId.NotFound") as e:
        revoke(sg, rule_id="sgr-00000000000000001")
    assert "sgr-00000000000000001" in e.value.message
    assert sg.id in e.value.message


def test_revoke_ingress_with_an_egress_rule_id(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    [outbound] = sg.egress
    with refused(net, "InvalidSecurityGroupRuleId.NotFound") as e:
        net.revoke_security_group_ingress(sg, rule_id=outbound.id)
    assert outbound.id in e.value.message
    assert sg.egress == [outbound]


def test_revoke_with_a_rule_id_of_another_group(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    other = net.create_security_group(vpc, "other")
    rule = net.authorize_security_group_ingress(other, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    with refused(net, "InvalidSecurityGroupRuleId.NotFound", rule.id, sg.id):
        net.revoke_security_group_ingress(sg, rule_id=rule.id)
    assert other.ingress == [rule]


def test_revoke_a_stale_reference_after_the_peering_is_deleted(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC G2. VPC guide, stale security group rules: when the peering is deleted the rule becomes stale, and
    # "you can delete stale security group rules as you would any other security group rule".
    other = net.create_vpc("10.1.0.0/16")
    remote = net.create_security_group(other, "remote")
    pcx = net.create_vpc_peering_connection(vpc, other)
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, source_group=remote)
    net.delete_vpc_peering_connection(pcx)
    net.revoke_security_group_ingress(sg, protocol="tcp", ports=22, source_group=remote)
    assert sg.ingress == []


# ---------------------------------------------------------------------- G7: rule quotas


def _fill(
    net: vpcsim.Network, sg: vpcsim.SecurityGroup, count: int, *, egress: bool = False, v6: bool = False
) -> None:
    authorize = net.authorize_security_group_egress if egress else net.authorize_security_group_ingress
    for i in range(count):
        authorize(sg, protocol="tcp", ports=443, cidr=_v6(i) if v6 else _v4(i))


def test_sixty_inbound_ipv4_rules_fit_the_sixty_first_is_refused(
    net: vpcsim.Network, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC G7
    _fill(net, sg, 60)
    assert len(sg.ingress) == 60
    with refused(net, "RulesPerSecurityGroupLimitExceeded") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr=_v4(60))
    assert sg.id in e.value.message


def test_ipv6_inbound_rules_have_their_own_budget(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G7 (VPC quotas: "enforced separately for IPv4 rules and IPv6 rules")
    _fill(net, sg, 60)
    _fill(net, sg, 60, v6=True)
    assert len(sg.ingress) == 120
    with refused(net, "RulesPerSecurityGroupLimitExceeded"):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr=_v6(60))


def test_outbound_rules_have_their_own_sixty(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G7: 60 inbound + 60 outbound; the default allow-all is one of the outbound 60
    _fill(net, sg, 60)
    _fill(net, sg, 59, egress=True)
    assert len(sg.egress) == 60
    with refused(net, "RulesPerSecurityGroupLimitExceeded") as e:
        net.authorize_security_group_egress(sg, protocol="tcp", ports=443, cidr=_v4(59))
    assert "outbound" in e.value.message


def test_a_prefix_list_rule_weighs_its_max_entries(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G7 (VPC quotas: a customer-managed prefix list counts as its maximum number of entries)
    pl = net.create_managed_prefix_list("partners", max_entries=10, entries=["192.0.2.0/24"])
    _fill(net, sg, 51)
    with refused(net, "RulesPerSecurityGroupLimitExceeded"):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, prefix_list=pl)
    net.revoke_security_group_ingress(sg, protocol="tcp", ports=443, cidr=_v4(50))
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, prefix_list=pl)
    assert len(sg.ingress) == 51
    with refused(net, "RulesPerSecurityGroupLimitExceeded"):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr=_v4(50))


def test_an_ipv6_prefix_list_weighs_on_the_ipv6_budget(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    # SPEC G7
    pl = net.create_managed_prefix_list("partners6", max_entries=30, address_family="IPv6")
    _fill(net, sg, 60)
    _fill(net, sg, 30, v6=True)
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, prefix_list=pl)
    with refused(net, "RulesPerSecurityGroupLimitExceeded"):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr=_v6(30))


def test_a_security_group_reference_counts_for_ipv4_and_for_ipv6(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC G7. VPC quotas: "A rule that references a security group ... counts as one rule for IPv4 and one
    # rule for IPv6", so with 60 IPv6 inbound rules there is no room left for an SG reference.
    _fill(net, sg, 60, v6=True)
    with refused(net, "RulesPerSecurityGroupLimitExceeded"):
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, source_group=vpc.default_security_group)


def test_rules_per_security_group_quota_is_configurable() -> None:
    # SPEC G7: Quotas(rules_per_security_group=...)
    net = vpcsim.Network(seed=7, quotas=vpcsim.Quotas(rules_per_security_group=5))
    vpc = net.create_vpc("10.0.0.0/16")
    sg = net.create_security_group(vpc, "small")
    _fill(net, sg, 5)
    with refused(net, "RulesPerSecurityGroupLimitExceeded") as e:
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr=_v4(5))
    assert "quota of 5" in e.value.message


def test_revoking_frees_quota(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    _fill(net, sg, 60)
    net.revoke_security_group_ingress(sg, rule_id=sg.ingress[0].id)
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr=_v4(60))
    assert len(sg.ingress) == 60


# ---------------------------------------------------------------------- delete_security_group


def test_delete_security_group(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    net.delete_security_group(sg.id)
    assert sg not in net
    assert sg not in net.security_groups


def test_default_security_group_cannot_be_deleted(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # SPEC X: CannotDelete
    default = vpc.default_security_group
    with refused(net, "CannotDelete") as e:
        net.delete_security_group(default)
    assert default.id in e.value.message


def test_security_group_in_use_by_an_eni_cannot_be_deleted(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC X: DependencyViolation
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    eni = net.create_network_interface(subnet, security_groups=[sg])
    with refused(net, "DependencyViolation") as e:
        net.delete_security_group(sg)
    assert sg.id in e.value.message
    assert eni.id in e.value.message
    net.delete_network_interface(eni)
    net.delete_security_group(sg)
    assert sg not in net


def test_security_group_referenced_by_another_groups_rule_cannot_be_deleted(
    net: vpcsim.Network, vpc: vpcsim.Vpc, sg: vpcsim.SecurityGroup
) -> None:
    # SPEC X: DependencyViolation
    app = net.create_security_group(vpc, "app")
    rule = net.authorize_security_group_egress(app, protocol="tcp", ports=80, destination_group=sg)
    with refused(net, "DependencyViolation") as e:
        net.delete_security_group(sg)
    assert app.id in e.value.message
    net.revoke_security_group_egress(app, rule_id=rule.id)
    net.delete_security_group(sg)
    assert sg not in net


def test_a_reference_to_itself_does_not_block_deletion(net: vpcsim.Network, sg: vpcsim.SecurityGroup) -> None:
    net.authorize_security_group_ingress(sg, protocol=-1, source_group=sg)
    net.delete_security_group(sg)
    assert sg not in net


def test_delete_an_unknown_security_group(net: vpcsim.Network) -> None:
    with refused(net, "InvalidGroup.NotFound") as e:
        net.delete_security_group("sg-00000000000000003")
    assert "sg-00000000000000003" in e.value.message
