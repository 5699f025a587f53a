"""Multiple-testing corrections (statsmodels' methods), also for families given as tied p-values."""

from __future__ import annotations

import numpy as np

__all__ = ["CORRECTION_METHODS", "adjust_pvalues", "adjust_tied_pvalues", "bh_uncapped_tied"]


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
    p = np.asarray(pvalues, dtype=np.float64)
    if p.size == 0:
        return p.copy()
    if method == "fdr_bh" and not np.isnan(p).any():
        # statsmodels' fdrcorrection, operation for operation (bitwise equal, tests/stats/
        # test_hypergeom.py), without importing statsmodels: it imports scipy.stats, 0.35 s
        # quiet and 1.1 s under load of a cold pe.mhg call (the ranked benchmarks)
        order = np.argsort(p, kind="stable")  # ties get one value whatever their order
        raw = p[order] / (np.arange(1, p.size + 1) / float(p.size))
        adjusted = np.minimum.accumulate(raw[::-1])[::-1]
        adjusted[adjusted > 1] = 1
        out = np.empty_like(adjusted)
        out[order] = adjusted
        return out
    from statsmodels.stats.multitest import multipletests

    with np.errstate(
        divide="ignore"
    ):  # Sidak variants take log1p(-p): -inf at p = 1 gives 1, correctly
        return multipletests(p, method=method, is_sorted=False, returnsorted=False)[1]


def bh_uncapped_tied(p: np.ndarray, counts: np.ndarray) -> np.ndarray:
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
    scaled = bh_uncapped_tied(p, c)
    if method == "fdr_bh":
        return np.minimum(scaled, 1.0), scaled
    order = np.argsort(p, kind="stable")
    expanded = adjust_pvalues(np.repeat(p[order], c[order]), method)
    adjusted = np.empty_like(p)
    adjusted[order] = expanded[np.cumsum(c[order]) - c[order]]  # first copy of each value
    return adjusted, scaled
