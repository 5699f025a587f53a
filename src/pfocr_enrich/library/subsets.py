"""Choosing a library's sets: filters, groups of identical sets, deduplication.

:func:`filter` is ``GeneSetLibrary.filter``; the others give the rows to keep (and
the note for the new library's provenance). The smaller library keeps only the
genes its sets hold (:func:`take_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._util.validation import check_size_bound, param_error

if TYPE_CHECKING:
    from .model import GeneSetLibrary


def take_rows(membership: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, sp.csr_matrix]:
    """The genes still used by ``rows`` (vocabulary positions) and those rows' compacted matrix."""
    matrix = membership[rows]
    n_genes = membership.shape[1]
    used = np.flatnonzero(np.bincount(matrix.indices, minlength=n_genes))
    if len(used) != n_genes:
        remap = np.full(n_genes, -1, dtype=np.int32)
        remap[used] = np.arange(len(used), dtype=np.int32)
        matrix = sp.csr_matrix(
            (matrix.data, remap[matrix.indices], matrix.indptr), shape=(len(rows), len(used))
        )
    return used, matrix


def filter(  # GeneSetLibrary.filter (the name shadows the builtin here only)
    lib: GeneSetLibrary,
    *,
    min_size: int | None = None,
    max_size: int | None = None,
    organisms: Iterable[str] | None = None,
    years: Iterable[int] | None = None,
    set_ids: Iterable[str] | None = None,
) -> GeneSetLibrary:
    """Return a new library with the sets that pass every given filter.

    Parameters
    ----------
    min_size, max_size : int, optional
        Keep sets with ``min_size <= size <= max_size``.
    organisms : iterable of str, optional
        Keep sets whose ``organisms`` (a list per set) or ``organism`` metadata
        names at least one of these.
    years : iterable of int, optional
        Keep sets whose ``year`` is one of these.
    set_ids : iterable of str, optional
        Keep these sets (in library order); unknown ids raise ``KeyError``.

    Examples
    --------
    >>> from pfocr_enrich import GeneSetLibrary
    >>> list(GeneSetLibrary.from_dict({"a": ["X"], "b": ["X", "Y"]}).filter(min_size=2))
    ['b']
    """
    func = "GeneSetLibrary.filter"
    check_size_bound(min_size, func, "min_size")
    check_size_bound(max_size, func, "max_size")
    for param, given, one in (
        ("organisms", organisms, str),
        ("years", years, int),
        ("set_ids", set_ids, str),
    ):
        if given is not None and (
            isinstance(given, bool) or not isinstance(given, (one, Iterable))
        ):
            expected = f"None, one {one.__name__} or an iterable of them"
            raise param_error(func, param, expected, given, error=TypeError)
    sizes = np.diff(lib.shared_arrays()[1].indptr)
    keep = np.ones(len(lib), dtype=bool)
    notes = []
    if min_size is not None:
        keep &= sizes >= min_size
        notes.append(f"min_size={min_size}")
    if max_size is not None:
        keep &= sizes <= max_size
        notes.append(f"max_size={max_size}")
    if organisms is not None:
        wanted = {organisms} if isinstance(organisms, str) else set(organisms)
        keep &= _organism_mask(lib, wanted)
        notes.append(f"organisms={sorted(wanted)}")
    if years is not None:
        if "year" not in lib.metadata_columns():
            raise param_error(func, "years", "used on a library with a 'year' column", years)
        wanted_years = {int(y) for y in ([years] if isinstance(years, int) else years)}
        keep &= lib._meta.column("year").isin(wanted_years).to_numpy()
        notes.append(f"years={sorted(wanted_years)}")
    if set_ids is not None:
        ids = [set_ids] if isinstance(set_ids, str) else list(set_ids)
        unknown = [s for s in ids if s not in lib.set_ids]
        if unknown:
            raise KeyError(f"{func}: unknown set ids {unknown[:5]!r}")
        keep &= lib.set_ids.isin(ids)
        notes.append(f"set_ids=<{len(ids)}>")
    return lib._subset(np.flatnonzero(keep), "filter(" + ", ".join(notes) + ")")


def _organism_mask(lib: GeneSetLibrary, wanted: set[str]) -> np.ndarray:
    """Sets whose ``organisms`` (a list per set) or ``organism`` names one of ``wanted``."""
    columns = lib.metadata_columns()
    if "organisms" in columns:
        values = lib._meta.column("organisms")
        return np.fromiter(
            (
                bool(wanted.intersection(v)) if isinstance(v, (list, tuple)) else v in wanted
                for v in values
            ),
            dtype=bool,
            count=len(values),
        )
    if "organism" in columns:
        return lib._meta.column("organism").isin(wanted).to_numpy()
    raise param_error(
        "GeneSetLibrary.filter",
        "organisms",
        "used on a library with organism metadata",
        sorted(wanted),
    )


def duplicate_groups(membership: sp.csr_matrix, set_ids: pd.Index) -> pd.Series:
    """Group number of every set (first-seen order); sets with identical genes share one."""
    m = membership
    keys = [m.indices[m.indptr[i] : m.indptr[i + 1]].tobytes() for i in range(m.shape[0])]
    codes, _ = pd.factorize(pd.Series(keys, dtype=object), sort=False)
    return pd.Series(codes, index=set_ids, name="duplicate_group")


def deduplicated(lib: GeneSetLibrary) -> tuple[np.ndarray, str, pd.DataFrame]:
    """The first set of each group of identical sets, the note, and metadata with ``members``/``n_members``."""
    groups = lib.duplicate_groups()
    codes = groups.to_numpy()
    rows = np.flatnonzero(~pd.Series(codes).duplicated().to_numpy())
    ids = lib.set_ids.to_numpy(dtype=object)
    order = np.argsort(codes, kind="stable")  # members of a group in library order
    bounds = np.r_[0, np.cumsum(np.bincount(codes))]
    members = [tuple(ids[order[bounds[c] : bounds[c + 1]]]) for c in codes[rows]]
    meta = lib._sets.iloc[rows].copy()
    meta["members"] = members
    meta["n_members"] = [len(m) for m in members]
    return rows, "deduplicate()", meta
