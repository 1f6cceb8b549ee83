"""Property tests of the Simulator on random valid networks from :mod:`vpcsim.testing.strategies`.

A fresh simulator is the trace with a clock: its first packet meets the network exactly as ``net.trace`` walks it
(SPEC V: same disposition and explanation; same deciding component and rule for a drop), and a connection opens
exactly when the trace says the flow is connected (G4: the reply is let through by tracking, N4: the NACLs see the
same ephemeral port). Time alone, shorter than every idle timeout (G6, I4), ends no connection.

Why the ports agree: the trace's client port is the lowest Linux ephemeral port, 32768 (N4); the first connection a
fresh simulator opens from an address takes the same one (later ones take the next free port).
"""

from __future__ import annotations

from hypothesis import event, given, note
from hypothesis import strategies as st

import vpcsim
from vpcsim import Network
from vpcsim.sim.conntrack import TCP_TRANSITORY_TIMEOUT
from vpcsim.sim.nat import IDLE_TIMEOUT
from vpcsim.testing.strategies import Flow, construction, flows, networks

# The shortest idle timeout there is: UDP single exchange (G6, 30 s, range 30-60), under TCP before the reply
# (120 s), the NAT gateway's 350 s (I4) and the 600 s of the other protocols.
SHORTEST_TIMEOUT = min(vpcsim.ConnectionTracking().udp_timeout, TCP_TRANSITORY_TIMEOUT, IDLE_TIMEOUT)


def _flows(net: Network) -> st.SearchStrategy[list[Flow]]:
    return st.lists(flows(net), min_size=1, max_size=4)


def _show(net: Network, flow: Flow, trace: vpcsim.Trace, conn: vpcsim.Connection) -> None:
    note(construction(net))
    note(f"flow {flow}")
    note(str(trace))
    note("\n".join(str(r) for r in conn.results))


@given(networks(), st.data())
def test_connect_first_packet_agrees_with_trace(net: Network, data: st.DataObject) -> None:
    """SPEC V, G4, N4: a fresh simulator's connect() = trace(): first packet's verdict; opened iff connected."""
    for flow in data.draw(_flows(net)):
        trace = net.trace(*flow)
        sim = vpcsim.Simulator(net)  # fresh: no state, and the trace's client port 32768
        conn = sim.connect(*flow)
        _show(net, flow, trace, conn)
        first = conn.results[0]
        assert first.packet == trace.packet
        assert (first.disposition, first.explanation) == (trace.disposition, trace.explanation)
        assert first.delivered == trace.delivered
        if not trace.delivered and trace.decided_by is not None:
            assert (first.component, first.rule) == (trace.decided_by.component, trace.decided_by.rule)
        # TCP (SYN, SYN-ACK, ACK), UDP and ICMP echo (request, reply), and GRE (a reply too, as the trace sends)
        event(f"{flow.protocol} {'connected' if trace.connected else 'not connected'}")
        assert conn.established == trace.connected, conn.state
        assert conn.state == ("established" if trace.connected else "failed")


@given(networks(), st.data())
def test_time_shorter_than_every_timeout_keeps_a_tracked_connection_alive(net: Network, data: st.DataObject) -> None:
    """G6, I4: advance(t) with t < every idle timeout expires nothing; the connection goes on both ways."""
    sim = vpcsim.Simulator(net)
    opened = [sim.connect(*flow) for flow in data.draw(_flows(net))]
    live = [c for c in opened if c.established and c.request.protocol in (1, 6, 17, 58)]
    entries = {(e.network_interface, e.key) for e in sim.conntrack()}
    event("tracked" if entries else "nothing tracked")
    wait = data.draw(st.floats(0, SHORTEST_TIMEOUT, exclude_max=True, allow_nan=False), label="wait")
    sim.advance(wait)
    assert [row for row in sim.events if row["event"] == "expire"] == []
    assert {(e.network_interface, e.key) for e in sim.conntrack()} == entries
    for conn in live:
        note(f"{conn}: " + "\n".join(str(r) for r in conn.results))
        forward = sim.send(conn)
        assert forward.delivered, forward
        reply = sim.send(conn, "reply")
        assert reply.delivered, reply
        assert conn.state == "established"
