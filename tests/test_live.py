"""vpcsim.io.live (``from_boto3``) against moto's server mode on 127.0.0.1, and the export recorded from it.

The module starts one moto server (tests/motoserver.py), builds tests/data/make_moto_export.py's network in it through
boto3 (two VPCs peered, an IGW, a NAT gateway, a custom NACL, security groups with CIDR, prefix list and SG peers, an
ALB; a transit gateway in a second region), loads it with ``from_boto3`` and checks that it answers as built. The same
flows are asked of the recorded export in tests/data/moto-export/ (no server needed). Nothing leaves 127.0.0.1: every
client of these sessions refuses any other address.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import ipaddress
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

import vpcsim
from vpcsim import INTERNET, Disposition, internet
from vpcsim.io.live import fetch_documents, from_boto3
from vpcsim.io.report import LoadReport
from vpcsim.testing import one_hop

DATA = Path(__file__).parent / "data"
EXPORT = DATA / "moto-export"


def _recorder() -> Any:
    spec = importlib.util.spec_from_file_location("make_moto_export", DATA / "make_moto_export.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recorder = _recorder()
REGIONS = [recorder.REGION, recorder.OTHER_REGION]


@dataclasses.dataclass
class Account:
    """The moto server, a session on it, the ids of what was built (by name), and ``from_boto3`` of both regions."""

    url: str
    session: Any
    ids: dict[str, str]
    net: vpcsim.Network

    def session_for(self, region: str = "us-east-1") -> Any:
        """A new session on the server (for tests that hook into its events)."""
        from motoserver import moto_session

        return moto_session(self.url, region)


@pytest.fixture(scope="module")
def aws() -> Iterator[Account]:
    pytest.importorskip("boto3")
    pytest.importorskip("moto.server")
    from motoserver import FAKE_CREDENTIALS, moto_server, moto_session

    with pytest.MonkeyPatch.context() as env:
        for name, value in FAKE_CREDENTIALS.items():
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            env.delenv(name, raising=False)
        env.setenv("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/aws-credentials")
        env.setenv("AWS_DEFAULT_REGION", recorder.REGION)
        with moto_server() as url:
            env.setenv("AWS_ENDPOINT_URL", url)
            session = moto_session(url, recorder.REGION)
            ids = recorder.build_network(session)
            yield Account(url, session, ids, from_boto3(session, REGIONS, progress=False))


@pytest.fixture(scope="module")
def recorded() -> vpcsim.Network:
    return vpcsim.load_aws(EXPORT)


@pytest.fixture(params=["from_boto3", "recorded export"])
def net(request: pytest.FixtureRequest) -> vpcsim.Network:
    """The network as ``from_boto3`` reads it live, and as ``load_aws`` reads the export recorded from moto."""
    if request.param == "from_boto3":
        return request.getfixturevalue("aws").net
    return request.getfixturevalue("recorded")


def named(net: vpcsim.Network, name: str, kind: type = object) -> str:
    """The id of the one resource of ``kind`` whose Name tag is ``name``."""
    found = [r for r in net if r.name == name and isinstance(r, kind)]
    assert len(found) == 1, f"{name!r} names {found}"
    return found[0].id


# The resource type a deciding step belongs to.
STEP_KINDS = {
    "security-group-ingress": vpcsim.SecurityGroup,
    "nacl-ingress": vpcsim.NetworkAcl,
    "route-table": vpcsim.RouteTable,
    "internet-gateway": vpcsim.InternetGateway,
    "transit-gateway-route-table": vpcsim.TransitGatewayRouteTable,
}


# --------------------------------------------------------------------------------------- answers as built

ACCEPTED, EXITS = Disposition.ACCEPTED, Disposition.EXITS_NETWORK
# (source, destination, port) -> (disposition, explanation, deciding step, deciding component's Name tag, rule)
FLOWS = {
    "internet -> web:80": (INTERNET, "web", 80, ACCEPTED, None, None, None, None),
    "internet -> db:5432, SG db allows only app and web": (
        INTERNET, "db", 5432, "DENIED_IN", "ENI_SG_RULES_MISMATCH", "security-group-ingress", "db", None,
    ),
    "internet -> app, which has no public IP": (
        INTERNET, "app", 8080, "DENIED_IN", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", "internet-gateway", "prod-igw",
        None,
    ),
    "app -> internet through the NAT gateway": ("app", internet("192.0.2.7"), 443, EXITS, None, None, None, None),
    "web -> db:5432, NACL rule 50 denies the public subnet": (
        "web", "db", 5432, "DENIED_IN", "SUBNET_ACL_RESTRICTION", "nacl-ingress", "data-acl", 50,
    ),
    "app -> db:5432, NACL rule 100 and SG reference allow": ("app", "db", 5432, ACCEPTED, None, None, None, None),
    "web -> app:8080, SG app references SG web": ("web", "app", 8080, ACCEPTED, None, None, None, None),
    "db -> app:8080, db is not in SG web": (
        "db", "app", 8080, "DENIED_IN", "ENI_SG_RULES_MISMATCH", "security-group-ingress", "app", None,
    ),
    "office -> web:22, in the prefix list": (internet("203.0.113.9"), "web", 22, ACCEPTED, None, None, None, None),
    "elsewhere -> web:22, not in the prefix list": (
        internet("192.0.2.9"), "web", 22, "DENIED_IN", "ENI_SG_RULES_MISMATCH", "security-group-ingress", "web", None,
    ),
    "app -> tools:22 over the peering": ("app", "tools", 22, ACCEPTED, None, None, None, None),
    "tools -> db:5432, shared routes only the private subnet back": (
        "tools", "db", 5432, "NO_ROUTE", "NO_ROUTE_TO_DESTINATION", "route-table", "shared-rt", None,
    ),
    "edge -> 10.66.1.1, a blackhole in the transit gateway table": (
        "edge", "10.66.1.1", 80, "NULL_ROUTED", "BAD_STATE_ROUTE", "transit-gateway-route-table", None,
        "10.66.0.0/16",
    ),
}  # fmt: skip


@pytest.mark.parametrize("flow", FLOWS, ids=list(FLOWS))
def test_answers_as_built(net: vpcsim.Network, flow: str) -> None:
    src, dst, port, disposition, explanation, kind, component, rule = FLOWS[flow]
    t = net.trace(src, dst, "tcp", port)
    assert (t.disposition, t.explanation) == (disposition, explanation), str(t)
    assert t.connected == (disposition in (ACCEPTED, EXITS)), str(t)
    if kind is not None:
        decided = t.decided_by
        assert decided is not None, str(t)
        assert decided.kind == kind, str(t)
        if component is not None:
            assert decided.component == named(net, component, STEP_KINDS[kind]), str(t)
        else:  # the transit gateway's default route table: moto gives it no Name tag
            assert decided.component == net.transit_gateway_route_tables[0].id, str(t)
        assert rule is None or str(decided.rule) == str(rule), str(t)


def test_public_addresses_are_the_ones_aws_reports(aws: Account) -> None:
    ec2 = aws.session.client("ec2")
    web = ec2.describe_instances(InstanceIds=[aws.ids["web"]])["Reservations"][0]["Instances"][0]
    t = aws.net.trace(INTERNET, "web", "tcp", 80)
    assert str(t.packet.dst) == web["PublicIpAddress"]
    igw = one_hop(t, "internet-gateway")  # 1:1 NAT to the private address (SPEC P3)
    assert (igw.component, igw.action) == (aws.ids["igw"], "translate")
    assert igw.packet is not None
    assert str(igw.packet.dst) == web["PrivateIpAddress"]

    nat = ec2.describe_nat_gateways(NatGatewayIds=[aws.ids["nat"]])["NatGateways"][0]["NatGatewayAddresses"][0]
    t = aws.net.trace("app", internet("192.0.2.7"), "tcp", 443)
    snat = one_hop(t, "nat-gateway")
    assert (snat.component, snat.action) == (aws.ids["nat"], "translate")
    assert snat.packet is not None
    assert str(snat.packet.src) == nat["PrivateIp"]
    out = one_hop(t, "internet-gateway")
    assert out.packet is not None
    assert str(out.packet.src) == nat["PublicIp"] == recorder.NAT_EIP


def test_peering_hops(net: vpcsim.Network) -> None:
    t = net.trace("app", "tools", "tcp", 22)
    pcx = named(net, "prod-shared", vpcsim.VpcPeeringConnection)
    assert [h.action for h in t.hops if h.kind == "vpc-peering-connection" and h.component == pcx] == [
        "allow",
        "forward",
    ]
    assert one_hop(t, "security-group-ingress").component == named(net, "tools", vpcsim.SecurityGroup)


def test_model_as_built(aws: Account) -> None:
    net, ids = aws.net, aws.ids
    prod, shared = net.get(ids["prod"]), net.get(ids["shared"])
    assert [str(c) for c in prod.cidr_blocks] == ["10.0.0.0/16"]
    # describe_vpc_attribute: hostnames turned on for prod only; DNS support on everywhere
    assert (prod.enable_dns_hostnames, shared.enable_dns_hostnames) == (True, False)
    assert (prod.enable_dns_support, shared.enable_dns_support) == (True, True)
    assert sorted(str(s.cidr_block) for s in net.subnets if s.vpc is prod) == [
        "10.0.1.0/24",
        "10.0.2.0/24",
        "10.0.3.0/24",
    ]
    private = net.get(ids["private-rt"])
    assert sorted(str(r) for r in private.routes) == [
        f"0.0.0.0/0 -> {ids['nat']} (active)",
        "10.0.0.0/16 -> local (active)",
        f"10.1.0.0/16 -> {ids['pcx']} (active)",
    ]
    acl = net.get(ids["data-acl"])
    assert [(e.rule_number, e.rule_action) for e in acl.entries if not e.egress] == [
        (50, "deny"),
        (100, "allow"),
        (200, "allow"),
    ]
    office = net.get(ids["office"])
    assert sorted(map(str, office.entries)) == sorted(recorder.OFFICE)
    public = {i.name: i.public_ip is not None for i in net.instances}
    assert public == {"web": True, "app": False, "db": True, "tools": False, "edge": False}
    assert net.get(ids["edge-vpc"]).region == "eu-west-1"
    assert set(net.availability_zones) == set(REGIONS)


def test_load_report_names_only_moto_s_load_balancer_quirks(aws: Account) -> None:
    """moto 5.2.1 makes no node ENIs (each is made as AWS makes it, and reported) and says an ALB's cross-zone
    load balancing is off (AWS: always on)."""
    report = aws.net.load_report
    assert report.kinds() == {"dangling-reference": 4, "unsupported-value": 1}, str(report)
    subnets = [aws.ids["public"], aws.ids["data"]]
    made = sorted((w.resource, w.path) for w in report.of(kind="dangling-reference"))
    assert made == sorted(
        (lb, f"$.LoadBalancers[{i}].AvailabilityZones[{z}]")
        for i, lb in enumerate((aws.ids["alb"], aws.ids["nlb"]))
        for z in range(2)
    )
    for warning in report.of(kind="dangling-reference"):
        assert "is not in the export (NetworkInterfaces)" in warning.message
        assert any(subnet in warning.message for subnet in subnets)
    (cross,) = report.of(kind="unsupported-value")
    assert (cross.resource, cross.path) == (aws.ids["alb"], "$.LoadBalancerAttributes[0].Attributes[3]")
    assert aws.net.get(aws.ids["alb"]).cross_zone is True


# --------------------------------------------------------------------------------------- load balancers (issue 8)


def test_internet_to_nlb_to_web(net: vpcsim.Network) -> None:
    """TCP 443 on api-nlb reaches web:80 with the client's address (preserve_client_ip.enabled read from
    describe-target-group-attributes); the reply returns through the node."""
    t = net.trace(INTERNET, "api-nlb", "tcp", 443)
    assert (t.disposition, t.explanation, t.connected) == ("ACCEPTED", None, True), str(t)
    web = named(net, "web", vpcsim.Instance)
    assert one_hop(t, "target-group").rule == web
    translate = one_hop(t, "load-balancer", action="translate")
    assert translate.packet is not None
    assert (translate.packet.src, str(translate.packet.dst)) == (t.packet.src, "10.0.1.10")
    assert t.hops[-1].action == "deliver"
    assert t.hops[-1].component == net.get(web).primary_network_interface.id


def test_nlb_node_in_the_data_subnet_is_behind_its_nacl(net: vpcsim.Network) -> None:
    """The us-east-1b node sits in the data subnet, whose NACL admits only 5432 and 1024-65535 (N1): asked by its
    address, TCP 443 stops there; by name, DNS also answers with the us-east-1a node, which connects."""
    nlb = next(lb for lb in net.load_balancers if lb.lb_name == "api-nlb")
    t = net.trace(INTERNET, str(nlb.nodes[1].public_ip), "tcp", 443)
    assert (t.disposition, t.explanation) == ("DENIED_IN", "SUBNET_ACL_RESTRICTION")
    assert t.decided_by is not None
    assert t.decided_by.component == named(net, "data-acl", vpcsim.NetworkAcl)


def test_alb_to_web(net: vpcsim.Network) -> None:
    """web-alb HTTP 80 -> target group web -> web:80; an ALB ends the connection: web sees the node (L3)."""
    t = net.trace(INTERNET, "web-alb", "tcp", 80)
    assert (t.disposition, t.connected) == ("ACCEPTED", True)
    alb = next(lb for lb in net.load_balancers if lb.lb_name == "web-alb")
    translate = one_hop(t, "load-balancer", action="translate")
    assert translate.packet is not None
    assert translate.packet.src in {n.private_ip for n in alb.nodes}


def test_load_balancers_as_built(aws: Account) -> None:
    """What moto describes, as AWS would mean it: an NLB created without security groups (moto lists []), its
    cross-zone attribute, the target group's client IP preservation; nodes made in the two subnets."""
    net, ids = aws.net, aws.ids
    nlb, alb = net.get(ids["nlb"]), net.get(ids["alb"])
    assert "loadbalancer/app/api-nlb/" in nlb.id  # moto's ARN says app for a network load balancer
    assert (nlb.type, nlb.scheme, nlb.security_groups, nlb.cross_zone) == ("network", "internet-facing", None, True)
    assert [g.id for g in alb.security_groups or []] == [ids["web-sg"]]
    for lb in (nlb, alb):
        assert [n.subnet.id for n in lb.nodes] == [ids["public"], ids["data"]]
        kind = "net" if lb.is_network else "app"
        assert {n.description for n in lb.nodes} == {f"ELB {kind}/{lb.lb_name}/{lb.id.rsplit('/', 1)[-1]}"}
        assert all(n.public_ip is not None and n.requester_managed for n in lb.nodes)
    group = net.get(ids["api-tg"])
    assert (group.protocol, group.port, group.preserve_client_ip, group.cross_zone) == ("TCP", 80, True, None)
    assert [(t.id, t.port) for t in group.targets] == [(ids["web"], 80)]  # moto lists the group's port
    assert [h.state for h in net.describe_target_health(group)] == ["healthy"]


def build_example(session: Any) -> None:
    """``vpcsim.examples.private_api_behind_nlb`` through boto3 (names as Name tags, the example's addresses)."""
    ec2, elbv2 = session.client("ec2"), session.client("elbv2")
    zone = session.region_name

    def tagged(kind: str, name: str) -> list[dict[str, Any]]:
        return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]

    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", TagSpecifications=tagged("vpc", "api"))["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    api_sg = ec2.create_security_group(VpcId=vpc, GroupName="api", Description="8443 from clients")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=api_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ])  # fmt: skip

    def subnet(cidr: str, letter: str, name: str) -> str:
        made = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"{zone}{letter}",
                                 TagSpecifications=tagged("subnet", name))  # fmt: skip
        return str(made["Subnet"]["SubnetId"])

    publics, servers = [], []
    for index, letter in enumerate("ab"):
        public = subnet(f"10.0.{index}.0/24", letter, f"public-{letter}")
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=public)
        publics.append(public)
        eip = ec2.allocate_address(Domain="vpc", Address=f"100.26.{index}.10")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=eip,
                                     TagSpecifications=tagged("natgateway", f"nat-{letter}"))  # fmt: skip
        private = subnet(f"10.0.{10 + index}.0/24", letter, f"private-{letter}")
        private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0",
                         NatGatewayId=nat["NatGateway"]["NatGatewayId"])  # fmt: skip
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private)
        servers.append(ec2.run_instances(
            ImageId=recorder.IMAGE, InstanceType="m5.large", MinCount=1, MaxCount=1,
            NetworkInterfaces=[{"DeviceIndex": 0, "SubnetId": private, "Groups": [api_sg],
                                "PrivateIpAddress": f"10.0.{10 + index}.4", "AssociatePublicIpAddress": False}],
            TagSpecifications=tagged("instance", f"api-{letter}"),
        )["Instances"][0]["InstanceId"])  # fmt: skip
    nlb = elbv2.create_load_balancer(Name="api-nlb", Subnets=publics, Type="network", Scheme="internet-facing")
    group = elbv2.create_target_group(Name="api-tg", Protocol="TCP", Port=8443, VpcId=vpc, TargetType="instance",
                                      HealthCheckProtocol="TCP")["TargetGroups"][0]["TargetGroupArn"]  # fmt: skip
    elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": server} for server in servers])
    elbv2.create_listener(LoadBalancerArn=nlb["LoadBalancers"][0]["LoadBalancerArn"], Protocol="TCP", Port=443,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])  # fmt: skip


def _example_answers(net: vpcsim.Network) -> list[tuple[str, ...]]:
    """evaluate() of flows by name through the example, node ids named by role (they differ between builds)."""
    (lb,) = [lb for lb in net.load_balancers if lb.lb_name == "api-nlb"]
    roles = {n.id: f"node {n.availability_zone[-1]}" for n in lb.nodes}
    node_a = str(lb.nodes[0].private_ip)
    flows = [(INTERNET, "api-nlb", 443), (INTERNET, "api-nlb", 8443), (INTERNET, "api-a", 8443),
             ("api-a", "api-nlb", 443), ("api-a", node_a, 443), ("api-b", "api-nlb", 443), ("api-a", "api-b", 8443),
             ("api-a", INTERNET, 443), ("api-b", INTERNET, 443)]  # fmt: skip
    batch = vpcsim.FlowBatch.from_arrays([f[0] for f in flows], [f[1] for f in flows], "tcp", [f[2] for f in flows])
    frame = net.evaluate(batch).frame()
    columns = ["disposition", "explanation", "kind", "reply_disposition", "connected"]
    found = [tuple(map(str, row)) for row in frame[columns].itertuples(index=False)]
    return [(*row, roles.get(str(c), "" if c is None or str(c).startswith("arn:") else "other"))
            for row, c in zip(found, frame["component"], strict=True)]  # fmt: skip


def test_example_built_through_boto3_answers_as_built(aws: Account) -> None:
    """from_boto3's leg of "a loaded network answers LB flows like a built one": the founding example, built in
    another region of the moto server, read back, asked what vpcsim's own build answers."""
    from vpcsim.examples import private_api_behind_nlb

    session = aws.session_for("us-west-2")
    build_example(session)
    live = from_boto3(session, progress=False)
    assert live.load_report.kinds() == {"dangling-reference": 2}, str(live.load_report)  # the two nodes, made
    expected = _example_answers(private_api_behind_nlb())
    assert _example_answers(live) == expected
    assert expected[0][-2] == "True"  # internet -> api-nlb connects
    assert expected[4][:2] == ("DENIED_IN", "ELBV2_SOURCE_ADDRESS_PRESERVATION")  # api-a to itself via node a


# --------------------------------------------------------------------------------------- regions and VPCs


def test_default_region_is_the_sessions(aws: Account) -> None:
    home = from_boto3(aws.session, progress=False)
    assert {v.region for v in home.vpcs} == {"us-east-1"}
    assert (aws.ids["edge-vpc"] in home, aws.ids["prod"] in home) == (False, True)

    away = from_boto3(aws.session_for("eu-west-1"), progress=False)
    assert {v.region for v in away.vpcs} == {"eu-west-1"}
    assert (aws.ids["edge-vpc"] in away, aws.ids["prod"] in away) == (True, False)
    assert away.trace("edge", "10.66.1.1", "tcp", 80).explanation == "BAD_STATE_ROUTE"


def test_regions_list_reads_each_region(aws: Account) -> None:
    net = aws.net  # regions=["us-east-1", "eu-west-1"]
    regions = {v.id: v.region for v in net.vpcs}
    assert regions[aws.ids["prod"]] == regions[aws.ids["shared"]] == "us-east-1"
    assert regions[aws.ids["edge-vpc"]] == "eu-west-1"
    table = net.get(aws.ids["tgw-rtb"])
    assert sorted((str(r.destination), r.type, r.state, r.attachment_id) for r in table.routes) == [
        ("10.2.0.0/16", "propagated", "active", aws.ids["tgw-attachment"]),
        ("10.66.0.0/16", "static", "blackhole", None),
    ]


def test_vpc_ids_keep_those_vpcs_and_regional_resources(aws: Account) -> None:
    ids = aws.ids
    net = from_boto3(aws.session, vpc_ids=[ids["shared"]], progress=False)
    assert [v.id for v in net.vpcs] == [ids["shared"]]
    assert [s.id for s in net.subnets] == [ids["tools-subnet"]]
    assert [i.name for i in net.instances] == ["tools"]
    assert (net.internet_gateways, net.nat_gateways, net.elastic_ips) == ([], [], [])
    assert ids["office"] in net  # a regional resource stays
    # the peering is kept, but its other VPC is not loaded: reported, and the route to it is a blackhole
    dangling = net.load_report.of(kind="dangling-reference")
    assert [w.path for w in dangling] == ["$.VpcPeeringConnections[0].RequesterVpcInfo"]
    assert ids["prod"] in dangling[0].message
    t = net.trace("tools", "10.0.2.10", "tcp", 22)
    assert (t.disposition, t.explanation) == ("NULL_ROUTED", "BAD_STATE_ROUTE")

    prod = from_boto3(aws.session, vpc_ids=[ids["prod"]], progress=False)
    assert {i.name for i in prod.instances} == {"web", "app", "db"}
    assert prod.reachable(INTERNET, "web", "tcp", 80)
    assert {lb.id for lb in prod.load_balancers} == {ids["alb"], ids["nlb"]}  # prod's
    assert prod.reachable(INTERNET, "api-nlb", "tcp", 443)
    assert not net.load_balancers


def test_vpc_ids_that_do_not_exist(aws: Account) -> None:
    with pytest.raises(vpcsim.AwsError, match="vpc-0123456789abcdef0") as caught:
        from_boto3(aws.session, vpc_ids=[aws.ids["prod"], "vpc-0123456789abcdef0"], progress=False)
    assert caught.value.code == "InvalidVpcID.NotFound"
    # a VPC of another region than the ones read is not found either
    with pytest.raises(vpcsim.AwsError, match=aws.ids["edge-vpc"]):
        from_boto3(aws.session, vpc_ids=[aws.ids["edge-vpc"]], progress=False)


# --------------------------------------------------------------------------------------- how it calls AWS


def _calls(session: Any) -> list[str]:
    """Record the API operation of every call a session's clients make."""
    seen: list[str] = []

    def record(model: Any, **_: Any) -> None:
        seen.append(model.name)

    session.events.register("before-call", record)
    return seen


def test_only_read_only_calls(aws: Account) -> None:
    session = aws.session_for()
    seen = _calls(session)
    from_boto3(session, REGIONS, progress=False)
    assert seen
    assert all(re.match(r"(Describe|Get|Search)[A-Z]", op) for op in seen), sorted(set(seen))
    assert set(seen) == {
        "DescribeAvailabilityZones", "DescribeVpcs", "DescribeSubnets", "DescribeRouteTables", "DescribeNetworkAcls",
        "DescribeSecurityGroups", "DescribeNetworkInterfaces", "DescribeAddresses", "DescribeInstances",
        "DescribeInternetGateways", "DescribeEgressOnlyInternetGateways", "DescribeNatGateways",
        "DescribeVpcPeeringConnections", "DescribePrefixLists", "DescribeManagedPrefixLists",
        "DescribeTransitGateways", "DescribeTransitGatewayAttachments", "DescribeTransitGatewayVpcAttachments",
        "DescribeTransitGatewayRouteTables", "DescribeVpnGateways", "DescribeVpnConnections",
        "DescribeCustomerGateways", "DescribeVpcEndpoints", "DescribeLoadBalancers", "DescribeTargetGroups",
        # per item: VPC attributes, prefix list entries, transit gateway routes; listeners, ALB listener rules,
        # load balancer and target group attributes, target health
        "DescribeVpcAttribute", "GetManagedPrefixListEntries", "SearchTransitGatewayRoutes",
        "GetTransitGatewayRouteTablePropagations", "DescribeListeners", "DescribeRules",
        "DescribeLoadBalancerAttributes", "DescribeTargetGroupAttributes", "DescribeTargetHealth",
    }  # fmt: skip
    # two load balancers and two target groups, in us-east-1; one HTTP listener has rules
    assert [seen.count(op) for op in ("DescribeListeners", "DescribeLoadBalancerAttributes", "DescribeRules")] == [
        2, 2, 1
    ]  # fmt: skip
    assert [seen.count(op) for op in ("DescribeTargetGroupAttributes", "DescribeTargetHealth")] == [2, 2]


def test_follows_pages(aws: Account) -> None:
    session = aws.session_for()
    seen = _calls(session)

    def small_pages(params: dict[str, Any], **_: Any) -> None:
        params["MaxResults"] = 2  # moto pages describe_instances: 4 instances in us-east-1 -> 2 pages

    session.events.register("provide-client-params.ec2.DescribeInstances", small_pages)
    net = from_boto3(session, progress=False)
    assert seen.count("DescribeInstances") == 2
    assert sorted(i.name for i in net.instances) == ["app", "db", "tools", "web"]


class _PagedClient:
    """A client without paginators whose describe_vpcs answers in two pages linked by NextToken."""

    pages: ClassVar[dict[str | None, dict[str, Any]]] = {
        None: {"Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}], "NextToken": "t1"},
        "t1": {"Vpcs": [{"VpcId": "vpc-2", "CidrBlock": "10.1.0.0/16"}]},
    }

    def can_paginate(self, operation: str) -> bool:
        return False

    def describe_vpcs(self, NextToken: str | None = None) -> dict[str, Any]:
        return self.pages[NextToken]

    def __getattr__(self, operation: str) -> Any:
        return lambda **kwargs: {}  # every other listing is empty


class _FakeSession:
    region_name = "eu-west-1"

    def client(self, service: str, region_name: str | None = None) -> _PagedClient:
        return _PagedClient()


def test_follows_next_token_without_paginator() -> None:
    (document,) = fetch_documents(_FakeSession(), progress=False)
    assert [vpc["VpcId"] for vpc in document.data["Vpcs"]] == ["vpc-1", "vpc-2"]
    assert (document.file, document.region) == ("boto3:eu-west-1", "eu-west-1")


def _refuse(operation: str, code: str, status: int = 403) -> Any:
    """A before-call hook answering ``operation`` with an AWS error, as an account without permission sees it."""
    from botocore.awsrequest import AWSResponse

    def answer(model: Any, **_: Any) -> Any:
        if model.name != operation:
            return None
        error = {"Code": code, "Message": f"You are not authorized to perform {operation}."}
        return AWSResponse("http://127.0.0.1/", status, {}, None), {"Error": error, "ResponseMetadata": {}}

    return answer


@pytest.mark.parametrize(
    ("operation", "code", "key"),
    [
        ("DescribeVpnGateways", "UnauthorizedOperation", "describe_vpn_gateways"),
        ("DescribeLoadBalancers", "AccessDenied", "describe_load_balancers"),
        ("DescribeEgressOnlyInternetGateways", "UnsupportedOperation", "describe_egress_only_internet_gateways"),
        ("GetManagedPrefixListEntries", "UnauthorizedOperation", "get_managed_prefix_list_entries"),
        ("DescribeTargetGroupAttributes", "AccessDenied", "describe_target_group_attributes"),
        ("DescribeTargetHealth", "AccessDenied", "describe_target_health"),
    ],
)
def test_calls_not_allowed_are_reported(aws: Account, operation: str, code: str, key: str) -> None:
    session = aws.session_for()
    session.events.register("before-call", _refuse(operation, code))
    net = from_boto3(session, progress=False)
    refused = net.load_report.of(kind="unsupported-resource")
    assert refused, str(net.load_report)
    assert {w.file for w in refused} == {f"boto3:us-east-1:{key}"}
    assert all(code in w.message for w in refused)
    assert net.reachable(INTERNET, "web", "tcp", 80)  # the rest loaded
    if operation == "DescribeLoadBalancers":  # no listeners asked for a load balancer never listed
        assert not net.load_report.of(resource=aws.ids["alb"])
    if operation == "DescribeTargetGroupAttributes":  # AWS's defaults: preservation on for instance targets
        assert net.get(aws.ids["api-tg"]).preserve_client_ip is None
        assert net.reachable(INTERNET, "api-nlb", "tcp", 443)
    if operation == "DescribeTargetHealth":  # the groups' targets are unknown: said, and nothing is registered
        missing = {w.resource for w in net.load_report.of(kind="partial")}
        assert missing == {aws.ids["api-tg"], aws.ids["web-tg"]}
        assert not net.reachable(INTERNET, "api-nlb", "tcp", 443)


def test_prefix_list_rule_needs_its_entries(aws: Account) -> None:
    """Without get_managed_prefix_list_entries the office list loads empty: nobody reaches web:22 through it."""
    session = aws.session_for()
    session.events.register("before-call", _refuse("GetManagedPrefixListEntries", "UnauthorizedOperation"))
    net = from_boto3(session, progress=False)
    assert not net.get(aws.ids["office"]).entries
    assert not net.reachable(internet("203.0.113.9"), "web", "tcp", 22)


def test_action_moto_has_not_implemented_is_reported(aws: Account) -> None:
    """moto answers an action it lacks with an HTML 500 page: reported, not raised (here DescribeCustomerGateways is
    sent as DescribeIpamPools, which moto 5 does not implement)."""
    session = aws.session_for()

    def unimplemented(request: Any, **_: Any) -> None:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or ""
        if "Action=DescribeCustomerGateways" in body:
            request.body = body.replace("DescribeCustomerGateways", "DescribeIpamPools").encode()
            request.headers["Content-Length"] = str(len(request.body))

    session.events.register("before-send", unimplemented)
    net = from_boto3(session, progress=False)
    (warning,) = net.load_report.of(kind="unsupported-resource")
    assert warning.file == "boto3:us-east-1:describe_customer_gateways"
    assert "not implemented" in warning.message


def test_other_errors_propagate(aws: Account) -> None:
    from botocore.exceptions import ClientError

    session = aws.session_for()
    session.events.register("before-call", _refuse("DescribeSubnets", "AuthFailure", 401))
    with pytest.raises(ClientError, match="AuthFailure"):
        from_boto3(session, progress=False)


def test_environment_configured_session(aws: Account) -> None:
    """A plain boto3.Session() reads credentials, region and endpoint (AWS_ENDPOINT_URL) from the environment."""
    import boto3

    session = boto3.Session()
    session.events.register("before-send", _loopback_only)
    net = from_boto3(session, progress=False)
    assert aws.ids["prod"] in net
    assert net.region == "us-east-1"


def _loopback_only(request: Any, **_: Any) -> None:
    assert request.url.startswith("http://127.0.0.1:"), request.url


def test_progress_bar(aws: Account, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from_boto3(aws.session, progress=False)
    assert capsys.readouterr().err == ""
    from_boto3(aws.session)  # default: only when stderr is a terminal, and pytest's is not
    assert capsys.readouterr().err == ""
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: draw live, as on a terminal
    monkeypatch.setenv("TTY_INTERACTIVE", "1")
    from_boto3(aws.session, progress=True)
    err = capsys.readouterr().err
    assert "us-east-1 describe_" in err  # the call being made
    assert re.search(r"(?<!\d)(\d+)/\1(?!\d)", err)  # and at the end, every call made


def test_progress_without_rich(
    aws: Account, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "rich.progress", None)  # import rich.progress -> ImportError
    net = from_boto3(aws.session, progress=True)
    assert capsys.readouterr().err == ""
    assert net.reachable(INTERNET, "web", "tcp", 80)


def test_not_implemented_in_process_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """moto's in-process mocks raise NotImplementedError for an action they lack: reported like the server's page."""

    def unimplemented(self: _PagedClient, **kwargs: Any) -> dict[str, Any]:
        raise NotImplementedError("The describe_vpn_gateways action has not been implemented")

    monkeypatch.setattr(_PagedClient, "describe_vpn_gateways", unimplemented, raising=False)
    report = LoadReport()
    (document,) = fetch_documents(_FakeSession(), progress=False, report=report)
    assert "VpnGateways" not in document.data  # unknown, not empty
    assert document.data["VpnConnections"] == []
    (warning,) = report
    assert (warning.file, warning.kind) == ("boto3:eu-west-1:describe_vpn_gateways", "unsupported-resource")
    assert "has not been implemented" in warning.message


def test_regions_must_be_named() -> None:
    with pytest.raises(ValueError, match="at least one region"):
        fetch_documents(_FakeSession(), regions=[], progress=False)


# --------------------------------------------------------------------------------------- round trips


def _verdicts(net: vpcsim.Network) -> list[tuple[object, ...]]:
    names = ["web", "app", "db", "tools", "edge"]
    flows = vpcsim.FlowBatch.from_product([*names, INTERNET], [*names, "web-alb", "api-nlb"], ports=[22, 80, 443,
                                          5432, 8080])  # fmt: skip
    frame = net.evaluate(flows).frame()
    columns = ["disposition", "explanation", "component", "kind", "rule", "reply_disposition", "connected"]
    return [tuple(map(str, row)) for row in frame[columns].itertuples(index=False)]


def test_dump_aws_reloads_with_the_same_verdicts(aws: Account, tmp_path: Path) -> None:
    vpcsim.dump_aws(aws.net, tmp_path)
    reloaded = vpcsim.load_aws(tmp_path)
    assert _verdicts(reloaded) == _verdicts(aws.net)
    assert sorted(r.id for r in reloaded) == sorted(r.id for r in aws.net)


def test_dump_aws_reload_keeps_the_snapshot(recorded: vpcsim.Network, tmp_path: Path) -> None:
    vpcsim.dump_aws(recorded, tmp_path)
    assert vpcsim.load_aws(tmp_path).snapshot() == recorded.snapshot()


def test_recorded_export_answers_like_from_boto3(aws: Account, recorded: vpcsim.Network) -> None:
    assert _verdicts(recorded) == _verdicts(aws.net)


# moto 5.2.1 ends the ARN of a listener's default rule with a Python object id: it changes from run to run.
_VOLATILE = {"AttachTime", "LaunchTime", "CreationTime", "CreateTime", "CreatedTime", "CreationTimestamp",
             "ClientToken", "UsageOperationUpdateTime", "RuleArn"}  # fmt: skip


def _stable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def test_recorded_export_is_up_to_date(aws: Account) -> None:
    """moto's seeded server builds the same ids every time: the recording is what the builder makes today.
    If this fails, rerun ``python tests/data/make_moto_export.py`` (after a change of the builder or of moto)."""
    for document in fetch_documents(aws.session, REGIONS, progress=False):
        folder = EXPORT / "aws_configs" / str(document.region)
        recorded = {path.stem: json.loads(path.read_text()) for path in folder.glob("*.json")}
        assert set(recorded) == set(document.data)
        for key, items in document.data.items():
            assert _stable(recorded[key]) == _stable({key: json.loads(json.dumps(items))}), key


def test_recorded_export_loads_without_moto(recorded: vpcsim.Network) -> None:
    # moto's load balancers: nodes made (no ENIs in moto), and the ALB's cross-zone "false" ignored
    assert recorded.load_report.kinds() == {"dangling-reference": 4, "unsupported-value": 1}
    assert {v.name for v in recorded.vpcs} >= {"prod", "shared", "edge-vpc"}
    nat = recorded.nat_gateways[0]
    assert nat.public_ip == ipaddress.ip_address(recorder.NAT_EIP)
    assert nat.private_ip in recorded.get(named(recorded, "public", vpcsim.Subnet)).cidr_block


# --------------------------------------------------------------------------------------- moto's shapes

HANDWRITTEN = DATA / "handwritten"


def _handwritten(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((HANDWRITTEN / name).read_text())
    return data


def test_moto_nat_gateway_address_is_outside_its_subnet(aws: Account, monkeypatch: pytest.MonkeyPatch) -> None:
    """moto 5 gives a NAT gateway a random 10.x.x.x address outside its subnet (motoserver.nat_in_subnet works around
    it): the loader refuses such an export, naming the file and JSON path."""
    from moto.ec2 import utils
    from moto.ec2.models import nat_gateways

    monkeypatch.setattr(nat_gateways, "random_private_ip", utils.random_private_ip)  # moto's own behaviour
    session = aws.session_for("ap-southeast-2")
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", AvailabilityZone="ap-southeast-2a")["Subnet"]
    allocation = ec2.allocate_address(Domain="vpc", Address="100.25.0.10")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=allocation)["NatGateway"]
    address = nat["NatGatewayAddresses"][0]["PrivateIp"]
    assert ipaddress.ip_address(address) not in ipaddress.ip_network("10.9.1.0/24")
    with pytest.raises(vpcsim.ImportFormatError) as caught:
        from_boto3(session, progress=False)
    assert (caught.value.file, caught.value.path) == (
        "boto3:ap-southeast-2",
        "$.NetworkInterfaces[0].PrivateIpAddress",
    )
    assert f"{address} is outside {subnet['SubnetId']} (10.9.1.0/24)" in str(caught.value)


def test_moto_drops_the_attachment_of_static_transit_gateway_routes(aws: Account) -> None:
    """search_transit_gateway_routes in moto 5 lists a static route to an attachment with no attachment; the loader
    keeps it as a blackhole and reports it (so the recorded network has only a blackhole static route)."""
    session = aws.session_for("ca-central-1")
    ec2 = session.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.8.1.0/24", AvailabilityZone="ca-central-1a")["Subnet"]
    tgw = ec2.create_transit_gateway()["TransitGateway"]
    attachment = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc, SubnetIds=[subnet["SubnetId"]]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    table = tgw["Options"]["AssociationDefaultRouteTableId"]
    ec2.create_transit_gateway_route(
        DestinationCidrBlock="10.8.0.0/16", TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=attachment
    )
    (route,) = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=table, Filters=[{"Name": "type", "Values": ["static"]}]
    )["Routes"]
    assert route["TransitGatewayAttachments"] == []  # AWS: [{"TransitGatewayAttachmentId": attachment, ...}]
    net = from_boto3(session, progress=False)
    (warning,) = net.load_report.of(kind="dangling-reference")
    assert (warning.file, warning.path) == ("boto3:ca-central-1", "$.TransitGatewayStaticRoutes[0].Routes[0]")
    assert [r.state for r in net.get(table).static_routes] == ["blackhole"]


def test_default_security_group_as_aws_returns_it() -> None:
    """AWS lists the default group's inbound rule from itself; moto lists none. Members reach each other with it."""
    data = _handwritten("moto-default-security-group.json")
    net = vpcsim.load_aws(data)
    assert len(net.load_report) == 0, str(net.load_report)
    t = net.trace("a", "b", "tcp", 22)
    assert t.connected, str(t)
    assert one_hop(t, "security-group-ingress").component == "sg-0b000001"

    data["SecurityGroups"][0]["IpPermissions"] = []  # as moto lists it
    t = vpcsim.load_aws(data).trace("a", "b", "tcp", 22)
    assert (t.disposition, t.explanation) == ("DENIED_IN", "ENI_SG_RULES_MISMATCH")


def test_custom_network_acl_lists_its_star_rules() -> None:
    """AWS lists rules 32767 of every NACL; moto only those of default NACLs. The * rule denies either way."""
    data = _handwritten("moto-default-security-group.json")
    listed = vpcsim.load_aws(data).trace("a", "b", "tcp", 80)
    acl = next(a for a in data["NetworkAcls"] if a["NetworkAclId"] == "acl-0b000002")
    acl["Entries"] = [e for e in acl["Entries"] if e["RuleNumber"] != 32767]  # as moto lists it
    unlisted = vpcsim.load_aws(data).trace("a", "b", "tcp", 80)
    for t in (listed, unlisted):
        assert (t.disposition, t.explanation) == ("DENIED_IN", "SUBNET_ACL_RESTRICTION")
        assert (t.decided_by.component, t.decided_by.rule) == ("acl-0b000002", 32767)


def test_nat_gateway_as_aws_returns_it() -> None:
    data = _handwritten("moto-nat-gateway.json")
    net = vpcsim.load_aws(data)
    assert len(net.load_report) == 0, str(net.load_report)
    interface = net.get("eni-0c0000aa")
    assert (interface.interface_type, interface.requester_managed) == ("nat_gateway", True)
    t = net.trace("app", internet("192.0.2.7"), "tcp", 443)
    assert t.connected, str(t)
    assert str(one_hop(t, "nat-gateway").packet.src) == "10.0.1.47"
    assert str(one_hop(t, "internet-gateway").packet.src) == "100.24.0.10"
    # web's address is auto-assigned (IpOwnerId "amazon"; moto says the account): not an Elastic IP
    assert [e.id for e in net.elastic_ips] == ["eipalloc-0c000001"]
    assert str(net.get("eni-0c00000a").auto_public_ip) == "54.214.4.233"

    moto = json.loads(json.dumps(data).replace("10.0.1.47", "10.53.240.78"))  # moto's random NAT address
    with pytest.raises(vpcsim.ImportFormatError) as caught:
        vpcsim.load_aws(moto)
    assert caught.value.path == "$.NetworkInterfaces[0].PrivateIpAddress"
    assert "10.53.240.78 is outside subnet-0c000001" in caught.value.message


def test_transit_gateway_static_routes_as_aws_returns_them() -> None:
    data = _handwritten("moto-transit-gateway-route.json")
    net = vpcsim.load_aws(data)
    assert len(net.load_report) == 0, str(net.load_report)
    t = net.trace("edge", "hub", "tcp", 22)
    assert t.connected, str(t)
    table = one_hop(t, "transit-gateway-route-table")
    assert (table.component, table.rule) == ("tgw-rtb-0a000001", "10.3.0.0/16")


def test_transit_gateway_static_route_without_attachment_as_moto_returns_it() -> None:
    """moto lists a static route with no attachment: vpcsim loads it as a blackhole and says so."""
    data = _handwritten("moto-transit-gateway-route.json")
    for table in data["TransitGatewayStaticRoutes"]:
        for route in table["Routes"]:
            route["TransitGatewayAttachments"] = []
    net = vpcsim.load_aws(data)
    dangling = net.load_report.of(kind="dangling-reference")
    assert [w.path for w in dangling] == [f"$.TransitGatewayStaticRoutes[0].Routes[{i}]" for i in (0, 1)]
    assert all("names no attachment: a blackhole" in w.message for w in dangling)
    assert [r.state for r in net.get("tgw-rtb-0a000001").static_routes] == ["blackhole", "blackhole"]
    t = net.trace("edge", "hub", "tcp", 22)
    assert not t.connected
    assert t.hops[-1].kind == "transit-gateway-route-table", str(t)
