"""``vpcsim.to_aws`` / ``net.to_aws()`` / ``vpcsim.dump_aws``: the network out as describe-* JSON, and back (issue 6
item 4 and the round-trip property of "Done when").

The shapes are AWS's (the keys the AWS CLI and boto3 return), so a what-if network can be saved, read by other tools
and loaded again. Loading an export gives the same network (equal snapshots) and the same verdicts: on the examples,
the seeds walkthrough, synthetic estates, a network of every resource kind, after a dump to files in two regions,
after a what-if edit, and on random networks with random flows (hypothesis).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seeds import build_seeds

import vpcsim
from vpcsim import INTERNET, FlowBatch, Network, internet
from vpcsim.examples import demo_network, private_api_behind_nlb
from vpcsim.io.export import MASQUERADE_TAG, PUBLIC_IP_TAG
from vpcsim.synthetic import estate
from vpcsim.testing import hops, verdict_of
from vpcsim.testing.strategies import Flow, flows, networks

KEYS = [
    "AvailabilityZones", "PrefixLists", "ManagedPrefixLists", "Vpcs", "Subnets", "RouteTables", "NetworkAcls",
    "SecurityGroups", "SecurityGroupRules", "NetworkInterfaces", "Reservations", "Addresses", "InternetGateways",
    "EgressOnlyInternetGateways", "NatGateways", "VpcPeeringConnections", "TransitGateways",
    "TransitGatewayRouteTables", "TransitGatewayAttachments", "TransitGatewayVpcAttachments",
    "TransitGatewayPropagations", "TransitGatewayStaticRoutes", "VpnGateways", "CustomerGateways", "VpnConnections",
    "VpcEndpoints", "LoadBalancers", "LoadBalancerAttributes", "TargetGroups", "TargetGroupAttributes", "Listeners",
    "TargetHealthDescriptions",
]  # fmt: skip
OFFICE = internet("192.0.2.9")


def reload(net: Network) -> Network:
    """to_aws, through JSON text (as a file would carry it), then load_aws."""
    return vpcsim.load_aws(json.loads(json.dumps(net.to_aws())))


def only(doc: dict[str, list[dict[str, Any]]], key: str, id_key: str, rid: str) -> dict[str, Any]:
    (item,) = [i for i in doc[key] if i[id_key] == rid]
    return item


def verdicts(net: Network, batch: FlowBatch) -> list[tuple[object, ...]]:
    """Every flow's verdict as evaluate() gives it: request and reply (disposition, explanation, component, step,
    rule), delivered, connected."""
    v = net.evaluate(batch)
    return [
        (verdict_of(v, i), verdict_of(v, i, "reply_"), bool(v.delivered[i]), bool(v.connected[i]))
        for i in range(len(batch))
    ]


def batch_between(ends: Sequence[object], ports: Sequence[int] = (22, 80, 443, 5432)) -> FlowBatch:
    """TCP flows between every two different ends (instance ids, internet hosts), never outside to outside."""
    pairs = [(s, d) for s in ends for d in ends if s != d and (isinstance(s, str) or isinstance(d, str))]
    rows = [(s, d, p) for s, d in pairs for p in ports]
    return FlowBatch.from_arrays([r[0] for r in rows], [r[1] for r in rows], "tcp", [r[2] for r in rows])


def running_ids(net: Network, k: int) -> list[str]:
    running = [i.id for i in net.instances if i.state == "running"]
    step = max(1, len(running) // k)
    return running[::step][:k]


def assert_round_trip(net: Network, ends: Sequence[object]) -> Network:
    back = reload(net)
    assert list(back.load_report) == []
    assert back.snapshot() == net.snapshot()
    batch = batch_between(ends)
    assert verdicts(back, batch) == verdicts(net, batch)
    return back


# ------------------------------------------------------------------------------------------------ networks


def hub_network() -> Network:
    """Every resource kind the exporter writes: IPv6, an edge table, NAT gateway and NAT instance, a stopped
    instance, secondary IPs, connection tracking, a TGW with a VPN and a blackhole, a VGW with propagation, a gateway
    endpoint, a customer prefix list, a cross-region peering and a pending one."""
    net = vpcsim.Network("us-east-1", seed=42)
    net.add_region("eu-west-1")
    hub = net.create_vpc("10.0.0.0/16", name="hub", amazon_provided_ipv6_cidr_block=True)
    spoke = net.create_vpc("10.1.0.0/16", name="spoke")
    far = net.create_vpc("10.2.0.0/16", name="far", region="eu-west-1")
    assert hub.ipv6_cidr_block is not None
    v6 = [str(c) for c in hub.ipv6_cidr_block.subnets(new_prefix=64)][:2]
    pub = net.create_subnet(hub, "10.0.1.0/24", az="us-east-1a", name="pub", map_public_ip_on_launch=True,
                            ipv6_cidr_block=v6[0])  # fmt: skip
    app = net.create_subnet(hub, "10.0.2.0/24", az="us-east-1a", name="app", ipv6_cidr_block=v6[1])
    spoke_a = net.create_subnet(spoke, "10.1.1.0/24", az="us-east-1a", name="spoke-a")
    far_a = net.create_subnet(far, "10.2.1.0/24", az="eu-west-1a", name="far-a")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, hub)
    eigw = net.create_egress_only_internet_gateway(hub, name="eigw")
    public_rt = net.create_route_table(hub, name="public")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.create_route(public_rt, "::/0", igw)
    net.associate_route_table(public_rt, pub)
    net.associate_route_table(net.create_route_table(hub, name="edge"), igw)
    nat = net.create_nat_gateway(pub, allocation=net.allocate_address(name="nat-eip"), name="nat")
    private_rt = net.create_route_table(hub, name="private")
    net.create_route(private_rt, "0.0.0.0/0", nat)
    net.create_route(private_rt, "::/0", eigw)
    net.associate_route_table(private_rt, app)
    office = net.create_managed_prefix_list("office", max_entries=3, entries=[("192.0.2.0/24", "hq")])
    web_sg = net.create_security_group(hub, "web", description="web")
    net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=80, cidr="0.0.0.0/0", description="http")
    net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=22, prefix_list=office)
    net.authorize_security_group_ingress(web_sg, protocol="icmp", ports=(8, -1), cidr="10.0.0.0/8")
    net.authorize_security_group_ingress(web_sg, protocol="udp", ports=(1000, 2000), source_group=web_sg)
    nat_sg = net.create_security_group(hub, "nat", description="forwards the app subnet")
    net.authorize_security_group_ingress(nat_sg, protocol="-1", cidr="10.0.2.0/24")
    net.run_instance(pub, instance_type="m5.large", security_groups=[web_sg], name="web",
                     secondary_private_ip_count=1, ipv6_address_count=1,
                     metadata_options={"http_tokens": "required"})  # fmt: skip
    nati = net.run_instance(pub, instance_type="t3.micro", security_groups=[nat_sg], name="nati",
                            source_dest_check=False)  # fmt: skip
    net.configure_nat_instance(nati, masquerade=True)
    net.create_route(private_rt, "198.18.0.0/15", nati)
    net.stop_instance(net.run_instance(app, name="old", security_groups=[web_sg]))
    net.create_network_interface(app, security_groups=[web_sg], description="spare", name="spare",
                                 connection_tracking={"tcp_established_timeout": 3600})  # fmt: skip
    tgw = net.create_transit_gateway(name="tgw")
    net.create_transit_gateway_vpc_attachment(tgw, hub, [app], ipv6_support=True)
    net.create_transit_gateway_vpc_attachment(tgw, spoke, [spoke_a])
    net.create_vpn_connection(net.create_customer_gateway("198.51.100.200", bgp_asn=65010), transit_gateway=tgw,
                              static_routes=["192.168.0.0/16"])  # fmt: skip
    assert tgw.default_route_table_id is not None
    net.create_transit_gateway_route(tgw.default_route_table_id, "10.99.0.0/16", blackhole=True)
    for destination in ("10.1.0.0/16", "192.168.0.0/16", "10.99.0.0/16"):
        net.create_route(private_rt, destination, tgw)
    net.create_route(spoke.main_route_table, "10.0.0.0/16", tgw)
    vgw = net.create_vpn_gateway(name="vgw")
    net.attach_vpn_gateway(vgw, hub)
    net.create_vpn_connection(net.create_customer_gateway("198.51.100.201"), vpn_gateway=vgw,
                              static_routes=["172.20.0.0/16"])  # fmt: skip
    net.enable_vgw_route_propagation(private_rt, vgw)
    net.create_vpc_endpoint(hub, "com.amazonaws.us-east-1.s3", route_tables=[private_rt], name="s3")
    pcx = net.create_vpc_peering_connection(hub, far, name="to-far")
    net.create_route(private_rt, "10.2.0.0/16", pcx)
    net.create_route(far.main_route_table, "10.0.2.0/24", pcx)
    net.create_vpc_peering_connection(spoke, far, auto_accept=False, name="pending")
    ssh = net.create_security_group(spoke, "ssh", description="ssh from the hub")
    net.authorize_security_group_ingress(ssh, protocol="tcp", ports=22, cidr="10.0.0.0/16")
    net.run_instance(spoke_a, name="spoke-1", security_groups=[ssh])
    net.run_instance(far_a, name="far-1")
    net.run_instance(app, name="app-1", security_groups=[web_sg], ipv6_address_count=1)
    return net


def elb_network() -> Network:
    """Every load balancing setting the exporter writes (issue 8): an internet-facing NLB with an Elastic IP on one
    node and cross-zone on, IP targets with a port override, one outside the VPC (AZ ``all``), explicit client IP
    preservation and group cross-zone; an ALB with its SGs, an HTTPS listener, a group with a health check path,
    checks disabled and a port override; an internal NLB with SGs and a UDP group; a group no listener uses; a
    stopped target."""
    net = Network(region="eu-west-1", seed=5)
    vpc = net.create_vpc("10.0.0.0/16", name="v")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    public = net.create_route_table(vpc, name="public")
    net.create_route(public, "0.0.0.0/0", igw)
    a = net.create_subnet(vpc, "10.0.0.0/24", az="eu-west-1a", name="a")
    b = net.create_subnet(vpc, "10.0.1.0/24", az="eu-west-1b", name="b")
    c = net.create_subnet(vpc, "10.0.2.0/24", az="eu-west-1a", name="c")
    for subnet in (a, b):
        net.associate_route_table(public, subnet)
    web = net.create_security_group(vpc, "web", description="web")
    net.authorize_security_group_ingress(web, protocol="tcp", ports=(80, 9000), cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(web, protocol="udp", ports=53, cidr="10.0.0.0/16")
    alb_sg = net.create_security_group(vpc, "alb", description="alb")
    net.authorize_security_group_ingress(alb_sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    i1 = net.run_instance(a, security_groups=[web], name="i1")
    i2 = net.run_instance(b, security_groups=[web], name="i2")
    old = net.run_instance(b, security_groups=[web], name="old")
    net.stop_instance(old)
    nlb = net.create_load_balancer("nlb", [a, b], type="network", allocations={a.id: net.allocate_address(name="e1")},
                                   cross_zone=True, tags={"team": "edge"})  # fmt: skip
    ips = net.create_target_group("ips", protocol="TCP", port=8080, vpc=vpc, target_type="ip", health_check_port=8081,
                                  preserve_client_ip=True, cross_zone=False, tags={"Name": "ips"})  # fmt: skip
    net.register_targets(ips, [(str(i1.private_ip), 8088), str(i2.private_ip),
                               {"Id": "10.99.0.5", "AvailabilityZone": "all"}])  # fmt: skip
    net.create_listener(nlb, protocol="TCP", port=80, target_group=ips, tags={"Name": "nlb-80"})
    alb = net.create_load_balancer("alb", [a, b], security_groups=[alb_sg])
    pages = net.create_target_group("pages", protocol="HTTP", port=80, vpc=vpc, health_check_path="/health",
                                    health_check_enabled=False)  # fmt: skip
    net.register_targets(pages, [i1, (i2, 8080), old])
    net.create_listener(alb, protocol="HTTPS", port=443, target_group=pages)
    inner = net.create_load_balancer("inner", [c], type="network", scheme="internal", security_groups=[web])
    dns = net.create_target_group("dns", protocol="UDP", port=53, vpc=vpc)
    net.register_targets(dns, [i1])
    net.create_listener(inner, protocol="UDP", port=53, target_group=dns)
    net.create_target_group("spare", protocol="TCP", port=1, vpc=vpc, health_check_protocol="HTTP")
    return net


@pytest.fixture(scope="module")
def hub() -> Network:
    return hub_network()


@pytest.fixture(scope="module")
def hub_doc(hub: Network) -> dict[str, list[dict[str, Any]]]:
    return hub.to_aws()


def by_name(net: Network, name: str) -> Any:
    (found,) = [r for r in net if r.name == name]
    return found


def group(net: Network, group_name: str) -> Any:
    (found,) = [g for g in net.security_groups if g.group_name == group_name]
    return found


def prefix_list(net: Network, prefix_list_name: str) -> Any:
    (found,) = [p for p in net.managed_prefix_lists if p.prefix_list_name == prefix_list_name]
    return found


# ------------------------------------------------------------------------------------------------ shapes


def test_to_aws_gives_the_describe_keys_as_plain_json(hub: Network, hub_doc: dict[str, Any]) -> None:
    assert list(hub_doc) == KEYS
    assert json.loads(json.dumps(hub_doc)) == hub_doc  # strings, numbers, lists and dicts only
    assert hub.to_aws() == vpcsim.to_aws(hub) == vpcsim.to_aws(hub, None)
    empty = vpcsim.to_aws(Network())
    assert list(empty) == KEYS
    assert {k: v for k, v in empty.items() if v} == {"AvailabilityZones": empty["AvailabilityZones"]}


def test_vpc_and_subnet_shapes(hub: Network, hub_doc: dict[str, Any]) -> None:
    vpc = by_name(hub, "hub")
    item = only(hub_doc, "Vpcs", "VpcId", vpc.id)
    assert item["CidrBlock"] == "10.0.0.0/16"
    assert item["CidrBlockAssociationSet"] == [
        {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}}
    ]
    assert item["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == str(vpc.ipv6_cidr_block)
    assert (item["EnableDnsSupport"], item["EnableDnsHostnames"], item["Tags"]) == (
        True, False, [{"Key": "Name", "Value": "hub"}]
    )  # fmt: skip
    subnet = only(hub_doc, "Subnets", "SubnetId", by_name(hub, "pub").id)
    assert (subnet["VpcId"], subnet["CidrBlock"], subnet["AvailabilityZone"], subnet["MapPublicIpOnLaunch"]) == (
        vpc.id, "10.0.1.0/24", "us-east-1a", True
    )  # fmt: skip
    assert {"ZoneName": "eu-west-1a", "RegionName": "eu-west-1", "State": "available"} in hub_doc["AvailabilityZones"]


def test_route_table_shapes(hub: Network, hub_doc: dict[str, Any]) -> None:
    vpc = by_name(hub, "hub")
    main = only(hub_doc, "RouteTables", "RouteTableId", vpc.main_route_table.id)
    assert main["Associations"] == [{
        "Main": True, "RouteTableAssociationId": vpc.main_route_table_association_id,
        "RouteTableId": vpc.main_route_table.id, "AssociationState": {"State": "associated"},
    }]  # fmt: skip
    assert main["Routes"] == [
        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable",
         "State": "active"},
        {"DestinationIpv6CidrBlock": str(vpc.ipv6_cidr_block), "GatewayId": "local", "Origin": "CreateRouteTable",
         "State": "active"},
    ]  # fmt: skip
    private = only(hub_doc, "RouteTables", "RouteTableId", by_name(hub, "private").id)
    targets = {r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock") or r["DestinationPrefixListId"]:
               {k: v for k, v in r.items() if k not in ("Origin", "State") and not k.startswith("Destination")}
               for r in private["Routes"]}  # fmt: skip
    assert targets["0.0.0.0/0"] == {"NatGatewayId": by_name(hub, "nat").id}
    assert targets["::/0"] == {"EgressOnlyInternetGatewayId": by_name(hub, "eigw").id}
    assert targets["198.18.0.0/15"] == {"InstanceId": by_name(hub, "nati").id}
    assert targets["10.1.0.0/16"] == {"TransitGatewayId": by_name(hub, "tgw").id}
    assert targets["10.2.0.0/16"] == {"VpcPeeringConnectionId": by_name(hub, "to-far").id}
    assert targets[by_name(hub, "s3").prefix_list_id] == {"GatewayId": by_name(hub, "s3").id}
    propagated = [r for r in private["Routes"] if r["Origin"] == "EnableVgwRoutePropagation"]
    assert propagated == [{"DestinationCidrBlock": "172.20.0.0/16", "GatewayId": by_name(hub, "vgw").id,
                           "Origin": "EnableVgwRoutePropagation", "State": "active"}]  # fmt: skip
    assert private["PropagatingVgws"] == [{"GatewayId": by_name(hub, "vgw").id}]
    assert [a["SubnetId"] for a in private["Associations"]] == [by_name(hub, "app").id]
    edge = only(hub_doc, "RouteTables", "RouteTableId", by_name(hub, "edge").id)
    assert [(a["Main"], a["GatewayId"]) for a in edge["Associations"]] == [(False, by_name(hub, "igw").id)]


def test_network_acl_shapes_end_with_the_star_rules(hub: Network, hub_doc: dict[str, Any]) -> None:
    """SPEC N1: AWS lists 32767 (and 32768 with IPv6) last in each direction; the loader skips them again."""
    vpc = by_name(hub, "hub")
    acl = only(hub_doc, "NetworkAcls", "NetworkAclId", vpc.default_network_acl.id)
    rules = [(e["RuleNumber"], e["Egress"], e["Protocol"], e["RuleAction"], e.get("CidrBlock") or e["Ipv6CidrBlock"])
             for e in acl["Entries"]]  # fmt: skip
    assert sorted(rules) == sorted(
        (number, egress, "-1", action, block)
        for egress in (False, True)
        for number, action, block in ((100, "allow", "0.0.0.0/0"), (101, "allow", "::/0"),
                                      (32767, "deny", "0.0.0.0/0"), (32768, "deny", "::/0"))
    )  # fmt: skip
    assert acl["IsDefault"] is True
    assert {a["SubnetId"] for a in acl["Associations"]} == {by_name(hub, "pub").id, by_name(hub, "app").id}
    demo = demo_network()
    data_acl = only(demo.to_aws(), "NetworkAcls", "NetworkAclId", by_name(demo, "data-acl").id)
    assert data_acl["Entries"][:2] == [
        {"RuleNumber": 100, "Egress": False, "Protocol": "6", "RuleAction": "allow", "CidrBlock": "10.0.10.0/24",
         "PortRange": {"From": 5432, "To": 5432}},
        {"RuleNumber": 100, "Egress": True, "Protocol": "6", "RuleAction": "allow", "CidrBlock": "10.0.10.0/24",
         "PortRange": {"From": 1024, "To": 65535}},
    ]  # fmt: skip
    assert [(e["RuleNumber"], e["Egress"]) for e in data_acl["Entries"][2:]] == [
        (32767, False), (32768, False), (32767, True), (32768, True)  # the app VPC has IPv6
    ]  # fmt: skip


def test_security_group_shapes(hub: Network, hub_doc: dict[str, Any]) -> None:
    sg = group(hub, "web")
    item = only(hub_doc, "SecurityGroups", "GroupId", sg.id)
    assert (item["GroupName"], item["Description"], item["VpcId"]) == ("web", "web", by_name(hub, "hub").id)
    assert item["IpPermissions"] == [
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "http"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
         "PrefixListIds": [{"PrefixListId": prefix_list(hub, "office").id}]},
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "udp", "FromPort": 1000, "ToPort": 2000,
         "UserIdGroupPairs": [{"GroupId": sg.id, "UserId": "000000000000"}]},
    ]  # fmt: skip
    assert item["IpPermissionsEgress"][0] == {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    rules = [r for r in hub_doc["SecurityGroupRules"] if r["GroupId"] == sg.id]
    assert [r["SecurityGroupRuleId"] for r in rules] == [r.id for r in (*sg.ingress, *sg.egress)]
    assert rules[0] == {
        "SecurityGroupRuleId": sg.ingress[0].id, "GroupId": sg.id, "GroupOwnerId": "000000000000", "IsEgress": False,
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIpv4": "0.0.0.0/0", "Description": "http",
    }  # fmt: skip
    assert rules[3]["ReferencedGroupInfo"] == {"GroupId": sg.id, "UserId": "000000000000"}


def test_interface_and_instance_shapes(hub: Network, hub_doc: dict[str, Any]) -> None:
    web = by_name(hub, "web")
    eni = web.primary_network_interface
    item = only(hub_doc, "NetworkInterfaces", "NetworkInterfaceId", eni.id)
    assert [(p["PrivateIpAddress"], p["Primary"]) for p in item["PrivateIpAddresses"]] == [
        (str(a), i == 0) for i, a in enumerate(eni.private_ip_addresses)
    ]
    assert len(item["PrivateIpAddresses"]) == 2
    assert item["Association"] == {"PublicIp": str(eni.auto_public_ip), "IpOwnerId": "amazon"}  # P1, not an EIP
    assert item["Ipv6Addresses"] == [{"Ipv6Address": str(eni.ipv6_addresses[0])}]
    assert (item["Attachment"]["InstanceId"], item["Attachment"]["DeviceIndex"]) == (web.id, 0)
    nat_eni = only(hub_doc, "NetworkInterfaces", "NetworkInterfaceId", by_name(hub, "nat").network_interface.id)
    assert (nat_eni["InterfaceType"], nat_eni["RequesterManaged"], nat_eni["SourceDestCheck"]) == (
        "nat_gateway", True, False
    )  # fmt: skip
    assert nat_eni["Association"]["AllocationId"] == by_name(hub, "nat-eip").id
    spare = only(hub_doc, "NetworkInterfaces", "NetworkInterfaceId", by_name(hub, "spare").id)
    assert spare["ConnectionTrackingConfiguration"]["TcpEstablishedTimeout"] == 3600
    assert (spare["Status"], spare["TagSet"], "Tags" in spare) == (
        "available",
        [{"Key": "Name", "Value": "spare"}],
        False,
    )
    (reservation,) = [r for r in hub_doc["Reservations"] if r["Instances"][0]["InstanceId"] == web.id]
    instance = reservation["Instances"][0]
    assert (instance["State"], instance["InstanceType"], instance["PublicIpAddress"]) == (
        {"Code": 16, "Name": "running"}, "m5.large", str(web.public_ip)
    )  # fmt: skip
    assert instance["MetadataOptions"]["HttpTokens"] == "required"
    assert instance["Tags"] == [{"Key": "Name", "Value": "web"}]
    (old,) = [r["Instances"][0] for r in hub_doc["Reservations"] if r["Instances"][0]["InstanceId"] == by_name(
        hub, "old").id]  # fmt: skip
    assert old["State"] == {"Code": 80, "Name": "stopped"}


def test_gateway_and_connection_shapes(hub: Network, hub_doc: dict[str, Any]) -> None:
    nat, eip = by_name(hub, "nat"), by_name(hub, "nat-eip")
    assert only(hub_doc, "NatGateways", "NatGatewayId", nat.id)["NatGatewayAddresses"] == [{
        "NetworkInterfaceId": nat.network_interface.id, "PrivateIp": str(nat.private_ip),
        "AllocationId": eip.id, "PublicIp": str(eip.public_ip), "IsPrimary": True,
    }]  # fmt: skip
    address = only(hub_doc, "Addresses", "AllocationId", eip.id)
    assert (address["PublicIp"], address["NetworkInterfaceId"], address["Domain"]) == (
        str(eip.public_ip), nat.network_interface.id, "vpc"
    )  # fmt: skip
    hub_id = by_name(hub, "hub").id
    assert only(hub_doc, "InternetGateways", "InternetGatewayId", by_name(hub, "igw").id)["Attachments"] == [
        {"State": "available", "VpcId": hub_id}
    ]
    peerings = {p["VpcPeeringConnectionId"]: p for p in hub_doc["VpcPeeringConnections"]}
    assert peerings[by_name(hub, "to-far").id]["Status"]["Code"] == "active"
    assert peerings[by_name(hub, "to-far").id]["AccepterVpcInfo"]["Region"] == "eu-west-1"
    assert peerings[by_name(hub, "pending").id]["Status"]["Code"] == "pending-acceptance"
    tgw = by_name(hub, "tgw")
    options = only(hub_doc, "TransitGateways", "TransitGatewayId", tgw.id)["Options"]
    assert options["AssociationDefaultRouteTableId"] == tgw.default_route_table_id
    (static,) = hub_doc["TransitGatewayStaticRoutes"]
    routes = {r["DestinationCidrBlock"]: r for r in static["Routes"]}
    assert routes["10.99.0.0/16"] == {
        "DestinationCidrBlock": "10.99.0.0/16",
        "Type": "static",
        "State": "blackhole",
        "TransitGatewayAttachments": [],
    }
    assert routes["192.168.0.0/16"]["Type"] == "propagated"
    assert routes[str(by_name(hub, "hub").ipv6_cidr_block)]["Type"] == "propagated"  # Ipv6Support enabled
    assert routes["192.168.0.0/16"]["TransitGatewayAttachments"][0]["ResourceType"] == "vpn"
    (propagations,) = hub_doc["TransitGatewayPropagations"]
    assert [p["ResourceType"] for p in propagations["TransitGatewayRouteTablePropagations"]] == ["vpc", "vpc", "vpn"]
    assert sorted(a["ResourceType"] for a in hub_doc["TransitGatewayAttachments"]) == ["vpc", "vpc", "vpn"]
    vpc_attachments = {a["VpcId"]: a for a in hub_doc["TransitGatewayVpcAttachments"]}
    assert vpc_attachments[hub_id]["SubnetIds"] == [by_name(hub, "app").id]
    assert vpc_attachments[hub_id]["Options"] == {"Ipv6Support": "enable"}
    assert vpc_attachments[by_name(hub, "spoke").id]["Options"] == {"Ipv6Support": "disable"}
    vpns = {v.get("VpnGatewayId") or v["TransitGatewayId"]: v for v in hub_doc["VpnConnections"]}
    assert vpns[by_name(hub, "vgw").id]["Routes"] == [
        {"DestinationCidrBlock": "172.20.0.0/16", "Source": "Static", "State": "available"}
    ]
    assert {c["IpAddress"]: c["BgpAsn"] for c in hub_doc["CustomerGateways"]} == {
        "198.51.100.200": "65010", "198.51.100.201": "65000"
    }  # fmt: skip
    endpoint = only(hub_doc, "VpcEndpoints", "VpcEndpointId", by_name(hub, "s3").id)
    assert (endpoint["VpcEndpointType"], endpoint["ServiceName"], endpoint["RouteTableIds"]) == (
        "Gateway", "com.amazonaws.us-east-1.s3", [by_name(hub, "private").id]
    )  # fmt: skip
    assert only(hub_doc, "ManagedPrefixLists", "PrefixListId", prefix_list(hub, "office").id)["Entries"] == [
        {"Cidr": "192.0.2.0/24", "Description": "hq"}
    ]
    (aws_list,) = hub_doc["PrefixLists"]
    assert aws_list["PrefixListName"] == "com.amazonaws.us-east-1.s3"
    assert aws_list["Cidrs"] == [str(c) for c in prefix_list(hub, "com.amazonaws.us-east-1.s3").entries]


def test_load_balancer_shapes() -> None:
    """describe-load-balancers / -target-groups / -listeners / -target-health and the attribute calls, with vpcsim's
    wrappers naming the ARN of the per-item calls."""
    net = elb_network()
    doc = net.to_aws()
    nlb, alb, inner = net.load_balancers
    ips, pages, dns, spare = net.target_groups
    item = only(doc, "LoadBalancers", "LoadBalancerArn", nlb.id)
    assert "SecurityGroups" not in item  # created without: AWS lists none (L1)
    assert (item["Type"], item["Scheme"], item["LoadBalancerName"], item["State"]) == (
        "network", "internet-facing", "nlb", {"Code": "active"}
    )  # fmt: skip
    eip = nlb.nodes[0].elastic_ips[nlb.nodes[0].private_ip]
    assert [z["SubnetId"] for z in item["AvailabilityZones"]] == [s.id for s in nlb.subnets]
    assert item["AvailabilityZones"][0]["LoadBalancerAddresses"] == [
        {"IpAddress": str(eip.public_ip), "AllocationId": eip.id}
    ]
    assert item["Tags"] == [{"Key": "team", "Value": "edge"}]
    assert only(doc, "LoadBalancers", "LoadBalancerArn", alb.id)["SecurityGroups"] == [group(net, "alb").id]
    assert only(doc, "LoadBalancers", "LoadBalancerArn", inner.id)["AvailabilityZones"][0][
        "LoadBalancerAddresses"
    ] == [{"PrivateIPv4Address": str(inner.nodes[0].private_ip)}]
    node = only(doc, "NetworkInterfaces", "NetworkInterfaceId", alb.nodes[1].id)
    assert (node["Description"], node["InterfaceType"], node["RequesterManaged"]) == (
        f"ELB app/alb/{alb.id.rsplit('/', 1)[-1]}", "interface", True
    )  # fmt: skip
    assert node["Association"] == {"PublicIp": str(alb.nodes[1].public_ip), "IpOwnerId": "amazon-elb"}
    attributes = {a["LoadBalancerArn"]: a["Attributes"] for a in doc["LoadBalancerAttributes"]}
    assert attributes[nlb.id] == [{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]
    assert attributes[inner.id] == [{"Key": "load_balancing.cross_zone.enabled", "Value": "false"}]

    group_item = only(doc, "TargetGroups", "TargetGroupArn", pages.id)
    assert {k: group_item[k] for k in ("Protocol", "Port", "TargetType", "LoadBalancerArns")} == {
        "Protocol": "HTTP", "Port": 80, "TargetType": "instance", "LoadBalancerArns": [alb.id]
    }  # fmt: skip
    assert {k: v for k, v in group_item.items() if k.startswith("HealthCheck")} == {
        "HealthCheckEnabled": False, "HealthCheckProtocol": "HTTP", "HealthCheckPort": "traffic-port",
        "HealthCheckPath": "/health",
    }  # fmt: skip
    assert only(doc, "TargetGroups", "TargetGroupArn", ips.id)["HealthCheckPort"] == "8081"
    assert only(doc, "TargetGroups", "TargetGroupArn", spare.id)["LoadBalancerArns"] == []
    settings = {a["TargetGroupArn"]: a["Attributes"] for a in doc["TargetGroupAttributes"]}
    assert settings[ips.id] == [
        {"Key": "load_balancing.cross_zone.enabled", "Value": "false"},
        {"Key": "preserve_client_ip.enabled", "Value": "true"},
    ]
    assert settings[dns.id] == [
        {"Key": "load_balancing.cross_zone.enabled", "Value": "use_load_balancer_configuration"}
    ]

    (listener,) = [x for x in doc["Listeners"] if x["LoadBalancerArn"] == nlb.id]
    assert (listener["Protocol"], listener["Port"], listener["Tags"]) == (
        "TCP",
        80,
        [{"Key": "Name", "Value": "nlb-80"}],
    )
    assert listener["DefaultActions"] == [
        {"Type": "forward", "TargetGroupArn": ips.id,
         "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": ips.id, "Weight": 1}]}}
    ]  # fmt: skip

    health = {h["TargetGroupArn"]: h["TargetHealthDescriptions"] for h in doc["TargetHealthDescriptions"]}
    assert set(health) == {g.id for g in net.target_groups}  # every group's, so none lacks its targets on reload
    i1, i2, old = (by_name(net, n) for n in ("i1", "i2", "old"))
    assert health[pages.id] == [
        {"Target": {"Id": i1.id}, "HealthCheckPort": "80",
         "TargetHealth": {"State": "unavailable", "Reason": "Target.HealthCheckDisabled",
                          "Description": "Health checks disabled"}},
        {"Target": {"Id": i2.id, "Port": 8080}, "HealthCheckPort": "8080",
         "TargetHealth": {"State": "unavailable", "Reason": "Target.HealthCheckDisabled",
                          "Description": "Health checks disabled"}},
        {"Target": {"Id": old.id}, "HealthCheckPort": "80",
         "TargetHealth": {"State": "unused", "Reason": "Target.InvalidState",
                          "Description": "Target is in the stopped state"}},
    ]  # fmt: skip
    assert [(h["Target"], h["TargetHealth"]["State"]) for h in health[ips.id]] == [
        ({"Id": str(i1.private_ip), "Port": 8088, "AvailabilityZone": "eu-west-1a"}, "healthy"),  # checked on 8081
        ({"Id": str(i2.private_ip), "AvailabilityZone": "eu-west-1b"}, "healthy"),
        ({"Id": "10.99.0.5", "AvailabilityZone": "all"}, "unhealthy"),  # no route out of the VPC
    ]
    assert health[spare.id] == []


# ------------------------------------------------------------------------------------------------ round trips


ROUND_TRIPS: dict[str, Callable[[], Network]] = {
    "demo": demo_network,
    "seeds": lambda: build_seeds(https=True).net,
    "estate": lambda: estate(200, seed=1),
    "estate-ipv6": lambda: estate(200, seed=2, ipv6=True),
    "hub": hub_network,
    "private-api-behind-nlb": private_api_behind_nlb,
    "elb": elb_network,
}


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_load_of_to_aws_is_the_same_network(name: str) -> None:
    net = ROUND_TRIPS[name]()
    assert_round_trip(net, [*running_ids(net, 7), INTERNET, *(lb.lb_name for lb in net.load_balancers)])


def test_load_balancer_verdicts_survive_the_round_trip() -> None:
    """Through each load balancer, hop by hop: listener, target group and target, translation, reply."""
    net = elb_network()
    back = reload(net)
    probes = [
        (INTERNET, "nlb", "tcp", 80), (INTERNET, "nlb", "tcp", 81), (INTERNET, "alb", "tcp", 443),
        (INTERNET, "alb", "tcp", 80), ("i2", "inner", "udp", 53), ("i1", "inner", "udp", 53),
        (INTERNET, str(net.load_balancers[0].nodes[1].public_ip), "tcp", 80),
    ]  # fmt: skip
    for probe in probes:
        a, b = net.trace(*probe), back.trace(*probe)
        assert [(h.component, h.kind, h.action, h.rule) for h in b.hops] == [
            (h.component, h.kind, h.action, h.rule) for h in a.hops
        ], probe
        assert (b.disposition, b.explanation, b.connected) == (a.disposition, a.explanation, a.connected), probe
    assert back.trace(INTERNET, "alb", "tcp", 443).connected
    for group in net.target_groups:
        assert [(h.target, h.state, h.reason) for h in back.describe_target_health(group.id)] == [
            (h.target, h.state, h.reason) for h in net.describe_target_health(group)
        ]


def test_hub_verdicts_survive_the_round_trip(hub: Network) -> None:
    """The flows that use each resource kind, traced on the reloaded network: same walk, hop by hop."""
    back = reload(hub)
    probes = [
        ("app-1", "spoke-1", "tcp", 22), ("app-1", "192.168.1.1", "tcp", 22), ("app-1", "172.20.0.1", "tcp", 22),
        ("app-1", "10.99.0.1", "tcp", 22), ("app-1", "far-1", "tcp", 22), ("app-1", "52.216.0.1", "tcp", 443),
        ("app-1", internet("2001:db8::1"), "tcp", 443), ("app-1", "198.18.0.1", "tcp", 443),
        ("app-1", INTERNET, "tcp", 443), (INTERNET, "web", "tcp", 80), (OFFICE, "web", "tcp", 22),
        (INTERNET, "web", "tcp", 22), ("web", "old", "icmp", None),
    ]  # fmt: skip
    for probe in probes:
        a, b = hub.trace(*probe), back.trace(*probe)
        assert [(h.component, h.kind, h.action, h.rule) for h in b.hops] == [
            (h.component, h.kind, h.action, h.rule) for h in a.hops
        ], probe
        assert (b.disposition, b.explanation, b.connected) == (a.disposition, a.explanation, a.connected), probe
    assert back.trace("app-1", "192.168.1.1", "tcp", 22).connected
    assert hops(back.trace("app-1", "198.18.0.1", "tcp", 443), "nat-instance")  # the masquerade survived


def test_masquerade_tag_round_trip(hub: Network, hub_doc: dict[str, Any]) -> None:
    nati = by_name(hub, "nati")
    (exported,) = [r["Instances"][0] for r in hub_doc["Reservations"] if r["Instances"][0]["InstanceId"] == nati.id]
    assert {"Key": MASQUERADE_TAG, "Value": "true"} in exported["Tags"]
    assert MASQUERADE_TAG not in nati.tags  # host configuration, not a tag of the model
    back = vpcsim.load_aws(hub_doc)
    assert back.get(nati.id).masquerade is True
    assert back.get(nati.id).tags == {"Name": "nati"}
    others = [i for i in back.instances if i.id != nati.id]
    assert not any(i.masquerade for i in others)
    edited = json.loads(json.dumps(hub_doc))
    for reservation in edited["Reservations"]:
        instance = reservation["Instances"][0]
        if instance["InstanceId"] == nati.id:
            instance["Tags"] = [t for t in instance["Tags"] if t["Key"] != MASQUERADE_TAG]
    plain = vpcsim.load_aws(edited)
    assert plain.get(nati.id).masquerade is False
    t = plain.trace("app-1", "198.18.0.1", "tcp", 443)
    assert not hops(t, "nat-instance")  # without the tag the instance forwards without rewriting


def test_to_aws_of_one_region(hub: Network) -> None:
    away = vpcsim.to_aws(hub, "eu-west-1")
    far = by_name(hub, "far")
    assert [v["VpcId"] for v in away["Vpcs"]] == [far.id]
    assert {s["VpcId"] for s in away["Subnets"]} == {far.id}
    assert [p["VpcPeeringConnectionId"] for p in away["VpcPeeringConnections"]] == [
        by_name(hub, "to-far").id, by_name(hub, "pending").id
    ]  # fmt: skip
    assert (away["TransitGateways"], away["CustomerGateways"]) == ([], [])  # they live in the home region
    assert {z["RegionName"] for z in away["AvailabilityZones"]} == {"eu-west-1"}
    home = vpcsim.to_aws(hub, "us-east-1")
    assert far.id not in {v["VpcId"] for v in home["Vpcs"]}
    assert [t["TransitGatewayId"] for t in home["TransitGateways"]] == [by_name(hub, "tgw").id]


def two_regions(home: str, away: str) -> Network:
    """A VPC in each of two regions, peered, an instance on each side."""
    net = Network(home, seed=9)
    net.add_region(away)
    a = net.create_vpc("10.0.0.0/16", name="home")
    b = net.create_vpc("10.1.0.0/16", name="away", region=away)
    sa = net.create_subnet(a, "10.0.1.0/24", az=f"{home}a")
    sb = net.create_subnet(b, "10.1.1.0/24", az=f"{away}b")
    pcx = net.create_vpc_peering_connection(a, b)
    net.create_route(a.main_route_table, "10.1.0.0/16", pcx)
    net.create_route(b.main_route_table, "10.0.0.0/16", pcx)
    net.authorize_security_group_ingress(b.default_security_group, protocol="tcp", ports=22, cidr="10.0.0.0/16")
    net.run_instance(sa, name="a-1")
    net.run_instance(sb, name="b-1")
    net.create_transit_gateway(name="regional")
    return net


def test_dump_aws_writes_one_folder_per_region(tmp_path: Path) -> None:
    net = two_regions("eu-west-1", "us-east-2")
    written = vpcsim.dump_aws(net, tmp_path)
    on_disk = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == on_disk
    assert on_disk == sorted(
        f"aws_configs/{region}/{key}.json" for region in ("eu-west-1", "us-east-2") for key in KEYS
    )
    for region in ("eu-west-1", "us-east-2"):
        expected = vpcsim.to_aws(net, region)
        for key in KEYS:
            assert json.loads((tmp_path / "aws_configs" / region / f"{key}.json").read_text()) == {key: expected[key]}
    away = json.loads((tmp_path / "aws_configs" / "us-east-2" / "Vpcs.json").read_text())["Vpcs"]
    assert [v["VpcId"] for v in away] == [by_name(net, "away").id]
    tgws = json.loads((tmp_path / "aws_configs" / "eu-west-1" / "TransitGateways.json").read_text())
    assert [t["TransitGatewayId"] for t in tgws["TransitGateways"]] == [by_name(net, "regional").id]
    back = vpcsim.load_aws(tmp_path)
    assert list(back.load_report) == []
    assert back.snapshot() == net.snapshot()
    assert {v.name: v.region for v in back.vpcs} == {"home": "eu-west-1", "away": "us-east-2"}
    t = back.trace("a-1", "b-1", "tcp", 22)
    assert (str(t.disposition), t.connected) == ("ACCEPTED", True)


def test_dump_aws_keeps_the_home_region_when_given(tmp_path: Path) -> None:
    """The Batfish layout does not say which region is home: the first folder is, unless region= names it."""
    net = two_regions("us-east-1", "eu-west-1")
    vpcsim.dump_aws(net, tmp_path)
    assert vpcsim.load_aws(tmp_path).region == "eu-west-1"
    back = vpcsim.load_aws(tmp_path, region=net.region)
    assert back.region == "us-east-1"
    assert back.snapshot() == net.snapshot()


def test_dump_aws_reloads_a_two_region_network_with_its_verdicts(tmp_path: Path, hub: Network) -> None:
    vpcsim.dump_aws(hub, tmp_path)
    back = vpcsim.load_aws(tmp_path / "aws_configs")
    assert list(back.load_report) == []  # the peering both folders list is one resource
    assert {v.name: v.region for v in back.vpcs} == {v.name: v.region for v in hub.vpcs}
    plain = {k: v for k, v in back.snapshot().items() if k != "network"}
    assert plain == {k: v for k, v in hub.snapshot().items() if k != "network"}
    batch = batch_between([*running_ids(hub, 6), INTERNET])
    assert verdicts(back, batch) == verdicts(hub, batch)


def test_what_if_edit_survives_dump_and_load(tmp_path: Path) -> None:
    net = demo_network()
    with net.what_if() as alt:
        web_sg = group(alt, "web")
        https = next(r for r in web_sg.ingress if r.from_port == 443)
        alt.revoke_security_group_ingress(web_sg, rule_id=https.id)
        alt.delete_network_acl_entry(by_name(alt, "data-acl"), rule_number=100, egress=False)
        vpcsim.dump_aws(alt, tmp_path)
        back = vpcsim.load_aws(tmp_path)
        assert back.snapshot() == alt.snapshot()
        for src, dst, port, before, after in (
            (INTERNET, "web", 443, ("ACCEPTED", True), ("DENIED_IN", False)),
            ("api", "db", 5432, ("ACCEPTED", True), ("DENIED_IN", False)),
            (INTERNET, "web", 80, ("ACCEPTED", True), ("ACCEPTED", True)),
        ):
            t = back.trace(src, dst, "tcp", port)
            assert (str(t.disposition), t.connected) == after
            assert (str(net.trace(src, dst, "tcp", port).disposition), net.reachable(src, dst, port=port)) == before
        assert back.trace("api", "db", "tcp", 5432).decided_by.kind == "nacl-ingress"


# ------------------------------------------------------------------------------------------------ the property


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=networks(max_vpcs=3, max_subnets=3, max_instances=4, load_balancers=True), data=st.data())
def test_round_trip_property_same_snapshot_and_verdicts(net: Network, data: st.DataObject) -> None:
    """Done when: random valid network (load balancers included, issue 8) -> to_aws -> JSON text -> load_aws gives
    the same network, the same target health and the same verdicts on random flows (through load balancers too)."""
    back = reload(net)
    assert list(back.load_report) == []
    assert back.snapshot() == net.snapshot()
    for group in net.target_groups:
        assert [(h.target, h.state, h.reason, h.nodes) for h in back.describe_target_health(group.id)] == [
            (h.target, h.state, h.reason, h.nodes) for h in net.describe_target_health(group)
        ]
    drawn: list[Flow] = data.draw(st.lists(flows(net), min_size=1, max_size=12))
    batch = FlowBatch.from_arrays(
        [f.src for f in drawn], [f.dst for f in drawn], [f.protocol for f in drawn], [f.port for f in drawn]
    )
    assert verdicts(back, batch) == verdicts(net, batch)
    first = drawn[0]
    a, b = net.trace(*first), back.trace(*first)
    assert (b.disposition, b.explanation, b.connected, b.components) == (
        a.disposition, a.explanation, a.connected, a.components
    )  # fmt: skip


def test_round_trip_keeps_a_launch_without_public_ip_hidden_by_an_eip() -> None:
    """P1: the launch's choice, hidden by the EIP from what describe-instances shows, travels as PUBLIC_IP_TAG."""
    net = Network(seed=0)
    vpc = net.create_vpc("10.0.0.0/16")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    subnet = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a", map_public_ip_on_launch=True)
    net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    net.authorize_security_group_ingress(vpc.default_security_group, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    web = net.run_instance(subnet, associate_public_ip=False, name="web")
    eip = net.allocate_address()
    net.associate_address(eip, instance=web)
    (exported,) = [r["Instances"][0] for r in net.to_aws()["Reservations"]]
    assert {"Key": PUBLIC_IP_TAG, "Value": "false"} in exported["Tags"]
    back = reload(net)
    assert back.get(web.id).tags == {"Name": "web"}
    for side in (net, back):
        side.disassociate_address(eip.id)
    assert back.reachable(INTERNET, "web", port=80) == net.reachable(INTERNET, "web", port=80)
    assert back.snapshot() == net.snapshot()


def test_iam_instance_profile_round_trips_as_the_profile_arn() -> None:
    """The role IMDS serves credentials for (M3) travels as describe-instances' IamInstanceProfile."""
    net = vpcsim.Network(seed=21)
    subnet = net.create_subnet(net.create_vpc("10.0.0.0/16"), "10.0.1.0/24")
    with_role = net.run_instance(subnet, iam_role="web-app")
    net.run_instance(subnet)
    instances = [i for r in net.to_aws()["Reservations"] for i in r["Instances"]]
    profiles = {i["InstanceId"]: i.get("IamInstanceProfile") for i in instances}
    assert profiles[with_role.id] == {"Arn": "arn:aws:iam::000000000000:instance-profile/web-app"}
    assert sum(p is None for p in profiles.values()) == 1
    again = vpcsim.load_aws(net.to_aws())
    assert again.get(with_role.id).iam_role == "web-app"
    assert again.snapshot() == net.snapshot()
