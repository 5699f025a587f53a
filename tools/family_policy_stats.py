"""Set sizes of the real PFOCR samples under read_figures' three family policies.

Usage: python tools/family_policy_stats.py [SHARED_DATA_DIR]. Mirrors the rule of
``figures.genes.FigureGenes._apply_family_policy`` on the tidy tables of pfocr_samples/
(one row per figure, OCR word, lexicon term and gene; ``source`` says whether
the term was a family name). Prints a markdown table for docs/figures.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

FAMILY = "bioentities_symbol"


def sizes(hits: pd.DataFrame, policy: str) -> pd.Series:
    hits = hits.drop_duplicates(["figid", "entrez", "source", "symbol"])
    direct = hits[hits["source"] != FAMILY]
    if policy == "expand":
        kept = hits
    else:
        family = hits[hits["source"] == FAMILY]
        direct_keys = set(zip(direct["figid"], direct["entrez"]))
        direct_terms = set(zip(direct["figid"], direct["symbol"]))
        kept_parts = [direct]
        if policy == "collapse":
            for (figid, term), members in family.groupby(["figid", "symbol"]):
                if (figid, term) in direct_terms or any((figid, e) in direct_keys for e in members["entrez"]):
                    continue
                kept_parts.append(members.sort_values("entrez", key=lambda s: s.astype(int)).head(1))
        kept = pd.concat(kept_parts)
    return kept.drop_duplicates(["figid", "entrez"]).groupby("figid").size()


def main(argv: list[str]) -> None:
    shared = Path(argv[0]) if argv else Path(__file__).resolve().parents[2] / "shared" / "data"
    print("| sample | policy | sets | median size | mean size | genes kept |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for name in ("covid_genes.tsv", "pfocr2018_4000_genes.tsv"):
        hits = pd.read_csv(shared / "pfocr_samples" / name, sep="\t", dtype=str, keep_default_na=False)
        for policy in ("expand", "collapse", "exclude"):
            s = sizes(hits, policy)
            print(f"| {name} | {policy} | {len(s):,} | {s.median():g} | {s.mean():.1f} | {int(s.sum()):,} |")


if __name__ == "__main__":
    main(sys.argv[1:])
