"""Over-representation analysis: query -> universe -> overlaps -> statistics -> result.

The statistics contract (also in ``docs/statistics.md``):

* universe U: every gene in at least one set of the library as given (before
  size filters), intersected with ``background`` when one is given; N = |U|;
* query: identifiers normalised and mapped to the library's namespace,
  duplicates removed, restricted to U; n = what is left. Everything left out is
  in ``res.mapping`` / ``res.dropped`` with a reason;
* per set: M = |set ∩ U|, k = |set ∩ query|, p = P(X >= k) for
  X ~ Hypergeometric(N, M, n) (one-sided Fisher's exact test);
  sets outside ``min_size <= M <= max_size`` are not tested;
* ``fdr``: the chosen correction over every tested set of the query,
  zero-overlap sets included (their p is 1).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import EmptyQueryError, GeneMappingWarning
from .identifiers import (
    KEPT_STATUSES,
    GeneMapper,
    IdentifierIndex,
    MappedGene,
    mapping_frame,
    normalise_query,
    resolve_query,
)
from .library import GeneSetLibrary, _check_size_bound, _param_error
from .results import EnrichmentResult
from .stats import CORRECTION_METHODS, adjust_pvalues, effect_sizes, hypergeom_logsf

logger = logging.getLogger(__name__)

__all__ = ["enrich"]

_LN10 = np.log(10.0)
# Metadata columns copied from lib.sets onto result rows, when the library has them.
_METADATA_COLUMNS = ("title", "paper_title", "year", "pmcid", "url", "pmc_url", "image_url", "members", "n_members")


@dataclass(frozen=True)
class Universe:
    """The genes that count, as a mask over the library vocabulary."""

    mask: np.ndarray  # bool, shape (n_genes,)
    size: int
    background_given: int | None  # identifiers the caller gave as background
    background_unmapped: tuple[str, ...]  # background identifiers that matched no library gene


def enrich(
    genes: Iterable[str | int],
    library: GeneSetLibrary,
    *,
    background: Iterable[str | int] | None = None,
    min_size: int = 1,
    max_size: int | None = None,
    correction: str = "fdr_bh",
    resolve_aliases: bool = True,
    mapper: GeneMapper | None = None,
) -> EnrichmentResult:
    """Test a gene list for over-representation in every set of a library.

    Parameters
    ----------
    genes : iterable of str or int
        The query: symbols (any case), Entrez IDs, Ensembl gene IDs or
        unambiguous aliases. Blanks and ``NA`` are ignored; duplicates count once.
    library : GeneSetLibrary
        The gene sets, e.g. :func:`pfocr_enrich.sample_library`.
    background : iterable of str or int, optional
        Genes that could have been in the query (e.g. all genes measured). The
        universe becomes library genes ∩ background. Default: library genes.
    min_size, max_size : int, optional
        Test only sets with ``min_size <= M <= max_size`` genes in the universe.
    correction : str, default "fdr_bh"
        Multiple-testing method for the ``fdr`` column: any statsmodels
        ``multipletests`` method name (see :data:`pfocr_enrich.stats.CORRECTION_METHODS`).
    resolve_aliases : bool, default True
        Map unambiguous NCBI aliases to their official symbol.
    mapper : GeneMapper, optional
        Identifier tables; default the NCBI human tables shipped with the package.

    Returns
    -------
    EnrichmentResult
        ``.table`` ranks the tested sets by p-value (ties by ``set_id``);
        ``.mapping`` says what happened to every query gene.

    Raises
    ------
    TypeError
        ``library`` is not a GeneSetLibrary, or ``genes`` is a bare string.
    ValueError
        An option is out of range.
    EmptyQueryError
        No query gene is in the universe.

    Warns
    -----
    GeneMappingWarning
        Some query genes were left out (unknown, ambiguous, outside the universe).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58"], pe.sample_library())
    >>> top = res.table.iloc[0]
    >>> top["set_id"], int(top["overlap"]), int(top["set_size"])
    ('PMC5739664__oncotarget-08-105615-g007', 5, 9)
    """
    _check_library(library, "enrich")
    _check_options(min_size=min_size, max_size=max_size, correction=correction, func="enrich")
    mapper = mapper or GeneMapper.default()
    names = normalise_query(genes, param="genes", func="enrich")
    universe = build_universe(library, background, mapper, resolve_aliases=resolve_aliases)
    rows = map_query(names, library, universe, mapper, resolve_aliases=resolve_aliases)
    mapping = mapping_frame(rows)
    _warn_dropped(mapping)
    query_idx = _query_indices(rows, library)
    if len(query_idx) == 0:
        msg = (
            f"enrich: none of the {len(names)} query genes is in the universe of {universe.size:,} genes "
            f"({_status_counts(mapping)}); see pfocr_enrich.map_genes() for details."
        )
        raise EmptyQueryError(msg)
    table = score_query(library, universe, query_idx, min_size=min_size, max_size=max_size, correction=correction)
    params = {
        "test": "hypergeometric upper tail P(X >= k) (one-sided Fisher's exact test)",
        "library": library.name,
        "library_sets": len(library),
        "library_genes": library.n_genes,
        "namespace": library.namespace,
        "background": "library genes" if background is None else "library genes ∩ background",
        "background_size": universe.background_given,
        "background_unmapped": len(universe.background_unmapped),
        "universe_size": universe.size,
        "query_input": len(names),
        "query_size": int(len(query_idx)),
        "min_size": min_size,
        "max_size": max_size,
        "correction": correction,
        "resolve_aliases": resolve_aliases,
        "sets_tested": int(len(table)),
    }
    return EnrichmentResult(table, params=params, mapping=mapping)


def _check_library(library: object, func: str) -> None:
    if not isinstance(library, GeneSetLibrary):
        msg = (
            f"The 'library' parameter of {func} must be a GeneSetLibrary (see pfocr_enrich.read_gmt, "
            f"read_figures, sample_library). Got {type(library).__name__} instead."
        )
        raise TypeError(msg)


def _check_options(*, min_size: int, max_size: int | None, correction: str, func: str) -> None:
    _check_size_bound(min_size, func, "min_size")
    _check_size_bound(max_size, func, "max_size")
    if max_size is not None and max_size < min_size:
        raise _param_error(func, "max_size", f"None or >= min_size ({min_size})", max_size)
    if correction not in CORRECTION_METHODS:
        raise _param_error(func, "correction", f"one of {', '.join(CORRECTION_METHODS)}", correction)


def build_universe(
    library: GeneSetLibrary,
    background: Iterable[str | int] | None,
    mapper: GeneMapper,
    *,
    resolve_aliases: bool,
) -> Universe:
    """Library genes, intersected with the mapped background when one is given."""
    n_genes = library.n_genes
    if background is None:
        return Universe(np.ones(n_genes, dtype=bool), n_genes, None, ())
    names = normalise_query(background, param="background", func="enrich")
    index = IdentifierIndex(library.genes, namespace=library.namespace)
    rows = resolve_query(names, mapper, index, namespace=library.namespace, resolve_aliases=resolve_aliases)
    gene_index = library.gene_index()
    mask = np.zeros(n_genes, dtype=bool)
    unmapped = []
    for row in rows:
        if row.status in KEPT_STATUSES and row.mapped_to in gene_index:
            mask[gene_index[row.mapped_to]] = True
        elif row.status != "duplicate":
            unmapped.append(row.input)
    if unmapped:
        logger.info("%d background identifiers match no library gene", len(unmapped))
    return Universe(mask, int(mask.sum()), len(names), tuple(unmapped))


def map_query(
    names: list[str],
    library: GeneSetLibrary,
    universe: Universe,
    mapper: GeneMapper,
    *,
    resolve_aliases: bool,
) -> list[MappedGene]:
    """Resolve query names against the library; genes outside the universe get that status."""
    index = IdentifierIndex(library.genes, namespace=library.namespace)
    rows = resolve_query(names, mapper, index, namespace=library.namespace, resolve_aliases=resolve_aliases)
    if universe.size == library.n_genes:
        return rows
    gene_index = library.gene_index()
    out = []
    for row in rows:
        if row.status in KEPT_STATUSES and not universe.mask[gene_index[row.mapped_to]]:
            row = MappedGene(row.input, "outside_universe", row.mapped_to, "not in the background")
        out.append(row)
    return out


def _query_indices(rows: list[MappedGene], library: GeneSetLibrary) -> np.ndarray:
    gene_index = library.gene_index()
    kept = sorted(gene_index[r.mapped_to] for r in rows if r.status in KEPT_STATUSES)
    return np.asarray(kept, dtype=np.int64)


def _status_counts(mapping: pd.DataFrame) -> str:
    counts = mapping["status"].value_counts(sort=False)
    return ", ".join(f"{status}: {int(c)}" for status, c in counts.items() if c)


def _warn_dropped(mapping: pd.DataFrame) -> None:
    dropped = mapping[~mapping["status"].isin(KEPT_STATUSES)]
    if dropped.empty:
        return
    shown = ", ".join(repr(g) for g in dropped["input"].head(10))
    more = "" if len(dropped) <= 10 else f" and {len(dropped) - 10} more"
    msg = (
        f"{len(dropped)} of {len(mapping)} query genes were left out ({_status_counts(dropped)}): "
        f"{shown}{more}. See res.dropped."
    )
    warnings.warn(msg, GeneMappingWarning, stacklevel=3)


def score_query(
    library: GeneSetLibrary,
    universe: Universe,
    query_idx: np.ndarray,
    *,
    min_size: int,
    max_size: int | None,
    correction: str,
) -> pd.DataFrame:
    """The ranked result table of one mapped query (vectorised over sets)."""
    genes, membership, sets = library._raw()
    query_mask = np.zeros(library.n_genes, dtype=bool)
    query_mask[query_idx] = True
    set_size = _set_sizes_in_universe(membership, universe)
    overlap = np.asarray(membership @ query_mask.astype(np.int32)).ravel().astype(np.int64)
    tested = set_size >= max(min_size, 1)
    if max_size is not None:
        tested &= set_size <= max_size
    rows = np.flatnonzero(tested)
    k, M = overlap[rows], set_size[rows]
    n, N = len(query_idx), universe.size
    log_p = logsf_grouped(k, M, n, N)
    pvalue = np.exp(log_p)
    table = pd.DataFrame(
        {
            "set_id": sets.index.to_numpy()[rows],
            "overlap": k,
            "set_size": M,
            "query_size": n,
            "universe_size": N,
        }
    )
    for name, values in effect_sizes(k, M, n, N).items():
        table[name] = values
    table["pvalue"] = pvalue
    table["log10_pvalue"] = log_p / _LN10
    table["fdr"] = adjust_pvalues(pvalue, correction)
    table["genes"] = overlap_genes(membership, genes, query_mask, rows)
    for col in _METADATA_COLUMNS:
        if col in sets.columns:
            table[col] = sets[col].to_numpy()[rows]
    return rank_table(table)


def _set_sizes_in_universe(membership: sp.csr_matrix, universe: Universe) -> np.ndarray:
    if universe.size == membership.shape[1]:
        return np.diff(membership.indptr).astype(np.int64)
    return np.asarray(membership @ universe.mask.astype(np.int32)).ravel().astype(np.int64)


def logsf_grouped(k: np.ndarray, M: np.ndarray, n: int, N: int) -> np.ndarray:
    """``hypergeom_logsf`` evaluated once per distinct (k, M) pair.

    A query against many sets repeats few (k, M) pairs (sets of equal size with
    equal overlap), so the tail is computed for the unique pairs only.
    """
    if k.size == 0:
        return np.zeros(0, dtype=np.float64)
    key = k * (int(M.max()) + 1) + M
    unique_keys, inverse = np.unique(key, return_inverse=True)
    uk, um = np.divmod(unique_keys, int(M.max()) + 1)
    return hypergeom_logsf(uk, um, n, N)[inverse.ravel()]


def overlap_genes(membership: sp.csr_matrix, genes: np.ndarray, query_mask: np.ndarray, rows: np.ndarray) -> list[str]:
    """For each row, the overlapping genes joined by ';' (sorted, as the vocabulary is)."""
    sub = membership[rows]
    hit = query_mask[sub.indices]
    row_of = np.repeat(np.arange(len(rows)), np.diff(sub.indptr))[hit]
    names = genes[sub.indices[hit]]
    counts = np.bincount(row_of, minlength=len(rows))
    bounds = np.r_[0, np.cumsum(counts)]
    return [";".join(names[bounds[i] : bounds[i + 1]]) for i in range(len(rows))]


def rank_table(table: pd.DataFrame) -> pd.DataFrame:
    """Sort by p-value (in log space, so underflowed tails keep their order), ties by set_id."""
    set_ids = table["set_id"].to_numpy(dtype=object).astype(str)
    id_rank = np.argsort(np.argsort(set_ids, kind="stable"), kind="stable")
    order = np.lexsort((id_rank, table["log10_pvalue"].to_numpy()))
    ranked = table.iloc[order].reset_index(drop=True)
    ranked.index.name = "rank"
    ranked.index = ranked.index + 1
    return ranked
