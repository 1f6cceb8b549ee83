"""Helpers for tests of network designs and of vpcsim itself (pybatfish-style ``assert_*`` helpers).

For network designs: :func:`assert_reachable`, :func:`assert_unreachable`, :func:`assert_no_exposure` and
:func:`assert_only_paths` fail with the offending flows and their hop-by-hop traces in the message (the helpers
themselves are hidden from pytest's traceback). For vpcsim's own tests: :func:`assert_refused` (SPEC X: a refused
operation raises AWS's error code and changes nothing), :func:`assert_dropped`, :func:`assert_evaluate_agrees`.

The strategies are in :mod:`vpcsim.testing.strategies` (needs hypothesis), the pytest plugin in
:mod:`vpcsim.testing.plugin`. This module imports nothing heavy until a helper runs, so the plugin stays cheap.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from vpcsim.errors import AwsError

if TYPE_CHECKING:
    from vpcsim.engine.evaluate import Evaluation
    from vpcsim.engine.flows import FlowBatch
    from vpcsim.engine.verdict import Hop, Trace
    from vpcsim.network import Network
    from vpcsim.query.scope import Paths, PathSpec

__all__ = [
    "Refusal",
    "assert_dropped",
    "assert_evaluate_agrees",
    "assert_no_exposure",
    "assert_only_paths",
    "assert_reachable",
    "assert_refused",
    "assert_unreachable",
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
    >>> import vpcsim
    >>> net = vpcsim.Network()
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


# ---------------------------------------------------------------------------------------- network designs

_LISTED = 20  # offending flows listed in a failure message
_TRACED = 3  # of which told hop by hop


def _many(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple | set | frozenset) else [value]


def _batch(src: object, dst: object, protocol: object, port: object, src_port: object) -> FlowBatch:
    from vpcsim.engine.flows import FlowBatch

    if isinstance(src, FlowBatch):
        if dst is not None:
            raise TypeError("Give a FlowBatch alone, or sources and destinations, not both.")
        return src
    if dst is None:
        raise TypeError("Give the destinations (or a FlowBatch as the only flows argument).")
    return FlowBatch.from_product(_many(src), _many(dst), _many(protocol), _many(port), _many(src_port))


def _connecting(
    net: Network, src: object, dst: object, protocol: object, port: object, src_port: object, want: bool
) -> None:
    """Evaluate the flows; fail listing those whose ``connected`` is not ``want``, with traces of the first few."""
    __tracebackhide__ = True
    from vpcsim.addr import protocol_name

    flows = _batch(src, dst, protocol, port, src_port)
    v = net.evaluate(flows)
    bad = [i for i, ok in enumerate(v.connected.tolist()) if ok != want]
    if not bad:
        return
    lines = []
    for i in bad[:_LISTED]:
        s, d, number, p, sp, _ = flows.flow(i)
        where = [str(x) for x in (v.kind[i], v.component[i]) if x is not None]
        if v.rule[i] is not None:
            where.append(f"rule {v.rule[i]}")
        verdict = f"{v.disposition[i]} {v.explanation[i] or ''}".strip()
        if v.delivered[i] and not v.connected[i]:
            verdict = f"delivered, reply {v.reply_disposition[i]} {v.reply_explanation[i] or ''}".strip()
            where = [str(x) for x in (v.reply_kind[i], v.reply_component[i]) if x is not None]
            if v.reply_rule[i] is not None:
                where.append(f"rule {v.reply_rule[i]}")
        port_text = "" if p is None else f" {p}" + ("" if sp is None else f" from port {sp}")
        lines.append(f"  {s} -> {d} {protocol_name(number)}{port_text}: {verdict}" +
                     (f" at {' '.join(where)}" if where else ""))  # fmt: skip
    more = f"  ... and {len(bad) - _LISTED} more\n" if len(bad) > _LISTED else ""
    traces = []
    for i in bad[:_TRACED]:
        s, d, number, p, sp, ip_version = flows.flow(i)
        traces.append(str(net.trace(net._by_name(s), net._by_name(d), number, p, sp, ip_version=ip_version)))
    expected = "connect" if want else "be blocked"
    failing = "do not connect" if want else "connect"
    raise AssertionError(
        f"{len(bad)} of {len(flows)} flows {failing} (expected every flow to {expected}):\n" + "\n".join(lines)
        + "\n" + more + "\n".join(f"\nTrace of flow {i}:\n{t}" for i, t in zip(bad, traces, strict=False))
    )  # fmt: skip


def assert_reachable(
    net: Network,
    src: object,
    dst: object = None,
    protocol: object = "tcp",
    port: object = None,
    *,
    src_port: object = None,
) -> None:
    """Assert every flow connects (the request delivered and the reply back, as :meth:`vpcsim.Network.reachable`).

    The flows are every combination of ``src``, ``dst``, ``protocol`` and ``port`` (each one value or a list of
    them; endpoints as :meth:`vpcsim.Network.trace` takes them), or a :class:`vpcsim.FlowBatch` given as ``src``
    alone. They are walked with :meth:`vpcsim.Network.evaluate`; the failure message lists each flow that does not
    connect with its verdict and the component and rule that decided, and tells the first ones hop by hop.

    Examples
    --------
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> assert_reachable(net, ["web", "api"], vpcsim.INTERNET, "tcp", [80, 443])
    >>> assert_reachable(net, "web", "db", "tcp", 5432)
    Traceback (most recent call last):
    AssertionError: 1 of 1 flows do not connect (expected every flow to connect):
      web -> db tcp 5432: DENIED_IN SUBNET_ACL_RESTRICTION at nacl-ingress acl-... rule 32767
    ...
    """
    __tracebackhide__ = True
    _connecting(net, src, dst, protocol, port, src_port, True)


def assert_unreachable(
    net: Network,
    src: object,
    dst: object = None,
    protocol: object = "tcp",
    port: object = None,
    *,
    src_port: object = None,
) -> None:
    """Assert no flow connects (the request dropped, or its reply): the flows as :func:`assert_reachable`'s. The
    failure message lists each flow that connects and tells the first ones hop by hop.

    Examples
    --------
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> assert_unreachable(net, vpcsim.INTERNET, ["api", "db"], "tcp", [22, 5432, 8080])
    """
    __tracebackhide__ = True
    _connecting(net, src, dst, protocol, port, src_port, False)


def _paths_failure(paths: Paths, what: str) -> str:
    lines = []
    for path in list(paths)[:_LISTED]:
        ports = ", ".join(str(lo) if lo == hi else f"{lo}-{hi}" for lo, hi in path.ports)
        through = ", ".join(path.through())
        lines.append(f"  {path.source} -> {path.destination} {path.protocol} {ports or ''} from "
                     f"{', '.join(path.sources)}" + (f" through {through}" if through else ""))  # fmt: skip
    more = f"  ... and {len(paths) - _LISTED} more\n" if len(paths) > _LISTED else ""
    traces = "".join(f"\nTrace of path {n}:\n{path.trace}" for n, path in enumerate(list(paths)[:_TRACED]))
    return f"{len(paths)} {what}:\n" + "\n".join(lines) + "\n" + more + traces


def assert_no_exposure(
    net: Network,
    source: object = None,
    *,
    destinations: object = None,
    protocols: object = None,
    ports: object = None,
) -> None:
    """Assert ``source`` (default :data:`vpcsim.INTERNET`) connects to nothing, exactly (every packet, not samples):
    no destination (default every instance's and load balancer's interfaces), protocol or port of those given.

    The failure message lists each path that connects (ends, protocol, port ranges, source addresses, the components
    passed) and tells the first ones hop by hop.

    Examples
    --------
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> assert_no_exposure(net, destinations="db")
    >>> assert_no_exposure(net, destinations="web", ports=(1, 1023))
    Traceback (most recent call last):
    AssertionError: 2 paths expose what should not be reachable:
      internet -> i-... web (...) tcp 80, 443 from 0.0.0.0/0 through igw-...
    ...
    """
    __tracebackhide__ = True
    from vpcsim.engine.endpoints import INTERNET

    paths = net.find_paths(INTERNET if source is None else source, destinations, protocol=protocols, ports=ports)
    if paths:
        raise AssertionError(_paths_failure(paths, "paths expose what should not be reachable"))


def assert_only_paths(
    net: Network,
    allowed: Iterable[PathSpec | Sequence[object]],
    *,
    source: object = None,
    destination: object = None,
    protocol: object = None,
    ports: object = None,
) -> None:
    """Assert the only paths between ``source`` and ``destination`` are the ``allowed`` ones, exactly.

    ``allowed`` holds :class:`vpcsim.PathSpec` statements or ``(source, destination[, protocol[, ports]])`` tuples;
    ``None`` in any place means any. Every path that connects (as :meth:`vpcsim.Network.find_paths` finds them,
    ``None`` ends meaning every instance and the internet) must be covered by an allowed statement, port by port:
    an allowed ``(web, db, "tcp", 5432)`` leaves a path on 5432-5433 failing on 5433. The failure message lists the
    rest, with traces.

    Examples
    --------
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> assert_only_paths(net, [(None, "web", "tcp", 80), (None, "web", "tcp", 443)],
    ...                   source=vpcsim.INTERNET, destination="web")
    >>> assert_only_paths(net, [("api", "db", "tcp", 5432)], source="api", destination="db")
    """
    __tracebackhide__ = True
    from vpcsim.query.scope import AccessScope, PathSpec

    statements = []
    for item in allowed:
        if isinstance(item, PathSpec):
            statements.append(item)
        elif isinstance(item, list | tuple) and 2 <= len(item) <= 4:
            s, d, *rest = item
            statements.append(PathSpec(source=s, destination=d, protocol=rest[0] if rest else None,
                                       ports=rest[1] if len(rest) > 1 else None))  # fmt: skip
        else:
            raise TypeError(f"allowed takes PathSpec or (source, destination[, protocol[, ports]]), not {item!r}.")
    scope = AccessScope(
        match=[PathSpec(source=source, destination=destination, protocol=protocol, ports=ports)],
        exclude=tuple(statements),
        name="only the allowed paths",
    )
    findings = net.check(scope)
    if findings:
        raise AssertionError(_paths_failure(findings, "paths are not among the allowed ones"))
