"""Property tests of the packet walk (issue 3) on random valid networks from :mod:`vpcsim.testing.strategies`.

For every flow the strategies make: the trace ends in exactly one disposition with the explanation and deciding hop
SPEC V asks for; a connected flow's reply retraces its forward path (G4, N4, P3, I3, I4, I5: the networks route
symmetrically by construction); blockers list what stops the flow, and only then; a trace is a question, not an
operation (deterministic, the network unchanged). A falsifying example prints the network's construction script.
"""

from __future__ import annotations

import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import vpcsim
from vpcsim import Disposition, Hop, Network, Trace
from vpcsim.testing.strategies import Flow, construction, flows, networks

# The components a packet passes through (as opposed to the checks made on the way): the nodes of its path.
NODE_KINDS = frozenset(
    {
        "network-interface",
        "nat-gateway",
        "internet-gateway",
        "egress-only-internet-gateway",
        "vpc-peering-connection",
        "transit-gateway-attachment",
        "internet",
    }
)
DELIVERED = frozenset({Disposition.ACCEPTED, Disposition.EXITS_NETWORK})

# SPEC V: where each kind of drop may happen. DENIED_OUT is leaving the source (SG egress, NACL egress, src/dst
# check, a stopped sender); DENIED_IN is entering the destination or a gateway (NACL/SG ingress, src/dst check,
# gateway refusals, link-local services, a client refusing a reply from another address); NO_ROUTE and
# NULL_ROUTED are routing decisions.
DROP_KINDS: dict[Disposition, frozenset[str]] = {
    Disposition.DENIED_OUT: frozenset(
        {"security-group-egress", "nacl-egress", "source-dest-check", "instance-state"}
    ),
    Disposition.DENIED_IN: frozenset(
        {
            "security-group-ingress",
            "nacl-ingress",
            "source-dest-check",
            "instance-state",
            "internet-gateway",
            "nat-gateway",
            "egress-only-internet-gateway",
            "vpc-peering-connection",
            "transit-gateway",
            "instance-metadata",
            "dns-resolver",
            "time-sync",
            "client",  # a reply from another address than the request went to (asymmetric path)
        }
    ),
    Disposition.NO_ROUTE: frozenset(
        {"route-table", "subnet", "vpc", "internet", "transit-gateway-route-table", "transit-gateway-attachment"}
    ),
    Disposition.NULL_ROUTED: frozenset({"route-table", "transit-gateway-route-table"}),
    Disposition.LOOP: frozenset({"route-table", "transit-gateway-route-table"}),
}
# SPEC V: explanation codes that name the kind of component that decided.
EXPLAINED_BY = {
    "SUBNET_ACL_RESTRICTION": frozenset({"nacl-ingress", "nacl-egress"}),
    "ENI_SG_RULES_MISMATCH": frozenset({"security-group-ingress", "security-group-egress"}),
    "ENI_SOURCE_DEST_CHECK_RESTRICTION": frozenset({"source-dest-check"}),
    "NO_ROUTE_TO_DESTINATION": DROP_KINDS[Disposition.NO_ROUTE],
    "BAD_STATE_ROUTE": DROP_KINDS[Disposition.NULL_ROUTED],
}

# Flows drawn per network: a network costs more to build than a flow to trace, and connected flows through a
# gateway are a minority, so each network answers several.
MIN_FLOWS, MAX_FLOWS = 4, 12


def _trace(net: Network, flow: Flow) -> Trace:
    return net.trace(flow.src, flow.dst, flow.protocol, flow.port)


def _draw_flows(net: Network, data: st.DataObject) -> list[Flow]:
    return data.draw(st.lists(flows(net), min_size=MIN_FLOWS, max_size=MAX_FLOWS), label="flows")


def _nodes(trace: Trace) -> list[str]:
    """The components a packet passed through, in order, without repeats in a row."""
    path: list[str] = []
    for hop in trace.hops:
        if hop.kind in NODE_KINDS and (not path or path[-1] != hop.component):
            path.append(hop.component)
    return path


def _check_verdict(trace: Trace) -> None:
    """SPEC V for one walk (forward or reply): one disposition, its explanation and the hop that decided."""
    text = str(trace)
    assert isinstance(trace.disposition, Disposition), text
    assert trace.hops, text
    dropped = trace.disposition not in DELIVERED
    assert (trace.explanation is None) == (not dropped), text
    decided: Hop | None = trace.decided_by
    if not dropped:
        assert decided is None, text
        assert trace.hops[-1].action in ("deliver", "exit"), text
        return
    assert trace.explanation in vpcsim.EXPLANATIONS, text
    assert decided is not None, text
    assert decided.dropped, text
    assert decided is trace.hops[-1], f"the walk went on after the drop at {decided}\n{text}"
    assert decided.explanation == trace.explanation, text
    assert decided.kind in DROP_KINDS[trace.disposition], f"{decided.kind} cannot make {trace.disposition}\n{text}"
    if trace.explanation in EXPLAINED_BY:
        assert decided.kind in EXPLAINED_BY[trace.explanation], text


@given(net=networks(), data=st.data())
def test_v_every_flow_ends_in_one_disposition(net: Network, data: st.DataObject) -> None:
    """SPEC V: a valid flow never raises; it ends in one Disposition, explained and decided as V describes."""
    for flow in _draw_flows(net, data):
        trace = _trace(net, flow)
        _check_verdict(trace)
        if trace.reply is not None:
            assert trace.delivered, str(trace)
            _check_verdict(trace.reply)
        assert trace.connected == net.reachable(flow.src, flow.dst, flow.protocol, flow.port), str(trace)
        assert trace.connected == (trace.delivered and (trace.reply is None or trace.reply.delivered))


@given(net=networks(), data=st.data())
def test_g4_connected_reply_mirrors_forward_path(net: Network, data: st.DataObject) -> None:
    """SPEC G4, N4, P3, I3-I5: with symmetric routing, a connected flow's reply passes the same nodes, reversed."""
    for flow in _draw_flows(net, data):
        trace = _trace(net, flow)
        if not trace.connected or trace.reply is None:
            continue
        forward, back = _nodes(trace), _nodes(trace.reply)
        note(f"forward nodes {forward}\nreply nodes   {back}")
        if any(n.startswith("eigw-") for n in back) and not any(n.startswith("eigw-") for n in forward):
            continue  # asymmetric: in through the IGW, out through an egress-only IGW, which lets replies out (I3)
        assert back == forward[::-1], f"the reply does not retrace the forward path\n{trace}"


def test_i4_nat_gateway_reply_mirrors_forward_path() -> None:
    """SPEC I4, G4: the reply through a NAT gateway passes the same nodes as the request, reversed (regression)."""
    net = Network(seed=0)
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    public = net.create_subnet(vpc, "10.0.0.0/24")
    private = net.create_subnet(vpc, "10.0.1.0/24")
    public_rt = net.create_route_table(vpc)
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.associate_route_table(public_rt, public)
    nat = net.create_nat_gateway(public, allocation=net.allocate_address())
    private_rt = net.create_route_table(vpc)
    net.create_route(private_rt, "0.0.0.0/0", nat)
    net.associate_route_table(private_rt, private)
    app = net.run_instance(private)
    trace = net.trace(app, vpcsim.INTERNET, "tcp", 443)
    assert trace.connected, str(trace)
    assert trace.reply is not None
    forward = _nodes(trace)
    assert forward[0] == app.primary_network_interface.id, str(trace)
    assert {nat.id, igw.id, "internet"} <= set(forward), str(trace)
    assert _nodes(trace.reply) == forward[::-1], f"the reply does not retrace the forward path\n{trace}"


@given(net=networks(), data=st.data())
def test_v_blockers_listed_iff_not_connected(net: Network, data: st.DataObject) -> None:
    """SPEC V: blockers are empty iff the flow is connected, are all drops, and include the forward's decider."""
    for flow in _draw_flows(net, data):
        trace = _trace(net, flow)
        assert bool(trace.blockers) == (not trace.connected), str(trace)
        assert all(hop.dropped for hop in trace.blockers), str(trace)
        if trace.decided_by is not None:
            assert trace.decided_by in trace.blockers, str(trace)


def _summary(trace: Trace) -> tuple[object, ...]:
    reply = trace.reply
    return (
        str(trace),
        trace.disposition,
        trace.explanation,
        trace.hops,
        trace.blockers,
        trace.delivered,
        trace.connected,
        None if reply is None else (reply.disposition, reply.explanation, reply.hops, reply.delivered),
    )


@given(net=networks(), data=st.data())
def test_v_trace_is_deterministic_and_read_only(net: Network, data: st.DataObject) -> None:
    """SPEC V, X: tracing is a question: the same answer twice, and the network (snapshot, version) unchanged."""
    before, version = net.snapshot(), net.version
    for flow in _draw_flows(net, data):
        first, second = _trace(net, flow), _trace(net, flow)
        assert _summary(first) == _summary(second)
    assert net.version == version
    assert net.snapshot() == before


@given(net=networks())
def test_networks_are_built_from_a_recorded_script(net: Network) -> None:
    """The construction script rebuilds the same network, ids included (the repro printed with a failure)."""
    namespace: dict[str, object] = {}
    exec(construction(net), namespace)
    rebuilt = namespace["net"]
    assert isinstance(rebuilt, Network)
    assert rebuilt.snapshot() == net.snapshot()


@pytest.mark.parametrize(
    "bad", [{"max_vpcs": 0}, {"max_subnets": 0}, {"max_instances": -1}, {"max_vpcs": True}, {"max_vpcs": 99}]
)
def test_networks_validates_its_arguments(bad: dict[str, object]) -> None:
    """A bad limit fails when the strategy is built, not when it is drawn."""
    with pytest.raises(InvalidArgument):
        networks(**bad)  # type: ignore[arg-type]


def test_flows_validates_its_argument() -> None:
    """flows() needs a Network, checked when the strategy is built."""
    with pytest.raises(InvalidArgument):
        flows("net")  # type: ignore[arg-type]
