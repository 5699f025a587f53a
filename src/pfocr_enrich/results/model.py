"""Enrichment results: a ranked table plus what was done to get it.

Knows nothing of how the numbers were computed; it filters, groups redundant
sets, formats (text, Jupyter HTML, a self-contained report) and exports. A
result from ``enrich`` / ``enrich_many`` holds the run's compact rows
(:class:`pfocr_enrich.scoring.ScoredRows`) and builds table rows when they are
read; one made from a DataFrame holds that table.

:class:`EnrichmentResult` holds one query; :class:`BatchEnrichmentResult`
(returned by :func:`pfocr_enrich.enrich_many`) holds many, in one long table
with a categorical ``query`` column.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import gzip
import html
import io
import json
import logging
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._util.validation import check_alpha, check_choice, check_int, check_number_in, param_error
from .._util.version import __version__
from ..identifiers import KEPT_STATUSES
from ..library import GeneSetLibrary
from ..plot import set_labels

if TYPE_CHECKING:
    from ..engine.scoring import ScoredRows

logger = logging.getLogger(__name__)

__all__ = ["EnrichmentResult", "BatchEnrichmentResult", "PFOCR_CITATION"]

#: How to cite PFOCR (printed by :meth:`EnrichmentResult.methods_text` and in reports).
PFOCR_CITATION = (
    "Hanspers K, Riutta A, Summer-Kutmon M, Pico AR. Pathway information extracted from "
    "25 years of pathway figures. Genome Biology 21, 273 (2020). "
    "https://doi.org/10.1186/s13059-020-02181-2"
)
PMC_IMAGE_URL = "https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}/bin/{filename}"

_SHOWN = [
    "query",
    "set_id",
    "title",
    "overlap",
    "set_size",
    "fold_enrichment",
    "pvalue",
    "fdr",
    "genes",
]
_METRICS = ("jaccard", "overlap")
_GLIMPSE_QUERIES = 10  # queries of a batch shown by repr and in Jupyter
_EXPORT_CHUNK = 250_000  # rows built at a time when a large result is written to CSV
_CORRECTION_NAMES = {
    "fdr_bh": "the Benjamini-Hochberg false discovery rate procedure",
    "fdr_by": "the Benjamini-Yekutieli false discovery rate procedure",
    "bonferroni": "the Bonferroni correction",
    "sidak": "the Sidak correction",
    "holm": "the Holm step-down procedure",
    "holm-sidak": "the Holm-Sidak step-down procedure",
    "simes-hochberg": "the Simes-Hochberg step-up procedure",
    "hommel": "the Hommel procedure",
    "fdr_tsbh": "the two-stage Benjamini-Krieger-Yekutieli FDR procedure (fdr_tsbh)",
    "fdr_tsbky": "the two-stage Benjamini-Krieger-Yekutieli FDR procedure (fdr_tsbky)",
}
_COMPAT_NAMES = {"clusterprofiler": "clusterProfiler", "gseapy": "gseapy", "enrichr": "Enrichr"}


class Deferred:
    """A DataFrame built on first use, shared by the results derived from one run.

    (The mapping report of a query costs about as much to build as scoring it
    against 10,000 sets; many uses never read it.)
    """

    def __init__(self, build: Callable[[], pd.DataFrame]) -> None:
        self._build: Callable[[], pd.DataFrame] | None = build
        self._frame: pd.DataFrame | None = None

    def get(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._build()  # type: ignore[misc]
            self._build = None
        return self._frame


class EnrichmentResult:
    """The outcome of :func:`pfocr_enrich.enrich`: a ranked table plus its provenance.

    Results are immutable: filters (:meth:`significant`, :meth:`top`,
    :meth:`cluster`) return new results, and every accessor returns a copy.
    A result whose table has a ``query`` column is a batch and is created as a
    :class:`BatchEnrichmentResult`.

    Parameters
    ----------
    table : DataFrame
        One row per tested set, ranked by p-value (ties by ``set_id``).
    params : dict
        Every option and size that produced the table (universe, query, correction, ...).
    mapping : DataFrame
        One row per query input: ``input``, ``status``, ``mapped_to``, ``note``.
    set_genes : GeneSetLibrary or mapping of str to collection of str, optional
        The genes of each set in the table, used by :meth:`cluster` (without
        them, clusters are computed from the overlapping genes). A
        :class:`~pfocr_enrich.GeneSetLibrary` is immutable and is kept by
        reference; any other mapping is copied for the table's set ids.

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
    >>> res.significant(0.05).table.shape[0] <= res.table.shape[0]
    True
    >>> res.params["universe_size"]
    1523
    """

    # A result from enrich/enrich_many keeps its rows compact (scoring.ScoredRows) and builds the
    # table on first use; `_sel` holds the positions of its rows (None: all).
    _rows: ScoredRows | None = None
    _sel: np.ndarray | None = None
    _table_cache: pd.DataFrame | None = None
    _mapping_value: pd.DataFrame | Deferred | None = None

    def __new__(
        cls, table: pd.DataFrame | None = None, *args: Any, **kwargs: Any
    ) -> EnrichmentResult:
        # The shape of the data decides the class: a table with a `query` column is a batch.
        table = kwargs.get("table", table)
        if cls is EnrichmentResult and isinstance(table, pd.DataFrame) and "query" in table.columns:
            cls = BatchEnrichmentResult
        return super().__new__(cls)

    def __init__(
        self,
        table: pd.DataFrame,
        *,
        params: Mapping[str, Any],
        mapping: pd.DataFrame,
        set_genes: Mapping[str, Iterable[str]] | None = None,
    ) -> None:
        if not isinstance(table, pd.DataFrame):
            raise TypeError(
                f"The 'table' parameter of EnrichmentResult must be a DataFrame. Got {type(table).__name__} instead."
            )
        self._table = table.copy()
        self._params = copy.deepcopy(dict(params))
        self._mapping = mapping.copy()
        self._set_genes = _freeze_set_genes(set_genes, table)

    @classmethod
    def _from_rows(
        cls,
        rows: ScoredRows,
        *,
        params: dict[str, Any],
        mapping: pd.DataFrame | Deferred,
        set_genes: GeneSetLibrary | None = None,
    ) -> EnrichmentResult:
        """Wrap the compact rows of a run; the table is built when first needed."""
        new = object.__new__(BatchEnrichmentResult if rows.batch else EnrichmentResult)
        new._rows = rows
        new._params = params
        new._mapping = mapping
        new._set_genes = set_genes
        return new

    def _derive_rows(
        self,
        sel: np.ndarray,
        params: dict[str, Any],
        *,
        rows: ScoredRows | None = None,
        cls: type[EnrichmentResult] | None = None,
        mapping: pd.DataFrame | None = None,
    ) -> EnrichmentResult:
        """A new lazy result holding the rows ``sel`` of this one's compact rows."""
        new = object.__new__(cls or type(self))
        new._rows = rows or self._rows
        new._sel = sel
        new._params = params
        new._mapping = self._mapping_value if mapping is None else mapping
        new._set_genes = self._set_genes
        return new

    @property
    def _lazy(self) -> bool:
        """Whether the table is still to be built from compact rows."""
        return self._table_cache is None and self._rows is not None

    def _positions(self) -> np.ndarray:
        return np.arange(len(self._rows)) if self._sel is None else self._sel

    @property
    def _table(self) -> pd.DataFrame:
        if self._table_cache is None:
            self._table_cache = self._rows.frame(self._sel)
        return self._table_cache

    @_table.setter
    def _table(self, table: pd.DataFrame) -> None:
        self._table_cache = table

    @property
    def _mapping(self) -> pd.DataFrame:
        value = self._mapping_value
        return value.get() if isinstance(value, Deferred) else value

    @_mapping.setter
    def _mapping(self, mapping: pd.DataFrame | Deferred) -> None:
        self._mapping_value = mapping

    def _derive(
        self,
        table: pd.DataFrame,
        params: dict[str, Any] | None = None,
        cls: type[EnrichmentResult] | None = None,
        mapping: pd.DataFrame | None = None,
    ) -> EnrichmentResult:
        """A new result from a table this object built itself (no defensive copies needed)."""
        new = object.__new__(cls or type(self))
        new._table = table
        new._params = copy.deepcopy(self._params if params is None else params)
        new._mapping = self._mapping if mapping is None else mapping
        new._set_genes = _freeze_set_genes(self._set_genes, table)
        return new

    # -- data ---------------------------------------------------------------
    @property
    def table(self) -> pd.DataFrame:
        """The ranked result table (a copy), indexed by ``rank``.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> top = res.table.iloc[0]
        >>> top["set_id"], int(top["overlap"])
        ('PMC3270028__pone.0030802.g006', 3)
        """
        return self._table.copy()

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

        Examples
        --------
        >>> import pfocr_enrich as pe, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     res = pe.enrich(["IRF3", "MAVS", "NOTAGENE"], pe.sample_library())
        >>> res.dropped[["input", "status"]].values.tolist()
        [['NOTAGENE', 'unknown']]
        """
        return self._mapping[~self._mapping["status"].isin(KEPT_STATUSES)].reset_index(drop=True)

    @property
    def is_batch(self) -> bool:
        """Whether this result holds several queries (a ``query`` column).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich(["IRF3", "MAVS"], pe.sample_library()).is_batch
        False
        """
        if self._lazy:
            return self._rows.batch
        return "query" in self._table.columns

    def __len__(self) -> int:
        if self._lazy:
            return len(self._positions())
        return len(self._table)

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

    # -- filters ------------------------------------------------------------
    def significant(
        self, alpha: float = 0.05, *, by: str = "fdr", representatives_only: bool = False
    ) -> EnrichmentResult:
        """A new result keeping rows with ``by`` <= ``alpha`` (NaN never passes).

        Parameters
        ----------
        alpha : float, default 0.05
            Threshold in [0, 1].
        by : str, default "fdr"
            Column compared with ``alpha``: ``"fdr"``, ``"pvalue"``, ``"qvalue"``, ...
        representatives_only : bool, default False
            Keep only the representative of each cluster (needs :meth:`cluster` first).

        Returns
        -------
        EnrichmentResult
            Same type as ``self``; ``params["filter"]`` records the filter.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> bool((res.significant(0.01, by="pvalue").table["pvalue"] <= 0.01).all())
        True
        >>> bool(res.cluster(0.5).significant(representatives_only=True).table["is_representative"].all())
        True
        """
        func = f"{type(self).__name__}.significant"
        check_alpha(alpha, func)
        if self._lazy and by in self._rows.cheap_columns and not representatives_only:
            sel = self._positions()
            with np.errstate(invalid="ignore"):
                keep = self._rows.column(by, sel) <= alpha
            return self._derive_rows(sel[keep], self._add_filter(f"{by} <= {alpha}"))
        if by not in self._table.columns or not pd.api.types.is_numeric_dtype(self._table[by]):
            raise param_error(
                func, "by", "a numeric column of the table (e.g. 'fdr', 'pvalue', 'qvalue')", by
            )
        keep = (self._table[by] <= alpha).to_numpy(dtype=bool, na_value=False)
        note = f"{by} <= {alpha}"
        if representatives_only:
            if "is_representative" not in self._table.columns:
                raise ValueError(
                    f"{func}(representatives_only=True) needs clusters: call .cluster() first, "
                    "e.g. res.cluster(0.5).significant(representatives_only=True)."
                )
            keep = keep & self._table["is_representative"].to_numpy(dtype=bool)
            note += " and cluster representatives only"
        return self._derive(self._table[keep].copy(), self._add_filter(note))

    def top(self, n: int = 10) -> EnrichmentResult:
        """A new result with the ``n`` best-ranked rows (of each query, for a batch).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> len(res.top(3)), res.top(3).table.index.tolist()
        (3, [1, 2, 3])
        """
        check_int(n, func=f"{type(self).__name__}.top", param="n", min=0)
        if self._lazy:
            note = f"top {int(n)}" + (" per query" if self.is_batch else "")
            return self._derive_rows(
                self._rows.first_per_query(self._positions(), int(n)), self._add_filter(note)
            )
        if self.is_batch:
            kept = self._table.groupby("query", observed=True, sort=False).head(int(n))
        else:
            kept = self._table.head(int(n))
        return self._derive(
            kept.copy(), self._add_filter(f"top {int(n)}" + (" per query" if self.is_batch else ""))
        )

    def _hits(
        self, queries: Sequence[str] | None = None, set_ids: Iterable[str] | None = None
    ) -> EnrichmentResult:
        """Rows with overlap >= 1, of ``queries`` and ``set_ids`` when given (for plots: a lazy
        result builds only these rows)."""
        if self._lazy:
            sel = self._positions()
            keep = self._rows.column("overlap", sel) > 0
            if queries is not None:
                wanted = [self._rows.names.index(q) for q in queries]
                keep &= np.isin(self._rows.query_codes(sel), wanted)
            if set_ids is not None:
                ids = self._rows.library.set_ids
                keep &= np.isin(self._rows.set_index[sel], ids.get_indexer(list(set_ids)))
            return self._derive_rows(sel[keep], copy.deepcopy(self._params))
        table = self._table
        keep = table["overlap"] > 0
        if queries is not None and "query" in table:
            keep &= table["query"].astype(str).isin(list(queries))
        if set_ids is not None:
            keep &= table["set_id"].isin(list(set_ids))
        return self._derive(table[keep])

    def _n_significant(self, alpha: float = 0.05) -> int:
        """Rows with fdr <= alpha."""
        if self._lazy:
            with np.errstate(invalid="ignore"):
                return int((self._rows.column("fdr", self._positions()) <= alpha).sum())
        return int((self._table["fdr"] <= alpha).sum()) if "fdr" in self._table else 0

    def _add_filter(self, note: str) -> dict[str, Any]:
        params = copy.deepcopy(self._params)
        params["filter"] = f"{params['filter']}; {note}" if params.get("filter") else note
        return params

    # -- redundancy ---------------------------------------------------------
    def cluster(
        self,
        threshold: float = 0.5,
        *,
        metric: str = "jaccard",
        alpha: float = 0.05,
        by: str = "fdr",
        gene_sets: Mapping[str, Iterable[str]] | None = None,
    ) -> EnrichmentResult:
        """Group redundant significant sets; a new result with ``cluster`` and ``is_representative``.

        PFOCR has many near-identical figures (the same pathway drawn in several
        papers). Significant rows (``by <= alpha``) are visited from the lowest
        p-value (ties by ``set_id``); each row not yet in a cluster starts a new
        one as its **representative**, and every other unclustered significant
        set whose similarity to it is >= ``threshold`` joins. Every member is
        therefore similar to its representative, the representative has the
        lowest p of its cluster, and clusters never chain through intermediates.
        A batch is clustered within each query.

        Parameters
        ----------
        threshold : float, default 0.5
            Similarity in (0, 1] for a set to join a representative's cluster;
            1.0 groups only identical gene sets (``metric="jaccard"``).
        metric : {"jaccard", "overlap"}
            ``"jaccard"``: |A ∩ B| / |A ∪ B| (1 only for identical sets).
            ``"overlap"``: |A ∩ B| / min(|A|, |B|) (Szymkiewicz-Simpson
            coefficient; 1 when one set contains the other, so a small figure
            joins a larger one that includes it).
        alpha : float, default 0.05
            Rows with ``by <= alpha`` are clustered; the others get ``cluster``
            <NA> and ``is_representative`` False.
        by : str, default "fdr"
            Column compared with ``alpha``.
        gene_sets : mapping of str to genes, optional
            Set id -> genes (e.g. the library the result came from). Default:
            the set genes the result holds, else the overlapping genes of each
            row (the ``genes`` column), which groups sets hit by the same query
            genes. ``params["cluster"]["basis"]`` says which was used.

        Returns
        -------
        EnrichmentResult
            With an Int64 ``cluster`` column (1 = the cluster of the best set)
            and a bool ``is_representative`` column.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> lib = pe.sample_library()
        >>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], lib)
        >>> clustered = res.cluster(0.5, gene_sets=lib)
        >>> clustered.params["cluster"]["basis"]
        'set genes'
        >>> int(clustered.table["cluster"].max()) <= len(clustered.significant())
        True
        """
        func = f"{type(self).__name__}.cluster"
        check_number_in(threshold, 0, 1, func=func, param="threshold", lo_open=True)
        check_choice(metric, _METRICS, func=func, param="metric")
        check_alpha(alpha, func)
        if by not in self._table.columns:
            raise param_error(func, "by", "a column of the table", by)
        table = self._table.drop(columns=["cluster", "is_representative"], errors="ignore").copy()
        source = gene_sets if gene_sets is not None else self._set_genes
        ids = table["set_id"].to_numpy(dtype=object)
        if source is not None:
            missing = [
                sid
                for sid in pd.unique(
                    table.loc[(table[by] <= alpha).to_numpy(dtype=bool, na_value=False), "set_id"]
                )
                if sid not in source
            ]
            if missing:
                raise ValueError(
                    f"{func}: 'gene_sets' has no genes for {len(missing)} significant set(s), "
                    f"e.g. {missing[0]!r}; pass the library the result came from."
                )
            basis = "set genes"
        else:
            basis = "overlapping genes"
        labels = np.full(len(table), -1, dtype=np.int64)
        is_rep = np.zeros(len(table), dtype=bool)
        significant = (table[by] <= alpha).to_numpy(dtype=bool, na_value=False)
        groups = (
            table["query"].cat.codes.to_numpy()
            if self.is_batch
            else np.zeros(len(table), dtype=np.int64)
        )
        log_p = (
            table["log10_pvalue"].to_numpy(dtype=float)
            if "log10_pvalue" in table
            else np.log10(table["pvalue"].to_numpy(dtype=float))
        )
        for group in np.unique(groups[significant]):
            pos = np.flatnonzero(significant & (groups == group))
            order = np.lexsort((ids[pos].astype(str), log_p[pos]))
            pos = pos[order]
            if source is not None:
                members = [source[sid] for sid in ids[pos]]
            else:
                members = [
                    [g for g in str(v).split(";") if g] if isinstance(v, str) else []
                    for v in table["genes"].to_numpy()[pos]
                ]
            local, leaders = leader_clusters(members, threshold, metric=metric)
            labels[pos] = local + 1
            is_rep[pos[leaders]] = True
        clusters = pd.array(labels, dtype="Int64")
        clusters[labels < 0] = pd.NA
        table["cluster"] = clusters
        table["is_representative"] = is_rep
        params = copy.deepcopy(self._params)
        params["cluster"] = {
            "threshold": float(threshold),
            "metric": metric,
            "alpha": alpha,
            "by": by,
            "basis": basis,
            "n_clusters": int(is_rep.sum()),
        }
        new = self._derive(table, params)
        if gene_sets is not None:
            new._set_genes = _freeze_set_genes(gene_sets, table)
        return new

    # -- text ---------------------------------------------------------------
    def summary(self) -> str:
        """A few lines on the query, the universe, the correction and the hits.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> print(pe.enrich(["IRF3", "MAVS", "TBK1", "DDX58"], pe.sample_library()).summary().splitlines()[:2])
        ['query: 4 of 4 genes tested (0 left out: see .dropped)', 'mapping: official 3; previous 1 (DDX58->RIGI)']
        """
        p = self._params
        n_sig = self._n_significant()
        if "queries" in p:
            sizes = [q["query_size"] for q in p["queries"].values()]
            first = (
                f"queries: {len(sizes)} (tested sizes {min(sizes)}-{max(sizes)}); "
                f"{len(self.dropped)} inputs left out: see .dropped"
            )
        else:
            first = (
                f"query: {p.get('query_size')} of {p.get('query_input')} genes tested "
                f"({len(self.dropped)} left out: see .dropped)"
            )
        lines = [
            first,
            *self._mapping_lines(),
            f"universe: {_num(p.get('universe_size'))} genes (rule: {p.get('universe_rule')}); "
            f"library {p.get('library')!r}: {_num(p.get('library_sets'))} sets, {_num(p.get('sets_tested'))} tested",
            f"correction: {p.get('correction')} over {p.get('fdr_over')} sets; {n_sig} row(s) with fdr <= 0.05",
        ]
        if p.get("compat"):
            lines.append(f"compat: {p['compat']}")
        if p.get("filter"):
            lines.append(f"filter: {p['filter']} ({len(self)} rows)")
        if p.get("cluster"):
            c = p["cluster"]
            lines.append(
                f"clusters: {c['n_clusters']} among {c['by']} <= {c['alpha']} "
                f"({c['metric']} >= {c['threshold']} on {c['basis']})"
            )
        return "\n".join(lines)

    def _mapping_lines(self, shown: int = 3) -> list[str]:
        """One line counting mapping statuses, with a few examples of what was changed or left out."""
        mapping = self._mapping
        if mapping is None or mapping.empty or "status" not in mapping:
            return []
        counts = mapping["status"].value_counts(sort=False)
        parts = []
        for status, count in counts.items():
            if not count:
                continue
            if status in ("official", "entrez"):
                parts.append(f"{status} {count}")
                continue
            rows = mapping[mapping["status"] == status].head(shown)
            examples = ", ".join(
                f"{i}->{m}"
                if isinstance(m, str) and status not in ("duplicate", "outside_universe")
                else str(i)
                for i, m in zip(rows["input"], rows["mapped_to"])
            )
            more = ", ..." if count > shown else ""
            parts.append(f"{status} {count} ({examples}{more})")
        return ["mapping: " + "; ".join(parts)] if parts else []

    def methods_text(self, *, alpha: float | None = 0.05, by: str = "fdr") -> str:
        """A methods paragraph to paste into a paper, with the PFOCR citation.

        Parameters
        ----------
        alpha : float or None, default 0.05
            The significance threshold to state (on ``by``); None leaves it out.
            A filter applied with :meth:`significant` is stated instead.
        by : str, default "fdr"
            The column the threshold applies to.

        Returns
        -------
        str
            The test, the universe and its size, the correction, the size
            filters, the library source and release, the package version, and
            the reference.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> text = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).methods_text()
        >>> "Hypergeometric(N, M, n)" in text and "N = 1,523" in text and "Genome Biology 21, 273" in text
        True
        """
        p = self._params
        info = p.get("library_info") or {}
        sentences = []
        lib_bits = [
            f"release: {info['release']}" if info.get("release") else "",
            f"source: {info.get('origin') or info.get('source')}"
            if info.get("origin") or info.get("source")
            else "",
        ]
        lib_bits = [b for b in lib_bits if b]
        library = (
            f"the gene-set library \u201c{p.get('library')}\u201d"
            + (f" ({'; '.join(lib_bits)})" if lib_bits else "")
            + f", {_num(p.get('library_sets'))} gene sets covering {_num(p.get('library_genes'))} genes"
        )
        sentences.append(
            f"Over-representation of the query genes among published pathway figures from PFOCR "
            f"(Hanspers et al., 2020) was tested with pfocr_enrich {__version__}, using {library}."
        )
        if "queries" in p:
            sizes = [q["query_size"] for q in p["queries"].values()]
            inputs = sum(q["query_input"] for q in p["queries"].values())
            sentences.append(
                f"Each of {len(sizes)} gene lists ({_num(inputs)} input identifiers in total) was tested separately; "
                f"after identifier mapping and restriction to the universe the lists had "
                f"{_range(sizes)} genes (n)."
            )
        else:
            sentences.append(
                f"Of {_num(p.get('query_input'))} input identifiers, {_num(p.get('query_size'))} mapped to "
                f"distinct genes in the universe and formed the query (n = {_num(p.get('query_size'))})."
            )
        sentences.append(_universe_sentence(p))
        lo, hi = p.get("min_size"), p.get("max_size")
        sizes = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
        sizes += " gene" if hi is None and lo == 1 else " genes"
        dedup = (
            " Gene sets identical to another were tested once (duplicates collapsed)."
            if p.get("collapse_duplicates")
            else ""
        )
        sentences.append(
            f"Gene sets with {sizes} in the universe were tested ({_num(p.get('sets_tested'))} sets).{dedup}"
        )
        over = (
            "all tested sets"
            if p.get("fdr_over") == "tested"
            else "the sets with at least one query gene"
        )
        method = _CORRECTION_NAMES.get(p.get("correction"), str(p.get("correction")))
        sentences.append(
            "For each set, the probability of an overlap at least as large as observed, P(X \u2265 k) with "
            "X ~ Hypergeometric(N, M, n), was computed (one-sided Fisher's exact test), and p-values were "
            f"adjusted for multiple testing over {over}{' of each list' if 'queries' in p else ''} with {method}."
        )
        if p.get("compat"):
            sentences.append(
                f"Statistics followed the conventions of {_COMPAT_NAMES.get(p['compat'], p['compat'])} "
                f"(compat={p['compat']!r})."
            )
        if p.get("alpha") is not None:
            sentences.append(f"Only rows with FDR \u2264 {p['alpha']} were kept.")
        elif alpha is not None and f"{by} <= " not in str(p.get("filter", "")):
            sentences.append(
                f"Sets with {'FDR' if by == 'fdr' else by} \u2264 {alpha} were considered significant."
            )
        if p.get("filter"):
            sentences.append(f"The reported table was restricted to {p['filter']}.")
        if p.get("cluster"):
            c = p["cluster"]
            coef = "Jaccard index" if c["metric"] == "jaccard" else "overlap coefficient"
            sentences.append(
                f"Redundant significant sets were grouped when their {coef} (on {c['basis']}) with the "
                f"cluster's representative, the set with the lowest p-value, was at least {c['threshold']}."
            )
        sentences.append(f"Reference: {PFOCR_CITATION}")
        return " ".join(sentences)

    def __repr__(self) -> str:
        shown = self._glimpse(5 if self.is_batch else 10)
        cols = [c for c in _SHOWN if c in shown.columns]
        with pd.option_context("display.max_colwidth", 40, "display.width", 120):
            body = _shorten(shown[cols]).to_string() if len(shown) else "(no rows)"
        return f"{type(self).__name__}\n{self.summary()}\n{body}"

    # -- HTML ---------------------------------------------------------------
    def _glimpse(self, per_query: int) -> pd.DataFrame:
        """The best rows to show at a glance: of each of the first queries, for a batch."""
        if self._lazy:
            sel = self._positions()
            sel = sel[self._rows.query_codes(sel) < _GLIMPSE_QUERIES]
            return self._rows.frame(self._rows.first_per_query(sel, per_query))
        if not self.is_batch:
            return self._table.head(per_query)
        first = self._table["query"].cat.categories[:_GLIMPSE_QUERIES]
        rows = self._table[self._table["query"].isin(first)]
        return rows.groupby("query", observed=True, sort=False).head(per_query)

    def _repr_html_(self) -> str:
        per_query = 5 if self.is_batch else 10
        return (
            f'<div class="pfocr-result">{_html_header(self)}'
            f"{_html_table(self._glimpse(per_query), images=True, sortable=False)}"
            f"{_html_more(self, per_query)}</div>"
        )

    def to_html(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        top: int | None = 100,
        images: bool = True,
        plot: bool = True,
    ) -> str | None:
        """A self-contained HTML report: summary, methods, dot plot and a sortable table.

        The file has no external scripts or style sheets and works offline;
        figure thumbnails are links to PMC images, loaded lazily when online.

        Parameters
        ----------
        path : str or PathLike, optional
            Where to write the report; when None it is returned as a string.
        top : int or None, default 100
            Rows shown (per query, for a batch); None shows every row.
        images : bool, default True
            Show figure thumbnails.
        plot : bool, default True
            Embed the dot plot (dot matrix for a batch) as a PNG when matplotlib
            is installed; otherwise the report says how to get it.

        Returns
        -------
        str or None
            The HTML when ``path`` is None.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> page = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).to_html(top=5, plot=False)
        >>> page.startswith("<!DOCTYPE html>"), page.count('<tr class="row"')
        (True, 5)
        """
        page = _report(self, top=top, images=images, plot=plot)
        if path is None:
            return page
        Path(path).write_text(page, encoding="utf-8")
        return None

    # -- exports ------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """The table as a plain DataFrame with ``rank`` as a column (``query`` first for a batch).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> frame = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).to_frame()
        >>> frame.columns[:3].tolist()
        ['rank', 'set_id', 'title']
        """
        return _rank_column(self._table.copy())

    def to_csv(
        self, path: str | os.PathLike[str] | None = None, *, sep: str | None = None
    ) -> str | None:
        """Write :meth:`to_frame`; tab-separated for ``.tsv``/``.txt`` paths, comma otherwise.

        Tuples (``members``) are joined by ``;``. Compression follows the
        extension (``.gz``). With ``path=None`` the text is returned.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> text = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).top(2).to_csv()
        >>> text.splitlines()[0][:32]
        'rank,set_id,title,overlap,set_si'
        """
        if sep is None:
            sep = "\t" if str(path).endswith((".tsv", ".txt", ".tsv.gz", ".txt.gz")) else ","
        # Chunks go to plain or gzip files (and strings); other compressions get the whole table.
        if (
            self._lazy
            and len(self) > _EXPORT_CHUNK
            and not str(path).endswith((".bz2", ".zip", ".xz", ".zst"))
        ):
            return self._csv_in_chunks(path, sep)
        return _flat(self.to_frame()).to_csv(path, sep=sep, index=False)

    def _csv_in_chunks(self, path: str | os.PathLike[str] | None, sep: str) -> str | None:
        """Write a large lazy result a chunk of rows at a time: the same text as one table,
        without building the whole table (a screen can hold tens of millions of rows)."""
        if path is None:
            handle: Any = io.StringIO()
        elif str(path).endswith(".gz"):
            handle = gzip.open(path, "wt", encoding="utf-8", newline="")
        else:
            handle = open(path, "w", encoding="utf-8", newline="")
        positions = self._positions()
        with handle if path is not None else contextlib.nullcontext(handle):
            for start in range(0, len(positions), _EXPORT_CHUNK):
                chunk = _rank_column(self._rows.frame(positions[start : start + _EXPORT_CHUNK]))
                _flat(chunk).to_csv(handle, sep=sep, index=False, header=start == 0)
            if path is None:
                return handle.getvalue()
        return None

    def to_tsv(self, path: str | os.PathLike[str] | None = None) -> str | None:
        """Write :meth:`to_frame` as tab-separated values (see :meth:`to_csv`).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich(["IRF3", "MAVS"], pe.sample_library()).top(1).to_tsv().count("\\t") > 10
        True
        """
        return self.to_csv(path, sep="\t")

    def to_json(
        self, path: str | os.PathLike[str] | None = None, *, indent: int | None = 1
    ) -> str | None:
        """Write a JSON document: ``summary``, ``params``, ``results`` (records), ``dropped``.

        Missing values become ``null``; returned as a string when ``path`` is None.

        Examples
        --------
        >>> import json, pfocr_enrich as pe
        >>> doc = json.loads(pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).top(2).to_json())
        >>> sorted(doc), doc["results"][0]["rank"]
        (['dropped', 'params', 'results', 'summary'], 1)
        """
        doc = {
            "summary": self.summary(),
            "params": self._params,
            "results": self.to_frame().to_dict(
                orient="records"
            ),  # floats stay exact (repr), NaN -> null
            "dropped": self.dropped.to_dict(orient="records"),
        }
        text = json.dumps(_jsonable(doc), indent=indent, ensure_ascii=False, allow_nan=False)
        if path is None:
            return text
        Path(path).write_text(text + "\n", encoding="utf-8")
        return None

    def to_excel(self, path: str | os.PathLike[str]) -> None:
        """Write an Excel workbook: sheets ``results``, ``mapping`` and ``parameters``.

        Needs openpyxl (``pip install "pfocr_enrich[excel]"``).

        Examples
        --------
        >>> import pfocr_enrich as pe, tempfile, os
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> path = os.path.join(tempfile.mkdtemp(), "res.xlsx")
        >>> res.to_excel(path)
        >>> import pandas as pd; pd.read_excel(path, sheet_name=None).keys()
        dict_keys(['results', 'mapping', 'parameters'])
        """
        try:
            import openpyxl  # noqa: F401
        except ImportError as exc:
            raise ImportError(
                'EnrichmentResult.to_excel needs openpyxl: pip install "pfocr_enrich[excel]"'
            ) from exc
        params = pd.DataFrame(
            {
                "parameter": list(_flat_params(self._params)),
                "value": list(_flat_params(self._params).values()),
            }
        )
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            _flat(self.to_frame()).to_excel(writer, sheet_name="results", index=False)
            self._mapping.to_excel(writer, sheet_name="mapping", index=False)
            params.to_excel(writer, sheet_name="parameters", index=False)

    # -- plots --------------------------------------------------------------
    @property
    def plot(self) -> Any:
        """Plots of this result: ``res.plot.dot()``, ``res.plot.bar()``, ``res.plot.dot_matrix()``.

        Needs matplotlib (``pip install "pfocr_enrich[plot]"``); see :mod:`pfocr_enrich.plot`.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> ax = res.plot.dot(top=10)
        >>> ax.get_xlabel()
        'fold enrichment (log scale)'
        """
        from ..plot import ResultPlots

        return ResultPlots(self)


class BatchEnrichmentResult(EnrichmentResult):
    """The outcome of :func:`pfocr_enrich.enrich_many`: many queries in one long table.

    ``table`` has a categorical ``query`` column in the caller's order and is
    ranked within each query; ``params["queries"]`` holds each query's sizes.
    Everything an :class:`EnrichmentResult` does works here (per query where it
    matters), plus :meth:`pivot`, ``res[name]`` (one query as an
    :class:`EnrichmentResult`) and :meth:`concat`.

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> many = pe.enrich_many({"ifn": ["IRF3", "MAVS", "TBK1"], "nfkb": ["NFKB1", "RELA", "IKBKB"]},
    ...                       pe.sample_library())
    >>> type(many).__name__, many.queries
    ('BatchEnrichmentResult', ['ifn', 'nfkb'])
    >>> many["nfkb"].table.iloc[0]["genes"]
    'IKBKB;NFKB1;RELA'
    """

    @property
    def queries(self) -> list[str]:
        """Query names in the caller's order.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich_many({"a": ["IRF3", "MAVS"], "b": ["RELA"]}, pe.sample_library()).queries
        ['a', 'b']
        """
        if self._lazy:
            return list(self._rows.names)
        return [str(q) for q in self._table["query"].cat.categories]

    def __getitem__(self, query: str) -> EnrichmentResult:
        """One query as an :class:`EnrichmentResult` (equal to :func:`pfocr_enrich.enrich` on it)."""
        names = self.queries
        if query not in names:
            raise KeyError(f"{type(self).__name__} has no query {query!r}; queries: {names[:10]}")
        params = copy.deepcopy(self._params)
        params.update(params.pop("queries", {}).get(query, {}))
        params["query_name"] = query
        mapping = (
            self._mapping[self._mapping["query"] == query]
            .drop(columns="query")
            .reset_index(drop=True)
        )
        if self._lazy:
            sel = self._positions()
            sel = sel[self._rows.query_codes(sel) == names.index(query)]
            return self._derive_rows(
                sel, params, rows=self._rows.single(), cls=EnrichmentResult, mapping=mapping
            )
        table = self._table[self._table["query"] == query].drop(columns="query")
        return self._derive(table.copy(), params, cls=EnrichmentResult, mapping=mapping)

    def pivot(self, values: str = "fdr") -> pd.DataFrame:
        """A set x query matrix of one column (NaN where a set has no row for a query).

        Rows are ordered by the best p-value of the set over all queries (ties by ``set_id``);
        columns follow the query order.

        Parameters
        ----------
        values : str, default "fdr"
            Any column of the table (``"pvalue"``, ``"overlap"``, ``"fold_enrichment"``, ...).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> many = pe.enrich_many({"a": ["IRF3", "MAVS", "TBK1"], "b": ["NFKB1", "RELA"]}, pe.sample_library())
        >>> m = many.pivot("overlap")
        >>> m.shape, m.columns.tolist()
        ((216, 2), ['a', 'b'])
        """
        if values not in self._table.columns or values in ("query", "set_id"):
            raise param_error(
                "BatchEnrichmentResult.pivot", "values", "a column of the table", values
            )
        t = self._table
        wide = t.pivot(index="set_id", columns="query", values=values)
        wide = wide.reindex(columns=t["query"].cat.categories)
        wide.columns = pd.Index([str(c) for c in wide.columns], name="query")
        key = t["log10_pvalue"] if "log10_pvalue" in t else np.log10(t["pvalue"])
        best = key.groupby(t["set_id"].to_numpy()).min()
        order = pd.DataFrame({"best": best, "set_id": best.index}).sort_values(
            ["best", "set_id"], kind="stable"
        )
        return wide.loc[order["set_id"].to_numpy()]

    @classmethod
    def concat(cls, results: Sequence[EnrichmentResult]) -> BatchEnrichmentResult:
        """Join batch results computed separately with the same library and options.

        Parameters
        ----------
        results : sequence of BatchEnrichmentResult
            Disjoint query names; every option must be equal.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> lib = pe.sample_library()
        >>> a = pe.enrich_many({"a": ["IRF3", "MAVS"]}, lib)
        >>> b = pe.enrich_many({"b": ["RELA", "NFKB1"]}, lib)
        >>> both = pe.enrich_many({"a": ["IRF3", "MAVS"], "b": ["RELA", "NFKB1"]}, lib)
        >>> from pfocr_enrich.results import BatchEnrichmentResult
        >>> BatchEnrichmentResult.concat([a, b]) == both
        True
        """
        results = list(results)
        if not results or not all(isinstance(r, BatchEnrichmentResult) for r in results):
            raise param_error(
                "BatchEnrichmentResult.concat",
                "results",
                "a non-empty sequence of BatchEnrichmentResult",
                [type(r).__name__ for r in results],
            )
        base = {k: v for k, v in results[0]._params.items() if k != "queries"}
        names: list[str] = []
        for r in results:
            other = {k: v for k, v in r._params.items() if k != "queries"}
            if other != base:
                differ = sorted(k for k in set(base) | set(other) if base.get(k) != other.get(k))
                raise ValueError(
                    f"BatchEnrichmentResult.concat: results differ in {', '.join(differ)}"
                )
            names.extend(r.queries)
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(
                f"BatchEnrichmentResult.concat: query {dup!r} appears in more than one result"
            )
        table = pd.concat([r._table.assign(query=r._table["query"].astype(str)) for r in results])
        table["query"] = pd.Categorical(table["query"], categories=names)
        index_name = results[0]._table.index.name
        table.index = pd.Index(table.index.to_numpy(), name=index_name)
        mapping = pd.concat(
            [r._mapping.assign(query=r._mapping["query"].astype(str)) for r in results],
            ignore_index=True,
        )
        mapping["query"] = pd.Categorical(mapping["query"], categories=names)
        params = copy.deepcopy(results[0]._params)
        params["queries"] = {k: v for r in results for k, v in r._params["queries"].items()}
        out = results[0]._derive(table, params, mapping=mapping)
        held = [r._set_genes for r in results if r._set_genes is not None]
        if held and all(h is held[0] for h in held) and isinstance(held[0], GeneSetLibrary):
            out._set_genes = held[0]
        elif held:
            out._set_genes = {k: v for h in held for k, v in _freeze_set_genes(h, None).items()}
        return out


# -- clustering ---------------------------------------------------------------
def _freeze_set_genes(set_genes: Any, table: pd.DataFrame | None) -> Any:
    """What a result keeps of ``set_genes``: an (immutable) GeneSetLibrary as is, at no cost;
    any other mapping copied into frozensets for the table's set ids (all of them when no table)."""
    if set_genes is None or isinstance(set_genes, GeneSetLibrary):
        return set_genes
    if table is None:
        return {sid: frozenset(genes) for sid, genes in set_genes.items()}
    ids = pd.unique(table["set_id"]) if "set_id" in table else []
    return {sid: frozenset(set_genes[sid]) for sid in ids if sid in set_genes}


def leader_clusters(
    gene_sets: Sequence[Iterable[str]], threshold: float, *, metric: str = "jaccard"
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy representative clustering of sets given in priority order.

    Each set not yet clustered becomes a representative; the unclustered sets
    with similarity >= ``threshold`` to it join its cluster.

    Returns
    -------
    labels : ndarray of int, shape (n_sets,)
        Cluster number (0-based, in order of the representatives).
    leaders : ndarray of int
        Position of each cluster's representative.

    Examples
    --------
    >>> labels, leaders = leader_clusters([{"A", "B"}, {"A", "B", "C"}, {"D"}], 0.5)
    >>> labels.tolist(), leaders.tolist()
    ([0, 0, 1], [0, 2])
    """
    n = len(gene_sets)
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, genes in enumerate(gene_sets):
        for g in set(genes):
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    a = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n, max(len(vocab), 1))
    )
    size = np.diff(a.indptr).astype(float)
    inter = (a @ a.T).tocoo()
    i, j, k = inter.row, inter.col, inter.data.astype(float)
    denom = size[i] + size[j] - k if metric == "jaccard" else np.minimum(size[i], size[j])
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(denom > 0, k / denom, 0.0)
    # Round away float noise so that e.g. 1/2 >= 0.5 holds exactly.
    close = (sim >= threshold) | np.isclose(sim, threshold, rtol=1e-12, atol=0)
    close &= i != j
    adj = sp.csr_matrix((np.ones(int(close.sum()), dtype=bool), (i[close], j[close])), shape=(n, n))
    labels = np.full(n, -1, dtype=np.int64)
    leaders = []
    for s in range(n):
        if labels[s] >= 0:
            continue
        c = len(leaders)
        leaders.append(s)
        labels[s] = c
        neighbours = adj.indices[adj.indptr[s] : adj.indptr[s + 1]]
        free = neighbours[labels[neighbours] < 0]
        labels[free] = c
    return labels, np.asarray(leaders, dtype=np.int64)


# -- helpers: validation, text ------------------------------------------------


def _num(value: object) -> str:
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{int(value):,}"
    return str(value)


def _range(values: list[int]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"


def _universe_sentence(p: Mapping[str, Any]) -> str:
    n = _num(p.get("universe_size"))
    rule = p.get("universe_rule")
    if rule == "intersect":
        return (
            f"The universe was the N = {n} library genes also present in the user-supplied background of "
            f"{_num(p.get('background_size'))} identifiers."
        )
    if rule == "as_given":
        return f"The universe was the user-supplied background as given (N = {n} genes)."
    if rule == "fixed":
        return f"The universe size was fixed at N = {n} genes (Enrichr's convention)."
    return f"The universe was the N = {n} genes present in at least one gene set of the library."


def _shorten(table: pd.DataFrame, width: int = 40) -> pd.DataFrame:
    out = table.copy()
    for col in ("title", "genes"):
        if col in out:
            out[col] = [
                v if len(v) <= width else v[: width - 1] + "\u2026"
                for v in out[col].fillna("").astype(str)
            ]
    return out


def _rank_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with ``rank`` as its first column (``query`` first for a batch)."""
    frame.index.name = "rank"
    frame = frame.reset_index()
    if "query" in frame.columns:
        frame = frame[["query", *[c for c in frame.columns if c != "query"]]]
    return frame


def _flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Tuples and lists joined by ';' for flat formats (CSV, Excel)."""
    out = frame.copy()
    for col in out.columns:
        if (
            out[col].dtype == object
            and out[col].map(lambda v: isinstance(v, (tuple, list, frozenset, set))).any()
        ):
            out[col] = out[col].map(
                lambda v: (
                    ";".join(map(str, v)) if isinstance(v, (tuple, list, frozenset, set)) else v
                )
            )
    return out


def _flat_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            out.update(_flat_params(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = "" if value is None else str(value)
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA:
        return None
    return str(value)


# -- helpers: HTML ------------------------------------------------------------
def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _safe_url(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return _esc(value)
    return None


def _image_url(row: Mapping[str, Any]) -> str | None:
    url = _safe_url(row.get("image_url"))
    if url:
        return url
    pmcid, filename = row.get("pmcid"), row.get("filename")
    if isinstance(pmcid, str) and isinstance(filename, str) and pmcid and filename:
        return _esc(PMC_IMAGE_URL.format(pmcid=pmcid, filename=filename))
    return None


def _fmt(value: object, digits: int = 2) -> str:
    if value is None or value is pd.NA:
        return ""
    v = float(value)  # type: ignore[arg-type]
    if math.isnan(v):
        return ""
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def _fmt_log10(log10p: float) -> str:
    """A p-value from its log10, also far below the float range (e.g. 1.2e-350)."""
    if not math.isfinite(log10p):
        return "0" if log10p < 0 else ""
    if log10p > -300:
        return _fmt(10.0**log10p)
    exponent = math.floor(log10p)
    mantissa = 10.0 ** (log10p - exponent)
    if round(mantissa, 1) >= 10:
        mantissa, exponent = 1.0, exponent + 1
    return f"{mantissa:.1f}e{exponent}"


def _sort_key(value: object) -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "Infinity"
    return "Infinity" if math.isnan(v) else repr(v)


def _html_header(res: EnrichmentResult) -> str:
    p = res._params
    dropped = res.dropped
    if res.is_batch:
        sizes = [q["query_size"] for q in p.get("queries", {}).values()] or [0]
        query = f"{len(sizes)} queries, {_range(sizes)} genes tested each"
    else:
        query = f"query: {_num(p.get('query_size'))} of {_num(p.get('query_input'))} genes tested"
    n_sig = res._n_significant()
    bits = [
        f"<b>{_esc(type(res).__name__)}</b>",
        _esc(query),
        _esc(f"universe: {_num(p.get('universe_size'))} genes ({p.get('universe_rule')})"),
        _esc(
            f"library: {p.get('library')} ({_num(p.get('sets_tested'))} of {_num(p.get('library_sets'))} sets tested)"
        ),
        _esc(
            f"correction: {p.get('correction')} over {p.get('fdr_over')} sets; {n_sig} with FDR \u2264 0.05"
        ),
    ]
    if p.get("filter"):
        bits.append(_esc(f"filter: {p['filter']}"))
    if p.get("cluster"):
        bits.append(
            _esc(
                f"{p['cluster']['n_clusters']} clusters ({p['cluster']['metric']} \u2265 {p['cluster']['threshold']})"
            )
        )
    drop = f"dropped genes: {len(dropped)}"
    if len(dropped):
        names = ", ".join(
            f"{g} ({s})"
            for g, s in zip(dropped["input"].head(8), dropped["status"].head(8), strict=True)
        )
        more = " \u2026" if len(dropped) > 8 else ""
        drop += f" \u2014 {names}{more}"
    bits.append(_esc(drop))
    return '<p class="pfocr-summary" style="line-height:1.5">' + " \u00b7 ".join(bits) + "</p>"


def _html_more(res: EnrichmentResult, shown: int) -> str:
    if res.is_batch:
        total = len(res)
        n_queries = len(res.queries)
        which = (
            "each query"
            if n_queries <= _GLIMPSE_QUERIES
            else f"the first {_GLIMPSE_QUERIES} of {n_queries:,} queries"
        )
        note = f"showing the top {shown} rows of {which}; {total:,} rows in .table"
    elif len(res) > shown:
        note = f"showing {shown} of {len(res):,} rows; all in .table"
    else:
        return ""
    return f'<p style="color:#666;font-size:smaller">{_esc(note)}</p>'


def _html_table(table: pd.DataFrame, *, images: bool, sortable: bool, table_id: str = "") -> str:
    """The result rows as an HTML table with links, thumbnails and sort keys; everything escaped."""
    batch = "query" in table.columns
    clustered = "cluster" in table.columns
    heads = [("rank", "number")]
    if batch:
        heads.append(("query", "text"))
    heads += [
        ("figure", "text"),
        ("paper", "text"),
        ("overlap", "number"),
        ("fold", "number"),
        ("p-value", "number"),
        ("FDR", "number"),
    ]
    if clustered:
        heads.append(("cluster", "number"))
    heads.append(("genes", "text"))
    cls = ' class="pfocr-table sortable"' if sortable else ' class="pfocr-table"'
    ident = f' id="{_esc(table_id)}"' if table_id else ""
    out = [f"<table{ident}{cls}><thead><tr>"]
    for name, kind in heads:
        out.append(
            f'<th data-type="{kind}" title="{"click to sort" if sortable else ""}">{_esc(name)}</th>'
        )
    out.append("</tr></thead><tbody>")
    labels = set_labels(table)
    for (rank, row), label in zip(table.iterrows(), labels, strict=True):
        r = row.to_dict()
        cells = [f'<td data-sort="{_sort_key(rank)}">{_esc(rank)}</td>']
        if batch:
            cells.append(f'<td data-sort="{_esc(r["query"])}">{_esc(r["query"])}</td>')
        url = _safe_url(r.get("url"))
        title = (
            f'<a href="{url}" target="_blank" rel="noopener">{_esc(label)}</a>'
            if url
            else _esc(label)
        )
        thumb = ""
        img = _image_url(r) if images else None
        if img:
            thumb = (
                f'<img loading="lazy" src="{img}" alt="" width="80" height="60" referrerpolicy="no-referrer" '
                f"onerror=\"this.style.visibility='hidden'\" "
                f'style="flex:none;object-fit:contain;background:#f4f4f4">'
            )
            if url:
                thumb = f'<a href="{url}" target="_blank" rel="noopener">{thumb}</a>'
        sid = (
            f'<br><small style="color:#666">{_esc(r.get("set_id"))}</small>'
            if label != r.get("set_id")
            else ""
        )
        cells.append(
            f'<td data-sort="{_esc(label.lower())}"><div style="display:flex;gap:6px;align-items:flex-start">'
            f"{thumb}<div>{title}{sid}</div></div></td>"
        )
        paper_title = r.get("paper_title")
        paper_url = _safe_url(r.get("pmc_url"))
        pmcid = r.get("pmcid") if isinstance(r.get("pmcid"), str) else ""
        year = r.get("year")
        year_s = (
            ""
            if year is None or year is pd.NA or (isinstance(year, float) and math.isnan(year))
            else f" ({_esc(year)})"
        )
        paper_text = paper_title if isinstance(paper_title, str) and paper_title else pmcid
        paper = _esc(paper_text)
        if paper_url and paper_text:
            paper = f'<a href="{paper_url}" target="_blank" rel="noopener">{paper}</a>'
        paper += year_s
        if pmcid and paper_text != pmcid:
            paper += f'<br><small style="color:#666">{_esc(pmcid)}</small>'
        cells.append(f'<td data-sort="{_esc(str(paper_text).lower())}">{paper}</td>')
        k, m = r.get("overlap"), r.get("set_size")
        nowrap = ' style="white-space:nowrap"'
        cells.append(f'<td data-sort="{_sort_key(k)}"{nowrap}>{_esc(k)}/{_esc(m)}</td>')
        cells.append(
            f'<td data-sort="{_sort_key(r.get("fold_enrichment"))}"{nowrap}>{_fmt(r.get("fold_enrichment"), 3)}</td>'
        )
        log10p = r.get("log10_pvalue")
        if log10p is None or (isinstance(log10p, float) and math.isnan(log10p)):
            p_txt, p_key = _fmt(r.get("pvalue")), _sort_key(r.get("pvalue"))
        else:
            p_txt, p_key = _fmt_log10(float(log10p)), _sort_key(log10p)
        cells.append(f'<td data-sort="{p_key}"{nowrap}>{_esc(p_txt)}</td>')
        cells.append(
            f'<td data-sort="{_sort_key(r.get("fdr"))}"{nowrap}>{_esc(_fmt(r.get("fdr")))}</td>'
        )
        if clustered:
            c = r.get("cluster")
            c_txt = (
                ""
                if c is None or c is pd.NA
                else str(c) + (" \u2605" if r.get("is_representative") else "")
            )
            cells.append(f'<td data-sort="{_sort_key(c)}">{_esc(c_txt)}</td>')
        genes = r.get("genes") if isinstance(r.get("genes"), str) else ""
        cells.append(
            f'<td data-sort="{_esc(genes)}" style="min-width:14em;max-width:28em;overflow-wrap:anywhere">'
            f"{_esc(genes.replace(';', ', '))}</td>"
        )
        out.append('<tr class="row">' + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


_REPORT_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:1.5em auto;max-width:1200px;
padding:0 1em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table.pfocr-table{border-collapse:collapse;width:100%;font-size:13px}
table.pfocr-table th,table.pfocr-table td{border-bottom:1px solid #ddd;padding:4px 6px;vertical-align:top;
text-align:left}
table.pfocr-table th{background:#f3f3f3;position:sticky;top:0;cursor:pointer;user-select:none;white-space:nowrap}
table.pfocr-table th[aria-sort=ascending]::after{content:" \\25B2"}
table.pfocr-table th[aria-sort=descending]::after{content:" \\25BC"}
table.pfocr-table tr:hover td{background:#fafaf0}
.params td{padding:1px 10px 1px 0;font-size:13px}.methods{background:#f8f8f8;padding:.8em;border-left:3px solid #999}
.note{color:#666;font-size:smaller}img.plot{max-width:min(100%,900px);height:auto}
"""

_REPORT_JS = """
(function () {
  function key(cell, kind) {
    var v = cell.getAttribute("data-sort");
    if (kind === "number") { var x = parseFloat(v); return isNaN(x) ? Infinity : x; }
    return v || "";
  }
  var tables = document.querySelectorAll("table.sortable");
  Array.prototype.forEach.call(tables, function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, col) {
      th.addEventListener("click", function () {
        var kind = th.getAttribute("data-type");
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.forEach(function (r, i) { r.setAttribute("data-pos", i); });
        rows.sort(function (a, b) {
          var x = key(a.cells[col], kind), y = key(b.cells[col], kind);
          var c = kind === "number" ? (x < y ? -1 : x > y ? 1 : 0) : String(x).localeCompare(String(y));
          if (!asc) { c = -c; }
          return c || (a.getAttribute("data-pos") - b.getAttribute("data-pos"));
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
})();
"""


def _plot_png(res: EnrichmentResult) -> tuple[str | None, str]:
    """The dot plot (or dot matrix) as base64 PNG, or None and why not."""
    try:
        from ..plot import figure_png
    except ImportError:  # pragma: no cover - plot.py imports matplotlib lazily
        return None, "the plot module could not be imported"
    try:
        png = figure_png(res)
    except ImportError:
        return (
            None,
            'Install matplotlib to embed the dot plot here: pip install "pfocr_enrich[plot]".',
        )
    return base64.b64encode(png).decode("ascii"), ""


def _report(res: EnrichmentResult, *, top: int | None, images: bool, plot: bool) -> str:
    check_int(top, func="EnrichmentResult.to_html", param="top", min=0, allow_none=True)
    shown = res if top is None else res.top(int(top))
    p = res._params
    title = "pfocr_enrich report"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_REPORT_CSS}</style></head><body>",
        f"<h1>{_esc(title)}: {_esc(p.get('library'))}</h1>",
        _html_header(res),
    ]
    if plot:
        parts.append("<h2>Top sets</h2>")
        png, why = _plot_png(res)
        if png:
            kind = "dot matrix" if res.is_batch else "dot plot"
            parts.append(
                f'<img class="plot" alt="{kind} of the top sets" src="data:image/png;base64,{png}">'
            )
        else:
            parts.append(f'<p class="note">{_esc(why)}</p>')
    n_rows = len(shown)
    note = (
        f"{n_rows:,} of {len(res):,} rows"
        + (f" (top {top} per query)" if res.is_batch and top is not None else "")
        + ". Click a column header to sort. Figure titles link to PFOCR, papers to PubMed Central."
    )
    parts += [
        "<h2>Results</h2>",
        f'<p class="note" id="row-count" data-rows="{n_rows}">{_esc(note)}</p>',
        _html_table(shown._table, images=images, sortable=True, table_id="results"),
        "<h2>Methods</h2>",
        f'<p class="methods">{_esc(res.methods_text())}</p>',
    ]
    dropped = res.dropped
    parts.append(f"<details><summary>Query genes left out ({len(dropped)})</summary>")
    if len(dropped):
        parts.append(dropped.to_html(index=False, escape=True, border=0, classes="params"))
    parts.append("</details>")
    parts.append('<details><summary>All parameters</summary><table class="params">')
    for key, value in _flat_params(p).items():
        parts.append(f"<tr><td>{_esc(key)}</td><td>{_esc(value)}</td></tr>")
    parts.append("</table></details>")
    parts.append(
        f'<p class="note">Made with pfocr_enrich {_esc(__version__)}. Please cite PFOCR: {_esc(PFOCR_CITATION)}</p>'
    )
    parts.append(f"<script>{_REPORT_JS}</script></body></html>")
    return "\n".join(parts) + "\n"
