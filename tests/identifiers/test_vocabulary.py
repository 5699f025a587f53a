"""Library-side normalisation: old names inside symbol libraries brought up to date (issue 13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.identifiers import GeneMapper
from pfocr_enrich.identifiers.vocabulary import current_symbols, update_gene_lists


def test_current_symbols_renames_previous_symbols_and_unique_aliases_only():
    names = ["MARCH2", "CTGF", "p53", "TP53", "7157", "PI3K", "HSP70", "ATP", "xyz"]
    # a human symbol vocabulary: at least half of its names are current symbols
    table = current_symbols([*names, "MDM2", "EGFR", "AKT1", "MYC", "JUN", "FOS"])[:9]
    assert table["symbol"].tolist() == [
        "MARCHF2", "CCN2", "TP53", "TP53", "7157", "PI3K", "HSP70", "ATP", "xyz"
    ]  # fmt: skip
    assert table["status"].tolist() == [
        "previous", "previous", "alias", "official", "entrez", "kept", "kept", "kept", "kept"
    ]  # fmt: skip
    assert table["entrez"].tolist()[:5] == ["51257", "1490", "7157", "7157", "7157"]
    assert table["changed"].tolist() == [True, True, True] + [False] * 6


def test_current_symbols_can_keep_names_as_given():
    table = current_symbols(["DDX58", "TP53"], rename=False)
    assert table["symbol"].tolist() == ["DDX58", "TP53"]
    assert table["status"].tolist() == ["previous", "official"]  # still says what would change
    assert not table["changed"].any()


def test_mouse_style_vocabulary_is_never_read_as_human_aliases():
    table = current_symbols(["Ear2", "Mup1", "Mif", "Cd74"])
    assert table["symbol"].tolist() == ["Ear2", "Mup1", "Mif", "Cd74"]
    assert table["note"].iloc[0].startswith("not a human symbol vocabulary")
    made_up = current_symbols(["a", "b", "x", "G1", "TP53"])  # single letters are NCBI aliases
    assert not made_up["changed"].any()


def test_update_gene_lists_reports_each_name_once_and_merges():
    lists, report = update_gene_lists(
        ["a", "b", "c"], [["DDX58", "TP53"], ["DDX58", "RIGI"], ["MDM2"]]
    )
    assert lists == [["RIGI", "TP53"], ["RIGI", "RIGI"], ["MDM2"]]
    assert report.values.tolist() == [
        [
            "a",
            "DDX58",
            "symbol_updated",
            "HGNC symbol (2018) renamed RIGI (Entrez 23586): now RIGI",
        ],
        ["b", "DDX58", "genes_merged", "one gene twice: DDX58 -> RIGI"],
    ]
    same, nothing = update_gene_lists(["a"], [["7157", "4193"]])
    assert same == [["7157", "4193"]] and nothing.empty


def test_read_gmt_updates_symbols_and_reports_them(data_dir):
    path = data_dir / "pfocr" / "pfocr_covid_symbols.gmt"
    lib = pe.read_gmt(path)
    kept = pe.read_gmt(path, normalise_symbols=False)
    updated = lib.load_report[lib.load_report["problem"] == "symbol_updated"]
    assert len(updated) == 16  # 16 of the 1,523 COVID symbols are renamed since 2018
    assert set(kept.genes) - set(lib.genes) == set(updated["item"])
    assert {"DDX58", "TMEM173"} <= set(updated["item"]) and {"RIGI", "STING1"} <= set(lib.genes)
    assert updated["file"].eq(str(path)).all() and updated["line"].ge(1).all()
    assert kept.load_report.empty


@pytest.mark.parametrize(("stem", "renamed"), [("pfocr2018_4000", 49), ("pfocr_covid", 16)])
def test_symbol_and_entrez_forms_of_one_library_give_the_same_numbers(data_dir, stem, renamed):
    by_symbol = pe.read_gmt(data_dir / "pfocr" / f"{stem}_symbols.gmt")
    by_entrez = pe.read_gmt(data_dir / "pfocr" / f"{stem}.gmt")
    assert (by_symbol.load_report["problem"] == "symbol_updated").sum() == renamed
    mapper = GeneMapper.default()
    assert sorted(by_symbol.genes) == sorted(mapper.symbol_of_entrez(e) for e in by_entrez.genes)
    rng = np.random.default_rng(13)
    current = [mapper.symbol_of_entrez(e) for e in by_entrez.genes]
    query = [*rng.choice(current, 250, replace=False), "MARCHF2", "RIGI", "CCN2", "DDX58", "CTGF"]
    cols = ["set_id", "overlap", "set_size", "query_size", "universe_size", "pvalue"]
    with pytest.warns(pe.errors.GeneMappingWarning):  # duplicates and genes outside the sets
        a = pe.enrich(query, by_symbol)
        b = pe.enrich(query, by_entrez)
    assert a.params["query_size"] == b.params["query_size"]
    assert a.mapping["status"].tolist() == b.mapping["status"].tolist()
    left = a.table[cols].sort_values("set_id").reset_index(drop=True)
    right = b.table[cols].sort_values("set_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)


def test_from_dict_and_from_frame_update_symbols_unless_asked_not_to():
    lib = pe.GeneSetLibrary.from_dict({"s1": ["CTGF", "TP53", "MDM2"], "s2": ["SEPT7", "EGFR"]})
    assert sorted(lib.genes) == ["CCN2", "EGFR", "MDM2", "SEPTIN7", "TP53"]
    assert lib.load_report["item"].tolist() == ["CTGF", "SEPT7"]
    given = pe.GeneSetLibrary.from_dict({"s1": ["CTGF"]}, normalise_symbols=False)
    assert given.genes.tolist() == ["CTGF"]
    frame = pd.DataFrame({"set_id": ["a", "a", "b"], "gene": ["DDX58", "RIGI", "MDM2"]})
    lib = pe.GeneSetLibrary.from_frame(frame)
    assert lib["a"] == frozenset({"RIGI"}) and lib.sets["size"].tolist() == [1, 1]
    assert lib.load_report["problem"].tolist() == ["symbol_updated", "genes_merged"]
    assert sorted(pe.GeneSetLibrary.from_frame(frame, normalise_symbols=False).genes) == [
        "DDX58", "MDM2", "RIGI"
    ]  # fmt: skip


def test_update_keeps_a_reader_report_and_its_set_column():
    report = pd.DataFrame({"file": ["x.md"], "figid": ["f0"], "problem": ["no_genes"]})
    _, merged = update_gene_lists(["f1"], [["CTGF", "TP53"]], report=report)
    assert merged["figid"].tolist() == ["f0", "f1"] and "set_id" not in merged
