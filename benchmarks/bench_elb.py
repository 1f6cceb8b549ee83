"""Load balancer and failure benchmark (issue 8): traces through an NLB, the scalar lane of evaluate(), target
health, resilience reports and AZ failures, on one core.

Run by hand from the repository root (figures go into the README)::

    python benchmarks/bench_elb.py [--azs 3] [--per-az 10] [--background 0] [--flows 1000] [--traces 200]
                                   [--repeat 5] [--budget 60] [--json]

Two networks:

* ``example``: :func:`vpcsim.examples.private_api_behind_nlb` (2 AZs, one API server per AZ behind ``api-nlb``);
* ``scaled``: built here, a VPC ``svc`` (10.200.0.0/16) over ``--azs`` AZs, each with a public subnet (a NAT
  gateway, a node of each load balancer) and a private subnet of ``--per-az`` servers routing to its AZ's NAT
  gateway; an internet-facing NLB ``svc-nlb`` (TCP 443 -> TCP 8443, instance targets, cross-zone off, client IP
  preserved) and an ALB ``svc-alb`` (HTTP 80 -> HTTP 8080, its own SG, which the servers' SG admits) in front of
  every server. ``--background N`` builds it inside :func:`vpcsim.synthetic.estate` of N ENIs (other VPCs,
  instances, routes and rules: the compile, the copies and the default resilience flows grow with it).

On each network it measures, ``--repeat`` runs each (fewer once a measurement's runs took ``--budget`` seconds;
at least one), and prints the median and the range (min-max):

* ``trace(INTERNET, <nlb name>, "tcp", <port>)``: per trace, warm (health checks cached), ``--traces`` a run; and
  the first trace on a fresh ``net.copy()`` (a copy, like any change, drops the cached health checks);
* ``net.evaluate()`` of ``--flows`` flows from distinct internet hosts to the load balancers by name (the scalar
  lane: each is a ``trace()``; ``scalar`` flags them) and of as many flows that do not involve a load balancer
  (servers to internet hosts on TCP 443 through the NAT gateways, servers to each other on the service port: the
  vectorised walk), in flows per second, network compiled beforehand;
* ``describe_target_health()`` of every target group, cold (on a fresh copy: every health check is a trace) and
  warm (cached for the network's version);
* ``net.resilience()`` (every AZ) and ``net.resilience(resources=True)`` (also every NAT gateway, instance and load
  balancer node), default flows: each scenario is a copy of the network, compiled and evaluated;
* ``fail_az(<first AZ>)`` on a fresh copy, then ``evaluate()`` of both flow sets on it (which compiles the copy),
  with the compile of a fresh copy alone for comparison.

The defaults take about half a minute. ``--background 1000`` takes about eight minutes, nearly all of it one run of
``resilience(resources=True)``: every one of the estate's ~1,000 instances is a scenario (a copy, a compile and an
evaluation of ~1,000 default flows, about 0.4 s each).
"""

from __future__ import annotations

import os

# One core: numpy's BLAS must not spread over the others (read when numpy loads, so before the imports below).
os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")

import argparse
import functools
import ipaddress
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from bench_exposure import machine, pin_to_one_core

import vpcsim
import vpcsim.query.resilience  # imported here, so no timing below pays for the import
from vpcsim import INTERNET, FlowBatch, Network
from vpcsim.engine.compile import compile_network
from vpcsim.engine.evaluate import Evaluation
from vpcsim.examples import private_api_behind_nlb
from vpcsim.synthetic import estate

_FIRST_CLIENT = int(ipaddress.IPv4Address("8.0.0.1"))  # distinct public internet hosts from here on


def scaled(azs: int = 3, per_az: int = 10, background: int = 0) -> Network:
    """``per_az`` servers in each of ``azs`` AZs behind an NLB and an ALB, a NAT gateway per AZ (see the module
    docstring), alone or inside ``estate(background)``."""
    net = estate(background) if background else Network(region="us-east-1", seed=8)
    zones = net.availability_zones[net.region]
    if not 2 <= azs <= len(zones):
        raise SystemExit(f"--azs must be between 2 (an ALB needs two AZs) and {len(zones)} ({net.region}).")
    if not 1 <= per_az <= 4000:
        raise SystemExit("--per-az must be between 1 and 4,000 (a /20 per AZ).")
    vpc = net.create_vpc("10.200.0.0/16", name="svc")
    igw = net.create_internet_gateway(name="svc-igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="svc-public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    alb_sg = net.create_security_group(vpc, "svc-alb", description="HTTP from the internet")
    net.authorize_security_group_ingress(alb_sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    servers_sg = net.create_security_group(vpc, "svc", description="NLB clients (their IPs are kept) and the ALB")
    net.authorize_security_group_ingress(servers_sg, protocol="tcp", ports=8443, cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(servers_sg, protocol="tcp", ports=8080, source_group=alb_sg)
    publics, servers = [], []
    for index, zone in enumerate(zones[:azs]):
        letter = zone[-1]
        public = net.create_subnet(vpc, f"10.200.{index}.0/24", az=zone, name=f"svc-public-{letter}")
        net.associate_route_table(public_rt, public)
        publics.append(public)
        nat = net.create_nat_gateway(public, allocation=net.allocate_address(), name=f"svc-nat-{letter}")
        private = net.create_subnet(vpc, f"10.200.{16 * (index + 1)}.0/20", az=zone, name=f"svc-private-{letter}")
        private_rt = net.create_route_table(vpc, name=f"svc-private-rt-{letter}")
        net.create_route(private_rt, "0.0.0.0/0", nat)
        net.associate_route_table(private_rt, private)
        for k in range(per_az):
            servers.append(
                net.run_instance(
                    private, instance_type="m5.large", security_groups=[servers_sg], name=f"svc-{letter}{k}"
                )
            )
    nlb = net.create_load_balancer("svc-nlb", publics, type="network")
    nlb_tg = net.create_target_group("svc-nlb-tg", protocol="TCP", port=8443, vpc=vpc)
    net.register_targets(nlb_tg, servers)
    net.create_listener(nlb, protocol="TCP", port=443, target_group=nlb_tg)
    alb = net.create_load_balancer("svc-alb", publics, type="application", security_groups=[alb_sg])
    alb_tg = net.create_target_group("svc-alb-tg", protocol="HTTP", port=8080, vpc=vpc, health_check_path="/")
    net.register_targets(alb_tg, servers)
    net.create_listener(alb, protocol="HTTP", port=80, target_group=alb_tg)
    return net


def clients(n: int) -> list[vpcsim.InternetHost]:
    return [vpcsim.internet(str(ipaddress.IPv4Address(_FIRST_CLIENT + i))) for i in range(n)]


def subject(name: str, net: Network, servers: list[Any], listeners: list[tuple[str, int]], port: int,
            flows: int) -> dict[str, Any]:  # fmt: skip
    """A network with its flows: ``flows`` internet hosts to the listeners (by name, in turn) and as many flows
    without a load balancer (half servers -> internet hosts on 443, half servers -> the next server on ``port``)."""
    hosts = clients(flows)
    lb_rows: list[tuple[object, object, int]] = [(hosts[i], *listeners[i % len(listeners)]) for i in range(flows)]
    half = flows // 2
    plain_rows: list[tuple[object, object, int]] = [
        (servers[i % len(servers)], hosts[i], 443) if i < half else (servers[i % len(servers)],
                                                                    servers[(i + 1) % len(servers)], port)
        for i in range(flows)
    ]  # fmt: skip

    def batch(rows: list[tuple[object, object, int]]) -> FlowBatch:
        src, dst, ports = zip(*rows, strict=True)
        return FlowBatch.from_arrays(list(src), list(dst), "tcp", list(ports))

    zone = sorted({s.availability_zone for s in net.subnets if s.vpc is servers[0].vpc})[0]
    return {"name": name, "net": net, "nlb": listeners[0], "zone": zone, "lb_flows": batch(lb_rows),
            "plain_flows": batch(plain_rows), "both": batch(lb_rows + plain_rows)}  # fmt: skip


# ---------------------------------------------------------------------- timing


def runs(
    repeat: int, budget: float, run: Callable[[Any], object], setup: Callable[[], Any] | None = None
) -> tuple[list[float], object]:
    """Seconds of each run of ``run(setup())`` (setup untimed), and the last run's answer; no new run once the
    runs took ``budget`` seconds."""
    times: list[float] = []
    answer: object = None
    for _ in range(repeat):
        state = setup() if setup is not None else None
        start = time.perf_counter()
        answer = run(state)
        times.append(time.perf_counter() - start)
        if sum(times) >= budget:
            break
    return times, answer


def evaluating(net: Network, flows: FlowBatch) -> Callable[[object], object]:
    return lambda _: net.evaluate(flows)


def resilience(net: Network, resources: bool, _: object) -> vpcsim.query.resilience.Resilience:
    return net.resilience(resources=resources)


def measure(s: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    net: Network = s["net"]
    nlb, port = s["nlb"]
    repeat, budget = args.repeat, args.budget
    out: dict[str, Any] = {"network": s["name"], "size": size_of(net)}

    def record(key: str, times: list[float], per: float = 1.0, unit: str = "s") -> None:
        values = [t / per for t in times] if unit == "s" else [per / t for t in times]
        out[key] = {"unit": unit, "median": statistics.median(values), "min": min(values), "max": max(values),
                    "runs": len(values)}  # fmt: skip

    # Warm everything the timings below should not pay for: compiled tables and cached health checks.
    compile_network(net)
    first = net.trace(INTERNET, nlb, "tcp", port)
    assert first.connected, first
    for tg in net.target_groups:
        net.describe_target_health(tg)

    times, _ = runs(repeat, budget, lambda _: [net.trace(INTERNET, nlb, "tcp", port) for _ in range(args.traces)])
    record("trace_warm", times, args.traces)
    times, _ = runs(repeat, budget, lambda c: c.trace(INTERNET, nlb, "tcp", port), net.copy)
    record("trace_cold", times)

    for key in ("lb_flows", "plain_flows"):
        batch: FlowBatch = s[key]
        v = net.evaluate(batch)
        out[f"{key}_connected"] = int(v.connected.sum())
        out[f"{key}_scalar"] = int(v.scalar.sum())
        out[f"{key}_n"] = len(batch)
        times, _ = runs(repeat, budget, evaluating(net, batch))
        record(key, times, len(batch), unit="flows/s")

    def health(target: Network) -> int:
        rows = [h for tg in target.target_groups for h in target.describe_target_health(tg)]
        return sum(len(h.nodes) for h in rows)

    out["health_targets"] = sum(len(tg.targets) for tg in net.target_groups)
    out["health_checks"] = health(net)
    times, _ = runs(repeat, budget, health, net.copy)
    record("health_cold", times)
    times, _ = runs(repeat, budget, lambda _: health(net))
    record("health_warm", times)

    for key, resources in (("resilience", False), ("resilience_resources", True)):
        times, answer = runs(repeat, budget, functools.partial(resilience, net, resources))
        record(key, times)
        assert isinstance(answer, vpcsim.query.resilience.Resilience)
        out[f"{key}_flows"] = len(answer.flows)
        out[f"{key}_scenarios"] = len(answer.scenarios)
        out[f"{key}_failing"] = sum(not sc.survives for sc in answer.scenarios)

    times, _ = runs(repeat, budget, compile_network, net.copy)
    record("compile", times)
    zone = s["zone"]
    times, _ = runs(repeat, budget, lambda c: c.fail_az(zone), net.copy)
    record("fail_az", times)

    def failed_copy() -> Network:
        c = net.copy()
        c.fail_az(zone)
        return c

    times, after = runs(repeat, budget, lambda c: c.evaluate(s["both"]), failed_copy)
    record("fail_az_evaluate", times)
    assert isinstance(after, Evaluation)
    before = net.evaluate(s["both"])
    out["fail_az_zone"] = zone
    out["fail_az_flows"] = len(s["both"])
    out["fail_az_connected"] = (int(before.connected.sum()), int(after.connected.sum()))
    return out


def size_of(net: Network) -> dict[str, int]:
    return {
        "network_interfaces": len(net.network_interfaces),
        "instances": len(net.instances),
        "subnets": len(net.subnets),
        "availability_zones": len({s.availability_zone for s in net.subnets}),
        "load_balancers": len(net.load_balancers),
        "nodes": sum(len(lb.nodes) for lb in net.load_balancers),
        "targets": sum(len(tg.targets) for tg in net.target_groups),
        "nat_gateways": len(net.nat_gateways),
    }


# ---------------------------------------------------------------------- the table


def _cell(figure: dict[str, Any] | None) -> str:
    if figure is None:
        return "-"
    median, lo, hi = figure["median"], figure["min"], figure["max"]
    if figure["unit"] == "flows/s":
        text = f"{median:,.0f} flows/s ({lo:,.0f}-{hi:,.0f})"
    else:
        scale, unit = (1e6, "us") if hi < 1e-3 else (1e3, "ms") if hi < 1 else (1.0, "s")
        digits = 2 if scale == 1.0 or median * scale < 10 else 0
        text = f"{median * scale:,.{digits}f} {unit} ({lo * scale:,.{digits}f}-{hi * scale:,.{digits}f})"
    return text + ("" if figure["runs"] >= 2 else " [1 run]")


def print_table(reports: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, {machine()}; pinned to one core")
    for r in reports:
        z = r["size"]
        print(f"{r['network']}: {z['network_interfaces']:,} ENIs, {z['instances']:,} instances, "
              f"{z['subnets']} subnets in {z['availability_zones']} AZs, {z['load_balancers']} load balancers "
              f"({z['nodes']} nodes, {z['targets']} targets), {z['nat_gateways']} NAT gateways")  # fmt: skip
    rows: list[tuple[str, list[str]]] = [
        (f"trace() internet -> NLB by name, warm (per trace, {args.traces} a run)",
         [_cell(r["trace_warm"]) for r in reports]),
        ("trace() on a fresh copy (health checks cold)", [_cell(r["trace_cold"]) for r in reports]),
        ("evaluate() flows to the LBs by name (scalar lane)", [_cell(r["lb_flows"]) for r in reports]),
        ("  flows / scalar / connected",
         [f"{r['lb_flows_n']:,} / {r['lb_flows_scalar']:,} / {r['lb_flows_connected']:,}" for r in reports]),
        ("evaluate() flows without an LB (vectorised)", [_cell(r["plain_flows"]) for r in reports]),
        ("  flows / scalar / connected",
         [f"{r['plain_flows_n']:,} / {r['plain_flows_scalar']:,} / {r['plain_flows_connected']:,}" for r in reports]),
        ("describe_target_health() every TG, cold (fresh copy)", [_cell(r["health_cold"]) for r in reports]),
        ("describe_target_health() every TG, warm (cached)", [_cell(r["health_warm"]) for r in reports]),
        ("  targets / health checks (node x target)",
         [f"{r['health_targets']} / {r['health_checks']}" for r in reports]),
        ("resilience() (every AZ)", [_cell(r["resilience"]) for r in reports]),
        ("  flows / scenarios / failing",
         [f"{r['resilience_flows']:,} / {r['resilience_scenarios']:,} / {r['resilience_failing']:,}"
          for r in reports]),
        ("resilience(resources=True)", [_cell(r["resilience_resources"]) for r in reports]),
        ("  flows / scenarios / failing",
         [f"{r['resilience_resources_flows']:,} / {r['resilience_resources_scenarios']:,} / "
          f"{r['resilience_resources_failing']:,}" for r in reports]),
        ("compile a fresh copy", [_cell(r["compile"]) for r in reports]),
        ("fail_az(first AZ) on a fresh copy", [_cell(r["fail_az"]) for r in reports]),
        ("evaluate() LB + other flows after fail_az (compiles)", [_cell(r["fail_az_evaluate"]) for r in reports]),
        ("  zone: flows, connected before -> after",
         [f"{r['fail_az_zone']}: {r['fail_az_flows']:,}, {r['fail_az_connected'][0]:,} -> "
          f"{r['fail_az_connected'][1]:,}" for r in reports]),
    ]  # fmt: skip
    width = max(len(name) for name, _ in rows)
    widths = [max(len(r["network"]), *(len(cells[i]) for _, cells in rows)) for i, r in enumerate(reports)]
    print(f"  {'':<{width}}  " + "  ".join(f"{r['network']:>{w}}" for r, w in zip(reports, widths, strict=True)))
    for name, cells in rows:
        print(f"  {name:<{width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
    print(f"(median and range (min-max) of {args.repeat} runs, fewer once a measurement's runs took "
          f"{args.budget:g} s)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--azs", type=int, default=3, help="AZs of the scaled network (default 3)")
    parser.add_argument("--per-az", type=int, default=10, help="servers per AZ of the scaled network (default 10)")
    parser.add_argument("--background", type=int, default=0, help="build it inside estate(N ENIs) (default: alone)")
    parser.add_argument("--flows", type=int, default=1000, help="flows of each evaluate() batch (default 1000)")
    parser.add_argument("--traces", type=int, default=200, help="traces per run of the warm trace (default 200)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (default 5)")
    parser.add_argument(
        "--budget", type=float, default=60.0, help="no new run once a measurement's runs took this long (default 60)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead of a table")
    args = parser.parse_args()
    pin_to_one_core()

    example = private_api_behind_nlb()
    big = scaled(args.azs, args.per_az, args.background)
    label = f"scaled {args.azs}x{args.per_az}" + (f" in estate({args.background:,})" if args.background else "")
    subjects = [
        subject("example", example, [i for i in example.instances if i.name in ("api-a", "api-b")],
                [("api-nlb", 443)], 8443, args.flows),
        subject(label, big, [i for i in big.instances if (i.name or "").startswith("svc-")],
                [("svc-nlb", 443), ("svc-alb", 80)], 8443, args.flows),
    ]  # fmt: skip
    reports = []
    for s in subjects:
        print(f"measuring {s['name']} ...", file=sys.stderr, flush=True)
        reports.append(measure(s, args))
    if args.json:
        print(json.dumps({"args": vars(args), "machine": machine(), "reports": reports}, indent=2))
    else:
        print_table(reports, args)


if __name__ == "__main__":
    main()
