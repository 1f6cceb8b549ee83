"""The issue's scaling figure alone, in about two minutes: ``net.evaluate(flows, backend="dask")`` of 10M flows on
one and two workers against the serial evaluation (``bench_distributed.py`` measures every step and mode, 13 min).

Run by hand from the repository root on a quiet machine::

    python benchmarks/bench_dask_scaling.py [--enis 1000] [--flows 10000000] [--repeat 3]

The flows are ``bench_distributed.sampled_product`` (one lazy product); each cluster is a ``LocalCluster`` of worker
processes with one thread each on the loopback; the first run on each is a warm-up checked equal to the serial
evaluation; the best of ``--repeat`` counts.
"""

from __future__ import annotations

import os

os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_distributed import sampled_product

from vpcsim.synthetic import estate


def main() -> None:
    from distributed import Client, LocalCluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enis", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    net = estate(args.enis, seed=0)
    flows = sampled_product(net, args.flows)
    start = time.perf_counter()
    serial = net.evaluate(flows)
    best: dict[str, float] = {"serial": time.perf_counter() - start}
    for workers in (1, 2):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        with cluster, Client(cluster) as client:
            warm = net.evaluate(flows, backend="dask", client=client)
            assert (warm.connected == serial.connected).all()
            assert (warm.codes["explanation"] == serial.codes["explanation"]).all()  # enum codes: comparable
            del warm
            runs = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                net.evaluate(flows, backend="dask", client=client)
                runs.append(time.perf_counter() - start)
            best[f"{workers} worker{'s' if workers > 1 else ''}"] = min(runs)
            print(f"{workers} worker(s): {', '.join(f'{r:.2f}' for r in runs)} s", flush=True)
    print(f"{len(flows):,} flows on estate({args.enis}): " + ", ".join(f"{k} {v:.2f} s" for k, v in best.items()))
    print(f"speed-up 2 vs 1 worker: {best['1 worker'] / best['2 workers']:.2f}x; 2 workers vs serial: "
          f"{best['serial'] / best['2 workers']:.2f}x; {len(flows) / best['2 workers']:,.0f} flows/s")  # fmt: skip


if __name__ == "__main__":
    main()
