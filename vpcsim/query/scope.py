"""Access scopes in the style of AWS Network Access Analyzer: find the paths that match a statement, and check a
scope (match statements minus exclude statements) for findings, exactly.

A path is what connects (request and reply) between a source and a destination for a protocol and port range,
with the components it passes: the hop components of a ``trace`` of one flow of its header-space cell (every
packet of a cell takes the same path). ``through`` names components a path must pass between its ends:
resources or ids (an instance stands for its interfaces), or types (``"nat-gateway"``, ``"internet-gateway"``,
``"transit-gateway"``, ``"vpc-peering-connection"``, ``"network-interface"`` for an appliance, ... or NAA's
``"AWS::EC2::NatGateway"`` names).
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from vpcsim.addr import protocol_name
from vpcsim.engine.endpoints import INTERNET, InternetHost, load_balancer_named
from vpcsim.errors import VpcsimError
from vpcsim.model.base import Resource
from vpcsim.model.gateways import EgressOnlyInternetGateway, InternetGateway
from vpcsim.model.interface import Instance
from vpcsim.model.vpc import Vpc
from vpcsim.query.ends import cidrs_named, ends
from vpcsim.query.exposure import _listed, _protocol, parse_ports
from vpcsim.query.headerspace import Cells, End, Question, line_of, merge_ranges, ranges_of, run

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.engine.verdict import Trace
    from vpcsim.network import Network

__all__ = ["AccessScope", "Path", "PathSpec", "ScopeError", "check", "find_paths"]

_TYPES = {
    "internet-gateway": "igw-", "egress-only-internet-gateway": "eigw-", "nat-gateway": "nat-",
    "transit-gateway": "tgw-", "transit-gateway-attachment": "tgw-attach-", "vpc-peering-connection": "pcx-",
    "vpn-gateway": "vgw-", "vpn-connection": "vpn-", "vpc-endpoint": "vpce-", "network-interface": "eni-",
    "instance": "i-", "security-group": "sg-", "network-acl": "acl-", "route-table": "rtb-", "subnet": "subnet-",
    "vpc": "vpc-",
}  # fmt: skip
_NAA_TYPES = {
    "AWS::EC2::InternetGateway": "internet-gateway", "AWS::EC2::EgressOnlyInternetGateway":
    "egress-only-internet-gateway", "AWS::EC2::NatGateway": "nat-gateway", "AWS::EC2::TransitGateway":
    "transit-gateway", "AWS::EC2::TransitGatewayAttachment": "transit-gateway-attachment",
    "AWS::EC2::VPCPeeringConnection": "vpc-peering-connection", "AWS::EC2::VPNGateway": "vpn-gateway",
    "AWS::EC2::VPNConnection": "vpn-connection", "AWS::EC2::VPCEndpoint": "vpc-endpoint",
    "AWS::EC2::NetworkInterface": "network-interface", "AWS::EC2::Instance": "instance",
    "AWS::EC2::SecurityGroup": "security-group", "AWS::EC2::NetworkAcl": "network-acl",
    "AWS::EC2::RouteTable": "route-table", "AWS::EC2::Subnet": "subnet", "AWS::EC2::VPC": "vpc",
}  # fmt: skip


class ScopeError(VpcsimError, ValueError):
    """A malformed access scope (an unknown key, a resource type vpcsim does not know)."""


@attrs.frozen
class PathSpec:
    """One path statement: which sources, destinations, components on the way, protocols and ports.

    ``None`` means any: every instance's interfaces and :data:`vpcsim.INTERNET` for the ends, every protocol, every
    port. ``through`` lists components a path must pass (all of them)."""

    source: object = None
    destination: object = None
    through: object = None
    protocol: object = None
    ports: object = None


def _match_specs(values: Any) -> tuple[PathSpec, ...]:
    return _specs(values, "match")


def _exclude_specs(values: Any) -> tuple[PathSpec, ...]:
    return _specs(values, "exclude")


@attrs.frozen
class AccessScope:
    """Paths that must not exist: those matching any ``match`` statement and no ``exclude`` statement.

    Example: "nothing from the internet reaches port 5432 except through the firewall"::

        AccessScope(match=[PathSpec(source=vpcsim.INTERNET, ports=5432)], exclude=[PathSpec(through=firewall)])
    """

    match: tuple[PathSpec, ...] = attrs.field(converter=_match_specs)
    exclude: tuple[PathSpec, ...] = attrs.field(converter=_exclude_specs, default=())
    name: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AccessScope:
        """A scope from Network Access Analyzer's JSON shape (``MatchPaths`` / ``ExcludePaths``, each with
        ``Source``/``Destination`` statements (``ResourceStatement.Resources``, ``PacketHeaderStatement.
        SourceAddresses``/``DestinationAddresses``/``DestinationPorts``/``Protocols``) and
        ``ThroughResources``)."""
        if not isinstance(data, Mapping):
            raise ScopeError(f"An access scope is a mapping with MatchPaths; got {type(data).__name__}.")
        unknown = set(data) - {"MatchPaths", "ExcludePaths", "Name"}
        if unknown:
            raise ScopeError(f"Unknown access scope keys {sorted(unknown)}: use MatchPaths, ExcludePaths, Name.")
        if not data.get("MatchPaths"):
            raise ScopeError("An access scope needs at least one entry in MatchPaths.")
        return cls(
            tuple(_statement(p, f"MatchPaths[{i}]") for i, p in enumerate(data["MatchPaths"])),
            tuple(_statement(p, f"ExcludePaths[{i}]") for i, p in enumerate(data.get("ExcludePaths") or [])),
            str(data.get("Name", "")),
        )


def _specs(values: Any, field: str) -> tuple[PathSpec, ...]:
    items = tuple(values) if isinstance(values, list | tuple) else (values,)
    for item in items:
        if not isinstance(item, PathSpec):
            raise ScopeError(f"AccessScope {field} takes PathSpec statements, not {item!r}.")
    return items


def _statement(path: Any, where: str) -> PathSpec:
    if not isinstance(path, Mapping):
        raise ScopeError(f"{where} must be a mapping, not {type(path).__name__}.")
    unknown = set(path) - {"Source", "Destination", "ThroughResources"}
    if unknown:
        raise ScopeError(f"{where}: unknown keys {sorted(unknown)}.")
    source, ports, protocols = _side(path.get("Source"), f"{where}.Source", "SourceAddresses")
    destination, dports, dprotocols = _side(path.get("Destination"), f"{where}.Destination", "DestinationAddresses")
    through = [r for t in path.get("ThroughResources") or [] for r in _resources(t, f"{where}.ThroughResources")]
    port_spec = dports or ports
    protocol = dprotocols or protocols or ["tcp", "udp"]  # NAA: "If you omit this field, tcp or udp"
    return PathSpec(source, destination, through or None, protocol or None, _naa_ports(port_spec, where))


def _side(side: Any, where: str, address_key: str) -> tuple[object, list[str], list[str]]:
    if side is None:
        return None, [], []
    if not isinstance(side, Mapping):
        raise ScopeError(f"{where} must be a mapping.")
    unknown = set(side) - {"ResourceStatement", "PacketHeaderStatement"}
    if unknown:
        raise ScopeError(f"{where}: unknown keys {sorted(unknown)}.")
    items: list[object] = []
    if side.get("ResourceStatement") is not None:
        items += _resources(side, where)
    header = side.get("PacketHeaderStatement") or {}
    addresses = header.get(address_key) or []
    items += list(addresses)  # "0.0.0.0/0": every IPv4 address outside the VPCs (internet or on-premises)
    ports = [str(p) for p in header.get("DestinationPorts") or []]
    protocols = [str(p) for p in header.get("Protocols") or []]
    return (items or None), ports, protocols


def _resources(statement: Any, where: str) -> list[object]:
    resource = (statement or {}).get("ResourceStatement") or {}
    out: list[object] = list(resource.get("Resources") or [])
    for kind in resource.get("ResourceTypes") or []:
        if kind not in _NAA_TYPES and kind not in _TYPES:
            raise ScopeError(f"{where}: resource type {kind!r} is not one vpcsim knows ({sorted(_NAA_TYPES)}).")
        out.append(_NAA_TYPES.get(kind, kind))
    return out


def _naa_ports(ports: list[str], where: str) -> object:
    if not ports:
        return None
    if len(ports) > 1:
        raise ScopeError(f"{where}: give one port or range per statement, not {ports}.")
    text = ports[0]
    try:
        if "-" in text:
            lo, hi = text.split("-", 1)
            return int(lo), int(hi)
        return int(text)
    except ValueError:
        raise ScopeError(f"{where}: port {text!r} is not a port or a lo-hi range.") from None


# ---------------------------------------------------------------------------------------------------- paths


@attrs.frozen(eq=False)
class Path:
    """A path that connects: source and destination (labels, and CIDRs for an address space), protocol, port
    ranges, and the components passed (request then reply, in order). ``example`` is a flow to ``trace``."""

    source: str
    destination: str
    protocol: str
    ports: list[tuple[int, int]]
    sources: list[str]
    destinations: list[str]
    components: list[str]
    example: tuple[Any, ...]
    trace: Trace = attrs.field(repr=False)

    def through(self) -> list[str]:
        """The components between the ends (the ends' own interfaces and instances left out)."""
        return _between(self.trace, self.components)

    def as_row(self) -> dict[str, Any]:
        return {"source": self.source, "destination": self.destination, "protocol": self.protocol,
                "ports": self.ports, "sources": self.sources, "destinations": self.destinations,
                "through": self.through(), "components": self.components}  # fmt: skip


class Paths(Sequence[Path]):
    """A list of :class:`Path` with ``frame()`` and an HTML view."""

    def __init__(self, paths: list[Path], title: str = "Paths") -> None:
        self._paths = paths
        self.title = title

    def __getitem__(self, index: Any) -> Any:
        return self._paths[index]

    def __len__(self) -> int:
        return len(self._paths)

    def __iter__(self) -> Iterator[Path]:
        return iter(self._paths)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["source", "destination", "protocol", "ports", "sources", "destinations", "through", "components"]
        return pd.DataFrame([p.as_row() for p in self._paths], columns=columns)

    def __repr__(self) -> str:
        return f"<{self.title}: {len(self._paths)}>"

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.title)}</b>: {len(self._paths)}</p>"
        if not self._paths:
            return head
        frame = self.frame()
        for name in ("ports", "sources", "destinations", "through", "components"):
            frame[name] = frame[name].map(lambda x: ", ".join(map(str, x)))
        table: str = frame.head(50).to_html(index=False)
        return head + table


def find_paths(
    net: Network,
    *,
    source: object = None,
    destination: object = None,
    through: object = None,
    exclude_through: object = None,
    protocol: object = None,
    ports: object = None,
) -> Paths:
    """See :meth:`vpcsim.Network.find_paths`."""
    return Paths(_paths(net, PathSpec(source, destination, through, protocol, ports), exclude_through))


def check(net: Network, scope: AccessScope | Mapping[str, Any]) -> Paths:
    """See :meth:`vpcsim.Network.check`."""
    if not isinstance(scope, AccessScope):
        scope = AccessScope.from_dict(scope)
    findings: list[Path] = []
    for statement in scope.match:
        for path in _paths(net, statement, None):
            rest: Path | None = path
            for exclude in scope.exclude:
                rest = _subtract(net, rest, exclude) if rest is not None else None
            if rest is not None:
                findings.append(rest)
    return Paths(findings, f"Findings{' of ' + scope.name if scope.name else ''}")


def _expand(net: Network, spec: object) -> object:
    """Resource types as ends: ``"internet-gateway"`` (or an internet gateway) is the internet on its other side;
    ``"instance"``/``"network-interface"``/``"subnet"``/``"vpc"`` every instance's interfaces."""
    out: list[object] = []
    for item in _listed(spec):
        kind = _NAA_TYPES.get(item, item) if isinstance(item, str) else None
        found = net._by_name(item)
        if isinstance(found, str) and found in net:
            found = net.get(found)
        if kind in ("internet-gateway", "egress-only-internet-gateway") or isinstance(
            found, InternetGateway | EgressOnlyInternetGateway
        ):
            out.append(INTERNET)
        elif kind in ("instance", "network-interface", "subnet", "vpc"):
            out += [e for e in net.network_interfaces if e.instance is not None]
        elif isinstance(found, Vpc):
            out += [e for e in net.network_interfaces if e.instance is not None and e.vpc is found]
        else:
            out.append(item)
    return out


def _default_sources(net: Network) -> list[object]:
    return [*(e for e in net.network_interfaces if e.instance is not None), INTERNET]


def _paths(net: Network, spec: PathSpec, exclude_through: object) -> list[Path]:
    numbers = None if spec.protocol is None else tuple(_protocol(p) for p in _listed(spec.protocol))
    if numbers is None and spec.ports is not None:
        numbers = (6, 17)  # ports without protocols: TCP and UDP (as Network Access Analyzer)
    port_range = parse_ports(spec.ports)
    source = _expand(net, spec.source) if spec.source is not None else _default_sources(net)
    destination = (_expand(net, spec.destination) if spec.destination is not None
                   else [*net.network_interfaces, INTERNET])  # fmt: skip
    line = line_of([net], [*cidrs_named(source), *cidrs_named(destination)])
    src_ends = ends(net, source, "source", line)
    outside = all(e.internet for e in src_ends)
    dst_ends = ends(net, destination, "destination", line, outside_peer=outside)
    cut, results, _ = run([net], Question(tuple(src_ends), tuple(dst_ends), numbers, port_range), line)
    result = results[0]
    if result is None:
        return []
    connected = np.asarray(result.connected)
    want = _matchers(net, spec.through)
    avoid = _matchers(net, exclude_through)
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for row in np.flatnonzero(connected).tolist():
        groups[(int(cut.pair[row]), int(cut.klass[row]), int(cut.protocol[row]))].append(row)
    merged: dict[tuple[Any, ...], list[tuple[int, list[int]]]] = defaultdict(list)
    traces: dict[tuple[Any, ...], Any] = {}
    for (p, klass, protocol), rows in groups.items():
        example = _example(cut, p, klass, protocol, rows[0])
        src, dst, number, port, src_port = example
        trace = net.trace(src, dst, number, port, src_port, ip_version=cut.pairs[p][0].version)
        components = list(dict.fromkeys(
            [h.component for h in trace.hops] + [h.component for h in (trace.reply.hops if trace.reply else [])]
        ))  # fmt: skip
        between = _between(trace, components)
        if want and not all(any(m(c) for c in between) for m in want):
            continue
        if avoid and any(m(c) for m in avoid for c in between):
            continue
        ranges = tuple(merge_ranges((int(cut.port_lo[r]), int(cut.port_hi[r])) for r in rows))
        key = (p, protocol, ranges, tuple(components))
        merged[key].append((klass, rows))
        traces.setdefault(key, (trace, example))
    out: list[Path] = []
    for (p, protocol, ranges, components), members in merged.items():
        s, d = cut.pairs[p]
        trace, example = traces[(p, protocol, ranges, components)]
        klasses = [k for k, _ in members]
        out.append(Path(
            source=s.label, destination=d.label,
            protocol=protocol_name(protocol) if protocol not in cut.others else "other",
            ports=[r for r in ranges if r[0] >= 0], sources=_cidrs(cut, p, s, klasses),
            destinations=_cidrs(cut, p, d, klasses), components=list(components), example=example, trace=trace,
        ))  # fmt: skip
    return out


def _between(trace: Trace, components: list[str]) -> list[str]:
    """Components between a path's ends: its own interfaces and instances, and the internet, left out."""
    ends: set[str] = {"internet"}
    for end in (trace.source, trace.destination):
        if end.network_interface is not None:
            ends.add(end.network_interface.id)
            if end.network_interface.instance is not None:
                ends.add(end.network_interface.instance.id)
    return [c for c in components if c not in ends]


def _cidrs(cut: Cells, pair: int, end: End, klasses: list[int]) -> list[str]:
    if not end.is_space:
        return [str(end.address)] if end.address is not None else [end.label]
    atoms = [a for k in klasses for a in cut.atoms(pair, k).tolist()]
    return [str(n) for n in ranges_of(cut.line, atoms, end.dont_care)]


def _example(cut: Cells, pair: int, klass: int, protocol: int, row: int) -> tuple[Any, ...]:
    s, d = cut.pairs[pair]

    def end_of(end: End) -> object:
        if end.is_space:
            address = cut.line.address(int(cut.spaces[pair].representative[klass]))
            return InternetHost(address) if end.internet else str(address)
        return end.eni_id if end.address is None else str(end.address)

    port = int(cut.port_lo[row])
    return (end_of(s), end_of(d), protocol, port if port >= 0 else None, None)


def _matchers(net: Network, spec: object) -> list[Any]:
    """Predicates on component ids, one per item of a ``through`` spec."""
    if spec is None:
        return []
    out = []
    for item in _listed(spec):
        if isinstance(item, str) and item in _NAA_TYPES:
            item = _NAA_TYPES[item]
        if isinstance(item, str) and item in _TYPES:
            prefix = _TYPES[item]
            out.append(lambda c, p=prefix: c.startswith(p) and not (p == "tgw-" and c.startswith("tgw-attach-")))
            continue
        found = net._by_name(item)
        if isinstance(found, str) and found in net:
            found = net.get(found)
        if not isinstance(found, Resource):
            found = load_balancer_named(net, item)  # by name or DNS name, as trace takes it
        if not isinstance(found, Resource):
            raise ScopeError(f"through {item!r} is neither a resource of this network nor a type ({sorted(_TYPES)}).")
        ids = {found.id}
        if isinstance(found, Instance):
            ids |= {e.id for e in found.network_interfaces}
        out.append(lambda c, ids=frozenset(ids): c in ids)
    return out


def _subtract(net: Network, path: Path, exclude: PathSpec) -> Path | None:
    """What of a finding an exclude statement leaves: None when it covers the path entirely; the path with the
    excluded ports removed when it covers part of its ports; the path itself otherwise."""
    if exclude.through is not None:
        matchers = _matchers(net, exclude.through)
        between = _between(path.trace, path.components)
        if not all(any(m(c) for c in between) for m in matchers):
            return path
    if exclude.protocol is not None:
        names = {protocol_name(_protocol(p)) for p in _listed(exclude.protocol)}
        if path.protocol not in names:
            return path
    for side, spec in (("source", exclude.source), ("destination", exclude.destination)):
        if spec is not None and not _covers(net, spec, path, side):
            return path
    if exclude.ports is None:
        return None
    if not path.ports:
        return path  # a port statement does not cover a protocol without ports
    lo, hi = parse_ports(exclude.ports)
    rest = merge_ranges(r for a, b in path.ports for r in ((a, min(b, lo - 1)), (max(a, hi + 1), b)) if r[0] <= r[1])
    if not rest:
        return None
    src, dst, number, port, src_port = path.example
    if port is not None and any(a <= port <= b for a, b in rest):
        return attrs.evolve(path, ports=rest)
    # the example's port was excluded: show a flow the finding still holds (same path: the cell's verdict)
    example = (src, dst, number, rest[0][0], src_port)
    trace = net.trace(src, dst, number, rest[0][0], src_port, ip_version=path.trace.packet.version)
    return attrs.evolve(path, ports=rest, example=example, trace=trace)


def _covers(net: Network, spec: object, path: Path, side: str) -> bool:
    """Whether a spec holds the path's end on that side (by interface, or by address space)."""
    end = path.trace.source if side == "source" else path.trace.destination
    for item in _listed(spec):
        if isinstance(item, InternetHost) and item.address is None:
            if end.kind == "internet":
                return True
            continue
        line = line_of([net], cidrs_named(item))
        for e in ends(net, item, side, line, outside_peer=end.kind == "internet"):
            if e.is_space and end.kind in ("internet", "on-premises"):
                if e.space is not None and e.space[line.atoms_of([end.address])[0]]:
                    return True
            elif end.network_interface is not None and e.eni_id == end.network_interface.id:
                return True
    return False
