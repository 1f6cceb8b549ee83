"""Load balancer health and routing decisions (SPEC L1, L2), computed from the network itself.

A target's health check is a TCP connection from a load balancer node's private IP to the target's health-check
port: it succeeds when :func:`vpcsim.engine.trace.trace` says the node and the target are connected (SGs, NACLs,
routes, instance state and injected failures included). A node sends only to the healthy targets it may use (its
own AZ's when cross-zone is off); when no target of the group is healthy anywhere, the load balancer fails open and
sends to every target it may use. Results are cached per network version.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.model.interface import Instance, NetworkInterface
from vpcsim.model.load_balancer import Listener, LoadBalancer, Target, TargetGroup, TargetHealth

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = ["Candidate", "NodeRoute", "dns_nodes", "node_route", "preserves_client_ip", "target_health"]


@attrs.frozen
class Candidate:
    """A registered target as a node sees it: where packets go."""

    target: Target
    address: ipaddress.IPv4Address
    port: int
    availability_zone: str | None
    network_interface: NetworkInterface | None
    instance: Instance | None

    @property
    def label(self) -> str:
        return self.target.id if self.instance is None else f"{self.instance.id}:{self.port}"


@attrs.frozen
class NodeRoute:
    """Where one node sends one listener's traffic: ``candidates`` in target id order; ``mode`` is ``healthy`` or
    ``fail-open``; ``code`` explains an empty list."""

    candidates: tuple[Candidate, ...]
    mode: str
    code: str | None
    detail: str
    cross_zone: bool


class _Cache:
    def __init__(self, version: int) -> None:
        self.version = version
        self.checks: dict[tuple[str, str, str, int], bool] = {}
        self.busy: set[tuple[str, str, str, int]] = set()


def _cache(net: Network) -> _Cache:
    cache = net._health
    if cache is None or cache.version != net.version:
        cache = net._health = _Cache(net.version)
    return cache


def preserves_client_ip(tg: TargetGroup, lb: LoadBalancer) -> bool:
    """SPEC L1/L3: an ALB never preserves it; an NLB does by default for instance targets and for UDP/TCP_UDP
    groups, not for TCP/TLS IP targets; ``preserve_client_ip.enabled`` overrides."""
    if not lb.is_network:
        return False
    if tg.preserve_client_ip is not None:
        return tg.preserve_client_ip
    return tg.target_type == "instance" or tg.protocol in ("UDP", "TCP_UDP")


def cross_zone(tg: TargetGroup, lb: LoadBalancer) -> bool:
    """SPEC L2: the target group's setting, else the load balancer's (NLB default off, ALB on)."""
    return lb.cross_zone if tg.cross_zone is None else tg.cross_zone


def _candidate(net: Network, tg: TargetGroup, target: Target) -> Candidate | None:
    port = target.port if target.port is not None else tg.port
    if not target.is_ip:
        instance = net._index.get(target.id)
        if not isinstance(instance, Instance) or not instance.network_interfaces:
            return None
        eni = instance.primary_network_interface
        return Candidate(target, eni.private_ip, port, instance.availability_zone, eni, instance)
    address = target.address
    assert isinstance(address, ipaddress.IPv4Address)
    holder: NetworkInterface | None
    try:
        holder = net.network_interface_with(address)
    except ValueError:
        holder = None
    return Candidate(target, address, port, target.availability_zone, holder, None)


def _usable(net: Network, tg: TargetGroup, lb: LoadBalancer) -> tuple[list[Candidate], str]:
    """Targets the load balancer may use (in an enabled AZ, instance not stopped) and, when none, why."""
    zones = set(lb.availability_zones)
    found: list[Candidate] = []
    outside = 0
    seen: set[tuple[str, int]] = set()
    for target in sorted(tg.targets, key=lambda t: (t.id, t.port or 0)):
        cand = _candidate(net, tg, target)
        if cand is None or (cand.target.id, cand.port) in seen:  # no port means the group's: the same target
            continue
        seen.add((cand.target.id, cand.port))
        if cand.availability_zone not in zones and cand.availability_zone != "all":
            outside += 1
            continue
        if cand.instance is not None and cand.instance.state != "running":
            continue
        found.append(cand)
    code = "ELB_INSTALLED_AZ_RESTRICTION" if not found and outside else "ELBV2_NO_TARGETS"
    return found, code


def _reach(cands: list[Candidate], node: NetworkInterface, cross: bool) -> list[Candidate]:
    if cross:
        return cands
    return [c for c in cands if c.availability_zone in (node.availability_zone, "all")]


def _check(net: Network, node: NetworkInterface, tg: TargetGroup, cand: Candidate) -> bool:
    """One node's health check of one target: a TCP connection to the health-check port (L2)."""
    check = tg.health_check
    if not check.enabled:
        return True
    if net.down(node) is not None:
        return False
    port = check.port if check.port is not None else cand.port
    key = (node.id, tg.id, cand.target.id, port)
    cache = _cache(net)
    if key in cache.checks:
        return cache.checks[key]
    if key in cache.busy:  # a cycle of load balancers checking each other: not healthy through itself
        return False
    from vpcsim.engine.trace import trace

    cache.busy.add(key)
    try:
        result = trace(net, node, str(cand.address), "tcp", port, blockers=False).connected
    finally:
        cache.busy.discard(key)
    cache.checks[key] = result
    return result


def _listener_groups(net: Network, lb: LoadBalancer) -> list[TargetGroup]:
    return list(dict.fromkeys(listener.target_group for listener in net.listeners if listener.load_balancer is lb))


def node_route(net: Network, node: NetworkInterface, listener: Listener) -> NodeRoute:
    """Where ``node`` sends ``listener``'s traffic (L2): healthy targets it may use, or all of them (fail-open)."""
    lb, tg = listener.load_balancer, listener.target_group
    cross = cross_zone(tg, lb)
    usable, why = _usable(net, tg, lb)
    if not usable:
        text = "no registered target in an enabled AZ" if why == "ELB_INSTALLED_AZ_RESTRICTION" else "no target"
        return NodeRoute((), "healthy", why, f"{tg.tg_name} has {text}", cross)
    live = [n for n in lb.nodes if net.down(n) is None]
    # Fail-open when no target passes any live node's check (the same view describe_target_health gives).
    any_healthy = any(_check(net, n, tg, c) for n in live for c in usable)
    mine = _reach(usable, node, cross)
    if any_healthy:
        chosen = tuple(c for c in mine if _check(net, node, tg, c))
        mode = "healthy"
    else:
        chosen, mode = tuple(mine), "fail-open"
    if chosen:
        scope = "all enabled AZs" if cross else node.availability_zone
        what = "healthy targets" if mode == "healthy" else "targets (none is healthy: fail-open)"
        names = ", ".join(c.label for c in chosen)
        return NodeRoute(chosen, mode, None, f"{len(chosen)} {what} in {scope}: {names}", cross)
    if not cross:
        return NodeRoute((), mode, "ELBV2_NO_TARGETS_IN_AZ",
                         f"cross-zone is off and {node.availability_zone} has no "
                         f"{'healthy ' if mode == 'healthy' else ''}target of {tg.tg_name}", cross)  # fmt: skip
    return NodeRoute((), mode, "ELBV2_NO_HEALTHY_TARGETS", f"no target of {tg.tg_name} passes this node's checks",
                     cross)  # fmt: skip


def _serves(route: NodeRoute) -> bool:
    return route.mode == "healthy" and bool(route.candidates)


def dns_nodes(net: Network, lb: LoadBalancer) -> list[NetworkInterface]:
    """The nodes the load balancer's DNS name answers with, in AZ order (L2): live nodes with a healthy target
    for some listener; all live nodes when none has (fail-open); all nodes when every node is down."""
    nodes = sorted(lb.nodes, key=lambda n: n.availability_zone)
    live = [n for n in nodes if net.down(n) is None]
    if not live:
        return nodes
    listeners = [listener for listener in net.listeners if listener.load_balancer is lb]
    serving = [n for n in live if any(_serves(node_route(net, n, x)) for x in listeners)]
    return serving or live


def target_health(net: Network, tg: TargetGroup) -> list[TargetHealth]:
    """``describe_target_health``: every registered target's state, reason and per-node check results."""
    lbs = [lb for lb in net.load_balancers if tg in _listener_groups(net, lb)]
    rows: list[TargetHealth] = []
    for target in sorted(tg.targets, key=lambda t: (t.id, t.port or 0)):
        cand = _candidate(net, tg, target)
        instance = cand.instance if cand is not None else None
        eni = cand.network_interface if cand is not None else None
        if cand is None:
            rows.append(TargetHealth(target, "unused", "Target.InvalidState", "Target is terminated"))
            continue
        if not lbs:
            rows.append(TargetHealth(target, "unused", "Target.NotInUse", "Target group is not configured to "
                                     "receive traffic from the load balancer", instance=instance,
                                     network_interface=eni))  # fmt: skip
            continue
        if instance is not None and instance.state != "running":
            rows.append(TargetHealth(target, "unused", "Target.InvalidState", f"Target is in the {instance.state} "
                                     "state", instance=instance, network_interface=eni))  # fmt: skip
            continue
        zones = {z for lb in lbs for z in lb.availability_zones}
        if cand.availability_zone not in zones and cand.availability_zone != "all":
            rows.append(TargetHealth(target, "unused", "Target.NotInUse", "Target is in an Availability Zone that "
                                     "is not enabled for the load balancer", instance=instance,
                                     network_interface=eni))  # fmt: skip
            continue
        if not tg.health_check.enabled:
            rows.append(TargetHealth(target, "unavailable", "Target.HealthCheckDisabled", "Health checks disabled",
                                     instance=instance, network_interface=eni))  # fmt: skip
            continue
        # Every live node of the load balancer checks every target it could be given, whatever the cross-zone
        # setting (targets see health checks from each node's private IP); routing uses the node's own result.
        checks = {n.id: _check(net, n, tg, cand) for lb in lbs for n in lb.nodes if net.down(n) is None}
        if any(checks.values()):
            rows.append(TargetHealth(target, "healthy", None, "", checks, instance, eni))
        else:
            why = "no live load balancer node checks it" if not checks else "Health checks failed"
            rows.append(TargetHealth(target, "unhealthy", "Target.FailedHealthChecks", why, checks, instance, eni))
    return rows
