"""Other organisms' gene lists: their own genes, HCOP human orthologs, and the warning."""

from __future__ import annotations

import subprocess
import sys
import warnings
from importlib import resources

import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.errors import GeneMappingWarning
from pfocr_enrich.identifiers import GeneMapper, OrganismMapper, mapper_for, parse_organism
from pfocr_enrich.identifiers.organisms import OrganismTables


@pytest.mark.parametrize(
    "given", ["mouse", "Mouse", "Mus musculus", "mus_musculus", 10090, "10090"]
)
def test_mouse_is_accepted_by_name_species_and_taxon(given):
    assert parse_organism(given) == "mouse"


def test_human_zebrafish_and_fly_names():
    assert [parse_organism(x) for x in ("human", 9606, "Homo sapiens")] == ["human"] * 3
    assert parse_organism("Danio rerio") == "zebrafish"
    assert parse_organism("Drosophila melanogaster") == parse_organism("fruit fly") == "fly"


@pytest.mark.parametrize(
    ("given", "error"),
    [
        ("rat", ValueError),
        (10116, ValueError),
        ("", ValueError),
        (None, TypeError),
        (True, TypeError),
    ],
)
def test_unknown_organism_is_a_clear_error(given, error):
    with pytest.raises(error, match=r"The 'organism' parameter of map_genes must be one of"):
        pe.map_genes(["TP53"], organism=given)


def test_mouse_list_maps_to_human_orthologs_and_says_so():
    frame = pe.map_genes(["Mif", "Cd74", "Akt1", "Pik3ca", "Trp53"], organism="mouse")
    assert frame["status"].tolist() == ["ortholog"] * 5
    assert frame["mapped_to"].tolist() == ["MIF", "CD74", "AKT1", "PIK3CA", "TP53"]
    assert frame["note"].iloc[4] == "mouse Trp53 -> human TP53 (HCOP, 12 resources)"


def test_mouse_ids_and_synonyms_and_duplicates():
    frame = pe.map_genes(
        ["17319", "ENSMUSG00000024610.9", "Mif", "p53", "NOTAMOUSEGENE"], organism=10090
    )
    assert frame["status"].tolist() == ["ortholog", "ortholog", "duplicate", "ortholog", "unknown"]
    assert frame["mapped_to"].tolist()[:4] == ["MIF", "CD74", "MIF", "TP53"]
    assert frame["note"].iloc[3].startswith("mouse synonym of Trp53")


def test_ortholog_policy_on_real_pairs():
    frame = pe.map_genes(["Ear2", "Mup1", "Xist", "Ccl3"], organism="mouse")
    # Ear2: RNASE2 and RNASE3 equally supported; Mup1: rodent-only; Xist: one resource only
    assert frame["status"].tolist() == ["ambiguous", "no_ortholog", "no_ortholog", "ortholog"]
    assert "RNASE2, RNASE3 equally supported" in frame["note"].iloc[0]
    assert "only low-support predictions: XIST (1)" in frame["note"].iloc[2]
    assert "other predicted orthologs: CCL3L3 (6), CCL18 (3)" in frame["note"].iloc[3]


def _toy(pairs: list[tuple[str, int]], symbol: str = "Abc1") -> OrganismMapper:
    tables = OrganismTables(
        symbol_of={"1": symbol},
        by_key={symbol.upper(): ["1"]},
        synonyms={},
        other_ids={},
        orthologs={"1": pairs},
    )
    return OrganismMapper("mouse", GeneMapper.default(), tables)


def test_ortholog_policy_best_support_then_same_symbol_then_ambiguous():
    # human 7157 TP53, 4193 MDM2, 207 AKT1
    assert _toy([("7157", 5), ("4193", 3)]).resolve("Abc1").mapped_to == "TP53"
    assert _toy([("7157", 1)]).resolve("Abc1").status == "no_ortholog"  # below MIN_SUPPORT
    assert _toy([("7157", 4), ("207", 4)], symbol="Akt1").resolve("Akt1").mapped_to == "AKT1"
    tie = _toy([("7157", 4), ("4193", 4)]).resolve("Abc1")
    assert (tie.status, tie.mapped_to) == ("ambiguous", None)
    assert "MDM2, TP53 equally supported (4 resources)" in tie.note


def test_mouse_list_against_a_mouse_entrez_library_is_direct():
    mouse_lib = pe.GeneSetLibrary.from_dict({"s1": ["17319", "16149", "11651"], "s2": ["22059"]})
    res = pe.enrich(["Mif", "Cd74", "Trp53"], mouse_lib, organism="mouse")
    assert res.mapping["status"].tolist() == ["official", "official", "official"]
    assert res.mapping["mapped_to"].tolist() == ["17319", "16149", "22059"]
    top = res.table.set_index("set_id")
    assert top.loc["s1", "overlap"] == 2 and top.loc["s2", "overlap"] == 1


def test_mouse_list_against_a_mouse_symbol_library_is_direct():
    mouse_lib = pe.GeneSetLibrary.from_dict({"s1": ["Mif", "Cd74", "Ear2"], "s2": ["Mup1"]})
    frame = pe.map_genes(["Ear2", "MUP1"], universe=mouse_lib.genes, organism="mouse")
    assert frame["status"].tolist() == ["official", "case"]
    assert frame["mapped_to"].tolist() == ["Ear2", "Mup1"]
    assert sorted(mouse_lib.genes) == ["Cd74", "Ear2", "Mif", "Mup1"]  # not renamed as human


def test_mouse_enrichment_on_a_human_library_equals_the_human_symbols():
    lib = pe.sample_library()
    mouse = pe.enrich(["Ifnb1", "Irf3", "Mavs", "Tbk1", "Ddx58"], lib, organism="mouse")
    human = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "RIGI"], lib)
    assert mouse.mapping["status"].tolist() == ["ortholog"] * 5
    cols = ["set_id", "overlap", "set_size", "pvalue"]
    assert mouse.table[cols].equals(human.table[cols])
    many = pe.enrich_many({"a": ["Irf3", "Mavs"]}, lib, organism="Mus musculus")
    assert many.mapping["mapped_to"].tolist() == ["IRF3", "MAVS"]


def test_zebrafish_and_fly_through_hcop():
    fish = pe.map_genes(["tp53", "sox2"], organism="zebrafish")
    assert fish["mapped_to"].tolist() == ["TP53", "SOX2"]
    fly = pe.map_genes(["Dl", "hh", "DL"], organism="fly")
    assert fly["mapped_to"].tolist()[:2] == ["DLL1", "SHH"]
    assert fly["status"].iloc[2] == "ambiguous"  # Dl (Delta) or dl (dorsal): fly case matters


def test_title_case_human_list_warns_naming_organism():
    with pytest.warns(GeneMappingWarning, match=r"pass organism='mouse'") as record:
        frame = pe.map_genes(["Mif", "Cd74", "Akt1", "Pik3ca", "Ear2"])
    assert "'Mif', 'Cd74', 'Akt1', 'Pik3ca', 'Ear2'" in str(record[0].message)
    assert frame["status"].tolist() == ["case", "case", "case", "case", "alias"]


def test_human_lists_with_some_title_case_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", GeneMappingWarning)
        pe.map_genes(["TP53", "MDM2", "Smad3", "Stat3", "C9orf72", "EGFR"])
        pe.map_genes(["Mif", "Cd74"], organism="mouse")


def test_mapper_for_reuses_the_given_human_tables():
    assert mapper_for("human") is GeneMapper.default()
    mouse = mapper_for("mouse")
    assert mapper_for("mouse", mouse) is mouse and mapper_for("human", mouse) is mouse
    assert mapper_for("zebrafish", mouse).human is mouse.human
    assert pe.map_genes(["Cd74"], mapper=mouse)["status"].tolist() == ["ortholog"]
    assert mouse.symbol_of_entrez("22059") == "Trp53" and mouse.symbol_of_entrez("7157") == "TP53"


def test_organism_tables_load_only_for_other_organisms():
    code = (
        "import pfocr_enrich as pe\n"
        "from pfocr_enrich.identifiers import organisms\n"
        "pe.enrich(['MIF', 'CD74', 'Akt1', 'DDX58'], pe.sample_library())\n"
        "assert organisms._mouse_tables.cache_info().currsize == 0\n"
        "assert organisms._hcop_tables.cache_info().currsize == 0\n"
        "pe.map_genes(['Mif'], organism='mouse')\n"
        "assert organisms._mouse_tables.cache_info().currsize == 1\n"
    )
    subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True)


def test_real_mouse_list_maps_through_orthologs_and_directly(data_dir):
    ids = pd.read_csv(data_dir / "identifiers" / "fgsea_naive_vs_th1_ids.tsv", dtype=str)
    table = resources.files("pfocr_enrich").joinpath("data", "ncbi_mouse_genes.tsv.gz")
    mouse = pd.read_csv(table, sep="\t", dtype=str, keep_default_na=False)
    coding = set(mouse.loc[mouse["gene_type"] == "protein-coding", "entrez"])
    genes = [g for g in ids["entrez"] if g in coding]
    assert len(genes) >= 850  # of 1,000 IDs
    to_human = pe.map_genes(genes, organism="mouse", namespace="entrez")
    assert to_human["status"].isin(["ortholog", "duplicate"]).mean() >= 0.90
    assert set(to_human["status"]) <= {"ortholog", "duplicate", "no_ortholog", "ambiguous"}
    mouse_lib = pe.GeneSetLibrary.from_dict({"all": sorted(mouse["entrez"])})
    direct = pe.map_genes(genes, organism="mouse", namespace="entrez", universe=mouse_lib.genes)
    assert direct["status"].eq("entrez").mean() >= 0.95
    assert direct["mapped_to"].tolist() == genes
