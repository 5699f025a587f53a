"""The ``pfocr-enrich`` command: a thin shell over the public API.

Each flag is an API parameter with dashes; any of our errors becomes one line
on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd

from . import __version__
from .datasets import sample_library
from .enrich import enrich
from .errors import PfocrEnrichError
from .figures import read_figures
from .gmt import read_gmt
from .library import GeneSetLibrary
from .stats import CORRECTION_METHODS

_DEFAULT_SHOWN = 20

EXAMPLES = """\
examples:
  pfocr-enrich genes.txt                          rank the embedded PFOCR sample for a gene list
  pfocr-enrich genes.txt --library figures/ -o result.tsv
  pfocr-enrich genes.txt --library pfocr.gmt --min-size 3 --max-size 500
  cat genes.txt | pfocr-enrich -                  read the gene list from stdin

A gene list file has one gene per line (or several separated by commas, tabs or
spaces); lines starting with '#' are comments.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pfocr-enrich",
        description="Rank published pathway figures (PFOCR) by over-representation of a gene list.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("genes", help="gene list file, or '-' for standard input")
    parser.add_argument("--library", help="figure folder or .md file, GMT (.gmt, .gmt.gz) or saved library (.npz); default: the embedded PFOCR sample")
    parser.add_argument("--background", help="file of background genes (the universe becomes library genes ∩ background)")
    parser.add_argument("--min-size", type=int, default=1, help="smallest set size tested (default 1)")
    parser.add_argument("--max-size", type=int, default=None, help="largest set size tested (default: no limit)")
    parser.add_argument("--correction", default="fdr_bh", choices=CORRECTION_METHODS, help="multiple-testing method (default fdr_bh)")
    parser.add_argument("--top", type=int, default=None, help="print or write only the best N rows")
    parser.add_argument("-o", "--output", help="write the table here (.tsv, .csv); default: print it")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def read_gene_list(source: str) -> list[str]:
    """Genes from a file (or stdin for '-'): whitespace, comma or tab separated; '#' comments."""
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    genes: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        genes.extend(tok for tok in line.replace(",", " ").split() if tok)
    return genes


def load_library(spec: str | None) -> GeneSetLibrary:
    """The library named on the command line: default sample, figures, GMT or saved npz."""
    if spec is None:
        return sample_library()
    path = Path(spec)
    if path.is_dir() or path.suffix == ".md" or any(ch in spec for ch in "*?["):
        return read_figures(spec)
    if path.suffix == ".npz":
        return GeneSetLibrary.load(path)
    if not path.exists():
        raise FileNotFoundError(f"no such library file or folder: {spec}")
    return read_gmt(path)


def _terminal_table(table: pd.DataFrame, width: int = 50) -> str:
    """The table as text with long titles and gene lists shortened (files keep them whole)."""
    short = table.copy()
    for col in ("title", "genes"):
        if col in short:
            short[col] = [v if len(v) <= width else v[: width - 1] + "…" for v in short[col].astype(str)]
    with pd.option_context("display.max_rows", None, "display.width", 250):
        return short.to_string()


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code (0 ok, 2 bad input)."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            library = load_library(args.library)
            background = read_gene_list(args.background) if args.background else None
            result = enrich(
                read_gene_list(args.genes),
                library,
                background=background,
                min_size=args.min_size,
                max_size=args.max_size,
                correction=args.correction,
            )
        for w in caught:
            print(f"warning: {w.message}", file=sys.stderr)
    except (PfocrEnrichError, FileNotFoundError, TypeError, ValueError) as exc:
        print(f"pfocr-enrich: error: {exc}", file=sys.stderr)
        return 2
    table = result.table if args.top is None else result.top(args.top)
    if args.output:
        sep = "," if args.output.endswith(".csv") else "\t"
        table.to_csv(args.output, sep=sep, index=False)
        print(f"wrote {len(table)} rows to {args.output}", file=sys.stderr)
        return 0
    print(result.summary(), file=sys.stderr)
    columns = [c for c in ("set_id", "title", "overlap", "set_size", "pvalue", "fdr", "genes") if c in table.columns]
    shown = table[columns].head(args.top or _DEFAULT_SHOWN)
    print(_terminal_table(shown))
    if len(shown) < len(table):
        print(f"(showing {len(shown)} of {len(table)} rows; use --top N or -o FILE for more)", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
