"""The XL-mHG statistic and exact p-value against xlmhg and exact rational arithmetic.

References: xlmhg 2.5.4 (tests/data/ranked/xlmhg_reference.json, made by
xlmhg_reference.py beside it) and a brute-force count over all placements with
Python fractions.
"""

from __future__ import annotations

import itertools
import json
import math
from fractions import Fraction

import numpy as np
import pytest

from conftest import DATA
from pfocr_enrich.stats.mhg import mhg_log_pvalues, mhg_pvalues, mhg_statistics

CASES = json.loads((DATA / "ranked" / "xlmhg_reference.json").read_text())


def _one(positions, N, X, L):
    K = len(positions)
    log_s, cut, hits = mhg_statistics(np.array([0, K]), np.array(positions), N, X=X, L=L)
    p = mhg_pvalues(log_s, [K], N, X=X, L=L)
    return math.exp(log_s[0]), int(cut[0]), int(hits[0]), float(p[0])


def test_statistic_and_cutoff_equal_xlmhg():
    for case in CASES:
        s, cut, hits, _ = _one(case["positions"], case["N"], case["X"], case["L"])
        assert s == pytest.approx(case["stat"], rel=1e-12, abs=0)
        assert cut == case["cutoff"]
        assert hits == sum(p < cut for p in case["positions"])


def test_pvalue_equals_xlmhg():
    # xlmhg computes 1 - P(no crossing): below ~1e-6 that subtraction loses relative digits,
    # so smaller p-values are checked against exact arithmetic instead (next test).
    checked = 0
    for case in CASES:
        if case["pvalue"] < 1e-6:
            continue
        _, _, _, p = _one(case["positions"], case["N"], case["X"], case["L"])
        assert p == pytest.approx(case["pvalue"], rel=1e-9), case
        checked += 1
    assert checked > 60


def _exact_tail(b, K, n, N):
    total = sum(math.comb(K, j) * math.comb(N - K, n - j) for j in range(b, min(K, n) + 1))
    return Fraction(total, math.comb(N, n))


def _exact_stat(positions, N, X, L):
    best = Fraction(1)
    for b, pos in enumerate(sorted(positions), start=1):
        if b >= X and pos + 1 <= L:
            best = min(best, _exact_tail(b, len(positions), pos + 1, N))
    return best


@pytest.mark.parametrize(
    ("N", "positions", "X", "L"),
    [
        (14, [0, 1, 5], 1, 14),
        (16, [0, 2, 3, 9], 2, 16),
        (15, [1, 2, 4, 5, 11], 1, 9),
        (12, [0, 1], 1, 12),
    ],
)
def test_pvalue_equals_exact_enumeration(N, positions, X, L):
    K = len(positions)
    s = _exact_stat(positions, N, X, L)
    count = sum(_exact_stat(c, N, X, L) <= s for c in itertools.combinations(range(N), K))
    exact = Fraction(count, math.comb(N, K))
    got_s, _, _, p = _one(positions, N, X, L)
    assert got_s == pytest.approx(float(s), rel=1e-13)
    assert p == pytest.approx(float(exact), rel=1e-12)


def test_tiny_pvalue_keeps_relative_accuracy():
    # all K members at the top of a long list: mHG = 1 / C(N, K) and p is a sum of a few such terms
    N, K = 400, 12
    s, cut, hits, p = _one(list(range(K)), N, 1, N)
    assert s == pytest.approx(1 / math.comb(N, K), rel=1e-12)
    assert (cut, hits) == (K, K)
    assert p == pytest.approx(1 / math.comb(N, K), rel=1e-12)  # only that placement reaches it


def test_no_qualifying_cutoff_gives_one():
    s, cut, hits, p = _one([5, 9], 10, 3, 10)  # X = 3 > K
    assert (s, cut, hits, p) == (1.0, 0, 0, 1.0)


def test_many_sets_at_once_equal_one_by_one():
    rng = np.random.default_rng(2)
    N = 300
    rows = [np.sort(rng.choice(N, k, replace=False)) for k in (5, 5, 9, 30, 5)]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    log_s, cut, hits = mhg_statistics(indptr, np.concatenate(rows), N, X=2, L=200)
    p = mhg_pvalues(log_s, np.diff(indptr), N, X=2, L=200)
    for i, r in enumerate(rows):
        one = _one(r.tolist(), N, 2, 200)
        assert one == pytest.approx((math.exp(log_s[i]), cut[i], hits[i], p[i]), rel=1e-13)


def test_exact_below_gives_the_union_bound_for_the_rest():
    log_s = np.log([1e-6, 0.2])
    exact = mhg_pvalues(log_s, [5, 5], 300)
    mixed = mhg_pvalues(log_s, [5, 5], 300, exact_below=0.5)
    assert mixed[0] == pytest.approx(exact[0], rel=1e-12)
    assert mixed[1] == 1.0 >= exact[1]  # bound 5 * 0.2, capped
    assert exact[0] <= 5 * 1e-6  # the union bound holds


def test_linear_and_log_recursions_agree():
    """The fast scaled recursion against the all-logs one, on statistics where both apply."""
    from pfocr_enrich.stats.mhg_kernels import TIE_TOL, log_factorials, log_pvalues

    rng = np.random.default_rng(7)
    N = 3000
    for K in (3, 17, 60, 150):
        rows = [np.sort(rng.choice(span, K, replace=False)) for span in (K + 5, 400, 1500, N)]
        indptr = np.arange(0, K * len(rows) + 1, K)
        log_s, _, _ = mhg_statistics(indptr, np.concatenate(rows), N, X=2, L=2500)
        scaled = log_pvalues(log_factorials(N), log_s, K, N, 2, 2500, TIE_TOL, -np.inf)
        logs = log_pvalues(log_factorials(N), log_s, K, N, 2, 2500, TIE_TOL, np.inf)
        np.testing.assert_allclose(scaled, logs, rtol=1e-11, atol=1e-11)


def test_pvalues_far_below_double_range():
    # 400 members at every other place of the top 800 of 20,000: s ~ e^-1407
    K, N = 400, 20000
    log_s, cut, hits = mhg_statistics(np.array([0, K]), np.arange(0, 2 * K, 2), N)
    assert log_s[0] < -1400 and (cut[0], hits[0]) == (799, 400)
    lp = mhg_log_pvalues(log_s, [K], N)[0]
    assert log_s[0] <= lp <= log_s[0] + math.log(K)  # s <= p <= K s, never -inf
    assert mhg_pvalues(log_s, [K], N)[0] == 0.0  # the linear value underflows: use the log


def _exact_log_pvalue_by_counts(d, u, K, N):
    """P(mHG <= s) from its checkpoints by integer counts of placements (no rounding)."""
    ways = {0: 1}
    crossed = 0
    d_prev = 0
    for di, ui in zip(d.tolist(), u.tolist()):
        kernel = [math.comb(di - d_prev, t) for t in range(min(di - d_prev, K) + 1)]
        new = [0] * (ui + 1)
        for x, wx in ways.items():
            for t, c in enumerate(kernel[: K - x + 1]):
                if x + t <= ui:
                    new[x + t] += wx * c
                else:
                    crossed += wx * c * math.comb(N - di, K - x - t)
        ways = {y: v for y, v in enumerate(new) if v}
        d_prev = di
    return math.log(crossed) - math.log(math.comb(N, K))  # exact integers, then one rounding


def _random_statistics(rng, n_cases):
    """(N, K, X, L, log_s) of random sets: spread, packed near the top, with ties and X, L."""
    for _ in range(n_cases):
        N = int(rng.integers(50, 4000))
        K = int(rng.integers(1, min(N // 2, 250)))
        span = (
            int(rng.integers(K, N + 1))
            if rng.random() < 0.7
            else min(N, K + int(rng.integers(0, 5)))
        )
        pos = np.sort(rng.choice(span, K, replace=False))
        X = 1 if rng.random() < 0.6 else int(rng.integers(1, K + 1))
        L = N if rng.random() < 0.6 else int(rng.integers(1, N + 1))
        log_s, _, _ = mhg_statistics(np.array([0, K]), pos, N, X=X, L=L)
        yield N, K, X, L, float(log_s[0])


def test_convolved_recursion_equals_scaled_one():
    """The convolution (default) against crossing_scaled, the recursion it replaced, on 400 cases.

    Statistics from random sets (many tiny: members packed at the top), X > 1, L < N, and
    the tie of two equal statistics; both also against the all-logs recursion. Differences
    are of log p (relative in p); the ``log(i!)`` table limits both to ~1e-11 (next test).
    """
    from pfocr_enrich.stats.mhg_kernels import LINEAR_ABOVE, TIE_TOL, log_factorials, log_pvalues

    rng = np.random.default_rng(14)
    diffs = []
    tiny = 0
    for N, K, X, L, log_s in _random_statistics(rng, 400):
        if log_s >= 0:
            continue
        lf = log_factorials(N)
        stats = np.array([log_s, log_s])  # a tie gives the same value twice
        new = log_pvalues(lf, stats, K, N, X, L, TIE_TOL, LINEAR_ABOVE)
        old = log_pvalues(lf, stats, K, N, X, L, TIE_TOL, LINEAR_ABOVE, False)
        logs = log_pvalues(lf, stats[:1], K, N, X, L, TIE_TOL, np.inf)
        assert new[0] == new[1]
        assert log_s - 1e-9 <= new[0] <= 0.0
        diffs.append(max(abs(new[0] - old[0]), abs(new[0] - logs[0])))
        tiny += log_s < -50
    assert len(diffs) > 300
    assert tiny > 30  # p-values far below 1e-20 among them
    assert max(diffs) < 5e-11 and np.median(diffs) < 5e-12


def test_convolved_recursion_equals_integer_counts():
    """Both recursions against exact counts of placements between the same checkpoints."""
    from pfocr_enrich.stats.mhg_kernels import (
        TIE_TOL,
        checkpoints,
        crossing_convolved,
        crossing_scaled,
        log_factorials,
    )

    rng = np.random.default_rng(3)
    checked = fell_back = 0
    for N, K, X, L, log_s in _random_statistics(rng, 150):
        if log_s >= 0 or K > 80:
            continue
        lf = log_factorials(N)
        d, u, lower = checkpoints(lf, log_s, K, N, X, L, TIE_TOL)
        if not len(d):
            continue
        floor = lower - 40.0 - 3.0 * math.log(K + 1.0)
        exact = float(_exact_log_pvalue_by_counts(d, u, K, N))
        new = crossing_convolved(lf, d, u, K, N, floor)
        fell_back += math.isnan(new)  # log_pvalue then runs crossing_scaled
        for got in (new, crossing_scaled(lf, d, u, K, N, floor)):
            assert math.isnan(got) or abs(got - exact) < 2e-11, (N, K, X, L, log_s, got, exact)
        checked += 1
    assert checked > 40 and fell_back < checked / 4


def checkpoints_by_bisection(lf, log_s, K, N, X, L, tol):
    """The checkpoints c*(b) by plain bisection of each b's cutoffs (the reference)."""
    from pfocr_enrich.stats.mhg_kernels import log_tail_from

    log_lower, d, u, prev = -np.inf, [], [], 0
    thr = log_s + tol
    for b in range(max(X, 1), K + 1):
        lo = max(b, prev)
        if lo > L or log_tail_from(lf, b, K, N - K, lo) > thr:
            continue  # c*(b) = 0: no cutoff with b hits reaches s
        good, bad = lo, L + 1  # the tail grows with the cutoff
        while bad - good > 1:
            mid = (good + bad) // 2
            if log_tail_from(lf, b, K, N - K, mid) <= thr:
                good = mid
            else:
                bad = mid
        log_lower = max(log_lower, log_tail_from(lf, b, K, N - K, good))
        if good > prev:
            d.append(good)
            u.append(b - 1)
            prev = good
    return np.array(d, dtype=np.int64), np.array(u, dtype=np.int64), log_lower


def test_checkpoint_search_equals_plain_bisection():
    """Newton-guided checkpoints equal plain bisection's, on 400 random (N, K, s, X, L)."""
    from pfocr_enrich.stats.mhg_kernels import TIE_TOL, checkpoints, log_factorials

    rng = np.random.default_rng(11)
    nonempty = 0
    for _ in range(400):
        N = int(rng.integers(2, 20000))
        K = (
            int(rng.integers(1, N // 2 + 2))
            if rng.random() < 0.3
            else int(rng.integers(1, min(N, 300) + 1))
        )
        log_s = -rng.exponential(15.0)
        X, L = int(rng.integers(1, 4)), int(rng.integers(1, N + 1))
        lf = log_factorials(N)
        d, u, low = checkpoints(lf, log_s, K, N, X, L, TIE_TOL)
        d0, u0, low0 = checkpoints_by_bisection(lf, log_s, K, N, X, L, TIE_TOL)
        assert d.tolist() == d0.tolist() and u.tolist() == u0.tolist() and low == low0
        nonempty += len(d) > 0
    assert nonempty > 200


def test_statistic_equals_every_tail_evaluated_exactly():
    """The screened statistic against the exact core at every member (random sets, X, L, ties)."""
    from pfocr_enrich.stats.hypergeom import hypergeom_logsf

    rng = np.random.default_rng(21)
    N = 2500
    rows = []
    for _ in range(300):
        K = int(rng.integers(1, 120))
        span = int(rng.integers(K, N + 1))
        rows.append(np.sort(rng.choice(span, K, replace=False)))
    rows.append(np.array([0, 1, 2, 3]))  # the top genes
    rows.append(np.array([0, 2499]))
    rows += [rows[0].copy(), rows[0].copy()]  # identical sets
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    for X, L in ((1, N), (3, 1200), (1, 40)):
        log_s, cut, hits = mhg_statistics(indptr, np.concatenate(rows), N, X=X, L=L)
        for i, r in enumerate(rows):
            b = np.arange(1, len(r) + 1)
            ok = (b >= X) & (r + 1 <= L)
            tails = hypergeom_logsf(b[ok], len(r), r[ok] + 1, N)
            best = min(0.0, tails.min()) if ok.any() else 0.0
            assert log_s[i] == best
            if best < 0:
                j = np.flatnonzero(tails <= best + 1e-12)[0]
                assert (cut[i], hits[i]) == (r[ok][j] + 1, b[ok][j])
            else:
                assert (cut[i], hits[i]) == (0, 0)


def test_convolved_recursion_stays_exact_for_a_large_set():
    """K = 300 of N = 18,000 (300 checkpoints): the convolution within 3e-11 of exact counts.

    Measured (exact integers, spread sets): K = 400, 1,000, 1,500 within 2.5e-11, 6.1e-12 and
    7.4e-12, where crossing_scaled drifts (7e-11, 4.6e-10, 1.3e-9): its log scale gathers a
    ``log(i!)``-table rounding (~1e-11 near i = N) at each checkpoint.
    """
    from pfocr_enrich.stats.mhg_kernels import (
        TIE_TOL,
        checkpoints,
        crossing_convolved,
        log_factorials,
    )

    rng = np.random.default_rng(5)
    N, K = 18000, 300
    pos = np.sort(rng.choice(N, K, replace=False))
    log_s, _, _ = mhg_statistics(np.array([0, K]), pos, N)
    lf = log_factorials(N)
    d, u, lower = checkpoints(lf, log_s[0], K, N, 1, N, TIE_TOL)
    assert len(d) > 250
    got = crossing_convolved(lf, d, u, K, N, lower - 40.0 - 3.0 * math.log(K + 1.0))
    assert abs(got - _exact_log_pvalue_by_counts(d, u, K, N)) < 3e-11
