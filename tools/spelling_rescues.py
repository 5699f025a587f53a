"""Count how many real PFOCR words each identifier rule of issue 13 rescues or flags.

Usage: ``python tools/spelling_rescues.py [FIGURE_FOLDER ...]``

Words: the OCR words of the PFOCR COVID collection shipped in the package
(``pfocr_covid_genes.tsv.gz``, column ``word``: every word PFOCR matched to a
gene, as printed in the figure), plus the ``schema-jsonld`` keywords and the
gene-table ``word`` column of figure pages in the given folders (default:
``tests/data/figures/sample``). Each distinct word is mapped once by
:func:`pfocr_enrich.map_genes`; the note of its row names the rule that decided
it. Composite words (``MDA5/RIG-I``, ``cMyc,Elk1``) are mapped as they are: the
mapper does not split lists.

A second count runs on the words of the COVID figure titles and captions that
carry a Greek letter or a hyphen (``NF-κB``, ``IFN-β``, ``IL-1β``): the OCR words
above lost their Greek letters, paper text keeps them.

Prints one line per rule (a markdown table row for docs/identifiers.md).
"""

from __future__ import annotations

import re
import sys
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd

import pfocr_enrich as pe
from pfocr_enrich._util.resources import read_packaged_tsv
from pfocr_enrich.identifiers import SPELLING_RULES

ROOT = Path(__file__).resolve().parents[1]
_KEYWORD = re.compile(r"^  - (.+)$")
_GREEK_OR_HYPHEN = re.compile(r"[α-ωΑ-Ω]|[A-Za-z]-[0-9A-Za-z]")


def figure_words(folder: Path) -> list[str]:
    """schema-jsonld keywords (one ``  - X`` line each) and gene-table words of a folder."""
    words = []
    for page in sorted(folder.glob("*.md")):
        inside = False
        for line in page.read_text(encoding="utf-8").splitlines():
            if line.strip() == "keywords:":
                inside = True
                continue
            match = _KEYWORD.match(line) if inside else None
            if match is None:
                inside = inside and line.startswith("  - ")
                continue
            words.append(match.group(1).strip("'"))
    for table in sorted(folder.glob("_data/*-genes.tsv")):
        words += pd.read_csv(table, sep="\t", dtype=str, keep_default_na=False)["word"].tolist()
    return words


def caption_words() -> list[str]:
    """Words with a Greek letter or a hyphen in the COVID figure titles and captions."""
    figures = read_packaged_tsv("pfocr_covid_figures.tsv.gz")
    text = " ".join(figures["figtitle"].tolist() + figures["caption"].tolist())
    words = [w.strip(",;:.()[]'\"") for w in text.split()]
    return [w for w in words if _GREEK_OR_HYPHEN.search(w) and len(w) <= 20]


def classify(status: str, note: str) -> str | None:
    """The rule that decided a row, from its note (None: the tables as before)."""
    if "common word" in note:
        return "common_word_flagged"
    if "HGNC names it" in note:
        return "hgnc_priority"
    rules = re.search(r"rules? ([a-z_+]+)\)", note)
    if rules is not None:
        kind = "ambiguous" if status == "ambiguous" else "gene"
        return f"{rules.group(1)} ({kind})"
    return None


def report(title: str, words: list[str]) -> None:
    """Map each distinct word once and print the rules that decided them."""
    distinct = list(dict.fromkeys(w.strip() for w in words if w.strip()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        frame = pd.concat([pe.map_genes([w]) for w in distinct], ignore_index=True)
    decided = Counter(classify(s, n) for s, n in zip(frame["status"], frame["note"]))
    per_rule = Counter()
    for label, n in decided.items():
        if label is None:
            continue
        for rule in SPELLING_RULES:
            if rule in label:
                per_rule[rule] += n
    print(f"\n{title}: {len(distinct):,} distinct words")
    print("| decided by | words |")
    print("| --- | ---: |")
    for label, n in sorted(decided.items(), key=lambda kv: (-kv[1], str(kv[0]))):
        print(f"| {label or 'tables as before (no new rule)'} | {n:,} |")
    print("per rule (a word rescued by two rules counts for both):", dict(per_rule))
    examples = frame.assign(rule=[classify(s, n) for s, n in zip(frame["status"], frame["note"])])
    for label, group in examples.dropna(subset=["rule"]).groupby("rule"):
        print(label, ":", ", ".join(group["input"].head(8)))


def main(folders: list[Path]) -> None:
    covid = read_packaged_tsv("pfocr_covid_genes.tsv.gz")["word"].tolist()
    report(
        f"PFOCR words ({len(covid):,} COVID OCR word rows, keywords and gene-table words "
        f"of {', '.join(str(f) for f in folders)})",
        covid + [w for folder in folders for w in figure_words(folder)],
    )
    report("COVID figure titles and captions, words with a Greek letter or hyphen", caption_words())


if __name__ == "__main__":
    given = [Path(p) for p in sys.argv[1:]] or [ROOT / "tests" / "data" / "figures" / "sample"]
    main(given)
