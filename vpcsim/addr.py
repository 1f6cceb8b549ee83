"""Address, CIDR, protocol and port parsing with errors that name the offending value.

The model uses the stdlib :mod:`ipaddress` types; the engine (later) uses numpy integer forms of them. Every
parser here raises :class:`vpcsim.AwsError` with code ``InvalidParameterValue`` (a ``ValueError``) on bad input,
so an EC2 operation fails before it changes anything (SPEC X).
"""

from __future__ import annotations

import ipaddress
from typing import Literal, TypeAlias

from vpcsim.errors import AwsError

__all__ = [
    "ALL_PROTOCOLS",
    "IPAddress",
    "IPNetwork",
    "PROTOCOL_NUMBERS",
    "parse_address",
    "parse_network",
    "parse_port_range",
    "parse_protocol",
    "protocol_name",
]

IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

ALL_PROTOCOLS = -1
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "-1": -1, "all": -1}
_PROTOCOL_NAMES = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", -1: "-1"}


def _invalid(field: str, value: object, why: str, code: str = "InvalidParameterValue") -> AwsError:
    return AwsError(code, f"Value ({value!r}) for parameter {field} is invalid. {why}")


def parse_network(value: object, field: str = "cidrBlock", version: Literal[4, 6] | None = None) -> IPNetwork:
    """Parse a CIDR block. Host bits are dropped, as AWS does (``10.0.0.5/16`` is ``10.0.0.0/16``).

    Examples
    --------
    >>> parse_network("10.0.0.0/16"), parse_network("10.0.0.5/16")
    (IPv4Network('10.0.0.0/16'), IPv4Network('10.0.0.0/16'))
    >>> parse_network("10.0.0.300/16")
    Traceback (most recent call last):
    ...
    vpcsim.errors.AwsError: InvalidParameterValue: Value ('10.0.0.300/16') for parameter cidrBlock is invalid. \
It is not a valid CIDR block.
    """
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        network: IPNetwork = value
    elif isinstance(value, str) and "/" in value:
        try:
            # AWS accepts host bits and keeps the network address: 100.68.0.18/18 becomes 100.68.0.0/18.
            network = ipaddress.ip_network(value.strip(), strict=False)
        except ValueError:
            raise _invalid(field, value, "It is not a valid CIDR block.") from None
    else:
        raise _invalid(field, value, "It is not a valid CIDR block.")
    if version is not None and network.version != version:
        raise _invalid(field, value, f"An IPv{version} CIDR block is required.")
    return network


def parse_address(value: object, field: str = "privateIpAddress", version: Literal[4, 6] | None = None) -> IPAddress:
    """Parse one IPv4 or IPv6 address.

    Examples
    --------
    >>> parse_address("10.0.1.5")
    IPv4Address('10.0.1.5')
    >>> parse_address("10.0.1.256")
    Traceback (most recent call last):
    ...
    vpcsim.errors.AwsError: InvalidParameterValue: Value ('10.0.1.256') for parameter privateIpAddress is invalid. \
It is not a valid IP address.
    """
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        address: IPAddress = value
    elif isinstance(value, str):
        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            raise _invalid(field, value, "It is not a valid IP address.") from None
    else:
        raise _invalid(field, value, "It is not a valid IP address.")
    if version is not None and address.version != version:
        raise _invalid(field, value, f"An IPv{version} address is required.")
    return address


def parse_protocol(value: object, field: str = "ipProtocol") -> int:
    """Protocol name or number -> IANA number, ``-1`` meaning all protocols.

    Examples
    --------
    >>> parse_protocol("tcp"), parse_protocol("-1"), parse_protocol(50), parse_protocol("17")
    (6, -1, 50, 17)
    >>> parse_protocol("tpc")
    Traceback (most recent call last):
    ...
    vpcsim.errors.AwsError: InvalidParameterValue: Value ('tpc') for parameter ipProtocol is invalid. \
Use tcp, udp, icmp, icmpv6, -1 (all) or a protocol number 0-255.
    """
    why = "Use tcp, udp, icmp, icmpv6, -1 (all) or a protocol number 0-255."
    if isinstance(value, bool):
        raise _invalid(field, value, why)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in PROTOCOL_NUMBERS:
            return PROTOCOL_NUMBERS[key]
        if not key.lstrip("-").isdigit():
            raise _invalid(field, value, why)
        number = int(key)
    elif isinstance(value, int):
        number = value
    else:
        raise _invalid(field, value, why)
    if number == -1 or 0 <= number <= 255:
        return number
    raise _invalid(field, value, why)


def protocol_name(number: int) -> str:
    """``6 -> "tcp"``; numbers without a name stay numbers (``"50"``); ``-1 -> "-1"`` (all)."""
    return _PROTOCOL_NAMES.get(number, str(number))


def _port(value: object, field: str, low: int, high: int, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(field, value, f"Ports must be integers in {low}..{high}.", code)
    return value


def parse_port_range(
    ports: object,
    protocol: int,
    field: str = "portRange",
    *,
    code: str = "InvalidParameterValue",
    icmp_required: bool = False,
) -> tuple[int, int] | None:
    """Validate a port (``80``) or inclusive range (``(8000, 8100)``) for ``protocol``.

    TCP and UDP (6, 17) require ports in 0..65535, as AWS does. ICMP/ICMPv6 (1, 58) take ``(type, code)`` with
    -1 meaning any, as the EC2 API encodes them; ``None`` means any type and code unless ``icmp_required`` (security
    groups require ports for ICMP, not for ICMPv6). Other protocols carry no ports (``None`` is returned).
    ``code`` is the AWS error code for a value out of range (security groups say ``InvalidPermission.Malformed``).

    Examples
    --------
    >>> parse_port_range(80, 6), parse_port_range((8000, 8100), 6), parse_port_range(None, -1)
    ((80, 80), (8000, 8100), None)
    >>> parse_port_range(70000, 6)
    Traceback (most recent call last):
    ...
    vpcsim.errors.AwsError: InvalidParameterValue: Value (70000) for parameter portRange is invalid. \
Ports must be integers in 0..65535.
    """
    if protocol in (6, 17):
        if ports is None:
            raise _invalid(field, ports, "A port range is required for TCP and UDP.")
        low, high = _pair(ports, field)
        low, high = _port(low, field, 0, 65535, code), _port(high, field, 0, 65535, code)
        if low > high:
            raise _invalid(field, ports, "The first port must not be greater than the last.")
        return (low, high)
    if protocol in (1, 58):
        if ports is None:
            if icmp_required and protocol == 1:
                raise _invalid(field, ports, "Must specify both from and to ports with ICMP.")
            return (-1, -1)
        icmp_type, icmp_code = _pair(ports, field)
        return (_port(icmp_type, field, -1, 255, code), _port(icmp_code, field, -1, 255, code))
    return None


def _pair(ports: object, field: str) -> tuple[object, object]:
    if isinstance(ports, tuple | list):
        if len(ports) != 2:
            raise _invalid(field, ports, "Give one port or a (first, last) pair.")
        return (ports[0], ports[1])
    return (ports, ports)
