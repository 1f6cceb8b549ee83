"""Terraform import: `terraform show -json` output and raw .tfstate v4, modules included, into the same network.

The fixtures (tests/data/terraform, see its README) hold one network in both forms: three VPCs, peering, a transit
gateway, a VPN, and every resource type of the VPC family that the loader converts. Verdicts are AWS's (SPEC ids).
"""

from __future__ import annotations

import copy
import ipaddress
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import vpcsim
from vpcsim.io.terraform import load_terraform

DATA = Path(__file__).parent / "data" / "terraform"
SHOW, STATE = DATA / "show.json", DATA / "terraform.tfstate"
AWS = 'provider["registry.terraform.io/hashicorp/aws"]'


def rid(prefix: str, number: int) -> str:
    """The fixtures' ids: ``rid("vpc", 1) == "vpc-0a1b2c3d4e5f60001"``."""
    return f"{prefix}-0a1b2c3d4e5f6{number:04x}"


PROD, SHARED, LEGACY = rid("vpc", 1), rid("vpc", 2), rid("vpc", 3)
SUBNET = {
    "public-a": 0x101,
    "public-b": 0x102,
    "app-a": 0x103,
    "db-a": 0x104,
    "batch-a": 0x105,
    "tgw-a": 0x106,
    "shared-a": 0x111,
    "legacy-a": 0x121,
}
SG = {
    "web": 0x101,
    "app": 0x102,
    "db": 0x103,
    "bastion": 0x104,
    "batch": 0x105,
    "alb": 0x106,
    "legacy": 0x22,
    "prod-default": 1,
    "shared-default": 0x11,
    "legacy-default": 0x21,
}


def subnet_id(name: str) -> str:
    return rid("subnet", SUBNET[name])


def sg_id(name: str) -> str:
    return rid("sg", SG[name])


@pytest.fixture(scope="module", params=["show.json", "terraform.tfstate"])
def net(request: pytest.FixtureRequest) -> vpcsim.Network:
    return load_terraform(DATA / request.param)


@pytest.fixture(scope="module")
def show_net() -> vpcsim.Network:
    return load_terraform(SHOW)


def routes(table: Any) -> list[str]:
    return [str(r) for r in table.routes]


def rules(group: Any, egress: bool) -> list[str]:
    return sorted(str(r) for r in group.rules(egress))


def entries(acl: Any) -> list[str]:
    return [str(e) for e in acl.entries]


def write(tmp_path: Path, name: str, data: object) -> Path:
    """``data`` as a file (a string as it is, else JSON); None writes nothing."""
    path = tmp_path / name
    if data is not None:
        path.write_text(data if isinstance(data, str) else json.dumps(data))
    return path


def state(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"version": 4, "terraform_version": "1.11.4", "resources": list(resources)}


def resource(kind: str, name: str, attributes: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    instance = {"schema_version": 0, **({"attributes": attributes} if attributes is not None else {})}
    return {"mode": "managed", "type": kind, "name": name, "provider": AWS, "instances": [instance], **extra}


VPC = resource("aws_vpc", "main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16"})
SUBNET_A = resource(
    "aws_subnet",
    "a",
    {"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24", "availability_zone": "us-west-2a"},
)


# ---------------------------------------------------------------------------------------------------- fixtures


def managed_types(path: Path) -> set[str]:
    data = json.loads(path.read_text())
    if "resources" in data:
        return {r["type"] for r in data["resources"] if r["mode"] == "managed"}
    found, modules = set(), [data["values"]["root_module"]]
    while modules:
        module = modules.pop()
        found |= {r["type"] for r in module.get("resources", []) if r["mode"] == "managed"}
        modules += module.get("child_modules", [])
    return found


@pytest.mark.parametrize("path", [SHOW, STATE], ids=["show.json", "terraform.tfstate"])
def test_the_fixtures_hold_every_resource_type_of_the_brief(path: Path) -> None:
    brief = [
        "aws_vpc",
        "aws_vpc_ipv4_cidr_block_association",
        "aws_subnet",
        "aws_route_table",
        "aws_route",
        "aws_route_table_association",
        "aws_main_route_table_association",
        "aws_default_route_table",
        "aws_internet_gateway",
        "aws_internet_gateway_attachment",
        "aws_egress_only_internet_gateway",
        "aws_nat_gateway",
        "aws_eip",
        "aws_eip_association",
        "aws_security_group",
        "aws_security_group_rule",
        "aws_vpc_security_group_ingress_rule",
        "aws_vpc_security_group_egress_rule",
        "aws_default_security_group",
        "aws_network_acl",
        "aws_network_acl_rule",
        "aws_network_acl_association",
        "aws_default_network_acl",
        "aws_network_interface",
        "aws_network_interface_attachment",
        "aws_network_interface_sg_attachment",
        "aws_instance",
        "aws_vpc_peering_connection",
        "aws_vpc_peering_connection_accepter",
        "aws_ec2_transit_gateway",
        "aws_ec2_transit_gateway_vpc_attachment",
        "aws_ec2_transit_gateway_route_table",
        "aws_ec2_transit_gateway_route",
        "aws_ec2_transit_gateway_route_table_association",
        "aws_ec2_transit_gateway_route_table_propagation",
        "aws_vpn_gateway",
        "aws_vpn_gateway_attachment",
        "aws_vpn_gateway_route_propagation",
        "aws_customer_gateway",
        "aws_vpn_connection",
        "aws_vpn_connection_route",
        "aws_vpc_endpoint",
        "aws_ec2_managed_prefix_list",
        "aws_ec2_managed_prefix_list_entry",
        "aws_lb",
        "aws_alb",
        "aws_lb_target_group",
        "aws_lb_listener",
        "aws_lb_target_group_attachment",
    ]
    assert set(brief) - managed_types(path) == set()


def test_show_json_nests_modules_two_levels_deep() -> None:
    root = json.loads(SHOW.read_text())["values"]["root_module"]
    network = next(m for m in root["child_modules"] if m["address"] == "module.network")
    assert [m["address"] for m in network["child_modules"]] == ["module.network.module.subnets"]
    assert [m["address"] for m in root["child_modules"]] == [
        "module.app",
        "module.network",
        "module.shared",
        "module.web",
    ]


def _normal(value: object) -> object:
    """A snapshot without what the loader draws itself (rule ids, MACs) and without list order."""
    if isinstance(value, dict):
        drop = {"mac_address"} | ({"id"} if {"egress", "protocol"} <= value.keys() else set())
        return {k: _normal(v) for k, v in value.items() if k not in drop}
    if isinstance(value, list):
        return sorted((_normal(v) for v in value), key=repr)
    return value


def test_both_forms_load_the_same_network() -> None:
    shown, stored = load_terraform(SHOW), load_terraform(STATE)
    assert len(shown.snapshot()) == len(stored.snapshot()) == 82  # 69 before issue 8, + 3 LBs, 5 nodes, 2 TGs...
    assert _normal(shown.snapshot()) == _normal(stored.snapshot())


def test_loading_is_deterministic() -> None:
    first, second = load_terraform(STATE), load_terraform(STATE)
    assert first.snapshot() == second.snapshot()


# ---------------------------------------------------------------------------------------------------- load report


REPORTED = {
    "show.json": [
        ("$.values.root_module.resources[13]", "unsupported-resource", "aws_s3_bucket.logs"),
        (
            "$.values.root_module.child_modules[1].resources[0]",
            "unsupported-resource",
            "module.network.data.aws_prefix_list.s3",
        ),
        (
            "$.values.root_module.child_modules[1].resources[12]",
            "unsupported-resource",
            "module.network.aws_vpc_dhcp_options.this",
        ),
    ],
    "terraform.tfstate": [
        ("$.resources[1].instances[0]", "unsupported-resource", "aws_s3_bucket.logs"),
        ("$.resources[4].instances[0]", "unsupported-resource", "module.network.aws_vpc_dhcp_options.this"),
        ("$.resources[5].instances[0]", "unsupported-resource", "module.network.data.aws_prefix_list.s3"),
    ],
}


@pytest.mark.parametrize("name", list(REPORTED))
def test_the_load_report_names_file_and_resource_path_of_what_was_not_loaded(name: str) -> None:
    net = load_terraform(DATA / name)
    report = net.load_report
    assert [(w.file, w.path, w.kind) for w in report] == [(str(DATA / name), p, k) for p, k, _ in REPORTED[name]]
    for warning, (_, _, words) in zip(report, REPORTED[name], strict=True):
        assert words in warning.message
    assert report.sources == [str(DATA / name)]
    assert report.kinds() == {"unsupported-resource": 3}  # load balancers load (issue 8), their nodes silently


def test_unsupported_types_are_named_with_their_id(show_net: vpcsim.Network) -> None:
    unsupported = show_net.load_report.of(kind="unsupported-resource")
    assert [w.resource for w in unsupported] == ["prod-flow-logs", "pl-63a5400a", rid("dopt", 1)]
    assert unsupported[0].message == "aws_s3_bucket.logs: vpcsim does not convert aws_s3_bucket resources; not loaded"
    assert "data source module.network.data.aws_prefix_list.s3 reads an existing aws_prefix_list" in (
        unsupported[1].message
    )


LB = "arn:aws:elasticloadbalancing:us-east-1:111122223333:"
WEB_ALB, INTERNAL_NLB, WEB_NLB = (
    LB + "loadbalancer/app/web/0a1b2c3d4e5f6001",
    LB + "loadbalancer/net/internal/0a1b2c3d4e5f6004",
    LB + "loadbalancer/net/web-nlb/0a1b2c3d4e5f6005",
)
APP_TG, WEB_TG = LB + "targetgroup/app/0a1b2c3d4e5f6002", LB + "targetgroup/web/0a1b2c3d4e5f6006"


def test_load_balancers_as_the_state_describes_them(net: vpcsim.Network) -> None:
    """aws_lb / aws_alb, target groups, listeners and attachments become the model's objects with their ARNs."""
    alb, internal, nlb = (net.get(arn) for arn in (WEB_ALB, INTERNAL_NLB, WEB_NLB))
    assert (alb.lb_name, alb.type, alb.scheme, alb.cross_zone) == ("web", "application", "internet-facing", True)
    assert [g.id for g in alb.security_groups] == [sg_id("alb")]
    assert [s.id for s in alb.subnets] == [subnet_id("public-a"), subnet_id("public-b")]
    assert alb.tags == {"Name": "web-alb", "Environment": "prod"}
    assert alb.dns_name == "web-1234567890.us-east-1.elb.amazonaws.com"
    assert (internal.type, internal.scheme, internal.security_groups) == ("network", "internal", None)
    assert (nlb.type, nlb.scheme, nlb.security_groups, nlb.cross_zone) == ("network", "internet-facing", None, False)
    assert [s.id for s in nlb.subnets] == [subnet_id("public-a"), subnet_id("public-b")]  # AZ order: state sets
    app, web = net.get(APP_TG), net.get(WEB_TG)
    assert (app.tg_name, app.protocol, app.port, app.target_type, app.preserve_client_ip) == (
        "app", "HTTP", 8080, "instance", None
    )  # fmt: skip
    assert app.health_check == vpcsim.HealthCheck(protocol="HTTP", port=None, path="/health", enabled=True)
    assert [(t.id, t.port) for t in app.targets] == [(rid("i", 2), 8080)]
    assert (web.protocol, web.port, web.preserve_client_ip, web.cross_zone) == ("TCP", 80, True, None)
    assert web.health_check == vpcsim.HealthCheck(protocol="TCP", port=None, path=None, enabled=True)
    assert [(t.id, t.port) for t in web.targets] == [(rid("i", 1), 80)]
    assert sorted((x.load_balancer.lb_name, x.protocol, x.port, x.target_group.tg_name) for x in net.listeners) == [
        ("web", "HTTP", 80, "app"), ("web-nlb", "TCP", 80, "web")
    ]  # fmt: skip


def test_load_balancer_nodes_are_made_as_aws_makes_them(net: vpcsim.Network) -> None:
    """A state holds no node ENIs: one per subnet, the first free address (the ALB's first: ARN order), an
    AWS-owned public IP when internet-facing or the subnet_mapping's Elastic IP; the internal NLB's mapping names
    its private address. Nothing is reported: AWS makes them."""
    alb, internal, nlb = (net.get(arn) for arn in (WEB_ALB, INTERNAL_NLB, WEB_NLB))
    assert [str(n.private_ip) for n in alb.nodes] == ["10.0.1.4", "10.0.11.4"]
    assert [str(n.private_ip) for n in nlb.nodes] == ["10.0.1.5", "10.0.11.5"]
    assert [str(n.private_ip) for n in internal.nodes] == ["10.0.2.200"]
    assert internal.nodes[0].public_ip is None
    eip = net.get(rid("eipalloc", 4))
    assert (eip.network_interface, str(nlb.nodes[0].public_ip)) == (nlb.nodes[0], "52.1.30.40")
    assert all(n.public_ip is not None and not n.elastic_ips for n in (*alb.nodes, nlb.nodes[1]))
    for lb in (alb, internal, nlb):
        kind = "net" if lb.is_network else "app"
        for node, subnet in zip(lb.nodes, lb.subnets, strict=True):
            assert node.subnet is subnet
            assert (node.requester_managed, node.description) == (True, f"ELB {kind}/{lb.lb_name}/{lb.id[-16:]}")
            assert node.security_groups == list(lb.security_groups or [])
            assert net.load_balancer_of(node) is lb
    assert not net.load_report.of(kind="dangling-reference")


def test_internet_to_nlb_to_instance(net: vpcsim.Network) -> None:
    """The issue's flow: internet -> web-nlb TCP 80 -> web (client IP preserved, web's SG allows 80 from anywhere).
    Cross-zone is off and web is in us-east-1a, so DNS answers with the public-a node only."""
    nlb = net.get(WEB_NLB)
    t = net.trace(vpcsim.INTERNET, "web-nlb", "tcp", 80)
    assert (t.disposition, t.explanation, t.connected) == ("ACCEPTED", None, True)
    assert str(t.packet.dst) == "52.1.30.40"
    assert [h.state for h in net.describe_target_health(WEB_TG)] == ["healthy"]
    assert t.hops[-1].component == rid("eni", 0xE01)  # web's primary ENI
    other = net.trace(vpcsim.INTERNET, str(nlb.nodes[1].public_ip), "tcp", 80)
    assert (other.disposition, other.explanation) == ("NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ")
    assert other.decided_by is not None
    assert (other.decided_by.component, other.decided_by.kind) == (WEB_TG, "target-group")
    alb = net.trace(vpcsim.INTERNET, WEB_ALB, "tcp", 80)  # ("web" names the instance): to app:8080
    assert (alb.disposition, alb.connected, alb.hops[-1].component) == ("ACCEPTED", True, rid("eni", 0xE02))


def test_other_providers_and_plain_data_sources_are_ignored_silently(tmp_path: Path) -> None:
    random = {
        "mode": "managed",
        "type": "random_id",
        "name": "suffix",
        "provider": 'provider["registry.terraform.io/hashicorp/random"]',
        "instances": [{"attributes": {"id": "x1", "hex": "c0ffee"}}],
    }
    kubernetes_without_attributes = {
        "mode": "managed",
        "type": "kubernetes_namespace",
        "name": "ns",
        "provider": 'provider["registry.terraform.io/hashicorp/kubernetes"]',
        "instances": [{}],
    }
    zones = resource("aws_availability_zones", "all", {"id": "us-west-2", "names": ["us-west-2a"]}, mode="data")
    net = load_terraform(
        write(tmp_path, "s.tfstate", state(VPC, SUBNET_A, random, kubernetes_without_attributes, zones))
    )
    assert [v.id for v in net.vpcs] == ["vpc-1"]
    assert len(net.load_report) == 0


def test_data_sources_of_the_vpc_family_are_reported(tmp_path: Path) -> None:
    existing = resource(
        "aws_vpc", "existing", {"id": "vpc-9", "cidr_block": "10.9.0.0/16"}, mode="data", module="module.net"
    )
    file = write(tmp_path, "s.tfstate", state(VPC, existing))
    net = load_terraform(file)
    assert "vpc-9" not in net
    (warning,) = net.load_report
    assert (warning.file, warning.path, warning.kind) == (
        str(file),
        "$.resources[1].instances[0]",
        "unsupported-resource",
    )
    assert warning.message.startswith("data source module.net.data.aws_vpc.existing reads an existing aws_vpc")


# ---------------------------------------------------------------------------------------------------- structure


def test_vpcs_keep_their_ids_cidrs_and_region(net: vpcsim.Network) -> None:
    prod, shared, legacy = (net.get(v) for v in (PROD, SHARED, LEGACY))
    assert [str(c) for c in prod.cidrs] == ["10.0.0.0/16", "10.1.0.0/16", "2600:1f18:1234:5600::/56"]
    assert [str(c) for c in shared.cidrs] == ["10.2.0.0/16"]
    assert {v.region for v in net.vpcs} == {"us-east-1"}
    assert (prod.enable_dns_support, prod.enable_dns_hostnames) == (True, True)
    assert prod.tags == {"Name": "this", "Environment": "prod"}
    assert legacy.name == "legacy"
    assert sorted(s.id for s in net.subnets if s.vpc is prod) == sorted(
        subnet_id(n) for n in ("public-a", "public-b", "app-a", "db-a", "batch-a", "tgw-a")
    )
    public_a = net.get(subnet_id("public-a"))
    assert (str(public_a.cidr_block), public_a.availability_zone, str(public_a.ipv6_cidr_block)) == (
        "10.0.1.0/24",
        "us-east-1a",
        "2600:1f18:1234:5600::/64",
    )
    assert public_a.map_public_ip_on_launch
    assert not net.get(subnet_id("db-a")).map_public_ip_on_launch


def test_every_route_table_gets_the_local_routes_of_all_vpc_cidrs(net: vpcsim.Network) -> None:
    local = [
        "10.0.0.0/16 -> local (active)",
        "10.1.0.0/16 -> local (active)",
        "2600:1f18:1234:5600::/56 -> local (active)",
    ]
    assert routes(net.get(rid("rtb", 1))) == local  # aws_default_route_table without routes
    assert routes(net.get(rid("rtb", 2)))[:3] == local
    assert all(r.origin == "CreateRouteTable" for r in net.get(rid("rtb", 3)).routes[:3])
    assert routes(net.get(rid("rtb", 0x11))) == ["10.2.0.0/16 -> local (active)"]


def test_route_tables_merge_inline_routes_route_resources_endpoints_and_propagation(net: vpcsim.Network) -> None:
    private = net.get(rid("rtb", 3))
    assert sorted(routes(private)[3:]) == sorted(
        [
            "0.0.0.0/0 -> nat-0a1b2c3d4e5f60001 (active)",
            "::/0 -> eigw-0a1b2c3d4e5f60001 (active)",
            "10.2.0.0/16 -> pcx-0a1b2c3d4e5f60001 (active)",
            "172.16.0.0/16 -> tgw-0a1b2c3d4e5f60001 (active)",  # aws_route
            "pl-63a5400a -> vpce-0a1b2c3d4e5f60001 (active)",  # the gateway endpoint's route_table_ids
            "192.168.0.0/16 -> vgw-0a1b2c3d4e5f60001 (active)",  # aws_vpn_gateway_route_propagation
            "10.250.0.0/16 -> vgw-0a1b2c3d4e5f60001 (active)",
        ]
    )
    assert private.propagating_vgws == [rid("vgw", 1)]
    assert [r.origin for r in private.routes if r.target == rid("vgw", 1)] == ["EnableVgwRoutePropagation"] * 2
    public = net.get(rid("rtb", 2))
    assert "pl-63a5400a -> vpce-0a1b2c3d4e5f60001 (active)" in routes(public)  # endpoint route table association
    assert sorted(net.vpc_endpoints[0].route_table_ids) == [rid("rtb", 2), rid("rtb", 3)]


def test_main_tables_are_kept_replaced_or_made_as_aws_does(net: vpcsim.Network) -> None:
    prod, shared, legacy = (net.get(v) for v in (PROD, SHARED, LEGACY))
    assert prod.main_route_table.id == rid("rtb", 1)
    assert shared.main_route_table.id == rid("rtb", 0x12)  # aws_main_route_table_association
    assert shared.main_route_table_association_id == rid("rtbassoc", 0x12)
    assert not net.get(rid("rtb", 0x11)).is_main  # the original default table still exists
    assert legacy.main_route_table.id == rid("rtb", 0x21)  # not in the state: made, with the aws_route on it
    assert routes(legacy.main_route_table) == [
        "172.16.0.0/16 -> local (active)",
        "10.0.0.0/8 -> tgw-0a1b2c3d4e5f60001 (active)",
    ]
    tables = {s.name: s.route_table.id for s in net.subnets}
    assert tables == {
        "public-a": rid("rtb", 2),
        "public-b": rid("rtb", 2),
        "app-a": rid("rtb", 3),
        "db-a": rid("rtb", 3),
        "batch-a": rid("rtb", 1),
        "tgw-a": rid("rtb", 1),
        "shared-a": rid("rtb", 0x12),
        "legacy-a": rid("rtb", 0x21),
    }
    assert net.get(subnet_id("app-a")).route_table_association.id == rid("rtbassoc", 0x103)


def test_a_gateway_route_table_association_is_an_edge_association(net: vpcsim.Network) -> None:
    igw = net.get(rid("igw", 2))
    assert igw.vpc is net.get(SHARED)  # aws_internet_gateway_attachment
    assert igw.edge_association.id == rid("rtbassoc", 0x13)
    assert igw.edge_association.route_table is net.get(rid("rtb", 0x13))
    assert net.get(rid("igw", 1)).vpc is net.get(PROD)


def test_security_groups_hold_each_rule_once_whatever_resource_states_it(net: vpcsim.Network) -> None:
    web, app, db, bastion = (net.get(sg_id(n)) for n in ("web", "app", "db", "bastion"))
    assert rules(web, False) == sorted(
        [
            "tcp 80-80 from 0.0.0.0/0",
            "tcp 443-443 from 0.0.0.0/0",
            "tcp 443-443 from ::/0",
            "tcp 22-22 from pl-0a1b2c3d4e5f60001",
        ]
    )
    assert rules(web, True) == ["-1 to 0.0.0.0/0"]
    assert rules(app, False) == sorted(
        [
            f"tcp 8080-8080 from {sg_id('web')}",
            f"tcp 8080-8080 from {sg_id('alb')}",
            f"tcp 9000-9000 from {sg_id('app')}",
        ]
    )  # self = true
    assert rules(app, True) == ["-1 to 0.0.0.0/0", "-1 to ::/0"]
    assert rules(db, False) == [f"tcp 5432-5432 from {sg_id('app')}"]
    assert db.egress == []  # SPEC G3 does not apply: Terraform removes the default egress rule
    assert rules(bastion, False) == ["tcp 22-22 from 44.192.10.0/24"]
    assert rules(bastion, True) == ["-1 to 0.0.0.0/0"]
    assert [r.description for r in web.ingress if r.from_port == 22] == ["ssh from corp"]
    assert rules(net.get(sg_id("batch")), False) == ["icmp -1--1 from 10.0.0.0/8", "tcp 22-22 from 10.0.0.0/16"]
    assert (web.group_name, web.vpc.id, web.is_default) == ("prod-web", PROD, False)


def test_default_security_groups_are_made_unless_terraform_manages_them(net: vpcsim.Network) -> None:
    prod_default = net.get(PROD).default_security_group
    assert (prod_default.id, prod_default.group_name, prod_default.is_default) == (
        sg_id("prod-default"),
        "default",
        True,
    )
    assert rules(prod_default, False) == [f"-1 from {sg_id('prod-default')}"]  # SPEC G3
    assert rules(prod_default, True) == ["-1 to 0.0.0.0/0", "-1 to ::/0"]
    assert rules(net.get(LEGACY).default_security_group, True) == ["-1 to 0.0.0.0/0"]  # no IPv6 in legacy
    shared_default = net.get(SHARED).default_security_group  # aws_default_security_group: exactly its rules
    assert shared_default.id == sg_id("shared-default")
    assert rules(shared_default, False) == ["tcp 22-22 from 10.0.0.0/16"]
    assert rules(shared_default, True) == ["-1 to 0.0.0.0/0"]


def test_network_acls_and_their_subnets(net: vpcsim.Network) -> None:
    db, batch = net.get(rid("acl", 2)), net.get(rid("acl", 3))
    assert entries(db) == [
        "ingress #90 allow tcp 10.0.1.0/24 ports 22-22",  # aws_network_acl_rule
        "ingress #100 allow tcp 10.0.2.0/24 ports 5432-5432",  # protocol "6"
        "egress #100 allow tcp 10.0.0.0/16 ports 1024-65535",
    ]
    assert entries(batch) == [
        "ingress #100 allow -1 10.0.0.0/8",
        "ingress #110 allow icmp 0.0.0.0/0",
        "ingress #120 deny -1 10.0.1.0/24",
        "egress #100 allow -1 0.0.0.0/0",
    ]
    assert batch.find_entry(110, egress=False).icmp_type_code == (8, -1)
    prod_default = net.get(PROD).default_network_acl
    assert (prod_default.id, prod_default.is_default) == (rid("acl", 1), True)
    assert entries(prod_default) == [
        "ingress #100 allow -1 0.0.0.0/0",
        "ingress #101 allow -1 ::/0",
        "egress #100 allow -1 0.0.0.0/0",
        "egress #101 allow -1 ::/0",
    ]
    shared_default = net.get(SHARED).default_network_acl  # aws_default_network_acl: its rules only
    assert entries(shared_default) == [
        "ingress #100 allow -1 10.0.0.0/8",
        "ingress #200 allow tcp 0.0.0.0/0 ports 1024-65535",
        "egress #100 allow -1 0.0.0.0/0",
    ]
    acls = {s.name: s.network_acl.id for s in net.subnets}
    assert acls == {
        "public-a": rid("acl", 1),
        "public-b": rid("acl", 1),
        "app-a": rid("acl", 1),
        "db-a": rid("acl", 2),
        "batch-a": rid("acl", 3),
        "tgw-a": rid("acl", 1),
        "shared-a": rid("acl", 0x11),
        "legacy-a": rid("acl", 0x21),
    }
    assert net.get(subnet_id("batch-a")).network_acl_association_id == rid("aclassoc", 3)


def test_instances_get_their_primary_enis_addresses_and_options(net: vpcsim.Network) -> None:
    web, app, bastion, tools = (net.get(rid("i", n)) for n in (1, 2, 4, 0x11))
    assert web.primary_network_interface.id == rid("eni", 0xE01)
    assert (str(web.private_ip), str(web.public_ip)) == ("10.0.1.100", "54.80.10.100")  # auto-assigned
    assert web.primary_network_interface.auto_public_ip == ipaddress.ip_address("54.80.10.100")
    assert [str(a) for a in web.primary_network_interface.ipv6_addresses] == ["2600:1f18:1234:5600::100"]
    assert [g.id for g in web.security_groups] == [sg_id("web")]
    assert (web.instance_type, web.state, web.name) == ("t3.micro", "running", "web")
    assert (app.metadata_options.http_tokens, app.metadata_options.http_put_response_hop_limit) == ("required", 2)
    assert app.public_ip is None
    assert bastion.primary_network_interface.id == rid("eni", 0xE04)  # an aws_network_interface
    assert bastion.primary_network_interface.name == "bastion-eni"
    eip = bastion.primary_network_interface.elastic_ips[ipaddress.ip_address("10.0.1.10")]
    assert (eip.id, str(eip.public_ip), eip.association_id) == (rid("eipalloc", 2), "52.1.10.10", rid("eipassoc", 2))
    assert bastion.primary_network_interface.auto_public_ip is None  # the EIP replaced it (SPEC P2)
    assert str(tools.public_ip) == "52.1.20.30"
    assert net.get(rid("eipalloc", 3)).network_interface is tools.primary_network_interface


def test_secondary_enis_attach_with_their_groups(net: vpcsim.Network) -> None:
    app = net.get(rid("i", 2))
    assert [e.id for e in app.network_interfaces] == [rid("eni", 0xE02), rid("eni", 0xE06)]
    secondary = app.network_interfaces[1]
    assert (secondary.device_index, secondary.attachment_id) == (1, rid("eni-attach", 6))
    assert [str(a) for a in secondary.private_ip_addresses] == ["10.0.2.60", "10.0.2.61"]
    assert [g.id for g in secondary.security_groups] == [sg_id("prod-default"), sg_id("app")]
    assert (secondary.source_dest_check, secondary.mac_address) == (False, "0e:11:22:33:44:06")


def test_the_nat_gateway_gets_its_requester_managed_eni_and_eip(net: vpcsim.Network) -> None:
    nat = net.get(rid("nat", 1))
    assert (nat.subnet.id, nat.connectivity, nat.state) == (subnet_id("public-a"), "public", "available")
    eni = nat.network_interface
    assert (eni.id, eni.interface_type, eni.requester_managed) == (rid("eni", 0xF01), "nat_gateway", True)
    assert (str(nat.private_ip), str(nat.public_ip)) == ("10.0.1.20", "52.1.10.20")
    assert nat.elastic_ip.id == rid("eipalloc", 1)


def test_transit_gateway_tables_associations_and_propagations(net: vpcsim.Network) -> None:
    tgw = net.get(rid("tgw", 1))
    assert (tgw.default_route_table_id, tgw.amazon_side_asn) == (rid("tgw-rtb", 1), 64512)
    prod_attachment, legacy_attachment = net.get(rid("tgw-attach", 1)), net.get(rid("tgw-attach", 2))
    assert prod_attachment.association.id == rid("tgw-rtb", 2)  # aws_ec2_transit_gateway_route_table_association
    assert legacy_attachment.association.id == rid("tgw-rtb", 1)  # the default table AWS made
    assert [s.id for s in prod_attachment.subnets] == [subnet_id("tgw-a")]
    spoke, default = net.get(rid("tgw-rtb", 2)), net.get(rid("tgw-rtb", 1))
    assert [str(r) for r in spoke.static_routes] == [
        f"172.16.0.0/16 -> {rid('tgw-attach', 2)} (static, active)",
        "172.16.99.0/24 -> blackhole (static, blackhole)",
    ]
    assert spoke.propagations == [rid("tgw-attach", 2)]
    assert sorted(default.propagations) == [rid("tgw-attach", 1), rid("tgw-attach", 2)]


def test_peering_vpn_prefix_lists_and_endpoint(net: vpcsim.Network) -> None:
    (pcx,) = net.vpc_peering_connections
    assert (pcx.id, pcx.requester_vpc.id, pcx.accepter_vpc.id, pcx.status) == (rid("pcx", 1), PROD, SHARED, "active")
    (vpn,) = net.vpn_connections
    assert [str(c) for c in vpn.routes] == ["192.168.0.0/16", "10.250.0.0/16"]
    assert (vpn.customer_gateway.id, str(vpn.customer_gateway.ip_address), vpn.customer_gateway.bgp_asn) == (
        rid("cgw", 1),
        "44.192.10.1",
        65010,
    )
    assert net.get(rid("vgw", 1)).vpc is net.get(PROD)  # aws_vpn_gateway_attachment
    corp = net.get(rid("pl", 1))
    assert {str(c): d for c, d in corp.entries.items()} == {"44.192.10.0/24": "office", "44.193.0.0/16": "partner"}
    assert (corp.prefix_list_name, corp.max_entries) == ("corp", 5)
    s3 = net.get("pl-63a5400a")
    assert (s3.prefix_list_name, [str(c) for c in s3.cidrs]) == (
        "com.amazonaws.us-east-1.s3",
        ["52.216.0.0/15", "3.5.0.0/19"],
    )
    (endpoint,) = net.vpc_endpoints
    assert (endpoint.id, endpoint.prefix_list_id, endpoint.vpc.id) == (rid("vpce", 1), "pl-63a5400a", PROD)


# ---------------------------------------------------------------------------------------------------- verdicts


FLOWS = [
    # src, dst, protocol, port, ip_version, disposition, explanation, deciding component
    ("app", "db", "tcp", 5432, None, "ACCEPTED", None, None),
    ("web", "db", "tcp", 5432, None, "DENIED_IN", "SUBNET_ACL_RESTRICTION", rid("acl", 2)),  # N1: no rule matches
    ("bastion", "db", "tcp", 22, None, "DENIED_IN", "ENI_SG_RULES_MISMATCH", sg_id("db")),  # NACL 90 allows
    ("db", "tools", "tcp", 22, None, "DENIED_OUT", "ENI_SG_RULES_MISMATCH", sg_id("db")),  # no egress rule at all
    ("app", "tools", "tcp", 22, None, "ACCEPTED", None, None),  # peering, routes on both sides (I5)
    ("batch", "tools", "tcp", 22, None, "NO_ROUTE", "NO_ROUTE_TO_DESTINATION", rid("rtb", 1)),
    ("app", "batch", "tcp", 22, None, "ACCEPTED", None, None),  # local route of the secondary CIDR (R4)
    ("web", "batch", "tcp", 22, None, "ACCEPTED", None, None),  # NACL rule 100 allows before 120 denies (N1)
    ("bastion", "batch", "icmp", None, None, "ACCEPTED", None, None),
    ("app", "legacy", "tcp", 443, None, "ACCEPTED", None, None),  # TGW: spoke table there, default table back
    ("legacy", "app", "tcp", 443, None, "DENIED_IN", "ENI_SG_RULES_MISMATCH", sg_id("app")),
    ("app", "172.16.99.5", "tcp", 443, None, "NULL_ROUTED", "BAD_STATE_ROUTE", rid("tgw-rtb", 2)),
    ("app", "8.8.8.8", "tcp", 443, None, "EXITS_NETWORK", None, None),  # through the NAT gateway (I4)
    ("db", "8.8.8.8", "tcp", 443, None, "DENIED_OUT", "ENI_SG_RULES_MISMATCH", sg_id("db")),
    ("8.8.8.8", "web", "tcp", 80, None, "ACCEPTED", None, None),  # auto-assigned public IP (I2)
    ("8.8.8.8", "54.80.10.100", "tcp", 443, None, "ACCEPTED", None, None),
    ("8.8.8.8", "web", "tcp", 22, None, "DENIED_IN", "ENI_SG_RULES_MISMATCH", sg_id("web")),
    ("44.193.1.1", "web", "tcp", 22, None, "ACCEPTED", None, None),  # prefix list entry resource
    ("44.192.10.5", "52.1.10.10", "tcp", 22, None, "ACCEPTED", None, None),  # EIP association
    ("8.8.8.8", "bastion", "tcp", 22, None, "DENIED_IN", "ENI_SG_RULES_MISMATCH", sg_id("bastion")),
    ("8.8.8.8", "tools", "tcp", 22, None, "DENIED_IN", "SUBNET_ACL_RESTRICTION", rid("acl", 0x11)),
    ("8.8.8.8", "52.1.10.20", "tcp", 22, None, "DENIED_IN", "NGW_UNSOLICITED_INBOUND", rid("nat", 1)),
    ("tools", "8.8.8.8", "tcp", 443, None, "EXITS_NETWORK", None, None),  # its main table is the custom one
    ("app", "192.168.1.10", "tcp", 22, None, "EXITS_NETWORK", None, None),  # VGW route propagation
    ("app", "10.250.1.1", "tcp", 22, None, "EXITS_NETWORK", None, None),
    ("web", "52.216.1.1", "tcp", 443, None, "EXITS_NETWORK", None, None),  # S3 gateway endpoint
    ("web", "2001:4860:4860::8888", "tcp", 443, None, "DENIED_OUT", "ENI_SG_RULES_MISMATCH", sg_id("web")),
    ("app", "2001:4860:4860::8888", "tcp", 443, None, "EXITS_NETWORK", None, None),  # egress-only IGW
    ("web", "app", "tcp", 8080, None, "ACCEPTED", None, None),
    ("web", "app", "tcp", 8080, 6, "DENIED_OUT", "ENI_SG_RULES_MISMATCH", sg_id("web")),  # IPv4-only egress
    ("app", "10.0.2.60", "tcp", 9000, None, "ACCEPTED", None, None),  # self rule, sg attachment
    ("batch", "10.0.2.60", "tcp", 9000, None, "DENIED_IN", "ENI_SG_RULES_MISMATCH", None),
]


@pytest.mark.parametrize(
    ("src", "dst", "protocol", "port", "ip_version", "disposition", "explanation", "component"),
    FLOWS,
    ids=[f"{f[0]}->{f[1]}:{f[3] or f[2]}{'v6' if f[4] else ''}" for f in FLOWS],
)
def test_verdicts_are_aws_verdicts(
    net: vpcsim.Network,
    src: str,
    dst: str,
    protocol: str,
    port: int | None,
    ip_version: int | None,
    disposition: str,
    explanation: str | None,
    component: str | None,
) -> None:
    trace = net.trace(src, dst, protocol, port, ip_version=ip_version)
    assert (trace.disposition, trace.explanation) == (vpcsim.Disposition(disposition), explanation)
    assert trace.connected == (disposition in ("ACCEPTED", "EXITS_NETWORK"))
    if component is not None:
        assert trace.decided_by.component == component
    assert net.reachable(src, dst, protocol, port, ip_version=ip_version) == trace.connected


def test_the_transit_gateway_path_is_the_one_terraform_configured(show_net: vpcsim.Network) -> None:
    trace = show_net.trace("app", "legacy", "tcp", 443)

    def routing(t: vpcsim.Trace) -> list[str]:
        return [c for c in t.components if c.startswith(("rtb-", "tgw-"))]

    assert routing(trace) == [
        rid("rtb", 3),
        rid("tgw-attach", 1),
        rid("tgw-rtb", 2),
        rid("tgw-attach", 2),
        rid("rtb", 0x21),
    ]
    assert routing(trace.reply) == [
        rid("rtb", 0x21),
        rid("tgw-attach", 2),
        rid("tgw-rtb", 1),  # the default table
        rid("tgw-attach", 1),
        rid("rtb", 1),
    ]


# ---------------------------------------------------------------------------------------------------- other inputs


def test_planned_values_load_like_values(tmp_path: Path) -> None:
    plan = json.loads(SHOW.read_text())
    plan["planned_values"] = plan.pop("values")
    net = load_terraform(write(tmp_path, "plan.json", plan))
    assert _normal(net.snapshot()) == _normal(load_terraform(SHOW).snapshot())
    assert net.load_report.warnings[0].path == "$.planned_values.root_module.resources[13]"


def test_an_empty_state_is_an_empty_network(tmp_path: Path) -> None:
    for name, data in (("show.json", {"format_version": "1.0"}), ("e.tfstate", state())):
        net = load_terraform(write(tmp_path, name, data))
        assert (len(net), len(net.load_report)) == (0, 0)


def test_the_region_comes_from_arns_zones_or_the_provider(tmp_path: Path) -> None:
    europe = resource(
        "aws_vpc",
        "eu",
        {
            "id": "vpc-eu",
            "cidr_block": "10.9.0.0/16",
            "owner_id": "222233334444",
            "arn": "arn:aws:ec2:eu-west-1:222233334444:vpc/vpc-eu",
        },
    )
    peering = resource(
        "aws_vpc_peering_connection",
        "p",
        {
            "id": "pcx-1",
            "vpc_id": "vpc-1",
            "peer_vpc_id": "vpc-eu",
            "peer_region": "eu-west-1",
            "accept_status": "active",
        },
    )
    net = load_terraform(write(tmp_path, "two.tfstate", state(VPC, SUBNET_A, europe, peering)))
    assert {v.id: v.region for v in net.vpcs} == {"vpc-1": "us-west-2", "vpc-eu": "eu-west-1"}
    assert net.vpc_peering_connections[0].status == "active"
    assert len(net.load_report) == 0

    shown = {
        "format_version": "1.0",
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": "registry.terraform.io/hashicorp/aws",
                    "expressions": {"region": {"constant_value": "ap-south-1"}},
                }
            }
        },
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_vpc.main",
                        "mode": "managed",
                        "type": "aws_vpc",
                        "name": "main",
                        "provider_name": "registry.terraform.io/hashicorp/aws",
                        "values": VPC["instances"][0]["attributes"],
                    }
                ]
            }
        },
    }
    assert load_terraform(write(tmp_path, "plan.json", shown)).vpcs[0].region == "ap-south-1"


def test_warnings_of_a_second_region_point_into_the_state_file(tmp_path: Path) -> None:
    europe = resource(
        "aws_vpc",
        "eu",
        {"id": "vpc-eu", "cidr_block": "10.9.0.0/16", "arn": "arn:aws:ec2:eu-west-1:222233334444:vpc/vpc-eu"},
    )
    dangling = resource(
        "aws_subnet",
        "lost",
        {"id": "subnet-x", "vpc_id": "vpc-gone", "cidr_block": "10.9.1.0/24", "availability_zone": "eu-west-1b"},
    )
    file = write(tmp_path, "s.tfstate", state(VPC, SUBNET_A, europe, dangling))
    (warning,) = load_terraform(file).load_report
    assert (warning.file, warning.path, warning.kind) == (
        str(file),
        "$.resources[3].instances[0]",
        "dangling-reference",
    )
    assert warning.message.endswith("(converted to describe-* $.Subnets[0].VpcId)")


def test_what_the_builder_derives_is_reported_at_the_terraform_resource(tmp_path: Path) -> None:
    gone = resource(
        "aws_route",
        "r",
        {
            "id": "r-1",
            "route_table_id": "rtb-m",
            "destination_cidr_block": "0.0.0.0/0",
            "gateway_id": "igw-gone",
            "state": "active",
        },
    )
    vpc = resource("aws_vpc", "main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "main_route_table_id": "rtb-m"})
    file = write(tmp_path, "s.tfstate", state(vpc, SUBNET_A, gone))
    net = load_terraform(file)
    assert routes(net.get("rtb-m")) == ["10.0.0.0/16 -> local (active)", "0.0.0.0/0 -> igw-gone (blackhole)"]  # R6
    (warning,) = net.load_report
    assert (warning.file, warning.path, warning.kind, warning.resource) == (
        str(file),
        "$.resources[2].instances[0]",
        "derived",
        "rtb-m",
    )


def test_references_to_resources_outside_the_state_are_reported(tmp_path: Path) -> None:
    rule = resource(
        "aws_security_group_rule",
        "x",
        {
            "id": "sgrule-1",
            "type": "ingress",
            "security_group_id": "sg-9",
            "protocol": "tcp",
            "from_port": 1,
            "to_port": 2,
            "cidr_blocks": ["10.0.0.0/8"],
        },
    )
    association = resource(
        "aws_network_acl_association", "a", {"id": "aclassoc-1", "network_acl_id": "acl-1", "subnet_id": "subnet-1"}
    )
    acl = resource("aws_network_acl", "n", {"id": "acl-2", "vpc_id": "vpc-1", "subnet_ids": ["subnet-1", "subnet-9"]})
    file = write(tmp_path, "s.tfstate", state(VPC, SUBNET_A, rule, association, acl))
    net = load_terraform(file)
    assert net.get("subnet-1").network_acl.id == "acl-2"
    assert [(w.path, w.kind, w.resource) for w in net.load_report] == [
        ("$.resources[2].instances[0]", "dangling-reference", "sg-9"),
        ("$.resources[3].instances[0]", "dangling-reference", "acl-1"),
        ("$.resources[4].instances[0]", "dangling-reference", "acl-2"),  # its subnet-9 is not in the state
    ]


# ---------------------------------------------------------------------------------------------------- malformed


def _mutated(source: Path, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    data = copy.deepcopy(json.loads(source.read_text()))
    change(data)
    return data


def _subnet_in_nested_module(data: dict[str, Any]) -> dict[str, Any]:
    module = data["values"]["root_module"]["child_modules"][1]["child_modules"][0]
    return module["resources"][8]["values"]  # module.network.module.subnets.aws_subnet.this["app-a"]


MALFORMED = [
    ("missing/terraform.tfstate", None, "$", "cannot read: No such file or directory"),
    (
        "not-json.json",
        '{"version": 4,',
        "$",
        "not JSON: Expecting property name enclosed in double quotes at line 1 column 15",
    ),
    ("list.json", [], "$", "expected a Terraform state or `terraform show -json` object, got list"),
    (
        "other.json",
        {"Vpcs": []},
        "$",
        "neither a Terraform state (no 'version') nor `terraform show -json` output (no 'format_version')",
    ),
    (
        "old.tfstate",
        {"version": 3, "modules": []},
        "$.version",
        "state version 3 is not supported: vpcsim reads version 4 (Terraform 0.12+)",
    ),
    (
        "flat.tfstate",
        state(VPC, resource("aws_vpc", "old", None) | {"instances": [{"attributes_flat": {"id": "v"}}]}),
        "$.resources[1].instances[0].attributes_flat",
        "flatmap attributes (a Terraform 0.11 state) are not supported",
    ),
    (
        "noattrs.tfstate",
        state(VPC, resource("aws_subnet", "b", None)),
        "$.resources[1].instances[0].attributes",
        "missing: aws_subnet.b has no attributes",
    ),
    (
        "noid.tfstate",
        state(resource("aws_vpc", "v", {"cidr_block": "10.0.0.0/16"})),
        "$.resources[0].instances[0].attributes.id",
        "missing (a plan's planned_values know no id before apply: load the state)",
    ),
]


@pytest.mark.parametrize(("name", "data", "path", "message"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_input_names_file_and_json_path(
    tmp_path: Path, name: str, data: object, path: str, message: str
) -> None:
    file = write(tmp_path, name, data)
    with pytest.raises(vpcsim.ImportFormatError) as raised:
        load_terraform(file)
    assert (raised.value.file, raised.value.path, raised.value.message) == (str(file), path, message)
    assert str(raised.value) == f"{file}: {path}: {message}"
    assert isinstance(raised.value, ValueError)


BAD_VALUES = [
    # fixture, change, JSON path, message
    (
        STATE,
        lambda d: d["resources"][21]["instances"][2]["attributes"].update(cidr_block="10.0.2/24"),
        "$.resources[21].instances[2].attributes.cidr_block",
        "'10.0.2/24' is not an IPv4 CIDR block",
    ),
    (
        SHOW,
        lambda d: _subnet_in_nested_module(d).update(cidr_block="10.0.300.0/24"),
        "$.values.root_module.child_modules[1].child_modules[0].resources[8].values.cidr_block",
        "'10.0.300.0/24' is not an IPv4 CIDR block",
    ),
    (
        STATE,
        lambda d: d["resources"][16]["instances"][0]["attributes"]["route"][0].update(cidr_block="0.0.0.0/33"),
        "$.resources[16].instances[0].attributes.route[0].cidr_block",
        "'0.0.0.0/33' is not an IPv4 CIDR block",
    ),
    (
        STATE,
        lambda d: d["resources"][23]["instances"][0]["attributes"]["ingress"][0].update(protocol="tcpp"),
        "$.resources[23].instances[0].attributes.ingress[0].protocol",
        "'tcpp' is not a protocol name or number",
    ),
    (
        STATE,
        lambda d: d["resources"][23]["instances"][0]["attributes"]["egress"][0].update(action="permit"),
        "$.resources[23].instances[0].attributes.egress[0].action",
        "'permit' is not allow or deny",
    ),
    (
        STATE,
        lambda d: d["resources"][38]["instances"][0]["attributes"].update(private_ip="10.0.1.1000"),
        "$.resources[38].instances[0].attributes.private_ip",
        "'10.0.1.1000' is not an IPv4 address",
    ),
    (
        STATE,
        lambda d: d["resources"][38]["instances"][0]["attributes"].update(private_ip="10.0.9.9"),
        "$.resources[38].instances[0]",
        "10.0.9.9 is outside subnet-0a1b2c3d4e5f60101 (10.0.1.0/24)"
        " (converted to describe-* $.NetworkInterfaces[2].PrivateIpAddress)",
    ),
    (
        STATE,
        lambda d: d["resources"][17]["instances"][0]["attributes"].update(transit_gateway_id=""),
        "$.resources[17].instances[0]",
        "a route needs exactly one target, got none (converted to describe-* $.RouteTables[1].Routes[6])",
    ),
]


@pytest.mark.parametrize(("source", "change", "path", "message"), BAD_VALUES)
def test_a_bad_value_names_the_terraform_attribute(
    tmp_path: Path, source: Path, change: Callable[[dict[str, Any]], None], path: str, message: str
) -> None:
    file = write(tmp_path, source.name, _mutated(source, change))
    with pytest.raises(vpcsim.ImportFormatError) as raised:
        load_terraform(file)
    assert (raised.value.file, raised.value.path, raised.value.message) == (str(file), path, message)


def test_a_primary_eni_resource_without_a_network_interface_block_is_attached(tmp_path: Path) -> None:
    eni = resource(
        "aws_network_interface",
        "p",
        {
            "id": "eni-p",
            "subnet_id": "subnet-1",
            "private_ip": "10.0.1.10",
            "security_groups": ["sg-d"],
            "source_dest_check": False,
        },
    )
    instance = resource(
        "aws_instance",
        "i",
        {
            "id": "i-1",
            "subnet_id": "subnet-1",
            "private_ip": "10.0.1.10",
            "primary_network_interface_id": "eni-p",
            "instance_type": "t3.micro",
            "iam_instance_profile": "web-app",
        },
    )
    bare = resource("aws_instance", "bare", {"id": "i-2", "subnet_id": "subnet-1", "private_ip": "10.0.1.20"})
    default_sg = resource("aws_default_security_group", "d", {"id": "sg-d", "ingress": [], "egress": []})
    vpc = resource(
        "aws_vpc", "main", {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "default_security_group_id": "sg-d"}
    )
    net = load_terraform(write(tmp_path, "s.tfstate", state(vpc, SUBNET_A, default_sg, eni, instance, bare)))
    first, second = net.get("i-1"), net.get("i-2")
    assert first.primary_network_interface is net.get("eni-p")
    assert first.primary_network_interface.source_dest_check is False
    assert (first.iam_role, second.iam_role) == ("web-app", None)  # IMDS serves the profile's credentials (M3)
    assert [str(a) for a in second.primary_network_interface.private_ip_addresses] == ["10.0.1.20"]
    assert [g.id for g in second.security_groups] == ["sg-d"]  # launched without groups: the VPC's default
    assert second.primary_network_interface.id.startswith("eni-0")  # AWS has one; the state did not name it
    assert net.get("sg-d").vpc.id == "vpc-1"  # aws_default_security_group before refresh: no vpc_id yet
    assert net.get("vpc-1").default_security_group is net.get("sg-d")
    assert (net.get("sg-d").ingress, net.get("sg-d").egress) == ([], [])  # Terraform removed AWS's default rules
    assert len(net.load_report) == 0


def test_ipv6_cidrs_do_not_propagate_from_an_attachment_without_ipv6_support(net: vpcsim.Network) -> None:
    # aws_ec2_transit_gateway_vpc_attachment.prod has ipv6_support = "disable": AWS propagates its IPv4 CIDRs only.
    default = net.get(rid("tgw-rtb", 1))
    assert [str(r.destination) for r in default.routes if r.attachment_id == rid("tgw-attach", 1)] == [
        "10.0.0.0/16",
        "10.1.0.0/16",
    ]


def test_a_tgw_route_to_an_attachment_of_another_state_is_reported(tmp_path: Path) -> None:
    tgw = resource("aws_ec2_transit_gateway", "t", {"id": "tgw-1", "association_default_route_table_id": "tgw-rtb-1"})
    route = resource(
        "aws_ec2_transit_gateway_route",
        "r",
        {
            "id": "tgw-rtb-1_10.9.0.0/16",
            "blackhole": False,
            "transit_gateway_route_table_id": "tgw-rtb-1",
            "destination_cidr_block": "10.9.0.0/16",
            "transit_gateway_attachment_id": "tgw-attach-9",
        },
    )
    file = write(tmp_path, "s.tfstate", state(tgw, route))
    net = load_terraform(file)
    assert [str(r) for r in net.get("tgw-rtb-1").routes] == ["10.9.0.0/16 -> tgw-attach-9 (static, blackhole)"]
    assert [(w.path, w.kind) for w in net.load_report] == [("$.resources[1].instances[0]", "dangling-reference")]


def test_an_instance_in_a_subnet_of_another_state_is_reported_once(tmp_path: Path) -> None:
    instance = resource(
        "aws_instance",
        "i",
        {"id": "i-1", "subnet_id": "subnet-9", "private_ip": "10.0.9.5", "primary_network_interface_id": "eni-1"},
    )
    net = load_terraform(write(tmp_path, "s.tfstate", state(VPC, SUBNET_A, instance)))
    assert "i-1" not in net
    assert [(w.path, w.kind) for w in net.load_report] == [
        ("$.resources[2].instances[0]", "dangling-reference"),  # the ENI's subnet
        ("$.resources[2].instances[0]", "partial"),  # so the instance has no ENI
    ]
