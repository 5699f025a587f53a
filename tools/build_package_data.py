"""Build the compressed tables shipped in ``src/pfocr_enrich/data`` from ``../shared/data``.

Run from the repository root: ``python tools/build_package_data.py [SHARED_DATA_DIR]``.
The package never reads ``../shared`` at run time; this script is the only bridge.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "pfocr_enrich" / "data"


def read_tsv(path: Path) -> pd.DataFrame:
    # keep_default_na=False: the alias "NaN" (SCN11A) and symbols like "NA" are data.
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def write_tsv_gz(frame: pd.DataFrame, name: str) -> None:
    # mtime=0 keeps the archive byte-identical between builds.
    with gzip.GzipFile(OUT / name, "wb", mtime=0) as fh:
        fh.write(frame.to_csv(sep="\t", index=False, lineterminator="\n").encode("utf-8"))


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 text once decoded as Mac-Roman (documented in pfocr_samples/README.md)."""
    try:
        return text.encode("mac_roman").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def build_ncbi(shared: Path) -> pd.DataFrame:
    genes = read_tsv(shared / "ncbi_human_genes" / "genes.tsv")
    write_tsv_gz(genes, "ncbi_genes.tsv.gz")
    write_tsv_gz(read_tsv(shared / "ncbi_human_genes" / "aliases.tsv"), "ncbi_aliases.tsv.gz")
    return genes


LEXICON_FILES = {
    "1_symbol.tsv": ("symbol", "hgnc_symbol"),
    "2_bioentities.tsv": ("bioentities", "bioentities_symbol"),
    "3_alias_symbol.tsv": ("alias_symbol", "hgnc_alias_symbol"),
    "4_prev_symbol.tsv": ("prev_symbol", "hgnc_prev_symbol"),
}


def build_lexicon(shared: Path) -> None:
    """The PFOCR (2018 HGNC + bioentities) lexicon as one long table: term, entrez, source."""
    parts = []
    for name, (column, source) in LEXICON_FILES.items():
        frame = read_tsv(shared / "hgnc_lexicon" / name)
        parts.append(pd.DataFrame({"term": frame[column], "entrez": frame["entrez_id"], "source": source}))
    write_tsv_gz(pd.concat(parts, ignore_index=True), "hgnc_lexicon.tsv.gz")


def build_covid_sample(shared: Path, genes: pd.DataFrame) -> None:
    hits = read_tsv(shared / "pfocr_samples" / "covid_genes.tsv")
    figures = read_tsv(shared / "pfocr_samples" / "covid_figures.tsv")
    # Current PFOCR figids drop the ".jpg" the 2020 COVID tables still carry.
    for frame in (hits, figures):
        frame["figid"] = frame["figid"].str.replace(r"\.jpg$", "", regex=True)
    # Use today's NCBI symbol of each Entrez id so figure sets and user lists share a namespace.
    current = dict(zip(genes["entrez"], genes["symbol"]))
    hits["symbol_current"] = [current.get(e, s) for e, s in zip(hits["entrez"], hits["hgnc_symbol"])]
    write_tsv_gz(
        hits[["figid", "entrez", "symbol_current", "hgnc_symbol", "word", "source", "symbol"]]
        .rename(columns={"symbol_current": "gene", "symbol": "lexicon_term"}),
        "pfocr_covid_genes.tsv.gz",
    )
    for col in ("figtitle", "papertitle", "caption", "journal_title", "reftext", "authors"):
        figures[col] = figures[col].map(repair_mojibake).str.split().str.join(" ")
    write_tsv_gz(figures, "pfocr_covid_figures.tsv.gz")


def main(argv: list[str]) -> None:
    shared = Path(argv[0]) if argv else ROOT.parent / "shared" / "data"
    OUT.mkdir(parents=True, exist_ok=True)
    genes = build_ncbi(shared)
    build_lexicon(shared)
    build_covid_sample(shared, genes)
    for path in sorted(OUT.glob("*.gz")):
        print(f"{path.name}\t{path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1:])
