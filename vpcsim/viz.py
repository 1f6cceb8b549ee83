"""Pictures and HTML: the topology drawn with matplotlib through networkx, answers as heatmaps, the inventory.

:func:`draw` lays a network out the way the AWS console thinks of it (VPC boxes, a column per Availability Zone,
subnets holding their ENIs, route tables and gateways around them) and can highlight a :class:`~vpcsim.Trace`'s
path and where it was dropped, or many flows' verdicts. :func:`heatmap` plots ``reachability_matrix`` and
``exposure`` answers. :func:`network_html` is ``Network._repr_html_``. matplotlib is imported only by the functions
that draw (``pip install 'vpcsim[viz]'``).
"""

from __future__ import annotations

import html
import io
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import attrs
import networkx as nx

from vpcsim.graph import INTERNET_NODE
from vpcsim.model.route_table import LOCAL, target_kind

if TYPE_CHECKING:
    from vpcsim.engine.evaluate import Evaluation
    from vpcsim.engine.verdict import Hop, Trace
    from vpcsim.model.subnet import Subnet
    from vpcsim.model.vpc import Vpc
    from vpcsim.network import Network

__all__ = [
    "CONNECTED_COLOUR",
    "DROPPED_COLOUR",
    "REPLY_COLOUR",
    "REQUEST_COLOUR",
    "draw",
    "heatmap",
    "layout",
    "network_html",
    "png_bytes",
]

REQUEST_COLOUR = "#1f77b4"  # a trace's request path
REPLY_COLOUR = "#ff7f0e"  # its reply's path
DROPPED_COLOUR = "#d62728"  # where a packet was dropped; flows that did not connect
CONNECTED_COLOUR = "#2ca02c"  # flows that connected

# Node style per kind: (fill colour, marker).
_STYLE: dict[str, tuple[str, str]] = {
    "network-interface": ("#9ecae1", "o"),
    "load-balancer-node": ("#c6dbef", "o"),
    "internet": ("#bdbdbd", "h"),
    "internet-gateway": ("#74c476", "s"),
    "egress-only-internet-gateway": ("#a1d99b", "s"),
    "nat-gateway": ("#fd8d3c", "D"),
    "vpn-gateway": ("#9e9ac8", "s"),
    "vpn-connection": ("#bcbddc", "h"),
    "vpc-endpoint": ("#fdd0a2", "s"),
    "vpc-peering-connection": ("#e377c2", "p"),
    "transit-gateway": ("#8c6d31", "8"),
    "load-balancer": ("#6baed6", "^"),
    "route-table": ("#fee391", "s"),
    "missing": ("#ffffff", "X"),
}
_SUBNET_ID = re.compile(r"subnet-[0-9a-f]+")

# Geometry, in data units (about 0.55 inch each when draw() sizes the figure itself).
_CELL_W, _CELL_H = 2.4, 0.75  # one ENI with its two-line label
_GAP = 0.5  # between AZ columns and around boxes
_SUBNET_HEAD = 0.75  # a subnet's title line
_VPC_GAP = 2.5  # between VPC boxes
_INCH = 0.55
_CHAR = 0.11  # the width of one character of a 7-point title


@attrs.define
class _Picture:
    """Where everything goes: node positions, kinds and labels, boxes to paint, edges to draw, and which drawn node
    stands for each component id a hop can name."""

    positions: dict[str, tuple[float, float]] = attrs.field(factory=dict)
    kinds: dict[str, str] = attrs.field(factory=dict)
    labels: dict[str, str] = attrs.field(factory=dict)
    boxes: list[tuple[str, float, float, float, float, str]] = attrs.field(factory=list)  # kind, x, y, w, h, title
    edges: list[tuple[str, str, dict[str, Any]]] = attrs.field(factory=list)
    aliases: dict[str, str] = attrs.field(factory=dict)

    def add(self, node: str, kind: str, xy: tuple[float, float], label: str) -> None:
        self.positions[node] = xy
        self.kinds[node] = kind
        self.labels[node] = label


def layout(net: Network) -> dict[str, tuple[float, float]]:
    """Positions :func:`draw` uses: ENIs, gateways, route tables, load balancers, peerings, the ``internet``, and
    one anchor per subnet (its title) and per VPC (its top edge). Deterministic: the same network, the same picture.

    Examples
    --------
    >>> from vpcsim.examples import private_api_behind_nlb
    >>> net = private_api_behind_nlb()
    >>> where = layout(net)
    >>> api = {i.name: i.primary_network_interface.id for i in net.instances}
    >>> where[api["api-a"]][0] < where[api["api-b"]][0]  # us-east-1a's column left of us-east-1b's
    True
    >>> where["internet"][1] > max(y for node, (x, y) in where.items() if node != "internet")
    True
    """
    return dict(_layout(net).positions)


def _name(resource: Any) -> str:
    return str(resource.name or resource.id)


def _eni_label(eni: Any) -> str:
    """``web`` (an instance's primary ENI), ``web eth1``, else the Name tag or the interface type, and the IP."""
    if eni.instance is not None:
        owner = _name(eni.instance) + (f" eth{eni.device_index}" if eni.device_index else "")
    else:
        owner = eni.name or (eni.interface_type.replace("_", " ") if eni.interface_type != "interface" else eni.id)
    return f"{owner}\n{eni.private_ip}"


def _is_public(subnet: Subnet) -> bool:
    """A subnet whose route table sends traffic to an internet gateway (I2)."""
    return any(r.target.startswith("igw-") and r.state == "active" for r in subnet.route_table.routes)


def _layout(net: Network) -> _Picture:
    picture = _Picture()
    lbs_by_node = {eni.id: lb for lb in net.load_balancers for eni in lb.nodes}
    nat_by_eni = {n.network_interface.id: n for n in net.nat_gateways if n.network_interface is not None}
    x = 0.0
    bottoms: list[float] = []
    for vpc in net.vpcs:
        width, bottom = _place_vpc(net, vpc, x, picture, lbs_by_node, nat_by_eni)
        bottoms.append(bottom)
        x += width + _VPC_GAP
    right = max(x - _VPC_GAP, 4.0)
    # Peerings above the VPCs they join, staggered so that several between the same VPCs do not overlap.
    for index, pcx in enumerate(net.vpc_peering_connections):
        a, b = picture.positions[pcx.requester_vpc.id], picture.positions[pcx.accepter_vpc.id]
        picture.add(pcx.id, "vpc-peering-connection", ((a[0] + b[0]) / 2, 2.0 + 0.9 * (index % 3)), _name(pcx))
        picture.edges += [
            (pcx.id, pcx.requester_vpc.id, {"kind": "peering"}),
            (pcx.id, pcx.accepter_vpc.id, {"kind": "peering"}),
        ]
    top = 2.0 + 0.9 * min(3, len(net.vpc_peering_connections)) + 1.5
    picture.add(INTERNET_NODE, "internet", (right / 2, top), "internet")
    for index, vpn in enumerate(net.vpn_connections):
        routes = ", ".join(str(r) for r in vpn.routes[:2]) + (" ..." if len(vpn.routes) > 2 else "")
        picture.add(vpn.id, "vpn-connection", (right / 2 + 4.0 * (index + 1), top), f"{_name(vpn)}\n{routes}")
        gateway = vpn.vpn_gateway_id or vpn.transit_gateway_id
        if gateway is not None:
            picture.edges.append((gateway, vpn.id, {"kind": "vpn"}))
    low = min(bottoms, default=0.0) - 2.0
    for index, tgw in enumerate(net.transit_gateways):
        picture.add(
            tgw.id, "transit-gateway", (right * (index + 1) / (len(net.transit_gateways) + 1), low), _name(tgw)
        )
    for attachment in net.transit_gateway_attachments:
        picture.aliases[attachment.id] = attachment.transit_gateway.id
        if attachment.vpc is not None:
            picture.edges.append((attachment.transit_gateway.id, f"{attachment.vpc.id}#bottom", {"kind": "tgw"}))
        elif attachment.resource_id in picture.positions:
            picture.edges.append((attachment.transit_gateway.id, attachment.resource_id, {"kind": "tgw"}))
    for table in net.transit_gateway_route_tables:
        picture.aliases[table.id] = table.transit_gateway.id
    for igw in [*net.internet_gateways, *net.egress_only_internet_gateways]:
        if igw.id in picture.positions:
            picture.edges.append((igw.id, INTERNET_NODE, {"kind": "internet"}))
    _route_edges(net, picture)
    return picture


def _place_vpc(
    net: Network, vpc: Vpc, left: float, picture: _Picture, lbs_by_node: dict[str, Any], nat_by_eni: dict[str, Any]
) -> tuple[float, float]:
    """Place one VPC with its left edge at ``left``; returns its width and bottom."""
    subnets = [s for s in net.subnets if s.vpc is vpc]
    zones = sorted({s.availability_zone for s in subnets})
    enis = [e for e in net.network_interfaces if e.subnet.vpc is vpc]
    by_subnet: dict[str, list[Any]] = {s.id: [] for s in subnets}
    for eni in enis:
        by_subnet[eni.subnet.id].append(eni)
    columns = min(3, max((len(v) for v in by_subnet.values()), default=1)) or 1
    titles = [len(f"{_name(s)}  {s.cidr_block}") for s in subnets]
    zone_width = max(columns * _CELL_W, _CHAR * max(titles, default=0) + 0.4) + _GAP
    tables = [t for t in net.route_tables if t.vpc is vpc]
    gateways: list[tuple[str, str, str]] = [
        *((g.id, "internet-gateway", _name(g)) for g in net.internet_gateways if g.vpc is vpc),
        *(
            (g.id, "egress-only-internet-gateway", _name(g))
            for g in net.egress_only_internet_gateways
            if g.vpc is vpc
        ),
        *((g.id, "vpn-gateway", _name(g)) for g in net.vpn_gateways if g.vpc is vpc),
        *((e.id, "vpc-endpoint", f"{_name(e)}\n{e.service_name}") for e in net.vpc_endpoints if e.vpc is vpc),
        *((t, "missing", f"{t}\n({why})") for t, why in _stray_targets(net, vpc, tables)),
    ]
    lbs = [lb for lb in net.load_balancers if lb.vpc is vpc]
    width = max(len(zones) * zone_width + _GAP, 2.4 * max(len(tables), len(gateways) + 1, len(lbs), 1) + _GAP, 6.0)

    def spread(count: int, index: int) -> float:
        return left + width * (index + 1) / (count + 1)

    for index, (node, kind, label) in enumerate(gateways):
        picture.add(node, kind, (spread(len(gateways) + 1, index), 0.0), label)
    picture.positions[vpc.id] = (spread(len(gateways) + 1, len(gateways)), 0.0)  # where peerings attach
    for index, table in enumerate(tables):
        label = _name(table) + (" (main)" if table.is_main else "")
        picture.add(table.id, "route-table", (spread(len(tables), index), -2.3), label)
    y = -3.0
    for index, lb in enumerate(lbs):
        kind = "NLB" if lb.is_network else "ALB"
        picture.add(lb.id, "load-balancer", (spread(len(lbs), index), -3.3), f"{lb.lb_name}\n{kind} {lb.scheme}")
        for listener in net.listeners:
            if listener.load_balancer is lb:
                picture.aliases[listener.id] = lb.id
                picture.aliases[listener.target_group.id] = lb.id
        y = -4.2
    bottom = y
    for column, zone in enumerate(zones):
        x0 = left + _GAP + column * zone_width
        picture.boxes.append(("zone", x0, y - 0.45, zone_width - _GAP, 0.45, zone))
        top = y - 0.55
        for subnet in sorted((s for s in subnets if s.availability_zone == zone), key=lambda s: s.cidr_block):
            members = by_subnet[subnet.id]
            rows = max(1, math.ceil(len(members) / columns))
            height = _SUBNET_HEAD + rows * _CELL_H
            kind = "public-subnet" if _is_public(subnet) else "private-subnet"
            picture.boxes.append(
                (kind, x0, top - height, zone_width - _GAP, height, f"{_name(subnet)}  {subnet.cidr_block}")
            )
            picture.positions[subnet.id] = (x0 + (zone_width - _GAP) / 2, top - 0.1)
            picture.edges.append((subnet.id, subnet.route_table.id, {"kind": "association"}))
            for index, eni in enumerate(members):
                row, col = divmod(index, columns)
                xy = (x0 + 0.25 + col * _CELL_W, top - _SUBNET_HEAD - row * _CELL_H - 0.2)
                if eni.id in nat_by_eni:
                    nat = nat_by_eni[eni.id]
                    picture.add(nat.id, "nat-gateway", xy, f"{_name(nat)}\n{eni.private_ip}")
                    picture.aliases[eni.id] = nat.id
                elif eni.id in lbs_by_node:
                    lb = lbs_by_node[eni.id]
                    picture.add(eni.id, "load-balancer-node", xy, f"{lb.lb_name} node\n{eni.private_ip}")
                    picture.edges.append((lb.id, eni.id, {"kind": "lb-node"}))
                else:
                    picture.add(eni.id, "network-interface", xy, _eni_label(eni))
            top -= height + 0.3
        bottom = min(bottom, top)
    bottom -= _GAP
    picture.boxes.append(("vpc", left, bottom, width, -bottom, f"{_name(vpc)}  {' '.join(map(str, vpc.cidrs))}"))
    picture.positions[f"{vpc.id}#bottom"] = (left + width / 2, bottom)
    return width, bottom


def _stray_targets(net: Network, vpc: Vpc, tables: Iterable[Any]) -> list[tuple[str, str]]:
    """Route targets drawn nowhere else, with why: deleted ones (blackholes, R6), and gateways no longer attached
    to this VPC."""
    found: dict[str, str] = {}
    for route in (r for t in tables for r in t.routes):
        if route.target == LOCAL or route.target.startswith("tgw-"):
            continue
        if route.target not in net:
            found[route.target] = "deleted"
        elif route.target.startswith(("igw-", "vgw-")) and getattr(net.get(route.target), "vpc", None) is not vpc:
            found[route.target] = "detached"
    return sorted(found.items())


def _route_edges(net: Network, picture: _Picture) -> None:
    """One edge per (route table, target, state), labelled with its destinations; local routes are the VPC box."""
    grouped: dict[tuple[str, str, bool], list[str]] = {}
    for table in net.route_tables:
        for route in table.routes:
            if route.target == LOCAL:
                continue
            target = route.target
            if target_kind(target) == "instance" and target in net:
                target = net.get(target).primary_network_interface.id  # type: ignore[attr-defined]
            target = picture.aliases.get(target, target)
            if target not in picture.positions:
                continue
            grouped.setdefault((table.id, target, route.state == "blackhole"), []).append(route.destination_key)
    for (table_id, target, blackhole), destinations in grouped.items():
        shown = destinations[:3] + ([f"+{len(destinations) - 3} more"] if len(destinations) > 3 else [])
        label = "\n".join(shown)
        picture.edges.append((table_id, target, {"kind": "route", "label": label, "blackhole": blackhole}))


# --- Highlights: which drawn node each hop stands at -------------------------------------------------------------


def _hop_node(
    net: Network, picture: _Picture, component: str, kind: str, detail: str, near: Sequence[str]
) -> str | None:
    """The drawn node (or subnet anchor) where a hop happened; ``near`` are the nodes the walk is at or heads to,
    which decide between the many ENIs of one security group and the many subnets of one NACL."""
    component = picture.aliases.get(component, component)
    if component in picture.positions:
        return component
    if component not in net:
        return None
    resource: Any = net.get(component)
    if kind.startswith("security-group"):
        carriers = [picture.aliases.get(e.id, e.id) for e in net.network_interfaces if resource in e.security_groups]
        return next((n for n in near if n in carriers), carriers[0] if carriers else None)
    if kind.startswith("nacl"):
        named = _SUBNET_ID.search(detail)
        if named and named.group() in picture.positions:
            return named.group()
        subnets = [s.id for s in net.subnets if s.network_acl is resource]
        near_subnets = [_subnet_of(net, picture, n) for n in near]
        return next((s for s in near_subnets if s in subnets), subnets[0] if subnets else None)
    return None


def _subnet_of(net: Network, picture: _Picture, node: str) -> str | None:
    eni_ids = {picture.aliases.get(e.id, e.id): e for e in net.network_interfaces}
    eni = eni_ids.get(node)
    return eni.subnet.id if eni is not None else None


def _path(net: Network, picture: _Picture, trace: Trace) -> tuple[list[str], str | None]:
    """The drawn nodes a walk passed, in order without repeats in a row, and the node where it was dropped.

    Subnets (where NACLs act) join the path only where the walk was dropped: elsewhere the ENIs, route tables and
    gateways on either side already tell the way."""
    path: list[str] = []
    for hop in trace.hops:
        node = _hop_node(net, picture, hop.component, hop.kind, hop.detail, path[-1:])
        if node is None or (node not in picture.kinds and not hop.dropped):
            continue
        if not path or path[-1] != node:
            path.append(node)
        if hop.dropped:
            return path, node
    dropped = trace.decided_by is not None
    return path, (path[-1] if path else INTERNET_NODE) if dropped else None


# --- Drawing ------------------------------------------------------------------------------------------------------


def draw(net: Network, ax: Any = None, highlight: Any = None, *, title: str | None = None) -> Any:
    """Draw the topology of ``net``, optionally highlighting traces or flows. Returns the matplotlib Axes.

    VPCs are boxes; inside, a column per Availability Zone holds the subnets (green: public, blue: private), each
    with its ENIs labelled by instance (or Name) and private IP. Gateways sit on the VPC's top edge, route tables
    below them, load balancers under those; peerings float between VPCs and transit gateways below them. Route
    edges go from a route table to its targets, labelled with the destinations; blackhole routes are dashed.

    Parameters
    ----------
    net : Network
    ax : matplotlib Axes, optional
        Where to draw; a new figure sized to the network when omitted.
    highlight : Trace, list of Trace, Evaluation or FlowBatch, optional
        A trace: its request path in :data:`REQUEST_COLOUR`, its reply in :data:`REPLY_COLOUR`, and where it
        was dropped a red marker annotated with the explanation code and rule. Several traces: each so.
        An Evaluation (or a FlowBatch, evaluated on ``net``): an arrow per distinct source and destination,
        green when the flow connected, red otherwise, with a red marker at each component that dropped flows.
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        ``highlight`` is none of the above.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> ax = draw(net, highlight=net.trace("web", "db", "tcp", 5432))
    >>> [t.get_text().split()[0] for t in ax.texts if t.get_gid() == "drop"]
    ['SUBNET_ACL_RESTRICTION']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    plt = _pyplot()
    picture = _layout(net)
    traces, flows = _highlights(net, highlight)
    xs = [x for x, _ in picture.positions.values()] + [b[1] + b[3] for b in picture.boxes]
    ys = [y for _, y in picture.positions.values()] + [b[2] for b in picture.boxes]
    if ax is None:
        size = (
            min(max((max(xs) - min(xs) + 4) * _INCH, 8.0), 40.0),
            min(max((max(ys) - min(ys) + 3) * _INCH, 5.0), 30.0),
        )
        figure, ax = plt.subplots(figsize=size)
        figure.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.95 if title else 0.99)
    _draw_boxes(ax, picture)
    _draw_base(ax, picture)
    for trace in traces:
        _draw_trace(ax, net, picture, trace)
    if flows is not None:
        _draw_flows(ax, net, picture, flows)
    ax.set_xlim(min(xs) - 1.5, max(xs) + 2.5)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    ax.set_axis_off()
    if title is not None:
        ax.set_title(title)
    return ax


def _pyplot() -> Any:
    """matplotlib.pyplot, or an ImportError that says how to get it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError("vpcsim.viz draws with matplotlib: pip install 'vpcsim[viz]'", name="matplotlib") from error
    return plt


def _highlights(net: Network, highlight: Any) -> tuple[list[Trace], Evaluation | None]:
    from vpcsim.engine.evaluate import Evaluation
    from vpcsim.engine.flows import FlowBatch
    from vpcsim.engine.verdict import Trace

    if highlight is None:
        return [], None
    if isinstance(highlight, Trace):
        return [highlight], None
    if isinstance(highlight, Evaluation):
        return [], highlight
    if isinstance(highlight, FlowBatch):
        return [], net.evaluate(highlight)
    if isinstance(highlight, (list, tuple)) and all(isinstance(t, Trace) for t in highlight):
        return list(highlight), None
    raise TypeError(
        f"highlight must be a Trace, a list of Traces, an Evaluation or a FlowBatch, not {type(highlight).__name__}"
    )


def _draw_boxes(ax: Any, picture: _Picture) -> None:
    from matplotlib.patches import FancyBboxPatch

    faces = {
        "vpc": ("#f7f7f7", "#525252"),
        "zone": ("none", "none"),
        "public-subnet": ("#e5f5e0", "#41ab5d"),
        "private-subnet": ("#deebf7", "#4292c6"),
    }
    for kind, x, y, w, h, text in picture.boxes:
        face, edge = faces[kind]
        if kind != "zone":
            ax.add_patch(
                FancyBboxPatch(
                    (x, y),
                    w,
                    h,
                    boxstyle="round,pad=0.02,rounding_size=0.15",
                    facecolor=face,
                    edgecolor=edge,
                    linewidth=1.2 if kind == "vpc" else 0.8,
                    zorder=-2 if kind == "vpc" else -1,
                    gid=text,
                )
            )
        size, weight = {"vpc": (9, "bold"), "zone": (8, "bold")}.get(kind, (7, "normal"))
        ty = y + h - (0.3 if kind == "vpc" else 0.12)
        ax.text(
            x + 0.12,
            ty,
            text,
            fontsize=size,
            fontweight=weight,
            va="top",
            ha="left",
            color=edge if kind != "zone" else "#525252",
            zorder=1,
            gid=kind,
        )


def _draw_base(ax: Any, picture: _Picture) -> None:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(picture.positions)
    pos = picture.positions
    plain = [
        (u, v) for u, v, d in picture.edges if d["kind"] not in ("route", "association") and u in pos and v in pos
    ]
    associations = [(u, v) for u, v, d in picture.edges if d["kind"] == "association"]
    graph.add_edges_from(plain + associations)
    nx.draw_networkx_edges(
        graph, pos, ax=ax, edgelist=associations, edge_color="#bdbdbd", width=0.6, arrows=False, style=":"
    )
    nx.draw_networkx_edges(graph, pos, ax=ax, edgelist=plain, edge_color="#969696", width=1.0, arrows=False)
    for blackhole in (False, True):
        routes = [(u, v, d) for u, v, d in picture.edges if d["kind"] == "route" and d["blackhole"] is blackhole]
        if not routes:
            continue
        routing = nx.DiGraph()
        routing.add_nodes_from(pos)
        routing.add_edges_from((u, v) for u, v, _ in routes)
        edges = nx.draw_networkx_edges(
            routing,
            pos,
            ax=ax,
            edgelist=[(u, v) for u, v, _ in routes],
            edge_color="#737373",
            width=1.0,
            style="--" if blackhole else "-",
            arrows=True,
            arrowsize=8,
            connectionstyle="arc3,rad=0.08",
            node_size=250,
            min_target_margin=6,
        )
        for patch in edges:
            patch.set_gid("blackhole-route" if blackhole else "route")
        nx.draw_networkx_edge_labels(
            routing,
            pos,
            ax=ax,
            edge_labels={(u, v): d["label"] for u, v, d in routes},
            font_size=5,
            connectionstyle="arc3,rad=0.08",
            bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.75},
            rotate=False,
        )
    for kind, (colour, marker) in _STYLE.items():
        nodes = [n for n, k in picture.kinds.items() if k == kind]
        if nodes:
            collection = nx.draw_networkx_nodes(
                graph,
                pos,
                ax=ax,
                nodelist=nodes,
                node_color=colour,
                node_shape=marker,
                node_size=160 if kind != "internet" else 500,
                edgecolors="#525252",
                linewidths=0.8,
            )
            collection.set_label(kind)
    beside = {
        n: (x + 0.3, y)
        for n, (x, y) in pos.items()
        if picture.kinds.get(n) in ("network-interface", "load-balancer-node", "nat-gateway")
    }
    nx.draw_networkx_labels(
        graph, beside, ax=ax, labels={n: picture.labels[n] for n in beside}, font_size=6, horizontalalignment="left"
    )
    above = {n: (x, y + 0.3) for n, (x, y) in pos.items() if n in picture.kinds and n not in beside}
    nx.draw_networkx_labels(
        graph, above, ax=ax, labels={n: picture.labels[n] for n in above}, font_size=6, verticalalignment="bottom"
    )


def _draw_path(ax: Any, picture: _Picture, path: list[str], colour: str, rad: float, label: str, ring: int) -> None:
    pos = picture.positions
    steps = list(itertools.pairwise(path))
    graph = nx.DiGraph()
    graph.add_nodes_from(path)
    graph.add_edges_from(steps)
    if steps:
        edges = nx.draw_networkx_edges(
            graph,
            pos,
            ax=ax,
            edgelist=steps,
            edge_color=colour,
            width=2.2,
            arrows=True,
            arrowsize=14,
            connectionstyle=f"arc3,rad={rad}",
            node_size=250,
        )
        for patch in edges:
            patch.set_gid(label)
    drawn = [n for n in path if n in picture.kinds]
    if drawn:
        rings = nx.draw_networkx_nodes(
            graph, pos, ax=ax, nodelist=drawn, node_color="none", node_size=ring, edgecolors=colour, linewidths=2.0
        )
        rings.set_label(label)


def _draw_drop(ax: Any, picture: _Picture, node: str, text: str) -> None:
    """A red cross at ``node`` and the reason beside it, on the side facing the middle of the picture."""
    x, y = picture.positions[node]
    middle = sum(p[0] for p in picture.positions.values()) / len(picture.positions)
    side = 1 if x <= middle else -1
    ax.plot(
        [x],
        [y],
        marker="X",
        markersize=14,
        color=DROPPED_COLOUR,
        markeredgecolor="white",
        linestyle="none",
        zorder=5,
        label="drop",
    )
    ax.annotate(
        text,
        (x, y),
        xytext=(18 * side, -18),
        textcoords="offset points",
        fontsize=7,
        zorder=6,
        gid="drop",
        color=DROPPED_COLOUR,
        fontweight="bold",
        ha="left" if side > 0 else "right",
        arrowprops={"arrowstyle": "-", "color": DROPPED_COLOUR},
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": DROPPED_COLOUR},
    )


def _drop_text(hop: Hop) -> str:
    rule = f" rule {hop.rule}" if hop.rule is not None else ""
    return f"{hop.explanation or hop.kind}\n{hop.kind} {hop.component}{rule}"


def _draw_trace(ax: Any, net: Network, picture: _Picture, trace: Trace) -> None:
    walks = [(trace, REQUEST_COLOUR, 0.22, "request", 420)]
    if trace.reply is not None:
        walks.append((trace.reply, REPLY_COLOUR, 0.4, "reply", 300))  # same-side bends: opposite ways part
    for walk, colour, rad, label, ring in walks:
        path, dropped = _path(net, picture, walk)
        _draw_path(ax, picture, path, colour, rad, label, ring)
        if dropped is not None and walk.decided_by is not None:
            _draw_drop(ax, picture, dropped, _drop_text(walk.decided_by))


def _address_nodes(net: Network, picture: _Picture) -> dict[str, str]:
    """Every address an ENI holds (private, IPv6, public) -> its drawn node."""
    out: dict[str, str] = {}
    for eni in net.network_interfaces:
        node = picture.aliases.get(eni.id, eni.id)
        for address in [*eni.addresses, *eni.public_ips.values()]:
            out[str(address)] = node
    return out


def _flow_ends(net: Network, picture: _Picture, evaluation: Evaluation) -> tuple[list[str], list[str]]:
    """The drawn node of each flow's source and destination: an ENI (by any of its addresses), the subnet of an
    address no ENI holds, the VPN whose routes cover an on-premises address, the internet; link-local services
    (IMDS, DNS) answer the instance itself (M1)."""
    from vpcsim.engine.evaluate import K_INTERNET, K_LINK_LOCAL, K_ONPREM

    addresses = _address_nodes(net, picture)

    def node_of(address: str, kind: int) -> str:
        if kind == K_INTERNET:
            return INTERNET_NODE
        if kind == K_ONPREM:
            vpns = [v.id for v in net.vpn_connections if _in(address, v.routes)] or [INTERNET_NODE]
            return vpns[0]
        found = addresses.get(address) or next((s.id for s in net.subnets if _in(address, s.cidrs)), None)
        return found or INTERNET_NODE

    ends: dict[str, list[str]] = {}
    for side in ("src", "dst"):
        cache: dict[tuple[str, int], str] = {}
        kinds = evaluation.codes[f"{side}_kind"].tolist()
        ends[side] = [
            cache.get((a, k)) or cache.setdefault((a, k), node_of(a, k))
            for a, k in zip(evaluation.addresses(side), kinds, strict=True)
        ]
    local = evaluation.codes["dst_kind"] == K_LINK_LOCAL
    destinations = [s if here else d for s, d, here in zip(ends["src"], ends["dst"], local.tolist(), strict=True)]
    return ends["src"], destinations


def _draw_flows(ax: Any, net: Network, picture: _Picture, evaluation: Evaluation) -> None:
    import numpy as np

    sources, destinations = _flow_ends(net, picture, evaluation)
    connected = np.asarray(evaluation.connected, dtype=bool).tolist()
    pairs = set(zip(sources, destinations, connected, strict=True))
    for ok in (True, False):
        steps = sorted({(s, d) for s, d, c in pairs if c is ok and s != d})
        if steps:
            graph = nx.DiGraph(steps)
            edges = nx.draw_networkx_edges(
                graph,
                picture.positions,
                ax=ax,
                edgelist=steps,
                width=1.6,
                edge_color=CONNECTED_COLOUR if ok else DROPPED_COLOUR,
                arrows=True,
                arrowsize=12,
                connectionstyle=f"arc3,rad={0.15 if ok else 0.3}",
                node_size=250,
            )
            for patch in edges:
                patch.set_gid("connected" if ok else "dropped")
    # The forward packet's drop, else the reply's: one marker per component, naming each reason once.
    forward = zip(evaluation.component, evaluation.kind, evaluation.explanation, strict=True)
    back = zip(evaluation.reply_component, evaluation.reply_kind, evaluation.reply_explanation, strict=True)
    why = {
        (*(f if f[0] is not None else b), s, d)
        for f, b, s, d, c in zip(forward, back, sources, destinations, connected, strict=True)
        if not c
    }
    drops: dict[str, set[str]] = {}
    for component, kind, code, source, destination in why:
        if component is None:
            continue
        near = [destination, source] if "ingress" in kind else [source, destination]
        node = _hop_node(net, picture, component, kind, "", near) or destination
        drops.setdefault(node, set()).add(f"{code or kind}\n{kind} {component}")
    for node, texts in sorted(drops.items()):
        _draw_drop(ax, picture, node, "\n".join(sorted(texts)[:4]))


def _in(address: str, networks: Iterable[Any]) -> bool:
    import ipaddress

    parsed = ipaddress.ip_address(address)
    return any(parsed.version == n.version and parsed in n for n in networks)


def png_bytes(figure_or_ax: Any, *, dpi: int = 80) -> bytes:
    """The PNG image of a matplotlib Figure or Axes (its figure), e.g. to check a picture rendered.

    Parameters
    ----------
    figure_or_ax : matplotlib Figure or Axes
    dpi : int
        Resolution; the default keeps large pictures (40 x 30 inches at most, see :func:`draw`) quick to write.

    Returns
    -------
    bytes

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> png_bytes(ax)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    >>> plt.close(fig)
    """
    figure = getattr(figure_or_ax, "figure", figure_or_ax)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def heatmap(answer: Any, ax: Any = None) -> Any:
    """Plot a reachability or exposure answer as a heatmap. Returns the matplotlib Axes.

    - A ``reachability_matrix`` DataFrame (wide, or ``long=True``): a row per source group, a column per
      destination group, green where the source reaches the destination, each cell annotated with the ports.
    - An :class:`~vpcsim.query.exposure.Exposure`: a row per interface address, a column per protocol and port
      range, coloured by how wide the sources that connect there are (as a prefix length: ``/0``, every address,
      darkest; IPv6 prefixes count a quarter), each cell annotated with the sources.

    Parameters
    ----------
    answer : pandas.DataFrame or Exposure
    ax : matplotlib Axes, optional
        Where to plot; a new figure sized to the answer when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    TypeError
        ``answer`` is neither.
    ValueError
        A DataFrame that is not a reachability matrix.

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import vpcsim
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> ax = heatmap(net.reachability_matrix([vpcsim.INTERNET, "web"], ["web", "api"], protocol="tcp"))
    >>> ax.images[0].get_array().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    >>> [t.get_text() for t in ax.texts]
    ['80, 443', '', '', '8080']
    >>> import matplotlib.pyplot as plt; plt.close("all")
    """
    import pandas as pd

    from vpcsim.query.exposure import Exposure

    _pyplot()
    if isinstance(answer, Exposure):
        return _exposure_heatmap(answer, ax)
    if isinstance(answer, pd.DataFrame):
        return _matrix_heatmap(_wide(answer), ax)
    raise TypeError(
        "heatmap() takes a reachability_matrix DataFrame or an Exposure (net.exposure()), "
        f"not {type(answer).__name__}"
    )


def _wide(frame: Any) -> Any:
    """A reachability matrix as source x destination port text, from the wide or the long form."""
    from vpcsim.query.exposure import _ports_text

    long_columns = {"source", "destination", "ports"}
    if long_columns <= set(frame.columns):
        several = frame["protocol"].nunique() > 1 if "protocol" in frame.columns else False
        text = frame["ports"].map(_ports_text)
        if several:  # name the protocol in each cell when the frame mixes them
            text = [f"{p} {t}" if t else "" for p, t in zip(frame["protocol"], text, strict=True)]
        cells = frame.assign(ports=text).groupby(["source", "destination"], sort=False)["ports"]
        wide = cells.agg(lambda s: "; ".join(t for t in s if t)).unstack("destination")
        return wide.reindex(
            index=list(dict.fromkeys(frame["source"])), columns=list(dict.fromkeys(frame["destination"]))
        ).fillna("")
    values = frame.to_numpy(dtype=object).ravel()
    if not all(isinstance(v, str) for v in values):
        odd = next(v for v in values if not isinstance(v, str))
        raise ValueError(
            "heatmap() expects a reachability_matrix DataFrame: cells of port text ('' = none), or the long form "
            f"with source, destination and ports columns; got a cell {odd!r} with columns {list(frame.columns)}"
        )
    return frame


def _new_axes(ax: Any, rows: int, columns: int) -> Any:
    if ax is not None:
        return ax
    plt = _pyplot()
    size = (min(max(1.6 * columns + 2.5, 5.0), 30.0), min(max(0.45 * rows + 1.8, 3.0), 30.0))
    return plt.subplots(figsize=size, layout="constrained")[1]


def _grid(ax: Any, values: Any, texts: Any, rows: list[str], columns: list[str], font: float) -> None:
    """Row and column labels, and each cell's text (dark cells get white text)."""
    import numpy as np

    ax.set_xticks(range(len(columns)), labels=columns, rotation=40, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), labels=rows, fontsize=8)
    ax.set_xticks(np.arange(len(columns) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(rows) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    image = ax.images[-1]
    for (r, c), text in np.ndenumerate(texts):
        value = values[r, c]
        dark = bool(np.isfinite(value)) and image.norm(value) > 0.6
        ax.text(c, r, text, ha="center", va="center", fontsize=font, color="white" if dark else "black")


def _matrix_heatmap(wide: Any, ax: Any) -> Any:
    import numpy as np
    from matplotlib.colors import ListedColormap

    texts = wide.to_numpy(dtype=object)
    values = (texts != "").astype(float)
    rows, columns = [str(i) for i in wide.index], [str(c) for c in wide.columns]
    ax = _new_axes(ax, len(rows), len(columns))
    ax.imshow(values, cmap=ListedColormap(["#f0f0f0", CONNECTED_COLOUR]), vmin=0, vmax=1, aspect="auto")
    _grid(ax, np.zeros_like(values), texts, rows, columns, 8)
    ax.set_xlabel(wide.columns.name or "destination")
    ax.set_ylabel(wide.index.name or "source")
    return ax


def _source_width(sources: Iterable[str]) -> float:
    """How wide a set of source CIDRs is, as the bits they leave free (32 = 0.0.0.0/0; IPv6 bits count 1/4)."""
    import ipaddress

    total = 0.0
    for text in sources:
        network = ipaddress.ip_network(text, strict=False)
        total += 2.0 ** ((network.max_prefixlen - network.prefixlen) * 32 / network.max_prefixlen)
    return math.log2(total) if total else 0.0


def _exposure_heatmap(exposure: Any, ax: Any) -> Any:
    import numpy as np
    from matplotlib import colormaps

    if not exposure.rows:
        ax = _new_axes(ax, 1, 1)
        ax.text(
            0.5, 0.5, f"Nothing is reachable from {exposure.source}", ha="center", va="center", transform=ax.transAxes
        )
        ax.set_axis_off()
        return ax
    addresses = dict.fromkeys((r["network_interface"], r["address"]) for r in exposure.rows)
    ranges = sorted(
        {(r["protocol"], r["port_from"], r["port_to"]) for r in exposure.rows},
        key=lambda k: (k[0], -1 if k[1] is None else k[1], -1 if k[2] is None else k[2]),
    )
    row_keys = {k: i for i, k in enumerate(addresses)}
    column_keys = {k: j for j, k in enumerate(ranges)}
    ax = _new_axes(ax, len(row_keys), len(column_keys) + 1)  # + the colour bar
    values = np.full((len(row_keys), len(column_keys)), np.nan)
    texts = np.full(values.shape, "", dtype=object)
    for r in exposure.rows:
        i = row_keys[r["network_interface"], r["address"]]
        j = column_keys[r["protocol"], r["port_from"], r["port_to"]]
        values[i, j] = _source_width(r["sources"])
        shown = list(r["sources"])[:2]
        texts[i, j] = "\n".join(shown) + (f"\n+{len(r['sources']) - 2}" if len(r["sources"]) > 2 else "")
    cmap = colormaps["Reds"].with_extremes(bad="#f0f0f0")
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0, vmax=32, aspect="auto")
    names = {r["network_interface"]: r.get("instance") for r in exposure.rows}
    rows = [f"{_interface_label(eni, names.get(eni))} {address}" for eni, address in row_keys]
    columns = [_port_label(*k) for k in column_keys]
    _grid(ax, values, texts, rows, columns, 6.5)
    bar = ax.figure.colorbar(image, ax=ax, ticks=[0, 8, 16, 24, 32])
    bar.ax.set_yticklabels(["/32", "/24", "/16", "/8", "/0"])
    bar.set_label("how wide the sources are (as one prefix)")
    ax.set_title(f"Exposure from {exposure.source}", fontsize=9)
    return ax


def _interface_label(eni: str, instance: str | None) -> str:
    return f"{instance} ({eni})" if instance else eni


def _port_label(protocol: str, low: int | None, high: int | None) -> str:
    if low is None:
        return f"{protocol} all"
    return f"{protocol} {low}" if low == high else f"{protocol} {low}-{high}"


def network_html(net: Network) -> str:
    """The inventory of ``net`` as HTML (``Network._repr_html_``): counts per resource kind, then per VPC its CIDRs
    and a table of its subnets by Availability Zone. Every name and tag is escaped.

    Parameters
    ----------
    net : Network

    Returns
    -------
    str

    Examples
    --------
    >>> from vpcsim.examples import private_api_behind_nlb
    >>> page = network_html(private_api_behind_nlb())
    >>> "<td>load balancers</td><td>1</td>" in page, page.count("<tr><td>us-east-1")
    (True, 4)
    """
    gateways = [
        *net.internet_gateways,
        *net.egress_only_internet_gateways,
        *net.nat_gateways,
        *net.vpn_gateways,
        *net.transit_gateways,
        *net.vpc_peering_connections,
        *net.vpc_endpoints,
    ]
    counts = [
        ("VPCs", len(net.vpcs)),
        ("subnets", len(net.subnets)),
        ("instances", len(net.instances)),
        ("network interfaces", len(net.network_interfaces)),
        ("security groups", len(net.security_groups)),
        ("network ACLs", len(net.network_acls)),
        ("route tables", len(net.route_tables)),
        ("gateways", len(gateways)),
        ("load balancers", len(net.load_balancers)),
    ]
    kinds = sorted({target_kind(g.id).replace("-", " ") for g in gateways})
    rows = "".join(f"<tr><td>{what}</td><td>{count}</td></tr>" for what, count in counts)
    parts = [
        f"<p><b>Network {html.escape(net.region)}</b></p>",
        f"<table><tr><th>resources</th><th>count</th></tr>{rows}</table>",
        f"<p>gateways: {html.escape(', '.join(kinds))}</p>" if kinds else "",
    ]
    enis: dict[str, int] = {}
    for eni in net.network_interfaces:
        enis[eni.subnet.id] = enis.get(eni.subnet.id, 0) + 1
    head = "".join(f"<th>{h}</th>" for h in ("AZ", "subnet", "CIDR", "route table", "network ACL", "ENIs", "public"))
    for vpc in net.vpcs:
        subnets = sorted((s for s in net.subnets if s.vpc is vpc), key=lambda s: (s.availability_zone, s.cidr_block))
        cells = "".join(
            "<tr>"
            + "".join(
                f"<td>{html.escape(str(v))}</td>"
                for v in (
                    s.availability_zone,
                    _titled(s),
                    " ".join(map(str, s.cidrs)),
                    _titled(s.route_table),
                    _titled(s.network_acl),
                    enis.get(s.id, 0),
                    "yes" if _is_public(s) else "no",
                )
            )
            + "</tr>"
            for s in subnets
        )
        cidrs = html.escape(" ".join(map(str, vpc.cidrs)))
        parts.append(f"<p><b>{html.escape(_titled(vpc))}</b> {cidrs}</p>")
        parts.append(f"<table><tr>{head}</tr>{cells}</table>" if subnets else "<p>no subnets</p>")
    return "".join(parts)


def _titled(resource: Any) -> str:
    """``name (id)``, or the id alone."""
    return f"{resource.name} ({resource.id})" if resource.name else str(resource.id)
