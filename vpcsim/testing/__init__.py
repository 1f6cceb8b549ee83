"""Helpers for tests of networks and of vpcsim itself (pybatfish-style ``assert_*`` helpers).

SPEC X says a refused operation raises AWS's error code and changes nothing; these helpers check exactly that.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from vpcsim.errors import AwsError
from vpcsim.network import Network

__all__ = ["Refusal", "assert_refused", "refused_message"]


class Refusal:
    """What :func:`assert_refused` caught: ``.value`` is the :class:`AwsError` once the block has ended."""

    value: AwsError

    @property
    def message(self) -> str:
        return self.value.message


@contextlib.contextmanager
def assert_refused(network: Network, code: str, *names: str) -> Iterator[Refusal]:
    """Assert the block raises :class:`AwsError` with ``code``, naming ``names``, and leaves ``network`` unchanged.

    Examples
    --------
    >>> net = Network()
    >>> vpc = net.create_vpc("10.0.0.0/16")
    >>> with assert_refused(net, "InvalidSubnet.Range", "10.1.0.0/24") as refusal:
    ...     _ = net.create_subnet(vpc, "10.1.0.0/24")
    >>> refusal.value.code
    'InvalidSubnet.Range'
    """
    __tracebackhide__ = True
    before, version = network.snapshot(), network.version
    refusal = Refusal()
    try:
        yield refusal
    except AwsError as err:
        refusal.value = err
    else:
        raise AssertionError(f"expected AwsError {code}, but the operation was accepted")
    assert refusal.value.code == code, f"expected {code}, got {refusal.value}"
    missing = [name for name in names if name not in refusal.value.message]
    assert not missing, f"the message does not name {missing}: {refusal.value.message}"
    assert network.version == version, "a refused operation counted as a change"
    assert network.snapshot() == before, "a refused operation changed the network (SPEC X)"


def refused_message(network: Network, code: str, operation: Callable[..., Any], /, *args: Any, **kwargs: Any) -> str:
    """Call ``operation(*args, **kwargs)``, assert it is refused (see :func:`assert_refused`), return the message."""
    __tracebackhide__ = True
    with assert_refused(network, code) as refusal:
        operation(*args, **kwargs)
    return refusal.message
