"""Storey's q-values and pi0 estimation, reproducing R's ``qvalue`` package (smoother and bootstrap).

The smoothing spline follows R's ``smooth.spline`` closely enough to give its
numbers to ~1e-10 (see the notes below and tests/stats/test_qvalue.py).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from .bspline import basis_derivatives, design_matrix
from .corrections import bh_uncapped_tied

__all__ = ["estimate_pi0", "qvalue"]


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


def _at_least(
    p: np.ndarray, lambdas: np.ndarray, counts: np.ndarray | None
) -> tuple[np.ndarray, int]:
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
    X = design_matrix(xbar, knots, 3)
    XtWX = X.T @ (wbar[:, None] * X)
    # R evaluates the leverage of a point on the right boundary just inside it.
    x_lev = np.minimum(xbar, knots[nk] - 1e-11)
    X_lev = design_matrix(x_lev, knots, 3)

    # Penalty Omega_ij = int B_i'' B_j'' over [0, 1]. B'' is linear on each knot
    # interval: a(t) = a0 + da t for t in [0, 1] after rescaling.
    second_at = basis_derivatives(knots, 3, 2, inner)
    omega = np.zeros((nk, nk))
    for i, (left, right) in enumerate(zip(inner[:-1], inner[1:], strict=True)):
        h = right - left
        a0 = second_at[i]
        da = second_at[i + 1] - a0  # B'' is continuous at simple interior knots
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
    X_pred = design_matrix(np.clip(xs, 0.0, 1.0), knots, 3)
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


def _estimate_pi0(
    p: np.ndarray,
    lambdas: np.ndarray,
    method: str,
    smooth_df: float,
    counts: np.ndarray | None = None,
) -> float:
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


def estimate_pi0(
    pvalues, *, lambdas=None, method: str = "smoother", smooth_df: float = 3, counts=None
) -> float:
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
    return pi0 * np.minimum(1.0, bh_uncapped_tied(p, np.ones(p.size, dtype=np.int64))), pi0
