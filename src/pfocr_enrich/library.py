"""The gene-set library model: a gene vocabulary and a sparse set x gene membership matrix.

A :class:`GeneSetLibrary` is immutable. Readers (``read_gmt``, ``read_figures``,
``GeneSetLibrary.from_frame``/``from_dict``) build one; filters and
``deduplicate`` return new libraries. The hot path of enrichment only sees the
CSR matrix (int32 indices) and integer arrays.
"""

from __future__ import annotations

import contextlib
import gc
import io
import itertools
import json
import logging
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import LibraryFormatError

logger = logging.getLogger(__name__)

__all__ = ["GeneSetLibrary"]

_FORMAT_TAG = "pfocr_enrich.GeneSetLibrary"
# 3: lists/tuples of text as distinct items + codes + cell lengths (format 2: JSON per cell),
#    and byte offsets for non-ASCII text columns.
_FORMAT_VERSION = 3
_READABLE_VERSIONS = (2, 3)  # format 2 files hold only kinds that format 3 still reads
_DIGITS = re.compile(r"^[0-9]+$")


def _param_error(func: str, param: str, expected: str, got: object) -> ValueError:
    return ValueError(f"The '{param}' parameter of {func} must be {expected}. Got {got!r} instead.")


def _check_size_bound(value: int | None, func: str, param: str) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise _param_error(func, param, "an int >= 0 or None", value)


def _infer_namespace(genes: np.ndarray) -> str:
    """'entrez' when every identifier is a string of digits, else 'symbol'."""
    if len(genes) and all(_DIGITS.match(g) for g in genes):
        return "entrez"
    return "symbol"


class GeneSetLibrary:
    """An immutable collection of gene sets with per-set metadata.

    Parameters
    ----------
    genes : array of str, shape (n_genes,)
        The gene vocabulary, unique; every gene belongs to at least one set.
    membership : scipy.sparse.csr_matrix, shape (n_sets, n_genes)
        ``membership[i, j]`` is 1 when gene ``j`` belongs to set ``i``; int32
        indices, sorted within rows, no explicit zeros.
    sets : DataFrame
        One row per set, in matrix row order, indexed by unique ``set_id``.
        A ``size`` column (genes per set) is added or checked.
    name : str, optional
        A short label shown in reprs and provenance.
    load_report : DataFrame, optional
        What the reader left out (files, lines, keywords) and why.
    info : mapping, optional
        Provenance: source path or URL, release, checksum, ...

    Notes
    -----
    The constructor only checks and stores; use :meth:`from_dict`,
    :meth:`from_frame`, :func:`pfocr_enrich.read_gmt` or
    :func:`pfocr_enrich.read_figures` to build a library from data.

    Examples
    --------
    >>> lib = GeneSetLibrary.from_dict({"s1": ["TP53", "MDM2"], "s2": ["AKT1"]})
    >>> len(lib), lib.n_genes
    (2, 3)
    """

    def __init__(
        self,
        genes: np.ndarray,
        membership: sp.csr_matrix,
        sets: pd.DataFrame,
        *,
        name: str = "",
        load_report: pd.DataFrame | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> None:
        genes = np.asarray(genes, dtype=object)
        if not sp.issparse(membership) or membership.format != "csr":
            raise _param_error("GeneSetLibrary", "membership", "a scipy.sparse CSR matrix", type(membership))
        if membership.shape != (len(sets), len(genes)):
            msg = (
                f"GeneSetLibrary: membership has shape {membership.shape}, but there are "
                f"{len(sets)} sets and {len(genes)} genes."
            )
            raise ValueError(msg)
        if not sets.index.is_unique:
            dup = sets.index[sets.index.duplicated()][0]
            raise ValueError(f"GeneSetLibrary: set ids must be unique; {dup!r} appears twice.")
        sizes = np.diff(membership.indptr).astype(np.int64)
        sets = sets.copy()
        sets.index = sets.index.astype(object)
        sets.index.name = "set_id"
        sets["size"] = sizes
        membership = membership.copy() if not membership.has_sorted_indices else membership
        membership.sort_indices()
        self._keep(genes, membership, sets.index, frame=sets, stored=None, name=name,
                   report=load_report if load_report is not None else pd.DataFrame(), info=info)

    def _keep(
        self,
        genes: np.ndarray,
        membership: sp.csr_matrix,
        index: pd.Index,
        *,
        frame: pd.DataFrame | None,
        stored: _StoredFrame | None,
        name: str,
        report: pd.DataFrame | _StoredFrame,
        info: Mapping[str, Any] | None,
    ) -> None:
        """Store checked parts; the metadata is a frame, or saved columns decoded when read."""
        self._genes = genes
        self._genes.setflags(write=False)
        self._membership = membership
        self._index = index
        self._frame = frame
        self._stored = stored
        self._name = name
        self._report = report
        self._info = dict(info or {})
        self._gene_index: dict[str, int] | None = None
        self._namespace: str | None = None
        self._identifier_index = None
        self._set_id_rank: np.ndarray | None = None
        self._dedup: GeneSetLibrary | None = None

    @classmethod
    def _from_saved(
        cls,
        genes: np.ndarray,
        membership: sp.csr_matrix,
        sets: _StoredFrame,
        *,
        name: str,
        report: _StoredFrame,
        info: Mapping[str, Any],
    ) -> GeneSetLibrary:
        """A loaded library whose metadata columns stay encoded until first read (see :meth:`load`)."""
        index = sets.index.astype(object)
        index.name = "set_id"
        if not index.is_unique:
            raise LibraryFormatError(f"set ids are not unique; {index[index.duplicated()][0]!r} appears twice")
        lib = cls.__new__(cls)
        lib._keep(genes, membership, index, frame=None, stored=sets, name=name, report=report, info=info)
        return lib

    def _with_info(self, info: Mapping[str, Any]) -> GeneSetLibrary:
        """The same sets and metadata (shared, nothing decoded) with other provenance."""
        lib = GeneSetLibrary.__new__(GeneSetLibrary)
        lib._keep(self._genes, self._membership, self._index, frame=self._frame, stored=self._stored,
                  name=self._name, report=self._report, info=info)
        return lib

    # -- metadata, decoded when first read ------------------------------------
    @property
    def _sets(self) -> pd.DataFrame:
        """The whole metadata frame (with ``size``); built from the saved columns once."""
        if self._frame is None:
            assert self._stored is not None
            frame = self._stored.frame().drop(columns="size", errors="ignore")
            frame.index = self._index
            frame["size"] = self._sizes()
            self._frame = frame
        return self._frame

    @property
    def _load_report(self) -> pd.DataFrame:
        if isinstance(self._report, _StoredFrame):
            self._report = self._report.frame()
        return self._report

    def _sizes(self) -> np.ndarray:
        return np.diff(self._membership.indptr).astype(np.int64)

    def _columns(self) -> list[str]:
        """Metadata column names, ``size`` last, without decoding any."""
        if self._frame is not None:
            return list(self._frame.columns)
        assert self._stored is not None
        return [c for c in self._stored.columns if c != "size"] + ["size"]

    def _column(self, name: str) -> pd.Series:
        """One whole metadata column (decodes that column only)."""
        if self._frame is not None:
            return self._frame[name]
        if name == "size":
            return pd.Series(self._sizes(), index=self._index, name="size")
        assert self._stored is not None
        return self._stored.column(name).set_axis(self._index)

    def _take(self, name: str, rows: np.ndarray) -> np.ndarray:
        """The values of one metadata column at ``rows``, as in ``sets[name].to_numpy()[rows]``.

        A result table needs titles and links of its rows only; a saved library decodes
        just those strings (a full snapshot holds ~180 MB of metadata text).
        """
        if self._frame is not None:
            return self._frame[name].to_numpy()[rows]
        if name == "size":
            return self._sizes()[rows]
        assert self._stored is not None
        return self._stored.take(name, rows)

    def _arrays(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """Gene vocabulary and membership, shared without copying (nothing is decoded)."""
        return self._genes, self._membership

    # -- construction ---------------------------------------------------
    @classmethod
    def from_dict(
        cls,
        gene_sets: Mapping[str, Iterable[str]],
        *,
        sets: pd.DataFrame | None = None,
        name: str = "",
        load_report: pd.DataFrame | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> GeneSetLibrary:
        """Build a library from a mapping of set id to genes.

        Parameters
        ----------
        gene_sets : mapping of str to iterable of str
            Set id -> genes; duplicate genes within a set are collapsed. A set
            with no genes is an error (filter it out first, and report it).
        sets : DataFrame, optional
            Metadata indexed by set id; rows are aligned to ``gene_sets``.
        name, load_report, info
            Stored on the library (see the class).

        Returns
        -------
        GeneSetLibrary

        Examples
        --------
        >>> lib = GeneSetLibrary.from_dict({"a": ["X", "Y", "X"]})
        >>> sorted(lib["a"])
        ['X', 'Y']
        """
        if isinstance(gene_sets, GeneSetLibrary) or not isinstance(gene_sets, Mapping):
            raise _param_error("GeneSetLibrary.from_dict", "gene_sets", "a mapping of set id to genes", type(gene_sets))
        set_ids = [str(s) for s in gene_sets]
        gene_lists = []
        for set_id, genes in gene_sets.items():
            if isinstance(genes, str):
                raise _param_error("GeneSetLibrary.from_dict", "gene_sets", f"a collection of genes for set {set_id!r}", genes)
            gene_lists.append([str(g) for g in genes])
        return cls._from_lists(set_ids, gene_lists, sets=sets, name=name, load_report=load_report, info=info)

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        set_col: str = "set_id",
        gene_col: str = "gene",
        metadata_cols: Iterable[str] | None = None,
        name: str = "",
    ) -> GeneSetLibrary:
        """Build a library from a long table with one row per (set, gene).

        Parameters
        ----------
        frame : DataFrame
            The long table; it is not modified.
        set_col, gene_col : str
            Columns holding set ids and genes.
        metadata_cols : iterable of str, optional
            Columns that describe the set (first value per set is kept).
        name : str
            Library label.

        Returns
        -------
        GeneSetLibrary

        Examples
        --------
        >>> df = pd.DataFrame({"figid": ["f1", "f1", "f2"], "gene": ["TP53", "MDM2", "AKT1"]})
        >>> GeneSetLibrary.from_frame(df, set_col="figid").sets["size"].tolist()
        [2, 1]
        """
        for param, col in (("set_col", set_col), ("gene_col", gene_col)):
            if col not in frame.columns:
                raise _param_error("GeneSetLibrary.from_frame", param, f"a column of frame {list(frame.columns)}", col)
        missing = frame[gene_col].isna() | frame[set_col].isna()
        if missing.any():
            row = int(np.flatnonzero(missing.to_numpy())[0])
            msg = f"GeneSetLibrary.from_frame: row {row} has a missing {set_col!r} or {gene_col!r}."
            raise ValueError(msg)
        set_values = frame[set_col].astype(str).to_numpy()
        codes, set_ids = pd.factorize(set_values, sort=False)
        order = np.argsort(codes, kind="stable")
        genes = frame[gene_col].astype(str).str.strip().to_numpy()[order]
        bounds = np.r_[0, np.cumsum(np.bincount(codes, minlength=len(set_ids)))]
        gene_lists = [genes[bounds[i] : bounds[i + 1]] for i in range(len(set_ids))]
        meta = None
        if metadata_cols:
            cols = list(metadata_cols)
            meta = frame.drop_duplicates(set_col).set_index(frame.drop_duplicates(set_col)[set_col].astype(str))[cols]
        return cls._from_lists(list(set_ids), gene_lists, sets=meta, name=name)

    @classmethod
    def _from_lists(
        cls,
        set_ids: list[str],
        gene_lists: list[Iterable[str]],
        *,
        sets: pd.DataFrame | None = None,
        name: str = "",
        load_report: pd.DataFrame | None = None,
        info: Mapping[str, Any] | None = None,
    ) -> GeneSetLibrary:
        """Vectorised build: one factorisation of all genes, one CSR, duplicates summed away."""
        lengths = np.fromiter((len(g) for g in gene_lists), dtype=np.int64, count=len(gene_lists))
        empty = np.flatnonzero(lengths == 0)
        if len(empty):
            msg = f"GeneSetLibrary: set {set_ids[empty[0]]!r} has no genes; {len(empty)} empty set(s) in all."
            raise ValueError(msg)
        if len(set(set_ids)) != len(set_ids):
            dup = pd.Index(set_ids)[pd.Index(set_ids).duplicated()][0]
            raise ValueError(f"GeneSetLibrary: set ids must be unique; {dup!r} appears twice.")
        flat = np.array(list(itertools.chain.from_iterable(gene_lists)), dtype=object)
        codes, uniques = pd.factorize(flat, sort=True)
        indptr = np.r_[0, np.cumsum(lengths)].astype(np.int64)
        data = np.ones(len(codes), dtype=np.int8)
        matrix = sp.csr_matrix((data, codes.astype(np.int32), indptr), shape=(len(set_ids), len(uniques)))
        matrix.sum_duplicates()  # collapses repeated genes within a set (data > 1)
        matrix.data[:] = 1
        meta = pd.DataFrame(index=pd.Index(set_ids, name="set_id"))
        if sets is not None:
            extra = sets.copy()
            extra.index = extra.index.astype(str)
            meta = meta.join(extra.loc[~extra.index.duplicated()], how="left")
        return cls(np.asarray(uniques, dtype=object), matrix, meta, name=name, load_report=load_report, info=info)

    def with_metadata(self, metadata: Any) -> GeneSetLibrary:
        """Join figure metadata (titles, papers, years, links) onto the sets by figid.

        ``metadata`` is another library, a DataFrame indexed by figid, or a folder of
        PFOCR figure pages; see :func:`pfocr_enrich.releases.join_metadata`.

        Examples
        --------
        >>> lib = GeneSetLibrary.from_dict({"PMC1__f1": ["TP53"]})
        >>> meta = pd.DataFrame({"title": ["p53 pathway"]}, index=["PMC1__f1"])
        >>> lib.with_metadata(meta).sets.loc["PMC1__f1", "title"]
        'p53 pathway'
        """
        from .releases import join_metadata

        return join_metadata(self, metadata)

    def with_load_report(self, report: pd.DataFrame) -> GeneSetLibrary:
        """The same library with another load report (readers add what they left out)."""
        lib = self._with_info(self._info)
        lib._report = report
        return lib

    # -- basic protocol ---------------------------------------------------
    def __len__(self) -> int:
        return self._membership.shape[0]

    def __contains__(self, set_id: object) -> bool:
        return set_id in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __getitem__(self, set_id: str) -> frozenset[str]:
        try:
            row = self._index.get_loc(set_id)
        except KeyError:
            raise KeyError(f"GeneSetLibrary has no set {set_id!r}") from None
        return frozenset(self._genes[self._row_indices(row)])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GeneSetLibrary):
            return NotImplemented
        return (
            np.array_equal(self._genes, other._genes)
            and self._index.equals(other._index)
            and (self._membership != other._membership).nnz == 0
        )

    __hash__ = None  # type: ignore[assignment]

    def _row_indices(self, row: int) -> np.ndarray:
        m = self._membership
        return m.indices[m.indptr[row] : m.indptr[row + 1]]

    # -- read-only views --------------------------------------------------
    @property
    def genes(self) -> np.ndarray:
        """The gene vocabulary (sorted, read-only array of str): every gene in at least one set."""
        return self._genes

    @property
    def n_genes(self) -> int:
        """Number of distinct genes in the library."""
        return len(self._genes)

    @property
    def membership(self) -> sp.csr_matrix:
        """Set x gene CSR matrix; a copy, so callers cannot change the library."""
        return self._membership.copy()

    @property
    def sets(self) -> pd.DataFrame:
        """Per-set metadata indexed by ``set_id`` (a copy), with a ``size`` column."""
        return self._sets.copy()

    @property
    def set_ids(self) -> pd.Index:
        """Set ids in library order."""
        return self._index

    @property
    def name(self) -> str:
        """Library label."""
        return self._name

    @property
    def info(self) -> dict[str, Any]:
        """Provenance (a copy): source, release, checksum, reader options."""
        return dict(self._info)

    @property
    def load_report(self) -> pd.DataFrame:
        """Everything the reader left out, one row per item, with the reason (a copy)."""
        return self._load_report.copy()

    @property
    def namespace(self) -> str:
        """``"entrez"`` when every gene is a digit string (Entrez IDs), else ``"symbol"``."""
        if self._namespace is None:
            self._namespace = _infer_namespace(self._genes)
        return self._namespace

    def gene_index(self) -> dict[str, int]:
        """Gene -> column index (built once; treat as read-only)."""
        if self._gene_index is None:
            self._gene_index = {g: i for i, g in enumerate(self._genes)}
        return self._gene_index

    def identifier_index(self):  # -> identifiers.IdentifierIndex (import kept local: no cycle)
        """Exact and case-insensitive lookup of the vocabulary, built once."""
        if self._identifier_index is None:
            from .identifiers import IdentifierIndex

            self._identifier_index = IdentifierIndex(self._genes, namespace=self.namespace)
        return self._identifier_index

    def symbol_vocabulary(self, mapper: Any) -> np.ndarray:
        """Official symbol of each (Entrez) gene, the ID itself where the mapper has none.

        Cached for the mapper last used (in practice the shared default mapper).
        """
        cached = getattr(self, "_symbols_cache", None)
        if cached is None or cached[0] is not mapper:
            symbols = np.array([mapper.symbol_of_entrez(g) or g for g in self._genes], dtype=object)
            symbols.setflags(write=False)
            self._symbols_cache = (mapper, symbols)
        return self._symbols_cache[1]

    def set_id_rank(self) -> np.ndarray:
        """Rank of each set id in sorted order (for stable tie-breaking), computed once."""
        if self._set_id_rank is None:
            ids = self._index.to_numpy(dtype=object).astype(str)
            rank = np.empty(len(ids), dtype=np.int64)
            rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
            self._set_id_rank = rank
        return self._set_id_rank

    def membership_by_gene(self) -> sp.csc_matrix:
        """The membership matrix in gene-major (CSC) form, built once (read-only).

        A query's overlaps are then one column gather plus a ``bincount`` over the
        sets of its genes, instead of a product touching every membership.
        """
        cached = getattr(self, "_by_gene_cache", None)
        if cached is None:
            cached = self._membership.tocsc()
            cached.sort_indices()
            for arr in (cached.data, cached.indices, cached.indptr):
                arr.setflags(write=False)
            self._by_gene_cache = cached
        return cached

    def _memo(self, key: Any, build: Any) -> Any:
        """``build()`` once per ``key`` for this (immutable) library; a few keys are kept."""
        memo = self.__dict__.setdefault("_memo_cache", {})
        if key not in memo:
            if len(memo) >= 8:
                memo.pop(next(iter(memo)))  # the oldest
            memo[key] = build()
        return memo[key]

    def _raw(self) -> tuple[np.ndarray, sp.csr_matrix, pd.DataFrame]:
        """Internal arrays, shared without copying (enrichment never writes to them)."""
        return self._genes, self._membership, self._sets

    # -- derived libraries ------------------------------------------------
    def _subset_rows(self, rows: np.ndarray, *, note: str, sets: pd.DataFrame | None = None) -> GeneSetLibrary:
        """A new library with the given rows; genes no longer in any set leave the vocabulary."""
        matrix = self._membership[rows]
        used = np.flatnonzero(np.bincount(matrix.indices, minlength=self.n_genes))
        if len(used) != self.n_genes:
            remap = np.full(self.n_genes, -1, dtype=np.int32)
            remap[used] = np.arange(len(used), dtype=np.int32)
            matrix = sp.csr_matrix(
                (matrix.data, remap[matrix.indices], matrix.indptr), shape=(len(rows), len(used))
            )
        meta = self._sets.iloc[rows] if sets is None else sets
        info = dict(self._info)
        info["derived"] = [*info.get("derived", []), note]
        lib = GeneSetLibrary(self._genes[used], matrix, meta, name=self._name, info=info)
        lib._report = self._report  # shared as it is (a saved report stays encoded)
        return lib

    def filter(
        self,
        *,
        min_size: int | None = None,
        max_size: int | None = None,
        organisms: Iterable[str] | None = None,
        years: Iterable[int] | tuple[int, int] | None = None,
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

        Returns
        -------
        GeneSetLibrary

        Examples
        --------
        >>> lib = GeneSetLibrary.from_dict({"a": ["X"], "b": ["X", "Y"]})
        >>> list(lib.filter(min_size=2))
        ['b']
        """
        _check_size_bound(min_size, "GeneSetLibrary.filter", "min_size")
        _check_size_bound(max_size, "GeneSetLibrary.filter", "max_size")
        keep = np.ones(len(self), dtype=bool)
        sizes = self._sizes()
        notes = []
        if min_size is not None:
            keep &= sizes >= min_size
            notes.append(f"min_size={min_size}")
        if max_size is not None:
            keep &= sizes <= max_size
            notes.append(f"max_size={max_size}")
        if organisms is not None:
            wanted = {organisms} if isinstance(organisms, str) else set(organisms)
            keep &= self._organism_mask(wanted)
            notes.append(f"organisms={sorted(wanted)}")
        if years is not None:
            if "year" not in self._columns():
                raise _param_error("GeneSetLibrary.filter", "years", "used on a library with a 'year' column", years)
            wanted_years = {int(y) for y in years}
            keep &= self._column("year").isin(wanted_years).to_numpy()
            notes.append(f"years={sorted(wanted_years)}")
        if set_ids is not None:
            ids = [set_ids] if isinstance(set_ids, str) else list(set_ids)
            unknown = [s for s in ids if s not in self._index]
            if unknown:
                raise KeyError(f"GeneSetLibrary.filter: unknown set ids {unknown[:5]!r}")
            keep &= self._index.isin(ids)
            notes.append(f"set_ids=<{len(ids)}>")
        return self._subset_rows(np.flatnonzero(keep), note="filter(" + ", ".join(notes) + ")")

    def _organism_mask(self, wanted: set[str]) -> np.ndarray:
        columns = self._columns()
        if "organisms" in columns:
            values = self._column("organisms")
            return np.fromiter(
                (bool(wanted.intersection(v)) if isinstance(v, (list, tuple)) else v in wanted for v in values),
                dtype=bool,
                count=len(values),
            )
        if "organism" in columns:
            return self._column("organism").isin(wanted).to_numpy()
        raise _param_error("GeneSetLibrary.filter", "organisms", "used on a library with organism metadata", sorted(wanted))

    def deduplicate(self) -> GeneSetLibrary:
        """Merge sets with identical genes into one row.

        The first set of each group (library order) keeps its id and metadata;
        ``members`` lists every set id of the group and ``n_members`` counts them.

        Returns
        -------
        GeneSetLibrary

        Examples
        --------
        >>> lib = GeneSetLibrary.from_dict({"a": ["X", "Y"], "b": ["Y", "X"], "c": ["Z"]})
        >>> lib.deduplicate().sets["members"].tolist()
        [('a', 'b'), ('c',)]
        """
        if self._dedup is None:
            self._dedup = self._deduplicate()
        return self._dedup

    def _deduplicate(self) -> GeneSetLibrary:
        groups = self.duplicate_groups()
        first = groups.groupby(groups, sort=False).head(1).index
        rows = self._sets.index.get_indexer(first)
        members = {rep: tuple(self._sets.index[groups.to_numpy() == gid]) for rep, gid in zip(first, groups[first])}
        meta = self._sets.iloc[rows].copy()
        meta["members"] = [members[s] for s in meta.index]
        meta["n_members"] = [len(m) for m in meta["members"]]
        return self._subset_rows(rows, note="deduplicate()", sets=meta)

    def duplicate_groups(self) -> pd.Series:
        """Group number of every set; sets with identical genes share a number.

        Examples
        --------
        >>> GeneSetLibrary.from_dict({"a": ["X"], "b": ["X"], "c": ["Y"]}).duplicate_groups().tolist()
        [0, 0, 1]
        """
        m = self._membership
        keys = [m.indices[m.indptr[i] : m.indptr[i + 1]].tobytes() for i in range(len(self))]
        codes, _ = pd.factorize(pd.Series(keys, dtype=object), sort=False)
        return pd.Series(codes, index=self._index, name="duplicate_group")

    # -- export -----------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Long table with columns ``set_id`` and ``gene``, one row per membership.

        Examples
        --------
        >>> GeneSetLibrary.from_dict({"a": ["Y", "X"]}).to_frame()["gene"].tolist()
        ['X', 'Y']
        """
        m = self._membership
        set_ids = np.repeat(self._index.to_numpy(dtype=object), np.diff(m.indptr))
        return pd.DataFrame({"set_id": set_ids, "gene": self._genes[m.indices]})

    def to_dict(self) -> dict[str, list[str]]:
        """Set id -> sorted list of genes."""
        m = self._membership
        return {s: list(self._genes[m.indices[m.indptr[i] : m.indptr[i + 1]]]) for i, s in enumerate(self._index)}

    def to_gmt(self, path: str | os.PathLike[str], *, description_col: str | None = None) -> None:
        """Write the library as GMT (see :func:`pfocr_enrich.write_gmt`)."""
        from .gmt import write_gmt

        write_gmt(self, path, description_col=description_col)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the library in a compact binary form (a ``.npz`` archive).

        Reloading with :meth:`load` is much faster than parsing GMT or figure files.

        Examples
        --------
        >>> import tempfile, os
        >>> lib = GeneSetLibrary.from_dict({"a": ["X", "Y"]})
        >>> path = os.path.join(tempfile.mkdtemp(), "lib.npz")
        >>> lib.save(path); GeneSetLibrary.load(path) == lib
        True
        """
        meta = {
            "tag": _FORMAT_TAG,
            "version": _FORMAT_VERSION,
            "name": self._name,
            "info": self._info,
        }
        genes_blob = "\n".join(self._genes).encode("utf-8")
        arrays = {
            "header": np.frombuffer(json.dumps(meta, default=str).encode("utf-8"), dtype=np.uint8),
            "genes": np.frombuffer(genes_blob, dtype=np.uint8),
            "indptr": self._membership.indptr.astype(np.int64),
            "indices": self._membership.indices.astype(np.int32),
            **_frame_to_arrays(self._sets, "sets"),
            **_frame_to_arrays(self._load_report, "load_report"),
        }
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> GeneSetLibrary:
        """Load a library written by :meth:`save`.

        The file is read and checked (CRC-32 of every array, shapes, offsets) at
        once; metadata text stays encoded until it is read: a result table
        decodes the titles and links of its own rows only, ``lib.sets`` decodes
        every column once. Nothing about the values differs from a library
        built by the readers.

        Raises
        ------
        LibraryFormatError
            The file is not a saved library or is damaged.

        Examples
        --------
        >>> GeneSetLibrary.load  # doctest: +ELLIPSIS
        <bound method GeneSetLibrary.load of ...>
        """
        try:
            with _gc_paused():
                archive = _read_archive(path)
                header = json.loads(archive["header"].tobytes().decode("utf-8"))
                if header.get("tag") != _FORMAT_TAG:
                    raise LibraryFormatError("not a saved pfocr_enrich library", path=path)
                if header.get("version") not in _READABLE_VERSIONS:
                    raise LibraryFormatError(
                        f"saved with format version {header.get('version')}, expected one of {_READABLE_VERSIONS} "
                        "(a newer pfocr_enrich wrote it?)",
                        path=path,
                    )
                blob = archive["genes"].tobytes().decode("utf-8")
                genes = np.array(blob.split("\n") if blob else [], dtype=object)
                indptr, indices = archive["indptr"].copy(), archive["indices"].copy()  # writable, as scipy expects
                sets = _StoredFrame(archive, "sets")
                report = _StoredFrame(archive, "load_report")
            data = np.ones(len(indices), dtype=np.int8)
            matrix = sp.csr_matrix((data, indices, indptr), shape=(len(sets), len(genes)))
            matrix.check_format(full_check=True)  # indices in range, offsets in order
        except LibraryFormatError:
            raise
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise LibraryFormatError(f"cannot read saved library ({exc})", path=path) from exc
        if not matrix.has_sorted_indices:
            matrix.sort_indices()
        return cls._from_saved(genes, matrix, sets, name=header["name"], report=report, info=header["info"])

    # -- display ----------------------------------------------------------
    def __repr__(self) -> str:
        label = f" {self._name!r}" if self._name else ""
        head = f"GeneSetLibrary{label}: {len(self):,} sets x {self.n_genes:,} genes ({self.namespace})"
        derived = self._info.get("derived")
        if derived:
            head += f" [{'; '.join(derived)}]"
        cols = self._columns()
        lines = [head, "    sets: " + ", ".join(cols)]
        if len(self._report):
            lines.append(f"    load_report: {len(self._report):,} item(s) left out")
        return "\n".join(lines)


def _read_archive(path: str | os.PathLike[str]) -> Mapping[str, np.ndarray]:
    """Every array of a saved library, read in one go: views of one buffer, CRC-checked.

    ``np.load`` copies each member out of the zip in 256 KB pieces; for the ~180 MB
    cache of a full snapshot that was half of the load. :meth:`GeneSetLibrary.save`
    writes uncompressed members (``np.savez``), so each array is a view of the
    file's bytes at its offset. Anything else (a compressed archive) goes through
    ``np.load``.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:  # BytesIO shares the bytes; only the directory is read
        members = archive.infolist()
        if any(m.compress_type != zipfile.ZIP_STORED for m in members):
            with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files}
    view = memoryview(raw)
    for member in members:
        start = _member_start(raw, member)
        data = view[start : start + member.compress_size]
        if len(data) != member.compress_size or zlib.crc32(data) != member.CRC:
            raise ValueError(f"{member.filename} is damaged (CRC-32 mismatch)")
        arrays[member.filename.removesuffix(".npy")] = _npy_view(raw, start, member)
    return arrays


def _member_start(raw: bytes, member: zipfile.ZipInfo) -> int:
    """Offset of a stored member's data: after its local header, name and extra field."""
    at = member.header_offset
    if raw[at : at + 4] != b"PK\x03\x04":
        raise ValueError(f"{member.filename}: no local zip header at offset {at}")
    name_len = int.from_bytes(raw[at + 26 : at + 28], "little")
    extra_len = int.from_bytes(raw[at + 28 : at + 30], "little")
    return at + 30 + name_len + extra_len


def _npy_view(raw: bytes, start: int, member: zipfile.ZipInfo) -> np.ndarray:
    """The array of a .npy member as a read-only view of ``raw`` (no pickled objects)."""
    head = io.BytesIO(raw[start : start + min(member.compress_size, 1 << 17)])
    version = np.lib.format.read_magic(head)
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = read_header(head)
    if dtype.hasobject:
        raise ValueError(f"{member.filename} holds Python objects, which a saved library never does")
    count = int(np.prod(shape, dtype=np.int64))
    offset = start + head.tell()
    if offset + count * dtype.itemsize > start + member.compress_size:
        raise ValueError(f"{member.filename} is shorter than its {shape} {dtype} array")
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many containers and no cycle.

    Decoding a saved library creates some 200,000 lists, read_figures keeps about a
    million; every few thousand new containers CPython would otherwise traverse
    everything built so far (a third of a full snapshot's load, ~2 s of its parse).
    Mercurial does the same when it parses its big indexes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_SEP = "\x1f"  # ASCII unit separator; a text column that contains it is stored as JSON instead


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _text_arrays(values: list[object]) -> dict[str, np.ndarray]:
    """Strings (or None) as one UTF-8 blob plus a missing-value mask: loads without per-row JSON.

    Non-ASCII text also gets the end offset of every string (format 3): decoding each
    string from its byte range is 2-3x faster than decoding the blob into one wide
    string and splitting that.
    """
    missing = np.array([_is_missing(v) for v in values], dtype=bool)
    strings = ["" if m else str(v) for v, m in zip(values, missing)]
    text = _SEP.join(strings)
    arrays = {"": np.frombuffer(text.encode("utf-8"), dtype=np.uint8), "_missing": missing}
    if not text.isascii():
        sizes = np.fromiter((len(s.encode("utf-8")) + 1 for s in strings), dtype=np.int64, count=len(strings))
        arrays["_ends"] = np.cumsum(sizes) - 1  # each string's end; a separator follows
    return arrays


def _is_text_sequence(value: object, kind: type) -> bool:
    return type(value) is kind and all(type(v) is str and _SEP not in v for v in value)  # type: ignore[attr-defined]


def _lists_arrays(values: list[Any]) -> dict[str, np.ndarray]:
    """Lists (or tuples) of strings: their distinct items as text, item codes and cell lengths.

    The items repeat a lot (1.6 million Entrez IDs of ~20,000 genes in a full snapshot), so
    loading decodes each distinct string once and gathers the rest by code.
    """
    vocabulary: dict[str, int] = {}
    codes = [vocabulary.setdefault(item, len(vocabulary)) for value in values for item in value]
    return {
        **_text_arrays(list(vocabulary)),
        "_codes": np.array(codes, dtype=np.int32),
        "_lengths": np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values)),
    }


# Column kinds of a saved frame (besides the pandas dtype names of numeric columns):
# "text" (str or missing), "text_lists"/"text_tuples" (every cell a list/tuple of str;
# format 3), "json" and "json_tuples" (anything else, tuples tagged).
_SEQUENCE_KINDS = {"text_lists": list, "text_tuples": tuple}


def _frame_to_arrays(frame: pd.DataFrame, prefix: str) -> dict[str, np.ndarray]:
    """A metadata frame column by column: numbers as arrays, text and lists of text as blobs, the rest as JSON."""
    kinds: dict[str, str] = {}
    arrays: dict[str, np.ndarray] = {}
    index_values = [str(v) for v in frame.index]
    if any(_SEP in v for v in index_values):
        raise LibraryFormatError(f"set ids cannot contain the control character \\x1f: {index_values[0]!r}...")
    arrays.update({f"{prefix}/index{k}": a for k, a in _text_arrays(index_values).items()})
    for i, col in enumerate(frame.columns):
        series = frame[col]
        key = f"{prefix}/{i}"
        values = series.tolist()
        sequence = next((k for k, t in _SEQUENCE_KINDS.items() if values and type(values[0]) is t), None)
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            arrays[key] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            arrays[key + "_missing"] = series.isna().to_numpy()
            kinds[str(col)] = str(series.dtype)
        elif all(_is_missing(v) or (isinstance(v, str) and _SEP not in v) for v in values):
            arrays.update({key + k: a for k, a in _text_arrays(values).items()})
            kinds[str(col)] = "text"
        elif sequence and all(_is_text_sequence(v, _SEQUENCE_KINDS[sequence]) for v in values):
            # Figure organisms, Entrez IDs, duplicate members: no JSON value per cell.
            arrays.update({key + k: a for k, a in _lists_arrays(values).items()})
            kinds[str(col)] = sequence
        else:
            arrays[key] = np.frombuffer(json.dumps([_jsonable(v) for v in values], ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
            # Only columns holding tuples need the slow per-cell decoding on load.
            has_tuples = any(isinstance(v, tuple) for v in values)
            kinds[str(col)] = "json_tuples" if has_tuples else "json"
    header = {"columns": [str(c) for c in frame.columns], "kinds": kinds, "index_name": frame.index.name,
              "range_index": isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1}
    arrays[f"{prefix}/header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    return arrays


class _StoredFrame:
    """A frame saved by :func:`_frame_to_arrays`, its columns decoded when first read.

    Loading a full snapshot's library spent most of its time turning ~180 MB of
    metadata text (two thirds of it figure captions) into Python strings that an
    enrichment never reads. Here the saved arrays stay in memory as they are; a
    column is decoded the first time it is read (:meth:`column`), and :meth:`take`
    decodes only the rows asked for (the titles and links of a result's rows).
    Shapes and offsets are checked when loading, so a damaged file still fails there.
    """

    def __init__(self, archive: Any, prefix: str) -> None:
        names = archive.files if hasattr(archive, "files") else list(archive)
        self._arrays = {k: archive[k] for k in names if k.startswith(prefix + "/")}
        self._prefix = prefix
        header = json.loads(self._arrays[f"{prefix}/header"].tobytes().decode("utf-8"))
        self.columns: list[str] = header["columns"]
        self._kinds: dict[str, str] = header["kinds"]
        index = pd.Index(self._texts(f"{prefix}/index"), name=header["index_name"], dtype=object)
        if header.get("range_index"):
            index = pd.RangeIndex(len(index), name=header["index_name"])
        self.index = index
        self._decoded: dict[str, pd.Series] = {}
        self._bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._words: dict[str, np.ndarray] = {}
        for i, col in enumerate(self.columns):
            self._check(f"{prefix}/{i}", self._kinds[col])

    def __len__(self) -> int:
        return len(self.index)

    def _key(self, name: str) -> tuple[str, str]:
        return f"{self._prefix}/{self.columns.index(name)}", self._kinds[name]

    def _check(self, key: str, kind: str) -> None:
        """Cheap structural checks of one column (lengths and offsets), no decoding."""
        n, arrays = len(self.index), self._arrays
        if kind == "text":
            if len(arrays[key + "_missing"]) != n:
                raise ValueError(f"{key}: {len(arrays[key + '_missing'])} values for {n} rows")
            self._text_bounds(key)
        elif kind in _SEQUENCE_KINDS:
            codes, lengths = arrays[key + "_codes"], arrays[key + "_lengths"]
            if len(lengths) != n or int(lengths.sum()) != len(codes):
                raise ValueError(f"{key}: {len(codes)} list items for cell lengths adding up to {int(lengths.sum())}")
            n_words = len(arrays[key + "_missing"])
            if len(codes) and (codes.min() < 0 or codes.max() >= n_words):
                raise ValueError(f"{key}: item codes outside the {n_words} stored items")
            if n_words:
                self._text_bounds(key)
        elif kind in ("json", "json_tuples"):
            self._decoded[key] = self._decode(key, kind)  # rare; decoded now so that damage shows here
            if len(self._decoded[key]) != n:
                raise ValueError(f"{key}: {len(self._decoded[key])} values for {n} rows")
        elif len(arrays[key]) != n or len(arrays[key + "_missing"]) != n:
            raise ValueError(f"{key}: {len(arrays[key])} values for {n} rows")

    def _text_bounds(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Start and end byte of every string of a text blob (ASCII blobs have no stored ends)."""
        if key not in self._bounds:
            blob = self._arrays[key]
            count = len(self._arrays[key + "_missing"])
            if key + "_ends" in self._arrays:
                ends = self._arrays[key + "_ends"]
                if len(ends) != count or (len(ends) and ends[-1] != len(blob)):
                    raise ValueError(f"{key}: {len(ends)} string offsets for {count} strings")
            else:
                ends = np.r_[np.flatnonzero(blob == ord(_SEP)), len(blob)]
                if len(ends) != max(count, 1):
                    raise ValueError(f"{key}: {len(ends)} strings for {count} values")
            starts = np.r_[0, ends[:-1] + 1] if len(ends) else ends
            self._bounds[key] = (starts, ends)
        return self._bounds[key]

    def _strings(self, key: str) -> list[str]:
        """Every string of a blob written by :func:`_text_arrays` (missing ones as "")."""
        blob, count = self._arrays[key], len(self._arrays[key + "_missing"])
        if count == 0:
            return []
        if key + "_ends" not in self._arrays:  # ASCII text, or a format 2 file: one split
            strings = str(memoryview(blob), "utf-8").split(_SEP)
            if len(strings) != count:
                raise ValueError(f"{key}: {len(strings)} strings for {count} values")
            return strings
        starts, ends = self._text_bounds(key)  # checks the stored offsets
        view = memoryview(blob)
        return [str(view[a:b], "utf-8") for a, b in zip(starts.tolist(), ends.tolist())]

    def _texts(self, key: str) -> list[object]:
        """:meth:`_strings` with None where a value is missing."""
        values: list[object] = self._strings(key)  # type: ignore[assignment]
        for i in np.flatnonzero(self._arrays[key + "_missing"]):
            values[i] = None
        return values

    def _decode(self, key: str, kind: str) -> pd.Series:
        """A whole column, exactly as format 3 has always loaded it."""
        arrays, index = self._arrays, self.index
        if kind == "text":
            return pd.Series(self._texts(key), index=index, dtype=object)
        if kind in _SEQUENCE_KINDS:
            items = self._list_words(key)[arrays[key + "_codes"]].tolist()  # each distinct string decoded once
            starts, ends = self._list_bounds(key)
            cells = [items[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
            if kind == "text_tuples":
                cells = [tuple(cell) for cell in cells]
            return pd.Series(cells, index=index, dtype=object)
        if kind in ("json", "json_tuples"):
            values = json.loads(arrays[key].tobytes().decode("utf-8"))
            if kind == "json_tuples":
                values = [_unjson(v) for v in values]
            return pd.Series(values, index=index, dtype=object)
        numbers, missing = arrays[key], arrays[key + "_missing"]
        if kind.startswith(("int", "Int", "uint", "UInt")):
            nullable = missing.any() or kind.startswith(("Int", "UInt"))
            values = pd.array(np.where(missing, 0, numbers).astype(np.int64), dtype="Int64" if nullable else "int64")
            if missing.any():
                values[missing] = pd.NA
            return pd.Series(values, index=index)
        if kind in ("bool", "boolean"):
            return pd.Series(numbers.astype(bool), index=index)
        return pd.Series(numbers, index=index)

    def column(self, name: str) -> pd.Series:
        """The whole column ``name``, decoded once."""
        key, kind = self._key(name)
        if key not in self._decoded:
            with _gc_paused():
                self._decoded[key] = self._decode(key, kind)
        return self._decoded[key].rename(name)

    def take(self, name: str, rows: np.ndarray) -> np.ndarray:
        """``column(name).to_numpy()[rows]``, decoding only those rows of text columns."""
        key, kind = self._key(name)
        if key in self._decoded or kind not in ("text", *_SEQUENCE_KINDS) or len(rows) > len(self.index) // 4:
            return self.column(name).to_numpy()[rows]
        out = np.empty(len(rows), dtype=object)
        if kind == "text":
            starts, ends = self._text_bounds(key)
            view, missing = memoryview(self._arrays[key]), self._arrays[key + "_missing"]
            for i, (row, a, b) in enumerate(zip(rows.tolist(), starts[rows].tolist(), ends[rows].tolist())):
                out[i] = None if missing[row] else str(view[a:b], "utf-8")
            return out
        words = self._list_words(key)
        starts, ends = self._list_bounds(key)
        codes, make = self._arrays[key + "_codes"], _SEQUENCE_KINDS[kind]
        for i, (a, b) in enumerate(zip(starts[rows].tolist(), ends[rows].tolist())):
            out[i] = make(words[codes[a:b]].tolist())
        return out

    def _list_bounds(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """First and past-the-last item of every cell of a list column."""
        if key + "_cells" not in self._bounds:
            offsets = np.r_[0, np.cumsum(self._arrays[key + "_lengths"])]
            self._bounds[key + "_cells"] = (offsets[:-1], offsets[1:])
        return self._bounds[key + "_cells"]

    def _list_words(self, key: str) -> np.ndarray:
        if key not in self._words:
            words = np.empty(len(self._arrays[key + "_missing"]), dtype=object)
            words[:] = self._strings(key)
            self._words[key] = words
        return self._words[key]

    def frame(self) -> pd.DataFrame:
        """Every column decoded, as a DataFrame."""
        if not self.columns:  # as pd.DataFrame() has it (e.g. an empty load report)
            return pd.DataFrame(index=self.index)
        data = {col: self.column(col) for col in self.columns}
        return pd.DataFrame(data, index=self.index, columns=self.columns)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is None:
        return None
    return value


def _unjson(value: Any) -> Any:
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_unjson(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_unjson(v) for v in value]
    return value
