"""Screens on the command line: ``--keep``, Parquet output (``-o hits.parquet``), ``--scheduler``.

A ``.parquet`` output streams :func:`pfocr_enrich.enrich_many` chunk by chunk
(``out=``); ``--scheduler ADDRESS`` runs the chunks on a Dask cluster (needs
``pfocr_enrich[dask]``). Other outputs are unchanged (see :mod:`pfocr_enrich.cli`).
"""

from __future__ import annotations

import argparse
import re
import warnings
from pathlib import Path
from typing import Any

from ..engine import enrich_many
from ..errors import GeneMappingWarning
from ..library import GeneSetLibrary
from .inputs import InputError, read_query_table

__all__ = [
    "add_screen_arguments",
    "check_screen_flags",
    "describe",
    "keep_value",
    "run_screen",
    "screen_warnings",
]

_STREAMED_QUERIES = (".gmt", ".gmt.gz", ".parquet", ".pq")


def add_screen_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of :func:`run_screen` (API parameters with dashes)."""
    parser.add_argument(
        "--keep",
        metavar="RULE",
        default=None,
        help="rows kept per query: 'fdr<=0.05', 'pvalue<=1e-3', or N (the N best); "
        "the FDR is computed over all tested sets first",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="run on a Dask cluster (tcp://host:8786), with -o FILE.parquet; "
        'needs pip install "pfocr_enrich[dask]"',
    )
    parser.add_argument(
        "--chunk-size",
        type=int,
        default=100,
        metavar="N",
        help="queries per chunk (task) for a .parquet output (default 100)",
    )


def keep_value(text: str | None) -> str | int | None:
    """``--keep``: an int N (the N best) or a rule, as enrich_many's ``keep``."""
    if text is None:
        return None
    return int(text) if re.fullmatch(r"\s*\d+\s*", text) else text


def run_screen(
    args: argparse.Namespace,
    library: GeneSetLibrary,
    options: dict[str, Any],
    *,
    progress: bool,
) -> Any:
    """``enrich_many(..., out=args.output)``, on this process or on ``--scheduler``."""
    if args.genes:
        raise InputError("a .parquet output takes its queries from --queries FILE")
    if not args.queries:
        raise InputError("no queries given: --queries FILE (GMT, Parquet or query<TAB>gene table)")
    path = Path(args.queries)
    if not path.exists():
        raise FileNotFoundError(f"no such queries file: {args.queries}")
    streamed = path.is_dir() or args.queries.lower().endswith(_STREAMED_QUERIES)
    queries = path if streamed else read_query_table(args.queries)
    kwargs = dict(options, keep=keep_value(args.keep), alpha=args.alpha, out=args.output)
    kwargs.update(chunk_size=args.chunk_size, progress=progress)
    if args.scheduler is None:
        return enrich_many(queries, library, **kwargs)
    try:
        from distributed import Client
    except ImportError:
        raise ImportError(
            '--scheduler needs dask.distributed: pip install "pfocr_enrich[dask]"'
        ) from None
    with Client(args.scheduler) as client:
        return enrich_many(queries, library, client=client, **kwargs)


def describe(written: Any) -> str:
    """The line printed after a screen."""
    return f"wrote {written.rows:,} rows of {written.queries:,} queries to {written.path}"


def check_screen_flags(args: argparse.Namespace, kind: str | None) -> None:
    """--scheduler and --chunk-size only make sense with a .parquet output."""
    if kind != "parquet" and args.scheduler is not None:
        raise InputError("--scheduler writes a Parquet dataset: use -o FILE.parquet")
    if args.chunk_size < 1:
        raise InputError(f"--chunk-size must be >= 1, got {args.chunk_size}")


def screen_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    """Warnings of a screen, one line each; genes left out (one warning per chunk) summed up."""
    mapping = [w for w in caught if issubclass(w.category, GeneMappingWarning)]
    lines = [str(w.message) for w in caught if not issubclass(w.category, GeneMappingWarning)]
    if mapping:
        more = f" (and likewise in {len(mapping) - 1} more chunks)" if len(mapping) > 1 else ""
        first = str(mapping[0].message).replace(" See res.dropped.", "")
        lines.insert(0, f"{first}{more}")
    return lines
