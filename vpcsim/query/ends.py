"""What the "all packets" questions accept as a source or destination, resolved into :class:`End` s.

A spec is one of, or a list of:

* ``vpcsim.INTERNET``: every address an internet host can have (IPv4 and IPv6), as one address space;
* ``vpcsim.internet("198.51.100.7")``: that internet host;
* a CIDR string outside the VPCs (``"203.0.113.0/24"``): its addresses, as ``trace`` resolves an IP (an internet
  host, or an on-premises host when a VPN connection routes it);
* a subnet (its instances' interfaces), a security group (its members' interfaces), an instance, a network
  interface, a NAT gateway, their ids or Name tags, an IP address of an interface;
* a dict of tags (``{"tier": "db"}``): the interfaces of instances (or the interfaces themselves) carrying them all.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from vpcsim.addr import IPAddress, IPNetwork
from vpcsim.engine.endpoints import InternetHost, _eni_label, load_balancer_named
from vpcsim.engine.health import dns_nodes
from vpcsim.errors import InvalidEndpointError
from vpcsim.model.base import Resource
from vpcsim.model.gateways import NatGateway
from vpcsim.model.interface import Instance, NetworkInterface
from vpcsim.model.security_group import SecurityGroup
from vpcsim.model.subnet import Subnet
from vpcsim.query.headerspace import End, Line, internet_space

if TYPE_CHECKING:
    from vpcsim.network import Network

__all__ = ["cidrs_named", "ends", "group_label"]


def cidrs_named(spec: object) -> list[IPNetwork]:
    """The CIDRs a spec names (they cut the address line, so a space holds exactly its addresses)."""
    out: list[IPNetwork] = []
    for item in _items(spec):
        if isinstance(item, str) and "/" in item:
            out.append(_network(item))
        elif isinstance(item, InternetHost) and item.address is not None:
            out.append(ipaddress.ip_network(item.address))
    return out


def group_label(net: Network, spec: object) -> str:
    """A short label for a spec: its Name tag or id, ``internet``, the CIDR, ``tier=db``."""
    if isinstance(spec, InternetHost):
        return "internet" if spec.address is None else f"internet {spec.address}"
    if isinstance(spec, Resource):
        return spec.name or spec.id
    if isinstance(spec, dict):
        return ",".join(f"{k}={v}" for k, v in spec.items())
    if isinstance(spec, str) and spec.strip() in net:
        found = net.get(spec.strip())
        return found.name or found.id
    if isinstance(spec, list | tuple | set | frozenset):
        items = list(spec)
        if len(items) > 3:
            return f"{len(items)} endpoints"
        return "+".join(group_label(net, x) for x in items)
    return str(spec)


def ends(
    net: Network,
    spec: object,
    role: str,
    line: Line,
    *,
    outside_peer: bool = False,
    nets: Sequence[Network] | None = None,
    group: str = "",
) -> list[End]:
    """Resolve a spec into ends. Destinations list one end per address a packet can be sent to: the public and
    IPv6 addresses when the other side is outside (``outside_peer``), every address otherwise."""
    nets = list(nets or [net])
    out: list[End] = []
    label = group or group_label(net, spec)
    for item in _items(spec):
        out += _resolve(net, item, role, line, outside_peer, nets, label)
    seen: set[tuple[Any, ...]] = set()
    unique: list[End] = []
    for end in out:
        key = (end.eni_id, end.address, end.version, end.label if end.is_space else None)
        if key not in seen:
            seen.add(key)
            unique.append(end)
    return unique


def _items(spec: object) -> list[object]:
    if isinstance(spec, list | tuple | set | frozenset):
        return [x for item in spec for x in _items(item)]
    return [spec]


def _network(text: str) -> IPNetwork:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        raise InvalidEndpointError(f"{text!r} is not a CIDR block.") from None


def _resolve(
    net: Network, item: object, role: str, line: Line, outside_peer: bool, nets: list[Network], group: str
) -> list[End]:
    if isinstance(item, InternetHost):
        if item.address is None:
            out = []
            for version in (4, 6):
                space = internet_space(line, nets, version)
                if space.any():
                    extent = np.zeros(line.count, dtype=bool)
                    if version == 4:
                        extent[: line.n4] = True
                    else:
                        extent[line.n4 :] = True
                    out.append(End("internet", space=space, internet=True, version=version, group=group,
                                   extent=extent))  # fmt: skip
            return out
        space = np.zeros(line.count, dtype=bool)
        atom = line.atoms_of([item.address])[0]
        if line.stop[atom] - line.start[atom] != 1:  # a single address: cut the line there
            raise InvalidEndpointError(f"internet({str(item.address)!r}) must be named when the question is built.")
        space[atom] = True
        return [End(f"internet {item.address}", space=space, internet=True, version=item.address.version,
                    group=group)]  # fmt: skip
    if isinstance(item, dict):
        return _tagged(net, item, role, outside_peer, group)
    if isinstance(item, str) and "/" in item and item.strip() not in net:
        network = _network(item)
        first, stop = line.span(network)
        space = np.zeros(line.count, dtype=bool)
        space[first:stop] = True
        outside = internet_space(line, nets, network.version)
        for other in nets:  # on-premises addresses (routed by a VPN) are hosts too
            space &= outside | _vpn_routed(other, line)
        if not space.any():
            raise InvalidEndpointError(
                f"{role} {item!r} holds no address outside the VPCs: give the subnet or the instances instead."
            )
        extent = np.zeros(line.count, dtype=bool)
        extent[first:stop] = True
        return [End(str(network), space=space, version=network.version, group=group, extent=extent)]
    found = net._by_name(item)
    if isinstance(found, str) and found.strip() in net:
        found = net.get(found.strip())
    lb = load_balancer_named(net, found)
    if lb is not None:  # SPEC L2: the nodes its DNS name gives
        return [e for node in dns_nodes(net, lb) for e in _eni_ends(node, role, outside_peer, group)]
    if isinstance(found, Subnet):
        return [e for eni in net.network_interfaces if eni.subnet is found and eni.instance is not None
                for e in _eni_ends(eni, role, outside_peer, group)]  # fmt: skip
    if isinstance(found, SecurityGroup):
        return [e for eni in net.network_interfaces if any(g is found for g in eni.security_groups)
                for e in _eni_ends(eni, role, outside_peer, group)]  # fmt: skip
    if isinstance(found, Instance):
        enis = [found.primary_network_interface] if role == "source" else list(found.network_interfaces)
        return [e for eni in enis for e in _eni_ends(eni, role, outside_peer, group)]
    if isinstance(found, NatGateway):
        if found.network_interface is None:
            raise InvalidEndpointError(f"{role} {found.id} is a {found.state} NAT gateway with no address.")
        return _eni_ends(found.network_interface, role, outside_peer, group)
    if isinstance(found, NetworkInterface):
        return _eni_ends(found, role, outside_peer, group)
    if isinstance(found, Resource):
        raise InvalidEndpointError(
            f"{role} {found.id} ({type(found).__name__}) is not a group of hosts: give a subnet, security group, "
            "instance, network interface, CIDR, tag filter or vpcsim.INTERNET."
        )
    if isinstance(found, str | ipaddress.IPv4Address | ipaddress.IPv6Address):
        try:
            address = ipaddress.ip_address(str(found).strip())
        except ValueError:
            raise InvalidEndpointError(
                f"{role} {item!r} is neither a resource of this network nor an address."
            ) from None
        eni = net.network_interface_with(address)
        if eni is None and address.version == 4:
            owner = net.public_ip_owner(address)
            eni = owner[0] if owner is not None else None
        if eni is None:
            raise InvalidEndpointError(
                f"{role} {address} is held by no network interface: use vpcsim.internet({str(address)!r}) or a CIDR."
            )
        return [End(f"{_eni_label(eni)} ({address})", eni.id, address, version=address.version, group=group)]
    raise InvalidEndpointError(f"{role} {item!r} is not an endpoint, a group of them or vpcsim.INTERNET.")


def _vpn_routed(net: Network, line: Line) -> Any:
    out = np.zeros(line.count, dtype=bool)
    for vpn in net.vpn_connections:
        for route in net.on_premises_cidrs(vpn):
            first, stop = line.span(route)
            out[first:stop] = True
    return out


def _tagged(net: Network, tags: dict[Any, Any], role: str, outside_peer: bool, group: str) -> list[End]:
    def matches(resource: Resource) -> bool:
        return all(resource.tags.get(str(k)) == str(v) for k, v in tags.items())

    out: list[End] = []
    for eni in net.network_interfaces:
        if matches(eni) or (eni.instance is not None and matches(eni.instance)):
            secondary = eni.instance is not None and eni is not eni.instance.primary_network_interface
            if role == "source" and secondary and not matches(eni):
                continue  # an instance sends from its primary interface
            out += _eni_ends(eni, role, outside_peer, group)
    return out


def _eni_ends(eni: NetworkInterface, role: str, outside_peer: bool, group: str) -> list[End]:
    label = _eni_label(eni)
    if role == "source":
        out = [End(label, eni.id, None, version=4, group=group)]  # sends from its primary address, as in trace
        if eni.ipv6_addresses:
            out.append(End(label, eni.id, None, version=6, group=group))
        return out
    addresses: list[IPAddress] = []
    if not outside_peer:
        addresses += [a for a in eni.addresses if a.version == 4]
    addresses += list(eni.public_ips.values())
    addresses += list(eni.ipv6_addresses)
    return [End(f"{label} ({a})", eni.id, a, version=a.version, group=group) for a in addresses]
