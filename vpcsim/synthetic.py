"""Synthetic estates: large, realistic networks for benchmarks, tests and what-if scaling.

:func:`estate` builds a hub-and-spoke estate of several VPCs through the public :class:`~vpcsim.Network`
operations only, so every AWS check ran on it and it is valid by construction. :func:`sample_endpoints` picks
instances from it (and the internet) to build flows with.

Build time (one core of the 2-core CI-class machine, Python 3.11.7, best of 3, measured 2026-11-21 while other work
shared the machine; the 100,000 figure is one run):

============  ====  ==========  ===============  ===================================================
``enis``      VPCs  build       ``ipv6=True``    what it holds
============  ====  ==========  ===============  ===================================================
1,000         3     0.14 s      0.23 s           27 subnets, 460 routes, 22 SGs (397 rules), 8 NACLs
10,000        5     0.6-0.9 s   3.2 s            45 subnets, 761 routes, 59 SGs (1,359 rules)
100,000       40    19 s                         360 subnets, 6,198 routes, 484 SGs (11,686 rules)
============  ====  ==========  ===============  ===================================================

Instances cost about 50 us each. Two costs of the model are not linear: every ``create_route`` rechecks the state
of every route in the network (R6), so routes cost O(routes^2) (8 s of the 100,000 build), and IPv6 addresses are
allocated by scanning the /64 from its start, so ``ipv6=True`` costs O(instances per subnet^2).
"""

from __future__ import annotations

import ipaddress
import math
import random

import attrs

from vpcsim.engine.endpoints import INTERNET
from vpcsim.model.gateways import EgressOnlyInternetGateway, InternetGateway, NatGateway, VpnGateway
from vpcsim.model.interface import NetworkInterface
from vpcsim.model.nacl import NetworkAcl
from vpcsim.model.peering import VpcPeeringConnection
from vpcsim.model.prefix_list import ManagedPrefixList
from vpcsim.model.route_table import RouteTable
from vpcsim.model.security_group import SecurityGroup
from vpcsim.model.subnet import Subnet
from vpcsim.model.vpc import Vpc
from vpcsim.network import Network

__all__ = ["estate", "sample_endpoints"]

_AZS = 3
_TIERS = ("public", "app", "data")
_ENIS_PER_VPC = 2000  # default: about one VPC per 2,000 ENIs
_MIN_VPCS = 3
_MAX_VPCS = 40  # the hub's tables hold one peering route per spoke within the route quota
_ROUTES_PER_TABLE = 50  # AWS: 50 non-propagated routes per route table (vpcsim counts the local routes too)
_RULES_PER_GROUP = 60  # SPEC G7
_HUB_CIDR = "10.0.0.0/16"
_INTERNAL = "10.0.0.0/8"
_ANYWHERE, _ANYWHERE_V6 = "0.0.0.0/0", "::/0"
_CORPORATE = ("172.16.0.0/12", "192.168.0.0/16")  # on premises, behind the hub's site-to-site VPN
_ON_PREMISES_24S = ipaddress.IPv4Network("172.16.0.0/12")
_INSTANCE_TYPES = {
    "public": ("t3.medium", "t3.large", "m5.large"),
    "app": ("m5.large", "c5.large", "c5.xlarge", "m5.xlarge"),
    "data": ("r5.large", "r5.xlarge"),
}

_Ports = int | tuple[int, int] | None
_Peer = str | SecurityGroup | ManagedPrefixList
# A network ACL entry: rule number, protocol, action, CIDR, ports (TCP/UDP) or (type, code) (ICMP).
_Entry = tuple[int, str, str, str, _Ports]


@attrs.frozen
class _Server:
    """An instance to launch: its primary ENI in ``tier``'s subnet of AZ ``az``, maybe a second ENI."""

    name: str
    role: str
    tier: str
    az: int
    groups: tuple[str, ...]
    instance_type: str
    second: tuple[str, tuple[str, ...]] | None = None  # (tier, SG names) of a second ENI in the same AZ
    elastic_ip: bool = False
    appliance: bool = False  # SPEC E5: source/dest check off, a route target

    @property
    def enis(self) -> int:
        return 1 if self.second is None else 2


@attrs.define
class _Site:
    """One VPC of the estate: its plan, then what the build made in it."""

    index: int
    name: str
    services: int  # app-tier SGs, app-0 .. app-<services - 1>
    servers: list[_Server]
    cidrs: dict[tuple[str, int], ipaddress.IPv4Network]
    on_premises: list[str]  # on-premises /24s its routes and rules name
    vpc: Vpc = attrs.field(init=False)
    subnets: dict[tuple[str, int], Subnet] = attrs.field(factory=dict)
    internet_gateway: InternetGateway = attrs.field(init=False)
    egress_only: EgressOnlyInternetGateway | None = None
    nat_gateways: list[NatGateway] = attrs.field(factory=list)
    peerings: dict[int, VpcPeeringConnection] = attrs.field(factory=dict)  # peer site index -> connection
    groups: dict[str, SecurityGroup] = attrs.field(factory=dict)
    firewall: NetworkInterface | None = None  # the hub's firewall appliance, a route target

    @property
    def cidr(self) -> str:
        return f"10.{self.index}.0.0/16"

    @property
    def is_hub(self) -> bool:
        return self.index == 0


def estate(
    enis: int = 1000, *, seed: int = 0, vpcs: int | None = None, ipv6: bool = False, region: str = "us-east-1"
) -> Network:
    """A large, realistic hub-and-spoke estate, built only through the public operations.

    - ``vpcs`` VPCs ``10.<i>.0.0/16``; VPC 0 (``hub``) is peered with every spoke (``spoke1``..) and spokes 1-2
      (and 3-4, with five VPCs or more) are peered with each other, with peering routes on both sides.
    - In every VPC: public, app and data subnets in each of 3 AZs, sized to the instances planned in them; an
      internet gateway; a NAT gateway per AZ in its public subnet; a public route table and one private table per
      AZ (app and data subnets) routing ``0.0.0.0/0`` to the NAT gateway of its AZ. Private tables hold 44-50
      routes, public ones 8-16 (more in a hub with many spokes): peering routes, a prefix-list route, and
      on-premises /24s towards the hub's VPN gateway, a firewall appliance, the hub's peering connection (which
      does not carry them: I5) or a retired appliance whose routes are left as blackholes (R6).
    - The hub has a virtual private gateway with a site-to-site VPN to ``172.16.0.0/12`` and ``192.168.0.0/16``,
      a bastion with an Elastic IP, monitoring, a DNS server for every VPC, and two appliances with source/dest
      check off (a proxy with two ENIs and an Elastic IP, a firewall that on-premises routes go through).
    - Network ACLs of about 20 entries (deny lists, port ranges, the ephemeral ranges 1024-65535 and 32768-60999
      of replies, ICMP) on every data subnet and on the public subnets of even-numbered VPCs; the default NACL
      elsewhere.
    - Security groups ``web`` (50-60 rules: the internet on 80/443 and a partner allowlist), ``app-<k>`` (12-40
      rules), ``data`` (egress restricted), ``ops-baseline`` and, in the hub, ``bastion``, ``monitoring``,
      ``shared-services`` and ``appliance``. Rules mix CIDRs, port ranges, ICMP, a prefix list and SG
      references, tier to tier and across peerings (spokes admit the hub's bastion and monitoring SGs).
    - Instances: in each VPC first a web server (EIP), an app server and a database, then (hub) the bastion,
      monitoring, DNS and the appliances, then web 20% / app 60% / data 20% at random over the AZs. Some carry
      2-3 SGs, some app servers have a second ENI in the data subnet. Public subnets of the first two AZs assign
      public IPs at launch; the third's do not. Instances are named ``<vpc>-<role>-<n>`` and tagged ``Role``.

    Parameters
    ----------
    enis : int
        Instance ENIs: exactly this many ENIs are attached to instances (NAT gateways' ENIs, 3 per VPC, come on
        top). Spread evenly over the VPCs.
    seed : int
        The same seed builds the same estate, ids included (``random.Random(seed)``, ``Network(seed=seed)``).
    vpcs : int, optional
        Number of VPCs, 1..40. Default: one per 2,000 ENIs, at least 3.
    ipv6 : bool
        Give every VPC an Amazon IPv6 /56 and every subnet a /64 (public and app subnets assign addresses at
        launch), an egress-only internet gateway routed ``::/0`` from private tables, and ``::/0`` SG and NACL rules.
    region : str
        Region of the VPCs; its first three AZs are used.

    Returns
    -------
    Network

    Raises
    ------
    ValueError
        ``enis`` not a positive integer, ``vpcs`` outside 1..40, or more ENIs per VPC than a /16 holds.

    Examples
    --------
    >>> net = estate(120, seed=7)
    >>> sum(len(i.network_interfaces) for i in net.instances)
    120
    >>> [v.name for v in net.vpcs]
    ['hub', 'spoke1', 'spoke2']
    >>> net.reachable(INTERNET, "hub-web-1", port=443), net.reachable(INTERNET, "hub-db-1", port=5432)
    (True, False)
    """
    if isinstance(enis, bool) or not isinstance(enis, int) or enis < 1:
        raise ValueError(f"enis={enis!r} is invalid: give a positive number of instance ENIs.")
    if vpcs is None:
        vpcs = min(_MAX_VPCS, max(_MIN_VPCS, round(enis / _ENIS_PER_VPC)))
    if isinstance(vpcs, bool) or not isinstance(vpcs, int) or not 1 <= vpcs <= _MAX_VPCS:
        raise ValueError(f"vpcs={vpcs!r} is invalid: give 1..{_MAX_VPCS} VPCs.")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed={seed!r} is invalid: give an integer.")
    if not isinstance(ipv6, bool):
        raise ValueError(f"ipv6={ipv6!r} is invalid: give True or False.")
    rng = random.Random(seed)
    sites = [_plan_site(rng, index, enis // vpcs + (index < enis % vpcs), enis) for index in range(vpcs)]
    return _Builder(Network(region, seed=seed), rng, sites, ipv6).build()


def sample_endpoints(net: Network, k: int, *, seed: int = 0) -> list[object]:
    """``k`` running instances of ``net``, drawn at random (the same for a seed) in creation order, then
    :data:`vpcsim.INTERNET`: the ends of a flow product.

    Raises
    ------
    ValueError
        ``k`` negative, not an integer, or more than the running instances.

    Examples
    --------
    >>> net = estate(60, seed=1)
    >>> ends = sample_endpoints(net, 4, seed=2)
    >>> len(ends), ends[-1]
    (5, vpcsim.INTERNET)
    >>> ends == sample_endpoints(net, 4, seed=2)
    True
    """
    running = [i for i in net.instances if i.state == "running"]
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= len(running):
        raise ValueError(f"k={k!r} is invalid: give 0..{len(running)} (the running instances).")
    chosen = sorted(random.Random(seed).sample(range(len(running)), k))
    return [*(running[index] for index in chosen), INTERNET]


# ---------------------------------------------------------------------- planning (no network yet)


def _plan_site(rng: random.Random, index: int, budget: int, enis: int) -> _Site:
    name = "hub" if index == 0 else f"spoke{index}"
    services = min(8, 2 + budget // 400)
    servers = _plan_servers(rng, name, budget, services, hub=index == 0)
    needs = {(tier, az): 0 for tier in _TIERS for az in range(_AZS)}
    for server in servers:
        needs[server.tier, server.az] += 1
        if server.second is not None:
            needs[server.second[0], server.az] += 1
    for az in range(_AZS):
        needs["public", az] += 1  # the NAT gateway
    needs["app", 0] += 1  # the retired appliance, while its routes are made
    # A quarter spare plus a few, at least a /24, one size per tier as people lay out VPCs; largest blocks first
    # keeps every block aligned.
    prefixes = {
        tier: min(24, 32 - math.ceil(math.log2(max(n + n // 4 + 16 for (t, _), n in needs.items() if t == tier))))
        for tier in _TIERS
    }
    cidrs: dict[tuple[str, int], ipaddress.IPv4Network] = {}
    offset = 0
    for tier, az in sorted(needs, key=lambda key: prefixes[key[0]]):
        cidrs[tier, az] = ipaddress.IPv4Network(
            (int(ipaddress.IPv4Address(f"10.{index}.0.0")) + offset, prefixes[tier])
        )
        offset += 2 ** (32 - prefixes[tier])
    if offset > 2**16:
        raise ValueError(f"enis={enis!r} puts {budget} ENIs in VPC {name}, more than its /16 holds: give more vpcs.")
    return _Site(index, name, services, servers, cidrs, _on_premises_24s(rng, 64))


def _plan_servers(rng: random.Random, site: str, budget: int, services: int, *, hub: bool) -> list[_Server]:
    """The fixed roles first (as far as the budget goes), then web 20% / app 60% / data 20% at random."""
    counts: dict[str, int] = {}

    def named(server: _Server) -> _Server:
        counts[server.role] = counts.get(server.role, 0) + 1
        return attrs.evolve(server, name=f"{site}-{server.role}-{counts[server.role]}")

    fixed = [
        _Server("", "web", "public", 0, ("web",), "t3.medium", elastic_ip=True),
        _Server("", "app", "app", 0, ("app-0", "ops-baseline"), "m5.large"),
        _Server("", "db", "data", 0, ("data",), "r5.large"),
    ]
    if hub:
        fixed += [
            _Server("", "bastion", "public", 0, ("bastion",), "t3.micro", elastic_ip=True),
            _Server("", "monitoring", "app", 0, ("monitoring", "ops-baseline"), "m5.large"),
            _Server("", "dns", "app", 1, ("shared-services", "ops-baseline"), "c5.large"),
            _Server("", "proxy", "public", 1, ("appliance",), "c5.large", second=("app", ("appliance",)),
                    elastic_ip=True, appliance=True),
            _Server("", "firewall", "app", 2, ("appliance",), "c5.large", appliance=True),
        ]  # fmt: skip
    servers: list[_Server] = []
    left = budget
    for server in fixed:
        if server.enis <= left:
            servers.append(named(server))
            left -= server.enis
    while left:
        draw, az = rng.random(), rng.randrange(_AZS)
        groups: tuple[str, ...]
        if draw < 0.2:
            groups = ("web", "ops-baseline") if rng.random() < 0.2 else ("web",)
            server = _Server("", "web", "public", az, groups, rng.choice(_INSTANCE_TYPES["public"]),
                             elastic_ip=rng.random() < 0.05)  # fmt: skip
        elif draw < 0.8:
            k, mix = rng.randrange(services), rng.random()
            groups = (f"app-{k}",)
            if mix < 0.05:
                groups += (f"app-{(k + 1) % services}", "ops-baseline")
            elif mix < 0.5:
                groups += ("ops-baseline",)
            second = ("data", ("data",)) if left >= 2 and rng.random() < 0.02 else None
            server = _Server("", "app", "app", az, groups, rng.choice(_INSTANCE_TYPES["app"]), second=second)
        else:
            groups = ("data", "ops-baseline") if rng.random() < 0.5 else ("data",)
            server = _Server("", "db", "data", az, groups, rng.choice(_INSTANCE_TYPES["data"]))
        servers.append(named(server))
        left -= server.enis
    return servers


def _on_premises_24s(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct on-premises /24s in 172.16.0.0/12."""
    base = int(_ON_PREMISES_24S.network_address)
    return [str(ipaddress.IPv4Network((base + (k << 8), 24))) for k in rng.sample(range(4096), count)]


def _public_blocks(
    rng: random.Random, count: int, first_octets: tuple[int, int], prefixes: tuple[int, int]
) -> list[str]:
    """``count`` distinct public blocks; first octets chosen clear of the addresses that stand for the internet."""
    found: dict[str, None] = {}
    while len(found) < count:
        address = (rng.randint(*first_octets) << 24) | rng.getrandbits(24)
        found[str(ipaddress.IPv4Network((address, rng.randint(*prefixes)), strict=False))] = None
    return list(found)


# ---------------------------------------------------------------------- building


class _Builder:
    """Runs the operations, in dependency order, for every site."""

    def __init__(self, net: Network, rng: random.Random, sites: list[_Site], ipv6: bool) -> None:
        self.net, self.rng, self.sites, self.ipv6 = net, rng, sites, ipv6
        self.hub = sites[0]
        self.zones = net.availability_zones[net.region][:_AZS]
        self.offices = _public_blocks(rng, 3, (20, 44), (26, 28))
        self.corporate: ManagedPrefixList
        self.vpn_gateway: VpnGateway

    def build(self) -> Network:
        for site in self.sites:
            self._vpc(site)
        self._vpn()
        self._peerings()
        for site in self.sites:
            self._security_groups(site)
        for site in self.sites:
            self._security_group_rules(site)
            self._network_acls(site)
            self._instances(site)
        for site in self.sites:
            self._routes(site)
        return self.net

    def _vpc(self, site: _Site) -> None:
        net = self.net
        site.vpc = vpc = net.create_vpc(site.cidr, name=site.name, amazon_provided_ipv6_cidr_block=self.ipv6)
        site.internet_gateway = net.create_internet_gateway(name=f"{site.name}-igw")
        net.attach_internet_gateway(site.internet_gateway, vpc)
        if self.ipv6:
            site.egress_only = net.create_egress_only_internet_gateway(vpc, name=f"{site.name}-eigw")
        v6 = list(vpc.ipv6_cidr_block.subnets(new_prefix=64)) if vpc.ipv6_cidr_block is not None else []
        for number, (tier, az) in enumerate((tier, az) for tier in _TIERS for az in range(_AZS)):
            site.subnets[tier, az] = net.create_subnet(
                vpc,
                str(site.cidrs[tier, az]),
                az=self.zones[az],
                name=f"{site.name}-{tier}-{self.zones[az][-1]}",
                map_public_ip_on_launch=tier == "public" and az < 2,
                ipv6_cidr_block=str(v6[number]) if v6 else None,
                assign_ipv6_address_on_creation=bool(v6) and tier != "data",
            )
        for az in range(_AZS):
            eip = net.allocate_address(name=f"{site.name}-nat-{self.zones[az][-1]}")
            site.nat_gateways.append(
                net.create_nat_gateway(site.subnets["public", az], allocation=eip, name=eip.name)
            )

    def _vpn(self) -> None:
        """The hub's site-to-site VPN to the corporate networks, and a prefix list naming them."""
        net = self.net
        self.vpn_gateway = net.create_vpn_gateway(name="hub-vgw")
        net.attach_vpn_gateway(self.vpn_gateway, self.hub.vpc)
        address = _public_blocks(self.rng, 1, (20, 44), (32, 32))[0].removesuffix("/32")
        datacentre = net.create_customer_gateway(address, name="datacentre")
        net.create_vpn_connection(datacentre, vpn_gateway=self.vpn_gateway, static_routes=_CORPORATE, name="corp")
        self.corporate = net.create_managed_prefix_list(
            "corporate-networks", max_entries=5, entries=[(c, "corporate") for c in _CORPORATE], name="corporate"
        )

    def _peerings(self) -> None:
        """The hub with every spoke, and a spoke-to-spoke pair or two."""
        pairs = [(0, spoke.index) for spoke in self.sites[1:]]
        pairs += [(a, b) for a, b in ((1, 2), (3, 4)) if b < len(self.sites)]
        for a, b in pairs:
            one, other = self.sites[a], self.sites[b]
            pcx = self.net.create_vpc_peering_connection(other.vpc, one.vpc, name=f"{other.name}-{one.name}")
            one.peerings[b] = other.peerings[a] = pcx

    def _security_groups(self, site: _Site) -> None:
        names = {
            "web": "HTTP(S) from the internet, partners on 8443",
            **{f"app-{k}": f"application service {k}" for k in range(site.services)},
            "data": "databases: app tier and DBAs only",
            "ops-baseline": "SSH from the bastion, metrics to monitoring",
        }
        if site.is_hub:
            names |= {
                "bastion": "SSH from the offices",
                "monitoring": "dashboards for the offices",
                "shared-services": "DNS, NTP and internal APIs for every VPC",
                "appliance": "proxy and firewall appliances",
            }
        for name, description in names.items():
            site.groups[name] = self.net.create_security_group(site.vpc, name, description=description, name=name)

    def _security_group_rules(self, site: _Site) -> None:
        net, rng, hub = self.net, self.rng, self.hub.groups
        groups = site.groups
        apps = [groups[f"app-{k}"] for k in range(site.services)]
        ops = [("tcp", 22, hub["bastion"]), ("tcp", 9100, hub["monitoring"])]  # across the peering for spokes
        v6 = [("tcp", p, _ANYWHERE_V6) for p in (80, 443)] if self.ipv6 else []
        web: list[tuple[str, _Ports, _Peer]] = [
            ("tcp", 80, _ANYWHERE), ("tcp", 443, _ANYWHERE), *v6, ("icmp", (3, 4), _ANYWHERE), *ops,
        ]  # fmt: skip
        partners = _public_blocks(rng, _RULES_PER_GROUP, (20, 44), (28, 32))
        web += [("tcp", 8443, cidr) for cidr in partners[: rng.randint(50, _RULES_PER_GROUP) - len(web)]]
        _allow(net, groups["web"], web)
        # Rules from on-premises /24s: a service port (None: one of four), Kubernetes node ports, a UDP range, ping.
        fillers: list[tuple[str, _Ports]] = [("tcp", None), ("tcp", (30000, 32767)), ("udp", (10000, 10100)),
                                             ("icmp", (8, -1))]  # fmt: skip
        for k, group in enumerate(apps):
            rules: list[tuple[str, _Ports, _Peer]] = [
                ("tcp", 8080 + k, groups["web"]),
                ("tcp", (8000, 8099), apps[(k + 1) % len(apps)]),
                *ops,
                ("icmp", (8, -1), site.cidr),
            ]
            pair = next((p for p in site.peerings if p != 0), None)
            if k == 0 and pair is not None and not site.is_hub:
                rules.append(("tcp", 8443, self.sites[pair].groups["app-0"]))
            size = rng.randint(12, 40)
            for cidr in site.on_premises[: max(0, size - len(rules))]:
                protocol, ports = rng.choice(fillers)
                rules.append((protocol, rng.choice((8080, 8443, 9092, 9200)) if ports is None else ports, cidr))
            _allow(net, group, rules)
        data: list[tuple[str, _Ports, _Peer]] = [
            *(("tcp", (5432, 3306)[k % 2], group) for k, group in enumerate(apps)),
            ("tcp", 6379, apps[0]),
            ("tcp", 5432, self.corporate),
            ("icmp", (8, -1), site.cidr),
            *ops,
        ]
        _allow(net, groups["data"], data)
        # Databases talk to their VPC and fetch patches over HTTPS, nothing else.
        for everything in [_ANYWHERE, _ANYWHERE_V6][: 1 + self.ipv6]:
            net.revoke_security_group_egress(groups["data"], protocol=-1, cidr=everything)
        for protocol, ports, cidr in [("-1", None, site.cidr), ("tcp", 443, _ANYWHERE), ("udp", 123, _ANYWHERE)]:
            net.authorize_security_group_egress(groups["data"], protocol=protocol, ports=ports, cidr=cidr)
        baseline: list[tuple[str, _Ports, _Peer]] = [*ops, ("icmp", (-1, -1), _INTERNAL), ("udp", 161, _HUB_CIDR)]
        if site.vpc.ipv6_cidr_block is not None:
            baseline.append(("icmpv6", (-1, -1), str(site.vpc.ipv6_cidr_block)))
        _allow(net, groups["ops-baseline"], baseline)
        if site.is_hub:
            self._hub_rules(site)

    def _hub_rules(self, site: _Site) -> None:
        groups, offices = site.groups, self.offices
        _allow(self.net, groups["bastion"], [
            *(("tcp", 22, office) for office in offices), ("tcp", 22, self.corporate),
            ("icmp", (8, -1), offices[0]),
        ])  # fmt: skip
        _allow(self.net, groups["monitoring"], [
            *(("tcp", 3000, office) for office in offices), ("tcp", 9090, self.corporate),
        ])  # fmt: skip
        clients = [s.groups["app-0"] for s in self.sites[1:]] + [
            site.groups[f"app-{k}"] for k in range(site.services)
        ]
        _allow(self.net, groups["shared-services"], [
            *(("tcp", 443, client) for client in clients),
            ("udp", 53, _INTERNAL), ("tcp", 53, _INTERNAL), ("udp", 123, _INTERNAL),
        ])  # fmt: skip
        _allow(self.net, groups["appliance"], [
            ("-1", None, site.cidr), ("-1", None, self.corporate), ("udp", 500, _ANYWHERE), ("udp", 4500, _ANYWHERE),
            ("tcp", 3128, _INTERNAL),
        ])  # fmt: skip

    def _network_acls(self, site: _Site) -> None:
        """A data-tier NACL in every VPC; a public NACL in even-numbered VPCs; the default NACL elsewhere."""
        denied = _public_blocks(self.rng, 3, (80, 99), (16, 24))
        quarantined = self.rng.choice(site.on_premises)
        net, vpc, v6 = self.net, site.vpc, self.ipv6
        data = _network_acl(net, vpc, f"{site.name}-data-acl",
            ingress=[
                (10, "-1", "deny", quarantined, None),
                (20, "-1", "deny", denied[0], None),
                (100, "tcp", "allow", site.cidr, 5432),
                (110, "tcp", "allow", site.cidr, 3306),
                (120, "tcp", "allow", site.cidr, 6379),
                (130, "tcp", "allow", _CORPORATE[0], 5432),  # DBAs over the hub's VPN
                (140, "tcp", "allow", _HUB_CIDR, 22),
                (150, "tcp", "allow", _HUB_CIDR, 9100),
                (160, "tcp", "allow", _ANYWHERE, (1024, 65535)),  # SPEC N4: replies through the NAT gateway
                *_if(v6, (165, "tcp", "allow", _ANYWHERE_V6, (1024, 65535))),
                (170, "icmp", "allow", site.cidr, (-1, -1)),
                (180, "udp", "allow", site.cidr, (1024, 65535)),
            ],
            egress=[
                (10, "-1", "deny", quarantined, None),
                (100, "tcp", "allow", site.cidr, (32768, 60999)),  # SPEC N4: replies to Linux clients
                (110, "tcp", "allow", _HUB_CIDR, (1024, 65535)),
                (120, "tcp", "allow", _CORPORATE[0], (1024, 65535)),
                (130, "tcp", "allow", _ANYWHERE, 443),
                *_if(v6, (135, "tcp", "allow", _ANYWHERE_V6, 443)),
                (140, "tcp", "allow", _ANYWHERE, 80),
                (150, "udp", "allow", _ANYWHERE, 123),
                (160, "icmp", "allow", site.cidr, (-1, -1)),
            ],
        )  # fmt: skip
        for az in range(_AZS):
            net.replace_network_acl_association(data, site.subnets["data", az])
        if site.index % 2:
            return
        public = _network_acl(net, vpc, f"{site.name}-public-acl",
            ingress=[
                (10, "-1", "deny", denied[0], None),
                (20, "-1", "deny", denied[1], None),
                (30, "tcp", "deny", denied[2], (0, 65535)),
                (100, "tcp", "allow", _ANYWHERE, 443),
                *_if(v6, (105, "tcp", "allow", _ANYWHERE_V6, 443), (115, "tcp", "allow", _ANYWHERE_V6, 80)),
                (110, "tcp", "allow", _ANYWHERE, 80),
                (120, "tcp", "allow", self.offices[0], 22),
                (130, "-1", "allow", site.cidr, None),
                (140, "tcp", "allow", _ANYWHERE, (1024, 65535)),  # SPEC N4: replies, and the NAT gateway's
                *_if(v6, (145, "tcp", "allow", _ANYWHERE_V6, (1024, 65535))),
                (150, "udp", "allow", _ANYWHERE, (1024, 65535)),
                (160, "icmp", "allow", _ANYWHERE, (3, 4)),  # path MTU discovery
                *_if(v6, (165, "icmpv6", "allow", _ANYWHERE_V6, (-1, -1))),
                (170, "icmp", "allow", self.offices[0], (8, -1)),
                (180, "tcp", "allow", _INTERNAL, 22),
                (190, "tcp", "allow", _INTERNAL, 9100),
            ],
            egress=[
                (10, "-1", "deny", denied[0], None),
                (100, "tcp", "allow", _ANYWHERE, 443),
                *_if(v6, (105, "tcp", "allow", _ANYWHERE_V6, 443)),
                *_if(v6, (125, "tcp", "allow", _ANYWHERE_V6, (1024, 65535))),
                (110, "tcp", "allow", _ANYWHERE, 80),
                (120, "tcp", "allow", _ANYWHERE, (1024, 65535)),  # SPEC N4: replies to internet clients
                (130, "-1", "allow", site.cidr, None),
                (140, "tcp", "allow", _INTERNAL, (32768, 60999)),
                (150, "tcp", "allow", _INTERNAL, 22),
                (160, "udp", "allow", _ANYWHERE, 123),
                (170, "icmp", "allow", _ANYWHERE, (-1, -1)),
            ],
        )  # fmt: skip
        for az in range(_AZS):
            net.replace_network_acl_association(public, site.subnets["public", az])

    def _instances(self, site: _Site) -> None:
        net = self.net
        for server in site.servers:
            instance = net.run_instance(
                site.subnets[server.tier, server.az],
                instance_type=server.instance_type,
                security_groups=[site.groups[g] for g in server.groups],
                name=server.name,
                tags={"Role": server.role},
                source_dest_check=not server.appliance,
            )
            primary = instance.primary_network_interface
            if server.elastic_ip:
                net.associate_address(net.allocate_address(name=server.name), network_interface=primary)
            if server.second is not None:
                tier, groups = server.second
                eni = net.create_network_interface(
                    site.subnets[tier, server.az],
                    security_groups=[site.groups[g] for g in groups],
                    description=f"{server.name} eth1",
                    source_dest_check=not server.appliance,
                )
                net.attach_network_interface(eni, instance, device_index=1)
            if server.role == "firewall":
                site.firewall = primary

    def _routes(self, site: _Site) -> None:
        """A public table and a private table per AZ; on-premises /24s fill them to a realistic size."""
        net, rng = self.net, self.rng
        # An appliance retired without cleaning up: the routes to it stay, as blackholes (R6).
        retired = net.create_network_interface(site.subnets["app", 0], description="retired firewall eth0")
        peer_routes = [(self.sites[p].cidr, pcx) for p, pcx in site.peerings.items()]
        corporate_target: object = self.vpn_gateway if site.is_hub else site.peerings[0]
        public = net.create_route_table(site.vpc, name=f"{site.name}-public")
        mandatory: list[tuple[str | ManagedPrefixList, object]] = [(_ANYWHERE, site.internet_gateway), *peer_routes]
        if self.ipv6:
            mandatory.append((_ANYWHERE_V6, site.internet_gateway))
        self._fill(public, mandatory, rng.randint(8, 16), site, retired, az=None)
        for az in range(_AZS):
            net.associate_route_table(public, site.subnets["public", az])
        for az in range(_AZS):
            private = net.create_route_table(site.vpc, name=f"{site.name}-private-{self.zones[az][-1]}")
            mandatory = [(_ANYWHERE, site.nat_gateways[az]), *peer_routes, (self.corporate, corporate_target)]
            if site.egress_only is not None:
                mandatory.append((_ANYWHERE_V6, site.egress_only))
            self._fill(private, mandatory, rng.randint(44, _ROUTES_PER_TABLE), site, retired, az=az)
            for tier in ("app", "data"):
                net.associate_route_table(private, site.subnets[tier, az])
        net.delete_network_interface(retired)

    def _fill(
        self,
        table: RouteTable,
        mandatory: list[tuple[str | ManagedPrefixList, object]],
        size: int,
        site: _Site,
        retired: NetworkInterface,
        *,
        az: int | None,
    ) -> None:
        """The mandatory routes, then on-premises /24s up to ``size`` routes (local routes included).

        The hub sends them to its VPN gateway, or (from the AZs the firewall is not in) through the firewall;
        spokes send them over the hub's peering, which does not carry them (I5), or to the retired appliance.
        """
        net, rng = self.net, self.rng
        for destination, gateway in mandatory:
            net.create_route(table, destination, gateway)
        # Not from the firewall's own subnet, whose table would send the packets back to it.
        firewall = site.firewall
        if firewall is not None and az is not None and firewall.availability_zone == self.zones[az]:
            firewall = None
        for destination in site.on_premises[: max(0, size - len(table.routes))]:
            draw = rng.random()
            target: object
            if draw < (0.1 if site.is_hub else 0.25):
                target = retired
            elif site.is_hub:
                target = firewall if firewall is not None and draw < 0.3 else self.vpn_gateway
            else:
                target = site.peerings[0]
            net.create_route(table, destination, target)


def _if(condition: bool, *entries: _Entry) -> list[_Entry]:
    """The entries when ``condition`` holds (the IPv6 ones of an IPv6 estate), else none."""
    return list(entries) if condition else []


def _allow(net: Network, group: SecurityGroup, rules: list[tuple[str, _Ports, _Peer]]) -> None:
    """Inbound rules, each from a CIDR, a security group or a prefix list."""
    for protocol, ports, peer in rules:
        if isinstance(peer, SecurityGroup):
            net.authorize_security_group_ingress(group, protocol=protocol, ports=ports, source_group=peer)
        elif isinstance(peer, ManagedPrefixList):
            net.authorize_security_group_ingress(group, protocol=protocol, ports=ports, prefix_list=peer)
        else:
            net.authorize_security_group_ingress(group, protocol=protocol, ports=ports, cidr=peer)


def _network_acl(net: Network, vpc: Vpc, name: str, *, ingress: list[_Entry], egress: list[_Entry]) -> NetworkAcl:
    """A custom network ACL with these entries."""
    acl = net.create_network_acl(vpc, name=name)
    for is_egress, entries in ((False, ingress), (True, egress)):
        for number, protocol, action, cidr, ports in entries:
            icmp = ports if protocol in ("icmp", "icmpv6") and isinstance(ports, tuple) else None
            net.create_network_acl_entry(
                acl,
                rule_number=number,
                egress=is_egress,
                protocol=protocol,
                action=action,
                cidr=cidr,
                ports=None if icmp else ports,
                icmp_type_code=icmp,
            )
    return acl
