"""Load Terraform state into a Network: ``terraform show -json`` output or a raw ``.tfstate`` (version 4).

Each managed resource of the VPC family becomes the describe-* item AWS lists for it, and the items go through the
describe-* builder (:func:`vpcsim.io.aws.load_documents`), so a network loads the same from its Terraform state and
from an AWS export. A state does not list what AWS makes implicitly; it is added as AWS lists it: each route table's
local routes, each VPC's main route table, default network ACL (and the associations of subnets left to it) and
default security group (unless ``aws_default_*`` resources manage them), the routes of gateway endpoints, the primary
ENIs of instances, the ENIs of NAT gateways and the nodes of load balancers (one ENI per subnet, the first free
address, an AWS-owned public IP or the ``subnet_mapping`` Elastic IP when internet-facing).

Loading parses JSON only: no code runs and no CIDR is expanded into addresses. Warnings (``net.load_report``) and
errors (:class:`vpcsim.ImportFormatError`) name the state file and the JSON path of the Terraform resource.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from vpcsim.errors import ImportFormatError
from vpcsim.io.aws import Document, load_documents
from vpcsim.io.report import LoadReport, LoadWarning
from vpcsim.network import Network

__all__ = ["load_terraform"]

_REGION = re.compile(r"^([a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)")
_PROVIDER = re.compile(r'provider\["([^"]+)"\]|provider\.([a-z0-9_-]+)')
_PARENT = re.compile(r"^(.+?)(\.[^.\[\]]+|\[\d+\])$")
_DERIVED = re.compile(r"^\$\.(\w+)\[([^\]]+)\](?:\.Routes\[([^\]]+)\])?$")
_INSTANCE_STATES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
_PROTOCOLS = {"tcp": 6, "udp": 17, "icmp": 1, "icmpv6": 58, "all": -1, "-1": -1}
_PORTED = {"tcp", "udp", "icmp", "icmpv6"}
# Route targets: Terraform attribute -> describe-route-tables key (a gateway endpoint shows as GatewayId in AWS).
_ROUTE_TARGETS = {
    "gateway_id": "GatewayId",
    "nat_gateway_id": "NatGatewayId",
    "network_interface_id": "NetworkInterfaceId",
    "instance_id": "InstanceId",
    "transit_gateway_id": "TransitGatewayId",
    "vpc_peering_connection_id": "VpcPeeringConnectionId",
    "egress_only_gateway_id": "EgressOnlyInternetGatewayId",
    "vpc_endpoint_id": "GatewayId",
    "carrier_gateway_id": "CarrierGatewayId",
    "local_gateway_id": "LocalGatewayId",
    "core_network_arn": "CoreNetworkArn",
}
_ASSOCIATED = {"State": "associated"}
_ALIASES = {
    "aws_alb": "aws_lb",
    "aws_alb_target_group": "aws_lb_target_group",
    "aws_alb_listener": "aws_lb_listener",
    "aws_alb_target_group_attachment": "aws_lb_target_group_attachment",
}
# Resource types, in the order they are converted: what a resource refers to is converted before it.
_TYPES = (
    "aws_vpc",
    "aws_vpc_ipv4_cidr_block_association",
    "aws_vpc_ipv6_cidr_block_association",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_internet_gateway_attachment",
    "aws_egress_only_internet_gateway",
    "aws_vpn_gateway",
    "aws_vpn_gateway_attachment",
    "aws_customer_gateway",
    "aws_ec2_transit_gateway",
    "aws_ec2_transit_gateway_route_table",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_vpn_connection",
    "aws_vpn_connection_route",
    "aws_ec2_transit_gateway_route",
    "aws_ec2_transit_gateway_route_table_association",
    "aws_ec2_transit_gateway_route_table_propagation",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_ec2_managed_prefix_list",
    "aws_ec2_managed_prefix_list_entry",
    "aws_security_group",
    "aws_default_security_group",
    "aws_security_group_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_network_interface",
    "aws_instance",
    "aws_network_interface_attachment",
    "aws_network_interface_sg_attachment",
    "aws_eip",
    "aws_eip_association",
    "aws_nat_gateway",
    "aws_route_table",
    "aws_default_route_table",
    "aws_main_route_table_association",
    "aws_route",
    "aws_route_table_association",
    "aws_vpn_gateway_route_propagation",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_route_table_association",
    "aws_network_acl",
    "aws_default_network_acl",
    "aws_network_acl_rule",
    "aws_network_acl_association",
    "aws_lb",
    "aws_lb_target_group",
    "aws_lb_listener",
    "aws_lb_target_group_attachment",
)
# Data sources that read resources of the VPC family: reported, since what they describe is not in the state.
_DATA_FAMILY = {
    *_TYPES,
    *_ALIASES,
    "aws_prefix_list",
    "aws_vpcs",
    "aws_subnets",
    "aws_security_groups",
    "aws_route_tables",
    "aws_network_acls",
    "aws_network_interfaces",
    "aws_instances",
    "aws_nat_gateways",
    "aws_internet_gateway",
    "aws_ec2_transit_gateway_attachment",
    "aws_ec2_managed_prefix_lists",
    "aws_vpc_endpoint_service",
}


def load_terraform(path: str | os.PathLike[str]) -> Network:
    """Load a Terraform state of AWS resources into a :class:`~vpcsim.Network`, keeping AWS's ids and addresses.

    Parameters
    ----------
    path : str or path-like
        A ``terraform show -json`` output (``values``, or ``planned_values`` of a plan whose ids are known) or a
        raw state file (``terraform.tfstate``, version 4: Terraform 0.12 and later). Resources of child modules
        are loaded at any depth; data sources and resources of other providers are not.

    Returns
    -------
    Network
        With ``net.load_report``: AWS resource types vpcsim does not convert (``unsupported-resource``), data
        sources that read VPC resources, and what the describe-* builder reports, each with the state file and
        the JSON path of the Terraform resource it came from.

    Raises
    ------
    ImportFormatError
        A file that cannot be read or is not JSON, a top level that is neither form, a state version other than
        4, a resource without attributes, a bad CIDR block or address: the message names the file and JSON path.

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> state = {"version": 4, "resources": [
    ...     {"mode": "managed", "type": "aws_vpc", "name": "main",
    ...      "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
    ...      "instances": [{"attributes": {"id": "vpc-1", "cidr_block": "10.0.0.0/16"}}]},
    ...     {"mode": "managed", "type": "aws_subnet", "name": "a",
    ...      "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
    ...      "instances": [{"attributes": {"id": "subnet-1", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24",
    ...                                    "availability_zone": "eu-west-1a"}}]}]}
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "terraform.tfstate"
    >>> _ = file.write_text(json.dumps(state))
    >>> net = load_terraform(file)
    >>> subnet = net.get("subnet-1")
    >>> subnet.vpc.region, [str(r) for r in subnet.route_table.routes]
    ('eu-west-1', ['10.0.0.0/16 -> local (active)'])
    >>> [str(e) for e in subnet.network_acl.entries]
    ['ingress #100 allow -1 0.0.0.0/0', 'egress #100 allow -1 0.0.0.0/0']
    >>> len(net.load_report)
    0
    """
    file = str(path)
    try:
        with open(path, "rb") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as err:
        raise ImportFormatError(file, "$", f"not JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except UnicodeDecodeError as err:
        raise ImportFormatError(file, "$", f"not JSON text: {err.reason}") from None
    except OSError as err:  # as vpcsim.load_aws does for a path that is not there
        raise ImportFormatError(file, "$", f"cannot read: {err.strerror}") from None
    report = LoadReport()
    converter = _Converter(file, report)
    resources, regions = _read_state(data, file)
    documents = converter.convert(resources, regions)
    built = LoadReport()
    try:
        net = load_documents(documents, report=built, report_made_nodes=False)  # a state holds no ELB nodes
    except ImportFormatError as err:
        raise ImportFormatError(*_located(converter.locate(err.file, err.path), err.message)) from None
    for warning in built:
        where, path, message = _located(converter.locate(warning.file, warning.path), warning.message)
        report.warnings.append(LoadWarning(where, path, warning.kind, message, warning.resource))
    report.sources = [file]
    net.load_report = report
    return net


def _located(located: tuple[str, str, str], message: str) -> tuple[str, str, str]:
    where, path, detail = located
    return where, path, f"{message}{detail}"


# ---------------------------------------------------------------------------------------------------- reading


@attrs.frozen
class _Resource:
    """One resource instance of the state: its address, type, attributes and JSON path."""

    address: str
    type: str
    mode: str
    provider: str | None
    values: _Values | None
    path: str
    values_path: str


def _read_state(data: object, file: str) -> tuple[list[_Resource], set[str]]:
    """The resource instances of either form, and the regions of its ``aws`` provider configurations."""
    if not isinstance(data, dict):
        raise ImportFormatError(
            file, "$", f"expected a Terraform state or `terraform show -json` object, got {type(data).__name__}"
        )
    if "format_version" in data:
        return list(_show_resources(data, file)), _provider_regions(data)
    if "version" in data:
        version = data["version"]
        if version != 4 or isinstance(version, bool):
            raise ImportFormatError(
                file,
                "$.version",
                f"state version {version!r} is not supported: vpcsim reads version 4 (Terraform 0.12+)",
            )
        return list(_state_resources(data, file)), set()
    raise ImportFormatError(
        file, "$", "neither a Terraform state (no 'version') nor `terraform show -json` output (no 'format_version')"
    )


def _list(value: object, file: str, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ImportFormatError(file, path, f"expected a list, got {type(value).__name__}")
    return value


def _object(value: object, file: str, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ImportFormatError(file, path, f"expected an object, got {value!r:.80}")
    return value


def _show_resources(data: Mapping[str, Any], file: str) -> Iterator[_Resource]:
    key = "values" if "values" in data else "planned_values" if "planned_values" in data else None
    if key is None or data[key] is None:
        return  # an empty state: `terraform show -json` leaves "values" out
    values = _object(data[key], file, f"$.{key}")
    if values.get("root_module") is None:
        return
    modules = [(_object(values["root_module"], file, f"$.{key}.root_module"), f"$.{key}.root_module")]
    while modules:
        module, path = modules.pop(0)
        for i, entry in enumerate(_list(module.get("resources"), file, f"{path}.resources")):
            where = f"{path}.resources[{i}]"
            resource = _object(entry, file, where)
            attributes = resource.get("values")
            yield _Resource(
                address=str(resource.get("address", "")),
                type=str(resource.get("type", "")),
                mode=str(resource.get("mode", "managed")),
                provider=_provider_type(resource.get("provider_name")),
                values=_Values(attributes, f"{where}.values", file) if isinstance(attributes, Mapping) else None,
                path=where,
                values_path=f"{where}.values",
            )
        children = _list(module.get("child_modules"), file, f"{path}.child_modules")
        modules[:0] = [
            (_object(child, file, f"{path}.child_modules[{j}]"), f"{path}.child_modules[{j}]")
            for j, child in enumerate(children)
        ]


def _state_resources(data: Mapping[str, Any], file: str) -> Iterator[_Resource]:
    for i, entry in enumerate(_list(data.get("resources"), file, "$.resources")):
        resource = _object(entry, file, f"$.resources[{i}]")
        module, mode = resource.get("module"), resource.get("mode", "managed")
        kind, name = str(resource.get("type", "")), str(resource.get("name", ""))
        prefix = f"{module}." if module else ""
        base = f"{prefix}{'data.' if mode == 'data' else ''}{kind}.{name}"
        for k, instance in enumerate(_list(resource.get("instances"), file, f"$.resources[{i}].instances")):
            where = f"$.resources[{i}].instances[{k}]"
            instance = _object(instance, file, where)
            index = instance.get("index_key")
            address = base if index is None else f"{base}[{json.dumps(index)}]"
            attributes = instance.get("attributes")
            if attributes is None and "attributes_flat" in instance:
                raise ImportFormatError(
                    file, f"{where}.attributes_flat", "flatmap attributes (a Terraform 0.11 state) are not supported"
                )
            yield _Resource(
                address=address,
                type=kind,
                mode=str(mode),
                provider=_provider_type(resource.get("provider")),
                values=_Values(attributes, f"{where}.attributes", file) if isinstance(attributes, Mapping) else None,
                path=where,
                values_path=f"{where}.attributes",
            )


def _provider_type(provider: object) -> str | None:
    """``registry.terraform.io/hashicorp/aws`` or ``provider["registry.terraform.io/hashicorp/aws"].west`` -> aws."""
    if not isinstance(provider, str) or not provider:
        return None
    match = _PROVIDER.search(provider)
    source = (match.group(1) or match.group(2)) if match else provider
    return source.rsplit("/", 1)[-1]


def _provider_regions(data: Mapping[str, Any]) -> set[str]:
    """Regions given as constants to ``aws`` provider blocks (``configuration.provider_config``)."""
    configuration = data.get("configuration")
    configs = configuration.get("provider_config") if isinstance(configuration, Mapping) else None
    regions = set()
    for config in configs.values() if isinstance(configs, Mapping) else ():
        if isinstance(config, Mapping) and config.get("name") == "aws":
            expressions = config.get("expressions")
            region = expressions.get("region") if isinstance(expressions, Mapping) else None
            value = region.get("constant_value") if isinstance(region, Mapping) else None
            if isinstance(value, str) and _REGION.fullmatch(value):
                regions.add(value)
    return regions


class _Values:
    """The attributes of a resource (or one nested block) with typed reads naming the JSON path when wrong."""

    __slots__ = ("data", "file", "path")

    def __init__(self, data: Mapping[str, Any], path: str, file: str) -> None:
        self.data, self.path, self.file = data, path, file

    def error(self, key: str, message: str) -> ImportFormatError:
        return ImportFormatError(self.file, f"{self.path}.{key}", message)

    def text(self, key: str, required: bool = False) -> str | None:
        """A string attribute; Terraform keeps unset optional strings as ``""`` or null, both read as None."""
        value = self.data.get(key)
        if value is None or value == "":
            if required:
                raise self.error(key, "missing")
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {value!r:.80}")
        return value

    def texts(self, key: str) -> list[str]:
        values = _list(self.data.get(key), self.file, f"{self.path}.{key}")
        for i, value in enumerate(values):
            if not isinstance(value, str):
                raise ImportFormatError(self.file, f"{self.path}.{key}[{i}]", f"expected a string, got {value!r:.80}")
        return [v for v in values if v]

    def number(self, key: str) -> int | None:
        value = self.data.get(key)
        if value is None or value == "":
            return None
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):  # the provider keeps some numbers as strings
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.error(key, f"expected an integer, got {value!r:.80}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r:.80}")
        return value

    def cidr(self, key: str, version: int | None = None, required: bool = False) -> str | None:
        value = self.text(key, required)
        return None if value is None else _cidr(value, version, self.file, f"{self.path}.{key}")

    def cidrs(self, key: str, version: int | None = None) -> list[str]:
        return [_cidr(v, version, self.file, f"{self.path}.{key}[{i}]") for i, v in enumerate(self.texts(key))]

    def address(self, key: str, version: int | None = None, required: bool = False) -> str | None:
        value = self.text(key, required)
        return None if value is None else _address(value, version, self.file, f"{self.path}.{key}")

    def addresses(self, key: str, version: int | None = None) -> list[str]:
        return [_address(v, version, self.file, f"{self.path}.{key}[{i}]") for i, v in enumerate(self.texts(key))]

    def blocks(self, key: str) -> list[_Values]:
        path = f"{self.path}.{key}"
        return [
            _Values(_object(block, self.file, f"{path}[{i}]"), f"{path}[{i}]", self.file)
            for i, block in enumerate(_list(self.data.get(key), self.file, path))
        ]

    def tags(self) -> list[dict[str, str]]:
        """AWS's tags: ``tags_all`` (with the provider's default tags), else ``tags``."""
        tags = self.data.get("tags_all") or self.data.get("tags") or {}
        if not isinstance(tags, Mapping):
            raise self.error("tags", f"expected an object, got {tags!r:.80}")
        return [{"Key": str(k), "Value": "" if v is None else str(v)} for k, v in tags.items()]

    def region(self) -> str | None:
        """The region an ARN or an availability zone names."""
        arn = self.data.get("arn")
        parts = arn.split(":") if isinstance(arn, str) else []
        if len(parts) > 3 and parts[0] == "arn" and _REGION.fullmatch(parts[3]):
            return parts[3]
        zone = self.data.get("availability_zone")
        match = _REGION.match(zone) if isinstance(zone, str) else None
        return match.group(1) if match else None


def _cidr(value: str, version: int | None, file: str, path: str) -> str:
    family = {4: "an IPv4 ", 6: "an IPv6 "}.get(version or 0, "a ")
    try:
        network = ipaddress.ip_network(value.strip(), strict=False)  # AWS keeps the network address of 10.0.0.5/16
    except ValueError:
        raise ImportFormatError(file, path, f"{value!r} is not {family}CIDR block") from None
    if version is not None and network.version != version:
        raise ImportFormatError(file, path, f"{value!r} is not {family}CIDR block")
    return str(network)


def _address(value: str, version: int | None, file: str, path: str) -> str:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        address = None
    if address is None or (version is not None and address.version != version):
        raise ImportFormatError(file, path, f"{value!r} is not an IP{'v' + str(version) if version else ''} address")
    return str(address)


def _synthetic_id(prefix: str, *parts: str) -> str:
    """A stable AWS-looking id for what AWS has and the state does not name (an association, a reservation)."""
    return f"{prefix}-0{hashlib.blake2b('|'.join(parts).encode(), digest_size=8).hexdigest()}"


def _clean(**fields: Any) -> dict[str, Any]:
    """A describe-* object without the fields the state left unset."""
    return {k: v for k, v in fields.items() if v is not None and v != []}


# ---------------------------------------------------------------------------------------------------- records


@attrs.define
class _Vpc:
    id: str
    item: dict[str, Any]
    region: str | None
    cidrs: list[str]
    ipv6: list[str]
    main_route_table_id: str
    default_route_table_id: str
    default_network_acl_id: str
    default_security_group_id: str
    main_association_id: str | None = None
    owner: str | None = None


@attrs.define
class _SecurityGroup:
    id: str
    vpc_id: str | None
    item: dict[str, Any]
    # (egress, protocol, from, to) -> describe permission; peers deduplicated (a rule in both the group's inline
    # blocks and a rule resource, as a refreshed state lists it, is one rule)
    permissions: dict[tuple[bool, str, int | None, int | None], dict[str, Any]] = attrs.field(factory=dict)


@attrs.define
class _Interface:
    id: str
    subnet_id: str | None
    item: dict[str, Any]
    private_ips: list[str]
    groups: list[str]
    attachment: dict[str, Any] | None = None
    auto_public_ip: str | None = None
    elastic_ips: dict[str, dict[str, Any]] = attrs.field(factory=dict)


@attrs.define
class _RouteTable:
    id: str
    vpc_id: str
    item: dict[str, Any]
    routes: dict[str, dict[str, Any]] = attrs.field(factory=dict)  # destination -> route
    associations: list[dict[str, Any]] = attrs.field(factory=list)
    propagating: list[str] = attrs.field(factory=list)


@attrs.define
class _NetworkAcl:
    id: str
    vpc_id: str
    item: dict[str, Any]
    entries: dict[tuple[bool, int], dict[str, Any]] = attrs.field(factory=dict)


@attrs.define
class _Attachment:
    """A transit gateway attachment (VPC or VPN) and where it associates and propagates."""

    id: str
    transit_gateway_id: str
    resource_type: str
    resource_id: str
    default_association: bool
    default_propagation: bool
    owner: str | None
    origin: str
    association: str | None = None


# ---------------------------------------------------------------------------------------------------- conversion


class _Converter:
    """Turns the resources of one state into describe-* documents, remembering where each object came from."""

    def __init__(self, file: str, report: LoadReport) -> None:
        self.file = file
        self.report = report
        self.labels: dict[str, dict[str, str]] = {}  # document file label -> describe path -> Terraform path
        self.by_id: dict[tuple[str, str], dict[str, Any]] = {}  # (describe key, id) -> item
        self.origins: dict[int, str] = {}  # id() of a describe object -> JSON path of the Terraform resource
        self.regions: dict[int, str | None] = {}
        self.owners: set[str] = set()
        self.out: dict[str, list[dict[str, Any]]] = {}
        self.vpcs: dict[str, _Vpc] = {}
        self.subnets: dict[str, dict[str, Any]] = {}
        self.internet_gateways: dict[str, dict[str, Any]] = {}
        self.vpn_gateways: dict[str, dict[str, Any]] = {}
        self.vpn_connections: dict[str, dict[str, Any]] = {}
        self.transit_gateways: dict[str, dict[str, Any]] = {}
        self.tgw_tables: dict[str, dict[str, Any]] = {}
        self.tgw_routes: dict[str, list[dict[str, Any]]] = {}
        self.tgw_propagations: dict[str, list[str]] = {}
        self.attachments: dict[str, _Attachment] = {}
        self.peerings: dict[str, dict[str, Any]] = {}
        self.prefix_lists: dict[str, dict[str, Any]] = {}
        self.security_groups: dict[str, _SecurityGroup] = {}
        self.interfaces: dict[str, _Interface] = {}
        self.instances: dict[str, tuple[dict[str, Any], str | None]] = {}  # id -> (item, primary ENI id)
        self.elastic_ips: dict[str, dict[str, Any]] = {}
        self.route_tables: dict[str, _RouteTable] = {}
        self.main_associations: dict[str, tuple[str, str | None]] = {}  # VPC -> (table, association id)
        self.endpoints: dict[str, dict[str, Any]] = {}
        self.network_acls: dict[str, _NetworkAcl] = {}
        # subnet -> (priority, NACL, association id, origin): an association resource beats a NACL's subnet_ids,
        # which beat the default NACL's
        self.acl_claims: dict[str, tuple[int, str, str | None, str]] = {}
        self.target_groups: dict[str, dict[str, Any]] = {}
        self.listeners: list[dict[str, Any]] = []
        self.targets: dict[str, list[dict[str, Any]]] = {}

    # ------------------------------------------------------------ plumbing

    def warn(self, resource: _Resource, kind: str, message: str, rid: str | None = None) -> None:
        self.report.add(self.file, resource.path, kind, message, rid)

    def emit(self, key: str, item: dict[str, Any], origin: str, region: str | None = None) -> dict[str, Any]:
        self.out.setdefault(key, []).append(item)
        self.origins[id(item)] = origin
        self.regions[id(item)] = region
        return item

    def locate(self, label: str, path: str) -> tuple[str, str, str]:
        """The file, the JSON path of the Terraform resource behind a describe-* path, and the detail to add.

        ``label`` is a document's file label, or ``<derived>`` for what the builder recomputed, named by id
        (``$.RouteTables[rtb-1].Routes[0.0.0.0/0]``).
        """
        derived = _DERIVED.match(path) if label == "<derived>" else None
        if derived is not None:
            kind, rid, destination = derived.groups()
            table = self.route_tables.get(rid) if kind == "RouteTables" else None
            found = table.routes.get(destination) if table is not None and destination else None
            found = found or (table.item if table is not None else self.by_id.get((kind, rid)))
            if found is not None and id(found) in self.origins:
                return self.file, self.origins[id(found)], f" ({path})"
        origins = self.labels.get(label)
        probe = path
        while origins is not None:
            if probe in origins:
                return self.file, origins[probe], f" (converted to describe-* {path})"
            match = _PARENT.match(probe)
            if match is None:
                return self.file, path, ""
            probe = match.group(1)
        return label, path, ""

    def convert(self, resources: list[_Resource], provider_regions: set[str]) -> list[Document]:
        by_type: dict[str, list[tuple[_Resource, _Values]]] = {}
        for resource in resources:
            kind = _ALIASES.get(resource.type, resource.type)
            if (resource.provider is not None and resource.provider != "aws") or not resource.type.startswith("aws_"):
                continue  # other providers (random, null, kubernetes, ...) hold no AWS network
            if resource.mode == "data":
                data_id = resource.values.data.get("id") if resource.values is not None else None
                if resource.type in _DATA_FAMILY:
                    self.warn(
                        resource,
                        "unsupported-resource",
                        f"data source {resource.address} reads an existing {resource.type} this state does not "
                        "manage: not loaded (an AWS export would hold it)",
                        data_id if isinstance(data_id, str) else None,
                    )
                continue
            if kind not in _TYPES:
                attributes = resource.values.data if resource.values is not None else {}
                rid = attributes.get("id") if isinstance(attributes.get("id"), str) else None
                self.warn(
                    resource,
                    "unsupported-resource",
                    f"{resource.address}: vpcsim does not convert {resource.type} resources; not loaded",
                    rid or resource.address,
                )
                continue
            if resource.values is None:
                raise ImportFormatError(
                    self.file, resource.values_path, f"missing: {resource.address} has no attributes"
                )
            by_type.setdefault(kind, []).append((resource, resource.values))
        for kind in _TYPES:
            if kind == "aws_route":
                self._implicit_route_tables()
            if kind == "aws_network_acl_rule":
                self._implicit_network_acls()
            handler = getattr(self, "_" + kind.removeprefix("aws_"))
            for resource, values in by_type.get(kind, []):
                handler(resource, values)
        self._finish()
        return self._documents(provider_regions)

    def _id(self, values: _Values, key: str = "id") -> str:
        rid = values.text(key)
        if rid is None:
            raise values.error(key, "missing (a plan's planned_values know no id before apply: load the state)")
        return rid

    def _owner(self, values: _Values) -> str | None:
        owner = values.text("owner_id")
        if owner is not None:
            self.owners.add(owner)
        return owner

    def _vpc_of(self, resource: _Resource, vpc_id: str, what: str) -> _Vpc | None:
        vpc = self.vpcs.get(vpc_id)
        if vpc is None:
            self.warn(resource, "dangling-reference", f"{vpc_id} is not in the state: {what} was not loaded", vpc_id)
        return vpc

    # ------------------------------------------------------------ VPCs and subnets

    def _vpc(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        cidr = values.cidr("cidr_block", 4, required=True)
        assert cidr is not None
        ipv6 = values.cidr("ipv6_cidr_block", 6)
        main = values.text("main_route_table_id") or values.text("default_route_table_id")
        main = main or _synthetic_id("rtb", rid)
        item = self.emit(
            "Vpcs",
            _clean(
                VpcId=rid,
                CidrBlock=cidr,
                CidrBlockAssociationSet=[
                    {
                        "AssociationId": _synthetic_id("vpc-cidr-assoc", rid, cidr),
                        "CidrBlock": cidr,
                        "CidrBlockState": dict(_ASSOCIATED),
                    }
                ],
                Ipv6CidrBlockAssociationSet=[
                    _clean(
                        AssociationId=values.text("ipv6_association_id")
                        or _synthetic_id("vpc-cidr-assoc", rid, ipv6),
                        Ipv6CidrBlock=ipv6,
                        Ipv6CidrBlockState=dict(_ASSOCIATED),
                        NetworkBorderGroup=values.text("ipv6_cidr_block_network_border_group"),
                    )
                ]
                if ipv6
                else None,
                State="available",
                OwnerId=self._owner(values),
                InstanceTenancy=values.text("instance_tenancy"),
                DhcpOptionsId=values.text("dhcp_options_id"),
                IsDefault=False,
                EnableDnsSupport=values.flag("enable_dns_support", True),
                EnableDnsHostnames=values.flag("enable_dns_hostnames", False),
                Tags=values.tags(),
            ),
            resource.path,
        )
        self.vpcs[rid] = _Vpc(
            id=rid,
            item=item,
            region=values.region(),
            cidrs=[cidr],
            ipv6=[ipv6] if ipv6 else [],
            main_route_table_id=main,
            default_route_table_id=values.text("default_route_table_id") or main,
            default_network_acl_id=values.text("default_network_acl_id") or _synthetic_id("acl", rid),
            default_security_group_id=values.text("default_security_group_id") or _synthetic_id("sg", rid),
            owner=values.text("owner_id"),
        )

    def _vpc_ipv4_cidr_block_association(self, resource: _Resource, values: _Values) -> None:
        vpc = self._vpc_of(resource, values.text("vpc_id", True) or "", "this CIDR block")
        cidr = values.cidr("cidr_block", 4, required=True)
        if vpc is None or cidr is None or cidr in vpc.cidrs:
            return
        vpc.cidrs.append(cidr)
        association = {"AssociationId": self._id(values), "CidrBlock": cidr, "CidrBlockState": dict(_ASSOCIATED)}
        vpc.item["CidrBlockAssociationSet"].append(association)
        self.origins[id(association)] = resource.path

    def _vpc_ipv6_cidr_block_association(self, resource: _Resource, values: _Values) -> None:
        vpc = self._vpc_of(resource, values.text("vpc_id", True) or "", "this IPv6 CIDR block")
        cidr = values.cidr("ipv6_cidr_block", 6, required=True)
        if vpc is None or cidr is None or cidr in vpc.ipv6:
            return
        vpc.ipv6.append(cidr)
        association = {
            "AssociationId": self._id(values),
            "Ipv6CidrBlock": cidr,
            "Ipv6CidrBlockState": dict(_ASSOCIATED),
        }
        vpc.item.setdefault("Ipv6CidrBlockAssociationSet", []).append(association)
        self.origins[id(association)] = resource.path

    def _subnet(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        ipv6 = values.cidr("ipv6_cidr_block", 6)
        self.subnets[rid] = self.emit(
            "Subnets",
            _clean(
                SubnetId=rid,
                VpcId=values.text("vpc_id", True),
                CidrBlock=values.cidr("cidr_block", 4, required=True),
                AvailabilityZone=values.text("availability_zone", True),
                AvailabilityZoneId=values.text("availability_zone_id"),
                Ipv6CidrBlockAssociationSet=[
                    _clean(
                        AssociationId=values.text("ipv6_cidr_block_association_id"),
                        Ipv6CidrBlock=ipv6,
                        Ipv6CidrBlockState=dict(_ASSOCIATED),
                    )
                ]
                if ipv6
                else None,
                MapPublicIpOnLaunch=values.flag("map_public_ip_on_launch", False),
                AssignIpv6AddressOnCreation=values.flag("assign_ipv6_address_on_creation", False),
                State="available",
                OwnerId=self._owner(values),
                SubnetArn=values.text("arn"),
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )

    # ------------------------------------------------------------ gateways and VPNs

    def _internet_gateway(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        vpc_id = values.text("vpc_id")
        self.internet_gateways[rid] = self.emit(
            "InternetGateways",
            _clean(
                InternetGatewayId=rid,
                Attachments=[{"VpcId": vpc_id, "State": "available"}] if vpc_id else [],
                OwnerId=self._owner(values),
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )

    def _internet_gateway_attachment(self, resource: _Resource, values: _Values) -> None:
        self._attach_gateway(resource, values, "internet_gateway_id", self.internet_gateways, "Attachments")

    def _attach_gateway(
        self, resource: _Resource, values: _Values, key: str, gateways: dict[str, dict[str, Any]], field: str
    ) -> None:
        """An attachment resource: the gateway's item lists the VPC, in the state describe-* gives (IGW/VGW)."""
        gateway_id, vpc_id = values.text(key, True), values.text("vpc_id", True)
        item = gateways.get(gateway_id or "")
        if item is None:
            self.warn(resource, "dangling-reference", f"{gateway_id} is not in the state: not attached", gateway_id)
        elif all(a["VpcId"] != vpc_id for a in item.setdefault(field, [])):
            item[field].append({"VpcId": vpc_id, "State": "available" if field == "Attachments" else "attached"})

    def _egress_only_internet_gateway(self, resource: _Resource, values: _Values) -> None:
        self.emit(
            "EgressOnlyInternetGateways",
            _clean(
                EgressOnlyInternetGatewayId=self._id(values),
                Attachments=[{"VpcId": values.text("vpc_id", True), "State": "attached"}],
                Tags=values.tags(),
            ),
            resource.path,
        )

    def _vpn_gateway(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        vpc_id = values.text("vpc_id")
        self.vpn_gateways[rid] = self.emit(
            "VpnGateways",
            _clean(
                VpnGatewayId=rid,
                State="available",
                Type="ipsec.1",
                AmazonSideAsn=values.number("amazon_side_asn"),
                AvailabilityZone=values.text("availability_zone"),
                VpcAttachments=[{"VpcId": vpc_id, "State": "attached"}] if vpc_id else [],
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )

    def _vpn_gateway_attachment(self, resource: _Resource, values: _Values) -> None:
        self._attach_gateway(resource, values, "vpn_gateway_id", self.vpn_gateways, "VpcAttachments")

    def _customer_gateway(self, resource: _Resource, values: _Values) -> None:
        asn = values.number("bgp_asn") or values.number("bgp_asn_extended")
        self.emit(
            "CustomerGateways",
            _clean(
                CustomerGatewayId=self._id(values),
                BgpAsn=str(asn) if asn is not None else None,
                IpAddress=values.address("ip_address", 4, required=True),
                Type=values.text("type") or "ipsec.1",
                State="available",
                DeviceName=values.text("device_name"),
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )

    def _vpn_connection(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        routes = []
        for block in values.blocks("routes"):
            if (block.text("state") or "available") == "available":
                route = {
                    "DestinationCidrBlock": block.cidr("destination_cidr_block", required=True),
                    "Source": "Static",
                    "State": "available",
                }
                self.origins[id(route)] = block.path
                routes.append(route)
        tgw_id = values.text("transit_gateway_id")
        self.vpn_connections[rid] = self.emit(
            "VpnConnections",
            _clean(
                VpnConnectionId=rid,
                CustomerGatewayId=values.text("customer_gateway_id", True),
                VpnGatewayId=values.text("vpn_gateway_id"),
                TransitGatewayId=tgw_id,
                Type=values.text("type") or "ipsec.1",
                State="available",
                Category="VPN",
                Options={"StaticRoutesOnly": values.flag("static_routes_only", False)},
                Routes=routes,
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )
        attachment_id = values.text("transit_gateway_attachment_id")
        if tgw_id is not None and attachment_id is not None:
            self.attachments[attachment_id] = _Attachment(
                attachment_id, tgw_id, "vpn", rid, True, True, values.text("owner_id"), resource.path
            )

    def _vpn_connection_route(self, resource: _Resource, values: _Values) -> None:
        vpn_id = values.text("vpn_connection_id", True) or ""
        destination = values.cidr("destination_cidr_block", required=True)
        item = self.vpn_connections.get(vpn_id)
        if item is None:
            self.warn(resource, "dangling-reference", f"{vpn_id} is not in the state: route not loaded", vpn_id)
        elif all(r["DestinationCidrBlock"] != destination for r in item.setdefault("Routes", [])):
            route = {"DestinationCidrBlock": destination, "Source": "Static", "State": "available"}
            self.origins[id(route)] = resource.path
            item["Routes"].append(route)

    # ------------------------------------------------------------ transit gateways

    def _ec2_transit_gateway(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        self.transit_gateways[rid] = self.emit(
            "TransitGateways",
            _clean(
                TransitGatewayId=rid,
                TransitGatewayArn=values.text("arn"),
                State="available",
                OwnerId=self._owner(values),
                Description=values.text("description"),
                Options=_clean(
                    AmazonSideAsn=values.number("amazon_side_asn"),
                    AutoAcceptSharedAttachments=values.text("auto_accept_shared_attachments"),
                    DefaultRouteTableAssociation=values.text("default_route_table_association") or "enable",
                    AssociationDefaultRouteTableId=values.text("association_default_route_table_id"),
                    DefaultRouteTablePropagation=values.text("default_route_table_propagation") or "enable",
                    PropagationDefaultRouteTableId=values.text("propagation_default_route_table_id"),
                    VpnEcmpSupport=values.text("vpn_ecmp_support"),
                    DnsSupport=values.text("dns_support"),
                ),
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )

    def _ec2_transit_gateway_route_table(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        self.tgw_tables[rid] = self.emit(
            "TransitGatewayRouteTables",
            _clean(
                TransitGatewayRouteTableId=rid,
                TransitGatewayId=values.text("transit_gateway_id", True),
                State="available",
                DefaultAssociationRouteTable=values.flag("default_association_route_table", False),
                DefaultPropagationRouteTable=values.flag("default_propagation_route_table", False),
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )

    def _ec2_transit_gateway_vpc_attachment(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        tgw_id, vpc_id = values.text("transit_gateway_id", True) or "", values.text("vpc_id", True) or ""
        self.emit(
            "TransitGatewayVpcAttachments",
            _clean(
                TransitGatewayAttachmentId=rid,
                TransitGatewayId=tgw_id,
                VpcId=vpc_id,
                VpcOwnerId=values.text("vpc_owner_id"),
                State="available",
                SubnetIds=values.texts("subnet_ids"),
                Options=_clean(
                    DnsSupport=values.text("dns_support"),
                    Ipv6Support=values.text("ipv6_support"),
                    ApplianceModeSupport=values.text("appliance_mode_support"),
                ),
                Tags=values.tags(),
            ),
            resource.path,
        )
        self.attachments[rid] = _Attachment(
            rid,
            tgw_id,
            "vpc",
            vpc_id,
            values.flag("transit_gateway_default_route_table_association", True),
            values.flag("transit_gateway_default_route_table_propagation", True),
            values.text("vpc_owner_id"),
            resource.path,
        )

    def _attachment(self, resource: _Resource, values: _Values) -> tuple[str, _Attachment | None]:
        table_id = values.text("transit_gateway_route_table_id", True) or ""
        attachment_id = values.text("transit_gateway_attachment_id", True) or ""
        attachment = self.attachments.get(attachment_id)
        if attachment is None:
            self.warn(resource, "dangling-reference", f"{attachment_id} is not in the state: not loaded", table_id)
        return table_id, attachment

    def _ec2_transit_gateway_route(self, resource: _Resource, values: _Values) -> None:
        table_id = values.text("transit_gateway_route_table_id", True) or ""
        blackhole = values.flag("blackhole", False)
        attachment_id = values.text("transit_gateway_attachment_id")
        attachment = self.attachments.get(attachment_id or "")
        route = _clean(
            DestinationCidrBlock=values.cidr("destination_cidr_block", required=True),
            TransitGatewayAttachments=[
                _clean(
                    TransitGatewayAttachmentId=attachment_id,
                    ResourceId=attachment.resource_id if attachment else None,
                    ResourceType=attachment.resource_type if attachment else None,
                )
            ]
            if attachment_id and not blackhole
            else None,
            Type="static",
            State="blackhole" if blackhole else "active",
        )
        self.origins[id(route)] = resource.path
        self.tgw_routes.setdefault(table_id, []).append(route)

    def _ec2_transit_gateway_route_table_association(self, resource: _Resource, values: _Values) -> None:
        table_id, attachment = self._attachment(resource, values)
        if attachment is not None:
            attachment.association = table_id

    def _ec2_transit_gateway_route_table_propagation(self, resource: _Resource, values: _Values) -> None:
        table_id, attachment = self._attachment(resource, values)
        if attachment is not None and attachment.id not in self.tgw_propagations.get(table_id, []):
            self.tgw_propagations.setdefault(table_id, []).append(attachment.id)

    # ------------------------------------------------------------ peering, prefix lists, endpoints

    def _vpc_peering_connection(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        status = values.text("accept_status") or ("active" if values.flag("auto_accept", False) else None)
        self.peerings[rid] = self.emit(
            "VpcPeeringConnections",
            _clean(
                VpcPeeringConnectionId=rid,
                RequesterVpcInfo=_clean(VpcId=values.text("vpc_id", True)),
                AccepterVpcInfo=_clean(
                    VpcId=values.text("peer_vpc_id", True),
                    OwnerId=values.text("peer_owner_id"),
                    Region=values.text("peer_region"),
                ),
                Status={"Code": status or "pending-acceptance"},
                Tags=values.tags(),
            ),
            resource.path,
        )

    def _vpc_peering_connection_accepter(self, resource: _Resource, values: _Values) -> None:
        rid = values.text("vpc_peering_connection_id", True) or ""
        status = values.text("accept_status") or ("active" if values.flag("auto_accept", False) else None)
        item = self.peerings.get(rid)
        if item is not None:  # both sides in one state: the accepter's status is the newer
            if status is not None:
                item["Status"] = {"Code": status}
            return
        self.peerings[rid] = self.emit(
            "VpcPeeringConnections",
            _clean(
                VpcPeeringConnectionId=rid,
                RequesterVpcInfo=_clean(
                    VpcId=values.text("peer_vpc_id", True),
                    OwnerId=values.text("peer_owner_id"),
                    Region=values.text("peer_region"),
                ),
                AccepterVpcInfo=_clean(VpcId=values.text("vpc_id", True)),
                Status={"Code": status or "pending-acceptance"},
                Tags=values.tags(),
            ),
            resource.path,
        )

    def _ec2_managed_prefix_list(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        entries = []
        for block in values.blocks("entry"):
            entry = _clean(Cidr=block.cidr("cidr", required=True), Description=block.text("description"))
            self.origins[id(entry)] = block.path
            entries.append(entry)
        self.prefix_lists[rid] = self.emit(
            "ManagedPrefixLists",
            _clean(
                PrefixListId=rid,
                AddressFamily=values.text("address_family") or "IPv4",
                State="create-complete",
                PrefixListArn=values.text("arn"),
                PrefixListName=values.text("name") or rid,
                MaxEntries=values.number("max_entries"),
                Version=values.number("version"),
                OwnerId=self._owner(values),
                Tags=values.tags(),
                Entries=entries,
            ),
            resource.path,
            values.region(),
        )
        self.prefix_lists[rid].setdefault("Entries", [])

    def _ec2_managed_prefix_list_entry(self, resource: _Resource, values: _Values) -> None:
        list_id = values.text("prefix_list_id", True) or ""
        cidr = values.cidr("cidr", required=True)
        item = self.prefix_lists.get(list_id)
        if item is None:
            self.warn(resource, "dangling-reference", f"{list_id} is not in the state: entry not loaded", list_id)
        elif all(e["Cidr"] != cidr for e in item["Entries"]):
            entry = _clean(Cidr=cidr, Description=values.text("description"))
            self.origins[id(entry)] = resource.path
            item["Entries"].append(entry)

    def _vpc_endpoint(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        kind = values.text("vpc_endpoint_type") or "Gateway"
        service = values.text("service_name", True)
        self.endpoints[rid] = self.emit(
            "VpcEndpoints",
            _clean(
                VpcEndpointId=rid,
                VpcEndpointType=kind,
                VpcId=values.text("vpc_id", True),
                ServiceName=service,
                State=values.text("state") or "available",
                RouteTableIds=values.texts("route_table_ids"),
                SubnetIds=values.texts("subnet_ids"),
                Groups=[{"GroupId": g} for g in values.texts("security_group_ids")],
                NetworkInterfaceIds=values.texts("network_interface_ids"),
                PrivateDnsEnabled=values.flag("private_dns_enabled", False),
                RequesterManaged=values.flag("requester_managed", False),
                OwnerId=self._owner(values),
                Tags=values.tags(),
            ),
            resource.path,
        )
        prefix_list = values.text("prefix_list_id")
        cidrs = values.cidrs("cidr_blocks")
        if kind == "Gateway" and prefix_list is not None:
            self.endpoints[rid]["_prefix_list"] = prefix_list
            if cidrs and prefix_list not in self.prefix_lists:  # describe-prefix-lists: the service's AWS list
                self.prefix_lists[prefix_list] = self.emit(
                    "PrefixLists",
                    {"PrefixListId": prefix_list, "PrefixListName": service, "Cidrs": cidrs},
                    resource.path,
                )

    def _vpc_endpoint_route_table_association(self, resource: _Resource, values: _Values) -> None:
        endpoint_id = values.text("vpc_endpoint_id", True) or ""
        table_id = values.text("route_table_id", True) or ""
        item = self.endpoints.get(endpoint_id)
        if item is None:
            self.warn(resource, "dangling-reference", f"{endpoint_id} is not in the state: not associated", table_id)
        elif table_id not in item.setdefault("RouteTableIds", []):
            item["RouteTableIds"].append(table_id)

    # ------------------------------------------------------------ security groups

    def _security_group(self, resource: _Resource, values: _Values, default: bool = False) -> None:
        rid = self._id(values)
        vpc_id = values.text("vpc_id")
        if default:
            vpc_id = vpc_id or next((v.id for v in self.vpcs.values() if v.default_security_group_id == rid), None)
        group = _SecurityGroup(
            rid,
            vpc_id,
            self.emit(
                "SecurityGroups",
                _clean(
                    GroupId=rid,
                    GroupName="default" if default else values.text("name") or rid,
                    Description=values.text("description") or ("default VPC security group" if default else None),
                    VpcId=vpc_id,
                    OwnerId=self._owner(values),
                    SecurityGroupArn=values.text("arn"),
                    Tags=values.tags(),
                ),
                resource.path,
                values.region(),
            ),
        )
        self.security_groups[rid] = group
        for key, egress in (("ingress", False), ("egress", True)):
            for block in values.blocks(key):
                peers = [
                    *(("IpRanges", c) for c in block.cidrs("cidr_blocks", 4)),
                    *(("Ipv6Ranges", c) for c in block.cidrs("ipv6_cidr_blocks", 6)),
                    *(("PrefixListIds", p) for p in block.texts("prefix_list_ids")),
                    *(("UserIdGroupPairs", g) for g in block.texts("security_groups")),
                    *((("UserIdGroupPairs", rid),) if block.flag("self", False) else ()),
                ]
                self._permission(group, block, egress, "protocol", peers)

    def _default_security_group(self, resource: _Resource, values: _Values) -> None:
        self._security_group(resource, values, default=True)

    def _rule_group(self, resource: _Resource, values: _Values) -> _SecurityGroup | None:
        """The group a rule resource adds to: in the state, or the default group of a VPC in it."""
        group_id = values.text("security_group_id", True) or ""
        group = self.security_groups.get(group_id)
        if group is None:
            vpc = next((v for v in self.vpcs.values() if v.default_security_group_id == group_id), None)
            if vpc is not None:
                group = self._implicit_security_group(vpc)
        if group is None:
            self.warn(resource, "dangling-reference", f"{group_id} is not in the state: rule not loaded", group_id)
        return group

    def _security_group_rule(self, resource: _Resource, values: _Values) -> None:
        group = self._rule_group(resource, values)
        kind = values.text("type", True)
        if kind not in ("ingress", "egress"):
            raise values.error("type", f"{kind!r} is not ingress or egress")
        if group is None:
            return
        source = values.text("source_security_group_id")
        peers = [
            *(("IpRanges", c) for c in values.cidrs("cidr_blocks", 4)),
            *(("Ipv6Ranges", c) for c in values.cidrs("ipv6_cidr_blocks", 6)),
            *(("PrefixListIds", p) for p in values.texts("prefix_list_ids")),
            *((("UserIdGroupPairs", source),) if source else ()),
            *((("UserIdGroupPairs", group.id),) if values.flag("self", False) else ()),
        ]
        self._permission(group, values, kind == "egress", "protocol", peers, resource.path)

    def _vpc_security_group_rule(self, resource: _Resource, values: _Values, egress: bool) -> None:
        group = self._rule_group(resource, values)
        if group is None:
            return
        peers = [
            *((("IpRanges", c),) if (c := values.cidr("cidr_ipv4", 4)) else ()),
            *((("Ipv6Ranges", c),) if (c := values.cidr("cidr_ipv6", 6)) else ()),
            *((("PrefixListIds", p),) if (p := values.text("prefix_list_id")) else ()),
            *((("UserIdGroupPairs", g),) if (g := values.text("referenced_security_group_id")) else ()),
        ]
        if len(peers) != 1:
            raise values.error(
                "cidr_ipv4",
                "a rule needs exactly one of cidr_ipv4, cidr_ipv6, prefix_list_id, referenced_security_group_id",
            )
        self._permission(group, values, egress, "ip_protocol", peers, resource.path)

    def _vpc_security_group_ingress_rule(self, resource: _Resource, values: _Values) -> None:
        self._vpc_security_group_rule(resource, values, egress=False)

    def _vpc_security_group_egress_rule(self, resource: _Resource, values: _Values) -> None:
        self._vpc_security_group_rule(resource, values, egress=True)

    def _permission(
        self,
        group: _SecurityGroup,
        values: _Values,
        egress: bool,
        protocol_key: str,
        peers: list[tuple[str, str]],
        origin: str | None = None,
    ) -> None:
        """Add one rule (a protocol and port range for several peers) as describe-security-groups lists it."""
        protocol = _sg_protocol(values, protocol_key)
        low = high = None
        if protocol in _PORTED:
            low, high = values.number("from_port"), values.number("to_port")
            if protocol.startswith("icmp"):  # type and code; unset is any
                low, high = -1 if low is None else low, -1 if high is None else high
            elif low is None or high is None:
                raise values.error("from_port", f"a {protocol} rule needs from_port and to_port")
        key = (egress, protocol, low, high)
        permission = group.permissions.get(key)
        if permission is None:
            permission = group.permissions[key] = _clean(IpProtocol=protocol, FromPort=low, ToPort=high)
            self.origins[id(permission)] = origin or values.path
        description = values.text("description")
        for kind, peer in peers:
            field = {"IpRanges": "CidrIp", "Ipv6Ranges": "CidrIpv6", "PrefixListIds": "PrefixListId"}.get(kind)
            if field is None:  # a group reference: "sg-1" or, across accounts, "111122223333/sg-1"
                owner, _, group_id = peer.rpartition("/")
                entry = _clean(GroupId=group_id, UserId=owner or None, Description=description)
                same = [e for e in permission.get(kind, []) if e["GroupId"] == group_id]
            else:
                entry = _clean(**{field: peer}, Description=description)
                same = [e for e in permission.get(kind, []) if e[field] == peer]
            if not same:
                permission.setdefault(kind, []).append(entry)

    def _implicit_security_group(self, vpc: _Vpc) -> _SecurityGroup:
        """SPEC G3: a VPC's default group, as AWS makes it, when no aws_default_security_group manages it."""
        rid = vpc.default_security_group_id
        group = self.security_groups.get(rid)
        if group is not None:
            return group
        group = _SecurityGroup(
            rid,
            vpc.id,
            self.emit(
                "SecurityGroups",
                _clean(
                    GroupId=rid,
                    GroupName="default",
                    Description="default VPC security group",
                    VpcId=vpc.id,
                    OwnerId=vpc.owner,
                ),
                self.origins[id(vpc.item)],
            ),
        )
        self.security_groups[rid] = group
        group.permissions[(False, "-1", None, None)] = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": rid}]}
        everything = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        if vpc.ipv6:
            everything["Ipv6Ranges"] = [{"CidrIpv6": "::/0"}]
        group.permissions[(True, "-1", None, None)] = everything
        return group

    # ------------------------------------------------------------ ENIs, instances, addresses

    def _network_interface(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        listed = values.addresses("private_ip_list", 4) or values.addresses("private_ips", 4)
        primary = values.address("private_ip", 4) or (listed[0] if listed else None)
        if primary is None:
            raise values.error("private_ip", "missing: an ENI needs a private IPv4 address")
        ipv6 = values.addresses("ipv6_address_list", 6) or values.addresses("ipv6_addresses", 6)
        interface = self._interface(
            resource,
            values,
            rid,
            subnet_id=values.text("subnet_id", True),
            private_ips=[primary, *(ip for ip in listed if ip != primary)],
            ipv6=ipv6,
            groups=values.texts("security_groups") or self._default_groups(values.text("subnet_id")),
            description=values.text("description"),
            interface_type=values.text("interface_type") or "interface",
            mac=values.text("mac_address"),
        )
        for block in values.blocks("attachment"):
            interface.attachment = _clean(
                AttachmentId=block.text("attachment_id"),
                DeviceIndex=block.number("device_index"),
                InstanceId=block.text("instance", True),
                Status="attached",
                DeleteOnTermination=False,
            )

    def _interface(
        self,
        resource: _Resource,
        values: _Values,
        rid: str,
        *,
        subnet_id: str | None,
        private_ips: list[str],
        ipv6: list[str],
        groups: list[str],
        description: str | None = None,
        interface_type: str = "interface",
        mac: str | None = None,
        requester_managed: bool = False,
    ) -> _Interface:
        interface = _Interface(
            rid,
            subnet_id,
            self.emit(
                "NetworkInterfaces",
                _clean(
                    NetworkInterfaceId=rid,
                    SubnetId=subnet_id,
                    Description=description or "",
                    InterfaceType=interface_type,
                    MacAddress=mac,
                    OwnerId=self._owner(values),
                    Ipv6Addresses=[{"Ipv6Address": a} for a in ipv6],
                    SourceDestCheck=values.flag("source_dest_check", True) and not requester_managed,
                    RequesterManaged=requester_managed,
                    TagSet=[] if requester_managed else values.tags(),
                ),
                resource.path,
            ),
            private_ips,
            list(dict.fromkeys(groups)),
        )
        self.interfaces[rid] = interface
        return interface

    def _default_groups(self, subnet_id: str | None) -> list[str]:
        """An ENI launched without groups gets its VPC's default security group, as AWS does."""
        vpc = self.vpcs.get(self.subnets.get(subnet_id or "", {}).get("VpcId", ""))
        return [vpc.default_security_group_id] if vpc is not None else []

    def _instance(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        state = values.text("instance_state") or "running"
        primary_id = values.text("primary_network_interface_id")
        attached = []
        for block in values.blocks("network_interface"):
            eni_id = block.text("network_interface_id", True) or ""
            index = block.number("device_index") or 0
            primary_id = eni_id if index == 0 else primary_id
            attached.append((eni_id, index, block.flag("delete_on_termination", False), block))
        primary_id = primary_id or _synthetic_id("eni", rid)
        if primary_id not in self.interfaces:  # E1: made with the instance, from its attributes
            private_ip = values.address("private_ip", 4, required=True)
            assert private_ip is not None
            secondary = [ip for ip in values.addresses("secondary_private_ips", 4) if ip != private_ip]
            interface = self._interface(
                resource,
                values,
                primary_id,
                subnet_id=values.text("subnet_id", True),
                private_ips=[private_ip, *secondary],
                ipv6=values.addresses("ipv6_addresses", 6),
                groups=values.texts("vpc_security_group_ids") or self._default_groups(values.text("subnet_id")),
            )
            interface.item["TagSet"] = []  # the instance's tags are not its ENI's
        if all(eni_id != primary_id for eni_id, *_ in attached):
            attached.insert(0, (primary_id, 0, True, values))
        for eni_id, index, delete, block in attached:
            eni = self.interfaces.get(eni_id)
            if eni is None:
                self.warn(resource, "dangling-reference", f"{eni_id} is not in the state: not attached", rid)
                continue
            eni.attachment = _clean(
                AttachmentId=(eni.attachment or {}).get("AttachmentId"),
                DeviceIndex=index,
                InstanceId=rid,
                Status="attached",
                DeleteOnTermination=delete,
            )
            self.origins[id(eni.attachment)] = block.path
        public_ip = values.address("public_ip", 4)
        if public_ip is not None and primary_id in self.interfaces:
            self.interfaces[primary_id].auto_public_ip = public_ip  # unless an EIP holds the address (_finish)
        metadata = next(iter(values.blocks("metadata_options")), None)
        item = _clean(
            InstanceId=rid,
            InstanceType=values.text("instance_type"),
            ImageId=values.text("ami"),
            State={"Code": _INSTANCE_STATES.get(state, 16), "Name": state},
            Placement=_clean(AvailabilityZone=values.text("availability_zone"), Tenancy=values.text("tenancy")),
            SourceDestCheck=values.flag("source_dest_check", True),
            IamInstanceProfile=_clean(Arn=f"arn:aws:iam::000000000000:instance-profile/{profile}")
            if (profile := values.text("iam_instance_profile"))
            else None,
            MetadataOptions=_clean(
                State="applied",
                HttpTokens=metadata.text("http_tokens"),
                HttpPutResponseHopLimit=metadata.number("http_put_response_hop_limit"),
                HttpEndpoint=metadata.text("http_endpoint"),
                HttpProtocolIpv6=metadata.text("http_protocol_ipv6"),
                InstanceMetadataTags=metadata.text("instance_metadata_tags"),
            )
            if metadata is not None
            else None,
            Tags=values.tags(),
        )
        self.origins[id(item)] = resource.path
        self.regions[id(item)] = values.region()
        self.instances[rid] = (item, primary_id)

    def _network_interface_attachment(self, resource: _Resource, values: _Values) -> None:
        eni_id = values.text("network_interface_id", True) or ""
        interface = self.interfaces.get(eni_id)
        if interface is None:
            self.warn(resource, "dangling-reference", f"{eni_id} is not in the state: not attached", eni_id)
            return
        interface.attachment = _clean(
            AttachmentId=values.text("attachment_id") or values.text("id"),
            DeviceIndex=values.number("device_index"),
            InstanceId=values.text("instance_id", True),
            Status="attached",
            DeleteOnTermination=False,
        )
        self.origins[id(interface.attachment)] = resource.path

    def _network_interface_sg_attachment(self, resource: _Resource, values: _Values) -> None:
        eni_id = values.text("network_interface_id", True) or ""
        group_id = values.text("security_group_id", True) or ""
        interface = self.interfaces.get(eni_id)
        if interface is None:
            self.warn(resource, "dangling-reference", f"{eni_id} is not in the state: group not attached", eni_id)
        elif group_id not in interface.groups:
            interface.groups.append(group_id)

    def _eip(self, resource: _Resource, values: _Values) -> None:
        rid = values.text("allocation_id") or self._id(values)
        self.elastic_ips[rid] = self.emit(
            "Addresses",
            _clean(
                AllocationId=rid,
                PublicIp=values.address("public_ip", 4, required=True),
                Domain=values.text("domain") or "vpc",
                AssociationId=values.text("association_id"),
                InstanceId=values.text("instance"),
                NetworkInterfaceId=values.text("network_interface"),
                PrivateIpAddress=values.address("private_ip", 4),
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )

    def _eip_association(self, resource: _Resource, values: _Values) -> None:
        allocation = values.text("allocation_id")
        public_ip = values.address("public_ip", 4)
        if allocation is None:
            allocation = next((k for k, v in self.elastic_ips.items() if v["PublicIp"] == public_ip), None)
        item = self.elastic_ips.get(allocation or "")
        if item is None:
            self.warn(resource, "dangling-reference", f"{allocation or public_ip} is not in the state: not loaded")
            return
        for key in ("InstanceId", "NetworkInterfaceId", "PrivateIpAddress"):
            item.pop(key, None)  # the association resource says where the address is
        item.update(
            _clean(
                AssociationId=values.text("id"),
                InstanceId=values.text("instance_id"),
                NetworkInterfaceId=values.text("network_interface_id"),
                PrivateIpAddress=values.address("private_ip_address", 4),
            )
        )

    def _nat_gateway(self, resource: _Resource, values: _Values) -> None:
        rid = self._id(values)
        subnet_id = values.text("subnet_id", True)
        connectivity = values.text("connectivity_type") or "public"
        eni_id = values.text("network_interface_id") or _synthetic_id("eni", rid)
        private_ip = values.address("private_ip", 4, required=True)
        assert private_ip is not None
        allocation = values.text("allocation_id") if connectivity == "public" else None
        self._interface(
            resource,
            values,
            eni_id,
            subnet_id=subnet_id,
            private_ips=[private_ip],
            ipv6=[],
            groups=[],
            description=f"Interface for NAT Gateway {rid}",
            interface_type="nat_gateway",
            requester_managed=True,
        )
        self.emit(
            "NatGateways",
            _clean(
                NatGatewayId=rid,
                SubnetId=subnet_id,
                VpcId=self.subnets.get(subnet_id or "", {}).get("VpcId"),
                State="available",
                ConnectivityType=connectivity,
                NatGatewayAddresses=[
                    _clean(
                        AllocationId=allocation,
                        NetworkInterfaceId=eni_id,
                        PrivateIp=private_ip,
                        PublicIp=values.address("public_ip", 4) if connectivity == "public" else None,
                        AssociationId=values.text("association_id"),
                        IsPrimary=True,
                        Status="succeeded",
                    )
                ],
                Tags=values.tags(),
            ),
            resource.path,
        )
        eip = self.elastic_ips.get(allocation or "")
        if eip is not None:  # the NAT gateway holds its EIP, whatever a stale aws_eip says
            for key in ("InstanceId", "NetworkInterfaceId", "PrivateIpAddress"):
                eip.pop(key, None)
            eip.update(NetworkInterfaceId=eni_id, PrivateIpAddress=private_ip)
            eip.setdefault("AssociationId", values.text("association_id") or _synthetic_id("eipassoc", rid))

    # ------------------------------------------------------------ route tables

    def _route_table(self, resource: _Resource, values: _Values, rid: str | None = None) -> None:
        rid = rid or self._id(values)
        vpc_id = values.text("vpc_id")
        if vpc_id is None:  # aws_default_route_table before refresh: the VPC whose default table it is
            vpc_id = next((v.id for v in self.vpcs.values() if v.default_route_table_id == rid), None)
        if vpc_id is None:
            raise values.error("vpc_id", "missing")
        table = _RouteTable(
            rid,
            vpc_id,
            self.emit(
                "RouteTables",
                _clean(RouteTableId=rid, VpcId=vpc_id, OwnerId=self._owner(values), Tags=values.tags()),
                resource.path,
            ),
        )
        self.route_tables[rid] = table
        table.propagating.extend(values.texts("propagating_vgws"))
        for block in values.blocks("route"):
            self._add_route(table, block, ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id"))

    def _default_route_table(self, resource: _Resource, values: _Values) -> None:
        self._route_table(resource, values, values.text("default_route_table_id") or self._id(values))

    def _add_route(
        self, table: _RouteTable, values: _Values, destinations: tuple[str, str, str], origin: str | None = None
    ) -> None:
        v4, v6, prefix_list = destinations
        destination = values.cidr(v4, 4) or values.cidr(v6, 6) or values.text(prefix_list)
        if destination is None:
            raise values.error(v4, f"a route needs {v4}, {v6} or {prefix_list}")
        targets = {_ROUTE_TARGETS[k]: t for k in _ROUTE_TARGETS if (t := values.text(k)) is not None}
        vpc = self.vpcs.get(table.vpc_id)
        if targets.get("GatewayId") == "local" and vpc is not None and destination in (*vpc.cidrs, *vpc.ipv6):
            return  # the local route, added as AWS lists it (_finish)
        key = (
            "DestinationPrefixListId"
            if destination.startswith("pl-")
            else ("DestinationIpv6CidrBlock" if ":" in destination else "DestinationCidrBlock")
        )
        if destination in table.routes:
            return  # listed both inline and as an aws_route, as a refreshed state does
        state = values.text("state") or "active"
        route = {key: destination, **targets, "Origin": "CreateRoute", "State": state}
        self.origins[id(route)] = origin or values.path
        table.routes[destination] = route

    def _main_route_table_association(self, resource: _Resource, values: _Values) -> None:
        vpc_id = values.text("vpc_id", True) or ""
        self.main_associations[vpc_id] = (values.text("route_table_id", True) or "", values.text("id"))

    def _implicit_route_tables(self) -> None:
        """R1: every VPC has a main table; the default one exists even when Terraform manages another as main."""
        for vpc in self.vpcs.values():
            main, association = self.main_associations.get(vpc.id, (vpc.main_route_table_id, None))
            vpc.main_route_table_id = main
            vpc.main_association_id = association or _synthetic_id("rtbassoc", vpc.id, main)
            for rid in dict.fromkeys((main, vpc.default_route_table_id)):
                if rid not in self.route_tables:
                    self.route_tables[rid] = _RouteTable(
                        rid,
                        vpc.id,
                        self.emit(
                            "RouteTables",
                            _clean(RouteTableId=rid, VpcId=vpc.id, OwnerId=vpc.owner),
                            self.origins[id(vpc.item)],
                        ),
                    )

    def _table(self, resource: _Resource, values: _Values) -> _RouteTable | None:
        table_id = values.text("route_table_id", True) or ""
        table = self.route_tables.get(table_id)
        if table is None:
            self.warn(resource, "dangling-reference", f"{table_id} is not in the state: not loaded", table_id)
        return table

    def _route(self, resource: _Resource, values: _Values) -> None:
        table = self._table(resource, values)
        if table is not None:
            destinations = ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")
            self._add_route(table, values, destinations, resource.path)

    def _route_table_association(self, resource: _Resource, values: _Values) -> None:
        table = self._table(resource, values)
        if table is None:
            return
        association = _clean(
            Main=False,
            RouteTableAssociationId=self._id(values),
            RouteTableId=table.id,
            SubnetId=values.text("subnet_id"),
            GatewayId=values.text("gateway_id"),
            AssociationState=dict(_ASSOCIATED),
        )
        self.origins[id(association)] = resource.path
        table.associations.append(association)

    def _vpn_gateway_route_propagation(self, resource: _Resource, values: _Values) -> None:
        table = self._table(resource, values)
        vgw_id = values.text("vpn_gateway_id", True) or ""
        if table is not None and vgw_id not in table.propagating:
            table.propagating.append(vgw_id)

    # ------------------------------------------------------------ network ACLs

    def _network_acl(self, resource: _Resource, values: _Values, default: bool = False) -> None:
        rid = values.text("default_network_acl_id") if default else None
        rid = rid or self._id(values)
        vpc_id = values.text("vpc_id") or next(
            (v.id for v in self.vpcs.values() if v.default_network_acl_id == rid), None
        )
        if vpc_id is None:
            raise values.error("vpc_id", "missing")
        acl = _NetworkAcl(
            rid,
            vpc_id,
            self.emit(
                "NetworkAcls",
                _clean(
                    NetworkAclId=rid, VpcId=vpc_id, IsDefault=default, OwnerId=self._owner(values), Tags=values.tags()
                ),
                resource.path,
            ),
        )
        self.network_acls[rid] = acl
        for key, egress in (("ingress", False), ("egress", True)):
            for block in values.blocks(key):
                self._entry(acl, block, egress, "rule_no", "action")
        for subnet_id in values.texts("subnet_ids"):
            self._claim_subnet(subnet_id, 2 if default else 1, rid, None, resource.path)

    def _default_network_acl(self, resource: _Resource, values: _Values) -> None:
        self._network_acl(resource, values, default=True)

    def _claim_subnet(self, subnet_id: str, priority: int, acl_id: str, association: str | None, origin: str) -> None:
        held = self.acl_claims.get(subnet_id)
        if held is None or priority < held[0]:
            self.acl_claims[subnet_id] = (priority, acl_id, association, origin)

    def _entry(
        self,
        acl: _NetworkAcl,
        values: _Values,
        egress: bool,
        number_key: str,
        action_key: str,
        origin: str | None = None,
    ) -> None:
        number = values.number(number_key)
        if number is None:
            raise values.error(number_key, "missing")
        action = (values.text(action_key, True) or "").lower()
        if action not in ("allow", "deny"):
            raise values.error(action_key, f"{action!r} is not allow or deny")
        raw = values.data.get("protocol")
        protocol = _PROTOCOLS.get(str(raw).lower()) if raw is not None else None
        if protocol is None and isinstance(raw, str | int) and re.fullmatch(r"\d{1,3}", str(raw)) and int(raw) < 256:
            protocol = int(raw)
        if protocol is None:
            raise values.error("protocol", f"{raw!r} is not a protocol name or number")
        cidr = values.cidr("cidr_block", 4)
        ipv6 = values.cidr("ipv6_cidr_block", 6)
        if (cidr is None) == (ipv6 is None):
            raise values.error("cidr_block", "a rule needs exactly one of cidr_block and ipv6_cidr_block")
        port_range = icmp = None
        if protocol in (6, 17):
            low, high = values.number("from_port"), values.number("to_port")
            port_range = {"From": 0 if low is None else low, "To": 65535 if high is None else high}
        elif protocol in (1, 58):
            kind, code = values.number("icmp_type"), values.number("icmp_code")
            icmp = {"Type": -1 if kind is None else kind, "Code": -1 if code is None else code}
        entry = _clean(
            RuleNumber=number,
            Protocol=str(protocol),
            RuleAction=action,
            Egress=egress,
            CidrBlock=cidr,
            Ipv6CidrBlock=ipv6,
            PortRange=port_range,
            IcmpTypeCode=icmp,
        )
        self.origins[id(entry)] = origin or values.path
        acl.entries.setdefault((egress, number), entry)  # a rule both inline and an aws_network_acl_rule is one

    def _implicit_network_acls(self) -> None:
        """SPEC N3: a VPC's default NACL allows all (rule 100, and 101 for IPv6) unless Terraform manages it."""
        for vpc in self.vpcs.values():
            rid = vpc.default_network_acl_id
            if rid in self.network_acls:
                continue
            acl = _NetworkAcl(
                rid,
                vpc.id,
                self.emit(
                    "NetworkAcls",
                    _clean(NetworkAclId=rid, VpcId=vpc.id, IsDefault=True, OwnerId=vpc.owner),
                    self.origins[id(vpc.item)],
                ),
            )
            self.network_acls[rid] = acl
            for egress in (False, True):
                acl.entries[(egress, 100)] = {
                    "RuleNumber": 100,
                    "Protocol": "-1",
                    "RuleAction": "allow",
                    "Egress": egress,
                    "CidrBlock": "0.0.0.0/0",
                }
                if vpc.ipv6:
                    acl.entries[(egress, 101)] = {
                        "RuleNumber": 101,
                        "Protocol": "-1",
                        "RuleAction": "allow",
                        "Egress": egress,
                        "Ipv6CidrBlock": "::/0",
                    }

    def _network_acl_rule(self, resource: _Resource, values: _Values) -> None:
        acl_id = values.text("network_acl_id", True) or ""
        acl = self.network_acls.get(acl_id)
        if acl is None:
            self.warn(resource, "dangling-reference", f"{acl_id} is not in the state: rule not loaded", acl_id)
            return
        self._entry(acl, values, values.flag("egress", False), "rule_number", "rule_action", resource.path)

    def _network_acl_association(self, resource: _Resource, values: _Values) -> None:
        acl_id = values.text("network_acl_id", True) or ""
        subnet = values.text("subnet_id", True) or ""
        if acl_id not in self.network_acls:
            self.warn(
                resource,
                "dangling-reference",
                f"{acl_id} is not in the state: {subnet} keeps its default ACL",
                acl_id,
            )
            return
        self._claim_subnet(subnet, 0, acl_id, self._id(values), resource.path)

    # ------------------------------------------------------------ load balancing (L1-L3)

    def _lb(self, resource: _Resource, values: _Values) -> None:
        arn = values.text("arn") or self._id(values)
        zones = []
        mappings = values.blocks("subnet_mapping") or [
            _Values({"subnet_id": s}, f"{values.path}.subnets", values.file) for s in values.texts("subnets")
        ]
        for mapping in mappings:
            subnet_id = mapping.text("subnet_id", True) or ""
            address = _clean(
                AllocationId=mapping.text("allocation_id"),
                PrivateIPv4Address=mapping.address("private_ipv4_address", 4),
                IPv6Address=mapping.address("ipv6_address", 6),
            )
            zones.append(
                _clean(
                    ZoneName=self.subnets.get(subnet_id, {}).get("AvailabilityZone"),
                    SubnetId=subnet_id,
                    LoadBalancerAddresses=[address] if address else None,
                )
            )
        zones.sort(key=lambda z: (z.get("ZoneName") or "", z["SubnetId"]))  # sets in the state: AWS lists by AZ
        self.emit(
            "LoadBalancers",
            _clean(
                LoadBalancerArn=arn,
                DNSName=values.text("dns_name"),
                CanonicalHostedZoneId=values.text("zone_id"),
                LoadBalancerName=values.text("name"),
                Scheme="internal" if values.flag("internal", False) else "internet-facing",
                VpcId=values.text("vpc_id"),
                State={"Code": "active"},
                Type=values.text("load_balancer_type") or "application",
                AvailabilityZones=zones,
                SecurityGroups=values.texts("security_groups"),
                IpAddressType=values.text("ip_address_type") or "ipv4",
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )
        if (values.text("load_balancer_type") or "application") == "network":  # an ALB's is always on
            cross_zone = values.flag("enable_cross_zone_load_balancing", False)
            self.emit(
                "LoadBalancerAttributes",
                {
                    "LoadBalancerArn": arn,
                    "Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": str(cross_zone).lower()}],
                },
                resource.path,
                values.region(),
            )

    def _lb_target_group(self, resource: _Resource, values: _Values) -> None:
        arn = values.text("arn") or self._id(values)
        check = next(iter(values.blocks("health_check")), None)
        health = (
            _clean(
                HealthCheckEnabled=check.flag("enabled", True),
                HealthCheckProtocol=check.text("protocol"),
                HealthCheckPort=check.text("port"),
                HealthCheckPath=check.text("path"),
                HealthCheckIntervalSeconds=check.number("interval"),
                HealthCheckTimeoutSeconds=check.number("timeout"),
                HealthyThresholdCount=check.number("healthy_threshold"),
                UnhealthyThresholdCount=check.number("unhealthy_threshold"),
                Matcher={"HttpCode": matcher} if (matcher := check.text("matcher")) else None,
            )
            if check is not None
            else {}
        )
        self.target_groups[arn] = self.emit(
            "TargetGroups",
            _clean(
                TargetGroupArn=arn,
                TargetGroupName=values.text("name"),
                Protocol=values.text("protocol"),
                Port=values.number("port"),
                VpcId=values.text("vpc_id"),
                TargetType=values.text("target_type") or "instance",
                LoadBalancerArns=values.texts("load_balancer_arns"),
                **health,
                Tags=values.tags(),
            ),
            resource.path,
            values.region(),
        )
        self.origins[id(self.targets.setdefault(arn, []))] = resource.path  # its attachments (none yet)
        attributes = [
            {"Key": key, "Value": value}
            for key, value in (
                ("preserve_client_ip.enabled", values.text("preserve_client_ip")),
                ("load_balancing.cross_zone.enabled", values.text("load_balancing_cross_zone_enabled")),
            )
            if value is not None
        ]
        if attributes:
            listed = {"TargetGroupArn": arn, "Attributes": attributes}
            self.emit("TargetGroupAttributes", listed, resource.path, values.region())

    def _lb_listener(self, resource: _Resource, values: _Values) -> None:
        actions = []
        for block in values.blocks("default_action"):
            forward = [
                _clean(TargetGroupArn=group.text("arn", True), Weight=group.number("weight"))
                for forward_block in block.blocks("forward")
                for group in forward_block.blocks("target_group")
            ]
            actions.append(
                _clean(
                    Type=block.text("type", True),
                    TargetGroupArn=block.text("target_group_arn"),
                    Order=block.number("order"),
                    ForwardConfig={"TargetGroups": forward} if forward else None,
                )
            )
        self.listeners.append(
            self.emit(
                "Listeners",
                _clean(
                    ListenerArn=values.text("arn") or self._id(values),
                    LoadBalancerArn=values.text("load_balancer_arn", True),
                    Port=values.number("port"),
                    Protocol=values.text("protocol"),
                    SslPolicy=values.text("ssl_policy"),
                    DefaultActions=actions,
                    Tags=values.tags(),
                ),
                resource.path,
                values.region(),
            )
        )

    def _lb_target_group_attachment(self, resource: _Resource, values: _Values) -> None:
        # Terraform does not know a target's health: TargetHealth is left out rather than guessed.
        target = {
            "Target": _clean(
                Id=values.text("target_id", True),
                Port=values.number("port"),
                AvailabilityZone=values.text("availability_zone"),
            )
        }
        self.origins[id(target)] = resource.path
        self.targets.setdefault(values.text("target_group_arn", True) or "", []).append(target)

    # ------------------------------------------------------------ what AWS lists and the state does not

    def _finish(self) -> None:
        for vpc in self.vpcs.values():
            self._implicit_security_group(vpc)  # unless an aws_default_security_group manages it
        for group in self.security_groups.values():
            for (egress, *_), permission in group.permissions.items():
                group.item.setdefault("IpPermissionsEgress" if egress else "IpPermissions", []).append(permission)
            group.item.setdefault("IpPermissions", [])
            group.item.setdefault("IpPermissionsEgress", [])
        self._finish_addresses()
        names = {g.id: g.item.get("GroupName") for g in self.security_groups.values()}
        for interface in self.interfaces.values():
            self._finish_interface(interface, names)
        for rid, (item, primary_id) in self.instances.items():
            self._finish_instance(rid, item, primary_id, names)
        for endpoint_id, endpoint in self.endpoints.items():
            prefix_list = endpoint.pop("_prefix_list", None)
            for group in endpoint.get("Groups", []):
                group["GroupName"] = names.get(group["GroupId"], group["GroupId"])
            for table_id in endpoint.get("RouteTableIds", []) if prefix_list else []:
                table = self.route_tables.get(table_id)
                if table is not None and prefix_list not in table.routes:
                    table.routes[prefix_list] = {
                        "DestinationPrefixListId": prefix_list,
                        "GatewayId": endpoint_id,
                        "Origin": "CreateRoute",
                        "State": "active",
                    }
        for table in self.route_tables.values():
            self._finish_route_table(table)
        for acl in self.network_acls.values():
            self._finish_network_acl(acl)
        self._finish_transit_gateways()
        for peering in self.peerings.values():
            for side in ("RequesterVpcInfo", "AccepterVpcInfo"):
                peer = self.vpcs.get(peering[side].get("VpcId", ""))
                if peer is not None:
                    peering[side].update(
                        _clean(
                            OwnerId=peering[side].get("OwnerId") or peer.owner,
                            Region=peering[side].get("Region") or peer.region,
                            CidrBlock=peer.cidrs[0],
                            CidrBlockSet=[{"CidrBlock": c} for c in peer.cidrs],
                            Ipv6CidrBlockSet=[{"Ipv6CidrBlock": c} for c in peer.ipv6],
                        )
                    )
        for listener in self.listeners:
            for action in listener.get("DefaultActions", []):
                target_group = self.target_groups.get(action.get("TargetGroupArn", ""))
                balancer = listener.get("LoadBalancerArn")
                if target_group is not None and balancer not in target_group.setdefault("LoadBalancerArns", []):
                    target_group["LoadBalancerArns"].append(balancer)
        for group_arn, targets in self.targets.items():  # every group's, so a group without attachments has none
            origin = self.origins[id(targets[0])] if targets else self.origins[id(targets)]
            self.emit(
                "TargetHealthDescriptions", {"TargetGroupArn": group_arn, "TargetHealthDescriptions": targets}, origin
            )

    def _finish_addresses(self) -> None:
        """P2: each EIP on the private IP it is associated with; an EIP replaces an auto-assigned address."""
        eip_ips = {item["PublicIp"] for item in self.elastic_ips.values()}
        for allocation, item in self.elastic_ips.items():
            eni_id = item.get("NetworkInterfaceId")
            if eni_id is None and item.get("InstanceId") in self.instances:
                eni_id = self.instances[item["InstanceId"]][1]
            interface = self.interfaces.get(eni_id or "")
            if interface is None:
                continue
            private = item.get("PrivateIpAddress") or interface.private_ips[0]
            item.update(NetworkInterfaceId=interface.id, PrivateIpAddress=private)
            item.setdefault("AssociationId", _synthetic_id("eipassoc", allocation))
            if interface.attachment is not None and "InstanceId" in interface.attachment:
                item["InstanceId"] = interface.attachment["InstanceId"]
            if self.owners:
                item.setdefault("NetworkInterfaceOwnerId", sorted(self.owners)[0])
            interface.elastic_ips[private] = _clean(
                PublicIp=item["PublicIp"],
                AllocationId=allocation,
                AssociationId=item["AssociationId"],
                IpOwnerId=item.get("NetworkInterfaceOwnerId", "self"),
            )
        for interface in self.interfaces.values():
            if interface.auto_public_ip in eip_ips or interface.private_ips[0] in interface.elastic_ips:
                interface.auto_public_ip = None

    def _finish_interface(self, interface: _Interface, names: dict[str, Any]) -> None:
        item = interface.item
        subnet = self.subnets.get(interface.subnet_id or "", {})
        item.update(
            _clean(
                VpcId=subnet.get("VpcId"),
                AvailabilityZone=subnet.get("AvailabilityZone"),
                PrivateIpAddress=interface.private_ips[0],
                Groups=[{"GroupId": g, "GroupName": names.get(g, g)} for g in interface.groups],
                Status="in-use" if interface.attachment or item.get("RequesterManaged") else "available",
                Attachment=interface.attachment,
            )
        )
        addresses = []
        for i, private in enumerate(interface.private_ips):
            association = interface.elastic_ips.get(private)
            if association is None and i == 0 and interface.auto_public_ip is not None:
                association = {"PublicIp": interface.auto_public_ip, "IpOwnerId": "amazon"}
            addresses.append(_clean(Primary=i == 0, PrivateIpAddress=private, Association=association))
            if i == 0 and association is not None:
                item["Association"] = association
        item["PrivateIpAddresses"] = addresses

    def _finish_instance(self, rid: str, item: dict[str, Any], primary_id: str | None, names: dict[str, Any]) -> None:
        interfaces = sorted(
            (i for i in self.interfaces.values() if (i.attachment or {}).get("InstanceId") == rid),
            key=lambda i: (i.attachment or {}).get("DeviceIndex") or 0,
        )
        primary = self.interfaces.get(primary_id or "")
        if primary is not None:
            subnet = self.subnets.get(primary.subnet_id or "", {})
            association = primary.item.get("Association", {})
            item.update(
                _clean(
                    SubnetId=primary.subnet_id,
                    VpcId=subnet.get("VpcId"),
                    PrivateIpAddress=primary.private_ips[0],
                    PublicIpAddress=association.get("PublicIp"),
                    SecurityGroups=[{"GroupId": g, "GroupName": names.get(g, g)} for g in primary.groups],
                )
            )
            item.setdefault("Placement", {}).setdefault("AvailabilityZone", subnet.get("AvailabilityZone"))
        item["NetworkInterfaces"] = [dict(i.item) for i in interfaces]
        owner = sorted(self.owners)[0] if self.owners else None
        reservation = _clean(ReservationId=_synthetic_id("r", rid), OwnerId=owner, Instances=[item])
        self.emit("Reservations", reservation, self.origins[id(item)], self.regions[id(item)])

    def _finish_route_table(self, table: _RouteTable) -> None:
        vpc = self.vpcs.get(table.vpc_id)
        local = [
            {
                "DestinationIpv6CidrBlock" if ":" in c else "DestinationCidrBlock": c,
                "GatewayId": "local",
                "Origin": "CreateRouteTable",
                "State": "active",
            }
            for c in ((*vpc.cidrs, *vpc.ipv6) if vpc is not None else ())
        ]
        associations = list(table.associations)
        if vpc is not None and vpc.main_route_table_id == table.id:
            associations.insert(
                0,
                {
                    "Main": True,
                    "RouteTableAssociationId": vpc.main_association_id,
                    "RouteTableId": table.id,
                    "AssociationState": dict(_ASSOCIATED),
                },
            )
        table.item.update(
            Routes=[*local, *table.routes.values()],
            Associations=associations,
            PropagatingVgws=[{"GatewayId": g} for g in table.propagating],
        )

    def _finish_network_acl(self, acl: _NetworkAcl) -> None:
        vpc = self.vpcs.get(acl.vpc_id)
        entries = dict(acl.entries)
        for egress in (False, True):  # SPEC N1: the "*" rules that end every list
            entries.setdefault(
                (egress, 32767),
                {
                    "RuleNumber": 32767,
                    "Protocol": "-1",
                    "RuleAction": "deny",
                    "Egress": egress,
                    "CidrBlock": "0.0.0.0/0",
                },
            )
            if vpc is not None and vpc.ipv6:
                entries.setdefault(
                    (egress, 32768),
                    {
                        "RuleNumber": 32768,
                        "Protocol": "-1",
                        "RuleAction": "deny",
                        "Egress": egress,
                        "Ipv6CidrBlock": "::/0",
                    },
                )
        associations = []
        claimed = [s for s, c in self.acl_claims.items() if c[1] == acl.id and s not in self.subnets]
        for subnet_id, subnet in [*self.subnets.items(), *((s, {}) for s in claimed)]:
            claim = self.acl_claims.get(subnet_id)
            if claim is None and vpc is not None and subnet.get("VpcId") == vpc.id:
                claim = (3, vpc.default_network_acl_id, None, self.origins[id(subnet)])
            if claim is None or claim[1] != acl.id:
                continue
            association = {
                "NetworkAclAssociationId": claim[2] or _synthetic_id("aclassoc", subnet_id),
                "NetworkAclId": acl.id,
                "SubnetId": subnet_id,
            }
            self.origins[id(association)] = claim[3]
            associations.append(association)
        acl.item.update(Entries=[entries[k] for k in sorted(entries)], Associations=associations)

    def _finish_transit_gateways(self) -> None:
        for tgw_id, tgw in self.transit_gateways.items():
            options = tgw["Options"]
            defaults = {options.get("AssociationDefaultRouteTableId"), options.get("PropagationDefaultRouteTableId")}
            for rid in sorted(d for d in defaults if d and d not in self.tgw_tables):  # AWS makes the default table
                self.tgw_tables[rid] = self.emit(
                    "TransitGatewayRouteTables",
                    {
                        "TransitGatewayRouteTableId": rid,
                        "TransitGatewayId": tgw_id,
                        "State": "available",
                        "DefaultAssociationRouteTable": rid == options.get("AssociationDefaultRouteTableId"),
                        "DefaultPropagationRouteTable": rid == options.get("PropagationDefaultRouteTableId"),
                    },
                    self.origins[id(tgw)],
                )
        for attachment in self.attachments.values():
            options = self.transit_gateways.get(attachment.transit_gateway_id, {}).get("Options", {})
            association = attachment.association
            # An attachment associates with and propagates to the TGW's default table when both sides say so.
            if association is None and attachment.default_association:
                association = options.get("AssociationDefaultRouteTableId")
                association = association if options.get("DefaultRouteTableAssociation") == "enable" else None
            default_propagation = options.get("PropagationDefaultRouteTableId")
            propagates = attachment.default_propagation and options.get("DefaultRouteTablePropagation") == "enable"
            propagations = self.tgw_propagations.setdefault(default_propagation, []) if default_propagation else []
            if propagates and attachment.id not in propagations:
                propagations.append(attachment.id)
            self.emit(
                "TransitGatewayAttachments",
                _clean(
                    TransitGatewayAttachmentId=attachment.id,
                    TransitGatewayId=attachment.transit_gateway_id,
                    ResourceOwnerId=attachment.owner,
                    ResourceType=attachment.resource_type,
                    ResourceId=attachment.resource_id,
                    State="available",
                    Association={"TransitGatewayRouteTableId": association, "State": "associated"}
                    if association
                    else None,
                ),
                attachment.origin,
            )
        for table_id, routes in self.tgw_routes.items():
            self.emit(
                "TransitGatewayStaticRoutes",
                {"TransitGatewayRouteTableId": table_id, "Routes": routes},
                self.origins[id(routes[0])],
            )
        for table_id, attachment_ids in self.tgw_propagations.items():
            listed = [
                {
                    "TransitGatewayAttachmentId": a,
                    "ResourceId": self.attachments[a].resource_id,
                    "ResourceType": self.attachments[a].resource_type,
                    "State": "enabled",
                }
                for a in attachment_ids
            ]
            origin = self.origins.get(id(self.tgw_tables.get(table_id)), self.attachments[attachment_ids[0]].origin)
            self.emit(
                "TransitGatewayPropagations",
                {"TransitGatewayRouteTableId": table_id, "TransitGatewayRouteTablePropagations": listed},
                origin,
            )

    # ------------------------------------------------------------ documents

    def _documents(self, provider_regions: set[str]) -> list[Document]:
        """One document per region (named by the state file); an item's region is its own, else its VPC's."""
        subnet_vpc = {rid: item.get("VpcId") for rid, item in self.subnets.items()}
        for vpc in self.vpcs.values():
            if vpc.region is None:
                vpc.region = next(
                    (
                        self.regions[id(s)]
                        for s in self.subnets.values()
                        if s.get("VpcId") == vpc.id and self.regions[id(s)]
                    ),
                    None,
                )
        known = {v.region for v in self.vpcs.values() if v.region} | provider_regions
        default = next(iter(known)) if len(known) == 1 else None
        grouped: dict[str | None, dict[str, list[dict[str, Any]]]] = {}
        for key, items in self.out.items():
            for item in items:
                region = self.regions.get(id(item))
                if region is None:
                    vpc_id = item.get("VpcId") or subnet_vpc.get(item.get("SubnetId", ""))
                    owner = self.vpcs.get(vpc_id or "")
                    region = owner.region if owner is not None else None
                grouped.setdefault(region or default, {}).setdefault(key, []).append(item)
        account = next(iter(self.owners)) if len(self.owners) == 1 else None
        documents = []
        for region, data in sorted(grouped.items(), key=lambda pair: (pair[0] != default, pair[0] or "")):
            label = self.file if region == default else f"{self.file}#{region}"
            origins: dict[str, str] = {}
            for key, items in data.items():
                for i, item in enumerate(items):
                    self._register(origins, f"$.{key}[{i}]", item, self.origins[id(item)])
                    first = next(iter(item.values()), None)
                    if isinstance(first, str):
                        self.by_id[(key, first)] = item
            self.labels[label] = origins
            documents.append(Document(data, label, region, account))
        if not documents:
            self.labels[self.file] = {}
            documents.append(Document({}, self.file, default, account))
        return documents

    def _register(self, origins: dict[str, str], path: str, value: object, origin: str) -> None:
        """Record the Terraform path of every describe object, nested ones included (a route, a rule, ...)."""
        origin = self.origins.get(id(value), origin)
        if isinstance(value, dict):
            origins[path] = origin
            for key, child in value.items():
                if isinstance(child, dict | list):
                    self._register(origins, f"{path}.{key}", child, origin)
        elif isinstance(value, list):
            for i, child in enumerate(value):
                self._register(origins, f"{path}[{i}]", child, origin)


def _sg_protocol(values: _Values, key: str) -> str:
    """A security group protocol as describe-security-groups gives it: tcp, udp, icmp, icmpv6, -1 or a number."""
    raw = values.data.get(key)
    text = str(raw).strip().lower() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    number = _PROTOCOLS.get(text)
    if number is None and re.fullmatch(r"\d{1,3}", text) and int(text) < 256:
        number = int(text)
    if number is None:
        raise values.error(key, f"{raw!r} is not a protocol name or number")
    names = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6", -1: "-1"}
    return names.get(number, str(number))
