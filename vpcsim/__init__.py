"""vpcsim: simulate, packet by packet, what an AWS VPC does with traffic.

Build a network with EC2-like operations (``Network``), then ask what reaches what. Every refused operation raises
:class:`AwsError` with AWS's error code and leaves the network unchanged.

The names below are imported on first use (PEP 562), so ``import vpcsim`` (and the pytest plugin, the
hypothesis hook and the command line, which import it) stays cheap until a name is needed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vpcsim.engine.endpoints import INTERNET, Endpoint, InternetHost, internet
    from vpcsim.engine.evaluate import Evaluation
    from vpcsim.engine.flows import FlowBatch
    from vpcsim.engine.verdict import EXPLANATIONS, Disposition, Hop, Packet, Trace
    from vpcsim.errors import AwsError, ImportFormatError, InvalidEndpointError, InvalidFlowError, VpcsimError
    from vpcsim.io.aws import load_aws
    from vpcsim.io.export import dump_aws, to_aws
    from vpcsim.io.live import from_boto3
    from vpcsim.io.report import LoadReport, LoadWarning
    from vpcsim.io.terraform import load_terraform
    from vpcsim.model.addresses import ElasticIp
    from vpcsim.model.gateways import (
        CustomerGateway,
        EgressOnlyInternetGateway,
        InternetGateway,
        NatGateway,
        VpcEndpoint,
        VpnConnection,
        VpnGateway,
    )
    from vpcsim.model.instance_types import InstanceTypeInfo, instance_type_info
    from vpcsim.model.interface import ConnectionTracking, Instance, MetadataOptions, NetworkInterface
    from vpcsim.model.load_balancer import HealthCheck, Listener, LoadBalancer, Target, TargetGroup, TargetHealth
    from vpcsim.model.nacl import NetworkAcl, NetworkAclEntry
    from vpcsim.model.peering import VpcPeeringConnection
    from vpcsim.model.prefix_list import ManagedPrefixList
    from vpcsim.model.quotas import Quotas
    from vpcsim.model.route_table import Route, RouteTable, RouteTableAssociation
    from vpcsim.model.security_group import SecurityGroup, SecurityGroupRule
    from vpcsim.model.subnet import Subnet
    from vpcsim.model.transit_gateway import (
        TransitGateway,
        TransitGatewayAttachment,
        TransitGatewayRoute,
        TransitGatewayRouteTable,
    )
    from vpcsim.model.vpc import Vpc
    from vpcsim.network import Network
    from vpcsim.query.diff import Diff, diff
    from vpcsim.query.exposure import Exposure
    from vpcsim.query.resilience import Resilience
    from vpcsim.query.scope import AccessScope, Path, PathSpec, ScopeError
    from vpcsim.sim import Simulator

# Public name -> the module that defines it.
_EXPORTS: dict[str, str] = {
    "AccessScope": "vpcsim.query.scope",
    "AwsError": "vpcsim.errors",
    "ConnectionTracking": "vpcsim.model.interface",
    "CustomerGateway": "vpcsim.model.gateways",
    "Diff": "vpcsim.query.diff",
    "Disposition": "vpcsim.engine.verdict",
    "EXPLANATIONS": "vpcsim.engine.verdict",
    "EgressOnlyInternetGateway": "vpcsim.model.gateways",
    "ElasticIp": "vpcsim.model.addresses",
    "Endpoint": "vpcsim.engine.endpoints",
    "Evaluation": "vpcsim.engine.evaluate",
    "Exposure": "vpcsim.query.exposure",
    "FlowBatch": "vpcsim.engine.flows",
    "HealthCheck": "vpcsim.model.load_balancer",
    "Hop": "vpcsim.engine.verdict",
    "INTERNET": "vpcsim.engine.endpoints",
    "ImportFormatError": "vpcsim.errors",
    "Instance": "vpcsim.model.interface",
    "InstanceTypeInfo": "vpcsim.model.instance_types",
    "InternetGateway": "vpcsim.model.gateways",
    "InternetHost": "vpcsim.engine.endpoints",
    "InvalidEndpointError": "vpcsim.errors",
    "InvalidFlowError": "vpcsim.errors",
    "Listener": "vpcsim.model.load_balancer",
    "LoadBalancer": "vpcsim.model.load_balancer",
    "LoadReport": "vpcsim.io.report",
    "LoadWarning": "vpcsim.io.report",
    "ManagedPrefixList": "vpcsim.model.prefix_list",
    "MetadataOptions": "vpcsim.model.interface",
    "NatGateway": "vpcsim.model.gateways",
    "Network": "vpcsim.network",
    "NetworkAcl": "vpcsim.model.nacl",
    "NetworkAclEntry": "vpcsim.model.nacl",
    "NetworkInterface": "vpcsim.model.interface",
    "Packet": "vpcsim.engine.verdict",
    "Path": "vpcsim.query.scope",
    "PathSpec": "vpcsim.query.scope",
    "Quotas": "vpcsim.model.quotas",
    "Resilience": "vpcsim.query.resilience",
    "Route": "vpcsim.model.route_table",
    "RouteTable": "vpcsim.model.route_table",
    "RouteTableAssociation": "vpcsim.model.route_table",
    "ScopeError": "vpcsim.query.scope",
    "SecurityGroup": "vpcsim.model.security_group",
    "SecurityGroupRule": "vpcsim.model.security_group",
    "Simulator": "vpcsim.sim",
    "Subnet": "vpcsim.model.subnet",
    "Target": "vpcsim.model.load_balancer",
    "TargetGroup": "vpcsim.model.load_balancer",
    "TargetHealth": "vpcsim.model.load_balancer",
    "Trace": "vpcsim.engine.verdict",
    "TransitGateway": "vpcsim.model.transit_gateway",
    "TransitGatewayAttachment": "vpcsim.model.transit_gateway",
    "TransitGatewayRoute": "vpcsim.model.transit_gateway",
    "TransitGatewayRouteTable": "vpcsim.model.transit_gateway",
    "Vpc": "vpcsim.model.vpc",
    "VpcEndpoint": "vpcsim.model.gateways",
    "VpcPeeringConnection": "vpcsim.model.peering",
    "VpcsimError": "vpcsim.errors",
    "VpnConnection": "vpcsim.model.gateways",
    "VpnGateway": "vpcsim.model.gateways",
    "diff": "vpcsim.query.diff",
    "dump_aws": "vpcsim.io.export",
    "from_boto3": "vpcsim.io.live",
    "instance_type_info": "vpcsim.model.instance_types",
    "internet": "vpcsim.engine.endpoints",
    "load_aws": "vpcsim.io.aws",
    "load_terraform": "vpcsim.io.terraform",
    "to_aws": "vpcsim.io.export",
}

__all__ = [
    "HealthCheck",
    "Listener",
    "LoadBalancer",
    "Resilience",
    "Target",
    "TargetGroup",
    "TargetHealth",
    "AccessScope",
    "Diff",
    "Exposure",
    "Path",
    "PathSpec",
    "ScopeError",
    "Simulator",
    "diff",
    "dump_aws",
    "from_boto3",
    "load_aws",
    "load_terraform",
    "to_aws",
    "ImportFormatError",
    "LoadReport",
    "LoadWarning",
    "EXPLANATIONS",
    "INTERNET",
    "AwsError",
    "ConnectionTracking",
    "CustomerGateway",
    "Disposition",
    "EgressOnlyInternetGateway",
    "ElasticIp",
    "Endpoint",
    "Evaluation",
    "FlowBatch",
    "Hop",
    "Instance",
    "InstanceTypeInfo",
    "InternetGateway",
    "InternetHost",
    "InvalidEndpointError",
    "InvalidFlowError",
    "ManagedPrefixList",
    "MetadataOptions",
    "NatGateway",
    "Network",
    "NetworkAcl",
    "NetworkAclEntry",
    "NetworkInterface",
    "Packet",
    "Quotas",
    "Route",
    "RouteTable",
    "RouteTableAssociation",
    "SecurityGroup",
    "SecurityGroupRule",
    "Subnet",
    "Trace",
    "TransitGateway",
    "TransitGatewayAttachment",
    "TransitGatewayRoute",
    "TransitGatewayRouteTable",
    "Vpc",
    "VpcEndpoint",
    "VpcPeeringConnection",
    "VpcsimError",
    "VpnConnection",
    "VpnGateway",
    "instance_type_info",
    "internet",
]

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vpcsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS})
