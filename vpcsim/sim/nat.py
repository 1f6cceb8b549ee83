"""NAT gateway state (SPEC I4): source port allocation, the per-destination limit, idle timeouts.

A public NAT gateway gives each connection a source port in 1024-65535 on its address. It holds at most 55,000
simultaneous connections to one destination (IP, port and protocol); past that, new connections fail and the
``ErrorPortAllocation`` metric counts them. A connection idle for 350 s is dropped; a packet that tries to go on
with it gets an RST from the NAT gateway.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPAddress

if TYPE_CHECKING:
    from vpcsim.engine.verdict import Packet

__all__ = ["IDLE_TIMEOUT", "PORTS", "PORTS_PER_DESTINATION", "NatMapping", "NatTable"]

PORTS = (1024, 65535)
PORTS_PER_DESTINATION = 55_000
IDLE_TIMEOUT = 350.0

_METRICS = ("ActiveConnectionCount", "ConnectionAttemptCount", "ConnectionEstablishedCount", "ErrorPortAllocation",
            "IdleTimeoutCount", "PacketsDropCount")  # fmt: skip

InsideKey = tuple[int, IPAddress, int | None, IPAddress, int | None]
OutsideKey = tuple[int, IPAddress, int | None, int | None]
Destination = tuple[int, IPAddress, int | None]


@attrs.define(eq=False)
class NatMapping:
    """One translated connection: the request as it came from inside, and the port the NAT gateway gave it."""

    request: Packet
    port: int | None  # the source port, or the ICMP identifier, it leaves with
    opened: float
    last_seen: float
    ident: int | None = None  # the ICMP identifier it came with

    @property
    def destination(self) -> Destination:
        r = self.request
        return (r.protocol, r.dst, r.dst_port if r.has_ports else None)

    def inside(self) -> InsideKey:
        return _inside(self.request, self.ident)

    def outside(self) -> OutsideKey:
        r = self.request
        return (r.protocol, r.dst, r.dst_port if r.has_ports else None, self.port)


def _inside(packet: Packet, ident: int | None = None) -> InsideKey:
    """ICMP types and codes are not ports: an ICMP query is known by its identifier ``ident``."""
    if not packet.has_ports:
        return (packet.protocol, packet.src, ident, packet.dst, None)
    return (packet.protocol, packet.src, packet.src_port, packet.dst, packet.dst_port)


class NatTable:
    """The connections of one NAT gateway, with CloudWatch-like counters (:attr:`metrics`)."""

    def __init__(self, nat_id: str, *, seed: int, limit: int = PORTS_PER_DESTINATION) -> None:
        self.nat_id = nat_id
        self.limit = limit
        self._rng = random.Random(f"{seed}:{nat_id}")
        self._inside: dict[InsideKey, NatMapping] = {}
        self._outside: dict[OutsideKey, NatMapping] = {}
        self._used: dict[Destination, set[int | None]] = {}
        self._timed_out: dict[InsideKey, NatMapping] = {}
        self.metrics: Counter[str] = Counter(dict.fromkeys(_METRICS, 0))

    def __len__(self) -> int:
        return len(self._inside)

    @property
    def mappings(self) -> list[NatMapping]:
        return list(self._inside.values())

    def connections_to(self, protocol: int, address: IPAddress, port: int | None) -> int:
        return len(self._used.get((protocol, address, port), ()))

    def find(self, packet: Packet, ident: int | None = None) -> NatMapping | None:
        """The live mapping of an outgoing packet."""
        return self._inside.get(_inside(packet, ident))

    def timed_out(self, packet: Packet, ident: int | None = None) -> NatMapping | None:
        """The mapping an outgoing packet belonged to, if it idled out (a TCP packet then gets an RST)."""
        return self._timed_out.get(_inside(packet, ident))

    def answer(self, packet: Packet, ident: int | None = None) -> NatMapping | None:
        """The mapping a packet arriving from outside answers (by its source and the NAT gateway's port)."""
        if not packet.has_ports:
            return self._outside.get((packet.protocol, packet.src, None, ident))
        return self._outside.get((packet.protocol, packet.src, packet.src_port, packet.dst_port))

    def open(self, packet: Packet, now: float, ident: int | None = None) -> NatMapping | None:
        """Allocate a port for a new connection; None when the destination has no port left (ErrorPortAllocation)."""
        self.metrics["ConnectionAttemptCount"] += 1
        destination = (packet.protocol, packet.dst, packet.dst_port if packet.has_ports else None)
        used = self._used.setdefault(destination, set())
        if len(used) >= self.limit:
            self.metrics["ErrorPortAllocation"] += 1
            self.metrics["PacketsDropCount"] += 1
            return None
        port: int | None = ident
        if packet.has_ports:
            port = self._rng.randint(*PORTS)
            while port in used:  # at most 55,000 of 64,512 taken: a free one comes quickly
                port = self._rng.randint(*PORTS)
        mapping = NatMapping(packet, port, now, now, ident)
        used.add(port)
        self._inside[mapping.inside()] = mapping
        self._outside[mapping.outside()] = mapping
        self._timed_out.pop(mapping.inside(), None)
        self.metrics["ActiveConnectionCount"] = len(self._inside)
        return mapping

    def close(self, mapping: NatMapping) -> None:
        self._drop(mapping)

    def expiring(self) -> list[tuple[float, NatMapping]]:
        return [(m.last_seen + IDLE_TIMEOUT, m) for m in self._inside.values()]

    def expire(self, mapping: NatMapping) -> None:
        """The 350 s idle timeout: the port is freed; the connection is remembered for the RST."""
        self._drop(mapping)
        self._timed_out[mapping.inside()] = mapping
        self.metrics["IdleTimeoutCount"] += 1

    def _drop(self, mapping: NatMapping) -> None:
        if self._inside.pop(mapping.inside(), None) is None:
            return
        self._outside.pop(mapping.outside(), None)
        self._used.get(mapping.destination, set()).discard(mapping.port)
        self.metrics["ActiveConnectionCount"] = len(self._inside)
