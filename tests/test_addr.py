"""Tests for vpcsim.addr: CIDR, address, protocol and port parsing (SPEC N5, G2, X).

Every bad value is refused with ``AwsError("InvalidParameterValue")``, which is also a ``ValueError``, and the
message names the offending value and the field it was given for.
"""

from __future__ import annotations

import ipaddress

import pytest

import vpcsim
from vpcsim.addr import parse_address, parse_network, parse_port_range, parse_protocol, protocol_name

TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58


# ---------------------------------------------------------------------- parse_network


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.0/16", ipaddress.IPv4Network("10.0.0.0/16")),
        ("0.0.0.0/0", ipaddress.IPv4Network("0.0.0.0/0")),
        ("10.0.1.7/32", ipaddress.IPv4Network("10.0.1.7/32")),
        (" 172.16.0.0/12 ", ipaddress.IPv4Network("172.16.0.0/12")),
        ("2001:db8::/32", ipaddress.IPv6Network("2001:db8::/32")),
        ("::/0", ipaddress.IPv6Network("::/0")),
    ],
)
def test_parse_network_accepts_canonical_cidrs(text: str, expected: object) -> None:
    assert parse_network(text) == expected
    assert type(parse_network(text)) is type(expected)


def test_parse_network_passes_network_objects_through() -> None:
    block = ipaddress.IPv6Network("2600:1f00::/56")
    assert parse_network(block) is block


def test_parse_network_malformed_cidr_names_the_value() -> None:
    # SPEC X: the message names the offending value and the field.
    with pytest.raises(vpcsim.AwsError) as e:
        parse_network("10.0.0.300/16")
    assert e.value.code == "InvalidParameterValue"
    assert "'10.0.0.300/16'" in e.value.message
    assert "cidrBlock" in e.value.message
    assert "not a valid CIDR block" in e.value.message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.0.1/16", ipaddress.IPv4Network("10.0.0.0/16")),
        ("10.0.1.0/16", ipaddress.IPv4Network("10.0.0.0/16")),
        ("192.168.1.1/24", ipaddress.IPv4Network("192.168.1.0/24")),
        ("100.68.0.18/18", ipaddress.IPv4Network("100.68.0.0/18")),
        ("10.0.1.7/0", ipaddress.IPv4Network("0.0.0.0/0")),
        ("2001:db8::1/32", ipaddress.IPv6Network("2001:db8::/32")),
    ],
)
def test_parse_network_drops_host_bits(text: str, expected: object) -> None:
    # AWS accepts a block with host bits set and keeps its network address (100.68.0.18/18 -> 100.68.0.0/18).
    assert parse_network(text) == expected
    assert type(parse_network(text)) is type(expected)


@pytest.mark.parametrize(
    "value",
    [
        "10.0.0.300/16",
        "10.0.0.0",
        "10.0.0.0/33",
        "10.0.0.0/",
        "/16",
        "",
        "banana",
        "banana/8",
        "2001:db8::/129",
        167772160,
        None,
    ],
)
def test_parse_network_refuses_non_cidrs(value: object) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_network(value)
    assert e.value.code == "InvalidParameterValue"
    assert repr(value) in e.value.message


def test_parse_network_uses_the_field_name_given() -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_network("10.0.0.0/40", "destinationCidrBlock")
    assert e.value.code == "InvalidParameterValue"
    assert "parameter destinationCidrBlock" in e.value.message


@pytest.mark.parametrize(
    ("text", "version", "needed"), [("::/0", 4, "IPv4"), ("2001:db8::/56", 4, "IPv4"), ("10.0.0.0/16", 6, "IPv6")]
)
def test_parse_network_refuses_the_wrong_address_family(text: str, version: int, needed: str) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_network(text, version=version)
    assert e.value.code == "InvalidParameterValue"
    assert repr(text) in e.value.message
    assert f"An {needed} CIDR block is required" in e.value.message


def test_parse_network_errors_are_value_errors() -> None:
    # STYLE: AwsError(VpcsimError, ValueError), so callers catching bad values catch it.
    with pytest.raises(ValueError, match=r"10\.0\.0\.300/16"):
        parse_network("10.0.0.300/16")


# ---------------------------------------------------------------------- parse_address


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10.0.1.5", ipaddress.IPv4Address("10.0.1.5")),
        (" 10.0.1.5 ", ipaddress.IPv4Address("10.0.1.5")),
        ("2001:db8::4", ipaddress.IPv6Address("2001:db8::4")),
        ("fd00:ec2::254", ipaddress.IPv6Address("fd00:ec2::254")),
    ],
)
def test_parse_address_accepts_ipv4_and_ipv6(text: str, expected: object) -> None:
    assert parse_address(text) == expected


@pytest.mark.parametrize("value", ["10.0.1.256", "10.0.1", "10.0.1.0/24", "2001:db8::g", "", 167772161, None])
def test_parse_address_refuses_bad_addresses(value: object) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_address(value)
    assert e.value.code == "InvalidParameterValue"
    assert repr(value) in e.value.message
    assert "privateIpAddress" in e.value.message


@pytest.mark.parametrize(("text", "version"), [("2001:db8::4", 4), ("10.0.1.5", 6)])
def test_parse_address_refuses_the_wrong_address_family(text: str, version: int) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_address(text, "ipv6Address", version=version)
    assert e.value.code == "InvalidParameterValue"
    assert repr(text) in e.value.message
    assert f"An IPv{version} address is required" in e.value.message


# ---------------------------------------------------------------------- parse_protocol (SPEC N5)


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("tcp", 6),
        ("TCP", 6),
        (" udp ", 17),
        ("icmp", 1),
        ("icmpv6", 58),
        ("-1", -1),
        ("all", -1),
        (-1, -1),
        (6, 6),
        ("17", 17),
        (50, 50),
        (0, 0),
        (255, 255),
    ],
)
def test_parse_protocol_names_and_numbers(value: object, number: int) -> None:
    assert parse_protocol(value) == number


@pytest.mark.parametrize("value", ["tpc", "", "6.0", "-2", "256", 256, -2, 6.0, None, True, False])
def test_parse_protocol_refuses_unknown_protocols(value: object) -> None:
    # A bool is not a protocol number, although bool is an int subclass.
    with pytest.raises(vpcsim.AwsError) as e:
        parse_protocol(value)
    assert e.value.code == "InvalidParameterValue"
    assert repr(value) in e.value.message
    assert "ipProtocol" in e.value.message


@pytest.mark.parametrize(
    ("number", "name"), [(6, "tcp"), (17, "udp"), (1, "icmp"), (58, "icmpv6"), (-1, "-1"), (50, "50")]
)
def test_protocol_name(number: int, name: str) -> None:
    assert protocol_name(number) == name


# ---------------------------------------------------------------------- parse_port_range (SPEC N5)


@pytest.mark.parametrize("protocol", [TCP, UDP])
@pytest.mark.parametrize(
    ("ports", "expected"),
    [(80, (80, 80)), (0, (0, 0)), (65535, (65535, 65535)), ((1024, 65535), (1024, 65535)), ([53, 53], (53, 53))],
)
def test_port_ranges_for_tcp_and_udp(protocol: int, ports: object, expected: tuple[int, int]) -> None:
    assert parse_port_range(ports, protocol) == expected


@pytest.mark.parametrize("protocol", [TCP, UDP])
@pytest.mark.parametrize("ports", [70000, 65536, -1, (0, 70000), (-1, 80), "80", 80.0, (True, 80), True, False])
def test_port_out_of_range_or_not_an_int_is_refused(protocol: int, ports: object) -> None:
    # True/False are ints to Python but never ports; the message names the bad value.
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(ports, protocol)
    assert e.value.code == "InvalidParameterValue"
    assert "portRange" in e.value.message
    assert "0..65535" in e.value.message


def test_port_70000_message_names_the_value() -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(70000, TCP)
    assert "(70000)" in e.value.message


def test_first_port_after_last_is_refused() -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range((8100, 8000), TCP)
    assert e.value.code == "InvalidParameterValue"
    assert "(8100, 8000)" in e.value.message


@pytest.mark.parametrize("ports", [(1, 2, 3), (), [80]])
def test_port_pair_must_have_two_items(ports: object) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(ports, UDP)
    assert e.value.code == "InvalidParameterValue"
    assert "(first, last) pair" in e.value.message


@pytest.mark.parametrize("protocol", [TCP, UDP])
def test_tcp_and_udp_require_a_port_range(protocol: int) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(None, protocol, "portRange")
    assert e.value.code == "InvalidParameterValue"
    assert "A port range is required" in e.value.message


@pytest.mark.parametrize("protocol", [ICMP, ICMPV6])
@pytest.mark.parametrize(
    ("type_code", "expected"), [(None, (-1, -1)), ((8, 0), (8, 0)), ((3, -1), (3, -1)), ((-1, -1), (-1, -1))]
)
def test_icmp_type_and_code(protocol: int, type_code: object, expected: tuple[int, int]) -> None:
    # SPEC N5: ICMP takes (type, code), -1 meaning any; None means any type and code.
    assert parse_port_range(type_code, protocol) == expected


@pytest.mark.parametrize("protocol", [ICMP, ICMPV6])
@pytest.mark.parametrize("type_code", [(256, 0), (8, 256), (-2, 0), (8, -2), (True, 0), ("8", 0)])
def test_icmp_type_or_code_out_of_range_is_refused(protocol: int, type_code: object) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(type_code, protocol, "icmpTypeCode")
    assert e.value.code == "InvalidParameterValue"
    assert "icmpTypeCode" in e.value.message
    assert "-1..255" in e.value.message


@pytest.mark.parametrize("protocol", [-1, 50, 47])
def test_protocols_without_ports_carry_none(protocol: int) -> None:
    assert parse_port_range(None, protocol) is None
    assert parse_port_range(70000, protocol) is None


# ---------------------------------------------------------------------- parse_port_range: security group options


@pytest.mark.parametrize(
    ("protocol", "ports", "named"), [(TCP, 70000, "70000"), (UDP, -1, "-1"), (ICMP, (300, 0), "300")]
)
def test_out_of_range_uses_the_code_given(protocol: int, ports: object, named: str) -> None:
    # Security groups report a port or ICMP type/code out of range as InvalidPermission.Malformed.
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(ports, protocol, code="InvalidPermission.Malformed")
    assert e.value.code == "InvalidPermission.Malformed"
    assert named in e.value.message


@pytest.mark.parametrize(("protocol", "ports"), [(TCP, None), (TCP, (443, 80))])
def test_missing_or_reversed_ports_stay_invalid_parameter_value_whatever_the_code(
    protocol: int, ports: object
) -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(ports, protocol, code="InvalidPermission.Malformed")
    assert e.value.code == "InvalidParameterValue"
    assert repr(ports) in e.value.message


def test_icmp_required_refuses_icmp_without_type_and_code() -> None:
    with pytest.raises(vpcsim.AwsError) as e:
        parse_port_range(None, ICMP, icmp_required=True)
    assert e.value.code == "InvalidParameterValue"
    assert "Must specify both from and to ports with ICMP." in e.value.message
    assert parse_port_range((8, 0), ICMP, icmp_required=True) == (8, 0)


def test_icmp_required_lets_icmpv6_without_type_and_code_mean_any() -> None:
    assert parse_port_range(None, ICMPV6, icmp_required=True) == (-1, -1)
