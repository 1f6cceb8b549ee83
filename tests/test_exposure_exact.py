"""The exact answers are exact (issue 5, "Done when"): ``open_ports`` and ``exposure`` equal brute force over every
port, and every packet of a header-space cell gets the cell's verdict.

Brute force walks every destination port (0..65535; ICMP types 0..255) with ``net.evaluate`` for every source host:
for ``vpcsim.INTERNET``, one internet host per atom of the internet address space (the first address of each: the
compiled networks treat every address of an atom alike) plus a few random internet addresses; for a subnet,
security group or instance, each of its interfaces. A port is open when some source host connects. The networks are
small and hand-built so that each special part of the cut shows: NACL holes inside allowed ranges, rules for part
of the sources, security-group references, prefix lists, peering, NAT gateways, IPv6, a firewall on the internet
gateway's edge route table, on-premises ranges behind a VPN.

On random networks (:func:`vpcsim.testing.strategies.networks`) random concrete packets are located in their cell
(``cells.locate``) and walked on their own; their verdict must be the cell's, and ``open_ports`` must agree with
``trace()`` port by port.
"""

from __future__ import annotations

import functools
import ipaddress
import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_exposure import build_seeds, replace_nacl

import vpcsim
from vpcsim import INTERNET, FlowBatch, Network
from vpcsim.examples import demo_network
from vpcsim.query.ends import ends
from vpcsim.query.exposure import Exposure
from vpcsim.query.headerspace import Question, internet_space, line_of, merge_ranges, run
from vpcsim.testing import verdict_of
from vpcsim.testing.strategies import networks

B = npt.NDArray[np.bool_]
Ranges = list[tuple[int, int]]

RANDOM_HOSTS = 1  # a random internet address per network and family, besides one per atom
OTHER = (47, 132)  # GRE and SCTP: protocols no rule of these networks names, so both are in the "other" class
PROPERTY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ------------------------------------------------------------------------------------------------- the networks


def _public_vpc(net: Network, cidr: str, name: str, *, ipv6: bool = False) -> tuple[vpcsim.Vpc, vpcsim.RouteTable]:
    """A VPC with an internet gateway and a public route table (0.0.0.0/0, and ::/0 with IPv6, to it)."""
    vpc = net.create_vpc(cidr, name=name, amazon_provided_ipv6_cidr_block=ipv6)
    igw = net.create_internet_gateway(name=f"{name}-igw")
    net.attach_internet_gateway(igw, vpc)
    table = net.create_route_table(vpc, name=f"{name}-public-rt")
    net.create_route(table, "0.0.0.0/0", igw)
    if ipv6:
        net.create_route(table, "::/0", igw)
    return vpc, table


def holes() -> Network:
    """One public server: NACL denies inside allowed ranges and for part of the sources, replies limited (N4)."""
    net = Network(seed=5)
    vpc, table = _public_vpc(net, "10.0.0.0/16", "holes")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="pub")
    net.associate_route_table(table, subnet)
    sg = net.create_security_group(vpc, "srv", description="services")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=(1000, 2000), cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="198.51.100.0/24")
    net.authorize_security_group_ingress(sg, protocol="udp", ports=(5000, 6000), cidr="203.0.113.0/25")
    net.authorize_security_group_ingress(sg, protocol="icmp", ports=(8, -1), cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(sg, protocol="icmp", ports=(13, 0), cidr="198.51.100.0/24")
    replace_nacl(net, subnet, [
        (100, "tcp", "deny", "0.0.0.0/0", 1500),
        (110, "tcp", "deny", "198.51.100.128/25", (1700, 1800)),
        (200, "tcp", "allow", "0.0.0.0/0", (1000, 2000)),
        (210, "tcp", "allow", "198.51.100.0/24", 22),
        (220, "udp", "allow", "0.0.0.0/0", (5500, 65535)),
        (230, "icmp", "allow", "0.0.0.0/0", (-1, -1)),
    ], [
        (100, "tcp", "allow", "0.0.0.0/0", (32768, 40000)),
        (110, "udp", "deny", "203.0.113.64/26", (0, 65535)),
        (120, "udp", "allow", "0.0.0.0/0", (1024, 65535)),
        (130, "icmp", "allow", "0.0.0.0/0", (0, -1)),
    ])  # fmt: skip
    net.run_instance(subnet, instance_type="t3.micro", security_groups=[sg], name="srv", associate_public_ip=True)
    return net


def tiers() -> Network:
    """Web, app and data tiers by security-group reference, a NAT gateway, a NACL with holes on the data subnet."""
    net = Network(seed=7)
    vpc, public_rt = _public_vpc(net, "10.0.0.0/16", "tiers")
    pub = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a", name="pub")
    app = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="app")
    data = net.create_subnet(vpc, "10.0.2.0/24", az="us-east-1a", name="data")
    net.associate_route_table(public_rt, pub)
    nat = net.create_nat_gateway(pub, allocation=net.allocate_address(), name="nat")
    private_rt = net.create_route_table(vpc, name="private-rt")
    net.create_route(private_rt, "0.0.0.0/0", nat)
    for subnet in (app, data):
        net.associate_route_table(private_rt, subnet)
    web = net.create_security_group(vpc, "web", description="x")
    net.authorize_security_group_ingress(web, protocol="tcp", ports=(80, 90), cidr="0.0.0.0/0")
    api = net.create_security_group(vpc, "api", description="x")
    net.authorize_security_group_ingress(api, protocol="tcp", ports=(8000, 8100), source_group=web)
    net.authorize_security_group_ingress(api, protocol="udp", ports=(9000, 9999), source_group=web)
    net.authorize_security_group_ingress(api, protocol="-1", source_group=api)
    db = net.create_security_group(vpc, "db", description="x")
    net.authorize_security_group_ingress(db, protocol="tcp", ports=(5000, 6000), source_group=api)
    net.authorize_security_group_ingress(db, protocol="tcp", ports=(5000, 7000), cidr="10.0.0.0/24")
    net.revoke_security_group_egress(db, rule_id=db.egress[0].id)
    net.authorize_security_group_egress(db, protocol="tcp", ports=(0, 65535), cidr="10.0.0.0/16")
    replace_nacl(net, data, [
        (10, "tcp", "deny", "10.0.1.0/25", (5400, 5499)),
        (20, "tcp", "deny", "10.0.0.0/24", (6500, 65535)),
        (30, "tcp", "allow", "10.0.0.0/16", (1024, 65535)),
    ], [
        (10, "tcp", "deny", "10.0.1.0/24", (32768, 32768)),
        (20, "tcp", "allow", "10.0.0.0/16", (1024, 65535)),
    ])  # fmt: skip
    net.run_instance(pub, instance_type="t3.micro", security_groups=[web], name="web", associate_public_ip=True)
    net.run_instance(app, instance_type="t3.micro", security_groups=[api], name="api1", private_ip="10.0.1.10")
    net.run_instance(app, instance_type="t3.micro", security_groups=[api], name="api2", private_ip="10.0.1.200")
    net.run_instance(data, instance_type="t3.micro", security_groups=[db], name="db")
    return net


def prefix_lists() -> Network:
    """Security-group rules from customer prefix lists (G2), a NACL denying inside them."""
    net = Network(seed=9)
    vpc, table = _public_vpc(net, "10.0.0.0/16", "pl")
    subnet = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a", name="pub")
    net.associate_route_table(table, subnet)
    office = net.create_managed_prefix_list("office", max_entries=5, entries=["198.51.100.0/24", "192.0.2.0/28"])
    partners = net.create_managed_prefix_list(
        "partners", max_entries=5, entries=["203.0.113.0/24", "198.51.100.128/25"]
    )
    sg = net.create_security_group(vpc, "srv", description="x")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=(20, 25), prefix_list=office)
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, prefix_list=partners)
    net.authorize_security_group_ingress(sg, protocol="udp", ports=(0, 65535), prefix_list=office)
    replace_nacl(net, subnet, [
        (5, "-1", "deny", "198.51.100.192/26", None),
        (6, "udp", "deny", "192.0.2.8/29", (100, 200)),
        (10, "-1", "allow", "0.0.0.0/0", None),
    ], [
        (10, "-1", "allow", "0.0.0.0/0", None),
    ])  # fmt: skip
    srv = net.run_instance(subnet, instance_type="t3.micro", security_groups=[sg], name="srv")
    net.associate_address(net.allocate_address(), instance=srv)
    return net


def peering() -> Network:
    """Two peered VPCs (I5): the peer reaches a private service; a NACL treats the peer's two subnets apart."""
    net = Network(seed=13)
    a, a_public = _public_vpc(net, "10.0.0.0/16", "a")
    b = net.create_vpc("10.1.0.0/16", name="b")
    a_pub = net.create_subnet(a, "10.0.0.0/24", az="us-east-1a", name="a-pub")
    a_priv = net.create_subnet(a, "10.0.1.0/24", az="us-east-1a", name="a-priv")
    b1 = net.create_subnet(b, "10.1.0.0/24", az="us-east-1a", name="b1")
    b2 = net.create_subnet(b, "10.1.1.0/24", az="us-east-1b", name="b2")
    net.associate_route_table(a_public, a_pub)
    pcx = net.create_vpc_peering_connection(a, b, name="a-b")
    private_rt = net.create_route_table(a, name="a-priv-rt")
    net.create_route(private_rt, "10.1.0.0/16", pcx)
    net.associate_route_table(private_rt, a_priv)
    net.create_route(b.main_route_table, "10.0.1.0/24", pcx)
    clients = net.create_security_group(b, "clients", description="x")
    svc = net.create_security_group(a, "svc", description="x")
    net.authorize_security_group_ingress(svc, protocol="tcp", ports=(3000, 4000), source_group=clients)
    net.authorize_security_group_ingress(svc, protocol="tcp", ports=22, cidr="10.1.1.0/24")
    net.authorize_security_group_ingress(svc, protocol="udp", ports=53, cidr="10.1.0.0/16")
    net.authorize_security_group_ingress(svc, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    replace_nacl(net, a_priv, [
        (10, "tcp", "deny", "10.1.1.0/24", (3500, 3600)),
        (20, "-1", "allow", "10.1.0.0/16", None),
    ], [
        (10, "-1", "allow", "10.1.0.0/24", None),
        (20, "tcp", "allow", "10.1.1.0/24", (1024, 32768)),
    ])  # fmt: skip
    net.run_instance(a_priv, instance_type="t3.micro", security_groups=[svc], name="svc")
    net.run_instance(a_pub, instance_type="t3.micro", security_groups=[svc], name="front", associate_public_ip=True)
    net.run_instance(b1, instance_type="t3.micro", security_groups=[clients], name="c1")
    net.run_instance(b2, instance_type="t3.micro", security_groups=[clients], name="c2")
    return net


def dual_stack() -> Network:
    """IPv6: rules per family, NACL entries on IPv6 ranges for requests and for replies."""
    net = Network(seed=17)
    vpc, table = _public_vpc(net, "10.0.0.0/16", "v6", ipv6=True)
    assert vpc.ipv6_cidr_block is not None
    block = next(vpc.ipv6_cidr_block.subnets(new_prefix=64))
    subnet = net.create_subnet(vpc, "10.0.0.0/24", az="us-east-1a", name="pub", ipv6_cidr_block=str(block))
    net.associate_route_table(table, subnet)
    sg = net.create_security_group(vpc, "srv", description="x")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="::/0")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=443, cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(sg, protocol="udp", ports=(4000, 4999), cidr="2001:db8::/32")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=(8000, 8080), cidr="2001:db8:1::/48")
    replace_nacl(net, subnet, [
        (10, "tcp", "deny", "2001:db8:1:8000::/49", (8050, 8080)),
        (20, "-1", "allow", "0.0.0.0/0", None),
        (21, "-1", "allow", "::/0", None),
    ], [
        (10, "udp", "deny", "2001:db8:ff00::/40", (0, 65535)),
        (20, "-1", "allow", "0.0.0.0/0", None),
        (21, "-1", "allow", "::/0", None),
    ])  # fmt: skip
    net.run_instance(subnet, instance_type="t3.micro", security_groups=[sg], name="srv", associate_public_ip=True,
                     ipv6_address_count=1)  # fmt: skip
    return net


def middlebox() -> Network:
    """The IGW's edge route table sends the web subnet's traffic through a firewall instance (R7, E5) whose
    security group and subnet NACL filter what it forwards, both ways."""
    net = Network(seed=21)
    vpc = net.create_vpc("10.0.0.0/16", name="mb")
    igw = net.create_internet_gateway(name="igw")
    net.attach_internet_gateway(igw, vpc)
    web_subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="web")
    fw_subnet = net.create_subnet(vpc, "10.0.3.0/24", az="us-east-1a", name="fw")
    fw_sg = net.create_security_group(vpc, "fw", description="x")
    net.authorize_security_group_ingress(fw_sg, protocol="tcp", ports=(80, 100), cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(fw_sg, protocol="tcp", ports=443, cidr="198.51.100.0/24")
    net.authorize_security_group_ingress(fw_sg, protocol="udp", ports=(0, 65535), cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(fw_sg, protocol="tcp", ports=(0, 65535), cidr="10.0.1.0/24")
    web_sg = net.create_security_group(vpc, "web", description="x")
    net.authorize_security_group_ingress(web_sg, protocol="tcp", ports=(80, 443), cidr="0.0.0.0/0")
    net.authorize_security_group_ingress(web_sg, protocol="udp", ports=53, cidr="0.0.0.0/0")
    fw = net.run_instance(fw_subnet, security_groups=[fw_sg], name="fw", private_ip="10.0.3.10")
    net.modify_instance_attribute(fw, source_dest_check=False)
    net.run_instance(web_subnet, security_groups=[web_sg], name="web", private_ip="10.0.1.10",
                     associate_public_ip=True)  # fmt: skip
    replace_nacl(net, fw_subnet, [
        (10, "tcp", "deny", "0.0.0.0/0", (90, 95)),
        (20, "-1", "allow", "0.0.0.0/0", None),
    ], [
        (10, "tcp", "deny", "203.0.113.0/24", (0, 65535)),
        (20, "-1", "allow", "0.0.0.0/0", None),
    ])  # fmt: skip
    for subnet, target in ((web_subnet, fw), (fw_subnet, igw)):
        table = net.create_route_table(vpc, name=f"{subnet.name}-rt")
        net.create_route(table, "0.0.0.0/0", target)
        net.associate_route_table(table, subnet)
    edge = net.create_route_table(vpc, name="edge")
    net.create_route(edge, "10.0.1.0/24", fw.primary_network_interface)
    net.associate_route_table(edge, igw)
    return net


def on_premises() -> Network:
    """A private subnet reached from on premises over a site-to-site VPN (propagated routes), rules for parts of
    the on-premises ranges."""
    net = Network(seed=23)
    vpc = net.create_vpc("10.0.0.0/16", name="corp")
    subnet = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="priv")
    vgw = net.create_vpn_gateway(name="vgw")
    net.attach_vpn_gateway(vgw, vpc)
    cgw = net.create_customer_gateway("203.0.113.9", bgp_asn=65010)
    net.create_vpn_connection(cgw, vpn_gateway=vgw, static_routes=["192.168.0.0/16", "172.16.0.0/12"])
    net.enable_vgw_route_propagation(vpc.main_route_table, vgw)
    sg = net.create_security_group(vpc, "srv", description="x")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=22, cidr="192.168.1.0/24")
    net.authorize_security_group_ingress(sg, protocol="tcp", ports=3389, cidr="192.168.0.0/16")
    net.authorize_security_group_ingress(sg, protocol="udp", ports=161, cidr="172.16.5.0/24")
    replace_nacl(net, subnet, [
        (10, "tcp", "deny", "192.168.1.128/25", 22),
        (20, "-1", "allow", "0.0.0.0/0", None),
    ], [
        (10, "udp", "deny", "172.16.5.0/26", (0, 65535)),
        (20, "-1", "allow", "0.0.0.0/0", None),
    ])  # fmt: skip
    net.run_instance(subnet, instance_type="t3.micro", security_groups=[sg], name="srv", private_ip="10.0.1.10")
    return net


NETWORKS: dict[str, Callable[[], Network]] = {
    "seeds": lambda: build_seeds().net,
    "demo": demo_network,
    "holes": holes,
    "tiers": tiers,
    "prefix-lists": prefix_lists,
    "peering": peering,
    "dual-stack": dual_stack,
    "middlebox": middlebox,
    "on-premises": on_premises,
}


@functools.cache
def network(name: str) -> Network:
    """One network per name for the whole module (the questions read it, never change it)."""
    return NETWORKS[name]()


@pytest.fixture(autouse=True, scope="module")
def _forget_walks() -> Iterator[None]:
    """The brute-force verdicts are shared by this module's tests, then dropped (tens of MB)."""
    yield
    _WALKED.clear()


# ------------------------------------------------------------------------------------------------- brute force


@functools.cache
def internet_hosts(name: str, version: int) -> tuple[vpcsim.InternetHost, ...]:
    """One internet host per atom of the internet space (its first address), plus a few random ones."""
    net = network(name)
    line = line_of([net])
    atoms = np.flatnonzero(internet_space(line, [net], version)).tolist()
    rng = random.Random(f"{name}-{version}")
    picks = {line.start[a] for a in atoms}
    for _ in range(RANDOM_HOSTS if atoms else 0):
        atom = rng.choice(atoms)
        picks.add(rng.randint(line.start[atom], line.stop[atom] - 1))
    cls = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    return tuple(vpcsim.internet(str(cls(p))) for p in sorted(picks))


def ported(protocol: str) -> int | None:
    """The highest port (ICMP type) of a protocol, None for protocols without ports."""
    return {"tcp": 65535, "udp": 65535, "icmp": 255, "icmpv6": 255}.get(protocol)


_WALKED: dict[tuple[Any, ...], tuple[B, B]] = {}  # (network, source, destination, protocol, source port)


def walk(name: str, sources: Sequence[object], dst: str, protocol: str, src_port: int | None = None) -> tuple[B, B]:
    """(connected, delivered), a row per source and a column per destination port (ICMP type; one column for
    protocols without ports). Sources walked before are not walked again; the others are walked in one batch."""
    keys = [(name, src, dst, protocol, src_port) for src in sources]
    missing = list(dict.fromkeys(k[1] for k in keys if k not in _WALKED))
    top = ported(protocol)
    ports = [None] if top is None else range(top + 1)
    for first in range(0, len(missing), 4):  # four sources a batch: 262,144 flows at most
        some = missing[first : first + 4]
        v = network(name).evaluate(FlowBatch.from_product(some, [dst], [protocol], ports, [src_port]), chunk=1 << 18)
        connected = np.asarray(v.connected).reshape(len(some), -1)
        delivered = np.asarray(v.delivered).reshape(len(some), -1)
        for i, src in enumerate(some):
            _WALKED[(name, src, dst, protocol, src_port)] = (connected[i], delivered[i])
    width = 1 if top is None else top + 1
    if not keys:
        return np.zeros((0, width), dtype=bool), np.zeros((0, width), dtype=bool)
    return np.array([_WALKED[k][0] for k in keys]), np.array([_WALKED[k][1] for k in keys])


def ranges(found: B) -> Ranges:
    """The runs of True as (lo, hi) ranges."""
    edges = np.flatnonzero(np.diff(np.concatenate([[False], found, [False]]).astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


class Host(NamedTuple):
    """A source host of the brute force: what to walk from, its address family and its address."""

    end: object
    version: int
    address: ipaddress.IPv4Address | ipaddress.IPv6Address

    @property
    def eni_id(self) -> str | None:
        return self.end if isinstance(self.end, str) and self.end.startswith("eni-") else None


def internet(name: str) -> list[Host]:
    return [Host(h, v, h.address) for v in (4, 6) for h in internet_hosts(name, v) if h.address is not None]


def cidr_hosts(name: str, cidr: str) -> list[Host]:
    """Hosts of a CIDR outside the VPCs, as addresses (trace resolves them: internet or on premises): the first
    address of each atom of the line cut at the CIDR."""
    net, block = network(name), ipaddress.ip_network(cidr)
    line = line_of([net], [block])
    first, stop = line.span(block)
    return [Host(str(a), a.version, a) for a in map(line.address, range(first, stop)) if a in block]


def interface_hosts(enis: Sequence[vpcsim.NetworkInterface]) -> list[Host]:
    """Interfaces as sources: from their primary private IPv4, and their first IPv6 address (as trace sends)."""
    out = [Host(e.id, 4, e.private_ip) for e in enis]
    return out + [Host(e.id, 6, e.ipv6_addresses[0]) for e in enis if e.ipv6_addresses]


def protocols_for(version: int) -> list[str]:
    return ["tcp", "udp", "icmp" if version == 4 else "icmpv6"]


def brute_open(
    name: str,
    hosts: Sequence[Host],
    addresses: Sequence[str],
    protocol: str,
    *,
    connected: bool = True,
    src_port: int | None = None,
) -> Ranges:
    """The ports on which some host connects to (``connected=False``: reaches) some of the addresses (ICMP on IPv6:
    ICMPv6). An interface does not send to its own addresses (that is its own stack, not the VPC)."""
    top = ported(protocol) or 0
    found = np.zeros(top + 1, dtype=bool)
    for address in addresses:
        version = ipaddress.ip_address(address).version
        owner = owner_of(name, address)
        senders = [h.end for h in hosts if h.version == version and h.eni_id != owner]
        walked = "icmpv6" if protocol == "icmp" and version == 6 else protocol
        found |= walk(name, senders, address, walked, src_port)[0 if connected else 1].any(axis=0)
    return ranges(found)


def owner_of(name: str, address: str) -> str | None:
    """The interface holding an address, private or public."""
    net = network(name)
    eni = net.network_interface_with(address)
    if eni is None and ipaddress.ip_address(address).version == 4:
        owner = net.public_ip_owner(address)
        eni = owner[0] if owner is not None else None
    return None if eni is None else eni.id


def primary_addresses(instance: vpcsim.Instance, *, outside: bool) -> list[str]:
    """Where open_ports sends, as trace: the primary ENI's public IPv4 from outside (its private one from inside),
    and its first IPv6 address."""
    eni = instance.primary_network_interface
    v4 = eni.public_ip if outside else eni.private_ip
    return [str(a) for a in (v4, *eni.ipv6_addresses[:1]) if a is not None]


def all_addresses(eni: vpcsim.NetworkInterface, *, outside: bool) -> list[str]:
    """Every address a packet can be sent to: public and IPv6 from outside, every one from inside."""
    inside = [] if outside else [a for a in eni.addresses if a.version == 4]
    return [str(a) for a in (*inside, *eni.public_ips.values(), *eni.ipv6_addresses)]


def check_exposure(name: str, exposed: Exposure, hosts: Sequence[Host], enis: Sequence[vpcsim.NetworkInterface],
                   *, outside: bool) -> None:  # fmt: skip
    """Rows == brute force: per (interface, address, protocol) the same ports; per row, exactly the sampled hosts
    inside its ``sources`` CIDRs connect, on every port of the row."""
    want: dict[tuple[str, str, str], Ranges] = {}
    matrices: dict[tuple[str, str, str], tuple[list[Host], npt.NDArray[np.bool_]]] = {}
    for eni in enis:
        for address in all_addresses(eni, outside=outside):
            version = ipaddress.ip_address(address).version
            senders = [h for h in hosts if h.version == version and h.eni_id != eni.id]
            if not senders:
                continue
            walkers = [h.end for h in senders]
            for protocol in protocols_for(version):
                grid = walk(name, walkers, address, protocol)[0]
                matrices[(eni.id, address, protocol)] = (senders, grid)
                if grid.any():
                    want[(eni.id, address, protocol)] = ranges(grid.any(axis=0))
            other = [walk(name, walkers, address, str(p))[0] for p in OTHER]
            assert (other[0] == other[1]).all(), f"protocols {OTHER} disagree to {address}"
            matrices[(eni.id, address, "other")] = (senders, other[0])
            if other[0].any():
                want[(eni.id, address, "other")] = [(0, 0)]
    got: dict[tuple[str, str, str], Ranges] = defaultdict(list)
    for row in exposed.rows:
        key = (row["network_interface"], row["address"], row["protocol"])
        lo, hi = (0, 0) if row["port_from"] is None else (row["port_from"], row["port_to"])
        assert all(hi < a or lo > b for a, b in got[key]), f"rows overlap: {row}"
        got[key].append((lo, hi))
        assert key in matrices, f"a row for an address no source can send to: {row}"
        senders, grid = matrices[key]
        cidrs = [ipaddress.ip_network(c) for c in row["sources"]]
        for host, ports in zip(senders, grid[:, lo : hi + 1], strict=True):
            inside = any(host.address in c for c in cidrs)
            if ports.all() != inside or ports.any() != inside:
                raise AssertionError(f"{host.end} ({host.address}) connects on {ranges(ports)} (from {lo}) of {row}")
    assert {k: merge_ranges(v) for k, v in got.items()} == want


# ------------------------------------------------------------------------------------------------- open ports


INSTANCES = [(name, i.name) for name in NETWORKS for i in network(name).instances if i.name]
SEEDS_INSTANCE = [("seeds", network("seeds").instances[0].id)]


@pytest.mark.parametrize(("name", "dst"), INSTANCES + SEEDS_INSTANCE)
@pytest.mark.parametrize("protocol", ["tcp", "udp", "icmp"])
def test_open_ports_from_the_internet_equal_brute_force(name: str, dst: str, protocol: str) -> None:
    # SPEC I2, G1, N1, N4: a port is open when some internet host connects to the instance's public IP (or IPv6).
    net = network(name)
    target = net.get(dst) if dst in net else next(i for i in net.instances if i.name == dst)
    assert isinstance(target, vpcsim.Instance)
    addresses = primary_addresses(target, outside=True)
    expected = brute_open(name, internet(name), addresses, protocol)
    assert net.open_ports(target.id, protocol=protocol) == expected
    assert net.open_ports(target.id, protocol=protocol, connected=False) == brute_open(
        name, internet(name), addresses, protocol, connected=False
    )
    host = internet(name)[len(internet(name)) // 2]  # one host alone: vpcsim.internet(ip)
    assert net.open_ports(target.id, host.end, protocol) == brute_open(name, [host], addresses, protocol)


INSIDE_SOURCES = [
    ("tiers", "pub"), ("tiers", "app"), ("tiers", "data"), ("tiers", "api1"), ("tiers", "sg:api"),
    ("peering", "b1"), ("peering", "b2"), ("peering", "sg:clients"),
    ("demo", "app-a"), ("demo", "tools-a"),
]  # fmt: skip


def source_spec(name: str, spec: str) -> tuple[object, list[vpcsim.NetworkInterface]]:
    """A source spec ("sg:<group name>" for a security group) and the interfaces it sends from."""
    net = network(name)
    if spec.startswith("sg:"):
        sg = next(g for g in net.security_groups if g.group_name == spec[3:])
        return sg, [e for e in net.network_interfaces if sg in e.security_groups]
    found = net._by_name(spec)
    if isinstance(found, vpcsim.Instance):
        return found, [found.primary_network_interface]
    assert isinstance(found, vpcsim.Subnet)
    return found, [e for e in net.network_interfaces if e.subnet is found and e.instance is not None]


@pytest.mark.parametrize(("name", "spec"), INSIDE_SOURCES)
def test_open_ports_from_inside_equal_brute_force(name: str, spec: str) -> None:
    # SPEC G2, N1, N2, R5, I5: subnets and groups send from each of their interfaces; instances are reached on
    # their private IP (and IPv6 when the sender has one).
    net = network(name)
    source, enis = source_spec(name, spec)
    hosts = interface_hosts(enis)
    for target in net.instances:
        addresses = primary_addresses(target, outside=False)
        for protocol in ("tcp", "udp", "icmp"):
            got = net.open_ports(target.id, source=source, protocol=protocol)
            assert got == brute_open(name, hosts, addresses, protocol), (spec, target.name, protocol)


@pytest.mark.parametrize(
    ("name", "source", "dst", "src_ports"),
    [
        ("holes", "198.51.100.7/32", "srv", (32766, 32769)),
        ("holes", "198.51.100.7/32", "srv", (39999, 40002)),
        ("holes", "203.0.113.5/32", "srv", (1022, 1025)),
        ("tiers", "api1", "db", (32767, 32769)),
        ("peering", "c2", "svc", (32767, 32769)),
    ],
)
def test_open_ports_over_source_port_ranges_equal_brute_force(
    name: str, source: str, dst: str, src_ports: tuple[int, int]
) -> None:
    # SPEC N4: with a source port range a port is open when some source port in it connects (replies return to it).
    net = network(name)
    found = net._by_name(source)
    if isinstance(found, vpcsim.Instance):
        hosts, outside = interface_hosts([found.primary_network_interface]), False
    else:
        address = ipaddress.ip_network(source).network_address
        hosts, outside = [Host(vpcsim.internet(str(address)), 4, address)], True
    target = net._by_name(dst)
    assert isinstance(target, vpcsim.Instance)
    addresses = primary_addresses(target, outside=outside)
    for protocol in ("tcp", "udp"):
        expected = merge_ranges(
            r for p in range(src_ports[0], src_ports[1] + 1)
            for r in brute_open(name, hosts, addresses, protocol, src_port=p)
        )  # fmt: skip
        got = net.open_ports(target.id, source=source, protocol=protocol, src_port=src_ports)
        assert got == expected, protocol
        default = net.open_ports(target.id, source=source, protocol=protocol)
        assert default == brute_open(name, hosts, addresses, protocol, src_port=32768), "SPEC N4: default 32768"


@pytest.mark.parametrize("cidr", ["192.168.0.0/16", "192.168.1.0/24", "172.16.0.0/12"])
def test_on_premises_sources_equal_brute_force(cidr: str) -> None:
    # SPEC R6 (VPN), G1, N1, N4: a CIDR behind a VPN connection is on-premises hosts, as trace resolves it; they
    # reach private addresses (.notes/bug-on-premises-source.py, fixed).
    net = network("on-premises")
    hosts = cidr_hosts("on-premises", cidr)
    for target in net.instances:
        addresses = primary_addresses(target, outside=False)
        for protocol in ("tcp", "udp"):
            assert net.open_ports(target.id, cidr, protocol) == brute_open("on-premises", hosts, addresses, protocol)
    exposed = net.exposure(source=cidr)
    check_exposure("on-premises", exposed, hosts, net.network_interfaces, outside=False)


# ------------------------------------------------------------------------------------------------- exposure


@pytest.mark.parametrize("name", list(NETWORKS))
def test_exposure_to_the_internet_equals_brute_force(name: str) -> None:
    # SPEC I2, P3, G1, G2, N1, N4: every interface's public and IPv6 addresses, every protocol and port.
    net = network(name)
    check_exposure(name, net.exposure(), internet(name), net.network_interfaces, outside=True)


@pytest.mark.parametrize(("name", "spec"), INSIDE_SOURCES)
def test_exposure_from_inside_equals_brute_force(name: str, spec: str) -> None:
    # SPEC G2, N1, R5, I4, I5: every address of every interface, from each interface of the source.
    net = network(name)
    source, enis = source_spec(name, spec)
    check_exposure(name, net.exposure(source=source), interface_hosts(enis), net.network_interfaces, outside=False)


@pytest.mark.parametrize(
    ("name", "spec", "protocols", "ports"),
    [
        ("holes", None, ["tcp"], (1450, 1750)),
        ("holes", None, ["udp", "icmp"], (8, 5600)),
        ("prefix-lists", None, None, (150, 450)),
        ("tiers", "api1", ["tcp", "udp"], (85, 9500)),
        ("tiers", "app", None, 22),
        ("dual-stack", None, ["tcp"], (8040, 8060)),
    ],
)
def test_exposure_limited_to_protocols_and_ports_is_the_full_answer_clipped(
    name: str, spec: str | None, protocols: list[str] | None, ports: object
) -> None:
    # The full answer is exact (above), so a question limited to some protocols and ports must be it, clipped.
    net = network(name)
    source = INTERNET if spec is None else source_spec(name, spec)[0]
    lo, hi = ports if isinstance(ports, tuple) else (ports, ports)
    # Ports without protocols mean TCP and UDP ports; with protocols given, ICMP types for ICMP.
    wanted = {"tcp", "udp"} if protocols is None else set(protocols)
    expected = []
    for row in net.exposure(source=source).rows:
        if row["protocol"] not in wanted:
            continue
        if row["port_from"] is not None:
            if row["port_to"] < lo or row["port_from"] > hi:
                continue
            row = {**row, "port_from": max(lo, row["port_from"]), "port_to": min(hi, row["port_to"])}
        expected.append(row)
    assert expected
    assert net.exposure(source=source, protocols=protocols, ports=ports).rows == expected


@pytest.mark.parametrize(
    ("name", "groups"),
    [
        ("tiers", ["pub", "app", "data"]),
        ("peering", ["a-priv", "a-pub", "b1", "b2"]),
        ("demo", ["app-a", "public-a"]),
    ],
)
def test_reachability_matrix_equals_brute_force(name: str, groups: list[str]) -> None:
    # SPEC G2, N1, I2, I5: a group reaches another on a port when one of its hosts connects to one of the other's;
    # the internet reaches public and IPv6 addresses; each cell is its own pair's answer, whatever the other rows.
    net = network(name)
    matrix = net.reachability_matrix([INTERNET, *groups], groups, long=True)
    cells = {(r["source"], r["destination"]): r["ports"] for r in matrix.to_dict("records")}
    for src in ["internet", *groups]:
        hosts = internet(name) if src == "internet" else interface_hosts(source_spec(name, src)[1])
        for dst in groups:
            enis = source_spec(name, dst)[1]
            addresses = [a for e in enis for a in all_addresses(e, outside=src == "internet")]
            assert cells[(src, dst)] == brute_open(name, hosts, addresses, "tcp"), (src, dst)


@pytest.mark.parametrize(("name", "spec"), [("demo", "tools-a"), ("tiers", "app"), ("peering", "b2")])
def test_open_ports_from_the_internet_and_inside_hosts_is_the_union(name: str, spec: str) -> None:
    # G1: a port is open when some host of the source connects: the internet on public addresses, inside hosts on
    # private ones (.notes/bug-open-ports-mixed-sources.py).
    net = network(name)
    source, enis = source_spec(name, spec)
    for target in net.instances:
        expected = merge_ranges([
            *brute_open(name, internet(name), primary_addresses(target, outside=True), "tcp"),
            *brute_open(name, interface_hosts(enis), primary_addresses(target, outside=False), "tcp"),
        ])  # fmt: skip
        assert net.open_ports(target.id, [INTERNET, source]) == expected, target.name


# ------------------------------------------------------------------------------------------------- random networks


@st.composite
def packets(draw: st.DrawFn, cells: Any, src_ports: tuple[int, int] | None) -> tuple[int, tuple[Any, ...]]:
    """A concrete packet of the question: (its cell, (src, dst, protocol, port, src_port, ip_version))."""
    line = cells.line
    p = draw(st.integers(0, len(cells.pairs) - 1))
    s, d = cells.pairs[p]
    version = d.address.version
    icmp = 1 if version == 4 else 58
    protocol = draw(st.sampled_from([6, 17, icmp, *OTHER]) | st.integers(0, 255).filter(lambda n: n not in (1, 58)))
    port = sport = None
    if protocol in (6, 17):
        port = draw(st.integers(0, 65535))
        sport = None if src_ports is None else draw(st.integers(*src_ports))
    elif protocol == icmp:
        port = draw(st.integers(0, 255))
    address = None
    src: object = s.eni_id
    if s.is_space:
        atom = draw(st.sampled_from(np.flatnonzero(s.space).tolist()))
        address = type(line.address(atom))(draw(st.integers(line.start[atom], line.stop[atom] - 1)))
        src = vpcsim.internet(str(address))
    cell = cells.locate(p, protocol, -1 if port is None else port, -1 if sport is None else sport, address)
    return cell, (src, str(d.address), protocol, port, sport, version)


@PROPERTY
@given(net=networks(max_vpcs=3, max_subnets=2, max_instances=4), data=st.data())
def test_every_packet_gets_its_cells_verdict(net: Network, data: st.DataObject) -> None:
    """DESIGN (exact answers): a cell's representative speaks for every packet in it, forward and reply, down to
    the deciding component and rule."""
    enis = net.network_interfaces
    dst = data.draw(st.sampled_from(enis), label="destination")
    src = data.draw(st.sampled_from(["internet", *(e for e in enis if e is not dst)]), label="source")
    src_ports = data.draw(st.sampled_from([None, (0, 65535), (1024, 40000)]), label="source ports")
    line = line_of([net])
    outside = src == "internet"
    sources = ends(net, INTERNET if outside else src, "source", line)
    targets = ends(net, dst, "destination", line, outside_peer=outside)
    cells, (evaluation,), _ = run([net], Question(tuple(sources), tuple(targets), None, (0, 65535), src_ports), line)
    if not cells.pairs:
        return
    drawn = data.draw(st.lists(packets(cells, src_ports), min_size=1, max_size=12), label="packets")
    assert all(cell >= 0 for cell, _ in drawn), "a packet of the question is in no cell"
    columns = [np.array(c, dtype=object) for c in zip(*(flow for _, flow in drawn), strict=True)]
    v = net.evaluate(FlowBatch.from_arrays(*columns[:5], ip_version=columns[5]))
    for i, (cell, flow) in enumerate(drawn):
        got = (verdict_of(v, i), verdict_of(v, i, "reply_"), bool(v.delivered[i]), bool(v.connected[i]))
        e = evaluation
        want = (verdict_of(e, cell), verdict_of(e, cell, "reply_"), bool(e.delivered[cell]), bool(e.connected[cell]))
        assert got == want, f"packet {flow} vs its cell {cell} (ports {cells.port_lo[cell]}-{cells.port_hi[cell]})"
    i = data.draw(st.integers(0, len(drawn) - 1), label="traced")
    src_end, dst_address, protocol, port, sport, version = drawn[i][1]
    t = net.trace(src_end, dst_address, protocol, port, sport, ip_version=version)
    assert (t.delivered, t.connected) == (bool(v.delivered[i]), bool(v.connected[i]))


@PROPERTY
@given(net=networks(max_vpcs=3, max_subnets=2, max_instances=4), data=st.data())
def test_open_ports_agree_with_trace(net: Network, data: st.DataObject) -> None:
    """open_ports from one host (an internet host or its /32, an instance) lists exactly the ports trace()
    connects on; from vpcsim.INTERNET it holds every port trace's representative host connects on."""
    instances = net.instances
    target = data.draw(st.sampled_from(instances), label="destination")
    protocol = data.draw(st.sampled_from(["tcp", "udp"]), label="protocol")
    named = {p for g in net.security_groups for r in (*g.ingress, *g.egress) if r.protocol in (6, 17)
             for p in (r.from_port, r.to_port) if p is not None}  # fmt: skip
    ports = data.draw(st.lists(st.sampled_from(sorted(named | {22, 80})) | st.integers(0, 65535), min_size=1,
                               max_size=8), label="ports")  # fmt: skip
    everyone = net.open_ports(target.id, protocol=protocol)
    for port in ports:
        if net.trace(INTERNET, target, protocol, port).connected:
            assert any(lo <= port <= hi for lo, hi in everyone), f"trace connects on {port}, open_ports {everyone}"
    line = line_of([net])
    space = np.flatnonzero(internet_space(line, [net], 4)).tolist()
    atom = data.draw(st.sampled_from(space), label="internet atom")
    host = ipaddress.IPv4Address(data.draw(st.integers(line.start[atom], line.stop[atom] - 1), label="host"))
    peers = [i for i in instances if i is not target]
    src: object = data.draw(st.sampled_from([host, *peers]), label="source")
    if isinstance(src, ipaddress.IPv4Address):
        spec = data.draw(st.sampled_from([f"{src}/32", vpcsim.internet(str(src))]), label="as")
        got = net.open_ports(target.id, source=spec, protocol=protocol)
        eni = target.primary_network_interface
        sends = [(vpcsim.internet(str(src)), str(eni.public_ip), None)] if eni.public_ip is not None else []
    else:
        assert isinstance(src, vpcsim.Instance)
        got = net.open_ports(target.id, source=src, protocol=protocol)
        sends = [(src, str(target.primary_network_interface.private_ip), None)]
        v6 = target.primary_network_interface.ipv6_addresses
        if v6 and src.primary_network_interface.ipv6_addresses:
            sends.append((src, str(v6[0]), 6))
    for port in ports:
        connects = any(net.trace(s, d, protocol, port, ip_version=version).connected for s, d, version in sends)
        assert any(lo <= port <= hi for lo, hi in got) == connects, f"port {port}: trace {connects}, open {got}"
