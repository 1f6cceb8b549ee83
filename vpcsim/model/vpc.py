"""VPCs: one or more IPv4 CIDR blocks, an optional Amazon-provided IPv6 /56, and the defaults made with them."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.nacl import NetworkAcl
    from vpcsim.model.route_table import RouteTable
    from vpcsim.model.security_group import SecurityGroup

__all__ = ["Vpc"]


@attrs.define(eq=False, kw_only=True, repr=False)
class Vpc(Resource):
    """A VPC. ``cidr_blocks[0]`` is the primary IPv4 block; the defaults are made with the VPC (R1, N3, G3)."""

    region: str
    cidr_blocks: list[ipaddress.IPv4Network]
    ipv6_cidr_block: ipaddress.IPv6Network | None = None
    enable_dns_support: bool = True
    enable_dns_hostnames: bool = False
    main_route_table: RouteTable = attrs.field(init=False)
    main_route_table_association_id: str = attrs.field(init=False)
    default_network_acl: NetworkAcl = attrs.field(init=False)
    default_security_group: SecurityGroup = attrs.field(init=False)

    @property
    def cidr_block(self) -> ipaddress.IPv4Network:
        """The primary IPv4 CIDR block."""
        return self.cidr_blocks[0]

    @property
    def cidrs(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        """Every CIDR of the VPC, IPv4 then IPv6: the destinations of its local routes (R4)."""
        v6 = [self.ipv6_cidr_block] if self.ipv6_cidr_block is not None else []
        return [*self.cidr_blocks, *v6]

    def contains(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
        return any(address in cidr for cidr in self.cidrs if cidr.version == address.version)

    def _repr_details(self) -> str:
        return " ".join(str(c) for c in self.cidrs)
