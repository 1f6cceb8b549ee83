"""The AWS "two network interfaces" walkthrough, built end to end (SPEC E1-E3, P2, X).

One VPC with an internet gateway; a t2.micro with eth0 (its primary ENI, SG ``my-sg-1`` allowing HTTP from anywhere)
and eth1 (a second ENI in the same subnet at device index 1, SG ``my-sg-2`` with no inbound rules); an Elastic IP on
each ENI. Then the operations AWS refuses on that setup, each leaving the network unchanged.
"""

from __future__ import annotations

import ipaddress

import pytest
from seeds import Seeds, build_seeds

from vpcsim.testing import refused_message as refused


@pytest.fixture
def seeds() -> Seeds:
    return build_seeds()


def test_builds_two_enis_in_one_subnet(seeds: Seeds) -> None:
    # SPEC E1, E2: eth0 is the primary ENI at device index 0, eth1 the secondary at device index 1.
    assert seeds.instance.instance_type == "t2.micro"
    assert seeds.instance.network_interfaces == [seeds.eth0, seeds.eth1]
    assert [eni.device_index for eni in seeds.instance.network_interfaces] == [0, 1]
    assert seeds.eth0.instance is seeds.instance
    assert seeds.eth1.instance is seeds.instance
    assert seeds.eth0.subnet is seeds.subnet
    assert seeds.eth1.subnet is seeds.subnet
    assert seeds.eth0.private_ip_addresses == [ipaddress.IPv4Address("10.0.1.10")]
    assert seeds.eth1.private_ip_addresses == [ipaddress.IPv4Address("10.0.1.11")]
    assert seeds.subnet.used_addresses == {
        ipaddress.IPv4Address("10.0.1.10"): seeds.eth0.id,
        ipaddress.IPv4Address("10.0.1.11"): seeds.eth1.id,
    }
    # The primary ENI goes with the instance; the attached one outlives it.
    assert seeds.eth0.delete_on_termination
    assert not seeds.eth1.delete_on_termination
    assert seeds.eth0.attachment_id is not None
    assert seeds.eth1.attachment_id is not None
    assert seeds.eth0.attachment_id != seeds.eth1.attachment_id


def test_security_groups_per_eni(seeds: Seeds) -> None:
    # SPEC G1, G3: my-sg-1 admits HTTP from anywhere on eth0; my-sg-2 admits nothing on eth1.
    assert seeds.eth0.security_groups == [seeds.sg1]
    assert seeds.eth1.security_groups == [seeds.sg2]
    assert seeds.instance.security_groups == [seeds.sg1]
    assert [(r.protocol, r.from_port, r.to_port, str(r.cidr)) for r in seeds.sg1.ingress] == [
        (6, 80, 80, "0.0.0.0/0")
    ]
    assert seeds.sg2.ingress == []
    assert [str(r.cidr) for r in seeds.sg2.egress] == ["0.0.0.0/0"]


def test_public_addresses_are_the_elastic_ips(seeds: Seeds) -> None:
    # SPEC P2, P3: one EIP per ENI's primary private IP; the IGW maps exactly those.
    assert seeds.eip0.public_ip != seeds.eip1.public_ip
    assert seeds.eth0.public_ips == {seeds.eth0.private_ip: seeds.eip0.public_ip}
    assert seeds.eth1.public_ips == {seeds.eth1.private_ip: seeds.eip1.public_ip}
    assert seeds.instance.public_ip == seeds.eip0.public_ip
    assert seeds.eth0.auto_public_ip is None
    assert (seeds.eip0.network_interface, seeds.eip0.private_ip) == (seeds.eth0, seeds.eth0.private_ip)
    assert (seeds.eip1.network_interface, seeds.eip1.private_ip) == (seeds.eth1, seeds.eth1.private_ip)
    assert seeds.eip0.association_id is not None
    assert seeds.eip0.association_id.startswith("eipassoc-")


def test_detaching_eth0_is_refused(seeds: Seeds) -> None:
    # SPEC E1: the primary ENI cannot be detached.
    message = refused(seeds.net, "OperationNotPermitted", seeds.net.detach_network_interface, seeds.eth0)
    assert seeds.eth0.id in message


def test_attaching_an_eni_from_another_az_is_refused(seeds: Seeds) -> None:
    # SPEC E2: same VPC, but a subnet in us-east-1b while the instance is in us-east-1a.
    other_az = seeds.net.create_subnet(seeds.vpc, "10.0.2.0/24", az="us-east-1b")
    eni = seeds.net.create_network_interface(other_az, security_groups=[seeds.sg2])
    message = refused(
        seeds.net,
        "InvalidParameterCombination",
        seeds.net.attach_network_interface,
        eni,
        seeds.instance,
        device_index=2,
    )
    assert eni.id in message
    assert "us-east-1b" in message
    assert eni.instance is None


def test_third_eni_on_a_t2_micro_is_refused(seeds: Seeds) -> None:
    # SPEC E3: a t2.micro takes 2 ENIs.
    eni = seeds.net.create_network_interface(seeds.subnet, security_groups=[seeds.sg2])
    message = refused(
        seeds.net, "AttachmentLimitExceeded", seeds.net.attach_network_interface, eni, seeds.instance, device_index=2
    )
    assert "t2.micro" in message
    assert len(seeds.instance.network_interfaces) == 2


def test_reassociating_an_associated_eip_without_permission_is_refused(seeds: Seeds) -> None:
    # SPEC P2: allow_reassociation=False keeps an associated EIP where it is.
    message = refused(
        seeds.net,
        "Resource.AlreadyAssociated",
        seeds.net.associate_address,
        seeds.eip0,
        network_interface=seeds.eth1,
        allow_reassociation=False,
    )
    assert seeds.eip0.id in message
    assert seeds.eip0.network_interface is seeds.eth0


def test_associating_by_instance_with_two_enis_is_refused(seeds: Seeds) -> None:
    # SPEC P2: with several ENIs the caller must name the ENI.
    eip = seeds.net.allocate_address()
    message = refused(seeds.net, "InvalidInstanceID", seeds.net.associate_address, eip, instance=seeds.instance)
    assert seeds.instance.id in message
    assert not eip.is_associated


def test_eth1_moves_to_another_instance_with_its_address_sg_and_eip(seeds: Seeds) -> None:
    # SPEC E2: detach eth1 and attach it elsewhere; its IP, SG and EIP go with it.
    other = seeds.net.run_instance(seeds.subnet, instance_type="t2.micro", security_groups=[seeds.sg1])
    seeds.net.detach_network_interface(seeds.eth1)
    assert seeds.instance.network_interfaces == [seeds.eth0]
    assert seeds.eth1.instance is None
    seeds.net.attach_network_interface(seeds.eth1, other, device_index=1)
    assert other.network_interfaces == [other.primary_network_interface, seeds.eth1]
    assert seeds.eth1.private_ip_addresses == [ipaddress.IPv4Address("10.0.1.11")]
    assert seeds.eth1.security_groups == [seeds.sg2]
    assert seeds.eth1.public_ips == {ipaddress.IPv4Address("10.0.1.11"): seeds.eip1.public_ip}
    assert seeds.eip1.network_interface is seeds.eth1
