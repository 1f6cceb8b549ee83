"""Tests for network interfaces: create, attach, detach, addresses, attributes, delete (SPEC E1-E6, G7, X)."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable

import attrs
import pytest

import vpcsim
from vpcsim.testing import refused_message as refused

IP = ipaddress.IPv4Address


@attrs.frozen
class Lab:
    net: vpcsim.Network
    vpc: vpcsim.Vpc
    subnet: vpcsim.Subnet  # 10.0.1.0/24 in us-east-1a
    subnet_same_az: vpcsim.Subnet  # 10.0.2.0/24 in us-east-1a
    subnet_other_az: vpcsim.Subnet  # 10.0.3.0/24 in us-east-1b
    sg: vpcsim.SecurityGroup


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=3)
    vpc = net.create_vpc("10.0.0.0/16")
    net.attach_internet_gateway(net.create_internet_gateway(), vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    same_az = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a")
    other_az = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1b")
    sg = net.create_security_group(vpc, "app")
    return Lab(net, vpc, subnet, same_az, other_az, sg)


# ---------------------------------------------------------------------------- create (E4, G7)


def test_create_takes_the_first_free_address_and_the_default_sg(lab: Lab) -> None:
    # SPEC E4: .0-.3 are AWS's, so the first ENI gets .4; SGs default to the VPC's default SG.
    eni = lab.net.create_network_interface(lab.subnet)
    assert eni.private_ip_addresses == [IP("10.0.1.4")]
    assert eni.security_groups == [lab.vpc.default_security_group]
    assert eni.source_dest_check
    assert eni.instance is None
    assert eni.device_index is None
    assert eni.interface_type == "interface"
    assert not eni.requester_managed
    assert re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", eni.mac_address)
    assert lab.subnet.used_addresses == {IP("10.0.1.4"): eni.id}
    assert lab.subnet.available_ip_address_count == 256 - 5 - 1
    assert lab.net.create_network_interface(lab.subnet).private_ip == IP("10.0.1.5")


def test_create_with_explicit_address_and_groups(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet, security_groups=[lab.sg], private_ip="10.0.1.50")
    assert eni.private_ip_addresses == [IP("10.0.1.50")]
    assert eni.security_groups == [lab.sg]
    assert lab.net.get(eni.id) is eni


def test_create_with_a_security_group_of_another_vpc_is_refused(lab: Lab) -> None:
    # SPEC E4, G2: an ENI's SGs belong to its VPC. AWS: InvalidParameter, "... belong to different networks".
    other_vpc = lab.net.create_vpc("10.1.0.0/16")
    foreign = lab.net.create_security_group(other_vpc, "foreign")
    for groups in ([foreign], [lab.sg, foreign.id]):
        message = refused(
            lab.net, "InvalidParameter", lab.net.create_network_interface, lab.subnet, security_groups=groups
        )
        assert foreign.id in message
        assert lab.vpc.id in message
        assert "belong to different networks" in message


def test_modify_with_a_security_group_of_another_vpc_is_refused(lab: Lab) -> None:
    foreign = lab.net.create_security_group(lab.net.create_vpc("10.1.0.0/16"), "foreign")
    eni = lab.net.create_network_interface(lab.subnet, security_groups=[lab.sg])
    message = refused(
        lab.net, "InvalidParameter", lab.net.modify_network_interface_attribute, eni, security_groups=[foreign]
    )
    assert foreign.id in message
    assert eni.security_groups == [lab.sg]


def test_an_unknown_security_group_is_still_not_found(lab: Lab) -> None:
    message = refused(
        lab.net,
        "InvalidGroup.NotFound",
        lab.net.create_network_interface,
        lab.subnet,
        security_groups=["sg-0123456789abcdef0"],
    )
    assert "sg-0123456789abcdef0" in message


def test_five_security_groups_per_eni_and_no_more(lab: Lab) -> None:
    # SPEC G7: 5 SGs per ENI.
    groups = [lab.net.create_security_group(lab.vpc, f"group{n}") for n in range(6)]
    eni = lab.net.create_network_interface(lab.subnet, security_groups=groups[:5])
    assert eni.security_groups == groups[:5]
    message = refused(
        lab.net,
        "SecurityGroupsPerInterfaceLimitExceeded",
        lab.net.create_network_interface,
        lab.subnet,
        security_groups=groups,
    )
    assert re.search(r"\b6\b", message)


def test_create_with_an_address_in_use_is_refused(lab: Lab) -> None:
    # SPEC E4: an address belongs to one ENI.
    owner = lab.net.create_network_interface(lab.subnet, private_ip="10.0.1.20")
    message = refused(
        lab.net, "InvalidIPAddress.InUse", lab.net.create_network_interface, lab.subnet, private_ip="10.0.1.20"
    )
    assert "10.0.1.20" in message
    assert owner.id in message


@pytest.mark.parametrize("address", ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255", "10.0.2.9"])
def test_create_with_a_reserved_or_foreign_address_is_refused(lab: Lab, address: str) -> None:
    # SPEC E4: the first four and the last address of a subnet are reserved; the address must be in the subnet.
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.create_network_interface, lab.subnet, private_ip=address
    )
    assert address in message


def test_create_with_secondary_addresses(lab: Lab) -> None:
    # SPEC E4: a primary private IPv4 then the secondary ones, all from the subnet.
    counted = lab.net.create_network_interface(lab.subnet, secondary_private_ip_count=2)
    assert counted.private_ip_addresses == [IP("10.0.1.4"), IP("10.0.1.5"), IP("10.0.1.6")]
    assert counted.private_ip == IP("10.0.1.4")
    named = lab.net.create_network_interface(
        lab.subnet, private_ip="10.0.1.40", secondary_private_ips=["10.0.1.41", "10.0.1.42"]
    )
    assert named.private_ip_addresses == [IP("10.0.1.40"), IP("10.0.1.41"), IP("10.0.1.42")]
    assert {a for a, owner in lab.subnet.used_addresses.items() if owner == named.id} == set(
        named.private_ip_addresses
    )


def test_ipv6_addresses_need_an_ipv6_subnet(lab: Lab) -> None:
    # SPEC E4: IPv6 addresses come from the subnet's IPv6 block; without one there are none to give.
    message = refused(
        lab.net, "InvalidParameterCombination", lab.net.create_network_interface, lab.subnet, ipv6_address_count=1
    )
    assert lab.subnet.id in message


def test_ipv6_addresses_from_the_subnet_block() -> None:
    net = vpcsim.Network(seed=5)
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    block = next(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=str(block))
    eni = net.create_network_interface(subnet, ipv6_address_count=2)
    assert len(eni.ipv6_addresses) == 2
    assert all(a in block for a in eni.ipv6_addresses)
    assert all(subnet.used_addresses[a] == eni.id for a in eni.ipv6_addresses)
    assert eni.addresses == [eni.private_ip, *eni.ipv6_addresses]


# ---------------------------------------------------------------------------- attach and detach (E1, E2)


def test_attach_a_secondary_eni(lab: Lab) -> None:
    # SPEC E2: attached at the device index asked for; not deleted with the instance.
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.subnet_same_az, security_groups=[lab.sg])
    attachment_id = lab.net.attach_network_interface(eni, instance, device_index=1)
    assert attachment_id.startswith("eni-attach-")
    assert eni.attachment_id == attachment_id
    assert (eni.instance, eni.device_index) == (instance, 1)
    assert not eni.delete_on_termination
    assert instance.network_interfaces == [instance.primary_network_interface, eni]


def test_attach_from_another_az_is_refused(lab: Lab) -> None:
    # SPEC E2: same VPC, other AZ.
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.subnet_other_az)
    message = refused(
        lab.net, "InvalidParameterCombination", lab.net.attach_network_interface, eni, instance, device_index=1
    )
    assert eni.id in message
    assert instance.id in message


def test_attach_from_another_vpc_is_refused(lab: Lab) -> None:
    # SPEC E2: same AZ, other VPC.
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    other_vpc = lab.net.create_vpc("10.1.0.0/16")
    eni = lab.net.create_network_interface(lab.net.create_subnet(other_vpc, "10.1.1.0/24", az="us-east-1a"))
    message = refused(
        lab.net, "InvalidParameterCombination", lab.net.attach_network_interface, eni, instance, device_index=1
    )
    assert eni.id in message
    assert other_vpc.id in message


def test_attach_at_a_taken_device_index_is_refused(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    lab.net.attach_network_interface(lab.net.create_network_interface(lab.subnet), instance, device_index=1)
    eni = lab.net.create_network_interface(lab.subnet)
    for taken in (0, 1):
        message = refused(
            lab.net, "InvalidParameterValue", lab.net.attach_network_interface, eni, instance, device_index=taken
        )
        assert instance.id in message
        assert f"'{taken}'" in message


def test_attach_an_attached_eni_is_refused(lab: Lab) -> None:
    first = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    second = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.subnet)
    lab.net.attach_network_interface(eni, first, device_index=1)
    message = refused(
        lab.net, "InvalidNetworkInterface.InUse", lab.net.attach_network_interface, eni, second, device_index=1
    )
    assert eni.id in message
    assert first.id in message


def test_detach_a_secondary_eni(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.subnet)
    lab.net.attach_network_interface(eni, instance, device_index=1)
    lab.net.detach_network_interface(eni)
    assert (eni.instance, eni.device_index, eni.attachment_id) == (None, None, None)
    assert instance.network_interfaces == [instance.primary_network_interface]
    assert eni.id in lab.net


def test_detach_by_attachment_id(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.subnet)
    attachment_id = lab.net.attach_network_interface(eni, instance, device_index=1)
    lab.net.detach_network_interface(attachment_id)
    assert eni.instance is None
    assert instance.network_interfaces == [instance.primary_network_interface]
    message = refused(lab.net, "InvalidAttachmentID.NotFound", lab.net.detach_network_interface, attachment_id)
    assert attachment_id in message


def test_detach_an_unattached_eni_is_refused(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    message = refused(lab.net, "InvalidAttachmentID.NotFound", lab.net.detach_network_interface, eni)
    assert eni.id in message


def test_detach_the_primary_eni_is_refused(lab: Lab) -> None:
    # SPEC E1
    instance = lab.net.run_instance(lab.subnet)
    primary = instance.primary_network_interface
    message = refused(lab.net, "OperationNotPermitted", lab.net.detach_network_interface, primary.id)
    assert primary.id in message
    message = refused(lab.net, "OperationNotPermitted", lab.net.detach_network_interface, primary.attachment_id)
    assert primary.id in message


def test_an_eni_moves_with_its_addresses_groups_and_eips(lab: Lab) -> None:
    # SPEC E2: IPs, SGs and EIPs move with the ENI to another instance.
    first = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    second = lab.net.run_instance(lab.subnet_same_az, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.subnet, security_groups=[lab.sg], secondary_private_ip_count=1)
    primary_eip, secondary_eip = lab.net.allocate_address(), lab.net.allocate_address()
    lab.net.associate_address(primary_eip, network_interface=eni)
    lab.net.associate_address(secondary_eip, network_interface=eni, private_ip=str(eni.private_ip_addresses[1]))
    addresses, mapping = list(eni.private_ip_addresses), dict(eni.public_ips)
    assert mapping == {addresses[0]: primary_eip.public_ip, addresses[1]: secondary_eip.public_ip}

    lab.net.attach_network_interface(eni, first, device_index=1)
    lab.net.detach_network_interface(eni)
    lab.net.attach_network_interface(eni, second, device_index=2)

    assert eni.instance is second
    assert eni in second.network_interfaces
    assert eni not in first.network_interfaces
    assert eni.private_ip_addresses == addresses
    assert eni.security_groups == [lab.sg]
    assert eni.public_ips == mapping
    assert (primary_eip.network_interface, secondary_eip.network_interface) == (eni, eni)
    assert {a: lab.subnet.used_addresses[a] for a in addresses} == dict.fromkeys(addresses, eni.id)


# ---------------------------------------------------------------------------- address limits (E3)


def test_assigning_past_the_t2_micro_limit_is_refused(lab: Lab) -> None:
    # SPEC E3: a t2.micro ENI holds 2 IPv4 addresses.
    instance = lab.net.run_instance(lab.subnet, instance_type="t2.micro")
    eni = instance.primary_network_interface
    added = lab.net.assign_private_ip_addresses(eni, count=1)
    assert added == [IP("10.0.1.5")]
    assert eni.private_ip_addresses == [IP("10.0.1.4"), IP("10.0.1.5")]
    assert lab.subnet.used_addresses[IP("10.0.1.5")] == eni.id
    message = refused(
        lab.net, "PrivateIpAddressLimitExceeded", lab.net.assign_private_ip_addresses, eni, private_ips=["10.0.1.9"]
    )
    assert "t2.micro" in message
    assert IP("10.0.1.9") not in lab.subnet.used_addresses


def test_attaching_an_eni_with_too_many_addresses_is_refused(lab: Lab) -> None:
    # SPEC E3: an ENI with 3 IPv4 addresses does not fit a t2.micro.
    instance = lab.net.run_instance(lab.subnet, instance_type="t2.micro")
    eni = lab.net.create_network_interface(lab.subnet, secondary_private_ip_count=2)
    message = refused(
        lab.net, "PrivateIpAddressLimitExceeded", lab.net.attach_network_interface, eni, instance, device_index=1
    )
    assert "t2.micro" in message
    assert re.search(r"\b3\b", message)


# ---------------------------------------------------------------------------- unassign (E4, P2)


def test_unassign_the_primary_address_is_refused(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet, secondary_private_ip_count=1)
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.unassign_private_ip_addresses, eni, [str(eni.private_ip)]
    )
    assert str(eni.private_ip) in message


def test_unassign_an_address_not_on_the_eni_is_refused(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    other = lab.net.create_network_interface(lab.subnet)
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.unassign_private_ip_addresses, eni, [str(other.private_ip)]
    )
    assert str(other.private_ip) in message
    assert eni.id in message


def test_unassign_the_same_address_twice_in_one_call_is_refused(lab: Lab) -> None:
    # SPEC X: a bad request is refused with an AWS code and changes nothing (assign refuses duplicates the same way).
    eni = lab.net.create_network_interface(lab.subnet, secondary_private_ip_count=1)
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.unassign_private_ip_addresses, eni, ["10.0.1.5", "10.0.1.5"]
    )
    assert "10.0.1.5" in message


def test_unassign_frees_the_address_and_disassociates_its_eip(lab: Lab) -> None:
    # SPEC P2: an EIP on a secondary private IP is disassociated with it (it stays allocated).
    eni = lab.net.create_network_interface(lab.subnet, secondary_private_ip_count=1)
    secondary = eni.private_ip_addresses[1]
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, network_interface=eni, private_ip=str(secondary))
    lab.net.unassign_private_ip_addresses(eni, [str(secondary)])
    assert eni.private_ip_addresses == [IP("10.0.1.4")]
    assert secondary not in lab.subnet.used_addresses
    assert eni.elastic_ips == {}
    assert (eip.network_interface, eip.private_ip, eip.association_id) == (None, None, None)
    assert eip in lab.net.elastic_ips
    assert lab.net.create_network_interface(lab.subnet, private_ip=str(secondary)).private_ip == secondary


# ---------------------------------------------------------------------------- attributes (E5, G7)


def test_source_dest_check_is_on_by_default_and_can_be_turned_off(lab: Lab) -> None:
    # SPEC E5
    eni = lab.net.create_network_interface(lab.subnet)
    assert eni.source_dest_check
    lab.net.modify_network_interface_attribute(eni, source_dest_check=False)
    assert not eni.source_dest_check
    lab.net.modify_network_interface_attribute(eni, source_dest_check=True)
    assert eni.source_dest_check
    appliance = lab.net.create_network_interface(lab.subnet, source_dest_check=False)
    assert not appliance.source_dest_check


def test_source_dest_check_takes_a_boolean(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.modify_network_interface_attribute, eni, source_dest_check="no"
    )
    assert "'no'" in message


def test_replace_security_groups(lab: Lab) -> None:
    # SPEC G7: replacing the SGs follows the same rules as creating the ENI.
    eni = lab.net.create_network_interface(lab.subnet)
    lab.net.modify_network_interface_attribute(eni, security_groups=[lab.sg])
    assert eni.security_groups == [lab.sg]
    groups = [lab.net.create_security_group(lab.vpc, f"extra{n}") for n in range(6)]
    refused(
        lab.net,
        "SecurityGroupsPerInterfaceLimitExceeded",
        lab.net.modify_network_interface_attribute,
        eni,
        security_groups=groups,
    )
    assert eni.security_groups == [lab.sg]


# ---------------------------------------------------------------------------- requester-managed ENIs (E6)


@pytest.fixture
def nat_eni(lab: Lab) -> vpcsim.NetworkInterface:
    nat = lab.net.create_nat_gateway(lab.subnet, allocation=lab.net.allocate_address())
    return nat.network_interface


@pytest.mark.parametrize(
    "operation",
    [
        pytest.param(lambda net, eni, sg: net.detach_network_interface(eni), id="detach"),
        pytest.param(lambda net, eni, sg: net.delete_network_interface(eni), id="delete"),
        pytest.param(
            lambda net, eni, sg: net.modify_network_interface_attribute(eni, security_groups=[sg]), id="set-groups"
        ),
    ],
)
def test_a_nat_gateway_eni_cannot_be_detached_deleted_or_regrouped(
    lab: Lab, nat_eni: vpcsim.NetworkInterface, operation: Callable[..., None]
) -> None:
    # SPEC E6
    assert nat_eni.requester_managed
    message = refused(lab.net, "OperationNotPermitted", operation, lab.net, nat_eni, lab.sg)
    assert nat_eni.id in message
    assert nat_eni.security_groups == []


def test_a_nat_gateway_eni_cannot_be_attached_to_an_instance(lab: Lab, nat_eni: vpcsim.NetworkInterface) -> None:
    # SPEC E6
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    message = refused(
        lab.net, "OperationNotPermitted", lab.net.attach_network_interface, nat_eni, instance, device_index=1
    )
    assert nat_eni.id in message


# ---------------------------------------------------------------------------- delete


def test_delete_an_attached_eni_is_refused(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.subnet)
    lab.net.attach_network_interface(eni, instance, device_index=1)
    for attached in (eni, instance.primary_network_interface):
        message = refused(lab.net, "InvalidNetworkInterface.InUse", lab.net.delete_network_interface, attached)
        assert attached.id in message
        assert instance.id in message


def test_delete_returns_the_addresses_to_the_subnet(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet, private_ip="10.0.1.30", secondary_private_ips=["10.0.1.31"])
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, network_interface=eni)
    free_before = lab.subnet.available_ip_address_count
    lab.net.delete_network_interface(eni)
    assert eni.id not in lab.net
    assert lab.subnet.used_addresses == {}
    assert lab.subnet.available_ip_address_count == free_before + 2
    # The EIP outlives the ENI, unassociated.
    assert not eip.is_associated
    assert eip in lab.net.elastic_ips
    reused = lab.net.create_network_interface(lab.subnet, private_ip="10.0.1.30", secondary_private_ips=["10.0.1.31"])
    assert reused.private_ip_addresses == [IP("10.0.1.30"), IP("10.0.1.31")]
    message = refused(lab.net, "InvalidNetworkInterfaceID.NotFound", lab.net.delete_network_interface, eni.id)
    assert eni.id in message


# SPEC G6: connection tracking idle timeouts are per ENI, with AWS's defaults and ranges.
def test_connection_tracking_defaults(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    assert eni.connection_tracking == vpcsim.ConnectionTracking(
        tcp_established_timeout=432000, udp_stream_timeout=180, udp_timeout=30
    )


def test_connection_tracking_set_at_creation_and_modified_field_by_field(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet, connection_tracking={"tcp_established_timeout": 3600})
    assert eni.connection_tracking.tcp_established_timeout == 3600
    lab.net.modify_network_interface_attribute(eni, connection_tracking={"udp_timeout": 60})
    assert eni.connection_tracking == vpcsim.ConnectionTracking(
        tcp_established_timeout=3600, udp_stream_timeout=180, udp_timeout=60
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tcp_established_timeout", 59),
        ("tcp_established_timeout", 432001),
        ("udp_stream_timeout", 59),
        ("udp_stream_timeout", 181),
        ("udp_timeout", 29),
        ("udp_timeout", 61),
        ("udp_timeout", True),
    ],
)
def test_connection_tracking_out_of_range_is_refused(lab: Lab, field: str, value: object) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.modify_network_interface_attribute, eni,
        connection_tracking={field: value},
    )  # fmt: skip
    assert field in message
    assert repr(value) in message


def test_connection_tracking_unknown_field_is_refused(lab: Lab) -> None:
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.create_network_interface, lab.subnet,
        connection_tracking={"tcp_timeout": 100},
    )  # fmt: skip
    assert "tcp_timeout" in message


def test_assign_and_unassign_ipv6_addresses() -> None:
    # SPEC E3/E4: IPv6 addresses come from the subnet's /64, within the instance type's per-ENI limit.
    net = vpcsim.Network(seed=6)
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    block = next(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=str(block))
    web = net.run_instance(subnet, instance_type="t3.micro")  # 2 IPv6 addresses per ENI
    eni = web.primary_network_interface
    chosen = str(block.network_address + 100)
    added = net.assign_ipv6_addresses(eni, ipv6_addresses=[chosen])
    assert [str(a) for a in added] == [chosen]
    added += net.assign_ipv6_addresses(eni, count=1)
    assert eni.ipv6_addresses == added
    assert all(subnet.used_addresses[a] == eni.id for a in added)
    message = refused(net, "PrivateIpAddressLimitExceeded", net.assign_ipv6_addresses, eni, count=1)
    assert "t3.micro" in message
    message = refused(
        net, "InvalidParameterValue", net.unassign_ipv6_addresses, eni, [str(block.network_address + 7)]
    )
    assert str(block.network_address + 7) in message
    net.unassign_ipv6_addresses(eni, [chosen])
    assert [str(a) for a in eni.ipv6_addresses] == [str(added[1])]
    assert block.network_address + 100 not in subnet.used_addresses


def test_ipv6_addresses_need_the_subnet_to_have_a_block(lab: Lab) -> None:
    eni = lab.net.create_network_interface(lab.subnet)
    message = refused(lab.net, "InvalidParameterCombination", lab.net.assign_ipv6_addresses, eni, count=1)
    assert lab.subnet.id in message
