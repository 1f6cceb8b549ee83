"""The property-based testing kit, :mod:`vpcsim.testing.strategies` (issue 9, item 1).

Every strategy checks its arguments when it is built (``InvalidArgument`` naming the value, before any draw); the
knobs of :func:`networks` do what its docstring says; and what the strategies draw, vpcsim and AWS accept:
addresses an interface may take, ends ``trace()`` takes, edit sequences that apply (after which ``evaluate()``
still agrees with ``trace()``), construction scripts that rebuild the network. ``st.from_type(vpcsim.Network)``
works through the ``hypothesis`` entry point.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument, NoSuchExample

import vpcsim
from vpcsim import INTERNET, FlowBatch, InternetHost, Network
from vpcsim.examples import EXAMPLES
from vpcsim.testing import assert_evaluate_agrees
from vpcsim.testing.strategies import (
    IPV6_INTERNET_HOST,
    Edit,
    addresses,
    construction,
    edits,
    endpoints,
    flows,
    networks,
)

# Networks with load balancers and appliances are the slowest draws: fewer examples than the profile's 100.
SLOW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# A forced knob holds on every network, so a few dozen draws check it.
KNOB = settings(max_examples=30, deadline=None)
# Looking for "some network has X" without shrinking the one found: only whether one exists matters.
SEARCH = settings(max_examples=100, database=None, phases=[Phase.generate], deadline=None, derandomize=True)
DATA = Path(__file__).parent / "data"
# Built and loaded networks: the examples, and exports with what networks() does not build (gateway route tables,
# VPN, endpoints, prefix lists).
NAMED: dict[str, Callable[[], Network]] = {
    **EXAMPLES,
    "terraform": lambda: vpcsim.load_terraform(DATA / "terraform" / "show.json"),
    "aws-shapes": lambda: vpcsim.load_aws(DATA / "handwritten" / "aws-shapes.json"),
}
EVERYTHING = networks(max_vpcs=3, max_subnets=3, max_instances=5, appliances=True, load_balancers=True)


def two_subnets() -> tuple[Network, vpcsim.Subnet, vpcsim.Subnet]:
    """A VPC with an IPv6 block: a dual-stack /28 and an IPv4-only /28."""
    net = Network(seed=9)
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    v6 = str(next(vpc.ipv6_cidr_block.subnets(new_prefix=64)))
    dual = net.create_subnet(vpc, "10.0.1.0/28", ipv6_cidr_block=v6)
    return net, dual, net.create_subnet(vpc, "10.0.2.0/28")


def drawn_by(strategy: st.SearchStrategy[object], examples: int = 100) -> list[object]:
    """Everything ``strategy`` draws in one run of ``examples`` examples (the same every run)."""
    seen: list[object] = []

    @settings(max_examples=examples, database=None, deadline=None, derandomize=True)
    @given(strategy)
    def record(value: object) -> None:
        seen.append(value)

    record()
    return seen


# ------------------------------------------------------------------------------------ arguments, when built


@pytest.mark.parametrize(
    ("arguments", "named"),
    [
        ({"max_vpcs": 0}, "max_vpcs=0"),
        ({"max_vpcs": 17}, "max_vpcs=17"),
        ({"max_vpcs": "3"}, "max_vpcs='3'"),
        ({"max_vpcs": True}, "max_vpcs=True"),
        ({"max_subnets": 0}, "max_subnets=0"),
        ({"max_subnets": 17}, "max_subnets=17"),
        ({"max_instances": -1}, "max_instances=-1"),
        ({"max_instances": 33}, "max_instances=33"),
        ({"max_instances": 2.0}, "max_instances=2.0"),
        ({"ipv6": "yes"}, "ipv6='yes'"),
        ({"nat": 1}, "nat=1"),
        ({"peering": "no"}, "peering='no'"),
        ({"appliances": None}, "appliances=None"),
        ({"load_balancers": "yes"}, "load_balancers='yes'"),
    ],
)
def test_networks_refuses_a_bad_argument_when_built(arguments: dict[str, object], named: str) -> None:
    with pytest.raises(InvalidArgument, match=re.escape(named)):
        networks(**arguments)  # type: ignore[arg-type]


def test_networks_takes_the_limits_at_their_ends() -> None:
    """1..16 VPCs and subnets, 0..32 instances: the ends are valid (no off-by-one in the checks)."""
    for arguments in ({"max_vpcs": 16, "max_subnets": 16, "max_instances": 32}, {"max_vpcs": 1, "max_subnets": 1}):
        assert isinstance(networks(**arguments), st.SearchStrategy)


def test_addresses_refuses_a_bad_argument_when_built() -> None:
    net, dual, ipv4_only = two_subnets()
    with pytest.raises(InvalidArgument, match="needs a vpcsim Subnet, not <Vpc"):
        addresses(dual.vpc)  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="needs a vpcsim Subnet, not 'subnet-1'"):
        addresses("subnet-1")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="ip_version=5 must be 4 or 6"):
        addresses(dual, ip_version=5)
    with pytest.raises(InvalidArgument, match=f"{ipv4_only.id} has no IPv6 block"):
        addresses(ipv4_only, ip_version=6)
    net.create_network_interface(ipv4_only, secondary_private_ip_count=10)  # all 11 usable addresses of the /28
    with pytest.raises(InvalidArgument, match=f"{ipv4_only.id} has no free address"):
        addresses(ipv4_only, free=True)


def test_endpoints_flows_and_edits_refuse_a_bad_argument_when_built() -> None:
    net = EXAMPLES["nlb"]()
    for strategy in (endpoints, flows, edits):
        name = strategy.__name__
        with pytest.raises(InvalidArgument, match=re.escape(f"{name}() needs a vpcsim.Network, not 'net'")):
            strategy("net")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgument, match="the network has no interface and internet_hosts=False"):
        endpoints(Network(), internet_hosts=False)
    for sizes, named in [
        ({"min_size": 3, "max_size": 2}, "min_size=3 is more than max_size=2"),
        ({"max_size": 51}, "max_size=51 must be an integer in 0..50"),
        ({"min_size": -1}, "min_size=-1"),
        ({"max_size": True}, "max_size=True"),
        ({"min_size": "1"}, "min_size='1'"),
    ]:
        with pytest.raises(InvalidArgument, match=re.escape(named)):
            edits(net, **sizes)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------- networks' knobs


@KNOB
@given(networks(max_vpcs=2, max_subnets=2, max_instances=3))
def test_networks_stay_within_their_limits(net: Network) -> None:
    assert 1 <= len(net.vpcs) <= 2
    assert all(1 <= len([s for s in net.subnets if s.vpc is vpc]) <= 2 for vpc in net.vpcs)
    assert 1 <= len(net.instances) <= 3
    assert {i.instance_type for i in net.instances} == {"t3.micro"}


@KNOB
@given(networks(max_instances=0))
def test_networks_without_instances(net: Network) -> None:
    assert net.instances == []


@pytest.mark.parametrize("ipv6", [True, False])
@KNOB
@given(data=st.data())
def test_ipv6_knob_gives_every_vpc_and_subnet_an_ipv6_block_or_none(ipv6: bool, data: st.DataObject) -> None:
    net = data.draw(networks(max_vpcs=3, ipv6=ipv6))
    assert [v.ipv6_cidr_block is not None for v in net.vpcs] == [ipv6] * len(net.vpcs)
    assert [s.ipv6_cidr_block is not None for s in net.subnets] == [ipv6] * len(net.subnets)
    for subnet in net.subnets:
        if ipv6:
            assert subnet.ipv6_cidr_block is not None
            assert subnet.vpc.ipv6_cidr_block is not None
            assert subnet.ipv6_cidr_block.prefixlen == 64
            assert subnet.ipv6_cidr_block.subnet_of(subnet.vpc.ipv6_cidr_block)
    if not ipv6:
        assert not any(e.ipv6_addresses for e in net.network_interfaces)


def routes_to(net: Network, vpc: vpcsim.Vpc, destination: str, target: str) -> bool:
    return any(
        str(r.destination) == destination and r.target == target
        for t in net.route_tables
        if t.vpc is vpc
        for r in t.routes
    )


@KNOB
@given(networks(max_vpcs=3, nat=True))
def test_nat_knob_on_puts_a_nat_gateway_in_a_public_subnet_of_every_vpc(net: Network) -> None:
    for vpc in net.vpcs:
        (igw,) = [g for g in net.internet_gateways if g.vpc is vpc]
        nats = [n for n in net.nat_gateways if n.vpc is vpc]
        assert len(nats) == 1
        assert nats[0].state == "available"
        nat = nats[0]
        assert routes_to(net, vpc, "0.0.0.0/0", nat.id)  # the private table's default route
        # R2: the NAT's own subnet is public, or its traffic could not leave
        assert any(str(r.destination) == "0.0.0.0/0" and r.target == igw.id for r in nat.subnet.route_table.routes)


@KNOB
@given(networks(max_vpcs=3, nat=False))
def test_nat_knob_off_builds_no_nat_gateway(net: Network) -> None:
    assert net.nat_gateways == []


@KNOB
@given(networks(max_vpcs=4, peering=True))
def test_peering_knob_on_peers_every_pair_of_vpcs(net: Network) -> None:
    for a, b in itertools.combinations(net.vpcs, 2):
        joining = [p for p in net.vpc_peering_connections if p.joins(a) and p.joins(b)]
        assert [p.status for p in joining] == ["active"]
    assert net.transit_gateways == []  # at most one mechanism per pair


@KNOB
@given(networks(max_vpcs=4, peering=False))
def test_peering_knob_off_builds_no_peering(net: Network) -> None:
    assert net.vpc_peering_connections == []


def eni_routes(net: Network) -> list[tuple[vpcsim.RouteTable, vpcsim.NetworkInterface]]:
    """(table, interface) of every route whose target is an interface: a middlebox route (R4)."""
    found = []
    for table in net.route_tables:
        for route in table.routes:
            if route.target.startswith("eni-"):
                eni = net.get(route.target)
                assert isinstance(eni, vpcsim.NetworkInterface)
                found.append((table, eni))
    return found


@KNOB
@given(networks(max_vpcs=3, max_subnets=3))
def test_without_the_knobs_there_are_no_appliances_nor_load_balancers(net: Network) -> None:
    assert eni_routes(net) == []
    assert all(i.primary_network_interface.source_dest_check for i in net.instances)
    assert net.load_balancers == []
    assert net.target_groups == []


@SLOW
@given(networks(max_vpcs=3, max_subnets=3, appliances=True))
def test_appliance_routes_point_at_an_appliance_of_the_same_vpc(net: Network) -> None:
    for table, eni in eni_routes(net):
        assert eni.instance is not None
        assert str(eni.instance.name).startswith("appliance")
        assert eni.vpc is table.vpc


def test_appliances_knob_builds_middlebox_routes_and_forwarding_appliances() -> None:
    def forwards(net: Network) -> bool:
        return any(not eni.source_dest_check for _, eni in eni_routes(net))

    def checks_on(net: Network) -> bool:  # SPEC E5: "usually off", so a left-on appliance is drawn too
        return any(eni.source_dest_check for _, eni in eni_routes(net))

    for wanted in (forwards, checks_on):
        assert wanted(find(networks(max_vpcs=2, max_subnets=3, appliances=True), wanted, settings=SEARCH))


def test_load_balancers_knob_builds_listening_load_balancers() -> None:
    def listening(net: Network) -> bool:
        return any(x.load_balancer.type == "network" for x in net.listeners) and bool(net.target_groups)

    net = find(networks(max_vpcs=2, load_balancers=True), listening, settings=SEARCH)
    assert {lb.lb_name for lb in net.load_balancers} <= {f"lb{n}" for n in range(len(net.vpcs))}


@pytest.mark.parametrize(
    "knob",
    [
        lambda net: any(v.ipv6_cidr_block for v in net.vpcs),
        lambda net: not any(v.ipv6_cidr_block for v in net.vpcs),
        lambda net: bool(net.nat_gateways),
        lambda net: not net.nat_gateways,
        lambda net: bool(net.vpc_peering_connections),
        lambda net: len(net.vpcs) > 1 and not net.vpc_peering_connections,
    ],
    ids=["ipv6", "ipv4-only", "nat", "no-nat", "peering", "no-peering"],
)
def test_knobs_left_to_none_draw_both_ways(knob: Callable[[Network], bool]) -> None:
    assert knob(find(networks(), knob, settings=SEARCH))


# ------------------------------------------------------------------------------------------------ addresses


# The dual-stack /28's addresses an interface may have: all but AWS's reserved five (E4).
USABLE = {ipaddress.IPv4Address(f"10.0.1.{n}") for n in range(4, 15)}


def test_addresses_are_the_subnets_usable_addresses() -> None:
    """Inside the CIDR, minus the reserved five: for a /28, exactly .4 to .14, every one of them drawn."""
    _, dual, _ = two_subnets()
    assert set(drawn_by(addresses(dual))) == USABLE


def test_free_addresses_avoid_those_in_use_and_are_accepted() -> None:
    net, dual, _ = two_subnets()
    net.create_network_interface(
        dual, private_ip="10.0.1.5", secondary_private_ips=[f"10.0.1.{n}" for n in range(6, 13)]
    )
    free = {ipaddress.IPv4Address(a) for a in ("10.0.1.4", "10.0.1.13", "10.0.1.14")}
    assert USABLE - dual.used_addresses.keys() == free
    assert set(drawn_by(addresses(dual, free=True))) == free
    for address in free:  # AWS takes each of them
        with net.what_if() as alt:
            assert alt.create_network_interface(dual.id, private_ip=str(address)).private_ip == address


@given(st.data())
def test_ipv6_addresses_are_in_the_subnets_ipv6_block(data: st.DataObject) -> None:
    _, dual, _ = two_subnets()
    address = data.draw(addresses(dual, ip_version=6))
    assert isinstance(address, ipaddress.IPv6Address)
    assert dual.ipv6_cidr_block is not None
    assert address in dual.ipv6_cidr_block
    assert int(address) - int(dual.ipv6_cidr_block.network_address) >= 4  # the first four are AWS's


def test_ipv6_addresses_are_never_reserved() -> None:
    """E4: the last address of an IPv6 block is reserved too; create_network_interface refuses it."""
    _, dual, _ = two_subnets()
    every = settings(max_examples=1000, database=None, derandomize=True, phases=[Phase.generate])
    with pytest.raises(NoSuchExample):
        find(addresses(dual, ip_version=6), dual.is_reserved, settings=every)


# ------------------------------------------------------------------------------------------------ endpoints


def partner(net: Network, end: object) -> object:
    """An end across the VPC boundary, of the same address family, so that trace() takes the pair."""
    if isinstance(end, InternetHost):
        return net.instances[0]
    return IPV6_INTERNET_HOST if isinstance(end, str) and ":" in end else INTERNET


def assert_traceable(net: Network, end: object) -> None:
    other = partner(net, end)
    for src, dst in ((end, other), (other, end)):
        assert net.trace(src, dst, "tcp", 443).disposition is not None


@SLOW
@given(net=EVERYTHING, data=st.data())
def test_every_drawn_end_is_traced_as_source_and_destination(net: Network, data: st.DataObject) -> None:
    assert_traceable(net, data.draw(endpoints(net)))
    inside = data.draw(endpoints(net, internet_hosts=False))
    assert not isinstance(inside, InternetHost)
    assert_traceable(net, inside)


@pytest.mark.parametrize("name", sorted(NAMED))
def test_every_end_of_a_named_network_is_traced(name: str) -> None:
    net = NAMED[name]()
    for end in drawn_by(endpoints(net), examples=60):
        assert_traceable(net, end)


# ---------------------------------------------------------------------------------------------------- edits


def apply_all(net: Network, changes: list[Edit]) -> None:
    for edit in changes:
        edit.apply(net)


@SLOW
@given(net=EVERYTHING, data=st.data())
def test_edits_apply_in_order_and_leave_the_given_network_alone(net: Network, data: st.DataObject) -> None:
    before, version = net.snapshot(), net.version
    changes = data.draw(edits(net, min_size=2, max_size=8))
    assert 2 <= len(changes) <= 8
    assert (net.snapshot(), net.version) == (before, version)  # drawing replays them on a private copy
    with net.what_if() as alt:
        apply_all(alt, changes)  # an AwsError here is a generator bug
        assert alt.version > version
    assert (net.snapshot(), net.version) == (before, version)


@SLOW
@given(net=EVERYTHING, data=st.data())
def test_an_edit_prints_as_the_python_line_that_performs_it(net: Network, data: st.DataObject) -> None:
    changes = data.draw(edits(net, max_size=6))
    applied, executed = net.copy(), net.copy()
    apply_all(applied, changes)
    for edit in changes:
        assert re.fullmatch(rf"net\.{edit.operation}\(.*\)", str(edit))
        exec(str(edit), {"net": executed})
    assert executed.snapshot() == applied.snapshot()


@pytest.mark.parametrize("name", sorted(NAMED))
def test_edits_apply_to_the_named_networks(name: str) -> None:
    net = NAMED[name]()
    for changes in drawn_by(edits(net, max_size=12), examples=30):
        with net.what_if() as alt:
            apply_all(alt, changes)  # type: ignore[arg-type]


def test_edits_apply_to_a_network_with_a_gateway_route_table() -> None:
    """R7: a table edge-associated with an internet gateway takes routes to the VPC's or a subnet's CIDR only."""
    net = Network(seed=1)
    vpc = net.create_vpc("10.0.0.0/16")
    net.run_instance(net.create_subnet(vpc, "10.0.1.0/24"), instance_type="t3.micro")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    net.associate_route_table(net.create_route_table(vpc, name="ingress"), igw)

    @settings(max_examples=100, database=None, derandomize=True, deadline=None, phases=[Phase.generate])
    @given(edits(net, max_size=10))
    def fuzz(changes: list[Edit]) -> None:
        with net.what_if() as alt:
            apply_all(alt, changes)

    fuzz()


@SLOW
@given(net=networks(max_vpcs=3, max_subnets=3, max_instances=5, appliances=True), data=st.data())
def test_evaluate_agrees_with_trace_after_random_edits(net: Network, data: st.DataObject) -> None:
    """The what-if fuzz loop: edit a copy, then the vectorised walk still gives every flow trace()'s verdict."""
    with net.what_if() as alt:
        apply_all(alt, data.draw(edits(net, max_size=6)))
        drawn = data.draw(st.lists(flows(alt), min_size=1, max_size=12))
        batch = FlowBatch.from_arrays(
            [f.src for f in drawn], [f.dst for f in drawn], [f.protocol for f in drawn], [f.port for f in drawn]
        )
        assert_evaluate_agrees(alt, batch)


# -------------------------------------------------------------------------------- construction, from_type


@SLOW
@given(networks(max_vpcs=2, ipv6=True, nat=True, appliances=True, load_balancers=True))
def test_construction_rebuilds_a_network_with_every_knob_on(net: Network) -> None:
    namespace: dict[str, object] = {}
    exec(construction(net), namespace)
    rebuilt = namespace["net"]
    assert isinstance(rebuilt, Network)
    assert rebuilt.snapshot() == net.snapshot()


def test_construction_of_a_network_not_drawn_raises_key_error() -> None:
    with pytest.raises(KeyError):
        construction(EXAMPLES["nlb"]())


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_from_type_draws_networks_in_a_fresh_interpreter() -> None:
    """The ``hypothesis`` entry point registers networks() for Network: nothing of vpcsim.testing is imported."""
    run = run_python(
        "import hypothesis, hypothesis.strategies as st, vpcsim\n"
        "net = hypothesis.find(st.from_type(vpcsim.Network), lambda n: len(n.vpcs) >= 2,"
        " settings=hypothesis.settings(database=None))\n"
        "from vpcsim.testing.strategies import construction\n"
        "print(type(net).__name__, len(net.vpcs), construction(net).splitlines()[0])\n"
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["Network", "2", "import", "vpcsim"]


def test_the_strategies_import_before_hypothesis() -> None:
    """A script's first import may be the kit itself; hypothesis then runs its entry point mid-import."""
    run = run_python("from vpcsim.testing.strategies import networks; print(networks().__class__.__name__)")
    assert run.returncode == 0, run.stderr
