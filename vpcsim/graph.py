"""The networkx view of a network: what is connected to what, and by which route.

Nodes are ENIs, subnets, route tables, VPC routers (the ``local`` target), gateways and peerings, VPN connections,
AWS services behind gateway endpoints, and one ``internet`` node. Edges carry a ``kind``:

- ``subnet-membership`` ENI <-> subnet, ``vpc-membership`` VPC router <-> subnet;
- ``route-table-association`` subnet -> its route table (R1), ``edge-association`` gateway -> route table (R7);
- ``route`` route table -> target, with ``route_table``, ``destination``, ``target``, ``state``, ``origin``;
- ``attachment``, ``peering``, ``interface``, ``internet``, ``vpn`` and ``tgw-route`` for the gateways' links.

Every route is one edge from its table, so the graph grows linearly with ENIs + routes, never with pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import networkx as nx

from vpcsim.model.gateways import InternetGateway, VpnGateway
from vpcsim.model.interface import Instance
from vpcsim.model.route_table import LOCAL, target_kind

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = ["BLACKHOLE_NODE", "INTERNET_NODE", "build_graph"]

INTERNET_NODE = "internet"
BLACKHOLE_NODE = "blackhole"  # where TGW blackhole routes (and routes to deleted attachments) lead


def build_graph(network: Network) -> nx.MultiDiGraph:
    """Build the graph view of ``network`` (``network.graph`` caches it until the next change).

    Examples
    --------
    >>> from vpcsim import Network
    >>> net = Network()
    >>> vpc = net.create_vpc("10.0.0.0/16")
    >>> sub = net.create_subnet(vpc, "10.0.1.0/24")
    >>> igw = net.create_internet_gateway(); net.attach_internet_gateway(igw, vpc)
    >>> _ = net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    >>> g = build_graph(net)
    >>> [d["destination"] for _, _, d in g.out_edges(vpc.main_route_table.id, data=True) if d["kind"] == "route"]
    ['10.0.0.0/16', '0.0.0.0/0']
    >>> g.has_edge(igw.id, "internet")
    True
    """
    graph = nx.MultiDiGraph(region=network.region)
    graph.add_node(INTERNET_NODE, kind="internet")

    def both(a: str, b: str, kind: str, **attrs: Any) -> None:
        graph.add_edge(a, b, kind=kind, **attrs)
        graph.add_edge(b, a, kind=kind, **attrs)

    for vpc in network.vpcs:
        graph.add_node(vpc.id, kind="vpc", name=vpc.name, cidrs=[str(c) for c in vpc.cidrs])
    for subnet in network.subnets:
        graph.add_node(
            subnet.id,
            kind="subnet",
            name=subnet.name,
            vpc=subnet.vpc.id,
            availability_zone=subnet.availability_zone,
            cidrs=[str(c) for c in subnet.cidrs],
            network_acl=subnet.network_acl.id,
        )
        both(subnet.vpc.id, subnet.id, "vpc-membership")
        graph.add_edge(
            subnet.id,
            subnet.route_table.id,
            kind="route-table-association",
            main=subnet.route_table_association is None,
        )
    for eni in network.network_interfaces:
        graph.add_node(
            eni.id,
            kind="network-interface",
            name=eni.name,
            subnet=eni.subnet.id,
            vpc=eni.vpc.id,
            instance=eni.instance.id if eni.instance else None,
            interface_type=eni.interface_type,
            private_ips=[str(a) for a in eni.addresses],
            public_ips=[str(a) for a in eni.public_ips.values()],
            security_groups=[g.id for g in eni.security_groups],
            source_dest_check=eni.source_dest_check,
        )
        both(eni.id, eni.subnet.id, "subnet-membership")

    for igw in network.internet_gateways:
        graph.add_node(igw.id, kind="internet-gateway", name=igw.name)
        both(igw.id, INTERNET_NODE, "internet")
        if igw.vpc is not None:
            both(igw.id, igw.vpc.id, "attachment")
    for eigw in network.egress_only_internet_gateways:
        graph.add_node(eigw.id, kind="egress-only-internet-gateway", name=eigw.name)
        graph.add_edge(eigw.id, INTERNET_NODE, kind="internet")  # SPEC I3: outbound only
        both(eigw.id, eigw.vpc.id, "attachment")
    for nat in network.nat_gateways:
        graph.add_node(nat.id, kind="nat-gateway", name=nat.name, connectivity=nat.connectivity, state=nat.state)
        if nat.network_interface is not None:
            both(nat.id, nat.network_interface.id, "interface")
    for pcx in network.vpc_peering_connections:
        graph.add_node(pcx.id, kind="vpc-peering-connection", name=pcx.name, status=pcx.status)
        both(pcx.id, pcx.requester_vpc.id, "peering")
        both(pcx.id, pcx.accepter_vpc.id, "peering")
    for vgw in network.vpn_gateways:
        graph.add_node(vgw.id, kind="vpn-gateway", name=vgw.name)
        if vgw.vpc is not None:
            both(vgw.id, vgw.vpc.id, "attachment")
    for vpn in network.vpn_connections:
        graph.add_node(vpn.id, kind="vpn-connection", name=vpn.name, routes=[str(c) for c in vpn.routes])
        vpn_gateway = vpn.vpn_gateway_id or vpn.transit_gateway_id
        if vpn_gateway is not None:
            both(vpn_gateway, vpn.id, "vpn")
    for endpoint in network.vpc_endpoints:
        service = f"service:{endpoint.service_name}"
        graph.add_node(endpoint.id, kind="vpc-endpoint", name=endpoint.name, service=endpoint.service_name)
        graph.add_node(service, kind="aws-service")
        both(endpoint.id, service, "service")
        both(endpoint.id, endpoint.vpc.id, "attachment")
    for tgw in network.transit_gateways:
        graph.add_node(tgw.id, kind="transit-gateway", name=tgw.name)
    for attachment in network.transit_gateway_attachments:
        both(attachment.transit_gateway.id, attachment.resource_id, "attachment", attachment=attachment.id)
        for eni in attachment.network_interfaces:
            both(attachment.transit_gateway.id, eni.id, "interface", attachment=attachment.id)
    attachments = {a.id: a for a in network.transit_gateway_attachments}
    for tgw_table in network.transit_gateway_route_tables:
        for tgw_route in tgw_table.routes:
            found = attachments.get(tgw_route.attachment_id or "")
            if found is None:
                graph.add_node(BLACKHOLE_NODE, kind="blackhole")
            graph.add_edge(
                tgw_table.transit_gateway.id,
                found.resource_id if found else BLACKHOLE_NODE,
                kind="tgw-route",
                route_table=tgw_table.id,
                destination=str(tgw_route.destination),
                attachment=tgw_route.attachment_id,
                state=tgw_route.state,
                type=tgw_route.type,
            )

    for table in network.route_tables:
        graph.add_node(table.id, kind="route-table", name=table.name, vpc=table.vpc.id, main=table.is_main)
        for route in table.routes:
            graph.add_edge(
                table.id,
                _route_node(network, graph, table.vpc.id, route.target),
                kind="route",
                route_table=table.id,
                destination=route.destination_key,
                target=route.target,
                state=route.state,
                origin=route.origin,
            )
    gateways: list[InternetGateway | VpnGateway] = [*network.internet_gateways, *network.vpn_gateways]
    for gateway in gateways:
        if gateway.edge_association is not None:
            graph.add_edge(gateway.id, gateway.edge_association.route_table.id, kind="edge-association")
    return graph


def _route_node(network: Network, graph: nx.MultiDiGraph, vpc_id: str, target: str) -> str:
    """The node a route leads to: the VPC router for local, an instance's primary ENI, or the target itself."""
    if target == LOCAL:
        return vpc_id
    if target in network:
        found = network.get(target)
        if isinstance(found, Instance):
            return found.primary_network_interface.id
    if target not in graph:
        graph.add_node(target, kind=target_kind(target), missing=True)  # SPEC R6: a blackhole's deleted target
    return target
