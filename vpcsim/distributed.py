"""vpcsim on Dask (``dask.distributed``): evaluate flows and answer exact queries on a cluster.

The network, with its compiled tables, is scattered to every worker once (broadcast); flow slices or header-space
cells are mapped to the workers; results are gathered in order, so every answer equals the serial one. Nothing here
is imported by the serial path: ``net.evaluate(flows)`` never imports Dask.

Point at a cluster by passing its :class:`distributed.Client`, or make one current (``Client(...)`` sets itself as
the default, which ``client=None`` picks up)::

    from distributed import Client
    client = Client("tcp://scheduler.internal:8786")      # an existing cluster: its scheduler's address
    v = net.evaluate(flows, backend="dask", client=client)
    exposed = net.exposure(backend="dask")                # the current client
    changed = vpcsim.diff(before, after, backend="dask")

For a quick start on one machine: ``Client(LocalCluster(n_workers=4, threads_per_worker=1))``. Workers need vpcsim
(``pip install 'vpcsim[distributed]'``) at the same version as the client.

Flows may also come as a dask DataFrame (columns as :meth:`vpcsim.FlowBatch.from_frame` reads): each partition is
evaluated where it lies and the result is a dask DataFrame of :meth:`vpcsim.Evaluation.frame` rows with the input's
index, never gathered: write it out with ``.to_parquet()`` when it is larger than memory.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any

from vpcsim.engine.evaluate import DEFAULT_CHUNK, Evaluation, evaluate_chunks
from vpcsim.engine.flows import FlowBatch, _Product

if TYPE_CHECKING:
    import pandas as pd

    from vpcsim.network import Network

__all__ = ["BACKENDS", "evaluate", "evaluate_frame", "evaluator", "get_client"]

BACKENDS = ("serial", "dask")
_TASKS_PER_WORKER = 4  # enough pieces to balance uneven scalar lanes, few enough to keep the per-task cost small


def _import_error(exc: ImportError) -> ImportError:
    return ImportError(f"backend='dask' needs dask.distributed: pip install 'vpcsim[distributed]' ({exc})")


def get_client(client: Any = None) -> Any:
    """``client`` if given, else the current ``distributed`` client (the one made last, or set with ``as_current``).

    Raises
    ------
    ImportError
        dask.distributed is not installed.
    ValueError
        No client given and none is current: say which cluster to use.
    """
    try:
        from distributed import Client, default_client
    except ImportError as exc:
        raise _import_error(exc) from None
    if client is not None:
        if not isinstance(client, Client):
            raise TypeError(f"client must be a distributed.Client, not {type(client).__name__}.")
        return client
    try:
        return default_client()  # type: ignore[no-untyped-call]
    except ValueError:
        raise ValueError(
            "backend='dask' needs a Dask client: pass client=Client('tcp://scheduler:8786') for a cluster, or "
            "create one first (Client() starts a local cluster)."
        ) from None


def check_backend(backend: object) -> str:
    """The backend name, validated: ``"serial"`` (the default, in this process) or ``"dask"``."""
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is unknown: choose 'serial' or 'dask'.")
    return str(backend)


def _scattered(client: Any, net: Network) -> Any:
    """The network on every worker, with its compiled tables (compiled here first, so workers never compile)."""
    from vpcsim.engine.compile import compile_network

    compile_network(net)
    return client.scatter(net, broadcast=True, hash=False)


def _evaluate_slice(net: Network, flows: FlowBatch, start: int, stop: int, chunk: int) -> Evaluation:
    """A worker's task: the verdicts of flows ``start..stop`` of a (lazy, shared) batch."""
    return _offset(net, flows.take(slice(start, stop)), start, chunk)


def _offset(net: Network, piece: FlowBatch, start: int, chunk: int) -> Evaluation:
    """A worker's task: the verdicts of a materialised piece whose first flow is ``start`` in the whole batch."""
    parts = list(evaluate_chunks(net, piece, chunk=chunk, start=start))
    return parts[0] if len(parts) == 1 else Evaluation._concat(parts)


def _bounds(total: int, workers: int, chunk: int, partition: int | None) -> list[tuple[int, int]]:
    if partition is None:
        partition = max(chunk, math.ceil(total / max(1, workers * _TASKS_PER_WORKER)))
    return [(start, min(start + partition, total)) for start in range(0, total, partition)]


def _check_sizes(chunk: object, partition: object) -> None:
    for name, value in (("chunk", chunk), ("partition", partition)):
        if value is None and name == "partition":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive integer, not {value!r}.")


def evaluate(
    net: Network,
    flows: FlowBatch,
    *,
    client: Any = None,
    chunk: int = DEFAULT_CHUNK,
    partition: int | None = None,
) -> Evaluation:
    """:meth:`vpcsim.Network.evaluate` on a Dask cluster: the same :class:`~vpcsim.Evaluation`, flow for flow.

    The network (with its compiled tables) is broadcast to every worker once. A lazy
    :meth:`~vpcsim.FlowBatch.from_product` is broadcast too (it is only its factors) and each task makes its own
    slice; a materialised batch is cut into pieces scattered to the workers. Each task walks its flows ``chunk`` at a
    time; the results are gathered in order.

    Parameters
    ----------
    net : Network
    flows : FlowBatch
    client : distributed.Client, optional
        The cluster to use; default the current client.
    chunk : int
        Flows per vectorised walk inside a task (as :meth:`vpcsim.Network.evaluate`).
    partition : int, optional
        Flows per task; default the batch split into four tasks per worker (at least ``chunk`` flows each).

    Raises
    ------
    InvalidFlowError, InvalidEndpointError
        As the serial evaluation, naming the flow's index in the whole batch.
    """
    _check_sizes(chunk, partition)
    dask = get_client(client)
    total = len(flows)
    if total == 0:
        from vpcsim.engine.evaluate import evaluate as serial

        return serial(net, flows, chunk=chunk)
    workers = len(dask.scheduler_info().get("workers", {})) or 1
    bounds = _bounds(total, workers, chunk, partition)
    _tune_workers(dask)
    shared = _scattered(dask, net)
    lazy = isinstance(flows._rows, _Product) and "columns" not in flows._rows.__dict__
    if lazy:
        batch = dask.scatter(flows, broadcast=True, hash=False)
        futures = [dask.submit(_evaluate_slice, shared, batch, a, b, chunk, pure=False) for a, b in bounds]
    else:
        pieces = dask.scatter([flows.take(slice(a, b)) for a, b in bounds], hash=False)
        futures = [dask.submit(_offset, shared, piece, a, chunk, pure=False)
                   for piece, (a, _) in zip(pieces, bounds, strict=True)]  # fmt: skip
    try:
        return _assemble(dask, futures, [a for a, _ in bounds], total)
    finally:
        dask.cancel([*futures, shared])


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter
_MMAP_THRESHOLD = 32 << 20  # glibc's largest: arrays below it come from the heap, whose pages are reused


def _heap_arrays() -> bool:
    """On a worker: serve arrays below 32 MiB from the heap again. Dask's nanny starts workers with
    ``MALLOC_TRIM_THRESHOLD_=65536``, which turns off glibc's dynamic mmap threshold: every array above 128 KiB
    becomes a fresh mmap whose pages fault in on first touch, and a walk allocates thousands (measured: walks 1.35-2x
    slower than in a plain process). Not glibc: nothing to do."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        return bool(name) and bool(ctypes.CDLL(name).mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD))
    except (OSError, AttributeError):
        return False


def _tune_workers(dask: Any) -> None:
    """Run :func:`_heap_arrays` on workers that have not had it (once per worker process)."""
    workers = set(dask.scheduler_info().get("workers", {}))
    tuned: set[str] = getattr(dask, "_vpcsim_tuned", set())
    if workers - tuned:
        dask.run(_heap_arrays, workers=sorted(workers - tuned))
        dask._vpcsim_tuned = tuned | workers


class _Placed:
    """An evaluation put together from parts as they arrive: arrays allocated once, each part copied into its place
    (no join at the end), string codes renumbered onto one table."""

    def __init__(self, total: int) -> None:
        from vpcsim.engine.evaluate import StringTable

        self.total = total
        self.arrays: dict[str, Any] = {}
        self.strings = StringTable()

    def put(self, start: int, part: Evaluation) -> None:
        import numpy as np

        from vpcsim.engine.evaluate import _STRING_FIELDS

        renumber = self.strings.renumber(part)
        columns = {**part.codes, **{name: getattr(part, name) for name in _ARRAYS}}
        stop = start + len(part)
        for name, column in columns.items():
            if name not in self.arrays:
                self.arrays[name] = np.empty(self.total, dtype=column.dtype)
            self.arrays[name][start:stop] = renumber[column] if name in _STRING_FIELDS else column

    def evaluation(self) -> Evaluation:
        codes = {name: column for name, column in self.arrays.items() if name not in _ARRAYS}
        return Evaluation(codes, self.strings.values, *(self.arrays[name] for name in _ARRAYS))


_ARRAYS = ("src_hi", "src_lo", "dst_hi", "dst_lo", "version", "protocol", "src_port", "dst_port")


def _assemble(dask: Any, futures: list[Any], starts: list[int], total: int) -> Evaluation:
    """The tasks' results in one evaluation, each fetched straight from its worker as soon as it is done (while the
    others still run) and copied into place. When tasks failed, the error of the first in batch order is raised
    (as the serial walk raises the first invalid flow's), not that of whichever failed first."""
    from distributed import as_completed

    where = {future.key: start for future, start in zip(futures, starts, strict=True)}
    placed = _Placed(total)
    failed = False
    for future in as_completed(futures):  # type: ignore[no-untyped-call]
        if future.status == "error":
            failed = True
            continue
        placed.put(where[future.key], dask.gather(future, direct=True))
    if failed:
        for future in futures:
            if future.status == "error":
                future.result()  # raises the task's exception
    return placed.evaluation()


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns, so partitions made apart agree and the result has a schema (Parquet): categoricals and
    objects (dispositions, codes, ids, rules that are numbers or ids) become pandas strings, None becoming NA."""
    out = frame.copy()
    for name, column in frame.items():
        if column.dtype == object or str(column.dtype) == "category":
            out[name] = column.map(lambda v: None if v is None else str(v)).astype("string")
    return out


_FLOW_ERROR = re.compile(r"^flow (\d+): ", re.S)


def _evaluate_partition(frame: pd.DataFrame, net: Network, chunk: int) -> pd.DataFrame:
    from vpcsim.engine.evaluate import evaluate as serial
    from vpcsim.errors import InvalidEndpointError, InvalidFlowError

    try:
        out = _plain(serial(net, FlowBatch.from_frame(frame), chunk=chunk).frame())
    except (InvalidFlowError, InvalidEndpointError) as exc:  # name the row by its index label, not its position here
        found = _FLOW_ERROR.match(str(exc))
        if found is None:
            raise
        raise type(exc)(f"flow {frame.index[int(found.group(1))]}: {str(exc)[found.end() :]}") from None
    out.index = frame.index
    return out


def evaluate_frame(net: Network, flows: Any, *, client: Any = None, chunk: int = DEFAULT_CHUNK) -> Any:
    """Evaluate a dask DataFrame of flows where its partitions lie; the verdicts as a lazy dask DataFrame.

    ``flows`` has the columns :meth:`vpcsim.FlowBatch.from_frame` reads (``src``, ``dst``, ``protocol``, ``port``,
    optional ``src_port`` and ``ip_version``); a pandas DataFrame or a :class:`~vpcsim.FlowBatch` is split into
    partitions first. The result has :meth:`vpcsim.Evaluation.frame`'s columns, one row per flow with the input's
    index, and stays on the cluster until computed (``.compute()``, ``.to_parquet(path)``, aggregations). Its text
    columns are pandas strings (dispositions and rules as text, NA where the serial frame has None), so every
    partition has the same schema. An invalid flow raises what the serial path raises, naming the row by its index
    label.
    """
    _check_sizes(chunk, None)
    dask = get_client(client)
    try:
        import dask.dataframe as dd
    except ImportError as exc:
        raise _import_error(exc) from None
    if isinstance(flows, FlowBatch):
        flows = flows.frame()
    if not isinstance(flows, dd.DataFrame):
        import pandas as pd

        if not isinstance(flows, pd.DataFrame):
            raise TypeError(f"flows must be a dask or pandas DataFrame or a FlowBatch, not {type(flows).__name__}.")
        workers = len(dask.scheduler_info().get("workers", {})) or 1
        parts = max(1, min(len(flows) // chunk + 1, workers * _TASKS_PER_WORKER))
        flows = dd.from_pandas(flows, npartitions=parts)  # type: ignore[no-untyped-call]
    from vpcsim.engine.compile import compile_network

    meta = _plain(Evaluation._empty(compile_network(net)).frame())
    meta.index = flows._meta.index  # the input's index (name and type): the partitions keep it
    return flows.map_partitions(_evaluate_partition, _scattered(dask, net), chunk, meta=meta)


def evaluator(backend: object, client: Any = None) -> Any:
    """The function the exact queries walk their header-space cells with: ``(net, batch) -> Evaluation``."""
    from vpcsim.engine.evaluate import evaluate as serial

    if check_backend(backend) == "serial":
        return serial
    dask = get_client(client)

    def on_dask(net: Network, batch: FlowBatch) -> Evaluation:
        return evaluate(net, batch, client=dask)

    return on_dask
