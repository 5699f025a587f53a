"""The gene-set library model: a gene vocabulary and a sparse set x gene membership matrix.

A :class:`GeneSetLibrary` is immutable. Readers (``read_gmt``, ``read_figures``,
``GeneSetLibrary.from_frame``/``from_dict``) build one; filters and
``deduplicate`` return new libraries. The hot path of enrichment only sees the
CSR matrix (int32 indices) and integer arrays.

The class holds the data and its protocol; the work lives beside it, one concern
per module: :mod:`.build` (construction: ``from_dict``, ``from_frame`` and
``from_lists`` are defined and documented there), :mod:`.subsets` (``filter``,
duplicate groups, deduplication), :mod:`.metadata` (metadata joins),
:mod:`.columns` and :mod:`.storage` (the saved format), :mod:`.derived`
(indexes built on first use, kept for the library's lifetime).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Mapping
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pandas.api.extensions import ExtensionArray

from . import build, storage, subsets
from .columns import SetMetadata, StoredFrame
from .derived import DerivedIndexes
from .metadata import join_frame, metadata_by_figid

logger = logging.getLogger(__name__)

__all__ = ["GeneSetLibrary"]


class GeneSetLibrary:
    """An immutable collection of gene sets with per-set metadata.

    Parameters
    ----------
    genes : array of str, shape (n_genes,)
        The gene vocabulary, unique; every gene belongs to at least one set.
    membership : scipy.sparse.csr_matrix, shape (n_sets, n_genes)
        ``membership[i, j]`` is 1 when gene ``j`` belongs to set ``i``.
    sets : DataFrame
        One row per set, in matrix row order, indexed by unique ``set_id``;
        a ``size`` column (genes per set) is added.
    name : str, optional
        A short label shown in reprs and provenance.
    load_report : DataFrame, optional
        What the reader left out (files, lines, keywords) and why.
    info : mapping, optional
        Provenance: source path or URL, release, checksum, ...

    Notes
    -----
    The constructor only checks and stores; :meth:`from_dict`, :meth:`from_frame`,
    :func:`pfocr_enrich.read_gmt` and :func:`pfocr_enrich.read_figures` build from data.

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
        genes, membership, sets = build.checked(genes, membership, sets)
        report = load_report if load_report is not None else pd.DataFrame()
        self._keep(genes, membership, sets.index, sets, name, report, info)

    def _keep(self, genes, membership, index, metadata, name, report, info) -> None:
        """Store checked parts; ``metadata`` is a frame, stored columns or a shared SetMetadata."""
        self._genes = genes
        self._genes.setflags(write=False)
        self._membership = membership
        self._index = index
        sizes = np.diff(membership.indptr).astype(np.int64)
        shared = isinstance(metadata, SetMetadata)
        self._meta = metadata if shared else SetMetadata(metadata, index, sizes)
        self._name = name
        self._report = report  # a frame, or a saved report decoded when read
        self._info = dict(info or {})
        # Everything computed from genes and membership, built on first use (see derived.py).
        self.derived = DerivedIndexes(genes, membership, index.to_numpy(dtype=object))

    @classmethod
    def _assemble(cls, genes, membership, index, metadata, name, report, info) -> GeneSetLibrary:
        lib = cls.__new__(cls)
        lib._keep(genes, membership, index, metadata, name, report, info)
        return lib

    def with_info(self, info: Mapping[str, Any]) -> GeneSetLibrary:
        """The same sets and metadata (shared, nothing decoded) with other provenance."""
        return self._assemble(*self._parts(), self._report, info)

    def with_load_report(self, report: pd.DataFrame) -> GeneSetLibrary:
        """The same library with another load report (readers add what they left out)."""
        return self._assemble(*self._parts(), report, self._info)

    def _parts(self) -> tuple[Any, ...]:
        return self._genes, self._membership, self._index, self._meta, self._name

    # -- metadata, decoded when first read (see columns.SetMetadata) ----------
    @property
    def _sets(self) -> pd.DataFrame:
        return self._meta.whole()

    @property
    def _load_report(self) -> pd.DataFrame:
        if isinstance(self._report, StoredFrame):
            self._report = self._report.frame()
        return self._report

    def metadata_columns(self) -> list[str]:
        """Metadata column names, ``size`` last, without decoding any."""
        return self._meta.columns()

    def column_values(self, name: str, rows: np.ndarray) -> np.ndarray | ExtensionArray:
        """``sets[name].to_numpy()[rows]`` (``sets[name].array.take(rows)`` for pandas 3's default
        str dtype: no Python objects); a saved library decodes those rows' text only."""
        return self._meta.take(name, rows)

    def shared_arrays(self) -> tuple[np.ndarray, sp.csr_matrix]:
        """Gene vocabulary and membership, shared without copying (nothing is decoded)."""
        return self._genes, self._membership

    # -- construction (see build.py) ---------------------------------------
    from_dict = classmethod(build.from_dict)
    from_frame = classmethod(build.from_frame)
    from_lists = classmethod(build.from_lists)

    def with_metadata(self, metadata: GeneSetLibrary | pd.DataFrame) -> GeneSetLibrary:
        """Join figure metadata (another library, or a frame indexed by figid) onto the sets.

        The rules are those of :func:`pfocr_enrich.join_metadata`, which also reads folders.

        Examples
        --------
        >>> lib = GeneSetLibrary.from_dict({"PMC1__f1": ["TP53"]})
        >>> meta = pd.DataFrame({"title": ["p53 pathway"]}, index=["PMC1__f1"])
        >>> lib.with_metadata(meta).sets.loc["PMC1__f1", "title"]
        'p53 pathway'
        """
        if isinstance(metadata, GeneSetLibrary):
            frame, label = metadata.sets, metadata.name or "a GeneSetLibrary"
        else:
            frame, label = metadata_by_figid(metadata)
        sets, info = join_frame(self.sets.drop(columns="size"), frame, label, self._info)
        report = self.load_report
        return GeneSetLibrary(
            *self.shared_arrays(), sets, name=self._name, load_report=report, info=info
        )

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
        m = self._membership
        return frozenset(self._genes[m.indices[m.indptr[row] : m.indptr[row + 1]]])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, GeneSetLibrary):
            return NotImplemented
        return (
            np.array_equal(self._genes, other._genes)
            and self._index.equals(other._index)
            and (self._membership != other._membership).nnz == 0
        )

    __hash__ = None  # type: ignore[assignment]

    # -- read-only views --------------------------------------------------
    genes = property(
        attrgetter("_genes"), doc="The sorted gene vocabulary (read-only array of str)."
    )
    set_ids = property(attrgetter("_index"), doc="Set ids in library order (a pandas Index).")
    name = property(attrgetter("_name"), doc="Library label.")

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
    def _subset(
        self, rows: np.ndarray, note: str, sets: pd.DataFrame | None = None
    ) -> GeneSetLibrary:
        """A new library of ``rows``; genes no longer in any set leave the vocabulary."""
        used, matrix = subsets.take_rows(self._membership, rows)
        meta = self._sets.iloc[rows] if sets is None else sets
        info = self._info | {"derived": [*self._info.get("derived", []), note]}
        lib = GeneSetLibrary(self._genes[used], matrix, meta, name=self._name, info=info)
        lib._report = self._report  # shared as it is (a saved report stays encoded)
        return lib

    filter = subsets.filter  # see subsets.py

    def deduplicate(self) -> GeneSetLibrary:
        """Merge sets with identical genes: the first of each group keeps its id and metadata.

        ``members`` lists the group's set ids and ``n_members`` counts them.

        Examples
        --------
        >>> lib = GeneSetLibrary.from_dict({"a": ["X", "Y"], "b": ["Y", "X"], "c": ["Z"]})
        >>> lib.deduplicate().sets["members"].tolist()
        [('a', 'b'), ('c',)]
        """
        return self.derived.memo("deduplicate", lambda: self._subset(*subsets.deduplicated(self)))

    def duplicate_groups(self) -> pd.Series:
        """Group number of every set; sets with identical genes share a number.

        Examples
        --------
        >>> GeneSetLibrary.from_dict({"a": ["X"], "b": ["X"], "c": ["Y"]}).duplicate_groups().tolist()
        [0, 0, 1]
        """
        return subsets.duplicate_groups(self._membership, self._index)

    # -- export -----------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Long table with columns ``set_id`` and ``gene``, one row per membership.

        Examples
        --------
        >>> GeneSetLibrary.from_dict({"a": ["Y", "X"]}).to_frame()["gene"].tolist()
        ['X', 'Y']
        """
        return build.long_frame(self._genes, self._membership, self._index)

    def to_dict(self) -> dict[str, list[str]]:
        """Set id -> sorted list of genes."""
        return build.gene_lists(self._genes, self._membership, self._index)

    def to_gmt(self, path: str | os.PathLike[str], *, description_col: str | None = None) -> None:
        """Write the library as GMT (see :func:`pfocr_enrich.write_gmt`)."""
        storage.write_gmt(self, path, description_col=description_col)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save the library compactly (an ``.npz``); :meth:`load` reads it back much faster than GMT.

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
        """Load a library written by :meth:`save` (see its example).

        The whole file is checked at once (CRC-32 of every array, shapes, offsets);
        metadata text stays encoded until read (a result table decodes its own rows).
        Anything else raises :class:`LibraryFormatError` with the path.
        """
        genes, matrix, index, sets, report, header = storage.load(path)
        return cls._assemble(genes, matrix, index, sets, header["name"], report, header["info"])

    # -- display ----------------------------------------------------------
    def __repr__(self) -> str:
        label = f" {self._name!r}" if self._name else ""
        head = (
            f"GeneSetLibrary{label}: {len(self):,} sets x {self.n_genes:,} genes ({self.namespace})"
        )
        if self._info.get("derived"):
            head += f" [{'; '.join(self._info['derived'])}]"
        lines = [head, "    sets: " + ", ".join(self.metadata_columns())]
        if len(self._report):
            lines.append(f"    load_report: {len(self._report):,} item(s) left out")
        return "\n".join(lines)
