"""SSRF exposure of the instance metadata service (SPEC M4, vpcsim.query.imds) on the AWS two-ENI walkthrough
("seeds"): eth0 (SG my-sg-1: HTTP from anywhere, an EIP) is exposed, eth1 (my-sg-2: no inbound) is not."""

from __future__ import annotations

import ipaddress

import pandas as pd
import pytest
from seeds import Seeds, build_seeds

from vpcsim import InvalidFlowError, Network
from vpcsim.query.imds import HTTP_PORTS, ImdsFindings, imds_findings


@pytest.fixture
def seeds() -> Seeds:
    return build_seeds()


def test_m4_seeds_imdsv1_behind_public_http_is_one_high_finding(seeds: Seeds) -> None:
    found = imds_findings(seeds.net)
    assert len(found) == 1
    (f,) = found
    assert (f.instance, f.network_interface, f.address) == (seeds.instance.id, seeds.eth0.id, seeds.eip0.public_ip)
    assert f.ports == ((80, 80),)
    assert f.severity == "high"
    assert f.has_role is False
    assert "HttpTokens optional" in f.reason
    assert "80" in f.reason
    assert f"--instance-id {seeds.instance.id} --http-tokens required --http-put-response-hop-limit 1" in f.fix
    assert "--http-endpoint enabled" in f.fix
    assert "net.modify_instance_metadata_options(" in f.fix
    assert f.trace.connected
    assert (f.trace.packet.dst_port, str(f.trace.packet.dst)) == (80, str(seeds.eip0.public_ip))


def test_m4_a_role_puts_credentials_at_stake(seeds: Seeds) -> None:
    seeds.net.associate_iam_instance_profile(seeds.instance, "web-role")
    (f,) = imds_findings(seeds.net)
    assert f.has_role
    assert "web-role" in f.reason


def test_m4_imdsv2_with_hop_limit_1_is_safe(seeds: Seeds) -> None:
    seeds.net.modify_instance_metadata_options(seeds.instance, http_tokens="required")
    assert len(imds_findings(seeds.net)) == 0
    assert not imds_findings(seeds.net)


def test_m4_imdsv2_with_hop_limit_2_is_medium(seeds: Seeds) -> None:
    seeds.net.modify_instance_metadata_options(seeds.instance, http_tokens="required", http_put_response_hop_limit=2)
    (f,) = imds_findings(seeds.net)
    assert f.severity == "medium"
    assert "hop limit is 2" in f.reason


def test_m4_imdsv1_with_hop_limit_2_stays_high(seeds: Seeds) -> None:
    seeds.net.modify_instance_metadata_options(seeds.instance, http_put_response_hop_limit=2)
    assert [f.severity for f in imds_findings(seeds.net)] == ["high"]


def test_m4_imds_disabled_is_safe(seeds: Seeds) -> None:
    seeds.net.modify_instance_metadata_options(seeds.instance, http_endpoint="disabled")
    assert len(imds_findings(seeds.net)) == 0


def test_m4_http_only_from_inside_is_safe(seeds: Seeds) -> None:
    seeds.net.revoke_security_group_ingress(seeds.sg1, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    seeds.net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=80, cidr="10.0.0.0/8")
    assert len(imds_findings(seeds.net)) == 0


def test_m4_http_from_one_internet_cidr_is_found_with_a_host_of_it(seeds: Seeds) -> None:
    seeds.net.revoke_security_group_ingress(seeds.sg1, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    seeds.net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=80, cidr="52.1.2.0/24")
    (f,) = imds_findings(seeds.net)
    assert f.trace.connected
    assert f.trace.packet.src in ipaddress.ip_network("52.1.2.0/24")


def test_m4_a_nacl_denying_http_is_safe(seeds: Seeds) -> None:
    acl = seeds.subnet.network_acl
    seeds.net.create_network_acl_entry(acl, rule_number=50, egress=False, protocol="tcp", action="deny",
                                       cidr="0.0.0.0/0", ports=80)  # fmt: skip
    assert len(imds_findings(seeds.net)) == 0


def test_m4_a_stopped_instance_is_safe(seeds: Seeds) -> None:
    seeds.net.stop_instance(seeds.instance)
    assert len(imds_findings(seeds.net)) == 0


def test_m4_port_8080_is_an_http_port(seeds: Seeds) -> None:
    seeds.net.authorize_security_group_ingress(seeds.sg2, protocol="tcp", ports=8080, cidr="0.0.0.0/0")
    by_eni = {f.network_interface: f for f in imds_findings(seeds.net)}
    assert (8080, 8080) in by_eni[seeds.eth1.id].ports
    assert by_eni[seeds.eth1.id].address == seeds.eip1.public_ip
    assert by_eni[seeds.eth1.id].trace.packet.dst_port == 8080
    assert by_eni[seeds.eth0.id].ports == ((80, 80),)


def test_m4_a_non_http_port_is_not_a_finding_unless_asked(seeds: Seeds) -> None:
    seeds.net.authorize_security_group_ingress(seeds.sg2, protocol="tcp", ports=22, cidr="0.0.0.0/0")
    assert [f.network_interface for f in imds_findings(seeds.net)] == [seeds.eth0.id]
    found = imds_findings(seeds.net, ports=[22])
    assert [(f.network_interface, f.ports) for f in found] == [(seeds.eth1.id, ((22, 22),))]


def test_m4_wide_open_ranges_are_reported_whole(seeds: Seeds) -> None:
    seeds.net.authorize_security_group_ingress(seeds.sg2, protocol="tcp", ports=(1000, 65535), cidr="0.0.0.0/0")
    by_eni = {f.network_interface: f for f in imds_findings(seeds.net)}
    assert by_eni[seeds.eth1.id].ports == ((1000, 65535),)
    assert by_eni[seeds.eth1.id].trace.packet.dst_port == 3000  # the lowest HTTP port in the range


def test_m4_an_instance_without_a_public_ip_is_safe(seeds: Seeds) -> None:
    private = seeds.net.run_instance(seeds.subnet, security_groups=[seeds.sg1], private_ip="10.0.1.20")
    assert private.public_ip is None
    assert [f.instance for f in imds_findings(seeds.net)] == [seeds.instance.id]


def test_m4_high_findings_come_first(seeds: Seeds) -> None:
    options = {"http_tokens": "required", "http_put_response_hop_limit": 3}
    other = seeds.net.run_instance(
        seeds.subnet, security_groups=[seeds.sg1], private_ip="10.0.1.20", associate_public_ip=True,
        metadata_options=options,
    )  # fmt: skip
    seeds.net.modify_instance_metadata_options(seeds.instance, http_tokens="optional")
    found = imds_findings(seeds.net)
    assert [(f.instance, f.severity) for f in found] == [(seeds.instance.id, "high"), (other.id, "medium")]
    assert found.instances == [seeds.instance.id, other.id]


@pytest.mark.parametrize("ports", [[], "80", [80.0], [(90, 80)], [70000], 80])
def test_bad_ports_are_refused(seeds: Seeds, ports: object) -> None:
    with pytest.raises(InvalidFlowError):
        imds_findings(seeds.net, ports=ports)  # type: ignore[arg-type]


def test_http_ports_default() -> None:
    assert set(HTTP_PORTS) >= {80, 443, 8080}


def test_views(seeds: Seeds) -> None:
    found = imds_findings(seeds.net)
    assert isinstance(found, ImdsFindings)
    frame = found.frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["instance", "network_interface", "address", "ports", "severity", "has_role",
                                   "reason", "fix"]  # fmt: skip
    assert frame.iloc[0][["instance", "address", "ports", "severity"]].tolist() == [
        seeds.instance.id, str(seeds.eip0.public_ip), "80", "high"
    ]  # fmt: skip
    assert repr(found).startswith("<ImdsFindings on tcp 80, 443, ")
    assert "1 instance (1 high, 0 medium)" in repr(found)
    assert "<table" in found._repr_html_()
    assert "SPEC M4" in found._repr_html_()
    seeds.net.modify_instance_metadata_options(seeds.instance, http_tokens="required")
    empty = imds_findings(seeds.net)
    assert "No finding" in empty._repr_html_()
    assert list(empty.frame().columns) == list(frame.columns)
    assert empty.frame().empty


def test_m4_an_ipv6_address_is_public_too() -> None:
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16", amazon_provided_ipv6_cidr_block=True)
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    v6 = next(iter(vpc.ipv6_cidr_block.subnets(new_prefix=64)))  # type: ignore[union-attr]
    subnet = net.create_subnet(vpc, "10.0.1.0/24", ipv6_cidr_block=str(v6))
    net.create_route(vpc.main_route_table, "::/0", igw)
    sg = net.create_security_group(vpc, "web", description="HTTP from the IPv6 internet")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=80, cidr="::/0")
    instance = net.run_instance(subnet, instance_type="t3.micro", ipv6_address_count=1, security_groups=[sg])
    (f,) = imds_findings(net)
    assert instance.public_ip is None
    assert f.address == instance.primary_network_interface.ipv6_addresses[0]
    assert f.trace.connected
