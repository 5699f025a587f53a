"""How long mapping 20,000 messy gene identifiers takes (issue: well under a second).

Usage: python benchmarks/mapping.py [--n 20000] [--repeats 5]
       [--mouse-list naive.vs.th1.rnk [--mouse-gmt mouse.reactome.gmt] [--human-gmt go.gmt]]

Builds a realistic input list from the shipped tables: official symbols in
mouse-style case, Entrez IDs, Ensembl IDs with versions, aliases, renamed
symbols, spreadsheet dates and junk, shuffled with a fixed seed. Reports the
one-off cost of building the default GeneMapper and the median wall and CPU
time of ``map_genes`` on the list (mapper already built); CPU time is the
steadier figure on a shared machine.

``--mouse-list``: a mouse gene list (first column; e.g. fgsea's
``inst/extdata/naive.vs.th1.rnk``, mouse Entrez IDs) mapped with
``organism="mouse"``: the share of its protein-coding genes with a human
ortholog, and (with ``--mouse-gmt``, a mouse-Entrez GMT such as fgsea's
``mouse.reactome.gmt``) the share mapped directly to mouse genes; with
``--human-gmt``, the share inside that human library's universe too.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd

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


def _nonzero(frame: pd.DataFrame) -> dict[str, int]:
    return {k: v for k, v in frame["status"].value_counts().to_dict().items() if v}


def mouse_rates(path: str, mouse_gmt: str | None, human_gmt: str | None) -> None:
    """Shares of a real mouse list mapped to human orthologs and to mouse genes."""
    ids = pd.read_csv(path, sep="\t", dtype=str).iloc[:, 0].str.strip().tolist()
    genes = read_packaged_tsv("ncbi_mouse_genes.tsv.gz")
    coding = set(genes.loc[genes["gene_type"] == "protein-coding", "entrez"])
    in_table = set(genes["entrez"])
    pc = [g for g in ids if g in coding]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        human = pe.map_genes(pc, organism="mouse", namespace="entrez")
    took = time.perf_counter() - start
    kept = human["status"].isin(["ortholog", "duplicate"])
    print(
        f"{path}: {len(ids):,} IDs, {sum(g in in_table for g in ids):,} in the mouse table, "
        f"{len(pc):,} protein-coding"
    )
    print(
        f"  protein-coding with a human ortholog: {kept.sum():,} ({kept.mean():.1%}); "
        f"statuses {_nonzero(human)}; {took * 1000:.0f} ms"
    )
    for label, gmt in (("mouse", mouse_gmt), ("human", human_gmt)):
        if gmt is None:
            continue
        lib = pe.read_gmt(gmt, errors="skip")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            frame = pe.map_genes(pc, organism="mouse", namespace="entrez", universe=lib.genes)
        mapped = frame["mapped_to"].notna() & (frame["status"] != "ambiguous")
        inside = frame["status"].isin(["official", "case", "entrez", "ortholog", "duplicate"])
        print(
            f"  vs {label} library {gmt} ({lib.n_genes:,} genes): mapped {mapped.mean():.1%}, "
            f"inside its universe {inside.mean():.1%}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--mouse-list")
    parser.add_argument("--mouse-gmt")
    parser.add_argument("--human-gmt")
    args = parser.parse_args()
    start = time.perf_counter()
    GeneMapper.default()
    build = time.perf_counter() - start
    inputs = messy_inputs(args.n)
    times, cpu = [], []
    for _ in range(args.repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        frame = pe.map_genes(inputs)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    counts = frame["status"].value_counts().to_dict()
    print(f"inputs: {len(inputs):,}")
    print(f"GeneMapper.default() build (once per process): {build * 1000:.0f} ms")
    print(
        f"map_genes median of {args.repeats}: {statistics.median(times) * 1000:.0f} ms wall, "
        f"{statistics.median(cpu) * 1000:.0f} ms CPU (the first run builds the synonym tables)"
    )
    print("statuses:", {k: v for k, v in counts.items() if v})
    if args.mouse_list:
        mouse_rates(args.mouse_list, args.mouse_gmt, args.human_gmt)


if __name__ == "__main__":
    main()
