"""Gateway VPC endpoints (S3, DynamoDB): prefix-list routes managed through the endpoint only (R6)."""

from __future__ import annotations

import pytest

import vpcsim
from vpcsim.testing import assert_refused as refused


def endpoint_routes(table: vpcsim.RouteTable) -> list[vpcsim.Route]:
    return [r for r in table.routes if r.target.startswith("vpce-")]


S3 = "com.amazonaws.us-east-1.s3"
DYNAMODB = "com.amazonaws.us-east-1.dynamodb"


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=13)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", name="app")


@pytest.fixture
def tables(net: vpcsim.Network, vpc: vpcsim.Vpc) -> list[vpcsim.RouteTable]:
    return [net.create_route_table(vpc, name=f"private-{zone}") for zone in "abc"]


@pytest.fixture
def s3(net: vpcsim.Network, vpc: vpcsim.Vpc, tables: list[vpcsim.RouteTable]) -> vpcsim.VpcEndpoint:
    return net.create_vpc_endpoint(vpc, S3, route_tables=tables[:2], name="s3")


@pytest.mark.parametrize("service", [S3, DYNAMODB])
def test_a_gateway_endpoint_routes_the_service_prefix_list_in_each_table(
    net: vpcsim.Network, vpc: vpcsim.Vpc, tables: list[vpcsim.RouteTable], service: str
) -> None:
    endpoint = net.create_vpc_endpoint(vpc, service, route_tables=[tables[0], tables[1].id])

    assert endpoint.id.startswith("vpce-")
    assert (endpoint.vpc, endpoint.service_name, endpoint.vpc_endpoint_type) == (vpc, service, "Gateway")
    assert endpoint.route_table_ids == [tables[0].id, tables[1].id]
    prefix_list = net.get(endpoint.prefix_list_id)
    assert isinstance(prefix_list, vpcsim.ManagedPrefixList)
    assert (prefix_list.owner_id, prefix_list.prefix_list_name) == ("AWS", service)
    assert prefix_list.id.startswith("pl-")
    assert prefix_list.cidrs
    for table in tables[:2]:
        [route] = endpoint_routes(table)
        assert route.destination is None
        assert (route.destination_prefix_list_id, route.destination_key) == (prefix_list.id, prefix_list.id)
        assert (route.target, route.target_kind, route.state) == (endpoint.id, "vpc-endpoint", "active")
    assert endpoint_routes(tables[2]) == []


def test_each_service_has_its_own_aws_managed_prefix_list(
    net: vpcsim.Network, vpc: vpcsim.Vpc, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    dynamodb = net.create_vpc_endpoint(vpc, DYNAMODB, route_tables=tables[:1])
    other_vpc = net.create_vpc("10.1.0.0/16")
    other_s3 = net.create_vpc_endpoint(other_vpc, S3, route_tables=[other_vpc.main_route_table])

    assert dynamodb.prefix_list_id != s3.prefix_list_id
    assert other_s3.prefix_list_id == s3.prefix_list_id  # one list per service and region, shared by endpoints
    assert {r.destination_key for r in endpoint_routes(tables[0])} == {s3.prefix_list_id, dynamodb.prefix_list_id}


def test_an_aws_managed_prefix_list_cannot_be_changed(net: vpcsim.Network, s3: vpcsim.VpcEndpoint) -> None:
    with refused(net, "OperationNotPermitted", s3.prefix_list_id):
        net.modify_managed_prefix_list(s3.prefix_list_id, add_entries=["203.0.113.0/24"])
    with refused(net, "OperationNotPermitted", s3.prefix_list_id):
        net.delete_managed_prefix_list(s3.prefix_list_id)


def test_modify_adds_and_removes_route_tables(
    net: vpcsim.Network, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    net.modify_vpc_endpoint(s3, add_route_tables=[tables[2]], remove_route_tables=[tables[0].id])

    assert s3.route_table_ids == [tables[1].id, tables[2].id]
    assert endpoint_routes(tables[0]) == []
    for table in tables[1:]:
        [route] = endpoint_routes(table)
        assert (route.destination_prefix_list_id, route.target) == (s3.prefix_list_id, s3.id)


def test_modify_refuses_a_table_already_routed_or_not_associated(
    net: vpcsim.Network, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    with refused(net, "RouteAlreadyExists", tables[0].id, s3.prefix_list_id):
        net.modify_vpc_endpoint(s3, add_route_tables=[tables[0]])
    with refused(net, "InvalidParameterValue", tables[2].id, s3.id):
        net.modify_vpc_endpoint(s3, remove_route_tables=[tables[2]])


def test_two_endpoints_to_one_service_cannot_share_a_route_table(
    net: vpcsim.Network, vpc: vpcsim.Vpc, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    # AWS: no two endpoint routes to the same service in one route table.
    with refused(net, "RouteAlreadyExists", tables[1].id, s3.prefix_list_id):
        net.create_vpc_endpoint(vpc, S3, route_tables=[tables[1]])

    second = net.create_vpc_endpoint(vpc, S3, route_tables=[tables[2]])
    assert second.prefix_list_id == s3.prefix_list_id


def test_deleting_the_endpoint_removes_its_routes(
    net: vpcsim.Network, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    net.delete_vpc_endpoint(s3)

    assert s3.id not in net
    assert all(endpoint_routes(t) == [] for t in tables)


def test_a_deleted_route_table_leaves_the_endpoint(
    net: vpcsim.Network, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    net.delete_route_table(tables[0])

    assert s3.route_table_ids == [tables[1].id]


@pytest.mark.parametrize(
    "service", ["com.amazonaws.us-east-1.sqs", "com.amazonaws.eu-west-1.s3", "s3", "com.amazonaws.us-east-1.S3"]
)
def test_an_unknown_gateway_service_is_refused(
    net: vpcsim.Network, vpc: vpcsim.Vpc, tables: list[vpcsim.RouteTable], service: str
) -> None:
    with refused(net, "InvalidServiceName", service):
        net.create_vpc_endpoint(vpc, service, route_tables=tables[:1])


def test_interface_endpoints_are_refused_with_a_clear_error(
    net: vpcsim.Network, vpc: vpcsim.Vpc, tables: list[vpcsim.RouteTable]
) -> None:
    with refused(net, "InvalidParameterValue", "Interface", "Gateway"):
        net.create_vpc_endpoint(vpc, S3, vpc_endpoint_type="Interface")


def test_a_route_table_of_another_vpc_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    other = net.create_vpc("10.1.0.0/16")

    with refused(net, "InvalidParameterValue", other.main_route_table.id, vpc.id):
        net.create_vpc_endpoint(vpc, S3, route_tables=[other.main_route_table])


# AWS: "You cannot explicitly add, modify, or delete an endpoint route in your route table by using the route table
# APIs"; only the endpoint's own operations change them.


def test_delete_route_cannot_remove_an_endpoint_route(
    net: vpcsim.Network, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    with refused(net, "InvalidParameterValue", s3.id):
        net.delete_route(tables[0], s3.prefix_list_id)


@pytest.mark.parametrize("destination", ["prefix-list", "0.0.0.0/0", "52.216.0.0/15"])
def test_create_route_cannot_target_an_endpoint(
    net: vpcsim.Network, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint, destination: str
) -> None:
    # AWS: RouteNotSupported; a gateway endpoint's routes come from the endpoint itself.
    where = s3.prefix_list_id if destination == "prefix-list" else destination
    with refused(net, "RouteNotSupported", s3.id):
        net.create_route(tables[2], where, s3)
    with refused(net, "RouteNotSupported", s3.id):
        net.create_route(tables[2], where, s3.id)
    assert endpoint_routes(tables[2]) == []


def test_replace_route_cannot_repoint_an_endpoint_route(
    net: vpcsim.Network, vpc: vpcsim.Vpc, tables: list[vpcsim.RouteTable], s3: vpcsim.VpcEndpoint
) -> None:
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)

    with refused(net, "InvalidParameterValue", s3.id):
        net.replace_route(tables[0], s3.prefix_list_id, igw)
    [route] = endpoint_routes(tables[0])
    assert route.target == s3.id


def test_a_refused_endpoint_leaves_no_prefix_list_behind() -> None:
    # SPEC X: the AWS-managed list is made only once the endpoint is accepted, so ids never collide later.
    net = vpcsim.Network(seed=13)
    vpc = net.create_vpc("10.0.0.0/16")
    with refused(net, "InvalidParameterValue"):
        net.create_vpc_endpoint(vpc, "com.amazonaws.us-east-1.s3", tags={"k": 1})  # type: ignore[dict-item]
    assert net.managed_prefix_lists == []
    endpoint = net.create_vpc_endpoint(vpc, "com.amazonaws.us-east-1.s3")
    mine = net.create_managed_prefix_list("mine", max_entries=2)
    assert mine.id != endpoint.prefix_list_id
    assert len(net.managed_prefix_lists) == 2
