"""Properties of load balancers on random networks (issue 8; SPEC L1-L3, V).

On networks from :func:`vpcsim.testing.strategies.networks` with ``load_balancers=True``:

- ``evaluate()`` gives every flow what ``trace()`` gives (disposition, explanation, deciding component, step and
  rule, delivered, connected, and the same for the reply), with nothing failed and with an AZ failed.
- ``describe_target_health`` is the health-check walk: each node's check of a target is whether
  ``trace(node, target, "tcp", health-check port)`` connects, a target is ``healthy`` exactly when one of them does,
  every live node of its load balancers checks it, the other states have their reasons, and a node routing to
  healthy targets uses only those its own check passed.
- A failure (an AZ, or one NAT gateway, instance or node) only takes connectivity away, except through
  fail-open: a flow that connects only after it needs some node that sent to healthy targets before and fails
  open after (L2).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcsim import FlowBatch, Network
from vpcsim.engine.health import node_route
from vpcsim.testing import assert_evaluate_agrees
from vpcsim.testing.strategies import Flow, flows, networks

# A third of the profile's examples (ci: 33): each example walks load balancer flows, health checks included.
SLOW = settings(
    deadline=None,
    max_examples=max(5, settings().max_examples // 3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
NETWORKS = networks(max_vpcs=2, max_subnets=3, max_instances=4, load_balancers=True)


def batch_of(drawn: list[Flow]) -> FlowBatch:
    return FlowBatch.from_arrays(
        [f.src for f in drawn],
        [f.dst for f in drawn],
        np.array([f.protocol for f in drawn], dtype=object),
        np.array([f.port for f in drawn], dtype=object),
    )


def lb_flows(net: Network) -> st.SearchStrategy[list[Flow]]:
    """Flows of :func:`flows`, half of them to a load balancer (by name or node address) on a listener port."""
    names = {lb.lb_name for lb in net.load_balancers}
    nodes = {str(a) for lb in net.load_balancers for n in lb.nodes for a in (n.private_ip, n.public_ip) if a}
    everything = flows(net)
    if not names:
        return st.lists(everything, min_size=1, max_size=12)
    listeners = [(x.load_balancer, x.protocol, x.port) for x in net.listeners]

    @st.composite
    def to_listener(draw: st.DrawFn) -> Flow:
        base = draw(everything)
        lb, protocol, port = draw(st.sampled_from(listeners))
        dst = draw(
            st.sampled_from(
                [
                    lb.lb_name,
                    *(str(n.private_ip) for n in lb.nodes),
                    *(str(n.public_ip) for n in lb.nodes if n.public_ip is not None),
                ]
            )
        )
        proto = "udp" if protocol == "UDP" or (protocol == "TCP_UDP" and draw(st.booleans())) else "tcp"
        return Flow(base.src, dst, proto, port)

    assert nodes
    return st.lists(st.one_of(everything, to_listener()), min_size=1, max_size=12)


@SLOW
@given(data=st.data(), net=NETWORKS)
def test_evaluate_equals_trace_with_load_balancers(data: st.DataObject, net: Network) -> None:
    """SPEC V: evaluate() and trace() agree flow by flow on networks with load balancers, also with an AZ failed."""
    batch = batch_of(data.draw(lb_flows(net), label="flows"))
    assert_evaluate_agrees(net, batch)
    zones = sorted({s.availability_zone for s in net.subnets})
    zone = data.draw(st.sampled_from(zones), label="failed AZ")
    with net.what_if() as alt:
        alt.fail_az(zone)
        assert_evaluate_agrees(alt, batch)


def _check_health(net: Network) -> None:
    for tg in net.target_groups:
        lbs = [
            lb
            for lb in net.load_balancers
            if any(x.load_balancer is lb and x.target_group is tg for x in net.listeners)
        ]
        for row in net.describe_target_health(tg):
            target = row.target
            instance = row.instance
            if not lbs:
                assert (row.state, row.reason) == ("unused", "Target.NotInUse")
                continue
            if instance is not None and instance.state != "running":
                assert (row.state, row.reason) == ("unused", "Target.InvalidState")
                continue
            zone = instance.availability_zone if instance is not None else target.availability_zone
            if zone != "all" and zone not in {z for lb in lbs for z in lb.availability_zones}:
                assert (row.state, row.reason) == ("unused", "Target.NotInUse")
                continue
            if not tg.health_check.enabled:
                assert (row.state, row.reason) == ("unavailable", "Target.HealthCheckDisabled")
                continue
            assert row.state in ("healthy", "unhealthy"), row
            # Every live node of its load balancers checks it, whatever the cross-zone setting.
            expected = {n.id for lb in lbs for n in lb.nodes if net.down(n) is None}
            assert set(row.nodes) == expected, (row, expected)
            address = instance.private_ip if instance is not None else target.address
            port = tg.health_check.port or target.port or tg.port
            for node_id, ok in row.nodes.items():
                walked = net.trace(net.get(node_id), str(address), "tcp", port)
                assert walked.connected == ok, f"{node_id} -> {address}:{port}: {ok}\n{walked}"
            assert (row.state == "healthy") == any(row.nodes.values())
            assert row.reason == (None if row.state == "healthy" else "Target.FailedHealthChecks")
        # A node that sends to healthy targets sends only to those whose check from that node passed.
        checked = {(h.target.id, h.target.port): h.nodes for h in net.describe_target_health(tg)}
        for listener in [x for x in net.listeners if x.target_group is tg]:
            for node in listener.load_balancer.nodes:
                route = node_route(net, node, listener)
                if route.mode == "healthy" and tg.health_check.enabled:
                    for cand in route.candidates:
                        assert checked[(cand.target.id, cand.target.port)].get(node.id), (node.id, cand)


@SLOW
@given(data=st.data(), net=NETWORKS)
def test_target_health_is_the_health_check_walk(data: st.DataObject, net: Network) -> None:
    """SPEC L2: a target is healthy exactly when a node that may send to it connects to its health-check port."""
    _check_health(net)
    zones = sorted({s.availability_zone for s in net.subnets})
    with net.what_if() as alt:
        alt.fail_az(data.draw(st.sampled_from(zones), label="failed AZ"))
        _check_health(alt)


def _modes(net: Network) -> dict[tuple[str, str], str]:
    return {(x.id, n.id): node_route(net, n, x).mode for x in net.listeners for n in x.load_balancer.nodes}


@SLOW
@given(data=st.data(), net=NETWORKS)
def test_a_failure_connects_nothing_new_without_fail_open(data: st.DataObject, net: Network) -> None:
    """SPEC L2: failures only remove (down ENIs, blackholed routes, fewer healthy targets and DNS answers); the one
    way a flow can start connecting is a node that turns to fail-open when its last healthy targets go. Checked for
    every single failure resilience() tries: each AZ, NAT gateway, instance and load balancer node."""
    batch = batch_of(data.draw(lb_flows(net), label="flows"))
    report = net.resilience(batch, resources=True)
    before = _modes(net)
    for scenario in report.scenarios:
        after_connected = scenario.evaluation.connected
        assert report.before.connected[scenario.lost].all()
        assert not after_connected[scenario.lost].any()
        assert after_connected[scenario.gained].all()
        assert not report.before.connected[scenario.gained].any()
        if len(scenario.gained) == 0:
            continue
        with net.what_if() as alt:
            if scenario.kind == "availability-zone":
                alt.fail_az(scenario.failure)
            else:
                alt.fail(scenario.failure)
            after = _modes(alt)
        switched = [key for key, mode in after.items() if mode == "fail-open" and before.get(key) == "healthy"]
        assert switched, f"{scenario.failure} made flows {scenario.gained.tolist()} connect without fail-open"
    assert net.failures == []
