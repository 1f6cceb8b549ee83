"""Exact "all packets" answers for one network: open ports, exposure, reachability matrices.

Each query cuts its question into header-space cells (:mod:`vpcsim.query.headerspace`), walks one representative
per cell through the vectorised engine and merges the cells back into port ranges and CIDR lists.
"""

from __future__ import annotations

import html
import ipaddress
import itertools
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from vpcsim.addr import IPNetwork, parse_protocol, protocol_name
from vpcsim.engine.endpoints import INTERNET, load_balancer_named
from vpcsim.engine.health import dns_nodes
from vpcsim.errors import InvalidEndpointError, InvalidFlowError
from vpcsim.model.addresses import ElasticIp
from vpcsim.model.interface import NetworkInterface
from vpcsim.query.ends import cidrs_named, ends, group_label
from vpcsim.query.headerspace import Cells, End, Line, Question, line_of, merge_ranges, ranges_of, run

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.network import Network

__all__ = ["Exposure", "exposure", "open_ports", "parse_ports", "reachability_matrix"]

B = npt.NDArray[np.bool_]


def parse_ports(ports: object, protocol: int | None = None) -> tuple[int, int]:
    """``None`` (all), a port, or a ``(lo, hi)`` range -> (lo, hi), validated."""
    top = 255 if protocol in (1, 58) else 65535
    if ports is None:
        return 0, top
    if isinstance(ports, int) and not isinstance(ports, bool):
        lo = hi = ports
    elif (
        isinstance(ports, tuple | list)
        and len(ports) == 2
        and all(isinstance(p, int) and not isinstance(p, bool) for p in ports)
    ):
        lo, hi = int(ports[0]), int(ports[1])
    else:
        raise InvalidFlowError(f"ports {ports!r} is invalid: give a port, a (low, high) range or None for all.")
    if not 0 <= lo <= hi <= top:
        raise InvalidFlowError(f"ports {ports!r} is invalid: integers in 0..{top}, low <= high.")
    return lo, hi


def _protocol(value: object) -> int:
    try:
        number = parse_protocol(value, "protocol")
    except ValueError as exc:
        raise InvalidFlowError(str(exc)) from None
    if number == -1:
        raise InvalidFlowError("protocol -1 (all) is not one protocol: give tcp, udp, icmp or a number.")
    return number


def _connected(results: Any, connected: bool) -> B:
    if results is None:
        return np.zeros(0, dtype=bool)
    return np.asarray(results.connected if connected else results.delivered)


def open_ports(
    net: Network,
    dst: object,
    *,
    source: object = INTERNET,
    protocol: object = "tcp",
    src_port: object = None,
    connected: bool = True,
) -> list[tuple[int, int]]:
    """See :meth:`vpcsim.Network.open_ports`."""
    number = _protocol(protocol)
    if number not in (6, 17, 1, 58):
        raise InvalidFlowError(f"Protocol {protocol_name(number)} has no ports: ask net.reachable() instead.")
    src_ports = None if src_port is None else parse_ports(src_port)
    line = line_of([net], cidrs_named(source))
    sources = ends(net, source, "source", line)
    found: list[tuple[int, int]] = []
    # Internet hosts reach an instance on its public address, inside ones on its private address (as trace); a
    # CIDR's hosts are internet or on-premises hosts (a VPN routes them) address by address: both.
    for outside in (True, False):
        group = [s for s in sources if (s.is_space if outside else not s.internet)]
        if not group:
            continue
        destinations = _single_destination(net, dst, line, outside)
        question = Question(tuple(group), tuple(destinations), (number,), parse_ports(None, number), src_ports)
        cut, results, _ = run([net], question, line)
        ok = _connected(results[0], connected)
        found += zip(cut.port_lo[ok].tolist(), cut.port_hi[ok].tolist(), strict=True)
    return merge_ranges(found)


def _single_destination(net: Network, dst: object, line: Line, outside: bool) -> list[End]:
    """The address trace would send to: the public IP (or IPv6) from outside, the private IP from inside; or the
    IP given (an Elastic IP is its public address, as for trace)."""
    named = net._by_name(dst)
    if isinstance(named, str) and named.strip() in net:
        named = net.get(named.strip())
    if isinstance(named, ElasticIp):
        if named.network_interface is None:
            raise InvalidEndpointError(f"destination {named.id} ({named.public_ip}) is not associated with anything.")
        dst = named.public_ip
    found = ends(net, dst, "destination", line, outside_peer=outside)
    if isinstance(dst, str | ipaddress.IPv4Address | ipaddress.IPv6Address) and _is_address(dst):
        return found  # the address given
    if not found:
        return found
    lb = load_balancer_named(net, net._by_name(dst))
    if lb is not None:  # every node its DNS name gives, at the address a client of this side uses (L2)
        wanted = {(n.id, n.public_ip if outside and n.public_ip is not None else n.private_ip)
                  for n in dns_nodes(net, lb)}  # fmt: skip
        return [e for e in found if (e.eni_id, e.address) in wanted]
    eni_id = found[0].eni_id
    eni = net.get(eni_id) if eni_id is not None else None
    if not isinstance(eni, NetworkInterface):
        return found
    chosen = eni.public_ip if outside else eni.private_ip
    picked = [e for e in found if e.eni_id == eni_id and e.address == chosen]
    v6 = [e for e in found if e.eni_id == eni_id and e.address is not None and e.address.version == 6][:1]
    return picked + v6


def _is_address(value: object) -> bool:
    try:
        ipaddress.ip_address(str(value).strip())
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------------------------------- exposure


@attrs.frozen(eq=False)
class Exposure:
    """Everything a source reaches, exactly: one row per (interface address, protocol, port range) with the
    source addresses that connect there.

    ``frame()`` has the columns ``network_interface``, ``instance``, ``address``, ``protocol``, ``port_from``,
    ``port_to`` (ICMP: types; none for protocols without ports), ``sources`` (CIDRs; an address space is
    summarised over the addresses its hosts can have, so every internet host is ``0.0.0.0/0``) and ``source``
    (the source's label: an interface, or ``internet``). Iterating gives the rows as dicts.
    """

    source: str
    rows: list[dict[str, Any]]
    cells: int
    others: tuple[int, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["network_interface", "instance", "address", "protocol", "port_from", "port_to", "sources",
                   "source"]  # fmt: skip
        frame = pd.DataFrame(self.rows, columns=columns)
        for name in ("port_from", "port_to"):
            frame[name] = frame[name].astype("Int64")
        return frame

    @property
    def network_interfaces(self) -> list[str]:
        """The interfaces exposed, in network order."""
        return list(dict.fromkeys(r["network_interface"] for r in self.rows))

    def ports(self, network_interface: str, protocol: str = "tcp") -> list[tuple[int, int]]:
        """The port ranges open on one interface (any of its addresses, any source)."""
        return merge_ranges(
            (r["port_from"], r["port_to"]) for r in self.rows
            if r["network_interface"] == network_interface and r["protocol"] == protocol
        )  # fmt: skip

    def __repr__(self) -> str:
        return (f"<Exposure from {self.source}: {len(self.network_interfaces)} interfaces, {len(self.rows)} rows "
                f"({self.cells} header-space cells)>")  # fmt: skip

    def plot(self, ax: Any = None) -> Any:
        """A heatmap of what is exposed: a row per network interface address, a column per protocol and port range
        (see :func:`vpcsim.viz.heatmap`). Needs matplotlib (``pip install 'vpcsim[viz]'``); returns the Axes."""
        from vpcsim.viz import heatmap

        return heatmap(self, ax=ax)

    def _repr_html_(self) -> str:
        head = (f"<p><b>Exposure from {html.escape(self.source)}</b>: {len(self.network_interfaces)} network "
                f"interfaces reachable, {len(self.rows)} port ranges, exact over {self.cells} header-space "
                "cells.</p>")  # fmt: skip
        if not self.rows:
            return head + "<p>Nothing is reachable.</p>"
        frame = self.frame()
        frame["sources"] = frame["sources"].map(lambda x: ", ".join(x))
        more = f"<p>... {len(frame) - 50} more rows: .frame()</p>" if len(frame) > 50 else ""
        table: str = frame.head(50).to_html(index=False, na_rep="")
        return head + table + more


def exposure(
    net: Network,
    *,
    source: object = INTERNET,
    destinations: object = None,
    protocols: object = None,
    ports: object = None,
    src_port: object = None,
    connected: bool = True,
    backend: str = "serial",
    client: Any = None,
) -> Exposure:
    """See :meth:`vpcsim.Network.exposure`."""
    from vpcsim.distributed import evaluator

    walk = evaluator(backend, client)
    numbers = None if protocols is None else tuple(_protocol(p) for p in _listed(protocols))
    if numbers is None and ports is not None:
        numbers = (6, 17)  # ports without protocols: TCP and UDP ports (not ICMP types, not portless protocols)
    line = line_of([net], [*cidrs_named(source), *cidrs_named(destinations)])
    sources = ends(net, source, "source", line)
    outside = all(s.internet for s in sources)  # else every address (the internet skips private ones)
    targets = ends(net, list(net.network_interfaces) if destinations is None else destinations, "destination",
                   line, outside_peer=outside)  # fmt: skip
    port_range = parse_ports(ports)
    src_ports = None if src_port is None else parse_ports(src_port)
    question = Question(tuple(sources), tuple(targets), numbers, port_range, src_ports)
    cut, results, _ = run([net], question, line, walk)
    ok = _connected(results[0], connected)
    label = group_label(net, source)
    rows = _rows(net, cut, ok, [e.dont_care for e in sources if e.dont_care is not None])
    return Exposure(label, rows, len(cut), cut.others)


def _listed(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _rows(net: Network, cut: Cells, ok: B, dont_cares: Sequence[Any]) -> list[dict[str, Any]]:
    """Connected cells -> rows: per destination address and protocol, ports split where the set of sources
    changes."""
    dont_care = None
    if dont_cares:
        dont_care = np.zeros(cut.line.count, dtype=bool)
        for u in dont_cares:
            dont_care |= u
        for end in {id(e): e for e, _ in cut.pairs if e.is_space}.values():
            if end.space is not None:
                dont_care &= ~end.space  # an address some source end has is never "don't care"
    groups: dict[tuple[int, int], list[tuple[int, int, tuple[int, int]]]] = defaultdict(list)
    dst_index: dict[int, int] = {}
    ends_by_id: dict[int, End] = {}
    for row in np.flatnonzero(ok).tolist():
        p = int(cut.pair[row])
        d = cut.pairs[p][1]
        key = dst_index.setdefault(id(d), len(dst_index))
        ends_by_id[key] = d
        token = (p, int(cut.klass[row]))
        groups[(key, int(cut.protocol[row]))].append((int(cut.port_lo[row]), int(cut.port_hi[row]), token))
    cidr_cache: dict[frozenset[tuple[int, int]], list[str]] = {}

    def sources_of(tokens: frozenset[tuple[int, int]]) -> list[str]:
        found = cidr_cache.get(tokens)
        if found is None:
            atoms: list[int] = []
            nets: list[IPNetwork] = []
            for p, k in tokens:
                s = cut.pairs[p][0]
                if s.is_space:
                    atoms += cut.atoms(p, k).tolist()
                else:
                    nets += _end_networks(net, s)
            found = [str(n) for n in _collapse(nets + ranges_of(cut.line, atoms, dont_care))]
            cidr_cache[tokens] = found
        return found

    rows: list[dict[str, Any]] = []
    order = {e.id: i for i, e in enumerate(net.network_interfaces)}
    for (key, protocol), items in sorted(
        groups.items(), key=lambda kv: (order.get(ends_by_id[kv[0][0]].eni_id or "", 0), kv[0][0], kv[0][1])
    ):
        d = ends_by_id[key]
        eni = net.get(d.eni_id) if d.eni_id is not None and d.eni_id in net else None
        instance = getattr(eni, "instance", None)
        name = protocol_name(protocol) if protocol not in cut.others else "other"
        for lo, hi, tokens in _split(items):
            rows.append({
                "network_interface": d.eni_id,
                "instance": instance.id if instance is not None else None,
                "address": str(d.address) if d.address is not None else None,
                "protocol": name,
                "port_from": None if lo < 0 else lo,
                "port_to": None if hi < 0 else hi,
                "sources": sources_of(tokens),
                "source": ", ".join(sorted({cut.pairs[p][0].label for p, _ in tokens})),
            })  # fmt: skip
    return rows


def _split(items: list[tuple[int, int, Any]]) -> list[tuple[int, int, frozenset[Any]]]:
    """Port ranges with token sets -> disjoint ranges, each with the tokens covering it; neighbours with the same
    set merged."""
    if items and items[0][0] < 0:  # no ports
        return [(-1, -1, frozenset(t for _, _, t in items))]
    bounds = sorted({b for lo, hi, _ in items for b in (lo, hi + 1)})
    starts = np.array([lo for lo, _, _ in items])
    stops = np.array([hi + 1 for _, hi, _ in items])
    out: list[tuple[int, int, frozenset[Any]]] = []
    for a, b in itertools.pairwise(bounds):
        covering = np.flatnonzero((starts <= a) & (stops >= b))
        if not len(covering):
            continue
        tokens = frozenset(items[i][2] for i in covering.tolist())
        if out and out[-1][1] == a - 1 and out[-1][2] == tokens:
            out[-1] = (out[-1][0], b - 1, tokens)
        else:
            out.append((a, b - 1, tokens))
    return out


def _end_networks(net: Network, end: End) -> list[IPNetwork]:
    import ipaddress

    if end.address is not None:
        return [ipaddress.ip_network(end.address)]
    eni = net.get(end.eni_id) if end.eni_id is not None else None
    if not isinstance(eni, NetworkInterface):
        return []
    address = eni.private_ip if end.version == 4 else eni.ipv6_addresses[0]
    return [ipaddress.ip_network(address)]


def _collapse(networks: list[IPNetwork]) -> list[IPNetwork]:
    import ipaddress

    v4 = [n for n in networks if n.version == 4]
    v6 = [n for n in networks if n.version == 6]
    return [*ipaddress.collapse_addresses(v4), *ipaddress.collapse_addresses(v6)]


# ---------------------------------------------------------------------------------------------------- matrix


def reachability_matrix(
    net: Network,
    sources: Sequence[object],
    destinations: Sequence[object],
    *,
    protocol: object = "tcp",
    ports: object = None,
    connected: bool = True,
    long: bool = False,
    backend: str = "serial",
    client: Any = None,
) -> pd.DataFrame:
    """See :meth:`vpcsim.Network.reachability_matrix`."""
    import pandas as pd

    from vpcsim.distributed import evaluator

    walk = evaluator(backend, client)
    number = _protocol(protocol)
    wanted_ports = list(ports) if isinstance(ports, list | set | frozenset) else None
    if wanted_ports is not None:
        if not wanted_ports:
            raise InvalidFlowError("ports [] is empty: give ports, a (low, high) range or None for all.")
        for p in wanted_ports:
            if not isinstance(p, int) or isinstance(p, bool):
                raise InvalidFlowError(f"ports {ports!r} is invalid: a list of ports holds integers, not {p!r}.")
            parse_ports(p, number)
        port_range = (min(wanted_ports), max(wanted_ports))
    else:
        port_range = parse_ports(ports, number)
    src_specs, dst_specs = list(sources), list(destinations)
    line = line_of([net], [c for spec in (*src_specs, *dst_specs) for c in cidrs_named(spec)])
    src_labels = [group_label(net, s) for s in src_specs]
    dst_labels = [group_label(net, d) for d in dst_specs]
    src_ends: list[End] = []
    dst_ends: list[End] = []
    for spec, label in zip(src_specs, src_labels, strict=True):
        src_ends += ends(net, spec, "source", line, group=label)
    outside = all(e.internet for e in src_ends)  # else every address (the internet skips private ones)
    for spec, label in zip(dst_specs, dst_labels, strict=True):
        dst_ends += ends(net, spec, "destination", line, outside_peer=outside, group=label)
    cells_ports: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
    if src_ends and dst_ends:
        question = Question(tuple(src_ends), tuple(dst_ends), (number,), port_range)
        cut, results, _ = run([net], question, line, walk)
        ok = _connected(results[0], connected)
        for row in np.flatnonzero(ok).tolist():
            s, d = cut.pairs[int(cut.pair[row])]
            cells_ports[(s.group, d.group)].append((int(cut.port_lo[row]), int(cut.port_hi[row])))
    name = protocol_name(number)
    records = []
    for s_label in src_labels:
        for d_label in dst_labels:
            found = merge_ranges(cells_ports.get((s_label, d_label), []))
            if wanted_ports is not None:
                found = [(p, p) for p in sorted(set(wanted_ports)) if any(lo <= p <= hi for lo, hi in found)]
                found = merge_ranges(found)
            records.append({"source": s_label, "destination": d_label, "protocol": name, "ports": found,
                            "reachable": bool(found)})  # fmt: skip
    frame = pd.DataFrame(records, columns=["source", "destination", "protocol", "ports", "reachable"])
    if long:
        return frame
    text = frame.assign(ports=frame["ports"].map(_ports_text))
    matrix = text.pivot(index="source", columns="destination", values="ports")
    return matrix.reindex(index=list(dict.fromkeys(src_labels)), columns=list(dict.fromkeys(dst_labels)))


def _ports_text(ranges: list[tuple[int, int]]) -> str:
    return (
        ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in ranges) if ranges[:1] != [(-1, -1)] else "yes"
    )
