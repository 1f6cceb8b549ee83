"""pytest-benchmark suite of the exact "all packets" queries on the 1,000-ENI synthetic estate (one core).

Run by hand from the repository root; the normal test run never collects it (``testpaths`` is ``tests`` and
``vpcsim``)::

    python -m pytest benchmarks/test_bench_query.py --benchmark-only -p no:cacheprovider

The network is compiled once (the tables are cached on it): the benchmarks time the queries, not the compile.
"""

from __future__ import annotations

from typing import Any

import pytest
from bench_exposure import pin_to_one_core, subjects

import vpcsim
from vpcsim.engine.compile import compile_network
from vpcsim.synthetic import estate

ENIS = 1000


@pytest.fixture(scope="module")
def net() -> vpcsim.Network:
    pin_to_one_core()
    network = estate(ENIS, seed=0)
    compile_network(network)  # cached: the queries reuse it
    return network


def test_exposure(benchmark: Any, net: vpcsim.Network) -> None:
    """Everything the internet connects to: every interface, every protocol, every port, the reply included."""
    exposed = benchmark.pedantic(net.exposure, rounds=3, warmup_rounds=1)
    assert exposed.cells > 0
    assert 0 < len(exposed.network_interfaces) < len(net.network_interfaces)


def test_open_ports(benchmark: Any, net: vpcsim.Network) -> None:
    """The TCP ports the internet connects to on the first public web instance."""
    web = subjects(net)["web"]
    ports = benchmark(net.open_ports, web)
    assert (443, 443) in ports
