"""The minimum-hypergeometric (mHG) statistic and its exact p-value (Eden et al. 2007;
the XL-mHG variant of Wagner 2015).

Pure numpy plus the exact hypergeometric core (:func:`hypergeom_logsf`).

For a ranking of ``N`` genes and a set of ``K`` of them, the cutoff ``n``
(the top ``n`` genes) holds ``b_n`` members and has the tail
``HGT(n) = P(X >= b_n)``, ``X ~ Hypergeometric(N, K, n)``. The XL-mHG
statistic is the smallest ``HGT(n)`` over cutoffs ``1 <= n <= L`` with
``b_n >= X`` (mHG: ``X = 1``, ``L = N``); 1 when no cutoff qualifies. Between
two members the tail only grows, so the minimum is at a member's position: only
``K`` tails per set are candidates, and those whose probability mass alone
(a lower bound of the tail) exceeds the set's best upper bound are never
evaluated exactly.

The p-value ``P(mHG <= s)`` under a uniformly random placement of the ``K``
members is exact: a path over the cutoffs carries the probability of each hit
count among placements that have not yet reached a tail ``<= s``, and the mass
that reaches one is summed (no subtraction, so tiny p-values keep their
relative accuracy). Member count ``b`` reaches such a tail exactly when the
``b``-th member lies within the first ``c*(b)`` genes, where ``c*(b)`` is the
last cutoff whose tail at ``b`` hits is ``<= s`` (found by bisection, the tail
growing with the cutoff).
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammaln

from .hypergeom import hypergeom_logsf

__all__ = ["mhg_bounds", "mhg_pvalues", "mhg_statistics"]

_REL_TOL = 1e-12  # ties: a tail within this relative distance of s counts as <= s (as xlmhg's tol)


def _log_pmf(b, K, n, N) -> np.ndarray:
    """log P(X = b), X ~ Hypergeometric(N, K, n), by log-gamma (for screening only)."""
    return (
        gammaln(K + 1)
        - gammaln(b + 1)
        - gammaln(K - b + 1)
        + gammaln(N - K + 1)
        - gammaln(n - b + 1)
        - gammaln(N - K - n + b + 1)
        - gammaln(N + 1)
        + gammaln(n + 1)
        + gammaln(N - n + 1)
    )


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
    row = np.repeat(np.arange(m), sizes)
    b = np.arange(len(pos)) - indptr[row] + 1  # 1-based member index = hits at its cutoff
    cut = pos + 1
    K = sizes[row]
    ok = (b >= X) & (cut <= L)
    row, b, cut, K = row[ok], b[ok], cut[ok], K[ok]
    bf, cf, Kf = b.astype(float), cut.astype(float), K.astype(float)
    lpmf = _log_pmf(bf, Kf, cf, N)
    # an upper bound of the tail: above the mode the term ratios fall, so pmf / (1 - first ratio)
    ratio = (Kf - bf) * (cf - bf) / ((bf + 1) * (N - Kf - cf + bf + 1))
    with np.errstate(divide="ignore"):
        upper = np.where(ratio < 1, lpmf - np.log1p(-np.minimum(ratio, 1.0)), 0.0)
    upper = np.minimum(upper, 0.0)
    best_upper = np.full(m, np.inf)
    np.minimum.at(best_upper, row, upper)
    cand = lpmf <= best_upper[row] + 1e-6  # the pmf is a lower bound of the tail
    log_tail = np.full(len(b), np.inf)
    log_tail[cand] = hypergeom_logsf(b[cand], K[cand], cut[cand], N)
    log_mhg = np.zeros(m)
    np.minimum.at(log_mhg, row, log_tail)
    # the smallest cutoff within tolerance of the minimum (candidates are in cutoff order)
    close = cand & (log_tail <= log_mhg[row] + _REL_TOL)
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


def _last_cutoffs(log_s: np.ndarray, K: int, N: int, X: int, L: int) -> np.ndarray:
    """c*(b) for b = 0..K and each threshold: last cutoff <= L with tail <= s at b hits (0 if none)."""
    T = len(log_s)
    b = np.broadcast_to(np.arange(K + 1, dtype=np.int64), (T, K + 1))
    thr = log_s[:, None] + _REL_TOL
    lo = np.maximum(b, 1)  # fewer than b genes cannot hold b members
    hi = np.full_like(lo, L)
    valid = (b >= max(X, 1)) & (lo <= hi)
    lo = np.where(valid, lo, 1)
    first_ok = np.zeros(lo.shape, dtype=bool)
    first_ok[valid] = (
        hypergeom_logsf(b[valid], K, lo[valid], N) <= np.broadcast_to(thr, b.shape)[valid]
    )
    # bisection for the last c in [lo, hi] with tail <= s (the tail grows with c)
    a, z = lo.copy(), hi.copy()
    active = first_ok.copy()
    while active.any():
        mid = (a + z + 1) // 2
        sel = active & (mid > a)
        if not sel.any():
            break
        ok = np.zeros(lo.shape, dtype=bool)
        ok[sel] = hypergeom_logsf(b[sel], K, mid[sel], N) <= np.broadcast_to(thr, b.shape)[sel]
        a = np.where(sel & ok, mid, a)
        z = np.where(sel & ~ok, mid - 1, z)
        active = first_ok & (a < z)
    return np.where(first_ok, a, 0)


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

    Sets of equal size share one recursion (one row per threshold); a set costs
    ``O(N K)``. With ``exact_below``, sets whose union bound
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
    log_s = np.asarray(log_mhg, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.int64)
    N = int(n_genes)
    L = N if L is None else int(L)
    out = np.ones(len(log_s))
    todo = log_s < 0
    if exact_below is not None:
        bound = mhg_bounds(log_s, sizes, X=X)
        skip = todo & (bound >= exact_below)
        out[skip] = np.minimum(1.0, bound[skip])
        todo &= ~skip
    for K in np.unique(sizes[todo]):
        sel = np.flatnonzero(todo & (sizes == K))
        out[sel] = _pvalues_one_size(log_s[sel], int(K), N, X, L)
    return out


def _pvalues_one_size(log_s: np.ndarray, K: int, N: int, X: int, L: int) -> np.ndarray:
    """P(mHG <= s) for sets of size K, thresholds in blocks of similar size (see _first_crossing)."""
    out = np.empty(len(log_s))
    order = np.argsort(log_s)  # similar thresholds share a block, and so a similar length
    for start in range(0, len(order), 64):
        rows = order[start : start + 64]
        cstar = _last_cutoffs(log_s[rows], K, N, X, L)  # (T, K + 1), 0 where b cannot cross
        out[rows] = _first_crossing(cstar, K, N)
    return np.minimum(out, 1.0)


def _first_crossing(cstar: np.ndarray, K: int, N: int) -> np.ndarray:
    """Probability that some member b sits within the first c*(b) genes (rows: thresholds).

    ``f[j]`` counts the placements of members 1..b with the b-th at gene
    ``j + 1`` that reached no tail <= s before (scaled per row by
    ``exp(scale)``); member b reaches one when ``j + 1 <= c*(b)``, and each such
    placement extends in ``C(N - j - 1, K - b)`` ways: that mass over C(N, K) is
    summed (nothing is subtracted, so tiny p-values keep their digits). Genes
    beyond the largest c*(K) of the block never matter and are left out.
    """
    T = len(cstar)
    last = int(cstar.max(initial=0))
    if last == 0:
        return np.zeros(T)
    j = np.arange(1, last + 1, dtype=np.float64)  # 1-based positions that can matter
    lg = gammaln(np.arange(N + 2, dtype=np.float64) + 1)  # lg[x] = log(x!)
    log_total = lg[N] - lg[K] - lg[N - K]
    f = np.ones((T, last))  # b = 1: one way to put the first member at j
    scale = np.zeros(T)
    reached = np.zeros(T)
    ji = np.arange(1, last + 1)
    for b in range(1, K + 1):
        if b > 1:
            prev = np.cumsum(f, axis=1)
            f[:, 0] = 0.0
            f[:, 1:] = prev[:, :-1]
        width = int(cstar[:, b].max())
        if width == 0:
            continue
        rest = K - b
        jj = ji[:width]
        room = jj <= N - rest
        log_after = np.full(width, -np.inf)
        r = np.flatnonzero(room)
        log_after[r] = lg[N - jj[r]] - lg[rest] - lg[N - jj[r] - rest]
        cross = j[None, :width] <= cstar[:, b : b + 1]
        mass = np.where(cross, f[:, :width], 0.0)
        with np.errstate(divide="ignore"):
            terms = np.log(mass) + log_after + (scale - log_total)[:, None]
        top = terms.max(axis=1)
        ok = np.isfinite(top)
        if ok.any():
            reached[ok] += np.exp(top[ok]) * np.exp(terms[ok] - top[ok, None]).sum(axis=1)
        f[:, :width][cross] = 0.0
        m = f.max(axis=1)
        pos = m > 0
        f[pos] /= m[pos, None]
        scale[pos] += np.log(m[pos])
    return reached
