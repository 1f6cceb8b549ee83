"""The what-if panel (vpcsim.widgets): driven through its methods and through its widgets, headless."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.image
import numpy as np
import pytest

import vpcsim
from vpcsim import INTERNET
from vpcsim.errors import InvalidEndpointError, InvalidFlowError
from vpcsim.examples import DEMO_QUESTIONS, NLB_QUESTIONS, demo_network, private_api_behind_nlb, two_enis_two_eips
from vpcsim.widgets import WhatIfPanel

OFFICE = vpcsim.internet("203.0.113.10")
DEMO_FLOWS = [q[1:] for q in DEMO_QUESTIONS if q[2] != "169.254.169.254"]  # IMDS: see test_imds_has_no_open_ports


@pytest.fixture(scope="module")
def demo() -> vpcsim.Network:
    return demo_network()


@pytest.fixture
def panel(demo: vpcsim.Network) -> WhatIfPanel:
    return WhatIfPanel(demo, INTERNET, "web", "tcp", 443, picture=False)


def verdict(trace: vpcsim.Trace) -> tuple[object, ...]:
    decided = trace.decided_by or (trace.reply.decided_by if trace.reply is not None else None)
    return (trace.disposition, trace.explanation, trace.connected, decided and (decided.component, decided.rule))


def admitting_hop(trace: vpcsim.Trace) -> vpcsim.Hop:
    [hop] = [h for h in trace.hops if h.kind == "security-group-ingress"]
    return hop


@pytest.mark.parametrize(
    ("build", "flow"),
    [(demo_network, f) for f in DEMO_FLOWS] + [(private_api_behind_nlb, q[1:]) for q in NLB_QUESTIONS],
    ids=lambda v: v.__name__ if callable(v) else " ".join(map(str, v)),
)
def test_set_flow_gives_the_verdict_trace_gives(build: object, flow: tuple[object, object, str, int]) -> None:
    assert callable(build)
    net = build()
    panel = WhatIfPanel(net, picture=False)
    panel.set_flow(*flow)
    assert panel.result is not None
    assert verdict(panel.result) == verdict(net.trace(*flow))
    assert panel.changes == []


def test_open_ports_are_the_networks(panel: WhatIfPanel, demo: vpcsim.Network) -> None:
    assert panel.open_ports == demo.open_ports("web", source=INTERNET) == [(80, 80), (443, 443)]
    panel.set_flow("api", "db", "tcp", 5432)
    assert panel.open_ports == [(5432, 5432)]
    panel.set_flow("monitoring", "api", "tcp", 9100)
    assert panel.open_ports == [(9100, 9100)]


@pytest.mark.parametrize(
    ("build", "flow"),
    [
        (demo_network, (INTERNET, "web", "tcp", 443)),
        (demo_network, ("api", "db", "tcp", 5432)),
        (demo_network, ("monitoring", "api", "tcp", 9100)),  # across the peering
        (demo_network, (OFFICE, "bastion", "tcp", 22)),
        (private_api_behind_nlb, (INTERNET, "api-nlb", "tcp", 443)),  # the target's SG, past the NLB (L1)
    ],
    ids=lambda v: v.__name__ if callable(v) else " ".join(map(str, v)),
)
def test_unticking_the_admitting_rule_blocks_at_that_sg_and_ticking_restores(
    build: object, flow: tuple[object, object, str, int]
) -> None:
    assert callable(build)
    net = build()
    before = net.snapshot()
    panel = WhatIfPanel(net, *flow, picture=False)
    assert panel.result is not None
    assert panel.result.connected
    connected = verdict(panel.result)
    hop = admitting_hop(panel.result)
    key = panel.rule_key(hop)
    assert key is not None
    assert key in panel.rules
    panel.toggle(key, False)
    blocked = panel.result
    assert blocked is not None
    assert blocked.decided_by is not None
    # SPEC G1: with the only rule that admits the flow gone, its SG drops it (L1 names the NLB's case).
    assert (blocked.connected, blocked.decided_by.component, blocked.decided_by.kind) == (
        False,
        hop.component,
        "security-group-ingress",
    )
    assert blocked.explanation in ("ENI_SG_RULES_MISMATCH", "ELBV2_SOURCE_ADDRESS_PRESERVATION")
    assert panel.changes == [
        ("revoke_security_group_ingress", {"security_group": hop.component, "rule_id": hop.rule})
    ]
    assert not panel.checkboxes[key].value
    panel.toggle(key, True)
    assert panel.result is not None
    assert verdict(panel.result) == connected
    assert panel.changes == []
    assert net.snapshot() == before  # the panel edits what-if copies only


def test_unticking_nacl_entries_both_ways(demo: vpcsim.Network) -> None:
    # SPEC N1, N4: the data subnet's NACL admits 5432 from the app subnet in, and the reply's ephemeral ports out.
    panel = WhatIfPanel(demo, "api", "db", "tcp", 5432, picture=False)
    data_acl = next(a for a in demo.network_acls if a.name == "data-acl")
    inbound, outbound = f"{data_acl.id}/ingress/100", f"{data_acl.id}/egress/100"
    assert panel.rules[inbound] == "NACL data-acl ingress #100 allow tcp 10.0.10.0/24 ports 5432-5432"
    assert panel.rules[outbound] == "NACL data-acl egress #100 allow tcp 10.0.10.0/24 ports 1024-65535"
    panel.toggle(outbound, False)
    assert panel.result is not None
    assert panel.result.delivered
    assert not panel.result.connected
    assert panel.result.reply is not None
    assert panel.result.reply.decided_by is not None
    assert (panel.result.reply.explanation, panel.result.reply.decided_by.component) == (
        "SUBNET_ACL_RESTRICTION",
        data_acl.id,
    )
    assert panel.result.reply.decided_by.rule == 32767  # the "*" rule: nothing left to untick
    assert panel.rule_key(panel.result.reply.decided_by) is None
    assert panel.open_ports == []
    panel.toggle(inbound, False)
    assert panel.result is not None
    assert panel.result.decided_by is not None
    assert (panel.result.explanation, panel.result.decided_by.kind) == ("SUBNET_ACL_RESTRICTION", "nacl-ingress")
    assert panel.changes == [
        ("delete_network_acl_entry", {"network_acl": data_acl.id, "rule_number": 100, "egress": True}),
        ("delete_network_acl_entry", {"network_acl": data_acl.id, "rule_number": 100, "egress": False}),
    ]
    assert demo.reachable("api", "db", "tcp", 5432)


def test_changes_replay_on_a_what_if_copy(demo: vpcsim.Network) -> None:
    panel = WhatIfPanel(demo, OFFICE, "bastion", "tcp", 22, picture=False)
    assert panel.result is not None
    panel.toggle(panel.rule_key(admitting_hop(panel.result)) or "", False)
    with demo.what_if() as alt:
        for operation, arguments in panel.changes:
            getattr(alt, operation)(**arguments)
        assert verdict(alt.trace(OFFICE, "bastion", "tcp", 22)) == verdict(panel.result)
    with panel.what_if() as alt:
        assert not alt.reachable(OFFICE, "bastion", "tcp", 22)
    assert demo.reachable(OFFICE, "bastion", "tcp", 22)


def test_checkboxes_are_the_ends_and_paths_rules(demo: vpcsim.Network) -> None:
    panel = WhatIfPanel(demo, "web", "db", "tcp", 5432, picture=False)
    owners = {key.split("/")[0] for key in panel.rules}
    web, db = (next(i for i in demo.instances if i.name == n) for n in ("web", "db"))
    assert owners == {
        web.security_groups[0].id,
        db.security_groups[0].id,
        web.primary_network_interface.subnet.network_acl.id,
        db.primary_network_interface.subnet.network_acl.id,
    }
    assert list(panel.checkboxes) == list(panel.rules)
    assert [box.description for box in panel.checkboxes.values()] == list(panel.rules.values())
    assert all(box.value for box in panel.checkboxes.values())
    assert "web ingress: tcp 443-443 from 0.0.0.0/0" in panel.rules.values()


def test_an_unticked_rule_keeps_its_checkbox_when_the_flow_moves_on(demo: vpcsim.Network) -> None:
    panel = WhatIfPanel(demo, INTERNET, "web", "tcp", 443, picture=False)
    assert panel.result is not None
    key = panel.rule_key(admitting_hop(panel.result))
    assert key is not None
    panel.toggle(key, False)
    panel.set_flow("api", "db", "tcp", 5432)
    assert key in panel.rules
    assert not panel.checkboxes[key].value
    assert [op for op, _ in panel.changes] == ["revoke_security_group_ingress"]
    panel.set_flow(INTERNET, "web", "tcp", 443)
    assert panel.result is not None
    assert panel.result.explanation == "ENI_SG_RULES_MISMATCH"


def test_widgets_drive_the_panel(demo: vpcsim.Network) -> None:
    panel = WhatIfPanel(demo, INTERNET, "web", "tcp", 443, picture=False)
    c = panel.controls
    c["port"].value = 22
    assert panel.result is not None
    assert (panel.result.packet.dst_port, panel.result.explanation) == (22, "ENI_SG_RULES_MISMATCH")
    c["destination"].value = "api"
    c["source"].value = "web"
    c["port"].value = 8080
    assert panel.result is not None
    assert panel.result.connected  # api's SG admits 8080 from web's SG (G2)
    assert panel.result.destination.label.endswith("api")
    key = next(k for k, label in panel.rules.items() if label.startswith("web egress"))
    panel.checkboxes[key].value = False  # SPEC G1: web's only outbound rule
    assert panel.result is not None
    assert panel.result.decided_by is not None
    assert (panel.result.explanation, panel.result.decided_by.kind) == (
        "ENI_SG_RULES_MISMATCH",
        "security-group-egress",
    )
    assert [op for op, _ in panel.changes] == ["revoke_security_group_egress"]


def test_picking_icmp_fits_the_sliders_to_icmp_types(demo: vpcsim.Network) -> None:
    panel = WhatIfPanel(demo, "api", INTERNET, "tcp", 443, picture=False)
    panel.controls["protocol"].value = "icmp"
    port, ports = panel.controls["port"], panel.controls["ports"]
    assert (port.value, port.max, ports.value) == (8, 255, (0, 255))
    assert panel.result is not None
    assert (panel.result.packet.protocol, panel.result.packet.dst_port, panel.result.connected) == (1, 8, True)
    assert panel.open_ports == [(0, 255)]  # api's SG sends everything out; the NAT gateway carries ICMP (I4)
    panel.controls["protocol"].value = "udp"
    assert (port.max, ports.value) == (65535, (0, 65535))


def test_the_port_window_limits_open_ports(demo: vpcsim.Network) -> None:
    panel = WhatIfPanel(demo, INTERNET, "web", "tcp", 443, picture=False)
    panel.controls["ports"].value = (1, 100)
    assert panel.open_ports == [(80, 80)]
    panel.controls["ports"].value = (400, 1000)
    assert panel.open_ports == [(443, 443)]
    panel.set_flow(INTERNET, "web", "tcp", 80)  # same protocol: the window stays
    assert panel.open_ports == [(443, 443)]
    panel.controls["ports"].value = (0, 65535)
    assert panel.open_ports == [(80, 80), (443, 443)]


def test_the_two_enis_answer_apart() -> None:
    net = two_enis_two_eips()
    eth1 = net.instances[0].network_interfaces[1]
    panel = WhatIfPanel(net, INTERNET, eth1.id, "tcp", 80, picture=False)
    assert panel.result is not None
    assert (panel.result.explanation, panel.open_ports) == ("ENI_SG_RULES_MISMATCH", [])
    assert any(label.startswith("my-sg-2 egress") for label in panel.rules.values())
    assert panel.controls["destination"].value == eth1.id
    assert ("eth1", eth1.id) in [(label.split()[-1], value) for label, value in panel.controls["destination"].options]


def test_imds_has_no_open_ports(demo: vpcsim.Network) -> None:
    # M1: trace reaches the metadata service; open_ports asks of groups of hosts, which it is not: the panel says so.
    panel = WhatIfPanel(demo, "api", "169.254.169.254", "tcp", 80, picture=False)
    assert panel.result is not None
    assert panel.result.disposition == "ACCEPTED"
    assert panel.open_ports is None
    assert (
        "not available: destination 169.254.169.254 is held by no network interface"
        in panel.outputs["open_ports"].value
    )


def test_open_ports_to_an_elastic_ip() -> None:
    net = demo_network()
    panel = WhatIfPanel(net, OFFICE, "web-admin-eip", "tcp", 443, picture=False)
    assert panel.result is not None
    assert panel.result.connected
    assert panel.open_ports == [(443, 443)]


def test_bad_input_raises_and_leaves_the_panel_as_it_was(panel: WhatIfPanel) -> None:
    result, rules = panel.result, panel.rules
    with pytest.raises(InvalidEndpointError, match="nope"):
        panel.set_flow("nope", "web", "tcp", 443)
    with pytest.raises(InvalidFlowError, match="protocol 'gre' is not one the panel offers: tcp, udp, icmp"):
        panel.set_flow(INTERNET, "web", "gre", 443)
    with pytest.raises(InvalidFlowError, match=r"port 70000 is invalid for tcp: an integer in 0\.\.65535"):
        panel.set_flow(INTERNET, "web", "tcp", 70000)
    with pytest.raises(InvalidFlowError, match=r"port 300 is invalid for icmp: an integer in 0\.\.255"):
        panel.set_flow(INTERNET, "web", "icmp", 300)
    with pytest.raises(InvalidFlowError, match="port True is invalid"):
        panel.set_flow(INTERNET, "web", "tcp", True)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="'sg-0/ingress/sgr-0' is no security group rule or network ACL entry"):
        panel.toggle("sg-0/ingress/sgr-0", False)
    assert panel.result is result
    assert panel.rules == rules
    assert panel.controls["source"].value is INTERNET
    assert panel.controls["destination"].value == "web"


def test_an_untraceable_pick_in_the_widgets_is_shown_not_raised(panel: WhatIfPanel) -> None:
    panel.controls["destination"].value = INTERNET
    assert panel.result is None
    assert panel.open_ports is None
    assert "Cannot trace this flow" in panel.outputs["verdict"].value
    assert "Both ends are outside the network" in panel.outputs["verdict"].value
    panel.controls["destination"].value = "web"
    assert panel.result is not None
    assert panel.result.connected


def test_a_rule_the_network_lost_leaves_the_changes() -> None:
    net = demo_network()
    panel = WhatIfPanel(net, INTERNET, "web", "tcp", 443, picture=False)
    assert panel.result is not None
    hop = admitting_hop(panel.result)
    panel.toggle(panel.rule_key(hop) or "", False)
    net.revoke_security_group_ingress(hop.component, rule_id=str(hop.rule))
    assert panel.changes == []
    panel.set_flow(INTERNET, "web", "tcp", 443)
    assert panel.result is not None
    assert panel.result.explanation == "ENI_SG_RULES_MISMATCH"


def test_the_widget_and_its_picture() -> None:
    net = demo_network()
    panel = WhatIfPanel(net, "web", "db", "tcp", 5432)
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert panel.picture is not None
    assert panel.outputs["picture"].value == panel.picture
    image = matplotlib.image.imread(io.BytesIO(panel.picture), format="png")
    colours = np.unique(image.reshape(-1, image.shape[-1]).round(2), axis=0)
    assert image.shape[0] > 300
    assert len(colours) > 50  # a drawing, not a blank canvas
    first = panel.picture
    panel.set_flow("api", "db", "tcp", 5432)
    second = panel.picture
    assert second != first  # redrawn with the new trace
    panel.controls["ports"].value = (1, 10)
    assert panel.picture == second  # the port window changes no trace
    admits = panel.rule_key(next(h for h in panel.result.hops if h.kind == "security-group-ingress"))
    assert admits is not None
    panel.toggle(admits, False)
    assert panel.picture not in (first, second)  # the drop is drawn
    panel.toggle(admits, True)
    assert panel.picture == second
