"""Tests for NAT gateways: creation rules, their requester-managed ENI and EIP, deletion (SPEC I4, E6, P2, R6, X)."""

from __future__ import annotations

import ipaddress

import attrs
import pytest

import vpcsim
from vpcsim.testing import refused_message as refused

IP = ipaddress.IPv4Address


@attrs.frozen
class Lab:
    net: vpcsim.Network
    vpc: vpcsim.Vpc
    public: vpcsim.Subnet  # 10.0.0.0/24, routed to the IGW
    private: vpcsim.Subnet  # 10.0.10.0/24, its own table
    private_rt: vpcsim.RouteTable


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=29)
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    public = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a")
    private = net.create_subnet(vpc, "10.0.10.0/24", az="us-east-1a")
    public_rt = net.create_route_table(vpc)
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.associate_route_table(public_rt, public)
    private_rt = net.create_route_table(vpc)
    net.associate_route_table(private_rt, private)
    return Lab(net, vpc, public, private, private_rt)


# ---------------------------------------------------------------------------- creation (I4, E6)


def test_public_nat_gateway_has_a_requester_managed_eni_with_its_eip(lab: Lab) -> None:
    # SPEC I4, E6
    eip = lab.net.allocate_address()
    nat = lab.net.create_nat_gateway(lab.public, allocation=eip, name="nat-a")
    eni = nat.network_interface
    assert lab.net.nat_gateways == [nat]
    assert nat.id.startswith("nat-")
    assert (nat.connectivity, nat.state, nat.subnet, nat.vpc) == ("public", "available", lab.public, lab.vpc)
    assert nat.name == "nat-a"
    assert lab.net.get(eni.id) is eni
    assert eni.subnet is lab.public
    assert eni.interface_type == "nat_gateway"
    assert eni.requester_managed
    assert not eni.source_dest_check
    assert eni.security_groups == []
    assert eni.instance is None
    assert nat.id in eni.description
    assert eni.private_ip_addresses == [IP("10.0.0.4")]
    assert lab.public.used_addresses == {IP("10.0.0.4"): eni.id}
    # The EIP is mapped to the NAT's private address (P3).
    assert nat.elastic_ip is eip
    assert (eip.network_interface, eip.private_ip) == (eni, IP("10.0.0.4"))
    assert eni.public_ips == {IP("10.0.0.4"): eip.public_ip}
    assert (nat.private_ip, nat.public_ip) == (IP("10.0.0.4"), eip.public_ip)


def test_nat_gateway_at_a_chosen_address(lab: Lab) -> None:
    nat = lab.net.create_nat_gateway(lab.public, allocation=lab.net.allocate_address(), private_ip="10.0.0.100")
    assert nat.private_ip == IP("10.0.0.100")
    message = refused(
        lab.net,
        "InvalidIPAddress.InUse",
        lab.net.create_nat_gateway,
        lab.public,
        allocation=lab.net.allocate_address(),
        private_ip="10.0.0.100",
    )
    assert "10.0.0.100" in message


def test_public_nat_gateway_needs_an_eip(lab: Lab) -> None:
    # SPEC I4
    refused(lab.net, "InvalidParameterValue", lab.net.create_nat_gateway, lab.public)
    assert lab.net.nat_gateways == []


def assert_failed(nat: vpcsim.NatGateway, code: str) -> None:
    """A NAT gateway AWS created and then failed: no ENI, no EIP, no address, the reason kept."""
    assert (nat.state, nat.failure_code) == ("failed", code)
    assert nat.failure_message
    assert (nat.network_interface, nat.elastic_ip, nat.private_ip, nat.public_ip) == (None, None, None, None)


def test_public_nat_gateway_with_an_associated_eip_fails(lab: Lab) -> None:
    # SPEC I4, P2: AWS creates the NAT gateway, which fails because the EIP is not free.
    eip = lab.net.allocate_address()
    holder = lab.net.create_network_interface(lab.public)
    lab.net.associate_address(eip, network_interface=holder)
    used, enis = dict(lab.public.used_addresses), list(lab.net.network_interfaces)

    nat = lab.net.create_nat_gateway(lab.public, allocation=eip, name="nat-a")

    assert_failed(nat, "Resource.AlreadyAssociated")
    assert eip.id in (nat.failure_message or "")
    assert (nat.subnet, nat.connectivity, nat.name) == (lab.public, "public", "nat-a")
    assert lab.net.nat_gateways == [nat]
    # Nothing was taken, and the EIP stays where it was.
    assert lab.public.used_addresses == used
    assert lab.net.network_interfaces == enis
    assert (eip.network_interface, eip.private_ip) == (holder, holder.private_ip)


def test_an_eip_serves_one_nat_gateway(lab: Lab) -> None:
    eip = lab.net.allocate_address()
    first = lab.net.create_nat_gateway(lab.public, allocation=eip)

    second = lab.net.create_nat_gateway(lab.public, allocation=eip.id)

    assert_failed(second, "Resource.AlreadyAssociated")
    assert eip.id in (second.failure_message or "")
    assert (first.state, first.elastic_ip, first.public_ip) == ("available", eip, eip.public_ip)
    assert eip.network_interface is first.network_interface
    assert lab.public.used_addresses == {first.private_ip: first.network_interface.id}


def test_public_nat_gateway_without_an_internet_gateway_fails(lab: Lab) -> None:
    # SPEC I4: AWS creates it, then it fails with Gateway.NotAttached.
    isolated = lab.net.create_vpc("10.1.0.0/16")
    subnet = lab.net.create_subnet(isolated, "10.1.0.0/24")
    eip = lab.net.allocate_address()

    nat = lab.net.create_nat_gateway(subnet, allocation=eip)

    assert_failed(nat, "Gateway.NotAttached")
    assert isolated.id in (nat.failure_message or "")
    assert not eip.is_associated
    assert (eip.network_interface, eip.private_ip) == (None, None)
    assert subnet.used_addresses == {}
    # The EIP is still free for another NAT gateway.
    assert lab.net.create_nat_gateway(lab.public, allocation=eip).public_ip == eip.public_ip


def test_a_route_to_a_failed_nat_gateway_is_a_blackhole(lab: Lab) -> None:
    # SPEC R6: create_route accepts it; the route drops what it matches.
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, network_interface=lab.net.create_network_interface(lab.public))
    nat = lab.net.create_nat_gateway(lab.public, allocation=eip)

    route = lab.net.create_route(lab.private_rt, "0.0.0.0/0", nat)

    assert (route.target, route.state) == (nat.id, "blackhole")


def test_delete_a_failed_nat_gateway(lab: Lab) -> None:
    isolated = lab.net.create_vpc("10.1.0.0/16")
    subnet = lab.net.create_subnet(isolated, "10.1.0.0/24")
    eip = lab.net.allocate_address()
    nat = lab.net.create_nat_gateway(subnet, allocation=eip)

    lab.net.delete_nat_gateway(nat)

    assert nat.id not in lab.net
    assert lab.net.nat_gateways == []
    assert eip in lab.net.elastic_ips
    lab.net.delete_subnet(subnet)  # it held no address
    message = refused(lab.net, "NatGatewayNotFound", lab.net.delete_nat_gateway, nat.id)
    assert nat.id in message


def test_private_nat_gateway_takes_no_eip(lab: Lab) -> None:
    # SPEC I4: a private NAT gateway SNATs to its private IP only.
    refused(
        lab.net,
        "InvalidParameterCombination",
        lab.net.create_nat_gateway,
        lab.private,
        allocation=lab.net.allocate_address(),
        connectivity="private",
    )


def test_private_nat_gateway_needs_no_internet_gateway(lab: Lab) -> None:
    isolated = lab.net.create_vpc("10.1.0.0/16")
    nat = lab.net.create_nat_gateway(lab.net.create_subnet(isolated, "10.1.0.0/24"), connectivity="private")
    assert nat.connectivity == "private"
    assert (nat.elastic_ip, nat.public_ip) == (None, None)
    assert nat.private_ip == IP("10.1.0.4")
    assert nat.network_interface.public_ips == {}
    assert nat.network_interface.interface_type == "nat_gateway"


def test_unknown_connectivity_is_refused(lab: Lab) -> None:
    message = refused(
        lab.net,
        "InvalidParameterValue",
        lab.net.create_nat_gateway,
        lab.public,
        allocation=lab.net.allocate_address(),
        connectivity="internal",
    )
    assert "internal" in message


# ---------------------------------------------------------------------------- its EIP (P2)


def test_the_nat_gateway_eip_cannot_be_disassociated(lab: Lab) -> None:
    eip = lab.net.allocate_address()
    nat = lab.net.create_nat_gateway(lab.public, allocation=eip)
    assert eip.association_id is not None
    for ref in (eip, eip.association_id):
        message = refused(lab.net, "OperationNotPermitted", lab.net.disassociate_address, ref)
        assert eip.id in message
    assert nat.public_ip == eip.public_ip


def test_the_nat_gateway_eip_cannot_be_moved(lab: Lab) -> None:
    # SPEC P2: reassociation is allowed for EIPs on ENIs, not for the one a NAT gateway holds.
    eip = lab.net.allocate_address()
    lab.net.create_nat_gateway(lab.public, allocation=eip)
    instance = lab.net.run_instance(lab.public)
    message = refused(
        lab.net,
        "Resource.AlreadyAssociated",
        lab.net.associate_address,
        eip,
        instance=instance,
        allow_reassociation=True,
    )
    assert eip.id in message


def test_the_nat_gateway_eip_cannot_be_released(lab: Lab) -> None:
    eip = lab.net.allocate_address()
    lab.net.create_nat_gateway(lab.public, allocation=eip)
    message = refused(lab.net, "InvalidIPAddress.InUse", lab.net.release_address, eip)
    assert eip.id in message


def test_no_other_eip_on_the_nat_gateway_eni(lab: Lab) -> None:
    # SPEC E6: AWS manages the NAT gateway's ENI.
    nat = lab.net.create_nat_gateway(lab.public, allocation=lab.net.allocate_address())
    other = lab.net.allocate_address()
    message = refused(
        lab.net, "OperationNotPermitted", lab.net.associate_address, other, network_interface=nat.network_interface
    )
    assert nat.network_interface.id in message


# ---------------------------------------------------------------------------- routes and deletion (R6)


def test_delete_frees_the_eni_and_eip_and_blackholes_routes(lab: Lab) -> None:
    # SPEC R6: the route stays, pointing at nothing.
    eip = lab.net.allocate_address()
    nat = lab.net.create_nat_gateway(lab.public, allocation=eip)
    eni = nat.network_interface
    route = lab.net.create_route(lab.private_rt, "0.0.0.0/0", nat)
    assert (route.target, route.state) == (nat.id, "active")

    lab.net.delete_nat_gateway(nat)

    assert nat.id not in lab.net
    assert eni.id not in lab.net
    assert lab.public.used_addresses == {}
    assert not eip.is_associated
    assert eip in lab.net.elastic_ips
    after = lab.private_rt.find_route("0.0.0.0/0")
    assert after is not None
    assert (after.target, after.state) == (nat.id, "blackhole")
    # The EIP and the subnet can be used again.
    again = lab.net.create_nat_gateway(lab.public, allocation=eip)
    assert again.public_ip == eip.public_ip
    assert again.private_ip == IP("10.0.0.4")


def test_delete_an_unknown_nat_gateway_is_refused(lab: Lab) -> None:
    nat = lab.net.create_nat_gateway(lab.public, allocation=lab.net.allocate_address())
    lab.net.delete_nat_gateway(nat)
    message = refused(lab.net, "NatGatewayNotFound", lab.net.delete_nat_gateway, nat.id)
    assert nat.id in message


def test_a_subnet_with_a_nat_gateway_cannot_be_deleted(lab: Lab) -> None:
    nat = lab.net.create_nat_gateway(lab.public, allocation=lab.net.allocate_address())
    message = refused(lab.net, "DependencyViolation", lab.net.delete_subnet, lab.public)
    assert nat.network_interface.id in message


def test_a_refused_nat_gateway_does_not_shift_later_ids(lab: Lab) -> None:
    # SPEC X: a failed operation changes nothing, the id sequence included.
    twin = lab.net.copy()
    with pytest.raises(vpcsim.AwsError):
        twin.create_nat_gateway(lab.public.id, connectivity="public")
    assert lab.net.allocate_address().id == twin.allocate_address().id


def test_a_failed_nat_gateway_goes_with_its_subnet() -> None:
    # A failed NAT gateway holds no ENI, so its subnet can be deleted; AWS deletes failed NAT gateways itself.
    net = vpcsim.Network(seed=11)
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24")
    nat = net.create_nat_gateway(subnet, allocation=net.allocate_address())
    assert nat.state == "failed"
    assert nat.failure_code == "Gateway.NotAttached"
    route = net.create_route(vpc.main_route_table, "0.0.0.0/0", nat)
    assert route.state == "blackhole"
    net.delete_subnet(subnet)
    assert nat.id not in net
    assert subnet.id not in net
    assert vpc.main_route_table.find_route("0.0.0.0/0") == route
