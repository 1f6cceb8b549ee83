"""The ``vpcsim`` command line (typer + rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from vpcsim.model.base import Resource
    from vpcsim.network import Network

__all__ = ["inventory", "main"]


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
                    public = f" -> {eni.public_ip}" if eni.public_ip else ""
                    groups = ", ".join(g.group_name for g in eni.security_groups)
                    node.add(
                        f"{eni.id} {eni.private_ip}{public} {owner}" + (escape(f" [{groups}]") if groups else "")
                    )
    console.print(root)


def _app() -> object:
    import typer
    from rich.console import Console

    app = typer.Typer(help="vpcsim: simulate what an AWS VPC does with traffic.", no_args_is_help=True)

    @app.command()
    def demo() -> None:
        """Build the built-in example network and show what it holds."""
        from vpcsim.examples import demo_network

        console = Console()
        with console.status("Building the example network"):
            network = demo_network()
        inventory(network, console)

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
