"""Queries for streamed runs: any input of ``enrich_many``, read in chunks of named gene lists.

Inputs that are read lazily (memory does not grow with the number of queries):

* an iterator of ``(name, genes)`` pairs;
* a GMT file (``name<TAB>description<TAB>genes...``, optionally ``.gz``), line by line;
* a Parquet dataset (a ``.parquet`` file or a folder) with columns ``query`` and
  ``gene``, record batch by record batch. The rows of one query must be
  contiguous (as a long table sorted or grouped by query is).

A mapping or a long pandas DataFrame is already in memory; it is cut into chunks.
A dask DataFrame is handled by :mod:`pfocr_enrich.engine.distributed`.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import zlib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from .._util.files import decode_error_line
from .._util.validation import describe, param_error
from ..errors import GMTFormatError

__all__ = [
    "is_dask_frame",
    "is_parquet",
    "is_streamed",
    "iter_chunks",
    "iter_queries",
    "query_name",
    "read_queries",
]

_FUNC, _PARAM = "enrich_many", "queries"
_PARQUET_BATCH = 1 << 16  # (query, gene) rows per record batch read
# Read one batch at a time, when the consumer asks: pyarrow's scanner otherwise decodes
# ahead on its own threads, as fast as it can, while the queries are scored far slower, so
# the whole file ends up decoded in memory (and ``pre_buffer`` reads every row group of a
# file at once). Measured on the 100,000 GO lists of benchmarks/scale.py (14.9M rows, 227
# row groups, 42 MB on disk) with a consumer taking 5 ms a batch: the reader's resident
# memory grew by ~690 MB (arrow pool peak 479 MB) with the defaults, by 68 MB (arrow
# peak 19 MB; 77 MB and 16 MB for 20,000 lists) read like this, at the same speed.
_SEQUENTIAL_SCAN = {"use_threads": False, "batch_readahead": 0, "fragment_readahead": 0}
_PARQUET_COLUMNS = ["query", "gene"]
# Control characters other than the tab, as read_gmt refuses them.
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")


def is_dask_frame(queries: object) -> bool:
    """Whether ``queries`` is a dask DataFrame (checked without importing dask)."""
    return type(queries).__module__.startswith("dask.") and hasattr(queries, "to_delayed")


def is_parquet(queries: object) -> bool:
    """A path to a ``.parquet`` file or to a folder (a Parquet dataset)."""
    if not isinstance(queries, (str, os.PathLike)):
        return False
    path = Path(queries)
    return path.suffix.lower() in (".parquet", ".pq") or path.is_dir()


def is_streamed(queries: object) -> bool:
    """Inputs read in chunks: an iterator of pairs, a Parquet dataset, a dask DataFrame.

    A list is not an iterator: ``enrich_many`` refuses a list of gene lists (they have no names).
    """
    if isinstance(queries, (str, os.PathLike)):
        return is_parquet(queries)
    return is_dask_frame(queries) or isinstance(queries, Iterator)


def iter_queries(queries: object) -> Iterator[tuple[str, list[Any]]]:
    """(name, genes) of every query, in the caller's order, names as text and unique."""
    if isinstance(queries, (str, os.PathLike)):
        pairs = _parquet_pairs(Path(queries)) if is_parquet(queries) else _gmt_pairs(Path(queries))
    elif isinstance(queries, (Mapping, pd.DataFrame)):
        pairs = iter(read_queries(queries).items())
    elif isinstance(queries, Iterator):
        pairs = queries
    else:
        raise param_error(
            _FUNC,
            _PARAM,
            "a mapping of name to genes, a DataFrame, a GMT or Parquet path, or an iterator of (name, genes)",
            queries,
            error=TypeError,
        )
    seen: set[str] = set()
    empty = True
    for item in pairs:
        if not (isinstance(item, tuple) and len(item) == 2):
            expected = "an iterator of (name, genes) pairs"
            shown = repr(item)[:80]
            raise param_error(_FUNC, _PARAM, expected, queries, error=TypeError, shown=shown)
        name = query_name(item[0], queries)
        if name in seen:
            expected = "queries whose names differ once written as text (each name once)"
            raise param_error(_FUNC, _PARAM, expected, queries, shown=f"{name!r} twice")
        seen.add(name)
        empty = False
        yield name, item[1]
    if empty:
        raise param_error(_FUNC, _PARAM, "at least one query", queries, shown="no query")


def iter_chunks(queries: object, chunk_size: int) -> Iterator[dict[str, list[Any]]]:
    """Chunks of at most ``chunk_size`` named queries, in order."""
    chunk: dict[str, list[Any]] = {}
    for name, genes in iter_queries(queries):
        chunk[name] = genes
        if len(chunk) == chunk_size:
            yield chunk
            chunk = {}
    if chunk:
        yield chunk


def read_queries(queries: object) -> dict[str, list[object]]:
    """Name -> genes from a mapping, a long (query, gene) DataFrame or a GMT-like file.

    Names become text; two names equal as text (``1`` and ``"1"``) are refused
    rather than one query silently replacing the other.
    """
    func, param = "enrich_many", "queries"
    if isinstance(queries, pd.DataFrame):
        expected = "a DataFrame with columns 'query' and 'gene'"
        if not {"query", "gene"} <= set(queries.columns):
            raise param_error(func, param, expected, queries, shown=repr(list(queries.columns)))
        if queries.empty:
            raise param_error(func, param, f"a non-empty {expected[2:]}", queries)
        missing = queries["query"].isna().to_numpy()
        if missing.any():
            labels = ", ".join(map(str, queries.index[missing][:5]))
            raise param_error(
                func,
                param,
                "a DataFrame with a query name in every row",
                queries,
                shown=f"{int(missing.sum())} row(s) without one (index {labels})",
            )
        grouped = queries.groupby("query", sort=False, observed=True)["gene"]
        pairs = [(name, list(genes)) for name, genes in grouped]
    elif isinstance(queries, (str, os.PathLike)):
        from ..io.gmt import read_gmt

        pairs = list(read_gmt(queries).to_dict().items())
    elif isinstance(queries, Mapping):
        if not queries:
            raise param_error(func, param, "a non-empty mapping of name to genes", queries)
        pairs = list(queries.items())
    else:
        raise param_error(
            func,
            param,
            "a mapping of name to genes, a DataFrame or a GMT path",
            queries,
            error=TypeError,
        )
    named = {query_name(name, queries): genes for name, genes in pairs}
    if len(named) < len(pairs):
        seen: dict[str, object] = {}
        for name, _ in pairs:
            if str(name) in seen:
                shown = f"{seen[str(name)]!r} and {name!r}"
                expected = "keyed by names that differ once written as text"
                raise param_error(func, param, expected, queries, shown=shown)
            seen[str(name)] = name
    return named


def query_name(name: object, queries: object) -> str:
    """A query's name as text: a str or a number; None, NaN or another object is refused."""
    if isinstance(name, str):
        return name
    if name is None or name is pd.NA or (isinstance(name, (float, np.floating)) and name != name):
        expected = "a query name for every query"
        raise param_error(_FUNC, _PARAM, expected, queries, shown=f"the name {name!r}")
    if isinstance(name, (bool, np.bool_)) or not isinstance(name, (int, float, np.number)):
        shown = f"the name {describe(name, with_type=True)}"
        expected = "queries named by text or numbers"
        raise param_error(_FUNC, _PARAM, expected, queries, error=TypeError, shown=shown)
    return str(name)


def _open_text(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _gmt_pairs(path: Path) -> Iterator[tuple[str, list[str]]]:
    """The sets of a GMT file as (name, genes), read line by line (names as read_gmt's set ids).

    The rules are read_gmt's with ``errors="raise"``: the first bad line (too few
    fields, no genes, a control character, a name seen before) is a GMTFormatError
    naming the file and line, and so is a file that is not UTF-8 or a damaged ``.gz``.
    """
    if not path.is_file():
        raise FileNotFoundError(f"enrich_many: no such file: {path}")
    first_line: dict[str, int] = {}
    number = 0
    try:
        with _open_text(path) as fh:
            for number, line in enumerate(fh, start=1):
                line = line.rstrip("\r\n")
                if not line.strip():
                    continue
                name, genes = _gmt_line(line, path, number, first_line)
                first_line[name] = number
                yield name, genes
    except UnicodeDecodeError as exc:  # (text is decoded by the chunk: find the bad byte's line)
        line = None if path.suffix == ".gz" else decode_error_line(str(path), None)
        detail = f"not UTF-8 text ({exc.reason})"
        raise GMTFormatError(detail, path=path, line=line or number + 1) from exc
    except (OSError, EOFError, zlib.error) as exc:  # a damaged or truncated .gz
        raise GMTFormatError(f"cannot read the file ({exc})", path=path, line=number + 1) from exc
    if not first_line:
        raise GMTFormatError("no gene sets found", path=path)


def _gmt_line(
    line: str, path: Path, number: int, first_line: dict[str, int]
) -> tuple[str, list[str]]:
    fields = line.split("\t")
    name = fields[0].split("%", 1)[0].strip()
    genes = [g for g in map(str.strip, fields[2:]) if g]
    detail = ""
    if len(fields) < 3 or not name or not genes:
        detail = (
            f"expected a name, a description and at least one gene, tab-separated: {line[:80]!r}"
        )
    elif _CONTROL.search(line):
        detail = f"expected text without control characters, got {line[:80]!r}"
    elif name in first_line:
        detail = f"set {name!r} was already defined on line {first_line[name]}"
    if detail:
        raise GMTFormatError(detail, path=path, line=number)
    return name, genes


def _parquet_pairs(path: Path) -> Iterator[tuple[str, list[Any]]]:
    """(query, genes) from a Parquet dataset of (query, gene) rows, batch by batch."""
    try:
        import pyarrow.dataset as ds
    except ImportError:
        raise ImportError(
            'reading queries from Parquet needs pyarrow: pip install "pfocr_enrich[dask]"'
        ) from None
    import pyarrow as pa

    try:
        dataset = ds.dataset(path, format="parquet")
        if not set(_PARQUET_COLUMNS) <= set(dataset.schema.names):
            shown = repr(dataset.schema.names)
            expected = "a Parquet dataset with columns 'query' and 'gene'"
            raise param_error(_FUNC, _PARAM, expected, path, shown=shown)
        batches = dataset.to_batches(
            columns=_PARQUET_COLUMNS,
            batch_size=_PARQUET_BATCH,
            **_SEQUENTIAL_SCAN,
            fragment_scan_options=ds.ParquetFragmentScanOptions(pre_buffer=False),
        )
        yield from _batch_pairs(_checked(batches, path), path)
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, FileNotFoundError):
            raise
        expected = "a readable Parquet dataset"
        raise param_error(_FUNC, _PARAM, expected, path, shown=f"{str(path)!r}: {exc}") from exc


def _checked(batches: Iterator[Any], path: Path) -> Iterator[Any]:
    """The record batches, once the columns are known to hold names and identifiers."""
    import pyarrow as pa

    for batch in batches:
        for column in _PARQUET_COLUMNS:
            kind = batch.schema.field(column).type
            if pa.types.is_dictionary(kind):
                kind = kind.value_type
            ok = pa.types.is_string(kind) or pa.types.is_large_string(kind)
            ok = ok or pa.types.is_integer(kind) or pa.types.is_floating(kind)
            if not (ok or pa.types.is_null(kind)):
                expected = f"a Parquet dataset whose '{column}' column holds text or numbers"
                raise param_error(_FUNC, _PARAM, expected, path, shown=f"type {kind}")
        yield batch


def _batch_pairs(batches: Iterator[Any], path: Path) -> Iterator[tuple[str, list[Any]]]:
    closed: set[str] = set()
    name: str | None = None
    genes: list[Any] = []
    for batch in batches:
        names = batch.column("query").to_pylist()
        values = batch.column("gene").to_pylist()
        if None in names:
            shown = "a row without a query name"
            raise param_error(_FUNC, _PARAM, "a query name in every row", path, shown=shown)
        start = 0
        for i in range(1, len(names) + 1):
            if i < len(names) and names[i] == names[start]:
                continue
            current = query_name(names[start], path)
            if current != name:
                if name is not None:
                    yield name, genes
                    closed.add(name)
                if current in closed:
                    raise param_error(
                        _FUNC,
                        _PARAM,
                        "a Parquet dataset whose rows of one query are contiguous (sort it by query)",
                        path,
                        shown=f"query {current!r} comes back after other queries",
                    )
                name, genes = current, []
            genes.extend(values[start:i])
            start = i
    if name is not None:
        yield name, genes
