"""Vectorised engine benchmark: ``net.evaluate()`` of a million flows against ``net.trace()`` one flow at a time.

Run by hand from the repository root (figures go into the README)::

    python benchmarks/bench_evaluate.py [--enis 1000] [--flows 1000000] [--repeat 3] [--json] [--profile]

On :func:`vpcsim.synthetic.estate` it measures, on one core (the process is pinned to one CPU and numpy's BLAS to one
thread): compiling the network; ``evaluate()`` of the flow batch, forward and reply (best of ``--repeat``);
``trace()`` per flow on a sample of the same flows, as ``net.trace()`` (which walks a blocked flow again to list its
blockers) and with ``blockers=False`` (verdicts only, as ``evaluate()`` gives); the share of flows the scalar lane
decided; the disposition mix; and, each in a fresh process, the peak memory of streaming 1M and 10M flows through
``net.evaluate_chunks`` (keeping counts only) and of a materialised 1M ``evaluate()``: tracemalloc's peak over the
evaluation and the process's ``ru_maxrss``. ``--profile`` prints the top of cProfile for one ``evaluate()``.

The flows: sampled instances and :data:`vpcsim.INTERNET` x every running instance x tcp 22/80/443/5432/3306/8080,
udp 53 and ICMP echo, as lazy :meth:`vpcsim.FlowBatch.from_product` batches sized to about ``--flows``; when the
endpoints run out (10M flows of a 1,000-ENI estate), TCP and UDP flows also come from more client ports.
"""

from __future__ import annotations

import os

# One core: numpy's BLAS must not spread over the others (read when numpy loads, so before the imports below).
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import argparse
import cProfile
import gc
import json
import math
import pstats
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

import vpcsim
from vpcsim.engine.compile import Compiled, compile_network
from vpcsim.engine.trace import trace
from vpcsim.synthetic import estate, sample_endpoints

SERVICES: tuple[tuple[str, tuple[int | None, ...]], ...] = (
    ("tcp", (22, 80, 443, 5432, 3306, 8080)),
    ("udp", (53,)),
    ("icmp", (None,)),  # echo request
)
EPHEMERAL = (32768, 60999)  # SPEC N4: Linux clients' ephemeral ports


def flow_products(net: vpcsim.Network, flows: int, seed: int = 0) -> list[vpcsim.FlowBatch]:
    """Lazy products of about ``flows`` flows in all (at least one source): one per protocol of :data:`SERVICES`.

    Sources are instances drawn by :func:`sample_endpoints` plus the internet, destinations every running
    instance. When even every instance as a source is too few, TCP and UDP flows come from ``clients`` source
    ports spread over the ephemeral range (the first is the default, 32768).
    """
    destinations = [i for i in net.instances if i.state == "running"]
    ported = sum(len(ports) for protocol, ports in SERVICES if protocol != "icmp")
    icmp = sum(len(ports) for protocol, ports in SERVICES if protocol == "icmp")
    clients = 1
    while (len(destinations) + 1) * len(destinations) * (ported * clients + icmp) < flows:
        clients += 1
    per_pair = ported * clients + icmp
    k = min(len(destinations), max(0, math.ceil(flows / (len(destinations) * per_pair)) - 1))
    sources = sample_endpoints(net, k, seed=seed)
    step = (EPHEMERAL[1] - EPHEMERAL[0]) // clients
    src_ports = [None, *(EPHEMERAL[0] + i * step for i in range(1, clients))]
    return [
        vpcsim.FlowBatch.from_product(
            sources, destinations, [protocol], list(ports), [None] if protocol == "icmp" else src_ports
        )
        for protocol, ports in SERVICES
    ]


def best(repeat: int, run: Callable[[], object]) -> float:
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def pin_to_one_core() -> None:
    """Run on one CPU (Linux): the figures are one core's."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


# ---------------------------------------------------------------------- memory, in a fresh process


def _rss_now() -> int:
    """The process's resident set size now, in bytes (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmRSS:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024


def _max_rss() -> int:
    """``ru_maxrss`` in bytes (kilobytes on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def measure_memory(enis: int, seed: int, flows: int, mode: str, tool: str) -> dict[str, Any]:
    """Evaluate ``flows`` flows streamed (``mode="stream"``: counts only) or materialised, measured by ``tool``
    (``"tracemalloc"``: its peak over the evaluation; ``"rss"``: the process's ``ru_maxrss``, untraced)."""
    net = estate(enis, seed=seed)
    compile_network(net)  # cached on the network: the evaluation below reuses it
    products = flow_products(net, flows, seed)
    batch = vpcsim.FlowBatch.concat(products) if mode == "materialised" else None
    gc.collect()
    baseline, max_before = _rss_now(), _max_rss()
    if tool == "tracemalloc":
        tracemalloc.start()
    start = time.perf_counter()
    counts: Counter[str] = Counter()
    if batch is not None:
        evaluation = net.evaluate(batch)  # kept alive until the peak is read
        counts.update(evaluation.counts())
    else:
        for product in products:
            for part in net.evaluate_chunks(product):
                counts.update(part.counts())
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1] if tool == "tracemalloc" else None
    return {
        "mode": mode,
        "tool": tool,
        "flows": sum(len(p) for p in products),
        "seconds": seconds,
        "tracemalloc_peak": traced,
        "baseline_rss": baseline,
        "max_rss_before": max_before,
        "max_rss": _max_rss(),
        "counts": dict(counts),
    }


def memory_in_subprocess(args: argparse.Namespace, flows: int, mode: str, tool: str) -> dict[str, Any]:
    """:func:`measure_memory` in a fresh interpreter (``ru_maxrss`` is a whole process's peak)."""
    command = [sys.executable, os.path.abspath(__file__), "--enis", str(args.enis), "--seed", str(args.seed)]
    command += ["--flows", str(flows), "--measure", f"{mode}:{tool}"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


# ---------------------------------------------------------------------- the benchmark


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"enis": args.enis, "seed": args.seed, "python": sys.version.split()[0]}
    report["numpy"] = np.__version__
    if not args.no_memory:  # first, while this process is small (a child's ru_maxrss starts at its parent's RSS)
        report["memory"] = []
        for mode, flows in [*(("stream", n) for n in args.stream), ("materialised", args.flows)]:
            traced = memory_in_subprocess(args, flows, mode, "tracemalloc")
            untraced = memory_in_subprocess(args, flows, mode, "rss")  # its seconds: tracemalloc slows numpy down
            report["memory"].append(untraced | {"tool": "both", "tracemalloc_peak": traced["tracemalloc_peak"]})

    start = time.perf_counter()
    net = estate(args.enis, seed=args.seed)
    report["estate_seconds"] = time.perf_counter() - start
    report["network_interfaces"] = len(net.network_interfaces)
    report["instances"] = len(net.instances)
    report["compile_seconds"] = best(args.repeat, lambda: Compiled(net))
    compile_network(net)

    products = flow_products(net, args.flows, args.seed)
    batch = vpcsim.FlowBatch.concat(products)
    n = len(batch)
    report["flows"] = n
    report["destinations"] = len([i for i in net.instances if i.state == "running"])
    report["sources"] = len(products[-1]) // report["destinations"]  # the ICMP product: one flow per pair

    kept: dict[str, vpcsim.Evaluation] = {}

    def evaluate() -> None:
        kept.clear()  # the previous run's verdicts go first
        kept["v"] = net.evaluate(batch)

    report["evaluate_seconds"] = best(args.repeat, evaluate)
    v = kept["v"]
    report["evaluate_ns_per_flow"] = report["evaluate_seconds"] / n * 1e9
    report["scalar_flows"] = int(v.scalar.sum())
    report["counts"] = v.counts()

    rng = np.random.default_rng(args.seed)
    sample = np.sort(rng.choice(n, size=min(args.sample, n), replace=False)).tolist()
    flows = [batch.flow(i) for i in sample]
    traced: list[vpcsim.Trace] = []

    def traces() -> None:
        traced[:] = [net.trace(s, d, p, port, sport, ip_version=ip) for s, d, p, port, sport, ip in flows]

    def verdicts() -> None:
        for s, d, p, port, sport, ip in flows:
            trace(net, s, d, p, port, sport, ip_version=ip, blockers=False)

    report["sample"] = len(flows)
    report["trace_us_per_flow"] = best(args.repeat, traces) / len(flows) * 1e6
    report["trace_verdict_us_per_flow"] = best(args.repeat, verdicts) / len(flows) * 1e6
    per_flow_us = report["evaluate_ns_per_flow"] / 1e3
    report["speedup_vs_trace"] = report["trace_us_per_flow"] / per_flow_us
    report["speedup_vs_trace_verdict"] = report["trace_verdict_us_per_flow"] / per_flow_us
    report["sample_disagreements"] = [
        int(i)
        for i, t in zip(sample, traced, strict=True)
        if (t.disposition, t.explanation, t.delivered, t.connected)
        != (v.disposition[i], v.explanation[i], bool(v.delivered[i]), bool(v.connected[i]))
    ]
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(net.evaluate, batch)
        report["profile"] = profile
    return report


def _mb(size: float | None) -> str:
    return "-" if size is None else f"{size / 2**20:,.0f} MB"


def print_table(report: dict[str, Any]) -> None:
    n = report["flows"]
    print(
        f"estate({report['enis']:,}, seed={report['seed']}): {report['network_interfaces']:,} ENIs, "
        f"{report['instances']:,} instances (built in {report['estate_seconds']:.2f} s); "
        f"Python {report['python']}, numpy {report['numpy']}, one core"
    )
    print(f"flows: {n:,} = {report['sources']} sources (instances + the internet) x {report['destinations']} "
          "instances x tcp 22/80/443/5432/3306/8080, udp 53, icmp echo")  # fmt: skip
    rows = [
        ("compile", f"{report['compile_seconds'] * 1e3:,.0f} ms"),
        ("evaluate(), forward + reply", f"{report['evaluate_seconds']:.2f} s"),
        ("  per flow", f"{report['evaluate_ns_per_flow']:,.0f} ns"),
        (f"trace() per flow ({report['sample']:,} of the flows)", f"{report['trace_us_per_flow']:,.0f} us"),
        ("  evaluate() speed-up", f"{report['speedup_vs_trace']:,.0f}x"),
        ("trace(blockers=False) per flow", f"{report['trace_verdict_us_per_flow']:,.0f} us"),
        ("  evaluate() speed-up", f"{report['speedup_vs_trace_verdict']:,.0f}x"),
        ("scalar lane", f"{report['scalar_flows']:,} flows ({report['scalar_flows'] / n:.2%})"),
        ("sample disagreeing with trace()", f"{len(report['sample_disagreements'])}"),
    ]
    for name, count in report["counts"].items():
        rows.append((f"{name}", f"{count:,} ({count / n:.1%})"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>14}")
    if "memory" in report:
        print("peak memory, each in a fresh process (estate built and compiled before the evaluation):")
        print(f"  {'':<18}{'flows':>12}{'seconds':>9}{'tracemalloc':>13}{'ru_maxrss':>11}{'RSS before':>12}")
        for m in report["memory"]:
            print(
                f"  {m['mode'] + ' ' + format(m['flows'] / 1e6, '.0f') + 'M':<18}{m['flows']:>12,}"
                f"{m['seconds']:>8.1f}s{_mb(m['tracemalloc_peak']):>13}{_mb(m['max_rss']):>11}"
                f"{_mb(m['baseline_rss']):>12}"
            )
        streams = sorted((m["flows"], m) for m in report["memory"] if m["mode"] == "stream")
        if len(streams) >= 2:
            (small, a), (large, b) = streams[0], streams[-1]

            def grown(m: dict[str, Any]) -> int:
                return max(int(m["max_rss"] - m["baseline_rss"]), 1)

            traced, total = b["tracemalloc_peak"] / a["tracemalloc_peak"], b["max_rss"] / a["max_rss"]
            print(
                f"  {large / small:.0f}x the flows streamed: tracemalloc peak x{traced:.2f}, "
                f"ru_maxrss above the RSS before x{grown(b) / grown(a):.2f}, ru_maxrss x{total:.2f}"
            )
    if "profile" in report:
        print("\ncProfile of one evaluate(), by own time:")
        pstats.Stats(report["profile"]).sort_stats("tottime").print_stats(25)
        print("by cumulative time:")
        pstats.Stats(report["profile"]).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enis", type=int, default=1000, help="ENIs of the estate (default 1000)")
    parser.add_argument("--flows", type=int, default=1_000_000, help="flows to evaluate (about; default 1M)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best counts (default 3)")
    parser.add_argument("--sample", type=int, default=2000, help="flows traced one by one (default 2,000)")
    parser.add_argument(
        "--stream", type=int, nargs="*", default=[1_000_000, 10_000_000], help="flows streamed for memory"
    )
    parser.add_argument("--no-memory", action="store_true", help="skip the memory measurements")
    parser.add_argument("--profile", action="store_true", help="print the top of cProfile for one evaluate()")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # MODE:TOOL, in the fresh process
    args = parser.parse_args()
    pin_to_one_core()
    if args.measure:
        mode, tool = args.measure.split(":")
        print(json.dumps(measure_memory(args.enis, args.seed, args.flows, mode, tool)))
        return
    report = run(args)
    if args.json:
        profile = report.pop("profile", None)
        print(json.dumps(report, indent=2, default=str))
        if profile is not None:
            pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    else:
        print_table(report)


if __name__ == "__main__":
    main()
