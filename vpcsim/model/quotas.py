"""Service quotas that shape what operations accept (SPEC G7, N5), with AWS's defaults."""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Quotas"]


def _integer(instance: Any, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"'{attribute.name}' must be an integer, not {value!r}")


def _within(low: int, high: int) -> list[Any]:
    return [_integer, attrs.validators.ge(low), attrs.validators.le(high)]


@attrs.frozen(kw_only=True)
class Quotas:
    """Adjustable quotas. AWS's defaults; the bounds are the highest values AWS grants on request.

    Examples
    --------
    >>> Quotas().rules_per_security_group
    60
    >>> Quotas(network_acl_rules=41)
    Traceback (most recent call last):
    ...
    ValueError: 'network_acl_rules' must be <= 40: 41
    """

    # SPEC G7: 60 inbound and 60 outbound rules per SG (per address family), 5 SGs per ENI.
    rules_per_security_group: int = attrs.field(default=60, validator=_within(1, 1000))
    security_groups_per_interface: int = attrs.field(default=5, validator=_within(1, 16))
    # SPEC N5: 20 rules per direction per address family, the "*" rule included (as AWS counts), at most 40.
    network_acl_rules: int = attrs.field(default=20, validator=_within(1, 40))
    ipv4_cidr_blocks_per_vpc: int = attrs.field(default=5, validator=_within(1, 50))
    security_groups_per_region: int = attrs.field(default=2500, validator=_within(1, 10000))

    def __attrs_post_init__(self) -> None:
        # SPEC G7 / AWS quotas: rules per SG times SGs per interface cannot exceed 1,000.
        product = self.rules_per_security_group * self.security_groups_per_interface
        if product > 1000:
            raise ValueError(
                f"rules_per_security_group x security_groups_per_interface = {product}, over AWS's limit of 1,000."
            )
