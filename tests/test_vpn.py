"""Site-to-site VPN: virtual private gateways, customer gateways, VPN connections and route propagation."""

from __future__ import annotations

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


def propagated(table: vpcsim.RouteTable) -> set[tuple[str, str, str]]:
    """(destination, target, state) of the routes a VGW propagated into ``table``."""
    return {(r.destination_key, r.target, r.state) for r in table.routes if r.origin == "EnableVgwRoutePropagation"}


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=7)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", name="app")


@pytest.fixture
def vgw(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.VpnGateway:
    gateway = net.create_vpn_gateway(name="vgw", amazon_side_asn=64512)
    net.attach_vpn_gateway(gateway, vpc)
    return gateway


@pytest.fixture
def cgw(net: vpcsim.Network) -> vpcsim.CustomerGateway:
    return net.create_customer_gateway("198.51.100.10", bgp_asn=65010, name="office")


@pytest.fixture
def table(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.RouteTable:
    return net.create_route_table(vpc, name="private-rt")


# ---------------------------------------------------------------------- virtual private gateways


def test_attach_a_vpn_gateway(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    vgw = net.create_vpn_gateway()
    assert vgw.id.startswith("vgw-")
    assert vgw.vpc is None

    net.attach_vpn_gateway(vgw.id, vpc.id)

    assert vgw.vpc is vpc


def test_a_vpn_gateway_attached_to_a_vpc_cannot_attach_to_another(
    net: vpcsim.Network, vpc: vpcsim.Vpc, vgw: vpcsim.VpnGateway
) -> None:
    # AWS: VpnGatewayAttachmentLimitExceeded, the VGW's VPC limit (one) is reached.
    other = net.create_vpc("10.1.0.0/16")

    with refused(net, "VpnGatewayAttachmentLimitExceeded", vgw.id):
        net.attach_vpn_gateway(vgw, other)
    assert vgw.vpc is vpc


def test_a_vpc_takes_one_vpn_gateway(net: vpcsim.Network, vpc: vpcsim.Vpc, vgw: vpcsim.VpnGateway) -> None:
    # AWS: InvalidVpcState, "The specified VPC already has a virtual private gateway attached to it."
    second = net.create_vpn_gateway()

    with refused(net, "InvalidVpcState", vpc.id):
        net.attach_vpn_gateway(second, vpc)
    assert second.vpc is None


def test_detach_a_vpn_gateway_that_is_not_attached(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    # AWS: InvalidVpnGatewayAttachment.NotFound, no attachment between that VGW and that VPC.
    vgw = net.create_vpn_gateway()

    with refused(net, "InvalidVpnGatewayAttachment.NotFound", vgw.id, vpc.id):
        net.detach_vpn_gateway(vgw, vpc)


def test_delete_an_attached_vpn_gateway_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, vgw: vpcsim.VpnGateway
) -> None:
    with refused(net, "IncorrectState", vgw.id):
        net.delete_vpn_gateway(vgw)

    net.detach_vpn_gateway(vgw, vpc)
    net.delete_vpn_gateway(vgw)
    assert vgw.id not in net


def test_delete_a_vpn_gateway_with_a_vpn_connection_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, vgw: vpcsim.VpnGateway, cgw: vpcsim.CustomerGateway
) -> None:
    vpn = net.create_vpn_connection(cgw, vpn_gateway=vgw)
    net.detach_vpn_gateway(vgw, vpc)

    with refused(net, "IncorrectState", vgw.id):
        net.delete_vpn_gateway(vgw)

    net.delete_vpn_connection(vpn)
    net.delete_vpn_gateway(vgw)
    assert vgw.id not in net


def test_static_routes_to_a_vpn_gateway_blackhole_when_it_detaches(
    net: vpcsim.Network, vpc: vpcsim.Vpc, vgw: vpcsim.VpnGateway, table: vpcsim.RouteTable
) -> None:
    route = net.create_route(table, "192.168.0.0/16", vgw)
    assert (route.target, route.state) == (vgw.id, "active")

    net.detach_vpn_gateway(vgw, vpc)

    route = table.find_route("192.168.0.0/16")
    assert route is not None
    assert (route.target, route.state) == (vgw.id, "blackhole")  # SPEC R6


def test_a_route_to_an_unattached_vpn_gateway_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, table: vpcsim.RouteTable
) -> None:
    # AWS: InvalidParameterValue, "route table rtb-... and network gateway vgw-... belong to different networks".
    vgw = net.create_vpn_gateway()

    with refused(net, "InvalidParameterValue", table.id, vgw.id) as e:
        net.create_route(table, "192.168.0.0/16", vgw)
    assert f"route table {table.id} and network gateway {vgw.id} belong to different networks" in e.message


def test_a_route_to_a_vpn_gateway_of_another_vpc_is_refused(net: vpcsim.Network, vgw: vpcsim.VpnGateway) -> None:
    other = net.create_vpc("10.1.0.0/16")

    with refused(net, "InvalidParameterValue", other.main_route_table.id, vgw.id, "belong to different networks"):
        net.create_route(other.main_route_table, "192.168.0.0/16", vgw)


@pytest.mark.parametrize("asn", [64512, 65000, 65534, 4200000000, 4294967294])
def test_a_vpn_gateway_takes_a_private_amazon_side_asn(net: vpcsim.Network, asn: int) -> None:
    assert net.create_vpn_gateway(amazon_side_asn=asn).amazon_side_asn == asn


@pytest.mark.parametrize("asn", [0, 1, 7224, 64511, 65535, 4199999999, 4294967295, -64512, True, "64512", 64512.0])
def test_a_vpn_gateway_refuses_a_public_or_malformed_amazon_side_asn(net: vpcsim.Network, asn: object) -> None:
    with refused(net, "InvalidParameterValue", f"({asn!r})", "amazonSideAsn"):
        net.create_vpn_gateway(amazon_side_asn=asn)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- customer gateways


def test_create_and_delete_a_customer_gateway(net: vpcsim.Network, cgw: vpcsim.CustomerGateway) -> None:
    assert cgw.id.startswith("cgw-")
    assert (str(cgw.ip_address), cgw.bgp_asn, cgw.name) == ("198.51.100.10", 65010, "office")

    net.delete_customer_gateway(cgw)

    assert net.customer_gateways == []


@pytest.mark.parametrize("address", ["not-an-address", "2001:db8::1", "198.51.100.0/24"])
def test_a_customer_gateway_needs_an_ipv4_address(net: vpcsim.Network, address: str) -> None:
    with refused(net, "InvalidParameterValue", address):
        net.create_customer_gateway(address)


@pytest.mark.parametrize("asn", [1, 7224, 65000, 65535, 4294967294])
def test_a_customer_gateway_takes_any_bgp_asn_from_1(net: vpcsim.Network, asn: int) -> None:
    assert net.create_customer_gateway("198.51.100.20", bgp_asn=asn).bgp_asn == asn


@pytest.mark.parametrize("asn", [0, -1, 4294967295, True, "65000", 65000.0])
def test_a_customer_gateway_refuses_a_bgp_asn_out_of_range(net: vpcsim.Network, asn: object) -> None:
    with refused(net, "InvalidParameterValue", f"({asn!r})", "bgpAsn"):
        net.create_customer_gateway("198.51.100.20", bgp_asn=asn)  # type: ignore[arg-type]


def test_a_customer_gateway_in_use_cannot_be_deleted(
    net: vpcsim.Network, vgw: vpcsim.VpnGateway, cgw: vpcsim.CustomerGateway
) -> None:
    vpn = net.create_vpn_connection(cgw, vpn_gateway=vgw)

    with refused(net, "IncorrectState", cgw.id):
        net.delete_customer_gateway(cgw)

    net.delete_vpn_connection(vpn)
    net.delete_customer_gateway(cgw)
    assert cgw.id not in net


# ---------------------------------------------------------------------- VPN connections to a VGW


@pytest.mark.parametrize("gateways", ["neither", "both"])
def test_a_vpn_connection_ends_on_exactly_one_gateway(
    net: vpcsim.Network, vgw: vpcsim.VpnGateway, cgw: vpcsim.CustomerGateway, gateways: str
) -> None:
    tgw = net.create_transit_gateway()

    with refused(net, "InvalidParameterCombination"):
        if gateways == "both":
            net.create_vpn_connection(cgw, vpn_gateway=vgw, transit_gateway=tgw)
        else:
            net.create_vpn_connection(cgw)


def test_vgw_route_propagation_follows_the_vpn_static_routes(
    net: vpcsim.Network, vgw: vpcsim.VpnGateway, cgw: vpcsim.CustomerGateway, table: vpcsim.RouteTable
) -> None:
    vpn = net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"], name="office-vpn")
    assert vpn.id.startswith("vpn-")
    assert (vpn.customer_gateway, vpn.vpn_gateway_id, vpn.transit_gateway_id) == (cgw, vgw.id, None)
    assert propagated(table) == set()  # nothing until propagation is enabled

    net.enable_vgw_route_propagation(table, vgw)
    assert propagated(table) == {("192.168.0.0/16", vgw.id, "active")}

    net.create_vpn_connection_route(vpn, "172.16.0.0/16")
    assert propagated(table) == {("192.168.0.0/16", vgw.id, "active"), ("172.16.0.0/16", vgw.id, "active")}

    net.delete_vpn_connection_route(vpn, "192.168.0.0/16")
    assert propagated(table) == {("172.16.0.0/16", vgw.id, "active")}

    net.delete_vpn_connection(vpn)
    assert propagated(table) == set()


def test_routes_of_a_vpn_created_after_propagation_appear(
    net: vpcsim.Network, vgw: vpcsim.VpnGateway, cgw: vpcsim.CustomerGateway, table: vpcsim.RouteTable
) -> None:
    net.enable_vgw_route_propagation(table, vgw)
    assert propagated(table) == set()

    net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])

    assert propagated(table) == {("192.168.0.0/16", vgw.id, "active")}


def test_propagated_routes_go_when_propagation_is_disabled_or_the_vgw_detaches(
    net: vpcsim.Network,
    vpc: vpcsim.Vpc,
    vgw: vpcsim.VpnGateway,
    cgw: vpcsim.CustomerGateway,
    table: vpcsim.RouteTable,
) -> None:
    net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])
    net.enable_vgw_route_propagation(table, vgw)
    net.enable_vgw_route_propagation(vpc.main_route_table, vgw)

    net.disable_vgw_route_propagation(table, vgw)
    assert propagated(table) == set()
    assert propagated(vpc.main_route_table) == {("192.168.0.0/16", vgw.id, "active")}

    net.detach_vpn_gateway(vgw, vpc)
    assert propagated(vpc.main_route_table) == set()


def test_a_static_route_and_a_propagated_route_to_one_destination_coexist(
    net: vpcsim.Network, vgw: vpcsim.VpnGateway, cgw: vpcsim.CustomerGateway, table: vpcsim.RouteTable
) -> None:
    net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])
    net.enable_vgw_route_propagation(table, vgw)

    static = net.create_route(table, "192.168.0.0/16", vgw)

    assert static.origin == "CreateRoute"
    assert propagated(table) == {("192.168.0.0/16", vgw.id, "active")}
    assert table.find_route("192.168.0.0/16") == static


def test_vgw_route_propagation_needs_the_vgw_attached_to_the_vpc(
    net: vpcsim.Network, vpc: vpcsim.Vpc, table: vpcsim.RouteTable
) -> None:
    vgw = net.create_vpn_gateway()

    with refused(net, "Gateway.NotAttached", vgw.id, vpc.id):
        net.enable_vgw_route_propagation(table, vgw)


def test_vpn_connection_route_refusals(
    net: vpcsim.Network, vgw: vpcsim.VpnGateway, cgw: vpcsim.CustomerGateway
) -> None:
    vpn = net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])

    with refused(net, "RouteAlreadyExists", "192.168.0.0/16", vpn.id):
        net.create_vpn_connection_route(vpn, "192.168.0.0/16")
    with refused(net, "InvalidRoute.NotFound", "172.16.0.0/16", vpn.id):
        net.delete_vpn_connection_route(vpn, "172.16.0.0/16")


# ---------------------------------------------------------------------- VPN connections to a transit gateway


def test_a_vpn_to_a_transit_gateway_makes_a_vpn_attachment_whose_routes_propagate(
    net: vpcsim.Network, cgw: vpcsim.CustomerGateway
) -> None:
    tgw = net.create_transit_gateway()
    default_table = net.get(tgw.default_route_table_id or "")
    assert isinstance(default_table, vpcsim.TransitGatewayRouteTable)

    vpn = net.create_vpn_connection(cgw, transit_gateway=tgw, static_routes=["192.168.0.0/16", "172.16.0.0/16"])

    [attachment] = net.transit_gateway_attachments
    assert (attachment.resource_type, attachment.resource_id) == ("vpn", vpn.id)
    assert attachment.transit_gateway is tgw
    assert attachment.association is default_table
    assert attachment.network_interfaces == []
    assert {(str(r.destination), r.attachment_id, r.type, r.state) for r in default_table.routes} == {
        ("192.168.0.0/16", attachment.id, "propagated", "active"),
        ("172.16.0.0/16", attachment.id, "propagated", "active"),
    }


def test_deleting_a_transit_gateway_vpn_removes_its_attachment_and_routes(
    net: vpcsim.Network, cgw: vpcsim.CustomerGateway
) -> None:
    tgw = net.create_transit_gateway()
    vpn = net.create_vpn_connection(cgw, transit_gateway=tgw, static_routes=["192.168.0.0/16"])
    [attachment] = net.transit_gateway_attachments

    with refused(net, "InvalidParameterValue", attachment.id):
        net.delete_transit_gateway_vpc_attachment(attachment)  # a vpn attachment goes with its VPN connection
    with refused(net, "IncorrectState", tgw.id, attachment.id):
        net.delete_transit_gateway(tgw)

    net.delete_vpn_connection(vpn)

    assert net.transit_gateway_attachments == []
    assert all(t.routes == [] for t in net.transit_gateway_route_tables)
    net.delete_transit_gateway(tgw)
