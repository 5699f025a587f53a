"""The overlapping genes of result rows, as text: for each (set, query) row, the genes of the
set that are in the query, joined by ';' in the order of a display vocabulary (symbols,
alphabetically), once per vocabulary asked for (symbols, and the identifiers of an Entrez
library in the same order).

Building these strings is most of the cost of a whole result table (a 300-gene query
against 120,000 PFOCR sets has ~580,000 hits), so the hits are found whichever way touches
fewer memberships and the names are joined at the byte level, one Python string per row.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

if TYPE_CHECKING:
    from ..library import GeneSetLibrary

# A vocabulary's names as fixed-width UTF-8 rows ("name;" then NUL padding), remembered per
# (read-only, library-owned) array: (the array, the rows or None, each name's length).
_ENCODED: dict[int, tuple[np.ndarray, np.ndarray | None, np.ndarray]] = {}


def _encoded(vocabulary: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """The names of ``vocabulary`` as a (names, width) uint8 array, each followed by ';' and
    NUL padding, and each name's length in bytes; None for the array when a name holds a
    newline or a NUL (those cannot use the byte-level join), or when a few long names would
    make it much larger than the names themselves."""
    hit = _ENCODED.get(id(vocabulary))
    if hit is None or hit[0] is not vocabulary:
        if len(_ENCODED) > 64:
            _ENCODED.clear()
        names = [str(g).encode("utf-8") for g in vocabulary]
        lengths = np.fromiter((len(b) for b in names), dtype=np.int64, count=len(names))
        blob = b"".join(names)
        rows = None
        width = int(lengths.max(initial=0)) + 1
        compact = width * len(names) <= 4 * (len(blob) + len(names)) + (1 << 20)
        if compact and b"\n" not in blob and b"\0" not in blob:
            rows = np.zeros((len(names), width), dtype=np.uint8)
            where = np.repeat(np.arange(len(names)) * width, lengths)
            where += np.arange(len(blob)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
            rows.ravel()[where] = np.frombuffer(blob, dtype=np.uint8)
            rows[np.arange(len(names)), lengths] = ord(";")
        hit = _ENCODED[id(vocabulary)] = (vocabulary, rows, lengths)
    return hit[1], hit[2]


def _join_rows(vocabulary: np.ndarray, hit_genes: np.ndarray, counts: np.ndarray) -> object:
    """Names of ``hit_genes`` joined by ';', ``counts[i]`` names for row i ('' for none): an
    object array, or a column of pandas' str dtype when it is Arrow-backed."""
    out = np.full(len(counts), "", dtype=object)
    nonempty = np.flatnonzero(counts)
    if not len(nonempty):
        return out
    rows, lengths = _encoded(vocabulary)
    hit_lengths = lengths[hit_genes]
    width = int(hit_lengths.max()) + 1  # the longest name hit, not the longest of the vocabulary
    if rows is None or width * len(hit_genes) > 4 * (hit_lengths.sum() + len(hit_genes)):
        # a newline or NUL in a name, or a few very long names: join row by row
        names = vocabulary[hit_genes].tolist()
        bounds = np.r_[0, np.cumsum(counts)].tolist()
        out[:] = [";".join(names[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
        return out
    # One row gather of the fixed-width names ("name;" + NULs) and the NULs dropped: no Python
    # object per name.
    text = np.take(rows[:, :width], hit_genes, axis=0)  # (faster than indexing, for 2-D rows)
    last = np.cumsum(counts[nonempty]) - 1
    if _arrow_text():
        # pandas' str dtype is Arrow-backed: the bytes and each row's offsets are the column,
        # no Python string at all. The ';' ending each row is dropped with the NULs.
        text[last, hit_lengths[last]] = 0
        flat = text.ravel()
        sizes = np.zeros(len(counts), dtype=np.int64)
        ends = np.add.reduceat(hit_lengths, last + 1 - counts[nonempty])
        sizes[nonempty] = ends + counts[nonempty] - 1
        return _arrow_strings(flat[flat != 0], sizes)
    # The ';' ending each row turned into a newline, one decode and one split.
    text[last, hit_lengths[last]] = ord("\n")
    flat = text.ravel()
    joined = np.empty(len(nonempty), dtype=object)
    joined[:] = flat[flat != 0].tobytes().decode("utf-8").split("\n")[:-1]
    out[nonempty] = joined
    return out


def _arrow_strings(data: np.ndarray, sizes: np.ndarray) -> object:
    """A column of pandas' Arrow-backed str dtype from UTF-8 bytes and each string's size."""
    import pyarrow as pa  # present: pandas' str dtype uses it

    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    strings = pa.LargeStringArray.from_buffers(
        len(sizes), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))
    )
    return pd.array(strings, dtype=_text_dtype())


def overlap_strings(
    library: GeneSetLibrary,
    vocabularies: list[np.ndarray],
    query_genes: Sequence[np.ndarray],
    set_index: np.ndarray,
    codes: np.ndarray,
) -> list[np.ndarray]:
    """For each row (set, query), the overlapping genes joined by ';', once per vocabulary,
    every vocabulary in the alphabetical order of the first one's names (the symbols shown to
    people: for an Entrez library its symbols, then its IDs in the same order).

    Rows of one query must be contiguous (they are: rows come grouped by query).
    """
    counts = np.zeros(len(set_index), dtype=np.int64)
    rank = name_rank(vocabularies[0])
    pieces = []
    starts = (
        np.r_[0, np.flatnonzero(np.diff(codes)) + 1] if len(codes) else np.zeros(0, dtype=np.int64)
    )
    for start, stop in zip(starts.tolist(), np.r_[starts[1:], len(codes)].tolist()):
        genes = np.unique(query_genes[codes[start]])
        if rank is not None:
            genes = genes[np.argsort(rank[genes], kind="stable")]
        hits, counts[start:stop] = _query_hits(library, genes, set_index[start:stop], rank)
        pieces.append(hits)
    hit_genes = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
    return [_join_rows(vocabulary, hit_genes, counts) for vocabulary in vocabularies]


# Each vocabulary's alphabetical rank of its names, per (read-only, library-owned) array.
_RANKS: dict[int, tuple[np.ndarray, np.ndarray | None]] = {}


def name_rank(vocabulary: np.ndarray) -> np.ndarray | None:
    """The alphabetical rank of each name of ``vocabulary``; None when it is already sorted
    (a symbol library's genes are), so that gene index order is alphabetical order."""
    hit = _RANKS.get(id(vocabulary))
    if hit is None or hit[0] is not vocabulary:
        if len(_RANKS) > 64:
            _RANKS.clear()
        names = vocabulary.astype(str)
        rank = None
        if len(names) > 1 and not np.all(names[:-1] <= names[1:]):
            rank = np.empty(len(names), dtype=np.int64)
            rank[np.argsort(names, kind="stable")] = np.arange(len(names))
        hit = _RANKS[id(vocabulary)] = (vocabulary, rank)
    return hit[1]


def _query_hits(
    library: GeneSetLibrary, genes: np.ndarray, sets: np.ndarray, rank: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """The genes of ``sets`` that are among the query's ``genes`` (unique, in ``rank`` order,
    or ascending when ``rank`` is None), concatenated in that order, and how many each set has.

    Two ways, whichever touches fewer memberships: the rows of ``sets`` filtered by the query
    (a few rows: ``top``), or the sets of the query's genes (gene-major) turned set-major and
    gathered (most rows: the whole table; only the hits are touched).
    """
    _, membership = library.shared_arrays()
    by_gene = library.derived.membership_by_gene()
    set_members = np.diff(membership.indptr)[sets].sum()
    if set_members <= _MEMBERS_PER_HIT * np.diff(by_gene.indptr)[genes].sum():
        hits, counts = _hits_by_set(membership, genes, sets)
        if rank is not None and len(hits):  # few hits: sort each row's by rank
            row = np.repeat(np.arange(len(counts)), counts)
            hits = hits[np.lexsort((rank[hits], row))]
        return hits, counts
    return _hits_by_gene(by_gene, genes, sets)  # in the order of ``genes``


_MEMBERS_PER_HIT = 2  # a membership filtered costs about half a hit made set-major


def _hits_by_set(
    membership: sp.csr_matrix, genes: np.ndarray, sets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    members = membership[sets]  # scipy's C row gather
    in_query = np.zeros(membership.shape[1], dtype=bool)
    in_query[genes] = True
    keep = in_query[members.indices]
    return members.indices[keep], np.diff(np.r_[0, np.cumsum(keep)][members.indptr])


def _hits_by_gene(
    by_gene: sp.csc_matrix, genes: np.ndarray, sets: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    hits = by_gene[:, genes].tocsr()[sets]  # sets x query genes, column positions ascending
    return genes[hits.indices], np.diff(hits.indptr)


@functools.cache
def _text_dtype() -> object:
    """The dtype pandas gives a column of Python strings (object in pandas 2, str in 3)."""
    return pd.DataFrame({"text": np.array(["text"], dtype=object)})["text"].dtype


@functools.cache
def _arrow_text() -> bool:
    """Whether pandas' str dtype stores its strings in Arrow (pandas 3 with pyarrow)."""
    return getattr(_text_dtype(), "storage", None) == "pyarrow"


def text_column(values: object) -> object:
    """Strings as the column pandas would make of them, without its scan that infers the type
    (a column already in pandas' str dtype is returned as is).

    Examples
    --------
    >>> list(text_column(np.array(["A;B", ""], dtype=object)))
    ['A;B', '']
    """
    dtype = _text_dtype()
    if isinstance(dtype, np.dtype) or not isinstance(values, np.ndarray):
        return values
    return pd.array(values, dtype=dtype)
