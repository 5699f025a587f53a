"""The generic result parts work for a table of another analysis (a preranked GSEA-like
table: no overlap, set_size or genes), and the ORA wording stays with ORA results."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from conftest import ROUND_TRIP
from pfocr_enrich.results import EnrichmentResult

GSEA_COLUMNS = [
    "set_id",
    "title",
    "size",
    "es",
    "nes",
    "pvalue",
    "log2err",
    "fdr",
    "leading_edge",
    "links",
]


@pytest.fixture()
def gsea() -> EnrichmentResult:
    table = pd.DataFrame(
        {
            "set_id": ["PMC1__f1", "PMC2__f3", "PMC3__f2", "PMC4__f9"],
            "title": ["IFN signalling", "NF-kB <pathway>", "", "TLR cascade"],
            "size": [25, 40, 12, 60],
            "es": [0.71, 0.55, -0.4, 0.2],
            "nes": [2.1, 1.7, -1.2, 0.6],
            "pvalue": [1e-5, 4e-4, 0.03, 0.4],
            "log2err": [0.6, 0.5, 0.3, 0.1],
            "fdr": [4e-5, 8e-4, 0.04, 0.4],
            "leading_edge": ["IRF3;MAVS;TBK1", "RELA;NFKB1", "TLR3", "MYD88"],
            "links": ["https://pfocr.wikipathways.org/figures/PMC1__f1", "", "", ""],
        },
        index=pd.RangeIndex(1, 5, name="rank"),
    )
    params = {
        "analysis": "gsea",
        "test": "preranked GSEA (1,000 permutations)",
        "library": "PFOCR sample",
        "library_sets": 4,
        "correction": "fdr_bh",
    }
    mapping = pd.DataFrame(
        {"input": ["IRF3", "NOPE"], "status": ["official", "unknown"], "mapped_to": ["IRF3", None]}
    )
    return EnrichmentResult(table, params=params, mapping=mapping)


def test_table_filters_and_copies(gsea):
    assert gsea.table.columns.tolist() == GSEA_COLUMNS and not gsea.is_batch
    assert gsea.significant(0.05).table["set_id"].tolist() == ["PMC1__f1", "PMC2__f3", "PMC3__f2"]
    assert gsea.significant(0.001, by="pvalue").table.index.tolist() == [1, 2]
    assert gsea.significant(0.5, by="nes").table["set_id"].tolist() == ["PMC3__f2"]
    assert gsea.top(2).table.index.tolist() == [1, 2]
    assert gsea.significant(0.05).params["filter"] == "fdr <= 0.05"
    with pytest.raises(ValueError, match="'by' parameter"):
        gsea.significant(0.05, by="leading_edge")
    with pytest.raises(ValueError, match="needs an 'overlap' column"):
        gsea.hits()
    assert gsea.dropped["input"].tolist() == ["NOPE"]


def test_text_is_not_the_ora_wording(gsea):
    summary = gsea.summary()
    assert summary.splitlines()[0] == "analysis: gsea (preranked GSEA (1,000 permutations))"
    assert "3 row(s) with fdr <= 0.05" in summary and "universe" not in summary
    text = repr(gsea)
    assert text.startswith("EnrichmentResult\nanalysis: gsea") and "PMC4__f9" in text
    header = text.splitlines()[len(summary.splitlines()) + 1].split()
    assert header == ["set_id", "title", "size", "es", "nes", "pvalue", "fdr", "leading_edge"]
    methods = gsea.methods_text()
    assert "preranked gene-set enrichment analysis (GSEA" in methods
    assert "Benjamini-Hochberg" in methods
    assert "Hypergeometric" not in methods and "universe" not in methods
    assert "Genome Biology 21, 273" in methods
    # an analysis the result layer has no words for is named by its params' `test`
    other = EnrichmentResult(
        gsea.table, params={**gsea.params, "analysis": "custom"}, mapping=gsea.mapping
    )
    assert "assessed by preranked GSEA (1,000 permutations)" in other.methods_text()


def test_html_shows_the_columns_the_table_has(gsea, tmp_path):
    page = gsea._repr_html_()
    for head in (">size<", ">ES<", ">NES<", ">p-value<", ">FDR<", ">leading edge<"):
        assert head in page, head
    assert ">overlap<" not in page and ">fold<" not in page
    assert "IRF3, MAVS, TBK1" in page and "NF-kB &lt;pathway&gt;" in page
    assert 'href="https://pfocr.wikipathways.org/figures/PMC1__f1"' in page
    assert page.count('<tr class="row"') == 4 and "analysis: gsea" in page
    report = gsea.to_html(tmp_path / "gsea.html", top=3, plot=True)
    assert report is None
    text = (tmp_path / "gsea.html").read_text(encoding="utf-8")
    assert text.count('<tr class="row"') == 3
    pytest.importorskip("matplotlib")
    assert 'alt="dot plot of the top sets"' in text  # ordered by NES; no ranking kept: no curve
    assert "running sum" not in text


def test_exports_and_pickling(gsea, tmp_path):
    gsea.to_csv(tmp_path / "g.tsv")
    back = pd.read_csv(tmp_path / "g.tsv", sep="\t", **ROUND_TRIP)
    assert back.columns.tolist() == ["rank", *GSEA_COLUMNS]
    np.testing.assert_array_equal(back["nes"].to_numpy(), gsea.table["nes"].to_numpy())
    again = pickle.loads(pickle.dumps(gsea.significant(0.05)))
    assert again == gsea.significant(0.05) and again.summary() == gsea.significant(0.05).summary()
    assert '"analysis": "gsea"' in gsea.to_json()


def test_cluster_needs_set_genes_without_overlapping_genes(gsea):
    with pytest.raises(ValueError, match="pass gene_sets"):
        gsea.cluster(0.5)
    genes = {"PMC1__f1": {"A", "B"}, "PMC2__f3": {"A", "B", "C"}, "PMC3__f2": {"D"}}
    clustered = gsea.cluster(0.5, gene_sets=genes)
    assert clustered.table["cluster"].tolist()[:3] == [1, 1, 2]
    assert clustered.significant(representatives_only=True).table["set_id"].tolist() == [
        "PMC1__f1",
        "PMC3__f2",
    ]
