"""pe.gsea and pe.mhg end to end: reading and mapping rankings, the table, references.

References: fgsea's published result for its example (tests/data/ranked),
xlmhg (tests/data/ranked/xlmhg_reference.json), the stats-level functions on
hand-built positions, and the peers pyfgsea and gseapy when installed.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import DATA
from pfocr_enrich.errors import EmptyQueryError, GeneMappingWarning

RANKED = DATA / "ranked"


@pytest.fixture(scope="module")
def fgsea_run(reactome):
    return pe.gsea(RANKED / "naive.vs.th1.rnk", reactome, eps=1e-8)


def toy_library():
    return pe.GeneSetLibrary.from_dict(
        {
            "up": ["toy0", "toy1", "toy2", "toy4"],
            "down": ["toy19", "toy18", "toy15", "toy10"],
            "mid": ["toy8", "toy9", "toy11", "toy3"],
        }
    )


def toy_ranking():
    return pd.Series({f"toy{i}": 10.0 - i for i in range(20)})


def test_fgsea_example_es_sizes_and_tested_sets(fgsea_run):
    ref = pd.read_csv(RANKED / "fgsea_res.tsv", sep="\t")
    table = fgsea_run.table
    ids = table["set_id"].str.split("_").str[0].astype(int)
    merged = pd.DataFrame({"pathway": ids, "es": table["es"], "size": table["size"]}).merge(ref)
    assert len(table) == len(ref) == len(merged) == 586
    np.testing.assert_allclose(merged["es"], merged["ES"], rtol=0, atol=1e-12)
    assert (merged["size"] == merged["size"]).all()
    assert fgsea_run.params["analysis"] == "gsea"
    assert fgsea_run.params["ranking_size"] == 12000


def test_table_shape_and_order(fgsea_run):
    table = fgsea_run.table
    for col in ("set_id", "title", "size", "es", "nes", "pvalue", "log2err", "fdr", "leading_edge"):
        assert col in table.columns
    assert table["pvalue"].is_monotonic_increasing
    assert ((table["nes"] > 0) == (table["es"] > 0)).all()
    assert table["fdr"].between(0, 1).all() and (table["fdr"] >= table["pvalue"]).all()


def test_input_forms_give_one_result(rnk, reactome):
    frame = pd.DataFrame({"gene": rnk.index, "score": rnk.to_numpy()})
    kw = dict(eps=1e-3, min_size=100, max_size=200)
    a = pe.gsea(rnk, reactome, **kw).table
    b = pe.gsea(frame, reactome, **kw).table
    c = pe.gsea(RANKED / "naive.vs.th1.rnk", reactome, **kw).table
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(a, c)


def test_deterministic_and_input_untouched(rnk, reactome):
    before = rnk.copy()
    kw = dict(eps=1e-3, min_size=150, max_size=250, seed=3)
    a = pe.gsea(rnk, reactome, **kw).table
    b = pe.gsea(rnk, reactome, **kw).table
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_series_equal(rnk, before)


def test_leading_edge_and_signs():
    res = pe.gsea(toy_ranking(), toy_library(), min_size=4)
    t = res.table.set_index("set_id")
    assert t.loc["up", "es"] > 0 and t.loc["down", "es"] < 0
    assert t.loc["up", "leading_edge"] == "toy0;toy1;toy2;toy4"
    assert t.loc["down", "leading_edge"] == "toy19;toy18;toy15"  # most extreme first
    # the walk for 'up': members at ranks 0, 1, 2, 4 of 20 with weights 10, 9, 8, 6
    assert t.loc["up", "es"] == pytest.approx(1 - 1 / 16)


def test_unknown_entries_stay_in_the_ranking_as_non_members():
    ranking = toy_ranking()
    extra = pd.concat([pd.Series({"NOT_A_GENE": 10.5}), ranking])
    a = pe.gsea(ranking, toy_library(), min_size=4).table.set_index("set_id")
    b = pe.gsea(extra, toy_library(), min_size=4)
    assert b.params["ranking_size"] == 21
    assert b.mapping.set_index("input").loc["NOT_A_GENE", "status"] == "unknown"
    assert b.table.set_index("set_id").loc["up", "es"] < a.loc["up", "es"]


def test_duplicates_keep_the_largest_absolute_score():
    ranking = pd.concat([toy_ranking(), pd.Series({"TOY0": -30.0})])  # toy0, by case
    with pytest.warns(GeneMappingWarning, match="repeat a gene"):
        res = pe.gsea(ranking, toy_library(), min_size=4)
    status = res.mapping.set_index("input")["status"]
    assert status["toy0"] == "duplicate" and status["TOY0"] == "case"
    assert res.params["ranking_size"] == 20
    # toy0 now sits at the bottom with weight 30 of 53: 'up' turns negative, led by it
    up = res.table.set_index("set_id").loc["up"]
    assert up["es"] == pytest.approx(-30 / 53, abs=1e-12)
    assert up["leading_edge"] == "toy0"


def test_weight_zero_is_the_unweighted_statistic():
    res = pe.gsea(toy_ranking(), toy_library(), min_size=4, weight=0)
    # members at ranks 0, 1, 2, 4 of 20: 3/4 after three hits, 1 - 1/16 after the fourth
    assert res.table.set_index("set_id").loc["up", "es"] == pytest.approx(1 - 1 / 16)
    assert res.params["weight"] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(min_size=0), ValueError, "'min_size' parameter of gsea must be an int >= 1. Got 0"),
        (dict(weight=-1), ValueError, "'weight' parameter of gsea must be a number >= 0"),
        (dict(eps=1.5), ValueError, "'eps' parameter of gsea"),
        (dict(min_size=50), EmptyQueryError, "no set has between 50 and 500"),
    ],
)
def test_gsea_argument_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        pe.gsea(toy_ranking(), toy_library(), **kwargs)


def test_ranking_errors(tmp_path):
    with pytest.raises(TypeError, match="'ranking' parameter of gsea must be a pandas Series"):
        pe.gsea(["G1", "G2"], toy_library())
    with pytest.raises(ValueError, match="finite scores"):
        pe.gsea(pd.Series({"G1": np.nan, "G2": 1.0}), toy_library())
    bad = tmp_path / "bad.rnk"
    bad.write_text("gene\tscore\nG1\t1.5\nG2\tx\n")
    with pytest.raises(ValueError, match="bad.rnk, line 3: the score 'x' is not a number"):
        pe.gsea(bad, toy_library())
    with pytest.raises(TypeError, match="'library' parameter of gsea must be a GeneSetLibrary"):
        pe.gsea(toy_ranking(), {"up": ["G1"]})


def test_mhg_toy_exact():
    res = pe.mhg([f"toy{i}" for i in range(20)], toy_library(), min_size=4)
    t = res.table.set_index("set_id")
    # 'up' = ranks 1, 2, 3, 5: best cutoff 3 (three of three) or 5 (four of five)
    best = min(
        math.comb(4, 3) * math.comb(16, 0) / math.comb(20, 3),
        sum(math.comb(4, j) * math.comb(16, 5 - j) for j in (4,)) / math.comb(20, 5),
    )
    assert t.loc["up", "mhg"] == pytest.approx(best, rel=1e-12)
    assert t.loc["up", "genes"] in ("toy0;toy1;toy2", "toy0;toy1;toy2;toy4")
    assert t.loc["up", "pvalue"] >= t.loc["up", "mhg"] * (1 - 1e-12)
    assert res.params["analysis"] == "mhg"


def test_mhg_equals_xlmhg_through_the_api():
    cases = json.loads((RANKED / "xlmhg_reference.json").read_text())[:25]
    for case in cases:
        genes = [f"G{i}" for i in range(case["N"])]
        lib = pe.GeneSetLibrary.from_dict(
            {"s": [genes[p] for p in case["positions"]], "other": genes}
        )
        res = pe.mhg(genes, lib, X=case["X"], L=case["L"])
        row = res.table.set_index("set_id").loc["s"]
        assert row["mhg"] == pytest.approx(case["stat"], rel=1e-12)
        assert row["cutoff"] == case["cutoff"]
        if case["pvalue"] > 1e-6:
            assert row["pvalue"] == pytest.approx(case["pvalue"], rel=1e-9)


def test_mhg_series_input_ranks_by_decreasing_score():
    scores = toy_ranking().iloc[::-1]  # the same scores listed backwards
    a = pe.mhg(scores, toy_library(), min_size=4).table
    b = pe.mhg([f"toy{i}" for i in range(20)], toy_library(), min_size=4).table
    pd.testing.assert_frame_equal(a, b)


def test_running_sum_plot_matches_the_table():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    lib, ranking = toy_library(), toy_ranking()
    res = pe.gsea(ranking, lib, min_size=4)
    for set_id, row in res.table.set_index("set_id").iterrows():
        ax = pe.plot.running_sum(res, set_id, ranking=ranking, library=lib)
        y = ax.lines[0].get_ydata()
        extreme = y.max() if row["es"] > 0 else y.min()
        assert extreme == pytest.approx(row["es"], abs=1e-12)
    with pytest.raises(ValueError, match="not the ranking"):
        pe.plot.running_sum(res, "up", ranking=ranking.iloc[:5], library=lib)


# -- peers (installed in CI by .ci/run; skipped elsewhere) -----------------------------------
def test_es_nes_pvalues_against_pyfgsea(rnk, reactome):
    pyfgsea = pytest.importorskip("pyfgsea")
    # every third pathway: the same comparison in a third of the time
    pathways = {k: list(v) for i, (k, v) in enumerate(reactome.to_dict().items()) if i % 3 == 0}
    sub = pe.GeneSetLibrary.from_dict(pathways)
    ours = pe.gsea(rnk, sub, eps=1e-8).table.set_index("set_id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = pyfgsea.run_gsea(rnk, pathways, eps=1e-8, seed=1, tie_policy="input_order")
    peer = peer.set_index("Pathway")
    common = ours.index.intersection(peer.index)
    assert len(common) == len(ours) == len(peer) > 150
    # pyfgsea's ES is ~1e-7 off fgsea's (ours equals fgsea's published ES to 1e-12):
    # it scores on rounded weights, as fgsea's multilevel C++ does internally
    np.testing.assert_allclose(ours.loc[common, "es"], peer.loc[common, "ES"], atol=2e-6)
    rel = np.abs(ours.loc[common, "nes"] / peer.loc[common, "NES"] - 1)
    assert np.median(rel) < 0.02 and rel.max() < 0.08
    p_ours, p_peer = ours.loc[common, "pvalue"], peer.loc[common, "P-value"]
    both = (p_ours > 1e-8) & (p_peer > 1e-8)
    ratio = np.abs(np.log2(p_ours / p_peer))[both]
    err = np.hypot(ours.loc[common, "log2err"], peer.loc[common, "log2err"].fillna(0))[both]
    assert np.mean(ratio <= 3 * err + 0.1) >= 0.97


def test_es_against_gseapy_prerank(rnk, reactome):
    gp = pytest.importorskip("gseapy")
    pathways = {k: list(v) for k, v in reactome.to_dict().items()}
    ours = pe.gsea(rnk, reactome, eps=1e-4, min_size=15, max_size=500).table.set_index("set_id")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pre = gp.prerank(
            rnk=rnk,
            gene_sets=pathways,
            min_size=15,
            max_size=500,
            permutation_num=10,
            weight=1.0,
            seed=0,
            threads=1,
            outdir=None,
            verbose=False,
        )
    peer = pre.res2d.set_index("Term")
    common = ours.index.intersection(peer.index)
    assert len(common) == 586
    np.testing.assert_allclose(
        ours.loc[common, "es"], peer.loc[common, "ES"].astype(float), atol=1e-9
    )
