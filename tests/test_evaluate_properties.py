"""The vectorised engine agrees with the scalar walk (issue 4, DESIGN: "trace() is the reference").

On random valid networks (:func:`vpcsim.testing.strategies.networks`) and random flows, ``evaluate()`` gives every
flow the disposition, explanation, deciding component, step and rule, ``delivered`` and ``connected`` that
``trace()`` gives, and the same for the reply. The longest-prefix match of the compiled tables agrees with a
brute-force scan of the routes (:func:`vpcsim.engine.rules.lookup_route`) on random tables, and the rule bit
masks with the scalar NACL and security-group matchers.
"""

from __future__ import annotations

import ipaddress

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcsim import FlowBatch, Network
from vpcsim.engine.compile import compile_network
from vpcsim.engine.rules import lookup_route, match_nacl
from vpcsim.engine.verdict import Packet
from vpcsim.testing import assert_evaluate_agrees
from vpcsim.testing.strategies import flows, networks

SLOW = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # examples: the profile (ci: 100)


assert_agree = assert_evaluate_agrees


@SLOW
@given(data=st.data(), net=networks(max_vpcs=3, max_subnets=3, max_instances=5))
def test_evaluate_equals_trace_on_random_networks(data: st.DataObject, net: Network) -> None:
    """SPEC V: every verdict of the vectorised walk is the scalar walk's, forward and reply."""
    drawn = data.draw(st.lists(flows(net), min_size=1, max_size=25))
    batch = FlowBatch.from_arrays(
        [f.src for f in drawn],
        [f.dst for f in drawn],
        np.array([f.protocol for f in drawn], dtype=object),
        np.array([f.port for f in drawn], dtype=object),
    )
    v = assert_agree(net, batch)
    assert not v.scalar.any()  # these networks use only what the vectorised walk carries


@SLOW
@given(data=st.data(), net=networks(max_vpcs=2, max_subnets=3, max_instances=4))
def test_evaluate_equals_trace_for_addresses_and_source_ports(data: st.DataObject, net: Network) -> None:
    """Ends given as raw addresses (resolved per atom) and explicit source ports agree with trace() too."""
    addresses = [str(a) for e in net.network_interfaces for a in e.addresses]
    addresses += [str(e.public_ip) for e in net.network_interfaces if e.public_ip is not None]
    addresses += ["198.51.100.9", "10.0.0.77", "169.254.169.254", "10.1.0.2"]
    sources = [a for a in addresses if net.network_interface_with(a) is not None] or addresses
    rows = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(sources),
                st.sampled_from(addresses),
                st.sampled_from(["tcp", "udp"]),
                st.integers(0, 65535),
                st.integers(0, 65535) | st.none(),
            ),
            min_size=1,
            max_size=20,
        )
    )
    valid = []
    for src, dst, protocol, port, sport in rows:
        try:
            net.trace(src, dst, protocol, port, sport)
        except ValueError:
            continue
        valid.append((src, dst, protocol, port, sport))
    if not valid:
        return
    src, dst, protocol, port, sport = zip(*valid, strict=True)
    batch = FlowBatch.from_arrays(list(src), list(dst), list(protocol), list(port), np.array(sport, dtype=object))
    assert_agree(net, batch)


# ---------------------------------------------------------------------------------------------------------- LPM

_prefixes = st.builds(
    lambda a, n: ipaddress.IPv4Network((a >> (32 - n) << (32 - n), n)) if n else ipaddress.IPv4Network("0.0.0.0/0"),
    st.integers(0, 2**32 - 1),
    st.sampled_from([0, 1, 8, 12, 16, 20, 24, 28, 30, 31, 32]),
)


@settings(max_examples=80, deadline=None)
@given(
    destinations=st.lists(_prefixes, min_size=1, max_size=30, unique=True),
    probes=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=40),
)
def test_lpm_agrees_with_brute_force(destinations: list[ipaddress.IPv4Network], probes: list[int]) -> None:
    """SPEC R2: the painted intervals give every address the route a scan of all routes picks."""
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16")
    table = net.create_route_table(vpc)
    igw = net.create_internet_gateway()
    net.attach_internet_gateway(igw, vpc)
    for cidr in destinations:
        if not cidr.overlaps(vpc.cidr_block) or cidr.prefixlen < 16:
            net.create_route(table, str(cidr), igw)
    c = compile_network(net)
    # Probe the bounds of every prefix too: that is where interval painting goes wrong.
    bounds = [int(d.network_address) for d in destinations] + [int(d.broadcast_address) for d in destinations]
    values = np.array(sorted({*probes, *bounds, *(b + 1 for b in bounds if b < 2**32 - 1)}), dtype=np.uint64)
    atoms = c.atoms.lookup(np.zeros(len(values), dtype=np.uint64), values, np.full(len(values), 4, dtype=np.int8))
    t = c.tables.index(table)
    found = c.lpm(np.full(len(values), t, dtype=np.int64), atoms)
    routes = table.routes
    offset = sum(len(x.routes) for x in c.tables[:t])
    for value, r in zip(values.tolist(), found.tolist(), strict=True):
        want = lookup_route(routes, ipaddress.IPv4Address(value), lambda _: None)
        got = routes[r - offset] if r >= 0 else None
        assert got == want, f"{ipaddress.IPv4Address(value)}: {got} != {want}"


@settings(max_examples=40, deadline=None)
@given(
    entries=st.lists(
        st.tuples(
            st.integers(1, 200),
            st.sampled_from(["allow", "deny"]),
            st.sampled_from(["tcp", "udp", "-1", "icmp"]),
            _prefixes,
            st.integers(0, 65535),
            st.integers(0, 2000),
        ),
        min_size=1,
        max_size=19,  # the NACL quota (N5): 20 entries per direction and family, the * rule included
        unique_by=lambda e: e[0],
    ),
    probes=st.lists(
        st.tuples(st.integers(0, 2**32 - 1), st.sampled_from([6, 17, 1, 50]), st.integers(0, 65535)),
        min_size=1,
        max_size=30,
    ),
)
def test_nacl_masks_agree_with_scalar_matching(
    entries: list[tuple[int, str, str, ipaddress.IPv4Network, int, int]], probes: list[tuple[int, int, int]]
) -> None:
    """SPEC N1: the first entry by number found through the bit masks is the scalar matcher's."""
    net = Network()
    vpc = net.create_vpc("10.0.0.0/16")
    acl = net.create_network_acl(vpc)
    for number, action, protocol, cidr, low, width in entries:
        ports = (low, min(65535, low + width)) if protocol in ("tcp", "udp") else None
        icmp = (low % 256 - 1, -1) if protocol == "icmp" else None
        net.create_network_acl_entry(
            acl,
            rule_number=number,
            egress=False,
            protocol=protocol,
            action=action,
            cidr=str(cidr),
            ports=ports,
            icmp_type_code=icmp,
        )
    c = compile_network(net)
    a = c.acls.index(acl)
    for value, protocol, port in probes:
        packet = Packet(
            protocol,
            ipaddress.IPv4Address(value),
            ipaddress.IPv4Address("10.0.0.5"),
            port % 256 if protocol == 1 else 33000,
            port % 256 if protocol == 1 else port,
        )
        if protocol == 50:
            packet = Packet(50, packet.src, packet.dst)
        atom = c.atoms.lookup(
            np.zeros(1, dtype=np.uint64), np.array([value], dtype=np.uint64), np.array([4], dtype=np.int8)
        )
        sport = -1 if packet.src_port is None else packet.src_port
        dport = -1 if packet.dst_port is None else packet.dst_port
        masks = c.nacl_in.match(np.array([a]), atom, np.array([dport]), np.array([sport]), np.array([protocol]))
        from vpcsim.engine.compile import lowest_bit

        k = int(lowest_bit(masks)[0])
        rules = acl.rules(False)
        got = (rules[k].rule_action == "allow", rules[k].rule_number) if k >= 0 else (False, 32767)
        assert got == match_nacl(acl, packet, False)
