"""Packet walk through the filters: network ACLs (SPEC N1-N5), security groups (G1-G4), source/destination check
(E5) and instance state, each drop checked for its disposition, explanation code, deciding component and rule.

One VPC (10.0.0.0/16 with IPv6) with a public subnet 10.0.1.0/24 (route to an internet gateway, public IPs on
launch) holding ``client`` and a private subnet 10.0.2.0/24 (main route table) holding ``server``; both carry the
SG ``open`` (everything in, everything out) unless a test says otherwise.
"""

from __future__ import annotations

import attrs
import pytest

import vpcsim
from vpcsim import Disposition

ACCEPTED, DENIED_IN, DENIED_OUT = Disposition.ACCEPTED, Disposition.DENIED_IN, Disposition.DENIED_OUT
STAR_IPV4, STAR_IPV6 = 32767, 32768

TwoGroups = tuple["Lab", vpcsim.SecurityGroup, vpcsim.SecurityGroup, str, str]  # lab, ssh, https, rule ids
Database = tuple["Lab", vpcsim.SecurityGroup, vpcsim.SecurityGroup, str]  # lab, app, db, reference rule id


@attrs.frozen
class Lab:
    net: vpcsim.Network
    vpc: vpcsim.Vpc
    igw: vpcsim.InternetGateway
    public: vpcsim.Subnet
    private: vpcsim.Subnet
    public_rt: vpcsim.RouteTable
    open_sg: vpcsim.SecurityGroup
    client: vpcsim.Instance
    server: vpcsim.Instance


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=7)
    vpc = net.create_vpc("10.0.0.0/16", name="lab", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    v6 = list(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    public = net.create_subnet(
        vpc, "10.0.1.0/24", az="us-east-1a", name="public", map_public_ip_on_launch=True, ipv6_cidr_block=str(v6[0])
    )
    private = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="private", ipv6_cidr_block=str(v6[1]))
    igw = net.create_internet_gateway(name="lab-igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.create_route(public_rt, "::/0", igw)
    net.associate_route_table(public_rt, public)
    open_sg = net.create_security_group(vpc, "open", description="everything")
    net.authorize_security_group_ingress(open_sg, protocol="-1", cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(open_sg, protocol="-1", cidr="::/0")
    client = net.run_instance(public, security_groups=[open_sg], name="client", ipv6_address_count=1)
    server = net.run_instance(private, security_groups=[open_sg], name="server", ipv6_address_count=1)
    return Lab(net, vpc, igw, public, private, public_rt, open_sg, client, server)


# ---------------------------------------------------------------- helpers


def new_acl(net: vpcsim.Network, subnet: vpcsim.Subnet, *, open_both_ways: bool = False) -> vpcsim.NetworkAcl:
    """A custom NACL on ``subnet``: deny-all (N3), or with rules 1000/1001 allowing everything both ways."""
    acl = net.create_network_acl(subnet.vpc)
    if open_both_ways:
        for egress in (False, True):
            rule(net, acl, 1000, egress=egress)
            rule(net, acl, 1001, egress=egress, cidr="::/0")
    net.replace_network_acl_association(acl, subnet)
    return acl


def rule(
    net: vpcsim.Network,
    acl: vpcsim.NetworkAcl,
    number: int,
    *,
    egress: bool,
    protocol: str | int = "-1",
    action: str = "allow",
    cidr: str = "0.0.0.0/0",
    ports: int | tuple[int, int] | None = None,
    icmp: tuple[int, int] | None = None,
) -> None:
    net.create_network_acl_entry(
        acl,
        rule_number=number,
        egress=egress,
        protocol=protocol,
        action=action,
        cidr=cidr,
        ports=ports,
        icmp_type_code=icmp,
    )


def hops(t: vpcsim.Trace, kind: str) -> list[vpcsim.Hop]:
    return [h for h in t.hops if h.kind == kind]


def only_hop(t: vpcsim.Trace, kind: str, component: str) -> vpcsim.Hop:
    found = [h for h in hops(t, kind) if h.component == component]
    assert len(found) == 1, f"expected one {kind} hop at {component}:\n{t}"
    return found[0]


def assert_dropped(
    t: vpcsim.Trace,
    disposition: Disposition,
    explanation: str,
    component: str,
    *,
    kind: str,
    rule: int | str | None = None,
) -> None:
    assert (t.disposition, t.explanation) == (disposition, explanation), str(t)
    assert not t.delivered
    assert not t.connected
    hop = t.decided_by
    assert hop is not None, str(t)
    assert (hop.component, hop.kind, hop.rule) == (component, kind, rule), str(t)
    assert hop.explanation == explanation
    assert hop.dropped


def assert_connected(t: vpcsim.Trace) -> None:
    assert t.disposition in (ACCEPTED, Disposition.EXITS_NETWORK), str(t)
    assert t.explanation is None
    assert t.decided_by is None
    assert t.delivered
    assert t.reply is not None
    assert t.reply.delivered, str(t)
    assert t.connected
    assert t.blockers == []


# ---------------------------------------------------------------- N1: rule numbers, first match, the * rule


def test_n1_lower_numbered_allow_wins_whatever_the_input_order(lab: Lab) -> None:
    """SPEC N1: entries are evaluated by rule number: allow 100 beats deny 200 though created after it."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 200, egress=False, protocol="tcp", action="deny", cidr="10.0.1.0/24", ports=(80, 80))
    rule(lab.net, acl, 100, egress=False, protocol="tcp", action="allow", cidr="10.0.1.0/24", ports=(80, 80))
    rule(lab.net, acl, 100, egress=True, protocol="tcp", cidr="10.0.1.0/24", ports=(1024, 65535))
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_connected(t)
    hop = only_hop(t, "nacl-ingress", acl.id)
    assert (hop.action, hop.rule) == ("allow", 100)


def test_n1_lower_numbered_deny_wins_whatever_the_input_order(lab: Lab) -> None:
    """SPEC N1: allow 200 created first, deny 100 created second: the deny (lower number) decides."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 200, egress=False, protocol="tcp", action="allow", cidr="10.0.1.0/24", ports=(80, 80))
    rule(lab.net, acl, 100, egress=False, protocol="tcp", action="deny", cidr="10.0.1.0/24", ports=(80, 80))
    rule(lab.net, acl, 100, egress=True, protocol="tcp", cidr="10.0.1.0/24", ports=(1024, 65535))
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_dropped(t, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=100)


def test_n1_star_rule_32767_denies_ipv4_when_nothing_matches(lab: Lab) -> None:
    """SPEC N1: an IPv4 packet no numbered rule matches is denied by the * rule, number 32767."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="udp", cidr="0.0.0.0/0", ports=(53, 53))
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_dropped(t, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=STAR_IPV4)


def test_n1_star_rule_32768_denies_ipv6_when_nothing_matches(lab: Lab) -> None:
    """SPEC N1: the IPv6 * rule is number 32768."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="udp", cidr="::/0", ports=(53, 53))
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80, ip_version=6)
    assert t.packet.version == 6
    assert_dropped(t, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=STAR_IPV6)


# ---------------------------------------------------------------- N2: egress of the source, ingress of the target


def test_n2_source_subnet_egress_nacl_decides_denied_out(lab: Lab) -> None:
    """SPEC N2: the packet is checked on egress when it leaves its source subnet."""
    src_acl = new_acl(lab.net, lab.public, open_both_ways=True)
    dst_acl = new_acl(lab.net, lab.private, open_both_ways=True)
    rule(lab.net, src_acl, 90, egress=True, protocol="tcp", action="deny", cidr="10.0.2.0/24", ports=(80, 80))
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_dropped(t, DENIED_OUT, "SUBNET_ACL_RESTRICTION", src_acl.id, kind="nacl-egress", rule=90)
    assert dst_acl.id not in t.components  # it never got that far


def test_n2_destination_subnet_ingress_nacl_decides_denied_in(lab: Lab) -> None:
    """SPEC N2: the packet is checked on ingress when it enters its destination subnet."""
    src_acl = new_acl(lab.net, lab.public, open_both_ways=True)
    dst_acl = new_acl(lab.net, lab.private, open_both_ways=True)
    rule(lab.net, dst_acl, 90, egress=False, protocol="tcp", action="deny", cidr="10.0.1.0/24", ports=(80, 80))
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_dropped(t, DENIED_IN, "SUBNET_ACL_RESTRICTION", dst_acl.id, kind="nacl-ingress", rule=90)
    assert only_hop(t, "nacl-egress", src_acl.id).rule == 1000  # the source side let it out


def test_n2_both_nacls_are_on_the_path_in_order(lab: Lab) -> None:
    """SPEC N2: source egress NACL, then route, then destination ingress NACL; the reply the other way round."""
    src_acl = new_acl(lab.net, lab.public, open_both_ways=True)
    dst_acl = new_acl(lab.net, lab.private, open_both_ways=True)
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=443)
    assert_connected(t)
    filters = [(h.kind, h.component) for h in t.hops if h.kind.startswith("nacl")]
    assert filters == [("nacl-egress", src_acl.id), ("nacl-ingress", dst_acl.id)]
    assert t.reply is not None
    back = [(h.kind, h.component) for h in t.reply.hops if h.kind.startswith("nacl")]
    assert back == [("nacl-egress", dst_acl.id), ("nacl-ingress", src_acl.id)]


def test_n2_no_nacl_inside_one_subnet(lab: Lab) -> None:
    """SPEC N2, R5: two hosts of one subnet talk directly, even through a deny-all NACL."""
    acl = new_acl(lab.net, lab.private)
    peer = lab.net.run_instance(lab.private, security_groups=[lab.open_sg], name="peer")
    t = lab.net.trace(peer, lab.server, protocol="tcp", port=22)
    assert_connected(t)
    assert acl.id not in t.components
    assert not [h for h in t.hops if h.kind.startswith("nacl")]
    assert hops(t, "subnet")[0].spec == "R5"


def test_n2_nacl_not_applied_to_imds(lab: Lab) -> None:
    """SPEC N2, M1: a deny-all NACL (nor an SG without rules) stops an instance reaching its own metadata."""
    acl = new_acl(lab.net, lab.private)
    closed = lab.net.create_security_group(lab.vpc, "closed", description="no rules")
    lab.net.revoke_security_group_egress(closed, protocol="-1", cidr="0.0.0.0/0")
    lab.net.revoke_security_group_egress(closed, protocol="-1", cidr="::/0")
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[closed])
    t = lab.net.trace(lab.server, "169.254.169.254", protocol="tcp", port=80)
    assert (t.disposition, t.explanation) == (ACCEPTED, None)
    assert t.connected
    assert acl.id not in t.components
    assert not [h for h in t.hops if h.kind.startswith("nacl")]


@pytest.mark.parametrize("resolver", ["169.254.169.253", "10.0.0.2"])
def test_n2_nacl_not_applied_to_dns_resolver(lab: Lab, resolver: str) -> None:
    """SPEC N2: a deny-all NACL does not stop DNS to the Route 53 Resolver (link-local or VPC base + 2)."""
    acl = new_acl(lab.net, lab.private)
    t = lab.net.trace(lab.server, resolver, protocol="udp", port=53)
    assert (t.disposition, t.explanation) == (ACCEPTED, None)
    assert acl.id not in t.components
    assert t.delivered, str(t)
    assert t.connected


# ---------------------------------------------------------------- N3: default and new custom NACLs


@pytest.mark.parametrize(("protocol", "port"), [("tcp", 22), ("udp", 514), ("icmp", None), (47, None)])
def test_n3_default_nacl_allows_everything_both_ways(lab: Lab, protocol: str | int, port: int | None) -> None:
    """SPEC N3: the default NACL's rule 100 allows every IPv4 packet in and out, replies included."""
    default = lab.vpc.default_network_acl
    assert lab.private.network_acl is default
    t = lab.net.trace(lab.client, lab.server, protocol=protocol, port=port)
    assert (t.disposition, t.explanation) == (ACCEPTED, None)
    assert t.delivered
    seen = [(h.kind, h.component, h.action, h.rule) for h in t.hops if h.kind.startswith("nacl")]
    assert seen == [("nacl-egress", default.id, "allow", 100), ("nacl-ingress", default.id, "allow", 100)]
    if t.reply is not None:
        assert t.reply.delivered
        assert [h.rule for h in t.reply.hops if h.kind.startswith("nacl")] == [100, 100]


def test_n3_default_nacl_rule_101_allows_ipv6(lab: Lab) -> None:
    """SPEC N3: in a VPC with IPv6 the default NACL's rule 101 allows all IPv6 both ways."""
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=22, ip_version=6)
    assert_connected(t)
    assert t.reply is not None
    for walk in (t, t.reply):
        nacl = [(h.kind, h.action, h.rule) for h in walk.hops if h.kind.startswith("nacl")]
        assert nacl == [("nacl-egress", "allow", 101), ("nacl-ingress", "allow", 101)]


@pytest.mark.parametrize("ip_version", [4, 6])
def test_n3_new_custom_nacl_denies_everything_in(lab: Lab, ip_version: int) -> None:
    """SPEC N3: a new custom NACL associated with the destination subnet denies all inbound traffic."""
    acl = new_acl(lab.net, lab.private)
    assert lab.private.network_acl is acl
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80, ip_version=ip_version)
    star = STAR_IPV4 if ip_version == 4 else STAR_IPV6
    assert_dropped(t, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=star)


def test_n3_new_custom_nacl_denies_everything_out(lab: Lab) -> None:
    """SPEC N3: a new custom NACL associated with the source subnet denies all outbound traffic."""
    acl = new_acl(lab.net, lab.public)
    t = lab.net.trace(lab.client, lab.server, protocol="icmp")
    assert_dropped(t, DENIED_OUT, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-egress", rule=STAR_IPV4)


# ---------------------------------------------------------------- N4: stateless replies and ephemeral ports


def server_acl_without_ephemeral(lab: Lab) -> vpcsim.NetworkAcl:
    """HTTP in from the VPC; out only HTTPS: the reply to the client's ephemeral port has no rule."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="tcp", cidr="10.0.0.0/16", ports=(80, 80))
    rule(lab.net, acl, 100, egress=True, protocol="tcp", cidr="0.0.0.0/0", ports=(443, 443))
    return acl


def test_n4_reply_dropped_by_egress_nacl_without_ephemeral_ports(lab: Lab) -> None:
    """SPEC N4: the request arrives, but the reply to port 32768 is denied leaving the server's subnet."""
    acl = server_acl_without_ephemeral(lab)
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert t.delivered
    assert (t.disposition, t.explanation) == (ACCEPTED, None)
    assert not t.connected
    assert not lab.net.reachable(lab.client, lab.server, protocol="tcp", port=80)
    reply = t.reply
    assert reply is not None
    assert (reply.packet.src_port, reply.packet.dst_port) == (80, 32768)
    assert (reply.disposition, reply.explanation) == (DENIED_OUT, "SUBNET_ACL_RESTRICTION")
    assert not reply.delivered
    hop = reply.decided_by
    assert hop is not None
    assert (hop.component, hop.kind, hop.rule) == (acl.id, "nacl-egress", STAR_IPV4)
    assert any(b.component == acl.id and b.kind == "nacl-egress" for b in t.blockers)


@pytest.mark.parametrize("ephemeral", [(1024, 65535), (32768, 60999)])
def test_n4_opening_ephemeral_ports_on_egress_fixes_the_reply(lab: Lab, ephemeral: tuple[int, int]) -> None:
    """SPEC N4: an egress rule for the client's ephemeral ports lets the reply out."""
    acl = server_acl_without_ephemeral(lab)
    rule(lab.net, acl, 110, egress=True, protocol="tcp", cidr="10.0.0.0/16", ports=ephemeral)
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_connected(t)
    assert t.reply is not None
    assert only_hop(t.reply, "nacl-egress", acl.id).rule == 110


def test_n4_explicit_source_port_inside_windows_range(lab: Lab) -> None:
    """SPEC N4: with egress open only to 49152-65535, src_port=50000 connects and the default 32768 does not."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="tcp", cidr="10.0.0.0/16", ports=(80, 80))
    rule(lab.net, acl, 100, egress=True, protocol="tcp", cidr="10.0.0.0/16", ports=(49152, 65535))
    windows = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80, src_port=50000)
    assert_connected(windows)
    assert windows.reply is not None
    assert windows.reply.packet.dst_port == 50000
    assert only_hop(windows.reply, "nacl-egress", acl.id).rule == 100
    assert lab.net.reachable(lab.client, lab.server, protocol="tcp", port=80, src_port=50000)

    linux = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert linux.delivered
    assert not linux.connected
    assert linux.reply is not None
    assert linux.reply.packet.dst_port == 32768
    assert (linux.reply.disposition, linux.reply.explanation) == (DENIED_OUT, "SUBNET_ACL_RESTRICTION")
    hop = linux.reply.decided_by
    assert hop is not None
    assert (hop.component, hop.kind, hop.rule) == (acl.id, "nacl-egress", STAR_IPV4)


def test_n4_reply_must_pass_the_client_subnet_ingress_nacl(lab: Lab) -> None:
    """SPEC N4: the reply enters the client's subnet as a new packet; its ingress NACL must allow it."""
    acl = new_acl(lab.net, lab.public)
    rule(lab.net, acl, 100, egress=True, protocol="-1", cidr="0.0.0.0/0")
    rule(lab.net, acl, 100, egress=False, protocol="tcp", cidr="0.0.0.0/0", ports=(22, 22))
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert t.delivered
    assert not t.connected
    assert t.reply is not None
    assert (t.reply.disposition, t.reply.explanation) == (DENIED_IN, "SUBNET_ACL_RESTRICTION")
    hop = t.reply.decided_by
    assert hop is not None
    assert (hop.component, hop.kind, hop.rule) == (acl.id, "nacl-ingress", STAR_IPV4)


def test_n4_reply_to_an_internet_client_needs_egress_ephemeral_ports(lab: Lab) -> None:
    """SPEC N4, I2: HTTP from the internet arrives; the reply to the client's port 32768 must pass NACL egress."""
    acl = new_acl(lab.net, lab.public)
    rule(lab.net, acl, 100, egress=False, protocol="tcp", cidr="0.0.0.0/0", ports=(80, 80))
    rule(lab.net, acl, 100, egress=True, protocol="tcp", cidr="0.0.0.0/0", ports=(80, 80))
    t = lab.net.trace(vpcsim.INTERNET, lab.client, protocol="tcp", port=80)
    assert t.delivered
    assert (t.disposition, t.explanation) == (ACCEPTED, None)
    assert not t.connected
    assert t.reply is not None
    assert (t.reply.disposition, t.reply.explanation) == (DENIED_OUT, "SUBNET_ACL_RESTRICTION")
    hop = t.reply.decided_by
    assert hop is not None
    assert (hop.component, hop.kind, hop.rule) == (acl.id, "nacl-egress", STAR_IPV4)
    rule(lab.net, acl, 110, egress=True, protocol="tcp", cidr="0.0.0.0/0", ports=(1024, 65535))
    t = lab.net.trace(vpcsim.INTERNET, lab.client, protocol="tcp", port=80)
    assert_connected(t)
    assert t.reply is not None
    assert only_hop(t.reply, "nacl-egress", acl.id).rule == 110


def test_n4_nat_gateway_replies_need_1024_and_up_in_the_public_subnet_nacl(lab: Lab) -> None:
    """SPEC N4, I4: a NAT gateway remaps the source port to 1024; its public subnet must admit replies to it."""
    nat = lab.net.create_nat_gateway(lab.public, allocation=lab.net.allocate_address(), name="nat")
    lab.net.create_route(lab.vpc.main_route_table, "0.0.0.0/0", nat)
    acl = new_acl(lab.net, lab.public)
    rule(lab.net, acl, 100, egress=False, protocol="-1", cidr="10.0.0.0/16")
    rule(lab.net, acl, 200, egress=False, protocol="tcp", cidr="0.0.0.0/0", ports=(32768, 65535))
    rule(lab.net, acl, 100, egress=True, protocol="-1", cidr="0.0.0.0/0")

    t = lab.net.trace(lab.server, vpcsim.INTERNET, protocol="tcp", port=443)
    assert (t.disposition, t.explanation) == (Disposition.EXITS_NETWORK, None)
    assert t.delivered
    translated = hops(t, "nat-gateway")[0].packet
    assert translated is not None
    assert translated.src_port == 1024
    assert not t.connected
    reply = t.reply
    assert reply is not None
    assert reply.packet.dst_port == 1024
    assert (reply.disposition, reply.explanation) == (DENIED_IN, "SUBNET_ACL_RESTRICTION")
    hop = reply.decided_by
    assert hop is not None
    assert (hop.component, hop.kind, hop.rule) == (acl.id, "nacl-ingress", STAR_IPV4)

    lab.net.replace_network_acl_entry(
        acl, rule_number=200, egress=False, protocol="tcp", action="allow", cidr="0.0.0.0/0", ports=(1024, 65535)
    )
    t = lab.net.trace(lab.server, vpcsim.INTERNET, protocol="tcp", port=443)
    assert t.connected
    assert t.reply is not None
    assert [h.rule for h in t.reply.hops if h.kind == "nacl-ingress" and h.component == acl.id] == [200]


# ---------------------------------------------------------------- N5: rule fields


@pytest.mark.parametrize(("protocol", "port"), [("tcp", 8080), ("udp", 53), ("icmp", None), (47, None)])
def test_n5_protocol_minus_one_matches_every_protocol(lab: Lab, protocol: str | int, port: int | None) -> None:
    """SPEC N5: a rule for protocol -1 matches TCP, UDP, ICMP and any other protocol number."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 120, egress=False, protocol="-1", cidr="10.0.1.0/24")
    rule(lab.net, acl, 120, egress=True, protocol="-1", cidr="10.0.1.0/24")
    t = lab.net.trace(lab.client, lab.server, protocol=protocol, port=port)
    assert t.delivered, str(t)
    assert only_hop(t, "nacl-ingress", acl.id).rule == 120
    if t.reply is not None:
        assert t.connected
        assert only_hop(t.reply, "nacl-egress", acl.id).rule == 120


def test_n5_icmp_type_rule_allows_echo_only(lab: Lab) -> None:
    """SPEC N5: an ICMP rule for type 8 (any code) admits ping; ICMP type 13 (timestamp) falls to the * rule."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="icmp", cidr="10.0.0.0/16", icmp=(8, -1))
    rule(lab.net, acl, 100, egress=True, protocol="icmp", cidr="10.0.0.0/16", icmp=(0, -1))
    ping = lab.net.trace(lab.client, lab.server, protocol="icmp")
    assert (ping.packet.dst_port, ping.packet.src_port) == (8, 0)  # type 8 code 0
    assert_connected(ping)
    assert only_hop(ping, "nacl-ingress", acl.id).rule == 100
    assert ping.reply is not None
    assert only_hop(ping.reply, "nacl-egress", acl.id).rule == 100

    timestamp = lab.net.trace(lab.client, lab.server, protocol="icmp", port=13)
    assert_dropped(timestamp, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=STAR_IPV4)


def test_n5_icmp_code_must_match_too(lab: Lab) -> None:
    """SPEC N5: a rule for ICMP type 3 code 4 (fragmentation needed) admits that code and no other."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="icmp", cidr="0.0.0.0/0", icmp=(3, 4))
    t = lab.net.trace(lab.client, lab.server, protocol="icmp", port=3, src_port=4)
    assert (t.disposition, t.explanation) == (ACCEPTED, None)
    assert t.delivered
    assert t.reply is None  # no answer to an ICMP error
    assert only_hop(t, "nacl-ingress", acl.id).rule == 100
    t = lab.net.trace(lab.client, lab.server, protocol="icmp", port=3, src_port=1)
    assert_dropped(t, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=STAR_IPV4)


def test_n5_icmpv6_echo_rule_on_an_ipv6_cidr(lab: Lab) -> None:
    """SPEC N5: ICMPv6 rules on ::/0 for echo request (128) in and echo reply (129) out let an IPv6 ping through."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="icmpv6", cidr="::/0", icmp=(128, -1))
    rule(lab.net, acl, 100, egress=True, protocol="icmpv6", cidr="::/0", icmp=(129, -1))
    t = lab.net.trace(lab.client, lab.server, protocol="icmp", ip_version=6)
    assert (t.packet.protocol, t.packet.dst_port) == (58, 128)
    assert_connected(t)
    assert only_hop(t, "nacl-ingress", acl.id).rule == 100
    assert t.reply is not None
    assert only_hop(t.reply, "nacl-egress", acl.id).rule == 100
    v4 = lab.net.trace(lab.client, lab.server, protocol="icmp", ip_version=4)
    assert_dropped(v4, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=STAR_IPV4)


def test_n5_ipv6_cidr_rule_matches_only_ipv6(lab: Lab) -> None:
    """SPEC N5, R2: a ::/0 rule admits IPv6 but never an IPv4 packet, and 0.0.0.0/0 never an IPv6 one."""
    acl = new_acl(lab.net, lab.private)
    rule(lab.net, acl, 100, egress=False, protocol="-1", cidr="::/0")
    rule(lab.net, acl, 100, egress=True, protocol="-1", cidr="::/0")
    v6 = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80, ip_version=6)
    assert_connected(v6)
    assert only_hop(v6, "nacl-ingress", acl.id).rule == 100
    v4 = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80, ip_version=4)
    assert_dropped(v4, DENIED_IN, "SUBNET_ACL_RESTRICTION", acl.id, kind="nacl-ingress", rule=STAR_IPV4)

    v4_only = new_acl(lab.net, lab.private)
    rule(lab.net, v4_only, 100, egress=False, protocol="-1", cidr="0.0.0.0/0")
    v6 = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80, ip_version=6)
    assert_dropped(v6, DENIED_IN, "SUBNET_ACL_RESTRICTION", v4_only.id, kind="nacl-ingress", rule=STAR_IPV6)


# ---------------------------------------------------------------- G1: union of SGs, no match drops


@pytest.fixture
def two_sg_server(lab: Lab) -> TwoGroups:
    ssh = lab.net.create_security_group(lab.vpc, "ssh", description="22")
    https = lab.net.create_security_group(lab.vpc, "https", description="443")
    ssh_rule = lab.net.authorize_security_group_ingress(ssh, protocol="tcp", ports=22, cidr="10.0.0.0/16")
    https_rule = lab.net.authorize_security_group_ingress(https, protocol="tcp", ports=443, cidr="10.0.0.0/16")
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[ssh, https])
    return lab, ssh, https, ssh_rule.id, https_rule.id


def test_g1_two_sgs_on_one_eni_form_a_union(two_sg_server: TwoGroups) -> None:
    """SPEC G1: one SG allows 22, the other 443: both ports reach the ENI, each by its own group's rule."""
    lab, ssh, https, ssh_rule, https_rule = two_sg_server
    for port, group, rule_id in ((22, ssh, ssh_rule), (443, https, https_rule)):
        t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=port)
        assert_connected(t)
        hop = hops(t, "security-group-ingress")[0]
        assert (hop.component, hop.action, hop.rule) == (group.id, "allow", rule_id)


def test_g1_no_rule_matches_denied_in_at_the_first_sg(two_sg_server: TwoGroups) -> None:
    """SPEC G1: no rule of either group allows 80: DENIED_IN, ENI_SG_RULES_MISMATCH, the ENI's first SG."""
    lab, ssh, _, _, _ = two_sg_server
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_dropped(t, DENIED_IN, "ENI_SG_RULES_MISMATCH", ssh.id, kind="security-group-ingress")


def test_g1_mismatch_component_follows_the_eni_group_order(
    two_sg_server: TwoGroups,
) -> None:
    """SPEC G1, V: the component named on an SG mismatch is the destination ENI's first SG."""
    lab, ssh, https, _, _ = two_sg_server
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[https, ssh])
    t = lab.net.trace(lab.client, lab.server, protocol="udp", port=22)
    assert_dropped(t, DENIED_IN, "ENI_SG_RULES_MISMATCH", https.id, kind="security-group-ingress")


# ---------------------------------------------------------------- G2: SG references


@pytest.fixture
def db_lab(lab: Lab) -> Database:
    """``server`` becomes a database admitting 5432 from members of SG ``app`` only."""
    app = lab.net.create_security_group(lab.vpc, "app", description="app tier")
    db = lab.net.create_security_group(lab.vpc, "db", description="5432 from app")
    ref = lab.net.authorize_security_group_ingress(db, protocol="tcp", ports=5432, source_group=app)
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[db])
    return lab, app, db, ref.id


def test_g2_sg_reference_admits_members_and_not_others(db_lab: Database) -> None:
    """SPEC G2: a source_group rule matches the private IPs of ENIs carrying that SG, and nobody else."""
    lab, app, db, ref = db_lab
    member = lab.net.run_instance(lab.public, security_groups=[app], name="member")
    t = lab.net.trace(member, lab.server, protocol="tcp", port=5432)
    assert_connected(t)
    hop = hops(t, "security-group-ingress")[0]
    assert (hop.component, hop.rule) == (db.id, ref)

    stranger = lab.net.trace(lab.client, lab.server, protocol="tcp", port=5432)
    assert_dropped(stranger, DENIED_IN, "ENI_SG_RULES_MISMATCH", db.id, kind="security-group-ingress")


def test_g2_sg_reference_matches_across_active_peering(lab: Lab) -> None:
    """SPEC G2: a rule naming an SG of a peered VPC admits that SG's members over the peering, not others there."""
    shared = lab.net.create_vpc("10.1.0.0/16", name="shared")
    tools = lab.net.create_subnet(shared, "10.1.0.0/24", az="us-east-1a", name="tools")
    monitoring = lab.net.create_security_group(shared, "monitoring", description="scrapers")
    pcx = lab.net.create_vpc_peering_connection(lab.vpc, shared, name="lab-shared")
    assert pcx.status == "active"
    lab.net.create_route(lab.vpc.main_route_table, "10.1.0.0/16", pcx)
    lab.net.create_route(shared.main_route_table, "10.0.2.0/24", pcx)
    metrics = lab.net.create_security_group(lab.vpc, "metrics", description="9100 from monitoring")
    ref = lab.net.authorize_security_group_ingress(metrics, protocol="tcp", ports=9100, source_group=monitoring).id
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[metrics])
    scraper = lab.net.run_instance(tools, security_groups=[monitoring], name="scraper")
    other = lab.net.run_instance(tools, name="other")  # the shared VPC's default SG

    t = lab.net.trace(scraper, lab.server, protocol="tcp", port=9100)
    assert_connected(t)
    assert pcx.id in t.components
    hop = hops(t, "security-group-ingress")[0]
    assert (hop.component, hop.rule) == (metrics.id, ref)

    denied = lab.net.trace(other, lab.server, protocol="tcp", port=9100)
    assert_dropped(denied, DENIED_IN, "ENI_SG_RULES_MISMATCH", metrics.id, kind="security-group-ingress")


def test_g2_sg_reference_does_not_match_a_public_ip(lab: Lab) -> None:
    """SPEC G2, P3: A -> B's public IP via the IGW arrives from A's public IP, which no SG reference matches."""
    sg_a = lab.net.create_security_group(lab.vpc, "a", description="A")
    sg_b = lab.net.create_security_group(lab.vpc, "b", description="443 from A")
    lab.net.authorize_security_group_ingress(sg_b, protocol="tcp", ports=443, source_group=sg_a)
    a = lab.net.run_instance(lab.public, security_groups=[sg_a], name="a")
    b = lab.net.run_instance(lab.public, security_groups=[sg_b], name="b")
    assert a.public_ip is not None
    assert b.public_ip is not None

    private = lab.net.trace(a, b, protocol="tcp", port=443)
    assert_connected(private)  # the reference works on private addresses

    t = lab.net.trace(a, str(b.public_ip), protocol="tcp", port=443)
    assert lab.igw.id in t.components
    arriving = hops(t, "security-group-ingress")
    assert arriving
    assert arriving[0].packet is not None
    assert arriving[0].packet.src == a.public_ip
    assert_dropped(t, DENIED_IN, "ENI_SG_RULES_MISMATCH", sg_b.id, kind="security-group-ingress")

    by_cidr = lab.net.authorize_security_group_ingress(sg_b, protocol="tcp", ports=443, cidr=f"{a.public_ip}/32")
    t = lab.net.trace(a, str(b.public_ip), protocol="tcp", port=443)
    assert t.delivered
    assert hops(t, "security-group-ingress")[0].rule == by_cidr.id


def test_g2_sg_reference_does_not_match_traffic_through_a_nat_gateway(lab: Lab) -> None:
    """SPEC G2, I4: a member of SG A behind a NAT gateway arrives from the NAT's EIP: B's rule for A misses."""
    eip = lab.net.allocate_address(name="nat-eip")
    nat = lab.net.create_nat_gateway(lab.public, allocation=eip, name="nat")
    lab.net.create_route(lab.vpc.main_route_table, "0.0.0.0/0", nat)
    sg_a = lab.net.create_security_group(lab.vpc, "a", description="A")
    sg_b = lab.net.create_security_group(lab.vpc, "b", description="443 from A")
    lab.net.authorize_security_group_ingress(sg_b, protocol="tcp", ports=443, source_group=sg_a)
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[sg_a])
    b = lab.net.run_instance(lab.public, security_groups=[sg_b], name="b")
    assert b.public_ip is not None

    t = lab.net.trace(lab.server, str(b.public_ip), protocol="tcp", port=443)
    assert nat.id in t.components
    arriving = hops(t, "security-group-ingress")
    assert arriving
    assert arriving[0].packet is not None
    assert arriving[0].packet.src == eip.public_ip
    assert_dropped(t, DENIED_IN, "ENI_SG_RULES_MISMATCH", sg_b.id, kind="security-group-ingress")


# ---------------------------------------------------------------- G3: new and default SGs


def test_g3_new_sg_has_no_inbound_rules(lab: Lab) -> None:
    """SPEC G3: a new SG admits nothing: DENIED_IN, ENI_SG_RULES_MISMATCH at that SG."""
    fresh = lab.net.create_security_group(lab.vpc, "fresh", description="new")
    assert fresh.ingress == []
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[fresh])
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=22)
    assert_dropped(t, DENIED_IN, "ENI_SG_RULES_MISMATCH", fresh.id, kind="security-group-ingress")


@pytest.mark.parametrize("ip_version", [4, 6])
def test_g3_new_sg_allows_all_outbound(lab: Lab, ip_version: int) -> None:
    """SPEC G3: a new SG's outbound allow-all rule (IPv4, and IPv6 in an IPv6 VPC) lets anything out."""
    fresh = lab.net.create_security_group(lab.vpc, "fresh", description="new")
    lab.net.modify_network_interface_attribute(lab.client.primary_network_interface, security_groups=[fresh])
    wanted = "0.0.0.0/0" if ip_version == 4 else "::/0"
    allow_all = next(r for r in fresh.egress if str(r.cidr) == wanted)
    t = lab.net.trace(lab.client, lab.server, protocol="udp", port=161, ip_version=ip_version)
    assert_connected(t)
    hop = hops(t, "security-group-egress")[0]
    assert (hop.component, hop.action, hop.rule) == (fresh.id, "allow", allow_all.id)


def test_g3_default_sg_admits_its_own_members_only(lab: Lab) -> None:
    """SPEC G3: the default SG admits any traffic from its members; a non-member is denied."""
    default = lab.vpc.default_security_group
    first = lab.net.run_instance(lab.public, name="first")  # no SG given: the default SG
    second = lab.net.run_instance(lab.private, name="second")
    assert second.primary_network_interface.security_groups == [default]
    self_rule = default.ingress[0]
    for protocol, port in (("tcp", 3306), ("udp", 9999), ("icmp", None)):
        t = lab.net.trace(first, second, protocol=protocol, port=port)
        assert_connected(t)
        hop = hops(t, "security-group-ingress")[0]
        assert (hop.component, hop.rule) == (default.id, self_rule.id)
    t = lab.net.trace(lab.client, second, protocol="tcp", port=3306)
    assert_dropped(t, DENIED_IN, "ENI_SG_RULES_MISMATCH", default.id, kind="security-group-ingress")


# ---------------------------------------------------------------- G4: stateful


@pytest.fixture
def ssh_only(lab: Lab) -> tuple[Lab, vpcsim.SecurityGroup]:
    """``server`` carries SG ``ssh``: inbound SSH from the VPC, every outbound rule revoked."""
    ssh = lab.net.create_security_group(lab.vpc, "ssh", description="SSH in, nothing out")
    lab.net.authorize_security_group_ingress(ssh, protocol="tcp", ports=22, cidr="10.0.0.0/16")
    lab.net.revoke_security_group_egress(ssh, protocol="-1", cidr="0.0.0.0/0")
    lab.net.revoke_security_group_egress(ssh, protocol="-1", cidr="::/0")
    assert ssh.egress == []
    lab.net.modify_network_interface_attribute(lab.server.primary_network_interface, security_groups=[ssh])
    return lab, ssh


def test_g4_inbound_ssh_works_without_egress_rules(ssh_only: tuple[Lab, vpcsim.SecurityGroup]) -> None:
    """SPEC G4: the reply of an allowed inbound connection leaves whatever the egress rules say ("tracked")."""
    lab, ssh = ssh_only
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=22)
    assert_connected(t)
    assert t.reply is not None
    hop = hops(t.reply, "security-group-egress")[0]
    assert (hop.component, hop.action, hop.rule, hop.spec) == (ssh.id, "allow", "tracked", "G4")


def test_g4_no_egress_rules_stop_new_outbound_connections(ssh_only: tuple[Lab, vpcsim.SecurityGroup]) -> None:
    """SPEC G1, G4: without egress rules the server cannot open a connection: DENIED_OUT at its SG."""
    lab, ssh = ssh_only
    t = lab.net.trace(lab.server, lab.client, protocol="tcp", port=22)
    assert_dropped(t, DENIED_OUT, "ENI_SG_RULES_MISMATCH", ssh.id, kind="security-group-egress")
    t = lab.net.trace(lab.server, vpcsim.INTERNET, protocol="tcp", port=443)
    assert_dropped(t, DENIED_OUT, "ENI_SG_RULES_MISMATCH", ssh.id, kind="security-group-egress")


def test_g4_reply_not_checked_against_the_client_inbound_rules(lab: Lab) -> None:
    """SPEC G4: a client whose SG admits nothing still receives the replies of connections it opened."""
    fresh = lab.net.create_security_group(lab.vpc, "fresh", description="no inbound")
    lab.net.modify_network_interface_attribute(lab.client.primary_network_interface, security_groups=[fresh])
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=443)
    assert_connected(t)
    assert t.reply is not None
    hop = hops(t.reply, "security-group-ingress")[0]
    assert (hop.component, hop.action, hop.rule) == (fresh.id, "allow", "tracked")
    reverse = lab.net.trace(lab.server, lab.client, protocol="tcp", port=443)
    assert_dropped(reverse, DENIED_IN, "ENI_SG_RULES_MISMATCH", fresh.id, kind="security-group-ingress")


# ---------------------------------------------------------------- E5: source/destination check


@attrs.frozen
class Appliance:
    lab: Lab
    box: vpcsim.Instance
    eni: vpcsim.NetworkInterface
    inside: vpcsim.Subnet


@pytest.fixture
def appliance(lab: Lab) -> Appliance:
    """A firewall appliance in subnet 10.0.3.0/24; the public subnet routes 10.0.2.0/24 (the server's) through it."""
    inside = lab.net.create_subnet(lab.vpc, "10.0.3.0/24", az="us-east-1a", name="inspection")
    box = lab.net.run_instance(inside, security_groups=[lab.open_sg], name="firewall")
    eni = box.primary_network_interface
    lab.net.create_route(lab.public_rt, "10.0.2.0/24", eni)
    return Appliance(lab, box, eni, inside)


def test_e5_route_to_appliance_dropped_while_source_dest_check_is_on(appliance: Appliance) -> None:
    """SPEC E5: the appliance ENI drops a packet that is not addressed to it while the check is on."""
    lab = appliance.lab
    assert appliance.eni.source_dest_check
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_dropped(t, DENIED_IN, "ENI_SOURCE_DEST_CHECK_RESTRICTION", appliance.eni.id, kind="source-dest-check")


@pytest.mark.parametrize("how", ["network-interface", "instance"])
def test_e5_disabling_the_check_lets_the_flow_through_the_appliance(appliance: Appliance, how: str) -> None:
    """SPEC E5: with the check off (on the ENI or through the instance) the flow passes through the appliance."""
    lab = appliance.lab
    if how == "network-interface":
        lab.net.modify_network_interface_attribute(appliance.eni, source_dest_check=False)
    else:
        lab.net.modify_instance_attribute(appliance.box, source_dest_check=False)
    assert not appliance.eni.source_dest_check
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_connected(t)
    components = t.components
    assert components.index(appliance.eni.id) < components.index(lab.server.primary_network_interface.id)
    checks = [h for h in hops(t, "source-dest-check") if h.component == appliance.eni.id]
    assert [h.action for h in checks] == ["allow", "allow"]  # arriving and leaving the appliance
    assert all(h.packet is not None and h.packet.dst == lab.server.primary_network_interface.private_ip
               for h in checks)  # fmt: skip


def test_e5_symmetric_routing_sends_the_reply_through_the_appliance_too(appliance: Appliance) -> None:
    """SPEC E5, G4: with routes both ways through the appliance, the reply passes it as well (tracked there)."""
    lab = appliance.lab
    lab.net.modify_network_interface_attribute(appliance.eni, source_dest_check=False)
    private_rt = lab.net.create_route_table(lab.vpc, name="private-rt")  # the appliance keeps the main table
    lab.net.create_route(private_rt, "10.0.1.0/24", appliance.eni)
    lab.net.associate_route_table(private_rt, lab.private)
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_connected(t)
    assert t.reply is not None
    components = t.reply.components
    assert components.index(appliance.eni.id) < components.index(lab.client.primary_network_interface.id)
    at_appliance = hops(t.reply, "security-group-ingress")[0]  # the appliance is the reply's first stop
    assert (at_appliance.component, at_appliance.rule) == (lab.open_sg.id, "tracked")


def test_e5_appliance_security_groups_still_apply(appliance: Appliance) -> None:
    """SPEC E5, G1: with the check off, the appliance ENI's SGs still filter what it forwards."""
    lab = appliance.lab
    fresh = lab.net.create_security_group(lab.vpc, "fw", description="nothing in")
    lab.net.modify_network_interface_attribute(appliance.eni, source_dest_check=False, security_groups=[fresh])
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=80)
    assert_dropped(t, DENIED_IN, "ENI_SG_RULES_MISMATCH", fresh.id, kind="security-group-ingress")
    assert appliance.eni.id in t.components


@pytest.fixture
def nat_instance(lab: Lab) -> tuple[Lab, vpcsim.Instance]:
    """A NAT instance in the public subnet (public IP) and the private subnet's default route through it."""
    nat_sg = lab.net.create_security_group(lab.vpc, "nat", description="from the VPC")
    lab.net.authorize_security_group_ingress(nat_sg, protocol="-1", cidr="10.0.0.0/16")
    box = lab.net.run_instance(lab.public, security_groups=[nat_sg], name="nat-instance")
    assert box.public_ip is not None
    lab.net.create_route(lab.vpc.main_route_table, "0.0.0.0/0", box)
    return lab, box


def test_e5_nat_instance_gives_a_private_instance_the_internet(nat_instance: tuple[Lab, vpcsim.Instance]) -> None:
    """SPEC E5, P3: a NAT instance drops forwarded packets until its check is off; then the private instance
    reaches the internet as the NAT instance's public IP."""
    lab, box = nat_instance
    eni = box.primary_network_interface
    lab.net.configure_nat_instance(box, masquerade=True)
    t = lab.net.trace(lab.server, vpcsim.INTERNET, protocol="tcp", port=443)
    assert_dropped(t, DENIED_IN, "ENI_SOURCE_DEST_CHECK_RESTRICTION", eni.id, kind="source-dest-check")
    lab.net.modify_instance_attribute(box, source_dest_check=False)
    t = lab.net.trace(lab.server, vpcsim.INTERNET, protocol="tcp", port=443)
    assert (t.disposition, t.explanation) == (Disposition.EXITS_NETWORK, None)
    assert_connected(t)
    assert box.primary_network_interface.id in t.components
    leaving = hops(t, "internet-gateway")[0].packet
    assert leaving is not None
    assert leaving.src == box.public_ip
    assert t.reply is not None
    assert t.reply.delivered
    assert t.reply.hops[-1].component == lab.server.primary_network_interface.id


def test_e5_forwarding_without_masquerade_has_no_public_ip(nat_instance: tuple[Lab, vpcsim.Instance]) -> None:
    """SPEC E5, I1: check off but no masquerade: the packet keeps its private source and the IGW drops it."""
    lab, box = nat_instance
    lab.net.modify_instance_attribute(box, source_dest_check=False)
    t = lab.net.trace(lab.server, vpcsim.INTERNET, protocol="tcp", port=443)
    assert_dropped(t, DENIED_IN, "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", lab.igw.id, kind="internet-gateway")


# ---------------------------------------------------------------- instance state


def test_stopped_instance_is_in_bad_state_both_ways(lab: Lab) -> None:
    """SPEC V: a stopped instance neither receives (DENIED_IN) nor sends (DENIED_OUT): BAD_STATE at its ENI."""
    lab.net.stop_instance(lab.server)
    eni = lab.server.primary_network_interface
    t = lab.net.trace(lab.client, lab.server, protocol="tcp", port=22)
    assert_dropped(t, DENIED_IN, "BAD_STATE", eni.id, kind="instance-state")
    back = lab.net.trace(lab.server, lab.client, protocol="tcp", port=22)
    assert_dropped(back, DENIED_OUT, "BAD_STATE", eni.id, kind="instance-state")
    lab.net.start_instance(lab.server)
    assert lab.net.trace(lab.client, lab.server, protocol="tcp", port=22).connected
