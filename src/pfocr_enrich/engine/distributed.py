"""``enrich_many(..., client=...)``: the chunks of a screen as tasks of a Dask cluster.

Imported only when a client is given (dask, distributed and pyarrow are the optional
``pfocr_enrich[dask]`` extra). How it works, all with ordinary dask.distributed:

* the :class:`~.stream.Screen` (library, options, background) is shipped once: the
  result of one task that unpickles it, replicated to every worker, so no worker parses
  the library, and a screen that loses every copy gets it back (a scattered object would
  be lost, and the tasks that need it cancelled);
* each chunk of ``chunk_size`` queries is one task (a dask DataFrame input is first
  shuffled on ``query`` so that each partition holds whole queries); a query's FDR is
  computed inside its task, so rows never move between tasks;
* without ``out`` the tasks become a lazy dask DataFrame (``dd.from_delayed``, fixed
  ``meta``); with ``out`` each task writes its own part file from the worker
  (``part-<chunk>.parquet``, written in one step), and the driver keeps only a bounded
  number of tasks in flight, so its memory does not grow with the number of queries;
* with ``out``, a chunk's queries reach its task as a file in ``out`` (the folder the
  workers write to, so one they can read), not inside the task: the scheduler keeps the
  last 1,000 message batches of every stream for debugging
  (``distributed.admin.low-level-log-length``), each holding the tasks it carried, and
  with the queries inside them a driver running its own scheduler (``LocalCluster``)
  grew by ~1 MB per task of 100 queries (see :data:`_INBOX`).

A worker lost mid-run is handled by the scheduler: its tasks run again elsewhere, and a
part written twice is replaced, never duplicated.

Workers started by a dask nanny get ``MALLOC_TRIM_THRESHOLD_=65536`` by default, which
also pins glibc's mmap threshold at 128 KiB: each of a query's arrays (one value per
library set) is then mapped and zeroed afresh, and a screen costs ~1.4x the CPU of the
same tasks on one process (``benchmarks/scale.py``). :func:`run_on_cluster` logs a
warning with the fix (see docs/scaling.md) when the workers run so.
"""

from __future__ import annotations

import logging
import os
import pickle
import platform
import shutil
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.validation import param_error
from .dataset import WrittenDataset
from .queries import is_dask_frame, iter_chunks
from .stream import (
    Chunk,
    Screen,
    chunk_queries,
    compact_meta,
    prepare_out,
    progress_bar,
    score_chunk,
    score_part,
    write_part,
)

logger = logging.getLogger(__name__)

__all__ = ["allocator_pinned", "run_on_cluster"]

_IN_FLIGHT_PER_THREAD = 3  # tasks submitted ahead per worker thread when writing ``out``
# The chunks of queries waiting for their task, one pickle file each, in this hidden folder
# of ``out`` (pyarrow and dask skip names starting with "."); each file is deleted once its
# task's result is back, the folder at the end. Passing the queries inside the tasks, dask's
# debugging logs (the last 1,000 message batches per stream) kept them: a 2-worker
# LocalCluster's driver (scheduler in-process), 40,000 GO lists in tasks of 100, went
# 526 -> 655 -> 724 -> 813 MB over the quarters of the run (with the logs off, 559 MB flat).
_INBOX = ".queries"


def run_on_cluster(
    queries: object,
    screen: Screen,
    client: Any,
    *,
    out: str | os.PathLike[str] | None,
    chunk_size: int,
    progress: bool,
) -> Any:
    """Score ``queries`` on ``client``'s cluster: a dask DataFrame, or a written dataset."""
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(
            'enrich_many(client=...) needs dask.distributed: pip install "pfocr_enrich[dask]"'
        ) from None
    if not isinstance(client, Client):
        expected = "a dask.distributed.Client or None"
        raise param_error("enrich_many", "client", expected, client, error=TypeError)
    _check_allocator(client)
    shared = _ship(client, screen)
    if is_dask_frame(queries):
        parts = _frame_partitions(queries)
    else:
        parts = iter_chunks(queries, chunk_size)
    if out is None:
        return _lazy_frame(shared, parts)
    bar = progress_bar(queries, enabled=progress, desc="enrich_many (cluster)")
    return _write(client, shared, parts, prepare_out(out), bar=bar)


def _ship(client: Any, screen: Screen) -> Any:
    """The screen held by every worker, as the result of a task that unpickles it.

    Scattered data is gone for good when its holders die (the tasks that need it are
    then cancelled); a task's result is recomputed by the scheduler, which keeps the
    task and so the pickled screen. ``replicate`` copies it to every worker before the
    screen starts, so no task waits for it.
    """
    payload = pickle.dumps(screen, protocol=pickle.HIGHEST_PROTOCOL)
    with warnings.catch_warnings():
        # dask warns of any large argument; this one is shipped once, on purpose
        warnings.filterwarnings("ignore", message=".*[Ll]arge (object|graph)", category=UserWarning)
        shared = client.submit(pickle.loads, payload, key=f"Screen-{uuid.uuid4().hex}")
    client.replicate([shared])
    return shared


def allocator_pinned() -> bool:
    """Whether this process runs glibc with a fixed 128 KiB mmap threshold (run on workers).

    Setting ``MALLOC_TRIM_THRESHOLD_`` without ``MALLOC_MMAP_THRESHOLD_`` turns off glibc's
    dynamic mmap threshold (mallopt(3)).
    """
    return (
        platform.libc_ver()[0] == "glibc"
        and "MALLOC_TRIM_THRESHOLD_" in os.environ
        and "MALLOC_MMAP_THRESHOLD_" not in os.environ
    )


def _check_allocator(client: Any) -> None:
    try:
        pinned = client.run(allocator_pinned)
    except Exception:  # noqa: BLE001 - a diagnostic only: never stop a screen for it
        return
    if any(pinned.values()):
        logger.warning(
            "enrich_many: %d of %d workers run with MALLOC_TRIM_THRESHOLD_ and no "
            "MALLOC_MMAP_THRESHOLD_ (dask's default), so every array over 128 KiB is mapped "
            "afresh and a screen spends ~1.4x the CPU; start the workers with "
            "MALLOC_MMAP_THRESHOLD_=67108864 and MALLOC_TRIM_THRESHOLD_=67108864 (docs/scaling.md)",
            sum(pinned.values()),
            len(pinned),
        )


def _frame_partitions(frame: Any) -> list[Any]:
    """Delayed partitions of a dask (query, gene) DataFrame, each holding whole queries."""
    columns = set(frame.columns)
    if not {"query", "gene"} <= columns:
        expected = "a dask DataFrame with columns 'query' and 'gene'"
        raise param_error("enrich_many", "queries", expected, frame, shown=repr(sorted(columns)))
    frame = frame[["query", "gene"]]
    if frame.npartitions > 1:
        frame = frame.shuffle("query", shuffle_method="tasks")
    return list(frame.to_delayed())


def _lazy_frame(shared: Any, parts: Any) -> Any:
    import dask
    import dask.dataframe as dd

    tasks = [
        dask.delayed(score_part, pure=True)(shared, Chunk(part) if isinstance(part, dict) else part)
        for part in parts
    ]
    return dd.from_delayed(tasks, meta=compact_meta(), verify_meta=False)


@dataclass(frozen=True)
class ChunkFile:
    """A chunk of queries waiting in a file for its task (see :data:`_INBOX`)."""

    path: str

    @classmethod
    def stage(cls, chunk: dict[str, list[Any]], path: Path) -> ChunkFile:
        with open(path, "wb") as fh:
            pickle.dump(chunk, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return cls(str(path))

    def load(self) -> dict[str, list[Any]]:
        try:
            with open(self.path, "rb") as fh:
                return pickle.load(fh)
        except FileNotFoundError:
            raise FileNotFoundError(
                f"enrich_many: a worker cannot read {self.path}: with client= and out=, the "
                "out folder must be one the workers can read and write (a shared file system)"
            ) from None


def _write_task(
    screen: Screen, part: ChunkFile | pd.DataFrame, path: str
) -> tuple[int, int, dict[str, Any]]:
    """Score one part and write it (on the worker); its counts and params."""
    named = part.load() if isinstance(part, ChunkFile) else chunk_queries(part)
    if not named:
        return 0, 0, {}
    rows = score_chunk(named, screen)
    write_part(rows.arrow(), Path(path))
    return len(rows.names), len(rows), rows.params


def _write(client: Any, shared: Any, parts: Any, folder: Path, *, bar: Any) -> WrittenDataset:
    """Submit the parts (a bounded number in flight); ``bar`` advances as tasks finish."""
    import dask
    from distributed import as_completed

    threads = sum(client.nthreads().values()) or 1
    limit = _IN_FLIGHT_PER_THREAD * threads
    n_queries = n_rows = 0
    params: dict[str, Any] = {}
    pending = as_completed()
    inbox = folder / _INBOX
    staged: dict[str, Path] = {}  # key of a task in flight -> its chunk's file

    def collect(future: Any) -> None:
        nonlocal n_queries, n_rows, params
        queries, rows, part_params = future.result()
        future.release()
        if future.key in staged:
            staged.pop(future.key).unlink(missing_ok=True)
        if bar is not None:
            bar.update(queries)
        n_queries, n_rows, params = n_queries + queries, n_rows + rows, params or part_params

    try:
        for i, part in enumerate(parts):
            path = str(folder / f"part-{i:06d}.parquet")
            if isinstance(part, dict):  # a chunk of queries
                inbox.mkdir(exist_ok=True)
                staged_chunk = ChunkFile.stage(part, inbox / f"chunk-{i:06d}.pickle")
                del part
                future = client.submit(_write_task, shared, staged_chunk, path, pure=False)
                staged[future.key] = Path(staged_chunk.path)
            else:  # a delayed partition of a dask DataFrame
                future = client.compute(dask.delayed(_write_task)(shared, part, path))
            pending.add(future)
            while pending.count() >= limit:
                collect(next(pending))
        for future in pending:
            collect(future)
    finally:
        if bar is not None:
            bar.close()
        if inbox.exists():
            shutil.rmtree(inbox, ignore_errors=True)
    return WrittenDataset(folder, n_queries, n_rows, params)
