"""Build a small two-VPC network through boto3 against a moto server on 127.0.0.1 and record its describe-* exports.

Run from the repository root (needs boto3 and moto[server]; nothing leaves the loopback interface)::

    python tests/data/make_moto_export.py            # rewrites tests/data/moto-export/aws_configs/
    python tests/data/make_moto_export.py OUT_DIR    # writes OUT_DIR/aws_configs/ instead

``build_network(session)`` is the network tests/test_live.py builds too; README.md in moto-export/ describes it.
The files are written by ``vpcsim.io.live.fetch_documents`` (what ``vpcsim.from_boto3`` reads), one JSON file per
describe-* key, in Batfish's ``aws_configs/<region>/`` layout.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REGION = "us-east-1"
OTHER_REGION = "eu-west-1"
OFFICE = ["203.0.113.0/24", "198.51.100.0/24"]  # the office prefix list: SSH to web from there only
NAT_EIP = "100.24.0.10"
# Amazon Linux 2, one of the AMIs moto knows in every region (asking describe_images takes seconds in moto)
IMAGE = "ami-04681a1dbd79675a5"


def _tags(kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": "Name", "Value": name}]}]


def _rule(protocol: str, port: int, **peer: Any) -> dict[str, Any]:
    return {"IpProtocol": protocol, "FromPort": port, "ToPort": port, **peer}


def build_network(session: Any) -> dict[str, str]:
    """Create the network in ``session``'s region (and a VPC in eu-west-1); return the ids by name.

    prod 10.0.0.0/16:
      - public 10.0.1.0/24 (a): 0.0.0.0/0 -> IGW. ``web`` (auto public IP; SG web: 80, 443 from anywhere, 22 from
        the ``office`` managed prefix list). The NAT gateway with its Elastic IP.
      - private 10.0.2.0/24 (a): 0.0.0.0/0 -> NAT gateway, 10.1.0.0/16 -> peering. ``app`` (no public IP; SG app:
        8080 from SG web).
      - data 10.0.3.0/24 (b): the public table, custom NACL ``data-acl`` (ingress: 50 deny tcp 5432 from the public
        subnet, 100 allow tcp 5432 from 10.0.0.0/16, 200 allow tcp 1024-65535 from anywhere; egress: 100 allow
        all). ``db`` (a public IP, SG db: 5432 from SG app and SG web, nothing from the internet).
    shared 10.1.0.0/16: subnet tools 10.1.1.0/24, 10.0.2.0/24 -> peering; ``tools`` (SG tools: 22 from 10.0.2.0/24).
    An internet-facing ALB ``web-alb`` (public and data subnets, SG web) forwarding port 80 to ``web``.
    An internet-facing NLB ``api-nlb`` (public and data subnets, no SGs, cross-zone on) forwarding TCP 443 to target
    group ``api`` (TCP 80, client IP preservation on) -> ``web``.
    eu-west-1: VPC edge-vpc 10.2.0.0/16, subnet edge-subnet 10.2.1.0/24, instance ``edge``; transit gateway
    ``edge-hub`` with edge-vpc attached (propagated) and a blackhole route to 10.66.0.0/16 in its default route
    table; edge-vpc's main route table sends 10.66.0.0/16 to the transit gateway.
    """
    ec2 = session.client("ec2")
    ids: dict[str, str] = {}
    zone_a, zone_b = f"{session.region_name}a", f"{session.region_name}b"

    def vpc(client: Any, name: str, cidr: str) -> str:
        ids[name] = client.create_vpc(CidrBlock=cidr, TagSpecifications=_tags("vpc", name))["Vpc"]["VpcId"]
        return ids[name]

    def subnet(client: Any, vpc: str, name: str, cidr: str, zone: str) -> str:
        ids[name] = client.create_subnet(
            VpcId=vpc, CidrBlock=cidr, AvailabilityZone=zone, TagSpecifications=_tags("subnet", name)
        )["Subnet"]["SubnetId"]
        return ids[name]

    prod = vpc(ec2, "prod", "10.0.0.0/16")
    ec2.modify_vpc_attribute(VpcId=prod, EnableDnsHostnames={"Value": True})

    public = subnet(ec2, prod, "public", "10.0.1.0/24", zone_a)
    private = subnet(ec2, prod, "private", "10.0.2.0/24", zone_a)
    data = subnet(ec2, prod, "data", "10.0.3.0/24", zone_b)
    ec2.modify_subnet_attribute(SubnetId=public, MapPublicIpOnLaunch={"Value": True})

    gateway = ec2.create_internet_gateway(TagSpecifications=_tags("internet-gateway", "prod-igw"))
    igw = ids["igw"] = gateway["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=prod)

    # moto hands out Elastic IPs from 127.0.0.0/8 (loopback); AWS from its public pools: ask for one of those.
    eip = ec2.allocate_address(Domain="vpc", Address=NAT_EIP, TagSpecifications=_tags("elastic-ip", "nat-eip"))
    ids["nat-eip"] = eip["AllocationId"]
    nat = ids["nat"] = ec2.create_nat_gateway(
        SubnetId=public, AllocationId=eip["AllocationId"], TagSpecifications=_tags("natgateway", "prod-nat")
    )["NatGateway"]["NatGatewayId"]

    def route_table(vpc: str, name: str, routes: list[dict[str, str]], subnets: list[str]) -> str:
        created = ec2.create_route_table(VpcId=vpc, TagSpecifications=_tags("route-table", name))
        table = ids[name] = created["RouteTable"]["RouteTableId"]
        for route in routes:
            ec2.create_route(RouteTableId=table, **route)
        for sub in subnets:
            ec2.associate_route_table(RouteTableId=table, SubnetId=sub)
        return table

    route_table(prod, "public-rt", [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw}], [public, data])

    office = ids["office"] = ec2.create_managed_prefix_list(
        PrefixListName="office",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": cidr, "Description": "office"} for cidr in OFFICE],
        TagSpecifications=_tags("prefix-list", "office"),
    )["PrefixList"]["PrefixListId"]

    def security_group(vpc: str, name: str, rules: list[dict[str, Any]]) -> str:
        group = ids[f"{name}-sg"] = ec2.create_security_group(
            VpcId=vpc, GroupName=name, Description=f"{name} tier", TagSpecifications=_tags("security-group", name)
        )["GroupId"]
        if rules:
            ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=rules)
        return group

    web_sg = security_group(
        prod,
        "web",
        [
            _rule("tcp", 80, IpRanges=[{"CidrIp": "0.0.0.0/0"}]),
            _rule("tcp", 443, IpRanges=[{"CidrIp": "0.0.0.0/0"}]),
            _rule("tcp", 22, PrefixListIds=[{"PrefixListId": office, "Description": "office"}]),
        ],
    )
    app_sg = security_group(prod, "app", [_rule("tcp", 8080, UserIdGroupPairs=[{"GroupId": web_sg}])])
    db_sg = security_group(
        prod, "db", [_rule("tcp", 5432, UserIdGroupPairs=[{"GroupId": app_sg}, {"GroupId": web_sg}])]
    )

    created = ec2.create_network_acl(VpcId=prod, TagSpecifications=_tags("network-acl", "data-acl"))
    acl = ids["data-acl"] = created["NetworkAcl"]["NetworkAclId"]
    for number, action, cidr, ports in [
        (50, "deny", "10.0.1.0/24", (5432, 5432)),
        (100, "allow", "10.0.0.0/16", (5432, 5432)),
        (200, "allow", "0.0.0.0/0", (1024, 65535)),
    ]:
        ec2.create_network_acl_entry(
            NetworkAclId=acl, RuleNumber=number, Protocol="6", RuleAction=action, Egress=False, CidrBlock=cidr,
            PortRange={"From": ports[0], "To": ports[1]},
        )  # fmt: skip
    ec2.create_network_acl_entry(
        NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0"
    )
    current = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [data]}])
    association = next(
        a["NetworkAclAssociationId"]
        for t in current["NetworkAcls"]
        for a in t["Associations"]
        if a["SubnetId"] == data
    )
    ec2.replace_network_acl_association(AssociationId=association, NetworkAclId=acl)

    def instance(name: str, sub: str, group: str, address: str, public_ip: bool | None = None) -> str:
        interface: dict[str, Any] = {
            "DeviceIndex": 0, "SubnetId": sub, "Groups": [group], "PrivateIpAddress": address,
        }  # fmt: skip
        if public_ip is not None:
            interface["AssociatePublicIpAddress"] = public_ip
        ids[name] = ec2.run_instances(
            ImageId=IMAGE, InstanceType="t3.micro", MinCount=1, MaxCount=1, NetworkInterfaces=[interface],
            TagSpecifications=_tags("instance", name),
        )["Instances"][0]["InstanceId"]  # fmt: skip
        return ids[name]

    instance("web", public, web_sg, "10.0.1.10")
    instance("app", private, app_sg, "10.0.2.10", public_ip=False)
    instance("db", data, db_sg, "10.0.3.10", public_ip=True)

    shared = vpc(ec2, "shared", "10.1.0.0/16")
    tools = subnet(ec2, shared, "tools-subnet", "10.1.1.0/24", zone_a)
    tools_sg = security_group(shared, "tools", [_rule("tcp", 22, IpRanges=[{"CidrIp": "10.0.2.0/24"}])])
    instance("tools", tools, tools_sg, "10.1.1.10", public_ip=False)

    pcx = ids["pcx"] = ec2.create_vpc_peering_connection(
        VpcId=prod, PeerVpcId=shared, TagSpecifications=_tags("vpc-peering-connection", "prod-shared")
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)

    route_table(
        prod,
        "private-rt",
        [
            {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": nat},
            {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": pcx},
        ],
        [private],
    )
    route_table(
        shared, "shared-rt", [{"DestinationCidrBlock": "10.0.2.0/24", "VpcPeeringConnectionId": pcx}], [tools]
    )

    elbv2 = session.client("elbv2")
    alb = ids["alb"] = elbv2.create_load_balancer(
        Name="web-alb", Subnets=[public, data], SecurityGroups=[web_sg], Scheme="internet-facing", Type="application"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    group = ids["web-tg"] = elbv2.create_target_group(
        Name="web", Protocol="HTTP", Port=80, VpcId=prod, TargetType="instance"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=group, Targets=[{"Id": ids["web"], "Port": 80}])
    elbv2.create_listener(
        LoadBalancerArn=alb, Protocol="HTTP", Port=80, DefaultActions=[{"Type": "forward", "TargetGroupArn": group}]
    )

    other = session.client("ec2", region_name=OTHER_REGION)
    edge = vpc(other, "edge-vpc", "10.2.0.0/16")
    edge_subnet = subnet(other, edge, "edge-subnet", "10.2.1.0/24", f"{OTHER_REGION}a")
    ids["edge"] = other.run_instances(
        ImageId=IMAGE, InstanceType="t3.micro", MinCount=1, MaxCount=1, SubnetId=edge_subnet,
        PrivateIpAddress="10.2.1.10", TagSpecifications=_tags("instance", "edge"),
    )["Instances"][0]["InstanceId"]  # fmt: skip
    tgw = ids["tgw"] = other.create_transit_gateway(
        Description="edge hub", TagSpecifications=_tags("transit-gateway", "edge-hub")
    )["TransitGateway"]["TransitGatewayId"]
    ids["tgw-attachment"] = other.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw, VpcId=edge, SubnetIds=[edge_subnet]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    (hub,) = other.describe_transit_gateways(TransitGatewayIds=[tgw])["TransitGateways"]
    tgw_table = ids["tgw-rtb"] = hub["Options"]["AssociationDefaultRouteTableId"]
    # AWS propagates a new attachment into the default propagation table by itself; moto does not: ask for it.
    other.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=tgw_table, TransitGatewayAttachmentId=ids["tgw-attachment"]
    )
    other.create_transit_gateway_route(DestinationCidrBlock="10.66.0.0/16", TransitGatewayRouteTableId=tgw_table,
                                       Blackhole=True)  # fmt: skip
    (edge_main,) = other.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [edge]}])["RouteTables"]
    other.create_route(
        RouteTableId=edge_main["RouteTableId"], DestinationCidrBlock="10.66.0.0/16", TransitGatewayId=tgw
    )

    # An internet-facing NLB (made last: moto's seeded ids of everything above stay as they were recorded before):
    # public and data subnets, cross-zone on, TCP 443 -> target group "api" (TCP 80, client IPs preserved) -> web.
    nlb = ids["nlb"] = elbv2.create_load_balancer(
        Name="api-nlb", Subnets=[public, data], Scheme="internet-facing", Type="network"
    )["LoadBalancers"][0]["LoadBalancerArn"]
    elbv2.modify_load_balancer_attributes(
        LoadBalancerArn=nlb, Attributes=[{"Key": "load_balancing.cross_zone.enabled", "Value": "true"}]
    )
    api = ids["api-tg"] = elbv2.create_target_group(
        Name="api", Protocol="TCP", Port=80, VpcId=prod, TargetType="instance", HealthCheckProtocol="TCP"
    )["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(
        TargetGroupArn=api, Attributes=[{"Key": "preserve_client_ip.enabled", "Value": "true"}]
    )
    elbv2.register_targets(TargetGroupArn=api, Targets=[{"Id": ids["web"]}])
    elbv2.create_listener(
        LoadBalancerArn=nlb, Protocol="TCP", Port=443, DefaultActions=[{"Type": "forward", "TargetGroupArn": api}]
    )
    return ids


def record(out: Path) -> list[Path]:
    """Build the network on a fresh moto server and write its describe-* exports under ``out/aws_configs/``."""
    sys.path.insert(0, str(HERE.parent))
    from motoserver import moto_server, moto_session

    from vpcsim.io.live import fetch_documents

    written = []
    with moto_server() as url:
        session = moto_session(url, REGION)
        build_network(session)
        for document in fetch_documents(session, [REGION, OTHER_REGION], progress=False):
            folder = out / "aws_configs" / str(document.region)
            folder.mkdir(parents=True, exist_ok=True)
            for key, items in document.data.items():
                path = folder / f"{key}.json"
                path.write_text(json.dumps({key: items}, indent=2, sort_keys=True) + "\n")
                written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "moto-export"
    for path in record(target):
        print(path)
