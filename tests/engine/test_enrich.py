"""enrich(): numbers against scipy/statsmodels on real PFOCR sets, and the contract around them."""

from __future__ import annotations

import copy
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from statsmodels.stats.multitest import multipletests

import pfocr_enrich as pe
from pfocr_enrich import EmptyQueryError, GeneMappingWarning, GeneSetLibrary

# Genes of a real PFOCR 2018 paper set plus unrelated ones: a realistic strong hit.
QUERY_ENTREZ = [
    "207",
    "4193",
    "581",
    "7157",
    "1026",
    "5290",
    "3845",
    "1956",
    "2064",
    "5594",
    "672",
    "675",
]


def independent_reference(lib: GeneSetLibrary, query: set[str], universe: set[str]) -> pd.DataFrame:
    """Recompute every row with plain Python sets and scipy, nothing shared with the package."""
    rows = []
    n = len(query & universe)
    N = len(universe)
    for set_id in lib:
        genes = lib[set_id] & universe
        k, M = len(genes & query), len(genes)
        if M == 0:
            continue
        table = [[k, M - k], [n - k, N - M - n + k]]
        rows.append(
            {
                "set_id": set_id,
                "overlap": k,
                "set_size": M,
                "pvalue": scipy.stats.hypergeom.sf(k - 1, N, M, n),
                "fisher": scipy.stats.fisher_exact(table, alternative="greater")[1] if k else 1.0,
                "genes": ";".join(sorted(genes & query)),
            }
        )
    ref = pd.DataFrame(rows).set_index("set_id")
    ref["fdr"] = multipletests(ref["pvalue"], method="fdr_bh")[1]
    return ref


def test_pvalues_and_fdr_match_scipy_and_statsmodels_on_real_data(pfocr2018):
    res = pe.enrich(QUERY_ENTREZ, pfocr2018)
    table = res.table.set_index("set_id")
    ref = independent_reference(pfocr2018, set(QUERY_ENTREZ), set(pfocr2018.genes))
    assert len(table) == len(ref) == 3415  # every set tested, zero-overlap ones included
    ref = ref.loc[table.index]
    assert (table["overlap"] == ref["overlap"]).all()
    assert (table["set_size"] == ref["set_size"]).all()
    np.testing.assert_allclose(table["pvalue"], ref["pvalue"], rtol=1e-10)
    np.testing.assert_allclose(table["pvalue"], ref["fisher"], rtol=1e-9)
    np.testing.assert_allclose(table["fdr"], ref["fdr"], rtol=1e-10)
    assert (table["genes"] == ref["genes"]).all()
    assert (table.loc[table["overlap"] == 0, "pvalue"] == 1).all()


def test_background_restricts_universe_sets_and_query(pfocr2018):
    background = list(pfocr2018.genes[::2]) + QUERY_ENTREZ[:6]
    with pytest.warns(GeneMappingWarning, match="outside_universe"):
        res = pe.enrich(QUERY_ENTREZ, pfocr2018, background=background)
    universe = set(background) & set(pfocr2018.genes)
    ref = independent_reference(pfocr2018, set(QUERY_ENTREZ), universe)
    table = res.table.set_index("set_id")
    assert res.params["universe_size"] == len(universe)
    assert set(table.index) == set(ref.index)  # sets with no gene in the universe are not tested
    ref = ref.loc[table.index]
    np.testing.assert_allclose(table["pvalue"], ref["pvalue"], rtol=1e-10)
    np.testing.assert_allclose(table["fdr"], ref["fdr"], rtol=1e-10)
    dropped = res.dropped
    assert set(dropped["input"]) == set(QUERY_ENTREZ) - universe
    assert (dropped["status"] == "outside_universe").all()


def test_hand_computed_small_case():
    lib = GeneSetLibrary.from_dict({"ta": list("adfxy"), "tb": list("bcegh")})
    res = pe.enrich(
        list("acdfx"),
        lib,
        mapper=pe.GeneMapper.from_tables(pd.DataFrame({"entrez": [], "symbol": []})),
    )
    ta = res.table.set_index("set_id").loc["ta"]
    # N = 10 genes, M = 5, n = 5, k = 4: p = (C(5,4)C(5,1) + C(5,5)C(5,0)) / C(10,5) = 26/252
    assert ta["pvalue"] == pytest.approx(26 / 252, rel=1e-14)
    assert ta["expected"] == pytest.approx(2.5)
    assert ta["fold_enrichment"] == pytest.approx(1.6)
    assert ta["genes"] == "a;d;f;x"


def test_min_and_max_size_use_sizes_in_universe(pfocr2018):
    res = pe.enrich(QUERY_ENTREZ, pfocr2018, min_size=5, max_size=50)
    sizes = res.table["set_size"]
    assert sizes.between(5, 50).all()
    assert len(res.table) == int(pfocr2018.sets["size"].between(5, 50).sum())
    ref = multipletests(res.table["pvalue"], method="fdr_bh")[1]
    np.testing.assert_allclose(res.table["fdr"], ref, rtol=1e-12)


def test_symbol_query_against_entrez_library_equals_entrez_query(pfocr2018):
    mapper = pe.GeneMapper.default()
    symbols = [mapper.symbol_of_entrez(e) for e in QUERY_ENTREZ]
    by_entrez = pe.enrich(QUERY_ENTREZ, pfocr2018).table
    by_symbol = pe.enrich([s.lower() for s in symbols], pfocr2018).table
    cols = ["set_id", "overlap", "set_size", "pvalue", "fdr", "genes", "gene_symbols"]
    pd.testing.assert_frame_equal(by_entrez[cols], by_symbol[cols])
    top = by_symbol.iloc[0]
    assert top["gene_symbols"].split(";") == [
        mapper.symbol_of_entrez(e) for e in top["genes"].split(";")
    ]
    assert set(top["gene_symbols"].split(";")) <= set(symbols)


def test_entrez_query_against_symbol_library(data_dir):
    sym = pe.read_gmt(data_dir / "pfocr" / "pfocr_covid_symbols.gmt")
    ent = pe.read_gmt(data_dir / "pfocr" / "pfocr_covid.gmt")
    genes = ["IRF3", "MAVS", "TBK1", "IFNB1", "STAT1"]
    ids = [pe.GeneMapper.default().entrez_of_symbol(g) for g in genes]
    a = pe.enrich(ids, sym).table
    b = pe.enrich(genes, ent).table
    np.testing.assert_allclose(a["pvalue"], b["pvalue"], rtol=1e-14)
    assert a["set_id"].tolist() == b["set_id"].tolist()


def test_unknown_and_duplicate_genes_are_reported_not_silently_dropped():
    lib = pe.sample_library()
    with pytest.warns(
        GeneMappingWarning,
        match=r"2 of 6 query genes were left out \(unknown: 1, duplicate: 1\): 'NOTAGENE', 'irf3'",
    ):
        res = pe.enrich(["IRF3", "NOTAGENE", "irf3", "MAVS", "", "TBK1", "STAT1"], lib)
    mapping = res.mapping
    assert mapping["status"].tolist() == [
        "official",
        "unknown",
        "duplicate",
        "official",
        "official",
        "official",
    ]
    assert res.params["query_size"] == 4
    assert res.table["query_size"].eq(4).all()


def test_entrez_ids_as_ints_and_floats():
    lib = pe.sample_library()
    as_str = pe.enrich(["3661", "57506"], lib).table
    as_int = pe.enrich([3661, 57506.0], lib).table
    pd.testing.assert_frame_equal(as_str, as_int)


def test_empty_query_raises_with_counts():
    with (
        pytest.raises(EmptyQueryError, match="none of the 2 query genes") as info,
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        pe.enrich(["NOTAGENE", "ALSO_NOT"], pe.sample_library())
    assert "unknown: 2" in str(info.value)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        # A float size is a wrong type (TypeError) since issue 12; it was a ValueError before.
        ({"min_size": 0.5}, TypeError, "The 'min_size' parameter of enrich"),
        ({"max_size": -1}, ValueError, "The 'max_size' parameter of enrich"),
        (
            {"min_size": 10, "max_size": 5},
            ValueError,
            "The 'max_size' parameter of enrich must be None or >= min_size",
        ),
        ({"correction": "fdr"}, ValueError, "The 'correction' parameter of enrich must be one of"),
    ],
)
def test_bad_options_name_the_parameter(kwargs, error, match):
    with pytest.raises(error, match=match):
        pe.enrich(["IRF3"], pe.sample_library(), **kwargs)


def test_bad_inputs_are_type_errors():
    with pytest.raises(TypeError, match="not a single string"):
        pe.enrich("IRF3", pe.sample_library())
    with pytest.raises(TypeError, match="must be a GeneSetLibrary"):
        pe.enrich(["IRF3"], {"s": ["IRF3"]})


def test_inputs_not_mutated_and_results_deterministic():
    lib = pe.sample_library()
    query = ["IRF3", "MAVS", "TBK1", "IFNB1", "STAT1", "NFKB1"]
    query_copy = copy.deepcopy(query)
    sets_before = lib.sets
    first = pe.enrich(query, lib).table
    second = pe.enrich(list(reversed(query)), lib).table
    assert query == query_copy
    pd.testing.assert_frame_equal(lib.sets, sets_before)
    pd.testing.assert_frame_equal(first, second)


def test_ranking_by_pvalue_with_ties_broken_by_set_id():
    res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
    t = res.table
    assert (np.diff(t["log10_pvalue"]) >= 0).all()
    for _, group in t.groupby("log10_pvalue", sort=False):
        assert group["set_id"].tolist() == sorted(group["set_id"])
    assert t.index[0] == 1


def test_result_links_back_to_figures():
    top = pe.enrich(["IRF3", "MAVS", "TBK1", "IFNB1", "RIGI"], pe.sample_library()).table.iloc[0]
    assert top["url"] == f"https://pfocr.wikipathways.org/figures/{top['set_id']}.html"
    assert top["pmc_url"].startswith("https://www.ncbi.nlm.nih.gov/pmc/articles/PMC")
    for col in [
        "set_id",
        "title",
        "overlap",
        "set_size",
        "query_size",
        "universe_size",
        "expected",
        "fold_enrichment",
        "pvalue",
        "fdr",
        "genes",
        "url",
        "log10_pvalue",
        "odds_ratio",
    ]:
        assert col in top.index


def test_underflowing_pvalue_keeps_finite_log10():
    genes = [f"G{i}" for i in range(20_000)]
    planted = genes[:300]
    lib = GeneSetLibrary.from_dict({"planted": planted, "rest": genes[300:]})
    empty_mapper = pe.GeneMapper.from_tables(pd.DataFrame({"entrez": [], "symbol": []}))
    res = pe.enrich(planted[:270] + genes[5000:5030], lib, mapper=empty_mapper)
    row = res.table.iloc[0]
    assert row["set_id"] == "planted"
    assert row["pvalue"] == 0.0
    assert np.isfinite(row["log10_pvalue"]) and row["log10_pvalue"] < -500
