"""Identifier normalisation and mapping against the shipped NCBI Gene tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.identifiers import GeneMapper, gene_key, normalise_query


@pytest.mark.parametrize(
    ("given", "status", "mapped_to"),
    [
        ("TP53", "official", "TP53"),
        ("tp53", "case", "TP53"),
        ("Akt1", "case", "AKT1"),  # mouse-style case
        ("C9orf72", "official", "C9orf72"),
        ("C9ORF72", "case", "C9orf72"),
        ("7157", "entrez", "TP53"),
        ("ENSG00000141510", "ensembl", "TP53"),
        ("ENSG00000141510.17", "ensembl", "TP53"),  # version suffix
        ("DDX58", "previous", "RIGI"),  # HGNC symbol in 2018, renamed RIGI since
        ("NaN", "alias", "SCN11A"),  # the literal alias, not a missing value
        ("Aß", "unknown", None),  # must not upper-case to ASS (ASS1)
        ("NOTAGENE", "unknown", None),
        ("999999999", "unknown", None),
    ],
)
def test_single_identifiers(given, status, mapped_to):
    row = pe.map_genes([given]).iloc[0]
    assert row["status"] == status
    assert (row["mapped_to"] if isinstance(row["mapped_to"], str) else None) == mapped_to


def test_ambiguous_alias_is_reported_with_its_candidates():
    mapper = GeneMapper.default()
    ambiguous = [a for a, targets in mapper._synonyms().alias_targets.items() if len(targets) > 1]
    assert ambiguous  # NCBI has many
    row = pe.map_genes([ambiguous[0]]).iloc[0]
    assert row["status"] == "ambiguous"
    assert row["note"].startswith("alias or previous symbol of ")
    assert pd.isna(row["mapped_to"])


def test_entrez_namespace_and_duplicates_in_input_order():
    frame = pe.map_genes(["TP53", "7157", "tp53", "MDM2"], namespace="entrez")
    assert frame["status"].tolist() == ["official", "duplicate", "duplicate", "official"]
    assert frame["mapped_to"].tolist() == ["7157", "7157", "7157", "4193"]
    assert "same gene as 'TP53'" in frame["note"].iloc[1]


def test_universe_marks_outside_genes():
    frame = pe.map_genes(["TP53", "MDM2"], universe=["TP53"])
    assert frame["status"].tolist() == ["official", "outside_universe"]


def test_normalise_query_blanks_numbers_and_strings():
    assert normalise_query([" TP53 ", "", None, float("nan"), "NA", 7157, 7157.0, "NaN"]) == [
        "TP53",
        "7157",
        "7157",
        "NaN",
    ]
    with pytest.raises(TypeError, match="not a single string"):
        normalise_query("TP53")


def test_normalise_query_keeps_identifier_types_and_counts_what_it_read():
    import datetime

    n_read: list[int] = []
    items = [np.int64(7157), np.float64(581.0), np.str_("TP53"), datetime.date(2021, 3, 1), None]
    assert normalise_query(iter(items), n_read=n_read) == ["7157", "581", "TP53", "2021-03-01"]
    assert n_read == [5]  # the blank was read, and left out


@pytest.mark.parametrize("item", [object(), b"TP53", ["TP53"], {"TP53"}, True, np.bool_(False)])
def test_normalise_query_refuses_items_that_are_no_identifier(item):
    # their text ("<object object at ...>", "b'TP53'", "['TP53']", "True") is no gene name
    with pytest.raises(TypeError, match=r"The 'genes' parameter of enrich .* at position 1"):
        normalise_query(["IRF3", item])


def test_gene_key_only_folds_ascii():
    assert gene_key("Akt1") == "AKT1"
    assert gene_key("Aß") == "Aß"


def test_shared_symbol_prefers_protein_coding_gene():
    # NCBI reuses the symbol TEC (7006 protein-coding; 100124696 is another locus)
    assert GeneMapper.default().entrez_of_symbol("TEC") == "7006"


def test_from_tables_accepts_a_newer_table_and_checks_columns():
    genes = pd.DataFrame({"entrez": ["1", "2"], "symbol": ["NEWA", "NEWB"]})
    aliases = pd.DataFrame({"alias": ["OLDA"], "entrez": ["1"]})
    mapper = GeneMapper.from_tables(genes, aliases)
    frame = pe.map_genes(["olda", "newb"], mapper=mapper)
    assert frame["mapped_to"].tolist() == ["NEWA", "NEWB"]
    with pytest.raises(ValueError, match="must have columns 'entrez', 'symbol'"):
        GeneMapper.from_tables(pd.DataFrame({"id": ["1"]}))


def test_resolve_aliases_can_be_turned_off():
    assert pe.map_genes(["DDX58"], resolve_aliases=False)["status"].tolist() == ["unknown"]


def test_curated_messy_inputs_map_as_a_curator_would(data_dir):
    table = pd.read_csv(
        data_dir / "identifiers" / "messy_inputs.tsv", sep="\t", dtype=str, keep_default_na=False
    )
    assert len(table) >= 60
    mapper = GeneMapper.default()
    got = [mapper.resolve(name) for name in table["input"]]
    mismatches = [
        (name, (r.status, r.mapped_to or ""), (status, target))
        for name, r, status, target in zip(table["input"], got, table["status"], table["mapped_to"])
        if (r.status, r.mapped_to or "") != (status, target)
    ]
    assert not mismatches
    assert set(table["status"]) >= {
        "official",
        "case",
        "entrez",
        "ensembl",
        "previous",
        "alias",
        "date_repaired",
        "ambiguous",
        "unknown",
    }


def test_families_are_reported_with_their_members_never_expanded():
    row = pe.map_genes(["PI3K"]).iloc[0]
    assert row["status"] == "ambiguous"
    assert (
        row["note"]
        == "gene family of PIK3CA, PIK3CB, PIK3CD, PIK3CG, PIK3R3, PIK3R4, PIK3R5, PIK3R6"
    )
    assert GeneMapper.default().family_members("pi3k")[:2] == ["PIK3CA", "PIK3CB"]


def test_synonym_tables_are_built_only_when_a_name_needs_them():
    genes = pd.DataFrame(
        {"entrez": ["7157", "4193"], "symbol": ["TP53", "MDM2"], "ensembl": ["ENSG00000141510", ""]}
    )
    aliases = pd.DataFrame({"alias": ["P53", "HDM2"], "entrez": ["7157", "4193"]})
    mapper = GeneMapper.from_tables(genes, aliases)
    assert [mapper.resolve(n).mapped_to for n in ("TP53", "mdm2", "7157")] == [
        "TP53",
        "MDM2",
        "TP53",
    ]
    assert mapper._built is None  # official symbols and Entrez IDs need no synonym table
    assert mapper.resolve("HDM2").status == "alias" and mapper._built is not None
    again = GeneMapper.from_tables(genes, aliases)
    assert again.resolve("ENSG00000141510.4").mapped_to == "TP53" and again._built is not None


def test_a_shared_resolution_cache_gives_the_rows_of_fresh_resolutions(monkeypatch):
    # The lists of one batch repeat names: each is resolved once, and every list still gets
    # its own rows (duplicates within a list, statuses, notes) exactly as without the cache.
    import pfocr_enrich.identifiers.query as query
    from pfocr_enrich.identifiers import GeneMapper, IdentifierIndex, resolve_query

    mapper = GeneMapper.default()
    index = IdentifierIndex(["TP53", "MDM2", "RIGI", "IRF3"], namespace="symbol")
    lists = [["TP53", "DDX58", "tp53", "NOTAGENE"], ["DDX58", "MDM2", "TP53"], ["PI3K", "TP53"]]
    fresh = [
        resolve_query(n, mapper, index, namespace="symbol", resolve_aliases=True) for n in lists
    ]
    calls = []
    real = query._resolve_one
    monkeypatch.setattr(
        query, "_resolve_one", lambda name, *a, **k: calls.append(name) or real(name, *a, **k)
    )
    cache: dict = {}
    shared = [
        resolve_query(n, mapper, index, namespace="symbol", resolve_aliases=True, cache=cache)
        for n in lists
    ]
    assert shared == fresh
    assert sorted(calls) == sorted({n for names in lists for n in names})
    # keep_unlisted changes what a name resolves to: it has its own entries.
    unlisted = resolve_query(
        ["TP53", "BRCA1"],
        mapper,
        index,
        namespace="symbol",
        resolve_aliases=True,
        keep_unlisted=True,
        cache=cache,
    )
    assert unlisted == resolve_query(
        ["TP53", "BRCA1"],
        mapper,
        index,
        namespace="symbol",
        resolve_aliases=True,
        keep_unlisted=True,
    )
    assert unlisted[1].status != "outside_universe" and shared[0][3].status == "unknown"
