"""AWS's connectivity troubleshooting checklist, run as code for one flow.

AWS's articles on troubleshooting connectivity between instances, and from an instance to or from the internet, ask
the same questions in the same order: do the security groups allow the traffic (the source's outbound, the
destination's inbound; replies are stateful), do the network ACLs (both subnets, both ways, the reply on ephemeral
ports), do the route tables (there and back), are the two ends placed where they can meet (same VPC, peering, transit
gateway), does an internet flow have a public IP and a route to an attached internet gateway, does a private subnet
reach the internet through a NAT gateway in a public subnet, are the instances running, does the source/destination
check pass.

:func:`checklist` answers each question from the walk itself: the flow's :meth:`~vpcsim.Network.trace`, and the same
walk with every drop waived (the walk behind :attr:`~vpcsim.engine.verdict.Trace.blockers`), so the checks after the
first drop are answered too. A hop answers the question of where it sits on the path: the sending interface and its
subnet, the gateways between, the receiving subnet and interface. A question the walk never reaches (it stops at a
missing route first) is answered from the configuration when that is a plain fact (instance state, placement, public
IP, internet gateway route), else marked not reached. So the checklist never disagrees with ``trace()``: it is
connected exactly when the trace is, and the hop that dropped the flow decides one of the failing items.
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from vpcsim.addr import protocol_name
from vpcsim.engine.rules import lookup_route
from vpcsim.engine.trace import _walk_flow, reply_packet
from vpcsim.engine.verdict import Hop, Trace
from vpcsim.model.interface import NetworkInterface
from vpcsim.model.prefix_list import ManagedPrefixList
from vpcsim.model.route_table import LOCAL, RouteTable, target_kind

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.network import Network

__all__ = ["CHECKS", "Checklist", "ChecklistItem", "checklist"]

PASS, FAIL, NOT_APPLICABLE = "pass", "fail", "n/a"

CHECKS: dict[str, tuple[str, str]] = {
    "instance-state": ("The instances at both ends are running", "V"),
    "security-group-egress": ("Security groups allow the request out of the source", "G1"),
    "nacl-egress": ("The source subnet's network ACL allows the request out", "N2"),
    "route": ("The source subnet's route table has a route to the destination", "R2"),
    "placement": ("Both ends can meet: same subnet or VPC, a peering connection or a transit gateway", "I5"),
    "public-ip": ("The instance has a public IPv4 or Elastic IP for the internet", "P3"),
    "internet-gateway": ("An internet gateway is attached and the subnet routes internet traffic to it", "I1, I2"),
    "nat-gateway": ("The NAT gateway sits in a public subnet that routes to the internet gateway", "I4"),
    "nacl-ingress": ("The destination subnet's network ACL allows the request in", "N2"),
    "source-dest-check": ("Source/destination check passes at every interface", "E5"),
    "security-group-ingress": ("Security groups allow the request into the destination", "G1"),
    "security-group-reply": ("Security groups let the reply back (stateful)", "G4"),
    "nacl-reply-egress": ("The destination subnet's network ACL allows the reply out (ephemeral ports)", "N4"),
    "return-route": ("The destination subnet's route table routes the reply back", "R2"),
    "nacl-reply-ingress": ("The source subnet's network ACL allows the reply in (ephemeral ports)", "N4"),
    "other": ("Other components on the path: load balancers, appliances, VPN, link-local services", "V"),
}
"""Every item of the checklist, in the order AWS's articles ask: name -> (question, SPEC rule)."""

# Steps at a packet's sending interface and subnet (up to the route lookup), and at its receiving ones.
_LEAVING = frozenset(
    {"network-interface", "instance-state", "security-group-egress", "source-dest-check", "nacl-egress"}
)
_ARRIVING = frozenset({"network-interface", "instance-state", "source-dest-check", "security-group-ingress"})
_PLACEMENT = frozenset(
    {"vpc-peering-connection", "transit-gateway", "transit-gateway-attachment", "transit-gateway-route-table"}
)
_INTERNET = frozenset({"internet-gateway", "egress-only-internet-gateway"})
_ELSEWHERE = frozenset({"load-balancer", "nat-instance", "vpn-gateway", "vpn-connection", "vpc-endpoint"})
# Steps answered by the same item wherever they sit on the path, per walk (request, reply).
_EVERYWHERE = {
    "instance-state": ("instance-state", "instance-state"),
    "source-dest-check": ("source-dest-check", "source-dest-check"),
    "security-group-egress": ("security-group-egress", "security-group-reply"),
    "security-group-ingress": ("security-group-ingress", "security-group-reply"),
    "client": ("return-route", "return-route"),  # the reply came back another way (asymmetric routing)
}
# Steps at the two ends of a walk, per walk (request, reply).
_AT_THE_ENDS = {
    "nacl-egress": ("nacl-egress", "nacl-reply-egress"),
    "nacl-ingress": ("nacl-ingress", "nacl-reply-ingress"),
    "route-table": ("route", "return-route"),
    "subnet": ("placement", "placement"),
}
# The hop that best shows why an item passes, when several do: (step, action).
_SHOWN = {
    "nat-gateway": ("nat-gateway", "translate"),
    "internet-gateway": ("route-table", "forward"),
    "public-ip": ("internet-gateway", "translate"),
    "placement": ("vpc-peering-connection", "forward"),
    "other": ("load-balancer-listener", "forward"),
}
_SOURCE_SIDE = frozenset({"security-group-egress", "nacl-egress", "route", "nacl-reply-ingress"})
_DESTINATION_SIDE = frozenset({"security-group-ingress", "nacl-ingress", "nacl-reply-egress", "return-route"})
_SUBNET_CHECKS = frozenset({"nacl-egress", "route", "nacl-ingress", "nacl-reply-egress", "return-route",
                            "nacl-reply-ingress"})  # fmt: skip
_REPLY_CHECKS = frozenset({"security-group-reply", "nacl-reply-egress", "return-route", "nacl-reply-ingress"})


@attrs.frozen
class ChecklistItem:
    """One question of the checklist and its answer for the flow.

    ``name`` is the item's key in :data:`CHECKS` and ``title`` its question; ``status`` is ``"pass"``, ``"fail"``
    or ``"n/a"`` (the question does not apply to this flow, or the flow stops before it: ``detail`` says which);
    ``component`` and ``rule`` are the resource id and the rule (NACL rule number, security group rule id, route
    destination) that decided; ``explanation`` the drop's code for a failure (SPEC V); ``spec`` the rule asked.
    """

    name: str
    title: str
    status: str
    component: str | None = None
    rule: int | str | None = None
    detail: str = ""
    explanation: str | None = None
    spec: str = ""

    @property
    def failed(self) -> bool:
        return self.status == FAIL

    def row(self) -> dict[str, Any]:
        """The item as a flat dict (a row of :meth:`Checklist.frame`)."""
        return attrs.asdict(self)

    def __str__(self) -> str:
        mark = "FAIL" if self.failed else self.status
        rule = f" rule {self.rule}" if self.rule is not None else ""
        why = f" [{self.explanation}]" if self.explanation else ""
        return f"{mark:<4}  {self.name:<22} {self.component or '-':<22}{rule}: {self.detail}{why} (SPEC {self.spec})"


@attrs.frozen(eq=False)
class Checklist:
    """The checklist of one flow: :data:`CHECKS` answered in order, and the :class:`Trace` they come from.

    Index by item name (``checklist["route"]``), iterate the items, ``.failed`` lists the failing ones, ``.frame()``
    gives a DataFrame; ``print()`` shows a list marked pass/FAIL/n/a and Jupyter a table.
    """

    trace: Trace
    items: tuple[ChecklistItem, ...]

    @property
    def connected(self) -> bool:
        """Whether the flow connects: exactly ``trace.connected``."""
        return self.trace.connected

    @property
    def failed(self) -> list[ChecklistItem]:
        """The failing items, in checklist order (empty when connected)."""
        return [item for item in self.items if item.failed]

    def __getitem__(self, name: str) -> ChecklistItem:
        for item in self.items:
            if item.name == name:
                return item
        raise KeyError(f"No checklist item {name!r}: the items are {', '.join(CHECKS)}.")

    def __iter__(self) -> Iterator[ChecklistItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def frame(self) -> pd.DataFrame:
        """One row per item: name, title, status, component, rule, detail, explanation, spec."""
        import pandas as pd

        return pd.DataFrame(
            [item.row() for item in self.items], columns=[f.name for f in attrs.fields(ChecklistItem)]
        )

    def _headline(self) -> str:
        t = self.trace
        if self.connected:
            verdict = "connected"
        else:
            verdict = f"not connected, {len(self.failed)} failing: {', '.join(i.name for i in self.failed)}"
        return f"Checklist {t.packet}  [{t.source.label} -> {t.destination.label}]: {verdict}"

    def __str__(self) -> str:
        return "\n".join([self._headline(), *(f"  {item}" for item in self.items)])

    def __repr__(self) -> str:
        failing = "connected" if self.connected else f"failing {[i.name for i in self.failed]}"
        return f"<Checklist {self.trace.packet}: {failing}>"

    def _repr_html_(self) -> str:
        colours = {PASS: "#dfd", FAIL: "#fdd", NOT_APPLICABLE: "#eee"}
        shown = ("status", "title", "component", "rule", "detail", "explanation", "spec")
        rows = "".join(
            f'<tr style="background:{colours[item.status]}">'
            + "".join(f"<td>{html.escape(str(getattr(item, field) or ''))}</td>" for field in shown)
            + "</tr>"
            for item in self.items
        )
        head = "".join(f"<th>{h}</th>" for h in ("status", "check", "component", "rule", "detail", "why", "SPEC"))
        return f"<p><b>{html.escape(self._headline())}</b></p><table><tr>{head}</tr>{rows}</table>"


def checklist(
    net: Network, src: object, dst: object, *, protocol: object = "tcp", port: int | None = None
) -> Checklist:
    """AWS's connectivity troubleshooting checklist for the flow ``src`` -> ``dst``, answered from its walk.

    Parameters
    ----------
    net : Network
    src, dst
        The ends, as :meth:`vpcsim.Network.trace` takes them.
    protocol, port
        As :meth:`vpcsim.Network.trace` takes them (the source port is the client's default ephemeral one, N4).

    Returns
    -------
    Checklist
        Every item of :data:`CHECKS`, passing, failing or not applicable, with the component and rule that decided.
        ``connected`` is ``trace(...).connected``; when not connected, the hop that dropped the flow decides one of
        the failing items.

    Raises
    ------
    ValueError
        What :meth:`vpcsim.Network.trace` raises: ``InvalidEndpointError``, ``InvalidFlowError``.

    Examples
    --------
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> found = checklist(net, "web", "db", protocol="tcp", port=5432)
    >>> found.connected
    False
    >>> for item in found.failed:
    ...     print(item.name, item.component, item.rule, item.explanation)
    nacl-ingress acl-0e341047a0b194474 32767 SUBNET_ACL_RESTRICTION
    security-group-ingress sg-0a4205ce6dd7bd9b9 None ENI_SG_RULES_MISMATCH
    nacl-reply-egress acl-0e341047a0b194474 32767 SUBNET_ACL_RESTRICTION
    >>> found["route"].status, found["route"].rule, found["placement"].detail
    ('pass', '10.0.0.0/16', 'same VPC: rtb-0c9dbb21f994239e3 routes 10.0.0.0/16 to local (R4)')
    >>> checklist(net, "api", "db", protocol="tcp", port=5432).failed
    []
    """
    return _Flow(net, net.trace(src, dst, protocol, port)).answers()


class _Flow:
    """The walks of one flow, and which item each of their hops answers."""

    def __init__(self, net: Network, trace: Trace) -> None:
        self.net = net
        self.trace = trace
        self.source = trace.source.network_interface
        self.destination = trace.destination.network_interface
        walks = [(trace.hops, False)] + ([(trace.reply.hops, True)] if trace.reply is not None else [])
        if not trace.connected:  # the same walk with every drop waived: the checks after the first drop
            forward, reply = _walk_flow(net, trace.source, trace.destination, trace.packet,
                                        ephemeral=trace.packet.has_ports, force=True)  # fmt: skip
            walks += [(forward.hops, False)] + ([(reply.hops, True)] if reply is not None else [])
        self.end = walks[-1][0][-1]  # where the walk, waiving what it could, ended
        self.evidence: dict[str, list[Hop]] = defaultdict(list)
        for hops, is_reply in walks:
            for name, hop in self.classify(hops, is_reply):
                self.evidence[name].append(hop)
        if not trace.connected and not any(h.dropped for found in self.evidence.values() for h in found):
            # Nothing dropped it, yet it never arrived: it left the network the wrong way (a VPN route, say).
            self.evidence["other"].append(
                attrs.evolve(
                    self.end,
                    action="drop",
                    detail=f"the flow ends here ({self.end.detail}), not at {trace.destination.label}",
                )
            )

    def answers(self) -> Checklist:
        return Checklist(self.trace, tuple(self.item(name) for name in CHECKS))

    # ------------------------------------------------------------ where each hop belongs

    def classify(self, hops: list[Hop], reply: bool) -> Iterator[tuple[str, Hop]]:
        """(item, hop) for every hop of one walk that answers a checklist item."""
        side = 1 if reply else 0
        leave, arrive = self.segments(hops, reply)
        target = self.route_target(hops[leave - 1]) if leave > 0 and hops[leave - 1].kind == "route-table" else None
        middle = hops[leave:arrive]
        # I4: a packet from or to a NAT gateway's address is on the NAT gateway's leg, also before it is reached.
        kinds = {h.kind for h in middle} | {"nat-gateway" for h in middle if self.nat_addressed(h)}
        context = _context(kinds, target)
        for index, hop in enumerate(hops):
            if hop.kind in _EVERYWHERE:
                yield _EVERYWHERE[hop.kind][side], hop
            elif hop.kind in _AT_THE_ENDS and (index < leave or index >= arrive):
                yield _AT_THE_ENDS[hop.kind][side], hop
                if index == leave - 1 and target is not None:
                    yield from self.route_evidence(hop, target, reply)
            elif index < leave or index >= arrive:
                continue  # the interface itself: its checks are the hops around it
            elif hop.kind == "subnet" and hop.dropped:
                yield "placement", hop  # an address of the VPC that no interface holds
            elif hop.kind in _INTERNET and context != "nat-gateway":
                if hop.action == "translate" or (hop.explanation or "").startswith("IGW_"):
                    yield "public-ip", hop  # the 1:1 NAT of a public address, or its absence (P3)
                elif hop.dropped:
                    yield "internet-gateway", hop
            elif hop.kind == "vpc":  # no internet gateway to enter by, or not this VPC's address
                yield ("internet-gateway" if index > 0 and hops[index - 1].kind == "internet" else "placement"), hop
            elif hop.kind == "internet" and hop.dropped:  # a private address, or a free Elastic IP
                if target is None:
                    yield "placement", hop
                else:  # the sending subnet's route took it to the internet
                    origin = hops[leave - 1]
                    wrong = f"{hop.detail}: {origin.component} sends it by {origin.rule} to {target}"
                    yield _AT_THE_ENDS["route-table"][side], attrs.evolve(hop, rule=origin.rule, detail=wrong)
            elif hop.kind in _PLACEMENT:
                yield "placement", hop
            elif hop.kind == "nat-gateway" or hop.kind in (*_AT_THE_ENDS, *_INTERNET):
                if context == "nat-gateway" and hop.kind in _AT_THE_ENDS:  # I4: the NAT gateway's own subnet
                    hop = attrs.evolve(hop, detail=f"in the NAT gateway's subnet: {hop.detail}")
                yield context, hop
            elif hop.kind not in ("network-interface", "internet"):
                yield "other", hop  # load balancers, NAT instances, VPN, endpoints, link-local services

    def segments(self, hops: list[Hop], reply: bool) -> tuple[int, int]:
        """Where a walk stops being at its sending interface and subnet, and starts being at its receiving ones."""
        leave = 0
        if hops and hops[0].kind == "network-interface":
            while leave < len(hops) and hops[leave].kind in _LEAVING:
                leave += 1
            if leave < len(hops) and hops[leave].kind in ("route-table", "subnet"):
                leave += 1
        end = len(hops) - 1 if hops and hops[-1].kind == "client" else len(hops)
        arrive = end
        while arrive > leave and hops[arrive - 1].kind in _ARRIVING:
            arrive -= 1
        receivers = self.receivers(hops, reply)
        interfaces = {h.component for h in hops[arrive:end] if h.kind == "network-interface"}
        if interfaces and interfaces <= receivers.keys():
            if arrive > leave and hops[arrive - 1].kind == "nacl-ingress":
                arrive -= 1
            return leave, arrive
        last = hops[end - 1] if end > leave else None
        if not interfaces and last is not None and last.kind == "nacl-ingress" and last.packet is not None:
            entering = last.packet.dst
            if any(entering in e.addresses and e.subnet.network_acl.id == last.component for e in receivers.values()):
                return leave, end - 1  # dropped by the receiving subnet's network ACL
        return leave, end

    def nat_addressed(self, hop: Hop) -> bool:
        if hop.packet is None:
            return False
        ends = (hop.packet.src, hop.packet.dst)
        return any(n.network_interface is not None and n.network_interface.private_ip in ends
                   for n in self.net.nat_gateways)  # fmt: skip

    def receivers(self, hops: list[Hop], reply: bool) -> dict[str, NetworkInterface]:
        """The interfaces a walk is meant to reach: the other end, or the target a load balancer chose."""
        end = self.source if reply else self.destination
        found = {end.id: end} if end is not None else {}
        balanced = next((i for i, h in enumerate(hops) if h.kind == "load-balancer"), None)
        if not reply and balanced is not None:
            for hop in hops[balanced:]:
                if hop.kind == "network-interface" and isinstance(
                    eni := self.net.get(hop.component), NetworkInterface
                ):
                    found[eni.id] = eni
        return found

    def route_target(self, hop: Hop) -> str | None:
        table = self.net.get(hop.component)
        assert isinstance(table, RouteTable)
        return next((r.target for r in table.routes if r.destination_key == str(hop.rule)), None)

    def route_evidence(self, hop: Hop, target: str, reply: bool) -> Iterator[tuple[str, Hop]]:
        """What the route at a walk's sending subnet says beyond itself: the internet gateway it sends to (I1, I2),
        or that both ends share a VPC (R4)."""
        if target != LOCAL and target_kind(target) in _INTERNET:
            yield "internet-gateway", hop
        elif target == LOCAL and not reply and self.destination is not None and not hop.dropped:
            table = self.net.get(hop.component)
            assert isinstance(table, RouteTable)
            same = f"same VPC: {table.id} routes {hop.rule} to local (R4)"
            yield "placement", attrs.evolve(hop, component=table.vpc.id, spec="R4", detail=same)

    # ------------------------------------------------------------ answers

    def item(self, name: str) -> ChecklistItem:
        hops = self.evidence.get(name)
        if hops:
            failing = next((h for h in hops if h.dropped), None)
            if failing is not None:
                return _answer(name, FAIL, failing.component, failing.rule, failing.detail, failing.explanation)
            shown = next((h for h in hops if (h.kind, h.action) == _SHOWN.get(name)), hops[0])
            return _answer(name, PASS, shown.component, shown.rule, shown.detail)
        reason = self.not_applicable(name)
        if reason is not None:
            return _answer(name, NOT_APPLICABLE, detail=reason)
        checked = {"instance-state": self.instance_state, "placement": self.placement, "public-ip": self.public_ip,
                   "internet-gateway": self.internet_gateway}.get(name)  # fmt: skip
        if checked is not None:
            return checked(name)
        if self.end.dropped:
            why = f" ({self.end.explanation})" if self.end.explanation else ""
            return _answer(name, NOT_APPLICABLE, detail=f"not reached: the flow stops at {self.end.component}{why}")
        return _answer(name, NOT_APPLICABLE, detail="not on this flow's path")

    def not_applicable(self, name: str) -> str | None:
        """Why an item without evidence does not apply to this flow, or None when it does."""
        t, source, destination = self.trace, self.source, self.destination
        if t.destination.kind == "link-local" and name not in ("instance-state", "other"):
            return f"{t.destination.label} answers the instance itself: no route, ACL or group applies (M1)"
        if name in _REPLY_CHECKS and reply_packet(t.packet) is None:
            return f"{protocol_name(t.packet.protocol)} type {t.packet.dst_port} has no reply"
        if name in _SOURCE_SIDE and source is None:
            return f"the source ({t.source.label}) is outside the VPCs"
        if name in _DESTINATION_SIDE and destination is None:
            return f"the destination ({t.destination.label}) is outside the VPCs"
        same_subnet = source is not None and destination is not None and source.subnet is destination.subnet
        if name in _SUBNET_CHECKS and same_subnet:
            return "same subnet: delivered directly, no route table or network ACL (R5)"
        if name == "placement" and (source is None or destination is None):
            return "one end is outside the VPCs"
        if name == "placement" and destination is not None and t.destination.address not in destination.addresses:
            return f"the destination is addressed by its public IP {t.destination.address}: through the internet"
        if name in ("public-ip", "internet-gateway"):
            end, egress = self.internet_end()
            if end is None:
                return "neither end is on the internet"
            if egress and "nat-gateway" in self.evidence:
                return "the flow reaches the internet through a NAT gateway (see nat-gateway)"
            if name == "public-ip" and t.packet.version == 6:
                return "IPv6 addresses are global: no public IPv4 is needed"
        others = {
            "nat-gateway": "no NAT gateway on the path",
            "source-dest-check": "no network interface on the path checks it",
            "other": "no load balancer, appliance, VPN or link-local service on the path",
        }
        if name in others:
            return others[name]
        if name == "instance-state" and not self.instances():
            return "no instance at either end"
        return None

    def instances(self) -> list[NetworkInterface]:
        return [e for e in (self.source, self.destination) if e is not None and not e.requester_managed]

    def instance_state(self, name: str) -> ChecklistItem:
        running = []
        for eni in self.instances():
            instance, down = eni.instance, self.net.down(eni)
            if instance is None or instance.state != "running" or down is not None:
                state = f"{eni.id} is detached" if instance is None else f"{instance.id} is {instance.state}"
                return _answer(name, FAIL, eni.id, detail=down or state, explanation="BAD_STATE")
            running.append(f"{instance.id} ({instance.name})" if instance.name else instance.id)
        return _answer(name, PASS, self.instances()[0].id, detail=f"{' and '.join(running)} running")

    def placement(self, name: str) -> ChecklistItem:
        source, destination = self.source, self.destination
        assert source is not None  # not_applicable() answered otherwise
        assert destination is not None
        here, there = source.vpc, destination.vpc
        if here is there:
            return _answer(name, PASS, here.id, detail=f"same VPC {here.id}: the local route joins its subnets (R4)")
        for pcx in self.net.vpc_peering_connections:
            if pcx.status == "active" and pcx.joins(here) and pcx.joins(there):
                return _answer(name, PASS, pcx.id, detail=f"{pcx.id} peers {here.id} and {there.id}: each side needs "
                               "a route to the other (I5)")  # fmt: skip
        for tgw in self.net.transit_gateways:
            attached = {a.vpc.id for a in self.net.transit_gateway_attachments
                        if a.transit_gateway is tgw and a.vpc is not None}  # fmt: skip
            if {here.id, there.id} <= attached:
                return _answer(name, PASS, tgw.id, detail=f"{here.id} and {there.id} attach to {tgw.id}")
        return _answer(name, FAIL, here.id, detail=f"{here.id} and {there.id} are not peered and share no transit "
                       "gateway: create a peering connection or attach both to a transit gateway (I5)")  # fmt: skip

    def internet_end(self) -> tuple[NetworkInterface | None, bool]:
        """The interface at the VPC end of an internet flow, and whether it sends (egress); (None, False) else."""
        if self.trace.destination.kind == "internet" and self.source is not None:
            return self.source, True
        if self.trace.source.kind == "internet" and self.destination is not None:
            return self.destination, False
        return None, False

    def public_ip(self, name: str) -> ChecklistItem:
        eni, egress = self.internet_end()
        assert eni is not None  # not_applicable() answered otherwise
        address = (self.trace.source if egress else self.trace.destination).address
        if address not in eni.addresses:
            return _answer(name, PASS, eni.id, detail=f"the internet addresses {address}, a public IP of {eni.id}")
        public = next((p for private, p in eni.public_ips.items() if private == address), None)
        if public is not None:
            return _answer(name, PASS, eni.id, detail=f"{address} is {public} on the internet (P3)")
        code = "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS" if egress else "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
        return _answer(name, FAIL, eni.id, detail=f"{address} of {eni.id} has no public IPv4 or Elastic IP: "
                       "associate an Elastic IP (I1, I2)", explanation=code)  # fmt: skip

    def internet_gateway(self, name: str) -> ChecklistItem:
        eni, egress = self.internet_end()
        assert eni is not None  # not_applicable() answered otherwise
        igw = next((g for g in self.net.internet_gateways if g.vpc is eni.vpc), None)
        if igw is None:
            return _answer(name, FAIL, eni.vpc.id, detail=f"no internet gateway is attached to {eni.vpc.id} (I1)",
                           explanation="NO_ROUTE_TO_DESTINATION")  # fmt: skip
        table = eni.subnet.route_table
        outside = (self.trace.destination if egress else self.trace.source).address
        route = lookup_route(table.routes, outside, self.prefix_list)
        everything = "0.0.0.0/0" if outside.version == 4 else "::/0"
        if route is None:
            return _answer(name, FAIL, table.id, detail=f"no route to {outside}: add {everything} -> {igw.id}",
                           explanation="NO_ROUTE_TO_DESTINATION")  # fmt: skip
        key = route.destination_key
        if route.state != "active":
            return _answer(name, FAIL, table.id, key, f"{route} is a blackhole", "BAD_STATE_ROUTE")
        if route.target == igw.id:
            return _answer(name, PASS, table.id, key, f"-> {igw.id}, attached to {eni.vpc.id}")
        if not egress and route.target_kind == "nat-gateway":
            return _answer(name, FAIL, table.id, key, f"replies to the internet go to {route.target}, not {igw.id}: "
                           "the instance is in a private subnet (I2)")  # fmt: skip
        return _answer(name, NOT_APPLICABLE, table.id, key, f"internet traffic goes to {route.target}")

    def prefix_list(self, prefix_list_id: str) -> ManagedPrefixList | None:
        return next((p for p in self.net.managed_prefix_lists if p.id == prefix_list_id), None)


def _context(kinds: set[str], target: str | None) -> str:
    """The item that the middle of a walk (between its two ends) answers, by the gateways on it."""
    via = None if target is None or target == LOCAL else target_kind(target)
    if "nat-gateway" in kinds or via == "nat-gateway":
        return "nat-gateway"
    if kinds & _ELSEWHERE or via in ("network-interface", "instance", "vpn-gateway", "vpc-endpoint"):
        return "other"
    if kinds & _PLACEMENT or via in ("vpc-peering-connection", "transit-gateway"):
        return "placement"
    if kinds & _INTERNET or via in _INTERNET:
        return "internet-gateway"
    return "other"


def _answer(
    name: str,
    status: str,
    component: str | None = None,
    rule: int | str | None = None,
    detail: str = "",
    explanation: str | None = None,
) -> ChecklistItem:
    title, spec = CHECKS[name]
    return ChecklistItem(name, title, status, component, rule, detail, explanation, spec)
