"""Model benchmarks: how fast networks are built, copied, compared and turned into a graph.

Run by hand (figures go into the README): ``python benchmarks/bench_model.py [--enis 1000]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import vpcsim
from vpcsim.graph import build_graph


def build(enis: int, seed: int = 0) -> tuple[vpcsim.Network, int]:
    """A 1-VPC estate: 3 AZs x (public + private) subnets, NAT per AZ, 50 SGs of 20 rules, 50-route tables."""
    net = vpcsim.Network(seed=seed)
    ops = 0
    vpc = net.create_vpc("10.0.0.0/16", name="bench")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    ops += 3
    subnets = []
    for index, az in enumerate(("us-east-1a", "us-east-1b", "us-east-1c")):
        public = net.create_subnet(vpc, f"10.0.{index * 16}.0/20", az=az, map_public_ip_on_launch=True)
        private = net.create_subnet(vpc, f"10.0.{128 + index * 16}.0/20", az=az)
        nat = net.create_nat_gateway(public, allocation=net.allocate_address())
        table = net.create_route_table(vpc)
        net.create_route(table, "0.0.0.0/0", nat)
        for route in range(49):
            net.create_route(table, f"172.{16 + route // 16}.{(route % 16) * 16}.0/20", nat)
        net.associate_route_table(table, private)
        subnets += [public, private]
        ops += 6 + 49
    groups = []
    for index in range(50):
        sg = net.create_security_group(vpc, f"bench-{index}", description="bench")
        for rule in range(20):
            net.authorize_security_group_ingress(
                sg, protocol="tcp", ports=1000 + rule, cidr=f"10.{index}.{rule}.0/24"
            )
        groups.append(sg)
        ops += 21
    for index in range(enis):
        net.run_instance(
            subnets[index % len(subnets)], instance_type="m5.large", security_groups=[groups[index % 50]]
        )
        ops += 1
    return net, ops


def best_of(repeat: int, action: Callable[[], Any]) -> tuple[float, Any]:
    """The fastest of ``repeat`` runs (the machine is shared; the minimum is the least disturbed)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = action()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enis", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5, help="report the best of this many runs")
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    seconds, (net, ops) = best_of(args.repeat, lambda: build(args.enis))
    rows.append(
        (
            f"build {args.enis}-instance estate ({ops} operations)",
            f"{seconds * 1000:,.1f} ms ({ops / seconds:,.0f} ops/s)",
        )
    )
    for label, action in (
        ("net.copy()", net.copy),
        ("net.snapshot()", net.snapshot),
        ("net.graph (first build)", lambda: build_graph(net)),
    ):
        seconds, _ = best_of(args.repeat, action)
        rows.append((label, f"{seconds * 1000:,.1f} ms"))
    graph = net.graph
    rows.append(("graph size", f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
