"""Elastic IP addresses (SPEC P2)."""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

import attrs

from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.interface import NetworkInterface

__all__ = ["ElasticIp"]


@attrs.define(eq=False, kw_only=True, repr=False)
class ElasticIp(Resource):
    """An Elastic IP; ``id`` is its allocation id (``eipalloc-...``). Associated with one private IPv4 at most."""

    public_ip: ipaddress.IPv4Address
    network_interface: NetworkInterface | None = None
    private_ip: ipaddress.IPv4Address | None = None
    association_id: str | None = None

    @property
    def allocation_id(self) -> str:
        return self.id

    @property
    def is_associated(self) -> bool:
        return self.network_interface is not None

    def _repr_details(self) -> str:
        where = f" -> {self.private_ip} ({self.network_interface.id})" if self.network_interface else ""
        return f"{self.public_ip}{where}"
