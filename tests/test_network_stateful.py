"""Stateful property test of vpcsim.network: random sequences of valid and invalid EC2 operations on a Network.

Every operation either succeeds or raises :class:`vpcsim.AwsError` with a code and leaves the network unchanged
(SPEC X); any other exception fails the test. Where AWS's answer is certain (sizes, overlaps, quotas, limits,
missing resources) the machine also checks that vpcsim accepts what AWS accepts and refuses what AWS refuses.
After every step the model invariants must hold (R1, R4, R6, N3, E1-E4, P1, P2, I5 and a linear graph).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, multiple, precondition, rule

import vpcsim
from vpcsim.addr import IPAddress, IPNetwork

# Small quotas so that the limits are hit often (SPEC G7, N5).
QUOTAS = vpcsim.Quotas(rules_per_security_group=3, security_groups_per_interface=2, network_acl_rules=3)
AZS = ("us-east-1a", "us-east-1b")
INSTANCE_TYPES = ("t2.micro", "m5.large")

# Where VPC blocks are carved from. None falls in 10.0.0.0/15, 172.31.0.0/16 or 198.19.0.0/16, ranges AWS restricts
# with rules of their own that this machine does not model.
PARENTS = tuple(ipaddress.IPv4Network(n) for n in ("10.8.0.0/13", "172.16.0.0/13", "192.168.0.0/16", "100.64.0.0/10"))
RESERVED_PARENTS = tuple(ipaddress.IPv4Network(n) for n in ("127.0.0.0/8", "169.254.0.0/16"))
FORBIDDEN_VPC_RANGES = tuple(
    ipaddress.IPv4Network(n) for n in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
)
RFC1918 = tuple(ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
EXTERNAL = ipaddress.IPv4Network("198.51.0.0/16")  # outside every VPC this machine makes
FOREIGN_IPV6 = ipaddress.IPv6Network("2001:db8::/56")  # outside Amazon's pool
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
ANY_IPV4, ANY_IPV6 = ipaddress.IPv4Network("0.0.0.0/0"), ipaddress.IPv6Network("::/0")

# Small pools of rule fields, so that duplicates and quota overflows are common.
PROTOCOL_NUMBERS = {"tcp": 6, "udp": 17, "icmp": 1, "-1": -1}
SG_PERMISSIONS = {
    "ssh": ("tcp", 22),
    "alt-http": ("tcp", (8000, 8100)),
    "dns": ("udp", 53),
    "ping": ("icmp", (8, -1)),
    "any-icmp": ("icmp", (-1, -1)),
    "all": ("-1", None),
}
SG_PEERS = ("0.0.0.0/0", "10.0.0.0/8", "::/0", "self")
NACL_NUMBERS = (100, 101, 110, 200)
NACL_PERMISSIONS = {
    "http": ("tcp", (80, 80)),
    "dns": ("udp", (53, 53)),
    "ping": ("icmp", (8, -1)),
    "all": ("-1", None),
}
NACL_CIDRS = ("0.0.0.0/0", "10.0.0.0/8", "::/0")
ROUTE_DESTINATIONS = (
    "default",
    "default",
    "ipv6-default",
    "external",
    "neighbour",
    "covering",
    "vpc-block",
    "subnet",
    "subnet",
    "inside",
)

# What a rule expects: OK (AWS accepts it), a frozenset of the codes AWS could answer first, or None (no opinion).
OK = "ok"
ANY_CODE = "*"
NOT_FOUND = "*NotFound"  # any resource-not-found code (InvalidVpcID.NotFound, NatGatewayNotFound, ...)
Expectation = str | frozenset[str] | None

slots = st.integers(0, 63)


def carve(parent: IPNetwork, prefix: int, slot: int) -> IPNetwork:
    """The ``slot``-th block of length ``prefix`` inside ``parent`` (the covering supernet when shorter)."""
    if prefix <= parent.prefixlen:
        return parent.supernet(new_prefix=prefix)
    prefix = min(prefix, parent.max_prefixlen)
    count = 2 ** (prefix - parent.prefixlen)
    size = 2 ** (parent.max_prefixlen - prefix)
    return ipaddress.ip_network((int(parent.network_address) + (slot % count) * size, prefix))


# Mostly roomy blocks, so that subnets, instances and NAT gateways fit; /28 makes address exhaustion reachable.
vpc_sizes = st.sampled_from([16, 16, 17, 18, 19, 20, 21, 22, 23, 24, 26, 28])
valid_vpc_cidrs = st.builds(carve, st.sampled_from(PARENTS), vpc_sizes, slots)
# About one block in six is refused: a size outside /16../28 or a reserved range.
vpc_cidrs = st.one_of(
    valid_vpc_cidrs,
    valid_vpc_cidrs,
    st.builds(carve, st.sampled_from(PARENTS * 2 + RESERVED_PARENTS), st.sampled_from([8, 15, 16, 29, 32]), slots),
)
# Subnet sizes: the VPC block itself when that is smaller; /29 and /32 are too small (InvalidSubnet.Range).
subnet_sizes = st.sampled_from([*range(16, 29), 24, 24, 26, 26, 28, 28, 29, 32])


def pick(items: list[Any], slot: int) -> Any:
    return items[slot % len(items)] if items else None


def flag(code: str, condition: bool) -> set[str]:
    return {code} if condition else set()


def verdict(problems: Iterable[str]) -> Expectation:
    """OK when nothing is wrong, else any of the codes AWS could answer first."""
    found = frozenset(problems)
    return found or OK


def vpc_cidr_is_valid(cidr: ipaddress.IPv4Network) -> bool:
    return 16 <= cidr.prefixlen <= 28 and not any(cidr.overlaps(bad) for bad in FORBIDDEN_VPC_RANGES)


def rfc1918_range(cidr: ipaddress.IPv4Network) -> ipaddress.IPv4Network | None:
    return next((r for r in RFC1918 if cidr.overlaps(r)), None)


def home_parent(vpc: vpcsim.Vpc) -> ipaddress.IPv4Network:
    return next((p for p in PARENTS if vpc.cidr_block.subnet_of(p)), PARENTS[0])


def within(inner: IPNetwork, outer: IPNetwork) -> bool:
    return inner.version == outer.version and inner.subnet_of(outer)  # type: ignore[arg-type]


def overlaps(cidr: IPNetwork, others: Iterable[IPNetwork]) -> bool:
    return any(cidr.version == o.version and cidr.overlaps(o) for o in others)  # type: ignore[arg-type]


def is_reserved(cidr: IPNetwork, address: IPAddress) -> bool:
    """SPEC E4: the first four addresses and the last one of a subnet CIDR are AWS's."""
    return int(address) - int(cidr.network_address) in (0, 1, 2, 3) or address == cidr.broadcast_address


def sg_rule_key(protocol: str, ports: object, peer: str, group: vpcsim.SecurityGroup) -> tuple[Any, ...]:
    """What makes two SG rules the same rule (InvalidPermission.Duplicate)."""
    number = PROTOCOL_NUMBERS[protocol]
    if number == -1:
        low = high = None
    else:
        low, high = ports if isinstance(ports, tuple) else (ports, ports)
    return (number, low, high, group.id if peer == "self" else str(ipaddress.ip_network(peer)))


def existing_sg_rule_key(rule: vpcsim.SecurityGroupRule) -> tuple[Any, ...]:
    return (rule.protocol, rule.from_port, rule.to_port, str(rule.cidr) if rule.cidr else rule.group_id)


def sg_rule_families(cidr: IPNetwork | None) -> set[int]:
    """G7: a rule counts against the IPv4 or IPv6 quota; one referencing a group counts against both."""
    return {4, 6} if cidr is None else {cidr.version}


class NetworkMachine(RuleBasedStateMachine):
    """Drives a ``Network(seed=0)`` with small quotas through random valid and invalid operations."""

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
        self.groups_seen: list[vpcsim.SecurityGroup] = []  # every SG ever made, deleted ones included

    # ------------------------------------------------------------------ helpers

    def call(self, operation: Callable[..., Any], *args: Any, expect: Expectation = None, **kwargs: Any) -> Any:
        """Run one operation; a refusal must be an AwsError with a code, and must change nothing (SPEC X)."""
        name = operation.__name__
        before, version = self.net.snapshot(), self.net.version
        try:
            result = operation(*args, **kwargs)
        except vpcsim.AwsError as exc:  # any other exception fails the test as it is
            error = exc
        else:
            assert expect is None or expect == OK, f"{name} accepted an operation AWS refuses ({sorted(expect)})"
            return result
        assert isinstance(error.code, str), f"{name} raised an AwsError whose code is {error.code!r}"
        assert error.code, f"{name} raised an AwsError with an empty code: {error}"
        after = self.net.snapshot()
        changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        assert after == before, f"{name} was refused ({error}) but changed {changed}"
        assert self.net.version == version, f"{name} was refused ({error}) but bumped the network version"
        assert expect != OK, f"{name} refused an operation AWS accepts: {error}"
        if isinstance(expect, frozenset) and ANY_CODE not in expect:
            matches = error.code in expect or (NOT_FOUND in expect and error.code.endswith("NotFound"))
            assert matches, f"{name} raised {error.code}, expected one of {sorted(expect)}: {error}"
        return None

    def gone(self, *resources: Any) -> bool:
        return any(r not in self.net for r in resources)

    def free_ipv4(self, subnet: vpcsim.Subnet) -> int:
        used = sum(len(e.private_ip_addresses) for e in self.net.network_interfaces if e.subnet is subnet)
        return subnet.cidr_block.num_addresses - 5 - used

    def has_internet_gateway(self, vpc: vpcsim.Vpc) -> bool:
        return any(g.vpc is vpc for g in self.net.internet_gateways)

    def nat_owning(self, eip: vpcsim.ElasticIp) -> vpcsim.NatGateway | None:
        return next((n for n in self.net.nat_gateways if n.elastic_ip is eip), None)

    def chosen_groups(self, group_slots: list[int]) -> list[vpcsim.SecurityGroup] | None:
        """SGs for a new ENI by index into every SG seen (deleted and other-VPC ones included); None = default."""
        picked = [pick(self.groups_seen, s) for s in group_slots]
        return [g for g in picked if g is not None] or None

    def group_problems(self, vpc: vpcsim.Vpc, groups: list[vpcsim.SecurityGroup] | None) -> set[str]:
        problems: set[str] = set()
        if groups is None:
            return problems
        if any(g not in self.net for g in groups):
            problems.add("InvalidGroup.NotFound")
        if any(g in self.net and g.vpc is not vpc for g in groups):
            # AWS: "Security group sg-... and subnet subnet-... belong to different networks".
            problems |= {"InvalidParameter", "InvalidGroup.NotFound"}
        if len(set(groups)) > QUOTAS.security_groups_per_interface:
            problems.add("SecurityGroupsPerInterfaceLimitExceeded")
        return problems

    def association_owners(self) -> dict[str, vpcsim.Subnet | vpcsim.InternetGateway]:
        """Explicit route table association id -> the subnet or gateway that holds it."""
        owners: dict[str, vpcsim.Subnet | vpcsim.InternetGateway] = {}
        for subnet in self.net.subnets:
            if subnet.route_table_association is not None:
                owners[subnet.route_table_association.id] = subnet
        for igw in self.net.internet_gateways:
            if igw.edge_association is not None:
                owners[igw.edge_association.id] = igw
        return owners

    def associated_tables(self) -> dict[str, list[vpcsim.Subnet | vpcsim.InternetGateway]]:
        tables: dict[str, list[vpcsim.Subnet | vpcsim.InternetGateway]] = {}
        for owner in self.association_owners().values():
            association = (
                owner.route_table_association if isinstance(owner, vpcsim.Subnet) else owner.edge_association
            )
            assert association is not None
            tables.setdefault(association.route_table.id, []).append(owner)
        return tables

    def is_gateway_table(self, table: vpcsim.RouteTable) -> bool:
        owners = self.associated_tables().get(table.id, [])
        return any(isinstance(o, vpcsim.InternetGateway) for o in owners)

    def subnet_cidrs(self, vpc: vpcsim.Vpc) -> list[IPNetwork]:
        return [c for s in self.net.subnets if s.vpc is vpc for c in s.cidrs]

    @staticmethod
    def keep(resource: Any) -> Any:
        return multiple() if resource is None else resource

    # ------------------------------------------------------------------ VPCs

    # Two VPCs to start with, so that peerings, cross-VPC mistakes and deletions are reachable early.
    @initialize(target=vpcs, cidr=valid_vpc_cidrs, ipv6=st.booleans())
    def first_vpc(self, cidr: ipaddress.IPv4Network, ipv6: bool) -> vpcsim.Vpc:
        return self.call(self.net.create_vpc, str(cidr), amazon_provided_ipv6_cidr_block=ipv6, expect=OK)

    @initialize(target=vpcs, cidr=valid_vpc_cidrs, ipv6=st.booleans())
    def second_vpc(self, cidr: ipaddress.IPv4Network, ipv6: bool) -> vpcsim.Vpc:
        return self.call(self.net.create_vpc, str(cidr), amazon_provided_ipv6_cidr_block=ipv6, expect=OK)

    @precondition(lambda self: len(self.net.vpcs) < 4)
    @rule(target=vpcs, cidr=vpc_cidrs, ipv6=st.booleans())
    def create_vpc(self, cidr: ipaddress.IPv4Network, ipv6: bool) -> Any:
        expect = OK if vpc_cidr_is_valid(cidr) else frozenset({"InvalidVpc.Range"})
        return self.keep(
            self.call(self.net.create_vpc, str(cidr), amazon_provided_ipv6_cidr_block=ipv6, expect=expect)
        )

    @precondition(lambda self: len(self.net.vpcs) > 1)  # keep one VPC to build in
    @rule(vpc=vpcs)
    def delete_vpc(self, vpc: vpcsim.Vpc) -> None:
        defaults = {vpc.main_route_table.id, vpc.default_network_acl.id, vpc.default_security_group.id}
        dependents = [r for r in self.net if r.id not in defaults and getattr(r, "vpc", None) is vpc]
        if self.gone(vpc):
            expect: Expectation = frozenset({NOT_FOUND})
        elif dependents:
            expect = frozenset({"DependencyViolation"})
        else:  # whether a peering blocks DeleteVpc is not documented
            expect = None if any(p.joins(vpc) for p in self.net.vpc_peering_connections) else OK
        self.call(self.net.delete_vpc, vpc, expect=expect)

    def secondary_cidr_verdict(self, vpc: vpcsim.Vpc, cidr: ipaddress.IPv4Network) -> Expectation:
        """The AWS rules for adding an IPv4 block (VPC guide, "Add IPv4 CIDR blocks"); None when AWS's answer is
        not a refusal of the call (an overlapping accepter makes the pending peering fail instead)."""
        refused = not vpc_cidr_is_valid(cidr) or overlaps(cidr, vpc.cidr_blocks)
        refused |= len(vpc.cidr_blocks) >= QUOTAS.ipv4_cidr_blocks_per_vpc
        # RFC 1918 blocks mix only within the primary block's range; a public primary takes no RFC 1918 block.
        new_range = rfc1918_range(cidr)
        refused |= new_range is not None and new_range != rfc1918_range(vpc.cidr_block)
        # The block must not be the same as or larger than the destination of a route in the VPC's tables.
        refused |= any(
            r.origin != "CreateRouteTable" and r.destination is not None and within(r.destination, cidr)
            for t in self.net.route_tables
            if t.vpc is vpc
            for r in t.routes
        )
        undecided = False
        for pcx in self.net.vpc_peering_connections:
            if not pcx.joins(vpc):
                continue
            clash = overlaps(cidr, pcx.peer_of(vpc).cidrs)
            if pcx.status == "active":
                refused |= clash
            elif pcx.status == "pending-acceptance":
                refused |= pcx.requester_vpc is vpc
                undecided |= clash
        if refused:
            return frozenset({ANY_CODE})
        return None if undecided else OK

    @rule(
        vpc=vpcs,
        kind=st.sampled_from(["same", "same", "any", "ipv6", "over-route", "peer", "peer"]),
        parent=st.sampled_from(PARENTS),
        prefix=st.sampled_from([*range(16, 29), 15, 29]),
        slot=slots,
    )
    def associate_vpc_cidr_block(
        self, vpc: vpcsim.Vpc, kind: str, parent: ipaddress.IPv4Network, prefix: int, slot: int
    ) -> None:
        if kind == "ipv6":
            # AWS may grant more Amazon-provided blocks than one: only the first is certain.
            expect = frozenset({NOT_FOUND}) if self.gone(vpc) else (None if vpc.ipv6_cidr_block else OK)
            self.call(self.net.associate_vpc_cidr_block, vpc, amazon_provided_ipv6_cidr_block=True, expect=expect)
            return
        # Blocks made to meet the rules: around a route's destination, or overlapping a peer VPC's block.
        routed = [
            r.destination
            for t in self.net.route_tables
            if t.vpc is vpc
            for r in t.routes
            if r.origin != "CreateRouteTable" and r.destination is not None and r.destination.prefixlen >= 16
        ]
        peers = [c for p in self.net.vpc_peering_connections if p.joins(vpc) for c in p.peer_of(vpc).cidr_blocks]
        if kind == "over-route" and pick(routed, slot) is not None and pick(routed, slot).version == 4:
            destination = pick(routed, slot)
            cidr = carve(destination, max(16, destination.prefixlen - prefix % 4), slot)
        elif kind == "peer" and peers:
            cidr = carve(pick(peers, slot), prefix, slot)
        else:
            cidr = carve(parent if kind == "any" else home_parent(vpc), prefix, slot)
        assert isinstance(cidr, ipaddress.IPv4Network)
        expect = frozenset({NOT_FOUND}) if self.gone(vpc) else self.secondary_cidr_verdict(vpc, cidr)
        self.call(self.net.associate_vpc_cidr_block, vpc, str(cidr), expect=expect)

    @rule(vpc=vpcs, slot=slots)
    def disassociate_vpc_cidr_block(self, vpc: vpcsim.Vpc, slot: int) -> None:
        cidr = vpc.cidr_block if slot == 0 else pick(vpc.cidrs[1:] or vpc.cidrs, slot)  # the primary now and then
        redirected = any(
            r.destination == cidr and r.origin == "CreateRouteTable" and r.target != "local"
            for t in self.net.route_tables
            if t.vpc is vpc
            for r in t.routes
        )
        if self.gone(vpc):
            expect: Expectation = frozenset({NOT_FOUND})
        elif cidr == vpc.cidr_block or any(within(c, cidr) for c in self.subnet_cidrs(vpc)):
            expect = frozenset({ANY_CODE})  # the primary block, or a block a subnet uses
        else:
            expect = None if redirected else OK  # a local route sent to a middlebox: AWS's answer is not documented
        self.call(self.net.disassociate_vpc_cidr_block, vpc, str(cidr), expect=expect)

    # ------------------------------------------------------------------ subnets

    @rule(
        target=subnets,
        vpc=vpcs,
        shape=st.sampled_from(["carve", "carve", "carve", "carve", "sibling", "outside", "straddle"]),
        block_slot=slots,
        size=subnet_sizes,
        slot=slots,
        az=st.sampled_from([*AZS, *AZS, "us-west-2a"]),
        ipv6=st.sampled_from(["none", "none", "carve", "carve", "carve", "foreign"]),
        public=st.booleans(),
    )
    def create_subnet(
        self,
        vpc: vpcsim.Vpc,
        shape: str,
        block_slot: int,
        size: int,
        slot: int,
        az: str,
        ipv6: str,
        public: bool,
    ) -> Any:
        block = pick(vpc.cidr_blocks, block_slot)
        siblings = [s for s in self.net.subnets if s.vpc is vpc]
        sibling = pick(siblings, slot)
        if shape == "sibling" and sibling is not None:
            cidr = carve(
                sibling.cidr_block, sibling.cidr_block.prefixlen - 2 + size % 5, slot
            )  # InvalidSubnet.Conflict
        elif shape == "outside":
            cidr = carve(EXTERNAL, size, slot)  # InvalidSubnet.Range
        elif shape == "straddle":
            cidr = block.supernet()  # InvalidSubnet.Range: half outside the block
        else:
            cidr = carve(block, max(size, block.prefixlen), slot)  # inside; /29 and /32 are InvalidSubnet.Range
        ipv6_cidr = None
        if ipv6 == "carve" and vpc.ipv6_cidr_block is not None:
            ipv6_cidr = carve(vpc.ipv6_cidr_block, 64, slot)
        elif ipv6 == "foreign":
            ipv6_cidr = carve(FOREIGN_IPV6, 64, slot)  # InvalidSubnet.Range: not in the VPC's block
        problems = set()
        if not any(within(cidr, b) for b in vpc.cidr_blocks) or not 16 <= cidr.prefixlen <= 28:
            problems.add("InvalidSubnet.Range")
        if overlaps(cidr, [s.cidr_block for s in siblings]):
            problems.add("InvalidSubnet.Conflict")
        if az not in AZS:
            problems.add("InvalidParameterValue")
        if ipv6_cidr is not None:
            if vpc.ipv6_cidr_block is None or not within(ipv6_cidr, vpc.ipv6_cidr_block):
                problems.add("InvalidSubnet.Range")
            if overlaps(ipv6_cidr, [s.ipv6_cidr_block for s in siblings if s.ipv6_cidr_block is not None]):
                problems.add("InvalidSubnet.Conflict")
        subnet = self.call(
            self.net.create_subnet,
            vpc,
            str(cidr),
            az=az,
            ipv6_cidr_block=None if ipv6_cidr is None else str(ipv6_cidr),
            assign_ipv6_address_on_creation=ipv6_cidr is not None,
            map_public_ip_on_launch=public,
            expect=frozenset({NOT_FOUND}) if self.gone(vpc) else verdict(problems),
        )
        return self.keep(subnet)

    @rule(target=subnets, vpc=vpcs, slot=slots)
    def subnet_of(self, vpc: vpcsim.Vpc, slot: int) -> Any:
        return self.keep(pick([s for s in self.net.subnets if s.vpc is vpc], slot))

    @rule(subnet=subnets)
    def delete_subnet(self, subnet: vpcsim.Subnet) -> None:
        in_use = any(e.subnet is subnet for e in self.net.network_interfaces)
        expect = frozenset({NOT_FOUND}) if self.gone(subnet) else verdict({"DependencyViolation"} if in_use else ())
        self.call(self.net.delete_subnet, subnet, expect=expect)

    # ------------------------------------------------------------------ route tables (R1)

    @rule(target=route_tables, vpc=vpcs)
    def create_route_table(self, vpc: vpcsim.Vpc) -> Any:
        expect = frozenset({NOT_FOUND}) if self.gone(vpc) else OK
        return self.keep(self.call(self.net.create_route_table, vpc, expect=expect))

    @rule(target=route_tables, vpc=vpcs)
    def main_route_table_of(self, vpc: vpcsim.Vpc) -> Any:
        return multiple() if self.gone(vpc) else vpc.main_route_table

    @rule(target=route_table_associations, table=route_tables, subnet=subnets)
    def associate_route_table(self, table: vpcsim.RouteTable, subnet: vpcsim.Subnet) -> Any:
        problems = set()
        if subnet.vpc is not table.vpc:
            problems.add("InvalidParameterValue")
        if subnet.route_table_association is not None:
            problems.add("Resource.AlreadyAssociated")
        if self.gone(table, subnet):
            expect: Expectation = frozenset({NOT_FOUND})
        else:
            expect = None if self.is_gateway_table(table) and not problems else verdict(problems)
        return self.keep(self.call(self.net.associate_route_table, table, subnet, expect=expect))

    @rule(target=route_table_associations, table=route_tables, igw=internet_gateways)
    def associate_gateway_route_table(self, table: vpcsim.RouteTable, igw: vpcsim.InternetGateway) -> Any:
        problems = set()
        if igw.vpc is not table.vpc:
            problems.add("Gateway.NotAttached")
        if igw.edge_association is not None:
            problems.add("Resource.AlreadyAssociated")
        if table.is_main:
            problems.add("InvalidParameterValue")
        subnet_cidrs = set(self.subnet_cidrs(table.vpc))
        for route in table.routes:
            # SPEC R7: a gateway table routes the VPC CIDR or a whole subnet CIDR to local or an ENI.
            allowed = route.destination in table.vpc.cidrs or route.destination in subnet_cidrs
            if route.target != "local" and not (allowed and route.target.startswith("eni-")):
                problems.add("InvalidParameterValue")
        if self.gone(table, igw):
            expect: Expectation = frozenset({NOT_FOUND})
        elif table.id in self.associated_tables() and not problems:
            expect = None  # a table already serving subnets: AWS's answer is not documented
        else:
            expect = verdict(problems)
        return self.keep(self.call(self.net.associate_route_table, table, igw, expect=expect))

    @rule(association=route_table_associations)
    def disassociate_route_table(self, association: str) -> None:
        current = association in self.association_owners()
        self.call(
            self.net.disassociate_route_table,
            association,
            expect=OK if current else frozenset({"InvalidAssociationID.NotFound"}),
        )

    @rule(vpc=vpcs)
    def disassociate_main_route_table(self, vpc: vpcsim.Vpc) -> None:
        # SPEC R1: the main association can only be replaced.
        self.call(
            self.net.disassociate_route_table, vpc.main_route_table_association_id, expect=frozenset({ANY_CODE})
        )

    @rule(target=route_table_associations, association=route_table_associations, table=route_tables)
    def replace_route_table_association(self, association: str, table: vpcsim.RouteTable) -> Any:
        owner = self.association_owners().get(association)
        problems = set()
        if self.gone(table):
            problems.add(NOT_FOUND)
        if owner is None:
            problems.add("InvalidAssociationID.NotFound")
        elif owner.vpc is not table.vpc:
            problems.add("InvalidParameterValue")
        gateway = isinstance(owner, vpcsim.InternetGateway)
        expect = None if gateway and not problems else verdict(problems)
        return self.keep(self.call(self.net.replace_route_table_association, association, table, expect=expect))

    @rule(vpc=vpcs, table=route_tables)
    def replace_main_route_table(self, vpc: vpcsim.Vpc, table: vpcsim.RouteTable) -> None:
        problems = set()
        if self.gone(table):
            problems.add(NOT_FOUND)
        if self.gone(vpc):
            problems.add("InvalidAssociationID.NotFound")
        elif table.vpc is not vpc:
            problems.add("InvalidParameterValue")
        expect = None if self.is_gateway_table(table) and not problems else verdict(problems)
        self.call(self.net.replace_route_table_association, vpc.main_route_table_association_id, table, expect=expect)

    @rule(table=route_tables)
    def delete_route_table(self, table: vpcsim.RouteTable) -> None:
        in_use = table.is_main or table.id in self.associated_tables()
        expect = frozenset({NOT_FOUND}) if self.gone(table) else verdict({"DependencyViolation"} if in_use else ())
        self.call(self.net.delete_route_table, table, expect=expect)

    # ------------------------------------------------------------------ routes (R4, R6)

    def route_destination(self, table: vpcsim.RouteTable, kind: str, bits: int, slot: int) -> IPNetwork:
        vpc = table.vpc
        block = pick(vpc.cidr_blocks, slot)
        subnet_cidrs = self.subnet_cidrs(vpc)
        if kind == "default":
            return ANY_IPV4
        if kind == "ipv6-default":
            return ANY_IPV6
        if kind == "external":
            return carve(EXTERNAL, 16 + bits, slot)
        if kind == "neighbour":  # same address space as the VPC, maybe a peer's block
            return carve(home_parent(vpc), 16 + bits, slot)
        if kind == "covering":  # less specific than the local route: allowed
            return carve(block, max(8, block.prefixlen - 1 - bits), slot)
        if kind == "vpc-block":
            return pick(vpc.cidrs, slot)
        if kind == "subnet" and subnet_cidrs:  # middlebox routes (R4) when the target is a NAT gateway or an ENI
            return pick(subnet_cidrs, slot)
        return carve(block, block.prefixlen + 1 + bits, slot)  # inside the VPC, more specific than local

    def route_verdict(self, table: vpcsim.RouteTable, destination: IPNetwork, target: Any) -> Expectation:
        if self.gone(table, target):
            return frozenset({NOT_FOUND})
        vpc = table.vpc
        problems = set()
        if isinstance(target, vpcsim.InternetGateway):
            if target.vpc is not vpc:  # "route table ... and network gateway ... belong to different networks"
                problems.add("InvalidParameterValue")
        elif isinstance(target, vpcsim.NatGateway):
            if target.state != "available":
                return None  # a route to a failed NAT gateway: AWS's answer is not documented
            if target.vpc is not vpc:
                problems.add("InvalidParameterValue")
            if destination.version == 6 and not within(destination, NAT64):
                problems.add("InvalidParameterValue")  # a NAT gateway routes IPv4 (and NAT64) only
        elif isinstance(target, vpcsim.NetworkInterface):
            if target.requester_managed:
                return None  # routes to a NAT gateway's own ENI: AWS's answer is not documented
            if target.vpc is not vpc:
                problems.add("InvalidParameterValue")
        elif isinstance(target, vpcsim.Instance):
            if target.vpc is not vpc:
                problems.add("InvalidParameterValue")
            if len(target.network_interfaces) != 1:
                problems.add("InvalidInstanceID")
        elif isinstance(target, vpcsim.VpcPeeringConnection) and (
            not target.joins(vpc) or target.status not in ("active", "pending-acceptance")
        ):
            problems.add("InvalidParameterValue")
        # SPEC R4: inside the VPC only a whole subnet CIDR towards a middlebox (a NAT gateway, an ENI, or an instance
        # meaning its primary ENI, R6), never a VPC CIDR itself.
        middlebox = isinstance(target, vpcsim.NatGateway | vpcsim.NetworkInterface | vpcsim.Instance)
        subnet_cidrs = self.subnet_cidrs(vpc)
        for block in vpc.cidrs:
            if destination == block:
                problems |= {"RouteAlreadyExists", "InvalidParameterValue"}
            elif within(destination, block) and not (middlebox and destination in subnet_cidrs):
                problems.add("InvalidParameterValue")
        if any(r.destination == destination and r.origin != "EnableVgwRoutePropagation" for r in table.routes):
            problems.add("RouteAlreadyExists")
        if self.is_gateway_table(table) and not problems:
            return None  # R7 narrows what a gateway table accepts
        return verdict(problems)

    def create_route(self, table: vpcsim.RouteTable, target: Any, kind: str, bits: int, slot: int) -> None:
        destination = self.route_destination(table, kind, bits, slot)
        expect = self.route_verdict(table, destination, target)
        self.call(self.net.create_route, table, str(destination), target, expect=expect)

    route_shapes: ClassVar[dict[str, st.SearchStrategy[Any]]] = {
        "kind": st.sampled_from(ROUTE_DESTINATIONS),
        "bits": st.integers(0, 12),
        "slot": slots,
    }

    @rule(table=route_tables, igw=internet_gateways, **route_shapes)
    def create_route_to_internet_gateway(
        self, table: vpcsim.RouteTable, igw: vpcsim.InternetGateway, kind: str, bits: int, slot: int
    ) -> None:
        self.create_route(table, igw, kind, bits, slot)

    @rule(table=route_tables, nat=nat_gateways, **route_shapes)
    def create_route_to_nat_gateway(
        self, table: vpcsim.RouteTable, nat: vpcsim.NatGateway, kind: str, bits: int, slot: int
    ) -> None:
        self.create_route(table, nat, kind, bits, slot)

    @rule(table=route_tables, eni=network_interfaces, **route_shapes)
    def create_route_to_network_interface(
        self, table: vpcsim.RouteTable, eni: vpcsim.NetworkInterface, kind: str, bits: int, slot: int
    ) -> None:
        self.create_route(table, eni, kind, bits, slot)

    @rule(table=route_tables, instance=instances, **route_shapes)
    def create_route_to_instance(
        self, table: vpcsim.RouteTable, instance: vpcsim.Instance, kind: str, bits: int, slot: int
    ) -> None:
        self.create_route(table, instance, kind, bits, slot)

    @rule(table=route_tables, pcx=peerings, **route_shapes)
    def create_route_to_peering(
        self, table: vpcsim.RouteTable, pcx: vpcsim.VpcPeeringConnection, kind: str, bits: int, slot: int
    ) -> None:
        self.create_route(table, pcx, kind, bits, slot)

    @rule(table=route_tables, slot=slots, absent=st.booleans())
    def delete_route(self, table: vpcsim.RouteTable, slot: int, absent: bool) -> None:
        routes = [r for r in table.routes if r.destination is not None]
        destination = carve(EXTERNAL, 30, slot) if absent or not routes else pick(routes, slot).destination
        route = next((r for r in table.routes if r.destination == destination), None)
        if self.gone(table):
            expect: Expectation = frozenset({NOT_FOUND})
        elif route is None:
            expect = frozenset({"InvalidRoute.NotFound"})
        elif route.origin == "CreateRouteTable":
            expect = frozenset({"InvalidParameterValue"})  # SPEC R4: the local route stays
        else:
            expect = OK
        self.call(self.net.delete_route, table, str(destination), expect=expect)

    @staticmethod
    def route_to_replace(table: vpcsim.RouteTable, slot: int) -> vpcsim.Route:
        """The primary block's local route now and then, else a secondary or IPv6 local route or a static one."""
        routes = [r for r in table.routes if r.destination is not None]
        return routes[0] if slot == 0 else pick(routes[1:] or routes, slot)

    def replace_route(self, table: vpcsim.RouteTable, target: Any, slot: int) -> None:
        # Middlebox insertion on a local route (R4), or a new target for a static one.
        route = self.route_to_replace(table, slot)
        if self.gone(table, target):
            expect: Expectation = frozenset({NOT_FOUND})
        elif target.vpc is not table.vpc:
            expect = frozenset({"InvalidParameterValue"})
        else:
            expect = None
        self.call(self.net.replace_route, table, str(route.destination), target, expect=expect)

    @rule(table=route_tables, eni=network_interfaces, slot=slots)
    def replace_route_with_network_interface(
        self, table: vpcsim.RouteTable, eni: vpcsim.NetworkInterface, slot: int
    ) -> None:
        self.replace_route(table, eni, slot)

    @rule(table=route_tables, instance=instances, slot=slots)
    def replace_route_with_instance(self, table: vpcsim.RouteTable, instance: vpcsim.Instance, slot: int) -> None:
        if instance.network_interfaces:  # a terminated instance has none, and no VPC to compare
            self.replace_route(table, instance, slot)

    @rule(table=route_tables, slot=slots)
    def restore_local_route(self, table: vpcsim.RouteTable, slot: int) -> None:
        route = self.route_to_replace(table, slot)
        if self.gone(table):
            expect: Expectation = frozenset({NOT_FOUND})
        else:  # SPEC R4: only a VPC CIDR's route can point back at local
            expect = OK if route.origin == "CreateRouteTable" else frozenset({"InvalidParameterValue"})
        self.call(self.net.replace_route, table, str(route.destination), "local", expect=expect)

    # ------------------------------------------------------------------ internet gateways

    @rule(target=internet_gateways)
    def create_internet_gateway(self) -> vpcsim.InternetGateway:
        return self.call(self.net.create_internet_gateway, expect=OK)

    @rule(target=internet_gateways, vpc=vpcs)
    def internet_gateway_of(self, vpc: vpcsim.Vpc) -> Any:
        return self.keep(next((g for g in self.net.internet_gateways if g.vpc is vpc), None))

    @rule(igw=internet_gateways, vpc=vpcs)
    def attach_internet_gateway(self, igw: vpcsim.InternetGateway, vpc: vpcsim.Vpc) -> None:
        # One VPC per IGW (Resource.AlreadyAssociated); one IGW per VPC (InvalidParameterValue, "Network vpc-...
        # already has an internet gateway attached").
        problems = flag("Resource.AlreadyAssociated", igw.vpc is not None)
        problems |= flag("InvalidParameterValue", self.has_internet_gateway(vpc))
        expect = frozenset({NOT_FOUND}) if self.gone(igw, vpc) else verdict(problems)
        self.call(self.net.attach_internet_gateway, igw, vpc, expect=expect)

    @rule(igw=internet_gateways, vpc=vpcs)
    def detach_internet_gateway(self, igw: vpcsim.InternetGateway, vpc: vpcsim.Vpc) -> None:
        problems = set()
        if igw.vpc is not vpc:
            problems.add("Gateway.NotAttached")
        elif any(e.vpc is vpc and e.public_ips for e in self.net.network_interfaces):
            problems.add("DependencyViolation")  # SPEC P3: public addresses are still mapped
        expect = frozenset({NOT_FOUND}) if self.gone(igw, vpc) else verdict(problems)
        self.call(self.net.detach_internet_gateway, igw, vpc, expect=expect)

    @rule(igw=internet_gateways)
    def delete_internet_gateway(self, igw: vpcsim.InternetGateway) -> None:
        attached = igw.vpc is not None
        expect = frozenset({NOT_FOUND}) if self.gone(igw) else verdict(flag("DependencyViolation", attached))
        self.call(self.net.delete_internet_gateway, igw, expect=expect)

    # ------------------------------------------------------------------ security groups (G3, G7)

    @rule(
        target=security_groups,
        vpc=vpcs,
        group_name=st.sampled_from(["web", "db", "app", "web", "db", "default", "sg-1", ""]),
    )
    def create_security_group(self, vpc: vpcsim.Vpc, group_name: str) -> Any:
        problems = set()
        if group_name == "default":
            problems.add("InvalidGroup.Reserved")
        elif not group_name or group_name.startswith("sg-"):
            problems.add("InvalidParameterValue")
        elif any(g.vpc is vpc and g.group_name == group_name for g in self.net.security_groups):
            problems.add("InvalidGroup.Duplicate")
        expect = frozenset({NOT_FOUND}) if self.gone(vpc) else verdict(problems)
        group = self.call(self.net.create_security_group, vpc, group_name, expect=expect)
        if group is not None:
            self.groups_seen.append(group)
        return self.keep(group)

    @rule(target=security_groups, vpc=vpcs)
    def default_security_group_of(self, vpc: vpcsim.Vpc) -> Any:
        if self.gone(vpc):
            return multiple()
        self.groups_seen.append(vpc.default_security_group)
        return vpc.default_security_group

    @rule(group=security_groups)
    def delete_security_group(self, group: vpcsim.SecurityGroup) -> None:
        used = any(group in e.security_groups for e in self.net.network_interfaces)
        used |= any(
            other is not group and any(r.group_id == group.id for r in [*other.ingress, *other.egress])
            for other in self.net.security_groups
        )
        if self.gone(group):
            expect: Expectation = frozenset({NOT_FOUND})
        elif group.is_default:
            expect = frozenset({"CannotDelete"})
        else:
            expect = verdict(flag("DependencyViolation", used))
        self.call(self.net.delete_security_group, group, expect=expect)

    def sg_rule_verdict(
        self, group: vpcsim.SecurityGroup, egress: bool, permission: str, peer: str, *, adding: bool
    ) -> Expectation:
        if self.gone(group):
            return frozenset({NOT_FOUND})
        protocol, ports = SG_PERMISSIONS[permission]
        if protocol == "icmp" and peer == "::/0":
            return frozenset({"InvalidParameterValue"})  # ICMP (1) with an IPv6 peer: icmpv6 is 58
        rules = group.egress if egress else group.ingress
        present = sg_rule_key(protocol, ports, peer, group) in {existing_sg_rule_key(r) for r in rules}
        if not adding:
            return OK if present else frozenset({"InvalidPermission.NotFound"})
        families = sg_rule_families(None if peer == "self" else ipaddress.ip_network(peer))
        full = any(
            sum(1 for r in rules if family in sg_rule_families(r.cidr)) >= QUOTAS.rules_per_security_group
            for family in families
        )
        return verdict(
            flag("InvalidPermission.Duplicate", present) | flag("RulesPerSecurityGroupLimitExceeded", full)
        )

    def sg_rule_arguments(
        self, group: vpcsim.SecurityGroup, egress: bool, permission: str, peer: str
    ) -> dict[str, Any]:
        protocol, ports = SG_PERMISSIONS[permission]
        peer_field = "destination_group" if egress else "source_group"
        return {"protocol": protocol, "ports": ports, **({peer_field: group} if peer == "self" else {"cidr": peer})}

    sg_rule_shapes: ClassVar[dict[str, st.SearchStrategy[Any]]] = {
        "group": security_groups,
        "egress": st.booleans(),
        "permission": st.sampled_from(sorted(SG_PERMISSIONS)),
        "peer": st.sampled_from(SG_PEERS),
    }

    @rule(**sg_rule_shapes)
    def authorize_security_group_rule(
        self, group: vpcsim.SecurityGroup, egress: bool, permission: str, peer: str
    ) -> None:
        operation = self.net.authorize_security_group_egress if egress else self.net.authorize_security_group_ingress
        expect = self.sg_rule_verdict(group, egress, permission, peer, adding=True)
        self.call(operation, group, **self.sg_rule_arguments(group, egress, permission, peer), expect=expect)

    @rule(**sg_rule_shapes)
    def revoke_security_group_rule(
        self, group: vpcsim.SecurityGroup, egress: bool, permission: str, peer: str
    ) -> None:
        operation = self.net.revoke_security_group_egress if egress else self.net.revoke_security_group_ingress
        expect = self.sg_rule_verdict(group, egress, permission, peer, adding=False)
        self.call(operation, group, **self.sg_rule_arguments(group, egress, permission, peer), expect=expect)

    # ------------------------------------------------------------------ network ACLs (N1, N3, N5)

    @rule(target=network_acls, vpc=vpcs)
    def create_network_acl(self, vpc: vpcsim.Vpc) -> Any:
        expect = frozenset({NOT_FOUND}) if self.gone(vpc) else OK
        return self.keep(self.call(self.net.create_network_acl, vpc, expect=expect))

    @rule(target=network_acls, vpc=vpcs)
    def default_network_acl_of(self, vpc: vpcsim.Vpc) -> Any:
        return multiple() if self.gone(vpc) else vpc.default_network_acl

    @rule(
        acl=network_acls,
        rule_number=st.sampled_from(NACL_NUMBERS),
        egress=st.booleans(),
        permission=st.sampled_from(sorted(NACL_PERMISSIONS)),
        action=st.sampled_from(["allow", "deny"]),
        cidr=st.sampled_from(NACL_CIDRS),
    )
    def create_network_acl_entry(
        self, acl: vpcsim.NetworkAcl, rule_number: int, egress: bool, permission: str, action: str, cidr: str
    ) -> None:
        protocol, ports = NACL_PERMISSIONS[permission]
        block = ipaddress.ip_network(cidr)
        same_direction = [e for e in acl.entries if e.egress == egress]
        problems = set()
        if protocol == "icmp" and block.version == 6:
            problems.add("InvalidParameterValue")  # ICMP (1) with an IPv6 CIDR: icmpv6 is 58
        if any(e.rule_number == rule_number for e in same_direction):
            problems.add("NetworkAclEntryAlreadyExists")
        # N5: the quota counts the "*" rule of the family too, so one place less is left for the user's rules.
        if sum(1 for e in same_direction if e.cidr.version == block.version) >= QUOTAS.network_acl_rules - 1:
            problems.add("NetworkAclEntryLimitExceeded")
        self.call(
            self.net.create_network_acl_entry,
            acl,
            rule_number=rule_number,
            egress=egress,
            protocol=protocol,
            action=action,
            cidr=cidr,
            ports=ports if protocol in ("tcp", "udp") else None,
            icmp_type_code=ports if protocol == "icmp" else None,
            expect=frozenset({NOT_FOUND}) if self.gone(acl) else verdict(problems),
        )

    @rule(acl=network_acls, rule_number=st.sampled_from(NACL_NUMBERS), egress=st.booleans())
    def delete_network_acl_entry(self, acl: vpcsim.NetworkAcl, rule_number: int, egress: bool) -> None:
        present = acl.find_entry(rule_number, egress) is not None
        if self.gone(acl):
            expect: Expectation = frozenset({NOT_FOUND})
        else:
            expect = OK if present else frozenset({"InvalidNetworkAclEntry.NotFound"})
        self.call(self.net.delete_network_acl_entry, acl, rule_number=rule_number, egress=egress, expect=expect)

    @rule(acl=network_acls, subnet=subnets)
    def replace_network_acl_association(self, acl: vpcsim.NetworkAcl, subnet: vpcsim.Subnet) -> None:
        mismatch = acl.vpc is not subnet.vpc
        expect = (
            frozenset({NOT_FOUND}) if self.gone(acl, subnet) else verdict(flag("InvalidParameterValue", mismatch))
        )
        self.call(self.net.replace_network_acl_association, acl, subnet, expect=expect)

    @rule(acl=network_acls)
    def delete_network_acl(self, acl: vpcsim.NetworkAcl) -> None:
        in_use = any(s.network_acl is acl for s in self.net.subnets)
        if self.gone(acl):
            expect: Expectation = frozenset({NOT_FOUND})
        elif acl.is_default:
            expect = frozenset({ANY_CODE})
        else:
            expect = verdict(flag("DependencyViolation", in_use))
        self.call(self.net.delete_network_acl, acl, expect=expect)

    # ------------------------------------------------------------------ instances and ENIs (E1-E4, P1)

    @rule(
        target=instances,
        subnet=subnets,
        instance_type=st.sampled_from(INSTANCE_TYPES),
        group_slots=st.lists(slots, max_size=3),
        secondary=st.integers(0, 2),
        public=st.sampled_from([None, True, False]),
    )
    def run_instance(
        self,
        subnet: vpcsim.Subnet,
        instance_type: str,
        group_slots: list[int],
        secondary: int,
        public: bool | None,
    ) -> Any:
        groups = self.chosen_groups(group_slots)
        info = vpcsim.instance_type_info(instance_type)
        problems = self.group_problems(subnet.vpc, groups)
        if 1 + secondary > info.ipv4_addresses_per_interface:
            problems.add("PrivateIpAddressLimitExceeded")
        if self.free_ipv4(subnet) < 1 + secondary:
            problems.add("InsufficientFreeAddressesInSubnet")
        instance = self.call(
            self.net.run_instance,
            subnet,
            instance_type=instance_type,
            security_groups=groups,
            secondary_private_ip_count=secondary,
            associate_public_ip=public,
            expect=frozenset({NOT_FOUND}) if self.gone(subnet) else verdict(problems),
        )
        return self.keep(instance)

    @rule(instance=instances, action=st.sampled_from(["stop_instance", "start_instance", "terminate_instance"]))
    def change_instance_state(self, instance: vpcsim.Instance, action: str) -> None:
        expect = frozenset({NOT_FOUND}) if self.gone(instance) else OK
        self.call(getattr(self.net, action), instance, expect=expect)

    @rule(target=network_interfaces, instance=instances, slot=slots)
    def network_interface_of(self, instance: vpcsim.Instance, slot: int) -> Any:
        return self.keep(pick(instance.network_interfaces, slot))

    @rule(target=network_interfaces, nat=nat_gateways)
    def network_interface_of_nat_gateway(self, nat: vpcsim.NatGateway) -> Any:
        return multiple() if self.gone(nat) else self.keep(nat.network_interface)  # a failed one has none

    @rule(
        target=network_interfaces,
        subnet=subnets,
        group_slots=st.lists(slots, max_size=3),
        secondary=st.integers(0, 2),
    )
    def create_network_interface(self, subnet: vpcsim.Subnet, group_slots: list[int], secondary: int) -> Any:
        groups = self.chosen_groups(group_slots)
        problems = self.group_problems(subnet.vpc, groups)
        if self.free_ipv4(subnet) < 1 + secondary:
            problems.add("InsufficientFreeAddressesInSubnet")
        eni = self.call(
            self.net.create_network_interface,
            subnet,
            security_groups=groups,
            secondary_private_ip_count=secondary,
            expect=frozenset({NOT_FOUND}) if self.gone(subnet) else verdict(problems),
        )
        return self.keep(eni)

    @rule(eni=network_interfaces, instance=instances, device_index=st.integers(0, 3))
    def attach_network_interface(
        self, eni: vpcsim.NetworkInterface, instance: vpcsim.Instance, device_index: int
    ) -> None:
        if self.gone(eni, instance):
            self.call(
                self.net.attach_network_interface,
                eni,
                instance,
                device_index=device_index,
                expect=frozenset({NOT_FOUND}),
            )
            return
        info = vpcsim.instance_type_info(instance.instance_type)
        problems = set()
        if eni.requester_managed:
            problems.add("OperationNotPermitted")  # SPEC E6
        if eni.instance is not None:
            problems.add("InvalidNetworkInterface.InUse")
        if eni.vpc is not instance.vpc or eni.availability_zone != instance.availability_zone:
            problems.add("InvalidParameterCombination")  # SPEC E2
        if any(e.device_index == device_index for e in instance.network_interfaces):
            problems.add("InvalidParameterValue")
        if len(instance.network_interfaces) >= info.maximum_network_interfaces:
            problems.add("AttachmentLimitExceeded")  # SPEC E3
        too_many_ipv4 = len(eni.private_ip_addresses) > info.ipv4_addresses_per_interface
        if too_many_ipv4 or len(eni.ipv6_addresses) > info.ipv6_addresses_per_interface:
            problems.add("PrivateIpAddressLimitExceeded")
        self.call(
            self.net.attach_network_interface, eni, instance, device_index=device_index, expect=verdict(problems)
        )

    @rule(eni=network_interfaces)
    def detach_network_interface(self, eni: vpcsim.NetworkInterface) -> None:
        problems = set()
        if eni.requester_managed:
            problems.add("OperationNotPermitted")  # SPEC E6
        if eni.instance is None:
            problems.add("InvalidAttachmentID.NotFound")
        elif eni.device_index == 0:
            problems.add("OperationNotPermitted")  # SPEC E1: the primary ENI stays
        expect = frozenset({NOT_FOUND}) if self.gone(eni) else verdict(problems)
        self.call(self.net.detach_network_interface, eni, expect=expect)

    @rule(eni=network_interfaces)
    def delete_network_interface(self, eni: vpcsim.NetworkInterface) -> None:
        problems = set()
        if eni.requester_managed:
            problems.add("OperationNotPermitted")  # SPEC E6
        if eni.instance is not None:
            problems.add("InvalidNetworkInterface.InUse")
        expect = frozenset({NOT_FOUND}) if self.gone(eni) else verdict(problems)
        self.call(self.net.delete_network_interface, eni, expect=expect)

    @rule(eni=network_interfaces, count=st.integers(1, 2))
    def assign_private_ip_addresses(self, eni: vpcsim.NetworkInterface, count: int) -> None:
        problems = set()
        if eni.instance is not None:
            limit = vpcsim.instance_type_info(eni.instance.instance_type).ipv4_addresses_per_interface
            if len(eni.private_ip_addresses) + count > limit:
                problems.add("PrivateIpAddressLimitExceeded")  # SPEC E3
        if self.free_ipv4(eni.subnet) < count:
            problems.add("InsufficientFreeAddressesInSubnet")
        if self.gone(eni):
            expect: Expectation = frozenset({NOT_FOUND})
        else:
            expect = None if eni.requester_managed and not problems else verdict(problems)
        self.call(self.net.assign_private_ip_addresses, eni, count=count, expect=expect)

    @rule(eni=network_interfaces, slot=slots)
    def unassign_private_ip_address(self, eni: vpcsim.NetworkInterface, slot: int) -> None:
        address = pick(eni.private_ip_addresses, slot)
        if self.gone(eni):
            expect: Expectation = frozenset({NOT_FOUND})
        elif address == eni.private_ip:
            expect = frozenset({"InvalidParameterValue"})  # the primary private IP stays
        else:
            expect = None if eni.requester_managed else OK
        self.call(self.net.unassign_private_ip_addresses, eni, [str(address)], expect=expect)

    # ------------------------------------------------------------------ elastic IPs (P2)

    @rule(target=elastic_ips)
    def allocate_address(self) -> vpcsim.ElasticIp:
        return self.call(self.net.allocate_address, expect=OK)

    def association_problems(
        self, eip: vpcsim.ElasticIp, eni: vpcsim.NetworkInterface, address: IPAddress, allow_reassociation: bool
    ) -> set[str] | None:
        """What AssociateAddress answers; None when it succeeds as a no-op (the EIP is already there)."""
        problems = set()
        if eni.requester_managed:
            problems.add("OperationNotPermitted")  # SPEC E6
        if not self.has_internet_gateway(eni.vpc):
            problems.add("Gateway.NotAttached")
        if not problems and eip.network_interface is eni and eip.private_ip == address:
            return None
        if self.nat_owning(eip) is not None or (eip.is_associated and not allow_reassociation):
            problems.add("Resource.AlreadyAssociated")
        return problems

    @rule(eip=elastic_ips, instance=instances, allow_reassociation=st.booleans())
    def associate_address_with_instance(
        self, eip: vpcsim.ElasticIp, instance: vpcsim.Instance, allow_reassociation: bool
    ) -> None:
        if self.gone(eip, instance):
            expect: Expectation = frozenset({NOT_FOUND})
        elif len(instance.network_interfaces) > 1:
            expect = frozenset({"InvalidInstanceID"})  # P2: with several ENIs the caller names one
        else:
            eni = instance.primary_network_interface
            expect = verdict(self.association_problems(eip, eni, eni.private_ip, allow_reassociation) or ())
        self.call(
            self.net.associate_address, eip, instance=instance, allow_reassociation=allow_reassociation, expect=expect
        )

    @rule(eip=elastic_ips, eni=network_interfaces, slot=slots, allow_reassociation=st.booleans())
    def associate_address_with_network_interface(
        self, eip: vpcsim.ElasticIp, eni: vpcsim.NetworkInterface, slot: int, allow_reassociation: bool
    ) -> None:
        address = pick(eni.private_ip_addresses, slot)
        if self.gone(eip, eni):
            expect: Expectation = frozenset({NOT_FOUND})
        else:
            expect = verdict(self.association_problems(eip, eni, address, allow_reassociation) or ())
        self.call(
            self.net.associate_address,
            eip,
            network_interface=eni,
            private_ip=str(address),
            allow_reassociation=allow_reassociation,
            expect=expect,
        )

    @rule(eip=elastic_ips)
    def disassociate_address(self, eip: vpcsim.ElasticIp) -> None:
        if self.gone(eip):
            expect: Expectation = frozenset({NOT_FOUND})
        elif not eip.is_associated:
            expect = frozenset({"InvalidAssociationID.NotFound"})
        elif self.nat_owning(eip) is not None:
            expect = frozenset({"OperationNotPermitted"})
        else:
            expect = OK
        self.call(self.net.disassociate_address, eip, expect=expect)

    @rule(eip=elastic_ips)
    def release_address(self, eip: vpcsim.ElasticIp) -> None:
        if self.gone(eip):
            expect: Expectation = frozenset({NOT_FOUND})
        else:
            expect = frozenset({ANY_CODE}) if eip.is_associated else OK
        self.call(self.net.release_address, eip, expect=expect)

    # ------------------------------------------------------------------ NAT gateways (I4)

    @rule(target=nat_gateways, subnet=subnets, eip=elastic_ips)
    def create_public_nat_gateway(self, subnet: vpcsim.Subnet, eip: vpcsim.ElasticIp) -> Any:
        # SPEC I4, as AWS does it: a busy EIP or a VPC without IGW does not refuse the call, the NAT gateway fails.
        failures = flag("Resource.AlreadyAssociated", eip.is_associated)
        failures |= flag("Gateway.NotAttached", not self.has_internet_gateway(subnet.vpc))
        full = self.free_ipv4(subnet) < 1
        if self.gone(subnet, eip):
            expect: Expectation = frozenset({NOT_FOUND})
        elif full:
            expect = None if failures else frozenset({"InsufficientFreeAddressesInSubnet"})
        else:
            expect = OK
        nat = self.call(self.net.create_nat_gateway, subnet, allocation=eip, expect=expect)
        if nat is not None and expect == OK:
            assert nat.state == ("failed" if failures else "available"), f"{nat} is {nat.state}, failures {failures}"
            assert nat.failure_code in (failures or {None}), f"{nat} failed with {nat.failure_code}"
        return self.keep(nat)

    @rule(target=nat_gateways, subnet=subnets)
    def create_private_nat_gateway(self, subnet: vpcsim.Subnet) -> Any:
        full = self.free_ipv4(subnet) < 1
        expect = (
            frozenset({NOT_FOUND}) if self.gone(subnet) else verdict(flag("InsufficientFreeAddressesInSubnet", full))
        )
        return self.keep(self.call(self.net.create_nat_gateway, subnet, connectivity="private", expect=expect))

    @rule(nat=nat_gateways)
    def delete_nat_gateway(self, nat: vpcsim.NatGateway) -> None:
        self.call(self.net.delete_nat_gateway, nat, expect=frozenset({NOT_FOUND}) if self.gone(nat) else OK)

    # ------------------------------------------------------------------ VPC peering (I5)

    @rule(target=peerings, vpc=vpcs, peer_vpc=vpcs, auto_accept=st.booleans(), slot=slots)
    def create_vpc_peering_connection(
        self, vpc: vpcsim.Vpc, peer_vpc: vpcsim.Vpc, auto_accept: bool, slot: int
    ) -> Any:
        others = [v for v in self.net.vpcs if v is not vpc]
        if peer_vpc is vpc and slot % 4 and others:  # peering a VPC with itself only now and then
            peer_vpc = pick(others, slot)
        problems = flag("InvalidParameterValue", vpc is peer_vpc)
        live = ("active", "pending-acceptance")
        existing = any(
            p.joins(vpc) and p.joins(peer_vpc) and p.status in live for p in self.net.vpc_peering_connections
        )
        problems |= flag("VpcPeeringConnectionAlreadyExists", existing)
        expect = frozenset({NOT_FOUND}) if self.gone(vpc, peer_vpc) else verdict(problems)
        pcx = self.call(self.net.create_vpc_peering_connection, vpc, peer_vpc, auto_accept=auto_accept, expect=expect)
        if pcx is not None:
            # SPEC I5, as AWS does it: a peering of overlapping VPCs is created, then fails.
            clash = any(overlaps(c, peer_vpc.cidrs) for c in vpc.cidrs)
            wanted = "failed" if clash else "active" if auto_accept else "pending-acceptance"
            assert pcx.status == wanted, f"{pcx} is {pcx.status}, expected {wanted}"
        return self.keep(pcx)

    @rule(pcx=peerings)
    def accept_vpc_peering_connection(self, pcx: vpcsim.VpcPeeringConnection) -> None:
        if self.gone(pcx):
            expect: Expectation = frozenset({NOT_FOUND})
        else:
            expect = OK if pcx.status == "pending-acceptance" else frozenset({ANY_CODE})
        pending = pcx.status == "pending-acceptance"
        self.call(self.net.accept_vpc_peering_connection, pcx, expect=expect)
        if pending and not self.gone(pcx):
            clash = any(overlaps(c, pcx.accepter_vpc.cidrs) for c in pcx.requester_vpc.cidrs)
            assert pcx.status == ("failed" if clash else "active"), f"{pcx} is {pcx.status} once accepted"

    @rule(pcx=peerings)
    def delete_vpc_peering_connection(self, pcx: vpcsim.VpcPeeringConnection) -> None:
        self.call(
            self.net.delete_vpc_peering_connection, pcx, expect=frozenset({NOT_FOUND}) if self.gone(pcx) else OK
        )

    # ------------------------------------------------------------------ copies

    @rule()
    def copy_is_equal_and_independent(self) -> None:
        clone = self.net.copy()
        before = self.net.snapshot()
        assert clone.snapshot() == before
        clone.create_internet_gateway()
        for vpc in clone.vpcs:
            clone.create_route_table(vpc)
        assert self.net.snapshot() == before, "changing a copy changed the original"

    # ------------------------------------------------------------------ invariants

    def alive(self, resource: Any) -> bool:
        """The object is this network's current resource of that id (not a deleted or copied one)."""
        return resource.id in self.net and self.net.get(resource.id) is resource

    @invariant()
    def subnets_lie_inside_their_vpc_and_do_not_overlap(self) -> None:
        for vpc in self.net.vpcs:
            siblings = [s for s in self.net.subnets if s.vpc is vpc]
            for subnet in siblings:
                assert any(within(subnet.cidr_block, b) for b in vpc.cidr_blocks), f"{subnet} is outside {vpc}"
                if subnet.ipv6_cidr_block is not None:
                    assert vpc.ipv6_cidr_block is not None, f"{subnet} has IPv6 but {vpc} has none"
                    assert within(subnet.ipv6_cidr_block, vpc.ipv6_cidr_block), f"{subnet} is outside {vpc}"
            for a, b in itertools.combinations(siblings, 2):
                assert not overlaps(a.cidr_block, [b.cidr_block]), f"{a} overlaps {b}"
                if a.ipv6_cidr_block is not None and b.ipv6_cidr_block is not None:
                    assert not overlaps(a.ipv6_cidr_block, [b.ipv6_cidr_block]), f"{a} overlaps {b} (IPv6)"
        for subnet in self.net.subnets:
            assert self.alive(subnet.vpc), f"{subnet} belongs to a deleted VPC"

    @invariant()
    def every_subnet_has_one_route_table_and_one_network_acl(self) -> None:
        for vpc in self.net.vpcs:
            for default in (vpc.main_route_table, vpc.default_network_acl, vpc.default_security_group):
                assert self.alive(default), f"{vpc}: its default {default} is gone"
                assert default.vpc is vpc, f"{vpc}: its default {default} belongs to another VPC"
        for subnet in self.net.subnets:
            table, acl = subnet.route_table, subnet.network_acl
            assert isinstance(table, vpcsim.RouteTable), f"{subnet} has no route table"
            assert self.alive(table), f"{subnet} uses a deleted {table}"
            assert table.vpc is subnet.vpc, f"{subnet} uses {table} of another VPC"  # SPEC R1
            assert isinstance(acl, vpcsim.NetworkAcl), f"{subnet} has no network ACL"
            assert self.alive(acl), f"{subnet} uses a deleted {acl}"
            assert acl.vpc is subnet.vpc, f"{subnet} uses {acl} of another VPC"  # SPEC N3
        ids = [s.route_table_association.id for s in self.net.subnets if s.route_table_association is not None]
        ids += [g.edge_association.id for g in self.net.internet_gateways if g.edge_association is not None]
        assert len(ids) == len(set(ids)), f"one association id serves two owners: {ids}"

    @invariant()
    def route_tables_keep_their_local_routes(self) -> None:
        for table in self.net.route_tables:
            vpc = table.vpc
            assert self.alive(vpc), f"{table} belongs to a deleted VPC"
            local = sorted(str(r.destination) for r in table.routes if r.origin == "CreateRouteTable")
            assert local == sorted(str(c) for c in vpc.cidrs), f"{table}: local routes {local} for {vpc}"  # R4
            keys = [r.destination_key for r in table.routes if r.origin != "EnableVgwRoutePropagation"]
            assert len(keys) == len(set(keys)), f"{table} has two routes to one destination: {keys}"
            for route in table.routes:
                if route.origin == "CreateRouteTable" or route.destination is None:
                    continue
                for block in vpc.cidrs:
                    # SPEC R4: a route inside a VPC CIDR is a middlebox route to a subnet CIDR, never the CIDR itself.
                    if within(route.destination, block):
                        assert route.destination != block, f"{table}: {route} duplicates the local route"
                        assert route.target_kind in ("nat-gateway", "network-interface", "instance"), (
                            f"{table}: {route} is more specific than the local route {block}"
                        )

    @invariant()
    def routes_are_blackholes_exactly_when_their_target_is_unusable(self) -> None:
        for table in self.net.route_tables:
            for route in table.routes:
                target = self.net.get(route.target) if route.target in self.net else None
                if route.target == "local":
                    usable = True
                elif isinstance(target, vpcsim.InternetGateway):
                    usable = target.vpc is table.vpc
                elif isinstance(target, vpcsim.NatGateway):
                    usable = target.state == "available"
                elif isinstance(target, vpcsim.NetworkInterface):
                    instance = target.instance
                    usable = target.requester_managed or (instance is not None and instance.state == "running")
                elif isinstance(target, vpcsim.Instance):
                    usable = target.state == "running"
                elif isinstance(target, vpcsim.VpcPeeringConnection):
                    usable = target.status == "active"
                else:
                    usable = target is not None
                expected = "active" if usable else "blackhole"
                assert route.state == expected, f"{table}: {route} should be {expected} (SPEC R6)"

    @invariant()
    def one_internet_gateway_per_vpc(self) -> None:
        for vpc in self.net.vpcs:
            attached = [g for g in self.net.internet_gateways if g.vpc is vpc]
            assert len(attached) <= 1, f"{vpc} has several internet gateways: {attached}"
        for igw in self.net.internet_gateways:
            assert igw.vpc is None or self.alive(igw.vpc), f"{igw} is attached to a deleted VPC"

    @invariant()
    def elastic_ips_map_one_to_one(self) -> None:
        mapped: set[tuple[str, IPAddress]] = set()
        for eip in self.net.elastic_ips:
            eni = eip.network_interface
            if eni is None:
                assert eip.private_ip is None, f"{eip} is half associated"
                assert eip.association_id is None, f"{eip} is half associated"
                continue
            assert self.alive(eni), f"{eip} is associated with a deleted ENI {eni.id}"
            assert eip.private_ip in eni.private_ip_addresses, f"{eip}: {eni} no longer holds {eip.private_ip}"
            assert eni.elastic_ips.get(eip.private_ip) is eip, f"{eni} forgot {eip}"  # type: ignore[arg-type]
            key = (eni.id, eip.private_ip)
            assert key not in mapped, f"two EIPs on {key}"  # SPEC P2: one EIP per private IPv4
            mapped.add(key)
        for eni in self.net.network_interfaces:
            for address, eip in eni.elastic_ips.items():
                assert self.alive(eip), f"{eni} maps {address} to a released EIP {eip.id}"
                assert eip.network_interface is eni, f"{eni}: {eip} points to another ENI"
                assert eip.private_ip == address, f"{eni}: {eip} points to another address"
            if eni.auto_public_ip is not None:
                # SPEC P1/P2: only a running instance's primary ENI, and an EIP on the primary IP replaces it.
                assert eni.private_ip not in eni.elastic_ips, f"{eni} has an EIP and an auto-assigned public IP"
                assert eni.device_index == 0, f"{eni} is not an instance's primary ENI"
                assert eni.instance is not None, f"{eni} is not attached"
                assert eni.instance.state == "running", f"{eni} keeps its public IP while stopped"
        public = [e.public_ip for e in self.net.elastic_ips]
        public += [n.auto_public_ip for n in self.net.network_interfaces if n.auto_public_ip is not None]
        assert len(public) == len(set(public)), "a public IPv4 is handed out twice"
        for nat in self.net.nat_gateways:
            assert self.alive(nat.subnet), f"{nat} lost its subnet"
            if nat.state == "failed":
                assert nat.network_interface is None, f"failed {nat} holds an ENI"
                assert nat.elastic_ip is None, f"failed {nat} holds an EIP"
                continue
            assert nat.network_interface is not None, f"{nat} has no ENI"
            assert self.alive(nat.network_interface), f"{nat} lost its ENI"
            if nat.connectivity == "public":
                assert nat.elastic_ip is not None, f"{nat} has no EIP"
                assert self.alive(nat.elastic_ip), f"{nat} lost its EIP"
                assert nat.elastic_ip.network_interface is nat.network_interface, f"{nat}: its EIP moved"

    @invariant()
    def instances_respect_their_type_limits(self) -> None:
        for instance in self.net.instances:
            info = vpcsim.instance_type_info(instance.instance_type)
            enis = instance.network_interfaces
            assert 1 <= len(enis) <= info.maximum_network_interfaces, f"{instance} has {len(enis)} ENIs"  # E3
            indexes = [e.device_index for e in enis]
            assert len(indexes) == len(set(indexes)), f"{instance}: device indexes {indexes} repeat"
            assert enis[0].device_index == 0, f"{instance}: the primary ENI is at {enis[0].device_index}"  # E1
            for eni in enis:
                assert self.alive(eni), f"{instance} lists a deleted ENI {eni.id}"
                assert eni.instance is instance, f"{instance} lists {eni}, attached elsewhere"
                assert eni.vpc is instance.vpc, f"{instance}: {eni} is in another VPC"  # E2
                assert eni.availability_zone == instance.availability_zone, f"{instance}: {eni} is in another AZ"
                assert len(eni.private_ip_addresses) <= info.ipv4_addresses_per_interface, f"{eni}: too many IPv4"
                assert len(eni.ipv6_addresses) <= info.ipv6_addresses_per_interface, f"{eni}: too many IPv6"
        for eni in self.net.network_interfaces:
            if eni.instance is None:
                assert eni.device_index is None, f"{eni} is half attached"
                assert eni.attachment_id is None, f"{eni} is half attached"
            else:
                assert self.alive(eni.instance), f"{eni} is attached to a terminated instance"
                assert eni in eni.instance.network_interfaces, f"{eni} is missing from {eni.instance}"

    @invariant()
    def addresses_are_in_their_subnet_and_accounted_once(self) -> None:
        holders: dict[str, dict[IPAddress, str]] = {s.id: {} for s in self.net.subnets}
        for eni in self.net.network_interfaces:
            subnet = eni.subnet
            assert self.alive(subnet), f"{eni} is in a deleted subnet"
            assert eni.private_ip_addresses, f"{eni} has no primary private IP"
            for address in eni.addresses:
                cidr = subnet.cidr_block if address.version == 4 else subnet.ipv6_cidr_block
                assert cidr is not None, f"{eni}: {address} in {subnet}, which has no such block"
                assert address in cidr, f"{eni}: {address} is outside {subnet}"
                assert not is_reserved(cidr, address), f"{eni}: {address} is reserved by AWS (SPEC E4)"
                assert address not in holders[subnet.id], f"{address} is held by two ENIs"
                holders[subnet.id][address] = eni.id
        for subnet in self.net.subnets:
            assert subnet.used_addresses == holders[subnet.id], (
                f"{subnet}: used_addresses {subnet.used_addresses} != addresses of its ENIs {holders[subnet.id]}"
            )

    @invariant()
    def peered_vpcs_do_not_overlap(self) -> None:
        for pcx in self.net.vpc_peering_connections:
            assert self.alive(pcx.requester_vpc), f"{pcx} joins a deleted VPC"
            assert self.alive(pcx.accepter_vpc), f"{pcx} joins a deleted VPC"
            # SPEC I5: a live peering never joins overlapping VPCs (an overlapping block fails a pending one).
            if pcx.status in ("active", "pending-acceptance"):
                clash = [c for c in pcx.requester_vpc.cidrs if overlaps(c, pcx.accepter_vpc.cidrs)]
                assert not clash, f"{pcx} joins VPCs that overlap on {clash} (SPEC I5)"

    @invariant()
    def graph_is_current_and_linear(self) -> None:
        net, graph = self.net, self.net.graph
        routes = sum(len(t.routes) for t in net.route_tables)
        nodes = [
            *net.vpcs,
            *net.subnets,
            *net.route_tables,
            *net.network_interfaces,
            *net.internet_gateways,
            *net.nat_gateways,
            *net.vpc_peering_connections,
        ]
        missing = [r.id for r in nodes if r.id not in graph]
        assert not missing, f"the graph is stale: {missing} are not nodes"
        assert graph.number_of_nodes() <= 1 + len(nodes) + routes, "the graph has more nodes than resources + routes"
        route_edges = sum(1 for _, _, kind in graph.edges(data="kind") if kind == "route")
        assert route_edges == routes, f"the graph has {route_edges} route edges for {routes} routes"
        assert graph.number_of_edges() <= 4 * (len(nodes) + routes), "the graph grows faster than linearly"


# Long runs find the deep bugs (a redirected local route, then its block dropped, takes ~7 chosen steps); 250 x 100
# steps pass in about 30 s on 2 cores.
NetworkMachine.TestCase.settings = settings(max_examples=250, stateful_step_count=100, deadline=None)
TestNetworkStateMachine = NetworkMachine.TestCase
