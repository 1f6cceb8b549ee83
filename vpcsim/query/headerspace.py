"""Header space: every packet of a question, cut into cells that the network treats alike (DESIGN: exact answers).

A question is sources x destinations x protocols x destination ports (x source ports). One side may be an address
*space* (``vpcsim.INTERNET``: every address an internet host can have; a CIDR outside the VPCs); the other is a set
of concrete network interfaces. The answer is exact because:

* **Addresses.** The compiled *atoms* already cut the address line at every bound the model uses, so every address
  of an atom is treated alike. Atoms are then grouped into *classes*: atoms inside a VPC, or owned (an ENI's,
  public or Elastic IP), stay alone; the others are grouped by their *signature*, every value any table of the walk
  returns for them: route tables, transit gateway and VPN routing, NACLs, the address flags, and the security groups
  a packet of the question can meet (the interfaces at either end and every interface a route can send traffic to,
  with the other interfaces of their instances). Two atoms of a class give the same answer at every lookup, so the
  walk treats them alike.
* **Ports, per hop.** Ports are cut only where a rule that can match the cell's addresses changes: for each NACL and
  security group in play, the rules whose address part matches the class or an address the packet can carry (the
  interfaces at the ends, NAT gateways, forwarding interfaces), and among those only where the set of matching rules
  changes with the port. A rule that cannot match the addresses cannot decide, so it cuts nothing: cells are few
  (about one per distinct service of the rules that apply), never the cross product of every field's cuts.
  Behaviour keyed on ports outside the rules cuts too: link-local services (53, 80, 123), NAT gateways' source-port
  remapping below 1024 (N4), ICMP types that have a reply.
* **Protocols.** Each protocol a rule names is its own class; the rest share one (a representative not named).

One representative flow per cell goes through the vectorised walk (:func:`vpcsim.engine.evaluate.evaluate`); its
verdict is every packet's of the cell. ICMP cells fix the code at 0 (trace's default) and vary the type.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from vpcsim.addr import IPAddress, IPNetwork
from vpcsim.engine import compile as C
from vpcsim.engine.compile import Compiled, RuleSets, compile_network, split_words
from vpcsim.engine.endpoints import INTERNET, InternetHost
from vpcsim.engine.evaluate import Evaluation, evaluate
from vpcsim.engine.flows import FlowBatch
from vpcsim.engine.trace import EPHEMERAL_PORTS
from vpcsim.model.interface import NetworkInterface

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = ["Cells", "End", "Question", "Space", "cells", "merge_ranges", "ranges_of"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]

_ICMP_REQUESTS = {1: (8, 13, 15, 17), 58: (128,)}  # SPEC-free: the types trace answers (trace._ICMP_REPLIES)
_SERVICE_PORTS = (53, 80, 123)  # SPEC M1: link-local services


# ---------------------------------------------------------------------------------------------------- the line


class Line:
    """The address line cut at every bound of one or more networks: the atoms of their union."""

    def __init__(self, compiled: Sequence[Compiled], extra: Iterable[IPNetwork] = ()) -> None:
        b4: set[int] = set().union(*(c.atoms._cuts4 for c in compiled))
        b6: set[int] = set().union(*(c.atoms._cuts6 for c in compiled))
        for network in extra:  # a CIDR a question names cuts too, so its atoms lie inside it
            bounds = b4 if network.version == 4 else b6
            bounds.add(int(network.network_address))
            bounds.add(int(network.broadcast_address) + 1)
        b4.discard(1 << 32)
        b6.discard(1 << 128)
        self.cuts4 = sorted(b4)
        self.cuts6 = sorted(b6)
        self.n4 = len(self.cuts4)
        self.count = self.n4 + len(self.cuts6)
        starts = [*self.cuts4, *self.cuts6]
        self.hi, self.lo = split_words(starts)
        self.version = np.array([4] * self.n4 + [6] * len(self.cuts6), dtype=np.int8)
        self.start = starts
        self.stop = [*self.cuts4[1:], 1 << 32, *self.cuts6[1:], 1 << 128]  # exclusive
        # The atom of each network for every atom of the line.
        self.maps = [c.atoms.lookup(self.hi, self.lo, self.version) for c in compiled]

    def address(self, atom: int) -> IPAddress:
        value = self.start[atom]
        return ipaddress.IPv4Address(value) if atom < self.n4 else ipaddress.IPv6Address(value)

    def span(self, network: IPNetwork) -> tuple[int, int]:
        """The atoms [first, stop) overlapping ``network``."""
        import bisect

        cuts, base = (self.cuts4, 0) if network.version == 4 else (self.cuts6, self.n4)
        first = bisect.bisect_right(cuts, int(network.network_address)) - 1
        stop = bisect.bisect_left(cuts, int(network.broadcast_address) + 1)
        return base + first, base + stop

    def atoms_of(self, addresses: Iterable[IPAddress]) -> list[int]:
        import bisect

        out = []
        for a in addresses:
            cuts, base = (self.cuts4, 0) if a.version == 4 else (self.cuts6, self.n4)
            out.append(base + bisect.bisect_right(cuts, int(a)) - 1)
        return out


# ---------------------------------------------------------------------------------------------------- ends


@attrs.frozen(eq=False)
class End:
    """One end of a question.

    Concrete: a network interface (``eni_id``) and the address the packets carry (``address``; ``None`` for
    trace's choice). A space (``space`` set): the atoms of the line it covers, resolved as internet hosts
    (``internet``) or as addresses (a CIDR: internet or on-premises hosts, as trace resolves an IP).
    """

    label: str
    eni_id: str | None = None
    address: IPAddress | None = None
    space: B | None = None
    internet: bool = False
    version: int = 4
    group: str = ""  # the group label the end came from (a subnet, a security group, a tag filter...)

    @property
    def is_space(self) -> bool:
        return self.space is not None


@attrs.frozen
class Question:
    """Sources x destinations x protocols x ports. ``src_ports`` None: the client's default ephemeral port (N4)."""

    sources: tuple[End, ...]
    destinations: tuple[End, ...]
    protocols: tuple[int, ...] | None = None  # None: every protocol (each named one, and the rest as one class)
    ports: tuple[int, int] = (0, 65535)
    src_ports: tuple[int, int] | None = None


# ---------------------------------------------------------------------------------------------------- per net


class _NetView:
    """What the cutter needs of one compiled network, over the line's atoms."""

    def __init__(self, net: Network, c: Compiled, atom_map: I64, line: Line) -> None:
        self.net, self.c, self.map = net, c, atom_map
        n = len(atom_map)
        cols: list[npt.NDArray[Any]] = []
        a = atom_map
        for flag in (c.atom_not_internet, c.atom_link_local, c.atom_nat64, c.atom_service, c.atom_v6_vpc):
            cols.append(flag[a].astype(np.int64))
        for t in range(len(c.tables)):
            cols.append(c.lpm(np.full(n, t, dtype=np.int64), a))
        for t in range(len(c.tgw_table_id)):
            cols.append(c.tgw_lpm(np.full(n, t, dtype=np.int64), a))
        for g in range(len(c.vgws)):
            cols.append(c.vgw_vpn(np.full(n, g, dtype=np.int64), a))
        for v in range(len(c.vpns)):
            cols.append(c.vpn_routes(np.full(n, v, dtype=np.int64), a))
        cols.append(_longest_vpn(c, line))
        for acl in range(len(c.acls)):
            for rs in (c.nacl_in, c.nacl_out):
                cols.append(_as_int(addr_masks(rs, acl, a)))
        inside = np.zeros(n, dtype=bool)
        for v in range(len(c.vpcs)):
            inside |= c.vpc_contains(np.full(n, v, dtype=np.int64), a) == 1
        inside |= (c.atom_public_eni[a] >= 0) | c.atom_unassociated_eip[a] | (c.atom_service[a] != C.S_NONE)
        inside |= np.isin(a, c.vpc_dns_atom)
        self.inside = inside
        self.base = np.column_stack([np.atleast_2d(x.T).T if x.ndim == 1 else x for x in cols])
        # Security groups a packet can meet besides the ends' own: interfaces a route sends traffic to, and the
        # other interfaces of their instances (an appliance forwards out of the one facing the destination).
        forwarding: set[int] = set()
        targets = c.route_target[(c.route_kind == C.T_ENI) & (c.route_target >= 0)]
        for e in np.unique(targets).tolist():
            forwarding.add(int(e))
            owner = int(c.eni_instance[e])
            if owner >= 0:
                forwarding.update(int(x) for x in c.inst_enis[owner] if x >= 0)
        for i, inst in enumerate(c.instances):
            if inst.masquerade:
                forwarding.update(int(x) for x in c.inst_enis[i] if x >= 0)
        self.forwarding = sorted(forwarding)
        self.forwarding_groups = sorted({int(c.eni_sg_in[e]) for e in forwarding if c.eni_sg_in[e] >= 0})
        # Addresses a packet can carry besides the ends': NAT gateways' and forwarding (masquerading) interfaces'.
        carried: list[IPAddress] = []
        for nat in c.nats:
            if nat.network_interface is not None:
                carried += _addresses(nat.network_interface)
        for e in forwarding:
            carried += _addresses(c.enis[e])
        self.carried = carried

    def eni(self, eni_id: str | None) -> int:
        if eni_id is None:
            return -1
        return self.c.eni_index.get(eni_id, -1)


def _addresses(eni: NetworkInterface) -> list[IPAddress]:
    return [*eni.addresses, *eni.public_ips.values()]


def _as_int(masks: U64) -> I64:
    return masks.view(np.int64)


def addr_masks(rs: RuleSets, group: int, atoms: I64) -> U64:
    """(n, W) masks of the rules of ``group`` whose address part holds each atom (of the network)."""
    pos = np.searchsorted(rs.addr_keys, group * rs.n_atoms + atoms, side="right") - 1
    return rs.addr_masks[pos]


def port_rows(rs: RuleSets, group: int, protocol: int) -> tuple[I64, U64]:
    """The port dimension of ``group`` for ``protocol``: starts (port value, -1 for "no port") and masks."""
    base = (group * rs.n_classes + int(rs.class_of[protocol])) * 65537
    i0, i1 = np.searchsorted(rs.port_keys, [base, base + 65537])
    return rs.port_keys[i0:i1] - base - 1, rs.port_masks[i0:i1]


def _longest_vpn(c: Compiled, line: Line) -> I64:
    """The VPN connection whose longest route holds each atom (how trace resolves an on-premises address)."""
    entries = []
    for k, vpn in enumerate(c.vpns):
        if vpn.state != "available":
            continue
        for r in vpn.routes:
            entries.append((*line.span(r), (-r.prefixlen, k, k)))
    out = np.full(line.count, -1, dtype=np.int64)
    for first, stop, value in C._paint(line.count, entries):
        out[first:stop] = value
    return out


# ---------------------------------------------------------------------------------------------------- cells


@attrs.frozen(eq=False)
class Space:
    """The classes of one address space for one set of security groups: ``klass[i]`` for each atom ``atoms[i]``."""

    atoms: I64
    klass: I64
    representative: I64  # first atom of each class
    n: int


@attrs.frozen(eq=False)
class Cells:
    """The cells of a question and one representative flow each.

    Per cell: ``pair`` (index into ``pairs``: (source end, destination end)), ``klass`` (class of the pair's
    space side, -1 when both ends are concrete), ``protocol``, destination ports ``[port_lo, port_hi]`` (ICMP
    types; -1 for protocols without ports) and source ports ``[sport_lo, sport_hi]`` (-1: trace's default).
    ``spaces[p]`` gives the classes of pair ``p`` when one end is a space.
    """

    question: Question
    line: Line
    pairs: list[tuple[End, End]]
    spaces: dict[int, Space]
    pair: I64
    klass: I64
    protocol: I64
    port_lo: I64
    port_hi: I64
    sport_lo: I64
    sport_hi: I64
    others: tuple[int, ...]  # the protocols of the "every other protocol" class (its representative first)
    view_ids: list[frozenset[str]]  # the interface ids of each network

    def __len__(self) -> int:
        return len(self.pair)

    def flows(self, view: int = 0) -> tuple[FlowBatch, B]:
        """The representatives as a :class:`FlowBatch` for network ``view``; and which cells have both ends there
        (an interface missing from one snapshot of a diff)."""
        return _representatives(self, view)

    def atoms(self, pair: int, klass: int) -> I64:
        space = self.spaces[pair]
        return space.atoms[space.klass == klass]  # type: ignore[no-any-return]


def line_of(nets: Sequence[Network], extra: Iterable[IPNetwork] = ()) -> Line:
    """The atoms of the networks' union (and of any CIDR a question names)."""
    return Line([compile_network(n) for n in nets], extra)


def cells(nets: Sequence[Network], question: Question, line: Line | None = None) -> Cells:
    """Cut ``question`` into cells for the networks (two for a diff: the cuts of both). ``line`` must be
    :func:`line_of` these networks when the question's spaces were built on it."""
    compiled = [compile_network(n) for n in nets]
    line = line or Line(compiled)
    views = [_NetView(n, c, m, line) for n, c, m in zip(nets, compiled, line.maps, strict=True)]
    protocols, others = _protocols(compiled, question.protocols)
    pairs: list[tuple[End, End]] = []
    for s in question.sources:
        for d in question.destinations:
            if s.is_space and d.is_space:
                continue
            if s.eni_id is not None and s.eni_id == d.eni_id and s.address == d.address:
                continue  # an interface to itself is not a flow
            if not s.is_space and not d.is_space and s.version != d.version:
                continue
            if s.is_space and not d.is_space and d.address is not None and d.address.version != s.version:
                continue
            if d.is_space and not s.is_space and s.address is not None and s.address.version != d.version:
                continue
            pairs.append((s, d))
    base_class = _base_classes(views)
    spaces: dict[int, Space] = {}
    space_cache: dict[tuple[Any, ...], Space] = {}
    out: list[tuple[I64, ...]] = []
    for p, (s, d) in enumerate(pairs):
        groups = [_groups(v, [s, d]) for v in views]
        carried = [_carried(v, line, [s, d]) for v in views]
        space_end = s if s.is_space else d if d.is_space else None
        if space_end is not None:
            key = (id(space_end), tuple(tuple(g) for g in groups))
            space = space_cache.get(key)
            if space is None:
                space = space_cache[key] = _classes(views, line, space_end, groups, base_class)
            spaces[p] = space
            rep_atoms = space.representative
        else:
            space = None
            rep_atoms = np.zeros(0, dtype=np.int64)
        version = s.version
        for protocol in protocols:
            if protocol in (1, 58) and protocol != (1 if version == 4 else 58):
                if question.protocols is None:
                    continue  # every protocol: ICMP is ICMPv6 on an IPv6 pair, and the other way round
                protocol = 1 if version == 4 else 58
            out.append(_pair_cells(views, line, question, p, protocol, space, rep_atoms, groups, carried))
    if out:
        arrays = [np.concatenate(col) for col in zip(*out, strict=True)]
    else:
        arrays = [np.zeros(0, dtype=np.int64) for _ in range(7)]
    view_ids = [frozenset(e.id for e in n.network_interfaces) for n in nets]
    return Cells(question, line, pairs, spaces, *arrays,  # type: ignore[arg-type,misc]
                 others=others, view_ids=view_ids)  # fmt: skip


def _protocols(compiled: Sequence[Compiled], wanted: tuple[int, ...] | None) -> tuple[list[int], tuple[int, ...]]:
    if wanted is not None:
        return list(wanted), ()
    named = {1, 6, 17, 58}
    for c in compiled:
        for rs in (c.sg_in, c.sg_out, c.nacl_in, c.nacl_out):
            named.update(int(p) for p in np.flatnonzero(rs.class_of != rs.n_classes - 1))
    rest = tuple(p for p in range(256) if p not in named)
    protocols = sorted(named)
    if rest:
        protocols.append(rest[0])
    return protocols, rest


def _base_classes(views: Sequence[_NetView]) -> I64:
    """Class of each line atom by every table but security groups; inside atoms alone."""
    n = len(views[0].map)
    inside = np.zeros(n, dtype=bool)
    for v in views:
        inside |= v.inside
    columns = [np.where(inside, np.arange(n), -1)[:, None], *(v.base for v in views)]
    table = np.ascontiguousarray(np.concatenate(columns, axis=1))
    _, inverse = np.unique(table, axis=0, return_inverse=True)
    return inverse.reshape(-1).astype(np.int64)


def _groups(view: _NetView, ends: Sequence[End]) -> list[int]:
    """Security-group sets (compiled indices) a packet between these ends can meet in this network."""
    c = view.c
    groups = set(view.forwarding_groups)
    for end in ends:
        e = view.eni(end.eni_id)
        if e >= 0 and c.eni_sg_in[e] >= 0:
            groups.add(int(c.eni_sg_in[e]))
    return sorted(groups)


def _carried(view: _NetView, line: Line, ends: Sequence[End]) -> list[int]:
    """Line atoms of the addresses a packet between these ends can carry, besides a space's class."""
    addresses = list(view.carried)
    for end in ends:
        e = view.eni(end.eni_id)
        if e >= 0:
            addresses += _addresses(view.c.enis[e])
        if end.address is not None:
            addresses.append(end.address)
    return sorted(set(line.atoms_of(addresses)))


def _classes(views: Sequence[_NetView], line: Line, end: End, groups: list[list[int]], base: I64) -> Space:
    assert end.space is not None
    atoms = np.flatnonzero(end.space).astype(np.int64)
    columns = [base[atoms][:, None]]
    for v, gs in zip(views, groups, strict=True):
        a = v.map[atoms]
        for g in gs:
            columns.append(_as_int(addr_masks(v.c.sg_in, g, a)))
            columns.append(_as_int(addr_masks(v.c.sg_out, g, a)))
    table = np.ascontiguousarray(np.concatenate(columns, axis=1))
    _, first, inverse = np.unique(table, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    # Number classes in address order: the class of the lowest atom first.
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    klass = rank[inverse]
    representative = atoms[np.sort(first)]
    return Space(atoms, klass, representative, len(first))


def _pair_cells(
    views: Sequence[_NetView],
    line: Line,
    question: Question,
    pair: int,
    protocol: int,
    space: Space | None,
    rep_atoms: I64,
    groups: list[list[int]],
    carried: list[list[int]],
) -> tuple[I64, ...]:
    n_classes = space.n if space is not None else 1
    has_ports = protocol in (6, 17)
    icmp = protocol in (1, 58)
    if not has_ports and not icmp:
        k = np.arange(n_classes, dtype=np.int64) if space is not None else np.full(1, -1, dtype=np.int64)
        none = np.full(len(k), -1, dtype=np.int64)
        return (np.full(len(k), pair, dtype=np.int64), k, np.full(len(k), protocol, dtype=np.int64), none, none,
                none, none)  # fmt: skip
    top = 65535 if has_ports else 255
    lo, hi = question.ports
    lo, hi = max(lo, 0), min(hi, top)
    if lo > hi:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, e, e, e, e
    # The rules of each rule set in play that can match these cells' addresses: (classes, W) masks per rule set.
    dflags, dvalues = _cut_flags(views, protocol, n_classes, rep_atoms, groups, carried, codes=False)
    extra = [t + dt for t in _ICMP_REQUESTS.get(protocol, ()) for dt in (0, 1)] if icmp else list(_SERVICE_PORTS)
    if has_ports:
        extra += [p + 1 for p in _SERVICE_PORTS]
    d_start, d_class = _starts(dflags, dvalues, extra, lo, hi, n_classes)
    d_end = _ends(d_start, d_class, hi)
    if question.src_ports is None or not has_ports:
        k = d_class if space is not None else np.full(len(d_class), -1, dtype=np.int64)
        none = np.full(len(k), -1, dtype=np.int64)
        return (np.full(len(k), pair, dtype=np.int64), k, np.full(len(k), protocol, dtype=np.int64), d_start, d_end,
                none, none)  # fmt: skip
    slo, shi = question.src_ports
    sflags, svalues = dflags, dvalues  # the reply's rules see the source port as destination port (N4)
    s_start, s_class = _starts(sflags, svalues, [EPHEMERAL_PORTS["nat-gateway"][0]], slo, shi, n_classes)
    s_end = _ends(s_start, s_class, shi)
    # Per class: its destination cells x its source cells.
    d_count = np.bincount(d_class, minlength=n_classes)
    s_count = np.bincount(s_class, minlength=n_classes)
    d_first = np.concatenate([[0], np.cumsum(d_count)[:-1]])
    s_first = np.concatenate([[0], np.cumsum(s_count)[:-1]])
    per = d_count * s_count
    k = np.repeat(np.arange(n_classes, dtype=np.int64), per)
    offset = np.arange(int(per.sum()), dtype=np.int64) - np.repeat(np.cumsum(per) - per, per)
    di = d_first[k] + offset // s_count[k]
    si = s_first[k] + offset % s_count[k]
    kk = k if space is not None else np.full(len(k), -1, dtype=np.int64)
    return (np.full(len(k), pair, dtype=np.int64), kk, np.full(len(k), protocol, dtype=np.int64), d_start[di],
            d_end[di], s_start[si], s_end[si])  # fmt: skip


def _cut_flags(
    views: Sequence[_NetView],
    protocol: int,
    n_classes: int,
    rep_atoms: I64,
    groups: list[list[int]],
    carried: list[list[int]],
    *,
    codes: bool,
) -> tuple[list[B], list[I64]]:
    """Per rule set in play: (classes, J) flags of the port starts where its matching rules change, and the J
    port values."""
    flags: list[B] = []
    values: list[I64] = []
    for v, gs, carry in zip(views, groups, carried, strict=True):
        c = v.c
        carry_atoms = v.map[np.array(carry, dtype=np.int64)] if carry else np.zeros(0, dtype=np.int64)
        class_atoms = v.map[rep_atoms] if len(rep_atoms) else np.zeros(0, dtype=np.int64)
        sets: list[tuple[RuleSets, int]] = [(rs, a) for a in range(len(c.acls)) for rs in (c.nacl_in, c.nacl_out)]
        sets += [(rs, g) for g in gs for rs in (c.sg_in, c.sg_out)]
        for rs, g in sets:
            starts, rows = port_rows(rs, g, protocol)
            if len(starts) < 2:
                continue
            fixed = np.bitwise_or.reduce(addr_masks(rs, g, carry_atoms), axis=0) if len(carry_atoms) else 0
            if len(class_atoms):
                mask = addr_masks(rs, g, class_atoms) | fixed
            else:
                mask = np.broadcast_to(np.asarray(fixed, dtype=np.uint64), (1, rows.shape[1]))
            mask = np.broadcast_to(mask, (n_classes, rows.shape[1]))
            seen = rows[None, :, :] & mask[:, None, :]
            change = (seen[:, 1:, :] != seen[:, :-1, :]).any(axis=2)
            flags.append(change)
            values.append(starts[1:])
    return flags, values


def _starts(flags: list[B], values: list[I64], extra: list[int], lo: int, hi: int, n_classes: int) -> tuple[I64, I64]:
    """The first port of each cell, per class, sorted by (class, port)."""
    universe = np.unique(np.concatenate([np.array([lo, *extra], dtype=np.int64), *values]))
    universe = universe[(universe >= lo) & (universe <= hi)]
    table = np.zeros((n_classes, len(universe)), dtype=bool)
    table[:, 0] = True  # lo
    where = {int(u): i for i, u in enumerate(universe.tolist())}
    for f, vals in zip(flags, values, strict=True):
        keep = (vals >= lo) & (vals <= hi)
        if not keep.any():
            continue
        cols = np.array([where[int(x)] for x in vals[keep].tolist()], dtype=np.int64)
        _or_columns(table, cols, f[:, keep])
    for x in extra:
        if lo <= x <= hi:
            table[:, where[x]] = True
    k, u = np.nonzero(table)
    return universe[u].astype(np.int64), k.astype(np.int64)


def _or_columns(table: B, cols: I64, flags: B) -> None:
    for j, col in enumerate(cols.tolist()):
        table[:, col] |= flags[:, j]


def _ends(start: I64, klass: I64, hi: int) -> I64:
    end = np.empty(len(start), dtype=np.int64)
    if len(start) == 0:
        return end
    end[:-1] = start[1:] - 1
    end[-1] = hi
    last = np.ones(len(start), dtype=bool)
    last[:-1] = klass[1:] != klass[:-1]
    end[last] = hi
    return end


# ---------------------------------------------------------------------------------------------------- flows


def _representatives(cells: Cells, view: int) -> tuple[FlowBatch, B]:
    line = cells.line
    n = len(cells)
    endpoints: list[object] = []
    index: dict[Any, int] = {}

    def ref(obj: object, key: Any) -> int:
        found = index.get(key)
        if found is None:
            found = index[key] = len(endpoints)
            endpoints.append(obj)
        return found

    src_hi = np.zeros(n, dtype=np.uint64)
    src_lo = np.zeros(n, dtype=np.uint64)
    dst_hi = np.zeros(n, dtype=np.uint64)
    dst_lo = np.zeros(n, dtype=np.uint64)
    src_version = np.zeros(n, dtype=np.int8)
    dst_version = np.zeros(n, dtype=np.int8)
    src_ref = np.full(n, -1, dtype=np.int32)
    dst_ref = np.full(n, -1, dtype=np.int32)
    ip_version = np.zeros(n, dtype=np.int8)
    present = np.ones(n, dtype=bool)
    order = np.argsort(cells.pair, kind="stable")
    bounds = np.searchsorted(cells.pair[order], np.arange(len(cells.pairs) + 1))
    for p, (s, d) in enumerate(cells.pairs):
        rows = order[bounds[p] : bounds[p + 1]]
        if not len(rows):
            continue
        for end, hi, lo, version, refs in ((s, src_hi, src_lo, src_version, src_ref),
                                           (d, dst_hi, dst_lo, dst_version, dst_ref)):  # fmt: skip
            if end.is_space:
                space = cells.spaces[p]
                atoms = space.representative[cells.klass[rows]]
                if end.internet:
                    for row, atom in zip(rows.tolist(), atoms.tolist(), strict=True):
                        refs[row] = ref(InternetHost(line.address(atom)), ("internet", atom))
                else:
                    hi[rows] = line.hi[atoms]
                    lo[rows] = line.lo[atoms]
                    version[rows] = line.version[atoms]
            elif end.address is not None:
                if end.eni_id is not None and end.eni_id not in cells.view_ids[view] and end is s:
                    present[rows] = False
                value = int(end.address)
                hi[rows], lo[rows] = value >> 64, value & ((1 << 64) - 1)
                version[rows] = end.address.version
            else:
                assert end.eni_id is not None
                if end.eni_id not in cells.view_ids[view]:
                    present[rows] = False
                refs[rows] = ref(end.eni_id, ("eni", end.eni_id))
        ip_version[rows] = s.version
    protocol = cells.protocol.astype(np.int16)
    dport = cells.port_lo.astype(np.int32)
    sport = cells.sport_lo.astype(np.int32)
    icmp = (protocol == 1) | (protocol == 58)
    sport = np.where(icmp, 0, sport).astype(np.int32)
    batch = FlowBatch._raw((src_hi, src_lo, src_version, src_ref), (dst_hi, dst_lo, dst_version, dst_ref), protocol,
                           dport, sport, ip_version, tuple(endpoints))  # fmt: skip
    return batch, present


def run(
    nets: Sequence[Network], question: Question, line: Line | None = None
) -> tuple[Cells, list[Evaluation | None], list[B]]:
    """Cells of the question and, per network, the verdict of every cell (``present``: both ends exist there)."""
    cut = cells(nets, question, line)
    results: list[Evaluation | None] = []
    presence: list[B] = []
    for k, net in enumerate(nets):
        batch, present = cut.flows(k)
        rows = np.flatnonzero(present)
        if len(rows) == len(present):
            results.append(evaluate(net, batch))
        else:
            results.append(evaluate(net, batch.take(rows)) if len(rows) else None)
        presence.append(present)
    return cut, results, presence


# ---------------------------------------------------------------------------------------------------- ranges


def merge_ranges(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, disjoint, non-adjacent (lo, hi) ranges covering the same integers."""
    out: list[list[int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], hi)
        else:
            out.append([lo, hi])
    return [(a, b) for a, b in out]


def ranges_of(line: Line, atoms: Iterable[int], universe: B | None = None) -> list[IPNetwork]:
    """The CIDRs covering these atoms. Atoms outside ``universe`` (addresses the end cannot have: private ranges
    for the internet, the network's own public addresses) are "don't care": a run of wanted atoms may span them,
    so the answer stays short (``0.0.0.0/0`` for "every internet host")."""
    wanted = np.zeros(line.count, dtype=bool)
    wanted[np.fromiter(atoms, dtype=np.int64)] = True
    if not wanted.any():
        return []
    usable = wanted | (~universe if universe is not None else np.zeros(line.count, dtype=bool))
    out: list[IPNetwork] = []
    for lo_atom, hi_atom, version in _runs(line, usable, wanted):
        first, last = line.start[lo_atom], line.stop[hi_atom] - 1
        cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
        out.extend(ipaddress.summarize_address_range(cls(first), cls(last)))
    return out


def _runs(line: Line, usable: B, wanted: B) -> list[tuple[int, int, int]]:
    runs: list[tuple[int, int, int]] = []
    for base, stop, version in ((0, line.n4, 4), (line.n4, line.count, 6)):
        u = usable[base:stop]
        if not len(u):
            continue
        edges = np.flatnonzero(np.diff(np.concatenate([[False], u, [False]]).astype(np.int8)))
        for a, b in zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True):
            w = np.flatnonzero(wanted[base + a : base + b])
            if len(w):
                runs.append((base + a, base + b - 1, version))
    return runs


def internet_space(line: Line, nets: Sequence[Network], version: int | None = None) -> B:
    """Atoms an internet host's address can be in: not private or special (NOT_ON_INTERNET), not in a VPC, not the
    network's own public or Elastic IPs, not link-local or the NAT64 prefix."""
    out = np.ones(line.count, dtype=bool)
    for k, net in enumerate(nets):
        c = compile_network(net)
        a = line.maps[k]
        out &= ~c.atom_not_internet[a] & ~c.atom_link_local[a] & ~c.atom_nat64[a]
        out &= (c.atom_public_eni[a] < 0) & ~c.atom_unassociated_eip[a]
        for v in range(len(c.vpcs)):
            out &= c.vpc_contains(np.full(line.count, v, dtype=np.int64), a) != 1
    if version == 4:
        out[line.n4 :] = False
    elif version == 6:
        out[: line.n4] = False
    return out


__all__ += ["INTERNET", "Line", "internet_space", "line_of", "run"]
