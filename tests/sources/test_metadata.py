"""join_metadata: figure metadata from a library, a frame or a folder of pages onto GMT sets."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich._util.files import CACHE_ENV
from pfocr_enrich.errors import MetadataJoinWarning
from pfocr_enrich.sources import join_metadata
from sources.release_server import (
    DATA,
)


def _copy_sample(folder: Path) -> Path:
    shutil.copytree(DATA / "figures" / "sample", folder / "_figures")
    return folder


def test_join_metadata_puts_figure_titles_years_and_links_on_gmt_sets(data_dir):
    gmt = pe.read_gmt(data_dir / "pfocr" / "pfocr_covid.gmt")
    sample = pe.sample_library()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lib = join_metadata(gmt, sample)
    assert lib == gmt and list(lib.set_ids) == list(gmt.set_ids)
    row = lib.sets.loc["PMC1533821__1465-9921-7-97-2.jpg"]
    assert row["title"] == "Recognition of pathogens by cytosolic PRRs"
    assert row["year"] == 2006 and str(lib.sets["year"].dtype) == "Int64"
    assert row["url"] == "https://pfocr.wikipathways.org/figures/PMC1533821__1465-9921-7-97-2.html"
    assert row["pmc_url"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1533821/"
    assert row["organism"] == "Homo sapiens"  # GMT columns are kept
    assert lib.info["metadata"] == {
        "source": sample.name,
        "n_sets": 216,
        "n_matched": 216,
        "n_unmatched": 0,
    }
    assert gmt.sets.loc["PMC1533821__1465-9921-7-97-2.jpg", "url"].endswith(
        ".jpg.html"
    )  # input unchanged


def test_join_metadata_from_a_folder_of_pages_warns_about_unmatched_sets(tmp_path, monkeypatch):
    snapshot = _copy_sample(tmp_path / "pfocr-database")
    gmt = pe.GeneSetLibrary.from_dict({"PMC8413833__gr8": ["MIF"], "PMC0__none": ["TP53"]})
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    with pytest.warns(
        MetadataJoinWarning, match="1 of 2 sets have no figure metadata .*'PMC0__none'"
    ):
        lib = join_metadata(gmt, snapshot)
    assert len(list((tmp_path / "cache" / "snapshots").glob("*.npz"))) == 1
    assert lib.sets.loc["PMC8413833__gr8", "year"] == 2021
    assert lib.sets.loc["PMC8413833__gr8", "pmcid"] == "PMC8413833"
    assert pd.isna(lib.sets.loc["PMC0__none", "year"])
    assert lib.info["metadata"]["n_unmatched"] == 1


def test_join_metadata_matches_figid_aliases_and_raises_when_nothing_matches():
    gmt = pe.GeneSetLibrary.from_dict({"PMC8413833__F8": ["MIF"]})
    meta = pd.DataFrame(
        {"figid": ["PMC8413833__gr8"], "figid_alias": ["PMC8413833__F8"], "title": ["T"]}
    )
    assert join_metadata(gmt, meta).sets.loc["PMC8413833__F8", "title"] == "T"
    with pytest.raises(
        ValueError,
        match=r"no set of the library matches a figure .*\['PMC8413833__F8'\].*\['other'\]",
    ):
        join_metadata(gmt, pd.DataFrame({"title": ["T"]}, index=["other"]))
    with pytest.raises(TypeError, match="The 'metadata' parameter of join_metadata must be"):
        join_metadata(gmt, 3)
