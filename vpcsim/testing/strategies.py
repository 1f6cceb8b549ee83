"""Hypothesis strategies for random, valid vpcsim networks and the flows one can trace through them.

:func:`networks` builds a :class:`~vpcsim.Network` by construction (no ``assume`` and no filtering): every
operation it performs is one AWS accepts. :func:`flows` draws ``(src, dst, protocol, port)`` tuples that
:meth:`~vpcsim.Network.trace` accepts for a given network. Every network is built from a seed, so the ids it
holds are reproducible; the operations that built it are recorded with :func:`hypothesis.note` (shown with a
falsifying example) and returned by :func:`construction`.

Examples
--------
>>> from hypothesis import given, settings, strategies as st
>>> @settings(max_examples=10, deadline=None, database=None)
... @given(networks(max_vpcs=2), st.data())
... def test_trace_never_raises(net, data):
...     src, dst, protocol, port = data.draw(flows(net))
...     net.trace(src, dst, protocol, port)
>>> test_trace_never_raises()
"""

from __future__ import annotations

import ipaddress
import weakref
from collections.abc import Callable, Sequence
from typing import NamedTuple, ParamSpec, TypeVar

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from vpcsim.engine.endpoints import INTERNET, InternetHost, internet
from vpcsim.model.base import Resource
from vpcsim.model.interface import Instance
from vpcsim.model.route_table import RouteTable
from vpcsim.model.security_group import SecurityGroup
from vpcsim.model.subnet import Subnet
from vpcsim.model.transit_gateway import TransitGateway
from vpcsim.model.vpc import Vpc
from vpcsim.network import Network

__all__ = [
    "IMDS",
    "IPV6_INTERNET_HOST",
    "Edit",
    "Flow",
    "addresses",
    "construction",
    "edits",
    "endpoints",
    "flows",
    "networks",
]

P = ParamSpec("P")
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
T = TypeVar("T")

IMDS = "169.254.169.254"
"""The instance metadata address (SPEC M1), one of the destinations :func:`flows` draws."""

IPV6_INTERNET_HOST = internet("2001:db8::1")
"""An IPv6 internet host (documentation prefix, outside Amazon's pool): the IPv6 counterpart of ``INTERNET``."""

_LIMITS = {"max_vpcs": 16, "max_subnets": 16, "max_instances": 32}
_INSTANCE_TYPE = "t3.micro"
_FLOW_PROTOCOLS = ("tcp", "udp", "icmp", "47")
_RULE_PROTOCOLS = ("tcp", "udp", "icmp", "-1")
_COMMON_PORTS = (22, 53, 80, 123, 443, 3389, 5432, 8080)
_NACL_PORT_RANGES = ((80, 80), (443, 443), (22, 22), (1024, 65535), (32768, 60999), (49152, 65535), (0, 65535))
_ICMP_TYPE_CODES = ((-1, -1), (8, -1), (0, -1), (8, 0), (3, 4))
_WIDE_IPV4 = ("0.0.0.0/0", "10.0.0.0/8")
_LAST_RULE = 32766  # the highest rule number a user may give (N1)

# Biased coins that both shrink to False: most networks should carry traffic somewhere.
_often = st.integers(0, 3).map(bool)
_rarely = st.integers(0, 3).map(lambda n: n == 3)
_seldom = st.integers(0, 7).map(lambda n: n == 1)

_scripts: weakref.WeakKeyDictionary[Network, str] = weakref.WeakKeyDictionary()


class Flow(NamedTuple):
    """One flow to trace: ``net.trace(src, dst, protocol, port)``.

    ``src`` and ``dst`` are instance ids, addresses (public IPv4, IPv6, ``169.254.169.254``, load balancer nodes'),
    load balancer names or internet hosts (:data:`vpcsim.INTERNET`, :data:`IPV6_INTERNET_HOST`).
    """

    src: str | InternetHost
    dst: str | InternetHost
    protocol: str
    port: int | None


def construction(network: Network) -> str:
    """The Python statements that built ``network`` (one drawn from :func:`networks`), ready to paste.

    Parameters
    ----------
    network : Network
        A network drawn from :func:`networks`.

    Returns
    -------
    str
        The script; ``net`` is the network it builds, with the same ids.

    Raises
    ------
    KeyError
        ``network`` was not built by :func:`networks`.
    """
    return _scripts[network]


class _Script:
    """Performs network operations and records each as a line of Python, naming results by variables."""

    def __init__(self, seed: int) -> None:
        self.net = Network(seed=seed)
        self.lines = ["import vpcsim", f"net = vpcsim.Network(seed={seed})"]
        self.names: dict[int, str] = {}

    def do(self, var: str | None, method: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> T:
        result = method(*args, **kwargs)
        call = ", ".join([*(self.text(a) for a in args), *(f"{k}={self.text(v)}" for k, v in kwargs.items())])
        name = getattr(method, "__name__", "operation")
        prefix = "" if var is None else f"{var} = "
        self.lines.append(f"{prefix}net.{name}({call})")
        if var is not None:
            self.names[id(result)] = var
        return result

    def alias(self, var: str, value: object, expression: str) -> None:
        """Name a resource the network made by itself (a main route table, a default security group)."""
        self.lines.append(f"{var} = {expression}")
        self.names[id(value)] = var

    def text(self, value: object) -> str:
        if id(value) in self.names:
            return self.names[id(value)]
        if isinstance(value, Resource):
            return repr(value.id)
        if isinstance(value, list):
            return "[" + ", ".join(self.text(v) for v in value) + "]"
        return repr(value)

    def source(self) -> str:
        return "\n".join(self.lines)


def _check_limit(name: str, value: object, low: int) -> int:
    high = _LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidArgument(f"{name}={value!r} must be an integer in {low}..{high}.")
    return value


def networks(
    max_vpcs: int = 3,
    max_subnets: int = 3,
    max_instances: int = 4,
    *,
    ipv6: bool | None = None,
    nat: bool | None = None,
    peering: bool | None = None,
    appliances: bool = False,
    load_balancers: bool = False,
) -> st.SearchStrategy[Network]:
    """Random networks that AWS would accept, with routing between VPCs symmetric by construction.

    Each network has 1..``max_vpcs`` VPCs ``10.<i>.0.0/16`` (some with an Amazon IPv6 /56), each with
    1..``max_subnets`` subnets ``10.<i>.<j>.0/24`` (some with an IPv6 /64) in random AZs. A VPC may have an
    internet gateway with a public route table (``0.0.0.0/0`` and ``::/0`` to it) on some subnets, a NAT gateway
    in a public subnet with a private route table (``0.0.0.0/0`` to it), and, with IPv6, an egress-only internet
    gateway (``::/0`` in the private table). A pair of VPCs is joined by at most one mechanism, a peering
    connection or a transit gateway, and any route between them on either side goes through that mechanism.
    Security groups get random ingress and egress rules (TCP, UDP, ICMP, all; CIDR or security group peers),
    some subnets a custom network ACL with random entries. 1..``max_instances`` ``t3.micro`` instances are
    launched with random groups, public IPs and Elastic IPs; some are stopped. No middlebox routes (R4) and no
    appliance interfaces are built, so a reply that gets back retraces its forward path. (A public instance in a
    subnet that routes ``0.0.0.0/0`` to a NAT gateway is possible, as in AWS: its replies to the internet leave
    from the NAT's address, and the client drops them.)

    ``ipv6``, ``nat`` and ``peering`` are None (drawn, as above), True or False:

    - ``ipv6=True``: every VPC has an Amazon IPv6 /56 and every subnet a /64; False: IPv4 only.
    - ``nat=True``: every VPC has an internet gateway, at least one public subnet and a NAT gateway in one of
      them, with the private table routing ``0.0.0.0/0`` to it; False: no NAT gateway.
    - ``peering=True``: every pair of VPCs is peered (routes through it on some tables); False: VPCs are joined by a
      transit gateway or not at all.

    With ``appliances=True`` (SPEC R4, E5), each VPC with two subnets or more may get an appliance instance
    ``appliance<i>`` (source/destination check usually off) with middlebox routes to its interface: another
    subnet's CIDR in some route table, or ``0.0.0.0/0`` in a table without a default route (a NAT instance). Replies
    then need not retrace their forward path.

    With ``load_balancers=True`` (SPEC L1-L3), each VPC may also get a load balancer ``lb<n>`` once everything
    else is built (so the rest of the network is drawn as without it): an NLB (with or without security groups,
    cross-zone on, off or default) or, with subnets in two AZs, an ALB, internet-facing when the VPC has an
    internet gateway, on one subnet per AZ; a target group ``tg<n>`` (TCP, UDP or TCP_UDP for an NLB, HTTP for an
    ALB; instance or IP targets; random health-check port, client IP preservation and cross-zone overrides, checks
    sometimes disabled) with some of the VPC's instances (stopped ones included) or their addresses; one or two
    listeners; and sometimes an inbound rule opening the target port to the targets' first SG.

    Parameters
    ----------
    max_vpcs : int
        Most VPCs, 1..16.
    max_subnets : int
        Most subnets per VPC, 1..16.
    max_instances : int
        Most instances in the whole network, 0..32 (at least one is launched unless it is 0).
    ipv6, nat, peering : bool or None
        Force IPv6 blocks, NAT gateways or peering on (True) or off (False); None draws them.
    appliances : bool
        Also build appliance instances with middlebox routes (see above).
    load_balancers : bool
        Also build load balancers (see above). False draws exactly what earlier versions drew.

    Returns
    -------
    SearchStrategy[Network]
        Networks built with a drawn seed, so their ids are deterministic; the operations are recorded with
        :func:`hypothesis.note` and by :func:`construction`.

    Raises
    ------
    InvalidArgument
        A limit that is not an integer in its range (raised when the strategy is built, not when drawn).
    """
    vpcs = _check_limit("max_vpcs", max_vpcs, 1)
    subnets = _check_limit("max_subnets", max_subnets, 1)
    instances = _check_limit("max_instances", max_instances, 0)
    for name, value in (("appliances", appliances), ("load_balancers", load_balancers)):
        if not isinstance(value, bool):
            raise InvalidArgument(f"{name}={value!r} must be True or False.")
    for name, knob in (("ipv6", ipv6), ("nat", nat), ("peering", peering)):
        if knob is not None and not isinstance(knob, bool):
            raise InvalidArgument(f"{name}={knob!r} must be True, False or None (drawn).")
    knobs = _Knobs(ipv6, nat, peering, appliances, load_balancers)
    return _networks(vpcs, subnets, instances, knobs)


class _Knobs(NamedTuple):
    ipv6: bool | None = None
    nat: bool | None = None
    peering: bool | None = None
    appliances: bool = False
    load_balancers: bool = False


def _coin(draw: st.DrawFn, forced: bool | None, coin: st.SearchStrategy[bool]) -> bool:
    """A forced knob's value, else a draw."""
    return forced if forced is not None else draw(coin)


@st.composite
def _networks(draw: st.DrawFn, max_vpcs: int, max_subnets: int, max_instances: int, knobs: _Knobs) -> Network:
    script = _Script(draw(st.integers(0, 2**16)))
    net = script.net
    zones = net.availability_zones[net.region]
    vpcs: list[Vpc] = []
    tables: dict[int, list[RouteTable]] = {}
    subnets: dict[int, list[Subnet]] = {}
    groups: dict[int, list[SecurityGroup]] = {}
    for i in range(draw(st.integers(1, max_vpcs))):
        vpc = script.do(
            f"vpc{i}",
            net.create_vpc,
            f"10.{i}.0.0/16",
            name=f"vpc{i}",
            amazon_provided_ipv6_cidr_block=_coin(draw, knobs.ipv6, st.booleans()),
        )
        vpcs.append(vpc)
        script.alias(f"main_rt{i}", vpc.main_route_table, f"vpc{i}.main_route_table")
        script.alias(f"default_sg{i}", vpc.default_security_group, f"vpc{i}.default_security_group")
        subnets[i] = [
            _subnet(draw, script, vpc, f"{i}_{j}", j, zones, knobs.ipv6)
            for j in range(draw(st.integers(1, max_subnets)))
        ]
        tables[i] = [vpc.main_route_table]
        _gateways(draw, script, vpc, i, subnets[i], tables[i], knobs.nat)
        groups[i] = [vpc.default_security_group] + [
            script.do(f"sg{i}_{k}", net.create_security_group, vpc, f"sg{i}-{k}", description="random rules")
            for k in range(draw(st.integers(0, 2)))
        ]
    _connect(draw, script, vpcs, subnets, tables, knobs.peering)
    for i, vpc in enumerate(vpcs):
        peers = [g for j, other in enumerate(vpcs) if _peered(net, vpc, other) for g in groups[j]]
        cidrs = _Cidrs(
            wide=[*_WIDE_IPV4, *(["::/0"] if vpc.ipv6_cidr_block is not None else [])],
            vpcs=[str(c) for v in vpcs for c in v.cidrs],
            subnets=[str(c) for s in net.subnets for c in s.cidrs],
        )
        for group in groups[i]:
            _security_group_rules(draw, script, group, groups[i] + peers, cidrs)
        for subnet in subnets[i]:
            if draw(_rarely):
                _network_acl(draw, script, subnet, cidrs)
    everywhere = [s for i in range(len(vpcs)) for s in subnets[i]]
    for n in range(draw(st.integers(min(1, max_instances), max_instances))):
        _instance(draw, script, n, draw(st.sampled_from(everywhere)))
    if knobs.appliances:
        _appliances(draw, script, vpcs, subnets, tables)
    if knobs.load_balancers:
        _load_balancers(draw, script, vpcs, subnets)
    _scripts[net] = script.source()
    note(f"Network construction:\n{script.source()}")
    return net


def _subnet(
    draw: st.DrawFn, script: _Script, vpc: Vpc, tag: str, j: int, zones: Sequence[str], forced: bool | None
) -> Subnet:
    block = vpc.ipv6_cidr_block
    ipv6 = block is not None and _coin(draw, forced, st.booleans())
    v6_cidr = str(ipaddress.IPv6Network((int(block.network_address) + (j << 64), 64))) if block and ipv6 else None
    return script.do(
        f"subnet{tag}",
        script.net.create_subnet,
        vpc,
        f"{vpc.cidr_block.network_address + (j << 8)}/24",
        az=draw(st.sampled_from(zones)),
        name=f"subnet{tag}",
        map_public_ip_on_launch=draw(st.booleans()),
        ipv6_cidr_block=v6_cidr,
        assign_ipv6_address_on_creation=ipv6 and draw(st.booleans()),
    )


def _some(draw: st.DrawFn, items: Sequence[T], coin: st.SearchStrategy[bool] = _often) -> list[T]:
    """A sub-sequence of ``items`` (each kept when the coin says so), in order."""
    return [item for item in items if draw(coin)]


def _gateways(
    draw: st.DrawFn,
    script: _Script,
    vpc: Vpc,
    i: int,
    subnets: list[Subnet],
    tables: list[RouteTable],
    forced_nat: bool | None,
) -> None:
    """Internet gateway with a public table, NAT gateway and egress-only gateway with a private table."""
    net = script.net
    public: list[Subnet] = []
    if forced_nat or draw(_often):
        igw = script.do(f"igw{i}", net.create_internet_gateway, name=f"igw{i}")
        script.do(None, net.attach_internet_gateway, igw, vpc)
        table = script.do(f"public_rt{i}", net.create_route_table, vpc, name=f"public-rt{i}")
        tables.append(table)
        script.do(None, net.create_route, table, "0.0.0.0/0", igw)
        if vpc.ipv6_cidr_block is not None:
            script.do(None, net.create_route, table, "::/0", igw)
        public = _some(draw, subnets, st.booleans())  # leave private subnets for the NAT and egress-only tables
        if forced_nat and not public:
            public = subnets[:1]
        for subnet in public:
            script.do(None, net.associate_route_table, table, subnet)
    nat = None
    if len(public) > 0 and _coin(draw, forced_nat, _often):
        eip = script.do(f"nat_eip{i}", net.allocate_address, name=f"nat-eip{i}")
        home = draw(st.sampled_from(public))
        nat = script.do(f"nat{i}", net.create_nat_gateway, home, allocation=eip, name=f"nat{i}")
    eigw = None
    if vpc.ipv6_cidr_block is not None and draw(_often):
        eigw = script.do(f"eigw{i}", net.create_egress_only_internet_gateway, vpc, name=f"eigw{i}")
    if nat is None and eigw is None:
        return
    table = script.do(f"private_rt{i}", net.create_route_table, vpc, name=f"private-rt{i}")
    tables.append(table)
    if nat is not None:
        script.do(None, net.create_route, table, "0.0.0.0/0", nat)
    if eigw is not None:
        script.do(None, net.create_route, table, "::/0", eigw)
    for subnet in _some(draw, [s for s in subnets if s not in public]):
        script.do(None, net.associate_route_table, table, subnet)


def _connect(
    draw: st.DrawFn,
    script: _Script,
    vpcs: list[Vpc],
    subnets: dict[int, list[Subnet]],
    tables: dict[int, list[RouteTable]],
    forced_peering: bool | None,
) -> None:
    """Join VPC pairs by one mechanism each (peering or transit gateway), routes through it on both sides."""
    net = script.net
    tgw: TransitGateway | None = None
    attached: set[int] = set()
    for i, a in enumerate(vpcs):
        for j in range(i + 1, len(vpcs)):
            b = vpcs[j]
            mechanisms = {None: ["none", "peering", "transit-gateway"], True: ["peering"], False: ["none",
                          "transit-gateway"]}[forced_peering]  # fmt: skip
            mechanism = draw(st.sampled_from(mechanisms))
            target: Resource
            if mechanism == "none":
                continue
            if mechanism == "peering":
                target = script.do(f"pcx{i}_{j}", net.create_vpc_peering_connection, a, b, name=f"pcx{i}-{j}")
            else:
                if tgw is None:
                    tgw = script.do("tgw", net.create_transit_gateway, name="tgw")
                for k in (i, j):
                    if k not in attached:
                        attached.add(k)
                        per_zone: dict[str, Subnet] = {}
                        for subnet in subnets[k]:
                            per_zone.setdefault(subnet.availability_zone, subnet)
                        script.do(
                            f"tgw_attachment{k}",
                            net.create_transit_gateway_vpc_attachment,
                            tgw,
                            vpcs[k],
                            list(per_zone.values()),
                            name=f"tgw-attachment{k}",
                        )
                target = tgw
            for here, there in ((i, b), (j, a)):
                for table in tables[here]:
                    if draw(_often):
                        script.do(None, net.create_route, table, str(there.cidr_block), target)
                    v6 = there.ipv6_cidr_block
                    if v6 is not None and vpcs[here].ipv6_cidr_block is not None and draw(_often):
                        script.do(None, net.create_route, table, str(v6), target)


def _peered(net: Network, a: Vpc, b: Vpc) -> bool:
    return a is not b and any(p.status == "active" and p.joins(a) and p.joins(b) for p in net.vpc_peering_connections)


@st.composite
def _port_ranges(draw: st.DrawFn) -> tuple[int, int]:
    """A TCP/UDP port range: one port, a well-known range (ephemeral ones included) or from a port up."""
    first = draw(_PORT)
    if draw(st.booleans()):
        return (first, first)
    return (
        draw(st.sampled_from(_NACL_PORT_RANGES)) if draw(st.booleans()) else (first, draw(st.integers(first, 65535)))
    )


_PORT = st.sampled_from(_COMMON_PORTS) | st.integers(0, 65535)
# A rule's port range (TCP/UDP), ICMP (type, code), or None for all protocols; built once, drawn often.
_PORTS: dict[str, st.SearchStrategy[tuple[int, int] | None]] = {
    "tcp": _port_ranges(),
    "udp": _port_ranges(),
    "icmp": st.sampled_from(_ICMP_TYPE_CODES),
    "-1": st.none(),
}
_RULE_PROTOCOL = st.sampled_from(_RULE_PROTOCOLS)


class _Cidrs:
    """CIDRs a rule may name, by kind: the kind is drawn first, so the few wide ones are not drowned by subnets."""

    def __init__(self, wide: list[str], vpcs: list[str], subnets: list[str]) -> None:
        pools = [wide, vpcs, subnets]
        self.wide = wide
        self.any: st.SearchStrategy[str] = st.one_of(*(st.sampled_from(p) for p in pools if p))
        # ICMP rules take IPv4 peers only (ICMPv6 is another protocol).
        self.ipv4: st.SearchStrategy[str] = st.one_of(
            *(st.sampled_from(v4) for p in pools if (v4 := [c for c in p if ":" not in c]))
        )

    def draw(self, draw: st.DrawFn, *, ipv4_only: bool) -> str:
        return draw(self.ipv4 if ipv4_only else self.any)


def _security_group_rules(
    draw: st.DrawFn, script: _Script, group: SecurityGroup, reachable: list[SecurityGroup], cidrs: _Cidrs
) -> None:
    """Random ingress and egress rules, never a duplicate; the default egress rules are sometimes revoked."""
    net = script.net
    for egress in (False, True):
        if egress and draw(_rarely):
            for rule in list(group.egress):
                script.do(None, net.revoke_security_group_egress, group, rule_id=rule.id)
        seen = {(r.protocol, r.from_port, r.to_port, r.peer) for r in group.rules(egress)}
        for _ in range(draw(st.integers(0, 3))):
            protocol = draw(_RULE_PROTOCOL)
            ports = draw(_PORTS[protocol])
            # A group peer is any family; ICMP CIDR peers are IPv4 (see _Cidrs).
            peer: str | SecurityGroup
            if draw(st.integers(0, 3)) == 3:
                peer = draw(st.sampled_from(reachable))
            else:
                peer = cidrs.draw(draw, ipv4_only=protocol == "icmp")
            number = {"tcp": 6, "udp": 17, "icmp": 1, "-1": -1}[protocol]
            key = (number, *(ports or (None, None)), peer.id if isinstance(peer, SecurityGroup) else peer)
            if key in seen:  # the same rule twice is InvalidPermission.Duplicate: draw it once
                continue
            seen.add(key)
            if isinstance(peer, SecurityGroup):
                if egress:
                    script.do(None, net.authorize_security_group_egress, group, protocol=protocol, ports=ports,
                              destination_group=peer)  # fmt: skip
                else:
                    script.do(None, net.authorize_security_group_ingress, group, protocol=protocol, ports=ports,
                              source_group=peer)  # fmt: skip
            elif egress:
                script.do(None, net.authorize_security_group_egress, group, protocol=protocol, ports=ports, cidr=peer)
            else:
                script.do(
                    None, net.authorize_security_group_ingress, group, protocol=protocol, ports=ports, cidr=peer
                )


def _network_acl(draw: st.DrawFn, script: _Script, subnet: Subnet, cidrs: _Cidrs) -> None:
    """A custom NACL (deny all until entries are added, N3) with random numbered entries both ways."""
    net = script.net
    tag = str(subnet.name).removeprefix("subnet")
    acl = script.do(f"acl{tag}", net.create_network_acl, subnet.vpc, name=f"acl{tag}")
    for egress in (False, True):
        numbers = draw(st.lists(st.integers(1, _LAST_RULE - 2), unique=True, max_size=4))
        if draw(_often):  # catch-all allows below the random entries: they then decide only what they match
            everything = ["0.0.0.0/0", *(["::/0"] if subnet.vpc.ipv6_cidr_block is not None else [])]
            for number, block in zip((_LAST_RULE, _LAST_RULE - 1), everything, strict=False):
                script.do(None, net.create_network_acl_entry, acl, rule_number=number, egress=egress,
                          protocol="-1", action="allow", cidr=block)  # fmt: skip
        for number in numbers:
            protocol = draw(_RULE_PROTOCOL)
            cidr = cidrs.draw(draw, ipv4_only=protocol == "icmp")
            ports = draw(_PORTS[protocol])
            script.do(
                None,
                net.create_network_acl_entry,
                acl,
                rule_number=number,
                egress=egress,
                protocol=protocol,
                action=draw(st.sampled_from(["allow", "deny"])),
                cidr=cidr,
                ports=ports if protocol in ("tcp", "udp") else None,
                icmp_type_code=ports if protocol == "icmp" else None,
            )
    script.do(None, net.replace_network_acl_association, acl, subnet)


def _instance(draw: st.DrawFn, script: _Script, n: int, subnet: Subnet) -> None:
    """A t3.micro with random groups and public IP, maybe an Elastic IP, maybe stopped."""
    net = script.net
    vpc = subnet.vpc
    candidates = [g for g in net.security_groups if g.vpc is vpc]
    chosen = draw(st.lists(st.sampled_from(candidates), unique_by=lambda g: g.id, max_size=2))
    instance: Instance = script.do(
        f"i{n}",
        net.run_instance,
        subnet,
        instance_type=_INSTANCE_TYPE,
        security_groups=chosen or None,
        name=f"i{n}",
        associate_public_ip=draw(st.sampled_from([None, True, False])),
        ipv6_address_count=draw(st.sampled_from([None, 0, 1])) if subnet.ipv6_cidr_block is not None else None,
    )
    if any(g.vpc is vpc for g in net.internet_gateways) and draw(st.booleans()):
        eip = script.do(f"eip{n}", net.allocate_address, name=f"eip{n}")
        script.do(None, net.associate_address, eip, instance=instance)
    if draw(_seldom):
        script.do(None, net.stop_instance, instance)


def _appliances(
    draw: st.DrawFn,
    script: _Script,
    vpcs: list[Vpc],
    subnets: dict[int, list[Subnet]],
    tables: dict[int, list[RouteTable]],
) -> None:
    """Appliance instances with middlebox routes to their interface (SPEC R4); see :func:`networks`."""
    net = script.net
    for i, vpc in enumerate(vpcs):
        if len(subnets[i]) < 2 or not draw(_often):
            continue
        home = draw(st.sampled_from(subnets[i]))
        groups = [g for g in net.security_groups if g.vpc is vpc]
        appliance: Instance = script.do(
            f"appliance{i}",
            net.run_instance,
            home,
            instance_type=_INSTANCE_TYPE,
            security_groups=draw(st.lists(st.sampled_from(groups), unique_by=lambda g: g.id, min_size=1, max_size=2)),
            name=f"appliance{i}",
        )
        eni = appliance.primary_network_interface
        script.alias(f"appliance_eni{i}", eni, f"appliance{i}.primary_network_interface")
        if draw(_often):  # E5: forwarding needs the check off; left on, the appliance drops what it is sent
            script.do(None, net.modify_network_interface_attribute, eni, source_dest_check=False)
        for table in _some(draw, tables[i], st.booleans()) or tables[i][:1]:
            taken = {r.destination_key for r in table.routes}
            # R4: a route more specific than local must name a whole subnet's CIDR (an ENI target is allowed).
            choices = [str(s.cidr_block) for s in subnets[i] if s is not home] + ["0.0.0.0/0"]
            free = [c for c in choices if c not in taken]
            if free:
                script.do(None, net.create_route, table, draw(st.sampled_from(free)), eni)


_NLB_PROTOCOLS = ("TCP", "UDP", "TCP_UDP")
# Listener protocols that can forward to a target group of each protocol.
_LISTENER_PROTOCOLS = {
    "TCP": ("TCP", "TLS"),
    "UDP": ("UDP",),
    "TCP_UDP": ("TCP_UDP", "TCP", "UDP"),
    "HTTP": ("HTTP",),
}


def _load_balancers(draw: st.DrawFn, script: _Script, vpcs: list[Vpc], subnets: dict[int, list[Subnet]]) -> None:
    """Load balancers, target groups and listeners (SPEC L1-L3) on a built network; see :func:`networks`."""
    net = script.net
    for i, vpc in enumerate(vpcs):
        if not draw(_often):
            continue
        n = len(net.load_balancers)
        per_zone: dict[str, Subnet] = {}
        for subnet in _some(draw, subnets[i]) or subnets[i][:1]:
            per_zone.setdefault(subnet.availability_zone, subnet)
        chosen = list(per_zone.values())
        kind = "application" if len(chosen) > 1 and draw(_rarely) else "network"
        has_igw = any(g.vpc is vpc for g in net.internet_gateways)
        scheme = "internet-facing" if has_igw and draw(_often) else "internal"
        groups = [g for g in net.security_groups if g.vpc is vpc]
        lb_groups: list[SecurityGroup] | None = None
        if kind == "application" or draw(st.booleans()):
            lb_groups = draw(st.lists(st.sampled_from(groups), unique_by=lambda g: g.id, min_size=1, max_size=2))
        cross = draw(st.sampled_from([None, True] if kind == "application" else [None, True, False]))
        lb = script.do(f"lb{n}", net.create_load_balancer, f"lb{n}", chosen, type=kind, scheme=scheme,
                       security_groups=lb_groups, cross_zone=cross)  # fmt: skip
        protocol = "HTTP" if kind == "application" else draw(st.sampled_from(_NLB_PROTOCOLS))
        target_type = draw(st.sampled_from(["instance", "ip"]))
        port = draw(st.sampled_from(_COMMON_PORTS))
        preserve = draw(st.sampled_from([None, True, False])) if protocol == "TCP" else None
        tg = script.do(
            f"tg{n}",
            net.create_target_group,
            f"tg{n}",
            protocol=protocol,
            port=port,
            vpc=vpc,
            target_type=target_type,
            health_check_port=draw(st.sampled_from(_COMMON_PORTS)) if draw(_rarely) else None,
            health_check_enabled=False if draw(_seldom) else None,
            preserve_client_ip=preserve,
            cross_zone=draw(st.sampled_from([None, None, True, False])),
        )
        members = _some(draw, [x for x in net.instances if x.vpc is vpc])
        targets: list[object] = list(members) if target_type == "instance" else [str(x.private_ip) for x in members]
        if targets:
            script.do(None, net.register_targets, tg, targets)
        ports = draw(st.lists(st.sampled_from(_COMMON_PORTS), min_size=1, max_size=2, unique=True))
        for listener_port in ports:
            listener_protocol = draw(st.sampled_from(_LISTENER_PROTOCOLS[protocol]))
            script.do(None, net.create_listener, lb, protocol=listener_protocol, port=listener_port, target_group=tg)
        # Open the way often enough for traffic to get through: the LB's SG to its listeners, the targets' to
        # the target port (from everywhere, which preserved clients need, or from the VPC, which checks need).
        if lb_groups is not None and draw(_often):
            for listener_port in ports:
                _open(script, lb_groups[0], protocol, listener_port, "0.0.0.0/0")
        if len(members) > 0 and draw(_often):
            _open(script, members[0].primary_network_interface.security_groups[0], protocol, port,
                  draw(st.sampled_from(["0.0.0.0/0", str(vpc.cidr_block)])))  # fmt: skip


def _open(script: _Script, group: SecurityGroup, protocol: str, port: int, cidr: str) -> None:
    """Allow ``port`` from ``cidr`` into ``group`` for a target group ``protocol`` (TCP, and UDP for UDP groups),
    unless exactly that rule is there already (a duplicate is refused)."""
    seen = {(r.protocol, r.from_port, r.to_port, r.peer) for r in group.ingress}
    for name in ("tcp", "udp") if protocol in ("UDP", "TCP_UDP") else ("tcp",):  # a UDP group's checks are TCP
        number = 6 if name == "tcp" else 17
        if (number, port, port, cidr) not in seen:
            script.do(None, script.net.authorize_security_group_ingress, group, protocol=name, ports=port, cidr=cidr)


def flows(network: Network) -> st.SearchStrategy[Flow]:
    """Flows that :meth:`vpcsim.Network.trace` accepts for ``network``, as :class:`Flow` tuples.

    ``src`` is one of the network's instances (by id) or :data:`vpcsim.INTERNET`; ``dst`` an instance, an
    instance's public IPv4, :data:`vpcsim.INTERNET` (unless the source is the internet: one end must be in a VPC),
    ``"169.254.169.254"`` (IMDS), a load balancer's name or one of its nodes' addresses (private and public), or,
    when the source can speak IPv6 (the internet, or an instance with an IPv6
    address), an instance's IPv6 address or :data:`IPV6_INTERNET_HOST`. ``protocol`` is ``"tcp"``, ``"udp"``,
    ``"icmp"`` (echo request; ICMPv6 on an IPv6
    flow) or ``"47"`` (GRE); ``port`` is 0..65535 for TCP and UDP, None otherwise.

    Parameters
    ----------
    network : Network
        The network the flows are for; its instances and addresses are read when the strategy is built.

    Returns
    -------
    SearchStrategy[Flow]

    Raises
    ------
    InvalidArgument
        ``network`` is not a :class:`vpcsim.Network`.
    """
    if not isinstance(network, Network):
        raise InvalidArgument(f"flows() needs a vpcsim.Network, not {network!r}.")
    instances = network.instances
    sources: list[str | InternetHost] = [*(i.id for i in instances), INTERNET]
    ipv4: list[str | InternetHost] = [INTERNET, *(i.id for i in instances)]
    ipv4 += [str(i.public_ip) for i in instances if i.public_ip is not None] + [IMDS]
    for lb in network.load_balancers:  # by name (DNS: every node it answers with) and each node's addresses
        ipv4 += [lb.lb_name] + [str(a) for n in lb.nodes for a in (n.private_ip, n.public_ip) if a is not None]
    ipv6: list[str | InternetHost] = [str(a) for i in instances for a in i.primary_network_interface.ipv6_addresses]
    speaks_ipv6 = {i.id for i in instances if i.primary_network_interface.ipv6_addresses}
    # Ports the network's rules name (ends of their ranges) are where verdicts change: draw them often.
    named = {p for g in network.security_groups for r in (*g.ingress, *g.egress) if r.protocol in (6, 17)
             for p in (r.from_port, r.to_port) if p is not None}  # fmt: skip
    named |= {p for a in network.network_acls for e in a.entries if e.port_range is not None for p in e.port_range}
    named |= {x.port for x in network.listeners} | {g.port for g in network.target_groups}
    named |= {g.health_check.port for g in network.target_groups if g.health_check.port is not None}
    ports = st.sampled_from(sorted(named | set(_COMMON_PORTS))) | st.integers(0, 65535)

    @st.composite
    def draw_flow(draw: st.DrawFn) -> Flow:
        src = draw(st.sampled_from(sources))
        can6 = src is INTERNET or (isinstance(src, str) and src in speaks_ipv6)
        targets = ipv4 + ([*ipv6, IPV6_INTERNET_HOST] if can6 else [])
        if src is INTERNET:  # one end must be in a VPC
            targets = [t for t in targets if not isinstance(t, InternetHost)]
        dst = draw(st.sampled_from(targets))
        protocol = draw(st.sampled_from(_FLOW_PROTOCOLS))
        return Flow(src, dst, protocol, draw(ports) if protocol in ("tcp", "udp") else None)

    return draw_flow()


# ------------------------------------------------------------------------------------------ addresses, ends

_RESERVED_HEAD = 4  # AWS reserves a subnet's first four addresses and its last (A1)


def addresses(subnet: Subnet, *, ip_version: int = 4, free: bool = False) -> st.SearchStrategy[IPAddress]:
    """Addresses an interface in ``subnet`` may have: inside its CIDR, outside the five AWS reserves in every block
    (the first four and the last, SPEC E4).

    Parameters
    ----------
    subnet : Subnet
    ip_version : int
        4, or 6 for the subnet's IPv6 /64 (the subnet must have one).
    free : bool
        Only addresses no interface holds now (read when the strategy is built).

    Raises
    ------
    InvalidArgument
        Not a subnet, a version other than 4 or 6, IPv6 on a subnet without an IPv6 block, or no free address.

    Examples
    --------
    >>> import vpcsim
    >>> net = vpcsim.Network()
    >>> subnet = net.create_subnet(net.create_vpc("10.0.0.0/16"), "10.0.1.0/28")
    >>> address = addresses(subnet).example()
    >>> ipaddress.ip_address("10.0.1.4") <= address <= ipaddress.ip_address("10.0.1.14")
    True
    """
    if not isinstance(subnet, Subnet):
        raise InvalidArgument(f"addresses() needs a vpcsim Subnet, not {subnet!r}.")
    if ip_version not in (4, 6):
        raise InvalidArgument(f"ip_version={ip_version!r} must be 4 or 6.")
    block = subnet.cidr_block if ip_version == 4 else subnet.ipv6_cidr_block
    if block is None:
        raise InvalidArgument(f"{subnet.id} has no IPv6 block: give ip_version=4.")
    low = int(block.network_address) + _RESERVED_HEAD
    high = int(block.broadcast_address) - 1
    make = ipaddress.IPv4Address if ip_version == 4 else ipaddress.IPv6Address
    drawn: st.SearchStrategy[IPAddress] = st.integers(low, high).map(make)
    if free:
        used = {int(a) for a in subnet.used_addresses if a.version == ip_version}
        if ip_version == 4 and len(used & set(range(low, high + 1))) == high - low + 1:
            raise InvalidArgument(f"{subnet.id} has no free address.")
        drawn = st.integers(low, high).filter(lambda n: n not in used).map(make)
    return drawn


def endpoints(network: Network, *, internet_hosts: bool = True) -> st.SearchStrategy[object]:
    """Anything :meth:`vpcsim.Network.trace` takes as an end in ``network``: instances and interfaces (as objects and
    by id), unique Name tags, private, public and IPv6 addresses of interfaces, load balancer names, and (with
    ``internet_hosts``) :data:`vpcsim.INTERNET` and internet hosts in the documentation ranges.

    Raises
    ------
    InvalidArgument
        Not a network, or a network with nothing to trace to (and ``internet_hosts=False``).

    Examples
    --------
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> end = endpoints(net).example()
    >>> net.trace(end, "web", "tcp", 443).disposition is not None
    True
    """
    if not isinstance(network, Network):
        raise InvalidArgument(f"endpoints() needs a vpcsim.Network, not {network!r}.")
    ends: list[object] = []
    for instance in network.instances:
        ends += [instance, instance.id]
    names = [r.name for r in network._index.values() if isinstance(r, Instance) and r.name]
    ends += sorted(n for n in set(names) if names.count(n) == 1)
    for eni in network.network_interfaces:
        ends += [eni, eni.id, str(eni.private_ip)]
        ends += [str(a) for a in (eni.public_ip, *eni.ipv6_addresses) if a is not None]
    ends += [lb.lb_name for lb in network.load_balancers]
    hosts: list[st.SearchStrategy[object]] = [st.sampled_from(ends)] if ends else []
    if internet_hosts:
        hosts += [
            st.just(INTERNET),
            st.ip_addresses(v=4, network="198.51.100.0/24").map(lambda a: internet(str(a))),
            st.ip_addresses(v=4, network="203.0.113.0/24").map(lambda a: internet(str(a))),
        ]
    if not hosts:
        raise InvalidArgument("endpoints(): the network has no interface and internet_hosts=False.")
    return st.one_of(hosts)


# -------------------------------------------------------------------------------------------------- edits


class Edit(NamedTuple):
    """One network operation, by name and with ids for resources, so it applies to any network holding those ids
    (a ``what_if()`` copy). ``str(edit)`` is the Python line."""

    operation: str
    args: tuple[object, ...]
    kwargs: tuple[tuple[str, object], ...]

    def apply(self, network: Network) -> object:
        """Perform the operation on ``network``; returns what the operation returns."""
        return getattr(network, self.operation)(*self.args, **dict(self.kwargs))

    def __str__(self) -> str:
        words = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs]
        return f"net.{self.operation}({', '.join(words)})"


def edits(network: Network, *, min_size: int = 1, max_size: int = 5) -> st.SearchStrategy[list[Edit]]:
    """Sequences of operations AWS accepts on ``network``, each valid after the ones before it: for what-if fuzzing.

    The operations are the everyday changes: authorize and revoke security group rules (SPEC G), create and delete
    network ACL entries (N), create, replace and delete routes to the VPC's gateways, peering connections and
    interfaces (R), toggle source/destination checks (E5), stop and start instances, fail an AZ and restore (L).
    Drawing replays them on a private copy, so ``network`` is never changed.

    Parameters
    ----------
    network : Network
        The network the edits are for (read when the strategy is built; later changes to it are not seen).
    min_size, max_size : int
        How many edits, 0 <= min_size <= max_size <= 50.

    Raises
    ------
    InvalidArgument
        Not a network, or bad sizes.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from vpcsim.examples import demo_network
    >>> net = demo_network()
    >>> @settings(max_examples=5, deadline=None, database=None)
    ... @given(edits(net, max_size=3))
    ... def test_edits_apply(changes):
    ...     with net.what_if() as alt:
    ...         for edit in changes:
    ...             edit.apply(alt)
    >>> test_edits_apply()
    """
    if not isinstance(network, Network):
        raise InvalidArgument(f"edits() needs a vpcsim.Network, not {network!r}.")
    for name, value in (("min_size", min_size), ("max_size", max_size)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 50:
            raise InvalidArgument(f"{name}={value!r} must be an integer in 0..50.")
    if min_size > max_size:
        raise InvalidArgument(f"min_size={min_size} is more than max_size={max_size}.")
    frozen = network.copy()
    return _edits(frozen, min_size, max_size)


@st.composite
def _edits(draw: st.DrawFn, network: Network, min_size: int, max_size: int) -> list[Edit]:
    scratch = network.copy()
    done: list[Edit] = []
    for _ in range(draw(st.integers(min_size, max_size))):
        makers = [m for m in _EDIT_MAKERS if m.applies(scratch)]
        edit = draw(st.sampled_from(makers)).make(draw, scratch)
        edit.apply(scratch)
        done.append(edit)
    note("Edits:\n" + "\n".join(map(str, done)))
    return done


class _EditMaker(NamedTuple):
    applies: Callable[[Network], bool]
    make: Callable[[st.DrawFn, Network], Edit]


def _edit(operation: str, *args: object, **kwargs: object) -> Edit:
    return Edit(operation, args, tuple(kwargs.items()))


_RULE_CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/16", "203.0.113.0/24", "198.51.100.7/32")


def _authorize(draw: st.DrawFn, net: Network) -> Edit:
    group = draw(st.sampled_from([g for g in net.security_groups if len(g.ingress) + len(g.egress) < 50]))
    egress = draw(st.booleans())
    protocol = draw(st.sampled_from(("tcp", "udp", "-1")))
    ports = None if protocol == "-1" else draw(_port_ranges())
    number = {"tcp": 6, "udp": 17, "-1": -1}[protocol]
    held = {(r.protocol, r.from_port, r.to_port, str(r.cidr)) for r in (group.egress if egress else group.ingress)}
    bounds = (None, None) if ports is None else ports
    free = [c for c in _RULE_CIDRS if (number, *bounds, c) not in held]
    # a fresh /32 when the usual peers are all taken for these ports
    cidr = draw(st.sampled_from(free)) if free else f"198.18.{len(held) // 250}.{len(held) % 250}/32"
    operation = "authorize_security_group_egress" if egress else "authorize_security_group_ingress"
    return _edit(operation, group.id, protocol=protocol, ports=ports, cidr=cidr)


def _revoke(draw: st.DrawFn, net: Network) -> Edit:
    rules = [(g, r) for g in net.security_groups for r in (*g.ingress, *g.egress)]
    group, rule = draw(st.sampled_from(rules))
    operation = "revoke_security_group_egress" if rule.egress else "revoke_security_group_ingress"
    return _edit(operation, group.id, rule_id=rule.id)


def _nacl_entry(draw: st.DrawFn, net: Network) -> Edit:
    acl = draw(st.sampled_from(net.network_acls))
    egress = draw(st.booleans())
    used = {e.rule_number for e in acl.entries if e.egress == egress}
    number = draw(st.integers(1, _LAST_RULE).filter(lambda n: n not in used))
    protocol = draw(st.sampled_from(("tcp", "udp", "-1")))
    return _edit(
        "create_network_acl_entry",
        acl.id,
        rule_number=number,
        egress=egress,
        protocol=protocol,
        action=draw(st.sampled_from(("allow", "deny"))),
        cidr=draw(st.sampled_from(_RULE_CIDRS)),
        ports=None if protocol == "-1" else draw(st.sampled_from(_NACL_PORT_RANGES)),
    )


def _delete_nacl_entry(draw: st.DrawFn, net: Network) -> Edit:
    acl, entry = draw(st.sampled_from([(a, e) for a in net.network_acls for e in a.entries]))
    return _edit("delete_network_acl_entry", acl.id, rule_number=entry.rule_number, egress=entry.egress)


_ROUTE_DESTINATIONS = ("0.0.0.0/0", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10")


def _route_targets(net: Network, table: RouteTable, destination: str | None = None) -> list[str]:
    """What a route in ``table`` may point at (R6): the VPC's attached IGW, NAT gateways, instances' interfaces and
    active peering connections; for a destination inside the VPC (a middlebox route, R4) only NAT gateways and
    interfaces."""
    vpc = table.vpc
    inside = [c for c in vpc.cidrs if isinstance(c, ipaddress.IPv4Network)]
    middlebox = destination is not None and any(ipaddress.IPv4Network(destination).subnet_of(c) for c in inside)
    targets = [n.id for n in net.nat_gateways if n.vpc is vpc and n.state == "available"]
    targets += [i.primary_network_interface.id for i in net.instances if i.vpc is vpc]
    if not middlebox:
        targets += [g.id for g in net.internet_gateways if g.vpc is vpc]
        targets += [p.id for p in net.vpc_peering_connections if p.status == "active" and p.joins(vpc)]
    return targets


def _route_choices(net: Network, table: RouteTable) -> list[str]:
    taken = {r.destination_key for r in table.routes}
    inside = [c for c in table.vpc.cidrs if isinstance(c, ipaddress.IPv4Network)]
    others = [str(v.cidr_block) for v in net.vpcs if v is not table.vpc]
    candidates = [*_ROUTE_DESTINATIONS, *others]
    # R4: no destination inside the VPC's own blocks (only whole-subnet middlebox routes are, and not here)
    return [c for c in candidates
            if c not in taken and not any(ipaddress.IPv4Network(c).subnet_of(v) for v in inside)]  # fmt: skip


def _routable(net: Network) -> list[RouteTable]:
    """Tables that take everyday routes: not gateway route tables (R7: those route only to the VPC's subnets)."""
    return [t for t in net.route_tables if not net._is_gateway_table(t)]


def _create_route(draw: st.DrawFn, net: Network) -> Edit:
    table = draw(st.sampled_from([t for t in _routable(net) if _route_targets(net, t) and _route_choices(net, t)]))
    destination = draw(st.sampled_from(_route_choices(net, table)))
    return _edit("create_route", table.id, destination, draw(st.sampled_from(_route_targets(net, table))))


def _static_routes(net: Network) -> list[tuple[RouteTable, str]]:
    return [(t, r.destination_key) for t in _routable(net) for r in t.routes
            if r.origin == "CreateRoute" and r.destination is not None and not r.target.startswith("vpce-")
            and r.destination.version == 4]  # fmt: skip


def _replace_route(draw: st.DrawFn, net: Network) -> Edit:
    table, destination = draw(st.sampled_from([(t, d) for t, d in _static_routes(net) if _route_targets(net, t, d)]))
    target = draw(st.sampled_from(_route_targets(net, table, destination)))
    return _edit("replace_route", table.id, destination, target)


def _delete_route(draw: st.DrawFn, net: Network) -> Edit:
    table, destination = draw(st.sampled_from(_static_routes(net)))
    return _edit("delete_route", table.id, destination)


def _source_dest_check(draw: st.DrawFn, net: Network) -> Edit:
    eni = draw(st.sampled_from([i.primary_network_interface for i in net.instances]))
    return _edit("modify_network_interface_attribute", eni.id, source_dest_check=not eni.source_dest_check)


def _stop_start(draw: st.DrawFn, net: Network) -> Edit:
    instance = draw(st.sampled_from([i for i in net.instances if i.state in ("running", "stopped")]))
    return _edit("stop_instance" if instance.state == "running" else "start_instance", instance.id)


def _fail_restore(draw: st.DrawFn, net: Network) -> Edit:
    if net.failures:
        return _edit("restore")
    return _edit("fail_az", draw(st.sampled_from(sorted({s.availability_zone for s in net.subnets}))))


_EDIT_MAKERS = (
    _EditMaker(lambda n: any(len(g.ingress) + len(g.egress) < 50 for g in n.security_groups), _authorize),
    _EditMaker(lambda n: any(g.ingress or g.egress for g in n.security_groups), _revoke),
    _EditMaker(lambda n: bool(n.network_acls), _nacl_entry),
    _EditMaker(lambda n: any(a.entries for a in n.network_acls), _delete_nacl_entry),
    _EditMaker(lambda n: any(_route_targets(n, t) and _route_choices(n, t) for t in _routable(n)), _create_route),
    _EditMaker(lambda n: any(_route_targets(n, t, d) for t, d in _static_routes(n)), _replace_route),
    _EditMaker(lambda n: bool(_static_routes(n)), _delete_route),
    _EditMaker(lambda n: bool(n.instances), _source_dest_check),
    _EditMaker(lambda n: any(i.state in ("running", "stopped") for i in n.instances), _stop_start),
    _EditMaker(lambda n: bool(n.subnets), _fail_restore),
)
