"""Elastic Load Balancing v2: load balancers (NLB, ALB), their nodes, listeners and target groups (SPEC L1-L3).

A load balancer has one node per enabled subnet: a requester-managed ENI carrying the load balancer's security
groups (an NLB has them only if it was created with them, L1; an ALB always has them, L3). A listener forwards a
protocol and port to a target group; a target group holds instance or IP targets and its health check. Health is
not stored: :meth:`vpcsim.Network.describe_target_health` computes it from the network (L2).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.interface import Instance, NetworkInterface
    from vpcsim.model.security_group import SecurityGroup
    from vpcsim.model.subnet import Subnet
    from vpcsim.model.vpc import Vpc

__all__ = [
    "ALB_PROTOCOLS",
    "NLB_PROTOCOLS",
    "HealthCheck",
    "Listener",
    "LoadBalancer",
    "Target",
    "TargetGroup",
    "TargetHealth",
]

NLB_PROTOCOLS = ("TCP", "UDP", "TLS", "TCP_UDP")
ALB_PROTOCOLS = ("HTTP", "HTTPS")
# IP protocol numbers a listener or target group protocol carries.
PROTOCOL_NUMBERS = {"TCP": (6,), "TLS": (6,), "HTTP": (6,), "HTTPS": (6,), "UDP": (17,), "TCP_UDP": (6, 17)}


@attrs.define(eq=False, kw_only=True, repr=False)
class LoadBalancer(Resource):
    """An ELBv2 load balancer. ``id`` is its ARN; ``lb_name`` the name AWS shows (``name`` is the Name tag).

    ``nodes`` holds one ENI per enabled subnet, in the order of ``subnets``. ``security_groups`` is None for an NLB
    created without security groups (they can never be added, L1). ``cross_zone`` is the load balancer's
    ``load_balancing.cross_zone.enabled`` attribute (NLB default off, ALB always on: L2).
    """

    lb_name: str
    type: str  # "network" | "application"
    scheme: str  # "internet-facing" | "internal"
    vpc: Vpc
    subnets: list[Subnet] = attrs.field(factory=list)
    nodes: list[NetworkInterface] = attrs.field(factory=list)
    security_groups: list[SecurityGroup] | None = None
    cross_zone: bool = False
    dns_name: str = ""
    state: str = "active"

    @property
    def is_network(self) -> bool:
        return self.type == "network"

    @property
    def availability_zones(self) -> list[str]:
        return [s.availability_zone for s in self.subnets]

    def node(self, availability_zone: str) -> NetworkInterface:
        """The node (ENI) in ``availability_zone``.

        Raises
        ------
        KeyError
            The load balancer has no subnet in that AZ.
        """
        for eni in self.nodes:
            if eni.availability_zone == availability_zone:
                return eni
        raise KeyError(f"{self.lb_name} has no node in {availability_zone} (its AZs: {self.availability_zones})")

    def _repr_details(self) -> str:
        kind = "NLB" if self.is_network else "ALB"
        return f"{kind} {self.lb_name} {self.scheme} in {', '.join(self.availability_zones)}"


@attrs.frozen
class HealthCheck:
    """A target group's health check: ``port`` None means the traffic port (``traffic-port``)."""

    protocol: str = "TCP"
    port: int | None = None
    path: str | None = None
    enabled: bool = True


@attrs.frozen
class Target:
    """A registered target: an instance id or an IP address, its port (None: the group's), its AZ for IP targets
    (``"all"`` for addresses outside the VPC)."""

    id: str
    port: int | None = None
    availability_zone: str | None = None

    @property
    def is_ip(self) -> bool:
        return not self.id.startswith("i-")

    @property
    def address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
        return ipaddress.ip_address(self.id) if self.is_ip else None


@attrs.define(eq=False, kw_only=True, repr=False)
class TargetGroup(Resource):
    """An ELBv2 target group. ``id`` is its ARN.

    ``preserve_client_ip`` None follows AWS's default (L1: on for instance targets and for UDP/TCP_UDP IP targets,
    off for TCP/TLS IP targets; ALB targets always see the ALB, L3). ``cross_zone`` None means "use the load
    balancer's configuration".
    """

    tg_name: str
    protocol: str
    port: int
    vpc: Vpc
    target_type: str = "instance"  # "instance" | "ip"
    health_check: HealthCheck = attrs.field(factory=HealthCheck)
    preserve_client_ip: bool | None = None
    cross_zone: bool | None = None
    targets: list[Target] = attrs.field(factory=list)

    def _repr_details(self) -> str:
        return f"{self.tg_name} {self.protocol}:{self.port} {self.target_type} x{len(self.targets)}"


@attrs.define(eq=False, kw_only=True, repr=False)
class Listener(Resource):
    """A listener: ``protocol`` and ``port`` on every node of ``load_balancer``, forwarding to ``target_group``."""

    load_balancer: LoadBalancer
    protocol: str
    port: int
    target_group: TargetGroup

    def _repr_details(self) -> str:
        return f"{self.protocol}:{self.port} -> {self.target_group.tg_name}"


@attrs.frozen
class TargetHealth:
    """One row of ``describe_target_health``: AWS's state and reason codes, with the walk that decided.

    ``state``: ``healthy``, ``unhealthy``, ``unused``, ``unavailable`` (health checks disabled) or ``draining``
    is not modelled. ``reason``: ``Target.FailedHealthChecks``, ``Target.NotInUse``, ``Target.InvalidState``,
    ``Target.NotRegistered``, ``Target.HealthCheckDisabled``, or None when healthy. ``nodes`` maps each node ENI
    that checks the target to whether its check succeeds.
    """

    target: Target
    state: str
    reason: str | None
    description: str
    nodes: dict[str, bool] = attrs.field(factory=dict)
    instance: Instance | None = None
    network_interface: NetworkInterface | None = None
