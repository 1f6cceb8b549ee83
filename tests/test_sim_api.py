"""The Simulator's event API: connections, packets, the clock, live edits and the log (issue 7, part 1)."""

from __future__ import annotations

import pytest
from seeds import Seeds, build_seeds

import vpcsim
from vpcsim.errors import InvalidFlowError

OFFICE = vpcsim.internet("203.0.113.5")


@pytest.fixture
def seeds() -> Seeds:
    return build_seeds()


@pytest.fixture
def sim(seeds: Seeds) -> vpcsim.Simulator:
    return vpcsim.Simulator(seeds.net)


def test_tcp_connect_is_a_three_way_handshake(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    conn = sim.connect(OFFICE, seeds.instance, "tcp", 80)
    assert conn.state == "established"
    assert sim.conntrack() == []  # HTTP open to everyone, all egress open: untracked (G5)
    assert [(r.direction, set(r.flags)) for r in conn.results] == [
        ("forward", {"SYN"}),
        ("reply", {"SYN", "ACK"}),
        ("forward", {"ACK"}),
    ]
    syn, synack, ack = conn.results
    # The SYN is let in by my-sg-1's HTTP rule (G1) at the instance's private address (P3 translated it).
    assert (syn.disposition, syn.component, syn.rule) == ("ACCEPTED", seeds.sg1.id, seeds.sg1.ingress[0].id)
    assert str(syn.hops[-1].packet.dst) == "10.0.1.10"
    # The answer leaves to the internet from the EIP, as the client expects.
    assert synack.disposition == "EXITS_NETWORK"
    assert synack.hops[-1].packet.src == seeds.eip0.public_ip
    assert ack.delivered


def test_client_ports_are_ephemeral_and_distinct(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    first = sim.connect(OFFICE, seeds.instance, "tcp", 80)
    second = sim.connect(OFFICE, seeds.instance, "tcp", 80)
    assert (first.request.src_port, second.request.src_port) == (32768, 32769)
    pinned = sim.connect(OFFICE, seeds.instance, "tcp", 80, src_port=50000)
    assert pinned.request.src_port == 50000


def test_udp_and_icmp_are_request_and_reply(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    dns = sim.connect(seeds.instance, vpcsim.internet("198.51.100.53"), "udp", 53)
    assert [r.direction for r in dns.results] == ["forward", "reply"]
    assert dns.established
    ping = sim.connect(seeds.instance, vpcsim.internet("198.51.100.53"), "icmp")
    assert [r.packet.dst_port for r in ping.results] == [8, 0]  # echo request, echo reply
    unreachable = sim.connect(seeds.instance, vpcsim.internet("198.51.100.53"), "icmp", 3)
    assert [r.direction for r in unreachable.results] == ["forward"]  # no reply to a type-3 message


def test_a_refused_connection_fails_at_the_rule(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    conn = sim.connect(OFFICE, seeds.instance, "tcp", 22)
    assert conn.state == "failed"
    assert len(conn.results) == 1
    syn = conn.results[0]
    assert (syn.disposition, syn.explanation, syn.component) == (
        "DENIED_IN",
        "ENI_SG_RULES_MISMATCH",
        seeds.sg1.id,
    )
    with pytest.raises(InvalidFlowError, match="its first packet never arrived"):
        sim.send(conn, "reply")


def test_close_sends_fin_both_ways_and_forgets_the_entries(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    sim.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=22, cidr="203.0.113.5/32")
    conn = sim.connect(OFFICE, seeds.instance, "tcp", 22)
    (entry,) = sim.conntrack(seeds.instance)  # SSH from one address is tracked (G5)
    assert entry.state == "established"
    assert entry.reason.startswith(f"rule {seeds.sg1.ingress[1].id}")
    results = sim.close(conn)
    assert [set(r.flags) for r in results] == [{"FIN", "ACK"}, {"FIN", "ACK"}, {"ACK"}]
    assert conn.state == "closed"
    assert sim.conntrack(seeds.instance) == []


def test_rst_resets_the_connection(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    conn = sim.connect(OFFICE, seeds.instance, "tcp", 80)
    result = sim.send(conn, "reply", flags={"RST"})
    assert result.delivered
    assert conn.state == "reset"


def test_live_edits_through_the_simulator_and_on_the_network_are_logged(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    sim.authorize_security_group_ingress(seeds.sg1, protocol="tcp", ports=22, cidr="203.0.113.5/32")
    seeds.net.revoke_security_group_ingress(seeds.sg1, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    edits = sim.log[sim.log.event == "edit"]
    assert [d.split("(")[0] for d in edits.detail] == [
        "authorize_security_group_ingress",
        "revoke_security_group_ingress",
    ]
    assert set(edits.component) == {seeds.sg1.id}
    assert sim.connect(OFFICE, seeds.instance, "tcp", 22).established
    assert not sim.connect(OFFICE, seeds.instance, "tcp", 80).established


def test_a_copy_of_the_network_is_not_watched(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    with seeds.net.what_if() as alt:
        alt.revoke_security_group_ingress(seeds.sg1, protocol="tcp", ports=80, cidr="0.0.0.0/0")
    assert sim.events == []


def test_a_failed_operation_is_not_logged(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    with pytest.raises(vpcsim.AwsError):
        sim.revoke_security_group_ingress(seeds.sg1, protocol="tcp", ports=9999, cidr="0.0.0.0/0")
    assert sim.events == []


def test_log_columns_and_views(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    sim.connect(OFFICE, seeds.instance, "tcp", 80)
    sim.advance(5)
    sim.connect(OFFICE, seeds.instance, "tcp", 22)
    log = sim.log
    assert list(log.columns) == [
        "time",
        "event",
        "connection",
        "direction",
        "packet",
        "flags",
        "disposition",
        "explanation",
        "component",
        "rule",
        "delivered",
        "detail",
    ]
    assert list(log.time) == [0.0, 0.0, 0.0, 5.0]
    assert list(log.connection) == ["c1", "c1", "c1", "c2"]
    assert log.iloc[-1].explanation == "ENI_SG_RULES_MISMATCH"
    assert log.iloc[0].packet == f"tcp 203.0.113.5:32768 -> {seeds.eip0.public_ip}:80"
    html = sim._repr_html_()
    assert "<table" in html
    assert "ENI_SG_RULES_MISMATCH" in html
    assert "t=5 s" in html
    assert repr(sim) == "<Simulator t=5s connections=2 log=4 rows>"
    assert "t=0s c1 forward tcp 203.0.113.5:32768" in str(sim.connections[0].results[0])


def test_bad_arguments_are_clear_errors(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    conn = sim.connect(OFFICE, seeds.instance, "tcp", 80)
    with pytest.raises(InvalidFlowError, match="direction 'sideways'"):
        sim.send(conn, "sideways")
    with pytest.raises(InvalidFlowError, match="unknown TCP flag"):
        sim.send(conn, flags={"XMAS"})
    with pytest.raises(InvalidFlowError, match="not a connection of this simulator"):
        vpcsim.Simulator(seeds.net).send(conn)
    with pytest.raises(ValueError, match="advance"):
        sim.advance(-1)
    with pytest.raises(InvalidFlowError, match="70000"):
        sim.connect(OFFICE, seeds.instance, "tcp", 70000)
    with pytest.raises(AttributeError, match="nor is it a Network operation"):
        sim.trace  # noqa: B018 - a question, not an operation: ask the network
    ping = sim.connect(seeds.instance, OFFICE, "icmp")
    with pytest.raises(InvalidFlowError, match="TCP flags"):
        sim.send(ping, flags={"SYN"})
    assert sim.now == 0


def test_container_sources_send_from_the_instance(seeds: Seeds, sim: vpcsim.Simulator) -> None:
    conn = sim.connect(sim.container(seeds.instance), vpcsim.internet("198.51.100.7"), "tcp", 443)
    assert conn.established
    assert conn.request.src == seeds.eth0.private_ip


def test_connect_takes_a_name_tag_as_trace_does() -> None:
    from vpcsim.examples import demo_network

    net = demo_network()
    office = vpcsim.internet("203.0.113.10")  # the bastion admits SSH from the office's /24 only
    assert net.trace(office, "bastion", "tcp", 22).connected
    assert vpcsim.Simulator(net).connect(office, "bastion", "tcp", 22).state == "established"


def test_a_simulator_on_a_copy_reads_the_copy_when_given_the_original_objects(seeds: Seeds) -> None:
    get = "curl http://169.254.169.254/latest/meta-data/instance-id"
    with seeds.net.what_if() as alt:
        alt.modify_instance_metadata_options(seeds.instance, http_tokens="required")  # M3: IMDSv2 only
        sim = vpcsim.Simulator(alt)
        assert sim.curl(seeds.instance.id, get).status == 401
        assert sim.curl(seeds.instance, get).status == 401  # the original's object stands for its id
    assert vpcsim.Simulator(seeds.net).curl(seeds.instance, get).status == 200  # the original still allows v1
