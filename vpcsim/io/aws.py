"""Load AWS describe-* JSON (one file, a folder, Batfish's ``aws_configs`` layout, or mappings) into a Network.

The builder reads the AWS CLI / boto3 response shapes and builds the model directly, keeping AWS's ids and addresses.
Everything it cannot take as it is goes into ``net.load_report`` with its file and JSON path; a value of the wrong
shape raises :class:`vpcsim.ImportFormatError`. Loading parses JSON only (``json.load``): no code runs, and CIDRs stay
networks (``ipaddress``), never lists of addresses.

Load balancing (SPEC L1-L3) comes from elbv2's describe calls: ``LoadBalancers``, ``TargetGroups`` and ``Listeners``
as AWS returns them, and the per-item calls in wrappers that name their ARN, as Batfish does for target health:
``TargetHealthDescriptions`` (``[{"TargetGroupArn", "TargetHealthDescriptions": [...]}]``; bare describe-target-health
items are taken as the targets of the export's only target group), ``LoadBalancerAttributes`` and
``TargetGroupAttributes`` (``[{"LoadBalancerArn" | "TargetGroupArn", "Attributes": [{"Key", "Value"}]}]``) and
``Rules`` (``[{"ListenerArn", "Rules": [...]}]``). A load balancer's nodes are the ENIs described
``ELB net/<name>/<id>`` or ``ELB app/<name>/<id>`` in its subnets; one the export does not list is made as AWS makes
it. The health an export reports is compared with the health vpcsim computes (which routing follows), and a
difference is reported.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs

from vpcsim.addr import IPAddress, IPNetwork, parse_address, parse_network, parse_protocol
from vpcsim.errors import AwsError, ImportFormatError
from vpcsim.io.export import MASQUERADE_TAG, PUBLIC_IP_TAG, launch_public_ip
from vpcsim.io.report import LoadReport
from vpcsim.model.addresses import ElasticIp
from vpcsim.model.base import Resource
from vpcsim.model.gateways import (
    CustomerGateway,
    EgressOnlyInternetGateway,
    InternetGateway,
    NatGateway,
    VpcEndpoint,
    VpnConnection,
    VpnGateway,
)
from vpcsim.model.interface import ConnectionTracking, Instance, MetadataOptions, NetworkInterface
from vpcsim.model.load_balancer import (
    ALB_PROTOCOLS,
    NLB_PROTOCOLS,
    HealthCheck,
    Listener,
    LoadBalancer,
    Target,
    TargetGroup,
)
from vpcsim.model.nacl import DEFAULT_DENY_RULE_IPV4, DEFAULT_DENY_RULE_IPV6, NetworkAcl, NetworkAclEntry
from vpcsim.model.peering import VpcPeeringConnection
from vpcsim.model.prefix_list import ManagedPrefixList
from vpcsim.model.route_table import TARGET_KINDS, Route, RouteTable, RouteTableAssociation
from vpcsim.model.security_group import SecurityGroup, SecurityGroupRule
from vpcsim.model.subnet import Subnet
from vpcsim.model.transit_gateway import (
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
)
from vpcsim.model.vpc import Vpc
from vpcsim.network import _PUBLIC_IPV4_POOL, Network

__all__ = ["Document", "load_aws", "load_documents", "read_source"]

R = TypeVar("R", bound=Resource)

_REGION = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)")
_ACCOUNT = re.compile(r"^\d{12}$")
_MISSING: Any = object()

# Top-level keys: the resource kinds the builder reads, in the order it builds them.
_KINDS = (
    "AvailabilityZones",
    "PrefixLists",
    "ManagedPrefixLists",
    "Vpcs",
    "Subnets",
    "InternetGateways",
    "EgressOnlyInternetGateways",
    "VpnGateways",
    "CustomerGateways",
    "VpnConnections",
    "TransitGateways",
    "TransitGatewayRouteTables",
    "TransitGatewayAttachments",
    "TransitGatewayVpcAttachments",
    "TransitGatewayPropagations",
    "TransitGatewayStaticRoutes",
    "SecurityGroupRules",
    "SecurityGroups",
    "NetworkInterfaces",
    "Reservations",
    "Addresses",
    "NatGateways",
    "VpcPeeringConnections",
    "RouteTables",
    "NetworkAcls",
    "VpcEndpoints",
    "LoadBalancers",
    "LoadBalancerAttributes",
    "TargetGroups",
    "TargetGroupAttributes",
    "Listeners",
    "Rules",
    "TargetHealthDescriptions",
)
# Top-level keys of AWS services vpcsim does not model: each item is reported, nothing else is read.
_UNSUPPORTED = {
    "DBInstances": ("DBInstanceIdentifier", "RDS instance: reachable through its ENIs (NetworkInterfaces) only"),
    "DomainStatusList": ("DomainId", "Elasticsearch/OpenSearch domain: reachable through its ENIs only"),
    "LoadBalancerDescriptions": ("LoadBalancerName", "Classic Load Balancer: not modelled (only its ENIs load)"),
    "ServiceDetails": ("ServiceName", "VPC endpoint service catalogue: not network state"),  # one line per file
    "ServiceNames": (None, "VPC endpoint service names: not network state"),
    "ClassicLinkInstances": ("InstanceId", "EC2-Classic link: not modelled"),
    "CarrierGateways": ("CarrierGatewayId", "carrier gateway (Wavelength): not modelled"),
    "LocalGateways": ("LocalGatewayId", "local gateway (Outposts): not modelled"),
    "TransitGatewayPeeringAttachments": ("TransitGatewayAttachmentId", "transit gateway peering: not modelled"),
    "NetworkFirewalls": ("FirewallName", "AWS Network Firewall: not modelled"),
    "Entries": (None, "prefix list entries without a prefix list id: put them in ManagedPrefixLists[].Entries"),
}
_IGNORED_TOP = {"ResponseMetadata", "NextToken"}


def _names(words: str) -> set[str]:
    return set(words.split())


# Keys of each item: read, or known and irrelevant to reachability (ARNs, times, owners, DNS names, ...).
_COMMON = {"Tags", "TagSet", "OwnerId", "CreationTime", "CreateTime"}
_KEYS: dict[str, set[str]] = {
    "AvailabilityZones": _names(
        "GroupLongName GroupName Messages NetworkBorderGroup OptInStatus ParentZoneId ParentZoneName "
        "RegionName State ZoneId ZoneName ZoneType "
    ),
    "PrefixLists": _names("Cidrs PrefixListId PrefixListName"),
    "ManagedPrefixLists": _names(
        "AddressFamily Entries MaxEntries PrefixListArn PrefixListId PrefixListName State StateMessage Version "
    ),
    "Vpcs": _names(
        "BlockPublicAccessStates CidrBlock CidrBlockAssociationSet DhcpOptionsId EnableDnsHostnames "
        "EnableDnsSupport EncryptionControl InstanceTenancy Ipv6CidrBlockAssociationSet IsDefault State VpcId "
    ),
    "Subnets": _names(
        "AssignIpv6AddressOnCreation AvailabilityZone AvailabilityZoneId AvailableIpAddressCount "
        "BlockPublicAccessStates CidrBlock DefaultForAz EnableDns64 EnableLniAtDeviceIndex "
        "Ipv6CidrBlockAssociationSet Ipv6Native MapCustomerOwnedIpOnLaunch MapPublicIpOnLaunch "
        "PrivateDnsNameOptionsOnLaunch State SubnetArn SubnetId Type VpcId "
    ),
    "InternetGateways": _names("Attachments InternetGatewayId"),
    "EgressOnlyInternetGateways": _names("Attachments EgressOnlyInternetGatewayId"),
    "VpnGateways": _names("AmazonSideAsn AvailabilityZone State Type VpcAttachments VpnGatewayId"),
    "CustomerGateways": _names(
        "BgpAsn BgpAsnExtended CertificateArn CustomerGatewayId DeviceName IpAddress State Type"
    ),
    "VpnConnections": _names(
        "Category CoreNetworkArn CoreNetworkAttachmentArn CustomerGatewayConfiguration CustomerGatewayId "
        "GatewayAssociationState Options PreSharedKeyArn Routes State TransitGatewayId Type VgwTelemetry "
        "VpnConnectionId VpnGatewayId "
    ),
    "TransitGateways": _names("Description Options State TransitGatewayArn TransitGatewayId"),
    "TransitGatewayRouteTables": _names(
        "DefaultAssociationRouteTable DefaultPropagationRouteTable State TransitGatewayId TransitGatewayRouteTableId "
    ),
    "TransitGatewayAttachments": _names(
        "Association ResourceId ResourceOwnerId ResourceType State TransitGatewayAttachmentId "
        "TransitGatewayId TransitGatewayOwnerId "
    ),
    "TransitGatewayVpcAttachments": _names(
        "Options State SubnetIds TransitGatewayAttachmentId TransitGatewayId VpcId VpcOwnerId"
    ),
    "TransitGatewayPropagations": _names("TransitGatewayRouteTableId TransitGatewayRouteTablePropagations"),
    "TransitGatewayStaticRoutes": _names("AdditionalRoutesAvailable Routes TransitGatewayRouteTableId"),
    "SecurityGroupRules": _names(
        "CidrIpv4 CidrIpv6 Description FromPort GroupId GroupOwnerId IpProtocol IsEgress PrefixListId "
        "ReferencedGroupInfo SecurityGroupRuleArn SecurityGroupRuleId ToPort "
    ),
    "SecurityGroups": _names(
        "Description GroupId GroupName IpPermissions IpPermissionsEgress SecurityGroupArn VpcId"
    ),
    "NetworkInterfaces": _names(
        "AssociatedSubnets Association Attachment AvailabilityZone AvailabilityZoneId "
        "ConnectionTrackingConfiguration DenyAllIgwTraffic Description Groups InterfaceType Ipv4Prefixes "
        "Ipv6Address Ipv6Addresses Ipv6Native Ipv6Prefixes MacAddress NetworkInterfaceId Operator OutpostArn "
        "PrivateDnsName PrivateIpAddress PrivateIpAddresses PublicDnsName PublicIpDnsNameOptions RequesterId "
        "RequesterManaged SourceDestCheck Status SubnetId VpcId "
    ),
    "Instances": _names(
        "AmiLaunchIndex Architecture BlockDeviceMappings BootMode CapacityReservationId "
        "CapacityReservationSpecification ClientToken CpuOptions CurrentInstanceBootMode EbsOptimized "
        "ElasticGpuAssociations ElasticInferenceAcceleratorAssociations EnaSupport EnclaveOptions "
        "HibernationOptions Hypervisor IamInstanceProfile ImageId InstanceId InstanceLifecycle InstanceType "
        "Ipv6Address KernelId KeyName LaunchTime Licenses MaintenanceOptions MetadataOptions Monitoring "
        "NetworkInterfaces NetworkPerformanceOptions Operator OutpostArn Placement Platform PlatformDetails "
        "PrivateDnsName PrivateDnsNameOptions PrivateIpAddress ProductCodes PublicDnsName PublicIpAddress "
        "RamdiskId RootDeviceName RootDeviceType SecurityGroups SourceDestCheck SpotInstanceRequestId "
        "SriovNetSupport State StateReason StateTransitionReason SubnetId TpmSupport UsageOperation "
        "UsageOperationUpdateTime VirtualizationType VpcId "
    ),
    "Reservations": _names("Groups Instances RequesterId ReservationId"),
    "Addresses": _names(
        "AllocationId AssociationId CarrierIp CustomerOwnedIp CustomerOwnedIpv4Pool Domain InstanceId "
        "NetworkBorderGroup NetworkInterfaceId NetworkInterfaceOwnerId PrivateIpAddress PublicIp "
        "PublicIpv4Pool ServiceManaged SubnetId "
    ),
    "NatGateways": _names(
        "AvailabilityMode ConnectivityType DeleteTime FailureCode FailureMessage NatGatewayAddresses "
        "NatGatewayId ProvisionedBandwidth State SubnetId VpcId "
    ),
    "VpcPeeringConnections": _names("AccepterVpcInfo ExpirationTime RequesterVpcInfo Status VpcPeeringConnectionId"),
    "RouteTables": _names("Associations PropagatingVgws RouteTableId Routes VpcId"),
    "NetworkAcls": _names("Associations Entries IsDefault NetworkAclId VpcId"),
    "VpcEndpoints": _names(
        "CreationTimestamp DnsEntries DnsOptions Groups IpAddressType LastError NetworkInterfaceIds "
        "PolicyDocument PrivateDnsEnabled RequesterManaged RouteTableIds ServiceName ServiceRegion State "
        "SubnetIds VpcEndpointId VpcEndpointType VpcId "
    ),
    "LoadBalancers": _names(
        "AvailabilityZones CanonicalHostedZoneId CreatedTime CustomerOwnedIpv4Pool DNSName "
        "EnablePrefixForIpv6SourceNat EnforceSecurityGroupInboundRulesOnPrivateLinkTraffic IpAddressType IpamPools "
        "LoadBalancerArn LoadBalancerName Scheme SecurityGroups State Type VpcId "
    ),
    # vpcsim's wrappers of the per-item attribute calls: {"LoadBalancerArn": ..., "Attributes": [{"Key", "Value"}]}
    "LoadBalancerAttributes": _names("Attributes LoadBalancerArn"),
    "TargetGroups": _names(
        "HealthCheckEnabled HealthCheckIntervalSeconds HealthCheckPath HealthCheckPort HealthCheckProtocol "
        "HealthCheckTimeoutSeconds HealthyThresholdCount IpAddressType LoadBalancerArns Matcher Port Protocol "
        "ProtocolVersion TargetGroupArn TargetGroupName TargetType UnhealthyThresholdCount VpcId "
    ),
    "TargetGroupAttributes": _names("Attributes TargetGroupArn"),
    "Listeners": _names(
        "AlpnPolicy Certificates DefaultActions ListenerArn LoadBalancerArn MutualAuthentication Port Protocol "
        "SslPolicy "
    ),
    # describe-rules items, or vpcsim's wrapper naming their listener: {"ListenerArn": ..., "Rules": [...]}
    "Rules": _names("Actions Conditions IsDefault ListenerArn Priority RuleArn Rules"),
    # vpcsim's wrapper naming the target group ({"TargetGroupArn", "TargetHealthDescriptions"}), or bare
    # describe-target-health items (which name no target group)
    "TargetHealthDescriptions": _names(
        "AdministrativeOverride AnomalyDetection HealthCheckPort Target TargetGroupArn TargetHealth "
        "TargetHealthDescriptions "
    ),
}
_ROUTE_KEYS = _names(
    "CarrierGatewayId CoreNetworkArn DestinationCidrBlock DestinationIpv6CidrBlock "
    "DestinationPrefixListId EgressOnlyInternetGatewayId GatewayId InstanceId InstanceOwnerId "
    "LocalGatewayId NatGatewayId NetworkInterfaceId Origin State TransitGatewayId VpcPeeringConnectionId "
)
# Route target keys vpcsim models (R6), and those it does not.
_TARGET_KEYS = (
    "GatewayId",
    "NatGatewayId",
    "NetworkInterfaceId",
    "InstanceId",
    "VpcPeeringConnectionId",
    "TransitGatewayId",
    "EgressOnlyInternetGatewayId",
)
_UNSUPPORTED_TARGETS = ("LocalGatewayId", "CarrierGatewayId", "CoreNetworkArn")
_ENTRY_KEYS = _names("CidrBlock Egress IcmpTypeCode Ipv6CidrBlock PortRange Protocol RuleAction RuleNumber")
_PERMISSION_KEYS = _names("FromPort IpProtocol IpRanges Ipv6Ranges PrefixListIds ToPort UserIdGroupPairs")
# The description AWS gives a load balancer node's ENI: "ELB net/<name>/<id>" (NLB) or "ELB app/<name>/<id>" (ALB).
_NODE_DESCRIPTION = re.compile(r"ELB (net|app)/([^/]+/[0-9a-f]+)")
_INACTIVE = {"deleted", "deleting", "failed", "rejected", "expired", "terminated", "shutting-down", "detached"}


# ---------------------------------------------------------------------------------------------------- input


@attrs.frozen
class Document:
    """One describe-* JSON object (``{"Vpcs": [...]}`` or several keys merged) and where it came from.

    ``region`` and ``account`` come from the Batfish layout's folders when known; otherwise the builder derives the
    region from availability zone names.
    """

    data: Mapping[str, Any]
    file: str = "<mapping>"
    region: str | None = None
    account: str | None = None


def read_source(source: object) -> list[Document]:
    """The documents of a path (a JSON file, a folder of them, a Batfish snapshot) or of mappings.

    Files in a folder are routed by their top-level keys, not their names. In Batfish's layout
    (``aws_configs/[accounts/<account>/]<region>/*.json``) folder names give each document's region and account.

    Raises
    ------
    ImportFormatError
        A file that is not JSON, or whose top level is not an object; a path that does not exist.
    """
    if isinstance(source, Mapping):
        return [Document(source, "<mapping>")]
    if isinstance(source, Sequence) and not isinstance(source, str | bytes):
        docs = []
        for i, item in enumerate(source):
            if not isinstance(item, Mapping):
                raise ImportFormatError(
                    "<mapping>", f"$[{i}]", f"expected a describe-* JSON object, got {item!r:.80}"
                )
            docs.append(Document(item, f"<mapping>[{i}]"))
        return docs
    if not isinstance(source, str | os.PathLike):
        raise ImportFormatError(repr(source)[:80], "$", "expected a path, a mapping or a list of mappings")
    path = Path(source)
    if path.is_file():
        return [_read_file(path, path.name, None, None)]
    if not path.is_dir():
        raise ImportFormatError(str(path), "$", "no such file or folder")
    root = path / "aws_configs" if (path / "aws_configs").is_dir() else path
    docs = []
    for file in sorted(root.rglob("*.json")):
        parts = file.relative_to(root).parts[:-1]
        file_region: str | None = None
        account = None
        for i, part in enumerate(parts):
            if _REGION.fullmatch(part):
                file_region = part
            elif i > 0 and parts[i - 1] == "accounts":
                account = part
        docs.append(_read_file(file, str(file.relative_to(path.parent)), file_region, account))
    if not docs:
        raise ImportFormatError(str(path), "$", "no .json files in this folder")
    return docs


def _read_file(path: Path, name: str, region: str | None, account: str | None) -> Document:
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as err:
        raise ImportFormatError(name, "$", f"not JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except UnicodeDecodeError as err:
        raise ImportFormatError(name, "$", f"not JSON text: {err.reason}") from None
    if not isinstance(data, dict):
        raise ImportFormatError(name, "$", f"expected a JSON object with describe-* keys, got {type(data).__name__}")
    return Document(data, name, region, account)


def load_aws(source: object, *, region: str | None = None) -> Network:
    """Load describe-* JSON into a :class:`~vpcsim.Network`, keeping AWS's ids and addresses.

    Parameters
    ----------
    source : path or mapping or list of mappings
        One merged JSON file, a folder of files (routed by top-level key: ``Vpcs``, ``Subnets``, ``RouteTables``,
        ...), Batfish's ``aws_configs/[accounts/<acct>/]<region>/`` snapshot layout, or the parsed JSON.
    region : str, optional
        The network's home region (new VPCs go there), and the region of VPCs that neither their folder nor an
        availability zone places. By default the first region met (a merged document lists its own first; in a
        folder of regions, the first in name order).

    Returns
    -------
    Network
        With ``net.load_report``: what the input held that vpcsim did not take as it was, with file and JSON path.

    Raises
    ------
    ImportFormatError
        Broken JSON or a value of the wrong shape, naming the file and JSON path.

    Examples
    --------
    >>> net = load_aws({
    ...     "Vpcs": [{"VpcId": "vpc-1", "CidrBlock": "10.0.0.0/16"}],
    ...     "Subnets": [{"SubnetId": "subnet-1", "VpcId": "vpc-1", "CidrBlock": "10.0.1.0/24",
    ...                  "AvailabilityZone": "eu-west-1a"}],
    ... })
    >>> net.get("subnet-1")
    <Subnet subnet-1 10.0.1.0/24 eu-west-1a>
    >>> [str(r) for r in net.get("vpc-1").main_route_table.routes]
    ['10.0.0.0/16 -> local (active)']
    >>> print(net.load_report.kinds())
    {'dangling-reference': 4}
    """
    return load_documents(read_source(source), region=region)


def load_documents(
    documents: Iterable[Document],
    *,
    region: str | None = None,
    report: LoadReport | None = None,
    report_made_nodes: bool = True,
) -> Network:
    """Build a network from describe-* documents (the core of :func:`load_aws`, ``from_boto3`` and Terraform).

    ``region`` is the network's home region (where :meth:`~vpcsim.Network.create_vpc` puts new VPCs) and the region
    of VPCs that neither their document nor an availability zone places; by default the first region met.

    A load balancer node (its requester-managed ENI) missing from ``NetworkInterfaces`` is made as AWS makes it (the
    first free address of the subnet, an AWS-owned public IP when internet-facing) and reported, unless
    ``report_made_nodes`` is False (a Terraform state never holds them).
    """
    builder = _Builder(list(documents), report if report is not None else LoadReport(), region, report_made_nodes)
    return builder.build()


# ---------------------------------------------------------------------------------------------------- items


@attrs.define(slots=True)
class _Item:
    """A JSON object with its location, and typed reads that name the file and JSON path when a value is wrong."""

    data: Mapping[str, Any]
    file: str
    path: str
    region: str | None = None
    account: str | None = None

    def error(self, key: str | None, message: str) -> ImportFormatError:
        return ImportFormatError(self.file, self.path if key is None else f"{self.path}.{key}", message)

    def at(self, key: str) -> str:
        return f"{self.path}.{key}"

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
        value = self.data.get(key, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                raise self.error(key, "missing")
            return default
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            raise self.error(key, f"expected {_json_name(names)}, got {value!r:.80}")
        return value

    def text(self, key: str, default: Any = _MISSING) -> Any:
        return self.get(key, str, default)

    def flag(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if isinstance(value, Mapping) and set(value) <= {"Value"}:  # describe-*-attribute: {"Value": true}
            value = value.get("Value")
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r:.80}")
        return value

    def number(self, key: str, default: Any = _MISSING) -> Any:
        value = self.data.get(key)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):  # AWS gives some numbers as strings (BgpAsn)
            return int(value)
        return self.get(key, int, default)

    def child(self, key: str, default: Any = _MISSING) -> _Item | None:
        value = self.get(key, Mapping, default)
        return None if value is None else _Item(value, self.file, self.at(key), self.region, self.account)

    def children(self, key: str) -> list[_Item]:
        values = self.get(key, list, [])
        items = []
        for i, value in enumerate(values):
            if not isinstance(value, Mapping):
                raise ImportFormatError(self.file, f"{self.at(key)}[{i}]", f"expected an object, got {value!r:.80}")
            items.append(_Item(value, self.file, f"{self.at(key)}[{i}]", self.region, self.account))
        return items

    def strings(self, key: str) -> list[str]:
        values = self.get(key, list, [])
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise ImportFormatError(self.file, f"{self.at(key)}[{i}]", f"expected a string, got {value!r:.80}")
        return list(values)

    def network(self, key: str, version: int | None = None) -> IPNetwork:
        value = self.text(key)
        try:
            return parse_network(value, key, version)  # type: ignore[arg-type]
        except AwsError:
            family = {4: "an IPv4 ", 6: "an IPv6 "}.get(version or 0, "a ")
            raise self.error(key, f"{value!r} is not {family}CIDR block") from None

    def address(self, key: str, version: int | None = None) -> IPAddress:
        value = self.text(key)
        try:
            return parse_address(value, key, version)  # type: ignore[arg-type]
        except AwsError:
            raise self.error(key, f"{value!r} is not an IPv{version or ''} address".replace("IPv ", "IP ")) from None

    def tags(self) -> dict[str, str]:
        tags: dict[str, str] = {}
        for key in ("Tags", "TagSet"):
            for tag in self.children(key):
                tags[tag.text("Key")] = tag.text("Value", "")
        return tags


def _json_name(python: str) -> str:
    names = {"str": "a string", "int": "an integer", "bool": "true or false", "list": "a list"}
    return " or ".join(names.get(n, "an object") for n in python.split(" or "))


def _region_of_zone(zone: str) -> str | None:
    match = _REGION.match(zone)
    return match.group(1) if match else None


# ---------------------------------------------------------------------------------------------------- builder


class _Builder:
    """One import: collects the items of every document by kind, then builds resources kind by kind."""

    def __init__(
        self, documents: list[Document], report: LoadReport, region: str | None = None, report_made_nodes: bool = True
    ) -> None:
        self.report = report
        self.home = region
        self.report_made_nodes = report_made_nodes
        # Load balancing: what was left out on purpose (reported once), nodes waiting for their Elastic IP, and the
        # health each target's export reports (compared with vpcsim's at the end).
        self.skipped_elb: set[str] = set()
        self.node_allocations: list[tuple[NetworkInterface, str, IPAddress | None, _Item]] = []
        self.reported_health: list[tuple[TargetGroup, Target, str, _Item]] = []
        self.items: dict[str, list[_Item]] = {kind: [] for kind in _KINDS}
        self.instances: list[_Item] = []
        self.net: Network | None = None
        self.public_ips_by_allocation: dict[str, ElasticIp] = {}
        self.eni_items: dict[str, _Item] = {}
        self.bgp_routes: dict[str, list[IPNetwork]] = {}
        self.exported_states: dict[tuple[str, str], tuple[str, str]] = {}
        self.tgw_enis: dict[str, TransitGatewayAttachment] = {}
        for doc in documents:
            report.sources.append(doc.file)
            self._sort(doc)

    def warn(self, item: _Item, kind: str, message: str, resource: str | None = None, key: str | None = None) -> None:
        self.report.add(item.file, item.path if key is None else item.at(key), kind, message, resource)

    # ------------------------------------------------------------ routing by top-level key

    def _sort(self, doc: Document) -> None:
        for key, value in doc.data.items():
            path = f"$.{key}"
            if key in _IGNORED_TOP:
                continue
            if key not in self.items and key not in _UNSUPPORTED:
                self.report.add(doc.file, path, "unknown-key", f"{key!r} is not a describe-* key vpcsim reads")
                continue
            if not isinstance(value, list):
                raise ImportFormatError(doc.file, path, f"expected a list, got {type(value).__name__}")
            if key in _UNSUPPORTED:
                id_key, what = _UNSUPPORTED[key]
                if id_key is None or key == "ServiceDetails":  # a catalogue, not resources: one line says it
                    if value:
                        self.report.add(doc.file, path, "unsupported-resource", f"{what} ({len(value)} items)")
                    continue
                for i, entry in enumerate(value):
                    rid = entry.get(id_key) if id_key and isinstance(entry, Mapping) else None
                    self.report.add(doc.file, f"{path}[{i}]", "unsupported-resource", what, rid)
                continue
            for i, entry in enumerate(value):
                if not isinstance(entry, Mapping):
                    raise ImportFormatError(doc.file, f"{path}[{i}]", f"expected an object, got {entry!r:.80}")
                item = _Item(entry, doc.file, f"{path}[{i}]", doc.region, doc.account)
                self._check_keys(item, key)
                if key == "Reservations":
                    for instance in item.children("Instances"):
                        self._check_keys(instance, "Instances")
                        self.instances.append(instance)
                self.items[key].append(item)

    def _check_keys(self, item: _Item, kind: str) -> None:
        known = _KEYS[kind]
        if not known:  # load balancing shapes are kept for their own reports
            return
        for key in item.data:
            if key not in known and key not in _COMMON:
                self.warn(item, "unknown-key", f"{key!r} is not a {kind} key vpcsim reads", key=key)

    def _check_nested(self, item: _Item, known: set[str], what: str) -> None:
        for key in item.data:
            if key not in known:
                self.warn(item, "unknown-key", f"{key!r} is not a {what} key vpcsim reads", key=key)

    def _unique(self, kind: str, id_key: str) -> Iterator[tuple[str, _Item]]:
        """Items of a kind by id; a repeat (the same resource in two files) is skipped, reported if it differs."""
        seen: dict[str, _Item] = {}
        for item in self.items[kind]:
            rid = item.text(id_key)
            first = seen.get(rid)
            if first is None:
                seen[rid] = item
                yield rid, item
            elif first.data != item.data:
                self.warn(
                    item, "duplicate", f"{rid} also appears at {first.file}: {first.path}; the first was kept", rid
                )

    # ------------------------------------------------------------ the build

    def build(self) -> Network:
        regions = self._regions()
        first = self.home or next(iter(regions), "us-east-1")
        regions.setdefault(first, [])
        net = Network(region=first, availability_zones=regions.get(first) or None)
        for region, zones in regions.items():
            if region != first:
                net.add_region(region, zones or None)
        self.net = net
        self._prefix_lists()
        self._vpcs()
        self._subnets()
        self._gateways()
        self._transit_gateways()
        self._security_groups()
        self._network_interfaces()
        self._instances()
        self._link_tgw_interfaces()
        self._load_balancers()
        self._addresses()
        self._node_addresses()
        self._nat_gateways()
        self._peerings()
        self._route_tables()
        self._network_acls()
        self._vpc_endpoints()
        self._target_groups()
        self._listeners()
        self._targets()
        self._rules()
        self._derive()
        net.load_report = self.report
        net._changed()
        self._compare_health()
        return net

    def _regions(self) -> dict[str, list[str]]:
        """Region -> its availability zones, from AvailabilityZones items, subnets and document folders."""
        regions: dict[str, list[str]] = {}

        def add(region: str | None, zone: str | None = None) -> None:
            if region is None:
                return
            zones = regions.setdefault(region, [])
            if zone is not None and zone not in zones:
                zones.append(zone)

        for kind in _KINDS:
            for item in self.items[kind]:
                add(item.region)
        for item in self.items["AvailabilityZones"]:
            zone = item.text("ZoneName")
            add(item.text("RegionName", None) or _region_of_zone(zone), zone)
        for item in [*self.items["Subnets"], *self.items["NetworkInterfaces"]]:
            zone = item.text("AvailabilityZone", None)
            if zone is not None:
                add(item.region or _region_of_zone(zone), zone)
        for zones in regions.values():
            zones.sort()
        return regions

    def _claim(self, resource: R) -> R:
        assert self.net is not None
        self.net._ids.claim(resource.id)
        return self.net._add(resource)

    def _find(self, rid: str, kind: type[R]) -> R | None:
        assert self.net is not None
        found = self.net._store[kind].get(rid)
        return found  # type: ignore[return-value]

    # ------------------------------------------------------------ prefix lists

    def _prefix_lists(self) -> None:
        for rid, item in self._unique("PrefixLists", "PrefixListId"):
            cidrs = {self._cidr(item, f"Cidrs[{i}]", c): "" for i, c in enumerate(item.strings("Cidrs"))}
            family = "IPv6" if any(c.version == 6 for c in cidrs) else "IPv4"
            self._claim(
                ManagedPrefixList(
                    id=rid,
                    prefix_list_name=item.text("PrefixListName", rid),
                    address_family=family,
                    max_entries=max(len(cidrs), 1),
                    entries=cidrs,
                    owner_id="AWS",
                    rule_weight=1,
                )
            )
        for rid, item in self._unique("ManagedPrefixLists", "PrefixListId"):
            existing = self._find(rid, ManagedPrefixList)
            entries: dict[IPNetwork, str] = {}
            for entry in item.children("Entries"):
                entries[entry.network("Cidr")] = entry.text("Description", "")
            if existing is not None:  # an AWS-managed list from describe-prefix-lists: describe-managed adds detail
                existing.max_entries = item.number("MaxEntries", existing.max_entries)
                existing.address_family = item.text("AddressFamily", existing.address_family)
                existing.entries = entries or existing.entries
                continue
            if "Entries" not in item.data:
                self.warn(item, "partial", f"{rid} has no Entries: it matches nothing", rid)
            owner = item.text("OwnerId", "self")
            self._claim(
                ManagedPrefixList(
                    tags=item.tags(),
                    id=rid,
                    prefix_list_name=item.text("PrefixListName", rid),
                    address_family=item.text("AddressFamily", "IPv4"),
                    max_entries=item.number("MaxEntries", max(len(entries), 1)),
                    entries=entries,
                    owner_id="AWS" if owner == "AWS" else "self",
                    version=item.number("Version", 1),
                )
            )

    def _cidr(self, item: _Item, key: str, value: object) -> IPNetwork:
        try:
            return parse_network(value, key)
        except AwsError:
            raise item.error(key, f"{value!r} is not a CIDR block") from None

    # ------------------------------------------------------------ VPCs and subnets

    def _vpcs(self) -> None:
        assert self.net is not None
        for rid, item in self._unique("Vpcs", "VpcId"):
            primary = item.network("CidrBlock", 4)
            blocks = [primary]
            for assoc in item.children("CidrBlockAssociationSet"):
                if _state(assoc, "CidrBlockState") in ("associated", None):
                    block = assoc.network("CidrBlock", 4)
                    if block not in blocks:
                        blocks.append(block)
            ipv6 = [
                assoc.network("Ipv6CidrBlock", 6)
                for assoc in item.children("Ipv6CidrBlockAssociationSet")
                if _state(assoc, "Ipv6CidrBlockState") in ("associated", None)
            ]
            if len(ipv6) > 1:
                self.warn(item, "partial", f"{rid} has {len(ipv6)} IPv6 blocks: only {ipv6[0]} is modelled", rid)
            region = item.region or self._vpc_region(rid)
            if region not in self.net.availability_zones:
                self.net.add_region(region)
            self._claim(
                Vpc(
                    id=rid,
                    tags=item.tags(),
                    region=region,
                    cidr_blocks=blocks,  # type: ignore[arg-type]
                    ipv6_cidr_block=ipv6[0] if ipv6 else None,  # type: ignore[arg-type]
                    enable_dns_support=item.flag("EnableDnsSupport", True),
                    enable_dns_hostnames=item.flag("EnableDnsHostnames", False),
                )
            )

    def _vpc_region(self, vpc_id: str) -> str:
        assert self.net is not None
        for item in self.items["Subnets"]:
            zone = item.data.get("AvailabilityZone")
            if item.data.get("VpcId") == vpc_id and isinstance(zone, str) and _region_of_zone(zone):
                return _region_of_zone(zone)  # type: ignore[return-value]
        return self.net.region

    def _vpc(self, item: _Item, key: str = "VpcId") -> Vpc | None:
        vpc_id = item.text(key)
        vpc = self._find(vpc_id, Vpc)
        if vpc is None:
            self.warn(
                item, "dangling-reference", f"{vpc_id} is not in the export: this item was not loaded", vpc_id, key
            )
        return vpc

    def _subnets(self) -> None:
        assert self.net is not None
        for rid, item in self._unique("Subnets", "SubnetId"):
            vpc = self._vpc(item)
            if vpc is None:
                continue
            zone = item.text("AvailabilityZone")
            zones = self.net.availability_zones.get(vpc.region, ())
            if zone not in zones:
                self.net.add_region(vpc.region, sorted({*zones, zone}))
            ipv6 = [
                assoc.network("Ipv6CidrBlock", 6)
                for assoc in item.children("Ipv6CidrBlockAssociationSet")
                if _state(assoc, "Ipv6CidrBlockState") in ("associated", None)
            ]
            self._claim(
                Subnet(
                    id=rid,
                    tags=item.tags(),
                    vpc=vpc,
                    cidr_block=item.network("CidrBlock", 4),  # type: ignore[arg-type]
                    availability_zone=zone,
                    ipv6_cidr_block=ipv6[0] if ipv6 else None,  # type: ignore[arg-type]
                    map_public_ip_on_launch=item.flag("MapPublicIpOnLaunch"),
                    assign_ipv6_address_on_creation=item.flag("AssignIpv6AddressOnCreation"),
                )
            )

    # ------------------------------------------------------------ gateways and VPNs

    def _attached_vpc(self, item: _Item, key: str) -> Vpc | None:
        for attachment in item.children(key):
            if attachment.text("State", "available") in ("available", "attached"):
                vpc = self._vpc(attachment)
                if vpc is not None:
                    return vpc
        return None

    def _gateways(self) -> None:
        for rid, item in self._unique("InternetGateways", "InternetGatewayId"):
            self._claim(InternetGateway(id=rid, tags=item.tags(), vpc=self._attached_vpc(item, "Attachments")))
        for rid, item in self._unique("EgressOnlyInternetGateways", "EgressOnlyInternetGatewayId"):
            vpc = self._attached_vpc(item, "Attachments")
            if vpc is None:
                self.warn(item, "inactive", f"{rid} is attached to no VPC in the export: not loaded", rid)
                continue
            self._claim(EgressOnlyInternetGateway(id=rid, tags=item.tags(), vpc=vpc))
        for rid, item in self._unique("VpnGateways", "VpnGatewayId"):
            if self._inactive(item, rid):
                continue
            self._claim(
                VpnGateway(
                    id=rid,
                    tags=item.tags(),
                    amazon_side_asn=item.number("AmazonSideAsn", 64512),
                    vpc=self._attached_vpc(item, "VpcAttachments"),
                )
            )
        for rid, item in self._unique("CustomerGateways", "CustomerGatewayId"):
            if self._inactive(item, rid):
                continue
            self._claim(
                CustomerGateway(
                    id=rid,
                    tags=item.tags(),
                    ip_address=item.address("IpAddress", 4),  # type: ignore[arg-type]
                    bgp_asn=item.number("BgpAsn", 65000),
                )
            )

    def _inactive(self, item: _Item, rid: str, key: str = "State") -> bool:
        state = _state(item, key)
        if state in _INACTIVE:
            self.warn(item, "inactive", f"{rid} is {state}: it carries no traffic and was not loaded", rid, key)
            return True
        return False

    def _vpn_connections(self) -> None:
        for rid, item in self._unique("VpnConnections", "VpnConnectionId"):
            if self._inactive(item, rid):
                continue
            cgw = self._find(item.text("CustomerGatewayId"), CustomerGateway)
            if cgw is None:
                self.warn(item, "dangling-reference", "its customer gateway is not in the export: not loaded", rid)
                continue
            vgw_id, tgw_id = item.text("VpnGatewayId", None), item.text("TransitGatewayId", None)
            if vgw_id is None and tgw_id is None:
                self.warn(item, "unsupported-value", "attached to neither a VGW nor a TGW: not loaded", rid)
                continue
            routes = [
                route.network("DestinationCidrBlock")
                for route in item.children("Routes")
                if route.text("State", "available") == "available"
            ]
            options = item.child("Options", None)
            if options is not None and not options.flag("StaticRoutesOnly", False):
                self.warn(
                    item,
                    "partial",
                    "BGP routes are not in a describe-* export: the routes it advertises are taken from the route "
                    "tables' propagated routes; without any, traffic to on-premises networks has no route through it",
                    rid,
                )
            self._claim(
                VpnConnection(
                    id=rid,
                    tags=item.tags(),
                    customer_gateway=cgw,
                    vpn_gateway_id=vgw_id,
                    transit_gateway_id=tgw_id,
                    routes=list(dict.fromkeys(routes)),
                    state=item.text("State", "available"),
                )
            )

    # ------------------------------------------------------------ transit gateways

    def _transit_gateways(self) -> None:
        for rid, item in self._unique("TransitGateways", "TransitGatewayId"):
            if self._inactive(item, rid):
                continue
            options = item.child("Options", None) or _Item({}, item.file, item.at("Options"))
            self._claim(
                TransitGateway(
                    id=rid,
                    tags=item.tags(),
                    amazon_side_asn=options.number("AmazonSideAsn", 64512),
                    default_route_table_association=options.text("DefaultRouteTableAssociation", "enable")
                    == "enable",
                    default_route_table_propagation=options.text("DefaultRouteTablePropagation", "enable")
                    == "enable",
                    default_route_table_id=options.text("AssociationDefaultRouteTableId", None),
                )
            )
        self._vpn_connections()
        for rid, item in self._unique("TransitGatewayRouteTables", "TransitGatewayRouteTableId"):
            if self._inactive(item, rid):
                continue
            tgw = self._find(item.text("TransitGatewayId"), TransitGateway)
            if tgw is None:
                self.warn(item, "dangling-reference", "its transit gateway is not in the export: not loaded", rid)
                continue
            self._claim(TransitGatewayRouteTable(id=rid, tags=item.tags(), transit_gateway=tgw))
        vpc_attachments = dict(self._unique("TransitGatewayVpcAttachments", "TransitGatewayAttachmentId"))
        attachments = dict(self._unique("TransitGatewayAttachments", "TransitGatewayAttachmentId"))
        for rid, item in vpc_attachments.items():
            attachments.setdefault(rid, item)
        for rid, item in attachments.items():
            self._tgw_attachment(rid, item, vpc_attachments.get(rid))
        for item in self.items["TransitGatewayPropagations"]:
            table = self._find(item.text("TransitGatewayRouteTableId"), TransitGatewayRouteTable)
            if table is None:
                self.warn(item, "dangling-reference", "propagations of a TGW route table not in the export")
                continue
            for propagation in item.children("TransitGatewayRouteTablePropagations"):
                attachment_id = propagation.text("TransitGatewayAttachmentId")
                if propagation.text("State", "enabled") != "enabled":
                    continue
                if self._find(attachment_id, TransitGatewayAttachment) is None:
                    self.warn(propagation, "dangling-reference", f"{attachment_id} is not loaded", table.id)
                elif attachment_id not in table.propagations:
                    table.propagations.append(attachment_id)
        for item in self.items["TransitGatewayStaticRoutes"]:
            table = self._find(item.text("TransitGatewayRouteTableId"), TransitGatewayRouteTable)
            if table is None:
                self.warn(item, "dangling-reference", "routes of a TGW route table not in the export")
                continue
            for route in item.children("Routes"):
                self._tgw_route(table, route)

    def _tgw_attachment(self, rid: str, item: _Item, vpc_item: _Item | None) -> None:
        assert self.net is not None
        if self._inactive(item, rid):
            return
        tgw = self._find(item.text("TransitGatewayId"), TransitGateway)
        if tgw is None:
            self.warn(item, "dangling-reference", "its transit gateway is not in the export: not loaded", rid)
            return
        kind = item.text("ResourceType", "vpc")
        resource_id = item.text("ResourceId", None) or (vpc_item.text("VpcId") if vpc_item else None)
        if kind not in ("vpc", "vpn") or resource_id is None:
            self.warn(item, "unsupported-resource", f"a transit gateway {kind} attachment is not modelled", rid)
            return
        vpc: Vpc | None = None
        subnets: list[Subnet] = []
        if kind == "vpc":
            vpc = self._find(resource_id, Vpc)
            if vpc is None:
                self.warn(item, "dangling-reference", f"{resource_id} is not in the export: not loaded", rid)
                return
            subnet_ids = vpc_item.strings("SubnetIds") if vpc_item is not None else []
            subnets = [s for s in (self._find(sid, Subnet) for sid in subnet_ids) if s is not None]
            if not subnets:
                self.warn(item, "partial", "no subnets of this VPC attachment are known: it carries no traffic", rid)
        elif self._find(resource_id, VpnConnection) is None:
            self.warn(item, "dangling-reference", f"{resource_id} is not loaded: neither is this attachment", rid)
            return
        association = item.child("Association", None)
        options = vpc_item.child("Options", None) if vpc_item is not None else None
        table = None
        if association is not None and association.text("State", "associated") == "associated":
            table = self._find(association.text("TransitGatewayRouteTableId"), TransitGatewayRouteTable)
        attachment = self._claim(
            TransitGatewayAttachment(
                id=rid,
                tags=item.tags() or (vpc_item.tags() if vpc_item else {}),
                transit_gateway=tgw,
                resource_type=kind,
                resource_id=resource_id,
                vpc=vpc,
                subnets=subnets,
                association=table,
                state=item.text("State", "available"),
                ipv6_support=options is not None and options.text("Ipv6Support", "disable") == "enable",
            )
        )
        if vpc is not None:
            self.tgw_enis[rid] = attachment

    def _tgw_route(self, table: TransitGatewayRouteTable, route: _Item) -> None:
        destination = route.text("DestinationCidrBlock", None)
        if destination is None:
            self.warn(route, "unsupported-value", "a route to a prefix list is not modelled", table.id)
            return
        cidr = route.network("DestinationCidrBlock")
        kind = route.text("Type", "static")
        targets = [t.text("TransitGatewayAttachmentId") for t in route.children("TransitGatewayAttachments")]
        state = route.text("State", "active")
        if kind == "propagated":
            return  # derived from the table's propagations; compared in _derive
        if state not in ("active", "blackhole"):
            return
        if state == "active" and not targets:
            self.warn(route, "dangling-reference", f"the route {cidr} names no attachment: a blackhole", table.id)
        if len(targets) > 1:
            self.warn(
                route, "partial", f"ECMP over {len(targets)} attachments: only {targets[0]} is modelled", table.id
            )
        target = targets[0] if targets and state == "active" else None
        if target is not None and self._find(target, TransitGatewayAttachment) is None:
            self.warn(
                route, "dangling-reference", f"{target} is not loaded: the route {cidr} is a blackhole", table.id
            )
        table.routes.append(TransitGatewayRoute(cidr, target))

    # ------------------------------------------------------------ security groups

    def _rule_ids(self) -> dict[tuple[object, ...], list[str]]:
        """describe-security-group-rules, when given, names each rule: its id keyed by what the rule says."""
        ids: dict[tuple[object, ...], list[str]] = {}
        for rid, item in self._unique("SecurityGroupRules", "SecurityGroupRuleId"):
            referenced = item.child("ReferencedGroupInfo", None)
            peer = (
                item.text("CidrIpv4", None)
                or item.text("CidrIpv6", None)
                or item.text("PrefixListId", None)
                or (referenced.text("GroupId", None) if referenced is not None else None)
            )
            try:
                protocol = parse_protocol(str(item.get("IpProtocol", (str, int))), "IpProtocol")
            except AwsError:
                raise item.error("IpProtocol", f"{item.data.get('IpProtocol')!r} is not a protocol") from None
            ports = (item.number("FromPort", -1), item.number("ToPort", -1))
            key = (item.text("GroupId"), item.flag("IsEgress"), protocol, ports, peer)
            ids.setdefault(key, []).append(rid)
        return ids

    def _security_groups(self) -> None:
        assert self.net is not None
        self.rule_ids = self._rule_ids()
        # A rule may name a group listed after its own: references are checked against every exported group.
        self.exported_groups = {i.data.get("GroupId") for i in self.items["SecurityGroups"]}
        for rid, item in self._unique("SecurityGroups", "GroupId"):
            vpc_id = item.text("VpcId", None)
            if vpc_id is None:
                self.warn(item, "unsupported-resource", "an EC2-Classic security group is not modelled", rid)
                continue
            vpc = self._vpc(item)
            if vpc is None:
                continue
            name = item.text("GroupName", rid)
            sg = self._claim(
                SecurityGroup(
                    id=rid,
                    tags=item.tags(),
                    vpc=vpc,
                    group_name=name,
                    description=item.text("Description", ""),
                    is_default=name == "default",
                )
            )
            if name == "default":
                vpc.default_security_group = sg
            for key, egress in (("IpPermissions", False), ("IpPermissionsEgress", True)):
                for permission in item.children(key):
                    self._check_nested(permission, _PERMISSION_KEYS, "permission")
                    sg.rules(egress).extend(self._permission(sg, permission, egress))
        for vpc in self.net.vpcs:
            if _unset(vpc, "default_security_group"):
                self.report.add(
                    "<derived>",
                    f"$.Vpcs[{vpc.id}]",
                    "dangling-reference",
                    "its default security group is not in the export: an empty one stands in",
                    vpc.id,
                )
                vpc.default_security_group = self.net._add(
                    SecurityGroup(
                        id=self.net._ids.new("sg"),
                        vpc=vpc,
                        group_name="default",
                        description="default VPC security group",
                        is_default=True,
                    )
                )

    def _permission(self, sg: SecurityGroup, item: _Item, egress: bool) -> list[SecurityGroupRule]:
        assert self.net is not None
        raw = item.get("IpProtocol", (str, int))
        try:
            protocol = parse_protocol(str(raw), "IpProtocol")
        except AwsError:
            raise item.error("IpProtocol", f"{raw!r} is not a protocol name or number") from None
        ports: tuple[int, int] | None = None
        if protocol in (6, 17, 1, 58) and ("FromPort" in item.data or protocol in (6, 17)):
            low, high = item.number("FromPort", 0 if protocol in (6, 17) else -1), item.number("ToPort", _MISSING)
            if protocol in (6, 17) and (low, high) == (-1, -1):
                low, high = 0, 65535  # AWS lists "all TCP" from the console as -1/-1 in some exports
            ports = _ports(item, ("FromPort", low), ("ToPort", high), protocol)
        low, high = ports if ports is not None else (None, None)
        peers: list[tuple[str, dict[str, Any], _Item]] = []
        for key, field in (("IpRanges", "CidrIp"), ("Ipv6Ranges", "CidrIpv6")):
            for peer in item.children(key):
                peers.append((key, {"cidr": peer.network(field)}, peer))
        for peer in item.children("PrefixListIds"):
            pl_id = peer.text("PrefixListId")
            if self._find(pl_id, ManagedPrefixList) is None:
                self.warn(
                    peer, "dangling-reference", f"{pl_id} is not in the export: the rule matches nothing", sg.id
                )
            peers.append(("PrefixListIds", {"prefix_list_id": pl_id}, peer))
        for peer in item.children("UserIdGroupPairs"):
            group_id = peer.text("GroupId", None)
            if group_id is None:
                raise peer.error("GroupId", "missing (a rule naming a group by name is EC2-Classic)")
            if group_id not in self.exported_groups:
                self.warn(
                    peer,
                    "dangling-reference",
                    f"{group_id} is not in the export: the rule matches none of its members",
                    sg.id,
                )
            peers.append(("UserIdGroupPairs", {"group_id": group_id}, peer))
        rules = []
        for _key, fields, peer in peers:
            named = str(next(iter(fields.values())))
            rule_key = (sg.id, egress, protocol, (-1, -1) if low is None else (low, high), named)
            given = self.rule_ids.get(rule_key)
            rule_id = given.pop(0) if given else self.net._ids.new("sgr")
            self.net._ids.claim(rule_id)
            rules.append(
                SecurityGroupRule(
                    id=rule_id,
                    egress=egress,
                    protocol=protocol,
                    from_port=low,
                    to_port=high,
                    description=peer.text("Description", ""),
                    **fields,
                )
            )
        return rules

    # ------------------------------------------------------------ ENIs and instances

    def _network_interfaces(self) -> None:
        for rid, item in self._unique("NetworkInterfaces", "NetworkInterfaceId"):
            self.eni_items[rid] = item
            self._interface(rid, item)

    def _interface(self, rid: str, item: _Item, subnet_id: str | None = None) -> NetworkInterface | None:
        assert self.net is not None
        subnet = self._find(item.text("SubnetId", None) or subnet_id or "", Subnet)
        if subnet is None:
            self.warn(item, "dangling-reference", "its subnet is not in the export: not loaded", rid, "SubnetId")
            return None
        privates: list[ipaddress.IPv4Address] = []
        public: dict[ipaddress.IPv4Address, _Item] = {}
        entries = item.children("PrivateIpAddresses")
        if not entries and "PrivateIpAddress" in item.data:
            entries = [item]
        for entry in sorted(entries, key=lambda e: not e.flag("Primary", e is item)):
            address = entry.address("PrivateIpAddress", 4)
            assert isinstance(address, ipaddress.IPv4Address)
            privates.append(address)
            association = entry.child("Association", None)
            if association is not None and association.text("PublicIp", None):
                public[address] = association
        if not privates:
            raise item.error("PrivateIpAddresses", "an ENI needs a private IPv4 address")
        association = item.child("Association", None)
        if not public and association is not None and association.text("PublicIp", None):
            public[privates[0]] = association
        ipv6 = [e.address("Ipv6Address", 6) for e in item.children("Ipv6Addresses")]
        groups = []
        for group in item.children("Groups"):
            sg = self._find(group.text("GroupId"), SecurityGroup)
            if sg is None:
                self.warn(group, "dangling-reference", f"{group.text('GroupId')} is not loaded: left out", rid)
            else:
                groups.append(sg)
        tracking = item.child("ConnectionTrackingConfiguration", None)
        defaults = ConnectionTracking()
        eni = NetworkInterface(
            id=rid,
            tags=item.tags(),
            subnet=subnet,
            mac_address=item.text("MacAddress", None) or self.net._new_mac(),
            private_ip_addresses=privates,
            ipv6_addresses=ipv6,  # type: ignore[arg-type]
            security_groups=groups,
            source_dest_check=item.flag("SourceDestCheck", True),
            description=item.text("Description", ""),
            interface_type=item.text("InterfaceType", "interface"),
            requester_managed=item.flag("RequesterManaged", False),
            connection_tracking=ConnectionTracking(
                tcp_established_timeout=tracking.number("TcpEstablishedTimeout", defaults.tcp_established_timeout),
                udp_stream_timeout=tracking.number("UdpStreamTimeout", defaults.udp_stream_timeout),
                udp_timeout=tracking.number("UdpTimeout", defaults.udp_timeout),
            )
            if tracking is not None
            else defaults,
        )
        attachment = item.child("Attachment", None)
        if attachment is not None:
            eni.attachment_id = attachment.text("AttachmentId", None)
            eni.device_index = attachment.number("DeviceIndex", None)
            eni.delete_on_termination = attachment.flag("DeleteOnTermination", False)
        for address in eni.addresses:
            holder = subnet.used_addresses.get(address)
            if holder is not None:
                raise item.error("PrivateIpAddress", f"{address} is held by {holder} too")
            if not subnet.contains(address):
                raise item.error("PrivateIpAddress", f"{address} is outside {subnet.id} ({subnet.cidr_block})")
        self._claim(eni)
        for address in eni.addresses:
            subnet.take(address, rid)
        for private, association in public.items():
            self._public_address(eni, private, association)
        return eni

    def _public_address(self, eni: NetworkInterface, private: ipaddress.IPv4Address, association: _Item) -> None:
        """P1/P2: an association with an allocation id (or an owner other than AWS: BYOIP) is an EIP; AWS's own
        addresses (IpOwnerId ``amazon``, ``amazon-elb``) are auto-assigned."""
        assert self.net is not None
        public = association.address("PublicIp", 4)
        assert isinstance(public, ipaddress.IPv4Address)
        allocation = association.text("AllocationId", None)
        owner = association.text("IpOwnerId", "amazon")
        self.net._ids.claim(str(public))
        if allocation is None and owner.startswith("amazon"):  # amazon, amazon-elb: AWS's own addresses
            if private != eni.private_ip:
                self.warn(association, "partial", "an auto-assigned public IP on a secondary address", eni.id)
            eni.auto_public_ip = public
            return
        rid = allocation or f"eipalloc-{int(public):08x}"
        eip = self._find(rid, ElasticIp) or self._claim(ElasticIp(id=rid, public_ip=public))
        eip.network_interface, eip.private_ip = eni, private
        eip.association_id = association.text("AssociationId", None)
        eni.elastic_ips[private] = eip

    def _instances(self) -> None:
        seen: set[str] = set()
        for item in self.instances:
            rid = item.text("InstanceId")
            if rid in seen:
                continue
            seen.add(rid)
            state = _state(item, "State") or "running"
            if state in ("terminated", "shutting-down"):
                self.warn(item, "inactive", f"{rid} is {state}: not loaded", rid, "State")
                continue
            enis: list[tuple[int, NetworkInterface]] = []
            for nic in item.children("NetworkInterfaces"):
                eni_id = nic.text("NetworkInterfaceId")
                eni = self._find(eni_id, NetworkInterface)
                if eni is None and eni_id in self.eni_items:  # listed, and reported, by describe-network-interfaces
                    continue
                if eni is None:  # describe-instances alone: its ENI shape is close enough to build from
                    eni = self._interface(eni_id, nic, item.text("SubnetId", None))
                if eni is None:
                    continue
                attachment = nic.child("Attachment", None)
                index = attachment.number("DeviceIndex", None) if attachment else None
                enis.append((index if index is not None else eni.device_index or 0, eni))
            if not enis:
                self.warn(item, "partial", f"{rid} has no network interface in the export: not loaded", rid)
                continue
            enis.sort(key=lambda pair: pair[0])
            options = item.child("MetadataOptions", None)
            metadata = MetadataOptions()
            if options is not None:
                metadata = MetadataOptions(
                    http_endpoint=options.text("HttpEndpoint", "enabled"),
                    http_tokens=options.text("HttpTokens", "optional"),
                    http_put_response_hop_limit=options.number("HttpPutResponseHopLimit", 1),
                    http_protocol_ipv6=options.text("HttpProtocolIpv6", "disabled"),
                    instance_metadata_tags=options.text("InstanceMetadataTags", "disabled"),
                )
            tags = item.tags()
            masquerade = tags.pop(MASQUERADE_TAG, None) == "true"
            launch_tag = tags.pop(PUBLIC_IP_TAG, None)
            public = launch_public_ip(enis[0][1], state) if launch_tag is None else launch_tag == "true"
            instance = self._claim(
                Instance(
                    id=rid,
                    tags=tags,
                    instance_type=item.text("InstanceType", "unknown"),
                    state=state,
                    network_interfaces=[eni for _, eni in enis],
                    metadata_options=metadata,
                    associate_public_ip=public,
                    masquerade=masquerade,
                    iam_role=_profile_role(item),
                )
            )
            for index, eni in enis:
                eni.instance, eni.device_index = instance, index
            if state == "stopped" and enis[0][1].auto_public_ip is not None:
                self.warn(item, "partial", "a stopped instance with an auto-assigned public IP", rid)

    def _link_tgw_interfaces(self) -> None:
        """A VPC attachment's ENIs: those of type transit_gateway in its subnets that name it (E6)."""
        assert self.net is not None
        for eni in self.net.network_interfaces:
            if eni.interface_type != "transit_gateway":
                continue
            for attachment_id, attachment in self.tgw_enis.items():
                if attachment_id in eni.description or (
                    eni.subnet in attachment.subnets and "tgw-attach-" not in eni.description
                ):
                    attachment.network_interfaces.append(eni)
                    break

    def _addresses(self) -> None:
        for rid, item in self._unique("Addresses", "PublicIp"):
            allocation = item.text("AllocationId", None)
            if allocation is None:
                self.warn(item, "unsupported-resource", "an EC2-Classic Elastic IP is not modelled", rid)
                continue
            public = item.address("PublicIp", 4)
            eip = self._find(allocation, ElasticIp)
            if eip is None:
                eip = self._claim(ElasticIp(id=allocation, tags=item.tags(), public_ip=public))  # type: ignore[arg-type]
                assert self.net is not None
                self.net._ids.claim(rid)
            else:
                eip.tags = item.tags()
            eni_id = item.text("NetworkInterfaceId", None)
            if eni_id is not None and eip.network_interface is None:
                eni = self._find(eni_id, NetworkInterface)
                if eni is None:
                    self.warn(
                        item, "dangling-reference", f"{eni_id} is not loaded: the EIP is unassociated", allocation
                    )
                    continue
                private = item.address("PrivateIpAddress", 4) if "PrivateIpAddress" in item.data else eni.private_ip
                assert isinstance(private, ipaddress.IPv4Address)
                eip.network_interface, eip.private_ip = eni, private
                eip.association_id = item.text("AssociationId", None)
                eni.elastic_ips[private] = eip

    # ------------------------------------------------------------ NAT gateways, peering

    def _nat_gateways(self) -> None:
        assert self.net is not None
        for rid, item in self._unique("NatGateways", "NatGatewayId"):
            if _state(item, "State") in ("deleted", "deleting"):
                self._inactive(item, rid)
                continue
            subnet = self._find(item.text("SubnetId"), Subnet)
            if subnet is None:
                self.warn(item, "dangling-reference", "its subnet is not in the export: not loaded", rid, "SubnetId")
                continue
            connectivity = item.text("ConnectivityType", "public")
            state = item.text("State", "available")
            addresses = item.children("NatGatewayAddresses")
            if len(addresses) > 1:
                self.warn(item, "partial", "secondary NAT addresses are not modelled: the primary one is", rid)
            eni: NetworkInterface | None = None
            eip: ElasticIp | None = None
            if addresses and state == "available":
                first = addresses[0]
                eni_id = first.text("NetworkInterfaceId")
                eni = self._find(eni_id, NetworkInterface)
                if eni is None:
                    eni = self._claim(
                        NetworkInterface(
                            id=eni_id,
                            subnet=subnet,
                            mac_address=self.net._new_mac(),
                            private_ip_addresses=[first.address("PrivateIp", 4)],  # type: ignore[list-item]
                            source_dest_check=False,
                            description=f"Interface for NAT Gateway {rid}",
                            interface_type="nat_gateway",
                            requester_managed=True,
                        )
                    )
                    subnet.take(eni.private_ip, eni_id)
                allocation = first.text("AllocationId", None)
                if allocation is not None and connectivity == "public":
                    eip = self._find(allocation, ElasticIp)
                    if eip is None:
                        eip = self._claim(ElasticIp(id=allocation, public_ip=first.address("PublicIp", 4)))  # type: ignore[arg-type]
                    if eip.network_interface is None:
                        eip.network_interface, eip.private_ip = eni, eni.private_ip
                        eni.elastic_ips[eni.private_ip] = eip
            elif state == "available":
                raise item.error("NatGatewayAddresses", "an available NAT gateway needs its address")
            self._claim(
                NatGateway(
                    id=rid,
                    tags=item.tags(),
                    subnet=subnet,
                    connectivity=connectivity,
                    network_interface=eni,
                    elastic_ip=eip,
                    state=state if state in ("available", "failed") else "failed",
                    failure_code=item.text("FailureCode", None) or (None if state == "available" else state),
                    failure_message=item.text("FailureMessage", None),
                )
            )

    def _peerings(self) -> None:
        for rid, item in self._unique("VpcPeeringConnections", "VpcPeeringConnectionId"):
            status = item.child("Status", None)
            code = status.text("Code", "active") if status is not None else "active"
            if code in ("deleted", "deleting", "expired"):
                self.warn(item, "inactive", f"{rid} is {code}: not loaded", rid, "Status")
                continue
            sides = []
            for key in ("RequesterVpcInfo", "AccepterVpcInfo"):
                info = item.child(key)
                assert info is not None
                sides.append(self._find(info.text("VpcId"), Vpc))
                if sides[-1] is None:
                    self.warn(
                        info,
                        "dangling-reference",
                        f"{info.text('VpcId')} (account {info.text('OwnerId', '?')}) is not in the export: "
                        "the peering is not loaded and routes to it are blackholes",
                        rid,
                    )
            requester, accepter = sides
            if requester is None or accepter is None:
                continue
            self._claim(
                VpcPeeringConnection(
                    id=rid,
                    tags=item.tags(),
                    requester_vpc=requester,
                    accepter_vpc=accepter,
                    status=code,
                    status_message=status.text("Message", "") if status is not None else "",
                )
            )

    # ------------------------------------------------------------ route tables

    def _route_tables(self) -> None:
        assert self.net is not None
        for rid, item in self._unique("RouteTables", "RouteTableId"):
            vpc = self._vpc(item)
            if vpc is None:
                continue
            table = self._claim(RouteTable(id=rid, tags=item.tags(), vpc=vpc))
            for vgw in item.children("PropagatingVgws"):
                table.propagating_vgws.append(vgw.text("GatewayId"))
            for route in item.children("Routes"):
                self._check_nested(route, _ROUTE_KEYS, "route")
                loaded = self._route(table, route)
                if loaded is not None:
                    table.routes.append(loaded)
            for assoc in item.children("Associations"):
                self._association(table, assoc)
        for vpc in self.net.vpcs:
            if _unset(vpc, "main_route_table"):
                table = self.net._add(RouteTable(id=self.net._ids.new("rtb"), vpc=vpc))
                table.routes = [Route(target="local", destination=c, origin="CreateRouteTable") for c in vpc.cidrs]
                vpc.main_route_table = table
                vpc.main_route_table_association_id = self.net._ids.new("rtbassoc")
                self.report.add(
                    "<derived>",
                    f"$.Vpcs[{vpc.id}]",
                    "dangling-reference",
                    f"its main route table is not in the export: {table.id} with local routes only stands in",
                    vpc.id,
                )

    def _route(self, table: RouteTable, item: _Item) -> Route | None:
        for key in _UNSUPPORTED_TARGETS:
            if key in item.data:
                self.warn(item, "unsupported-value", f"a route to a {key[:-2]} is not modelled: not loaded", table.id)
                return None
        destination: IPNetwork | None = None
        prefix_list: str | None = None
        if "DestinationCidrBlock" in item.data:
            destination = item.network("DestinationCidrBlock", 4)
        elif "DestinationIpv6CidrBlock" in item.data:
            destination = item.network("DestinationIpv6CidrBlock", 6)
        elif "DestinationPrefixListId" in item.data:
            prefix_list = item.text("DestinationPrefixListId")
        else:
            raise item.error(
                None, "a route needs DestinationCidrBlock, DestinationIpv6CidrBlock or DestinationPrefixListId"
            )
        targets = [item.text(k) for k in _TARGET_KEYS if item.data.get(k) is not None]
        if "InstanceId" in item.data and "NetworkInterfaceId" in item.data:
            targets = [item.text("NetworkInterfaceId")]  # AWS lists both for a route to an instance's ENI
        if len(targets) != 1:
            raise item.error(None, f"a route needs exactly one target, got {targets or 'none'}")
        target = targets[0]
        if target != "local" and target.split("-", 1)[0] not in TARGET_KINDS:
            self.warn(item, "unsupported-value", f"a route to {target} is not modelled: not loaded", table.id)
            return None
        origin = item.text("Origin", "CreateRoute")
        state = item.text("State", "active")
        if origin == "EnableVgwRoutePropagation":
            assert destination is not None
            self.bgp_routes.setdefault(target, []).append(destination)
        key = str(destination) if destination is not None else str(prefix_list)
        self.exported_states[(table.id, key)] = (target, state)
        if origin not in ("CreateRouteTable", "CreateRoute", "EnableVgwRoutePropagation"):
            origin = "CreateRoute"
        return Route(
            target=target,
            destination=destination,
            destination_prefix_list_id=prefix_list,
            origin=origin,
            state=state if state in ("active", "blackhole") else "blackhole",
        )

    def _association(self, table: RouteTable, item: _Item) -> None:
        state = _state(item, "AssociationState")
        if state not in (None, "associated"):
            return
        assoc_id = item.text("RouteTableAssociationId", None) or f"rtbassoc-{table.id}"
        if item.flag("Main"):
            table.vpc.main_route_table = table
            table.vpc.main_route_table_association_id = assoc_id
            return
        association = RouteTableAssociation(id=assoc_id, route_table=table)
        if (subnet_id := item.text("SubnetId", None)) is not None:
            subnet = self._find(subnet_id, Subnet)
            if subnet is None:
                self.warn(item, "dangling-reference", f"{subnet_id} is not loaded: association skipped", table.id)
            else:
                subnet.route_table_association = association
        elif (gateway_id := item.text("GatewayId", None)) is not None:
            gateway = self._find(gateway_id, InternetGateway) or self._find(gateway_id, VpnGateway)
            if gateway is None:
                self.warn(item, "dangling-reference", f"{gateway_id} is not loaded: association skipped", table.id)
            else:
                gateway.edge_association = association
        else:
            self.warn(item, "unsupported-value", "an association with neither subnet nor gateway", table.id)

    # ------------------------------------------------------------ network ACLs

    def _network_acls(self) -> None:
        assert self.net is not None
        for rid, item in self._unique("NetworkAcls", "NetworkAclId"):
            vpc = self._vpc(item)
            if vpc is None:
                continue
            acl = self._claim(NetworkAcl(id=rid, tags=item.tags(), vpc=vpc, is_default=item.flag("IsDefault")))
            if acl.is_default:
                vpc.default_network_acl = acl
            for entry in item.children("Entries"):
                self._check_nested(entry, _ENTRY_KEYS, "NACL entry")
                loaded = self._entry(acl, entry)
                if loaded is not None:
                    acl.entries.append(loaded)
            acl.entries.sort(key=lambda e: (e.egress, e.rule_number))  # SPEC N1: rule-number order
            for assoc in item.children("Associations"):
                subnet_id = assoc.text("SubnetId")
                subnet = self._find(subnet_id, Subnet)
                if subnet is None:
                    self.warn(assoc, "dangling-reference", f"{subnet_id} is not loaded: association skipped", rid)
                    continue
                subnet.network_acl = acl
                subnet.network_acl_association_id = assoc.text("NetworkAclAssociationId", f"aclassoc-{subnet_id}")
        for vpc in self.net.vpcs:
            if _unset(vpc, "default_network_acl"):
                acl = self.net._add(NetworkAcl(id=self.net._ids.new("acl"), vpc=vpc, is_default=True))
                vpc.default_network_acl = acl
                self.report.add(
                    "<derived>",
                    f"$.Vpcs[{vpc.id}]",
                    "dangling-reference",
                    f"its default network ACL is not in the export: {acl.id} (deny all) stands in",
                    vpc.id,
                )
        for subnet in self.net.subnets:
            if _unset(subnet, "network_acl"):  # AWS always lists it; an export that does not gets the default
                subnet.network_acl = subnet.vpc.default_network_acl
                subnet.network_acl_association_id = self.net._ids.new("aclassoc")
                self.report.add(
                    "<derived>",
                    f"$.Subnets[{subnet.id}]",
                    "dangling-reference",
                    f"no network ACL association in the export: the default {subnet.network_acl.id} is used",
                    subnet.id,
                )

    def _entry(self, acl: NetworkAcl, item: _Item) -> NetworkAclEntry | None:
        number = item.number("RuleNumber")
        egress = item.flag("Egress")
        action = item.text("RuleAction").lower()
        if action not in ("allow", "deny"):
            raise item.error("RuleAction", f"{action!r} is not allow or deny")
        raw = item.get("Protocol", (str, int))
        try:
            protocol = parse_protocol(str(raw), "Protocol")
        except AwsError:
            raise item.error("Protocol", f"{raw!r} is not a protocol name or number") from None
        cidr = item.network("CidrBlock", 4) if "CidrBlock" in item.data else item.network("Ipv6CidrBlock", 6)
        if number in (DEFAULT_DENY_RULE_IPV4, DEFAULT_DENY_RULE_IPV6):
            if action != "deny" or protocol != -1 or cidr.prefixlen != 0:
                self.warn(item, "unsupported-value", f"rule {number} is AWS's '*' deny all; this one is not", acl.id)
            return None  # SPEC N1: the implicit deny that ends every list
        if not 1 <= number <= 32766:
            raise item.error("RuleNumber", f"{number} is not in 1..32766")
        port_range: tuple[int, int] | None = None
        icmp: tuple[int, int] | None = None
        if protocol in (6, 17):
            ports = item.child("PortRange", None)
            if ports is None:
                port_range = (0, 65535)
            else:
                port_range = _ports(ports, ("From", ports.number("From")), ("To", ports.number("To")), protocol)
        elif protocol in (1, 58):
            icmp_item = item.child("IcmpTypeCode", None)
            icmp = (icmp_item.number("Type", -1), icmp_item.number("Code", -1)) if icmp_item is not None else (-1, -1)
            if protocol == 58 and cidr.version == 4:
                icmp = (-1, -1)
        return NetworkAclEntry(number, egress, protocol, action, cidr, port_range, icmp)

    # ------------------------------------------------------------ endpoints and load balancing

    def _vpc_endpoints(self) -> None:
        assert self.net is not None
        for rid, item in self._unique("VpcEndpoints", "VpcEndpointId"):
            if self._inactive(item, rid):
                continue
            kind = item.text("VpcEndpointType", "Gateway")
            if kind != "Gateway":
                self.warn(
                    item,
                    "partial",
                    f"a {kind} endpoint is modelled by its network interfaces only (traffic to them is delivered "
                    "there; the service behind is not modelled)",
                    rid,
                )
                continue
            vpc = self._vpc(item)
            if vpc is None:
                continue
            service = item.text("ServiceName")
            prefix_list = next((p for p in self.net.managed_prefix_lists if p.prefix_list_name == service), None)
            if prefix_list is None:
                prefix_list = self.net._service_prefix_list(service) if _gateway_service(service) else None
            if prefix_list is None:
                self.warn(item, "dangling-reference", f"the prefix list of {service} is not in the export", rid)
                continue
            self._claim(
                VpcEndpoint(
                    id=rid,
                    tags=item.tags(),
                    vpc=vpc,
                    service_name=service,
                    prefix_list_id=prefix_list.id,
                    route_table_ids=item.strings("RouteTableIds"),
                    state=item.text("State", "available"),
                )
            )

    # ------------------------------------------------------------ load balancing (L1-L3)

    def _attributes(self, kind: str, id_key: str, listing: str) -> dict[str, dict[str, tuple[str, _Item]]]:
        """The wrappers of describe-*-attributes: ARN -> attribute key -> (value as AWS writes it, its item)."""
        listed = {i.data.get(id_key) for i in self.items[listing]}
        found: dict[str, dict[str, tuple[str, _Item]]] = {}
        for item in self.items[kind]:
            arn = item.text(id_key)
            values = found.setdefault(arn, {})
            for attribute in item.children("Attributes"):
                raw = attribute.get("Value", (str, bool, int), "")
                values[attribute.text("Key")] = (str(raw).lower() if isinstance(raw, bool) else str(raw), attribute)
            if arn not in listed:
                self.warn(item, "dangling-reference", f"attributes of {arn}, which is not in the export", arn)
        return found

    def _node_enis(self) -> dict[tuple[str, str], NetworkInterface]:
        """ENIs described ``ELB net/<name>/<id>`` or ``ELB app/<name>/<id>`` by (``<name>/<id>``, subnet id)."""
        assert self.net is not None
        found: dict[tuple[str, str], NetworkInterface] = {}
        for eni in self.net.network_interfaces:
            match = _NODE_DESCRIPTION.fullmatch(eni.description)
            if match is not None:
                found.setdefault((match.group(2), eni.subnet.id), eni)
        return found

    def _load_balancers(self) -> None:
        assert self.net is not None
        nodes = self._node_enis()
        used: set[str] = set()
        built: list[tuple[LoadBalancer, _Item]] = []
        for rid, item in self._unique("LoadBalancers", "LoadBalancerArn"):
            lb = self._load_balancer(rid, item)
            if lb is None:
                self.skipped_elb.add(rid)
            else:
                built.append((lb, item))
        found: dict[tuple[str, str], NetworkInterface | None] = {}
        for lb, item in built:
            for subnet in lb.subnets:
                node = nodes.get((_node_ref(lb), subnet.id))
                if node is not None:
                    self._check_node(lb, node, item)
                    found[lb.id, subnet.id] = node
                    used.add(node.id)
        # Nodes the export does not list are made in ARN order: the same addresses whatever order the input has.
        for lb, item in sorted(built, key=lambda pair: pair[0].id):
            zones = {z.text("SubnetId"): z for z in item.children("AvailabilityZones")}
            for subnet in lb.subnets:
                if (lb.id, subnet.id) not in found:
                    found[lb.id, subnet.id] = self._make_node(lb, subnet, zones[subnet.id])
        for lb, _ in built:
            lb.nodes = [n for n in (found[lb.id, s.id] for s in lb.subnets) if n is not None]
        for (ref, _), eni in nodes.items():
            if eni.id in used:
                continue
            owner = next((lb for lb in self.net.load_balancers if ref == _node_ref(lb)), None)
            why = (
                f"its load balancer {owner.lb_name} does not list {eni.subnet.id}"
                if owner is not None
                else "its load balancer is not in the export (or not loaded)"
            )
            listed = self.eni_items.get(eni.id)
            if listed is not None:
                self.warn(listed, "dangling-reference", f"{eni.description!r}: {why}; loaded as a plain ENI", eni.id)
        attributes = self._attributes("LoadBalancerAttributes", "LoadBalancerArn", "LoadBalancers")
        for lb in self.net.load_balancers:
            value = attributes.get(lb.id, {}).get("load_balancing.cross_zone.enabled")
            if value is None:
                continue
            cross = _attribute_flag(value)
            if not cross and not lb.is_network:
                self.warn(
                    value[1],
                    "unsupported-value",
                    "an Application Load Balancer's cross-zone load balancing is always on: false is ignored "
                    "(turn it off per target group)",
                    lb.id,
                )
                continue
            lb.cross_zone = cross

    def _load_balancer(self, rid: str, item: _Item) -> LoadBalancer | None:
        assert self.net is not None
        kind = item.text("Type", "application")
        if kind not in ("application", "network"):
            self.warn(
                item,
                "unsupported-value",
                f"a {kind} load balancer is not modelled: not loaded (its network interfaces load as plain ENIs)",
                rid,
                "Type",
            )
            return None
        state = _state(item, "State") or "active"
        if state == "failed":
            self.warn(item, "inactive", f"{rid} is failed: it carries no traffic and was not loaded", rid, "State")
            return None
        scheme = item.text("Scheme", "internet-facing")
        if scheme not in ("internet-facing", "internal"):
            raise item.error("Scheme", f"{scheme!r} is not internet-facing or internal")
        if item.text("IpAddressType", "ipv4") != "ipv4":
            self.warn(
                item, "partial", "IPv6 is not modelled on load balancers: its IPv4 side is", rid, "IpAddressType"
            )
        subnets: list[Subnet] = []
        for zone in item.children("AvailabilityZones"):
            subnet_id = zone.text("SubnetId")
            subnet = self._find(subnet_id, Subnet)
            if subnet is None:
                self.warn(zone, "dangling-reference", f"{subnet_id} is not loaded: no node there", rid, "SubnetId")
            elif subnet in subnets or any(s.availability_zone == subnet.availability_zone for s in subnets):
                raise zone.error("SubnetId", f"{subnet_id}: a load balancer has one subnet per availability zone")
            else:
                subnets.append(subnet)
        vpc = self._vpc(item) if "VpcId" in item.data else (subnets[0].vpc if subnets else None)
        if vpc is None:
            if "VpcId" not in item.data:
                self.warn(item, "dangling-reference", "none of its subnets is loaded: not loaded", rid)
            return None
        if not subnets:
            self.warn(
                item, "dangling-reference", "none of its subnets is loaded: not loaded", rid, "AvailabilityZones"
            )
            return None
        for subnet in subnets:
            if subnet.vpc is not vpc:
                raise item.error("AvailabilityZones", f"{subnet.id} is not in {vpc.id}")
        groups: list[SecurityGroup] | None = None
        if item.strings("SecurityGroups") or kind == "application":
            groups = []
            for i, group_id in enumerate(item.strings("SecurityGroups")):
                sg = self._find(group_id, SecurityGroup)
                if sg is None:
                    self.warn(
                        item, "dangling-reference", f"{group_id} is not loaded: left out", rid, f"SecurityGroups[{i}]"
                    )
                elif sg not in groups:
                    groups.append(sg)
            if not groups and kind == "application":  # L3: an ALB always has one; AWS gives it the default
                groups = [vpc.default_security_group]
        name = item.text("LoadBalancerName", None) or _arn_name(rid)
        lb = self._claim(
            LoadBalancer(
                id=rid,
                tags=item.tags(),
                lb_name=name,
                type=kind,
                scheme=scheme,
                vpc=vpc,
                subnets=subnets,
                security_groups=groups,
                cross_zone=kind == "application",
                dns_name=item.text("DNSName", ""),
                state=state,
            )
        )
        return lb

    def _check_node(self, lb: LoadBalancer, node: NetworkInterface, item: _Item) -> None:
        """A node carries its load balancer's security groups (L1); an export that says otherwise is reported."""
        wanted = list(lb.security_groups or [])
        if [g.id for g in node.security_groups] != [g.id for g in wanted]:
            listed = ", ".join(g.id for g in node.security_groups) or "none"
            self.warn(
                item,
                "derived",
                f"node {node.id} lists security groups {listed}; the load balancer's "
                f"({', '.join(g.id for g in wanted) or 'none'}) are used",
                lb.id,
                "SecurityGroups",
            )
            node.security_groups = wanted

    def _make_node(self, lb: LoadBalancer, subnet: Subnet, zone: _Item) -> NetworkInterface | None:
        """The node AWS makes in ``subnet`` when the export lists no ENI for it: ``LoadBalancerAddresses`` (or the
        Elastic IP's describe-addresses item) gives its addresses, else the first free one, as AWS picks."""
        assert self.net is not None
        private: IPAddress | None = None
        public: IPAddress | None = None
        allocation: str | None = None
        for address in zone.children("LoadBalancerAddresses"):
            if "PrivateIPv4Address" in address.data:
                private = address.address("PrivateIPv4Address", 4)
            if "IpAddress" in address.data:
                public = address.address("IpAddress", 4)
            allocation = address.text("AllocationId", None) or allocation
        eni_id: str | None = None
        if allocation is not None:
            listed = next((a for a in self.items["Addresses"] if a.data.get("AllocationId") == allocation), None)
            if listed is not None:
                eni_id = listed.text("NetworkInterfaceId", None)
                if private is None and "PrivateIpAddress" in listed.data:
                    private = listed.address("PrivateIpAddress", 4)
        eni_id = eni_id or _synthetic_id("eni", lb.id, subnet.id)
        if private is None:
            private = next(subnet.free_addresses(4), None)
            if private is None:
                self.warn(zone, "partial", f"{subnet.id} has no free address for the node: none was made", lb.id)
                return None
        elif not subnet.contains(private) or private in subnet.used_addresses:
            holder = subnet.used_addresses.get(private)
            why = f"held by {holder}" if holder else f"outside {subnet.id} ({subnet.cidr_block})"
            raise zone.error("LoadBalancerAddresses", f"the node address {private} is {why}")
        assert isinstance(private, ipaddress.IPv4Address)
        kind = "net" if lb.is_network else "app"
        node = self._claim(
            NetworkInterface(
                id=eni_id,
                subnet=subnet,
                mac_address=_stable_mac(lb.id, subnet.id),
                private_ip_addresses=[private],
                security_groups=list(lb.security_groups or []),
                description=f"ELB {kind}/{_node_ref(lb)}",
                interface_type="network_load_balancer" if lb.is_network else "interface",
                requester_managed=True,
            )
        )
        subnet.take(private, node.id)
        shown = ""
        if lb.scheme == "internet-facing":
            if allocation is not None:
                self.node_allocations.append((node, allocation, public, zone))
                shown = f", Elastic IP {allocation}"
            else:
                if public is not None:
                    assert isinstance(public, ipaddress.IPv4Address)
                    self.net._ids.claim(str(public))
                    node.auto_public_ip = public
                else:
                    node.auto_public_ip = self._stable_public_ip(lb.id, subnet.id)
                shown = f", public {node.auto_public_ip}"
        if self.report_made_nodes:
            self.warn(
                zone,
                "dangling-reference",
                f"its node in {subnet.id} is not in the export (NetworkInterfaces): {node.id} ({private}{shown}) "
                "stands in, as AWS makes it",
                lb.id,
            )
        return node

    def _stable_public_ip(self, *parts: str) -> ipaddress.IPv4Address:
        """An AWS-owned public IPv4 for a made node: from its names, so any input order gives the same address."""
        assert self.net is not None
        for attempt in range(1 << 16):
            digest = hashlib.blake2b("|".join((*parts, str(attempt))).encode(), digest_size=4).digest()
            offset = int.from_bytes(digest, "big") % _PUBLIC_IPV4_POOL.num_addresses
            candidate = _PUBLIC_IPV4_POOL.network_address + offset
            if candidate.packed[-1] not in (0, 255) and self.net._ids.claim(str(candidate)):
                return candidate
        raise AssertionError("no public address left")  # pragma: no cover: 2**20 addresses

    def _node_addresses(self) -> None:
        """Bind the Elastic IPs of made nodes (after describe-addresses was read)."""
        assert self.net is not None
        for node, allocation, public, zone in self.node_allocations:
            eip = self._find(allocation, ElasticIp)
            if eip is None:
                if public is None:
                    self.warn(
                        zone,
                        "dangling-reference",
                        f"Elastic IP {allocation} is not in the export: node {node.id} has an AWS-owned address",
                        allocation,
                    )
                    node.auto_public_ip = self._stable_public_ip(node.id)
                    continue
                assert isinstance(public, ipaddress.IPv4Address)
                self.net._ids.claim(str(public))
                eip = self._claim(ElasticIp(id=allocation, public_ip=public))
            if eip.network_interface is node:
                continue
            if eip.network_interface is not None:
                self.warn(
                    zone,
                    "derived",
                    f"Elastic IP {allocation} is associated with {eip.network_interface.id} in the export, not with "
                    f"the node {node.id}: the node has an AWS-owned address",
                    allocation,
                )
                node.auto_public_ip = self._stable_public_ip(node.id)
                continue
            eip.network_interface, eip.private_ip = node, node.private_ip
            eip.association_id = _synthetic_id("eipassoc", allocation, node.id)
            node.elastic_ips[node.private_ip] = eip

    def _target_groups(self) -> None:
        attributes = self._attributes("TargetGroupAttributes", "TargetGroupArn", "TargetGroups")
        for rid, item in self._unique("TargetGroups", "TargetGroupArn"):
            target_type = item.text("TargetType", "instance")
            if target_type not in ("instance", "ip"):
                self.warn(
                    item,
                    "unsupported-value",
                    f"{target_type} targets are not modelled: the target group (and listeners forwarding to it) "
                    "not loaded",
                    rid,
                    "TargetType",
                )
                self.skipped_elb.add(rid)
                continue
            protocol = item.text("Protocol")
            if protocol not in (*NLB_PROTOCOLS, *ALB_PROTOCOLS):
                self.warn(
                    item,
                    "unsupported-value",
                    f"protocol {protocol} is not modelled: the target group (and listeners forwarding to it) not "
                    "loaded",
                    rid,
                    "Protocol",
                )
                self.skipped_elb.add(rid)
                continue
            port = _elb_port(item, "Port")
            vpc = self._vpc(item)
            if vpc is None:
                self.skipped_elb.add(rid)
                continue
            check = _health_check(item, protocol)
            settings = attributes.get(rid, {})
            preserve: bool | None = None
            if "preserve_client_ip.enabled" in settings:
                value = settings["preserve_client_ip.enabled"]
                if protocol in ALB_PROTOCOLS:
                    self.warn(value[1], "unsupported-value", "an ALB target group never preserves client IPs", rid)
                else:
                    preserve = _attribute_flag(value)
            cross: bool | None = None
            if "load_balancing.cross_zone.enabled" in settings:
                value = settings["load_balancing.cross_zone.enabled"]
                cross = None if value[0] == "use_load_balancer_configuration" else _attribute_flag(value)
            self._claim(
                TargetGroup(
                    id=rid,
                    tags=item.tags(),
                    tg_name=item.text("TargetGroupName", None) or _arn_name(rid),
                    protocol=protocol,
                    port=port,
                    vpc=vpc,
                    target_type=target_type,
                    health_check=check,
                    preserve_client_ip=preserve,
                    cross_zone=cross,
                )
            )

    def _listeners(self) -> None:
        assert self.net is not None
        for rid, item in self._unique("Listeners", "ListenerArn"):
            lb_arn = item.text("LoadBalancerArn")
            lb = self._find(lb_arn, LoadBalancer)
            if lb is None:
                if lb_arn not in self.skipped_elb:
                    self.warn(
                        item, "dangling-reference", f"its load balancer {lb_arn} is not loaded: not loaded", rid
                    )
                continue
            protocol = item.text("Protocol")
            allowed = NLB_PROTOCOLS if lb.is_network else ALB_PROTOCOLS
            if protocol not in allowed:
                self.warn(
                    item,
                    "unsupported-value",
                    f"a {protocol} listener on {'a network' if lb.is_network else 'an application'} load balancer "
                    "is not modelled: not loaded",
                    rid,
                    "Protocol",
                )
                continue
            port = _elb_port(item, "Port")
            target = self._forward_target(rid, item)
            if target is None:
                continue
            tg = self._find(target, TargetGroup)
            if tg is None:
                if target not in self.skipped_elb:
                    self.warn(
                        item, "dangling-reference", f"it forwards to {target}, which is not loaded: not loaded", rid
                    )
                continue
            self._claim(
                Listener(id=rid, tags=item.tags(), load_balancer=lb, protocol=protocol, port=port, target_group=tg)
            )

    def _forward_target(self, rid: str, item: _Item) -> str | None:
        """The target group of the default actions' forward (its first group for a weighted forward)."""
        actions = sorted(
            enumerate(item.children("DefaultActions")),
            key=lambda pair: (pair[1].number("Order", 50001), pair[0]),
        )
        forward = next((action for _, action in actions if action.text("Type") == "forward"), None)
        if forward is None:
            kinds = ", ".join(action.text("Type") for _, action in actions) or "none"
            self.warn(
                item,
                "unsupported-value",
                f"default action {kinds} is not modelled (only forward is): the listener was not loaded",
                rid,
                "DefaultActions",
            )
            return None
        before = [a.text("Type") for _, a in actions if a.text("Type").startswith("authenticate")]
        if before:
            self.warn(
                forward,
                "partial",
                f"{', '.join(before)} before the forward is not modelled: traffic is forwarded as if authenticated",
                rid,
            )
        config = forward.child("ForwardConfig", None)
        groups = config.children("TargetGroups") if config is not None else []
        if len(groups) > 1:
            self.warn(
                config or forward,
                "partial",
                f"a weighted forward to {len(groups)} target groups: only the first "
                f"({groups[0].text('TargetGroupArn')}) is modelled",
                rid,
            )
        target = forward.text("TargetGroupArn", None)
        if target is None:
            if not groups:
                raise forward.error("TargetGroupArn", "missing: a forward action names a target group")
            target = groups[0].text("TargetGroupArn")
        return str(target)

    def _targets(self) -> None:
        assert self.net is not None
        groups = self.net.target_groups
        listed: set[str] = set()
        for item in self.items["TargetHealthDescriptions"]:
            if "TargetGroupArn" not in item.data and "TargetHealthDescriptions" not in item.data:
                if len(self.items["TargetGroups"]) == 1 and len(groups) == 1:  # one group: these are its targets
                    self._target(groups[0], item)
                    listed.add(groups[0].id)
                else:
                    self.warn(
                        item,
                        "unsupported-value",
                        "a describe-target-health item names no target group: wrap each group's items as "
                        '{"TargetGroupArn": ..., "TargetHealthDescriptions": [...]}; not loaded',
                    )
                continue
            arn = item.text("TargetGroupArn")
            tg = self._find(arn, TargetGroup)
            if tg is None:
                if arn not in self.skipped_elb:
                    self.warn(item, "dangling-reference", f"targets of {arn}, which is not loaded", arn)
                continue
            listed.add(arn)
            for row in item.children("TargetHealthDescriptions"):
                self._target(tg, row)
        for tg in groups:
            if tg.id not in listed:
                where = next(i for i in self.items["TargetGroups"] if i.data.get("TargetGroupArn") == tg.id)
                self.warn(
                    where,
                    "partial",
                    "its targets are not in the export (TargetHealthDescriptions): it has none",
                    tg.id,
                )

    def _target(self, tg: TargetGroup, row: _Item) -> None:
        assert self.net is not None
        described = row.child("Target")
        assert described is not None
        port = _elb_port(described, "Port", None)
        zone = described.text("AvailabilityZone", None)
        if tg.target_type == "instance":
            target_id = described.text("Id")
            if not target_id.startswith("i-"):
                raise described.error(
                    "Id", f"{target_id!r} is not an instance id (the group's targets are instances)"
                )
            instance = self._find(target_id, Instance)
            if instance is None:
                self.warn(
                    described,
                    "dangling-reference",
                    f"{target_id} is not loaded (terminated or not in the export): not registered",
                    tg.id,
                    "Id",
                )
                return
            target = Target(target_id, port)
        else:
            address = described.address("Id", 4)
            if zone is None:
                subnet = next((s for s in self.net.subnets if s.vpc is tg.vpc and s.contains(address)), None)
                zone = subnet.availability_zone if subnet is not None else "all"
            target = Target(str(address), port, zone)
        if target not in tg.targets:
            tg.targets.append(target)
        health = row.child("TargetHealth", None)
        if health is not None and health.text("State", None) is not None:
            self.reported_health.append((tg, target, health.text("State"), health))

    def _rules(self) -> None:
        for item in self.items["Rules"]:
            listener = item.text("ListenerArn", None)
            for rule in item.children("Rules") if "Rules" in item.data else [item]:
                if rule.flag("IsDefault"):
                    continue  # the listener's default action
                priority = rule.get("Priority", (str, int), "?")
                self.warn(
                    rule,
                    "partial",
                    f"listener rule {priority} is not modelled: its traffic follows the listener's default action",
                    rule.text("RuleArn", None) or listener,
                )

    def _compare_health(self) -> None:
        """Health is computed (L2), never taken from the export; where the export says otherwise, report it."""
        assert self.net is not None
        computed: dict[str, dict[Target, tuple[str, str | None]]] = {}
        for tg, target, state, item in self.reported_health:
            if state not in ("healthy", "unhealthy", "unused", "unavailable"):
                continue  # initial, draining: a moment, not a state
            if tg.id not in computed:
                computed[tg.id] = {h.target: (h.state, h.reason) for h in self.net.describe_target_health(tg)}
            mine = computed[tg.id].get(target)
            if mine is not None and mine[0] != state:
                self.warn(
                    item,
                    "derived",
                    f"{target.id} is {state} in the export; vpcsim computes {mine[0]}"
                    f"{f' ({mine[1]})' if mine[1] else ''} from the network, and routes by that",
                    tg.id,
                    "State",
                )

    # ------------------------------------------------------------ derived state

    def _derive(self) -> None:
        """Recompute route states and propagated routes as the model does; report where AWS said otherwise."""
        assert self.net is not None
        for vgw_id, cidrs in self.bgp_routes.items():
            vpns = [v for v in self.net.vpn_connections if v.vpn_gateway_id == vgw_id and v.state == "available"]
            if vpns:
                vpns[0].routes.extend(c for c in cidrs if all(c not in v.routes for v in vpns))
        self.net._refresh_routes()
        for table in self.net.route_tables:
            derived = {r.destination_key: (r.target, r.state) for r in table.routes}
            for (table_id, key), exported in self.exported_states.items():
                if table_id != table.id:
                    continue
                now = derived.get(key)
                if now is None:
                    self.report.add(
                        "<derived>",
                        f"$.RouteTables[{table.id}].Routes[{key}]",
                        "derived",
                        f"route {key} -> {exported[0]} ({exported[1]}) was exported; vpcsim derives no such route",
                        table.id,
                    )
                elif now != exported:
                    self.report.add(
                        "<derived>",
                        f"$.RouteTables[{table.id}].Routes[{key}]",
                        "derived",
                        f"route {key} -> {exported[0]} is {exported[1]} in the export, {now[1]} in vpcsim "
                        "(its target is missing from the export or not usable)",
                        table.id,
                    )


def _state(item: _Item, key: str) -> str | None:
    """A state that AWS gives as a string or as ``{"State": ...}`` / ``{"Name": ...}`` / ``{"Code": ...}``."""
    value = item.data.get(key)
    if isinstance(value, Mapping):
        value = value.get("State", value.get("Name", value.get("Code")))
    return value if isinstance(value, str) else None


def _ports(item: _Item, low: tuple[str, int], high: tuple[str, int], protocol: int) -> tuple[int, int]:
    """A port range (TCP/UDP 0..65535, low <= high) or an ICMP type/code (-1..255), naming the bad field."""
    bounds = (0, 65535) if protocol in (6, 17) else (-1, 255)
    for key, value in (low, high):
        if not bounds[0] <= value <= bounds[1]:
            what = "port" if protocol in (6, 17) else "ICMP type or code"
            raise item.error(key, f"{value} is not a {what} ({bounds[0]}..{bounds[1]})")
    if protocol in (6, 17) and low[1] > high[1]:
        raise item.error(high[0], f"the range {low[1]}-{high[1]} ends before it starts")
    return low[1], high[1]


def _unset(resource: Resource, field: str) -> bool:
    """A default the export should have named (an ``init=False`` field of the model) and did not."""
    return getattr(resource, field, None) is None


def _synthetic_id(prefix: str, *parts: str) -> str:
    """A stable AWS-looking id for what AWS has and the export does not list (a load balancer node)."""
    return f"{prefix}-0{hashlib.blake2b('|'.join(parts).encode(), digest_size=8).hexdigest()}"


def _stable_mac(*parts: str) -> str:
    """A locally administered MAC (``0e:...``, as vpcsim draws them) from names: stable whatever the input order."""
    digest = hashlib.blake2b("|".join(parts).encode(), digest_size=5).digest()
    return ":".join(f"{o:02x}" for o in (0x0E, *digest))


def _node_ref(lb: LoadBalancer) -> str:
    """``<name>/<id>`` of a load balancer, as its nodes' descriptions (``ELB net/<name>/<id>``) carry it."""
    return f"{lb.lb_name}/{lb.id.rsplit('/', 1)[-1]}"


def _arn_name(arn: str) -> str:
    """The name in an ELB ARN: ``...:loadbalancer/net/<name>/<id>``, ``...:targetgroup/<name>/<id>``."""
    parts = arn.split("/")
    return parts[-2] if len(parts) >= 3 else arn


def _attribute_flag(value: tuple[str, _Item]) -> bool:
    text, item = value
    if text not in ("true", "false"):
        raise item.error("Value", f"expected true or false, got {text!r:.80}")
    return text == "true"


def _elb_port(item: _Item, key: str, default: Any = _MISSING) -> Any:
    port = item.number(key, default)
    if port is not None and port is not default and not 1 <= port <= 65535:
        raise item.error(key, f"{port} is not a port (1..65535)")
    return port


def _health_check(item: _Item, protocol: str) -> HealthCheck:
    """A target group's health check (``HealthCheckPort`` ``traffic-port``: the port traffic goes to)."""
    check_protocol = item.text("HealthCheckProtocol", "HTTP" if protocol in ALB_PROTOCOLS else "TCP")
    if check_protocol not in ("TCP", "HTTP", "HTTPS"):
        raise item.error("HealthCheckProtocol", f"{check_protocol!r} is not TCP, HTTP or HTTPS")
    raw = item.get("HealthCheckPort", (str, int), "traffic-port")
    port: int | None = None
    if raw != "traffic-port":
        if isinstance(raw, str) and not re.fullmatch(r"\d{1,5}", raw):
            raise item.error("HealthCheckPort", f"{raw!r} is not a port or traffic-port")
        port = int(raw)
        if not 1 <= port <= 65535:
            raise item.error("HealthCheckPort", f"{port} is not a port (1..65535)")
    path = item.text("HealthCheckPath", None) if check_protocol != "TCP" else None
    return HealthCheck(protocol=check_protocol, port=port, path=path, enabled=item.flag("HealthCheckEnabled", True))


def _gateway_service(service: str) -> bool:
    return service.rsplit(".", 1)[-1] in ("s3", "dynamodb")


def _profile_role(item: _Item) -> str | None:
    """The instance profile's name, from its ARN, stands for the role IMDS serves (the export holds no role name;
    AWS consoles name the two alike)."""
    profile = item.child("IamInstanceProfile", None)
    if profile is None:
        return None
    arn = profile.text("Arn", "")
    name = arn.rsplit("/", 1)[-1] if isinstance(arn, str) else ""
    return name or None
