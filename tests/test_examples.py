"""The built-in demo network: it builds, it is the same every time, and it holds what its docstring promises."""

from __future__ import annotations

import ipaddress
from typing import TypeVar

import pytest

import vpcsim
from vpcsim.examples import DEMO_QUESTIONS, demo_network


@pytest.fixture(scope="module")
def demo() -> vpcsim.Network:
    return demo_network()


R = TypeVar("R", vpcsim.Vpc, vpcsim.Subnet, vpcsim.Instance)


def named(items: list[R], name: str) -> R:
    [found] = [i for i in items if i.name == name]
    return found


def group(net: vpcsim.Network, vpc: vpcsim.Vpc, name: str) -> vpcsim.SecurityGroup:
    [found] = [g for g in net.security_groups if g.vpc is vpc and g.group_name == name]
    return found


def default_route(subnet: vpcsim.Subnet, destination: str = "0.0.0.0/0") -> vpcsim.Route:
    route = subnet.route_table.find_route(destination)
    assert route is not None, f"{subnet.name} has no route to {destination}"
    assert route.state == "active"
    return route


def ingress(sg: vpcsim.SecurityGroup) -> set[tuple[int, int | None, str]]:
    """(protocol, port, peer) of each inbound rule."""
    return {(r.protocol, r.from_port, r.peer) for r in sg.ingress}


def test_the_demo_network_builds(demo: vpcsim.Network) -> None:
    assert isinstance(demo, vpcsim.Network)
    assert sorted(i.name or "" for i in demo.instances) == ["api", "bastion", "db", "monitoring", "web"]
    assert {v.name for v in demo.vpcs} == {"app", "shared"}


def test_two_builds_are_identical(demo: vpcsim.Network) -> None:
    again = demo_network()

    assert again.snapshot() == demo.snapshot()
    assert [r.id for r in again] == [r.id for r in demo]
    assert {i.name: str(i.public_ip) for i in again.instances} == {i.name: str(i.public_ip) for i in demo.instances}


def test_the_app_vpc(demo: vpcsim.Network) -> None:
    app = named(demo.vpcs, "app")
    assert app.cidr_block == ipaddress.ip_network("10.0.0.0/16")
    assert app.ipv6_cidr_block is not None


def test_public_subnets_in_two_zones_behind_an_internet_gateway(demo: vpcsim.Network) -> None:
    app = named(demo.vpcs, "app")
    [igw] = demo.internet_gateways
    assert igw.vpc is app
    public = [named(demo.subnets, n) for n in ("public-a", "public-b")]

    assert {s.availability_zone for s in public} == {"us-east-1a", "us-east-1b"}
    for subnet in public:
        assert subnet.map_public_ip_on_launch
        assert default_route(subnet).target == igw.id


def test_private_subnets_reach_the_internet_through_a_nat_gateway_in_their_az(demo: vpcsim.Network) -> None:
    nats = {nat.subnet.availability_zone: nat for nat in demo.nat_gateways}
    [eigw] = demo.egress_only_internet_gateways
    assert sorted(nats) == ["us-east-1a", "us-east-1b"]
    for nat in nats.values():
        assert nat.connectivity == "public"
        assert nat.public_ip is not None
        assert default_route(nat.subnet).target_kind == "internet-gateway"  # SPEC I4: the NAT sits in a public subnet

    for name in ("app-a", "data-a", "app-b"):
        subnet = named(demo.subnets, name)
        assert not subnet.map_public_ip_on_launch
        assert default_route(subnet).target == nats[subnet.availability_zone].id
    for name in ("app-a", "data-a"):
        assert default_route(named(demo.subnets, name), "::/0").target == eigw.id


def test_web_has_two_enis_with_an_elastic_ip_each(demo: vpcsim.Network) -> None:
    web = named(demo.instances, "web")

    assert len(web.network_interfaces) == 2
    assert all(len(eni.elastic_ips) == 1 for eni in web.network_interfaces)
    publics = {eni.public_ip for eni in web.network_interfaces}
    assert len(publics) == 2
    assert {eip.public_ip for eip in demo.elastic_ips if eip.name in ("web-eip", "web-admin-eip")} == publics


@pytest.mark.parametrize(
    ("index", "connected", "disposition", "explanation"),
    [
        (0, True, "ACCEPTED", None),
        (1, True, "ACCEPTED", None),
        (2, False, "DENIED_IN", "ENI_SG_RULES_MISMATCH"),
        (3, True, "ACCEPTED", None),
        (4, False, "DENIED_IN", "SUBNET_ACL_RESTRICTION"),
        (5, True, "ACCEPTED", None),
        (6, True, "EXITS_NETWORK", None),
        (7, False, "DENIED_IN", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"),
        (8, False, "DENIED_OUT", "SUBNET_ACL_RESTRICTION"),
        (9, True, "ACCEPTED", None),
        (10, True, "ACCEPTED", None),
    ],
)
def test_the_demo_questions_have_the_answers_the_design_intends(
    demo: vpcsim.Network, index: int, connected: bool, disposition: str, explanation: str | None
) -> None:
    question, src, dst, protocol, port = DEMO_QUESTIONS[index]
    t = demo.trace(src, dst, protocol, port)

    assert (t.connected, t.disposition, t.explanation) == (connected, disposition, explanation), question


def test_security_groups_chain_by_reference(demo: vpcsim.Network) -> None:
    app = named(demo.vpcs, "app")
    web, api, db = (group(demo, app, n) for n in ("web", "api", "db"))

    assert ingress(web) == {(6, 80, "0.0.0.0/0"), (6, 443, "0.0.0.0/0")}
    assert [(r.from_port, r.peer) for r in api.ingress if r.from_port == 8080] == [(8080, web.id)]
    assert ingress(db) == {(6, 5432, api.id)}
    for name, sg in (("web", web), ("api", api), ("db", db)):
        instance = named(demo.instances, name)
        assert instance.security_groups == [sg]  # the primary ENI's groups


def test_the_database_subnet_nacl_admits_5432_from_the_app_subnet_only(demo: vpcsim.Network) -> None:
    data = named(demo.subnets, "data-a")
    acl = data.network_acl

    assert not acl.is_default
    assert [(e.protocol, e.cidr, e.port_range, e.rule_action) for e in acl.rules(egress=False)] == [
        (6, ipaddress.ip_network("10.0.10.0/24"), (5432, 5432), "allow")
    ]
    assert named(demo.subnets, "app-a").cidr_block == ipaddress.ip_network("10.0.10.0/24")


def test_the_bastion_admits_ssh_from_the_office(demo: vpcsim.Network) -> None:
    bastion = named(demo.instances, "bastion")
    [sg] = bastion.security_groups

    assert ingress(sg) == {(6, 22, "203.0.113.0/24")}
    assert bastion.public_ip is not None
    assert bastion.primary_network_interface.elastic_ips  # its public address is an EIP


def test_the_bastion_has_a_second_eni_in_the_app_subnet(demo: vpcsim.Network) -> None:
    # The docstring: "bastion ... has a second ENI in the app subnet (the walkthrough of two ENIs)".
    bastion = named(demo.instances, "bastion")

    assert len(bastion.network_interfaces) == 2
    assert bastion.network_interfaces[1].subnet.name == "app-a"


def test_monitoring_in_the_shared_vpc_reaches_api_over_peering(demo: vpcsim.Network) -> None:
    app, shared = named(demo.vpcs, "app"), named(demo.vpcs, "shared")
    assert shared.cidr_block == ipaddress.ip_network("10.1.0.0/16")
    [pcx] = demo.vpc_peering_connections
    monitoring = named(demo.instances, "monitoring")

    assert pcx.status == "active"
    assert {pcx.requester_vpc, pcx.accepter_vpc} == {app, shared}
    assert monitoring.vpc is shared
    # routes on both sides (I5): the shared side back to the app subnet, the app subnet towards the shared VPC
    assert default_route(monitoring.subnet, "10.0.10.0/24").target == pcx.id
    assert default_route(named(demo.subnets, "app-a"), "10.1.0.0/16").target == pcx.id
    # G2: api's SG references monitoring's SG across the peering
    [monitoring_sg] = monitoring.security_groups
    assert (6, 9100, monitoring_sg.id) in ingress(group(demo, app, "api"))
