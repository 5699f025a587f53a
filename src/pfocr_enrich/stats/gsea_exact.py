"""Exact tails of the GSEA enrichment score where they can be computed: the unweighted
statistic (a lattice-path recursion) and small sets (enumeration).

Pure numpy. These are the references the multilevel estimates are checked
against (``tests/stats/test_gsea_null.py``).

For the unweighted statistic (``p = 0``) every member step is ``+1/k`` and every
other step ``-1/(n - k)``, so the walk after ``t`` genes with ``h`` members is
``h/k - (t - h)/(n - k)``: ``ES+ >= gamma`` exactly when the path of a uniformly
random ``k``-subset touches the line ``h (n - k) - (t - h) k >= gamma k (n - k)``.
The recursion carries, gene by gene, the probability of each ``h`` among paths
that have not touched it yet, and adds up (without subtraction, so tails far
below 1e-16 keep their relative accuracy) the mass that touches it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from .gsea import scores_of_positions

__all__ = ["enumerate_scores", "unweighted_tail"]


def unweighted_tail(n: int, k: int, gammas) -> np.ndarray:
    """Exact ``P(ES+ >= gamma)`` of the unweighted walk of a random ``k``-subset of ``n`` genes.

    Parameters
    ----------
    n, k : int
        Ranked genes and set size, ``1 <= k < n``.
    gammas : array_like of float
        Thresholds in (0, 1].

    Returns
    -------
    ndarray of float, shape like ``gammas``

    Examples
    --------
    >>> float(unweighted_tail(4, 2, [1.0])[0])  # both members first: 1 / C(4, 2)
    0.16666666666666666
    """
    g = np.asarray(gammas, dtype=np.float64)
    flat = g.ravel()
    # integer form of the line; the float gamma of an attained point sits within rounding of it
    line = flat * k * (n - k) * (1 - 1e-12) - 1e-9
    h = np.arange(k + 1, dtype=np.float64)
    alive = np.zeros((len(flat), k + 1))
    alive[:, 0] = 1.0
    hit = np.zeros(len(flat))
    for t in range(n):
        p_hit = np.where(h < k, (k - h) / (n - t), 0.0)
        up = alive * p_hit  # mass moving from h to h + 1 at gene t
        stay = alive - up
        new_h = h + 1
        touches = new_h * (n - k) - (t - h) * k >= line[:, None]
        hit += np.where(touches, up, 0.0).sum(axis=1)
        moved = np.where(touches, 0.0, up)
        alive = stay
        alive[:, 1:] += moved[:, :-1]
    return hit.reshape(g.shape)


def enumerate_scores(weights, k: int) -> np.ndarray:
    """Signed ES, ES+ and ES- of every ``k``-subset of a short ranking (all ``C(n, k)`` of them).

    Parameters
    ----------
    weights : array_like of float, shape (n,)
        ``|score| ** p`` in ranking order; keep ``C(n, k)`` below a few million.
    k : int
        Set size.

    Returns
    -------
    ndarray of float, shape (C(n, k), 3)
        Columns ES, ES+, ES-.

    Examples
    --------
    >>> s = enumerate_scores(np.ones(4), 2)
    >>> s.shape, float((s[:, 1] >= 1.0).mean())
    ((6, 3), 0.16666666666666666)
    """
    w = np.asarray(weights, dtype=np.float64)
    n = len(w)
    count = math.comb(n, k)
    pos = np.fromiter(
        itertools.chain.from_iterable(itertools.combinations(range(n), k)),
        dtype=np.int64,
        count=count * k,
    ).reshape(count, k)
    es, hi, lo, _ = scores_of_positions(pos, w, n)
    return np.column_stack([es, hi, lo])
