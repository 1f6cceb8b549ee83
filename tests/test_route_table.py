"""Tests for route tables and routes of vpcsim.Network (SPEC R1, R4, R6, R7, R8, X).

Every refused operation is checked for its AWS error code, a message naming the offending value, and an unchanged
network (``snapshot()`` before == after).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

import attrs
import pytest

import vpcsim
from vpcsim.model.route_table import Route
from vpcsim.testing import assert_refused
from vpcsim.testing import assert_refused as refused


@attrs.frozen
class Lab:
    """One VPC 10.0.0.0/16 with two subnets (a: 10.0.1.0/24, b: 10.0.2.0/24 in another AZ) and a custom table."""

    net: vpcsim.Network
    vpc: vpcsim.Vpc
    a: vpcsim.Subnet
    b: vpcsim.Subnet
    rt: vpcsim.RouteTable


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=13)
    vpc = net.create_vpc("10.0.0.0/16", name="lab")
    a = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a")
    b = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1b", name="b")
    rt = net.create_route_table(vpc, name="custom")
    return Lab(net, vpc, a, b, rt)


def route_to(table: vpcsim.RouteTable, destination: str) -> Route:
    """The static (or local) route for a destination CIDR text or prefix list id."""
    found = table.find_route(destination)
    assert found is not None, f"no route {destination} in {table.routes}"
    return found


def attached_igw(lab: Lab) -> vpcsim.InternetGateway:
    igw = lab.net.create_internet_gateway()
    lab.net.attach_internet_gateway(igw, lab.vpc)
    return igw


def middlebox(lab: Lab) -> vpcsim.Instance:
    """A running appliance in subnet b with source/destination check off (SPEC E5, R7)."""
    return lab.net.run_instance(lab.b, instance_type="c5.large", source_dest_check=False, name="appliance")


# ---------------------------------------------------------------------- R1: associations


def test_every_subnet_has_exactly_one_table(lab: Lab) -> None:
    # SPEC R1: the explicit association, else the VPC's main table.
    assert lab.a.route_table is lab.vpc.main_route_table
    assert lab.b.route_table is lab.vpc.main_route_table
    association_id = lab.net.associate_route_table(lab.rt, lab.a)
    assert association_id.startswith("rtbassoc-0")
    assert lab.a.route_table is lab.rt
    assert lab.a.route_table_association is not None
    assert lab.a.route_table_association.id == association_id
    assert lab.b.route_table is lab.vpc.main_route_table
    assert lab.net.route_table_associations(lab.rt) == [lab.a]
    assert lab.net.route_table_associations(lab.vpc.main_route_table) == []


def test_a_table_may_serve_several_subnets(lab: Lab) -> None:
    lab.net.associate_route_table(lab.rt, lab.a)
    lab.net.associate_route_table(lab.rt.id, lab.b.id)
    assert lab.net.route_table_associations(lab.rt) == [lab.a, lab.b]


def test_explicit_association_with_the_main_table(lab: Lab) -> None:
    # AWS allows an explicit association with the main table; it then survives a main table replacement.
    main = lab.vpc.main_route_table
    lab.net.associate_route_table(main, lab.a)
    lab.net.replace_route_table_association(lab.vpc.main_route_table_association_id, lab.rt)
    assert lab.a.route_table is main
    assert lab.b.route_table is lab.rt


@pytest.mark.parametrize("second", ["custom", "other"])
def test_second_explicit_association_is_already_associated(lab: Lab, second: str) -> None:
    lab.net.associate_route_table(lab.rt, lab.a)
    table = lab.rt if second == "custom" else lab.net.create_route_table(lab.vpc)
    with assert_refused(lab.net, "Resource.AlreadyAssociated") as e:
        lab.net.associate_route_table(table, lab.a)
    assert lab.a.id in e.value.message


def test_associating_a_subnet_of_another_vpc_is_refused(lab: Lab) -> None:
    other = lab.net.create_vpc("10.1.0.0/16")
    foreign = lab.net.create_subnet(other, "10.1.1.0/24")
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.associate_route_table(lab.rt, foreign)
    assert lab.rt.id in e.value.message
    assert foreign.id in e.value.message


def test_disassociate_falls_back_to_the_main_table(lab: Lab) -> None:
    association_a = lab.net.associate_route_table(lab.rt, lab.a)
    lab.net.associate_route_table(lab.rt, lab.b)
    lab.net.disassociate_route_table(association_a)
    assert lab.a.route_table is lab.vpc.main_route_table
    assert lab.a.route_table_association is None
    lab.net.disassociate_route_table(lab.b)
    assert lab.b.route_table is lab.vpc.main_route_table
    assert lab.net.route_table_associations(lab.rt) == []


def test_disassociate_unknown_association_is_not_found(lab: Lab) -> None:
    with assert_refused(lab.net, "InvalidAssociationID.NotFound") as e:
        lab.net.disassociate_route_table("rtbassoc-0123456789abcdef0")
    assert "rtbassoc-0123456789abcdef0" in e.value.message
    with assert_refused(lab.net, "InvalidAssociationID.NotFound") as e:
        lab.net.disassociate_route_table(lab.a)
    assert lab.a.id in e.value.message


def test_main_association_cannot_be_disassociated(lab: Lab) -> None:
    main_association = lab.vpc.main_route_table_association_id
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.disassociate_route_table(main_association)
    assert main_association in e.value.message


def test_replace_a_subnet_association(lab: Lab) -> None:
    old_id = lab.net.associate_route_table(lab.rt, lab.a)
    other = lab.net.create_route_table(lab.vpc)
    new_id = lab.net.replace_route_table_association(old_id, other)
    assert new_id != old_id
    assert lab.a.route_table is other
    assert lab.net.route_table_associations(lab.rt) == []
    assert lab.net.route_table_associations(other) == [lab.a]


def test_replace_the_main_table(lab: Lab) -> None:
    # SPEC R1: the main table can be replaced; implicit subnets (and new ones) follow the new main table.
    old_main = lab.vpc.main_route_table
    old_association = lab.vpc.main_route_table_association_id
    lab.net.associate_route_table(old_main, lab.a)
    new_association = lab.net.replace_route_table_association(old_association, lab.rt)
    assert lab.vpc.main_route_table is lab.rt
    assert lab.vpc.main_route_table_association_id == new_association != old_association
    assert lab.rt.is_main
    assert not old_main.is_main
    assert lab.a.route_table is old_main
    assert lab.b.route_table is lab.rt
    assert lab.net.create_subnet(lab.vpc, "10.0.3.0/24").route_table is lab.rt
    # The old main table is an ordinary table now: once unassociated it can be deleted.
    lab.net.disassociate_route_table(lab.a)
    lab.net.delete_route_table(old_main)
    assert old_main not in lab.net
    assert lab.a.route_table is lab.rt


def test_main_table_must_come_from_the_same_vpc(lab: Lab) -> None:
    foreign = lab.net.create_route_table(lab.net.create_vpc("10.1.0.0/16"))
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.replace_route_table_association(lab.vpc.main_route_table_association_id, foreign)
    assert foreign.id in e.value.message


def test_gateway_route_table_cannot_become_the_main_table(lab: Lab) -> None:
    # AWS VPC User Guide, main route table: "You cannot set a gateway route table as the main route table."
    igw = attached_igw(lab)
    lab.net.associate_route_table(lab.rt, igw)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.replace_route_table_association(lab.vpc.main_route_table_association_id, lab.rt)
    assert lab.rt.id in e.value.message


def test_main_table_cannot_be_deleted(lab: Lab) -> None:
    main = lab.vpc.main_route_table
    with assert_refused(lab.net, "DependencyViolation") as e:
        lab.net.delete_route_table(main)
    assert main.id in e.value.message


def test_replaced_main_table_cannot_be_deleted_either(lab: Lab) -> None:
    lab.net.replace_route_table_association(lab.vpc.main_route_table_association_id, lab.rt)
    with assert_refused(lab.net, "DependencyViolation") as e:
        lab.net.delete_route_table(lab.rt)
    assert lab.rt.id in e.value.message


def test_table_with_a_subnet_association_cannot_be_deleted(lab: Lab) -> None:
    lab.net.associate_route_table(lab.rt, lab.b)
    with assert_refused(lab.net, "DependencyViolation") as e:
        lab.net.delete_route_table(lab.rt)
    assert lab.rt.id in e.value.message
    assert lab.b.id in e.value.message


def test_table_with_an_edge_association_cannot_be_deleted(lab: Lab) -> None:
    igw = attached_igw(lab)
    lab.net.associate_route_table(lab.rt, igw)
    with assert_refused(lab.net, "DependencyViolation") as e:
        lab.net.delete_route_table(lab.rt)
    assert igw.id in e.value.message


def test_delete_an_unused_table(lab: Lab) -> None:
    lab.net.delete_route_table(lab.rt)
    assert lab.rt not in lab.net
    assert lab.net.route_tables == [lab.vpc.main_route_table]
    with assert_refused(lab.net, "InvalidRouteTableID.NotFound") as e:
        lab.net.delete_route_table(lab.rt.id)
    assert lab.rt.id in e.value.message


@attrs.frozen
class Seeded:
    net: vpcsim.Network
    vpc: vpcsim.Vpc
    subnet: vpcsim.Subnet
    table: vpcsim.RouteTable
    foreign_table: vpcsim.RouteTable
    detached_igw: vpcsim.InternetGateway


@pytest.mark.parametrize(
    "fail",
    [
        lambda s: s.net.associate_route_table(s.table, s.subnet),
        lambda s: s.net.associate_route_table(s.table, s.detached_igw),
        lambda s: s.net.replace_route_table_association(s.vpc.main_route_table_association_id, s.foreign_table),
        lambda s: s.net.replace_route_table_association(s.subnet, s.foreign_table),
    ],
    ids=["second-association", "edge-to-detached-igw", "main-from-another-vpc", "subnet-to-another-vpc"],
)
def test_failed_association_leaves_the_id_stream_alone(fail: Callable[[Seeded], object]) -> None:
    # SPEC X: a failed operation changes nothing, so the same seed goes on issuing the same ids after it.
    def build(with_failure: bool) -> list[str]:
        net = vpcsim.Network(seed=21)
        vpc = net.create_vpc("10.0.0.0/16")
        subnet = net.create_subnet(vpc, "10.0.1.0/24")
        table = net.create_route_table(vpc)
        net.associate_route_table(table, subnet)
        seeded = Seeded(
            net,
            vpc,
            subnet,
            table,
            net.create_route_table(net.create_vpc("10.1.0.0/16")),
            net.create_internet_gateway(),
        )
        if with_failure:
            before = net.snapshot()
            with pytest.raises(vpcsim.AwsError):
                fail(seeded)
            assert net.snapshot() == before
        return [net.create_route_table(vpc).id, net.create_subnet(vpc, "10.0.2.0/24").id]

    assert build(with_failure=True) == build(with_failure=False)


# ---------------------------------------------------------------------- R4: local routes


def test_custom_table_has_one_local_route_per_vpc_cidr(lab: Lab) -> None:
    lab.net.associate_vpc_cidr_block(lab.vpc, "10.1.0.0/16")
    ipv6 = lab.net.associate_vpc_cidr_block(lab.vpc, amazon_provided_ipv6_cidr_block=True)
    table = lab.net.create_route_table(lab.vpc)
    assert table.routes == [
        Route(target="local", destination=ipaddress.IPv4Network("10.0.0.0/16"), origin="CreateRouteTable"),
        Route(target="local", destination=ipaddress.IPv4Network("10.1.0.0/16"), origin="CreateRouteTable"),
        Route(target="local", destination=ipv6, origin="CreateRouteTable"),
    ]
    assert not table.is_main


def test_local_route_cannot_be_deleted(lab: Lab) -> None:
    for table in (lab.rt, lab.vpc.main_route_table):
        with assert_refused(lab.net, "InvalidParameterValue") as e:
            lab.net.delete_route(table, "10.0.0.0/16")
        assert "10.0.0.0/16" in e.value.message


@pytest.mark.parametrize("target", ["igw", "vgw", "nat", "pcx"])
def test_route_to_the_vpc_cidr_with_a_gateway_target_is_not_supported(lab: Lab, target: str) -> None:
    # AWS: the local route's destination only takes interface and instance targets (and then via replace_route).
    lab.net.associate_vpc_cidr_block(lab.vpc, "10.1.0.0/16")
    vgw = lab.net.create_vpn_gateway()
    lab.net.attach_vpn_gateway(vgw, lab.vpc)
    targets = {
        "igw": attached_igw(lab),
        "vgw": vgw,
        "nat": lab.net.create_nat_gateway(lab.a, connectivity="private"),
        "pcx": lab.net.create_vpc_peering_connection(lab.vpc, lab.net.create_vpc("172.16.0.0/16")),
    }
    for destination in ("10.0.0.0/16", "10.1.0.0/16"):
        with refused(lab.net, "InvalidParameterValue", destination, targets[target].id, "not supported") as e:
            lab.net.create_route(lab.rt, destination, targets[target])
        assert "only supports interface and instance targets" in e.message


def test_route_to_the_vpc_ipv6_cidr_follows_the_same_rule(lab: Lab) -> None:
    ipv6 = lab.net.associate_vpc_cidr_block(lab.vpc, amazon_provided_ipv6_cidr_block=True)
    eigw = lab.net.create_egress_only_internet_gateway(lab.vpc)
    with refused(
        lab.net, "InvalidParameterValue", str(ipv6), eigw.id, "only supports interface and instance targets"
    ):
        lab.net.create_route(lab.rt, str(ipv6), eigw)
    eni = middlebox(lab).primary_network_interface
    with refused(lab.net, "RouteAlreadyExists", str(ipv6)):
        lab.net.create_route(lab.rt, str(ipv6), eni)


@pytest.mark.parametrize("target", ["eni", "instance"])
def test_route_to_the_vpc_cidr_with_an_eni_or_instance_target_already_exists(lab: Lab, target: str) -> None:
    appliance = middlebox(lab)
    chosen = appliance.primary_network_interface if target == "eni" else appliance
    with refused(lab.net, "RouteAlreadyExists", "10.0.0.0/16", lab.rt.id):
        lab.net.create_route(lab.rt, "10.0.0.0/16", chosen)
    # replace_route is the way to point the local route at it.
    assert lab.net.replace_route(lab.rt, "10.0.0.0/16", chosen).target == chosen.id


def test_more_specific_route_to_a_whole_subnet_via_nat_gateway(lab: Lab) -> None:
    # SPEC R4: middlebox insertion; destination a whole subnet CIDR, target a NAT gateway or an ENI.
    nat = lab.net.create_nat_gateway(lab.a, connectivity="private")
    route = lab.net.create_route(lab.rt, "10.0.2.0/24", nat)
    assert route == Route(target=nat.id, destination=ipaddress.IPv4Network("10.0.2.0/24"))
    assert route.state == "active"
    assert route.target_kind == "nat-gateway"


def test_more_specific_route_to_a_whole_subnet_via_eni(lab: Lab) -> None:
    appliance = middlebox(lab)
    eni = appliance.primary_network_interface
    route = lab.net.create_route(lab.rt, "10.0.1.0/24", eni)
    assert route.target == eni.id
    assert route.state == "active"
    assert route_to(lab.rt, "10.0.1.0/24") == route


@pytest.mark.parametrize(
    ("destination", "target"),
    [
        ("10.0.1.0/24", "igw"),  # whole subnet, but not a middlebox target
        ("10.0.1.0/25", "instance"),  # part of a subnet, even towards an instance
        ("10.0.1.0/25", "eni"),  # part of a subnet
        ("10.0.1.7/32", "eni"),  # one host
        ("10.0.9.0/24", "eni"),  # inside the VPC, no subnet there
        ("10.0.0.0/20", "eni"),  # covers subnets a and b
    ],
)
def test_other_routes_more_specific_than_local_are_refused(lab: Lab, destination: str, target: str) -> None:
    appliance = middlebox(lab)
    targets = {"igw": attached_igw(lab), "eni": appliance.primary_network_interface, "instance": appliance}
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, destination, targets[target])
    assert destination in e.value.message


def test_more_specific_route_to_a_whole_subnet_via_instance(lab: Lab) -> None:
    # SPEC R4, R6: an instance with one ENI stands for its primary ENI, so it is a middlebox target too.
    appliance = middlebox(lab)
    route = lab.net.create_route(lab.rt, "10.0.1.0/24", appliance)
    assert route == Route(target=appliance.id, destination=ipaddress.IPv4Network("10.0.1.0/24"))
    assert (route.state, route.target_kind) == ("active", "instance")
    assert route_to(lab.rt, "10.0.1.0/24") == route


def test_more_specific_route_via_an_instance_with_two_enis_is_refused(lab: Lab) -> None:
    appliance = middlebox(lab)
    lab.net.attach_network_interface(lab.net.create_network_interface(lab.b), appliance, device_index=1)
    with refused(lab.net, "InvalidInstanceID", appliance.id):
        lab.net.create_route(lab.rt, "10.0.1.0/24", appliance)


def test_route_less_specific_than_local_is_allowed(lab: Lab) -> None:
    vgw = lab.net.create_vpn_gateway()
    lab.net.attach_vpn_gateway(vgw, lab.vpc)
    route = lab.net.create_route(lab.rt, "10.0.0.0/8", vgw)
    assert route.destination == ipaddress.IPv4Network("10.0.0.0/8")
    assert route.state == "active"


def test_replace_local_route_target_with_eni_and_back(lab: Lab) -> None:
    # SPEC R4: the local route's target may become a middlebox ENI and be restored to "local".
    eni = middlebox(lab).primary_network_interface
    replaced = lab.net.replace_route(lab.rt, "10.0.0.0/16", eni)
    assert replaced.target == eni.id
    assert replaced.origin == "CreateRouteTable"
    assert route_to(lab.rt, "10.0.0.0/16").target == eni.id
    assert len(lab.rt.routes) == 1
    restored = lab.net.replace_route(lab.rt, "10.0.0.0/16", "local")
    assert restored == Route(
        target="local", destination=ipaddress.IPv4Network("10.0.0.0/16"), origin="CreateRouteTable"
    )
    assert lab.rt.routes == [restored]


def test_replace_local_route_target_with_an_instance_and_back(lab: Lab) -> None:
    # SPEC R4: like an ENI, an instance (one ENI) may take the local route.
    appliance = middlebox(lab)
    replaced = lab.net.replace_route(lab.rt, "10.0.0.0/16", appliance)
    assert (replaced.target, replaced.target_kind, replaced.origin) == (appliance.id, "instance", "CreateRouteTable")
    assert replaced.state == "active"
    assert lab.rt.routes == [replaced]
    assert lab.net.replace_route(lab.rt, "10.0.0.0/16", "local").target == "local"


def test_local_route_cannot_point_at_a_gateway(lab: Lab) -> None:
    igw = attached_igw(lab)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.replace_route(lab.rt, "10.0.0.0/16", igw)
    assert "10.0.0.0/16" in e.value.message


def test_only_a_vpc_cidr_route_can_target_local(lab: Lab) -> None:
    igw = attached_igw(lab)
    lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.replace_route(lab.rt, "0.0.0.0/0", "local")
    assert "0.0.0.0/0" in e.value.message


# ---------------------------------------------------------------------- R8: reserved link-local range


@pytest.mark.parametrize("destination", ["169.254.168.0/22", "169.254.169.254/32", "169.254.169.0/24"])
def test_routes_into_the_reserved_link_local_range_are_refused(lab: Lab, destination: str) -> None:
    # SPEC R8 / AWS VPC User Guide: "You can't add routes to IPv4 addresses that are an exact match or a subset of
    # 169.254.168.0/22"; a larger block that overlaps it is allowed.
    igw = attached_igw(lab)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, destination, igw)
    assert destination in e.value.message


def test_route_larger_than_the_link_local_range_is_allowed(lab: Lab) -> None:
    igw = attached_igw(lab)
    assert lab.net.create_route(lab.rt, "169.254.0.0/16", igw).state == "active"


# ---------------------------------------------------------------------- destinations with host bits


def test_route_destination_with_host_bits_is_normalised(lab: Lab) -> None:
    # AWS keeps the network address of a destination given with host bits set.
    igw = attached_igw(lab)
    route = lab.net.create_route(lab.rt, "192.168.7.9/16", igw)
    assert route.destination == ipaddress.IPv4Network("192.168.0.0/16")
    assert route_to(lab.rt, "192.168.0.0/16") == route
    with refused(lab.net, "RouteAlreadyExists", "192.168.0.0/16"):
        lab.net.create_route(lab.rt, "192.168.0.1/16", igw)
    lab.net.delete_route(lab.rt, "192.168.255.255/16")
    assert lab.rt.find_route("192.168.0.0/16") is None


def test_middlebox_destination_with_host_bits_is_the_subnet_cidr(lab: Lab) -> None:
    eni = middlebox(lab).primary_network_interface
    assert lab.net.create_route(lab.rt, "10.0.1.77/24", eni).destination == lab.a.cidr_block


# ---------------------------------------------------------------------- RouteAlreadyExists, InvalidRoute.NotFound


def test_duplicate_route_already_exists(lab: Lab) -> None:
    igw = attached_igw(lab)
    lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    nat = lab.net.create_nat_gateway(lab.a, connectivity="private")
    for target in (igw, nat):
        with assert_refused(lab.net, "RouteAlreadyExists") as e:
            lab.net.create_route(lab.rt, "0.0.0.0/0", target)
        assert "0.0.0.0/0" in e.value.message


def test_same_destination_in_another_table_is_fine(lab: Lab) -> None:
    igw = attached_igw(lab)
    lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    lab.net.create_route(lab.vpc.main_route_table, "0.0.0.0/0", igw)
    assert route_to(lab.vpc.main_route_table, "0.0.0.0/0").target == igw.id


def test_replace_and_delete_a_missing_route_are_not_found(lab: Lab) -> None:
    igw = attached_igw(lab)
    for operation in (
        lambda: lab.net.replace_route(lab.rt, "192.168.0.0/16", igw),
        lambda: lab.net.delete_route(lab.rt, "192.168.0.0/16"),
    ):
        with assert_refused(lab.net, "InvalidRoute.NotFound") as e:
            operation()
        assert "192.168.0.0/16" in e.value.message
        assert lab.rt.id in e.value.message


def test_replace_then_delete_a_static_route(lab: Lab) -> None:
    igw = attached_igw(lab)
    nat = lab.net.create_nat_gateway(lab.a, connectivity="private")
    lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    replaced = lab.net.replace_route(lab.rt, "0.0.0.0/0", nat.id)
    assert replaced.target == nat.id
    assert route_to(lab.rt, "0.0.0.0/0").target == nat.id
    lab.net.delete_route(lab.rt, "0.0.0.0/0")
    assert lab.rt.find_route("0.0.0.0/0") is None
    assert [r.target for r in lab.rt.routes] == ["local"]


# ---------------------------------------------------------------------- R6: targets and blackholes


def test_internet_gateway_target(lab: Lab) -> None:
    igw = attached_igw(lab)
    route = lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    assert route == Route(target=igw.id, destination=ipaddress.IPv4Network("0.0.0.0/0"))
    assert route.target_kind == "internet-gateway"
    assert route.state == "active"


@pytest.mark.parametrize("where", ["detached", "other-vpc"])
def test_internet_gateway_not_attached_here_is_refused(lab: Lab, where: str) -> None:
    # AWS: "route table rtb-... and network gateway igw-... belong to different networks" (InvalidParameterValue).
    igw = lab.net.create_internet_gateway()
    if where == "other-vpc":
        lab.net.attach_internet_gateway(igw, lab.net.create_vpc("10.1.0.0/16"))
    with refused(lab.net, "InvalidParameterValue", lab.rt.id, igw.id) as e:
        lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    assert f"route table {lab.rt.id} and network gateway {igw.id} belong to different networks" in e.message


@pytest.mark.parametrize("gateway", ["igw", "vgw"])
def test_replace_route_to_a_gateway_not_attached_here_is_refused(lab: Lab, gateway: str) -> None:
    nat = lab.net.create_nat_gateway(lab.a, connectivity="private")
    lab.net.create_route(lab.rt, "0.0.0.0/0", nat)
    target = lab.net.create_internet_gateway() if gateway == "igw" else lab.net.create_vpn_gateway()
    with refused(lab.net, "InvalidParameterValue", lab.rt.id, target.id, "belong to different networks"):
        lab.net.replace_route(lab.rt, "0.0.0.0/0", target)
    assert route_to(lab.rt, "0.0.0.0/0").target == nat.id


def test_detaching_the_internet_gateway_blackholes_its_routes(lab: Lab) -> None:
    igw = attached_igw(lab)
    lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    lab.net.detach_internet_gateway(igw, lab.vpc)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"
    lab.net.attach_internet_gateway(igw, lab.vpc)
    assert route_to(lab.rt, "0.0.0.0/0").state == "active"
    lab.net.detach_internet_gateway(igw, lab.vpc)
    lab.net.delete_internet_gateway(igw)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"


def test_egress_only_internet_gateway_routes_ipv6_only(lab: Lab) -> None:
    # SPEC R6, I3: an egress-only IGW is an IPv6 target.
    lab.net.associate_vpc_cidr_block(lab.vpc, amazon_provided_ipv6_cidr_block=True)
    eigw = lab.net.create_egress_only_internet_gateway(lab.vpc)
    route = lab.net.create_route(lab.rt, "::/0", eigw)
    assert route.destination == ipaddress.IPv6Network("::/0")
    assert route.target_kind == "egress-only-internet-gateway"
    assert route.state == "active"
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, "0.0.0.0/0", eigw)
    assert "0.0.0.0/0" in e.value.message
    lab.net.delete_egress_only_internet_gateway(eigw)
    assert route_to(lab.rt, "::/0").state == "blackhole"


def test_nat_gateway_target_and_blackhole_after_delete(lab: Lab) -> None:
    igw = attached_igw(lab)
    public_rt = lab.net.create_route_table(lab.vpc)
    lab.net.create_route(public_rt, "0.0.0.0/0", igw)
    lab.net.associate_route_table(public_rt, lab.a)
    nat = lab.net.create_nat_gateway(lab.a, allocation=lab.net.allocate_address())
    route = lab.net.create_route(lab.rt, "0.0.0.0/0", nat)
    assert route.target == nat.id
    assert route.state == "active"
    lab.net.delete_nat_gateway(nat)
    assert route_to(lab.rt, "0.0.0.0/0") == Route(
        target=nat.id, destination=ipaddress.IPv4Network("0.0.0.0/0"), state="blackhole"
    )


def test_nat_gateway_routes_ipv4_or_nat64_only(lab: Lab) -> None:
    lab.net.associate_vpc_cidr_block(lab.vpc, amazon_provided_ipv6_cidr_block=True)
    nat = lab.net.create_nat_gateway(lab.a, connectivity="private")
    assert lab.net.create_route(lab.rt, "64:ff9b::/96", nat).state == "active"
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, "::/0", nat)
    assert "::/0" in e.value.message


def test_eni_target_follows_its_instance_state(lab: Lab) -> None:
    appliance = middlebox(lab)
    eni = appliance.primary_network_interface
    route = lab.net.create_route(lab.rt, "0.0.0.0/0", eni)
    assert route.target == eni.id
    assert route.target_kind == "network-interface"
    assert route.state == "active"
    lab.net.stop_instance(appliance)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"
    lab.net.start_instance(appliance)
    assert route_to(lab.rt, "0.0.0.0/0").state == "active"


def test_route_to_a_detached_eni_is_a_blackhole(lab: Lab) -> None:
    appliance = middlebox(lab)
    spare = lab.net.create_network_interface(lab.b, source_dest_check=False)
    lab.net.create_route(lab.rt, "0.0.0.0/0", spare)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"
    lab.net.attach_network_interface(spare, appliance, device_index=1)
    assert route_to(lab.rt, "0.0.0.0/0").state == "active"
    lab.net.detach_network_interface(spare)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"
    lab.net.delete_network_interface(spare)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"


def test_instance_target_stop_start_terminate(lab: Lab) -> None:
    # SPEC R6: an instance means its primary ENI; stopped or terminated it is a blackhole.
    appliance = middlebox(lab)
    route = lab.net.create_route(lab.rt, "0.0.0.0/0", appliance)
    assert route.target == appliance.id
    assert route.target_kind == "instance"
    assert route.state == "active"
    lab.net.stop_instance(appliance)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"
    lab.net.start_instance(appliance)
    assert route_to(lab.rt, "0.0.0.0/0").state == "active"
    lab.net.terminate_instance(appliance)
    assert route_to(lab.rt, "0.0.0.0/0").state == "blackhole"


def test_instance_with_two_enis_is_not_a_route_target(lab: Lab) -> None:
    appliance = middlebox(lab)
    second = lab.net.create_network_interface(lab.b)
    lab.net.attach_network_interface(second, appliance, device_index=1)
    with assert_refused(lab.net, "InvalidInstanceID") as e:
        lab.net.create_route(lab.rt, "0.0.0.0/0", appliance)
    assert appliance.id in e.value.message


def test_peering_connection_target_and_blackhole_after_delete(lab: Lab) -> None:
    peer = lab.net.create_vpc("172.16.0.0/16")
    pcx = lab.net.create_vpc_peering_connection(lab.vpc, peer)
    route = lab.net.create_route(lab.rt, "172.16.0.0/16", pcx)
    assert route.target == pcx.id
    assert route.target_kind == "vpc-peering-connection"
    assert route.state == "active"
    lab.net.delete_vpc_peering_connection(pcx)
    assert route_to(lab.rt, "172.16.0.0/16").state == "blackhole"


def test_peering_connection_of_other_vpcs_is_refused(lab: Lab) -> None:
    x, y = lab.net.create_vpc("172.16.0.0/16"), lab.net.create_vpc("172.17.0.0/16")
    pcx = lab.net.create_vpc_peering_connection(x, y)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, "172.16.0.0/16", pcx)
    assert pcx.id in e.value.message


def test_transit_gateway_target_needs_an_attachment(lab: Lab) -> None:
    tgw = lab.net.create_transit_gateway()
    with assert_refused(lab.net, "InvalidTransitGatewayID.NotFound") as e:
        lab.net.create_route(lab.rt, "10.64.0.0/10", tgw)
    assert tgw.id in e.value.message
    attachment = lab.net.create_transit_gateway_vpc_attachment(tgw, lab.vpc, [lab.a, lab.b])
    route = lab.net.create_route(lab.rt, "10.64.0.0/10", tgw)
    assert route.target_kind == "transit-gateway"
    assert route.state == "active"
    lab.net.delete_transit_gateway_vpc_attachment(attachment)
    assert route_to(lab.rt, "10.64.0.0/10").state == "blackhole"


def test_vpn_gateway_target_must_be_attached(lab: Lab) -> None:
    vgw = lab.net.create_vpn_gateway()
    with refused(lab.net, "InvalidParameterValue", lab.rt.id, vgw.id) as e:
        lab.net.create_route(lab.rt, "192.168.0.0/16", vgw)
    assert f"route table {lab.rt.id} and network gateway {vgw.id} belong to different networks" in e.message
    lab.net.attach_vpn_gateway(vgw, lab.vpc)
    route = lab.net.create_route(lab.rt, "192.168.0.0/16", vgw)
    assert route.target_kind == "vpn-gateway"
    assert route.state == "active"
    lab.net.detach_vpn_gateway(vgw, lab.vpc)
    assert route_to(lab.rt, "192.168.0.0/16").state == "blackhole"


def test_gateway_endpoint_routes_its_prefix_list(lab: Lab) -> None:
    # SPEC R6: a gateway endpoint is reached through the service's AWS-managed prefix list.
    endpoint = lab.net.create_vpc_endpoint(lab.vpc, "com.amazonaws.us-east-1.s3", route_tables=[lab.rt])
    prefix_list = lab.net.get(endpoint.prefix_list_id)
    assert isinstance(prefix_list, vpcsim.ManagedPrefixList)
    assert prefix_list.owner_id == "AWS"
    assert prefix_list.prefix_list_name == "com.amazonaws.us-east-1.s3"
    assert prefix_list.cidrs
    route = route_to(lab.rt, prefix_list.id)
    assert route == Route(target=endpoint.id, destination_prefix_list_id=prefix_list.id)
    assert route.destination is None
    assert route.target_kind == "vpc-endpoint"
    assert route.state == "active"
    assert endpoint.route_table_ids == [lab.rt.id]
    assert lab.vpc.main_route_table.find_route(prefix_list.id) is None


def test_gateway_endpoint_routes_are_managed_by_the_endpoint(lab: Lab) -> None:
    endpoint = lab.net.create_vpc_endpoint(lab.vpc, "com.amazonaws.us-east-1.dynamodb", route_tables=[lab.rt])
    prefix_list_id = endpoint.prefix_list_id
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.delete_route(lab.rt, prefix_list_id)
    assert endpoint.id in e.value.message
    # AWS: a gateway endpoint is not a target create_route takes (RouteNotSupported).
    for destination in (prefix_list_id, "0.0.0.0/0"):
        with refused(lab.net, "RouteNotSupported", endpoint.id):
            lab.net.create_route(lab.vpc.main_route_table, destination, endpoint)
    with assert_refused(lab.net, "RouteAlreadyExists") as e:
        lab.net.create_vpc_endpoint(lab.vpc, "com.amazonaws.us-east-1.dynamodb", route_tables=[lab.rt])
    assert prefix_list_id in e.value.message
    lab.net.modify_vpc_endpoint(endpoint, add_route_tables=[lab.vpc.main_route_table], remove_route_tables=[lab.rt])
    assert lab.rt.find_route(prefix_list_id) is None
    assert route_to(lab.vpc.main_route_table, prefix_list_id).target == endpoint.id
    lab.net.delete_vpc_endpoint(endpoint)
    assert lab.vpc.main_route_table.find_route(prefix_list_id) is None


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("igw-0123456789abcdef0", "InvalidInternetGatewayID.NotFound"),
        ("nat-0123456789abcdef0", "NatGatewayNotFound"),
        ("eni-0123456789abcdef0", "InvalidNetworkInterfaceID.NotFound"),
        ("i-0123456789abcdef0", "InvalidInstanceID.NotFound"),
        ("pcx-0123456789abcdef0", "InvalidVpcPeeringConnectionID.NotFound"),
        ("local", "InvalidParameterValue"),
        ("sg-0123456789abcdef0", "InvalidParameterValue"),
        (None, "InvalidParameterValue"),
    ],
)
def test_unknown_targets_are_refused(lab: Lab, target: object, code: str) -> None:
    with assert_refused(lab.net, code) as e:
        lab.net.create_route(lab.rt, "0.0.0.0/0", target)
    assert str(target) in e.value.message


def test_target_in_another_vpc_is_refused(lab: Lab) -> None:
    other = lab.net.create_vpc("10.1.0.0/16")
    nat = lab.net.create_nat_gateway(lab.net.create_subnet(other, "10.1.1.0/24"), connectivity="private")
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, "0.0.0.0/0", nat)
    assert nat.id in e.value.message


def test_unknown_route_table_is_not_found(lab: Lab) -> None:
    igw = attached_igw(lab)
    with assert_refused(lab.net, "InvalidRouteTableID.NotFound") as e:
        lab.net.create_route("rtb-0123456789abcdef0", "0.0.0.0/0", igw)
    assert "rtb-0123456789abcdef0" in e.value.message


# ---------------------------------------------------------------------- R7: gateway route tables


def test_edge_association_with_an_internet_gateway(lab: Lab) -> None:
    igw = attached_igw(lab)
    association_id = lab.net.associate_route_table(lab.rt, igw)
    assert igw.edge_association is not None
    assert igw.edge_association.id == association_id
    assert igw.edge_association.route_table is lab.rt
    assert lab.net.route_table_associations(lab.rt) == [igw]
    # A gateway route table does not change which table the subnets use (R1).
    assert lab.a.route_table is lab.vpc.main_route_table


def test_gateway_table_routes_subnet_cidr_or_vpc_cidr_to_an_eni(lab: Lab) -> None:
    # SPEC R7: destinations the VPC CIDR or a whole subnet CIDR; targets local or an ENI.
    igw = attached_igw(lab)
    eni = middlebox(lab).primary_network_interface
    lab.net.associate_route_table(lab.rt, igw)
    assert lab.net.create_route(lab.rt, "10.0.1.0/24", eni).state == "active"
    assert lab.net.replace_route(lab.rt, "10.0.0.0/16", eni).target == eni.id
    assert lab.net.replace_route(lab.rt, "10.0.0.0/16", "local").target == "local"


@pytest.mark.parametrize(
    ("destination", "target", "offender"),
    [
        ("0.0.0.0/0", "eni", "destination"),  # outside the VPC
        ("192.168.0.0/16", "eni", "destination"),
        ("10.0.1.0/24", "nat", "target"),  # a whole subnet, but the target is neither local nor an ENI
    ],
)
def test_gateway_table_refuses_other_routes(lab: Lab, destination: str, target: str, offender: str) -> None:
    igw = attached_igw(lab)
    targets = {
        "eni": middlebox(lab).primary_network_interface,
        "nat": lab.net.create_nat_gateway(lab.a, connectivity="private"),
    }
    lab.net.associate_route_table(lab.rt, igw)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, destination, targets[target])
    assert lab.rt.id in e.value.message
    assert (destination if offender == "destination" else targets[target].id) in e.value.message


def test_gateway_table_refuses_a_prefix_list_destination(lab: Lab) -> None:
    igw = attached_igw(lab)
    eni = middlebox(lab).primary_network_interface
    prefix_list = lab.net.create_managed_prefix_list("corp", max_entries=2, entries=["10.0.1.0/24"])
    lab.net.associate_route_table(lab.rt, igw)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.create_route(lab.rt, prefix_list, eni)
    assert lab.rt.id in e.value.message


def test_table_with_an_internet_route_cannot_become_a_gateway_table(lab: Lab) -> None:
    igw = attached_igw(lab)
    lab.net.create_route(lab.rt, "0.0.0.0/0", igw)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.associate_route_table(lab.rt, igw)
    assert "0.0.0.0/0" in e.value.message


def test_table_with_route_propagation_cannot_become_a_gateway_table(lab: Lab) -> None:
    # AWS VPC User Guide, gateway route tables: no association with a gateway when "Route propagation is enabled
    # for the route table".
    igw = attached_igw(lab)
    vgw = lab.net.create_vpn_gateway()
    lab.net.attach_vpn_gateway(vgw, lab.vpc)
    lab.net.enable_vgw_route_propagation(lab.rt, vgw)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.associate_route_table(lab.rt, igw)
    assert lab.rt.id in e.value.message


def test_main_table_cannot_become_a_gateway_table(lab: Lab) -> None:
    igw = attached_igw(lab)
    with assert_refused(lab.net, "InvalidParameterValue") as e:
        lab.net.associate_route_table(lab.vpc.main_route_table, igw)
    assert lab.vpc.main_route_table.id in e.value.message


def test_edge_association_needs_the_gateway_attached_to_the_vpc(lab: Lab) -> None:
    igw = lab.net.create_internet_gateway()
    with assert_refused(lab.net, "Gateway.NotAttached") as e:
        lab.net.associate_route_table(lab.rt, igw)
    assert igw.id in e.value.message


def test_second_edge_association_is_already_associated(lab: Lab) -> None:
    igw = attached_igw(lab)
    lab.net.associate_route_table(lab.rt, igw)
    other = lab.net.create_route_table(lab.vpc)
    with assert_refused(lab.net, "Resource.AlreadyAssociated") as e:
        lab.net.associate_route_table(other, igw)
    assert igw.id in e.value.message


def test_edge_association_ends_with_disassociate_or_detach(lab: Lab) -> None:
    igw = attached_igw(lab)
    association_id = lab.net.associate_route_table(lab.rt, igw)
    lab.net.disassociate_route_table(association_id)
    assert igw.edge_association is None
    lab.net.associate_route_table(lab.rt, igw)
    lab.net.detach_internet_gateway(igw, lab.vpc)
    assert igw.edge_association is None
    assert lab.net.route_table_associations(lab.rt) == []
    lab.net.delete_route_table(lab.rt)
    assert lab.rt not in lab.net


def test_edge_association_with_a_vpn_gateway(lab: Lab) -> None:
    vgw = lab.net.create_vpn_gateway()
    lab.net.attach_vpn_gateway(vgw, lab.vpc)
    eni = middlebox(lab).primary_network_interface
    lab.net.create_route(lab.rt, "10.0.1.0/24", eni)
    lab.net.associate_route_table(lab.rt, vgw)
    assert vgw.edge_association is not None
    assert vgw.edge_association.route_table is lab.rt
    assert lab.net.route_table_associations(lab.rt) == [vgw]


# ---------------------------------------------------------------------- VGW route propagation


@attrs.frozen
class Vpn:
    vgw: vpcsim.VpnGateway
    cgw: vpcsim.CustomerGateway


@pytest.fixture
def vpn(lab: Lab) -> Vpn:
    vgw = lab.net.create_vpn_gateway()
    lab.net.attach_vpn_gateway(vgw, lab.vpc)
    return Vpn(vgw, lab.net.create_customer_gateway("203.0.113.10"))


def propagated(table: vpcsim.RouteTable) -> list[Route]:
    return [r for r in table.routes if r.origin == "EnableVgwRoutePropagation"]


def test_vpn_static_routes_propagate_into_the_table(lab: Lab, vpn: Vpn) -> None:
    lab.net.enable_vgw_route_propagation(lab.rt, vpn.vgw)
    assert propagated(lab.rt) == []
    connection = lab.net.create_vpn_connection(
        vpn.cgw, vpn_gateway=vpn.vgw, static_routes=["192.168.0.0/16", "172.16.0.0/12"]
    )
    assert propagated(lab.rt) == [
        Route(target=vpn.vgw.id, destination=ipaddress.IPv4Network(c), origin="EnableVgwRoutePropagation")
        for c in ("192.168.0.0/16", "172.16.0.0/12")
    ]
    assert all(r.state == "active" for r in propagated(lab.rt))
    assert propagated(lab.vpc.main_route_table) == []
    lab.net.create_vpn_connection_route(connection, "198.51.100.0/24")
    assert ipaddress.IPv4Network("198.51.100.0/24") in {r.destination for r in propagated(lab.rt)}
    lab.net.delete_vpn_connection_route(connection, "192.168.0.0/16")
    assert [str(r.destination) for r in propagated(lab.rt)] == ["172.16.0.0/12", "198.51.100.0/24"]


def test_propagation_enabled_after_the_vpn_exists(lab: Lab, vpn: Vpn) -> None:
    lab.net.create_vpn_connection(vpn.cgw, vpn_gateway=vpn.vgw, static_routes=["192.168.0.0/16"])
    assert propagated(lab.rt) == []
    lab.net.enable_vgw_route_propagation(lab.rt, vpn.vgw)
    assert [r.destination for r in propagated(lab.rt)] == [ipaddress.IPv4Network("192.168.0.0/16")]
    assert lab.rt.propagating_vgws == [vpn.vgw.id]


def test_disable_propagation_or_detach_removes_propagated_routes(lab: Lab, vpn: Vpn) -> None:
    lab.net.create_vpn_connection(vpn.cgw, vpn_gateway=vpn.vgw, static_routes=["192.168.0.0/16"])
    lab.net.enable_vgw_route_propagation(lab.rt, vpn.vgw)
    lab.net.enable_vgw_route_propagation(lab.vpc.main_route_table, vpn.vgw)
    lab.net.disable_vgw_route_propagation(lab.rt, vpn.vgw)
    assert propagated(lab.rt) == []
    assert len(propagated(lab.vpc.main_route_table)) == 1
    lab.net.detach_vpn_gateway(vpn.vgw, lab.vpc)
    assert propagated(lab.vpc.main_route_table) == []


def test_static_route_coexists_with_a_propagated_one(lab: Lab, vpn: Vpn) -> None:
    # SPEC R3: the static route wins a tie; both are listed.
    lab.net.create_vpn_connection(vpn.cgw, vpn_gateway=vpn.vgw, static_routes=["192.168.0.0/16"])
    lab.net.enable_vgw_route_propagation(lab.rt, vpn.vgw)
    eni = middlebox(lab).primary_network_interface
    static = lab.net.create_route(lab.rt, "192.168.0.0/16", eni)
    assert route_to(lab.rt, "192.168.0.0/16") == static
    assert len(propagated(lab.rt)) == 1
    lab.net.delete_route(lab.rt, "192.168.0.0/16")
    assert len(propagated(lab.rt)) == 1
    # A propagated route is not a static route: it cannot be deleted by hand.
    with assert_refused(lab.net, "InvalidRoute.NotFound"):
        lab.net.delete_route(lab.rt, "192.168.0.0/16")


def test_propagation_needs_the_vgw_attached_to_the_vpc(lab: Lab) -> None:
    vgw = lab.net.create_vpn_gateway()
    with assert_refused(lab.net, "Gateway.NotAttached") as e:
        lab.net.enable_vgw_route_propagation(lab.rt, vgw)
    assert vgw.id in e.value.message


# ---------------------------------------------------------------------- prefix-list destinations


def test_route_to_a_customer_prefix_list(lab: Lab) -> None:
    igw = attached_igw(lab)
    prefix_list = lab.net.create_managed_prefix_list("partners", max_entries=5, entries=["198.51.100.0/24"])
    route = lab.net.create_route(lab.rt, prefix_list, igw)
    assert route == Route(target=igw.id, destination_prefix_list_id=prefix_list.id)
    assert route.destination_key == prefix_list.id
    assert route_to(lab.rt, prefix_list.id) == route
    with assert_refused(lab.net, "RouteAlreadyExists") as e:
        lab.net.create_route(lab.rt, prefix_list.id, igw)
    assert prefix_list.id in e.value.message


def test_prefix_list_route_replace_and_delete(lab: Lab) -> None:
    igw = attached_igw(lab)
    nat = lab.net.create_nat_gateway(lab.a, connectivity="private")
    prefix_list = lab.net.create_managed_prefix_list("partners", max_entries=5, entries=["198.51.100.0/24"])
    lab.net.create_route(lab.rt, prefix_list.id, igw)
    assert lab.net.replace_route(lab.rt, prefix_list, nat).target == nat.id
    # A prefix list in use by a route cannot be deleted.
    with assert_refused(lab.net, "DependencyViolation") as e:
        lab.net.delete_managed_prefix_list(prefix_list)
    assert lab.rt.id in e.value.message
    lab.net.delete_route(lab.rt, prefix_list.id)
    assert lab.rt.find_route(prefix_list.id) is None
    lab.net.delete_managed_prefix_list(prefix_list)
    assert prefix_list not in lab.net


def test_unknown_prefix_list_is_not_found(lab: Lab) -> None:
    igw = attached_igw(lab)
    with assert_refused(lab.net, "InvalidPrefixListID.NotFound") as e:
        lab.net.create_route(lab.rt, "pl-0123456789abcdef0", igw)
    assert "pl-0123456789abcdef0" in e.value.message


def test_replacing_a_gateway_association_checks_the_table_like_associating() -> None:
    # SPEC R7: a gateway table is never the main table and never propagates; nothing to replace is an error.
    net = vpcsim.Network(seed=16)
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    vgw = net.create_vpn_gateway()
    net.attach_vpn_gateway(vgw, vpc)
    edge = net.create_route_table(vpc)
    propagating = net.create_route_table(vpc)
    net.enable_vgw_route_propagation(propagating, vgw)
    with assert_refused(net, "InvalidAssociationID.NotFound") as err:
        net.replace_route_table_association(igw, edge)
    assert igw.id in err.value.message
    net.associate_route_table(edge, igw)
    for table in (vpc.main_route_table, propagating):
        with assert_refused(net, "InvalidParameterValue") as err:
            net.replace_route_table_association(igw, table)
        assert table.id in err.value.message
