"""Exact hypergeometric tails in log space, and the effect sizes of a 2x2 overlap table.

Pure numpy; no pandas, no files.

The upper tail ``P(X >= k)`` for ``X ~ Hypergeometric(N, M, n)`` is computed as
``P(X = x0) * S`` where ``x0`` is the tail's first term and ``S`` the sum of the
term ratios (Loader's approach, also used by R's ``phyper``):

* the probability mass uses the saddle-point expansion of Loader (2000),
  "Fast and accurate computation of binomial probabilities", through the
  deviance term ``bd0`` and the Stirling error ``stirlerr``. Differences of
  ``lgamma`` lose up to 1e-11 relative accuracy at N ~ 20,000; this does not.
* the tail that does not contain the mode is summed, so the terms decrease and
  the series stops after a few standard deviations; the other tail is ``1 - that``.

Everything is carried as natural logs, so a tail far below the smallest double
(1e-308) still has an exact, finite ``log p``.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["effect_sizes", "hypergeom_logsf", "hypergeom_sf"]

_LN_2PI = math.log(2.0 * math.pi)
_LN_SQRT_2PI = 0.5 * _LN_2PI
_EPS = np.finfo(float).eps
_LOWER_BLOCK = 16  # terms of a lower tail summed per array step

# stirlerr(n) = log(n!) - log(sqrt(2 pi n) (n/e)^n) for n = 0..15, from exact integer factorials.
_STIRLERR_TABLE = np.array(
    [0.0]
    + [
        math.log(math.factorial(k)) - ((k + 0.5) * math.log(k) - k + _LN_SQRT_2PI)
        for k in range(1, 16)
    ]
)


def _stirlerr(n: np.ndarray) -> np.ndarray:
    """Stirling's error for integer-valued float arrays ``n >= 0``."""
    out = np.empty_like(n)
    small = n <= 15
    out[small] = _STIRLERR_TABLE[n[small].astype(np.int64)]
    big = ~small
    x = n[big]
    nn = x * x
    s0, s1, s2, s3, s4 = 1 / 12, 1 / 360, 1 / 1260, 1 / 1680, 1 / 1188
    # More terms for smaller n, as the asymptotic series needs them (Loader 2000).
    val = np.where(
        x > 500,
        (s0 - s1 / nn) / x,
        np.where(
            x > 80,
            (s0 - (s1 - s2 / nn) / nn) / x,
            np.where(
                x > 35,
                (s0 - (s1 - (s2 - s3 / nn) / nn) / nn) / x,
                (s0 - (s1 - (s2 - (s3 - s4 / nn) / nn) / nn) / nn) / x,
            ),
        ),
    )
    out[big] = val
    return out


def _bd0(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Deviance term ``x log(x/mean) + mean - x``, accurate when ``x`` is close to ``mean``."""
    out = np.empty_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        near = np.abs(x - mean) < 0.1 * (x + mean)
        xf, mf = x[near], mean[near]
        v = (xf - mf) / (xf + mf)
        s = (xf - mf) * v
        ej = 2 * xf * v
        v2 = v * v
        # |v| < 0.1, so 12 series terms reach double precision.
        for j in range(1, 13):
            ej = ej * v2
            s = s + ej / (2 * j + 1)
        out[near] = s
        xo, mo = x[~near], mean[~near]
        out[~near] = np.where(xo == 0, mo, xo * np.log(xo / mo) + mo - xo)
    return out


def _log_dbinom_raw(x: np.ndarray, size: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """log of the binomial pmf at integer ``x`` for ``0 <= x <= size`` (Loader 2000).

    Elementwise; the helpers run once on concatenated arguments rather than once
    per term, because a query's few thousand distinct tails make per-call
    overhead, not arithmetic, the cost.
    """
    out = np.empty_like(x)
    with np.errstate(divide="ignore", invalid="ignore"):
        zero = x == 0
        full = (x == size) & ~zero
        mid = ~zero & ~full
        if zero.any():  # (1-p)^size, via bd0 when p is small to keep accuracy.
            s0, p0, q0 = size[zero], p[zero], q[zero]
            out[zero] = np.where(
                s0 == 0, 0.0, np.where(p0 < 0.1, -_bd0(s0, s0 * q0) - s0 * p0, s0 * np.log(q0))
            )
        if full.any():
            s1, p1, q1 = size[full], p[full], q[full]
            out[full] = np.where(q1 < 0.1, -_bd0(s1, s1 * p1) - s1 * q1, s1 * np.log(p1))
        xm, sm, pm, qm = x[mid], size[mid], p[mid], q[mid]
        m = len(xm)
        stirl = _stirlerr(np.concatenate([sm, xm, sm - xm]))
        bd = _bd0(np.concatenate([xm, sm - xm]), np.concatenate([sm * pm, sm * qm]))
        lc = stirl[:m] - stirl[m : 2 * m] - stirl[2 * m :] - bd[:m] - bd[m:]
        lf = _LN_2PI + np.log(xm) + np.log1p(-xm / sm)
        out[mid] = lc - 0.5 * lf
    return out


def _log_dhyper(x: np.ndarray, r: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """log P(X = x), X ~ Hypergeometric(r white, b black, n drawn), for x inside the support."""
    total = r + b
    p = n / total
    q = (total - n) / total
    m = len(x)
    # the three binomial terms in one call (see _log_dbinom_raw)
    terms = _log_dbinom_raw(
        np.concatenate([x, n - x, n]), np.concatenate([r, b, total]), np.tile(p, 3), np.tile(q, 3)
    )
    return terms[:m] + terms[m : 2 * m] - terms[2 * m :]


def _log_lower_sum(x: np.ndarray, r: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """log( sum_{j <= x} P(X = j) / P(X = x) ), summed downwards from x.

    Callers pass x at or below the mean, so every ratio is < 1 and the terms
    fall geometrically; summation stops when all are below machine precision.
    Terms come in blocks of ``_LOWER_BLOCK`` (a cumulative product of the
    ratios) rather than one by one: a few array operations per block instead of
    per term, for the few thousand distinct tails of a query.
    """
    total = np.ones_like(x)
    term = np.ones_like(x)
    top = x.copy()  # the j whose ratio P(X = j - 1) / P(X = j) comes next
    lower = np.maximum(0.0, n - b)  # smallest value in the support
    active = np.flatnonzero(top > lower)
    steps = np.arange(_LOWER_BLOCK, dtype=np.float64)
    while active.size:
        j = top[active, None] - steps
        ba, na, ra = b[active, None], n[active, None], r[active, None]
        ratio = np.where(
            j > lower[active, None], (j * (ba - na + j)) / ((na + 1 - j) * (ra + 1 - j)), 0.0
        )
        terms = term[active, None] * np.cumprod(ratio, axis=1)
        total[active] += terms.sum(axis=1)
        term[active] = terms[:, -1]
        top[active] -= _LOWER_BLOCK
        keep = (term[active] >= _EPS * total[active] * 0.25) & (top[active] > lower[active])
        active = active[keep]
    return np.log(total)


def hypergeom_logsf(k, M, n, N) -> np.ndarray:
    """Natural log of the upper tail ``P(X >= k)`` of the hypergeometric distribution.

    ``X`` counts the successes among ``n`` draws without replacement from a
    population of ``N`` containing ``M`` successes (one-sided Fisher test for
    over-representation: ``k`` = overlap, ``M`` = set size, ``n`` = query size,
    ``N`` = universe size). Inputs broadcast; they are trusted to be integers
    with ``0 <= M, n <= N``.

    Parameters
    ----------
    k, M, n, N : array_like of int
        Observed overlap, successes, draws and population size.

    Returns
    -------
    ndarray of float
        ``log P(X >= k)``: 0 for ``k <= max(0, n + M - N)``, ``-inf`` for
        ``k > min(M, n)``, finite and exact (about 1e-14 relative in ``p``)
        in between, however small ``p`` is.

    Examples
    --------
    >>> round(float(np.exp(hypergeom_logsf(3, 3, 4, 8))), 12)  # (C(3,3) C(5,1)) / C(8,4)
    0.071428571429
    >>> float(hypergeom_logsf(300, 300, 300, 20000) / np.log(10))  # p = 1/C(20000, 300)
    -674.844392138688...
    """
    k, M, n, N = (np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(k, M, n, N))
    shape = k.shape
    k, M, n, N = k.ravel(), M.ravel(), n.ravel(), N.ravel()
    out = np.zeros(k.shape, dtype=np.float64)
    low = np.maximum(0.0, n + M - N)
    high = np.minimum(M, n)
    out[k > high] = -np.inf
    inside = np.flatnonzero((k > low) & (k <= high))
    if inside.size:
        out[inside] = _logsf_inside(k[inside], M[inside], n[inside], N[inside])
    return out.reshape(shape)


def _logsf_inside(k: np.ndarray, M: np.ndarray, n: np.ndarray, N: np.ndarray) -> np.ndarray:
    """log P(X >= k) for k strictly inside the support (low < k <= high)."""
    # P(X >= k) = P(X > x) with x = k - 1. As in R's phyper: when x lies above the
    # mean, swap successes and failures so the summed tail is the short one.
    x = k - 1
    r, b = M.copy(), N - M
    above = x * N > n * M
    r[above], b[above] = b[above], M[above]
    x = np.where(above, n - x - 1, x)
    log_tail = _log_dhyper(x, r, b, n) + _log_lower_sum(x, r, b, n)
    # above: the short tail *is* P(X >= k). Otherwise P(X >= k) = 1 - P(X <= x).
    out = np.empty_like(log_tail)
    out[above] = log_tail[above]
    lower = ~above
    out[lower] = np.log1p(-np.minimum(np.exp(log_tail[lower]), 1.0))
    return np.minimum(out, 0.0)


def hypergeom_sf(k, M, n, N) -> np.ndarray:
    """Upper tail ``P(X >= k)``; ``exp`` of :func:`hypergeom_logsf` (0 only when it underflows).

    Examples
    --------
    >>> float(hypergeom_sf(1, 1, 1, 2))
    0.5
    """
    return np.exp(hypergeom_logsf(k, M, n, N))


def effect_sizes(k, M, n, N) -> dict[str, np.ndarray]:
    """Effect sizes of over-representation for overlap ``k``, set size ``M``, query ``n``, universe ``N``.

    Returns a dict of float arrays:

    * ``expected`` = n M / N, the mean overlap under the null;
    * ``fold_enrichment`` = (k / n) / (M / N), the ratio of observed to expected;
    * ``rich_factor`` = k / M;
    * ``odds_ratio`` = (a d) / (b c) for the 2x2 table a = k, b = M - k,
      c = n - k, d = N - M - n + k; when any cell is 0, 0.5 is added to every
      cell (Haldane-Anscombe) and ``odds_ratio_corrected`` is True;
    * ``z_score`` = (k - E) / sd with the hypergeometric mean and variance
      n (M/N) ((N-M)/N) ((N-n)/(N-1)); NaN when the variance is 0.

    Examples
    --------
    >>> es = effect_sizes(3, 5, 4, 8)
    >>> float(es["expected"]), float(es["fold_enrichment"]), float(es["odds_ratio"])
    (2.5, 1.2, 3.0)
    """
    k, M, n, N = (np.asarray(a, dtype=np.float64) for a in np.broadcast_arrays(k, M, n, N))
    a, b, c = k, M - k, n - k
    d = N - M - n + k
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = n * M / N
        fold = np.where(expected > 0, k / expected, np.nan)
        rich = np.where(M > 0, k / M, np.nan)
        corrected = (a == 0) | (b == 0) | (c == 0) | (d == 0)
        shift = np.where(corrected, 0.5, 0.0)
        odds = ((a + shift) * (d + shift)) / ((b + shift) * (c + shift))
        var = n * (M / N) * ((N - M) / N) * np.where(N > 1, (N - n) / (N - 1), 0.0)
        z = np.where(var > 0, (k - expected) / np.sqrt(var), np.nan)
    return {
        "expected": expected,
        "fold_enrichment": fold,
        "rich_factor": rich,
        "odds_ratio": odds,
        "odds_ratio_corrected": corrected,
        "z_score": z,
    }
