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
    symbol = pe.GeneMapper.default().symbol_of_entrez
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
                # people read symbols, alphabetically; the Entrez IDs follow the same order
                "genes": ";".join(sorted(symbol(g) for g in genes & query)),
                "gene_ids": ";".join(sorted(genes & query, key=symbol)),
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
    assert (table["gene_ids"] == ref["gene_ids"]).all()
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
    cols = ["set_id", "overlap", "set_size", "pvalue", "fdr", "genes", "gene_ids"]
    pd.testing.assert_frame_equal(by_entrez[cols], by_symbol[cols])
    assert "gene_symbols" not in by_symbol  # `genes` holds the symbols (docs/results.md)
    hit = by_symbol[by_symbol["overlap"] > 0]
    for table in (hit.head(50), hit.tail(50), pe.enrich(QUERY_ENTREZ, pfocr2018).top(5).table):
        assert len(table)
        for genes, ids in zip(table["genes"], table["gene_ids"]):
            # the symbols, alphabetically, and the Entrez IDs of the same genes in the same order
            assert genes.split(";") == sorted(genes.split(";"))
            assert genes.split(";") == [mapper.symbol_of_entrez(e) for e in ids.split(";")]
    top = by_symbol.iloc[0]
    assert set(top["genes"].split(";")) <= set(symbols)
    assert set(top["gene_ids"].split(";")) <= set(QUERY_ENTREZ)


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


# -- arguments that used to give raw Python errors or wrong results (issue 17) -----------------
@pytest.mark.parametrize(
    ("genes", "given"),
    [
        (None, "Got None instead"),
        (7157, r"Got 7157 \(type int\)"),
        (7157.0, r"Got 7157.0 \(type float\)"),
        (np.array("TP53"), r"\(type ndarray\)"),
        (pd.DataFrame({"IRF3": [1], "MAVS": [2]}), "pass one column.*Got a DataFrame"),
    ],
)
def test_genes_that_are_not_a_collection_are_type_errors(genes, given):
    with pytest.raises(TypeError, match=f"The 'genes' parameter of enrich must be .*{given}"):
        pe.enrich(genes, pe.sample_library())


def test_a_two_dimensional_array_of_genes_is_a_value_error():
    with pytest.raises(ValueError, match="'genes' parameter of enrich must be one-dimensional"):
        pe.enrich(np.array([["IRF3", "MAVS"]]), pe.sample_library())


def test_pandas_missing_values_are_blanks_not_genes():
    genes = ["IRF3", pd.NA, pd.NaT, np.datetime64("NaT"), np.float32("nan"), None, "MAVS"]
    res = pe.enrich(genes, pe.sample_library())
    assert res.mapping["input"].tolist() == ["IRF3", "MAVS"]
    assert res.params["query_input"] == 2
    series = pd.Series(["IRF3", None, "MAVS"], dtype="string")  # its blanks are pd.NA
    assert pe.enrich(series, pe.sample_library()).mapping["input"].tolist() == ["IRF3", "MAVS"]


def test_a_query_with_only_blanks_says_so():
    with pytest.raises(EmptyQueryError, match="enrich: the query holds no gene identifier"):
        pe.enrich(["", None, pd.NA], pe.sample_library())
    with pytest.raises(EmptyQueryError, match="enrich_many: query 'b' holds no gene identifier"):
        pe.enrich_many({"a": ["IRF3"], "b": []}, pe.sample_library())


@pytest.mark.parametrize(
    ("background", "error", "match"),
    [
        (20000.0, TypeError, r"None, a collection of genes or an int. Got 20000.0 \(type float\)"),
        (float("nan"), TypeError, r"Got nan \(type float\)"),
        (True, TypeError, r"Got True \(type bool\)"),
        ("measured.txt", TypeError, "not a single string"),
        (10, ValueError, "an int >= the largest set"),
        (2**62, ValueError, r"<= 1,000,000,000 \(the largest universe the exact test handles\)"),
        (2**63, ValueError, "Got 9223372036854775808 instead"),
    ],
)
def test_bad_backgrounds_name_the_parameter(background, error, match):
    with pytest.raises(error, match=f"The 'background' parameter of enrich must be .*{match}"):
        pe.enrich(["IRF3", "MAVS"], pe.sample_library(), background=background)


def test_the_universe_bound_is_where_the_exact_core_is_still_correct():
    from fractions import Fraction

    from pfocr_enrich.engine.universe import MAX_UNIVERSE_SIZE

    lib = pe.sample_library()
    # An overlap of one gene with the smallest set: p = 1 - C(N - M, 1) / C(N, 1) = M / N, whose
    # relative error grows with N (it was 0.0 instead of ~1e-18 at N = 2**62).
    res = pe.enrich(["IRF3"], lib, background=MAX_UNIVERSE_SIZE)
    row = res.table.iloc[0]
    assert row["overlap"] == 1
    exact = Fraction(int(row["set_size"]), MAX_UNIVERSE_SIZE)
    assert row["pvalue"] == pytest.approx(float(exact), rel=1e-6)
    with pytest.raises(ValueError, match="Got 1000000001 instead"):
        pe.enrich(["IRF3"], lib, background=MAX_UNIVERSE_SIZE + 1)


def test_a_fixed_background_smaller_than_the_query_is_refused():
    lib = pe.sample_library()
    genes = list(lib.genes[:200])
    with pytest.raises(ValueError, match=r"must be an int >= the query size \(200\). Got 126"):
        pe.enrich(genes, lib, background=126)


def test_mapper_must_be_a_gene_mapper():
    with pytest.raises(TypeError, match=r"'mapper' parameter of enrich must be a GeneMapper"):
        pe.enrich(["IRF3"], pe.sample_library(), mapper="x")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"collapse_duplicates": "no"}, r"'collapse_duplicates' .* bool .*Got 'no' \(type str\)"),
        ({"resolve_aliases": 1}, r"'resolve_aliases' .* bool .*Got 1 \(type int\)"),
        ({"correction": 5}, r"'correction' .* one of .*Got 5 \(type int\)"),
        ({"compat": ["gseapy"]}, "'compat' parameter of enrich must be None or one of"),
    ],
)
def test_wrong_types_of_options_are_type_errors(kwargs, match):
    with pytest.raises(TypeError, match=match):
        pe.enrich(["IRF3"], pe.sample_library(), **kwargs)


def test_enrich_many_arguments():
    lib = pe.sample_library()
    with pytest.raises(TypeError, match=r"'queries\['a'\]' parameter of enrich_many .*Got None"):
        pe.enrich_many({"a": None}, lib)
    with pytest.raises(TypeError, match=r"'alpha' parameter of enrich_many .*Got True"):
        pe.enrich_many({"a": ["IRF3"]}, lib, alpha=True)
    with pytest.raises(TypeError, match="'queries' parameter of enrich_many must be a mapping"):
        pe.enrich_many([["IRF3"], ["MAVS"]], lib)
    empty = pd.DataFrame({"query": [], "gene": []})
    with pytest.raises(ValueError, match="must be a non-empty DataFrame with columns 'query'"):
        pe.enrich_many(empty, lib)


def test_enrich_many_refuses_a_long_table_row_without_a_query_name():
    long = pd.DataFrame({"query": ["a", "a", np.nan], "gene": ["IRF3", "MAVS", "TBK1"]})
    with pytest.raises(
        ValueError, match=r"a query name in every row. Got 1 row\(s\) without one \(index 2\)"
    ):
        pe.enrich_many(long, pe.sample_library())


@pytest.mark.parametrize(
    "queries",
    [
        {1: ["IRF3"], "1": ["MAVS"]},
        pd.DataFrame({"query": [1, "1"], "gene": ["IRF3", "MAVS"]}),
    ],
)
def test_enrich_many_refuses_query_names_equal_as_text(queries):
    with pytest.raises(ValueError, match=r"names that differ once written as text. Got 1 and '1'"):
        pe.enrich_many(queries, pe.sample_library())


def test_enrich_many_returns_a_batch_result():
    import typing

    from pfocr_enrich.engine.dataset import WrittenDataset
    from pfocr_enrich.engine.enrich import enrich_many

    # In memory a BatchEnrichmentResult; with out= a WrittenDataset, with client= a dask
    # DataFrame (Any: dask is optional) (issue 16).
    hints = typing.get_type_hints(enrich_many)
    assert hints["return"] == pe.BatchEnrichmentResult | WrittenDataset | typing.Any
    assert type(pe.enrich_many({"a": ["IRF3", "MAVS"]}, pe.sample_library())) is (
        pe.BatchEnrichmentResult
    )


def test_an_entrez_library_is_read_in_symbols_everywhere(pfocr2018, tmp_path):
    """Issue 13: the table, repr, Jupyter view, report and mapping notes show symbols."""
    with pytest.warns(GeneMappingWarning):  # NOT_A_GENE is left out
        res = pe.enrich(["PD-L1", "IL6", "TNF", "AKT1", "STAT3", "NOT_A_GENE"], pfocr2018)
    top = res.top(3)
    assert top.table.iloc[0]["genes"] == "AKT1;IL6;STAT3"
    assert top.table.iloc[0]["gene_ids"] == "207;3569;6774"
    ids_text = "207;3569;6774"
    assert "AKT1;IL6;STAT3" in repr(top) and ids_text not in repr(top)
    html = top._repr_html_()
    assert "AKT1;IL6;STAT3" in html and ids_text not in html
    top.to_html(tmp_path / "report.html")
    report = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "AKT1;IL6;STAT3" in report
    assert "mapping: official 4; alias 1 (PD-L1->CD274)" in res.summary()
    assert res.mapping.set_index("input").loc["PD-L1", ["mapped_to", "symbol"]].tolist() == [
        "29126",
        "CD274",
    ]
    # exports keep both columns
    top.to_csv(tmp_path / "top.csv")
    written = pd.read_csv(tmp_path / "top.csv", dtype=str)
    assert written.loc[0, ["genes", "gene_ids"]].tolist() == ["AKT1;IL6;STAT3", "207;3569;6774"]


def test_a_symbol_library_has_no_gene_ids_column():
    table = pe.enrich(["TBK1", "IRF3", "MAVS"], pe.sample_library()).table
    assert "gene_ids" not in table and "gene_symbols" not in table
    assert table.iloc[0]["genes"] == "IRF3;MAVS;TBK1"


def test_the_embedded_sample_says_how_to_get_the_full_release():
    sample_lib = pe.sample_library()
    hint = "pe.load_pfocr()"
    with pytest.warns(GeneMappingWarning):
        outside = pe.enrich(["MIF", "CXCR2", "ACKR3", "CD74", "CXCR4"], sample_lib)
    summary = outside.summary()
    assert "note: 3 of 5 query genes are not in 'PFOCR COVID sample (2020)'" in summary
    assert hint in summary and "--library" in summary and hint in repr(outside)
    inside = pe.enrich(["IRF3", "MAVS", "TBK1", "DDX58"], sample_lib)
    assert hint not in inside.summary()
    with pytest.warns(GeneMappingWarning):  # 1 of 5 outside: under the share that warrants it
        few = pe.enrich(["IRF3", "MAVS", "TBK1", "DDX58", "CXCR2"], sample_lib)
    assert hint not in few.summary()


def test_a_full_library_never_gets_the_sample_hint(pfocr2018):
    with pytest.warns(GeneMappingWarning):
        res = pe.enrich(["AKT1", "TMPRSS2", "ACKR3", "CXCR2", "ZNF511", "OR1A1"], pfocr2018)
    assert (res.mapping["status"] == "outside_universe").sum() == 3  # half the query
    assert "pe.load_pfocr()" not in res.summary()
