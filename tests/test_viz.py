"""vpcsim.viz: the topology picture (what it shows, highlights), heatmaps of answers, and the HTML inventory."""

from __future__ import annotations

import io
import itertools
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyBboxPatch

import vpcsim
from vpcsim import viz
from vpcsim.examples import EXAMPLES, demo_network, private_api_behind_nlb
from vpcsim.synthetic import estate

NETWORKS: dict[str, Callable[[], vpcsim.Network]] = {**EXAMPLES, "estate-50": lambda: estate(50, seed=3)}


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def demo() -> vpcsim.Network:
    return demo_network()


@pytest.fixture(scope="module")
def nlb() -> vpcsim.Network:
    return private_api_behind_nlb()


def pixels(ax: Any) -> np.ndarray:
    """The rendered PNG, decoded: rows x columns x RGBA floats."""
    return np.asarray(matplotlib.image.imread(io.BytesIO(viz.png_bytes(ax)), format="png"))


def texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.texts]


def instance(net: vpcsim.Network, name: str) -> vpcsim.Instance:
    [found] = [i for i in net.instances if i.name == name]
    return found


def eni_of(net: vpcsim.Network, name: str) -> str:
    return instance(net, name).primary_network_interface.id


def subnet_of(net: vpcsim.Network, name: str) -> vpcsim.Subnet:
    [found] = [s for s in net.subnets if s.name == name]
    return found


def highlighted(ax: Any, label: str) -> tuple[list[Any], list[tuple[float, float]]]:
    """The arrows (by gid) and ringed node positions (by collection label) of one highlight."""
    arrows = [p for p in ax.patches if p.get_gid() == label]
    rings = [c for c in ax.collections if c.get_label() == label]
    offsets = [tuple(xy) for c in rings for xy in c.get_offsets().tolist()]
    return arrows, offsets


def drops(ax: Any) -> list[Any]:
    return [t for t in ax.texts if t.get_gid() == "drop"]


def arrow_ends(patch: Any) -> list[np.ndarray]:
    """The data points an arrow joins (FancyArrowPatch keeps them as given, before shrinking around nodes)."""
    return [np.array(xy) for xy in patch._posA_posB]


def nearest(point: np.ndarray, where: dict[str, tuple[float, float]]) -> str:
    return min(where, key=lambda n: float(np.hypot(*(point - np.array(where[n])))))


# --- The picture of every example network -----------------------------------------------------------------------


@pytest.mark.parametrize("name", list(NETWORKS))
def test_draw_renders_every_subnet_and_eni(name: str) -> None:
    net = NETWORKS[name]()

    ax = viz.draw(net, title=name)

    image = pixels(ax)
    colours = {tuple(p) for p in (image[..., :3] * 255).astype(np.uint8).reshape(-1, 3)[::7].tolist()}
    assert len(colours) > 50, f"{name}: only {len(colours)} distinct colours"
    assert (image[..., :3].mean(axis=2) < 0.95).mean() > 0.03, f"{name}: the picture is nearly blank"
    shown = "\n".join(texts(ax))
    for subnet in net.subnets:
        assert f"{subnet.name or subnet.id}  {subnet.cidr_block}" in shown
    for eni in net.network_interfaces:
        assert str(eni.private_ip) in shown, f"{eni.id} ({eni.private_ip}) is not labelled"
    assert ax.get_title() == name


def test_enis_sit_in_their_subnets_in_their_vpcs_without_overlap() -> None:
    net = estate(50, seed=3)

    ax = viz.draw(net)

    boxes = {p.get_gid(): p.get_bbox() for p in ax.patches if isinstance(p, FancyBboxPatch)}
    where = viz.layout(net)
    nat = {n.network_interface.id: n.id for n in net.nat_gateways if n.network_interface}
    nodes = [nat.get(e.id, e.id) for e in net.network_interfaces]
    for eni, node in zip(net.network_interfaces, nodes, strict=True):
        subnet, vpc = eni.subnet, eni.subnet.vpc
        assert boxes[f"{subnet.name}  {subnet.cidr_block}"].contains(*where[node]), eni.id
        assert boxes[f"{vpc.name}  {' '.join(map(str, vpc.cidrs))}"].contains(*where[node]), eni.id
    points = np.array([where[n] for n in nodes])
    gaps = np.hypot(*(points[:, None, :] - points[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() >= 0.7, "two ENIs are drawn on top of each other"
    vpcs = sorted((boxes[f"{v.name}  {v.cidr_block}"].x0, boxes[f"{v.name}  {v.cidr_block}"].x1) for v in net.vpcs)
    assert all(right < left for (_, right), (left, _) in itertools.pairwise(vpcs))


def test_the_layout_is_deterministic_and_puts_zones_in_columns(nlb: vpcsim.Network) -> None:
    where = viz.layout(nlb)

    assert where == viz.layout(private_api_behind_nlb())
    assert where[eni_of(nlb, "api-a")][0] < where[eni_of(nlb, "api-b")][0]
    assert where[subnet_of(nlb, "public-a").id][0] == where[subnet_of(nlb, "private-a").id][0]
    assert where[subnet_of(nlb, "public-a").id][1] > where[subnet_of(nlb, "private-a").id][1]
    assert where["internet"][1] == max(y for _, y in where.values())


def test_gateways_route_labels_and_the_load_balancer_are_drawn(nlb: vpcsim.Network) -> None:
    ax = viz.draw(nlb)

    shown = texts(ax)
    assert {"api-igw", "internet", "public-rt", "private-rt-a", "private-rt-b"} <= set(shown)
    assert "api-nlb\nNLB internet-facing" in shown
    assert "nat-a\n10.0.0.4" in shown
    assert sum(t.startswith("api-nlb node\n") for t in shown) == 2
    assert shown.count("0.0.0.0/0") == 3  # public-rt -> igw, private-rt-a -> nat-a, private-rt-b -> nat-b
    routes = [p for p in ax.patches if p.get_gid() == "route"]
    assert len(routes) == 3
    assert not [p for p in ax.patches if p.get_gid() == "blackhole-route"]


def transit_network() -> vpcsim.Network:
    """Two VPCs on a transit gateway with a VPN, an S3 endpoint, and a route left dangling by a deleted ENI."""
    net = vpcsim.Network(seed=5)
    hub = net.create_vpc("10.0.0.0/16", name="hub")
    spoke = net.create_vpc("10.1.0.0/16", name="spoke")
    hub_subnet = net.create_subnet(hub, "10.0.1.0/24", az="us-east-1a", name="hub-a")
    spoke_subnet = net.create_subnet(spoke, "10.1.1.0/24", az="us-east-1b", name="spoke-b")
    tgw = net.create_transit_gateway(name="core")
    net.create_transit_gateway_vpc_attachment(tgw, hub, [hub_subnet])
    net.create_transit_gateway_vpc_attachment(tgw, spoke, [spoke_subnet])
    net.create_route(hub.main_route_table, "10.1.0.0/16", tgw)
    net.create_route(spoke.main_route_table, "10.0.0.0/16", tgw)
    office = net.create_customer_gateway("198.51.100.20", name="office")
    net.create_vpn_connection(office, transit_gateway=tgw, static_routes=["172.16.0.0/12"], name="office-vpn")
    net.create_vpc_endpoint(hub, "com.amazonaws.us-east-1.s3", route_tables=[hub.main_route_table], name="s3")
    appliance = net.create_network_interface(hub_subnet, description="retired appliance")
    net.create_route(hub.main_route_table, "192.168.0.0/16", appliance)
    net.delete_network_interface(appliance)
    net.run_instance(hub_subnet, name="hub-host")
    net.run_instance(spoke_subnet, name="spoke-host")
    return net


def test_transit_gateways_vpns_endpoints_and_blackhole_routes() -> None:
    net = transit_network()
    [tgw] = net.transit_gateways
    [gone] = [r.target for r in net.vpcs[0].main_route_table.routes if r.state == "blackhole"]

    ax = viz.draw(net)

    shown = texts(ax)
    assert "core" in shown
    assert "office-vpn\n172.16.0.0/12" in shown
    assert "s3\ncom.amazonaws.us-east-1.s3" in shown
    assert f"{gone}\n(deleted)" in shown
    [dashed] = [p for p in ax.patches if p.get_gid() == "blackhole-route"]
    assert dashed.get_linestyle() == "--"
    assert "192.168.0.0/16" in shown
    where = viz.layout(net)
    assert [nearest(end, where) for end in arrow_ends(dashed)] == [net.vpcs[0].main_route_table.id, gone]
    assert where[tgw.id][1] < min(where[eni_of(net, n)][1] for n in ("hub-host", "spoke-host"))


def test_a_route_to_a_detached_internet_gateway_is_a_dashed_edge_to_it() -> None:
    net = vpcsim.Network(seed=4)
    vpc = net.create_vpc("10.0.0.0/16", name="lab")
    net.run_instance(net.create_subnet(vpc, "10.0.1.0/24", name="lab-a"), name="web")
    igw = net.create_internet_gateway(name="lab-igw")
    net.attach_internet_gateway(igw, vpc)
    net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    net.detach_internet_gateway(igw, vpc)

    ax = viz.draw(net)

    assert f"{igw.id}\n(detached)" in texts(ax)
    [dashed] = [p for p in ax.patches if p.get_gid() == "blackhole-route"]
    where = viz.layout(net)
    assert [nearest(end, where) for end in arrow_ends(dashed)] == [vpc.main_route_table.id, igw.id]
    assert not [p for p in ax.patches if p.get_gid() == "route"]


def test_a_trace_across_a_transit_gateway_is_drawn_through_it() -> None:
    net = transit_network()
    [tgw] = net.transit_gateways
    trace = net.trace("hub-host", "spoke-host", "tcp", 22)
    assert trace.explanation == "ENI_SG_RULES_MISMATCH"

    ax = viz.draw(net, highlight=trace)

    where = viz.layout(net)
    _, ringed = highlighted(ax, "request")
    assert ringed == [where[n] for n in (eni_of(net, "hub-host"), net.vpcs[0].main_route_table.id, tgw.id,
                                          net.vpcs[1].main_route_table.id, eni_of(net, "spoke-host"))]  # fmt: skip
    [drop] = drops(ax)
    assert drop.get_text().startswith("ENI_SG_RULES_MISMATCH\nsecurity-group-ingress sg-")
    assert drop.xy == where[eni_of(net, "spoke-host")]


# --- Highlights ---------------------------------------------------------------------------------------------------


def test_a_dropped_trace_is_marked_where_and_why(demo: vpcsim.Network) -> None:
    trace = demo.trace("web", "db", "tcp", 5432)
    data = subnet_of(demo, "data-a")

    ax = viz.draw(demo, highlight=trace)

    where = viz.layout(demo)
    arrows, ringed = highlighted(ax, "request")
    # web -> its subnet's route table (public-rt) -> dropped entering data-a by the data-acl's * rule
    assert ringed == [where[eni_of(demo, "web")], where[subnet_of(demo, "public-a").route_table.id]]
    assert len(arrows) == 2
    assert {p.get_edgecolor() for p in arrows} == {to_rgba(viz.REQUEST_COLOUR)}
    [drop] = drops(ax)
    assert drop.get_text() == f"SUBNET_ACL_RESTRICTION\nnacl-ingress {data.network_acl.id} rule 32767"
    assert drop.xy == where[data.id]
    assert highlighted(ax, "reply") == ([], [])  # nothing came back


def test_a_connected_trace_shows_the_request_and_the_reply_through_the_nat_gateway(demo: vpcsim.Network) -> None:
    trace = demo.trace("api", vpcsim.INTERNET, "tcp", 443)
    [nat_a] = [n for n in demo.nat_gateways if n.name == "nat-a"]
    public_rt, private_rt = (subnet_of(demo, n).route_table.id for n in ("public-a", "app-a"))
    [igw] = demo.internet_gateways

    ax = viz.draw(demo, highlight=trace)

    where = viz.layout(demo)
    request, request_nodes = highlighted(ax, "request")
    reply, reply_nodes = highlighted(ax, "reply")
    api = eni_of(demo, "api")
    assert request_nodes == [where[n] for n in (api, private_rt, nat_a.id, public_rt, igw.id, "internet")]
    assert reply_nodes == [where[n] for n in ("internet", igw.id, nat_a.id, public_rt, api)]
    assert {p.get_edgecolor() for p in request} == {to_rgba(viz.REQUEST_COLOUR)}
    assert {p.get_edgecolor() for p in reply} == {to_rgba(viz.REPLY_COLOUR)}
    assert (len(request), len(reply)) == (5, 4)
    assert not drops(ax)


def test_a_trace_through_the_load_balancer_and_one_its_listener_refuses(nlb: vpcsim.Network) -> None:
    [lb] = nlb.load_balancers
    node_a = lb.node("us-east-1a").id
    where = viz.layout(nlb)

    ax = viz.draw(nlb, highlight=[nlb.trace(vpcsim.INTERNET, "api-nlb", "tcp", 443),
                                  nlb.trace(vpcsim.INTERNET, "api-nlb", "tcp", 80)])  # fmt: skip

    _, ringed = highlighted(ax, "request")
    [igw] = nlb.internet_gateways
    public_rt = subnet_of(nlb, "public-a").route_table.id
    served = [where[n] for n in ("internet", igw.id, node_a, lb.id, node_a, public_rt, eni_of(nlb, "api-a"))]
    refused = [where[n] for n in ("internet", igw.id, node_a, lb.id)]
    assert ringed == served + refused
    [drop] = drops(ax)
    assert drop.get_text().startswith("ELB_LISTENER_PORT_RESTRICTION\nload-balancer-listener ")
    assert drop.xy == where[lb.id]


def test_flows_are_green_when_connected_red_when_dropped_with_the_dropping_component(demo: vpcsim.Network) -> None:
    bastion_app = instance(demo, "bastion").network_interfaces[1]  # in app-a: past data-a's NACL, not db's SG
    flows = vpcsim.FlowBatch.from_product(["web", "api", bastion_app], ["db"], protocols=["tcp"], ports=[5432])
    where = viz.layout(demo)
    db = eni_of(demo, "db")
    data = subnet_of(demo, "data-a")

    for highlight in (flows, demo.evaluate(flows)):
        ax = viz.draw(demo, highlight=highlight)

        [green] = [p for p in ax.patches if p.get_gid() == "connected"]
        assert green.get_edgecolor() == to_rgba(viz.CONNECTED_COLOUR)
        reds = [p for p in ax.patches if p.get_gid() == "dropped"]
        assert len(reds) == 2
        assert {p.get_edgecolor() for p in reds} == {to_rgba(viz.DROPPED_COLOUR)}
        marks = {t.xy: t.get_text() for t in drops(ax)}
        assert set(marks) == {where[data.id], where[db]}
        assert marks[where[data.id]] == f"SUBNET_ACL_RESTRICTION\nnacl-ingress {data.network_acl.id}"
        assert marks[where[db]].startswith("ENI_SG_RULES_MISMATCH\nsecurity-group-ingress sg-")
        plt.close("all")


def test_flows_from_the_internet_start_at_the_internet_node(demo: vpcsim.Network) -> None:
    flows = vpcsim.FlowBatch.from_product([vpcsim.INTERNET], ["web", "api"], protocols=["tcp"], ports=[443])

    ax = viz.draw(demo, highlight=flows)

    where = viz.layout(demo)
    [green] = [p for p in ax.patches if p.get_gid() == "connected"]
    [red] = [p for p in ax.patches if p.get_gid() == "dropped"]
    assert [nearest(end, where) for end in arrow_ends(green)] == ["internet", eni_of(demo, "web")]
    assert [nearest(end, where) for end in arrow_ends(red)] == ["internet", eni_of(demo, "api")]
    [igw] = demo.internet_gateways
    [drop] = drops(ax)
    assert drop.get_text() == f"IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS\ninternet-gateway {igw.id}"
    assert drop.xy == where[igw.id]


@pytest.mark.parametrize("bad", ["web", 3, [object()], {"flows": 1}])
def test_a_bad_highlight_is_a_type_error_naming_it(demo: vpcsim.Network, bad: object) -> None:
    with pytest.raises(TypeError, match=f"highlight must be a Trace, .* not {type(bad).__name__}"):
        viz.draw(demo, highlight=bad)


def test_draw_onto_a_given_axes(demo: vpcsim.Network) -> None:
    figure, (left, right) = plt.subplots(1, 2)

    assert viz.draw(demo, ax=right) is right
    assert not left.texts
    assert right.texts
    assert viz.png_bytes(figure).startswith(b"\x89PNG")
    assert viz.png_bytes(right) == viz.png_bytes(figure)  # an Axes stands for its figure


# --- Heatmaps -----------------------------------------------------------------------------------------------------


def cells(ax: Any) -> list[str]:
    """The heatmap's cell annotations, row by row."""
    return [t.get_text() for t in ax.texts]


def tick_labels(ax: Any) -> tuple[list[str], list[str]]:
    return [t.get_text() for t in ax.get_yticklabels()], [t.get_text() for t in ax.get_xticklabels()]


def test_a_reachability_matrix_heatmap_shows_each_cell(demo: vpcsim.Network) -> None:
    matrix = demo.reachability_matrix([vpcsim.INTERNET, "web", "api", "db"], ["web", "api", "db", "bastion"])

    ax = viz.heatmap(matrix)

    assert ax.images[0].get_array().tolist() == (matrix != "").astype(float).to_numpy().tolist()
    assert cells(ax) == matrix.to_numpy().ravel().tolist()
    assert cells(ax)[:4] == ["80, 443", "", "", "22"]  # the internet reaches web and the bastion only
    assert tick_labels(ax) == (["internet", "web", "api", "db"], ["web", "api", "db", "bastion"])
    reachable, unreachable = (ax.images[0].to_rgba(np.array([[v]]))[0, 0] for v in (1.0, 0.0))
    assert tuple(reachable) == to_rgba(viz.CONNECTED_COLOUR)
    assert tuple(reachable) != tuple(unreachable)


def test_the_long_form_plots_as_the_wide_one(demo: vpcsim.Network) -> None:
    sources, destinations = [vpcsim.INTERNET, "web", "api"], ["web", "api", "db"]
    wide = viz.heatmap(demo.reachability_matrix(sources, destinations, ports=[22, 443, 5432, 8080]))
    long = viz.heatmap(demo.reachability_matrix(sources, destinations, ports=[22, 443, 5432, 8080], long=True))

    assert cells(long) == cells(wide) == ["443", "", "", "", "8080", "", "443", "", "5432"]
    assert long.images[0].get_array().tolist() == wide.images[0].get_array().tolist()
    assert tick_labels(long) == tick_labels(wide)


def test_a_long_frame_of_several_protocols_names_them_in_the_cells(demo: vpcsim.Network) -> None:
    both = pd.concat([demo.reachability_matrix(["monitoring"], ["api", "db"], protocol=p, long=True)
                      for p in ("tcp", "icmp")])  # fmt: skip

    ax = viz.heatmap(both)

    assert cells(ax) == ["tcp 9100", ""]


def test_an_exposure_heatmap_colours_by_how_wide_the_sources_are(demo: vpcsim.Network) -> None:
    exposure = demo.exposure()
    web = instance(demo, "web")
    web_eip, admin_eip = (str(e.public_ip) for e in web.network_interfaces)
    bastion_eip = str(instance(demo, "bastion").public_ip)

    ax = viz.heatmap(exposure)

    rows, columns = tick_labels(ax)
    assert columns == ["tcp 22", "tcp 80", "tcp 443"]
    assert [r.rsplit(" ", 1)[1] for r in rows] == [web_eip, admin_eip, bastion_eip]
    assert rows[0].startswith(f"{web.id} ({web.primary_network_interface.id})")
    values = ax.images[0].get_array()
    assert values.filled(-1).tolist() == [[-1, 32, 32], [-1, -1, 8], [8, -1, -1]]  # /0 = 32, /24 = 8 bits free
    assert [c for c in cells(ax) if c] == ["0.0.0.0/0", "0.0.0.0/0", "203.0.113.0/24", "203.0.113.0/24"]
    darkest = ax.images[0].cmap(1.0)
    assert ax.images[0].to_rgba(np.ma.array([[32.0]]))[0, 0].tolist() == list(darkest)
    [bar] = [a for a in ax.figure.axes if a is not ax]
    assert [t.get_text() for t in bar.get_yticklabels()] == ["/32", "/24", "/16", "/8", "/0"]
    assert exposure.plot().images[0].get_array().filled(-1).tolist() == values.filled(-1).tolist()


def test_an_empty_exposure_says_so(demo: vpcsim.Network) -> None:
    ax = viz.heatmap(demo.exposure(destinations="db"))

    assert cells(ax) == ["Nothing is reachable from internet"]
    assert not ax.images


def test_heatmap_refuses_what_it_cannot_plot(demo: vpcsim.Network) -> None:
    with pytest.raises(TypeError, match=r"reachability_matrix DataFrame or an Exposure .*, not Trace"):
        viz.heatmap(demo.trace("web", "db", "tcp", 5432))
    with pytest.raises(TypeError, match="not list"):
        viz.heatmap([["80"]])
    with pytest.raises(ValueError, match=r"got a cell 3 with columns \['web'\]"):
        viz.heatmap(pd.DataFrame({"web": [3]}, index=["api"]))


# --- HTML ---------------------------------------------------------------------------------------------------------


def test_the_network_inventory_counts_and_lists_subnets_by_zone(demo: vpcsim.Network) -> None:
    page = viz.network_html(demo)

    counts = dict(re.findall(r"<tr><td>([a-zA-Z ]+)</td><td>(\d+)</td></tr>", page))
    assert counts == {"VPCs": "2", "subnets": "6", "instances": "5", "network interfaces": "9",
                      "security groups": "8", "network ACLs": "3", "route tables": "5", "gateways": "5",
                      "load balancers": "0"}  # fmt: skip
    data = subnet_of(demo, "data-a")
    app = next(v for v in demo.vpcs if v.name == "app")
    assert f"<p><b>app ({app.id})</b> 10.0.0.0/16 {app.ipv6_cidr_block}</p>" in page
    assert (f"<tr><td>us-east-1a</td><td>data-a ({data.id})</td><td>10.0.20.0/24</td>"
            f"<td>private-rt-a ({data.route_table.id})</td><td>data-acl ({data.network_acl.id})</td><td>1</td>"
            "<td>no</td></tr>") in page  # fmt: skip
    zones = re.findall(r"<tr><td>(us-east-1\w)</td><td>([\w-]+) \(", page)
    assert zones == [("us-east-1a", "public-a"), ("us-east-1a", "app-a"), ("us-east-1a", "data-a"),
                     ("us-east-1b", "public-b"), ("us-east-1b", "app-b"), ("us-east-1a", "tools-a")]  # fmt: skip
    public = dict(re.findall(r"<td>([\w-]+) \(subnet-\w+\)</td>.*?<td>(yes|no)</td></tr>", page))
    assert public == {"public-a": "yes", "public-b": "yes", "app-a": "no", "app-b": "no", "data-a": "no",
                      "tools-a": "no"}  # fmt: skip
    assert demo._repr_html_() == page


EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile() -> vpcsim.Network:
    """Name tags that are HTML."""
    net = vpcsim.Network(seed=1)
    vpc = net.create_vpc("10.0.0.0/16", name=EVIL)
    subnet = net.create_subnet(vpc, "10.0.1.0/24", name=EVIL)
    igw = net.create_internet_gateway(name=EVIL)
    net.attach_internet_gateway(igw, vpc)
    net.create_route(vpc.main_route_table, "0.0.0.0/0", igw)
    web = net.create_security_group(vpc, "web", description="HTTP")
    net.authorize_security_group_ingress(web, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    net.run_instance(subnet, name=EVIL, security_groups=[web], associate_public_ip=True)
    net.run_instance(subnet, name="db")
    return net


def answers(net: vpcsim.Network) -> dict[str, Any]:
    """One of each answer that Jupyter shows as HTML."""
    [web, db] = net.instances
    found = {
        "network": net,
        "trace": net.trace(vpcsim.INTERNET, web, "tcp", 80),
        "evaluation": net.evaluate(vpcsim.FlowBatch.from_product([web, db], [db], protocols=["tcp"], ports=[80])),
        "exposure": net.exposure(),
        "paths": net.find_paths(vpcsim.INTERNET, web, protocol="tcp"),
        "resilience": net.resilience(),
    }
    with net.what_if() as alt:
        alt.revoke_security_group_ingress(web.security_groups[0].id, protocol="tcp", ports=80, cidr="0.0.0.0/0")
        found["diff"] = vpcsim.diff(net, alt)
    return found


def test_every_answer_renders_as_html_with_user_strings_escaped(hostile: vpcsim.Network) -> None:
    web = hostile.instances[0]
    facts = {  # what each page must say
        "network": "<td>instances</td><td>2</td>",
        "trace": "ACCEPTED",
        "evaluation": "<td>connected</td><td>1</td>",
        "exposure": str(web.public_ip),
        "paths": str(web.public_ip),
        "resilience": "Resilience",
        "diff": "80",
    }
    for kind, answer in answers(hostile).items():
        page = answer._repr_html_()
        assert facts[kind] in page, kind
        assert "<script" not in page, f"{kind}: a Name tag went into the HTML unescaped"
    assert "&lt;script&gt;" in viz.network_html(hostile)


def test_the_module_imports_and_writes_html_without_matplotlib() -> None:
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from vpcsim import viz\nfrom vpcsim.examples import demo_network\n"
        "print(len(viz.network_html(demo_network())) > 0)\n"
        "for plot in (viz.draw, viz.heatmap):\n"
        "    try:\n        plot(demo_network())\n    except ImportError as e:\n        print(e.name, '|', e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    hint = "matplotlib | vpcsim.viz draws with matplotlib: pip install 'vpcsim[viz]'"
    assert done.stdout.splitlines() == ["True", hint, hint]
