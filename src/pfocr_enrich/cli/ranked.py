"""Ranked lists on the command line: ``--ranked FILE`` runs :func:`pfocr_enrich.gsea`
(``--method gsea``, the default) or :func:`pfocr_enrich.mhg` (``--method mhg``).

Flags are the API's parameters with dashes, except mHG's ``X`` and ``L``, spelled
``--min-hits`` and ``--max-cutoff``. The outputs (printed table, ``-o`` files,
the HTML report, ``--mapping``, ``--top``, ``--alpha``, ``--keep``) are those of
gene lists (see :mod:`pfocr_enrich.cli`).
"""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from ..engine import gsea, mhg, parse_rnk
from ..results import EnrichmentResult
from .inputs import InputError, load_library, read_text

__all__ = ["add_ranked_arguments", "check_ranked_flags", "read_ranking_file", "run_ranked"]

# dest -> the methods it belongs to (flags of one method are errors with the other)
_RANKED_FLAGS = {
    "method": ("gsea", "mhg"),
    "weight": ("gsea",),
    "eps": ("gsea",),
    "seed": ("gsea",),
    "n_perm": ("gsea",),
    "sample_size": ("gsea",),
    "min_hits": ("mhg",),
    "max_cutoff": ("mhg",),
    "exact_below": ("mhg",),
}
# Gene-list flags that mean nothing for a ranking (the ranking is the universe; GSEA and mHG
# correct with Benjamini-Hochberg over the tested sets).
_LIST_FLAGS = (
    "queries",
    "background",
    "background_mode",
    "correction",
    "fdr_over",
    "compat",
    "collapse_duplicates",
    "scheduler",
    "chunk_size",
)
# Columns printed on a terminal, when the table has them (before p-value; leading_edge last).
PRINTED = ("size", "es", "nes", "cutoff", "hits")


def add_ranked_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of :func:`run_ranked` (None: not given, the API's default)."""
    group = parser.add_argument_group(
        "ranked lists",
        "--ranked FILE tests every set against a whole ranking (docs/ranked.md); "
        "--min-size/--max-size default to 15/500 for gsea, 1/none for mhg",
    )
    group.add_argument(
        "--ranked",
        metavar="FILE",
        help="a ranking: gene<TAB>score per line (.rnk; .tsv, .txt, .csv, .gz; '-' for stdin; "
        "an optional header line); for --method mhg also one gene per line, best first",
    )
    group.add_argument(
        "--method",
        choices=("gsea", "mhg"),
        default=None,
        help="gsea: preranked GSEA (default); mhg: the minimum-hypergeometric test of the "
        "ranking's order (decreasing score)",
    )
    number = {"type": float, "default": None}
    integer = {"type": int, "default": None}
    group.add_argument("--weight", metavar="P", help="gsea: step weight |score|^P (default 1; 0: unweighted)", **number)  # fmt: skip
    group.add_argument("--eps", metavar="X", help="gsea: smallest p-value computed (default 1e-50; 1e-10 is faster)", **number)  # fmt: skip
    group.add_argument("--seed", metavar="N", help="gsea: random seed (default 0)", **integer)
    group.add_argument("--n-perm", metavar="N", help="gsea: random sets per size (default 1000)", **integer)  # fmt: skip
    group.add_argument("--sample-size", metavar="N", help="gsea: sets per splitting level (default 101)", **integer)  # fmt: skip
    group.add_argument("--min-hits", metavar="X", help="mhg: fewest members above a cutoff (X; default 1)", **integer)  # fmt: skip
    group.add_argument("--max-cutoff", metavar="L", help="mhg: last cutoff considered (L; default the whole list)", **integer)  # fmt: skip
    group.add_argument("--exact-below", metavar="P", help="mhg: exact p-values only where the union bound is below P (faster for large libraries)", **number)  # fmt: skip


def check_ranked_flags(
    args: argparse.Namespace, parser: argparse.ArgumentParser, kind: str | None
) -> None:
    """Flags that belong to the other kind of input (or method) are errors, not ignored."""
    given = {d for d in _RANKED_FLAGS if getattr(args, d) is not None}
    if not args.ranked:
        if given:
            flag = "--" + sorted(given)[0].replace("_", "-")
            raise InputError(f"{flag} is for ranked lists: give --ranked FILE")
        return
    if args.genes:
        raise InputError("give gene list files or --ranked FILE, not both")
    for dest in _LIST_FLAGS:
        if getattr(args, dest) != parser.get_default(dest):
            flag = "--" + dest.replace("_", "-")
            raise InputError(f"{flag} is for gene lists; it does not apply to --ranked")
    if kind == "parquet":
        raise InputError("a .parquet output is for --queries screens; use .tsv, .csv, .json, .html")
    method = args.method or "gsea"
    for dest in sorted(given):
        if method not in _RANKED_FLAGS[dest]:
            flag = "--" + dest.replace("_", "-")
            raise InputError(f"{flag} is for --method {_RANKED_FLAGS[dest][0]}, not {method}")


def read_ranking_file(source: str, *, scores: bool = True) -> pd.DataFrame | list[str]:
    """``--ranked``: a (gene, score) table; a list of genes in rank order when the file has one
    column and ``scores`` is False (mHG)."""
    text = read_text(source, "--ranked")
    name = "standard input" if source == "-" else source
    lines = text.splitlines()
    sep = "," if source.lower().endswith((".csv", ".csv.gz")) else "\t"
    data = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    if not data:
        raise InputError(f"--ranked {name} holds no gene ('#' starts a comment)")
    if all(sep not in ln for ln in data):
        if scores:
            raise InputError(
                f"--ranked {name}: gsea needs a score per gene (gene<TAB>score per line); "
                "a list of genes in rank order goes with --method mhg"
            )
        return [ln.strip() for ln in data]
    return parse_rnk(lines, f"--ranked {name}", sep=sep)


def _api_options(args: argparse.Namespace, names: dict[str, str]) -> dict[str, Any]:
    """API keyword -> value, for the flags given (the others keep the API's defaults)."""
    return {api: getattr(args, d) for d, api in names.items() if getattr(args, d) is not None}


def run_ranked(args: argparse.Namespace) -> EnrichmentResult:
    """Read ``--ranked`` and ``--library`` and run gsea or mhg with the flags given."""
    method = args.method or "gsea"
    ranking = read_ranking_file(args.ranked, scores=method == "gsea")
    library = load_library(args.library)
    shared = {"min_size": "min_size", "max_size": "max_size"}
    common = {**_api_options(args, shared), "resolve_aliases": args.resolve_aliases}
    if method == "gsea":
        names = {d: d for d in ("weight", "eps", "seed", "n_perm", "sample_size")}
        return gsea(ranking, library, **common, **_api_options(args, names))
    names = {"min_hits": "X", "max_cutoff": "L", "exact_below": "exact_below"}
    return mhg(ranking, library, **common, **_api_options(args, names))
