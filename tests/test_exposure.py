"""The exact "all packets" questions as a user meets them (issue 5): ``open_ports``, ``exposure`` and
``reachability_matrix`` on the AWS two-ENI walkthrough ("seeds") and the demo network, their errors and their views.

Exactness against brute force over every port, and against ``trace()`` on random networks, is in
tests/test_exposure_exact.py.
"""

from __future__ import annotations

import ipaddress

import pandas as pd
import pytest
from seeds import Seeds, build_seeds

import vpcsim
from vpcsim import INTERNET, InvalidEndpointError, InvalidFlowError, Network
from vpcsim.examples import demo_network
from vpcsim.query.exposure import Exposure

# ------------------------------------------------------------------------------------------------- the networks


@pytest.fixture
def seeds() -> Seeds:
    return build_seeds()


@pytest.fixture
def demo() -> Network:
    return demo_network()


NaclEntry = tuple[int, str, str, str, object]  # (rule number, protocol, action, CIDR, ports or ICMP (type, code))


def replace_nacl(net: Network, subnet: vpcsim.Subnet, inbound: list[NaclEntry], outbound: list[NaclEntry]) -> None:
    """Give ``subnet`` a new custom NACL (deny all, N3) holding exactly these entries."""
    acl = net.create_network_acl(subnet.vpc, name="custom")
    for egress, entries in ((False, inbound), (True, outbound)):
        for number, protocol, action, cidr, ports in entries:
            icmp = protocol == "icmp"
            net.create_network_acl_entry(acl, rule_number=number, egress=egress, protocol=protocol, action=action,
                                         cidr=cidr, ports=None if icmp else ports,
                                         icmp_type_code=ports if icmp else None)  # fmt: skip
    net.replace_network_acl_association(acl, subnet)


ALLOW_ALL: list[NaclEntry] = [(100, "-1", "allow", "0.0.0.0/0", None)]


def summary(exposure: Exposure) -> list[tuple[object, ...]]:
    """The rows as (interface, address, protocol, port_from, port_to, sources)."""
    return [
        (r["network_interface"], r["address"], r["protocol"], r["port_from"], r["port_to"], r["sources"])
        for r in exposure.rows
    ]


def instance(net: Network, name: str) -> vpcsim.Instance:
    (found,) = [i for i in net.instances if i.name == name]
    return found


def group(net: Network, name: str) -> vpcsim.SecurityGroup:
    (found,) = [g for g in net.security_groups if g.group_name == name]
    return found


# ------------------------------------------------------------------------------------------------- seeds


def test_second_eni_with_an_empty_inbound_group_exposes_nothing(seeds: Seeds) -> None:
    # SPEC G1, G3: my-sg-2 has no inbound rule, so nothing reaches eth1, on any address, protocol or port.
    exposed = seeds.net.exposure()
    assert seeds.eth1.id not in exposed.network_interfaces
    assert not [r for r in exposed.rows if r["network_interface"] == seeds.eth1.id]
    for protocol in ("tcp", "udp", "icmp"):
        assert seeds.net.open_ports(seeds.eth1, protocol=protocol) == []
        assert seeds.net.open_ports(seeds.eth1, protocol=protocol, connected=False) == []
    assert seeds.net.exposure(source=seeds.eth0).ports(seeds.eth1.id, "tcp") == []


def test_eth0_exposes_exactly_http_from_anywhere_on_its_elastic_ip(seeds: Seeds) -> None:
    # SPEC G1, P3, I2: the internet reaches eth0 only on its EIP (the IGW maps it), only on tcp 80.
    exposed = seeds.net.exposure()
    assert exposed.rows == [{
        "network_interface": seeds.eth0.id,
        "instance": seeds.instance.id,
        "address": str(seeds.eip0.public_ip),
        "protocol": "tcp",
        "port_from": 80,
        "port_to": 80,
        "sources": ["0.0.0.0/0"],
        "source": "internet",
    }]  # fmt: skip
    assert exposed.network_interfaces == [seeds.eth0.id]
    assert exposed.ports(seeds.eth0.id) == [(80, 80)]
    assert exposed.ports(seeds.eth0.id, "udp") == []
    assert len(exposed) == 1
    assert bool(exposed)
    assert list(exposed) == exposed.rows


def test_open_ports_of_the_instance_from_the_internet(seeds: Seeds) -> None:
    # SPEC I2, G1: reached on eth0's EIP, tcp 80 only; nothing over UDP or ICMP (no rule admits them).
    net = seeds.net
    assert net.open_ports(seeds.instance) == [(80, 80)]
    assert net.open_ports(seeds.instance.id, INTERNET, "tcp") == [(80, 80)]
    assert net.open_ports(seeds.eth0) == [(80, 80)]
    assert net.open_ports(str(seeds.eip0.public_ip)) == [(80, 80)]
    assert net.open_ports(seeds.instance, protocol="udp") == []
    assert net.open_ports(seeds.instance, protocol="icmp") == []
    assert net.open_ports(seeds.instance, protocol=6) == [(80, 80)]


def test_open_ports_from_a_cidr_outside_the_vpc(seeds: Seeds) -> None:
    # SPEC G1: 0.0.0.0/0 admits every internet host, so any block of them reaches tcp 80.
    assert seeds.net.open_ports(seeds.instance, source="198.51.100.0/24") == [(80, 80)]
    assert seeds.net.open_ports(seeds.instance, source="198.51.100.7/32") == [(80, 80)]


def test_open_ports_from_one_internet_host(seeds: Seeds) -> None:
    # SPEC G1, G2: one internet host is a source like its /32 (.notes/bug-internet-host-source.py, fixed).
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=22, cidr="203.0.113.0/24")
    office, other = vpcsim.internet("203.0.113.77"), vpcsim.internet("198.51.100.7")
    assert net.open_ports(seeds.instance, source=office) == [(22, 22), (80, 80)]
    assert net.open_ports(seeds.instance, source=other) == [(80, 80)]
    assert net.exposure(source=other).ports(seeds.eth0.id) == [(80, 80)]
    assert summary(net.exposure(source=office, ports=22)) == [
        (seeds.eth0.id, str(seeds.eip0.public_ip), "tcp", 22, 22, ["203.0.113.77/32"])
    ]


def test_instance_from_inside_is_reached_on_its_private_address(seeds: Seeds) -> None:
    # SPEC R5, G1: eth1 -> eth0 is inside the subnet; the source is eth1's private IP, which 0.0.0.0/0 covers.
    exposed = seeds.net.exposure(source=seeds.eth1)
    assert (seeds.eth0.id, "10.0.1.10", "tcp", 80, 80, ["10.0.1.11/32"]) in summary(exposed)
    assert exposed.network_interfaces == [seeds.eth0.id]


def test_a_nacl_deny_inside_an_allowed_range_splits_it(seeds: Seeds) -> None:
    # SPEC N1: rule 100 (deny 1500) is evaluated before rule 200 (allow 1000-2000), whatever the input order.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=(1000, 2000), cidr="0.0.0.0/0")
    inbound: list[NaclEntry] = [
        (200, "tcp", "allow", "0.0.0.0/0", (1000, 2000)),
        (100, "tcp", "deny", "0.0.0.0/0", 1500),
    ]
    replace_nacl(net, seeds.subnet, inbound, ALLOW_ALL)
    assert net.open_ports(seeds.instance) == [(1000, 1499), (1501, 2000)]
    address = str(seeds.eip0.public_ip)
    assert summary(net.exposure()) == [
        (seeds.eth0.id, address, "tcp", 1000, 1499, ["0.0.0.0/0"]),
        (seeds.eth0.id, address, "tcp", 1501, 2000, ["0.0.0.0/0"]),
    ]
    assert not net.reachable(INTERNET, seeds.instance, "tcp", 1500)
    assert net.reachable(INTERNET, seeds.instance, "tcp", 1501)


def test_security_group_rule_from_a_24_names_that_24(seeds: Seeds) -> None:
    # SPEC G1, G2: only 203.0.113.0/24 gets tcp 22; the row says so.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=22, cidr="203.0.113.0/24")
    address = str(seeds.eip0.public_ip)
    assert summary(net.exposure()) == [
        (seeds.eth0.id, address, "tcp", 22, 22, ["203.0.113.0/24"]),
        (seeds.eth0.id, address, "tcp", 80, 80, ["0.0.0.0/0"]),
    ]
    assert net.open_ports(seeds.instance) == [(22, 22), (80, 80)]
    assert net.open_ports(seeds.instance, source="203.0.113.128/25") == [(22, 22), (80, 80)]
    assert net.open_ports(seeds.instance, source="198.51.100.0/24") == [(80, 80)]


def test_a_nacl_deny_for_part_of_the_sources_splits_the_sources(seeds: Seeds) -> None:
    # SPEC N1, G1: the SG admits the /24, the NACL denies its upper half: the row keeps the lower /25.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=22, cidr="203.0.113.0/24")
    replace_nacl(net, seeds.subnet, [(10, "tcp", "deny", "203.0.113.128/25", 22), *ALLOW_ALL], ALLOW_ALL)
    rows = summary(net.exposure(protocols="tcp", ports=22))
    assert rows == [(seeds.eth0.id, str(seeds.eip0.public_ip), "tcp", 22, 22, ["203.0.113.0/25"])]
    assert net.open_ports(seeds.instance, source="203.0.113.128/25") == [(80, 80)]


def test_udp_service_from_a_block(seeds: Seeds) -> None:
    # SPEC G1, G4: a UDP rule admits the request; the reply is tracked; TCP is unchanged.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="udp", ports=(5000, 5010), cidr="198.51.100.0/24")
    assert net.open_ports(seeds.instance, protocol="udp") == [(5000, 5010)]
    assert net.open_ports(seeds.instance, source="203.0.113.0/24", protocol="udp") == []
    assert net.open_ports(seeds.instance) == [(80, 80)]
    rows = summary(net.exposure(protocols=["udp"]))
    assert rows == [(seeds.eth0.id, str(seeds.eip0.public_ip), "udp", 5000, 5010, ["198.51.100.0/24"])]


def test_icmp_echo_request_is_type_8(seeds: Seeds) -> None:
    # SPEC G1, G4: an ICMP rule for type 8 (any code) admits echo requests; ICMP is tracked, the echo reply returns.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="icmp", ports=(8, -1), cidr="0.0.0.0/0")
    assert net.open_ports(seeds.instance, protocol="icmp") == [(8, 8)]
    assert net.open_ports(seeds.instance, protocol=1) == [(8, 8)]
    rows = summary(net.exposure(protocols="icmp"))
    assert rows == [(seeds.eth0.id, str(seeds.eip0.public_ip), "icmp", 8, 8, ["0.0.0.0/0"])]
    assert net.exposure().ports(seeds.eth0.id, "icmp") == [(8, 8)]


def test_icmp_any_type_opens_every_type(seeds: Seeds) -> None:
    # SPEC G1, N5: type -1 is any type; open_ports over ICMP lists types 0..255.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="icmp", ports=(-1, -1), cidr="0.0.0.0/0")
    assert net.open_ports(seeds.instance, protocol="icmp", connected=False) == [(0, 255)]
    # Types without a reply (3, 14...) count as connected once delivered, as in trace().
    assert net.open_ports(seeds.instance, protocol="icmp") == [(0, 255)]
    assert net.trace(INTERNET, seeds.instance, "icmp", 3).connected


def test_nacl_blocking_replies_closes_a_port_that_the_request_reaches(seeds: Seeds) -> None:
    # SPEC N4: the reply goes to the client's ephemeral port 32768; an egress rule ending at 32767 drops it.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg1, protocol="icmp", ports=(8, -1), cidr="0.0.0.0/0")
    replace_nacl(net, seeds.subnet, ALLOW_ALL, [(100, "tcp", "allow", "0.0.0.0/0", (1024, 32767))])
    assert net.open_ports(seeds.instance) == []
    assert net.open_ports(seeds.instance, connected=False) == [(80, 80)]
    # The echo reply is not TCP: the NACL drops it too.
    assert net.open_ports(seeds.instance, protocol="icmp") == []
    assert net.open_ports(seeds.instance, protocol="icmp", connected=False) == [(8, 8)]
    assert not net.exposure()
    assert summary(net.exposure(connected=False)) == [
        (seeds.eth0.id, str(seeds.eip0.public_ip), "icmp", 8, 8, ["0.0.0.0/0"]),
        (seeds.eth0.id, str(seeds.eip0.public_ip), "tcp", 80, 80, ["0.0.0.0/0"]),
    ]


def test_any_source_port_opens_what_the_default_ephemeral_port_does_not(seeds: Seeds) -> None:
    # SPEC N4: with replies allowed to 1024-32767 only, a client on a source port there connects; 32768 does not.
    net = seeds.net
    replace_nacl(net, seeds.subnet, ALLOW_ALL, [(100, "tcp", "allow", "0.0.0.0/0", (1024, 32767))])
    assert net.open_ports(seeds.instance) == []
    assert net.open_ports(seeds.instance, src_port=(0, 65535)) == [(80, 80)]
    assert net.open_ports(seeds.instance, src_port=2000) == [(80, 80)]
    assert net.open_ports(seeds.instance, src_port=32768) == []
    assert net.open_ports(seeds.instance, src_port=(32768, 65535)) == []
    assert net.open_ports(seeds.instance, src_port=(32767, 65535)) == [(80, 80)]
    assert net.exposure(src_port=(0, 65535)).ports(seeds.eth0.id) == [(80, 80)]
    assert net.trace(INTERNET, seeds.instance, "tcp", 80, 2000).connected


def test_a_name_tag_destination_is_the_instance(seeds: Seeds) -> None:
    # As trace(): from outside an instance (by object, id or Name tag) is reached on its primary ENI's public IP
    # (.notes/bug-name-tag-destination.py, fixed).
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg2, protocol="tcp", ports=8443, cidr="0.0.0.0/0")
    instance = net.run_instance(seeds.subnet, instance_type="t2.micro", security_groups=[seeds.sg1], name="srv")
    eth1 = net.create_network_interface(seeds.subnet, security_groups=[seeds.sg2])
    net.attach_network_interface(eth1, instance, device_index=1)
    net.associate_address(net.allocate_address(), network_interface=instance.primary_network_interface)
    net.associate_address(net.allocate_address(), network_interface=eth1)
    assert not net.reachable(INTERNET, "srv", "tcp", 8443)
    assert net.open_ports(instance.id) == [(80, 80)]
    assert net.open_ports("srv") == net.open_ports(instance.id)


def test_more_sources_never_close_a_port(demo: Network) -> None:
    # A port is open when some host of the source connects: a list of sources opens the union
    # (.notes/bug-open-ports-mixed-sources.py, fixed).
    bastion = instance(demo, "bastion")
    assert demo.open_ports(bastion.id) == [(22, 22)]
    assert demo.open_ports(bastion.id, source=[INTERNET, "monitoring"]) == [(22, 22)]


# ------------------------------------------------------------------------------------------------- demo network


def test_demo_exposure_to_the_internet(demo: Network) -> None:
    # SPEC G1, I2, P2: web serves 80 and 443 to all on its EIP, its admin ENI 443 to the office on a second EIP,
    # bastion SSH to the office; nothing else (api and db are private, NAT gateways refuse unsolicited inbound).
    web, bastion = instance(demo, "web"), instance(demo, "bastion")
    eth0, admin = web.network_interfaces
    assert summary(demo.exposure()) == [
        (eth0.id, str(eth0.public_ip), "tcp", 80, 80, ["0.0.0.0/0"]),
        (eth0.id, str(eth0.public_ip), "tcp", 443, 443, ["0.0.0.0/0"]),
        (admin.id, str(admin.public_ip), "tcp", 443, 443, ["203.0.113.0/24"]),
        (bastion.primary_network_interface.id, str(bastion.public_ip), "tcp", 22, 22, ["203.0.113.0/24"]),
    ]
    assert [r["instance"] for r in demo.exposure().rows] == [web.id, web.id, web.id, bastion.id]
    assert demo.open_ports("web") == [(80, 80), (443, 443)]
    assert demo.open_ports("bastion") == [(22, 22)]
    assert demo.open_ports("bastion", source="198.51.100.0/24") == []
    for name in ("api", "db", "monitoring"):
        assert demo.open_ports(name) == []
    for nat in demo.nat_gateways:
        assert demo.open_ports(nat.id) == [], "SPEC I4: unsolicited inbound is dropped at a NAT gateway"


def test_demo_exposure_from_a_subnet_includes_internal_reachability(demo: Network) -> None:
    # SPEC G2, N1, I5: from app-a (api and bastion's second ENI) web is reached privately and on its EIP (through
    # the NAT gateway), db on 5432 from api only (its SG and the data NACL), api on 22 from bastion's ENI.
    web, api, db, bastion = (instance(demo, n) for n in ("web", "api", "db", "bastion"))
    api_ip = str(api.private_ip)
    bastion_eth1 = bastion.network_interfaces[1]
    rows = summary(demo.exposure(source="app-a"))
    both = sorted([f"{api_ip}/32", f"{bastion_eth1.private_ip}/32"])
    both = [str(n) for n in ipaddress.collapse_addresses(ipaddress.ip_network(b) for b in both)]
    eth0 = web.primary_network_interface
    assert rows == [
        (eth0.id, str(eth0.private_ip), "tcp", 80, 80, both),
        (eth0.id, str(eth0.private_ip), "tcp", 443, 443, both),
        (eth0.id, str(eth0.public_ip), "tcp", 80, 80, both),
        (eth0.id, str(eth0.public_ip), "tcp", 443, 443, both),
        (api.primary_network_interface.id, api_ip, "tcp", 22, 22, [f"{bastion_eth1.private_ip}/32"]),
        (db.primary_network_interface.id, str(db.private_ip), "tcp", 5432, 5432, [f"{api_ip}/32"]),
    ]
    assert demo.open_ports("db", source="app-a") == [(5432, 5432)]
    assert demo.open_ports("db", source="public-a") == []
    assert demo.open_ports("api", source="monitoring") == [(9100, 9100)]
    assert demo.open_ports("api", source="web") == [(8080, 8080)]


def test_demo_exposure_from_one_instance_is_a_subset_of_its_subnet(demo: Network) -> None:
    # G1: the union over a subnet's hosts holds each host's answer.
    subnet = {(r[0], r[1], r[2], r[3], r[4]) for r in summary(demo.exposure(source="app-a"))}
    alone = {(r[0], r[1], r[2], r[3], r[4]) for r in summary(demo.exposure(source="api"))}
    assert alone
    assert alone <= subnet
    assert {r["source"] for r in demo.exposure(source="api").rows} == {f"{instance(demo, 'api').id} api"}


def test_demo_reachability_matrix_between_subnets(demo: Network) -> None:
    # SPEC G2, N1, N4, I5, R2: SG references, the data NACL (5432 from app-a only, replies to app-a only),
    # peering routes only between app-a and tools-a.
    subnets = ["public-a", "app-a", "data-a", "tools-a"]
    matrix = demo.reachability_matrix(subnets, subnets)
    expected = pd.DataFrame(
        [
            ["80, 443", "22, 8080", "", ""],
            ["80, 443", "22", "5432", ""],
            ["", "", "", ""],
            ["", "9100", "", ""],
        ],
        index=pd.Index(subnets, name="source"),
        columns=pd.Index(subnets, name="destination"),
    )
    pd.testing.assert_frame_equal(matrix, expected)


def test_demo_reachability_matrix_between_groups_and_tags(demo: Network) -> None:
    # SPEC G2: an SG reference admits the members of the referenced group; a tag filter sends from the primary ENI.
    web_sg, api_sg, db_sg = (group(demo, n) for n in ("web", "api", "db"))
    matrix = demo.reachability_matrix([web_sg, api_sg, {"Name": "bastion"}], [api_sg, db_sg])
    assert list(matrix.index) == [web_sg.id, api_sg.id, "Name=bastion"]
    assert list(matrix.columns) == [api_sg.id, db_sg.id]
    assert matrix.to_dict("index") == {
        web_sg.id: {api_sg.id: "8080", db_sg.id: ""},
        api_sg.id: {api_sg.id: "", db_sg.id: "5432"},
        "Name=bastion": {api_sg.id: "22", db_sg.id: ""},
    }


def test_demo_reachability_matrix_long_form(demo: Network) -> None:
    # SPEC G2, I5: one row per pair, the port ranges as a list.
    frame = demo.reachability_matrix(["app-a", "tools-a"], ["data-a", "app-a"], long=True)
    assert list(frame.columns) == ["source", "destination", "protocol", "ports", "reachable"]
    assert frame.to_dict("records") == [
        {"source": "app-a", "destination": "data-a", "protocol": "tcp", "ports": [(5432, 5432)], "reachable": True},
        {"source": "app-a", "destination": "app-a", "protocol": "tcp", "ports": [(22, 22)], "reachable": True},
        {"source": "tools-a", "destination": "data-a", "protocol": "tcp", "ports": [], "reachable": False},
        {"source": "tools-a", "destination": "app-a", "protocol": "tcp", "ports": [(9100, 9100)], "reachable": True},
    ]


def test_demo_reachability_matrix_restricted_ports(demo: Network) -> None:
    # SPEC N1, G1: a port or a range limits the answer; connected=False counts the request alone.
    assert demo.reachability_matrix(["app-a"], ["data-a"], ports=5432).loc["app-a", "data-a"] == "5432"
    assert demo.reachability_matrix(["app-a"], ["data-a"], ports=(1, 1024)).loc["app-a", "data-a"] == ""
    assert demo.reachability_matrix(["public-a"], ["app-a"], ports=(20, 8000)).loc["public-a", "app-a"] == "22"
    web_to_db = demo.reachability_matrix(["web"], ["data-a"], ports=5432, connected=False)
    assert web_to_db.loc["web", "data-a"] == ""


def test_demo_reachability_matrix_list_of_ports(demo: Network) -> None:
    # The docstring: ports is None, a port, a (lo, hi) range or a list of ports (.notes/bug-matrix-port-list.py,
    # fixed).
    matrix = demo.reachability_matrix(["app-a", "public-a"], ["data-a", "app-a"], ports=[22, 5432, 8080])
    assert matrix.to_dict("index") == {
        "app-a": {"data-a": "5432", "app-a": "22"},
        "public-a": {"data-a": "", "app-a": "22, 8080"},
    }
    unsorted = demo.reachability_matrix(["app-a"], ["data-a", "app-a"], ports=[5432, 22])
    assert unsorted.to_dict("index") == {"app-a": {"data-a": "5432", "app-a": "22"}}
    listed = demo.reachability_matrix(["app-a"], ["data-a"], ports=[22, 5432], long=True)
    assert listed["ports"].tolist() == [[(5432, 5432)]]


def test_demo_reachability_matrix_cell_does_not_depend_on_other_rows(demo: Network) -> None:
    # Each cell answers for its own pair of groups: adding the internet as a row leaves app-a's row alone
    # (.notes/bug-matrix-mixed-sources.py, fixed).
    alone = demo.reachability_matrix(["app-a"], ["data-a", "public-a"])
    with_internet = demo.reachability_matrix([INTERNET, "app-a"], ["data-a", "public-a"])
    assert with_internet.loc["internet"].to_dict() == {"data-a": "", "public-a": "22, 80, 443"}
    assert alone.loc["app-a"].to_dict() == {"data-a": "5432", "public-a": "80, 443"}
    assert with_internet.loc["app-a"].to_dict() == alone.loc["app-a"].to_dict()


# ------------------------------------------------------------------------------------------------- bad input

UNKNOWN = "i-0123456789abcdef0"


@pytest.mark.parametrize(
    ("call", "error", "named"),
    [
        (lambda s: s.net.open_ports(UNKNOWN), InvalidEndpointError, UNKNOWN),
        (lambda s: s.net.open_ports(s.instance, source=UNKNOWN), InvalidEndpointError, UNKNOWN),
        (lambda s: s.net.exposure(source="sg-0123456789abcdef0"), InvalidEndpointError, "sg-0123456789abcdef0"),
        (lambda s: s.net.exposure(destinations="no-such-name"), InvalidEndpointError, "no-such-name"),
        (lambda s: s.net.reachability_matrix([UNKNOWN], [s.instance]), InvalidEndpointError, UNKNOWN),
        (lambda s: s.net.open_ports(s.instance, source="198.51.100.0/33"), InvalidEndpointError, "198.51.100.0/33"),
        (lambda s: s.net.open_ports(s.instance, source="300.1.2.0/24"), InvalidEndpointError, "300.1.2.0/24"),
        (lambda s: s.net.exposure(source="198.51.100.0/33"), InvalidEndpointError, "198.51.100.0/33"),
        (lambda s: s.net.exposure(ports=70000), InvalidFlowError, "70000"),
        (lambda s: s.net.exposure(ports=(0, 70000)), InvalidFlowError, "70000"),
        (lambda s: s.net.open_ports(s.instance, src_port=70000), InvalidFlowError, "70000"),
        (lambda s: s.net.exposure(src_port=(2000, 1000)), InvalidFlowError, "(2000, 1000)"),
        (lambda s: s.net.reachability_matrix([INTERNET], [s.instance], ports=70000), InvalidFlowError, "70000"),
        (lambda s: s.net.open_ports(s.instance, protocol="tpc"), InvalidFlowError, "tpc"),
        (lambda s: s.net.exposure(protocols=["tcp", "tpc"]), InvalidFlowError, "tpc"),
        (lambda s: s.net.reachability_matrix([INTERNET], [s.instance], protocol="tpc"), InvalidFlowError, "tpc"),
        (lambda s: s.net.open_ports(s.instance, protocol=-1), InvalidFlowError, "-1"),
        (lambda s: s.net.open_ports(s.instance, protocol="-1"), InvalidFlowError, "-1"),
        (lambda s: s.net.exposure(protocols=-1), InvalidFlowError, "-1"),
        (lambda s: s.net.open_ports(s.instance, protocol=300), InvalidFlowError, "300"),
        (lambda s: s.net.open_ports(s.instance, protocol=47), InvalidFlowError, "47"),
        (lambda s: s.net.open_ports(s.instance, source="10.0.1.0/24"), InvalidEndpointError, "10.0.1.0/24"),
        (lambda s: s.net.open_ports(s.instance, source="10.0.0.0/8"), InvalidEndpointError, "10.0.0.0/8"),
        (lambda s: s.net.exposure(source="10.0.1.0/24"), InvalidEndpointError, "10.0.1.0/24"),
        (lambda s: s.net.exposure(source=s.vpc), InvalidEndpointError, "Vpc"),
        (lambda s: s.net.exposure(source=s.igw), InvalidEndpointError, "InternetGateway"),
        (lambda s: s.net.open_ports("198.51.100.9"), InvalidEndpointError, "198.51.100.9"),
    ],
    ids=[
        "unknown-destination", "unknown-source", "unknown-group", "unknown-name", "matrix-unknown",
        "cidr-prefix-33", "cidr-octet-300", "exposure-cidr-33", "port-70000", "range-to-70000",
        "src-port-70000", "src-port-reversed", "matrix-port-70000", "protocol-tpc", "exposure-protocol-tpc",
        "matrix-protocol-tpc", "protocol-minus-1", "protocol-minus-1-text", "exposure-protocol-minus-1",
        "protocol-300", "protocol-without-ports", "cidr-of-a-subnet", "cidr-holding-the-vpc",
        "exposure-cidr-of-a-subnet", "vpc-source", "igw-source", "destination-held-by-no-eni",
    ],
)  # fmt: skip
def test_bad_input_is_a_clear_error(seeds: Seeds, call: object, error: type[Exception], named: str) -> None:
    # SPEC X: an invalid question is an exception (a ValueError) naming the value; nothing changes.
    assert callable(call)
    version = seeds.net.version
    with pytest.raises(error) as raised:
        call(seeds)
    assert isinstance(raised.value, ValueError)
    assert named in str(raised.value)
    assert seeds.net.version == version


# ------------------------------------------------------------------------------------------------- views


def test_frame_columns_and_dtypes(demo: Network) -> None:
    frame = demo.exposure().frame()
    assert list(frame.columns) == [
        "network_interface", "instance", "address", "protocol", "port_from", "port_to", "sources", "source",
    ]  # fmt: skip
    assert str(frame["port_from"].dtype) == "Int64"
    assert str(frame["port_to"].dtype) == "Int64"
    assert frame["sources"].map(type).eq(list).all()
    assert frame.loc[0, ["protocol", "port_from", "port_to"]].tolist() == ["tcp", 80, 80]


def test_frame_of_protocols_without_ports_holds_missing_values(seeds: Seeds) -> None:
    # SPEC G1: an all-traffic rule admits every protocol; those no rule names are one "other" class, without ports.
    net = seeds.net
    net.authorize_security_group_ingress(seeds.sg2, protocol="-1", cidr="10.0.0.0/16")
    exposed = net.exposure(source=seeds.eth0)
    frame = exposed.frame()
    other = frame[frame["protocol"] == "other"]
    assert len(other) == 1
    assert other["port_from"].isna().all()
    assert other["port_to"].isna().all()
    assert other["network_interface"].tolist() == [seeds.eth1.id]
    assert exposed.ports(seeds.eth1.id, "tcp") == [(0, 65535)]
    assert exposed.ports(seeds.eth1.id, "udp") == [(0, 65535)]
    assert exposed.ports(seeds.eth1.id, "icmp") == [(0, 255)]
    assert str(frame["port_from"].dtype) == "Int64"
    assert net.reachable(seeds.eth0, str(seeds.eth1.private_ip), 47)


def test_empty_exposure_frame_keeps_its_columns(seeds: Seeds) -> None:
    exposed = seeds.net.exposure(protocols="udp")
    assert len(exposed) == 0
    assert not exposed
    frame = exposed.frame()
    assert frame.empty
    assert "port_from" in frame.columns
    assert str(frame["port_from"].dtype) == "Int64"
    assert "Nothing is reachable" in exposed._repr_html_()


def test_repr_html_shows_the_table(demo: Network) -> None:
    exposed = demo.exposure()
    page = exposed._repr_html_()
    assert "<table" in page
    assert "Exposure from internet" in page
    for row in exposed.rows:
        assert row["network_interface"] in page
        assert row["address"] in page
        assert ", ".join(row["sources"]) in page
    assert "203.0.113.0/24" in page
    assert repr(exposed).startswith("<Exposure from internet: 3 interfaces, 4 rows")


def test_open_ports_to_an_elastic_ip_as_trace_reaches_it() -> None:
    net = demo_network()
    office = vpcsim.internet("203.0.113.10")
    eip = next(e for e in net.elastic_ips if e.name == "web-admin-eip")
    by_address = net.open_ports(str(eip.public_ip), source=office)
    assert by_address == [(443, 443)]
    for dst in (eip, eip.id, "web-admin-eip"):
        assert net.open_ports(dst, source=office) == by_address
    spare = net.allocate_address()
    with pytest.raises(InvalidEndpointError, match="is not associated"):
        net.open_ports(spare, source=office)
