"""The two B-spline evaluations the pi0 smoother needs, in numpy (no scipy.interpolate).

``import scipy.interpolate`` costs ~0.2 s (it loads scipy.optimize, scipy.linalg,
scipy.special, ...), more than the rest of a q-value. These functions follow
scipy's own code step by step (``find_interval``, de Boor's recursion as in
``_deBoor_D``, ``splder``, ``evaluate_spline``), so they give the same floats as
``BSpline.design_matrix(x, t, k).toarray()`` and
``BSpline(t, np.eye(n), k).derivative(nu)(x)``: tests/stats/test_bspline.py
compares them bit for bit.
"""

from __future__ import annotations

import numpy as np

__all__ = ["design_matrix", "basis_derivatives"]


def _intervals(t: np.ndarray, k: int, x: np.ndarray) -> np.ndarray:
    """``l`` with ``t[l] <= x < t[l + 1]``, clamped to ``k <= l < len(t) - k - 1`` (scipy's rule)."""
    n = len(t) - k - 1
    return np.clip(np.searchsorted(t, x, side="right") - 1, k, n - 1)


def _de_boor(t: np.ndarray, k: int, x: np.ndarray, ell: np.ndarray) -> np.ndarray:
    """The ``k + 1`` non-zero B-splines at each ``x`` (shape (len(x), k + 1)), as scipy computes them."""
    h = np.zeros((len(x), k + 1))
    h[:, 0] = 1.0
    for j in range(1, k + 1):
        hh = h[:, :j].copy()
        h[:, 0] = 0.0
        for n in range(1, j + 1):
            xb, xa = t[ell + n], t[ell + n - j]
            same = xb == xa  # scipy: h[n] = 0 and h[n - 1] left as it is
            w = hh[:, n - 1] / np.where(same, 1.0, xb - xa)
            h[:, n - 1] = np.where(same, h[:, n - 1], h[:, n - 1] + w * (xb - x))
            h[:, n] = np.where(same, 0.0, w * (x - xa))
    return h


def design_matrix(x: np.ndarray, t: np.ndarray, k: int) -> np.ndarray:
    """Dense ``BSpline.design_matrix(x, t, k)``: row i holds every B-spline at ``x[i]``.

    Examples
    --------
    >>> t = np.array([0.0, 0, 0, 0, 0.5, 1, 1, 1, 1])
    >>> design_matrix(np.array([0.0, 1.0]), t, 3).round(3).tolist()
    [[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0]]
    """
    x = np.asarray(x, dtype=np.float64)
    ell = _intervals(t, k, x)
    out = np.zeros((len(x), len(t) - k - 1))
    rows = np.arange(len(x))
    for a, values in enumerate(_de_boor(t, k, x, ell).T):
        out[rows, ell - k + a] = values
    return out


def basis_derivatives(t: np.ndarray, k: int, nu: int, x: np.ndarray) -> np.ndarray:
    """``BSpline(t, np.eye(n), k).derivative(nu)(x)``: the ``nu``-th derivative of every B-spline.

    Examples
    --------
    >>> t = np.array([0.0, 0, 0, 0, 1, 1, 1, 1])
    >>> basis_derivatives(t, 3, 2, np.array([0.0])).tolist()
    [[6.0, -12.0, 6.0, 0.0]]
    """
    n = len(t) - k - 1
    c = np.concatenate([np.eye(n), np.zeros((len(t) - n, n))])  # padded to len(t), as scipy
    for _ in range(nu):  # scipy's splder
        dt = t[k + 1 : -1] - t[1 : -k - 1]
        c = (c[1 : -1 - k] - c[: -2 - k]) * k / dt[:, None]
        c = np.concatenate([c, np.zeros((k, n))])
        t, k = t[1:-1], k - 1
    x = np.asarray(x, dtype=np.float64)
    ell = _intervals(t, k, x)
    basis = _de_boor(t, k, x, ell)
    out = np.zeros((len(x), n))
    for a in range(k + 1):  # scipy's evaluate_spline sums the terms in this order
        out += c[ell + a - k] * basis[:, a : a + 1]
    return out
