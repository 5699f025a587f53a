"""Results of pe.gsea and pe.mhg through the result layer: the words (summary, methods
paragraph), what was left out, the set genes, the HTML columns and the mapping's ranks."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import IFN


@pytest.fixture(scope="module")
def ranking():
    """Every gene of the embedded sample (interferon genes on top), plus an unknown name and
    a second spelling of IRF3 (a duplicate)."""
    top = [g for g in IFN if g != "DDX58"]
    rest = [g for g in sorted(pe.sample_library().genes) if g not in top]
    scores = np.random.default_rng(3).normal(size=len(rest))
    extra = pd.Series({"NOT_A_GENE": 0.5, "irf3": -0.1})
    return pd.concat(
        [pd.Series(np.linspace(6, 4, len(top)), index=top), pd.Series(scores, index=rest), extra]
    )


@pytest.fixture(scope="module")
def results(ranking, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pe.GeneMappingWarning)
        gs = pe.gsea(ranking, lib, eps=1e-10, seed=5, weight=0.5)
        mh = pe.mhg(ranking, lib, min_size=5, X=2, L=800, exact_below=1e-4)
    return gs, mh


def test_mapping_keeps_each_entrys_rank_and_score(results, ranking):
    gs, mh = results
    m = gs.mapping.set_index("input")
    assert m.columns.tolist() == ["status", "mapped_to", "note", "score", "rank"]
    assert m.loc["IFNB1", "rank"] == 1 and m.loc["IFNB1", "score"] == 6.0
    assert pd.isna(m.loc["irf3", "rank"]) and m.loc["irf3", "status"] == "duplicate"
    assert m.loc["NOT_A_GENE", "status"] == "unknown" and not pd.isna(m.loc["NOT_A_GENE", "rank"])
    ranks = m["rank"].dropna().to_numpy(dtype=int)
    assert sorted(ranks) == list(range(1, len(ranking)))  # one entry left the ranking
    # mhg lists entries in rank order
    assert mh.mapping["rank"].head(3).tolist() == [1, 2, 3]
    assert mh.mapping["input"].head(3).tolist() == ["IFNB1", "IRF3", "MAVS"]


def test_dropped_is_what_left_the_ranking(results):
    gs, _ = results
    assert gs.dropped["input"].tolist() == ["irf3"]  # NOT_A_GENE stays as a non-member
    page = gs._repr_html_()
    assert "left the ranking: 1 \u2014 irf3 (duplicate)" in page
    assert "ranking: 1,524 entries, 1,523 in the library" in page


def test_set_genes(results, lib):
    gs, _ = results
    set_id = gs.table["set_id"].iloc[0]
    assert gs.set_genes(set_id) == tuple(sorted(lib[set_id]))
    assert gs.top(1).set_genes(set_id) == gs.set_genes(set_id)
    with pytest.raises(KeyError, match="no set 'nope'"):
        gs.set_genes("nope")
    plain = pe.EnrichmentResult(gs.table, params=gs.params, mapping=gs.mapping)
    with pytest.raises(ValueError, match="holds no set genes"):
        plain.set_genes(set_id)


def test_gsea_summary_and_methods(results):
    gs, _ = results
    lines = gs.summary().splitlines()
    assert lines[0].startswith("analysis: gsea (preranked GSEA")
    assert "ranking: 1,524 entries (of 1,525 read), 1,523 of them library genes" in lines
    assert any(line.startswith("library 'PFOCR COVID sample (2020)': 216 sets, ") for line in lines)
    assert "GSEA: weight 0.5, 1,000 permutations per size, eps 1e-10, seed 5" in lines
    text = gs.methods_text()
    for phrase in (
        "preranked gene-set enrichment analysis (GSEA; Subramanian et al., 2005)",
        "Of 1,525 ranked identifiers, 1,524 formed the ranked list",
        "the entry with the largest absolute score kept",
        "gene sets with 15 to 500 members in the list were tested",
        "each member weighted by |score|^0.5",
        "Korotkevich et al., bioRxiv 060012",
        "1,000 random gene sets per set size",
        "samples of 101 sets",
        "p-values below 1e-10 are reported as 1e-10",
        "The random number seed was 5.",
        "Benjamini-Hochberg",
        "Genome Biology 21, 273",
    ):
        assert phrase in text, phrase
    assert "universe" not in text


def test_mhg_summary_methods_and_html(results):
    _, mh = results
    assert (
        "mHG: X = 2 (fewest members above a cutoff), L = 800 (last cutoff), p-values exact below "
        "a union bound of 0.0001"
    ) in mh.summary()
    text = mh.methods_text()
    for phrase in (
        "minimum-hypergeometric test (mHG; Eden et al., 2007) in its XL-mHG form (Wagner, 2015)",
        "its best rank kept",
        "at least 5 members in the list",
        "every cutoff n \u2264 L = 800 with at least X = 2 members",
        "accounts for the search over cutoffs",
        "union bound (K \u2212 X + 1) mHG was at least 0.0001",
    ):
        assert phrase in text, phrase
    page = mh.to_html(plot=False, top=None)
    heads = ["rank", "figure", "paper", "size", "cutoff", "hits", "mHG", "p-value", "FDR", "genes"]
    for head in heads:
        assert f">{head}</th>" in page, head
    assert ">overlap</th>" not in page and ">ES</th>" not in page
    bounds = int((~mh.table["pvalue_exact"]).sum())
    assert bounds > 0 and page.count(">\u2264 ") == bounds  # a bound, not an exact p-value
    assert "Ranking entries left out (1)" in page
