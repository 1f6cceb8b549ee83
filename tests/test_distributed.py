"""vpcsim on Dask (issue 10): every answer computed on a cluster is the serial answer, field by field.

One ``LocalCluster`` of two worker processes on the loopback (one thread each) serves the whole module. Each test
evaluates on it with small ``partition=`` and ``chunk=`` (many tasks, several chunks per task, load balancer flows
in the workers' scalar lanes) and compares with the serial path: every flow's verdict, forward and reply
(:func:`vpcsim.testing.verdict_of`), the ``delivered``/``connected``/``scalar`` arrays and ``frame()``. Tests that
need no cluster (a fresh interpreter without one, the serial path's imports) run in subprocesses.
"""

from __future__ import annotations

import logging
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import dask.dataframe as dd
import distributed
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim import INTERNET, Evaluation, FlowBatch, Network
from vpcsim import distributed as vd
from vpcsim.errors import InvalidEndpointError, InvalidFlowError
from vpcsim.examples import EXAMPLES, demo_network
from vpcsim.synthetic import estate, sample_endpoints
from vpcsim.testing import verdict_of
from vpcsim.testing.strategies import IMDS, IPV6_INTERNET_HOST, flows, networks

SMALL = {"partition": 7, "chunk": 3}  # many tasks, several chunks in each


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """Two worker processes on the loopback, one thread each; the current client while the module runs."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.CRITICAL,  # the workers log every task an invalid flow fails (tested below)
    )
    with cluster, distributed.Client(cluster) as dask_client:
        yield dask_client


def assert_same(got: Evaluation, want: Evaluation) -> None:
    """``got`` is ``want`` flow by flow: verdicts forward and back, the boolean arrays and the frame."""
    __tracebackhide__ = True
    assert isinstance(got, Evaluation)
    assert len(got) == len(want)
    for i in range(len(want)):
        for prefix in ("", "reply_"):
            assert verdict_of(got, i, prefix) == verdict_of(want, i, prefix), f"flow {i} ({prefix or 'request'})"
    for name in ("delivered", "reply_delivered", "connected", "scalar"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)
    pd.testing.assert_frame_equal(got.frame(), want.frame())


def on_both(net: Network, batch: FlowBatch, client: Any, **sizes: int) -> Evaluation:
    """The cluster's evaluation of ``batch``, asserted equal to the serial one."""
    __tracebackhide__ = True
    got = net.evaluate(batch, backend="dask", client=client, **(sizes or SMALL))
    want = net.evaluate(batch)
    assert_same(got, want)
    return got


def example_flows(net: Network) -> tuple[FlowBatch, FlowBatch]:
    """A lazy product (instances and the internet to instances and load balancers by name, TCP and UDP) and a
    materialised batch: that product joined with instances to the internet and the metadata service."""
    instances = list(net.instances)
    names = [lb.lb_name for lb in net.load_balancers]
    lazy = FlowBatch.from_product([*instances, INTERNET], [*instances, *names], ["tcp", "udp"], [22, 80, 443, 5432])
    out = FlowBatch.from_product(instances, [INTERNET, IMDS], ["tcp"], [80, 443])
    ping = FlowBatch.from_product(instances, [INTERNET], ["icmp"])
    return lazy, FlowBatch.concat([lazy, out, ping])


# ------------------------------------------------------------------------------------------ evaluate = serial


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_evaluates_on_the_cluster_as_in_process(name: str, client: Any) -> None:
    """Each example network, lazily (the product broadcast, each task slicing it) and materialised (pieces
    scattered): the same verdicts for every flow. Load balancers by name go through the workers' scalar lanes."""
    net = EXAMPLES[name]()
    lazy, materialised = example_flows(net)
    for batch in (lazy, materialised):
        v = on_both(net, batch, client)
        assert len(set(v.disposition.tolist())) > 1  # flows end in several ways: the comparison says something
        assert v.scalar.any() == bool(net.load_balancers)  # SPEC L2: by name, the scalar walk's; else none


def test_partition_and_chunk_sizes_give_the_same_answer(client: Any) -> None:
    """One task for the whole batch, a task per flow, tasks of a prime size: the same evaluation."""
    net = EXAMPLES["nlb"]()
    lazy, _ = example_flows(net)
    want = net.evaluate(lazy)
    for sizes in ({"partition": len(lazy)}, {"partition": 1, "chunk": 1}, {"partition": 13, "chunk": 32768}, {}):
        assert_same(net.evaluate(lazy, backend="dask", client=client, **sizes), want)


def test_partition_sets_the_number_of_tasks_spread_over_both_workers(client: Any) -> None:
    """``partition`` flows per task: 72 flows in tasks of 7 are 11 tasks (a lazy product), in tasks of 10 are 8
    (a materialised batch, scattered); both workers take some."""
    lazy = FlowBatch.from_product(["api", "web", "db"], ["db", "api", "web"], ["tcp"], [22, 80, 443, 5432, 8080,
                                  9100, 3306, 53])  # fmt: skip
    workers = set(client.scheduler_info()["workers"])
    for batch, partition, tasks in ((lazy, 7, 11), (FlowBatch.concat([lazy]), 10, 8)):
        with distributed.get_task_stream(client=client) as stream:
            demo_network().evaluate(batch, backend="dask", client=client, partition=partition)
        assert len(stream.data) == tasks
        assert {t["worker"] for t in stream.data} == workers


def test_an_empty_batch_and_a_single_flow(client: Any) -> None:
    """No flows (materialised or a product with no sources): an empty evaluation with every column; one flow."""
    net = demo_network()
    empty = on_both(net, FlowBatch.from_arrays([], []), client)
    assert list(empty.frame().columns) == list(net.evaluate(FlowBatch.from_arrays([], [])).frame().columns)
    assert len(on_both(net, FlowBatch.from_product([], ["db"], ports=[22]), client)) == 0
    one = on_both(net, FlowBatch.from_arrays("api", "db", "tcp", 5432), client)
    assert one.connected.tolist() == [True]


def test_ipv6_flows(client: Any) -> None:
    """IPv6 (the demo's web and api have addresses in the app VPC's /56): through the egress-only IGW, in from
    the internet, between instances, by address and by reference."""
    net = demo_network()
    web, api = (next(i for i in net.instances if i.name == n) for n in ("web", "api"))
    addresses = [str(i.primary_network_interface.ipv6_addresses[0]) for i in (web, api)]
    ends = ([web, api, *addresses], [web, api, IPV6_INTERNET_HOST])
    batch = FlowBatch.concat([
        FlowBatch.from_product(*ends, ["tcp", "udp"], [53, 80, 443], ip_version=6),
        FlowBatch.from_product(*ends, ["icmp"], ip_version=6),
        FlowBatch.from_product([INTERNET], [web, api, *addresses], ["tcp"], [80, 443, 8080], ip_version=6),
    ])  # fmt: skip
    v = on_both(net, batch, client)
    assert set(v.version.tolist()) == {6}
    assert v.connected.any()


def test_flows_across_peerings_and_to_on_premises(client: Any) -> None:
    """A hub-and-spoke estate: flows between VPCs over peering connections and from on-premises over the VPN."""
    net = estate(60, seed=3)
    ends = sample_endpoints(net, 10, seed=4)
    batch = FlowBatch.from_product([*ends, "172.16.4.9"], [i for i in net.instances if i.state == "running"],
                                   ["tcp"], [22, 443, 5432])  # fmt: skip
    v = on_both(net, batch, client, partition=400, chunk=128)
    vpc_of = {str(a): e.subnet.vpc.id for e in net.network_interfaces for a in e.addresses}
    frame = v.frame()
    across = frame["connected"] & (frame["src"].map(vpc_of) != frame["dst"].map(vpc_of))
    assert across.any()


def test_flows_through_a_transit_gateway(client: Any) -> None:
    """SPEC R6, I4: two VPCs on a transit gateway reach each other; a blackhole route for one's subnet drops what
    goes there (the reply included), decided at the TGW route table, on the workers as here."""
    net = Network(seed=5)
    tgw = net.create_transit_gateway(name="hub")
    hosts = []
    for second in (0, 1):
        vpc = net.create_vpc(f"10.{second}.0.0/16", name=f"vpc-{second}")
        subnet = net.create_subnet(vpc, f"10.{second}.1.0/24", az="us-east-1a")
        sg = net.create_security_group(vpc, "ssh", description="SSH from the other VPC")
        net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
        hosts.append(net.run_instance(subnet, security_groups=[sg], name=f"host-{second}"))
        net.create_transit_gateway_vpc_attachment(tgw, vpc, [subnet])
        net.create_route(vpc.main_route_table, "10.0.0.0/8", tgw)
    batch = FlowBatch.from_product(hosts, hosts, ["tcp", "udp"], [22, 80])
    there, back = 4, 8  # host-0 -> host-1 and host-1 -> host-0, TCP 22
    assert on_both(net, batch, client).connected[[there, back]].all()
    table = net.get(tgw.default_route_table_id or "")
    net.create_transit_gateway_route(table, "10.1.1.0/24", blackhole=True)
    v = on_both(net, batch, client)
    assert verdict_of(v, there) == ("NULL_ROUTED", "BAD_STATE_ROUTE", table.id, "transit-gateway-route-table",
                                    "10.1.1.0/24")  # fmt: skip
    assert v.delivered[back]
    assert verdict_of(v, back, "reply_")[:3] == ("NULL_ROUTED", "BAD_STATE_ROUTE", table.id)


SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)


@SLOW
@given(net=networks(max_vpcs=3, max_subnets=3, max_instances=5, load_balancers=True), data=st.data())
def test_random_networks_and_flows_evaluate_as_in_process(net: Network, data: st.DataObject, client: Any) -> None:
    """Random networks with load balancers (SPEC L1-L3) and random flows, three flows per task: as serially."""
    drawn = data.draw(st.lists(flows(net), min_size=8, max_size=30))
    batch = FlowBatch.from_arrays([f.src for f in drawn], [f.dst for f in drawn],
                                  np.array([f.protocol for f in drawn], dtype=object),
                                  np.array([f.port for f in drawn], dtype=object))  # fmt: skip
    on_both(net, batch, client, partition=3, chunk=2)


# ------------------------------------------------------------------------------------------ invalid flows


def with_unknown_source(n: int, *bad: int) -> list[object]:
    """``n`` sources, ``"api"`` but at the ``bad`` positions, which name no endpoint."""
    sources: list[object] = ["api"] * n
    for k in bad:
        sources[k] = "no-such-host"
    return sources


@pytest.mark.parametrize("lazy", [False, True], ids=["materialised", "lazy"])
def test_an_invalid_flow_in_a_late_task_raises_the_serial_error(lazy: bool, client: Any) -> None:
    """The error a worker raises reaches the caller as the same type and message, naming the flow's index in the
    whole batch (37), not in its task's slice (2)."""
    net = demo_network()
    make = FlowBatch.from_product if lazy else FlowBatch.from_arrays
    batch = make(with_unknown_source(40, 37), "db", "tcp", 5432)
    with pytest.raises(InvalidEndpointError, match=r"^flow 37: source 'no-such-host' is neither") as serial:
        net.evaluate(batch)
    with pytest.raises(InvalidEndpointError) as dask:
        net.evaluate(batch, backend="dask", client=client, partition=5, chunk=2)
    assert str(dask.value) == str(serial.value)


def test_of_several_invalid_flows_the_first_is_named(client: Any) -> None:
    """Flows 299 and 300 are invalid: the serial error names 299. Task 0 (flows 0-299, one flow per chunk) meets
    its bad flow last, task 1 its bad flow first: the cluster must still name 299."""
    net = demo_network()
    batch = FlowBatch.from_arrays(with_unknown_source(600, 299, 300), "db", "tcp", 5432)
    with pytest.raises(InvalidEndpointError, match=r"^flow 299: "):
        net.evaluate(batch)
    with pytest.raises(InvalidEndpointError, match=r"^flow 299: "):
        net.evaluate(batch, backend="dask", client=client, partition=300, chunk=1)


# ------------------------------------------------------------------------------------------ dask DataFrames


def flow_frame(net: Network) -> pd.DataFrame:
    """Flows as a pandas DataFrame (what ``FlowBatch.frame()`` writes and ``from_frame`` reads), indexed by labels
    that are not positions."""
    instances = list(net.instances)
    frame = FlowBatch.concat([
        FlowBatch.from_product([*instances, INTERNET], instances, ["tcp", "udp"], [22, 80, 443, 5432, 8080]),
        FlowBatch.from_product(instances, [INTERNET], ["icmp"]),
    ]).frame()  # fmt: skip
    frame.index = pd.Index([f"flow-{k}" for k in range(1000, 1000 + len(frame))], name="flow")
    return frame


def serial_frame(net: Network, frame: pd.DataFrame) -> pd.DataFrame:
    """The serial evaluation's frame as the dask one types it (text columns as pandas strings: dispositions and rules
    as text, NA for None), with the input's index."""
    want = net.evaluate(FlowBatch.from_frame(frame)).frame()
    for name, column in want.items():
        if column.dtype == object or str(column.dtype) == "category":
            want[name] = column.map(lambda v: None if v is None else str(v)).astype("string")
    want.index = frame.index
    return want


def test_a_dask_dataframe_of_flows_gives_a_dask_dataframe_of_verdicts(client: Any) -> None:
    """Partitions evaluated where they lie: a lazy dask DataFrame, as many partitions as the input, whose rows
    are the serial ``frame()``'s with the input's index."""
    net = demo_network()
    frame = flow_frame(net)
    flows = dd.from_pandas(frame, npartitions=5)
    out = net.evaluate(flows, backend="dask", client=client, chunk=4)
    assert isinstance(out, dd.DataFrame)
    assert out.npartitions == 5
    got = out.compute()
    want = serial_frame(net, frame)
    pd.testing.assert_frame_equal(got, want, check_index_type=False)  # dask stores the labels as arrow strings
    assert got["connected"].any()
    assert vd.evaluate_frame(net, flows, client=client)["connected"].sum().compute() == want["connected"].sum()


def test_a_pandas_frame_or_a_batch_is_split_into_partitions(client: Any) -> None:
    """``evaluate_frame`` takes a pandas DataFrame or a FlowBatch too, and cuts it into partitions."""
    net = EXAMPLES["nlb"]()
    frame = flow_frame(net)
    out = vd.evaluate_frame(net, frame, client=client, chunk=8)
    assert out.npartitions > 1
    pd.testing.assert_frame_equal(out.compute(), serial_frame(net, frame), check_index_type=False)
    batch = FlowBatch.from_frame(frame)
    want = serial_frame(net, frame).reset_index(drop=True)
    pd.testing.assert_frame_equal(vd.evaluate_frame(net, batch, client=client).compute(), want)
    with pytest.raises(TypeError, match="flows must be a dask or pandas DataFrame or a FlowBatch, not list"):
        vd.evaluate_frame(net, [], client=client)


def test_verdicts_larger_than_memory_can_be_written_to_parquet(client: Any, tmp_path: Any) -> None:
    """The module's advice for outputs larger than memory: ``.to_parquet(path)``, read back as computed."""
    net = demo_network()
    frame = flow_frame(net)
    out = net.evaluate(dd.from_pandas(frame, npartitions=3), backend="dask", client=client)
    out.to_parquet(tmp_path / "verdicts")
    back = dd.read_parquet(tmp_path / "verdicts").compute()
    assert back["connected"].tolist() == serial_frame(net, frame)["connected"].tolist()


@pytest.mark.parametrize(
    ("column", "value", "error"),
    [("src", "no-such-host", InvalidEndpointError), ("port", 70000, InvalidFlowError)],
    ids=["unknown-endpoint", "bad-port"],
)
def test_an_invalid_flow_in_a_late_partition_names_its_row(
    column: str, value: object, error: type, client: Any
) -> None:
    """Flow 37 of 40 (a default index: label = position) is invalid: the error names flow 37, as serially."""
    frame = pd.DataFrame({"src": "api", "dst": "db", "protocol": "tcp", "port": 5432}, index=range(40))
    frame.loc[37, column] = value
    net = demo_network()
    with pytest.raises(error, match=r"^flow 37: ") as serial:
        net.evaluate(frame)
    with pytest.raises(error) as dask:
        net.evaluate(dd.from_pandas(frame, npartitions=4), backend="dask", client=client).compute()
    assert str(dask.value) == str(serial.value)


def test_an_invalid_flow_in_a_partition_is_named_by_its_index_label(client: Any) -> None:
    """Rows labelled by the user: the error names the bad row's label, which the user can look up."""
    frame = pd.DataFrame({"src": "api", "dst": "db", "protocol": "tcp", "port": 5432},
                         index=[f"row-{k}" for k in range(40)])  # fmt: skip
    frame.loc["row-37", "src"] = "no-such-host"
    flows = dd.from_pandas(frame, npartitions=4)
    with pytest.raises(InvalidEndpointError, match=r"^flow row-37: source 'no-such-host' is neither"):
        demo_network().evaluate(flows, backend="dask", client=client).compute()


# ------------------------------------------------------------------------------------------ exact queries


def test_exposure_on_the_cluster_is_the_serial_exposure(client: Any) -> None:
    """The header-space cells walked on the workers: the same exposure, row for row."""
    for name in ("three-tier", "nlb"):
        net = EXAMPLES[name]()
        want = net.exposure().frame()
        assert len(want)
        pd.testing.assert_frame_equal(net.exposure(backend="dask", client=client).frame(), want)
    net = demo_network()
    subnet = next(s for s in net.subnets if s.name == "app-a")
    want = net.exposure(subnet, protocols="tcp", ports=(1, 9999)).frame()
    got = net.exposure(subnet, protocols="tcp", ports=(1, 9999), backend="dask").frame()  # the current client
    pd.testing.assert_frame_equal(got, want)


def test_reachability_matrix_on_the_cluster_wide_and_long(client: Any) -> None:
    """Every subnet and the internet to each other: the same matrix, and the same pairs in the long form."""
    net = demo_network()
    groups = [*(s for s in net.subnets), INTERNET]
    for long in (False, True):
        want = net.reachability_matrix(groups, groups, long=long)
        got = net.reachability_matrix(groups, groups, long=long, backend="dask", client=client)
        pd.testing.assert_frame_equal(got, want)
    assert want["reachable"].any()
    assert not want["reachable"].all()


def test_diff_of_what_if_edits_on_the_cluster(client: Any) -> None:
    """Closing HTTP to web and opening the database subnet's NACL to the public subnet: the same changed flows."""
    net = demo_network()
    web_sg = next(g for g in net.security_groups if g.group_name == "web")
    data_acl = next(a for a in net.network_acls if a.name == "data-acl")
    with net.what_if() as alt:
        alt.revoke_security_group_ingress(web_sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
        alt.create_network_acl_entry(data_acl, rule_number=90, egress=False, protocol="tcp", action="allow",
                                     cidr="10.0.0.0/24", ports=5432)  # fmt: skip
        for compare in ("connected", "explanation"):
            want = vpcsim.diff(net, alt, compare=compare).frame()
            assert len(want)
            got = vpcsim.diff(net, alt, compare=compare, backend="dask", client=client).frame()
            pd.testing.assert_frame_equal(got, want)


# ------------------------------------------------------------------------------------------ choosing a cluster


def test_the_current_client_is_used_when_none_is_given(client: Any) -> None:
    """``client=None``: the current client (the one made last) runs the tasks."""
    net = demo_network()
    batch = FlowBatch.from_product(["api", "web"], ["db", INTERNET], ports=[443, 5432])
    with distributed.get_task_stream(client=client) as stream:
        v = net.evaluate(batch, backend="dask", partition=2)
    assert len(stream.data) == 4
    assert_same(v, net.evaluate(batch))


@pytest.mark.parametrize(
    "call",
    [
        lambda net: net.evaluate(FlowBatch.from_arrays("api", "db", "tcp", 5432), backend="spark"),
        lambda net: net.exposure(backend="spark"),
        lambda net: net.reachability_matrix([INTERNET], ["web"], backend="spark"),
        lambda net: vpcsim.diff(net, net, backend="spark"),
    ],
    ids=["evaluate", "exposure", "reachability_matrix", "diff"],
)
def test_an_unknown_backend_is_refused_naming_it(call: Callable[[Network], object]) -> None:
    with pytest.raises(ValueError, match=r"^backend 'spark' is unknown: choose 'serial' or 'dask'\.$"):
        call(demo_network())


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ({"chunk": 0}, "chunk must be a positive integer, not 0."),
        ({"partition": 0}, "partition must be a positive integer, not 0."),
        ({"partition": -5}, "partition must be a positive integer, not -5."),
        ({"partition": 2.5}, "partition must be a positive integer, not 2.5."),
        ({"partition": True}, "partition must be a positive integer, not True."),
    ],
)
def test_chunk_and_partition_must_be_positive_integers(sizes: dict[str, Any], message: str, client: Any) -> None:
    batch = FlowBatch.from_arrays("api", "db", "tcp", 5432)
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        demo_network().evaluate(batch, backend="dask", client=client, **sizes)


def test_client_and_partition_are_refused_with_the_serial_backend(client: Any) -> None:
    net = demo_network()
    batch = FlowBatch.from_arrays("api", "db", "tcp", 5432)
    for extra in ({"client": client}, {"partition": 10}):
        with pytest.raises(ValueError, match=r"^client and partition are for backend='dask'\.$"):
            net.evaluate(batch, **extra)


def test_a_client_must_be_a_distributed_client(client: Any) -> None:
    """A scheduler address is not a client: say what to pass."""
    with pytest.raises(TypeError, match=r"^client must be a distributed\.Client, not str\.$"):
        demo_network().evaluate(FlowBatch.from_arrays("api", "db", "tcp", 5432), backend="dask",
                                client="tcp://127.0.0.1:8786")  # fmt: skip


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter (no cluster, no client, nothing imported)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)


def test_without_a_cluster_the_dask_backend_says_how_to_point_at_one() -> None:
    """No client given and none current (a fresh process): every entry point says how to point at a cluster."""
    done = run_python(
        "import vpcsim\n"
        "from vpcsim.examples import demo_network\n"
        "net = demo_network()\n"
        "calls = [lambda: net.evaluate(vpcsim.FlowBatch.from_arrays('api', 'db', 'tcp', 5432), backend='dask'),\n"
        "         lambda: net.exposure(backend='dask'), lambda: vpcsim.diff(net, net, backend='dask'),\n"
        "         lambda: net.reachability_matrix([vpcsim.INTERNET], ['web'], backend='dask')]\n"
        "for call in calls:\n"
        "    try:\n"
        "        call()\n"
        "    except ValueError as exc:\n"
        "        print(exc)\n"
    )
    assert done.returncode == 0, done.stderr
    message = (
        "backend='dask' needs a Dask client: pass client=Client('tcp://scheduler:8786') for a cluster, or create "
        "one first (Client() starts a local cluster)."
    )
    assert done.stdout.splitlines() == [message] * 4


def test_the_serial_path_never_imports_dask() -> None:
    """Evaluate, exposure, reachability and diff in process: neither dask nor distributed is imported."""
    done = run_python(
        "import sys, vpcsim\n"
        "from vpcsim.examples import demo_network\n"
        "net = demo_network()\n"
        "net.evaluate(vpcsim.FlowBatch.from_product(['api', 'web'], ['db', vpcsim.INTERNET], ports=[443]))\n"
        "net.exposure()\n"
        "net.reachability_matrix([vpcsim.INTERNET], ['web'])\n"
        "vpcsim.diff(net, net.copy(), sources=vpcsim.INTERNET)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
