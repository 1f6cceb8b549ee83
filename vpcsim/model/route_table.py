"""Route tables and routes (SPEC R1-R8)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPNetwork
from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.vpc import Vpc

__all__ = ["LOCAL", "TARGET_KINDS", "Route", "RouteTable", "RouteTableAssociation", "target_kind"]

LOCAL = "local"

# SPEC R6: every kind of route target, keyed by the prefix of its id.
TARGET_KINDS = {
    "igw": "internet-gateway",
    "eigw": "egress-only-internet-gateway",
    "nat": "nat-gateway",
    "eni": "network-interface",
    "i": "instance",
    "pcx": "vpc-peering-connection",
    "tgw": "transit-gateway",
    "vgw": "vpn-gateway",
    "vpce": "vpc-endpoint",
}


def target_kind(target: str) -> str:
    """``"igw-0ab..." -> "internet-gateway"``; ``"local" -> "local"``."""
    if target == LOCAL:
        return LOCAL
    return TARGET_KINDS[target.split("-", 1)[0]]


@attrs.frozen
class Route:
    """One route. ``destination`` is a CIDR, or None when ``destination_prefix_list_id`` names a prefix list.

    ``origin`` is AWS's: ``CreateRouteTable`` (local, R4), ``CreateRoute`` (static) or ``EnableVgwRoutePropagation``.
    ``state`` is ``blackhole`` once the target is gone or unusable (R6).
    """

    target: str
    destination: IPNetwork | None = None
    destination_prefix_list_id: str | None = None
    origin: str = "CreateRoute"
    state: str = "active"

    @property
    def destination_key(self) -> str:
        """The destination as AWS names it: the CIDR text or the prefix list id."""
        return str(self.destination) if self.destination is not None else str(self.destination_prefix_list_id)

    @property
    def target_kind(self) -> str:
        return target_kind(self.target)

    def __str__(self) -> str:
        return f"{self.destination_key} -> {self.target} ({self.state})"


@attrs.frozen
class RouteTableAssociation:
    """An explicit association of a route table with a subnet, or an edge association with a gateway (R7)."""

    id: str
    route_table: RouteTable = attrs.field(eq=False)


@attrs.define(eq=False, kw_only=True, repr=False)
class RouteTable(Resource):
    """A route table. ``routes`` holds local, static and propagated routes, in the order AWS lists them."""

    vpc: Vpc
    routes: list[Route] = attrs.field(factory=list)
    propagating_vgws: list[str] = attrs.field(factory=list)

    def find_route(self, destination_key: str) -> Route | None:
        """The static or local route for a destination CIDR text or prefix list id."""
        for route in self.routes:
            if route.destination_key == destination_key and route.origin != "EnableVgwRoutePropagation":
                return route
        return None

    @property
    def is_main(self) -> bool:
        return self.vpc.main_route_table is self

    def _repr_details(self) -> str:
        return f"{len(self.routes)} routes{' main' if self.is_main else ''}"
