"""Compiled inner loops of the GSEA null: Metropolis moves of random sets above a score threshold.

Multilevel splitting (:mod:`~pfocr_enrich.stats.gsea_null`) spends nearly all
its time moving the members of 101 random sets, one proposal at a time, each
accepted only while the set's highest running-sum point stays at or above the
level's cut. One proposal is a handful of integer operations and, now and
then, a walk over the set, so it is written as a loop compiled by numba: the
same loop as array operations over all 101 sets (one array call per round)
measured 9.4 s on fgsea's example against this module's ~0.5 s
(docs/ranked.md, "Speed"; that was before the bitmaps of :func:`move_samples`).

This module imports numba, so the package imports it only when the first
GSEA null is drawn (:mod:`~pfocr_enrich.stats.gsea_null` imports it there;
numba costs ~0.3 s to import). Compiled code is cached on disk (numba's
``cache=True``: next to this file, or in the user cache when that is
read-only); the functions are module-level because numba cannot cache closures.
"""

from __future__ import annotations

import numba
import numpy as np

# count trailing zeros by de Bruijn multiplication: for a numba without the intrinsic below
_DEBRUIJN = 0x03F79D71B4CB0A89
_TZ = np.zeros(64, np.int64)
for _i in range(64):
    _TZ[(((1 << _i) * _DEBRUIJN) & (2**64 - 1)) >> 58] = _i


@numba.njit(cache=True, nogil=True)
def trailing_zeros_debruijn(word):
    """Index of the lowest set bit of a nonzero uint64."""
    low = word & (~word + np.uint64(1))
    return _TZ[(low * np.uint64(_DEBRUIJN)) >> np.uint64(58)]


try:  # numba's count-trailing-zeros intrinsic (one instruction); not a public module
    from numba.cpython.unsafe.numbers import trailing_zeros
except ImportError:  # pragma: no cover - depends on the numba version
    trailing_zeros = trailing_zeros_debruijn

__all__ = ["move_samples", "nested_null_scores", "top_scores"]

# compiled on first call and cached on disk; nogil: chains of different sizes run on threads;
# numpy's error model: a set whose members all weigh 0 divides by a zero total and gets NaN
# (no score), as in numpy, where numba's default would raise ZeroDivisionError
njit = numba.njit(cache=True, nogil=True, error_model="numpy")

_ONE = np.uint64(1)
_NEAR = 1e-9  # margin of the fast bounds in walk_crossing: rounding and drifted sums are ~1e-13
# A walk point within _TIE below the cut counts as reaching it. Sums taken in another order
# (skipped blocks, totals updated move by move) differ from top_scores' in the last bits, and
# a point exactly at the cut (the median set's copies; moves between genes of equal weight)
# must stay above it however it was summed. The unweighted statistic's values lie
# 1 / (k (n - k)) apart (> 1e-10 for rankings of < 200,000 genes): none moves across.
_TIE = 1e-12


@njit
def _bit(p):
    return _ONE << np.uint64(p & 63)


@njit
def walk_crossing(bits, w, n, k, cut, total, wsum, cnt, sbsum, sbcnt):
    """(position, member index, member weight through it) of the walk's first point >= cut.

    The members are the set bits of ``bits`` (64 genes a word, 8 words a
    block); position -1 when no point reaches ``cut``. A block or word is
    skipped whole when even all its weight (``sbsum``/``wsum``; member counts
    ``sbcnt``/``cnt``) at its start stays below ``cut``, and the walk stops
    once all remaining weight at once could not reach it: after the few top
    words, a walk that fails costs a check per block rather than per member.
    Candidates are confirmed with the arithmetic of :func:`top_scores`, to ``_TIE``.
    Measured on fgsea's example's deepest levels (k = 369): 8.6 ms a level
    walking every member, 3.6 with words, 3.1 with blocks; the 120k-set
    synthetic library's chains 6.0 -> 4.9 s of CPU from blocks.
    """
    d = n - k
    inv, invd = 1.0 / total, 1.0 / d
    near = cut - _TIE - _NEAR
    c = 0.0
    j = 0
    n_words = bits.shape[0]
    for sb in range(sbsum.shape[0]):
        if sbcnt[sb] == 0:
            continue
        q0 = sb * 512 - j
        if 1.0 - q0 * invd < near:
            break
        if (c + sbsum[sb]) * inv - q0 * invd < near:
            c += sbsum[sb]
            j += sbcnt[sb]
            continue
        for wi in range(sb * 8, min(sb * 8 + 8, n_words)):
            word = bits[wi]
            if word == 0:
                continue
            if (c + wsum[wi]) * inv - (wi * 64 + trailing_zeros(word) - j) * invd < near:
                c += wsum[wi]
                j += cnt[wi]
                continue
            while word:
                p = wi * 64 + trailing_zeros(word)
                c += w[p]
                if c * inv - (p - j) * invd >= near and c / total - (p - j) / d >= cut - _TIE:
                    return p, j, c
                j += 1
                word &= word - _ONE
    return -1, j, c


@njit
def _add_member(bits, wsum, cnt, sbsum, sbcnt, w, p):
    bits[p >> 6] |= _bit(p)
    wsum[p >> 6] += w[p]
    cnt[p >> 6] += 1
    sbsum[p >> 9] += w[p]
    sbcnt[p >> 9] += 1


@njit
def _swap_member(bits, wsum, cnt, sbsum, sbcnt, w, a, b):
    """Gene ``a`` leaves the set, gene ``b`` joins it."""
    bits[a >> 6] &= ~_bit(a)
    wsum[a >> 6] -= w[a]
    cnt[a >> 6] -= 1
    sbsum[a >> 9] -= w[a]
    sbcnt[a >> 9] -= 1
    _add_member(bits, wsum, cnt, sbsum, sbcnt, w, b)


@njit
def top_scores(pos, w, n):
    """ES+ (the walk's highest point just after a member) of every row of sorted positions.

    Examples
    --------
    >>> float(top_scores(np.array([[0, 1]]), np.ones(4), 4)[0])
    1.0
    """
    return top_scores_and_peaks(pos, w, n)[0]


@njit
def top_scores_and_peaks(pos, w, n):
    """ES+ of every row of sorted positions, and where it is: (score, peak gene, its index,
    member weight through it, total member weight), each of shape (rows,)."""
    m, k = pos.shape
    score = np.empty(m)
    peak_p = np.empty(m, np.int64)
    peak_j = np.empty(m, np.int64)
    peak_c = np.empty(m)
    totals = np.empty(m)
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
                peak_p[s], peak_j[s], peak_c[s] = pos[s, j], j, c
        score[s] = best
        totals[s] = total
    return score, peak_p, peak_j, peak_c, totals


@njit
def move_samples(pos, w, n, cut, n_moves, max_rounds, rng):
    """:func:`move_from_peaks` from the rows' own peaks (rows sorted, every ES+ >= ``cut``)."""
    _, peak_p, peak_j, peak_c, totals = top_scores_and_peaks(pos, w, n)
    return move_from_peaks(pos, w, n, cut, n_moves, max_rounds, rng, peak_p, peak_j, peak_c, totals)


@njit
def move_from_peaks(pos, w, n, cut, n_moves, max_rounds, rng, wit_p, wit_j, wit_c, wit_t):
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
    Returns the number of accepted moves over all rows; rows come back sorted.

    While moving, a set is a bitmap over the ranking (a move flips two bits)
    and its members in ``pos[s]`` are unordered. Each set keeps a witness: a
    walk point >= cut, as (gene, members before it, member weight through
    it, total member weight), starting from the row's peak (``wit_*``, from
    :func:`top_scores_and_peaks`; updated in place); a move is checked there
    in O(1), and the walk is rescanned (:func:`walk_crossing`) only when that
    check fails. (Starting from the peaks rather than from a walk per row
    saved ~2 %: 4.92 -> 4.82 s of CPU over the 120k-set library's chains.) On fgsea's example
    this took the moves from 4.4 to 1.9 s of CPU against a sorted member
    array (whose every move shifted ~k/3 entries and whose rescans walked
    every member).
    """
    m, k = pos.shape
    d = n - k
    span = max(1, n // k)
    per_round = max(1, n_moves // 4)
    n_words = (n + 63) // 64
    bits = np.zeros((m, n_words), np.uint64)
    wsum = np.zeros((m, n_words))
    cnt = np.zeros((m, n_words), np.int64)
    n_sb = (n + 511) // 512
    sbsum = np.zeros((m, n_sb))
    sbcnt = np.zeros((m, n_sb), np.int64)
    for s in range(m):
        for j in range(k):
            _add_member(bits[s], wsum[s], cnt[s], sbsum[s], sbcnt[s], w, pos[s, j])
        if not wit_c[s] / wit_t[s] - (wit_p[s] - wit_j[s]) / d >= cut - _TIE:
            wit_p[s] = -1  # a row below the cut does not move
    accepted = 0
    for _ in range(max_rounds):
        if accepted >= n_moves * m:
            break
        for s in range(m):
            row, bs, ws, cs, ss, sc = pos[s], bits[s], wsum[s], cnt[s], sbsum[s], sbcnt[s]
            wp, wj, wc, total = wit_p[s], wit_j[s], wit_c[s], wit_t[s]
            if wp < 0:
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
                if bs[b >> 6] & _bit(b):
                    continue  # already a member
                t2 = total - w[a] + w[b]
                if a != wp:
                    # the witness gene after the move: members before it, and their weight
                    j2 = wj - (a < wp) + (b < wp)
                    c2 = wc - (w[a] if a < wp else 0.0) + (w[b] if b < wp else 0.0)
                    if c2 / t2 - (wp - j2) / d >= cut - _TIE:
                        _swap_member(bs, ws, cs, ss, sc, w, a, b)
                        row[i] = b
                        wj, wc, total = j2, c2, t2
                        accepted += 1
                        continue
                _swap_member(bs, ws, cs, ss, sc, w, a, b)
                cp, cj, cc = walk_crossing(bs, w, n, k, cut, t2, ws, cs, ss, sc)
                if cp >= 0:
                    row[i] = b
                    wp, wj, wc, total = cp, cj, cc, t2
                    accepted += 1
                else:
                    _swap_member(bs, ws, cs, ss, sc, w, b, a)
            wit_p[s], wit_j[s], wit_c[s], wit_t[s] = wp, wj, wc, total
    for s in range(m):  # rows back in ranking order, read off the bitmaps
        j = 0
        for wi in range(n_words):
            word = bits[s, wi]
            while word:
                pos[s, j] = wi * 64 + trailing_zeros(word)
                j += 1
                word &= word - _ONE
    return accepted


@njit
def nested_null_scores(draws, sizes, w, n, out):
    """Signed ES of the nested random sets of each permutation: ``out[i, r]`` for the set of
    the first ``sizes[i]`` genes of ``draws[r]`` (``sizes`` ascending; ``out`` is written).

    The members are kept sorted by inserting each size's new draws, so every
    size costs one walk over its members; the arithmetic is that of
    :func:`~pfocr_enrich.stats.gsea.scores_of_positions` (ES+ at a member, ES-
    just before one; the larger in size wins, 0 on a tie), except that the
    total weight is summed in ranking order rather than pairwise (equal for
    integer weights, such as the unweighted statistic's).
    """
    n_perm, kmax = draws.shape
    members = np.empty(kmax, np.int64)
    for r in range(n_perm):
        have = 0
        for i in range(sizes.shape[0]):
            k = sizes[i]
            while have < k:  # insertion into the sorted members
                g = draws[r, have]
                t = have
                while t > 0 and members[t - 1] > g:
                    members[t] = members[t - 1]
                    t -= 1
                members[t] = g
                have += 1
            total = 0.0
            for j in range(k):
                total += w[members[j]]
            c = 0.0
            hi = -np.inf
            lo = np.inf
            for j in range(k):
                p = members[j]
                c += w[p]
                top = c / total - (p - j) / (n - k)
                bottom = top - w[p] / total
                if top > hi:
                    hi = top
                if bottom < lo:
                    lo = bottom
            if not (np.isfinite(hi) and np.isfinite(lo)):
                out[i, r] = np.nan
            elif hi > -lo:
                out[i, r] = hi
            elif hi < -lo:
                out[i, r] = lo
            else:
                out[i, r] = 0.0


@njit
def split_levels(pos, w, n, gammas, eps, n_moves, max_rounds, rng):
    """Multilevel-splitting tails ``P(ES+ >= gamma)`` from a starting sample of sorted rows.

    ``gammas`` ascending; returns their tails (0 below ``eps``). Each level
    cuts the sample at its median ES+, answers the thresholds below the cut,
    duplicates the upper half to a full sample and moves it
    (:func:`move_samples`); see :func:`~pfocr_enrich.stats.gsea_null.multilevel_tail`.
    The whole loop is compiled so that chains on threads never wait for the GIL
    (as a Python loop it held ~0.1 ms per level: 0.19 s of CPU over the 1,685 levels
    of fgsea's example).
    """
    m = pos.shape[0]
    out = np.zeros(gammas.shape[0])
    score, peak_p, peak_j, peak_c, totals = top_scores_and_peaks(pos, w, n)
    first = 0  # gammas[:first] are answered
    log2_level = 0.0  # the sample is conditioned on an event of probability 2 ** log2_level
    log2_eps = np.log2(eps)
    max_levels = int(np.ceil(-log2_eps)) + 1
    for _ in range(max_levels + 1):
        cut = np.sort(score)[(m - 1) // 2]
        keep = np.flatnonzero(score >= cut - _TIE)  # the region the moves keep to
        # P(ES+ >= cut | this level): 1/2 for a continuous score (the median counted as half);
        # more when scores tie at the cut (the unweighted statistic lives on a lattice)
        step = np.log2((len(keep) - 0.5) / m)
        last = first
        if log2_level + step < log2_eps:
            last = gammas.shape[0]
        while last < gammas.shape[0] and gammas[last] < cut:
            last += 1
        for i in range(first, last):
            out[i] = 2.0**log2_level * np.mean(score >= gammas[i] - _TIE)
        first = last
        if first == gammas.shape[0]:
            break
        # the upper half, duplicated to a full sample, then moved to forget its parents
        pick = keep[rng.integers(0, len(keep), m)]
        pick[: len(keep)] = keep
        pos = pos[pick]
        peak_p, peak_j, peak_c, totals = peak_p[pick], peak_j[pick], peak_c[pick], totals[pick]
        move_from_peaks(pos, w, n, cut, n_moves, max_rounds, rng, peak_p, peak_j, peak_c, totals)
        score, peak_p, peak_j, peak_c, totals = top_scores_and_peaks(pos, w, n)
        log2_level += step
    for i in range(out.shape[0]):
        if out[i] < eps:
            out[i] = 0.0
    return out
