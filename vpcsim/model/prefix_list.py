"""Managed prefix lists: named sets of CIDRs used by SG rules and routes (SPEC G2, R3, R6)."""

from __future__ import annotations

import attrs

from vpcsim.addr import IPNetwork
from vpcsim.model.base import Resource

__all__ = ["ManagedPrefixList"]


@attrs.define(eq=False, kw_only=True, repr=False)
class ManagedPrefixList(Resource):
    """A prefix list. ``entries`` maps each CIDR to its description. AWS-managed lists have owner ``AWS``."""

    prefix_list_name: str
    address_family: str = "IPv4"
    max_entries: int
    entries: dict[IPNetwork, str] = attrs.field(factory=dict)
    owner_id: str = "self"
    version: int = 1
    rule_weight: int | None = None

    @property
    def weight(self) -> int:
        """SG rule quota units of a reference to this list (G7): its max entries unless AWS publishes a weight."""
        return self.rule_weight if self.rule_weight is not None else self.max_entries

    @property
    def cidrs(self) -> list[IPNetwork]:
        return list(self.entries)

    def _repr_details(self) -> str:
        return f"{self.prefix_list_name!r} {len(self.entries)}/{self.max_entries} entries"
