"""The ``pfocr-enrich`` command: a thin shell over the public API.

Each flag is an API parameter with dashes (``--min-size`` is ``min_size``);
one gene list runs :func:`pfocr_enrich.enrich`, several run
:func:`pfocr_enrich.enrich_many`, a ranking (``--ranked FILE``) runs
:func:`pfocr_enrich.gsea` or :func:`pfocr_enrich.mhg` (``cli/ranked.py``). Any of
our errors becomes one line on stderr and exit code 2 (``cli/messages.py``).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.version import __version__
from ..engine import COMPAT_PRESETS, FDR_FAMILIES, enrich, enrich_many, read_queries
from ..errors import PfocrEnrichError
from ..library import GeneSetLibrary
from ..results import BatchEnrichmentResult, EnrichmentResult
from ..stats import CORRECTION_METHODS
from .inputs import InputError, background, load_library, read_gene_list, read_query_table
from .messages import cli_message, flag_names, print_warnings, summary_text
from .ranked import PRINTED, add_ranked_arguments, check_ranked_flags, run_ranked
from .screen import (
    add_screen_arguments,
    check_screen_flags,
    describe,
    keep_value,
    run_screen,
    screen_warnings,
)

__all__ = ["build_parser", "main", "read_gene_list"]

_DEFAULT_SHOWN = 20
_BATCH_SHOWN = 5  # rows per query printed for a batch
_REPORT_ROWS = 100  # rows per query in an HTML report unless --top says otherwise
_OUTPUTS = {
    ".tsv": "tsv",
    ".txt": "tsv",
    ".tsv.gz": "tsv",
    ".txt.gz": "tsv",
    ".csv": "csv",
    ".csv.gz": "csv",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".xlsx": "xlsx",
    ".parquet": "parquet",  # a Parquet dataset (a folder), written chunk by chunk (cli/screen.py)
}
_BATCH_CHUNK = 64  # queries per enrich_many call when a progress bar is shown
_TABLES = {".tsv": "\t", ".txt": "\t", ".csv": ","}  # mapping report formats (optionally .gz)
EXAMPLES = """\
examples:
  pfocr-enrich genes.txt                            rank the embedded PFOCR sample for one gene list
  pfocr-enrich genes.txt --library figures/ -o result.tsv
  pfocr-enrich genes.txt --library pfocr.gmt --min-size 3 --max-size 500 --top 50
  pfocr-enrich up.txt down.txt -o both.html         two lists (one query each): a batch report
  pfocr-enrich --queries screens.gmt --alpha 0.05 -o hits.tsv
  pfocr-enrich --queries screens.gmt --keep 'fdr<=0.05' -o hits.parquet   any number of queries
  pfocr-enrich --queries q.parquet --keep 20 -o hits.parquet --scheduler tcp://host:8786
  cat genes.txt | pfocr-enrich -                    read the gene list from stdin
  pfocr-enrich genes.txt --background measured.txt --compat clusterprofiler -o res.xlsx
  pfocr-enrich --ranked scores.rnk --library pfocr.gmt -o gsea.html     preranked GSEA
  pfocr-enrich --ranked scores.rnk --method mhg --exact-below 1e-3      the mHG test of its order

A gene list file has one gene per line (or several separated by commas, tabs or
spaces); lines starting with '#' are comments. --queries takes a GMT
(name, description, genes...) or a two-column table 'query<TAB>gene' (.tsv/.csv,
with or without that header). The output format follows the -o extension:
.tsv .csv (.gz) .json .html (a self-contained report) .xlsx .parquet (a Parquet dataset
written chunk by chunk, compact columns; see docs/scaling.md). Without -o the
best rows are printed. A .tsv/.csv output gets its mapping report beside it
(result.tsv -> result.mapping.tsv: one row per input gene with its status);
--mapping FILE writes it anywhere. Exit codes: 0 ok, 2 bad input, 1 missing
optional package.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (flags are the API's parameter names with dashes)."""
    parser = argparse.ArgumentParser(
        prog="pfocr-enrich",
        description="Rank published pathway figures (PFOCR) by over-representation of gene lists, "
        "or against a ranked list (preranked GSEA, the minimum-hypergeometric test).",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "genes",
        nargs="*",
        metavar="GENES",
        help="gene list file(s), '-' for standard input; several files run one query each",
    )
    parser.add_argument(
        "--queries", metavar="FILE", help="many named gene lists: GMT, or a query<TAB>gene table"
    )
    parser.add_argument(
        "--library",
        help="figure folder, .md file or glob; GMT (.gmt, .gmt.gz); saved library (.npz); "
        "default: the embedded PFOCR sample",
    )
    parser.add_argument(
        "--background",
        help="file of background genes (universe = library genes ∩ background), "
        "or an integer N for a fixed universe size",
    )
    parser.add_argument(
        "--background-mode",
        choices=["intersect", "as_given"],
        default="intersect",
        help="how --background defines the universe (default intersect)",
    )
    parser.add_argument(
        "--min-size",
        type=int,
        default=None,
        metavar="N",
        help="smallest set size tested (default 1)",
    )
    parser.add_argument(
        "--max-size",
        type=int,
        default=None,
        metavar="N",
        help="largest set size tested (default: no limit)",
    )
    parser.add_argument(
        "--correction",
        default="fdr_bh",
        choices=CORRECTION_METHODS,
        metavar="METHOD",
        help=f"multiple-testing method: {', '.join(CORRECTION_METHODS)} (default fdr_bh)",
    )
    parser.add_argument(
        "--fdr-over",
        default="tested",
        choices=FDR_FAMILIES,
        help="sets entering the correction: every tested set or only those with overlap (default tested)",
    )
    parser.add_argument(
        "--compat",
        default=None,
        choices=[c for c in COMPAT_PRESETS if c],
        help="reproduce another tool's numbers (see docs/statistics.md)",
    )
    parser.add_argument(
        "--collapse-duplicates", action="store_true", help="test each distinct gene set once"
    )
    parser.add_argument(
        "--resolve-aliases",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="map unambiguous NCBI aliases to official symbols (default on)",
    )
    parser.add_argument(
        "--alpha", type=float, default=None, help="keep only rows with fdr <= ALPHA"
    )
    add_screen_arguments(parser)
    parser.add_argument(
        "--top",
        type=int,
        default=None,
        metavar="N",
        help="print or write only the best N rows (per query)",
    )
    parser.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the results (.tsv .csv .json .html .xlsx); default: print",
    )
    parser.add_argument(
        "--mapping",
        metavar="FILE",
        help="write the mapping report (what happened to each input gene) as .tsv or .csv; "
        "default: next to a .tsv/.csv output (result.tsv -> result.mapping.tsv)",
    )
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar, summary or 'wrote' message"
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_ranked_arguments(parser)
    return parser


def _output_kind(path: str) -> str:
    lower = path.lower()
    for ext, kind in sorted(_OUTPUTS.items(), key=lambda kv: -len(kv[0])):
        if lower.endswith(ext):
            return kind
    raise InputError(f"cannot tell the output format of {path!r}: use one of {', '.join(_OUTPUTS)}")


def _table_ext(path: str) -> str | None:
    """The mapping-report extension of ``path`` ('.tsv', '.csv.gz', ...), None if it has none."""
    lower = path.lower()
    for ext in _TABLES:
        for full in (ext + ".gz", ext):
            if lower.endswith(full):
                return full
    return None


def _mapping_path(args: argparse.Namespace) -> str | None:
    """Where the mapping report goes: --mapping FILE, else beside a .tsv/.csv output."""
    if args.mapping:
        if _table_ext(args.mapping) is None:
            raise InputError(
                f"cannot tell the format of --mapping {args.mapping!r}: use .tsv, .txt or .csv "
                "(optionally .gz)"
            )
        return args.mapping
    ext = _table_ext(args.output) if args.output else None
    if ext is None:  # .json, .html and .xlsx outputs carry the genes left out themselves
        return None
    return args.output[: -len(ext)] + ".mapping" + args.output[-len(ext) :]


def _write_mapping(result: EnrichmentResult, path: str) -> None:
    """One row per input gene (per query for a batch): input, status, mapped_to, note."""
    table = result.mapping
    if "query" in table.columns:
        table = table[["query", *(c for c in table.columns if c != "query")]]
    sep = _TABLES[_table_ext(path).removesuffix(".gz")]  # type: ignore[union-attr]
    table.to_csv(path, sep=sep, index=False)


def _queries(args: argparse.Namespace) -> dict[str, list[str]] | pd.DataFrame | None:
    """None for one gene list (enrich); else what enrich_many takes, every list in file order."""
    if args.queries and args.genes:
        raise InputError("give gene list files or --queries FILE, not both")
    if args.queries:
        return read_query_table(args.queries)
    if not args.genes:
        raise InputError(
            "no gene list given: name a file, '-' for standard input, --queries FILE "
            "or --ranked FILE"
        )
    if args.genes.count("-") > 1:
        raise InputError("standard input ('-') can be read only once")
    if len(args.genes) == 1:
        return None
    stems = [("stdin" if g == "-" else Path(g).name.split(".")[0]) for g in args.genes]
    names = stems if len(set(stems)) == len(stems) else list(args.genes)
    if len(set(names)) != len(names):
        raise InputError("the same gene list file is named twice")
    return {name: read_gene_list(g) for name, g in zip(names, args.genes, strict=True)}


@contextmanager
def _progress(total: int, *, enabled: bool) -> Iterator[Any]:
    """A tqdm bar on stderr (only on a terminal); a no-op object otherwise."""
    bar = None
    if enabled:
        try:
            from tqdm import tqdm
        except ImportError:  # pragma: no cover - tqdm is a dependency
            bar = None
        else:
            bar = tqdm(total=total, unit="query", desc="pfocr-enrich", file=sys.stderr, leave=False)
    try:
        yield bar
    finally:
        if bar is not None:
            bar.close()


def _run_batch(
    queries: dict[str, list[str]] | pd.DataFrame,
    library: GeneSetLibrary,
    options: dict[str, Any],
    *,
    progress: bool,
) -> EnrichmentResult:
    """enrich_many, in chunks of queries when a progress bar is shown (rows are identical either way)."""
    if not progress:
        return enrich_many(queries, library, **options)

    named = read_queries(queries)
    names = list(named)
    if len(names) <= _BATCH_CHUNK:
        chunk = len(names)
    else:
        chunk = max(_BATCH_CHUNK, -(-len(names) // 100))
    parts = []
    with _progress(len(names), enabled=True) as bar:
        for start in range(0, len(names), chunk):
            block = {n: named[n] for n in names[start : start + chunk]}
            parts.append(enrich_many(block, library, **options))
            if bar is not None:
                bar.update(len(block))
    return parts[0] if len(parts) == 1 else BatchEnrichmentResult.concat(parts)


def _terminal_table(table: pd.DataFrame, width: int = 50) -> str:
    """The table as text with long titles and gene lists shortened (files keep them whole)."""
    short = table.copy()
    for col in ("title", "genes", "leading_edge"):
        if col in short:
            text = short[col].fillna("").astype(str)
            short[col] = text.where(text.str.len() <= width, text.str[: width - 1] + "…")
    with pd.option_context("display.max_rows", None, "display.width", 250):
        return short.to_string()


def _write(result: EnrichmentResult, path: str, kind: str) -> None:
    if kind == "tsv":
        result.to_tsv(path)
    elif kind == "csv":
        result.to_csv(path, sep=",")
    elif kind == "json":
        result.to_json(path)
    else:
        result.to_excel(path)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    """The options shared by enrich and enrich_many, from their flags."""
    names = ("background_mode", "min_size", "max_size", "correction", "fdr_over")
    names += ("collapse_duplicates", "compat", "resolve_aliases")
    return {"background": background(args.background), **{n: getattr(args, n) for n in names}}


def _run(args: argparse.Namespace) -> EnrichmentResult:
    """Read the inputs and run enrich (one gene list) or enrich_many (several)."""
    queries = _queries(args)
    library = load_library(args.library)
    options = _options(args)
    if queries is None:
        result = enrich(read_gene_list(args.genes[0]), library, **options)
        return _keep_one(result, args)
    progress = not args.quiet and sys.stderr.isatty()
    options.update(alpha=args.alpha, keep=keep_value(args.keep))
    return _run_batch(queries, library, options, progress=progress)


def _keep_one(result: EnrichmentResult, args: argparse.Namespace) -> EnrichmentResult:
    """--alpha / --keep for one gene list (enrich has no keep: the same rows by filtering)."""
    if args.alpha is not None:
        result = result.significant(args.alpha, by="fdr")
    keep = keep_value(args.keep)
    if isinstance(keep, int):
        return result.top(keep)
    if keep is not None:
        column, _, value = keep.replace(" ", "").partition("<=")
        if column not in ("fdr", "pvalue") or not value:
            raise InputError(f"--keep must be 'fdr<=X', 'pvalue<=X' or N, got {keep!r}")
        return result.significant(float(value), by=column)
    return result


def _error(message: str, code: int) -> int:
    print(f"pfocr-enrich: error: {message}", file=sys.stderr)
    return code


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code (0 ok, 2 bad input, 1 missing optional package)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse already printed it)
        return int(exc.code or 0)
    caught: list[warnings.WarningMessage] = []
    try:
        kind = _output_kind(args.output) if args.output else None
        mapping = _mapping_path(args)
        if args.top is not None and args.top < 0:
            raise InputError(f"--top must be >= 0, got {args.top}")
        check_screen_flags(args, kind)
        check_ranked_flags(args, parser, kind)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if kind == "parquet":  # streamed, chunk by chunk (cli/screen.py)
                progress = not args.quiet and sys.stderr.isatty()
                library = load_library(args.library)
                written = run_screen(args, library, _options(args), progress=progress)
            else:
                result = _keep_one(run_ranked(args), args) if args.ranked else _run(args)
        if kind == "parquet":
            for line in screen_warnings(caught):
                print(f"warning: {line}", file=sys.stderr)
            if not args.quiet:
                print(describe(written), file=sys.stderr)
            return 0
        print_warnings(caught, result, mapping)
    except ImportError as exc:
        return _error(str(exc), 1)
    except (PfocrEnrichError, OSError, TypeError, ValueError, KeyError) as exc:
        print_warnings(caught, None, None)
        return _error(cli_message(exc, flag_names(args)), 2)
    wrote = []
    try:
        if mapping:
            _write_mapping(result, mapping)
            wrote.append(f"the mapping report to {mapping}")
    except OSError as exc:
        return _error(f"cannot write {mapping}: {exc.strerror or exc}", 2)
    shown = result if args.top is None else result.top(args.top)
    if args.output:
        try:
            if kind == "html":  # the report summarises every row and lists the best (100 per query)
                result.to_html(args.output, top=_REPORT_ROWS if args.top is None else args.top)
                shown = result.top(_REPORT_ROWS if args.top is None else args.top)
            else:
                _write(shown, args.output, kind)  # type: ignore[arg-type]
        except ImportError as exc:
            return _error(str(exc), 1)
        except OSError as exc:
            return _error(f"cannot write {args.output}: {exc.strerror or exc}", 2)
        if not args.quiet:
            print(
                " and ".join([f"wrote {len(shown)} rows to {args.output}", *wrote]), file=sys.stderr
            )
        return 0
    if not args.quiet:
        print(summary_text(result, mapping), file=sys.stderr)
        if wrote:
            print(f"wrote {wrote[0]}", file=sys.stderr)
    if args.top is None:  # a terminal-sized view; files get every row
        shown = result.top(_BATCH_SHOWN) if result.is_batch else result.top(_DEFAULT_SHOWN)
    printed = ("query", "set_id", "title", "overlap", "set_size", *PRINTED, "pvalue", "fdr")
    columns = [c for c in (*printed, "genes", "leading_edge") if c in shown.table.columns]
    print(_terminal_table(shown.table[columns]))
    if len(shown) < len(result) and not args.quiet:
        per = " per query" if result.is_batch else ""
        best = args.top or (_BATCH_SHOWN if result.is_batch else _DEFAULT_SHOWN)
        print(
            f"(showing {len(shown)} of {len(result)} rows: the best {best}{per}; "
            "use --top N or -o FILE for more)",
            file=sys.stderr,
        )
    return 0
