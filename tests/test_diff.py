"""``vpcsim.diff(before, after)``: every flow whose verdict changed between two networks, exactly.

Examples as a user meets them in a what-if session (``with net.what_if() as alt:``, DESIGN): an SG rule revoked, a
NACL entry deleted or added, a route replaced or blackholed, an instance detached or terminated, an ephemeral range
narrowed, nothing changed; two networks built separately from one seed ("loaded snapshots"). Then exactness (the
issue's "Done when"): on random networks with a random edit, the diff agrees with evaluating both networks flow by
flow, and on a small network with every one of the 65,536 ports of one pair. Then the errors.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any, NamedTuple

import attrs
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from seeds import Seeds, build_seeds

import vpcsim
from vpcsim import INTERNET, AwsError, FlowBatch, InvalidEndpointError, InvalidFlowError, Network, internet
from vpcsim.examples import demo_network
from vpcsim.testing.strategies import networks

HOST = "198.51.100.7"
VERDICT = ("connected", "disposition", "explanation", "component", "rule", "reply_disposition", "reply_explanation")
# What each ``compare`` mode counts as a change: positions in VERDICT.
COMPARED = {"connected": (0,), "disposition": (0, 1, 5), "explanation": tuple(range(len(VERDICT)))}
SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # examples: the profile (ci: 100)


# ------------------------------------------------------------------------------------------------------- networks


@pytest.fixture
def seeds() -> Seeds:
    return build_seeds()


@attrs.frozen
class Shop:
    """A public subnet with a NAT gateway, and an app subnet whose table sends 0.0.0.0/0 to the internet gateway;
    ``app`` (public IP, HTTPS from anywhere) lives there."""

    net: Network
    app_rt: vpcsim.RouteTable
    nat: vpcsim.NatGateway
    app: vpcsim.Instance


@pytest.fixture
def shop() -> Shop:
    net = Network(seed=5)
    vpc = net.create_vpc("10.0.0.0/16", name="shop")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    public = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a", name="public")
    app_subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="app")
    for subnet, name in ((public, "public-rt"), (app_subnet, "app-rt")):
        table = net.create_route_table(vpc, name=name)
        net.create_route(table, "0.0.0.0/0", igw)
        net.associate_route_table(table, subnet)
    nat = net.create_nat_gateway(public, allocation=net.allocate_address(name="nat-eip"), name="nat")
    sg = net.create_security_group(vpc, "https", description="HTTPS from anywhere")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    app = net.run_instance(
        app_subnet, security_groups=[sg], name="app", private_ip="10.0.1.10", associate_public_ip=True
    )
    return Shop(net, next(t for t in net.route_tables if t.name == "app-rt"), nat, app)


def by_name(resources: list[Any], name: str) -> Any:
    """The one resource of a list with that Name tag (or, for security groups, that group name)."""
    found = [r for r in resources if name in (r.name, getattr(r, "group_name", None))]
    assert len(found) == 1, f"{name!r}: {found}"
    return found[0]


def verdict(row: dict[str, Any], side: str) -> tuple[Any, ...]:
    """A row's verdict in one network (``side`` is ``"before"`` or ``"after"``), in VERDICT order."""
    return tuple(row[f"{side}_{field}"] for field in VERDICT)


def ports(changes: vpcsim.Diff) -> list[tuple[Any, ...]]:
    return [(r["protocol"], r["port_from"], r["port_to"]) for r in changes]


# ------------------------------------------------------------------------------------------------------- examples


def test_revoking_an_sg_rule_closes_that_port_from_every_sender() -> None:
    # SPEC G1: without its only rule for port 80, web's SG drops HTTP at web's interface, whoever sends it.
    net = demo_network()
    web, web_sg = by_name(net.instances, "web"), by_name(net.security_groups, "web")
    with net.what_if() as alt:
        alt.revoke_security_group_ingress(web_sg, protocol="tcp", ports=80, cidr="0.0.0.0/0")
        changes = vpcsim.diff(net, alt, sources=INTERNET)
        everything = vpcsim.diff(net, alt)
    assert len(changes) == 1
    row = changes.rows[0]
    assert (row["source"], row["destination"]) == ("internet", f"{web.id} web ({web.public_ip})")
    assert (row["protocol"], row["port_from"], row["port_to"]) == ("tcp", 80, 80)
    assert (row["src_port_from"], row["src_port_to"]) == (0, 65535)
    assert (row["sources"], row["destinations"]) == (["0.0.0.0/0"], [str(web.public_ip)])
    assert verdict(row, "before") == (True, "ACCEPTED", None, None, None, "EXITS_NETWORK", None)
    assert verdict(row, "after") == (False, "DENIED_IN", "ENI_SG_RULES_MISMATCH", web_sg.id, None, None, None)
    # Every row of the whole diff is that port, now refused by that SG, on one of web's two addresses.
    assert {(r["protocol"], r["port_from"], r["port_to"]) for r in everything} == {("tcp", 80, 80)}
    assert {r["after_component"] for r in everything} == {web_sg.id}
    assert {r["destinations"][0] for r in everything} == {str(web.private_ip), str(web.public_ip)}
    assert changes.rows[0] in everything.rows


def test_deleting_a_nacl_entry_leaves_the_star_rule_to_decide() -> None:
    # SPEC N1, N3: without entry 100, the database subnet's NACL falls through to the * rule (32767), deny.
    net = demo_network()
    data_acl, api, db = (
        by_name(net.network_acls, "data-acl"),
        by_name(net.instances, "api"),
        by_name(net.instances, "db"),
    )
    with net.what_if() as alt:
        alt.delete_network_acl_entry(data_acl, rule_number=100, egress=False)
        changes = vpcsim.diff(net, alt)
    # Two rows: clients on ports below 1024 never got replies (the egress entry allows 1024-65535, N4).
    assert [(*p, r["src_port_from"], r["src_port_to"]) for r, p in zip(changes, ports(changes), strict=True)] == [
        ("tcp", 5432, 5432, 0, 1023), ("tcp", 5432, 5432, 1024, 65535),
    ]  # fmt: skip
    low, row = changes.rows
    assert (row["source"], row["destination"]) == (f"{api.id} api", f"{db.id} db ({db.private_ip})")
    assert (low["before_connected"], low["before_reply_disposition"]) == (False, "DENIED_OUT")
    assert (row["before_connected"], row["before_reply_disposition"]) == (True, "ACCEPTED")
    for changed in (low, row):
        assert verdict(changed, "after") == (False, "DENIED_IN", "SUBNET_ACL_RESTRICTION", data_acl.id, 32767, None,
                                             None)  # fmt: skip
    api_eni = api.primary_network_interface.id
    assert changes.lookup(api_eni, str(db.private_ip), "tcp", 5432, 40000) == row
    assert changes.lookup(api_eni, str(db.private_ip), "tcp", 5433, 40000) is None


def test_compare_says_what_counts_as_a_change() -> None:
    # SPEC V, N4: what changes when the database subnet's NACL loses its allow entry, by compare mode.
    net = demo_network()
    data_acl, db = by_name(net.network_acls, "data-acl"), by_name(net.instances, "db")
    bastion_eth1 = next(e for e in net.network_interfaces if e.description == "bastion eth1")
    with net.what_if() as alt:
        alt.delete_network_acl_entry(data_acl, rule_number=100, egress=False)
        by_mode = {mode: vpcsim.diff(net, alt, protocols="tcp", compare=mode) for mode in COMPARED}
    # Clients below port 1024 never connected (N4): their request is now dropped on the way in instead of their
    # reply on the way out; "connected" does not count that, "disposition" does.
    assert [(r["src_port_from"], r["before_connected"]) for r in by_mode["connected"]] == [(1024, True)]
    assert [(r["src_port_from"], r["before_connected"]) for r in by_mode["disposition"]] == [(0, False), (1024, True)]
    assert by_mode["disposition"].lookup(bastion_eth1.id, str(db.private_ip), "tcp", 5432, 40000) is None
    row = by_mode["explanation"].lookup(bastion_eth1.id, str(db.private_ip), "tcp", 5432, 40000)
    assert row is not None
    assert (row["before_explanation"], row["after_explanation"]) == (
        "ENI_SG_RULES_MISMATCH",
        "SUBNET_ACL_RESTRICTION",
    )
    assert (row["before_component"], row["after_component"]) == (by_name(net.security_groups, "db").id, data_acl.id)
    assert row["before_disposition"] == row["after_disposition"] == "DENIED_IN"


def test_replacing_the_internet_route_with_a_nat_gateway_breaks_inbound(shop: Shop) -> None:
    # SPEC I2, I4: app still gets out (through the NAT), but its replies to inbound HTTPS now leave from the NAT's
    # address, and the client drops them: only the inbound flows change.
    net, app = shop.net, shop.app
    with net.what_if() as alt:
        alt.replace_route(shop.app_rt, "0.0.0.0/0", shop.nat)
        changes = vpcsim.diff(net, alt, protocols="tcp")
    assert len(changes) == 1
    row = changes.rows[0]
    assert (row["source"], row["destination"], row["port_from"]) == (
        "internet",
        f"{app.id} app ({app.public_ip})",
        443,
    )
    assert verdict(row, "before") == (True, "ACCEPTED", None, None, None, "EXITS_NETWORK", None)
    assert verdict(row, "after") == (False, "ACCEPTED", None, None, None, "DENIED_IN", "REPLY_SOURCE_MISMATCH")


def test_a_route_to_a_deleted_nat_gateway_is_a_blackhole(shop: Shop) -> None:
    # SPEC R6: the route stays, state blackhole, and drops what it matches.
    net, app = shop.net, shop.app
    with net.what_if() as alt:
        alt.replace_route(shop.app_rt, "0.0.0.0/0", shop.nat)
        alt.delete_nat_gateway(shop.nat)
        changes = vpcsim.diff(net, alt, sources=app, destinations=INTERNET, protocols="tcp", ports=443)
    assert len(changes) == 1
    row = changes.rows[0]
    assert (row["source"], row["destination"], row["destinations"]) == (f"{app.id} app", "internet", ["0.0.0.0/0"])
    assert verdict(row, "before") == (True, "EXITS_NETWORK", None, None, None, "ACCEPTED", None)
    assert verdict(row, "after") == (False, "NULL_ROUTED", "BAD_STATE_ROUTE", shop.app_rt.id, "0.0.0.0/0", None, None)
    eni = app.primary_network_interface.id
    assert changes.lookup(eni, internet(HOST), "tcp", 443, 40000) == row
    assert changes.lookup(eni, internet(HOST), "tcp", 80, 40000) is None  # outside the question


def test_a_nacl_deny_inside_an_allowed_range_shows_exactly_that_port(seeds: Seeds) -> None:
    # SPEC N1: deny 1500 at rule 50 comes before the default allow-all (100); the SG's 1000-2000 stays open around it.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=(1000, 2000), cidr="0.0.0.0/0")
    acl = seeds.subnet.network_acl.id
    with net.what_if() as alt:
        alt.create_network_acl_entry(acl, rule_number=50, egress=False, protocol="tcp", action="deny",
                                     cidr="0.0.0.0/0", ports=1500)  # fmt: skip
        from_internet = vpcsim.diff(net, alt, sources=INTERNET)
        everything = vpcsim.diff(net, alt)
    assert ports(from_internet) == [("tcp", 1500, 1500)]
    row = from_internet.rows[0]
    assert row["destinations"] == [str(seeds.eip0.public_ip)]
    assert verdict(row, "after") == (False, "DENIED_IN", "SUBNET_ACL_RESTRICTION", acl, 50, None, None)
    # SPEC N2, N4: the NACL is stateless, so replies to a client's port 1500 entering the subnet are denied too:
    # eth0's and eth1's connections out from that port, and eth1 to eth0's Elastic IP (out through the internet
    # gateway and back in). Every row is port 1500 on one side.
    assert len(everything) > 1
    for changed in everything:
        assert (changed["port_from"], changed["port_to"]) == (1500, 1500) or (
            changed["src_port_from"], changed["src_port_to"]) == (1500, 1500), changed  # fmt: skip
        assert "SUBNET_ACL_RESTRICTION" in (changed["after_explanation"], changed["after_reply_explanation"])
    reply = everything.lookup(seeds.eth0.id, internet(HOST), "tcp", 443, 1500)
    assert reply is not None
    assert (reply["after_disposition"], reply["after_reply_disposition"]) == ("EXITS_NETWORK", "DENIED_IN")


def test_narrowing_the_ephemeral_range_drops_replies_to_some_client_ports(seeds: Seeds) -> None:
    # SPEC N4: replies go to the client's source port; egress 49152-65535 (Windows clients) leaves Linux clients'
    # ports 1024-49151 without a way back. Rows carry the source-port range.
    net = seeds.net
    acl = net.create_network_acl(seeds.vpc, name="strict")
    net.create_network_acl_entry(acl, rule_number=100, egress=False, protocol="tcp", action="allow",
                                 cidr="0.0.0.0/0", ports=80)  # fmt: skip
    net.create_network_acl_entry(acl, rule_number=100, egress=True, protocol="tcp", action="allow",
                                 cidr="0.0.0.0/0", ports=(1024, 65535))  # fmt: skip
    net.replace_network_acl_association(acl, seeds.subnet)
    with net.what_if() as alt:
        alt.replace_network_acl_entry(acl, rule_number=100, egress=True, protocol="tcp", action="allow",
                                      cidr="0.0.0.0/0", ports=(49152, 65535))  # fmt: skip
        changes = vpcsim.diff(net, alt, sources=INTERNET)
        default_port_only = vpcsim.diff(net, alt, sources=INTERNET, src_ports=None)
    assert len(changes) == 1
    row = changes.rows[0]
    assert (row["port_from"], row["port_to"], row["src_port_from"], row["src_port_to"]) == (80, 80, 1024, 49151)
    assert (row["before_reply_disposition"], row["after_reply_disposition"]) == ("EXITS_NETWORK", "DENIED_OUT")
    assert (row["after_disposition"], row["after_reply_explanation"]) == ("ACCEPTED", "SUBNET_ACL_RESTRICTION")
    eip = str(seeds.eip0.public_ip)
    assert changes.lookup(internet(HOST), eip, "tcp", 80, 40000) == row
    assert changes.lookup(internet(HOST), eip, "tcp", 80, 50000) is None
    assert changes.lookup(internet(HOST), eip, "tcp", 80, 1023) is None  # N4: below 1024 was never allowed back
    # src_ports=None asks about trace's default client port only (32768, a Linux one): the same row, no range.
    assert [(r["port_from"], r["src_port_from"], r["src_port_to"]) for r in default_port_only] == [(80, None, None)]


def test_detaching_an_interface_leaves_it_unable_to_send(seeds: Seeds) -> None:
    # SPEC E2: a detached ENI keeps its address, SGs and EIP, but no instance sends from it.
    net = seeds.net
    with net.what_if() as alt:
        alt.detach_network_interface(seeds.eth1)
        changes = vpcsim.diff(net, alt)
    assert changes
    assert {r["source"] for r in changes} == {f"{seeds.instance.id} eth1"}
    assert {verdict(r, "after") for r in changes} == {
        (False, "DENIED_OUT", "BAD_STATE", seeds.eth1.id, None, None, None)
    }
    http = [r for r in changes if r["before_connected"]]
    assert {(r["protocol"], r["port_from"], r["port_to"]) for r in http if r["destination"] != "internet"} == {
        ("tcp", 80, 80)
    }


def test_terminating_an_instance_leaves_its_flows_without_a_verdict(seeds: Seeds) -> None:
    # SPEC E1, E2: eth0 is deleted with the instance (flows from it have no verdict after: None); eth1 is
    # detached; eth0's address is then held by no one and its EIP by no interface.
    net = seeds.net
    other = net.run_instance(seeds.subnet, instance_type="t2.micro", security_groups=[seeds.sg1], name="other",
                             private_ip="10.0.1.20")  # fmt: skip
    with net.what_if() as alt:
        alt.terminate_instance(seeds.instance)
        changes = vpcsim.diff(net, alt, protocols="tcp", ports=80)
        backwards = vpcsim.diff(alt, net, protocols="tcp", ports=80)
    from_eth0 = [r for r in changes if r["sources"] == [seeds.eth0.id]]
    assert {r["destination"] for r in from_eth0} == {
        f"{seeds.instance.id} eth1 (10.0.1.11)", f"{seeds.instance.id} eth1 ({seeds.eth1.public_ip})",
        f"{other.id} other (10.0.1.20)", "internet",
    }  # fmt: skip
    assert all(set(verdict(r, "after")) == {None} and r["before_disposition"] is not None for r in from_eth0)
    to_eth0 = changes.lookup(other.primary_network_interface.id, "10.0.1.10", "tcp", 80, 40000)
    assert to_eth0 is not None
    assert verdict(to_eth0, "after") == (False, "NO_ROUTE", "ADDRESS_NOT_ASSIGNED", seeds.subnet.id, None, None, None)
    from_internet = changes.lookup(internet(HOST), str(seeds.eip0.public_ip), "tcp", 80, 40000)
    assert from_internet is not None
    assert (from_internet["before_connected"], from_internet["after_disposition"]) == (True, "NO_ROUTE")
    # The other way round, eth0 is the interface that appears: no verdict before.
    row = backwards.lookup(seeds.eth0.id, "10.0.1.20", "tcp", 80, 40000)
    assert row is not None
    assert set(verdict(row, "before")) == {None}
    assert row["after_connected"] is True


def test_terminating_an_instance_with_an_auto_assigned_public_ip(shop: Shop) -> None:
    # SPEC P1: the auto-assigned public IP is released with the instance; the internet can no longer reach app.
    # Afterwards the address is no longer the network's (an internet address): the flow has no verdict there.
    net, app = shop.net, shop.app
    public_ip = str(app.primary_network_interface.public_ip)
    with net.what_if() as alt:
        alt.terminate_instance(app)
        changes = vpcsim.diff(net, alt, sources=INTERNET, protocols="tcp", ports=443)
    assert [(r["destinations"], r["before_connected"]) for r in changes] == [([public_ip], True)]
    assert set(verdict(changes.rows[0], "after")) == {None}


def test_no_change_is_an_empty_falsy_diff(seeds: Seeds) -> None:
    net = seeds.net
    with net.what_if() as alt:
        unchanged = vpcsim.diff(net, alt)
        # A rule on a group no interface carries changes no verdict either.
        spare = alt.create_security_group(seeds.vpc.id, "spare", description="unused")
        alt.authorize_security_group_ingress(spare, protocol="-1", cidr="0.0.0.0/0")
        unused_rule = vpcsim.diff(net, alt)
    for changes in (unchanged, unused_rule):
        assert not changes
        assert len(changes) == 0
        assert list(changes) == []
        assert changes.cells > 0
        assert repr(changes).startswith("<Diff: 0 changed flow ranges")
        assert "No verdict changed" in changes._repr_html_()
        frame = changes.frame()
        assert isinstance(frame, pd.DataFrame)
        assert frame.empty
        assert {"before_connected", "after_connected", "example"} <= set(frame.columns)
        assert changes.lookup(seeds.eth0.id, internet(HOST), "tcp", 443, 40000) is None


def test_frame_and_html_show_the_rows(seeds: Seeds) -> None:
    net = seeds.net
    with net.what_if() as alt:
        alt.revoke_security_group_ingress(seeds.sg1.id, protocol="tcp", ports=80, cidr="0.0.0.0/0")
        changes = vpcsim.diff(net, alt)
    frame = changes.frame()
    assert len(frame) == len(changes) > 0
    assert list(frame.columns[:9]) == ["source", "destination", "protocol", "port_from", "port_to", "src_port_from",
                                       "src_port_to", "sources", "destinations"]  # fmt: skip
    assert {f"{side}_{field}" for side in ("before", "after") for field in VERDICT} <= set(frame.columns)
    assert {str(frame[c].dtype) for c in ("port_from", "port_to", "src_port_from", "src_port_to")} == {"Int64"}
    assert frame.to_dict("records")[0]["before_connected"] == changes.rows[0]["before_connected"]
    html = changes._repr_html_()
    assert "<table" in html
    assert "ENI_SG_RULES_MISMATCH" in html
    assert f"{len(changes)} changed flow ranges" in html


def test_each_row_example_is_a_flow_trace_answers_alike(seeds: Seeds) -> None:
    # DESIGN: trace() is the reference; a row's example flow gets the row's verdicts in each network.
    net = seeds.net
    with net.what_if() as alt:
        alt.revoke_security_group_ingress(seeds.sg1.id, protocol="tcp", ports=80, cidr="0.0.0.0/0")
        alt.create_network_acl_entry(seeds.subnet.network_acl.id, rule_number=10, egress=True, protocol="udp",
                                     action="deny", cidr="0.0.0.0/0", ports=(0, 1023))  # fmt: skip
        changes = vpcsim.diff(net, alt)
        for row in changes:
            src, dst, protocol, port, src_port = row["example"]
            for side, n in (("before", net), ("after", alt)):
                t = n.trace(src, dst, protocol, port, src_port)
                assert (t.connected, str(t.disposition), t.explanation) == verdict(row, side)[:3], row


def test_two_builds_of_one_account_diff_like_a_what_if() -> None:
    # Two "loaded snapshots": built separately from one seed, so their ids agree; the second has one rule more.
    before, after = build_seeds(), build_seeds(https=True)
    assert set(before.net.snapshot()) == set(after.net.snapshot())
    assert before.net.snapshot() != after.net.snapshot()
    changes = vpcsim.diff(before.net, after.net)
    assert set(ports(changes)) == {("tcp", 443, 443)}
    assert {(r["before_connected"], r["after_connected"]) for r in changes} == {(False, True)}
    with before.net.what_if() as alt:
        alt.authorize_security_group_ingress(before.sg1.id, protocol="tcp", ports=443, cidr="0.0.0.0/0")
        assert vpcsim.diff(before.net, alt).rows == changes.rows
    assert not vpcsim.diff(before.net, build_seeds().net)


def test_questions_can_be_narrowed(seeds: Seeds) -> None:
    net = seeds.net
    with net.what_if() as alt:
        alt.revoke_security_group_ingress(seeds.sg1.id, protocol="tcp", ports=80, cidr="0.0.0.0/0")
        alt.authorize_security_group_ingress(seeds.sg2.id, protocol="udp", ports=53, cidr="0.0.0.0/0")
        everything = vpcsim.diff(net, alt)
        tcp = vpcsim.diff(net, alt, protocols="tcp")
        udp_to_eth1 = vpcsim.diff(net, alt, protocols=["udp"], destinations=seeds.eth1, ports=(50, 60))
        office = vpcsim.diff(net, alt, sources="203.0.113.0/24", destinations=seeds.instance)
    assert {r["protocol"] for r in everything} == {"tcp", "udp"}
    assert {r["protocol"] for r in tcp} == {"tcp"}
    assert {(r["destination"].split(" (")[0], *p) for r, p in zip(udp_to_eth1, ports(udp_to_eth1), strict=True)} == {
        (f"{seeds.instance.id} eth1", "udp", 53, 53)
    }
    assert {r["source"] for r in office} == {"203.0.113.0/24"}
    assert {tuple(r["sources"]) for r in office} == {("203.0.113.0/24",)}


# ------------------------------------------------------------------------------------------------------- lookup


def test_lookup_without_an_icmp_type_means_an_echo_request() -> None:
    # trace(src, dst, "icmp") is an echo request (type 8): newly allowed from anywhere to web.
    net = demo_network()
    web, web_sg = by_name(net.instances, "web"), by_name(net.security_groups, "web")
    with net.what_if() as alt:
        alt.authorize_security_group_ingress(web_sg, protocol="icmp", ports=(8, -1), cidr="0.0.0.0/0")
        changes = vpcsim.diff(net, alt, sources=INTERNET)
        assert alt.trace(internet(HOST), str(web.public_ip), "icmp").connected
    assert changes.lookup(internet(HOST), str(web.public_ip), "icmp", 8) is not None
    echo = changes.lookup(internet(HOST), str(web.public_ip), "icmp")
    assert echo is not None
    assert echo["after_connected"] is True


def test_lookup_without_a_source_port_means_traces_default() -> None:
    # trace(api, db, "tcp", 5432) uses client port 32768 (N4), which connected before the deny.
    net = demo_network()
    data_acl, api, db = (by_name(net.network_acls, "data-acl"), *(by_name(net.instances, n) for n in ("api", "db")))
    api_eni = api.primary_network_interface.id
    with net.what_if() as alt:
        alt.create_network_acl_entry(data_acl, rule_number=50, egress=False, protocol="tcp", action="deny",
                                     cidr="10.0.10.0/24", ports=5432)  # fmt: skip
        changes = vpcsim.diff(net, alt)
    assert net.trace(api_eni, str(db.private_ip), "tcp", 5432).connected
    postgres = changes.lookup(api_eni, str(db.private_ip), "tcp", 5432)
    assert postgres is not None
    assert postgres["before_connected"] is True


def test_lookup_takes_an_instance_as_trace_does(shop: Shop) -> None:
    net, app = shop.net, shop.app
    with net.what_if() as alt:
        alt.replace_route(shop.app_rt, "0.0.0.0/0", shop.nat)
        alt.delete_nat_gateway(shop.nat)
        changes = vpcsim.diff(net, alt, sources="app", destinations=INTERNET, protocols="tcp", ports=443)
    row = changes.lookup(app.primary_network_interface.id, internet(HOST), "tcp", 443, 40000)
    assert row is not None
    assert changes.lookup(app, internet(HOST), "tcp", 443, 40000) == row
    assert changes.lookup("app", internet(HOST), "tcp", 443, 40000) == row


# ------------------------------------------------------------------------------------------------------- exactness


class Edit(NamedTuple):
    """One change to a network, applied by ids (so it applies to a what-if copy)."""

    text: str
    apply: Callable[[Network], object]


def _sg_rules(net: Network) -> list[tuple[vpcsim.SecurityGroup, vpcsim.SecurityGroupRule]]:
    return [(g, r) for g in net.security_groups for r in (*g.ingress, *g.egress)]


def _without_public_ip(net: Network) -> list[vpcsim.Instance]:
    # Instances with a public IP are left to test_terminating_an_instance_with_an_auto_assigned_public_ip (a bug).
    return [i for i in net.instances if not any(e.public_ips for e in i.network_interfaces)]


@st.composite
def edits(draw: st.DrawFn, net: Network) -> Edit:
    """A random valid edit: revoke an SG rule, authorize one, change an interface's groups, delete a NACL entry, add
    a NACL deny, delete a route, terminate an instance."""
    kinds = ["authorize", "nacl-deny"]
    kinds += ["revoke"] if _sg_rules(net) else []
    kinds += ["delete-entry"] if any(e.rule_number < 32767 for a in net.network_acls for e in a.entries) else []
    kinds += ["delete-route"] if any(r.origin == "CreateRoute" for t in net.route_tables for r in t.routes) else []
    kinds += ["regroup"] if net.instances else []
    kinds += ["terminate"] if _without_public_ip(net) else []
    kind = draw(st.sampled_from(kinds))
    if kind == "revoke":
        g, rule = draw(st.sampled_from(_sg_rules(net)))
        if rule.egress:
            return Edit(f"revoke {g.id} {rule}", lambda n: n.revoke_security_group_egress(g.id, rule_id=rule.id))
        return Edit(f"revoke {g.id} {rule}", lambda n: n.revoke_security_group_ingress(g.id, rule_id=rule.id))
    if kind == "delete-entry":
        acl, e = draw(st.sampled_from([(a, e) for a in net.network_acls for e in a.entries if e.rule_number < 32767]))
        return Edit(
            f"delete {acl.id} {e}",
            lambda n: n.delete_network_acl_entry(acl.id, rule_number=e.rule_number, egress=e.egress),
        )
    if kind == "delete-route":
        table, route = draw(st.sampled_from(
            [(t, r) for t in net.route_tables for r in t.routes if r.origin == "CreateRoute"]
        ))  # fmt: skip
        return Edit(f"delete route {table.id} {route}", lambda n: n.delete_route(table.id, route.destination_key))
    if kind == "regroup":
        eni = draw(st.sampled_from([e for e in net.network_interfaces if e.instance is not None]))
        groups = draw(st.lists(st.sampled_from([g.id for g in net.security_groups if g.vpc is eni.vpc]),
                               min_size=1, max_size=3, unique=True))  # fmt: skip
        return Edit(f"groups of {eni.id} -> {groups}",
                    lambda n: n.modify_network_interface_attribute(eni.id, security_groups=groups))  # fmt: skip
    if kind == "terminate":
        instance = draw(st.sampled_from(_without_public_ip(net)))
        return Edit(f"terminate {instance.id}", lambda n: n.terminate_instance(instance.id))
    protocol = draw(st.sampled_from(["tcp", "udp", "icmp", "-1"]))
    cidrs = ["0.0.0.0/0", "0.0.0.0/1", "198.51.100.0/24", *(str(c) for v in net.vpcs for c in v.cidrs),
             *(str(c) for s in net.subnets for c in s.cidrs),
             *(f"{a}/32" for e in net.network_interfaces for a in e.addresses if a.version == 4)]  # fmt: skip
    cidr = draw(st.sampled_from([c for c in cidrs if protocol != "icmp" or ":" not in c]))  # ICMP rules: IPv4
    lo = draw(st.integers(0, 65535))
    span = (lo, draw(st.integers(lo, min(65535, lo + draw(st.sampled_from([0, 10, 1000, 65535]))))))
    egress = draw(st.booleans())
    if kind == "nacl-deny":
        acl = draw(st.sampled_from(net.network_acls))
        taken = {e.rule_number for e in acl.entries if e.egress == egress}
        number = draw(st.integers(1, 32766).filter(lambda k: k not in taken))
        options: dict[str, Any] = {"tcp": {"ports": span}, "udp": {"ports": span},
                                   "icmp": {"icmp_type_code": (-1, -1)}}.get(protocol, {})  # fmt: skip
        return Edit(f"deny {acl.id} #{number} {'out' if egress else 'in'} {protocol} {cidr} {options}",
                    lambda n: n.create_network_acl_entry(acl.id, rule_number=number, egress=egress, protocol=protocol,
                                                         action="deny", cidr=cidr, **options))  # fmt: skip
    group = draw(st.sampled_from(net.security_groups))
    rule_ports = span if protocol in ("tcp", "udp") else (-1, -1) if protocol == "icmp" else None

    def authorize(n: Network) -> None:
        grant = n.authorize_security_group_egress if egress else n.authorize_security_group_ingress
        try:
            grant(group.id, protocol=protocol, ports=rule_ports, cidr=cidr)
        except AwsError as err:  # the network has that rule already: the edit is then no change
            if err.code != "InvalidPermission.Duplicate":
                raise

    return Edit(f"allow {group.id} {'out' if egress else 'in'} {protocol} {rule_ports} {cidr}", authorize)


NOT_INTERNET = [ipaddress.ip_network(c) for c in ("0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                                                  "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16")]  # fmt: skip


def internet_hosts(version: int, owned: set[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> st.SearchStrategy[Any]:
    """Internet hosts the question covers: not private or link-local, and no address of the networks."""
    if version == 6:
        addresses = st.integers(0, 2**96 - 1).map(lambda n: ipaddress.IPv6Address((0x20010DB8 << 96) | n))
    else:
        addresses = st.integers(0, 2**32 - 1).map(ipaddress.IPv4Address)
    return addresses.filter(lambda a: a not in owned and not any(a in n for n in NOT_INTERNET)).map(internet)


@st.composite
def concrete_flows(draw: st.DrawFn, net: Network, owned: set[Any]) -> tuple[Any, ...]:
    """``(src, dst, protocol, port, src_port)``: from an instance's interface (by id) or an internet host, to an
    address of an interface or an internet host; TCP/UDP with explicit ports, ICMP with a type, or GRE."""
    senders = [e for e in net.network_interfaces if e.instance is not None]
    named_ports = {p for g in net.security_groups for r in (*g.ingress, *g.egress) if r.from_port is not None
                   for p in (r.from_port - 1, r.from_port, r.to_port, r.to_port + 1)}  # fmt: skip
    port = st.integers(0, 65535) | st.sampled_from(sorted(p for p in named_ports | {22, 80, 443} if 0 <= p <= 65535))
    inbound = [a for e in net.network_interfaces for a in (*e.public_ips.values(), *e.ipv6_addresses)]
    if inbound and (not senders or draw(st.integers(0, 3)) == 0):
        dst: Any = draw(st.sampled_from(inbound))
        src: Any = draw(internet_hosts(dst.version, owned))
        dst = str(dst)
    else:
        sender = draw(st.sampled_from(senders))
        targets: list[Any] = [4, *([6] if sender.ipv6_addresses else [])]
        addresses = [
            a for e in net.network_interfaces if e is not sender for a in (*e.addresses, *e.public_ips.values())
        ]
        targets += [str(a) for a in addresses if a.version == 4 or sender.ipv6_addresses]
        dst = draw(st.sampled_from(targets))
        if isinstance(dst, int):
            dst = draw(internet_hosts(dst, owned))
        src = sender.id
    protocol = draw(st.sampled_from(["tcp", "udp", "icmp", "47"]))
    if protocol in ("tcp", "udp"):
        sport = st.integers(0, 65535) | st.sampled_from([1023, 1024, 32767, 32768, 49151, 49152, 60999, 61000])
        return (src, dst, protocol, draw(port), draw(sport))
    return (src, dst, protocol, draw(st.sampled_from([0, 3, 8, 11, 13, 128, 200])) if protocol == "icmp" else None,
            None)  # fmt: skip


def evaluated(net: Network, flows: list[tuple[Any, ...]]) -> list[tuple[Any, ...] | None]:
    """Each flow's verdict (VERDICT order, plain values) by ``net.evaluate``; None when its source interface is not
    in ``net``."""
    present = [i for i, f in enumerate(flows) if not isinstance(f[0], str) or f[0] in net]
    out: list[tuple[Any, ...] | None] = [None] * len(flows)
    if not present:
        return out
    columns = [np.array([flows[i][k] for i in present], dtype=object) for k in range(5)]
    v = net.evaluate(FlowBatch.from_arrays(*columns))
    for k, i in enumerate(present):
        values = [getattr(v, field)[k] for field in VERDICT]
        out[i] = (bool(values[0]), *(None if x is None else x if isinstance(x, int) else str(x) for x in values[1:]))
    return out


@SLOW
@given(net=networks(max_vpcs=2, max_subnets=3, max_instances=4), data=st.data())
def test_diff_equals_brute_force_on_random_flows(net: Network, data: st.DataObject) -> None:
    """The issue's "Done when": a flow's verdict changed (as ``compare`` counts it) exactly when the diff has a row
    for it, and that row carries the flow's verdicts in both networks."""
    edit = data.draw(edits(net))
    compare = data.draw(st.sampled_from(sorted(COMPARED)))
    with net.what_if() as alt:
        edit.apply(alt)
    first, second = data.draw(st.sampled_from([(net, alt), (alt, net)]))
    changes = vpcsim.diff(first, second, compare=compare)
    note(repr(changes))
    owned = {a for n in (net, alt) for e in n.network_interfaces for a in e.public_ips.values()}
    owned |= {eip.public_ip for n in (net, alt) for eip in n.elastic_ips}
    flows = data.draw(st.lists(concrete_flows(net, owned), min_size=1, max_size=30))
    fields = COMPARED[compare]
    for flow, before, after in zip(flows, evaluated(first, flows), evaluated(second, flows), strict=True):
        row = changes.lookup(*flow)
        changed = (before and [before[k] for k in fields]) != (after and [after[k] for k in fields])
        assert (row is not None) == changed, f"{flow}: before {before}, after {after}, row {row}"
        if row is not None:
            assert verdict(row, "before") == (before or (None,) * len(VERDICT)), (flow, row)
            assert verdict(row, "after") == (after or (None,) * len(VERDICT)), (flow, row)


def holes() -> Seeds:
    """The seeds network with an SG range (1000-2000), a NACL hole in it (1500) and a NACL egress deny for some
    client ports (30000-40000)."""
    seeds = build_seeds()
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=(1000, 2000), cidr="0.0.0.0/0")
    acl = seeds.subnet.network_acl.id
    net.create_network_acl_entry(acl, rule_number=50, egress=False, protocol="tcp", action="deny", cidr="0.0.0.0/0",
                                 ports=1500)  # fmt: skip
    net.create_network_acl_entry(acl, rule_number=60, egress=True, protocol="tcp", action="deny", cidr="0.0.0.0/0",
                                 ports=(30000, 40000))  # fmt: skip
    return seeds


def move_holes(alt: Network, seeds: Seeds) -> None:
    """Close 80, open 8080-8090, move the NACL hole to 1700-1800 for one /24, the egress deny to 35000-50000."""
    acl = seeds.subnet.network_acl.id
    alt.delete_network_acl_entry(acl, rule_number=50, egress=False)
    alt.create_network_acl_entry(acl, rule_number=40, egress=False, protocol="tcp", action="deny",
                                 cidr="198.51.100.0/24", ports=(1700, 1800))  # fmt: skip
    alt.replace_network_acl_entry(acl, rule_number=60, egress=True, protocol="tcp", action="deny", cidr="0.0.0.0/0",
                                  ports=(35000, 50000))  # fmt: skip
    alt.revoke_security_group_ingress(seeds.sg1.id, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    alt.authorize_security_group_ingress(seeds.sg1.id, protocol="tcp", ports=(8080, 8090), cidr="0.0.0.0/0")


@pytest.mark.parametrize(("varied", "fixed"), [("port", 32000), ("src_port", 1000)])
def test_diff_equals_brute_force_on_every_port_of_one_pair(varied: str, fixed: int) -> None:
    """Every destination port (from source port 32000), or every source port (to port 1000), of one internet host
    to eth0's Elastic IP: the rows cover exactly the ports whose verdict changed, with their verdicts."""
    seeds = holes()
    net, eip = seeds.net, str(seeds.eip0.public_ip)
    every = np.arange(65536)
    port, src_port = (every, fixed) if varied == "port" else (fixed, every)
    batch = FlowBatch.from_arrays(internet(HOST), eip, "tcp", port, src_port)
    with net.what_if() as alt:
        move_holes(alt, seeds)
        b, a = net.evaluate(batch), alt.evaluate(batch)
        changes = vpcsim.diff(net, alt, sources=internet(HOST), destinations=eip, protocols="tcp")
    differs = (b.connected != a.connected) | (b.disposition != a.disposition)
    differs |= b.reply_disposition != a.reply_disposition
    changed = set(every[differs].tolist())
    assert 100 < len(changed) < 65536  # the edits matter for this pair, not for every port
    # The rows whose other port range holds the fixed port, as sets of the varied port.
    varied_range, fixed_range = ("port_from", "port_to"), ("src_port_from", "src_port_to")
    if varied == "src_port":
        varied_range, fixed_range = fixed_range, varied_range
    covered: set[int] = set()
    for row in changes:
        if row[fixed_range[0]] <= fixed <= row[fixed_range[1]]:
            lo, hi = row[varied_range[0]], row[varied_range[1]]
            assert not covered & set(range(lo, hi + 1)), f"rows overlap: {row}"
            covered |= set(range(lo, hi + 1))
            for k in (lo, hi):
                assert (row["before_connected"], row["after_connected"]) == (b.connected[k], a.connected[k]), row
                assert (row["before_explanation"], row["after_explanation"]) == (b.explanation[k], a.explanation[k])
    assert covered == changed
    for k in [*sorted(changed)[:: len(changed) // 40], 0, 1499, 1500, 1501, 1700, 8080, 65535]:
        flow = (k, fixed) if varied == "port" else (fixed, k)
        assert (changes.lookup(internet(HOST), eip, "tcp", *flow) is not None) == (k in changed), k


# ------------------------------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("options", "error", "named_value"),
    [
        ({"sources": "i-0123456789abcdef0"}, InvalidEndpointError, "i-0123456789abcdef0"),
        ({"destinations": "eni-0123456789abcdef0"}, InvalidEndpointError, "eni-0123456789abcdef0"),
        ({"sources": "10.0.0.0/33"}, InvalidEndpointError, "10.0.0.0/33"),
        ({"ports": 70000}, InvalidFlowError, "70000"),
        ({"ports": (443, 80)}, InvalidFlowError, "443"),
        ({"ports": "80"}, InvalidFlowError, "'80'"),
        ({"src_ports": (0, 65536)}, InvalidFlowError, "65536"),
        ({"protocols": -1}, InvalidFlowError, "-1"),
        ({"protocols": "-1"}, InvalidFlowError, "-1"),
        ({"protocols": ["tcp", "tpc"]}, ValueError, "tpc"),
        ({"compare": "verdict"}, ValueError, "verdict"),
    ],
)
def test_bad_questions_are_refused_naming_the_value(
    seeds: Seeds, options: dict[str, Any], error: type[Exception], named_value: str
) -> None:
    with seeds.net.what_if() as alt, pytest.raises(error, match=named_value.replace("(", r"\(")) as caught:
        vpcsim.diff(seeds.net, alt, **options)
    assert isinstance(caught.value, ValueError)


def test_lookup_refuses_protocol_all(seeds: Seeds) -> None:
    with seeds.net.what_if() as alt:
        changes = vpcsim.diff(seeds.net, alt)
    with pytest.raises(InvalidFlowError, match="-1"):
        changes.lookup(seeds.eth0.id, internet(HOST), -1, 80)
