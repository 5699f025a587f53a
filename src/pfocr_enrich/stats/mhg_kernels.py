"""Compiled exact p-values of the XL-mHG statistic: checkpoints, then a walk between them.

For a set of ``K`` members in a ranking of ``N`` genes and a statistic ``s``
(:mod:`~pfocr_enrich.stats.mhg`), member count ``b`` reaches a tail ``<= s``
exactly when the ``b``-th member lies within the first ``c*(b)`` genes
(``c*(b)``: the last cutoff ``<= L`` whose tail at ``b`` hits is ``<= s``). So
``P(mHG <= s)`` is the probability that a uniformly random placement has, at
some checkpoint ``d = c*(b)``, more than ``u = b - 1`` members among the first
``d`` genes. ``c*`` never decreases with ``b``, so the checkpoints ``d_1 < d_2
< ...`` carry increasing bounds ``u_1 < u_2 < ...``, and the count of members
among the first ``d_i`` genes is a Markov chain over the checkpoints: given
``x`` members among the first ``d_{i-1}``, the members among the next
``d_i - d_{i-1}`` genes are hypergeometric (``K - x`` members left among the
``N - d_{i-1}`` genes left). A dynamic programme over at most ``K``
checkpoints and ``K`` counts carries the probability of each count among the
placements that have not crossed yet, and adds up the mass that crosses (summed
term by term: nothing is subtracted, so tiny p-values keep their digits). It
costs ``O(K^3)`` at worst and does not depend on ``N``, where the
position-by-position recursion it replaced cost ``O(K N)`` (docs/ranked.md,
"Speed"). :func:`crossing_convolved` runs it as a convolution with one kernel
per checkpoint (the default); :func:`crossing_scaled` per count with
hypergeometric terms (its fallback); :func:`crossing_in_logs` all in logs
(statistics below ``e^-600``).

Logs carry every probability that may underflow: a p-value is returned as its
natural log. Hypergeometric terms come from a table of ``log(i!)``
(:func:`log_factorials`, scipy's ``gammaln``) at one anchor per count and
ratios of neighbouring terms from there; ``log(i!)`` near ``i = N`` has an
absolute error near ``1e-11``, so a tail within ``TIE_TOL``
(relative) of ``s`` counts as ``<= s`` (ties such as the observed cutoff itself
must count).
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy.special import gammaln

__all__ = ["LINEAR_ABOVE", "TIE_TOL", "log_factorials", "log_pvalues"]

# compiled on first call and cached on disk (numba cannot cache closures: module level);
# nogil: sets of different sizes run on threads. Imported by stats/mhg.py when first needed.
njit = numba.njit(cache=True, nogil=True)

TIE_TOL = 1e-9
# Above this log statistic the recursion runs in linear arithmetic scaled per checkpoint: it
# drops hit counts whose probability is below e^-690 of the likeliest, which cannot matter to a
# p-value of at least s > e^-600 (p >= s for an observed s). Below, every probability is a log.
LINEAR_ABOVE = -600.0


def log_factorials(n: int):
    """``log(i!)`` for ``i = 0..n``: the table every compiled function reads (``lf``).

    Examples
    --------
    >>> float(log_factorials(5)[5]).__round__(6) == round(math.log(120), 6)
    True
    """
    return gammaln(np.arange(n + 1, dtype=np.float64) + 1.0)


@njit
def log_choose(lf, n, k):
    return lf[n] - lf[k] - lf[n - k]


@njit
def ratio(t, m, rest, draws):
    """P(T = t + 1) / P(T = t), T ~ hypergeometric: ``draws`` genes from ``m`` members and ``rest`` others."""
    return (m - t) * (draws - t) / ((t + 1.0) * (rest - draws + t + 1.0))


@njit
def mode_of(m, rest, draws):
    lo = max(0, draws - rest)
    hi = min(m, draws)
    return min(hi, max(lo, int((draws + 1.0) * (m + 1.0) / (m + rest + 2.0))))


@njit
def log_tail_from(lf, t0, m, rest, draws):
    """log P(T >= t0): relative to the term at the mode, both sides summed until negligible."""
    lo = max(0, draws - rest)
    hi = min(m, draws)
    if t0 > hi:
        return -np.inf
    if t0 <= lo:
        return 0.0
    top = max(t0, mode_of(m, rest, draws))
    log_top = (
        log_choose(lf, m, top) + log_choose(lf, rest, draws - top) - log_choose(lf, m + rest, draws)
    )
    acc = 1.0
    term = 1.0
    for t in range(top - 1, t0 - 1, -1):  # from the mode down to t0 (none when t0 >= mode)
        term /= ratio(t, m, rest, draws)
        acc += term
    term = 1.0
    t = top
    while t < hi:  # from the mode (or t0) up: falling terms
        term *= ratio(t, m, rest, draws)
        acc += term
        if term < 1e-17 * acc:
            break
        t += 1
    return min(0.0, log_top + math.log(acc))


@njit
def last_within(lf, b, K, N, thr, good, bad):
    """The last cutoff in ``[good, bad)`` whose tail with ``b`` hits is <= ``thr``, given
    that ``good``'s is: galloping up from ``good``, then bisecting (the tail grows with the
    cutoff; ``bad`` is a cutoff known to be above ``thr``, or one past the last)."""
    step = 1
    while good + step < bad:
        if log_tail_from(lf, b, K, N - K, good + step) <= thr:
            good += step
            step *= 2
        else:
            bad = good + step
            break
    while bad - good > 1:
        mid = (good + bad) // 2
        if log_tail_from(lf, b, K, N - K, mid) <= thr:
            good = mid
        else:
            bad = mid
    return good


@njit
def checkpoints(lf, log_s, K, N, X, L, tol):
    """c*(b) for b = 1..K as (cutoff d, bound u = b - 1) pairs with distinct, increasing d.

    Also returns the log of the largest tail ``<= s`` met, a lower bound of the p-value.
    ``c*(b)`` is the last cutoff whose tail at ``b`` hits is ``<= s`` (the tail grows with
    the cutoff): a guess one gap past ``c*(b - 1)``, Newton steps on the log tail (smooth in
    the cutoff) that keep a bracket, then galloping and bisection on what is left. Same
    result as galloping and bisecting alone (tests/stats/test_mhg.py; on the benchmark's 5,546 distinct (K, s) and
    300 random cases), in 0.18 s instead of 0.47 s there (~3 tails per b instead of ~18).
    """
    log_lower = -np.inf
    d = np.empty(K, np.int64)
    u = np.empty(K, np.int64)
    r = 0
    thr = log_s + tol
    prev = 0
    gap = 1
    for b in range(max(X, 1), K + 1):
        lo = max(b, prev)
        if lo > L:
            continue
        if log_tail_from(lf, b, K, N - K, lo) > thr:
            continue  # c*(b) = 0: no cutoff with b hits reaches s
        # bracket [good, bad): f(good) <= thr < f(bad); Newton on the log tail from a guess
        good = lo
        bad = L + 1
        c = min(L, lo + gap)
        for _ in range(4):
            if c <= good or c >= bad:
                break
            f_c = log_tail_from(lf, b, K, N - K, c)
            if f_c <= thr:
                good = c
                if c + 1 >= bad:
                    break
                f_n = log_tail_from(lf, b, K, N - K, c + 1)
                if f_n > thr:
                    bad = c + 1
                    break
                good = c + 1
                slope = f_n - f_c
                jump = (thr - f_n) / slope if slope > 0 else 2.0 * (good - lo + 1)
                c = good + max(1, min(int(jump), L))
            else:
                bad = c
                f_p = log_tail_from(lf, b, K, N - K, c - 1)
                if f_p <= thr:
                    good = c - 1
                    break
                bad = c - 1
                slope = f_c - f_p
                jump = (f_p - thr) / slope if slope > 0 else 0.5 * (bad - good)
                c = bad - max(1, min(int(jump) + 1, L))
        # gallop from good, then bisect (as before) on what is left
        good = last_within(lf, b, K, N, thr, good, bad)
        log_lower = max(log_lower, log_tail_from(lf, b, K, N - K, good))
        if good > prev:
            gap = max(1, good - prev)
            d[r] = good
            u[r] = b - 1
            r += 1
            prev = good
    return d[:r], u[:r], log_lower


@njit
def screen_members(lf, indptr, pos, N, X, L, margin):
    """Members whose tail may be within ``margin`` (in logs) of their set's statistic.

    For each set: the tail at each member (cutoff ``pos + 1``, ``b`` hits) is at least
    its probability mass and at most mass / (1 - first ratio) above the mode; tails
    whose mass exceeds the set's best upper bound cannot be the minimum; the others get
    :func:`log_tail_from` (``log(i!)`` table: ~1e-11 absolute), and only those within
    ``margin`` of the smallest are kept for the exact core. On the benchmark's 120k sets
    (2.36M members) the statistic took 0.8 s CPU with these bounds in numpy and every
    surviving tail (308,725) in the exact core; 0.17 s with this screen (119,737 tails
    reach the core), same results.
    """
    keep = np.zeros(len(pos), np.bool_)
    approx = np.empty(len(pos))
    for j in range(len(indptr) - 1):
        start = indptr[j]
        K = indptr[j + 1] - start
        best_upper = np.inf
        for k in range(start, start + K):
            b = k - start + 1
            c = pos[k] + 1
            approx[k] = np.inf
            if b < X or c > L:
                continue
            lp = log_choose(lf, K, b) + log_choose(lf, N - K, c - b) - log_choose(lf, N, c)
            approx[k] = lp
            r = ratio(b, K, N - K, c)
            upper = min(0.0, lp - math.log1p(-r)) if r < 1.0 else 0.0
            best_upper = min(best_upper, upper)
        best = np.inf
        for k in range(start, start + K):
            # (no qualifying cutoff: every mass inf, and best_upper inf)
            if approx[k] < np.inf and approx[k] <= best_upper + 1e-6:  # mass <= tail
                b = k - start + 1
                approx[k] = log_tail_from(lf, b, K, N - K, pos[k] + 1)
                best = min(best, approx[k])
            else:
                approx[k] = np.inf
        for k in range(start, start + K):
            keep[k] = approx[k] < np.inf and approx[k] <= best + margin
    return keep


@njit
def log_add(a, b):
    if a < b:
        a, b = b, a
    if b == -np.inf:
        return a
    return a + math.log1p(math.exp(b - a))


@njit
def crossing_in_logs(lf, d, u, K, N):
    """The recursion with every probability as a log: for p-values that linear scaling loses."""
    lg = np.full(K + 1, -np.inf)
    lg[0] = 0.0
    new = np.empty(K + 1)
    u_prev = 0
    d_prev = 0
    log_p = -np.inf
    for i in range(len(d)):
        draws = d[i] - d_prev
        left = N - d_prev
        bound = u[i]
        new[: bound + 1] = -np.inf
        for x in range(u_prev + 1):
            if lg[x] == -np.inf:
                continue
            m = K - x
            rest = left - m
            log_p = log_add(log_p, lg[x] + log_tail_from(lf, bound - x + 1, m, rest, draws))
            lo = max(0, draws - rest)
            hi = min(bound - x, m, draws)
            if hi < lo:
                continue
            t_a = min(hi, mode_of(m, rest, draws))
            la = lg[x] + log_choose(lf, m, t_a) + log_choose(lf, rest, draws - t_a)
            la -= log_choose(lf, left, draws)
            new[x + t_a] = log_add(new[x + t_a], la)
            term = la
            for t in range(t_a - 1, lo - 1, -1):
                term -= math.log(ratio(t, m, rest, draws))
                new[x + t] = log_add(new[x + t], term)
            term = la
            for t in range(t_a, hi):
                term += math.log(ratio(t, m, rest, draws))
                new[x + t + 1] = log_add(new[x + t + 1], term)
        lg[: bound + 1] = new[: bound + 1]
        lg[bound + 1 :] = -np.inf
        u_prev = bound
        d_prev = d[i]
    return min(0.0, log_p)


@njit
def crossing_scaled(lf, d, u, K, N, floor):
    """The recursion in linear arithmetic with one log scale per checkpoint (fast).

    Probability below ``e^floor`` is dropped: hit counts that unlikely, and
    transition terms that small. With ``floor`` = log(a lower bound of p)
    - 40 - 3 log(K + 1), at most K^3 dropped pieces change p by < 5e-18 of itself.
    """
    g = np.zeros(K + 1)  # probability of each count among placements not crossed yet, x e^G
    g[0] = 1.0
    big_g = 0.0
    new = np.zeros(K + 1)
    u_prev = 0
    d_prev = 0
    log_p = -np.inf
    for i in range(len(d)):
        draws = d[i] - d_prev
        left = N - d_prev
        bound = u[i]
        # log of g[x] times the anchor term of its transition, to scale this step
        anchors = np.full(u_prev + 1, -np.inf)
        for x in range(u_prev + 1):
            if g[x] > 0.0 and math.log(g[x]) + big_g >= floor:
                m = K - x
                t = min(bound - x, mode_of(m, left - m, draws))
                if t >= max(0, draws - (left - m)):
                    anchors[x] = (
                        math.log(g[x])
                        + log_choose(lf, m, t)
                        + log_choose(lf, left - m, draws - t)
                        - log_choose(lf, left, draws)
                    )
                crossing = log_tail_from(lf, bound - x + 1, m, left - m, draws)
                log_p = log_add(log_p, math.log(g[x]) + big_g + crossing)
        scale = anchors.max()
        new[:] = 0.0
        if scale > -np.inf:
            # transition terms below e^floor, in this step's linear units
            small = math.exp(min(700.0, max(-700.0, floor - big_g - scale)))
            for x in range(u_prev + 1):
                if anchors[x] == -np.inf:
                    continue
                m = K - x
                lo = max(0, draws - (left - m))
                t_top = min(bound - x, mode_of(m, left - m, draws))
                value = math.exp(anchors[x] - scale)
                new[x + t_top] += value
                term = value
                for t in range(t_top - 1, lo - 1, -1):  # below the anchor: falling terms
                    term /= ratio(t, m, left - m, draws)
                    new[x + t] += term
                    if term < small:
                        break
                term = value
                for t in range(t_top, min(bound - x, m, draws)):  # above it, up to the bound
                    term *= ratio(t, m, left - m, draws)
                    new[x + t + 1] += term
                    if term < small:
                        break
        top = new[: bound + 1].max()
        if top <= 0.0:
            break  # every placement has crossed
        g[: bound + 1] = new[: bound + 1] / top
        g[bound + 1 :] = 0.0
        big_g += scale + math.log(top)
        u_prev = bound
        d_prev = d[i]
    return min(0.0, log_p)


@njit
def crossing_convolved(lf, d, u, K, N, floor):
    """The recursion as a convolution with one kernel per checkpoint (fastest); NaN: use another.

    A placement's count of members among the first ``d_i`` genes moves from
    ``x`` to ``y`` with probability ``C(D, y - x) C(N - d_i, K - y) / C(N - d_{i-1}, K - x)``
    (``D = d_i - d_{i-1}``), so ``w(x) = P(x) / C(N - d_{i-1}, K - x)`` evolves by
    ``w'(y) = sum_x w(x) C(D, y - x)``: one kernel ``C(D, t)`` for every ``x``,
    built by ratios (no logs or exps per term), and the products are multiply-adds
    that numba vectorises. The vectors are tilted by ``z^x`` (``z`` = the odds of a
    member among the genes left, at the likeliest count) so that ``w``, the kernel
    and the factors ``C(N - d_i, K - y) z^-y`` keep near the double range; crossing
    mass (``y > u_i``) is multiplied by those factors and added in logs.

    Pieces below ``e^floor`` are dropped as in :func:`crossing_scaled`. The function
    returns NaN when that cannot be guaranteed (a piece that matters could leave the
    double range: the tilt fits badly, or ``e^floor`` is below ~e^-700 of the scale);
    :func:`log_pvalue` then runs :func:`crossing_scaled` (in our trials: sets holding a
    large share of the genes, and K >= 800 with s < e^-180). Measured on the 5,546
    distinct (K, statistic) pairs of the benchmark's 120k-set mHG run: 0.3 s for the
    recursion where :func:`crossing_scaled` takes 1.5 s (one thread), no NaN; the two
    differ by at most 1.7e-10 relative (K = 589; median 8e-12). Against exact integer
    counts: 25 of those pairs (K = 42-119) both within 4.4e-11 (the ``log(i!)`` table's
    limit at N = 18,000); spread sets of K = 400, 1,000, 1,500: this function within
    2.5e-11, 6.1e-12, 7.4e-12, :func:`crossing_scaled` 7e-11, 4.6e-10, 1.3e-9 (its
    log scale gathers the table's rounding at every checkpoint; here the state's scale
    moves by ``log C(D, t)`` of small ``D``).
    """
    w = np.zeros(K + 1)
    w[0] = 1.0
    gw = -log_choose(lf, N, K)
    alpha = 0.0
    v = np.zeros(K + 1)
    conv = np.zeros(K + 1)
    u_prev = 0
    d_prev = 0
    log_p = -np.inf
    for i in range(len(d)):
        draws = d[i] - d_prev
        left = N - d_prev
        R = left - draws
        bound = u[i]
        # live range of the state (w: tilted, largest 1; true w(x) = w[x] e^(gw - alpha x))
        x_lo = 0
        while w[x_lo] == 0.0:
            x_lo += 1
        x_hi = u_prev
        while w[x_hi] == 0.0:
            x_hi -= 1
        xs = x_lo
        for x in range(x_lo, x_hi + 1):
            if w[x] > w[xs]:
                xs = x
        ms = K - xs  # members left at the likeliest count: tilt z = ms / (left - ms)
        if left - ms <= 0:
            return np.nan
        a_new = math.log(ms) - math.log(left - ms)
        if abs(a_new - alpha) * (x_hi - x_lo) > 20.0:  # retilt (in logs) when it moved by e^20
            mx = -np.inf
            for x in range(x_lo, x_hi + 1):
                if w[x] > 0.0:
                    w[x] = math.log(w[x]) + (a_new - alpha) * x
                    if w[x] > mx:
                        mx = w[x]
                else:
                    w[x] = -np.inf
            for x in range(x_lo, x_hi + 1):
                w[x] = math.exp(w[x] - mx)
            gw += mx
            alpha = a_new
        z = math.exp(alpha)
        # guard: a count whose w underflowed (retilt, rescaling) has P < e^(gw + ma - 700)
        # with ma = max_x log C(left, K - x) - alpha x (concave in x: at the ratio's crossing)
        xa = min(u_prev, max(0, int((K - z * (left - K + 1)) / (1.0 + z)) + 1))
        ma = -np.inf
        for x in range(max(0, xa - 1), min(u_prev, xa + 1) + 1):
            ma = max(ma, log_choose(lf, left, K - x) - alpha * x)
        # transition weights C(draws, t) z^t, peak t_pk
        T = min(draws, K)
        t_pk = min(T, max(0, int((draws * z - 1.0) / (1.0 + z)) + 1))
        mc = log_choose(lf, draws, t_pk) + alpha * t_pk
        # next factor log C(R, K - y) - alpha y, max over its support: a product w v below
        # e^cut is a piece of probability below e^floor
        y_min = max(0, K - R)
        yb = min(K, max(y_min, int((K - z * (R - K + 1)) / (1.0 + z)) + 1))
        mb = -np.inf
        for y in range(max(y_min, yb - 1), min(K, yb + 1) + 1):
            mb = max(mb, log_choose(lf, R, K - y) - alpha * y)
        e = gw + mc + mb
        cut = floor - e
        # underflow starts near e^-708: cut >= -690 keeps every piece that matters (and a
        # rescaled state, <= K + 1, within range); else the caller runs crossing_scaled
        if cut < -690.0 or gw + ma - 700.0 > floor:
            return np.nan
        small = math.exp(cut)
        # v by ratios from the peak, both ways, until below e^cut
        v[t_pk] = 1.0
        t_lo = t_pk
        term = 1.0
        while t_lo > 0:
            term *= t_lo / ((draws - t_lo + 1.0) * z)
            if term < small:
                break
            t_lo -= 1
            v[t_lo] = term
        t_hi = t_pk
        term = 1.0
        while t_hi < T:
            term *= (draws - t_hi) * z / (t_hi + 1.0)
            if term < small:
                break
            t_hi += 1
            v[t_hi] = term
        y_max = min(K, x_hi + t_hi)
        conv[:] = 0.0
        for x in range(x_lo, x_hi + 1):
            wx = w[x]
            if wx < small:
                continue
            top = min(t_hi, K - x)
            cs = conv[x + t_lo : x + top + 1]
            vs = v[t_lo : top + 1]
            for k in range(len(cs)):
                cs[k] += wx * vs[k]
        # crossing mass: y > bound, times C(R, K - y) e^(-alpha y)
        if y_max > bound:
            lo_y = max(bound + 1, y_min)
            if lo_y <= y_max:
                ya = min(y_max, max(lo_y, yb))
                anchor = log_choose(lf, R, K - ya) - alpha * ya
                s = conv[ya]
                term = 1.0
                for y in range(ya - 1, lo_y - 1, -1):  # ratio B'(y)/B'(y+1)
                    term *= (R - K + y + 1.0) * z / (K - y)
                    s += conv[y] * term
                term = 1.0
                for y in range(ya + 1, y_max + 1):
                    term *= (K - y + 1.0) / ((R - K + y) * z)
                    s += conv[y] * term
                if s > 0.0:
                    log_p = log_add(log_p, math.log(s) + gw + mc + anchor)
        # the new state: y <= bound with C(R, K - y) > 0
        w[:] = 0.0
        hi_y = min(bound, y_max)
        m = 0.0
        for y in range(max(y_min, x_lo + t_lo), hi_y + 1):
            if conv[y] > m:
                m = conv[y]
        if m == 0.0:
            break
        for y in range(max(y_min, x_lo + t_lo), hi_y + 1):
            w[y] = conv[y] / m
        gw += mc + math.log(m)
        u_prev = bound
        d_prev = d[i]
    return min(0.0, log_p)


@njit
def log_pvalue(lf, log_s, K, N, X, L, tol, linear_above, convolve=True):
    """log P(mHG <= s) for a random K-subset of N genes (see the module docstring)."""
    d, u, log_lower = checkpoints(lf, log_s, K, N, X, L, tol)
    if len(d) == 0:
        return -np.inf
    if log_s < linear_above:
        return crossing_in_logs(lf, d, u, K, N)
    floor = log_lower - 40.0 - 3.0 * math.log(K + 1.0)
    if convolve:
        out = crossing_convolved(lf, d, u, K, N, floor)
        if not math.isnan(out):
            return out
    return crossing_scaled(lf, d, u, K, N, floor)


@njit
def log_pvalues(lf, log_s, K, N, X, L, tol, linear_above, convolve=True):
    """log P(mHG <= s) for each log statistic of ``log_s``, sets of ``K`` members among ``N`` genes.

    ``lf`` is :func:`log_factorials` of ``N``; statistics below ``linear_above``
    (normally :data:`LINEAR_ABOVE`) run the recursion in logs.

    Examples
    --------
    >>> log_s = np.array([math.log(1 / 45)])
    >>> lp = log_pvalues(log_factorials(10), log_s, 2, 10, 1, 10, TIE_TOL, LINEAR_ABOVE)
    >>> round(math.exp(lp[0]), 12)  # both members on top of 10 genes: 1 / C(10, 2)
    0.022222222222
    """
    out = np.empty(len(log_s))
    for i in range(len(log_s)):
        out[i] = log_pvalue(lf, log_s[i], K, N, X, L, tol, linear_above, convolve)
    return out
