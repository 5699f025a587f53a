"""The ``pfocr-enrich`` command: a thin shell over the public API.

Each flag is an API parameter with dashes (``--min-size`` is ``min_size``);
one gene list runs :func:`pfocr_enrich.enrich`, several run
:func:`pfocr_enrich.enrich_many`. Any of our errors becomes one line on stderr
and exit code 2.
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

from ._util.version import __version__
from .engine import COMPAT_PRESETS, FDR_FAMILIES, enrich, enrich_many, read_queries
from .errors import GeneMappingWarning, PfocrEnrichError
from .io import read_figures, read_gmt, sample_library
from .library import GeneSetLibrary
from .results import BatchEnrichmentResult, EnrichmentResult
from .stats import CORRECTION_METHODS

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
}
_BATCH_CHUNK = 64  # queries per enrich_many call when a progress bar is shown

EXAMPLES = """\
examples:
  pfocr-enrich genes.txt                            rank the embedded PFOCR sample for one gene list
  pfocr-enrich genes.txt --library figures/ -o result.tsv
  pfocr-enrich genes.txt --library pfocr.gmt --min-size 3 --max-size 500 --top 50
  pfocr-enrich up.txt down.txt -o both.html         two lists (one query each): a batch report
  pfocr-enrich --queries screens.gmt --alpha 0.05 -o hits.tsv
  cat genes.txt | pfocr-enrich -                    read the gene list from stdin
  pfocr-enrich genes.txt --background measured.txt --compat clusterprofiler -o res.xlsx

A gene list file has one gene per line (or several separated by commas, tabs or
spaces); lines starting with '#' are comments. --queries takes a GMT
(name, description, genes...) or a two-column table 'query<TAB>gene' (.tsv/.csv,
with or without that header). The output format follows the -o extension:
.tsv .csv (.gz) .json .html (a self-contained report) .xlsx. Without -o the
best rows are printed. Exit codes: 0 ok, 2 bad input, 1 missing optional package.
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (flags are the API's parameter names with dashes)."""
    parser = argparse.ArgumentParser(
        prog="pfocr-enrich",
        description="Rank published pathway figures (PFOCR) by over-representation of gene lists.",
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
        "-q", "--quiet", action="store_true", help="no progress bar, summary or 'wrote' message"
    )
    _add_ranked_flags(parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


# -- ranked lists (issue 14): pe.gsea / pe.mhg ---------------------------------------------
def _add_ranked_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--ranked",
        metavar="FILE",
        help="a ranked list instead of a gene list: .rnk (gene<TAB>score); runs --method",
    )
    parser.add_argument(
        "--method",
        choices=["gsea", "mhg"],
        default="gsea",
        help="with --ranked: preranked GSEA (default; sizes 15-500 unless given) or the exact mHG test",
    )
    parser.add_argument(
        "--weight", type=float, default=1.0, help="GSEA step weight |score|^WEIGHT (default 1)"
    )
    parser.add_argument("--seed", type=int, default=0, help="GSEA random seed (default 0)")


def _run_ranked(args: argparse.Namespace, library: GeneSetLibrary) -> EnrichmentResult:
    """pe.gsea or pe.mhg on --ranked FILE, with the size flags the user gave."""
    if args.genes or args.queries:
        raise InputError("give --ranked FILE or gene lists, not both")
    from .engine import gsea, mhg

    if args.method == "mhg":
        return mhg(
            args.ranked,
            library,
            min_size=args.min_size or 1,
            max_size=args.max_size,
            resolve_aliases=args.resolve_aliases,
        )
    return gsea(
        args.ranked,
        library,
        min_size=15 if args.min_size is None else args.min_size,
        max_size=500 if args.max_size is None else args.max_size,
        weight=args.weight,
        seed=args.seed,
        resolve_aliases=args.resolve_aliases,
    )


class InputError(ValueError):
    """A problem with the command line's inputs (reported as one line, exit code 2)."""


def read_gene_list(source: str) -> list[str]:
    """Genes from a file (or stdin for '-'): whitespace, comma or tab separated; '#' comments."""
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    genes: list[str] = []
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        genes.extend(tok for tok in line.replace(",", " ").split() if tok)
    return genes


def read_query_table(path: str) -> pd.DataFrame | str:
    """``--queries``: a GMT path (passed on to enrich_many) or a long (query, gene) table."""
    if path.endswith((".gmt", ".gmt.gz")):
        if not Path(path).exists():
            raise FileNotFoundError(f"no such queries file: {path}")
        return path
    sep = "," if path.endswith((".csv", ".csv.gz")) else "\t"
    raw = pd.read_csv(
        path,
        sep=sep,
        header=None,
        dtype=str,
        comment="#",
        skip_blank_lines=True,
        keep_default_na=False,
    )
    if raw.shape[1] < 2:
        raise InputError(
            f"{path}: expected a GMT (.gmt) or a two-column table query<TAB>gene, "
            f"got {raw.shape[1]} column(s)"
        )
    first = [str(v).strip().lower() for v in raw.iloc[0]]
    if "query" in first and "gene" in first:
        table = raw.iloc[1:].rename(
            columns={first.index("query"): "query", first.index("gene"): "gene"}
        )
    else:
        table = raw.rename(columns={0: "query", 1: "gene"})
    table = table[["query", "gene"]]
    table = table[(table["query"].str.strip() != "") & (table["gene"].str.strip() != "")]
    if table.empty:
        raise InputError(f"{path}: no (query, gene) rows")
    return table


def load_library(spec: str | None) -> GeneSetLibrary:
    """The library named on the command line: default sample, figures, GMT or saved npz."""
    if spec is None:
        return sample_library()
    path = Path(spec)
    if path.is_dir() or path.suffix == ".md" or any(ch in spec for ch in "*?["):
        return read_figures(spec)
    if not path.exists():
        raise FileNotFoundError(f"no such library file or folder: {spec}")
    if path.suffix == ".npz":
        return GeneSetLibrary.load(path)
    return read_gmt(path)


def _background(spec: str | None) -> list[str] | int | None:
    if spec is None:
        return None
    if spec.isdigit() and not Path(spec).exists():
        return int(spec)
    return read_gene_list(spec)


def _output_kind(path: str) -> str:
    lower = path.lower()
    for ext, kind in sorted(_OUTPUTS.items(), key=lambda kv: -len(kv[0])):
        if lower.endswith(ext):
            return kind
    raise InputError(f"cannot tell the output format of {path!r}: use one of {', '.join(_OUTPUTS)}")


def _queries(args: argparse.Namespace) -> dict[str, list[str]] | pd.DataFrame | str | None:
    """None for one gene list (enrich); else what enrich_many takes."""
    if args.queries and args.genes:
        raise InputError("give gene list files or --queries FILE, not both")
    if args.queries:
        return read_query_table(args.queries)
    if not args.genes:
        raise InputError(
            "no gene list given: name a file, '-' for standard input, or --queries FILE"
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
    queries: dict[str, list[str]] | pd.DataFrame | str,
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
    for col in ("title", "genes"):
        if col in short:
            short[col] = [
                v if len(v) <= width else v[: width - 1] + "…"
                for v in short[col].fillna("").astype(str)
            ]
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


def _print_warnings(caught: list[warnings.WarningMessage], result: EnrichmentResult | None) -> None:
    mapping_warnings = [w for w in caught if issubclass(w.category, GeneMappingWarning)]
    if len(mapping_warnings) > 1 and result is not None:
        # A batch run in chunks warns once per chunk: say it once for the whole run.
        dropped = result.dropped
        shown = ", ".join(repr(g) for g in dropped["input"].head(10))
        more = "" if len(dropped) <= 10 else f" and {len(dropped) - 10} more"
        counts = ", ".join(f"{s}: {n}" for s, n in dropped["status"].value_counts().items())
        print(
            f"warning: {len(dropped)} query genes were left out ({counts}): {shown}{more}",
            file=sys.stderr,
        )
        caught = [w for w in caught if w not in mapping_warnings]
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command; returns the exit code (0 ok, 2 bad input, 1 missing optional package)."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error (argparse already printed it)
        return int(exc.code or 0)
    result: EnrichmentResult | None = None
    caught: list[warnings.WarningMessage] = []
    try:
        kind = _output_kind(args.output) if args.output else None
        if args.top is not None and args.top < 0:
            raise InputError(f"--top must be >= 0, got {args.top}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            queries = None if args.ranked else _queries(args)
            library = load_library(args.library)
            options: dict[str, Any] = dict(
                background=_background(args.background),
                background_mode=args.background_mode,
                min_size=args.min_size,
                max_size=args.max_size,
                correction=args.correction,
                fdr_over=args.fdr_over,
                collapse_duplicates=args.collapse_duplicates,
                compat=args.compat,
                resolve_aliases=args.resolve_aliases,
            )
            if args.ranked:
                result = _run_ranked(args, library)
                if args.alpha is not None:
                    result = result.significant(args.alpha, by="fdr")
            elif queries is None:
                result = enrich(read_gene_list(args.genes[0]), library, **options)
                if args.alpha is not None:
                    result = result.significant(args.alpha, by="fdr")
            else:
                progress = not args.quiet and sys.stderr.isatty()
                result = _run_batch(
                    queries, library, {**options, "alpha": args.alpha}, progress=progress
                )
        _print_warnings(caught, result)
    except ImportError as exc:
        print(f"pfocr-enrich: error: {exc}", file=sys.stderr)
        return 1
    except (PfocrEnrichError, OSError, TypeError, ValueError, KeyError) as exc:
        _print_warnings([w for w in caught if not issubclass(w.category, GeneMappingWarning)], None)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if isinstance(exc, OSError) and exc.filename and exc.strerror:
            message = f"{exc.strerror}: {exc.filename}"
        print(f"pfocr-enrich: error: {message}", file=sys.stderr)
        return 2
    shown = result if args.top is None else result.top(args.top)
    if args.output:
        try:
            if (
                kind == "html"
            ):  # the report summarises every row and lists the best (100 per query by default)
                result.to_html(args.output, top=_REPORT_ROWS if args.top is None else args.top)
                shown = result.top(_REPORT_ROWS if args.top is None else args.top)
            else:
                _write(shown, args.output, kind)  # type: ignore[arg-type]
        except ImportError as exc:
            print(f"pfocr-enrich: error: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(
                f"pfocr-enrich: error: cannot write {args.output}: {exc.strerror or exc}",
                file=sys.stderr,
            )
            return 2
        if not args.quiet:
            print(f"wrote {len(shown)} rows to {args.output}", file=sys.stderr)
        return 0
    if not args.quiet:
        print(result.summary(), file=sys.stderr)
    if args.top is None:  # a terminal-sized view; files get every row
        shown = result.top(_BATCH_SHOWN) if result.is_batch else result.top(_DEFAULT_SHOWN)
    columns = [
        c
        for c in ("query", "set_id", "title", "overlap", "set_size", "size", "es", "nes", "mhg")
        + ("cutoff", "pvalue", "fdr", "genes")
        if c in shown.table.columns
    ]
    print(_terminal_table(shown.table[columns]))
    if len(shown) < len(result) and not args.quiet:
        per = " per query" if result.is_batch else ""
        print(
            f"(showing {len(shown)} of {len(result)} rows: the best {args.top or (_BATCH_SHOWN if result.is_batch else _DEFAULT_SHOWN)}"
            f"{per}; use --top N or -o FILE for more)",
            file=sys.stderr,
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
