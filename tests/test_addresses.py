"""Tests for Elastic IPs: allocate, associate, move, disassociate, release (SPEC P1, P2, X)."""

from __future__ import annotations

import ipaddress
from typing import Any

import attrs
import pytest

import vpcsim
from vpcsim.testing import refused_message as refused

IP = ipaddress.IPv4Address


@attrs.frozen
class Lab:
    net: vpcsim.Network
    vpc: vpcsim.Vpc
    subnet: vpcsim.Subnet  # public: map_public_ip_on_launch, routed to the IGW


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=17)
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", map_public_ip_on_launch=True)
    table = net.create_route_table(vpc)
    net.create_route(table, "0.0.0.0/0", igw)
    net.associate_route_table(table, subnet)
    return Lab(net, vpc, subnet)


def test_allocate(lab: Lab) -> None:
    first, second = lab.net.allocate_address(name="a"), lab.net.allocate_address()
    assert lab.net.elastic_ips == [first, second]
    assert first.allocation_id == first.id
    assert first.id.startswith("eipalloc-")
    assert first.public_ip.is_global
    assert first.public_ip != second.public_ip
    assert not first.is_associated
    assert (first.network_interface, first.private_ip, first.association_id) == (None, None, None)
    assert first.name == "a"


@pytest.mark.parametrize("refusal", [{"name": 5}, {"tags": {"team": 7}}], ids=["bad-name-tag", "bad-tag-value"])
def test_a_refused_allocation_does_not_shift_later_ids(refusal: dict[str, Any]) -> None:
    # SPEC X: a failed operation changes nothing, the id sequence included (same seed, same ids).
    plain, with_refusal = vpcsim.Network(seed=4), vpcsim.Network(seed=4)
    refused(with_refusal, "InvalidParameterValue", with_refusal.allocate_address, **refusal)
    assert with_refusal.elastic_ips == []
    assert plain.allocate_address().id == with_refusal.allocate_address().id


def test_associate_with_a_single_eni_instance_targets_its_primary_ip(lab: Lab) -> None:
    # SPEC P2
    instance = lab.net.run_instance(lab.subnet, associate_public_ip=False, secondary_private_ip_count=1)
    eip = lab.net.allocate_address()
    association_id = lab.net.associate_address(eip, instance=instance)
    eni = instance.primary_network_interface
    assert association_id.startswith("eipassoc-")
    assert eip.association_id == association_id
    assert (eip.network_interface, eip.private_ip) == (eni, IP("10.0.1.4"))
    assert instance.public_ip == eip.public_ip
    assert eni.public_ips == {IP("10.0.1.4"): eip.public_ip}


def test_associate_with_a_secondary_private_ip(lab: Lab) -> None:
    # SPEC P2: one EIP per private IPv4, primary or secondary.
    eni = lab.net.create_network_interface(lab.subnet, secondary_private_ip_count=1)
    primary_eip, secondary_eip = lab.net.allocate_address(), lab.net.allocate_address()
    lab.net.associate_address(primary_eip, network_interface=eni)
    lab.net.associate_address(secondary_eip, network_interface=eni.id, private_ip="10.0.1.5")
    assert eni.public_ips == {IP("10.0.1.4"): primary_eip.public_ip, IP("10.0.1.5"): secondary_eip.public_ip}
    assert eni.public_ip == primary_eip.public_ip
    assert secondary_eip.private_ip == IP("10.0.1.5")


def test_a_second_eip_on_the_same_private_ip_replaces_the_first(lab: Lab) -> None:
    # SPEC P2: one EIP per private IPv4.
    eni = lab.net.create_network_interface(lab.subnet)
    first, second = lab.net.allocate_address(), lab.net.allocate_address()
    lab.net.associate_address(first, network_interface=eni)
    lab.net.associate_address(second, network_interface=eni)
    assert eni.elastic_ips == {eni.private_ip: second}
    assert eni.public_ip == second.public_ip
    assert (first.network_interface, first.private_ip, first.association_id) == (None, None, None)
    assert first in lab.net.elastic_ips
    lab.net.release_address(first)  # unassociated, so it can go
    assert first not in lab.net.elastic_ips


def test_an_eip_replaces_the_auto_public_ip_and_disassociating_brings_a_new_one(lab: Lab) -> None:
    # SPEC P1, P2
    instance = lab.net.run_instance(lab.subnet)
    eni = instance.primary_network_interface
    auto = instance.public_ip
    assert auto is not None
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, instance=instance)
    assert instance.public_ip == eip.public_ip
    assert eni.auto_public_ip is None
    assert eni.public_ips == {eni.private_ip: eip.public_ip}
    lab.net.disassociate_address(eip)
    assert not eip.is_associated
    assert instance.public_ip is not None
    assert instance.public_ip != eip.public_ip
    assert eni.public_ips == {eni.private_ip: instance.public_ip}


def test_disassociating_gives_no_public_ip_to_an_instance_launched_without_one(lab: Lab) -> None:
    # SPEC P1: only an instance launched with an auto-assigned address gets one back.
    instance = lab.net.run_instance(lab.subnet, associate_public_ip=False)
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, instance=instance)
    lab.net.disassociate_address(eip)
    assert instance.public_ip is None


def test_an_eip_on_a_secondary_ip_leaves_the_auto_public_ip(lab: Lab) -> None:
    # SPEC P2: the EIP replaces the auto-assigned address only on the primary private IP.
    instance = lab.net.run_instance(lab.subnet, secondary_private_ip_count=1)
    eni = instance.primary_network_interface
    auto = instance.public_ip
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, network_interface=eni, private_ip=str(eni.private_ip_addresses[1]))
    assert instance.public_ip == auto
    assert eni.public_ips == {eni.private_ip: auto, eni.private_ip_addresses[1]: eip.public_ip}


def test_move_an_associated_eip(lab: Lab) -> None:
    # SPEC P2: reassociation is allowed by default; the EIP moves and its old instance gets an auto address back.
    old = lab.net.run_instance(lab.subnet)
    new = lab.net.run_instance(lab.subnet, associate_public_ip=False)
    eip = lab.net.allocate_address()
    first_association = lab.net.associate_address(eip, instance=old)
    second_association = lab.net.associate_address(eip, instance=new, allow_reassociation=True)
    assert second_association != first_association
    assert eip.association_id == second_association
    assert eip.network_interface is new.primary_network_interface
    assert new.public_ip == eip.public_ip
    assert old.primary_network_interface.elastic_ips == {}
    assert old.public_ip is not None
    assert old.public_ip != eip.public_ip


def test_reassociation_can_be_refused(lab: Lab) -> None:
    # SPEC P2: allow_reassociation=False and the EIP is associated elsewhere.
    here = lab.net.create_network_interface(lab.subnet)
    there = lab.net.create_network_interface(lab.subnet)
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, network_interface=here, allow_reassociation=False)  # not associated yet: fine
    message = refused(
        lab.net,
        "Resource.AlreadyAssociated",
        lab.net.associate_address,
        eip,
        network_interface=there,
        allow_reassociation=False,
    )
    assert eip.id in message
    assert eip.network_interface is here


def test_associate_with_a_private_ip_not_on_the_eni_is_refused(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    lab.net.create_network_interface(lab.subnet, private_ip="10.0.1.77")
    eip = lab.net.allocate_address()
    message = refused(
        lab.net,
        "InvalidParameterValue",
        lab.net.associate_address,
        eip,
        network_interface=eni,
        private_ip="10.0.1.77",
    )
    assert "10.0.1.77" in message
    assert eni.id in message


def test_associate_in_a_vpc_without_an_internet_gateway_is_refused(lab: Lab) -> None:
    # SPEC P3: the IGW holds the mapping; without one there is nothing to associate with.
    private_vpc = lab.net.create_vpc("10.1.0.0/16")
    eni = lab.net.create_network_interface(lab.net.create_subnet(private_vpc, "10.1.1.0/24"))
    eip = lab.net.allocate_address()
    message = refused(lab.net, "Gateway.NotAttached", lab.net.associate_address, eip, network_interface=eni)
    assert private_vpc.id in message


def test_associate_needs_exactly_one_target(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet)
    eip = lab.net.allocate_address()
    refused(lab.net, "InvalidParameterCombination", lab.net.associate_address, eip)
    refused(
        lab.net,
        "InvalidParameterCombination",
        lab.net.associate_address,
        eip,
        instance=instance,
        network_interface=instance.primary_network_interface,
    )


def test_associate_by_instance_with_two_enis_is_refused(lab: Lab) -> None:
    # SPEC P2: the caller names the ENI.
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    lab.net.attach_network_interface(lab.net.create_network_interface(lab.subnet), instance, device_index=1)
    eip = lab.net.allocate_address()
    message = refused(lab.net, "InvalidInstanceID", lab.net.associate_address, eip, instance=instance.id)
    assert instance.id in message


def test_associate_an_unknown_allocation_is_refused(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    message = refused(
        lab.net,
        "InvalidAllocationID.NotFound",
        lab.net.associate_address,
        "eipalloc-0123456789abcdef0",
        network_interface=eni,
    )
    assert "eipalloc-0123456789abcdef0" in message


def test_disassociate_by_association_id(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    eip = lab.net.allocate_address()
    association_id = lab.net.associate_address(eip, network_interface=eni)
    lab.net.disassociate_address(association_id)
    assert not eip.is_associated
    assert eni.public_ips == {}
    message = refused(lab.net, "InvalidAssociationID.NotFound", lab.net.disassociate_address, association_id)
    assert association_id in message


def test_disassociate_an_unassociated_eip_is_refused(lab: Lab) -> None:
    eip = lab.net.allocate_address()
    message = refused(lab.net, "InvalidAssociationID.NotFound", lab.net.disassociate_address, eip)
    assert eip.id in message


def test_release_an_associated_eip_is_refused(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, network_interface=eni)
    message = refused(lab.net, "InvalidIPAddress.InUse", lab.net.release_address, eip)
    assert str(eip.public_ip) in message
    lab.net.disassociate_address(eip)
    lab.net.release_address(eip)
    assert eip.id not in lab.net
    message = refused(lab.net, "InvalidAllocationID.NotFound", lab.net.release_address, eip.id)
    assert eip.id in message
