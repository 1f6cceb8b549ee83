"""``net.resilience()``: which flows survive each single failure (issue 8; SPEC L2, R6).

The founding example, :func:`vpcsim.examples.private_api_behind_nlb`, survives any one AZ for its inbound API
(cross-zone off, a node and a target per AZ) while each server's outbound traffic depends on its own AZ's NAT gateway.
Two variants that do not survive: one NAT gateway for both AZs, and targets in one AZ only.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from test_faults import fail_checks_of_api_b, instance, nat, single_nat_gateway, table

import vpcsim
from vpcsim import INTERNET
from vpcsim.examples import NLB_QUESTIONS, private_api_behind_nlb
from vpcsim.testing import assert_evaluate_agrees

A, B = "us-east-1a", "us-east-1b"
CLIENT = vpcsim.internet("198.51.100.7")


@pytest.fixture(scope="module")
def net() -> vpcsim.Network:
    return private_api_behind_nlb()


@pytest.fixture(scope="module")
def report(net: vpcsim.Network) -> vpcsim.Resilience:
    return net.resilience(resources=True)


def flow_rows(r: vpcsim.Resilience) -> list[tuple[str, str, str, int | None]]:
    return [r._flow_labels(i) for i in range(len(r.flows))]


# ------------------------------------------------------------------ the founding example


def test_default_flows(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    api_a, api_b = instance(net, "api-a"), instance(net, "api-b")
    assert flow_rows(report) == [
        ("vpcsim.INTERNET", "api-nlb", "tcp", 443),
        (f"{api_a.id} (api-a)", "vpcsim.INTERNET", "tcp", 443),
        (f"{api_b.id} (api-b)", "vpcsim.INTERNET", "tcp", 443),
    ]
    assert report.before.connected.tolist() == [True, True, True]


def test_api_survives_any_one_az(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    for zone in (A, B):
        scenario = report.scenario(zone)
        assert scenario.kind == "availability-zone"
        assert scenario.label == zone
        assert 0 not in scenario.lost.tolist()  # internet -> api-nlb
        assert scenario.evaluation.connected[0]
    inbound = net.resilience([(INTERNET, "api-nlb", "tcp", 443)], resources=True)
    assert all(s.survives for s in inbound.scenarios)
    assert inbound.survives(A)
    assert inbound.survives(B)
    assert repr(inbound) == "<Resilience 1 flows (1 connected), 8 failures; every flow survives every failure>"


def test_outbound_flows_depend_on_their_az_nat_gateway(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    api_a, api_b = instance(net, "api-a"), instance(net, "api-b")
    nat_a, nat_b = nat(net, "nat-a"), nat(net, "nat-b")
    deps = report.dependencies()
    assert list(deps.columns) == ["source", "destination", "protocol", "port", "depends_on"]
    by_source = {row.source: row.depends_on for row in deps.itertuples()}
    assert by_source == {
        f"{api_a.id} (api-a)": [A, nat_a.id, api_a.id],
        f"{api_b.id} (api-b)": [B, nat_b.id, api_b.id],
    }
    # Failing nat-a loses api-a's flow only, with its own ends up: NULL_ROUTED at private-rt-a (R6).
    lost = report.scenario(nat_a)
    assert (lost.kind, lost.label, lost.lost.tolist(), lost.ends_down) == (
        "nat-gateway",
        f"{nat_a.id} (nat-a)",
        [1],
        frozenset(),
    )
    assert not report.survives(nat_a.id)
    assert not report.survives(nat_b)
    frame = report.frame()
    row = frame[(frame.failure == nat_a.id)].iloc[0]
    assert (row.disposition, row.explanation, row.component) == (
        "NULL_ROUTED",
        "BAD_STATE_ROUTE",
        table(net, "private-rt-a").id,
    )
    assert not row.end_down


def test_resource_scenarios(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    lb = net.load_balancers[0]
    kinds = [(s.failure, s.kind) for s in report.scenarios]
    assert kinds == [
        (A, "availability-zone"),
        (B, "availability-zone"),
        (nat(net, "nat-a").id, "nat-gateway"),
        (nat(net, "nat-b").id, "nat-gateway"),
        (instance(net, "api-a").id, "instance"),
        (instance(net, "api-b").id, "instance"),
        (lb.node(A).id, "load-balancer-node"),
        (lb.node(B).id, "load-balancer-node"),
    ]
    assert report.scenario(lb.node(A)).label == "api-nlb node in us-east-1a"
    assert report.survives(lb.node(A))
    assert report.survives(lb.node(B).id)
    only_azs = net.resilience()
    assert [s.kind for s in only_azs.scenarios] == ["availability-zone"] * 2
    # A stopped instance and a failed NAT are no scenario.
    with net.what_if() as alt:
        alt.stop_instance(instance(alt, "api-b"))
        labels = [s.label for s in alt.resilience(resources=True).scenarios]
        assert not any("api-b" in label for label in labels)


def test_summary(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    summary = report.summary()
    assert list(summary.columns) == [
        "failure",
        "kind",
        "label",
        "flows",
        "lost",
        "lost_with_ends_up",
        "gained",
        "survives",
    ]
    rows = {row.failure: row for row in summary.itertuples()}
    assert (rows[A].flows, rows[A].lost, rows[A].lost_with_ends_up, rows[A].gained, rows[A].survives) == (
        3,
        1,
        0,
        0,
        False,
    )  # api-a is down itself
    nat_a = nat(net, "nat-a").id
    assert (rows[nat_a].lost, rows[nat_a].lost_with_ends_up) == (1, 1)
    assert rows[net.load_balancers[0].node(A).id].survives


def test_frame(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    frame = report.frame()
    assert list(frame.columns) == [
        "failure",
        "kind",
        "source",
        "destination",
        "protocol",
        "port",
        "end_down",
        "disposition",
        "explanation",
        "component",
        "reply_explanation",
    ]
    assert len(frame) == sum(len(s.lost) for s in report.scenarios) == 6
    az = frame[frame.failure == A].iloc[0]
    api_a = instance(net, "api-a")
    assert (az.source, az.destination, az.protocol, az.port, az.end_down) == (
        f"{api_a.id} (api-a)",
        "vpcsim.INTERNET",
        "tcp",
        443,
        True,
    )
    assert (az.disposition, az.explanation, az.component) == (
        "DENIED_OUT",
        "BAD_STATE",
        api_a.primary_network_interface.id,
    )


def test_html_and_repr(report: vpcsim.Resilience) -> None:
    html = report._repr_html_()
    assert html.startswith("<p><b>Resilience</b>: 3 flows, 3 connected")
    assert "api-nlb node in us-east-1a" in html
    assert "color:green" in html
    assert "color:red" in html
    assert "BAD_STATE_ROUTE" in html
    assert "-&gt; vpcsim.INTERNET" in html
    assert repr(report).startswith("<Resilience 3 flows (3 connected), 8 failures; flows lost under us-east-1a")


def test_the_original_is_untouched(net: vpcsim.Network) -> None:
    before = net.snapshot()
    net.resilience(resources=True)
    assert net.snapshot() == before
    assert net.failures == []


def test_scenarios_agree_with_trace(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    # Each scenario's evaluation is the engine's own: the same as trace() on the failed copy.
    with net.what_if() as alt:
        alt.fail_az(A)
        assert_evaluate_agrees(alt, report.flows)
        assert alt.evaluate(report.flows).connected.tolist() == report.scenario(A).evaluation.connected.tolist()


# ------------------------------------------------------------------ flows in every form


def test_flows_in_every_accepted_form(net: vpcsim.Network) -> None:
    api_a = instance(net, "api-a")
    batch = vpcsim.FlowBatch.from_arrays([INTERNET, api_a], ["api-nlb", INTERNET], ["tcp", "tcp"], [443, 443])
    forms: list[Any] = [
        batch,
        [(INTERNET, "api-nlb", "tcp", 443), (api_a, INTERNET, "tcp", 443)],
        [[INTERNET, "api-nlb", "tcp", 443], [api_a.id, INTERNET, "tcp", 443]],  # rows as lists, instance by id
        batch.frame(),
        pd.DataFrame(
            {"src": [INTERNET, "api-a"], "dst": ["api-nlb", INTERNET], "protocol": ["tcp", "tcp"], "port": [443, 443]}
        ),
        {"sources": [INTERNET], "destinations": ["api-nlb"], "protocols": ["tcp"], "ports": [443]},
    ]
    for flows in forms:
        r = net.resilience(flows)
        assert r.before.connected.all(), flows
        if len(r.flows) == 2:
            assert r.scenario(A).lost.tolist() == [1]
            assert r.survives(B)
        else:
            assert r.survives(A)
            assert r.survives(B)
    # Shorter tuples: protocol defaults to TCP, port to none (ICMP needs none; TCP needs one).
    r = net.resilience([("api-a", INTERNET, "icmp"), ("api-b", INTERNET, "udp", 53)])
    assert r.before.connected.tolist() == [True, True]
    scope: Any = {"sources": ["api-a", "api-b"], "destinations": [INTERNET], "ports": [443]}
    assert len(net.resilience(scope).flows) == 2


def test_zones(net: vpcsim.Network) -> None:
    flows = [(INTERNET, "api-nlb", "tcp", 443)]
    assert [s.failure for s in net.resilience(flows, zones=[B]).scenarios] == [B]
    assert [s.failure for s in net.resilience(flows, zones=A).scenarios] == [A]
    # An AZ of the region without subnets: nothing is lost.
    assert net.resilience(flows, zones=["us-east-1c"]).survives("us-east-1c")
    assert [s.failure for s in net.resilience(flows, zones=[]).scenarios] == []


@pytest.mark.parametrize(
    ("flows", "message"),
    [
        ({"sources": [INTERNET]}, "sources, destinations"),
        ({"sources": [INTERNET], "destinations": ["api-nlb"], "port": [443]}, "port"),
        ([], "tuples"),
        ([(INTERNET,)], "tuples"),
        ([(INTERNET, "api-nlb", "tcp", 443, 1024)], "tuples"),
        ("api-nlb", "cannot take"),
        (42, "cannot take"),
        ([(INTERNET, "api-nlb", "tcp", 70000)], "70000"),
        ([("no-such-host", "api-nlb", "tcp", 443)], "no-such-host"),
    ],
)
def test_bad_flows(net: vpcsim.Network, flows: object, message: str) -> None:
    with pytest.raises(vpcsim.VpcsimError, match=message):
        net.resilience(flows)  # type: ignore[arg-type]


def test_bad_zones_and_scenarios(net: vpcsim.Network, report: vpcsim.Resilience) -> None:
    with pytest.raises(vpcsim.InvalidFlowError, match="us-east-1z"):
        net.resilience(zones=["us-east-1z"])
    with pytest.raises(KeyError, match="eu-west-1a"):
        report.scenario("eu-west-1a")
    with pytest.raises(KeyError):
        report.survives(net.subnets[0])


def test_no_default_flows_without_load_balancers_or_internet() -> None:
    net = vpcsim.Network()
    vpc = net.create_vpc("10.0.0.0/16")
    net.run_instance(net.create_subnet(vpc, "10.0.0.0/24", az=A))
    with pytest.raises(vpcsim.InvalidFlowError, match="give resilience"):
        net.resilience()
    assert net.resilience([(net.instances[0], "10.0.0.4", "icmp")]).before is not None


def test_nlb_questions_are_answered(net: vpcsim.Network) -> None:
    flows = [(src, dst, protocol, port) for _, src, dst, protocol, port in NLB_QUESTIONS]
    r = net.resilience(flows, resources=True)
    assert r.before.connected.tolist() == [True, False, False, True, True, True]
    # Only connected flows can be lost; nothing is gained in the founding example.
    assert all(len(s.gained) == 0 for s in r.scenarios)


# ------------------------------------------------------------------ architectures that do not survive


def test_single_nat_gateway_does_not_survive_its_az() -> None:
    net = single_nat_gateway()
    nat_a, rt_b = nat(net, "nat-a"), table(net, "private-rt-b")
    r = net.resilience(resources=True)
    api_b = instance(net, "api-b")
    deps = {row.source: row.depends_on for row in r.dependencies().itertuples()}
    assert deps[f"{api_b.id} (api-b)"] == [A, B, nat_a.id, api_b.id]  # api-b now depends on the other AZ
    scenario = r.scenario(A)
    assert 2 in scenario.lost.tolist()
    assert 2 not in scenario.ends_down
    assert r.summary().set_index("failure").loc[A, "lost_with_ends_up"] == 1
    row = r.frame().query("failure == @A and source.str.contains('api-b')").iloc[0]
    assert (row.disposition, row.explanation, row.component) == ("NULL_ROUTED", "BAD_STATE_ROUTE", rt_b.id)
    assert r.survives(B) is False  # b still loses api-b itself
    assert 0 not in r.scenario(A).lost.tolist()  # the API still survives


def test_targets_in_one_az_only_do_not_survive_it() -> None:
    net = private_api_behind_nlb()
    api_b = instance(net, "api-b")
    net.deregister_targets("api-tg", [api_b])
    r = net.resilience([(CLIENT, "api-nlb", "tcp", 443)], resources=True)
    assert r.before.connected.tolist() == [True]
    assert not r.survives(A)
    assert r.survives(B)
    row = r.frame().iloc[0]
    assert row.failure == A
    assert not row.end_down
    # By name, DNS gives every node when none has a healthy target (fail-open), and node b has none in its AZ.
    assert (row.disposition, row.explanation) == ("NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ")
    lb = net.load_balancers[0]
    assert not r.survives(instance(net, "api-a"))
    assert r.survives(lb.node(B))
    assert not r.survives(lb.node(A))
    # Cross-zone on does not help: the only target is in the failed AZ.
    net.modify_load_balancer_attributes(lb, cross_zone=True)
    assert not net.resilience([(CLIENT, "api-nlb", "tcp", 443)]).survives(A)


def test_fail_open_can_gain_flows() -> None:
    # api-b fails its health checks (its SG admits the client, not the nodes): node b has no healthy target.
    # When a fails, no target is healthy: the NLB fails open, and node b now sends to api-b.
    net = private_api_behind_nlb()
    fail_checks_of_api_b(net)
    node_b = str(net.load_balancers[0].node(B).public_ip)
    r = net.resilience([(CLIENT, "api-nlb", "tcp", 443), (CLIENT, node_b, "tcp", 443)], zones=[A])
    assert r.before.connected.tolist() == [True, False]
    scenario = r.scenario(A)
    assert scenario.lost.tolist() == []
    assert scenario.gained.tolist() == [1]
    assert scenario.survives
    assert r.summary().loc[0, "gained"] == 1


def test_internal_load_balancer_in_default_flows() -> None:
    # Default flows: every running instance of the VPC to each internal listener. api-a and api-b call an internal
    # NLB whose targets are themselves: when one AZ fails, the survivor is the only target left, and a target
    # cannot reach itself through an NLB that keeps its IP (L1): its flow is lost though it is up.
    net = private_api_behind_nlb()
    private = [s for s in net.subnets if s.name in ("private-a", "private-b")]
    inner = net.create_load_balancer("inner", private, type="network", scheme="internal")
    tg = net.create_target_group("inner-tg", protocol="TCP", port=8443, vpc=net.vpcs[0])
    net.register_targets(tg, net.instances)
    net.create_listener(inner, protocol="TCP", port=9443, target_group=tg)
    r = net.resilience()
    api_a, api_b = instance(net, "api-a"), instance(net, "api-b")
    assert flow_rows(r)[1:3] == [
        (f"{api_a.id} (api-a)", "inner", "tcp", 9443),
        (f"{api_b.id} (api-b)", "inner", "tcp", 9443),
    ]
    assert r.before.connected.all()
    frame = r.frame()
    row = frame[(frame.failure == A) & (frame.destination == "inner") & ~frame.end_down].iloc[0]
    assert row.source == f"{api_b.id} (api-b)"
    assert (row.disposition, row.explanation, row.component) == (
        "DENIED_IN",
        "ELBV2_SOURCE_ADDRESS_PRESERVATION",
        inner.id,
    )
    assert r.summary().set_index("failure").loc[A, "lost_with_ends_up"] == 1
