"""Exact hypergeometric tails in log space, effect sizes and multiple-testing correction.

Pure numpy (and statsmodels for the correction methods); no pandas, no files.

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
from functools import lru_cache

import numpy as np

__all__ = [
    "hypergeom_logsf",
    "hypergeom_sf",
    "effect_sizes",
    "adjust_pvalues",
    "adjust_tied_pvalues",
    "CORRECTION_METHODS",
    "estimate_pi0",
    "qvalue",
]

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
            out[zero] = np.where(s0 == 0, 0.0, np.where(p0 < 0.1, -_bd0(s0, s0 * q0) - s0 * p0, s0 * np.log(q0)))
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
    terms = _log_dbinom_raw(np.concatenate([x, n - x, n]), np.concatenate([r, b, total]), np.tile(p, 3), np.tile(q, 3))
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
        ratio = np.where(j > lower[active, None], (j * (ba - na + j)) / ((na + 1 - j) * (ra + 1 - j)), 0.0)
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


#: Method names accepted by :func:`adjust_pvalues` (those of statsmodels' ``multipletests``).
CORRECTION_METHODS = (
    "fdr_bh",
    "fdr_by",
    "bonferroni",
    "sidak",
    "holm",
    "holm-sidak",
    "simes-hochberg",
    "hommel",
    "fdr_tsbh",
    "fdr_tsbky",
)


def adjust_pvalues(pvalues, method: str = "fdr_bh") -> np.ndarray:
    """Adjust p-values for multiple testing with a statsmodels ``multipletests`` method.

    Parameters
    ----------
    pvalues : array_like of float, shape (n_tests,)
        Values in [0, 1]; an empty array gives an empty result.
    method : str
        One of :data:`CORRECTION_METHODS` (default Benjamini-Hochberg).

    Returns
    -------
    ndarray of float, shape (n_tests,)

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.04, 0.04]
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(pvalues, dtype=np.float64)
    if p.size == 0:
        return p.copy()
    with np.errstate(divide="ignore"):  # Sidak variants take log1p(-p): -inf at p = 1 gives 1, correctly
        return multipletests(p, method=method, is_sorted=False, returnsorted=False)[1]


def _bh_uncapped_tied(p: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """min over ranks j >= i of m p_(j) / j, for distinct values with multiplicities (not capped at 1)."""
    order = np.argsort(p, kind="stable")
    cum = np.cumsum(counts[order])  # the rank of the last copy of each value
    m = cum[-1]
    scaled = np.minimum.accumulate((p[order] * m / cum)[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = scaled
    return out


def adjust_tied_pvalues(pvalues, counts, method: str = "fdr_bh") -> tuple[np.ndarray, np.ndarray]:
    """:func:`adjust_pvalues` for a family given as distinct p-values with multiplicities.

    Against ~100,000 gene sets a query has only a few thousand distinct p-values
    (one per distinct overlap and set size), and every correction gives tied
    p-values the same adjusted value. Benjamini-Hochberg is computed on the
    distinct values directly (the largest rank of a tie, as R's
    ``p.adjust``); other methods expand the family and call statsmodels.

    Parameters
    ----------
    pvalues : array_like of float, shape (n_values,)
        Values in [0, 1], in any order.
    counts : array_like of int, shape (n_values,)
        How many tests have each value (>= 1); the family size is their sum.
    method : str
        One of :data:`CORRECTION_METHODS`.

    Returns
    -------
    adjusted : ndarray of float, shape (n_values,)
        The adjusted value of each distinct p-value: equal to
        ``adjust_pvalues(np.repeat(pvalues, counts), method)`` at its copies.
    bh_uncapped : ndarray of float, shape (n_values,)
        The Benjamini-Hochberg value before capping at 1 (Storey's q-value is
        ``min(1, pi0 * bh_uncapped)``).

    Examples
    --------
    >>> adjusted, _ = adjust_tied_pvalues([0.01, 0.04], [1, 2])
    >>> adjusted.round(3).tolist(), adjust_pvalues([0.01, 0.04, 0.04]).round(3).tolist()
    ([0.03, 0.04], [0.03, 0.04, 0.04])
    """
    p = np.asarray(pvalues, dtype=np.float64)
    c = np.asarray(counts, dtype=np.int64)
    if p.size == 0:
        return p.copy(), p.copy()
    scaled = _bh_uncapped_tied(p, c)
    if method == "fdr_bh":
        return np.minimum(scaled, 1.0), scaled
    order = np.argsort(p, kind="stable")
    expanded = adjust_pvalues(np.repeat(p[order], c[order]), method)
    adjusted = np.empty_like(p)
    adjusted[order] = expanded[np.cumsum(c[order]) - c[order]]  # first copy of each value
    return adjusted, scaled


# ---------------------------------------------------------------------------
# Storey's q-values, as computed by Bioconductor's qvalue package (2.30.0)
# ---------------------------------------------------------------------------
#
# The pi0 smoother is R's ``smooth.spline(lambda, pi0, df = 3)``, reproduced
# from its documented algorithm: a penalised cubic B-spline regression on x
# rescaled to [0, 1] (knots at every unique x when there are fewer than 50),
# with smoothing parameter lambda = r * 256^(3 spar - 1), r = tr(X'WX) / tr(Omega),
# and ``spar`` found by Brent's golden-section/parabolic minimiser of
# 3 + (df_target - tr(S))^2 on [-1.5, 1.5] (tol 1e-4, eps 2e-8, as R's
# ``control.spar``). Two details of R's implementation change the result by
# up to 2e-5 relative and are mimicked, so that pi0 agrees with R to ~1e-13:
#
# * R's penalty matrix integrates the product of two piecewise-linear second
#   derivatives a(t) b(t) on each knot interval as
#   h (a0 b0 + (a0 db + da b0) / 2 + 0.333 da db), i.e. with 0.333 where the
#   exact integral has 1/3;
# * the returned fit is the one at the last spar the minimiser evaluated, not
#   at the reported optimum (they differ by less than the spar tolerance).

# Brent's golden-section ratio, (3 - sqrt(5)) / 2.
_GOLDEN = 0.5 * (3.0 - math.sqrt(5.0))
# Coefficient R's smoothing-spline Gram matrix uses for the integral of t^2 over [0, 1].
_R_SGRAM_T2 = 0.333
_PI0_METHODS = ("smoother", "bootstrap")


def _default_lambdas() -> np.ndarray:
    """R's ``seq(0.05, 0.95, 0.05)``: ``from + (0:18) * by``, capped at ``to``."""
    return np.minimum(0.05 + np.arange(19) * 0.05, 0.95)


def _check_pvalues(pvalues, name: str = "pvalues") -> np.ndarray:
    p = np.atleast_1d(np.asarray(pvalues, dtype=np.float64))
    if p.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {p.shape}")
    if np.isnan(p).any():
        raise ValueError(f"{name} contains NaN; remove missing p-values first")
    if p.size and (p.min() < 0.0 or p.max() > 1.0):
        lo, hi = float(p.min()), float(p.max())
        raise ValueError(f"{name} must lie in [0, 1]; got values in [{lo!r}, {hi!r}]")
    return p


def _check_lambdas(lambdas) -> np.ndarray:
    if lambdas is None:
        return _default_lambdas()
    lam = np.sort(np.atleast_1d(np.asarray(lambdas, dtype=np.float64)))
    if lam.ndim != 1 or lam.size == 0:
        raise ValueError("lambdas must be a non-empty one-dimensional sequence")
    if not np.isfinite(lam).all() or lam[0] < 0.0 or lam[-1] >= 1.0:
        raise ValueError("lambdas must lie in [0, 1)")
    if 1 < lam.size < 4:
        raise ValueError(f"lambdas has {lam.size} values: give one, or at least four")
    return lam


def _at_least(p: np.ndarray, lambdas: np.ndarray, counts: np.ndarray | None) -> tuple[np.ndarray, int]:
    """#{p >= lambda} for each lambda, and m; ``counts`` gives each p-value's multiplicity."""
    if counts is None:
        m = p.size
        return m - np.searchsorted(np.sort(p), lambdas, side="left"), m
    order = np.argsort(p, kind="stable")
    below = np.r_[0, np.cumsum(counts[order])]  # copies below each sorted position
    m = int(below[-1])
    return m - below[np.searchsorted(p[order], lambdas, side="left")], m


def _pi0_lambda(p: np.ndarray, lambdas: np.ndarray, counts: np.ndarray | None = None) -> np.ndarray:
    """Raw estimates ``pi0(lambda) = #{p >= lambda} / (m (1 - lambda))`` for sorted ``lambdas``."""
    count, m = _at_least(p, lambdas, counts)
    return count / (m * (1.0 - lambdas))


def _r_n_knots(n: int) -> int:
    """Number of inner knots R's ``smooth.spline`` uses for ``n`` unique x (``.nknots.smspl``)."""
    if n < 50:
        return n
    a1, a2, a3, a4 = math.log2(50), math.log2(100), math.log2(140), math.log2(200)
    if n < 200:
        v = 2 ** (a1 + (a2 - a1) * (n - 50) / 150)
    elif n < 800:
        v = 2 ** (a2 + (a3 - a2) * (n - 200) / 600)
    elif n < 3200:
        v = 2 ** (a3 + (a4 - a3) * (n - 800) / 2400)
    else:
        v = 200 + (n - 3200) ** 0.2
    return int(v)


def _smooth_spline_predict(x: np.ndarray, y: np.ndarray, df: float) -> np.ndarray:
    """Fitted values at ``x`` of R's ``smooth.spline(x, y, df = df)`` (other arguments default).

    Everything but the final solve depends on ``x`` and ``df`` only (the smoothing
    parameter is chosen from the trace of the smoother, not from ``y``), so it is
    computed once per (x, df) and cached: a batch of queries pays the spline
    search once, not once per query.
    """
    order, group, wbar, X, a_inv, X_pred = _smoother(x.tobytes(), float(df))
    ybar = np.bincount(group, weights=y[order], minlength=len(wbar)) / wbar
    coef = a_inv @ (X.T @ (wbar * ybar))
    return X_pred @ coef


@lru_cache(maxsize=16)
def _smoother(x_bytes: bytes, df: float) -> tuple[np.ndarray, ...]:
    """The y-independent part of R's ``smooth.spline`` for ``x`` and ``df`` (see above)."""
    from scipy.interpolate import BSpline

    x = np.frombuffer(x_bytes, dtype=np.float64)
    # Group x values closer than 1e-6 * IQR (R's 'tol'): mean y, weight = count.
    q75, q25 = np.percentile(x, [75.0, 25.0])
    tol = 1e-6 * (q75 - q25)
    if not tol > 0:
        raise ValueError("lambdas must have a positive interquartile range to smooth pi0")
    key = np.round((x - x.mean()) / tol)
    order = np.argsort(x, kind="stable")
    uniq_key, first, group = np.unique(key[order], return_index=True, return_inverse=True)
    nx = uniq_key.size
    if nx <= 3:
        raise ValueError("need at least four distinct lambdas to smooth pi0")
    if not 1.0 < df <= nx:
        raise ValueError(
            f"smooth_df must satisfy 1 < smooth_df <= {nx} (the number of distinct lambdas)"
        )
    ux = x[order][first]
    wbar = np.bincount(group, minlength=nx).astype(np.float64)

    # Cubic B-spline basis on x scaled to [0, 1], boundary knots repeated 4 times.
    lo, span = ux[0], ux[-1] - ux[0]
    xbar = (ux - lo) / span
    nknots = _r_n_knots(nx)
    if nknots == nx:
        inner = xbar
    else:  # R: xbar[seq.int(1, nx, length.out = nknots)]; 1 + i * by, last = nx, truncated
        idx = np.trunc(1.0 + np.arange(nknots) * ((nx - 1.0) / (nknots - 1.0))).astype(int) - 1
        idx[-1] = nx - 1
        inner = xbar[idx]
    knots = np.concatenate([np.repeat(inner[0], 3), inner, np.repeat(inner[-1], 3)])
    nk = nknots + 2
    X = BSpline.design_matrix(xbar, knots, 3).toarray()
    XtWX = X.T @ (wbar[:, None] * X)
    # R evaluates the leverage of a point on the right boundary just inside it.
    x_lev = np.minimum(xbar, knots[nk] - 1e-11)
    X_lev = BSpline.design_matrix(x_lev, knots, 3).toarray()

    # Penalty Omega_ij = int B_i'' B_j'' over [0, 1]. B'' is linear on each knot
    # interval: a(t) = a0 + da t for t in [0, 1] after rescaling.
    second = BSpline(knots, np.eye(nk), 3).derivative(2)
    omega = np.zeros((nk, nk))
    for left, right in zip(inner[:-1], inner[1:], strict=True):
        h = right - left
        a0 = second(left)
        da = second(right) - a0  # B'' is continuous at simple interior knots
        cross = np.outer(da, a0)
        omega += h * (np.outer(a0, a0) + 0.5 * (cross + cross.T) + _R_SGRAM_T2 * np.outer(da, da))

    # Scale of lambda: trace ratio over the basis functions 3 .. nk-3 (1-based), as R.
    ratio = np.trace(XtWX[2 : nk - 3, 2 : nk - 3]) / np.trace(omega[2 : nk - 3, 2 : nk - 3])

    last: dict[str, np.ndarray] = {}

    def criterion(spar: float) -> float:
        lam = ratio * 16.0 ** (spar * 6.0 - 2.0)
        a = XtWX + lam * omega
        try:
            a_inv = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            return 2e100
        last["a_inv"] = a_inv
        trace = float(np.einsum("ij,jk,ik->", X_lev * wbar[:, None], a_inv, X_lev))
        crit = 3.0 + (df - trace) ** 2
        return crit if math.isfinite(crit) else 2e100

    _r_brent_min(criterion, -1.5, 1.5, tol=1e-4, eps=2e-8, maxit=500)
    # Predict at the original x (all inside the fitted range).
    xs = (x - lo) / span
    X_pred = BSpline.design_matrix(np.clip(xs, 0.0, 1.0), knots, 3).toarray()
    parts = (order, group.ravel(), wbar, X, last["a_inv"], X_pred)
    for part in parts:
        part.setflags(write=False)
    return parts


def _r_brent_min(f, ax: float, bx: float, *, tol: float, eps: float, maxit: int) -> float:
    """Brent's (1973) golden-section + parabolic-interpolation minimiser on ``[ax, bx]``.

    The variant of Forsythe, Malcolm & Moler (1977) used by R's ``smooth.spline``:
    points are never closer than ``eps |x| + tol / 3``, and the search stops when
    the bracket around the best point ``x`` is within ``2 (eps |x| + tol / 3)``.
    """
    big = 1e100
    a, b = ax, bx
    x = w = v = a + _GOLDEN * (b - a)
    fx = fw = fv = f(x)
    d = e = 0.0
    for _ in range(maxit):
        xm = 0.5 * (a + b)
        tol1 = eps * abs(x) + tol / 3.0
        tol2 = 2.0 * tol1
        if abs(x - xm) <= tol2 - 0.5 * (b - a):
            break
        parabolic = False
        if abs(e) > tol1 and fx < big and fv < big and fw < big:
            r = (x - w) * (fx - fv)
            q = (x - v) * (fx - fw)
            p = (x - v) * q - (x - w) * r
            q = 2.0 * (q - r)
            if q > 0.0:
                p = -p
            q = abs(q)
            r, e = e, d
            if not (abs(p) >= abs(0.5 * q * r) or q == 0.0 or p <= q * (a - x) or p >= q * (b - x)):
                parabolic = True
                d = p / q
                u = x + d
                if u - a < tol2 or b - u < tol2:  # keep off the bracket ends
                    d = tol1 if xm >= x else -tol1
        if not parabolic:
            e = (a - x) if x >= xm else (b - x)
            d = _GOLDEN * e
        u = x + (d if abs(d) >= tol1 else math.copysign(tol1, d))
        fu = f(u)
        if fu <= fx:
            if u >= x:
                a = x
            else:
                b = x
            v, fv, w, fw, x, fx = w, fw, x, fx, u, fu
        else:
            if u < x:
                a = u
            else:
                b = u
            if fu <= fw or w == x:
                v, fv, w, fw = w, fw, u, fu
            elif fu <= fv or v == x or v == w:
                v, fv = u, fu
    return x


def _estimate_pi0(p: np.ndarray, lambdas: np.ndarray, method: str, smooth_df: float,
                  counts: np.ndarray | None = None) -> float:
    """pi0 for validated, non-empty ``p`` (with multiplicities ``counts``) and sorted, validated ``lambdas``."""
    if p.max() < lambdas[-1]:
        raise ValueError(
            f"the largest p-value ({float(p.max())!r}) is below the largest lambda "
            f"({float(lambdas[-1])!r}): lower the lambdas, or pass pi0 explicitly"
        )
    raw = _pi0_lambda(p, lambdas, counts)
    if lambdas.size == 1:
        pi0 = min(float(raw[0]), 1.0)
    elif method == "smoother":
        smoothed = _smooth_spline_predict(lambdas, raw, float(smooth_df))
        pi0 = min(float(smoothed[-1]), 1.0)
    else:  # bootstrap: closed form of the bootstrap MSE (D. Robinson), as qvalue
        floor_pi0 = np.quantile(raw, 0.1)
        count, m = _at_least(p, lambdas, counts)
        mse = (count / (m**2 * (1.0 - lambdas) ** 2)) * (1.0 - count / m) + (raw - floor_pi0) ** 2
        pi0 = min(float(raw[mse == mse.min()].min()), 1.0)
    if not pi0 > 0.0:
        raise ValueError(
            f"the estimated pi0 is {pi0!r} <= 0: check the p-values or use other lambdas"
        )
    return pi0


def estimate_pi0(pvalues, *, lambdas=None, method: str = "smoother", smooth_df: float = 3, counts=None) -> float:
    """Estimate the proportion of true null hypotheses, pi0 (Storey & Tibshirani 2003).

    Reproduces ``qvalue::pi0est`` of the Bioconductor ``qvalue`` package
    (version 2.30.0) with ``smooth.log.pi0 = FALSE``. For each ``lambda``,
    ``pi0(lambda) = #{p >= lambda} / (m (1 - lambda))``. The ``"smoother"``
    method fits R's ``smooth.spline(lambda, pi0(lambda), df = smooth_df)``
    and takes the fitted value at the largest lambda; ``"bootstrap"`` takes
    the ``pi0(lambda)`` minimising the closed-form bootstrap mean squared
    error. The estimate is capped at 1. With a single lambda it is
    ``min(pi0(lambda), 1)``. The smoothing spline matches R's to about 1e-13
    relative (see the comments above the code).

    Parameters
    ----------
    pvalues : array_like of float, shape (m,)
        Values in [0, 1]; NaN is not allowed.
    lambdas : array_like of float, optional
        Tuning values in [0, 1): one value, or at least four. The default is
        ``0.05, 0.10, ..., 0.95``.
    method : {"smoother", "bootstrap"}
    smooth_df : float
        Degrees of freedom of the smoothing spline, ``1 < smooth_df <= number
        of distinct lambdas`` (only used by ``"smoother"``).
    counts : array_like of int, optional
        How many tests share each p-value (default one each): the same result
        as passing ``np.repeat(pvalues, counts)``, without expanding.

    Returns
    -------
    float
        pi0 in (0, 1]; NaN for an empty ``pvalues``.

    Raises
    ------
    ValueError
        For NaN or out-of-range p-values, invalid ``lambdas``, ``method`` or
        ``smooth_df``; when the largest p-value is below the largest lambda
        (as R, e.g. for a single p-value < 0.95 with the default lambdas); or
        when the estimate is <= 0.

    References
    ----------
    Storey JD, Tibshirani R (2003). Statistical significance for genomewide
    studies. PNAS 100(16):9440-9445. doi:10.1073/pnas.1530509100.
    Storey JD, Bass AJ, Dabney A, Robinson D. qvalue: Q-value estimation for
    false discovery rate control. Bioconductor R package, version 2.30.0.

    Examples
    --------
    >>> p = [0.001, 0.004, 0.01, 0.02, 0.03] + [(i - 0.5) / 20 for i in range(1, 21)]
    >>> round(estimate_pi0(p), 4)
    0.8
    >>> round(estimate_pi0(p, lambdas=[0.5, 0.6, 0.7, 0.8], smooth_df=2), 4)
    0.8
    >>> round(estimate_pi0(p, method="bootstrap"), 4)
    0.8
    """
    p = _check_pvalues(pvalues)
    lam = _check_lambdas(lambdas)
    if method not in _PI0_METHODS:
        raise ValueError(f"method must be one of {_PI0_METHODS}, got {method!r}")
    if counts is not None:
        counts = np.asarray(counts, dtype=np.int64)
        if counts.shape != p.shape or (counts < 1).any():
            raise ValueError("counts must hold one int >= 1 per p-value")
    if p.size == 0:
        return math.nan
    return _estimate_pi0(p, lam, method, smooth_df, counts)


def qvalue(
    pvalues, *, lambdas=None, pi0=None, smooth_df: float = 3, pi0_method: str = "smoother"
) -> tuple[np.ndarray, float]:
    """Storey's q-values, as ``qvalue::qvalue(p)`` computes them (Storey & Tibshirani 2003).

    ``q_(i) = pi0 * min_{j >= i} m p_(j) / j`` over the p-values sorted
    increasingly (``pfdr = FALSE``): the Benjamini-Hochberg adjustment scaled by
    the estimated proportion of true nulls ``pi0`` (see :func:`estimate_pi0`).
    Tied p-values get the same q-value, that of the largest rank in the tie
    (R's ``rank(p, ties.method = "max")``). With ``pi0 = 1`` this is BH.

    Parameters
    ----------
    pvalues : array_like of float, shape (m,)
        Values in [0, 1], in any order; NaN is not allowed.
    lambdas : array_like of float, optional
        Passed to :func:`estimate_pi0` (default ``0.05, 0.10, ..., 0.95``).
    pi0 : float, optional
        Use this pi0 in (0, 1] instead of estimating it.
    smooth_df : float
        Degrees of freedom of the pi0 smoother (R's ``smooth.df``, default 3).
    pi0_method : {"smoother", "bootstrap"}
        R's ``pi0.method``.

    Returns
    -------
    qvalues : ndarray of float, shape (m,)
        In the order of ``pvalues``.
    pi0 : float
        The pi0 used. An empty ``pvalues`` gives an empty array and NaN (or the
        ``pi0`` given).

    Raises
    ------
    ValueError
        As :func:`estimate_pi0`, and for ``pi0`` outside (0, 1].

    References
    ----------
    Storey JD, Tibshirani R (2003). Statistical significance for genomewide
    studies. PNAS 100(16):9440-9445. doi:10.1073/pnas.1530509100.
    Storey JD, Bass AJ, Dabney A, Robinson D. qvalue: Q-value estimation for
    false discovery rate control. Bioconductor R package, version 2.30.0.

    Examples
    --------
    >>> p = [0.001, 0.004, 0.01, 0.02, 0.03] + [(i - 0.5) / 20 for i in range(1, 21)]
    >>> q, pi0 = qvalue(p)
    >>> round(pi0, 4), q[:5].round(4).tolist()
    (0.8, [0.02, 0.04, 0.0667, 0.1, 0.1])
    >>> qvalue([0.01, 0.04, 0.03], pi0=1.0)[0].round(3).tolist()  # pi0 = 1: BH
    [0.03, 0.04, 0.04]
    """
    p = _check_pvalues(pvalues)
    if pi0 is not None:
        pi0 = float(pi0)
        if not 0.0 < pi0 <= 1.0:
            raise ValueError(f"pi0 must be in (0, 1], got {pi0!r}")
    lam = _check_lambdas(lambdas)
    if pi0_method not in _PI0_METHODS:
        raise ValueError(f"pi0_method must be one of {_PI0_METHODS}, got {pi0_method!r}")
    if p.size == 0:
        return p.copy(), (math.nan if pi0 is None else pi0)
    if pi0 is None:
        pi0 = _estimate_pi0(p, lam, pi0_method, smooth_df)
    return pi0 * np.minimum(1.0, _bh_uncapped_tied(p, np.ones(p.size, dtype=np.int64))), pi0
