"""Tests for pfocr_enrich.io.figures (read_figures, parse_figure) on real PFOCR pages.

Data: ``tests/data/figures/`` (see its README.md). Expected gene sets were read
by eye from the files: the embedded ``genes:`` table, the companion
``_data/<figid>-genes.tsv`` table, or the ``schema-jsonld`` keywords that are
official human symbols in the NCBI table shipped with the package.
"""

from __future__ import annotations

import copy
import re
import shutil
import warnings
from pathlib import Path

import pandas as pd
import pytest

from pfocr_enrich.errors import FigureFormatError, FigureParseWarning
from pfocr_enrich.identifiers import GeneMapper
from pfocr_enrich.io.figures import FIGURE_PROBLEMS, REPORT_COLUMNS, parse_figure, read_figures
from pfocr_enrich.library import GeneSetLibrary

DATA = Path(__file__).parents[1] / "data" / "figures"
SAMPLE = DATA / "sample"
BAD = DATA / "bad"
EDGE = DATA / "edge"
SEED_001 = DATA / "versions" / "001_143bba05f81970e6.txt"
SAME_FIGID = "PMC9095362__SCI2022-9133658.005"

# figid -> (title, gene_source, genes) for the 13 sample pages with human genes.
EXPECTED = {
    "PMC100003__mb2410470011": (
        "Summary of the signaling pathway that connects neuropeptides to the AR",
        "genes_table",
        "AR BMX GNAQ PTK2 SRC",
    ),
    "PMC10029719__cs3c00075_0011": (
        "NH-Carbazole in Aryl Amination Reactions Catalyzed by 2-Aminobiphenyl Palladacycles",
        "keywords",
        # A chemistry scheme: OCR words match human symbols ('ar' -> AR). Keywords are noisy.
        "AR ATP6V0A2 C1QA C1QB C1QC C1R C1S CDH1 FASTK FOXD3-AS1 NACC1 SCN1A",
    ),
    "PMC10031380__sc1": (
        "Nanoparticles (NPs)-mediated systemic mRNA delivery to reverse trastuzumab "
        "resistance for effective breast cancer therapy",
        "data_table",
        "AKT1 AKT2 AKT3 ERBB2 PIK3CA PIK3CB PIK3CD PIK3CG PIK3R1 PIK3R2 PIK3R3 PIK3R4 "
        "PIK3R5 PIK3R6 PTEN",
    ),
    "PMC10034405__fpls-14-1091644-g010": (
        # The trailing space of the file's figtitle is stripped.
        "GIGANTEA supresses wilt disease resistance by down-regulating the jasmonate "
        "signaling in Arabidopsis thaliana",
        "keywords",
        "COL4A1 COX1 GDF15 KITLG PADI4 PDF PFDN1 TMED5 ZNF346",
    ),
    "PMC10036296__gr1_lrg": (
        "An Evolving Understanding of the Basis and Management of Vascular Complications "
        "of COVID-19: Where Do We Go From Here?",
        "keywords",
        "ACE2 APCS C3 C5 C5AR1 CRP CSRP1 CXCL1 CXCL10 CXCL11 CXCL12 CXCL13 CXCL14 CXCL2 "
        "CXCL3 CXCL5 CXCL6 CXCL8 CXCL9 ERVK-2 FGA FGB FGG GAP43 ICAM1 IL6 IL9 PF4 PPBP "
        "PPIAP10 RASA1 RGS6 SELE SELL SELP TNF TNNC1 TNNC2 TNNI1 TNNI2 TNNI3 TNNT1 TNNT2 "
        "TNNT3 VWF",
    ),
    "PMC10037161__PBI-21-680-g002": (
        "High\u2010temperature stress in crops: male sterility, yield loss and potential "
        "remedy approaches",
        "keywords",
        "ACO2 AOS",
    ),
    "PMC12099225__CPR-58-e13795-g001": (
        "MSC\u2010Exos in the treatment of age\u2010related diseases",
        "keywords",
        "AKT1 AKT2 AKT3 ANGPT1 ANGPT2 ANGPT4 AREG BDNF CSF1 CSF2 EFNA1 EFNA2 EFNA3 EFNA4 "
        "EFNA5 EGF EREG FGF1 FGF10 FGF16 FGF17 FGF18 FGF19 FGF2 FGF20 FGF21 FGF22 FGF23 "
        "FGF3 FGF4 FGF5 FGF6 FGF7 FGF8 FGF9 FLT3LG GABPA HGF IGF1 IGF2 INS IRF6 KITLG "
        "MTOR NELFCD NFE2L2 NGF NTF3 NTF4 PDGFA PDGFB PDGFC PDGFD PGF PIK3CA PIK3CB "
        "PIK3CD PIK3CG PIK3R1 PIK3R2 PIK3R3 PIK3R4 PIK3R5 PIK3R6 PTEN RPTOR SOD1 SOD2 "
        "SOD3 TGFA VEGFA VEGFB VEGFC VEGFD",
    ),
    "PMC321618__zii0020410930007": (
        "Statins and bacterial infection: model illustrating the effects of statins on "
        "S. enterica serovar Typhimurium infection",
        "keywords",
        "AGFG1 ENO4 HAND2 ICAM1 ICAM2 ICAM3 ICAM4 ICAM5 IFT22 IL1B IL6 NOS3 PLG RAB10 "
        "RAB11A RAB11B RAB12 RAB13 RAB14 RAB15 RAB17 RAB18 RAB19 RAB1A RAB1B RAB1C RAB20 "
        "RAB21 RAB22A RAB23 RAB24 RAB25 RAB26 RAB27A RAB27B RAB28 RAB29 RAB2A RAB2B RAB30 "
        "RAB31 RAB32 RAB33A RAB33B RAB34 RAB35 RAB36 RAB37 RAB38 RAB39A RAB39B RAB3A "
        "RAB3B RAB3C RAB3D RAB40A RAB40AL RAB40B RAB40C RAB41 RAB42 RAB43 RAB44 RAB4A "
        "RAB4B RAB5A RAB5B RAB5C RAB6A RAB6B RAB6C RAB7A RAB7B RAB8A RAB8B RAB9A RAB9B "
        "RABL2A RABL2B RABL3 RACGAP1 RHO RHOA RHOB RHOC RHOD RND2 SELE SELL SELP TH TNF",
    ),
    "PMC539203__JCI0523237.f7": (
        "MAPK pathway in papillary thyroid carcinogenesis",
        "keywords",
        "BRAF CCDC6 EPHB2 F9 HRAS KRAS MAP2K1 MAP2K2 MAP2K7 MAPK1 MAPK3 NRAS NTRK1 PTCH1 "
        "RET TAS2R38 TPM3",
    ),
    "PMC6309157__jof-04-00123-g002": (
        "Molecular pathways that play central roles in mounting an immune response",
        "genes_table",
        "AKT1 AKT2 MAPK1 MAPK10 MAPK11 MAPK12 MAPK13 MAPK14 MAPK3 MAPK8 MAPK9 OGFOD1 PDK1 "
        "PIN1 SMN1 TERF1 TLR1 TLR10 TLR2 TLR3 TLR4 TLR5 TLR6 TLR7 TLR8 TLR9",
    ),
    "PMC6365454__fnins-13-00025-g0002": (
        "Chronic hyperglycemia impairs neuron function",
        "keywords",
        "AGER ATP1A1 ATP1A2 ATP1A3 ATP1A4 ATP1B1 ATP1B2 ATP1B3 ATP1B4 ATP5F1E ATP8A2 BDNF "
        "BDNF-AS C3 CASR DECR1 DNAH8 FZD4 GABBR1 GABBR2 GANAB GPR151 GPR156 GPR158 "
        "GPR166P GPR179 GPRC5A GPRC5B GPRC5C GPRC5D GPRC6A GRM1 GRM2 GRM3 GRM4 GRM5 GRM6 "
        "GRM7 GRM8 ISYNA1 LGR6 LPAR3 MMP1 MMP10 MMP11 MMP12 MMP13 MMP14 MMP15 MMP16 MMP17 "
        "MMP19 MMP2 MMP20 MMP21 MMP23B MMP24 MMP25 MMP26 MMP27 MMP28 MMP3 MMP7 MMP8 MMP9 "
        "MOK MRGPRX1 MRGPRX3 MRGPRX4 NMUR1 NOS2 OXER1 PRKCA PRKCB PRKCD PRKCE PRKCG PRKCH "
        "PRKCI PRKCQ PRKCZ PRKD3 PRRT2 SLC2A1 SLC2A3 SNAP25 SPNS1 TKTL1 TRPV1 VN1R17P "
        "WDTC1",
    ),
    "PMC8413833__gr8": (
        "Exosome-mediated transfer of MIF confers temozolomide resistance by regulating "
        "TIMP3/PI3K/AKT axis in gliomas",
        "keywords",
        "AKT1 AKT2 AKT3 AMH BAX CDK2 MIF PIK3CA PIK3CB PIK3CD PIK3CG PIK3R1 PIK3R2 PIK3R3 "
        "PIK3R4 PIK3R5 PIK3R6 S100A8 S100A9 TIMP3",
    ),
    SAME_FIGID: (
        "Cancer Stem Cell-Derived Exosomes in Cancer Progression",
        "keywords",
        "CASP1 CASP10 CASP12 CASP14 CASP2 CASP3 CASP4 CASP5 CASP6 CASP7 CASP8 CASP9 EGFR "
        "ERBB2 HSPA1A HSPA1B HSPA4 LTBP1 MAPK1 MAPK10 MAPK11 MAPK12 MAPK13 MAPK14 MAPK3 "
        "MAPK8 MAPK9 MIR155 SMAD1 SMAD2 SMAD3 SMAD4 SMAD5 SMAD6 SMAD7 SMAD9 SMOX STIM1 "
        "TAM TGFB1 TGFB2 TGFB3 TJP1 TRL-TAG1-1",
    ),
}
# Sample pages whose keywords hold no human symbol (a chemistry and a microbiome figure).
NO_GENES = ["PMC10033909__d3sc00173c-s1", "PMC10036442__109_2023_2289_Fig1_HTML"]


def read_quietly(source, **kwargs) -> GeneSetLibrary:
    """read_figures with errors='skip' (no warning expected, none allowed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return read_figures(source, errors="skip", **kwargs)


def keyword_rows(lib: GeneSetLibrary, figid: str) -> list[str]:
    report = lib.load_report
    rows = report[(report["figid"] == figid) & (report["problem"] == "keyword_not_human_gene")]
    return rows["item"].tolist()


@pytest.fixture(scope="module")
def mapper() -> GeneMapper:
    return GeneMapper.default()


@pytest.fixture(scope="module")
def sample() -> GeneSetLibrary:
    with pytest.warns(FigureParseWarning) as record:
        lib = read_figures(SAMPLE)
    assert len(record) == 1
    return lib


# -- real pages: titles, genes, sources -------------------------------------------------------
@pytest.mark.parametrize("figid", sorted(EXPECTED))
def test_sample_title_and_exact_gene_set(sample, figid):
    title, source, genes = EXPECTED[figid]
    assert sample.sets.loc[figid, "title"] == title
    assert sample.sets.loc[figid, "gene_source"] == source
    assert sample[figid] == frozenset(genes.split())
    assert sample.sets.loc[figid, "size"] == len(genes.split())


def test_sample_library_holds_exactly_the_figures_with_human_genes(sample):
    assert sorted(sample) == sorted(EXPECTED)
    report = sample.load_report
    left_out = report[report["problem"] == "no_genes"]
    assert left_out["figid"].tolist() == NO_GENES
    assert [Path(f).name for f in left_out["file"]] == [f"{f}.md" for f in NO_GENES]
    assert sample.name == "sample"
    assert sample.info["reader"] == "read_figures"
    assert sample.info["n_files"] == 15
    assert sample.info["n_figures"] == 13
    assert sample.info["gene_sources"] == {"data_table": 1, "genes_table": 2, "keywords": 10}


def test_sample_warning_summarises_counts_by_problem():
    with pytest.warns(FigureParseWarning) as record:
        read_figures(SAMPLE)
    assert [str(w.message) for w in record] == [
        "2 of 15 figure files were left out (no_genes: 2); 140 keywords were not human genes; "
        "1 other note(s) (data_table_no_human_rows: 1); see lib.load_report"
    ]


def test_embedded_genes_table_used_when_data_table_has_no_human_rows(sample):
    # _data/PMC100003…-genes.tsv only has Drosophila rows (Galphaq, Fak, Src42A, ...): the
    # reader falls back to the (older) embedded genes table of the page and says so.
    figid = "PMC100003__mb2410470011"
    assert sample[figid] == {"GNAQ", "BMX", "PTK2", "AR", "SRC"}
    assert sample.sets.loc[figid, "gene_source"] == "genes_table"
    assert sample.sets.loc[figid, "entrez"] == ["367", "660", "2776", "5747", "6714"]
    report = sample.load_report
    notes = report[report["figid"] == figid]
    assert notes["problem"].tolist() == ["data_table_no_human_rows"]
    assert (
        "PMC100003__mb2410470011-genes.tsv has no rows with organism_id 9606"
        in (notes["detail"].iloc[0])
    )
    # The keywords (including the chemical 'bombesin') are not consulted for this figure.
    assert keyword_rows(sample, figid) == []


def test_data_table_preferred_and_filtered_to_human_rows(sample):
    figid = "PMC10031380__sc1"
    assert sample.sets.loc[figid, "gene_source"] == "data_table"
    # 15 human rows; the 7 Drosophila rows (Pten, Pi3K21B, Akt, bond, ...) are ignored.
    assert sample.sets.loc[figid, "entrez"] == [
        "207", "208", "2064", "5290", "5291", "5293", "5294", "5295", "5296", "5728",
        "8503", "10000", "23533", "30849", "146850",
    ]  # fmt: skip
    assert not sample[figid] & {"Pten", "Akt", "bond", "Pi3K21B"}
    assert keyword_rows(sample, figid) == []  # keywords are not read when a table exists


def test_keyword_sets_have_no_entrez_ids(sample):
    keyword_sets = sample.sets[sample.sets["gene_source"] == "keywords"]
    assert keyword_sets["entrez"].map(len).eq(0).all()


# -- keywords ---------------------------------------------------------------------------------
def test_keywords_match_case_insensitively_and_junk_is_reported(sample, mapper):
    # Mouse 'Egfr', 'Tgfb1', 'Tjp1' count as the human genes EGFR, TGFB1, TJP1: matching is
    # case-insensitive (identifiers.gene_key), so a mouse symbol equal to the human one is kept.
    genes = sample[SAME_FIGID]
    assert {"EGFR", "TGFB1", "TJP1", "LTBP1", "SMOX"} <= genes
    assert not {"Egfr", "Tgfb1", "Tjp1", "Ltbp1", "Smox"} & genes
    dropped = keyword_rows(sample, SAME_FIGID)
    assert "Egfr" not in dropped
    # Fly symbols are reported, since none is a human symbol even case-insensitively.
    for fly in ["rl", "put", "dpp", "mav", "ec", "Mad", "gbb", "pyd", "scb"]:
        assert mapper.official_symbol(fly) is None
        assert fly in dropped
    assert dropped == [
        "MIR92A", "MIR105", "HSP70", "Tbrs2", "Mir105", "MKP-4", "p38b", "rl", "PolG1",
        "pyd", "Hsc70-3", "Hsc70-1", "Hsc70-4", "Hsp70Ab", "Hsp70Ba", "Hsp70Aa", "Hsp70Bb",
        "Hsp70Bc", "Hsp70Bbb", "ec", "scb", "a5", "Prosalpha5", "mir-92a", "Mad", "dpp",
        "gbb", "put", "mav",
    ]  # fmt: skip


def test_keyword_report_keeps_case_and_spaces(sample):
    plant = "PMC10034405__fpls-14-1091644-g010"
    dropped = keyword_rows(sample, plant)
    assert dropped[:2] == ["SA", "sa"]  # both spellings, each its own row
    assert "Pdf" not in dropped  # fly Pdf is the human symbol PDF
    assert "PDF" in sample[plant]
    chemistry = sample.load_report
    chemistry = chemistry[chemistry["figid"] == NO_GENES[0]]
    assert chemistry["item"].tolist()[:4] == [
        "Me  Me  Me ",
        "avarol  Me  Me Me  Me Me  5-exo-trig  Me  Me  Me ",
        "Me  Me  Me  Me Me 11",
        "[O]",
    ]
    assert chemistry["problem"].tolist() == ["keyword_not_human_gene"] * 7 + ["no_genes"]


def test_every_keyword_is_kept_or_reported(sample, mapper):
    """Nothing is dropped without a row: keyword figures account for every keyword."""
    report = sample.load_report
    for figid in sample.sets.index[sample.sets["gene_source"] == "keywords"]:
        keywords = parse_figure(sample.sets.loc[figid, "file"])["schema-jsonld"]["keywords"]
        dropped = keyword_rows(sample, figid)
        kept = [k for k in keywords if mapper.official_symbol(k.strip()) is not None]
        assert len(kept) + len(dropped) == len(keywords)
        assert {mapper.official_symbol(k) for k in kept} == sample[figid]
    assert set(report["problem"]) <= set(FIGURE_PROBLEMS)


# -- versions of the same figure and key order ------------------------------------------------
def test_seed_version_of_same_figure_parses_with_its_own_keywords(mapper):
    lib = read_quietly(SEED_001)
    assert list(lib) == [SAME_FIGID]
    # The brief expected MIR92A and MIR105 to be kept; in the NCBI table they are not official
    # symbols (MIR92A1/MIR92A2, MIR105-1/MIR105-2), so only 4 of the 7 keywords are genes.
    assert mapper.official_symbol("MIR92A") is None
    assert mapper.official_symbol("MIR105") is None
    assert mapper.official_symbol("HSP70") is None
    assert lib[SAME_FIGID] == {"ERBB2", "EGFR", "MIR155", "TJP1"}
    assert keyword_rows(lib, SAME_FIGID) == ["MIR92A", "MIR105", "HSP70"]
    assert lib.sets.loc[SAME_FIGID, "file"] == str(SEED_001)


def test_seed_and_sample_versions_share_metadata_despite_key_order(sample):
    seed = read_quietly(SEED_001)
    columns = ["title", "paper_title", "caption", "pmcid", "year", "doi", "journal",
               "organisms", "figure_type", "number", "filename", "url", "image_url"]  # fmt: skip
    assert (
        seed.sets.loc[SAME_FIGID, columns].tolist() == sample.sets.loc[SAME_FIGID, columns].tolist()
    )
    assert seed[SAME_FIGID] < sample[SAME_FIGID]
    # organisms_ner comes after figtype in the seed and after organisms in the sample.
    seed_keys = list(parse_figure(SEED_001))
    sample_keys = list(parse_figure(SAMPLE / f"{SAME_FIGID}.md"))
    assert seed_keys.index("organisms_ner") > seed_keys.index("figtype")
    assert sample_keys.index("organisms_ner") < sample_keys.index("figtype")


def _reverse_top_level_keys(text: str) -> str:
    """Reverse the order of the top-level keys of a front-matter file (values untouched)."""
    lines = text.split("\n")
    assert (lines[0], lines[-2], lines[-1]) == ("---", "---", "")
    blocks: list[list[str]] = []
    for line in lines[1:-2]:
        if re.match(r"^[^\s-][^:]*:", line):
            blocks.append([line])
        else:
            blocks[-1].append(line)
    body = [line for block in reversed(blocks) for line in block]
    return "\n".join(["---", *body, "---", ""])


@pytest.mark.parametrize("figid", ["PMC100003__mb2410470011", "PMC8413833__gr8", SAME_FIGID])
def test_reordered_keys_give_identical_results(tmp_path, figid):
    original = (SAMPLE / f"{figid}.md").read_text(encoding="utf-8")
    reordered = _reverse_top_level_keys(original)
    assert reordered != original
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / f"{figid}.md").write_text(original, encoding="utf-8")
    (tmp_path / "b" / f"{figid}.md").write_text(reordered, encoding="utf-8")
    assert parse_figure(tmp_path / "a" / f"{figid}.md") == parse_figure(
        tmp_path / "b" / f"{figid}.md"
    )
    lib_a, lib_b = read_quietly(tmp_path / "a"), read_quietly(tmp_path / "b")
    assert lib_a[figid] == lib_b[figid] == frozenset(EXPECTED[figid][2].split())
    pd.testing.assert_frame_equal(lib_a.sets.drop(columns="file"), lib_b.sets.drop(columns="file"))
    report_a, report_b = lib_a.load_report, lib_b.load_report
    pd.testing.assert_frame_equal(report_a.drop(columns="file"), report_b.drop(columns="file"))


# -- metadata ---------------------------------------------------------------------------------
def test_organisms_scalar_list_and_na(sample):
    organisms = sample.sets["organisms"]
    assert organisms["PMC100003__mb2410470011"] == ["Homo sapiens"]  # scalar in the file
    assert organisms["PMC6309157__jof-04-00123-g002"] == ["Homo sapiens", "Caenorhabditis elegans"]
    assert organisms["PMC10031380__sc1"] == [
        "Homo sapiens",
        "Mus musculus",
        "Severe acute respiratory syndrome coronavirus 2",
        "Venustaconcha ellipsiformis",
    ]
    assert organisms["PMC8413833__gr8"] == []  # '- NA'
    assert all(isinstance(v, list) for v in organisms)


def test_na_character_and_na_values():
    lib = read_quietly(EDGE)
    sets = lib.sets
    row = sets.loc["PMC0000010__na_values"]
    assert row["title"] == ""  # figtitle: .na.character
    assert row["caption"] == ""  # caption: NA
    assert row["doi"] is None
    assert row["journal"] is None
    assert row["organisms"] == ["Mus musculus", "Homo sapiens"]  # NA entries removed, order kept
    assert row["paper_title"] == "A paper with missing values"
    other = sets.loc["PMC0000011__scalar_na_organism"]
    assert other["organisms"] == []  # organisms: .na.character (scalar)
    assert other["title"] == "A title with spaces around it"
    assert other["figure_type"] is None  # absent key
    assert pd.isna(other["year"])  # year: ''


def test_na_character_in_real_pages(sample):
    row = sample.sets.loc["PMC539203__JCI0523237.f7"]
    assert row["doi"] is None
    assert row["journal"] is None
    assert row["year"] == 2005
    assert sample.sets.loc["PMC8413833__gr8", "doi"] == "10.1016/j.omto.2021.08.004"
    assert sample.sets.loc["PMC8413833__gr8", "journal"] == "Molecular Therapy Oncolytics"
    assert sample.sets.loc["PMC100003__mb2410470011", "doi"] is None  # 2020 layout: no doi key


def test_year_is_nullable_int(sample):
    assert str(sample.sets["year"].dtype) == "Int64"
    assert sample.sets.loc["PMC8413833__gr8", "year"] == 2021
    assert sample.sets.loc["PMC100003__mb2410470011", "year"] == 2001
    assert sorted(sample.sets["year"].unique().tolist()) == [
        2001, 2004, 2005, 2018, 2019, 2021, 2022, 2023, 2025,
    ]  # fmt: skip


def test_urls_and_scalar_fields(sample):
    row = sample.sets.loc["PMC8413833__gr8"]
    assert row["url"] == "https://pfocr.wikipathways.org/figures/PMC8413833__gr8.html"
    assert row["pmc_url"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8413833/"
    assert row["image_url"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC8413833/bin/gr8.jpg"
    assert row["pmcid"] == "PMC8413833"
    assert row["number"] == "F8"
    assert row["figure_type"] == "Figure"
    assert row["filename"] == "gr8.jpg"
    assert row["paper_title"].startswith("Exosome-mediated transfer of MIF confers")
    assert row["caption"].startswith("Schematic diagram of the potential roles of exosomal MIF")
    assert row["file"] == str(SAMPLE / "PMC8413833__gr8.md")
    scheme = sample.sets.loc["PMC10031380__sc1"]
    assert (scheme["figure_type"], scheme["number"]) == ("Scheme", "S1")
    dotted = sample.sets.loc[SAME_FIGID, "image_url"]
    assert dotted.endswith("/PMC9095362/bin/SCI2022-9133658.005.jpg")


def test_sets_columns_and_dtypes(sample):
    assert list(sample.sets.columns) == [
        "title", "paper_title", "caption", "pmcid", "year", "doi", "journal", "organisms",
        "figure_type", "number", "filename", "url", "pmc_url", "image_url", "gene_source",
        "entrez", "file", "size",
    ]  # fmt: skip
    assert sample.sets.index.name == "set_id"


# -- embedded genes table ---------------------------------------------------------------------
def test_embedded_symbols_renamed_through_entrez_and_deduplicated(mapper):
    lib = read_quietly(EDGE / "renamed_symbols.md")
    figid = "PMC0000012__renamed_symbols"
    assert mapper.symbol_of_entrez("989") == "SEPTIN7"
    # SEPT7 (2018) -> SEPTIN7 via Entrez 989; SMN1 twice -> once; unknown Entrez keeps the
    # given symbol; an item with neither symbol nor Entrez is reported.
    assert lib[figid] == {"SEPTIN7", "SMN1", "OLDSYMBOL1"}
    assert lib.sets.loc[figid, "entrez"] == ["989", "6606", "999999999"]
    assert lib.sets.loc[figid, "gene_source"] == "genes_table"
    assert lib.sets.loc[figid, "organisms"] == ["Homo sapiens"]
    report = lib.load_report
    assert report["problem"].tolist() == ["invalid_gene_item"]
    assert "glucose" not in report["item"].tolist()  # keywords not used with a genes table


# -- companion data tables --------------------------------------------------------------------
def test_data_table_in_sibling_folder_and_figures_subfolder(tmp_path):
    repo = tmp_path / "pfocr-database"
    (repo / "_figures").mkdir(parents=True)
    (repo / "_data").mkdir()
    shutil.copy(SAMPLE / "PMC10031380__sc1.md", repo / "_figures")
    shutil.copy(SAMPLE / "_data" / "PMC10031380__sc1-genes.tsv", repo / "_data")
    (repo / "_figures" / "README.md").write_text("# not a figure\n")
    lib = read_quietly(repo)
    assert list(lib) == ["PMC10031380__sc1"]
    assert lib.name == "pfocr-database"
    assert lib.sets.loc["PMC10031380__sc1", "gene_source"] == "data_table"
    assert lib["PMC10031380__sc1"] == frozenset(EXPECTED["PMC10031380__sc1"][2].split())
    assert lib.sets.loc["PMC10031380__sc1", "file"] == str(
        repo / "_figures" / "PMC10031380__sc1.md"
    )


def test_data_table_without_human_rows_falls_back_to_keywords(tmp_path):
    shutil.copy(SAMPLE / "PMC10031380__sc1.md", tmp_path)
    (tmp_path / "_data").mkdir()
    fly_rows = [
        line
        for line in (SAMPLE / "_data" / "PMC10031380__sc1-genes.tsv").read_text().splitlines()
        if not line.startswith("9606\t")
    ]
    (tmp_path / "_data" / "PMC10031380__sc1-genes.tsv").write_text("\n".join(fly_rows) + "\n")
    lib = read_quietly(tmp_path)
    figid = "PMC10031380__sc1"
    assert lib.sets.loc[figid, "gene_source"] == "keywords"
    assert lib.sets.loc[figid, "entrez"] == []
    # Keywords: the 15 human symbols plus fly 'Pten' (= PTEN); Pi3K21B, Akt, bond, ... reported.
    assert lib[figid] == frozenset(EXPECTED[figid][2].split())
    report = lib.load_report
    assert report["problem"].tolist()[0] == "data_table_no_human_rows"
    assert keyword_rows(lib, figid) == ["Pi3K21B", "Pi3K59F", "Pi3K68D", "Pi3K92E", "Akt", "bond"]


def test_invalid_data_table_raises_or_falls_back(tmp_path):
    shutil.copy(SAMPLE / "PMC10031380__sc1.md", tmp_path)
    (tmp_path / "_data").mkdir()
    table = tmp_path / "_data" / "PMC10031380__sc1-genes.tsv"
    table.write_text("organism_id\tsymbol\n9606\tPTEN\n")
    with pytest.raises(
        FigureFormatError, match=r"PMC10031380__sc1-genes\.tsv, line 1: expected columns"
    ):
        read_figures(tmp_path, errors="raise")
    lib = read_quietly(tmp_path)
    assert lib.sets.loc["PMC10031380__sc1", "gene_source"] == "keywords"
    assert lib.load_report["problem"].tolist()[0] == "invalid_data_table"


# -- malformed files --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("no_front_matter.md", 1, "expected '---' to open the YAML front matter, got '# A"),
        ("unclosed_front_matter.md", 1, "the YAML front matter opened by '---' is never closed"),
        ("invalid_yaml.md", 5, "invalid YAML front matter (.*): 'figtitle: Ras: a small GTPase'"),
        ("not_a_mapping.md", 2, "expected the front matter to be a mapping of keys to values"),
        # No 'figid:' line: the line is the first of the mapping.
        ("missing_figid.md", 2, "expected a 'figid' key with the figure id, got None"),
    ],
)  # fmt: skip
def test_bad_file_raises_with_file_and_line(name, line, message):
    where = re.escape(str(BAD / name)) + ("" if line is None else f", line {line}")
    with pytest.raises(FigureFormatError, match=f"^{where}: {message}") as exc_info:
        read_figures(BAD / name, errors="raise")
    assert exc_info.value.path == str(BAD / name)
    assert exc_info.value.line == line
    with pytest.raises(FigureFormatError, match=f"^{where}: {message}"):
        parse_figure(BAD / name)


def test_duplicate_figid_first_file_wins():
    first, second = BAD / "duplicate_figid_a.md", BAD / "duplicate_figid_b.md"
    expected = (
        f"^{re.escape(str(second))}, line 2: figid 'PMC0000005__duplicate' was already read "
        f"from {re.escape(str(first))}; the first file is kept$"
    )
    with pytest.raises(FigureFormatError, match=expected):
        read_figures([first, second], errors="raise")
    lib = read_quietly([first, second])
    assert lib["PMC0000005__duplicate"] == {"MIF", "CD74"}
    assert lib.sets.loc["PMC0000005__duplicate", "title"] == "First version of a figure"
    row = lib.load_report.iloc[0]
    assert (row["file"], row["problem"], row["line"]) == (str(second), "duplicate_figid", 2)
    # Reversed order: the other version wins.
    assert read_quietly([second, first])["PMC0000005__duplicate"] == {"AKT1"}


def test_no_genes_is_reported_not_raised_under_raise():
    with pytest.warns(
        FigureParseWarning, match=r"^1 of 2 figure files was left out \(no_genes: 1\)"
    ):
        lib = read_figures([BAD / "duplicate_figid_a.md", BAD / "no_genes.md"], errors="raise")
    assert list(lib) == ["PMC0000005__duplicate"]
    report = lib.load_report
    assert report["item"].tolist() == ["Glucose", "Lung cancer", "Me  Me ", ""]
    assert report["problem"].tolist() == ["keyword_not_human_gene"] * 3 + ["no_genes"]


@pytest.mark.parametrize("errors", ["raise", "warn", "skip"])
def test_no_usable_figure_raises_under_every_mode(errors):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        source = BAD / "no_genes.md"
        with pytest.raises(
            FigureFormatError,
            match=rf"^{re.escape(str(source))}: no usable figure records in 1 file\(s\): "
            r"1 of 1 figure files was left out \(no_genes: 1\)",
        ) as info:
            read_figures(source, errors=errors)
        assert info.value.path == str(source)


def test_first_bad_file_of_folder_raises():
    # Files are read by name: duplicate_figid_a.md is fine, duplicate_figid_b.md is the first bad.
    with pytest.raises(FigureFormatError, match=r"duplicate_figid_b\.md, line 2: "):
        read_figures(BAD, errors="raise")


BAD_FOLDER_ROWS = [
    ("duplicate_figid_b.md", "PMC0000005__duplicate", 2, "", "duplicate_figid"),
    ("invalid_yaml.md", None, 5, "", "invalid_yaml"),
    ("missing_figid.md", None, 2, "", "missing_figid"),
    ("no_front_matter.md", None, 1, "", "no_front_matter"),
    ("no_genes.md", "PMC0000006__no_genes", None, "Glucose", "keyword_not_human_gene"),
    ("no_genes.md", "PMC0000006__no_genes", None, "Lung cancer", "keyword_not_human_gene"),
    ("no_genes.md", "PMC0000006__no_genes", None, "Me  Me ", "keyword_not_human_gene"),
    ("no_genes.md", "PMC0000006__no_genes", None, "", "no_genes"),
    ("not_a_mapping.md", None, 2, "", "not_a_mapping"),
    ("unclosed_front_matter.md", None, 1, "", "no_front_matter"),
]


def _rows(report: pd.DataFrame) -> list[tuple]:
    return [
        (Path(r.file).name, r.figid, None if pd.isna(r.line) else int(r.line), r.item, r.problem)
        for r in report.itertuples()
    ]


def test_bad_folder_under_warn_reports_every_file_and_warns_once():
    with pytest.warns(FigureParseWarning) as record:
        lib = read_figures(BAD)
    assert [str(w.message) for w in record] == [
        "7 of 8 figure files were left out (duplicate_figid: 1, invalid_yaml: 1, "
        "missing_figid: 1, no_front_matter: 2, no_genes: 1, not_a_mapping: 1); "
        "3 keywords were not human genes; see lib.load_report"
    ]
    assert record[0].filename == __file__  # stacklevel points at the caller
    assert list(lib) == ["PMC0000005__duplicate"]
    assert _rows(lib.load_report) == BAD_FOLDER_ROWS


def test_bad_folder_under_skip_reports_the_same_without_warning():
    lib = read_quietly(BAD)
    assert _rows(lib.load_report) == BAD_FOLDER_ROWS


def test_report_columns_and_dtypes():
    report = read_quietly(BAD).load_report
    assert (
        tuple(report.columns)
        == REPORT_COLUMNS
        == ("file", "figid", "line", "item", "problem", "detail")
    )
    assert str(report["line"].dtype) == "Int64"
    assert report["detail"].map(lambda d: isinstance(d, str) and d != "").all()
    assert set(FIGURE_PROBLEMS) >= set(report["problem"])


# -- options ----------------------------------------------------------------------------------
def test_invalid_errors_value():
    msg = (
        "The 'errors' parameter of read_figures must be one of 'raise', 'warn', 'skip'. "
        "Got 'x' instead."
    )
    with pytest.raises(ValueError, match=f"^{re.escape(msg)}$"):
        read_figures(SAMPLE, errors="x")


def test_only_human_is_supported():
    with pytest.raises(ValueError, match=r"'organism' parameter of read_figures .*only human"):
        read_figures(SAMPLE, organism="Mus musculus")


def test_custom_mapper_is_used():
    genes = pd.DataFrame({"entrez": ["4282", "207"], "symbol": ["MIF", "AKT1"]})
    lib = read_quietly(SAMPLE / "PMC8413833__gr8.md", mapper=GeneMapper.from_tables(genes))
    assert lib["PMC8413833__gr8"] == {"MIF", "AKT1"}
    assert len(keyword_rows(lib, "PMC8413833__gr8")) == 18


# -- sources ----------------------------------------------------------------------------------
def test_single_file_as_str_and_path():
    for source in (str(SAMPLE / "PMC8413833__gr8.md"), SAMPLE / "PMC8413833__gr8.md"):
        lib = read_quietly(source)
        assert list(lib) == ["PMC8413833__gr8"]
        assert lib.name == "sample"
        assert lib.info["source"] == str(source)


def test_glob_pattern():
    lib = read_quietly(str(SAMPLE / "PMC8*.md"))
    assert list(lib) == ["PMC8413833__gr8"]
    lib = read_quietly(str(SAMPLE / "PMC6*.md"))
    assert list(lib) == ["PMC6309157__jof-04-00123-g002", "PMC6365454__fnins-13-00025-g0002"]
    assert lib.name == "sample"


def test_folder_sorted_by_name_non_recursive(sample):
    # Sorted by file name; the _data subfolder is not read as figures.
    names = [Path(f).name for f in sample.sets["file"]]
    assert names == sorted(names)
    assert sample.info["n_files"] == 15


def test_list_of_paths_keeps_order_and_is_not_mutated():
    paths = [SAMPLE / "PMC8413833__gr8.md", str(SAMPLE / "PMC100003__mb2410470011.md")]
    before = copy.deepcopy(paths)
    lib = read_quietly(paths, name="two")
    assert paths == before
    assert list(lib) == ["PMC8413833__gr8", "PMC100003__mb2410470011"]
    assert lib.name == "two"
    assert lib.info["source"] == [str(p) for p in before]
    # The data table next to PMC100003 is still found from a list.
    assert lib.load_report["problem"].tolist() == ["data_table_no_human_rows"]
    assert list(read_quietly(tuple(paths))) == list(lib)


@pytest.mark.parametrize(
    ("source", "named"),
    [
        (DATA / "missing.md", DATA / "missing.md"),
        (str(DATA / "nothing*.md"), DATA / "nothing*.md"),
        ([SAMPLE / "PMC8413833__gr8.md", DATA / "missing.md"], DATA / "missing.md"),
    ],
)
def test_nothing_matches_raises_file_not_found_naming_the_path(source, named):
    with pytest.raises(FileNotFoundError, match=re.escape(repr(str(named)))):
        read_figures(source)


def test_empty_folder_and_empty_list(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path))):
        read_figures(tmp_path)
    with pytest.raises(FileNotFoundError, match="empty"):
        read_figures([])


def test_source_of_wrong_type():
    with pytest.raises(TypeError, match=r"'source' parameter of read_figures"):
        read_figures(42)


def test_reading_is_deterministic(sample):
    again = read_quietly(SAMPLE)
    assert again == sample
    pd.testing.assert_frame_equal(again.sets, sample.sets)
    pd.testing.assert_frame_equal(again.load_report, sample.load_report)


# -- parse_figure -----------------------------------------------------------------------------
def test_parse_figure_returns_front_matter_of_both_layouts():
    old = parse_figure(SAMPLE / "PMC100003__mb2410470011.md")
    assert old["organisms"] == "Homo sapiens"
    assert old["year"] == "2001"
    assert old["genes"][0] == {
        "word": "Ga12,Gaq",
        "symbol": "G-ALPHA-q",
        "source": "hgnc_alias_symbol",
        "hgnc_symbol": "GNAQ",
        "entrez": "2776",
    }
    new = parse_figure(str(SAMPLE / "PMC10029719__cs3c00075_0011.md"))
    assert "genes" not in new
    assert new["keywords"] == (
        "amination | palladacycle | phosphine | DFT calculations | microkinetic modeling "
        "| reaction\nmechanism"
    )
    assert new["schema-jsonld"]["keywords"][3] == "On"  # quoted YAML 1.1 boolean stays a string
    assert parse_figure(SAMPLE / "PMC6365454__fnins-13-00025-g0002.md")["wpid"] == "WP5283"


def test_crlf_and_bom_files_read_like_the_original(tmp_path):
    text = (SAMPLE / "PMC8413833__gr8.md").read_text(encoding="utf-8")
    (tmp_path / "PMC8413833__gr8.md").write_bytes(("\ufeff" + text).replace("\n", "\r\n").encode())
    lib = read_quietly(tmp_path)
    assert lib["PMC8413833__gr8"] == frozenset(EXPECTED["PMC8413833__gr8"][2].split())
    assert lib.sets.loc["PMC8413833__gr8", "title"] == EXPECTED["PMC8413833__gr8"][0]


def test_non_utf8_file_is_unreadable(tmp_path):
    shutil.copy(SAMPLE / "PMC8413833__gr8.md", tmp_path / "a.md")
    (tmp_path / "b.md").write_bytes(b"---\nfigid: PMC1__latin1\nfigtitle: caf\xe9\n---\n")
    with pytest.raises(FigureFormatError, match=r"b\.md, line 3: expected UTF-8 text"):
        read_figures(tmp_path, errors="raise")
    report = read_quietly(tmp_path).load_report
    assert report["problem"].tolist() == ["unreadable"]


def test_library_round_trips_through_save(sample, tmp_path):
    sample.save(tmp_path / "figures.npz")
    back = GeneSetLibrary.load(tmp_path / "figures.npz")
    assert back == sample
    assert back.sets.loc["PMC100003__mb2410470011", "entrez"] == [
        "367",
        "660",
        "2776",
        "5747",
        "6714",
    ]
    assert back.sets.loc["PMC10031380__sc1", "organisms"][0] == "Homo sapiens"
    assert back.load_report["problem"].tolist() == sample.load_report["problem"].tolist()


class TestFamilyPolicy:
    """families= on real pages that record how genes were matched."""

    @staticmethod
    def read(policy):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return read_figures(DATA / "sample", families=policy)

    def test_expand_collapse_exclude_on_the_2020_page(self):
        figid = "PMC6309157__jof-04-00123-g002"
        expand, collapse, exclude = (self.read(p)[figid] for p in ("expand", "collapse", "exclude"))
        assert len(expand) == 26
        assert {"MAPK1", "MAPK3", "MAPK14", "TLR1", "TLR9"} <= expand
        # MAPK and TLR families count once, as their smallest Entrez ID
        assert collapse == {
            "AKT1",
            "AKT2",
            "MAPK14",
            "OGFOD1",
            "PDK1",
            "PIN1",
            "SMN1",
            "TERF1",
            "TLR1",
        }
        assert exclude == {"AKT1", "AKT2", "OGFOD1", "PDK1", "PIN1", "SMN1", "TERF1"}
        assert exclude <= collapse <= expand

    def test_collapse_counts_a_family_term_once_even_when_part_matched_as_synonyms(self):
        lib = self.read("collapse")
        genes = lib["PMC10031380__sc1"]
        # PI3K matched 4 subunits as NCBI synonyms and 6 through FamPlex: one family, counted once
        assert {"PIK3CA", "AKT1", "ERBB2", "PTEN"} <= genes
        assert not {"PIK3R1", "PIK3CB", "AKT2"} & genes
        report = lib.load_report
        rows = report[
            (report["figid"] == "PMC10031380__sc1")
            & (report["problem"] == "family_member_collapsed")
        ]
        assert {"PIK3CB", "PIK3R1", "AKT2", "AKT3"} <= set(rows["item"])
        assert set(rows["detail"]) >= {
            "family 'PI3K' counted once, as PIK3CA",
            "family 'AKT' counted once, as AKT1",
        }
        exclude = self.read("exclude")["PMC10031380__sc1"]
        assert not {"PIK3CA", "AKT1"} & exclude and {"ERBB2", "PTEN"} <= exclude

    def test_every_member_left_out_is_reported(self):
        expand, exclude = self.read("expand"), self.read("exclude")
        figid = "PMC6309157__jof-04-00123-g002"
        report = exclude.load_report
        gone = set(
            report[(report["figid"] == figid) & (report["problem"] == "family_member_excluded")][
                "item"
            ]
        )
        assert gone == expand[figid] - exclude[figid]

    def test_bad_policy(self):
        with pytest.raises(
            ValueError, match="The 'families' parameter of read_figures must be one of"
        ):
            read_figures(DATA / "sample", families="merge")


def test_parallel_parsing_gives_the_same_library_and_report(tmp_path):
    """n_jobs > 1 parses YAML in worker processes; results and report must not change."""
    folder = tmp_path / "pages"
    folder.mkdir()
    for src in list(SAMPLE.glob("*.md")) + list((DATA / "bad").glob("*.md")):
        shutil.copy(src, folder / src.name)
    shutil.copytree(SAMPLE / "_data", folder / "_data")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = read_figures(folder, n_jobs=1)
        two = read_figures(folder, n_jobs=2)
    assert two == one
    pd.testing.assert_frame_equal(two.sets, one.sets)
    pd.testing.assert_frame_equal(two.load_report, one.load_report)
    assert {"invalid_yaml", "no_front_matter", "duplicate_figid"} <= set(one.load_report["problem"])
    with pytest.raises(FigureFormatError):
        read_figures(folder, n_jobs=2, errors="raise")
    with pytest.raises(ValueError, match="The 'n_jobs' parameter of read_figures"):
        read_figures(folder, n_jobs=0)


def test_parallel_parsing_across_many_windows_keeps_reading_order(tmp_path, monkeypatch):
    """Windows are queued one ahead; files must still be used in order, every one once."""
    from pfocr_enrich.io.figures import parsing

    folder = tmp_path / "pages"
    folder.mkdir()
    for src in list(SAMPLE.glob("*.md")) + list((DATA / "bad").glob("*.md")):
        shutil.copy(src, folder / src.name)
    shutil.copytree(SAMPLE / "_data", folder / "_data")
    monkeypatch.setattr(parsing, "WINDOW", 4)  # ~6 windows for these files
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one = read_figures(folder, n_jobs=1)
        two = read_figures(folder, n_jobs=2)
    assert len(list(folder.glob("*.md"))) > 5 * parsing.WINDOW
    assert two == one and list(two.set_ids) == list(one.set_ids)
    pd.testing.assert_frame_equal(two.sets, one.sets)
    pd.testing.assert_frame_equal(two.load_report, one.load_report)


_TRICKY_YAML = [
    "figid: PMC1__f1\ntitle: &t Same title\nalias: *t\nlist: &l [a, b]\nagain: *l\n",
    "a: !!str 123\nb: '007'\nc: 2021-03-04\nd: 1.5\ne: yes\nf: ~\ng: ''\nh: \"x\\ty\"\n",
    "base: &b {k: v, n: 1}\nmerged:\n  <<: *b\n  n: 2\n",
    "dup: 1\ndup: two\n",
    "multi: first line\n  continued here\nfolded: >\n  a\n  b\nliteral: |\n  x\n  y\n",
    "bad: [unclosed\n",
    "bad: *undefined\n",
    "tagged: !custom x\n",
    "key: =\n",
    "? [complex]\n: key\n",
]


@pytest.mark.parametrize("text", _TRICKY_YAML)
def test_the_figure_yaml_loader_gives_the_safe_loader_results(text):
    import yaml

    from pfocr_enrich.io.figures import pages

    def load(loader):
        try:
            return ("ok", yaml.load(text, Loader=loader))
        except yaml.YAMLError as exc:
            return ("error", type(exc).__name__, str(exc))

    ours, reference = load(pages.LOADER), load(pages.SAFE_LOADER)  # CSafeLoader if built
    assert ours == reference
    if ours[0] == "ok" and "alias" in ours[1]:
        assert ours[1]["again"] is ours[1]["list"]  # aliases stay one object


def test_the_figure_yaml_loader_respects_a_registered_str_constructor():
    import yaml

    from pfocr_enrich.io.figures import pages

    class Shouting(pages.LOADER):
        pass

    Shouting.add_constructor("tag:yaml.org,2002:str", lambda loader, node: node.value.upper())
    assert yaml.load("a: b\nc: [d]\n", Loader=Shouting) == {"A": "B", "C": ["D"]}
    assert yaml.load("a: b\n", Loader=pages.LOADER) == {"a": "b"}


# -- reading the front matter as text ----------------------------------------------------------
# What the front matter reader returns or reports for byte-level variants of a page.
_FILE_CASES = {
    "plain": (b"---\nfigid: x\n---\n", "figid: x\n"),
    "crlf": (b"---\r\nfigid: x\r\nb: y\r\n---\r\n", "figid: x\nb: y\n"),
    "cr": (b"---\rfigid: x\r---\r", "figid: x\n"),
    "bom": (b"\xef\xbb\xbf---\nfigid: x\n---\n", "figid: x\n"),
    "bom_only_partial": (b"\xef\xbb", ("no_front_matter", 1)),
    "no_final_newline": (b"---\nfigid: x\n---", "figid: x\n"),
    "closing_with_spaces": (b"---  \nfigid: x\n---\t \n", "figid: x\n"),
    "not_closed": (b"---\nfigid: x\n", ("no_front_matter", 1)),
    "not_opened": (b"figid: x\n---\n", ("no_front_matter", 1)),
    "empty": (b"", ("no_front_matter", 1)),
    "only_dashes": (b"---", ("no_front_matter", 1)),
    "bad_byte_inside": (b"---\nfigid: caf\xe9\n---\n", ("unreadable", 2)),
    # Text is decoded in 8 KB chunks: a bad byte in the chunk of the closing line counts;
    # one in a later chunk, or a character cut at the end of the file, is never decoded.
    "bad_byte_after": (b"---\nfigid: x\n---\n\xff\n", ("unreadable", 4)),
    "bad_byte_after_far": (b"---\nfigid: x\n---\n" + b"a" * 9000 + b"\xff", "figid: x\n"),
    "cut_character_at_end": (b"---\nfigid: x\n---\n\xe2\x82", "figid: x\n"),
    "split_character_at_chunk_end": (
        b"---\nfigid: x\n" + b"a" * 8176 + b"\xe2\x82\xac\n---\n",
        "figid: x\n" + "a" * 8176 + "\u20ac\n",
    ),
    "long_page": (
        b"---\nfigid: x\ncaption: " + b"word " * 3000 + b"\n---\n",
        "figid: x\ncaption: " + "word " * 3000 + "\n",
    ),
    "long_page_not_closed": (b"---\nfigid: x\n" + b"k: v\n" * 3000, ("no_front_matter", 1)),
    "cr_at_chunk_end": (
        b"---\nfigid: x\n" + b"a" * 8176 + b"\r\n---\n",
        "figid: x\n" + "a" * 8176 + "\n",
    ),
}


@pytest.mark.parametrize("name", sorted(_FILE_CASES))
def test_front_matter_text_of_byte_level_variants(tmp_path, name):
    """Line ends, BOM, unclosed pages and decoding errors, read as a text-mode file reads them."""
    from pfocr_enrich.io.figures import pages

    data, expected = _FILE_CASES[name]
    path = tmp_path / "page.md"
    path.write_bytes(data)
    if isinstance(expected, str):
        assert "".join(pages.front_matter_lines(str(path))) == expected
        return
    with pytest.raises(FigureFormatError) as info:
        pages.front_matter_lines(str(path))
    assert (info.value.problem, info.value.path) == (expected[0], str(path))


def test_folder_listing_keeps_every_md_name_but_readme(tmp_path):
    """Names that are not regular files are listed too: reading them gives a report row
    (tests/io/test_figures_hardening.py); before issue 17 they were left out unseen."""
    from pfocr_enrich.io.figures import listing

    shutil.copy(SAMPLE / "PMC8413833__gr8.md", tmp_path / "b.md")
    (tmp_path / "a.md").symlink_to(tmp_path / "b.md")
    (tmp_path / "broken.md").symlink_to(tmp_path / "missing.md")
    (tmp_path / "folder.md").mkdir()
    (tmp_path / "README.md").write_text("# notes\n")
    (tmp_path / "c.txt").write_text("---\n---\n")
    assert listing.expand(str(tmp_path)) == [
        str(tmp_path / name) for name in ("a.md", "b.md", "broken.md", "folder.md")
    ]
    assert listing.expand(str(tmp_path / "*.md")) == listing.expand(str(tmp_path))


def test_workers_do_not_send_keywords_when_the_table_gives_the_genes(tmp_path):
    """With families="expand", a table row with a symbol always gives a gene: the page's
    keywords (the bulk of a page) are not sent back; other policies may need them."""
    from pfocr_enrich.io.figures import parsing

    shutil.copy(SAMPLE / "PMC10031380__sc1.md", tmp_path)
    shutil.copytree(SAMPLE / "_data", tmp_path / "_data")
    page = str(tmp_path / "PMC10031380__sc1.md")
    expand = parsing._parse_for_worker(page, "9606", "expand").front_matter
    exclude = parsing._parse_for_worker(page, "9606", "exclude").front_matter
    assert "schema-jsonld" not in expand and len(exclude["schema-jsonld"]["keywords"]) > 10
    assert {k: v for k, v in exclude.items() if k != "schema-jsonld"} == expand
    fly_only = str(SAMPLE / "PMC100003__mb2410470011.md")  # its table has no human row
    assert "genes" in parsing._parse_for_worker(fly_only, "9606", "expand").front_matter
