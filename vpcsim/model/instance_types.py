"""EC2 instance types and their network limits (SPEC E3), shipped as package data.

The table is ``data/instance_types.json``, taken from the EC2 DescribeInstanceTypes data that moto ships (see
``data/INSTANCE_TYPES.md``). It is read on the first call to :func:`instance_types`, not on import, and cached.
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
import json
import types
from collections.abc import Mapping

import attrs

from vpcsim.errors import AwsError

__all__ = ["InstanceTypeInfo", "instance_type_info", "instance_types"]


@attrs.frozen
class InstanceTypeInfo:
    """The network limits of one EC2 instance type, as DescribeInstanceTypes reports them.

    Parameters
    ----------
    instance_type : str
        The exact AWS name, e.g. ``"m5.large"``.
    maximum_network_interfaces : int
        How many ENIs the instance can have attached, the primary one included (``AttachmentLimitExceeded``).
    ipv4_addresses_per_interface : int
        How many private IPv4 addresses one ENI can hold, the primary one included
        (``PrivateIpAddressLimitExceeded``).
    ipv6_addresses_per_interface : int
        How many IPv6 addresses one ENI can hold; 0 when IPv6 is not supported.
    ipv6_supported : bool
        Whether the instance type supports IPv6 at all.
    current_generation : bool
        Whether AWS lists the type as current generation (``False`` for previous generation types).

    Examples
    --------
    >>> info = instance_type_info("m5.large")
    >>> info.maximum_network_interfaces, info.ipv4_addresses_per_interface
    (3, 10)
    >>> info.ipv6_supported
    True
    """

    instance_type: str
    maximum_network_interfaces: int
    ipv4_addresses_per_interface: int
    ipv6_addresses_per_interface: int
    ipv6_supported: bool
    current_generation: bool


@functools.cache
def instance_types() -> Mapping[str, InstanceTypeInfo]:
    """Return every known EC2 instance type, keyed by its exact AWS name.

    The package data is read on the first call and the same read-only mapping is returned afterwards.

    Returns
    -------
    Mapping[str, InstanceTypeInfo]
        A read-only mapping (:class:`types.MappingProxyType`) in name order, current and previous generation
        types alike.

    Examples
    --------
    >>> table = instance_types()
    >>> len(table) > 1000
    True
    >>> table["t3.micro"].maximum_network_interfaces
    2
    >>> table is instance_types()
    True
    """
    data = importlib.resources.files("vpcsim.model") / "data" / "instance_types.json"
    table = json.loads(data.read_text(encoding="utf-8"))
    fields = table["fields"]
    return types.MappingProxyType(
        {
            name: InstanceTypeInfo(instance_type=name, **dict(zip(fields, row, strict=True)))
            for name, row in table["instance_types"].items()
        }
    )


def instance_type_info(instance_type: str) -> InstanceTypeInfo:
    """Return the network limits of one EC2 instance type.

    Parameters
    ----------
    instance_type : str
        The exact AWS name, e.g. ``"t2.micro"``; names are case-sensitive, as in AWS.

    Returns
    -------
    InstanceTypeInfo
        The limits of that type.

    Raises
    ------
    AwsError
        ``InvalidParameterValue`` when the name is not a known instance type (or not a string); the message
        names the value and suggests the closest known name, if any.

    Examples
    --------
    >>> instance_type_info("t2.micro")
    InstanceTypeInfo(instance_type='t2.micro', maximum_network_interfaces=2, ipv4_addresses_per_interface=2, \
ipv6_addresses_per_interface=2, ipv6_supported=True, current_generation=True)
    >>> instance_type_info("m5.24xlarge").maximum_network_interfaces
    15
    >>> instance_type_info("t2.mircro")
    Traceback (most recent call last):
    ...
    vpcsim.errors.AwsError: InvalidParameterValue: Invalid value 't2.mircro' for InstanceType. \
Did you mean 't2.micro'?
    """
    table = instance_types()
    suggestion = ""
    if isinstance(instance_type, str):
        if instance_type in table:
            return table[instance_type]
        # AWS names are lower case, so a name typed in upper case still gets its suggestion.
        close = difflib.get_close_matches(instance_type.lower(), table, n=1)
        suggestion = "".join(f" Did you mean {name!r}?" for name in close)
    raise AwsError("InvalidParameterValue", f"Invalid value {instance_type!r} for InstanceType.{suggestion}")
