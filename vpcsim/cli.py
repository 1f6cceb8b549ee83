"""The ``vpcsim`` command line (typer + rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from vpcsim.network import Network

__all__ = ["inventory", "main"]


def inventory(network: Network, console: Console) -> None:
    """Print a network's VPCs, subnets (with their route table and NACL), instances and gateways as rich tables."""
    from rich.table import Table

    vpcs = Table(title=f"VPCs in {network.region}")
    for column in ("VPC", "Name", "CIDRs", "Main route table", "Default NACL"):
        vpcs.add_column(column)
    for vpc in network.vpcs:
        cidrs = ", ".join(str(c) for c in vpc.cidrs)
        vpcs.add_row(vpc.id, vpc.name or "", cidrs, vpc.main_route_table.id, vpc.default_network_acl.id)
    console.print(vpcs)

    subnets = Table(title="Subnets")
    for column in ("Subnet", "Name", "AZ", "CIDR", "Route table", "Routes", "NACL", "Free IPs"):
        subnets.add_column(column)
    for subnet in network.subnets:
        routes = "\n".join(str(r) for r in subnet.route_table.routes)
        subnets.add_row(
            subnet.id,
            subnet.name or "",
            subnet.availability_zone,
            "\n".join(str(c) for c in subnet.cidrs),
            subnet.route_table.id,
            routes,
            subnet.network_acl.id,
            str(subnet.available_ip_address_count),
        )
    console.print(subnets)

    interfaces = Table(title="Network interfaces")
    for column in ("ENI", "Owner", "Subnet", "Private IPs", "Public IP", "Security groups"):
        interfaces.add_column(column)
    for eni in network.network_interfaces:
        owner = f"{eni.instance.id} ({eni.instance.name})" if eni.instance else eni.interface_type
        interfaces.add_row(
            eni.id,
            owner,
            eni.subnet.name or eni.subnet.id,
            "\n".join(str(a) for a in eni.addresses),
            str(eni.public_ip or ""),
            "\n".join(f"{g.id} ({g.group_name})" for g in eni.security_groups),
        )
    console.print(interfaces)

    gateways = Table(title="Gateways and peerings")
    for column in ("Id", "Kind", "Where"):
        gateways.add_column(column)
    for igw in network.internet_gateways:
        gateways.add_row(igw.id, "internet gateway", igw.vpc.id if igw.vpc else "detached")
    for eigw in network.egress_only_internet_gateways:
        gateways.add_row(eigw.id, "egress-only IGW", eigw.vpc.id)
    for nat in network.nat_gateways:
        gateways.add_row(nat.id, f"{nat.connectivity} NAT gateway", f"{nat.subnet.id} {nat.private_ip} -> {nat.public_ip}")
    for pcx in network.vpc_peering_connections:
        gateways.add_row(pcx.id, "VPC peering", f"{pcx.requester_vpc.id} <-> {pcx.accepter_vpc.id} ({pcx.status})")
    console.print(gateways)


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
        console.print(f"[bold]Example network[/bold]: {network!r}")
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
