"""The compat presets against the peer tools themselves, when they are installed.

CI installs gseapy and pyenrichr (see .ci/run); elsewhere these tests skip and
tests/test_policies.py still checks each preset against an independent
re-implementation of the peer's formulas.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pfocr_enrich as pe

QUERY = [
    "IRF3",
    "MAVS",
    "TBK1",
    "IFNB1",
    "STAT1",
    "NFKB1",
    "TLR3",
    "IRF7",
    "ISG15",
    "MX1",
    "OAS1",
    "TNF",
    "IL6",
]


@pytest.fixture(scope="module")
def lib(data_dir):
    return pe.read_gmt(data_dir / "pfocr" / "pfocr_covid_symbols.gmt")


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def test_gseapy_preset_matches_gseapy_enrich(lib):
    gseapy = pytest.importorskip("gseapy", reason="gseapy is not installed (pip install gseapy)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = gseapy.enrich(
            gene_list=QUERY,
            gene_sets=lib.to_dict(),
            background=None,
            outdir=None,
            no_plot=True,
            verbose=False,
        ).res2d.set_index("Term")
    ours = pe.enrich(QUERY, lib, compat="gseapy").table
    hit = ours[ours["overlap"] > 0].set_index("set_id")
    assert set(hit.index) == set(theirs.index)  # gseapy lists exactly the sets with a hit
    hit = hit.loc[theirs.index]
    assert rel(hit["pvalue"], theirs["P-value"]) < 1e-12
    assert rel(hit["fdr"], theirs["Adjusted P-value"]) < 1e-12
    assert rel(hit["odds_ratio"], theirs["Odds Ratio"]) < 1e-12
    assert rel(hit["combined_score"], theirs["Combined Score"]) < 1e-12
    assert (hit["overlap"].astype(str) + "/" + hit["set_size"].astype(str)).tolist() == theirs[
        "Overlap"
    ].tolist()


def test_enrichr_preset_matches_pyenrichr(lib):
    enrichment = pytest.importorskip(
        "pyenrichr.enrichment", reason="pyenrichr is not installed (pip install pyenrichr)"
    )
    sets = {k: set(v) for k, v in lib.to_dict().items()}
    theirs = enrichment.fisher(
        set(QUERY), sets, min_set_size=1, min_overlap=1, background_size=22000, verbose=False
    ).set_index("term")
    ours = pe.enrich(QUERY, lib, compat="enrichr").table.set_index("set_id").loc[theirs.index]
    assert (ours["overlap"].to_numpy() == theirs["overlap"].to_numpy()).all()
    # pyenrichr sums exp(log-factorial differences); ours is exact: they agree to ~1e-10
    assert rel(ours["pvalue"], theirs["p-value"]) < 1e-9
    assert rel(ours["fdr"], theirs["fdr"]) < 1e-9
    assert rel(ours["odds_ratio"], theirs["odds"]) < 1e-12
    # and both differ from the textbook test, which the default preset computes
    textbook = pe.enrich(QUERY, lib, background=22000).table.set_index("set_id").loc[theirs.index]
    assert (
        rel(textbook["pvalue"], theirs["p-value"]) > 1e-4
    )  # N + 2k instead of N (small at N = 22,000)
