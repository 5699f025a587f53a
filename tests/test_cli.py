"""The pfocr-enrich command, in-process through main() and as a real subprocess."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.cli import main

GENES = "IFNB1\nIRF3\nMAVS\nTBK1\n# a comment\nDDX58, STAT1\n"


@pytest.fixture
def gene_file(tmp_path):
    path = tmp_path / "genes.txt"
    path.write_text(GENES)
    return path


def test_default_library_prints_ranked_table(gene_file, capsys):
    assert main([str(gene_file)]) == 0
    out, err = capsys.readouterr()
    expected = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.sample_library()).table
    first_row = out.splitlines()[2]
    assert expected.iloc[0]["set_id"] in first_row
    assert "query: 6 of 6 genes tested" in err
    assert "showing 20 of 216 rows" in err


def test_output_file_matches_api(gene_file, tmp_path, data_dir):
    out = tmp_path / "result.tsv"
    gmt = data_dir / "pfocr" / "pfocr_covid_symbols.gmt"
    assert main([str(gene_file), "--library", str(gmt), "-o", str(out), "--min-size", "3"]) == 0
    written = pd.read_csv(out, sep="\t")
    expected = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.read_gmt(gmt), min_size=3).table
    assert written["set_id"].tolist() == expected["set_id"].tolist()
    pd.testing.assert_series_equal(written["pvalue"], expected["pvalue"].reset_index(drop=True), rtol=1e-15)


def test_bad_input_gives_one_line_and_exit_2(tmp_path, capsys):
    bad = tmp_path / "bad.gmt"
    bad.write_text("s1\tonly\n")
    genes = tmp_path / "g.txt"
    genes.write_text("TP53\n")
    assert main([str(genes), "--library", str(bad)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "bad.gmt, line 1" in err[0]
    assert main([str(tmp_path / "missing.txt")]) == 2


def test_unknown_genes_only_is_an_error(tmp_path, capsys):
    genes = tmp_path / "g.txt"
    genes.write_text("NOTAGENE\n")
    assert main([str(genes)]) == 2
    assert "none of the 1 query genes" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("pfocr-enrich") is None, reason="console script not installed (run from an installed package)")
def test_console_script_runs_as_subprocess(gene_file):
    done = subprocess.run(["pfocr-enrich", str(gene_file), "--top", "3"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line[:1].isdigit()]
    assert [r.split()[0] for r in rows] == ["1", "2", "3"]
    version = subprocess.run(["pfocr-enrich", "--version"], capture_output=True, text=True, check=False)
    assert version.stdout.startswith("pfocr-enrich ")


def test_module_runs_from_stdin(gene_file):
    done = subprocess.run([sys.executable, "-m", "pfocr_enrich.cli", "-", "--top", "2"], input=GENES,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "IRF3" in done.stdout
