"""What survives a failure: every single-AZ outage (and, on request, every single resource failure) applied to a
copy of the network, and the flows that lose connectivity under each (issue 8; SPEC L2, R6).

Each scenario is ``net.copy()`` with :meth:`vpcsim.Network.fail_az` or :meth:`vpcsim.Network.fail` applied, then
:meth:`vpcsim.Network.evaluate` over the same flows: routes to a failed NAT gateway blackhole, a failed AZ's
instances and load balancer nodes stop, and load balancer health is computed again, so the answers are the
engine's own.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np
import numpy.typing as npt

from vpcsim.engine.endpoints import INTERNET, InternetHost
from vpcsim.engine.evaluate import Evaluation
from vpcsim.engine.flows import FlowBatch
from vpcsim.errors import InvalidFlowError
from vpcsim.model.base import Resource
from vpcsim.model.interface import Instance
from vpcsim.model.load_balancer import PROTOCOL_NUMBERS

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.network import Network

__all__ = ["Resilience", "Scenario", "default_flows", "resilience"]


@attrs.frozen(eq=False)
class Scenario:
    """One failure: ``failure`` is the AZ name or the failed resource's id; ``kind`` is ``availability-zone``,
    ``instance``, ``nat-gateway`` or ``load-balancer-node``; ``lost`` indexes the flows connected before and not
    after; ``gained`` those connected only after (fail-open can do that)."""

    failure: str
    kind: str
    label: str
    lost: npt.NDArray[np.int64]
    gained: npt.NDArray[np.int64]
    evaluation: Evaluation
    ends_down: frozenset[int] = frozenset()  # lost flows whose own source or destination is what failed

    @property
    def survives(self) -> bool:
        return len(self.lost) == 0


def _label(endpoint: object) -> str:
    if isinstance(endpoint, Resource):
        return f"{endpoint.id} ({endpoint.name})" if endpoint.name else endpoint.id
    if isinstance(endpoint, InternetHost):
        return repr(endpoint)
    return str(endpoint)


def default_flows(net: Network) -> FlowBatch:
    """The flows a resilience report checks when none are given.

    - Inbound: the internet to every listener of every internet-facing load balancer, and every running instance
      of its VPC to every listener of every internal one (by the load balancer's name, so DNS failover applies).
    - Outbound: every running instance to the internet on TCP 443, where its VPC has an internet gateway.
    """
    src: list[object] = []
    dst: list[object] = []
    protocol: list[str] = []
    port: list[int] = []
    for lb in net.load_balancers:
        clients: list[object] = [INTERNET] if lb.scheme == "internet-facing" else [
            i for i in net.instances if i.vpc is lb.vpc and i.state == "running"
        ]  # fmt: skip
        for listener in net.listeners:
            if listener.load_balancer is not lb:
                continue
            for number in PROTOCOL_NUMBERS[listener.protocol]:
                for client in clients:
                    src.append(client)
                    dst.append(lb.lb_name)
                    protocol.append("tcp" if number == 6 else "udp")
                    port.append(listener.port)
    for instance in net.instances:
        if instance.state == "running" and any(g.vpc is instance.vpc for g in net.internet_gateways):
            src.append(instance)
            dst.append(INTERNET)
            protocol.append("tcp")
            port.append(443)
    if not src:
        raise InvalidFlowError("The network has no load balancer listener and no instance that could reach the "
                               "internet: give resilience() the flows to check.")  # fmt: skip
    return FlowBatch.from_arrays(src, dst, protocol, port)


def _flows(net: Network, flows: object) -> FlowBatch:
    if flows is None:
        return default_flows(net)
    if isinstance(flows, FlowBatch):
        return flows
    if isinstance(flows, Mapping):
        known = {"sources", "destinations", "protocols", "ports"}
        unknown = set(flows) - known
        if unknown or not {"sources", "destinations"} <= set(flows):
            raise InvalidFlowError(f"A scope for resilience() has sources, destinations and optionally protocols and "
                                   f"ports; got {sorted(map(str, flows))}.")  # fmt: skip
        return FlowBatch.from_product(
            flows["sources"], flows["destinations"], flows.get("protocols", ("tcp",)), flows.get("ports", (None,))
        )
    try:
        import pandas as pd

        if isinstance(flows, pd.DataFrame):
            return FlowBatch.from_frame(flows)
    except ImportError:  # pragma: no cover - pandas is the frames extra
        pass
    if isinstance(flows, Iterable) and not isinstance(flows, str | bytes):
        rows = [tuple(r) if isinstance(r, list | tuple) else r for r in flows]
        if not rows or not all(isinstance(r, tuple) and 2 <= len(r) <= 4 for r in rows):
            raise InvalidFlowError("resilience() takes a FlowBatch, a scope mapping, or "
                                   "(src, dst[, protocol[, port]]) tuples.")  # fmt: skip
        padded = [(*r, "tcp", None)[:4] if len(r) == 2 else (*r, None)[:4] for r in rows]
        columns = list(zip(*padded, strict=True))
        return FlowBatch.from_arrays(list(columns[0]), list(columns[1]), list(columns[2]), list(columns[3]))
    raise InvalidFlowError(f"resilience() cannot take {flows!r} as flows.")


def _scenarios(net: Network, zones: Iterable[str] | None, resources: bool) -> list[tuple[str, str, str]]:
    used = sorted({s.availability_zone for s in net.subnets})
    if zones is None:
        chosen = used
    else:
        chosen = list(zones) if not isinstance(zones, str) else [zones]
        every = {z for zs in net.availability_zones.values() for z in zs}
        bad = [z for z in chosen if z not in every]
        if bad:
            raise InvalidFlowError(f"{bad[0]!r} is not an availability zone of this network.")
    out = [(z, "availability-zone", z) for z in chosen]
    if resources:
        for nat in net.nat_gateways:
            if nat.state == "available":
                out.append((nat.id, "nat-gateway", _label(nat)))
        for instance in net.instances:
            if instance.state == "running":
                out.append((instance.id, "instance", _label(instance)))
        for lb in net.load_balancers:
            for node in lb.nodes:
                out.append((node.id, "load-balancer-node", f"{lb.lb_name} node in {node.availability_zone}"))
    return out


def _end_down(net: Network, batch: FlowBatch, index: int) -> bool:
    """Whether the flow's own source or destination host is down (a failed instance, or one in a failed AZ)."""
    for end in batch.flow(index)[:2]:
        try:
            found = net._by_name(end)
        except ValueError:
            continue
        if isinstance(found, str):
            found = net._index.get(found.strip(), found)
        if isinstance(found, Resource) and found.id in net._index:
            resource = net._index[found.id]
            if net.down(resource) is not None or (
                isinstance(resource, Instance) and net.down(resource.primary_network_interface) is not None
            ):
                return True
    return False


def resilience(
    net: Network, flows: object = None, *, resources: bool = False, zones: Iterable[str] | None = None
) -> Resilience:
    """Evaluate ``flows`` with nothing failed, then under each single failure; see :class:`Resilience`.

    Parameters
    ----------
    flows
        A :class:`vpcsim.FlowBatch`, a pandas frame of flows, ``(src, dst, protocol, port)`` tuples, a scope mapping
        (``sources``, ``destinations``, ``protocols``, ``ports``: every combination), or None for
        :func:`default_flows`.
    resources
        Also fail each NAT gateway, running instance and load balancer node alone.
    zones
        The AZs to fail (default: every AZ that has a subnet).
    """
    batch = _flows(net, flows)
    before = net.evaluate(batch)
    scenarios: list[Scenario] = []
    for failure, kind, label in _scenarios(net, zones, resources):
        alt = net.copy()
        if kind == "availability-zone":
            alt.fail_az(failure)
        else:
            alt.fail(failure)
        after = alt.evaluate(batch)
        lost = np.flatnonzero(before.connected & ~after.connected)
        gained = np.flatnonzero(~before.connected & after.connected)
        ends_down = frozenset(i for i in lost.tolist() if _end_down(alt, batch, i))
        scenarios.append(Scenario(failure, kind, label, lost, gained, after, ends_down))
    return Resilience(batch, before, scenarios)


@attrs.define(eq=False)
class Resilience:
    """The answer of :meth:`vpcsim.Network.resilience`: the flows, their verdicts with nothing failed, and one
    :class:`Scenario` per failure.

    ``summary()`` has a row per failure; ``frame()`` a row per (failure, lost flow) with the verdict after it;
    ``dependencies()`` a row per flow that a single failure breaks, naming those failures (which NAT gateway an
    outbound flow depends on, for instance).
    """

    flows: FlowBatch
    before: Evaluation
    scenarios: list[Scenario]

    def _flow_labels(self, index: int) -> tuple[str, str, str, int | None]:
        src, dst, protocol, port, _, _ = self.flows.flow(index)
        from vpcsim.addr import protocol_name

        return _label(src), _label(dst), protocol_name(protocol), port

    def scenario(self, failure: object) -> Scenario:
        """The scenario of an AZ name or a resource (or its id)."""
        key = failure.id if isinstance(failure, Resource) else failure
        for item in self.scenarios:
            if item.failure == key:
                return item
        raise KeyError(f"No scenario fails {key!r}: {', '.join(s.failure for s in self.scenarios)}.")

    def survives(self, failure: object) -> bool:
        """Whether every flow connected before is still connected with ``failure``."""
        return self.scenario(failure).survives

    def summary(self) -> pd.DataFrame:
        """One row per failure: failure, kind, label, flows (connected before), lost, lost_with_ends_up (lost
        flows whose own source and destination are not what failed), gained, survives."""
        import pandas as pd

        connected = int(self.before.connected.sum())
        rows = [
            {"failure": s.failure, "kind": s.kind, "label": s.label, "flows": connected, "lost": len(s.lost),
             "lost_with_ends_up": len(s.lost) - len(s.ends_down), "gained": len(s.gained), "survives": s.survives}
            for s in self.scenarios
        ]  # fmt: skip
        columns = ["failure", "kind", "label", "flows", "lost", "lost_with_ends_up", "gained", "survives"]
        return pd.DataFrame(rows, columns=columns)

    def frame(self) -> pd.DataFrame:
        """One row per (failure, lost flow): failure, kind, source, destination, protocol, port, end_down (the
        flow's own source or destination is down), and after the failure disposition, explanation, component (that
        decided) and reply explanation."""
        import pandas as pd

        rows: list[dict[str, Any]] = []
        for s in self.scenarios:
            after = s.evaluation
            for index in s.lost.tolist():
                source, destination, protocol, port = self._flow_labels(index)
                rows.append({
                    "failure": s.failure, "kind": s.kind, "source": source, "destination": destination,
                    "protocol": protocol, "port": port, "end_down": index in s.ends_down,
                    "disposition": str(after.disposition[index]),
                    "explanation": after.explanation[index], "component": after.component[index],
                    "reply_explanation": after.reply_explanation[index],
                })  # fmt: skip
        columns = ["failure", "kind", "source", "destination", "protocol", "port", "end_down", "disposition",
                   "explanation", "component", "reply_explanation"]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)

    def dependencies(self) -> pd.DataFrame:
        """One row per flow connected before that some single failure breaks: source, destination, protocol,
        port, and ``depends_on`` (the failures, AZs and resources, that break it)."""
        import pandas as pd

        broken: dict[int, list[str]] = {}
        for s in self.scenarios:
            for index in s.lost.tolist():
                broken.setdefault(index, []).append(s.failure)
        rows = []
        for index in sorted(broken):
            source, destination, protocol, port = self._flow_labels(index)
            rows.append({"source": source, "destination": destination, "protocol": protocol, "port": port,
                         "depends_on": broken[index]})  # fmt: skip
        return pd.DataFrame(rows, columns=["source", "destination", "protocol", "port", "depends_on"])

    def __repr__(self) -> str:
        weak = [s.failure for s in self.scenarios if not s.survives]
        tail = f"; flows lost under {', '.join(weak)}" if weak else "; every flow survives every failure"
        return (f"<Resilience {len(self.flows):,} flows ({int(self.before.connected.sum()):,} connected), "
                f"{len(self.scenarios)} failures{tail}>")  # fmt: skip

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{c}</th>" for c in ("failure", "kind", "lost", "flows that lose connectivity"))
        body = []
        for s in self.scenarios:
            lost = []
            for index in s.lost.tolist()[:20]:
                source, destination, protocol, port = self._flow_labels(index)
                why = s.evaluation.explanation[index] or s.evaluation.reply_explanation[index] or ""
                lost.append(html.escape(f"{source} -> {destination} {protocol} {port or ''} ({why})"))
            more = f"<br>... {len(s.lost) - 20} more" if len(s.lost) > 20 else ""
            colour = "green" if s.survives else "red"
            body.append(f"<tr><td>{html.escape(s.label)}</td><td>{s.kind}</td>"
                        f"<td style='color:{colour}'>{len(s.lost)}</td>"
                        f"<td>{'<br>'.join(lost)}{more}</td></tr>")  # fmt: skip
        connected = int(self.before.connected.sum())
        return (f"<p><b>Resilience</b>: {len(self.flows):,} flows, {connected:,} connected with nothing failed</p>"
                f"<table><tr>{head}</tr>{''.join(body)}</table>")  # fmt: skip
