"""Internet gateways and egress-only internet gateways: attachment rules, refusals, blackhole routes (R6, I3, P3)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


def route_to(table: vpcsim.RouteTable, destination: str) -> vpcsim.Route:
    return next(r for r in table.routes if r.destination_key == destination)


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=11)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", name="lab", amazon_provided_ipv6_cidr_block=True)


@pytest.fixture
def subnet(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.Subnet:
    return net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="public")


@pytest.fixture
def igw(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.InternetGateway:
    gateway = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(gateway, vpc)
    return gateway


def test_attach_internet_gateway_attaches_it_to_the_vpc(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    igw = net.create_internet_gateway(name="igw")
    assert igw.id.startswith("igw-")
    assert igw.vpc is None

    net.attach_internet_gateway(igw.id, vpc.id)  # ids work as well as objects

    assert igw.vpc is vpc
    assert net.internet_gateways == [igw]


def test_an_internet_gateway_attaches_to_one_vpc_only(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    other = net.create_vpc("10.1.0.0/16", name="other")

    with refused(net, "Resource.AlreadyAssociated", igw.id, vpc.id):
        net.attach_internet_gateway(igw, other)
    assert igw.vpc is vpc


def test_a_vpc_takes_one_internet_gateway(net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway) -> None:
    # AWS: InvalidParameterValue, "Network vpc-... already has an internet gateway attached (igw-...)".
    second = net.create_internet_gateway(name="second")

    with refused(net, "InvalidParameterValue", vpc.id, igw.id) as e:
        net.attach_internet_gateway(second, vpc)
    assert f"Network {vpc.id} already has an internet gateway attached ({igw.id})" in e.message
    assert second.vpc is None
    assert igw.vpc is vpc


def test_an_internet_gateway_attached_elsewhere_is_already_associated_even_for_a_vpc_with_one(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    other = net.create_vpc("10.1.0.0/16", name="other")
    other_igw = net.create_internet_gateway()
    net.attach_internet_gateway(other_igw, other)

    with refused(net, "Resource.AlreadyAssociated", other_igw.id, other.id):
        net.attach_internet_gateway(other_igw, vpc)


def test_attach_unknown_internet_gateway_is_not_found(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with refused(net, "InvalidInternetGatewayID.NotFound", "igw-0123456789abcdef0"):
        net.attach_internet_gateway("igw-0123456789abcdef0", vpc)


def test_detach_an_internet_gateway_that_is_not_attached(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    igw = net.create_internet_gateway()

    with refused(net, "Gateway.NotAttached", igw.id, vpc.id):
        net.detach_internet_gateway(igw, vpc)


def test_detach_from_a_vpc_it_is_not_attached_to(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    other = net.create_vpc("10.1.0.0/16")

    with refused(net, "Gateway.NotAttached", igw.id, other.id):
        net.detach_internet_gateway(igw, other)
    assert igw.vpc is vpc


def test_detach_then_delete(net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway) -> None:
    net.detach_internet_gateway(igw, vpc)
    assert igw.vpc is None

    net.delete_internet_gateway(igw)
    assert igw.id not in net
    assert net.internet_gateways == []


def _auto_public_ip(net: vpcsim.Network, subnet: vpcsim.Subnet) -> tuple[str, Callable[[], None]]:
    instance = net.run_instance(subnet, associate_public_ip=True, name="web")
    assert instance.public_ip is not None
    return instance.primary_network_interface.id, lambda: net.terminate_instance(instance)


def _elastic_ip(net: vpcsim.Network, subnet: vpcsim.Subnet) -> tuple[str, Callable[[], None]]:
    instance = net.run_instance(subnet, name="web")
    eip = net.allocate_address()
    net.associate_address(eip, instance=instance)
    assert instance.public_ip == eip.public_ip
    return instance.primary_network_interface.id, lambda: net.disassociate_address(eip)


def _nat_gateway(net: vpcsim.Network, subnet: vpcsim.Subnet) -> tuple[str, Callable[[], None]]:
    nat = net.create_nat_gateway(subnet, allocation=net.allocate_address())
    return nat.network_interface.id, lambda: net.delete_nat_gateway(nat)


@pytest.mark.parametrize("mapping", [_auto_public_ip, _elastic_ip, _nat_gateway], ids=lambda f: f.__name__[1:])
def test_detach_is_refused_while_a_public_address_is_mapped(
    net: vpcsim.Network,
    vpc: vpcsim.Vpc,
    subnet: vpcsim.Subnet,
    igw: vpcsim.InternetGateway,
    mapping: Callable[[vpcsim.Network, vpcsim.Subnet], tuple[str, Callable[[], None]]],
) -> None:
    # SPEC P3: the IGW holds the public mappings; AWS asks to unmap them before detaching.
    eni_id, unmap = mapping(net, subnet)

    with refused(net, "DependencyViolation", vpc.id, eni_id):
        net.detach_internet_gateway(igw, vpc)
    assert igw.vpc is vpc

    unmap()
    net.detach_internet_gateway(igw, vpc)
    assert igw.vpc is None


def test_a_public_address_in_another_vpc_does_not_block_detach(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    other = net.create_vpc("10.1.0.0/16")
    other_igw = net.create_internet_gateway()
    net.attach_internet_gateway(other_igw, other)
    other_subnet = net.create_subnet(other, "10.1.0.0/24")
    net.run_instance(other_subnet, associate_public_ip=True)

    net.detach_internet_gateway(igw, vpc)

    assert igw.vpc is None
    assert other_igw.vpc is other


def test_delete_an_attached_internet_gateway_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    with refused(net, "DependencyViolation", igw.id, vpc.id):
        net.delete_internet_gateway(igw)
    assert igw.id in net


def test_route_to_an_unattached_internet_gateway_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # AWS: InvalidParameterValue, "route table rtb-... and network gateway igw-... belong to different networks".
    igw = net.create_internet_gateway()
    table = vpc.main_route_table

    with refused(net, "InvalidParameterValue", table.id, igw.id) as e:
        net.create_route(table, "0.0.0.0/0", igw)
    assert f"route table {table.id} and network gateway {igw.id} belong to different networks" in e.message


def test_route_to_an_internet_gateway_of_another_vpc_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    other = net.create_vpc("10.1.0.0/16")

    with refused(net, "InvalidParameterValue", other.main_route_table.id, igw.id, "belong to different networks"):
        net.create_route(other.main_route_table, "0.0.0.0/0", igw)


def test_edge_association_with_an_unattached_internet_gateway_is_still_not_attached(
    net: vpcsim.Network, vpc: vpcsim.Vpc
) -> None:
    igw = net.create_internet_gateway()
    table = net.create_route_table(vpc)

    with refused(net, "Gateway.NotAttached", igw.id, vpc.id):
        net.associate_route_table(table, igw)


def test_routes_to_a_detached_internet_gateway_blackhole_and_recover_on_reattach(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    table = net.create_route_table(vpc, name="public-rt")
    net.create_route(table, "0.0.0.0/0", igw)
    net.create_route(table, "::/0", igw.id)
    assert {route_to(table, d).state for d in ("0.0.0.0/0", "::/0")} == {"active"}

    net.detach_internet_gateway(igw, vpc)
    # SPEC R6: the routes stay, as blackholes.
    for destination in ("0.0.0.0/0", "::/0"):
        route = route_to(table, destination)
        assert (route.target, route.state) == (igw.id, "blackhole")

    net.attach_internet_gateway(igw, vpc)
    assert {route_to(table, d).state for d in ("0.0.0.0/0", "::/0")} == {"active"}


def test_routes_to_a_deleted_internet_gateway_stay_as_blackholes(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    net.detach_internet_gateway(igw, vpc)
    net.delete_internet_gateway(igw)

    route = route_to(vpc.main_route_table, "0.0.0.0/0")
    assert (route.target, route.state) == (igw.id, "blackhole")


def test_routes_to_an_internet_gateway_attached_elsewhere_stay_blackholes(
    net: vpcsim.Network, vpc: vpcsim.Vpc, igw: vpcsim.InternetGateway
) -> None:
    net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    net.detach_internet_gateway(igw, vpc)
    other = net.create_vpc("10.1.0.0/16")

    net.attach_internet_gateway(igw, other)

    assert route_to(vpc.main_route_table, "0.0.0.0/0").state == "blackhole"


# ---------------------------------------------------------------------- egress-only internet gateways


@pytest.fixture
def eigw(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.EgressOnlyInternetGateway:
    return net.create_egress_only_internet_gateway(vpc, name="eigw")


def test_egress_only_gateway_routes_ipv6(
    net: vpcsim.Network, vpc: vpcsim.Vpc, eigw: vpcsim.EgressOnlyInternetGateway
) -> None:
    assert eigw.id.startswith("eigw-")
    assert eigw.vpc is vpc

    route = net.create_route(vpc.main_route_table, "::/0", eigw)

    assert (route.target, route.state, str(route.destination)) == (eigw.id, "active", "::/0")


@pytest.mark.parametrize("destination", ["0.0.0.0/0", "198.51.100.0/24", "192.0.2.7/32"])
def test_egress_only_gateway_refuses_ipv4_destinations(
    net: vpcsim.Network, vpc: vpcsim.Vpc, eigw: vpcsim.EgressOnlyInternetGateway, destination: str
) -> None:
    # SPEC I3: IPv6 only.
    with refused(net, "InvalidParameterValue", destination):
        net.create_route(vpc.main_route_table, destination, eigw)


def test_egress_only_gateway_of_another_vpc_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    other = net.create_vpc("10.1.0.0/16", amazon_provided_ipv6_cidr_block=True)
    foreign = net.create_egress_only_internet_gateway(other)

    with refused(net, "InvalidParameterValue", foreign.id):
        net.create_route(vpc.main_route_table, "::/0", foreign)


def test_deleting_an_egress_only_gateway_blackholes_its_routes(
    net: vpcsim.Network, vpc: vpcsim.Vpc, eigw: vpcsim.EgressOnlyInternetGateway
) -> None:
    table = net.create_route_table(vpc, name="private-rt")
    net.create_route(table, "::/0", eigw)

    net.delete_egress_only_internet_gateway(eigw)

    assert eigw.id not in net
    route = route_to(table, "::/0")
    assert (route.target, route.state) == (eigw.id, "blackhole")
