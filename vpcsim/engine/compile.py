"""Compile a :class:`~vpcsim.Network` into flat numpy tables for the vectorised walk (DESIGN: compile).

Addresses become *atoms*. Every bound any CIDR or address of the model uses (route destinations, prefix list
entries, rule CIDRs, VPC and subnet blocks, every ENI, public and Elastic IP address, the link-local services, the
blocks the internet does not route) cuts the IPv4 and the IPv6 line; the pieces between consecutive cuts are the
atoms, numbered IPv4 first. Every packet address falls in exactly one atom, found with one ``searchsorted``, and
every question the walk asks about an address (which route, which rule, which subnet, which ENI) depends only on
its atom. An address the model names is an atom of its own, so exact-address questions are atom questions too.

Tables then key on ``group * n_atoms + atom`` (a table, a rule set, a VPC...), so one ``searchsorted`` over the
concatenated tables of every group answers a lookup for a whole batch at once:

* :class:`IntervalMap`: disjoint intervals per group with a value (longest-prefix match, subnets of a VPC, a VPC's
  blocks, VPN routes). Longest-prefix match is painted at compile time (SPEC R2/R3): the longest prefix wins; on an
  equal prefix static beats prefix list (lowest list id) beats propagated; a tie beyond that goes to the route
  listed first, as in :func:`vpcsim.engine.rules.lookup_route`.
* :class:`KeyMap`: exact ``(group, atom)`` keys with a value (the ENI holding an address in a subnet, an ENI's own
  addresses, its public IP mapping).
* :class:`RuleSets`: NACL and security-group rules as bit masks per field (SPEC N1, G1): the address, destination
  port (ICMP type), source port (ICMP code) and protocol each map to the mask of rules they satisfy; a packet
  matches the AND of its four masks. NACLs take the lowest set bit (first by rule number); security groups any bit
  (the union). SG references (G2) become the atoms of their members' private addresses.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from vpcsim.addr import IPAddress, IPNetwork
from vpcsim.engine.endpoints import LINK_LOCAL, LINK_LOCAL_SERVICES
from vpcsim.model.gateways import EgressOnlyInternetGateway, InternetGateway, NatGateway, VpcEndpoint, VpnGateway
from vpcsim.model.interface import Instance, NetworkInterface
from vpcsim.model.nacl import DEFAULT_DENY_RULE_IPV4, DEFAULT_DENY_RULE_IPV6
from vpcsim.model.peering import VpcPeeringConnection
from vpcsim.model.route_table import LOCAL
from vpcsim.model.transit_gateway import TransitGateway

if TYPE_CHECKING:
    from vpcsim.model.nacl import NetworkAclEntry
    from vpcsim.model.security_group import SecurityGroupRule
    from vpcsim.model.vpc import Vpc
    from vpcsim.network import Network

__all__ = ["Compiled", "IntervalMap", "KeyMap", "RuleSets", "compile_network"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
Mask = npt.NDArray[np.bool_]

_MASK64 = (1 << 64) - 1
NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
NOT_ON_INTERNET = [
    ipaddress.ip_network(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "0.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128", "ff00::/8", "::/128")
]  # fmt: skip

# Route target kinds as the walk dispatches them.
T_LOCAL, T_IGW, T_EIGW, T_NAT, T_ENI, T_PCX, T_TGW, T_VGW, T_ENDPOINT, T_OTHER = range(10)
# Link-local services (M1).
S_NONE, S_IMDS, S_DNS, S_TIME = range(4)
_SERVICES = {"instance-metadata": S_IMDS, "dns-resolver": S_DNS, "time-sync": S_TIME}


def split_words(values: Iterable[int]) -> tuple[U64, U64]:
    """Python ints (up to 128 bits) -> (high, low) uint64 words."""
    ints = list(values)
    hi = np.array([v >> 64 for v in ints], dtype=np.uint64)
    lo = np.array([v & _MASK64 for v in ints], dtype=np.uint64)
    return hi, lo


class Interner:
    """Strings (component ids) and rule values to small integers, so results stay numpy arrays."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self._index: dict[tuple[type, Any], int] = {}

    def __call__(self, value: Any) -> int:
        key = (type(value), value)
        found = self._index.get(key)
        if found is None:
            found = self._index[key] = len(self.values)
            self.values.append(value)
        return found


class Atoms:
    """The address line cut at every bound of the model: IPv4 atoms first, then IPv6."""

    def __init__(self, bounds4: Iterable[int], bounds6: Iterable[int]) -> None:
        self.bp4 = np.array(sorted({0, *bounds4} - {1 << 32}), dtype=np.int64)
        b6 = sorted({0, *bounds6} - {1 << 128})
        self.bp6_hi, self.bp6_lo = split_words(b6)
        self._cuts4 = self.bp4.tolist()
        self._cuts6 = b6
        self.n4 = len(self.bp4)
        self.count = self.n4 + len(b6)

    def lookup(self, hi: U64, lo: U64, version: npt.NDArray[np.int8]) -> I64:
        """The atom of each address (``hi``/``lo`` words, IPv4 in ``lo``)."""
        out = np.empty(len(lo), dtype=np.int64)
        v4 = version == 4
        if v4.all():
            return np.searchsorted(self.bp4, lo.astype(np.int64), side="right").astype(np.int64) - 1
        out[v4] = np.searchsorted(self.bp4, lo[v4].astype(np.int64), side="right") - 1
        v6 = ~v4
        if v6.any():
            out[v6] = self.n4 + _count_le(self.bp6_hi, self.bp6_lo, hi[v6], lo[v6]) - 1
        return out

    def of(self, address: IPAddress) -> int:
        """The atom of one address (compile time: plain bisection on Python ints)."""
        if address.version == 4:
            return bisect.bisect_right(self._cuts4, int(address)) - 1
        return self.n4 + bisect.bisect_right(self._cuts6, int(address)) - 1

    def span(self, network: IPNetwork) -> tuple[int, int]:
        """The atoms [first, stop) that ``network`` covers (its bounds are cuts, so it is a whole number)."""
        first = self.of(network.network_address)
        end = int(network.broadcast_address) + 1
        if network.version == 4:
            stop = self.n4 if end >= 1 << 32 else self.of(ipaddress.IPv4Address(end))
        else:
            stop = self.count if end >= 1 << 128 else self.of(ipaddress.IPv6Address(end))
        return first, stop


def _count_le(bp_hi: U64, bp_lo: U64, q_hi: U64, q_lo: U64) -> I64:
    """How many 128-bit cuts (sorted by (hi, lo)) are <= each query."""
    left = np.searchsorted(bp_hi, q_hi, side="left")
    right = np.searchsorted(bp_hi, q_hi, side="right")
    out = left.astype(np.int64)
    tied = right > left
    if tied.any():
        for value in np.unique(q_hi[tied]):
            rows = tied & (q_hi == value)
            j0, j1 = int(left[rows][0]), int(right[rows][0])
            out[rows] = j0 + np.searchsorted(bp_lo[j0:j1], q_lo[rows], side="right")
    return out


class IntervalMap:
    """Disjoint atom intervals per group, each with a value; one ``searchsorted`` per batch lookup."""

    def __init__(self, n_atoms: int, groups: Sequence[Sequence[tuple[int, int, int]]], default: int = -1) -> None:
        self.n_atoms = n_atoms
        keys: list[int] = []
        values: list[int] = []
        for g, intervals in enumerate(groups):
            cursor = 0
            base = g * n_atoms
            keys.append(base)
            values.append(default)
            for first, stop, value in sorted(intervals):
                if first > cursor:
                    keys.append(base + cursor)
                    values.append(default)
                if first >= stop:
                    continue
                keys.append(base + first)
                values.append(value)
                cursor = stop
            keys.append(base + cursor)
            values.append(default)
        # Later keys at the same position win (the interval after an empty gap).
        k = np.array(keys, dtype=np.int64)
        v = np.array(values, dtype=np.int64)
        last = np.ones(len(k), dtype=bool)
        last[:-1] = k[1:] != k[:-1]
        self.keys, self.values = k[last], v[last]

    def __call__(self, group: I64, atom: I64) -> I64:
        pos = np.searchsorted(self.keys, group * self.n_atoms + atom, side="right") - 1
        return self.values[pos]


class KeyMap:
    """Exact ``(group, atom)`` keys with a value; -1 (or ``default``) where absent."""

    def __init__(self, n_atoms: int, items: Iterable[tuple[int, int, int]]) -> None:
        self.n_atoms = n_atoms
        pairs = sorted({(g * n_atoms + a): v for g, a, v in items}.items())
        self.keys = np.array([k for k, _ in pairs], dtype=np.int64)
        self.values = np.array([v for _, v in pairs], dtype=np.int64)

    def __call__(self, group: I64, atom: I64, default: int = -1) -> I64:
        key = group * self.n_atoms + atom
        if len(self.keys) == 0:
            return np.full(len(key), default, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
        return np.where(self.keys[pos] == key, self.values[pos], default)


def _paint(n_atoms: int, entries: list[tuple[int, int, Any]]) -> list[tuple[int, int, int]]:
    """Best entry per elementary interval. ``entries`` are (first, stop, (priority..., value)); lower wins."""
    if not entries:
        return []
    cuts = sorted({c for first, stop, _ in entries for c in (first, stop)})
    position = {c: i for i, c in enumerate(cuts)}
    best: list[Any] = [None] * len(cuts)
    for first, stop, key in sorted(entries, key=lambda e: e[2], reverse=True):
        for i in range(position[first], position[stop]):
            best[i] = key
    out: list[tuple[int, int, int]] = []
    for i in range(len(cuts) - 1):
        if best[i] is not None:
            value = best[i][-1]
            if out and out[-1][1] == cuts[i] and out[-1][2] == value:
                out[-1] = (out[-1][0], cuts[i + 1], value)
            else:
                out.append((cuts[i], cuts[i + 1], value))
    return out


class RuleSets:
    """NACL or security-group rule sets as per-field bit masks (W 64-bit words per mask).

    Three lookups per packet: the peer address atom, the (protocol class, destination port or ICMP type) pair, and
    the source port or ICMP code (skipped when no rule names an ICMP code). Protocols no rule names share one class.
    """

    def __init__(self, n_atoms: int, rulesets: Sequence[Sequence[_Rule]]) -> None:
        self.n_atoms = n_atoms
        width = max([1, *((len(r) + 63) // 64 for r in rulesets)])
        self.width = width
        named = sorted({r.protocol for rules in rulesets for r in rules if r.protocol != -1})
        self.n_classes = len(named) + 1
        self.class_of = np.full(256, len(named), dtype=np.int64)
        for i, protocol in enumerate(named):
            self.class_of[protocol] = i
        classes = [*named, None]
        self.has_codes = any(r.codes != _ALL_PORTS for rules in rulesets for r in rules)
        addr: list[tuple[I64, U64]] = []
        port: list[tuple[I64, U64]] = []
        code: list[tuple[I64, U64]] = []
        for g, rules in enumerate(rulesets):
            addr.append(self._dimension(g * n_atoms, [(r.atoms, i) for i, r in enumerate(rules)], n_atoms, width))
            for k, klass in enumerate(classes):
                spans = [(r.ports, i) for i, r in enumerate(rules) if r.protocol in (-1, klass)]
                port.append(self._dimension((g * self.n_classes + k) * 65537, spans, 65537, width))
            if self.has_codes:
                code.append(self._dimension(g * 65537, [(r.codes, i) for i, r in enumerate(rules)], 65537, width))
        self.addr_keys, self.addr_masks = _stack(addr, width)
        self.port_keys, self.port_masks = _stack(port, width)
        self.code_keys, self.code_masks = _stack(code, width)

    @staticmethod
    def _dimension(
        base: int, spans: list[tuple[list[tuple[int, int]], int]], size: int, width: int
    ) -> tuple[I64, U64]:
        """One field of one rule set: interval starts (``base`` + value) and the mask of rules matching each."""
        cuts = np.unique(np.array([0, *(c for ranges, _ in spans for span in ranges for c in span)], dtype=np.int64))
        cuts = cuts[cuts < size]
        masks = np.zeros((len(cuts), width), dtype=np.uint64)
        for ranges, i in spans:
            word, bit = divmod(i, 64)
            value = np.uint64(1 << bit)
            for first, stop in ranges:
                if first < stop:
                    j0 = int(np.searchsorted(cuts, first))
                    j1 = int(np.searchsorted(cuts, stop)) if stop < size else len(cuts)
                    masks[j0:j1, word] |= value
        return cuts + base, masks

    def match(self, group: I64, atom: I64, dst_port: I64, src_port: I64, protocol: I64) -> U64:
        """(n, W) masks of the rules each packet satisfies."""
        a = np.searchsorted(self.addr_keys, group * self.n_atoms + atom, side="right") - 1
        key = (group * self.n_classes + self.class_of[protocol]) * 65537 + dst_port + 1
        p = np.searchsorted(self.port_keys, key, side="right") - 1
        out: U64 = self.addr_masks[a] & self.port_masks[p]
        if self.has_codes:
            c = np.searchsorted(self.code_keys, group * 65537 + src_port + 1, side="right") - 1
            out &= self.code_masks[c]
        return out


def _stack(parts: list[tuple[I64, U64]], width: int) -> tuple[I64, U64]:
    if not parts:
        return np.zeros(1, dtype=np.int64), np.zeros((1, width), dtype=np.uint64)
    return np.concatenate([k for k, _ in parts]), np.concatenate([m for _, m in parts])


def lowest_bit(masks: U64) -> I64:
    """Index of the lowest set bit of each (n, W) mask row; -1 for an empty row."""
    n, width = masks.shape
    out = np.full(n, -1, dtype=np.int64)
    for w in range(width - 1, -1, -1):
        word = masks[:, w]
        nonzero = word != 0
        if nonzero.any():
            x = word[nonzero]
            low = x & (~x + np.uint64(1))
            out[nonzero] = 64 * w + np.frexp(low.astype(np.float64))[1].astype(np.int64) - 1
    return out


class _Rule:
    """One rule in field form: protocol, address atom spans, destination-port and source-port spans (+1 offset)."""

    __slots__ = ("atoms", "codes", "ports", "protocol")

    def __init__(
        self, protocol: int, atoms: list[tuple[int, int]], ports: list[tuple[int, int]], codes: list[tuple[int, int]]
    ) -> None:
        self.protocol = protocol
        self.atoms = atoms
        self.ports = ports
        self.codes = codes


_ALL_PORTS = [(0, 65537)]


def _port_span(low: int, high: int) -> list[tuple[int, int]]:
    return [(low + 1, high + 2)]


def _icmp_spans(icmp_type: int, code: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    types = _ALL_PORTS if icmp_type == -1 else _port_span(icmp_type, icmp_type)
    codes = _ALL_PORTS if code == -1 else _port_span(code, code)
    return types, codes


class Compiled:
    """The flat tables of one network version. Attributes are numpy arrays indexed by the model's list order."""

    def __init__(self, net: Network) -> None:
        self.version = net.version
        self.net = net
        self.strings = Interner()
        s = self.strings
        self.vpcs = list(net.vpcs)
        self.subnets = list(net.subnets)
        self.enis = list(net.network_interfaces)
        self.instances = list(net.instances)
        self.tables = list(net.route_tables)
        self.acls = list(net.network_acls)
        self.nats = list(net.nat_gateways)
        self.igws = list(net.internet_gateways)
        self.eigws = list(net.egress_only_internet_gateways)
        self.pcxs = list(net.vpc_peering_connections)
        self.vgws = list(net.vpn_gateways)
        self.vpns = list(net.vpn_connections)
        self.endpoints = list(net.vpc_endpoints)
        vpc_i = {v.id: i for i, v in enumerate(self.vpcs)}
        subnet_i = {x.id: i for i, x in enumerate(self.subnets)}
        eni_i = {e.id: i for i, e in enumerate(self.enis)}
        table_i = {t.id: i for i, t in enumerate(self.tables)}
        self.eni_index = eni_i
        self.vpc_index = vpc_i
        prefix_lists = {p.id: p for p in net.managed_prefix_lists}

        # ---- atoms
        b4: set[int] = set()
        b6: set[int] = set()

        def cut(network: IPNetwork) -> None:
            target = b4 if network.version == 4 else b6
            target.add(int(network.network_address))
            target.add(int(network.broadcast_address) + 1)

        def point(address: IPAddress) -> None:
            target = b4 if address.version == 4 else b6
            target.add(int(address))
            target.add(int(address) + 1)

        for network in [*NOT_ON_INTERNET, LINK_LOCAL, NAT64_PREFIX]:
            cut(network)
        for address in LINK_LOCAL_SERVICES:
            point(address)
        for vpc in self.vpcs:
            for c in vpc.cidrs:
                cut(c)
            point(vpc.cidr_block.network_address + 2)
        for subnet in self.subnets:
            for c in subnet.cidrs:
                cut(c)
            for address in subnet.used_addresses:
                point(address)
        for eni in self.enis:
            for address in eni.addresses:
                point(address)
            for public in eni.public_ips.values():
                point(public)
        for eip in net.elastic_ips:
            point(eip.public_ip)
        for table in self.tables:
            for route in table.routes:
                if route.destination is not None:
                    cut(route.destination)
        for plist in prefix_lists.values():
            for c in plist.cidrs:
                cut(c)
        for group in net.security_groups:
            for rule in (*group.ingress, *group.egress):
                if rule.cidr is not None:
                    cut(rule.cidr)
        for acl in self.acls:
            for entry in acl.entries:
                cut(entry.cidr)
        for vpn in self.vpns:
            for c in net.on_premises_cidrs(vpn):
                cut(c)
        for tgw_table in net.transit_gateway_route_tables:
            for tgw_route in tgw_table.routes:
                cut(tgw_route.destination)
        self.atoms = atoms = Atoms(b4, b6)
        n_atoms = atoms.count

        def flags(networks: Iterable[IPNetwork]) -> Mask:
            out = np.zeros(n_atoms, dtype=bool)
            for network in networks:
                first, stop = atoms.span(network)
                out[first:stop] = True
            return out

        self.atom_not_internet = flags(NOT_ON_INTERNET)
        self.atom_link_local = flags([LINK_LOCAL])
        self.atom_nat64 = flags([NAT64_PREFIX])
        self.atom_service = np.zeros(n_atoms, dtype=np.int8)
        for address, service in LINK_LOCAL_SERVICES.items():
            self.atom_service[atoms.of(address)] = _SERVICES[service]
            self.atom_link_local[atoms.of(address)] = True
        self.atom_unassociated_eip = np.zeros(n_atoms, dtype=bool)
        for eip in net.elastic_ips:
            if eip.network_interface is None:
                self.atom_unassociated_eip[atoms.of(eip.public_ip)] = True
        # SPEC P3: a public IPv4 -> the first ENI (model order) mapping it, and the private address behind it.
        self.atom_public_eni = np.full(n_atoms, -1, dtype=np.int64)
        self.atom_public_private = np.zeros(n_atoms, dtype=np.int64)
        for i, eni in enumerate(self.enis):
            for private, public in eni.public_ips.items():
                a = atoms.of(public)
                if self.atom_public_eni[a] == -1:
                    self.atom_public_eni[a] = i
                    self.atom_public_private[a] = int(private)
        # The one ENI holding an address across all VPCs (-1 when none or several): the internet's I2 check.
        holders: dict[int, set[str]] = {}
        for subnet in self.subnets:
            for address, owner in subnet.used_addresses.items():
                holders.setdefault(atoms.of(address), set()).add(owner)
        self.atom_unique_holder = np.full(n_atoms, -1, dtype=np.int64)
        for a, owners in holders.items():
            if len(owners) == 1 and (owner := next(iter(owners))) in eni_i:
                self.atom_unique_holder[a] = eni_i[owner]
        # IPv6: the first VPC (model order) whose blocks contain the atom.
        self.atom_v6_vpc = np.full(n_atoms, -1, dtype=np.int64)
        for i, vpc in reversed(list(enumerate(self.vpcs))):
            for c in vpc.cidrs:
                if c.version == 6:
                    first, stop = atoms.span(c)
                    self.atom_v6_vpc[first:stop] = i

        # ---- VPCs
        self.vpc_id = np.array([s(v.id) for v in self.vpcs], dtype=np.int64)
        self.vpc_dns_atom = np.array([atoms.of(v.cidr_block.network_address + 2) for v in self.vpcs], dtype=np.int64)
        self.vpc_dns_support = np.array([v.enable_dns_support for v in self.vpcs], dtype=bool)
        self.vpc_contains = IntervalMap(n_atoms, [[(*atoms.span(c), 1) for c in v.cidrs] for v in self.vpcs], 0)
        self.vpc_subnet = IntervalMap(
            n_atoms,
            [
                [
                    (*atoms.span(c), j)
                    for j, x in reversed(list(enumerate(self.subnets)))
                    if x.vpc is v
                    for c in x.cidrs
                ]
                for v in self.vpcs
            ],
        )
        igw_of: dict[str, int] = {}
        for g, igw in enumerate(self.igws):
            if igw.vpc is not None:
                igw_of.setdefault(igw.vpc.id, g)
        self.vpc_igw = np.array([igw_of.get(v.id, -1) for v in self.vpcs], dtype=np.int64)
        eigw_of: dict[str, int] = {}
        for g, eigw in enumerate(self.eigws):
            eigw_of.setdefault(eigw.vpc.id, g)
        self.vpc_eigw = np.array([eigw_of.get(v.id, -1) for v in self.vpcs], dtype=np.int64)

        # ---- subnets
        self.subnet_id = np.array([s(x.id) for x in self.subnets], dtype=np.int64)
        self.subnet_vpc = np.array([vpc_i[x.vpc.id] for x in self.subnets], dtype=np.int64)
        self.subnet_table = np.array([table_i[x.route_table.id] for x in self.subnets], dtype=np.int64)
        acl_i = {a.id: i for i, a in enumerate(self.acls)}
        self.subnet_acl = np.array([acl_i[x.network_acl.id] for x in self.subnets], dtype=np.int64)
        zones = sorted({x.availability_zone for x in self.subnets})
        self.subnet_zone = np.array([zones.index(x.availability_zone) for x in self.subnets], dtype=np.int64)
        spans = np.full((max(1, len(self.subnets)), 4), 0, dtype=np.int64)
        for j, x in enumerate(self.subnets):
            for c in x.cidrs:
                col = 0 if c.version == 4 else 2
                spans[j, col : col + 2] = atoms.span(c)
        self.subnet_spans = spans
        self.address_holder = KeyMap(
            n_atoms,
            (
                (j, atoms.of(address), eni_i[owner])
                for j, x in enumerate(self.subnets)
                for address, owner in x.used_addresses.items()
                if owner in eni_i
            ),
        )

        # ---- network interfaces
        nat_of_eni = {n.network_interface.id: k for k, n in enumerate(self.nats) if n.network_interface is not None}
        inst_i = {x.id: i for i, x in enumerate(self.instances)}
        self.eni_id = np.array([s(e.id) for e in self.enis], dtype=np.int64)
        self.eni_subnet = np.array([subnet_i[e.subnet.id] for e in self.enis], dtype=np.int64)
        self.eni_vpc = self.subnet_vpc[self.eni_subnet] if self.enis else np.zeros(0, dtype=np.int64)
        self.eni_check = np.array([e.source_dest_check for e in self.enis], dtype=bool)
        self.eni_alive = np.array(
            [
                (e.requester_managed or (e.instance is not None and e.instance.state == "running"))
                and net.down(e) is None  # injected failures (net.fail, net.fail_az)
                for e in self.enis
            ],
            dtype=bool,
        )
        lb_nodes = net._lb_nodes()
        self.eni_lb_node = np.array([e.id in lb_nodes for e in self.enis], dtype=bool)  # L1: the scalar walk's
        self.eni_nat = np.array([nat_of_eni.get(e.id, -1) for e in self.enis], dtype=np.int64)
        self.eni_instance = np.array(
            [inst_i[e.instance.id] if e.instance is not None else -1 for e in self.enis], dtype=np.int64
        )
        self.eni_sg_component = np.array(
            [s(e.security_groups[0].id if e.security_groups else e.id) for e in self.enis], dtype=np.int64
        )
        self.eni_own = KeyMap(n_atoms, ((i, atoms.of(a), 1) for i, e in enumerate(self.enis) for a in e.addresses))
        self.eni_public = KeyMap(
            n_atoms,
            (
                (i, atoms.of(private), int(public))
                for i, e in enumerate(self.enis)
                for private, public in e.public_ips.items()
            ),
        )

        # ---- instances: forwarding interface choice, link-local services, NAT instances
        self.inst_masquerade = np.array([x.masquerade for x in self.instances], dtype=bool)
        width = max([1, *(len(x.network_interfaces) for x in self.instances)])
        self.inst_enis = np.full((max(1, len(self.instances)), width), -1, dtype=np.int64)
        for i, inst in enumerate(self.instances):
            for k, e in enumerate(inst.network_interfaces):
                self.inst_enis[i, k] = eni_i[e.id]
        self.inst_primary = np.array([eni_i[x.primary_network_interface.id] for x in self.instances], dtype=np.int64)
        self.inst_imds = np.zeros((max(1, len(self.instances)), 2), dtype=bool)  # enabled for IPv4, IPv6 (M2)
        self.inst_service_component = np.zeros((max(1, len(self.instances)), 4), dtype=np.int64)
        for i, inst in enumerate(self.instances):
            options = inst.metadata_options
            enabled = options.http_endpoint == "enabled"
            self.inst_imds[i] = (enabled, enabled and options.http_protocol_ipv6 == "enabled")
            for name, code in _SERVICES.items():
                self.inst_service_component[i, code] = s(f"{inst.id}:{name}")

        # ---- security groups (G1, G2) and NACLs (N1)
        self.eni_sg_in, self.eni_sg_out, self.sg_in, self.sg_out = self._security_groups(net, prefix_lists, vpc_i)
        self.nacl_in, self.nacl_out, self.nacl_rule_allow, self.nacl_rule_number = self._nacls()
        self.acl_id = np.array([s(a.id) for a in self.acls], dtype=np.int64)
        self.nacl_rule_value = np.vectorize(lambda v: s(int(v)), otypes=[np.int64])(self.nacl_rule_number)
        self.nacl_default_value = np.array([s(DEFAULT_DENY_RULE_IPV4), s(DEFAULT_DENY_RULE_IPV6)], dtype=np.int64)

        # ---- route tables (R2, R3, R6, R7)
        self._routes(net, prefix_lists, s)

        # ---- gateways
        self.igw_id = np.array([s(g.id) for g in self.igws], dtype=np.int64)
        self.igw_vpc = np.array([vpc_i[g.vpc.id] if g.vpc is not None else -1 for g in self.igws], dtype=np.int64)
        self.igw_edge = np.array(
            [table_i[g.edge_association.route_table.id] if g.edge_association is not None else -1 for g in self.igws],
            dtype=np.int64,
        )
        self.eigw_id = np.array([s(g.id) for g in self.eigws], dtype=np.int64)
        self.eigw_vpc = np.array([vpc_i[g.vpc.id] for g in self.eigws], dtype=np.int64)
        self.nat_id = np.array([s(n.id) for n in self.nats], dtype=np.int64)
        self.nat_subnet = np.array([subnet_i[n.subnet.id] for n in self.nats], dtype=np.int64)
        self.nat_eni = np.array(
            [eni_i[n.network_interface.id] if n.network_interface is not None else -1 for n in self.nats],
            dtype=np.int64,
        )
        self.nat_address = np.array(
            [int(n.network_interface.private_ip) if n.network_interface is not None else 0 for n in self.nats],
            dtype=np.int64,
        )
        self.pcx_id = np.array([s(p.id) for p in self.pcxs], dtype=np.int64)
        self.pcx_vpcs = np.array(
            [(vpc_i[p.requester_vpc.id], vpc_i[p.accepter_vpc.id]) for p in self.pcxs], dtype=np.int64
        ).reshape(-1, 2)
        vgw_i = {g.id: i for i, g in enumerate(self.vgws)}
        self.vgw_id = np.array([s(g.id) for g in self.vgws], dtype=np.int64)
        self.vgw_vpc = np.array([vpc_i[g.vpc.id] if g.vpc is not None else -1 for g in self.vgws], dtype=np.int64)
        self.vgw_edge = np.array(
            [table_i[g.edge_association.route_table.id] if g.edge_association is not None else -1 for g in self.vgws],
            dtype=np.int64,
        )
        # The VPN connection a virtual private gateway sends a destination to: the longest route, first listed.
        vpn_routes: list[list[tuple[int, int, Any]]] = [[] for _ in self.vgws]
        for k, vpn in enumerate(self.vpns):
            if vpn.state != "available" or vpn.vpn_gateway_id not in vgw_i:
                continue
            for c in vpn.routes:
                vpn_routes[vgw_i[vpn.vpn_gateway_id]].append((*atoms.span(c), (-c.prefixlen, k, k)))
        self.vgw_vpn = IntervalMap(n_atoms, [_paint(n_atoms, entries) for entries in vpn_routes])
        self.vpn_id = np.array([s(v.id) for v in self.vpns], dtype=np.int64)
        self.vpn_vgw = np.array([vgw_i.get(str(v.vpn_gateway_id), -1) for v in self.vpns], dtype=np.int64)
        self.vpn_tgw = np.array([v.transit_gateway_id is not None for v in self.vpns], dtype=bool)
        self.vpn_gateway_component = np.array([s(str(v.vpn_gateway_id)) for v in self.vpns], dtype=np.int64)
        self.vpn_routes = IntervalMap(
            n_atoms, [[(*atoms.span(c), 1) for c in net.on_premises_cidrs(v)] for v in self.vpns], 0
        )
        self.endpoint_id = np.array([s(x.id) for x in self.endpoints], dtype=np.int64)
        self.endpoint_vpc = np.array([vpc_i[x.vpc.id] for x in self.endpoints], dtype=np.int64)
        self.internet = s("internet")
        self._transit_gateways(net, s, vpc_i, subnet_i, zones)

    def _transit_gateways(
        self, net: Network, s: Interner, vpc_i: dict[str, int], subnet_i: dict[str, int], zones: list[str]
    ) -> None:
        """Transit gateways: attachments (their subnet per AZ), route tables (static before propagated)."""
        atoms = self.atoms
        tgws = list(net.transit_gateways)
        tgw_i = {t.id: i for i, t in enumerate(tgws)}
        attachments = list(net.transit_gateway_attachments)
        att_i = {a.id: i for i, a in enumerate(attachments)}
        tables = list(net.transit_gateway_route_tables)
        table_i = {t.id: i for i, t in enumerate(tables)}
        vpn_i = {v.id: i for i, v in enumerate(self.vpns)}
        self.tgw_id = np.array([s(t.id) for t in tgws], dtype=np.int64)
        # The VPC's attachment to a transit gateway: the first listed (SPEC-free: AWS allows one per VPC and TGW).
        self.tgw_attachment = np.full((max(1, len(tgws)), max(1, len(self.vpcs))), -1, dtype=np.int64)
        for k, a in reversed(list(enumerate(attachments))):
            if a.vpc is not None:
                self.tgw_attachment[tgw_i[a.transit_gateway.id], vpc_i[a.vpc.id]] = k
        self.att_id = np.array([s(a.id) for a in attachments], dtype=np.int64)
        self.att_table = np.array(
            [table_i[a.association.id] if a.association is not None else -1 for a in attachments], dtype=np.int64
        )
        self.att_vpc = np.array([vpc_i[a.vpc.id] if a.vpc is not None else -1 for a in attachments], dtype=np.int64)
        self.att_vpn = np.array([vpn_i.get(a.resource_id, -1) for a in attachments], dtype=np.int64)
        self.att_zone_subnet = np.full((max(1, len(attachments)), max(1, len(zones)) + 1), -1, dtype=np.int64)
        for k, a in enumerate(attachments):
            for subnet in reversed(a.subnets):
                self.att_zone_subnet[k, zones.index(subnet.availability_zone)] = subnet_i[subnet.id]
            if a.subnets:  # the last column: zone unknown (traffic from a VPN) -> the first subnet
                self.att_zone_subnet[k, -1] = subnet_i[a.subnets[0].id]
        first_of_vpn: dict[str, int] = {}
        for k, a in enumerate(attachments):
            first_of_vpn.setdefault(a.resource_id, k)
        self.vpn_attachment = np.array([first_of_vpn.get(v.id, -1) for v in self.vpns], dtype=np.int64)
        self.tgw_table_id = np.array([s(t.id) for t in tables], dtype=np.int64)
        active: list[bool] = []
        rule: list[int] = []
        target: list[int] = []
        per_table: list[list[tuple[int, int, int]]] = []
        for table in tables:
            entries: list[tuple[int, int, Any]] = []
            for order, route in enumerate(table.routes):
                r = len(active)
                active.append(route.attachment_id is not None and route.state == "active")
                rule.append(s(str(route.destination)))
                target.append(att_i.get(str(route.attachment_id), -1))
                key = (-route.destination.prefixlen, route.type != "static", order, r)
                entries.append((*atoms.span(route.destination), key))
            per_table.append(_paint(atoms.count, entries))
        self.tgw_lpm = IntervalMap(atoms.count, per_table)
        self.tgw_route_active = np.array(active, dtype=bool)
        self.tgw_route_rule = np.array(rule, dtype=np.int64)
        self.tgw_route_target = np.array(target, dtype=np.int64)

    # ------------------------------------------------------------------ sections

    def _security_groups(
        self, net: Network, prefix_lists: dict[str, Any], vpc_i: dict[str, int]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], RuleSets, RuleSets]:
        atoms = self.atoms
        members_cache: dict[str, dict[str, list[tuple[int, int]]]] = {}
        holders_cache: dict[str, dict[IPAddress, str]] = {}
        enis_by_id = {e.id: e for e in self.enis}

        def scope_holders(vpc: Vpc) -> dict[IPAddress, str]:
            # SPEC G2: the VPC first, then its active peers, in that order; the first subnet holding an address.
            found = holders_cache.get(vpc.id)
            if found is None:
                scope = [vpc] + [p.peer_of(vpc) for p in self.pcxs if p.status == "active" and p.joins(vpc)]
                found = {}
                for candidate in scope:
                    for subnet in self.subnets:
                        if subnet.vpc is candidate:
                            for address, owner in subnet.used_addresses.items():
                                found.setdefault(address, owner)
                holders_cache[vpc.id] = found
            return found

        def members(vpc: Vpc, group_id: str) -> list[tuple[int, int]]:
            if vpc.id not in members_cache:
                by_group: dict[str, list[tuple[int, int]]] = {}
                for address, owner in scope_holders(vpc).items():
                    eni = enis_by_id.get(owner)
                    if eni is not None and eni.security_groups:
                        a = atoms.of(address)
                        for g in eni.security_groups:
                            by_group.setdefault(g.id, []).append((a, a + 1))
                members_cache[vpc.id] = by_group
            return members_cache[vpc.id].get(group_id, [])

        def field_rule(rule: SecurityGroupRule, vpc: Vpc) -> _Rule:
            ports, codes = _ALL_PORTS, _ALL_PORTS
            if rule.protocol in (6, 17, 1, 58) and rule.from_port is not None and rule.to_port is not None:
                if rule.protocol in (6, 17):
                    ports = _port_span(rule.from_port, rule.to_port)
                else:
                    ports, codes = _icmp_spans(rule.from_port, rule.to_port)
            if rule.cidr is not None:
                spans = [atoms.span(rule.cidr)]
            elif rule.prefix_list_id is not None:
                plist = prefix_lists.get(rule.prefix_list_id)
                spans = [atoms.span(c) for c in plist.cidrs] if plist is not None else []
            elif rule.group_id is not None:
                spans = members(vpc, rule.group_id)
            else:
                spans = []
            return _Rule(rule.protocol, spans, ports, codes)

        sets: dict[tuple[str, ...], int] = {}
        rules_in: list[list[_Rule]] = []
        rules_out: list[list[_Rule]] = []
        eni_in = np.full(len(self.enis), -1, dtype=np.int64)
        for i, eni in enumerate(self.enis):
            if eni.requester_managed and not eni.security_groups:
                continue  # NAT and transit gateway interfaces have no security groups
            key = tuple(g.id for g in eni.security_groups)
            if key not in sets:
                sets[key] = len(rules_in)
                rules_in.append([field_rule(r, eni.vpc) for g in eni.security_groups for r in g.rules(False)])
                rules_out.append([field_rule(r, eni.vpc) for g in eni.security_groups for r in g.rules(True)])
            eni_in[i] = sets[key]
        n_atoms = atoms.count
        return eni_in, eni_in.copy(), RuleSets(n_atoms, rules_in), RuleSets(n_atoms, rules_out)

    def _nacls(self) -> tuple[RuleSets, RuleSets, npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        atoms = self.atoms

        def field_rule(entry: NetworkAclEntry) -> _Rule:
            ports, codes = _ALL_PORTS, _ALL_PORTS
            if entry.protocol in (6, 17) and entry.port_range is not None:
                ports = _port_span(*entry.port_range)
            elif entry.protocol in (1, 58) and entry.icmp_type_code is not None:
                ports, codes = _icmp_spans(*entry.icmp_type_code)
            return _Rule(entry.protocol, [atoms.span(entry.cidr)], ports, codes)

        width = max([1, *(len(a.rules(e)) for a in self.acls for e in (False, True))])
        allow = np.zeros((max(1, len(self.acls)) * 2, width), dtype=bool)
        number = np.zeros((max(1, len(self.acls)) * 2, width), dtype=np.int64)
        sets_in: list[list[_Rule]] = []
        sets_out: list[list[_Rule]] = []
        for i, acl in enumerate(self.acls):
            for egress, sets in ((False, sets_in), (True, sets_out)):
                entries = acl.rules(egress)
                sets.append([field_rule(e) for e in entries])
                for k, e in enumerate(entries):
                    allow[2 * i + egress, k] = e.rule_action == "allow"
                    number[2 * i + egress, k] = e.rule_number
        n_atoms = atoms.count
        return RuleSets(n_atoms, sets_in), RuleSets(n_atoms, sets_out), allow, number

    def _routes(self, net: Network, prefix_lists: dict[str, Any], s: Interner) -> None:
        atoms = self.atoms
        rank = {"CreateRouteTable": 0, "CreateRoute": 0, "prefix-list": 1, "EnableVgwRoutePropagation": 2}
        kinds = {
            InternetGateway: T_IGW,
            EgressOnlyInternetGateway: T_EIGW,
            NatGateway: T_NAT,
            Instance: T_ENI,
            NetworkInterface: T_ENI,
            VpcPeeringConnection: T_PCX,
            TransitGateway: T_TGW,
            VpnGateway: T_VGW,
            VpcEndpoint: T_ENDPOINT,
        }
        index = {
            InternetGateway: {g.id: i for i, g in enumerate(self.igws)},
            EgressOnlyInternetGateway: {g.id: i for i, g in enumerate(self.eigws)},
            NatGateway: {g.id: i for i, g in enumerate(self.nats)},
            VpcPeeringConnection: {g.id: i for i, g in enumerate(self.pcxs)},
            VpnGateway: {g.id: i for i, g in enumerate(self.vgws)},
            VpcEndpoint: {g.id: i for i, g in enumerate(self.endpoints)},
            TransitGateway: {g.id: i for i, g in enumerate(net.transit_gateways)},
        }
        route_kind: list[int] = []
        route_target: list[int] = []
        route_active: list[bool] = []
        route_rule: list[int] = []
        per_table: list[list[tuple[int, int, int]]] = []
        for table in self.tables:
            entries: list[tuple[int, int, Any]] = []
            for order, route in enumerate(table.routes):
                r = len(route_kind)
                route_active.append(route.state == "active")
                route_rule.append(s(route.destination_key))
                kind, target = T_OTHER, -1
                if route.target == LOCAL:
                    kind = T_LOCAL
                elif route.state == "active":
                    found = net._index.get(route.target)
                    kind = kinds.get(type(found), T_OTHER)
                    if isinstance(found, Instance):
                        target = self.eni_index[found.primary_network_interface.id]
                    elif isinstance(found, NetworkInterface):
                        target = self.eni_index[found.id]
                    elif isinstance(found, TransitGateway):
                        target = index[TransitGateway][found.id]
                    elif found is not None and type(found) in index:
                        target = index[type(found)][found.id]
                route_kind.append(kind)
                route_target.append(target)
                if route.destination is not None:
                    key = (-route.destination.prefixlen, rank.get(route.origin, 0), "", order, r)
                    entries.append((*atoms.span(route.destination), key))
                else:
                    plist = prefix_lists.get(str(route.destination_prefix_list_id))
                    if plist is None:
                        continue
                    for c in plist.cidrs:
                        entries.append((*atoms.span(c), (-c.prefixlen, rank["prefix-list"], plist.id, order, r)))
            per_table.append(_paint(atoms.count, entries))
        self.lpm = IntervalMap(atoms.count, per_table)
        self.route_kind = np.array(route_kind, dtype=np.int64)
        self.route_target = np.array(route_target, dtype=np.int64)
        self.route_active = np.array(route_active, dtype=bool)
        self.route_rule = np.array(route_rule, dtype=np.int64)
        self.table_id = np.array([s(t.id) for t in self.tables], dtype=np.int64)
        self.table_vpc = np.array([self.vpc_index[t.vpc.id] for t in self.tables], dtype=np.int64)


def compile_network(net: Network) -> Compiled:
    """The network's compiled tables, cached on it until its next change (``net.version``)."""
    cached: Compiled | None = getattr(net, "_compiled", None)
    if cached is not None and cached.version == net.version:
        return cached
    compiled = Compiled(net)
    net._compiled = compiled
    return compiled


__all__ += ["NAT64_PREFIX", "NOT_ON_INTERNET", "lowest_bit", "split_words"]
