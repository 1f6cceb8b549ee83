"""pytest-benchmark suite of the vectorised engine on the 1,000-ENI synthetic estate (one core).

Run by hand from the repository root; the normal test run never collects it (``testpaths`` is ``tests`` and
``vpcsim``)::

    python -m pytest benchmarks/test_bench_engine.py --benchmark-only -p no:cacheprovider

The flows are :func:`bench_evaluate.flow_products`'s: sampled instances and the internet x every instance x tcp
22/80/443/5432/3306/8080, udp 53 and ICMP echo.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench_evaluate import flow_products, pin_to_one_core

import vpcsim
from vpcsim.engine.compile import Compiled, compile_network
from vpcsim.synthetic import estate

ENIS = 1000


@pytest.fixture(scope="module")
def net() -> vpcsim.Network:
    pin_to_one_core()
    network = estate(ENIS, seed=0)
    compile_network(network)  # cached: evaluate() benchmarks time the walk, not the compile
    return network


@pytest.fixture(scope="module")
def batches(net: vpcsim.Network) -> dict[int, vpcsim.FlowBatch]:
    """Materialised batches of about 100k and 1M flows."""
    return {n: vpcsim.FlowBatch.concat(flow_products(net, n)) for n in (100_000, 1_000_000)}


def test_compile(benchmark: Any, net: vpcsim.Network) -> None:
    compiled = benchmark(Compiled, net)
    assert compiled.version == net.version


@pytest.mark.parametrize("flows", [100_000, 1_000_000], ids=["100k", "1M"])
def test_evaluate(benchmark: Any, net: vpcsim.Network, batches: dict[int, vpcsim.FlowBatch], flows: int) -> None:
    """Forward and reply of every flow."""
    batch = batches[flows]
    evaluation = benchmark.pedantic(net.evaluate, args=(batch,), rounds=5, warmup_rounds=1)
    assert len(evaluation) == len(batch)
    assert 0 < evaluation.connected.sum() < len(batch)


@pytest.mark.parametrize("connected", [True, False], ids=["connected", "blocked"])
def test_trace_one_flow(
    benchmark: Any, net: vpcsim.Network, batches: dict[int, vpcsim.FlowBatch], connected: bool
) -> None:
    """``net.trace()`` of the first connected (or blocked: its blockers are walked too) flow of the 100k batch."""
    batch = batches[100_000]
    index = int((net.evaluate(batch).connected == connected).argmax())
    src, dst, protocol, port, src_port, ip_version = batch.flow(index)
    t = benchmark(net.trace, src, dst, protocol, port, src_port, ip_version=ip_version)
    assert t.connected == connected


def test_from_product_lazy(benchmark: Any, net: vpcsim.Network) -> None:
    """Making the lazy products of 1M flows (the factors only)."""
    products = benchmark(flow_products, net, 1_000_000)
    assert sum(len(p) for p in products) >= 1_000_000


def test_from_product_materialised(benchmark: Any, net: vpcsim.Network) -> None:
    """Making 1M flows' arrays from the products."""
    batch = benchmark(lambda: vpcsim.FlowBatch.concat(flow_products(net, 1_000_000)))
    assert len(batch) >= 1_000_000
