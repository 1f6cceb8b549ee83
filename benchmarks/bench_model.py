"""Model benchmarks: how fast networks are built, copied, compared and turned into a graph.

Run by hand (figures go into the README): ``python benchmarks/bench_model.py [--enis 1000]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import vpcsim


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


def timed(label: str, action: Callable[[], Any], rows: list[tuple[str, str]], unit: str = "", per: int = 1) -> Any:
    start = time.perf_counter()
    result = action()
    elapsed = time.perf_counter() - start
    rate = f" ({per / elapsed:,.0f} {unit}/s)" if unit else ""
    rows.append((label, f"{elapsed * 1000:,.1f} ms{rate}"))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enis", type=int, default=1000)
    args = parser.parse_args()
    rows: list[tuple[str, str]] = []
    start = time.perf_counter()
    net, ops = build(args.enis)
    elapsed = time.perf_counter() - start
    rows.append(
        (
            f"build {args.enis}-instance estate ({ops} operations)",
            f"{elapsed * 1000:,.1f} ms ({ops / elapsed:,.0f} ops/s)",
        )
    )
    timed("net.copy()", net.copy, rows)
    timed("net.snapshot()", net.snapshot, rows)
    graph = timed("net.graph (build)", lambda: net.graph, rows)
    timed("net.graph (cached)", lambda: net.graph, rows)
    rows.append(("graph size", f"{graph.number_of_nodes():,} nodes, {graph.number_of_edges():,} edges"))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")


if __name__ == "__main__":
    main()
