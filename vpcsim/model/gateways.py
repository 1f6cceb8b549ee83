"""Gateways of a VPC: internet, egress-only, NAT, virtual private (with its VPN side) and gateway endpoints."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPNetwork
from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.addresses import ElasticIp
    from vpcsim.model.interface import NetworkInterface
    from vpcsim.model.route_table import RouteTableAssociation
    from vpcsim.model.subnet import Subnet
    from vpcsim.model.vpc import Vpc

__all__ = [
    "CustomerGateway",
    "EgressOnlyInternetGateway",
    "InternetGateway",
    "NatGateway",
    "VpcEndpoint",
    "VpnConnection",
    "VpnGateway",
]


@attrs.define(eq=False, kw_only=True, repr=False)
class InternetGateway(Resource):
    """An internet gateway: 1:1 NAT between private and public IPv4 (P3). ``edge_association`` is R7's."""

    vpc: Vpc | None = None
    edge_association: RouteTableAssociation | None = None

    def _repr_details(self) -> str:
        return f"attached to {self.vpc.id}" if self.vpc else "detached"


@attrs.define(eq=False, kw_only=True, repr=False)
class EgressOnlyInternetGateway(Resource):
    """An egress-only internet gateway: IPv6 out, replies in, nothing unsolicited (I3)."""

    vpc: Vpc


@attrs.define(eq=False, kw_only=True, repr=False)
class NatGateway(Resource):
    """A NAT gateway with its requester-managed ENI (E6); public ones carry an EIP (I4). A ``failed`` one has
    neither, and says why in ``failure_code``/``failure_message``."""

    subnet: Subnet
    connectivity: str
    network_interface: NetworkInterface | None = None
    elastic_ip: ElasticIp | None = None
    state: str = "available"
    failure_code: str | None = None
    failure_message: str | None = None

    @property
    def vpc(self) -> Vpc:
        return self.subnet.vpc

    @property
    def private_ip(self) -> ipaddress.IPv4Address | None:
        """Its address in the subnet; None when it failed."""
        return self.network_interface.private_ip if self.network_interface else None

    @property
    def public_ip(self) -> ipaddress.IPv4Address | None:
        return self.elastic_ip.public_ip if self.elastic_ip else None

    def _repr_details(self) -> str:
        where = f"{self.private_ip} in {self.subnet.id}" if self.state == "available" else f"{self.state}"
        return f"{self.connectivity} {where}"


@attrs.define(eq=False, kw_only=True, repr=False)
class CustomerGateway(Resource):
    """The on-premises end of a site-to-site VPN."""

    ip_address: ipaddress.IPv4Address
    bgp_asn: int = 65000


@attrs.define(eq=False, kw_only=True, repr=False)
class VpnGateway(Resource):
    """A virtual private gateway: the VPC side of a site-to-site VPN."""

    amazon_side_asn: int = 64512
    vpc: Vpc | None = None
    edge_association: RouteTableAssociation | None = None


@attrs.define(eq=False, kw_only=True, repr=False)
class VpnConnection(Resource):
    """A site-to-site VPN. ``routes`` are the on-premises CIDRs reached through it (static routes)."""

    customer_gateway: CustomerGateway
    vpn_gateway_id: str | None = None
    transit_gateway_id: str | None = None
    routes: list[IPNetwork] = attrs.field(factory=list)
    state: str = "available"


@attrs.define(eq=False, kw_only=True, repr=False)
class VpcEndpoint(Resource):
    """A gateway VPC endpoint (S3, DynamoDB): routes to the service's prefix list in its route tables (R6)."""

    vpc: Vpc
    service_name: str
    prefix_list_id: str
    route_table_ids: list[str] = attrs.field(factory=list)
    vpc_endpoint_type: str = "Gateway"
    state: str = "available"
