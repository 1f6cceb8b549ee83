"""``net.evaluate(flows)``: resolve a :class:`~vpcsim.FlowBatch`, walk it in chunks forward then back, and
collect one verdict per flow (:class:`Evaluation`), identical to what :func:`~vpcsim.engine.trace.trace` says.

Endpoints resolve as in ``trace()``: references once per distinct value, addresses once per distinct *atom* (every
address of an atom resolves alike, see :mod:`vpcsim.engine.compile`), then per flow with numpy. Invalid flows raise
the error ``trace()`` would raise for them, prefixed with the flow's index.
"""

from __future__ import annotations

import html
import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from vpcsim.addr import protocol_name
from vpcsim.engine import walk as W
from vpcsim.engine.compile import Compiled, compile_network, split_words
from vpcsim.engine.endpoints import (
    _Ref,
    _resolve,
    _resolve_address,
    load_balancer_named,
    representative_internet_address,
    resolve_endpoints,
)
from vpcsim.engine.trace import EPHEMERAL_PORTS, trace
from vpcsim.errors import InvalidEndpointError, InvalidFlowError, VpcsimError

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.engine.flows import FlowBatch
    from vpcsim.network import Network

__all__ = ["DEFAULT_CHUNK", "Evaluation", "evaluate", "evaluate_chunks"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]

DEFAULT_CHUNK = 1 << 15  # measured: smaller chunks stay in cache, bigger ones add nothing
K_ENI, K_INTERNET, K_ONPREM, K_LINK_LOCAL, K_ADDRESS = range(5)
_KINDS = {"network-interface": K_ENI, "internet": K_INTERNET, "on-premises": K_ONPREM, "link-local": K_LINK_LOCAL,
          "address": K_ADDRESS}  # fmt: skip
_DISPOSITIONS = np.array([*W.DISPOSITIONS, None], dtype=object)  # code -1 -> None
_EXPLANATIONS = np.array([*W.EXPLANATION_CODES, None], dtype=object)


@attrs.define
class _Ends:
    """One side of a chunk's flows, resolved: kind, ENI, VPN and the address the packet carries."""

    kind: I64
    eni: I64
    vpn: I64
    hi: U64
    lo: U64
    version: npt.NDArray[np.int8]  # of the given address; 0 when none was given
    public: B  # the caller named the public address of an ENI (a source sends from the private one, E7)


class _Resolver:
    """Resolves references once per evaluate call and address atoms once per call, with the model's rules."""

    def __init__(self, net: Network, c: Compiled, batch: FlowBatch) -> None:
        self.net, self.c, self.batch = net, c, batch
        self.refs: dict[tuple[int, str], _Ref | VpcsimError] = {}
        self.atom_refs: dict[tuple[int, str], _Ref | VpcsimError] = {}
        self.internet_address: dict[int, tuple[int, int]] = {}
        self.tables: dict[tuple[str, str], _RefTable] = {}
        enis = c.enis
        self.eni_private = np.array([int(e.private_ip) for e in enis], dtype=np.int64)
        v6 = [int(e.ipv6_addresses[0]) if e.ipv6_addresses else 0 for e in enis]
        self.eni_v6_hi, self.eni_v6_lo = split_words(v6)
        self.eni_has_v6 = np.array([bool(e.ipv6_addresses) for e in enis], dtype=bool)
        self.eni_public = np.array(
            [int(e.public_ip) if e.public_ip is not None else -1 for e in enis], dtype=np.int64
        )

    def ref(self, key: tuple[int, str], make: Any) -> _Ref | VpcsimError:
        cache = self.refs if key[0] >= 0 else self.atom_refs
        if key not in cache:
            try:
                cache[key] = make()
            except VpcsimError as exc:
                cache[key] = exc
        return cache[key]

    def side(self, part: FlowBatch, role: str) -> tuple[_Ends, B]:
        """Resolve one side of a chunk; returns the ends and, per flow, whether its resolution failed."""
        c = self.c
        prefix = "src" if role == "source" else "dst"
        ref_index: I64 = getattr(part, f"{prefix}_ref").astype(np.int64)
        given_v: npt.NDArray[np.int8] = getattr(part, f"{prefix}_version").astype(np.int8)
        hi: U64 = getattr(part, f"{prefix}_hi").astype(np.uint64)
        lo: U64 = getattr(part, f"{prefix}_lo").astype(np.uint64)
        n = len(ref_index)
        ends = _Ends(np.full(n, K_INTERNET, dtype=np.int64), np.full(n, -1, dtype=np.int64),
                     np.full(n, -1, dtype=np.int64), hi, lo, given_v, np.zeros(n, dtype=bool))  # fmt: skip
        failed = np.zeros(n, dtype=bool)
        by_ref = ref_index >= 0
        if by_ref.any():
            rows = np.flatnonzero(by_ref)
            table = self.tables.get(("ref", role))
            if table is None:
                table = self.tables[("ref", role)] = _RefTable(len(self.batch.endpoints))
            index = ref_index[rows]
            for value in np.unique(index[~table.done[index]]).tolist():
                obj = self.batch.endpoints[value]
                found = self.ref((value, role), lambda o=obj: _resolve(self.net, self.net._by_name(o), role))
                table.put(value, found, c)
            table.fill(ends, failed, rows, index, keep_address=False)
        by_address = ~by_ref
        if by_address.any():
            rows = np.flatnonzero(by_address)
            atoms = c.atoms.lookup(hi[rows], lo[rows], given_v[rows])
            table = self.tables.get(("atom", role))
            if table is None:
                table = self.tables[("atom", role)] = _RefTable(c.atoms.count)
            todo = ~table.done[atoms]
            if todo.any():
                values, first = np.unique(atoms[todo], return_index=True)
                for atom, k in zip(values.tolist(), first.tolist(), strict=True):
                    row = rows[np.flatnonzero(todo)[k]]
                    address = _address(int(hi[row]), int(lo[row]), int(given_v[row]))
                    found = self.ref((-1 - atom, role), lambda a=address: _resolve_address(self.net, a, role))
                    table.put(atom, found, c)
            table.fill(ends, failed, rows, atoms, keep_address=True)
        return ends, failed

    def internet(self, version: int) -> tuple[int, int]:
        if version not in self.internet_address:
            value = int(representative_internet_address(self.net, version))
            self.internet_address[version] = (value >> 64, value & ((1 << 64) - 1))
        return self.internet_address[version]


class _RefTable:
    """Resolved ends by reference index or by atom: filled once per distinct value, gathered per flow."""

    def __init__(self, size: int) -> None:
        self.done = np.zeros(size, dtype=bool)
        self.failed = np.zeros(size, dtype=bool)
        self.kind = np.full(size, K_INTERNET, dtype=np.int64)
        self.eni = np.full(size, -1, dtype=np.int64)
        self.vpn = np.full(size, -1, dtype=np.int64)
        self.public = np.zeros(size, dtype=bool)
        self.hi = np.zeros(size, dtype=np.uint64)
        self.lo = np.zeros(size, dtype=np.uint64)
        self.version = np.zeros(size, dtype=np.int8)

    def put(self, k: int, found: _Ref | VpcsimError, c: Compiled) -> None:
        self.done[k] = True
        if isinstance(found, VpcsimError):
            self.failed[k] = True
            return
        self.kind[k] = _KINDS[found.kind]
        if found.network_interface is not None:
            self.eni[k] = c.eni_index[found.network_interface.id]
        if found.vpn_connection is not None:
            self.vpn[k] = next(i for i, v in enumerate(c.vpns) if v is found.vpn_connection)
        self.public[k] = found.public
        if found.address is not None:
            hi, lo = split_words([int(found.address)])
            self.hi[k], self.lo[k], self.version[k] = hi[0], lo[0], found.address.version

    def fill(self, ends: _Ends, failed: B, rows: I64, index: I64, *, keep_address: bool) -> None:
        failed[rows] = self.failed[index]
        ends.kind[rows] = self.kind[index]
        ends.eni[rows] = self.eni[index]
        ends.vpn[rows] = self.vpn[index]
        ends.public[rows] = self.public[index]
        if not keep_address:
            ends.hi[rows] = self.hi[index]
            ends.lo[rows] = self.lo[index]
            ends.version[rows] = self.version[index]


def _address(hi: int, lo: int, version: int) -> Any:
    import ipaddress

    return ipaddress.ip_address((hi << 64) | lo) if version == 6 else ipaddress.IPv4Address(lo)


@attrs.define
class _Chunk:
    """A chunk's flows, resolved into packets, with what the walks need to finish them."""

    packets: W.Packets
    ephemeral: B
    src: _Ends
    dst: _Ends
    src_atom: I64
    dst_atom: I64


def _resolve_chunk(r: _Resolver, part: FlowBatch, offset: int) -> _Chunk:
    """SPEC-free bookkeeping of trace's endpoint rules, per flow, vectorised; raises trace's error on a bad flow."""
    src, bad_src = r.side(part, "source")
    dst, bad_dst = r.side(part, "destination")
    ip_version = part.ip_version.astype(np.int64)
    outside = (src.kind == K_INTERNET) | (src.kind == K_ONPREM)
    bad = bad_src | bad_dst | (src.kind == K_ADDRESS) | (src.kind == K_LINK_LOCAL)
    bad |= outside & ((dst.kind == K_INTERNET) | (dst.kind == K_ONPREM))
    # SPEC E7: a source named by its public address sends from the private address behind it.
    public_src = src.public & (src.eni >= 0)
    if public_src.any():
        rows = np.flatnonzero(public_src)
        for row in rows.tolist():
            interface = r.c.enis[int(src.eni[row])]
            public = _address(int(src.hi[row]), int(src.lo[row]), int(src.version[row]))
            private = next((p for p, m in interface.public_ips.items() if m == public), interface.private_ip)
            src.hi[row], src.lo[row] = 0, int(private)
    sv, dv = src.version.astype(np.int64), dst.version.astype(np.int64)
    bad |= (sv > 0) & (dv > 0) & (sv != dv)
    given = np.maximum(sv, dv)
    bad |= (ip_version > 0) & (given > 0) & (ip_version != given)
    version = np.where(given > 0, given, np.where(ip_version > 0, ip_version, 4))
    for ends, other, role in ((src, dst, "source"), (dst, src, "destination")):
        missing = ends.version == 0
        eni = ends.eni
        with_eni = missing & (eni >= 0)
        v6 = with_eni & (version == 6)
        bad |= v6 & ~W.take(r.eni_has_v6, eni, False).astype(bool)
        rows = np.flatnonzero(v6)
        ends.hi[rows] = r.eni_v6_hi[eni[rows]]
        ends.lo[rows] = r.eni_v6_lo[eni[rows]]
        v4 = with_eni & (version == 4)
        address = W.take(r.eni_private, eni)
        if role == "destination":
            public = W.take(r.eni_public, eni)
            address = np.where((other.kind == K_INTERNET) & (public >= 0), public, address)  # P3
        rows = np.flatnonzero(v4)
        ends.hi[rows] = 0
        ends.lo[rows] = address[rows].astype(np.uint64)
        for v in (4, 6):
            rows = np.flatnonzero(missing & (eni < 0) & (version == v))
            if len(rows):
                hi, lo = r.internet(v)
                ends.hi[rows], ends.lo[rows] = hi, lo
        ends.version[missing] = version[missing]
    if bad.any():
        _raise(r, part, int(np.flatnonzero(bad)[0]), offset)
    protocol = part.protocol.astype(np.int64)
    icmp = (protocol == 1) | (protocol == 58)
    protocol = np.where(icmp, np.where(version == 6, 58, 1), protocol)
    ports = (protocol == 6) | (protocol == 17)
    dst_port = part.dst_port.astype(np.int64)
    src_port = part.src_port.astype(np.int64)
    ephemeral = ports & (src_port < 0)
    src_port = np.where(ephemeral, EPHEMERAL_PORTS["linux"][0], src_port)  # SPEC N4
    dst_port = np.where(icmp & (dst_port < 0), np.where(version == 6, 128, 8), dst_port)
    src_port = np.where(icmp & (src_port < 0), 0, src_port)
    none = ~ports & ~icmp
    dst_port[none] = -1
    src_port[none] = -1
    packets = W.Packets(protocol, src.hi.copy(), src.lo.copy(), dst.hi.copy(), dst.lo.copy(),
                        version.astype(np.int8), src_port, dst_port)  # fmt: skip
    src_atom = r.c.atoms.lookup(packets.src_hi, packets.src_lo, packets.version)
    dst_atom = r.c.atoms.lookup(packets.dst_hi, packets.dst_lo, packets.version)
    return _Chunk(packets, ephemeral, src, dst, src_atom, dst_atom)


def _raise(r: _Resolver, part: FlowBatch, row: int, offset: int) -> None:
    src, dst, _protocol, _port, _sport, ip_version = part.flow(row)
    try:
        resolve_endpoints(r.net, r.net._by_name(src), r.net._by_name(dst), ip_version)
    except (InvalidEndpointError, InvalidFlowError) as exc:
        raise type(exc)(f"flow {offset + row}: {exc}") from None
    raise InvalidEndpointError(f"flow {offset + row}: {src!r} -> {dst!r} cannot be walked.")


def _leads_to(c: Compiled, exit_kind: I64, exit_id: I64, ends: _Ends, atom: I64) -> B:
    """Whether leaving the network there reaches the end: the internet (or an AWS service) for an internet host;
    the VPN that routes its address for an on-premises host."""
    internet = (ends.kind == K_INTERNET) & ((exit_kind == W.X_INTERNET) | (exit_kind == W.X_ENDPOINT))
    vpn = (ends.kind == K_ONPREM) & (exit_kind == W.X_VPN)
    if vpn.any():
        vpn[vpn] = c.vpn_routes(exit_id[vpn], atom[vpn]) == 1
    result: B = internet | vpn
    return result


def _walk_chunk(c: Compiled, chunk: _Chunk) -> dict[str, Any]:
    """Forward and reply walks of one chunk; the verdict arrays (scalar-lane flows still to be filled)."""
    p = chunk.packets
    n = len(p)
    conn = W.Connection(n, chunk.ephemeral)
    request = p
    fwd = W.Walk(c, p.copy(), conn, reply=False, atoms=(chunk.src_atom, chunk.dst_atom))
    src = chunk.src
    start_eni = src.kind == K_ENI
    rows = np.flatnonzero(start_eni)
    fwd.loc[rows] = src.eni[rows]
    fwd.goto(W.ENI_OUT, rows)
    rows = np.flatnonzero(src.kind == K_ONPREM)
    fwd.loc[rows] = src.vpn[rows]
    fwd.goto(W.VPN_IN, rows)
    fwd.goto(W.INTERNET, np.flatnonzero(src.kind == K_INTERNET))
    fwd.run()
    dst = chunk.dst
    accepted = fwd.disposition == W.ACCEPTED
    arrived = accepted & np.where(
        fwd.end_link_local, dst.kind == K_LINK_LOCAL, (dst.kind == K_ENI) & (fwd.end_eni == dst.eni)
    )
    arrived |= (fwd.disposition == W.EXITS) & _leads_to(c, fwd.exit_kind, fwd.exit_id, dst, chunk.dst_atom)
    arrived &= ~fwd.scalar
    answer, has_reply = fwd.p.reply()  # the reply answers the packet as it arrived
    walked = np.flatnonzero(arrived & has_reply)
    out: dict[str, Any] = {
        "disposition": fwd.disposition, "explanation": fwd.explanation, "component": fwd.component,
        "kind": fwd.kind, "rule": fwd.rule, "delivered": arrived, "scalar": fwd.scalar.copy(),
    }  # fmt: skip
    names = ("reply_disposition", "reply_explanation", "reply_component", "reply_kind", "reply_rule")
    reply_fields = {name: np.full(n, -1, dtype=np.int64) for name in names}
    reply_delivered = np.zeros(n, dtype=bool)
    if len(walked):
        back = W.Packets(*(a[walked] for a in answer._arrays()))  # type: ignore[arg-type]
        sub_conn = W.Connection(len(walked), conn.ephemeral[walked])
        for name in ("tracked", "n_tracked", "nat", "nat_src_hi", "nat_src_lo", "nat_src_port", "nat_port",
                     "egress_only"):  # fmt: skip
            setattr(sub_conn, name, getattr(conn, name)[walked])
        rep = W.Walk(c, back, sub_conn, reply=True, atoms=(fwd.dst_atom[walked], fwd.src_atom[walked]))
        end_eni = fwd.end_eni[walked]
        link_local = fwd.end_link_local[walked]
        exit_kind, exit_id = fwd.exit_kind[walked], fwd.exit_id[walked]
        local = np.arange(len(walked))
        from_eni = (end_eni >= 0) & ~link_local
        rep.loc[local[from_eni]] = end_eni[from_eni]
        rep.goto(W.ENI_OUT, local[from_eni])
        ll = local[link_local]  # SPEC M1: the service answers its own instance directly
        rep.end_eni[ll] = src.eni[walked][link_local]
        rep.end(ll, W.ACCEPTED, None, -1, "")
        outside = ~from_eni & ~link_local
        vpn = outside & (exit_kind == W.X_VPN)
        rep.loc[local[vpn]] = exit_id[vpn]
        rep.goto(W.VPN_IN, local[vpn])
        endpoint = outside & (exit_kind == W.X_ENDPOINT)
        rep.loc[local[endpoint]] = exit_id[endpoint]
        rep.goto(W.ENDPOINT_IN, local[endpoint])
        rep.goto(W.INTERNET, local[outside & ~vpn & ~endpoint])
        rep.run()
        _check_reply_source(c, rep, request, walked, src)
        src_sub = _Ends(*(getattr(src, f.name)[walked] for f in attrs.fields(_Ends)))
        src_atom = c.atoms.lookup(request.src_hi[walked], request.src_lo[walked], request.version[walked])
        returned = (rep.disposition == W.ACCEPTED) & (rep.end_link_local | (rep.end_eni == src_sub.eni))
        returned &= src_sub.kind == K_ENI
        returned |= (rep.disposition == W.EXITS) & _leads_to(c, rep.exit_kind, rep.exit_id, src_sub, src_atom)
        reply_delivered[walked] = returned
        for name, values in (("reply_disposition", rep.disposition), ("reply_explanation", rep.explanation),
                             ("reply_component", rep.component), ("reply_kind", rep.kind),
                             ("reply_rule", rep.rule)):  # fmt: skip
            reply_fields[name][walked] = values
        out["scalar"][walked] |= rep.scalar
    out.update(reply_fields)
    out["reply_delivered"] = reply_delivered
    out["connected"] = arrived & (~has_reply | reply_delivered)
    return out


def _check_reply_source(c: Compiled, rep: W.Walk, request: W.Packets, walked: I64, src: _Ends) -> None:
    """A reply reaching the client from another address or port than the request went to is dropped there
    (asymmetric routing), as :func:`vpcsim.engine.trace._check_reply_source` decides."""
    done = (rep.disposition == W.ACCEPTED) | (rep.disposition == W.EXITS)
    p = rep.p
    ports = (p.protocol == 6) | (p.protocol == 17)
    same = (p.src_hi == request.dst_hi[walked]) & (p.src_lo == request.dst_lo[walked])
    same &= ~ports | (p.src_port == request.dst_port[walked])
    wrong = np.flatnonzero(done & ~same)
    if not len(wrong):
        return
    kind = src.kind[walked][wrong]
    eni = src.eni[walked][wrong]
    names = np.where(kind == K_ONPREM, c.strings("on-premises"), c.strings("internet"))
    component = np.where(kind == K_ENI, W.take(c.eni_id, eni), names)
    rep.end_eni[wrong] = -1
    rep.end_link_local[wrong] = False
    rep.exit_kind[wrong] = W.X_NONE
    rep.end(wrong, W.DENIED_IN, "REPLY_SOURCE_MISMATCH", component, "client")


_FIELDS = ("disposition", "explanation", "component", "kind", "rule", "delivered", "reply_disposition",
           "reply_explanation", "reply_component", "reply_kind", "reply_rule", "reply_delivered", "connected",
           "scalar")  # fmt: skip


def _scalar_lane(net: Network, c: Compiled, part: FlowBatch, out: dict[str, Any], rows: I64) -> None:
    """Flows the vectorised walk hands over (transit gateways, NAT64, NAT instances, long paths): the scalar
    walk decides them, exactly."""
    s = c.strings
    codes = {d: i for i, d in enumerate(W.DISPOSITIONS)}
    explanations = {e: i for i, e in enumerate(W.EXPLANATION_CODES)}
    for row in rows.tolist():
        src, dst, protocol, port, sport, ip_version = part.flow(row)
        t = trace(
            net, net._by_name(src), net._by_name(dst), protocol, port, sport, ip_version=ip_version, blockers=False
        )
        for prefix, walked in (("", t), ("reply_", t.reply)):
            if walked is None:
                for name in ("disposition", "explanation", "component", "kind", "rule"):
                    out[prefix + name][row] = -1
                continue
            out[prefix + "disposition"][row] = codes[walked.disposition]
            out[prefix + "explanation"][row] = -1 if walked.explanation is None else explanations[walked.explanation]
            hop = walked.decided_by
            out[prefix + "component"][row] = -1 if hop is None else s(hop.component)
            out[prefix + "kind"][row] = -1 if hop is None else s(hop.kind)
            out[prefix + "rule"][row] = -1 if hop is None or hop.rule is None else s(hop.rule)
        out["delivered"][row] = t.delivered
        out["reply_delivered"][row] = t.reply is not None and t.reply.delivered
        out["connected"][row] = t.connected


def evaluate_chunks(
    net: Network, flows: FlowBatch, *, chunk: int = DEFAULT_CHUNK, start: int = 0
) -> Iterator[Evaluation]:
    """Walk ``flows`` chunk by chunk; yields one :class:`Evaluation` per chunk (memory flat in batch size).

    ``start`` is the index of the first flow in the caller's batch (errors name flows by it): a distributed task
    walks a slice."""
    if not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, not {chunk!r}.")
    c = compile_network(net)
    resolver = _Resolver(net, c, flows)
    # SPEC L2: a flow to a load balancer by name tries each address its DNS gives: the scalar walk's.
    names = {key for lb in net.load_balancers for key in (lb.id, lb.lb_name, lb.dns_name)}
    by_name = np.array([bool(names) and _names_load_balancer(net, e, names) for e in flows.endpoints] or [False],
                       dtype=bool)  # fmt: skip
    offset = start
    for part in flows.chunks(chunk):
        resolved = _resolve_chunk(resolver, part, offset)
        out = _walk_chunk(c, resolved)
        refs = part.dst_ref.astype(np.int64)
        out["scalar"] |= (refs >= 0) & by_name[np.maximum(refs, 0)]
        lane = np.flatnonzero(out["scalar"])
        if len(lane):
            _scalar_lane(net, c, part, out, lane)
        yield Evaluation._build(part, resolved, out, c)
        offset += len(part)


def _names_load_balancer(net: Network, endpoint: object, names: set[str]) -> bool:
    if isinstance(endpoint, str):
        if endpoint.strip() in names:
            return True
        try:
            ipaddress.ip_address(endpoint.strip())
            return False  # an address: by name it is not
        except ValueError:
            pass
        try:
            endpoint = net._by_name(endpoint)  # a Name tag
        except VpcsimError:
            return False
    return load_balancer_named(net, endpoint) is not None


_STRING_FIELDS = ("component", "kind", "rule", "reply_component", "reply_kind", "reply_rule")


class StringTable:
    """One string table for evaluations interned apart (a distributed evaluation's workers each intern the strings
    their scalar walks meet): :meth:`renumber` maps a part's codes onto it."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[tuple[type, Any], int] = {}

    def renumber(self, part: Evaluation) -> npt.NDArray[np.int32]:
        """Old code -> new code for ``part``'s string fields (index with a code array; -1, None, stays -1)."""
        table = np.empty(len(part.values) + 1, dtype=np.int32)
        table[-1] = -1
        for k, value in enumerate(part.values):
            key = (type(value), value)
            if key not in self._index:
                self._index[key] = len(self.values)
                self.values.append(value)
            table[k] = self._index[key]
        return table


def _common_strings(parts: list[Evaluation]) -> tuple[list[Any], list[Evaluation]]:
    """One string table for parts with their own: each part's codes renumbered onto it."""
    strings = StringTable()
    out = []
    for part in parts:
        renumber = strings.renumber(part)
        codes = dict(part.codes)
        for name in _STRING_FIELDS:
            codes[name] = renumber[codes[name]]
        out.append(attrs.evolve(part, codes=codes))
    return strings.values, out


def evaluate(net: Network, flows: FlowBatch, *, chunk: int = DEFAULT_CHUNK) -> Evaluation:
    """Every flow's verdict; see :meth:`vpcsim.Network.evaluate`."""
    parts = list(evaluate_chunks(net, flows, chunk=chunk))
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return Evaluation._empty(compile_network(net))
    return Evaluation._concat(parts)


@attrs.define(eq=False, repr=False)
class Evaluation:
    """One verdict per flow, as numpy arrays (DESIGN contract), the forward packet's and its reply's.

    ``disposition`` (:class:`~vpcsim.Disposition` objects) and ``explanation`` (code or None) are the forward
    packet's, as ``trace().disposition`` / ``.explanation``; ``component``, ``kind`` and ``rule`` the hop that
    dropped it (``trace().decided_by``), None when nothing did. ``reply_*`` describe the reply's walk (None when
    there was no reply: the request did not arrive, or the protocol has none). ``delivered`` and ``connected`` are
    ``trace().delivered`` / ``.connected``. ``scalar`` marks flows the scalar walk decided (see
    :mod:`vpcsim.engine.walk`). Integer codes are in ``codes``; :meth:`frame` is the pandas view.
    """

    codes: dict[str, npt.NDArray[Any]]
    values: list[Any]
    src_hi: U64
    src_lo: U64
    dst_hi: U64
    dst_lo: U64
    version: npt.NDArray[np.int8]
    protocol: I64
    src_port: I64
    dst_port: I64

    @classmethod
    def _build(cls, part: FlowBatch, chunk: _Chunk, out: dict[str, Any], c: Compiled) -> Evaluation:
        p = chunk.packets  # the request as resolved (the walks work on copies)
        codes = {
            "disposition": out["disposition"].astype(np.int8),
            "explanation": out["explanation"].astype(np.int16),
            "component": out["component"].astype(np.int32),
            "kind": out["kind"].astype(np.int32),
            "rule": out["rule"].astype(np.int32),
            "reply_disposition": out["reply_disposition"].astype(np.int8),
            "reply_explanation": out["reply_explanation"].astype(np.int16),
            "reply_component": out["reply_component"].astype(np.int32),
            "reply_kind": out["reply_kind"].astype(np.int32),
            "reply_rule": out["reply_rule"].astype(np.int32),
            "delivered": out["delivered"],
            "reply_delivered": out["reply_delivered"],
            "connected": out["connected"],
            "scalar": out["scalar"],
            "src_kind": chunk.src.kind.astype(np.int8),
            "dst_kind": chunk.dst.kind.astype(np.int8),
        }
        return cls(
            codes,
            c.strings.values,
            chunk.src.hi,
            chunk.src.lo,
            chunk.dst.hi,
            chunk.dst.lo,
            p.version,
            p.protocol,
            p.src_port,
            p.dst_port,
        )

    @classmethod
    def _empty(cls, c: Compiled) -> Evaluation:
        e64 = np.zeros(0, dtype=np.int64)
        u = np.zeros(0, dtype=np.uint64)
        small = {"disposition": np.int8, "explanation": np.int16, "reply_disposition": np.int8}
        flags = dict.fromkeys(("delivered", "reply_delivered", "connected", "scalar"), bool)
        types = {**small, **flags, "reply_explanation": np.int16}
        codes: dict[str, npt.NDArray[Any]] = {name: np.zeros(0, dtype=types.get(name, np.int32)) for name in _FIELDS}
        codes.update(src_kind=np.zeros(0, dtype=np.int8), dst_kind=np.zeros(0, dtype=np.int8))
        return cls(codes, c.strings.values, u, u, u, u, np.zeros(0, dtype=np.int8), e64, e64, e64)

    @classmethod
    def _concat(cls, parts: list[Evaluation]) -> Evaluation:
        """Evaluations of consecutive flows as one. Parts interned by different processes (a distributed
        evaluation's workers each intern the strings their scalar walks meet) are renumbered onto one table."""
        values = parts[-1].values
        if any(p.values is not values for p in parts):
            values, parts = _common_strings(parts)
        codes = {name: np.concatenate([p.codes[name] for p in parts]) for name in parts[0].codes}
        names = ("src_hi", "src_lo", "dst_hi", "dst_lo", "version", "protocol", "src_port", "dst_port")
        arrays = [np.concatenate([getattr(p, f) for p in parts]) for f in names]
        return cls(codes, values, *arrays)

    def __len__(self) -> int:
        return len(self.protocol)

    def _lookup(self, name: str) -> npt.NDArray[np.object_]:
        table = np.array([*self.values, None], dtype=object)
        return table[self.codes[name]]  # type: ignore[no-any-return]

    @property
    def disposition(self) -> npt.NDArray[np.object_]:
        return _DISPOSITIONS[self.codes["disposition"]]  # type: ignore[no-any-return]

    @property
    def explanation(self) -> npt.NDArray[np.object_]:
        return _EXPLANATIONS[self.codes["explanation"]]  # type: ignore[no-any-return]

    @property
    def component(self) -> npt.NDArray[np.object_]:
        return self._lookup("component")

    @property
    def kind(self) -> npt.NDArray[np.object_]:
        return self._lookup("kind")

    @property
    def rule(self) -> npt.NDArray[np.object_]:
        return self._lookup("rule")

    @property
    def reply_disposition(self) -> npt.NDArray[np.object_]:
        return _DISPOSITIONS[self.codes["reply_disposition"]]  # type: ignore[no-any-return]

    @property
    def reply_explanation(self) -> npt.NDArray[np.object_]:
        return _EXPLANATIONS[self.codes["reply_explanation"]]  # type: ignore[no-any-return]

    @property
    def reply_component(self) -> npt.NDArray[np.object_]:
        return self._lookup("reply_component")

    @property
    def reply_kind(self) -> npt.NDArray[np.object_]:
        return self._lookup("reply_kind")

    @property
    def reply_rule(self) -> npt.NDArray[np.object_]:
        return self._lookup("reply_rule")

    @property
    def delivered(self) -> B:
        return self.codes["delivered"]

    @property
    def reply_delivered(self) -> B:
        return self.codes["reply_delivered"]

    @property
    def connected(self) -> B:
        return self.codes["connected"]

    @property
    def scalar(self) -> B:
        return self.codes["scalar"]

    def counts(self) -> dict[str, int]:
        """How many flows ended in each disposition (forward packet), plus ``connected``."""
        codes, counts = np.unique(self.codes["disposition"], return_counts=True)
        out = {str(W.DISPOSITIONS[int(k)]): int(v) for k, v in zip(codes, counts, strict=True)}
        out["connected"] = int(self.connected.sum())
        return out

    def addresses(self, side: str) -> list[str]:
        """The resolved source (``"src"``) or destination (``"dst"``) addresses as text."""
        hi, lo = (self.src_hi, self.src_lo) if side == "src" else (self.dst_hi, self.dst_lo)
        keys = np.stack([hi, lo, self.version.astype(np.uint64)], axis=1)
        unique, inverse = np.unique(keys, axis=0, return_inverse=True)
        text = np.array([str(_address(int(h), int(lo_), int(v))) for h, lo_, v in unique], dtype=object)
        return text[inverse.reshape(-1)].tolist()  # type: ignore[no-any-return]

    def frame(self) -> pd.DataFrame:
        """A pandas DataFrame, one row per flow: src, dst, protocol, src_port, dst_port, disposition,
        explanation, component, kind, rule, delivered, reply_disposition, reply_explanation, reply_component,
        reply_kind, reply_rule, reply_delivered, connected, scalar."""
        import pandas as pd

        protocols = {int(v): protocol_name(int(v)) for v in np.unique(self.protocol)}
        has_ports = self.src_port >= 0
        columns: dict[str, Any] = {
            "src": pd.Categorical(self.addresses("src")),
            "dst": pd.Categorical(self.addresses("dst")),
            "protocol": pd.Categorical([protocols[int(v)] for v in self.protocol]),
            "src_port": pd.arrays.IntegerArray(np.maximum(self.src_port, 0), ~has_ports),
            "dst_port": pd.arrays.IntegerArray(np.maximum(self.dst_port, 0), self.dst_port < 0),
        }
        for name in ("disposition", "explanation", "component", "kind", "rule", "delivered", "reply_disposition",
                     "reply_explanation", "reply_component", "reply_kind", "reply_rule", "reply_delivered",
                     "connected", "scalar"):  # fmt: skip
            value = getattr(self, name)
            columns[name] = value if value.dtype == bool else pd.Series(value, dtype=object)
        return pd.DataFrame(columns)

    def __repr__(self) -> str:
        counts = ", ".join(f"{k} {v:,}" for k, v in self.counts().items())
        return f"<Evaluation {len(self):,} flows: {counts}>"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(k)}</td><td>{v:,}</td></tr>" for k, v in self.counts().items())
        return f"<p><b>{len(self):,} flows</b></p><table>{rows}</table>"
