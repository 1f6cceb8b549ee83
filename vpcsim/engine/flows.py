"""Many flows at once: :class:`FlowBatch`, the request that ``Network.evaluate`` answers.

A batch holds the flows as the user gave them, as a struct of numpy arrays, and knows no network. An end given as
an IP address (a string, an :mod:`ipaddress` object or an integer) is stored as two 64-bit words; any other end (a
resource, an id or Name tag, :data:`vpcsim.INTERNET`, :func:`vpcsim.internet`) is a reference into
``endpoints``. Inputs are converted once per unique value, not per flow, and protocols and ports are validated as
:meth:`vpcsim.Network.trace` validates one flow, with the index of the first bad flow in the message.

Examples
--------
>>> batch = FlowBatch.from_product(["10.0.1.5", "web"], ["198.51.100.7", INTERNET], ports=[22, 443])
>>> batch
<FlowBatch 8 flows>
>>> batch.endpoints
('web', vpcsim.INTERNET)
>>> batch.flow(5)
('web', IPv4Address('198.51.100.7'), 6, 443, None, None)
>>> FlowBatch.from_arrays(["10.0.1.5", "web"], INTERNET, "tcp", [443, 70000])
Traceback (most recent call last):
...
vpcsim.errors.InvalidFlowError: flow 1: port 70000 is invalid: an integer in 0..65535.
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeAlias

import attrs
import numpy as np
from numpy.typing import ArrayLike, NDArray

from vpcsim.addr import IPAddress, parse_protocol, protocol_name
from vpcsim.engine.endpoints import INTERNET, InternetHost, internet
from vpcsim.errors import AwsError, InvalidEndpointError, InvalidFlowError
from vpcsim.model.base import Resource

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped, import-not-found, unused-ignore]

__all__ = ["FlowBatch", "from_words", "to_words"]

U64: TypeAlias = NDArray[np.uint64]
I8: TypeAlias = NDArray[np.int8]
I16: TypeAlias = NDArray[np.int16]
I32: TypeAlias = NDArray[np.int32]
I64: TypeAlias = NDArray[np.int64]
Bools: TypeAlias = NDArray[np.bool_]
Indices: TypeAlias = NDArray[np.intp]

_WORD = (1 << 64) - 1
_IPV4_MAX = (1 << 32) - 1
_INTERNET_HOST = re.compile(r"vpcsim\.internet\((['\"])(.+)\1\)")  # the repr of internet(ip), as frame() writes it
_ENDPOINT_KINDS = "give a resource, its id or Name tag, an IP address, vpcsim.INTERNET or vpcsim.internet(ip)"


def to_words(addresses: Iterable[IPAddress | int]) -> tuple[U64, U64]:
    """Addresses, or their integer values, as two uint64 arrays: the high and the low 64 bits.

    An IPv4 address is its 32-bit value in ``lo`` (``hi`` is 0); an IPv6 address splits its 128 bits.

    Raises
    ------
    ValueError
        An integer outside 0..2**128-1.

    Examples
    --------
    >>> hi, lo = to_words([ipaddress.ip_address("10.0.0.1"), ipaddress.ip_address("2001:db8::1"), 7])
    >>> [hex(word) for word in hi.tolist()], lo.tolist()
    (['0x0', '0x20010db800000000', '0x0'], [167772161, 1, 7])
    """
    values = [int(address) for address in addresses]
    for value in values:
        if not 0 <= value <= (1 << 128) - 1:
            raise ValueError(f"{value} is not an address: an integer in 0..2**128-1.")
    hi = np.fromiter((value >> 64 for value in values), dtype=np.uint64, count=len(values))
    lo = np.fromiter((value & _WORD for value in values), dtype=np.uint64, count=len(values))
    return hi, lo


def from_words(hi: ArrayLike, lo: ArrayLike, version: ArrayLike) -> list[IPAddress]:
    """The addresses that :func:`to_words` split, given each one's version (4 or 6; one value for all).

    Raises
    ------
    ValueError
        A version other than 4 or 6, or an IPv4 address wider than 32 bits.

    Examples
    --------
    >>> from_words([0, 0x20010DB800000000], [167772161, 1], [4, 6])
    [IPv4Address('10.0.0.1'), IPv6Address('2001:db8::1')]
    """
    highs = np.asarray(hi, dtype=np.uint64).tolist()
    lows = np.asarray(lo, dtype=np.uint64).tolist()
    versions = np.broadcast_to(np.asarray(version), (len(lows),)).tolist()
    addresses: list[IPAddress] = []
    for high, low, family in zip(highs, lows, versions, strict=True):
        if family == 4 and high == 0:
            addresses.append(ipaddress.IPv4Address(low))
        elif family == 6:
            addresses.append(ipaddress.IPv6Address(high << 64 | low))
        else:
            raise ValueError(f"Words ({high}, {low}) of version {family!r} are not an address: IPv4 or IPv6.")
    return addresses


def _frozen(array: NDArray[Any]) -> NDArray[Any]:
    """A read-only view: a batch is a value, and chunks and takes share its arrays."""
    view = array.view()
    view.flags.writeable = False
    return view


@attrs.frozen
class _Ends:
    """One end of n flows: an address (version 4 or 6) or a reference into ``endpoints`` (version 0)."""

    hi: U64 = attrs.field(converter=_frozen)
    lo: U64 = attrs.field(converter=_frozen)
    version: I8 = attrs.field(converter=_frozen)
    ref: I32 = attrs.field(converter=_frozen)

    def __len__(self) -> int:
        return len(self.version)

    def take(self, selection: slice | Indices) -> _Ends:
        return _Ends(self.hi[selection], self.lo[selection], self.version[selection], self.ref[selection])


@attrs.frozen
class _Columns:
    """n materialised flows."""

    src: _Ends
    dst: _Ends
    protocol: I16 = attrs.field(converter=_frozen)
    dst_port: I32 = attrs.field(converter=_frozen)
    src_port: I32 = attrs.field(converter=_frozen)
    ip_version: I8 = attrs.field(converter=_frozen)

    def __len__(self) -> int:
        return len(self.protocol)

    def take(self, selection: slice | Indices) -> _Columns:
        return _Columns(
            self.src.take(selection),
            self.dst.take(selection),
            self.protocol[selection],
            self.dst_port[selection],
            self.src_port[selection],
            self.ip_version[selection],
        )


@attrs.frozen(slots=False)  # no slots: cached_property keeps the materialised columns in __dict__
class _Product:
    """Sources x destinations x services (protocol, port, source port combinations), rows made on demand."""

    sources: _Ends
    destinations: _Ends
    services: tuple[I16, I32, I32]
    ip_version: int

    def __len__(self) -> int:
        return len(self.sources) * len(self.destinations) * len(self.services[0])

    def rows(self, indices: Indices) -> _Columns:
        """The flows at ``indices`` (in 0..len-1), by index arithmetic: sources outermost, services innermost."""
        services = len(self.services[0])
        source, rest = np.divmod(indices, max(len(self.destinations) * services, 1))
        destination, service = np.divmod(rest, max(services, 1))
        protocol, dst_port, src_port = self.services
        return _Columns(
            self.sources.take(source),
            self.destinations.take(destination),
            protocol[service],
            dst_port[service],
            src_port[service],
            np.full(len(indices), self.ip_version, dtype=np.int8),
        )

    @cached_property
    def columns(self) -> _Columns:
        return self.rows(np.arange(len(self), dtype=np.intp))


class _Reject(Exception):
    """A value that cannot be converted; the caller adds the index of the first flow that holds it."""


class _Unhashable:
    """Stands for an unhashable value (a list, an array) while grouping: hashed by identity."""

    def __init__(self, value: object) -> None:
        self.value = value


def _factorize(column: NDArray[Any]) -> tuple[list[Any], Indices]:
    """Unique values in order of first appearance, and each flow's code (``column``'s shape: 0-d or 1-d)."""
    if column.ndim == 0:
        return [column.item()], np.zeros((), dtype=np.intp)
    if column.dtype.kind in "iufb":
        unique, first, inverse = np.unique(column, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        return list(unique[order].tolist()), rank[inverse.reshape(-1)].astype(np.intp)
    values = column.tolist()
    if column.dtype.kind != "O" or all(_cheap_hash(kind) for kind in set(map(type, values))):
        return _group(values)
    # Objects hashed in Python (internet hosts, ipaddress objects), usually one object repeated: by identity
    # first (C-level loops), then the distinct objects by value.
    by_id = dict(zip(map(id, values), values, strict=True))
    id_codes = dict(zip(by_id, itertools.count()))
    codes = np.fromiter(map(id_codes.__getitem__, map(id, values)), dtype=np.intp, count=len(values))
    distinct = list(by_id.values())
    try:
        uniques, value_codes = _group(distinct)
    except TypeError:  # an unhashable value (a list, an array): it stands for itself, and is refused later
        keys = [value if _hashable(value) else _Unhashable(value) for value in distinct]
        uniques, value_codes = _group(keys)
        uniques = [key.value if isinstance(key, _Unhashable) else key for key in uniques]
    return uniques, value_codes[codes]


def _group(values: list[Any]) -> tuple[list[Any], Indices]:
    """Group hashable values by value, in order of first appearance."""
    index = dict(zip(dict.fromkeys(values), itertools.count()))
    return list(index), np.fromiter(map(index.__getitem__, values), dtype=np.intp, count=len(values))


def _cheap_hash(kind: type) -> bool:
    """Hashed in C: strings, numbers, resources (by identity)."""
    function: object = kind.__hash__
    return kind in (str, int, float, bool, type(None)) or function is object.__hash__


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _first(codes: Indices, code: int) -> int:
    """The first flow holding unique value ``code``."""
    return int(np.argmax(codes == code)) if codes.ndim else 0


def _column(value: object, name: str) -> NDArray[Any]:
    """A user's input as a 1-d array, or a 0-d object array for one value meant for every flow."""
    array: NDArray[Any]
    if isinstance(value, np.ndarray):
        array = value
    elif type(value).__module__.partition(".")[0] == "pandas" and hasattr(value, "to_numpy"):
        array = _from_pandas(value)
    elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
        array = np.empty((), dtype=object)
        array[()] = value
        return array
    else:
        items = list(value)
        numbers = _numbers(items)
        # Objects stay objects: numpy would turn [1, "a"] into ["1", "a"] and [80, True] into [80, 1].
        array = np.fromiter(items, dtype=object, count=len(items)) if numbers is None else numbers
    if array.ndim > 1:
        raise InvalidFlowError(f"{name} has shape {array.shape}: give a sequence (one value per flow) or one value.")
    return array


def _numbers(items: list[Any]) -> NDArray[Any] | None:
    """A list of numbers (no booleans) as a numeric array; None for anything else."""
    kinds = set(map(type, items))
    if not kinds or not all(issubclass(k, int | float | np.integer | np.floating) for k in kinds) or bool in kinds:
        return None
    try:
        array = np.asarray(items)
    except OverflowError:  # an integer wider than 64 bits
        return None
    return array if array.dtype.kind in "iuf" else None


def _from_pandas(value: Any) -> NDArray[Any]:
    """A Series or Index as numpy; a nullable integer column with missing values becomes float with NaN."""
    dtype = value.dtype
    if not isinstance(dtype, np.dtype) and getattr(dtype, "kind", "O") in "iuf":
        if bool(value.isna().any()):
            return np.asarray(value.to_numpy(dtype=np.float64, na_value=np.nan))
        return np.asarray(value.to_numpy(dtype=dtype.numpy_dtype))
    return np.asarray(value.to_numpy())


def _length(columns: dict[str, NDArray[Any]]) -> int:
    """The number of flows: numpy broadcasting over the columns; one flow when every column is one value."""
    try:
        shape = np.broadcast_shapes(*(column.shape for column in columns.values()))
    except ValueError:
        lengths = ", ".join(f"{name} {len(c)}" for name, c in columns.items() if c.ndim)
        raise InvalidFlowError(
            f"The columns have different lengths ({lengths}): give equal lengths, or one value for every flow."
        ) from None
    return shape[0] if shape else 1


@attrs.frozen
class _Ints:
    """A column of small integers (ports, ip_version), broadcast to n flows, with what was given for messages."""

    given: NDArray[Any]
    values: I64
    missing: Bools
    bad: Bools  # given but not an integer

    def shown(self, index: int) -> object:
        value = self.given[index]
        value = value.item() if isinstance(value, np.generic) else value
        return int(value) if isinstance(value, float) and value.is_integer() else value


def _ints(column: NDArray[Any], n: int) -> _Ints:
    """None and NaN are "not given"; integral floats (from pandas) are integers; anything else is bad."""
    values: NDArray[Any]
    if column.dtype.kind in "iu":
        values, missing, bad = column.astype(np.int64), np.zeros(column.shape, bool), np.zeros(column.shape, bool)
    elif column.dtype.kind == "f":
        missing = np.isnan(column)
        whole = np.isfinite(column) & (np.floor(column) == column) & (np.abs(column) < 2.0**40)
        values, bad = np.where(whole, column, 0).astype(np.int64), ~missing & ~whole
    else:
        uniques, codes = _factorize(column)
        kinds = [_int_value(value) for value in uniques]
        values = np.array([value if kind == "int" else 0 for kind, value in kinds], dtype=np.int64)[codes]
        missing = np.array([kind == "missing" for kind, _ in kinds], dtype=bool)[codes]
        bad = np.array([kind == "bad" for kind, _ in kinds], dtype=bool)[codes]
    shape = (n,)
    return _Ints(
        np.broadcast_to(column, shape),
        np.broadcast_to(values, shape),
        np.broadcast_to(missing, shape),
        np.broadcast_to(bad, shape),
    )


def _int_value(value: object) -> tuple[str, int]:
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "missing", 0
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return "int", max(min(int(value), 1 << 40), -(1 << 40))  # out of every range, and fits int64
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return "int", max(min(int(value), 1 << 40), -(1 << 40))
    return "bad", 0


def _ip_versions(column: NDArray[Any], n: int) -> I8:
    """0 (either family: None, NaN or 0), 4 or 6 per flow."""
    given = _ints(column, n)
    versions = np.where(given.missing, 0, given.values)
    wrong = given.bad | ((versions != 0) & (versions != 4) & (versions != 6))
    if wrong.any():
        index = int(np.argmax(wrong))
        raise InvalidEndpointError(
            f"flow {index}: ip_version must be 4 or 6 (or None for either), not {given.shown(index)!r}."
        )
    return versions.astype(np.int8)


class _Table:
    """The references of a batch, each once: resources by identity, strings and internet hosts by value."""

    def __init__(self) -> None:
        self.index: dict[object, int] = {}

    def add(self, reference: object) -> int:
        return self.index.setdefault(reference, len(self.index))

    def endpoints(self) -> tuple[object, ...]:
        return tuple(self.index)


def _endpoint(value: object, role: str) -> IPAddress | int | object:
    """An address, an integer (an address whose family the flow's ip_version decides) or a reference."""
    if isinstance(value, Resource | InternetHost | ipaddress.IPv4Address | ipaddress.IPv6Address):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return ipaddress.ip_address(text)
        except ValueError:
            pass
        if text == repr(INTERNET):
            return INTERNET
        host = _INTERNET_HOST.fullmatch(text)
        if host is None:
            return value  # an id or a Name tag: the network resolves it
        try:
            return internet(host.group(2))
        except InvalidEndpointError as exc:
            raise _Reject(f"{role} {value!r}: {exc}") from None
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        if 0 <= int(value) <= (1 << 128) - 1:
            return int(value)
        raise _Reject(f"{role} {value!r} is not an address: an integer in 0..2**32-1 (IPv4) or 0..2**128-1 (IPv6).")
    raise _Reject(f"{role} {value!r} is not an endpoint: {_ENDPOINT_KINDS}.")


def _ends(column: NDArray[Any], n: int, ip_version: I8, table: _Table, role: str, stride: int) -> _Ends:
    """Convert one end of n flows; ``stride`` turns a position into a flow index (for the factors of a product)."""
    version: NDArray[Any]
    if column.dtype.kind in "iu":  # integers: addresses, vectorised
        words = np.broadcast_to(column, (n,))
        if column.dtype.kind == "i" and (negative := words < 0).any():
            index = int(np.argmax(negative))
            raise InvalidEndpointError(f"flow {index * stride}: {role} {words[index].item()} is not an address.")
        hi, lo = np.zeros(n, dtype=np.uint64), words.astype(np.uint64)
        version, ref = np.full(n, -1, dtype=np.int8), np.full(n, -1, dtype=np.int32)
    else:
        uniques, codes = _factorize(column)
        his: list[int] = []
        los: list[int] = []
        versions: list[int] = []
        refs: list[int] = []
        for code, value in enumerate(uniques):
            try:
                end = _endpoint(value, role)
            except _Reject as exc:
                raise InvalidEndpointError(f"flow {_first(codes, code) * stride}: {exc}") from None
            if isinstance(end, ipaddress.IPv4Address | ipaddress.IPv6Address | int):
                number = int(end)
                his.append(number >> 64)
                los.append(number & _WORD)
                versions.append(-1 if isinstance(end, int) else end.version)
                refs.append(-1)
            else:
                his.append(0)
                los.append(0)
                versions.append(0)
                refs.append(table.add(end))
        codes = np.broadcast_to(codes, (n,))
        hi, lo = np.array(his, dtype=np.uint64)[codes], np.array(los, dtype=np.uint64)[codes]
        version, ref = np.array(versions, dtype=np.int8)[codes], np.array(refs, dtype=np.int32)[codes]
    integer = version == -1
    if integer.any():  # an integer is IPv4 unless the flow asks for IPv6 (not guessed from its size)
        version = np.where(integer, np.where(ip_version == 6, 6, 4), version)
        wide = integer & (version == 4) & ((hi > 0) | (lo > _IPV4_MAX))
        if wide.any():
            index = int(np.argmax(wide))
            value = int(hi[index]) << 64 | int(lo[index])
            raise InvalidEndpointError(
                f"flow {index * stride}: {role} {value} is not an IPv4 address (an integer in 0..2**32-1); "
                "give ip_version=6 for IPv6 integers."
            )
    return _Ends(hi, lo, version.astype(np.int8), ref)


def _protocols(column: NDArray[Any], n: int) -> I16:
    uniques, codes = _factorize(column)
    numbers = []
    for code, value in enumerate(uniques):
        try:
            number = parse_protocol(value, "protocol")
        except AwsError as exc:
            raise InvalidFlowError(f"flow {_first(codes, code)}: {exc.message}") from None
        if number == -1:
            raise InvalidFlowError(
                f"flow {_first(codes, code)}: a flow has one protocol: give tcp, udp, icmp or a protocol number, "
                "not -1 (all)."
            )
        numbers.append(number)
    return np.array(numbers, dtype=np.int16)[np.broadcast_to(codes, (n,))]


def _services(protocol: NDArray[Any], port: NDArray[Any], src_port: NDArray[Any], n: int) -> tuple[I16, I32, I32]:
    """Protocol numbers and ports (-1 = not given), validated as trace's ``flow_packet`` validates one flow."""
    numbers = _protocols(protocol, n)
    dst, src = _ints(port, n), _ints(src_port, n)
    tcp_udp = (numbers == 6) | (numbers == 17)
    icmp = (numbers == 1) | (numbers == 58)
    other = ~tcp_udp & ~icmp
    high = np.where(icmp, 255, 65535)

    def invalid(ports: _Ints) -> Bools:
        return ~ports.missing & (ports.bad | (ports.values < 0) | (ports.values > high))

    bad_dst = (tcp_udp & (dst.missing | invalid(dst))) | (icmp & invalid(dst))
    bad_src = ~other & invalid(src)
    bad_other = other & (~dst.missing | ~src.missing)
    wrong = bad_dst | bad_src | bad_other
    if wrong.any():
        index = int(np.argmax(wrong))
        raise InvalidFlowError(f"flow {index}: {_port_problem(index, numbers, dst, src, bool(icmp[index]))}")
    return (
        numbers,
        np.where(dst.missing, -1, dst.values).astype(np.int32),
        np.where(src.missing, -1, src.values).astype(np.int32),
    )


def _port_problem(index: int, numbers: I16, dst: _Ints, src: _Ints, icmp: bool) -> str:
    """What trace would say of the flow at ``index``, in the order it checks."""
    number = int(numbers[index])
    if number not in (1, 6, 17, 58):
        got = f"port={dst.shown(index)!r}, src_port={src.shown(index)!r}"
        return f"protocol {protocol_name(number)} has no ports; got {got}."
    high = 255 if icmp else 65535
    if dst.missing[index] and not icmp:
        return "port is required for TCP and UDP."
    if not dst.missing[index] and (dst.bad[index] or not 0 <= dst.values[index] <= high):
        return f"port{' (ICMP type)' if icmp else ''} {dst.shown(index)!r} is invalid: an integer in 0..{high}."
    return f"src_port{' (ICMP code)' if icmp else ''} {src.shown(index)!r} is invalid: an integer in 0..{high}."


def _positions(indices: slice | ArrayLike, n: int) -> Indices:
    """Flow positions in 0..n-1 from a slice, an integer array (negative counts from the end) or a boolean mask."""
    if isinstance(indices, slice):
        return np.arange(*indices.indices(n), dtype=np.intp)
    array = np.atleast_1d(np.asarray(indices))
    if array.size == 0:
        return np.zeros(0, dtype=np.intp)
    if array.dtype.kind == "b":
        if array.shape != (n,):
            raise IndexError(f"A boolean mask of {array.shape} does not fit a batch of {n:,} flows.")
        return np.flatnonzero(array).astype(np.intp)
    if array.dtype.kind not in "iu" or array.ndim != 1:
        raise IndexError(f"Select flows with a slice, a 1-d integer array or a boolean mask, not {array.dtype}.")
    outside = (array < -n) | (array >= n)
    if outside.any():
        raise IndexError(f"Flow {array[np.argmax(outside)]} is out of range for a batch of {n:,} flows.")
    return np.where(array < 0, array + n, array).astype(np.intp)


def _label(reference: object) -> str:
    """A reference as frame() writes it: a resource's id, an id or Name tag as given, an internet host's repr."""
    if isinstance(reference, Resource):
        return reference.id
    return reference if isinstance(reference, str) else repr(reference)


@attrs.frozen(eq=False, repr=False)
class FlowBatch:
    """Flows as the user gave them, as numpy arrays: what ``Network.evaluate`` answers, flow by flow.

    Build one with :meth:`from_arrays`, :meth:`from_product` (lazy: rows are made on demand) or
    :meth:`from_frame`. Every array has one entry per flow; accessing one on a lazy product materialises it
    (once). The arrays are read-only.

    Attributes
    ----------
    src_hi, src_lo, dst_hi, dst_lo : numpy.ndarray of uint64
        The address when the end was given as one: IPv4 is ``(0, value)``, IPv6 its high and low 64 bits.
    src_version, dst_version : numpy.ndarray of int8
        4 or 6 when the end was given as an address; 0 when it is a reference.
    src_ref, dst_ref : numpy.ndarray of int32
        Index into :attr:`endpoints` when the version is 0, else -1.
    endpoints : tuple
        Each reference once: resources (by identity), id strings and Name tags, internet hosts.
    protocol : numpy.ndarray of int16
        Protocol number (tcp 6, udp 17, icmp 1, icmpv6 58, ...).
    dst_port, src_port : numpy.ndarray of int32
        TCP/UDP ports, or the ICMP type and code; -1 where not given.
    ip_version : numpy.ndarray of int8
        0 for either family (as ``trace(ip_version=None)``), 4 or 6.
    """

    _rows: _Columns | _Product
    endpoints: tuple[object, ...]

    @classmethod
    def from_arrays(
        cls,
        src: object,
        dst: object,
        protocol: object = "tcp",
        port: object = None,
        src_port: object = None,
        *,
        ip_version: object = None,
    ) -> FlowBatch:
        """Flows from columns: each argument is a sequence with one value per flow, or one value for all.

        Parameters
        ----------
        src, dst
            Endpoints as :meth:`vpcsim.Network.trace` takes them: resources, ids, Name tags, IP addresses (strings,
            :mod:`ipaddress` objects or integers: IPv4 unless the flow's ``ip_version`` is 6),
            :data:`vpcsim.INTERNET`, :func:`vpcsim.internet` hosts (also as their repr, as :meth:`frame` writes
            them).
        protocol
            Names or numbers (``"tcp"``, ``"udp"``, ``"icmp"``, ``"icmpv6"``, ``50``).
        port, src_port
            Integers; ``None`` or NaN (from pandas) where not given. The ICMP type and code for ICMP.
        ip_version
            4, 6, or ``None`` for either family (decided by the addresses, as in trace).

        Returns
        -------
        FlowBatch

        Raises
        ------
        InvalidFlowError
            A protocol or port that trace refuses, or columns of different lengths; the message names the first
            bad flow's index and value.
        InvalidEndpointError
            An end that is no endpoint (``None``, a float), an integer that is no address, a bad ``ip_version``.

        Examples
        --------
        >>> batch = FlowBatch.from_arrays(["2001:db8::5", "web"], INTERNET, ["tcp", 1], [443, 8], ip_version=6)
        >>> batch.src_version.tolist(), batch.src_ref.tolist(), batch.endpoints, batch.protocol.tolist()
        ([6, 0], [-1, 0], ('web', vpcsim.INTERNET), [6, 1])
        >>> FlowBatch.from_arrays("web", "db", "tcp", [5432, None])
        Traceback (most recent call last):
        ...
        vpcsim.errors.InvalidFlowError: flow 1: port is required for TCP and UDP.
        """
        columns = {
            "src": _column(src, "src"),
            "dst": _column(dst, "dst"),
            "protocol": _column(protocol, "protocol"),
            "port": _column(port, "port"),
            "src_port": _column(src_port, "src_port"),
            "ip_version": _column(ip_version, "ip_version"),
        }
        n = _length(columns)
        versions = _ip_versions(columns["ip_version"], n)
        table = _Table()
        source = _ends(columns["src"], n, versions, table, "source", 1)
        destination = _ends(columns["dst"], n, versions, table, "destination", 1)
        numbers, dst_ports, src_ports = _services(columns["protocol"], columns["port"], columns["src_port"], n)
        return cls(_Columns(source, destination, numbers, dst_ports, src_ports, versions), table.endpoints())

    @classmethod
    def _raw(
        cls,
        src: tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]],
        dst: tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]],
        protocol: NDArray[Any],
        dst_port: NDArray[Any],
        src_port: NDArray[Any],
        ip_version: NDArray[Any],
        endpoints: tuple[object, ...],
    ) -> FlowBatch:
        """Flows from arrays already in the batch's form: each end as (hi, lo, version, ref). For the library's
        own generators (header-space cells), which build valid columns directly; no validation."""
        ends = [
            _Ends(np.asarray(h, dtype=np.uint64), np.asarray(lo, dtype=np.uint64), np.asarray(v, dtype=np.int8),
                  np.asarray(r, dtype=np.int32))
            for h, lo, v, r in (src, dst)
        ]  # fmt: skip
        return cls(
            _Columns(ends[0], ends[1], np.asarray(protocol, dtype=np.int16), np.asarray(dst_port, dtype=np.int32),
                     np.asarray(src_port, dtype=np.int32), np.asarray(ip_version, dtype=np.int8)),
            endpoints,
        )  # fmt: skip

    @classmethod
    def from_product(
        cls,
        sources: object,
        destinations: object,
        protocols: object = ("tcp",),
        ports: object = (None,),
        src_ports: object = (None,),
        *,
        ip_version: int | None = None,
    ) -> FlowBatch:
        """Every combination, lazily: sources outermost, then destinations, protocols, ports, source ports.

        Only the factors are stored; rows are made by index arithmetic when :meth:`chunks`, :meth:`take` or
        :meth:`flow` ask, so a product of ten million flows costs next to nothing until it is walked. Reading an
        array attribute materialises the whole product (once).

        Parameters
        ----------
        sources, destinations
            Sequences of endpoints, as :meth:`from_arrays` takes them (one value counts as a sequence of one).
        protocols, ports, src_ports
            Sequences of protocols, ports and source ports (``None``: not given).
        ip_version
            4, 6 or ``None``, for every flow.

        Raises
        ------
        InvalidFlowError, InvalidEndpointError
            As :meth:`from_arrays`, naming the first flow that holds the bad value. Every (protocol, port, source
            port) combination is validated now.

        Examples
        --------
        >>> batch = FlowBatch.from_product(["10.0.1.5", "10.0.1.6"], "198.51.100.7", ["tcp", "udp"], [53, 443])
        >>> len(batch), batch.protocol.tolist(), batch.dst_port.tolist()
        (8, [6, 6, 17, 17, 6, 6, 17, 17], [53, 443, 53, 443, 53, 443, 53, 443])
        >>> FlowBatch.from_product(["web"], ["db"], ["tcp", "icmp"], [22, 300])
        Traceback (most recent call last):
        ...
        vpcsim.errors.InvalidFlowError: flow 3: port (ICMP type) 300 is invalid: an integer in 0..255.
        """
        version = int(_ip_versions(_column(ip_version, "ip_version").reshape(()), 1)[0])
        factors = [
            _column(value, name).reshape(-1)
            for value, name in (
                (sources, "sources"),
                (destinations, "destinations"),
                (protocols, "protocols"),
                (ports, "ports"),
                (src_ports, "src_ports"),
            )
        ]
        source_column, destination_column, protocol_column, port_column, src_port_column = factors
        inner = len(port_column) * len(src_port_column)
        combination = np.arange(len(protocol_column) * inner, dtype=np.intp)
        protocol_at, rest = np.divmod(combination, max(inner, 1))
        port_at, src_port_at = np.divmod(rest, max(len(src_port_column), 1))
        # The first flow of combination k is k (first source, first destination): errors name it.
        services = _services(
            protocol_column[protocol_at], port_column[port_at], src_port_column[src_port_at], len(combination)
        )
        table = _Table()
        n_sources, n_destinations = len(source_column), len(destination_column)
        source = _ends(
            source_column,
            n_sources,
            np.full(n_sources, version, np.int8),
            table,
            "source",
            n_destinations * len(combination),
        )
        destination = _ends(
            destination_column,
            n_destinations,
            np.full(n_destinations, version, np.int8),
            table,
            "destination",
            len(combination),
        )
        return cls(_Product(source, destination, services, version), table.endpoints())

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> FlowBatch:
        """Flows from a pandas DataFrame, as :meth:`from_arrays` reads columns.

        The columns are ``src``, ``dst``, ``protocol``, ``port`` (or ``dst_port``, as :meth:`frame` writes it),
        and optionally ``src_port`` and ``ip_version`` (NA or NaN where not given). Other columns are ignored.

        Raises
        ------
        InvalidFlowError
            A missing column (named), both ``port`` and ``dst_port``, or what :meth:`from_arrays` refuses.
        """
        names = [str(name) for name in frame.columns]
        absent = [name for name in ("src", "dst", "protocol") if name not in names]
        if "port" not in names and "dst_port" not in names:
            absent.append("port (or dst_port)")
        if absent:
            raise InvalidFlowError(
                f"The frame has no column {', '.join(absent)}; its columns are {', '.join(names) or 'none'}."
            )
        if "port" in names and "dst_port" in names:
            raise InvalidFlowError("The frame has both port and dst_port: keep one (they mean the same).")
        return cls.from_arrays(
            frame["src"],
            frame["dst"],
            frame["protocol"],
            frame["port" if "port" in names else "dst_port"],
            frame["src_port"] if "src_port" in names else None,
            ip_version=frame["ip_version"] if "ip_version" in names else None,
        )

    @classmethod
    def concat(cls, batches: Iterable[FlowBatch]) -> FlowBatch:
        """One batch of the flows of ``batches``, in order, with their references merged (lazy ones materialised).

        Examples
        --------
        >>> a = FlowBatch.from_arrays(["web", "10.0.1.5"], "db", "tcp", 5432)
        >>> b = FlowBatch.from_arrays("db", ["web", "app"], "tcp", 443)
        >>> both = FlowBatch.concat([a, b])
        >>> len(both), both.endpoints, both.dst_ref.tolist()
        (4, ('web', 'db', 'app'), [1, 1, 0, 2])
        """
        table = _Table()
        parts = []
        for batch in batches:
            columns = batch._columns
            renumber = np.array([*(table.add(e) for e in batch.endpoints), -1], dtype=np.int32)  # -1 stays -1
            parts.append(
                attrs.evolve(
                    columns,
                    src=attrs.evolve(columns.src, ref=renumber[columns.src.ref]),
                    dst=attrs.evolve(columns.dst, ref=renumber[columns.dst.ref]),
                )
            )
        if not parts:
            return cls.from_arrays([], [])

        def joined(get: Callable[[_Columns], NDArray[Any]]) -> NDArray[Any]:
            return np.concatenate([get(part) for part in parts])

        def ends(get: Callable[[_Columns], _Ends]) -> _Ends:
            return _Ends(
                joined(lambda c: get(c).hi),
                joined(lambda c: get(c).lo),
                joined(lambda c: get(c).version),
                joined(lambda c: get(c).ref),
            )

        return cls(
            _Columns(
                ends(lambda c: c.src),
                ends(lambda c: c.dst),
                joined(lambda c: c.protocol),
                joined(lambda c: c.dst_port),
                joined(lambda c: c.src_port),
                joined(lambda c: c.ip_version),
            ),
            table.endpoints(),
        )

    def __len__(self) -> int:
        return len(self._rows)

    def __repr__(self) -> str:
        n = len(self)
        return f"<FlowBatch {n:,} flow{'' if n == 1 else 's'}>"

    @property
    def _columns(self) -> _Columns:
        return self._rows if isinstance(self._rows, _Columns) else self._rows.columns

    @property
    def src_hi(self) -> U64:
        """High 64 bits of the source address (0 for IPv4 and references)."""
        return self._columns.src.hi

    @property
    def src_lo(self) -> U64:
        """Low 64 bits of the source address (the IPv4 value; 0 for references)."""
        return self._columns.src.lo

    @property
    def dst_hi(self) -> U64:
        """High 64 bits of the destination address (0 for IPv4 and references)."""
        return self._columns.dst.hi

    @property
    def dst_lo(self) -> U64:
        """Low 64 bits of the destination address (the IPv4 value; 0 for references)."""
        return self._columns.dst.lo

    @property
    def src_version(self) -> I8:
        """4 or 6 when the source was given as an address, 0 when it is a reference."""
        return self._columns.src.version

    @property
    def dst_version(self) -> I8:
        """4 or 6 when the destination was given as an address, 0 when it is a reference."""
        return self._columns.dst.version

    @property
    def src_ref(self) -> I32:
        """Index of the source in :attr:`endpoints`, -1 when it was given as an address."""
        return self._columns.src.ref

    @property
    def dst_ref(self) -> I32:
        """Index of the destination in :attr:`endpoints`, -1 when it was given as an address."""
        return self._columns.dst.ref

    @property
    def protocol(self) -> I16:
        """Protocol numbers."""
        return self._columns.protocol

    @property
    def dst_port(self) -> I32:
        """TCP/UDP destination port or ICMP type; -1 where not given."""
        return self._columns.dst_port

    @property
    def src_port(self) -> I32:
        """TCP/UDP source port or ICMP code; -1 where not given."""
        return self._columns.src_port

    @property
    def ip_version(self) -> I8:
        """4 or 6 as asked, 0 for either family."""
        return self._columns.ip_version

    def take(self, indices: slice | ArrayLike) -> FlowBatch:
        """The flows at ``indices`` (a slice, an integer array, negative from the end, or a boolean mask).

        A lazy product makes only those rows. The result shares :attr:`endpoints`.

        Examples
        --------
        >>> batch = FlowBatch.from_product(["10.0.1.5", "10.0.1.6"], "web", ports=range(1000))
        >>> batch.take([0, -1]).dst_port.tolist(), len(batch.take(slice(None, None, 10)))
        ([0, 999], 200)
        """
        if isinstance(self._rows, _Columns):
            selection = indices if isinstance(indices, slice) else _positions(indices, len(self))
            return FlowBatch(self._rows.take(selection), self.endpoints)
        return FlowBatch(self._rows.rows(_positions(indices, len(self))), self.endpoints)

    def chunks(self, size: int) -> Iterator[FlowBatch]:
        """Consecutive pieces of at most ``size`` flows, in order; a lazy product makes one piece at a time.

        Examples
        --------
        >>> batch = FlowBatch.from_product(["10.0.1.5"], ["web", "db"], ports=range(5))
        >>> [len(piece) for piece in batch.chunks(4)]
        [4, 4, 2]
        """
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
            raise ValueError(f"Chunk size {size!r} is invalid: a positive integer.")
        step = int(size)
        return (self.take(slice(start, start + step)) for start in range(0, len(self), step))

    def flow(self, index: int) -> tuple[object, object, int, int | None, int | None, int | None]:
        """Flow ``index`` as ``trace`` arguments: ``(src, dst, protocol, port, src_port, ip_version)``.

        Addresses come back as :mod:`ipaddress` objects, references as given; ``None`` where not given.
        """
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"Flow {index} is out of range for a batch of {n:,} flows.")
        row = self.take(np.array([index % n]))._columns
        return (
            self._end(row.src),
            self._end(row.dst),
            int(row.protocol[0]),
            None if row.dst_port[0] < 0 else int(row.dst_port[0]),
            None if row.src_port[0] < 0 else int(row.src_port[0]),
            None if row.ip_version[0] == 0 else int(row.ip_version[0]),
        )

    def _end(self, end: _Ends) -> object:
        if end.version[0] == 0:
            return self.endpoints[end.ref[0]]
        return from_words(end.hi, end.lo, end.version)[0]

    def frame(self) -> pd.DataFrame:
        """The flows as a pandas DataFrame that :meth:`from_frame` reads back.

        Columns: ``src`` and ``dst`` (addresses as text, resources as their id, ids and Name tags as given,
        internet hosts as their repr), ``protocol`` (``"tcp"``, ``"udp"``, ``"icmp"``, ``"icmpv6"`` or the
        number as text), ``src_port``, ``dst_port`` and ``ip_version`` (nullable Int64: NA where not given).
        """
        import pandas as pd  # an optional dependency: only frame() needs it

        columns = self._columns
        numbers, inverse = np.unique(columns.protocol, return_inverse=True)
        names = np.array([protocol_name(int(number)) for number in numbers], dtype=object)

        def nullable(values: NDArray[Any], missing: Bools) -> Any:
            return pd.arrays.IntegerArray(values.astype(np.int64), missing.copy())

        return pd.DataFrame(
            {
                "src": self._labels(columns.src),
                "dst": self._labels(columns.dst),
                "protocol": names[inverse.reshape(-1)],
                "src_port": nullable(columns.src_port, columns.src_port < 0),
                "dst_port": nullable(columns.dst_port, columns.dst_port < 0),
                "ip_version": nullable(columns.ip_version, columns.ip_version == 0),
            }
        )

    def _labels(self, end: _Ends) -> NDArray[Any]:
        """Each flow's end as text, formatting each distinct address once."""
        labels = np.empty(len(end), dtype=object)
        given = end.version != 0
        if given.any():
            words = np.stack([end.hi[given], end.lo[given], end.version[given].astype(np.uint64)], axis=1)
            unique, inverse = np.unique(words, axis=0, return_inverse=True)
            texts = [str(address) for address in from_words(unique[:, 0], unique[:, 1], unique[:, 2])]
            labels[given] = np.array(texts, dtype=object)[inverse.reshape(-1)]
        if not given.all():
            references = np.array([_label(reference) for reference in self.endpoints], dtype=object)
            labels[~given] = references[end.ref[~given]]
        return labels
