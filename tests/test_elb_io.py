"""Load balancers through import and export (issue 8): describe-* JSON, Terraform state, and back.

One network (``vpcsim.examples.private_api_behind_nlb``: an internet-facing NLB in front of instances in two AZs) is
built with vpcsim's operations, exported with ``to_aws`` and loaded back, and written as the Terraform state that
would have built it; each loaded copy must answer like the built one, the internet -> NLB -> instance flow first.
The hand-written export tests/data/handwritten/aws-elb.json (see its README) holds the shapes of a real account: node
ENIs as AWS lists them, nodes missing from the export, attributes, listener rules, weighted and authenticated
forwards, unsupported load balancer and target types, and a reported health vpcsim does not agree with. Malformed
shapes raise ImportFormatError naming the file and the JSON path. (from_boto3 is tested in tests/test_live.py.)
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import vpcsim
from vpcsim import INTERNET, FlowBatch, ImportFormatError, Network
from vpcsim.examples import private_api_behind_nlb
from vpcsim.io.terraform import load_terraform
from vpcsim.testing import one_hop

HANDWRITTEN = Path(__file__).parent / "data" / "handwritten"
ELB = HANDWRITTEN / "aws-elb.json"
ARN = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:"
NLB, ALB, INNER = (
    ARN + "loadbalancer/net/api/50dc6c495c0c91a1",
    ARN + "loadbalancer/app/web/50dc6c495c0c91a2",
    ARN + "loadbalancer/net/inner/50dc6c495c0c91a3",
)
TG_API, TG_IP, TG_WEB = (
    ARN + "targetgroup/api/73e2d6bc24d8a0a1",
    ARN + "targetgroup/api-ip/73e2d6bc24d8a0a2",
    ARN + "targetgroup/web/73e2d6bc24d8a0a3",
)


# ============================================================================ one network, built, exported, Terraform


def terraform_state(net: Network) -> dict[str, Any]:
    """The raw state (version 4) Terraform would hold for ``private_api_behind_nlb()``: its ids, addresses and ARNs,
    resource by resource (VPC, subnets, IGW, route tables and associations, SG, EIPs, NAT gateways, instances, the
    NLB, its target group, listener and attachments). No node ENI: a state never lists them."""
    resources: list[dict[str, Any]] = []

    def add(kind: str, name: str, attributes: dict[str, Any]) -> None:
        resources.append({
            "mode": "managed", "type": kind, "name": name,
            "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
            "instances": [{"schema_version": 0, "attributes": attributes}],
        })  # fmt: skip

    (vpc,) = net.vpcs
    add("aws_vpc", "api", {
        "id": vpc.id, "cidr_block": str(vpc.cidr_block), "tags": vpc.tags,
        "main_route_table_id": vpc.main_route_table.id, "default_network_acl_id": vpc.default_network_acl.id,
        "default_security_group_id": vpc.default_security_group.id,
    })  # fmt: skip
    for subnet in net.subnets:
        add("aws_subnet", subnet.name or subnet.id, {
            "id": subnet.id, "vpc_id": vpc.id, "cidr_block": str(subnet.cidr_block),
            "availability_zone": subnet.availability_zone, "tags": subnet.tags,
        })  # fmt: skip
    (igw,) = net.internet_gateways
    add("aws_internet_gateway", "api", {"id": igw.id, "vpc_id": vpc.id, "tags": igw.tags})
    keys = {"internet-gateway": "gateway_id", "nat-gateway": "nat_gateway_id"}
    for table in net.route_tables:
        if table.is_main:
            continue
        routes = [{"cidr_block": str(r.destination), keys[r.target_kind]: r.target} for r in table.routes
                  if r.target != "local"]  # fmt: skip
        add("aws_route_table", table.name or table.id, {"id": table.id, "vpc_id": vpc.id, "route": routes,
                                                        "tags": table.tags})  # fmt: skip
        for subnet in net.route_table_associations(table):
            assert subnet.route_table_association is not None
            add("aws_route_table_association", subnet.id, {
                "id": subnet.route_table_association.id, "subnet_id": subnet.id, "route_table_id": table.id,
            })  # fmt: skip
    for group in net.security_groups:
        if group.is_default:
            continue
        ingress = [{"protocol": "tcp", "from_port": r.from_port, "to_port": r.to_port,
                    "cidr_blocks": [str(r.cidr)]} for r in group.ingress]  # fmt: skip
        add("aws_security_group", group.group_name, {
            "id": group.id, "vpc_id": vpc.id, "name": group.group_name, "description": group.description,
            "ingress": ingress, "egress": [{"protocol": "-1", "from_port": 0, "to_port": 0,
                                            "cidr_blocks": ["0.0.0.0/0"]}],
        })  # fmt: skip
    for nat in net.nat_gateways:
        assert nat.elastic_ip is not None
        assert nat.network_interface is not None
        add(
            "aws_eip",
            nat.elastic_ip.id,
            {
                "id": nat.elastic_ip.id,
                "allocation_id": nat.elastic_ip.id,
                "public_ip": str(nat.elastic_ip.public_ip),
                "tags": nat.elastic_ip.tags,
            },
        )
        add("aws_nat_gateway", nat.name or nat.id, {
            "id": nat.id, "subnet_id": nat.subnet.id, "allocation_id": nat.elastic_ip.id,
            "network_interface_id": nat.network_interface.id, "private_ip": str(nat.network_interface.private_ip),
            "public_ip": str(nat.elastic_ip.public_ip), "association_id": nat.elastic_ip.association_id,
            "tags": nat.tags,
        })  # fmt: skip
    for instance in net.instances:
        add("aws_instance", instance.name or instance.id, {
            "id": instance.id, "instance_type": instance.instance_type, "subnet_id": instance.subnet.id,
            "availability_zone": instance.availability_zone, "private_ip": str(instance.private_ip),
            "vpc_security_group_ids": [g.id for g in instance.security_groups],
            "primary_network_interface_id": instance.primary_network_interface.id, "instance_state": "running",
            "tags": instance.tags,
        })  # fmt: skip
    (lb,) = net.load_balancers
    add("aws_lb", lb.lb_name, {
        "id": lb.id, "arn": lb.id, "name": lb.lb_name, "load_balancer_type": lb.type,
        "internal": lb.scheme == "internal", "security_groups": [], "subnets": [s.id for s in lb.subnets],
        "vpc_id": vpc.id, "dns_name": lb.dns_name, "enable_cross_zone_load_balancing": lb.cross_zone,
    })  # fmt: skip
    (group,) = net.target_groups
    add("aws_lb_target_group", group.tg_name, {
        "id": group.id, "arn": group.id, "name": group.tg_name, "port": group.port, "protocol": group.protocol,
        "target_type": group.target_type, "vpc_id": vpc.id, "preserve_client_ip": "",
        "load_balancing_cross_zone_enabled": "use_load_balancer_configuration",
        "health_check": [{"enabled": True, "protocol": group.health_check.protocol, "port": "traffic-port",
                          "path": ""}],
    })  # fmt: skip
    (listener,) = net.listeners
    add("aws_lb_listener", "tls", {
        "id": listener.id, "arn": listener.id, "load_balancer_arn": lb.id, "port": listener.port,
        "protocol": listener.protocol,
        "default_action": [{"type": "forward", "target_group_arn": group.id, "order": 1, "forward": []}],
    })  # fmt: skip
    for target in group.targets:
        add("aws_lb_target_group_attachment", target.id, {
            "id": f"{group.id}-{target.id}", "target_group_arn": group.id, "target_id": target.id,
            "port": target.port, "availability_zone": "",
        })  # fmt: skip
    return {"version": 4, "terraform_version": "1.11.4", "resources": resources}


@pytest.fixture(scope="module")
def built() -> Network:
    return private_api_behind_nlb()


@pytest.fixture(scope="module")
def exported(built: Network) -> Network:
    return vpcsim.load_aws(json.loads(json.dumps(built.to_aws())))


@pytest.fixture(scope="module")
def from_terraform(built: Network, tmp_path_factory: pytest.TempPathFactory) -> Network:
    path = tmp_path_factory.mktemp("tf") / "terraform.tfstate"
    path.write_text(json.dumps(terraform_state(built)))
    return load_terraform(path)


@pytest.fixture(params=["built", "exported", "from_terraform"])
def copy_of(request: pytest.FixtureRequest) -> Network:
    """The example as built, as load_aws(to_aws()) reads it back, and as load_terraform reads its state."""
    net: Network = request.getfixturevalue(request.param)
    return net


def named(net: Network, name: str) -> str:
    (found,) = [r.id for r in net if r.name == name]
    return found


def node_names(net: Network) -> dict[str, str]:
    """Node ENI id -> ``<lb name> node <az>``: ids of made nodes differ between the copies, their roles do not."""
    return {n.id: f"{lb.lb_name} node {n.availability_zone}" for lb in net.load_balancers for n in lb.nodes}


FLOWS = [
    (INTERNET, "api-nlb", "tcp", 443), (INTERNET, "api-nlb", "tcp", 8443), (INTERNET, "api-nlb", "udp", 443),
    (INTERNET, "api-a", "tcp", 8443), ("api-a", "api-nlb", "tcp", 443), ("api-b", "api-nlb", "tcp", 443),
    ("api-a", "10.0.0.5", "tcp", 443), ("api-a", "10.0.1.5", "tcp", 443),  # the nodes' private addresses
    ("api-a", "api-b", "tcp", 8443), ("api-a", INTERNET, "tcp", 443), ("api-b", INTERNET, "tcp", 443),
]  # fmt: skip


def answers(net: Network) -> list[tuple[object, ...]]:
    """Each flow's request and reply verdicts by evaluate(), with node ids named by role."""
    names = node_names(net)
    batch = FlowBatch.from_arrays([f[0] for f in FLOWS], [f[1] for f in FLOWS], [f[2] for f in FLOWS],
                                  [f[3] for f in FLOWS])  # fmt: skip
    frame = net.evaluate(batch).frame()
    columns = ["disposition", "explanation", "component", "kind", "rule", "reply_disposition", "connected"]
    return [tuple(names.get(str(v), str(v)) for v in row) for row in frame[columns].itertuples(index=False)]


def test_internet_to_nlb_to_instance_connects_in_every_copy(copy_of: Network) -> None:
    """The issue's flow: the client's IP is preserved (instance targets, L1) and the reply leaves through the node."""
    t = copy_of.trace(INTERNET, "api-nlb", "tcp", 443)
    assert (t.disposition, t.explanation, t.connected) == ("ACCEPTED", None, True)
    (lb,) = copy_of.load_balancers
    assert one_hop(t, "load-balancer-listener").rule == "TCP:443"
    assert one_hop(t, "target-group").rule == named(copy_of, "api-a")  # the us-east-1a node's own target
    translate = one_hop(t, "load-balancer", action="translate")
    assert translate.packet is not None
    assert translate.packet.src == t.packet.src  # preserved
    assert t.reply is not None
    assert t.reply.hops[-1].packet is not None
    assert t.reply.hops[-1].packet.src == lb.nodes[0].public_ip


def test_every_copy_answers_as_built(built: Network, exported: Network, from_terraform: Network) -> None:
    expected = answers(built)
    assert answers(exported) == expected
    assert answers(from_terraform) == expected
    assert [f for f, a in zip(FLOWS, expected, strict=True) if a[-1] == "True"] == [
        (INTERNET, "api-nlb", "tcp", 443), ("api-a", "api-nlb", "tcp", 443), ("api-b", "api-nlb", "tcp", 443),
        ("api-a", "10.0.1.5", "tcp", 443), ("api-a", "api-b", "tcp", 8443), ("api-a", INTERNET, "tcp", 443),
        ("api-b", INTERNET, "tcp", 443),
    ]  # fmt: skip
    # api-a through the us-east-1a node reaches itself (cross-zone off): dropped with preservation (L1 hairpin);
    # by name, DNS also gives the us-east-1b node, which connects
    hairpin = expected[FLOWS.index(("api-a", "10.0.0.5", "tcp", 443))]
    assert hairpin[:2] == ("DENIED_IN", "ELBV2_SOURCE_ADDRESS_PRESERVATION")
    refused = expected[FLOWS.index((INTERNET, "api-nlb", "tcp", 8443))]
    assert refused[:4] == ("DENIED_IN", "ELB_LISTENER_PORT_RESTRICTION", built.load_balancers[0].id,
                           "load-balancer-listener")  # fmt: skip


def test_health_and_faults_in_every_copy(copy_of: Network) -> None:
    """Health is computed (L2) on a loaded network as on a built one, and what-if failures work on it."""
    group = copy_of.target_groups[0]
    assert [(h.target.id, h.state) for h in copy_of.describe_target_health(group)] == sorted(
        (named(copy_of, name), "healthy") for name in ("api-a", "api-b")
    )
    with copy_of.what_if() as alt:
        alt.fail_az("us-east-1a")
        assert alt.reachable(INTERNET, "api-nlb", "tcp", 443)  # through the us-east-1b node
        assert alt.reachable("api-b", INTERNET, "tcp", 443)
        t = alt.trace(INTERNET, str(copy_of.load_balancers[0].nodes[0].public_ip), "tcp", 443)
        assert (t.disposition, t.explanation) == ("DENIED_IN", "BAD_STATE")


def test_terraform_makes_the_nodes_as_the_operations_did(built: Network, from_terraform: Network) -> None:
    """No node in the state: each is made in its subnet at the first free address, as create_load_balancer did;
    the ARNs, names, DNS name and settings are the state's."""
    (made,), (original,) = from_terraform.load_balancers, built.load_balancers
    assert [str(n.private_ip) for n in made.nodes] == [str(n.private_ip) for n in original.nodes]
    assert [n.description for n in made.nodes] == [n.description for n in original.nodes]
    assert [n.interface_type for n in made.nodes] == ["network_load_balancer"] * 2
    assert all(n.public_ip is not None for n in made.nodes)  # internet-facing: AWS-owned addresses
    assert (made.id, made.dns_name, made.security_groups, made.cross_zone) == (
        original.id, original.dns_name, None, False
    )  # fmt: skip
    assert list(from_terraform.load_report) == []


def test_export_of_a_loaded_network_reloads_equal(from_terraform: Network) -> None:
    """Made nodes (and their AWS-owned addresses) travel as node ENIs: the second load equals the first."""
    again = vpcsim.load_aws(json.loads(json.dumps(from_terraform.to_aws())))
    assert list(again.load_report) == []
    assert again.snapshot() == from_terraform.snapshot()


# ============================================================================ the hand-written export


@pytest.fixture(scope="module")
def elb() -> Network:
    return vpcsim.load_aws(ELB)


def reported(net: Network) -> set[tuple[str, str | None, str]]:
    return {(w.kind, w.resource, w.path) for w in net.load_report}


def test_load_report_names_what_was_not_taken_as_it_was(elb: Network) -> None:
    assert reported(elb) == {
        ("partial", ALB, "$.LoadBalancers[1].IpAddressType"),
        ("unsupported-value", ARN + "loadbalancer/gwy/inspect/50dc6c495c0c91a4", "$.LoadBalancers[3].Type"),
        ("inactive", ARN + "loadbalancer/net/broken/50dc6c495c0c91a5", "$.LoadBalancers[4].State"),
        ("derived", ALB, "$.LoadBalancers[1].SecurityGroups"),
        ("dangling-reference", ALB, "$.LoadBalancers[1].AvailabilityZones[1]"),
        ("dangling-reference", INNER, "$.LoadBalancers[2].AvailabilityZones[0]"),
        ("dangling-reference", "eni-0000e1fa", "$.NetworkInterfaces[6]"),
        ("unsupported-value", ALB, "$.LoadBalancerAttributes[1].Attributes[1]"),
        ("dangling-reference", ARN + "targetgroup/gone/73e2d6bc24d8a0ff", "$.TargetGroupAttributes[3]"),
        ("unsupported-value", ARN + "targetgroup/web-canary/73e2d6bc24d8a0a4", "$.TargetGroups[3].TargetType"),
        ("partial", ALB.replace("loadbalancer", "listener") + "/f2f7dc8efc5220a3",
         "$.Listeners[2].DefaultActions[0]"),
        ("unsupported-value", ALB.replace("loadbalancer", "listener") + "/f2f7dc8efc5220a4",
         "$.Listeners[3].DefaultActions"),
        ("partial", ALB.replace("loadbalancer", "listener") + "/f2f7dc8efc5220a5",
         "$.Listeners[4].DefaultActions[0].ForwardConfig"),
        ("dangling-reference", TG_API, "$.TargetHealthDescriptions[0].TargetHealthDescriptions[2].Target.Id"),
        ("dangling-reference", ARN + "targetgroup/gone/73e2d6bc24d8a0ff", "$.TargetHealthDescriptions[4]"),
        ("partial", ARN + "targetgroup/orphan/73e2d6bc24d8a0a5", "$.TargetGroups[4]"),
        ("partial", ALB.replace("loadbalancer", "listener-rule") + "/f2f7dc8efc5220a3/9683b2d02a6caaa1",
         "$.Rules[0].Rules[1]"),
        ("derived", TG_IP, "$.TargetHealthDescriptions[1].TargetHealthDescriptions[0].TargetHealth.State"),
    }  # fmt: skip
    assert {w.file for w in elb.load_report} == {"aws-elb.json"}


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("$.LoadBalancers[3].Type", "a gateway load balancer is not modelled"),
        ("$.LoadBalancerAttributes[1].Attributes[1]", "cross-zone load balancing is always on"),
        ("$.TargetGroups[3].TargetType", "lambda targets are not modelled"),
        ("$.Listeners[2].DefaultActions[0]", "authenticate-oidc before the forward is not modelled"),
        ("$.Listeners[3].DefaultActions", "default action redirect is not modelled"),
        ("$.Listeners[4].DefaultActions[0].ForwardConfig", "a weighted forward to 2 target groups: only the first"),
        ("$.Rules[0].Rules[1]", "listener rule 10 is not modelled"),
        ("$.LoadBalancers[1].AvailabilityZones[1]", "(10.20.2.4, public "),
        ("$.LoadBalancers[2].AvailabilityZones[0]", "(10.20.11.100) stands in, as AWS makes it"),
        ("$.NetworkInterfaces[6]", "its load balancer is not in the export"),
        (
            "$.TargetHealthDescriptions[1].TargetHealthDescriptions[0].TargetHealth.State",
            "10.20.11.10 is unhealthy in the export; vpcsim computes healthy from the network, and routes by that",
        ),
    ],
)
def test_warnings_say_what_happened(elb: Network, path: str, words: str) -> None:
    (warning,) = [w for w in elb.load_report if w.path == path]
    assert words in warning.message


def test_nodes_listed_as_aws_lists_them(elb: Network) -> None:
    """The NLB's nodes are its ENIs (``ELB net/api/<id>``, network_load_balancer); the Elastic IP stays an EIP on
    the public-a node, the AWS-owned address (IpOwnerId amazon-elb) an auto-assigned one."""
    nlb = elb.get(NLB)
    assert [n.id for n in nlb.nodes] == ["eni-0000e1f1", "eni-0000e1f2"]
    assert [(str(n.private_ip), str(n.public_ip)) for n in nlb.nodes] == [
        ("10.20.1.20", "52.30.0.10"), ("10.20.2.20", "34.250.0.20")
    ]  # fmt: skip
    assert elb.get("eipalloc-0000e1a1").network_interface is nlb.nodes[0]
    assert nlb.nodes[1].elastic_ips == {}
    assert (nlb.security_groups, nlb.cross_zone, nlb.scheme) == (None, False, "internet-facing")
    assert nlb.dns_name == "api-50dc6c495c0c91a1.elb.eu-west-1.amazonaws.com"
    assert elb.load_balancer_of("eni-0000e1f2") is nlb
    for plain in ("eni-0000e1f9", "eni-0000e1fa"):  # the gateway load balancer's, and a gone one's
        assert elb.load_balancer_of(plain) is None


def test_nodes_made_for_what_the_export_does_not_list(elb: Network) -> None:
    """The ALB's public-b node: the first free address; the internal NLB's: LoadBalancerAddresses' address. Both
    carry their load balancer's security groups; the listed ALB node's stale group is replaced (L1)."""
    alb, inner = elb.get(ALB), elb.get(INNER)
    assert alb.nodes[0].id == "eni-0000e1f3"
    assert [g.id for n in alb.nodes for g in n.security_groups] == ["sg-0000e1a1", "sg-0000e1a1"]
    made = alb.nodes[1]
    assert (made.subnet.id, str(made.private_ip), made.requester_managed) == ("subnet-0000e1b1", "10.20.2.4", True)
    assert made.description == "ELB app/web/50dc6c495c0c91a2"
    assert made.public_ip is not None
    assert made.public_ip not in [n.public_ip for n in elb.network_interfaces if n is not made]
    (node,) = inner.nodes
    assert (str(node.private_ip), node.public_ip, [g.id for g in node.security_groups]) == (
        "10.20.11.100", None, ["sg-0000e1a0"]
    )  # fmt: skip
    assert (inner.cross_zone, alb.cross_zone) == (True, True)
    assert vpcsim.load_aws(ELB).snapshot() == elb.snapshot()  # made the same way every time


def test_target_groups_and_their_settings(elb: Network) -> None:
    api, ip, web = elb.get(TG_API), elb.get(TG_IP), elb.get(TG_WEB)
    assert [(t.id, t.port, t.availability_zone) for t in api.targets] == [
        ("i-0000e101", 8080, None),
        ("i-0000e102", 8080, None),
    ]  # fmt: skip  (i-0000dead is not in the export)
    assert [(t.id, t.port, t.availability_zone) for t in ip.targets] == [
        ("10.20.11.10", 9090, "eu-west-1a"), ("192.168.7.7", 9090, "all")  # AZ from the subnet; given
    ]  # fmt: skip
    assert (api.preserve_client_ip, api.cross_zone, ip.preserve_client_ip, ip.cross_zone) == (True, None, False, True)
    assert ip.health_check == vpcsim.HealthCheck(protocol="TCP", port=9090, path=None, enabled=True)
    assert web.health_check == vpcsim.HealthCheck(protocol="HTTP", port=None, path="/health", enabled=True)
    assert (web.protocol, web.port, web.cross_zone) == ("HTTP", 8080, True)
    assert sorted((x.load_balancer.lb_name, x.protocol, x.port, x.target_group.tg_name) for x in elb.listeners) == [
        ("api", "TCP", 443, "api"),
        ("api", "TCP", 9090, "api-ip"),
        ("web", "HTTPS", 443, "web"),
        ("web", "HTTPS", 8443, "web"),
    ]  # fmt: skip  (the redirect on HTTP 80 is not loaded)


def test_reported_health_is_not_used_for_routing(elb: Network) -> None:
    """The export says 10.20.11.10 is unhealthy; vpcsim's check from the node passes (9090 from the VPC), so the
    node sends to it: without preservation the target sees the node's address (L1)."""
    assert [(h.target.id, h.state) for h in elb.describe_target_health(TG_IP)] == [
        ("10.20.11.10", "healthy"), ("192.168.7.7", "unhealthy")
    ]  # fmt: skip
    t = elb.trace(INTERNET, "api", "tcp", 9090)
    assert (t.disposition, t.connected) == ("ACCEPTED", True)
    assert one_hop(t, "target-group").rule == "10.20.11.10"
    translated = one_hop(t, "load-balancer", action="translate").packet
    assert translated is not None
    assert str(translated.src) == "10.20.1.20"


@pytest.mark.parametrize(
    ("dst", "port", "expected"),
    [
        ("api", 443, ("ACCEPTED", None, None, True)),
        ("api", 80, ("DENIED_IN", "ELB_LISTENER_PORT_RESTRICTION", "load-balancer-listener", False)),
        ("web", 443, ("ACCEPTED", None, None, True)),  # the OIDC step is not modelled: forwarded
        ("web", 80, ("DENIED_IN", "ELB_LISTENER_PORT_RESTRICTION", "load-balancer-listener", False)),  # redirect
        ("web", 8443, ("DENIED_IN", "ENI_SG_RULES_MISMATCH", "security-group-ingress", False)),  # SG alb: 443, 80
        ("34.250.0.20", 443, ("ACCEPTED", None, None, True)),  # public-b's node, to app-2 in its AZ
    ],
)
def test_flows_through_the_loaded_load_balancers(elb: Network, dst: str, port: int, expected: tuple) -> None:
    t = elb.trace(INTERNET, dst, "tcp", port)
    kind = t.decided_by.kind if t.decided_by is not None and not t.connected else None
    assert (str(t.disposition), t.explanation, kind, t.connected) == expected


def test_export_of_the_loaded_export_reloads_equal(elb: Network) -> None:
    """What was loaded (made nodes included) is exported as AWS lists it; the node of the gone load balancer is
    still a plain ENI, and still reported."""
    again = vpcsim.load_aws(json.loads(json.dumps(elb.to_aws())))
    assert [(w.kind, w.resource) for w in again.load_report] == [("dangling-reference", "eni-0000e1fa")]
    assert again.snapshot() == elb.snapshot()


# ============================================================================ bare shapes and malformed input


def small(**extra: Any) -> dict[str, Any]:
    """A VPC with two subnets and an instance, plus the given top-level keys."""
    doc: dict[str, Any] = json.loads(ELB.read_text())
    keep = {"Vpcs", "Subnets", "SecurityGroups", "NetworkInterfaces", "Reservations", "RouteTables", "NetworkAcls",
            "InternetGateways"}  # fmt: skip
    doc = {k: v for k, v in doc.items() if k in keep}
    doc["NetworkInterfaces"] = doc["NetworkInterfaces"][:2]
    return doc | extra


GROUP = {"TargetGroupArn": TG_API, "TargetGroupName": "api", "Protocol": "TCP", "Port": 8080,
         "VpcId": "vpc-0000e1b0", "TargetType": "instance"}  # fmt: skip
ROW = {"Target": {"Id": "i-0000e101", "Port": 8080}, "TargetHealth": {"State": "healthy"}}


def test_bare_describe_target_health_items_belong_to_the_only_group() -> None:
    """describe-target-health items name no group; with one group in the export they are its targets."""
    net = vpcsim.load_aws(small(TargetGroups=[GROUP], TargetHealthDescriptions=[ROW]))
    assert [t.id for t in net.get(TG_API).targets] == ["i-0000e101"]
    (warning,) = net.load_report  # no listener uses the group here: vpcsim says unused, the row healthy
    assert (warning.kind, warning.path) == ("derived", "$.TargetHealthDescriptions[0].TargetHealth.State")
    assert "i-0000e101 is healthy in the export; vpcsim computes unused (Target.NotInUse)" in warning.message


def test_bare_describe_target_health_items_with_two_groups_are_reported() -> None:
    other = dict(GROUP, TargetGroupArn=TG_WEB, TargetGroupName="web")
    net = vpcsim.load_aws(small(TargetGroups=[GROUP, other], TargetHealthDescriptions=[ROW]))
    (warning,) = net.load_report.of(kind="unsupported-value")
    assert warning.path == "$.TargetHealthDescriptions[0]"
    assert '{"TargetGroupArn": ..., "TargetHealthDescriptions": [...]}' in warning.message
    assert net.get(TG_API).targets == net.get(TG_WEB).targets == []


def test_a_listener_of_a_load_balancer_not_loaded_is_reported() -> None:
    listener = {"ListenerArn": "arn:l", "LoadBalancerArn": NLB, "Port": 443, "Protocol": "TCP",
                "DefaultActions": [{"Type": "forward", "TargetGroupArn": TG_API}]}  # fmt: skip
    net = vpcsim.load_aws(
        small(
            TargetGroups=[GROUP],
            Listeners=[listener],
            TargetHealthDescriptions=[{"TargetGroupArn": TG_API, "TargetHealthDescriptions": []}],
        )
    )
    assert reported(net) == {("dangling-reference", "arn:l", "$.Listeners[0]")}
    assert net.listeners == []


def _nlb(doc: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = doc["LoadBalancers"][0]
    return item


MALFORMED: dict[str, tuple[Callable[[dict[str, Any]], None], str, str]] = {
    "port not a number": (
        lambda d: d["Listeners"][0].update(Port="https"), "$.Listeners[0].Port", "expected an integer, got 'https'"),
    "port out of range": (
        lambda d: d["TargetGroups"][1].update(Port=70000), "$.TargetGroups[1].Port", "70000 is not a port"),
    "health check port": (
        lambda d: d["TargetGroups"][0].update(HealthCheckPort="http"), "$.TargetGroups[0].HealthCheckPort",
        "'http' is not a port or traffic-port"),
    "health check protocol": (
        lambda d: d["TargetGroups"][0].update(HealthCheckProtocol="ICMP"), "$.TargetGroups[0].HealthCheckProtocol",
        "'ICMP' is not TCP, HTTP or HTTPS"),
    "scheme": (lambda d: _nlb(d).update(Scheme="public"), "$.LoadBalancers[0].Scheme", "'public' is not"),
    "zones not a list": (
        lambda d: _nlb(d).update(AvailabilityZones={"SubnetId": "subnet-0000e1a1"}),
        "$.LoadBalancers[0].AvailabilityZones", "expected a list"),
    "subnet id missing": (
        lambda d: _nlb(d)["AvailabilityZones"][1].pop("SubnetId"), "$.LoadBalancers[0].AvailabilityZones[1].SubnetId",
        "missing"),
    "two subnets in one AZ": (
        lambda d: _nlb(d)["AvailabilityZones"][1].update(SubnetId="subnet-0000e1a2"),
        "$.LoadBalancers[0].AvailabilityZones[1].SubnetId", "one subnet per availability zone"),
    "security groups not strings": (
        lambda d: d["LoadBalancers"][1].update(SecurityGroups=[{"GroupId": "sg-0000e1a1"}]),
        "$.LoadBalancers[1].SecurityGroups[0]", "expected a string"),
    "node address outside its subnet": (
        lambda d: d["LoadBalancers"][2]["AvailabilityZones"][0]["LoadBalancerAddresses"][0].update(
            PrivateIPv4Address="10.20.12.100"),
        "$.LoadBalancers[2].AvailabilityZones[0].LoadBalancerAddresses", "10.20.12.100 is outside subnet-0000e1a2"),
    "node address not an address": (
        lambda d: d["LoadBalancers"][2]["AvailabilityZones"][0]["LoadBalancerAddresses"][0].update(
            PrivateIPv4Address="10.20.11"),
        "$.LoadBalancers[2].AvailabilityZones[0].LoadBalancerAddresses[0].PrivateIPv4Address", "is not an IPv4"),
    "forward without a group": (
        lambda d: d["Listeners"][1]["DefaultActions"][0].pop("TargetGroupArn"),
        "$.Listeners[1].DefaultActions[0].TargetGroupArn", "missing: a forward action names a target group"),
    "action without a type": (
        lambda d: d["Listeners"][1]["DefaultActions"][0].pop("Type"), "$.Listeners[1].DefaultActions[0].Type",
        "missing"),
    "attribute value": (
        lambda d: d["TargetGroupAttributes"][0]["Attributes"][0].update(Value="yes"),
        "$.TargetGroupAttributes[0].Attributes[0].Value", "expected true or false, got 'yes'"),
    "attributes not a list": (
        lambda d: d["LoadBalancerAttributes"][0].update(Attributes={"Key": "x"}),
        "$.LoadBalancerAttributes[0].Attributes", "expected a list"),
    "target without Target": (
        lambda d: d["TargetHealthDescriptions"][0]["TargetHealthDescriptions"][0].pop("Target"),
        "$.TargetHealthDescriptions[0].TargetHealthDescriptions[0].Target", "missing"),
    "instance target that is not an instance": (
        lambda d: d["TargetHealthDescriptions"][0]["TargetHealthDescriptions"][0]["Target"].update(Id="10.20.11.10"),
        "$.TargetHealthDescriptions[0].TargetHealthDescriptions[0].Target.Id", "is not an instance id"),
    "IP target that is not an address": (
        lambda d: d["TargetHealthDescriptions"][1]["TargetHealthDescriptions"][0]["Target"].update(Id="i-0000e101"),
        "$.TargetHealthDescriptions[1].TargetHealthDescriptions[0].Target.Id", "'i-0000e101' is not an IPv4"),
    "target port": (
        lambda d: d["TargetHealthDescriptions"][1]["TargetHealthDescriptions"][0]["Target"].update(Port=0),
        "$.TargetHealthDescriptions[1].TargetHealthDescriptions[0].Target.Port", "0 is not a port"),
    "health rows not a list": (
        lambda d: d["TargetHealthDescriptions"][0].update(TargetHealthDescriptions="healthy"),
        "$.TargetHealthDescriptions[0].TargetHealthDescriptions", "expected a list"),
    "load balancers not a list": (
        lambda d: d.update(LoadBalancers={"LoadBalancerArn": NLB}), "$.LoadBalancers", "expected a list"),
}  # fmt: skip


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_shapes_name_file_and_path(case: str, tmp_path: Path) -> None:
    change, path, words = MALFORMED[case]
    doc = json.loads(ELB.read_text())
    change(doc)
    file = tmp_path / "aws-elb.json"
    file.write_text(json.dumps(doc))
    with pytest.raises(ImportFormatError) as caught:
        vpcsim.load_aws(file)
    assert (caught.value.file, caught.value.path) == ("aws-elb.json", path), str(caught.value)
    assert words in caught.value.message


def test_malformed_terraform_load_balancing_names_the_resource(tmp_path: Path, built: Network) -> None:
    """Errors in what the Terraform converter passes to the builder are mapped back to the Terraform resource."""
    state = terraform_state(built)
    index = next(i for i, r in enumerate(state["resources"]) if r["type"] == "aws_lb_target_group")
    bad = copy.deepcopy(state)
    bad["resources"][index]["instances"][0]["attributes"]["health_check"][0]["port"] = "http"
    file = tmp_path / "bad.tfstate"
    file.write_text(json.dumps(bad))
    with pytest.raises(ImportFormatError) as caught:
        load_terraform(file)
    assert (caught.value.file, caught.value.path) == (str(file), f"$.resources[{index}].instances[0]")
    assert "'http' is not a port or traffic-port" in caught.value.message
    assert "$.TargetGroups[0].HealthCheckPort" in caught.value.message


def test_terraform_listener_redirect_is_reported_at_its_resource(tmp_path: Path, built: Network) -> None:
    state = terraform_state(built)
    index = next(i for i, r in enumerate(state["resources"]) if r["type"] == "aws_lb_listener")
    action = state["resources"][index]["instances"][0]["attributes"]["default_action"][0]
    action.update(type="redirect", target_group_arn="")
    file = tmp_path / "redirect.tfstate"
    file.write_text(json.dumps(state))
    net = load_terraform(file)
    (warning,) = net.load_report
    assert (warning.kind, warning.path) == ("unsupported-value", f"$.resources[{index}].instances[0]")
    assert "default action redirect is not modelled" in warning.message
    t = net.trace(INTERNET, "api-nlb", "tcp", 443)
    assert (t.disposition, t.explanation) == ("DENIED_IN", "ELB_LISTENER_PORT_RESTRICTION")
