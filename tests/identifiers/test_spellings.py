"""Paper spellings, families, the HGNC priority rule and common words (issue 13)."""

from __future__ import annotations

import pytest

import pfocr_enrich as pe
from pfocr_enrich.identifiers import COMMON_WORDS, GeneMapper, spelling_variants


@pytest.mark.parametrize(
    ("given", "symbol", "rule"),
    [
        # HGNC priority: NCBI lists the name for several genes, HGNC for one of them
        ("PD-1", "PDCD1", "HGNC names it, NCBI also lists RPL17"),
        ("OCT4", "POU5F1", "HGNC names it, NCBI also lists POU5F1P3"),
        ("IPS-1", "MAVS", "HGNC names it, NCBI also lists ISYNA1"),
        ("HIF-1α", "HIF1A", "greek"),
        ("TGF-β1", "TGFB1", "greek"),
        ("IFN-γ", "IFNG", "greek"),
        ("IL-1β", "IL1B", "greek"),
        ("TNF-α", "TNF", "greek"),
        ("IL-1beta", "IL1B", "greek"),
        ("IFN-gamma", "IFNG", "greek"),
        ("IL-1ß", "IL1B", "greek"),  # German sharp s typed for β after a digit
        ("PKCδ", "PRKCD", "greek"),
        ("IκBα", "NFKBIA", "greek"),
        ("Arg-1", "ARG1", "hyphen_space"),
        ("CXCR-4", "CXCR4", "hyphen_space"),
        ("SDF-1", "CXCL12", "hyphen_space"),
        ("HIF 1A", "HIF1A", "hyphen_space"),
        ("Caspase 3", "CASP3", "word_stem"),
        ("Interleukin-6", "IL6", "word_stem"),
        ("Interferon-γ", "IFNG", "word_stem"),
        ("p-STAT3", "STAT3", "phospho"),
        ("pSTAT3", "STAT3", "phospho"),
        ("phospho-STAT3", "STAT3", "phospho"),
        ("c-Ret", "RET", "c_prefix"),
        ("(MAVS", "MAVS", "punctuation"),
        ("TYK2)", "TYK2", "punctuation"),
    ],
)
def test_spellings_and_priority_map_to_one_gene_naming_the_rule(given, symbol, rule):
    row = pe.map_genes([given]).iloc[0]
    status = "alias" if rule.startswith("HGNC") else "spelling"
    assert (row["status"], row["mapped_to"]) == (status, symbol)
    assert rule in row["note"]


def test_spellings_that_worked_before_keep_their_status():
    frame = pe.map_genes(["TNF-alpha", "SDF1", "c-Myc", "TP53"])
    assert frame["status"].tolist() == ["alias", "alias", "alias", "official"]
    assert frame["mapped_to"].tolist() == ["TNF", "CXCL12", "MYC", "TP53"]


@pytest.mark.parametrize(
    ("given", "members"),
    [
        ("NF-κB", "NFKB1, NFKB2, REL, RELA, RELB"),
        ("NF-kB", "NFKB1, NFKB2, REL, RELA, RELB"),  # NCBI lists NF-kB as an alias of NFKB1
        ("TGF-β", "TGFB1, TGFB2, TGFB3"),
        ("IL-1", "IL1A, IL1B"),  # NCBI lists IL-1 as an alias of IL1B
        ("PI3K", "PIK3CA, PIK3CB, PIK3CD, PIK3CG, PIK3R3, PIK3R4, PIK3R5, PIK3R6"),
        ("AKT", "AKT1, AKT2, AKT3"),
        ("pAKT", "AKT1, AKT2, AKT3"),  # the phospho form of a family is the family
        ("AMPK", "PRKAA1, PRKAA2, PRKAB1, PRKAB2, PRKAG1, PRKAG2, PRKAG3"),
    ],
)
def test_families_stay_ambiguous_with_their_members(given, members):
    row = pe.map_genes([given]).iloc[0]
    assert row["status"] == "ambiguous"
    assert row["mapped_to"] is None
    assert f"gene family of {members}" in row["note"]


def test_priority_rule_needs_exactly_one_hgnc_gene():
    # ABL: HGNC alias of MTTP and previous symbol of ABL1; HSP70: NCBI only; p21: HGNC
    # lists it for CDKN1A and TCEAL1 too, so the (de-duplicated) HGNC lexicon has no p21.
    frame = pe.map_genes(["ABL", "HSP70", "p21", "CaM"])
    assert frame["status"].tolist() == ["ambiguous"] * 4  # CaM: too short for the rule
    assert "CDKN1A" in frame["note"].iloc[2] and "TCEAL1" in frame["note"].iloc[2]


@pytest.mark.parametrize(
    ("given", "gene"),
    [("ATP", "ATP8A2"), ("CAF", "KAT2B"), ("ALL", "BCR"), ("cAMP", "CAMP"), ("ROS", "ROS1")],
)
def test_chemicals_and_common_words_are_flagged_not_mapped(given, gene):
    row = pe.map_genes([given]).iloc[0]
    assert row["status"] == "ambiguous" and row["mapped_to"] is None
    assert (
        "chemical, abbreviation, virus protein or common word" in row["note"]
        and gene in row["note"]
    )


def test_common_word_typed_as_exact_official_symbol_is_that_gene():
    frame = pe.map_genes(["CAMP", "CAT", "PGE2", "Aß"])
    assert frame["status"].tolist() == ["official", "official", "unknown", "unknown"]


def test_common_word_is_flagged_against_a_library_that_has_the_gene():
    frame = pe.map_genes(["cAMP", "CAMP"], universe=["CAMP", "TP53"])
    assert frame["status"].tolist() == ["ambiguous", "official"]


def test_spelling_variants_are_ordered_and_never_repeat_the_input():
    variants = spelling_variants("TGF-β1")
    assert variants == [("TGF-B1", ("greek",)), ("TGFB1", ("greek", "hyphen_space"))]
    assert spelling_variants("TP53") == []
    assert spelling_variants("Aß") == []  # amyloid-β is no gene name
    assert spelling_variants("Alphabet") == []  # spelled letters only as name parts


def test_spelling_tier_is_off_without_alias_resolution():
    assert pe.map_genes(["HIF-1α"], resolve_aliases=False)["status"].tolist() == ["unknown"]


def test_common_words_are_upper_case_keys():
    assert all(word == word.upper() for word in COMMON_WORDS)
    assert {"ATP", "PGE2", "CAF", "ALL"} <= COMMON_WORDS


def test_spelling_reaches_a_library_in_entrez_namespace():
    frame = pe.map_genes(["HIF-1α", "IL-1β"], universe=["3091", "3553"], namespace="entrez")
    assert frame["mapped_to"].tolist() == ["3091", "3553"]
    assert GeneMapper.default().resolve("HIF-1α", namespace="entrez").mapped_to == "3091"
