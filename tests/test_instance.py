"""Tests for instances: launch, per-type limits, stop/start, terminate, metadata options (SPEC E1, E3, P1, M2, X)."""

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
    subnet: vpcsim.Subnet  # 10.0.1.0/24, us-east-1a, no public IPs on launch
    public: vpcsim.Subnet  # 10.0.2.0/24, us-east-1a, map_public_ip_on_launch


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=21)
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a")
    public = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", map_public_ip_on_launch=True)
    table = net.create_route_table(vpc)
    net.create_route(table, "0.0.0.0/0", igw)
    net.associate_route_table(table, public)
    return Lab(net, vpc, subnet, public)


# ---------------------------------------------------------------------------- launch


def test_launch_defaults(lab: Lab) -> None:
    # SPEC E1, E4, G3, M2: a primary ENI at device index 0 with the first free address and the VPC's default SG.
    instance = lab.net.run_instance(lab.subnet)
    eni = instance.primary_network_interface
    assert instance.instance_type == "t2.micro"
    assert instance.state == "running"
    assert instance.network_interfaces == [eni]
    assert (eni.device_index, eni.instance, eni.delete_on_termination) == (0, instance, True)
    assert eni.private_ip_addresses == [IP("10.0.1.4")]
    assert instance.private_ip == IP("10.0.1.4")
    assert instance.security_groups == [lab.vpc.default_security_group]
    assert eni.source_dest_check
    assert instance.public_ip is None
    assert lab.subnet.used_addresses == {IP("10.0.1.4"): eni.id}
    assert instance.metadata_options == vpcsim.MetadataOptions(
        http_endpoint="enabled", http_tokens="optional", http_put_response_hop_limit=1
    )


def test_launch_with_security_groups(lab: Lab) -> None:
    web = lab.net.create_security_group(lab.vpc, "web")
    ssh = lab.net.create_security_group(lab.vpc, "ssh")
    instance = lab.net.run_instance(lab.subnet, security_groups=[web, ssh.id])
    assert instance.security_groups == [web, ssh]


def test_launch_with_a_security_group_of_another_vpc_is_refused(lab: Lab) -> None:
    # SPEC E4, G2. AWS: InvalidParameter, the group and the subnet "belong to different networks".
    foreign = lab.net.create_security_group(lab.net.create_vpc("10.1.0.0/16"), "foreign")
    web = lab.net.create_security_group(lab.vpc, "web")
    for groups in ([foreign], [web, foreign.id]):
        message = refused(lab.net, "InvalidParameter", lab.net.run_instance, lab.subnet, security_groups=groups)
        assert foreign.id in message
        assert lab.vpc.id in message
    assert lab.net.instances == []


@pytest.mark.parametrize(
    ("map_public_ip_on_launch", "associate_public_ip", "expected"),
    [(True, None, True), (False, None, False), (True, False, False), (False, True, True), (True, True, True)],
)
def test_public_ip_at_launch(
    lab: Lab, map_public_ip_on_launch: bool, associate_public_ip: bool | None, expected: bool
) -> None:
    # SPEC P1: the subnet setting decides unless the launch option overrides it.
    subnet = lab.public if map_public_ip_on_launch else lab.subnet
    instance = lab.net.run_instance(subnet, associate_public_ip=associate_public_ip)
    eni = instance.primary_network_interface
    if expected:
        assert instance.public_ip is not None
        assert instance.public_ip.is_global
        assert eni.auto_public_ip == instance.public_ip
        assert eni.public_ips == {eni.private_ip: instance.public_ip}
    else:
        assert instance.public_ip is None
        assert eni.public_ips == {}


def test_an_attached_eni_gets_no_auto_public_ip(lab: Lab) -> None:
    # SPEC P1: only the primary ENI created at launch gets one, whatever the subnet says.
    instance = lab.net.run_instance(lab.public, instance_type="m5.large")
    eni = lab.net.create_network_interface(lab.public)
    lab.net.attach_network_interface(eni, instance, device_index=1)
    assert eni.public_ips == {}
    assert instance.primary_network_interface.public_ips == {instance.private_ip: instance.public_ip}


def test_auto_public_ips_are_distinct(lab: Lab) -> None:
    addresses = [lab.net.run_instance(lab.public).public_ip for _ in range(5)]
    assert None not in addresses
    assert len(set(addresses)) == 5


def test_unknown_instance_type_is_refused(lab: Lab) -> None:
    message = refused(lab.net, "InvalidParameterValue", lab.net.run_instance, lab.subnet, instance_type="t2.mirco")
    assert "t2.mirco" in message
    assert lab.net.instances == []


def test_launch_at_an_address_in_use_is_refused(lab: Lab) -> None:
    first = lab.net.run_instance(lab.subnet, private_ip="10.0.1.10")
    message = refused(lab.net, "InvalidIPAddress.InUse", lab.net.run_instance, lab.subnet, private_ip="10.0.1.10")
    assert "10.0.1.10" in message
    assert lab.net.instances == [first]


# ---------------------------------------------------------------------------- per-type limits (E3)

E3_EXAMPLES = [("t3.micro", 2, 2), ("m5.large", 3, 10), ("c5.xlarge", 4, 15), ("m5.24xlarge", 15, 50)]


@pytest.mark.parametrize(("instance_type", "max_enis", "ipv4_per_eni"), E3_EXAMPLES)
def test_attach_up_to_the_interface_limit(lab: Lab, instance_type: str, max_enis: int, ipv4_per_eni: int) -> None:
    # SPEC E3
    instance = lab.net.run_instance(lab.subnet, instance_type=instance_type)
    for device_index in range(1, max_enis):
        lab.net.attach_network_interface(
            lab.net.create_network_interface(lab.subnet), instance, device_index=device_index
        )
    assert len(instance.network_interfaces) == max_enis
    assert [e.device_index for e in instance.network_interfaces] == list(range(max_enis))
    extra = lab.net.create_network_interface(lab.subnet)
    message = refused(
        lab.net,
        "AttachmentLimitExceeded",
        lab.net.attach_network_interface,
        extra,
        instance,
        device_index=max_enis,
    )
    assert instance_type in message
    assert extra.instance is None


@pytest.mark.parametrize(("instance_type", "max_enis", "ipv4_per_eni"), E3_EXAMPLES)
def test_launch_up_to_the_address_limit(lab: Lab, instance_type: str, max_enis: int, ipv4_per_eni: int) -> None:
    # SPEC E3: the primary address counts against the per-ENI limit.
    full = lab.net.run_instance(lab.subnet, instance_type=instance_type, secondary_private_ip_count=ipv4_per_eni - 1)
    assert len(full.primary_network_interface.private_ip_addresses) == ipv4_per_eni
    message = refused(
        lab.net,
        "PrivateIpAddressLimitExceeded",
        lab.net.run_instance,
        lab.subnet,
        instance_type=instance_type,
        secondary_private_ip_count=ipv4_per_eni,
    )
    assert instance_type in message
    assert lab.net.instances == [full]


@pytest.mark.parametrize(("instance_type", "max_enis", "ipv4_per_eni"), E3_EXAMPLES)
def test_assign_up_to_the_address_limit(lab: Lab, instance_type: str, max_enis: int, ipv4_per_eni: int) -> None:
    # SPEC E3: the limit holds for addresses added after launch, on every attached ENI.
    instance = lab.net.run_instance(lab.subnet, instance_type=instance_type)
    eni = lab.net.create_network_interface(lab.subnet)
    lab.net.attach_network_interface(eni, instance, device_index=1)
    lab.net.assign_private_ip_addresses(eni, count=ipv4_per_eni - 1)
    assert len(eni.private_ip_addresses) == ipv4_per_eni
    message = refused(lab.net, "PrivateIpAddressLimitExceeded", lab.net.assign_private_ip_addresses, eni, count=1)
    assert instance_type in message


# ---------------------------------------------------------------------------- stop and start (P1)


def test_auto_public_ip_is_lost_on_stop_and_a_new_one_comes_on_start(lab: Lab) -> None:
    # SPEC P1
    instance = lab.net.run_instance(lab.public)
    launched_with = instance.public_ip
    assert launched_with is not None
    lab.net.stop_instance(instance)
    assert instance.state == "stopped"
    assert instance.public_ip is None
    assert instance.primary_network_interface.public_ips == {}
    lab.net.start_instance(instance)
    assert instance.state == "running"
    assert instance.public_ip is not None
    assert instance.public_ip != launched_with
    # Private addresses survive a stop.
    assert instance.private_ip == IP("10.0.2.4")


def test_no_auto_public_ip_on_start_with_an_eip(lab: Lab) -> None:
    # SPEC P1, P2: the EIP stays through stop/start and no auto-assigned address comes back.
    instance = lab.net.run_instance(lab.public)
    eip = lab.net.allocate_address()
    lab.net.associate_address(eip, instance=instance)
    lab.net.stop_instance(instance)
    assert instance.public_ip == eip.public_ip
    lab.net.start_instance(instance)
    assert instance.public_ip == eip.public_ip
    assert instance.primary_network_interface.auto_public_ip is None
    assert instance.primary_network_interface.public_ips == {instance.private_ip: eip.public_ip}


def test_no_public_ip_on_start_when_launched_without_one(lab: Lab) -> None:
    # SPEC P1: only launch grants an auto-assigned address.
    instance = lab.net.run_instance(lab.public, associate_public_ip=False)
    lab.net.stop_instance(instance)
    lab.net.start_instance(instance)
    assert instance.public_ip is None


def test_no_auto_public_ip_on_start_with_two_enis(lab: Lab) -> None:
    # SPEC P1: AWS gives no new public IPv4 to an instance with more than one network interface.
    instance = lab.net.run_instance(lab.public)
    lab.net.attach_network_interface(lab.net.create_network_interface(lab.public), instance, device_index=1)
    assert instance.public_ip is not None  # kept while running
    lab.net.stop_instance(instance)
    lab.net.start_instance(instance)
    assert instance.public_ip is None


# ---------------------------------------------------------------------------- terminate


def test_terminate_deletes_the_primary_eni_and_keeps_the_secondary(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet, instance_type="m5.large", secondary_private_ip_count=1)
    primary = instance.primary_network_interface
    primary_addresses = list(primary.private_ip_addresses)
    primary_eip = lab.net.allocate_address()
    secondary = lab.net.create_network_interface(lab.subnet)
    lab.net.attach_network_interface(secondary, instance, device_index=1)
    secondary_eip = lab.net.allocate_address()
    lab.net.associate_address(secondary_eip, network_interface=secondary)
    lab.net.associate_address(primary_eip, network_interface=primary)

    lab.net.terminate_instance(instance)

    assert instance.id not in lab.net
    assert primary.id not in lab.net
    assert not any(a in lab.subnet.used_addresses for a in primary_addresses)
    # The primary's EIP stays allocated, unassociated.
    assert primary_eip in lab.net.elastic_ips
    assert not primary_eip.is_associated
    # The secondary ENI survives, detached, with its EIP.
    assert lab.net.get(secondary.id) is secondary
    assert (secondary.instance, secondary.device_index, secondary.attachment_id) == (None, None, None)
    assert secondary.public_ips == {secondary.private_ip: secondary_eip.public_ip}
    assert secondary_eip.network_interface is secondary
    # Its freed addresses can be used again.
    again = lab.net.run_instance(lab.subnet, private_ip=str(primary_addresses[0]))
    assert again.private_ip == primary_addresses[0]


def test_a_terminated_instance_is_gone(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet)
    lab.net.terminate_instance(instance)
    for operation in (lab.net.stop_instance, lab.net.start_instance, lab.net.terminate_instance):
        message = refused(lab.net, "InvalidInstanceID.NotFound", operation, instance.id)
        assert instance.id in message


def test_routes_to_a_terminated_instance_become_blackholes(lab: Lab) -> None:
    # SPEC R6
    appliance = lab.net.run_instance(lab.subnet, source_dest_check=False)
    table = lab.net.create_route_table(lab.vpc)
    lab.net.create_route(table, "192.168.0.0/16", appliance)
    assert table.find_route("192.168.0.0/16").state == "active"
    lab.net.terminate_instance(appliance)
    assert table.find_route("192.168.0.0/16").state == "blackhole"


# ---------------------------------------------------------------------------- metadata options (M2)


def test_metadata_options_at_launch_and_after(lab: Lab) -> None:
    instance = lab.net.run_instance(
        lab.subnet, metadata_options={"http_tokens": "required", "http_put_response_hop_limit": 2}
    )
    assert instance.metadata_options.http_tokens == "required"
    assert instance.metadata_options.http_put_response_hop_limit == 2
    assert instance.metadata_options.http_endpoint == "enabled"
    options = lab.net.modify_instance_metadata_options(instance, http_endpoint="disabled")
    assert options == instance.metadata_options
    assert (options.http_endpoint, options.http_tokens, options.http_put_response_hop_limit) == (
        "disabled",
        "required",
        2,
    )


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("http_put_response_hop_limit", 0),
        ("http_put_response_hop_limit", 65),
        ("http_tokens", "maybe"),
        ("http_endpoint", "on"),
    ],
)
def test_invalid_metadata_options_are_refused(lab: Lab, option: str, value: object) -> None:
    # SPEC M2: hop limit 1..64, tokens optional/required, endpoint enabled/disabled.
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.run_instance, lab.subnet, metadata_options={option: value}
    )
    assert repr(value) in message
    assert lab.net.instances == []
    instance = lab.net.run_instance(lab.subnet)
    message = refused(
        lab.net, "InvalidParameterValue", lab.net.modify_instance_metadata_options, instance, **{option: value}
    )
    assert repr(value) in message
    assert instance.metadata_options == vpcsim.MetadataOptions()


def test_hop_limit_bounds_are_accepted(lab: Lab) -> None:
    instance = lab.net.run_instance(lab.subnet, metadata_options={"http_put_response_hop_limit": 64})
    assert instance.metadata_options.http_put_response_hop_limit == 64
    lab.net.modify_instance_metadata_options(instance, http_put_response_hop_limit=1)
    assert instance.metadata_options.http_put_response_hop_limit == 1


# ---------------------------------------------------------------------------- determinism


def _build(seed: int) -> vpcsim.Network:
    net = vpcsim.Network(seed=seed)
    vpc = net.create_vpc("10.0.0.0/16")
    net.attach_internet_gateway(net.create_internet_gateway(), vpc)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", map_public_ip_on_launch=True)
    instance = net.run_instance(subnet, instance_type="m5.large", name="web")
    net.attach_network_interface(net.create_network_interface(subnet), instance, device_index=1)
    net.associate_address(net.allocate_address(), network_interface=instance.network_interfaces[1])
    return net


def test_same_seed_same_network() -> None:
    first, second = _build(seed=42), _build(seed=42)
    assert first.snapshot() == second.snapshot()
    assert [i.id for i in first.instances] == [i.id for i in second.instances]
    assert [str(i.public_ip) for i in first.instances] == [str(i.public_ip) for i in second.instances]
    assert {e.mac_address for e in first.network_interfaces} == {e.mac_address for e in second.network_interfaces}


def test_other_seed_other_ids() -> None:
    first, second = _build(seed=42), _build(seed=43)
    assert [i.id for i in first.instances] != [i.id for i in second.instances]
    assert first.instances[0].id.startswith("i-0")
    assert len(first.instances[0].id) == len("i-") + 17


@pytest.mark.parametrize(
    ("code", "refusal"),
    [
        pytest.param("PrivateIpAddressLimitExceeded", {"secondary_private_ip_count": 5}, id="too-many-addresses"),
        pytest.param("InvalidParameterValue", {"instance_type": "t2.mirco"}, id="unknown-type"),
        pytest.param("InvalidParameterValue", {"name": 5}, id="bad-name-tag"),
        pytest.param("InvalidParameterValue", {"tags": {"team": 7}}, id="bad-tag-value"),
    ],
)
def test_a_refused_launch_does_not_shift_later_ids(code: str, refusal: dict[str, Any]) -> None:
    # SPEC X: a failed operation changes nothing, the id sequence included (same seed, same ids).
    plain, with_refusal = vpcsim.Network(seed=9), vpcsim.Network(seed=9)
    for net in (plain, with_refusal):
        net.create_subnet(net.create_vpc("10.0.0.0/16"), "10.0.1.0/24")
    refused(with_refusal, code, with_refusal.run_instance, with_refusal.subnets[0], **refusal)
    assert plain.run_instance(plain.subnets[0]).id == with_refusal.run_instance(with_refusal.subnets[0]).id
