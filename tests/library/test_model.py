"""GeneSetLibrary: construction, immutability, filters, dedup, save/load."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich import GeneSetLibrary, LibraryFormatError


def test_from_dict_collapses_repeats_and_sorts_vocabulary():
    lib = GeneSetLibrary.from_dict({"b": ["Y", "X", "Y"], "a": ["Z"]})
    assert list(lib) == ["b", "a"]  # library order is input order
    assert list(lib.genes) == ["X", "Y", "Z"]
    assert lib["b"] == frozenset({"X", "Y"})
    assert lib.sets["size"].tolist() == [2, 1]
    assert "a" in lib and "c" not in lib
    with pytest.raises(KeyError, match="no set 'c'"):
        lib["c"]


def test_from_dict_refuses_empty_sets_and_strings():
    with pytest.raises(ValueError, match="set 'e' has no genes"):
        GeneSetLibrary.from_dict({"e": []})
    with pytest.raises(ValueError, match="a collection of genes for set 's'"):
        GeneSetLibrary.from_dict({"s": "TP53"})


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA, pd.NaT])
def test_from_dict_refuses_missing_genes(missing):
    # They would become genes named "None", "nan", "<NA>" or "NaT" (issue 17).
    with pytest.raises(ValueError, match=r"^GeneSetLibrary: set 's' has a missing gene"):
        GeneSetLibrary.from_dict({"r": ["TP53"], "s": ["MDM2", missing]})


@pytest.mark.parametrize("missing", [pd.NA, pd.NaT])
def test_from_frame_refuses_missing_genes(missing):
    frame = pd.DataFrame({"set_id": ["s", "s"], "gene": pd.Series(["MDM2", missing], dtype=object)})
    with pytest.raises(ValueError, match=r"row 1 has a missing 'set_id' or 'gene'"):
        GeneSetLibrary.from_frame(frame)


def test_from_frame_matches_gmt_on_real_tidy_data(data_dir, pfocr2018):
    gmt = pfocr2018
    long = gmt.to_frame()
    shuffled = long.sample(frac=1.0, random_state=0)
    before = shuffled.copy()
    again = GeneSetLibrary.from_frame(shuffled, set_col="set_id", gene_col="gene")
    pd.testing.assert_frame_equal(shuffled, before)  # caller's frame untouched
    assert again.n_genes == gmt.n_genes
    for set_id in ["PMC100003", "PMC1964795", "PMC3068163"]:
        assert again[set_id] == gmt[set_id]


def test_views_are_copies_and_genes_read_only(pfocr2018):
    sets = pfocr2018.sets
    sets["size"] = 0
    assert pfocr2018.sets["size"].min() >= 1
    with pytest.raises(ValueError):
        pfocr2018.genes[0] = "X"
    m = pfocr2018.membership
    m.data[:] = 0
    assert pfocr2018.membership.data.min() == 1


def test_filter_by_size_and_ids_compacts_vocabulary(pfocr2018):
    small = pfocr2018.filter(min_size=3, max_size=10)
    sizes = small.sets["size"]
    assert sizes.between(3, 10).all()
    assert len(small) == int(pfocr2018.sets["size"].between(3, 10).sum())
    used = set().union(*(small[s] for s in small))
    assert set(small.genes) == used
    two = pfocr2018.filter(set_ids=["PMC100003", "PMC1964795"])
    assert list(two) == ["PMC100003", "PMC1964795"]
    assert "filter(" in repr(two)
    with pytest.raises(KeyError, match="unknown set ids"):
        pfocr2018.filter(set_ids=["nope"])
    with pytest.raises(
        ValueError, match="The 'min_size' parameter of GeneSetLibrary.filter must be an int >= 0"
    ):
        pfocr2018.filter(min_size=-1)


def test_filter_by_organism_and_year():
    lib = GeneSetLibrary.from_dict(
        {"h": ["A"], "m": ["B"], "both": ["C"]},
        sets=pd.DataFrame(
            {
                "organisms": [["Homo sapiens"], ["Mus musculus"], ["Mus musculus", "Homo sapiens"]],
                "year": [2001, 2020, 2020],
            },
            index=["h", "m", "both"],
        ),
    )
    assert list(lib.filter(organisms=["Homo sapiens"])) == ["h", "both"]
    assert list(lib.filter(years=[2020])) == ["m", "both"]


def test_deduplicate_on_real_pfocr_duplicates(pfocr2018):
    groups = pfocr2018.duplicate_groups()
    sizes = groups.value_counts()
    assert int((sizes > 1).sum()) == 59  # documented: 59 groups, 159 sets, largest 15
    assert int(sizes[sizes > 1].sum()) == 159
    assert int(sizes.max()) == 15
    dedup = pfocr2018.deduplicate()
    assert len(dedup) == 3415 - 100
    members = dedup.sets["members"]
    assert sum(len(m) for m in members) == 3415
    big = dedup.sets[dedup.sets["n_members"] == 15]
    rep = big.index[0]
    assert all(pfocr2018[m] == pfocr2018[rep] for m in big.iloc[0]["members"])


def test_save_and_load_round_trip_with_metadata(tmp_path):
    lib = pe.sample_library()
    path = tmp_path / "covid.npz"
    lib.save(path)
    again = GeneSetLibrary.load(path)
    assert again == lib
    pd.testing.assert_frame_equal(again.sets, lib.sets, check_dtype=False)
    assert again.name == lib.name
    assert again.info == lib.info
    assert again.load_report.shape == lib.load_report.shape


def test_save_load_keeps_member_tuples(pfocr2018, tmp_path):
    dedup = pfocr2018.deduplicate()
    dedup.save(tmp_path / "d.npz")
    again = GeneSetLibrary.load(tmp_path / "d.npz")
    assert again.sets["members"].tolist() == dedup.sets["members"].tolist()


def test_load_rejects_other_files(tmp_path):
    bad = tmp_path / "x.npz"
    np.savez(bad, a=np.arange(3))
    with pytest.raises(LibraryFormatError, match="x.npz"):
        GeneSetLibrary.load(bad)
    text = tmp_path / "y.npz"
    text.write_text("not a zip")
    with pytest.raises(LibraryFormatError, match="y.npz"):
        GeneSetLibrary.load(text)


def test_repr_names_sizes_and_columns(pfocr2018):
    text = repr(pfocr2018)
    assert "3,415 sets x 4,159 genes (entrez)" in text
    assert "source_version" in text


def test_save_load_keeps_every_metadata_column_exactly(data_dir, tmp_path):
    import warnings

    from pfocr_enrich.io.figures import read_figures

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib = read_figures(data_dir / "figures" / "sample")
    lib.save(tmp_path / "f.npz")
    again = GeneSetLibrary.load(tmp_path / "f.npz")
    pd.testing.assert_frame_equal(again.sets, lib.sets)  # lists, None, nullable years, text
    assert again.sets["organisms"].map(type).eq(list).all()


def test_text_with_the_blob_separator_still_round_trips(tmp_path):
    lib = GeneSetLibrary.from_dict(
        {"a": ["X"]}, sets=pd.DataFrame({"title": ["odd\x1ftitle"]}, index=["a"])
    )
    lib.save(tmp_path / "x.npz")
    assert GeneSetLibrary.load(tmp_path / "x.npz").sets.loc["a", "title"] == "odd\x1ftitle"


def test_load_report_round_trips_exactly(data_dir, tmp_path):
    lib = pe.read_gmt(data_dir / "gmt" / "empty_and_repeated_genes.gmt", errors="skip")
    lib.save(tmp_path / "r.npz")
    pd.testing.assert_frame_equal(
        GeneSetLibrary.load(tmp_path / "r.npz").load_report, lib.load_report, check_dtype=False
    )


MISSING = [None, float("nan"), np.nan, pd.NA, pd.NaT, np.datetime64("NaT")]


@pytest.mark.parametrize("value", MISSING, ids=repr)
def test_a_missing_gene_in_a_dict_is_refused_with_its_set_and_position(value):
    with pytest.raises(ValueError, match=r"set 's2' has a missing gene name at position 1"):
        GeneSetLibrary.from_dict({"s1": ["TP53"], "s2": ["MDM2", value, "AKT1"]})


@pytest.mark.parametrize("value", ["", "  ", "\t"], ids=repr)
def test_a_blank_gene_in_a_dict_is_refused(value):
    with pytest.raises(ValueError, match=r"set 's1' has a blank gene name .* at position 0"):
        GeneSetLibrary.from_dict({"s1": [value, "TP53"]})


def test_a_missing_set_id_in_a_dict_is_refused():
    with pytest.raises(ValueError, match="a set id is missing"):
        GeneSetLibrary.from_dict({None: ["TP53"]})


@pytest.mark.parametrize("value", [*MISSING, "", "   "], ids=repr)
def test_a_missing_or_blank_gene_in_a_frame_is_refused_with_its_row(value):
    frame = pd.DataFrame(
        {"set_id": ["a", "a", "b"], "gene": pd.Series(["X", value, "Y"], dtype=object)}
    )
    with pytest.raises(ValueError, match=r"row 1 has a (missing|blank) 'set_id' or 'gene'"):
        GeneSetLibrary.from_frame(frame)


@pytest.mark.parametrize("dtype", ["string", "category", object])
def test_missing_genes_of_any_column_type_never_become_genes(dtype):
    frame = pd.DataFrame({"set_id": ["a", "a"], "gene": pd.Series(["X", None], dtype=dtype)})
    with pytest.raises(ValueError, match="row 1 has a missing"):
        GeneSetLibrary.from_frame(frame)


def test_text_that_only_looks_missing_is_a_gene():
    # "NaN" is the alias of SCN11A and "NA" a string: only real missing values are refused.
    lib = GeneSetLibrary.from_dict({"a": ["NaN", "NA", "None", 7157]})
    assert sorted(lib.genes) == ["7157", "NA", "NaN", "None"]
