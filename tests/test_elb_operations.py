"""ELBv2 operations: every validation and error code of the load balancer section of vpcsim.network (issue 8;
SPEC L1-L3, E6, X: a refused operation raises the AWS code and changes nothing)."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from test_elb import Lab, build_lab

import vpcsim
from vpcsim.testing import assert_refused

A, B, C = "us-east-1a", "us-east-1b", "us-east-1c"


@attrs.define
class Ops(Lab):
    """:class:`test_elb.Lab` (VPC ``lab``: public 10.0.0.0/24 a, 10.0.1.0/24 b; private 10.0.10.0/24 a,
    10.0.11.0/24 b with web-a, web-b in SG ``web``) and a second VPC ``other`` (10.1.0.0/16, no gateway) with one
    subnet and an instance ``stranger``."""

    other: vpcsim.Vpc
    other_subnet: vpcsim.Subnet
    stranger: vpcsim.Instance

    def nlb(self, name: str = "nlb", **kw: Any) -> vpcsim.LoadBalancer:
        return self.net.create_load_balancer(name, self.public, type="network", **kw)

    def alb(self, name: str = "alb", **kw: Any) -> vpcsim.LoadBalancer:
        return self.net.create_load_balancer(name, self.public, **kw)

    def tg(self, name: str = "tg", protocol: str = "TCP", **kw: Any) -> vpcsim.TargetGroup:
        return self.net.create_target_group(name, protocol=protocol, port=80, vpc=self.vpc, **kw)


@pytest.fixture
def lab() -> Ops:
    base = build_lab(seed=82)
    net = base.net
    other = net.create_vpc("10.1.0.0/16", name="other")
    other_subnet = net.create_subnet(other, "10.1.0.0/24", az=A)
    stranger = net.run_instance(other_subnet, name="stranger")
    return Ops(**attrs.asdict(base, recurse=False), other=other, other_subnet=other_subnet, stranger=stranger)


# ------------------------------------------------------------------ create_load_balancer


def test_create_nlb_makes_one_requester_managed_node_per_subnet(lab: Ops) -> None:
    lb = lab.nlb(tags={"team": "api"})
    assert lab.net.load_balancers == [lb]
    assert lb.id.startswith("arn:aws:elasticloadbalancing:us-east-1:")
    assert "loadbalancer/net/nlb/" in lb.id
    assert (lb.lb_name, lb.type, lb.scheme, lb.vpc, lb.subnets) == (
        "nlb",
        "network",
        "internet-facing",
        lab.vpc,
        lab.public,
    )
    assert lb.security_groups is None
    assert lb.cross_zone is False
    assert lb.tags == {"team": "api"}
    assert lb.dns_name.startswith("nlb-")
    assert lb.dns_name.endswith(".elb.us-east-1.amazonaws.com")
    assert lb.availability_zones == [A, B]
    hexid = lb.id.rsplit("/", 1)[-1]
    for node, subnet in zip(lb.nodes, lab.public, strict=True):
        assert node.subnet is subnet
        assert node.requester_managed
        assert node.interface_type == "network_load_balancer"
        assert node.description == f"ELB net/nlb/{hexid}"
        assert node.public_ip is not None  # an AWS-owned address on an internet-facing node
        assert subnet.used_addresses[node.private_ip] == node.id
        assert lab.net.load_balancer_of(node) is lb
        assert lab.net.load_balancer_of(node.id) is lb
    assert lb.node(B) is lb.nodes[1]
    with pytest.raises(KeyError, match="us-east-1c"):
        lb.node(C)
    assert lab.net.load_balancer_of(lab.web[0].primary_network_interface) is None
    assert repr(lb).startswith("<LoadBalancer")
    assert "NLB nlb internet-facing" in repr(lb)


def test_create_alb_defaults(lab: Ops) -> None:
    lb = lab.alb()
    assert lb.type == "application"
    assert lb.cross_zone is True
    assert lb.security_groups == [lab.vpc.default_security_group]
    assert "loadbalancer/app/alb/" in lb.id
    assert {n.interface_type for n in lb.nodes} == {"interface"}
    assert all(n.description.startswith("ELB app/alb/") for n in lb.nodes)
    # An empty SG list means the default SG too.
    assert lab.alb("alb2", security_groups=[]).security_groups == [lab.vpc.default_security_group]


def test_internal_nlb_nodes_have_no_public_ip(lab: Ops) -> None:
    lb = lab.net.create_load_balancer("in", lab.private, type="network", scheme="internal", cross_zone=True)
    assert lb.dns_name.startswith("internal-in-")
    assert all(n.public_ip is None for n in lb.nodes)
    assert lb.cross_zone is True


def test_nlb_with_elastic_ips(lab: Ops) -> None:
    eip = lab.net.allocate_address()
    lb = lab.nlb(allocations={lab.public[1]: eip})
    assert eip.network_interface is lb.node(B)
    assert lb.node(B).public_ip == eip.public_ip
    assert lb.node(A).public_ip is not None
    assert lb.node(A).public_ip != eip.public_ip


@pytest.mark.parametrize("name", ["", "-lead", "trail-", "under_score", "a" * 33, "internal-api", "dot.ted", 7])
def test_create_load_balancer_invalid_name(lab: Ops, name: object) -> None:
    with assert_refused(lab.net, "ValidationError"):
        lab.net.create_load_balancer(name, lab.public, type="network")  # type: ignore[arg-type]


def test_create_load_balancer_name_limits(lab: Ops) -> None:
    assert lab.nlb("a" * 32).lb_name == "a" * 32
    assert lab.nlb("x").lb_name == "x"
    with assert_refused(lab.net, "DuplicateLoadBalancerName", "'x'"):
        lab.alb("x")


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [({"type": "gateway"}, "gateway"), ({"type": "Network"}, "Network"), ({"scheme": "public"}, "public")],
)
def test_create_load_balancer_invalid_type_or_scheme(lab: Ops, kw: dict[str, str], fragment: str) -> None:
    with assert_refused(lab.net, "ValidationError", fragment):
        lab.net.create_load_balancer("lb", lab.public, **kw)  # type: ignore[arg-type]


def test_create_load_balancer_subnet_rules(lab: Ops) -> None:
    net = lab.net
    with assert_refused(net, "ValidationError", "at least one subnet"):
        net.create_load_balancer("lb", [], type="network")
    with assert_refused(net, "ValidationError", "two Availability Zones"):
        net.create_load_balancer("lb", [lab.public[0]])  # an ALB in one AZ
    with assert_refused(net, "InvalidConfigurationRequest", "one VPC"):
        net.create_load_balancer("lb", [lab.public[0], lab.other_subnet], type="network", scheme="internal")
    with assert_refused(net, "InvalidConfigurationRequest", A):
        net.create_load_balancer("lb", [lab.public[0], lab.private[0]], type="network")
    with assert_refused(net, "InvalidSubnetID.NotFound", "subnet-0000"):
        net.create_load_balancer("lb", ["subnet-0000"], type="network")
    with assert_refused(net, "InvalidSubnet", lab.other.id):
        net.create_load_balancer("lb", [lab.other_subnet], type="network")  # internet-facing, no IGW
    # Subnets by id work.
    assert net.create_load_balancer("lb", [s.id for s in lab.public], type="network").subnets == lab.public


def test_create_load_balancer_security_group_rules(lab: Ops) -> None:
    net = lab.net
    with assert_refused(net, "InvalidSecurityGroup", "sg-0000"):
        lab.nlb(security_groups=["sg-0000"])
    with assert_refused(net, "InvalidSecurityGroup", lab.other.default_security_group.id, lab.vpc.id):
        lab.alb(security_groups=[lab.other.default_security_group])
    many = [net.create_security_group(lab.vpc, f"g{i}", description="x") for i in range(6)]
    with assert_refused(net, "TooManySecurityGroups"):
        lab.alb(security_groups=many)
    # Five are fine, repeats count once.
    lb = lab.alb(security_groups=[*many[:5], many[0]])
    assert lb.security_groups == many[:5]


def test_create_load_balancer_elastic_ip_rules(lab: Ops) -> None:
    net = lab.net
    eip = net.allocate_address()
    with assert_refused(net, "InvalidConfigurationRequest", "internet-facing NLBs"):
        lab.alb(allocations={lab.public[0]: eip})
    with assert_refused(net, "InvalidConfigurationRequest", "internet-facing NLBs"):
        net.create_load_balancer(
            "lb", lab.private, type="network", scheme="internal", allocations={lab.private[0].id: eip}
        )
    with assert_refused(net, "ValidationError"):
        lab.nlb(allocations=[(lab.public[0], eip)])
    with assert_refused(net, "ValidationError", lab.private[0].id):
        lab.nlb(allocations={lab.private[0]: eip})
    with assert_refused(net, "InvalidConfigurationRequest", eip.id):
        lab.nlb(allocations={lab.public[0]: eip, lab.public[1]: eip})
    with assert_refused(net, "InvalidAllocationID.NotFound"):
        lab.nlb(allocations={lab.public[0]: "eipalloc-0000"})
    net.associate_address(eip, instance=lab.web[0])
    with assert_refused(net, "InvalidConfigurationRequest", eip.id):
        lab.nlb(allocations={lab.public[0]: eip})


def test_create_load_balancer_cross_zone_must_be_a_bool(lab: Ops) -> None:
    with assert_refused(lab.net, "InvalidParameterValue", "cross_zone"):
        lab.nlb(cross_zone="yes")


def test_create_alb_with_cross_zone_off_is_refused(lab: Ops) -> None:
    # SPEC L2: always on for an ALB (modify_load_balancer_attributes refuses to turn it off; create must too).
    with assert_refused(lab.net, "InvalidConfigurationRequest"):
        lab.alb(cross_zone=False)


def test_create_load_balancer_needs_free_addresses(lab: Ops) -> None:
    net = lab.net
    tiny = net.create_subnet(lab.vpc, "10.0.20.0/28", az=B)  # 11 usable addresses
    for _ in range(11):
        net.create_network_interface(tiny)
    with assert_refused(net, "InsufficientFreeAddressesInSubnet"):
        net.create_load_balancer("lb", [lab.public[0], tiny], type="network")


# ------------------------------------------------------------------ delete, SGs, subnets, attributes


def test_delete_load_balancer_frees_its_nodes(lab: Ops) -> None:
    net = lab.net
    eip = net.allocate_address()
    lb = lab.nlb(allocations={lab.public[0]: eip})
    tg = lab.tg()
    net.register_targets(tg, lab.web)
    net.create_listener(lb, protocol="TCP", port=80, target_group=tg)
    nodes = list(lb.nodes)
    addresses = [n.private_ip for n in nodes]
    net.fail(nodes[1])
    net.delete_load_balancer("nlb")
    assert net.load_balancers == []
    assert net.listeners == []
    assert net.target_groups == [tg]
    assert len(tg.targets) == 2
    for node, address, subnet in zip(nodes, addresses, lab.public, strict=True):
        assert node.id not in net
        assert address not in subnet.used_addresses
    assert not eip.is_associated
    assert eip in net.elastic_ips
    assert net.failures == []
    # The addresses and subnets are free again: the subnets can go.
    net.delete_subnet(lab.public[0])
    with assert_refused(net, "LoadBalancerNotFound", "nlb"):
        net.delete_load_balancer("nlb")
    with assert_refused(net, "LoadBalancerNotFound", lb.id):
        net.delete_load_balancer(lb.id)


def test_resources_in_use_by_a_node_cannot_be_deleted(lab: Ops) -> None:
    net = lab.net
    sg = net.create_security_group(lab.vpc, "nlb", description="nlb")
    lb = lab.nlb(security_groups=[sg])
    with assert_refused(net, "DependencyViolation", lab.public[0].id, lb.node(A).id):
        net.delete_subnet(lab.public[0])
    with assert_refused(net, "DependencyViolation", sg.id, lb.node(A).id):
        net.delete_security_group(sg)
    # E6: the node's ENI is AWS's.
    with assert_refused(net, "OperationNotPermitted", lb.node(A).id):
        net.delete_network_interface(lb.node(A))
    with assert_refused(net, "OperationNotPermitted", lb.node(A).id):
        net.detach_network_interface(lb.node(A))
    with assert_refused(net, "OperationNotPermitted", lb.node(A).id):
        net.modify_network_interface_attribute(lb.node(A), security_groups=[lab.sg])
    eip = net.allocate_address()
    with assert_refused(net, "OperationNotPermitted", lb.node(A).id):
        net.associate_address(eip, network_interface=lb.node(A))
    with assert_refused(net, "DependencyViolation"):
        net.delete_vpc(lab.vpc)


def test_elastic_ip_of_an_nlb_node_cannot_be_disassociated(lab: Ops) -> None:
    # E6: the node's ENI is requester-managed (associate_address onto it is refused; so is a NAT gateway's EIP).
    eip = lab.net.allocate_address()
    lab.nlb(allocations={lab.public[0]: eip})
    with assert_refused(lab.net, "OperationNotPermitted", eip.id):
        lab.net.disassociate_address(eip)


def test_set_security_groups(lab: Ops) -> None:
    net = lab.net
    first = net.create_security_group(lab.vpc, "first", description="x")
    second = net.create_security_group(lab.vpc, "second", description="x")
    alb = lab.alb(security_groups=[first])
    net.set_security_groups("alb", [second, first])
    assert alb.security_groups == [second, first]
    assert all(n.security_groups == [second, first] for n in alb.nodes)
    with assert_refused(net, "ValidationError", "at least one"):
        net.set_security_groups(alb, [])
    with assert_refused(net, "InvalidSecurityGroup", "sg-0000"):
        net.set_security_groups(alb, ["sg-0000"])
    with assert_refused(net, "InvalidSecurityGroup", lab.vpc.id):
        net.set_security_groups(alb, [lab.other.default_security_group])
    nlb = lab.nlb(security_groups=[first])
    with assert_refused(net, "InvalidConfigurationRequest", "keep one"):
        net.set_security_groups(nlb, [])
    bare = lab.nlb("bare")
    with assert_refused(net, "InvalidConfigurationRequest", "bare"):
        net.set_security_groups(bare, [first])
    with assert_refused(net, "LoadBalancerNotFound", "ghost"):
        net.set_security_groups("ghost", [first])
    # Now the first SG can be deleted only once no node carries it.
    net.set_security_groups(nlb, [second])
    net.set_security_groups(alb, [second])
    net.delete_security_group(first)


def test_set_subnets_adds_and_removes_nodes(lab: Ops) -> None:
    net = lab.net
    third = net.create_subnet(lab.vpc, "10.0.2.0/24", az=C)
    lb = net.create_load_balancer("nlb", [lab.public[0]], type="network")
    kept = lb.node(A)
    net.set_subnets(lb, [lab.public[0], lab.public[1], third])
    assert lb.subnets == [lab.public[0], lab.public[1], third]
    assert lb.node(A) is kept
    assert len(lb.nodes) == 3
    assert lb.node(C).subnet is third
    assert lb.node(C).public_ip is not None
    gone = lb.node(A)
    net.fail(gone)
    net.set_subnets(lb, [lab.public[1]])
    assert [n.availability_zone for n in lb.nodes] == [B]
    assert gone.id not in net
    assert gone.private_ip not in lab.public[0].used_addresses
    assert net.failures == []
    with assert_refused(net, "ValidationError", "at least one subnet"):
        net.set_subnets(lb, [])
    with assert_refused(net, "InvalidConfigurationRequest", lab.vpc.id):
        net.set_subnets(lb, [lab.other_subnet])
    with assert_refused(net, "InvalidConfigurationRequest", B):
        net.set_subnets(lb, [lab.public[1], lab.private[1]])
    alb = lab.alb()
    with assert_refused(net, "ValidationError", "two Availability Zones"):
        net.set_subnets(alb, [lab.public[0]])


def test_modify_load_balancer_attributes(lab: Ops) -> None:
    net = lab.net
    nlb = lab.nlb()
    net.modify_load_balancer_attributes(nlb, cross_zone=True)
    assert nlb.cross_zone is True
    net.modify_load_balancer_attributes(nlb.id, cross_zone=False)
    assert net.load_balancers[0].cross_zone is False
    with assert_refused(net, "InvalidParameterValue"):
        net.modify_load_balancer_attributes(nlb, cross_zone="true")  # type: ignore[arg-type]
    alb = lab.alb()
    net.modify_load_balancer_attributes(alb, cross_zone=True)
    with assert_refused(net, "InvalidConfigurationRequest", "always on"):
        net.modify_load_balancer_attributes(alb, cross_zone=False)


# ------------------------------------------------------------------ target groups


def test_create_target_group_defaults(lab: Ops) -> None:
    tg = lab.tg(tags={"k": "v"})
    assert lab.net.target_groups == [tg]
    assert tg.id.startswith("arn:aws:elasticloadbalancing:us-east-1:")
    assert ":targetgroup/tg/" in tg.id
    assert (tg.tg_name, tg.protocol, tg.port, tg.vpc, tg.target_type) == ("tg", "TCP", 80, lab.vpc, "instance")
    assert tg.health_check == vpcsim.HealthCheck(protocol="TCP", port=None, path=None, enabled=True)
    assert (tg.preserve_client_ip, tg.cross_zone, tg.targets, tg.tags) == (None, None, [], {"k": "v"})
    http = lab.tg("http", protocol="HTTP")
    assert http.health_check.protocol == "HTTP"
    checked = lab.tg("checked", health_check_protocol="HTTP", health_check_path="/health", health_check_port=8080)
    assert checked.health_check == vpcsim.HealthCheck("HTTP", 8080, "/health", True)
    # A TCP check has no path.
    assert lab.tg("plain", health_check_path="/ignored").health_check.path is None
    assert "tg TCP:80 instance x0" in repr(tg)


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"name": "bad_name"}, "ValidationError"),
        ({"name": "-x"}, "ValidationError"),
        ({"name": "a" * 33}, "ValidationError"),
        ({"protocol": "SCTP"}, "ValidationError"),
        ({"protocol": "tcp"}, "ValidationError"),
        ({"port": 0}, "ValidationError"),
        ({"port": 65536}, "ValidationError"),
        ({"port": "80"}, "ValidationError"),
        ({"port": True}, "ValidationError"),
        ({"vpc": "vpc-0000"}, "InvalidVpcID.NotFound"),
        ({"target_type": "lambda"}, "ValidationError"),
        ({"health_check_protocol": "UDP"}, "ValidationError"),
        ({"protocol": "HTTP", "health_check_protocol": "TCP"}, "ValidationError"),
        ({"health_check_port": 0}, "ValidationError"),
        ({"health_check_port": "8080"}, "ValidationError"),
        ({"health_check_protocol": "HTTP", "health_check_path": "health"}, "ValidationError"),
        ({"health_check_enabled": "yes"}, "InvalidParameterValue"),
        ({"preserve_client_ip": "yes"}, "InvalidParameterValue"),
        ({"protocol": "HTTP", "preserve_client_ip": True}, "ValidationError"),
        ({"cross_zone": 1}, "InvalidParameterValue"),
    ],
)
def test_create_target_group_validation(lab: Ops, kw: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"name": "tg", "protocol": "TCP", "port": 80, "vpc": lab.vpc} | kw
    name = args.pop("name")
    with assert_refused(lab.net, code):
        lab.net.create_target_group(name, **args)  # type: ignore[arg-type]


def test_duplicate_target_group_name(lab: Ops) -> None:
    lab.tg("same")
    with assert_refused(lab.net, "DuplicateTargetGroupName", "'same'"):
        lab.tg("same", protocol="UDP")


def test_modify_target_group_health_check(lab: Ops) -> None:
    net = lab.net
    tg = lab.tg()
    net.modify_target_group(tg, health_check_port=8080)
    assert tg.health_check.port == 8080
    net.modify_target_group("tg", health_check_protocol="HTTP", health_check_path="/up")
    assert tg.health_check == vpcsim.HealthCheck("HTTP", 8080, "/up", True)  # the port is kept
    net.modify_target_group(tg, health_check_enabled=False)
    assert not tg.health_check.enabled
    assert tg.health_check.path == "/up"
    net.modify_target_group(tg, health_check_port="traffic-port", health_check_protocol="TCP")
    assert tg.health_check == vpcsim.HealthCheck("TCP", None, None, False)
    for kw in (
        {"health_check_port": 70000},
        {"health_check_protocol": "ICMP"},
        {"health_check_protocol": "HTTP", "health_check_path": "x"},
    ):
        with assert_refused(net, "ValidationError"):
            net.modify_target_group(tg, **kw)
    with assert_refused(net, "TargetGroupNotFound", "ghost"):
        net.modify_target_group("ghost", health_check_port=81)


def test_modify_target_group_attributes(lab: Ops) -> None:
    net = lab.net
    tg = lab.tg(target_type="ip")
    net.modify_target_group_attributes(tg, preserve_client_ip=True, cross_zone=True)
    assert (tg.preserve_client_ip, tg.cross_zone) == (True, True)
    net.modify_target_group_attributes(tg, cross_zone="use_load_balancer_configuration")
    assert (tg.preserve_client_ip, tg.cross_zone) == (True, None)
    net.modify_target_group_attributes(tg)  # nothing given: nothing changes
    assert (tg.preserve_client_ip, tg.cross_zone) == (True, None)
    with assert_refused(net, "InvalidParameterValue"):
        net.modify_target_group_attributes(tg, cross_zone="sometimes")
    with assert_refused(net, "InvalidParameterValue"):
        net.modify_target_group_attributes(tg, preserve_client_ip=1)  # type: ignore[arg-type]
    http = lab.tg("http", protocol="HTTP")
    with assert_refused(net, "ValidationError", "Network Load Balancer"):
        net.modify_target_group_attributes(http, preserve_client_ip=False)
    net.modify_target_group_attributes(http, cross_zone=False)  # an ALB group may turn cross-zone off (L2)
    assert http.cross_zone is False


def test_delete_target_group(lab: Ops) -> None:
    net = lab.net
    lb = lab.nlb()
    tg = lab.tg()
    listener = net.create_listener(lb, protocol="TCP", port=80, target_group=tg)
    with assert_refused(net, "ResourceInUse", "tg", listener.id):
        net.delete_target_group(tg)
    net.delete_listener(listener)
    net.delete_target_group("tg")
    assert net.target_groups == []
    with assert_refused(net, "TargetGroupNotFound", "tg"):
        net.delete_target_group("tg")
    # Deleting the load balancer also frees its groups.
    tg2 = lab.tg("tg2")
    net.create_listener(lb, protocol="TCP", port=80, target_group=tg2)
    net.delete_load_balancer(lb)
    net.delete_target_group(tg2)


# ------------------------------------------------------------------ targets


def test_register_instance_targets_in_every_form(lab: Ops) -> None:
    net = lab.net
    tg = lab.tg()
    net.register_targets(tg, [lab.web[0], lab.web[1].id])
    net.register_targets(tg, [(lab.web[0], 8080), {"Id": lab.web[1].id, "Port": 9090}])
    net.register_targets(tg, [lab.web[0]])  # again: a no-op
    assert tg.targets == [
        vpcsim.Target(lab.web[0].id),
        vpcsim.Target(lab.web[1].id),
        vpcsim.Target(lab.web[0].id, 8080),
        vpcsim.Target(lab.web[1].id, 9090),
    ]
    assert not tg.targets[0].is_ip
    assert tg.targets[0].address is None
    net.deregister_targets(tg, [(lab.web[0], 8080)])
    assert vpcsim.Target(lab.web[0].id, 8080) not in tg.targets
    assert vpcsim.Target(lab.web[0].id) in tg.targets
    net.deregister_targets(tg, [lab.web[1].id])  # no port: every registration of it
    assert tg.targets == [vpcsim.Target(lab.web[0].id)]
    net.deregister_targets("tg", [lab.web[0]])
    assert tg.targets == []


def test_register_instance_target_validation(lab: Ops) -> None:
    net = lab.net
    tg = lab.tg()
    with assert_refused(net, "InvalidTarget", "i-0000"):
        net.register_targets(tg, ["i-0000"])
    with assert_refused(net, "InvalidTarget", lab.stranger.id):
        net.register_targets(tg, [lab.stranger])
    with assert_refused(net, "InvalidTarget"):
        net.register_targets(tg, ["10.0.10.4"])
    with assert_refused(net, "ValidationError"):
        net.register_targets(tg, [{"Id": lab.web[0].id, "AvailabilityZone": A}])
    for port in (0, 70000, "80"):
        with assert_refused(net, "ValidationError"):
            net.register_targets(tg, [(lab.web[0], port)])
    # All or nothing: one bad target refuses the whole call.
    with assert_refused(net, "InvalidTarget", "i-0000"):
        net.register_targets(tg, [lab.web[0], "i-0000"])
    with assert_refused(net, "InvalidTarget", lab.web[0].id):
        net.deregister_targets(tg, [lab.web[0]])
    with assert_refused(net, "TargetGroupNotFound"):
        net.register_targets("ghost", [lab.web[0]])


def test_register_ip_targets(lab: Ops) -> None:
    net = lab.net
    tg = lab.tg(target_type="ip")
    address = str(lab.web[0].private_ip)
    net.register_targets(tg, [address, {"Id": "10.0.11.200", "Port": 81, "AvailabilityZone": B}])
    net.register_targets(tg, [{"Id": "192.168.5.5", "AvailabilityZone": "all"}, ("10.0.10.77", 82)])
    assert tg.targets == [
        vpcsim.Target(address, None, A),
        vpcsim.Target("10.0.11.200", 81, B),
        vpcsim.Target("192.168.5.5", None, "all"),
        vpcsim.Target("10.0.10.77", 82, A),
    ]
    assert tg.targets[0].is_ip
    assert str(tg.targets[0].address) == address
    net.deregister_targets(tg, [("10.0.10.77", 82), "192.168.5.5"])
    assert len(tg.targets) == 2


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ("8.8.8.8", "InvalidTarget"),  # public, outside the VPC
        ("not-an-ip", "InvalidTarget"),
        ("2001:db8::1", "InvalidTarget"),
        ("192.168.1.1", "ValidationError"),  # private outside the VPC without AvailabilityZone "all"
        ("10.0.99.5", "InvalidTarget"),  # in the VPC but in no subnet
        ({"Id": "10.0.10.9", "AvailabilityZone": "us-east-1b"}, "ValidationError"),  # the subnet is in a
        ({"Id": "10.0.10.9", "AvailabilityZone": 5}, "ValidationError"),
    ],
)
def test_register_ip_target_validation(lab: Ops, target: object, code: str) -> None:
    tg = lab.tg(target_type="ip")
    with assert_refused(lab.net, code):
        lab.net.register_targets(tg, [target])


def test_ip_group_refuses_instances(lab: Ops) -> None:
    tg = lab.tg(target_type="ip")
    with assert_refused(lab.net, "InvalidTarget", lab.web[0].id):
        lab.net.register_targets(tg, [lab.web[0]])


def test_terminate_deregisters(lab: Ops) -> None:
    net = lab.net
    lb = lab.nlb()
    tg = lab.tg()
    ip_tg = lab.tg("ips", target_type="ip")
    net.register_targets(tg, [lab.web[0], (lab.web[0], 8080), lab.web[1]])
    net.register_targets(ip_tg, [str(lab.web[0].private_ip)])
    net.create_listener(lb, protocol="TCP", port=80, target_group=tg)
    net.create_listener(lb, protocol="TCP", port=81, target_group=ip_tg)
    net.terminate_instance(lab.web[0])
    assert tg.targets == [vpcsim.Target(lab.web[1].id)]
    assert [h.target.id for h in net.describe_target_health(tg)] == [lab.web[1].id]
    # An IP target stays registered (AWS does not know what held the address) and fails its checks.
    row = net.describe_target_health(ip_tg)[0]
    assert (row.state, row.reason, row.network_interface) == ("unhealthy", "Target.FailedHealthChecks", None)


# ------------------------------------------------------------------ listeners


def test_create_listener(lab: Ops) -> None:
    net = lab.net
    lb = lab.nlb()
    tg = lab.tg()
    listener = net.create_listener("nlb", protocol="TCP", port=443, target_group="tg", tags={"a": "b"})
    assert net.listeners == [listener]
    assert (listener.load_balancer, listener.protocol, listener.port, listener.target_group) == (lb, "TCP", 443, tg)
    assert "listener/net/nlb/" in listener.id
    assert listener.tags == {"a": "b"}
    assert "TCP:443 -> tg" in repr(listener)
    # UDP and TCP on one port are separate listeners; TLS forwards to a TCP group; TCP_UDP needs a TCP_UDP group.
    udp = lab.tg("udp", protocol="UDP")
    net.create_listener(lb, protocol="UDP", port=443, target_group=udp)
    net.create_listener(lb, protocol="TLS", port=8443, target_group=tg)
    both = lab.tg("both", protocol="TCP_UDP")
    net.create_listener(lb, protocol="TCP_UDP", port=53, target_group=both)
    net.create_listener(lb, protocol="TCP", port=54, target_group=both)
    assert len(net.listeners) == 5


def test_create_listener_validation(lab: Ops) -> None:
    net = lab.net
    nlb, alb = lab.nlb(), lab.alb()
    tcp, udp, http = lab.tg(), lab.tg("udp", protocol="UDP"), lab.tg("http", protocol="HTTP")
    with assert_refused(net, "UnsupportedProtocol", "HTTP"):
        net.create_listener(nlb, protocol="HTTP", port=80, target_group=http)
    with assert_refused(net, "UnsupportedProtocol", "TCP"):
        net.create_listener(alb, protocol="TCP", port=80, target_group=tcp)
    for port in (0, 65536, "80", None):
        with assert_refused(net, "ValidationError"):
            net.create_listener(nlb, protocol="TCP", port=port, target_group=tcp)  # type: ignore[arg-type]
    with assert_refused(net, "IncompatibleProtocols", "UDP"):
        net.create_listener(nlb, protocol="TCP", port=80, target_group=udp)
    with assert_refused(net, "IncompatibleProtocols"):
        net.create_listener(nlb, protocol="TCP_UDP", port=80, target_group=tcp)
    with assert_refused(net, "TargetGroupNotFound", "ghost"):
        net.create_listener(nlb, protocol="TCP", port=80, target_group="ghost")
    with assert_refused(net, "LoadBalancerNotFound", "ghost"):
        net.create_listener("ghost", protocol="TCP", port=80, target_group=tcp)
    far = net.create_target_group("far", protocol="TCP", port=80, vpc=lab.other)
    with assert_refused(net, "ValidationError", "far"):
        net.create_listener(nlb, protocol="TCP", port=80, target_group=far)
    net.create_listener(nlb, protocol="TCP", port=80, target_group=tcp)
    with assert_refused(net, "DuplicateListener", "80"):
        net.create_listener(nlb, protocol="TCP", port=80, target_group=tcp)
    both = lab.tg("both", protocol="TCP_UDP")
    with assert_refused(net, "DuplicateListener", "80"):
        net.create_listener(nlb, protocol="TCP_UDP", port=80, target_group=both)
    other_nlb = lab.nlb("other-nlb")
    with assert_refused(net, "TargetGroupAssociationLimit", "tg", "nlb"):
        net.create_listener(other_nlb, protocol="TCP", port=80, target_group=tcp)
    net.create_listener(nlb, protocol="TCP", port=81, target_group=tcp)  # one group, two listeners of one LB


def test_modify_and_delete_listener(lab: Ops) -> None:
    net = lab.net
    nlb, other_nlb = lab.nlb(), lab.nlb("other-nlb")
    first, second, third = lab.tg(), lab.tg("second"), lab.tg("third")
    listener = net.create_listener(nlb, protocol="TCP", port=80, target_group=first)
    net.create_listener(other_nlb, protocol="TCP", port=80, target_group=third)
    net.modify_listener(listener, target_group="second")
    assert listener.target_group is second
    with assert_refused(net, "TargetGroupAssociationLimit", "third"):
        net.modify_listener(listener, target_group=third)
    far = net.create_target_group("far", protocol="TCP", port=80, vpc=lab.other)
    with assert_refused(net, "ValidationError", "far"):
        net.modify_listener(listener, target_group=far)
    with assert_refused(net, "ListenerNotFound"):
        net.modify_listener(
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/x/1/2", target_group=first
        )
    net.delete_listener(listener.id)
    assert listener not in net.listeners
    with assert_refused(net, "ListenerNotFound"):
        net.delete_listener(listener)


def test_describe_target_health_of_a_missing_group(lab: Ops) -> None:
    with pytest.raises(vpcsim.AwsError) as err:
        lab.net.describe_target_health("ghost")
    assert err.value.code == "TargetGroupNotFound"


def test_lookups_by_object_arn_and_name(lab: Ops) -> None:
    net = lab.net
    lb = lab.nlb()
    tg = lab.tg()
    for ref in (lb, lb.id, "nlb", " nlb "):
        net.modify_load_balancer_attributes(ref, cross_zone=True)
    for tg_ref in (tg, tg.id, "tg"):
        net.modify_target_group_attributes(tg_ref, cross_zone=True)
    assert net.get(lb.id) is lb
    assert net.get(tg.id) is tg
    with assert_refused(net, "LoadBalancerNotFound"):
        net.delete_load_balancer(tg.id)  # an ARN of another kind
    with assert_refused(net, "LoadBalancerNotFound"):
        net.delete_load_balancer(42)  # type: ignore[arg-type]


def test_copies_carry_load_balancers(lab: Ops) -> None:
    net = lab.net
    lb = lab.nlb()
    tg = lab.tg()
    net.register_targets(tg, lab.web)
    net.create_listener(lb, protocol="TCP", port=80, target_group=tg)
    before = net.snapshot()
    with net.what_if() as alt:
        alt.delete_load_balancer("nlb")
        alt.deregister_targets("tg", [lab.web[0]])
        assert alt.load_balancers == []
    assert net.snapshot() == before
    copy = net.copy()
    assert copy.snapshot() == before
    assert copy.load_balancers[0] is not lb
    assert copy.load_balancers[0].nodes[0].id == lb.nodes[0].id
