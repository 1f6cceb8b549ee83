"""Address lookups: which ENI holds a private address, which private address a public one maps to (P3, E7)."""

from __future__ import annotations

import ipaddress

import pytest

import vpcsim


@pytest.fixture
def net() -> vpcsim.Network:
    return vpcsim.Network(seed=21)


def test_private_ipv4_ipv6_and_secondary_addresses_find_their_eni(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    block = next(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=str(block))
    web = net.run_instance(subnet, instance_type="m5.large", secondary_private_ip_count=1, ipv6_address_count=1)
    eni = web.primary_network_interface
    assert [str(a) for a in eni.addresses] == ["10.0.1.4", "10.0.1.5", str(block.network_address + 4)]
    for address in eni.addresses:
        assert net.network_interface_with(address) is eni
        assert net.network_interface_with(str(address)) is eni
    assert net.network_interface_with("10.0.1.6") is None
    assert net.network_interface_with("10.0.1.1") is None  # E4: the VPC router's address is nobody's ENI


def test_an_address_comes_free_when_its_eni_goes(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    web = net.run_instance(subnet)
    net.terminate_instance(web)
    assert net.network_interface_with("10.0.1.4") is None


def test_the_same_private_address_in_two_vpcs_needs_a_vpc(net: vpcsim.Network) -> None:
    a, b = net.create_vpc("10.0.0.0/16"), net.create_vpc("10.0.0.0/16")
    in_a = net.run_instance(net.create_subnet(a, "10.0.1.0/24")).primary_network_interface
    in_b = net.run_instance(net.create_subnet(b, "10.0.1.0/24")).primary_network_interface
    with pytest.raises(ValueError, match="several VPCs") as err:
        net.network_interface_with("10.0.1.4")
    assert in_a.id in str(err.value)
    assert in_b.id in str(err.value)
    assert net.network_interface_with("10.0.1.4", vpc=a) is in_a
    assert net.network_interface_with("10.0.1.4", vpc=b.id) is in_b


def test_a_malformed_address_is_an_aws_error(net: vpcsim.Network) -> None:
    with pytest.raises(vpcsim.AwsError) as err:
        net.network_interface_with("10.0.1.400")
    assert err.value.code == "InvalidParameterValue"
    assert "10.0.1.400" in err.value.message


def test_public_addresses_map_to_their_private_address(net: vpcsim.Network) -> None:
    # SPEC P3/E7: the IGW maps public to private 1:1; the instance only knows its private addresses.
    vpc = net.create_vpc("10.0.0.0/16")
    net.attach_internet_gateway(net.create_internet_gateway(), vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", map_public_ip_on_launch=True)
    web = net.run_instance(subnet, instance_type="m5.large", secondary_private_ip_count=1)
    eni = web.primary_network_interface
    auto = eni.public_ip
    assert auto is not None
    assert net.public_ip_owner(auto) == (eni, ipaddress.IPv4Address("10.0.1.4"))
    eip = net.allocate_address()
    net.associate_address(eip, network_interface=eni, private_ip="10.0.1.5")
    assert net.public_ip_owner(str(eip.public_ip)) == (eni, ipaddress.IPv4Address("10.0.1.5"))
    net.stop_instance(web)  # P1: the auto-assigned address is gone, the EIP stays
    assert net.public_ip_owner(auto) is None
    assert net.public_ip_owner(eip.public_ip) == (eni, ipaddress.IPv4Address("10.0.1.5"))


def test_a_nat_gateways_eip_maps_to_its_eni(net: vpcsim.Network) -> None:
    vpc = net.create_vpc("10.0.0.0/16")
    net.attach_internet_gateway(net.create_internet_gateway(), vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    eip = net.allocate_address()
    nat = net.create_nat_gateway(subnet, allocation=eip)
    assert nat.network_interface is not None
    assert net.public_ip_owner(eip.public_ip) == (nat.network_interface, nat.private_ip)
    assert net.public_ip_owner("198.51.100.7") is None
