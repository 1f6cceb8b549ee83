"""Scalar trace benchmark: how long one ``net.trace()`` takes (forward, reply and, when blocked, the blocker walk).

Run by hand (figures go into the README): ``python benchmarks/bench_trace.py [--enis 1000] [--flows 2000]``.
The vectorised engine's target is at least 100x this per-flow speed (DESIGN.md).
"""

from __future__ import annotations

import argparse
import random
import time

from bench_model import build

import vpcsim
from vpcsim.examples import DEMO_QUESTIONS, demo_network


def time_traces(net: vpcsim.Network, flows: list[tuple[object, object, str, int]]) -> tuple[float, dict[str, int]]:
    """Seconds per trace over ``flows`` and how many ended in each disposition."""
    counts: dict[str, int] = {}
    start = time.perf_counter()
    for src, dst, protocol, port in flows:
        t = net.trace(src, dst, protocol, port)
        key = "connected" if t.connected else str(t.disposition)
        counts[key] = counts.get(key, 0) + 1
    return (time.perf_counter() - start) / len(flows), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enis", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=2000)
    args = parser.parse_args()

    demo = demo_network()
    questions = [(s, d, p, port or 0) for _, s, d, p, port in DEMO_QUESTIONS]
    per, _ = time_traces(demo, questions * 50)
    print(f"demo network, its {len(questions)} questions x 50: {per * 1e6:,.0f} us per trace")

    net, _ = build(args.enis)
    rng = random.Random(0)
    instances = net.instances
    flows: list[tuple[object, object, str, int]] = []
    for _ in range(args.flows):
        src = rng.choice([*instances[:50], vpcsim.INTERNET])
        dst = rng.choice([*instances, vpcsim.INTERNET])
        flows.append((src, dst, "tcp", rng.choice([22, 443, 1005, 1010, 8080])))
    per, counts = time_traces(net, flows)
    print(f"{args.enis}-instance estate, {args.flows} random flows: {per * 1e6:,.0f} us per trace ({counts})")


if __name__ == "__main__":
    main()
