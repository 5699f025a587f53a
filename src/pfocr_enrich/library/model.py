"""The gene-set library model: a gene vocabulary and a sparse set x gene membership matrix.

A :class:`GeneSetLibrary` is immutable. Readers (``read_gmt``, ``read_figures``,
``GeneSetLibrary.from_frame``/``from_dict``) build one; filters and
``deduplicate`` return new libraries. The hot path of enrichment only sees the
CSR matrix (int32 indices) and integer arrays.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._util.validation import check_size_bound, param_error
from ..errors import LibraryFormatError
from . import storage
from .derived import DerivedIndexes
from .metadata import join_frame
from .storage import _StoredFrame

logger = logging.getLogger(__name__)

__all__ = ["GeneSetLibrary"]


def _gene_text(set_id: object, gene: object) -> str:
    """``str(gene)`` for GeneSetLibrary.from_dict; a missing value (None, NaN, pd.NA, NaT) is an error."""
    if gene is None or (pd.api.types.is_scalar(gene) and pd.isna(gene)):
        msg = f"GeneSetLibrary.from_dict: set {set_id!r} has a missing gene ({gene!r})."
        raise ValueError(msg)
    return str(gene)


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
            raise param_error(
                "GeneSetLibrary", "membership", "a scipy.sparse CSR matrix", type(membership)
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
        sizes = np.diff(membership.indptr).astype(np.int64)
        sets = sets.copy()
        sets.index = sets.index.astype(object)
        sets.index.name = "set_id"
        sets["size"] = sizes
        membership = membership.copy() if not membership.has_sorted_indices else membership
        membership.sort_indices()
        self._keep(
            genes,
            membership,
            sets.index,
            frame=sets,
            stored=None,
            name=name,
            report=load_report if load_report is not None else pd.DataFrame(),
            info=info,
        )

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
        # Everything computed from genes and membership, built on first use (see derived.py).
        self.derived = DerivedIndexes(genes, membership, index.to_numpy(dtype=object))

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
            raise LibraryFormatError(
                f"set ids are not unique; {index[index.duplicated()][0]!r} appears twice"
            )
        lib = cls.__new__(cls)
        lib._keep(
            genes, membership, index, frame=None, stored=sets, name=name, report=report, info=info
        )
        return lib

    def with_info(self, info: Mapping[str, Any]) -> GeneSetLibrary:
        """The same sets and metadata (shared, nothing decoded) with other provenance."""
        lib = GeneSetLibrary.__new__(GeneSetLibrary)
        lib._keep(
            self._genes,
            self._membership,
            self._index,
            frame=self._frame,
            stored=self._stored,
            name=self._name,
            report=self._report,
            info=info,
        )
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

    def metadata_columns(self) -> list[str]:
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

    def column_values(self, name: str, rows: np.ndarray) -> np.ndarray:
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

    def shared_arrays(self) -> tuple[np.ndarray, sp.csr_matrix]:
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
            with no genes is an error (filter it out first, and report it), and
            so is a missing gene (None, NaN, ``pd.NA``, ``NaT``): it would
            otherwise become a gene named ``"<NA>"`` or ``"NaT"``.
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
            raise param_error(
                "GeneSetLibrary.from_dict",
                "gene_sets",
                "a mapping of set id to genes",
                type(gene_sets),
            )
        set_ids = [str(s) for s in gene_sets]
        gene_lists = []
        for set_id, genes in gene_sets.items():
            if isinstance(genes, str):
                raise param_error(
                    "GeneSetLibrary.from_dict",
                    "gene_sets",
                    f"a collection of genes for set {set_id!r}",
                    genes,
                )
            gene_lists.append([g if type(g) is str else _gene_text(set_id, g) for g in genes])
        return cls.from_lists(
            set_ids, gene_lists, sets=sets, name=name, load_report=load_report, info=info
        )

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
                raise param_error(
                    "GeneSetLibrary.from_frame",
                    param,
                    f"a column of frame {list(frame.columns)}",
                    col,
                )
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
            meta = frame.drop_duplicates(set_col).set_index(
                frame.drop_duplicates(set_col)[set_col].astype(str)
            )[cols]
        return cls.from_lists(list(set_ids), gene_lists, sets=meta, name=name)

    @classmethod
    def from_lists(
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
        return cls(
            np.asarray(uniques, dtype=object),
            matrix,
            meta,
            name=name,
            load_report=load_report,
            info=info,
        )

    def with_metadata(self, metadata: Any) -> GeneSetLibrary:
        """Join figure metadata (titles, papers, years, links) onto the sets by figid.

        ``metadata`` is another library or a DataFrame indexed by figid (or with a
        ``figid`` column); for a folder of figure pages use
        :func:`pfocr_enrich.join_metadata`, which reads it first. The matching
        rules are those of :func:`pfocr_enrich.join_metadata`.

        Examples
        --------
        >>> lib = GeneSetLibrary.from_dict({"PMC1__f1": ["TP53"]})
        >>> meta = pd.DataFrame({"title": ["p53 pathway"]}, index=["PMC1__f1"])
        >>> lib.with_metadata(meta).sets.loc["PMC1__f1", "title"]
        'p53 pathway'
        """
        if isinstance(metadata, GeneSetLibrary):
            frame, label = metadata.sets, metadata.name or "a GeneSetLibrary"
        elif isinstance(metadata, pd.DataFrame):
            frame = metadata.set_index("figid") if "figid" in metadata.columns else metadata
            label = "a DataFrame"
        elif isinstance(metadata, (str, os.PathLike)):
            msg = (
                "The 'metadata' parameter of GeneSetLibrary.with_metadata must be a GeneSetLibrary or a "
                f"DataFrame. Got the path {os.fspath(metadata)!r} instead: for a folder of figure pages use "
                "pfocr_enrich.join_metadata(lib, folder), which reads it with load_snapshot."
            )
            raise TypeError(msg)
        else:
            raise param_error(
                "GeneSetLibrary.with_metadata",
                "metadata",
                "a GeneSetLibrary or a DataFrame indexed by figid",
                type(metadata).__name__,
            )
        sets, info = join_frame(self.sets.drop(columns="size"), frame, label, self._info)
        return GeneSetLibrary(
            self._genes,
            self._membership,
            sets,
            name=self._name,
            load_report=self.load_report,
            info=info,
        )

    def with_load_report(self, report: pd.DataFrame) -> GeneSetLibrary:
        """The same library with another load report (readers add what they left out)."""
        lib = self.with_info(self._info)
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
        return self.derived.namespace()

    def gene_index(self) -> dict[str, int]:
        """Gene -> column index (built once; treat as read-only)."""
        return self.derived.gene_index()

    def set_id_rank(self) -> np.ndarray:
        """Rank of each set id in sorted order (for stable tie-breaking), computed once."""
        return self.derived.set_id_rank()

    # -- derived libraries ------------------------------------------------
    def _subset_rows(
        self, rows: np.ndarray, *, note: str, sets: pd.DataFrame | None = None
    ) -> GeneSetLibrary:
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
        check_size_bound(min_size, "GeneSetLibrary.filter", "min_size")
        check_size_bound(max_size, "GeneSetLibrary.filter", "max_size")
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
            if "year" not in self.metadata_columns():
                raise param_error(
                    "GeneSetLibrary.filter",
                    "years",
                    "used on a library with a 'year' column",
                    years,
                )
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
        columns = self.metadata_columns()
        if "organisms" in columns:
            values = self._column("organisms")
            return np.fromiter(
                (
                    bool(wanted.intersection(v)) if isinstance(v, (list, tuple)) else v in wanted
                    for v in values
                ),
                dtype=bool,
                count=len(values),
            )
        if "organism" in columns:
            return self._column("organism").isin(wanted).to_numpy()
        raise param_error(
            "GeneSetLibrary.filter",
            "organisms",
            "used on a library with organism metadata",
            sorted(wanted),
        )

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
        return self.derived.memo("deduplicate", self._deduplicate)

    def _deduplicate(self) -> GeneSetLibrary:
        groups = self.duplicate_groups()
        first = groups.groupby(groups, sort=False).head(1).index
        rows = self._sets.index.get_indexer(first)
        members = {
            rep: tuple(self._sets.index[groups.to_numpy() == gid])
            for rep, gid in zip(first, groups[first])
        }
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
        return {
            s: list(self._genes[m.indices[m.indptr[i] : m.indptr[i + 1]]])
            for i, s in enumerate(self._index)
        }

    def to_gmt(self, path: str | os.PathLike[str], *, description_col: str | None = None) -> None:
        """Write the library as GMT (see :func:`pfocr_enrich.write_gmt`)."""
        storage.write_gmt(self, path, description_col=description_col)

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
        storage.save(self, path)

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
        genes, matrix, sets, report, header = storage.load(path)
        return cls._from_saved(
            genes, matrix, sets, name=header["name"], report=report, info=header["info"]
        )

    # -- display ----------------------------------------------------------
    def __repr__(self) -> str:
        label = f" {self._name!r}" if self._name else ""
        head = (
            f"GeneSetLibrary{label}: {len(self):,} sets x {self.n_genes:,} genes ({self.namespace})"
        )
        derived = self._info.get("derived")
        if derived:
            head += f" [{'; '.join(derived)}]"
        cols = self.metadata_columns()
        lines = [head, "    sets: " + ", ".join(cols)]
        if len(self._report):
            lines.append(f"    load_report: {len(self._report):,} item(s) left out")
        return "\n".join(lines)
