"""Ranked-list analyses: preranked GSEA (:func:`gsea`) and the minimum-hypergeometric test (:func:`mhg`).

The ranking is read (Series, two-column DataFrame, ``.rnk`` file or, for
:func:`mhg`, a plain list in rank order), its identifiers are mapped as
:func:`~pfocr_enrich.enrich` maps a query, and the statistics of
:mod:`pfocr_enrich.stats.gsea`, :mod:`~pfocr_enrich.stats.gsea_null` and
:mod:`~pfocr_enrich.stats.mhg` run on integer positions. Rules (also in docs/ranked.md):

* every entry of the ranking keeps its place in the walk, whether or not it maps
  to a library gene (an entry no set can contain is a non-member everywhere,
  as in fgsea); blanks are dropped;
* an identifier spelled exactly as a library gene is that gene; the others go
  through the identifier tables (:func:`~pfocr_enrich.identifiers.resolve_query`);
* duplicates after mapping: the entry with the largest ``|score|`` (GSEA) or the
  highest rank (mHG) is kept, the others leave the ranking (status ``duplicate``);
  ties keep the first in input order;
* ties in score keep their input order (a stable sort).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from .._util.validation import check_bool, check_int, check_number_in, check_type, param_error
from ..errors import EmptyQueryError
from ..identifiers import GeneMapper, mapping_frame, normalise_query
from ..library import GeneSetLibrary
from ..results import EnrichmentResult
from ..stats import adjust_pvalues
from ..stats.gsea import enrichment_scores, rank_order, sorted_positions
from ..stats.gsea_null import gsea_pvalues
from ..stats.mhg import mhg_bounds, mhg_log_pvalues, mhg_statistics
from .ranking import map_ranking, read_ranking, warn_blanks, warn_left_out
from .scoring import METADATA_COLUMNS

logger = logging.getLogger(__name__)

#: Upper bounds of gsea's n_perm and sample_size (their arrays grow with them).
MAX_PERM, MAX_SAMPLE = 1_000_000, 100_001
_SMALLEST = math.ulp(0.0)  # 5e-324

__all__ = ["gsea", "mhg", "read_ranking"]


def _check(
    library: object, func: str, mapper: object, resolve_aliases: object, **ints: Any
) -> tuple[GeneMapper, bool]:
    """Check the library, the int options (name -> (value, lowest[, highest])) and the mapping options."""
    expected = "a GeneSetLibrary (see pfocr_enrich.read_gmt, read_figures, sample_library)"
    check_type(library, GeneSetLibrary, func=func, param="library", expected=expected)
    for name, (value, low, *high) in ints.items():
        top = high[0] if high else None
        check_int(
            value, func=func, param=name, min=low, max=top, allow_none=name in ("max_size", "L")
        )
    low, high = ints["min_size"][0], ints["max_size"][0]
    if high is not None and high < low:
        raise param_error(func, "max_size", f"None or >= min_size ({low})", high)
    expected = "a GeneMapper or None"
    check_type(mapper, GeneMapper, func=func, param="mapper", expected=expected, allow_none=True)
    resolve_aliases = check_bool(resolve_aliases, func=func, param="resolve_aliases")
    return mapper or GeneMapper.default(), resolve_aliases


def _symbols(library: GeneSetLibrary, mapper: GeneMapper) -> np.ndarray:
    if library.namespace == "entrez":
        return library.derived.symbol_vocabulary(mapper)
    return library.genes


def _metadata(library: GeneSetLibrary, rows: np.ndarray) -> dict[str, np.ndarray]:
    present = library.metadata_columns()
    return {c: library.column_values(c, rows) for c in METADATA_COLUMNS if c in present}


def _prepare(ranking_names, library, mapper, resolve_aliases, priority, func):
    rows, column, stays = map_ranking(
        ranking_names, library, mapper, resolve_aliases=resolve_aliases, priority=priority
    )
    warn_left_out(rows, func)
    return rows, column, stays


def gsea(
    ranking: pd.Series | pd.DataFrame | str | os.PathLike[str],
    library: GeneSetLibrary,
    *,
    min_size: int = 15,
    max_size: int | None = 500,
    weight: float = 1.0,
    eps: float = 1e-50,
    seed: int = 0,
    n_perm: int = 1000,
    sample_size: int = 101,
    resolve_aliases: bool = True,
    mapper: GeneMapper | None = None,
) -> EnrichmentResult:
    """Preranked gene-set enrichment analysis (GSEA) of every set of a library.

    The enrichment score is the weighted Kolmogorov-Smirnov running sum of
    Subramanian et al. (2005), equal to fgsea's; p-values are fgsea's
    sign-specific multilevel p-values (Korotkevich et al.) with their
    ``log2err``; NES divides ES by the mean random ES of the same sign; ``fdr``
    is Benjamini-Hochberg over the tested sets. See docs/ranked.md.

    Parameters
    ----------
    ranking : Series, DataFrame or path
        Gene -> score (e.g. a t statistic; high = up); a two-column
        (gene, score) DataFrame; or a ``.rnk`` file (gene TAB score).
    library : GeneSetLibrary
        The gene sets.
    min_size, max_size : int
        Test sets with ``min_size <= k <= max_size`` members in the ranking
        (fgsea's defaults 15 and 500; ``max_size=None``: no limit).
    weight : float, default 1.0
        The exponent ``p`` of the step weights ``|score| ** p``; 0 gives the
        classic unweighted Kolmogorov-Smirnov statistic. A weight for which a
        weight overflows (``1e3 ** 200``) is refused.
    eps : float, default 1e-50
        p-values below this are reported as ``eps`` (``log2err`` NaN); in
        ``[0, 1)``, 0 meaning no bound but the smallest positive double (5e-324).
    seed : int, default 0
        Seed of the random sets (results are deterministic for a seed).
    n_perm : int, default 1000
        Random sets per size for NES and the first p-value estimate (10 to 1,000,000).
    sample_size : int, default 101
        Sets per level of multilevel splitting (3 to 100,001).
    resolve_aliases : bool, default True
        Map unambiguous aliases to official symbols.
    mapper : GeneMapper, optional
        Identifier tables; default the NCBI human tables.

    Returns
    -------
    EnrichmentResult
        ``table``: ``set_id``, ``title`` (when the library has one), ``size``,
        ``es``, ``nes``, ``pvalue``, ``log2err``, ``fdr``, ``leading_edge``
        (symbols, most extreme first) and the library's link columns, ranked by
        p-value (ties by set id); ``params["analysis"] == "gsea"``;
        ``mapping``: one row per ranking entry (input order) with its ``score``
        and ``rank`` (1-based place in the walk; <NA> for a duplicate), from
        which ``res.plot.running_sum(set_id)`` redraws the walk.

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> lib = pe.GeneSetLibrary.from_dict({"up": ["toy0", "toy1", "toy2"], "mixed": ["toy3", "toy10", "toy19"]})
    >>> ranking = pd.Series({f"toy{i}": 20.0 - i for i in range(20)})
    >>> res = pe.gsea(ranking, lib, min_size=3)
    >>> top = res.table.iloc[0]
    >>> top["set_id"], float(top["es"])
    ('up', 1.0)
    """
    func = "gsea"
    ints = {"min_size": (min_size, 1), "max_size": (max_size, 1), "seed": (seed, 0)}
    ints |= {"n_perm": (n_perm, 10, MAX_PERM), "sample_size": (sample_size, 3, MAX_SAMPLE)}
    mapper, resolve_aliases = _check(library, func, mapper, resolve_aliases, **ints)
    weight = check_number_in(weight, 0, None, func=func, param="weight")
    if weight == float("inf"):
        raise param_error(func, "weight", "a finite number >= 0", weight)
    eps = check_number_in(eps, 0, 1, func=func, param="eps", hi_open=True)
    names, scores = read_ranking(ranking, func=func)
    priority = np.argsort(-np.abs(scores), kind="stable")
    rows, column, stays = _prepare(names, library, mapper, resolve_aliases, priority, func)
    scores_all, scores, column = scores, scores[stays], column[stays]
    order = rank_order(scores)
    n = len(order)
    rank_of_gene = np.full(library.n_genes, -1, dtype=np.int64)
    mapped = column[order] >= 0
    rank_of_gene[column[order][mapped]] = np.flatnonzero(mapped)
    membership = library.shared_arrays()[1]
    indptr, positions = sorted_positions(membership.indptr, membership.indices, rank_of_gene)
    sizes = np.diff(indptr)
    tested = np.flatnonzero(
        (sizes >= min_size) & (sizes <= (max_size if max_size is not None else n - 1)) & (sizes < n)
    )
    if not len(tested):
        raise EmptyQueryError(
            f"gsea: no set has between {min_size} and {max_size} members among the "
            f"{n:,} ranked genes ({int(mapped.sum()):,} of them are library genes)."
        )
    t_ptr = np.concatenate([[0], np.cumsum(sizes[tested])])
    t_pos = positions[np.repeat(np.isin(np.arange(len(sizes)), tested), sizes)]
    with np.errstate(over="ignore"):  # an overflow is refused just below
        weights = np.abs(scores[order]) ** float(weight)
    if not np.isfinite(weights).all():
        largest = float(np.abs(scores).max())
        expected = (
            f"small enough that |score| ** weight stays finite (largest |score|: {largest:g})"
        )
        raise param_error(func, "weight", expected, weight)
    es = enrichment_scores(t_ptr, t_pos, weights)
    ok = np.isfinite(es.es)
    pv = gsea_pvalues(
        weights,
        sizes[tested][ok],
        es.es[ok],
        n_perm=n_perm,
        sample_size=sample_size,
        eps=float(eps) or _SMALLEST,  # eps=0: no bound but the smallest positive double
        seed=seed,
    )
    pvalue = np.full(len(tested), np.nan)
    log2err, nes = pvalue.copy(), pvalue.copy()
    pvalue[ok], log2err[ok], nes[ok] = pv.pvalue, pv.log2err, pv.nes
    fdr = np.full(len(tested), np.nan)
    fdr[ok] = adjust_pvalues(pv.pvalue, "fdr_bh")
    gene_of_rank = np.full(n, -1, dtype=np.int64)
    gene_of_rank[mapped] = column[order][mapped]
    symbols = _symbols(library, mapper)
    edges = []
    for j in range(len(tested)):
        members = t_pos[t_ptr[j] : t_ptr[j + 1]]
        peak = es.peak[j]
        edge = members[: peak + 1] if es.es[j] > 0 else members[peak:][::-1] if peak >= 0 else []
        edges.append(";".join(symbols[gene_of_rank[edge]]))
    table = pd.DataFrame(
        {
            "set_id": library.set_ids.to_numpy()[tested],
            "size": sizes[tested],
            "es": es.es,
            "nes": nes,
            "pvalue": pvalue,
            "log2err": log2err,
            "fdr": fdr,
            "leading_edge": np.array(edges, dtype=object),
            **_metadata(library, tested),
        }
    )
    table = _rank(table, ["pvalue", "set_id"])
    params = _params(library, func, n, int(mapped.sum()), len(tested), len(names))
    params.update(
        {
            "analysis": "gsea",
            "test": "preranked GSEA: weighted Kolmogorov-Smirnov enrichment score, "
            "sign-specific multilevel p-values (fgsea's definition)",
            "weight": float(weight),
            "min_size": min_size,
            "max_size": max_size,
            "eps": float(eps),
            "seed": seed,
            "n_perm": n_perm,
            "sample_size": sample_size,
            "splitting": int(pv.splitting.sum()),
            "correction": "fdr_bh",
        }
    )
    mapping = _walked(rows, stays, order, scores_all)
    return EnrichmentResult(table, params=params, mapping=mapping, set_genes=library)


def _walked(rows, stays: np.ndarray, order: np.ndarray, scores: np.ndarray | None) -> pd.DataFrame:
    """The mapping report with each entry's ``score`` (when given) and its 1-based ``rank`` in
    the list that was walked (<NA> for entries that left it): what ``res.plot`` redraws from."""
    rank = np.zeros(len(rows), dtype=np.int64)
    rank[np.flatnonzero(stays)[order]] = np.arange(1, len(order) + 1)
    frame = mapping_frame(rows)
    if scores is not None:
        frame["score"] = scores
    frame["rank"] = pd.array(rank, dtype="Int64")
    frame.loc[~stays, "rank"] = pd.NA
    return frame


def _rank(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    first = ["set_id", "title"]
    cols = [c for c in first if c in table.columns] + [c for c in table.columns if c not in first]
    table = table[cols].sort_values(by, kind="stable", na_position="last")
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return table


def _params(library, func, n, n_mapped, n_tested, n_input) -> dict[str, Any]:
    return {
        "library": library.name,
        "library_sets": len(library),
        "library_genes": library.n_genes,
        "library_info": library.info,
        "namespace": library.namespace,
        "ranking_input": n_input,
        "ranking_size": n,
        "ranking_in_library": n_mapped,
        "sets_tested": n_tested,
    }


def mhg(
    ranked_genes: Iterable[str | int] | pd.Series | pd.DataFrame | str | os.PathLike[str],
    library: GeneSetLibrary,
    *,
    X: int = 1,
    L: int | None = None,
    min_size: int = 1,
    max_size: int | None = None,
    exact_below: float | None = None,
    resolve_aliases: bool = True,
    mapper: GeneMapper | None = None,
) -> EnrichmentResult:
    """The exact minimum-hypergeometric (XL-mHG) test of every set against a ranked list.

    For each set, the smallest hypergeometric tail over the cutoffs of the list
    (the top ``n`` genes, ``n <= L``, with at least ``X`` members above the
    cutoff), and its exact p-value, which accounts for having tried every
    cutoff (Eden et al. 2007; Wagner 2015). See docs/ranked.md.

    Parameters
    ----------
    ranked_genes : iterable of str or int, Series, DataFrame or path
        Genes in rank order (best first); or gene -> score (ranked by
        decreasing score) as for :func:`gsea`.
    library : GeneSetLibrary
        The gene sets.
    X : int, default 1
        Fewest members above a cutoff for it to count.
    L : int, optional
        Only the first ``L`` cutoffs count (default: the whole list).
    min_size, max_size : int, optional
        Test sets with ``min_size <= K <= max_size`` members in the list.
    exact_below : float, optional
        The exact p-value costs at most ``O(K^3)`` per set (all 119,736 sets of
        the 120k-set benchmark: 0.75 s CPU). With a value, sets whose union bound ``(K - X + 1) mHG``
        is at least this get the bound (capped at 1) instead, and
        ``pvalue_exact`` False. Default: every p-value exact.
    resolve_aliases, mapper
        As for :func:`gsea`.

    Returns
    -------
    EnrichmentResult
        ``table``: ``set_id``, ``title``, ``size`` (K), ``mhg`` (the statistic),
        ``cutoff``, ``hits`` (members above it), ``pvalue``, ``fdr`` (BH),
        ``genes`` (symbols of the members above the cutoff) and the library's
        link columns; ``params["analysis"] == "mhg"``; ``mapping``: one row per
        list entry (rank order) with its ``rank`` (<NA> for a duplicate) and
        ``score`` when scores were given (``res.plot.cutoffs(set_id)`` redraws
        the tails over the cutoffs).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> lib = pe.GeneSetLibrary.from_dict({"top": ["toy0", "toy1"], "low": ["toy5", "toy9"]})
    >>> res = pe.mhg([f"toy{i}" for i in range(10)], lib)
    >>> round(float(res.table.loc[1, "pvalue"]), 6)  # both members first: 1 / C(10, 2)
    0.022222
    """
    func = "mhg"
    ints = {"X": (X, 0), "L": (L, 1), "min_size": (min_size, 1), "max_size": (max_size, 1)}
    mapper, resolve_aliases = _check(library, func, mapper, resolve_aliases, **ints)
    exact_below = check_number_in(
        exact_below, 0, None, func=func, param="exact_below", lo_open=True, allow_none=True
    )
    if isinstance(ranked_genes, (pd.Series, pd.DataFrame, str, os.PathLike)):
        names, scores = read_ranking(ranked_genes, func=func, param="ranked_genes")
        by_rank = rank_order(scores)
        names, scores = [names[i] for i in by_rank], scores[by_rank]
    else:
        n_read: list[int] = []
        names = normalise_query(ranked_genes, param="ranked_genes", func=func, n_read=n_read)
        warn_blanks(n_read[0] - len(names), n_read[0], func, stacklevel=3)
        scores = None
    if not names:
        raise EmptyQueryError("mhg: the ranked list has no identifiers.")
    rows, column, stays = _prepare(
        names, library, mapper, resolve_aliases, np.arange(len(names)), func
    )
    column = column[stays]
    n = len(column)
    L = n if L is None else min(int(L), n)
    rank_of_gene = np.full(library.n_genes, -1, dtype=np.int64)
    mapped = column >= 0
    rank_of_gene[column[mapped]] = np.flatnonzero(mapped)
    membership = library.shared_arrays()[1]
    indptr, positions = sorted_positions(membership.indptr, membership.indices, rank_of_gene)
    sizes = np.diff(indptr)
    upper = max_size if max_size is not None else n
    tested = np.flatnonzero((sizes >= min_size) & (sizes <= upper))
    if not len(tested):
        raise EmptyQueryError(f"mhg: no set has between {min_size} and {upper} listed members.")
    t_ptr = np.concatenate([[0], np.cumsum(sizes[tested])])
    t_pos = positions[np.repeat(np.isin(np.arange(len(sizes)), tested), sizes)]
    log_s, cutoff, hits = mhg_statistics(t_ptr, t_pos, n, X=X, L=L)
    log_p = mhg_log_pvalues(log_s, sizes[tested], n, X=X, L=L, exact_below=exact_below)
    pvalue = np.exp(log_p)
    exact = np.ones(len(tested), dtype=bool)
    if exact_below is not None:
        exact = (log_s >= 0) | (mhg_bounds(log_s, sizes[tested], X=X) < exact_below)
    symbols = _symbols(library, mapper)
    # the members above each cutoff, as one gather and list slices (a numpy gather per set
    # cost 0.16 s of 1.1 s warm on the 120k-set benchmark)
    hits_ptr = np.concatenate([[0], np.cumsum(hits)])
    flat = symbols[
        column[t_pos[np.repeat(t_ptr[:-1] - hits_ptr[:-1], hits) + np.arange(hits_ptr[-1])]]
    ]
    flat = flat.tolist()
    genes = [";".join(flat[a:b]) for a, b in zip(hits_ptr[:-1].tolist(), hits_ptr[1:].tolist())]
    table = pd.DataFrame(
        {
            "set_id": library.set_ids.to_numpy()[tested],
            "size": sizes[tested],
            "mhg": np.exp(log_s),
            "log10_mhg": log_s / np.log(10),
            "cutoff": cutoff,
            "hits": hits,
            "pvalue": pvalue,
            "log10_pvalue": log_p / np.log(10),  # where pvalue underflows to 0 (below 1e-308)
            "pvalue_exact": exact,
            "fdr": adjust_pvalues(pvalue, "fdr_bh"),
            "genes": np.array(genes, dtype=object),
            **_metadata(library, tested),
        }
    )
    table = _rank(table, ["log10_pvalue", "log10_mhg", "set_id"])
    params = _params(library, func, n, int(mapped.sum()), len(tested), len(names))
    params.update(
        {
            "analysis": "mhg",
            "test": "XL-mHG: minimum hypergeometric tail over cutoffs, exact p-value",
            "X": X,
            "L": L,
            "exact_below": exact_below,
            "min_size": min_size,
            "max_size": max_size,
            "correction": "fdr_bh",
        }
    )
    mapping = _walked(rows, stays, np.arange(n), scores)
    return EnrichmentResult(table, params=params, mapping=mapping, set_genes=library)
