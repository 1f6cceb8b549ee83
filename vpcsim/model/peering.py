"""VPC peering connections (SPEC I5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from vpcsim.model.base import Resource

if TYPE_CHECKING:
    from vpcsim.model.vpc import Vpc

__all__ = ["VpcPeeringConnection"]


@attrs.define(eq=False, kw_only=True, repr=False)
class VpcPeeringConnection(Resource):
    """A peering between two VPCs; traffic flows only while ``status`` is ``active`` (``failed`` for overlapping
    CIDRs, with the reason in ``status_message``)."""

    requester_vpc: Vpc
    accepter_vpc: Vpc
    status: str = "pending-acceptance"
    status_message: str = ""

    def peer_of(self, vpc: Vpc) -> Vpc:
        return self.accepter_vpc if vpc is self.requester_vpc else self.requester_vpc

    def joins(self, vpc: Vpc) -> bool:
        return vpc is self.requester_vpc or vpc is self.accepter_vpc

    def _repr_details(self) -> str:
        return f"{self.requester_vpc.id} <-> {self.accepter_vpc.id} {self.status}"
