"""Security groups: stateful allow-lists on ENIs (SPEC G1-G7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPNetwork, protocol_name
from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.vpc import Vpc

__all__ = ["SecurityGroup", "SecurityGroupRule"]


@attrs.frozen
class SecurityGroupRule:
    """One SG rule with exactly one peer: a CIDR, a prefix list id or a security group id (G2).

    ``from_port``/``to_port`` are the TCP/UDP port range, the ICMP type/code (-1 = any), or None for
    protocols without ports.
    """

    id: str = attrs.field(eq=False)
    egress: bool
    protocol: int
    from_port: int | None = None
    to_port: int | None = None
    cidr: IPNetwork | None = None
    prefix_list_id: str | None = None
    group_id: str | None = None
    description: str = attrs.field(default="", eq=False)

    @property
    def peer(self) -> str:
        return str(self.cidr) if self.cidr is not None else str(self.prefix_list_id or self.group_id)

    @property
    def address_family(self) -> int | None:
        """4 or 6 for a CIDR peer; None for prefix lists and SG references."""
        return self.cidr.version if self.cidr is not None else None

    def __str__(self) -> str:
        ports = "" if self.from_port is None else f" {self.from_port}-{self.to_port}"
        direction = "to" if self.egress else "from"
        return f"{protocol_name(self.protocol)}{ports} {direction} {self.peer}"


@attrs.define(eq=False, kw_only=True, repr=False)
class SecurityGroup(Resource):
    """A security group of one VPC; ``ingress`` and ``egress`` are unions of allow rules (G1)."""

    vpc: Vpc
    group_name: str
    description: str = ""
    is_default: bool = False
    ingress: list[SecurityGroupRule] = attrs.field(factory=list)
    egress: list[SecurityGroupRule] = attrs.field(factory=list)

    def rules(self, egress: bool) -> list[SecurityGroupRule]:
        return self.egress if egress else self.ingress

    def _repr_details(self) -> str:
        return f"{self.group_name!r} {len(self.ingress)} in / {len(self.egress)} out"
