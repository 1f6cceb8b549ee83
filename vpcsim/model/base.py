"""What every resource shares: an AWS-shaped id, tags (``Name`` among them) and a short repr."""

from __future__ import annotations

import hashlib

import attrs

__all__ = ["IdFactory", "Resource"]


@attrs.define(eq=False, kw_only=True, repr=False)
class Resource:
    """Base of every modelled AWS resource.

    Resources compare by identity; :meth:`vpcsim.Network.snapshot` gives a value to compare whole networks.
    References to other resources are objects; references that may outlive their target (route targets, SG
    references) are ids.
    """

    id: str
    tags: dict[str, str] = attrs.field(factory=dict)

    @property
    def name(self) -> str | None:
        """The ``Name`` tag, as the AWS console shows it."""
        return self.tags.get("Name")

    def _repr_details(self) -> str:
        return ""

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        details = self._repr_details()
        return f"<{type(self).__name__} {self.id}{name}{' ' + details if details else ''}>"


class IdFactory:
    """Deterministic AWS-looking ids (``vpc-0a1b2c3d4e5f60718``): keyed BLAKE2 of the seed and a draw counter.

    A counter makes the state one integer, so an operation that fails can give back what it drew
    (:meth:`checkpoint`, :meth:`rollback`) and the same operations with the same seed always give the same ids.

    Examples
    --------
    >>> ids = IdFactory(seed=7)
    >>> a = ids.new("vpc")
    >>> a.startswith("vpc-0") and len(a) == len("vpc-") + 17
    True
    >>> IdFactory(seed=7).new("vpc") == a
    True
    """

    def __init__(self, seed: int = 0) -> None:
        self._key = hashlib.blake2b(repr(seed).encode(), digest_size=32).digest()
        self._draws = 0
        self._issued: set[str] = set()
        self._journal: list[str] = []

    def bits(self, count: int) -> int:
        """``count`` (<= 256) random bits from the seeded stream (ids, MAC addresses, public IPs, IPv6 blocks)."""
        self._draws += 1
        digest = hashlib.blake2b(self._draws.to_bytes(8, "little"), key=self._key, digest_size=32).digest()
        return int.from_bytes(digest, "little") >> (256 - count)

    def new(self, prefix: str) -> str:
        while True:
            candidate = f"{prefix}-0{self.bits(64):016x}"
            if self.claim(candidate):
                return candidate

    def claim(self, name: str) -> bool:
        """Record an id or address as issued; False when it was issued (or imported) before."""
        if name in self._issued:
            return False
        self._issued.add(name)
        self._journal.append(name)
        return True

    def checkpoint(self) -> tuple[int, int]:
        """The generator's state, for :meth:`rollback` when an operation fails (a refusal draws no ids)."""
        return (self._draws, len(self._journal))

    def rollback(self, checkpoint: tuple[int, int]) -> None:
        self._draws, issued = checkpoint
        while len(self._journal) > issued:
            self._issued.discard(self._journal.pop())
