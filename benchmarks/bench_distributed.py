"""Scaling benchmark of vpcsim on Dask: ``net.evaluate(flows, backend="dask")`` on one and two workers against the
serial evaluation, on this 2-core machine; and the figures the README's paper estimate (100k ENIs, 10^10 flows)
is made of.

Run by hand from the repository root (figures go into ``benchmarks/results/distributed.md``; about 15 minutes with
the defaults, on a quiet machine: other work on the two cores shows in every figure)::

    python benchmarks/bench_distributed.py [--enis 1000] [--flows 10000000] [--repeat 3] [--json]
    python benchmarks/bench_distributed.py --table saved.json     # the table of a report saved with --json

On :func:`vpcsim.synthetic.estate` it measures:

- serial: ``net.evaluate(flows)`` in this process, pinned to one core (best of ``--repeat``);
- for each ``LocalCluster`` of ``--workers`` worker processes (one thread each, on the loopback), after a warm-up
  run (checked identical to the serial evaluation), in four modes:

  ``default``
      ``net.evaluate(flows, backend="dask", client=...)`` best of ``--repeat``, the workers as Dask starts them;
  ``tuned``
      the same after raising the workers' mmap threshold (:func:`_mmap_threshold`: Dask's
      ``MALLOC_TRIM_THRESHOLD_`` makes every array a fresh mmap);
  ``direct``
      a prototype of :func:`vpcsim.distributed.evaluate` on the tuned workers that gathers straight from the
      workers (``gather(direct=True)``) instead of through the scheduler;
  ``stream``
      a prototype that also fetches each result as soon as its task is done, while the others still run, and
      copies it into arrays allocated once (:class:`_Placed`): no join at the end;

  for each: the steps timed one by one (broadcast of the network and the flows, the tasks until the last is done,
  gathering their results, joining them here), the tasks alone (each returning only its counts: no verdicts to
  move), flows/s, the cost per flow per worker; the bytes gathered; the peak memory of every worker and of this
  process (``VmHWM``); a materialised batch (:meth:`~vpcsim.FlowBatch.concat` of the same flows: its pieces are
  scattered) on the largest cluster;
- per estate size (``--sizes``, default 1,000, 10,000 and 100,000 ENIs): build, compile, the pickle of what every
  worker receives (the network with its compiled tables) and its unpickling, and the serial cost per flow of
  ``--size-flows`` flows of the same shape on each (:func:`sampled_product`; one core): how the per-flow cost
  grows with the estate; and what a fresh process holding the network costs (:func:`network_memory`).
  ``--flows 0`` measures only these.

The flows: one lazy :meth:`~vpcsim.FlowBatch.from_product` of sampled instances and :data:`vpcsim.INTERNET` x every
running instance x TCP and UDP x ports 22/53/80/443/3306/5432/8080 (from more client ports when the endpoints run
out), sized to about ``--flows``: one product, one call (the flows are broadcast as their factors and every task
makes its own slice).
"""

from __future__ import annotations

import os

# One thread per process: numpy's BLAS must not spread over the cores the workers use (read when numpy loads; the
# workers inherit it).
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import argparse
import gc
import json
import math
import pickle
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import vpcsim
from vpcsim import distributed as vd
from vpcsim.engine.compile import compile_network
from vpcsim.engine.evaluate import DEFAULT_CHUNK, Evaluation
from vpcsim.synthetic import estate, sample_endpoints

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_evaluate import EPHEMERAL, best  # a sibling script, not a package

PROTOCOLS = ("tcp", "udp")
PORTS = (22, 53, 80, 443, 3306, 5432, 8080)
MODES = ("default", "tuned", "direct", "stream")
SHIPPED = ("default", "tuned")  # modes that run net.evaluate as it is (the others are prototypes)
PACKET_FIELDS = ("src_hi", "src_lo", "dst_hi", "dst_lo", "version", "protocol", "src_port", "dst_port")
STRING_FIELDS = ("component", "kind", "rule", "reply_component", "reply_kind", "reply_rule")  # codes into .values
M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
MMAP_THRESHOLD = 32 * 2**20  # glibc's largest: arrays below it come from the heap, whose pages are reused


def flow_product(net: vpcsim.Network, flows: int, seed: int = 0) -> vpcsim.FlowBatch:
    """One lazy product of about ``flows`` flows (at least one source): sampled instances and the internet x every
    running instance x :data:`PROTOCOLS` x :data:`PORTS`, from more client ports when the endpoints run out."""
    destinations = [i for i in net.instances if i.state == "running"]
    clients = 1
    while (len(destinations) + 1) * len(destinations) * len(PROTOCOLS) * len(PORTS) * clients < flows:
        clients += 1
    per_pair = len(PROTOCOLS) * len(PORTS) * clients
    k = min(len(destinations), max(0, math.ceil(flows / (len(destinations) * per_pair)) - 1))
    step = (EPHEMERAL[1] - EPHEMERAL[0]) // clients
    src_ports = [None, *(EPHEMERAL[0] + i * step for i in range(1, clients))]
    return vpcsim.FlowBatch.from_product(
        sample_endpoints(net, k, seed=seed), destinations, list(PROTOCOLS), list(PORTS), src_ports
    )


def sampled_product(net: vpcsim.Network, flows: int, seed: int = 0) -> vpcsim.FlowBatch:
    """About ``flows`` flows of the same shape on any estate: ``k`` sampled instances and the internet x ``k`` other
    sampled instances x :data:`PROTOCOLS` x :data:`PORTS` (the per-flow cost of estates of different sizes)."""
    k = math.ceil(math.sqrt(flows / (len(PROTOCOLS) * len(PORTS))))
    destinations = sample_endpoints(net, k, seed=seed + 1)[:-1]  # instances only: the internet is a source
    return vpcsim.FlowBatch.from_product(sample_endpoints(net, k, seed=seed), destinations, list(PROTOCOLS),
                                         list(PORTS))  # fmt: skip


def peak_memory() -> int:
    """This process's peak resident set size in bytes (``VmHWM``: unlike ``ru_maxrss``, a spawned worker's own)."""
    try:
        with open("/proc/self/status") as status:
            line = next(line for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return 0
    return int(line.split()[1]) * 1024


def _all_cores() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, range(os.cpu_count() or 1))


def _one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def nbytes(v: Evaluation) -> int:
    """The bytes of an evaluation's arrays: what a worker sends back."""
    packets = [getattr(v, name) for name in PACKET_FIELDS]
    return sum(a.nbytes for a in [*v.codes.values(), *packets])


def identical(a: Evaluation, b: Evaluation) -> bool:
    """The same verdicts and packets, flow for flow (string fields compared as strings: workers intern their own)."""
    if len(a) != len(b):
        return False
    plain = ("disposition", "explanation", "reply_disposition", "reply_explanation", "delivered", "reply_delivered",
             "connected", "scalar", "src_kind", "dst_kind")  # fmt: skip
    if any(not np.array_equal(a.codes[name], b.codes[name]) for name in plain):
        return False
    if any(not np.array_equal(getattr(a, name), getattr(b, name)) for name in PACKET_FIELDS):
        return False
    strings = ("component", "kind", "rule", "reply_component", "reply_kind", "reply_rule")
    return all(np.array_equal(getattr(a, name), getattr(b, name)) for name in strings)


# ---------------------------------------------------------------------- on the workers


def _counts_of_slice(net: vpcsim.Network, flows: vpcsim.FlowBatch, start: int, stop: int, chunk: int) -> Any:
    """A task's work with nothing to send back: the counts of its slice."""
    return vd._evaluate_slice(net, flows, start, stop, chunk).counts()


def _mmap_threshold() -> int:
    """In a worker: arrays below 32 MiB from the heap, as in a process started without Dask's settings.

    Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which also turns off glibc's dynamic mmap
    threshold: every array above 128 KiB is then a fresh mmap whose pages fault in on first touch and are returned
    when it is freed, and a walk allocates thousands of them."""
    import ctypes

    return int(ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD))


# ---------------------------------------------------------------------- one cluster


def phases(
    net: vpcsim.Network, flows: vpcsim.FlowBatch, client: Any, args: argparse.Namespace, *, direct: bool
) -> tuple[dict[str, Any], Evaluation]:
    """:func:`vpcsim.distributed.evaluate` on a lazy product, step by step, each timed: broadcast, tasks, gather
    (through the scheduler, as shipped, or ``direct`` from the workers: the prototype), join."""
    from distributed import wait

    workers = len(client.scheduler_info()["workers"])
    bounds = vd._bounds(len(flows), workers, args.chunk, args.partition)
    start = time.perf_counter()
    shared = vd._scattered(client, net)
    batch = client.scatter(flows, broadcast=True, hash=False)
    scattered = time.perf_counter()
    futures = [client.submit(vd._evaluate_slice, shared, batch, a, b, args.chunk, pure=False) for a, b in bounds]
    wait(futures)
    computed = time.perf_counter()
    parts: list[Evaluation] = client.gather(futures, direct=direct)
    gathered = time.perf_counter()
    joined = Evaluation._concat(parts)
    done = time.perf_counter()
    client.cancel([*futures, shared, batch])
    steps = {
        "tasks": len(bounds),
        "broadcast_seconds": scattered - start,
        "tasks_seconds": computed - scattered,
        "gather_seconds": gathered - computed,
        "join_seconds": done - gathered,
        "total_seconds": done - start,
        "gathered_bytes": sum(nbytes(p) for p in parts),
        "part_flows": len(parts[0]),
        "part_pickle_bytes": len(pickle.dumps(parts[0], protocol=5)),
    }
    return steps, joined


class _Placed:
    """The verdicts of a whole batch, filled part by part as the workers' results arrive (the ``stream``
    prototype): the arrays are allocated once and each part's string codes are renumbered onto one table."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.codes: dict[str, Any] = {}
        self.packets: dict[str, Any] = {}
        self.index: dict[tuple[type, Any], int] = {}
        self.values: list[Any] = []

    def put(self, part: Evaluation, start: int) -> None:
        if not self.codes:
            self.codes = {name: np.empty(self.n, a.dtype) for name, a in part.codes.items()}
            self.packets = {name: np.empty(self.n, getattr(part, name).dtype) for name in PACKET_FIELDS}
        renumber = np.empty(len(part.values) + 1, dtype=np.int32)
        renumber[-1] = -1
        for k, value in enumerate(part.values):
            renumber[k] = self.index.setdefault((type(value), value), len(self.index))
            if renumber[k] == len(self.values):
                self.values.append(value)
        stop = start + len(part)
        for name, codes in part.codes.items():
            self.codes[name][start:stop] = renumber[codes] if name in STRING_FIELDS else codes
        for name in PACKET_FIELDS:
            self.packets[name][start:stop] = getattr(part, name)

    def evaluation(self) -> Evaluation:
        return Evaluation(self.codes, self.values, *(self.packets[name] for name in PACKET_FIELDS))


def stream(
    net: vpcsim.Network, flows: vpcsim.FlowBatch, client: Any, args: argparse.Namespace
) -> tuple[dict[str, Any], Evaluation]:
    """The prototype of a faster :func:`vpcsim.distributed.evaluate`: each result fetched straight from its worker
    as soon as its task is done (while the others still run) and copied into place at once: no join at the end."""
    from distributed import as_completed

    workers = len(client.scheduler_info()["workers"])
    bounds = vd._bounds(len(flows), workers, args.chunk, args.partition)
    start = time.perf_counter()
    shared = vd._scattered(client, net)
    batch = client.scatter(flows, broadcast=True, hash=False)
    futures = [client.submit(vd._evaluate_slice, shared, batch, a, b, args.chunk, pure=False) for a, b in bounds]
    first = {f.key: a for f, (a, _) in zip(futures, bounds, strict=True)}
    placed = _Placed(len(flows))
    for future in as_completed(futures):
        placed.put(client.gather(future, direct=True), first[future.key])
        future.release()
    done = time.perf_counter()
    client.cancel([shared, batch])
    return {"tasks": len(bounds), "total_seconds": done - start}, placed.evaluation()


def tasks_alone(net: vpcsim.Network, flows: vpcsim.FlowBatch, client: Any, args: argparse.Namespace) -> float:
    """The same tasks on the same slices, each returning its counts only: the work without moving the verdicts."""
    workers = len(client.scheduler_info()["workers"])
    bounds = vd._bounds(len(flows), workers, args.chunk, args.partition)
    start = time.perf_counter()
    shared = vd._scattered(client, net)
    batch = client.scatter(flows, broadcast=True, hash=False)
    futures = [client.submit(_counts_of_slice, shared, batch, a, b, args.chunk, pure=False) for a, b in bounds]
    client.gather(futures)
    seconds = time.perf_counter() - start
    client.cancel([*futures, shared, batch])
    return seconds


def measure(
    args: argparse.Namespace, net: vpcsim.Network, flows: vpcsim.FlowBatch, client: Any, mode: str, serial: Evaluation
) -> dict[str, Any]:
    """One mode's figures. ``default``, ``tuned``: ``net.evaluate`` best of ``--repeat``, one stepwise run, the
    tasks alone best of ``--repeat``; ``direct``, ``stream``: the prototype's run best of ``--repeat``."""
    workers = len(client.scheduler_info()["workers"])
    report: dict[str, Any] = {}
    if mode in ("direct", "stream"):
        runs = []
        for k in range(args.repeat):
            gc.collect()
            if mode == "stream":
                steps, joined = stream(net, flows, client, args)
            else:
                steps, joined = phases(net, flows, client, args, direct=True)
            runs.append(steps)
            if k == 0:
                report["identical"] = identical(joined, serial)  # the prototype's answer, once (a slow comparison)
            del joined
        report["steps"] = min(runs, key=lambda s: s["total_seconds"])
        report["seconds"] = report["steps"]["total_seconds"]
    else:
        kept: dict[str, Evaluation] = {}

        def evaluate() -> None:
            kept.clear()  # the previous run's verdicts go first
            kept["v"] = net.evaluate(flows, backend="dask", client=client, chunk=args.chunk, partition=args.partition)

        report["seconds"] = best(args.repeat, evaluate)
        kept.clear()
        gc.collect()
        report["steps"] = phases(net, flows, client, args, direct=False)[0]
        gc.collect()
        report["tasks_alone_seconds"] = best(args.repeat, lambda: tasks_alone(net, flows, client, args))
        report["ns_per_flow_per_worker"] = report["tasks_alone_seconds"] * workers / len(flows) * 1e9
    report["flows_per_second"] = len(flows) / report["seconds"]
    return report


def on_cluster(
    args: argparse.Namespace, net: vpcsim.Network, flows: vpcsim.FlowBatch, workers: int, serial: Evaluation
) -> dict[str, Any]:
    """Every figure of one ``LocalCluster`` of ``workers`` worker processes."""
    from distributed import Client, LocalCluster

    report: dict[str, Any] = {"workers": workers}
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, memory_limit=0)  # fmt: skip
    with cluster, Client(cluster) as client:
        start = time.perf_counter()
        warm = net.evaluate(flows, backend="dask", client=client, chunk=args.chunk, partition=args.partition)
        report["warmup_seconds"] = time.perf_counter() - start  # workers import vpcsim, unpickle the network
        report["identical"] = identical(warm, serial)
        del warm
        for mode in MODES:
            if mode == "tuned":
                client.run(_mmap_threshold)
            report[mode] = measure(args, net, flows, client, mode, serial)
        if args.materialised and workers == max(args.workers):
            batch = vpcsim.FlowBatch.concat([flows])
            report["materialised_seconds"] = best(args.repeat, lambda: net.evaluate(
                batch, backend="dask", client=client, chunk=args.chunk, partition=args.partition))  # fmt: skip
            del batch
        report["worker_peak_memory"] = sorted(client.run(peak_memory).values())
    return report


# ---------------------------------------------------------------------- estate sizes


_HOLD = """
import pickle, sys
import vpcsim

def rss(field):
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith(field)).split()[1]) * 1024

before = rss("VmRSS:")
with open(sys.argv[1], "rb") as data:
    net = pickle.load(data)
print(before, rss("VmRSS:"), rss("VmHWM:"))
"""


def network_memory(data: bytes) -> dict[str, int]:
    """What holding the network costs a worker: a fresh interpreter that imported vpcsim unpickles it (its RSS
    before and after, and its peak while unpickling)."""
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pickle") as file:
        file.write(data)
        file.flush()
        done = subprocess.run([sys.executable, "-c", _HOLD, file.name], capture_output=True, text=True, check=True)
    before, after, peak = (int(v) for v in done.stdout.split())
    return {"worker_rss_before": before, "worker_rss_holding": after, "worker_rss_peak": peak}


def estate_figures(enis: int, flows: int, seed: int, repeat: int) -> dict[str, Any]:
    """Build, compile and pickle ``estate(enis)`` (what every worker receives once), and its serial cost per flow
    of ``flows`` flows on one core."""
    start = time.perf_counter()
    net = estate(enis, seed=seed)
    built = time.perf_counter()
    compiled = compile_network(net)  # cached on the network: the pickle carries the tables
    compiled_at = time.perf_counter()
    data = pickle.dumps(net, protocol=5)
    pickled = time.perf_counter()
    pickle.loads(data)
    unpickled = time.perf_counter()
    held = network_memory(data)
    batch = sampled_product(net, flows, seed)
    _one_core()
    seconds = best(repeat, lambda: net.evaluate(batch))
    _all_cores()
    return {
        "enis": enis,
        "network_interfaces": len(net.network_interfaces),
        "atoms": compiled.atoms.count,
        "build_seconds": built - start,
        "compile_seconds": compiled_at - built,
        "pickle_bytes": len(data),
        "pickle_seconds": pickled - compiled_at,
        "unpickle_seconds": unpickled - pickled,
        **held,
        "flows": len(batch),
        "serial_seconds": seconds,
        "serial_ns_per_flow": seconds / len(batch) * 1e9,
    }


# ---------------------------------------------------------------------- the benchmark


def run(args: argparse.Namespace, say: Callable[[str], None]) -> dict[str, Any]:
    import dask
    import distributed

    report: dict[str, Any] = {"enis": args.enis, "seed": args.seed, "python": sys.version.split()[0]}
    report.update(numpy=np.__version__, dask=dask.__version__, distributed=distributed.__version__)
    report["load_before"] = os.getloadavg()
    if args.flows:
        cluster_figures(args, report, say)
    report["sizes"] = []
    for enis in args.sizes:
        report["sizes"].append(estate_figures(enis, args.size_flows, args.seed, args.repeat))
        say(f"estate({enis:,}) measured")
    report["load_after"] = os.getloadavg()
    return report


def cluster_figures(args: argparse.Namespace, report: dict[str, Any], say: Callable[[str], None]) -> None:
    """Serial and on each cluster: the figures of ``--flows`` flows on ``estate(--enis)``, into ``report``."""
    net = estate(args.enis, seed=args.seed)
    compile_network(net)
    flows = flow_product(net, args.flows, args.seed)
    report["flows"] = len(flows)
    say(f"estate({args.enis:,}), {len(flows):,} flows")

    _one_core()
    kept: dict[str, Evaluation] = {}

    def evaluate() -> None:
        kept.clear()
        kept["v"] = net.evaluate(flows, chunk=args.chunk)

    report["serial_seconds"] = best(args.repeat, evaluate)
    serial = kept.pop("v")
    _all_cores()
    report["serial_ns_per_flow"] = report["serial_seconds"] / len(flows) * 1e9
    report["serial_flows_per_second"] = len(flows) / report["serial_seconds"]
    report["result_bytes"] = nbytes(serial)
    report["counts"] = serial.counts()
    report["scalar_flows"] = int(serial.scalar.sum())
    say(f"serial {report['serial_seconds']:.2f} s")

    report["clusters"] = []
    for workers in args.workers:
        figures = on_cluster(args, net, flows, workers, serial)
        report["clusters"].append(figures)
        say(f"{workers} worker(s): " + ", ".join(f"{m} {figures[m]['seconds']:.2f} s" for m in MODES))
    del serial
    gc.collect()
    report["client_peak_memory"] = peak_memory()
    by = {c["workers"]: c for c in report["clusters"]}
    if 1 in by and 2 in by:
        report["speedup_2_vs_1"] = {m: by[1][m]["seconds"] / by[2][m]["seconds"] for m in MODES}
        report["speedup_tasks_alone_2_vs_1"] = {
            m: by[1][m]["tasks_alone_seconds"] / by[2][m]["tasks_alone_seconds"] for m in MODES if m in SHIPPED
        }
        report["speedup_2_vs_serial"] = {m: report["serial_seconds"] / by[2][m]["seconds"] for m in MODES}


def _mb(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def print_table(report: dict[str, Any]) -> None:
    print(f"Python {report['python']}, numpy {report['numpy']}, dask {report['dask']}, distributed "
          f"{report['distributed']}; load average before {report['load_before'][0]:.2f}, after "
          f"{report['load_after'][0]:.2f}")  # fmt: skip
    if "flows" in report:
        print_clusters(report)
    for s in report["sizes"]:
        print(
            f"  estate({s['enis']:,}): {s['network_interfaces']:,} ENIs, {s['atoms']:,} atoms; build "
            f"{s['build_seconds']:.1f} s, compile {s['compile_seconds']:.2f} s; pickle with compiled tables "
            f"{_mb(s['pickle_bytes'])} ({s['pickle_seconds']:.2f} s, unpickle {s['unpickle_seconds']:.2f} s); "
            f"serial {s['flows']:,} flows {s['serial_seconds']:.2f} s, {s['serial_ns_per_flow']:,.0f} ns/flow"
        )
        if "worker_rss_holding" in s:
            print(f"    a fresh process holding it: RSS {_mb(s['worker_rss_before'])} (vpcsim imported) -> "
                  f"{_mb(s['worker_rss_holding'])}, peak {_mb(s['worker_rss_peak'])} while unpickling")  # fmt: skip


def print_clusters(report: dict[str, Any]) -> None:
    n = report["flows"]
    print(f"estate({report['enis']:,}, seed={report['seed']}), {n:,} flows (one lazy product)")
    print(f"  serial, one core: {report['serial_seconds']:.2f} s ({report['serial_ns_per_flow']:,.0f} ns/flow, "
          f"{report['serial_flows_per_second'] / 1e6:.2f}M flows/s); verdicts {_mb(report['result_bytes'])} "
          f"({report['result_bytes'] / n:.0f} B/flow); scalar lane {report['scalar_flows']:,} flows")  # fmt: skip
    print(f"  {'workers, mode':<17}{'seconds':>8}{'flows/s':>9}{'tasks':>6}{'broadcast':>10}{'tasks run':>10}"
          f"{'gather':>8}{'join':>6}{'counts only':>12}{'ns/flow/worker':>15}")  # fmt: skip
    for c in report["clusters"]:
        for mode in MODES:
            m, s = c[mode], c[mode]["steps"]
            row = f"  {str(c['workers']) + ', ' + mode:<17}{m['seconds']:>7.2f}s{m['flows_per_second'] / 1e6:>8.2f}M"
            row += f"{s['tasks']:>6}"
            if "gather_seconds" in s:  # a stepwise run (stream overlaps its steps)
                row += (f"{s['broadcast_seconds']:>9.2f}s{s['tasks_seconds']:>9.2f}s{s['gather_seconds']:>7.2f}s"
                        f"{s['join_seconds']:>5.2f}s")  # fmt: skip
            if mode in SHIPPED:
                row += f"{m['tasks_alone_seconds']:>11.2f}s{m['ns_per_flow_per_worker']:>15,.0f}"
            print(row)
    for c in report["clusters"]:
        s = c["default"]["steps"]
        share = {m: (c[m]["steps"]["gather_seconds"] + c[m]["steps"]["join_seconds"]) / c[m]["steps"]["total_seconds"]
                 for m in ("default", "tuned", "direct")}  # fmt: skip
        print(
            f"  {c['workers']} worker(s): identical to serial {c['identical']} (direct {c['direct']['identical']}, "
            f"stream {c['stream']['identical']});"
            f" warm-up {c['warmup_seconds']:.2f} s; gathered {_mb(s['gathered_bytes'])}, a part of "
            f"{s['part_flows']:,} flows pickles to {_mb(s['part_pickle_bytes'])}; gather + join "
            + ", ".join(f"{m} {v:.0%}" for m, v in share.items())
            + " of the stepwise run; peak memory of the workers "
            + ", ".join(_mb(r) for r in c["worker_peak_memory"])
            + (f"; materialised batch {c['materialised_seconds']:.2f} s" if "materialised_seconds" in c else "")
        )
    print(f"  peak memory of this process (client, scheduler, serial run): {_mb(report['client_peak_memory'])}")
    if "speedup_2_vs_1" in report:
        for mode in MODES:
            alone = report["speedup_tasks_alone_2_vs_1"].get(mode)
            print(f"  speed-up 2 vs 1 worker, {mode}: {report['speedup_2_vs_1'][mode]:.2f}x"
                  + ("" if alone is None else f" (tasks alone {alone:.2f}x)")
                  + f"; 2 workers vs serial {report['speedup_2_vs_serial'][mode]:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enis", type=int, default=1000, help="ENIs of the estate (default 1000)")
    parser.add_argument(
        "--flows",
        type=int,
        default=10_000_000,
        help="flows to evaluate (about; default 10M; 0: only the estate sizes)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best counts (default 3)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="cluster sizes (default 1 2)")
    parser.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, help="flows per vectorised walk")
    parser.add_argument("--partition", type=int, default=None, help="flows per task (default: vpcsim's)")
    parser.add_argument("--no-materialised", dest="materialised", action="store_false",
                        help="skip the materialised batch")  # fmt: skip
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="*",
        default=[1000, 10_000, 100_000],
        help="estate sizes to build, pickle and evaluate serially (default 1000 10000 100000)",
    )
    parser.add_argument("--size-flows", type=int, default=1_000_000, help="flows per estate size (default 1M)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--table", metavar="JSON", help="print the table of a report saved with --json, and stop")
    args = parser.parse_args()
    if args.table:
        with open(args.table) as saved:
            print_table(json.load(saved))
        return
    report = run(args, lambda text: print(f"... {text}", file=sys.stderr))
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
