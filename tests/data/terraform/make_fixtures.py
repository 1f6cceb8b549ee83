"""Write the Terraform fixtures of tests/test_terraform.py (see README.md in this folder).

``terraform.tfstate`` is written from the resources below, attribute by attribute, as the AWS provider 5.100.0 stores
them. ``show.json`` is what ``terraform show -json terraform.tfstate`` prints for it: Terraform decodes the state
against the provider's schema (so a misspelt attribute fails here) and writes the nested-module form.

Run from the repository root::

    python tests/data/terraform/make_fixtures.py            # needs terraform and the aws provider (offline mirror)
    python tests/data/terraform/make_fixtures.py --state-only

The provider is taken from a filesystem mirror (``TF_PLUGIN_MIRROR``, default ``/opt/tf-plugins``); no network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REGION, ACCOUNT = "us-east-1", "111122223333"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'
SCHEMA_VERSIONS = {
    "aws_vpc": 1,
    "aws_subnet": 1,
    "aws_security_group": 1,
    "aws_default_security_group": 1,
    "aws_security_group_rule": 2,
    "aws_instance": 1,
}

resources: list[dict[str, Any]] = []


def rid(prefix: str, number: int) -> str:
    """``rid("vpc", 1) == "vpc-0a1b2c3d4e5f60001"``: 17 hex digits, as AWS ids have."""
    return f"{prefix}-0a1b2c3d4e5f6{number:04x}"


def arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def add(
    module: str, kind: str, name: str, attributes: dict[str, Any], *, index: object = None, mode: str = "managed"
):
    """One resource instance; instances of a for_each/count resource share one entry, as Terraform writes them."""
    tags = attributes.get("tags")
    if tags is not None and "tags_all" not in attributes:
        attributes["tags_all"] = dict(tags)
    instance: dict[str, Any] = {
        "schema_version": SCHEMA_VERSIONS.get(kind, 0),
        "attributes": attributes,
        "sensitive_attributes": [],
    }
    if index is not None:
        instance = {"index_key": index, **instance}
    for entry in resources:
        if (entry.get("module"), entry["mode"], entry["type"], entry["name"]) == (module or None, mode, kind, name):
            entry["instances"].append(instance)
            return attributes
    entry = {"mode": mode, "type": kind, "name": name, "provider": AWS, "instances": [instance]}
    resources.append({"module": module, **entry} if module else entry)
    return attributes


def tags(name: str) -> dict[str, str]:
    return {"Name": name, "Environment": "prod"}


# ------------------------------------------------------------------------------------------------ the network

NET, SUBNETS, APP, SHARED = "module.network", "module.network.module.subnets", "module.app", "module.shared"
PROD, SHARED_VPC, LEGACY = rid("vpc", 1), rid("vpc", 2), rid("vpc", 3)
PROD_V6 = "2600:1f18:1234:5600::/56"
SUBNET = {  # name: (number, VPC, CIDR, AZ, IPv6 CIDR, map public IP on launch, module)
    "public-a": (0x101, PROD, "10.0.1.0/24", "us-east-1a", "2600:1f18:1234:5600::/64", True, SUBNETS),
    "public-b": (0x102, PROD, "10.0.11.0/24", "us-east-1b", None, True, SUBNETS),
    "app-a": (0x103, PROD, "10.0.2.0/24", "us-east-1a", "2600:1f18:1234:5601::/64", False, SUBNETS),
    "db-a": (0x104, PROD, "10.0.3.0/24", "us-east-1a", None, False, SUBNETS),
    "batch-a": (0x105, PROD, "10.1.0.0/24", "us-east-1a", None, False, SUBNETS),
    "tgw-a": (0x106, PROD, "10.0.4.0/28", "us-east-1a", None, False, SUBNETS),
    "shared-a": (0x111, SHARED_VPC, "10.2.1.0/24", "us-east-1a", None, False, SHARED),
    "legacy-a": (0x121, LEGACY, "172.16.1.0/24", "us-east-1a", None, False, ""),
}
S = {name: rid("subnet", spec[0]) for name, spec in SUBNET.items()}
SG = {
    "web": rid("sg", 0x101),
    "app": rid("sg", 0x102),
    "db": rid("sg", 0x103),
    "bastion": rid("sg", 0x104),
    "batch": rid("sg", 0x105),
    "alb": rid("sg", 0x106),
    "legacy": rid("sg", 0x22),
    "prod-default": rid("sg", 1),
    "shared-default": rid("sg", 0x11),
}
CORP_PL, S3_PL = rid("pl", 1), "pl-63a5400a"
IGW, SHARED_IGW, EIGW, NAT = rid("igw", 1), rid("igw", 2), rid("eigw", 1), rid("nat", 1)
PCX, TGW, VGW, CGW, VPN = rid("pcx", 1), rid("tgw", 1), rid("vgw", 1), rid("cgw", 1), rid("vpn", 1)
TGW_DEFAULT_RTB, TGW_SPOKE_RTB = rid("tgw-rtb", 1), rid("tgw-rtb", 2)
PROD_ATTACH, LEGACY_ATTACH = rid("tgw-attach", 1), rid("tgw-attach", 2)
LB_ARN = arn("elasticloadbalancing", "loadbalancer/app/web/0a1b2c3d4e5f6001")
TG_ARN = arn("elasticloadbalancing", "targetgroup/app/0a1b2c3d4e5f6002")
WEB = "module.web"
NLB_ARN = arn("elasticloadbalancing", "loadbalancer/net/web-nlb/0a1b2c3d4e5f6005")
NLB_TG_ARN = arn("elasticloadbalancing", "targetgroup/web/0a1b2c3d4e5f6006")


def vpc(module: str, name: str, number: int, cidr: str, ipv6: str | None, main: int, default_rtb: int) -> None:
    vpc_id = rid("vpc", number)
    add(
        module,
        "aws_vpc",
        name,
        {
            "id": vpc_id,
            "arn": arn("ec2", f"vpc/{vpc_id}"),
            "cidr_block": cidr,
            "instance_tenancy": "default",
            "enable_dns_support": True,
            "enable_dns_hostnames": True,
            "assign_generated_ipv6_cidr_block": ipv6 is not None,
            "ipv6_cidr_block": ipv6 or "",
            "ipv6_association_id": rid("vpc-cidr-assoc", 0x600 + number) if ipv6 else "",
            "ipv6_cidr_block_network_border_group": REGION if ipv6 else "",
            "main_route_table_id": rid("rtb", main),
            "default_route_table_id": rid("rtb", default_rtb),
            "default_network_acl_id": rid("acl", default_rtb),
            "default_security_group_id": rid("sg", default_rtb),
            "dhcp_options_id": rid("dopt", 1),
            "owner_id": ACCOUNT,
            "tags": tags(name),
        },
    )


def subnet(name: str) -> None:
    number, vpc_id, cidr, zone, ipv6, public, module = SUBNET[name]
    subnet_id = rid("subnet", number)
    attributes = {
        "id": subnet_id,
        "arn": arn("ec2", f"subnet/{subnet_id}"),
        "vpc_id": vpc_id,
        "cidr_block": cidr,
        "availability_zone": zone,
        "availability_zone_id": "use1-az" + {"a": "1", "b": "2"}[zone[-1]],
        "ipv6_cidr_block": ipv6 or "",
        "ipv6_cidr_block_association_id": rid("subnet-cidr-assoc", number) if ipv6 else "",
        "map_public_ip_on_launch": public,
        "assign_ipv6_address_on_creation": False,
        "owner_id": ACCOUNT,
        "private_dns_hostname_type_on_launch": "ip-name",
        "tags": tags(name),
    }
    if module == SUBNETS:
        add(module, "aws_subnet", "this", attributes, index=name)
    else:
        add(module, "aws_subnet", name.replace("-", "_"), attributes)


def route(**target: str) -> dict[str, str]:
    """An inline route block: every attribute present, unset ones empty (as the provider writes them)."""
    keys = (
        "carrier_gateway_id",
        "cidr_block",
        "core_network_arn",
        "destination_prefix_list_id",
        "egress_only_gateway_id",
        "gateway_id",
        "ipv6_cidr_block",
        "local_gateway_id",
        "nat_gateway_id",
        "network_interface_id",
        "transit_gateway_id",
        "vpc_endpoint_id",
        "vpc_peering_connection_id",
    )
    return {key: target.get(key, "") for key in keys}


def sg_rule(
    protocol: str,
    low: int,
    high: int,
    *,
    cidrs=(),
    ipv6=(),
    prefix_lists=(),
    groups=(),
    self_=False,
    description: str = "",
) -> dict[str, Any]:
    return {
        "cidr_blocks": list(cidrs),
        "description": description,
        "from_port": low,
        "ipv6_cidr_blocks": list(ipv6),
        "prefix_list_ids": list(prefix_lists),
        "protocol": protocol,
        "security_groups": list(groups),
        "self": self_,
        "to_port": high,
    }


def security_group(module: str, name: str, key: str, vpc_id: str, ingress: list, egress: list) -> None:
    group_id = SG[key]
    add(
        module,
        "aws_security_group",
        name,
        {
            "id": group_id,
            "arn": arn("ec2", f"security-group/{group_id}"),
            "name": f"prod-{key}",
            "name_prefix": "",
            "description": f"{key} tier",
            "vpc_id": vpc_id,
            "owner_id": ACCOUNT,
            "revoke_rules_on_delete": False,
            "ingress": ingress,
            "egress": egress,
            "tags": tags(f"prod-{key}"),
        },
    )


def acl_rule(
    number: int,
    action: str,
    protocol: str,
    cidr: str,
    low: int = 0,
    high: int = 0,
    *,
    ipv6: str = "",
    icmp_type: int = 0,
    icmp_code: int = 0,
) -> dict[str, Any]:
    return {
        "action": action,
        "cidr_block": cidr,
        "from_port": low,
        "icmp_code": icmp_code,
        "icmp_type": icmp_type,
        "ipv6_cidr_block": ipv6,
        "protocol": protocol,
        "rule_no": number,
        "to_port": high,
    }


def instance(
    module: str,
    name: str,
    number: int,
    subnet_name: str,
    private_ip: str,
    groups: list[str],
    *,
    index: object = None,
    public_ip: str = "",
    ipv6: tuple[str, ...] = (),
    instance_type: str = "t3.micro",
    tokens: str = "optional",
    network_interface: list | None = None,
    eni: int | None = None,
) -> None:
    instance_id = rid("i", number)
    add(
        module,
        "aws_instance",
        name,
        {
            "id": instance_id,
            "arn": arn("ec2", f"instance/{instance_id}"),
            "ami": "ami-0c7217cdde317cfec",
            "instance_type": instance_type,
            "availability_zone": SUBNET[subnet_name][3],
            "subnet_id": S[subnet_name],
            "private_ip": private_ip,
            "public_ip": public_ip,
            "associate_public_ip_address": bool(public_ip),
            "ipv6_addresses": list(ipv6),
            "ipv6_address_count": len(ipv6),
            "secondary_private_ips": [],
            "vpc_security_group_ids": groups,
            "security_groups": [],
            "source_dest_check": True,
            "primary_network_interface_id": rid("eni", eni or 0xE00 + number),
            "instance_state": "running",
            "tenancy": "default",
            "key_name": "ops",
            "monitoring": False,
            "network_interface": network_interface or [],
            "metadata_options": [
                {
                    "http_endpoint": "enabled",
                    "http_protocol_ipv6": "disabled",
                    "http_put_response_hop_limit": 1 if tokens == "optional" else 2,
                    "http_tokens": tokens,
                    "instance_metadata_tags": "disabled",
                }
            ],
            "private_dns": f"ip-{private_ip.replace('.', '-')}.ec2.internal",
            "tags": tags(name.replace("_", "-")),
        },
        index=index,
    )


def build() -> None:
    # ---- root: provider data, an AWS resource vpcsim does not convert
    add(
        "",
        "aws_caller_identity",
        "current",
        {"id": ACCOUNT, "account_id": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/ci", "user_id": "AIDAEXAMPLE"},
        mode="data",
    )
    add(
        "",
        "aws_s3_bucket",
        "logs",
        {
            "id": "prod-flow-logs",
            "bucket": "prod-flow-logs",
            "arn": "arn:aws:s3:::prod-flow-logs",
            "region": REGION,
            "tags": tags("logs"),
        },
    )

    # ---- module.network: the prod VPC and its gateways
    vpc(NET, "this", 1, "10.0.0.0/16", PROD_V6, main=1, default_rtb=1)
    add(
        NET,
        "aws_vpc_ipv4_cidr_block_association",
        "batch",
        {"id": rid("vpc-cidr-assoc", 0x101), "vpc_id": PROD, "cidr_block": "10.1.0.0/16"},
    )
    add(
        NET,
        "aws_vpc_dhcp_options",
        "this",
        {
            "id": rid("dopt", 1),
            "domain_name": "ec2.internal",
            "domain_name_servers": ["AmazonProvidedDNS"],
            "owner_id": ACCOUNT,
        },
    )
    add(
        NET,
        "aws_prefix_list",
        "s3",
        {
            "id": S3_PL,
            "prefix_list_id": S3_PL,
            "name": f"com.amazonaws.{REGION}.s3",
            "cidr_blocks": ["52.216.0.0/15", "3.5.0.0/19"],
        },
        mode="data",
    )
    add(
        NET,
        "aws_internet_gateway",
        "this",
        {
            "id": IGW,
            "arn": arn("ec2", f"internet-gateway/{IGW}"),
            "vpc_id": PROD,
            "owner_id": ACCOUNT,
            "tags": tags("prod-igw"),
        },
    )
    add(NET, "aws_egress_only_internet_gateway", "this", {"id": EIGW, "vpc_id": PROD, "tags": tags("prod-eigw")})
    add(
        NET,
        "aws_eip",
        "nat",
        {
            "id": rid("eipalloc", 1),
            "allocation_id": rid("eipalloc", 1),
            "public_ip": "52.1.10.20",
            "domain": "vpc",
            "vpc": True,
            "network_interface": rid("eni", 0xF01),
            "private_ip": "10.0.1.20",
            "association_id": rid("eipassoc", 1),
            "instance": "",
            "public_ipv4_pool": "amazon",
            "network_border_group": REGION,
            "arn": arn("ec2", f"elastic-ip/{rid('eipalloc', 1)}"),
            "tags": tags("nat"),
        },
    )
    add(
        NET,
        "aws_nat_gateway",
        "this",
        {
            "id": NAT,
            "subnet_id": S["public-a"],
            "connectivity_type": "public",
            "allocation_id": rid("eipalloc", 1),
            "association_id": rid("eipassoc", 1),
            "network_interface_id": rid("eni", 0xF01),
            "private_ip": "10.0.1.20",
            "public_ip": "52.1.10.20",
            "secondary_allocation_ids": [],
            "secondary_private_ip_addresses": [],
            "secondary_private_ip_address_count": 0,
            "tags": tags("prod-nat"),
        },
    )
    add(
        NET,
        "aws_vpn_gateway",
        "this",
        {
            "id": VGW,
            "arn": arn("ec2", f"vpn-gateway/{VGW}"),
            "amazon_side_asn": "64512",
            "vpc_id": "",
            "tags": tags("prod-vgw"),
        },
    )
    add(
        NET,
        "aws_vpn_gateway_attachment",
        "this",
        {"id": f"vpn-attachment-{VGW[4:12]}", "vpc_id": PROD, "vpn_gateway_id": VGW},
    )
    add(
        NET,
        "aws_ec2_managed_prefix_list",
        "corp",
        {
            "id": CORP_PL,
            "arn": arn("ec2", f"prefix-list/{CORP_PL}"),
            "name": "corp",
            "address_family": "IPv4",
            "max_entries": 5,
            "version": 2,
            "owner_id": ACCOUNT,
            "entry": [{"cidr": "44.192.10.0/24", "description": "office"}],
            "tags": tags("corp"),
        },
    )
    add(
        NET,
        "aws_ec2_managed_prefix_list_entry",
        "partner",
        {
            "id": f"{CORP_PL},44.193.0.0/16",
            "prefix_list_id": CORP_PL,
            "cidr": "44.193.0.0/16",
            "description": "partner",
        },
    )

    # route tables: the default (main) table managed, a public and a private one
    add(
        NET,
        "aws_default_route_table",
        "this",
        {
            "id": rid("rtb", 1),
            "default_route_table_id": rid("rtb", 1),
            "vpc_id": PROD,
            "route": [],
            "propagating_vgws": [],
            "arn": arn("ec2", f"route-table/{rid('rtb', 1)}"),
            "owner_id": ACCOUNT,
            "tags": tags("prod-main"),
        },
    )
    add(
        NET,
        "aws_route_table",
        "public",
        {
            "id": rid("rtb", 2),
            "vpc_id": PROD,
            "owner_id": ACCOUNT,
            "propagating_vgws": [],
            "arn": arn("ec2", f"route-table/{rid('rtb', 2)}"),
            "tags": tags("prod-public"),
            "route": [route(cidr_block="0.0.0.0/0", gateway_id=IGW), route(ipv6_cidr_block="::/0", gateway_id=IGW)],
        },
    )
    add(
        NET,
        "aws_route_table",
        "private",
        {
            "id": rid("rtb", 3),
            "vpc_id": PROD,
            "owner_id": ACCOUNT,
            "propagating_vgws": [],
            "arn": arn("ec2", f"route-table/{rid('rtb', 3)}"),
            "tags": tags("prod-private"),
            "route": [
                route(cidr_block="0.0.0.0/0", nat_gateway_id=NAT),
                route(ipv6_cidr_block="::/0", egress_only_gateway_id=EIGW),
                route(cidr_block="10.2.0.0/16", vpc_peering_connection_id=PCX),
            ],
        },
    )
    add(
        NET,
        "aws_route",
        "to_legacy",
        {
            "id": f"r-{rid('rtb', 3)}1080289494",
            "route_table_id": rid("rtb", 3),
            "destination_cidr_block": "172.16.0.0/16",
            "transit_gateway_id": TGW,
            "origin": "CreateRoute",
            "state": "active",
            "destination_ipv6_cidr_block": "",
            "destination_prefix_list_id": "",
            "gateway_id": "",
            "nat_gateway_id": "",
            "network_interface_id": "",
            "instance_id": "",
            "instance_owner_id": "",
        },
    )
    add(
        NET,
        "aws_vpn_gateway_route_propagation",
        "private",
        {"id": f"{VGW}_{rid('rtb', 3)}", "vpn_gateway_id": VGW, "route_table_id": rid("rtb", 3)},
    )
    add(
        NET,
        "aws_vpc_endpoint",
        "s3",
        {
            "id": rid("vpce", 1),
            "arn": arn("ec2", f"vpc-endpoint/{rid('vpce', 1)}"),
            "vpc_id": PROD,
            "service_name": f"com.amazonaws.{REGION}.s3",
            "vpc_endpoint_type": "Gateway",
            "state": "available",
            "prefix_list_id": S3_PL,
            "cidr_blocks": ["52.216.0.0/15", "3.5.0.0/19"],
            "route_table_ids": [rid("rtb", 3)],
            "subnet_ids": [],
            "security_group_ids": [],
            "network_interface_ids": [],
            "private_dns_enabled": False,
            "requester_managed": False,
            "owner_id": ACCOUNT,
            "ip_address_type": "",
            "tags": tags("s3"),
        },
    )
    add(
        NET,
        "aws_vpc_endpoint_route_table_association",
        "s3_public",
        {"id": f"a-{rid('vpce', 1)}3364394866", "vpc_endpoint_id": rid("vpce", 1), "route_table_id": rid("rtb", 2)},
    )

    # ---- module.network.module.subnets: subnets, their route tables and network ACLs
    for name in ("public-a", "public-b", "app-a", "db-a", "batch-a", "tgw-a"):
        subnet(name)
    for number, name, table in (
        (0x101, "public-a", 2),
        (0x102, "public-b", 2),
        (0x103, "app-a", 3),
        (0x104, "db-a", 3),
    ):
        add(
            SUBNETS,
            "aws_route_table_association",
            "this",
            {
                "id": rid("rtbassoc", number),
                "subnet_id": S[name],
                "gateway_id": "",
                "route_table_id": rid("rtb", table),
            },
            index=name,
        )
    add(
        SUBNETS,
        "aws_network_acl",
        "db",
        {
            "id": rid("acl", 2),
            "arn": arn("ec2", f"network-acl/{rid('acl', 2)}"),
            "vpc_id": PROD,
            "owner_id": ACCOUNT,
            "subnet_ids": [S["db-a"]],
            "tags": tags("prod-db"),
            "ingress": [acl_rule(100, "allow", "6", "10.0.2.0/24", 5432, 5432)],
            "egress": [acl_rule(100, "allow", "tcp", "10.0.0.0/16", 1024, 65535)],
        },
    )
    add(
        SUBNETS,
        "aws_network_acl_rule",
        "db_ssh",
        {
            "id": "nacl-1876549212",
            "network_acl_id": rid("acl", 2),
            "rule_number": 90,
            "egress": False,
            "protocol": "tcp",
            "rule_action": "allow",
            "cidr_block": "10.0.1.0/24",
            "ipv6_cidr_block": "",
            "from_port": 22,
            "to_port": 22,
            "icmp_type": None,
            "icmp_code": None,
        },
    )
    add(
        SUBNETS,
        "aws_network_acl",
        "batch",
        {
            "id": rid("acl", 3),
            "arn": arn("ec2", f"network-acl/{rid('acl', 3)}"),
            "vpc_id": PROD,
            "owner_id": ACCOUNT,
            "subnet_ids": [],
            "tags": tags("prod-batch"),
            "ingress": [
                acl_rule(100, "allow", "-1", "10.0.0.0/8"),
                acl_rule(110, "allow", "icmp", "0.0.0.0/0", icmp_type=8, icmp_code=-1),
                acl_rule(120, "deny", "all", "10.0.1.0/24"),
            ],
            "egress": [acl_rule(100, "allow", "-1", "0.0.0.0/0")],
        },
    )
    add(
        SUBNETS,
        "aws_network_acl_association",
        "batch",
        {"id": rid("aclassoc", 3), "network_acl_id": rid("acl", 3), "subnet_id": S["batch-a"]},
    )

    # ---- module.app: security groups, instances, ENIs, addresses, load balancers
    security_group(
        APP,
        "web",
        "web",
        PROD,
        [
            sg_rule("tcp", 80, 80, cidrs=["0.0.0.0/0"], description="http"),
            sg_rule("tcp", 443, 443, cidrs=["0.0.0.0/0"], ipv6=["::/0"], description="https"),
            sg_rule("tcp", 22, 22, prefix_lists=[CORP_PL], description="ssh from corp"),
        ],
        [sg_rule("-1", 0, 0, cidrs=["0.0.0.0/0"])],
    )
    security_group(
        APP,
        "app",
        "app",
        PROD,
        [sg_rule("tcp", 8080, 8080, groups=[SG["web"], SG["alb"]])],
        [sg_rule("-1", 0, 0, cidrs=["0.0.0.0/0"], ipv6=["::/0"])],
    )
    security_group(APP, "db", "db", PROD, [sg_rule("tcp", 5432, 5432, groups=[SG["app"]])], [])
    security_group(
        APP,
        "bastion",
        "bastion",
        PROD,
        [sg_rule("tcp", 22, 22, cidrs=["44.192.10.0/24"])],
        [sg_rule("-1", 0, 0, cidrs=["0.0.0.0/0"])],
    )
    security_group(
        APP,
        "batch",
        "batch",
        PROD,
        [sg_rule("tcp", 22, 22, cidrs=["10.0.0.0/16"]), sg_rule("icmp", -1, -1, cidrs=["10.0.0.0/8"])],
        [sg_rule("-1", 0, 0, cidrs=["0.0.0.0/0"])],
    )
    security_group(
        APP,
        "alb",
        "alb",
        PROD,
        [sg_rule("tcp", 80, 80, cidrs=["0.0.0.0/0"])],
        [sg_rule("tcp", 8080, 8080, groups=[SG["app"]])],
    )
    add(
        APP,
        "aws_security_group_rule",
        "web_ssh_corp",
        {
            "id": "sgrule-2384939273",
            "security_group_rule_id": rid("sgr", 1),
            "type": "ingress",
            "security_group_id": SG["web"],
            "protocol": "tcp",
            "from_port": 22,
            "to_port": 22,
            "prefix_list_ids": [CORP_PL],
            "cidr_blocks": [],
            "ipv6_cidr_blocks": [],
            "self": False,
            "source_security_group_id": "",
            "description": "ssh from corp",
        },
    )
    add(
        APP,
        "aws_security_group_rule",
        "db_from_app",
        {
            "id": "sgrule-1957302731",
            "security_group_rule_id": rid("sgr", 2),
            "type": "ingress",
            "security_group_id": SG["db"],
            "protocol": "tcp",
            "from_port": 5432,
            "to_port": 5432,
            "source_security_group_id": SG["app"],
            "cidr_blocks": None,
            "ipv6_cidr_blocks": None,
            "prefix_list_ids": [],
            "self": False,
            "description": "",
        },
    )
    add(
        APP,
        "aws_security_group_rule",
        "app_cluster",
        {
            "id": "sgrule-3029485721",
            "security_group_rule_id": rid("sgr", 3),
            "type": "ingress",
            "security_group_id": SG["app"],
            "protocol": "tcp",
            "from_port": 9000,
            "to_port": 9000,
            "self": True,
            "cidr_blocks": None,
            "ipv6_cidr_blocks": None,
            "prefix_list_ids": [],
            "source_security_group_id": "",
            "description": "cluster gossip",
        },
    )
    add(
        APP,
        "aws_vpc_security_group_ingress_rule",
        "bastion_ssh",
        {
            "id": rid("sgr", 4),
            "security_group_rule_id": rid("sgr", 4),
            "arn": arn("ec2", f"security-group-rule/{rid('sgr', 4)}"),
            "security_group_id": SG["bastion"],
            "ip_protocol": "tcp",
            "from_port": 22,
            "to_port": 22,
            "cidr_ipv4": "44.192.10.0/24",
            "description": "office",
            "tags": None,
        },
    )
    add(
        APP,
        "aws_vpc_security_group_egress_rule",
        "bastion_all",
        {
            "id": rid("sgr", 5),
            "security_group_rule_id": rid("sgr", 5),
            "arn": arn("ec2", f"security-group-rule/{rid('sgr', 5)}"),
            "security_group_id": SG["bastion"],
            "ip_protocol": "-1",
            "from_port": None,
            "to_port": None,
            "cidr_ipv4": "0.0.0.0/0",
            "tags": None,
        },
    )
    instance(
        APP,
        "web",
        1,
        "public-a",
        "10.0.1.100",
        [SG["web"]],
        index=0,
        public_ip="54.80.10.100",
        ipv6=("2600:1f18:1234:5600::100",),
    )
    instance(
        APP,
        "app",
        2,
        "app-a",
        "10.0.2.100",
        [SG["app"]],
        ipv6=("2600:1f18:1234:5601::100",),
        instance_type="m5.large",
        tokens="required",
    )
    instance(APP, "db", 3, "db-a", "10.0.3.100", [SG["db"]])
    instance(
        APP,
        "bastion",
        4,
        "public-a",
        "10.0.1.10",
        [SG["bastion"]],
        public_ip="52.1.10.10",
        network_interface=[
            {
                "device_index": 0,
                "network_interface_id": rid("eni", 0xE04),
                "delete_on_termination": False,
                "network_card_index": 0,
            }
        ],
    )
    instance(APP, "batch", 5, "batch-a", "10.1.0.100", [SG["batch"]])
    add(
        APP,
        "aws_network_interface",
        "bastion",
        {
            "id": rid("eni", 0xE04),
            "arn": arn("ec2", f"network-interface/{rid('eni', 0xE04)}"),
            "subnet_id": S["public-a"],
            "private_ip": "10.0.1.10",
            "private_ips": ["10.0.1.10"],
            "private_ips_count": 0,
            "private_ip_list": ["10.0.1.10"],
            "private_ip_list_enabled": False,
            "security_groups": [SG["bastion"]],
            "source_dest_check": True,
            "interface_type": "interface",
            "mac_address": "0e:11:22:33:44:04",
            "description": "bastion",
            "ipv6_addresses": [],
            "ipv6_address_count": 0,
            "owner_id": ACCOUNT,
            "attachment": [{"attachment_id": rid("eni-attach", 4), "device_index": 0, "instance": rid("i", 4)}],
            "tags": tags("bastion-eni"),
        },
    )
    add(
        APP,
        "aws_network_interface",
        "app_secondary",
        {
            "id": rid("eni", 0xE06),
            "arn": arn("ec2", f"network-interface/{rid('eni', 0xE06)}"),
            "subnet_id": S["app-a"],
            "private_ip": "10.0.2.60",
            "private_ips": ["10.0.2.60", "10.0.2.61"],
            "private_ips_count": 1,
            "private_ip_list": ["10.0.2.60", "10.0.2.61"],
            "private_ip_list_enabled": False,
            "security_groups": [SG["prod-default"]],
            "source_dest_check": False,
            "interface_type": "interface",
            "mac_address": "0e:11:22:33:44:06",
            "description": "app replication",
            "ipv6_addresses": [],
            "ipv6_address_count": 0,
            "owner_id": ACCOUNT,
            "attachment": [],
            "tags": tags("app-secondary"),
        },
    )
    add(
        APP,
        "aws_network_interface_attachment",
        "app_secondary",
        {
            "id": rid("eni-attach", 6),
            "attachment_id": rid("eni-attach", 6),
            "instance_id": rid("i", 2),
            "network_interface_id": rid("eni", 0xE06),
            "device_index": 1,
            "status": "attached",
        },
    )
    add(
        APP,
        "aws_network_interface_sg_attachment",
        "app_secondary",
        {
            "id": f"{SG['app']}_{rid('eni', 0xE06)}",
            "security_group_id": SG["app"],
            "network_interface_id": rid("eni", 0xE06),
        },
    )
    add(
        APP,
        "aws_eip",
        "bastion",
        {
            "id": rid("eipalloc", 2),
            "allocation_id": rid("eipalloc", 2),
            "public_ip": "52.1.10.10",
            "domain": "vpc",
            "vpc": True,
            "instance": "",
            "network_interface": "",
            "private_ip": "",
            "association_id": "",
            "public_ipv4_pool": "amazon",
            "network_border_group": REGION,
            "tags": tags("bastion"),
        },
    )
    add(
        APP,
        "aws_eip_association",
        "bastion",
        {
            "id": rid("eipassoc", 2),
            "allocation_id": rid("eipalloc", 2),
            "network_interface_id": rid("eni", 0xE04),
            "instance_id": rid("i", 4),
            "private_ip_address": "10.0.1.10",
            "public_ip": "52.1.10.10",
            "allow_reassociation": None,
        },
    )
    add(
        APP,
        "aws_lb",
        "web",
        {
            "id": LB_ARN,
            "arn": LB_ARN,
            "arn_suffix": "app/web/0a1b2c3d4e5f6001",
            "name": "web",
            "load_balancer_type": "application",
            "internal": False,
            "ip_address_type": "ipv4",
            "security_groups": [SG["alb"]],
            "subnets": [S["public-a"], S["public-b"]],
            "subnet_mapping": [
                {
                    "subnet_id": S["public-a"],
                    "allocation_id": "",
                    "private_ipv4_address": "",
                    "ipv6_address": "",
                    "outpost_id": "",
                },
                {
                    "subnet_id": S["public-b"],
                    "allocation_id": "",
                    "private_ipv4_address": "",
                    "ipv6_address": "",
                    "outpost_id": "",
                },
            ],
            "vpc_id": PROD,
            "dns_name": "web-1234567890.us-east-1.elb.amazonaws.com",
            "zone_id": "Z35SXDOTRQ7X7K",
            "enable_cross_zone_load_balancing": True,
            "tags": tags("web-alb"),
        },
    )
    internal_arn = arn("elasticloadbalancing", "loadbalancer/net/internal/0a1b2c3d4e5f6004")
    add(
        APP,
        "aws_alb",
        "internal",
        {
            "id": internal_arn,
            "arn": internal_arn,
            "name": "internal",
            "load_balancer_type": "network",
            "internal": True,
            "ip_address_type": "ipv4",
            "security_groups": [],
            "subnets": [S["app-a"]],
            "subnet_mapping": [
                {
                    "subnet_id": S["app-a"],
                    "allocation_id": "",
                    "private_ipv4_address": "10.0.2.200",
                    "ipv6_address": "",
                    "outpost_id": "",
                }
            ],
            "vpc_id": PROD,
            "dns_name": "internal-0123456789.elb.us-east-1.amazonaws.com",
            "zone_id": "Z26RNL4JYFTOTI",
            "tags": tags("internal-nlb"),
        },
    )
    add(
        APP,
        "aws_lb_target_group",
        "app",
        {
            "id": TG_ARN,
            "arn": TG_ARN,
            "arn_suffix": "targetgroup/app/0a1b2c3d4e5f6002",
            "name": "app",
            "port": 8080,
            "protocol": "HTTP",
            "target_type": "instance",
            "vpc_id": PROD,
            "load_balancer_arns": [],
            "health_check": [
                {
                    "enabled": True,
                    "healthy_threshold": 3,
                    "interval": 30,
                    "matcher": "200",
                    "path": "/health",
                    "port": "traffic-port",
                    "protocol": "HTTP",
                    "timeout": 5,
                    "unhealthy_threshold": 3,
                }
            ],
            "tags": tags("app"),
        },
    )
    listener_arn = arn("elasticloadbalancing", "listener/app/web/0a1b2c3d4e5f6001/0a1b2c3d4e5f6003")
    add(
        APP,
        "aws_lb_listener",
        "http",
        {
            "id": listener_arn,
            "arn": listener_arn,
            "load_balancer_arn": LB_ARN,
            "port": 80,
            "protocol": "HTTP",
            "default_action": [
                {
                    "type": "forward",
                    "target_group_arn": TG_ARN,
                    "order": 1,
                    "forward": [],
                    "redirect": [],
                    "fixed_response": [],
                    "authenticate_cognito": [],
                    "authenticate_oidc": [],
                }
            ],
        },
    )
    add(
        APP,
        "aws_lb_target_group_attachment",
        "app",
        {
            "id": f"{TG_ARN}-20240101000000000000000001",
            "target_group_arn": TG_ARN,
            "target_id": rid("i", 2),
            "port": 8080,
            "availability_zone": "",
        },
    )

    # ---- module.shared: a second VPC, peered; Terraform manages its defaults and replaces its main table
    vpc(SHARED, "this", 2, "10.2.0.0/16", None, main=0x12, default_rtb=0x11)
    subnet("shared-a")
    add(
        SHARED,
        "aws_internet_gateway",
        "this",
        {
            "id": SHARED_IGW,
            "arn": arn("ec2", f"internet-gateway/{SHARED_IGW}"),
            "vpc_id": "",
            "owner_id": ACCOUNT,
            "tags": tags("shared-igw"),
        },
    )
    add(
        SHARED,
        "aws_internet_gateway_attachment",
        "this",
        {"id": f"{SHARED_IGW}:{SHARED_VPC}", "internet_gateway_id": SHARED_IGW, "vpc_id": SHARED_VPC},
    )
    add(
        SHARED,
        "aws_route_table",
        "main",
        {
            "id": rid("rtb", 0x12),
            "vpc_id": SHARED_VPC,
            "owner_id": ACCOUNT,
            "propagating_vgws": [],
            "route": [
                route(cidr_block="0.0.0.0/0", gateway_id=SHARED_IGW),
                route(cidr_block="10.0.0.0/16", vpc_peering_connection_id=PCX),
            ],
            "tags": tags("shared-main"),
        },
    )
    add(
        SHARED,
        "aws_main_route_table_association",
        "this",
        {
            "id": rid("rtbassoc", 0x12),
            "vpc_id": SHARED_VPC,
            "route_table_id": rid("rtb", 0x12),
            "original_route_table_id": rid("rtb", 0x11),
        },
    )
    add(
        SHARED,
        "aws_route_table",
        "ingress",
        {
            "id": rid("rtb", 0x13),
            "vpc_id": SHARED_VPC,
            "owner_id": ACCOUNT,
            "propagating_vgws": [],
            "route": [],
            "tags": tags("shared-ingress"),
        },
    )
    add(
        SHARED,
        "aws_route_table_association",
        "ingress",
        {"id": rid("rtbassoc", 0x13), "subnet_id": "", "gateway_id": SHARED_IGW, "route_table_id": rid("rtb", 0x13)},
    )
    add(
        SHARED,
        "aws_default_security_group",
        "this",
        {
            "id": SG["shared-default"],
            "arn": arn("ec2", f"security-group/{SG['shared-default']}"),
            "name": "default",
            "name_prefix": "",
            "description": "default VPC security group",
            "vpc_id": SHARED_VPC,
            "owner_id": ACCOUNT,
            "revoke_rules_on_delete": False,
            "tags": tags("shared-default"),
            "ingress": [sg_rule("tcp", 22, 22, cidrs=["10.0.0.0/16"])],
            "egress": [sg_rule("-1", 0, 0, cidrs=["0.0.0.0/0"])],
        },
    )
    add(
        SHARED,
        "aws_default_network_acl",
        "this",
        {
            "id": rid("acl", 0x11),
            "default_network_acl_id": rid("acl", 0x11),
            "vpc_id": SHARED_VPC,
            "arn": arn("ec2", f"network-acl/{rid('acl', 0x11)}"),
            "owner_id": ACCOUNT,
            "subnet_ids": [S["shared-a"]],
            "ingress": [
                acl_rule(100, "allow", "-1", "10.0.0.0/8"),
                acl_rule(200, "allow", "tcp", "0.0.0.0/0", 1024, 65535),
            ],
            "egress": [acl_rule(100, "allow", "-1", "0.0.0.0/0")],
            "tags": tags("shared-default"),
        },
    )
    instance(SHARED, "tools", 0x11, "shared-a", "10.2.1.100", [SG["shared-default"]], public_ip="52.1.20.30")
    add(
        SHARED,
        "aws_eip",
        "tools",
        {
            "id": rid("eipalloc", 3),
            "allocation_id": rid("eipalloc", 3),
            "public_ip": "52.1.20.30",
            "domain": "vpc",
            "vpc": True,
            "instance": rid("i", 0x11),
            "network_interface": rid("eni", 0xE11),
            "private_ip": "10.2.1.100",
            "association_id": rid("eipassoc", 3),
            "tags": tags("tools"),
        },
    )
    add(
        SHARED,
        "aws_vpc_peering_connection_accepter",
        "prod",
        {
            "id": PCX,
            "vpc_peering_connection_id": PCX,
            "vpc_id": SHARED_VPC,
            "peer_vpc_id": PROD,
            "peer_owner_id": ACCOUNT,
            "peer_region": REGION,
            "accept_status": "active",
            "auto_accept": True,
            "accepter": [{"allow_remote_vpc_dns_resolution": False}],
            "requester": [],
            "tags": tags("prod-shared"),
        },
    )

    # ---- root: peering, the transit gateway with a legacy VPC, the site-to-site VPN
    add(
        "",
        "aws_vpc_peering_connection",
        "prod_shared",
        {
            "id": PCX,
            "vpc_id": PROD,
            "peer_vpc_id": SHARED_VPC,
            "peer_owner_id": ACCOUNT,
            "peer_region": REGION,
            "auto_accept": True,
            "accept_status": "active",
            "accepter": [],
            "requester": [],
            "tags": tags("prod-shared"),
        },
    )
    vpc("", "legacy", 3, "172.16.0.0/16", None, main=0x21, default_rtb=0x21)
    subnet("legacy-a")
    add(
        "",
        "aws_route",
        "legacy_to_tgw",
        {
            "id": f"r-{rid('rtb', 0x21)}2733356218",
            "route_table_id": rid("rtb", 0x21),
            "destination_cidr_block": "10.0.0.0/8",
            "transit_gateway_id": TGW,
            "origin": "CreateRoute",
            "state": "active",
        },
    )
    add(
        "",
        "aws_security_group",
        "legacy",
        {
            "id": SG["legacy"],
            "arn": arn("ec2", f"security-group/{SG['legacy']}"),
            "name": "legacy",
            "description": "legacy app",
            "vpc_id": LEGACY,
            "owner_id": ACCOUNT,
            "revoke_rules_on_delete": False,
            "ingress": [sg_rule("tcp", 443, 443, cidrs=["10.0.0.0/16"])],
            "egress": [sg_rule("-1", 0, 0, cidrs=["0.0.0.0/0"])],
            "tags": tags("legacy"),
        },
    )
    instance("", "legacy", 0x21, "legacy-a", "172.16.1.100", [SG["legacy"]])
    add(
        "",
        "aws_ec2_transit_gateway",
        "hub",
        {
            "id": TGW,
            "arn": arn("ec2", f"transit-gateway/{TGW}"),
            "amazon_side_asn": 64512,
            "description": "hub",
            "default_route_table_association": "enable",
            "default_route_table_propagation": "enable",
            "association_default_route_table_id": TGW_DEFAULT_RTB,
            "propagation_default_route_table_id": TGW_DEFAULT_RTB,
            "auto_accept_shared_attachments": "disable",
            "dns_support": "enable",
            "vpn_ecmp_support": "enable",
            "multicast_support": "disable",
            "owner_id": ACCOUNT,
            "transit_gateway_cidr_blocks": [],
            "tags": tags("hub"),
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_route_table",
        "spoke",
        {
            "id": TGW_SPOKE_RTB,
            "arn": arn("ec2", f"transit-gateway-route-table/{TGW_SPOKE_RTB}"),
            "transit_gateway_id": TGW,
            "default_association_route_table": False,
            "default_propagation_route_table": False,
            "tags": tags("spoke"),
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_vpc_attachment",
        "prod",
        {
            "id": PROD_ATTACH,
            "arn": arn("ec2", f"transit-gateway-attachment/{PROD_ATTACH}"),
            "transit_gateway_id": TGW,
            "vpc_id": PROD,
            "subnet_ids": [S["tgw-a"]],
            "vpc_owner_id": ACCOUNT,
            "dns_support": "enable",
            "ipv6_support": "disable",
            "appliance_mode_support": "disable",
            "transit_gateway_default_route_table_association": False,
            "transit_gateway_default_route_table_propagation": False,
            "tags": tags("prod"),
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_vpc_attachment",
        "legacy",
        {
            "id": LEGACY_ATTACH,
            "arn": arn("ec2", f"transit-gateway-attachment/{LEGACY_ATTACH}"),
            "transit_gateway_id": TGW,
            "vpc_id": LEGACY,
            "subnet_ids": [S["legacy-a"]],
            "vpc_owner_id": ACCOUNT,
            "dns_support": "enable",
            "ipv6_support": "disable",
            "appliance_mode_support": "disable",
            "transit_gateway_default_route_table_association": True,
            "transit_gateway_default_route_table_propagation": True,
            "tags": tags("legacy"),
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_route_table_association",
        "prod",
        {
            "id": f"{TGW_SPOKE_RTB}_{PROD_ATTACH}",
            "transit_gateway_route_table_id": TGW_SPOKE_RTB,
            "transit_gateway_attachment_id": PROD_ATTACH,
            "resource_id": PROD,
            "resource_type": "vpc",
            "replace_existing_association": False,
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_route_table_propagation",
        "legacy_to_spoke",
        {
            "id": f"{TGW_SPOKE_RTB}_{LEGACY_ATTACH}",
            "transit_gateway_route_table_id": TGW_SPOKE_RTB,
            "transit_gateway_attachment_id": LEGACY_ATTACH,
            "resource_id": LEGACY,
            "resource_type": "vpc",
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_route_table_propagation",
        "prod_to_default",
        {
            "id": f"{TGW_DEFAULT_RTB}_{PROD_ATTACH}",
            "transit_gateway_route_table_id": TGW_DEFAULT_RTB,
            "transit_gateway_attachment_id": PROD_ATTACH,
            "resource_id": PROD,
            "resource_type": "vpc",
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_route",
        "legacy",
        {
            "id": f"{TGW_SPOKE_RTB}_172.16.0.0/16",
            "transit_gateway_route_table_id": TGW_SPOKE_RTB,
            "destination_cidr_block": "172.16.0.0/16",
            "transit_gateway_attachment_id": LEGACY_ATTACH,
            "blackhole": False,
        },
    )
    add(
        "",
        "aws_ec2_transit_gateway_route",
        "quarantine",
        {
            "id": f"{TGW_SPOKE_RTB}_172.16.99.0/24",
            "transit_gateway_route_table_id": TGW_SPOKE_RTB,
            "destination_cidr_block": "172.16.99.0/24",
            "transit_gateway_attachment_id": "",
            "blackhole": True,
        },
    )
    add(
        "",
        "aws_customer_gateway",
        "office",
        {
            "id": CGW,
            "arn": arn("ec2", f"customer-gateway/{CGW}"),
            "bgp_asn": "65010",
            "ip_address": "44.192.10.1",
            "type": "ipsec.1",
            "device_name": "office-fw",
            "tags": tags("office"),
        },
    )
    add(
        "",
        "aws_vpn_connection",
        "office",
        {
            "id": VPN,
            "arn": arn("ec2", f"vpn-connection/{VPN}"),
            "customer_gateway_id": CGW,
            "vpn_gateway_id": VGW,
            "transit_gateway_id": "",
            "type": "ipsec.1",
            "static_routes_only": True,
            "routes": [{"destination_cidr_block": "192.168.0.0/16", "source": "Static", "state": "available"}],
            "tunnel1_address": "3.210.1.1",
            "tunnel2_address": "3.210.1.2",
            "tags": tags("office"),
        },
    )
    add(
        "",
        "aws_vpn_connection_route",
        "office",
        {"id": f"192.168.0.0/16:{VPN}", "destination_cidr_block": "192.168.0.0/16", "vpn_connection_id": VPN},
    )
    add(
        "",
        "aws_vpn_connection_route",
        "lab",
        {"id": f"10.250.0.0/16:{VPN}", "destination_cidr_block": "10.250.0.0/16", "vpn_connection_id": VPN},
    )

    # ---- module.web (issue 8, added last so the resources above keep their JSON paths): an internet-facing NLB
    # in public-a/b, with an Elastic IP on its public-a node, forwarding TCP 80 to the web instance
    eip = rid("eipalloc", 4)
    add(
        WEB,
        "aws_eip",
        "nlb",
        {
            "id": eip,
            "allocation_id": eip,
            "public_ip": "52.1.30.40",
            "domain": "vpc",
            "vpc": True,
            "instance": "",
            "network_interface": "",
            "private_ip": "",
            "association_id": "",
            "public_ipv4_pool": "amazon",
            "network_border_group": REGION,
            "tags": tags("web-nlb-eip"),
        },
    )
    add(
        WEB,
        "aws_lb",
        "nlb",
        {
            "id": NLB_ARN,
            "arn": NLB_ARN,
            "arn_suffix": "net/web-nlb/0a1b2c3d4e5f6005",
            "name": "web-nlb",
            "load_balancer_type": "network",
            "internal": False,
            "ip_address_type": "ipv4",
            "security_groups": [],
            "subnets": [S["public-a"], S["public-b"]],
            "subnet_mapping": [
                {
                    "subnet_id": S["public-a"],
                    "allocation_id": eip,
                    "private_ipv4_address": "",
                    "ipv6_address": "",
                    "outpost_id": "",
                },
                {
                    "subnet_id": S["public-b"],
                    "allocation_id": "",
                    "private_ipv4_address": "",
                    "ipv6_address": "",
                    "outpost_id": "",
                },
            ],
            "vpc_id": PROD,
            "dns_name": "web-nlb-0a1b2c3d4e5f6005.elb.us-east-1.amazonaws.com",
            "zone_id": "Z26RNL4JYFTOTI",
            "enable_cross_zone_load_balancing": False,
            "tags": tags("web-nlb"),
        },
    )
    add(
        WEB,
        "aws_lb_target_group",
        "web",
        {
            "id": NLB_TG_ARN,
            "arn": NLB_TG_ARN,
            "arn_suffix": "targetgroup/web/0a1b2c3d4e5f6006",
            "name": "web",
            "port": 80,
            "protocol": "TCP",
            "target_type": "instance",
            "vpc_id": PROD,
            "preserve_client_ip": "true",
            "load_balancing_cross_zone_enabled": "use_load_balancer_configuration",
            "load_balancer_arns": [NLB_ARN],
            "health_check": [
                {
                    "enabled": True,
                    "healthy_threshold": 3,
                    "interval": 30,
                    "matcher": "",
                    "path": "",
                    "port": "traffic-port",
                    "protocol": "TCP",
                    "timeout": 10,
                    "unhealthy_threshold": 3,
                }
            ],
            "tags": tags("web-tg"),
        },
    )
    listener_arn = arn("elasticloadbalancing", "listener/net/web-nlb/0a1b2c3d4e5f6005/0a1b2c3d4e5f6007")
    add(
        WEB,
        "aws_lb_listener",
        "tcp",
        {
            "id": listener_arn,
            "arn": listener_arn,
            "load_balancer_arn": NLB_ARN,
            "port": 80,
            "protocol": "TCP",
            "default_action": [
                {
                    "type": "forward",
                    "target_group_arn": NLB_TG_ARN,
                    "order": 1,
                    "forward": [],
                    "redirect": [],
                    "fixed_response": [],
                    "authenticate_cognito": [],
                    "authenticate_oidc": [],
                }
            ],
        },
    )
    add(
        WEB,
        "aws_lb_target_group_attachment",
        "web",
        {
            "id": f"{NLB_TG_ARN}-20240101000000000000000002",
            "target_group_arn": NLB_TG_ARN,
            "target_id": rid("i", 1),
            "port": 80,
            "availability_zone": "",
        },
    )


def show_json(state: Path) -> str:
    """``terraform show -json`` of the state, with the aws provider from an offline filesystem mirror."""
    mirror = os.environ.get("TF_PLUGIN_MIRROR", "/opt/tf-plugins")
    with tempfile.TemporaryDirectory() as work:
        config = Path(work, "cli.tfrc")
        config.write_text(f'provider_installation {{\n  filesystem_mirror {{\n    path = "{mirror}"\n  }}\n}}\n')
        provider = 'aws = { source = "hashicorp/aws", version = "5.100.0" }'
        Path(work, "main.tf").write_text(f"terraform {{\n  required_providers {{\n    {provider}\n  }}\n}}\n")
        env = {**os.environ, "TF_CLI_CONFIG_FILE": str(config), "CHECKPOINT_DISABLE": "1"}
        subprocess.run(
            ["terraform", "init", "-input=false", "-no-color"],
            cwd=work,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        shown = subprocess.run(
            ["terraform", "show", "-json", "-no-color", str(state)], cwd=work, env=env, capture_output=True, text=True
        )
        if shown.returncode != 0:
            sys.exit(f"terraform show -json failed: {shown.stderr or shown.stdout}")
    return json.dumps(json.loads(shown.stdout), indent=1) + "\n"


def main() -> None:
    build()
    state = {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 42,
        "lineage": "6c0b1a4e-2f7d-4a59-9e4e-0a1b2c3d4e5f",
        "outputs": {},
        "resources": resources,
        "check_results": None,
    }
    path = HERE / "terraform.tfstate"
    path.write_text(json.dumps(state, indent=1) + "\n")
    print(f"wrote {path} ({len(resources)} resources)")
    if "--state-only" in sys.argv[1:]:
        return
    if shutil.which("terraform") is None:
        sys.exit("terraform is not on PATH: show.json not rewritten (use --state-only)")
    (HERE / "show.json").write_text(show_json(path))
    print(f"wrote {HERE / 'show.json'}")


if __name__ == "__main__":
    main()
