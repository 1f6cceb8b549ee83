"""VPC peering connections: lifecycle, refusals, routes on both sides and SG references across them (I5, R6, G2)."""

from __future__ import annotations

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


def route_to(table: vpcsim.RouteTable, destination: str) -> vpcsim.Route:
    return next(r for r in table.routes if r.destination_key == destination)


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=5)


@pytest.fixture
def app(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", name="app")


@pytest.fixture
def shared(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.1.0.0/16", name="shared")


def test_a_peering_is_active_at_creation(net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc) -> None:
    pcx = net.create_vpc_peering_connection(app, shared, name="app-shared")

    assert pcx.id.startswith("pcx-")
    assert pcx.status == "active"
    assert (pcx.requester_vpc, pcx.accepter_vpc) == (app, shared)
    assert pcx.name == "app-shared"
    assert net.vpc_peering_connections == [pcx]


def test_a_peering_without_auto_accept_waits_for_acceptance(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    pcx = net.create_vpc_peering_connection(app, shared, auto_accept=False)
    assert pcx.status == "pending-acceptance"

    net.accept_vpc_peering_connection(pcx.id)
    assert pcx.status == "active"

    with refused(net, "InvalidStateTransition", pcx.id):
        net.accept_vpc_peering_connection(pcx)


def test_peering_overlapping_cidrs_is_created_failed(net: vpcsim.Network, app: vpcsim.Vpc) -> None:
    # SPEC I5: AWS creates the connection, which then fails with "Overlapping CIDRs".
    inside = net.create_vpc("10.0.16.0/20", name="inside")

    pcx = net.create_vpc_peering_connection(app, inside)

    assert pcx.status == "failed"
    assert pcx.status_message.startswith("Overlapping CIDRs: ")
    assert "10.0.0.0/16" in pcx.status_message
    assert "10.0.16.0/20" in pcx.status_message
    assert (pcx.requester_vpc, pcx.accepter_vpc) == (app, inside)
    assert net.vpc_peering_connections == [pcx]


@pytest.fixture
def outer(net: vpcsim.Network) -> vpcsim.Vpc:
    """10.4.0.0/16: outside 10.0.0.0/15, so it may add a block overlapping app's 10.0.0.0/16."""
    return net.create_vpc("10.4.0.0/16", name="outer")


@pytest.mark.parametrize("auto_accept", [True, False])
def test_peering_fails_when_a_secondary_cidr_overlaps(
    net: vpcsim.Network, app: vpcsim.Vpc, outer: vpcsim.Vpc, auto_accept: bool
) -> None:
    net.associate_vpc_cidr_block(outer, "10.0.0.0/16")

    pcx = net.create_vpc_peering_connection(outer, app, auto_accept=auto_accept)

    assert pcx.status == "failed"
    assert "Overlapping CIDRs" in pcx.status_message
    assert "10.0.0.0/16" in pcx.status_message


def test_a_healthy_peering_has_no_status_message(net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc) -> None:
    assert net.create_vpc_peering_connection(app, shared).status_message == ""


def test_routes_to_a_failed_peering_are_refused(net: vpcsim.Network, app: vpcsim.Vpc) -> None:
    inside = net.create_vpc("10.0.16.0/20", name="inside")
    pcx = net.create_vpc_peering_connection(app, inside)

    for table, destination in ((app.main_route_table, "192.168.0.0/16"), (inside.main_route_table, "172.16.0.0/12")):
        with refused(net, "InvalidParameterValue", pcx.id):
            net.create_route(table, destination, pcx)


def test_a_failed_peering_cannot_be_accepted(net: vpcsim.Network, app: vpcsim.Vpc) -> None:
    inside = net.create_vpc("10.0.16.0/20", name="inside")
    pcx = net.create_vpc_peering_connection(app, inside, auto_accept=False)
    assert pcx.status == "failed"

    with refused(net, "InvalidStateTransition", pcx.id):
        net.accept_vpc_peering_connection(pcx)


def test_a_failed_peering_does_not_block_another_one(net: vpcsim.Network, app: vpcsim.Vpc) -> None:
    # A failed connection does not count for VpcPeeringConnectionAlreadyExists.
    inside = net.create_vpc("10.0.16.0/20", name="inside")
    first = net.create_vpc_peering_connection(app, inside)

    second = net.create_vpc_peering_connection(inside, app)

    assert second.id != first.id
    assert (first.status, second.status) == ("failed", "failed")
    net.delete_vpc_peering_connection(first)
    net.delete_vpc_peering_connection(second)
    assert net.vpc_peering_connections == []


def test_a_failed_peering_between_vpcs_that_no_longer_overlap_does_not_block_a_new_one(
    net: vpcsim.Network, app: vpcsim.Vpc, outer: vpcsim.Vpc
) -> None:
    net.associate_vpc_cidr_block(outer, "10.0.0.0/16")
    failed = net.create_vpc_peering_connection(app, outer)
    net.disassociate_vpc_cidr_block(outer, "10.0.0.0/16")

    pcx = net.create_vpc_peering_connection(app, outer)

    assert (failed.status, pcx.status) == ("failed", "active")


def test_a_pending_peering_whose_vpcs_come_to_overlap_fails_at_once(
    net: vpcsim.Network, app: vpcsim.Vpc, outer: vpcsim.Vpc
) -> None:
    # SPEC I5: the accepter added an overlapping block while the peering was pending: the request fails.
    pcx = net.create_vpc_peering_connection(app, outer, auto_accept=False)
    route = net.create_route(app.main_route_table, "10.4.0.0/16", pcx)
    assert route.state == "blackhole"

    net.associate_vpc_cidr_block(outer, "10.0.128.0/17")

    assert pcx.status == "failed"
    assert "Overlapping CIDRs" in pcx.status_message
    assert "10.0.128.0/17" in pcx.status_message
    assert route_to(app.main_route_table, "10.4.0.0/16").state == "blackhole"
    with refused(net, "InvalidStateTransition", pcx.id):
        net.accept_vpc_peering_connection(pcx)


def test_a_vpc_cannot_peer_with_itself(net: vpcsim.Network, app: vpcsim.Vpc) -> None:
    with refused(net, "InvalidParameterValue", app.id):
        net.create_vpc_peering_connection(app, app)


@pytest.mark.parametrize("auto_accept", [True, False])
@pytest.mark.parametrize("reverse", [False, True], ids=["same-direction", "reverse-direction"])
def test_a_second_peering_between_the_same_vpcs_is_refused(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc, auto_accept: bool, reverse: bool
) -> None:
    pcx = net.create_vpc_peering_connection(app, shared, auto_accept=auto_accept)
    pair = (shared, app) if reverse else (app, shared)

    with refused(net, "VpcPeeringConnectionAlreadyExists", pcx.id):
        net.create_vpc_peering_connection(*pair)


def test_the_same_vpcs_can_peer_again_after_a_delete(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    first = net.create_vpc_peering_connection(app, shared)
    net.delete_vpc_peering_connection(first)

    second = net.create_vpc_peering_connection(app, shared)

    assert second.id != first.id
    assert second.status == "active"


def test_routes_to_the_peering_from_both_sides(net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc) -> None:
    pcx = net.create_vpc_peering_connection(app, shared)

    there = net.create_route(app.main_route_table, "10.1.0.0/16", pcx)
    back = net.create_route(shared.main_route_table, "10.0.0.0/16", pcx.id)

    for route in (there, back):
        assert (route.target, route.state, route.target_kind) == (pcx.id, "active", "vpc-peering-connection")
    assert route_to(app.main_route_table, "10.1.0.0/16") == there
    assert route_to(shared.main_route_table, "10.0.0.0/16") == back


def test_a_route_to_the_peering_from_a_third_vpc_is_refused(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    pcx = net.create_vpc_peering_connection(app, shared)
    third = net.create_vpc("10.2.0.0/16", name="third")

    # SPEC I5: a peering joins exactly its two VPCs.
    with refused(net, "InvalidParameterValue", pcx.id, third.id):
        net.create_route(third.main_route_table, "10.1.0.0/16", pcx)


def test_a_route_to_a_pending_peering_is_a_blackhole_until_accepted(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    # AWS accepts the route while the peering is pending; it has no effect (blackhole) until the peering is active.
    pcx = net.create_vpc_peering_connection(app, shared, auto_accept=False)
    net.create_route(app.main_route_table, "10.1.0.0/16", pcx)
    assert route_to(app.main_route_table, "10.1.0.0/16").state == "blackhole"

    net.accept_vpc_peering_connection(pcx)

    assert route_to(app.main_route_table, "10.1.0.0/16").state == "active"


def test_deleting_a_peering_blackholes_the_routes_on_both_sides(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    pcx = net.create_vpc_peering_connection(app, shared)
    net.create_route(app.main_route_table, "10.1.0.0/16", pcx)
    net.create_route(shared.main_route_table, "10.0.0.0/16", pcx)

    net.delete_vpc_peering_connection(pcx)

    assert pcx.id not in net
    for table, destination in ((app.main_route_table, "10.1.0.0/16"), (shared.main_route_table, "10.0.0.0/16")):
        route = route_to(table, destination)
        assert (route.target, route.state) == (pcx.id, "blackhole")  # SPEC R6


def test_a_deleted_peering_cannot_be_accepted_or_routed_to(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    pcx = net.create_vpc_peering_connection(app, shared, auto_accept=False)
    net.delete_vpc_peering_connection(pcx)

    with refused(net, "InvalidVpcPeeringConnectionID.NotFound", pcx.id):
        net.accept_vpc_peering_connection(pcx)
    with refused(net, "InvalidVpcPeeringConnectionID.NotFound", pcx.id):
        net.create_route(app.main_route_table, "10.1.0.0/16", pcx)


# ---------------------------------------------------------------------- security group references (G2)


def test_an_sg_rule_may_reference_a_group_across_an_active_peering(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    api = net.create_security_group(app, "api")
    monitoring = net.create_security_group(shared, "monitoring")
    net.create_vpc_peering_connection(app, shared)

    rule = net.authorize_security_group_ingress(api, protocol="tcp", ports=9100, source_group=monitoring)

    assert rule.group_id == monitoring.id
    assert rule in api.ingress


def test_an_sg_rule_cannot_reference_a_group_of_an_unpeered_vpc(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    api = net.create_security_group(app, "api")
    monitoring = net.create_security_group(shared, "monitoring")

    with refused(net, "InvalidGroup.NotFound", monitoring.id):
        net.authorize_security_group_ingress(api, protocol="tcp", ports=9100, source_group=monitoring)


def test_an_sg_rule_cannot_reference_a_group_across_a_pending_peering(
    net: vpcsim.Network, app: vpcsim.Vpc, shared: vpcsim.Vpc
) -> None:
    # AWS: referencing a peer VPC's security group needs the peering to be active.
    api = net.create_security_group(app, "api")
    monitoring = net.create_security_group(shared, "monitoring")
    net.create_vpc_peering_connection(app, shared, auto_accept=False)

    with refused(net, "InvalidGroup.NotFound", monitoring.id):
        net.authorize_security_group_ingress(api, protocol="tcp", ports=9100, source_group=monitoring)


def test_an_sg_rule_cannot_reference_a_group_across_an_inter_region_peering(net: vpcsim.Network) -> None:
    # SPEC G2 and the VPC Peering Guide: a peer VPC's SG in another Region cannot be referenced; use its CIDR.
    net.add_region("us-west-2")
    east = net.create_vpc("10.0.0.0/16", name="east")
    west = net.create_vpc("10.9.0.0/16", name="west", region="us-west-2")
    api = net.create_security_group(east, "api")
    monitoring = net.create_security_group(west, "monitoring")
    net.create_vpc_peering_connection(east, west)

    with refused(net, "InvalidGroup.NotFound", monitoring.id):
        net.authorize_security_group_ingress(api, protocol="tcp", ports=9100, source_group=monitoring)


def test_an_sg_rule_cannot_reference_a_group_across_a_failed_peering(net: vpcsim.Network, app: vpcsim.Vpc) -> None:
    inside = net.create_vpc("10.0.16.0/20", name="inside")
    api = net.create_security_group(app, "api")
    monitoring = net.create_security_group(inside, "monitoring")
    net.create_vpc_peering_connection(app, inside)

    with refused(net, "InvalidGroup.NotFound", monitoring.id):
        net.authorize_security_group_ingress(api, protocol="tcp", ports=9100, source_group=monitoring)


def test_a_failed_peering_does_not_keep_its_vpcs_alive() -> None:
    # SPEC I5: an overlapping peering fails; AWS lets failed peerings expire, so they do not block delete_vpc.
    net = vpcsim.Network(seed=5)
    a = net.create_vpc("10.0.0.0/16")
    b = net.create_vpc("10.0.0.0/16")
    pcx = net.create_vpc_peering_connection(a, b)
    assert pcx.status == "failed"
    net.delete_vpc(b)
    assert pcx.id not in net
    assert b.id not in net
    assert net.vpcs == [a]


def test_a_pending_peering_fails_when_the_accepter_adds_an_overlapping_block() -> None:
    # SPEC I5 (VPC User Guide, adding IPv4 CIDR blocks): the accepter may add the block; the request then fails.
    net = vpcsim.Network(seed=18)
    a = net.create_vpc("10.8.0.0/16")
    b = net.create_vpc("100.64.0.0/16")
    pcx = net.create_vpc_peering_connection(b, a, auto_accept=False)
    net.associate_vpc_cidr_block(a, "100.64.0.0/16")
    assert pcx.status == "failed"
    assert "100.64.0.0/16" in pcx.status_message
    with pytest.raises(vpcsim.AwsError) as err:
        net.accept_vpc_peering_connection(pcx)
    assert err.value.code == "InvalidStateTransition"
    # a failed request does not stand in the way of a new one (which fails too, as they still overlap)
    assert net.create_vpc_peering_connection(b, a).status == "failed"
