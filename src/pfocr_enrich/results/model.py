"""Enrichment results: ranked rows plus what was done to get them.

A result knows nothing of how its numbers were computed: it reads its rows
through one protocol (:class:`~pfocr_enrich.results.rows.Rows`), whether they
are the compact scored rows of ``enrich`` / ``enrich_many`` (table rows built
when read) or a plain table, and keeps the positions of the rows it holds.
Filters select positions (``filters.py``); clustering (``cluster.py``), text
(``text.py``), exports (``export.py``) and HTML (``report/``) live beside this
module. The engine builds results from its rows with :func:`from_rows`.

:class:`EnrichmentResult` holds one query; :class:`BatchEnrichmentResult`
(``batch.py``, returned by :func:`pfocr_enrich.enrich_many`) holds many, in one
long table with a categorical ``query`` column.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..identifiers import KEPT_STATUSES
from .cluster import Clustering, freeze_set_genes
from .export import Exporting
from .filters import Filtering
from .report import Reporting
from .report.html import GLIMPSE_QUERIES
from .rows import FrameRows, Rows
from .text import Describing

__all__ = ["EnrichmentResult", "from_rows"]


class _Deferred:
    """A DataFrame built on first use, shared by the results derived from one run (the mapping
    report of a query costs about as much to build as scoring it against 10,000 sets)."""

    def __init__(self, build: Callable[[], pd.DataFrame]) -> None:
        self._build: Callable[[], pd.DataFrame] | None = build
        self._frame: pd.DataFrame | None = None

    def get(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._build()  # type: ignore[misc]
            self._build = None
        return self._frame


# Under copy-on-write (pandas >= 3, or turned on in 2.x) a shallow copy is already independent:
# writing to it copies the data written to. Otherwise accessors hand out deep copies.
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3 or pd.options.mode.copy_on_write is True


def _result_class(batch: bool) -> type[EnrichmentResult]:
    from .batch import BatchEnrichmentResult

    return BatchEnrichmentResult if batch else EnrichmentResult


class EnrichmentResult(Filtering, Clustering, Describing, Reporting, Exporting):
    """The outcome of :func:`pfocr_enrich.enrich`: a ranked table plus its provenance.

    Results are immutable: filters (:meth:`significant`, :meth:`top`, :meth:`hits`,
    :meth:`cluster`) return new results, and every accessor returns a copy.
    A batch (``batch=True``, by default a table with a ``query`` column) is
    created as a :class:`~pfocr_enrich.results.BatchEnrichmentResult`. Other
    analyses (e.g. preranked GSEA: ``params["analysis"] = "gsea"``) use the same
    class with their own columns.

    Parameters
    ----------
    table : DataFrame
        One row per tested set, ranked (by p-value, ties by ``set_id``), indexed by rank.
    params : dict
        Every option and size that produced the table (universe, query, correction, ...).
    mapping : DataFrame
        One row per query input: ``input``, ``status``, ``mapped_to``, ``note``.
    set_genes : GeneSetLibrary or mapping of str to collection of str, optional
        The genes of each set, used by :meth:`cluster` (a library is kept by
        reference, any other mapping is copied for the table's set ids).
    batch : bool, optional
        Rows of several queries; default: when the table has a ``query`` column.

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
    >>> res.significant(0.05).table.shape[0] <= res.table.shape[0]
    True
    >>> res.params["universe_size"]
    1523
    """

    _sel: np.ndarray | None = None  # positions of this result's rows (None: all)
    _table_cache: pd.DataFrame | None = None

    def __new__(cls, table: object = None, *args: Any, **kwargs: Any) -> EnrichmentResult:
        # Which class: the rows decide (FrameRows' rule for a table), unless `batch` is given.
        if cls is EnrichmentResult:
            batch = kwargs.get("batch")
            cls = _result_class(FrameRows.holds_batch(table) if batch is None else batch)
        return super().__new__(cls)

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        params: Mapping[str, Any],
        mapping: pd.DataFrame,
        set_genes: Mapping[str, Iterable[str]] | None = None,
        batch: bool | None = None,
    ) -> None:
        if not isinstance(table, pd.DataFrame):
            raise TypeError(
                f"The 'table' parameter of EnrichmentResult must be a DataFrame. Got {type(table).__name__} instead."
            )
        self._rows: Rows = FrameRows(table.copy(), batch=batch)
        if self._rows.batch != isinstance(self, _result_class(True)):
            raise ValueError(f"{type(self).__name__} cannot hold batch={self._rows.batch} rows.")
        self._params = copy.deepcopy(dict(params))
        self._mapping_value: pd.DataFrame | _Deferred = mapping.copy()
        self._set_genes = freeze_set_genes(set_genes, table)

    def _derive(
        self,
        sel: np.ndarray | None,
        params: dict[str, Any],
        *,
        rows: Rows | None = None,
        cls: type[EnrichmentResult] | None = None,
        mapping: pd.DataFrame | None = None,
    ) -> EnrichmentResult:
        """A new result holding the rows ``sel`` of ``rows`` (default: this one's)."""
        return _make(
            cls or type(self),
            self._rows if rows is None else rows,
            sel,
            params,
            self._mapping_value if mapping is None else mapping,
            self._set_genes,
        )

    def _positions(self) -> np.ndarray:
        return np.arange(len(self._rows)) if self._sel is None else self._sel

    @property
    def _lazy(self) -> bool:
        """Whether the table is still to be built."""
        return self._table_cache is None

    @property
    def _table(self) -> pd.DataFrame:
        if self._table_cache is None:
            self._table_cache = self._rows.frame(self._sel)
        return self._table_cache

    @property
    def _mapping(self) -> pd.DataFrame:
        value = self._mapping_value
        return value.get() if isinstance(value, _Deferred) else value

    def _n_significant(self, alpha: float = 0.05) -> int:
        """Rows with fdr <= alpha (0 without an fdr column)."""
        try:
            fdr = self._rows.column("fdr", self._positions())
        except KeyError:
            return 0
        with np.errstate(invalid="ignore"):
            return int((fdr <= alpha).sum())

    def _glimpse(self, per_query: int) -> pd.DataFrame:
        """The best rows to show at a glance: of each of the first queries, for a batch."""
        sel = self._positions()
        sel = sel[self._rows.query_codes(sel) < GLIMPSE_QUERIES]
        return self._rows.frame(self._rows.first_per_query(sel, per_query))

    # -- data ---------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """The ranked result table (a copy), indexed by ``rank``.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> top = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).table.iloc[0]
        >>> top["set_id"], int(top["overlap"])
        ('PMC3270028__pone.0030802.g006', 3)
        """
        return self._table.copy(deep=not _COPY_ON_WRITE)

    @property
    def params(self) -> dict[str, Any]:
        """Options, sizes and provenance of this result (a deep copy).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> p = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).params
        >>> p["correction"], p["query_size"], p["library_info"]["release"]
        ('fdr_bh', 3, 'PFOCR COVID collection 2020')
        """
        return copy.deepcopy(self._params)

    @property
    def mapping(self) -> pd.DataFrame:
        """What happened to every query input (a copy).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "DDX58"], pe.sample_library())
        >>> res.mapping[["input", "mapped_to"]].values.tolist()
        [['IRF3', 'IRF3'], ['DDX58', 'RIGI']]
        """
        return self._mapping.copy()

    @property
    def dropped(self) -> pd.DataFrame:
        """The query inputs that did not enter the test, with the reason (a copy).

        For a ranked list (:func:`~pfocr_enrich.gsea`, :func:`~pfocr_enrich.mhg`):
        the entries that left the ranking (duplicates of a gene); entries no set
        contains stay in the ranking as non-members (``mapping`` lists them).

        Examples
        --------
        >>> import pfocr_enrich as pe, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     res = pe.enrich(["IRF3", "MAVS", "NOTAGENE"], pe.sample_library())
        >>> res.dropped[["input", "status"]].values.tolist()
        [['NOTAGENE', 'unknown']]
        """
        mapping = self._mapping
        if "rank" in mapping.columns:  # a ranked list: what left the walk
            return mapping[mapping["rank"].isna()].reset_index(drop=True)
        if "status" not in mapping:
            return mapping.iloc[:0].copy()
        return mapping[~mapping["status"].isin(KEPT_STATUSES)].reset_index(drop=True)

    @property
    def is_batch(self) -> bool:
        """Whether this result holds several queries (a ``query`` column).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich(["IRF3", "MAVS"], pe.sample_library()).is_batch
        False
        """
        return self._rows.batch

    def set_genes(self, set_id: str) -> tuple[str, ...]:
        """The genes of one set, as the result holds them (sorted; the library's identifiers).

        Results of ``enrich``, ``gsea`` and ``mhg`` keep their library by reference
        (at no cost); a result made from a table has the ``set_genes`` it was given.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> lib = pe.GeneSetLibrary.from_dict({"s1": ["MAVS", "IRF3", "TBK1"], "s2": ["RELA", "NFKB1"]})
        >>> pe.enrich(["IRF3", "MAVS"], lib).set_genes("s1")
        ('IRF3', 'MAVS', 'TBK1')
        """
        held = self._set_genes
        if held is None:
            raise ValueError(
                f"{type(self).__name__}.set_genes: this result holds no set genes "
                "(make it with set_genes=, or read them from the library)."
            )
        if set_id not in held:
            raise KeyError(f"{type(self).__name__}.set_genes: no set {set_id!r}")
        return tuple(sorted(held[set_id]))

    def __len__(self) -> int:
        return len(self._rows) if self._sel is None else len(self._sel)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EnrichmentResult):
            return NotImplemented
        return (
            type(self) is type(other)
            and self._table.equals(other._table)
            and self._mapping.equals(other._mapping)
            and self._params == other._params
        )

    __hash__ = None  # type: ignore[assignment]


def _make(
    cls: type[EnrichmentResult],
    rows: Rows,
    sel: np.ndarray | None,
    params: dict[str, Any],
    mapping: pd.DataFrame | _Deferred,
    set_genes: Any,
) -> EnrichmentResult:
    """A result of class ``cls`` holding the rows ``sel`` of ``rows`` (stored as given)."""
    new = object.__new__(cls)
    new._rows, new._sel, new._params = rows, sel, params
    new._mapping_value, new._set_genes = mapping, set_genes
    return new


def from_rows(
    rows: Rows,
    *,
    params: dict[str, Any],
    mapping: pd.DataFrame | Callable[[], pd.DataFrame],
    set_genes: Any = None,
    cls: type[EnrichmentResult] | None = None,
) -> EnrichmentResult:
    """The result of a run: its rows (kept, not copied), params and mapping report.

    The engine's way to build results (``EnrichmentResult(table, ...)`` copies a
    finished table). ``mapping`` may be a function that builds the report when it
    is first read; ``cls`` (default: by ``rows.batch``) a subclass such as
    :class:`~pfocr_enrich.results.GroupEnrichmentResult`.
    """
    deferred = mapping if isinstance(mapping, pd.DataFrame) else _Deferred(mapping)
    cls = cls or _result_class(rows.batch)
    if rows.batch != issubclass(cls, _result_class(True)):
        raise ValueError(f"{cls.__name__} cannot hold batch={rows.batch} rows.")
    return _make(cls, rows, None, params, deferred, set_genes)
