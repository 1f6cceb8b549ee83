"""Stateful property test of vpcsim.network: random sequences of valid and invalid EC2 operations on a Network.

Every operation either succeeds or raises :class:`vpcsim.AwsError` with a code and leaves the network unchanged
(SPEC X); any other exception fails the test. Where the outcome is certain from AWS's rules (sizes, overlaps, quotas,
limits, missing resources), the machine also checks that vpcsim accepts what AWS accepts and refuses what AWS
refuses. After every step the model invariants below must hold (R1, R4, R6, N3, E1-E4, P1, P2, I5, graph size).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable, Iterable
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition, rule

import vpcsim
from vpcsim.addr import IPNetwork

# Small quotas so that the limits are hit often (SPEC G7, N5).
QUOTAS = vpcsim.Quotas(rules_per_security_group=3, security_groups_per_interface=2, network_acl_rules=3)
AZS = ("us-east-1a", "us-east-1b")
INSTANCE_TYPES = ("t2.micro", "m5.large")

# Where VPC blocks are carved from. No block falls in 10.0.0.0/15, 172.31.0.0/16 or 198.19.0.0/16: AWS restricts
# those with rules of their own that this machine does not model.
PARENTS = tuple(
    ipaddress.IPv4Network(n) for n in ("10.8.0.0/13", "172.16.0.0/13", "192.168.0.0/16", "100.64.0.0/10")
)
RESERVED_PARENTS = tuple(ipaddress.IPv4Network(n) for n in ("127.0.0.0/8", "169.254.0.0/16"))
FORBIDDEN_VPC_RANGES = tuple(
    ipaddress.IPv4Network(n) for n in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
EXTERNAL = ipaddress.IPv4Network("198.51.0.0/16")
ANY_V4, ANY_V6 = ipaddress.IPv4Network("0.0.0.0/0"), ipaddress.IPv6Network("::/0")

# Small pools of rule fields, so duplicates and quota overflows are common.
SG_PERMISSIONS = {"ssh": ("tcp", 22), "alt-http": ("tcp", (8000, 8100)), "dns": ("udp", 53), "ping": ("icmp", None)}
SG_PEERS = ("0.0.0.0/0", "10.0.0.0/8", "::/0", "self")
NACL_NUMBERS = (100, 101, 110, 200)
NACL_PERMISSIONS = {"http": ("tcp", (80, 80)), "dns": ("udp", (53, 53)), "ping": ("icmp", None), "all": ("-1", None)}
NACL_CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "::/0")
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "-1": -1}

# Expectations: OK (must succeed), a frozenset of acceptable error codes, or None (no opinion).
OK = "ok"
ANY_CODE = "*"
NOT_FOUND = "*.NotFound"
Expectation = str | frozenset[str] | None

slots = st.integers(0, 63)
vpc_prefixes = st.sampled_from([*range(16, 29), 8, 15, 29, 32])  # about one in four is not /16../28


def carve(parent: IPNetwork, prefix: int, slot: int) -> IPNetwork:
    """The ``slot``-th block of length ``prefix`` inside ``parent`` (its supernet when ``prefix`` is shorter)."""
    if prefix <= parent.prefixlen:
        return parent.supernet(new_prefix=prefix)
    count = 2 ** (prefix - parent.prefixlen)
    size = 2 ** (parent.max_prefixlen - prefix)
    return ipaddress.ip_network((int(parent.network_address) + (slot % count) * size, prefix))


vpc_cidrs = st.builds(carve, st.sampled_from(PARENTS * 3 + RESERVED_PARENTS), vpc_prefixes, slots)


def pick(items: list[Any], slot: int) -> Any:
    return items[slot % len(items)] if items else None


def expect_problems(problems: Iterable[str]) -> Expectation:
    """OK when nothing is wrong, else any of the codes AWS could answer first."""
    found = frozenset(problems)
    return found or OK


def vpc_cidr_is_valid(cidr: ipaddress.IPv4Network) -> bool:
    return 16 <= cidr.prefixlen <= 28 and not any(cidr.overlaps(bad) for bad in FORBIDDEN_VPC_RANGES)


def rfc1918_range(cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network | None:
    return next((r for r in RFC1918 if cidr.overlaps(r)), None)


def within(inner: IPNetwork, outer: IPNetwork) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def is_reserved(subnet_cidr: IPNetwork, address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """SPEC E4: the first four addresses and the last one of a subnet CIDR."""
    offset = int(address) - int(subnet_cidr.network_address)
    return offset in (0, 1, 2, 3) or address == subnet_cidr.broadcast_address


class NetworkMachine(RuleBasedStateMachine):
    vpcs = Bundle("vpcs")
    subnets = Bundle("subnets")
    route_tables = Bundle("route_tables")
    route_table_associations = Bundle("route_table_associations")
    internet_gateways = Bundle("internet_gateways")
    security_groups = Bundle("security_groups")
    network_acls = Bundle("network_acls")
    instances = Bundle("instances")
    network_interfaces = Bundle("network_interfaces")
    elastic_ips = Bundle("elastic_ips")
    nat_gateways = Bundle("nat_gateways")
    peerings = Bundle("peerings")

    def __init__(self) -> None:
        super().__init__()
        self.net = vpcsim.Network(seed=0, quotas=QUOTAS)

    # ------------------------------------------------------------------ helpers

    def call(self, operation: Callable[..., Any], *args: Any, expect: Expectation = None, **kwargs: Any) -> Any:
        """Run one operation; a refusal must be an AwsError with a code that changed nothing (SPEC X)."""
        name = operation.__name__
        before, version = self.net.snapshot(), self.net.version
        try:
            result = operation(*args, **kwargs)
        except vpcsim.AwsError as err:
            assert isinstance(err.code, str), f"{name} raised an AwsError whose code is {err.code!r}"
            assert err.code, f"{name} raised an AwsError with an empty code: {err}"
            after = self.net.snapshot()
            changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
            assert after == before, f"{name} was refused ({err}) but changed {changed}"
            assert self.net.version == version, f"{name} was refused ({err}) but bumped the network version"
            assert expect != OK, f"{name} refused an operation AWS accepts: {err}"
            if isinstance(expect, frozenset) and ANY_CODE not in expect:
                matches = err.code in expect or (NOT_FOUND in expect and err.code.endswith("NotFound"))
                assert matches, f"{name} raised {err.code}, expected one of {sorted(expect)}: {err}"
            return None
        assert expect is None or expect == OK, f"{name} accepted an operation AWS refuses with {sorted(expect)}"
        return result

    def gone(self, *resources: Any) -> bool:
        return any(r not in self.net for r in resources)

    def interfaces(self) -> list[vpcsim.NetworkInterface]:
        return self.net.network_interfaces

    def free_ipv4(self, subnet: vpcsim.Subnet) -> int:
        used = sum(len(e.private_ip_addresses) for e in self.interfaces() if e.subnet is subnet)
        return subnet.cidr_block.num_addresses - 5 - used

    def has_internet_gateway(self, vpc: vpcsim.Vpc) -> bool:
        return any(g.vpc is vpc for g in self.net.internet_gateways)

    def group_problems(self, vpc: vpcsim.Vpc, groups: list[vpcsim.SecurityGroup]) -> set[str]:
        problems = set()
        if any(g not in self.net or g.vpc is not vpc for g in groups):
            problems.add("InvalidGroup.NotFound")
        if len(set(groups)) > QUOTAS.security_groups_per_interface:
            problems.add("SecurityGroupsPerInterfaceLimitExceeded")
        return problems

    def associations(self) -> dict[str, Any]:
        """Explicit route table association id -> the subnet or gateway holding it."""
        owners: dict[str, Any] = {}
        for subnet in self.net.subnets:
            if subnet.route_table_association is not None:
                owners[subnet.route_table_association.id] = subnet
        for igw in self.net.internet_gateways:
            if igw.edge_association is not None:
                owners[igw.edge_association.id] = igw
        return owners

    def is_gateway_table(self, table: vpcsim.RouteTable) -> bool:
        return any(g.edge_association is not None and g.edge_association.route_table is table for g in self.net.internet_gateways)

    @staticmethod
    def keep(resource: Any) -> Any:
        return multiple() if resource is None else resource

    # ------------------------------------------------------------------ VPCs

    @initialize(target=vpcs, cidr=vpc_cidrs.filter(vpc_cidr_is_valid) | st.just(PARENTS[0].supernet(new_prefix=8).subnets(new_prefix=16).__next__()), ipv6=st.booleans())
    def first_vpc(self, cidr: ipaddress.IPv4Network, ipv6: bool) -> vpcsim.Vpc:
        return self.net.create_vpc(str(cidr), amazon_provided_ipv6_cidr_block=ipv6)
