"""Null distributions and p-values of the GSEA enrichment score: permutations and multilevel splitting.

numpy, ``scipy.special`` (trigamma) and the compiled moves of
:mod:`~pfocr_enrich.stats.gsea_kernels`. The p-value is
the one of fgsea's multilevel method (Korotkevich et al., bioRxiv 060012):

* it is sign-specific: for ``ES >= 0``, ``p = P(ES_0 >= ES) / P(ES_0 >= 0)``
  where ``ES_0`` is the enrichment score of a uniformly random set of the
  same size in the same ranking (mirrored for ``ES < 0``);
* first, ``n_perm`` random sets per size (shared by every set of that size)
  give ``P(ES_0 >= 0)``, the null means for NES and the simple estimate
  ``(n_more + 1) / (n_same + 1)``;
* where that estimate is less accurate than splitting would be, the numerator
  is estimated by adaptive multilevel splitting of ``P(ES+_0 >= ES)``
  (``ES+`` = the highest point of the walk; the two events coincide for the
  small p-values this is used for): a sample of ``sample_size`` random sets is
  repeatedly cut at its median score, the upper half is duplicated, and each
  copy is moved by Metropolis steps (move one member to a random gene or a few
  places, accepted while the score stays above the cut). Each level halves the tail
  probability, so ``log2 p`` is about minus the number of levels, and
  ``log2err`` = ``sqrt(levels * (psi1((n+1)/2) - psi1(n+1))) / ln 2`` is the
  standard deviation of ``log2 p`` (``log`` of a Beta((n+1)/2, (n+1)/2)
  median fraction per level). Tails below ``eps`` are reported as ``eps`` with
  ``log2err`` NaN.

Negative scores use the mirrored ranking: the lowest point of a walk is minus
the highest point of the walk over the reversed ranking.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

__all__ = [
    "GseaPvalues",
    "gsea_pvalues",
    "multilevel_error",
    "multilevel_tail",
    "null_scores",
    "simple_error",
]


_MAX_ROUNDS = 100  # of k proposals per set and level: where moves are this rare, stop moving


def _trigamma(x) -> np.ndarray:
    from scipy.special import polygamma

    return polygamma(1, np.asarray(x, dtype=np.float64))


def multilevel_error(pvalue, sample_size: int) -> np.ndarray:
    """Standard deviation of ``log2 p`` of a multilevel estimate (fgsea's ``log2err``).

    Examples
    --------
    >>> round(float(multilevel_error(1e-10, 101)), 4)  # 34 levels
    0.8391
    """
    p = np.asarray(pvalue, dtype=np.float64)
    levels = np.floor(-np.log2(p) + 1)
    var = _trigamma((sample_size + 1) / 2) - _trigamma(sample_size + 1)
    return np.sqrt(levels * var) / math.log(2)


def simple_error(n_more, n_same) -> np.ndarray:
    """Standard deviation of ``log2 p`` of the permutation estimate ``(n_more + 1) / (n_same + 1)``.

    The variance of ``log`` of a Beta(n_more + 1, n_same - n_more + 1) variable,
    in log2 units.

    Examples
    --------
    >>> round(float(simple_error(0, 1000)), 3)
    1.85
    """
    a = np.asarray(n_more, dtype=np.float64) + 1
    b = np.asarray(n_same, dtype=np.float64) + 2
    return np.sqrt(np.maximum(_trigamma(a) - _trigamma(b), 0.0)) / math.log(2)


def _random_sets(rng: np.random.Generator, n: int, k: int, m: int) -> np.ndarray:
    """``m`` uniform random ``k``-subsets of ``range(n)``, rows sorted."""
    out = np.empty((m, k), dtype=np.int64)
    for i in range(m):
        out[i] = rng.choice(n, size=k, replace=False, shuffle=False)
    out.sort(axis=1)
    return out


def null_scores(weights, sizes, *, n_perm: int = 1000, seed: int = 0):
    """Signed enrichment scores of ``n_perm`` random sets of each size.

    The random sets of one permutation are nested (the set of size ``k`` is the
    first ``k`` genes of one random draw), so every size costs one walk over
    its members (compiled: :func:`~pfocr_enrich.stats.gsea_kernels.nested_null_scores`;
    0.41 -> ~0.2 s on fgsea's example against numpy array passes per size),
    and the sets of one size are independent uniform samples.

    Parameters
    ----------
    weights : array_like of float, shape (n,)
        ``|score| ** p`` in ranking order.
    sizes : array_like of int
        Distinct set sizes (``1 <= k < n``).
    n_perm : int
        Random sets per size.
    seed : int
        Seed of numpy's default generator.

    Returns
    -------
    ndarray of float, shape (len(sizes), n_perm)
        Each row sorted ascending.

    Examples
    --------
    >>> null = null_scores(np.ones(100), [5, 10], n_perm=50)
    >>> null.shape, bool((np.abs(null) <= 1).all())
    ((2, 50), True)
    """
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    sizes = np.asarray(sizes, dtype=np.int64)
    out = np.empty((len(sizes), n_perm))
    if not len(sizes):
        return out
    rng = np.random.default_rng(seed)
    kmax = int(sizes.max())
    draws = np.empty((n_perm, kmax), dtype=np.int64)
    for i in range(n_perm):
        draws[i] = rng.choice(n, size=kmax, replace=False, shuffle=True)
    from .gsea_kernels import nested_null_scores  # imports numba: only when needed

    ascending = np.argsort(sizes, kind="stable")
    # the kernel releases the GIL: parts of >= 100 permutations run on every core (each
    # permutation's draws are fixed above, so the split does not change the scores)
    threads = max(1, min(os.cpu_count() or 1, n_perm // 100))
    parts = np.array_split(np.arange(n_perm), threads)
    scores = [np.empty((len(sizes), len(part))) for part in parts]

    def score(i: int) -> None:
        nested_null_scores(draws[parts[i]], sizes[ascending], w, n, scores[i])

    with ThreadPoolExecutor(len(parts)) as pool:
        list(pool.map(score, range(len(parts))))
    out[ascending] = np.sort(np.concatenate(scores, axis=1), axis=1)
    return out


def multilevel_tail(
    weights,
    k: int,
    gammas,
    *,
    sample_size: int = 101,
    eps: float = 1e-50,
    seed: int = 0,
    n_moves: int | None = None,
) -> np.ndarray:
    """Multilevel-splitting estimates of ``P(ES+_0 >= gamma)`` for random ``k``-sets.

    Parameters
    ----------
    weights : array_like of float, shape (n,)
        ``|score| ** p`` in ranking order.
    k : int
        Set size, ``1 <= k < n``.
    gammas : array_like of float
        Thresholds (> 0), any order; all are answered from one chain of levels.
    sample_size : int
        Random sets per level (odd; fgsea's ``sampleSize``).
    eps : float
        Stop below this probability: such tails are returned as 0.
    seed : int
        Seed of numpy's default generator.
    n_moves : int, optional
        Accepted member moves per set and level (default ``max(10, 3 k // 2)``;
        fgsea moves each member once, ``k``, which in the checks against exact
        unweighted tails left dense sets (k = 60 of n = 600) over-dispersed:
        the spread of log2 p at 3e-13 was 1.25 bits over 24 seeds against a
        ``log2err`` of 0.93; ``3 k // 2`` gave 0.85; ``k // 2`` also biased
        deep tails ~0.9 bits low).

    Returns
    -------
    ndarray of float, shape like ``gammas``

    Examples
    --------
    >>> p = multilevel_tail(np.ones(200), 10, [0.5], seed=1)  # exact: 0.00537
    >>> bool(0.0054 / 2 < p[0] < 0.0054 * 2)
    True
    """
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    g = np.asarray(gammas, dtype=np.float64)
    rng = np.random.default_rng(seed)
    moves = max(10, 3 * k // 2) if n_moves is None else n_moves
    from .gsea_kernels import split_levels  # imports numba: only when needed

    pos = _random_sets(rng, n, k, sample_size)
    order = np.argsort(g.ravel(), kind="stable")
    tails = split_levels(pos, w, n, g.ravel()[order], eps, moves, _MAX_ROUNDS, rng)
    out = np.empty(g.size)
    out[order] = tails
    return out.reshape(g.shape)


class GseaPvalues:
    """Per-set p-values, errors and normalised scores from :func:`gsea_pvalues` (shape (n_sets,))."""

    __slots__ = ("log2err", "n_more", "n_same", "nes", "pvalue", "splitting")

    def __init__(self, pvalue, log2err, nes, n_more, n_same, splitting) -> None:
        self.pvalue, self.log2err, self.nes = pvalue, log2err, nes
        self.n_more, self.n_same, self.splitting = n_more, n_same, splitting

    def __repr__(self) -> str:
        return f"GseaPvalues({len(self.pvalue)} sets, {int(self.splitting.sum())} by splitting)"


def gsea_pvalues(
    weights,
    sizes,
    es,
    *,
    n_perm: int = 1000,
    sample_size: int = 101,
    eps: float = 1e-50,
    seed: int = 0,
    n_moves: int | None = None,
) -> GseaPvalues:
    """Sign-specific p-values, their log2 errors and NES of enrichment scores (see module docstring).

    Sets of equal size share their random sets (and, per sign, one chain of
    splitting levels).

    Parameters
    ----------
    weights : array_like of float, shape (n,)
        ``|score| ** p`` in ranking order.
    sizes : array_like of int, shape (n_sets,)
        Ranked members per set (``1 <= k < n``).
    es : array_like of float, shape (n_sets,)
        Signed enrichment scores (finite).
    n_perm, sample_size, eps, seed, n_moves
        Random sets per size for the first stage; see :func:`multilevel_tail`.

    Returns
    -------
    GseaPvalues
        ``pvalue`` (``eps`` when below it), ``log2err`` (NaN then), ``nes``,
        ``n_more`` / ``n_same`` (the permutation counts) and ``splitting``
        (True where the multilevel estimate is used).

    Examples
    --------
    >>> r = gsea_pvalues(np.ones(300), [10, 10], [0.9, -0.1], n_perm=200)
    >>> bool(r.pvalue[0] < 1e-4), bool(r.pvalue[1] > 0.5)
    (True, True)
    """
    w = np.asarray(weights, dtype=np.float64)
    sizes = np.asarray(sizes, dtype=np.int64)
    es = np.asarray(es, dtype=np.float64)
    m = len(es)
    distinct, which = np.unique(sizes, return_inverse=True)
    null = null_scores(w, distinct, n_perm=n_perm, seed=seed)
    pos = es >= 0
    # a random set whose members all weigh 0 (scores of exactly 0) has no score (NaN, sorted
    # last): it counts on neither side, so p is conditional on a defined score
    n_valid = np.array([np.count_nonzero(~np.isnan(r)) for r in null])
    n_ge0 = n_valid - np.array([np.searchsorted(r, 0.0, side="left") for r in null])
    n_le0 = np.array([np.searchsorted(r, 0.0, side="right") for r in null])
    n_more = np.empty(m, dtype=np.int64)
    for row in range(len(distinct)):
        sel = which == row
        r = null[row]
        e = es[sel]
        n_more[sel] = np.where(
            e >= 0,
            n_valid[row] - np.searchsorted(r, e, side="left"),
            np.searchsorted(r, e, side="right"),
        )
    n_same = np.where(pos, n_ge0[which], n_le0[which])
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pos = np.array([r[r >= 0].mean() if (r >= 0).any() else np.nan for r in null])
        mean_neg = np.array([-r[r <= 0].mean() if (r <= 0).any() else np.nan for r in null])
        nes = np.where(pos, es / mean_pos[which], es / mean_neg[which])
    pvalue = np.minimum(1.0, (n_more + 1) / (n_same + 1))
    log2err = simple_error(n_more, n_same)
    splitting = log2err > multilevel_error(pvalue, sample_size)
    jobs = []  # one chain of levels per (sign, size), each with its own seed
    for sign in (1, -1):
        wanted = splitting & (pos if sign > 0 else ~pos)
        ww = np.ascontiguousarray(w if sign > 0 else w[::-1])
        for row in np.unique(which[wanted]):
            k = int(distinct[row])
            sel = np.flatnonzero(wanted & (which == row))
            jobs.append((sel, ww, k, sign * es[sel], seed + 7919 * k + (sign < 0)))

    def run(job):
        sel, ww, k, gammas, job_seed = job
        return multilevel_tail(
            ww, k, gammas, sample_size=sample_size, eps=eps, seed=job_seed, n_moves=n_moves
        )

    # the compiled moves release the GIL: chains run on every core, largest first; each
    # chain's seed is fixed, so the results do not depend on the threads' timing
    jobs.sort(key=lambda job: -job[2])
    threads = max(1, min(len(jobs), os.cpu_count() or 1))
    with ThreadPoolExecutor(threads) as pool:
        tails = list(pool.map(run, jobs))
    for (sel, *_), tail in zip(jobs, tails):
        denom = (n_same[sel] + 1) / (n_perm + 1)
        p = np.minimum(1.0, tail / denom)
        below = p < eps
        pvalue[sel] = np.where(below, eps, p)
        log2err[sel] = np.where(below, np.nan, multilevel_error(np.maximum(p, eps), sample_size))
    return GseaPvalues(pvalue, log2err, nes, n_more, n_same, splitting)
