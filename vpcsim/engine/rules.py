"""Scalar rule matching: NACL entries (N1, N5), security group rules (G1, G2) and route lookup (R2, R3).

These functions are the reference the vectorised engine is checked against: plain, one packet at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from vpcsim.addr import IPAddress
from vpcsim.model.nacl import DEFAULT_DENY_RULE_IPV4, DEFAULT_DENY_RULE_IPV6, NetworkAclEntry
from vpcsim.model.route_table import Route

if TYPE_CHECKING:
    from vpcsim.engine.verdict import Packet
    from vpcsim.model.nacl import NetworkAcl
    from vpcsim.model.prefix_list import ManagedPrefixList
    from vpcsim.model.security_group import SecurityGroup, SecurityGroupRule

__all__ = ["lookup_route", "match_nacl", "match_security_groups", "ports_match"]

# SPEC R3: on an identical prefix, static beats prefix-list beats propagated.
_ORIGIN_RANK = {"CreateRouteTable": 0, "CreateRoute": 0, "prefix-list": 1, "EnableVgwRoutePropagation": 2}


def ports_match(protocol: int, packet: Packet, ports: tuple[int, int] | None) -> bool:
    """Whether ``packet`` falls in a rule's port range (TCP/UDP) or ICMP type/code pair (-1 = any)."""
    if ports is None or protocol == -1:
        return True
    if protocol in (6, 17):
        return packet.dst_port is not None and ports[0] <= packet.dst_port <= ports[1]
    if protocol in (1, 58):
        icmp_type, icmp_code = ports
        return icmp_type in (-1, packet.dst_port) and icmp_code in (-1, packet.src_port)
    return True


def match_nacl(acl: NetworkAcl, packet: Packet, egress: bool) -> tuple[bool, int]:
    """SPEC N1: the first entry by rule number that matches decides; else the ``*`` rule denies.

    Egress rules match the destination address, ingress rules the source. Returns (allowed, rule number).
    """
    peer = packet.dst if egress else packet.src
    for entry in acl.rules(egress):
        if _entry_matches(entry, packet, peer):
            return entry.rule_action == "allow", entry.rule_number
    return False, DEFAULT_DENY_RULE_IPV4 if packet.version == 4 else DEFAULT_DENY_RULE_IPV6


def _entry_matches(entry: NetworkAclEntry, packet: Packet, peer: IPAddress) -> bool:
    if entry.protocol not in (-1, packet.protocol):
        return False
    if entry.cidr.version != peer.version or peer not in entry.cidr:
        return False
    if entry.protocol in (6, 17):
        return ports_match(entry.protocol, packet, entry.port_range)
    if entry.protocol in (1, 58):
        return ports_match(entry.protocol, packet, entry.icmp_type_code)
    return True


def match_security_groups(
    groups: Iterable[SecurityGroup],
    packet: Packet,
    egress: bool,
    prefix_lists: Callable[[str], ManagedPrefixList | None],
    group_members: Callable[[str, IPAddress], bool],
) -> tuple[SecurityGroup, SecurityGroupRule] | None:
    """SPEC G1: the union of the groups' rules; the first (group, rule) that allows the packet, or None.

    Egress rules match the destination, ingress rules the source. ``group_members(sg_id, address)`` says whether
    ``address`` is a private address of an ENI carrying that group where the reference reaches (G2).
    """
    peer = packet.dst if egress else packet.src
    for group in groups:
        for rule in group.rules(egress):
            if _rule_matches(rule, packet, peer, prefix_lists, group_members):
                return group, rule
    return None


def _rule_matches(
    rule: SecurityGroupRule,
    packet: Packet,
    peer: IPAddress,
    prefix_lists: Callable[[str], ManagedPrefixList | None],
    group_members: Callable[[str, IPAddress], bool],
) -> bool:
    if rule.protocol not in (-1, packet.protocol):
        return False
    if (
        rule.protocol in (6, 17, 1, 58)
        and rule.from_port is not None
        and rule.to_port is not None
        and not ports_match(rule.protocol, packet, (rule.from_port, rule.to_port))
    ):
        return False
    if rule.cidr is not None:
        return rule.cidr.version == peer.version and peer in rule.cidr
    if rule.prefix_list_id is not None:
        plist = prefix_lists(rule.prefix_list_id)
        return plist is not None and any(c.version == peer.version and peer in c for c in plist.cidrs)
    return rule.group_id is not None and group_members(rule.group_id, peer)


def lookup_route(
    routes: Iterable[Route], address: IPAddress, prefix_lists: Callable[[str], ManagedPrefixList | None]
) -> Route | None:
    """SPEC R2/R3: the longest prefix containing ``address``; ties go static, then prefix list (lowest list id),
    then propagated. IPv4 and IPv6 never match each other. Blackhole routes are returned like any other."""
    best: tuple[int, int, str] | None = None
    chosen: Route | None = None
    for route in routes:
        if route.destination is not None:
            if route.destination.version != address.version or address not in route.destination:
                continue
            key = (-route.destination.prefixlen, _ORIGIN_RANK.get(route.origin, 0), "")
        else:
            plist = prefix_lists(str(route.destination_prefix_list_id))
            if plist is None:
                continue
            lengths = [c.prefixlen for c in plist.cidrs if c.version == address.version and address in c]
            if not lengths:
                continue
            key = (-max(lengths), _ORIGIN_RANK["prefix-list"], plist.id)
        if best is None or key < best:
            best, chosen = key, route
    return chosen
