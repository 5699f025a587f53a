"""How long mapping 20,000 messy gene identifiers takes (issue: well under a second).

Usage: python benchmarks/mapping.py [--n 20000] [--repeats 5]

Builds a realistic input list from the shipped tables: official symbols in
mouse-style case, Entrez IDs, Ensembl IDs with versions, aliases, renamed
symbols, spreadsheet dates and junk, shuffled with a fixed seed. Reports the
one-off cost of building the default GeneMapper and the median time of
``map_genes`` on the list (mapper already built).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

import pfocr_enrich as pe
from pfocr_enrich._util.resources import read_packaged_tsv
from pfocr_enrich.identifiers import GeneMapper


def messy_inputs(n: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    genes = read_packaged_tsv("ncbi_genes.tsv.gz")
    coding = genes[genes["gene_type"] == "protein-coding"]
    aliases = read_packaged_tsv("ncbi_aliases.tsv.gz")["alias"].tolist()
    pick = lambda values, k: list(rng.choice(np.asarray(values, dtype=object), size=k))  # noqa: E731
    parts = [
        pick(coding["symbol"], n * 4 // 10),
        [s.capitalize() for s in pick(coding["symbol"], n // 10)],
        pick(coding["entrez"], n // 10),
        [
            f"{e}.{rng.integers(1, 20)}"
            for e in pick([x for x in coding["ensembl"] if x], n // 10)
            if ";" not in e
        ],
        pick(aliases, n // 10),
        pick(
            ["SEPT7", "MARCH6", "DDX58", "1-Mar", "7-Sep", "SEP2", "C11orf95", "TMEM173"], n // 20
        ),
        pick(["NOTAGENE", "glucose", "Cancer", "Aß", "HSP70", "PI3K", "p65"], n // 20),
    ]
    flat = [x for part in parts for x in part]
    flat += pick(coding["symbol"], n - len(flat))  # top up what the filters removed
    rng.shuffle(flat)
    return flat[:n]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    GeneMapper.default()
    build = time.perf_counter() - start
    inputs = messy_inputs(args.n)
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        frame = pe.map_genes(inputs)
        times.append(time.perf_counter() - start)
    counts = frame["status"].value_counts().to_dict()
    print(f"inputs: {len(inputs):,}")
    print(f"GeneMapper.default() build (once per process): {build * 1000:.0f} ms")
    print(f"map_genes median of {args.repeats}: {statistics.median(times) * 1000:.0f} ms")
    print("statuses:", {k: v for k, v in counts.items() if v})


if __name__ == "__main__":
    main()
