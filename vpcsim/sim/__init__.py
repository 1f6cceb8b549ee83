"""Time and state: the packet-level :class:`Simulator` (connection tracking, NAT ports, IMDS, changes mid-flight)."""

from vpcsim.sim.conntrack import ConntrackEntry
from vpcsim.sim.imds import HttpRequest, HttpResponse, MetadataService
from vpcsim.sim.nat import NatMapping
from vpcsim.sim.simulator import Connection, Container, PacketResult, Simulator

__all__ = [
    "Connection",
    "ConntrackEntry",
    "Container",
    "HttpRequest",
    "HttpResponse",
    "MetadataService",
    "NatMapping",
    "PacketResult",
    "Simulator",
]
