"""The packet-level simulator: a clock, connections and the state the VPC keeps between packets.

Every packet goes through the same walk as :func:`vpcsim.Network.trace`, one packet at a time, against the network
as it is at that moment. Between packets the simulator keeps what AWS keeps: security group connection tracking per
ENI (G4-G6), NAT gateway translations and ports (I4), egress-only internet gateway state (I3), NAT instance
masquerading, and IMDSv2 tokens (M3). Time moves only with :meth:`Simulator.advance`; edits of the network (made
through the simulator or on the network itself) apply to the next packet.
"""

from __future__ import annotations

import datetime as dt
import heapq
import ipaddress
import re
import shlex
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import attrs

from vpcsim.addr import IPAddress, protocol_name
from vpcsim.engine.endpoints import IMDS_ADDRESSES, LINK_LOCAL_SERVICES, Endpoint, resolve_endpoints
from vpcsim.engine.rules import _rule_matches
from vpcsim.engine.trace import (
    EPHEMERAL_PORTS,
    _Connection,
    _leads_to,
    _Outcome,
    _start,
    _Walk,
    flow_packet,
    reply_packet,
)
from vpcsim.engine.verdict import Disposition, Hop, Packet
from vpcsim.errors import InvalidFlowError
from vpcsim.model.base import Resource
from vpcsim.model.gateways import EgressOnlyInternetGateway, NatGateway
from vpcsim.model.interface import ConnectionTracking, Instance, NetworkInterface
from vpcsim.model.security_group import SecurityGroupRule
from vpcsim.sim.conntrack import AUTO_TRACKED, OTHER_TIMEOUT, ConntrackEntry, FlowKey, flow_key, untracked_by_rules
from vpcsim.sim.imds import HttpRequest, HttpResponse, MetadataService
from vpcsim.sim.nat import IDLE_TIMEOUT, PORTS_PER_DESTINATION, NatMapping, NatTable

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.network import Network

R = TypeVar("R")

__all__ = ["Connection", "Container", "PacketResult", "Simulator"]

EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_COLUMNS = ["time", "event", "connection", "direction", "packet", "flags", "disposition", "explanation",
            "component", "rule", "delivered", "detail"]  # fmt: skip
_DIRECTIONS = {"forward": "forward", "request": "forward", "reply": "reply", "response": "reply"}
_TCP_FLAGS = ("SYN", "FIN", "RST", "PSH", "ACK", "URG")  # the order they are shown in
_IMDS_PORT = 80


@attrs.frozen
class Container:
    """A container on an instance, ``hops`` routing hops behind its network interface (a Docker bridge adds one).

    As a source it sends from the instance's primary ENI (the bridge masquerades); to IMDS its requests are
    ``hops`` further away, so a token response sent with IP TTL = hop limit reaches it only if the limit exceeds
    ``hops`` (M2, M3).
    """

    instance: Instance
    hops: int = 1

    def __repr__(self) -> str:
        return f"Container({self.instance.id}, hops={self.hops})"


@attrs.frozen
class PacketResult:
    """One packet's fate: the walk's disposition and the component and rule that decided.

    ``delivered`` is whether it reached the other end of its connection as that end expects it (the right host,
    addresses and ports). ``hops`` is the walk, as :class:`vpcsim.Trace` shows it.
    """

    time: float
    connection: str
    direction: str
    packet: Packet
    flags: frozenset[str]
    disposition: Disposition
    explanation: str | None
    component: str | None
    rule: int | str | None
    delivered: bool
    hops: tuple[Hop, ...]
    detail: str = ""

    def __str__(self) -> str:
        flags = f" [{_flag_text(self.flags)}]" if self.flags else ""
        why = f" {self.explanation}" if self.explanation else ""
        at = f" at {self.component}" if self.component else ""
        rule = f" rule {self.rule}" if self.rule is not None else ""
        head = f"t={self.time:g}s {self.connection} {self.direction} {self.packet}{flags}"
        return f"{head}: {self.disposition}{why}{at}{rule}"


@attrs.define(eq=False)
class Connection:
    """A connection the simulator opened: its two ends, the first packet as the client sent it and its state.

    ``state`` is ``established``, ``failed`` (the opening exchange did not complete), ``reset`` (an RST ended it),
    ``closed`` (FIN both ways) or ``broken`` (a packet failed after it was established).
    """

    id: str
    client: Endpoint
    server: Endpoint
    request: Packet
    opened: float
    state: str = "opening"
    server_view: Packet | None = None  # the last forward packet as the server received it
    server_interface: NetworkInterface | None = None
    server_host: Instance | None = None
    results: list[PacketResult] = attrs.field(factory=list)
    ident: int | None = None  # the ICMP identifier of an ICMP query (a new one per connection, as ping does)
    _walk_state: _Connection = attrs.field(factory=_Connection, repr=False)

    @property
    def protocol(self) -> str:
        return protocol_name(self.request.protocol)

    @property
    def established(self) -> bool:
        return self.state == "established"

    @property
    def last(self) -> PacketResult | None:
        return self.results[-1] if self.results else None

    def __repr__(self) -> str:
        return f"<Connection {self.id} {self.request} {self.state}>"


class _SimWalk(_Walk):
    """The trace walk, with the simulator's state in place of a single flow's (see the module docstring)."""

    def __init__(self, sim: Simulator, connection: Connection, *, reply: bool, flags: frozenset[str]) -> None:
        super().__init__(sim.net, connection._walk_state, reply=reply, force=False)
        self.sim = sim
        self.connection = connection
        self.flags = flags
        self.seen: list[tuple[ConntrackEntry, Packet]] = []  # existing entries the packet passed through
        self.new: list[tuple[NetworkInterface, Packet, str | None]] = []  # (eni, packet, tracked-because or None)
        self.nat_seen: list[NatMapping] = []
        self.nat_opened: list[tuple[NatTable, NatMapping]] = []
        self.reset_by: str | None = None  # a NAT gateway that answered with an RST

    # G4-G6: the ENI's connection tracking table before its rules
    def security_groups(self, eni: NetworkInterface, packet: Packet, *, egress: bool) -> None:
        if eni.requester_managed and not eni.security_groups:
            return
        kind = "security-group-egress" if egress else "security-group-ingress"
        component = eni.security_groups[0].id if eni.security_groups else eni.id
        entry = self.sim._entry(eni, packet, self.connection.ident)
        if entry is not None:
            self.seen.append((entry, packet))
            self.hop(component, kind, "allow", rule="tracked", spec="G4",
                     detail=f"a packet of a tracked connection ({entry.reason})", packet=packet)  # fmt: skip
            return
        members = self.group_members(eni.vpc)
        allowing = self.matching(eni, packet, egress, members)
        if not allowing:
            super().security_groups(eni, packet, egress=egress)  # records the denial as trace does
            return
        group_id, rule = allowing[0]
        untracked = self.untracked(eni, packet, egress, [r for _, r in allowing], members)
        reason = None if untracked else f"{'ICMP' if packet.protocol in (1, 58) else 'rule'} {rule.id}: {rule}"
        self.new.append((eni, packet, reason))
        note = " (untracked: open to everyone both ways, G5)" if untracked else ""
        self.hop(group_id, kind, "allow", rule=rule.id, detail=f"{rule}{note}", spec="G1, G5" if untracked else "G1",
                 packet=packet)  # fmt: skip

    def matching(
        self, eni: NetworkInterface, packet: Packet, egress: bool, members: Callable[[str, IPAddress], bool]
    ) -> list[tuple[str, SecurityGroupRule]]:
        """Every (group id, rule) of the ENI's SGs that allows the packet in that direction (G1, G2)."""
        peer = packet.dst if egress else packet.src
        return [
            (group.id, rule)
            for group in eni.security_groups
            for rule in group.rules(egress)
            if _rule_matches(rule, packet, peer, self.prefix_list, members)
        ]

    def untracked(
        self,
        eni: NetworkInterface,
        packet: Packet,
        egress: bool,
        allowing: list[SecurityGroupRule],
        members: Callable[[str, IPAddress], bool],
    ) -> bool:
        """G5 judges a flow from its initiator's side: a reply is untracked when the request it answers would be."""
        if not self.reply:
            return untracked_by_rules(eni, packet, allowing, egress)
        request = Packet(packet.protocol, packet.dst, packet.src, packet.dst_port, packet.src_port)
        opening = [rule for _, rule in self.matching(eni, request, not egress, members)]
        return untracked_by_rules(eni, request, opening, not egress)

    # I4: ports from the NAT gateway's table; an idled-out TCP connection gets an RST
    def nat_port(self, nat: NatGateway, packet: Packet) -> int | None:
        table = self.sim._nat_table(nat)
        ident = self.connection.ident
        mapping = table.find(packet, ident)
        if mapping is not None:
            self.nat_seen.append(mapping)
            return mapping.port if packet.has_ports else packet.src_port
        if packet.protocol == 6 and "SYN" not in self.flags and table.timed_out(packet, ident) is not None:
            self.reset_by = nat.id
            table.metrics["PacketsDropCount"] += 1
            self.stop(nat.id, "nat-gateway", Disposition.DENIED_IN, "NGW_IDLE_TIMEOUT_RST", spec="I4",
                      detail=f"the connection idled out after {IDLE_TIMEOUT:g} s: the NAT gateway answers RST",
                      packet=packet)  # fmt: skip
        opened = table.open(packet, self.sim.now, ident)
        if opened is None:
            self.stop(nat.id, "nat-gateway", Disposition.DENIED_IN, "NGW_PORT_ALLOCATION_ERROR", spec="I4",
                      detail=f"{table.limit:,} connections to {protocol_name(packet.protocol)} "
                      f"{packet.dst}:{packet.dst_port} already: ErrorPortAllocation", packet=packet)  # fmt: skip
        self.nat_opened.append((table, opened))
        return opened.port if packet.has_ports else packet.src_port

    def nat_entry(self, nat: NatGateway, packet: Packet) -> tuple[Packet, int | None] | None:
        mapping = self.sim._nat_table(nat).answer(packet, self.connection.ident)
        if mapping is None:
            return None
        self.nat_seen.append(mapping)
        return mapping.request, mapping.port

    # I3: the egress-only internet gateway's state, with its idle timers
    def eigw_out(self, eigw: EgressOnlyInternetGateway, packet: Packet, origin: str) -> NoReturn:
        if not self.reply and packet.version == 6:
            key = (eigw.id, self.connection.id)
            fresh = key not in self.sim._eigw_seen
            self.sim._eigw_seen[key] = self.sim.now
            if fresh:
                self.sim._schedule(2, key)
        super().eigw_out(eigw, packet, origin)

    # M1/M3: the metadata service answers over HTTP, also to say it is disabled (403)
    def local_service(self, eni: NetworkInterface, packet: Packet) -> NoReturn:
        instance = eni.instance
        if (
            instance is not None
            and LINK_LOCAL_SERVICES.get(packet.dst) == "instance-metadata"
            and packet.version == 4
            and packet.protocol == 6
            and packet.dst_port == _IMDS_PORT
            and instance.metadata_options.http_endpoint == "disabled"
        ):
            self.end = "link-local"
            self.stop(f"{instance.id}:instance-metadata", "instance-metadata", Disposition.ACCEPTED, None,
                      spec="M1, M3", detail=f"answered by {instance.id}'s host: IMDS is disabled (HTTP 403)",
                      packet=packet)  # fmt: skip
        super().local_service(eni, packet)


class Simulator:
    """Send packets through a network over time, with the state AWS keeps between them.

    The simulator works on ``net`` itself (use :meth:`vpcsim.Network.what_if` for a scratch copy): its operations
    (``sim.revoke_security_group_egress(...)``, ``sim.stop_instance(...)``, any :class:`vpcsim.Network` operation)
    and those made on ``net`` directly are applied live and logged.

    Examples
    --------
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> sim = vpcsim.Simulator(net)
    >>> web, api = (next(i for i in net.instances if i.name == name) for name in ("web", "api"))
    >>> conn = sim.connect(vpcsim.internet("198.51.100.7"), web, "tcp", 443)
    >>> conn.state
    'established'
    >>> sim.advance(60)
    >>> sim.send(conn).delivered
    True
    >>> ping = sim.connect(api, vpcsim.internet("198.51.100.7"), "icmp")  # through a NAT gateway
    >>> ping.state, sim.conntrack(api)[0].reason
    ('established', 'ICMP sgr-...: -1 to 0.0.0.0/0')
    >>> len(sim.nat_connections(net.nat_gateways[0])) + len(sim.nat_connections(net.nat_gateways[1]))
    1
    """

    def __init__(
        self,
        net: Network,
        *,
        seed: int = 0,
        epoch: dt.datetime = EPOCH,
        nat_connections_per_destination: int = PORTS_PER_DESTINATION,
    ) -> None:
        self.net = net
        self.epoch = epoch
        self.seed = seed
        self._now = 0.0
        self._ports_per_destination = nat_connections_per_destination
        self._conntrack: dict[str, dict[FlowKey, ConntrackEntry]] = {}
        self._hosts: dict[str, str | None] = {}  # the instance an ENI's tracking entries were made on
        self._swept = 0.0  # the clock of the last expiry sweep
        self._timers: list[tuple[float, int, int, Any]] = []  # (when, order, kind, state): a heap, lazily refreshed
        self._timer_seq = 0
        self._nat: dict[str, NatTable] = {}
        self._eigw_seen: dict[tuple[str, str], float] = {}
        self._rows: list[dict[str, Any]] = []
        self._next_port: dict[IPAddress, int] = {}
        self._port_owners: dict[IPAddress, dict[int | None, Connection]] = {}  # client ports and who holds them
        self.connections: list[Connection] = []
        self.imds = MetadataService(net, epoch=epoch, seed=seed)
        net._observe(self._on_change)

    # ------------------------------------------------------------------ time

    @property
    def now(self) -> float:
        """Seconds since the simulation started."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock; tracking entries, NAT translations and EIGW state idle out on the way (G6, I4)."""
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not seconds >= 0:
            raise ValueError(f"advance() takes a number of seconds >= 0, got {seconds!r}.")
        until = self._now + float(seconds)
        self._expire(until)
        self._now = until

    def _expire(self, until: float) -> None:
        """Expire what idles out by ``until``, in time order. An edit (a lower timeout) can make state overdue: it
        expires at the first sweep after the edit, never before the previous sweep."""
        floor, self._swept = self._swept, until
        due: list[tuple[float, int, Any]] = []
        while self._timers and self._timers[0][0] <= until:
            _, _, kind, item = heapq.heappop(self._timers)
            when = self._due(kind, item)
            if when is None:
                continue  # gone already (closed, purged, expired)
            if when > until:
                self._schedule(kind, item, when)  # refreshed since it was scheduled
            else:
                due.append((max(when, floor), kind, item))
        for when, kind, item in sorted(due, key=lambda d: (d[0], d[1])):
            if kind == 0:
                self._conntrack[item.network_interface].pop(item.key, None)
                self._record("expire", time=when, component=item.network_interface,
                             explanation="CONNTRACK_IDLE_TIMEOUT",
                             detail=f"{item.kind()} entry idle for {when - item.last_seen:g} s (G6): {item.reason}",
                             packet=_key_text(item.key))  # fmt: skip
            elif kind == 1:
                nat_table, mapping = item
                nat_table.expire(mapping)
                self._record("expire", time=when, component=nat_table.nat_id, explanation="NGW_IDLE_TIMEOUT",
                             detail=f"translation idle for {IDLE_TIMEOUT:g} s (I4)",
                             packet=str(mapping.request))  # fmt: skip
            else:
                self._eigw_seen.pop(item, None)
                conn = self._connection(item[1])
                if conn is not None:
                    conn._walk_state.egress_only.discard(item[0])
                self._record("expire", time=when, component=item[0], connection=item[1],
                             explanation="EIGW_IDLE_TIMEOUT", detail="egress-only state idled out (I3)")  # fmt: skip

    def _due(self, kind: int, item: Any) -> float | None:
        """When a piece of state idles out, by the configuration of now; None when it is gone."""
        if kind == 0:
            entry: ConntrackEntry = item
            if self._conntrack.get(entry.network_interface, {}).get(entry.key) is not entry:
                return None
            eni = self.net._index.get(entry.network_interface)
            config = eni.connection_tracking if isinstance(eni, NetworkInterface) else ConnectionTracking()
            return entry.last_seen + entry.timeout(config)
        if kind == 1:
            table: NatTable = item[0]
            mapping: NatMapping = item[1]
            if self._nat.get(table.nat_id) is not table or table.find(mapping.request, mapping.ident) is not mapping:
                return None
            return mapping.last_seen + IDLE_TIMEOUT
        seen = self._eigw_seen.get(item)
        conn = self._connection(item[1])
        if seen is None or conn is None:
            return None
        return seen + _default_timeout(conn.request.protocol)  # not published for the gateway: the ENI defaults

    def _schedule(self, kind: int, item: Any, when: float | None = None) -> None:
        when = self._due(kind, item) if when is None else when
        if when is not None:
            self._timer_seq += 1
            heapq.heappush(self._timers, (when, self._timer_seq, kind, item))

    def _reschedule(self) -> None:
        """After an edit (a timeout may have changed), every timer again from the configuration of now."""
        self._timers = []
        for table in self._conntrack.values():
            for entry in table.values():
                self._schedule(0, entry)
        for nat_table in self._nat.values():
            for mapping in nat_table.mappings:
                self._schedule(1, (nat_table, mapping))
        for key in self._eigw_seen:
            self._schedule(2, key)

    # ------------------------------------------------------------------ connections

    def container(self, instance: Instance | str, *, hops: int = 1) -> Container:
        """A container on ``instance`` as a source (``hops`` routing hops behind it, M2)."""
        the_instance = self._resource(instance, Instance, "an instance")
        if isinstance(hops, bool) or not isinstance(hops, int) or not 1 <= hops <= 64:
            raise InvalidFlowError(f"hops {hops!r} is invalid: an integer in 1..64.")
        return Container(the_instance, hops)

    def connect(
        self,
        src: object,
        dst: object,
        protocol: object = "tcp",
        port: object = None,
        *,
        src_port: object = None,
        ip_version: int | None = None,
    ) -> Connection:
        """Open a connection: the TCP handshake (SYN, SYN-ACK, ACK), or a UDP or ICMP exchange (request, reply).

        Ends are what :meth:`vpcsim.Network.trace` accepts, plus a :meth:`container`. The client port is the next
        free one of the Linux ephemeral range unless ``src_port`` is given. The returned connection's ``state``
        says whether it opened; each packet is in ``results`` and :attr:`log`.
        """
        if isinstance(src, Container):
            src = src.instance
        source, destination = resolve_endpoints(self.net, self.net._by_name(src), self.net._by_name(dst), ip_version)
        packet, ephemeral = flow_packet(source, destination, protocol, port, src_port)
        if ephemeral:
            packet = attrs.evolve(packet, src_port=self._client_port(packet))
        conn = Connection(f"c{len(self.connections) + 1}", source, destination, packet, self._now)
        self._port_owners.setdefault(packet.src, {})[packet.src_port] = conn
        if not packet.has_ports:
            conn.ident = len(self.connections) + 1
        self.connections.append(conn)
        if packet.protocol == 6:
            steps = [("forward", {"SYN"}), ("reply", {"SYN", "ACK"}), ("forward", {"ACK"})]
        elif reply_packet(packet) is None:
            steps = [("forward", set())]
        else:
            steps = [("forward", set()), ("reply", set())]
        for direction, flags in steps:
            result = self._send(conn, direction, frozenset(flags))
            if not result.delivered:
                conn.state = "reset" if "RST" in result.detail else "failed"
                return conn
        conn.state = "established"
        for hop in conn.results[0].hops:  # CloudWatch's running count of connections made through the NAT gateway
            if hop.kind == "nat-gateway" and hop.component in self._nat:
                self._nat[hop.component].metrics["ConnectionEstablishedCount"] += 1
        return conn

    def send(
        self, connection: Connection, direction: str = "forward", *, flags: Iterable[str] | None = None
    ) -> PacketResult:
        """Send one packet of ``connection``: ``forward`` (client to server) or ``reply``; TCP ``flags`` default
        to ACK (``{"FIN", "ACK"}``, ``{"RST"}``... are accepted)."""
        if not isinstance(connection, Connection) or connection not in self.connections:
            raise InvalidFlowError(f"{connection!r} is not a connection of this simulator.")
        way = _DIRECTIONS.get(direction) if isinstance(direction, str) else None
        if way is None:
            raise InvalidFlowError(f"direction {direction!r} is invalid: 'forward' or 'reply'.")
        chosen = _flags(flags, connection.request.protocol)
        result = self._send(connection, way, chosen)
        if "RST" in chosen and result.delivered:
            connection.state = "reset"
            self._forget_connection(connection)
        elif not result.delivered and connection.state == "established":
            connection.state = "reset" if "RST" in result.detail else "broken"
        elif result.delivered and connection.state == "broken":
            connection.state = "established"
        return result

    def close(self, connection: Connection) -> list[PacketResult]:
        """Close a TCP connection (FIN each way and the last ACK); other protocols simply stop (their state idles
        out)."""
        if connection.request.protocol != 6:
            connection.state = "closed"
            return []
        results = []
        for direction, flags in (("forward", {"FIN", "ACK"}), ("reply", {"FIN", "ACK"}), ("forward", {"ACK"})):
            result = self._send(connection, direction, frozenset(flags))
            results.append(result)
            if not result.delivered:
                connection.state = "broken"
                return results
        connection.state = "closed"
        self._forget_connection(connection)
        return results

    def _client_port(self, packet: Packet) -> int:
        low, high = EPHEMERAL_PORTS["linux"]
        owners = self._port_owners.setdefault(packet.src, {})
        port = self._next_port.get(packet.src, low)
        for _ in range(high - low + 1):
            owner = owners.get(port)
            if owner is None or owner.state not in ("opening", "established", "broken"):
                break
            port = low if port >= high else port + 1
        else:
            raise InvalidFlowError(f"{packet.src} has no free ephemeral port left.")
        self._next_port[packet.src] = low if port >= high else port + 1
        return port

    def _send(self, conn: Connection, direction: str, flags: frozenset[str]) -> PacketResult:
        self._purge()
        self._expire(self._now)  # an edit may have made state overdue (a lower timeout)
        if direction == "forward":
            packet, start = conn.request, _start(conn.client)
        else:
            if conn.server_view is None:
                raise InvalidFlowError(f"{conn.id} has no reply to send: its first packet never arrived.")
            answer = reply_packet(conn.server_view)
            if answer is None:
                raise InvalidFlowError(f"{conn.request} has no reply (ICMP type {conn.request.dst_port}).")
            packet, start = answer, self._reply_start(conn)
        walk = _SimWalk(self, conn, reply=direction == "reply", flags=flags)
        outcome = walk.run(start, packet)
        delivered, disposition, explanation, detail = self._judge(conn, direction, outcome, walk)
        if outcome.disposition is not Disposition.LOOP:
            self._commit(walk, flags, path_kinds={h.kind for h in outcome.hops})
        if delivered and direction == "forward":
            conn.server_view = outcome.packet
            if conn.server_interface is None and isinstance(outcome.end, NetworkInterface):
                conn.server_interface, conn.server_host = outcome.end, outcome.end.instance
        deciding = _deciding(outcome.hops, delivered)
        result = PacketResult(
            time=self._now,
            connection=conn.id,
            direction=direction,
            packet=packet,
            flags=flags,
            disposition=disposition,
            explanation=explanation,
            component=deciding.component if deciding else None,
            rule=deciding.rule if deciding else None,
            delivered=delivered,
            hops=tuple(outcome.hops),
            detail=detail,
        )
        conn.results.append(result)
        self._record("packet", result=result)
        if walk.reset_by is not None:
            self._record("rst", connection=conn.id, direction="reply", component=walk.reset_by,
                         packet=str(reply_packet(packet)), flags="RST", explanation="NGW_IDLE_TIMEOUT_RST",
                         detail="the NAT gateway resets a connection it no longer knows (I4)")  # fmt: skip
        return result

    def _judge(
        self, conn: Connection, direction: str, outcome: _Outcome, walk: _SimWalk
    ) -> tuple[bool, Disposition, str | None, str]:
        """Whether the packet reached the connection's other end as that end expects it."""
        disposition, explanation = outcome.disposition, outcome.explanation
        if walk.reset_by is not None:
            return False, disposition, explanation, f"RST from {walk.reset_by}"
        if direction == "forward":
            if conn.server_view is None:  # the first packet: it must reach the destination asked for
                if disposition is Disposition.EXITS_NETWORK:
                    ok = _leads_to(self.net, outcome.exit, conn.server)
                    return ok, disposition, explanation, "" if ok else f"left the network, not towards {conn.server}"
                if disposition is not Disposition.ACCEPTED:
                    return False, disposition, explanation, ""
                if outcome.end == "link-local":
                    return conn.server.kind == "link-local", disposition, explanation, ""
                server = conn.server.network_interface
                ok = server is not None and (outcome.end is server or server in outcome.via)  # a node: its target
                return (
                    ok,
                    disposition,
                    explanation,
                    "" if ok else f"delivered to {_host(outcome.end)}, not {conn.server}",
                )
            return self._judge_later(conn, outcome)
        # a reply: it must reach the client from the address and port the client sent to
        if disposition is Disposition.EXITS_NETWORK:
            if not _leads_to(self.net, outcome.exit, conn.client):
                return False, disposition, explanation, f"left the network, not towards {conn.client}"
        elif disposition is not Disposition.ACCEPTED:
            return False, disposition, explanation, ""
        elif outcome.end != "link-local" and outcome.end is not conn.client.network_interface:
            return False, Disposition.DENIED_IN, "WRONG_HOST", f"delivered to {_host(outcome.end)}, not the client"
        got = (outcome.packet.src, outcome.packet.src_port, outcome.packet.dst, outcome.packet.dst_port)
        want = (conn.request.dst, conn.request.dst_port, conn.request.src, conn.request.src_port)
        if (outcome.packet.has_ports and got != want) or (not outcome.packet.has_ports and got[0] != want[0]):
            return (
                False,
                Disposition.DENIED_IN,
                "REPLY_SOURCE_MISMATCH",
                (f"the client expects {want[0]}:{want[1]}; this comes from {got[0]}:{got[1]}"),
            )
        return True, disposition, explanation, ""

    def _judge_later(self, conn: Connection, outcome: _Outcome) -> tuple[bool, Disposition, str | None, str]:
        disposition, explanation = outcome.disposition, outcome.explanation
        if disposition is Disposition.EXITS_NETWORK:
            ok = _leads_to(self.net, outcome.exit, conn.server)
            same = conn.server_view is not None and outcome.packet == conn.server_view
            if ok and not same and conn.request.protocol == 6:
                return (
                    False,
                    Disposition.DENIED_IN,
                    "WRONG_HOST",
                    (f"the server knows the connection as {conn.server_view}, not {outcome.packet}: it answers RST"),
                )
            return ok, disposition, explanation, "" if ok else f"left the network, not towards {conn.server}"
        if disposition is not Disposition.ACCEPTED:
            return False, disposition, explanation, ""
        if outcome.end == "link-local":
            return conn.server.kind == "link-local", disposition, explanation, ""
        end = outcome.end
        if end is not conn.server_interface or (
            isinstance(end, NetworkInterface) and end.instance is not conn.server_host
        ):
            return (
                False,
                Disposition.DENIED_IN,
                "WRONG_HOST",
                (
                    f"delivered to {_host(end)}, which has no such connection"
                    + (": it answers RST" if conn.request.protocol == 6 else "")
                ),
            )
        if conn.request.protocol == 6 and outcome.packet != conn.server_view:
            return (
                False,
                Disposition.DENIED_IN,
                "WRONG_HOST",
                (f"the server knows the connection as {conn.server_view}, not {outcome.packet}: it answers RST"),
            )
        return True, disposition, explanation, ""

    def _reply_start(self, conn: Connection) -> tuple[object, ...]:
        state = conn._walk_state
        if conn.server_interface is not None:
            return ("eni", conn.server_interface)
        if conn.server.kind == "link-local":
            eni = conn.client.network_interface
            instance = eni.instance if eni is not None else None
            return ("link-local", f"{instance.id if instance else '?'}:{LINK_LOCAL_SERVICES[conn.request.dst]}", eni)
        if state.exit is not None and state.exit[0] in ("vpn", "vpc-endpoint"):
            return state.exit
        return ("internet",)

    # ------------------------------------------------------------------ state

    def _entry(self, eni: NetworkInterface, packet: Packet, ident: int | None) -> ConntrackEntry | None:
        table = self._conntrack.get(eni.id)
        return table.get(flow_key(packet, ident)) if table else None

    def _nat_table(self, nat: NatGateway) -> NatTable:
        table = self._nat.get(nat.id)
        if table is None:
            table = self._nat[nat.id] = NatTable(nat.id, seed=self.seed, limit=self._ports_per_destination)
        return table

    def _commit(self, walk: _SimWalk, flags: frozenset[str], *, path_kinds: set[str]) -> None:
        """After a walk: refresh what the packet passed through, and track the flows it opened (G5)."""
        auto = next((AUTO_TRACKED[k] for k in AUTO_TRACKED if k in path_kinds), None)
        conn = walk.connection
        for entry, packet in walk.seen:
            entry.see(packet, flags, self._now)
            if "RST" in flags or (
                entry.protocol == 6 and len(entry.fins) == 2 and "ACK" in flags and "FIN" not in flags
            ):
                self._conntrack.get(entry.network_interface, {}).pop(entry.key, None)
        for eni, packet, reason in walk.new:
            if reason is None and auto is not None:
                reason = f"through {auto} (G5: always tracked)"
            if reason is None or "RST" in flags:
                continue
            entry = ConntrackEntry(flow_key(packet, conn.ident), eni.id, packet.protocol,
                                   (packet.src, packet.src_port if packet.has_ports else None), self._now, self._now,
                                   reason)  # fmt: skip
            entry.see(packet, flags, self._now)
            self._conntrack.setdefault(eni.id, {})[entry.key] = entry
            self._hosts[eni.id] = eni.instance.id if eni.instance is not None else None
            self._schedule(0, entry)
        for mapping in walk.nat_seen:
            mapping.last_seen = self._now
        for table, mapping in walk.nat_opened:
            if "RST" in flags:
                table.close(mapping)
            else:
                self._schedule(1, (table, mapping))
        for eigw_id in list(conn._walk_state.egress_only):
            if any(h.component == eigw_id for h in walk.hops):
                self._eigw_seen[(eigw_id, conn.id)] = self._now

    def _forget_connection(self, conn: Connection) -> None:
        """A closed or reset connection: its entries and translations go at once."""
        keys = {flow_key(conn.request, conn.ident)}
        if conn.server_view is not None:
            keys.add(flow_key(conn.server_view, conn.ident))
        for table in self._conntrack.values():
            for entry_key in [k for k in table if k in keys]:
                table.pop(entry_key)
        for result in conn.results:
            for hop in result.hops:
                if hop.kind == "nat-gateway" and hop.component in self._nat:
                    nat_table = self._nat[hop.component]
                    mapping = nat_table.find(conn.request, conn.ident)
                    if mapping is not None:
                        nat_table.close(mapping)
        for k in [k for k in self._eigw_seen if k[1] == conn.id]:
            self._eigw_seen.pop(k)

    def _connection(self, conn_id: str) -> Connection | None:
        index = int(conn_id[1:]) - 1
        return self.connections[index] if 0 <= index < len(self.connections) else None

    def _purge(self) -> None:
        """State of resources that are gone or not running goes with them: a stopped instance's connection
        tracking entries, a deleted NAT gateway's translations."""
        for eni_id in list(self._conntrack):
            eni = self.net._index.get(eni_id)
            instance = eni.instance if isinstance(eni, NetworkInterface) else None
            moved = (instance.id if instance is not None else None) != self._hosts.get(eni_id)
            down = instance is not None and instance.state != "running"
            if not isinstance(eni, NetworkInterface) or moved or down:
                del self._conntrack[eni_id]
        for nat_id in list(self._nat):
            nat = self.net._index.get(nat_id)
            if not isinstance(nat, NatGateway) or nat.state != "available":
                del self._nat[nat_id]

    def conntrack(self, network_interface: NetworkInterface | str | None = None) -> list[ConntrackEntry]:
        """The live connection tracking entries (of one ENI, or all), oldest first."""
        if network_interface is None:
            entries = [e for table in self._conntrack.values() for e in table.values()]
        else:
            eni = self._resource(network_interface, NetworkInterface, "a network interface")
            entries = list(self._conntrack.get(eni.id, {}).values())
        return sorted(entries, key=lambda e: e.opened)

    def nat_metrics(self, nat_gateway: NatGateway | str) -> dict[str, int]:
        """The NAT gateway's CloudWatch-style counters: ActiveConnectionCount, ConnectionAttemptCount,
        ErrorPortAllocation, IdleTimeoutCount, PacketsDropCount (I4)."""
        nat = self._resource(nat_gateway, NatGateway, "a NAT gateway")
        table = self._nat_table(nat)
        metrics = dict(table.metrics)
        metrics["ActiveConnectionCount"] = len(table)
        return metrics

    def nat_connections(self, nat_gateway: NatGateway | str) -> list[NatMapping]:
        """The NAT gateway's live translations."""
        nat = self._resource(nat_gateway, NatGateway, "a NAT gateway")
        return self._nat_table(nat).mappings

    # ------------------------------------------------------------------ edits

    def _on_change(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        shown = ", ".join([*(_short(a) for a in args), *(f"{k}={_short(v)}" for k, v in kwargs.items())])
        self._record("edit", component=_short(args[0]) if args else None, detail=f"{name}({shown})")
        if name in ("stop_instance", "terminate_instance") and args:
            instance = self.net._index.get(_short(args[0]))
            if isinstance(instance, Instance):
                self.imds.forget(instance)
        self._purge()
        self._reschedule()

    def __getattr__(self, name: str) -> Any:
        """Network operations, applied live: ``sim.revoke_security_group_ingress(sg, ...)``."""
        if name.startswith("_"):
            raise AttributeError(name)
        operation = getattr(type(self.net), name, None)
        if operation is None or not getattr(operation, "__vpcsim_operation__", False):
            raise AttributeError(f"{type(self).__name__!r} has no attribute {name!r} (nor is it a Network operation)")
        return getattr(self.net, name)

    # ------------------------------------------------------------------ IMDS over HTTP (M1-M3)

    def request(
        self, source: object, method: str, url: str, *, headers: Mapping[str, str] | None = None
    ) -> HttpResponse:
        """An HTTP request from an instance (or a :meth:`container` on it) to its metadata service.

        The request's packet takes the walk (so a stopped instance or an IMDS turned off for IPv6 shows why);
        the answer leaves with IP TTL 64, or the hop limit for a token (M3): a container ``hops`` away gets it only
        if the limit exceeds ``hops``; else the response never arrives (``status`` None).
        """
        instance, hops = self._http_host(source)
        if not isinstance(method, str) or not method.isalpha():
            raise InvalidFlowError(f"HTTP method {method!r} is invalid.")
        address, path = _imds_url(url)
        header_map = {str(k): str(v) for k, v in (headers or {}).items()}
        eni = instance.primary_network_interface
        src = eni.private_ip if address.version == 4 else next(iter(eni.ipv6_addresses), None)
        if src is None:
            raise InvalidFlowError(f"{eni.id} has no IPv6 address to reach {address} from.")
        source_end = Endpoint("network-interface", src, eni.id, network_interface=eni)
        target = Endpoint("link-local", address, f"instance-metadata ({address})")
        packet = Packet(6, src, address, self._client_port(Packet(6, src, address, 0, 80)), _IMDS_PORT)
        conn = Connection(f"c{len(self.connections) + 1}", source_end, target, packet, self._now)
        self._port_owners.setdefault(src, {})[packet.src_port] = conn
        self.connections.append(conn)
        label = f"{method.upper()} {path}"
        result = self._send(conn, "forward", frozenset({"SYN"}))
        if not result.delivered:
            conn.state = "failed"
            self._record("http", connection=conn.id, direction="forward", packet=label,
                         explanation=result.explanation,
                         disposition=str(result.disposition), detail="no connection: no response")  # fmt: skip
            return HttpResponse(None, "no connection", "", {}, 0, f"the request did not arrive: {result.explanation}")
        conn.state = "established"
        response = self.imds.handle(instance, HttpRequest(method.upper(), path, header_map), now=self._now,
                                    ipv6=address.version == 6)  # fmt: skip
        if response.ttl <= hops:
            self._record("http", connection=conn.id, direction="reply", packet=label, delivered=False,
                         disposition=str(Disposition.DENIED_IN), explanation="IMDS_HOP_LIMIT",
                         component=f"{instance.id}:instance-metadata", rule=response.ttl,
                         detail=f"{response.status} {response.reason} sent with IP TTL {response.ttl}; it dies "
                         f"after {response.ttl} hop(s), {hops} short of the container (M3)")  # fmt: skip
            return HttpResponse(None, "timed out", "", {}, response.ttl,
                                f"the response (IP TTL {response.ttl}) expired {hops} hop(s) away "
                                "(M2, M3)")  # fmt: skip
        self._record("http", connection=conn.id, direction="reply", packet=label, delivered=True,
                     disposition=str(Disposition.ACCEPTED), component=f"{instance.id}:instance-metadata",
                     detail=f"{response.status} {response.reason}: {response.explanation}")  # fmt: skip
        conn.state = "closed"
        return response

    def curl(self, source: object, command: str, *, variables: Mapping[str, str] | None = None) -> HttpResponse:
        """Run a ``curl`` command line against the metadata service, as on the instance (or a container).

        ``$NAME``/``${NAME}`` are taken from ``variables``. Supported options: ``-X``/``--request``,
        ``-H``/``--header``, and the quiet ones (``-s``, ``-S``, ``-f``, ``-L``, ``-v``, ``-i``, ``-m N``...).
        """
        method, url, headers = _parse_curl(command, variables or {})
        return self.request(source, method, url, headers=headers)

    def _http_host(self, source: object) -> tuple[Instance, int]:
        if isinstance(source, Container):
            return source.instance, source.hops
        return self._resource(source, Instance, "an instance or a container (only they have an IMDS)"), 0

    def _resource(self, ref: object, kind: type[R], noun: str) -> R:
        """An object or id of this network; an instance stands for its primary ENI and an ENI for its instance."""
        found = self.net._by_name(ref)  # an id or a Name tag
        if isinstance(found, Resource):  # an object of the network this one was copied from stands for its id
            found = found.id
        if isinstance(found, str):
            found = self.net._index.get(found)
        if kind is NetworkInterface and isinstance(found, Instance):
            found = found.primary_network_interface
        if kind is Instance and isinstance(found, NetworkInterface):
            found = found.instance
        if not isinstance(found, kind):
            raise InvalidFlowError(f"{ref!r} is not {noun} of this network.")
        return found

    # ------------------------------------------------------------------ log

    def _record(
        self, event: str, *, result: PacketResult | None = None, time: float | None = None, **fields: Any
    ) -> None:
        row: dict[str, Any] = dict.fromkeys(_COLUMNS)
        row["time"] = self._now if time is None else time
        row["event"] = event
        if result is not None:
            row.update(
                connection=result.connection,
                direction=result.direction,
                packet=str(result.packet),
                flags=_flag_text(result.flags) or None,
                disposition=str(result.disposition),
                explanation=result.explanation,
                component=result.component,
                rule=result.rule,
                delivered=result.delivered,
                detail=result.detail,
            )
        row.update(fields)
        self._rows.append(row)

    @property
    def events(self) -> list[dict[str, Any]]:
        """The log as plain rows (what :attr:`log` shows, without pandas)."""
        return [dict(r) for r in self._rows]

    @property
    def log(self) -> pd.DataFrame:
        """Every packet, edit and timeout so far: time, event, connection, direction, packet, flags, disposition,
        explanation, component, rule, delivered, detail."""
        import pandas as pd

        frame = pd.DataFrame(self._rows, columns=_COLUMNS)
        return frame.astype({"rule": "object"})

    def _repr_html_(self) -> str:
        frame = self.log
        head = (
            f"<p><b>vpcsim.Simulator</b> at t={self._now:g} s: {len(self.connections)} connection(s), "
            f"{sum(len(t) for t in self._conntrack.values())} tracked flow(s), "
            f"{sum(len(t) for t in self._nat.values())} NAT translation(s)</p>"
        )
        return head + str(frame.tail(50).to_html(index=False, na_rep=""))

    def __repr__(self) -> str:
        return f"<Simulator t={self._now:g}s connections={len(self.connections)} log={len(self._rows)} rows>"


# ---------------------------------------------------------------------- helpers


def _default_timeout(protocol: int) -> float:
    defaults = ConnectionTracking()
    if protocol == 6:
        return defaults.tcp_established_timeout
    return defaults.udp_stream_timeout if protocol == 17 else OTHER_TIMEOUT


def _deciding(hops: Sequence[Hop], delivered: bool) -> Hop | None:
    """The hop that decided: the drop, or (delivered) the last security group that let the packet in."""
    if not hops:
        return None
    if hops[-1].dropped or not delivered:
        return hops[-1]
    for hop in reversed(hops):
        if hop.kind.startswith("security-group") or hop.kind == "instance-metadata":
            return hop
    return hops[-1]


def _host(end: object) -> str:
    if isinstance(end, NetworkInterface):
        return f"{end.id} ({end.instance.id})" if end.instance is not None else end.id
    return str(end)


def _short(value: object) -> str:
    identifier = getattr(value, "id", None)
    return str(identifier) if isinstance(identifier, str) else repr(value)


def _key_text(key: FlowKey) -> str:
    protocol, a, a_port, b, b_port = key
    family = ipaddress.ip_address(a) if a > 0xFFFFFFFF else ipaddress.IPv4Address(a)
    other = ipaddress.ip_address(b) if b > 0xFFFFFFFF else ipaddress.IPv4Address(b)
    ports = (f":{a_port}", f":{b_port}") if a_port >= 0 else ("", "")
    return f"{protocol_name(protocol)} {family}{ports[0]} <-> {other}{ports[1]}"


def _flags(flags: Iterable[str] | None, protocol: int) -> frozenset[str]:
    if flags is None:
        return frozenset({"ACK"}) if protocol == 6 else frozenset()
    items = {flags} if isinstance(flags, str) else set(flags)
    chosen = {str(f).upper() for f in items}
    if protocol != 6 and chosen:
        raise InvalidFlowError(f"TCP flags {sorted(chosen)} on a {protocol_name(protocol)} connection.")
    unknown = chosen - set(_TCP_FLAGS)
    if unknown:
        raise InvalidFlowError(f"unknown TCP flag(s) {sorted(unknown)}: use {', '.join(_TCP_FLAGS)}.")
    return frozenset(chosen)


def _flag_text(flags: frozenset[str]) -> str:
    return ",".join(f for f in _TCP_FLAGS if f in flags)


def _imds_url(url: object) -> tuple[IPAddress, str]:
    if not isinstance(url, str):
        raise InvalidFlowError(f"URL {url!r} is not a string.")
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "http":
        raise InvalidFlowError(f"URL {url!r}: the metadata service speaks plain http.")
    try:
        address = ipaddress.ip_address(parsed.hostname or "")
    except ValueError:
        address = None
    if address not in IMDS_ADDRESSES:
        raise InvalidFlowError(
            f"URL {url!r}: only the instance metadata service (169.254.169.254 or [fd00:ec2::254]) answers HTTP "
            "in the simulator; use connect() for other hosts."
        )
    if parsed.port not in (None, _IMDS_PORT):
        raise InvalidFlowError(f"URL {url!r}: the metadata service listens on port 80 only.")
    assert address is not None
    path = parsed.path or "/"
    return address, path + (f"?{parsed.query}" if parsed.query else "")


_CURL_QUIET = set("sSfLviknN")
_CURL_WITH_VALUE = {"-m", "--max-time", "--connect-timeout", "-o", "--output", "--retry", "-w", "--write-out"}
_CURL_FLAGS = {
    "--silent",
    "--show-error",
    "--fail",
    "--location",
    "--verbose",
    "--include",
    "--insecure",
    "--no-buffer",
}


def _parse_curl(command: object, variables: Mapping[str, str]) -> tuple[str, str, dict[str, str]]:
    if not isinstance(command, str):
        raise InvalidFlowError(f"curl command {command!r} is not a string.")
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise InvalidFlowError(f"curl command {command!r}: {exc}.") from None
    if words and words[0] == "curl":
        words = words[1:]
    method, url, headers = None, None, {}
    i = 0
    while i < len(words):
        word = _expand(words[i], variables)
        value = _expand(words[i + 1], variables) if i + 1 < len(words) else None
        if word in ("-X", "--request") or word in ("-H", "--header") or word in _CURL_WITH_VALUE:
            if value is None:
                raise InvalidFlowError(f"curl option {word} needs a value.")
            if word in ("-X", "--request"):
                method = value
            elif word in ("-H", "--header"):
                name, sep, text = value.partition(":")
                if not sep or not name.strip():
                    raise InvalidFlowError(f"curl header {value!r} is not 'Name: value'.")
                headers[name.strip()] = text.strip()
            i += 2
            continue
        if word.startswith("-X") and len(word) > 2:
            method = word[2:]
        elif word in _CURL_FLAGS or (
            word.startswith("-") and not word.startswith("--") and set(word[1:]) <= _CURL_QUIET and len(word) > 1
        ):
            pass
        elif word.startswith("-"):
            raise InvalidFlowError(f"curl option {word} is not supported by the simulator.")
        elif url is None:
            url = word
        else:
            raise InvalidFlowError(f"curl command has two URLs: {url!r} and {word!r}.")
        i += 1
    if url is None:
        raise InvalidFlowError(f"curl command {command!r} has no URL.")
    return (method or "GET").upper(), url, headers


def _expand(word: str, variables: Mapping[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name not in variables:
            raise InvalidFlowError(f"curl command uses ${name}, which is not in variables.")
        return str(variables[name])

    return re.sub(r"\$\{(\w+)\}|\$(\w+)", value, word)
