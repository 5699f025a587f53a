"""Build the organism tables shipped in ``src/pfocr_enrich/data`` from ``../shared/data/organisms``.

Run from the repository root: ``python tools/build_organism_data.py [SHARED_DATA_DIR]``.
The package never reads ``../shared`` at run time; this script is the only bridge.

Written (gzip, tab-separated, header row, byte-identical between builds):

* ``ncbi_mouse_genes.tsv.gz``: NCBI Gene mouse genes (2023-03-23) with the
  columns the mapper uses: ``entrez``, ``symbol``, ``synonyms`` (``|``-joined),
  ``ensembl`` (``|``-joined ENSMUSG), ``gene_type``.
* ``hcop_mouse.tsv.gz``: HGNC HCOP human-mouse pairs with both Entrez IDs:
  ``human_entrez``, ``entrez`` (mouse), ``support`` (number of resources).
* ``hcop_zebrafish.tsv.gz``, ``hcop_fly.tsv.gz``: the HCOP pairs with a human
  Entrez ID, with the other species' ``entrez`` (may be empty), ``ensembl`` and
  ``symbol`` (HCOP is the only table of those species we ship).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from build_package_data import read_tsv, write_tsv_gz  # noqa: E402  (same folder, same format)


def hcop_pairs(path: Path, species: str, *, need_entrez: bool) -> pd.DataFrame:
    """HCOP pairs with a human Entrez ID, ``-`` turned into ''; support as a count."""
    table = read_tsv(path).replace("-", "")
    pairs = pd.DataFrame(
        {
            "human_entrez": table["human_entrez_gene"],
            "entrez": table[f"{species}_entrez_gene"],
            "ensembl": table[f"{species}_ensembl_gene"],
            "symbol": table[f"{species}_symbol"],
            "support": table["support"].str.split(",").str.len().astype(int),
        }
    )
    keep = pairs["human_entrez"].ne("") & (
        pairs["entrez"].ne("") if need_entrez else pairs["entrez"].ne("") | pairs["ensembl"].ne("")
    )
    pairs = pairs[keep].drop_duplicates(["human_entrez", "entrez", "ensembl"])
    return pairs.sort_values(["entrez", "ensembl", "human_entrez"], kind="stable")


def main(shared: Path) -> None:
    folder = shared / "organisms"
    mouse = read_tsv(folder / "mouse_genes.tsv.gz")
    mouse = mouse.rename(columns={"type": "gene_type"})[
        ["entrez", "symbol", "synonyms", "ensembl", "gene_type"]
    ]
    mouse = mouse.replace("-", "")
    write_tsv_gz(mouse, "ncbi_mouse_genes.tsv.gz")
    pairs = hcop_pairs(folder / "human_mouse_hcop.tsv.gz", "mouse", need_entrez=True)
    write_tsv_gz(pairs[["human_entrez", "entrez", "support"]], "hcop_mouse.tsv.gz")
    for species, name in (("zebrafish", "hcop_zebrafish"), ("fruit fly", "hcop_fly")):
        pairs = hcop_pairs(
            folder / f"human_{species.replace(' ', '')}_hcop.tsv.gz", species, need_entrez=False
        )
        write_tsv_gz(pairs, f"{name}.tsv.gz")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent.parent / "shared" / "data")
