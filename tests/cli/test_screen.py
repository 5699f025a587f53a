"""pfocr-enrich --keep, -o FILE.parquet and --scheduler (cli/screen.py)."""

from __future__ import annotations

import io
import sys
import warnings

import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.cli import main
from screens import read_dataset, reference, write_gmt

pytest.importorskip("pyarrow")
QUERIES = {
    "ifn": ["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "NOT_A_GENE"],
    "nfkb": ["NFKB1", "RELA", "IKBKB", "TNF", "IL6"],
    "isg": ["ISG15", "MX1", "OAS1", "IFIT1", "STAT1"],
}


@pytest.fixture
def gmt(tmp_path):
    return write_gmt(QUERIES, tmp_path / "q.gmt")


@pytest.mark.parametrize("keep", ["fdr<=0.05", "2"])
def test_parquet_output_equals_the_api(keep, gmt, tmp_path, capsys):
    out = tmp_path / "hits.parquet"
    argv = ["--queries", str(gmt), "--keep", keep, "-o", str(out), "--chunk-size", "2"]
    assert main(argv) == 0
    api_keep = int(keep) if keep.isdigit() else keep
    expected = reference(QUERIES, pe.sample_library(), keep=api_keep)
    pd.testing.assert_frame_equal(read_dataset(out), expected, check_exact=True)
    err = capsys.readouterr().err
    assert f"wrote {len(expected)} rows of 3 queries to {out}" in err
    assert err.count("NOT_A_GENE") == 1  # genes left out: one warning line


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_screen_shows_a_progress_bar_on_a_terminal_only(gmt, tmp_path, monkeypatch):
    pytest.importorskip("tqdm")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = tmp_path / "hits.parquet"
    assert main(["--queries", str(gmt), "-o", str(out), "--keep", "2", "--chunk-size", "1"]) == 0
    assert "enrich_many: " in terminal.getvalue() and "query/s" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["--queries", str(gmt), "-o", str(tmp_path / "q.parquet"), "--quiet"]) == 0
    assert "enrich_many" not in quiet.getvalue()
    expected = reference(QUERIES, pe.sample_library(), keep=2)
    pd.testing.assert_frame_equal(read_dataset(out), expected, check_exact=True)


def test_keep_for_tables_and_one_gene_list(gmt, tmp_path):
    out = tmp_path / "hits.tsv"
    assert main(["--queries", str(gmt), "--keep", "3", "-o", str(out)]) == 0
    written = pd.read_csv(out, sep="\t")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = pe.enrich_many(QUERIES, pe.sample_library(), keep=3).to_frame()
    assert written["set_id"].tolist() == expected["set_id"].tolist()
    genes = tmp_path / "genes.txt"
    genes.write_text("\n".join(QUERIES["nfkb"]))
    one = tmp_path / "one.tsv"
    assert main([str(genes), "--keep", "pvalue<=1e-4", "-o", str(one)]) == 0
    single = pe.enrich(QUERIES["nfkb"], pe.sample_library()).table
    assert (
        pd.read_csv(one, sep="\t")["set_id"].tolist()
        == single[single["pvalue"] <= 1e-4]["set_id"].tolist()
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--scheduler", "tcp://127.0.0.1:1", "-o", "x.tsv"], "--scheduler writes a Parquet"),
        (["--keep", "fdr<0.1", "-o", "x.parquet"], "--keep must be None, a rule"),
        (["--chunk-size", "0", "-o", "x.parquet"], "--chunk-size must be >= 1"),
    ],
)
def test_screen_flag_errors(argv, message, gmt, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["--queries", str(gmt), *argv]) == 2
    assert message in capsys.readouterr().err


def test_scheduler_address(gmt, tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    out = tmp_path / "hits.parquet"
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        argv = ["--queries", str(gmt), "--keep", "fdr<=0.05", "-o", str(out)]
        assert main([*argv, "--scheduler", cluster.scheduler_address, "--chunk-size", "1"]) == 0
    assert len(list(out.glob("part-*.parquet"))) == 3  # one task per query
    expected = reference(QUERIES, pe.sample_library(), keep="fdr<=0.05")
    pd.testing.assert_frame_equal(read_dataset(out), expected, check_exact=True)
