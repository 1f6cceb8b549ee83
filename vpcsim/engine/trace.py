"""The scalar packet walk: one flow, every hop recorded with the rule that decided (the reference engine).

A flow is walked forward from its source; when it arrives (or leaves the network towards an outside destination)
the reply is walked back with addresses and ports swapped. Security groups let the reply through where the
forward packet opened a tracked connection (G4); NACLs and routes are checked again (N4); NAT gateway and
internet gateway translations are reversed. A dropped flow is walked again with every drop waived, so
:attr:`Trace.blockers` lists every setting on the intended path that would also stop it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import attrs

from vpcsim.addr import IPAddress, parse_protocol, protocol_name
from vpcsim.engine.endpoints import (
    LINK_LOCAL,
    LINK_LOCAL_SERVICES,
    Endpoint,
    load_balancer_named,
    resolve_endpoints,
)
from vpcsim.engine.rules import lookup_route, match_nacl, match_security_groups
from vpcsim.engine.verdict import Disposition, Hop, Packet, Trace
from vpcsim.errors import AwsError, InvalidFlowError
from vpcsim.model.gateways import EgressOnlyInternetGateway, InternetGateway, NatGateway, VpcEndpoint, VpnGateway
from vpcsim.model.interface import Instance, NetworkInterface
from vpcsim.model.load_balancer import PROTOCOL_NUMBERS, Listener, LoadBalancer
from vpcsim.model.peering import VpcPeeringConnection
from vpcsim.model.prefix_list import ManagedPrefixList
from vpcsim.model.route_table import LOCAL, RouteTable
from vpcsim.model.transit_gateway import TransitGateway, TransitGatewayAttachment

if TYPE_CHECKING:
    from vpcsim.model.gateways import VpnConnection
    from vpcsim.model.subnet import Subnet
    from vpcsim.model.vpc import Vpc
    from vpcsim.network import Network

__all__ = ["EPHEMERAL_PORTS", "flow_packet", "reply_packet", "trace"]

# SPEC N4: the client's ephemeral source ports when a flow gives none; a trace uses the lowest of the range, so
# a NACL that opens only part of the range is caught. NAT gateways remap into 1024-65535.
EPHEMERAL_PORTS = {"linux": (32768, 60999), "windows": (49152, 65535), "nat-gateway": (1024, 65535)}
_ICMP_REPLIES = {(1, 8): 0, (1, 13): 14, (1, 15): 16, (1, 17): 18, (58, 128): 129}
_ICMP_ECHO = {4: 8, 6: 128}
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
_ICMP6_TO_4 = {128: 8, 129: 0}
_ICMP4_TO_6 = {8: 128, 0: 129}
_MAX_HOPS = 256

# Addresses the internet does not route (RFC 1918, shared, loopback, link-local, "this network").
_NOT_ON_INTERNET = [
    ipaddress.ip_network(c)
    for c in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
              "0.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128", "ff00::/8", "::/128")
]  # fmt: skip

# Where a packet entered the VPC it is in (SPEC I5: no transit, no edge-to-edge routing).
_FROM_INSIDE = "local"


class _Stop(Exception):
    def __init__(self, disposition: Disposition, explanation: str | None) -> None:
        self.disposition = disposition
        self.explanation = explanation


@attrs.frozen
class _LbEntry:
    """What a load balancer node did to a forward packet, so it can undo it for the reply (L1, L3)."""

    request: Packet  # as the client sent it to the node (its private address)
    out: Packet  # as the node sent it to the target
    preserved: bool


@attrs.define
class _Connection:
    """State a forward packet leaves behind for its reply: tracked SGs (G4), NAT entries (I4), EIGW (I3)."""

    tracked: set[str] = attrs.field(factory=set)
    nat: dict[str, tuple[Packet, int | None]] = attrs.field(factory=dict)  # the request, its new source port
    masquerade: dict[str, tuple[IPAddress, IPAddress]] = attrs.field(factory=dict)
    egress_only: set[str] = attrs.field(factory=set)
    exit: tuple[object, ...] | None = None
    ephemeral: bool = False  # the client's source port is a default one (N4): NAT gateways pick theirs
    lb: dict[str, _LbEntry] = attrs.field(factory=dict)  # load balancer node ENI id -> what it did
    lb_pick: int = 0  # which candidate target the first load balancer sends to (the driver tries each)
    lb_options: int = 0  # how many candidates it had (0: the walk met no load balancer)


@attrs.define
class _Outcome:
    disposition: Disposition
    explanation: str | None
    hops: list[Hop]
    blockers: list[Hop]
    packet: Packet  # as it arrived
    end: NetworkInterface | str | None  # the ENI it was delivered to, "link-local", or None
    exit: tuple[Any, ...] | None = None  # where it left the network, if it did
    via: tuple[NetworkInterface, ...] = ()  # the load balancer nodes that sent it on towards ``end``


class _Walk:
    """One packet's walk. ``reply`` walks use the connection state the forward walk left; ``force`` waives drops."""

    def __init__(self, net: Network, connection: _Connection, *, reply: bool, force: bool) -> None:
        self.net = net
        self.conn = connection
        self.reply = reply
        self.force = force
        self.hops: list[Hop] = []
        self.blockers: list[Hop] = []
        self.first_drop: tuple[Disposition, str | None] | None = None
        self.visited: set[tuple[str, Packet]] = set()
        self.packet: Packet | None = None
        self.end: NetworkInterface | str | None = None
        self.exit: tuple[Any, ...] | None = None  # where the packet left the network: ("internet",), ("vpn", v)
        self.via: NetworkInterface | None = None  # the load balancer node that forwarded it last
        self.vias: list[NetworkInterface] = []  # every load balancer node that forwarded it (one behind another)
        # SPEC L1 with NLB security groups: the client's address a node passes on stands for the node in target SG
        # rules that reference the node's groups (AWS: such rules admit traffic through the NLB).
        self.preserved: tuple[IPAddress, frozenset[str]] | None = None
        self._nodes: dict[str, LoadBalancer] | None = None

    # ------------------------------------------------------------ recording

    def run(self, start: tuple[Any, ...], packet: Packet) -> _Outcome:
        self.packet = packet
        try:
            self._dispatch(start, packet)
        except _Stop as stop:
            disposition, explanation = stop.disposition, stop.explanation
        else:  # pragma: no cover - every path ends in _Stop
            raise AssertionError("walk ended without a disposition")
        if self.first_drop is not None:
            disposition, explanation = self.first_drop
        return _Outcome(
            disposition, explanation, self.hops, self.blockers, self.packet, self.end, self.exit, tuple(self.vias)
        )

    def _dispatch(self, start: tuple[Any, ...], packet: Packet) -> None:
        kind, args = start[0], start[1:]
        if kind == "eni":
            self.eni_out(args[0], packet, _FROM_INSIDE)
        elif kind == "internet":
            self.internet(packet)
        elif kind == "vpn":
            self.vpn_in(args[0], packet)
        elif kind == "vpc-endpoint":
            endpoint = args[0]
            self.hop(endpoint.id, "vpc-endpoint", "forward", detail=f"from {endpoint.service_name}", packet=packet)
            self.enter_vpc(endpoint.vpc, packet, "vpc-endpoint")
        elif kind == "link-local":
            eni = args[1]
            self.hop(args[0], "link-local-service", "forward", detail="answers its own instance", spec="M1",
                     packet=packet)  # fmt: skip
            self.end = eni
            self.stop(eni.id, "network-interface", Disposition.ACCEPTED, None, detail="reply delivered", spec="M1",
                      packet=packet)  # fmt: skip
        raise AssertionError(f"unknown start {kind}")  # pragma: no cover

    def hop(
        self,
        component: str,
        kind: str,
        action: str,
        *,
        rule: int | str | None = None,
        detail: str = "",
        spec: str = "",
        explanation: str | None = None,
        packet: Packet | None = None,
    ) -> Hop:
        if len(self.hops) >= _MAX_HOPS:
            self.stop(component, kind, Disposition.LOOP, "ROUTING_LOOP", detail="too many hops", packet=packet)
        hop = Hop(component, kind, action, rule, detail, spec, explanation, packet)
        self.hops.append(hop)
        return hop

    def check(
        self,
        ok: bool,
        component: str,
        kind: str,
        disposition: Disposition,
        explanation: str,
        *,
        rule: int | str | None = None,
        allow: str = "",
        deny: str = "",
        spec: str = "",
        packet: Packet,
        quiet: bool = False,
    ) -> None:
        """Record a filtering step; a drop ends the walk, unless drops are waived (then it is a blocker).

        ``quiet`` checks are recorded only when they drop (edge-to-edge and protocol restrictions).
        """
        if ok:
            if quiet:
                return
            self.hop(component, kind, "allow", rule=rule, detail=allow, spec=spec, packet=packet)
            return
        hop = self.hop(
            component, kind, "deny", rule=rule, detail=deny, spec=spec, explanation=explanation, packet=packet
        )
        if not self.force:
            raise _Stop(disposition, explanation)
        self.blockers.append(hop)
        self.first_drop = self.first_drop or (disposition, explanation)

    def stop(
        self,
        component: str,
        kind: str,
        disposition: Disposition,
        explanation: str | None,
        *,
        rule: int | str | None = None,
        detail: str = "",
        spec: str = "",
        packet: Packet | None = None,
    ) -> NoReturn:
        """End the walk here: a drop nothing could waive, a delivery or an exit."""
        action = {Disposition.ACCEPTED: "deliver", Disposition.EXITS_NETWORK: "exit"}.get(disposition, "drop")
        hop = Hop(component, kind, action, rule, detail, spec, explanation, packet)
        self.hops.append(hop)
        if packet is not None and not hop.dropped:
            self.packet = packet  # as it arrived or left the network: the reply answers this one
        if hop.dropped:
            self.blockers.append(hop)
        raise _Stop(disposition, explanation)

    def guard(self, component: str, kind: str, packet: Packet) -> None:
        """SPEC V: the same headers at the same place twice is a loop."""
        key = (component, packet)
        if key in self.visited:
            self.stop(component, kind, Disposition.LOOP, "ROUTING_LOOP", packet=packet,
                      detail=f"{packet.dst} came back here with the same headers")  # fmt: skip
        self.visited.add(key)

    def leave_network(self, where: tuple[Any, ...]) -> None:
        self.exit = where
        if not self.reply:
            self.conn.exit = self.conn.exit or where

    # ------------------------------------------------------------ lookups

    def prefix_list(self, prefix_list_id: str) -> ManagedPrefixList | None:
        found = self.net._index.get(prefix_list_id)
        return found if isinstance(found, ManagedPrefixList) else None

    def group_members(self, vpc: Vpc) -> Callable[[str, IPAddress], bool]:
        """SPEC G2: an SG reference matches private addresses of ENIs carrying it, in the VPC or a peered one."""
        scope = [vpc] + [
            p.peer_of(vpc) for p in self.net.vpc_peering_connections if p.status == "active" and p.joins(vpc)
        ]

        preserved = self.preserved

        def members(group_id: str, address: IPAddress) -> bool:
            if preserved is not None and address == preserved[0] and group_id in preserved[1]:
                return True  # the client's address, passed on by a node carrying that group (L1)
            for candidate in scope:
                for subnet in self.net.subnets:
                    if subnet.vpc is candidate and (owner := subnet.used_addresses.get(address)) is not None:
                        eni = self.net._index.get(owner)
                        return isinstance(eni, NetworkInterface) and any(
                            g.id == group_id for g in eni.security_groups
                        )
            return False

        return members

    def holder(self, vpc: Vpc, address: IPAddress) -> tuple[Subnet | None, NetworkInterface | None]:
        for subnet in self.net.subnets:
            if subnet.vpc is vpc and subnet.contains(address):
                owner = subnet.used_addresses.get(address)
                found = self.net._index.get(owner) if owner is not None else None
                return subnet, found if isinstance(found, NetworkInterface) else None
        return None, None

    def nat_of(self, eni: NetworkInterface) -> NatGateway | None:
        return next((n for n in self.net.nat_gateways if n.network_interface is eni), None)

    def lb_of(self, eni: NetworkInterface) -> LoadBalancer | None:
        if not eni.requester_managed:
            return None
        if self._nodes is None:
            self._nodes = self.net._lb_nodes()
        return self._nodes.get(eni.id)

    # ------------------------------------------------------------ network interfaces

    def eni_out(self, eni: NetworkInterface, packet: Packet, origin: str, *, forwarding: bool = False) -> NoReturn:
        """A packet leaving an ENI: link-local services (M1), SG egress (G1), source/dest check (E5), subnet."""
        role = "forwards" if forwarding else "sends"
        lb = self.lb_of(eni)
        owner = f"load balancer {lb.lb_name} node" if lb is not None else _owner(eni)
        self.hop(eni.id, "network-interface", "forward", detail=f"{owner} {role} {packet}", packet=packet)
        self.alive(eni, packet, Disposition.DENIED_OUT)
        if not forwarding and self.link_local(eni, packet):
            self.local_service(eni, packet)
        self.security_groups(eni, packet, egress=True)
        own = packet.src in eni.addresses
        if forwarding and self.lb_of(eni) is not None:
            own = True  # a load balancer node sends the client's address on (L1: client IP preservation)
        self.check(
            own or not eni.source_dest_check,
            eni.id,
            "source-dest-check",
            Disposition.DENIED_OUT,
            "ENI_SOURCE_DEST_CHECK_RESTRICTION",
            allow="source is the interface's own address" if own else "source/dest check is disabled",
            deny=f"source {packet.src} is not an address of {eni.id} and source/dest check is on",
            spec="E5",
            packet=packet,
        )
        self.leave_subnet(eni.subnet, packet, origin)

    def alive(self, eni: NetworkInterface, packet: Packet, disposition: Disposition) -> None:
        instance = eni.instance
        down = self.net.down(eni)
        if down is not None:  # an injected failure (net.fail, net.fail_az)
            self.check(False, eni.id, "instance-state", disposition, "BAD_STATE", deny=down, packet=packet)
        if eni.requester_managed:
            return
        if instance is not None and instance.state == "running":
            return  # recorded only when it drops: a running host is the normal case
        state = "detached" if instance is None else f"{instance.id} is {instance.state}"
        self.check(False, eni.id, "instance-state", disposition, "BAD_STATE", deny=state, packet=packet)

    def security_groups(self, eni: NetworkInterface, packet: Packet, *, egress: bool) -> None:
        if eni.requester_managed and not eni.security_groups:
            return  # NAT gateway and transit gateway interfaces have no security groups
        kind = "security-group-egress" if egress else "security-group-ingress"
        component = eni.security_groups[0].id if eni.security_groups else eni.id
        if self.reply and eni.id in self.conn.tracked:
            self.hop(component, kind, "allow", rule="tracked", detail="reply of a tracked connection", spec="G4",
                     packet=packet)  # fmt: skip
            return
        found = match_security_groups(
            eni.security_groups, packet, egress, self.prefix_list, self.group_members(eni.vpc)
        )
        groups = ", ".join(g.id for g in eni.security_groups) or "no security group"
        direction = f"to {packet.dst}" if egress else f"from {packet.src}"
        code, spec = "ENI_SG_RULES_MISMATCH", "G1"
        if not egress and not self.reply and self.via is not None:
            entry = self.conn.lb.get(self.via.id)
            if entry is not None and entry.preserved and entry.out.dst in eni.addresses:
                code, spec = "ELBV2_SOURCE_ADDRESS_PRESERVATION", "L1"
                direction += " (the client's address: the load balancer preserves it)"
        if found is not None:
            group, rule = found
            if not self.reply:
                self.conn.tracked.add(eni.id)
            self.hop(group.id, kind, "allow", rule=rule.id, detail=str(rule), spec="G1", packet=packet)
            return
        self.check(
            False,
            component,
            kind,
            Disposition.DENIED_OUT if egress else Disposition.DENIED_IN,
            code,
            deny=f"no rule of {groups} allows {protocol_name(packet.protocol)} {_port_text(packet)} {direction}",
            spec=spec,
            packet=packet,
        )
        if not self.reply:
            self.conn.tracked.add(eni.id)

    def arrive(self, eni: NetworkInterface, packet: Packet, origin: str = _FROM_INSIDE) -> NoReturn:
        """A packet reaching an ENI: state, NAT gateway, source/dest check (E5), SG ingress (G1), delivery."""
        nat = self.nat_of(eni)
        if nat is not None:  # the NAT gateway is the hop, as on the way out
            self.nat_answer(nat, packet)
        lb = self.lb_of(eni)
        if lb is not None:
            self.lb_arrive(lb, eni, packet)
        self.hop(eni.id, "network-interface", "forward", detail=f"{_owner(eni)} receives {packet}", packet=packet)
        self.alive(eni, packet, Disposition.DENIED_IN)
        own = packet.dst in eni.addresses
        self.check(
            own or not eni.source_dest_check,
            eni.id,
            "source-dest-check",
            Disposition.DENIED_IN,
            "ENI_SOURCE_DEST_CHECK_RESTRICTION",
            allow="destination is the interface's own address" if own else "source/dest check is disabled",
            deny=f"destination {packet.dst} is not an address of {eni.id} and source/dest check is on",
            spec="E5",
            packet=packet,
        )
        self.security_groups(eni, packet, egress=False)
        unmasked = self.conn.masquerade.get(eni.id) if self.reply else None
        if own and unmasked is not None and packet.dst == unmasked[1]:
            original = attrs.evolve(packet, dst=unmasked[0])
            self.hop(eni.id, "nat-instance", "translate", detail=f"{packet.dst} -> {original.dst} (masquerade)",
                     packet=original)  # fmt: skip
            self.eni_out(self.outgoing(eni, original), original, _FROM_INSIDE, forwarding=True)
        if own:
            self.end = eni
            self.stop(eni.id, "network-interface", Disposition.ACCEPTED, None, detail=f"delivered to {_owner(eni)}",
                      packet=packet)  # fmt: skip
        out = self.outgoing(eni, packet)
        forwarded = packet
        instance = eni.instance
        if instance is not None and instance.masquerade and not self.reply:
            own_address = out.private_ip if packet.version == 4 else next(iter(out.ipv6_addresses), None)
            if own_address is not None:  # an IPv6 packet from an ENI without IPv6 is forwarded as is
                forwarded = attrs.evolve(packet, src=own_address)
                self.conn.masquerade[out.id] = (packet.src, own_address)
                self.hop(out.id, "nat-instance", "translate", detail=f"{packet.src} -> {own_address} (masquerade)",
                         packet=forwarded)  # fmt: skip
                origin = _FROM_INSIDE
        self.eni_out(out, forwarded, origin, forwarding=True)

    def outgoing(self, eni: NetworkInterface, packet: Packet) -> NetworkInterface:
        """The ENI a forwarding instance sends from: the one on the destination's subnet, else its primary (the
        default route of the OS), else the one it received on."""
        instance = eni.instance
        if instance is None:
            return eni
        for candidate in instance.network_interfaces:
            if candidate.subnet.contains(packet.dst):
                return candidate
        return instance.primary_network_interface

    # ------------------------------------------------------------ link-local services (M1, R8)

    def link_local(self, eni: NetworkInterface, packet: Packet) -> bool:
        dns = eni.vpc.cidr_block.network_address + 2
        return packet.dst in LINK_LOCAL or packet.dst in LINK_LOCAL_SERVICES or packet.dst == dns

    def local_service(self, eni: NetworkInterface, packet: Packet) -> NoReturn:
        """SPEC M1: IMDS, DNS and time sync answer the sending instance itself; no route, NACL or SG applies."""
        dns_address = eni.vpc.cidr_block.network_address + 2
        service = "dns-resolver" if packet.dst == dns_address else LINK_LOCAL_SERVICES.get(packet.dst)
        instance = eni.instance
        if service is None or instance is None:
            self.stop(eni.id, "link-local", Disposition.NO_ROUTE, "LINK_LOCAL_NOT_ROUTED", spec="R8",
                      detail=f"{packet.dst} is link-local: nothing answers it here", packet=packet)  # fmt: skip
        component = f"{instance.id}:{service}"
        wanted = {"instance-metadata": ((6,), 80), "dns-resolver": ((6, 17), 53), "time-sync": ((17,), 123)}[service]
        if packet.protocol not in wanted[0] or packet.dst_port != wanted[1]:
            self.stop(component, service, Disposition.DENIED_IN, "PROTOCOL_RESTRICTION", spec="M1",
                      detail=f"{service} listens on {protocol_name(wanted[0][0])} {wanted[1]} only",
                      packet=packet)  # fmt: skip
        if service == "instance-metadata":
            options = instance.metadata_options
            enabled = options.http_endpoint == "enabled" and (
                packet.version == 4 or options.http_protocol_ipv6 == "enabled"
            )
            self.check(enabled, component, service, Disposition.DENIED_IN, "IMDS_DISABLED", spec="M2",
                       allow=f"IMDS of {instance.id} (tokens {options.http_tokens})",
                       deny=f"IMDS of {instance.id} is disabled" + (" for IPv6" if packet.version == 6 else ""),
                       packet=packet)  # fmt: skip
        elif service == "dns-resolver":
            self.check(eni.vpc.enable_dns_support, component, service, Disposition.DENIED_IN, "BAD_STATE",
                       allow="Route 53 Resolver", deny=f"DNS support is off in {eni.vpc.id}",
                       packet=packet)  # fmt: skip
        self.end = "link-local"
        self.stop(component, service, Disposition.ACCEPTED, None, detail=f"answered by {instance.id}'s host",
                  spec="M1", packet=packet)  # fmt: skip

    # ------------------------------------------------------------ subnets and routing

    def leave_subnet(self, subnet: Subnet, packet: Packet, origin: str) -> NoReturn:
        """SPEC R5: same subnet is delivered directly; else NACL egress (N2) and the subnet's route table (R1)."""
        if self.reply and self.conn.lb:
            self.lb_intercept(subnet, packet)
        if subnet.contains(packet.dst):
            target = self.holder(subnet.vpc, packet.dst)[1]
            self.hop(subnet.id, "subnet", "forward", detail="same subnet: delivered directly, no route table or NACL",
                     spec="R5", packet=packet)  # fmt: skip
            if target is None:
                self.stop(subnet.id, "subnet", Disposition.NO_ROUTE, "ADDRESS_NOT_ASSIGNED", packet=packet,
                          detail=f"no network interface holds {packet.dst}")  # fmt: skip
            self.arrive(target, packet, origin)
        self.nacl(subnet, packet, egress=True)
        self.route(subnet.route_table, subnet.vpc, packet, origin, subnet)

    def nacl(self, subnet: Subnet, packet: Packet, *, egress: bool) -> None:
        acl = subnet.network_acl
        allowed, rule = match_nacl(acl, packet, egress)
        where = f"leaving {subnet.id}" if egress else f"entering {subnet.id}"
        self.check(
            allowed,
            acl.id,
            "nacl-egress" if egress else "nacl-ingress",
            Disposition.DENIED_OUT if egress else Disposition.DENIED_IN,
            "SUBNET_ACL_RESTRICTION",
            rule=rule,
            allow=where,
            deny=where + (" (the * rule)" if rule >= 32767 else ""),
            spec="N1" if rule < 32767 else "N1, N3",
            packet=packet,
        )

    def enter_subnet(self, subnet: Subnet, packet: Packet, came_from: Subnet | None) -> None:
        if came_from is not subnet:
            self.nacl(subnet, packet, egress=False)

    def route(self, table: RouteTable, vpc: Vpc, packet: Packet, origin: str, came_from: Subnet | None) -> NoReturn:
        """SPEC R2/R3: longest prefix wins; R6: the target; blackholes drop."""
        self.guard(table.id, "route-table", packet)
        found = lookup_route(table.routes, packet.dst, self.prefix_list)
        if found is None:
            self.stop(table.id, "route-table", Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", spec="R2",
                      detail=f"no route to {packet.dst}", packet=packet)  # fmt: skip
        if found.state != "active":
            self.stop(table.id, "route-table", Disposition.NULL_ROUTED, "BAD_STATE_ROUTE", rule=found.destination_key,
                      detail=f"-> {found.target} is a blackhole", spec="R6", packet=packet)  # fmt: skip
        self.hop(table.id, "route-table", "forward", rule=found.destination_key, detail=f"-> {found.target}",
                 spec="R2", packet=packet)  # fmt: skip
        if found.target == LOCAL:
            self.local(vpc, packet, origin, came_from)
        target = self.net._index[found.target]
        if isinstance(target, InternetGateway):
            self.igw_out(target, packet, origin)
        if isinstance(target, EgressOnlyInternetGateway):
            self.eigw_out(target, packet, origin)
        if isinstance(target, NatGateway):
            self.nat_in(target, packet, origin, came_from)
        if isinstance(target, Instance | NetworkInterface):
            eni = target.primary_network_interface if isinstance(target, Instance) else target
            self.enter_subnet(eni.subnet, packet, came_from)
            self.arrive(eni, packet, origin)
        if isinstance(target, VpcPeeringConnection):
            self.peering(target, vpc, packet, origin)
        if isinstance(target, TransitGateway):
            self.tgw_in(target, vpc, packet, origin, came_from)
        if isinstance(target, VpnGateway):
            self.vgw_out(target, packet, origin)
        if isinstance(target, VpcEndpoint):
            self.endpoint_out(target, packet, origin)
        raise AssertionError(f"route target {found.target}")  # pragma: no cover

    def local(self, vpc: Vpc, packet: Packet, origin: str, came_from: Subnet | None) -> NoReturn:
        """SPEC R4: the local route delivers to the subnet holding the address, through its NACL (N2)."""
        subnet, eni = self.holder(vpc, packet.dst)
        if subnet is None or eni is None:
            self.stop(subnet.id if subnet else vpc.id, "subnet", Disposition.NO_ROUTE, "ADDRESS_NOT_ASSIGNED",
                      detail=f"no network interface holds {packet.dst}", packet=packet)  # fmt: skip
        self.enter_subnet(subnet, packet, came_from)
        self.arrive(eni, packet, origin)

    def enter_vpc(self, vpc: Vpc, packet: Packet, origin: str, gateway_table: RouteTable | None = None) -> NoReturn:
        """Traffic entering a VPC from a gateway: the gateway route table if any (R7), else the local route."""
        if gateway_table is None:
            if not vpc.contains(packet.dst):
                self.stop(vpc.id, "vpc", Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", packet=packet,
                          detail=f"{packet.dst} is not in {vpc.id}")  # fmt: skip
            self.local(vpc, packet, origin, None)
        self.route(gateway_table, vpc, packet, origin, None)

    # ------------------------------------------------------------ internet (P3, I1, I2, I3)

    def edge_to_edge(self, component: str, kind: str, origin: str, allowed: tuple[str, ...], packet: Packet) -> None:
        """SPEC I5: what entered through a peering, a VPN or another gateway cannot leave through this one."""
        self.check(origin in allowed, component, kind, Disposition.DENIED_IN, "NO_EDGE_TO_EDGE_ROUTING",
                   allow=f"entered the VPC via {origin}", spec="I5", packet=packet,
                   deny=f"the packet entered the VPC via {origin}: no edge-to-edge routing", quiet=True)  # fmt: skip

    def igw_out(self, igw: InternetGateway, packet: Packet, origin: str) -> NoReturn:
        """SPEC P3/I1: the IGW maps the private source to its public IPv4; IPv6 passes as is."""
        self.edge_to_edge(igw.id, "internet-gateway", origin, (_FROM_INSIDE, "transit-gateway"), packet)
        out = packet
        if packet.version == 4:
            assert igw.vpc is not None
            _, eni = self.holder(igw.vpc, packet.src)
            public = eni.public_ips.get(packet.src) if eni is not None else None  # type: ignore[arg-type]
            if public is None:
                self.check(False, igw.id, "internet-gateway", Disposition.DENIED_IN,
                           "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", spec="I1", packet=packet,
                           deny=f"{packet.src} has no public IPv4 or Elastic IP")  # fmt: skip
            else:
                out = attrs.evolve(packet, src=public)
                self.hop(igw.id, "internet-gateway", "translate", detail=f"source {packet.src} -> {public}",
                         spec="P3", packet=out)  # fmt: skip
        else:
            self.hop(igw.id, "internet-gateway", "forward", detail="IPv6: no translation", spec="I1", packet=out)
        self.internet(out)

    def eigw_out(self, eigw: EgressOnlyInternetGateway, packet: Packet, origin: str) -> NoReturn:
        self.edge_to_edge(eigw.id, "egress-only-internet-gateway", origin, (_FROM_INSIDE,), packet)
        self.check(packet.version == 6, eigw.id, "egress-only-internet-gateway", Disposition.DENIED_IN,
                   "EIGW_REQUIRES_IPV6", allow="IPv6 out", deny="IPv4 packet", spec="I3", packet=packet)  # fmt: skip
        if not self.reply:
            self.conn.egress_only.add(eigw.id)
        self.internet(packet)

    def internet(self, packet: Packet) -> NoReturn:
        """The internet: a public address of the model enters through its VPC's gateway; others exit (EXITS)."""
        dst = packet.dst
        if dst.version == 4:
            owner = self.net.public_ip_owner(dst)
            if owner is not None:
                eni, _ = owner
                igw = self._igw_of(eni.vpc)
                self.hop("internet", "internet", "forward", detail=f"{dst} is a public address of {eni.id}",
                         packet=packet)  # fmt: skip
                if igw is None:
                    self.stop(eni.vpc.id, "vpc", Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", packet=packet,
                              detail=f"{eni.vpc.id} has no internet gateway")  # fmt: skip
                self.igw_in(igw, packet)
        else:
            vpc = next((v for v in self.net.vpcs if v.contains(dst)), None)
            if vpc is not None:
                self.hop("internet", "internet", "forward", detail=f"{dst} is in {vpc.id}", packet=packet)
                eigws = [g for g in self.net.egress_only_internet_gateways if g.vpc is vpc]
                tracked = next((g for g in eigws if g.id in self.conn.egress_only), None)
                if self.reply and tracked is not None:
                    self.hop(tracked.id, "egress-only-internet-gateway", "allow", rule="tracked", spec="I3",
                             detail="reply of a connection that left through it", packet=packet)  # fmt: skip
                    self.enter_vpc(vpc, packet, "egress-only-internet-gateway")
                igw = self._igw_of(vpc)
                if igw is not None:
                    self.igw_in(igw, packet)
                if eigws:
                    self.stop(eigws[0].id, "egress-only-internet-gateway", Disposition.DENIED_IN,
                              "EIGW_UNSOLICITED_INBOUND", spec="I3", packet=packet,
                              detail="inbound traffic that answers no outbound connection")  # fmt: skip
                self.stop(vpc.id, "vpc", Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", packet=packet,
                          detail=f"{vpc.id} has no internet gateway")  # fmt: skip
        if any(dst in block for block in _NOT_ON_INTERNET):
            held = self._private_holder(dst)
            igw = self._igw_of(held.vpc) if held is not None else None
            if igw is not None:
                self.hop("internet", "internet", "forward", detail=f"towards {dst}", packet=packet)
                self.stop(igw.id, "internet-gateway", Disposition.DENIED_IN,
                          "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", spec="I2", packet=packet,
                          detail=f"{dst} is a private address: it has no public mapping")  # fmt: skip
            self.stop("internet", "internet", Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", packet=packet,
                      detail=f"{dst} is not routed on the internet")  # fmt: skip
        if any(eip.public_ip == dst and eip.network_interface is None for eip in self.net.elastic_ips):
            self.stop("internet", "internet", Disposition.NO_ROUTE, "NO_ROUTE_TO_DESTINATION", packet=packet,
                      detail=f"Elastic IP {dst} is not associated with anything")  # fmt: skip
        self.leave_network(("internet",))
        self.stop("internet", "internet", Disposition.EXITS_NETWORK, None, detail=f"to {dst} on the internet",
                  packet=packet)  # fmt: skip

    def _igw_of(self, vpc: Vpc) -> InternetGateway | None:
        return next((g for g in self.net.internet_gateways if g.vpc is vpc), None)

    def _private_holder(self, address: IPAddress) -> NetworkInterface | None:
        try:
            return self.net.network_interface_with(address)
        except ValueError:
            return None

    def igw_in(self, igw: InternetGateway, packet: Packet) -> NoReturn:
        """SPEC P3/I2: the IGW maps a public IPv4 back to the private one; R7: its edge route table, if any."""
        assert igw.vpc is not None
        inside = packet
        if packet.version == 4:
            owner = self.net.public_ip_owner(packet.dst)
            assert owner is not None
            inside = attrs.evolve(packet, dst=owner[1])
            self.hop(igw.id, "internet-gateway", "translate", detail=f"destination {packet.dst} -> {owner[1]}",
                     spec="P3", packet=inside)  # fmt: skip
        else:
            self.hop(igw.id, "internet-gateway", "forward", detail="IPv6: no translation", spec="I2", packet=inside)
        edge = igw.edge_association.route_table if igw.edge_association is not None else None
        self.enter_vpc(igw.vpc, inside, "internet-gateway", edge)

    # ------------------------------------------------------------ NAT gateways (I4)

    def nat_in(self, nat: NatGateway, packet: Packet, origin: str, came_from: Subnet | None) -> NoReturn:
        """SPEC I4: a NAT gateway SNATs TCP, UDP and ICMP to its own address, then routes in its subnet."""
        eni = nat.network_interface
        assert eni is not None
        self.enter_subnet(nat.subnet, packet, came_from)
        self.check(origin in (_FROM_INSIDE, "transit-gateway"), nat.id, "nat-gateway", Disposition.DENIED_IN,
                   "NGW_REQUIRES_SOURCE_IN_VPC", allow=f"from {origin}", spec="I4, I5", packet=packet,
                   deny=f"the packet entered the VPC via {origin}", quiet=True)  # fmt: skip
        nat64 = packet.version == 6 and packet.dst in _NAT64_PREFIX
        translatable = (
            packet.protocol in (1, 6, 17) if packet.version == 4 else nat64 and packet.protocol in (6, 17, 58)
        )
        self.check(translatable, nat.id, "nat-gateway", Disposition.DENIED_IN, "PROTOCOL_RESTRICTION", spec="I4",
                   allow="TCP, UDP or ICMP over IPv4, or NAT64",
                   deny=f"a NAT gateway does not translate {protocol_name(packet.protocol)}/IPv{packet.version}"
                   + ("" if nat64 or packet.version == 4 else f" outside {_NAT64_PREFIX} (NAT64)"),
                   packet=packet, quiet=True)  # fmt: skip
        port = self.nat_port(nat, packet)
        if nat64:  # AWS NAT64: 64:ff9b::/96 embeds the IPv4 destination; ICMPv6 echo becomes ICMP echo
            protocol = 1 if packet.protocol == 58 else packet.protocol
            dst_port = _ICMP6_TO_4.get(packet.dst_port or 0, packet.dst_port) if protocol == 1 else packet.dst_port
            v4 = ipaddress.IPv4Address(int(packet.dst) & 0xFFFFFFFF)
            out = Packet(protocol, eni.private_ip, v4, port, dst_port)
        else:
            out = attrs.evolve(packet, src=eni.private_ip, src_port=port)
        if not self.reply:
            self.conn.nat[nat.id] = (packet, port)
        self.hop(nat.id, "nat-gateway", "translate", detail=f"source {_endpoint(packet, 'src')} -> "
                 f"{_endpoint(out, 'src')}", spec="I4", packet=out)  # fmt: skip
        self.leave_subnet(nat.subnet, out, _FROM_INSIDE)

    def nat_port(self, nat: NatGateway, packet: Packet) -> int | None:
        """The source port the NAT gateway gives the translated packet (I4: 1024-65535)."""
        return self.proxy_port(packet)

    def proxy_port(self, packet: Packet) -> int | None:
        """The source port of a connection a NAT gateway or a proxying load balancer (ALB, NLB without client IP
        preservation) opens: 1024-65535 (SPEC N4; a trace uses the lowest when the client's port is a default)."""
        port = packet.src_port
        low = EPHEMERAL_PORTS["nat-gateway"][0]
        if packet.has_ports and port is not None and (self.conn.ephemeral or port < low):
            port = low
        return port

    def nat_entry(self, nat: NatGateway, packet: Packet) -> tuple[Packet, int | None] | None:
        """The translation a packet addressed to the NAT gateway answers: (the request, its new source port)."""
        entry = self.conn.nat.get(nat.id) if self.reply else None
        if entry is None or (packet.has_ports and packet.dst_port != entry[1]):
            return None
        return entry

    def nat_answer(self, nat: NatGateway, packet: Packet) -> NoReturn:
        """A packet addressed to a NAT gateway: the reply of a connection it made, or unsolicited (dropped)."""
        entry = self.nat_entry(nat, packet)
        if entry is None:
            self.stop(nat.id, "nat-gateway", Disposition.DENIED_IN, "NGW_UNSOLICITED_INBOUND", spec="I4",
                      detail="a NAT gateway accepts only replies to connections it translated",
                      packet=packet)  # fmt: skip
        request = entry[0]
        back = attrs.evolve(
            packet, dst=request.src, dst_port=request.src_port if packet.has_ports else packet.dst_port
        )
        if request.version == 6:  # NAT64 back: the IPv4 source inside 64:ff9b::/96, ICMP echo reply as ICMPv6
            embedded = ipaddress.IPv6Address(int(_NAT64_PREFIX.network_address) | int(packet.src))
            icmp = packet.protocol == 1
            back = Packet(58 if icmp else packet.protocol, embedded, request.src, packet.src_port,
                          _ICMP4_TO_6.get(packet.dst_port or 0) if icmp else request.src_port)  # fmt: skip
        self.hop(nat.id, "nat-gateway", "translate", detail=f"destination {_endpoint(packet, 'dst')} -> "
                 f"{_endpoint(back, 'dst')}", spec="I4", packet=back)  # fmt: skip
        self.leave_subnet(nat.subnet, back, _FROM_INSIDE)

    # ------------------------------------------------------------ load balancers (L1-L3)

    def lb_arrive(self, lb: LoadBalancer, node: NetworkInterface, packet: Packet) -> NoReturn:
        """A packet reaching a load balancer node: a client's (listener, target group, target: L1-L3), a target's
        reply (translated back), or the answer to the node's own health check (delivered)."""
        kind = "network" if lb.is_network else "application"
        self.hop(node.id, "network-interface", "forward", detail=f"{kind} load balancer {lb.lb_name} node in "
                 f"{node.availability_zone} receives {packet}", packet=packet)  # fmt: skip
        self.alive(node, packet, Disposition.DENIED_IN)
        entry = self.conn.lb.get(node.id) if self.reply else None
        if entry is not None and (packet.src, packet.src_port) == (entry.out.dst, entry.out.dst_port):
            self.security_groups(node, packet, egress=False)
            self.lb_back(lb, node, packet, entry)
        own = packet.dst in node.addresses
        self.check(own, node.id, "source-dest-check", Disposition.DENIED_IN, "ENI_SOURCE_DEST_CHECK_RESTRICTION",
                   allow="destination is the interface's own address", spec="E5", packet=packet,
                   deny=f"destination {packet.dst} is not an address of {node.id}")  # fmt: skip
        self.security_groups(node, packet, egress=False)
        if self.reply:
            self.end = node
            self.stop(node.id, "network-interface", Disposition.ACCEPTED, None, packet=packet,
                      detail=f"delivered to load balancer {lb.lb_name}")  # fmt: skip
        self.lb_forward(lb, node, packet)

    def lb_forward(self, lb: LoadBalancer, node: NetworkInterface, packet: Packet) -> NoReturn:
        from vpcsim.engine.health import node_route, preserves_client_ip

        listener = self.listener(lb, packet)
        if listener is None:
            listening = ", ".join(f"{x.protocol} {x.port}" for x in self.net.listeners if x.load_balancer is lb)
            self.stop(lb.id, "load-balancer-listener", Disposition.DENIED_IN, "ELB_LISTENER_PORT_RESTRICTION",
                      spec="L1", packet=packet, detail=f"{lb.lb_name} has no listener for "
                      f"{protocol_name(packet.protocol)} {_port_text(packet)} "
                      f"(listeners: {listening or 'none'})")  # fmt: skip
        tg = listener.target_group
        self.hop(listener.id, "load-balancer-listener", "forward", rule=f"{listener.protocol}:{listener.port}",
                 detail=f"{lb.lb_name} {listener.protocol} {listener.port} -> target group {tg.tg_name}", spec="L1",
                 packet=packet)  # fmt: skip
        route = node_route(self.net, node, listener)
        if not route.candidates:
            self.stop(tg.id, "target-group", Disposition.NO_ROUTE, route.code, spec="L2", detail=route.detail,
                      packet=packet)  # fmt: skip
        count = len(route.candidates)
        pick = 0
        if self.conn.lb_options == 0 and not self.reply:
            self.conn.lb_options = count
            pick = self.conn.lb_pick % count
        chosen = route.candidates[pick]
        earlier = self.conn.lb.get(node.id)
        if earlier is not None and earlier.request == packet:  # a later packet of the connection: the same target
            chosen = next(
                (c for c in route.candidates if (c.address, c.port) == (earlier.out.dst, earlier.out.dst_port)),
                chosen,
            )
            pick = route.candidates.index(chosen)
        self.hop(tg.id, "target-group", "forward", rule=chosen.target.id, spec="L2", packet=packet,
                 detail=f"to {chosen.label} ({pick + 1} of {route.detail})")  # fmt: skip
        preserved = preserves_client_ip(tg, lb)
        if preserved:
            out = attrs.evolve(packet, dst=chosen.address, dst_port=chosen.port)
            how = f"destination -> {chosen.address}:{chosen.port}; the client's address is preserved"
        else:
            port = self.proxy_port(packet)
            out = attrs.evolve(packet, src=node.private_ip, src_port=port, dst=chosen.address, dst_port=chosen.port)
            how = f"{_endpoint(packet, 'src')} -> {_endpoint(out, 'src')}, destination -> {_endpoint(out, 'dst')}"
            how += " (the target sees the load balancer)" + ("" if lb.is_network else ": an ALB ends the connection")
        self.conn.lb[node.id] = _LbEntry(packet, out, preserved)
        self.via = node
        self.vias.append(node)
        if preserved and node.security_groups:
            self.preserved = (packet.src, frozenset(g.id for g in node.security_groups))
        self.hop(lb.id, "load-balancer", "translate", detail=how, spec="L1" if lb.is_network else "L3", packet=out)
        if preserved and chosen.network_interface is not None and self.lb_of(chosen.network_interface) is not None:
            self.stop(lb.id, "load-balancer", Disposition.DENIED_IN, "ELBV2_SOURCE_ADDRESS_PRESERVATION", spec="L1",
                      detail="the target is another load balancer's node: with client IP preservation its replies "
                      "do not come back through this one (AWS: loss of communication)", packet=out)  # fmt: skip
        if preserved and chosen.network_interface is not None and packet.src in chosen.network_interface.addresses:
            self.stop(lb.id, "load-balancer", Disposition.DENIED_IN, "ELBV2_SOURCE_ADDRESS_PRESERVATION", spec="L1",
                      detail="the client is the target itself: with client IP preservation a target cannot reach "
                      "itself through its load balancer", packet=out)  # fmt: skip
        self.eni_out(node, out, _FROM_INSIDE, forwarding=True)

    def listener(self, lb: LoadBalancer, packet: Packet) -> Listener | None:
        for listener in self.net.listeners:
            if (
                listener.load_balancer is lb
                and packet.has_ports
                and listener.port == packet.dst_port
                and packet.protocol in PROTOCOL_NUMBERS[listener.protocol]
            ):
                return listener
        return None

    def lb_intercept(self, subnet: Subnet, packet: Packet) -> None:
        """A target's reply to a preserved client address goes back through the node that sent the request, not
        by the target subnet's routes (L1)."""
        for node_id, entry in self.conn.lb.items():
            out = entry.out
            if not entry.preserved or (packet.src, packet.src_port, packet.dst, packet.dst_port) != (
                out.dst,
                out.dst_port,
                out.src,
                out.src_port,
            ):
                continue
            node = self.net._index[node_id]
            assert isinstance(node, NetworkInterface)
            lb = self.lb_of(node)
            assert lb is not None
            if node.subnet is not subnet:
                self.nacl(subnet, packet, egress=True)
            self.hop(lb.id, "load-balancer", "forward", spec="L1", packet=packet,
                     detail=f"the reply to the preserved client {packet.dst} returns through "
                     f"node {node.id}")  # fmt: skip
            if node.subnet is not subnet:
                self.nacl(node.subnet, packet, egress=False)
            self.lb_arrive(lb, node, packet)

    def lb_back(self, lb: LoadBalancer, node: NetworkInterface, packet: Packet, entry: _LbEntry) -> NoReturn:
        request = entry.request
        back = attrs.evolve(packet, src=request.dst, src_port=request.dst_port, dst=request.src,
                            dst_port=request.src_port)  # fmt: skip
        self.hop(lb.id, "load-balancer", "translate", spec="L1" if lb.is_network else "L3", packet=back,
                 detail=f"reply: {_endpoint(packet, 'src')} -> {_endpoint(back, 'src')} to the client")  # fmt: skip
        self.eni_out(node, back, _FROM_INSIDE, forwarding=True)

    # ------------------------------------------------------------ peering, transit gateways, VPN, endpoints

    def peering(self, pcx: VpcPeeringConnection, vpc: Vpc, packet: Packet, origin: str) -> NoReturn:
        """SPEC I5: only traffic between the two VPCs' CIDRs, never transitive, never edge to edge."""
        peer = pcx.peer_of(vpc)
        node = self.via
        entry = self.conn.lb.get(node.id) if node is not None and not self.reply else None
        # SPEC L1: a node of this VPC passing the client's address on to a target in a peered VPC (AWS supports it).
        on_behalf = entry is not None and entry.preserved and entry.out == packet and node.vpc is vpc  # type: ignore[union-attr]
        self.check(
            origin == _FROM_INSIDE and (vpc.contains(packet.src) or on_behalf),
            pcx.id,
            "vpc-peering-connection",
            Disposition.DENIED_IN,
            "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
            spec="I5",
            packet=packet,
            allow=f"source {packet.src} is in {vpc.id}",
            deny=f"source {packet.src} is not from {vpc.id} (entered via {origin}): peering is not transitive",
        )
        if not peer.contains(packet.dst):
            self.stop(pcx.id, "vpc-peering-connection", Disposition.DENIED_IN, "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR",
                      spec="I5", detail=f"destination {packet.dst} is not in {peer.id}", packet=packet)  # fmt: skip
        self.hop(pcx.id, "vpc-peering-connection", "forward", detail=f"{vpc.id} -> {peer.id}", spec="I5",
                 packet=packet)  # fmt: skip
        self.local(peer, packet, "vpc-peering-connection", None)

    def tgw_in(
        self, tgw: TransitGateway, vpc: Vpc, packet: Packet, origin: str, came_from: Subnet | None
    ) -> NoReturn:
        """Into a transit gateway through the VPC's attachment ENI in the sender's AZ, and its subnet's NACL."""
        attachment = next(
            a for a in self.net.transit_gateway_attachments if a.transit_gateway is tgw and a.vpc is vpc
        )
        self.edge_to_edge(tgw.id, "transit-gateway", origin, (_FROM_INSIDE, "internet-gateway",
                          "transit-gateway"), packet)  # fmt: skip
        zone = came_from.availability_zone if came_from is not None else None
        subnet = _attachment_subnet(attachment, zone)
        if subnet is None:  # AWS: only resources in an AZ with an attachment subnet reach the transit gateway
            self.stop(attachment.id, "transit-gateway-attachment", Disposition.NO_ROUTE, "TGW_ATTACHMENT_AZ",
                      detail=f"the attachment has no subnet in {zone}", packet=packet)  # fmt: skip
        # AWS: the attachment subnet's inbound NACL rules check traffic towards the transit gateway, also when the
        # sender shares that subnet (its outbound rules were checked as the packet left the sender's subnet).
        self.nacl(subnet, packet, egress=False)
        self.hop(attachment.id, "transit-gateway-attachment", "forward", detail=f"{vpc.id} -> {tgw.id}",
                 packet=packet)  # fmt: skip
        self.tgw_route(tgw, attachment, packet, zone)

    def tgw_route(
        self, tgw: TransitGateway, attachment: TransitGatewayAttachment, packet: Packet, zone: str | None
    ) -> NoReturn:
        """The attachment's associated TGW route table: longest prefix, static before propagated."""
        table = attachment.association
        if table is None:
            self.stop(attachment.id, "transit-gateway-attachment", Disposition.NO_ROUTE, "TGW_RTB_CANNOT_ROUTE",
                      detail="the attachment has no associated route table", packet=packet)  # fmt: skip
        self.guard(table.id, "transit-gateway-route-table", packet)
        candidates = [
            r for r in table.routes if r.destination.version == packet.version and packet.dst in r.destination
        ]
        if not candidates:
            self.stop(table.id, "transit-gateway-route-table", Disposition.NO_ROUTE, "TGW_RTB_CANNOT_ROUTE",
                      detail=f"no route to {packet.dst}", packet=packet)  # fmt: skip
        best = min(candidates, key=lambda r: (-r.destination.prefixlen, r.type != "static"))
        if best.attachment_id is None or best.state != "active":
            self.stop(table.id, "transit-gateway-route-table", Disposition.NULL_ROUTED, "BAD_STATE_ROUTE",
                      rule=str(best.destination), detail="blackhole", packet=packet)  # fmt: skip
        self.hop(table.id, "transit-gateway-route-table", "forward", rule=str(best.destination),
                 detail=f"-> {best.attachment_id} ({best.type})", packet=packet)  # fmt: skip
        target = self.net._index[best.attachment_id]
        assert isinstance(target, TransitGatewayAttachment)
        if target.vpc is not None:
            # The transit gateway keeps traffic in its AZ when the target attachment has a subnet there.
            subnet = _attachment_subnet(target, zone) or target.subnets[0]
            self.hop(target.id, "transit-gateway-attachment", "forward", detail=f"{tgw.id} -> {target.vpc.id} "
                     f"via {subnet.id}", packet=packet)  # fmt: skip
            if not subnet.contains(packet.dst):  # AWS: the attachment subnet's outbound rules, then the target's
                self.nacl(subnet, packet, egress=True)
            self.route(subnet.route_table, target.vpc, packet, "transit-gateway", subnet)
        vpn = self.net._index[target.resource_id]
        self.exit_vpn(vpn, packet)  # type: ignore[arg-type]

    def vgw_out(self, vgw: VpnGateway, packet: Packet, origin: str) -> NoReturn:
        self.edge_to_edge(vgw.id, "vpn-gateway", origin, (_FROM_INSIDE, "transit-gateway"), packet)
        vpns = [
            (c.prefixlen, v)
            for v in self.net.vpn_connections
            if v.vpn_gateway_id == vgw.id and v.state == "available"
            for c in v.routes
            if c.version == packet.version and packet.dst in c
        ]
        if not vpns:
            self.stop(vgw.id, "vpn-gateway", Disposition.NO_ROUTE, "NO_ROUTE_OUTSIDE_VPN", packet=packet,
                      detail=f"no VPN connection of {vgw.id} routes {packet.dst}")  # fmt: skip
        vpn = max(vpns, key=lambda pair: pair[0])[1]
        self.hop(vgw.id, "vpn-gateway", "forward", detail=f"-> {vpn.id}", packet=packet)
        self.exit_vpn(vpn, packet)

    def exit_vpn(self, vpn: VpnConnection, packet: Packet) -> NoReturn:
        self.leave_network(("vpn", vpn))
        self.stop(vpn.id, "vpn-connection", Disposition.EXITS_NETWORK, None, packet=packet,
                  detail=f"to {packet.dst} on premises ({vpn.customer_gateway.id})")  # fmt: skip

    def vpn_in(self, vpn: VpnConnection, packet: Packet) -> NoReturn:
        """From on premises: through the VPN's virtual private gateway (its edge table, R7) or transit gateway."""
        self.hop(vpn.id, "vpn-connection", "forward", detail=f"from on premises ({vpn.customer_gateway.id})",
                 packet=packet)  # fmt: skip
        if vpn.transit_gateway_id is not None:
            attachment = next(a for a in self.net.transit_gateway_attachments if a.resource_id == vpn.id)
            self.tgw_route(attachment.transit_gateway, attachment, packet, None)
        vgw = self.net._index.get(str(vpn.vpn_gateway_id))
        if not isinstance(vgw, VpnGateway) or vgw.vpc is None:
            self.stop(str(vpn.vpn_gateway_id), "vpn-gateway", Disposition.NO_ROUTE, "BAD_STATE_ATTACHMENT",
                      detail="the virtual private gateway is not attached to a VPC", packet=packet)  # fmt: skip
        self.hop(vgw.id, "vpn-gateway", "forward", detail=f"into {vgw.vpc.id}", packet=packet)
        edge = vgw.edge_association.route_table if vgw.edge_association is not None else None
        self.enter_vpc(vgw.vpc, packet, "vpn-gateway", edge)

    def endpoint_out(self, endpoint: VpcEndpoint, packet: Packet, origin: str) -> NoReturn:
        """SPEC R6: a gateway endpoint carries traffic to its service's prefix list, from its own VPC only."""
        self.edge_to_edge(endpoint.id, "vpc-endpoint", origin, (_FROM_INSIDE,), packet)
        self.leave_network(("vpc-endpoint", endpoint))
        self.stop(endpoint.id, "vpc-endpoint", Disposition.EXITS_NETWORK, None, packet=packet,
                  detail=f"to {endpoint.service_name}")  # fmt: skip


def _attachment_subnet(attachment: TransitGatewayAttachment, zone: str | None) -> Subnet | None:
    """The attachment's subnet in ``zone`` (its first when the zone is unknown), or None."""
    if zone is None:
        return attachment.subnets[0] if attachment.subnets else None
    return next((s for s in attachment.subnets if s.availability_zone == zone), None)


def _endpoint(packet: Packet, side: str) -> str:
    address, port = (packet.src, packet.src_port) if side == "src" else (packet.dst, packet.dst_port)
    if not packet.has_ports:
        return str(address)
    return f"[{address}]:{port}" if address.version == 6 else f"{address}:{port}"


def _owner(eni: NetworkInterface) -> str:
    if eni.instance is not None:
        name = f" ({eni.instance.name})" if eni.instance.name else ""
        return f"{eni.instance.id}{name}"
    return eni.interface_type


def _port_text(packet: Packet) -> str:
    if packet.has_ports:
        return f"port {packet.dst_port}"
    if packet.protocol in (1, 58):
        return f"type {packet.dst_port} code {packet.src_port}"
    return ""


def flow_packet(
    source: Endpoint, destination: Endpoint, protocol: object, port: object, src_port: object
) -> tuple[Packet, bool]:
    """The first packet of a flow, validated; True when the source port is a default ephemeral one (N4).

    Raises
    ------
    InvalidFlowError
        All protocols (-1), a missing or out-of-range port, ports on a protocol without them.
    """
    try:
        number = parse_protocol(protocol, "protocol")
    except AwsError as exc:
        raise InvalidFlowError(exc.message) from None
    if number == -1:
        raise InvalidFlowError("A flow has one protocol: give tcp, udp, icmp or a protocol number, not -1 (all).")
    version = source.address.version
    if number in (1, 58):
        number = 58 if version == 6 else 1  # "icmp" on an IPv6 flow means ICMPv6
    ephemeral = False
    dst_port: int | None
    sport: int | None
    if number in (6, 17):
        dst_port = _flow_port(port, "port", required=True)
        if src_port is None:
            sport, ephemeral = EPHEMERAL_PORTS["linux"][0], True
        else:
            sport = _flow_port(src_port, "src_port", required=True)
    elif number in (1, 58):
        dst_port = _flow_port(port, "port (ICMP type)", required=False, high=255)
        dst_port = _ICMP_ECHO[version] if dst_port is None else dst_port
        sport = _flow_port(src_port, "src_port (ICMP code)", required=False, high=255) or 0
    else:
        if port is not None or src_port is not None:
            raise InvalidFlowError(f"Protocol {protocol_name(number)} has no ports; got port={port!r}.")
        dst_port = sport = None
    return Packet(number, source.address, destination.address, sport, dst_port), ephemeral


def _flow_port(value: object, field: str, *, required: bool, high: int = 65535) -> int | None:
    if value is None:
        if required:
            raise InvalidFlowError(f"{field} is required for TCP and UDP.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise InvalidFlowError(f"{field} {value!r} is invalid: an integer in 0..{high}.")
    return value


def reply_packet(packet: Packet) -> Packet | None:
    """The answer to ``packet``: addresses and ports swapped; ICMP echo gets its reply type; other ICMP none."""
    if packet.protocol in (1, 58):
        reply_type = _ICMP_REPLIES.get((packet.protocol, packet.dst_port or 0))
        if reply_type is None:
            return None
        return Packet(packet.protocol, packet.dst, packet.src, 0, reply_type)
    return Packet(packet.protocol, packet.dst, packet.src, packet.dst_port, packet.src_port)


def _start(source: Endpoint) -> tuple[object, ...]:
    if source.network_interface is not None:
        return ("eni", source.network_interface)
    if source.kind == "on-premises":
        return ("vpn", source.vpn_connection)
    return ("internet",)


def _walk_flow(
    net: Network, source: Endpoint, destination: Endpoint, packet: Packet, *, ephemeral: bool, force: bool
) -> tuple[_Outcome, _Outcome | None]:
    """Walk the flow and its reply. A load balancer on the way sends to one of several targets: the first that
    connects is the answer (as Reachability Analyzer shows a reachable path when there is one), else the first."""
    first, options = _walk_pick(net, source, destination, packet, ephemeral=ephemeral, force=force, pick=0)
    if force or options <= 1 or _flow_connected(net, first, source, destination):
        return first
    for pick in range(1, options):
        other, _ = _walk_pick(net, source, destination, packet, ephemeral=ephemeral, force=force, pick=pick)
        if _flow_connected(net, other, source, destination):
            return other
    return first


def _flow_connected(
    net: Network, walked: tuple[_Outcome, _Outcome | None], source: Endpoint, destination: Endpoint
) -> bool:
    forward, reply = walked
    if not _arrived(net, forward, destination, force=False):
        return False
    if reply is None:
        return True  # nothing comes back (ICMP without reply): delivered is all there is
    return _returned(net, reply, source)


def _walk_pick(
    net: Network, source: Endpoint, destination: Endpoint, packet: Packet, *, ephemeral: bool, force: bool,
    pick: int,
) -> tuple[tuple[_Outcome, _Outcome | None], int]:  # fmt: skip
    connection = _Connection(ephemeral=ephemeral, lb_pick=pick)
    forward = _Walk(net, connection, reply=False, force=force).run(_start(source), packet)
    arrived = _arrived(net, forward, destination, force)
    if not arrived:
        return (forward, None), connection.lb_options
    answer = reply_packet(forward.packet)
    if answer is None:
        return (forward, None), connection.lb_options
    if forward.end == "link-local":
        eni = source.network_interface
        assert eni is not None
        start: tuple[object, ...] = ("link-local", forward.hops[-1].component, eni)
    elif isinstance(forward.end, NetworkInterface):
        start = ("eni", forward.end)
    elif connection.exit is not None and connection.exit[0] == "vpn":
        start = ("vpn", connection.exit[1])
    elif connection.exit is not None and connection.exit[0] == "vpc-endpoint":
        start = ("vpc-endpoint", connection.exit[1])
    else:
        start = ("internet",)
    reply = _Walk(net, connection, reply=True, force=force).run(start, answer)
    _check_reply_source(reply, packet, source)
    return (forward, reply), connection.lb_options


def _check_reply_source(reply: _Outcome, request: Packet, source: Endpoint) -> None:
    """A reply that reaches the client from another address or port than the request went to is not an answer:
    the client drops it (asymmetric routing, e.g. a public instance whose subnet routes replies to a NAT gateway)."""
    if reply.hops[-1].action not in ("deliver", "exit"):
        return
    got = (reply.packet.src, reply.packet.src_port if reply.packet.has_ports else None)
    wanted = (request.dst, request.dst_port if request.has_ports else None)
    if got == wanted:
        return
    component = source.network_interface.id if source.network_interface is not None else source.kind
    hop = Hop(component, "client", "drop", detail=f"the reply comes from {_endpoint(reply.packet, 'src')}, "
              f"not {_endpoint(request, 'dst')}: asymmetric path", explanation="REPLY_SOURCE_MISMATCH",
              packet=reply.packet)  # fmt: skip
    reply.hops.append(hop)
    reply.blockers.append(hop)
    if reply.disposition in (Disposition.ACCEPTED, Disposition.EXITS_NETWORK):
        reply.disposition, reply.explanation = Disposition.DENIED_IN, "REPLY_SOURCE_MISMATCH"


def _leads_to(net: Network, exit: tuple[Any, ...] | None, endpoint: Endpoint) -> bool:
    """Whether leaving the network there reaches ``endpoint``: the internet (or an AWS service on it) for an
    internet host; the VPN that routes its address for an on-premises host."""
    if exit is None or not endpoint.is_outside:
        return False
    if endpoint.kind == "on-premises":
        return exit[0] == "vpn" and any(
            endpoint.address in c for c in net.on_premises_cidrs(exit[1]) if c.version == endpoint.address.version
        )
    return exit[0] in ("internet", "vpc-endpoint")


def _arrived(net: Network, outcome: _Outcome, destination: Endpoint, force: bool) -> bool:
    if outcome.disposition is Disposition.EXITS_NETWORK or (force and outcome.hops[-1].action == "exit"):
        return _leads_to(net, outcome.exit, destination)
    if force and outcome.hops[-1].action != "deliver":
        return False
    if not force and outcome.disposition is not Disposition.ACCEPTED:
        return False
    if outcome.end == "link-local":
        return destination.kind == "link-local"
    eni = destination.network_interface
    return eni is not None and (outcome.end is eni or eni in outcome.via)  # a node: its load balancer's target


def _returned(net: Network, outcome: _Outcome, source: Endpoint) -> bool:
    if outcome.disposition is Disposition.EXITS_NETWORK:
        return _leads_to(net, outcome.exit, source)
    if outcome.disposition is not Disposition.ACCEPTED:
        return False
    return outcome.end == "link-local" or outcome.end is source.network_interface


def trace(
    net: Network,
    src: object,
    dst: object,
    protocol: object = "tcp",
    port: object = None,
    src_port: object = None,
    *,
    ip_version: int | None = None,
    blockers: bool = True,
) -> Trace:
    """Walk one flow from ``src`` to ``dst`` and its reply; see :meth:`vpcsim.Network.trace`.

    ``blockers=False`` skips the second, drop-waiving walk (the vectorised engine's scalar lane needs verdicts only).
    """
    source, destination = resolve_endpoints(net, src, dst, ip_version)
    packet, ephemeral = flow_packet(source, destination, protocol, port, src_port)
    forward, reply = _walk_flow(net, source, destination, packet, ephemeral=ephemeral, force=False)
    lb = load_balancer_named(net, dst)
    if lb is not None and not _flow_connected(net, (forward, reply), source, destination):
        from vpcsim.engine.health import dns_nodes

        for node in dns_nodes(net, lb)[1:]:  # SPEC L2: a client tries the other addresses its DNS lookup gave
            other = resolve_endpoints(net, src, node, ip_version)[1]
            other = attrs.evolve(other, label=f"{lb.lb_name} (node {node.id} in {node.availability_zone})")
            other_packet = attrs.evolve(packet, dst=other.address)
            walked = _walk_flow(net, source, other, other_packet, ephemeral=ephemeral, force=False)
            if _flow_connected(net, walked, source, other):
                destination, packet, (forward, reply) = other, other_packet, walked
                break
    delivered = _arrived(net, forward, destination, force=False)
    reply_trace = None
    if reply is not None:
        reply_trace = Trace(
            source=destination,
            destination=source,
            packet=reply.hops[0].packet or forward.packet,
            disposition=reply.disposition,
            explanation=reply.explanation,
            hops=reply.hops,
            delivered=_returned(net, reply, source),
            is_reply=True,
        )
    result = Trace(
        source=source,
        destination=destination,
        packet=packet,
        disposition=forward.disposition,
        explanation=forward.explanation,
        hops=forward.hops,
        delivered=delivered,
        reply=reply_trace,
    )
    if blockers and not result.connected:
        waived_forward, waived_reply = _walk_flow(net, source, destination, packet, ephemeral=ephemeral, force=True)
        seen: set[tuple[str, str, str | None]] = set()
        for hop in [*waived_forward.blockers, *(waived_reply.blockers if waived_reply else [])]:
            key = (hop.component, hop.kind, hop.explanation)
            if key not in seen:
                seen.add(key)
                result.blockers.append(hop)
    return result
