"""The GSEA enrichment score and its p-values against independent references.

References: fgsea's published result for its example (tests/data/ranked,
fgsea_res.tsv), a direct running-sum walk, exact enumeration of every subset,
and the exact lattice-path tail of the unweighted statistic.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import DATA
from pfocr_enrich.stats.gsea import (
    enrichment_scores,
    rank_order,
    running_sum,
    scores_of_positions,
    sorted_positions,
)
from pfocr_enrich.stats.gsea_exact import enumerate_scores, unweighted_tail
from pfocr_enrich.stats.gsea_null import (
    gsea_pvalues,
    multilevel_error,
    multilevel_tail,
    null_scores,
    simple_error,
)

RANKED = DATA / "ranked"


@pytest.fixture(scope="module")
def fgsea_example():
    """Weights in ranking order, the CSR of the 586 tested pathways, and fgsea's result."""
    rnk = pd.read_csv(RANKED / "naive.vs.th1.rnk", sep="\t")
    genes = rnk["ID"].astype(str).to_numpy()
    order = rank_order(rnk["t"].to_numpy())
    rank = {g: i for i, g in enumerate(genes[order])}
    weights = np.abs(rnk["t"].to_numpy()[order])
    members = {}
    with open(RANKED / "mouse.reactome.gmt") as fh:
        for line in fh:
            fields = line.rstrip("\n").split("\t")
            members[fields[1]] = [rank[g] for g in fields[2:] if g in rank]
    ref = pd.read_csv(RANKED / "fgsea_res.tsv", sep="\t")
    rows = [sorted(members[str(p)]) for p in ref["pathway"]]
    indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])])
    return weights, indptr, np.concatenate(rows), ref


def test_es_equals_fgsea_published(fgsea_example):
    weights, indptr, pos, ref = fgsea_example
    res = enrichment_scores(indptr, pos, weights)
    assert np.diff(indptr).tolist() == ref["size"].tolist()
    np.testing.assert_allclose(res.es, ref["ES"], rtol=0, atol=1e-12)


def test_es_equals_direct_walk_for_random_sets():
    rng = np.random.default_rng(3)
    n = 300
    weights = np.sort(rng.standard_normal(n))[::-1]
    for p in (0.0, 1.0, 2.0):
        w = np.abs(weights) ** p
        for k in (1, 2, 7, 40):
            pos = np.sort(rng.choice(n, k, replace=False))
            walk = np.concatenate([[0.0], running_sum(pos, w)])
            es, hi, lo, peak = scores_of_positions(pos[None, :], w, n)
            assert hi[0] == pytest.approx(walk.max(), abs=1e-12)
            assert lo[0] == pytest.approx(walk.min(), abs=1e-12)
            expect = walk.max() if walk.max() > -walk.min() else walk.min()
            assert es[0] == pytest.approx(expect, abs=1e-12)
            # the peak member is where the walk reaches ES (after it for ES > 0, before it for ES < 0)
            at = pos[peak[0]] + (1 if es[0] > 0 else 0)
            assert walk[at] == pytest.approx(es[0], abs=1e-12)


def test_sorted_positions_drops_unranked_and_sorts():
    ptr, pos = sorted_positions(
        np.array([0, 3, 5]), np.array([0, 1, 2, 2, 3]), np.array([5, -1, 2, 0])
    )
    assert ptr.tolist() == [0, 2, 4]
    assert pos.tolist() == [2, 5, 0, 2]


def test_rank_order_is_stable_for_ties():
    assert rank_order([1.0, 3.0, 1.0, 3.0]).tolist() == [1, 3, 0, 2]


def test_es_of_empty_or_full_set_is_nan():
    res = enrichment_scores(np.array([0, 0, 3]), np.array([0, 1, 2]), np.ones(3))
    assert np.isnan(res.es).all()
    assert res.peak.tolist() == [-1, -1]


def test_unweighted_tail_equals_enumeration():
    s = enumerate_scores(np.ones(18), 5)
    gammas = np.array([0.2, 0.45, 0.7, 0.9, 1.0])
    exact = [(s[:, 1] >= g - 1e-12).mean() for g in gammas]
    np.testing.assert_allclose(unweighted_tail(18, 5, gammas), exact, rtol=1e-12)


def test_enumeration_count():
    assert enumerate_scores(np.ones(10), 3).shape == (math.comb(10, 3), 3)


@pytest.mark.parametrize(
    ("n", "k", "gammas"), [(2000, 25, [0.35, 0.55, 0.75]), (600, 60, [0.3, 0.5])]
)
def test_multilevel_tail_within_error_of_exact_unweighted(n, k, gammas):
    exact = unweighted_tail(n, k, gammas)
    assert exact.min() < 1e-11  # deep tails: dozens of levels
    for seed in (0, 1):
        est = multilevel_tail(np.ones(n), k, gammas, seed=seed)
        err = multilevel_error(exact, 101)
        assert np.all(np.abs(np.log2(est / exact)) <= 3 * err), (est, exact)


def test_multilevel_tail_within_error_of_enumeration_weighted():
    rng = np.random.default_rng(11)
    w = np.sort(np.abs(rng.standard_normal(26)))[::-1] ** 1.0
    scores = enumerate_scores(w, 4)
    gammas = np.array([0.6, 0.75, 0.85])
    exact = np.array([(scores[:, 1] >= g).mean() for g in gammas])
    est = multilevel_tail(w, 4, gammas, seed=2)
    err = multilevel_error(exact, 101)
    assert np.all(np.abs(np.log2(est / exact)) <= 3 * err), (est, exact)


def test_pvalues_within_error_of_enumeration():
    """The full p-value, P(ES0 >= ES) / P(ES0 >= 0), against every subset of a short ranking."""
    rng = np.random.default_rng(5)
    stat = np.sort(rng.standard_normal(24) * 2)[::-1]
    w = np.abs(stat)
    k = 5
    scores = enumerate_scores(w, k)
    es = np.array([0.9, 0.75, 0.5, -0.5, -0.8, 0.1])
    res = gsea_pvalues(w, np.full(len(es), k), es, n_perm=2000, seed=1)
    for e, p, err in zip(es, res.pvalue, res.log2err):
        signed = scores[:, 0]
        if e >= 0:
            exact = (signed >= e).mean() / (signed >= 0).mean()
        else:
            exact = (signed <= e).mean() / (signed <= 0).mean()
        assert abs(math.log2(p / exact)) <= 3 * err + 0.05, (e, p, exact, err)


def test_null_scores_are_uniform_random_sets():
    # the null of size k has the mean and spread of the exact distribution over all k-subsets
    w = np.abs(np.linspace(3, -3, 20))
    null = null_scores(w, [3], n_perm=4000, seed=0)[0]
    exact = enumerate_scores(w, 3)[:, 0]
    assert abs(null.mean() - exact.mean()) < 4 * exact.std() / math.sqrt(4000)
    assert abs((null >= 0).mean() - (exact >= 0).mean()) < 0.03


def test_nes_and_pvalues_against_fgsea_published(fgsea_example):
    weights, indptr, pos, ref = fgsea_example
    es = enrichment_scores(indptr, pos, weights).es
    res = gsea_pvalues(weights, np.diff(indptr), es, eps=1e-12, seed=0)  # eps: test time
    rel = np.abs(res.nes / ref["NES"] - 1)
    assert np.median(rel) < 0.015 and rel.max() < 0.05
    # fgsea's permutation p-values (n_more + 1) / (n_same + 1): compare within both errors
    n_same = np.rint(1 / ref["pval"] * (ref["nMoreExtreme"] + 1) - 1)
    ref_err = simple_error(ref["nMoreExtreme"], n_same)
    usable = ref["nMoreExtreme"] >= 10
    diff = np.abs(np.log2(res.pvalue / ref["pval"]))[usable]
    sigma = np.hypot(ref_err, res.log2err)[usable]
    assert usable.sum() > 300
    # ~500 comparisons: a few beyond 3 sigma are expected, none beyond 5
    assert np.mean(diff <= 3 * sigma + 0.05) >= 0.98
    assert np.all(diff <= 5 * sigma + 0.05)
    # fgsea's top sets had no permutation as extreme (p < 1e-5); splitting goes below that
    top = (ref["nMoreExtreme"] == 0).to_numpy()
    assert np.all(res.pvalue[top] < 1e-4)


def test_pvalues_deterministic_for_a_seed():
    w = np.abs(np.linspace(2, -2, 400))
    a = gsea_pvalues(w, [20, 20, 30], [0.7, -0.6, 0.2], seed=4)
    b = gsea_pvalues(w, [20, 20, 30], [0.7, -0.6, 0.2], seed=4)
    assert a.pvalue.tolist() == b.pvalue.tolist() and a.nes.tolist() == b.nes.tolist()


def test_tails_below_eps_are_reported_as_eps():
    res = gsea_pvalues(np.ones(3000), [10], [0.999], eps=1e-10, seed=0)
    assert res.pvalue[0] == 1e-10 and np.isnan(res.log2err[0])


def test_compiled_moves_keep_sets_above_the_cut_and_sample_them_uniformly():
    """Moves started from the single top set reach the uniform distribution over every set above a cut.

    The region is enumerated (all 5-subsets of 22 weighted genes whose ES+ is in the top
    tenth); the sampled ES+ histogram must match the region's within sampling error.
    """
    from itertools import combinations

    from pfocr_enrich.stats.gsea_kernels import move_samples, top_scores

    rng = np.random.default_rng(3)
    n, k = 22, 5
    w = np.sort(np.abs(rng.standard_normal(n)))[::-1]
    subsets = np.array(list(combinations(range(n), k)), dtype=np.int64)
    scores = top_scores(subsets, w, n)
    np.testing.assert_allclose(scores, enumerate_scores(w, k)[:, 1], atol=1e-12)
    cut = float(np.quantile(scores, 0.9))
    region = np.sort(scores[scores >= cut])
    pos = np.tile(np.arange(k, dtype=np.int64), (4000, 1))
    moves_rng = np.random.default_rng(0)
    for _ in range(3):
        move_samples(pos, w, n, cut, k, 100, moves_rng)
    sampled = top_scores(pos, w, n)
    assert (sampled >= cut).all()
    assert len({tuple(r) for r in pos}) > 0.5 * len(region)  # the samples spread over the region
    # the ES+ distribution of the samples against the region's: Kolmogorov-Smirnov distance
    grid = np.quantile(region, np.linspace(0.05, 0.95, 19))
    exact_cdf = np.searchsorted(region, grid, side="right") / len(region)
    sampled_cdf = np.searchsorted(np.sort(sampled), grid, side="right") / len(sampled)
    assert np.abs(exact_cdf - sampled_cdf).max() < 0.04


def test_fallback_trailing_zeros_agrees_with_numbas_intrinsic():
    import numba

    from pfocr_enrich.stats.gsea_kernels import trailing_zeros, trailing_zeros_debruijn

    @numba.njit
    def both(words):
        out = np.empty((len(words), 2), np.int64)
        for i in range(len(words)):
            out[i, 0] = trailing_zeros(words[i])
            out[i, 1] = trailing_zeros_debruijn(words[i])
        return out

    rng = np.random.default_rng(0)
    words = rng.integers(1, 2**63, 2000, dtype=np.int64).astype(np.uint64)
    shifts = np.uint64(1) << np.arange(64, dtype=np.uint64)
    got = both(np.concatenate([words, shifts, words << np.uint64(17)]))
    assert (got[:, 0] == got[:, 1]).all()
    assert got[2000:2064, 1].tolist() == list(range(64))


@pytest.mark.parametrize("weights", ["unweighted", "weighted"])
def test_nested_null_scores_equal_the_array_scores_of_the_same_sets(weights):
    """The compiled null walks each permutation's nested sets as scores_of_positions scores them."""
    from pfocr_enrich.stats.gsea import scores_of_positions
    from pfocr_enrich.stats.gsea_kernels import nested_null_scores

    rng = np.random.default_rng(8)
    n = 700
    w = np.ones(n) if weights == "unweighted" else np.sort(rng.exponential(size=n))[::-1]
    sizes = np.array([1, 2, 15, 64, 65, 300, 699])
    draws = np.stack([rng.permutation(n)[: sizes.max()] for _ in range(40)])
    out = np.empty((len(sizes), len(draws)))
    nested_null_scores(draws, sizes, w, n, out)
    for i, k in enumerate(sizes):
        expected = scores_of_positions(np.sort(draws[:, :k], axis=1), w, n)[0]
        if weights == "unweighted":
            assert out[i].tolist() == expected.tolist()
        else:
            np.testing.assert_allclose(out[i], expected, rtol=0, atol=1e-14)


def test_walk_crossing_skipping_blocks_and_words_finds_the_first_crossing():
    """The block/word skips never pass over a crossing: against a plain walk, cuts set exactly
    at walk points (ties: found whatever the order of summation, to 1e-12), above the top
    (no crossing) and below zero, over several blocks, weighted and unweighted."""
    from pfocr_enrich.stats.gsea_kernels import walk_crossing

    rng = np.random.default_rng(21)
    for trial in range(300):
        n = int(rng.integers(2, 3000))
        k = int(rng.integers(1, min(n - 1, 400) + 1)) if n > 2 else 1
        w = rng.exponential(size=n) ** rng.choice([0.0, 1.0, 3.0])
        w[rng.random(n) < 0.05] = 0.0
        members = np.sort(rng.choice(n, k, replace=False))
        if w[members].sum() == 0:
            continue
        n_words, n_blocks = (n + 63) // 64, (n + 511) // 512
        bits = np.zeros(n_words, np.uint64)
        wsum, cnt = np.zeros(n_words), np.zeros(n_words, np.int64)
        sbsum, sbcnt = np.zeros(n_blocks), np.zeros(n_blocks, np.int64)
        for p in members:
            bits[p >> 6] |= np.uint64(1) << np.uint64(p & 63)
            wsum[p >> 6] += w[p]
            cnt[p >> 6] += 1
            sbsum[p >> 9] += w[p]
            sbcnt[p >> 9] += 1
        total = 0.0
        for p in members:
            total += w[p]
        c, points = 0.0, []
        for j, p in enumerate(members):
            c += w[p]
            points.append((c / total - (p - j) / (n - k), p, j, c))
        values = [v for v, *_ in points]
        for cut in (rng.choice(values), max(values) + 1e-6, min(values) - 0.1, rng.uniform(-1, 1)):
            expected = next(((p, j, c) for v, p, j, c in points if v >= cut - 1e-12), None)
            got = walk_crossing(bits, w, n, k, cut, total, wsum, cnt, sbsum, sbcnt)
            if expected is None:
                assert got[0] == -1, (trial, cut)
            else:
                assert got[0] == expected[0] and got[1] == expected[1], (trial, cut, got, expected)
                assert got[2] == pytest.approx(expected[2], rel=1e-12)


def test_random_sets_on_zero_scores_have_no_score_and_count_on_neither_side():
    """A ranking that is mostly exact zeros: random sets inside them weigh 0 (no ES), which
    neither crashes the compiled kernels nor counts as more extreme."""
    rng = np.random.default_rng(2)
    n, k = 400, 3
    w = np.abs(rng.standard_normal(n))
    w[rng.random(n) < 0.8] = 0.0  # ~half of the 3-sets have weight 0
    null = null_scores(w, [k], n_perm=2000, seed=1)[0]
    undefined = np.isnan(null).sum()
    assert 500 < undefined < 1500
    res = gsea_pvalues(w, [k, k], [0.5, -0.5], n_perm=2000, seed=1)
    finite = null[~np.isnan(null)]
    assert res.n_same[0] == (finite >= 0).sum() and res.n_more[0] == (finite >= 0.5).sum()
    assert res.n_same[1] == (finite <= 0).sum() and res.n_more[1] == (finite <= -0.5).sum()
    assert np.isfinite(res.pvalue).all() and ((res.pvalue > 0) & (res.pvalue <= 1)).all()
    tail = multilevel_tail(w, k, [0.9], seed=3)  # splitting among such sets: no error
    assert 0 <= tail[0] <= 1


def test_gsea_on_a_ranking_of_mostly_zero_scores():
    import pandas as pd

    import pfocr_enrich as pe

    rng = np.random.default_rng(5)
    genes = [f"g{i}" for i in range(1500)]
    scores = rng.standard_normal(1500)
    scores[rng.random(1500) < 0.7] = 0.0
    scores[:20] = 8.0
    sets = {f"s{i}": list(rng.choice(genes, 15, replace=False)) for i in range(40)}
    sets["top"] = genes[:20]
    sets["zeros"] = [g for g, s in zip(genes, scores) if s == 0][:30]
    res = pe.gsea(pd.Series(scores, index=genes), pe.GeneSetLibrary.from_dict(sets))
    table = res.table.set_index("set_id")
    score = dict(zip(genes, scores))
    all_zero = {s for s, members in sets.items() if not any(score[g] for g in members)}
    assert "zeros" in all_zero and len(all_zero) < len(sets) // 2
    assert set(table.index[table.pvalue.isna()]) == set(table.index[table.es.isna()]) == all_zero
    assert table.loc["top", "pvalue"] < 1e-10
    others = table.drop(index=list(all_zero))
    assert ((others.pvalue > 0) & (others.pvalue <= 1)).all()
