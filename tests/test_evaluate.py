"""``net.evaluate()`` as a user meets it (issue 4): the batch API, its errors, its cache, one verdict per SPEC rule,
and agreement with ``trace()`` on the topologies the random-network property test does not build.

The property test (tests/test_evaluate_properties.py) draws plain VPCs; here every special part of the walk gets a
small hand-built network (appliances and gateway route tables, NAT instances, transit gateways with VPNs and
blackholes, virtual private gateways, gateway endpoints, NAT64, loops, IMDS and DNS switched off, egress-only
gateways) and every pair of its endpoints x a set of services is evaluated and compared with ``trace()`` flow by
flow: disposition, explanation, deciding component, kind and rule, forward and reply, delivered and connected.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pytest

import vpcsim
from vpcsim import INTERNET, Disposition, FlowBatch, InvalidEndpointError, InvalidFlowError, Network
from vpcsim.testing import assert_evaluate_agrees, verdict_of

HOST = "198.51.100.7"
HOST6 = "2001:db8::7"
IMDS = "169.254.169.254"
S3 = "52.216.1.1"  # inside the us-east-1 S3 prefix list
NAT64_HOST = "64:ff9b::c633:6401"  # 198.51.100.1 embedded in the well-known prefix
ON_PREMISES = "192.168.1.10"
SERVICES: list[tuple[object, int | None, int | None]] = [
    ("tcp", 22, None), ("tcp", 80, None), ("tcp", 443, None), ("udp", 53, None), ("udp", 123, None),
    ("icmp", None, None), (47, None, None),
]  # (protocol, port, source port)  # fmt: skip


# ----------------------------------------------------------------------------------------- comparing with trace()


assert_agree = assert_evaluate_agrees


def endpoints(net: Network, *extra: object) -> list[object]:
    """Every instance, every address of every ENI, every public IP, the internet, IMDS and each VPC's resolver."""
    ends: list[object] = list(net.instances)
    ends += [str(a) for e in net.network_interfaces for a in e.addresses]
    ends += [str(e.public_ip) for e in net.network_interfaces if e.public_ip is not None]
    ends += [INTERNET, IMDS, *(str(v.cidr_block.network_address + 2) for v in net.vpcs), *extra]
    return ends


def pairs_batch(
    net: Network, ends: Sequence[object], services: Iterable[tuple[object, int | None, int | None]] = SERVICES,
    ip_versions: Sequence[int | None] = (None,),
) -> FlowBatch:  # fmt: skip
    """Every (source, destination) pair that ``trace()`` accepts, times ``services``, as one batch."""
    services = list(services)
    rows: list[tuple[object, ...]] = []
    for version in ip_versions:
        for src in ends:
            for dst in ends:
                try:
                    net.trace(src, dst, "tcp", 22, ip_version=version)
                except ValueError:
                    continue
                rows += [(src, dst, protocol, port, sport, version) for protocol, port, sport in services]
    columns = [np.array(column, dtype=object) for column in zip(*rows, strict=True)]
    return FlowBatch.from_arrays(*columns[:5], ip_version=columns[5])


def open_sg(net: Network, vpc: vpcsim.Vpc, name: str = "open") -> vpcsim.SecurityGroup:
    """An SG admitting everything (IPv4, and IPv6 when the VPC has it)."""
    sg = net.create_security_group(vpc, name, description="all traffic")
    net.authorize_security_group_ingress(sg, protocol="-1", cidr="0.0.0.0/0")
    if vpc.ipv6_cidr_block is not None:
        net.authorize_security_group_ingress(sg, protocol="-1", cidr="::/0")
    return sg


def appliance(net: Network, subnet: vpcsim.Subnet, sg: vpcsim.SecurityGroup, name: str, ip: str) -> vpcsim.Instance:
    """A router/firewall instance with source/destination check off (SPEC E5)."""
    instance = net.run_instance(subnet, security_groups=[sg], name=name, private_ip=ip)
    net.modify_instance_attribute(instance, source_dest_check=False)
    return instance


def _dual_stack(seed: int, name: str) -> tuple[Network, vpcsim.Vpc, list[str]]:
    """A network with one VPC 10.0.0.0/16 and an Amazon IPv6 /56; its first four /64s."""
    net = Network(seed=seed)
    vpc = net.create_vpc("10.0.0.0/16", name=name, amazon_provided_ipv6_cidr_block=True)
    assert vpc.ipv6_cidr_block is not None
    return net, vpc, [str(block) for block in vpc.ipv6_cidr_block.subnets(new_prefix=64)][:4]


def _end(value: object) -> object:
    try:
        return ipaddress.ip_address(value) if isinstance(value, str) else value
    except ValueError:
        return value


def rows(batch: FlowBatch, src: object = None, dst: object = None, protocol: int | None = None) -> list[int]:
    """The indices of the flows of ``batch`` from ``src`` to ``dst`` with ``protocol`` (None: any); never none."""
    found = [
        i
        for i in range(len(batch))
        for flow in [batch.flow(i)]
        if (src is None or flow[0] == _end(src)) and (dst is None or flow[1] == _end(dst))
        and (protocol is None or flow[2] == protocol)
    ]  # fmt: skip
    assert found, f"no flow {src!r} -> {dst!r} ({protocol})"
    return found


def flows(*rows: tuple[object, ...]) -> FlowBatch:
    """A batch of ``(src, dst, protocol, port[, src_port[, ip_version]])`` rows."""
    padded = [(*row, None, None)[:6] for row in rows]
    columns = [np.array(column, dtype=object) for column in zip(*padded, strict=True)]
    return FlowBatch.from_arrays(*columns[:5], ip_version=columns[5])


def decided(v: vpcsim.Evaluation, i: int = 0, prefix: str = "") -> tuple[object, ...]:
    """(disposition, explanation, component, kind, rule) of flow ``i`` (``prefix="reply_"``: of its reply)."""
    return verdict_of(v, i, prefix)


@dataclasses.dataclass
class Lab:
    """One dual-stack VPC with an internet gateway and a public NAT gateway.

    - ``pub`` 10.0.1.0/24: 0.0.0.0/0 and ::/0 to the IGW, public IPs on launch; ``web`` (10.0.1.10, IPv6) serves
      TCP 80/443 and ICMP to anyone; the NAT gateway lives here.
    - ``priv`` 10.0.2.0/24: 0.0.0.0/0 to the NAT gateway; ``app`` (10.0.2.10, no IPv6, no public IP) takes SSH from
      10.0.0.0/8.
    - ``iso`` 10.0.3.0/24: the main table only (local); ``lonely`` (10.0.3.10) has a public IP nonetheless.
    """

    net: Network
    vpc: vpcsim.Vpc
    igw: vpcsim.InternetGateway
    pub: vpcsim.Subnet
    priv: vpcsim.Subnet
    iso: vpcsim.Subnet
    public_rt: vpcsim.RouteTable
    private_rt: vpcsim.RouteTable
    web_sg: vpcsim.SecurityGroup
    app_sg: vpcsim.SecurityGroup
    nat: vpcsim.NatGateway
    nat_eip: vpcsim.ElasticIp
    web: vpcsim.Instance
    app: vpcsim.Instance
    lonely: vpcsim.Instance


def make_lab() -> Lab:
    net, vpc, v6 = _dual_stack(7, "lab")
    pub = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="pub", map_public_ip_on_launch=True,
                            ipv6_cidr_block=v6[0])  # fmt: skip
    priv = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="priv", ipv6_cidr_block=v6[1])
    iso = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="iso")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.create_route(public_rt, "::/0", igw)
    net.associate_route_table(public_rt, pub)
    nat_eip = net.allocate_address(name="nat-eip")
    nat = net.create_nat_gateway(pub, allocation=nat_eip, name="nat")
    private_rt = net.create_route_table(vpc, name="private-rt")
    net.create_route(private_rt, "0.0.0.0/0", nat)
    net.associate_route_table(private_rt, priv)
    web_sg = net.create_security_group(vpc, "web", description="web from anywhere")
    for cidr in ("0.0.0.0/0", "::/0"):
        net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=(80, 443), cidr=cidr)
    net.authorize_security_group_ingress(web_sg, protocol="icmp", ports=(-1, -1), cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(web_sg, protocol="icmpv6", cidr="::/0")
    app_sg = net.create_security_group(vpc, "app", description="ssh from the VPCs")
    net.authorize_security_group_ingress(app_sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    web = net.run_instance(pub, security_groups=[web_sg], name="web", private_ip="10.0.1.10", ipv6_address_count=1)
    app = net.run_instance(priv, security_groups=[app_sg], name="app", private_ip="10.0.2.10")
    lonely = net.run_instance(iso, security_groups=[web_sg], name="lonely", private_ip="10.0.3.10",
                              associate_public_ip=True)  # fmt: skip
    return Lab(net, vpc, igw, pub, priv, iso, public_rt, private_rt, web_sg, app_sg, nat, nat_eip, web, app, lonely)


@pytest.fixture
def lab() -> Lab:
    return make_lab()


# ------------------------------------------------------------------------------------------------ 1. the API


def _mixed(lab: Lab) -> FlowBatch:
    """Flows with every kind of end and verdict, in an order where a shuffle would show."""
    return flows(
        (lab.web, HOST, "tcp", 443), (INTERNET, lab.web, "tcp", 80), (INTERNET, lab.web, "tcp", 22),
        (lab.app, HOST, "tcp", 443), (lab.app, lab.web, "tcp", 80), (lab.web, lab.app, "tcp", 22),
        (lab.web, lab.app, "tcp", 5432), (INTERNET, lab.app, "tcp", 22), (lab.lonely, HOST, "udp", 53),
        (lab.web, IMDS, "tcp", 80), (lab.app, "10.0.3.77", "tcp", 22), (lab.app, HOST, 47, None),
        ("10.0.1.10", "10.0.2.10", "tcp", 22, 1000), (lab.web, HOST6, "tcp", 443),
    )  # fmt: skip


def test_from_product_from_arrays_and_from_frame_evaluate_alike(lab: Lab) -> None:
    """The three ways of building a batch give the same flows, hence the same verdicts, as trace() gives."""
    sources = [lab.web, "app", "10.0.3.10"]
    destinations = [INTERNET, HOST, lab.app, "10.0.1.10"]
    product = FlowBatch.from_product(sources, destinations, protocols=["tcp", "udp"], ports=[22, 53])
    combos = [(s, d, p, port) for s in sources for d in destinations for p in ("tcp", "udp") for port in (22, 53)]
    arrays = flows(*combos)
    frame = pd.DataFrame(combos, columns=["src", "dst", "protocol", "port"])
    reference = assert_agree(lab.net, product)
    for other in (lab.net.evaluate(arrays), lab.net.evaluate(frame), lab.net.evaluate(FlowBatch.from_frame(frame)),
                  lab.net.evaluate(product.frame())):  # fmt: skip
        assert len(other) == len(product) == 48
        for name, codes in reference.codes.items():
            np.testing.assert_array_equal(other.codes[name], codes, err_msg=name)


def test_one_verdict_per_flow_in_batch_order(lab: Lab) -> None:
    """Every array of an Evaluation has one entry per flow, in the batch's order: reversing the batch reverses
    every array."""
    batch = _mixed(lab)
    v = assert_agree(lab.net, batch)
    names = ("disposition", "explanation", "component", "kind", "rule", "delivered", "reply_disposition",
             "reply_explanation", "reply_component", "reply_kind", "reply_rule", "reply_delivered", "connected",
             "scalar")  # fmt: skip
    for name in names:
        assert len(getattr(v, name)) == len(batch) == len(v), name
    back = lab.net.evaluate(batch.take(slice(None, None, -1)))
    for name in names:
        assert getattr(back, name).tolist() == getattr(v, name).tolist()[::-1], name
    assert back.addresses("dst") == v.addresses("dst")[::-1]
    assert len(set(map(str, v.disposition))) >= 4  # the order test means something


@pytest.mark.parametrize("chunk", [1, 3, 5, 32768])
def test_chunk_size_does_not_change_any_verdict(lab: Lab, chunk: int) -> None:
    """Walking in chunks of 1, 3, 5 flows or all at once gives identical arrays."""
    batch = FlowBatch.concat([_mixed(lab)] * 2)
    whole = lab.net.evaluate(batch)
    pieces = lab.net.evaluate(batch, chunk=chunk)
    for name, codes in whole.codes.items():
        np.testing.assert_array_equal(pieces.codes[name], codes, err_msg=name)
    assert pieces.addresses("src") == whole.addresses("src")
    pd.testing.assert_frame_equal(pieces.frame(), whole.frame())


def test_evaluate_chunks_concatenated_is_evaluate(lab: Lab) -> None:
    """evaluate_chunks yields one Evaluation per chunk, in order; together they are evaluate()'s answer."""
    batch = FlowBatch.concat([_mixed(lab)] * 3)  # 42 flows
    parts = list(lab.net.evaluate_chunks(batch, chunk=10))
    assert [len(p) for p in parts] == [10, 10, 10, 10, 2]
    whole = lab.net.evaluate(batch)
    joined = pd.concat([p.frame() for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(joined.astype(object), whole.frame().astype(object))
    for name in ("disposition", "explanation", "component", "rule", "reply_disposition", "connected", "scalar"):
        assert np.concatenate([getattr(p, name) for p in parts]).tolist() == getattr(whole, name).tolist()


def test_frame_columns_and_values(lab: Lab) -> None:
    """frame(): one row per flow, named columns, the packet as resolved (default source port 32768, the public IP
    of an instance the internet addresses), verdicts as Disposition and text."""
    batch = flows((INTERNET, lab.web, "tcp", 80), (lab.web, lab.app, "tcp", 5432), (lab.app, HOST, 47, None),
                  (lab.web, HOST, "icmp", None), (lab.web, HOST6, "udp", 123, 4000))  # fmt: skip
    v = assert_agree(lab.net, batch)
    f = v.frame()
    assert f.columns.tolist() == [
        "src", "dst", "protocol", "src_port", "dst_port", "disposition", "explanation", "component", "kind", "rule",
        "delivered", "reply_disposition", "reply_explanation", "reply_component", "reply_kind", "reply_rule",
        "reply_delivered", "connected", "scalar",
    ]  # fmt: skip
    assert len(f) == len(batch)
    web_eni = lab.web.primary_network_interface
    assert f["dst"][0] == str(web_eni.public_ip)  # SPEC P3: the internet addresses the public IP
    assert f["src"][1] == "10.0.1.10"
    assert f["src"][4] == str(web_eni.ipv6_addresses[0])
    assert f["protocol"].tolist() == ["tcp", "tcp", "47", "icmp", "udp"]
    assert f["src_port"][0] == 32768  # SPEC N4: a Linux client's lowest ephemeral port
    assert f["src_port"][4] == 4000
    assert f["dst_port"].tolist()[:2] == [80, 5432]
    assert pd.isna(f["src_port"][2])
    assert pd.isna(f["dst_port"][2])
    assert (f["dst_port"][3], f["src_port"][3]) == (8, 0)  # ICMP echo request: type 8, code 0
    assert f["disposition"][0] is Disposition.ACCEPTED
    assert f["disposition"].tolist()[:2] == ["ACCEPTED", "DENIED_IN"]
    assert f.loc[1, ["explanation", "component", "kind", "rule"]].tolist() == [
        "ENI_SG_RULES_MISMATCH",
        lab.app_sg.id,
        "security-group-ingress",
        None,
    ]
    assert f["delivered"].dtype == bool
    assert f["connected"].dtype == bool
    assert f["scalar"].dtype == bool
    assert f["connected"].tolist() == v.connected.tolist()
    assert f["reply_disposition"][1] is None  # no reply to a packet that did not arrive
    assert f["reply_disposition"][0] == "EXITS_NETWORK"  # the reply leaves towards the internet client


def test_counts_and_repr(lab: Lab) -> None:
    """counts(): flows per forward disposition, plus connected; repr shows them."""
    v = lab.net.evaluate(_mixed(lab))
    counts = v.counts()
    expected: dict[str, int] = {}
    for d in v.disposition:
        expected[str(d)] = expected.get(str(d), 0) + 1
    assert {k: n for k, n in counts.items() if k != "connected"} == expected
    assert counts["connected"] == int(v.connected.sum())
    assert sum(n for k, n in counts.items() if k != "connected") == len(v) == 14
    text = repr(v)
    assert text.startswith("<Evaluation 14 flows: ")
    assert text.endswith(f"connected {counts['connected']}>")
    for name, n in counts.items():
        assert f"{name} {n:,}" in text
    assert "14 flows" in v._repr_html_()


def test_empty_batch(lab: Lab) -> None:
    """An empty batch evaluates to an empty Evaluation with the usual columns and types."""
    v = lab.net.evaluate(FlowBatch.from_arrays([], []))
    assert len(v) == 0
    assert v.counts() == {"connected": 0}
    assert repr(v) == "<Evaluation 0 flows: connected 0>"
    assert list(lab.net.evaluate_chunks(FlowBatch.from_arrays([], []))) == []
    f = v.frame()
    assert len(f) == 0
    assert f.columns.tolist() == lab.net.evaluate(_mixed(lab)).frame().columns.tolist()
    for name in ("delivered", "reply_delivered", "connected", "scalar"):
        assert getattr(v, name).dtype == bool, name
        assert f[name].dtype == bool, name


def test_ipv6_flows(lab: Lab) -> None:
    """IPv6: given addresses or ip_version=6 for resources; the packet carries the ENIs' IPv6 addresses."""
    web6 = str(lab.web.primary_network_interface.ipv6_addresses[0])
    batch = FlowBatch.concat([
        FlowBatch.from_product([lab.web], [HOST6, INTERNET], protocols=["tcp", "udp"], ports=[443], ip_version=6),
        flows((INTERNET, lab.web, "tcp", 80, None, 6), (HOST6, web6, "tcp", 443), (INTERNET, web6, "icmp", None),
              (lab.web, "2001:db8::99", "udp", 53)),
    ])  # fmt: skip
    v = assert_agree(lab.net, batch)
    assert set(v.version.tolist()) == {6}
    assert v.addresses("src")[0] == web6
    assert v.frame()["dst"][4] == web6  # no public-IP mapping in IPv6
    assert v.connected[[0, 2, 4, 5, 6]].all()
    assert v.frame()["protocol"][6] == "icmpv6"  # "icmp" on an IPv6 flow is ICMPv6


def test_icmp_echo_has_a_reply_other_types_do_not(lab: Lab) -> None:
    """ICMP echo request (type 8, the default) is answered; destination unreachable (3) and others are not: they
    are delivered and connected without a reply walk."""
    batch = flows((INTERNET, lab.web, "icmp", None), (INTERNET, lab.web, "icmp", 8), (INTERNET, lab.web, "icmp", 3),
                  (INTERNET, lab.web, "icmp", 11), (lab.web, HOST, "icmp", 13))  # fmt: skip
    v = assert_agree(lab.net, batch)
    assert v.delivered[:4].all()
    assert v.reply_disposition.tolist()[:4] == ["EXITS_NETWORK", "EXITS_NETWORK", None, None]
    assert v.reply_delivered.tolist()[:4] == [True, True, False, False]
    assert v.connected[:4].all()
    assert decided(v, 2, "reply_") == (None, None, None, None, None)
    assert v.reply_disposition[4] is not None  # timestamp (13) has a reply (14)


def test_protocol_47_has_no_ports(lab: Lab) -> None:
    """A protocol without ports (GRE, 47) flows with no ports; the NAT gateway refuses it (SPEC I4); a public
    instance sends it out directly and gets the reply."""
    batch = flows((lab.app, HOST, 47, None), (lab.web, HOST, 47, None), (lab.web, lab.lonely, "47", None))
    v = assert_agree(lab.net, batch)
    assert v.src_port.tolist() == [-1, -1, -1]
    assert v.dst_port.tolist() == [-1, -1, -1]
    assert decided(v, 0) == ("DENIED_IN", "PROTOCOL_RESTRICTION", lab.nat.id, "nat-gateway", None)
    assert str(v.disposition[1]) == "EXITS_NETWORK"
    assert v.connected[1]
    assert v.frame()["protocol"].tolist() == ["47", "47", "47"]


# ---------------------------------------------------------------------------------------------------- 2. errors


BAD_FLOWS = {
    "unknown id": (("i-0123456789abcdef0", "web", "tcp", 22), "i-0123456789abcdef0"),
    "malformed address": (("web", "10.0.0.300", "tcp", 22), "10.0.0.300"),
    "both ends on the internet": ((INTERNET, HOST, "tcp", 22), "outside"),
    "unassigned source in a VPC": (("10.0.1.99", "web", "tcp", 22), "10.0.1.99"),
    "link-local source": ((IMDS, "web", "tcp", 80), "169.254.169.254"),
    "IPv6 to an instance without IPv6": (("web", "app", "tcp", 22, None, 6), "no IPv6 address"),
    "IPv6 address to an instance without IPv6": ((HOST6, "app", "tcp", 22), "no IPv6 address"),
    "mixed families": (("10.0.1.10", HOST6, "tcp", 22), "different families"),
}


@pytest.mark.parametrize("case", list(BAD_FLOWS))
def test_invalid_flow_names_its_index(lab: Lab, case: str) -> None:
    """An invalid flow raises what trace() raises for it, prefixed with the flow's index in the whole batch (also
    past the first chunk); a later valid evaluate is unaffected."""
    bad, text = BAD_FLOWS[case]
    good = [("web", HOST, "tcp", 443), (INTERNET, "web", "tcp", 80), ("app", "web", "tcp", 22)]
    batch = flows(*good, *good, bad, *good)
    with pytest.raises(InvalidEndpointError) as raised:
        lab.net.trace(*batch.flow(6)[:5], ip_version=batch.flow(6)[5])
    for chunk in (2, 32768):
        with pytest.raises(InvalidEndpointError, match=r"^flow 6: ") as caught:
            lab.net.evaluate(batch, chunk=chunk)
        assert str(caught.value) == f"flow 6: {raised.value}"
        assert text in str(caught.value)
    assert_agree(lab.net, flows(*good, *good, *good))


def test_invalid_flows_from_a_frame_name_their_index(lab: Lab) -> None:
    """A DataFrame with an impossible flow (a TCP flow without a port, protocol -1) raises InvalidFlowError naming
    the row."""
    frame = pd.DataFrame({"src": ["web", "app", "web"], "dst": [HOST, HOST, "app"], "protocol": ["tcp", "tcp", "tcp"],
                          "port": [443, None, 22]})  # fmt: skip
    with pytest.raises(InvalidFlowError, match=r"^flow 1: port is required"):
        lab.net.evaluate(frame)
    frame["port"] = [443, 443, 22]
    frame["protocol"] = ["tcp", "tcp", "-1"]
    with pytest.raises(InvalidFlowError, match=r"^flow 2: "):
        lab.net.evaluate(frame)
    frame["protocol"] = "tcp"
    assert lab.net.evaluate(frame).connected.tolist() == [True, True, True]


def test_ambiguous_names_gone_resources_and_bad_chunks(lab: Lab) -> None:
    """A Name tag on two instances, an instance no longer in the network and a chunk size that is not a positive
    integer are refused, naming the flow (or the chunk)."""
    net = lab.net
    net.run_instance(lab.pub, name="twin")
    net.run_instance(lab.priv, name="twin")
    with pytest.raises(InvalidEndpointError, match=r"^flow 1: 'twin' names 2 resources"):
        net.evaluate(flows((lab.web, HOST, "tcp", 443), (lab.web, "twin", "tcp", 22)))
    net.terminate_instance(lab.lonely)
    with pytest.raises(InvalidEndpointError, match=rf"^flow 0: source {lab.lonely.id} is not in this network"):
        net.evaluate(flows((lab.lonely, HOST, "tcp", 443)))
    for chunk in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="chunk must be a positive integer"):
            net.evaluate(flows((lab.web, HOST, "tcp", 443)), chunk=chunk)  # type: ignore[arg-type]


def test_an_error_caches_nothing(lab: Lab) -> None:
    """A name or address that did not resolve resolves once the network has it: nothing of the failed call sticks."""
    batch = flows(("web", "10.0.2.99", "tcp", 22), ("10.0.2.99", "web", "tcp", 443), ("web", "late", "tcp", 22))
    with pytest.raises(InvalidEndpointError, match=r"^flow 1: Source 10.0.2.99"):
        lab.net.evaluate(batch)
    late = lab.net.run_instance(lab.priv, security_groups=[lab.app_sg], name="late", private_ip="10.0.2.99")
    v = assert_agree(lab.net, batch)
    assert v.connected.tolist() == [True, True, True]
    lab.net.terminate_instance(late)
    with pytest.raises(InvalidEndpointError, match=r"^flow 1: Source 10.0.2.99"):
        lab.net.evaluate(batch)
    assert str(lab.net.evaluate(batch.take([0])).disposition[0]) == "NO_ROUTE"


# -------------------------------------------------------------------------------------------- 3. cache invalidation


def test_changes_to_the_network_change_the_verdicts(lab: Lab) -> None:
    """Evaluate, change the network, evaluate again: every verdict is trace()'s on the changed network."""
    net = lab.net
    batch = FlowBatch.concat([_mixed(lab), flows((INTERNET, lab.web, "tcp", 443), (lab.app, lab.web, "tcp", 443))])
    before = assert_agree(net, batch)
    assert before.connected[[1, 3, 14, 15]].all()

    net.revoke_security_group_ingress(lab.web_sg, protocol="tcp", ports=(80, 443), cidr="0.0.0.0/0")
    v = assert_agree(net, batch)
    assert decided(v, 1) == ("DENIED_IN", "ENI_SG_RULES_MISMATCH", lab.web_sg.id, "security-group-ingress", None)
    assert decided(v, 14) == decided(v, 1)
    assert str(v.disposition[4]) == "DENIED_IN"  # app -> web 80 too

    acl = lab.vpc.default_network_acl
    net.replace_network_acl_entry(acl, rule_number=100, egress=True, protocol="-1", action="deny", cidr="0.0.0.0/0")
    v = assert_agree(net, batch)
    assert decided(v, 3) == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-egress", 100)
    net.replace_network_acl_entry(acl, rule_number=100, egress=True, protocol="-1", action="allow", cidr="0.0.0.0/0")
    assert assert_agree(net, batch).connected[3]

    net.delete_route(lab.public_rt, "0.0.0.0/0")
    v = assert_agree(net, batch)
    assert decided(v, 0) == ("NO_ROUTE", "NO_ROUTE_TO_DESTINATION", lab.public_rt.id, "route-table", None)
    assert decided(v, 3) == decided(v, 0)  # the NAT gateway's subnet lost its way out too

    net.stop_instance(lab.app)
    v = assert_agree(net, batch)
    assert decided(v, 5)[:4] == ("DENIED_IN", "BAD_STATE", lab.app.primary_network_interface.id, "instance-state")
    assert decided(v, 3)[:2] == ("DENIED_OUT", "BAD_STATE")


def test_p1_stop_and_start_gives_a_new_public_ip_and_evaluate_follows(lab: Lab) -> None:
    """SPEC P1: an auto-assigned public IP is lost on stop and a new one comes on start; the internet addresses
    the new one, and the old one is just an internet address."""
    net = lab.net
    old = lab.web.primary_network_interface.public_ip
    batch = flows((INTERNET, lab.web, "tcp", 80), (lab.app, str(old), "tcp", 80))
    v = assert_agree(net, batch)
    assert v.addresses("dst")[0] == str(old)
    assert v.connected[0]
    net.stop_instance(lab.web)
    net.start_instance(lab.web)
    new = lab.web.primary_network_interface.public_ip
    assert new is not None
    assert new != old
    v = assert_agree(net, batch)
    assert v.addresses("dst")[0] == str(new)
    assert v.connected[0]
    assert str(v.disposition[1]) == "EXITS_NETWORK"  # the old address now belongs to nobody here


def test_what_if_changes_stay_in_the_copy(lab: Lab) -> None:
    """``with net.what_if() as alt``: changes in alt change alt's verdicts, never net's, during or after."""
    net = lab.net
    batch = _mixed(lab)
    before = net.evaluate(batch)
    with net.what_if() as alt:
        alt.revoke_security_group_ingress(lab.web_sg.id, protocol="tcp", ports=(80, 443), cidr="0.0.0.0/0")
        alt.stop_instance(lab.app.id)
        alt.delete_route(lab.private_rt.id, "0.0.0.0/0")
        changed = assert_agree(alt, batch)
        assert decided(changed, 1)[:2] == ("DENIED_IN", "ENI_SG_RULES_MISMATCH")
        assert decided(changed, 5)[:2] == ("DENIED_IN", "BAD_STATE")
        during = assert_agree(net, batch)
        for name, codes in before.codes.items():
            np.testing.assert_array_equal(during.codes[name], codes, err_msg=name)
    after = assert_agree(net, batch)
    for name, codes in before.codes.items():
        np.testing.assert_array_equal(after.codes[name], codes, err_msg=name)
    assert after.connected[[1, 3, 5]].all()


# ------------------------------------------------------------------------------------ 4. one example per SPEC rule


def deny_all(lab: Lab, subnet: vpcsim.Subnet, name: str) -> vpcsim.NetworkAcl:
    """A new custom NACL (it denies everything, SPEC N3) on ``subnet``."""
    acl = lab.net.create_network_acl(lab.vpc, name=name)
    lab.net.replace_network_acl_association(acl, subnet)
    return acl


def allow_all(lab: Lab, acl: vpcsim.NetworkAcl, *, egress: bool, number: int = 100) -> None:
    lab.net.create_network_acl_entry(acl, rule_number=number, egress=egress, protocol="-1", action="allow",
                                     cidr="0.0.0.0/0")  # fmt: skip


def test_r1_subnet_without_association_uses_the_main_table(lab: Lab) -> None:
    """SPEC R1: ``iso`` has no explicit association: the main table (local only) decides; a route added to the
    main table carries it."""
    main = lab.vpc.main_route_table
    batch = flows((lab.lonely, HOST, "tcp", 443))
    v = assert_agree(lab.net, batch)
    assert decided(v) == ("NO_ROUTE", "NO_ROUTE_TO_DESTINATION", main.id, "route-table", None)
    lab.net.create_route(main, "0.0.0.0/0", lab.igw)
    v = assert_agree(lab.net, batch)
    assert decided(v) == ("EXITS_NETWORK", None, None, None, None)
    assert v.connected[0]


def test_r2_longest_prefix_wins_and_families_are_separate(lab: Lab) -> None:
    """SPEC R2: a /24 beats 0.0.0.0/0 (here towards an instance whose source/dest check drops the packet);
    0.0.0.0/0 never matches IPv6."""
    lab.net.create_route(lab.public_rt, "198.51.100.0/24", lab.app)
    batch = flows((lab.web, HOST, "tcp", 443), (lab.web, "203.0.113.5", "tcp", 443), (lab.web, HOST6, "tcp", 443))
    v = assert_agree(lab.net, batch)
    app_eni = lab.app.primary_network_interface.id
    assert decided(v, 0) == ("DENIED_IN", "ENI_SOURCE_DEST_CHECK_RESTRICTION", app_eni, "source-dest-check", None)
    assert str(v.disposition[1]) == "EXITS_NETWORK"
    assert v.connected[1]
    assert v.connected[2]
    lab.net.delete_route(lab.public_rt, "::/0")
    v = assert_agree(lab.net, batch)
    assert decided(v, 2) == ("NO_ROUTE", "NO_ROUTE_TO_DESTINATION", lab.public_rt.id, "route-table", None)
    assert v.connected[1]


def test_r3_static_route_beats_propagated_route(lab: Lab) -> None:
    """SPEC R3: on the same prefix a static route wins over one propagated from the virtual private gateway."""
    net = lab.net
    vgw = net.create_vpn_gateway(name="vgw")
    net.attach_vpn_gateway(vgw, lab.vpc)
    cgw = net.create_customer_gateway("203.0.113.9", bgp_asn=65010)
    net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])
    net.enable_vgw_route_propagation(lab.private_rt, vgw)
    batch = flows((lab.app, ON_PREMISES, "tcp", 22))
    v = assert_agree(net, batch)
    assert decided(v) == ("EXITS_NETWORK", None, None, None, None)
    assert v.connected[0]
    net.create_route(lab.private_rt, "192.168.0.0/16", lab.lonely)  # source/dest check on: it drops
    v = assert_agree(net, batch)
    lonely = lab.lonely.primary_network_interface.id
    assert decided(v) == ("DENIED_IN", "ENI_SOURCE_DEST_CHECK_RESTRICTION", lonely, "source-dest-check", None)


def test_r4_middlebox_on_a_subnet_route_and_the_local_route(lab: Lab) -> None:
    """SPEC R4, E5: a whole-subnet route to an appliance ENI puts it between two subnets: with its check on it
    drops, with it off the flow connects; the local route to an address nobody holds has no target."""
    net = lab.net
    fw = net.run_instance(lab.iso, security_groups=[lab.web_sg], name="fw", private_ip="10.0.3.20")
    fw_eni = fw.primary_network_interface
    net.authorize_security_group_ingress(lab.web_sg, protocol="tcp", ports=22, cidr="10.0.0.0/8")
    net.create_route(lab.public_rt, "10.0.2.0/24", fw_eni)
    batch = flows((lab.web, lab.app, "tcp", 22), (lab.web, "10.0.2.77", "tcp", 22))
    v = assert_agree(net, batch)
    assert decided(v) == ("DENIED_IN", "ENI_SOURCE_DEST_CHECK_RESTRICTION", fw_eni.id, "source-dest-check", None)
    net.modify_network_interface_attribute(fw_eni, source_dest_check=False)
    v = assert_agree(net, batch)
    assert decided(v) == ("ACCEPTED", None, None, None, None)
    assert v.connected[0]
    assert decided(v, 1) == ("NO_ROUTE", "ADDRESS_NOT_ASSIGNED", lab.priv.id, "subnet", None)


def test_r5_same_subnet_skips_nacl_and_route_table(lab: Lab) -> None:
    """SPEC R5, N2: two instances of one subnet connect whatever its NACL says; leaving the subnet, it applies."""
    net = lab.net
    acl = deny_all(lab, lab.pub, "deny-all")
    other = net.run_instance(lab.pub, security_groups=[lab.web_sg], name="other", private_ip="10.0.1.11")
    v = assert_agree(net, flows((lab.web, other, "tcp", 443), (lab.web, lab.app, "tcp", 22)))
    assert decided(v, 0) == ("ACCEPTED", None, None, None, None)
    assert v.connected[0]
    assert decided(v, 1) == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-egress", 32767)


def test_r6_blackhole_route_is_null_routed(lab: Lab) -> None:
    """SPEC R6: the route to a deleted NAT gateway stays as a blackhole and drops what it matches."""
    batch = flows((lab.app, HOST, "tcp", 443))
    assert assert_agree(lab.net, batch).connected[0]
    lab.net.delete_nat_gateway(lab.nat)
    v = assert_agree(lab.net, batch)
    assert decided(v) == ("NULL_ROUTED", "BAD_STATE_ROUTE", lab.private_rt.id, "route-table", "0.0.0.0/0")


def test_r6_virtual_private_gateway_and_vpn(lab: Lab) -> None:
    """SPEC R6: a route to the VGW leaves through the VPN that routes the destination (and the reply comes back);
    a destination no VPN routes stops at the VGW."""
    net = lab.net
    vgw = net.create_vpn_gateway(name="vgw")
    net.attach_vpn_gateway(vgw, lab.vpc)
    cgw = net.create_customer_gateway("203.0.113.9", bgp_asn=65010)
    net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"])
    net.create_route(lab.private_rt, "192.168.0.0/16", vgw)
    net.create_route(lab.private_rt, "172.20.0.0/16", vgw)
    net.authorize_security_group_ingress(lab.app_sg, protocol="tcp", ports=22, cidr="192.168.0.0/16")
    v = assert_agree(net, flows((lab.app, ON_PREMISES, "tcp", 22), (lab.app, "172.20.0.5", "tcp", 22),
                                (ON_PREMISES, lab.app, "tcp", 22)))  # fmt: skip
    assert decided(v, 0) == ("EXITS_NETWORK", None, None, None, None)
    assert v.connected[0]
    assert decided(v, 1) == ("NO_ROUTE", "NO_ROUTE_OUTSIDE_VPN", vgw.id, "vpn-gateway", None)
    assert decided(v, 2) == ("ACCEPTED", None, None, None, None)
    assert v.connected[2]


def test_r6_gateway_endpoint(lab: Lab) -> None:
    """SPEC R2, R6: the S3 prefix-list route (longer than 0.0.0.0/0) sends S3 traffic out through the endpoint,
    not the NAT gateway; other destinations still take the default route."""
    lab.net.create_vpc_endpoint(lab.vpc, "com.amazonaws.us-east-1.s3", route_tables=[lab.private_rt])
    lab.net.delete_nat_gateway(lab.nat)
    v = assert_agree(lab.net, flows((lab.app, S3, "tcp", 443), (lab.app, HOST, "tcp", 443)))
    assert decided(v, 0) == ("EXITS_NETWORK", None, None, None, None)
    assert v.connected[0]
    assert decided(v, 1) == ("NULL_ROUTED", "BAD_STATE_ROUTE", lab.private_rt.id, "route-table", "0.0.0.0/0")


def _hub(*, propagation: bool = True) -> tuple[Network, vpcsim.TransitGatewayRouteTable, list[vpcsim.Instance],
                                              list[vpcsim.TransitGatewayAttachment]]:  # fmt: skip
    """Two VPCs 10.0/16 and 10.1/16 on a transit gateway, each attached through one AZ-a subnet; each VPC's main
    table sends 10.0.0.0/8 to it. Instances a (10.0.1.10, AZ a), b (10.1.1.10, AZ a), c (10.0.2.10, AZ b)."""
    net = Network(seed=5)
    tgw = net.create_transit_gateway(name="hub", default_route_table_propagation=propagation)
    table = net.get(tgw.default_route_table_id or "")
    assert isinstance(table, vpcsim.TransitGatewayRouteTable)
    hosts, attachments = [], []
    for second, name in ((0, "a"), (1, "b")):
        vpc = net.create_vpc(f"10.{second}.0.0/16", name=f"vpc-{name}")
        subnet = net.create_subnet(vpc, f"10.{second}.1.0/24", az="us-east-1a", name=f"s-{name}")
        sg = open_sg(net, vpc)
        hosts.append(net.run_instance(subnet, security_groups=[sg], name=name, private_ip=f"10.{second}.1.10"))
        attachments.append(net.create_transit_gateway_vpc_attachment(tgw, vpc, [subnet], name=f"att-{name}"))
        net.create_route(vpc.main_route_table, "10.0.0.0/8", tgw)
        if name == "a":
            other_az = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1b", name="s-c")
            hosts.append(net.run_instance(other_az, security_groups=[sg], name="c", private_ip="10.0.2.10"))
    return net, table, hosts, attachments


def test_r6_transit_gateway_routes_blackholes_and_azs() -> None:
    """SPEC R6 (transit gateway): propagated routes connect the VPCs; a static blackhole is NULL_ROUTED at the TGW
    table; an AZ without an attachment subnet cannot reach the TGW; a table without a route cannot route."""
    net, table, (a, c, b), (att_a, _) = _hub()
    batch = flows((a, b, "tcp", 22), (c, b, "tcp", 22), (b, a, "tcp", 22))
    v = assert_agree(net, batch)
    assert v.connected[[0, 2]].all()
    assert decided(v, 1) == ("NO_ROUTE", "TGW_ATTACHMENT_AZ", att_a.id, "transit-gateway-attachment", None)
    net.create_transit_gateway_route(table, "10.1.1.0/24", blackhole=True)
    v = assert_agree(net, batch)
    assert decided(v, 0) == ("NULL_ROUTED", "BAD_STATE_ROUTE", table.id, "transit-gateway-route-table",
                             "10.1.1.0/24")  # fmt: skip
    assert v.delivered[2]  # b reaches a; a's answer meets the blackhole
    assert decided(v, 2, "reply_")[:2] == ("NULL_ROUTED", "BAD_STATE_ROUTE")
    net, table, (a, _, b), _ = _hub(propagation=False)
    v = assert_agree(net, flows((a, b, "tcp", 22)))
    assert decided(v) == ("NO_ROUTE", "TGW_RTB_CANNOT_ROUTE", table.id, "transit-gateway-route-table", None)


def test_r7_gateway_route_table_sends_ingress_through_a_firewall(lab: Lab) -> None:
    """SPEC R7, E5: the IGW's edge table sends web's subnet to a firewall ENI: with its check on it drops there;
    off, the internet reaches web through it; without the edge association, straight."""
    net = lab.net
    fw = net.run_instance(lab.iso, security_groups=[lab.web_sg], name="fw", private_ip="10.0.3.20")
    fw_eni = fw.primary_network_interface
    edge = net.create_route_table(lab.vpc, name="edge")
    net.create_route(edge, "10.0.1.0/24", fw_eni)
    net.associate_route_table(edge, lab.igw)
    batch = flows((INTERNET, lab.web, "tcp", 80))
    v = assert_agree(net, batch)
    assert decided(v) == ("DENIED_IN", "ENI_SOURCE_DEST_CHECK_RESTRICTION", fw_eni.id, "source-dest-check", None)
    net.modify_network_interface_attribute(fw_eni, source_dest_check=False)
    assert assert_agree(net, batch).connected[0]
    net.modify_network_interface_attribute(fw_eni, source_dest_check=True)
    net.disassociate_route_table(lab.igw)
    assert assert_agree(net, batch).connected[0]


def test_r8_link_local_addresses_are_never_routed(lab: Lab) -> None:
    """SPEC R8: 169.254.170.1 is link-local and no service: NO_ROUTE at the sender, whatever the routes say."""
    v = assert_agree(lab.net, flows((lab.web, "169.254.170.1", "tcp", 80)))
    web_eni = lab.web.primary_network_interface.id
    assert decided(v) == ("NO_ROUTE", "LINK_LOCAL_NOT_ROUTED", web_eni, "link-local", None)


def test_n1_rules_apply_in_number_order(lab: Lab) -> None:
    """SPEC N1: deny 90 is checked before allow 100 whatever the order they were added in; first match wins."""
    net = lab.net
    acl = deny_all(lab, lab.priv, "ordered")
    allow_all(lab, acl, egress=True)
    net.create_network_acl_entry(acl, rule_number=100, egress=False, protocol="tcp", action="allow",
                                 cidr="0.0.0.0/0", ports=22)  # fmt: skip
    net.create_network_acl_entry(acl, rule_number=90, egress=False, protocol="tcp", action="deny",
                                 cidr="10.0.1.0/24", ports=(0, 1000))  # fmt: skip
    v = assert_agree(net, flows((lab.web, lab.app, "tcp", 22), (lab.lonely, lab.app, "tcp", 22)))
    assert decided(v, 0) == ("DENIED_IN", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-ingress", 90)
    assert v.connected[1]


def test_n2_ingress_and_egress_lists_are_separate(lab: Lab) -> None:
    """SPEC N2: a NACL allowing only ingress lets the request in; the reply (and anything sent) leaving the
    subnet hits the egress * rule."""
    acl = deny_all(lab, lab.priv, "in-only")
    allow_all(lab, acl, egress=False)
    v = assert_agree(lab.net, flows((lab.web, lab.app, "tcp", 22), (lab.app, HOST, "tcp", 443)))
    assert decided(v, 0) == ("ACCEPTED", None, None, None, None)
    assert v.delivered[0]
    assert not v.connected[0]
    assert decided(v, 0, "reply_") == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-egress", 32767)
    assert decided(v, 1) == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-egress", 32767)


def test_n3_default_nacl_allows_a_new_one_denies_ipv4_and_ipv6(lab: Lab) -> None:
    """SPEC N3: the default NACL (rules 100 and 101) allows both families; a new custom NACL denies with its *
    rules, 32767 for IPv4 and 32768 for IPv6."""
    batch = flows((lab.web, HOST, "tcp", 443), (lab.web, HOST6, "tcp", 443))
    assert assert_agree(lab.net, batch).connected.all()
    acl = deny_all(lab, lab.pub, "new")
    v = assert_agree(lab.net, batch)
    assert decided(v, 0) == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-egress", 32767)
    assert decided(v, 1) == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-egress", 32768)


def test_n4_replies_go_to_the_clients_ephemeral_port(lab: Lab) -> None:
    """SPEC N4: NACLs are stateless: the reply goes to the client's source port (32768 by default, a Linux
    client's lowest); an egress rule opening 1024-32767 only drops that reply, not one to port 1500."""
    net = lab.net
    acl = deny_all(lab, lab.priv, "narrow")
    allow_all(lab, acl, egress=False)
    net.create_network_acl_entry(acl, rule_number=100, egress=True, protocol="tcp", action="allow",
                                 cidr="0.0.0.0/0", ports=(1024, 32767))  # fmt: skip
    v = assert_agree(net, flows((lab.web, lab.app, "tcp", 22), (lab.web, lab.app, "tcp", 22, 1500)))
    assert v.src_port.tolist() == [32768, 1500]
    assert v.delivered.all()
    assert decided(v, 0, "reply_") == ("DENIED_OUT", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-egress", 32767)
    assert v.connected.tolist() == [False, True]


def test_n5_icmp_type_in_a_nacl_rule(lab: Lab) -> None:
    """SPEC N5: an ICMP rule for type 8 (echo) admits pings, not timestamp requests (type 13)."""
    net = lab.net
    net.authorize_security_group_ingress(lab.app_sg, protocol="icmp", ports=(-1, -1), cidr="10.0.0.0/8")
    acl = deny_all(lab, lab.priv, "ping")
    allow_all(lab, acl, egress=True)
    net.create_network_acl_entry(acl, rule_number=100, egress=False, protocol="icmp", action="allow",
                                 cidr="0.0.0.0/0", icmp_type_code=(8, -1))  # fmt: skip
    v = assert_agree(net, flows((lab.web, lab.app, "icmp", None), (lab.web, lab.app, "icmp", 13)))
    assert v.connected[0]
    assert decided(v, 1) == ("DENIED_IN", "SUBNET_ACL_RESTRICTION", acl.id, "nacl-ingress", 32767)


def test_g1_security_groups_allow_only_as_a_union(lab: Lab) -> None:
    """SPEC G1: no rule allows TCP 5432 to app: dropped by its (first) group; a second group allowing it joins
    the union."""
    net = lab.net
    batch = flows((lab.web, lab.app, "tcp", 5432), (lab.web, lab.app, "tcp", 22))
    v = assert_agree(net, batch)
    assert decided(v, 0) == ("DENIED_IN", "ENI_SG_RULES_MISMATCH", lab.app_sg.id, "security-group-ingress", None)
    db = net.create_security_group(lab.vpc, "db", description="postgres")
    net.authorize_security_group_ingress(db, protocol="tcp", ports=5432, cidr="10.0.1.0/24")
    net.modify_network_interface_attribute(lab.app.primary_network_interface, security_groups=[lab.app_sg, db])
    assert assert_agree(net, batch).connected.all()


def test_g2_group_reference_matches_private_addresses_only(lab: Lab) -> None:
    """SPEC G2: a rule naming web's group admits its members by private IP, not other hosts, and not a member
    that arrives through the internet gateway from its public IP."""
    net = lab.net
    db = net.create_security_group(lab.vpc, "db", description="from web members")
    net.authorize_security_group_ingress(db, protocol="tcp", ports=5432, source_group=lab.web_sg)
    pubdb = net.run_instance(lab.pub, security_groups=[db], name="pubdb", private_ip="10.0.1.30")
    public = str(pubdb.primary_network_interface.public_ip)
    v = assert_agree(net, flows((lab.web, pubdb, "tcp", 5432), (lab.lonely, pubdb, "tcp", 5432),
                                (lab.app, pubdb, "tcp", 5432), (lab.web, public, "tcp", 5432)))  # fmt: skip
    assert v.connected[[0, 1]].all()
    for i in (2, 3):
        assert decided(v, i) == ("DENIED_IN", "ENI_SG_RULES_MISMATCH", db.id, "security-group-ingress", None)


def test_g3_new_group_has_no_inbound_and_all_outbound(lab: Lab) -> None:
    """SPEC G3: a new security group admits nothing and sends anything."""
    net = lab.net
    fresh = net.create_security_group(lab.vpc, "fresh", description="as created")
    host = net.run_instance(lab.pub, security_groups=[fresh], name="fresh", private_ip="10.0.1.40")
    v = assert_agree(net, flows((lab.web, host, "tcp", 443), (host, HOST, "tcp", 443)))
    assert decided(v, 0) == ("DENIED_IN", "ENI_SG_RULES_MISMATCH", fresh.id, "security-group-ingress", None)
    assert v.connected[1]


def test_g4_replies_of_a_tracked_connection_pass(lab: Lab) -> None:
    """SPEC G4: with app's outbound rules removed, replies to connections it accepted still leave; a connection
    it opens does not."""
    lab.net.revoke_security_group_egress(lab.app_sg, protocol="-1", cidr="0.0.0.0/0")
    v = assert_agree(lab.net, flows((lab.web, lab.app, "tcp", 22), (lab.app, HOST, "tcp", 443)))
    assert v.connected[0]
    assert decided(v, 0, "reply_") == ("ACCEPTED", None, None, None, None)
    assert decided(v, 1) == ("DENIED_OUT", "ENI_SG_RULES_MISMATCH", lab.app_sg.id, "security-group-egress", None)


def test_e5_source_dest_check_on_the_way_out_of_a_second_eni(lab: Lab) -> None:
    """SPEC E2, E5: a two-ENI appliance receives on eth0 (check off) and forwards out of eth1 in the
    destination's subnet; with eth1's check on the packet (not its own source) is dropped leaving eth1."""
    net = lab.net
    sg = open_sg(net, lab.vpc, "fw")
    fw = net.run_instance(lab.iso, instance_type="t3.micro", security_groups=[sg], name="fw", private_ip="10.0.3.20")
    eth0 = fw.primary_network_interface
    net.modify_network_interface_attribute(eth0, source_dest_check=False)
    eth1 = net.create_network_interface(lab.priv, security_groups=[sg], private_ip="10.0.2.20")
    net.attach_network_interface(eth1, fw, device_index=1)
    net.create_route(lab.public_rt, "10.0.2.0/24", eth0)
    batch = flows((lab.web, lab.app, "tcp", 22))
    v = assert_agree(net, batch)
    assert decided(v, 0) == ("DENIED_OUT", "ENI_SOURCE_DEST_CHECK_RESTRICTION", eth1.id, "source-dest-check", None)
    net.modify_network_interface_attribute(eth1, source_dest_check=False)
    assert assert_agree(net, batch).connected[0]


def test_v_stopped_instance_is_in_a_bad_state(lab: Lab) -> None:
    """SPEC V (BAD_STATE): a stopped instance neither sends nor receives."""
    lab.net.stop_instance(lab.app)
    v = assert_agree(lab.net, flows((lab.web, lab.app, "tcp", 22), (lab.app, HOST, "tcp", 443)))
    app_eni = lab.app.primary_network_interface.id
    assert decided(v, 0) == ("DENIED_IN", "BAD_STATE", app_eni, "instance-state", None)
    assert decided(v, 1) == ("DENIED_OUT", "BAD_STATE", app_eni, "instance-state", None)


def test_p2_elastic_ip_replaces_the_auto_assigned_public_ip(lab: Lab) -> None:
    """SPEC P2, P3: with an EIP on web, the internet addresses web by the EIP, and web's packets leave with it."""
    eip = lab.net.allocate_address(name="web-eip")
    lab.net.associate_address(eip, instance=lab.web)
    v = assert_agree(lab.net, flows((INTERNET, lab.web, "tcp", 80), (INTERNET, str(eip.public_ip), "tcp", 443)))
    assert v.addresses("dst") == [str(eip.public_ip)] * 2
    assert v.connected.all()


def test_p3_internet_addresses_the_public_ip(lab: Lab) -> None:
    """SPEC P3, E7: the internet reaches web at its public IP; a host names itself by its public IP and still
    sends from its private one."""
    public = str(lab.web.primary_network_interface.public_ip)
    v = assert_agree(lab.net, flows((INTERNET, lab.web, "tcp", 80), (public, HOST, "tcp", 443)))
    assert v.addresses("dst")[0] == public
    assert v.addresses("src")[1] == "10.0.1.10"
    assert v.connected.all()


def test_i1_internet_egress_needs_a_public_ip(lab: Lab) -> None:
    """SPEC I1: app has no public IP: routed straight to the IGW it is dropped there."""
    lab.net.replace_route(lab.private_rt, "0.0.0.0/0", lab.igw)
    v = assert_agree(lab.net, flows((lab.app, HOST, "tcp", 443)))
    assert decided(v) == ("DENIED_IN", "IGW_PUBLIC_IP_ASSOCIATION_FOR_EGRESS", lab.igw.id, "internet-gateway", None)


def test_i2_internet_ingress(lab: Lab) -> None:
    """SPEC I2: the internet reaches a public IP whose subnet routes to the IGW; a private address never enters;
    a public IP in a subnet without that route is reached but cannot answer."""
    v = assert_agree(lab.net, flows((INTERNET, lab.web, "tcp", 80), (INTERNET, "10.0.1.10", "tcp", 80),
                                    (INTERNET, lab.lonely, "tcp", 80)))  # fmt: skip
    assert v.connected[0]
    assert decided(v, 1) == ("DENIED_IN", "IGW_PRIVATE_IP_ASSOCIATION_FOR_INGRESS", lab.igw.id, "internet-gateway",
                             None)  # fmt: skip
    main = lab.vpc.main_route_table.id
    assert v.delivered[2]
    assert not v.connected[2]
    assert decided(v, 2, "reply_") == ("NO_ROUTE", "NO_ROUTE_TO_DESTINATION", main, "route-table", None)


def test_i3_egress_only_internet_gateway() -> None:
    """SPEC I3: IPv6 goes out through the egress-only IGW and its replies come back; inbound IPv6 that answers
    nothing is dropped there."""
    net, vpc, v6 = _dual_stack(3, "v6")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a", ipv6_cidr_block=v6[0])
    eigw = net.create_egress_only_internet_gateway(vpc, name="eigw")
    rt = net.create_route_table(vpc, name="rt")
    net.create_route(rt, "::/0", eigw)
    net.associate_route_table(rt, subnet)
    host = net.run_instance(subnet, security_groups=[open_sg(net, vpc)], name="host", ipv6_address_count=1)
    v = assert_agree(net, flows((host, HOST6, "tcp", 443), (INTERNET, host, "tcp", 80, None, 6)))
    assert decided(v, 0) == ("EXITS_NETWORK", None, None, None, None)
    assert v.connected[0]
    assert decided(v, 1) == ("DENIED_IN", "EIGW_UNSOLICITED_INBOUND", eigw.id, "egress-only-internet-gateway", None)


def test_i4_nat_gateway(lab: Lab) -> None:
    """SPEC I4: the NAT gateway carries TCP, UDP and ICMP out and back, refuses other protocols, and drops
    connections the internet opens to its address."""
    nat_ip = str(lab.nat_eip.public_ip)
    v = assert_agree(lab.net, flows((lab.app, HOST, "tcp", 443), (lab.app, HOST, "udp", 123),
                                    (lab.app, HOST, "icmp", None), (lab.app, HOST, 47, None),
                                    (INTERNET, nat_ip, "tcp", 443)))  # fmt: skip
    assert v.connected[:3].all()
    assert decided(v, 3) == ("DENIED_IN", "PROTOCOL_RESTRICTION", lab.nat.id, "nat-gateway", None)
    assert decided(v, 4) == ("DENIED_IN", "NGW_UNSOLICITED_INBOUND", lab.nat.id, "nat-gateway", None)


def test_i4_i5_nat_gateway_translates_only_what_comes_from_its_vpc(lab: Lab) -> None:
    """SPEC I4, I5: internet traffic that a firewall (on the IGW's edge table) forwards towards a NAT gateway
    entered through the IGW: the NAT gateway refuses it."""
    net = lab.net
    fw = appliance(net, lab.iso, lab.web_sg, "fw", "10.0.3.20")
    edge = net.create_route_table(lab.vpc, name="edge")
    net.create_route(edge, "10.0.1.0/24", fw.primary_network_interface)
    net.associate_route_table(edge, lab.igw)
    net.create_route(lab.vpc.main_route_table, "10.0.1.0/24", lab.nat)
    v = assert_agree(net, flows((INTERNET, lab.web, "tcp", 80)))
    assert decided(v) == ("DENIED_IN", "NGW_REQUIRES_SOURCE_IN_VPC", lab.nat.id, "nat-gateway", None)


def test_i5_peering_is_not_transitive() -> None:
    """SPEC I5: A peers B, B peers C: A reaches B, not C through B, even with routes everywhere."""
    net = Network(seed=5)
    vpcs = [net.create_vpc(f"10.{i}.0.0/16", name=name) for i, name in enumerate("abc")]
    hosts = []
    for i, vpc in enumerate(vpcs):
        subnet = net.create_subnet(vpc, f"10.{i}.1.0/24", az="us-east-1a", name=f"s-{vpc.name}")
        hosts.append(net.run_instance(subnet, security_groups=[open_sg(net, vpc)], name=vpc.name))
    pcx_ab = net.create_vpc_peering_connection(vpcs[0], vpcs[1], name="a-b")
    pcx_bc = net.create_vpc_peering_connection(vpcs[1], vpcs[2], name="b-c")
    net.create_route(vpcs[0].main_route_table, "10.0.0.0/8", pcx_ab)
    net.create_route(vpcs[1].main_route_table, "10.0.0.0/16", pcx_ab)
    net.create_route(vpcs[1].main_route_table, "10.2.0.0/16", pcx_bc)
    net.create_route(vpcs[2].main_route_table, "10.0.0.0/8", pcx_bc)
    a, b, c = hosts
    v = assert_agree(net, flows((a, b, "tcp", 22), (a, c, "tcp", 22), (c, b, "tcp", 22)))
    assert v.connected[[0, 2]].all()
    assert decided(v, 1) == ("DENIED_IN", "PCX_REQUIRES_ADDRESS_IN_VPC_CIDR", pcx_ab.id, "vpc-peering-connection",
                             None)  # fmt: skip


def test_m1_link_local_services_answer_their_own_instance(lab: Lab) -> None:
    """SPEC M1: IMDS, the DNS resolver (VPC+2 and 169.254.169.253) and time sync answer the instance itself,
    whatever its NACL and SGs; only on their own port; the internet cannot reach them."""
    lab.net.revoke_security_group_egress(lab.web_sg, protocol="-1", cidr="0.0.0.0/0")
    deny_all(lab, lab.pub, "locked")
    batch = flows(
        (lab.web, IMDS, "tcp", 80), (lab.web, "10.0.0.2", "udp", 53), (lab.web, "169.254.169.253", "tcp", 53),
        (lab.web, "169.254.169.123", "udp", 123), (lab.web, IMDS, "tcp", 22), (INTERNET, IMDS, "tcp", 80),
    )  # fmt: skip
    v = assert_agree(lab.net, batch)
    assert v.connected[:4].all()
    assert decided(v, 0) == ("ACCEPTED", None, None, None, None)
    component = f"{lab.web.id}:instance-metadata"
    assert decided(v, 4) == ("DENIED_IN", "PROTOCOL_RESTRICTION", component, "instance-metadata", None)
    assert decided(v, 5) == ("NO_ROUTE", "NO_ROUTE_TO_DESTINATION", "internet", "internet", None)


def test_m1_dns_support_off(lab: Lab) -> None:
    """SPEC M1: with DNS support off in the VPC the resolver does not answer."""
    lab.net.modify_vpc_attribute(lab.vpc, enable_dns_support=False)
    v = assert_agree(lab.net, flows((lab.web, "10.0.0.2", "udp", 53)))
    assert decided(v) == ("DENIED_IN", "BAD_STATE", f"{lab.web.id}:dns-resolver", "dns-resolver", None)


def test_m2_imds_endpoint_switches(lab: Lab) -> None:
    """SPEC M2: HttpEndpoint disabled refuses IMDS; IMDS over IPv6 answers only once enabled."""
    net = lab.net
    batch = flows((lab.web, IMDS, "tcp", 80), (lab.web, "fd00:ec2::254", "tcp", 80))
    component = f"{lab.web.id}:instance-metadata"
    v = assert_agree(net, batch)
    assert v.connected[0]
    assert decided(v, 1) == ("DENIED_IN", "IMDS_DISABLED", component, "instance-metadata", None)
    net.modify_instance_metadata_options(lab.web, http_protocol_ipv6="enabled")
    assert assert_agree(net, batch).connected.all()
    net.modify_instance_metadata_options(lab.web, http_endpoint="disabled")
    v = assert_agree(net, batch)
    assert decided(v, 0) == decided(v, 1) == ("DENIED_IN", "IMDS_DISABLED", component, "instance-metadata", None)


def test_v_routing_loop(lab: Lab) -> None:
    """SPEC V: a route table that sends a packet back where it came from with the same headers: LOOP there."""
    router = appliance(lab.net, lab.iso, lab.web_sg, "router", "10.0.3.20")
    main = lab.vpc.main_route_table
    lab.net.create_route(main, "0.0.0.0/0", router)
    lab.net.replace_route(lab.private_rt, "0.0.0.0/0", router)
    v = assert_agree(lab.net, flows((lab.app, HOST, "tcp", 443)))
    assert decided(v) == ("LOOP", "ROUTING_LOOP", main.id, "route-table", None)


def test_v_reply_from_another_address_does_not_connect(lab: Lab) -> None:
    """SPEC I2, V: a public instance whose subnet routes 0.0.0.0/0 to the NAT gateway answers the internet from
    the NAT's address: the client drops that reply (REPLY_SOURCE_MISMATCH)."""
    host = lab.net.run_instance(lab.priv, security_groups=[lab.web_sg], name="mixed", associate_public_ip=True)
    v = assert_agree(lab.net, flows((INTERNET, host, "tcp", 80)))
    assert v.delivered[0]
    assert not v.connected[0]
    assert decided(v, 0, "reply_") == ("DENIED_IN", "REPLY_SOURCE_MISMATCH", "internet", "client", None)


# ---------------------------------------------------------------------------- 5. agreement on special topologies


def test_agree_appliance_in_the_middle_and_igw_ingress_routing() -> None:
    """SPEC R4, R7, E5: a firewall (check off) between two subnets both ways, on the default route out, and on
    the IGW's edge table in; another appliance with the check on receives an edge route too."""
    net = Network(seed=11)
    vpc = net.create_vpc("10.0.0.0/16", name="mb")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    web_subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="web", map_public_ip_on_launch=True)
    app_subnet = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="app")
    fw_subnet = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="fw")
    guarded = net.create_subnet(vpc, "10.0.4.0/24", az="us-east-1a", name="guarded", map_public_ip_on_launch=True)
    sg = open_sg(net, vpc)
    web_sg = net.create_security_group(vpc, "web", description="http")
    net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=(80, 443), cidr="0.0.0.0/0")
    fw = appliance(net, fw_subnet, sg, "fw", "10.0.3.10")
    checked = net.run_instance(fw_subnet, security_groups=[sg], name="checked", private_ip="10.0.3.20")
    web = net.run_instance(web_subnet, security_groups=[web_sg], name="web", private_ip="10.0.1.10")
    net.run_instance(app_subnet, security_groups=[sg], name="app", private_ip="10.0.2.10")
    net.run_instance(guarded, security_groups=[sg], name="guarded", private_ip="10.0.4.10")
    for subnet, routes in (
        (web_subnet, {"0.0.0.0/0": fw, "10.0.2.0/24": fw}),
        (app_subnet, {"10.0.1.0/24": fw}),
        (fw_subnet, {"0.0.0.0/0": igw}),
        (guarded, {"0.0.0.0/0": igw}),
    ):
        table = net.create_route_table(vpc, name=f"{subnet.name}-rt")
        for destination, target in routes.items():
            net.create_route(table, destination, target)
        net.associate_route_table(table, subnet)
    edge = net.create_route_table(vpc, name="edge")
    net.create_route(edge, "10.0.1.0/24", fw.primary_network_interface)
    net.create_route(edge, "10.0.4.0/24", checked.primary_network_interface)
    net.associate_route_table(edge, igw)
    batch = pairs_batch(net, endpoints(net, HOST))
    v = assert_agree(net, batch)
    assert not v.scalar.any()
    assert {str(d) for d in v.disposition} >= {"ACCEPTED", "EXITS_NETWORK", "DENIED_IN"}
    assert v.connected[rows(batch, INTERNET, web, 6)].any()


def test_agree_masquerading_nat_instance_goes_to_the_scalar_lane() -> None:
    """SPEC E5, P3: a NAT instance (check off, masquerade) in a public subnet carries a private subnet's traffic
    out; flows it masquerades are decided by the scalar walk, and marked ``scalar``."""
    net = Network(seed=12)
    vpc = net.create_vpc("10.0.0.0/16", name="nati")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    pub = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="pub", map_public_ip_on_launch=True)
    priv = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="priv")
    sg = open_sg(net, vpc)
    nati = appliance(net, pub, sg, "nati", "10.0.1.10")
    net.configure_nat_instance(nati, masquerade=True)
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.associate_route_table(public_rt, pub)
    private_rt = net.create_route_table(vpc, name="private-rt")
    net.create_route(private_rt, "0.0.0.0/0", nati)
    net.associate_route_table(private_rt, priv)
    a = net.run_instance(priv, security_groups=[sg], name="a", private_ip="10.0.2.10")
    net.run_instance(priv, security_groups=[sg], name="b", private_ip="10.0.2.11")
    net.run_instance(pub, security_groups=[sg], name="web", private_ip="10.0.1.20")
    batch = pairs_batch(net, endpoints(net, HOST))
    v = assert_agree(net, batch)
    assert v.scalar[rows(batch, a, INTERNET)].all()
    assert v.connected[rows(batch, a, INTERNET, 6)].all()
    # Flows that never reach the NAT instance stay in the vectorised walk.
    assert not v.scalar[rows(batch, nati)].any()


def test_agree_transit_gateway_with_azs_blackhole_vpn_and_central_egress() -> None:
    """SPEC R6, I4, I5 (transit gateway): two VPCs attached in different AZs (VPC A only in AZ a, so AZ b has no way
    in), a blackhole route for one subnet of B, a VPN attachment carrying 192.168.0.0/16 on premises, and central
    egress: A's default route goes through the TGW to B's NAT gateway and IGW, while B's S3 endpoint refuses what
    came from the TGW (no edge-to-edge routing)."""
    net = Network(seed=13)
    tgw = net.create_transit_gateway(name="tgw")
    va = net.create_vpc("10.0.0.0/16", name="A")
    vb = net.create_vpc("10.1.0.0/16", name="B")
    a1 = net.create_subnet(va, "10.0.1.0/24", az="us-east-1a", name="a1")
    a2 = net.create_subnet(va, "10.0.2.0/24", az="us-east-1b", name="a2")
    b1 = net.create_subnet(vb, "10.1.1.0/24", az="us-east-1a", name="b1")
    b2 = net.create_subnet(vb, "10.1.2.0/24", az="us-east-1b", name="b2")
    b3 = net.create_subnet(vb, "10.1.3.0/24", az="us-east-1a", name="egress")
    b9 = net.create_subnet(vb, "10.1.9.0/24", az="us-east-1b", name="b9")
    net.create_transit_gateway_vpc_attachment(tgw, va, [a1], name="att-a")
    att_b = net.create_transit_gateway_vpc_attachment(tgw, vb, [b1, b2], name="att-b")
    cgw = net.create_customer_gateway("203.0.113.9", bgp_asn=65010)
    net.create_vpn_connection(cgw, transit_gateway=tgw, static_routes=["192.168.0.0/16"], name="vpn")
    table = net.get(tgw.default_route_table_id or "")
    assert isinstance(table, vpcsim.TransitGatewayRouteTable)
    net.create_transit_gateway_route(table, "10.1.9.0/24", blackhole=True)
    net.create_transit_gateway_route(table, "0.0.0.0/0", att_b)
    igw = net.create_internet_gateway(name="igw-b")
    net.attach_internet_gateway(igw, vb)
    egress_rt = net.create_route_table(vb, name="egress-rt")
    net.associate_route_table(egress_rt, b3)
    nat = net.create_nat_gateway(b3, allocation=net.allocate_address(), name="nat")
    for rt, default in ((va.main_route_table, tgw), (vb.main_route_table, nat), (egress_rt, igw)):
        net.create_route(rt, "10.0.0.0/8", tgw)
        net.create_route(rt, "192.168.0.0/16", tgw)
        net.create_route(rt, "0.0.0.0/0", default)
    net.create_vpc_endpoint(vb, "com.amazonaws.us-east-1.s3", route_tables=[vb.main_route_table])
    sga, sgb = open_sg(net, va, "a"), open_sg(net, vb, "b")
    x1 = net.run_instance(a1, security_groups=[sga], name="x1", private_ip="10.0.1.10")
    net.run_instance(a2, security_groups=[sga], name="x2", private_ip="10.0.2.10")
    net.run_instance(b1, security_groups=[sgb], name="y1", private_ip="10.1.1.10")
    net.run_instance(b2, security_groups=[sgb], name="y2", private_ip="10.1.2.10")
    net.run_instance(b3, security_groups=[sgb], name="bastion", private_ip="10.1.3.10", associate_public_ip=True)
    net.run_instance(b9, security_groups=[sgb], name="y9", private_ip="10.1.9.10")
    batch = pairs_batch(net, endpoints(net, ON_PREMISES, HOST, S3))
    v = assert_agree(net, batch)
    explanations = set(v.explanation.tolist()) | set(v.reply_explanation.tolist())
    assert {"TGW_ATTACHMENT_AZ", "BAD_STATE_ROUTE", "NO_EDGE_TO_EDGE_ROUTING"} <= explanations
    assert v.connected[rows(batch, x1, HOST, 6)].all()  # central egress through B's NAT gateway
    assert v.connected[rows(batch, x1, ON_PREMISES, 6)].all()


def test_agree_virtual_private_gateway_with_vpn_and_edge_table() -> None:
    """SPEC R3, R6, R7: a VGW with a VPN (static route, propagated into one subnet's table), a static route to the
    VGW outside every VPN route, and an edge table on the VGW sending one subnet's traffic through a firewall."""
    net = Network(seed=14)
    vpc = net.create_vpc("10.0.0.0/16", name="vgw")
    a = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a")
    b = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="b")
    c = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="c")
    vgw = net.create_vpn_gateway(name="vgw")
    net.attach_vpn_gateway(vgw, vpc)
    cgw = net.create_customer_gateway("203.0.113.9", bgp_asn=65010)
    net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16"], name="vpn")
    loose = net.create_vpn_gateway(name="detached-vgw")  # its VPN's sites have no way in
    net.create_vpn_connection(cgw, vpn_gateway=loose, static_routes=["172.16.0.0/16"], name="vpn-nowhere")
    sg = open_sg(net, vpc)
    fw = appliance(net, c, sg, "fw", "10.0.3.10")
    net.run_instance(a, security_groups=[sg], name="x", private_ip="10.0.1.10")
    net.run_instance(b, security_groups=[sg], name="y", private_ip="10.0.2.10")
    rt_a = net.create_route_table(vpc, name="rt-a")
    net.associate_route_table(rt_a, a)
    net.enable_vgw_route_propagation(rt_a, vgw)
    net.create_route(rt_a, "172.20.0.0/16", vgw)
    rt_b = net.create_route_table(vpc, name="rt-b")
    net.associate_route_table(rt_b, b)
    net.create_route(rt_b, "192.168.0.0/16", fw)
    rt_c = net.create_route_table(vpc, name="rt-c")
    net.associate_route_table(rt_c, c)
    net.create_route(rt_c, "192.168.0.0/16", vgw)
    edge = net.create_route_table(vpc, name="edge")
    net.create_route(edge, "10.0.2.0/24", fw.primary_network_interface)
    net.associate_route_table(edge, vgw)
    batch = pairs_batch(net, endpoints(net, ON_PREMISES, "192.168.200.1", "172.20.0.5", "172.16.0.5", HOST))
    v = assert_agree(net, batch)
    assert not v.scalar.any()
    explanations = set(v.explanation.tolist())
    assert {"NO_ROUTE_OUTSIDE_VPN", "BAD_STATE_ATTACHMENT"} <= explanations
    assert v.connected[rows(batch, ON_PREMISES)].any()


def test_agree_gateway_vpc_endpoint() -> None:
    """SPEC R2, R6: a gateway endpoint's prefix-list route carries S3 addresses out of one subnet (beating its
    default route to the IGW); the other subnet has no route; replies come back in through the endpoint."""
    net = Network(seed=15)
    vpc = net.create_vpc("10.0.0.0/16", name="vpce")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    a = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a", map_public_ip_on_launch=True)
    b = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="b")
    rt = net.create_route_table(vpc, name="rt-a")
    net.create_route(rt, "0.0.0.0/0", igw)
    net.associate_route_table(rt, a)
    net.create_vpc_endpoint(vpc, "com.amazonaws.us-east-1.s3", route_tables=[rt])
    sg = open_sg(net, vpc)
    net.run_instance(a, security_groups=[sg], name="x", private_ip="10.0.1.10")
    net.run_instance(b, security_groups=[sg], name="y", private_ip="10.0.2.10")
    batch = pairs_batch(net, endpoints(net, S3, HOST))
    v = assert_agree(net, batch)
    assert not v.scalar.any()
    assert v.connected[rows(batch, dst=S3, protocol=6)].any()


def test_agree_nat64_through_a_nat_gateway_in_the_scalar_lane() -> None:
    """SPEC I4 (AWS NAT64): 64:ff9b::/96 routed to a public NAT gateway reaches the embedded IPv4 host; those flows
    are decided by the scalar walk and marked ``scalar``; other IPv6 to the NAT gateway is refused."""
    net, vpc, v6 = _dual_stack(16, "nat64")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    pub = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="pub", ipv6_cidr_block=v6[0],
                            map_public_ip_on_launch=True)  # fmt: skip
    priv = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="priv", ipv6_cidr_block=v6[1])
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, "0.0.0.0/0", igw)
    net.create_route(public_rt, "::/0", igw)
    net.associate_route_table(public_rt, pub)
    nat = net.create_nat_gateway(pub, allocation=net.allocate_address(), name="nat")
    private_rt = net.create_route_table(vpc, name="private-rt")
    net.create_route(private_rt, "64:ff9b::/96", nat)
    net.create_route(private_rt, "0.0.0.0/0", nat)
    net.associate_route_table(private_rt, priv)
    sg = open_sg(net, vpc)
    a = net.run_instance(priv, security_groups=[sg], name="a", ipv6_address_count=1)
    net.run_instance(pub, security_groups=[sg], name="web", ipv6_address_count=1)
    ends = endpoints(net, NAT64_HOST, HOST, HOST6, "169.254.169.253", "fd00:ec2::254")
    batch = pairs_batch(net, ends, ip_versions=(None, 6))
    v = assert_agree(net, batch)
    nat64 = rows(batch, a, NAT64_HOST)
    tracked = [i for i in nat64 if batch.flow(i)[2] in (6, 17, 1, 58)]
    assert v.scalar[tracked].all()
    assert v.connected[rows(batch, a, NAT64_HOST, 6)].all()
    assert not v.scalar[rows(batch, a, HOST)].any()  # NAT over IPv4 stays vectorised


def test_agree_routing_loop_between_two_appliances() -> None:
    """SPEC V: two routers whose subnets' default routes point at each other: LOOP at the table seen twice."""
    net = Network(seed=17)
    vpc = net.create_vpc("10.0.0.0/16", name="loop")
    a = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a")
    b = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="b")
    c = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="c")
    sg = open_sg(net, vpc)
    r1 = appliance(net, c, sg, "r1", "10.0.3.10")
    r2 = appliance(net, b, sg, "r2", "10.0.2.20")
    net.run_instance(a, security_groups=[sg], name="x", private_ip="10.0.1.10")
    net.run_instance(b, security_groups=[sg], name="y", private_ip="10.0.2.10")
    for subnet, target in ((a, r1), (c, r2), (b, r1)):
        table = net.create_route_table(vpc, name=f"rt-{subnet.name}")
        net.associate_route_table(table, subnet)
        net.create_route(table, "0.0.0.0/0", target)
    batch = pairs_batch(net, endpoints(net, HOST, "10.9.9.9"))
    v = assert_agree(net, batch)
    assert "LOOP" in {str(d) for d in v.disposition}


def test_agree_imds_disabled_and_dns_support_off() -> None:
    """SPEC M1, M2, R8: IMDS switched off on one instance (and IPv6 IMDS off on another), DNS support off in the
    VPC: the link-local services refuse, other instances still reach their own IMDS, nothing routes them."""
    net, vpc, v6 = _dual_stack(18, "imds")
    a = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a", ipv6_cidr_block=v6[0])
    b = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="b", ipv6_cidr_block=v6[1])
    sg = open_sg(net, vpc)
    off = net.run_instance(a, security_groups=[sg], name="off", private_ip="10.0.1.10", ipv6_address_count=1)
    net.modify_instance_metadata_options(off, http_endpoint="disabled")
    net.run_instance(a, security_groups=[sg], name="on", private_ip="10.0.1.11", ipv6_address_count=1)
    v6_on = net.run_instance(b, security_groups=[sg], name="v6", private_ip="10.0.2.10", ipv6_address_count=1)
    net.modify_instance_metadata_options(v6_on, http_protocol_ipv6="enabled")
    net.modify_vpc_attribute(vpc, enable_dns_support=False)
    ends = endpoints(net, "169.254.169.253", "169.254.169.123", "169.254.170.1", "fd00:ec2::254", "fd00:ec2::253")
    batch = pairs_batch(net, ends, ip_versions=(None, 6))
    v = assert_agree(net, batch)
    assert not v.scalar.any()
    assert {"IMDS_DISABLED", "BAD_STATE", "PROTOCOL_RESTRICTION", "LINK_LOCAL_NOT_ROUTED"} <= set(
        v.explanation.tolist()
    )


def test_agree_egress_only_internet_gateway_with_ipv6() -> None:
    """SPEC I3: IPv6 leaves through the egress-only IGW and its replies come back; unsolicited inbound IPv6 and
    IPv4 through it are refused; a second subnet has no route at all."""
    net, vpc, v6 = _dual_stack(19, "eigw")
    a = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="a", ipv6_cidr_block=v6[0])
    b = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="b", ipv6_cidr_block=v6[1])
    eigw = net.create_egress_only_internet_gateway(vpc, name="eigw")
    rt = net.create_route_table(vpc, name="rt-a")
    net.create_route(rt, "::/0", eigw)
    net.associate_route_table(rt, a)
    sg = net.create_security_group(vpc, "web6", description="http over IPv6")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=80, cidr="::/0")
    net.authorize_security_group_ingress(sg, protocol="icmpv6", cidr="::/0")
    x = net.run_instance(a, security_groups=[sg], name="x", ipv6_address_count=1)
    net.run_instance(a, security_groups=[sg], name="x2", ipv6_address_count=1)
    net.run_instance(b, security_groups=[sg], name="y", ipv6_address_count=1)
    net.run_instance(b, security_groups=[sg], name="v4only")
    batch = pairs_batch(net, endpoints(net, HOST6, HOST), ip_versions=(None, 6))
    v = assert_agree(net, batch)
    assert not v.scalar.any()
    assert v.connected[rows(batch, x, HOST6, 6)].all()
    assert "EIGW_UNSOLICITED_INBOUND" in set(v.explanation.tolist())


def test_agree_odd_addresses_and_ends() -> None:
    """SPEC E2, E4, E7, P2, R2, R3, G2, I4: secondary private IPs (one with an EIP), a second ENI with its own EIP,
    a detached ENI, a subnet in a secondary VPC CIDR behind a private NAT gateway, a prefix-list route and SG rule,
    and ends given as a NAT gateway, an EIP and an IGW object, the VPC router, broadcast and unrouted link-local
    addresses; an explicit source port below 1024 as well as the default one."""
    net, vpc, v6 = _dual_stack(21, "odd")
    net.associate_vpc_cidr_block(vpc, "10.1.0.0/16")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    pub = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="pub", ipv6_cidr_block=v6[0],
                            map_public_ip_on_launch=True)  # fmt: skip
    sec = net.create_subnet(vpc, "10.1.1.0/24", az="us-east-1a", name="secondary-cidr", ipv6_cidr_block=v6[1])
    iso = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="iso")
    partners = net.create_managed_prefix_list(
        "partners", max_entries=2, entries=["198.51.100.0/24", "203.0.113.0/25"]
    )
    public_rt = net.create_route_table(vpc, name="public-rt")
    net.create_route(public_rt, partners, igw)
    net.create_route(public_rt, "::/0", igw)
    net.associate_route_table(public_rt, pub)
    pnat = net.create_nat_gateway(pub, connectivity="private", name="pnat")
    sec_rt = net.create_route_table(vpc, name="sec-rt")
    net.create_route(sec_rt, "0.0.0.0/0", pnat)
    net.associate_route_table(sec_rt, sec)
    sg = net.create_security_group(vpc, "partners", description="partners and members")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=(22, 443), prefix_list=partners)
    net.authorize_security_group_ingress(sg, protocol="-1", source_group=sg)
    net.authorize_security_group_ingress(sg, protocol="udp", ports=53, cidr="10.0.0.0/8")
    x = net.run_instance(pub, instance_type="m5.large", security_groups=[sg], name="x", private_ip="10.0.1.10",
                         secondary_private_ip_count=1, ipv6_address_count=2)  # fmt: skip
    eni = x.primary_network_interface
    eip = net.allocate_address(name="secondary-eip")
    net.associate_address(eip, network_interface=eni, private_ip=str(eni.private_ip_addresses[1]))
    eth1 = net.create_network_interface(pub, security_groups=[sg], private_ip="10.0.1.50")
    net.attach_network_interface(eth1, x, device_index=1)
    net.associate_address(net.allocate_address(name="eth1-eip"), network_interface=eth1)
    net.run_instance(sec, security_groups=[sg], name="y", private_ip="10.1.1.10", ipv6_address_count=1)
    net.run_instance(iso, security_groups=[sg], name="z", private_ip="10.0.3.10", associate_public_ip=True)
    net.create_network_interface(iso, security_groups=[sg], private_ip="10.0.3.50")  # detached
    idle = net.allocate_address(name="idle")
    ends = endpoints(net, HOST, "203.0.113.200", HOST6, "169.254.1.1", "10.0.0.1", "10.0.255.255", "10.1.0.2",
                     "fd00:ec2::123", str(idle.public_ip), str(eip.public_ip), pnat, eip, igw)  # fmt: skip
    services = [("tcp", 22, None), ("tcp", 443, 1000), ("udp", 53, 53), ("icmp", None, None), (47, None, None)]
    batch = pairs_batch(net, ends, services)
    v = assert_agree(net, batch)
    assert not v.scalar.any()
    assert v.connected[rows(batch, str(eip.public_ip), HOST, 6)].all()  # E7: sent from the secondary private IP
    sources = {v.addresses("src")[i] for i in rows(batch, str(eip.public_ip))}
    assert sources == {str(eni.private_ip_addresses[1])}


def test_agree_overlapping_vpcs_and_same_addresses() -> None:
    """Two unconnected VPCs with the same CIDR and an instance at the same address in each: resources name them
    apart; the shared address itself is ambiguous and is not an end; each VPC's local route finds its own."""
    net = Network(seed=22)
    for k in range(2):
        vpc = net.create_vpc("10.0.0.0/16", name=f"v{k}")
        s1 = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name=f"s{k}", map_public_ip_on_launch=True)
        s2 = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name=f"t{k}")
        sg = open_sg(net, vpc)
        net.run_instance(s1, security_groups=[sg], name=f"x{k}", private_ip="10.0.1.10")
        net.run_instance(s2, security_groups=[sg], name=f"u{k}", private_ip=f"10.0.2.{10 + k}")
        if k == 0:
            igw = net.create_internet_gateway(name="igw")
            net.attach_internet_gateway(igw, vpc)
            rt = net.create_route_table(vpc, name="rt")
            net.create_route(rt, "0.0.0.0/0", igw)
            net.associate_route_table(rt, s1)
    with pytest.raises(InvalidEndpointError, match="ambiguous"):
        net.evaluate(flows(("10.0.1.10", HOST, "tcp", 22)))
    batch = pairs_batch(net, endpoints(net, HOST, "10.0.1.77"))
    v = assert_agree(net, batch)
    x0, x1 = net.instances[0], net.instances[2]
    assert not v.delivered[rows(batch, x0, x1)].any()  # 10.0.1.10 in x0's own VPC is x0 itself
