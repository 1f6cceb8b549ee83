"""Simulator benchmark: packets per second through the stateful walk, and filling a NAT gateway to its limit.

Run by hand (figures go into the README): ``python benchmarks/bench_sim.py [--connections 2000] [--fill]``.
``--fill`` opens 55,000 connections from one host (explicit source ports) through a NAT gateway to one destination
(the I4 limit) and the 55,001st, which fails with ErrorPortAllocation.
"""

from __future__ import annotations

import argparse
import time

import vpcsim
from vpcsim.examples import demo_network


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--fill", action="store_true", help="fill a NAT gateway to 55,000 connections")
    args = parser.parse_args()

    net = demo_network()
    api, web = (next(i for i in net.instances if i.name == name) for name in ("api", "web"))
    remote = vpcsim.internet("198.51.100.7")
    sim = vpcsim.Simulator(net)

    start = time.perf_counter()
    conns = [sim.connect(api, remote, "tcp", 443) for _ in range(args.connections)]
    spent = time.perf_counter() - start
    assert all(c.established for c in conns)
    per = spent / args.connections
    print(f"TCP connect through a NAT gateway (3 packets): {per * 1e6:,.0f} us per connection, "
          f"{3 / per:,.0f} packets/s")  # fmt: skip

    inbound = sim.connect(remote, web, "tcp", 443)
    start = time.perf_counter()
    for i in range(args.connections):
        sim.send(inbound, "forward" if i % 2 else "reply")
    per = (time.perf_counter() - start) / args.connections
    print(f"data packets of an established internet -> web connection: {per * 1e6:,.0f} us, {1 / per:,.0f} packets/s")

    start = time.perf_counter()
    sim.advance(351)
    print(f"advance(351) expiring {args.connections + 1:,} NAT translations and their tracking entries: "
          f"{(time.perf_counter() - start) * 1e3:,.0f} ms")  # fmt: skip

    if args.fill:
        fill = vpcsim.Simulator(demo_network())
        api = next(i for i in fill.net.instances if i.name == "api")
        start = time.perf_counter()
        for i in range(55_000):  # one host, every source port it has (beyond Linux's ephemeral range)
            fill.connect(api, remote, "tcp", 443, src_port=1024 + i)
        extra = fill.connect(api, remote, "tcp", 443, src_port=1024 + 55_000)
        spent = time.perf_counter() - start
        nat = next(n for n in fill.net.nat_gateways if n.subnet.availability_zone == api.availability_zone)
        metrics = fill.nat_metrics(nat)
        print(f"55,000 connections to one destination: {spent:,.1f} s; the next: {extra.state} "
              f"{extra.results[0].explanation}; ErrorPortAllocation={metrics['ErrorPortAllocation']}")  # fmt: skip


if __name__ == "__main__":
    main()
