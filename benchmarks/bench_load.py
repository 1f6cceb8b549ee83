"""Import benchmark (issue 6): load a 10,000-ENI describe-* export with ``vpcsim.load_aws``, cold, on one core.

Run by hand from the repository root (figures go into the README)::

    python benchmarks/bench_load.py [--enis 10000] [--seed 0] [--repeat 3] [--in-process] [--json] [--profile]

It builds :func:`vpcsim.synthetic.estate`, writes it with :func:`vpcsim.dump_aws` (Batfish's
``aws_configs/<region>/<Key>.json`` layout, one file per describe-* key) and as one merged JSON file
(:func:`vpcsim.to_aws`), then times ``vpcsim.load_aws`` of the folder and of the merged file. Each timed load is
*cold*: a new Python process (vpcsim imported before the clock starts) that reads the files and builds the network
once, so no cache of an earlier load helps; the best of ``--repeat`` counts (``--in-process`` times fresh calls in
this process instead). The timed processes give their peak RSS (VmHWM), and a further process per source the
load's peak Python memory (tracemalloc). The loaded networks are checked against the estate (``snapshot()``
equal) and their load reports (empty).
``--profile`` prints cProfile's top functions for one load of the folder. Target: under 5 s.
"""

from __future__ import annotations

import os

# One core: numpy's BLAS must not spread over the others (read when numpy loads, so before the imports below).
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import argparse
import cProfile
import gc
import json
import pstats
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

from bench_exposure import machine, pin_to_one_core, size_of

import vpcsim
from vpcsim.synthetic import estate

TARGET_SECONDS = 5.0
SOURCES = ("folder", "merged")


def write_export(net: vpcsim.Network, root: Path) -> dict[str, Any]:
    """The estate as a dump_aws folder and as one merged file under ``root``; their paths, sizes and item counts."""
    folder = root / "export"
    files = vpcsim.dump_aws(net, folder)
    merged = root / "merged.json"
    document = vpcsim.to_aws(net)
    merged.write_text(json.dumps(document))
    return {
        "folder": str(folder),
        "folder_files": len(files),
        "folder_bytes": sum(f.stat().st_size for f in files),
        "merged": str(merged),
        "merged_bytes": merged.stat().st_size,
        "items": {key: len(items) for key, items in document.items() if items},
        "resources": sum(len(items) for items in document.values()),
    }


def load_once(path: str, memory: bool = False) -> dict[str, Any]:
    """Load ``path`` once and say how long it took (and, with ``memory``, the peak Python memory of the load)."""
    gc.collect()
    before = _max_rss()
    if memory:
        tracemalloc.start()
    start = time.perf_counter()
    net = vpcsim.load_aws(path)
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {"seconds": seconds, "network_interfaces": len(net.network_interfaces)}
    out["warnings"] = len(net.load_report.warnings)
    if memory:
        out["tracemalloc_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    out["max_rss"], out["max_rss_before"] = _max_rss(), before  # of the whole process: imports included
    return out


def _max_rss() -> int:
    """The process's peak resident memory so far, in bytes: Linux's VmHWM (ru_maxrss would carry the parent's peak
    over fork and exec), else ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return int(peak if sys.platform == "darwin" else peak * 1024)


def load_cold(path: str, memory: bool = False) -> dict[str, Any]:
    """:func:`load_once` in a new Python process (pinned to one core too)."""
    command = [sys.executable, __file__, "--child", path] + (["--child-memory"] if memory else [])
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the load of {path} failed in its process:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout)
    return figures


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {"enis": args.enis, "seed": args.seed, "repeat": args.repeat}
    report["python"] = sys.version.split()[0]
    report["machine"] = machine()
    report["cold"] = "fresh calls in one process" if args.in_process else "a new process per load"
    start = time.perf_counter()
    net = estate(args.enis, seed=args.seed)
    report["estate_seconds"] = time.perf_counter() - start
    report["size"] = size_of(net)
    load = load_once if args.in_process else load_cold
    with tempfile.TemporaryDirectory(prefix="vpcsim-bench-load-") as tmp:
        start = time.perf_counter()
        export = write_export(net, Path(tmp))
        report["write_seconds"] = time.perf_counter() - start
        report["export"] = {k: v for k, v in export.items() if k not in SOURCES}
        expected = net.snapshot()
        for source in SOURCES:
            path = export[source]
            runs = [load(path) for _ in range(args.repeat)]
            report[f"{source}_seconds"] = min(r["seconds"] for r in runs)
            report[f"{source}_all_seconds"] = [r["seconds"] for r in runs]
            report[f"{source}_network_interfaces"] = runs[0]["network_interfaces"]
            report[f"{source}_warnings"] = runs[0]["warnings"]
            report[f"{source}_max_rss"] = max(r["max_rss"] for r in runs)  # without tracemalloc's own overhead
            report[f"{source}_max_rss_before"] = max(r["max_rss_before"] for r in runs)
            if not args.no_memory:
                report[f"{source}_tracemalloc_peak"] = load(path, memory=True)["tracemalloc_peak"]
            loaded = vpcsim.load_aws(path)
            report[f"{source}_same_network"] = loaded.snapshot() == expected
            del loaded
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(vpcsim.load_aws, export["folder"])
            report["profile"] = profile
    return report


def _bytes(value: int) -> str:
    return f"{value / 2**20:,.1f} MB"


def print_profile(profile: cProfile.Profile, stream: Any = None) -> None:
    print("\ncProfile of one load_aws(folder), by cumulative time:", file=stream)
    pstats.Stats(profile, stream=stream).sort_stats("cumulative").print_stats(30)
    print("by own time:", file=stream)
    pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(20)


def print_table(report: dict[str, Any]) -> None:
    size, export = report["size"], report["export"]
    print(
        f"estate({report['enis']:,}, seed={report['seed']}): {size['network_interfaces']:,} ENIs, "
        f"{size['instances']:,} instances, {size['subnets']} subnets, {size['security_groups']} SGs "
        f"({size['security_group_rules']:,} rules), {size['network_acl_entries']} NACL entries, "
        f"{size['routes']:,} routes (built in {report['estate_seconds']:.2f} s)"
    )
    print(
        f"export: {export['resources']:,} describe-* items (NetworkInterfaces "
        f"{export['items']['NetworkInterfaces']:,}, Reservations {export['items'].get('Reservations', 0):,}, "
        f"SecurityGroupRules {export['items'].get('SecurityGroupRules', 0):,}, ...); {export['folder_files']} files "
        f"{_bytes(export['folder_bytes'])}, merged file {_bytes(export['merged_bytes'])}; written in "
        f"{report['write_seconds']:.2f} s"
    )
    print(f"Python {report['python']}, {report['machine']}; one core; cold = {report['cold']}")
    rows = []
    for source, title in (("folder", "load_aws(folder)"), ("merged", "load_aws(merged file)")):
        seconds = report[f"{source}_seconds"]
        verdict = "under" if seconds < TARGET_SECONDS else "OVER"
        rows.append((title, f"{seconds:.2f} s ({verdict} the {TARGET_SECONDS:g} s target)"))
        rows.append(("  all runs", ", ".join(f"{s:.2f}" for s in report[f"{source}_all_seconds"]) + " s"))
        if f"{source}_tracemalloc_peak" in report:
            rows.append(("  peak memory of the load (tracemalloc)", _bytes(report[f"{source}_tracemalloc_peak"])))
        rss, imports = report[f"{source}_max_rss"], report[f"{source}_max_rss_before"]
        what = "process" if not report["cold"].startswith("fresh") else "whole run"
        rows.append((f"  peak RSS of the {what}", f"{_bytes(rss)} ({_bytes(imports)} before the load)"))
        rows.append(("  ENIs loaded / load warnings",
                     f"{report[f'{source}_network_interfaces']:,} / {report[f'{source}_warnings']}"))  # fmt: skip
        rows.append(("  same network as the estate", str(report[f"{source}_same_network"])))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print(f"(best of {report['repeat']})")
    if "profile" in report:
        print_profile(report["profile"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--enis", type=int, default=10_000, help="ENIs of the estate (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--repeat", type=int, default=3, help="cold loads of each source; the best counts (default 3)"
    )
    parser.add_argument("--in-process", action="store_true", help="time fresh calls here, not new processes")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc run")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top for one load of the folder")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # a cold load in a new process: print its figures
    parser.add_argument("--child-memory", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    pin_to_one_core()
    if args.child:
        print(json.dumps(load_once(args.child, memory=args.child_memory)))
        return
    report = run(args)
    if args.json:
        profile = report.pop("profile", None)
        print(json.dumps(report, indent=2, default=str))
        if profile is not None:
            print_profile(profile, sys.stderr)
    else:
        print_table(report)


if __name__ == "__main__":
    main()
