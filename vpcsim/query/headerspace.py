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
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from vpcsim.addr import IPAddress, IPNetwork
from vpcsim.engine import compile as C
from vpcsim.engine.compile import Compiled, RuleSets, compile_network, split_words
from vpcsim.engine.endpoints import InternetHost
from vpcsim.engine.evaluate import Evaluation, evaluate
from vpcsim.engine.flows import FlowBatch
from vpcsim.engine.trace import _ICMP_REPLIES, EPHEMERAL_PORTS
from vpcsim.model.interface import NetworkInterface

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = ["Cells", "End", "Question", "Space", "cells", "merge_ranges", "ranges_of"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]

# The ICMP types trace answers with a reply (echo, timestamp, ...): each is a cell of its own.
_ICMP_REQUESTS = {p: tuple(t for (q, t) in _ICMP_REPLIES if q == p) for p in (1, 58)}
_SERVICE_PORTS = (53, 80, 123)  # SPEC M1: link-local services
_NONE = np.full(1, -1, dtype=np.int64)
_Sets = frozenset[tuple[str, int]]  # rule sets by (compiled attribute, group)


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
    extent: B | None = None  # the atoms the spec named (a CIDR's, the internet's family); ``space`` is within it

    @property
    def dont_care(self) -> B | None:
        """Atoms the spec named that the end cannot have (private ranges for the internet, the network's own
        addresses): a CIDR list of the end's addresses may span them."""
        if self.space is None or self.extent is None:
            return None
        return self.extent & ~self.space

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
        # SPEC L1-L3: load balancer nodes forward to their targets (with the client's address or their own), so the
        # nodes' and the targets' security groups and subnets see packets of flows addressed to the nodes.
        forwarding.update(c.eni_index[e] for e in _load_balancing_enis(net) if e in c.eni_index)
        self.forwarding = sorted(forwarding)
        self.forwarding_groups = sorted({int(c.eni_sg_in[e]) for e in forwarding if c.eni_sg_in[e] >= 0})
        # Addresses a packet can carry besides the ends': forwarding (masquerading) interfaces', NAT gateways'.
        self.carried = [a for e in forwarding for a in _addresses(c.enis[e])]
        # Network ACLs a packet can cross besides the ends' subnets': forwarding interfaces', NAT gateways' and
        # transit gateway attachments' subnets.
        self.acls = {int(c.subnet_acl[c.eni_subnet[e]]) for e in forwarding}
        passed = {int(c.eni_subnet[e]) for e in c.nat_eni.tolist() if e >= 0}
        passed |= {int(x) for x in np.unique(c.att_zone_subnet) if x >= 0}
        self.gateway_acls = {int(c.subnet_acl[x]) for x in passed}
        # A request from the internet enters by an internet gateway and meets NAT or transit gateway subnets only
        # when a gateway route table (R7) sends it on; otherwise only the reply can be routed through them.
        self.edge_routing = bool((c.igw_edge >= 0).any()) if len(c.igw_edge) else False
        nat_addresses = [a for nat in c.nats if nat.network_interface is not None
                         for a in _addresses(nat.network_interface)]  # fmt: skip
        self.carried_atoms = np.array(line.atoms_of(self.carried), dtype=np.int64)
        self.nat_atoms = np.array(line.atoms_of(nat_addresses), dtype=np.int64)
        both = {("nacl_in", a) for a in self.acls} | {("nacl_out", a) for a in self.acls}
        both |= {("sg_in", g) for g in self.forwarding_groups} | {("sg_out", g) for g in self.forwarding_groups}
        gateways = {("nacl_in", a) for a in self.gateway_acls} | {("nacl_out", a) for a in self.gateway_acls}
        self.sets_inbound = frozenset(both)  # a request from the internet, without gateway route tables
        self.sets_both = frozenset(both | gateways)
        self.cache: dict[tuple[Any, ...], Any] = {}

    def eni(self, eni_id: str | None) -> int:
        if eni_id is None:
            return -1
        return self.c.eni_index.get(eni_id, -1)


def _load_balancing_enis(net: Network) -> set[str]:
    """Ids of every load balancer node and of every interface a listener's target group sends to."""
    from vpcsim.engine.health import _candidate

    found = {eni.id for lb in net.load_balancers for eni in lb.nodes}
    for listener in net.listeners:
        group = listener.target_group
        for target in group.targets:
            cand = _candidate(net, group, target)
            if cand is not None and cand.network_interface is not None:
                found.add(cand.network_interface.id)
    return found


def listener_ports(nets: Sequence[Network]) -> list[int]:
    """Where a load balancer's listeners start and stop: destination-port cuts (L1)."""
    return sorted({p for net in nets for x in net.listeners for p in (x.port, x.port + 1)})


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
        for r in c.net.on_premises_cidrs(vpn):
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
    view_inside: list[B]  # per network, the line atoms inside it (a VPC's, or an address it owns)

    def __len__(self) -> int:
        return len(self.pair)

    def flows(self, view: int = 0) -> tuple[FlowBatch, B]:
        """The representatives as a :class:`FlowBatch` for network ``view``; and which cells have both ends there
        (an interface missing from one snapshot of a diff)."""
        return _representatives(self, view)

    def locate(
        self, pair: int, protocol: int, port: int = -1, src_port: int = -1, address: IPAddress | None = None
    ) -> int:
        """The cell holding a concrete packet of pair ``pair``: its protocol, destination port (ICMP type), source
        port (when the question has source ports) and, when an end of the pair is a space, the address there.
        -1 when no cell holds it (outside the question)."""
        rows = (self.pair == pair) & (self.protocol == (self.others[0] if protocol in self.others else protocol))
        if pair in self.spaces:
            if address is None:
                raise ValueError("the pair has an address space: give the address")
            space = self.spaces[pair]
            atom = self.line.atoms_of([address])[0]
            where = np.searchsorted(space.atoms, atom)
            if where >= len(space.atoms) or space.atoms[where] != atom:
                return -1
            rows &= self.klass == space.klass[where]
        if port >= 0:
            rows &= (self.port_lo <= port) & (port <= self.port_hi)
        if src_port >= 0 and self.question.src_ports is not None:
            rows &= (self.sport_lo <= src_port) & (src_port <= self.sport_hi)
        found = np.flatnonzero(rows)
        return int(found[0]) if len(found) else -1

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
            if s.eni_id is not None and s.eni_id == d.eni_id:
                continue  # an interface to itself: the host's own stack, not the VPC
            if s.version != d.version:
                continue
            if s.internet and d.address is not None and any(d.address in n for n in C.NOT_ON_INTERNET):
                continue  # the internet cannot address a private address
            pairs.append((s, d))
    base_class = _base_classes(views)
    spaces: dict[int, Space] = {}
    space_cache: dict[tuple[Any, ...], Space] = {}
    # Pairs are cut in batches, all rows of a batch at once: the classes of one space for one set of security
    # groups (a space pair's classes depend on the groups it meets), or every destination of one concrete source.
    batches: dict[tuple[Any, ...], list[int]] = {}
    for p, (s, d) in enumerate(pairs):
        groups = [_groups(v, [s, d]) for v in views]
        space_end = s if s.is_space else d if d.is_space else None
        if space_end is not None:
            key = (id(space_end), tuple(tuple(g) for g in groups))
            space = space_cache.get(key)
            if space is None:
                space = space_cache[key] = _classes(views, space_end, groups, base_class)
            spaces[p] = space
            batches.setdefault(("space", *key), []).append(p)
        else:
            batches.setdefault(("ends", id(s)), []).append(p)
    out: list[tuple[I64, ...]] = []
    for members in batches.values():
        rows = _Rows(views, line, pairs, spaces, members)
        for protocol in protocols:
            for version in (4, 6):
                wanted = protocol
                if protocol in (1, 58) and protocol != (1 if version == 4 else 58):
                    if question.protocols is None:
                        continue  # every protocol: ICMP is ICMPv6 on an IPv6 pair, and the other way round
                    wanted = 1 if version == 4 else 58
                selected = rows.of_version(version)
                if len(selected):
                    out.append(_batch_cells(views, question, wanted, rows, selected))
    if out:
        arrays = [np.concatenate(col) for col in zip(*out, strict=True)]
    else:
        arrays = [np.zeros(0, dtype=np.int64) for _ in range(7)]
    view_ids = [frozenset(e.id for e in n.network_interfaces) for n in nets]
    return Cells(question, line, pairs, spaces, *arrays,  # type: ignore[arg-type,misc]
                 others=others, view_ids=view_ids, view_inside=[v.inside for v in views])  # fmt: skip


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


def _rule_sets(
    view: _NetView, pair: tuple[End, End]
) -> tuple[frozenset[tuple[str, int]], frozenset[tuple[str, int]]]:
    """The rule sets whose port ranges a pair's packets are matched against: (by the request's destination port,
    by the client's source port). A request leaves the source (its SGs' and subnet's outbound rules) and enters
    the destination (inbound rules); the reply, whose destination port is the client's source port (N4), the
    other way round. Rule sets on the way (forwarding interfaces, NAT gateway and transit gateway subnets) see
    both directions."""
    inbound_only = pair[0].is_space and pair[0].internet and not view.edge_routing
    dport = view.sets_inbound if inbound_only else view.sets_both
    sport = view.sets_both
    for end, role in zip(pair, ("source", "destination"), strict=True):
        d, s = _end_sets(view, end, role)
        dport, sport = dport | d, sport | s
    return dport, sport


def _end_sets(view: _NetView, end: End, role: str) -> tuple[_Sets, _Sets]:
    key = (id(end), role)
    found = view.cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    c = view.c
    dport: set[tuple[str, int]] = set()
    sport: set[tuple[str, int]] = set()
    if end.is_space and not end.internet:
        # Addresses resolved per atom (a CIDR of hosts): an on-premises or interface host, any subnet.
        every = {("nacl_in", a) for a in range(len(c.acls))} | {("nacl_out", a) for a in range(len(c.acls))}
        dport |= every
        sport |= every
    e = view.eni(end.eni_id)
    if e >= 0:
        acl, group = int(c.subnet_acl[c.eni_subnet[e]]), int(c.eni_sg_in[e])
        out_sets = {("nacl_out", acl)} | ({("sg_out", group)} if group >= 0 else set())
        in_sets = {("nacl_in", acl)} | ({("sg_in", group)} if group >= 0 else set())
        dport |= out_sets if role == "source" else in_sets
        sport |= in_sets if role == "source" else out_sets
    found = view.cache[key] = (frozenset(dport), frozenset(sport))
    return found


def _carried(view: _NetView, line: Line, ends: Sequence[End]) -> list[I64]:
    """Line atoms of the addresses a rule can see as the *peer* of a packet between these ends, besides a space's
    class: the ends' own addresses (seen by NAT gateway, transit gateway and appliance subnets on the way) and
    forwarding interfaces' (a masquerading instance sends as itself). A NAT gateway's addresses only between two
    concrete ends: it is the source of the packets it translates, a peer only for the destination's inbound rules,
    and a space end (outside the VPCs) has none."""
    parts = [view.carried_atoms]
    if not any(end.is_space for end in ends):
        parts.append(view.nat_atoms)
    for end in ends:
        key = ("atoms", id(end))
        atoms = view.cache.get(key)
        if atoms is None:
            addresses: list[IPAddress] = []
            e = view.eni(end.eni_id)
            if e >= 0:
                addresses += _addresses(view.c.enis[e])
            if end.address is not None:
                addresses.append(end.address)
            atoms = view.cache[key] = np.array(line.atoms_of(addresses), dtype=np.int64)
        parts.append(atoms)
    return parts


def _classes(views: Sequence[_NetView], end: End, groups: list[list[int]], base: I64) -> Space:
    assert end.space is not None
    atoms = np.flatnonzero(end.space).astype(np.int64)
    columns: list[npt.NDArray[Any]] = [base[atoms][:, None]]
    for v, gs in zip(views, groups, strict=True):
        a = v.map[atoms]
        for g in gs:
            columns.append(_services_matched(v.c.sg_in, g, a))
            columns.append(_services_matched(v.c.sg_out, g, a))
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


def _services_matched(rs: RuleSets, group: int, atoms: I64) -> npt.NDArray[np.int8]:
    """Per atom, which *services* of a security-group set its address matches: rules with the same protocol and
    ports are one service. Security groups allow the union of their rules (G1) and a verdict never names an SG
    rule, so two addresses matched by different rules of the same services are treated alike (a hundred partner
    /24s allowed 443 are one class, not a hundred)."""
    bits = _bits(addr_masks(rs, group, atoms))
    service = _service_of_rules(rs, group)[: bits.shape[1]]
    if not len(service):
        return np.zeros((len(atoms), 0), dtype=np.int8)
    out = np.zeros((len(atoms), int(service.max()) + 1), dtype=np.int8)
    for s in range(out.shape[1]):
        out[:, s] = bits[:, service == s].any(axis=1)
    return out


def _bits(masks: U64) -> B:
    """(n, W) uint64 masks -> (n, 64 W) booleans, bit i of the mask in column i."""
    as_bytes = masks.astype("<u8").view(np.uint8).reshape(len(masks), -1)
    return np.unpackbits(as_bytes, axis=1, bitorder="little").astype(bool)


def _service_of_rules(rs: RuleSets, group: int) -> I64:
    """A service id per rule of a set: equal for rules matching the same protocols, ports and ICMP codes."""
    cache: dict[int, I64] = rs.__dict__.setdefault("_services", {})
    found = cache.get(group)
    if found is not None:
        return found
    parts = []
    for k in range(rs.n_classes):
        base = (group * rs.n_classes + k) * 65537
        i0, i1 = np.searchsorted(rs.port_keys, [base, base + 65537])
        parts.append((rs.port_keys[i0:i1] - base, _bits(rs.port_masks[i0:i1])))
    if rs.has_codes:
        i0, i1 = np.searchsorted(rs.code_keys, [group * 65537, group * 65537 + 65537])
        parts.append((rs.code_keys[i0:i1] - group * 65537, _bits(rs.code_masks[i0:i1])))
    # A rule's service: for every field, the intervals (by start) where its bit is set.
    columns = np.concatenate([bits for _, bits in parts], axis=0).T  # (rules, intervals)
    _, inverse = np.unique(columns, axis=0, return_inverse=True)
    found = cache[group] = inverse.reshape(-1).astype(np.int64)
    return found


class _Rows:
    """The rows of one batch: a (pair, class) each (class -1 for two concrete ends), with what the port cuts
    need: per network, the security groups in play and each pair's carried addresses."""

    def __init__(
        self,
        views: Sequence[_NetView],
        line: Line,
        pairs: list[tuple[End, End]],
        spaces: dict[int, Space],
        members: list[int],
    ) -> None:
        pair_l: list[I64] = []
        klass_l: list[I64] = []
        rep_l: list[I64] = []
        for local, p in enumerate(members):
            space = spaces.get(p)
            if space is not None:
                pair_l.append(np.full(space.n, local, dtype=np.int64))
                klass_l.append(np.arange(space.n, dtype=np.int64))
                rep_l.append(space.representative)
            else:
                pair_l.append(np.full(1, local, dtype=np.int64))
                klass_l.append(np.full(1, -1, dtype=np.int64))
                rep_l.append(np.full(1, -1, dtype=np.int64))
        self.members = np.array(members, dtype=np.int64)
        self.local = np.concatenate(pair_l)  # row -> index into members
        self.klass = np.concatenate(klass_l)
        self.rep = np.concatenate(rep_l)  # line atom of the class representative, -1 for none
        self.version = np.array([pairs[p][0].version for p in members], dtype=np.int64)[self.local]
        self.dport_sets: list[list[tuple[str, int]]] = []
        self.sport_sets: list[list[tuple[str, int]]] = []
        for v in views:
            dport: set[tuple[str, int]] = set()
            sport: set[tuple[str, int]] = set()
            for p in members:
                d, s = _rule_sets(v, pairs[p])
                dport |= d
                sport |= s
            self.dport_sets.append(sorted(dport))
            self.sport_sets.append(sorted(sport))
        # Carried addresses per pair, as one flat array of line atoms with offsets.
        self.carried: list[tuple[I64, I64]] = []
        for v in views:
            # Each pair's list ends with -1 (no address: a row of zero masks), so no segment is empty.
            lists = [part for p in members for part in (*_carried(v, line, pairs[p]), _NONE)]
            flat = np.concatenate(lists) if lists else np.zeros(0, dtype=np.int64)
            stops = np.flatnonzero(flat == -1)
            offsets = np.concatenate([[0], stops[:-1] + 1]).astype(np.int64)
            self.carried.append((flat, offsets))

    def of_version(self, version: int) -> I64:
        return np.flatnonzero(self.version == version).astype(np.int64)


def _batch_cells(
    views: Sequence[_NetView], question: Question, protocol: int, rows: _Rows, selected: I64
) -> tuple[I64, ...]:
    """The cells of the selected rows of a batch for one protocol: (pair, class, protocol, ports, source ports)."""
    n = len(selected)
    pair = rows.members[rows.local[selected]]
    klass = rows.klass[selected]
    has_ports = protocol in (6, 17)
    icmp = protocol in (1, 58)
    if not has_ports and not icmp:
        none = np.full(n, -1, dtype=np.int64)
        return pair, klass, np.full(n, protocol, dtype=np.int64), none, none, none, none
    top = 65535 if has_ports else 255
    lo, hi = max(question.ports[0], 0), min(question.ports[1], top)
    if lo > hi:
        e = np.zeros(0, dtype=np.int64)
        return e, e, e, e, e, e, e
    flags, values = _cut_flags(views, protocol, rows, selected, rows.dport_sets)
    extra = [t + dt for t in _ICMP_REQUESTS.get(protocol, ()) for dt in (0, 1)] if icmp else list(_SERVICE_PORTS)
    if has_ports:
        extra += [p + 1 for p in _SERVICE_PORTS]
        extra += listener_ports([v.net for v in views])
    d_start, d_row = _starts(flags, values, extra, lo, hi, n)
    d_end = _ends(d_start, d_row, hi)
    if question.src_ports is None or not has_ports:
        none = np.full(len(d_row), -1, dtype=np.int64)
        return (pair[d_row], klass[d_row], np.full(len(d_row), protocol, dtype=np.int64), d_start, d_end, none,
                none)  # fmt: skip
    # The reply's rules see the client's source port as the destination port (N4): the same cuts apply, plus the
    # NAT gateway's remapping of ports below 1024.
    slo, shi = question.src_ports
    flags, values = _cut_flags(views, protocol, rows, selected, rows.sport_sets)
    s_start, s_row = _starts(flags, values, [EPHEMERAL_PORTS["nat-gateway"][0]], slo, shi, n)
    s_end = _ends(s_start, s_row, shi)
    d_count = np.bincount(d_row, minlength=n)
    s_count = np.bincount(s_row, minlength=n)
    d_first = np.concatenate([[0], np.cumsum(d_count)[:-1]])
    s_first = np.concatenate([[0], np.cumsum(s_count)[:-1]])
    per = d_count * s_count  # per row: its destination-port cells x its source-port cells
    k = np.repeat(np.arange(n, dtype=np.int64), per)
    offset = np.arange(int(per.sum()), dtype=np.int64) - np.repeat(np.cumsum(per) - per, per)
    di = d_first[k] + offset // s_count[k]
    si = s_first[k] + offset % s_count[k]
    return (pair[k], klass[k], np.full(len(k), protocol, dtype=np.int64), d_start[di], d_end[di], s_start[si],
            s_end[si])  # fmt: skip


def _cut_flags(
    views: Sequence[_NetView], protocol: int, rows: _Rows, selected: I64, rule_sets: list[list[tuple[str, int]]]
) -> tuple[list[B], list[I64]]:
    """Per rule set in play: (rows, J) flags of the port starts where the rules that can match the row's
    addresses change, and the J port values."""
    flags: list[B] = []
    values: list[I64] = []
    local = rows.local[selected]
    rep = rows.rep[selected]
    has_rep = rep >= 0
    for k, v in enumerate(views):
        c = v.c
        flat, offsets = rows.carried[k]
        unique, where = np.unique(flat, return_inverse=True)  # -1 first: the zero row
        unique_atoms = v.map[np.maximum(unique, 0)]
        rep_atoms = v.map[rep[has_rep]]
        for name, g in rule_sets[k]:
            rs: RuleSets = getattr(c, name)
            starts, port_masks = port_rows(rs, g, protocol)
            if len(starts) < 2:
                continue
            table = addr_masks(rs, g, unique_atoms)
            table[unique < 0] = 0
            per_pair = np.bitwise_or.reduceat(table[where.reshape(-1)], offsets, axis=0)
            mask = per_pair[local]
            if has_rep.any():
                mask[has_rep] |= addr_masks(rs, g, rep_atoms)
            seen = port_masks[None, :, :] & mask[:, None, :]
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
                if end is d and s.is_space and not cells.view_inside[view][line.atoms_of([end.address])[0]]:
                    present[rows] = False  # the address left this network (a released public IP): outside
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
    nets: Sequence[Network],
    question: Question,
    line: Line | None = None,
    walk: Callable[[Network, FlowBatch], Evaluation] = evaluate,
) -> tuple[Cells, list[Evaluation | None], list[B]]:
    """Cells of the question and, per network, the verdict of every cell (``present``: both ends exist there).

    ``walk`` evaluates the cells' representative flows: :func:`vpcsim.engine.evaluate.evaluate` here, or a
    cluster's (:func:`vpcsim.distributed.evaluator`)."""
    cut = cells(nets, question, line)
    results: list[Evaluation | None] = []
    presence: list[B] = []
    for k, net in enumerate(nets):
        batch, present = cut.flows(k)
        rows = np.flatnonzero(present)
        if len(rows) == len(present):
            results.append(walk(net, batch))
        else:
            results.append(walk(net, batch.take(rows)) if len(rows) else None)
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


def ranges_of(line: Line, atoms: Iterable[int], dont_care: B | None = None) -> list[IPNetwork]:
    """The CIDRs covering these atoms. Atoms in ``dont_care`` (addresses the end cannot have: private ranges for
    the internet, the network's own public addresses) may be spanned by a run of wanted atoms, so the answer stays
    short (``0.0.0.0/0`` for "every internet host")."""
    wanted = np.zeros(line.count, dtype=bool)
    wanted[np.fromiter(atoms, dtype=np.int64)] = True
    if not wanted.any():
        return []
    usable = wanted | (dont_care if dont_care is not None else np.zeros(line.count, dtype=bool))
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


__all__ += ["Line", "internet_space", "line_of", "run"]
