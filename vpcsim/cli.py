"""The ``vpcsim`` command line (typer + rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from vpcsim.engine.verdict import Trace
    from vpcsim.model.base import Resource
    from vpcsim.network import Network

__all__ = ["inventory", "main", "show_resilience", "show_trace"]

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


def _hop_table(trace: Trace) -> Table:
    from rich.markup import escape
    from rich.table import Table

    verdict = str(trace.disposition) + (f" {trace.explanation}" if trace.explanation else "")
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
        where = trace.decided_by or (trace.reply.decided_by if trace.reply is not None else None)
        decided = ""
        if where is not None:
            decided = f"{where.kind} {where.component}" + (f" rule {where.rule}" if where.rule is not None else "")
        verdict = str(trace.disposition) + (f" {trace.explanation}" if trace.explanation else "")
        table.add_row(escape(question), answer, verdict, escape(decided))
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


def _app() -> object:
    import typer
    from rich.console import Console

    app = typer.Typer(help="vpcsim: simulate what an AWS VPC does with traffic.", no_args_is_help=True)

    @app.command()
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
