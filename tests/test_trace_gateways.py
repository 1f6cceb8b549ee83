"""The packet walk through gateways and at the edges of a flow (SPEC P3, I1-I5, M1, V; issue 3).

Every test builds a small network, traces one flow and checks what a user reads: the disposition, the explanation
code, the component and rule that decided, and the addresses each hop saw (``hop.packet``), so the translations of
the internet gateway (1:1 NAT) and the NAT gateway (SNAT) are visible.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re

import pytest

import vpcsim
from vpcsim import INTERNET, Disposition
from vpcsim.testing import hops, one_hop

IMDS = "169.254.169.254"
IMDS6 = "fd00:ec2::254"
DNS = "169.254.169.253"
HOST = "198.51.100.7"


def ip(text: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(str(text))


# ------------------------------------------------------------------------------------------------------ networks


@dataclasses.dataclass
class Lab:
    """One VPC (IPv4 + IPv6) with an internet gateway, a public NAT gateway and subnets of every kind.

    - ``pub`` 10.0.1.0/24: public (0.0.0.0/0 and ::/0 to the IGW), auto-assigns public IPs; ``web`` serves port 80.
    - ``priv`` 10.0.2.0/24: 0.0.0.0/0 to the NAT gateway (in ``pub``, with an EIP); ``app`` has no public IP.
    - ``iso`` 10.0.3.0/24: the main route table only (local); ``lonely`` has a public IP there nonetheless.
    """

    net: vpcsim.Network
    vpc: vpcsim.Vpc
    igw: vpcsim.InternetGateway
    pub: vpcsim.Subnet
    priv: vpcsim.Subnet
    iso: vpcsim.Subnet
    public_rt: vpcsim.RouteTable
    private_rt: vpcsim.RouteTable
    web_sg: vpcsim.SecurityGroup
    web: vpcsim.Instance
    app: vpcsim.Instance
    lonely: vpcsim.Instance
    nat: vpcsim.NatGateway
    nat_eip: vpcsim.ElasticIp


@pytest.fixture
def lab() -> Lab:
    net = vpcsim.Network(seed=7)
    vpc = net.create_vpc("10.0.0.0/16", name="lab", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    v6 = list(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    pub = net.create_subnet(
        vpc, "10.0.1.0/24", az="us-east-1a", name="pub", map_public_ip_on_launch=True, ipv6_cidr_block=str(v6[0])
    )
    priv = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="priv", ipv6_cidr_block=str(v6[1]))
    iso = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="iso")
    igw = net.create_internet_gateway(name="lab-igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.create_route(public_rt, "::/0", igw)
    net.associate_route_table(public_rt, pub)
    nat_eip = net.allocate_address(name="nat-eip")
    nat = net.create_nat_gateway(pub, allocation=nat_eip, name="nat")
    private_rt = net.create_route_table(vpc, name="private-rt")
    net.create_route(private_rt, "0.0.0.0/0", nat)
    net.associate_route_table(private_rt, priv)
    web_sg = net.create_security_group(vpc, "web", description="HTTP from anywhere")
    net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    web = net.run_instance(pub, instance_type="t3.micro", security_groups=[web_sg], name="web")
    app_sg = net.create_security_group(vpc, "app", description="SSH from anywhere")
    net.authorize_security_group_ingress(app_sg, protocol="tcp", ports=22, cidr="0.0.0.0/0")
    app = net.run_instance(priv, instance_type="t3.micro", security_groups=[app_sg], name="app")
    lonely = net.run_instance(
        iso, instance_type="t3.micro", security_groups=[web_sg], name="lonely", associate_public_ip=True
    )
    return Lab(net, vpc, igw, pub, priv, iso, public_rt, private_rt, web_sg, web, app, lonely, nat, nat_eip)


# ------------------------------------------------------------------------------------------------------------ P3


def test_p3_igw_translates_private_source_to_public_ip_on_the_way_out(lab: Lab) -> None:
    """SPEC P3: leaving through the IGW, the private source becomes the instance's public IP."""
    t = lab.net.trace(lab.web, vpcsim.internet(HOST), protocol="tcp", port=443)
    assert t.disposition == Disposition.EXITS_NETWORK
    assert t.connected
    assert lab.web.public_ip is not None
    assert t.hops[0].packet is not None
    assert t.hops[0].packet.src == lab.web.private_ip
    hop = one_hop(t, "internet-gateway")
    assert (hop.component, hop.action) == (lab.igw.id, "translate")
    assert hop.packet is not None
    assert hop.packet.src == lab.web.public_ip
    assert hop.packet.dst == ip(HOST)


def test_p3_igw_translates_public_destination_back_on_the_way_in(lab: Lab) -> None:
    """SPEC P3: the reply addressed to the public IP is mapped back to the private IP at the IGW."""
    t = lab.net.trace(lab.web, vpcsim.internet(HOST), protocol="tcp", port=443)
    assert t.reply is not None
    assert t.reply.packet.src == ip(HOST)
    assert t.reply.packet.dst == lab.web.public_ip
    hop = one_hop(t.reply, "internet-gateway")
    assert (hop.component, hop.action) == (lab.igw.id, "translate")
    assert hop.packet is not None
    assert hop.packet.dst == lab.web.private_ip
    assert t.reply.disposition == Disposition.ACCEPTED
    assert t.reply.hops[-1].component == lab.web.primary_network_interface.id


def test_p3_inbound_from_internet_is_addressed_to_public_ip_and_translated(lab: Lab) -> None:
    """SPEC P3, I2: the internet sends to the public IP; inside the VPC the packet carries the private IP."""
    t = lab.net.trace(INTERNET, lab.web, protocol="tcp", port=80)
    assert t.packet.dst == lab.web.public_ip
    hop = one_hop(t, "internet-gateway")
    assert hop.action == "translate"
    assert hop.packet is not None
    assert hop.packet.dst == lab.web.private_ip
    delivered = t.hops[-1]
    assert delivered.action == "deliver"
    assert delivered.packet is not None
    assert delivered.packet.dst == lab.web.private_ip


def test_p2_p3_eip_replaces_auto_assigned_public_ip(lab: Lab) -> None:
    """SPEC P2, P3: once an EIP is associated, the IGW maps the instance to the EIP, not the old public IP."""
    old = lab.web.public_ip
    eip = lab.net.allocate_address(name="web-eip")
    lab.net.associate_address(eip, instance=lab.web)
    assert eip.public_ip != old
    t = lab.net.trace(lab.web, vpcsim.internet(HOST), protocol="tcp", port=443)
    assert t.connected
    hop = one_hop(t, "internet-gateway")
    assert hop.packet is not None
    assert hop.packet.src == eip.public_ip
    inbound = lab.net.trace(INTERNET, lab.web, protocol="tcp", port=80)
    assert inbound.packet.dst == eip.public_ip
    assert inbound.connected


def test_p3_eip_on_secondary_private_ip_is_used_from_that_ip(lab: Lab) -> None:
    """SPEC P2, P3: an EIP on a secondary private IP maps that IP only; the primary keeps its own public IP."""
    multi = lab.net.run_instance(
        lab.pub, instance_type="t3.micro", security_groups=[lab.web_sg], name="multi", secondary_private_ip_count=1
    )
    eni = multi.primary_network_interface
    secondary = eni.private_ip_addresses[1]
    unmapped = lab.net.trace(str(secondary), vpcsim.internet(HOST), protocol="tcp", port=443)
    assert unmapped.explanation == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"  # the auto public IP maps the primary only
    eip = lab.net.allocate_address(name="secondary-eip")
    lab.net.associate_address(eip, network_interface=eni, private_ip=str(secondary))

    from_secondary = lab.net.trace(str(secondary), vpcsim.internet(HOST), protocol="tcp", port=443)
    assert from_secondary.connected
    assert from_secondary.packet.src == secondary
    hop = one_hop(from_secondary, "internet-gateway")
    assert hop.packet is not None
    assert hop.packet.src == eip.public_ip

    from_primary = lab.net.trace(multi, vpcsim.internet(HOST), protocol="tcp", port=443)
    hop = one_hop(from_primary, "internet-gateway")
    assert hop.packet is not None
    assert hop.packet.src == multi.public_ip != eip.public_ip

    inbound = lab.net.trace(INTERNET, str(eip.public_ip), protocol="tcp", port=80)
    assert inbound.connected
    hop = one_hop(inbound, "internet-gateway")
    assert hop.packet is not None
    assert hop.packet.dst == secondary

    from_eip = lab.net.trace(str(eip.public_ip), vpcsim.internet(HOST), protocol="tcp", port=443)
    assert from_eip.packet.src == secondary  # E7: the host sends from the private IP the EIP maps
    hop = one_hop(from_eip, "internet-gateway")
    assert hop.packet is not None
    assert hop.packet.src == eip.public_ip


# ------------------------------------------------------------------------------------------------------------ I1


def test_i1_instance_without_public_ip_is_dropped_at_the_igw(lab: Lab) -> None:
    """SPEC I1: no public IPv4 or EIP on the source: the IGW drops the packet."""
    hidden = lab.net.run_instance(lab.pub, instance_type="t3.micro", name="hidden", associate_public_ip=False)
    assert hidden.public_ip is None
    t = lab.net.trace(hidden, INTERNET, protocol="tcp", port=443)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
    assert t.decided_by is not None
    assert (t.decided_by.component, t.decided_by.kind) == (lab.igw.id, "internet-gateway")
    assert not t.delivered
    assert not t.connected
    assert not lab.net.reachable(hidden, INTERNET, protocol="tcp", port=443)


def test_i1_subnet_without_route_to_the_igw_has_no_route(lab: Lab) -> None:
    """SPEC I1, R2: a public IP is not enough; the subnet's route table needs a route to the IGW."""
    t = lab.net.trace(lab.lonely, INTERNET, protocol="tcp", port=443)
    assert t.disposition == Disposition.NO_ROUTE
    assert t.explanation == "NO_ROUTE_TO_DESTINATION"
    assert t.decided_by is not None
    assert (t.decided_by.component, t.decided_by.kind) == (lab.vpc.main_route_table.id, "route-table")
    assert not hops(t, "internet-gateway")


def test_i1_route_to_a_detached_igw_is_a_blackhole() -> None:
    """SPEC I1, R6: once the IGW is detached, the route to it is a blackhole and drops the packet."""
    net = vpcsim.Network(seed=9)
    vpc = net.create_vpc("10.9.0.0/16", name="detached")
    subnet = net.create_subnet(vpc, "10.9.1.0/24")
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    rt = net.create_route_table(vpc)
    net.create_route(rt, "0.0.0.0/0", igw)
    net.associate_route_table(rt, subnet)
    host = net.run_instance(subnet, instance_type="t3.micro")
    net.detach_internet_gateway(igw, vpc)
    t = net.trace(host, INTERNET, protocol="tcp", port=443)
    assert t.disposition == Disposition.NULL_ROUTED
    assert t.explanation == "BAD_STATE_ROUTE"
    assert t.decided_by is not None
    assert (t.decided_by.component, t.decided_by.rule) == (rt.id, "0.0.0.0/0")


# ------------------------------------------------------------------------------------------------------------ I2


def test_i2_internet_reaches_public_instance_on_port_80(lab: Lab) -> None:
    """SPEC I2: public IP, IGW route, NACLs and SG ingress allow it: the internet connects to web:80."""
    t = lab.net.trace(INTERNET, lab.web, protocol="tcp", port=80)
    assert t.disposition == Disposition.ACCEPTED
    assert t.delivered
    assert t.connected
    sg = one_hop(t, "security-group-ingress")
    assert (sg.component, sg.action) == (lab.web_sg.id, "allow")
    assert sg.rule == lab.web_sg.ingress[0].id
    assert t.reply is not None
    assert t.reply.disposition == Disposition.EXITS_NETWORK
    assert lab.net.reachable(INTERNET, lab.web, protocol="tcp", port=80)


def test_i2_internet_to_a_private_ip_never_enters(lab: Lab) -> None:
    """SPEC I2: a packet from the internet addressed to a private IP is refused at the IGW."""
    t = lab.net.trace(vpcsim.internet(HOST), str(lab.web.private_ip), protocol="tcp", port=80)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
    assert t.decided_by is not None
    assert t.decided_by.component == lab.igw.id
    assert not t.delivered
    assert not any(h.component == lab.web.primary_network_interface.id for h in t.hops)


def test_i2_public_ip_without_igw_route_arrives_but_reply_has_no_route(lab: Lab) -> None:
    """SPEC I2: the IGW delivers to a public IP, but a subnet without an IGW route cannot answer."""
    t = lab.net.trace(INTERNET, lab.lonely, protocol="tcp", port=80)
    assert t.disposition == Disposition.ACCEPTED
    assert t.delivered
    assert not t.connected
    assert t.reply is not None
    assert t.reply.disposition == Disposition.NO_ROUTE
    assert t.reply.explanation == "NO_ROUTE_TO_DESTINATION"
    assert t.reply.decided_by is not None
    assert t.reply.decided_by.component == lab.vpc.main_route_table.id
    assert not lab.net.reachable(INTERNET, lab.lonely, protocol="tcp", port=80)


def test_i2_public_ip_in_subnet_routing_to_a_nat_gateway_cannot_answer(lab: Lab) -> None:
    """SPEC I2: the subnet must route replies to the IGW; through a NAT gateway they leave from the NAT's EIP."""
    odd = lab.net.run_instance(
        lab.priv, instance_type="t3.micro", security_groups=[lab.web_sg], name="odd", associate_public_ip=True
    )
    t = lab.net.trace(INTERNET, odd, protocol="tcp", port=80)
    assert t.delivered
    assert t.reply is not None
    # the client talked to odd's public IP; an answer from the NAT gateway's EIP is not an answer
    assert not t.reply.delivered
    assert not t.connected
    assert not lab.net.reachable(INTERNET, odd, protocol="tcp", port=80)


def test_i2_replies_must_pass_nacl_egress(lab: Lab) -> None:
    """SPEC I2, N4: a NACL that lets port 80 in but not the ephemeral reply out breaks the connection."""
    acl = lab.net.create_network_acl(lab.vpc, name="only-80")
    for egress in (False, True):
        lab.net.create_network_acl_entry(
            acl, rule_number=100, egress=egress, protocol="tcp", action="allow", cidr="0.0.0.0/0", ports=(80, 80)
        )
    lab.net.replace_network_acl_association(acl, lab.pub)
    t = lab.net.trace(INTERNET, lab.web, protocol="tcp", port=80)
    assert t.delivered
    assert not t.connected
    assert t.reply is not None
    assert t.reply.disposition == Disposition.DENIED_OUT
    assert t.reply.explanation == "SUBNET_ACL_RESTRICTION"
    assert t.reply.decided_by is not None
    assert (t.reply.decided_by.component, t.reply.decided_by.kind, t.reply.decided_by.rule) == (
        acl.id,
        "nacl-egress",
        32767,
    )
    assert t.decided_by is None
    assert t.blockers == [t.reply.decided_by]


# ------------------------------------------------------------------------------------------------------------ I3


@dataclasses.dataclass
class V6Lab:
    net: vpcsim.Network
    eigw: vpcsim.EgressOnlyInternetGateway
    host: vpcsim.Instance


@pytest.fixture
def v6lab() -> V6Lab:
    """A VPC with an egress-only internet gateway and no internet gateway."""
    net = vpcsim.Network(seed=3)
    vpc = net.create_vpc("10.20.0.0/16", name="v6", amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    block = next(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    subnet = net.create_subnet(vpc, "10.20.1.0/24", name="v6-a", ipv6_cidr_block=str(block))
    eigw = net.create_egress_only_internet_gateway(vpc, name="eigw")
    rt = net.create_route_table(vpc, name="v6-rt")
    net.create_route(rt, "::/0", eigw)
    net.associate_route_table(rt, subnet)
    sg = net.create_security_group(vpc, "open", description="anything in")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=80, cidr="::/0")
    host = net.run_instance(
        subnet, instance_type="t3.micro", security_groups=[sg], name="v6host", ipv6_address_count=1
    )
    return V6Lab(net, eigw, host)


def test_i3_eigw_carries_ipv6_out_and_replies_back(v6lab: V6Lab) -> None:
    """SPEC I3: IPv6 leaves through the egress-only IGW and the replies to that connection come back."""
    t = v6lab.net.trace(v6lab.host, vpcsim.internet("2001:db8::7"), protocol="tcp", port=443)
    assert t.disposition == Disposition.EXITS_NETWORK
    assert t.connected
    assert t.packet.src == v6lab.host.primary_network_interface.ipv6_addresses[0]
    assert any(h.component == v6lab.eigw.id for h in t.hops)
    assert t.reply is not None
    assert t.reply.disposition == Disposition.ACCEPTED
    back = [h for h in t.reply.hops if h.component == v6lab.eigw.id]
    assert back
    assert back[0].action == "allow"


def test_i3_unsolicited_inbound_ipv6_is_dropped(v6lab: V6Lab) -> None:
    """SPEC I3: the egress-only IGW drops inbound IPv6 that answers no outbound connection (even if SG allows)."""
    t = v6lab.net.trace(INTERNET, v6lab.host, protocol="tcp", port=80, ip_version=6)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "EIGW_UNSOLICITED_INBOUND"
    assert t.decided_by is not None
    assert t.decided_by.component == v6lab.eigw.id
    assert not t.delivered


# ------------------------------------------------------------------------------------------------------------ I4


def test_i4_private_subnet_reaches_internet_through_nat_gateway(lab: Lab) -> None:
    """SPEC I4, P3: the NAT gateway SNATs to its private IP (port 1024..), the IGW maps that to its EIP."""
    nat_eni = lab.nat.network_interface
    assert nat_eni is not None
    t = lab.net.trace(lab.app, vpcsim.internet(HOST), protocol="tcp", port=443)
    assert t.disposition == Disposition.EXITS_NETWORK
    assert t.connected
    nat = one_hop(t, "nat-gateway", action="translate")
    assert nat.component == lab.nat.id
    assert nat.packet is not None
    assert nat.packet.src == nat_eni.private_ip
    assert nat.packet.src_port is not None
    assert 1024 <= nat.packet.src_port <= 65535
    igw = one_hop(t, "internet-gateway", action="translate")
    assert igw.packet is not None
    assert igw.packet.src == lab.nat_eip.public_ip
    assert t.hops[-1].packet is not None
    assert t.hops[-1].packet.src == lab.nat_eip.public_ip
    # the reply is untranslated twice and reaches app at its own address and port
    assert t.reply is not None
    assert t.reply.hops[-1].component == lab.app.primary_network_interface.id
    last = t.reply.hops[-1].packet
    assert last is not None
    assert (last.dst, last.dst_port) == (lab.app.private_ip, 32768)


def test_i4_nat_gateway_translates_icmp(lab: Lab) -> None:
    """SPEC I4: ICMP is one of the three protocols a NAT gateway translates."""
    t = lab.net.trace(lab.app, vpcsim.internet(HOST), protocol="icmp")
    assert t.connected
    assert one_hop(t, "nat-gateway", action="translate").component == lab.nat.id


def test_i4_unsolicited_inbound_to_nat_eip_is_dropped(lab: Lab) -> None:
    """SPEC I4: the internet cannot open a connection to the NAT gateway's EIP."""
    t = lab.net.trace(INTERNET, str(lab.nat_eip.public_ip), protocol="tcp", port=443)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "NGW_UNSOLICITED_INBOUND"
    assert t.decided_by is not None
    assert (t.decided_by.component, t.decided_by.kind) == (lab.nat.id, "nat-gateway")
    assert not t.delivered


def test_i4_internet_cannot_reach_instance_behind_nat(lab: Lab) -> None:
    """SPEC I2, I4: the private instance has no public address; nothing from the internet reaches it."""
    t = lab.net.trace(INTERNET, lab.app, protocol="tcp", port=22)
    assert not t.delivered
    assert not t.connected
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
    assert not any(h.component == lab.app.primary_network_interface.id for h in t.hops)


def test_i4_nat_gateway_drops_other_protocols(lab: Lab) -> None:
    """SPEC I4: GRE (protocol 47) is not TCP, UDP or ICMP: the NAT gateway drops it."""
    t = lab.net.trace(lab.app, vpcsim.internet(HOST), protocol=47)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "PROTOCOL_RESTRICTION"
    assert t.decided_by is not None
    assert (t.decided_by.component, t.decided_by.kind) == (lab.nat.id, "nat-gateway")
    assert not t.connected


def test_i4_private_nat_gateway_snats_to_private_ip_and_cannot_use_the_igw(lab: Lab) -> None:
    """SPEC I4, I1: a private NAT gateway translates to its private IP, which has no public IP at the IGW."""
    edge = lab.net.create_subnet(lab.vpc, "10.0.4.0/24", az="us-east-1a", name="pnat-subnet")
    lab.net.associate_route_table(lab.public_rt, edge)
    pnat = lab.net.create_nat_gateway(edge, connectivity="private", name="pnat")
    inner = lab.net.create_subnet(lab.vpc, "10.0.5.0/24", az="us-east-1a", name="behind-pnat")
    rt = lab.net.create_route_table(lab.vpc, name="pnat-rt")
    lab.net.create_route(rt, "0.0.0.0/0", pnat)
    lab.net.associate_route_table(rt, inner)
    host = lab.net.run_instance(inner, instance_type="t3.micro", name="behind")
    assert pnat.network_interface is not None
    t = lab.net.trace(host, vpcsim.internet(HOST), protocol="tcp", port=443)
    nat = one_hop(t, "nat-gateway", action="translate")
    assert nat.component == pnat.id
    assert nat.packet is not None
    assert nat.packet.src == pnat.network_interface.private_ip
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
    assert t.decided_by is not None
    assert t.decided_by.component == lab.igw.id
    assert t.decided_by.packet is not None
    assert t.decided_by.packet.src == pnat.network_interface.private_ip


# ------------------------------------------------------------------------------------------------------------ I5


@dataclasses.dataclass
class Peers:
    net: vpcsim.Network
    a: vpcsim.Instance
    b: vpcsim.Instance
    c: vpcsim.Instance
    rt_a: vpcsim.RouteTable
    rt_b: vpcsim.RouteTable
    pcx_ab: vpcsim.VpcPeeringConnection
    pcx_bc: vpcsim.VpcPeeringConnection
    igw_a: vpcsim.InternetGateway
    nat_a: vpcsim.NatGateway


@pytest.fixture
def peers() -> Peers:
    """A peers B, B peers C; A has an IGW and a NAT gateway. Routes: A<->B both ways, B<->C both ways."""
    net = vpcsim.Network(seed=5)
    vpcs = [net.create_vpc(f"10.{i}.0.0/16", name=name) for i, name in enumerate("abc")]
    subnets = [net.create_subnet(v, f"10.{i}.1.0/24", name=f"{v.name}-1") for i, v in enumerate(vpcs)]
    tables = []
    for vpc, subnet in zip(vpcs, subnets, strict=True):
        rt = net.create_route_table(vpc, name=f"{vpc.name}-rt")
        net.associate_route_table(rt, subnet)
        tables.append(rt)
    rt_a, rt_b, rt_c = tables
    igw = net.create_internet_gateway(name="a-igw")
    net.attach_internet_gateway(igw, vpcs[0])
    edge = net.create_subnet(vpcs[0], "10.0.9.0/24", name="a-edge")
    edge_rt = net.create_route_table(vpcs[0], name="a-edge-rt")
    net.create_route(edge_rt, "0.0.0.0/0", igw)
    net.associate_route_table(edge_rt, edge)
    nat = net.create_nat_gateway(edge, allocation=net.allocate_address(), name="a-nat")
    net.create_route(rt_a, "0.0.0.0/0", nat)
    pcx_ab = net.create_vpc_peering_connection(vpcs[0], vpcs[1], name="a-b")
    pcx_bc = net.create_vpc_peering_connection(vpcs[1], vpcs[2], name="b-c")
    net.create_route(rt_a, "10.1.0.0/16", pcx_ab)
    net.create_route(rt_b, "10.0.0.0/16", pcx_ab)
    net.create_route(rt_b, "10.2.0.0/16", pcx_bc)
    net.create_route(rt_c, "10.1.0.0/16", pcx_bc)
    hosts = []
    for vpc, subnet in zip(vpcs, subnets, strict=True):
        sg = net.create_security_group(vpc, "peers", description="anything from the 10/8 peers")
        net.authorize_security_group_ingress(sg, protocol="-1", cidr="10.0.0.0/8")
        hosts.append(
            net.run_instance(subnet, instance_type="t3.micro", security_groups=[sg], name=f"host-{vpc.name}")
        )
    return Peers(net, *hosts, rt_a, rt_b, pcx_ab, pcx_bc, igw, nat)


def test_i5_peering_connects_with_routes_on_both_sides(peers: Peers) -> None:
    """SPEC I5: A and B route each other's CIDR to their peering connection: connected."""
    t = peers.net.trace(peers.a, peers.b, protocol="tcp", port=22)
    assert t.disposition == Disposition.ACCEPTED
    assert t.connected
    assert peers.pcx_ab.id in t.components


def test_i5_peering_is_not_transitive(peers: Peers) -> None:
    """SPEC I5: A routing C's CIDR to the A-B peering does not reach C through B."""
    peers.net.create_route(peers.rt_a, "10.2.0.0/16", peers.pcx_ab)
    t = peers.net.trace(peers.a, peers.c, protocol="tcp", port=22)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"
    assert t.decided_by is not None
    assert t.decided_by.component == peers.pcx_ab.id
    assert peers.pcx_bc.id not in t.components
    assert not t.delivered


def test_i5_peer_cannot_use_this_vpcs_nat_gateway_or_igw(peers: Peers) -> None:
    """SPEC I5: no edge-to-edge routing: B routing 0.0.0.0/0 to the peering does not reach A's NAT or IGW."""
    peers.net.create_route(peers.rt_b, "0.0.0.0/0", peers.pcx_ab)
    t = peers.net.trace(peers.b, vpcsim.internet(HOST), protocol="tcp", port=443)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"
    assert t.decided_by is not None
    assert t.decided_by.component == peers.pcx_ab.id
    assert peers.nat_a.id not in t.components
    assert peers.igw_a.id not in t.components
    assert not t.connected


def test_i5_missing_return_route_delivers_but_does_not_connect(peers: Peers) -> None:
    """SPEC I5: routes are needed on both sides; without B's route back to A the reply has no route."""
    peers.net.delete_route(peers.rt_b, "10.0.0.0/16")
    t = peers.net.trace(peers.a, peers.b, protocol="tcp", port=22)
    assert t.disposition == Disposition.ACCEPTED
    assert t.delivered
    assert not t.connected
    assert t.reply is not None
    assert t.reply.disposition == Disposition.NO_ROUTE
    assert t.reply.explanation == "NO_ROUTE_TO_DESTINATION"
    assert t.reply.decided_by is not None
    assert t.reply.decided_by.component == peers.rt_b.id


# ------------------------------------------------------------------------------------------------------------ M1


@pytest.fixture
def locked(lab: Lab) -> vpcsim.Instance:
    """An instance behind a deny-all NACL and an SG with no rules at all."""
    subnet = lab.net.create_subnet(lab.vpc, "10.0.6.0/24", az="us-east-1a", name="locked")
    lab.net.replace_network_acl_association(lab.net.create_network_acl(lab.vpc, name="deny-all"), subnet)
    sg = lab.net.create_security_group(lab.vpc, "closed", description="nothing in or out")
    lab.net.revoke_security_group_egress(sg, protocol="-1", cidr="0.0.0.0/0")
    return lab.net.run_instance(subnet, instance_type="t3.micro", security_groups=[sg], name="locked")


def test_m1_instance_reaches_its_own_imds_whatever_nacl_and_sg(lab: Lab, locked: vpcsim.Instance) -> None:
    """SPEC M1: 169.254.169.254 answers the instance itself; no NACL, SG or route applies."""
    t = lab.net.trace(locked, IMDS, protocol="tcp", port=80)
    assert t.disposition == Disposition.ACCEPTED
    assert t.connected
    assert t.explanation is None
    kinds = {h.kind for h in [*t.hops, *(t.reply.hops if t.reply else [])]}
    assert not {k for k in kinds if k.startswith(("nacl", "security-group", "route-table"))}


def test_m1_imds_disabled_is_denied(lab: Lab) -> None:
    """SPEC M1, M2: http_endpoint=disabled turns the metadata service off."""
    lab.net.modify_instance_metadata_options(lab.web, http_endpoint="disabled")
    t = lab.net.trace(lab.web, IMDS, protocol="tcp", port=80)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "IMDS_DISABLED"
    assert not t.connected


def test_m1_imds_over_ipv6_only_when_enabled(lab: Lab) -> None:
    """SPEC M1, M2: fd00:ec2::254 answers only with http_protocol_ipv6=enabled."""
    host = lab.net.run_instance(lab.pub, instance_type="t3.micro", name="v6", ipv6_address_count=1)
    before = lab.net.trace(host, IMDS6, protocol="tcp", port=80)
    assert before.packet.version == 6
    assert before.disposition == Disposition.DENIED_IN
    assert before.explanation == "IMDS_DISABLED"
    lab.net.modify_instance_metadata_options(host, http_protocol_ipv6="enabled")
    after = lab.net.trace(host, IMDS6, protocol="tcp", port=80)
    assert after.disposition == Disposition.ACCEPTED
    assert after.connected


def test_m1_internet_cannot_reach_imds(lab: Lab) -> None:
    """SPEC M1, R8: 169.254.169.254 is never routed: the internet cannot reach it."""
    t = lab.net.trace(INTERNET, IMDS, protocol="tcp", port=80)
    assert not t.delivered
    assert not t.connected
    assert t.disposition != Disposition.ACCEPTED
    assert t.decided_by is not None


def test_m1_dns_resolver_answers_udp_53(lab: Lab, locked: vpcsim.Instance) -> None:
    """SPEC M1, N2: the Route 53 Resolver at 169.254.169.253 answers on UDP 53, NACLs and SGs aside."""
    for host in (lab.web, locked):
        t = lab.net.trace(host, DNS, protocol="udp", port=53)
        assert t.disposition == Disposition.ACCEPTED
        assert t.connected


# ----------------------------------------------------------------------------------------------------- endpoints


@pytest.fixture
def bastion(lab: Lab) -> vpcsim.Instance:
    instance = lab.net.run_instance(
        lab.pub, instance_type="t3.micro", security_groups=[lab.web_sg], name="bastion", associate_public_ip=False
    )
    lab.net.associate_address(lab.net.allocate_address(name="bastion-eip"), instance=instance)
    return instance


SOURCE_FORMS = {
    "instance": lambda lab: lab.web,
    "eni": lambda lab: lab.web.primary_network_interface,
    "instance-id": lambda lab: lab.web.id,
    "eni-id": lambda lab: lab.web.primary_network_interface.id,
    "name-tag": lambda lab: "web",
    "private-ip": lambda lab: str(lab.web.private_ip),
    "public-ip": lambda lab: str(lab.web.public_ip),
}


@pytest.mark.parametrize("form", list(SOURCE_FORMS))
def test_endpoint_forms_name_the_same_instance(lab: Lab, form: str) -> None:
    """Issue 3 item 4: an instance, ENI, their ids, a Name tag and its IPs all resolve to its primary ENI."""
    ref = SOURCE_FORMS[form](lab)
    eni = lab.web.primary_network_interface
    out = lab.net.trace(ref, vpcsim.internet(HOST), protocol="tcp", port=443)
    assert out.source.network_interface is eni
    assert out.packet.src == lab.web.private_ip  # E7: the host sends from its private address
    assert out.connected
    inbound = lab.net.trace(INTERNET, ref, protocol="tcp", port=80)
    assert inbound.destination.network_interface is eni
    if form == "private-ip":  # I2: the internet addressing a private IP never enters
        assert inbound.explanation == "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"
        assert not inbound.delivered
    else:
        assert inbound.packet.dst == lab.web.public_ip
        assert inbound.connected


def test_endpoint_eip_string(lab: Lab, bastion: vpcsim.Instance) -> None:
    """Issue 3 item 4, P2: an Elastic IP string names the ENI it is associated with."""
    eip = str(bastion.public_ip)
    inbound = lab.net.trace(INTERNET, eip, protocol="tcp", port=80)
    assert inbound.destination.network_interface is bastion.primary_network_interface
    assert inbound.packet.dst == ip(eip)
    assert inbound.connected
    out = lab.net.trace(eip, vpcsim.internet(HOST), protocol="tcp", port=443)
    assert out.packet.src == bastion.private_ip
    assert one_hop(out, "internet-gateway").packet.src == ip(eip)  # type: ignore[union-attr]


def test_endpoint_nat_gateway_object(lab: Lab) -> None:
    """Issue 3 item 4: a NAT gateway object is an endpoint (its ENI); the internet cannot open one to it."""
    t = lab.net.trace(INTERNET, lab.nat, protocol="tcp", port=443)
    assert t.destination.network_interface is lab.nat.network_interface
    assert t.explanation == "NGW_UNSOLICITED_INBOUND"
    to_nat = lab.net.trace(lab.app, lab.nat, protocol="icmp")
    assert to_nat.destination.network_interface is lab.nat.network_interface


def test_endpoint_internet_gateway_object_stands_for_the_internet(lab: Lab) -> None:
    """Issue 3 item 4: an internet gateway object (or its id) as source means the internet behind it."""
    for ref in (lab.igw, lab.igw.id):
        t = lab.net.trace(ref, lab.web, protocol="tcp", port=80)
        assert t.source.kind == "internet"
        assert t.packet.dst == lab.web.public_ip
        assert lab.igw.id in t.components
        assert t.connected


def test_endpoint_internet_and_a_given_internet_host(lab: Lab) -> None:
    """Issue 3 item 4: vpcsim.INTERNET uses a representative address; vpcsim.internet(ip) that exact one."""
    anyone = lab.net.trace(INTERNET, lab.web, protocol="tcp", port=80)
    assert anyone.source.kind == "internet"
    assert anyone.packet.src == ip("198.51.100.1")
    given = lab.net.trace(vpcsim.internet(HOST), lab.web, protocol="tcp", port=80)
    assert given.packet.src == ip(HOST)
    assert given.hops[-1].packet is not None
    assert given.hops[-1].packet.src == ip(HOST)
    assert given.connected


def test_endpoint_two_enis_primary_unless_secondary_named(lab: Lab) -> None:
    """Issue 3 item 4, E2: an instance sends from eth0 unless eth1 or one of its IPs is the source."""
    dual = lab.net.run_instance(lab.pub, instance_type="t3.micro", name="dual")
    eth0 = dual.primary_network_interface
    eth1 = lab.net.create_network_interface(lab.pub, name="dual-eth1")
    lab.net.attach_network_interface(eth1, dual, device_index=1)
    via_instance = lab.net.trace(dual, lab.web, protocol="tcp", port=80)
    assert via_instance.hops[0].component == eth0.id
    assert via_instance.packet.src == eth0.private_ip
    for ref in (eth1, eth1.id, str(eth1.private_ip)):
        t = lab.net.trace(ref, lab.web, protocol="tcp", port=80)
        assert t.hops[0].component == eth1.id
        assert t.packet.src == eth1.private_ip
        assert t.connected


def test_endpoint_unknown_id_names_it(lab: Lab) -> None:
    """Issue 3 item 4: an id that names nothing is an InvalidEndpointError (a ValueError) naming it."""
    with pytest.raises(vpcsim.InvalidEndpointError, match="i-0123456789abcdef0") as raised:
        lab.net.trace("i-0123456789abcdef0", lab.web, protocol="tcp", port=80)
    assert isinstance(raised.value, ValueError)
    with pytest.raises(vpcsim.InvalidEndpointError, match="eni-0000000000000000f"):
        lab.net.trace(lab.web, "eni-0000000000000000f", protocol="tcp", port=80)


def test_endpoint_garbage_string(lab: Lab) -> None:
    """Issue 3 item 4: a string that is neither an id, a Name tag nor an IP is refused, naming it."""
    with pytest.raises(vpcsim.InvalidEndpointError, match="no such host"):
        lab.net.trace("no such host", lab.web, protocol="tcp", port=80)
    with pytest.raises(ValueError, match=re.escape("10.0.0.300")):
        lab.net.trace(lab.web, "10.0.0.300", protocol="tcp", port=80)


def test_flow_port_out_of_range(lab: Lab) -> None:
    """Issue 3: port 70000 is not a port: InvalidFlowError naming 70000."""
    with pytest.raises(vpcsim.InvalidFlowError, match="70000") as raised:
        lab.net.trace(INTERNET, lab.web, protocol="tcp", port=70000)
    assert isinstance(raised.value, ValueError)


def test_flow_protocol_all_is_not_a_flow(lab: Lab) -> None:
    """Issue 3: protocol -1 means all protocols, which no single packet carries."""
    with pytest.raises(vpcsim.InvalidFlowError):
        lab.net.trace(lab.web, INTERNET, protocol="-1", port=80)
    with pytest.raises(vpcsim.InvalidFlowError):
        lab.net.trace(lab.web, INTERNET, protocol=-1)


def test_endpoint_ambiguous_private_ip(lab: Lab) -> None:
    """Issue 3 item 4: the same private IP in two VPCs that do not peer is ambiguous."""
    for name in ("left", "right"):
        vpc = lab.net.create_vpc("172.16.0.0/16", name=name)
        subnet = lab.net.create_subnet(vpc, "172.16.1.0/24", name=f"{name}-1")
        lab.net.run_instance(subnet, instance_type="t3.micro", private_ip="172.16.1.10", name=name)
    with pytest.raises(vpcsim.InvalidEndpointError, match=re.escape("172.16.1.10")):
        lab.net.trace("172.16.1.10", INTERNET, protocol="tcp", port=443)


def test_endpoint_source_ip_no_eni_holds(lab: Lab) -> None:
    """Issue 3 item 4: a source address inside a VPC that no ENI holds cannot send."""
    with pytest.raises(vpcsim.InvalidEndpointError, match=re.escape("10.0.1.200")):
        lab.net.trace("10.0.1.200", lab.web, protocol="tcp", port=80)


# ------------------------------------------------------------------------------------------------------------- V


def test_v_dispositions_are_strings(lab: Lab) -> None:
    """SPEC V: dispositions read as Batfish's plain strings."""
    for disposition in Disposition:
        assert isinstance(disposition, str)
        assert disposition == disposition.value
    assert Disposition.ACCEPTED == "ACCEPTED"
    assert {d.value for d in Disposition} == {
        "ACCEPTED",
        "DENIED_OUT",
        "DENIED_IN",
        "NO_ROUTE",
        "NULL_ROUTED",
        "EXITS_NETWORK",
        "LOOP",
    }
    assert lab.net.trace(INTERNET, lab.web, protocol="tcp", port=80).disposition == "ACCEPTED"


def test_v_connected_trace_has_no_explanation_decider_or_blockers(lab: Lab) -> None:
    """SPEC V: a connected flow has no explanation, no deciding drop and an empty blockers list."""
    for t in (
        lab.net.trace(INTERNET, lab.web, protocol="tcp", port=80),
        lab.net.trace(lab.app, vpcsim.internet(HOST), protocol="tcp", port=443),
    ):
        assert t.connected
        assert t.explanation is None
        assert t.decided_by is None
        assert t.blockers == []


def test_v_delivered_trace_has_no_decider(lab: Lab) -> None:
    """SPEC V: decided_by is None whenever the packet was delivered, even if the reply fails."""
    t = lab.net.trace(INTERNET, lab.lonely, protocol="tcp", port=80)
    assert t.delivered
    assert not t.connected
    assert t.decided_by is None
    assert t.reply is not None
    assert t.reply.decided_by is not None


def test_v_every_explanation_seen_is_documented(lab: Lab, v6lab: V6Lab, peers: Peers) -> None:
    """SPEC V: every explanation code a trace (or its reply, or a blocker) carries has an entry in EXPLANATIONS."""
    hidden = lab.net.run_instance(lab.pub, instance_type="t3.micro", associate_public_ip=False)
    peers.net.create_route(peers.rt_a, "10.2.0.0/16", peers.pcx_ab)
    traces = [
        lab.net.trace(hidden, INTERNET, protocol="tcp", port=443),
        lab.net.trace(lab.lonely, INTERNET, protocol="tcp", port=443),
        lab.net.trace(INTERNET, lab.lonely, protocol="tcp", port=80),
        lab.net.trace(INTERNET, str(lab.web.private_ip), protocol="tcp", port=80),
        lab.net.trace(INTERNET, str(lab.nat_eip.public_ip), protocol="tcp", port=443),
        lab.net.trace(lab.app, INTERNET, protocol=47),
        lab.net.trace(INTERNET, lab.web, protocol="tcp", port=22),
        lab.net.trace(INTERNET, IMDS, protocol="tcp", port=80),
        v6lab.net.trace(INTERNET, v6lab.host, protocol="tcp", port=80, ip_version=6),
        peers.net.trace(peers.a, peers.c, protocol="tcp", port=22),
    ]
    lab.net.modify_instance_metadata_options(lab.web, http_endpoint="disabled")
    traces.append(lab.net.trace(lab.web, IMDS, protocol="tcp", port=80))
    seen = set()
    for t in traces:
        for part in (t, t.reply):
            if part is not None and part.explanation is not None:
                seen.add(part.explanation)
        seen |= {h.explanation for h in t.blockers if h.explanation}
    assert {"IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", "NGW_UNSOLICITED_INBOUND", "IMDS_DISABLED"} <= seen
    assert seen <= set(vpcsim.EXPLANATIONS)
    assert all(isinstance(text, str) and text for text in vpcsim.EXPLANATIONS.values())


# ------------------------------------------------------------------------------------------------------ blockers


@pytest.fixture
def triple_block(lab: Lab) -> tuple[Lab, vpcsim.Instance, vpcsim.NetworkAcl, vpcsim.SecurityGroup]:
    """web2 in a public subnet whose NACL admits only 22 in and 80 out, with an SG that admits only 22."""
    subnet = lab.net.create_subnet(lab.vpc, "10.0.7.0/24", az="us-east-1a", name="strict")
    lab.net.associate_route_table(lab.public_rt, subnet)
    acl = lab.net.create_network_acl(lab.vpc, name="strict-acl")
    lab.net.create_network_acl_entry(
        acl, rule_number=100, egress=False, protocol="tcp", action="allow", cidr="0.0.0.0/0", ports=(22, 22)
    )
    lab.net.create_network_acl_entry(
        acl, rule_number=100, egress=True, protocol="tcp", action="allow", cidr="0.0.0.0/0", ports=(80, 80)
    )
    lab.net.replace_network_acl_association(acl, subnet)
    sg = lab.net.create_security_group(lab.vpc, "ssh-only", description="SSH only")
    lab.net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="0.0.0.0/0")
    host = lab.net.run_instance(
        subnet, instance_type="t3.micro", security_groups=[sg], name="web2", associate_public_ip=True
    )
    return lab, host, acl, sg


def test_blockers_list_every_drop_on_the_path(
    triple_block: tuple[Lab, vpcsim.Instance, vpcsim.NetworkAcl, vpcsim.SecurityGroup],
) -> None:
    """SPEC V, N4, G1: NACL ingress, SG ingress and NACL egress of the reply all block; decided_by is the first."""
    lab, host, acl, sg = triple_block
    t = lab.net.trace(INTERNET, host, protocol="tcp", port=80)
    assert t.disposition == Disposition.DENIED_IN
    assert t.explanation == "SUBNET_ACL_RESTRICTION"
    assert t.decided_by is not None
    assert (t.decided_by.component, t.decided_by.kind, t.decided_by.rule) == (acl.id, "nacl-ingress", 32767)
    found = [(h.component, h.kind) for h in t.blockers]
    assert found == [(acl.id, "nacl-ingress"), (sg.id, "security-group-ingress"), (acl.id, "nacl-egress")]
    assert len(set(found)) == len(found)
    assert t.blockers[0] == t.decided_by
    assert [h.explanation for h in t.blockers] == [
        "SUBNET_ACL_RESTRICTION",
        "ENI_SG_RULES_MISMATCH",
        "SUBNET_ACL_RESTRICTION",
    ]


# -------------------------------------------------------------------------------------------------- presentation


def test_str_names_every_component_and_the_deciding_rule(lab: Lab) -> None:
    """SPEC V: the text form names each component on the path and the rule that decided."""
    t = lab.net.trace(lab.web, vpcsim.internet(HOST), protocol="tcp", port=443)
    text = str(t)
    eni = lab.web.primary_network_interface
    for component in (eni.id, lab.web_sg.id, lab.pub.network_acl.id, lab.public_rt.id, lab.igw.id):
        assert component in text
    assert "0.0.0.0/0" in text  # the route that decided
    assert "=> connected" in text
    denied = lab.net.trace(INTERNET, lab.web, protocol="tcp", port=22)
    assert denied.decided_by is not None
    denied_text = str(denied)
    assert "DENIED_IN" in denied_text
    assert "ENI_SG_RULES_MISMATCH" in denied_text
    assert lab.web_sg.id in denied_text
    assert "=> not connected" in denied_text


def test_repr_html_is_a_table_with_the_same_ids(lab: Lab) -> None:
    """SPEC V: the notebook form is an HTML table naming the same components."""
    t = lab.net.trace(lab.web, vpcsim.internet(HOST), protocol="tcp", port=443)
    page = t._repr_html_()
    assert "<table" in page
    assert "</table>" in page
    eni = lab.web.primary_network_interface
    for component in (eni.id, lab.web_sg.id, lab.pub.network_acl.id, lab.public_rt.id, lab.igw.id):
        assert component in page
    assert page.count("<table") == 2  # the packet and its reply


def test_print_shows_the_reply_section(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    """SPEC V, N4: printing a trace shows the reply walk with swapped addresses and ports."""
    t = lab.net.trace(vpcsim.internet(HOST), lab.web, protocol="tcp", port=80)
    print(t)
    out = capsys.readouterr().out
    reply_lines = [line for line in out.splitlines() if line.startswith("Reply ")]
    assert len(reply_lines) == 1
    assert f"{lab.web.private_ip}:80 -> {HOST}:32768" in reply_lines[0]
    after = out.split(reply_lines[0], 1)[1]
    assert lab.igw.id in after
    assert "EXITS_NETWORK" in reply_lines[0]
