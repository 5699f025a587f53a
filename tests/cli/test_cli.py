"""The pfocr-enrich command, in-process through main() and as a real subprocess."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import DATA, ROUND_TRIP
from pfocr_enrich.cli import main, read_gene_list

GENES = "IFNB1\nIRF3\nMAVS\nTBK1\n# a comment\nDDX58, STAT1\n"


@pytest.fixture
def gene_file(tmp_path):
    path = tmp_path / "genes.txt"
    path.write_text(GENES)
    return path


def test_default_library_prints_ranked_table(gene_file, capsys):
    assert main([str(gene_file)]) == 0
    out, err = capsys.readouterr()
    expected = pe.enrich(
        ["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.sample_library()
    ).table
    first_row = out.splitlines()[2]
    assert expected.iloc[0]["set_id"] in first_row
    assert "query: 6 of 6 genes tested" in err
    assert "showing 20 of 216 rows" in err


def test_output_file_matches_api(gene_file, tmp_path, data_dir):
    out = tmp_path / "result.tsv"
    gmt = data_dir / "pfocr" / "pfocr_covid_symbols.gmt"
    assert main([str(gene_file), "--library", str(gmt), "-o", str(out), "--min-size", "3"]) == 0
    written = pd.read_csv(out, sep="\t", **ROUND_TRIP)
    expected = pe.enrich(
        ["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.read_gmt(gmt), min_size=3
    ).table
    assert written["set_id"].tolist() == expected["set_id"].tolist()
    pd.testing.assert_series_equal(
        written["pvalue"], expected["pvalue"].reset_index(drop=True), rtol=1e-15
    )


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


@pytest.mark.skipif(
    shutil.which("pfocr-enrich") is None
    and not (Path(sys.executable).parent / "pfocr-enrich").exists(),
    reason="console script not installed (run from an installed package)",
)
def test_console_script_runs_as_subprocess(gene_file):
    script = str(Path(sys.executable).parent / "pfocr-enrich")
    script = script if Path(script).exists() else "pfocr-enrich"
    done = subprocess.run(
        [script, str(gene_file), "--top", "3"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line[:1].isdigit()]
    assert [r.split()[0] for r in rows] == ["1", "2", "3"]
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert version.stdout.startswith("pfocr-enrich ")


def test_module_runs_from_stdin(gene_file):
    done = subprocess.run(
        [sys.executable, "-m", "pfocr_enrich.cli", "-", "--top", "2"],
        input=GENES,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "IRF3" in done.stdout


# -- batches, formats, options (issue 5) -------------------------------------------------
QUERIES = {
    "ifn": ["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58"],
    "nfkb": ["NFKB1", "RELA", "IKBKB", "TNF", "IL6"],
    "isg": ["ISG15", "MX1", "OAS1", "IFIT1", "STAT1"],
}


def _console_script() -> str | None:
    """The installed pfocr-enrich next to this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "pfocr-enrich"
    return str(beside) if beside.exists() else shutil.which("pfocr-enrich")


@pytest.fixture
def query_files(tmp_path):
    paths = []
    for name, genes in QUERIES.items():
        path = tmp_path / f"{name}.txt"
        path.write_text("\n".join(genes) + "\n")
        paths.append(str(path))
    return paths


def _read(path):
    return pd.read_csv(path, sep="\t" if str(path).endswith(".tsv") else ",", **ROUND_TRIP)


def test_several_files_run_one_query_each(query_files, tmp_path, capsys):
    out = tmp_path / "batch.tsv"
    assert main([*query_files, "-o", str(out)]) == 0
    expected = pe.enrich_many(QUERIES, pe.sample_library()).to_frame()
    written = _read(out)
    assert written["query"].unique().tolist() == ["ifn", "nfkb", "isg"]
    assert written["set_id"].tolist() == expected["set_id"].tolist()
    np.testing.assert_array_equal(written["pvalue"], expected["pvalue"])
    assert f"wrote {len(expected)} rows" in capsys.readouterr().err


def test_several_files_print_the_best_rows_of_each_query(query_files, capsys):
    assert main(query_files) == 0
    out, err = capsys.readouterr()
    rows = [line.split() for line in out.splitlines() if line[:1].isdigit()]
    assert [r[1] for r in rows] == ["ifn"] * 5 + ["nfkb"] * 5 + ["isg"] * 5
    assert "queries: 3" in err and "the best 5 per query" in err


@pytest.mark.parametrize("layout", ["gmt", "tsv_header", "tsv_plain", "csv_header"])
def test_queries_file(layout, tmp_path):
    if layout == "gmt":
        path = tmp_path / "q.gmt"
        path.write_text("".join(f"{n}\tdesc\t" + "\t".join(g) + "\n" for n, g in QUERIES.items()))
    else:
        sep = "," if layout.startswith("csv") else "\t"
        path = tmp_path / ("q.csv" if sep == "," else "q.tsv")
        lines = ([f"query{sep}gene"] if layout.endswith("header") else []) + [
            f"{n}{sep}{g}" for n, genes in QUERIES.items() for g in genes
        ]
        path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "res.csv"
    assert main(["--queries", str(path), "-o", str(out), "--alpha", "0.05"]) == 0
    expected = pe.enrich_many(QUERIES, pe.sample_library(), alpha=0.05).to_frame()
    written = _read(out)
    assert (
        written[["query", "set_id"]].values.tolist()
        == expected[["query", "set_id"]].astype(str).values.tolist()
    )
    assert (written["fdr"] <= 0.05).all()


def test_queries_table_with_one_column_is_an_input_error(tmp_path, capsys):
    path = tmp_path / "q.tsv"
    path.write_text("IRF3\nMAVS\n")
    assert main(["--queries", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "two-column table" in err[0]


@pytest.mark.parametrize(
    ("flags", "kwargs"),
    [
        (["--min-size", "5", "--max-size", "40"], {"min_size": 5, "max_size": 40}),
        (["--correction", "bonferroni"], {"correction": "bonferroni"}),
        (["--fdr-over", "hit"], {"fdr_over": "hit"}),
        (["--compat", "gseapy"], {"compat": "gseapy"}),
        (["--collapse-duplicates"], {"collapse_duplicates": True}),
        (["--no-resolve-aliases"], {"resolve_aliases": False}),
        (["--background", "22000"], {"background": 22000}),
    ],
)
def test_flags_are_the_api_parameters(gene_file, tmp_path, flags, kwargs):
    out = tmp_path / "r.json"
    gmt = DATA / "pfocr" / "pfocr2018_4000_symbols.gmt"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main([str(gene_file), "--library", str(gmt), *flags, "-o", str(out)]) == 0
        expected = pe.enrich(read_gene_list(str(gene_file)), pe.read_gmt(gmt), **kwargs)
    doc = json.loads(out.read_text())
    assert [r["set_id"] for r in doc["results"]] == expected.table["set_id"].tolist()
    np.testing.assert_array_equal(
        [r["pvalue"] for r in doc["results"]], expected.table["pvalue"].to_numpy()
    )
    for key, value in kwargs.items():
        if key != "background":
            assert doc["params"][key] == value


def test_background_file(gene_file, tmp_path):
    bg = tmp_path / "bg.txt"
    background = [
        "IFNB1",
        "IRF3",
        "MAVS",
        "TBK1",
        "RIGI",
        "STAT1",
        "AKT1",
        "TP53",
        "TNF",
        "IL6",
        "NFKB1",
    ]
    bg.write_text("\n".join(background))
    out = tmp_path / "r.tsv"
    assert main([str(gene_file), "--background", str(bg), "-o", str(out)]) == 0
    expected = pe.enrich(read_gene_list(str(gene_file)), pe.sample_library(), background=background)
    written = _read(out)
    assert written["universe_size"].iloc[0] == expected.params["universe_size"] == 11
    np.testing.assert_array_equal(written["pvalue"], expected.table["pvalue"])


def test_alpha_and_top_for_one_query(gene_file, tmp_path):
    out = tmp_path / "r.tsv"
    assert main([str(gene_file), "--alpha", "0.01", "-o", str(out)]) == 0
    written = _read(out)
    assert len(written) == int(
        (pe.enrich(read_gene_list(str(gene_file)), pe.sample_library()).table["fdr"] <= 0.01).sum()
    )
    assert main([str(gene_file), "--top", "7", "-o", str(out)]) == 0
    assert _read(out)["rank"].tolist() == list(range(1, 8))


def test_every_output_format(gene_file, query_files, tmp_path):
    for suffix in (".tsv", ".csv", ".tsv.gz", ".json", ".html"):
        out = tmp_path / f"r{suffix}"
        assert main([str(gene_file), "--top", "12", "-o", str(out), "-q"]) == 0, suffix
        assert out.stat().st_size > 500
    assert _read(tmp_path / "r.csv")["rank"].tolist() == list(range(1, 13))
    assert len(pd.read_csv(tmp_path / "r.tsv.gz", sep="\t", **ROUND_TRIP)) == 12
    assert len(json.loads((tmp_path / "r.json").read_text())["results"]) == 12
    page = (tmp_path / "r.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and page.count('<tr class="row"') == 12
    assert (
        "216 of 216 sets tested" in page
    )  # the report summarises the whole result, not just the rows it lists
    assert main([*query_files, "-o", str(tmp_path / "b.html"), "-q"]) == 0
    assert (tmp_path / "b.html").read_text().count('<tr class="row"') == 3 * 100


def test_excel_output(gene_file, tmp_path):
    pytest.importorskip("openpyxl")
    out = tmp_path / "r.xlsx"
    assert main([str(gene_file), "-o", str(out)]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["results", "mapping", "parameters"] and len(sheets["results"]) == 216


def test_excel_without_openpyxl_exits_1_with_the_install_hint(
    gene_file, tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    assert main([str(gene_file), "-o", str(tmp_path / "r.xlsx")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and 'pip install "pfocr_enrich[excel]"' in err[0]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["{genes}", "-o", "out.pdf"], "cannot tell the output format of 'out.pdf'"),
        ([], "no gene list given"),
        (["{genes}", "--queries", "{genes}"], "not both"),
        (["-", "-"], "standard input"),
        (["{genes}", "--top", "-1"], "--top must be >= 0"),
        # In command-line terms since issue 13 (they named the API parameter before).
        (["{genes}", "--min-size", "-1"], "error: --min-size must be an int >= 0. Got -1 instead."),
        (
            ["{genes}", "--alpha", "2"],
            "error: --alpha must be a number in [0, 1]. Got 2.0 instead.",
        ),
        (["{genes}", "--library", "missing.gmt"], "no such library file or folder: missing.gmt"),
        (["--queries", "missing.gmt"], "no such queries file"),
    ],
)
def test_input_errors_are_one_line_and_exit_2(gene_file, capsys, argv, message):
    argv = [a.replace("{genes}", str(gene_file)) for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pfocr-enrich: error:") and message in err[0], err


def test_usage_errors_help_and_version_return_codes(capsys):
    assert main(["--correction", "nope", "x.txt"]) == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert (
        "examples:" in out and "--queries" in out and "--min-size N" in out and "--fdr-over" in out
    )
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"pfocr-enrich {pe.__version__}"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_and_identical_rows(query_files, tmp_path, monkeypatch):
    pytest.importorskip("tqdm")
    import pfocr_enrich.cli as cli

    plain = tmp_path / "plain.tsv"
    assert main([*query_files, "-o", str(plain), "-q"]) == 0
    monkeypatch.setattr(cli, "_BATCH_CHUNK", 1)  # one enrich_many call per query, joined afterwards
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    chunked = tmp_path / "chunked.tsv"
    assert main([*query_files, "-o", str(chunked)]) == 0
    assert (
        "pfocr-enrich:" in terminal.getvalue() and "/3 [" in terminal.getvalue()
    )  # a tqdm bar over 3 queries
    pd.testing.assert_frame_equal(_read(plain), _read(chunked))
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main([*query_files, "-o", str(chunked), "--quiet"]) == 0
    assert quiet.getvalue() == ""


def test_chunked_batches_warn_once(tmp_path, monkeypatch):
    pytest.importorskip("tqdm")
    import pfocr_enrich.cli as cli

    files = []
    for name in ("a", "b"):
        path = tmp_path / f"{name}.txt"
        path.write_text(f"IRF3\nMAVS\nNOTAGENE{name}\n")
        files.append(str(path))
    monkeypatch.setattr(cli, "_BATCH_CHUNK", 1)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main([*files, "-o", str(tmp_path / "r.tsv")]) == 0
    warnings_printed = [
        line for line in terminal.getvalue().splitlines() if line.startswith("warning:")
    ]
    assert len(warnings_printed) == 1 and "'NOTAGENEa', 'NOTAGENEb'" in warnings_printed[0]


@pytest.mark.skipif(
    _console_script() is None, reason="console script not installed (pip install -e .)"
)
def test_console_script_batch_report_and_version(query_files, tmp_path):
    script = _console_script()
    out = tmp_path / "report.html"
    done = subprocess.run(
        [script, *query_files, "--top", "4", "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text().count('<tr class="row"') == 12
    assert done.stderr.strip() == f"wrote 12 rows to {out}"  # not a terminal: no progress bar
    bad = subprocess.run(
        [script, str(tmp_path / "nope.txt")], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "nope.txt" in bad.stderr
    version = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert version.stdout.strip() == f"pfocr-enrich {pe.__version__}"
    helped = subprocess.run([script, "--help"], capture_output=True, text=True, check=False)
    assert helped.returncode == 0 and "pfocr-enrich up.txt down.txt -o both.html" in helped.stdout


# -- the command line in its own terms (issue 13 item 6) -------------------------------------
MIXED = "IRF3\nMAVS\nNOTAGENE\nirf3\nTBK1\n"


@pytest.mark.parametrize(
    ("output", "report", "sep"),
    [
        ("r.tsv", "r.mapping.tsv", "\t"),
        ("r.csv", "r.mapping.csv", ","),
        ("r.tsv.gz", "r.mapping.tsv.gz", "\t"),
        ("r.txt", "r.mapping.txt", "\t"),
    ],
)
def test_a_table_output_gets_its_mapping_report_beside_it(tmp_path, capsys, output, report, sep):
    genes = tmp_path / "genes.txt"
    genes.write_text(MIXED)
    assert main([str(genes), "-o", str(tmp_path / output)]) == 0
    written = pd.read_csv(tmp_path / report, sep=sep, keep_default_na=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = pe.enrich(read_gene_list(str(genes)), pe.sample_library()).mapping
    assert written.columns.tolist() == ["input", "status", "mapped_to", "note"]
    assert written["input"].tolist() == ["IRF3", "MAVS", "NOTAGENE", "irf3", "TBK1"]
    assert written["status"].tolist() == expected["status"].tolist()
    err = capsys.readouterr().err
    assert f"and the mapping report to {tmp_path / report}" in err
    warning = next(line for line in err.splitlines() if line.startswith("warning:"))
    assert warning == (
        "warning: 2 of 5 query genes were left out (unknown: 1, duplicate: 1): 'NOTAGENE', "
        f"'irf3'; see {tmp_path / report}"
    )


def test_mapping_flag_writes_the_report_anywhere_and_messages_name_no_python(tmp_path, capsys):
    genes = tmp_path / "genes.txt"
    genes.write_text(MIXED)
    report = tmp_path / "where" / "m.csv"
    report.parent.mkdir()
    assert main([str(genes), "--mapping", str(report), "--top", "2"]) == 0
    assert pd.read_csv(report)["input"].tolist() == ["IRF3", "MAVS", "NOTAGENE", "irf3", "TBK1"]
    err = capsys.readouterr().err
    assert f"see {report}" in err and f"wrote the mapping report to {report}" in err
    assert ".dropped" not in err and "res." not in err
    assert main([str(genes), "--top", "2"]) == 0
    err = capsys.readouterr().err
    assert "--mapping FILE lists what happened to each gene" in err
    assert "see --mapping FILE" in err and ".dropped" not in err
    assert main([str(genes), "-o", str(tmp_path / "r.html"), "-q"]) == 0
    assert not list(tmp_path.glob("r.mapping*"))  # the report lists the genes left out itself
    assert main([str(genes), "--mapping", str(tmp_path / "m.xlsx")]) == 2
    assert "cannot tell the format of --mapping" in capsys.readouterr().err


def test_a_batch_mapping_report_starts_with_the_query(query_files, tmp_path):
    assert main([*query_files, "-o", str(tmp_path / "b.tsv"), "-q"]) == 0
    written = pd.read_csv(tmp_path / "b.mapping.tsv", sep="\t", keep_default_na=False)
    assert written.columns[0] == "query"
    assert written["query"].unique().tolist() == ["ifn", "nfkb", "isg"]
    assert written["input"].tolist() == [g for genes in QUERIES.values() for g in genes]


def test_queries_gmt_keeps_each_list_in_file_order(tmp_path):
    path = tmp_path / "q.gmt"
    path.write_text("up\tdesc\tirf3\tMAVS\tIRF3\tTBK1\ndown\t\tNFKB1\tRELA\tnfkb1\n")
    out = tmp_path / "r.tsv"
    assert main(["--queries", str(path), "-o", str(out), "-q"]) == 0
    report = pd.read_csv(tmp_path / "r.mapping.tsv", sep="\t", keep_default_na=False)
    up = report[report["query"] == "up"]
    assert up["input"].tolist() == ["irf3", "MAVS", "IRF3", "TBK1"]
    assert up["status"].tolist() == ["case", "official", "duplicate", "official"]
    down = report[report["query"] == "down"]
    assert down[["input", "status"]].values.tolist() == [
        ["NFKB1", "official"],
        ["RELA", "official"],
        ["nfkb1", "duplicate"],
    ]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "up\tdesc\tIRF3\nup\tdesc\tMAVS\n",
            "q.gmt, line 2: query 'up' was already named on line 1",
        ),
        ("up\tIRF3\n", "q.gmt, line 1: expected name<TAB>description<TAB>genes..., got 2 field"),
    ],
)
def test_queries_gmt_errors_name_the_line(tmp_path, capsys, content, message):
    path = tmp_path / "q.gmt"
    path.write_text(content)
    assert main(["--queries", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"error: --queries {tmp_path}" in err[0] and message in err[0], err


def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pfocr-enrich: error: "), err
    assert "Traceback" not in err[0]
    return err[0]


def test_an_empty_gene_list_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    empty = tmp_path / "empty.txt"
    empty.write_text("# only a comment\n\n")
    assert main([str(empty)]) == 2
    assert f"gene list {empty} holds no gene" in _one_line_error(capsys)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["-"]) == 2
    assert "gene list standard input holds no gene" in _one_line_error(capsys)


def test_a_spreadsheet_or_binary_gene_list_is_a_one_line_error(tmp_path, capsys):
    book = tmp_path / "genes.xlsx"
    book.write_bytes(b"PK\x03\x04" + bytes(range(256)))
    assert main([str(book)]) == 2
    line = _one_line_error(capsys)
    assert f"gene list {book} is a spreadsheet" in line and "save the gene column as .txt" in line
    blob = tmp_path / "genes.bin"
    blob.write_bytes(b"TP53\n\xff\xfe\x00")
    assert main([str(blob)]) == 2
    assert f"gene list {blob} is not UTF-8 text (byte 5)" in _one_line_error(capsys)
    assert main([str(tmp_path / "g.txt"), "--background", str(book)]) == 2  # missing g.txt first
    _one_line_error(capsys)


def test_a_real_excel_gene_list(tmp_path, capsys):
    pytest.importorskip("openpyxl")
    book = tmp_path / "genes.xlsx"
    pd.DataFrame({"gene": ["IRF3", "MAVS"]}).to_excel(book, index=False)
    assert main([str(book)]) == 2
    assert "is a spreadsheet" in _one_line_error(capsys)


@pytest.mark.parametrize(
    ("name", "sep"), [("sets.tsv", "\t"), ("sets.csv", ","), ("sets.txt", "\t")]
)
def test_a_long_table_as_library_is_a_one_line_error(gene_file, tmp_path, capsys, name, sep):
    table = tmp_path / name
    table.write_text("".join(f"fig{i}{sep}IRF3\n" for i in range(3)))
    assert main([str(gene_file), "--library", str(table)]) == 2
    line = _one_line_error(capsys)
    assert f"--library {table} looks like a two-column table (set, gene)" in line
    assert "a query<TAB>gene table goes to --queries" in line


def test_a_spreadsheet_as_library_or_queries_is_a_one_line_error(gene_file, tmp_path, capsys):
    book = tmp_path / "lib.xlsx"
    book.write_bytes(b"PK\x03\x04" + bytes(100))
    assert main([str(gene_file), "--library", str(book)]) == 2
    assert f"--library {book} is a spreadsheet" in _one_line_error(capsys)
    assert main(["--queries", str(book)]) == 2
    assert f"--queries {book} is a spreadsheet" in _one_line_error(capsys)


def test_errors_speak_of_flags_not_python(tmp_path, gene_file, capsys):
    genes = tmp_path / "g.txt"
    genes.write_text("NOTAGENE\n")
    assert main([str(genes)]) == 2
    line = _one_line_error(capsys)
    assert "none of the 1 query genes is in the universe of 1,523 genes (unknown: 1)" in line
    assert "check the identifiers" in line and "pfocr_enrich" not in line
    assert main([str(gene_file), "--background", "5"]) == 2
    line = _one_line_error(capsys)
    assert line.startswith("pfocr-enrich: error: --background must be an int >= the largest set")
    assert main([str(gene_file), "--min-size", "10", "--max-size", "5"]) == 2
    assert "error: --max-size must be >= --min-size (10). Got 5 instead." in _one_line_error(capsys)


def test_queries_table_rows_without_a_name_or_genes_are_not_lost(tmp_path, capsys):
    path = tmp_path / "q.tsv"
    path.write_text("a\tIRF3\n\tMAVS\n")
    assert main(["--queries", str(path)]) == 2
    assert "1 row(s) name a gene but no query (the first: 'MAVS')" in _one_line_error(capsys)
    path.write_text("a\tIRF3\nb\t\n")
    assert main(["--queries", str(path)]) == 2
    assert "error: query 'b' holds no gene identifier" in _one_line_error(capsys)


def test_the_default_sample_says_how_to_use_a_full_release(tmp_path, capsys):
    genes = tmp_path / "chemokines.txt"
    genes.write_text("MIF\nCXCR2\nACKR3\nCD74\nCXCR4\n")
    assert main([str(genes)]) == 0
    err = capsys.readouterr().err
    assert "3 of 5 query genes are not in 'PFOCR COVID sample (2020)'" in err
    assert "--library" in err and "pe.load_pfocr()" in err
