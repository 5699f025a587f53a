"""Screening at any scale: ``enrich_many`` in chunks of queries, to Parquet or to a cluster.

A :class:`Screen` is everything a chunk of queries needs besides the queries (the
library, the options, the background, the keep rule). :func:`score_chunk` runs the
ordinary ``enrich_many`` pipeline on one chunk and returns its kept rows as compact
columns (:data:`COMPACT_COLUMNS`); each query's FDR is computed over all its tested sets
inside the chunk, so the rows equal those of one in-memory run over every query,
whatever the chunking. :func:`screen_many` streams the chunks on this process
(writing Parquet with pyarrow) or hands them to :mod:`.distributed`.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._util.validation import check_int, param_error
from ..identifiers import GeneMapper, normalise_query
from .dataset import METADATA_KEY, WrittenDataset
from .enrich import _run
from .queries import is_dask_frame, iter_chunks
from .tested import TailMemos

if TYPE_CHECKING:
    from ..library import GeneSetLibrary
    from .keep import KeepRule

logger = logging.getLogger(__name__)

__all__ = [
    "COMPACT_COLUMNS",
    "Screen",
    "compact_meta",
    "score_chunk",
    "screen_many",
]

# The columns of a streamed or distributed result, with their pandas dtypes. ``rank`` is
# the row's rank within its query (the index of the in-memory table).
COMPACT_COLUMNS = {
    "query": "object",
    "rank": "int64",
    "set_id": "object",
    "overlap": "int64",
    "set_size": "int64",
    "query_size": "int64",
    "pvalue": "float64",
    "log10_pvalue": "float64",
    "fdr": "float64",
}
_NUMERIC = ("overlap", "set_size", "query_size", "pvalue", "log10_pvalue", "fdr")
# Dictionary pages only for the text columns and statistics only for ``query``: the float
# columns of a screen are millions of rows a second, and encoding them is the bottleneck
# (x2-3 faster writes for ~1.5x larger files, benchmarks/scale.py). ``rank`` (1, 2, ... in
# each query) is delta-encoded: 8 bytes a row to almost none, files ~40 % smaller.
WRITE_OPTIONS = {
    "use_dictionary": ["query", "set_id"],
    "write_statistics": ["query"],
    "column_encoding": {"rank": "DELTA_BINARY_PACKED"},
}


@dataclass(frozen=True, eq=False)
class Screen:
    """What every chunk of a screen shares; sent once to each worker of a cluster.

    ``tails`` remembers the p-values of (overlap, set size, query size) groups from chunk
    to chunk (on each worker its own, filled there: it is sent empty).
    """

    library: GeneSetLibrary
    options: dict[str, object]
    background: object = None
    mapper: GeneMapper | None = None
    keep: KeepRule | None = None
    tails: TailMemos = field(default_factory=TailMemos, repr=False)


@dataclass
class ChunkRows:
    """The kept rows of one chunk as arrays (query and set as codes)."""

    names: list[str]
    set_ids: np.ndarray  # the library's set ids (object), indexed by set_index
    codes: np.ndarray  # int32 query code of each row
    set_index: np.ndarray  # int32
    rank: np.ndarray  # int64
    columns: dict[str, np.ndarray]
    params: dict[str, Any]

    def __len__(self) -> int:
        return len(self.codes)

    def frame(self) -> pd.DataFrame:
        """The compact columns as a pandas DataFrame (dtypes of :data:`COMPACT_COLUMNS`)."""
        cols: dict[str, np.ndarray] = {
            "query": np.asarray(self.names, dtype=object)[self.codes],
            "rank": self.rank,
            "set_id": self.set_ids[self.set_index],
            **self.columns,
        }
        frame = pd.DataFrame(cols, copy=False)
        return frame.astype(COMPACT_COLUMNS, copy=False)

    def arrow(self) -> Any:
        """The compact columns as a pyarrow Table (query and set id dictionary-encoded)."""
        import pyarrow as pa

        arrays = {
            "query": pa.DictionaryArray.from_arrays(
                pa.array(self.codes, pa.int32()), pa.array(self.names, pa.string())
            ),
            "rank": pa.array(self.rank, pa.int64()),
            "set_id": pa.DictionaryArray.from_arrays(
                pa.array(self.set_index, pa.int32()), _arrow_ids(self.set_ids)
            ),
        }
        arrays.update({name: pa.array(self.columns[name]) for name in _NUMERIC})
        metadata = {METADATA_KEY: json.dumps(self.params, default=str).encode("utf-8")}
        return pa.table(arrays, metadata=metadata)


_ARROW_IDS: dict[int, tuple[np.ndarray, Any]] = {}


def _arrow_ids(set_ids: np.ndarray) -> Any:
    """The set ids as one pyarrow string array, built once per library (per process)."""
    import pyarrow as pa

    hit = _ARROW_IDS.get(id(set_ids))
    if hit is None or hit[0] is not set_ids:
        _ARROW_IDS.clear()
        hit = _ARROW_IDS[id(set_ids)] = (set_ids, pa.array(set_ids.tolist(), pa.string()))
    return hit[1]


def compact_meta() -> pd.DataFrame:
    """An empty frame with the columns and dtypes of every streamed chunk (a dask ``meta``)."""
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COMPACT_COLUMNS.items()})


def score_chunk(named: dict[str, list[Any]], screen: Screen) -> ChunkRows:
    """The kept rows of one chunk of queries, scored as ``enrich_many`` scores them."""
    normalised = {
        name: normalise_query(genes, param=f"queries[{name!r}]", func="enrich_many")
        for name, genes in named.items()
    }
    rows, params, _, tested = _run(
        normalised,
        screen.library,
        func="enrich_many",
        background=screen.background,
        mapper=screen.mapper,
        options=screen.options,
        keep=screen.keep,
        tails=screen.tails,
    )
    params.pop("queries")
    params["library_provenance"] = {
        "name": screen.library.name,
        "sets": len(screen.library),
        "genes": screen.library.n_genes,
        "info": screen.library.info,
    }
    group = rows.group.astype(np.intp)  # converted once for the seven gathers below
    codes = rows.g_query[group]
    rank = np.arange(len(rows), dtype=np.int64) - rows.query_start[codes] + 1
    columns = {name: rows.column_at(name, group) for name in _NUMERIC}
    del group
    set_ids = tested.derived.memo(("set_ids_array",), lambda: tested.set_ids.to_numpy(dtype=object))
    return ChunkRows(list(rows.names), set_ids, codes, rows.set_index, rank, columns, params)


@dataclass(frozen=True)
class Chunk:
    """A chunk of named queries as one task argument (dask does not look inside it)."""

    queries: dict[str, list[Any]]


def chunk_queries(part: Chunk | pd.DataFrame) -> dict[str, list[Any]]:
    """Name -> genes of a task's part: a :class:`Chunk`, or a long (query, gene) frame of a
    dask DataFrame partition (every query whole in it)."""
    if isinstance(part, Chunk):
        return part.queries
    grouped = part.groupby("query", sort=False, observed=True)["gene"]
    return {str(name): list(genes) for name, genes in grouped}


def score_part(screen: Screen, part: Chunk | pd.DataFrame) -> pd.DataFrame:
    """Compact rows of one task's part (see :func:`chunk_queries`)."""
    named = chunk_queries(part)
    return score_chunk(named, screen).frame() if named else compact_meta()


def prepare_out(out: str | os.PathLike[str]) -> Path:
    """The output folder: new, or empty (parts of an older run are never mixed in)."""
    path = Path(out)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        expected = "a new or empty folder for the Parquet dataset"
        raise param_error("enrich_many", "out", expected, str(path), shown=f"{str(path)!r} exists")
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_part(table: Any, path: Path) -> None:
    """Write one part file in one step (a rerun of the same part replaces it)."""
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp, **WRITE_OPTIONS)
    os.replace(tmp, path)


def screen_many(
    queries: object,
    screen: Screen,
    *,
    out: str | os.PathLike[str] | None,
    client: Any,
    chunk_size: int,
    progress: bool,
) -> Any:
    """The streamed ``enrich_many``: on this process or on ``client``'s cluster."""
    chunk_size = check_int(chunk_size, func="enrich_many", param="chunk_size", min=1)  # type: ignore[assignment]
    if out is not None:
        _require_pyarrow()
    if client is not None:
        from .distributed import run_on_cluster

        return run_on_cluster(
            queries, screen, client, out=out, chunk_size=chunk_size, progress=progress
        )
    if is_dask_frame(queries):
        expected = "a mapping, a DataFrame or a path when no client is given"
        raise param_error("enrich_many", "queries", expected, queries, error=TypeError)
    bar = progress_bar(queries, enabled=progress, desc="enrich_many")
    chunks = _with_progress(iter_chunks(queries, chunk_size), bar)
    if out is None:  # an iterator or a Parquet input, nothing to write: the in-memory result
        from .enrich import enrich_many

        named = {name: genes for chunk in chunks for name, genes in chunk.items()}
        return enrich_many(named, screen.library, **_public_options(screen))
    return _write_local(chunks, prepare_out(out), screen)


def _write_local(
    chunks: Iterator[dict[str, list[Any]]], folder: Path, screen: Screen
) -> WrittenDataset:
    """Score chunk after chunk; one Parquet file with a row group per chunk."""
    import pyarrow.parquet as pq

    path = folder / "part-000000.parquet"
    tmp = folder / ".part-000000.parquet.tmp"
    writer, n_queries, n_rows, params, done = None, 0, 0, {}, False
    try:
        for chunk in chunks:
            rows = score_chunk(chunk, screen)
            table = rows.arrow()
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, **WRITE_OPTIONS)
                params = rows.params
            writer.write_table(table.cast(writer.schema))
            n_queries += len(rows.names)
            n_rows += len(rows)
        done = True
    finally:
        if writer is not None:
            writer.close()
        if not done:  # a bad query part-way: out stays empty, so a rerun can use it
            tmp.unlink(missing_ok=True)
    os.replace(tmp, path)
    return WrittenDataset(folder, n_queries, n_rows, params)


def _public_options(screen: Screen) -> dict[str, Any]:
    return {
        **screen.options,
        "background": screen.background,
        "mapper": screen.mapper,
        "keep": None if screen.keep is None else _keep_argument(screen.keep),
    }


def _keep_argument(rule: KeepRule) -> str | int:
    return rule.top if rule.top is not None else f"{rule.column}<={rule.threshold!r}"


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise ImportError(
            'enrich_many(out=...) writes Parquet with pyarrow: pip install "pfocr_enrich[dask]"'
        ) from None


def progress_bar(queries: object, *, enabled: bool, desc: str) -> Any:
    """A tqdm bar counting queries, or None; its total when the input tells it cheaply."""
    if not enabled:
        return None
    from tqdm import tqdm

    total = None
    if isinstance(queries, Mapping):
        total = len(queries)
    elif isinstance(queries, pd.DataFrame) and "query" in queries.columns:
        total = int(queries["query"].nunique())
    return tqdm(total=total, unit="query", desc=desc, leave=False)


def _with_progress(
    chunks: Iterator[dict[str, list[Any]]], bar: Any
) -> Iterator[dict[str, list[Any]]]:
    """The chunks, advancing ``bar`` (if any) by the queries of each chunk once it is done."""
    if bar is None:
        yield from chunks
        return
    with bar:
        for chunk in chunks:
            yield chunk
            bar.update(len(chunk))
