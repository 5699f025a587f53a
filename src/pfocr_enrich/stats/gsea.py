"""The weighted Kolmogorov-Smirnov enrichment score of preranked GSEA, for many sets at once.

Pure numpy. Definitions (Subramanian et al. 2005, PNAS 102:15545; the same as
fgsea's ``calcGseaStat``):

* the ranking has ``N`` genes sorted by decreasing score (ties keep their
  input order); gene ``i`` has weight ``r_i = |score_i| ** p`` (``p = 0`` is
  the classic unweighted statistic);
* a set ``S`` of ``k`` ranked genes at 0-based positions ``s_1 < ... < s_k``
  walks a running sum: each member adds ``r_i / N_R`` (``N_R`` = the total
  weight of the members), each other gene subtracts ``1 / (N - k)``; the walk
  starts and ends at 0;
* ``ES+`` is the highest point of the walk (reached just after a member),
  ``ES-`` the lowest (just before a member), and ``ES`` the one further from
  zero (0 when both are equally far).

With 0-based member index ``j`` and ``c_j`` the cumulative member weight
through member ``j`` divided by ``N_R``, the walk after member ``j`` is
``c_j - (s_j - j) / (N - k)`` and just before it ``c_{j-1} - (s_j - j) / (N - k)``:
every set is scored from its sorted member positions with array operations, in
groups of equal size (a cumulative sum per row, exact to rounding).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "EnrichmentScores",
    "enrichment_scores",
    "rank_order",
    "running_sum",
    "scores_of_positions",
    "sorted_positions",
]


def rank_order(scores) -> np.ndarray:
    """Order of genes by decreasing score; ties keep their input order (a stable sort).

    Examples
    --------
    >>> rank_order([0.5, 2.0, 0.5, -1.0]).tolist()
    [1, 0, 2, 3]
    """
    s = np.asarray(scores, dtype=np.float64)
    return np.argsort(-s, kind="stable")


def sorted_positions(indptr: np.ndarray, indices: np.ndarray, rank_of_gene: np.ndarray):
    """Each set's members as sorted positions in the ranking (genes not ranked are left out).

    Parameters
    ----------
    indptr, indices : ndarray of int
        A CSR set x gene membership (``indices[indptr[i]:indptr[i + 1]]`` are
        the gene columns of set ``i``).
    rank_of_gene : ndarray of int, shape (n_genes,)
        0-based position of each gene column in the ranking, -1 when unranked.

    Returns
    -------
    indptr, positions : ndarray of int64
        A CSR of the ranked members of each set, positions ascending in each row.

    Examples
    --------
    >>> ptr, pos = sorted_positions(np.array([0, 2, 3]), np.array([0, 1, 2]), np.array([4, 1, -1]))
    >>> ptr.tolist(), pos.tolist()
    ([0, 2, 2], [1, 4])
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    pos = np.asarray(rank_of_gene, dtype=np.int64)[np.asarray(indices, dtype=np.int64)]
    rows = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
    keep = pos >= 0
    rows, pos = rows[keep], pos[keep]
    n_ranked = int(pos.max(initial=-1)) + 1
    # one sort of (row, position) keys: rows stay in order, positions ascend within each
    order = np.argsort(rows * max(n_ranked, 1) + pos, kind="stable")
    counts = np.bincount(rows, minlength=len(indptr) - 1)
    out_ptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return out_ptr, pos[order]


class EnrichmentScores:
    """Per-set results of :func:`enrichment_scores` (arrays of shape (n_sets,)).

    Attributes
    ----------
    es : signed enrichment score (NaN for sets of size 0 or N, or with zero weight)
    es_pos, es_neg : the highest and lowest points of the walk (``ES+ >= 0 >= ES-``)
    peak : 0-based index, among the set's sorted members, of the member where
        ``ES`` is reached: the leading edge is members ``0..peak`` when
        ``ES > 0`` and ``peak..k-1`` when ``ES < 0``; -1 when ``ES`` is 0 or NaN.
    """

    __slots__ = ("es", "es_neg", "es_pos", "peak")

    def __init__(self, es, es_pos, es_neg, peak) -> None:
        self.es, self.es_pos, self.es_neg, self.peak = es, es_pos, es_neg, peak

    def __repr__(self) -> str:
        return f"EnrichmentScores({len(self.es)} sets)"


def scores_of_positions(positions: np.ndarray, weights: np.ndarray, n: int):
    """ES+, ES-, signed ES and peak index of sets of equal size given as rows of sorted positions.

    Parameters
    ----------
    positions : ndarray of int, shape (n_sets, k)
        Sorted 0-based positions in a ranking of ``n`` genes, ``1 <= k < n``.
    weights : ndarray of float, shape (n,)
        ``|score| ** p`` in ranking order.
    n : int
        Number of ranked genes.

    Returns
    -------
    es, es_pos, es_neg : ndarray of float, shape (n_sets,)
    peak : ndarray of int, shape (n_sets,)

    Examples
    --------
    >>> es, hi, lo, peak = scores_of_positions(np.array([[0, 1]]), np.ones(4), 4)
    >>> es.tolist(), hi.tolist(), lo.tolist(), peak.tolist()
    ([1.0], [1.0], [0.0], [1])
    """
    k = positions.shape[1]
    w = weights[positions]
    with np.errstate(divide="ignore", invalid="ignore"):
        total = w.sum(axis=1, keepdims=True)
        c = np.cumsum(w, axis=1) / total
        miss = (positions - np.arange(k)) / (n - k)
        tops = c - miss
        bottoms = tops - w / total
    i_hi = np.argmax(tops, axis=1)
    i_lo = np.argmin(bottoms, axis=1)
    rows = np.arange(len(positions))
    es_pos = tops[rows, i_hi]
    es_neg = bottoms[rows, i_lo]
    es = np.where(es_pos > -es_neg, es_pos, np.where(es_pos < -es_neg, es_neg, 0.0))
    peak = np.where(es > 0, i_hi, np.where(es < 0, i_lo, -1))
    bad = ~np.isfinite(es_pos) | ~np.isfinite(es_neg)
    es[bad] = np.nan
    peak[bad] = -1
    return es, es_pos, es_neg, peak


def enrichment_scores(indptr: np.ndarray, positions: np.ndarray, weights) -> EnrichmentScores:
    """Enrichment scores of every set of a CSR of sorted ranking positions.

    Sets are scored in groups of equal size, one array operation per group (not
    per set).

    Parameters
    ----------
    indptr, positions : ndarray of int
        As returned by :func:`sorted_positions`.
    weights : array_like of float, shape (n,)
        ``|score| ** p`` in ranking order (``n`` = number of ranked genes).

    Returns
    -------
    EnrichmentScores

    Examples
    --------
    >>> w = np.abs([3.0, 2.0, 1.0, -1.0, -2.0])
    >>> res = enrichment_scores(np.array([0, 2, 4]), np.array([0, 1, 3, 4]), w)
    >>> res.es.round(6).tolist()
    [1.0, -1.0]
    """
    weights = np.asarray(weights, dtype=np.float64)
    n = len(weights)
    indptr = np.asarray(indptr, dtype=np.int64)
    sizes = np.diff(indptr)
    m = len(sizes)
    es = np.full(m, np.nan)
    es_pos = np.full(m, np.nan)
    es_neg = np.full(m, np.nan)
    peak = np.full(m, -1, dtype=np.int64)
    order = np.argsort(sizes, kind="stable")
    bounds = np.flatnonzero(np.diff(sizes[order])) + 1
    for group in np.split(order, bounds):
        if not len(group):
            continue
        k = int(sizes[group[0]])
        if k == 0 or k >= n:
            continue
        pos = positions[indptr[group][:, None] + np.arange(k)]
        es[group], es_pos[group], es_neg[group], peak[group] = scores_of_positions(pos, weights, n)
    return EnrichmentScores(es, es_pos, es_neg, peak)


def running_sum(positions, weights) -> np.ndarray:
    """The running sum of one set after each gene of the ranking (shape (n,)).

    Parameters
    ----------
    positions : array_like of int
        0-based ranking positions of the set's members (any order, unique).
    weights : array_like of float, shape (n,)
        ``|score| ** p`` in ranking order.

    Examples
    --------
    >>> running_sum([0, 2], np.ones(4)).tolist()
    [0.5, 0.0, 0.5, 0.0]
    """
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    hit = np.zeros(n, dtype=bool)
    hit[np.asarray(positions, dtype=np.int64)] = True
    k = int(hit.sum())
    step = np.where(hit, w / w[hit].sum(), -1.0 / (n - k))
    return np.cumsum(step)
