"""The two ends of a flow: resources, ids, addresses, the internet and on-premises hosts.

``trace(src, dst)`` accepts an instance, ENI, NAT gateway or internet gateway object, an id string, an IP string
(private, public or Elastic IP; an address outside the model is an internet host, or an on-premises host when a
VPN connection routes to it), :data:`INTERNET` or :func:`internet`. Anything else, or anything ambiguous, is a
``ValueError`` that names it.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.addr import IPAddress, IPNetwork
from vpcsim.errors import InvalidEndpointError
from vpcsim.model.addresses import ElasticIp
from vpcsim.model.base import Resource
from vpcsim.model.gateways import InternetGateway, NatGateway, VpnConnection
from vpcsim.model.interface import Instance, NetworkInterface
from vpcsim.model.load_balancer import LoadBalancer

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = [
    "IMDS_ADDRESSES",
    "INTERNET",
    "LINK_LOCAL_SERVICES",
    "Endpoint",
    "InternetHost",
    "internet",
    "load_balancer_named",
    "resolve_endpoints",
]


@attrs.frozen
class InternetHost:
    """A host on the internet: a given address, or (``address=None``) any internet host."""

    address: IPAddress | None = None

    def __repr__(self) -> str:
        return "vpcsim.INTERNET" if self.address is None else f"vpcsim.internet({str(self.address)!r})"


INTERNET = InternetHost()
"""Any host on the internet. A trace uses a representative address that no rule of the network names
specifically (only rules as wide as /0../7 cover it), so it answers "can the internet at large reach this"."""


def internet(address: str | IPAddress) -> InternetHost:
    """A specific internet host, e.g. ``vpcsim.internet("198.51.100.7")``.

    Examples
    --------
    >>> internet("198.51.100.7")
    vpcsim.internet('198.51.100.7')
    >>> internet("10.0.0.300")
    Traceback (most recent call last):
    ...
    vpcsim.errors.InvalidEndpointError: '10.0.0.300' is not an IP address.
    """
    return InternetHost(_address(address))


# SPEC M1, R8: link-local services answered by the instance's own host, never routed.
IMDS_ADDRESSES = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))
LINK_LOCAL_SERVICES: dict[IPAddress, str] = {
    IMDS_ADDRESSES[0]: "instance-metadata",
    IMDS_ADDRESSES[1]: "instance-metadata",
    ipaddress.ip_address("169.254.169.253"): "dns-resolver",
    ipaddress.ip_address("fd00:ec2::253"): "dns-resolver",
    ipaddress.ip_address("169.254.169.123"): "time-sync",
    ipaddress.ip_address("fd00:ec2::123"): "time-sync",
}
LINK_LOCAL = ipaddress.ip_network("169.254.168.0/22")

_INTERNET_CANDIDATES = {
    4: ["198.51.100.1", "192.0.2.1", "203.0.113.1", "45.33.32.1", "1.2.3.4"],
    6: ["2001:db8::1", "2001:db8:ffff::1", "2600:1f18::1", "2a00:1450::1"],
}


def _address(value: object) -> IPAddress:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise InvalidEndpointError(f"{value!r} is not an IP address.") from None


@attrs.frozen
class Endpoint:
    """A resolved end of a flow.

    ``kind`` is ``network-interface``, ``internet``, ``on-premises``, ``link-local`` (IMDS, DNS, time sync) or
    ``address`` (an address of a VPC that no ENI holds); ``address`` is the IP the packet carries.
    """

    kind: str
    address: IPAddress
    label: str
    network_interface: NetworkInterface | None = None
    vpn_connection: VpnConnection | None = None

    @property
    def is_outside(self) -> bool:
        """Outside the modelled VPCs: a packet that leaves the network towards it has arrived."""
        return self.kind in ("internet", "on-premises")

    def __str__(self) -> str:
        return self.label


@attrs.frozen
class _Ref:
    kind: str
    label: str
    network_interface: NetworkInterface | None = None
    address: IPAddress | None = None  # given by the caller: fixes the address family
    public: bool = False  # the caller named the public address
    vpn_connection: VpnConnection | None = None


def _eni_label(eni: NetworkInterface) -> str:
    owner = eni.instance
    if owner is not None:
        name = f" {owner.name}" if owner.name else ""
        suffix = f" eth{eni.device_index}" if eni is not owner.primary_network_interface else ""
        return f"{owner.id}{name}{suffix}"
    return f"{eni.id}{' ' + eni.name if eni.name else ''}"


def load_balancer_named(net: Network, ref: object) -> LoadBalancer | None:
    """The load balancer ``ref`` names (the object, its ARN, name or DNS name), or None."""
    if isinstance(ref, LoadBalancer):
        found = net._index.get(ref.id)
        return found if isinstance(found, LoadBalancer) else None
    if isinstance(ref, str):
        text = ref.strip()
        for lb in net.load_balancers:
            if text in (lb.id, lb.lb_name) or text.lower() == lb.dns_name.lower():  # DNS names ignore case
                return lb
    return None


def _lb_label(lb: LoadBalancer, node: NetworkInterface) -> str:
    return f"{lb.lb_name} (node {node.id} in {node.availability_zone})"


def _resolve(net: Network, ref: object, role: str) -> _Ref:
    if isinstance(ref, InternetHost):
        return _Ref("internet", "internet", address=ref.address)
    lb = load_balancer_named(net, ref)
    if lb is not None:  # SPEC L2: its DNS name answers with the nodes that serve; a client takes the first
        from vpcsim.engine.health import dns_nodes

        node = dns_nodes(net, lb)[0]
        return _Ref("network-interface", _lb_label(lb, node), node)
    if isinstance(ref, Resource):
        if ref.id not in net:
            raise InvalidEndpointError(f"{role} {ref.id} is not in this network.")
        found = net.get(ref.id)
        if isinstance(found, Instance):
            return _Ref("network-interface", _eni_label(found.primary_network_interface), found.network_interfaces[0])
        if isinstance(found, NetworkInterface):
            return _Ref("network-interface", _eni_label(found), found)
        if isinstance(found, NatGateway):
            if found.network_interface is None:
                raise InvalidEndpointError(f"{role} {found.id} is a {found.state} NAT gateway with no address.")
            return _Ref("network-interface", found.id, found.network_interface)
        if isinstance(found, InternetGateway):
            return _Ref("internet", f"internet via {found.id}")
        if isinstance(found, ElasticIp):
            if found.network_interface is None:
                raise InvalidEndpointError(f"{role} {found.id} ({found.public_ip}) is not associated with anything.")
            return _resolve_address(net, found.public_ip, role)
        raise InvalidEndpointError(
            f"{role} {found.id} ({type(found).__name__}) cannot send or receive: give an instance, network "
            "interface, NAT gateway, Elastic IP, IP address or vpcsim.INTERNET."
        )
    if isinstance(ref, str) and ref.strip() in net:
        return _resolve(net, net.get(ref.strip()), role)
    if isinstance(ref, str | ipaddress.IPv4Address | ipaddress.IPv6Address):
        try:
            address = _address(ref)
        except InvalidEndpointError:
            raise InvalidEndpointError(
                f"{role} {ref!r} is neither a resource id of this network nor an IP address."
            ) from None
        return _resolve_address(net, address, role)
    raise InvalidEndpointError(
        f"{role} {ref!r} is not an endpoint: give a resource, its id, an IP address or vpcsim.INTERNET."
    )


def _resolve_address(net: Network, address: IPAddress, role: str) -> _Ref:
    try:
        eni = net.network_interface_with(address)
    except ValueError as exc:
        raise InvalidEndpointError(f"{role} {address} is ambiguous: {exc}") from None
    if eni is not None:
        lb_of = net._lb_nodes().get(eni.id) if eni.requester_managed else None
        label = _lb_label(lb_of, eni) if lb_of is not None else _eni_label(eni)
        return _Ref("network-interface", f"{label} ({address})", eni, address)
    if address.version == 4:
        owner = net.public_ip_owner(address)
        if owner is not None:
            node_of = net._lb_nodes().get(owner[0].id) if owner[0].requester_managed else None
            label = _lb_label(node_of, owner[0]) if node_of is not None else _eni_label(owner[0])
            return _Ref("network-interface", f"{label} ({address})", owner[0], address, public=True)
    if address in LINK_LOCAL_SERVICES or address in LINK_LOCAL:
        return _Ref("link-local", f"{LINK_LOCAL_SERVICES.get(address, 'link-local')} ({address})", address=address)
    if any(address == v.cidr_block.network_address + 2 for v in net.vpcs):
        return _Ref("link-local", f"dns-resolver ({address}, VPC+2)", address=address)  # SPEC M1, N2
    vpcs = [v.id for v in net.vpcs if v.contains(address)]
    if vpcs:
        return _Ref("address", f"{address} (unassigned in {', '.join(vpcs)})", address=address)
    if any(eip.public_ip == address for eip in net.elastic_ips):
        return _Ref("address", f"{address} (an Elastic IP associated with nothing)", address=address)
    routed = [
        (c.prefixlen, vpn)
        for vpn in net.vpn_connections
        if vpn.state == "available"
        for c in net.on_premises_cidrs(vpn)
        if c.version == address.version and address in c
    ]
    if routed:  # the VPN with the longest route to it, as its customer gateway would send
        vpn = max(routed, key=lambda pair: pair[0])[1]
        return _Ref("on-premises", f"on-premises {address} via {vpn.id}", address=address, vpn_connection=vpn)
    return _Ref("internet", f"internet {address}", address=address)


def _named_cidrs(net: Network) -> list[IPNetwork]:
    """Every CIDR a rule, route or resource of the network names: what a representative internet host avoids."""
    cidrs: list[IPNetwork] = []
    for group in net.security_groups:
        cidrs += [r.cidr for r in (*group.ingress, *group.egress) if r.cidr is not None]
    for acl in net.network_acls:
        cidrs += [e.cidr for e in acl.entries]
    for table in net.route_tables:
        cidrs += [r.destination for r in table.routes if r.destination is not None]
    for plist in net.managed_prefix_lists:
        cidrs += plist.cidrs
    for vpn in net.vpn_connections:
        cidrs += net.on_premises_cidrs(vpn)
    for vpc in net.vpcs:
        cidrs += vpc.cidrs
    return cidrs


def representative_internet_address(net: Network, version: int) -> IPAddress:
    """An internet address that no rule names more specifically than /7, so it stands for "any host"."""
    named = [c for c in _named_cidrs(net) if c.version == version and c.prefixlen >= 8]
    taken = {eip.public_ip for eip in net.elastic_ips} | {
        e.auto_public_ip for e in net.network_interfaces if e.auto_public_ip is not None
    }
    for text in _INTERNET_CANDIDATES[version]:
        candidate = ipaddress.ip_address(text)
        if candidate not in taken and not any(candidate in c for c in named):
            return candidate
    return ipaddress.ip_address(_INTERNET_CANDIDATES[version][0])


def _choose_version(src: _Ref, dst: _Ref, ip_version: int | None) -> int:
    given = {r.address.version for r in (src, dst) if r.address is not None}
    if len(given) > 1:
        raise InvalidEndpointError(f"Source {src.address} and destination {dst.address} are of different families.")
    if ip_version is not None and ip_version not in (4, 6):
        raise InvalidEndpointError(f"ip_version must be 4 or 6, not {ip_version!r}.")
    if given:
        version = given.pop()
        if ip_version is not None and ip_version != version:
            raise InvalidEndpointError(f"ip_version={ip_version} contradicts the IPv{version} address given.")
        return version
    return ip_version or 4


def _finish(net: Network, ref: _Ref, version: int, other: _Ref, role: str) -> Endpoint:
    eni = ref.network_interface
    if ref.address is not None:
        address = ref.address
    elif eni is not None:
        if version == 6:
            if not eni.ipv6_addresses:
                raise InvalidEndpointError(f"{role} {ref.label} has no IPv6 address.")
            address = eni.ipv6_addresses[0]
        elif role == "destination" and other.kind == "internet" and eni.public_ip is not None:
            address = eni.public_ip  # the internet addresses an instance by its public IP (P3)
        else:
            address = eni.private_ip
    else:
        address = representative_internet_address(net, version)
    label = ref.label if ref.address is not None or eni is not None else f"{ref.label} {address}"
    return Endpoint(ref.kind, address, label, eni, ref.vpn_connection)


def resolve_endpoints(
    net: Network, src: object, dst: object, ip_version: int | None = None
) -> tuple[Endpoint, Endpoint]:
    """Resolve both ends of a flow and agree on the address family (IPv4 unless an IPv6 address is given).

    Raises
    ------
    InvalidEndpointError
        An unknown id, a malformed address, an ambiguous address, a source that cannot send.
    """
    src_ref, dst_ref = _resolve(net, src, "source"), _resolve(net, dst, "destination")
    if src_ref.kind == "address":
        raise InvalidEndpointError(f"Source {src_ref.address} is in a VPC but no network interface holds it.")
    if src_ref.kind in ("internet", "on-premises") and dst_ref.kind in ("internet", "on-premises"):
        raise InvalidEndpointError("Both ends are outside the network: one of them must be in a VPC.")
    if src_ref.kind == "link-local":
        raise InvalidEndpointError(f"Source {src_ref.label} is a link-local service: it only answers.")
    if src_ref.public and src_ref.network_interface is not None:
        src_ref = attrs.evolve(src_ref, address=_private_of(src_ref.network_interface, src_ref.address))
    version = _choose_version(src_ref, dst_ref, ip_version)
    return _finish(net, src_ref, version, dst_ref, "source"), _finish(net, dst_ref, version, src_ref, "destination")


def _private_of(eni: NetworkInterface, public: IPAddress | None) -> IPAddress:
    """SPEC E7: a host sends from its private address; the IGW maps it to the public one."""
    for private, mapped in eni.public_ips.items():
        if mapped == public:
            return private
    return eni.private_ip
