"""Copies and what-if sessions: independent networks with the same ids, and the same ids issued afterwards."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import vpcsim
from vpcsim.model.base import Resource


def build(net: vpcsim.Network) -> dict[str, Resource]:
    """A small public/private network; the same calls give the same ids for the same seed."""
    vpc = net.create_vpc("10.0.0.0/16", name="lab")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", name="public", map_public_ip_on_launch=True)
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    table = net.create_route_table(vpc, name="public-rt")
    net.create_route(table, "0.0.0.0/0", igw)
    net.associate_route_table(table, subnet)
    sg = net.create_security_group(vpc, "web")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    web = net.run_instance(subnet, security_groups=[sg], name="web")
    return {"vpc": vpc, "subnet": subnet, "igw": igw, "table": table, "sg": sg, "web": web}


def grow(net: vpcsim.Network, vpc: vpcsim.Vpc) -> list[str]:
    """More resources of several kinds (ids, MACs and public IPs all come from the seeded generator)."""
    subnet = net.create_subnet(vpc, "10.0.2.0/24", name="more")
    instance = net.run_instance(subnet, associate_public_ip=True)
    eip = net.allocate_address()
    other = net.create_vpc("10.1.0.0/16", amazon_provided_ipv6_cidr_block=True)
    return [subnet.id, instance.id, instance.primary_network_interface.id, eip.id, other.id]


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=23)


@pytest.fixture
def parts(net: vpcsim.Network) -> dict[str, Resource]:
    return build(net)


def test_a_copy_has_the_same_ids_and_an_equal_snapshot(net: vpcsim.Network, parts: dict[str, Resource]) -> None:
    clone = net.copy()

    assert clone is not net
    assert clone.snapshot() == net.snapshot()
    assert {r.id for r in clone} == {r.id for r in net}
    for resource in parts.values():
        twin = clone.get(resource.id)
        assert twin is not resource
        assert type(twin) is type(resource)


def test_changes_to_a_copy_leave_the_original_alone(net: vpcsim.Network, parts: dict[str, Resource]) -> None:
    before = net.snapshot()
    clone = net.copy()

    clone.create_subnet(parts["vpc"].id, "10.0.9.0/24")
    clone.delete_route(parts["table"].id, "0.0.0.0/0")
    clone.revoke_security_group_ingress(parts["sg"].id, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    clone.terminate_instance(parts["web"].id)

    assert net.snapshot() == before
    assert clone.snapshot() != before


def test_changes_to_the_original_leave_a_copy_alone(net: vpcsim.Network, parts: dict[str, Resource]) -> None:
    clone = net.copy()
    frozen = clone.snapshot()

    net.create_subnet(parts["vpc"], "10.0.9.0/24")
    net.delete_route(parts["table"], "0.0.0.0/0")
    net.stop_instance(parts["web"])

    assert clone.snapshot() == frozen
    assert clone.get(parts["web"].id).state == "running"  # type: ignore[attr-defined]


def test_a_copy_has_its_own_graph(net: vpcsim.Network, parts: dict[str, Resource]) -> None:
    original = net.graph
    clone = net.copy()

    clone.delete_route(parts["table"], "0.0.0.0/0")

    assert clone.graph is not original
    assert net.graph is original
    assert original.number_of_edges() == clone.graph.number_of_edges() + 1


def test_what_if_yields_a_copy_that_accepts_the_originals_objects(
    net: vpcsim.Network, parts: dict[str, Resource]
) -> None:
    before = net.snapshot()

    with net.what_if() as alt:
        assert isinstance(alt, vpcsim.Network)
        assert alt is not net
        assert alt.snapshot() == before
        subnet = alt.create_subnet(parts["vpc"], "10.0.9.0/24", name="experiment")  # the original's Vpc object
        alt.delete_route(parts["table"], "0.0.0.0/0")
        alt.terminate_instance(parts["web"])
        assert subnet.vpc is alt.get(parts["vpc"].id)
        assert subnet.vpc is not parts["vpc"]
        assert alt.snapshot() != before

    assert net.snapshot() == before
    assert subnet.id not in net
    assert parts["web"].id in net


def test_what_if_leaves_the_original_untouched_when_the_block_raises(
    net: vpcsim.Network, parts: dict[str, Resource]
) -> None:
    before = net.snapshot()

    def experiment() -> None:
        with net.what_if() as alt:
            alt.delete_route(parts["table"], "0.0.0.0/0")
            alt.delete_vpc(parts["vpc"])  # DependencyViolation: the VPC still holds a subnet

    with pytest.raises(vpcsim.AwsError, match="DependencyViolation"):
        experiment()

    assert net.snapshot() == before


def test_a_copy_issues_the_same_new_ids_as_the_original(net: vpcsim.Network, parts: dict[str, Resource]) -> None:
    clone = net.copy()

    assert grow(clone, parts["vpc"]) == grow(net, parts["vpc"])  # type: ignore[arg-type]
    assert clone.snapshot() == net.snapshot()


def test_the_same_seed_builds_the_same_network() -> None:
    first, second = vpcsim.Network(seed=23), vpcsim.Network(seed=23)

    ids = [r.id for r in build(first).values()]

    assert [r.id for r in build(second).values()] == ids
    assert first.snapshot() == second.snapshot()
    assert [r.id for r in build(vpcsim.Network(seed=24)).values()] != ids


Refusal = Callable[[vpcsim.Network, dict[str, Resource]], object]


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param(lambda n, p: n.create_subnet(p["vpc"], "10.0.1.0/25"), id="create_subnet-conflict"),
        pytest.param(lambda n, p: n.associate_route_table(p["table"], p["subnet"]), id="associate_route_table-twice"),
        pytest.param(
            lambda n, p: n.replace_route_table_association(p["subnet"], p["other"].main_route_table),
            id="replace_route_table_association-across-vpcs",
        ),
    ],
)
def test_a_refused_operation_does_not_shift_the_ids_issued_later(
    net: vpcsim.Network, parts: dict[str, Resource], refusal: Refusal
) -> None:
    # SPEC X: a failed operation changes nothing, the seeded id generator included, so a what-if copy that hit an
    # error still issues the ids the original would (and a script that catches an error stays reproducible).
    other = net.create_vpc("10.9.0.0/16")
    clone = net.copy()

    with pytest.raises(vpcsim.AwsError):
        refusal(clone, parts | {"other": other})

    assert grow(clone, parts["vpc"]) == grow(net, parts["vpc"])  # type: ignore[arg-type]


def test_a_network_with_a_simulator_pickles_without_it() -> None:
    """A Dask worker gets the network by pickle: simulators following it stay behind, the compiled tables go."""
    import pickle

    from vpcsim.engine.compile import compile_network
    from vpcsim.examples import demo_network

    net = demo_network()
    compile_network(net)
    vpcsim.Simulator(net)
    clone = pickle.loads(pickle.dumps(net))
    assert clone.snapshot() == net.snapshot()
    assert clone._observers == []
    assert clone._compiled is not None
    assert clone._compiled.version == clone.version
    assert clone.trace("web", "db", "tcp", 5432).explanation == net.trace("web", "db", "tcp", 5432).explanation
