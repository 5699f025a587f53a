"""Compiled inner loops of the GSEA null: Metropolis moves of random sets above a score threshold.

Multilevel splitting (:mod:`~pfocr_enrich.stats.gsea_null`) spends nearly all
its time moving the members of 101 random sets, one proposal at a time, each
accepted only while the set's highest running-sum point stays at or above the
level's cut. One proposal is a handful of integer operations and one walk over
``k`` members, so it is written as a loop compiled by numba: the same loop as
array operations over all 101 sets (one array call per round) measured 9.4 s
on fgsea's example against this module's ~0.5 s (docs/ranked.md, "Speed").

This module imports numba, so the package imports it only when the first
p-value needs splitting (:mod:`~pfocr_enrich.stats.gsea_null` imports it
there; numba costs ~0.3 s to import). Compiled code is cached on disk (numba's
``cache=True``: next to this file, or in the user cache when that is
read-only); the functions are module-level because numba cannot cache closures.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["move_samples", "top_scores"]

# compiled on first call and cached on disk; nogil: chains of different sizes run on threads
njit = numba.njit(cache=True, nogil=True)


@njit
def first_crossing(row, w, n, cut):
    """(index, member weight through it, total member weight) of the walk's first point >= cut.

    The index is -1 when the walk never reaches ``cut``. Same arithmetic as
    ``top_scores``, so a set scored there at exactly ``cut`` reaches it here.
    """
    k = row.shape[0]
    total = 0.0
    for j in range(k):
        total += w[row[j]]
    c = 0.0
    for j in range(k):
        c += w[row[j]]
        if c / total - (row[j] - j) / (n - k) >= cut:
            return j, c, total
    return -1, c, total


@njit
def top_scores(pos, w, n):
    """ES+ (the walk's highest point just after a member) of every row of sorted positions.

    Examples
    --------
    >>> float(top_scores(np.array([[0, 1]]), np.ones(4), 4)[0])
    1.0
    """
    m, k = pos.shape
    out = np.empty(m)
    for s in range(m):
        total = 0.0
        for j in range(k):
            total += w[pos[s, j]]
        c = 0.0
        best = -np.inf
        for j in range(k):
            c += w[pos[s, j]]
            v = c / total - (pos[s, j] - j) / (n - k)
            if v > best:
                best = v
        out[s] = best
    return out


@njit
def move_member(row, i, b, place):
    """Move member ``i`` of a sorted row to gene ``b`` (not a member; ``place`` =
    ``searchsorted(row, b)``), shifting the members between; returns b's new index."""
    if place > i:
        for t in range(i, place - 1):
            row[t] = row[t + 1]
        j = place - 1
    else:
        for t in range(i, place, -1):
            row[t] = row[t - 1]
        j = place
    row[j] = b
    return j


@njit
def undo_move(row, i, j, a):
    """Put gene ``a`` back at index ``i``, undoing the move that left its replacement at ``j``."""
    if j > i:
        for t in range(j, i, -1):
            row[t] = row[t - 1]
    else:
        for t in range(j, i):
            row[t] = row[t + 1]
    row[i] = a


@njit
def move_samples(pos, w, n, cut, n_moves, max_rounds, rng):
    """Metropolis moves of each row of ``pos`` (in place) among sets whose ES+ stays >= ``cut``.

    A proposal moves one member chosen uniformly: alternately to a uniformly
    random gene, or by 1 to ``n // k`` places either way. A proposal onto a
    member or off the ranking is rejected, so both kinds are symmetric and
    the uniform distribution over the sets above ``cut`` is stationary.
    Every row gets the same number of proposals: rounds of ``n_moves // 4``
    proposals per row run until the rows have accepted ``n_moves`` moves on average
    (or ``max_rounds`` rounds). Stopping a row after its own count of
    accepted moves would not do: that samples the chain's jumps, which
    favour sets where moves are easy (high scores), and biases tails high.
    Returns the number of accepted moves over all rows.
    """
    m, k = pos.shape
    span = max(1, n // k)
    per_round = max(1, n_moves // 4)
    # per row, a witness: a member whose walk point is >= cut, as (member index, member
    # weight up to and including it, total member weight); a move is checked at the witness
    # in O(1) and the whole walk is rescanned only when that check fails
    wit_j = np.empty(m, np.int64)
    wit_c = np.empty(m)
    wit_t = np.empty(m)
    for s in range(m):
        wit_j[s], wit_c[s], wit_t[s] = first_crossing(pos[s], w, n, cut)
    accepted = 0
    for _ in range(max_rounds):
        if accepted >= n_moves * m:
            break
        for s in range(m):
            row = pos[s]
            wj, wc, total = wit_j[s], wit_c[s], wit_t[s]
            if wj < 0:
                continue
            for proposal in range(per_round):
                # one uniform draw gives the member and, from its fraction left over, the move
                # (that fraction keeps 53 - log2(k) bits: far more than a gene index needs)
                u = rng.random() * k
                i = int(u)
                u -= i
                a = row[i]
                if proposal % 2 == 0:
                    b = int(u * n)
                else:
                    step = int(u * 2 * span)
                    b = a + step + 1 if step < span else a - (step - span) - 1
                    if b < 0 or b >= n:
                        continue
                place = np.searchsorted(row, b)
                if place < k and row[place] == b:
                    continue  # already a member
                p = row[wj]
                if a != p:
                    # the witness gene after the move: members at or before it, and their weight
                    j2 = wj - (a < p) + (b < p)
                    c2 = wc - (w[a] if a < p else 0.0) + (w[b] if b < p else 0.0)
                    t2 = total - w[a] + w[b]
                    if c2 / t2 - (p - j2) / (n - k) >= cut:
                        move_member(row, i, b, place)
                        wj, wc, total = j2, c2, t2
                        accepted += 1
                        continue
                j = move_member(row, i, b, place)
                cj, cc, ct = first_crossing(row, w, n, cut)
                if cj >= 0:
                    wj, wc, total = cj, cc, ct
                    accepted += 1
                else:
                    undo_move(row, i, j, a)
            wit_j[s], wit_c[s], wit_t[s] = wj, wc, total
    return accepted
