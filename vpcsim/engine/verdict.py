"""What a walk decides: dispositions, explanation codes, hops and the :class:`Trace` users read (SPEC V)."""

from __future__ import annotations

import enum
import html
from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPAddress, protocol_name

if TYPE_CHECKING:
    from vpcsim.engine.endpoints import Endpoint

__all__ = ["EXPLANATIONS", "Disposition", "Hop", "Packet", "Trace"]


class Disposition(enum.StrEnum):
    """Where a packet's walk ended, in Batfish's words (SPEC V)."""

    ACCEPTED = "ACCEPTED"
    DENIED_OUT = "DENIED_OUT"
    DENIED_IN = "DENIED_IN"
    NO_ROUTE = "NO_ROUTE"
    NULL_ROUTED = "NULL_ROUTED"
    EXITS_NETWORK = "EXITS_NETWORK"
    LOOP = "LOOP"


# SPEC V: explanation codes. Reachability Analyzer's names where it has one; the rest are vpcsim's, marked so.
EXPLANATIONS: dict[str, str] = {
    "ENI_SG_RULES_MISMATCH": "no rule of the network interface's security groups allows the packet",
    "SUBNET_ACL_RESTRICTION": "the subnet's network ACL denies the packet",
    "NO_ROUTE_TO_DESTINATION": "no route matches the destination",
    "BAD_STATE_ROUTE": "the matching route is a blackhole: its target is gone or not usable",
    "BAD_STATE_ATTACHMENT": "the gateway is not attached: a VPN whose virtual private gateway has no VPC",
    "BAD_STATE": "the component is not in a functional state (stopped instance, detached interface)",
    "ENI_SOURCE_DEST_CHECK_RESTRICTION": "source/destination check is on, and the packet is not its own",
    "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS": "the internet gateway drops a packet from an address with no public IP",
    "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS": "the internet gateway does not route to private addresses",
    "NGW_REQUIRES_SOURCE_IN_VPC": "a NAT gateway translates traffic of its own VPC (or a transit gateway) only",
    "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR": "a peering connection carries only traffic between the two VPCs' CIDRs",
    "PROTOCOL_RESTRICTION": "the component does not carry this protocol",
    "TGW_RTB_CANNOT_ROUTE": "no route of the transit gateway route table matches the destination",
    "TGW_ATTACHMENT_AZ": "the transit gateway attachment has no subnet in the sender's Availability Zone",
    "ELB_LISTENER_PORT_RESTRICTION": "the load balancer has no listener for the packet's protocol and port (L1)",
    "ELB_INSTALLED_AZ_RESTRICTION": "the load balancer sends only to targets in its enabled Availability Zones (L1)",
    "ELBV2_NO_TARGETS_IN_AZ": "cross-zone is off and the node's Availability Zone has no target to send to (L2)",
    "ELBV2_SOURCE_ADDRESS_PRESERVATION": "the load balancer keeps the client's IP, which the target does not accept "
    "(its security group does not allow the client, or the client is the target itself: L1)",
    # vpcsim's own codes, where Reachability Analyzer has none:
    "NGW_UNSOLICITED_INBOUND": "a NAT gateway drops inbound packets that answer no connection it made (I4)",
    "EIGW_UNSOLICITED_INBOUND": "an egress-only internet gateway drops inbound packets it did not see leave (I3)",
    "EIGW_REQUIRES_IPV6": "an egress-only internet gateway carries IPv6 only (I3)",
    "NO_EDGE_TO_EDGE_ROUTING": "what entered through a gateway or peering cannot leave through this one (I5)",
    "ADDRESS_NOT_ASSIGNED": "the destination address is in the VPC, but no network interface holds it",
    "NO_ROUTE_OUTSIDE_VPN": "the virtual private gateway has no VPN route to the destination",
    "IMDS_DISABLED": "the instance's metadata endpoint is disabled (M2)",
    "LINK_LOCAL_NOT_ROUTED": "169.254.168.0/22 is never routed: only the instance itself answers (R8, M1)",
    "REPLY_SOURCE_MISMATCH": "the reply reaches the client from another address or port than it asked (asymmetric)",
    "ROUTING_LOOP": "the packet came back to a place it had been with the same headers",
    "ELBV2_NO_TARGETS": "the listener's target group has no usable target (none registered, or all stopped) (L1)",
    "ELBV2_NO_HEALTHY_TARGETS": "no target passes this node's health checks while others' do (L2)",
}


@attrs.frozen
class Packet:
    """One IP packet's headers. For ICMP, ``dst_port`` is the type and ``src_port`` the code, as EC2 encodes them;
    protocols without ports carry None."""

    protocol: int
    src: IPAddress
    dst: IPAddress
    src_port: int | None = None
    dst_port: int | None = None

    @property
    def version(self) -> int:
        return self.src.version

    @property
    def has_ports(self) -> bool:
        return self.protocol in (6, 17)

    def __str__(self) -> str:
        name = protocol_name(self.protocol)
        if self.has_ports:
            return f"{name} {_hostport(self.src, self.src_port)} -> {_hostport(self.dst, self.dst_port)}"
        if self.protocol in (1, 58):
            return f"{name} {self.src} -> {self.dst} type {self.dst_port} code {self.src_port}"
        return f"{name} {self.src} -> {self.dst}"


def _hostport(address: IPAddress, port: int | None) -> str:
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


@attrs.frozen
class Hop:
    """One step of a walk: the component passed, what it did and the rule that decided.

    ``kind`` names the step (``"security-group-egress"``, ``"nacl-ingress"``, ``"route-table"``,
    ``"internet-gateway"``...); ``action`` is ``allow``, ``deny``, ``forward``, ``translate``, ``deliver``,
    ``exit`` or ``drop``; ``rule`` is the NACL rule number, SG rule id or route destination that decided;
    ``spec`` the SPEC rule id behind it; ``packet`` the headers as the step saw them.
    """

    component: str
    kind: str
    action: str
    rule: int | str | None = None
    detail: str = ""
    spec: str = ""
    explanation: str | None = None
    packet: Packet | None = None

    @property
    def dropped(self) -> bool:
        return self.action in ("deny", "drop")

    def __str__(self) -> str:
        rule = f" rule {self.rule}" if self.rule is not None else ""
        why = f" [{self.explanation}]" if self.explanation else ""
        spec = f" (SPEC {self.spec})" if self.spec else ""
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.kind:<30} {self.component:<24} {self.action.upper()}{rule}{detail}{why}{spec}"


@attrs.define(eq=False, kw_only=True)
class Trace:
    """One flow walked hop by hop (DESIGN contract): the forward packet and, when it got through, its reply.

    ``disposition`` and ``explanation`` describe this packet's walk; ``connected`` is what "A can reach B" means:
    the packet was delivered and the reply made it back. ``blockers`` lists every hop along the intended path, both
    ways, that would also have dropped the flow, so one call shows every change needed.
    """

    source: Endpoint
    destination: Endpoint
    packet: Packet
    disposition: Disposition
    explanation: str | None
    hops: list[Hop]
    delivered: bool
    reply: Trace | None = None
    blockers: list[Hop] = attrs.field(factory=list)
    is_reply: bool = False

    @property
    def connected(self) -> bool:
        """Delivered, and the reply (if the protocol has one) came back."""
        if not self.delivered:
            return False
        return self.reply is None or self.reply.delivered

    @property
    def decided_by(self) -> Hop | None:
        """The hop that dropped the packet (None when it was delivered or left the network)."""
        return next((h for h in self.hops if h.dropped), None)

    @property
    def components(self) -> list[str]:
        """Ids of the components passed, in order, without repeats in a row."""
        seen: list[str] = []
        for hop in self.hops:
            if not seen or seen[-1] != hop.component:
                seen.append(hop.component)
        return seen

    def _headline(self) -> str:
        what = "Reply" if self.is_reply else "Trace"
        label = f"{self.source.label} -> {self.destination.label}"
        verdict = str(self.disposition) + (f" ({self.explanation})" if self.explanation else "")
        return f"{what} {self.packet}  [{label}]: {verdict}"

    def _lines(self) -> list[str]:
        lines = [self._headline()]
        lines += [f"  {i:>2}. {hop}" for i, hop in enumerate(self.hops, 1)]
        return lines

    def __str__(self) -> str:
        lines = self._lines()
        if self.reply is not None:
            lines += self.reply._lines()
        if not self.is_reply:
            state = "connected" if self.connected else "not connected"
            lines.append(f"=> {state}")
            if self.blockers:
                lines.append("Blocked by (every setting on the intended path that drops the flow):")
                lines += [f"   - {hop}" for hop in self.blockers]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Trace {self.packet} {self.disposition}{' connected' if self.connected else ''}>"

    def _table(self) -> str:
        rows = "".join(
            "<tr{style}><td>{i}</td><td>{kind}</td><td><code>{component}</code></td><td>{action}</td>"
            "<td>{rule}</td><td>{detail}</td><td>{why}</td><td>{spec}</td></tr>".format(
                style=' style="background:#fdd"' if hop.dropped else "",
                i=i,
                kind=html.escape(hop.kind),
                component=html.escape(hop.component),
                action=html.escape(hop.action),
                rule=html.escape("" if hop.rule is None else str(hop.rule)),
                detail=html.escape(hop.detail),
                why=html.escape(hop.explanation or ""),
                spec=html.escape(hop.spec),
            )
            for i, hop in enumerate(self.hops, 1)
        )
        head = "".join(f"<th>{h}</th>" for h in ("#", "step", "component", "action", "rule", "detail", "why", "SPEC"))
        return f"<p><b>{html.escape(self._headline())}</b></p><table><tr>{head}</tr>{rows}</table>"

    def _repr_html_(self) -> str:
        parts = [self._table()]
        if self.reply is not None:
            parts.append(self.reply._table())
        if not self.is_reply:
            parts.append(f"<p><b>{'connected' if self.connected else 'not connected'}</b></p>")
            if self.blockers:
                items = "".join(f"<li>{html.escape(str(hop))}</li>" for hop in self.blockers)
                parts.append(f"<p>Blocked by:</p><ul>{items}</ul>")
        return "".join(parts)
