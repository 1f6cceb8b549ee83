"""Fault injection: ``fail_az``, ``fail``, ``restore``, ``failures`` and ``down`` (issue 8; SPEC L2 "an AZ failure
removes that AZ's node and targets", R6 "a route whose target is gone blackholes", V).

Most tests use :func:`vpcsim.examples.private_api_behind_nlb` (NLB ``api-nlb`` over ``api-a``/``api-b``, a NAT gateway
per AZ); a failure is always injected into a ``what_if()`` copy or checked to leave the original untouched.
"""

from __future__ import annotations

from typing import TypeVar

import pytest

import vpcsim
from vpcsim import INTERNET
from vpcsim.engine.health import dns_nodes
from vpcsim.examples import private_api_behind_nlb
from vpcsim.testing import assert_dropped, assert_evaluate_agrees, assert_refused

A, B = "us-east-1a", "us-east-1b"
CLIENT = vpcsim.internet("198.51.100.7")


R = TypeVar("R", bound=vpcsim.Instance | vpcsim.NatGateway | vpcsim.RouteTable)


def named(net: vpcsim.Network, name: str, kind: type[R]) -> R:
    """The one resource of ``kind`` with that Name tag."""
    found = [r for r in net if isinstance(r, kind) and r.name == name]
    assert len(found) == 1, (kind, name, found)
    return found[0]


def instance(net: vpcsim.Network, name: str) -> vpcsim.Instance:
    return named(net, name, vpcsim.Instance)


def nat(net: vpcsim.Network, name: str) -> vpcsim.NatGateway:
    return named(net, name, vpcsim.NatGateway)


def table(net: vpcsim.Network, name: str) -> vpcsim.RouteTable:
    return named(net, name, vpcsim.RouteTable)


def single_nat_gateway() -> vpcsim.Network:
    """The example with one NAT gateway for both AZs: private-b routes 0.0.0.0/0 to nat-a, nat-b is deleted."""
    net = private_api_behind_nlb()
    net.replace_route(table(net, "private-rt-b"), "0.0.0.0/0", nat(net, "nat-a"))
    net.delete_nat_gateway(nat(net, "nat-b"))
    return net


def fail_checks_of_api_b(net: vpcsim.Network) -> None:
    """Give api-b an SG that admits the clients (198.51.100.0/24) on 8443 but not the NLB's health checks."""
    sg = net.create_security_group(net.vpcs[0], "clients-only", description="no health checks")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=8443, cidr="198.51.100.0/24")
    net.modify_network_interface_attribute(instance(net, "api-b").primary_network_interface, security_groups=[sg])


def nlb(net: vpcsim.Network) -> vpcsim.LoadBalancer:
    (lb,) = net.load_balancers
    return lb


def health(net: vpcsim.Network) -> dict[str, tuple[str, str | None, str]]:
    """Instance name -> (state, reason, description) of api-tg's targets."""
    return {
        h.instance.name: (h.state, h.reason, h.description)
        for h in net.describe_target_health("api-tg")
        if h.instance is not None and h.instance.name is not None
    }


@pytest.fixture(scope="module")
def base() -> vpcsim.Network:
    return private_api_behind_nlb()


@pytest.fixture
def net(base: vpcsim.Network) -> vpcsim.Network:
    return base.copy()


@pytest.fixture
def single_nat() -> vpcsim.Network:
    return single_nat_gateway()


# ------------------------------------------------------------------ fail_az


def test_nothing_failed(net: vpcsim.Network) -> None:
    assert net.failures == []
    assert all(net.down(r) is None for r in net)
    assert health(net) == {"api-a": ("healthy", None, ""), "api-b": ("healthy", None, "")}


def test_fail_az_stops_its_instances(net: vpcsim.Network) -> None:
    net.fail_az(A)
    assert net.failures == [A]
    api_a, api_b = instance(net, "api-a"), instance(net, "api-b")
    eni = api_a.primary_network_interface
    assert net.down(eni) == f"{A} is failed"
    assert net.down(api_a) == f"{A} is failed"
    assert net.down(api_b) is None
    assert net.down(api_b.primary_network_interface) is None
    hop = assert_dropped(
        net.trace(api_a, INTERNET, "tcp", 443), "DENIED_OUT", "BAD_STATE", kind="instance-state", component=eni.id
    )
    assert A in hop.detail
    assert_dropped(
        net.trace(api_b, api_a, "tcp", 8443), "DENIED_IN", "BAD_STATE", kind="instance-state", component=eni.id
    )
    assert net.reachable(api_b, INTERNET, "tcp", 443)  # the other AZ carries on, through its own NAT gateway


def test_fail_az_blackholes_routes_to_its_nat_gateway(single_nat: vpcsim.Network) -> None:
    # SPEC R6: api-b (in b) routes through nat-a (in a): when a fails, the route blackholes.
    net = single_nat
    rt = table(net, "private-rt-b")
    nat_a = nat(net, "nat-a")
    assert net.reachable("api-b", INTERNET, "tcp", 443)
    net.fail_az(A)
    state = {str(r.destination): r.state for r in rt.routes}
    assert state == {"10.0.0.0/16": "active", "0.0.0.0/0": "blackhole"}
    assert net.down(nat_a) == f"{A} is failed"
    t = net.trace("api-b", INTERNET, "tcp", 443)
    assert_dropped(t, "NULL_ROUTED", "BAD_STATE_ROUTE", kind="route-table", component=rt.id, rule="0.0.0.0/0")
    net.restore(A)
    assert {r.state for r in rt.routes} == {"active"}
    assert net.reachable("api-b", INTERNET, "tcp", 443)


def test_fail_az_takes_the_node_out_of_dns_and_health(net: vpcsim.Network) -> None:
    lb = nlb(net)
    node_a, node_b = lb.node(A), lb.node(B)
    assert dns_nodes(net, lb) == [node_a, node_b]
    net.fail_az(A)
    assert net.down(node_a) == f"{A} is failed"
    assert net.down(node_b) is None
    assert dns_nodes(net, lb) == [node_b]
    t = net.trace(INTERNET, "api-nlb", "tcp", 443)
    assert t.connected
    assert t.destination.network_interface is node_b
    # The failed node's own address: its ENI is down.
    t = net.trace(INTERNET, str(node_a.public_ip), "tcp", 443)
    assert_dropped(t, "DENIED_IN", "BAD_STATE", kind="instance-state", component=node_a.id)
    # Health is re-evaluated: node b (the one live node, which checks every target) cannot reach api-a.
    assert health(net) == {
        "api-a": ("unhealthy", "Target.FailedHealthChecks", "Health checks failed"),
        "api-b": ("healthy", None, ""),
    }
    rows = {h.instance.name: h.nodes for h in net.describe_target_health("api-tg") if h.instance is not None}
    assert rows == {"api-a": {node_b.id: False}, "api-b": {node_b.id: True}}


def test_fail_az_with_cross_zone_on_drops_the_failed_targets(net: vpcsim.Network) -> None:
    # Cross-zone on: node b sends to both AZs' targets, until a's fail their checks (SPEC L2).
    lb = nlb(net)
    net.modify_load_balancer_attributes(lb, cross_zone=True)
    node_b = str(lb.node(B).public_ip)
    hop = next(h for h in net.trace(CLIENT, node_b, "tcp", 443).hops if h.kind == "target-group")
    assert "of 2 healthy targets in all enabled AZs" in hop.detail
    net.fail_az(A)
    t = net.trace(CLIENT, node_b, "tcp", 443)
    assert t.connected
    hop = next(h for h in t.hops if h.kind == "target-group")
    assert hop.rule == instance(net, "api-b").id
    assert "1 of 1 healthy targets in all enabled AZs" in hop.detail


def test_fail_az_then_fail_open(net: vpcsim.Network) -> None:
    # Only api-a is healthy (api-b's SG lets the clients in but not the health checks): failing a leaves no
    # healthy target, and the NLB fails open to api-b (SPEC L2).
    api_b = instance(net, "api-b")
    fail_checks_of_api_b(net)
    assert health(net)["api-b"][0] == "unhealthy"
    t = net.trace(CLIENT, "api-nlb", "tcp", 443)
    assert t.connected
    assert t.destination.network_interface is nlb(net).node(A)
    net.fail_az(A)
    t = net.trace(CLIENT, "api-nlb", "tcp", 443)
    assert t.connected, str(t)
    hop = next(h for h in t.hops if h.kind == "target-group")
    assert hop.rule == api_b.id
    assert "fail-open" in hop.detail


def test_fail_every_az_of_the_load_balancer(net: vpcsim.Network) -> None:
    lb = nlb(net)
    net.fail_az(A)
    net.fail_az(B)
    assert net.failures == [A, B]
    assert dns_nodes(net, lb) == sorted(lb.nodes, key=lambda n: n.availability_zone)  # all down: DNS answers all
    t = net.trace(INTERNET, "api-nlb", "tcp", 443)
    assert_dropped(t, "DENIED_IN", "BAD_STATE", kind="instance-state", component=lb.node(A).id)


def test_fail_an_az_without_resources(net: vpcsim.Network) -> None:
    flows = vpcsim.FlowBatch.from_arrays([INTERNET, "api-a"], ["api-nlb", INTERNET], ["tcp", "tcp"], [443, 443])
    net.fail_az("us-east-1f")  # an AZ of the region that holds nothing
    assert net.failures == ["us-east-1f"]
    assert net.evaluate(flows).connected.tolist() == [True, True]


# ------------------------------------------------------------------ fail one resource


def test_fail_nat_gateway(net: vpcsim.Network) -> None:
    nat_a = nat(net, "nat-a")
    net.fail(nat_a)
    assert net.failures == [nat_a.id]
    assert net.down(nat_a) == f"{nat_a.id} is failed"
    assert nat_a.network_interface is not None
    assert net.down(nat_a.network_interface) == f"{nat_a.id} is failed"
    t = net.trace("api-a", INTERNET, "tcp", 443)
    assert_dropped(t, "NULL_ROUTED", "BAD_STATE_ROUTE", kind="route-table", component=table(net, "private-rt-a").id)
    assert net.reachable("api-b", INTERNET, "tcp", 443)
    assert net.reachable(INTERNET, "api-nlb", "tcp", 443)  # the NLB path does not use the NAT gateway
    net.restore("nat-a")
    assert net.failures == []
    assert net.reachable("api-a", INTERNET, "tcp", 443)


def test_fail_instance(net: vpcsim.Network) -> None:
    api_a = instance(net, "api-a")
    lb = nlb(net)
    net.fail("api-a")
    assert net.failures == [api_a.id]
    assert net.down(api_a.primary_network_interface) == f"{api_a.id} is failed"
    assert api_a.state == "running"  # failed, not stopped
    assert health(net)["api-a"] == ("unhealthy", "Target.FailedHealthChecks", "Health checks failed")
    assert_dropped(net.trace(INTERNET, str(lb.node(A).public_ip), "tcp", 443), "NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ")
    t = net.trace(INTERNET, "api-nlb", "tcp", 443)
    assert t.connected
    assert t.destination.network_interface is lb.node(B)
    assert_dropped(net.trace("api-a", INTERNET, "tcp", 443), "DENIED_OUT", "BAD_STATE", kind="instance-state")
    # The health check as a trace from node a.
    check = net.trace(lb.node(A), str(api_a.private_ip), "tcp", 8443)
    assert_dropped(check, "DENIED_IN", "BAD_STATE", component=api_a.primary_network_interface.id)


def test_fail_one_node(net: vpcsim.Network) -> None:
    lb = nlb(net)
    node_a = lb.node(A)
    net.fail(node_a)
    assert net.failures == [node_a.id]
    assert net.down(node_a) == f"{node_a.id} is failed"
    assert net.down(lb.node(B)) is None
    assert dns_nodes(net, lb) == [lb.node(B)]
    assert net.trace(INTERNET, "api-nlb", "tcp", 443).destination.network_interface is lb.node(B)
    assert_dropped(
        net.trace(INTERNET, str(node_a.public_ip), "tcp", 443),
        "DENIED_IN",
        "BAD_STATE",
        kind="instance-state",
        component=node_a.id,
    )
    # api-a itself is fine: node b's check of it passes, though cross-zone off keeps node b from sending to it.
    (row,) = [h for h in net.describe_target_health("api-tg") if h.instance is instance(net, "api-a")]
    assert (row.state, row.nodes) == ("healthy", {lb.node(B).id: True})
    assert net.reachable("api-a", INTERNET, "tcp", 443)
    t = net.trace(INTERNET, "api-nlb", "tcp", 443)
    assert t.hops[-1].component == instance(net, "api-b").primary_network_interface.id
    net.restore(node_a.id)
    assert dns_nodes(net, lb) == [node_a, lb.node(B)]


def test_fail_whole_load_balancer(net: vpcsim.Network) -> None:
    lb = nlb(net)
    net.fail(lb)
    assert net.failures == [lb.id]
    assert all(net.down(n) == f"{lb.id} is failed" for n in lb.nodes)
    assert_dropped(net.trace(INTERNET, "api-nlb", "tcp", 443), "DENIED_IN", "BAD_STATE", kind="instance-state")
    assert set(health(net).values()) == {
        ("unhealthy", "Target.FailedHealthChecks", "no live load balancer node checks it")
    }
    net.restore(lb)
    assert net.reachable(INTERNET, "api-nlb", "tcp", 443)
    net.fail(lb.id)
    assert net.failures == [lb.id]


def test_fail_load_balancer_by_name(net: vpcsim.Network) -> None:
    # As the ELB operations take it: by object, ARN, name or DNS name.
    lb = nlb(net)
    net.fail("api-nlb")
    assert net.failures == [lb.id]
    net.restore("api-nlb")
    net.fail(lb.dns_name)
    assert net.failures == [lb.id]
    net.restore(lb.dns_name)
    assert net.failures == []


def test_restore_one_or_everything(net: vpcsim.Network) -> None:
    api_b = instance(net, "api-b")
    nat_a = nat(net, "nat-a")
    net.fail_az(A)
    net.fail(api_b)
    net.fail(nat_a)
    net.fail(nat_a)  # twice: still one failure
    assert net.failures == sorted([A, api_b.id, nat_a.id])
    net.restore(A)
    assert net.failures == sorted([api_b.id, nat_a.id])
    net.restore(api_b.id)
    assert net.failures == [nat_a.id]
    net.fail_az(B)
    net.restore()
    assert net.failures == []
    assert all(net.down(r) is None for r in net)
    assert net.snapshot() == private_api_behind_nlb().snapshot()


def test_failures_in_what_if_leave_the_original_untouched(base: vpcsim.Network) -> None:
    before = base.snapshot()
    with base.what_if() as alt:
        alt.fail_az(A)
        alt.fail(nat(alt, "nat-b"))
        alt.fail(nlb(alt))
        assert alt.failures == sorted([A, nat(alt, "nat-b").id, nlb(alt).id])
        assert not alt.reachable("api-b", INTERNET, "tcp", 443)
        assert alt.snapshot()["network"]["failures"] == alt.failures
        assert alt.copy().failures == alt.failures  # a copy carries the failures
    assert base.failures == []
    assert base.snapshot() == before
    assert "failures" not in before["network"]
    assert base.reachable("api-a", INTERNET, "tcp", 443)
    assert base.reachable(INTERNET, "api-nlb", "tcp", 443)
    assert all(r.state == "active" for t in base.route_tables for r in t.routes)


def test_health_follows_failures_on_the_same_network(net: vpcsim.Network) -> None:
    # The health cache is per network version: a failure and its restore are both seen at once.
    assert health(net)["api-a"][0] == "healthy"
    version = net.version
    net.fail("api-a")
    assert net.version > version
    assert health(net)["api-a"][0] == "unhealthy"
    net.restore("api-a")
    assert health(net)["api-a"][0] == "healthy"


def test_deleting_what_failed_forgets_the_failure(net: vpcsim.Network) -> None:
    net.fail("api-a")
    net.fail("nat-b")
    net.terminate_instance(instance(net, "api-a"))
    assert net.failures == [nat(net, "nat-b").id]
    assert list(health(net)) == ["api-b"]
    net.delete_nat_gateway(nat(net, "nat-b"))
    assert net.failures == []


# ------------------------------------------------------------------ bad arguments


@pytest.mark.parametrize("what", ["nope", "i-0000", 5, None, "public-a", "api", "default"])
def test_fail_refuses_what_cannot_fail(net: vpcsim.Network, what: object) -> None:
    with assert_refused(net, "InvalidParameterValue"):
        net.fail(what)  # type: ignore[arg-type]


def test_fail_refuses_resources_of_other_kinds(net: vpcsim.Network) -> None:
    api_a = instance(net, "api-a")
    with assert_refused(net, "InvalidParameterValue", api_a.primary_network_interface.id, "not a load balancer node"):
        net.fail(api_a.primary_network_interface)
    nat_eni = nat(net, "nat-a").network_interface
    assert nat_eni is not None
    with assert_refused(net, "InvalidParameterValue", nat_eni.id):
        net.fail(nat_eni)
    for resource in (
        net.subnets[0],
        net.vpcs[0],
        net.security_groups[0],
        net.target_groups[0],
        net.listeners[0],
        net.route_tables[0],
    ):
        with assert_refused(net, "InvalidParameterValue", "cannot be failed"):
            net.fail(resource)


@pytest.mark.parametrize("zone", ["us-east-1z", "eu-west-1a", "", 1, None])
def test_fail_az_refuses_unknown_zones(net: vpcsim.Network, zone: object) -> None:
    with assert_refused(net, "InvalidParameterValue"):
        net.fail_az(zone)  # type: ignore[arg-type]


def test_restore_refuses_what_is_not_failed(net: vpcsim.Network) -> None:
    with assert_refused(net, "InvalidParameterValue", "not failed"):
        net.restore("api-a")
    with assert_refused(net, "InvalidParameterValue"):
        net.restore(A)  # an AZ that is not failed
    with assert_refused(net, "InvalidParameterValue"):
        net.restore("nope")
    net.fail("api-a")
    with assert_refused(net, "InvalidParameterValue", "not failed"):
        net.restore("api-b")
    net.restore()  # restoring everything when something is failed
    net.restore()  # and when nothing is: a no-op


# ------------------------------------------------------------------ evaluate() under failures


@pytest.mark.parametrize("failure", [A, B, "nat-a", "api-b", "node-a", "lb"])
def test_evaluate_agrees_with_trace_under_failures(base: vpcsim.Network, failure: str) -> None:
    with base.what_if() as alt:
        lb = nlb(alt)
        if failure in (A, B):
            alt.fail_az(failure)
        elif failure == "node-a":
            alt.fail(lb.node(A))
        elif failure == "lb":
            alt.fail(lb)
        else:
            alt.fail(failure)
        ends: list[object] = [
            "api-a",
            "api-b",
            INTERNET,
            "api-nlb",
            str(lb.node(A).public_ip),
            str(lb.node(B).public_ip),
            str(nat(alt, "nat-a").public_ip),
        ]
        rows = [(s, d) for s in ends for d in ends if s is not d and not (s is INTERNET and d is INTERNET)]
        rows = [(s, d) for s, d in rows if s in ("api-a", "api-b", INTERNET)]
        flows = vpcsim.FlowBatch.from_arrays(
            [s for s, _ in rows] * 2,
            [d for _, d in rows] * 2,
            ["tcp"] * len(rows) + ["udp"] * len(rows),
            [443] * (2 * len(rows)),
        )
        v = assert_evaluate_agrees(alt, flows)
        assert not v.connected.all()
