"""GMT reading and writing on real libraries and one small file per awkward input."""

from __future__ import annotations

import warnings

import pytest

import pfocr_enrich as pe
from pfocr_enrich import GMTFormatError, GMTFormatWarning


def test_real_pfocr_gmt_counts_and_name_parts(pfocr2018):
    assert len(pfocr2018) == 3415
    assert pfocr2018.name == "pfocr2018_4000.gmt"
    assert pfocr2018.n_genes == 4159
    assert pfocr2018.namespace == "entrez"
    assert int(pfocr2018.sets["size"].sum()) == 66333
    row = pfocr2018.sets.loc["PMC100003"]
    assert row["source_version"] == "PFOCR_2018sub"
    assert row["organism"] == "Homo sapiens"
    assert row["url"] == "https://pfocr.wikipathways.org/figures/PMC100003.html"


def test_real_wikipathways_gmt_titles_are_stripped_and_wpids_kept(data_dir):
    lib = pe.read_gmt(data_dir / "wikipathways" / "wikipathways-20200210-gmt-Homo_sapiens.gmt")
    assert (len(lib), lib.n_genes, int(lib.sets["size"].sum())) == (568, 7081, 25052)
    sets = lib.sets
    assert not any(s != s.strip() for s in sets.index)  # 11 names end with spaces before '%'
    assert "Gut-Liver Indole Metabolism" in lib
    assert sets.loc["FABP4 in ovarian cancer", "source_id"] == "WP4400"
    assert sets["url"].str.startswith("http://www.wikipathways.org/instance/").all()


def test_symbols_and_entrez_versions_of_the_same_library_have_equal_sets(data_dir):
    ent = pe.read_gmt(data_dir / "pfocr" / "pfocr_covid.gmt")
    sym = pe.read_gmt(data_dir / "pfocr" / "pfocr_covid_symbols.gmt")
    assert list(ent.set_ids) == list(sym.set_ids)
    assert ent.sets["size"].tolist() == sym.sets["size"].tolist()
    assert sym.namespace == "symbol"


def test_tab_split_keeps_spaces_in_names_and_descriptions(data_dir):
    lib = pe.read_gmt(data_dir / "gmt" / "description_with_spaces.gmt")
    assert list(lib.set_ids) == ["PMC100003", "WP1"]
    assert lib.sets.loc["PMC100003", "title"] == "A title with spaces, commas"
    assert lib["PMC100003"] == frozenset({"AR", "BMX", "SRC"})
    assert lib.sets.loc["WP1", "organism"] == "Homo sapiens"


def test_crlf_and_blank_lines_and_gzip(data_dir):
    crlf = pe.read_gmt(data_dir / "gmt" / "crlf.gmt")
    assert crlf["s2"] == frozenset({"AKT1"})
    assert crlf.sets.loc["s1", "description"] == "desc one"
    blank = pe.read_gmt(data_dir / "gmt" / "blank_lines.gmt")
    assert list(blank.set_ids) == ["s1", "s2"]
    assert pe.read_gmt(data_dir / "gmt" / "compressed.gmt.gz")["s1"] == frozenset({"TP53"})


def test_duplicate_set_id_raises_with_both_lines(data_dir):
    with pytest.raises(
        GMTFormatError, match=r"duplicate_ids\.gmt, line 3: set 's1' was already defined on line 1"
    ):
        pe.read_gmt(data_dir / "gmt" / "duplicate_ids.gmt")


def test_too_few_fields_raises_with_line_and_content(data_dir):
    with pytest.raises(
        GMTFormatError,
        match=r"line 2: expected >= 3 tab-separated fields .* got 2: 's2<TAB>only two fields'",
    ) as info:
        pe.read_gmt(data_dir / "gmt" / "too_few_fields.gmt")
    assert info.value.line == 2
    assert info.value.path.endswith("too_few_fields.gmt")
    assert isinstance(info.value, ValueError)


def test_warn_mode_reports_every_line_left_out(data_dir):
    with pytest.warns(GMTFormatWarning, match="1 line"):
        lib = pe.read_gmt(data_dir / "gmt" / "too_few_fields.gmt", errors="warn")
    assert list(lib.set_ids) == ["s1", "s3"]
    report = lib.load_report
    assert report[["line", "set_id", "problem"]].values.tolist() == [[2, "s2", "too_few_fields"]]


def test_renamed_symbols_are_notes_not_lines_left_out(data_dir):
    # The 10-minute fuzz run (issue 17) found the warning counting renames as lines left out.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lib = pe.read_gmt(data_dir / "gmt" / "renamed_symbols.gmt", errors="warn")
    assert lib["s1"] == frozenset({"RIGI", "TBXT", "TP53"}) and len(lib) == 2
    report = lib.load_report
    assert report[["line", "item", "problem"]].values.tolist() == [
        [1, "DDX58", "symbol_updated"],
        [1, "T", "symbol_updated"],
    ]


def test_skip_mode_is_silent_but_still_reports(data_dir):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lib = pe.read_gmt(data_dir / "gmt" / "duplicate_ids.gmt", errors="skip")
    assert lib["s1"] == frozenset({"TP53", "MDM2"})  # the first definition wins
    assert lib.load_report["problem"].tolist() == ["duplicate_set_id"]


def test_empty_fields_ignored_repeated_genes_collapsed_and_empty_set_reported(data_dir):
    path = data_dir / "gmt" / "empty_and_repeated_genes.gmt"
    with pytest.raises(GMTFormatError, match=r"line 2: set 's2' lists no genes"):
        pe.read_gmt(path)
    lib = pe.read_gmt(path, errors="skip")
    assert lib["s1"] == frozenset({"TP53", "MDM2"})
    assert sorted(lib.load_report["problem"]) == ["duplicate_genes_collapsed", "no_genes"]


def test_bad_errors_value_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="The 'errors' parameter of read_gmt must be one of"):
        pe.read_gmt(tmp_path / "x.gmt", errors="ignore")
    with pytest.raises(FileNotFoundError, match="x.gmt"):
        pe.read_gmt(tmp_path / "x.gmt")


def test_round_trip_keeps_sets_names_and_descriptions(data_dir, tmp_path):
    for name in (
        "pfocr/pfocr_covid.gmt",
        "wikipathways/wikipathways-20200210-gmt-Homo_sapiens.gmt",
    ):
        lib = pe.read_gmt(data_dir / name)
        out = tmp_path / "out.gmt.gz"
        lib.to_gmt(out)
        again = pe.read_gmt(out)
        assert again == lib
        cols = ["description", "organism", "source_version"]
        assert again.sets[cols].equals(lib.sets[cols])


# -- issue 17: inputs a fault-injection run broke ---------------------------------------------
def test_damaged_gzip_data_is_a_gmt_format_error(data_dir):
    # The gzip header is valid, the deflate data is not: zlib.error escaped before.
    with pytest.raises(
        GMTFormatError, match=r"corrupted\.gmt\.gz, line 1: cannot read the file \(Error -3"
    ):
        pe.read_gmt(data_dir / "gmt" / "corrupted.gmt.gz", errors="skip")


def test_not_utf8_names_the_line_of_the_bad_byte(tmp_path):
    path = tmp_path / "x.gmt"
    path.write_bytes(b"s1\td\tTP53\n\ns2\td\tMDM2\xe9\n")
    with pytest.raises(GMTFormatError, match=r"x\.gmt, line 3: not UTF-8 text"):
        pe.read_gmt(path, errors="skip")


def test_byte_order_mark_is_not_part_of_the_first_set_id(data_dir):
    lib = pe.read_gmt(data_dir / "gmt" / "bom.gmt")
    assert list(lib.set_ids) == ["s1", "s2"]
    assert lib["s1"] == frozenset({"TP53", "MDM2"})


def test_control_character_in_a_gene_is_a_bad_line(data_dir):
    path = data_dir / "gmt" / "nul_in_gene.gmt"
    with pytest.raises(
        GMTFormatError,
        match=r"nul_in_gene\.gmt, line 1: expected text without control characters, "
        r"got '\\x00' in field 4",
    ):
        pe.read_gmt(path)
    lib = pe.read_gmt(path, errors="skip")
    assert list(lib.set_ids) == ["s2"] and "MD\x00M2" not in lib.genes
    assert lib.load_report[["line", "set_id", "problem"]].values.tolist() == [
        [1, "s1", "control_character"]
    ]
