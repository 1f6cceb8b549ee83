"""Load balancers as traffic sees them (issue 8; SPEC L1-L3, with G1/G2/G5, N2/N4 and V).

Each test builds a small VPC, puts an NLB or an ALB in front of two instances and checks what a user notices:
the disposition and explanation code of a trace, the component, step and rule that decided, the target a node
chose, and ``describe_target_health``. The Simulator tests at the end check that the NLB path is always tracked (G5)
and that a connection keeps its target.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import pytest

import vpcsim
from vpcsim.testing import assert_dropped, assert_evaluate_agrees, assert_refused, hops, one_hop

CLIENT = vpcsim.internet("198.51.100.7")
A, B = "us-east-1a", "us-east-1b"


@attrs.define
class Lab:
    """VPC ``lab`` 10.0.0.0/16 with an internet gateway; ``public`` subnets 10.0.0.0/24 (a) and 10.0.1.0/24 (b)
    route to it; ``private`` subnets 10.0.10.0/24 (a) and 10.0.11.0/24 (b) have no route out. ``web`` holds the
    instances ``web-a`` and ``web-b`` (one per private subnet), both in SG ``web``, which starts with no inbound
    rule."""

    net: vpcsim.Network
    vpc: vpcsim.Vpc
    public: list[vpcsim.Subnet]
    private: list[vpcsim.Subnet]
    web: list[vpcsim.Instance]
    sg: vpcsim.SecurityGroup

    def allow(
        self, cidr: str, port: int = 80, protocol: str = "tcp", group: vpcsim.SecurityGroup | None = None
    ) -> None:
        self.net.authorize_security_group_ingress(group or self.sg, protocol=protocol, ports=port, cidr=cidr)

    def balancer(
        self,
        name: str = "lb",
        *,
        type: str = "network",
        subnets: Sequence[vpcsim.Subnet] | None = None,
        scheme: str = "internet-facing",
        security_groups: Sequence[vpcsim.SecurityGroup] | None = None,
        cross_zone: bool | None = None,
        protocol: str = "TCP",
        port: int = 80,
        target_port: int = 80,
        target_type: str = "instance",
        targets: Sequence[object] | None = None,
        **group: Any,
    ) -> tuple[vpcsim.LoadBalancer, vpcsim.TargetGroup, vpcsim.Listener]:
        """A load balancer on ``subnets`` (default: the public ones), a target group of ``targets`` (default: both
        instances, or their addresses for IP targets) and a listener."""
        net = self.net
        lb = net.create_load_balancer(
            name,
            list(subnets if subnets is not None else self.public),
            type=type,
            scheme=scheme,
            security_groups=security_groups,
            cross_zone=cross_zone,
        )
        tg_protocol = {"HTTP": "HTTP", "HTTPS": "HTTP", "TLS": "TCP"}.get(protocol, protocol)
        tg = net.create_target_group(
            f"{name}-tg", protocol=tg_protocol, port=target_port, vpc=self.vpc, target_type=target_type, **group
        )
        if targets is None:
            targets = self.web if target_type == "instance" else [str(i.private_ip) for i in self.web]
        net.register_targets(tg, targets)
        listener = net.create_listener(lb, protocol=protocol, port=port, target_group=tg)
        return lb, tg, listener

    def health(self, tg: vpcsim.TargetGroup) -> dict[str, tuple[str, str | None]]:
        """Target id -> (state, reason)."""
        return {h.target.id: (h.state, h.reason) for h in self.net.describe_target_health(tg)}


def build_lab(seed: int = 81) -> Lab:
    net = vpcsim.Network(seed=seed)
    vpc = net.create_vpc("10.0.0.0/16", name="lab")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    sg = net.create_security_group(vpc, "web", description="the servers")
    public, private, web = [], [], []
    for index, zone in enumerate("ab"):
        subnet = net.create_subnet(vpc, f"10.0.{index}.0/24", az=f"us-east-1{zone}", name=f"public-{zone}")
        net.associate_route_table(public_rt, subnet)
        public.append(subnet)
        inner = net.create_subnet(vpc, f"10.0.{10 + index}.0/24", az=f"us-east-1{zone}", name=f"private-{zone}")
        private.append(inner)
        web.append(net.run_instance(inner, security_groups=[sg], name=f"web-{zone}"))
    return Lab(net, vpc, public, private, web, sg)


@pytest.fixture
def lab() -> Lab:
    return build_lab()


def node_ip(lb: vpcsim.LoadBalancer, zone: str, *, public: bool = True) -> str:
    node = lb.node(zone)
    return str(node.public_ip if public else node.private_ip)


def delivered_packet(trace: vpcsim.Trace) -> vpcsim.Packet:
    """The request as the target received it."""
    last = trace.hops[-1]
    assert last.action == "deliver", str(trace)
    assert last.packet is not None
    return last.packet


def chosen_target(trace: vpcsim.Trace) -> str:
    """The target the node sent to (the target-group hop's rule)."""
    rule = one_hop(trace, "target-group").rule
    assert isinstance(rule, str)
    return rule


# ------------------------------------------------------------------ L1: client IP preservation


def test_instance_targets_see_the_client_so_a_vpc_only_sg_blocks_internet_clients(lab: Lab) -> None:
    # SPEC L1: instance targets keep the client IP; the health check (from the node's private IP) still passes.
    lab.allow("10.0.0.0/16")
    lb, tg, _ = lab.balancer()
    assert lab.health(tg) == {i.id: ("healthy", None) for i in lab.web}
    t = lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)
    hop = assert_dropped(
        t, "DENIED_IN", "ELBV2_SOURCE_ADDRESS_PRESERVATION", kind="security-group-ingress", component=lab.sg.id
    )
    assert hop.packet is not None
    assert hop.packet.src == CLIENT.address
    assert hop.spec == "L1"
    assert chosen_target(t) == lab.web[0].id  # node a, cross-zone off: web-a
    # The fix the explanation points at: let the clients in.
    lab.allow("0.0.0.0/0")
    t = lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)
    assert t.connected
    assert delivered_packet(t).src == CLIENT.address
    assert delivered_packet(t).dst == lab.web[0].private_ip


def test_instance_targets_behind_the_nlb_by_name(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    lb, _, _ = lab.balancer()
    for ref in ("lb", lb.id, lb.dns_name):
        t = lab.net.trace(CLIENT, ref, "tcp", 80)
        assert t.connected, ref
        assert t.destination.network_interface is lb.node(A)  # DNS answers in AZ order: node a first
        assert "lb" in t.destination.label
        assert lb.node(A).id in t.destination.label


def test_ip_targets_see_the_node_address(lab: Lab) -> None:
    # SPEC L1: TCP IP targets do not keep the client IP; allowing the public subnets (the nodes) is enough.
    lab.allow("10.0.0.0/24")
    lab.allow("10.0.1.0/24")
    lb, tg, _ = lab.balancer(target_type="ip")
    assert lab.health(tg) == {str(i.private_ip): ("healthy", None) for i in lab.web}
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected, str(t)
    seen = delivered_packet(t)
    assert (seen.src, seen.dst, seen.dst_port) == (lb.node(A).private_ip, lab.web[0].private_ip, 80)
    assert seen.src_port == 1024  # the node picks its own port (N4: 1024-65535)
    translate = one_hop(t, "load-balancer")
    assert (translate.component, translate.action) == (lb.id, "translate")
    assert "sees the load balancer" in translate.detail
    # A client port in 1024-65535 is kept; one below 1024 is remapped into the range.
    assert delivered_packet(lab.net.trace(CLIENT, "lb", "tcp", 80, 5000)).src_port == 5000
    assert delivered_packet(lab.net.trace(CLIENT, "lb", "tcp", 80, 200)).src_port == 1024


def test_preserve_client_ip_turned_on_for_ip_targets(lab: Lab) -> None:
    lab.allow("10.0.0.0/24")
    lab.allow("10.0.1.0/24")
    _, tg, _ = lab.balancer(target_type="ip")
    lab.net.modify_target_group_attributes(tg, preserve_client_ip=True)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert_dropped(
        t, "DENIED_IN", "ELBV2_SOURCE_ADDRESS_PRESERVATION", kind="security-group-ingress", component=lab.sg.id
    )
    assert lab.health(tg) == {str(i.private_ip): ("healthy", None) for i in lab.web}


def test_instance_targets_with_preservation_turned_off_see_the_node(lab: Lab) -> None:
    lab.allow("10.0.0.0/23")
    lb, _, _ = lab.balancer(preserve_client_ip=False)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected
    assert delivered_packet(t).src == lb.node(A).private_ip


def test_udp_ip_targets_keep_the_client_ip_by_default(lab: Lab) -> None:
    # SPEC L1 (AWS: UDP and TCP_UDP groups always preserve): the node subnets alone are not enough.
    for cidr in ("10.0.0.0/24", "10.0.1.0/24"):
        lab.allow(cidr, 53, "udp")
        lab.allow(cidr, 53, "tcp")  # the health check is TCP to the traffic port
    lb, tg, _ = lab.balancer(protocol="UDP", port=53, target_port=53, target_type="ip")
    assert {s for s, _ in lab.health(tg).values()} == {"healthy"}
    t = lab.net.trace(CLIENT, "lb", "udp", 53)
    hop = assert_dropped(t, "DENIED_IN", "ELBV2_SOURCE_ADDRESS_PRESERVATION", kind="security-group-ingress")
    assert hop.packet is not None
    assert hop.packet.src == CLIENT.address
    lab.allow("198.51.100.0/24", 53, "udp")
    t = lab.net.trace(CLIENT, "lb", "udp", 53)
    assert t.connected
    assert delivered_packet(t).src == CLIENT.address
    assert t.reply is not None
    assert t.reply.hops[-1].packet is not None
    assert t.reply.hops[-1].packet.src == lb.node(A).public_ip


def test_udp_preservation_cannot_be_turned_off(lab: Lab) -> None:
    # AWS: client IP preservation is on "and can't be disabled" for UDP and TCP_UDP target groups.
    for protocol in ("UDP", "TCP_UDP"):
        with assert_refused(lab.net, "InvalidConfigurationRequest", protocol):
            lab.net.create_target_group("x", protocol=protocol, port=53, vpc=lab.vpc, preserve_client_ip=False)
    _, tg, _ = lab.balancer(protocol="UDP", port=53, target_port=53, target_type="ip", preserve_client_ip=True)
    with assert_refused(lab.net, "InvalidConfigurationRequest", "UDP"):
        lab.net.modify_target_group_attributes(tg, preserve_client_ip=False)
    t = lab.net.trace(CLIENT, "lb", "udp", 53)
    assert t.explanation == "ELBV2_SOURCE_ADDRESS_PRESERVATION", str(t)


@pytest.fixture
def peered(lab: Lab) -> tuple[Lab, vpcsim.Instance, vpcsim.TargetGroup]:
    """A TCP NLB whose only target is an IP in a peered VPC ``far`` (10.1.0.0/16), registered with AZ "all"."""
    net = lab.net
    far_vpc = net.create_vpc("10.1.0.0/16", name="far")
    far_sg = net.create_security_group(far_vpc, "far", description="the far server")
    far = net.run_instance(net.create_subnet(far_vpc, "10.1.0.0/24", az=A), security_groups=[far_sg], name="far")
    pcx = net.create_vpc_peering_connection(lab.vpc, far_vpc)
    net.create_route(far_vpc.main_route_table, "10.0.0.0/16", pcx)
    for table in net.route_tables:
        if table.vpc is lab.vpc:
            net.create_route(table, "10.1.0.0/16", pcx)
    lab.allow("10.0.0.0/16", group=far_sg)
    _, tg, _ = lab.balancer(target_type="ip", targets=[{"Id": str(far.private_ip), "AvailabilityZone": "all"}])
    return lab, far, tg


def test_ip_target_in_a_peered_vpc(peered: tuple[Lab, vpcsim.Instance, vpcsim.TargetGroup]) -> None:
    lab, far, tg = peered
    assert tg.targets[0].availability_zone == "all"
    row = lab.net.describe_target_health(tg)[0]
    assert row.state == "healthy"
    assert set(row.nodes) == {n.id for n in lab.net.load_balancers[0].nodes}  # "all": every node checks it
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected
    assert delivered_packet(t).dst == far.private_ip
    assert hops(t, "vpc-peering-connection")


def test_preserved_client_ip_reaches_a_target_in_a_peered_vpc(
    peered: tuple[Lab, vpcsim.Instance, vpcsim.TargetGroup],
) -> None:
    # AWS: with client IP preservation "the target must be located in the same VPC as the Network Load Balancer
    # or in a peered VPC in the same region".
    lab, far, tg = peered
    far_sg = far.primary_network_interface.security_groups[0]
    lab.allow("0.0.0.0/0", group=far_sg)
    lab.net.modify_target_group_attributes(tg, preserve_client_ip=True)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected, str(t)
    assert delivered_packet(t).src == CLIENT.address


# ------------------------------------------------------------------ L3: ALB


@pytest.fixture
def alb_lab(lab: Lab) -> tuple[Lab, vpcsim.SecurityGroup]:
    alb_sg = lab.net.create_security_group(lab.vpc, "alb", description="the ALB")
    lab.allow("0.0.0.0/0", 80, group=alb_sg)
    return lab, alb_sg


def test_alb_targets_always_see_the_alb(alb_lab: tuple[Lab, vpcsim.SecurityGroup]) -> None:
    # SPEC L3 and G2: the targets see the ALB's private IP, so an SG reference to the ALB's SG admits it.
    lab, alb_sg = alb_lab
    lab.net.authorize_security_group_ingress(lab.sg, protocol="tcp", ports=8080, source_group=alb_sg)
    alb, tg, _ = lab.balancer("alb", type="application", security_groups=[alb_sg], protocol="HTTP", target_port=8080)
    assert alb.cross_zone
    assert lab.health(tg) == {i.id: ("healthy", None) for i in lab.web}
    t = lab.net.trace(CLIENT, "alb", "tcp", 80)
    assert t.connected, str(t)
    seen = delivered_packet(t)
    assert (seen.src, seen.dst_port) == (alb.node(A).private_ip, 8080)
    translate = one_hop(t, "load-balancer")
    assert translate.spec == "L3"
    assert "ALB ends the connection" in translate.detail
    # Client traffic enters through the ALB's own SG (its listener rule).
    entry = hops(t, "security-group-ingress")[0]
    assert entry.component == alb_sg.id
    assert entry.action == "allow"
    # The reply leaves from the node's public IP.
    assert t.reply is not None
    assert t.reply.hops[-1].packet is not None
    assert t.reply.hops[-1].packet.src == alb.node(A).public_ip


def test_alb_sg_must_allow_the_listener(alb_lab: tuple[Lab, vpcsim.SecurityGroup]) -> None:
    lab, alb_sg = alb_lab
    lab.allow("10.0.0.0/16", 8080)
    lab.balancer("alb", type="application", security_groups=[alb_sg], protocol="HTTP", port=8000, target_port=8080)
    t = lab.net.trace(CLIENT, "alb", "tcp", 8000)
    assert_dropped(t, "DENIED_IN", "ENI_SG_RULES_MISMATCH", kind="security-group-ingress", component=alb_sg.id)


def test_alb_sg_must_allow_the_targets_outbound(alb_lab: tuple[Lab, vpcsim.SecurityGroup]) -> None:
    lab, alb_sg = alb_lab
    lab.allow("10.0.0.0/16", 8080)
    _, tg, _ = lab.balancer("alb", type="application", security_groups=[alb_sg], protocol="HTTP", target_port=8080)
    lab.net.revoke_security_group_egress(alb_sg, rule_id=alb_sg.egress[0].id)
    # The health checks leave through the same SG: both targets fail them, and the ALB fails open.
    assert lab.health(tg) == {i.id: ("unhealthy", "Target.FailedHealthChecks") for i in lab.web}
    t = lab.net.trace(CLIENT, "alb", "tcp", 80)
    assert_dropped(t, "DENIED_OUT", "ENI_SG_RULES_MISMATCH", kind="security-group-egress", component=alb_sg.id)
    lab.net.authorize_security_group_egress(alb_sg, protocol="tcp", ports=8080, cidr="10.0.10.0/23")
    assert lab.net.trace(CLIENT, "alb", "tcp", 80).connected
    assert {s for s, _ in lab.health(tg).values()} == {"healthy"}


def test_alb_without_security_groups_gets_the_default(lab: Lab) -> None:
    alb, _, _ = lab.balancer("alb", type="application", protocol="HTTP")
    assert alb.security_groups == [lab.vpc.default_security_group]
    assert all(node.security_groups == [lab.vpc.default_security_group] for node in alb.nodes)
    # The default SG admits only itself: the internet is stopped at the node.
    t = lab.net.trace(CLIENT, "alb", "tcp", 80)
    assert_dropped(t, "DENIED_IN", "ENI_SG_RULES_MISMATCH", component=lab.vpc.default_security_group.id)


# ------------------------------------------------------------------ L1: NLB security groups


def test_nlb_without_security_groups_has_none_and_cannot_get_them(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    lb, _, _ = lab.balancer()
    assert lb.security_groups is None
    assert all(node.security_groups == [] for node in lb.nodes)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected
    node_hops = [h for h in t.hops if h.kind.startswith("security-group") and h.component != lab.sg.id]
    assert node_hops == []
    other = lab.net.create_security_group(lab.vpc, "late", description="too late")
    with assert_refused(lab.net, "InvalidConfigurationRequest", "lb"):
        lab.net.set_security_groups(lb, [other])


def test_nlb_with_security_groups_filters_clients(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    nlb_sg = lab.net.create_security_group(lab.vpc, "nlb", description="the NLB")
    lb, _, _ = lab.balancer(security_groups=[nlb_sg])
    assert lb.security_groups == [nlb_sg]
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert_dropped(t, "DENIED_IN", "ENI_SG_RULES_MISMATCH", kind="security-group-ingress", component=nlb_sg.id)
    lab.allow("198.51.100.0/24", group=nlb_sg)
    assert lab.net.trace(CLIENT, "lb", "tcp", 80).connected
    assert not lab.net.trace(vpcsim.internet("203.0.113.9"), "lb", "tcp", 80).connected
    # An NLB created with SGs can change them (all nodes follow).
    wide = lab.net.create_security_group(lab.vpc, "wide", description="everyone")
    lab.allow("0.0.0.0/0", group=wide)
    lab.net.set_security_groups(lb, [wide])
    assert all(node.security_groups == [wide] for node in lb.nodes)
    assert lab.net.trace(vpcsim.internet("203.0.113.9"), "lb", "tcp", 80).connected


def test_target_sg_referencing_the_nlb_sg_admits_preserved_clients(lab: Lab) -> None:
    # AWS (NLB security groups): referencing the NLB's SG in the targets' SGs "ensures that your targets accept
    # traffic from your load balancer even if you enable client IP preservation".
    nlb_sg = lab.net.create_security_group(lab.vpc, "nlb", description="the NLB")
    lab.allow("0.0.0.0/0", group=nlb_sg)
    lab.net.authorize_security_group_ingress(lab.sg, protocol="tcp", ports=80, source_group=nlb_sg)
    # A public server in the same SG and target group: reachable through the NLB only.
    direct = lab.net.run_instance(lab.public[0], security_groups=[lab.sg], associate_public_ip=True, name="direct")
    lab.balancer(security_groups=[nlb_sg], targets=[*lab.web, direct], cross_zone=True)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected, str(t)
    assert delivered_packet(t).src == CLIENT.address
    assert_dropped(
        lab.net.trace(CLIENT, direct, "tcp", 80), "DENIED_IN", "ENI_SG_RULES_MISMATCH", component=lab.sg.id
    )
    # The reference stands for this NLB only: one without SGs still hands the targets the bare client address.
    lab.balancer("bare", port=81, target_port=80, targets=lab.web)
    t = lab.net.trace(CLIENT, "bare", "tcp", 81)
    assert_dropped(t, "DENIED_IN", "ELBV2_SOURCE_ADDRESS_PRESERVATION", component=lab.sg.id)


# ------------------------------------------------------------------ L2: cross-zone, DNS


def test_cross_zone_off_node_without_a_target_in_its_az(lab: Lab) -> None:
    # SPEC L2: cross-zone off (the NLB default), the only target is in b: node a has nothing to send to.
    lab.allow("0.0.0.0/0")
    lb, tg, _ = lab.balancer(targets=[lab.web[1]])
    assert not lb.cross_zone
    t = lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)
    hop = assert_dropped(t, "NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ", kind="target-group", component=tg.id)
    assert A in hop.detail
    # By name, DNS answers with node b only (the node that has a healthy target).
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected
    assert t.destination.network_interface is lb.node(B)
    assert chosen_target(t) == lab.web[1].id


def test_dns_failover_to_the_other_node(lab: Lab) -> None:
    # SPEC L2: a client tries each address its DNS lookup gave. Node a's subnet refuses the client (NACL).
    lab.allow("0.0.0.0/0")
    lb, _, _ = lab.balancer()
    acl = lab.net.create_network_acl(lab.vpc, name="closed")
    lab.net.replace_network_acl_association(acl, lab.public[0])
    t = lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)
    assert_dropped(t, "DENIED_IN", "SUBNET_ACL_RESTRICTION", kind="nacl-ingress", component=acl.id)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected
    assert t.destination.network_interface is lb.node(B)
    assert chosen_target(t) == lab.web[1].id


def test_cross_zone_on_sends_across_azs(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    lb, tg, _ = lab.balancer(targets=[lab.web[1]], cross_zone=True)
    t = lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)
    assert t.connected
    assert chosen_target(t) == lab.web[1].id
    assert delivered_packet(t).dst == lab.web[1].private_ip
    assert "all enabled AZs" in one_hop(t, "target-group").detail
    # The target group can override the load balancer's setting, and go back to it.
    lab.net.modify_target_group_attributes(tg, cross_zone=False)
    assert_dropped(lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80), "NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ")
    lab.net.modify_target_group_attributes(tg, cross_zone="use_load_balancer_configuration")
    assert lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80).connected
    lab.net.modify_load_balancer_attributes(lb, cross_zone=False)
    assert_dropped(lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80), "NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ")
    lab.net.modify_target_group_attributes(tg, cross_zone=True)
    assert chosen_target(lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)) == lab.web[1].id


# ------------------------------------------------------------------ L1: listeners


def test_no_listener_for_the_port(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    lb, _, _ = lab.balancer()
    t = lab.net.trace(CLIENT, "lb", "tcp", 8080)
    hop = assert_dropped(
        t, "DENIED_IN", "ELB_LISTENER_PORT_RESTRICTION", kind="load-balancer-listener", component=lb.id
    )
    assert "TCP 80" in hop.detail  # the listeners it has
    assert hops(t, "target-group") == []


def test_no_listener_for_the_protocol(lab: Lab) -> None:
    lab.allow("0.0.0.0/0", 80, "udp")
    lb, _, _ = lab.balancer()
    t = lab.net.trace(CLIENT, "lb", "udp", 80)
    assert_dropped(t, "DENIED_IN", "ELB_LISTENER_PORT_RESTRICTION", kind="load-balancer-listener", component=lb.id)
    assert_dropped(lab.net.trace(CLIENT, "lb", "icmp"), "DENIED_IN", "ELB_LISTENER_PORT_RESTRICTION")


def test_tcp_udp_listener_carries_both(lab: Lab) -> None:
    lab.allow("0.0.0.0/0", 53, "udp")
    lab.allow("0.0.0.0/0", 53, "tcp")
    lab.balancer(protocol="TCP_UDP", port=53, target_port=53)
    assert lab.net.trace(CLIENT, "lb", "udp", 53).connected
    assert lab.net.trace(CLIENT, "lb", "tcp", 53).connected


def test_listener_port_and_target_port_differ(lab: Lab) -> None:
    lab.allow("0.0.0.0/0", 8443)
    lab.balancer(port=443, target_port=8443)
    t = lab.net.trace(CLIENT, "lb", "tcp", 443)
    assert t.connected
    assert delivered_packet(t).dst_port == 8443
    listener = one_hop(t, "load-balancer-listener")
    assert listener.rule == "TCP:443"


def test_target_registered_with_its_own_port(lab: Lab) -> None:
    lab.allow("0.0.0.0/0", 9000)
    lab.allow("0.0.0.0/0", 80)
    lab.balancer(targets=[(lab.web[0], 9000), lab.web[1]], cross_zone=True)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    seen = {(delivered_packet(t).dst, delivered_packet(t).dst_port)}
    assert seen <= {(lab.web[0].private_ip, 9000), (lab.web[1].private_ip, 80)}


# ------------------------------------------------------------------ L2: health checks


def test_health_check_port_blocked_by_the_target_sg(lab: Lab) -> None:
    # SPEC L2: the check goes to 8080 (not the traffic port); only web-a's SGs allow it from the nodes.
    lab.allow("0.0.0.0/0")
    checks = lab.net.create_security_group(lab.vpc, "checks", description="health checks")
    lab.allow("10.0.0.0/23", 8080, group=checks)
    eni_a = lab.web[0].primary_network_interface
    lab.net.modify_network_interface_attribute(eni_a, security_groups=[lab.sg, checks])
    lb, tg, _ = lab.balancer(health_check_port=8080, cross_zone=True)
    rows = {h.target.id: h for h in lab.net.describe_target_health(tg)}
    assert (rows[lab.web[0].id].state, rows[lab.web[0].id].reason) == ("healthy", None)
    bad = rows[lab.web[1].id]
    assert (bad.state, bad.reason, bad.description) == (
        "unhealthy",
        "Target.FailedHealthChecks",
        "Health checks failed",
    )
    assert bad.nodes == {lb.node(A).id: False, lb.node(B).id: False}
    assert rows[lab.web[0].id].nodes == {lb.node(A).id: True, lb.node(B).id: True}
    # The check itself, as a trace from the node: web-b's SG decides.
    check = lab.net.trace(lb.node(B), str(lab.web[1].private_ip), "tcp", 8080)
    assert_dropped(check, "DENIED_IN", "ENI_SG_RULES_MISMATCH", kind="security-group-ingress", component=lab.sg.id)
    # Traffic goes to the healthy target from both nodes.
    for zone in (A, B):
        t = lab.net.trace(CLIENT, node_ip(lb, zone), "tcp", 80)
        assert t.connected
        assert chosen_target(t) == lab.web[0].id
    # Cross-zone off: node b has no healthy target left (the unhealthy one is not used: others are healthy).
    lab.net.modify_load_balancer_attributes(lb, cross_zone=False)
    assert_dropped(
        lab.net.trace(CLIENT, node_ip(lb, B), "tcp", 80), "NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ", component=tg.id
    )
    assert lab.net.trace(CLIENT, "lb", "tcp", 80).destination.network_interface is lb.node(A)
    # Back to the traffic port: both healthy.
    lab.net.modify_target_group(tg, health_check_port="traffic-port")
    assert tg.health_check.port is None
    assert {s for s, _ in lab.health(tg).values()} == {"healthy"}


def test_nacl_on_the_target_subnet_blocks_the_health_check(lab: Lab) -> None:
    # SPEC L2, N2: private-b's NACL denies the nodes' subnets but lets the (preserved) internet clients in.
    lab.allow("0.0.0.0/0")
    net = lab.net
    acl = net.create_network_acl(lab.vpc, name="no-nodes")
    net.create_network_acl_entry(
        acl, rule_number=10, egress=False, protocol="tcp", action="deny", cidr="10.0.0.0/23", ports=(80, 80)
    )
    net.create_network_acl_entry(acl, rule_number=100, egress=False, protocol="-1", action="allow", cidr="0.0.0.0/0")
    net.create_network_acl_entry(acl, rule_number=100, egress=True, protocol="-1", action="allow", cidr="0.0.0.0/0")
    net.replace_network_acl_association(acl, lab.private[1])
    lb, tg, _ = lab.balancer()
    assert lab.health(tg) == {
        lab.web[0].id: ("healthy", None),
        lab.web[1].id: ("unhealthy", "Target.FailedHealthChecks"),
    }
    check = net.trace(lb.node(B), str(lab.web[1].private_ip), "tcp", 80)
    assert_dropped(check, "DENIED_IN", "SUBNET_ACL_RESTRICTION", kind="nacl-ingress", component=acl.id, rule=10)
    assert_dropped(net.trace(CLIENT, node_ip(lb, B), "tcp", 80), "NO_ROUTE", "ELBV2_NO_TARGETS_IN_AZ")
    t = net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected
    assert t.destination.network_interface is lb.node(A)


def test_fail_open_when_no_target_is_healthy(lab: Lab) -> None:
    # SPEC L2: the SG admits the clients but not the nodes: every check fails, and the NLB sends to all anyway.
    lab.allow("198.51.100.0/24")
    lb, tg, _ = lab.balancer()
    assert {s for s, _ in lab.health(tg).values()} == {"unhealthy"}
    for zone, target in ((A, lab.web[0]), (B, lab.web[1])):
        t = lab.net.trace(CLIENT, node_ip(lb, zone), "tcp", 80)
        assert t.connected, str(t)
        hop = one_hop(t, "target-group")
        assert hop.rule == target.id
        assert "fail-open" in hop.detail
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.connected
    assert t.destination.network_interface is lb.node(A)


def test_fail_open_agrees_with_describe_target_health(lab: Lab) -> None:
    # Each target fails the check of its own AZ's node (its subnet's NACL denies that node's subnet) and passes the
    # other node's. describe_target_health and the routing must tell one story: no fail-open "none is healthy"
    # while targets are reported healthy.
    lab.allow("0.0.0.0/0")
    for public, private in zip(lab.public, lab.private, strict=True):
        acl = lab.net.create_network_acl(lab.vpc)
        lab.net.create_network_acl_entry(
            acl, rule_number=10, egress=False, protocol="-1", action="deny", cidr=str(public.cidr_block)
        )
        for egress in (False, True):
            lab.net.create_network_acl_entry(
                acl, rule_number=100, egress=egress, protocol="-1", action="allow", cidr="0.0.0.0/0"
            )
        lab.net.replace_network_acl_association(acl, private)
    _, tg, _ = lab.balancer()
    healthy = [state for state, _ in lab.health(tg).values()] == ["healthy", "healthy"]
    hop = one_hop(lab.net.trace(CLIENT, "lb", "tcp", 80), "target-group")
    assert not (healthy and "fail-open" in hop.detail), hop.detail


def test_health_checks_disabled_and_group_without_listener(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    _, tg, _ = lab.balancer(health_check_enabled=False)
    assert lab.health(tg) == {i.id: ("unavailable", "Target.HealthCheckDisabled") for i in lab.web}
    assert lab.net.trace(CLIENT, "lb", "tcp", 80).connected
    spare = lab.net.create_target_group("spare", protocol="TCP", port=80, vpc=lab.vpc)
    lab.net.register_targets(spare, [lab.web[0]])
    assert lab.health(spare) == {lab.web[0].id: ("unused", "Target.NotInUse")}


def test_stopped_instance_target_is_not_used(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    lb, tg, _ = lab.balancer(cross_zone=True)
    lab.net.stop_instance(lab.web[0])
    rows = {h.target.id: h for h in lab.net.describe_target_health(tg)}
    assert (rows[lab.web[0].id].state, rows[lab.web[0].id].reason) == ("unused", "Target.InvalidState")
    assert "stopped" in rows[lab.web[0].id].description
    assert rows[lab.web[1].id].state == "healthy"
    for zone in (A, B):
        t = lab.net.trace(CLIENT, node_ip(lb, zone), "tcp", 80)
        assert t.connected
        assert chosen_target(t) == lab.web[1].id
    lab.net.stop_instance(lab.web[1])
    t = lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)
    assert_dropped(t, "NO_ROUTE", "ELBV2_NO_TARGETS", kind="target-group", component=tg.id)


def test_target_in_an_az_the_load_balancer_does_not_use(lab: Lab) -> None:
    # SPEC L1: web-b is in b; the NLB has only a node in a.
    lab.allow("0.0.0.0/0")
    lb, tg, _ = lab.balancer(subnets=[lab.public[0]], targets=[lab.web[1]], cross_zone=True)
    row = lab.net.describe_target_health(tg)[0]
    assert (row.state, row.reason) == ("unused", "Target.NotInUse")
    assert "Availability Zone" in row.description
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert_dropped(t, "NO_ROUTE", "ELB_INSTALLED_AZ_RESTRICTION", kind="target-group", component=tg.id)
    # Enabling b's subnet puts the target in use.
    lab.net.set_subnets(lb, lab.public)
    assert lab.health(tg) == {lab.web[1].id: ("healthy", None)}
    assert lab.net.trace(CLIENT, "lb", "tcp", 80).connected


def test_nlb_in_front_of_an_alb(alb_lab: tuple[Lab, vpcsim.SecurityGroup]) -> None:
    # Static IPs for an ALB: an internet-facing NLB whose TCP IP targets are the internal ALB's node addresses.
    lab, alb_sg = alb_lab
    lab.allow("10.0.0.0/16")
    alb, _, _ = lab.balancer(
        "alb", type="application", scheme="internal", subnets=lab.private, security_groups=[alb_sg], protocol="HTTP"
    )
    _, tg, _ = lab.balancer("static", target_type="ip", targets=[str(n.private_ip) for n in alb.nodes])
    assert {s for s, _ in lab.health(tg).values()} == {"healthy"}
    t = lab.net.trace(CLIENT, "static", "tcp", 80)
    assert delivered_packet(t).dst in {i.private_ip for i in lab.web}
    assert t.connected, str(t)


def test_preserved_client_ip_to_another_nlb_is_not_supported(lab: Lab) -> None:
    # AWS: "Client IP preservation is not supported when a target group contains ... the ENI of another Network
    # Load Balancer. This will cause loss of communication to those targets."
    lab.allow("0.0.0.0/0")
    inner, _, _ = lab.balancer("inner", scheme="internal", subnets=lab.private)
    nodes = [str(n.private_ip) for n in inner.nodes]
    lab.balancer("outer", port=81, target_type="ip", targets=nodes)
    assert lab.net.trace(CLIENT, "outer", "tcp", 81).connected  # without preservation, the chain works
    lab.net.modify_target_group_attributes("outer-tg", preserve_client_ip=True)
    t = lab.net.trace(CLIENT, "outer", "tcp", 81)
    assert not t.connected, str(t)


# ------------------------------------------------------------------ hairpin, internal, replies


def test_hairpin_target_calling_its_own_nlb(lab: Lab) -> None:
    # SPEC L1: with client IP preservation, a target cannot reach itself through its load balancer.
    lab.allow("10.0.0.0/16")
    lb, _, _ = lab.balancer(scheme="internal", subnets=lab.private, targets=[lab.web[0]])
    t = lab.net.trace(lab.web[0], node_ip(lb, A, public=False), "tcp", 80)
    hop = assert_dropped(t, "DENIED_IN", "ELBV2_SOURCE_ADDRESS_PRESERVATION", kind="load-balancer", component=lb.id)
    assert "itself" in hop.detail
    assert lab.net.trace(lab.web[1], "lb", "tcp", 80).connected  # another client is fine
    # With a second target the node picks the one that works.
    lb2, tg2, _ = lab.balancer("two", scheme="internal", subnets=lab.private, cross_zone=True)
    t = lab.net.trace(lab.web[0], node_ip(lb2, A, public=False), "tcp", 80)
    assert t.connected
    assert chosen_target(t) == lab.web[1].id
    # Without preservation the target sees the node and reaches itself.
    lab.net.modify_target_group_attributes("lb-tg", preserve_client_ip=False)
    assert lab.net.trace(lab.web[0], node_ip(lb, A, public=False), "tcp", 80).connected
    assert tg2.preserve_client_ip is None


def test_internal_load_balancer_is_reachable_from_inside_only(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    lb, _, _ = lab.balancer(scheme="internal", subnets=lab.private)
    assert lb.dns_name.startswith("internal-lb-")
    assert all(node.public_ip is None for node in lb.nodes)
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert_dropped(t, "DENIED_IN", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", kind="internet-gateway")
    t = lab.net.trace(lab.web[0], "lb", "tcp", 80)
    assert t.connected
    assert t.reply is not None
    assert t.reply.hops[-1].packet is not None
    # Node a would send web-a to itself (hairpin): the client falls over to node b, whose address answers.
    assert t.destination.network_interface is lb.node(B)
    assert t.reply.hops[-1].packet.src == lb.node(B).private_ip


def test_internet_facing_needs_an_internet_gateway_but_internal_does_not(lab: Lab) -> None:
    other = lab.net.create_vpc("10.9.0.0/16")
    subnet = lab.net.create_subnet(other, "10.9.0.0/24", az=A)
    with assert_refused(lab.net, "InvalidSubnet", other.id):
        lab.net.create_load_balancer("nope", [subnet], type="network")
    lab.net.create_load_balancer("fine", [subnet], type="network", scheme="internal")


def test_reply_leaves_through_the_node(lab: Lab) -> None:
    # SPEC L1: the target answers the preserved client through the node, whose public address the reply leaves
    # from, though the target's subnet has no route to the internet.
    lab.allow("0.0.0.0/0")
    lb, _, _ = lab.balancer()
    t = lab.net.trace(CLIENT, "lb", "tcp", 80)
    assert t.reply is not None
    assert t.reply.delivered
    back = [h for h in t.reply.hops if h.kind == "load-balancer"]
    assert [h.action for h in back] == ["forward", "translate"]
    assert lb.node(A).id in back[0].detail
    last = t.reply.hops[-1]
    assert (last.kind, last.action) == ("internet", "exit")
    assert last.packet is not None
    assert (last.packet.src, last.packet.src_port, last.packet.dst) == (lb.node(A).public_ip, 80, CLIENT.address)
    # A NACL on the node's subnet that blocks the reply port range breaks the flow on the way back (N4).
    acl = lab.net.create_network_acl(lab.vpc, name="half")
    lab.net.create_network_acl_entry(
        acl, rule_number=100, egress=False, protocol="-1", action="allow", cidr="0.0.0.0/0"
    )
    lab.net.create_network_acl_entry(
        acl, rule_number=100, egress=True, protocol="tcp", action="allow", cidr="10.0.0.0/16", ports=(0, 65535)
    )
    lab.net.replace_network_acl_association(acl, lab.public[0])
    t = lab.net.trace(CLIENT, node_ip(lb, A), "tcp", 80)
    assert t.delivered
    assert not t.connected
    assert t.reply is not None
    assert (t.reply.disposition, t.reply.explanation) == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION")


def test_reply_leaves_from_the_nodes_elastic_ip(lab: Lab) -> None:
    lab.allow("0.0.0.0/0")
    eip = lab.net.allocate_address(name="lb-a")
    lb = lab.net.create_load_balancer("eip", lab.public, type="network", allocations={lab.public[0].id: eip})
    tg = lab.net.create_target_group("eip-tg", protocol="TCP", port=80, vpc=lab.vpc)
    lab.net.register_targets(tg, lab.web)
    lab.net.create_listener(lb, protocol="TCP", port=80, target_group=tg)
    assert lb.node(A).public_ip == eip.public_ip
    assert eip.network_interface is lb.node(A)
    t = lab.net.trace(CLIENT, str(eip.public_ip), "tcp", 80)
    assert t.connected
    assert t.reply is not None
    assert t.reply.hops[-1].packet is not None
    assert t.reply.hops[-1].packet.src == eip.public_ip


def test_evaluate_agrees_with_trace_on_load_balancer_flows(lab: Lab) -> None:
    # SPEC V: evaluate() hands load balancer flows to the scalar walk; every verdict matches trace().
    lab.allow("198.51.100.0/24")
    lab.allow("10.0.0.0/16", 8080)
    lb, _, _ = lab.balancer(health_check_port=8080)
    lab.balancer("inner", scheme="internal", subnets=lab.private, port=81, target_type="ip")
    ends: list[object] = ["lb", lb.dns_name, node_ip(lb, A), node_ip(lb, B), lab.web[0], "inner"]
    flows = vpcsim.FlowBatch.from_product([CLIENT, lab.web[0], lab.web[1]], ends, ["tcp", "udp"], [80, 81, 8080])
    valid = [f for f in range(len(flows)) if not (flows.flow(f)[0] is CLIENT and flows.flow(f)[1] == "inner")]
    rows = [flows.flow(i) for i in valid]
    batch = vpcsim.FlowBatch.from_arrays(*(list(c) for c in zip(*[r[:4] for r in rows], strict=True)))
    v = assert_evaluate_agrees(lab.net, batch)
    assert v.connected.any()
    assert not v.connected.all()
    assert v.scalar.any()


# ------------------------------------------------------------------ G5: the Simulator


def test_simulator_connects_through_the_nlb_and_tracks_it(lab: Lab) -> None:
    # SPEC G5: traffic through an NLB is always tracked, though the rule (0.0.0.0/0 in, all out) is one that
    # leaves direct traffic untracked: revoking it keeps the established connection alive, not new ones. (The
    # VPC rule keeps the health checks passing: the target stays healthy and in use.)
    lab.allow("0.0.0.0/0")
    lab.allow("10.0.0.0/16")
    _, tg, _ = lab.balancer()
    sim = vpcsim.Simulator(lab.net)
    conn = sim.connect(CLIENT, "lb", "tcp", 80)
    assert conn.state == "established", [str(r) for r in conn.results]
    assert conn.server_interface is lab.web[0].primary_network_interface
    assert conn.server_view is not None
    assert conn.server_view.src == CLIENT.address
    entries = sim.conntrack(lab.web[0].primary_network_interface)
    assert len(entries) == 1
    assert "load balancer" in entries[0].reason
    lab.net.revoke_security_group_ingress(lab.sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    assert lab.health(tg) == {i.id: ("healthy", None) for i in lab.web}
    sim.advance(60)
    assert sim.send(conn).delivered
    assert sim.send(conn, "reply").delivered
    assert conn.state == "established"
    late = sim.connect(vpcsim.internet("198.51.100.8"), "lb", "tcp", 80)
    assert late.state == "failed"
    assert late.last is not None
    assert late.last.explanation == "ELBV2_SOURCE_ADDRESS_PRESERVATION"
    assert late.last.component == lab.sg.id


def test_simulator_direct_untracked_flow_dies_with_its_rule(lab: Lab) -> None:
    # The contrast: the same rule on an instance reached directly (no NLB) leaves the flow untracked (G5).
    web = lab.net.run_instance(lab.public[0], security_groups=[lab.sg], associate_public_ip=True, name="direct")
    lab.allow("0.0.0.0/0")
    lab.allow("10.0.0.0/16")
    sim = vpcsim.Simulator(lab.net)
    conn = sim.connect(CLIENT, web, "tcp", 80)
    assert conn.state == "established"
    assert sim.conntrack(web.primary_network_interface) == []
    lab.net.revoke_security_group_ingress(lab.sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    assert not sim.send(conn).delivered
    assert conn.state == "broken"


def test_simulator_keeps_a_connection_on_its_target(lab: Lab) -> None:
    # AWS: "Each individual TCP connection is routed to a single target for the life of the connection."
    lab.allow("0.0.0.0/0")
    _, tg, _ = lab.balancer(targets=[lab.web[0]])
    sim = vpcsim.Simulator(lab.net)
    conn = sim.connect(CLIENT, "lb", "tcp", 80)
    assert conn.server_host is lab.web[0]
    newcomer = lab.net.run_instance(lab.private[0], security_groups=[lab.sg], name="newcomer")
    while newcomer.id > lab.web[0].id:  # one the node would pick first
        newcomer = lab.net.run_instance(lab.private[0], security_groups=[lab.sg], name="newcomer")
    lab.net.register_targets(tg, [newcomer])
    assert chosen_target(lab.net.trace(CLIENT, "lb", "tcp", 80)) == newcomer.id  # new connections may go there
    result = sim.send(conn)
    assert result.delivered, str(result)
    assert conn.state == "established"
