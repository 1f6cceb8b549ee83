"""Paths and access scopes (``net.find_paths``, ``net.check``) in the style of Network Access Analyzer, and the
reachability matrix between groups (``net.reachability_matrix``).

Networks: the demo network (``vpcsim.examples.demo_network``), the seeds walkthrough (tests/test_diff.py) and a
guarded database: ``db`` (PostgreSQL open to the world on its Elastic IP) behind a firewall instance with its
source/destination check off, which a what-if puts in line (the IGW's edge route table and the database subnet's
default route both point at it, SPEC R7, E5).
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from test_diff import build_seeds, by_name

import vpcsim
from vpcsim import INTERNET, AccessScope, InvalidEndpointError, InvalidFlowError, Network, PathSpec, ScopeError
from vpcsim.examples import demo_network

# The issue's example, in Network Access Analyzer's JSON: nothing from the internet reaches 5432 except through the
# firewall (whose id goes into ExcludePaths).
FROM_ANYWHERE = {"PacketHeaderStatement": {"SourceAddresses": ["0.0.0.0/0"]}}
TO_POSTGRES = {"PacketHeaderStatement": {"DestinationPorts": ["5432"]}}


def naa_scope(firewall_id: str) -> dict[str, Any]:
    return {
        "Name": "postgres-through-the-firewall",
        "MatchPaths": [{"Source": FROM_ANYWHERE, "Destination": TO_POSTGRES}],
        "ExcludePaths": [{"ThroughResources": [{"ResourceStatement": {"Resources": [firewall_id]}}]}],
    }


def summary(paths: Any) -> list[tuple[Any, ...]]:
    """(destination, protocol, ports, sources) of each path, in order."""
    return [(p.destination, p.protocol, p.ports, p.sources) for p in paths]


@attrs.frozen
class Guarded:
    net: Network
    vpc: vpcsim.Vpc
    igw: vpcsim.InternetGateway
    firewall: vpcsim.Instance
    db: vpcsim.Instance
    db_rt: vpcsim.RouteTable


@pytest.fixture
def guarded() -> Guarded:
    """``db`` (10.0.1.10, an EIP, SG: 5432 from anywhere) in a subnet routing 0.0.0.0/0 straight to the internet
    gateway; ``firewall`` (10.0.0.10, SG: everything, check off) in a public subnet, not yet in line."""
    net = Network(seed=21)
    vpc = net.create_vpc("10.0.0.0/16", name="guarded")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    fw_subnet = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a", name="fw")
    db_subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="db")
    everything = net.create_security_group(vpc, "everything", description="all traffic")
    net.authorize_security_group_ingress(everything, protocol="-1", cidr="0.0.0.0/0")
    postgres = net.create_security_group(vpc, "postgres", description="5432 from anywhere")
    net.authorize_security_group_ingress(postgres, protocol="tcp", ports=5432, cidr="0.0.0.0/0")
    firewall = net.run_instance(fw_subnet, security_groups=[everything], name="firewall", private_ip="10.0.0.10")
    net.modify_instance_attribute(firewall, source_dest_check=False)
    db = net.run_instance(db_subnet, security_groups=[postgres], name="db", private_ip="10.0.1.10")
    net.associate_address(net.allocate_address(name="db-eip"), instance=db)
    tables = []
    for subnet in (fw_subnet, db_subnet):
        table = net.create_route_table(vpc, name=f"{subnet.name}-rt")
        net.create_route(table, "0.0.0.0/0", igw)
        net.associate_route_table(table, subnet)
        tables.append(table)
    return Guarded(net, vpc, igw, firewall, db, tables[1])


def put_firewall_in_line(alt: Network, g: Guarded) -> None:
    """SPEC R7: the IGW's edge table sends the database subnet to the firewall; the subnet's replies go back the
    same way."""
    fw_eni = g.firewall.primary_network_interface.id
    edge = alt.create_route_table(g.vpc.id, name="edge")
    alt.create_route(edge, "10.0.1.0/24", fw_eni)
    alt.associate_route_table(edge, g.igw.id)
    alt.replace_route(g.db_rt.id, "0.0.0.0/0", fw_eni)


# ------------------------------------------------------------------------------------------------------ find_paths


def test_paths_from_the_internet_into_the_demo_network() -> None:
    # SPEC I2, P3: the internet reaches public addresses only, through the IGW, where SGs let it.
    net = demo_network()
    web, bastion = by_name(net.instances, "web"), by_name(net.instances, "bastion")
    admin = web.network_interfaces[1]
    igw = net.internet_gateways[0].id
    paths = net.find_paths(INTERNET, protocol="tcp")
    assert summary(paths) == [
        (f"{web.id} web ({web.public_ip})", "tcp", [(80, 80), (443, 443)], ["0.0.0.0/0"]),
        (f"{web.id} web eth1 ({admin.public_ip})", "tcp", [(443, 443)], ["203.0.113.0/24"]),
        (f"{bastion.id} bastion ({bastion.public_ip})", "tcp", [(22, 22)], ["203.0.113.0/24"]),
    ]
    for path, eni in zip(
        paths, [web.primary_network_interface, admin, bastion.primary_network_interface], strict=True
    ):
        assert path.source == "internet"
        assert path.destinations == [str(eni.public_ip)]
        assert path.components[:2] == ["internet", igw]
        assert eni.id in path.components  # the destination interface is on the path ...
        assert eni.id not in path.through()  # ... but it is an end, not something in between
        assert path.through()[0] == igw
        assert eni.security_groups[0].id in path.through()
        assert path.trace.connected
    # Nothing else is open to the internet: no UDP, ICMP or other protocol path.
    assert summary(net.find_paths(INTERNET)) == summary(paths)
    assert not net.find_paths(INTERNET, "db")


def test_paths_from_the_internet_into_the_seeds_network() -> None:
    # SPEC G1, P2: eth0's SG admits HTTP; eth1's admits nothing, though it has an Elastic IP too.
    seeds = build_seeds()
    paths = seeds.net.find_paths(INTERNET)
    assert summary(paths) == [(f"{seeds.instance.id} ({seeds.eip0.public_ip})", "tcp", [(80, 80)], ["0.0.0.0/0"])]
    assert seeds.sg1.id in paths[0].through()
    assert not seeds.net.find_paths(INTERNET, seeds.eth1)
    # Each path's example is a flow that trace() connects along the path's components.
    src, dst, protocol, port, src_port = paths[0].example
    trace = seeds.net.trace(src, dst, protocol, port, src_port)
    assert trace.connected
    assert trace.hops[0].component == paths[0].components[0]


def test_a_private_instance_reaches_the_internet_through_its_nat_gateway() -> None:
    # SPEC I4, I3: api's IPv4 traffic leaves through nat-a (SNAT) then the IGW; its IPv6 through the egress-only IGW.
    net = demo_network()
    api, nat_a = by_name(net.instances, "api"), by_name(net.nat_gateways, "nat-a")
    igw, eigw = net.internet_gateways[0].id, net.egress_only_internet_gateways[0].id
    via_nat = net.find_paths(api, INTERNET, through="nat-gateway", protocol="tcp", ports=443)
    assert summary(via_nat) == [("internet", "tcp", [(443, 443)], [f"{api.id} api"])]
    path = via_nat[0]
    assert path.destinations == ["0.0.0.0/0"]
    assert path.through().index(nat_a.id) < path.through().index(igw)  # the NAT gateway, then the IGW
    assert eigw not in path.through()
    for spelling in ("AWS::EC2::NatGateway", "nat-a", nat_a.id, nat_a, [nat_a, "internet-gateway"]):
        assert summary(net.find_paths(api, INTERNET, through=spelling, protocol="tcp", ports=443)) == summary(via_nat)
    assert not net.find_paths(api, INTERNET, through="nat-b", protocol="tcp", ports=443)  # the other AZ's
    assert not net.find_paths(api, INTERNET, through=[nat_a, eigw], protocol="tcp", ports=443)  # all of them
    # Excluding NAT gateways leaves the IPv6 path.
    direct = net.find_paths(api, INTERNET, exclude_through="nat-gateway", protocol="tcp", ports=443)
    assert [(p.destinations, eigw in p.through(), nat_a.id in p.through()) for p in direct] == [
        (["::/0"], True, False)
    ]
    both = net.find_paths(api, INTERNET, protocol="tcp", ports=443)
    assert sorted(p.destinations[0] for p in both) == ["0.0.0.0/0", "::/0"]


def test_paths_across_a_peering_connection() -> None:
    # SPEC I5, G2: monitoring (shared VPC) scrapes api over the peering; its SG is named by api's rule.
    net = demo_network()
    monitoring, api = by_name(net.instances, "monitoring"), by_name(net.instances, "api")
    pcx = net.vpc_peering_connections[0].id
    paths = net.find_paths(monitoring, api, through="vpc-peering-connection")
    assert summary(paths) == [
        (f"{api.id} api ({api.private_ip})", "tcp", [(9100, 9100)], [f"{monitoring.id} monitoring"])
    ]
    assert pcx in paths[0].through()
    assert not net.find_paths(monitoring, api, exclude_through=pcx)


def test_an_appliance_on_the_path_is_in_through(guarded: Guarded) -> None:
    # SPEC R7, E5: once in line, the firewall's interface is passed between the internet and db, both ways.
    net, fw_eni = guarded.net, guarded.firewall.primary_network_interface.id
    assert [fw_eni in p.through() for p in net.find_paths(INTERNET, guarded.db)] == [False]
    with net.what_if() as alt:
        put_firewall_in_line(alt, guarded)
        paths = alt.find_paths(INTERNET, guarded.db)
        assert summary(paths) == [
            (f"{guarded.db.id} db ({guarded.db.public_ip})", "tcp", [(5432, 5432)], ["0.0.0.0/0"])
        ]
        assert fw_eni in paths[0].through()
        edge = by_name(alt.route_tables, "edge").id
        assert paths[0].through().index(edge) < paths[0].through().index(fw_eni)
        for through in (guarded.firewall, fw_eni, "firewall", "network-interface", "AWS::EC2::NetworkInterface"):
            assert len(alt.find_paths(INTERNET, guarded.db, through=through)) == 1
        assert not alt.find_paths(INTERNET, guarded.db, exclude_through=guarded.firewall)
    assert not net.find_paths(INTERNET, guarded.db, through=guarded.firewall)


def test_paths_frame_and_html() -> None:
    net = demo_network()
    paths = net.find_paths(INTERNET, protocol="tcp")
    frame = paths.frame()
    assert list(frame.columns) == ["source", "destination", "protocol", "ports", "sources", "destinations", "through",
                                   "components"]  # fmt: skip
    assert frame["ports"].tolist() == [[(80, 80), (443, 443)], [(443, 443)], [(22, 22)]]
    assert repr(paths) == "<Paths: 3>"
    html = paths._repr_html_()
    assert "<table" in html
    assert "203.0.113.0/24" in html
    empty = net.find_paths(INTERNET, "db")
    assert len(empty) == 0
    assert empty.frame().empty
    assert "<table" not in empty._repr_html_()


def test_a_port_filter_matches_only_protocols_with_ports(guarded: Guarded) -> None:
    # The firewall admits every protocol; "port 5432" is TCP or UDP 5432, not GRE.
    net = guarded.net
    net.associate_address(net.allocate_address(), instance=guarded.firewall)
    paths = net.find_paths(INTERNET, guarded.firewall, ports=5432)
    assert sorted(p.protocol for p in paths) == ["tcp", "udp"]


# ------------------------------------------------------------------------------------------------------ check


def test_the_issue_example_as_an_access_scope(guarded: Guarded) -> None:
    # "Nothing from the internet reaches port 5432 except through the firewall": a finding while db is reached
    # directly, none once the what-if puts the firewall in line.
    net, db = guarded.net, guarded.db
    scope = AccessScope(
        match=[PathSpec(source=INTERNET, ports=5432)], exclude=[PathSpec(through=guarded.firewall)], name="pg"
    )
    findings = net.check(scope)
    assert summary(findings) == [(f"{db.id} db ({db.public_ip})", "tcp", [(5432, 5432)], ["0.0.0.0/0"])]
    assert repr(findings) == "<Findings of pg: 1>"
    assert guarded.igw.id in findings[0].through()
    with net.what_if() as alt:
        put_firewall_in_line(alt, guarded)
        assert len(alt.check(scope)) == 0
        assert len(alt.check(AccessScope(match=[PathSpec(source=INTERNET, ports=5432)]))) == 1  # the path is there


def test_the_issue_example_as_network_access_analyzer_json(guarded: Guarded) -> None:
    net, db = guarded.net, guarded.db
    scope = naa_scope(guarded.firewall.id)
    findings = net.check(scope)
    assert [(p.destination, p.protocol, p.ports) for p in findings] == [
        (f"{db.id} db ({db.public_ip})", "tcp", [(5432, 5432)])
    ]
    assert repr(findings) == "<Findings of postgres-through-the-firewall: 1>"
    assert summary(findings) == summary(net.check(AccessScope.from_dict(scope)))
    with net.what_if() as alt:
        put_firewall_in_line(alt, guarded)
        assert not alt.check(scope)
        # Excluding by resource type (any appliance interface) works the same.
        by_type = {**scope, "ExcludePaths": [{"ThroughResources": [
            {"ResourceStatement": {"ResourceTypes": ["AWS::EC2::NetworkInterface"]}}
        ]}]}  # fmt: skip
        assert not alt.check(by_type)
        assert len(net.check(by_type)) == 1


def test_exclude_statements_remove_ports_or_whole_paths() -> None:
    # A finding whose ports an exclude statement covers in part keeps the rest.
    net = demo_network()
    web, bastion = by_name(net.instances, "web"), by_name(net.instances, "bastion")
    admin = web.network_interfaces[1]
    match = [PathSpec(source=INTERNET)]

    def left(*exclude: PathSpec) -> list[tuple[str, list[tuple[int, int]]]]:
        return [(p.destination, p.ports) for p in net.check(AccessScope(match=match, exclude=list(exclude)))]

    web_path = f"{web.id} web ({web.public_ip})"
    admin_path = f"{web.id} web eth1 ({admin.public_ip})"
    bastion_path = f"{bastion.id} bastion ({bastion.public_ip})"
    assert left() == [(web_path, [(80, 80), (443, 443)]), (admin_path, [(443, 443)]), (bastion_path, [(22, 22)])]
    assert left(PathSpec(destination="web", ports=80)) == [
        (web_path, [(443, 443)]), (admin_path, [(443, 443)]), (bastion_path, [(22, 22)]),
    ]  # fmt: skip
    assert left(PathSpec(destination="web", ports=(80, 443))) == [(bastion_path, [(22, 22)])]
    assert left(PathSpec(destination=admin)) == [(web_path, [(80, 80), (443, 443)]), (bastion_path, [(22, 22)])]
    assert left(PathSpec(ports=(0, 100))) == [(web_path, [(443, 443)]), (admin_path, [(443, 443)])]
    assert left(PathSpec(source="203.0.113.0/24")) == [(web_path, [(80, 80), (443, 443)])]
    assert left(PathSpec(protocol="udp")) == left()  # covers nothing: every finding is TCP
    assert left(PathSpec(protocol="tcp")) == []
    assert left(PathSpec(through="internet-gateway")) == []
    # Two statements together: each takes its part.
    assert left(PathSpec(destination="web", ports=443), PathSpec(destination="bastion")) == [(web_path, [(80, 80)])]


def test_a_compliant_network_has_no_findings() -> None:
    # The database is reached from the app tier only (SG and NACL): nothing from the internet or web reaches it.
    net = demo_network()
    db = by_name(net.instances, "db")
    scope = AccessScope(match=[PathSpec(source=INTERNET, destination=db), PathSpec(source="web", destination=db)])
    assert not net.check(scope)
    assert len(net.check(AccessScope(match=[PathSpec(destination=db)]))) == 1  # api's path
    naa = {"MatchPaths": [{"Source": {"ResourceStatement": {"Resources": ["web", "bastion"]}},
                           "Destination": {"ResourceStatement": {"Resources": [db.id]}}}]}  # fmt: skip
    assert not net.check(naa)


@pytest.mark.parametrize(
    ("scope", "named"),
    [
        ({"MatchPaths": [{"Source": FROM_ANYWHERE}], "Scope": 1}, "'Scope'"),
        ({"MatchPaths": [{"Source": FROM_ANYWHERE, "Via": []}]}, "MatchPaths[0]: unknown keys ['Via']"),
        ({"MatchPaths": [{"Source": {"Addresses": ["0.0.0.0/0"]}}]}, "MatchPaths[0].Source: unknown keys"),
        ({"MatchPaths": [{"Source": {"ResourceStatement": {"ResourceTypes": ["AWS::EC2::Bogus"]}}}]},
         "resource type 'AWS::EC2::Bogus'"),
        ({"MatchPaths": [{"Source": FROM_ANYWHERE, "ThroughResources": [
            {"ResourceStatement": {"ResourceTypes": ["AWS::EC2::Nope"]}}]}]}, "ThroughResources: resource type"),
        ({"MatchPaths": [{"Destination": {"PacketHeaderStatement": {"DestinationPorts": ["http"]}}}]}, "'http'"),
        ({"MatchPaths": [{"Destination": {"PacketHeaderStatement": {"DestinationPorts": ["80-"]}}}]}, "'80-'"),
        ({"MatchPaths": [{"Destination": {"PacketHeaderStatement": {"DestinationPorts": ["22", "80"]}}}]},
         "one port or range"),
        ({"MatchPaths": []}, "at least one entry in MatchPaths"),
        ({"ExcludePaths": [{"Source": FROM_ANYWHERE}]}, "MatchPaths"),
        ({"MatchPaths": ["internet"]}, "MatchPaths[0] must be a mapping"),
        ({"MatchPaths": [{"Source": "internet"}]}, "MatchPaths[0].Source must be a mapping"),
        (["MatchPaths"], "got list"),
    ],
)  # fmt: skip
def test_malformed_scopes_are_refused_naming_the_problem(scope: Any, named: str) -> None:
    net = demo_network()
    with pytest.raises(ScopeError) as caught:
        net.check(scope)
    assert named in str(caught.value)
    assert isinstance(caught.value, ValueError)
    with pytest.raises(ScopeError):
        AccessScope.from_dict(scope)


def test_other_bad_input_is_refused_naming_the_value() -> None:
    net = demo_network()
    with pytest.raises(ScopeError, match="takes PathSpec statements"):
        AccessScope(match=["internet"])
    with pytest.raises(ScopeError, match="'firewall-thing'"):
        net.find_paths(INTERNET, "web", through="firewall-thing")
    with pytest.raises(ScopeError, match="i-0123456789abcdef0"):
        net.find_paths(INTERNET, "web", exclude_through="i-0123456789abcdef0")
    with pytest.raises(InvalidEndpointError, match="'nope'"):
        net.find_paths("nope", "web")
    with pytest.raises(InvalidFlowError, match="-1"):
        net.find_paths(INTERNET, "web", protocol=-1)
    with pytest.raises(InvalidFlowError, match="443, 80"):
        net.find_paths(INTERNET, "web", ports=(443, 80))
    port_out_of_range = {"MatchPaths": [{"Destination": {"PacketHeaderStatement": {"DestinationPorts": ["70000"]}}}]}
    with pytest.raises(ValueError, match="70000"):
        net.check(port_out_of_range)


def test_naa_resource_types_name_the_ends() -> None:
    # AWS's own "AWS-IGW-Ingress" scope: every path that enters through an internet gateway.
    net = demo_network()
    igw_ingress = {
        "MatchPaths": [{"Source": {"ResourceStatement": {"ResourceTypes": ["AWS::EC2::InternetGateway"]}}}]
    }
    assert [p.destination for p in net.check(igw_ingress)] == [p.destination for p in net.find_paths(INTERNET)]


def test_naa_ipv4_any_address_is_ipv4_only() -> None:
    net = demo_network()
    to_ipv4_internet = {"MatchPaths": [{
        "Source": {"ResourceStatement": {"Resources": ["web"]}},
        "Destination": {"PacketHeaderStatement": {"DestinationAddresses": ["0.0.0.0/0"], "DestinationPorts": ["443"],
                                                  "Protocols": ["tcp"]}},
    }]}  # fmt: skip
    assert [p.destinations for p in net.check(to_ipv4_internet)] == [["0.0.0.0/0"]]


def test_naa_scope_without_protocols_admits_tcp_and_udp() -> None:
    net = demo_network()
    web_sg = by_name(net.security_groups, "web")
    net.authorize_security_group_ingress(web_sg, protocol="-1", cidr="0.0.0.0/0")
    findings = net.check({"MatchPaths": [{"Source": FROM_ANYWHERE}]})
    assert {p.protocol for p in findings} == {"tcp", "udp"}


# ------------------------------------------------------------------------------------------------------ matrix


def test_matrix_between_subnets() -> None:
    # SPEC G2, R5: a subnet reaches another on a port when any of its instances' interfaces connects to any of the
    # other's; bastion's second ENI sits in app-a (E2).
    net = demo_network()
    matrix = net.reachability_matrix(["public-a", "app-a", "data-a"], ["public-a", "app-a", "data-a"])
    assert matrix.index.tolist() == ["public-a", "app-a", "data-a"]
    assert matrix.columns.tolist() == ["public-a", "app-a", "data-a"]
    assert matrix.to_dict("index") == {
        "public-a": {"public-a": "80, 443", "app-a": "22, 8080", "data-a": ""},
        "app-a": {"public-a": "80, 443", "app-a": "22", "data-a": "5432"},
        "data-a": {"public-a": "", "app-a": "", "data-a": ""},
    }


def test_matrix_between_security_groups_and_tags() -> None:
    net = demo_network()
    sg = {g.group_name: g for g in net.security_groups}
    matrix = net.reachability_matrix([sg["web"], sg["bastion"], sg["monitoring"]], [sg["api"], sg["db"]])
    assert matrix.to_dict("index") == {
        sg["web"].id: {sg["api"].id: "8080", sg["db"].id: ""},
        sg["bastion"].id: {sg["api"].id: "22", sg["db"].id: ""},
        sg["monitoring"].id: {sg["api"].id: "9100", sg["db"].id: ""},
    }
    tagged = net.reachability_matrix([{"Name": "api"}, {"Name": "web"}], [{"Name": "db"}, {"Name": "api"}])
    assert tagged.to_dict("index") == {
        "Name=api": {"Name=db": "5432", "Name=api": ""},
        "Name=web": {"Name=db": "", "Name=api": "8080"},
    }


def test_matrix_from_outside() -> None:
    # SPEC I2: from the internet or a CIDR, instances are reached on their public addresses.
    net = demo_network()
    office = net.reachability_matrix(["203.0.113.0/24"], ["web", "bastion", "api"])
    assert office.to_dict("index") == {"203.0.113.0/24": {"web": "80, 443", "bastion": "22", "api": ""}}
    anyone = net.reachability_matrix([INTERNET], ["web", "bastion"], ports=(0, 1023))
    assert anyone.to_dict("index") == {"internet": {"web": "80, 443", "bastion": "22"}}
    assert net.reachability_matrix([INTERNET], ["web"], protocol="icmp").loc["internet", "web"] == ""


def test_matrix_long_form_and_ports() -> None:
    net = demo_network()
    long = net.reachability_matrix(["web", "api"], ["api", "db"], long=True)
    assert list(long.columns) == ["source", "destination", "protocol", "ports", "reachable"]
    assert long.to_dict("records") == [
        {"source": "web", "destination": "api", "protocol": "tcp", "ports": [(8080, 8080)], "reachable": True},
        {"source": "web", "destination": "db", "protocol": "tcp", "ports": [], "reachable": False},
        {"source": "api", "destination": "api", "protocol": "tcp", "ports": [], "reachable": False},
        {"source": "api", "destination": "db", "protocol": "tcp", "ports": [(5432, 5432)], "reachable": True},
    ]
    one_port = net.reachability_matrix(["web", "api"], ["api", "db"], ports=5432, long=True)
    assert one_port["reachable"].tolist() == [False, False, False, True]
    listed = net.reachability_matrix(["web", "api"], ["api", "db"], ports=[22, 8080], long=True)
    assert listed["ports"].tolist() == [[(8080, 8080)], [], [], []]  # 5432 is not in the list
    wide = net.reachability_matrix(["web", "bastion"], ["api"], ports=[22, 8080])
    assert wide.to_dict("index") == {"web": {"api": "8080"}, "bastion": {"api": "22"}}


def test_matrix_takes_a_list_of_ports() -> None:
    net = demo_network()
    matrix = net.reachability_matrix(["web", "api", "bastion"], ["api", "db"], ports=[22, 5432, 8080])
    assert matrix.to_dict("index") == {
        "web": {"api": "8080", "db": ""}, "api": {"api": "", "db": "5432"}, "bastion": {"api": "22", "db": ""},
    }  # fmt: skip


def test_matrix_with_the_internet_among_the_sources() -> None:
    # From inside, every address of a destination counts (private included), whoever else is in the matrix.
    net = demo_network()
    inside = net.reachability_matrix(["bastion", "api"], ["api", "db"])
    mixed = net.reachability_matrix(["bastion", "api", INTERNET], ["api", "db"])
    assert mixed.loc[["bastion", "api"]].to_dict("index") == inside.to_dict("index")


def test_matrix_bad_input_names_the_value() -> None:
    net = demo_network()
    with pytest.raises(InvalidEndpointError, match="i-0123456789abcdef0"):
        net.reachability_matrix(["i-0123456789abcdef0"], ["web"])
    with pytest.raises(InvalidFlowError, match="70000"):
        net.reachability_matrix(["web"], ["api"], ports=70000)
    with pytest.raises(InvalidFlowError, match="-1"):
        net.reachability_matrix(["web"], ["api"], protocol=-1)
    with pytest.raises(InvalidFlowError, match="300"):
        net.reachability_matrix(["web"], ["api"], protocol="icmp", ports=300)
