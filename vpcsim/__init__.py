"""vpcsim: simulate, packet by packet, what an AWS VPC does with traffic.

Build a network with EC2-like operations (``Network``), then ask what reaches what. Every refused operation raises
:class:`AwsError` with AWS's error code and leaves the network unchanged.
"""

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
