"""The assert helpers for network designs (issue 9, item 2): ``assert_reachable``, ``assert_unreachable``,
``assert_no_exposure`` and ``assert_only_paths`` in :mod:`vpcsim.testing`.

They pass on true claims and fail with an ``AssertionError`` whose message lists each offending flow or path (ends,
protocol, port, verdict, the component and rule that decided) and tells the first ones hop by hop; pytest's report
shows the caller's line, not the helpers' internals (``__tracebackhide__``).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from vpcsim import INTERNET, FlowBatch, Network, PathSpec, internet
from vpcsim.examples import demo_network, private_api_behind_nlb
from vpcsim.testing import assert_no_exposure, assert_only_paths, assert_reachable, assert_unreachable

pytest_plugins = ["pytester"]


def named(net: Network, name: str) -> Any:
    """The one instance, network ACL or internet gateway with that Name tag, or load balancer with that name."""
    tagged = [r for r in (*net.instances, *net.network_acls, *net.internet_gateways) if r.name == name]
    (found,) = tagged + [lb for lb in net.load_balancers if lb.lb_name == name]
    return found


@pytest.fixture(scope="module")
def demo() -> Network:
    """The three-tier demo; the tests only read it (edits go to what_if() copies)."""
    return demo_network()


@pytest.fixture(scope="module")
def nlb() -> Network:
    return private_api_behind_nlb()


def failure(helper: object, *args: object, **kwargs: object) -> str:
    """The message of the AssertionError the helper raises."""
    with pytest.raises(AssertionError) as raised:
        helper(*args, **kwargs)  # type: ignore[operator]
    return str(raised.value)


def public_web() -> Network:
    """One public instance ``web`` whose group opens TCP 80-81 to the world."""
    net = Network(seed=3)
    vpc = net.create_vpc("10.0.0.0/16")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", map_public_ip_on_launch=True)
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    group = net.create_security_group(vpc, "web", description="HTTP on 80 and 81")
    net.authorize_security_group_ingress(group, protocol="tcp", ports=(80, 81), cidr="0.0.0.0/0")
    net.run_instance(subnet, instance_type="t3.micro", security_groups=[group], name="web")
    return net


# ------------------------------------------------------------------------------- reachable, unreachable


def test_true_claims_pass(demo: Network) -> None:
    assert_reachable(demo, ["web", "api"], INTERNET, "tcp", [80, 443])
    assert_reachable(demo, "api", "db", "tcp", 5432)
    assert_reachable(demo, "monitoring", "api", "tcp", 9100)  # across the peering
    assert_unreachable(demo, INTERNET, ["api", "db"], "tcp", [22, 5432, 8080])
    assert_unreachable(demo, "web", "db", ["tcp", "udp"], 5432)


def test_reachable_lists_every_flow_of_the_product_that_does_not_connect(demo: Network) -> None:
    acl = named(demo, "data-acl").id
    message = failure(assert_reachable, demo, ["web", "api"], "db", "tcp", [5432, 22])
    head, *rest = message.splitlines()
    assert head == "3 of 4 flows do not connect (expected every flow to connect):"
    assert rest[:3] == [
        f"  web -> db tcp 5432: DENIED_IN SUBNET_ACL_RESTRICTION at nacl-ingress {acl} rule 32767",
        f"  web -> db tcp 22: DENIED_IN SUBNET_ACL_RESTRICTION at nacl-ingress {acl} rule 32767",
        f"  api -> db tcp 22: DENIED_IN SUBNET_ACL_RESTRICTION at nacl-ingress {acl} rule 32767",
    ]
    # hop by hop, the offending flows' own traces (flows 0, 1 and 3 of the product)
    for index, port, src in ((0, 5432, "web"), (1, 22, "web"), (3, 22, "api")):
        assert f"\nTrace of flow {index}:\n{demo.trace(src, 'db', 'tcp', port)}" in message
    assert "Trace of flow 2" not in message


def test_unreachable_lists_the_flows_that_connect_with_their_traces(demo: Network) -> None:
    message = failure(assert_unreachable, demo, "api", "db", "tcp", [5432, 5433])
    assert message.splitlines()[:2] == [
        "1 of 2 flows connect (expected every flow to be blocked):",
        "  api -> db tcp 5432: ACCEPTED",
    ]
    trace = str(demo.trace("api", "db", "tcp", 5432))
    assert f"\nTrace of flow 0:\n{trace}" in message
    db_group = named(demo, "db").primary_network_interface.security_groups[0].id
    assert re.search(rf"security-group-ingress +{db_group} +ALLOW rule sgr-\w+: tcp 5432-5432 from sg-", trace)


def test_a_flow_whose_reply_is_dropped_is_listed_with_where_the_reply_died(demo: Network) -> None:
    acl = named(demo, "data-acl")
    with demo.what_if() as alt:
        alt.delete_network_acl_entry(acl.id, rule_number=100, egress=True)  # N4: the replies meet the * rule
        message = failure(assert_reachable, alt, "api", "db", "tcp", 5432)
    assert message.splitlines()[1] == (
        f"  api -> db tcp 5432: delivered, reply DENIED_OUT SUBNET_ACL_RESTRICTION at nacl-egress {acl.id} rule 32767"
    )


def test_many_offending_flows_are_counted_and_the_first_three_traced(demo: Network) -> None:
    message = failure(assert_reachable, demo, "web", "db", "tcp", list(range(1000, 1030)))
    lines = message.splitlines()
    assert lines[0] == "30 of 30 flows do not connect (expected every flow to connect):"
    assert [line.split(":")[0] for line in lines[1:21]] == [f"  web -> db tcp {p}" for p in range(1000, 1020)]
    assert lines[21] == "  ... and 10 more"
    assert re.findall(r"Trace of flow (\d+):", message) == ["0", "1", "2"]


def test_a_flow_batch_is_the_flows(demo: Network) -> None:
    batch = FlowBatch.from_product(["web"], ["db", "api"], ports=[8080])
    assert_reachable(demo, FlowBatch.from_product(["web"], ["api"], ports=[8080]))
    assert failure(assert_reachable, demo, batch).splitlines()[:2] == [
        "1 of 2 flows do not connect (expected every flow to connect):",
        f"  web -> db tcp 8080: DENIED_IN SUBNET_ACL_RESTRICTION at nacl-ingress {named(demo, 'data-acl').id} "
        "rule 32767",
    ]
    unreachable = failure(assert_unreachable, demo, batch)
    assert unreachable.splitlines()[1] == "  web -> api tcp 8080: ACCEPTED"
    assert "Trace of flow 1:" in unreachable
    with pytest.raises(TypeError, match="Give a FlowBatch alone, or sources and destinations, not both"):
        assert_reachable(demo, batch, "db")
    with pytest.raises(TypeError, match=r"Give the destinations \(or a FlowBatch"):
        assert_unreachable(demo, "web")


# ---------------------------------------------------------------------------------------------- exposure


def test_no_exposure_passes_where_nothing_from_the_source_connects(demo: Network) -> None:
    assert_no_exposure(demo, destinations="db")
    assert_no_exposure(demo, destinations=["api", "db", "monitoring"])
    assert_no_exposure(demo, destinations="web", ports=(1024, 65535))
    assert_no_exposure(demo, destinations="web", protocols="udp")
    # the bastion admits the office's /24 only (exact over addresses, not sampled)
    assert_no_exposure(demo, internet("198.51.100.1"), destinations="bastion")


def test_no_exposure_lists_each_path_with_its_ports_sources_and_components(demo: Network) -> None:
    web = named(demo, "web")
    eth0, eth1 = web.network_interfaces
    igw = named(demo, "app-igw").id
    message = failure(assert_no_exposure, demo, destinations="web", ports=(1, 1023))
    lines = message.splitlines()
    assert lines[0] == "2 paths expose what should not be reachable:"
    assert lines[1].startswith(
        f"  internet -> {web.id} web ({eth0.public_ip}) tcp 80, 443 from 0.0.0.0/0 through {igw}, "
    )
    assert lines[2].startswith(
        f"  internet -> {web.id} web eth1 ({eth1.public_ip}) tcp 443 from 203.0.113.0/24 through {igw}, "
    )
    assert f"{eth1.security_groups[0].id}" in lines[2]  # the admin console's own group let it in
    assert re.findall(r"Trace of path (\d+):\nTrace tcp \S+ -> (\S+)", message) == [
        ("0", f"{eth0.public_ip}:80"),
        ("1", f"{eth1.public_ip}:443"),
    ]


def test_no_exposure_from_one_host(demo: Network) -> None:
    bastion = named(demo, "bastion")
    message = failure(assert_no_exposure, demo, internet("203.0.113.10"), destinations="bastion")
    lines = message.splitlines()
    assert lines[0] == "1 paths expose what should not be reachable:"
    assert lines[1].startswith(
        f"  internet 203.0.113.10 -> {bastion.id} bastion ({bastion.public_ip}) tcp 22 from 203.0.113.10/32 through "
    )


def test_no_exposure_finds_the_paths_through_a_load_balancer(nlb: Network) -> None:
    """The NLB's nodes are exposed on 443; each path passes the listener, the target group and a server's ENI."""
    balancer = named(nlb, "api-nlb")
    listener, group = nlb.listeners[0], nlb.target_groups[0]
    assert_no_exposure(nlb, destinations="api-nlb", ports=80)  # no listener on 80
    assert_no_exposure(nlb, protocols="udp")
    message = failure(assert_no_exposure, nlb)
    lines = message.splitlines()
    assert lines[0] == "2 paths expose what should not be reachable:"
    servers = {named(nlb, name).primary_network_interface.id for name in ("api-a", "api-b")}
    passed = set()
    for line, node in zip(lines[1:3], balancer.nodes, strict=True):
        assert line.startswith(f"  internet -> {node.id} ({node.public_ip}) tcp 443 from 0.0.0.0/0 through ")
        through = line.split(" through ", 1)[1].split(", ")
        assert {listener.id, group.id, balancer.id} <= set(through)
        passed |= servers & set(through)
    assert passed == servers  # cross-zone off: each node reaches its own AZ's server
    assert "load-balancer-listener" in message
    assert "DELIVER: delivered to" in message


# ---------------------------------------------------------------------------------------------- only paths


def test_only_paths_passes_when_every_path_is_allowed(demo: Network, nlb: Network) -> None:
    assert_only_paths(demo, [("api", "db", "tcp", 5432)], source="api", destination="db")
    assert_only_paths(demo, [[None, "web", "tcp", (80, 443)]], source=INTERNET, destination="web")
    assert_only_paths(demo, [PathSpec(destination="web", protocol="tcp", ports=(80, 443)),
                             PathSpec(destination="bastion", protocol="tcp", ports=22)], source=INTERNET)  # fmt: skip
    assert_only_paths(nlb, [PathSpec(through=named(nlb, "api-nlb"))], source=INTERNET)  # all through the NLB


def test_only_paths_takes_a_load_balancer_by_name(nlb: Network) -> None:
    assert_only_paths(nlb, [PathSpec(through="api-nlb")], source=INTERNET)


def test_only_paths_fails_naming_the_ports_not_allowed() -> None:
    net = public_web()
    web = named(net, "web")
    assert_only_paths(net, [(INTERNET, "web", "tcp", (80, 81))], source=INTERNET)
    message = failure(assert_only_paths, net, [(INTERNET, "web", "tcp", 80)], source=INTERNET)
    lines = message.splitlines()
    assert lines[0] == "1 paths are not among the allowed ones:"
    assert lines[1].startswith(f"  internet -> {web.id} web ({web.public_ip}) tcp 81 from 0.0.0.0/0 through ")
    assert "Trace of path 0:" in message
    protocol = failure(assert_only_paths, net, [PathSpec(protocol="udp")], source=INTERNET)
    assert "tcp 80-81 from 0.0.0.0/0" in protocol.splitlines()[1]


def test_only_paths_traces_a_port_that_is_not_allowed() -> None:
    net = public_web()
    message = failure(assert_only_paths, net, [(INTERNET, "web", "tcp", 80)], source=INTERNET)
    assert re.search(r"Trace of path 0:\nTrace tcp \S+ -> \S+:81 ", message)


@pytest.mark.parametrize("item", ["web", ("web",), (None, "web", "tcp", 80, 1), {"source": "web"}, 5])
def test_only_paths_refuses_an_allowed_item_of_another_shape(demo: Network, item: object) -> None:
    with pytest.raises(
        TypeError, match=re.escape(f"PathSpec or (source, destination[, protocol[, ports]]), not {item!r}")
    ):
        assert_only_paths(demo, [item], source=INTERNET)  # type: ignore[list-item]


# ----------------------------------------------------------------------------------- pytest's report


@pytest.mark.parametrize(
    ("call", "shown"),
    [
        ('assert_reachable(NET, "web", "db", "tcp", 5432)', "web -> db tcp 5432: DENIED_IN SUBNET_ACL_RESTRICTION"),
        ('assert_unreachable(NET, "api", "db", "tcp", 5432)', "api -> db tcp 5432: ACCEPTED"),
        ('assert_no_exposure(NET, destinations="web")', "2 paths expose what should not be reachable"),
        ('assert_only_paths(NET, [("api", "db", "tcp", 5433)], source="api", destination="db")',
         "1 paths are not among the allowed ones"),
    ],
)  # fmt: skip
def test_the_report_shows_the_callers_line_and_the_message_not_the_helpers(
    pytester: pytest.Pytester, call: str, shown: str
) -> None:
    """``__tracebackhide__``: the traceback stops at the test; the helpers' frames and source are hidden."""
    pytester.makepyfile(
        test_design=f"""
        from vpcsim.examples import demo_network
        from vpcsim.testing import assert_no_exposure, assert_only_paths, assert_reachable, assert_unreachable

        NET = demo_network()

        def test_design():
            {call}
        """
    )
    result = pytester.runpytest_inprocess()
    result.assert_outcomes(failed=1)
    output = result.stdout.str()
    assert f">       {call}" in output  # the caller's line, marked
    assert shown in output
    assert "Trace of " in output
    for internal in ("_connecting", "_paths_failure", "raise AssertionError", "vpcsim/testing/__init__.py"):
        assert internal not in output
