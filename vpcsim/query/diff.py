"""``vpcsim.diff(before, after)``: every flow whose verdict changed between two networks, exactly.

The question is cut once over the atoms of *both* networks (every bound either uses), with the rule sets of both in
play, so each cell is treated alike by each network; one representative per cell is walked in each. Cells whose
verdicts differ are merged back into rows: the source and destination (CIDRs for an address space), protocol,
port ranges, both verdicts with their explanations and deciding component and rule, and an example flow to
``trace`` in each network. Interfaces are matched by id (``what_if()`` copies keep ids; two loaded snapshots of
the same account do too); a flow from an interface that exists in one network only has no verdict (``None``) in
the other.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from vpcsim.addr import IPAddress, protocol_name
from vpcsim.engine.endpoints import INTERNET, InternetHost
from vpcsim.engine.evaluate import Evaluation
from vpcsim.engine.trace import EPHEMERAL_PORTS
from vpcsim.errors import InvalidEndpointError
from vpcsim.model.base import Resource
from vpcsim.model.interface import Instance
from vpcsim.query.ends import cidrs_named, ends
from vpcsim.query.exposure import _listed, _protocol, parse_ports
from vpcsim.query.headerspace import Cells, End, Question, line_of, merge_ranges, ranges_of, run

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.network import Network

__all__ = ["Diff", "diff"]

_FIELDS = ("connected", "disposition", "explanation", "component", "rule", "reply_disposition", "reply_explanation")
_COMPARE = {"connected": (0,), "disposition": (0, 1, 5), "explanation": tuple(range(len(_FIELDS)))}
_Verdict = tuple[Any, ...]


def diff(
    before: Network,
    after: Network,
    *,
    sources: object = None,
    destinations: object = None,
    protocols: object = None,
    ports: object = None,
    src_ports: object = (0, 65535),
    compare: str = "disposition",
    backend: str = "serial",
    client: Any = None,
) -> Diff:
    """The flows whose verdict differs between ``before`` and ``after``, exactly.

    ``sources`` default: every instance's interfaces (of either network) and :data:`vpcsim.INTERNET`;
    ``destinations`` default: every interface address (of either network) and :data:`vpcsim.INTERNET`. Both take
    the specs :meth:`vpcsim.Network.exposure` takes. ``protocols`` default every protocol; ``ports`` a port or
    ``(lo, hi)``; ``src_ports`` the client source ports to cover (default all; ``None``: trace's default ephemeral
    port only).

    ``compare`` says what a changed verdict is: ``"connected"`` (the flow connects in one network only),
    ``"disposition"`` (default: that, or the request's or the reply's disposition changed, e.g. dropped on the
    way in instead of on the way out), ``"explanation"`` (any of those, or the explanation code, deciding component
    or rule changed: a flow still denied, now by another rule). Rows always carry both full verdicts.

    ``backend="dask"`` walks the header-space cells on a Dask cluster (``client``, default the current one); the
    answer is the same (see :mod:`vpcsim.distributed`).

    Examples
    --------
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> web_sg = next(g for g in net.security_groups if g.group_name == "web")
    >>> with net.what_if() as alt:
    ...     alt.revoke_security_group_ingress(web_sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    ...     changes = vpcsim.diff(net, alt, sources=vpcsim.INTERNET, protocols="tcp")
    >>> [(r["destination"], r["port_from"], r["before_connected"], r["after_explanation"]) for r in changes]
    [('i-0d9cf63a6402326f0 web (3.216.33.114)', 80, True, 'ENI_SG_RULES_MISMATCH')]
    """
    if compare not in _COMPARE:
        raise ValueError(f"compare {compare!r} is not one of {sorted(_COMPARE)}.")
    from vpcsim.distributed import evaluator

    walk = evaluator(backend, client)  # validates backend before any work
    nets = [before, after]
    numbers = None if protocols is None else tuple(_protocol(p) for p in _listed(protocols))
    port_range = parse_ports(ports)
    sports = None if src_ports is None else parse_ports(src_ports)
    line = line_of(nets, [*cidrs_named(sources), *cidrs_named(destinations)])
    if sources is None:
        source_specs: list[object] = [
            [*(e for e in n.network_interfaces if e.instance is not None), INTERNET] for n in nets
        ]
    else:
        source_specs = [sources, sources]
    if destinations is None:
        dest_specs: list[object] = [[*n.network_interfaces, INTERNET] for n in nets]
    else:
        dest_specs = [destinations, destinations]
    src_ends = _union([_known(n, spec, "source", line, nets) for n, spec in zip(nets, source_specs, strict=True)])
    dst_ends = _union([_known(n, spec, "destination", line, nets) for n, spec in zip(nets, dest_specs, strict=True)])
    question = Question(tuple(src_ends), tuple(dst_ends), numbers, port_range, sports)
    cut, results, presence = run(nets, question, line, walk)
    built = Diff._build(cut, results, presence, _COMPARE[compare])
    return attrs.evolve(built, nets=(before, after))


def _known(net: Network, spec: object, role: str, line: Any, nets: list[Network]) -> list[End]:
    """Ends of a spec in one network; names the other network has and this one does not are skipped (they are
    the other's ends)."""
    out: list[End] = []
    for item in _listed(spec) if isinstance(spec, list | tuple) else [spec]:
        try:
            out += ends(net, item, role, line, nets=nets)
        except InvalidEndpointError:
            if not any(_has(other, item) for other in nets if other is not net):
                raise
    return out


def _has(net: Network, item: object) -> bool:
    try:
        ends(net, item, "source", line_of([net]))
    except InvalidEndpointError:
        return False
    return True


def _union(per_net: Sequence[list[End]]) -> list[End]:
    seen: dict[tuple[Any, ...], End] = {}
    for found in per_net:
        for end in found:
            key = (end.eni_id, end.address, end.version, end.label if end.is_space else None)
            seen.setdefault(key, end)
    return list(seen.values())


def _verdicts(result: Evaluation | None, present: np.ndarray[Any, Any], n: int) -> list[_Verdict | None]:
    out: list[_Verdict | None] = [None] * n
    if result is None:
        return out
    columns = [getattr(result, name) for name in _FIELDS]
    rows = np.flatnonzero(present).tolist()
    for k, row in enumerate(rows):
        out[row] = tuple(_plain(col[k]) for col in columns)
    return out


def _plain(value: Any) -> Any:
    """numpy booleans and str enums (dispositions) as plain Python values; numbers and None as they are."""
    if isinstance(value, np.bool_):
        return bool(value)
    if value is None or (isinstance(value, int | float) and not isinstance(value, bool)) or type(value) is bool:
        return value
    return str(value)


@attrs.frozen(eq=False)
class Diff:
    """The changed flows of :func:`vpcsim.diff`: ``rows`` (dicts), ``frame()``, ``lookup()``; Jupyter shows a
    table. Empty (falsy) when nothing changed."""

    rows: list[dict[str, Any]]
    cells: int
    _cut: Cells
    _cell_row: np.ndarray[Any, Any]
    _nets: tuple[Network, ...] = ()

    @classmethod
    def _build(
        cls, cut: Cells, results: list[Evaluation | None], presence: list[Any], fields: tuple[int, ...]
    ) -> Diff:
        n = len(cut)
        before = _verdicts(results[0], presence[0], n)
        after = _verdicts(results[1], presence[1], n)
        groups: dict[tuple[Any, ...], list[int]] = defaultdict(list)

        def key(verdict: _Verdict | None) -> tuple[Any, ...] | None:
            return None if verdict is None else tuple(verdict[f] for f in fields)

        for i in range(n):
            if key(before[i]) != key(after[i]):
                groups[(int(cut.pair[i]), int(cut.protocol[i]), before[i], after[i])].append(i)
        rows: list[dict[str, Any]] = []
        cell_row = np.full(n, -1, dtype=np.int64)
        for (p, protocol, b, a), members in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[1][0])):
            for ports, sports, klasses, cells_of in _merge(cut, members):
                for c in cells_of:
                    cell_row[c] = len(rows)
                rows.append(_row(cut, p, protocol, b, a, ports, sports, klasses, cells_of[0]))
        return cls(rows, n, cut, cell_row)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    def frame(self) -> pd.DataFrame:
        import pandas as pd

        columns = ["source", "destination", "protocol", "port_from", "port_to", "src_port_from", "src_port_to",
                   "sources", "destinations", *(f"before_{f}" for f in _FIELDS), *(f"after_{f}" for f in _FIELDS),
                   "example"]  # fmt: skip
        frame = pd.DataFrame(self.rows, columns=columns, dtype=object)  # rules: numbers and ids, None kept
        for name in ("port_from", "port_to", "src_port_from", "src_port_to"):
            frame[name] = frame[name].astype("Int64")
        for name in ("before_connected", "after_connected"):
            frame[name] = frame[name].astype("boolean")
        return frame

    def lookup(
        self, src: object, dst: object, protocol: object = "tcp", port: int | None = None, src_port: int | None = None
    ) -> dict[str, Any] | None:
        """The row holding a concrete flow, or ``None`` when its verdict did not change (or the flow is outside the
        question). ``src``/``dst`` as :meth:`vpcsim.Network.trace` takes them (an instance, interface, id, Name
        tag, address or :func:`vpcsim.internet` host); an ICMP flow without a type is an echo request and a flow
        without a source port uses trace's default client port (32768, N4), as trace does."""
        cut = self._cut
        number = _protocol(protocol)
        src, dst = self._id(src), self._id(dst)
        if number in (1, 58) and port is None:
            port = -2  # the echo request of the pair's family, below
        if src_port is None and number in (6, 17):
            src_port = EPHEMERAL_PORTS["linux"][0]
        for p, (s, d) in enumerate(cut.pairs):
            address = _matches(cut, s, src) if s.is_space else None
            if s.is_space and address is None:
                continue
            if not s.is_space and not _is_end(s, src):
                continue
            if d.is_space:
                address = _matches(cut, d, dst)
                if address is None:
                    continue
            elif not _is_end(d, dst):
                continue
            version = s.version
            wanted = (1 if version == 4 else 58) if number in (1, 58) else number
            dport = (8 if version == 4 else 128) if port == -2 else -1 if port is None else port
            cell = cut.locate(p, wanted, dport, -1 if src_port is None else src_port, address)
            if cell >= 0:
                row = int(self._cell_row[cell])
                return self.rows[row] if row >= 0 else None
        return None

    def _id(self, ref: object) -> object:
        """An instance (its primary interface), an interface, an id or a Name tag -> the interface id; addresses
        and internet hosts as given."""
        for net in self._nets:
            found = net._by_name(ref)
            if isinstance(found, str) and found.strip() in net:
                found = net.get(found.strip())
            if isinstance(found, Instance):
                return found.primary_network_interface.id
            if isinstance(found, Resource):
                return found.id
        return ref

    def __repr__(self) -> str:
        return f"<Diff: {len(self.rows)} changed flow ranges ({self.cells} header-space cells compared)>"

    def _repr_html_(self) -> str:
        head = (f"<p><b>Diff</b>: {len(self.rows)} changed flow ranges, exact over {self.cells} header-space "
                "cells.</p>")  # fmt: skip
        if not self.rows:
            return head + "<p>No verdict changed.</p>"
        frame = self.frame().drop(columns=["example"])
        for name in ("sources", "destinations"):
            frame[name] = frame[name].map(lambda x: ", ".join(x))
        more = f"<p>... {len(frame) - 50} more rows: .frame()</p>" if len(frame) > 50 else ""
        table: str = frame.head(50).to_html(index=False, na_rep="")
        return head + table + more


def _is_end(end: End, ref: object) -> bool:
    if isinstance(ref, Resource):
        ref = ref.id
    if isinstance(ref, str) and ref.strip() == end.eni_id:
        return end.address is None or end.version == 4
    try:
        address = ipaddress.ip_address(str(ref).strip())
    except ValueError:
        return False
    return end.address == address


def _matches(cut: Cells, end: End, ref: object) -> IPAddress | None:
    if isinstance(ref, InternetHost):
        if not end.internet or ref.address is None:
            return None
        address = ref.address
    else:
        try:
            address = ipaddress.ip_address(str(ref).strip())
        except ValueError:
            return None
    assert end.space is not None
    atom = cut.line.atoms_of([address])[0]
    return address if end.space[atom] else None


def _merge(cut: Cells, members: list[int]) -> list[tuple[tuple[int, int], tuple[int, int], list[int], list[int]]]:
    """Cells of one (pair, protocol, verdicts) -> rows: per class and source-port range the destination-port
    ranges merged; then classes with the same range together (one row per contiguous range)."""
    by_class: dict[tuple[int, tuple[int, int]], list[int]] = defaultdict(list)
    for c in members:
        by_class[(int(cut.klass[c]), (int(cut.sport_lo[c]), int(cut.sport_hi[c])))].append(c)
    by_range: dict[tuple[tuple[int, int], tuple[int, int]], tuple[list[int], list[int]]] = {}
    for (klass, sports), cells in by_class.items():
        for lo, hi in merge_ranges((int(cut.port_lo[c]), int(cut.port_hi[c])) for c in cells):
            klasses, cells_of = by_range.setdefault(((lo, hi), sports), ([], []))
            klasses.append(klass)
            cells_of += [c for c in cells if lo <= int(cut.port_lo[c]) <= hi]
    # Rows that differ only by adjacent source-port ranges (a cut no verdict needed) become one.
    merged: dict[tuple[tuple[int, int], tuple[int, ...]], list[tuple[tuple[int, int], list[int]]]] = defaultdict(list)
    for (r, sports), (klasses, cells_of) in sorted(by_range.items()):
        runs = merged[(r, tuple(sorted(klasses)))]
        if runs and runs[-1][0][1] + 1 == sports[0]:
            runs[-1] = ((runs[-1][0][0], sports[1]), runs[-1][1] + cells_of)
        else:
            runs.append((sports, list(cells_of)))
    return [(r, sports, list(k), c) for (r, k), runs in merged.items() for sports, c in runs]


def _row(
    cut: Cells,
    pair: int,
    protocol: int,
    before: _Verdict | None,
    after: _Verdict | None,
    ports: tuple[int, int],
    sports: tuple[int, int],
    klasses: list[int],
    example_cell: int,
) -> dict[str, Any]:
    s, d = cut.pairs[pair]

    def space_cidrs(end: End) -> list[str]:
        if not end.is_space:
            return [str(end.address)] if end.address is not None else [end.eni_id or end.label]
        atoms = [a for k in klasses for a in cut.atoms(pair, k).tolist()]
        return [str(n) for n in ranges_of(cut.line, atoms, end.dont_care)]

    def example_end(end: End) -> object:
        if end.is_space:
            atom = int(cut.spaces[pair].representative[cut.klass[example_cell]])
            address = cut.line.address(atom)
            return InternetHost(address) if end.internet else str(address)
        return end.eni_id if end.address is None else str(end.address)

    lo, hi = ports
    has_ports = lo >= 0
    name = protocol_name(protocol) if protocol not in cut.others else "other"
    row: dict[str, Any] = {
        "source": s.label,
        "destination": d.label,
        "protocol": name,
        "port_from": lo if has_ports else None,
        "port_to": hi if has_ports else None,
        "src_port_from": sports[0] if sports[0] >= 0 else None,
        "src_port_to": sports[1] if sports[1] >= 0 else None,
        "sources": space_cidrs(s),
        "destinations": space_cidrs(d),
    }
    for prefix, verdict in (("before", before), ("after", after)):
        for k, field in enumerate(_FIELDS):
            row[f"{prefix}_{field}"] = verdict[k] if verdict is not None else None
    example_port = int(cut.port_lo[example_cell])
    example_sport = int(cut.sport_lo[example_cell])
    row["example"] = (
        example_end(s),
        example_end(d),
        name if name != "other" else protocol,
        example_port if example_port >= 0 else None,
        example_sport if example_sport >= 0 and protocol in (6, 17) else None,
    )
    return row
