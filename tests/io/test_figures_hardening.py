"""read_figures on inputs a fault-injection run broke (issue 17): one case per test.

Data: ``tests/data/figures/hardening/`` (see ``tests/data/figures/README.md``);
cases that need large files, links, FIFOs or unreadable files build them in a
temporary folder (the suite runs as root, so unreadable files are simulated by
making ``os.open`` fail).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pfocr_enrich.errors import FigureFormatError
from pfocr_enrich.io.figures import FILE_PROBLEMS, files, read_figures
from pfocr_enrich.io.figures.pages import MAX_FRONT_MATTER

DATA = Path(__file__).parents[1] / "data" / "figures"
CASES = DATA / "hardening"
SAMPLE = DATA / "sample"
HEADER = (SAMPLE / "_data" / "PMC10031380__sc1-genes.tsv").read_text().splitlines()[0]


def read(source, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_figures(source, errors="skip", **kwargs)


def rows(lib):
    report = lib.load_report
    return [
        (Path(r.file).name, None if pd.isna(r.line) else int(r.line), r.item, r.problem)
        for r in report.itertuples()
    ]


# -- Entrez IDs that are digits to str.isdigit() but not to int() -------------------------------
def test_unicode_digit_entrez_id_in_a_genes_list_is_noted_and_the_symbol_kept():
    lib = read(CASES / "unicode_digit_entrez.md")
    figid = "PMC0000020__unicode_digit_entrez"
    assert lib[figid] == {"TP53", "MDM2"}
    assert lib.sets.loc[figid, "entrez"] == ["4193"]  # '²' is not an Entrez ID
    report = lib.load_report
    assert report[["item", "problem"]].values.tolist() == [["TP53", "invalid_gene_item"]]
    assert (
        report["detail"].iloc[0] == "expected an Entrez ID of digits, got '²'; the symbol is used"
    )


def test_unicode_digit_entrez_id_in_a_data_table_is_noted_and_the_symbol_kept():
    lib = read(CASES / "unicode_digit_table.md")
    figid = "PMC0000021__unicode_digit_table"
    assert lib.sets.loc[figid, "gene_source"] == "data_table"
    assert lib[figid] == {"TP53", "MDM2"}
    assert lib.sets.loc[figid, "entrez"] == ["4193"]
    assert rows(lib) == [("unicode_digit_table.md", None, "TP53", "invalid_gene_item")]


# -- years --------------------------------------------------------------------------------------
def test_year_beyond_int64_is_an_invalid_year_left_missing():
    lib = read(CASES / "year_beyond_int64.md")
    figid = "PMC0000023__year_beyond_int64"
    assert pd.isna(lib.sets.loc[figid, "year"]) and str(lib.sets["year"].dtype) == "Int64"
    report = lib.load_report
    assert report["problem"].tolist() == ["invalid_year"]
    assert report["detail"].iloc[0] == "expected a year (1000-9999), got 1e+30; left missing"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("'2021'", 2021), ("2021", 2021), ("2021.0", 2021), ("''", None), ("'²⁰²¹'", "invalid"),
     ("'20210'", "invalid"), ("-5", "invalid"), ("'+2021'", "invalid"), ("[2021]", "invalid"),
     (".nan", "invalid"), (".inf", "invalid"), ("true", "invalid")],
)  # fmt: skip
def test_year_values(tmp_path, value, expected):
    page = tmp_path / "PMC1__f1.md"
    page.write_text(
        f"---\nfigid: PMC1__f1\nyear: {value}\nschema-jsonld:\n  keywords: [TP53]\n---\n"
    )
    lib = read(page)
    year = lib.sets.loc["PMC1__f1", "year"]
    if expected == "invalid":
        assert pd.isna(year) and lib.load_report["problem"].tolist() == ["invalid_year"]
    else:
        assert (pd.isna(year) if expected is None else year == expected) and not len(
            lib.load_report
        )


# -- _data tables -------------------------------------------------------------------------------
def test_stray_quotes_in_a_data_table_do_not_join_rows():
    # Read with CSV quoting, the rows from '"p53' to 'PTEN"' were one field and their genes
    # were lost without a row in the report.
    lib = read(CASES / "stray_quote.md")
    figid = "PMC0000022__stray_quote"
    assert lib.sets.loc[figid, "gene_source"] == "data_table"
    assert lib[figid] == {"TP53", "MDM2", "AKT1", "PTEN"}
    assert lib.sets.loc[figid, "entrez"] == ["207", "4193", "5728", "7157"]
    assert not len(lib.load_report)


def test_a_data_table_field_longer_than_the_csv_limit_is_read(tmp_path):
    shutil.copy(SAMPLE / "PMC10031380__sc1.md", tmp_path)
    (tmp_path / "_data").mkdir()
    word = "x" * 200_000  # the csv module refuses fields over 131,072 characters
    row = f"9606\tHomo sapiens\tPrimates\t{word}\t{word}\tPTEN\t5728\tncbigene_symbol\t1\t6\t4"
    (tmp_path / "_data" / "PMC10031380__sc1-genes.tsv").write_text(f"{HEADER}\n{row}\n")
    lib = read(tmp_path)
    assert lib["PMC10031380__sc1"] == {"PTEN"}
    assert lib.sets.loc["PMC10031380__sc1", "gene_source"] == "data_table"


def _fail_open(monkeypatch, name):
    real = os.open

    def fake(path, *args, **kwargs):
        if os.path.basename(path) == name:
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", fake)


def test_an_unreadable_data_table_is_noted_and_the_page_used(tmp_path, monkeypatch):
    shutil.copy(SAMPLE / "PMC10031380__sc1.md", tmp_path)
    shutil.copytree(SAMPLE / "_data", tmp_path / "_data")
    _fail_open(monkeypatch, "PMC10031380__sc1-genes.tsv")
    lib = read(tmp_path / "PMC10031380__sc1.md")
    assert lib.sets.loc["PMC10031380__sc1", "gene_source"] == "keywords"
    report = lib.load_report
    assert report["problem"].iloc[0] == "invalid_data_table"
    assert (
        report["detail"]
        .iloc[0]
        .endswith("PMC10031380__sc1-genes.tsv, line 1: cannot read the file: Permission denied")
    )
    with pytest.raises(FigureFormatError, match=r"genes\.tsv, line 1: cannot read the file"):
        read_figures(tmp_path / "PMC10031380__sc1.md", errors="raise")


def test_a_data_table_that_is_not_a_file_is_noted(tmp_path):
    shutil.copy(SAMPLE / "PMC10031380__sc1.md", tmp_path)
    (tmp_path / "_data" / "PMC10031380__sc1-genes.tsv").mkdir(parents=True)
    lib = read(tmp_path)
    detail = lib.load_report["detail"].iloc[0]
    assert lib.load_report["problem"].iloc[0] == "invalid_data_table"
    assert detail.endswith("line 1: expected a regular file, got a folder")


# -- pages that cannot be read ------------------------------------------------------------------
def test_an_unreadable_page_is_a_report_row_with_a_line(tmp_path, monkeypatch):
    shutil.copy(SAMPLE / "PMC8413833__gr8.md", tmp_path / "a.md")
    shutil.copy(SAMPLE / "PMC539203__JCI0523237.f7.md", tmp_path / "b.md")
    _fail_open(monkeypatch, "b.md")
    lib = read(tmp_path)
    assert list(lib) == ["PMC8413833__gr8"]
    assert rows(lib)[-1] == ("b.md", 1, "", "unreadable")
    assert lib.load_report["detail"].iloc[-1] == "cannot read the file: Permission denied"
    with pytest.raises(FigureFormatError, match=r"b\.md, line 1: cannot read the file"):
        read_figures(tmp_path, errors="raise")


def test_a_non_utf8_page_names_the_line_of_the_bad_byte(tmp_path):
    text = (SAMPLE / "PMC8413833__gr8.md").read_bytes()
    lines = text.split(b"\n")
    lines[30] = lines[30] + b" caf\xe9"
    (tmp_path / "a.md").write_bytes(b"\n".join(lines))
    with pytest.raises(FigureFormatError, match=r"a\.md, line 31: expected UTF-8 text"):
        read_figures(tmp_path, errors="raise")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_md_names_that_are_not_regular_files_are_report_rows(tmp_path):
    shutil.copy(SAMPLE / "PMC8413833__gr8.md", tmp_path / "b.md")
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")  # a link to a file is read (a duplicate)
    (tmp_path / "broken.md").symlink_to(tmp_path / "missing.md")
    (tmp_path / "loop.md").symlink_to(tmp_path / "loop.md")
    (tmp_path / "folder.md").mkdir()
    os.mkfifo(tmp_path / "fifo.md")  # opening it for reading must not wait for a writer
    (tmp_path / "README.md").write_text("# notes\n")
    (tmp_path / "c.txt").write_text("---\n---\n")
    lib = read(tmp_path)
    assert list(lib) == ["PMC8413833__gr8"]
    left_out = lib.load_report[lib.load_report["problem"].isin(FILE_PROBLEMS)]
    assert [(Path(f).name, p) for f, p in zip(left_out["file"], left_out["problem"])] == [
        ("b.md", "duplicate_figid"),
        ("broken.md", "unreadable"),
        ("fifo.md", "unreadable"),
        ("folder.md", "unreadable"),
        ("loop.md", "unreadable"),
    ]
    details = dict(zip(left_out["file"].map(lambda f: Path(f).name), left_out["detail"]))
    assert details["broken.md"] == "cannot read the file: No such file or directory"
    assert details["fifo.md"] == "expected a regular file, got a FIFO (named pipe)"
    assert details["folder.md"] == "expected a regular file, got a folder"
    assert details["loop.md"] == "cannot read the file: Too many levels of symbolic links"
    assert lib.info["n_files"] == 6  # every *.md name but README.md


# -- YAML features PFOCR pages never use --------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "line", "what"),
    [
        ("alias_bomb_year.md", 5, "an anchor (&a)"),
        ("alias_bomb_keywords.md", 5, "an anchor (&a)"),
        ("custom_tag.md", 3, "a tag (!custom)"),
    ],
)
def test_anchors_aliases_and_tags_are_refused(name, line, what):
    # Read as YAML, alias_bomb_*.md (466 bytes) stands for 9**8 = 43 million strings: it took
    # 89 s and 5.6 GB when its year or keywords were turned into text.
    lib = read([CASES / name, CASES / "unicode_digit_entrez.md"])
    assert rows(lib)[0] == (name, line, "", "unsupported_yaml")
    detail = lib.load_report["detail"].iloc[0]
    assert detail == f"YAML anchors, aliases and tags are not read in figure pages, got {what}"
    with pytest.raises(FigureFormatError, match=rf"{re.escape(name)}, line {line}: YAML anchors"):
        read_figures(CASES / name, errors="raise")


def test_an_alias_alone_is_refused(tmp_path):
    page = tmp_path / "a.md"
    page.write_text("---\nfigid: PMC1__f1\nx: [TP53]\nschema-jsonld:\n  keywords: *x\n---\n")
    lib = read([page, CASES / "unicode_digit_entrez.md"])
    assert rows(lib)[0] == ("a.md", 5, "", "unsupported_yaml")
    assert lib.load_report["detail"].iloc[0].endswith("got an alias (*x)")


def test_ampersands_stars_and_bangs_in_text_are_not_node_properties(tmp_path):
    page = tmp_path / "a.md"
    page.write_text(
        "---\nfigid: PMC1__f1\nfigtitle: R&D of AR* & Src! *p < 0.05 !important\n"
        "caption: '&x *y !z'\nschema-jsonld:\n  keywords:\n  - TP53\n  - '*MDM2'\n---\n"
    )
    lib = read(page)
    assert lib.sets.loc["PMC1__f1", "title"] == "R&D of AR* & Src! *p < 0.05 !important"
    assert lib.load_report["item"].tolist() == ["*MDM2"]


def test_front_matter_over_the_size_bound_is_not_parsed(tmp_path):
    keywords = "".join(f"  - K{i}\n" for i in range(MAX_FRONT_MATTER // 8))
    page = tmp_path / "big.md"
    page.write_text(f"---\nfigid: PMC1__big\nschema-jsonld:\n  keywords:\n{keywords}---\n")
    lib = read([page, CASES / "unicode_digit_entrez.md"])
    (row,) = [r for r in rows(lib) if r[0] == "big.md"]
    size, line = 0, 1  # line: where the front matter (from line 2) passes the bound
    for line, text in enumerate(page.read_text().splitlines(keepends=True)[1:], start=2):  # noqa: B007
        size += len(text)
        if size > MAX_FRONT_MATTER:
            break
    assert row[3] == "too_large" and row[1] == line > 50_000
    assert (
        lib.load_report["detail"]
        .iloc[0]
        .startswith(f"the YAML front matter is longer than {MAX_FRONT_MATTER:,} characters")
    )


def test_a_huge_first_line_is_not_read_whole(tmp_path):
    page = tmp_path / "big.md"
    page.write_bytes(b"x" * (3 * MAX_FRONT_MATTER))
    lib = read([page, CASES / "unicode_digit_entrez.md"])
    detail = lib.load_report["detail"].iloc[0]
    assert rows(lib)[0] == ("big.md", 1, "", "no_front_matter") and len(detail) < 200


def test_deeply_nested_values_are_an_error_not_a_crash(tmp_path):
    page = tmp_path / "deep.md"
    page.write_text("---\nfigid: PMC1__f1\nyear: " + "[" * 5000 + "]" * 5000 + "\n---\n")
    lib = read([page, CASES / "unicode_digit_entrez.md"])
    assert rows(lib)[0][3] == "invalid_yaml"
    nested = tmp_path / "nested.md"
    nested.write_text(
        "---\nfigid: PMC1__f1\nyear: " + "[" * 900 + "]" * 900 + "\nkeywords: [TP53]\n"
        "schema-jsonld:\n  keywords: [TP53]\n---\n"
    )
    lib = read([nested, CASES / "unicode_digit_entrez.md"])
    assert rows(lib)[0][3] == "invalid_year"


@pytest.mark.parametrize(
    ("value", "reason"),
    [("2021-13-45", "month must be in 1..12"), ("0x_", "invalid literal for int()")],
)
def test_scalars_yaml_types_but_cannot_build_are_invalid_yaml_with_a_line(tmp_path, value, reason):
    # Found by the long fuzz run's review: PyYAML's constructors raise ValueError (no mark).
    page = tmp_path / "a.md"
    page.write_text(f"---\nfigid: PMC1__f1\nx:\n  - ok\n  - {{d: {value}}}\n---\n")
    lib = read([page, CASES / "unicode_digit_entrez.md"])
    assert rows(lib)[0] == ("a.md", 5, "", "invalid_yaml")
    assert reason in lib.load_report["detail"].iloc[0]
    with pytest.raises(FigureFormatError, match=r"invalid_date\.md, line 6: invalid YAML"):
        read_figures(CASES / "invalid_date.md", errors="raise")
