"""Helpers for tests of networks and of vpcsim itself (pybatfish-style ``assert_*`` helpers).

SPEC X says a refused operation raises AWS's error code and changes nothing; these helpers check exactly that.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from vpcsim.engine.evaluate import Evaluation
from vpcsim.engine.flows import FlowBatch
from vpcsim.engine.verdict import Hop, Trace
from vpcsim.errors import AwsError
from vpcsim.network import Network

__all__ = [
    "Refusal",
    "assert_dropped",
    "assert_evaluate_agrees",
    "assert_refused",
    "hops",
    "one_hop",
    "refused_message",
    "verdict_of",
]


class Refusal:
    """What :func:`assert_refused` caught: ``.value`` is the :class:`AwsError` once the block has ended."""

    value: AwsError

    @property
    def message(self) -> str:
        return self.value.message


@contextlib.contextmanager
def assert_refused(network: Network, code: str, *names: str) -> Iterator[Refusal]:
    """Assert the block raises :class:`AwsError` with ``code``, naming ``names``, and leaves ``network`` unchanged.

    Examples
    --------
    >>> net = Network()
    >>> vpc = net.create_vpc("10.0.0.0/16")
    >>> with assert_refused(net, "InvalidSubnet.Range", "10.1.0.0/24") as refusal:
    ...     _ = net.create_subnet(vpc, "10.1.0.0/24")
    >>> refusal.value.code
    'InvalidSubnet.Range'
    """
    __tracebackhide__ = True
    before, version = network.snapshot(), network.version
    refusal = Refusal()
    try:
        yield refusal
    except AwsError as err:
        refusal.value = err
    else:
        raise AssertionError(f"expected AwsError {code}, but the operation was accepted")
    assert refusal.value.code == code, f"expected {code}, got {refusal.value}"
    missing = [name for name in names if name not in refusal.value.message]
    assert not missing, f"the message does not name {missing}: {refusal.value.message}"
    assert network.version == version, "a refused operation counted as a change"
    assert network.snapshot() == before, "a refused operation changed the network (SPEC X)"


def refused_message(network: Network, code: str, operation: Callable[..., Any], /, *args: Any, **kwargs: Any) -> str:
    """Call ``operation(*args, **kwargs)``, assert it is refused (see :func:`assert_refused`), return the message."""
    __tracebackhide__ = True
    with assert_refused(network, code) as refusal:
        operation(*args, **kwargs)
    return refusal.message


def hops(trace: Trace, kind: str, *, component: str | None = None, action: str | None = None) -> list[Hop]:
    """The hops of ``trace`` (the request's walk) of one kind, optionally of one component or action.

    Examples
    --------
    >>> from vpcsim.examples import demo_network
    >>> t = demo_network().trace("api", "db", protocol="tcp", port=5432)
    >>> [h.action for h in hops(t, "nacl-ingress")]
    ['allow']
    """
    return [
        h for h in trace.hops if h.kind == kind and component in (None, h.component) and action in (None, h.action)
    ]


def one_hop(trace: Trace, kind: str, *, component: str | None = None, action: str | None = None) -> Hop:
    """The one hop of that kind (and component, action) in ``trace``; fails showing the trace if there are more or
    none."""
    __tracebackhide__ = True
    found = hops(trace, kind, component=component, action=action)
    assert len(found) == 1, f"expected one {kind} hop ({component or 'any'}, {action or 'any'}), got {found}\n{trace}"
    return found[0]


def assert_dropped(
    trace: Trace,
    disposition: str,
    explanation: str,
    *,
    kind: str | None = None,
    component: str | None = None,
    rule: int | str | None = None,
) -> Hop:
    """Assert the packet was dropped with that disposition and explanation code (SPEC V), by that kind of step,
    component and rule when given; return the deciding hop. The failure message shows the whole trace."""
    __tracebackhide__ = True
    decided = trace.decided_by
    assert decided is not None, f"expected a drop ({disposition} {explanation}), but nothing dropped it:\n{trace}"
    got = (trace.disposition, trace.explanation)
    assert got == (disposition, explanation), f"expected {disposition} {explanation}, got {got}:\n{trace}"
    for field, wanted in (("kind", kind), ("component", component), ("rule", rule)):
        actual = getattr(decided, field)
        assert wanted is None or actual == wanted, f"expected {field} {wanted!r}, got {actual!r}:\n{trace}"
    assert not trace.connected
    return decided


def _verdict(t: Trace | None) -> tuple[object, ...]:
    if t is None:
        return (None, None, None, None, None)
    hop = t.decided_by
    if hop is None:
        return (str(t.disposition), t.explanation, None, None, None)
    return (str(t.disposition), t.explanation, hop.component, hop.kind, hop.rule)


def verdict_of(v: Evaluation, i: int, prefix: str = "") -> tuple[object, ...]:
    """(disposition, explanation, component, kind, rule) of flow ``i`` of an evaluation (``prefix="reply_"``: of its
    reply), as plain values comparable with a trace's."""
    disposition = getattr(v, prefix + "disposition")[i]
    return (
        None if disposition is None else str(disposition),
        getattr(v, prefix + "explanation")[i],
        getattr(v, prefix + "component")[i],
        getattr(v, prefix + "kind")[i],
        getattr(v, prefix + "rule")[i],
    )


def assert_evaluate_agrees(net: Network, flows: FlowBatch, *, chunk: int = 7) -> Evaluation:
    """Assert that ``net.evaluate(flows)`` gives every flow ``net.trace()``'s verdict: disposition, explanation,
    deciding component, step and rule, for the request and the reply, ``delivered`` and ``connected``.

    ``chunk`` is small by default so that one batch is walked in several pieces. Returns the evaluation.

    Examples
    --------
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> flows = vpcsim.FlowBatch.from_product(["web", "api"], ["db", vpcsim.INTERNET], ports=[443])
    >>> v = assert_evaluate_agrees(net, flows)
    >>> v.connected.tolist()
    [False, True, False, True]
    """
    __tracebackhide__ = True
    v = net.evaluate(flows, chunk=chunk)
    bad = []
    for i in range(len(flows)):
        src, dst, protocol, port, src_port, ip_version = flows.flow(i)
        t = net.trace(net._by_name(src), net._by_name(dst), protocol, port, src_port, ip_version=ip_version)
        want = (_verdict(t), _verdict(t.reply), t.delivered, t.reply is not None and t.reply.delivered, t.connected)
        got = (
            verdict_of(v, i),
            verdict_of(v, i, "reply_"),
            bool(v.delivered[i]),
            bool(v.reply_delivered[i]),
            bool(v.connected[i]),
        )
        if got != want:
            bad.append(f"flow {i} {flows.flow(i)}:\n  evaluate {got}\n  trace    {want}")
    assert not bad, f"{len(bad)} of {len(flows)} flows disagree:\n" + "\n".join(bad[:10])
    return v
