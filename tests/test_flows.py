"""FlowBatch: many flows as numpy arrays, built from columns, products and frames, validated as trace validates."""

from __future__ import annotations

import ipaddress
import itertools
import time

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import vpcsim
from vpcsim.engine.flows import FlowBatch, from_words, to_words
from vpcsim.errors import InvalidEndpointError, InvalidFlowError
from vpcsim.examples import demo_network
from vpcsim.model.base import Resource

ARRAYS = (
    "src_hi",
    "src_lo",
    "dst_hi",
    "dst_lo",
    "src_version",
    "dst_version",
    "src_ref",
    "dst_ref",
    "protocol",
    "dst_port",
    "src_port",
    "ip_version",
)
DTYPES = dict(
    zip(ARRAYS, ("uint64",) * 4 + ("int8",) * 2 + ("int32",) * 2 + ("int16", "int32", "int32", "int8"), strict=True)
)


@pytest.fixture(scope="module")
def net() -> vpcsim.Network:
    return demo_network()


def instance(net: vpcsim.Network, name: str) -> vpcsim.Instance:
    return next(i for i in net.instances if i.name == name)


def same(a: FlowBatch, b: FlowBatch) -> None:
    """Two batches hold the same flows (arrays and references)."""
    assert len(a) == len(b)
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.endpoints == b.endpoints


def mixed() -> FlowBatch:
    """Addresses of both families, ids, internet hosts, protocols with and without ports."""
    return FlowBatch.from_arrays(
        ["10.0.0.5", "2001:db8::1", "web", "i-0abc", vpcsim.INTERNET, "10.0.0.5"],
        [vpcsim.internet("198.51.100.7"), "::ffff:1.2.3.4", "db", vpcsim.INTERNET, "web", "10.1.0.9"],
        ["tcp", "udp", "icmp", 50, "icmpv6", 6],
        [443, 53, 8, None, None, 22],
        [None, 5353, 0, None, 3, 40000],
        ip_version=[None, None, 4, None, 6, 4],
    )


# --- shapes -------------------------------------------------------------------------------------------------------


def test_every_array_has_one_entry_per_flow_with_the_documented_dtype() -> None:
    batch = mixed()
    assert len(batch) == 6
    for name in ARRAYS:
        array = getattr(batch, name)
        assert array.shape == (6,), name
        assert array.dtype == DTYPES[name], name


def test_addresses_are_words_and_other_ends_are_references() -> None:
    batch = mixed()
    assert batch.src_version.tolist() == [4, 6, 0, 0, 0, 4]
    assert batch.src_lo[0] == int(ipaddress.ip_address("10.0.0.5"))
    assert batch.src_hi[0] == 0
    assert batch.src_ref.tolist() == [-1, -1, 0, 1, 2, -1]
    assert batch.endpoints == ("web", "i-0abc", vpcsim.INTERNET, vpcsim.internet("198.51.100.7"), "db")
    assert batch.dst_ref.tolist() == [3, -1, 4, 2, 0, -1]
    assert batch.protocol.tolist() == [6, 17, 1, 50, 58, 6]
    assert batch.dst_port.tolist() == [443, 53, 8, -1, -1, 22]
    assert batch.src_port.tolist() == [-1, 5353, 0, -1, 3, 40000]
    assert batch.ip_version.tolist() == [0, 0, 4, 0, 6, 4]


def test_an_internet_host_with_an_address_stays_a_reference_unlike_a_bare_address() -> None:
    batch = FlowBatch.from_arrays(
        "web", [vpcsim.internet("1.2.3.4"), "1.2.3.4", ipaddress.ip_address("1.2.3.4")], "tcp", 443
    )
    assert batch.dst_version.tolist() == [0, 4, 4]
    assert batch.endpoints == ("web", vpcsim.internet("1.2.3.4"))


def test_one_value_is_broadcast_to_every_flow_and_all_scalars_make_one_flow() -> None:
    batch = FlowBatch.from_arrays(["10.0.0.5", "10.0.0.6", "10.0.0.7"], vpcsim.INTERNET, "tcp", 443)
    assert batch.dst_ref.tolist() == [0, 0, 0]
    assert batch.dst_port.tolist() == [443] * 3
    assert len(FlowBatch.from_arrays("web", "db", "tcp", 5432)) == 1
    assert len(FlowBatch.from_arrays([], [])) == 0


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(InvalidFlowError, match=r"different lengths \(src 2, dst 3\)"):
        FlowBatch.from_arrays(["a", "b"], ["c", "d", "e"])


def test_integers_are_ipv4_unless_the_flow_asks_for_ipv6() -> None:
    v6 = int(ipaddress.ip_address("2001:db8::1"))
    batch = FlowBatch.from_arrays(
        [167772165, v6], np.array([167772166, 1], dtype=np.uint64), "udp", 53, ip_version=[4, 6]
    )
    assert batch.flow(0)[:2] == (ipaddress.ip_address("10.0.0.5"), ipaddress.ip_address("10.0.0.6"))
    assert batch.flow(1)[:2] == (ipaddress.ip_address("2001:db8::1"), ipaddress.ip_address("::1"))


def test_strings_with_spaces_and_the_reprs_frame_writes_are_understood() -> None:
    batch = FlowBatch.from_arrays(
        [" 10.0.0.5 ", "vpcsim.INTERNET"], ["vpcsim.internet('198.51.100.7')", "web"], "icmp"
    )
    assert batch.flow(0)[:2] == (ipaddress.ip_address("10.0.0.5"), vpcsim.internet("198.51.100.7"))
    assert batch.flow(1)[:2] == (vpcsim.INTERNET, "web")


def test_the_arrays_are_read_only() -> None:
    batch = mixed()
    with pytest.raises(ValueError, match="read-only"):
        batch.dst_port[0] = 80


def test_repr_is_short() -> None:
    assert repr(FlowBatch.from_product(range(1000), range(1000), ports=range(1, 1001))) == (
        "<FlowBatch 1,000,000,000 flows>"
    )
    assert repr(FlowBatch.from_arrays("web", "db", "tcp", 5432)) == "<FlowBatch 1 flow>"


# --- references ---------------------------------------------------------------------------------------------------


def test_references_are_kept_once_objects_by_identity_strings_by_value(net: vpcsim.Network) -> None:
    web, db = instance(net, "web"), instance(net, "db")
    twin = Resource(id=web.id)  # same id, another object: another reference
    names = ["".join(["w", "eb"]) for _ in range(3)]  # equal strings, distinct objects
    batch = FlowBatch.from_arrays([web, db, web, twin, *names], [db, web, "web", vpcsim.INTERNET, db, db, web], 47)
    assert batch.endpoints == (web, db, twin, "web", vpcsim.INTERNET)
    assert batch.src_ref.tolist() == [0, 1, 0, 2, 3, 3, 3]
    assert batch.dst_ref.tolist() == [1, 0, 3, 4, 1, 1, 0]


def test_a_million_flows_over_a_thousand_endpoints_build_fast() -> None:
    ends = np.array([f"i-{k:05d}" for k in range(900)] + [f"10.0.{k // 256}.{k % 256}" for k in range(100)])
    rng = np.random.default_rng(0)
    src = ends.astype(object)[rng.integers(0, 1000, 1_000_000)]
    dst = ends[rng.integers(0, 1000, 1_000_000)]
    start = time.perf_counter()
    batch = FlowBatch.from_arrays(src, dst, "tcp", rng.integers(0, 65536, 1_000_000))
    assert time.perf_counter() - start < 2.0  # ~0.3 s on one idle core: conversion is per unique value
    assert len(batch.endpoints) == 900


def test_flow_gives_what_trace_accepts(net: vpcsim.Network) -> None:
    web, db = instance(net, "web"), instance(net, "db")
    batch = FlowBatch.from_arrays([web, "api", "10.0.10.4"], [vpcsim.INTERNET, db, db], "tcp", [443, 5432, 5432])
    for i in range(len(batch)):
        src, dst, protocol, port, src_port, ip_version = batch.flow(i)
        expected = net.trace([web, "api", "10.0.10.4"][i], [vpcsim.INTERNET, db, db][i], "tcp", [443, 5432, 5432][i])
        assert net.trace(src, dst, protocol, port, src_port, ip_version=ip_version).disposition == (
            expected.disposition
        )
    assert batch.flow(-1) == (ipaddress.ip_address("10.0.10.4"), db, 6, 5432, None, None)
    with pytest.raises(IndexError, match="Flow 3 is out of range"):
        batch.flow(3)


# --- validation ---------------------------------------------------------------------------------------------------

BAD_FLOWS = [
    ({"protocol": ["tcp", "tpc"], "port": 80}, InvalidFlowError, r"flow 1: Value \('tpc'\) for parameter protocol"),
    ({"protocol": ["tcp", 300], "port": 80}, InvalidFlowError, r"flow 1: Value \(300\) for parameter protocol"),
    ({"protocol": ["tcp", "-1"], "port": 80}, InvalidFlowError, r"flow 1: a flow has one protocol.*not -1"),
    ({"protocol": ["tcp", "all"], "port": 80}, InvalidFlowError, r"flow 1: a flow has one protocol"),
    ({"port": [80, None]}, InvalidFlowError, "flow 1: port is required for TCP and UDP"),
    ({"port": np.array([80, np.nan])}, InvalidFlowError, "flow 1: port is required for TCP and UDP"),
    ({"port": [80, 70000]}, InvalidFlowError, r"flow 1: port 70000 is invalid: an integer in 0\.\.65535\."),
    ({"port": [80, -1]}, InvalidFlowError, r"flow 1: port -1 is invalid"),
    ({"port": [80, "80"]}, InvalidFlowError, r"flow 1: port '80' is invalid"),
    ({"port": [80, True]}, InvalidFlowError, r"flow 1: port True is invalid"),
    ({"port": np.array([80, 80.5])}, InvalidFlowError, r"flow 1: port 80.5 is invalid"),
    ({"port": 80, "src_port": [1, 65536]}, InvalidFlowError, r"flow 1: src_port 65536 is invalid"),
    (
        {"protocol": "icmp", "port": [8, 256]},
        InvalidFlowError,
        r"flow 1: port \(ICMP type\) 256 is invalid.*0\.\.255",
    ),
    ({"protocol": "icmp", "src_port": [0, 256]}, InvalidFlowError, r"flow 1: src_port \(ICMP code\) 256 is invalid"),
    ({"protocol": [6, 50], "port": [80, 80]}, InvalidFlowError, r"flow 1: protocol 50 has no ports; got port=80"),
    ({"protocol": [6, 47], "port": 80, "src_port": [None, 9]}, InvalidFlowError, r"flow 1: protocol 47 .*src_port=9"),
    ({"src": ["web", None]}, InvalidEndpointError, r"flow 1: source None is not an endpoint"),
    ({"dst": ["web", 1.5]}, InvalidEndpointError, r"flow 1: destination 1.5 is not an endpoint"),
    ({"dst": ["web", [1, 2]]}, InvalidEndpointError, r"flow 1: destination \[1, 2\] is not an endpoint"),
    ({"src": [1, 2**32]}, InvalidEndpointError, r"flow 1: source 4294967296 is not an IPv4 address.*ip_version=6"),
    ({"src": np.array([1, -5])}, InvalidEndpointError, r"flow 1: source -5 is not an address"),
    ({"src": [1, 2**128]}, InvalidEndpointError, r"flow 1: source 340282366920938463463374607431768211456 is"),
    ({"dst": ["web", "vpcsim.internet('300.1.1.1')"]}, InvalidEndpointError, r"flow 1: destination .* is not an IP"),
    (
        {"ip_version": [4, 5]},
        InvalidEndpointError,
        r"flow 1: ip_version must be 4 or 6 \(or None for either\), not 5",
    ),
]


@pytest.mark.parametrize(("changes", "error", "message"), BAD_FLOWS)
def test_every_invalid_flow_is_refused_naming_its_index_and_value(
    changes: dict[str, object], error: type[Exception], message: str
) -> None:
    arguments: dict[str, object] = {"src": ["web", "api"], "dst": "db", "protocol": "tcp", "port": 80} | changes
    with pytest.raises(error, match=message):
        FlowBatch.from_arrays(**arguments)


def test_the_first_bad_flow_is_named() -> None:
    with pytest.raises(InvalidFlowError, match=r"^flow 2: port 70000"):
        FlowBatch.from_arrays("web", "db", "tcp", np.array([80, 443, 70000, 99999, 70000]))
    with pytest.raises(InvalidFlowError, match=r"^flow 1: Value \(999\)"):  # sorted uniques, reported in flow order
        FlowBatch.from_arrays("web", "db", np.array([6, 999, 6, -7]), 80)


def test_what_trace_accepts_the_batch_accepts() -> None:
    batch = FlowBatch.from_arrays(
        "web",
        "db",
        ["icmp", "icmp", "icmpv6", "47", 17, "TCP"],
        np.array([np.nan, 3, np.nan, np.nan, 0, 65535]),
        [None, 255, None, None, 0, 65535],
    )
    assert batch.dst_port.tolist() == [-1, 3, -1, -1, 0, 65535]
    assert batch.src_port.tolist() == [-1, 255, -1, -1, 0, 65535]


# --- products -----------------------------------------------------------------------------------------------------


def test_a_product_is_every_combination_in_order() -> None:
    sources, destinations = ["10.0.0.5", "web"], [vpcsim.INTERNET, "2001:db8::1", "db"]
    protocols, ports, src_ports = ["tcp", "udp"], [53, 443], [None, 1024]
    lazy = FlowBatch.from_product(sources, destinations, protocols, ports, src_ports)
    rows = list(itertools.product(sources, destinations, protocols, ports, src_ports))
    assert len(lazy) == len(rows) == 48
    for i in (0, 1, 7, 23, 47):
        _, _, protocol, port, src_port = rows[i]
        assert lazy.flow(i)[2:5] == ({"tcp": 6, "udp": 17}[protocol], port, src_port)
    same(lazy, FlowBatch.from_arrays(*(list(column) for column in zip(*rows, strict=True))))


def test_a_product_is_lazy_until_its_arrays_are_read() -> None:
    addresses = np.arange(167772160, 167772160 + 100_000)
    start = time.perf_counter()
    batch = FlowBatch.from_product(addresses, addresses, ["tcp", "udp"], range(1000))  # 2e13 flows
    assert time.perf_counter() - start < 1.0
    assert len(batch) == 100_000 * 100_000 * 2000
    assert batch.flow(-1) == (
        ipaddress.ip_address("10.1.134.159"),
        ipaddress.ip_address("10.1.134.159"),
        17,
        999,
        None,
        None,
    )
    assert batch.take([5, -5]).dst_port.tolist() == [5, 995]
    first = next(iter(batch.chunks(10_000)))
    assert len(first) == 10_000
    assert (first.protocol[-1], first.dst_port[-1]) == (17, 999)


def test_reading_an_array_of_a_product_materialises_it_once() -> None:
    batch = FlowBatch.from_product(["web", "api"], ["db"], ports=[1, 2, 3])
    assert batch.dst_port is batch.dst_port
    assert batch.src_ref.tolist() == [0, 0, 0, 1, 1, 1]
    assert batch.dst_ref.tolist() == [2] * 6


def test_a_product_validates_every_combination_at_build_naming_its_first_flow() -> None:
    with pytest.raises(InvalidFlowError, match=r"^flow 3: port \(ICMP type\) 300"):
        FlowBatch.from_product(["web", "api"], ["db", "10.0.0.1"], ["tcp", "icmp"], [80, 300])
    with pytest.raises(InvalidFlowError, match=r"^flow 1: port is required for TCP and UDP"):
        FlowBatch.from_product(["web"], ["db"], ["icmp", "tcp"])
    with pytest.raises(InvalidEndpointError, match=r"^flow 12: source None"):  # source 2 of 3 destinations x 2 ports
        FlowBatch.from_product(["web", "api", None], ["db", "a", "b"], ports=[80, 443])
    with pytest.raises(InvalidEndpointError, match=r"^flow 4: destination 2.5"):
        FlowBatch.from_product(["web", "api"], ["db", "a", 2.5], ports=[80, 443])


def test_a_product_of_integers_follows_its_ip_version() -> None:
    batch = FlowBatch.from_product([1], [2], ["icmpv6"], ip_version=6)
    assert batch.flow(0) == (ipaddress.ip_address("::1"), ipaddress.ip_address("::2"), 58, None, None, 6)


# --- chunks, take, concat -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lazy", [True, False])
def test_chunks_concatenate_to_the_whole(lazy: bool) -> None:
    product = FlowBatch.from_product(["10.0.0.5", "web", "2001:db8::7"], ["db", vpcsim.INTERNET], ports=range(5))
    batch = product if lazy else product.take(slice(None))
    pieces = list(batch.chunks(7))
    assert [len(p) for p in pieces] == [7, 7, 7, 7, 2]
    same(FlowBatch.concat(pieces), batch)
    with pytest.raises(ValueError, match="Chunk size 0 is invalid"):
        batch.chunks(0)


def test_take_selects_by_slice_index_array_or_mask() -> None:
    batch = FlowBatch.from_arrays("web", "db", "tcp", np.arange(10))
    assert batch.take(slice(2, 8, 3)).dst_port.tolist() == [2, 5]
    assert batch.take(np.array([9, -10, 4])).dst_port.tolist() == [9, 0, 4]
    assert batch.take(batch.dst_port % 4 == 0).dst_port.tolist() == [0, 4, 8]
    assert len(batch.take([])) == 0
    assert batch.take([1]).endpoints == batch.endpoints
    with pytest.raises(IndexError, match="Flow 10 is out of range"):
        batch.take([10])


def test_concat_merges_references_of_different_batches() -> None:
    a = FlowBatch.from_arrays(["web", "10.0.0.5"], "db", "tcp", 5432)
    b = FlowBatch.from_product([vpcsim.INTERNET], ["web", "api"], ports=[443])
    both = FlowBatch.concat([a, b, FlowBatch.from_arrays([], [])])
    assert both.endpoints == ("web", "db", vpcsim.INTERNET, "api")
    assert both.src_ref.tolist() == [0, -1, 2, 2]
    assert both.dst_ref.tolist() == [1, 1, 0, 3]
    assert [both.flow(i)[:2] for i in (1, 3)] == [(ipaddress.ip_address("10.0.0.5"), "db"), (vpcsim.INTERNET, "api")]
    assert len(FlowBatch.concat([])) == 0


# --- addresses as words -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["::ffff:1.2.3.4", "2001:db8::1", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"])
def test_ipv6_addresses_round_trip_through_hi_and_lo(text: str) -> None:
    address = ipaddress.ip_address(text)
    batch = FlowBatch.from_arrays(text, ["web"], "icmpv6")
    assert batch.src_version[0] == 6
    assert (int(batch.src_hi[0]) << 64) | int(batch.src_lo[0]) == int(address)
    assert from_words(batch.src_hi, batch.src_lo, batch.src_version) == [address]
    assert batch.flow(0)[0] == address


def test_to_words_refuses_what_is_no_address() -> None:
    with pytest.raises(ValueError, match="-1 is not an address"):
        to_words([-1])
    with pytest.raises(ValueError, match="version 5"):
        from_words([0], [1], 5)


@given(st.lists(st.ip_addresses(v=4) | st.ip_addresses(v=6)))
def test_to_words_and_from_words_round_trip(addresses: list[ipaddress.IPv4Address | ipaddress.IPv6Address]) -> None:
    hi, lo = to_words(addresses)
    assert from_words(hi, lo, [a.version for a in addresses]) == addresses
    assert to_words(int(a) for a in addresses)[1].tolist() == lo.tolist()


@given(
    sources=st.integers(1, 4),
    destinations=st.integers(1, 4),
    ports=st.integers(1, 5),
    size=st.integers(1, 20),
    data=st.data(),
)
def test_take_and_chunks_agree_with_the_materialised_batch(
    sources: int, destinations: int, ports: int, size: int, data: st.DataObject
) -> None:
    ends = ["web", "10.0.0.5", vpcsim.INTERNET, "2001:db8::1"]
    lazy = FlowBatch.from_product(ends[:sources], ends[-destinations:], ["tcp", "udp"], range(ports))
    whole = lazy.take(slice(None))
    indices = data.draw(st.lists(st.integers(-len(lazy), len(lazy) - 1), max_size=30))
    for name in ARRAYS:
        expected = getattr(lazy, name)[indices]
        np.testing.assert_array_equal(getattr(lazy.take(indices), name), expected)
        np.testing.assert_array_equal(getattr(whole.take(indices), name), expected)
        chunks = [getattr(chunk, name) for chunk in lazy.chunks(size)]
        np.testing.assert_array_equal(np.concatenate(chunks), getattr(whole, name))
    assert [lazy.flow(i) for i in indices] == [whole.flow(i) for i in indices]


# --- frames -------------------------------------------------------------------------------------------------------


def test_frame_shows_the_flows_as_a_user_wrote_them(net: vpcsim.Network) -> None:
    pytest.importorskip("pandas")
    frame = FlowBatch.concat([mixed(), FlowBatch.from_arrays(instance(net, "web"), "db", "tcp", 80)]).frame()
    assert list(frame.columns) == ["src", "dst", "protocol", "src_port", "dst_port", "ip_version"]
    assert frame["src"].tolist() == [
        "10.0.0.5",
        "2001:db8::1",
        "web",
        "i-0abc",
        "vpcsim.INTERNET",
        "10.0.0.5",
        instance(net, "web").id,
    ]
    assert frame["dst"][0] == "vpcsim.internet('198.51.100.7')"
    assert ipaddress.ip_address(frame["dst"][1]) == ipaddress.ip_address("::ffff:1.2.3.4")
    assert frame["protocol"].tolist() == ["tcp", "udp", "icmp", "50", "icmpv6", "tcp", "tcp"]
    assert [str(t) for t in frame.dtypes[3:]] == ["Int64", "Int64", "Int64"]
    assert frame["dst_port"].isna().tolist() == [False, False, False, True, True, False, False]


def test_a_frame_round_trips() -> None:
    pytest.importorskip("pandas")
    batch = mixed()
    again = FlowBatch.from_frame(batch.frame())
    same(again, batch)
    assert again.frame().equals(batch.frame())


def test_from_frame_reads_port_or_dst_port_with_missing_values() -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(
        {"src": ["10.0.0.5", "web"], "dst": ["db", "db"], "protocol": ["tcp", "icmp"], "port": [443, None]}
    )
    batch = FlowBatch.from_frame(frame)
    assert batch.dst_port.tolist() == [443, -1]
    assert batch.src_port.tolist() == [-1, -1]
    with pytest.raises(InvalidFlowError, match=r"^flow 1: port is required"):
        FlowBatch.from_frame(frame.assign(protocol="tcp"))


def test_from_frame_names_the_missing_columns() -> None:
    pd = pytest.importorskip("pandas")
    with pytest.raises(
        InvalidFlowError, match=r"no column dst, protocol, port \(or dst_port\); its columns are src, proto"
    ):
        FlowBatch.from_frame(pd.DataFrame({"src": ["web"], "proto": ["tcp"]}))
    with pytest.raises(InvalidFlowError, match="both port and dst_port"):
        FlowBatch.from_frame(pd.DataFrame({"src": [1], "dst": [2], "protocol": [6], "port": [1], "dst_port": [1]}))
