"""The vectorised walk: a batch of packets moved hop by hop, all at once, over the compiled tables.

It mirrors :mod:`vpcsim.engine.trace` step for step (the scalar walk is the reference; a property test holds them
equal): every step is a function over index arrays of the flows standing at that step, and sends each flow to its
next step or ends it with a disposition, an explanation code and the component, step kind and rule that decided.
The forward walk leaves per-flow connection state (tracked security groups G4, NAT entries I4, egress-only
gateways I3, where the packet left) that the reply walk reads.

Flows that reach a part the vectorised walk does not carry (transit gateways, NAT64, NAT instances that
masquerade, load balancer nodes, very long paths) are marked ``scalar`` and finished by the scalar walk, so
every answer is exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from vpcsim.engine import compile as C
from vpcsim.engine.verdict import EXPLANATIONS, Disposition

if TYPE_CHECKING:
    from vpcsim.engine.compile import Compiled

__all__ = ["DISPOSITIONS", "EXPLANATION_CODES", "Walk"]

I64 = npt.NDArray[np.int64]
U64 = npt.NDArray[np.uint64]
B = npt.NDArray[np.bool_]

DISPOSITIONS = list(Disposition)
EXPLANATION_CODES = list(EXPLANATIONS)
_D = {d: i for i, d in enumerate(DISPOSITIONS)}
_E = {e: i for i, e in enumerate(EXPLANATION_CODES)}
ACCEPTED, EXITS = _D[Disposition.ACCEPTED], _D[Disposition.EXITS_NETWORK]
DENIED_IN, DENIED_OUT = _D[Disposition.DENIED_IN], _D[Disposition.DENIED_OUT]
NO_ROUTE, NULL_ROUTED, LOOP = _D[Disposition.NO_ROUTE], _D[Disposition.NULL_ROUTED], _D[Disposition.LOOP]

# Where a packet entered the VPC it is in (SPEC I5).
O_LOCAL, O_IGW, O_PCX, O_TGW, O_VGW, O_EIGW, O_ENDPOINT = range(7)
# Where a walk left the network.
X_NONE, X_INTERNET, X_VPN, X_ENDPOINT = range(4)

# Steps.
(ENI_OUT, SERVICE, LEAVE, ROUTE, LOCAL, ARRIVE, IGW_OUT, EIGW_OUT, INTERNET, IGW_IN, ENTER_VPC, NAT_IN, NAT_ANSWER,
 PEERING, VGW_OUT, ENDPOINT_OUT, VPN_IN, ENDPOINT_IN, TGW_IN, TGW_ROUTE) = range(20)  # fmt: skip

_TRACKED = 6  # ENIs whose security groups a forward walk can pass before the scalar walk takes over
_NAT_SLOTS = 2
_HISTORY = 16  # route tables a walk can visit before the scalar walk takes over
_PACKETS = 6  # distinct header sets (translations) a walk can see before the scalar walk takes over
_MAX_STEPS = 200
_ICMP_REPLY = {(1, 8): 0, (1, 13): 14, (1, 15): 16, (1, 17): 18, (58, 128): 129}


def take(values: npt.NDArray[Any], index: I64, default: object = -1) -> npt.NDArray[Any]:
    """``values[index]`` where ``index >= 0``, else ``default`` (also when ``values`` is empty)."""
    out = np.full(len(index), default, dtype=values.dtype)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


class Packets:
    """A batch of packet headers (struct of arrays). Ports are -1 where a protocol has none."""

    def __init__(
        self,
        protocol: I64,
        src_hi: U64,
        src_lo: U64,
        dst_hi: U64,
        dst_lo: U64,
        version: npt.NDArray[np.int8],
        src_port: I64,
        dst_port: I64,
    ) -> None:
        self.protocol = protocol
        self.src_hi, self.src_lo, self.dst_hi, self.dst_lo = src_hi, src_lo, dst_hi, dst_lo
        self.version = version
        self.src_port, self.dst_port = src_port, dst_port

    def __len__(self) -> int:
        return len(self.protocol)

    def copy(self) -> Packets:
        return Packets(*(a.copy() for a in self._arrays()))  # type: ignore[arg-type]

    def _arrays(self) -> tuple[npt.NDArray[np.generic], ...]:
        return (self.protocol, self.src_hi, self.src_lo, self.dst_hi, self.dst_lo, self.version, self.src_port,
                self.dst_port)  # fmt: skip

    def reply(self) -> tuple[Packets, B]:
        """The answers (addresses and ports swapped; ICMP echo gets its reply type) and which packets have one."""
        has = np.ones(len(self), dtype=bool)
        sport, dport = self.dst_port.copy(), self.src_port.copy()
        icmp = (self.protocol == 1) | (self.protocol == 58)
        if icmp.any():
            rtype = np.full(len(self), -1, dtype=np.int64)
            for (proto, request), reply_type in _ICMP_REPLY.items():
                rtype[icmp & (self.protocol == proto) & (self.dst_port == request)] = reply_type
            has &= ~icmp | (rtype >= 0)
            sport[icmp] = 0
            dport[icmp] = rtype[icmp]
        answer = Packets(self.protocol.copy(), self.dst_hi.copy(), self.dst_lo.copy(), self.src_hi.copy(),
                         self.src_lo.copy(), self.version.copy(), sport, dport)  # fmt: skip
        return answer, has


class Connection:
    """What forward walks leave for their replies, per flow."""

    def __init__(self, n: int, ephemeral: B) -> None:
        self.ephemeral = ephemeral
        self.tracked = np.full((n, _TRACKED), -1, dtype=np.int32)
        self.n_tracked = np.zeros(n, dtype=np.int64)
        self.nat = np.full((n, _NAT_SLOTS), -1, dtype=np.int64)
        self.nat_src_hi = np.zeros((n, _NAT_SLOTS), dtype=np.uint64)
        self.nat_src_lo = np.zeros((n, _NAT_SLOTS), dtype=np.uint64)
        self.nat_src_port = np.zeros((n, _NAT_SLOTS), dtype=np.int64)
        self.nat_port = np.zeros((n, _NAT_SLOTS), dtype=np.int64)
        self.egress_only = np.full((n, 2), -1, dtype=np.int64)


class Walk:
    """One direction of the vectorised walk over ``packets``; results in the public arrays after :meth:`run`."""

    def __init__(
        self, c: Compiled, packets: Packets, conn: Connection, *, reply: bool, atoms: tuple[I64, I64] | None = None
    ) -> None:
        n = len(packets)
        self.c = c
        self.p = packets
        self.initial = packets.copy()
        self.conn = conn
        self.reply = reply
        if atoms is None:
            atoms = (c.atoms.lookup(packets.src_hi, packets.src_lo, packets.version),
                     c.atoms.lookup(packets.dst_hi, packets.dst_lo, packets.version))  # fmt: skip
        self.src_atom, self.dst_atom = atoms[0].copy(), atoms[1].copy()
        block = np.full((11, n), -1, dtype=np.int64)  # one allocation for the per-flow state that starts at -1
        self.loc, self.vpc, self.came, self.zone = block[0], block[1], block[2], block[3]  # zone: sender's AZ (TGW)
        self.disposition, self.explanation, self.component, self.kind, self.rule = block[4:9]
        self.end_eni, self.exit_id = block[9], block[10]
        zeros = np.zeros((5, n), dtype=np.int64)
        self.origin, self.steps, self.exit_kind, self.n_history, self.packet_id = zeros
        flags = np.zeros((3, n), dtype=bool)
        self.forwarding, self.end_link_local, self.scalar = flags
        # Loop guard (SPEC V): the route tables visited, each with the id of the packet's headers then. Headers
        # change only at translations; each distinct header set a walk has seen gets an id (``packet_id``); id 0
        # is the headers the walk started with (``initial``).
        self.history = np.zeros((_HISTORY, n), dtype=np.int64)  # slot-major: untouched slots cost nothing
        self.seen_packets: U64 | None = None
        self.n_packets = np.ones(n, dtype=np.int64)
        self.pending: dict[int, list[I64]] = {}
        s = c.strings
        self.k = {
            name: s(name)
            for name in ("instance-state", "security-group-egress", "security-group-ingress", "source-dest-check",
                         "nacl-egress", "nacl-ingress", "route-table", "subnet", "link-local", "instance-metadata",
                         "dns-resolver", "time-sync", "internet-gateway", "egress-only-internet-gateway", "internet",
                         "vpc", "nat-gateway", "vpc-peering-connection", "vpn-gateway", "vpc-endpoint",
                         "network-interface", "vpn-connection", "client", "transit-gateway",
                         "transit-gateway-attachment", "transit-gateway-route-table")
        }  # fmt: skip

    # ------------------------------------------------------------------ driving

    def goto(self, step: int, ix: I64) -> None:
        if len(ix):
            self.pending.setdefault(step, []).append(ix)

    def run(self) -> None:
        while self.pending:
            step = min(self.pending)
            ix = np.concatenate(self.pending.pop(step))
            self.steps[ix] += 1
            long = self.steps[ix] > _MAX_STEPS
            if long.any():
                self.to_scalar(ix[long])
                ix = ix[~long]
            if len(ix):
                _HANDLERS[step](self, ix)  # plain functions: no self-reference cycle keeps a chunk alive

    def to_scalar(self, ix: I64) -> None:
        self.scalar[ix] = True

    def end(
        self,
        ix: I64,
        disposition: int,
        explanation: str | None,
        component: I64 | int,
        kind: str,
        rule: I64 | int = -1,
    ) -> None:
        """A drop (or a delivery/exit with ``explanation`` None): the flow's walk ends here."""
        if not len(ix):
            return
        self.disposition[ix] = disposition
        self.explanation[ix] = -1 if explanation is None else _E[explanation]
        if disposition not in (ACCEPTED, EXITS):
            self.component[ix] = component
            self.kind[ix] = self.k[kind]
            self.rule[ix] = rule

    def split(self, ix: I64, ok: B, disposition: int, explanation: str, component: I64 | int, kind: str,
              rule: I64 | int = -1) -> tuple[I64, B]:  # fmt: skip
        """End the flows where ``ok`` is False; return the rest and the mask that kept them."""
        bad = ~ok
        if bad.any():
            comp = component[bad] if isinstance(component, np.ndarray) else component
            r = rule[bad] if isinstance(rule, np.ndarray) else rule
            self.end(ix[bad], disposition, explanation, comp, kind, r)
            return ix[ok], ok
        return ix, ok

    def set_atoms(self, ix: I64, *, src: bool = False, dst: bool = False) -> None:
        p, a = self.p, self.c.atoms
        if src:
            self.src_atom[ix] = a.lookup(p.src_hi[ix], p.src_lo[ix], p.version[ix])
        if dst:
            self.dst_atom[ix] = a.lookup(p.dst_hi[ix], p.dst_lo[ix], p.version[ix])

    # ------------------------------------------------------------------ filters

    def security_groups(self, ix: I64, eni: I64, *, egress: bool) -> B:
        c, conn = self.c, self.conn
        group = (c.eni_sg_out if egress else c.eni_sg_in)[eni]
        ok = group < 0  # NAT and transit gateway interfaces have no security groups
        if self.reply:
            ok |= (conn.tracked[ix] == eni[:, None]).any(axis=1)  # SPEC G4
        need = ~ok
        if need.any():
            sub = ix[need]
            peer = self.dst_atom[sub] if egress else self.src_atom[sub]
            rules = c.sg_out if egress else c.sg_in
            masks = rules.match(group[need], peer, self.p.dst_port[sub], self.p.src_port[sub], self.p.protocol[sub])
            ok[need] = (masks != 0).any(axis=1)
            if not self.reply:
                self.track(sub[ok[need]], eni[need][ok[need]])
        return ok

    def track(self, ix: I64, eni: I64) -> None:
        conn = self.conn
        known = (conn.tracked[ix] == eni[:, None]).any(axis=1)  # an appliance is passed twice: track it once
        ix, eni = ix[~known], eni[~known]
        count = conn.n_tracked[ix]
        full = count >= _TRACKED
        if full.any():
            self.to_scalar(ix[full])
        room = ~full
        conn.tracked[ix[room], count[room]] = eni[room]
        conn.n_tracked[ix[room]] += 1

    def nacl(self, ix: I64, subnet: I64, *, egress: bool) -> tuple[I64, B]:
        """SPEC N1: the first entry by number decides; else the * rule (32767 IPv4, 32768 IPv6)."""
        c, p = self.c, self.p
        acl = c.subnet_acl[subnet]
        peer = self.dst_atom[ix] if egress else self.src_atom[ix]
        rules = c.nacl_out if egress else c.nacl_in
        first = C.lowest_bit(rules.match(acl, peer, p.dst_port[ix], p.src_port[ix], p.protocol[ix]))
        row = 2 * acl + int(egress)
        hit = first >= 0
        safe = np.maximum(first, 0)
        allowed = hit & c.nacl_rule_allow[row, safe]
        rule = np.where(
            hit, c.nacl_rule_value[row, safe], c.nacl_default_value[(p.version[ix] == 6).astype(np.int64)]
        )
        disposition = DENIED_OUT if egress else DENIED_IN
        return self.split(ix, allowed, disposition, "SUBNET_ACL_RESTRICTION", c.acl_id[acl], "nacl-egress" if egress
                          else "nacl-ingress", rule)  # fmt: skip

    def enter_subnet(self, ix: I64, subnet: I64) -> tuple[I64, B]:
        """NACL ingress unless the packet comes from that subnet (R5/N2)."""
        other = subnet != self.came[ix]
        keep = np.ones(len(ix), dtype=bool)
        if other.any():
            _, ok = self.nacl(ix[other], subnet[other], egress=False)
            keep[other] = ok
        return ix[keep], keep

    def contains(self, subnet: I64, atom: I64) -> B:
        spans = self.c.subnet_spans[subnet]
        return ((atom >= spans[:, 0]) & (atom < spans[:, 1])) | ((atom >= spans[:, 2]) & (atom < spans[:, 3]))

    def holder(self, vpc: I64, atom: I64) -> tuple[I64, I64]:
        c = self.c
        subnet = c.vpc_subnet(vpc, atom)
        eni = np.where(subnet >= 0, c.address_holder(np.maximum(subnet, 0), atom), -1)
        return subnet, eni

    # ------------------------------------------------------------------ interfaces

    def eni_out(self, ix: I64) -> None:
        """A packet leaving an ENI: state, link-local services (M1), SG egress (G1), source/dest check (E5)."""
        c = self.c
        eni = self.loc[ix]
        ix, ok = self.split(ix, c.eni_alive[eni], DENIED_OUT, "BAD_STATE", c.eni_id[eni], "instance-state")
        eni = eni[ok]
        atom = self.dst_atom[ix]
        local = ~self.forwarding[ix] & (c.atom_link_local[atom] | (atom == c.vpc_dns_atom[c.eni_vpc[eni]]))
        if local.any():
            self.goto(SERVICE, ix[local])
            ix, eni = ix[~local], eni[~local]
        ix, ok = self.split(ix, self.security_groups(ix, eni, egress=True), DENIED_OUT, "ENI_SG_RULES_MISMATCH",
                            c.eni_sg_component[eni], "security-group-egress")  # fmt: skip
        eni = eni[ok]
        own = c.eni_own(eni, self.src_atom[ix]) == 1
        ix, ok = self.split(ix, own | ~c.eni_check[eni], DENIED_OUT, "ENI_SOURCE_DEST_CHECK_RESTRICTION",
                            c.eni_id[eni], "source-dest-check")  # fmt: skip
        self.loc[ix] = c.eni_subnet[eni[ok]]
        self.goto(LEAVE, ix)

    def service(self, ix: I64) -> None:
        """SPEC M1/M2: IMDS, DNS and time sync answer the sending instance; no route, NACL or SG applies."""
        c, p = self.c, self.p
        eni = self.loc[ix]
        atom = self.dst_atom[ix]
        vpc = c.eni_vpc[eni]
        service = np.where(atom == c.vpc_dns_atom[vpc], C.S_DNS, c.atom_service[atom]).astype(np.int64)
        instance = c.eni_instance[eni]
        ix, ok = self.split(ix, (service != C.S_NONE) & (instance >= 0), NO_ROUTE, "LINK_LOCAL_NOT_ROUTED",
                            c.eni_id[eni], "link-local")  # fmt: skip
        service, instance, vpc = service[ok], instance[ok], vpc[ok]
        proto, port = p.protocol[ix], p.dst_port[ix]
        wanted = np.where(
            service == C.S_IMDS,
            (proto == 6) & (port == 80),
            np.where(
                service == C.S_DNS, ((proto == 6) | (proto == 17)) & (port == 53), (proto == 17) & (port == 123)
            ),
        )
        component = c.inst_service_component[instance, service]
        names = {C.S_IMDS: "instance-metadata", C.S_DNS: "dns-resolver", C.S_TIME: "time-sync"}
        for code, name in names.items():
            mine = service == code
            if not mine.any():
                continue
            sub, sub_ok = self.split(ix[mine], wanted[mine], DENIED_IN, "PROTOCOL_RESTRICTION", component[mine], name)
            if code == C.S_IMDS:
                v6 = (p.version[sub] == 6).astype(np.int64)
                enabled = c.inst_imds[instance[mine][sub_ok], v6]
                sub, _ = self.split(sub, enabled, DENIED_IN, "IMDS_DISABLED", component[mine][sub_ok], name)
            elif code == C.S_DNS:
                sub, _ = self.split(sub, c.vpc_dns_support[vpc[mine][sub_ok]], DENIED_IN, "BAD_STATE",
                                    component[mine][sub_ok], name)  # fmt: skip
            self.end_link_local[sub] = True
            self.end(sub, ACCEPTED, None, -1, "")

    def arrive(self, ix: I64) -> None:
        """A packet reaching an ENI: NAT gateway, state, source/dest check (E5), SG ingress (G1), delivery or
        forwarding by the instance (an appliance)."""
        c = self.c
        eni = self.loc[ix]
        if not self.reply:  # SPEC L1-L3: load balancer nodes (listeners, health, targets) are the scalar walk's
            node = c.eni_lb_node[eni]
            if node.any():
                self.to_scalar(ix[node])
                ix, eni = ix[~node], eni[~node]
        nat = c.eni_nat[eni]
        at_nat = nat >= 0
        if at_nat.any():
            self.loc[ix[at_nat]] = nat[at_nat]
            self.goto(NAT_ANSWER, ix[at_nat])
            ix, eni = ix[~at_nat], eni[~at_nat]
        ix, ok = self.split(ix, c.eni_alive[eni], DENIED_IN, "BAD_STATE", c.eni_id[eni], "instance-state")
        eni = eni[ok]
        own = c.eni_own(eni, self.dst_atom[ix]) == 1
        ix, ok = self.split(ix, own | ~c.eni_check[eni], DENIED_IN, "ENI_SOURCE_DEST_CHECK_RESTRICTION",
                            c.eni_id[eni], "source-dest-check")  # fmt: skip
        eni, own = eni[ok], own[ok]
        ix, ok = self.split(ix, self.security_groups(ix, eni, egress=False), DENIED_IN, "ENI_SG_RULES_MISMATCH",
                            c.eni_sg_component[eni], "security-group-ingress")  # fmt: skip
        eni, own = eni[ok], own[ok]
        self.end_eni[ix[own]] = eni[own]
        self.end(ix[own], ACCEPTED, None, -1, "")
        ix, eni = ix[~own], eni[~own]
        if not len(ix):
            return
        instance = c.eni_instance[eni]
        masquerade = (instance >= 0) & take(c.inst_masquerade, instance, False)
        if masquerade.any() and not self.reply:
            self.to_scalar(ix[masquerade])
            ix, eni, instance = ix[~masquerade], eni[~masquerade], instance[~masquerade]
        self.loc[ix] = self.outgoing(eni, instance, self.dst_atom[ix])
        self.forwarding[ix] = True
        self.goto(ENI_OUT, ix)

    def outgoing(self, eni: I64, instance: I64, atom: I64) -> I64:
        """The ENI a forwarding instance sends from: the one on the destination's subnet, else its primary."""
        c = self.c
        out = np.where(instance >= 0, take(c.inst_primary, instance), eni)
        chosen = instance < 0
        for k in range(c.inst_enis.shape[1]):
            candidate = np.where(instance >= 0, c.inst_enis[np.maximum(instance, 0), k], -1)
            hit = ~chosen & (candidate >= 0)
            hit[hit] = self.contains(c.eni_subnet[candidate[hit]], atom[hit])
            out[hit] = candidate[hit]
            chosen |= hit
        return out

    # ------------------------------------------------------------------ subnets and routes

    def leave_subnet(self, ix: I64) -> None:
        """SPEC R5: same subnet is delivered directly; else NACL egress (N2) and the subnet's route table (R1)."""
        c = self.c
        subnet = self.loc[ix]
        same = self.contains(subnet, self.dst_atom[ix])
        if same.any():
            sub, sub_subnet = ix[same], subnet[same]
            eni = c.address_holder(sub_subnet, self.dst_atom[sub])
            sub, ok = self.split(sub, eni >= 0, NO_ROUTE, "ADDRESS_NOT_ASSIGNED", c.subnet_id[sub_subnet], "subnet")
            self.loc[sub] = eni[ok]
            self.goto(ARRIVE, sub)
            ix, subnet = ix[~same], subnet[~same]
        ix, ok = self.nacl(ix, subnet, egress=True)
        subnet = subnet[ok]
        self.loc[ix] = c.subnet_table[subnet]
        self.vpc[ix] = c.subnet_vpc[subnet]
        self.came[ix] = subnet
        self.goto(ROUTE, ix)

    def headers(self, ix: I64) -> U64:
        p = self.p
        ports = (p.src_port[ix] << 20 | (p.dst_port[ix] + 1)).astype(np.uint64)
        return np.stack([p.protocol[ix].astype(np.uint64), p.src_hi[ix], p.src_lo[ix], p.dst_hi[ix], p.dst_lo[ix],
                         ports], axis=1)  # fmt: skip

    def translated(self, ix: I64) -> None:
        """The headers of these flows changed: find the id of their new header set, or give it one."""
        row = self.headers(ix)
        q = self.initial
        found = np.where(
            (q.protocol[ix] == self.p.protocol[ix]) & (q.src_hi[ix] == self.p.src_hi[ix])
            & (q.src_lo[ix] == self.p.src_lo[ix]) & (q.dst_hi[ix] == self.p.dst_hi[ix])
            & (q.dst_lo[ix] == self.p.dst_lo[ix]) & (q.src_port[ix] == self.p.src_port[ix])
            & (q.dst_port[ix] == self.p.dst_port[ix]), 0, -1,
        )  # fmt: skip
        if self.seen_packets is None:
            self.seen_packets = np.zeros((_PACKETS, len(self.p), 6), dtype=np.uint64)
        count = self.n_packets[ix]
        for k in range(int(count.max(initial=0)) - 1, 0, -1):
            same = (k < count) & (self.seen_packets[k, ix] == row).all(axis=1)
            found[same] = k
        new = found < 0
        full = new & (count >= _PACKETS)
        if full.any():
            self.to_scalar(ix[full])
        add = new & ~full
        rows = ix[add]
        self.seen_packets[count[add], rows] = row[add]
        found[add] = count[add]
        self.n_packets[rows] += 1
        self.packet_id[ix] = np.maximum(found, 0)

    def guard(self, ix: I64, table: I64, component: I64, kind: str = "route-table") -> tuple[I64, B]:
        """SPEC V: the same headers at the same route table (VPC or transit gateway: ``table`` keys both) twice
        is a loop."""
        key = table * _PACKETS + self.packet_id[ix]
        count = self.n_history[ix]
        seen = np.zeros(len(ix), dtype=bool)
        for h in range(int(count.max(initial=0))):
            seen |= (h < count) & (self.history[h, ix] == key)
        ix2, ok = self.split(ix, ~seen, LOOP, "ROUTING_LOOP", component, kind)
        count, key = count[ok], key[ok]
        full = count >= _HISTORY
        if full.any():
            self.to_scalar(ix2[full])
            ok[np.flatnonzero(ok)[full]] = False
            ix2, count, key = ix2[~full], count[~full], key[~full]
        self.history[count, ix2] = key
        self.n_history[ix2] += 1
        return ix2, ok

    def route(self, ix: I64) -> None:
        """SPEC R2/R3: longest prefix wins; R6: blackholes drop; then the target."""
        c = self.c
        table = self.loc[ix]
        ix, ok = self.guard(ix, table, c.table_id[table])
        table = table[ok]
        r = c.lpm(table, self.dst_atom[ix])
        ix, ok = self.split(ix, r >= 0, NO_ROUTE, "NO_ROUTE_TO_DESTINATION", c.table_id[table], "route-table")
        table, r = table[ok], r[ok]
        ix, ok = self.split(ix, c.route_active[r], NULL_ROUTED, "BAD_STATE_ROUTE", c.table_id[table], "route-table",
                            c.route_rule[r])  # fmt: skip
        r = r[ok]
        kind, target = c.route_kind[r], c.route_target[r]
        steps = {C.T_LOCAL: LOCAL, C.T_IGW: IGW_OUT, C.T_EIGW: EIGW_OUT, C.T_NAT: NAT_IN, C.T_PCX: PEERING,
                 C.T_VGW: VGW_OUT, C.T_ENDPOINT: ENDPOINT_OUT, C.T_TGW: TGW_IN}  # fmt: skip
        for code, step in steps.items():
            mine = kind == code
            if mine.any():
                if code != C.T_LOCAL:
                    self.loc[ix[mine]] = target[mine]
                self.goto(step, ix[mine])
        eni = kind == C.T_ENI
        if eni.any():
            sub, target_eni = ix[eni], target[eni]
            sub, ok = self.enter_subnet(sub, c.eni_subnet[target_eni])
            self.loc[sub] = target_eni[ok]
            self.goto(ARRIVE, sub)
        other = ~np.isin(kind, [*steps, C.T_ENI])
        if other.any():
            self.to_scalar(ix[other])  # a target kind the model gained after this walk was written

    def local(self, ix: I64) -> None:
        """SPEC R4: the local route delivers to the subnet holding the address, through its NACL (N2)."""
        c = self.c
        vpc = self.vpc[ix]
        subnet, eni = self.holder(vpc, self.dst_atom[ix])
        component = np.where(subnet >= 0, take(c.subnet_id, subnet), c.vpc_id[vpc])
        ix, ok = self.split(ix, eni >= 0, NO_ROUTE, "ADDRESS_NOT_ASSIGNED", component, "subnet")
        subnet, eni = subnet[ok], eni[ok]
        ix, ok = self.enter_subnet(ix, subnet)
        self.loc[ix] = eni[ok]
        self.goto(ARRIVE, ix)

    def enter_vpc(self, ix: I64) -> None:
        """Into a VPC from a gateway without a gateway route table: the local route, if the address is the VPC's."""
        c = self.c
        vpc = self.vpc[ix]
        inside = c.vpc_contains(vpc, self.dst_atom[ix]) == 1
        ix, _ = self.split(ix, inside, NO_ROUTE, "NO_ROUTE_TO_DESTINATION", c.vpc_id[vpc], "vpc")
        self.came[ix] = -1
        self.goto(LOCAL, ix)

    def into_vpc(self, ix: I64, vpc: I64, table: I64, origin: int) -> None:
        """A gateway hands the packet to its VPC: its edge route table if it has one (R7), else the local route."""
        self.origin[ix] = origin
        self.vpc[ix] = vpc
        self.came[ix] = -1
        edge = table >= 0
        self.loc[ix[edge]] = table[edge]
        self.goto(ROUTE, ix[edge])
        self.goto(ENTER_VPC, ix[~edge])

    def edge_to_edge(self, ix: I64, allowed: tuple[int, ...], component: I64, kind: str) -> tuple[I64, B]:
        """SPEC I5: what entered through a peering, a VPN or another gateway cannot leave through this one."""
        ok = np.isin(self.origin[ix], allowed)
        return self.split(ix, ok, DENIED_IN, "NO_EDGE_TO_EDGE_ROUTING", component, kind)

    # ------------------------------------------------------------------ internet (P3, I1-I3)

    def igw_out(self, ix: I64) -> None:
        c, p = self.c, self.p
        igw = self.loc[ix]
        ix, ok = self.edge_to_edge(ix, (O_LOCAL, O_TGW), c.igw_id[igw], "internet-gateway")
        igw = igw[ok]
        v4 = p.version[ix] == 4
        if v4.any():
            sub, sub_igw = ix[v4], igw[v4]
            _, eni = self.holder(c.igw_vpc[sub_igw], self.src_atom[sub])
            public = np.where(eni >= 0, c.eni_public(np.maximum(eni, 0), self.src_atom[sub]), -1)
            sub, ok = self.split(sub, public >= 0, DENIED_IN, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS",
                                 c.igw_id[sub_igw], "internet-gateway")  # fmt: skip
            p.src_lo[sub] = public[ok].astype(np.uint64)
            self.set_atoms(sub, src=True)
            self.translated(sub)
            self.goto(INTERNET, sub)
        self.goto(INTERNET, ix[~v4])

    def eigw_out(self, ix: I64) -> None:
        c, p = self.c, self.p
        eigw = self.loc[ix]
        ix, ok = self.edge_to_edge(ix, (O_LOCAL,), c.eigw_id[eigw], "egress-only-internet-gateway")
        eigw = eigw[ok]
        ix, ok = self.split(ix, p.version[ix] == 6, DENIED_IN, "EIGW_REQUIRES_IPV6", c.eigw_id[eigw],
                            "egress-only-internet-gateway")  # fmt: skip
        eigw = eigw[ok]
        if not self.reply:
            slots = self.conn.egress_only
            for e in np.unique(eigw):
                rows = ix[eigw == e]
                have = (slots[rows] == e).any(axis=1)
                rows = rows[~have]
                free = slots[rows] < 0
                room = free.any(axis=1)
                self.to_scalar(rows[~room])
                rows, free = rows[room], free[room]
                slots[rows, free.argmax(axis=1)] = e
        self.goto(INTERNET, ix)

    def internet(self, ix: I64) -> None:
        """The internet: a public address of the model enters through its VPC's gateway; others leave (EXITS)."""
        c, p = self.c, self.p
        atom = self.dst_atom[ix]
        owner = np.where(p.version[ix] == 4, c.atom_public_eni[atom], -1)
        public = owner >= 0
        if public.any():
            sub, sub_owner = ix[public], owner[public]
            vpc = c.eni_vpc[sub_owner]
            igw = c.vpc_igw[vpc]
            sub, ok = self.split(sub, igw >= 0, NO_ROUTE, "NO_ROUTE_TO_DESTINATION", c.vpc_id[vpc], "vpc")
            self.loc[sub] = igw[ok]
            self.goto(IGW_IN, sub)
        v6_vpc = np.where(p.version[ix] == 6, c.atom_v6_vpc[atom], -1)
        into6 = v6_vpc >= 0
        if into6.any():
            self.internet_v6(ix[into6], v6_vpc[into6])
        rest = ~public & ~into6
        ix, atom = ix[rest], atom[rest]
        private = c.atom_not_internet[atom]
        if private.any():
            sub = ix[private]
            held = c.atom_unique_holder[atom[private]]
            igw = take(c.vpc_igw, take(c.eni_vpc, held))
            gated = igw >= 0
            self.end(sub[gated], DENIED_IN, "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", c.igw_id[igw[gated]],
                     "internet-gateway")  # fmt: skip
            self.end(sub[~gated], NO_ROUTE, "NO_ROUTE_TO_DESTINATION", c.internet, "internet")
            ix, atom = ix[~private], atom[~private]
        loose = c.atom_unassociated_eip[atom]
        self.end(ix[loose], NO_ROUTE, "NO_ROUTE_TO_DESTINATION", c.internet, "internet")
        ix = ix[~loose]
        self.exit_kind[ix] = X_INTERNET
        self.end(ix, EXITS, None, -1, "")

    def internet_v6(self, ix: I64, vpc: I64) -> None:
        c = self.c
        if self.reply:
            slots = self.conn.egress_only[ix]
            tracked = np.zeros(len(ix), dtype=bool)
            for k in range(slots.shape[1]):
                e = slots[:, k]
                tracked |= (e >= 0) & (take(c.eigw_vpc, e) == vpc)
            if tracked.any():
                self.into_vpc(ix[tracked], vpc[tracked], np.full(int(tracked.sum()), -1), O_EIGW)
                ix, vpc = ix[~tracked], vpc[~tracked]
        igw = c.vpc_igw[vpc]
        gated = igw >= 0
        self.loc[ix[gated]] = igw[gated]
        self.goto(IGW_IN, ix[gated])
        ix, vpc = ix[~gated], vpc[~gated]
        eigw = c.vpc_eigw[vpc]
        has = eigw >= 0
        self.end(ix[has], DENIED_IN, "EIGW_UNSOLICITED_INBOUND", c.eigw_id[eigw[has]], "egress-only-internet-gateway")
        self.end(ix[~has], NO_ROUTE, "NO_ROUTE_TO_DESTINATION", c.vpc_id[vpc[~has]], "vpc")

    def igw_in(self, ix: I64) -> None:
        """SPEC P3/I2: the IGW maps a public IPv4 back to the private one; R7: its edge route table, if any."""
        c, p = self.c, self.p
        igw = self.loc[ix]
        v4 = ix[p.version[ix] == 4]
        p.dst_lo[v4] = c.atom_public_private[self.dst_atom[v4]].astype(np.uint64)
        self.set_atoms(v4, dst=True)
        self.translated(v4)
        self.into_vpc(ix, c.igw_vpc[igw], c.igw_edge[igw], O_IGW)

    # ------------------------------------------------------------------ NAT gateways (I4)

    def nat_in(self, ix: I64) -> None:
        c, p, conn = self.c, self.p, self.conn
        nat = self.loc[ix]
        ix, ok = self.enter_subnet(ix, c.nat_subnet[nat])
        nat = nat[ok]
        ix, ok = self.split(ix, np.isin(self.origin[ix], (O_LOCAL, O_TGW)), DENIED_IN, "NGW_REQUIRES_SOURCE_IN_VPC",
                            c.nat_id[nat], "nat-gateway")  # fmt: skip
        nat = nat[ok]
        proto, v4 = p.protocol[ix], p.version[ix] == 4
        nat64 = ~v4 & c.atom_nat64[self.dst_atom[ix]] & np.isin(proto, (6, 17, 58))
        if nat64.any():
            self.to_scalar(ix[nat64])  # NAT64 goes to the scalar walk
        ix, ok = self.split(ix, nat64 | (v4 & np.isin(proto, (1, 6, 17))), DENIED_IN, "PROTOCOL_RESTRICTION",
                            c.nat_id[nat], "nat-gateway")  # fmt: skip
        nat, nat64 = nat[ok], nat64[ok]
        ix, nat = ix[~nat64], nat[~nat64]
        ports = np.isin(p.protocol[ix], (6, 17))
        port = p.src_port[ix].copy()
        remap = ports & (conn.ephemeral[ix] | (port < 1024))
        port[remap] = 1024  # SPEC N4: NAT gateways remap into 1024-65535; the lowest, as a trace uses
        if not self.reply:
            self.nat_entry(ix, nat, port)
        p.src_hi[ix] = 0
        p.src_lo[ix] = c.nat_address[nat].astype(np.uint64)
        p.src_port[ix] = port
        self.set_atoms(ix, src=True)
        self.translated(ix)
        self.origin[ix] = O_LOCAL
        self.loc[ix] = c.nat_subnet[nat]
        self.goto(LEAVE, ix)

    def nat_entry(self, ix: I64, nat: I64, port: I64) -> None:
        conn, p = self.conn, self.p
        slot = np.full(len(ix), -1, dtype=np.int64)
        for k in range(_NAT_SLOTS - 1, -1, -1):
            here = conn.nat[ix, k]
            slot = np.where((here == nat) | ((here < 0) & (slot < 0)), k, slot)
        full = slot < 0
        self.to_scalar(ix[full])
        ix, nat, port, slot = ix[~full], nat[~full], port[~full], slot[~full]
        conn.nat[ix, slot] = nat
        conn.nat_src_hi[ix, slot] = p.src_hi[ix]
        conn.nat_src_lo[ix, slot] = p.src_lo[ix]
        conn.nat_src_port[ix, slot] = p.src_port[ix]
        conn.nat_port[ix, slot] = port

    def nat_answer(self, ix: I64) -> None:
        """A packet addressed to a NAT gateway: the reply of a connection it made, or unsolicited (dropped)."""
        c, p, conn = self.c, self.p, self.conn
        nat = self.loc[ix]
        if self.reply:
            match = conn.nat[ix] == nat[:, None]
            found = match.any(axis=1)
            slot = match.argmax(axis=1)
        else:
            found = np.zeros(len(ix), dtype=bool)
            slot = np.zeros(len(ix), dtype=np.int64)
        ports = np.isin(p.protocol[ix], (6, 17))
        ok = found & (~ports | (p.dst_port[ix] == conn.nat_port[ix, slot]))
        ix, ok = self.split(ix, ok, DENIED_IN, "NGW_UNSOLICITED_INBOUND", c.nat_id[nat], "nat-gateway")
        nat, slot, ports = nat[ok], slot[ok], ports[ok]
        p.dst_hi[ix] = conn.nat_src_hi[ix, slot]
        p.dst_lo[ix] = conn.nat_src_lo[ix, slot]
        p.dst_port[ix] = np.where(ports, conn.nat_src_port[ix, slot], p.dst_port[ix])
        self.set_atoms(ix, dst=True)
        self.translated(ix)
        self.origin[ix] = O_LOCAL
        self.came[ix] = -1
        self.loc[ix] = c.nat_subnet[nat]
        self.goto(LEAVE, ix)

    # ------------------------------------------------------------------ peering, VPN, endpoints

    def peering(self, ix: I64) -> None:
        """SPEC I5: only traffic between the two VPCs' CIDRs, never transitive, never edge to edge."""
        c = self.c
        pcx, vpc = self.loc[ix], self.vpc[ix]
        pair = c.pcx_vpcs[pcx]
        peer = np.where(pair[:, 0] == vpc, pair[:, 1], pair[:, 0])
        ok = (self.origin[ix] == O_LOCAL) & (c.vpc_contains(vpc, self.src_atom[ix]) == 1)
        ix, ok = self.split(ix, ok, DENIED_IN, "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", c.pcx_id[pcx],
                            "vpc-peering-connection")  # fmt: skip
        pcx, peer = pcx[ok], peer[ok]
        ix, ok = self.split(ix, c.vpc_contains(peer, self.dst_atom[ix]) == 1, DENIED_IN,
                            "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", c.pcx_id[pcx], "vpc-peering-connection")  # fmt: skip
        self.vpc[ix] = peer[ok]
        self.origin[ix] = O_PCX
        self.came[ix] = -1
        self.goto(LOCAL, ix)

    def vgw_out(self, ix: I64) -> None:
        c = self.c
        vgw = self.loc[ix]
        ix, ok = self.edge_to_edge(ix, (O_LOCAL, O_TGW), c.vgw_id[vgw], "vpn-gateway")
        vgw = vgw[ok]
        vpn = c.vgw_vpn(vgw, self.dst_atom[ix])
        ix, ok = self.split(ix, vpn >= 0, NO_ROUTE, "NO_ROUTE_OUTSIDE_VPN", c.vgw_id[vgw], "vpn-gateway")
        self.exit_kind[ix] = X_VPN
        self.exit_id[ix] = vpn[ok]
        self.end(ix, EXITS, None, -1, "")

    def vpn_in(self, ix: I64) -> None:
        """From on premises through the VPN's virtual private gateway (its edge table, R7)."""
        c = self.c
        vpn = self.loc[ix]
        via_tgw = c.vpn_tgw[vpn]
        if via_tgw.any():
            sub = ix[via_tgw]
            self.loc[sub] = c.vpn_attachment[vpn[via_tgw]]
            self.zone[sub] = -1
            self.goto(TGW_ROUTE, sub)
            ix, vpn = ix[~via_tgw], vpn[~via_tgw]
        vgw = c.vpn_vgw[vpn]
        vpc = take(c.vgw_vpc, vgw)
        ix, ok = self.split(ix, vpc >= 0, NO_ROUTE, "BAD_STATE_ATTACHMENT", c.vpn_gateway_component[vpn],
                            "vpn-gateway")  # fmt: skip
        vgw, vpc = vgw[ok], vpc[ok]
        self.into_vpc(ix, vpc, c.vgw_edge[vgw], O_VGW)

    def endpoint_out(self, ix: I64) -> None:
        """SPEC R6: a gateway endpoint carries traffic to its service, from its own VPC only."""
        c = self.c
        endpoint = self.loc[ix]
        ix, ok = self.edge_to_edge(ix, (O_LOCAL,), c.endpoint_id[endpoint], "vpc-endpoint")
        self.exit_kind[ix] = X_ENDPOINT
        self.exit_id[ix] = endpoint[ok]
        self.end(ix, EXITS, None, -1, "")

    def endpoint_in(self, ix: I64) -> None:
        endpoint = self.loc[ix]
        self.into_vpc(ix, self.c.endpoint_vpc[endpoint], np.full(len(ix), -1), O_ENDPOINT)

    # ------------------------------------------------------------------ transit gateways

    def tgw_in(self, ix: I64) -> None:
        """Into a transit gateway through the VPC's attachment in the sender's AZ, and its subnet's NACL."""
        c = self.c
        tgw, vpc = self.loc[ix], self.vpc[ix]
        attachment = c.tgw_attachment[tgw, vpc]
        missing = attachment < 0
        if missing.any():
            self.to_scalar(ix[missing])
            ix, tgw, attachment = ix[~missing], tgw[~missing], attachment[~missing]
        ix, ok = self.edge_to_edge(ix, (O_LOCAL, O_IGW, O_TGW), c.tgw_id[tgw], "transit-gateway")
        attachment = attachment[ok]
        came = self.came[ix]
        zone = np.where(came >= 0, take(c.subnet_zone, came), -1)
        subnet = c.att_zone_subnet[attachment, zone]
        ix, ok = self.split(ix, subnet >= 0, NO_ROUTE, "TGW_ATTACHMENT_AZ", c.att_id[attachment],
                            "transit-gateway-attachment")  # fmt: skip
        attachment, zone, subnet = attachment[ok], zone[ok], subnet[ok]
        # AWS: the attachment subnet's inbound rules check traffic towards the transit gateway.
        ix, ok = self.nacl(ix, subnet, egress=False)
        self.loc[ix] = attachment[ok]
        self.zone[ix] = zone[ok]
        self.goto(TGW_ROUTE, ix)

    def tgw_route(self, ix: I64) -> None:
        """The attachment's associated TGW route table: longest prefix, static before propagated."""
        c = self.c
        attachment = self.loc[ix]
        table = c.att_table[attachment]
        ix, ok = self.split(ix, table >= 0, NO_ROUTE, "TGW_RTB_CANNOT_ROUTE", c.att_id[attachment],
                            "transit-gateway-attachment")  # fmt: skip
        table = table[ok]
        ix, ok = self.guard(ix, len(c.tables) + table, c.tgw_table_id[table], "transit-gateway-route-table")
        table = table[ok]
        r = c.tgw_lpm(table, self.dst_atom[ix])
        ix, ok = self.split(ix, r >= 0, NO_ROUTE, "TGW_RTB_CANNOT_ROUTE", c.tgw_table_id[table],
                            "transit-gateway-route-table")  # fmt: skip
        table, r = table[ok], r[ok]
        ix, ok = self.split(ix, c.tgw_route_active[r], NULL_ROUTED, "BAD_STATE_ROUTE", c.tgw_table_id[table],
                            "transit-gateway-route-table", c.tgw_route_rule[r])  # fmt: skip
        target = c.tgw_route_target[r[ok]]
        vpc = c.att_vpc[target]
        vpn = c.att_vpn[target]
        to_vpn = (vpc < 0) & (vpn >= 0)
        rows = ix[to_vpn]
        self.exit_kind[rows] = X_VPN
        self.exit_id[rows] = vpn[to_vpn]
        self.end(rows, EXITS, None, -1, "")
        into = vpc >= 0
        odd = ~into & ~to_vpn
        if odd.any():
            self.to_scalar(ix[odd])
        ix, target, vpc = ix[into], target[into], vpc[into]
        # The transit gateway keeps traffic in its AZ when the target attachment has a subnet there.
        subnet = c.att_zone_subnet[target, self.zone[ix]]
        subnet = np.where(subnet >= 0, subnet, c.att_zone_subnet[target, -1])
        empty = subnet < 0
        if empty.any():
            self.to_scalar(ix[empty])
            ix, vpc, subnet = ix[~empty], vpc[~empty], subnet[~empty]
        inside = self.contains(subnet, self.dst_atom[ix])
        keep = np.ones(len(ix), dtype=bool)
        if (~inside).any():
            _, passed = self.nacl(ix[~inside], subnet[~inside], egress=True)
            keep[~inside] = passed
        ix, vpc, subnet = ix[keep], vpc[keep], subnet[keep]
        self.loc[ix] = c.subnet_table[subnet]
        self.vpc[ix] = vpc
        self.came[ix] = subnet
        self.origin[ix] = O_TGW
        self.goto(ROUTE, ix)


_HANDLERS: dict[int, Callable[[Walk, I64], None]] = {
    ENI_OUT: Walk.eni_out,
    SERVICE: Walk.service,
    LEAVE: Walk.leave_subnet,
    ROUTE: Walk.route,
    LOCAL: Walk.local,
    ARRIVE: Walk.arrive,
    IGW_OUT: Walk.igw_out,
    EIGW_OUT: Walk.eigw_out,
    INTERNET: Walk.internet,
    IGW_IN: Walk.igw_in,
    ENTER_VPC: Walk.enter_vpc,
    NAT_IN: Walk.nat_in,
    NAT_ANSWER: Walk.nat_answer,
    PEERING: Walk.peering,
    VGW_OUT: Walk.vgw_out,
    ENDPOINT_OUT: Walk.endpoint_out,
    VPN_IN: Walk.vpn_in,
    ENDPOINT_IN: Walk.endpoint_in,
    TGW_IN: Walk.tgw_in,
    TGW_ROUTE: Walk.tgw_route,
}
