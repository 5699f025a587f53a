"""Universe, FDR and duplicate policies, batch queries and the compatibility presets."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from statsmodels.stats.multitest import multipletests

import pfocr_enrich as pe
from pfocr_enrich import GeneSetLibrary

NO_MAPPER = pe.GeneMapper.from_tables(pd.DataFrame({"entrez": [], "symbol": []}))


@pytest.fixture
def dose74():
    """The fixture of DOSE issue #74: two sets, a query with one gene outside the universe a..h."""
    lib = GeneSetLibrary.from_dict({"ta": list("adfxy"), "tb": list("bcegh")})
    return lib, list("acdfx"), list("abcdefgh")


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def test_dose74_default_policy_restricts_the_query(dose74):
    lib, query, universe = dose74
    t = quiet(pe.enrich, query, lib, background=universe, mapper=NO_MAPPER).table.set_index(
        "set_id"
    )
    assert t.loc["ta", ["overlap", "set_size", "query_size", "universe_size"]].tolist() == [
        3,
        3,
        4,
        8,
    ]
    assert t.loc["ta", "pvalue"] == pytest.approx(0.0714286, abs=5e-8)


def test_dose74_clusterprofiler_preset_reproduces_both_published_numbers(dose74):
    lib, query, universe = dose74
    res = quiet(
        pe.enrich,
        query,
        lib,
        background=universe,
        mapper=NO_MAPPER,
        compat="clusterprofiler",
        min_size=1,
    )
    t = res.table.set_index("set_id")
    assert t.loc["ta", "GeneRatio"] == "3/5" and t.loc["ta", "BgRatio"] == "3/8"
    assert t.loc["ta", "pvalue"] == pytest.approx(0.1785714, abs=5e-8)
    assert t.loc["ta", "fdr"] == pytest.approx(0.3571429, abs=5e-8)
    assert t.loc["tb", "GeneRatio"] == "1/5" and t.loc["tb", "BgRatio"] == "5/8"
    assert t.loc["tb", "pvalue"] == pytest.approx(1.0)
    assert res.params["min_size"] == 1 and res.params["max_size"] == 500
    x = res.mapping.set_index("input").loc["x"]
    assert x["status"] == "outside_universe" and "still counted in n" in x["note"]


def test_clusterprofiler_preset_defaults_to_min_10_max_500(pfocr2018):
    res = pe.enrich(["7157", "4193", "581", "207"], pfocr2018, compat="clusterprofiler")
    assert res.table["set_size"].between(10, 500).all()
    hit = res.table["overlap"] > 0
    assert res.table.loc[~hit, "fdr"].isna().all()
    np.testing.assert_allclose(
        res.table.loc[hit, "fdr"],
        multipletests(res.table.loc[hit, "pvalue"], method="fdr_bh")[1],
        rtol=1e-12,
    )


def test_fdr_over_hit_corrects_only_sets_with_overlap(pfocr2018):
    query = ["7157", "4193", "581", "207", "5290"]
    tested = pe.enrich(query, pfocr2018).table
    hit = pe.enrich(query, pfocr2018, fdr_over="hit").table
    pd.testing.assert_series_equal(tested["pvalue"], hit["pvalue"])
    with_hits = hit["overlap"] > 0
    assert with_hits.sum() < len(hit)
    np.testing.assert_allclose(
        hit.loc[with_hits, "fdr"],
        multipletests(hit.loc[with_hits, "pvalue"], method="fdr_bh")[1],
        rtol=1e-12,
    )
    assert (hit.loc[with_hits, "fdr"] <= tested.loc[with_hits, "fdr"] + 1e-15).all()


def test_gseapy_preset_matches_gseapy_formulas(data_dir):
    """gseapy.enrich (stats.calc_pvalues): universe = library genes, hit sets only in BH,
    odds ratio with +0.5 on all cells, combined score -ln(p) * OR. Recomputed independently here."""
    # The library as given (DDX58, not RIGI): the reference below intersects names literally.
    lib = pe.read_gmt(data_dir / "pfocr" / "pfocr_covid_symbols.gmt", normalise_symbols=False)
    query = ["IRF3", "MAVS", "TBK1", "IFNB1", "STAT1", "NFKB1", "TLR3", "DDX58"]
    res = quiet(pe.enrich, query, lib, compat="gseapy")
    t = res.table[res.table["overlap"] > 0].set_index("set_id")
    bg = set(lib.genes)
    q = set(query) & bg
    N, n = len(bg), len(q)
    rows = []
    for set_id in lib:
        x = len(lib[set_id] & q)
        if x:
            m = len(lib[set_id])
            p = scipy.stats.hypergeom.sf(x - 1, N, m, n)
            oddr = ((x + 0.5) * (N - m - n + x + 0.5)) / ((m - x + 0.5) * (n - x + 0.5))
            rows.append((set_id, p, oddr))
    ref = pd.DataFrame(rows, columns=["set_id", "p", "or"]).set_index("set_id")
    ref["fdr"] = multipletests(ref["p"], method="fdr_bh")[1]
    ref = ref.loc[t.index]
    assert len(t) == len(ref)
    np.testing.assert_allclose(t["pvalue"], ref["p"], rtol=1e-10)
    np.testing.assert_allclose(t["odds_ratio"], ref["or"], rtol=1e-13)
    np.testing.assert_allclose(t["fdr"], ref["fdr"], rtol=1e-10)
    np.testing.assert_allclose(t["combined_score"], -np.log(ref["p"]) * ref["or"], rtol=1e-10)


def test_enrichr_preset_uses_fixed_background_and_their_table():
    lib = pe.sample_library()
    res = quiet(pe.enrich, ["IRF3", "MAVS", "TBK1", "IFNB1", "NOTAGENE"], lib, compat="enrichr")
    t = res.table[res.table["overlap"] > 0]
    assert (t["universe_size"] == 22000).all()
    assert res.params["universe_rule"] == "fixed"
    k, M, n = t["overlap"].to_numpy(), t["set_size"].to_numpy(), t["query_size"].to_numpy()
    # their fourth cell d = N - b - c + a makes the population N + 2a
    expected = scipy.stats.hypergeom.sf(k - 1, 22000 + 2 * k, M, n)
    np.testing.assert_allclose(t["pvalue"], expected, rtol=1e-10)
    np.testing.assert_allclose(t["odds_ratio"], t["fold_enrichment"])


def test_integer_background_is_the_enrichr_rule_without_restriction():
    lib = pe.sample_library()
    res = pe.enrich(["IRF3", "MAVS", "TBK1"], lib, background=20000)
    t = res.table
    assert (t["universe_size"] == 20000).all() and (t["query_size"] == 3).all()
    assert (t["set_size"] == lib.sets.loc[t["set_id"], "size"].to_numpy()).all()
    np.testing.assert_allclose(
        t["pvalue"], scipy.stats.hypergeom.sf(t["overlap"] - 1, 20000, t["set_size"], 3), rtol=1e-10
    )
    with pytest.raises(
        ValueError, match="The 'background' parameter of enrich must be an int >= the largest set"
    ):
        pe.enrich(["IRF3"], lib, background=10)


def test_background_as_given_counts_genes_no_set_contains():
    lib = GeneSetLibrary.from_dict({"s1": ["A", "B", "C"], "s2": ["C", "D"]})
    background = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J"]
    res = pe.enrich(
        ["A", "B", "E"], lib, background=background, background_mode="as_given", mapper=NO_MAPPER
    )
    s1 = res.table.set_index("set_id").loc["s1"]
    assert s1[["overlap", "set_size", "query_size", "universe_size"]].tolist() == [2, 3, 3, 10]
    assert s1["pvalue"] == pytest.approx(scipy.stats.hypergeom.sf(1, 10, 3, 3), rel=1e-13)
    assert res.params["universe_rule"] == "as_given"


def test_collapse_duplicates_tests_each_distinct_set_once(pfocr2018):
    query = ["7157", "4193", "581", "207", "5290", "5291", "5293", "5295"]
    plain = pe.enrich(query, pfocr2018).table
    collapsed = pe.enrich(query, pfocr2018, collapse_duplicates=True).table
    assert len(collapsed) == len(plain) - 100
    assert collapsed["n_members"].sum() == len(plain)
    np.testing.assert_allclose(
        collapsed["fdr"], multipletests(collapsed["pvalue"], method="fdr_bh")[1], rtol=1e-12
    )
    rep = collapsed[collapsed["n_members"] > 1].iloc[0]
    same = plain[plain["set_id"].isin(rep["members"])]
    assert (same["pvalue"] == rep["pvalue"]).all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"fdr_over": "hit"},
        {"correction": "holm"},
        {"min_size": 5, "max_size": 40},
        {"compat": "gseapy"},
        {"collapse_duplicates": True},
    ],
)
def test_enrich_many_equals_enrich_row_for_row(pfocr2018, kwargs):
    rng = np.random.default_rng(3)
    genes = pfocr2018.genes
    queries = {
        f"q{i}": list(rng.choice(genes, size=int(rng.integers(5, 80)), replace=False))
        for i in range(5)
    }
    queries["planted"] = sorted(pfocr2018["PMC100003"]) + list(genes[:10])
    many = pe.enrich_many(queries, pfocr2018, **kwargs)
    assert list(many.table["query"].cat.categories) == list(queries)
    for name, genes_ in queries.items():
        single = pe.enrich(genes_, pfocr2018, **kwargs).table
        part = many.table[many.table["query"] == name].drop(columns="query")
        pd.testing.assert_frame_equal(part, single, check_exact=True)


def test_enrich_many_inputs_and_alpha(pfocr2018):
    long = pd.DataFrame(
        {"query": ["a", "a", "a", "b", "b"], "gene": ["7157", "4193", "581", "5290", "5291"]}
    )
    res = pe.enrich_many(long, pfocr2018, alpha=0.05)
    assert (res.table["fdr"] <= 0.05).all()
    assert set(res.table["query"]) <= {"a", "b"}
    assert res.mapping.groupby("query", observed=True).size().to_dict() == {"a": 3, "b": 2}
    with pytest.raises(ValueError, match="The 'alpha' parameter of enrich_many"):
        pe.enrich_many(long, pfocr2018, alpha=2)


def test_bad_policy_values_name_the_parameter():
    lib = pe.sample_library()
    for kwargs, match in [
        ({"fdr_over": "all"}, "fdr_over"),
        ({"compat": "david"}, "compat"),
        ({"background_mode": "union"}, "background_mode"),
    ]:
        with pytest.raises(ValueError, match=f"The '{match}' parameter of enrich"):
            pe.enrich(["IRF3"], lib, **kwargs)


def test_qvalue_column_equals_storey_qvalue_over_the_corrected_sets(pfocr2018):
    from pfocr_enrich.stats import qvalue

    query = ["7157", "4193", "581", "207", "5290", "5291", "1026", "672", "675", "3845"]
    for fdr_over in ("tested", "hit"):
        t = pe.enrich(query, pfocr2018, fdr_over=fdr_over).table
        used = t["fdr"].notna()
        assert t.loc[~used, "qvalue"].isna().all()
        p = t.loc[used, "pvalue"].to_numpy()
        if p.max() < 0.95:
            # R's qvalue refuses to estimate pi0 here (hit sets only): so do we, with NaN
            with pytest.raises(ValueError, match="below the largest lambda"):
                qvalue(p)
            assert t["qvalue"].isna().all()
            continue
        expected, pi0 = qvalue(p)
        assert 0 < pi0 <= 1
        np.testing.assert_allclose(t.loc[used, "qvalue"], expected, rtol=1e-12)


def test_combined_score_is_minus_ln_p_times_odds_ratio_and_finite_on_underflow():
    genes = [f"G{i}" for i in range(20_000)]
    lib = GeneSetLibrary.from_dict({"planted": genes[:300], "rest": genes[300:]})
    t = pe.enrich(genes[:270] + genes[5000:5030], lib, mapper=NO_MAPPER).table.set_index("set_id")
    row = t.loc["planted"]
    assert row["pvalue"] == 0 and np.isfinite(row["combined_score"])
    expected = -row["log10_pvalue"] * np.log(10) * row["odds_ratio"]
    assert row["combined_score"] == pytest.approx(expected, rel=1e-12)
