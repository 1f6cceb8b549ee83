"""The networkx view: nodes, route and membership edges, blackholes, caching and linear size."""

from __future__ import annotations

import networkx as nx
import pytest

import vpcsim
from vpcsim.graph import INTERNET_NODE


class Lab:
    """A public subnet behind an IGW, a private subnet behind a NAT gateway, and one instance in each."""

    def __init__(self) -> None:
        self.net = net = vpcsim.Network(seed=17)
        self.vpc = net.create_vpc("10.0.0.0/16", name="lab")
        self.public = net.create_subnet(self.vpc, "10.0.1.0/24", name="public")
        self.private = net.create_subnet(self.vpc, "10.0.2.0/24", name="private")
        self.igw = net.create_internet_gateway(name="igw")
        net.attach_internet_gateway(self.igw, self.vpc)
        self.public_rt = net.create_route_table(self.vpc, name="public-rt")
        net.create_route(self.public_rt, "0.0.0.0/0", self.igw)
        net.associate_route_table(self.public_rt, self.public)
        self.nat = net.create_nat_gateway(self.public, allocation=net.allocate_address(), name="nat")
        self.private_rt = net.create_route_table(self.vpc, name="private-rt")
        net.create_route(self.private_rt, "0.0.0.0/0", self.nat)
        net.associate_route_table(self.private_rt, self.private)
        self.web = net.run_instance(self.public, name="web")
        self.db = net.run_instance(self.private, name="db")


@pytest.fixture
def lab() -> Lab:
    return Lab()


def route_edges(graph: nx.MultiDiGraph) -> list[tuple[str, str, dict[str, object]]]:
    return [(u, v, d) for u, v, d in graph.edges(data=True) if d["kind"] == "route"]


def test_the_graph_is_a_multidigraph(lab: Lab) -> None:
    assert isinstance(lab.net.graph, nx.MultiDiGraph)


def test_nodes_cover_enis_subnets_route_tables_gateways_and_the_internet(lab: Lab) -> None:
    graph = lab.net.graph
    kinds = {
        INTERNET_NODE: "internet",
        lab.vpc.id: "vpc",
        lab.public.id: "subnet",
        lab.private.id: "subnet",
        lab.public_rt.id: "route-table",
        lab.private_rt.id: "route-table",
        lab.vpc.main_route_table.id: "route-table",
        lab.igw.id: "internet-gateway",
        lab.nat.id: "nat-gateway",
        lab.web.primary_network_interface.id: "network-interface",
        lab.db.primary_network_interface.id: "network-interface",
        lab.nat.network_interface.id: "network-interface",
    }
    for node, kind in kinds.items():
        assert graph.nodes[node]["kind"] == kind, node
    assert INTERNET_NODE == "internet"
    web = graph.nodes[lab.web.primary_network_interface.id]
    assert (web["subnet"], web["instance"], web["private_ips"]) == (
        lab.public.id,
        lab.web.id,
        [str(lab.web.private_ip)],
    )
    assert graph.nodes[lab.public.id]["name"] == "public"


def test_one_route_edge_per_route_with_its_attributes(lab: Lab) -> None:
    graph = lab.net.graph
    edges = route_edges(graph)
    expected = [(table.id, route) for table in lab.net.route_tables for route in table.routes]

    assert len(edges) == len(expected)
    for table_id, route in expected:
        [data] = [d for u, _, d in edges if u == table_id and d["destination"] == route.destination_key]
        assert data["route_table"] == table_id
        assert data["target"] == route.target
        assert data["state"] == route.state
        assert data["origin"] == route.origin


def test_route_edges_lead_to_their_targets(lab: Lab) -> None:
    graph = lab.net.graph
    leads = {(u, d["destination"]): v for u, v, d in route_edges(graph)}

    assert leads[(lab.public_rt.id, "0.0.0.0/0")] == lab.igw.id
    assert leads[(lab.private_rt.id, "0.0.0.0/0")] == lab.nat.id
    assert leads[(lab.public_rt.id, "10.0.0.0/16")] == lab.vpc.id  # local: the VPC router
    assert graph.has_edge(lab.igw.id, INTERNET_NODE)
    assert graph.has_edge(INTERNET_NODE, lab.igw.id)


def test_subnet_membership_edges_join_each_eni_and_its_subnet(lab: Lab) -> None:
    graph = lab.net.graph

    for eni in lab.net.network_interfaces:
        for u, v in ((eni.id, eni.subnet.id), (eni.subnet.id, eni.id)):
            kinds = [d["kind"] for d in graph.get_edge_data(u, v).values()]
            assert kinds == ["subnet-membership"], (u, v)


def test_subnets_lead_to_their_route_table(lab: Lab) -> None:
    graph = lab.net.graph

    for subnet, table in ((lab.public, lab.public_rt), (lab.private, lab.private_rt)):
        kinds = [d["kind"] for d in graph.get_edge_data(subnet.id, table.id).values()]
        assert kinds == ["route-table-association"]


def test_a_blackhole_route_to_a_deleted_nat_gateway_is_still_an_edge(lab: Lab) -> None:
    lab.net.delete_nat_gateway(lab.nat)
    graph = lab.net.graph

    [(_, target, data)] = [
        (u, v, d) for u, v, d in route_edges(graph) if u == lab.private_rt.id and d["destination"] == "0.0.0.0/0"
    ]
    assert (target, data["target"], data["state"]) == (lab.nat.id, lab.nat.id, "blackhole")
    assert graph.nodes[lab.nat.id]["kind"] == "nat-gateway"
    assert lab.nat.network_interface.id not in graph


def test_the_graph_is_cached_until_a_change(lab: Lab) -> None:
    first = lab.net.graph
    assert lab.net.graph is first

    subnet = lab.net.create_subnet(lab.vpc, "10.0.3.0/24", name="new")

    rebuilt = lab.net.graph
    assert rebuilt is not first
    assert subnet.id in rebuilt
    assert subnet.id not in first
    assert lab.net.graph is rebuilt


def test_the_graph_follows_route_changes(lab: Lab) -> None:
    before = lab.net.graph
    lab.net.delete_route(lab.public_rt, "0.0.0.0/0")

    after = lab.net.graph

    assert len(route_edges(after)) == len(route_edges(before)) - 1
    assert not any(u == lab.public_rt.id and d["destination"] == "0.0.0.0/0" for u, _, d in route_edges(after))


def _edges_with_instances(count: int) -> int:
    net = vpcsim.Network(seed=1)
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.0.0/20")
    sg = net.create_security_group(vpc, "web")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=80, source_group=sg)
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    for _ in range(count):
        net.run_instance(subnet, security_groups=[sg])
    return int(net.graph.number_of_edges())


def test_graph_size_grows_linearly_with_instances() -> None:
    # Instances sharing one subnet and one SG must not add an edge per pair (that would be quadratic).
    edges = {n: _edges_with_instances(n) for n in (0, 10, 100)}

    assert edges[100] <= 10 * edges[10] + 50
    assert edges[100] - edges[0] == 10 * (edges[10] - edges[0])  # the same edges for every instance
    assert (edges[10] - edges[0]) / 10 <= 4


def test_nat_gateway_nodes_carry_their_state(lab: Lab) -> None:
    # A NAT gateway AWS created and failed (here: its EIP is taken) is a node with state "failed" and no ENI.
    taken = lab.nat.elastic_ip
    failed = lab.net.create_nat_gateway(lab.public, allocation=taken, name="failed-nat")
    lab.net.create_route(lab.vpc.main_route_table, "0.0.0.0/0", failed)
    graph = lab.net.graph

    assert graph.nodes[lab.nat.id]["state"] == "available"
    node = graph.nodes[failed.id]
    node_ids = (lab.nat.id, failed.id)
    assert (node["kind"], node["state"], node["name"]) == ("nat-gateway", "failed", "failed-nat")
    interfaces = {n: [v for _, v, d in graph.out_edges(n, data=True) if d["kind"] == "interface"] for n in node_ids}
    assert interfaces == {lab.nat.id: [lab.nat.network_interface.id], failed.id: []}
    assert list(graph.out_edges(failed.id)) == []
    [(_, target, data)] = [
        (u, v, d)
        for u, v, d in route_edges(graph)
        if u == lab.vpc.main_route_table.id and d["destination"] == "0.0.0.0/0"
    ]
    assert (target, data["state"]) == (failed.id, "blackhole")


def test_tgw_blackhole_routes_lead_to_a_blackhole_node_with_a_kind() -> None:
    net = vpcsim.Network(seed=17)
    net.create_transit_gateway()
    table = net.transit_gateway_route_tables[0]
    net.create_transit_gateway_route(table, "10.9.0.0/16", blackhole=True)
    graph = net.graph
    assert all("kind" in data for _, data in graph.nodes(data=True))
    assert graph.nodes["blackhole"]["kind"] == "blackhole"
    [(_, target, data)] = [e for e in graph.edges(data=True) if e[2]["kind"] == "tgw-route"]
    assert target == "blackhole"
    assert data["state"] == "blackhole"
