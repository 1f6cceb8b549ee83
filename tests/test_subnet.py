"""Tests for subnet operations of vpcsim.Network: ranges, reserved addresses, attributes, delete (SPEC E4, R1, N3, X).

Every refused operation is checked for its AWS error code, a message naming the offending value, and an unchanged
network (``snapshot()`` before == after).
"""

from __future__ import annotations

import ipaddress

import pytest

import vpcsim
from vpcsim.testing import assert_refused
from vpcsim.testing import assert_refused as refused


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=5)


@pytest.fixture
def vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", name="main")


@pytest.fixture
def subnet(net: vpcsim.Network, vpc: vpcsim.Vpc) -> vpcsim.Subnet:
    return net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1b", name="app")


@pytest.fixture
def ipv6_vpc(net: vpcsim.Network) -> vpcsim.Vpc:
    return net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)


def nth64(vpc: vpcsim.Vpc, n: int) -> ipaddress.IPv6Network:
    assert vpc.ipv6_cidr_block is not None
    return ipaddress.IPv6Network((int(vpc.ipv6_cidr_block.network_address) + (n << 64), 64))


# ---------------------------------------------------------------------- create_subnet


def test_new_subnet_uses_the_main_table_and_the_default_nacl(
    net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet
) -> None:
    # SPEC R1, N3: without explicit associations a subnet has the main route table and the default NACL.
    assert subnet.vpc is vpc
    assert subnet.cidr_block == ipaddress.IPv4Network("10.0.1.0/24")
    assert subnet.availability_zone == "us-east-1b"
    assert subnet.name == "app"
    assert subnet.route_table is vpc.main_route_table
    assert subnet.route_table_association is None
    assert subnet.network_acl is vpc.default_network_acl
    assert subnet.network_acl_association_id.startswith("aclassoc-0")
    assert not subnet.map_public_ip_on_launch
    assert subnet.ipv6_cidr_block is None
    assert subnet.id.startswith("subnet-0")
    assert net.subnets == [subnet]


def test_az_defaults_to_the_regions_first_zone(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    assert net.create_subnet(vpc, "10.0.2.0/24").availability_zone == "us-east-1a"
    assert net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1f").availability_zone == "us-east-1f"


@pytest.mark.parametrize("cidr", ["10.0.0.0/16", "10.0.0.0/28", "10.0.255.240/28", "10.0.128.0/17"])
def test_subnet_sizes_16_to_28_inside_the_vpc(net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str) -> None:
    assert net.create_subnet(vpc, cidr).cidr_block == ipaddress.IPv4Network(cidr)


@pytest.mark.parametrize(
    "cidr",
    [
        "10.1.0.0/24",  # outside the VPC
        "192.168.0.0/24",  # outside the VPC
        "10.0.0.0/15",  # larger than the VPC
        "10.0.1.0/29",  # smaller than /28
        "10.0.1.0/30",
        "10.0.1.5/32",
    ],
)
def test_subnet_outside_the_vpc_or_too_small_is_invalid_range(
    net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str
) -> None:
    with assert_refused(net, "InvalidSubnet.Range") as e:
        net.create_subnet(vpc, cidr)
    assert cidr in e.value.message


def test_subnet_straddling_two_vpc_blocks_is_invalid_range(net: vpcsim.Network) -> None:
    # 10.2.0.0/24 + 10.2.1.0/24: adjacent blocks (outside 10.0.0.0/15, whose VPCs cannot add from 10.0.0.0/16).
    vpc = net.create_vpc("10.2.0.0/24")
    net.associate_vpc_cidr_block(vpc, "10.2.1.0/24")
    with assert_refused(net, "InvalidSubnet.Range") as e:
        net.create_subnet(vpc, "10.2.0.0/23")
    assert "10.2.0.0/23" in e.value.message


@pytest.mark.parametrize("cidr", ["10.0.1.0/24", "10.0.1.128/25", "10.0.0.0/23", "10.0.1.16/28", "10.0.0.0/16"])
def test_overlapping_subnets_conflict(net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet, cidr: str) -> None:
    with assert_refused(net, "InvalidSubnet.Conflict") as e:
        net.create_subnet(vpc, cidr)
    assert cidr in e.value.message
    assert subnet.id in e.value.message


def test_subnets_of_different_vpcs_may_overlap(net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet) -> None:
    other = net.create_vpc("10.0.0.0/16")
    twin = net.create_subnet(other, "10.0.1.0/24")
    assert twin.cidr_block == subnet.cidr_block
    assert twin.vpc is other


@pytest.mark.parametrize("az", ["us-east-1z", "us-west-2a", "", "use1-az1"])
def test_unknown_availability_zone_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc, az: str) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.create_subnet(vpc, "10.0.1.0/24", az=az)
    assert repr(az) in e.value.message
    assert "us-east-1a" in e.value.message  # it lists where subnets can go


@pytest.mark.parametrize("cidr", ["10.0.1.0/33", "10.0.1.300/24", "banana", "10.0.1.0", "2001:db8::/64"])
def test_malformed_subnet_cidr_is_invalid_parameter_value(net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.create_subnet(vpc, cidr)
    assert cidr in e.value.message


@pytest.mark.parametrize(("cidr", "expected"), [("10.0.1.1/24", "10.0.1.0/24"), ("10.0.7.200/20", "10.0.0.0/20")])
def test_subnet_cidr_with_host_bits_is_normalised(
    net: vpcsim.Network, vpc: vpcsim.Vpc, cidr: str, expected: str
) -> None:
    # AWS keeps the network address of a block given with host bits set.
    subnet = net.create_subnet(vpc, cidr)
    assert subnet.cidr_block == ipaddress.IPv4Network(expected)
    assert net.run_instance(subnet).private_ip == ipaddress.IPv4Network(expected).network_address + 4


def test_subnet_cidr_with_host_bits_conflicts_as_its_network(
    net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet
) -> None:
    with refused(net, "InvalidSubnet.Conflict", "10.0.1.128/25", subnet.id):
        net.create_subnet(vpc, "10.0.1.200/25")
    with refused(net, "InvalidSubnet.Range", "10.1.0.0/24"):
        net.create_subnet(vpc, "10.1.0.9/24")


def test_unknown_vpc_is_not_found(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with assert_refused(net, "InvalidVpcID.NotFound") as e:
        net.create_subnet("vpc-0fffffffffffffff0", "10.0.1.0/24")
    assert "vpc-0fffffffffffffff0" in e.value.message


# ---------------------------------------------------------------------- secondary CIDR blocks


def test_subnet_in_a_secondary_block(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    net.associate_vpc_cidr_block(vpc, "100.64.0.0/16")
    subnet = net.create_subnet(vpc, "100.64.2.0/24")
    assert subnet.route_table is vpc.main_route_table
    instance = net.run_instance(subnet)
    assert instance.private_ip == ipaddress.IPv4Address("100.64.2.4")


def test_subnet_in_a_block_not_yet_associated_is_invalid_range(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with assert_refused(net, "InvalidSubnet.Range"):
        net.create_subnet(vpc, "100.64.2.0/24")


# ---------------------------------------------------------------------- E4: reserved addresses


def test_first_instance_gets_the_fifth_address(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    # SPEC E4: .0 network, .1 router, .2 DNS, .3 future, .255 broadcast are AWS's.
    first = net.run_instance(subnet)
    second = net.run_instance(subnet)
    eni = net.create_network_interface(subnet)
    assert first.private_ip == ipaddress.IPv4Address("10.0.1.4")
    assert second.private_ip == ipaddress.IPv4Address("10.0.1.5")
    assert eni.private_ip == ipaddress.IPv4Address("10.0.1.6")


def test_freed_address_is_reused_lowest_first(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    first = net.run_instance(subnet)
    net.run_instance(subnet)
    net.terminate_instance(first)
    assert net.create_network_interface(subnet).private_ip == ipaddress.IPv4Address("10.0.1.4")


@pytest.mark.parametrize("address", ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"])
def test_reserved_address_cannot_be_chosen(net: vpcsim.Network, subnet: vpcsim.Subnet, address: str) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.run_instance(subnet, private_ip=address)
    assert address in e.value.message
    with assert_refused(net, "InvalidParameterValue") as e:
        net.create_network_interface(subnet, private_ip=address)


@pytest.mark.parametrize("address", ["10.0.1.4", "10.0.1.100", "10.0.1.254"])
def test_unreserved_address_can_be_chosen(net: vpcsim.Network, subnet: vpcsim.Subnet, address: str) -> None:
    assert net.run_instance(subnet, private_ip=address).private_ip == ipaddress.IPv4Address(address)


def test_reserved_addresses_of_a_secondary_block_subnet(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    small = net.create_subnet(vpc, "10.1.0.16/28")
    for address in ("10.1.0.16", "10.1.0.17", "10.1.0.18", "10.1.0.19", "10.1.0.31"):
        with pytest.raises(vpcsim.AwsError) as e:
            net.create_network_interface(small, private_ip=address)
        assert e.value.code == "InvalidParameterValue"
        assert address in e.value.message
    assert net.create_network_interface(small, private_ip="10.1.0.30").private_ip == ipaddress.IPv4Address(
        "10.1.0.30"
    )


def test_address_outside_the_subnet_is_refused(net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.run_instance(subnet, private_ip="10.0.2.10")
    assert "10.0.2.10" in e.value.message


def test_address_in_use_is_refused(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    holder = net.run_instance(subnet, private_ip="10.0.1.10")
    with assert_refused(net, "InvalidIPAddress.InUse") as e:
        net.create_network_interface(subnet, private_ip="10.0.1.10")
    assert "10.0.1.10" in e.value.message
    assert holder.primary_network_interface.id in e.value.message


# ---------------------------------------------------------------------- available addresses


def test_available_ip_address_count(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    assert subnet.available_ip_address_count == 256 - 5
    instance = net.run_instance(subnet, instance_type="m5.large", secondary_private_ip_count=2)
    assert subnet.available_ip_address_count == 256 - 5 - 3
    eni = net.create_network_interface(subnet)
    assert subnet.available_ip_address_count == 256 - 5 - 4
    net.terminate_instance(instance)
    net.delete_network_interface(eni)
    assert subnet.available_ip_address_count == 256 - 5


def test_ipv6_addresses_do_not_count_as_available_ipv4(net: vpcsim.Network, ipv6_vpc: vpcsim.Vpc) -> None:
    subnet = net.create_subnet(ipv6_vpc, "10.0.1.0/24", ipv6_cidr_block=str(nth64(ipv6_vpc, 0)))
    net.run_instance(subnet, ipv6_address_count=1)
    assert subnet.available_ip_address_count == 250


def test_a_28_holds_eleven_addresses(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    small = net.create_subnet(vpc, "10.0.0.16/28")
    assert small.available_ip_address_count == 11
    enis = [net.create_network_interface(small) for _ in range(11)]
    assert [str(e.private_ip) for e in enis] == [f"10.0.0.{n}" for n in range(20, 31)]
    assert small.available_ip_address_count == 0
    with assert_refused(net, "InsufficientFreeAddressesInSubnet") as e:
        net.create_network_interface(small)
    assert small.id in e.value.message
    with assert_refused(net, "InsufficientFreeAddressesInSubnet") as e:
        net.run_instance(small)


def test_secondary_addresses_beyond_the_free_ones_are_refused(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    small = net.create_subnet(vpc, "10.0.0.16/28")
    with assert_refused(net, "InsufficientFreeAddressesInSubnet"):
        net.create_network_interface(small, secondary_private_ip_count=11)
    eni = net.create_network_interface(small, secondary_private_ip_count=10)
    assert len(eni.private_ip_addresses) == 11


# ---------------------------------------------------------------------- IPv6 subnets


def test_ipv6_subnet_takes_a_64_of_the_vpc_block(net: vpcsim.Network, ipv6_vpc: vpcsim.Vpc) -> None:
    block = nth64(ipv6_vpc, 3)
    subnet = net.create_subnet(ipv6_vpc, "10.0.1.0/24", ipv6_cidr_block=str(block))
    assert subnet.ipv6_cidr_block == block
    assert subnet.cidrs == [ipaddress.IPv4Network("10.0.1.0/24"), block]
    eni = net.create_network_interface(subnet, ipv6_address_count=1)
    # SPEC E4: the first four IPv6 addresses are reserved too.
    assert eni.ipv6_addresses == [block.network_address + 4]


@pytest.mark.parametrize("offset", [0, 1, 2, 3, -1])
def test_reserved_ipv6_addresses_cannot_be_chosen(net: vpcsim.Network, ipv6_vpc: vpcsim.Vpc, offset: int) -> None:
    block = nth64(ipv6_vpc, 0)
    subnet = net.create_subnet(ipv6_vpc, "10.0.1.0/24", ipv6_cidr_block=str(block))
    address = (block.broadcast_address if offset < 0 else block.network_address + offset).compressed
    with assert_refused(net, "InvalidParameterValue") as e:
        net.create_network_interface(subnet, ipv6_addresses=[address])
    assert address in e.value.message


def test_ipv6_subnet_that_is_not_a_64_of_the_vpc_block_is_invalid_range(
    net: vpcsim.Network, ipv6_vpc: vpcsim.Vpc
) -> None:
    block = ipv6_vpc.ipv6_cidr_block
    assert block is not None
    wrong = [
        str(ipaddress.IPv6Network((block.network_address, 63))),  # inside, but not a /64
        str(ipaddress.IPv6Network((block.network_address, 65))),
        str(block),  # the whole /56
        "2001:db8:1:2::/64",  # a /64 outside the VPC block
    ]
    for cidr in wrong:
        with assert_refused(net, "InvalidSubnet.Range", cidr) as e:
            net.create_subnet(ipv6_vpc, "10.0.1.0/24", ipv6_cidr_block=cidr)
        assert cidr in e.value.message


def test_ipv6_subnet_in_a_vpc_without_ipv6_is_invalid_range(net: vpcsim.Network, vpc: vpcsim.Vpc) -> None:
    with assert_refused(net, "InvalidSubnet.Range") as e:
        net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block="2600:1f00::/64")
    assert "2600:1f00::/64" in e.value.message


def test_ipv6_subnets_conflict(net: vpcsim.Network, ipv6_vpc: vpcsim.Vpc) -> None:
    block = str(nth64(ipv6_vpc, 0))
    first = net.create_subnet(ipv6_vpc, "10.0.1.0/24", ipv6_cidr_block=block)
    with assert_refused(net, "InvalidSubnet.Conflict") as e:
        net.create_subnet(ipv6_vpc, "10.0.2.0/24", ipv6_cidr_block=block)
    assert block in e.value.message
    assert first.id in e.value.message


def test_assign_ipv6_on_creation(net: vpcsim.Network, ipv6_vpc: vpcsim.Vpc) -> None:
    block = nth64(ipv6_vpc, 1)
    subnet = net.create_subnet(
        ipv6_vpc, "10.0.1.0/24", ipv6_cidr_block=str(block), assign_ipv6_address_on_creation=True
    )
    instance = net.run_instance(subnet)
    assert instance.primary_network_interface.ipv6_addresses == [block.network_address + 4]


def test_assign_ipv6_on_creation_needs_an_ipv6_block(net: vpcsim.Network, ipv6_vpc: vpcsim.Vpc) -> None:
    with assert_refused(net, "InvalidParameterCombination"):
        net.create_subnet(ipv6_vpc, "10.0.1.0/24", assign_ipv6_address_on_creation=True)


# ---------------------------------------------------------------------- modify_subnet_attribute


def test_map_public_ip_on_launch(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    private = net.run_instance(subnet)
    net.modify_subnet_attribute(subnet, map_public_ip_on_launch=True)
    assert subnet.map_public_ip_on_launch
    public = net.run_instance(subnet)
    assert private.public_ip is None
    assert public.public_ip is not None
    net.modify_subnet_attribute(subnet.id, map_public_ip_on_launch=False)
    assert not subnet.map_public_ip_on_launch
    assert net.run_instance(subnet).public_ip is None


def test_modify_subnet_attribute_refuses_non_booleans(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    with assert_refused(net, "InvalidParameterValue") as e:
        net.modify_subnet_attribute(subnet, map_public_ip_on_launch="true")  # type: ignore[arg-type]
    assert "'true'" in e.value.message


def test_assign_ipv6_on_creation_refused_without_an_ipv6_block(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    with assert_refused(net, "InvalidParameterCombination") as e:
        net.modify_subnet_attribute(subnet, map_public_ip_on_launch=True, assign_ipv6_address_on_creation=True)
    assert subnet.id in e.value.message


def test_modify_unknown_subnet_is_not_found(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    with assert_refused(net, "InvalidSubnetID.NotFound") as e:
        net.modify_subnet_attribute("subnet-0123456789abcdef0", map_public_ip_on_launch=True)
    assert "subnet-0123456789abcdef0" in e.value.message


# ---------------------------------------------------------------------- delete_subnet


def test_delete_subnet_with_an_eni_is_dependency_violation(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    eni = net.create_network_interface(subnet)
    with assert_refused(net, "DependencyViolation") as e:
        net.delete_subnet(subnet)
    assert subnet.id in e.value.message
    assert eni.id in e.value.message
    net.delete_network_interface(eni)
    net.delete_subnet(subnet)
    assert subnet not in net


def test_delete_subnet_with_an_instance_is_dependency_violation(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    instance = net.run_instance(subnet)
    with assert_refused(net, "DependencyViolation") as e:
        net.delete_subnet(subnet.id)
    assert instance.primary_network_interface.id in e.value.message
    net.terminate_instance(instance)
    net.delete_subnet(subnet.id)
    assert net.subnets == []


def test_delete_subnet_with_a_nat_gateway_is_dependency_violation(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    nat = net.create_nat_gateway(subnet, connectivity="private")
    with assert_refused(net, "DependencyViolation") as e:
        net.delete_subnet(subnet)
    assert nat.network_interface.id in e.value.message


def test_deleted_subnet_frees_its_range_and_its_route_table(
    net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet
) -> None:
    table = net.create_route_table(vpc)
    net.associate_route_table(table, subnet)
    net.delete_subnet(subnet)
    assert net.route_table_associations(table) == []
    net.delete_route_table(table)  # SPEC R1: no association is left, so it can go
    again = net.create_subnet(vpc, "10.0.1.0/24")
    assert again.route_table is vpc.main_route_table


def test_delete_unknown_subnet_is_not_found(net: vpcsim.Network, subnet: vpcsim.Subnet) -> None:
    net.delete_subnet(subnet)
    with assert_refused(net, "InvalidSubnetID.NotFound") as e:
        net.delete_subnet(subnet.id)
    assert subnet.id in e.value.message
