"""Exact exposure benchmark (issue 5): everything the internet reaches in the whole estate, on one core.

Run by hand from the repository root (figures go into the README)::

    python benchmarks/bench_exposure.py [--enis 1000] [--repeat 3] [--seed 0] [--ipv6] [--json] [--profile]

On :func:`vpcsim.synthetic.estate` it measures, on one core (the process is pinned to one CPU and numpy's BLAS to one
thread):

* compiling the network (``Compiled(net)``, what :func:`vpcsim.engine.compile.compile_network` does on a change);
* ``net.exposure()``: the internet (:data:`vpcsim.INTERNET`, every address an internet host can have) to every
  interface, every protocol, every port, with the reply. Once *cold* (on a fresh ``net.copy()``, so the time
  includes compiling it) and *warm* (compiled tables cached on the network, best of ``--repeat``), with its
  header-space cells (``Exposure.cells``, one flow walked each), rows, interfaces exposed and cells per second;
* ``net.open_ports(web)``: the TCP ports the internet connects to on the first public web instance;
* ``net.exposure(source=subnet)``: internal exposure, everything the interfaces of the first app subnet connect to;
* ``net.reachability_matrix(subnets, subnets, protocol="tcp")``: the subnets of the first VPC (the hub) to each
  other.

Each warm timing is the best of ``--repeat`` runs, but a query is not run again once its runs have taken
``--budget`` seconds (the internal questions take minutes: one run is figure enough). ``--timeout`` abandons a query
whose run goes past it (reported as such; for a larger ``--enis``). ``--profile`` prints the top of cProfile for
one run of each query (or of the ones named: ``--profile exposure internal``), by cumulative time, then the
functions of ``vpcsim/query`` alone. With ``--ipv6`` the estate has IPv6 and the exposure covers its addresses too.
"""

from __future__ import annotations

import os

# One core: numpy's BLAS must not spread over the others (read when numpy loads, so before the imports below).
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import argparse
import cProfile
import gc
import json
import platform
import pstats
import resource
import signal
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

import vpcsim
import vpcsim.query.exposure  # imported here, so no timing below pays for the import
from vpcsim.engine.compile import Compiled, compile_network
from vpcsim.synthetic import estate

QUERIES = ("exposure", "open_ports", "internal", "matrix")


class TimedOut(Exception):
    """A query ran past ``--timeout``."""


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Raise :class:`TimedOut` in the block after ``seconds`` (Unix; a running numpy call finishes first)."""
    if not seconds or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimedOut

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def best(
    repeat: int, run: Callable[[], object], budget: float = float("inf"), timeout: float | None = None
) -> tuple[float | None, str | None]:
    """The fastest of ``repeat`` runs, in seconds; no new run once the runs have taken ``budget`` seconds. And why
    the runs stopped short: past ``timeout``, or out of memory (then no time if it was the first run)."""
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        try:
            with deadline(timeout):
                run()
        except TimedOut:
            return (min(times) if times else None), f"timed out after {timeout:g} s"
        except MemoryError as exc:
            gc.collect()
            return (min(times) if times else None), f"{type(exc).__name__}: {exc}"
        times.append(time.perf_counter() - start)
        if sum(times) >= budget:
            break
    return min(times), None


def pin_to_one_core() -> None:
    """Run on one CPU (Linux): the figures are one core's."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def machine() -> str:
    """The CPU model (Linux), architecture and CPU count."""
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as info:
            model = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{model or platform.system()} ({platform.machine()}, {os.cpu_count()} CPUs)"


def size_of(net: vpcsim.Network) -> dict[str, int]:
    """What the estate holds: interfaces (public: with a public IPv4 or an Elastic IP), rules, entries, routes."""
    enis = net.network_interfaces
    return {
        "network_interfaces": len(enis),
        "public_network_interfaces": sum(1 for e in enis if e.public_ips),
        "ipv6_network_interfaces": sum(1 for e in enis if any(a.version == 6 for a in e.addresses)),
        "instances": len(net.instances),
        "subnets": len(net.subnets),
        "security_groups": len(net.security_groups),
        "security_group_rules": sum(len(g.ingress) + len(g.egress) for g in net.security_groups),
        "network_acl_entries": sum(len(a.entries) for a in net.network_acls),
        "routes": sum(len(t.routes) for t in net.route_tables),
    }


def subjects(net: vpcsim.Network) -> dict[str, Any]:
    """The first public web instance, the first app subnet and the subnets of the first VPC."""
    web = next(
        i
        for i in net.instances
        if i.tags.get("Role") == "web" and i.state == "running" and i.primary_network_interface.public_ip is not None
    )
    app = next(s for s in net.subnets if "-app-" in (s.name or ""))
    site = [s for s in net.subnets if s.vpc is net.vpcs[0]]
    return {"web": web, "app_subnet": app, "site_subnets": site}


# ---------------------------------------------------------------------- the benchmark


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"enis": args.enis, "seed": args.seed, "ipv6": args.ipv6, "repeat": args.repeat}
    report["python"] = sys.version.split()[0]
    report["numpy"] = np.__version__
    report["machine"] = machine()
    start = time.perf_counter()
    net = estate(args.enis, seed=args.seed, ipv6=args.ipv6)
    report["estate_seconds"] = time.perf_counter() - start
    report["size"] = size_of(net)
    picked = subjects(net)
    web, app, site = picked["web"], picked["app_subnet"], picked["site_subnets"]
    report["web"] = web.name
    report["app_subnet"] = f"{app.name} ({sum(1 for e in net.network_interfaces if e.subnet is app)} ENIs)"
    site_enis = sum(1 for e in net.network_interfaces if e.subnet in site)
    report["site"] = f"{net.vpcs[0].name} ({len(site)} subnets, {site_enis} ENIs)"
    budget, timeout = args.budget, args.timeout

    # Cold: a fresh copy has no compiled tables, so its first question compiles it.
    fresh = net.copy()
    start = time.perf_counter()
    cold = fresh.exposure()
    report["exposure_cold_seconds"] = time.perf_counter() - start
    del fresh
    report["compile_seconds"], _ = best(args.repeat, lambda: Compiled(net), budget)
    report["timeout"] = timeout
    compile_network(net)  # cached on the network: every query below reuses it

    kept: dict[str, Any] = {}

    def keep(name: str, query: Callable[[], object]) -> Callable[[], None]:
        def call() -> None:
            kept.pop(name, None)  # the previous run's answer goes first
            kept[name] = query()

        return call

    queries: dict[str, Callable[[], object]] = {
        "exposure": net.exposure,
        "open_ports": lambda: net.open_ports(web),
        "internal": lambda: net.exposure(source=app),
        "matrix": lambda: net.reachability_matrix(site, site, protocol="tcp"),
    }
    for name in args.queries:
        seconds, failed = best(args.repeat, keep(name, queries[name]), budget, timeout)
        report[f"{name}_seconds"] = seconds
        if failed:
            report[f"{name}_failed"] = failed
        print(f"{name}: {_seconds(seconds)}{'; ' + failed if failed else ''}", file=sys.stderr, flush=True)

    if "exposure" in kept:
        e = kept["exposure"]
        report["exposure_cells"] = e.cells
        report["exposure_rows"] = len(e)
        report["exposure_interfaces"] = len(e.network_interfaces)
        report["exposure_cells_per_second"] = e.cells / report["exposure_seconds"]
        report["exposure_addresses"] = len({r["address"] for r in e})
        report["exposure_ipv6_rows"] = sum(1 for r in e if r["address"] is not None and ":" in r["address"])
        report["exposure_cold_agrees"] = cold.rows == e.rows and cold.cells == e.cells
    if "open_ports" in kept:
        report["open_ports"] = kept["open_ports"]
    if "internal" in kept:
        e = kept["internal"]
        report["internal_cells"] = e.cells
        report["internal_rows"] = len(e)
        report["internal_interfaces"] = len(e.network_interfaces)
        report["internal_cells_per_second"] = e.cells / report["internal_seconds"]
    if "matrix" in kept:
        m = kept["matrix"]
        report["matrix_pairs_reachable"] = int((m != "").to_numpy().sum())
        report["matrix_shape"] = list(m.shape)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report["max_rss"] = int(peak if sys.platform == "darwin" else peak * 1024)  # bytes
    if args.profile is not None:
        report["profile"] = {}
        for name in args.profile or args.queries:
            profile = cProfile.Profile()
            profile.runcall(queries[name])
            report["profile"][name] = profile
    return report


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value * 1e3:,.0f} ms" if value < 1 else f"{value:,.2f} s"


def print_profiles(profiles: dict[str, cProfile.Profile], stream: Any = None) -> None:
    for name, profile in profiles.items():
        print(f"\ncProfile of one {name} query, by cumulative time:", file=stream)
        pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(30)
        print(f"the functions of vpcsim/query alone ({name}):", file=stream)
        pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(r"vpcsim/query/", 20)


def _failure(rows: list[tuple[str, str]], report: dict[str, Any], name: str) -> None:
    failed = report.get(f"{name}_failed")
    if failed:
        rows.append(("  stopped", failed[:60]))


def print_table(report: dict[str, Any]) -> None:
    size = report["size"]
    print(
        f"estate({report['enis']:,}, seed={report['seed']}{', ipv6=True' if report['ipv6'] else ''}): "
        f"{size['network_interfaces']:,} ENIs ({size['public_network_interfaces']:,} public"
        f"{', ' + format(size['ipv6_network_interfaces'], ',') + ' with IPv6' if report['ipv6'] else ''}), "
        f"{size['instances']:,} instances, {size['subnets']} subnets, {size['security_groups']} SGs "
        f"({size['security_group_rules']:,} rules), {size['network_acl_entries']} NACL entries, "
        f"{size['routes']:,} routes (built in {report['estate_seconds']:.2f} s)"
    )
    print(f"Python {report['python']}, numpy {report['numpy']}, {report['machine']}; pinned to one core")
    rows: list[tuple[str, str]] = [
        ("compile", _seconds(report["compile_seconds"])),
        ("exposure() cold: compile + query", _seconds(report["exposure_cold_seconds"])),
    ]
    if "exposure_seconds" in report:
        rows.append(("exposure() from the internet, warm", _seconds(report["exposure_seconds"])))
        _failure(rows, report, "exposure")
    if "exposure_cells" in report:
        rows += [
            ("  header-space cells", f"{report['exposure_cells']:,}"),
            ("  cells per second", f"{report['exposure_cells_per_second']:,.0f}"),
            ("  rows", f"{report['exposure_rows']:,}" + (
                f" ({report['exposure_ipv6_rows']:,} IPv6)" if report["ipv6"] else "")),
            ("  interfaces exposed", f"{report['exposure_interfaces']:,}"),
            ("  addresses exposed", f"{report['exposure_addresses']:,}"),
            ("  cold answer identical", str(report["exposure_cold_agrees"])),
        ]  # fmt: skip
    if "open_ports_seconds" in report:
        rows.append((f"open_ports({report['web']}), tcp", _seconds(report["open_ports_seconds"])))
        _failure(rows, report, "open_ports")
    if "open_ports" in report:
        rows.append(("  open", ", ".join(f"{lo}" if lo == hi else f"{lo}-{hi}" for lo, hi in report["open_ports"])))
    if "internal_seconds" in report:
        rows.append((f"exposure(source={report['app_subnet']})", _seconds(report["internal_seconds"])))
        _failure(rows, report, "internal")
    if "internal_cells" in report:
        rows += [
            ("  header-space cells", f"{report['internal_cells']:,}"),
            ("  cells per second", f"{report['internal_cells_per_second']:,.0f}"),
            ("  rows / interfaces", f"{report['internal_rows']:,} / {report['internal_interfaces']:,}"),
        ]
    if "matrix_seconds" in report:
        rows.append((f"reachability_matrix({report['site']}), tcp", _seconds(report["matrix_seconds"])))
        _failure(rows, report, "matrix")
    if "matrix_shape" in report:
        r, c = report["matrix_shape"]
        rows.append(("  pairs of subnets connected", f"{report['matrix_pairs_reachable']} of {r * c}"))
    rows.append(("peak RSS of the process (ru_maxrss)", f"{report['max_rss'] / 2**20:,.0f} MB"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value:>14}")
    print(f"(warm: best of {report['repeat']}, fewer once the runs of a query took {report['budget']:.0f} s)")
    if "profile" in report:
        print_profiles(report["profile"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enis", type=int, default=1000, help="ENIs of the estate (default 1000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ipv6", action="store_true", help="an estate with IPv6 (the exposure covers it too)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each timing; the best counts (default 3)")
    parser.add_argument(
        "--budget", type=float, default=30.0, help="no new run of a query once its runs took this long (default 30 s)"
    )
    parser.add_argument("--timeout", type=float, help="abandon a query run that goes past this many seconds")
    parser.add_argument(
        "--queries", nargs="+", choices=QUERIES, default=list(QUERIES), help="the queries to time (default all)"
    )
    parser.add_argument(
        "--profile",
        nargs="*",
        choices=QUERIES,
        help="print the top of cProfile for one run of each query timed (or of those named)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    pin_to_one_core()
    report = run(args)
    report["budget"] = args.budget
    if args.json:
        profiles = report.pop("profile", None)
        print(json.dumps(report, indent=2, default=str))
        if profiles is not None:
            print_profiles(profiles, sys.stderr)
    else:
        print_table(report)


if __name__ == "__main__":
    main()
