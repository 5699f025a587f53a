"""Building a library's arrays from gene lists, mappings of set id to genes, and long tables.

Vectorised: one factorisation of every gene gives the sorted vocabulary and each
set's columns at once, and one CSR build collapses genes repeated within a set.

Missing gene names (``None``, ``NaN``, ``pd.NA``, ``NaT``) and blank ones are
refused with where they are (set and position, or the row of a table); they never
become genes such as ``"<NA>"``, ``"nan"`` or ``""``. This is the rule
``from_frame`` has always had for missing cells: the caller drops those rows, and
nothing is left out without being seen.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._util.files import gc_paused
from .._util.validation import check_bool, check_type, describe, param_error
from ..identifiers.vocabulary import update_gene_lists

if TYPE_CHECKING:
    from .model import GeneSetLibrary


# -- the constructors (GeneSetLibrary.from_dict, .from_frame, .from_lists) -------------------
def from_dict(
    cls: type[GeneSetLibrary],
    gene_sets: Mapping[str, Iterable[str]],
    *,
    sets: pd.DataFrame | None = None,
    name: str = "",
    load_report: pd.DataFrame | None = None,
    info: Mapping[str, Any] | None = None,
    normalise_symbols: bool = True,
) -> GeneSetLibrary:
    """Build a library from a mapping of set id to genes.

    Parameters
    ----------
    gene_sets : mapping of str to iterable of str
        Set id -> genes; repeated genes are collapsed. An empty set, a missing set
        id, or a missing (None, NaN, NA, NaT) or blank gene name raises ValueError
        naming the set and position: filter those out first (and report them).
    sets : DataFrame, optional
        Metadata indexed by set id; rows are aligned to ``gene_sets``.
    name, load_report, info
        Stored on the library (see :class:`GeneSetLibrary`).
    normalise_symbols : bool, default True
        Rename previous symbols and unambiguous aliases to current symbols
        (``DDX58`` -> RIGI), each change a row of ``load_report``; False
        keeps names as given (see :func:`pfocr_enrich.identifiers.current_symbols`).

    Examples
    --------
    >>> from pfocr_enrich import GeneSetLibrary
    >>> sorted(GeneSetLibrary.from_dict({"a": ["X", "Y", "X"]})["a"])
    ['X', 'Y']
    """
    func = "GeneSetLibrary.from_dict"
    _check_options(func, sets=sets, name=name, load_report=load_report, info=info)
    normalise_symbols = check_bool(normalise_symbols, func=func, param="normalise_symbols")
    with gc_paused():  # 120,000 sets: 1.0 -> 0.7 s (lists_from_dict alone 0.46 -> 0.13 s)
        set_ids, gene_lists = lists_from_dict(gene_sets)
        if normalise_symbols:
            gene_lists, load_report = update_gene_lists(set_ids, gene_lists, report=load_report)
        return from_lists(
            cls, set_ids, gene_lists, sets=sets, name=name, load_report=load_report, info=info
        )


def from_frame(
    cls: type[GeneSetLibrary],
    frame: pd.DataFrame,
    *,
    set_col: str = "set_id",
    gene_col: str = "gene",
    metadata_cols: Iterable[str] | None = None,
    name: str = "",
    normalise_symbols: bool = True,
) -> GeneSetLibrary:
    """Build a library from a long table with one row per (set, gene).

    Parameters
    ----------
    frame : DataFrame
        The long table; it is not modified. Genes are stripped; a row with a
        missing or blank set id or gene raises ValueError naming the row.
    set_col, gene_col : str
        Columns holding set ids and genes.
    metadata_cols : iterable of str, optional
        Columns that describe the set (the first value per set is kept).
    name : str
        Library label.
    normalise_symbols : bool, default True
        As for :meth:`from_dict`; changes are listed in ``load_report``.

    Examples
    --------
    >>> from pfocr_enrich import GeneSetLibrary
    >>> df = pd.DataFrame({"figid": ["f1", "f1", "f2"], "gene": ["TP53", "MDM2", "AKT1"]})
    >>> GeneSetLibrary.from_frame(df, set_col="figid").sets["size"].tolist()
    [2, 1]
    """
    func = "GeneSetLibrary.from_frame"
    check_type(frame, pd.DataFrame, func=func, param="frame", expected="a DataFrame")
    _check_options(func, name=name)
    normalise_symbols = check_bool(normalise_symbols, func=func, param="normalise_symbols")
    if metadata_cols is not None and (
        isinstance(metadata_cols, str) or not isinstance(metadata_cols, Iterable)
    ):
        expected = "None or a list of column names"
        raise param_error(func, "metadata_cols", expected, metadata_cols, error=TypeError)
    set_ids, gene_lists, meta = lists_from_frame(frame, set_col, gene_col, metadata_cols)
    report = None
    if normalise_symbols:
        gene_lists, report = update_gene_lists(set_ids, gene_lists)
    return from_lists(cls, set_ids, gene_lists, sets=meta, name=name, load_report=report)


def from_lists(
    cls: type[GeneSetLibrary],
    set_ids: list[str],
    gene_lists: list[Iterable[str]],
    *,
    sets: pd.DataFrame | None = None,
    name: str = "",
    load_report: pd.DataFrame | None = None,
    info: Mapping[str, Any] | None = None,
) -> GeneSetLibrary:
    """Build a library from parallel lists of set ids and genes (the readers' fast path).

    The genes are taken as given (no stripping); the rules of :func:`from_dict` apply.

    Examples
    --------
    >>> from pfocr_enrich import GeneSetLibrary
    >>> GeneSetLibrary.from_lists(["a", "b"], [["X"], ["X", "Y"]]).sets["size"].tolist()
    [1, 2]
    """
    func = "GeneSetLibrary.from_lists"
    _check_options(func, sets=sets, name=name, load_report=load_report, info=info)
    for param, given in (("set_ids", set_ids), ("gene_lists", gene_lists)):
        check_type(given, (list, tuple), func=func, param=param, expected="a list")
    if len(set_ids) != len(gene_lists):
        expected = f"a list as long as set_ids ({len(set_ids)})"
        raise param_error(
            func, "gene_lists", expected, gene_lists, shown=f"{len(gene_lists)} lists"
        )
    bad = next((g for g in gene_lists if isinstance(g, str) or not isinstance(g, Iterable)), None)
    if bad is not None:
        shown = f"{describe(bad, with_type=True)} among them"
        raise param_error(
            func, "gene_lists", "lists of genes", gene_lists, error=TypeError, shown=shown
        )
    genes, matrix, meta = arrays(set_ids, gene_lists, sets)
    return cls(genes, matrix, meta, name=name, load_report=load_report, info=info)


def _check_options(func: str, *, sets=None, name="", load_report=None, info=None) -> None:  # type: ignore[no-untyped-def]
    """The types of the constructors' shared options."""
    frame = "None or a DataFrame"
    check_type(sets, pd.DataFrame, func=func, param="sets", expected=frame, allow_none=True)
    check_type(
        load_report, pd.DataFrame, func=func, param="load_report", expected=frame, allow_none=True
    )
    check_type(
        info, Mapping, func=func, param="info", expected="None or a mapping", allow_none=True
    )
    check_type(name, str, func=func, param="name", expected="a str")


# -- the work --------------------------------------------------------------------------------
def _is_missing(value: object) -> bool:
    """None, NaN, pd.NA, NaT (of any kind): a cell without a value."""
    if value is None or isinstance(value, str):
        return value is None
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: a value, if an odd one
        return False


def _text(value: object) -> str | None:
    """A gene or set id as text; None where the value is missing."""
    return None if _is_missing(value) else str(value)


def lists_from_dict(gene_sets: Mapping[Any, Iterable[Any]]) -> tuple[list[str], list[list[Any]]]:
    """Set ids and gene lists of a mapping; missing genes stay None for :func:`arrays` to report."""
    func = "GeneSetLibrary.from_dict"
    if not isinstance(gene_sets, Mapping) or hasattr(gene_sets, "shared_arrays"):
        raise param_error(
            func, "gene_sets", "a mapping of set id to genes", gene_sets, error=TypeError
        )
    set_ids, gene_lists = [], []
    for set_id, genes in gene_sets.items():
        if isinstance(genes, str):
            raise param_error(func, "gene_sets", f"a collection of genes for set {set_id!r}", genes)
        if not isinstance(genes, Iterable):
            expected = f"a collection of genes for set {set_id!r}"
            raise param_error(func, "gene_sets", expected, genes, error=TypeError)
        text = _text(set_id)
        if text is None:
            raise ValueError(f"{func}: a set id is missing ({set_id!r}); every set needs an id.")
        set_ids.append(text)
        gene_lists.append([g if type(g) is str else _text(g) for g in genes])
    return set_ids, gene_lists


def lists_from_frame(
    frame: pd.DataFrame, set_col: str, gene_col: str, metadata_cols: Iterable[str] | None
) -> tuple[list[str], list[np.ndarray], pd.DataFrame | None]:
    """Set ids (first-seen order), stripped gene lists and per-set metadata of a long table."""
    func = "GeneSetLibrary.from_frame"
    for param, col in (("set_col", set_col), ("gene_col", gene_col)):
        if col not in frame.columns:
            raise param_error(func, param, f"a column of frame {list(frame.columns)}", col)
    missing = (frame[gene_col].isna() | frame[set_col].isna()).to_numpy()
    genes = frame[gene_col].astype(str).str.strip().to_numpy(dtype=object)
    blank = genes == ""
    if missing.any() or blank.any():
        row = int(np.flatnonzero(missing | blank)[0])
        what = "missing" if missing[row] else "blank"
        n_bad = int((missing | blank).sum())
        msg = (
            f"{func}: row {row} has a {what} {set_col!r} or {gene_col!r} "
            f"({n_bad} such row(s) in all; drop them first)."
        )
        raise ValueError(msg)
    codes, set_ids = pd.factorize(frame[set_col].astype(str).to_numpy(), sort=False)
    order = np.argsort(codes, kind="stable")
    bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(set_ids)))]
    genes = genes[order]
    gene_lists = [genes[bounds[i] : bounds[i + 1]] for i in range(len(set_ids))]
    meta = None
    if metadata_cols:
        first = frame.drop_duplicates(set_col)
        meta = first.set_index(first[set_col].astype(str))[list(metadata_cols)]
    return list(set_ids), gene_lists, meta


def arrays(
    set_ids: list[str], gene_lists: list[Iterable[str]], sets: pd.DataFrame | None
) -> tuple[np.ndarray, sp.csr_matrix, pd.DataFrame]:
    """Sorted vocabulary, set x gene CSR (repeats collapsed) and metadata aligned to ``set_ids``."""
    lengths = np.fromiter((len(g) for g in gene_lists), dtype=np.int64, count=len(gene_lists))
    empty = np.flatnonzero(lengths == 0)
    if len(empty):
        msg = f"GeneSetLibrary: set {set_ids[empty[0]]!r} has no genes; {len(empty)} empty set(s) in all."
        raise ValueError(msg)
    ids = pd.Index(set_ids)
    if not ids.is_unique:
        raise ValueError(
            f"GeneSetLibrary: set ids must be unique; {ids[ids.duplicated()][0]!r} appears twice."
        )
    flat = np.array(list(itertools.chain.from_iterable(gene_lists)), dtype=object)
    codes, uniques = pd.factorize(flat, sort=True)  # missing values get code -1
    indptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    _check_names(codes, uniques, flat, indptr, set_ids)
    data = np.ones(len(codes), dtype=np.int8)
    matrix = sp.csr_matrix(
        (data, codes.astype(np.int32), indptr), shape=(len(set_ids), len(uniques))
    )
    matrix.sum_duplicates()  # collapses repeated genes within a set (data > 1)
    matrix.data[:] = 1
    meta = pd.DataFrame(index=pd.Index(set_ids, name="set_id"))
    if sets is not None:
        extra = sets.copy()
        extra.index = extra.index.astype(str)
        meta = meta.join(extra.loc[~extra.index.duplicated()], how="left")
    return np.asarray(uniques, dtype=object), matrix, meta


def long_frame(genes: np.ndarray, membership: sp.csr_matrix, set_ids: pd.Index) -> pd.DataFrame:
    """Columns ``set_id`` and ``gene``, one row per membership (the inverse of ``from_frame``)."""
    set_column = np.repeat(set_ids.to_numpy(dtype=object), np.diff(membership.indptr))
    return pd.DataFrame({"set_id": set_column, "gene": genes[membership.indices]})


def gene_lists(
    genes: np.ndarray, membership: sp.csr_matrix, set_ids: pd.Index
) -> dict[str, list[str]]:
    """Set id -> sorted list of genes (the inverse of ``from_dict``)."""
    m = membership
    return {s: list(genes[m.indices[m.indptr[i] : m.indptr[i + 1]]]) for i, s in enumerate(set_ids)}


def checked(
    genes: np.ndarray, membership: sp.csr_matrix, sets: pd.DataFrame
) -> tuple[np.ndarray, sp.csr_matrix, pd.DataFrame]:
    """The constructor's parts checked: shapes, unique set ids; ``size`` set, indices sorted."""
    genes = np.asarray(genes, dtype=object)
    if not sp.issparse(membership) or membership.format != "csr":
        raise param_error(
            "GeneSetLibrary", "membership", "a scipy.sparse CSR matrix", membership, error=TypeError
        )
    if membership.shape != (len(sets), len(genes)):
        msg = (
            f"GeneSetLibrary: membership has shape {membership.shape}, but there are "
            f"{len(sets)} sets and {len(genes)} genes."
        )
        raise ValueError(msg)
    if not sets.index.is_unique:
        dup = sets.index[sets.index.duplicated()][0]
        raise ValueError(f"GeneSetLibrary: set ids must be unique; {dup!r} appears twice.")
    sets = sets.copy()
    sets.index = sets.index.astype(object)
    sets.index.name = "set_id"
    sets["size"] = np.diff(membership.indptr).astype(np.int64)
    membership = membership.copy() if not membership.has_sorted_indices else membership
    membership.sort_indices()
    return genes, membership, sets


def _check_names(
    codes: np.ndarray, uniques: np.ndarray, flat: np.ndarray, indptr: np.ndarray, set_ids: list[str]
) -> None:
    """Refuse missing and blank gene names, naming the first one's set and position."""
    blank_codes = [i for i, g in enumerate(uniques) if isinstance(g, str) and not g.strip()]
    bad = (codes < 0) | np.isin(codes, blank_codes)
    if not bad.any():
        return
    at = int(np.flatnonzero(bad)[0])
    row = int(np.searchsorted(indptr, at, side="right")) - 1
    what = "missing gene name" if codes[at] < 0 else f"blank gene name {flat[at]!r}"
    msg = (
        f"GeneSetLibrary: set {set_ids[row]!r} has a {what} at position {at - indptr[row]} "
        f"({int(bad.sum())} missing or blank gene name(s) in all; drop them first)."
    )
    raise ValueError(msg)
