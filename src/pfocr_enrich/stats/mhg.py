"""The minimum-hypergeometric (mHG) statistic and its exact p-value (Eden et al. 2007;
the XL-mHG variant of Wagner 2015).

The statistic: a compiled screen, then the exact hypergeometric core (:func:`hypergeom_logsf`).
The p-value: compiled code (:mod:`~pfocr_enrich.stats.mhg_kernels`).

For a ranking of ``N`` genes and a set of ``K`` of them, the cutoff ``n``
(the top ``n`` genes) holds ``b_n`` members and has the tail
``HGT(n) = P(X >= b_n)``, ``X ~ Hypergeometric(N, K, n)``. The XL-mHG
statistic is the smallest ``HGT(n)`` over cutoffs ``1 <= n <= L`` with
``b_n >= X`` (mHG: ``X = 1``, ``L = N``); 1 when no cutoff qualifies. Between
two members the tail only grows, so the minimum is at a member's position: only
``K`` tails per set are candidates. A compiled screen
(:func:`~pfocr_enrich.stats.mhg_kernels.screen_members`) drops those whose
probability mass (a lower bound of the tail) exceeds the set's best upper bound,
computes the rest from a ``log(i!)`` table (~1e-11), and passes only those within
1e-7 of the smallest to the exact core.

The p-value ``P(mHG <= s)`` under a uniformly random placement of the ``K``
members is exact: member count ``b`` reaches a tail ``<= s`` exactly when the
``b``-th member lies within the first ``c*(b)`` genes (``c*(b)``: the last
cutoff whose tail at ``b`` hits is ``<= s``), and a recursion over those
checkpoints carries the probability of each hit count among placements that
have not reached one yet, summing the mass that does (no subtraction, so tiny
p-values keep their relative accuracy; see :mod:`~pfocr_enrich.stats.mhg_kernels`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .hypergeom import hypergeom_logsf

__all__ = ["mhg_bounds", "mhg_log_pvalues", "mhg_pvalues", "mhg_statistics"]

_REL_TOL = 1e-12  # ties: a tail within this relative distance of s counts as <= s (as xlmhg's tol)


def mhg_statistics(indptr, positions, n_genes: int, *, X: int = 1, L: int | None = None):
    """XL-mHG statistic, best cutoff and its hits for every set of a CSR of sorted positions.

    Parameters
    ----------
    indptr, positions : ndarray of int
        Each set's members as ascending 0-based positions in the ranking.
    n_genes : int
        Ranking length ``N``.
    X : int
        Fewest members above a cutoff for it to count (``>= 1``).
    L : int, optional
        Only cutoffs ``n <= L`` count (default ``N``).

    Returns
    -------
    log_mhg : ndarray of float, shape (n_sets,)
        Natural log of the statistic (0 when no cutoff qualifies).
    cutoff : ndarray of int, shape (n_sets,)
        The smallest cutoff ``n`` reaching it (0 when none qualifies).
    hits : ndarray of int, shape (n_sets,)
        Members within that cutoff.

    Examples
    --------
    >>> log_s, cut, hits = mhg_statistics(np.array([0, 2]), np.array([0, 1]), 10)
    >>> round(float(np.exp(log_s[0])), 6), int(cut[0]), int(hits[0])  # 1 / C(10, 2)
    (0.022222, 2, 2)
    """
    indptr = np.asarray(indptr, dtype=np.int64)
    pos = np.asarray(positions, dtype=np.int64)
    N = int(n_genes)
    L = N if L is None else int(L)
    sizes = np.diff(indptr)
    m = len(sizes)
    from .mhg_kernels import log_factorials, screen_members  # imports numba

    # compiled screen: members whose tail may be within 1e-7 (logs) of the set's minimum
    # (table tails are within ~1e-11); only those reach the exact core
    cand = screen_members(log_factorials(N), indptr, pos, N, int(X), L, 1e-7)
    row = np.repeat(np.arange(m), sizes)[cand]
    b = np.flatnonzero(cand) - indptr[row] + 1  # 1-based member index = hits at its cutoff
    cut = pos[cand] + 1
    K = sizes[row]
    if float(N + 1) ** 3 < 2.0**62:
        # sets share (K, cutoff, hits): on the benchmark the 119,737 tails are 30,588 distinct
        key = (K * (N + 1) + cut) * (N + 1) + b
        distinct, first, which = np.unique(key, return_index=True, return_inverse=True)
        log_tail = hypergeom_logsf(b[first], K[first], cut[first], N)[which]
    else:
        log_tail = hypergeom_logsf(b, K, cut, N)
    log_mhg = np.zeros(m)
    np.minimum.at(log_mhg, row, log_tail)
    # the smallest cutoff within tolerance of the minimum (candidates are in cutoff order)
    close = log_tail <= log_mhg[row] + _REL_TOL
    first = np.full(m, -1, dtype=np.int64)
    idx = np.flatnonzero(close)[::-1]
    first[row[idx]] = idx  # reversed assignment keeps the first index per row
    cutoff = np.zeros(m, dtype=np.int64)
    hits = np.zeros(m, dtype=np.int64)
    has = (first >= 0) & (log_mhg < 0)
    cutoff[has] = cut[first[has]]
    hits[has] = b[first[has]]
    log_mhg[~has] = 0.0
    return log_mhg, cutoff, hits


def mhg_bounds(log_mhg, sizes, *, X: int = 1) -> np.ndarray:
    """The union bound ``(K - X + 1) * s`` of the p-value of each statistic ``s`` (not capped).

    Examples
    --------
    >>> mhg_bounds([np.log(0.01)], [5]).round(6).tolist()
    [0.05]
    """
    s = np.exp(np.asarray(log_mhg, dtype=np.float64))
    return np.maximum(np.asarray(sizes, dtype=np.float64) - max(X, 1) + 1, 1.0) * s


def mhg_pvalues(
    log_mhg,
    sizes,
    n_genes: int,
    *,
    X: int = 1,
    L: int | None = None,
    exact_below: float | None = None,
) -> np.ndarray:
    """Exact p-values ``P(mHG <= s)`` of XL-mHG statistics ``s`` of sets of the given sizes.

    A set costs at most ``O(K^3)``, whatever ``N``. With ``exact_below``, sets whose union bound
    ``(K - X + 1) s`` (each member count ``b`` reaches a tail ``<= s`` with
    probability ``<= s``) is at least ``exact_below`` get ``min(1, bound)``
    instead, an upper bound (as xlmhg's ``pval_thresh``); test with
    ``np.isfinite`` on :func:`mhg_bounds` to tell them apart.

    Parameters
    ----------
    log_mhg : array_like of float, shape (n_sets,)
        Natural logs of the statistics (from :func:`mhg_statistics`).
    sizes : array_like of int, shape (n_sets,)
        Members per set ``K``.
    n_genes, X, L
        As for :func:`mhg_statistics`.

    Returns
    -------
    ndarray of float, shape (n_sets,)

    Examples
    --------
    >>> round(float(mhg_pvalues([np.log(1 / 45)], [2], 10)[0]), 12)  # both members on top
    0.022222222222
    """
    return np.exp(mhg_log_pvalues(log_mhg, sizes, n_genes, X=X, L=L, exact_below=exact_below))


def mhg_log_pvalues(
    log_mhg,
    sizes,
    n_genes: int,
    *,
    X: int = 1,
    L: int | None = None,
    exact_below: float | None = None,
) -> np.ndarray:
    """Natural logs of :func:`mhg_pvalues` (no underflow below 1e-308).

    Sets of one size are computed together on one thread; sizes run on every core
    (the compiled recursion of :mod:`~pfocr_enrich.stats.mhg_kernels` releases the GIL).

    Examples
    --------
    >>> K, N = 400, 20000  # members at every other place of the top 800: s ~ e^-1407
    >>> log_s, _, _ = mhg_statistics(np.array([0, K]), np.arange(0, 2 * K, 2), N)
    >>> lp = mhg_log_pvalues(log_s, [K], N)
    >>> bool(log_s[0] <= lp[0] <= log_s[0] + np.log(K))  # s <= p <= K s
    True
    """
    log_s = np.asarray(log_mhg, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.int64)
    N = int(n_genes)
    L = N if L is None else int(L)
    out = np.zeros(len(log_s))
    todo = log_s < 0
    if exact_below is not None:
        bound = mhg_bounds(log_s, sizes, X=X)
        skip = todo & (bound >= exact_below)
        out[skip] = np.log(np.minimum(1.0, bound[skip]))
        todo &= ~skip
    from .mhg_kernels import LINEAR_ABOVE, TIE_TOL, log_factorials, log_pvalues  # imports numba

    lf = log_factorials(N)
    jobs = [np.flatnonzero(todo & (sizes == K)) for K in np.unique(sizes[todo])]
    jobs.sort(key=lambda sel: -len(sel) * int(sizes[sel[0]]) ** 3)  # the longest first

    def run(sel):
        # sets of one size with equal statistics have one p-value: on the 120k-set benchmark,
        # 23,948 exact p-values are 5,546 distinct (K, s) pairs (1.5x less work: big K repeat less)
        K = int(sizes[sel[0]])
        distinct, which = np.unique(log_s[sel], return_inverse=True)
        logs = log_pvalues(lf, distinct, K, N, int(X), L, TIE_TOL, LINEAR_ABOVE)
        return logs[which]

    threads = max(1, min(len(jobs), os.cpu_count() or 1))
    with ThreadPoolExecutor(threads) as pool:
        for sel, logs in zip(jobs, pool.map(run, jobs)):
            out[sel] = np.minimum(logs, 0.0)
    return out
