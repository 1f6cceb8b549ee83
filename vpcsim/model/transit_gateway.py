"""Transit gateways: attachments, route tables, associations and propagations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPNetwork
from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.interface import NetworkInterface
    from vpcsim.model.subnet import Subnet
    from vpcsim.model.vpc import Vpc

__all__ = [
    "TransitGateway",
    "TransitGatewayAttachment",
    "TransitGatewayRoute",
    "TransitGatewayRouteTable",
]


@attrs.define(eq=False, kw_only=True, repr=False)
class TransitGateway(Resource):
    """A transit gateway. With the defaults on, new attachments associate with and propagate to its default table."""

    amazon_side_asn: int = 64512
    default_route_table_association: bool = True
    default_route_table_propagation: bool = True
    default_route_table_id: str | None = None


@attrs.define(eq=False, kw_only=True, repr=False)
class TransitGatewayAttachment(Resource):
    """An attachment of a VPC (one ENI per chosen subnet, one subnet per AZ) or a VPN to a transit gateway."""

    transit_gateway: TransitGateway
    resource_type: str
    resource_id: str
    vpc: Vpc | None = None
    subnets: list[Subnet] = attrs.field(factory=list)
    network_interfaces: list[NetworkInterface] = attrs.field(factory=list)
    association: TransitGatewayRouteTable | None = None
    state: str = "available"
    # AWS's Ipv6Support option (default disable): without it the VPC's IPv6 CIDR does not propagate.
    ipv6_support: bool = False

    def _repr_details(self) -> str:
        return f"{self.resource_type} {self.resource_id} -> {self.transit_gateway.id}"


@attrs.frozen
class TransitGatewayRoute:
    """A TGW route to an attachment (``type`` static or propagated) or a static blackhole."""

    destination: IPNetwork
    attachment_id: str | None
    type: str = "static"
    state: str = "active"

    def __str__(self) -> str:
        return f"{self.destination} -> {self.attachment_id or 'blackhole'} ({self.type}, {self.state})"


@attrs.define(eq=False, kw_only=True, repr=False)
class TransitGatewayRouteTable(Resource):
    """A TGW route table. ``routes`` holds static routes, then routes propagated from ``propagations``."""

    transit_gateway: TransitGateway
    routes: list[TransitGatewayRoute] = attrs.field(factory=list)
    propagations: list[str] = attrs.field(factory=list)

    @property
    def static_routes(self) -> list[TransitGatewayRoute]:
        return [r for r in self.routes if r.type == "static"]
