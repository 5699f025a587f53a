"""pfocr-enrich --ranked: GSEA and mHG from the command line, in-process."""

from __future__ import annotations

import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import DATA
from pfocr_enrich.cli import main

RNK = str(DATA / "ranked" / "naive.vs.th1.rnk")
GMT = str(DATA / "ranked" / "mouse.reactome.gmt")


def test_ranked_mhg_writes_the_api_table(tmp_path):
    out = tmp_path / "mhg.tsv"
    code = main(
        [
            "--ranked",
            RNK,
            "--library",
            GMT,
            "--method",
            "mhg",
            "--min-size",
            "200",
            "-o",
            str(out),
            "-q",
        ]
    )
    assert code == 0
    written = pd.read_csv(out, sep="\t")
    api = pe.mhg(RNK, pe.read_gmt(GMT), min_size=200).table
    assert written["set_id"].tolist() == api["set_id"].tolist()
    assert written["pvalue"].to_numpy() == pytest.approx(api["pvalue"].to_numpy(), rel=1e-12)


def test_ranked_gsea_prints_a_table(capsys):
    code = main(["--ranked", RNK, "--library", GMT, "--min-size", "300", "--top", "3", "-q"])
    assert code == 0
    out = capsys.readouterr().out
    assert "5990980_Cell_Cycle" in out and "nes" in out


def test_ranked_and_gene_lists_are_exclusive(tmp_path, capsys):
    genes = tmp_path / "genes.txt"
    genes.write_text("TP53\n")
    assert main([str(genes), "--ranked", RNK, "--library", GMT]) == 2
    assert "not both" in capsys.readouterr().err
