"""Network interfaces (ENIs) and the instances they attach to (SPEC E1-E7, P1, M2)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.addresses import ElasticIp
    from vpcsim.model.security_group import SecurityGroup
    from vpcsim.model.subnet import Subnet
    from vpcsim.model.vpc import Vpc

__all__ = ["ConnectionTracking", "Instance", "MetadataOptions", "NetworkInterface"]


@attrs.frozen(kw_only=True)
class ConnectionTracking:
    """Idle timeouts (seconds) of tracked connections through an ENI (SPEC G6), with AWS's defaults.

    Ranges: TCP established 60..432000, UDP stream 60..180, UDP single exchange 30..60.
    """

    tcp_established_timeout: int = 432000
    udp_stream_timeout: int = 180
    udp_timeout: int = 30


@attrs.define(eq=False, kw_only=True, repr=False)
class NetworkInterface(Resource):
    """An ENI. ``private_ip_addresses[0]`` is the primary private IPv4 (E4).

    ``elastic_ips`` maps private IPs to the EIPs associated with them (P2); ``auto_public_ip`` is the public IPv4
    assigned at launch (P1). The OS sees only private addresses; the public ones live at the IGW (E7, P3).
    """

    subnet: Subnet
    mac_address: str
    private_ip_addresses: list[ipaddress.IPv4Address]
    ipv6_addresses: list[ipaddress.IPv6Address] = attrs.field(factory=list)
    security_groups: list[SecurityGroup] = attrs.field(factory=list)
    source_dest_check: bool = True
    description: str = ""
    interface_type: str = "interface"
    requester_managed: bool = False
    instance: Instance | None = None
    device_index: int | None = None
    attachment_id: str | None = None
    delete_on_termination: bool = False
    auto_public_ip: ipaddress.IPv4Address | None = None
    connection_tracking: ConnectionTracking = attrs.field(factory=ConnectionTracking)
    elastic_ips: dict[ipaddress.IPv4Address, ElasticIp] = attrs.field(factory=dict)

    @property
    def private_ip(self) -> ipaddress.IPv4Address:
        """The primary private IPv4 address."""
        return self.private_ip_addresses[0]

    @property
    def public_ip(self) -> ipaddress.IPv4Address | None:
        """The public IPv4 of the primary private IP: its EIP, else the auto-assigned address (P2), else None."""
        eip = self.elastic_ips.get(self.private_ip)
        return eip.public_ip if eip is not None else self.auto_public_ip

    @property
    def public_ips(self) -> dict[ipaddress.IPv4Address, ipaddress.IPv4Address]:
        """Private IP -> public IP, as the internet gateway maps them (P3)."""
        mapping = {private: eip.public_ip for private, eip in self.elastic_ips.items()}
        if self.auto_public_ip is not None and self.private_ip not in mapping:
            mapping[self.private_ip] = self.auto_public_ip
        return mapping

    @property
    def vpc(self) -> Vpc:
        return self.subnet.vpc

    @property
    def availability_zone(self) -> str:
        return self.subnet.availability_zone

    @property
    def addresses(self) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        """Every private address (IPv4 then IPv6): what source/dest check accepts (E5)."""
        return [*self.private_ip_addresses, *self.ipv6_addresses]

    def _repr_details(self) -> str:
        return f"{self.private_ip} in {self.subnet.id}"


@attrs.define(kw_only=True)
class MetadataOptions:
    """Instance metadata service options (SPEC M2), with AWS's defaults."""

    http_endpoint: str = "enabled"
    http_tokens: str = "optional"
    http_put_response_hop_limit: int = 1
    http_protocol_ipv6: str = "disabled"
    instance_metadata_tags: str = "disabled"


@attrs.define(eq=False, kw_only=True, repr=False)
class Instance(Resource):
    """An EC2 instance. ``network_interfaces`` is ordered by device index; index 0 is the primary ENI (E1)."""

    instance_type: str
    state: str = "running"
    network_interfaces: list[NetworkInterface] = attrs.field(factory=list)
    metadata_options: MetadataOptions = attrs.field(factory=MetadataOptions)
    associate_public_ip: bool = False
    # The IAM role of its instance profile: IMDS serves credentials for it (M3, M4). None: no profile.
    iam_role: str | None = None
    # Host configuration EC2 cannot see: the OS masquerades forwarded traffic to its own address (a NAT instance).
    masquerade: bool = False

    @property
    def primary_network_interface(self) -> NetworkInterface:
        return self.network_interfaces[0]

    @property
    def subnet(self) -> Subnet:
        return self.primary_network_interface.subnet

    @property
    def vpc(self) -> Vpc:
        return self.subnet.vpc

    @property
    def availability_zone(self) -> str:
        return self.subnet.availability_zone

    @property
    def private_ip(self) -> ipaddress.IPv4Address:
        return self.primary_network_interface.private_ip

    @property
    def public_ip(self) -> ipaddress.IPv4Address | None:
        return self.primary_network_interface.public_ip

    @property
    def security_groups(self) -> list[SecurityGroup]:
        return self.primary_network_interface.security_groups

    def _repr_details(self) -> str:
        return f"{self.instance_type} {self.state} {self.private_ip}"
