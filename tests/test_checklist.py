"""AWS's connectivity troubleshooting checklist as code (vpcsim.query.checklist, ``Network.checklist``).

The "lab" network works end to end: a public ``web`` (EIP, HTTPS from anywhere), ``app`` and ``db`` in private
subnets reaching the internet through a NAT gateway, and ``tools`` in a peered VPC. Each test breaks one thing and
checks that exactly the checklist items it breaks fail, naming the component and rule; a hypothesis property checks
that the checklist never disagrees with ``trace()`` on random networks and flows.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vpcsim
from vpcsim import INTERNET, InvalidEndpointError, InvalidFlowError
from vpcsim.examples import broken_network, demo_network
from vpcsim.query.checklist import CHECKS, Checklist, checklist
from vpcsim.testing.strategies import IPV6_INTERNET_HOST, flows, networks

DB = ("app", "db", "tcp", 5432)


@attrs.frozen
class Lab:
    net: vpcsim.Network
    lab: vpcsim.Vpc
    public: vpcsim.Subnet
    app_subnet: vpcsim.Subnet
    data: vpcsim.Subnet
    public_rt: vpcsim.RouteTable
    private_rt: vpcsim.RouteTable
    peer_rt: vpcsim.RouteTable
    igw: vpcsim.InternetGateway
    nat: vpcsim.NatGateway
    pcx: vpcsim.VpcPeeringConnection
    web_sg: vpcsim.SecurityGroup
    app_sg: vpcsim.SecurityGroup
    db_sg: vpcsim.SecurityGroup
    web: vpcsim.Instance
    app: vpcsim.Instance
    db: vpcsim.Instance
    tools: vpcsim.Instance


def build_lab() -> Lab:
    net = vpcsim.Network(seed=3)
    lab = net.create_vpc("10.0.0.0/16", name="lab")
    igw = net.create_internet_gateway(name="lab-igw")
    net.attach_internet_gateway(igw, lab)
    public = net.create_subnet(lab, "10.0.0.0/24", az="us-east-1a", name="public")
    app_subnet = net.create_subnet(lab, "10.0.1.0/24", az="us-east-1a", name="app")
    data = net.create_subnet(lab, "10.0.2.0/24", az="us-east-1a", name="data")
    public_rt = net.create_route_table(lab, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.associate_route_table(public_rt, public)
    nat = net.create_nat_gateway(public, allocation=net.allocate_address(), name="nat")
    private_rt = net.create_route_table(lab, name="private-rt")
    net.create_route(private_rt, "0.0.0.0/0", nat)
    for subnet in (app_subnet, data):
        net.associate_route_table(private_rt, subnet)
    web_sg = net.create_security_group(lab, "web", description="HTTPS from anywhere")
    net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    app_sg = net.create_security_group(lab, "app", description="8080 from web")
    net.authorize_security_group_ingress(app_sg, protocol="tcp", ports=8080, source_group=web_sg)
    db_sg = net.create_security_group(lab, "db", description="5432 from app")
    net.authorize_security_group_ingress(db_sg, protocol="tcp", ports=5432, source_group=app_sg)
    web = net.run_instance(public, security_groups=[web_sg], name="web")
    net.associate_address(net.allocate_address(), instance=web)
    app = net.run_instance(app_subnet, security_groups=[app_sg], name="app")
    db = net.run_instance(data, security_groups=[db_sg], name="db")
    peer = net.create_vpc("10.1.0.0/16", name="peer")
    tools_sg = net.create_security_group(peer, "tools", description="9100 from lab")
    net.authorize_security_group_ingress(tools_sg, protocol="tcp", ports=9100, cidr="10.0.0.0/16")
    tools = net.run_instance(net.create_subnet(peer, "10.1.0.0/24", az="us-east-1a"), security_groups=[tools_sg],
                             name="tools")  # fmt: skip
    pcx = net.create_vpc_peering_connection(lab, peer, name="lab-peer")
    net.create_route(private_rt, "10.1.0.0/16", pcx)
    net.create_route(peer.main_route_table, "10.0.0.0/16", pcx)
    return Lab(net, lab, public, app_subnet, data, public_rt, private_rt, peer.main_route_table, igw, nat, pcx,
               web_sg, app_sg, db_sg, web, app, db, tools)  # fmt: skip


@pytest.fixture
def lab() -> Lab:
    return build_lab()


def named(net: vpcsim.Network, name: str) -> vpcsim.Instance:
    return next(i for i in net.instances if i.name == name)


def statuses(found: Checklist) -> dict[str, str]:
    return {item.name: item.status for item in found}


def failing(found: Checklist) -> list[str]:
    return [item.name for item in found.failed]


def custom_acl(lab: Lab, subnet: vpcsim.Subnet, *entries: tuple[int, bool, str, str, tuple[int, int] | None]) -> str:
    """Give ``subnet`` a new network ACL with ``(rule, egress, action, cidr, ports)`` entries (TCP when ports are
    given, else all traffic), plus allow-all at rule 200 both ways; return its id."""
    net = lab.net
    acl = net.create_network_acl(subnet.vpc)
    for rule_number, egress, action, cidr, ports in entries:
        net.create_network_acl_entry(acl, rule_number=rule_number, egress=egress, action=action, cidr=cidr,
                                     protocol="tcp" if ports else "-1", ports=ports)  # fmt: skip
    for egress in (False, True):
        net.create_network_acl_entry(acl, rule_number=200, egress=egress, protocol="-1", action="allow",
                                     cidr="0.0.0.0/0")  # fmt: skip
    net.replace_network_acl_association(acl, subnet)
    return acl.id


# ---------------------------------------------------------------- working paths


def test_every_check_passes_or_does_not_apply_on_a_working_path(lab: Lab) -> None:
    found = lab.net.checklist(*DB)
    assert found.connected
    assert found.failed == []
    assert statuses(found) == {
        "instance-state": "pass",
        "security-group-egress": "pass",
        "nacl-egress": "pass",
        "route": "pass",
        "placement": "pass",
        "public-ip": "n/a",
        "internet-gateway": "n/a",
        "nat-gateway": "n/a",
        "nacl-ingress": "pass",
        "source-dest-check": "pass",
        "security-group-ingress": "pass",
        "security-group-reply": "pass",
        "nacl-reply-egress": "pass",
        "return-route": "pass",
        "nacl-reply-ingress": "pass",
        "other": "n/a",
    }
    assert (found["security-group-ingress"].component, found["security-group-ingress"].rule) == (
        lab.db_sg.id,
        lab.db_sg.ingress[0].id,
    )
    assert (found["route"].component, found["route"].rule) == (lab.private_rt.id, "10.0.0.0/16")
    assert (found["placement"].component, found["placement"].spec) == (lab.lab.id, "I5")
    reply_out = found["nacl-reply-egress"]
    assert (reply_out.component, reply_out.rule) == (lab.lab.default_network_acl.id, 100)
    assert found["public-ip"].detail == "neither end is on the internet"


def test_g4_the_reply_passes_on_the_tracked_connection_without_any_rule_for_it(lab: Lab) -> None:
    lab.net.revoke_security_group_egress(lab.db_sg, protocol="-1", cidr="0.0.0.0/0")
    found = lab.net.checklist(*DB)
    assert found.connected
    reply = found["security-group-reply"]
    assert (reply.status, reply.component, reply.rule, reply.spec) == ("pass", lab.db_sg.id, "tracked", "G4")


def test_internet_in_needs_the_public_ip_and_the_igw_route(lab: Lab) -> None:
    found = lab.net.checklist(INTERNET, "web", "tcp", 443)
    assert found.connected
    public_ip, igw = found["public-ip"], found["internet-gateway"]
    assert (public_ip.status, public_ip.component) == ("pass", lab.igw.id)
    assert str(lab.web.public_ip) in public_ip.detail
    assert (igw.status, igw.component, igw.rule) == ("pass", lab.public_rt.id, "0.0.0.0/0")
    assert found["security-group-egress"].status == "n/a"
    assert found["security-group-egress"].detail.startswith("the source (internet")


def test_internet_out_from_a_public_subnet(lab: Lab) -> None:
    found = lab.net.checklist("web", INTERNET, "tcp", 443)
    assert found.connected
    assert found["public-ip"].status == "pass"
    assert f"-> {lab.web.public_ip}" in found["public-ip"].detail  # P3: the IGW maps the private source
    assert (found["internet-gateway"].component, found["internet-gateway"].rule) == (lab.public_rt.id, "0.0.0.0/0")
    assert found["nat-gateway"].status == "n/a"


def test_private_subnet_to_the_internet_through_the_nat_gateway(lab: Lab) -> None:
    found = lab.net.checklist("app", INTERNET, "tcp", 443)
    assert found.connected
    assert (found["nat-gateway"].status, found["nat-gateway"].component) == ("pass", lab.nat.id)
    assert (found["route"].component, found["route"].rule) == (lab.private_rt.id, "0.0.0.0/0")
    for name in ("public-ip", "internet-gateway"):
        assert found[name].status == "n/a"
        assert "NAT gateway" in found[name].detail


def test_peering_is_the_placement(lab: Lab) -> None:
    found = lab.net.checklist("app", "tools", "tcp", 9100)
    assert found.connected
    assert (found["placement"].status, found["placement"].component) == ("pass", lab.pcx.id)
    assert (found["return-route"].component, found["return-route"].rule) == (lab.peer_rt.id, "10.0.0.0/16")


def test_r5_same_subnet_needs_no_route_or_network_acl(lab: Lab) -> None:
    other = lab.net.run_instance(lab.data, security_groups=[lab.db_sg], name="replica")
    lab.net.authorize_security_group_ingress(lab.db_sg, protocol="tcp", ports=5432, source_group=lab.db_sg)
    found = lab.net.checklist("db", other, "tcp", 5432)
    assert found.connected
    for name in ("nacl-egress", "route", "nacl-ingress", "nacl-reply-egress", "return-route", "nacl-reply-ingress"):
        assert found[name].status == "n/a"
        assert "same subnet" in found[name].detail
    assert (found["placement"].status, found["placement"].component) == ("pass", lab.data.id)


def test_ipv6_internet_flows_need_no_public_ipv4() -> None:
    found = demo_network().checklist("web", IPV6_INTERNET_HOST, "tcp", 443)
    assert found.connected
    assert found["public-ip"].status == "n/a"
    assert "IPv6" in found["public-ip"].detail
    assert (found["internet-gateway"].status, found["internet-gateway"].rule) == ("pass", "::/0")


def test_an_icmp_message_without_reply_has_no_reply_checks(lab: Lab) -> None:
    lab.net.authorize_security_group_ingress(lab.db_sg, protocol="icmp", ports=(3, -1), source_group=lab.app_sg)
    found = lab.net.checklist("app", "db", "icmp", 3)
    assert found.connected
    for name in ("security-group-reply", "nacl-reply-egress", "return-route", "nacl-reply-ingress"):
        assert (found[name].status, found[name].detail) == ("n/a", "icmp type 3 has no reply")


# ---------------------------------------------------------------- one cause each


@pytest.mark.parametrize(
    "flow",
    [
        DB,
        ("app", "tools", "tcp", 9100),
        (INTERNET, "web", "tcp", 443),
        ("web", INTERNET, "tcp", 443),
        ("app", INTERNET, "tcp", 443),
        ("app", "169.254.169.254", "tcp", 80),
    ],
)
def test_the_lab_works_before_each_change(lab: Lab, flow: tuple[object, object, str, int]) -> None:
    found = lab.net.checklist(*flow)
    assert (found.connected, found.failed) == (True, [])


def stop_db(lab: Lab) -> tuple[str, int | str | None]:
    lab.net.stop_instance(lab.db)
    return lab.db.primary_network_interface.id, None


def https_only_out(lab: Lab) -> tuple[str, int | str | None]:
    lab.net.revoke_security_group_egress(lab.app_sg, protocol="-1", cidr="0.0.0.0/0")
    lab.net.authorize_security_group_egress(lab.app_sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    return lab.app_sg.id, None


def deny_5432_out_of_app(lab: Lab) -> tuple[str, int | str | None]:
    return custom_acl(lab, lab.app_subnet, (90, True, "deny", "10.0.2.0/24", (5432, 5432))), 90


def deny_5432_into_data(lab: Lab) -> tuple[str, int | str | None]:
    return custom_acl(lab, lab.data, (50, False, "deny", "10.0.1.0/24", (5432, 5432))), 50


def close_db(lab: Lab) -> tuple[str, int | str | None]:
    lab.net.revoke_security_group_ingress(lab.db_sg, protocol="tcp", ports=5432, source_group=lab.app_sg)
    return lab.db_sg.id, None


def narrow_ephemeral_out_of_data(lab: Lab) -> tuple[str, int | str | None]:
    # SPEC N4: Linux clients use 32768-60999; opening 1024-32767 only is a classic mistake.
    net, acl = lab.net, lab.net.create_network_acl(lab.lab)
    net.create_network_acl_entry(acl, rule_number=100, egress=False, protocol="-1", action="allow", cidr="0.0.0.0/0")
    net.create_network_acl_entry(acl, rule_number=100, egress=True, protocol="tcp", action="allow", cidr="0.0.0.0/0",
                                 ports=(1024, 32767))  # fmt: skip
    net.replace_network_acl_association(acl, lab.data)
    return acl.id, 32767


def deny_ephemeral_into_app(lab: Lab) -> tuple[str, int | str | None]:
    return custom_acl(lab, lab.app_subnet, (10, False, "deny", "10.0.2.0/24", (32768, 60999))), 10


def no_public_ip(lab: Lab) -> tuple[str, int | str | None]:
    [eip] = [e for e in lab.net.elastic_ips if e.network_interface is lab.web.primary_network_interface]
    lab.net.disassociate_address(eip)
    return lab.igw.id, None


def nat_in_a_private_subnet(lab: Lab) -> tuple[str, int | str | None]:
    spare = lab.net.create_subnet(lab.lab, "10.0.9.0/24", az="us-east-1a", name="spare")  # on the main table
    nat = lab.net.create_nat_gateway(spare, allocation=lab.net.allocate_address(), name="misplaced")
    lab.net.replace_route(lab.private_rt, "0.0.0.0/0", nat)
    return lab.lab.main_route_table.id, None


def deny_replies_into_the_nat_subnet(lab: Lab) -> tuple[str, int | str | None]:
    # SPEC I4, N4: the NAT gateway's subnet must let the internet's replies in to its ports 1024-65535.
    return custom_acl(lab, lab.public, (10, False, "deny", "0.0.0.0/0", (1024, 65535))), 10


def appliance_with_source_dest_check(lab: Lab) -> tuple[str, int | str | None]:
    # SPEC R4, E5: the data subnet's traffic goes through an inspection instance that still checks source/dest.
    firewall_sg = lab.net.create_security_group(lab.lab, "firewall", description="inspects everything")
    lab.net.authorize_security_group_ingress(firewall_sg, protocol="-1", cidr="10.0.0.0/16")
    firewall = lab.net.run_instance(lab.public, security_groups=[firewall_sg], name="firewall")
    app_rt = lab.net.create_route_table(lab.lab, name="app-rt")
    lab.net.create_route(app_rt, "10.0.2.0/24", firewall.primary_network_interface)
    lab.net.replace_route_table_association(lab.app_subnet, app_rt)
    return firewall.primary_network_interface.id, None


def no_route_back_from_peer(lab: Lab) -> tuple[str, int | str | None]:
    lab.net.delete_route(lab.peer_rt, "10.0.0.0/16")
    return lab.peer_rt.id, None


def no_route_to_peer(lab: Lab) -> tuple[str, int | str | None]:
    app_rt = lab.net.create_route_table(lab.lab, name="app-rt")  # local only
    lab.net.replace_route_table_association(lab.app_subnet, app_rt)
    return app_rt.id, None


def transitive_peering(lab: Lab) -> tuple[str, int | str | None]:
    # SPEC I5: peering is not transitive; lab routes the far VPC through its peering with peer.
    far = lab.net.create_vpc("10.2.0.0/16", name="far")
    lab.net.run_instance(lab.net.create_subnet(far, "10.2.0.0/24", az="us-east-1a"), name="far-host")
    peer = lab.pcx.peer_of(lab.lab)
    onward = lab.net.create_vpc_peering_connection(peer, far)
    lab.net.create_route(lab.peer_rt, "10.2.0.0/16", onward)
    lab.net.create_route(far.main_route_table, "10.0.0.0/8", onward)
    lab.net.create_route(lab.private_rt, "10.2.0.0/16", lab.pcx)
    return lab.pcx.id, None


def no_default_route(lab: Lab) -> tuple[str, int | str | None]:
    lab.net.delete_route(lab.public_rt, "0.0.0.0/0")
    return lab.public_rt.id, None


def disable_imds(lab: Lab) -> tuple[str, int | str | None]:
    lab.net.modify_instance_metadata_options(lab.app, http_endpoint="disabled")
    return f"{lab.app.id}:instance-metadata", None


@pytest.mark.parametrize(
    ("break_it", "flow", "broken", "explanation"),
    [
        (stop_db, DB, ["instance-state"], "BAD_STATE"),
        (https_only_out, DB, ["security-group-egress"], "ENI_SG_RULES_MISMATCH"),
        (deny_5432_out_of_app, DB, ["nacl-egress"], "SUBNET_ACL_RESTRICTION"),
        (no_route_to_peer, ("app", "tools", "tcp", 9100), ["route"], "NO_ROUTE_TO_DESTINATION"),
        (transitive_peering, ("app", "far-host", "tcp", 22), ["placement"], "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR"),
        (no_public_ip, (INTERNET, "web", "tcp", 443), ["public-ip"], "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS"),
        (no_public_ip, ("web", INTERNET, "tcp", 443), ["public-ip"], "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS"),
        (no_default_route, ("web", INTERNET, "tcp", 443), ["route", "internet-gateway"], "NO_ROUTE_TO_DESTINATION"),
        (nat_in_a_private_subnet, ("app", INTERNET, "tcp", 443), ["nat-gateway"], "NO_ROUTE_TO_DESTINATION"),
        (deny_replies_into_the_nat_subnet, ("app", INTERNET, "tcp", 443), ["nat-gateway"], "SUBNET_ACL_RESTRICTION"),
        (deny_5432_into_data, DB, ["nacl-ingress"], "SUBNET_ACL_RESTRICTION"),
        (appliance_with_source_dest_check, DB, ["source-dest-check"], "ENI_SOURCE_DEST_CHECK_RESTRICTION"),
        (close_db, DB, ["security-group-ingress"], "ENI_SG_RULES_MISMATCH"),
        (narrow_ephemeral_out_of_data, DB, ["nacl-reply-egress"], "SUBNET_ACL_RESTRICTION"),
        (no_route_back_from_peer, ("app", "tools", "tcp", 9100), ["return-route"], "NO_ROUTE_TO_DESTINATION"),
        (deny_ephemeral_into_app, DB, ["nacl-reply-ingress"], "SUBNET_ACL_RESTRICTION"),
        (disable_imds, ("app", "169.254.169.254", "tcp", 80), ["other"], "IMDS_DISABLED"),
    ],
    ids=lambda v: v.__name__ if callable(v) else None,
)
def test_one_cause_fails_its_item_naming_component_and_rule(
    lab: Lab,
    break_it: Callable[[Lab], tuple[str, int | str | None]],
    flow: tuple[object, object, str, int],
    broken: list[str],
    explanation: str,
) -> None:
    component, rule = break_it(lab)
    found = lab.net.checklist(*flow)
    t = lab.net.trace(*flow)
    assert not found.connected
    assert failing(found) == broken
    item = found[broken[-1]]
    assert (item.component, item.rule, item.explanation) == (component, rule, explanation)
    assert (item.title, item.spec) == CHECKS[item.name]
    decided = t.decided_by or (t.reply.decided_by if t.reply is not None else None)
    assert decided is not None
    assert decided.component in {i.component for i in found.failed}


def test_a_private_destination_sent_to_the_internet_fails_the_route(lab: Lab) -> None:
    lab.net.delete_route(lab.private_rt, "10.1.0.0/16")  # 0.0.0.0/0 takes the peer's addresses to the NAT gateway
    found = lab.net.checklist("app", "tools", "tcp", 9100)
    assert failing(found) == ["route"]
    route = found["route"]
    assert (route.component, route.rule, route.explanation) == ("internet", "0.0.0.0/0", "NO_ROUTE_TO_DESTINATION")
    assert (
        route.detail == f"10.1.0.4 is not routed on the internet: {lab.private_rt.id} sends it by 0.0.0.0/0 to "
        f"{lab.nat.id}"
    )
    assert (found["nat-gateway"].status, found["placement"].status) == ("pass", "pass")


def test_the_internet_gateway_item_names_the_missing_route_and_the_route_item_the_drop(lab: Lab) -> None:
    no_default_route(lab)
    found = lab.net.checklist("web", INTERNET, "tcp", 443)
    igw = found["internet-gateway"]
    assert igw.detail == f"no route to {found.trace.packet.dst}: add 0.0.0.0/0 -> {lab.igw.id}"
    assert (found["route"].component, found["route"].rule) == (lab.public_rt.id, None)


def test_a_public_instance_in_a_private_subnet_answers_through_the_nat_gateway(lab: Lab) -> None:
    # I2: its replies leave from the NAT gateway's address; the client drops them.
    shop = lab.net.run_instance(lab.app_subnet, security_groups=[lab.web_sg], name="shop")
    lab.net.associate_address(lab.net.allocate_address(), instance=shop)
    found = lab.net.checklist(INTERNET, "shop", "tcp", 443)
    assert not found.connected
    assert failing(found) == ["internet-gateway", "return-route"]
    route = found["return-route"]
    assert (route.component, route.explanation) == ("internet", "REPLY_SOURCE_MISMATCH")
    assert route.detail.startswith(f"the reply comes from {lab.nat.public_ip}:")
    igw = found["internet-gateway"]
    assert (igw.component, igw.rule) == (lab.private_rt.id, "0.0.0.0/0")
    assert (
        igw.detail == f"replies to the internet go to {lab.nat.id}, not {lab.igw.id}: the instance is in a "
        "private subnet (I2)"
    )


def test_checks_after_the_first_drop_are_answered_and_unreachable_ones_say_so(lab: Lab) -> None:
    https_only_out(lab)
    close_db(lab)
    found = lab.net.checklist(*DB)
    assert failing(found) == ["security-group-egress", "security-group-ingress"]
    assert found["nacl-ingress"].status == "pass"  # the waived walk went on past the first drop
    no_public_ip(lab)
    into_web = lab.net.checklist(INTERNET, "web", "tcp", 443)
    assert (into_web["security-group-ingress"].status, into_web["security-group-ingress"].detail) == (
        "n/a",
        f"not reached: the flow stops at {lab.igw.id} (IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS)",
    )


def test_a_stopped_destination_behind_a_missing_route_is_found_from_the_configuration(lab: Lab) -> None:
    no_route_to_peer(lab)
    lab.net.stop_instance(lab.tools)
    found = lab.net.checklist("app", "tools", "tcp", 9100)
    assert failing(found) == ["instance-state", "route"]
    state = found["instance-state"]
    assert (state.component, state.detail) == (lab.tools.primary_network_interface.id, f"{lab.tools.id} is stopped")
    assert (found["placement"].status, found["placement"].component) == ("pass", lab.pcx.id)  # still peered


def test_unjoined_vpcs_fail_placement_from_the_configuration() -> None:
    net = vpcsim.Network(seed=5)
    here, there = net.create_vpc("10.0.0.0/16"), net.create_vpc("10.9.0.0/16")
    net.run_instance(net.create_subnet(here, "10.0.0.0/24"), name="a")
    net.run_instance(net.create_subnet(there, "10.9.0.0/24"), name="b")
    found = net.checklist("a", "b", "tcp", 22)
    assert failing(found) == ["route", "placement"]
    assert found["placement"].component == here.id
    assert "not peered and share no transit gateway" in found["placement"].detail


def test_a_flow_that_leaves_by_a_vpn_instead_of_arriving_fails_other() -> None:
    # Nothing drops it: the route sends the other VPC's CIDR to on premises, where it is lost.
    net = vpcsim.Network(seed=5)
    here, there = net.create_vpc("10.0.0.0/16"), net.create_vpc("10.9.0.0/16")
    net.run_instance(net.create_subnet(here, "10.0.0.0/24"), name="a")
    net.run_instance(net.create_subnet(there, "10.9.0.0/24"), name="b")
    vgw = net.create_vpn_gateway()
    net.attach_vpn_gateway(vgw, here)
    vpn = net.create_vpn_connection(net.create_customer_gateway("198.51.100.9"), vpn_gateway=vgw,
                                    static_routes=["10.9.0.0/16"])  # fmt: skip
    net.create_route(here.main_route_table, "10.9.0.0/16", vgw)
    t = net.trace("a", "b", "tcp", 22)
    assert (t.connected, t.decided_by) == (False, None)
    found = net.checklist("a", "b", "tcp", 22)
    assert "other" in failing(found)
    assert found["other"].component == vpn.id
    assert "not at i-" in found["other"].detail


# ---------------------------------------------------------------- the answer object


def test_print_marks_each_item_and_the_headline_says_what_fails(lab: Lab) -> None:
    close_db(lab)
    text = str(lab.net.checklist(*DB))
    lines = text.splitlines()
    assert lines[0].endswith(": not connected, 1 failing: security-group-ingress")
    assert len(lines) == 1 + len(CHECKS)
    [bad] = [line for line in lines if line.lstrip().startswith("FAIL")]
    assert lab.db_sg.id in bad
    assert "[ENI_SG_RULES_MISMATCH] (SPEC G1)" in bad
    assert sum(line.lstrip().startswith("pass") for line in lines) == 11


def test_frame_and_html(lab: Lab) -> None:
    close_db(lab)
    found = lab.net.checklist(*DB)
    frame = found.frame()
    assert list(frame.columns) == ["name", "title", "status", "component", "rule", "detail", "explanation", "spec"]
    assert list(frame["name"]) == list(CHECKS)
    assert frame.set_index("name").loc["security-group-ingress", "status"] == "fail"
    page = found._repr_html_()
    assert page.count("<tr") == 1 + len(CHECKS)
    assert '<tr style="background:#fdd"><td>fail</td>' in page
    assert repr(found).endswith("failing ['security-group-ingress']>")


def test_items_by_name(lab: Lab) -> None:
    found = lab.net.checklist(*DB)
    assert [item.name for item in found] == list(CHECKS)
    assert len(found) == len(CHECKS)
    with pytest.raises(KeyError, match="No checklist item 'routes': the items are instance-state, "):
        found["routes"]


def test_the_network_method_and_the_function_agree(lab: Lab) -> None:
    assert lab.net.checklist(*DB).items == checklist(lab.net, "app", "db", protocol="tcp", port=5432).items


def test_bad_endpoints_and_flows_raise_what_trace_raises(lab: Lab) -> None:
    with pytest.raises(InvalidEndpointError, match="i-0000"):
        lab.net.checklist("app", "i-0000", "tcp", 22)
    with pytest.raises(InvalidFlowError, match="port is required"):
        lab.net.checklist("app", "db", "tcp")


# ---------------------------------------------------------------- the broken example


def test_broken_network_fails_for_every_cause_its_docstring_lists() -> None:
    net = broken_network()
    web = net.checklist(INTERNET, "web", "tcp", 443)
    assert failing(web) == ["public-ip", "internet-gateway"]
    with net.what_if() as alt:
        alt.associate_address(alt.allocate_address(), instance=named(alt, "web"))
        assert failing(alt.checklist(INTERNET, "web", "tcp", 443)) == [
            "internet-gateway",
            "security-group-ingress",
            "nacl-reply-egress",
            "return-route",
        ]
    assert failing(net.checklist("app", "db", "tcp", 5432)) == [
        "security-group-egress",
        "security-group-ingress",
        "return-route",
    ]
    updates = net.checklist("app", INTERNET, "tcp", 443)
    assert failing(updates) == ["nat-gateway"]
    assert "in the NAT gateway's subnet: no route to" in updates["nat-gateway"].detail


def test_broken_network_connects_once_every_cause_is_fixed() -> None:
    net = broken_network()
    [igw] = net.internet_gateways
    shop, data = (next(v for v in net.vpcs if v.name == name) for name in ("shop", "data"))
    subnets = {s.name: s for s in net.subnets}
    groups = {g.group_name: g for g in net.security_groups}
    [pcx] = net.vpc_peering_connections
    net.associate_address(net.allocate_address(), instance=named(net, "web"))  # 1
    net.authorize_security_group_ingress(groups["web"], protocol="tcp", ports=443, cidr="0.0.0.0/0")  # 2
    public_acl = subnets["public-a"].network_acl  # 3: the replies' ephemeral ports
    net.create_network_acl_entry(public_acl, rule_number=120, egress=True, protocol="tcp", action="allow",
                                 cidr="0.0.0.0/0", ports=(1024, 65535))  # fmt: skip
    net.create_route(subnets["public-a"].route_table, "0.0.0.0/0", igw)  # 4
    assert net.checklist(INTERNET, "web", "tcp", 443).connected
    net.authorize_security_group_egress(groups["app"], protocol="tcp", ports=5432, cidr="10.30.0.0/16")  # 5
    net.authorize_security_group_ingress(groups["db"], protocol="tcp", ports=5432, cidr="10.20.10.0/24")  # 6
    net.create_route(data.main_route_table, "10.20.0.0/16", pcx)  # 7
    assert net.checklist("app", "db", "tcp", 5432).connected
    net.create_route(shop.main_route_table, "0.0.0.0/0", igw)  # 8: the NAT's subnet is public now
    assert net.checklist("app", INTERNET, "tcp", 443).connected


# ---------------------------------------------------------------- never disagrees with trace()


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_the_checklist_agrees_with_trace(data: st.DataObject) -> None:
    net = data.draw(networks(load_balancers=data.draw(st.booleans())))
    src, dst, protocol, port = data.draw(flows(net))
    t = net.trace(src, dst, protocol, port)
    found = net.checklist(src, dst, protocol, port)
    assert found.connected == t.connected
    assert [item.name for item in found] == list(CHECKS)
    if t.connected:
        assert found.failed == []
        return
    assert found.failed, f"{t}\n{found}"
    decided = t.decided_by or (t.reply.decided_by if t.reply is not None else None)
    if decided is not None:
        assert decided.component in {item.component for item in found.failed}, f"{t}\n{found}"
