"""Security group connection tracking per ENI (SPEC G4-G6).

An entry remembers a flow an ENI's security groups let through; while it lives, packets of the flow pass in both
directions whatever the rules say now (G4). Entries idle out after the ENI's configured timeouts (G6). A flow the
rules allow both ways for everyone is *untracked* (G5): it gets no entry and every packet is judged by the rules
of the moment, so removing the rule stops it at once.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPAddress

if TYPE_CHECKING:
    from vpcsim.engine.verdict import Packet
    from vpcsim.model.interface import ConnectionTracking, NetworkInterface
    from vpcsim.model.security_group import SecurityGroupRule

__all__ = ["AUTO_TRACKED", "ConntrackEntry", "FlowKey", "flow_key", "untracked_by_rules"]

# SPEC G5: flows through these are tracked whatever the rules say (hop kinds of the walk).
AUTO_TRACKED = {"nat-gateway": "a NAT gateway", "egress-only-internet-gateway": "an egress-only internet gateway",
                "transit-gateway-attachment": "a transit gateway attachment",
                "load-balancer": "a load balancer"}  # fmt: skip

# SPEC G6 names no timeout for TCP before the handshake completes or after it closes; Linux conntrack's SYN_SENT
# and TIME_WAIT timeouts (120 s) stand in. Protocols other than TCP and UDP (ICMP included) idle out after 600 s.
TCP_TRANSITORY_TIMEOUT = 120
OTHER_TIMEOUT = 600

FlowKey = tuple[int, int, int, int, int]
_ICMP = (1, 58)


def flow_key(packet: Packet, ident: int | None = None) -> FlowKey:
    """The direction-free identity of the flow a packet belongs to: protocol and both (address, port) ends.

    ICMP types and codes are not ports: an echo request and its reply are one flow, told apart from other pings
    by their ICMP identifier ``ident``.
    """
    if packet.has_ports:
        a = (int(packet.src), packet.src_port if packet.src_port is not None else -1)
        b = (int(packet.dst), packet.dst_port if packet.dst_port is not None else -1)
    else:
        a, b = (int(packet.src), -1 if ident is None else ident), (int(packet.dst), -1 if ident is None else ident)
    low, high = (a, b) if a <= b else (b, a)
    return (packet.protocol, low[0], low[1], high[0], high[1])


@attrs.define(eq=False)
class ConntrackEntry:
    """One tracked flow at one ENI (G4).

    ``initiator`` is the (address, port) that sent the packet which opened the entry; ``exchanges`` counts
    request-response transactions (a UDP flow with more than one is a stream, G6).
    """

    key: FlowKey
    network_interface: str
    protocol: int
    initiator: tuple[IPAddress, int | None]
    opened: float
    last_seen: float
    reason: str  # why the flow is tracked: the rule, or the gateway on its path
    state: str = "new"  # TCP: new, established, closing
    exchanges: int = 0
    last_from_initiator: bool = True
    fins: set[bool] = attrs.field(factory=set)  # which sides sent FIN (True: the initiator)

    def see(self, packet: Packet, flags: frozenset[str], now: float) -> None:
        """A packet of the flow passed the ENI: refresh the idle timer and follow the TCP/UDP state."""
        from_initiator = (packet.src, packet.src_port if packet.has_ports else None) == self.initiator
        if not from_initiator and self.last_from_initiator:
            self.exchanges += 1
        self.last_from_initiator = from_initiator
        self.last_seen = now
        if self.protocol == 6:
            if "FIN" in flags:
                self.fins.add(from_initiator)
                self.state = "closing"
            elif not from_initiator and self.state == "new":
                self.state = "established"

    @property
    def stream(self) -> bool:
        """G6: a UDP flow that has seen more than one request-response transaction."""
        return self.exchanges > 1

    def timeout(self, config: ConnectionTracking) -> float:
        """G6: the idle timeout that applies now, from the ENI's configuration."""
        if self.protocol == 6:
            return config.tcp_established_timeout if self.state == "established" else TCP_TRANSITORY_TIMEOUT
        if self.protocol == 17:
            return config.udp_stream_timeout if self.stream else config.udp_timeout
        return OTHER_TIMEOUT

    def kind(self) -> str:
        if self.protocol == 6:
            return f"tcp {self.state}"
        if self.protocol == 17:
            return "udp stream" if self.stream else "udp"
        return "icmp" if self.protocol in _ICMP else f"protocol {self.protocol}"


def untracked_by_rules(
    eni: NetworkInterface, packet: Packet, allowing: list[SecurityGroupRule], egress: bool
) -> bool:
    """SPEC G5: a TCP or UDP flow is untracked when a rule allowing it in its direction is for everyone
    (0.0.0.0/0 or ::/0) and the other direction allows every port of its protocol to and from everyone."""
    if packet.protocol not in (6, 17):
        return False  # ICMP and the other protocols are always tracked
    everyone = ipaddress.ip_network("0.0.0.0/0" if packet.version == 4 else "::/0")
    if not any(rule.cidr == everyone for rule in allowing):
        return False
    for group in eni.security_groups:
        for rule in group.rules(not egress):
            if rule.cidr != everyone or rule.protocol not in (-1, packet.protocol):
                continue
            if rule.protocol == -1 or (rule.from_port, rule.to_port) == (0, 65535):
                return True
    return False
