"""Network ACLs: stateless, numbered, first match wins (SPEC N1-N5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPNetwork, protocol_name
from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.vpc import Vpc

__all__ = ["DEFAULT_DENY_RULE_IPV4", "DEFAULT_DENY_RULE_IPV6", "NetworkAcl", "NetworkAclEntry"]

# SPEC N1: the "*" rule that ends every list.
DEFAULT_DENY_RULE_IPV4 = 32767
DEFAULT_DENY_RULE_IPV6 = 32768


@attrs.frozen
class NetworkAclEntry:
    """One numbered NACL rule. ``port_range`` for TCP/UDP, ``icmp_type_code`` for ICMP (-1 = any), else None."""

    rule_number: int
    egress: bool
    protocol: int
    rule_action: str
    cidr: IPNetwork
    port_range: tuple[int, int] | None = None
    icmp_type_code: tuple[int, int] | None = None

    def __str__(self) -> str:
        ports = f" ports {self.port_range[0]}-{self.port_range[1]}" if self.port_range else ""
        direction = "egress" if self.egress else "ingress"
        return f"{direction} #{self.rule_number} {self.rule_action} {protocol_name(self.protocol)} {self.cidr}{ports}"


@attrs.define(eq=False, kw_only=True, repr=False)
class NetworkAcl(Resource):
    """A network ACL. ``entries`` are kept in rule-number order per direction (N1), without the ``*`` rules."""

    vpc: Vpc
    is_default: bool = False
    entries: list[NetworkAclEntry] = attrs.field(factory=list)

    def rules(self, egress: bool) -> list[NetworkAclEntry]:
        """The entries of one direction in evaluation order (N1: by rule number, never input order)."""
        return [e for e in self.entries if e.egress == egress]

    def find_entry(self, rule_number: int, egress: bool) -> NetworkAclEntry | None:
        for entry in self.entries:
            if entry.rule_number == rule_number and entry.egress == egress:
                return entry
        return None

    def _repr_details(self) -> str:
        return f"{len(self.entries)} entries{' default' if self.is_default else ''}"
