"""The packet walk across topologies a reviewer found walked wrongly (issue 3; SPEC R4, R6, N2, E5, I1, I2, I4, V).

Each test is one reviewer reproduction turned into an example asserting what AWS does: transit gateway attachments
and their Availability Zones and NACLs, NAT instances and NAT64 with IPv6, exits that do not lead to the
destination, multi-ENI appliances, idle Elastic IPs, on-premises sources behind overlapping VPN routes, and replies
that come back from another address than the request went to.
"""

from __future__ import annotations

import dataclasses
import ipaddress

import pytest

import vpcsim
from vpcsim import INTERNET, Disposition, Trace, internet
from vpcsim.testing import assert_dropped, one_hop


def ip(text: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(str(text))


def open_sg(net: vpcsim.Network, vpc: vpcsim.Vpc, name: str, *, ipv6: bool = False) -> vpcsim.SecurityGroup:
    sg = net.create_security_group(vpc, name, description=name)
    net.authorize_security_group_ingress(sg, protocol="-1", cidr="0.0.0.0/0")
    if ipv6:
        net.authorize_security_group_ingress(sg, protocol="-1", cidr="::/0")
    return sg


def deny_all_nacl(net: vpcsim.Network, vpc: vpcsim.Vpc, subnet: vpcsim.Subnet, name: str) -> vpcsim.NetworkAcl:
    """A new custom NACL denies everything both ways (SPEC N3)."""
    acl = net.create_network_acl(vpc, name=name)
    net.replace_network_acl_association(acl, subnet)
    return acl


# ------------------------------------------------------------------------------------------------------ networks


@dataclasses.dataclass
class Lab:
    """One VPC (IPv4 + IPv6) with an IGW: ``pub`` 10.0.1.0/24 routes 0.0.0.0/0 and ::/0 to the IGW and maps public
    IPs; ``priv`` 10.0.2.0/24 has the main table (local) until a test gives it one; ``sg`` allows all inbound."""

    net: vpcsim.Network
    vpc: vpcsim.Vpc
    pub: vpcsim.Subnet
    priv: vpcsim.Subnet
    igw: vpcsim.InternetGateway
    public_rt: vpcsim.RouteTable
    sg: vpcsim.SecurityGroup


def make_lab(*, ipv6: bool = True) -> Lab:
    net = vpcsim.Network(seed=1)
    vpc = net.create_vpc("10.0.0.0/16", name="lab", amazon_provided_ipv6_cidr_block=ipv6)
    v6 = [str(n) for n in vpc.ipv6_cidr_block.subnets(new_prefix=64)][:2] if vpc.ipv6_cidr_block else [None, None]
    pub = net.create_subnet(
        vpc, "10.0.1.0/24", az="us-east-1a", map_public_ip_on_launch=True, ipv6_cidr_block=v6[0], name="pub"
    )
    priv = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", ipv6_cidr_block=v6[1], name="priv")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    if ipv6:
        net.create_route(public_rt, "::/0", igw)
    net.associate_route_table(public_rt, pub)
    return Lab(net, vpc, pub, priv, igw, public_rt, open_sg(net, vpc, "open", ipv6=ipv6))


@pytest.fixture
def lab() -> Lab:
    return make_lab()


@pytest.fixture
def lab4() -> Lab:
    return make_lab(ipv6=False)


@dataclasses.dataclass
class TgwLab:
    """VPC A 10.0.0.0/16 and VPC B 10.1.0.0/16 joined by a transit gateway (default association and propagation);
    each VPC's main route table sends the other VPC's CIDR to the TGW; every SG allows all inbound."""

    net: vpcsim.Network
    tgw: vpcsim.TransitGateway
    va: vpcsim.Vpc
    vb: vpcsim.Vpc
    sga: vpcsim.SecurityGroup
    sgb: vpcsim.SecurityGroup

    def subnet(self, vpc: vpcsim.Vpc, cidr: str, az: str) -> vpcsim.Subnet:
        return self.net.create_subnet(vpc, cidr, az=az, name=cidr)

    def attach(self, vpc: vpcsim.Vpc, subnets: list[vpcsim.Subnet]) -> vpcsim.TransitGatewayAttachment:
        return self.net.create_transit_gateway_vpc_attachment(self.tgw, vpc, subnets)

    def host(self, subnet: vpcsim.Subnet, name: str) -> vpcsim.Instance:
        sg = self.sga if subnet.vpc is self.va else self.sgb
        return self.net.run_instance(subnet, instance_type="t3.micro", security_groups=[sg], name=name)

    def routes(self) -> None:
        self.net.create_route(self.va.main_route_table, "10.1.0.0/16", self.tgw)
        self.net.create_route(self.vb.main_route_table, "10.0.0.0/16", self.tgw)


@pytest.fixture
def tgw_lab() -> TgwLab:
    net = vpcsim.Network(seed=3)
    va = net.create_vpc("10.0.0.0/16", name="A")
    vb = net.create_vpc("10.1.0.0/16", name="B")
    tgw = net.create_transit_gateway(name="tgw")
    return TgwLab(net, tgw, va, vb, open_sg(net, va, "a"), open_sg(net, vb, "b"))


# ------------------------------------------------------------------------- 1. TGW attachments and Availability Zones


def test_tgw_source_az_without_attachment_subnet_has_no_route(tgw_lab: TgwLab) -> None:
    """AWS TGW: traffic reaches the transit gateway only from an AZ where the attachment has a subnet."""
    lab = tgw_lab
    a1, a2 = lab.subnet(lab.va, "10.0.1.0/24", "us-east-1a"), lab.subnet(lab.va, "10.0.2.0/24", "us-east-1b")
    b1, b2 = lab.subnet(lab.vb, "10.1.1.0/24", "us-east-1a"), lab.subnet(lab.vb, "10.1.2.0/24", "us-east-1b")
    attachment_a = lab.attach(lab.va, [a1])  # AZ a only
    lab.attach(lab.vb, [b1, b2])
    lab.routes()
    lab.host(a1, "x1")
    lab.host(a2, "x2")
    lab.host(b2, "y2")

    t = lab.net.trace("x2", "y2", "tcp", 22)
    assert_dropped(t, "NO_ROUTE", "TGW_ATTACHMENT_AZ", kind="transit-gateway-attachment", component=attachment_a.id)
    assert not t.delivered
    assert not lab.net.reachable("x2", "y2", "tcp", 22)
    # The same flow from the AZ that has an attachment subnet gets through.
    assert lab.net.trace("x1", "y2", "tcp", 22).connected


@dataclasses.dataclass
class TwoAz:
    b1: vpcsim.Subnet
    b2: vpcsim.Subnet
    rt1: vpcsim.RouteTable
    attachment_b: vpcsim.TransitGatewayAttachment


def _tgw_two_az_lab(lab: TgwLab) -> TwoAz:
    """Reviewer t7: A attached in both AZs; B attached through b1 (AZ a) and b2 (AZ b); y3 in b3 (AZ b). b1's own
    route table sends 10.1.3.0/24 to a firewall that is stopped (a blackhole); b2 keeps the main table (local)."""
    a1, a2 = lab.subnet(lab.va, "10.0.1.0/24", "us-east-1a"), lab.subnet(lab.va, "10.0.2.0/24", "us-east-1b")
    b1, b2 = lab.subnet(lab.vb, "10.1.1.0/24", "us-east-1a"), lab.subnet(lab.vb, "10.1.2.0/24", "us-east-1b")
    b3 = lab.subnet(lab.vb, "10.1.3.0/24", "us-east-1b")
    lab.attach(lab.va, [a1, a2])
    attachment_b = lab.attach(lab.vb, [b1, b2])
    lab.routes()
    lab.host(a1, "x1")
    lab.host(a2, "x2")
    lab.host(b3, "y3")
    fw = lab.host(b1, "fw")
    lab.net.modify_instance_attribute(fw, source_dest_check=False)
    rt1 = lab.net.create_route_table(lab.vb, name="tgw-a-rt")
    lab.net.create_route(rt1, "10.1.3.0/24", fw.primary_network_interface)
    lab.net.associate_route_table(rt1, b1)
    lab.net.stop_instance(fw)
    return TwoAz(b1, b2, rt1, attachment_b)


def test_tgw_enters_destination_vpc_through_the_senders_az(tgw_lab: TgwLab) -> None:
    """AWS TGW: with attachment subnets in both AZs, traffic enters the VPC in the sender's AZ (b2, not b1)."""
    parts = _tgw_two_az_lab(tgw_lab)
    t = tgw_lab.net.trace("x2", "y3", "tcp", 22)
    assert t.disposition is Disposition.ACCEPTED, t
    assert t.explanation is None
    assert t.connected
    entry = one_hop(t, "transit-gateway-attachment", component=parts.attachment_b.id)
    assert f"via {parts.b2.id}" in entry.detail
    assert parts.rt1.id not in t.components


def test_tgw_entry_subnets_route_table_decides(tgw_lab: TgwLab) -> None:
    """AWS TGW: from AZ a the TGW enters through b1, whose route table sends y3's subnet to a blackhole (R6)."""
    parts = _tgw_two_az_lab(tgw_lab)
    t = tgw_lab.net.trace("x1", "y3", "tcp", 22)
    entry = one_hop(t, "transit-gateway-attachment", component=parts.attachment_b.id)
    assert f"via {parts.b1.id}" in entry.detail
    assert t.disposition is Disposition.NULL_ROUTED, t
    assert t.explanation == "BAD_STATE_ROUTE"
    assert t.decided_by is not None
    assert t.decided_by.component == parts.rt1.id
    assert t.decided_by.rule == "10.1.3.0/24"
    assert not t.connected


# ------------------------------------------------------------------------------- 2. NACLs of TGW attachment subnets


@dataclasses.dataclass
class Pair:
    at: vpcsim.Subnet
    bt: vpcsim.Subnet


@pytest.fixture
def tgw_pair(tgw_lab: TgwLab) -> Pair:
    """One AZ; each VPC has an instance subnet and a separate attachment subnet: x in a1, y in b1; TGW ENIs in
    at (VPC A) and bt (VPC B)."""
    lab = tgw_lab
    a1, at = lab.subnet(lab.va, "10.0.1.0/24", "us-east-1a"), lab.subnet(lab.va, "10.0.9.0/24", "us-east-1a")
    b1, bt = lab.subnet(lab.vb, "10.1.1.0/24", "us-east-1a"), lab.subnet(lab.vb, "10.1.9.0/24", "us-east-1a")
    lab.attach(lab.va, [at])
    lab.attach(lab.vb, [bt])
    lab.routes()
    lab.host(a1, "x")
    lab.host(b1, "y")
    return Pair(at, bt)


def test_tgw_source_attachment_subnet_nacl_ingress_stops_traffic_to_the_tgw(tgw_lab: TgwLab, tgw_pair: Pair) -> None:
    """AWS TGW NACLs: instance -> TGW is checked by the inbound rules of the attachment subnet (source IP)."""
    assert tgw_lab.net.trace("x", "y", "tcp", 22).connected
    acl = deny_all_nacl(tgw_lab.net, tgw_lab.va, tgw_pair.at, "deny-at")
    t = tgw_lab.net.trace("x", "y", "tcp", 22)
    assert_dropped(t, "DENIED_IN", "SUBNET_ACL_RESTRICTION", kind="nacl-ingress", component=acl.id, rule=32767)


def test_tgw_destination_attachment_subnet_nacl_egress_stops_traffic_from_the_tgw(
    tgw_lab: TgwLab, tgw_pair: Pair
) -> None:
    """AWS TGW NACLs: TGW -> instance in another subnet is checked by the attachment subnet's outbound rules."""
    acl = deny_all_nacl(tgw_lab.net, tgw_lab.vb, tgw_pair.bt, "deny-bt")
    t = tgw_lab.net.trace("x", "y", "tcp", 22)
    assert_dropped(t, "DENIED_OUT", "SUBNET_ACL_RESTRICTION", kind="nacl-egress", component=acl.id)


def test_tgw_destination_attachment_subnet_inbound_rules_check_the_reply(tgw_lab: TgwLab, tgw_pair: Pair) -> None:
    """AWS TGW NACLs: outbound open, inbound closed on bt: the forward passes, y's reply to the TGW is dropped."""
    net = tgw_lab.net
    acl = deny_all_nacl(net, tgw_lab.vb, tgw_pair.bt, "egress-only")
    net.create_network_acl_entry(acl, rule_number=100, egress=True, protocol="-1", action="allow", cidr="0.0.0.0/0")
    t = net.trace("x", "y", "tcp", 22)
    assert t.disposition is Disposition.ACCEPTED, t
    assert t.reply is not None
    assert t.reply.disposition is Disposition.DENIED_IN, t
    assert t.reply.decided_by is not None
    assert t.reply.decided_by.kind == "nacl-ingress"
    assert t.reply.decided_by.component == acl.id
    assert not t.connected


def test_tgw_nacl_not_evaluated_from_the_tgw_to_an_instance_in_the_attachment_subnet(tgw_lab: TgwLab) -> None:
    """AWS TGW NACLs: TGW -> instance in the attachment subnet itself skips its NACL; the reply's egress does not."""
    lab = tgw_lab
    a1 = lab.subnet(lab.va, "10.0.1.0/24", "us-east-1a")
    b1 = lab.subnet(lab.vb, "10.1.1.0/24", "us-east-1a")
    lab.attach(lab.va, [a1])
    lab.attach(lab.vb, [b1])
    lab.routes()
    lab.host(a1, "x")
    lab.host(b1, "y")
    acl = deny_all_nacl(lab.net, lab.vb, b1, "deny-b1")
    t = lab.net.trace("x", "y", "tcp", 22)
    assert t.disposition is Disposition.ACCEPTED, t
    assert acl.id not in t.components
    assert t.reply is not None
    assert t.reply.disposition is Disposition.DENIED_OUT
    assert t.reply.decided_by is not None
    assert t.reply.decided_by.kind == "nacl-egress"
    assert t.reply.decided_by.component == acl.id
    assert not t.connected


# ---------------------------------------------------------------------------------- 3. NAT instance with IPv6 flows


def _same_family_everywhere(t: Trace) -> None:
    for walk in (t, t.reply) if t.reply is not None else (t,):
        for hop in walk.hops:
            if hop.packet is not None:
                assert hop.packet.src.version == hop.packet.dst.version, f"mixed-family packet at {hop}\n{t}"


@pytest.mark.parametrize("version", [4, 6])
def test_e5_masquerading_nat_instance_keeps_the_address_family(lab: Lab, version: int) -> None:
    """SPEC E5 / NAT instance: an IPv6 flow through a masquerading NAT instance stays IPv6 on every hop."""
    net = lab.net
    nati = net.run_instance(lab.pub, instance_type="t3.micro", security_groups=[lab.sg], name="nati",
                            ipv6_address_count=1)  # fmt: skip
    net.modify_instance_attribute(nati, source_dest_check=False)
    net.configure_nat_instance(nati, masquerade=True)
    private_rt = net.create_route_table(lab.vpc, name="private-rt")
    net.associate_route_table(private_rt, lab.priv)
    net.create_route(private_rt, "0.0.0.0/0", nati)
    net.create_route(private_rt, "::/0", nati)
    a = net.run_instance(lab.priv, instance_type="t3.micro", security_groups=[lab.sg], name="a", ipv6_address_count=1)

    t = net.trace(a, INTERNET, "tcp", 443, ip_version=version)
    assert t.disposition is Disposition.EXITS_NETWORK, t
    assert t.connected, t
    _same_family_everywhere(t)
    masq = [h for h in t.hops if h.kind == "nat-instance"]
    assert len(masq) == 1, t
    assert masq[0].packet is not None
    assert masq[0].packet.src.version == version
    assert masq[0].packet.src in nati.primary_network_interface.addresses
    assert t.hops[-1].packet is not None
    assert t.hops[-1].packet.dst.version == version


# ------------------------------------------------------------------------------------------------------- 4. NAT64


NAT64_HOST = "64:ff9b::c633:6401"  # 198.51.100.1 embedded in the well-known prefix


@pytest.fixture
def nat64(lab: Lab) -> tuple[Lab, vpcsim.NatGateway, vpcsim.RouteTable, vpcsim.Instance]:
    """A public NAT gateway in ``pub``; ``priv`` routes only 64:ff9b::/96 to it; ``a`` in ``priv`` has IPv6 and no
    public IPv4."""
    net = lab.net
    nat = net.create_nat_gateway(lab.pub, allocation=net.allocate_address(), name="nat")
    private_rt = net.create_route_table(lab.vpc, name="private-rt")
    net.associate_route_table(private_rt, lab.priv)
    net.create_route(private_rt, "64:ff9b::/96", nat)
    a = net.run_instance(lab.priv, instance_type="t3.micro", security_groups=[lab.sg], name="a", ipv6_address_count=1)
    return lab, nat, private_rt, a


@pytest.mark.parametrize(("protocol", "port"), [("tcp", 443), ("icmp", None)])
def test_i4_nat64_translates_to_ipv4_and_back(
    nat64: tuple[Lab, vpcsim.NatGateway, vpcsim.RouteTable, vpcsim.Instance], protocol: str, port: int | None
) -> None:
    """SPEC I4 / AWS NAT64: 64:ff9b::/96 to a public NAT gateway reaches the embedded IPv4 host and back."""
    lab, nat, _, a = nat64
    t = lab.net.trace(a, NAT64_HOST, protocol, port)
    assert t.packet.src.version == 6
    assert t.disposition is Disposition.EXITS_NETWORK, t
    assert t.delivered
    assert t.connected, t

    translate = one_hop(t, "nat-gateway", component=nat.id)
    assert translate.action == "translate"
    after = t.hops[t.hops.index(translate) :]
    for hop in after:
        assert hop.packet is not None
        assert hop.packet.src.version == 4, f"{hop}\n{t}"
        assert hop.packet.dst == ip("198.51.100.1"), f"{hop}\n{t}"
    assert translate.packet is not None
    assert nat.network_interface is not None
    assert translate.packet.src == nat.network_interface.private_ip
    assert translate.packet.protocol == (6 if protocol == "tcp" else 1)
    if protocol == "icmp":
        assert translate.packet.dst_port == 8  # ICMPv6 echo request became ICMP echo request

    assert t.reply is not None
    assert t.reply.delivered
    last = t.reply.hops[-1]
    assert last.action == "deliver"
    assert last.component == a.primary_network_interface.id
    assert last.packet is not None
    assert last.packet.src == ip(NAT64_HOST)
    assert last.packet.dst == a.primary_network_interface.ipv6_addresses[0]
    if protocol == "icmp":
        assert last.packet.protocol == 58
        assert last.packet.dst_port == 129  # ICMPv6 echo reply
    else:
        assert last.packet.protocol == 6
        assert last.packet.src_port == 443
    _same_family_everywhere(t)


def test_i4_nat_gateway_refuses_ipv6_outside_the_nat64_prefix(
    nat64: tuple[Lab, vpcsim.NatGateway, vpcsim.RouteTable, vpcsim.Instance],
) -> None:
    """SPEC I4: a NAT gateway translates IPv6 only towards 64:ff9b::/96 (NAT64); other IPv6 is refused."""
    lab, nat, private_rt, a = nat64
    # A route to a NAT gateway takes IPv6 CIDRs inside 64:ff9b::/96 only; a prefix list routes other IPv6 there.
    docs = lab.net.create_managed_prefix_list(
        "docs6", max_entries=1, address_family="IPv6", entries=["2001:db8::/32"]
    )
    lab.net.create_route(private_rt, docs, nat)
    t = lab.net.trace(a, internet("2001:db8::1"), "tcp", 443)
    assert_dropped(t, "DENIED_IN", "PROTOCOL_RESTRICTION", kind="nat-gateway", component=nat.id)


# ---------------------------------------------------------------------------- 5. exits must lead to the destination


@pytest.fixture
def vpn_lab(lab: Lab) -> tuple[Lab, vpcsim.VpnGateway, vpcsim.VpnConnection, vpcsim.Instance]:
    """Reviewer t18: a VGW on the VPC with a VPN to 198.18.0.0/15 and fd12::/48; ``web`` in ``pub``, whose only
    routes beyond local are 0.0.0.0/0 and ::/0 to the IGW."""
    net = lab.net
    vgw = net.create_vpn_gateway()
    net.attach_vpn_gateway(vgw, lab.vpc)
    cgw = net.create_customer_gateway("203.0.113.9")
    vpn = net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["198.18.0.0/15", "fd12::/48"])
    web = net.run_instance(lab.pub, instance_type="t3.micro", security_groups=[lab.sg], name="web",
                           ipv6_address_count=1)  # fmt: skip
    return lab, vgw, vpn, web


def test_i1_on_premises_address_sent_to_the_internet_is_not_delivered(
    vpn_lab: tuple[Lab, vpcsim.VpnGateway, vpcsim.VpnConnection, vpcsim.Instance],
) -> None:
    """SPEC I1, V: leaving through the IGW does not reach a host behind a VPN: EXITS_NETWORK but not delivered."""
    lab, _, vpn, web = vpn_lab
    t = lab.net.trace(web, "198.18.0.5", "tcp", 80)
    assert t.destination.kind == "on-premises"
    assert t.destination.vpn_connection is vpn
    assert t.disposition is Disposition.EXITS_NETWORK, t
    assert t.delivered is False
    assert t.connected is False
    assert t.reply is None
    assert not lab.net.reachable(web, "198.18.0.5", "tcp", 80)


def test_i1_on_premises_address_routed_to_the_vgw_is_delivered(
    vpn_lab: tuple[Lab, vpcsim.VpnGateway, vpcsim.VpnConnection, vpcsim.Instance],
) -> None:
    """SPEC R6: the same host with a route to the virtual private gateway leaves through its VPN and answers."""
    lab, vgw, vpn, web = vpn_lab
    lab.net.create_route(lab.public_rt, "198.18.0.0/15", vgw)
    t = lab.net.trace(web, "198.18.0.5", "tcp", 80)
    assert t.disposition is Disposition.EXITS_NETWORK, t
    assert t.hops[-1].component == vpn.id
    assert t.delivered
    assert t.connected, t


@pytest.mark.parametrize("address", ["fe80::1", "fd12::1", "fd99::1"])
def test_i1_non_global_ipv6_via_the_igw_is_not_delivered(
    vpn_lab: tuple[Lab, vpcsim.VpnGateway, vpcsim.VpnConnection, vpcsim.Instance], address: str
) -> None:
    """SPEC I1: link-local and unique-local IPv6 are not routed on the internet: NO_ROUTE past the IGW."""
    lab, _, _, web = vpn_lab
    t = lab.net.trace(web, address, "tcp", 80)
    assert_dropped(t, "NO_ROUTE", "NO_ROUTE_TO_DESTINATION", kind="internet", component="internet")
    assert not t.delivered


# ------------------------------------------------------------------------------------ 6. multi-ENI appliance instance


@pytest.fixture
def appliance(lab: Lab) -> tuple[Lab, vpcsim.Instance, vpcsim.NetworkInterface, vpcsim.RouteTable, vpcsim.Instance]:
    """Reviewer t12: ``fw`` with eth0 in ``pub`` (public IP) and eth1 in ``priv``, source/dest check off on both;
    ``priv`` routes 0.0.0.0/0 to eth1; ``c`` is a private host in ``priv``."""
    net = lab.net
    fw = net.run_instance(lab.pub, instance_type="m5.large", security_groups=[lab.sg], name="fw")
    eth1 = net.create_network_interface(lab.priv, security_groups=[lab.sg], name="fw-eth1")
    net.attach_network_interface(eth1, fw, device_index=1)
    net.modify_network_interface_attribute(eth1, source_dest_check=False)
    net.modify_network_interface_attribute(fw.primary_network_interface, source_dest_check=False)
    private_rt = net.create_route_table(lab.vpc, name="private-rt")
    net.associate_route_table(private_rt, lab.priv)
    net.create_route(private_rt, "0.0.0.0/0", eth1)
    c = net.run_instance(lab.priv, instance_type="t3.micro", security_groups=[lab.sg], name="c")
    return lab, fw, eth1, private_rt, c


def _forwarded_from(t: Trace) -> list[str]:
    return [h.component for h in t.hops if h.kind == "network-interface" and " forwards " in h.detail]


def test_e5_appliance_forwards_internet_traffic_out_of_its_primary_eni(
    appliance: tuple[Lab, vpcsim.Instance, vpcsim.NetworkInterface, vpcsim.RouteTable, vpcsim.Instance],
) -> None:
    """SPEC E5, I1: no NAT on the appliance: it forwards out of eth0 (default route), the IGW drops 10.0.2.x."""
    lab, fw, eth1, _, c = appliance
    t = lab.net.trace(c, internet("8.8.8.8"), "udp", 53)
    assert t.disposition is not Disposition.LOOP, t
    assert _forwarded_from(t) == [fw.primary_network_interface.id], t
    assert eth1.id in t.components
    assert t.disposition is Disposition.DENIED_IN, t
    assert t.explanation == "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"
    assert t.decided_by is not None
    assert t.decided_by.component == lab.igw.id
    assert not t.connected


def test_e5_masquerading_appliance_with_two_enis_connects(
    appliance: tuple[Lab, vpcsim.Instance, vpcsim.NetworkInterface, vpcsim.RouteTable, vpcsim.Instance],
) -> None:
    """SPEC E5, P3: as a NAT instance it masquerades to eth0's address; the reply goes back out of eth1 (c's)."""
    lab, fw, eth1, _, c = appliance
    lab.net.configure_nat_instance(fw, masquerade=True)
    t = lab.net.trace(c, internet("8.8.8.8"), "udp", 53)
    assert t.disposition is Disposition.EXITS_NETWORK, t
    assert t.connected, t
    assert _forwarded_from(t) == [fw.primary_network_interface.id]
    igw_hop = one_hop(t, "internet-gateway")
    assert igw_hop.packet is not None
    assert igw_hop.packet.src == fw.primary_network_interface.public_ip
    assert t.reply is not None
    assert _forwarded_from(t.reply) == [eth1.id], t


def test_r4_appliance_forwards_out_of_the_eni_on_the_destinations_subnet(
    appliance: tuple[Lab, vpcsim.Instance, vpcsim.NetworkInterface, vpcsim.RouteTable, vpcsim.Instance],
) -> None:
    """SPEC R4 middlebox route: priv sends pub's CIDR to eth1; the appliance forwards out of eth0, on pub."""
    lab, fw, eth1, private_rt, c = appliance
    d = lab.net.run_instance(lab.pub, instance_type="t3.micro", security_groups=[lab.sg], name="d")
    lab.net.create_route(private_rt, str(lab.pub.cidr_block), eth1)
    t = lab.net.trace(c, d, "tcp", 22)
    assert t.disposition is Disposition.ACCEPTED, t
    assert _forwarded_from(t) == [fw.primary_network_interface.id], t
    assert t.hops[-1].component == d.primary_network_interface.id
    assert t.connected, t


# ----------------------------------------------------------------------------------------------- 7. idle Elastic IP


def test_p2_unassociated_elastic_ip_is_not_delivered(lab4: Lab) -> None:
    """SPEC P2: an allocated Elastic IP that maps to nothing answers nothing: NO_ROUTE on the internet."""
    net = lab4.net
    web = net.run_instance(lab4.pub, instance_type="t3.micro", security_groups=[lab4.sg], name="web")
    idle = net.allocate_address(name="idle")
    t = net.trace(web, str(idle.public_ip), "tcp", 443)
    assert t.destination.kind == "address"
    assert "associated with nothing" in t.destination.label
    assert "associated with nothing" in str(t.destination)
    assert_dropped(t, "NO_ROUTE", "NO_ROUTE_TO_DESTINATION", kind="internet", component="internet")
    assert not t.delivered
    with pytest.raises(vpcsim.InvalidEndpointError, match="not associated"):
        net.trace(web, idle, "tcp", 443)


# -------------------------------------------------------------------------- 8. on-premises source, overlapping VPNs


def test_on_premises_source_enters_through_the_vpn_with_the_longest_route() -> None:
    """AWS VPN: the customer network sends from the site whose static route is the most specific for it."""
    net = vpcsim.Network(seed=3)
    va = net.create_vpc("10.0.0.0/16", name="A")
    a1 = net.create_subnet(va, "10.0.1.0/24", az="us-east-1a", name="a1")
    tgw = net.create_transit_gateway(name="tgw")
    net.create_transit_gateway_vpc_attachment(tgw, va, [a1])
    cgw = net.create_customer_gateway("203.0.113.9")
    wide = net.create_vpn_connection(cgw, transit_gateway=tgw, static_routes=["192.168.0.0/16"])
    narrow = net.create_vpn_connection(cgw, transit_gateway=tgw, static_routes=["192.168.3.0/24"])
    net.create_route(va.main_route_table, "192.168.0.0/16", tgw)
    x = net.run_instance(a1, instance_type="t3.micro", security_groups=[open_sg(net, va, "a")], name="x")

    t = net.trace("192.168.3.3", x, "tcp", 22)
    assert t.source.kind == "on-premises"
    assert t.source.vpn_connection is narrow
    assert t.hops[0].component == narrow.id
    assert t.hops[0].kind == "vpn-connection"
    assert t.disposition is Disposition.ACCEPTED, t
    assert t.connected, t
    assert t.reply is not None
    assert t.reply.hops[-1].component == narrow.id

    other = net.trace("192.168.4.4", x, "tcp", 22)
    assert other.hops[0].component == wide.id
    assert other.connected, other

    out = net.trace(x, "192.168.3.3", "tcp", 22)
    assert out.hops[-1].component == narrow.id
    assert out.connected, out


# ----------------------------------------------------------------------------------------- 9. both ends outside


@pytest.mark.parametrize("dst", [INTERNET, internet("198.51.100.9")])
def test_internet_to_internet_is_an_invalid_endpoint(lab: Lab, dst: object) -> None:
    """SPEC V: a flow needs one end in a VPC."""
    with pytest.raises(vpcsim.InvalidEndpointError):
        lab.net.trace(INTERNET, dst, "tcp", 80)


# --------------------------------------------------------------------------------------- 10. asymmetric replies


def test_i2_reply_from_another_address_does_not_connect(lab4: Lab) -> None:
    """SPEC I2: a public instance whose subnet routes 0.0.0.0/0 to a NAT gateway answers from the NAT's EIP."""
    net = lab4.net
    eip = net.allocate_address(name="nat-eip")
    nat = net.create_nat_gateway(lab4.pub, allocation=eip, name="nat")
    mixed = net.create_subnet(lab4.vpc, "10.0.3.0/24", az="us-east-1a", name="mixed")
    rt = net.create_route_table(lab4.vpc, name="nat-rt")
    net.create_route(rt, "0.0.0.0/0", nat)
    net.associate_route_table(rt, mixed)
    host = net.run_instance(mixed, instance_type="t3.micro", security_groups=[lab4.sg], name="host",
                            associate_public_ip=True)  # fmt: skip
    public = host.primary_network_interface.public_ip
    assert public is not None

    t = net.trace(INTERNET, host, "tcp", 80)
    assert t.packet.dst == public
    assert t.disposition is Disposition.ACCEPTED, t
    assert t.delivered
    assert t.reply is not None
    assert t.reply.explanation == "REPLY_SOURCE_MISMATCH", t
    assert t.reply.decided_by is not None
    assert t.reply.decided_by.kind == "client"
    assert t.reply.hops[-1].packet is not None
    assert t.reply.hops[-1].packet.src == eip.public_ip
    assert not t.reply.delivered
    assert not t.connected
    assert not net.reachable(INTERNET, host, "tcp", 80)


def test_on_premises_source_behind_a_detached_vpn_gateway_goes_nowhere() -> None:
    """SPEC V: a VPN whose virtual private gateway is attached to no VPC carries nothing in (BAD_STATE_ATTACHMENT)."""
    net = vpcsim.Network(seed=11)
    vpc = net.create_vpc("10.0.0.0/16")
    host = net.run_instance(net.create_subnet(vpc, "10.0.1.0/24"), name="host")
    vgw = net.create_vpn_gateway()
    cgw = net.create_customer_gateway("198.51.100.20")
    vpn = net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])

    t = net.trace("192.168.1.1", host, "tcp", 22)

    assert t.source.kind == "on-premises"
    assert_dropped(t, "NO_ROUTE", "BAD_STATE_ATTACHMENT", kind="vpn-gateway", component=vgw.id)
    assert t.hops[0].component == vpn.id
    assert "BAD_STATE_ATTACHMENT" in vpcsim.EXPLANATIONS
