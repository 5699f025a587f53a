"""The embedded sample library: real PFOCR COVID figures with metadata."""

from __future__ import annotations

import pytest

import pfocr_enrich as pe


def test_sample_library_contents():
    lib = pe.sample_library()
    assert (len(lib), lib.n_genes) == (216, 1523)  # documented counts of the PFOCR COVID collection
    assert int(lib.sets["size"].sum()) == 4574
    row = lib.sets.loc["PMC1533821__1465-9921-7-97-2"]
    assert row["title"] == "Recognition of pathogens by cytosolic PRRs"
    assert row["year"] == 2006
    assert row["url"] == "https://pfocr.wikipathways.org/figures/PMC1533821__1465-9921-7-97-2.html"
    assert row["image_url"].endswith("/PMC1533821/bin/1465-9921-7-97-2.jpg")


def test_sample_library_reports_figures_without_genes_and_has_no_mojibake():
    lib = pe.sample_library()
    assert len(lib.load_report) == 5
    assert (lib.load_report["problem"] == "no_genes").all()
    text = " ".join(lib.sets["paper_title"]) + " ".join(lib.sets["title"])
    assert "Œ" not in text and "‚Äì" not in text
    assert "–" in text or "β" in text  # repaired characters are present


def test_symbols_are_current_ncbi_symbols():
    lib = pe.sample_library()
    assert "RIGI" in set(lib.genes) and "DDX58" not in set(lib.genes)


def test_unknown_sample_name():
    with pytest.raises(ValueError, match="The 'name' parameter of sample_library must be one of"):
        pe.sample_library("nope")
