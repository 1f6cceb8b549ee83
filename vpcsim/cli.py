"""The ``vpcsim`` command line (typer + rich).

``vpcsim demo`` and ``vpcsim version``; ``trace``, ``exposure`` and ``check`` on a network given by ``--aws PATH``,
``--terraform PATH`` or ``--example NAME``; ``diff OLD NEW`` of two exports. ``--format table|json|csv``: json and
csv go to stdout alone (progress and warnings go to stderr). Exit codes: 0 an answer (a dropped flow is an answer),
1 an expectation not met (``trace --expect``, ``diff --fail-on-change``, a ``check`` violation), 2 bad input (a
missing file, broken JSON or YAML, an unknown endpoint, a bad port), named in one red line without a traceback.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from vpcsim.errors import VpcsimError

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from vpcsim.engine.verdict import Hop, Trace
    from vpcsim.model.base import Resource
    from vpcsim.network import Network
    from vpcsim.query.scope import AccessScope, Paths

__all__ = [
    "CheckResult",
    "Expectation",
    "FlowCheck",
    "InputError",
    "OutputFormat",
    "Policy",
    "ScopeCheck",
    "check_policy",
    "endpoint",
    "inventory",
    "load_network",
    "load_path",
    "main",
    "parse_policy",
    "port_range",
    "read_policy",
    "show_resilience",
    "show_trace",
]

_ACTION_STYLE = {"deny": "bold red", "drop": "bold red", "deliver": "bold green", "exit": "bold green"}
# The traces `vpcsim demo` tells hop by hop (indexes into each network's questions); the others are summarised.
_DEMO_STORIES = {"nlb": (0, 3), "three-tier": (4, 6, 3)}


def _label(resource: Resource) -> str:
    return f"{resource.id} [bold]{resource.name}[/bold]" if resource.name else resource.id


def inventory(network: Network, console: Console) -> None:
    """Print a network as a tree: VPCs, their route tables, NACLs, SGs, subnets and the ENIs in them, gateways."""
    from rich.markup import escape
    from rich.tree import Tree

    root = Tree(f"[bold]{network!r}[/bold]")
    for vpc in network.vpcs:
        branch = root.add(f"[cyan]{_label(vpc)}[/cyan] {', '.join(str(c) for c in vpc.cidrs)}")
        gateways: list[Resource] = [g for g in network.internet_gateways if g.vpc is vpc]
        gateways += [g for g in network.egress_only_internet_gateways if g.vpc is vpc]
        gateways += [n for n in network.nat_gateways if n.vpc is vpc]
        for gateway in gateways:
            branch.add(f"[magenta]{_label(gateway)}[/magenta]")
        for lb in network.load_balancers:
            if lb.vpc is vpc:
                kind = "NLB" if lb.is_network else "ALB"
                zones = ", ".join(lb.availability_zones)
                node = branch.add(f"[magenta]{escape(lb.lb_name)}[/magenta] {kind} {lb.scheme}, cross-zone "
                                  f"{'on' if lb.cross_zone else 'off'}, nodes in {zones}")  # fmt: skip
                for listener in network.listeners:
                    if listener.load_balancer is lb:
                        tg = listener.target_group
                        health = ", ".join(f"{h.target.id} {h.state}" for h in network.describe_target_health(tg))
                        node.add(f"{listener.protocol} {listener.port} -> {escape(tg.tg_name)} "
                                 f"({tg.protocol} {tg.port}): {health or 'no targets'}")  # fmt: skip
        for pcx in network.vpc_peering_connections:
            if pcx.joins(vpc):
                branch.add(f"[magenta]{_label(pcx)}[/magenta] to {pcx.peer_of(vpc).id} ({pcx.status})")
        for table in network.route_tables:
            if table.vpc is vpc:
                node = branch.add(f"[yellow]{_label(table)}[/yellow]{' (main)' if table.is_main else ''}")
                for route in table.routes:
                    node.add(str(route))
        for group in network.security_groups:
            if group.vpc is vpc:
                rules = "; ".join(str(r) for r in group.ingress) or "no inbound rules"
                branch.add(f"[green]{group.id} {group.group_name}[/green]: {rules}")
        for subnet in network.subnets:
            if subnet.vpc is not vpc:
                continue
            node = branch.add(
                f"[blue]{_label(subnet)}[/blue] {', '.join(str(c) for c in subnet.cidrs)} "
                f"{subnet.availability_zone} via {subnet.route_table.name or subnet.route_table.id}, "
                f"NACL {subnet.network_acl.name or subnet.network_acl.id}"
            )
            for eni in network.network_interfaces:
                if eni.subnet is subnet:
                    owner = f"{_label(eni.instance)} eth{eni.device_index}" if eni.instance else eni.interface_type
                    lb_of = network.load_balancer_of(eni) if eni.requester_managed else None
                    if lb_of is not None:
                        owner = f"{lb_of.lb_name} node"
                    public = f" -> {eni.public_ip}" if eni.public_ip else ""
                    groups = ", ".join(g.group_name for g in eni.security_groups)
                    node.add(
                        f"{eni.id} {eni.private_ip}{public} {owner}" + (escape(f" [{groups}]") if groups else "")
                    )
    console.print(root)


def _walk_verdict(trace: Trace) -> str:
    """One walk's disposition and explanation code: ``DENIED_IN SUBNET_ACL_RESTRICTION``."""
    return str(trace.disposition) + (f" {trace.explanation}" if trace.explanation else "")


def _verdict(trace: Trace) -> str:
    """``connected``, or the disposition and explanation of the walk that failed (``reply ...`` for the reply)."""
    if trace.connected:
        return "connected"
    failed = trace if not trace.delivered or trace.reply is None else trace.reply
    return ("reply " if failed.is_reply else "") + _walk_verdict(failed)


def _deciding_hop(trace: Trace) -> Hop | None:
    """The setting to look at: what dropped the request or its reply; for a flow that connects, the last rule that
    allowed it (its security group rule, usually)."""
    if not trace.connected:
        return trace.decided_by or (trace.reply.decided_by if trace.reply is not None else None)
    return next((h for h in reversed(trace.hops) if h.action == "allow"), None)


def _hop_label(hop: Hop | None) -> str:
    if hop is None:
        return ""
    return f"{hop.kind} {hop.component}" + (f" rule {hop.rule}" if hop.rule is not None else "")


def _hop_table(trace: Trace) -> Table:
    from rich.markup import escape
    from rich.table import Table

    verdict = _walk_verdict(trace)
    colour = "green" if trace.delivered else "red"
    title = f"{'Reply' if trace.is_reply else 'Request'} {escape(str(trace.packet))}: [{colour}]{verdict}[/{colour}]"
    table = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for column in ("#", "step", "component", "action", "rule", "detail", "SPEC"):
        table.add_column(column, overflow="fold")
    for number, hop in enumerate(trace.hops, 1):
        style = _ACTION_STYLE.get(hop.action, "")
        table.add_row(
            str(number),
            hop.kind,
            hop.component,
            f"[{style}]{hop.action}[/{style}]" if style else hop.action,
            "" if hop.rule is None else escape(str(hop.rule)),
            escape(hop.detail + (f" [{hop.explanation}]" if hop.explanation else "")),
            hop.spec,
        )
    return table


def show_trace(trace: Trace, console: Console) -> None:
    """Print a trace hop by hop: the request, the reply, the verdict and every blocker on the intended path."""
    from rich.markup import escape

    console.print(f"[bold]{escape(str(trace.source))} -> {escape(str(trace.destination))}[/bold]")
    console.print(_hop_table(trace))
    if trace.reply is not None:
        console.print(_hop_table(trace.reply))
    verdict = "[bold green]connected[/bold green]" if trace.connected else "[bold red]not connected[/bold red]"
    console.print(f"=> {verdict}")
    if trace.blockers:
        console.print("Every setting on the intended path that blocks it:")
        for hop in trace.blockers:
            rule = f" rule {hop.rule}" if hop.rule is not None else ""
            console.print(f"  - {hop.kind} [bold]{hop.component}[/bold]{escape(rule)}: {escape(hop.detail)} "
                          f"[{hop.explanation}]")  # fmt: skip
    console.print()


def _demo_questions(
    network: Network,
    console: Console,
    details: bool,
    questions: list[tuple[str, object, object, str, int | None]],
    stories: tuple[int, ...],
) -> None:
    from rich.markup import escape
    from rich.table import Table

    traces = [network.trace(src, dst, protocol, port) for _, src, dst, protocol, port in questions]
    table = Table(title="What reaches what", title_justify="left")
    for column in ("question", "answer", "verdict", "decided by"):
        table.add_column(column, overflow="fold")
    for (question, *_), trace in zip(questions, traces, strict=True):
        answer = "[green]yes[/green]" if trace.connected else "[red]no[/red]"
        decided = "" if trace.connected else _hop_label(_deciding_hop(trace))
        table.add_row(escape(question), answer, _walk_verdict(trace), escape(decided))
    console.print(table)
    console.print()
    for index, trace in enumerate(traces):
        if details or index in stories:
            console.print(f"[bold cyan]{escape(questions[index][0])}[/bold cyan]")
            show_trace(trace, console)


def show_resilience(network: Network, console: Console) -> None:
    """Print what survives each single AZ, NAT gateway, instance and load balancer node failure."""
    from rich.markup import escape
    from rich.table import Table

    report = network.resilience(resources=True)
    table = Table(title="What survives a failure (net.resilience(resources=True))", title_justify="left")
    for column in ("failure", "kind", "flows lost", "which (why)"):
        table.add_column(column, overflow="fold")
    for scenario in report.scenarios:
        lost = []
        for index in scenario.lost.tolist():
            src, dst, protocol, port = report._flow_labels(index)
            why = scenario.evaluation.explanation[index] or scenario.evaluation.reply_explanation[index] or ""
            end = " (its own host is down)" if index in scenario.ends_down else ""
            lost.append(f"{src} -> {dst} {protocol} {port}: {why}{end}")
        count = "[green]0[/green]" if scenario.survives else f"[red]{len(scenario.lost)}[/red]"
        table.add_row(escape(scenario.label), scenario.kind, count, escape("\n".join(lost)) or "-")
    console.print(table)
    console.print()


# ---------------------------------------------------------------------------------------------------- inputs


class InputError(VpcsimError, ValueError):
    """Command-line input vpcsim cannot use: no network or two, an unknown example, a malformed policy file or
    port range. The message names the value (and, in a policy, where it is: ``allow[2].prot``)."""


class OutputFormat(enum.StrEnum):
    """What ``--format`` prints: rich tables for people, json or csv (on stdout alone) for programs."""

    table = "table"
    json = "json"
    csv = "csv"


class Expectation(enum.StrEnum):
    """``trace --expect``: the verdict a pipeline expects."""

    connected = "connected"
    blocked = "blocked"


def endpoint(text: str) -> object:
    """A flow end as typed on the command line: ``internet`` is :data:`vpcsim.INTERNET`, ``internet:ADDRESS`` that
    internet host; anything else (an id, a Name tag, an IP address, a CIDR) stays as it is for the network to
    resolve.

    Examples
    --------
    >>> endpoint("internet"), endpoint("internet:198.51.100.7"), endpoint("web")
    (vpcsim.INTERNET, vpcsim.internet('198.51.100.7'), 'web')
    """
    from vpcsim.engine.endpoints import INTERNET, internet

    if text == "internet":
        return INTERNET
    if text.startswith("internet:"):
        return internet(text.removeprefix("internet:"))
    return text


def _endpoint_text(value: object) -> str:
    """The command-line spelling of a flow end (:func:`endpoint` reads it back)."""
    from vpcsim.engine.endpoints import InternetHost

    if isinstance(value, InternetHost):
        return "internet" if value.address is None else f"internet:{value.address}"
    return str(value)


def port_range(text: str) -> int | tuple[int, int]:
    """``--ports``: one port (``"443"``) or a range (``"8000-8100"``); the network checks the bounds.

    Examples
    --------
    >>> port_range("443"), port_range("8000-8100")
    (443, (8000, 8100))
    >>> port_range("https")
    Traceback (most recent call last):
    ...
    vpcsim.cli.InputError: ports 'https' is not a port or a low-high range (443, 8000-8100).
    """
    low, dash, high = text.strip().partition("-")
    try:
        return (int(low), int(high)) if dash else int(low)
    except ValueError:
        raise InputError(f"ports {text!r} is not a port or a low-high range (443, 8000-8100).") from None


def _number(option: str, text: str | None) -> int | None:
    """A port option's number (read here, so the error names the value as the network's errors do)."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        raise InputError(f"{option} {text!r} is not a number.") from None


def load_network(*, aws: object = None, terraform: object = None, example: str | None = None) -> Network:
    """The network of ``--aws PATH`` (describe-* JSON: a file or folder), ``--terraform PATH`` or ``--example NAME``
    (:data:`vpcsim.examples.EXAMPLES`): exactly one of them.

    Examples
    --------
    >>> load_network(example="three-tier")
    <Network ...>
    >>> load_network()
    Traceback (most recent call last):
    ...
    vpcsim.cli.InputError: Give the network with exactly one of --aws PATH, --terraform PATH or --example NAME.
    """
    from vpcsim.examples import EXAMPLES
    from vpcsim.io.aws import load_aws
    from vpcsim.io.terraform import load_terraform

    given = [f"--{name}" for name, value in (("aws", aws), ("terraform", terraform), ("example", example)) if value]
    if len(given) != 1:
        got = f" (got {' and '.join(given)})" if given else ""
        raise InputError(f"Give the network with exactly one of --aws PATH, --terraform PATH or --example NAME{got}.")
    if aws:
        return load_aws(aws)
    if terraform:
        return load_terraform(str(terraform))
    assert example is not None
    if example not in EXAMPLES:
        raise InputError(f"--example {example!r} is not a built-in example: choose {', '.join(EXAMPLES)}.")
    return EXAMPLES[example]()


def load_path(path: Path) -> Network:
    """A network from a path whose kind is detected: Terraform (a ``.tfstate`` file, or JSON with
    ``terraform_version``, or ``format_version`` and ``values``: ``terraform show -json``), else describe-* JSON
    (a file or a folder)."""
    import json

    from vpcsim.io.aws import load_aws
    from vpcsim.io.terraform import load_terraform

    terraform = path.suffix == ".tfstate"
    if not terraform and path.is_file():
        try:
            data = json.loads(path.read_bytes())
        except ValueError:
            data = None  # load_aws names what is wrong with it
        terraform = isinstance(data, dict) and (
            "terraform_version" in data or ("format_version" in data and "values" in data)
        )
    return load_terraform(path) if terraform else load_aws(path)


# ---------------------------------------------------------------------------------------------------- policies

_POLICY_KEYS = ("network", "allow", "deny", "scopes")
_NETWORK_KEYS = ("aws", "terraform", "example")
_FLOW_KEYS = ("name", "src", "dst", "protocol", "port", "src_port")
_SCOPE_KEYS = ("name", "match", "exclude")
_STATEMENT_KEYS = ("source", "destination", "through", "protocol", "ports")
_NAA_SCOPE_KEYS = ("Name", "MatchPaths", "ExcludePaths")
_ENDPOINT = "an endpoint (an id, a Name tag, an IP address, internet)"


@attrs.frozen
class FlowCheck:
    """One flow of a policy: ``allow`` (it must connect, reply included) or ``deny`` (it must not)."""

    kind: str
    where: str
    name: str
    src: str
    dst: str
    protocol: str | int = "tcp"
    port: int | None = None
    src_port: int | None = None


@attrs.frozen
class ScopeCheck:
    """One access scope of a policy: each path it finds is a violation."""

    where: str
    name: str
    scope: AccessScope


@attrs.frozen
class Policy:
    """A parsed policy file (see :func:`parse_policy`): its network (paths resolved), flows and scopes."""

    network: dict[str, Any] | None
    flows: tuple[FlowCheck, ...]
    scopes: tuple[ScopeCheck, ...]

    def __len__(self) -> int:
        return len(self.flows) + len(self.scopes)


def _at(where: str, key: object) -> str:
    return f"{where}.{key}" if where else str(key)


def _mapping(value: object, where: str, keys: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InputError(f"{where or 'The policy'} must be a mapping, not {type(value).__name__} {value!r:.60}.")
    for key in value:
        if key not in keys:
            raise InputError(f"{_at(where, key)}: unknown key; use {', '.join(keys)}.")
    return value


def _listing(data: Mapping[str, Any], where: str, key: str) -> list[Any]:
    """The list under ``key`` (none: empty)."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InputError(f"{_at(where, key)} must be a list, not {type(value).__name__} {value!r:.60}.")
    return value


def _typed(value: object, where: str, kinds: tuple[type, ...], what: str) -> Any:
    if value is None or (isinstance(value, kinds) and not isinstance(value, bool)):
        return value
    raise InputError(f"{where}: {value!r} is not {what}.")


def _flow(kind: str, value: object, where: str) -> FlowCheck:
    data = _mapping(value, where, _FLOW_KEYS)
    for key in ("src", "dst"):
        if data.get(key) is None:
            raise InputError(f"{_at(where, key)}: missing; each {kind} entry names src and dst.")
    src = _typed(data["src"], _at(where, "src"), (str,), _ENDPOINT)
    dst = _typed(data["dst"], _at(where, "dst"), (str,), _ENDPOINT)
    protocol = _typed(data.get("protocol", "tcp"), _at(where, "protocol"), (str, int), "a protocol")
    port = _typed(data.get("port"), _at(where, "port"), (int,), "a port number")
    src_port = _typed(data.get("src_port"), _at(where, "src_port"), (int,), "a port number")
    name = _typed(data.get("name"), _at(where, "name"), (str,), "text")
    label = name or f"{src} -> {dst} {protocol}" + (f" {port}" if port is not None else "")
    return FlowCheck(kind, where, label, src, dst, protocol, port, src_port)


def _ends(value: object) -> object:
    """A scope statement's ends: ``internet`` and ``internet:ADDRESS`` as :func:`endpoint` reads them."""
    if isinstance(value, list):
        return [_ends(item) for item in value]
    return endpoint(value) if isinstance(value, str) else value


def _statement(value: object, where: str) -> Any:
    from vpcsim.query.scope import PathSpec

    data = _mapping(value, where, _STATEMENT_KEYS)
    ports = data.get("ports")
    if isinstance(ports, str):
        try:
            ports = port_range(ports)
        except InputError as err:
            raise InputError(f"{_at(where, 'ports')}: {err}") from None
    return PathSpec(_ends(data.get("source")), _ends(data.get("destination")), data.get("through"),
                    data.get("protocol"), tuple(ports) if isinstance(ports, list) else ports)  # fmt: skip


def _scope(value: object, where: str) -> ScopeCheck:
    from vpcsim.query.scope import AccessScope, ScopeError

    if isinstance(value, Mapping) and any(key in value for key in _NAA_SCOPE_KEYS):
        try:  # Network Access Analyzer's shape
            scope = AccessScope.from_dict(value)
        except ScopeError as err:
            raise InputError(f"{where}: {err}") from None
        return ScopeCheck(where, scope.name or where, scope)
    data = _mapping(value, where, _SCOPE_KEYS)
    match, exclude = ([_statement(s, f"{where}.{key}[{i}]") for i, s in enumerate(_listing(data, where, key))]
                      for key in ("match", "exclude"))  # fmt: skip
    if not match:
        raise InputError(f"{where}.match: a scope needs at least one match statement (or MatchPaths).")
    name = _typed(data.get("name"), _at(where, "name"), (str,), "text") or ""
    return ScopeCheck(where, name or where, AccessScope(match, exclude, name))


def parse_policy(data: object, base: Path = Path()) -> Policy:
    """Validate a policy (parsed YAML) for ``vpcsim check``; paths in ``network`` are relative to ``base``.

    A policy is a mapping with these keys, each optional (but at least one check)::

        network: {aws: exports/prod}      # or {terraform: prod.tfstate} or {example: three-tier};
                                          # relative to the policy file; --aws/--terraform/--example win
        allow:                            # flows that must connect (request and reply)
          - {name: web-https, src: internet, dst: web, protocol: tcp, port: 443}
        deny:                             # flows that must not connect
          - {src: web, dst: db, protocol: tcp, port: 5432, src_port: 40000}
        scopes:                           # access scopes: every path one finds is a violation
          - name: db-private              # vpcsim's shape: match and exclude statements with source,
            match:                        # destination, through, protocol, ports (443 or 8000-8100)
              - {source: internet, destination: db}
            exclude:
              - {through: nat-gateway}
          - Name: no-ssh-from-anywhere    # or Network Access Analyzer's JSON shape
            MatchPaths:
              - Source: {PacketHeaderStatement: {SourceAddresses: [0.0.0.0/0]}}
                Destination: {PacketHeaderStatement: {DestinationPorts: ["22"]}}

    Ends are what ``vpcsim trace`` takes: ids, Name tags, IP addresses, ``internet`` or ``internet:ADDRESS``
    (scopes also take CIDRs, subnets and security groups). ``protocol`` defaults to tcp; ``name`` to the flow.

    Raises
    ------
    InputError
        An unknown key or a value of the wrong type, named by its place: ``allow[2].prot``.

    Examples
    --------
    >>> import yaml
    >>> policy = parse_policy(yaml.safe_load('''
    ... allow:
    ...   - {name: web-https, src: internet, dst: web, protocol: tcp, port: 443}
    ... deny:
    ...   - {src: web, dst: db, port: 5432}
    ... '''))
    >>> [(c.kind, c.name) for c in policy.flows]
    [('allow', 'web-https'), ('deny', 'web -> db tcp 5432')]
    >>> parse_policy({"allow": [{"src": "web", "dst": "db", "prot": "tcp"}]})
    Traceback (most recent call last):
    ...
    vpcsim.cli.InputError: allow[0].prot: unknown key; use name, src, dst, protocol, port, src_port.
    """
    policy = _mapping({} if data is None else data, "", _POLICY_KEYS)  # an empty file holds no checks
    network = None
    if policy.get("network") is not None:
        given = _mapping(policy["network"], "network", _NETWORK_KEYS)
        if len(given) != 1:
            raise InputError(f"network: give exactly one of {', '.join(_NETWORK_KEYS)}, not {dict(given)!r}.")
        network = {key: (str(value) if key == "example" else base / str(value)) for key, value in given.items()}
    flows = [_flow(kind, entry, f"{kind}[{i}]")
             for kind in ("allow", "deny") for i, entry in enumerate(_listing(policy, "", kind))]  # fmt: skip
    scopes = [_scope(entry, f"scopes[{i}]") for i, entry in enumerate(_listing(policy, "", "scopes"))]
    if not flows and not scopes:
        raise InputError("The policy holds no checks: give allow, deny or scopes entries.")
    return Policy(network, tuple(flows), tuple(scopes))


def _policy_format() -> str:
    """The policy format of :func:`parse_policy`'s docstring, for ``vpcsim check --help``."""
    doc = parse_policy.__doc__ or ""
    return doc[doc.find("A policy is") : doc.find("Raises")].rstrip().replace("::", ":").replace("``", "")


_CHECK_HELP = f"""Check a policy for CI pipelines: flows that must connect (allow), flows that must not (deny), access
scopes that must find nothing. Exit 0 when every check passes, 1 on a violation, 2 on bad input.

{_policy_format()}
"""


def read_policy(path: Path) -> Policy:
    """Read a policy file (YAML, read with ``yaml.safe_load``: it never runs code) and validate it with
    :func:`parse_policy`.

    Raises
    ------
    InputError
        Not YAML (with the line and column), or a malformed policy.
    OSError
        The file cannot be read.
    """
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        raise InputError(f"{path}: not valid YAML: {err.problem}{at}.") from None
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not valid YAML: {err}.") from None
    return parse_policy(data, path.parent)


@attrs.frozen(eq=False)
class CheckResult:
    """The outcome of one check of a policy: a flow's trace, or a scope's findings (each one a violation)."""

    check: FlowCheck | ScopeCheck
    passed: bool
    trace: Trace | None = None
    findings: Paths | None = None

    @property
    def kind(self) -> str:
        return self.check.kind if isinstance(self.check, FlowCheck) else "scope"

    @property
    def verdict(self) -> str:
        if self.trace is not None:
            return _verdict(self.trace)
        count = len(self.findings or [])
        return f"{count} finding{'' if count == 1 else 's'}" if count else "no findings"

    @property
    def decided_by(self) -> str:
        """The deciding hop of a flow (what dropped it, or what let it in); a scope's findings, one a line."""
        if self.trace is not None:
            return _hop_label(_deciding_hop(self.trace))
        return "\n".join(_path_text(p) for p in self.findings or [])

    def record(self) -> dict[str, Any]:
        """The result as JSON data."""
        out: dict[str, Any] = {"check": self.kind, "name": self.check.name, "where": self.check.where,
                               "passed": self.passed, "verdict": self.verdict}  # fmt: skip
        if isinstance(self.check, FlowCheck) and self.trace is not None:
            hop = _deciding_hop(self.trace)
            out |= {"src": self.check.src, "dst": self.check.dst, "protocol": self.check.protocol,
                    "port": self.check.port, "connected": self.trace.connected,
                    "disposition": str(self.trace.disposition), "explanation": self.trace.explanation,
                    "decided_by": None if hop is None else _hop_record(hop)}  # fmt: skip
        else:
            out["findings"] = [p.as_row() for p in self.findings or []]
        return out


def _path_text(path: Any) -> str:
    ports = ", ".join(_ports_text(lo, hi) for lo, hi in path.ports)
    through = path.through()
    return (f"{path.source} -> {path.destination} {path.protocol}{' ' + ports if ports else ''}"
            f" from {', '.join(path.sources)}" + (f" through {', '.join(through)}" if through else ""))  # fmt: skip


def check_policy(net: Network, policy: Policy, advance: Callable[[], None] | None = None) -> list[CheckResult]:
    """Run every check of a policy on a network: ``allow`` flows must connect, ``deny`` flows must not, scopes must
    find nothing. ``advance`` is called after each check (a progress bar).

    Raises
    ------
    InputError
        An unknown endpoint, a bad port or protocol: named with the check's place (``deny[0]: ...``).

    Examples
    --------
    >>> from vpcsim.examples import demo_network
    >>> policy = parse_policy({"allow": [{"src": "internet", "dst": "web", "port": 443}],
    ...                        "deny": [{"src": "web", "dst": "db", "port": 5432}],
    ...                        "scopes": [{"name": "db-private", "match": [{"source": "internet",
    ...                                                                     "destination": "db"}]}]})
    >>> for result in check_policy(demo_network(), policy):
    ...     print(result.kind, result.passed, result.verdict, result.decided_by)
    allow True connected security-group-ingress sg-0d673c39ad0eba7ea rule sgr-08d7d200102504d6c
    deny True DENIED_IN SUBNET_ACL_RESTRICTION nacl-ingress acl-0e341047a0b194474 rule 32767
    scope True no findings
    """
    results: list[CheckResult] = []
    for flow in policy.flows:
        try:
            trace = net.trace(endpoint(flow.src), endpoint(flow.dst), flow.protocol, flow.port, flow.src_port)
        except VpcsimError as err:
            raise InputError(f"{flow.where}: {err}") from None
        results.append(CheckResult(flow, trace.connected == (flow.kind == "allow"), trace=trace))
        if advance is not None:
            advance()
    for scope in policy.scopes:
        try:
            findings = net.check(scope.scope)
        except VpcsimError as err:
            raise InputError(f"{scope.where}: {err}") from None
        results.append(CheckResult(scope, not findings, findings=findings))
        if advance is not None:
            advance()
    return results


# ---------------------------------------------------------------------------------------------------- output


def _ports_text(low: int | None, high: int | None) -> str:
    if low is None:
        return ""
    return str(low) if low == high else f"{low}-{high}"


def _hop_record(hop: Hop) -> dict[str, Any]:
    return {"kind": hop.kind, "component": hop.component, "action": hop.action, "rule": hop.rule,
            "detail": hop.detail, "explanation": hop.explanation, "spec": hop.spec,
            "packet": None if hop.packet is None else str(hop.packet)}  # fmt: skip


def _trace_record(trace: Trace) -> dict[str, Any]:
    record: dict[str, Any] = {
        "source": trace.source.label, "destination": trace.destination.label, "packet": str(trace.packet),
        "disposition": str(trace.disposition), "explanation": trace.explanation, "delivered": trace.delivered,
    }  # fmt: skip
    if not trace.is_reply:
        record["connected"] = trace.connected
    record["decided_by"] = None if trace.decided_by is None else _hop_record(trace.decided_by)
    record["hops"] = [_hop_record(hop) for hop in trace.hops]
    if not trace.is_reply:
        record["reply"] = None if trace.reply is None else _trace_record(trace.reply)
        record["blockers"] = [_hop_record(hop) for hop in trace.blockers]
    return record


def _trace_rows(trace: Trace) -> list[dict[str, Any]]:
    walks = [("request", trace), *([("reply", trace.reply)] if trace.reply is not None else [])]
    return [{"direction": direction, "step": number, **_hop_record(hop)}
            for direction, walk in walks for number, hop in enumerate(walk.hops, 1)]  # fmt: skip


def _write_json(data: object) -> None:
    import json

    import typer

    typer.echo(json.dumps(data, indent=2, default=_endpoint_text))


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return " ".join(str(_csv_cell(v)) for v in value)
    return value if isinstance(value, int | float | str) else _endpoint_text(value)


def _write_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:
    import csv
    import io

    import typer

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: _csv_cell(row.get(name)) for name in columns} for row in rows)
    typer.echo(buffer.getvalue(), nl=False)


def _exposure_table(found: Any) -> Table:
    from rich.markup import escape
    from rich.table import Table

    title = (f"Exposure from {escape(found.source)}: {len(found.network_interfaces)} network interfaces, "
             f"{len(found.rows)} port ranges (exact over {found.cells} header-space cells)")  # fmt: skip
    table = Table(title=title, title_justify="left")
    for column in ("network interface", "instance", "address", "protocol", "ports", "sources"):
        table.add_column(column, overflow="fold")
    for row in found.rows:
        table.add_row(row["network_interface"] or "", row["instance"] or "", row["address"] or "", row["protocol"],
                      _ports_text(row["port_from"], row["port_to"]), escape(", ".join(row["sources"])))  # fmt: skip
    return table


def _diff_verdict(row: Mapping[str, Any], side: str) -> str:
    """One side of a diff row: connected, absent (the end is not in that network), or what dropped it where."""
    if row[f"{side}_connected"] is None:
        return "absent"
    if row[f"{side}_connected"]:
        return "[green]connected[/green]"
    disposition, explanation = row[f"{side}_disposition"], row[f"{side}_explanation"]
    if disposition in ("ACCEPTED", "EXITS_NETWORK"):
        disposition, explanation = f"reply {row[f'{side}_reply_disposition']}", row[f"{side}_reply_explanation"]
    where = row[f"{side}_component"] or ""
    rule = f" rule {row[f'{side}_rule']}" if row[f"{side}_rule"] is not None else ""
    return f"[red]{disposition}[/red] {explanation or ''} {where}{rule}".strip()


def _diff_end(label: str, addresses: list[str]) -> str:
    """An end's label, and the CIDRs of an address space (the internet, a CIDR) the row holds."""
    shown = [a for a in addresses if "/" in a and a not in label]
    return label + (f"\n{', '.join(shown)}" if shown else "")


def _diff_table(changes: Any) -> Table:
    from rich.markup import escape
    from rich.table import Table

    title = f"{len(changes.rows)} changed flow ranges (exact over {changes.cells} header-space cells)"
    table = Table(title=title, title_justify="left")
    for column in ("source", "destination", "protocol", "ports", "source ports", "before", "after"):
        table.add_column(column, overflow="fold")
    for row in changes.rows:
        table.add_row(escape(_diff_end(row["source"], row["sources"])),
                      escape(_diff_end(row["destination"], row["destinations"])), row["protocol"],
                      _ports_text(row["port_from"], row["port_to"]),
                      _ports_text(row["src_port_from"], row["src_port_to"]),
                      _diff_verdict(row, "before"), _diff_verdict(row, "after"))  # fmt: skip
    return table


def _check_table(results: list[CheckResult]) -> Table:
    from rich.markup import escape
    from rich.table import Table

    failed = sum(not r.passed for r in results)
    colour = "red" if failed else "green"
    title = f"[{colour}]{len(results)} checks: {len(results) - failed} passed, {failed} failed[/{colour}]"
    table = Table(title=title, title_justify="left")
    for column in ("#", "check", "name", "result", "verdict", "decided by / findings"):
        table.add_column(column, overflow="fold")
    for number, result in enumerate(results, 1):
        outcome = "[green]pass[/green]" if result.passed else "[bold red]FAIL[/bold red]"
        table.add_row(str(number), result.kind, escape(result.check.name), outcome, escape(result.verdict),
                      escape(result.decided_by))  # fmt: skip
    return table


@contextmanager
def _progress(description: str, total: int | None = None) -> Iterator[Callable[[], None]]:
    """A transient progress bar on stderr (json and csv on stdout stay clean); yields the function advancing it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               *([MofNCompleteColumn()] if total else []), TimeElapsedColumn()]  # fmt: skip
    console = Console(stderr=True)
    # A bar only on a terminal: a CI log gets no blank lines from it.
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(description, total=total)
        yield lambda: progress.advance(task)


def _load(what: str, loader: Callable[[], Network]) -> Network:
    """Load a network behind a progress bar, and say on stderr how many warnings its load report holds."""
    from rich.console import Console
    from rich.markup import escape

    with _progress(f"Loading {escape(what)}"):
        net = loader()
    report = net.load_report
    if report:
        kinds = ", ".join(f"{count} {kind}" for kind, count in report.kinds().items())
        Console(stderr=True, soft_wrap=True).print(
            f"[yellow]{escape(what)}: {len(report)} load warnings[/yellow] ({kinds}); see net.load_report."
        )
    return net


@contextmanager
def _user_errors() -> Iterator[None]:
    """A user's mistake (vpcsim's errors, a file that cannot be read) -> one red line on stderr and exit 2; a
    programming error still raises with its traceback."""
    import typer
    from rich.console import Console
    from rich.markup import escape

    try:
        yield
    except (VpcsimError, OSError) as err:
        text = f"{err.filename}: {err.strerror}" if isinstance(err, OSError) and err.filename else str(err)
        line = escape(" ".join(text.split()))
        Console(stderr=True, soft_wrap=True).print(f"[bold red]Error:[/bold red] [red]{line}[/red]")
        raise typer.Exit(2) from None


def _app() -> object:
    import typer
    from rich.console import Console

    app = typer.Typer(help="vpcsim: simulate what an AWS VPC does with traffic.", no_args_is_help=True)
    panel = "Network (exactly one)"
    # Options several commands share (typer reads them; one definition each).
    aws_option = typer.Option(None, "--aws", help="describe-* JSON: a file or a folder.", rich_help_panel=panel)
    terraform_option = typer.Option(None, "--terraform", help="terraform show -json output or a .tfstate file.",
                                    rich_help_panel=panel)  # fmt: skip
    example_option = typer.Option(None, "--example", help="A built-in example: nlb or three-tier.",
                                  rich_help_panel=panel)  # fmt: skip
    format_option = typer.Option(OutputFormat.table, "--format", help="table, or json/csv on stdout alone.")
    protocol_option = typer.Option(None, "--protocol", help="One protocol (default: every protocol).")
    ports_option = typer.Option(None, "--ports", help="A port or a range: 443, 8000-8100 (default: all).")
    expect_option = typer.Option(None, "--expect", help="Exit 1 unless the flow is connected (or blocked).")
    old_argument = typer.Argument(..., help="The network before: describe-* JSON (a file or folder) or Terraform.")
    new_argument = typer.Argument(..., help="The network after, as OLD.")
    policy_argument = typer.Argument(..., help="The policy file (YAML).")

    def network_of(aws: Path | None, terraform: Path | None, example: str | None) -> Network:
        named = aws or terraform or example
        return _load(str(named or "the network"), lambda: load_network(aws=aws, terraform=terraform, example=example))

    @app.command(short_help="Show a built-in example network, what reaches what, and what survives a failure.")
    def demo(
        all_traces: bool = typer.Option(False, "--all", help="Tell every trace hop by hop, not only a few."),
        network_name: str = typer.Option(
            "nlb",
            "--network",
            help="nlb: a private API behind a Network Load Balancer in two AZs (with a failure report); "
            "three-tier: a web application with a peered shared-services VPC.",
        ),
    ) -> None:
        """Build a built-in example network, show what it holds, trace what reaches what, and (nlb) what survives
        each failure."""
        from vpcsim.examples import DEMO_QUESTIONS, NLB_QUESTIONS, demo_network, private_api_behind_nlb

        if network_name not in _DEMO_STORIES:
            raise typer.BadParameter(f"{network_name!r}: choose nlb or three-tier.", param_hint="--network")
        console = Console()
        with console.status("Building the example network"):
            network = private_api_behind_nlb() if network_name == "nlb" else demo_network()
        questions = NLB_QUESTIONS if network_name == "nlb" else DEMO_QUESTIONS
        inventory(network, console)
        console.print()
        _demo_questions(network, console, all_traces, questions, _DEMO_STORIES[network_name])
        if network_name == "nlb":
            show_resilience(network, console)

    @app.command()
    def trace(
        src: str = typer.Argument(..., help="An id, Name tag, IP address, internet or internet:ADDRESS."),
        dst: str = typer.Argument(..., help="As SRC."),
        protocol: str = typer.Option("tcp", "--protocol", help="tcp, udp, icmp or a protocol number."),
        port: str | None = typer.Option(None, "--port", help="Destination port (ICMP: the type)."),
        src_port: str | None = typer.Option(None, "--src-port", help="Source port (default: 32768, SPEC N4)."),
        expect: Expectation | None = expect_option,
        aws: Path | None = aws_option,
        terraform: Path | None = terraform_option,
        example: str | None = example_option,
        output: OutputFormat = format_option,
    ) -> None:
        """Trace one flow hop by hop, and its reply, with the rule that decided at every step."""
        with _user_errors():
            net = network_of(aws, terraform, example)
            numbers = [_number(option, text) for option, text in (("--port", port), ("--src-port", src_port))]
            walked = net.trace(endpoint(src), endpoint(dst), protocol, *numbers)
        if output is OutputFormat.json:
            _write_json(_trace_record(walked))
        elif output is OutputFormat.csv:
            columns = ["direction", "step", "kind", "component", "action", "rule", "detail", "explanation", "spec",
                       "packet"]  # fmt: skip
            _write_csv(_trace_rows(walked), columns)
        else:
            show_trace(walked, Console())
        if expect is not None and walked.connected != (expect is Expectation.connected):
            raise typer.Exit(1)

    @app.command()
    def exposure(
        source: str = typer.Option("internet", "--source", help="internet, internet:ADDRESS, a CIDR or a name/id."),
        protocol: str | None = protocol_option,
        ports: str | None = ports_option,
        aws: Path | None = aws_option,
        terraform: Path | None = terraform_option,
        example: str | None = example_option,
        output: OutputFormat = format_option,
    ) -> None:
        """Everything a source can connect to, exactly: per interface address, protocol and port range."""
        with _user_errors():
            net = network_of(aws, terraform, example)
            with _progress("Finding everything the source reaches (exact)"):
                found = net.exposure(endpoint(source), protocols=protocol,
                                     ports=None if ports is None else port_range(ports))  # fmt: skip
        columns = ["network_interface", "instance", "address", "protocol", "port_from", "port_to", "sources",
                   "source"]  # fmt: skip
        if output is OutputFormat.json:
            _write_json(found.rows)
        elif output is OutputFormat.csv:
            _write_csv(found.rows, columns)
        else:
            Console().print(_exposure_table(found))

    @app.command()
    def diff(
        old: Path = old_argument,
        new: Path = new_argument,
        protocol: str | None = protocol_option,
        ports: str | None = ports_option,
        fail_on_change: bool = typer.Option(False, "--fail-on-change", help="Exit 1 when any verdict changed."),
        output: OutputFormat = format_option,
    ) -> None:
        """Every flow whose verdict changed between two networks, exactly (Terraform or describe-* detected)."""
        from vpcsim.query.diff import _FIELDS
        from vpcsim.query.diff import diff as compare

        with _user_errors():
            before = _load(str(old), lambda: load_path(old))
            after = _load(str(new), lambda: load_path(new))
            wanted = None if ports is None else port_range(ports)
            with _progress("Comparing every flow (exact)"):
                changes = compare(before, after, protocols=protocol, ports=wanted)
        if output is OutputFormat.json:
            _write_json(changes.rows)
        elif output is OutputFormat.csv:
            columns = ["source", "destination", "protocol", "port_from", "port_to", "src_port_from", "src_port_to",
                       "sources", "destinations", *(f"{side}_{f}" for side in ("before", "after") for f in _FIELDS),
                       "example"]  # fmt: skip
            _write_csv(changes.rows, columns)
        elif changes:
            Console().print(_diff_table(changes))
        else:
            Console().print(f"No verdict changed (exact over {changes.cells} header-space cells).")
        if fail_on_change and changes:
            raise typer.Exit(1)

    @app.command(help=_CHECK_HELP, short_help="Check a policy file (allowed and denied flows, access scopes).")
    def check(
        policy: Path = policy_argument,
        aws: Path | None = aws_option,
        terraform: Path | None = terraform_option,
        example: str | None = example_option,
        output: OutputFormat = format_option,
    ) -> None:
        with _user_errors():
            rules = read_policy(policy)
            if rules.network is not None and not (aws or terraform or example):
                net = _load(f"{policy}'s network", lambda: load_network(**rules.network or {}))
            else:
                net = network_of(aws, terraform, example)
            with _progress("Checking the policy", total=len(rules)) as advance:
                results = check_policy(net, rules, advance)
        if output is OutputFormat.json:
            _write_json({"passed": all(r.passed for r in results), "checks": [r.record() for r in results]})
        elif output is OutputFormat.csv:
            rows = [{"check": r.kind, "name": r.check.name, "where": r.check.where,
                     "result": "pass" if r.passed else "FAIL", "verdict": r.verdict, "decided_by": r.decided_by}
                    for r in results]  # fmt: skip
            _write_csv(rows, ["check", "name", "where", "result", "verdict", "decided_by"])
        else:
            Console().print(_check_table(results))
        if not all(r.passed for r in results):
            raise typer.Exit(1)

    @app.command()
    def version() -> None:
        """Print the vpcsim version."""
        from vpcsim import __version__

        Console().print(__version__)

    return app


def main() -> None:
    """Entry point of the ``vpcsim`` console script."""
    try:
        app = _app()
    except ImportError as exc:  # the CLI's dependencies are the [cli] extra
        raise SystemExit(f"vpcsim's command line needs typer and rich: pip install 'vpcsim[cli]' ({exc})") from None
    app()  # type: ignore[operator]
