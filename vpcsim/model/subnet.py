"""Subnets: a slice of a VPC in one AZ, with its addresses (E4), route table (R1) and network ACL (N3)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPAddress
from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.nacl import NetworkAcl
    from vpcsim.model.route_table import RouteTable, RouteTableAssociation
    from vpcsim.model.vpc import Vpc

__all__ = ["Subnet", "reserved_addresses"]


def reserved_addresses(cidr: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[IPAddress, ...]:
    """SPEC E4: the first four addresses and the last one of a subnet are AWS's.

    Examples
    --------
    >>> [str(a) for a in reserved_addresses(ipaddress.ip_network("10.0.1.0/24"))]
    ['10.0.1.0', '10.0.1.1', '10.0.1.2', '10.0.1.3', '10.0.1.255']
    """
    first = cidr.network_address
    return (first, first + 1, first + 2, first + 3, cidr.broadcast_address)


@attrs.define(eq=False, kw_only=True, repr=False)
class Subnet(Resource):
    """A subnet. ``used_addresses`` maps every private address handed out in it to the ENI holding it."""

    vpc: Vpc
    cidr_block: ipaddress.IPv4Network
    availability_zone: str
    ipv6_cidr_block: ipaddress.IPv6Network | None = None
    map_public_ip_on_launch: bool = False
    assign_ipv6_address_on_creation: bool = False
    network_acl: NetworkAcl = attrs.field(init=False)
    network_acl_association_id: str = attrs.field(init=False)
    route_table_association: RouteTableAssociation | None = None
    used_addresses: dict[IPAddress, str] = attrs.field(factory=dict)
    # Offset below which every IPv4 address is reserved or used: allocation starts here instead of rescanning.
    free_from: int = attrs.field(default=4, eq=False)

    @property
    def route_table(self) -> RouteTable:
        """SPEC R1: the explicitly associated table, else the VPC's main table."""
        if self.route_table_association is not None:
            return self.route_table_association.route_table
        return self.vpc.main_route_table

    @property
    def cidrs(self) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
        v6 = [self.ipv6_cidr_block] if self.ipv6_cidr_block is not None else []
        return [self.cidr_block, *v6]

    def contains(self, address: IPAddress) -> bool:
        return any(address in cidr for cidr in self.cidrs if cidr.version == address.version)

    def is_reserved(self, address: IPAddress) -> bool:
        return any(address in reserved_addresses(c) for c in self.cidrs if c.version == address.version)

    @property
    def available_ip_address_count(self) -> int:
        """Free IPv4 addresses, as DescribeSubnets reports them."""
        used = sum(1 for a in self.used_addresses if a.version == 4)
        return self.cidr_block.num_addresses - 5 - used

    def free_addresses(self, version: int = 4) -> Iterator[IPAddress]:
        """Addresses neither reserved (E4) nor in use, lowest first."""
        cidr = self.cidr_block if version == 4 else self.ipv6_cidr_block
        if cidr is None:
            return
        offset = self.free_from if version == 4 else 4
        first, last = int(cidr.network_address) + offset, int(cidr.broadcast_address) - 1
        for number in range(first, last + 1):
            candidate = ipaddress.ip_address(number) if cidr.version == 4 else ipaddress.IPv6Address(number)
            if candidate not in self.used_addresses:
                yield candidate

    def take(self, address: IPAddress, owner: str) -> None:
        """Record ``address`` as used by ``owner``; the only way addresses enter ``used_addresses``."""
        self.used_addresses[address] = owner
        if address.version == 4:
            while self.cidr_block.network_address + self.free_from in self.used_addresses:
                self.free_from += 1

    def release(self, address: IPAddress) -> None:
        """Give an address back to the subnet."""
        self.used_addresses.pop(address, None)
        if address.version == 4:
            self.free_from = min(self.free_from, int(address) - int(self.cidr_block.network_address))

    def _repr_details(self) -> str:
        return f"{self.cidr_block} {self.availability_zone}"
