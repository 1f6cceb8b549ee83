"""Write a network as describe-* JSON (the AWS CLI / boto3 response shapes), so :func:`vpcsim.load_aws` reloads it.

``to_aws`` gives the documents as plain dicts; ``dump_aws`` writes Batfish's ``aws_configs/<region>/<Key>.json``
layout, one folder per region, so a what-if network can be saved, diffed as text, and loaded back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vpcsim.model.gateways import InternetGateway, VpnGateway
from vpcsim.model.interface import ConnectionTracking, NetworkInterface
from vpcsim.model.nacl import DEFAULT_DENY_RULE_IPV4, DEFAULT_DENY_RULE_IPV6
from vpcsim.model.route_table import LOCAL, Route, RouteTable

if TYPE_CHECKING:
    from vpcsim.model.base import Resource
    from vpcsim.model.load_balancer import Listener, LoadBalancer, TargetGroup
    from vpcsim.model.vpc import Vpc
    from vpcsim.network import Network

__all__ = ["MASQUERADE_TAG", "PUBLIC_IP_TAG", "dump_aws", "launch_public_ip", "to_aws"]

# Host configuration EC2 cannot describe (a NAT instance's masquerading) travels as this tag; load_aws reads it back.
MASQUERADE_TAG = "vpcsim:masquerade"
# Whether the launch asked for a public IP (P1), when what describe-instances shows does not tell (launch_public_ip).
PUBLIC_IP_TAG = "vpcsim:associate-public-ip"
# The account id written where AWS shapes carry one; exports do not depend on it.
_ACCOUNT = "000000000000"

_TARGET_KEY = {
    "internet-gateway": "GatewayId",
    "vpn-gateway": "GatewayId",
    "vpc-endpoint": "GatewayId",
    LOCAL: "GatewayId",
    "nat-gateway": "NatGatewayId",
    "network-interface": "NetworkInterfaceId",
    "instance": "InstanceId",
    "vpc-peering-connection": "VpcPeeringConnectionId",
    "transit-gateway": "TransitGatewayId",
    "egress-only-internet-gateway": "EgressOnlyInternetGatewayId",
}
_INSTANCE_STATE_CODES = {
    "pending": 0,
    "running": 16,
    "shutting-down": 32,
    "terminated": 48,
    "stopping": 64,
    "stopped": 80,
}


def to_aws(net: Network, region: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The network as one merged describe-* document (every region, or only ``region``'s VPCs and their parts).

    Examples
    --------
    >>> import vpcsim
    >>> net = vpcsim.Network(region="eu-west-1")
    >>> vpc = net.create_vpc("10.0.0.0/16")
    >>> doc = to_aws(net)
    >>> doc["Vpcs"][0]["CidrBlock"], doc["RouteTables"][0]["Routes"][0]["GatewayId"]
    ('10.0.0.0/16', 'local')
    >>> vpcsim.load_aws(doc).snapshot() == net.snapshot()
    True
    """
    vpcs = [v for v in net.vpcs if region is None or v.region == region]
    keep = {v.id for v in vpcs}

    def mine(vpc: Vpc | None) -> bool:
        return vpc.id in keep if vpc is not None else region in (None, net.region)

    doc: dict[str, list[dict[str, Any]]] = {
        "AvailabilityZones": [
            {"ZoneName": zone, "RegionName": name, "State": "available"}
            for name, zones in net.availability_zones.items()
            if region in (None, name)
            for zone in zones
        ],
        "PrefixLists": [
            {"PrefixListId": p.id, "PrefixListName": p.prefix_list_name, "Cidrs": [str(c) for c in p.entries]}
            for p in net.managed_prefix_lists
            if p.owner_id == "AWS" and mine(None)
        ],
        "ManagedPrefixLists": [
            {
                "PrefixListId": p.id,
                "PrefixListName": p.prefix_list_name,
                "AddressFamily": p.address_family,
                "MaxEntries": p.max_entries,
                "Version": p.version,
                "OwnerId": "AWS" if p.owner_id == "AWS" else _ACCOUNT,
                "State": "create-complete",
                "Entries": [{"Cidr": str(c), "Description": d} for c, d in p.entries.items()],
                **_tags(p),
            }
            for p in net.managed_prefix_lists
            if mine(None)
        ],
        "Vpcs": [_vpc(v) for v in vpcs],
        "Subnets": [_subnet(s) for s in net.subnets if mine(s.vpc)],
        "RouteTables": [_route_table(net, t) for t in net.route_tables if mine(t.vpc)],
        "NetworkAcls": [_network_acl(net, a) for a in net.network_acls if mine(a.vpc)],
        "SecurityGroups": [_security_group(g) for g in net.security_groups if mine(g.vpc)],
        "SecurityGroupRules": [
            _security_group_rule(g, r) for g in net.security_groups if mine(g.vpc) for r in [*g.ingress, *g.egress]
        ],
        "NetworkInterfaces": [_interface(e) for e in net.network_interfaces if mine(e.vpc)],
        "Reservations": [
            {"ReservationId": f"r-{i.id[2:]}", "OwnerId": _ACCOUNT, "Groups": [], "Instances": [_instance(i)]}
            for i in net.instances
            if mine(i.vpc)
        ],
        "Addresses": [
            {
                "AllocationId": e.id,
                "PublicIp": str(e.public_ip),
                "Domain": "vpc",
                **(
                    {
                        "AssociationId": e.association_id,
                        "NetworkInterfaceId": e.network_interface.id,
                        "PrivateIpAddress": str(e.private_ip),
                        **({"InstanceId": e.network_interface.instance.id} if e.network_interface.instance else {}),
                    }
                    if e.network_interface is not None
                    else {}
                ),
                **_tags(e),
            }
            for e in net.elastic_ips
            if mine(e.network_interface.vpc if e.network_interface else None)
        ],
        "InternetGateways": [
            {
                "InternetGatewayId": g.id,
                "Attachments": [{"State": "available", "VpcId": g.vpc.id}] if g.vpc else [],
                **_tags(g),
            }
            for g in net.internet_gateways
            if mine(g.vpc)
        ],
        "EgressOnlyInternetGateways": [
            {
                "EgressOnlyInternetGatewayId": g.id,
                "Attachments": [{"State": "attached", "VpcId": g.vpc.id}],
                **_tags(g),
            }
            for g in net.egress_only_internet_gateways
            if mine(g.vpc)
        ],
        "NatGateways": [
            {
                "NatGatewayId": n.id,
                "SubnetId": n.subnet.id,
                "VpcId": n.vpc.id,
                "State": n.state,
                "ConnectivityType": n.connectivity,
                "NatGatewayAddresses": [
                    {
                        "NetworkInterfaceId": n.network_interface.id,
                        "PrivateIp": str(n.network_interface.private_ip),
                        **(
                            {"AllocationId": n.elastic_ip.id, "PublicIp": str(n.elastic_ip.public_ip)}
                            if n.elastic_ip
                            else {}
                        ),
                        "IsPrimary": True,
                    }
                ]
                if n.network_interface is not None
                else [],
                **({"FailureCode": n.failure_code} if n.failure_code else {}),
                **({"FailureMessage": n.failure_message} if n.failure_message else {}),
                **_tags(n),
            }
            for n in net.nat_gateways
            if mine(n.vpc)
        ],
        "VpcPeeringConnections": [
            {
                "VpcPeeringConnectionId": p.id,
                "RequesterVpcInfo": _peer_info(p.requester_vpc),
                "AccepterVpcInfo": _peer_info(p.accepter_vpc),
                "Status": {"Code": p.status, "Message": p.status_message},
                **_tags(p),
            }
            for p in net.vpc_peering_connections
            if mine(p.requester_vpc) or mine(p.accepter_vpc)
        ],
        "TransitGateways": [
            {
                "TransitGatewayId": t.id,
                "State": "available",
                "OwnerId": _ACCOUNT,
                "Options": {
                    "AmazonSideAsn": t.amazon_side_asn,
                    "DefaultRouteTableAssociation": "enable" if t.default_route_table_association else "disable",
                    "DefaultRouteTablePropagation": "enable" if t.default_route_table_propagation else "disable",
                    **(
                        {
                            "AssociationDefaultRouteTableId": t.default_route_table_id,
                            "PropagationDefaultRouteTableId": t.default_route_table_id,
                        }
                        if t.default_route_table_id
                        else {}
                    ),
                },
                **_tags(t),
            }
            for t in net.transit_gateways
            if mine(None)
        ],
        "TransitGatewayRouteTables": [
            {
                "TransitGatewayRouteTableId": t.id,
                "TransitGatewayId": t.transit_gateway.id,
                "DefaultAssociationRouteTable": t.transit_gateway.default_route_table_id == t.id,
                "DefaultPropagationRouteTable": t.transit_gateway.default_route_table_id == t.id,
                "State": "available",
                **_tags(t),
            }
            for t in net.transit_gateway_route_tables
            if mine(None)
        ],
        "TransitGatewayAttachments": [
            {
                "TransitGatewayAttachmentId": a.id,
                "TransitGatewayId": a.transit_gateway.id,
                "ResourceType": a.resource_type,
                "ResourceId": a.resource_id,
                "State": a.state,
                **(
                    {"Association": {"TransitGatewayRouteTableId": a.association.id, "State": "associated"}}
                    if a.association
                    else {}
                ),
                **_tags(a),
            }
            for a in net.transit_gateway_attachments
            if mine(a.vpc)
        ],
        "TransitGatewayVpcAttachments": [
            {
                "TransitGatewayAttachmentId": a.id,
                "TransitGatewayId": a.transit_gateway.id,
                "VpcId": a.vpc.id,
                "SubnetIds": [s.id for s in a.subnets],
                "Options": {"Ipv6Support": "enable" if a.ipv6_support else "disable"},
                "State": a.state,
                **_tags(a),
            }
            for a in net.transit_gateway_attachments
            if a.vpc is not None and mine(a.vpc)
        ],
        "TransitGatewayPropagations": [
            {
                "TransitGatewayRouteTableId": t.id,
                "TransitGatewayRouteTablePropagations": [
                    _attachment_ref(net, attachment_id) | {"State": "enabled"} for attachment_id in t.propagations
                ],
            }
            for t in net.transit_gateway_route_tables
            if mine(None)
        ],
        "TransitGatewayStaticRoutes": [
            {
                "TransitGatewayRouteTableId": t.id,
                "Routes": [
                    {
                        "DestinationCidrBlock": str(r.destination),
                        "Type": r.type,
                        "State": r.state,
                        "TransitGatewayAttachments": [_attachment_ref(net, r.attachment_id)]
                        if r.attachment_id
                        else [],
                    }
                    for r in t.routes
                ],
                "AdditionalRoutesAvailable": False,
            }
            for t in net.transit_gateway_route_tables
            if mine(None)
        ],
        "VpnGateways": [
            {
                "VpnGatewayId": g.id,
                "AmazonSideAsn": g.amazon_side_asn,
                "State": "available",
                "Type": "ipsec.1",
                "VpcAttachments": [{"State": "attached", "VpcId": g.vpc.id}] if g.vpc else [],
                **_tags(g),
            }
            for g in net.vpn_gateways
            if mine(g.vpc)
        ],
        "CustomerGateways": [
            {
                "CustomerGatewayId": c.id,
                "IpAddress": str(c.ip_address),
                "BgpAsn": str(c.bgp_asn),
                "State": "available",
                "Type": "ipsec.1",
                **_tags(c),
            }
            for c in net.customer_gateways
            if mine(None)
        ],
        "VpnConnections": [
            {
                "VpnConnectionId": v.id,
                "CustomerGatewayId": v.customer_gateway.id,
                **({"VpnGatewayId": v.vpn_gateway_id} if v.vpn_gateway_id else {}),
                **({"TransitGatewayId": v.transit_gateway_id} if v.transit_gateway_id else {}),
                "Routes": [
                    {"DestinationCidrBlock": str(c), "Source": "Static", "State": "available"} for c in v.routes
                ],
                "Options": {"StaticRoutesOnly": True},
                "State": v.state,
                "Type": "ipsec.1",
                **_tags(v),
            }
            for v in net.vpn_connections
            if mine(None)
        ],
        "VpcEndpoints": [
            {
                "VpcEndpointId": e.id,
                "VpcEndpointType": e.vpc_endpoint_type,
                "VpcId": e.vpc.id,
                "ServiceName": e.service_name,
                "State": e.state,
                "RouteTableIds": list(e.route_table_ids),
                **_tags(e),
            }
            for e in net.vpc_endpoints
            if mine(e.vpc)
        ],
        "LoadBalancers": [_load_balancer(lb) for lb in net.load_balancers if mine(lb.vpc)],
        "LoadBalancerAttributes": [
            {
                "LoadBalancerArn": lb.id,
                "Attributes": [{"Key": "load_balancing.cross_zone.enabled", "Value": _flag(lb.cross_zone)}],
            }
            for lb in net.load_balancers
            if mine(lb.vpc)
        ],
        "TargetGroups": [_target_group(net, tg) for tg in net.target_groups if mine(tg.vpc)],
        "TargetGroupAttributes": [
            {"TargetGroupArn": tg.id, "Attributes": _target_group_attributes(tg)}
            for tg in net.target_groups
            if mine(tg.vpc)
        ],
        "Listeners": [_listener(x) for x in net.listeners if mine(x.load_balancer.vpc)],
        "TargetHealthDescriptions": [_target_health(net, tg) for tg in net.target_groups if mine(tg.vpc)],
    }
    return doc


def dump_aws(net: Network, path: str | os.PathLike[str]) -> list[Path]:
    """Write ``net`` as Batfish's snapshot layout: ``<path>/aws_configs/<region>/<Key>.json``; returns the files.

    Each region's folder holds its VPCs and what belongs to them; resources of no VPC (transit gateways, prefix
    lists, customer gateways, unattached gateways) go with the network's own region. The layout does not say which
    region is the network's home: ``load_aws(path, region=net.region)`` restores it.
    """
    root = Path(path) / "aws_configs"
    written = []
    regions = dict.fromkeys([net.region, *(v.region for v in net.vpcs)])  # load_aws(path, region=net.region)
    for region in regions:
        folder = root / region
        folder.mkdir(parents=True, exist_ok=True)
        for key, items in to_aws(net, region).items():
            file = folder / f"{key}.json"
            file.write_text(json.dumps({key: items}, indent=1, sort_keys=True))
            written.append(file)
    return written


# ---------------------------------------------------------------------------------------------------- shapes


def _tags(resource: Resource, key: str = "Tags") -> dict[str, list[dict[str, str]]]:
    return {key: [{"Key": k, "Value": v} for k, v in resource.tags.items()]} if resource.tags else {}


def _vpc(vpc: Vpc) -> dict[str, Any]:
    return {
        "VpcId": vpc.id,
        "CidrBlock": str(vpc.cidr_block),
        "CidrBlockAssociationSet": [
            {"CidrBlock": str(c), "CidrBlockState": {"State": "associated"}} for c in vpc.cidr_blocks
        ],
        **(
            {
                "Ipv6CidrBlockAssociationSet": [
                    {"Ipv6CidrBlock": str(vpc.ipv6_cidr_block), "Ipv6CidrBlockState": {"State": "associated"}}
                ]
            }
            if vpc.ipv6_cidr_block
            else {}
        ),
        "State": "available",
        "IsDefault": False,
        "OwnerId": _ACCOUNT,
        "EnableDnsSupport": vpc.enable_dns_support,
        "EnableDnsHostnames": vpc.enable_dns_hostnames,
        **_tags(vpc),
    }


def _subnet(subnet: Any) -> dict[str, Any]:
    return {
        "SubnetId": subnet.id,
        "VpcId": subnet.vpc.id,
        "CidrBlock": str(subnet.cidr_block),
        "AvailabilityZone": subnet.availability_zone,
        **(
            {
                "Ipv6CidrBlockAssociationSet": [
                    {"Ipv6CidrBlock": str(subnet.ipv6_cidr_block), "Ipv6CidrBlockState": {"State": "associated"}}
                ]
            }
            if subnet.ipv6_cidr_block
            else {}
        ),
        "MapPublicIpOnLaunch": subnet.map_public_ip_on_launch,
        "AssignIpv6AddressOnCreation": subnet.assign_ipv6_address_on_creation,
        "AvailableIpAddressCount": subnet.available_ip_address_count,
        "State": "available",
        **_tags(subnet),
    }


def _route(route: Route) -> dict[str, Any]:
    if route.destination is None:
        destination = {"DestinationPrefixListId": route.destination_prefix_list_id}
    elif route.destination.version == 4:
        destination = {"DestinationCidrBlock": str(route.destination)}
    else:
        destination = {"DestinationIpv6CidrBlock": str(route.destination)}
    return destination | {_TARGET_KEY[route.target_kind]: route.target, "Origin": route.origin, "State": route.state}


def _route_table(net: Network, table: RouteTable) -> dict[str, Any]:
    associations: list[dict[str, Any]] = []
    if table.is_main:
        associations.append(
            {
                "Main": True,
                "RouteTableAssociationId": table.vpc.main_route_table_association_id,
                "RouteTableId": table.id,
                "AssociationState": {"State": "associated"},
            }
        )
    for subnet in net.subnets:
        if subnet.route_table_association is not None and subnet.route_table_association.route_table is table:
            associations.append(
                {
                    "Main": False,
                    "RouteTableAssociationId": subnet.route_table_association.id,
                    "RouteTableId": table.id,
                    "SubnetId": subnet.id,
                    "AssociationState": {"State": "associated"},
                }
            )
    gateways: list[InternetGateway | VpnGateway] = [*net.internet_gateways, *net.vpn_gateways]
    for gateway in gateways:
        if gateway.edge_association is not None and gateway.edge_association.route_table is table:
            associations.append(
                {
                    "Main": False,
                    "RouteTableAssociationId": gateway.edge_association.id,
                    "RouteTableId": table.id,
                    "GatewayId": gateway.id,
                    "AssociationState": {"State": "associated"},
                }
            )
    return {
        "RouteTableId": table.id,
        "VpcId": table.vpc.id,
        "OwnerId": _ACCOUNT,
        "Routes": [_route(r) for r in table.routes],
        "Associations": associations,
        "PropagatingVgws": [{"GatewayId": g} for g in table.propagating_vgws],
        **_tags(table),
    }


def _network_acl(net: Network, acl: Any) -> dict[str, Any]:
    entries = []
    for entry in acl.entries:
        item: dict[str, Any] = {
            "RuleNumber": entry.rule_number,
            "Egress": entry.egress,
            "Protocol": str(entry.protocol),
            "RuleAction": entry.rule_action,
            ("CidrBlock" if entry.cidr.version == 4 else "Ipv6CidrBlock"): str(entry.cidr),
        }
        if entry.port_range is not None:
            item["PortRange"] = {"From": entry.port_range[0], "To": entry.port_range[1]}
        if entry.icmp_type_code is not None:
            item["IcmpTypeCode"] = {"Type": entry.icmp_type_code[0], "Code": entry.icmp_type_code[1]}
        entries.append(item)
    # SPEC N1: the "*" rules AWS lists at the end of each direction.
    for egress in (False, True):
        entries.append(
            {
                "RuleNumber": DEFAULT_DENY_RULE_IPV4,
                "Egress": egress,
                "Protocol": "-1",
                "RuleAction": "deny",
                "CidrBlock": "0.0.0.0/0",
            }
        )
        if acl.vpc.ipv6_cidr_block is not None:
            entries.append(
                {
                    "RuleNumber": DEFAULT_DENY_RULE_IPV6,
                    "Egress": egress,
                    "Protocol": "-1",
                    "RuleAction": "deny",
                    "Ipv6CidrBlock": "::/0",
                }
            )
    return {
        "NetworkAclId": acl.id,
        "VpcId": acl.vpc.id,
        "IsDefault": acl.is_default,
        "OwnerId": _ACCOUNT,
        "Entries": entries,
        "Associations": [
            {"NetworkAclAssociationId": s.network_acl_association_id, "NetworkAclId": acl.id, "SubnetId": s.id}
            for s in net.subnets
            if s.network_acl is acl
        ],
        **_tags(acl),
    }


def _security_group(group: Any) -> dict[str, Any]:
    def permissions(rules: Iterable[Any]) -> list[dict[str, Any]]:
        out = []
        for rule in rules:  # one permission per rule keeps the model's order
            item: dict[str, Any] = {"IpProtocol": _protocol(rule.protocol)}
            if rule.from_port is not None:
                item["FromPort"], item["ToPort"] = rule.from_port, rule.to_port
            peer: dict[str, Any]
            if rule.cidr is not None and rule.cidr.version == 4:
                item["IpRanges"] = [{"CidrIp": str(rule.cidr), **_description(rule)}]
            elif rule.cidr is not None:
                item["Ipv6Ranges"] = [{"CidrIpv6": str(rule.cidr), **_description(rule)}]
            elif rule.prefix_list_id is not None:
                item["PrefixListIds"] = [{"PrefixListId": rule.prefix_list_id, **_description(rule)}]
            else:
                peer = {"GroupId": rule.group_id, "UserId": _ACCOUNT, **_description(rule)}
                item["UserIdGroupPairs"] = [peer]
            out.append(item)
        return out

    return {
        "GroupId": group.id,
        "GroupName": group.group_name,
        "Description": group.description,
        "VpcId": group.vpc.id,
        "OwnerId": _ACCOUNT,
        "IpPermissions": permissions(group.ingress),
        "IpPermissionsEgress": permissions(group.egress),
        **_tags(group),
    }


def _security_group_rule(group: Any, rule: Any) -> dict[str, Any]:
    """describe-security-group-rules: the one shape that carries rule ids."""
    if rule.cidr is not None:
        peer: dict[str, Any] = {("CidrIpv4" if rule.cidr.version == 4 else "CidrIpv6"): str(rule.cidr)}
    elif rule.prefix_list_id is not None:
        peer = {"PrefixListId": rule.prefix_list_id}
    else:
        peer = {"ReferencedGroupInfo": {"GroupId": rule.group_id, "UserId": _ACCOUNT}}
    return {
        "SecurityGroupRuleId": rule.id,
        "GroupId": group.id,
        "GroupOwnerId": _ACCOUNT,
        "IsEgress": rule.egress,
        "IpProtocol": _protocol(rule.protocol),
        "FromPort": -1 if rule.from_port is None else rule.from_port,
        "ToPort": -1 if rule.to_port is None else rule.to_port,
        **peer,
        **_description(rule),
    }


def _protocol(number: int) -> str:
    return {6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6"}.get(number, str(number))


def _description(rule: Any) -> dict[str, str]:
    return {"Description": rule.description} if rule.description else {}


def _public_association(eni: NetworkInterface, private: Any) -> dict[str, Any] | None:
    eip = eni.elastic_ips.get(private)
    if eip is not None:
        return {
            "PublicIp": str(eip.public_ip),
            "AllocationId": eip.id,
            "AssociationId": eip.association_id,
            "IpOwnerId": _ACCOUNT,
        }
    if private == eni.private_ip and eni.auto_public_ip is not None:
        owner = "amazon-elb" if eni.requester_managed and eni.description.startswith("ELB ") else "amazon"
        return {"PublicIp": str(eni.auto_public_ip), "IpOwnerId": owner}
    return None


def _interface(eni: NetworkInterface) -> dict[str, Any]:
    primary = _public_association(eni, eni.private_ip)
    item: dict[str, Any] = {
        "NetworkInterfaceId": eni.id,
        "SubnetId": eni.subnet.id,
        "VpcId": eni.vpc.id,
        "AvailabilityZone": eni.availability_zone,
        "MacAddress": eni.mac_address,
        "PrivateIpAddress": str(eni.private_ip),
        "PrivateIpAddresses": [
            {
                "PrivateIpAddress": str(p),
                "Primary": i == 0,
                **({"Association": a} if (a := _public_association(eni, p)) is not None else {}),
            }
            for i, p in enumerate(eni.private_ip_addresses)
        ],
        "Ipv6Addresses": [{"Ipv6Address": str(a)} for a in eni.ipv6_addresses],
        "Groups": [{"GroupId": g.id, "GroupName": g.group_name} for g in eni.security_groups],
        "SourceDestCheck": eni.source_dest_check,
        "Description": eni.description,
        "InterfaceType": eni.interface_type,
        "RequesterManaged": eni.requester_managed,
        "Status": "in-use" if eni.instance is not None or eni.requester_managed else "available",
        "OwnerId": _ACCOUNT,
        **_tags(eni, "TagSet"),
    }
    if primary is not None:
        item["Association"] = primary
    if eni.connection_tracking != ConnectionTracking():
        tracking = eni.connection_tracking
        item["ConnectionTrackingConfiguration"] = {
            "TcpEstablishedTimeout": tracking.tcp_established_timeout,
            "UdpStreamTimeout": tracking.udp_stream_timeout,
            "UdpTimeout": tracking.udp_timeout,
        }
    if eni.instance is not None or eni.attachment_id is not None:
        item["Attachment"] = {
            **({"AttachmentId": eni.attachment_id} if eni.attachment_id else {}),
            **({"DeviceIndex": eni.device_index} if eni.device_index is not None else {}),
            "DeleteOnTermination": eni.delete_on_termination,
            **({"InstanceId": eni.instance.id, "InstanceOwnerId": _ACCOUNT} if eni.instance else {}),
            "Status": "attached",
        }
    return item


def _instance(instance: Any) -> dict[str, Any]:
    options = instance.metadata_options
    tags = dict(instance.tags)
    if instance.masquerade:
        tags[MASQUERADE_TAG] = "true"
    if launch_public_ip(instance.primary_network_interface, instance.state) != instance.associate_public_ip:
        tags[PUBLIC_IP_TAG] = "true" if instance.associate_public_ip else "false"
    primary = instance.primary_network_interface
    return {
        "InstanceId": instance.id,
        "InstanceType": instance.instance_type,
        "State": {"Code": _INSTANCE_STATE_CODES.get(instance.state, 16), "Name": instance.state},
        "SubnetId": instance.subnet.id,
        "VpcId": instance.vpc.id,
        "PrivateIpAddress": str(instance.private_ip),
        **({"PublicIpAddress": str(instance.public_ip)} if instance.public_ip else {}),
        "Placement": {"AvailabilityZone": instance.availability_zone},
        "SecurityGroups": [{"GroupId": g.id, "GroupName": g.group_name} for g in instance.security_groups],
        "SourceDestCheck": primary.source_dest_check,
        "NetworkInterfaces": [
            {
                "NetworkInterfaceId": eni.id,
                "SubnetId": eni.subnet.id,
                "VpcId": eni.vpc.id,
                "PrivateIpAddress": str(eni.private_ip),
                "Attachment": {
                    **({"AttachmentId": eni.attachment_id} if eni.attachment_id else {}),
                    "DeviceIndex": eni.device_index if eni.device_index is not None else i,
                    "DeleteOnTermination": eni.delete_on_termination,
                    "Status": "attached",
                },
            }
            for i, eni in enumerate(instance.network_interfaces)
        ],
        **(
            {"IamInstanceProfile": {"Arn": f"arn:aws:iam::{_ACCOUNT}:instance-profile/{instance.iam_role}"}}
            if instance.iam_role
            else {}
        ),
        "MetadataOptions": {
            "State": "applied",
            "HttpEndpoint": options.http_endpoint,
            "HttpTokens": options.http_tokens,
            "HttpPutResponseHopLimit": options.http_put_response_hop_limit,
            "HttpProtocolIpv6": options.http_protocol_ipv6,
            "InstanceMetadataTags": options.instance_metadata_tags,
        },
        **({"Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} if tags else {}),
    }


def launch_public_ip(primary: NetworkInterface, state: str) -> bool:
    """P1: what describe-instances tells of a launch's public IP choice: an auto-assigned IP says yes; when an EIP or
    a stop hides it, the subnet's setting (the launch default) stands in."""
    if primary.auto_public_ip is not None:
        return True
    hidden = state != "running" or primary.private_ip in primary.elastic_ips
    return hidden and primary.subnet.map_public_ip_on_launch


def _peer_info(vpc: Vpc) -> dict[str, Any]:
    return {"VpcId": vpc.id, "CidrBlock": str(vpc.cidr_block), "OwnerId": _ACCOUNT, "Region": vpc.region}


def _attachment_ref(net: Network, attachment_id: str) -> dict[str, Any]:
    from vpcsim.model.transit_gateway import TransitGatewayAttachment

    attachment = net._store[TransitGatewayAttachment].get(attachment_id)
    ref: dict[str, Any] = {"TransitGatewayAttachmentId": attachment_id}
    if isinstance(attachment, TransitGatewayAttachment):
        ref |= {"ResourceId": attachment.resource_id, "ResourceType": attachment.resource_type}
    return ref


# ---------------------------------------------------------------------------------------------------- load balancing


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _load_balancer(lb: LoadBalancer) -> dict[str, Any]:
    """describe-load-balancers; an NLB created without security groups lists none (no ``SecurityGroups`` key)."""
    zones = []
    for subnet in lb.subnets:
        node = next((n for n in lb.nodes if n.subnet is subnet), None)
        addresses: list[dict[str, str]] = []
        if node is not None and lb.is_network:
            eip = node.elastic_ips.get(node.private_ip)
            if lb.scheme == "internal":
                addresses.append({"PrivateIPv4Address": str(node.private_ip)})
            elif eip is not None:
                addresses.append({"IpAddress": str(eip.public_ip), "AllocationId": eip.id})
            elif node.auto_public_ip is not None:
                addresses.append({"IpAddress": str(node.auto_public_ip)})
        zones.append(
            {"ZoneName": subnet.availability_zone, "SubnetId": subnet.id, "LoadBalancerAddresses": addresses}
        )
    return {
        "LoadBalancerArn": lb.id,
        "DNSName": lb.dns_name,
        "LoadBalancerName": lb.lb_name,
        "Scheme": lb.scheme,
        "VpcId": lb.vpc.id,
        "State": {"Code": lb.state},
        "Type": lb.type,
        "AvailabilityZones": zones,
        **({"SecurityGroups": [g.id for g in lb.security_groups]} if lb.security_groups is not None else {}),
        "IpAddressType": "ipv4",
        **_tags(lb),
    }


def _target_group(net: Network, tg: TargetGroup) -> dict[str, Any]:
    check = tg.health_check
    balancers = dict.fromkeys(x.load_balancer.id for x in net.listeners if x.target_group is tg)
    return {
        "TargetGroupArn": tg.id,
        "TargetGroupName": tg.tg_name,
        "Protocol": tg.protocol,
        "Port": tg.port,
        "VpcId": tg.vpc.id,
        "TargetType": tg.target_type,
        "HealthCheckEnabled": check.enabled,
        "HealthCheckProtocol": check.protocol,
        "HealthCheckPort": "traffic-port" if check.port is None else str(check.port),
        **({"HealthCheckPath": check.path} if check.path is not None else {}),
        "LoadBalancerArns": list(balancers),
        "IpAddressType": "ipv4",
        **_tags(tg),
    }


def _target_group_attributes(tg: TargetGroup) -> list[dict[str, str]]:
    """describe-target-group-attributes: cross-zone always; client IP preservation when set (None: AWS's
    default for the group, L1)."""
    cross = "use_load_balancer_configuration" if tg.cross_zone is None else _flag(tg.cross_zone)
    attributes = [{"Key": "load_balancing.cross_zone.enabled", "Value": cross}]
    if tg.preserve_client_ip is not None:
        attributes.append({"Key": "preserve_client_ip.enabled", "Value": _flag(tg.preserve_client_ip)})
    return attributes


def _listener(listener: Listener) -> dict[str, Any]:
    group = listener.target_group.id
    return {
        "ListenerArn": listener.id,
        "LoadBalancerArn": listener.load_balancer.id,
        "Port": listener.port,
        "Protocol": listener.protocol,
        "DefaultActions": [
            {
                "Type": "forward",
                "TargetGroupArn": group,
                "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": group, "Weight": 1}]},
            }
        ],
        **_tags(listener),
    }


def _target_health(net: Network, tg: TargetGroup) -> dict[str, Any]:
    """describe-target-health of one group, in vpcsim's wrapper that names the group; targets in registration
    order. ``Port`` is written only when the target was registered with one (else the group's port applies)."""
    health = {row.target: row for row in net.describe_target_health(tg)}
    rows = []
    for target in tg.targets:
        row = health[target]
        port = tg.health_check.port or target.port or tg.port
        rows.append(
            {
                "Target": {
                    "Id": target.id,
                    **({"Port": target.port} if target.port is not None else {}),
                    **({"AvailabilityZone": target.availability_zone} if target.availability_zone else {}),
                },
                "HealthCheckPort": str(port),
                "TargetHealth": {
                    "State": row.state,
                    **({"Reason": row.reason} if row.reason else {}),
                    **({"Description": row.description} if row.description else {}),
                },
            }
        )
    return {"TargetGroupArn": tg.id, "TargetHealthDescriptions": rows}
