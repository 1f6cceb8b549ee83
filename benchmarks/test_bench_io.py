"""pytest-benchmark suite of issue 6: loading the 10,000-ENI export, and vpcsim next to aws-vpc-analyzer per flow.

Run by hand from the repository root; the normal test run never collects it (``testpaths`` is ``tests`` and
``vpcsim``)::

    python -m pytest benchmarks/test_bench_io.py --benchmark-only -p no:cacheprovider

The load benchmarks time ``vpcsim.load_aws`` of :func:`bench_load.write_export`'s folder and merged file (fresh calls
in this process; ``bench_load.py`` times new processes). The others build :func:`bench_analyzer.build`'s network on a
moto server on 127.0.0.1 (skipped without moto or aws-vpc-analyzer) and time ``from_boto3``, ``trace()`` and
``evaluate()`` of :func:`bench_analyzer.make_flows`'s flows, and aws-vpc-analyzer's ``analyze_path`` of the same.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bench_analyzer import PORTS, REGIONS, Analyzers, _ends, batch_of, build, judge, make_flows, vpcsim_verdicts
from bench_exposure import pin_to_one_core
from bench_load import SOURCES, TARGET_SECONDS, write_export

import vpcsim
from vpcsim.engine.compile import compile_network
from vpcsim.synthetic import estate

ENIS = 10_000


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[vpcsim.Network, dict[str, Any]]:
    """``estate(10_000)`` and its export: a dump_aws folder and one merged file."""
    pin_to_one_core()
    net = estate(ENIS, seed=0)
    return net, write_export(net, Path(tmp_path_factory.mktemp("export")))


@pytest.mark.parametrize("source", SOURCES)
def test_load_aws(benchmark: Any, export: tuple[vpcsim.Network, dict[str, Any]], source: str) -> None:
    """``load_aws`` of the 10,015-ENI export (folder or merged file): the whole network, nothing to report, < 5 s."""
    net, files = export
    loaded = benchmark.pedantic(vpcsim.load_aws, args=(files[source],), rounds=3, iterations=1)
    assert len(loaded.network_interfaces) == len(net.network_interfaces) == 10_015
    assert loaded.load_report.warnings == []
    assert loaded.snapshot() == net.snapshot()
    if benchmark.stats is not None:  # None under --benchmark-disable
        assert benchmark.stats.stats.min < TARGET_SECONDS


def test_to_aws(benchmark: Any, export: tuple[vpcsim.Network, dict[str, Any]]) -> None:
    """The other way: the estate as one describe-* document."""
    net, files = export
    document = benchmark.pedantic(vpcsim.to_aws, args=(net,), rounds=3, iterations=1)
    assert {key: len(items) for key, items in document.items() if items} == files["items"]


@pytest.fixture(scope="module")
def moto_network() -> Iterator[dict[str, Any]]:
    """bench_analyzer's network on a loopback moto server, read by vpcsim, and aws-vpc-analyzer warmed on it."""
    pytest.importorskip("moto.server")
    pytest.importorskip("netgraph")
    from motoserver import moto_server, moto_session

    from vpcsim.io.live import from_boto3

    pin_to_one_core()
    with moto_server() as url:
        session = moto_session(url, REGIONS[0])
        build(session)
        net = from_boto3(session, regions=REGIONS, progress=False)
        flows = make_flows(net, PORTS)
        vpcsim_verdicts(net, flows)
        loop = asyncio.new_event_loop()
        analyzers = Analyzers(session, net)
        loop.run_until_complete(analyzers.warm())
        try:
            yield {"session": session, "net": net, "flows": flows, "analyzers": analyzers, "loop": loop}
        finally:
            loop.close()


def test_from_boto3(benchmark: Any, moto_network: dict[str, Any]) -> None:
    """Reading both regions of the moto account (25 describe calls a region, over HTTP on 127.0.0.1)."""
    from vpcsim.io.live import from_boto3

    net = benchmark.pedantic(
        from_boto3, args=(moto_network["session"],), kwargs={"regions": REGIONS, "progress": False}, rounds=3
    )
    assert net.snapshot() == moto_network["net"].snapshot()


def test_vpcsim_trace(benchmark: Any, moto_network: dict[str, Any]) -> None:
    """``trace()`` of every flow (instance pairs, internet to instances, instances to the internet) in turn."""
    net, flows = moto_network["net"], moto_network["flows"]
    ends = [_ends(net, flow) for flow in flows]

    def traces() -> list[bool]:
        return [net.trace(src, dst, "tcp", flow.port).connected for (src, dst), flow in zip(ends, flows, strict=True)]

    connected = benchmark(traces)
    assert connected == [flow.ours["connected"] for flow in flows]
    assert 0 < sum(connected) < len(flows)


def test_vpcsim_evaluate(benchmark: Any, moto_network: dict[str, Any]) -> None:
    """``evaluate()`` of the same flows as one batch (compiled tables cached): the verdicts trace() gives."""
    net, flows = moto_network["net"], moto_network["flows"]
    batch = batch_of(net, flows)
    compile_network(net)
    evaluation = benchmark(net.evaluate, batch)
    assert evaluation.connected.tolist() == [flow.ours["connected"] for flow in flows]


def test_analyzer_analyze_path(benchmark: Any, moto_network: dict[str, Any]) -> None:
    """aws-vpc-analyzer's ``analyze_path`` of the flows from instances (its cache warm); every verdict that differs
    from vpcsim's has one of the causes bench_analyzer.py explains (SPEC G2, I1, I2, I5, N4, R1)."""
    net, flows, analyzers, loop = (moto_network[k] for k in ("net", "flows", "analyzers", "loop"))
    for flow, answer in zip(flows, loop.run_until_complete(analyzers.ask_all(flows)), strict=True):
        flow.theirs = answer
    causes = Counter(judge(net, flow).get("cause") for flow in flows)
    assert "?" not in causes
    assert {"sg-reference", "peering-unchecked", "reply-nacl-at-client", "main-route-table"} <= set(causes)

    paths = [flow for flow in flows if flow.kind != "ingress"]
    answers = benchmark.pedantic(lambda: loop.run_until_complete(analyzers.ask_all(paths)), rounds=5)
    assert [a["status"] for a in answers] == [flow.theirs["status"] for flow in paths]
