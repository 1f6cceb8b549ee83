"""Network: the aggregate of every resource and its EC2-like operations.

Operations mirror the EC2 API (names as in boto3, in snake case) and validate as AWS does (SPEC X): every check
runs before anything changes, so an operation that raises :class:`vpcsim.AwsError` leaves the network as it was.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import ipaddress
import re
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

import attrs

from vpcsim.addr import (
    IPAddress,
    IPNetwork,
    parse_address,
    parse_network,
    parse_port_range,
    parse_protocol,
)
from vpcsim.engine.endpoints import INTERNET
from vpcsim.errors import AwsError
from vpcsim.io.report import LoadReport
from vpcsim.model.addresses import ElasticIp
from vpcsim.model.base import IdFactory, Resource
from vpcsim.model.gateways import (
    CustomerGateway,
    EgressOnlyInternetGateway,
    InternetGateway,
    NatGateway,
    VpcEndpoint,
    VpnConnection,
    VpnGateway,
)
from vpcsim.model.instance_types import instance_type_info
from vpcsim.model.interface import ConnectionTracking, Instance, MetadataOptions, NetworkInterface
from vpcsim.model.load_balancer import (
    ALB_PROTOCOLS,
    NLB_PROTOCOLS,
    PROTOCOL_NUMBERS,
    HealthCheck,
    Listener,
    LoadBalancer,
    Target,
    TargetGroup,
    TargetHealth,
)
from vpcsim.model.nacl import NetworkAcl, NetworkAclEntry
from vpcsim.model.peering import VpcPeeringConnection
from vpcsim.model.prefix_list import ManagedPrefixList
from vpcsim.model.quotas import Quotas
from vpcsim.model.route_table import LOCAL, Route, RouteTable, RouteTableAssociation
from vpcsim.model.route_table import target_kind as target_kind_of
from vpcsim.model.security_group import SecurityGroup, SecurityGroupRule
from vpcsim.model.subnet import Subnet
from vpcsim.model.transit_gateway import (
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
)
from vpcsim.model.vpc import Vpc

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from vpcsim.engine.compile import Compiled
    from vpcsim.engine.evaluate import Evaluation
    from vpcsim.engine.flows import FlowBatch
    from vpcsim.engine.health import _Cache
    from vpcsim.engine.verdict import Trace
    from vpcsim.query.checklist import Checklist
    from vpcsim.query.exposure import Exposure
    from vpcsim.query.imds import ImdsFindings
    from vpcsim.query.resilience import Resilience
    from vpcsim.query.scope import AccessScope, Paths

__all__ = ["Network"]

P = ParamSpec("P")
T = TypeVar("T")
R = TypeVar("R", bound=Resource)

# SPEC X: the NotFound code and the noun AWS uses for each resource family.
_NOT_FOUND: dict[type[Resource], tuple[str, str]] = {
    Vpc: ("InvalidVpcID.NotFound", "VPC"),
    Subnet: ("InvalidSubnetID.NotFound", "subnet"),
    RouteTable: ("InvalidRouteTableID.NotFound", "route table"),
    NetworkAcl: ("InvalidNetworkAclID.NotFound", "network ACL"),
    SecurityGroup: ("InvalidGroup.NotFound", "security group"),
    NetworkInterface: ("InvalidNetworkInterfaceID.NotFound", "network interface"),
    Instance: ("InvalidInstanceID.NotFound", "instance"),
    ElasticIp: ("InvalidAllocationID.NotFound", "allocation"),
    InternetGateway: ("InvalidInternetGatewayID.NotFound", "internet gateway"),
    EgressOnlyInternetGateway: ("InvalidGatewayID.NotFound", "egress-only internet gateway"),
    NatGateway: ("NatGatewayNotFound", "NAT gateway"),
    VpcPeeringConnection: ("InvalidVpcPeeringConnectionID.NotFound", "VPC peering connection"),
    TransitGateway: ("InvalidTransitGatewayID.NotFound", "transit gateway"),
    TransitGatewayAttachment: ("InvalidTransitGatewayAttachmentID.NotFound", "transit gateway attachment"),
    TransitGatewayRouteTable: ("InvalidRouteTableID.NotFound", "transit gateway route table"),
    ManagedPrefixList: ("InvalidPrefixListID.NotFound", "prefix list"),
    VpnGateway: ("InvalidVpnGatewayID.NotFound", "virtual private gateway"),
    CustomerGateway: ("InvalidCustomerGatewayID.NotFound", "customer gateway"),
    VpnConnection: ("InvalidVpnConnectionID.NotFound", "VPN connection"),
    VpcEndpoint: ("InvalidVpcEndpointId.NotFound", "VPC endpoint"),
    LoadBalancer: ("LoadBalancerNotFound", "load balancer"),
    TargetGroup: ("TargetGroupNotFound", "target group"),
    Listener: ("ListenerNotFound", "listener"),
}

_ID_PREFIX: dict[type[Resource], str] = {
    Vpc: "vpc",
    Subnet: "subnet",
    RouteTable: "rtb",
    NetworkAcl: "acl",
    SecurityGroup: "sg",
    NetworkInterface: "eni",
    Instance: "i",
    ElasticIp: "eipalloc",
    InternetGateway: "igw",
    EgressOnlyInternetGateway: "eigw",
    NatGateway: "nat",
    VpcPeeringConnection: "pcx",
    TransitGateway: "tgw",
    TransitGatewayAttachment: "tgw-attach",
    TransitGatewayRouteTable: "tgw-rtb",
    ManagedPrefixList: "pl",
    VpnGateway: "vgw",
    CustomerGateway: "cgw",
    VpnConnection: "vpn",
    VpcEndpoint: "vpce",
}

# Addresses AWS does not accept in a VPC CIDR block.
_FORBIDDEN_VPC_RANGES = [
    ipaddress.IPv4Network(n) for n in ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/3")
]
# Private ranges a VPC's secondary blocks may not mix (VPC User Guide, "IPv4 CIDR block association restrictions").
_PRIVATE_RANGES = [
    ipaddress.IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "198.19.0.0/16")
]
_LINK_LOCAL_SERVICES = ipaddress.IPv4Network("169.254.168.0/22")
_TEN_SLASH_15, _TEN_SLASH_16 = ipaddress.IPv4Network("10.0.0.0/15"), ipaddress.IPv4Network("10.0.0.0/16")
# Characters AWS allows in a VPC security group's name and description.
_SG_TEXT = re.compile(r"[a-zA-Z0-9. _\-:/()#,@\[\]+=&;{}!$*]*")
_NAT64_PREFIX = ipaddress.IPv6Network("64:ff9b::/96")
_AMAZON_IPV6_POOL = ipaddress.IPv6Network("2600:1f00::/24")
_PUBLIC_IPV4_POOL = ipaddress.IPv4Network("3.208.0.0/12")

# Gateway endpoint services and the AWS-managed prefix lists behind them (us-east-1 ranges, abridged).
_GATEWAY_SERVICES: dict[str, tuple[str, ...]] = {
    "s3": ("3.5.0.0/19", "16.15.176.0/20", "16.182.0.0/16", "18.34.0.0/19", "52.216.0.0/15", "54.231.0.0/16"),
    "dynamodb": ("3.218.180.0/22", "3.218.184.0/22", "52.94.0.0/22", "52.119.224.0/20"),
}

# ELBv2 names: 1-32 letters, digits and hyphens, no hyphen at either end.
_ELB_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?")
ACCOUNT_ID = "000000000000"  # the account of ARNs vpcsim makes
_DEFAULT_AZ_COUNT = {"us-east-1": 6, "us-west-2": 4}

# SPEC R6: the kinds of route target, by id prefix.
_ROUTE_TARGET_TYPES: dict[str, type[Resource]] = {
    _ID_PREFIX[kind]: kind
    for kind in (
        InternetGateway,
        EgressOnlyInternetGateway,
        NatGateway,
        NetworkInterface,
        Instance,
        VpcPeeringConnection,
        TransitGateway,
        VpnGateway,
        VpcEndpoint,
    )
}

# SPEC R4: targets allowed for a route more specific than the local route (middlebox insertion).
_MIDDLEBOX_TARGETS = ("nat-gateway", "network-interface", "instance")


def _mutates(method: Callable[Concatenate[Network, P], T]) -> Callable[Concatenate[Network, P], T]:
    """Wrap an operation: a refusal draws no ids (SPEC X: nothing changes, later ids included); a success marks a
    change, so compiled views (graph, tables) are rebuilt lazily."""

    def operation(self: Network, /, *args: P.args, **kwargs: P.kwargs) -> T:
        checkpoint = self._ids.checkpoint()
        self._depth += 1
        try:
            result = method(self, *args, **kwargs)
        except BaseException:
            self._ids.rollback(checkpoint)
            raise
        finally:
            self._depth -= 1
        self._changed()
        if self._depth == 0 and self._observers:
            self._notify(method.__name__, args, kwargs, result)
        return result

    functools.update_wrapper(operation, method)
    operation.__vpcsim_operation__ = True  # type: ignore[attr-defined]
    return operation


def _restricted_secondary_ranges(primary: ipaddress.IPv4Network) -> list[ipaddress.IPv4Network]:
    """Ranges a secondary block may not touch, given the primary: every other private range, plus 172.31.0.0/16
    (the default VPC's) when the primary is in 172.16.0.0/12."""
    home = next((r for r in _PRIVATE_RANGES if primary.subnet_of(r)), None)
    restricted = [r for r in _PRIVATE_RANGES if r != home]
    if home == _PRIVATE_RANGES[1]:
        restricted.append(ipaddress.IPv4Network("172.31.0.0/16"))
    return restricted


Options = TypeVar("Options", MetadataOptions, ConnectionTracking)


def _merge_options(options: Options | Mapping[str, object] | None, base: Options, noun: str) -> Options:
    if options is None:
        return base
    if isinstance(options, MetadataOptions | ConnectionTracking):
        values = attrs.asdict(options)
    elif isinstance(options, Mapping):
        values = dict(options)
    else:
        raise _invalid(f"Value ({options!r}) for {noun}s must be a mapping of option names to values.")
    unknown = set(values) - {f.name for f in attrs.fields(type(base))}
    if unknown:
        raise _invalid(f"Unknown {noun}(s): {', '.join(sorted(unknown))}.")
    return attrs.evolve(base, **values)


def _check_range(value: object, field: str, low: int, high: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _invalid(f"Value ({value!r}) for {field} is invalid: {low}..{high}.")


def _check_preserve(protocol: str, preserve: bool | None) -> None:
    """SPEC L1: client IP preservation is an NLB attribute, always on for UDP and TCP_UDP target groups."""
    if preserve is None:
        return
    if protocol in ALB_PROTOCOLS:
        raise AwsError("ValidationError", "preserve_client_ip.enabled is a Network Load Balancer attribute.")
    if protocol in ("UDP", "TCP_UDP") and not preserve:
        raise AwsError(
            "InvalidConfigurationRequest", f"Client IP preservation is always on for a {protocol} target group."
        )


def _check_elb_port(value: object, field: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
        raise AwsError("ValidationError", f"Value ({value!r}) for {field} is invalid: 1..65535.")


def _peering_status(requester: Vpc, accepter: Vpc, wanted: str) -> tuple[str, str]:
    """SPEC I5: AWS creates (or accepts) a peering of overlapping VPCs, which then fails."""
    overlaps = [(c, o) for c in requester.cidrs if (o := _overlaps(c, accepter.cidrs)) is not None]
    if overlaps:
        return "failed", "Overlapping CIDRs: " + ", ".join(f"{a} and {b}" for a, b in overlaps)
    return wanted, ""


def _check_private_asn(asn: object) -> None:
    """Amazon-side ASNs of TGWs and VGWs are private: 64512..65534 or 4200000000..4294967294."""
    if (
        isinstance(asn, bool)
        or not isinstance(asn, int)
        or not (64512 <= asn <= 65534 or 4200000000 <= asn <= 4294967294)
    ):
        raise _invalid(
            f"Value ({asn!r}) for parameter amazonSideAsn is invalid: use 64512-65534 or 4200000000-4294967294."
        )


def _no_repeats(values: Sequence[object], field: str) -> None:
    repeated = sorted({str(v) for v in values if values.count(v) > 1})
    if repeated:
        raise _invalid(f"Value(s) {', '.join(repeated)} for parameter {field} are given more than once.")


def _ref_id(ref: object) -> str:
    return ref.id if isinstance(ref, Resource) else str(ref)


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValue", message)


def _items(values: object, field: str) -> list[Any]:
    """A list/tuple/set/iterator argument as a list; a string or a scalar is a clear error, not a TypeError."""
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Iterable):
        raise _invalid(f"Value ({values!r}) for parameter {field} must be a list.")
    return list(values)


def _tags(name: str | None, tags: Mapping[str, str] | None) -> dict[str, str]:
    result: dict[str, str] = {}
    if tags is not None and not isinstance(tags, Mapping):
        raise _invalid(f"Tags must be a mapping of strings to strings, got {tags!r}.")
    for key, value in (tags or {}).items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise _invalid(f"Tags must map strings to strings, got {key!r}: {value!r}.")
        result[key] = value
    if name is not None:
        if not isinstance(name, str):
            raise _invalid(f"Value ({name!r}) for the Name tag must be a string.")
        result["Name"] = name
    return result


def _bool(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(f"Value ({value!r}) for parameter {field} must be True or False.")
    return value


_ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}")


def _role_name(value: object) -> str:
    """An IAM role name as IAM allows it (1-64 of letters, digits and ``+=,.@_-``)."""
    if not isinstance(value, str) or not _ROLE_NAME.fullmatch(value):
        raise _invalid(f"Value ({value!r}) for parameter iamInstanceProfile is not a valid IAM role name.")
    return value


def _count(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid(f"Value ({value!r}) for parameter {field} must be a non-negative integer.")
    return value


def _overlaps(cidr: IPNetwork, others: Iterable[IPNetwork]) -> IPNetwork | None:
    for other in others:
        if other.version == cidr.version and cidr.overlaps(other):
            return other
    return None


def _within(cidr: IPNetwork, outer: IPNetwork) -> bool:
    return cidr.version == outer.version and cidr.subnet_of(outer)  # type: ignore[arg-type]


class Network:
    """A simulated AWS network: VPCs and everything in them, built with EC2-like operations.

    Parameters
    ----------
    region : str
        The region new VPCs go into. Its availability zones are ``<region>a``, ``<region>b``, ...
    availability_zones : sequence of str, optional
        Override the region's AZ names.
    seed : int
        Seed of the generator behind ids, MACs and public addresses: the same operations with the same seed build
        the same network, ids included.
    quotas : Quotas, optional
        Service quotas (SPEC G7, N5); AWS's defaults when omitted.

    Examples
    --------
    >>> net = Network(region="us-east-1")
    >>> vpc = net.create_vpc("10.0.0.0/16", name="lab")
    >>> sub = net.create_subnet(vpc, "10.0.1.0/24", az="us-east-1a", name="public")
    >>> web = net.run_instance(sub, instance_type="t3.micro", name="web")
    >>> str(web.private_ip)
    '10.0.1.4'
    >>> web.security_groups == [vpc.default_security_group]
    True
    >>> net.create_subnet(vpc, "10.0.1.128/25")
    Traceback (most recent call last):
    ...
    vpcsim.errors.AwsError: InvalidSubnet.Conflict: The CIDR '10.0.1.128/25' conflicts with another subnet \
(subnet-... 10.0.1.0/24).
    """

    def __init__(
        self,
        region: str = "us-east-1",
        *,
        availability_zones: Sequence[str] | None = None,
        seed: int = 0,
        quotas: Quotas | None = None,
    ) -> None:
        self.region = region
        self.quotas = quotas if quotas is not None else Quotas()
        self._ids = IdFactory(seed)
        self._azs: dict[str, tuple[str, ...]] = {}
        self._store: dict[type[Resource], dict[str, Resource]] = {kind: {} for kind in _NOT_FOUND}
        self._index: dict[str, Resource] = {}
        self._version = 0
        self._graph: nx.MultiDiGraph | None = None
        self._compiled: Compiled | None = None  # the engine's tables, rebuilt after a change (engine.compile)
        # Who hears of every successful operation (a Simulator running on this network), weakly held.
        self._observers: list[weakref.WeakMethod[Callable[[str, tuple[Any, ...], dict[str, Any], Any], None]]] = []
        self._depth = 0  # operations calling operations: only the outermost one is announced
        # What an import (vpcsim.load_aws, from_boto3, load_terraform) could not take as it was; empty otherwise.
        self.load_report = LoadReport()
        # Injected failures (fail, fail_az): resource ids and AZ names. Not AWS state: never exported.
        self._failed: set[str] = set()
        self._health: _Cache | None = None  # load balancer health checks, per version (engine.health)
        self.add_region(region, availability_zones)

    # ------------------------------------------------------------------ plumbing

    def _changed(self) -> None:
        self._version += 1
        self._graph = None

    def _observe(self, callback: Callable[[str, tuple[Any, ...], dict[str, Any], Any], None]) -> None:
        """Call ``callback(operation, args, kwargs, result)`` after each successful operation (a bound method,
        held weakly: a forgotten Simulator stops listening)."""
        self._observers.append(weakref.WeakMethod(callback))

    def _notify(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> None:
        alive = []
        for ref in self._observers:
            callback = ref()
            if callback is not None:
                alive.append(ref)
                callback(name, args, kwargs, result)
        self._observers = alive

    @property
    def version(self) -> int:
        """A counter bumped by every successful change; compiled views are cached against it."""
        return self._version

    def add_region(self, region: str, availability_zones: Sequence[str] | None = None) -> None:
        """Make ``region`` (and its AZs, ``<region>a``.. by default) available to :meth:`create_vpc`."""
        if not isinstance(region, str) or not region:
            raise _invalid(f"Value ({region!r}) for parameter region is invalid.")
        if availability_zones is None:
            letters = "abcdef"[: _DEFAULT_AZ_COUNT.get(region, 3)]
            availability_zones = [f"{region}{letter}" for letter in letters]
        zones = tuple(_items(availability_zones, "availabilityZones"))
        if not zones or not all(isinstance(z, str) and z for z in zones):
            raise _invalid(f"Value ({availability_zones!r}) for parameter availabilityZones is invalid.")
        if region in self._azs and self._azs[region] != zones and any(v.region == region for v in self.vpcs):
            raise _invalid(f"Region {region} already has VPCs: its availability zones cannot change.")
        self._azs[region] = zones
        self._changed()

    @property
    def availability_zones(self) -> dict[str, tuple[str, ...]]:
        """Region -> its availability zones."""
        return dict(self._azs)

    def _new_id(self, kind: type[Resource]) -> str:
        return self._ids.new(_ID_PREFIX[kind])

    def _add(self, resource: R) -> R:
        self._store[type(resource)][resource.id] = resource
        self._index[resource.id] = resource
        return resource

    def _remove(self, resource: Resource) -> None:
        del self._store[type(resource)][resource.id]
        del self._index[resource.id]

    def _all(self, kind: type[R]) -> list[R]:
        return list(self._store[kind].values())  # type: ignore[arg-type]

    def _get(self, ref: object, kind: type[R]) -> R:
        """Resolve a resource or its id to this network's object of that kind (objects of a copy resolve by id)."""
        code, noun = _NOT_FOUND[kind]
        if isinstance(ref, Resource):
            ref_id = ref.id
        elif isinstance(ref, str):
            ref_id = ref.strip()
        else:
            raise AwsError(code, f"Expected a {kind.__name__} or its id, got {ref!r}.")
        found = self._store[kind].get(ref_id)
        if found is None:
            raise AwsError(code, f"The {noun} ID '{ref_id}' does not exist.")
        return found  # type: ignore[return-value]

    def network_interface_with(
        self, address: str | IPAddress, *, vpc: Vpc | str | None = None
    ) -> NetworkInterface | None:
        """The ENI holding a private IPv4/IPv6 address, or None.

        Private addresses repeat across VPCs that do not peer; give ``vpc`` to choose. Without it, an address held
        in several VPCs is a ``ValueError`` naming them.

        Examples
        --------
        >>> net = Network()
        >>> vpc = net.create_vpc("10.0.0.0/16")
        >>> web = net.run_instance(net.create_subnet(vpc, "10.0.1.0/24"))
        >>> net.network_interface_with("10.0.1.4") is web.primary_network_interface
        True
        >>> net.network_interface_with("10.0.1.5") is None
        True
        """
        wanted = parse_address(address, "address")
        scope = self._get(vpc, Vpc) if vpc is not None else None
        holders = {
            owner
            for subnet in self.subnets
            if (scope is None or subnet.vpc is scope) and (owner := subnet.used_addresses.get(wanted)) is not None
        }
        if len(holders) > 1:
            raise _invalid(f"{wanted} is held in several VPCs ({', '.join(sorted(holders))}): give vpc=.")
        return self._get(holders.pop(), NetworkInterface) if holders else None

    def public_ip_owner(self, address: str | IPAddress) -> tuple[NetworkInterface, ipaddress.IPv4Address] | None:
        """The ENI and private IPv4 that a public IPv4 (EIP or auto-assigned) maps to at the IGW (P3), or None."""
        wanted = parse_address(address, "publicIp", version=4)
        for eni in self.network_interfaces:
            for private, public in eni.public_ips.items():
                if public == wanted:
                    return eni, private
        return None

    def get(self, resource_id: str) -> Resource:
        """Any resource by id.

        Raises
        ------
        KeyError
            No resource has that id.
        """
        try:
            return self._index[resource_id]
        except KeyError:
            raise KeyError(f"No resource with id {resource_id!r} in this network.") from None

    def __contains__(self, item: object) -> bool:
        key = item.id if isinstance(item, Resource) else item
        return isinstance(key, str) and key in self._index

    def __iter__(self) -> Iterator[Resource]:
        return iter(list(self._index.values()))

    def __len__(self) -> int:
        return len(self._index)

    def __repr__(self) -> str:
        counts = ", ".join(f"{len(v)} {k.__name__}" for k, v in self._store.items() if v)
        return f"<Network {self.region}: {counts or 'empty'}>"

    def _repr_html_(self) -> str:
        """Jupyter's view: an inventory summary (counts per resource kind, and the VPCs with their subnets by AZ)."""
        from vpcsim.viz import network_html

        return network_html(self)

    # Collections, in creation order.
    @property
    def vpcs(self) -> list[Vpc]:
        """VPCs, in creation order."""
        return self._all(Vpc)

    @property
    def subnets(self) -> list[Subnet]:
        """Subnets, in creation order."""
        return self._all(Subnet)

    @property
    def route_tables(self) -> list[RouteTable]:
        """Route tables, in creation order."""
        return self._all(RouteTable)

    @property
    def network_acls(self) -> list[NetworkAcl]:
        """Network ACLs, in creation order."""
        return self._all(NetworkAcl)

    @property
    def security_groups(self) -> list[SecurityGroup]:
        """Security groups, in creation order."""
        return self._all(SecurityGroup)

    @property
    def network_interfaces(self) -> list[NetworkInterface]:
        """Network interfaces (requester-managed ones included), in creation order."""
        return self._all(NetworkInterface)

    @property
    def instances(self) -> list[Instance]:
        """Instances (running and stopped), in creation order."""
        return self._all(Instance)

    @property
    def elastic_ips(self) -> list[ElasticIp]:
        """Elastic IPs, in creation order."""
        return self._all(ElasticIp)

    @property
    def internet_gateways(self) -> list[InternetGateway]:
        """Internet gateways, in creation order."""
        return self._all(InternetGateway)

    @property
    def egress_only_internet_gateways(self) -> list[EgressOnlyInternetGateway]:
        """Egress-only internet gateways, in creation order."""
        return self._all(EgressOnlyInternetGateway)

    @property
    def nat_gateways(self) -> list[NatGateway]:
        """NAT gateways, in creation order."""
        return self._all(NatGateway)

    @property
    def vpc_peering_connections(self) -> list[VpcPeeringConnection]:
        """VPC peering connections, in creation order."""
        return self._all(VpcPeeringConnection)

    @property
    def transit_gateways(self) -> list[TransitGateway]:
        """Transit gateways, in creation order."""
        return self._all(TransitGateway)

    @property
    def transit_gateway_attachments(self) -> list[TransitGatewayAttachment]:
        """Transit gateway attachments, in creation order."""
        return self._all(TransitGatewayAttachment)

    @property
    def transit_gateway_route_tables(self) -> list[TransitGatewayRouteTable]:
        """Transit gateway route tables, in creation order."""
        return self._all(TransitGatewayRouteTable)

    @property
    def managed_prefix_lists(self) -> list[ManagedPrefixList]:
        """Managed prefix lists (AWS-managed ones included), in creation order."""
        return self._all(ManagedPrefixList)

    @property
    def vpn_gateways(self) -> list[VpnGateway]:
        """Virtual private gateways, in creation order."""
        return self._all(VpnGateway)

    @property
    def customer_gateways(self) -> list[CustomerGateway]:
        """Customer gateways, in creation order."""
        return self._all(CustomerGateway)

    @property
    def vpn_connections(self) -> list[VpnConnection]:
        """Site-to-site VPN connections, in creation order."""
        return self._all(VpnConnection)

    @property
    def vpc_endpoints(self) -> list[VpcEndpoint]:
        """Gateway VPC endpoints, in creation order."""
        return self._all(VpcEndpoint)

    # ------------------------------------------------------------------ copies and views

    def copy(self) -> Network:
        """An independent deep copy with the same ids; changes to either leave the other alone."""
        clone = copy.deepcopy(self)
        clone._graph = None
        return clone

    @contextlib.contextmanager
    def what_if(self) -> Iterator[Network]:
        """A copy to edit inside a ``with`` block; objects of this network are accepted by id; this one is untouched.

        Examples
        --------
        >>> net = Network()
        >>> vpc = net.create_vpc("10.0.0.0/16")
        >>> with net.what_if() as alt:
        ...     _ = alt.create_subnet(vpc, "10.0.1.0/24")
        ...     len(alt.subnets), len(net.subnets)
        (1, 0)
        """
        yield self.copy()

    def __getstate__(self) -> dict[str, Any]:
        """What pickling keeps (a Dask worker's copy): everything but the simulators following this network, and the
        graph and health caches (rebuilt on demand). The compiled tables travel, so workers never compile."""
        state = dict(self.__dict__)
        state["_observers"] = []
        state["_graph"] = state["_health"] = None
        return state

    def __deepcopy__(self, memo: dict[int, Any]) -> Network:
        clone = Network.__new__(Network)
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            if key == "_observers":  # a copy is a new network: simulators of this one do not follow it
                setattr(clone, key, [])
                continue
            setattr(clone, key, None if key in ("_graph", "_compiled", "_health") else copy.deepcopy(value, memo))
        return clone

    @property
    def graph(self) -> nx.MultiDiGraph:
        """A networkx view: ENIs, subnets, route tables and gateways as nodes; routes and membership as edges.

        Rebuilt lazily after a change. See :func:`vpcsim.graph.build_graph`.
        """
        if self._graph is None:
            from vpcsim.graph import build_graph

            self._graph = build_graph(self)
        return self._graph

    def snapshot(self) -> dict[str, dict[str, Any]]:
        """Every resource as plain values (references become ids): equal snapshots mean equal networks.

        Examples
        --------
        >>> a, b = Network(seed=1), Network(seed=1)
        >>> _ = a.create_vpc("10.0.0.0/16"); _ = b.create_vpc("10.0.0.0/16")
        >>> a.snapshot() == b.snapshot()
        True
        """
        network = {
            "region": self.region,
            "availability_zones": self.availability_zones,
            "quotas": _plain(self.quotas),
        } | ({"failures": self.failures} if self._failed else {})
        return {"network": network} | {rid: _plain_fields(resource) for rid, resource in self._index.items()}

    def to_aws(self, region: str | None = None) -> dict[str, list[dict[str, Any]]]:
        """The network as describe-* JSON (one merged document; ``region`` keeps one region's VPCs).

        :func:`vpcsim.load_aws` loads it back; :func:`vpcsim.dump_aws` writes it as files.
        """
        from vpcsim.io.export import to_aws

        return to_aws(self, region)

    # ------------------------------------------------------------------ questions

    def trace(
        self,
        src: object,
        dst: object,
        protocol: object = "tcp",
        port: object = None,
        src_port: object = None,
        *,
        ip_version: int | None = None,
    ) -> Trace:
        """Walk one flow hop by hop, and its reply, with the rule that decided at every step.

        Parameters
        ----------
        src, dst
            An instance (its primary ENI), ENI, NAT gateway or internet gateway (the internet), their id, an IP
            address (private, public or Elastic; an address outside the model is an internet host, or an
            on-premises one when a VPN routes it), ``vpcsim.INTERNET`` or ``vpcsim.internet(ip)``.
        protocol : str or int
            ``"tcp"``, ``"udp"``, ``"icmp"`` (ICMPv6 on an IPv6 flow) or a protocol number.
        port : int, optional
            Destination port (TCP/UDP, required); the ICMP type (echo request by default).
        src_port : int, optional
            Source port; by default the client's lowest ephemeral port (SPEC N4: 32768). The ICMP code for ICMP.
        ip_version : 4 or 6, optional
            Address family when both ends are resources; otherwise the given addresses decide (IPv4 by default).

        Returns
        -------
        Trace
            ``disposition``, ``explanation``, ``hops``, ``delivered``, ``reply``, ``connected``, ``blockers``.

        Raises
        ------
        ValueError
            An unknown or ambiguous endpoint (``InvalidEndpointError``), an impossible flow (``InvalidFlowError``).

        Examples
        --------
        >>> from vpcsim.examples import demo_network
        >>> net = demo_network()
        >>> t = net.trace("api", "db", protocol="tcp", port=5432)
        >>> t.disposition, t.connected
        (<Disposition.ACCEPTED: 'ACCEPTED'>, True)
        >>> t = net.trace("web", "db", protocol="tcp", port=5432)
        >>> t.disposition, t.explanation, t.decided_by.kind
        (<Disposition.DENIED_IN: 'DENIED_IN'>, 'SUBNET_ACL_RESTRICTION', 'nacl-ingress')
        """
        from vpcsim.engine.trace import trace

        return trace(self, self._by_name(src), self._by_name(dst), protocol, port, src_port, ip_version=ip_version)

    def reachable(
        self,
        src: object,
        dst: object,
        protocol: object = "tcp",
        port: object = None,
        src_port: object = None,
        *,
        ip_version: int | None = None,
    ) -> bool:
        """Whether ``src`` can reach ``dst``: delivered, and the reply comes back (``trace(...).connected``).

        Examples
        --------
        >>> from vpcsim.examples import demo_network
        >>> net = demo_network()
        >>> net.reachable("api", "db", port=5432), net.reachable("web", "db", port=5432)
        (True, False)
        """
        return self.trace(src, dst, protocol, port, src_port, ip_version=ip_version).connected

    def evaluate(
        self,
        flows: FlowBatch | pd.DataFrame,
        *,
        chunk: int = 32768,
        backend: str = "serial",
        client: Any = None,
        partition: int | None = None,
    ) -> Evaluation:
        """Walk every flow of a batch at once (the vectorised engine): one verdict per flow, equal to ``trace()``'s.

        ``flows`` is a :class:`vpcsim.FlowBatch` (or a DataFrame :meth:`vpcsim.FlowBatch.from_frame` accepts). The
        batch is walked ``chunk`` flows at a time, forward then the reply. Invalid flows raise what ``trace()``
        raises for them, naming the flow's index.

        ``backend="dask"`` spreads the batch over a Dask cluster (``client``, default the current one; ``partition``
        flows per task) and gathers the same :class:`~vpcsim.Evaluation`. Flows given as a dask DataFrame are
        evaluated where their partitions lie and the answer is a lazy dask DataFrame of :meth:`Evaluation.frame`
        rows (see :mod:`vpcsim.distributed`). The default ``"serial"`` runs here and never imports Dask.

        Examples
        --------
        >>> import vpcsim
        >>> from vpcsim.examples import demo_network
        >>> net = demo_network()
        >>> flows = vpcsim.FlowBatch.from_product(["api", "web"], ["db"], ports=[5432, 22])
        >>> v = net.evaluate(flows)
        >>> v.connected.tolist()
        [True, False, False, False]
        >>> str(v.disposition[2]), v.explanation[2], v.kind[2]  # web -> db:5432
        ('DENIED_IN', 'SUBNET_ACL_RESTRICTION', 'nacl-ingress')
        >>> v.component[2] == net.trace("web", "db", port=5432).decided_by.component
        True
        """
        from vpcsim.distributed import check_backend
        from vpcsim.engine.evaluate import evaluate
        from vpcsim.engine.flows import FlowBatch

        if check_backend(backend) == "dask":
            from vpcsim import distributed

            if type(flows).__module__.startswith("dask."):  # a dask DataFrame: the answer stays on the cluster
                frame: Evaluation = distributed.evaluate_frame(self, flows, client=client, chunk=chunk)
                return frame
            batch = flows if isinstance(flows, FlowBatch) else FlowBatch.from_frame(flows)
            return distributed.evaluate(self, batch, client=client, chunk=chunk, partition=partition)
        if partition is not None or client is not None:
            raise ValueError("client and partition are for backend='dask'.")
        batch = flows if isinstance(flows, FlowBatch) else FlowBatch.from_frame(flows)
        return evaluate(self, batch, chunk=chunk)

    def evaluate_chunks(self, flows: FlowBatch, *, chunk: int = 32768) -> Iterator[Evaluation]:
        """:meth:`evaluate` one chunk at a time, for batches whose verdicts need not all be kept (memory stays flat:
        a lazy :meth:`vpcsim.FlowBatch.from_product` of 10M flows is generated and walked chunk by chunk).

        The network is compiled once, when iteration starts: do not change it until the iteration ends."""
        from vpcsim.engine.evaluate import evaluate_chunks

        return evaluate_chunks(self, flows, chunk=chunk)

    # ------------------------------------------------------------------ all packets (exact)

    def open_ports(
        self,
        dst: object,
        source: object = INTERNET,
        protocol: object = "tcp",
        *,
        src_port: object = None,
        connected: bool = True,
    ) -> list[tuple[int, int]]:
        """The destination ports (ICMP: types) on which ``source`` can connect to ``dst``, exactly, as sorted
        disjoint ``(lo, hi)`` ranges.

        ``dst`` is an endpoint as for :meth:`trace` (from outside, an instance is reached on its public IP).
        ``source`` is an internet host, :data:`vpcsim.INTERNET` ("some internet host": a port is open when any
        internet address connects), a CIDR, a subnet or security group (any of its interfaces), an instance or
        interface, a tag filter dict, or a list of those. ``src_port`` None means the client's default ephemeral
        port (as :meth:`trace`); a port or ``(lo, hi)`` range counts a port open when any source port in it
        connects. ``connected=False`` counts the request arriving, without the reply.

        Every packet is answered: header space is cut into cells the network treats alike and one flow per cell
        is walked (see :mod:`vpcsim.query.headerspace`).

        Examples
        --------
        >>> from vpcsim.examples import demo_network
        >>> net = demo_network()
        >>> net.open_ports("web")
        [(80, 80), (443, 443)]
        >>> net.open_ports("db", source="api", protocol="tcp")
        [(5432, 5432)]
        """
        from vpcsim.query.exposure import open_ports

        return open_ports(self, dst, source=source, protocol=protocol, src_port=src_port, connected=connected)

    def exposure(
        self,
        source: object = INTERNET,
        *,
        destinations: object = None,
        protocols: object = None,
        ports: object = None,
        src_port: object = None,
        connected: bool = True,
        backend: str = "serial",
        client: Any = None,
    ) -> Exposure:
        """Everything ``source`` can connect to (reply included), exactly: per interface address, protocol and
        port range, the source addresses that get through. ``.frame()`` gives a DataFrame; Jupyter shows a table.

        ``destinations`` limits the interfaces (a spec as ``source``; default every interface);
        ``protocols`` limits the protocols (default every one: each protocol a rule names, and the others as
        ``"other"``); ``ports`` a port or ``(lo, hi)`` (TCP and UDP when ``protocols`` is not given; ICMP types
        for ``protocols="icmp"``). ``src_port`` and ``connected`` as in :meth:`open_ports`. ``backend="dask"``
        walks the header-space cells on a Dask cluster (``client``, default the current one), with the same answer.

        Examples
        --------
        >>> from vpcsim.examples import demo_network
        >>> net = demo_network()
        >>> exposed = net.exposure()
        >>> exposed.frame()[["protocol", "port_from", "port_to", "sources"]].to_dict("records")[0]
        {'protocol': 'tcp', 'port_from': 80, 'port_to': 80, 'sources': ['0.0.0.0/0']}
        """
        from vpcsim.query.exposure import exposure

        return exposure(self, source=source, destinations=destinations, protocols=protocols, ports=ports,
                        src_port=src_port, connected=connected, backend=backend, client=client)  # fmt: skip

    def reachability_matrix(
        self,
        sources: Sequence[object],
        destinations: Sequence[object],
        *,
        protocol: object = "tcp",
        ports: object = None,
        connected: bool = True,
        long: bool = False,
        backend: str = "serial",
        client: Any = None,
    ) -> pd.DataFrame:
        """Which group reaches which, on what ports, exactly: a DataFrame with a row per source group and a column
        per destination group, each cell the open port ranges ("" when none).

        Groups are subnets, security groups, instances, interfaces, tag filter dicts (``{"tier": "db"}``),
        CIDRs or :data:`vpcsim.INTERNET`; a group reaches another on a port when any of its hosts connects to any
        of the other's. ``ports`` is None (all), a port, a ``(lo, hi)`` range or a list of ports. ``long=True``
        gives one row per pair instead (``source``, ``destination``, ``protocol``, ``ports`` as ranges,
        ``reachable``). ``backend="dask"`` walks the header-space cells on a Dask cluster (``client``, default the
        current one), with the same answer.
        """
        from vpcsim.query.exposure import reachability_matrix

        return reachability_matrix(self, sources, destinations, protocol=protocol, ports=ports, connected=connected,
                                   long=long, backend=backend, client=client)  # fmt: skip

    def find_paths(
        self,
        source: object = None,
        destination: object = None,
        *,
        through: object = None,
        exclude_through: object = None,
        protocol: object = None,
        ports: object = None,
    ) -> Paths:
        """The paths that connect ``source`` to ``destination`` (as Network Access Analyzer finds them, but
        exactly): one :class:`vpcsim.query.scope.Path` per end pair, protocol, port ranges and route, with the
        components it passes.

        Ends take the specs of :meth:`exposure` (``None``: every instance's interfaces and the internet).
        ``through`` lists components a path must pass between its ends, all of them: resources or ids (an
        instance stands for its interfaces) or types (``"nat-gateway"``, ``"internet-gateway"``,
        ``"transit-gateway"``, ``"vpc-peering-connection"``, ``"network-interface"``, or NAA's
        ``"AWS::EC2::NatGateway"`` names); ``exclude_through`` components it must not pass.

        Examples
        --------
        >>> import vpcsim
        >>> from vpcsim.examples import demo_network
        >>> net = demo_network()
        >>> for path in net.find_paths(vpcsim.INTERNET, "web", protocol="tcp"):
        ...     print(path.destination, path.ports, path.sources)
        i-0d9cf63a6402326f0 web (3.216.33.114) [(80, 80), (443, 443)] ['0.0.0.0/0']
        i-0d9cf63a6402326f0 web eth1 (3.214.52.220) [(443, 443)] ['203.0.113.0/24']
        """
        from vpcsim.query.scope import find_paths

        return find_paths(self, source=source, destination=destination, through=through,
                          exclude_through=exclude_through, protocol=protocol, ports=ports)  # fmt: skip

    def checklist(self, src: object, dst: object, protocol: object = "tcp", port: int | None = None) -> Checklist:
        """AWS's connectivity troubleshooting checklist for one flow, run as code: security groups both ways,
        network ACLs both ways, routes both ways, placement, public IP and internet gateway route, NAT. Each item
        passes or fails with the component and rule that decided (see :mod:`vpcsim.query.checklist`)."""
        from vpcsim.query.checklist import checklist

        return checklist(self, src, dst, protocol=protocol, port=port)

    def check(self, scope: AccessScope | Mapping[str, Any]) -> Paths:
        """The findings of an access scope: paths matching any of its ``match`` statements, minus what its
        ``exclude`` statements cover (a path, or some of its ports). Empty when the network complies.

        ``scope`` is a :class:`vpcsim.AccessScope` or Network Access Analyzer's JSON shape (``MatchPaths``,
        ``ExcludePaths``). Example: "nothing from the internet reaches 5432 except through the firewall"::

            net.check(vpcsim.AccessScope(match=[vpcsim.PathSpec(source=vpcsim.INTERNET, ports=5432)],
                                         exclude=[vpcsim.PathSpec(through=firewall)]))
        """
        from vpcsim.query.scope import check

        return check(self, scope)

    def imds_findings(self, *, ports: Sequence[object] | None = None) -> ImdsFindings:
        """Instances whose metadata service an SSRF from the internet can reach (SPEC M4), with the path and the fix.

        Found: a running instance the internet connects to on an HTTP port (``ports``, by default
        :data:`vpcsim.query.imds.HTTP_PORTS`) whose IMDS is on, with IMDSv1 allowed (high: role credentials leak
        through any SSRF) or with tokens required but a hop limit above 1 (medium: a proxy or container can fetch
        a token). ``.frame()`` tabulates them; the fix is the ``modify-instance-metadata-options`` call.
        """
        from vpcsim.query.imds import HTTP_PORTS, imds_findings

        return imds_findings(self, ports=HTTP_PORTS if ports is None else ports)

    def _by_name(self, ref: object) -> object:
        """A Name tag stands for its instance (or other resource) when it names exactly one."""
        if not isinstance(ref, str) or ref in self._index:
            return ref
        named = [r for r in self._index.values() if r.name == ref]
        instances = [r for r in named if isinstance(r, Instance)]
        chosen = instances or named
        if len(chosen) == 1:
            return chosen[0]
        if len(chosen) > 1:
            from vpcsim.errors import InvalidEndpointError

            raise InvalidEndpointError(f"{ref!r} names {len(chosen)} resources: {', '.join(r.id for r in chosen)}.")
        return ref

    # ------------------------------------------------------------------ VPCs

    def _check_vpc_cidr(self, cidr: ipaddress.IPv4Network, field: str = "cidrBlock") -> None:
        if not 16 <= cidr.prefixlen <= 28:
            raise AwsError("InvalidVpc.Range", f"The CIDR '{cidr}' is invalid: a VPC block is /16 to /28.")
        if any(cidr.overlaps(bad) for bad in _FORBIDDEN_VPC_RANGES):
            raise AwsError("InvalidVpc.Range", f"The CIDR '{cidr}' is invalid: AWS reserves that range.")

    def _new_ipv6_block(self) -> ipaddress.IPv6Network:
        taken = {v.ipv6_cidr_block for v in self.vpcs}
        while True:
            offset = self._ids.bits(32) << 72
            block = ipaddress.IPv6Network((int(_AMAZON_IPV6_POOL.network_address) + offset, 56))
            if block not in taken:
                return block

    @_mutates
    def create_vpc(
        self,
        cidr_block: str,
        *,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
        amazon_provided_ipv6_cidr_block: bool = False,
        region: str | None = None,
        enable_dns_hostnames: bool = False,
    ) -> Vpc:
        """Create a VPC with its main route table (R1, R4), default NACL (N3) and default SG (G3).

        Raises
        ------
        AwsError
            ``InvalidVpc.Range`` for a block outside /16../28 or in a reserved range; ``InvalidParameterValue``
            for a malformed CIDR or an unknown region.
        """
        cidr = parse_network(cidr_block, "cidrBlock", version=4)
        assert isinstance(cidr, ipaddress.IPv4Network)
        self._check_vpc_cidr(cidr)
        region = self.region if region is None else region
        if not isinstance(region, str) or region not in self._azs:
            raise _invalid(f"Value ({region!r}) for parameter region is invalid: add it with add_region first.")
        tag_map = _tags(name, tags)
        ipv6 = (
            self._new_ipv6_block() if _bool(amazon_provided_ipv6_cidr_block, "amazonProvidedIpv6CidrBlock") else None
        )
        vpc = self._add(
            Vpc(
                id=self._new_id(Vpc),
                tags=tag_map,
                region=region,
                cidr_blocks=[cidr],
                ipv6_cidr_block=ipv6,
                enable_dns_hostnames=_bool(enable_dns_hostnames, "enableDnsHostnames"),
            )
        )
        vpc.main_route_table = self._new_route_table(vpc, {})
        vpc.main_route_table_association_id = self._ids.new("rtbassoc")
        acl = self._add(NetworkAcl(id=self._new_id(NetworkAcl), vpc=vpc, is_default=True))
        # SPEC N3: the default NACL allows everything both ways, rule 101 for IPv6.
        for cidr_any in vpc.cidrs:
            number = 100 if cidr_any.version == 4 else 101
            any_block = ipaddress.ip_network("0.0.0.0/0" if cidr_any.version == 4 else "::/0")
            for egress in (False, True):
                acl.entries.append(NetworkAclEntry(number, egress, -1, "allow", any_block))
        _sort_entries(acl)
        vpc.default_network_acl = acl
        vpc.default_security_group = self._new_security_group(vpc, "default", "default VPC security group", {})
        return vpc

    def _new_security_group(self, vpc: Vpc, group_name: str, description: str, tags: dict[str, str]) -> SecurityGroup:
        is_default = group_name == "default"
        sg = self._add(
            SecurityGroup(
                id=self._new_id(SecurityGroup),
                tags=tags,
                vpc=vpc,
                group_name=group_name,
                description=description,
                is_default=is_default,
            )
        )
        # SPEC G3: outbound allow-all (IPv6 too when the VPC has it); the default SG also admits itself.
        for any_block in [
            ipaddress.ip_network("0.0.0.0/0"),
            *([ipaddress.ip_network("::/0")] * bool(vpc.ipv6_cidr_block)),
        ]:
            sg.egress.append(SecurityGroupRule(id=self._ids.new("sgr"), egress=True, protocol=-1, cidr=any_block))
        if is_default:
            sg.ingress.append(SecurityGroupRule(id=self._ids.new("sgr"), egress=False, protocol=-1, group_id=sg.id))
        return sg

    @_mutates
    def associate_vpc_cidr_block(
        self, vpc: Vpc | str, cidr_block: str | None = None, *, amazon_provided_ipv6_cidr_block: bool = False
    ) -> IPNetwork:
        """Add a secondary IPv4 block or the Amazon-provided IPv6 /56; every route table gains its local route (R4).

        Raises
        ------
        AwsError
            ``InvalidVpc.Range`` (size, overlap, RFC 1918 mix), ``CidrLimitExceeded`` (quota or second IPv6 block).
        """
        the_vpc = self._get(vpc, Vpc)
        if (cidr_block is None) == (not amazon_provided_ipv6_cidr_block):
            raise AwsError(
                "InvalidParameterCombination", "Give either cidr_block or amazon_provided_ipv6_cidr_block=True."
            )
        new: IPNetwork
        if cidr_block is not None:
            new = parse_network(cidr_block, "cidrBlock", version=4)
            assert isinstance(new, ipaddress.IPv4Network)
            self._check_vpc_cidr(new)
            clash = _overlaps(new, the_vpc.cidr_blocks)
            if clash is not None:
                raise AwsError("InvalidVpc.Range", f"The CIDR '{new}' overlaps the VPC's block {clash}.")
            if len(the_vpc.cidr_blocks) >= self.quotas.ipv4_cidr_blocks_per_vpc:
                raise AwsError(
                    "CidrLimitExceeded",
                    f"{the_vpc.id} already has {len(the_vpc.cidr_blocks)} IPv4 CIDR blocks, the quota.",
                )
            self._check_secondary_cidr(the_vpc, new)
            restricted = _restricted_secondary_ranges(the_vpc.cidr_block)
            clash = next((r for r in restricted if new.overlaps(r)), None)
            if clash is not None:
                raise AwsError(
                    "InvalidVpc.Range",
                    f"The CIDR '{new}' is in {clash}, which cannot be added to a VPC whose primary block is "
                    f"{the_vpc.cidr_block}.",
                )
            the_vpc.cidr_blocks.append(new)
        else:
            if the_vpc.ipv6_cidr_block is not None:
                raise AwsError(
                    "CidrLimitExceeded", f"{the_vpc.id} already has the IPv6 block {the_vpc.ipv6_cidr_block}."
                )
            new = self._new_ipv6_block()
            the_vpc.ipv6_cidr_block = new
            everything = ipaddress.ip_network("::/0")
            acl = the_vpc.default_network_acl
            for egress in (False, True):
                # AWS adds the IPv6 allow rule only to a direction of the default NACL the user left as it was.
                if acl.rules(egress) == [
                    NetworkAclEntry(100, egress, -1, "allow", ipaddress.ip_network("0.0.0.0/0"))
                ]:
                    acl.entries.append(NetworkAclEntry(101, egress, -1, "allow", everything))
            _sort_entries(acl)
            default_sg = the_vpc.default_security_group
            if not any(r.cidr == everything and r.protocol == -1 for r in default_sg.egress):
                default_sg.egress.append(
                    SecurityGroupRule(id=self._ids.new("sgr"), egress=True, protocol=-1, cidr=everything)
                )
        for table in self.route_tables:
            if table.vpc is the_vpc:
                _insert_local_route(table, new)
        for pcx in self.vpc_peering_connections:
            if pcx.status == "pending-acceptance" and pcx.joins(the_vpc):
                # SPEC I5: the accepter may add an overlapping block; the pending request then fails.
                pcx.status, pcx.status_message = _peering_status(pcx.requester_vpc, pcx.accepter_vpc, pcx.status)
        self._refresh_routes()  # TGW tables propagate the VPC's CIDRs
        return new

    def _check_secondary_cidr(self, vpc: Vpc, new: ipaddress.IPv4Network) -> None:
        """AWS's association rules that depend on the rest of the network (VPC User Guide, IPv4 CIDR blocks)."""
        for table in self.route_tables:
            for route in table.routes:
                if table.vpc is vpc and route.destination is not None and _within(route.destination, new):
                    raise AwsError(
                        "InvalidVpc.Range",
                        f"The CIDR '{new}' is the same as or larger than the destination {route.destination} of "
                        f"a route in {table.id}.",
                    )
        for pcx in self.vpc_peering_connections:
            if pcx.status == "pending-acceptance" and pcx.requester_vpc is vpc:
                raise AwsError(
                    "InvalidVpc.Range",
                    f"The CIDR '{new}' cannot be added: {vpc.id} requested the peering {pcx.id}, which is pending "
                    "acceptance.",
                )
            if pcx.status == "active" and pcx.joins(vpc):
                clash = _overlaps(new, pcx.peer_of(vpc).cidrs)
                if clash is not None:
                    raise AwsError(
                        "InvalidVpc.Range", f"The CIDR '{new}' overlaps {clash} of the peered {pcx.peer_of(vpc).id}."
                    )
        if any(b.subnet_of(_TEN_SLASH_15) for b in vpc.cidr_blocks) and new.overlaps(_TEN_SLASH_16):
            raise AwsError(
                "InvalidVpc.Range",
                f"The CIDR '{new}' is in {_TEN_SLASH_16}, not allowed next to a block in {_TEN_SLASH_15}.",
            )

    @_mutates
    def disassociate_vpc_cidr_block(self, vpc: Vpc | str, cidr_block: str) -> None:
        """Remove a secondary IPv4 block or the IPv6 block; refused while a subnet uses it."""
        the_vpc = self._get(vpc, Vpc)
        cidr = parse_network(cidr_block, "cidrBlock")
        if cidr not in the_vpc.cidrs:
            raise AwsError("InvalidCidrBlock.NotFound", f"{cidr} is not a CIDR block of {the_vpc.id}.")
        if cidr == the_vpc.cidr_block:
            raise AwsError("OperationNotPermitted", f"{cidr} is the primary CIDR block of {the_vpc.id}.")
        users = [s.id for s in self.subnets if s.vpc is the_vpc and any(_within(c, cidr) for c in s.cidrs)]
        if users:
            raise AwsError(
                "InvalidCidrBlock.InUse",
                f"The vpc {the_vpc.id} currently has a subnet within CIDR block {cidr}: {', '.join(users)}.",
            )
        if isinstance(cidr, ipaddress.IPv4Network):
            the_vpc.cidr_blocks.remove(cidr)
        else:
            the_vpc.ipv6_cidr_block = None
        for table in self.route_tables:
            if table.vpc is the_vpc:
                table.routes = [
                    r for r in table.routes if not (r.origin == "CreateRouteTable" and r.destination == cidr)
                ]
        self._refresh_routes()

    @_mutates
    def delete_vpc(self, vpc: Vpc | str) -> None:
        """Delete a VPC with its default NACL, default SG and main route table.

        Raises
        ------
        AwsError
            ``DependencyViolation`` while anything else (subnets, gateways, custom tables/NACLs/SGs, peerings,
            endpoints, TGW attachments) is left in it.
        """
        the_vpc = self._get(vpc, Vpc)
        defaults = {the_vpc.main_route_table.id, the_vpc.default_network_acl.id, the_vpc.default_security_group.id}
        blockers = [
            r.id
            for r in self._index.values()
            if r.id not in defaults
            and r is not the_vpc
            and (
                getattr(r, "vpc", None) is the_vpc
                or (
                    isinstance(r, VpcPeeringConnection)
                    and r.joins(the_vpc)
                    and r.status in ("active", "pending-acceptance")
                )
            )
        ]
        if blockers:
            raise AwsError(
                "DependencyViolation",
                f"The vpc '{the_vpc.id}' has dependencies and cannot be deleted: {', '.join(sorted(blockers))}.",
            )
        for rid in sorted(defaults):
            self._remove(self._index[rid])
        for pcx in self.vpc_peering_connections:
            if pcx.joins(the_vpc):  # failed ones: AWS lets them expire
                self._remove(pcx)
        self._remove(the_vpc)

    @_mutates
    def modify_vpc_attribute(
        self, vpc: Vpc | str, *, enable_dns_support: bool | None = None, enable_dns_hostnames: bool | None = None
    ) -> None:
        """Change the VPC's DNS support and DNS hostnames settings."""
        the_vpc = self._get(vpc, Vpc)
        support = (
            the_vpc.enable_dns_support
            if enable_dns_support is None
            else _bool(enable_dns_support, "enableDnsSupport")
        )
        hostnames = (
            the_vpc.enable_dns_hostnames
            if enable_dns_hostnames is None
            else _bool(enable_dns_hostnames, "enableDnsHostnames")
        )
        the_vpc.enable_dns_support, the_vpc.enable_dns_hostnames = support, hostnames

    # ------------------------------------------------------------------ subnets

    @_mutates
    def create_subnet(
        self,
        vpc: Vpc | str,
        cidr_block: str,
        *,
        az: str | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
        map_public_ip_on_launch: bool = False,
        ipv6_cidr_block: str | None = None,
        assign_ipv6_address_on_creation: bool = False,
    ) -> Subnet:
        """Create a subnet in ``vpc``, associated with the main route table (R1) and the default NACL (N3).

        ``az`` defaults to the region's first AZ. Its first four and last addresses are reserved (E4).

        Raises
        ------
        AwsError
            ``InvalidSubnet.Range`` (outside the VPC's blocks, or not /16../28; IPv6 not a /64 of the VPC's
            block), ``InvalidSubnet.Conflict`` (overlaps another subnet), ``InvalidParameterValue`` (bad CIDR, AZ).
        """
        the_vpc = self._get(vpc, Vpc)
        cidr = parse_network(cidr_block, "cidrBlock", version=4)
        assert isinstance(cidr, ipaddress.IPv4Network)
        if not any(cidr.subnet_of(block) for block in the_vpc.cidr_blocks):
            raise AwsError("InvalidSubnet.Range", f"The CIDR '{cidr}' is not within the CIDR blocks of {the_vpc.id}.")
        if not 16 <= cidr.prefixlen <= 28:
            raise AwsError("InvalidSubnet.Range", f"The CIDR '{cidr}' is invalid: a subnet is /16 to /28.")
        siblings = [s for s in self.subnets if s.vpc is the_vpc]
        for sibling in siblings:
            if cidr.overlaps(sibling.cidr_block):
                raise AwsError(
                    "InvalidSubnet.Conflict",
                    f"The CIDR '{cidr}' conflicts with another subnet ({sibling.id} {sibling.cidr_block}).",
                )
        zones = self._azs[the_vpc.region]
        zone = zones[0] if az is None else az
        if zone not in zones:
            raise _invalid(
                f"Value ({zone!r}) for parameter availabilityZone is invalid. "
                f"Subnets can be created in: {', '.join(zones)}."
            )
        ipv6: ipaddress.IPv6Network | None = None
        if ipv6_cidr_block is not None:
            parsed = parse_network(ipv6_cidr_block, "ipv6CidrBlock", version=6)
            assert isinstance(parsed, ipaddress.IPv6Network)
            ipv6 = parsed
            if the_vpc.ipv6_cidr_block is None or not ipv6.subnet_of(the_vpc.ipv6_cidr_block) or ipv6.prefixlen != 64:
                raise AwsError(
                    "InvalidSubnet.Range",
                    f"The IPv6 CIDR '{ipv6}' must be a /64 inside the VPC's block ({the_vpc.ipv6_cidr_block}).",
                )
            for sibling in siblings:
                if sibling.ipv6_cidr_block is not None and ipv6.overlaps(sibling.ipv6_cidr_block):
                    raise AwsError("InvalidSubnet.Conflict", f"The IPv6 CIDR '{ipv6}' conflicts with {sibling.id}.")
        public = _bool(map_public_ip_on_launch, "mapPublicIpOnLaunch")
        assign6 = _bool(assign_ipv6_address_on_creation, "assignIpv6AddressOnCreation")
        if assign6 and ipv6 is None:
            raise AwsError("InvalidParameterCombination", "assign_ipv6_address_on_creation needs an IPv6 CIDR block.")
        subnet = self._add(
            Subnet(
                tags=_tags(name, tags),
                id=self._new_id(Subnet),
                vpc=the_vpc,
                cidr_block=cidr,
                availability_zone=zone,
                ipv6_cidr_block=ipv6,
                map_public_ip_on_launch=public,
                assign_ipv6_address_on_creation=assign6,
            )
        )
        subnet.network_acl = the_vpc.default_network_acl
        subnet.network_acl_association_id = self._ids.new("aclassoc")
        return subnet

    @_mutates
    def modify_subnet_attribute(
        self,
        subnet: Subnet | str,
        *,
        map_public_ip_on_launch: bool | None = None,
        assign_ipv6_address_on_creation: bool | None = None,
    ) -> None:
        """Change ``map_public_ip_on_launch`` (P1) or ``assign_ipv6_address_on_creation``."""
        the_subnet = self._get(subnet, Subnet)
        public = the_subnet.map_public_ip_on_launch
        if map_public_ip_on_launch is not None:
            public = _bool(map_public_ip_on_launch, "mapPublicIpOnLaunch")
        assign6 = the_subnet.assign_ipv6_address_on_creation
        if assign_ipv6_address_on_creation is not None:
            assign6 = _bool(assign_ipv6_address_on_creation, "assignIpv6AddressOnCreation")
            if assign6 and the_subnet.ipv6_cidr_block is None:
                raise AwsError("InvalidParameterCombination", f"{the_subnet.id} has no IPv6 CIDR block.")
        the_subnet.map_public_ip_on_launch, the_subnet.assign_ipv6_address_on_creation = public, assign6

    @_mutates
    def delete_subnet(self, subnet: Subnet | str) -> None:
        """Delete a subnet; ``DependencyViolation`` while any ENI (instances, NAT gateways, ...) is in it.

        Failed NAT gateways (which hold no ENI, and which AWS deletes by itself) go with it.
        """
        the_subnet = self._get(subnet, Subnet)
        users = sorted(set(the_subnet.used_addresses.values()))
        if users:
            raise AwsError(
                "DependencyViolation",
                f"The subnet '{the_subnet.id}' has dependencies and cannot be deleted: {', '.join(users)}.",
            )
        for nat in self.nat_gateways:
            if nat.subnet is the_subnet:
                self._remove(nat)
        self._remove(the_subnet)
        self._refresh_routes()

    # ------------------------------------------------------------------ route tables

    def _new_route_table(self, vpc: Vpc, tags: dict[str, str]) -> RouteTable:
        table = self._add(RouteTable(id=self._new_id(RouteTable), tags=tags, vpc=vpc))
        for cidr in vpc.cidrs:
            _insert_local_route(table, cidr)
        return table

    @_mutates
    def create_route_table(
        self, vpc: Vpc | str, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> RouteTable:
        """A custom route table with one local route per VPC CIDR (R4)."""
        the_vpc = self._get(vpc, Vpc)
        return self._new_route_table(the_vpc, _tags(name, tags))

    def _associations(self) -> Iterator[tuple[RouteTableAssociation, Subnet | InternetGateway | VpnGateway]]:
        for subnet in self.subnets:
            if subnet.route_table_association is not None:
                yield subnet.route_table_association, subnet
        gateways: list[InternetGateway | VpnGateway] = [*self.internet_gateways, *self.vpn_gateways]
        for gateway in gateways:
            if gateway.edge_association is not None:
                yield gateway.edge_association, gateway

    def route_table_associations(self, route_table: RouteTable | str) -> list[Subnet | InternetGateway | VpnGateway]:
        """The subnets and gateways explicitly associated with a route table."""
        table = self._get(route_table, RouteTable)
        return [owner for association, owner in self._associations() if association.route_table is table]

    @_mutates
    def delete_route_table(self, route_table: RouteTable | str) -> None:
        """SPEC R1: the main table and tables with associations cannot be deleted (``DependencyViolation``)."""
        table = self._get(route_table, RouteTable)
        if table.is_main:
            raise AwsError("DependencyViolation", f"{table.id} is the main route table of {table.vpc.id}.")
        users = [owner.id for owner in self.route_table_associations(table)]
        if users:
            raise AwsError(
                "DependencyViolation",
                f"The routeTable '{table.id}' has dependencies and cannot be deleted: {', '.join(users)}.",
            )
        for endpoint in self.vpc_endpoints:
            if table.id in endpoint.route_table_ids:
                endpoint.route_table_ids.remove(table.id)
        self._remove(table)

    def _edge_owner(self, target: object) -> InternetGateway | VpnGateway | None:
        target_id = target.id if isinstance(target, Resource) else target
        if isinstance(target_id, str) and target_id.startswith("igw-"):
            return self._get(target_id, InternetGateway)
        if isinstance(target_id, str) and target_id.startswith("vgw-"):
            return self._get(target_id, VpnGateway)
        return None

    @_mutates
    def associate_route_table(
        self, route_table: RouteTable | str, target: Subnet | InternetGateway | VpnGateway | str
    ) -> str:
        """Associate a table with a subnet, or edge-associate it with an IGW or VGW (R7). Returns the association id.

        Raises
        ------
        AwsError
            ``Resource.AlreadyAssociated`` when the subnet or gateway already has a table;
            ``InvalidParameterValue`` across VPCs or when a gateway table holds routes R7 does not allow.
        """
        table = self._get(route_table, RouteTable)
        gateway = self._edge_owner(target)
        if gateway is None:
            subnet = self._get(target, Subnet)
            if subnet.vpc is not table.vpc:
                raise _invalid(f"Route table {table.id} and subnet {subnet.id} belong to different networks.")
            if subnet.route_table_association is not None:
                raise AwsError(
                    "Resource.AlreadyAssociated",
                    f"Subnet {subnet.id} is already associated with {subnet.route_table_association.route_table.id}.",
                )
            subnet.route_table_association = RouteTableAssociation(id=self._ids.new("rtbassoc"), route_table=table)
            return subnet.route_table_association.id
        if gateway.vpc is not table.vpc:
            raise AwsError("Gateway.NotAttached", f"Gateway {gateway.id} is not attached to {table.vpc.id}.")
        if gateway.edge_association is not None:
            raise AwsError("Resource.AlreadyAssociated", f"Gateway {gateway.id} already has a gateway route table.")
        self._check_gateway_table(table)
        gateway.edge_association = RouteTableAssociation(id=self._ids.new("rtbassoc"), route_table=table)
        return gateway.edge_association.id

    def _is_gateway_table(self, table: RouteTable) -> bool:
        """SPEC R7: is the table edge-associated with a gateway?"""
        return any(a.route_table is table for a, owner in self._associations() if not isinstance(owner, Subnet))

    def _subnet_cidrs(self, vpc: Vpc) -> set[IPNetwork]:
        return {c for s in self.subnets if s.vpc is vpc for c in s.cidrs}

    def _check_gateway_table(self, table: RouteTable) -> None:
        """SPEC R7: what a table must be to serve as a gateway route table."""
        if table.is_main:
            raise _invalid(f"The main route table {table.id} cannot be a gateway route table.")
        if table.propagating_vgws:
            raise _invalid(
                f"Route table {table.id} has route propagation enabled: it cannot be a gateway route table."
            )
        for route in table.routes:
            self._check_gateway_route(table, route.destination, route.target)

    def _check_gateway_route(self, table: RouteTable, destination: IPNetwork | None, target: str) -> None:
        """SPEC R7: a gateway route table routes the VPC CIDR or a whole subnet CIDR to local or an ENI."""
        if target == LOCAL:
            return
        subnet_cidrs = self._subnet_cidrs(table.vpc)
        if destination is None or (destination not in table.vpc.cidrs and destination not in subnet_cidrs):
            raise _invalid(
                f"Gateway route table {table.id}: destination {destination} must be the VPC CIDR or a subnet CIDR."
            )
        if not target.startswith("eni-"):
            raise _invalid(f"Gateway route table {table.id}: target {target} must be local or a network interface.")

    def _find_association(
        self, association_id: str
    ) -> tuple[RouteTableAssociation, Subnet | InternetGateway | VpnGateway]:
        for association, owner in self._associations():
            if association.id == association_id:
                return association, owner
        raise AwsError("InvalidAssociationID.NotFound", f"The association ID '{association_id}' does not exist.")

    @_mutates
    def disassociate_route_table(self, association: str | Subnet | InternetGateway | VpnGateway) -> None:
        """Remove an explicit or edge association; the subnet falls back to the main table (R1)."""
        if isinstance(association, str) and association.startswith("rtbassoc-"):
            if any(v.main_route_table_association_id == association for v in self.vpcs):
                raise _invalid(f"{association} is a main route table association: replace it instead.")
            _, owner = self._find_association(association)
        else:
            owner = self._edge_owner(association) or self._get(association, Subnet)
            current = owner.route_table_association if isinstance(owner, Subnet) else owner.edge_association
            if current is None:
                raise AwsError(
                    "InvalidAssociationID.NotFound", f"{owner.id} has no explicit route table association."
                )
        if isinstance(owner, Subnet):
            owner.route_table_association = None
        else:
            owner.edge_association = None

    @_mutates
    def replace_route_table_association(
        self, association: str | Subnet | InternetGateway | VpnGateway, route_table: RouteTable | str
    ) -> str:
        """Point an association (by id, or the subnet/gateway holding it) at another table. Returns the new id.

        Replacing the VPC's main association (``vpc.main_route_table_association_id``) makes ``route_table`` the
        main table (R1).
        """
        table = self._get(route_table, RouteTable)
        main_of = next(
            (
                v
                for v in self.vpcs
                if isinstance(association, str) and v.main_route_table_association_id == association
            ),
            None,
        )
        new_id = self._ids.new("rtbassoc")
        if main_of is not None:
            if table.vpc is not main_of:
                raise _invalid(f"Route table {table.id} is not in {main_of.id}.")
            if self._is_gateway_table(table):
                raise _invalid(f"The gateway route table {table.id} cannot be the main route table (R7).")
            main_of.main_route_table, main_of.main_route_table_association_id = table, new_id
            return new_id
        if isinstance(association, str) and association.startswith("rtbassoc-"):
            _, owner = self._find_association(association)
        else:
            owner = self._edge_owner(association) or self._get(association, Subnet)
            current = owner.route_table_association if isinstance(owner, Subnet) else owner.edge_association
            if current is None:
                raise AwsError(
                    "InvalidAssociationID.NotFound", f"{owner.id} has no route table association to replace."
                )
        if owner.vpc is not table.vpc:
            raise _invalid(f"Route table {table.id} and {owner.id} belong to different networks.")
        if not isinstance(owner, Subnet):
            self._check_gateway_table(table)
        replacement = RouteTableAssociation(id=new_id, route_table=table)
        if isinstance(owner, Subnet):
            owner.route_table_association = replacement
        else:
            owner.edge_association = replacement
        return new_id

    # ------------------------------------------------------------------ routes

    def _route_destination(self, destination: object) -> tuple[IPNetwork | None, ManagedPrefixList | None]:
        if isinstance(destination, ManagedPrefixList) or (
            isinstance(destination, str) and destination.startswith("pl-")
        ):
            return None, self._get(destination, ManagedPrefixList)
        cidr = parse_network(destination, "destinationCidrBlock")
        if _within(cidr, _LINK_LOCAL_SERVICES):
            raise _invalid(f"Routes to {cidr} are not allowed: {_LINK_LOCAL_SERVICES} is never routed (R8).")
        return cidr, None

    def _route_target(self, table: RouteTable, target: object, destination: IPNetwork | None) -> str:
        """Resolve and check a route target (R6); returns its id."""
        target_id = target.id if isinstance(target, Resource) else target
        if not isinstance(target_id, str) or "-" not in target_id:
            raise _invalid(f"Value ({target!r}) is not a route target: give a gateway, ENI, instance, pcx or its id.")
        kind = _ROUTE_TARGET_TYPES.get(target_id.split("-", 1)[0])
        if kind is None:
            raise _invalid(f"Value ({target!r}) is not a route target: give a gateway, ENI, instance, pcx or its id.")
        obj = self._get(target_id, kind)
        if getattr(obj, "vpc", table.vpc) is not table.vpc:
            noun = "network gateway " if isinstance(obj, InternetGateway | VpnGateway) else ""  # AWS's wording
            raise _invalid(f"route table {table.id} and {noun}{obj.id} belong to different networks")
        if isinstance(obj, EgressOnlyInternetGateway):
            if destination is not None and destination.version != 6:
                raise _invalid(f"An egress-only internet gateway routes IPv6 only, not {destination} (I3).")
        elif isinstance(obj, NatGateway):
            if destination is not None and destination.version == 6 and not _within(destination, _NAT64_PREFIX):
                raise _invalid(
                    f"A NAT gateway routes IPv4, or IPv6 inside {_NAT64_PREFIX} (NAT64), not {destination}."
                )
        elif isinstance(obj, Instance):
            if len(obj.network_interfaces) != 1:
                raise AwsError(
                    "InvalidInstanceID",
                    f"There are multiple interfaces attached to instance '{obj.id}'. Please specify an interface ID.",
                )
        elif isinstance(obj, VpcPeeringConnection):
            if not obj.joins(table.vpc) or obj.status not in ("active", "pending-acceptance"):
                raise _invalid(f"{obj.id} does not connect {table.vpc.id} (status {obj.status}).")
        elif isinstance(obj, TransitGateway):
            if not any(a.transit_gateway is obj and a.vpc is table.vpc for a in self.transit_gateway_attachments):
                raise AwsError(
                    "InvalidTransitGatewayID.NotFound",
                    f"The transitGateway ID '{obj.id}' does not exist in {table.vpc.id}: it has no attachment there.",
                )
        elif isinstance(obj, VpcEndpoint):
            raise AwsError(
                "RouteNotSupported",
                f"Route table contains unsupported route target: {obj.id}. VPC Endpoints of this type cannot be used "
                "as route targets (their routes come from create_vpc_endpoint/modify_vpc_endpoint).",
            )
        return obj.id

    def _check_route_destination(self, table: RouteTable, destination: IPNetwork | None, target: str) -> None:
        """SPEC R4: inside the VPC only a whole subnet CIDR, towards a middlebox; R7 for gateway tables."""
        if destination is not None:
            for block in table.vpc.cidrs:
                if _within(destination, block) and destination != block:
                    subnet_cidrs = self._subnet_cidrs(table.vpc)
                    kind = "local" if target == LOCAL else target_kind_of(target)
                    if destination not in subnet_cidrs or kind not in _MIDDLEBOX_TARGETS:
                        raise _invalid(
                            f"The destination {destination} is inside {table.vpc.id}'s block {block}: only a whole "
                            "subnet CIDR towards a NAT gateway, network interface or instance is allowed (R4)."
                        )
        if self._is_gateway_table(table):
            self._check_gateway_route(table, destination, target)

    @_mutates
    def create_route(
        self, route_table: RouteTable | str, destination: str | ManagedPrefixList, target: object
    ) -> Route:
        """Add a static route. ``destination`` is a CIDR or a prefix list (id); ``target`` any R6 target or its id.

        Raises
        ------
        AwsError
            ``RouteAlreadyExists``; ``InvalidParameterValue`` for a destination R4/R7 forbids or a target in
            another VPC or an IGW/VGW not attached to the table's VPC; ``RouteNotSupported`` for a gateway
            endpoint target; ``InvalidTransitGatewayID.NotFound`` for a TGW without an attachment in the VPC.
        """
        table = self._get(route_table, RouteTable)
        cidr, prefix_list = self._route_destination(destination)
        target_id = self._route_target(table, target, cidr)
        self._check_route_destination(table, cidr, target_id)
        route = Route(
            target=target_id,
            destination=cidr,
            destination_prefix_list_id=prefix_list.id if prefix_list else None,
        )
        if (
            cidr is not None
            and cidr in table.vpc.cidrs
            and route.target_kind not in ("network-interface", "instance")
        ):
            raise _invalid(
                f"Route target {target_id} is not supported for {cidr}, the local route of {table.vpc.id}. "
                "This route only supports interface and instance targets (replace_route)."
            )
        if table.find_route(route.destination_key) is not None:
            raise AwsError(
                "RouteAlreadyExists", f"The route identified by {route.destination_key} already exists in {table.id}."
            )
        table.routes.append(route)
        self._refresh_routes()
        return self._find_route(table, route.destination_key)

    def _find_route(self, table: RouteTable, destination_key: str) -> Route:
        route = table.find_route(destination_key)
        if route is None:
            raise AwsError(
                "InvalidRoute.NotFound", f"No route with destination '{destination_key}' in route table {table.id}."
            )
        return route

    @_mutates
    def replace_route(
        self, route_table: RouteTable | str, destination: str | ManagedPrefixList, target: object
    ) -> Route:
        """Point an existing route at another target.

        A local route (R4) may be pointed at a NAT gateway, ENI or instance (middlebox insertion) and back to
        ``"local"``.
        """
        table = self._get(route_table, RouteTable)
        cidr, prefix_list = self._route_destination(destination)
        key = str(cidr) if cidr is not None else prefix_list.id  # type: ignore[union-attr]
        route = self._find_route(table, key)
        if route.target.startswith("vpce-"):
            raise _invalid(f"The route to {key} belongs to endpoint {route.target}: use modify_vpc_endpoint.")
        is_local_route = route.origin == "CreateRouteTable"
        if target == LOCAL:
            if not is_local_route:
                raise _invalid(f"Only a VPC CIDR route can target local, not {key}.")
            target_id = LOCAL
        else:
            target_id = self._route_target(table, target, cidr)
            if is_local_route and target_kind_of(target_id) not in _MIDDLEBOX_TARGETS:
                raise _invalid(f"The local route {key} can only target a NAT gateway, network interface or instance.")
            if not is_local_route:
                self._check_route_destination(table, cidr, target_id)
            elif self._is_gateway_table(table):
                self._check_gateway_route(table, cidr, target_id)
        index = table.routes.index(route)
        table.routes[index] = attrs.evolve(route, target=target_id)
        self._refresh_routes()
        return self._find_route(table, key)

    @_mutates
    def delete_route(self, route_table: RouteTable | str, destination: str | ManagedPrefixList) -> None:
        """Delete a static route; the local route cannot be deleted (R4)."""
        table = self._get(route_table, RouteTable)
        cidr, prefix_list = self._route_destination(destination)
        key = str(cidr) if cidr is not None else prefix_list.id  # type: ignore[union-attr]
        route = self._find_route(table, key)
        if route.origin == "CreateRouteTable":
            raise _invalid(f"Cannot remove local route {key} in route table {table.id} (R4).")
        if route.target.startswith("vpce-"):
            raise _invalid(f"The route to {key} belongs to endpoint {route.target}: use modify_vpc_endpoint.")
        table.routes.remove(route)

    @_mutates
    def enable_vgw_route_propagation(self, route_table: RouteTable | str, vpn_gateway: VpnGateway | str) -> None:
        """Propagate the VGW's VPN routes (on-premises CIDRs) into the table."""
        table = self._get(route_table, RouteTable)
        vgw = self._get(vpn_gateway, VpnGateway)
        if vgw.vpc is not table.vpc:
            raise AwsError("Gateway.NotAttached", f"Gateway {vgw.id} is not attached to {table.vpc.id}.")
        if vgw.id not in table.propagating_vgws:
            table.propagating_vgws.append(vgw.id)
        self._refresh_routes()

    @_mutates
    def disable_vgw_route_propagation(self, route_table: RouteTable | str, vpn_gateway: VpnGateway | str) -> None:
        """Stop propagating a VGW's VPN routes into a route table."""
        table = self._get(route_table, RouteTable)
        vgw = self._get(vpn_gateway, VpnGateway)
        if vgw.id not in table.propagating_vgws:
            raise _invalid(f"Route propagation from {vgw.id} is not enabled on {table.id}.")
        table.propagating_vgws.remove(vgw.id)
        self._refresh_routes()

    def _route_state(self, table: RouteTable, target: str) -> str:
        """SPEC R6: a route whose target is gone or unusable is a blackhole."""
        if target == LOCAL:
            return "active"
        obj = self._index.get(target)
        usable: bool
        if obj is None:
            usable = False
        elif isinstance(obj, InternetGateway | VpnGateway):
            usable = obj.vpc is table.vpc
        elif isinstance(obj, NatGateway):
            usable = obj.state == "available" and self.down(obj) is None  # a failed NAT gateway blackholes
        elif isinstance(obj, NetworkInterface):
            usable = obj.requester_managed or (obj.instance is not None and obj.instance.state == "running")
        elif isinstance(obj, Instance):
            usable = obj.state == "running"
        elif isinstance(obj, VpcPeeringConnection):
            usable = obj.status == "active"
        elif isinstance(obj, TransitGateway):
            usable = any(a.transit_gateway is obj and a.vpc is table.vpc for a in self.transit_gateway_attachments)
        else:
            usable = True
        return "active" if usable else "blackhole"

    def on_premises_cidrs(self, vpn: VpnConnection) -> list[IPNetwork]:
        """The networks behind a VPN: its routes, and for a TGW VPN the TGW static routes to its attachment.

        On a transit gateway the on-premises side is reached through static routes of the TGW route tables that
        target the VPN's attachment, not through VPN-level routes (those are for virtual private gateways).
        """
        cidrs = list(vpn.routes)
        if vpn.transit_gateway_id is not None:
            attachments = {
                a.id
                for a in self._all(TransitGatewayAttachment)
                if a.resource_type == "vpn" and a.resource_id == vpn.id
            }
            for table in self._all(TransitGatewayRouteTable):
                cidrs += [
                    r.destination
                    for r in table.static_routes
                    if r.attachment_id in attachments and r.state == "active" and r.destination not in cidrs
                ]
        return cidrs

    def _vpn_routes(self, gateway_id: str) -> list[IPNetwork]:
        cidrs: list[IPNetwork] = []
        for vpn in self.vpn_connections:
            if gateway_id in (vpn.vpn_gateway_id, vpn.transit_gateway_id) and vpn.state == "available":
                cidrs.extend(c for c in vpn.routes if c not in cidrs)
        return cidrs

    def _refresh_routes(self) -> None:
        """Recompute route states (R6 blackholes) and propagated routes after targets or propagations change."""
        for table in self.route_tables:
            routes: list[Route] = []
            for route in table.routes:
                if route.origin == "EnableVgwRoutePropagation":
                    continue
                state = self._route_state(table, route.target)
                routes.append(route if route.state == state else attrs.evolve(route, state=state))
            for vgw_id in table.propagating_vgws:
                if self._route_state(table, vgw_id) == "active":
                    routes.extend(
                        Route(target=vgw_id, destination=c, origin="EnableVgwRoutePropagation")
                        for c in self._vpn_routes(vgw_id)
                    )
            table.routes = routes
        attachments = self._store[TransitGatewayAttachment]
        for tgw_table in self.transit_gateway_route_tables:
            tgw_routes: list[TransitGatewayRoute] = []
            for tgw_route in tgw_table.static_routes:
                alive = tgw_route.attachment_id is not None and tgw_route.attachment_id in attachments
                tgw_routes.append(attrs.evolve(tgw_route, state="active" if alive else "blackhole"))
            for attachment_id in tgw_table.propagations:
                attachment = attachments.get(attachment_id)
                if not isinstance(attachment, TransitGatewayAttachment):
                    continue
                vpn = self._store[VpnConnection].get(attachment.resource_id)
                cidrs: list[IPNetwork] = []
                if attachment.vpc is not None:
                    cidrs = [c for c in attachment.vpc.cidrs if c.version == 4 or attachment.ipv6_support]
                elif isinstance(vpn, VpnConnection) and vpn.state == "available":
                    cidrs = list(vpn.routes)
                tgw_routes.extend(TransitGatewayRoute(c, attachment.id, type="propagated") for c in cidrs)
            tgw_table.routes = tgw_routes

    # ------------------------------------------------------------------ network ACLs

    @_mutates
    def create_network_acl(
        self, vpc: Vpc | str, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> NetworkAcl:
        """A custom network ACL: it denies everything until entries are added (N3)."""
        the_vpc = self._get(vpc, Vpc)
        return self._add(NetworkAcl(tags=_tags(name, tags), id=self._new_id(NetworkAcl), vpc=the_vpc))

    @_mutates
    def delete_network_acl(self, network_acl: NetworkAcl | str) -> None:
        """Delete a custom NACL; the default cannot go, nor one a subnet uses (``DependencyViolation``)."""
        acl = self._get(network_acl, NetworkAcl)
        if acl.is_default:
            raise _invalid(f"Cannot delete the default network ACL {acl.id}.")
        users = [s.id for s in self.subnets if s.network_acl is acl]
        if users:
            raise AwsError(
                "DependencyViolation",
                f"The networkAcl '{acl.id}' has dependencies and cannot be deleted: {', '.join(users)}.",
            )
        self._remove(acl)

    def _nacl_entry(
        self,
        acl: NetworkAcl,
        rule_number: object,
        egress: object,
        protocol: object,
        rule_action: object,
        cidr: object,
        ports: object,
        icmp_type_code: object,
    ) -> NetworkAclEntry:
        if isinstance(rule_number, bool) or not isinstance(rule_number, int) or not 1 <= rule_number <= 32766:
            raise _invalid(f"Value ({rule_number!r}) for parameter ruleNumber is invalid: use 1..32766 (N1).")
        action = rule_action.lower() if isinstance(rule_action, str) else rule_action
        if action not in ("allow", "deny"):
            raise _invalid(f"Value ({rule_action!r}) for parameter ruleAction is invalid: use allow or deny.")
        number = parse_protocol(protocol, "protocol")
        block = parse_network(cidr, "cidrBlock")
        port_range = parse_port_range(ports, number, "portRange") if number in (6, 17) else None
        icmp = parse_port_range(icmp_type_code, number, "icmpTypeCode") if number in (1, 58) else None
        if number == 58 and block.version == 4:
            icmp = (-1, -1)  # AWS: ICMPv6 with an IPv4 CIDR allows every type and code, whatever is given
        elif icmp_type_code is None and number in (1, 58):
            raise AwsError("MissingParameter", "The request must contain the parameter icmpTypeCode.type")
        # AWS accepts ICMPv6 with an IPv4 CIDR (it then allows all ICMP); ICMP with an IPv6 CIDR matches nothing.
        if number == 1 and block.version == 6:
            raise _invalid(f"Protocol {protocol!r} does not match the address family of {block}.")
        assert isinstance(action, str)
        return NetworkAclEntry(rule_number, _bool(egress, "egress"), number, action, block, port_range, icmp)

    def _check_nacl_quota(self, acl: NetworkAcl, entry: NetworkAclEntry, replacing: NetworkAclEntry | None) -> None:
        family = [e for e in acl.rules(entry.egress) if e.cidr.version == entry.cidr.version and e is not replacing]
        # AWS's quota counts the "*" rule too (N1): 20 rules leave room for 19 of the user's.
        if len(family) + 1 >= self.quotas.network_acl_rules:
            raise AwsError(
                "NetworkAclEntryLimitExceeded",
                f"{acl.id} already has {len(family)} {'egress' if entry.egress else 'ingress'} IPv"
                f"{entry.cidr.version} entries, the quota (N5).",
            )

    @_mutates
    def create_network_acl_entry(
        self,
        network_acl: NetworkAcl | str,
        *,
        rule_number: int,
        egress: bool,
        protocol: str | int,
        action: str,
        cidr: str,
        ports: int | tuple[int, int] | None = None,
        icmp_type_code: tuple[int, int] | None = None,
    ) -> NetworkAclEntry:
        """Add a numbered rule (N1, N5). ``ports`` for TCP/UDP (required, as AWS requires a port range);
        ``icmp_type_code`` as ``(type, code)`` for ICMP, -1 meaning any.

        Raises
        ------
        AwsError
            ``NetworkAclEntryAlreadyExists`` (number taken in that direction), ``NetworkAclEntryLimitExceeded``
            (quota per direction and address family), ``InvalidParameterValue`` (number, protocol, CIDR, ports).
        """
        acl = self._get(network_acl, NetworkAcl)
        entry = self._nacl_entry(acl, rule_number, egress, protocol, action, cidr, ports, icmp_type_code)
        if acl.find_entry(entry.rule_number, entry.egress) is not None:
            raise AwsError(
                "NetworkAclEntryAlreadyExists",
                f"The network acl entry identified by {entry.rule_number} already exists in {acl.id}.",
            )
        self._check_nacl_quota(acl, entry, None)
        acl.entries.append(entry)
        _sort_entries(acl)
        return entry

    @_mutates
    def replace_network_acl_entry(
        self,
        network_acl: NetworkAcl | str,
        *,
        rule_number: int,
        egress: bool,
        protocol: str | int,
        action: str,
        cidr: str,
        ports: int | tuple[int, int] | None = None,
        icmp_type_code: tuple[int, int] | None = None,
    ) -> NetworkAclEntry:
        """Replace a numbered entry in place; ``InvalidNetworkAclEntry.NotFound`` when it does not exist."""
        acl = self._get(network_acl, NetworkAcl)
        entry = self._nacl_entry(acl, rule_number, egress, protocol, action, cidr, ports, icmp_type_code)
        old = acl.find_entry(entry.rule_number, entry.egress)
        if old is None:
            raise AwsError(
                "InvalidNetworkAclEntry.NotFound",
                f"No entry {entry.rule_number} ({'egress' if entry.egress else 'ingress'}) in {acl.id}.",
            )
        self._check_nacl_quota(acl, entry, old)
        acl.entries[acl.entries.index(old)] = entry
        return entry

    @_mutates
    def delete_network_acl_entry(self, network_acl: NetworkAcl | str, *, rule_number: int, egress: bool) -> None:
        """Delete a numbered entry of one direction (``InvalidNetworkAclEntry.NotFound``)."""
        acl = self._get(network_acl, NetworkAcl)
        old = acl.find_entry(rule_number, egress)
        if old is None:
            raise AwsError(
                "InvalidNetworkAclEntry.NotFound",
                f"No entry {rule_number!r} ({'egress' if egress else 'ingress'}) in {acl.id}.",
            )
        acl.entries.remove(old)

    @_mutates
    def replace_network_acl_association(self, network_acl: NetworkAcl | str, association: Subnet | str) -> str:
        """Give a subnet another NACL (by the subnet or its ``aclassoc-`` id). Returns the new association id."""
        acl = self._get(network_acl, NetworkAcl)
        if isinstance(association, str) and association.startswith("aclassoc-"):
            subnet = next((s for s in self.subnets if s.network_acl_association_id == association), None)
            if subnet is None:
                raise AwsError("InvalidAssociationID.NotFound", f"The association ID '{association}' does not exist.")
        else:
            subnet = self._get(association, Subnet)
        if subnet.vpc is not acl.vpc:
            raise _invalid(f"Network ACL {acl.id} and subnet {subnet.id} belong to different networks.")
        subnet.network_acl = acl
        subnet.network_acl_association_id = self._ids.new("aclassoc")
        return subnet.network_acl_association_id

    # ------------------------------------------------------------------ security groups

    @_mutates
    def create_security_group(
        self,
        vpc: Vpc | str,
        group_name: str,
        *,
        description: str = "",
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> SecurityGroup:
        """A new SG: no inbound rules, outbound allow-all (G3).

        Raises
        ------
        AwsError
            ``InvalidGroup.Duplicate`` (name taken in the VPC), ``InvalidGroup.Reserved`` ("default"),
            ``InvalidParameterValue`` (empty, too long or ``sg-`` name).
        """
        the_vpc = self._get(vpc, Vpc)
        if not isinstance(group_name, str) or not group_name or len(group_name) > 255 or group_name.startswith("sg-"):
            raise _invalid(
                f"Value ({group_name!r}) for parameter groupName is invalid: 1-255 characters, not 'sg-*'."
            )
        if group_name == "default":
            raise AwsError("InvalidGroup.Reserved", "The security group 'default' is reserved.")
        if not _SG_TEXT.fullmatch(group_name):
            raise _invalid(
                f"Invalid security group name {group_name!r}: use a-zA-Z0-9, spaces and ._-:/()#,@[]+=&;{{}}!$*."
            )
        if not isinstance(description, str) or len(description) > 255 or not _SG_TEXT.fullmatch(description):
            raise _invalid(
                f"Invalid security group description {description!r}. Valid descriptions are strings less than 256 "
                "characters from the following set: a-zA-Z0-9. _-:/()#,@[]+=&;{}!$*"
            )
        groups = [g for g in self.security_groups if g.vpc is the_vpc]
        if any(g.group_name == group_name for g in groups):
            raise AwsError(
                "InvalidGroup.Duplicate", f"The security group '{group_name}' already exists in {the_vpc.id}."
            )
        in_region = sum(1 for g in self.security_groups if g.vpc.region == the_vpc.region)
        if in_region >= self.quotas.security_groups_per_region:
            raise AwsError(
                "SecurityGroupLimitExceeded", f"{the_vpc.region} has {in_region} security groups, the quota."
            )
        return self._new_security_group(the_vpc, group_name, description, _tags(name, tags))

    @_mutates
    def delete_security_group(self, security_group: SecurityGroup | str) -> None:
        """``CannotDelete`` for a default SG; ``DependencyViolation`` while ENIs carry it or rules reference it."""
        sg = self._get(security_group, SecurityGroup)
        if sg.is_default:
            raise AwsError("CannotDelete", f"The security group '{sg.id}' (default) cannot be deleted by a user.")
        users = [e.id for e in self.network_interfaces if sg in e.security_groups]
        users += [
            g.id
            for g in self.security_groups
            if g is not sg and any(r.group_id == sg.id for r in [*g.ingress, *g.egress])
        ]
        if users:
            raise AwsError(
                "DependencyViolation", f"resource {sg.id} has a dependent object: {', '.join(sorted(set(users)))}."
            )
        self._remove(sg)

    def _sg_rule(
        self,
        sg: SecurityGroup,
        egress: bool,
        protocol: object,
        ports: object,
        cidr: object,
        group: object,
        prefix_list: object,
        description: object,
        *,
        resolve: bool = True,
    ) -> SecurityGroupRule:
        """Build a rule; ``resolve=False`` (revoking) names peers without checking they still exist or are peered."""
        number = parse_protocol(protocol, "ipProtocol")
        port_range = parse_port_range(
            ports, number, "portRange", code="InvalidPermission.Malformed", icmp_required=resolve
        )
        peers = [p for p in (cidr, group, prefix_list) if p is not None]
        if len(peers) != 1:
            raise AwsError(
                "InvalidParameterCombination",
                f"Give exactly one peer: cidr, {'destination' if egress else 'source'}_group or prefix_list "
                f"(got {len(peers)}).",
            )
        block = parse_network(cidr, "cidrIp") if cidr is not None else None
        group_id: str | None = None
        if group is not None and not resolve:
            group_id = group.id if isinstance(group, Resource) else str(group)
        elif group is not None:
            peer = self._get(group, SecurityGroup)
            # SPEC G2: a reference reaches SGs of the same VPC or of a same-Region VPC peered with it.
            peered = peer.vpc.region == sg.vpc.region and any(
                p.status == "active" and p.joins(sg.vpc) and p.joins(peer.vpc) for p in self.vpc_peering_connections
            )
            if peer.vpc is not sg.vpc and not peered:
                raise AwsError(
                    "InvalidGroup.NotFound",
                    f"Security group {peer.id} is in {peer.vpc.id}, neither {sg.vpc.id} nor a VPC peered with it "
                    "in the same Region.",
                )
            group_id = peer.id
        prefix_list_id: str | None = None
        if prefix_list is not None:
            prefix_list_id = self._get(prefix_list, ManagedPrefixList).id if resolve else _ref_id(prefix_list)
        if (number == 58 and block is not None and block.version == 4) or (
            number == 1 and block is not None and block.version == 6
        ):
            raise _invalid(f"Protocol {protocol!r} does not match the address family of {block}.")
        if not isinstance(description, str) or len(description) > 255:
            raise _invalid(f"Value ({description!r}) for parameter description is invalid.")
        low, high = port_range if port_range is not None else (None, None)
        return SecurityGroupRule(
            id="",
            egress=egress,
            protocol=number,
            from_port=low,
            to_port=high,
            cidr=block,
            prefix_list_id=prefix_list_id,
            group_id=group_id,
            description=description,
        )

    def _rule_units(self, rule: SecurityGroupRule, sizes: Mapping[str, int]) -> dict[int, int]:
        """SPEC G7: quota units per address family. A prefix list weighs its max entries (AWS-managed lists their
        published weight); an SG reference counts once for IPv4 and once for IPv6."""
        if rule.group_id is not None:
            return {4: 1, 6: 1}
        if rule.prefix_list_id is not None:
            pl = self._store[ManagedPrefixList].get(rule.prefix_list_id)
            if isinstance(pl, ManagedPrefixList):
                return {6 if pl.address_family == "IPv6" else 4: sizes.get(pl.id, pl.weight)}
            return {4: 1}
        assert rule.cidr is not None
        return {rule.cidr.version: 1}

    def _check_rule_quota(
        self, sg: SecurityGroup, egress: bool, rules: list[SecurityGroupRule], sizes: Mapping[str, int]
    ) -> None:
        for family in (4, 6):
            used = sum(self._rule_units(r, sizes).get(family, 0) for r in rules)
            if used > self.quotas.rules_per_security_group:
                raise AwsError(
                    "RulesPerSecurityGroupLimitExceeded",
                    f"{sg.id} would have {used} {'outbound' if egress else 'inbound'} IPv{family} rule units, over "
                    f"the quota of {self.quotas.rules_per_security_group} (G7).",
                )

    def _authorize(self, security_group: object, egress: bool, *args: object) -> SecurityGroupRule:
        sg = self._get(security_group, SecurityGroup)
        rule = self._sg_rule(sg, egress, *args)
        rules = sg.rules(egress)
        if rule in rules:
            raise AwsError(
                "InvalidPermission.Duplicate",
                f'the specified rule "{rule}" already exists in {sg.id}.',
            )
        self._check_rule_quota(sg, egress, [*rules, rule], {})
        rule = attrs.evolve(rule, id=self._ids.new("sgr"))
        rules.append(rule)
        return rule

    def _revoke(self, security_group: object, egress: bool, rule_id: str | None, *args: object) -> None:
        sg = self._get(security_group, SecurityGroup)
        rules = sg.rules(egress)
        if rule_id is not None:
            match = next((r for r in rules if r.id == rule_id), None)
            if match is None:
                raise AwsError(
                    "InvalidSecurityGroupRuleId.NotFound",
                    f"The security group rule ID '{rule_id}' does not exist in the "
                    f"{'egress' if egress else 'ingress'} rules of "
                    f"{sg.id}.",
                )
            shown = rule_id
        else:
            wanted = self._sg_rule(sg, egress, *args, resolve=False)
            match = next((r for r in rules if r == wanted), None)
            shown = str(wanted)
        if match is None:
            raise AwsError(
                "InvalidPermission.NotFound",
                f"The specified rule {shown!r} does not exist in {'egress' if egress else 'ingress'} of {sg.id}.",
            )
        rules.remove(match)

    @_mutates
    def authorize_security_group_ingress(
        self,
        security_group: SecurityGroup | str,
        *,
        protocol: str | int,
        ports: int | tuple[int, int] | None = None,
        cidr: str | None = None,
        source_group: SecurityGroup | str | None = None,
        prefix_list: ManagedPrefixList | str | None = None,
        description: str = "",
    ) -> SecurityGroupRule:
        """Allow inbound traffic from one peer (G1, G2).

        ``ports`` is a port or (first, last) for TCP/UDP (required), (type, code) for ICMP (required) and ICMPv6
        (optional), -1 meaning any; other protocols and ``-1`` (all) take no ports.

        Raises
        ------
        AwsError
            ``InvalidPermission.Duplicate``, ``RulesPerSecurityGroupLimitExceeded`` (G7), ``InvalidGroup.NotFound``
            (an SG neither in this VPC nor in a same-Region peered one), ``InvalidPermission.Malformed`` (a port or
            ICMP type out of range), ``InvalidParameterValue`` (protocol, missing ports, CIDR, description).
        """
        return self._authorize(security_group, False, protocol, ports, cidr, source_group, prefix_list, description)

    @_mutates
    def authorize_security_group_egress(
        self,
        security_group: SecurityGroup | str,
        *,
        protocol: str | int,
        ports: int | tuple[int, int] | None = None,
        cidr: str | None = None,
        destination_group: SecurityGroup | str | None = None,
        prefix_list: ManagedPrefixList | str | None = None,
        description: str = "",
    ) -> SecurityGroupRule:
        """Allow outbound traffic to one peer; see :meth:`authorize_security_group_ingress`."""
        return self._authorize(
            security_group, True, protocol, ports, cidr, destination_group, prefix_list, description
        )

    @_mutates
    def revoke_security_group_ingress(
        self,
        security_group: SecurityGroup | str,
        *,
        protocol: str | int | None = None,
        ports: int | tuple[int, int] | None = None,
        cidr: str | None = None,
        source_group: SecurityGroup | str | None = None,
        prefix_list: ManagedPrefixList | str | None = None,
        rule_id: str | None = None,
    ) -> None:
        """Remove an inbound rule, named by its fields or its ``sgr-`` id (``InvalidPermission.NotFound``)."""
        self._revoke(security_group, False, rule_id, protocol, ports, cidr, source_group, prefix_list, "")

    @_mutates
    def revoke_security_group_egress(
        self,
        security_group: SecurityGroup | str,
        *,
        protocol: str | int | None = None,
        ports: int | tuple[int, int] | None = None,
        cidr: str | None = None,
        destination_group: SecurityGroup | str | None = None,
        prefix_list: ManagedPrefixList | str | None = None,
        rule_id: str | None = None,
    ) -> None:
        """Remove an outbound rule, named by its fields or its ``sgr-`` id."""
        self._revoke(security_group, True, rule_id, protocol, ports, cidr, destination_group, prefix_list, "")

    # ------------------------------------------------------------------ managed prefix lists

    def _prefix_entries(self, entries: Iterable[object], family: str) -> dict[IPNetwork, str]:
        parsed: dict[IPNetwork, str] = {}
        for item in _items(entries, "entries"):
            cidr, description = item if isinstance(item, tuple) else (item, "")
            block = parse_network(cidr, "cidr")
            if block.version != (6 if family == "IPv6" else 4):
                raise _invalid(f"The entry {block} does not match the prefix list's address family {family}.")
            parsed[block] = str(description)
        return parsed

    @_mutates
    def create_managed_prefix_list(
        self,
        prefix_list_name: str,
        *,
        max_entries: int,
        address_family: str = "IPv4",
        entries: Iterable[str | tuple[str, str]] = (),
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> ManagedPrefixList:
        """A customer-managed prefix list; ``entries`` are CIDRs or (CIDR, description) pairs."""
        if (
            not isinstance(prefix_list_name, str)
            or not prefix_list_name
            or prefix_list_name.startswith("com.amazonaws")
        ):
            raise _invalid(f"Value ({prefix_list_name!r}) for parameter prefixListName is invalid.")
        if address_family not in ("IPv4", "IPv6"):
            raise _invalid(f"Value ({address_family!r}) for parameter addressFamily is invalid: IPv4 or IPv6.")
        _check_range(max_entries, "maxEntries", 1, 1000)
        parsed = self._prefix_entries(entries, address_family)
        if len(parsed) > max_entries:
            raise _invalid(f"{len(parsed)} entries exceed max_entries {max_entries}.")
        return self._add(
            ManagedPrefixList(
                tags=_tags(name, tags),
                id=self._new_id(ManagedPrefixList),
                prefix_list_name=prefix_list_name,
                address_family=address_family,
                max_entries=max_entries,
                entries=parsed,
            )
        )

    @_mutates
    def modify_managed_prefix_list(
        self,
        prefix_list: ManagedPrefixList | str,
        *,
        add_entries: Iterable[str | tuple[str, str]] = (),
        remove_entries: Iterable[str] = (),
        max_entries: int | None = None,
    ) -> ManagedPrefixList:
        """Add or remove entries or resize; a resize that would break an SG's rule quota (G7) is refused."""
        pl = self._get(prefix_list, ManagedPrefixList)
        if pl.owner_id == "AWS":
            raise AwsError("OperationNotPermitted", f"{pl.id} is managed by AWS and cannot be modified.")
        added = self._prefix_entries(add_entries, pl.address_family)
        removed = [parse_network(c, "cidr") for c in _items(remove_entries, "removeEntries")]
        if max_entries is not None and (added or removed):
            raise AwsError(
                "InvalidParameterCombination", f"Change the entries or the size of {pl.id}, not both in one call."
            )
        for block in removed:
            if block not in pl.entries:
                raise _invalid(f"The entry {block} is not in {pl.id}.")
        size = pl.max_entries
        if max_entries is not None:
            _check_range(max_entries, "maxEntries", 1, 1000)
            size = max_entries
        entries = {k: v for k, v in pl.entries.items() if k not in removed} | added
        if len(entries) > size:
            raise _invalid(f"{len(entries)} entries exceed max_entries {size} of {pl.id}.")
        if size > pl.max_entries:
            for sg in self.security_groups:
                for egress in (False, True):
                    rules = sg.rules(egress)
                    if any(r.prefix_list_id == pl.id for r in rules):
                        self._check_rule_quota(sg, egress, rules, {pl.id: size})
        pl.entries, pl.max_entries = entries, size
        pl.version += 1
        return pl

    @_mutates
    def delete_managed_prefix_list(self, prefix_list: ManagedPrefixList | str) -> None:
        """Delete a prefix list; ``DependencyViolation`` while SG rules or routes use it."""
        pl = self._get(prefix_list, ManagedPrefixList)
        if pl.owner_id == "AWS":
            raise AwsError("OperationNotPermitted", f"{pl.id} is managed by AWS and cannot be deleted.")
        users = [
            g.id for g in self.security_groups if any(r.prefix_list_id == pl.id for r in [*g.ingress, *g.egress])
        ]
        users += [t.id for t in self.route_tables if any(r.destination_prefix_list_id == pl.id for r in t.routes)]
        if users:
            raise AwsError(
                "DependencyViolation", f"Prefix list {pl.id} is in use by {', '.join(sorted(set(users)))}."
            )
        self._remove(pl)

    # ------------------------------------------------------------------ network interfaces

    def _plan_addresses(
        self, subnet: Subnet, version: int, explicit: Sequence[object], count: int, field: str
    ) -> list[IPAddress]:
        """Choose addresses without taking them: explicit ones checked (E4), then ``count`` free ones."""
        chosen: list[IPAddress] = []
        cidr = subnet.cidr_block if version == 4 else subnet.ipv6_cidr_block
        if cidr is None and (explicit or count):
            raise AwsError("InvalidParameterCombination", f"Subnet {subnet.id} has no IPv6 CIDR block.")
        for value in explicit:
            address = parse_address(value, field, version=4 if version == 4 else 6)
            if not subnet.contains(address):
                raise _invalid(f"Address {address} does not fall within the subnet's address range ({cidr}).")
            if subnet.is_reserved(address):
                raise _invalid(f"Address {address} is reserved by AWS in {subnet.id} (E4).")
            if address in subnet.used_addresses or address in chosen:
                owner = subnet.used_addresses.get(address, "this request")
                raise AwsError("InvalidIPAddress.InUse", f"Address {address} is in use by {owner}.")
            chosen.append(address)
        free = (a for a in subnet.free_addresses(version) if a not in chosen)
        for _ in range(count):
            found = next(free, None)
            if found is None:
                raise AwsError(
                    "InsufficientFreeAddressesInSubnet", f"Subnet {subnet.id} has no free IPv{version} address left."
                )
            chosen.append(found)
        return chosen

    def _interface_groups(self, vpc: Vpc, groups: Iterable[object] | None) -> list[SecurityGroup]:
        if groups is None:
            return [vpc.default_security_group]
        if isinstance(groups, str | Resource):
            groups = [groups]
        resolved: list[SecurityGroup] = []
        for ref in _items(groups, "securityGroups"):
            sg = self._get(ref, SecurityGroup)
            if sg.vpc is not vpc:
                raise AwsError(
                    "InvalidParameter", f"Security group {sg.id} and VPC {vpc.id} belong to different networks."
                )
            if sg not in resolved:
                resolved.append(sg)
        if not resolved:
            raise _invalid("An interface needs at least one security group.")
        if len(resolved) > self.quotas.security_groups_per_interface:
            raise AwsError(
                "SecurityGroupsPerInterfaceLimitExceeded",
                f"{len(resolved)} security groups exceed the {self.quotas.security_groups_per_interface} allowed "
                "per network interface (G7).",
            )
        return resolved

    def _new_mac(self) -> str:
        return ":".join(f"{o:02x}" for o in (0x0E, *self._ids.bits(40).to_bytes(5, "big")))

    def _new_interface(
        self,
        subnet: Subnet,
        *,
        groups: list[SecurityGroup],
        ipv4: list[IPAddress],
        ipv6: list[IPAddress],
        tags: dict[str, str],
        description: str = "",
        source_dest_check: bool = True,
        interface_type: str = "interface",
        requester_managed: bool = False,
        connection_tracking: ConnectionTracking | None = None,
    ) -> NetworkInterface:
        """Create an ENI from checked parts; the only place addresses are taken."""
        eni = self._add(
            NetworkInterface(
                id=self._new_id(NetworkInterface),
                tags=tags,
                subnet=subnet,
                mac_address=self._new_mac(),
                private_ip_addresses=[a for a in ipv4 if isinstance(a, ipaddress.IPv4Address)],
                ipv6_addresses=[a for a in ipv6 if isinstance(a, ipaddress.IPv6Address)],
                security_groups=groups,
                source_dest_check=source_dest_check,
                description=description,
                interface_type=interface_type,
                requester_managed=requester_managed,
                connection_tracking=connection_tracking or ConnectionTracking(),
            )
        )
        for address in [*ipv4, *ipv6]:
            subnet.take(address, eni.id)
        return eni

    def _delete_interface(self, eni: NetworkInterface) -> None:
        """Release an ENI's addresses and EIPs and forget it; the only place addresses are given back."""
        for eip in list(eni.elastic_ips.values()):
            self._unbind_eip(eip, replace_public_ip=False)
        for address in eni.addresses:
            eni.subnet.release(address)
        self._remove(eni)

    @_mutates
    def create_network_interface(
        self,
        subnet: Subnet | str,
        *,
        security_groups: Iterable[SecurityGroup | str] | None = None,
        private_ip: str | None = None,
        secondary_private_ips: Sequence[str] = (),
        secondary_private_ip_count: int = 0,
        ipv6_addresses: Sequence[str] = (),
        ipv6_address_count: int = 0,
        description: str = "",
        source_dest_check: bool = True,
        connection_tracking: ConnectionTracking | Mapping[str, int] | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> NetworkInterface:
        """Create an unattached ENI in a subnet (E4). SGs default to the VPC's default SG; ``connection_tracking``
        sets the idle timeouts of tracked connections (G6).

        Raises
        ------
        AwsError
            ``InvalidIPAddress.InUse``, ``InvalidParameterValue`` (address outside the subnet or reserved),
            ``InsufficientFreeAddressesInSubnet``, ``InvalidParameter`` (an SG of another VPC),
            ``SecurityGroupsPerInterfaceLimitExceeded`` (G7).
        """
        the_subnet = self._get(subnet, Subnet)
        groups = self._interface_groups(the_subnet.vpc, security_groups)
        explicit = [private_ip] if private_ip is not None else []
        ipv4 = self._plan_addresses(
            the_subnet,
            4,
            [*explicit, *_items(secondary_private_ips, "secondaryPrivateIpAddresses")],
            (0 if explicit else 1) + _count(secondary_private_ip_count, "secondaryPrivateIpAddressCount"),
            "privateIpAddress",
        )
        ipv6 = self._plan_addresses(
            the_subnet,
            6,
            _items(ipv6_addresses, "ipv6Addresses"),
            _count(ipv6_address_count, "ipv6AddressCount"),
            "ipv6Address",
        )
        if not isinstance(description, str):
            raise _invalid(f"Value ({description!r}) for parameter description is invalid.")
        return self._new_interface(
            the_subnet,
            groups=groups,
            ipv4=ipv4,
            ipv6=ipv6,
            tags=_tags(name, tags),
            description=description,
            source_dest_check=_bool(source_dest_check, "sourceDestCheck"),
            connection_tracking=self._connection_tracking(connection_tracking, ConnectionTracking()),
        )

    @_mutates
    def delete_network_interface(self, network_interface: NetworkInterface | str) -> None:
        """``InvalidNetworkInterface.InUse`` while attached; ``OperationNotPermitted`` when requester-managed (E6)."""
        eni = self._get(network_interface, NetworkInterface)
        if eni.requester_managed:
            raise AwsError(
                "OperationNotPermitted", f"{eni.id} is managed by {eni.interface_type} and cannot be deleted (E6)."
            )
        if eni.instance is not None:
            raise AwsError(
                "InvalidNetworkInterface.InUse", f"The network interface {eni.id} is attached to {eni.instance.id}."
            )
        self._delete_interface(eni)
        self._refresh_routes()

    def _check_ip_limits(self, instance_type: str, ipv4: int, ipv6: int) -> None:
        """SPEC E3: addresses per ENI for the instance type."""
        info = instance_type_info(instance_type)
        if ipv4 > info.ipv4_addresses_per_interface:
            raise AwsError(
                "PrivateIpAddressLimitExceeded",
                f"{ipv4} private IPv4 addresses exceed the {info.ipv4_addresses_per_interface} per network interface "
                f"of {instance_type} (E3).",
            )
        if ipv6 > info.ipv6_addresses_per_interface:
            raise AwsError(
                "PrivateIpAddressLimitExceeded",
                f"{ipv6} IPv6 addresses exceed the {info.ipv6_addresses_per_interface} per network interface "
                f"of {instance_type} (E3).",
            )

    @_mutates
    def attach_network_interface(
        self, network_interface: NetworkInterface | str, instance: Instance | str, *, device_index: int
    ) -> str:
        """Attach an ENI to an instance in the same AZ and VPC (E2). Returns the attachment id.

        Raises
        ------
        AwsError
            ``InvalidParameterCombination`` (another AZ or VPC), ``AttachmentLimitExceeded`` and
            ``PrivateIpAddressLimitExceeded`` (E3), ``InvalidNetworkInterface.InUse`` (already attached),
            ``InvalidParameterValue`` (device index taken), ``OperationNotPermitted`` (requester-managed, E6).
        """
        eni = self._get(network_interface, NetworkInterface)
        the_instance = self._get(instance, Instance)
        if isinstance(device_index, bool) or not isinstance(device_index, int) or device_index < 0:
            raise _invalid(f"Value ({device_index!r}) for parameter deviceIndex is invalid.")
        if eni.requester_managed:
            raise AwsError("OperationNotPermitted", f"{eni.id} is managed by {eni.interface_type} (E6).")
        if eni.instance is not None:
            raise AwsError("InvalidNetworkInterface.InUse", f"Interface {eni.id} is attached to {eni.instance.id}.")
        if eni.vpc is not the_instance.vpc:
            raise AwsError(
                "InvalidParameterCombination",
                f"{eni.id} is in {eni.vpc.id} but instance {the_instance.id} is in {the_instance.vpc.id} (E2).",
            )
        if eni.availability_zone != the_instance.availability_zone:
            raise AwsError(
                "InvalidParameterCombination",
                f"{eni.id} is in {eni.availability_zone} but instance {the_instance.id} is in "
                f"{the_instance.availability_zone} (E2).",
            )
        if any(e.device_index == device_index for e in the_instance.network_interfaces):
            raise _invalid(
                f"Instance '{the_instance.id}' already has an interface attached at device index '{device_index}'."
            )
        info = instance_type_info(the_instance.instance_type)
        if len(the_instance.network_interfaces) >= info.maximum_network_interfaces:
            raise AwsError(
                "AttachmentLimitExceeded",
                f"Interface count {len(the_instance.network_interfaces) + 1} exceeds the limit for "
                f"{the_instance.instance_type} ({info.maximum_network_interfaces}) (E3).",
            )
        self._check_ip_limits(the_instance.instance_type, len(eni.private_ip_addresses), len(eni.ipv6_addresses))
        self._attach(eni, the_instance, device_index, delete_on_termination=False)
        self._refresh_routes()
        assert eni.attachment_id is not None
        return eni.attachment_id

    def _attach(
        self, eni: NetworkInterface, instance: Instance, device_index: int, *, delete_on_termination: bool
    ) -> None:
        eni.instance, eni.device_index = instance, device_index
        eni.attachment_id = self._ids.new("eni-attach")
        eni.delete_on_termination = delete_on_termination
        instance.network_interfaces.append(eni)
        instance.network_interfaces.sort(key=lambda e: e.device_index or 0)

    @_mutates
    def detach_network_interface(self, network_interface: NetworkInterface | str) -> None:
        """Detach a secondary ENI (E2); its IPs, SGs and EIPs stay with it.

        Raises
        ------
        AwsError
            ``OperationNotPermitted`` for an instance's primary ENI (E1) or a requester-managed ENI (E6);
            ``InvalidAttachmentID.NotFound`` when it is not attached.
        """
        if isinstance(network_interface, str) and network_interface.startswith("eni-attach-"):
            eni = next((e for e in self.network_interfaces if e.attachment_id == network_interface), None)
            if eni is None:
                raise AwsError(
                    "InvalidAttachmentID.NotFound", f"The attachment ID '{network_interface}' does not exist."
                )
        else:
            eni = self._get(network_interface, NetworkInterface)
        if eni.requester_managed:
            raise AwsError(
                "OperationNotPermitted", f"{eni.id} is managed by {eni.interface_type} and cannot be detached (E6)."
            )
        if eni.instance is None:
            raise AwsError("InvalidAttachmentID.NotFound", f"The network interface {eni.id} is not attached.")
        if eni.device_index == 0:
            raise AwsError(
                "OperationNotPermitted",
                f"The network interface at device index 0 ({eni.id}) of {eni.instance.id} cannot be detached (E1).",
            )
        eni.instance.network_interfaces.remove(eni)
        eni.instance = eni.device_index = eni.attachment_id = None
        eni.delete_on_termination = False
        self._refresh_routes()

    @_mutates
    def modify_network_interface_attribute(
        self,
        network_interface: NetworkInterface | str,
        *,
        source_dest_check: bool | None = None,
        security_groups: Iterable[SecurityGroup | str] | None = None,
        description: str | None = None,
        connection_tracking: ConnectionTracking | Mapping[str, int] | None = None,
    ) -> None:
        """Change the source/destination check (E5), the SGs (G7), the description or the connection tracking
        timeouts (G6, only the ones given change) of an ENI."""
        eni = self._get(network_interface, NetworkInterface)
        if eni.requester_managed:
            raise AwsError("OperationNotPermitted", f"{eni.id} is managed by {eni.interface_type} (E6).")
        check = eni.source_dest_check if source_dest_check is None else _bool(source_dest_check, "sourceDestCheck")
        groups = eni.security_groups if security_groups is None else self._interface_groups(eni.vpc, security_groups)
        if description is not None and not isinstance(description, str):
            raise _invalid(f"Value ({description!r}) for parameter description is invalid.")
        eni.connection_tracking = self._connection_tracking(connection_tracking, eni.connection_tracking)
        eni.source_dest_check, eni.security_groups = check, list(groups)
        if description is not None:
            eni.description = description

    def _assign(self, eni: NetworkInterface, version: int, explicit: Sequence[str], count: int) -> list[IPAddress]:
        """Add addresses of one family to an ENI (E4), within its instance type's limit when attached (E3)."""
        field = "privateIpAddress" if version == 4 else "ipv6Address"
        planned = self._plan_addresses(
            eni.subnet, version, _items(explicit, field), _count(count, f"{field}Count"), field
        )
        if not planned:
            raise _invalid(f"Give {field} values or a count of at least 1.")
        current = eni.private_ip_addresses if version == 4 else eni.ipv6_addresses
        if eni.instance is not None:
            total = len(current) + len(planned)
            self._check_ip_limits(
                eni.instance.instance_type, total if version == 4 else 0, total if version == 6 else 0
            )
        current.extend(planned)  # type: ignore[arg-type]
        for address in planned:
            eni.subnet.take(address, eni.id)
        return planned

    def _unassign(self, eni: NetworkInterface, version: int, values: Sequence[str]) -> None:
        """Remove addresses of one family; never the primary private IPv4; their EIPs are disassociated."""
        field = "privateIpAddress" if version == 4 else "ipv6Address"
        addresses = [parse_address(a, field, version=4 if version == 4 else 6) for a in _items(values, field)]
        _no_repeats(addresses, field)
        current: list[IPAddress] = eni.private_ip_addresses if version == 4 else eni.ipv6_addresses  # type: ignore[assignment]
        for address in addresses:
            if address == eni.private_ip:
                raise _invalid(f"The primary private IP {address} of {eni.id} cannot be unassigned.")
            if address not in current:
                raise _invalid(f"Address {address} is not assigned to {eni.id}.")
        for address in addresses:
            if address in eni.elastic_ips:
                self._unbind_eip(eni.elastic_ips[address], replace_public_ip=False)  # type: ignore[index]
            current.remove(address)
            eni.subnet.release(address)

    @_mutates
    def assign_private_ip_addresses(
        self, network_interface: NetworkInterface | str, *, private_ips: Sequence[str] = (), count: int = 0
    ) -> list[IPAddress]:
        """Add secondary private IPv4s (E4), within the attached instance type's limit (E3)."""
        return self._assign(self._get(network_interface, NetworkInterface), 4, private_ips, count)

    @_mutates
    def unassign_private_ip_addresses(
        self, network_interface: NetworkInterface | str, private_ips: Sequence[str]
    ) -> None:
        """Remove secondary private IPv4s (their EIPs are disassociated); never the primary."""
        self._unassign(self._get(network_interface, NetworkInterface), 4, private_ips)

    @_mutates
    def assign_ipv6_addresses(
        self, network_interface: NetworkInterface | str, *, ipv6_addresses: Sequence[str] = (), count: int = 0
    ) -> list[IPAddress]:
        """Add IPv6 addresses from the subnet's IPv6 block, within the instance type's limit (E3)."""
        return self._assign(self._get(network_interface, NetworkInterface), 6, ipv6_addresses, count)

    @_mutates
    def unassign_ipv6_addresses(
        self, network_interface: NetworkInterface | str, ipv6_addresses: Sequence[str]
    ) -> None:
        """Remove IPv6 addresses from an ENI."""
        self._unassign(self._get(network_interface, NetworkInterface), 6, ipv6_addresses)

    # ------------------------------------------------------------------ instances

    def _metadata_options(
        self, options: MetadataOptions | Mapping[str, object] | None, base: MetadataOptions
    ) -> MetadataOptions:
        """SPEC M2: validate and merge metadata options."""
        merged = _merge_options(options, base, "metadata option")
        for field, allowed in (
            ("http_endpoint", ("enabled", "disabled")),
            ("http_tokens", ("optional", "required")),
            ("http_protocol_ipv6", ("enabled", "disabled")),
            ("instance_metadata_tags", ("enabled", "disabled")),
        ):
            if getattr(merged, field) not in allowed:
                raise _invalid(f"Value ({getattr(merged, field)!r}) for {field} is invalid: {' or '.join(allowed)}.")
        _check_range(merged.http_put_response_hop_limit, "http_put_response_hop_limit", 1, 64)
        return merged

    def _connection_tracking(
        self, options: ConnectionTracking | Mapping[str, object] | None, base: ConnectionTracking
    ) -> ConnectionTracking:
        """SPEC G6: validate and merge connection tracking timeouts."""
        merged = _merge_options(options, base, "connection tracking option")
        _check_range(merged.tcp_established_timeout, "tcp_established_timeout", 60, 432000)
        _check_range(merged.udp_stream_timeout, "udp_stream_timeout", 60, 180)
        _check_range(merged.udp_timeout, "udp_timeout", 30, 60)
        return merged

    def _new_public_ip(self) -> ipaddress.IPv4Address:
        """A public IPv4 never handed out before in this network (AWS does not recycle them at once either)."""
        while True:
            candidate = _PUBLIC_IPV4_POOL.network_address + self._ids.bits(20)
            if candidate.packed[-1] not in (0, 255) and self._ids.claim(str(candidate)):
                return candidate

    @_mutates
    def run_instance(
        self,
        subnet: Subnet | str,
        *,
        instance_type: str = "t2.micro",
        security_groups: Iterable[SecurityGroup | str] | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
        private_ip: str | None = None,
        associate_public_ip: bool | None = None,
        secondary_private_ip_count: int = 0,
        ipv6_address_count: int | None = None,
        source_dest_check: bool = True,
        metadata_options: MetadataOptions | Mapping[str, object] | None = None,
        iam_role: str | None = None,
    ) -> Instance:
        """Launch an instance with its primary ENI (E1) in ``subnet``.

        ``iam_role`` names the role of its instance profile: the instance metadata service hands out credentials
        for it (M3/M4).

        ``security_groups`` omitted means the VPC's default SG; ``associate_public_ip`` None means the subnet's
        ``map_public_ip_on_launch`` (P1). ``ipv6_address_count`` None means one IPv6 address when the subnet
        assigns them on creation.

        Raises
        ------
        AwsError
            ``InvalidParameterValue`` (unknown instance type, bad address), ``PrivateIpAddressLimitExceeded`` (E3),
            ``InvalidIPAddress.InUse``, ``InvalidParameter`` (an SG of another VPC),
            ``SecurityGroupsPerInterfaceLimitExceeded``.
        """
        the_subnet = self._get(subnet, Subnet)
        info = instance_type_info(instance_type)
        groups = self._interface_groups(the_subnet.vpc, security_groups)
        secondary = _count(secondary_private_ip_count, "secondaryPrivateIpAddressCount")
        if ipv6_address_count is None:
            ipv6_address_count = 1 if the_subnet.assign_ipv6_address_on_creation else 0
        v6_count = _count(ipv6_address_count, "ipv6AddressCount")
        if v6_count and not info.ipv6_supported:
            raise _invalid(f"Instance type {instance_type} does not support IPv6.")
        self._check_ip_limits(instance_type, 1 + secondary, v6_count)
        explicit = [private_ip] if private_ip is not None else []
        ipv4 = self._plan_addresses(the_subnet, 4, explicit, (0 if explicit else 1) + secondary, "privateIpAddress")
        ipv6 = self._plan_addresses(the_subnet, 6, [], v6_count, "ipv6Address")
        public = (
            the_subnet.map_public_ip_on_launch
            if associate_public_ip is None
            else _bool(associate_public_ip, "associatePublicIpAddress")
        )
        options = self._metadata_options(metadata_options, MetadataOptions())
        check = _bool(source_dest_check, "sourceDestCheck")
        role = None if iam_role is None else _role_name(iam_role)
        instance = self._add(
            Instance(
                tags=_tags(name, tags),
                id=self._new_id(Instance),
                instance_type=instance_type,
                metadata_options=options,
                associate_public_ip=public,
                iam_role=role,
            )
        )
        eni = self._new_interface(
            the_subnet,
            groups=groups,
            ipv4=ipv4,
            ipv6=ipv6,
            tags={},
            description="Primary network interface",
            source_dest_check=check,
        )
        self._attach(eni, instance, 0, delete_on_termination=True)
        if public:
            eni.auto_public_ip = self._new_public_ip()
        return instance

    @_mutates
    def stop_instance(self, instance: Instance | str) -> None:
        """Stop: the auto-assigned public IPv4 is released (P1); EIPs stay; routes to it become blackholes."""
        the_instance = self._get(instance, Instance)
        the_instance.state = "stopped"
        for eni in the_instance.network_interfaces:
            eni.auto_public_ip = None
        self._refresh_routes()

    @_mutates
    def start_instance(self, instance: Instance | str) -> None:
        """Start: a new auto-assigned public IPv4 when launched with one and no EIP holds the primary IP (P1)."""
        the_instance = self._get(instance, Instance)
        if the_instance.state == "running":
            return
        the_instance.state = "running"
        self._maybe_new_public_ip(the_instance.primary_network_interface)
        self._refresh_routes()

    def _maybe_new_public_ip(self, eni: NetworkInterface) -> None:
        """SPEC P1/P2: a running single-ENI instance launched with a public IP gets one when none is mapped."""
        instance = eni.instance
        if (
            instance is not None
            and instance.associate_public_ip
            and instance.state == "running"
            and eni.device_index == 0
            and len(instance.network_interfaces) == 1
            and eni.private_ip not in eni.elastic_ips
            and eni.auto_public_ip is None
        ):
            eni.auto_public_ip = self._new_public_ip()

    @_mutates
    def terminate_instance(self, instance: Instance | str) -> None:
        """Terminate: ENIs with delete-on-termination (the primary) are deleted, others detached with their EIPs."""
        the_instance = self._get(instance, Instance)
        for eni in list(the_instance.network_interfaces):
            eni.instance = eni.device_index = eni.attachment_id = None
            if eni.delete_on_termination:
                self._delete_interface(eni)
            eni.delete_on_termination = False
        the_instance.network_interfaces.clear()
        the_instance.state = "terminated"
        for group in self.target_groups:  # ELB deregisters terminated instances
            group.targets = [t for t in group.targets if t.id != the_instance.id]
        self._failed.discard(the_instance.id)
        self._remove(the_instance)
        self._refresh_routes()

    @_mutates
    def modify_instance_attribute(self, instance: Instance | str, *, source_dest_check: bool) -> None:
        """ModifyInstanceAttribute's ``SourceDestCheck``: sets the flag of the instance's primary ENI (E5)."""
        the_instance = self._get(instance, Instance)
        the_instance.primary_network_interface.source_dest_check = _bool(source_dest_check, "sourceDestCheck")

    @_mutates
    def configure_nat_instance(self, instance: Instance | str, *, masquerade: bool = True) -> None:
        """Say what EC2 cannot see: the instance's OS masquerades traffic it forwards (iptables ``MASQUERADE``).

        A NAT instance is an instance with source/dest check off (E5) that rewrites the source of forwarded packets
        to its own private IP, so private subnets reach the internet through its public address.
        """
        self._get(instance, Instance).masquerade = _bool(masquerade, "masquerade")

    @_mutates
    def associate_iam_instance_profile(self, instance: Instance | str, role: str) -> None:
        """AssociateIamInstanceProfile: give the instance a role; IMDS serves its credentials (M3).

        Raises ``IncorrectState`` when the instance already has one (AWS: replace it instead).
        """
        the_instance = self._get(instance, Instance)
        name = _role_name(role)
        if the_instance.iam_role is not None:
            raise AwsError(
                "IncorrectState", f"{the_instance.id} already has an IAM instance profile ({the_instance.iam_role})."
            )
        the_instance.iam_role = name

    @_mutates
    def disassociate_iam_instance_profile(self, instance: Instance | str) -> None:
        """DisassociateIamInstanceProfile: IMDS stops serving credentials."""
        the_instance = self._get(instance, Instance)
        if the_instance.iam_role is None:
            raise AwsError(
                "InvalidAssociationID.NotFound", f"{the_instance.id} has no IAM instance profile association."
            )
        the_instance.iam_role = None

    @_mutates
    def modify_instance_metadata_options(self, instance: Instance | str, /, **options: object) -> MetadataOptions:
        """Change IMDS options (M2): http_endpoint, http_tokens, http_put_response_hop_limit, ..."""
        the_instance = self._get(instance, Instance)
        the_instance.metadata_options = self._metadata_options(options, the_instance.metadata_options)
        return the_instance.metadata_options

    # ------------------------------------------------------------------ elastic IPs

    @_mutates
    def allocate_address(self, *, name: str | None = None, tags: Mapping[str, str] | None = None) -> ElasticIp:
        """Allocate an Elastic IP (P2)."""
        return self._add(
            ElasticIp(tags=_tags(name, tags), id=self._new_id(ElasticIp), public_ip=self._new_public_ip())
        )

    def _eip_owner(self, eip: ElasticIp) -> NatGateway | LoadBalancer | None:
        """The NAT gateway or load balancer whose (requester-managed) interface holds the EIP (E6)."""
        nat = next((n for n in self.nat_gateways if n.elastic_ip is eip), None)
        if nat is not None or eip.network_interface is None:
            return nat
        return self._lb_nodes().get(eip.network_interface.id)

    @_mutates
    def release_address(self, elastic_ip: ElasticIp | str) -> None:
        """Release an Elastic IP; ``InvalidIPAddress.InUse`` while it is associated."""
        eip = self._get(elastic_ip, ElasticIp)
        if eip.is_associated:
            raise AwsError("InvalidIPAddress.InUse", f"Address {eip.public_ip} ({eip.id}) is in use.")
        self._remove(eip)

    def _bind_eip(self, eip: ElasticIp, eni: NetworkInterface, private_ip: ipaddress.IPv4Address) -> None:
        eip.network_interface, eip.private_ip = eni, private_ip
        eip.association_id = self._ids.new("eipassoc")
        eni.elastic_ips[private_ip] = eip
        if private_ip == eni.private_ip:
            eni.auto_public_ip = None  # SPEC P2: an EIP replaces the auto-assigned public IP

    def _unbind_eip(self, eip: ElasticIp, *, replace_public_ip: bool) -> None:
        eni = eip.network_interface
        assert eni is not None
        assert eip.private_ip is not None
        del eni.elastic_ips[eip.private_ip]
        eip.network_interface = eip.private_ip = eip.association_id = None
        if replace_public_ip:
            self._maybe_new_public_ip(eni)

    @_mutates
    def associate_address(
        self,
        elastic_ip: ElasticIp | str,
        *,
        instance: Instance | str | None = None,
        network_interface: NetworkInterface | str | None = None,
        private_ip: str | None = None,
        allow_reassociation: bool = True,
    ) -> str:
        """Map an EIP to a private IPv4 (P2). Returns the association id.

        An instance means its primary ENI's primary IP, and only when it has a single ENI. An EIP already mapped
        elsewhere moves, unless ``allow_reassociation=False``. An EIP already on the target IP is replaced.

        Raises
        ------
        AwsError
            ``Resource.AlreadyAssociated``, ``InvalidInstanceID`` (several ENIs), ``Gateway.NotAttached`` (no IGW),
            ``InvalidParameterValue`` (private IP not on the ENI), ``InvalidParameterCombination``.
        """
        eip = self._get(elastic_ip, ElasticIp)
        if (instance is None) == (network_interface is None):
            raise AwsError("InvalidParameterCombination", "Give exactly one of instance or network_interface.")
        if instance is not None:
            the_instance = self._get(instance, Instance)
            if len(the_instance.network_interfaces) > 1:
                raise AwsError(
                    "InvalidInstanceID",
                    f"There are multiple interfaces attached to instance '{the_instance.id}'. "
                    "Please specify an interface ID for the operation instead.",
                )
            eni = the_instance.primary_network_interface
        else:
            eni = self._get(network_interface, NetworkInterface)
        if eni.requester_managed:
            raise AwsError("OperationNotPermitted", f"{eni.id} is managed by {eni.interface_type} (E6).")
        address = eni.private_ip if private_ip is None else parse_address(private_ip, "privateIpAddress", version=4)
        if address not in eni.private_ip_addresses:
            raise _invalid(f"The private IP {address} is not assigned to {eni.id}.")
        assert isinstance(address, ipaddress.IPv4Address)
        if not any(g.vpc is eni.vpc for g in self.internet_gateways):
            raise AwsError("Gateway.NotAttached", f"Network {eni.vpc.id} is not attached to any internet gateway.")
        if eip.network_interface is eni and eip.private_ip == address:
            assert eip.association_id is not None
            return eip.association_id
        if self._eip_owner(eip) is not None:
            raise AwsError("Resource.AlreadyAssociated", f"{eip.id} is in use by a NAT gateway or load balancer.")
        if eip.is_associated and not _bool(allow_reassociation, "allowReassociation"):
            raise AwsError(
                "Resource.AlreadyAssociated",
                f"Elastic IP {eip.public_ip} ({eip.id}) is already associated with {eip.network_interface.id}"  # type: ignore[union-attr]
                f" ({eip.private_ip}).",
            )
        if eip.is_associated:
            self._unbind_eip(eip, replace_public_ip=True)
        if address in eni.elastic_ips:
            self._unbind_eip(eni.elastic_ips[address], replace_public_ip=False)
        self._bind_eip(eip, eni, address)
        assert eip.association_id is not None
        return eip.association_id

    @_mutates
    def disassociate_address(self, elastic_ip: ElasticIp | str) -> None:
        """Unmap an EIP (by allocation or ``eipassoc-`` id); ``InvalidAssociationID.NotFound`` when not mapped."""
        if isinstance(elastic_ip, str) and elastic_ip.startswith("eipassoc-"):
            eip = next((e for e in self.elastic_ips if e.association_id == elastic_ip), None)
            if eip is None:
                raise AwsError("InvalidAssociationID.NotFound", f"The association ID '{elastic_ip}' does not exist.")
        else:
            eip = self._get(elastic_ip, ElasticIp)
        if not eip.is_associated:
            raise AwsError("InvalidAssociationID.NotFound", f"{eip.id} ({eip.public_ip}) is not associated.")
        owner = self._eip_owner(eip)
        if owner is not None:
            noun = "NAT gateway" if isinstance(owner, NatGateway) else "load balancer"
            raise AwsError("OperationNotPermitted", f"{eip.id} belongs to {noun} {owner.id}; delete the {noun}.")
        self._unbind_eip(eip, replace_public_ip=True)

    # ------------------------------------------------------------------ internet gateways

    @_mutates
    def create_internet_gateway(
        self, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> InternetGateway:
        """A detached internet gateway; attach it with :meth:`attach_internet_gateway`."""
        return self._add(InternetGateway(tags=_tags(name, tags), id=self._new_id(InternetGateway)))

    @_mutates
    def attach_internet_gateway(self, internet_gateway: InternetGateway | str, vpc: Vpc | str) -> None:
        """One VPC per IGW (``Resource.AlreadyAssociated``) and one IGW per VPC (``InvalidParameterValue``)."""
        igw = self._get(internet_gateway, InternetGateway)
        the_vpc = self._get(vpc, Vpc)
        if igw.vpc is not None:
            raise AwsError(
                "Resource.AlreadyAssociated", f"resource {igw.id} is already attached to network {igw.vpc.id}."
            )
        other = next((g for g in self.internet_gateways if g.vpc is the_vpc), None)
        if other is not None:
            raise AwsError(
                "InvalidParameterValue",
                f"Network {the_vpc.id} already has an internet gateway attached ({other.id}).",
            )
        igw.vpc = the_vpc
        self._refresh_routes()

    @_mutates
    def detach_internet_gateway(self, internet_gateway: InternetGateway | str, vpc: Vpc | str) -> None:
        """``Gateway.NotAttached``; ``DependencyViolation`` while public addresses are mapped in the VPC (P3)."""
        igw = self._get(internet_gateway, InternetGateway)
        the_vpc = self._get(vpc, Vpc)
        if igw.vpc is not the_vpc:
            raise AwsError("Gateway.NotAttached", f"resource {igw.id} is not attached to network {the_vpc.id}.")
        mapped = [e.id for e in self.network_interfaces if e.vpc is the_vpc and e.public_ips]
        if mapped:
            raise AwsError(
                "DependencyViolation",
                f"Network {the_vpc.id} has some mapped public address(es) ({', '.join(mapped)}). "
                "Please unmap those public address(es) before detaching the gateway.",
            )
        igw.vpc = None
        igw.edge_association = None
        self._refresh_routes()

    @_mutates
    def delete_internet_gateway(self, internet_gateway: InternetGateway | str) -> None:
        """Delete a detached internet gateway; ``DependencyViolation`` while attached."""
        igw = self._get(internet_gateway, InternetGateway)
        if igw.vpc is not None:
            raise AwsError("DependencyViolation", f"The internetGateway '{igw.id}' is attached to {igw.vpc.id}.")
        self._remove(igw)
        self._refresh_routes()

    @_mutates
    def create_egress_only_internet_gateway(
        self, vpc: Vpc | str, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> EgressOnlyInternetGateway:
        """An egress-only IGW for the VPC's IPv6 traffic (I3)."""
        the_vpc = self._get(vpc, Vpc)
        return self._add(
            EgressOnlyInternetGateway(tags=_tags(name, tags), id=self._new_id(EgressOnlyInternetGateway), vpc=the_vpc)
        )

    @_mutates
    def delete_egress_only_internet_gateway(self, gateway: EgressOnlyInternetGateway | str) -> None:
        """Delete an egress-only IGW; routes to it become blackholes (R6)."""
        self._remove(self._get(gateway, EgressOnlyInternetGateway))
        self._refresh_routes()

    # ------------------------------------------------------------------ NAT gateways

    @_mutates
    def create_nat_gateway(
        self,
        subnet: Subnet | str,
        *,
        allocation: ElasticIp | str | None = None,
        connectivity: str = "public",
        private_ip: str | None = None,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> NatGateway:
        """A NAT gateway with a requester-managed ENI in ``subnet`` (E6); a public one needs an unused EIP (I4).

        As in AWS, a public NAT gateway whose EIP is already associated, or whose VPC has no internet gateway, is
        created and then fails: ``state`` is ``"failed"`` with ``failure_code`` (``Resource.AlreadyAssociated``,
        ``Gateway.NotAttached``) and ``failure_message``; it has no ENI and routes to it are blackholes.

        Raises
        ------
        AwsError
            ``InvalidParameterValue`` (connectivity, missing EIP, bad private IP), ``InvalidParameterCombination``
            (EIP on a private NAT).
        """
        the_subnet = self._get(subnet, Subnet)
        if connectivity not in ("public", "private"):
            raise _invalid(f"Value ({connectivity!r}) for parameter connectivityType is invalid: public or private.")
        eip: ElasticIp | None = None
        failure: tuple[str, str] | None = None
        if connectivity == "public":
            if allocation is None:
                raise _invalid("A public NAT gateway needs an Elastic IP allocation.")
            eip = self._get(allocation, ElasticIp)
            if eip.is_associated:
                failure = ("Resource.AlreadyAssociated", f"Elastic IP address [{eip.id}] is already associated")
            elif not any(g.vpc is the_subnet.vpc for g in self.internet_gateways):
                failure = ("Gateway.NotAttached", f"Network {the_subnet.vpc.id} has no Internet gateway attached")
        elif allocation is not None:
            raise AwsError("InvalidParameterCombination", "A private NAT gateway takes no Elastic IP.")
        explicit = [private_ip] if private_ip is not None else []
        ipv4 = self._plan_addresses(the_subnet, 4, explicit, 0 if explicit else 1, "privateIpAddress")
        tag_map = _tags(name, tags)
        nat_id = self._new_id(NatGateway)
        if failure is not None:
            code, message = failure
            return self._add(
                NatGateway(
                    id=nat_id,
                    tags=tag_map,
                    subnet=the_subnet,
                    connectivity=connectivity,
                    state="failed",
                    failure_code=code,
                    failure_message=message,
                )
            )
        eni = self._new_interface(
            the_subnet,
            groups=[],
            ipv4=ipv4,
            ipv6=[],
            tags={},
            description=f"Interface for NAT Gateway {nat_id}",
            source_dest_check=False,
            interface_type="nat_gateway",
            requester_managed=True,
        )
        nat = self._add(
            NatGateway(
                id=nat_id,
                tags=tag_map,
                subnet=the_subnet,
                connectivity=connectivity,
                network_interface=eni,
                elastic_ip=eip,
            )
        )
        if eip is not None:
            self._bind_eip(eip, eni, eni.private_ip)
        self._refresh_routes()
        return nat

    @_mutates
    def delete_nat_gateway(self, nat_gateway: NatGateway | str) -> None:
        """Delete a NAT gateway, its ENI and its EIP mapping; routes to it become blackholes (R6)."""
        nat = self._get(nat_gateway, NatGateway)
        if nat.network_interface is not None:
            self._delete_interface(nat.network_interface)
        self._remove(nat)
        self._failed.discard(nat.id)
        self._refresh_routes()

    # ------------------------------------------------------------------ VPC peering

    @_mutates
    def create_vpc_peering_connection(
        self,
        vpc: Vpc | str,
        peer_vpc: Vpc | str,
        *,
        auto_accept: bool = True,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> VpcPeeringConnection:
        """Peer two VPCs (I5); active at once unless ``auto_accept=False``.

        Raises
        ------
        AwsError
            ``InvalidParameterValue`` (same VPC), ``VpcPeeringConnectionAlreadyExists``. Overlapping CIDRs do not
            raise: as in AWS, the connection is created with status ``failed`` and a ``status_message``.
        """
        requester, accepter = self._get(vpc, Vpc), self._get(peer_vpc, Vpc)
        if requester is accepter:
            raise _invalid(f"A VPC cannot peer with itself ({requester.id}).")
        for existing in self.vpc_peering_connections:
            if (
                existing.joins(requester)
                and existing.joins(accepter)
                and existing.status in ("active", "pending-acceptance")
            ):
                raise AwsError(
                    "VpcPeeringConnectionAlreadyExists",
                    f"{existing.id} already peers {requester.id} and {accepter.id}.",
                )
        wanted = "active" if _bool(auto_accept, "autoAccept") else "pending-acceptance"
        status, message = _peering_status(requester, accepter, wanted)
        pcx = self._add(
            VpcPeeringConnection(
                tags=_tags(name, tags),
                id=self._new_id(VpcPeeringConnection),
                requester_vpc=requester,
                accepter_vpc=accepter,
                status=status,
                status_message=message,
            )
        )
        self._refresh_routes()
        return pcx

    @_mutates
    def accept_vpc_peering_connection(self, peering: VpcPeeringConnection | str) -> None:
        """Accept a pending peering (one whose VPCs came to overlap has already failed, I5)."""
        pcx = self._get(peering, VpcPeeringConnection)
        if pcx.status != "pending-acceptance":
            raise AwsError("InvalidStateTransition", f"{pcx.id} is {pcx.status}, not pending-acceptance.")
        pcx.status = "active"
        self._refresh_routes()

    @_mutates
    def delete_vpc_peering_connection(self, peering: VpcPeeringConnection | str) -> None:
        """Delete a peering: routes through it become blackholes (R6)."""
        self._remove(self._get(peering, VpcPeeringConnection))
        self._refresh_routes()

    # ------------------------------------------------------------------ transit gateways

    @_mutates
    def create_transit_gateway(
        self,
        *,
        amazon_side_asn: int = 64512,
        default_route_table_association: bool = True,
        default_route_table_propagation: bool = True,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> TransitGateway:
        """A transit gateway, with its default route table when either default is on."""
        _check_private_asn(amazon_side_asn)
        tgw = self._add(
            TransitGateway(
                tags=_tags(name, tags),
                id=self._new_id(TransitGateway),
                amazon_side_asn=amazon_side_asn,
                default_route_table_association=_bool(
                    default_route_table_association, "defaultRouteTableAssociation"
                ),
                default_route_table_propagation=_bool(
                    default_route_table_propagation, "defaultRouteTablePropagation"
                ),
            )
        )
        if tgw.default_route_table_association or tgw.default_route_table_propagation:
            table = self._add(
                TransitGatewayRouteTable(id=self._new_id(TransitGatewayRouteTable), transit_gateway=tgw)
            )
            tgw.default_route_table_id = table.id
        return tgw

    @_mutates
    def delete_transit_gateway(self, transit_gateway: TransitGateway | str) -> None:
        """Delete a transit gateway and its route tables; ``IncorrectState`` while attachments remain."""
        tgw = self._get(transit_gateway, TransitGateway)
        users = [a.id for a in self.transit_gateway_attachments if a.transit_gateway is tgw]
        if users:
            raise AwsError("IncorrectState", f"Transit gateway {tgw.id} has attachments: {', '.join(users)}.")
        for table in self.transit_gateway_route_tables:
            if table.transit_gateway is tgw:
                self._remove(table)
        self._remove(tgw)
        self._refresh_routes()

    def _attach_to_tgw(self, attachment: TransitGatewayAttachment) -> None:
        tgw = attachment.transit_gateway
        default = self._store[TransitGatewayRouteTable].get(tgw.default_route_table_id or "")
        if isinstance(default, TransitGatewayRouteTable):
            if tgw.default_route_table_association:
                attachment.association = default
            if tgw.default_route_table_propagation:
                default.propagations.append(attachment.id)

    @_mutates
    def create_transit_gateway_vpc_attachment(
        self,
        transit_gateway: TransitGateway | str,
        vpc: Vpc | str,
        subnets: Sequence[Subnet | str],
        *,
        ipv6_support: bool = False,
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> TransitGatewayAttachment:
        """Attach a VPC through one subnet per AZ; a requester-managed ENI is placed in each subnet.

        ``ipv6_support`` is AWS's Ipv6Support option, off by default as in AWS: the VPC's IPv6 CIDR propagates to
        TGW route tables only when it is on.

        Raises
        ------
        AwsError
            ``DuplicateSubnetsInSameZone``, ``InvalidParameterValue`` (no subnet, subnet of another VPC),
            ``DuplicateTransitGatewayAttachment``.
        """
        tgw = self._get(transit_gateway, TransitGateway)
        the_vpc = self._get(vpc, Vpc)
        chosen = [self._get(s, Subnet) for s in _items(subnets, "subnetIds")]
        if not chosen:
            raise _invalid("A transit gateway VPC attachment needs at least one subnet.")
        zones: dict[str, str] = {}
        for subnet in chosen:
            if subnet.vpc is not the_vpc:
                raise _invalid(f"Subnet {subnet.id} is not in {the_vpc.id}.")
            if subnet.availability_zone in zones:
                raise AwsError(
                    "DuplicateSubnetsInSameZone",
                    f"{subnet.id} and {zones[subnet.availability_zone]} are both in {subnet.availability_zone}.",
                )
            zones[subnet.availability_zone] = subnet.id
        if any(a.transit_gateway is tgw and a.vpc is the_vpc for a in self.transit_gateway_attachments):
            raise AwsError("DuplicateTransitGatewayAttachment", f"{the_vpc.id} is already attached to {tgw.id}.")
        plans = [self._plan_addresses(s, 4, [], 1, "privateIpAddress") for s in chosen]
        attachment = self._add(
            TransitGatewayAttachment(
                tags=_tags(name, tags),
                id=self._new_id(TransitGatewayAttachment),
                transit_gateway=tgw,
                resource_type="vpc",
                resource_id=the_vpc.id,
                vpc=the_vpc,
                subnets=chosen,
                ipv6_support=_bool(ipv6_support, "ipv6Support"),
            )
        )
        for subnet, ipv4 in zip(chosen, plans, strict=True):
            attachment.network_interfaces.append(
                self._new_interface(
                    subnet,
                    groups=[],
                    ipv4=ipv4,
                    ipv6=[],
                    tags={},
                    description=f"Network Interface for Transit Gateway Attachment {attachment.id}",
                    source_dest_check=False,
                    interface_type="transit_gateway",
                    requester_managed=True,
                )
            )
        self._attach_to_tgw(attachment)
        self._refresh_routes()
        return attachment

    def _detach_from_tgw(self, attachment: TransitGatewayAttachment) -> None:
        for table in self.transit_gateway_route_tables:
            if attachment.id in table.propagations:
                table.propagations.remove(attachment.id)
        for eni in attachment.network_interfaces:
            self._delete_interface(eni)
        self._remove(attachment)

    @_mutates
    def delete_transit_gateway_vpc_attachment(self, attachment: TransitGatewayAttachment | str) -> None:
        """Detach a VPC from its TGW: its ENIs go, routes to it become blackholes."""
        the_attachment = self._get(attachment, TransitGatewayAttachment)
        if the_attachment.resource_type != "vpc":
            raise _invalid(f"{the_attachment.id} is a {the_attachment.resource_type} attachment.")
        self._detach_from_tgw(the_attachment)
        self._refresh_routes()

    @_mutates
    def create_transit_gateway_route_table(
        self, transit_gateway: TransitGateway | str, *, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> TransitGatewayRouteTable:
        """An empty TGW route table; attachments associate with and propagate to it."""
        tgw = self._get(transit_gateway, TransitGateway)
        return self._add(
            TransitGatewayRouteTable(
                tags=_tags(name, tags), id=self._new_id(TransitGatewayRouteTable), transit_gateway=tgw
            )
        )

    @_mutates
    def delete_transit_gateway_route_table(self, route_table: TransitGatewayRouteTable | str) -> None:
        """Delete a TGW route table; ``IncorrectState`` while associated or propagated to."""
        table = self._get(route_table, TransitGatewayRouteTable)
        users = [a.id for a in self.transit_gateway_attachments if a.association is table]
        if users or table.propagations:
            raise AwsError(
                "IncorrectState",
                f"{table.id} still has associations or propagations: {', '.join(users + table.propagations)}.",
            )
        if table.transit_gateway.default_route_table_id == table.id:
            table.transit_gateway.default_route_table_id = None
        self._remove(table)

    def _tgw_pair(
        self, route_table: object, attachment: object
    ) -> tuple[TransitGatewayRouteTable, TransitGatewayAttachment]:
        table = self._get(route_table, TransitGatewayRouteTable)
        the_attachment = self._get(attachment, TransitGatewayAttachment)
        if the_attachment.transit_gateway is not table.transit_gateway:
            raise _invalid(f"{the_attachment.id} and {table.id} belong to different transit gateways.")
        return table, the_attachment

    @_mutates
    def associate_transit_gateway_route_table(
        self, route_table: TransitGatewayRouteTable | str, attachment: TransitGatewayAttachment | str
    ) -> None:
        """An attachment looks up its traffic in exactly one TGW route table (``Resource.AlreadyAssociated``)."""
        table, the_attachment = self._tgw_pair(route_table, attachment)
        if the_attachment.association is not None:
            raise AwsError(
                "Resource.AlreadyAssociated",
                f"{the_attachment.id} is already associated with {the_attachment.association.id}.",
            )
        the_attachment.association = table

    @_mutates
    def disassociate_transit_gateway_route_table(
        self, route_table: TransitGatewayRouteTable | str, attachment: TransitGatewayAttachment | str
    ) -> None:
        """Remove an attachment's association: it then has no table to look up."""
        table, the_attachment = self._tgw_pair(route_table, attachment)
        if the_attachment.association is not table:
            raise AwsError("InvalidAssociation.NotFound", f"{the_attachment.id} is not associated with {table.id}.")
        the_attachment.association = None

    @_mutates
    def enable_transit_gateway_route_table_propagation(
        self, route_table: TransitGatewayRouteTable | str, attachment: TransitGatewayAttachment | str
    ) -> None:
        """Propagate an attachment's CIDRs (VPC blocks or VPN routes) into a TGW table."""
        table, the_attachment = self._tgw_pair(route_table, attachment)
        if the_attachment.id in table.propagations:
            raise AwsError(
                "TransitGatewayRouteTablePropagation.Duplicate",
                f"{the_attachment.id} already propagates to {table.id}.",
            )
        table.propagations.append(the_attachment.id)
        self._refresh_routes()

    @_mutates
    def disable_transit_gateway_route_table_propagation(
        self, route_table: TransitGatewayRouteTable | str, attachment: TransitGatewayAttachment | str
    ) -> None:
        """Stop an attachment propagating its CIDRs into a TGW route table."""
        table, the_attachment = self._tgw_pair(route_table, attachment)
        if the_attachment.id not in table.propagations:
            raise AwsError("InvalidRouteTableId.NotFound", f"{the_attachment.id} does not propagate to {table.id}.")
        table.propagations.remove(the_attachment.id)
        self._refresh_routes()

    @_mutates
    def create_transit_gateway_route(
        self,
        route_table: TransitGatewayRouteTable | str,
        destination: str,
        attachment: TransitGatewayAttachment | str | None = None,
        *,
        blackhole: bool = False,
    ) -> TransitGatewayRoute:
        """A static TGW route to an attachment, or a blackhole route (exactly one of the two)."""
        table = self._get(route_table, TransitGatewayRouteTable)
        cidr = parse_network(destination, "destinationCidrBlock")
        if (attachment is None) != _bool(blackhole, "blackhole"):
            raise AwsError(
                "InvalidParameterCombination", "Give an attachment or blackhole=True, not both or neither."
            )
        attachment_id = self._tgw_pair(table, attachment)[1].id if attachment is not None else None
        if any(r.destination == cidr for r in table.static_routes):
            raise AwsError("RouteAlreadyExists", f"The route {cidr} already exists in {table.id}.")
        table.routes.append(TransitGatewayRoute(cidr, attachment_id))
        self._refresh_routes()
        return next(r for r in table.routes if r.destination == cidr and r.type == "static")

    @_mutates
    def delete_transit_gateway_route(self, route_table: TransitGatewayRouteTable | str, destination: str) -> None:
        """Delete a static TGW route (``InvalidRoute.NotFound``)."""
        table = self._get(route_table, TransitGatewayRouteTable)
        cidr = parse_network(destination, "destinationCidrBlock")
        route = next((r for r in table.static_routes if r.destination == cidr), None)
        if route is None:
            raise AwsError("InvalidRoute.NotFound", f"No static route {cidr} in {table.id}.")
        table.routes.remove(route)
        self._refresh_routes()

    # ------------------------------------------------------------------ VPN (virtual private gateways)

    @_mutates
    def create_vpn_gateway(
        self, *, amazon_side_asn: int = 64512, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> VpnGateway:
        """A detached virtual private gateway with a private Amazon-side ASN."""
        _check_private_asn(amazon_side_asn)
        return self._add(
            VpnGateway(tags=_tags(name, tags), id=self._new_id(VpnGateway), amazon_side_asn=amazon_side_asn)
        )

    @_mutates
    def attach_vpn_gateway(self, vpn_gateway: VpnGateway | str, vpc: Vpc | str) -> None:
        """Attach a virtual private gateway to a VPC: one VGW per VPC (``InvalidVpcState``), one VPC per VGW."""
        vgw = self._get(vpn_gateway, VpnGateway)
        the_vpc = self._get(vpc, Vpc)
        if vgw.vpc is not None:
            raise AwsError("VpnGatewayAttachmentLimitExceeded", f"{vgw.id} is already attached to {vgw.vpc.id}.")
        if any(g.vpc is the_vpc for g in self.vpn_gateways):
            raise AwsError(
                "InvalidVpcState", f"The VPC {the_vpc.id} already has a virtual private gateway attached to it."
            )
        vgw.vpc = the_vpc
        self._refresh_routes()

    @_mutates
    def detach_vpn_gateway(self, vpn_gateway: VpnGateway | str, vpc: Vpc | str) -> None:
        """Detach a VGW from its VPC (``InvalidVpnGatewayAttachment.NotFound`` when not attached there)."""
        vgw = self._get(vpn_gateway, VpnGateway)
        the_vpc = self._get(vpc, Vpc)
        if vgw.vpc is not the_vpc:
            raise AwsError("InvalidVpnGatewayAttachment.NotFound", f"{vgw.id} is not attached to {the_vpc.id}.")
        vgw.vpc = None
        vgw.edge_association = None
        self._refresh_routes()

    @_mutates
    def delete_vpn_gateway(self, vpn_gateway: VpnGateway | str) -> None:
        """Delete a detached VGW without VPN connections (``IncorrectState`` otherwise)."""
        vgw = self._get(vpn_gateway, VpnGateway)
        if vgw.vpc is not None or any(c.vpn_gateway_id == vgw.id for c in self.vpn_connections):
            raise AwsError("IncorrectState", f"{vgw.id} is attached or has VPN connections.")
        for table in self.route_tables:
            if vgw.id in table.propagating_vgws:
                table.propagating_vgws.remove(vgw.id)
        self._remove(vgw)
        self._refresh_routes()

    @_mutates
    def create_customer_gateway(
        self, ip_address: str, *, bgp_asn: int = 65000, name: str | None = None, tags: Mapping[str, str] | None = None
    ) -> CustomerGateway:
        """The on-premises end of a site-to-site VPN: its public IPv4 and BGP ASN (1..4294967294)."""
        address = parse_address(ip_address, "ipAddress", version=4)
        assert isinstance(address, ipaddress.IPv4Address)
        _check_range(bgp_asn, "bgpAsn", 1, 4294967294)
        return self._add(
            CustomerGateway(
                tags=_tags(name, tags), id=self._new_id(CustomerGateway), ip_address=address, bgp_asn=bgp_asn
            )
        )

    @_mutates
    def delete_customer_gateway(self, customer_gateway: CustomerGateway | str) -> None:
        """Delete a customer gateway; ``IncorrectState`` while a VPN connection uses it."""
        cgw = self._get(customer_gateway, CustomerGateway)
        if any(c.customer_gateway is cgw for c in self.vpn_connections):
            raise AwsError("IncorrectState", f"{cgw.id} is used by a VPN connection.")
        self._remove(cgw)

    @_mutates
    def create_vpn_connection(
        self,
        customer_gateway: CustomerGateway | str,
        *,
        vpn_gateway: VpnGateway | str | None = None,
        transit_gateway: TransitGateway | str | None = None,
        static_routes: Iterable[str] = (),
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> VpnConnection:
        """A site-to-site VPN to a VGW or to a TGW (which gains a ``vpn`` attachment).

        ``static_routes`` are the on-premises CIDRs behind it.
        """
        cgw = self._get(customer_gateway, CustomerGateway)
        if (vpn_gateway is None) == (transit_gateway is None):
            raise AwsError("InvalidParameterCombination", "Give exactly one of vpn_gateway or transit_gateway.")
        vgw = self._get(vpn_gateway, VpnGateway) if vpn_gateway is not None else None
        tgw = self._get(transit_gateway, TransitGateway) if transit_gateway is not None else None
        routes = [parse_network(c, "destinationCidrBlock") for c in _items(static_routes, "staticRoutes")]
        vpn = self._add(
            VpnConnection(
                tags=_tags(name, tags),
                id=self._new_id(VpnConnection),
                customer_gateway=cgw,
                vpn_gateway_id=vgw.id if vgw else None,
                transit_gateway_id=tgw.id if tgw else None,
                routes=list(dict.fromkeys(routes)),
            )
        )
        if tgw is not None:
            attachment = self._add(
                TransitGatewayAttachment(
                    id=self._new_id(TransitGatewayAttachment),
                    transit_gateway=tgw,
                    resource_type="vpn",
                    resource_id=vpn.id,
                )
            )
            self._attach_to_tgw(attachment)
        self._refresh_routes()
        return vpn

    @_mutates
    def create_vpn_connection_route(self, vpn_connection: VpnConnection | str, destination: str) -> None:
        """Add an on-premises CIDR to a VPN; it propagates to tables that propagate the VPN."""
        vpn = self._get(vpn_connection, VpnConnection)
        cidr = parse_network(destination, "destinationCidrBlock")
        if cidr in vpn.routes:
            raise AwsError("RouteAlreadyExists", f"The route {cidr} already exists on {vpn.id}.")
        vpn.routes.append(cidr)
        self._refresh_routes()

    @_mutates
    def delete_vpn_connection_route(self, vpn_connection: VpnConnection | str, destination: str) -> None:
        """Remove an on-premises CIDR from a VPN (``InvalidRoute.NotFound``)."""
        vpn = self._get(vpn_connection, VpnConnection)
        cidr = parse_network(destination, "destinationCidrBlock")
        if cidr not in vpn.routes:
            raise AwsError("InvalidRoute.NotFound", f"No route {cidr} on {vpn.id}.")
        vpn.routes.remove(cidr)
        self._refresh_routes()

    @_mutates
    def delete_vpn_connection(self, vpn_connection: VpnConnection | str) -> None:
        """Delete a VPN connection (and its TGW attachment); its propagated routes go."""
        vpn = self._get(vpn_connection, VpnConnection)
        for attachment in self.transit_gateway_attachments:
            if attachment.resource_id == vpn.id:
                self._detach_from_tgw(attachment)
        self._remove(vpn)
        self._refresh_routes()

    # ------------------------------------------------------------------ gateway VPC endpoints

    def _service_prefix_list(self, service_name: str) -> ManagedPrefixList:
        """The AWS-managed prefix list of a gateway endpoint service, made on first use."""
        existing = next((p for p in self.managed_prefix_lists if p.prefix_list_name == service_name), None)
        if existing is not None:
            return existing
        cidrs = _GATEWAY_SERVICES[service_name.rsplit(".", 1)[-1]]
        return self._add(
            ManagedPrefixList(
                id=self._new_id(ManagedPrefixList),
                prefix_list_name=service_name,
                max_entries=len(cidrs),
                entries={ipaddress.ip_network(c): "" for c in cidrs},
                owner_id="AWS",
                rule_weight=1,  # SPEC G7: AWS publishes a weight of 1 for the S3 and DynamoDB lists
            )
        )

    @_mutates
    def create_vpc_endpoint(
        self,
        vpc: Vpc | str,
        service_name: str,
        *,
        route_tables: Iterable[RouteTable | str] = (),
        vpc_endpoint_type: str = "Gateway",
        name: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> VpcEndpoint:
        """A gateway endpoint (``com.amazonaws.<region>.s3`` or ``.dynamodb``): each route table gets a route from
        the service's AWS-managed prefix list to the endpoint (R6).

        Raises
        ------
        AwsError
            ``InvalidServiceName`` (not a gateway service of the VPC's region), ``InvalidParameterValue``
            (interface endpoints are not modelled yet; a route table of another VPC), ``RouteAlreadyExists``.
        """
        the_vpc = self._get(vpc, Vpc)
        if vpc_endpoint_type != "Gateway":
            raise _invalid(
                f"Value ({vpc_endpoint_type!r}) for vpcEndpointType: vpcsim models Gateway endpoints only."
            )
        services = [f"com.amazonaws.{the_vpc.region}.{s}" for s in _GATEWAY_SERVICES]
        if service_name not in services:
            raise AwsError(
                "InvalidServiceName",
                f"The Vpc Endpoint Service '{service_name}' does not exist; use one of {services}.",
            )
        tables = self._endpoint_tables(the_vpc, route_tables)
        tag_map = _tags(name, tags)
        existing = next((p for p in self.managed_prefix_lists if p.prefix_list_name == service_name), None)
        for table in tables:
            if existing is not None and table.find_route(existing.id) is not None:
                raise AwsError("RouteAlreadyExists", f"{table.id} already routes {existing.id}.")
        prefix_list = self._service_prefix_list(service_name)
        endpoint = self._add(
            VpcEndpoint(
                tags=tag_map,
                id=self._new_id(VpcEndpoint),
                vpc=the_vpc,
                service_name=service_name,
                prefix_list_id=prefix_list.id,
            )
        )
        self._route_endpoint(endpoint, tables)
        return endpoint

    def _endpoint_tables(self, vpc: Vpc, route_tables: Iterable[object]) -> list[RouteTable]:
        tables = [self._get(t, RouteTable) for t in _items(route_tables, "routeTableIds")]
        for table in tables:
            if table.vpc is not vpc:
                raise _invalid(f"Route table {table.id} is not in {vpc.id}.")
        return list(dict.fromkeys(tables))

    def _route_endpoint(self, endpoint: VpcEndpoint, tables: list[RouteTable]) -> None:
        for table in tables:
            table.routes.append(Route(target=endpoint.id, destination_prefix_list_id=endpoint.prefix_list_id))
            endpoint.route_table_ids.append(table.id)

    @_mutates
    def modify_vpc_endpoint(
        self,
        endpoint: VpcEndpoint | str,
        *,
        add_route_tables: Iterable[RouteTable | str] = (),
        remove_route_tables: Iterable[RouteTable | str] = (),
    ) -> None:
        """Add or remove the route tables of a gateway endpoint (their prefix-list routes follow)."""
        the_endpoint = self._get(endpoint, VpcEndpoint)
        adding = self._endpoint_tables(the_endpoint.vpc, add_route_tables)
        removing = self._endpoint_tables(the_endpoint.vpc, remove_route_tables)
        for table in adding:
            if table.find_route(the_endpoint.prefix_list_id) is not None:
                raise AwsError("RouteAlreadyExists", f"{table.id} already routes {the_endpoint.prefix_list_id}.")
        for table in removing:
            if table.id not in the_endpoint.route_table_ids:
                raise _invalid(f"Route table {table.id} is not associated with {the_endpoint.id}.")
        for table in removing:
            table.routes = [r for r in table.routes if r.target != the_endpoint.id]
            the_endpoint.route_table_ids.remove(table.id)
        self._route_endpoint(the_endpoint, adding)

    @_mutates
    def delete_vpc_endpoint(self, endpoint: VpcEndpoint | str) -> None:
        """Delete a gateway endpoint and the routes it put in its route tables."""
        the_endpoint = self._get(endpoint, VpcEndpoint)
        for table in self.route_tables:
            table.routes = [r for r in table.routes if r.target != the_endpoint.id]
        self._remove(the_endpoint)

    # ------------------------------------------------------------------ Elastic Load Balancing v2 (L1-L3)

    @property
    def load_balancers(self) -> list[LoadBalancer]:
        return self._all(LoadBalancer)

    @property
    def target_groups(self) -> list[TargetGroup]:
        return self._all(TargetGroup)

    @property
    def listeners(self) -> list[Listener]:
        return self._all(Listener)

    def _elb_arn(self, kind: str) -> str:
        while True:
            suffix = f"{self._ids.bits(64):016x}"
            arn = f"arn:aws:elasticloadbalancing:{self.region}:{ACCOUNT_ID}:{kind}/{suffix}"
            if self._ids.claim(arn):
                return arn

    def _get_elb(self, ref: object, kind: type[R]) -> R:
        """A load balancer or target group by object, ARN or name (as the ELBv2 API takes ``Names``)."""
        if isinstance(ref, str) and not ref.strip().startswith("arn:"):
            for found in self._all(kind):
                if ref.strip() in (getattr(found, "lb_name", None), getattr(found, "tg_name", None)):
                    return found
        return self._get(ref, kind)

    def load_balancer_of(self, network_interface: NetworkInterface | str) -> LoadBalancer | None:
        """The load balancer whose node ``network_interface`` is, or None."""
        eni = self._get(network_interface, NetworkInterface)
        return next((lb for lb in self.load_balancers if any(n is eni for n in lb.nodes)), None)

    def _lb_subnets(self, subnets: object) -> list[Subnet]:
        chosen = [self._get(s, Subnet) for s in _items(subnets, "subnets")]
        if not chosen:
            raise AwsError("ValidationError", "A load balancer needs at least one subnet.")
        if len({s.vpc.id for s in chosen}) > 1:
            raise AwsError("InvalidConfigurationRequest", "The subnets of a load balancer must be in one VPC.")
        zones = [s.availability_zone for s in chosen]
        repeated = sorted({z for z in zones if zones.count(z) > 1})
        if repeated:
            raise AwsError(
                "InvalidConfigurationRequest",
                "A load balancer cannot be attached to multiple subnets in the same Availability Zone "
                f"({repeated[0]}).",
            )
        return chosen

    def _lb_groups(self, vpc: Vpc, groups: object) -> list[SecurityGroup]:
        resolved: list[SecurityGroup] = []
        for ref in _items(groups, "securityGroups"):
            try:
                sg = self._get(ref, SecurityGroup)
            except AwsError:
                raise AwsError("InvalidSecurityGroup", f"Security group {_ref_id(ref)!r} does not exist.") from None
            if sg.vpc is not vpc:
                raise AwsError("InvalidSecurityGroup", f"Security group {sg.id} is not in {vpc.id}.")
            if sg not in resolved:
                resolved.append(sg)
        if len(resolved) > self.quotas.security_groups_per_interface:
            raise AwsError("TooManySecurityGroups", f"{len(resolved)} security groups exceed the 5 allowed.")
        return resolved

    def _new_lb_node(self, lb: LoadBalancer, subnet: Subnet, allocation: ElasticIp | None) -> NetworkInterface:
        kind = "net" if lb.is_network else "app"
        address = self._plan_addresses(subnet, 4, [], 1, "privateIpAddress")
        eni = self._new_interface(
            subnet,
            groups=list(lb.security_groups or []),
            ipv4=address,
            ipv6=[],
            tags={},
            description=f"ELB {kind}/{lb.lb_name}/{lb.id.rsplit('/', 1)[-1]}",
            interface_type="network_load_balancer" if lb.is_network else "interface",
            requester_managed=True,
        )
        if lb.scheme == "internet-facing":
            if allocation is not None:
                self._bind_eip(allocation, eni, eni.private_ip)
            else:
                eni.auto_public_ip = self._new_public_ip()  # an AWS-owned address (IpOwnerId amazon-elb)
        return eni

    @_mutates
    def create_load_balancer(
        self,
        name: str,
        subnets: Iterable[Subnet | str],
        *,
        type: str = "application",
        scheme: str = "internet-facing",
        security_groups: Iterable[SecurityGroup | str] | None = None,
        allocations: Mapping[str, ElasticIp | str] | None = None,
        cross_zone: bool | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> LoadBalancer:
        """An ELBv2 load balancer with one node (a requester-managed ENI) per subnet (L1).

        ``type`` is ``"application"`` (the API's default) or ``"network"``. An ALB needs subnets in two AZs and
        always has security groups (the VPC's default SG when none are given, L3); an NLB has security groups only
        if created with them (L1). ``allocations`` maps subnets (or their ids) to Elastic IPs for an internet-facing
        NLB's nodes. ``cross_zone`` sets ``load_balancing.cross_zone.enabled`` (NLB default off; an ALB's is on).

        Raises
        ------
        AwsError
            ``ValidationError`` (name, type, scheme, one-AZ ALB), ``DuplicateLoadBalancerName``,
            ``InvalidConfigurationRequest`` (subnets in two VPCs or one AZ twice, SGs on... , ALB cross-zone off),
            ``InvalidSubnet`` (internet-facing without an internet gateway), ``InvalidSecurityGroup``,
            ``SubnetNotFound``/``InvalidSubnetID.NotFound``, ``InvalidAllocationID.NotFound``.
        """
        if not isinstance(name, str) or not _ELB_NAME.fullmatch(name) or name.startswith("internal-"):
            raise AwsError("ValidationError", f"Load balancer name {name!r} is invalid: 1-32 letters, digits or "
                           "hyphens, not starting or ending with a hyphen.")  # fmt: skip
        if type not in ("application", "network"):
            raise AwsError("ValidationError", f"Load balancer type {type!r} is invalid: application or network.")
        if scheme not in ("internet-facing", "internal"):
            raise AwsError("ValidationError", f"Scheme {scheme!r} is invalid: internet-facing or internal.")
        if any(lb.lb_name == name for lb in self.load_balancers):
            raise AwsError("DuplicateLoadBalancerName", f"A load balancer named {name!r} already exists.")
        chosen = self._lb_subnets(subnets)
        vpc = chosen[0].vpc
        if type == "application" and len(chosen) < 2:
            raise AwsError(
                "ValidationError", "An Application Load Balancer needs subnets in at least two Availability Zones."
            )
        if scheme == "internet-facing" and not any(g.vpc is vpc for g in self.internet_gateways):
            raise AwsError("InvalidSubnet", f"VPC {vpc.id} has no internet gateway.")
        groups: list[SecurityGroup] | None
        if security_groups is None:
            groups = [vpc.default_security_group] if type == "application" else None
        else:
            groups = self._lb_groups(vpc, security_groups)
            if not groups:  # an empty list is no security group: the VPC's default for an ALB, none for an NLB
                groups = [vpc.default_security_group] if type == "application" else None
        eips: dict[str, ElasticIp] = {}
        if allocations is not None:
            if not isinstance(allocations, Mapping):
                raise AwsError(
                    "ValidationError", f"allocations must map subnets to Elastic IPs, not {allocations!r}."
                )
            if type != "network" or scheme != "internet-facing":
                raise AwsError("InvalidConfigurationRequest", "Elastic IPs are for internet-facing NLBs only.")
            for subnet_ref, eip_ref in allocations.items():
                subnet = self._get(subnet_ref, Subnet)
                if subnet not in chosen:
                    raise AwsError("ValidationError", f"Subnet {subnet.id} is not one of the load balancer's.")
                eip = self._get(eip_ref, ElasticIp)
                if eip.is_associated or eip in eips.values():
                    raise AwsError("InvalidConfigurationRequest", f"Elastic IP {eip.id} is already associated.")
                eips[subnet.id] = eip
        cross = type == "application"
        if cross_zone is not None:
            cross = _bool(cross_zone, "load_balancing.cross_zone.enabled")
            if type == "application" and not cross:
                raise AwsError("InvalidConfigurationRequest", "Cross-zone load balancing is always on for an ALB.")
        for subnet in chosen:
            self._plan_addresses(subnet, 4, [], 1, "privateIpAddress")
        tag_map = _tags(None, tags)
        kind = "net" if type == "network" else "app"
        arn = self._elb_arn(f"loadbalancer/{kind}/{name}")
        lb = self._add(
            LoadBalancer(
                id=arn,
                tags=tag_map,
                lb_name=name,
                type=type,
                scheme=scheme,
                vpc=vpc,
                subnets=chosen,
                security_groups=groups,
                cross_zone=cross,
                dns_name=f"{'internal-' if scheme == 'internal' else ''}{name}-{arn[-16:]}.elb.{self.region}"
                ".amazonaws.com",
            )
        )
        lb.nodes = [self._new_lb_node(lb, s, eips.get(s.id)) for s in chosen]
        return lb

    @_mutates
    def delete_load_balancer(self, load_balancer: LoadBalancer | str) -> None:
        """Delete a load balancer, its listeners and its nodes (target groups stay)."""
        lb = self._get_elb(load_balancer, LoadBalancer)
        for listener in self.listeners:
            if listener.load_balancer is lb:
                self._remove(listener)
        for eni in lb.nodes:
            self._delete_interface(eni)
        self._failed.discard(lb.id)
        for eni in lb.nodes:
            self._failed.discard(eni.id)
        self._remove(lb)

    @_mutates
    def set_security_groups(
        self, load_balancer: LoadBalancer | str, security_groups: Iterable[SecurityGroup | str]
    ) -> None:
        """Replace a load balancer's security groups (all its nodes). An NLB created without security groups can
        never have them (L1: ``InvalidConfigurationRequest``); an ALB must keep at least one (L3)."""
        lb = self._get_elb(load_balancer, LoadBalancer)
        groups = self._lb_groups(lb.vpc, security_groups)
        if lb.security_groups is None:
            raise AwsError(
                "InvalidConfigurationRequest",
                f"{lb.lb_name} was created without security groups: a Network Load Balancer cannot get them later.",
            )
        if not groups and not lb.is_network:
            raise AwsError("ValidationError", "An Application Load Balancer needs at least one security group.")
        if not groups and lb.is_network:
            raise AwsError(
                "InvalidConfigurationRequest", "A Network Load Balancer created with security groups must keep one."
            )
        lb.security_groups = groups
        for eni in lb.nodes:
            eni.security_groups = list(groups)

    @_mutates
    def set_subnets(self, load_balancer: LoadBalancer | str, subnets: Iterable[Subnet | str]) -> None:
        """Enable exactly these subnets (one per AZ): nodes are added for new ones and removed for dropped ones."""
        lb = self._get_elb(load_balancer, LoadBalancer)
        chosen = self._lb_subnets(subnets)
        if chosen[0].vpc is not lb.vpc:
            raise AwsError("InvalidConfigurationRequest", f"The subnets must be in {lb.vpc.id}.")
        if not lb.is_network and len(chosen) < 2:
            raise AwsError(
                "ValidationError", "An Application Load Balancer needs subnets in at least two Availability Zones."
            )
        for subnet in chosen:
            if subnet not in lb.subnets:
                self._plan_addresses(subnet, 4, [], 1, "privateIpAddress")
        nodes = {eni.subnet.id: eni for eni in lb.nodes}
        for eni in lb.nodes:
            if eni.subnet not in chosen:
                self._delete_interface(eni)
                self._failed.discard(eni.id)
        lb.subnets = chosen
        lb.nodes = [nodes[s.id] if s.id in nodes else self._new_lb_node(lb, s, None) for s in chosen]

    @_mutates
    def modify_load_balancer_attributes(self, load_balancer: LoadBalancer | str, *, cross_zone: bool) -> None:
        """Set ``load_balancing.cross_zone.enabled`` (L2). An ALB's is always on at the load balancer level (turn it
        off per target group with :meth:`modify_target_group_attributes`)."""
        lb = self._get_elb(load_balancer, LoadBalancer)
        value = _bool(cross_zone, "load_balancing.cross_zone.enabled")
        if not lb.is_network and not value:
            raise AwsError("InvalidConfigurationRequest", "Cross-zone load balancing is always on for an ALB.")
        lb.cross_zone = value

    def _health_check(
        self,
        protocol: str,
        *,
        health_check_protocol: object,
        health_check_port: object,
        health_check_path: object,
        health_check_enabled: object,
        base: HealthCheck | None = None,
    ) -> HealthCheck:
        default = base or HealthCheck(protocol="HTTP" if protocol in ALB_PROTOCOLS else "TCP")
        hc_protocol = default.protocol if health_check_protocol is None else health_check_protocol
        if hc_protocol not in ("TCP", "HTTP", "HTTPS"):
            raise AwsError(
                "ValidationError", f"Health check protocol {hc_protocol!r} is invalid: TCP, HTTP or HTTPS."
            )
        if protocol in ALB_PROTOCOLS and hc_protocol == "TCP":
            raise AwsError("ValidationError", "An ALB target group's health check is HTTP or HTTPS.")
        port: int | None = default.port
        if health_check_port is not None:
            if health_check_port == "traffic-port":
                port = None
            else:
                _check_elb_port(health_check_port, "HealthCheckPort")
                port = int(health_check_port)  # type: ignore[call-overload]
        path = default.path if health_check_path is None else health_check_path
        if path is not None and (not isinstance(path, str) or not path.startswith("/")):
            raise AwsError("ValidationError", f"Health check path {path!r} must start with /.")
        enabled = (
            default.enabled if health_check_enabled is None else _bool(health_check_enabled, "HealthCheckEnabled")
        )
        return HealthCheck(protocol=str(hc_protocol), port=port, path=path if hc_protocol != "TCP" else None,
                           enabled=enabled)  # fmt: skip

    @_mutates
    def create_target_group(
        self,
        name: str,
        *,
        protocol: str,
        port: int,
        vpc: Vpc | str,
        target_type: str = "instance",
        health_check_protocol: str | None = None,
        health_check_port: int | str | None = None,
        health_check_path: str | None = None,
        health_check_enabled: bool | None = None,
        preserve_client_ip: bool | None = None,
        cross_zone: bool | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> TargetGroup:
        """A target group of ``instance`` or ``ip`` targets (L1). ``health_check_port`` None or ``"traffic-port"``
        checks the port traffic goes to. ``preserve_client_ip`` None is AWS's default (L1); ``cross_zone`` None
        uses the load balancer's setting (L2).

        Raises
        ------
        AwsError
            ``ValidationError`` (name, protocol, port, target type, health check), ``DuplicateTargetGroupName``,
            ``InvalidVpcID.NotFound``.
        """
        if not isinstance(name, str) or not _ELB_NAME.fullmatch(name):
            raise AwsError("ValidationError", f"Target group name {name!r} is invalid: 1-32 letters, digits or "
                           "hyphens, not starting or ending with a hyphen.")  # fmt: skip
        if protocol not in (*NLB_PROTOCOLS, *ALB_PROTOCOLS):
            raise AwsError("ValidationError", f"Protocol {protocol!r} is invalid: one of "
                           f"{', '.join((*NLB_PROTOCOLS, *ALB_PROTOCOLS))}.")  # fmt: skip
        _check_elb_port(port, "Port")
        the_vpc = self._get(vpc, Vpc)
        if target_type not in ("instance", "ip"):
            raise AwsError("ValidationError", f"Target type {target_type!r} is invalid: instance or ip.")
        if any(tg.tg_name == name for tg in self.target_groups):
            raise AwsError("DuplicateTargetGroupName", f"A target group named {name!r} already exists.")
        check = self._health_check(
            protocol,
            health_check_protocol=health_check_protocol,
            health_check_port=health_check_port,
            health_check_path=health_check_path,
            health_check_enabled=health_check_enabled,
        )
        preserve = None if preserve_client_ip is None else _bool(preserve_client_ip, "preserve_client_ip.enabled")
        _check_preserve(protocol, preserve)
        cross = None if cross_zone is None else _bool(cross_zone, "load_balancing.cross_zone.enabled")
        return self._add(
            TargetGroup(
                id=self._elb_arn(f"targetgroup/{name}"),
                tags=_tags(None, tags),
                tg_name=name,
                protocol=protocol,
                port=port,
                vpc=the_vpc,
                target_type=target_type,
                health_check=check,
                preserve_client_ip=preserve,
                cross_zone=cross,
            )
        )

    @_mutates
    def modify_target_group(
        self,
        target_group: TargetGroup | str,
        *,
        health_check_protocol: str | None = None,
        health_check_port: int | str | None = None,
        health_check_path: str | None = None,
        health_check_enabled: bool | None = None,
    ) -> None:
        """Change a target group's health check (``health_check_port="traffic-port"`` goes back to the default)."""
        tg = self._get_elb(target_group, TargetGroup)
        tg.health_check = self._health_check(
            tg.protocol,
            health_check_protocol=health_check_protocol,
            health_check_port=health_check_port,
            health_check_path=health_check_path,
            health_check_enabled=health_check_enabled,
            base=tg.health_check,
        )

    @_mutates
    def modify_target_group_attributes(
        self,
        target_group: TargetGroup | str,
        *,
        preserve_client_ip: bool | None = None,
        cross_zone: bool | str | None = None,
    ) -> None:
        """Set ``preserve_client_ip.enabled`` (NLB target groups) and ``load_balancing.cross_zone.enabled``
        (True, False or ``"use_load_balancer_configuration"``)."""
        tg = self._get_elb(target_group, TargetGroup)
        preserve = tg.preserve_client_ip
        if preserve_client_ip is not None:
            preserve = _bool(preserve_client_ip, "preserve_client_ip.enabled")
            _check_preserve(tg.protocol, preserve)
        cross = tg.cross_zone
        if cross_zone == "use_load_balancer_configuration":
            cross = None
        elif cross_zone is not None:
            cross = _bool(cross_zone, "load_balancing.cross_zone.enabled")
        tg.preserve_client_ip, tg.cross_zone = preserve, cross

    @_mutates
    def delete_target_group(self, target_group: TargetGroup | str) -> None:
        """``ResourceInUse`` while a listener forwards to it."""
        tg = self._get_elb(target_group, TargetGroup)
        users = [listener.id for listener in self.listeners if listener.target_group is tg]
        if users:
            raise AwsError(
                "ResourceInUse", f"Target group {tg.tg_name} is currently in use by a listener: {users[0]}."
            )
        self._remove(tg)

    def _target(self, tg: TargetGroup, ref: object) -> Target:
        """One target of a register/deregister call: an instance (or id), an IP, ``(target, port)`` or a
        describe-shaped dict (``Id``, ``Port``, ``AvailabilityZone``)."""
        port: object = None
        zone: object = None
        if isinstance(ref, tuple) and len(ref) == 2:
            ref, port = ref
        elif isinstance(ref, Mapping):
            shape: Mapping[Any, Any] = ref
            ref, port, zone = shape.get("Id"), shape.get("Port"), shape.get("AvailabilityZone")
        if port is not None:
            _check_elb_port(port, "Port")
        if zone is not None and not isinstance(zone, str):
            raise AwsError("ValidationError", f"AvailabilityZone {zone!r} must be a string.")
        if tg.target_type == "instance":
            try:
                instance = self._get(ref, Instance)
            except AwsError:
                raise AwsError("InvalidTarget", f"The target {_ref_id(ref)!r} is not a valid instance.") from None
            if instance.vpc is not tg.vpc:
                raise AwsError("InvalidTarget", f"Instance {instance.id} is not in the target group's VPC.")
            if zone is not None:
                raise AwsError("ValidationError", "AvailabilityZone is not used for instance targets.")
            return Target(instance.id, port if isinstance(port, int) else None)
        if isinstance(ref, Resource):
            raise AwsError("InvalidTarget", f"Target group {tg.tg_name} takes IP targets, not {ref.id}.")
        try:
            address = parse_address(ref, "Id", version=4)
        except AwsError:
            raise AwsError("InvalidTarget", f"The IP address {ref!r} is not a valid IPv4 target.") from None
        inside = tg.vpc.contains(address)
        allowed = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16",
                                                     "100.64.0.0/10")]  # fmt: skip
        if not inside and not any(address in n for n in allowed):
            raise AwsError("InvalidTarget", f"The IP address {address} is outside the VPC and not a private range.")
        if not inside and zone != "all":
            raise AwsError("ValidationError", f"{address} is outside {tg.vpc.id}: give AvailabilityZone 'all'.")
        if inside:
            subnet = next((s for s in self.subnets if s.vpc is tg.vpc and s.contains(address)), None)
            if subnet is None:
                raise AwsError("InvalidTarget", f"The IP address {address} is in no subnet of {tg.vpc.id}.")
            if zone is not None and zone not in ("all", subnet.availability_zone):
                raise AwsError("ValidationError", f"{address} is in {subnet.availability_zone}, not {zone}.")
            zone = zone or subnet.availability_zone
        return Target(str(address), port if isinstance(port, int) else None, str(zone))

    @_mutates
    def register_targets(self, target_group: TargetGroup | str, targets: Iterable[object]) -> None:
        """Register instances or IP addresses (optionally with a port) with a target group; registering again is a
        no-op, as in AWS. ``InvalidTarget`` for an instance of another VPC or an address it cannot use."""
        tg = self._get_elb(target_group, TargetGroup)
        new = [self._target(tg, ref) for ref in _items(targets, "Targets")]
        for target in new:  # a target is (id, port); no port means the group's port
            if not any((t.id, t.port or tg.port) == (target.id, target.port or tg.port) for t in tg.targets):
                tg.targets.append(target)

    @_mutates
    def deregister_targets(self, target_group: TargetGroup | str, targets: Iterable[object]) -> None:
        """Deregister targets; ``InvalidTarget`` for one that is not registered."""
        tg = self._get_elb(target_group, TargetGroup)
        keys: list[tuple[str, int | None]] = []
        for ref in _items(targets, "Targets"):
            if isinstance(ref, Resource | Mapping | tuple):
                found = self._target(tg, ref) if not isinstance(ref, Resource) else Target(ref.id)
            else:
                found = Target(str(ref).strip())
            key = (found.id, found.port)
            if not any(t.id == key[0] and (key[1] is None or (t.port or tg.port) == key[1]) for t in tg.targets):
                raise AwsError("InvalidTarget", f"The target {key[0]} is not registered with {tg.tg_name}.")
            keys.append(key)
        tg.targets = [
            t for t in tg.targets if not any(t.id == k and (p is None or (t.port or tg.port) == p) for k, p in keys)
        ]

    @_mutates
    def create_listener(
        self,
        load_balancer: LoadBalancer | str,
        *,
        protocol: str,
        port: int,
        target_group: TargetGroup | str,
        tags: Mapping[str, str] | None = None,
    ) -> Listener:
        """A listener forwarding ``protocol``/``port`` to ``target_group`` (its default action).

        Raises
        ------
        AwsError
            ``ValidationError`` (port), ``UnsupportedProtocol`` (an ALB protocol on an NLB or the reverse),
            ``IncompatibleProtocols`` (listener vs target group), ``DuplicateListener``, ``TargetGroupNotFound``,
            ``TargetGroupAssociationLimit`` (the group is used by another load balancer), ``ValidationError``
            (the group is in another VPC).
        """
        lb = self._get_elb(load_balancer, LoadBalancer)
        allowed = NLB_PROTOCOLS if lb.is_network else ALB_PROTOCOLS
        if protocol not in allowed:
            raise AwsError(
                "UnsupportedProtocol",
                f"Protocol {protocol!r} is not supported by a "
                f"{'Network' if lb.is_network else 'Application'} Load Balancer: {', '.join(allowed)}.",
            )
        _check_elb_port(port, "Port")
        tg = self._get_elb(target_group, TargetGroup)
        compatible = {
            "TCP": ("TCP", "TCP_UDP"), "TLS": ("TCP", "TLS"), "UDP": ("UDP", "TCP_UDP"), "TCP_UDP": ("TCP_UDP",),
            "HTTP": ("HTTP", "HTTPS"), "HTTPS": ("HTTP", "HTTPS"),
        }  # fmt: skip
        if tg.protocol not in compatible[protocol]:
            raise AwsError("IncompatibleProtocols", f"Listener protocol {protocol} cannot forward to a "
                           f"{tg.protocol} target group.")  # fmt: skip
        if tg.vpc is not lb.vpc:
            raise AwsError("ValidationError", f"Target group {tg.tg_name} is not in the load balancer's VPC.")
        self._check_group_free(tg, lb)
        for other in self.listeners:
            if other.load_balancer is lb and other.port == port:
                clash = set(PROTOCOL_NUMBERS[other.protocol]) & set(PROTOCOL_NUMBERS[protocol])
                if clash:
                    raise AwsError("DuplicateListener", f"{lb.lb_name} already listens on {other.protocol} {port}.")
        kind = "net" if lb.is_network else "app"
        arn = self._elb_arn(f"listener/{kind}/{lb.lb_name}/{lb.id.rsplit('/', 1)[-1]}")
        return self._add(
            Listener(id=arn, tags=_tags(None, tags), load_balancer=lb, protocol=protocol, port=port, target_group=tg)
        )

    def _check_group_free(self, tg: TargetGroup, lb: LoadBalancer) -> None:
        """A target group serves one load balancer (``TargetGroupAssociationLimit``)."""
        for other in self.listeners:
            if other.target_group is tg and other.load_balancer is not lb:
                raise AwsError("TargetGroupAssociationLimit", f"Target group {tg.tg_name} is already used by "
                               f"load balancer {other.load_balancer.lb_name}.")  # fmt: skip

    @_mutates
    def modify_listener(self, listener: Listener | str, *, target_group: TargetGroup | str) -> None:
        """Point a listener's default action at another target group."""
        the_listener = self._get(listener, Listener)
        tg = self._get_elb(target_group, TargetGroup)
        self._check_group_free(tg, the_listener.load_balancer)
        if tg.vpc is not the_listener.load_balancer.vpc:
            raise AwsError("ValidationError", f"Target group {tg.tg_name} is not in the load balancer's VPC.")
        the_listener.target_group = tg

    @_mutates
    def delete_listener(self, listener: Listener | str) -> None:
        self._remove(self._get(listener, Listener))

    def describe_target_health(self, target_group: TargetGroup | str) -> list[TargetHealth]:
        """Each registered target's health as AWS reports it, computed from the network (L2).

        A target is checked from every live node of the load balancers forwarding to the group: the health check's
        TCP connection from the node's private IP to the target's health-check port must succeed through SGs, NACLs
        and routes. ``healthy`` when at least one node's check succeeds; each node sends only to the targets its own
        check finds healthy (and, with cross-zone off, only in its AZ).
        """
        from vpcsim.engine.health import target_health

        return target_health(self, self._get_elb(target_group, TargetGroup))

    # ------------------------------------------------------------------ fault injection

    @property
    def failures(self) -> list[str]:
        """What is failed: availability zones and resource ids, sorted."""
        return sorted(self._failed)

    @_mutates
    def fail_az(self, availability_zone: str) -> None:
        """Fail a whole availability zone: its instances, NAT gateways (routes to them blackhole, R6), load
        balancer nodes and every other interface in it stop; health re-evaluates (L2)."""
        zones = {z for zs in self._azs.values() for z in zs}
        if not isinstance(availability_zone, str) or availability_zone not in zones:
            raise _invalid(f"Value ({availability_zone!r}) for availabilityZone is not an availability zone here.")
        self._failed.add(availability_zone)
        self._refresh_routes()

    @_mutates
    def fail(self, resource: Resource | str) -> None:
        """Fail one resource: an instance (it stops answering; status checks fail), a NAT gateway (routes to it
        blackhole), a load balancer node (its ENI) or a whole load balancer (all its nodes)."""
        found = self._failable(resource)
        self._failed.add(found.id)
        self._refresh_routes()

    def _failable(self, resource: object) -> Resource:
        if isinstance(resource, str) and resource.strip() not in self._index:
            lb = next((x for x in self.load_balancers if resource.strip() in (x.lb_name, x.dns_name)), None)
            if lb is not None:
                return lb
            named = self._by_name(resource)
            resource = named if isinstance(named, Resource) else resource
        ref_id = resource.id if isinstance(resource, Resource) else resource
        found = self._index.get(ref_id) if isinstance(ref_id, str) else None
        if found is None:
            raise _invalid(f"Value ({resource!r}) is not a resource of this network.")
        if isinstance(found, NetworkInterface) and self.load_balancer_of(found) is None:
            raise _invalid(f"{found.id} is not a load balancer node: fail its instance or NAT gateway instead.")
        if not isinstance(found, Instance | NatGateway | NetworkInterface | LoadBalancer):
            raise _invalid(
                f"{found.id} ({type(found).__name__}) cannot be failed: give an instance, a NAT gateway, a load "
                "balancer or one of its nodes, or use fail_az()."
            )
        return found

    @_mutates
    def restore(self, what: Resource | str | None = None) -> None:
        """Undo :meth:`fail` / :meth:`fail_az` for one resource or AZ, or for everything (``what=None``)."""
        if what is None:
            self._failed.clear()
        elif isinstance(what, str) and what in self._failed:
            self._failed.discard(what)
        else:
            found = self._failable(what)
            if found.id not in self._failed:
                raise _invalid(f"{found.id} is not failed.")
            self._failed.discard(found.id)
        self._refresh_routes()

    def down(self, resource: Resource) -> str | None:
        """Why ``resource`` is down because of an injected failure (its own, its instance's, its load balancer's,
        its NAT gateway's or its AZ's), or None."""
        if not self._failed:
            return None
        if resource.id in self._failed:
            return f"{resource.id} is failed"
        zone = getattr(resource, "availability_zone", None)
        if isinstance(resource, NatGateway):
            zone = resource.subnet.availability_zone
        if zone in self._failed:
            return f"{zone} is failed"
        if isinstance(resource, NetworkInterface):
            if resource.instance is not None and resource.instance.id in self._failed:
                return f"{resource.instance.id} is failed"
            owner = self._lb_nodes().get(resource.id) or next(
                (n for n in self.nat_gateways if n.network_interface is resource), None
            )
            if owner is not None and owner.id in self._failed:
                return f"{owner.id} is failed"
        return None

    def _lb_nodes(self) -> dict[str, LoadBalancer]:
        return {eni.id: lb for lb in self.load_balancers for eni in lb.nodes}

    # ------------------------------------------------------------------ resilience

    def resilience(
        self,
        flows: FlowBatch | Iterable[tuple[Any, ...]] | Mapping[str, Any] | pd.DataFrame | None = None,
        *,
        resources: bool = False,
        zones: Iterable[str] | None = None,
    ) -> Resilience:
        """Which flows lose connectivity under each single-AZ failure (and, with ``resources=True``, each single
        instance, NAT gateway and load balancer node failure). See :func:`vpcsim.query.resilience.resilience`."""
        from vpcsim.query.resilience import resilience

        return resilience(self, flows, resources=resources, zones=zones)


# ---------------------------------------------------------------------- module helpers


def _sort_entries(acl: NetworkAcl) -> None:
    """SPEC N1: keep entries in rule-number order, ingress first."""
    acl.entries.sort(key=lambda e: (e.egress, e.rule_number))


def _insert_local_route(table: RouteTable, cidr: IPNetwork) -> None:
    """SPEC R4: one local route per VPC CIDR, listed before the other routes."""
    position = sum(1 for r in table.routes if r.origin == "CreateRouteTable")
    table.routes.insert(position, Route(target=LOCAL, destination=cidr, origin="CreateRouteTable"))


def _plain(value: Any) -> Any:
    if isinstance(value, Resource):
        return value.id
    if isinstance(value, RouteTableAssociation):
        return (value.id, value.route_table.id)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if attrs.has(type(value)):
        return {f.name: _plain(getattr(value, f.name)) for f in attrs.fields(type(value))}
    return value


def _plain_fields(resource: Resource) -> dict[str, Any]:
    """A resource's compared fields (``eq=False`` ones are bookkeeping) as plain values."""
    fields = {f.name: _plain(getattr(resource, f.name, None)) for f in attrs.fields(type(resource)) if f.eq}
    return fields | {"type": type(resource).__name__}
