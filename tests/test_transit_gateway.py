"""Transit gateways: default route table, VPC attachments, associations, propagations, static and blackhole routes."""

from __future__ import annotations

import ipaddress

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


def routes_of(table: vpcsim.TransitGatewayRouteTable) -> set[tuple[str, str | None, str, str]]:
    """(destination, attachment, type, state) of every route, as a user reads the table."""
    return {(str(r.destination), r.attachment_id, r.type, r.state) for r in table.routes}


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=3)


@pytest.fixture
def app(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", name="app")


@pytest.fixture
def app_subnets(net: vpcsim.Network, app: vpcsim.Vpc) -> list[vpcsim.Subnet]:
    return [
        net.create_subnet(app, "10.0.0.0/28", az="us-east-1a", name="tgw-a"),
        net.create_subnet(app, "10.0.0.16/28", az="us-east-1b", name="tgw-b"),
    ]


@pytest.fixture
def shared(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.1.0.0/16", name="shared")


@pytest.fixture
def shared_subnet(net: vpcsim.Network, shared: vpcsim.Vpc) -> vpcsim.Subnet:
    return net.create_subnet(shared, "10.1.0.0/28", az="us-east-1a", name="tgw-shared")


@pytest.fixture
def tgw(net: vpcsim.Network) -> vpcsim.TransitGateway:
    return net.create_transit_gateway(name="hub")


@pytest.fixture
def default_table(net: vpcsim.Network, tgw: vpcsim.TransitGateway) -> vpcsim.TransitGatewayRouteTable:
    table = net.get(tgw.default_route_table_id or "")
    assert isinstance(table, vpcsim.TransitGatewayRouteTable)
    return table


@pytest.fixture
def app_attachment(
    net: vpcsim.Network, tgw: vpcsim.TransitGateway, app: vpcsim.Vpc, app_subnets: list[vpcsim.Subnet]
) -> vpcsim.TransitGatewayAttachment:
    return net.create_transit_gateway_vpc_attachment(tgw, app, app_subnets, name="app-attach")


@pytest.fixture
def shared_attachment(
    net: vpcsim.Network, tgw: vpcsim.TransitGateway, shared: vpcsim.Vpc, shared_subnet: vpcsim.Subnet
) -> vpcsim.TransitGatewayAttachment:
    return net.create_transit_gateway_vpc_attachment(tgw, shared, [shared_subnet])


# ---------------------------------------------------------------------- transit gateways


def test_a_transit_gateway_comes_with_its_default_route_table(
    net: vpcsim.Network, tgw: vpcsim.TransitGateway, default_table: vpcsim.TransitGatewayRouteTable
) -> None:
    assert tgw.id.startswith("tgw-")
    assert tgw.default_route_table_association
    assert tgw.default_route_table_propagation
    assert default_table.id.startswith("tgw-rtb-")
    assert default_table.transit_gateway is tgw
    assert default_table.routes == []
    assert net.transit_gateway_route_tables == [default_table]


def test_a_transit_gateway_with_defaults_off_has_no_route_table(net: vpcsim.Network) -> None:
    tgw = net.create_transit_gateway(default_route_table_association=False, default_route_table_propagation=False)

    assert tgw.default_route_table_id is None
    assert net.transit_gateway_route_tables == []


@pytest.mark.parametrize(("association", "propagation"), [(True, False), (False, True)])
def test_either_default_on_makes_the_default_route_table(
    net: vpcsim.Network, association: bool, propagation: bool
) -> None:
    tgw = net.create_transit_gateway(
        default_route_table_association=association, default_route_table_propagation=propagation
    )

    assert [t.id for t in net.transit_gateway_route_tables] == [tgw.default_route_table_id]


@pytest.mark.parametrize("asn", [64512, 65534, 4200000000, 4294967294])
def test_a_transit_gateway_takes_a_private_amazon_side_asn(net: vpcsim.Network, asn: int) -> None:
    assert net.create_transit_gateway(amazon_side_asn=asn).amazon_side_asn == asn


@pytest.mark.parametrize("asn", [0, 7224, 64511, 65535, 4199999999, 4294967295, True, "64512", None])
def test_a_transit_gateway_refuses_a_public_or_malformed_amazon_side_asn(net: vpcsim.Network, asn: object) -> None:
    # AWS: the Amazon side ASN is private, 64512-65534 or 4200000000-4294967294.
    with refused(net, "InvalidParameterValue", f"({asn!r})", "amazonSideAsn"):
        net.create_transit_gateway(amazon_side_asn=asn)  # type: ignore[arg-type]
    assert net.transit_gateways == []
    assert net.transit_gateway_route_tables == []


def test_delete_a_transit_gateway_with_attachments_is_refused(
    net: vpcsim.Network, tgw: vpcsim.TransitGateway, app_attachment: vpcsim.TransitGatewayAttachment
) -> None:
    with refused(net, "IncorrectState", tgw.id, app_attachment.id):
        net.delete_transit_gateway(tgw)


def test_delete_a_transit_gateway_removes_its_route_tables(
    net: vpcsim.Network,
    tgw: vpcsim.TransitGateway,
    default_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    custom = net.create_transit_gateway_route_table(tgw)
    net.delete_transit_gateway_vpc_attachment(app_attachment)

    net.delete_transit_gateway(tgw)

    assert {tgw.id, default_table.id, custom.id}.isdisjoint({r.id for r in net})
    assert net.transit_gateway_route_tables == []


# ---------------------------------------------------------------------- VPC attachments


def test_a_vpc_attachment_places_one_requester_managed_eni_per_subnet(
    net: vpcsim.Network,
    tgw: vpcsim.TransitGateway,
    app: vpcsim.Vpc,
    app_subnets: list[vpcsim.Subnet],
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    assert app_attachment.id.startswith("tgw-attach-")
    assert (app_attachment.transit_gateway, app_attachment.vpc) == (tgw, app)
    assert (app_attachment.resource_type, app_attachment.resource_id) == ("vpc", app.id)
    assert app_attachment.subnets == app_subnets
    enis = app_attachment.network_interfaces
    assert [e.subnet for e in enis] == app_subnets
    for eni in enis:
        assert eni.requester_managed
        assert eni.interface_type == "transit_gateway"
        assert eni.instance is None
        assert eni.subnet.cidr_block.overlaps(ipaddress.ip_network(f"{eni.private_ip}/32"))
        assert eni.subnet.used_addresses[eni.private_ip] == eni.id


def test_the_eni_of_an_attachment_cannot_be_deleted(
    net: vpcsim.Network, app_attachment: vpcsim.TransitGatewayAttachment
) -> None:
    eni = app_attachment.network_interfaces[0]

    with refused(net, "OperationNotPermitted", eni.id):
        net.delete_network_interface(eni)  # SPEC E6


def test_two_subnets_in_one_zone_are_refused(
    net: vpcsim.Network, tgw: vpcsim.TransitGateway, app: vpcsim.Vpc, app_subnets: list[vpcsim.Subnet]
) -> None:
    same_zone = net.create_subnet(app, "10.0.0.32/28", az="us-east-1a")

    with refused(net, "DuplicateSubnetsInSameZone", app_subnets[0].id, same_zone.id, "us-east-1a"):
        net.create_transit_gateway_vpc_attachment(tgw, app, [app_subnets[0], same_zone])
    assert net.transit_gateway_attachments == []


def test_a_subnet_of_another_vpc_is_refused(
    net: vpcsim.Network,
    tgw: vpcsim.TransitGateway,
    app: vpcsim.Vpc,
    app_subnets: list[vpcsim.Subnet],
    shared_subnet: vpcsim.Subnet,
) -> None:
    with refused(net, "InvalidParameterValue", shared_subnet.id, app.id):
        net.create_transit_gateway_vpc_attachment(tgw, app, [app_subnets[0], shared_subnet])


def test_an_attachment_needs_a_subnet(net: vpcsim.Network, tgw: vpcsim.TransitGateway, app: vpcsim.Vpc) -> None:
    with refused(net, "InvalidParameterValue"):
        net.create_transit_gateway_vpc_attachment(tgw, app, [])


def test_a_vpc_attaches_once_to_a_transit_gateway(
    net: vpcsim.Network,
    tgw: vpcsim.TransitGateway,
    app: vpcsim.Vpc,
    app_subnets: list[vpcsim.Subnet],
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    with refused(net, "DuplicateTransitGatewayAttachment", app.id, tgw.id):
        net.create_transit_gateway_vpc_attachment(tgw, app, app_subnets[:1])


def test_default_association_and_propagation(
    net: vpcsim.Network,
    app: vpcsim.Vpc,
    default_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
    shared_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    assert app_attachment.association is default_table
    assert shared_attachment.association is default_table
    assert routes_of(default_table) == {
        ("10.0.0.0/16", app_attachment.id, "propagated", "active"),
        ("10.1.0.0/16", shared_attachment.id, "propagated", "active"),
    }


def test_propagated_routes_follow_the_vpc_cidrs(
    net: vpcsim.Network,
    app: vpcsim.Vpc,
    default_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    net.associate_vpc_cidr_block(app, "10.2.0.0/16")

    assert routes_of(default_table) == {
        ("10.0.0.0/16", app_attachment.id, "propagated", "active"),
        ("10.2.0.0/16", app_attachment.id, "propagated", "active"),
    }


def test_defaults_off_leave_an_attachment_unassociated_and_unpropagated(
    net: vpcsim.Network, app: vpcsim.Vpc, app_subnets: list[vpcsim.Subnet]
) -> None:
    tgw = net.create_transit_gateway(default_route_table_association=False, default_route_table_propagation=False)
    custom = net.create_transit_gateway_route_table(tgw)

    attachment = net.create_transit_gateway_vpc_attachment(tgw, app, app_subnets)

    assert attachment.association is None
    assert custom.routes == []


def test_deleting_an_attachment_blackholes_its_static_routes_and_drops_its_propagations(
    net: vpcsim.Network,
    app_subnets: list[vpcsim.Subnet],
    default_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
    shared_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    net.create_transit_gateway_route(default_table, "192.168.0.0/16", app_attachment)
    eni_ids = [e.id for e in app_attachment.network_interfaces]

    net.delete_transit_gateway_vpc_attachment(app_attachment.id)

    assert app_attachment.id not in net
    assert routes_of(default_table) == {
        ("192.168.0.0/16", app_attachment.id, "static", "blackhole"),  # SPEC R6
        ("10.1.0.0/16", shared_attachment.id, "propagated", "active"),
    }
    assert not any(e in net for e in eni_ids)
    for subnet in app_subnets:  # the attachment's ENIs are gone, so its subnets can go too
        net.delete_subnet(subnet)


# ---------------------------------------------------------------------- custom route tables


@pytest.fixture
def custom_table(net: vpcsim.Network, tgw: vpcsim.TransitGateway) -> vpcsim.TransitGatewayRouteTable:
    return net.create_transit_gateway_route_table(tgw, name="isolated")


def test_an_attachment_associates_with_one_route_table(
    net: vpcsim.Network,
    default_table: vpcsim.TransitGatewayRouteTable,
    custom_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    with refused(net, "Resource.AlreadyAssociated", app_attachment.id, default_table.id):
        net.associate_transit_gateway_route_table(custom_table, app_attachment)

    net.disassociate_transit_gateway_route_table(default_table, app_attachment)
    net.associate_transit_gateway_route_table(custom_table.id, app_attachment.id)

    assert app_attachment.association is custom_table


def test_a_route_table_of_another_transit_gateway_is_refused(
    net: vpcsim.Network,
    default_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    other = net.create_transit_gateway(default_route_table_association=False, default_route_table_propagation=False)
    foreign = net.create_transit_gateway_route_table(other)

    with refused(net, "InvalidParameterValue", app_attachment.id, foreign.id):
        net.enable_transit_gateway_route_table_propagation(foreign, app_attachment)
    with refused(net, "InvalidParameterValue", app_attachment.id, foreign.id):
        net.create_transit_gateway_route(foreign, "192.168.0.0/16", app_attachment)


def test_propagation_enable_and_disable(
    net: vpcsim.Network,
    custom_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    net.enable_transit_gateway_route_table_propagation(custom_table, app_attachment)
    assert routes_of(custom_table) == {("10.0.0.0/16", app_attachment.id, "propagated", "active")}

    with refused(net, "TransitGatewayRouteTablePropagation.Duplicate", app_attachment.id, custom_table.id):
        net.enable_transit_gateway_route_table_propagation(custom_table, app_attachment)

    net.disable_transit_gateway_route_table_propagation(custom_table, app_attachment)
    assert custom_table.routes == []


def test_static_and_blackhole_routes(
    net: vpcsim.Network,
    custom_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    static = net.create_transit_gateway_route(custom_table, "192.168.0.0/16", app_attachment)
    dropped = net.create_transit_gateway_route(custom_table, "172.16.0.0/12", blackhole=True)

    assert (static.attachment_id, static.type, static.state) == (app_attachment.id, "static", "active")
    assert (dropped.attachment_id, dropped.type, dropped.state) == (None, "static", "blackhole")
    assert routes_of(custom_table) == {
        ("192.168.0.0/16", app_attachment.id, "static", "active"),
        ("172.16.0.0/12", None, "static", "blackhole"),
    }

    net.delete_transit_gateway_route(custom_table, "172.16.0.0/12")
    assert routes_of(custom_table) == {("192.168.0.0/16", app_attachment.id, "static", "active")}


@pytest.mark.parametrize("blackhole", [False, True])
def test_a_static_route_to_an_existing_destination_is_refused(
    net: vpcsim.Network,
    custom_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
    blackhole: bool,
) -> None:
    net.create_transit_gateway_route(custom_table, "192.168.0.0/16", app_attachment)

    with refused(net, "RouteAlreadyExists", "192.168.0.0/16", custom_table.id):
        if blackhole:
            net.create_transit_gateway_route(custom_table, "192.168.0.0/16", blackhole=True)
        else:
            net.create_transit_gateway_route(custom_table, "192.168.0.0/16", app_attachment)


def test_a_static_route_may_shadow_a_propagated_one(
    net: vpcsim.Network,
    custom_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    net.enable_transit_gateway_route_table_propagation(custom_table, app_attachment)

    net.create_transit_gateway_route(custom_table, "10.0.0.0/16", blackhole=True)

    assert routes_of(custom_table) == {
        ("10.0.0.0/16", None, "static", "blackhole"),
        ("10.0.0.0/16", app_attachment.id, "propagated", "active"),
    }


@pytest.mark.parametrize("with_attachment", [False, True], ids=["neither", "both"])
def test_a_static_route_needs_exactly_one_of_attachment_or_blackhole(
    net: vpcsim.Network,
    custom_table: vpcsim.TransitGatewayRouteTable,
    app_attachment: vpcsim.TransitGatewayAttachment,
    with_attachment: bool,
) -> None:
    with refused(net, "InvalidParameterCombination"):
        if with_attachment:
            net.create_transit_gateway_route(custom_table, "192.168.0.0/16", app_attachment, blackhole=True)
        else:
            net.create_transit_gateway_route(custom_table, "192.168.0.0/16")


# ---------------------------------------------------------------------- VPC route tables pointing at the TGW


def test_a_vpc_route_to_the_transit_gateway_needs_an_attachment(
    net: vpcsim.Network, tgw: vpcsim.TransitGateway, app: vpcsim.Vpc
) -> None:
    # AWS answers CreateRoute to a TGW the VPC is not attached to with InvalidTransitGatewayID.NotFound.
    with refused(net, "InvalidTransitGatewayID.NotFound", tgw.id):
        net.create_route(app.main_route_table, "10.1.0.0/16", tgw)


def test_a_vpc_route_to_the_transit_gateway_through_its_attachment(
    net: vpcsim.Network,
    tgw: vpcsim.TransitGateway,
    app: vpcsim.Vpc,
    shared: vpcsim.Vpc,
    app_attachment: vpcsim.TransitGatewayAttachment,
) -> None:
    route = net.create_route(app.main_route_table, "10.1.0.0/16", tgw)
    assert (route.target, route.state, route.target_kind) == (tgw.id, "active", "transit-gateway")

    before = net.snapshot()
    with pytest.raises(vpcsim.AwsError, match=tgw.id):  # shared is not attached (its code: see the test above)
        net.create_route(shared.main_route_table, "10.0.0.0/16", tgw)
    assert net.snapshot() == before

    net.delete_transit_gateway_vpc_attachment(app_attachment)
    route = next(r for r in app.main_route_table.routes if r.destination_key == "10.1.0.0/16")
    assert (route.target, route.state) == (tgw.id, "blackhole")


def test_delete_a_route_table_only_once_nothing_uses_it(
    net: vpcsim.Network, tgw: vpcsim.TransitGateway, app_attachment: vpcsim.TransitGatewayAttachment
) -> None:
    table = net.create_transit_gateway_route_table(tgw, name="spoke")
    net.disassociate_transit_gateway_route_table(tgw.default_route_table_id or "", app_attachment)
    net.associate_transit_gateway_route_table(table, app_attachment)
    with refused(net, "IncorrectState", app_attachment.id):
        net.delete_transit_gateway_route_table(table)
    net.disassociate_transit_gateway_route_table(table, app_attachment)
    net.delete_transit_gateway_route_table(table)
    assert table.id not in net
    with refused(net, "InvalidRouteTableID.NotFound", table.id):
        net.delete_transit_gateway_route_table(table)


def test_deleting_the_default_route_table_clears_the_default(net: vpcsim.Network, tgw: vpcsim.TransitGateway) -> None:
    default = tgw.default_route_table_id
    assert default is not None
    net.delete_transit_gateway_route_table(default)
    assert tgw.default_route_table_id is None
    assert net.transit_gateway_route_tables == []
