"""GeneMapper builds each lookup tier when a name first needs it (new-process start-up)."""

from __future__ import annotations

import pandas as pd

from pfocr_enrich.identifiers import GeneMapper


def _fresh_default() -> GeneMapper:
    shipped = GeneMapper.default()  # shared: build a private one from the same tables
    return GeneMapper(shipped.genes, shipped.aliases, shipped.lexicon)


def test_a_renamed_symbol_needs_only_the_lexicon():
    mapper = _fresh_default()
    hits = [mapper.resolve(n) for n in ("DDX58", "SEPT7", "TMEM173", "TP53")]
    assert [(h.status, h.mapped_to) for h in hits] == [
        ("previous", "RIGI"),
        ("previous", "SEPTIN7"),
        ("previous", "STING1"),
        ("official", "TP53"),
    ]
    assert mapper._built is None  # no alias, family or Ensembl table was built
    assert mapper.resolve("p53").mapped_to == "TP53" and mapper._built is not None


def test_the_renamed_tier_is_the_one_the_full_tables_hold():
    mapper = _fresh_default()
    renames = mapper.renames()
    assert len(renames) > 500 and "DDX58" in renames and "TP53" not in renames
    assert mapper._synonyms().hgnc_symbols is renames
    # the same as grouping the lexicon by hand: terms of source hgnc_symbol, known ids only
    lex = mapper.lexicon
    rows = lex[(lex["source"] == "hgnc_symbol") & lex["entrez"].isin(list(mapper.genes["entrez"]))]
    expected: dict[str, set[str]] = {}
    for term, entrez in zip(rows["term"], rows["entrez"]):
        key = term.upper() if term.isascii() else term
        if mapper.official_symbol(term) is None:
            expected.setdefault(key, set()).add(entrez)
    assert renames == expected


def test_a_mapper_without_a_lexicon_has_no_renames():
    genes = pd.DataFrame({"entrez": ["7157"], "symbol": ["TP53"]})
    mapper = GeneMapper.from_tables(genes)
    assert mapper.renames() == {} and mapper.resolve("DDX58").status == "unknown"


def test_the_shipped_mapper_reads_aliases_and_lexicon_only_when_a_tier_needs_them():
    from pfocr_enrich.identifiers.mapper_tables import MapperTables

    mapper = GeneMapper.__new__(GeneMapper)
    mapper._init(MapperTables.packaged())
    assert mapper.resolve("akt1").mapped_to == "AKT1"
    assert mapper._tables.read == {"genes"}  # official and case tiers: the gene table only
    assert mapper.resolve("DDX58").mapped_to == "RIGI"
    assert mapper._tables.read == {"genes", "lexicon"}
    assert mapper.resolve("p53").mapped_to == "TP53"
    assert mapper._tables.read == {"genes", "lexicon", "aliases"}
    # the public frames are the packaged tables, read with pandas on demand
    assert mapper.aliases.columns.tolist() == ["alias", "entrez"]
    assert "NaN" in set(mapper.aliases["alias"])  # a gene name (SCN11A), not a missing value


def test_the_mapper_stays_immutable():
    import dataclasses

    import pytest

    mapper = GeneMapper.from_tables(pd.DataFrame({"entrez": ["7157"], "symbol": ["TP53"]}))
    with pytest.raises(dataclasses.FrozenInstanceError):
        mapper.genes = pd.DataFrame()  # type: ignore[misc]
