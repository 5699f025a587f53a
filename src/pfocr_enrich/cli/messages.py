"""Messages of the command line: API errors and warnings in command-line terms, one line each."""

from __future__ import annotations

import argparse
import re
import sys
import warnings

from ..errors import EmptyQueryError, GeneMappingWarning
from ..identifiers import MAPPING_STATUSES
from ..results import EnrichmentResult

__all__ = ["cli_message", "flag_names", "print_warnings", "summary_text"]

_SHOWN_GENES = 10  # genes named in a warning
# "The 'min_size' parameter of enrich must be ..." -> "--min-size must be ..."
_PARAM_MESSAGE = re.compile(
    r"^The '(?P<param>[^']+)(?:\['(?P<key>[^']*)'\])?' parameter of [\w.]+ "
)

# API parameters the command line spells otherwise (mhg's X and L, the ranking).
_RENAMED = {
    "X": "--min-hits",
    "L": "--max-cutoff",
    "ranking": "--ranked",
    "ranked_genes": "--ranked",
}


def flag_names(args: argparse.Namespace) -> dict[str, str]:
    """API parameter -> how the command line spells it (``min_size`` -> ``--min-size``)."""
    names = {dest: "--" + dest.replace("_", "-") for dest in vars(args)}
    return {**names, **_RENAMED, "genes": "GENES"}


def cli_message(exc: BaseException, flags: dict[str, str]) -> str:
    """One line for an error, with API parameter names as flags and no Python advice."""
    text = str(exc).strip()
    message = text.splitlines()[0] if text else type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        return f"{exc.strerror}: {exc.filename}"
    found = _PARAM_MESSAGE.match(message)
    if found and found["param"] in flags:
        where = f" (query {found['key']!r})" if found["key"] is not None else ""
        message = f"{flags[found['param']]}{where} " + message[found.end() :]
        # A flag left out is the API's None: not something to type.
        message = re.sub(r"(must be )None or | or None(?=\. Got )", r"\1", message)
        for param, flag in flags.items():  # "... >= min_size (10)" -> "... >= --min-size (10)"
            if "_" in param:
                message = re.sub(rf"(?<![\w-]){param}\b", flag, message)
    if isinstance(exc, EmptyQueryError):
        message = re.sub(r"^(enrich(_many)?|gsea|mhg): ", "", message).rstrip(".")
        message += "; check the identifiers (symbols, Entrez or Ensembl IDs) and --library"
    return message


def _left_out(result: EnrichmentResult, mapping: str | None) -> str:
    """The warning for inputs left out, pointing to the mapping report."""
    table = result.mapping
    if "rank" in table.columns:  # a ranking: duplicates leave it, ambiguous entries stay in it
        rows = table[table["status"].isin(["duplicate", "ambiguous"])]
        what = "ranked identifiers repeat a gene (left out) or are ambiguous (kept as non-members)"
    else:
        rows, what = result.dropped, "query genes were left out"
    counts = rows["status"].value_counts()
    by_status = ", ".join(f"{s}: {counts[s]}" for s in MAPPING_STATUSES if counts.get(s, 0))
    shown = ", ".join(repr(g) for g in rows["input"].head(_SHOWN_GENES))
    more = "" if len(rows) <= _SHOWN_GENES else f" and {len(rows) - _SHOWN_GENES} more"
    see = f"see {mapping}" if mapping else "--mapping FILE lists what happened to each gene"
    return f"{len(rows)} of {len(table)} {what} ({by_status}): {shown}{more}; {see}"


def print_warnings(
    caught: list[warnings.WarningMessage], result: EnrichmentResult | None, mapping: str | None
) -> None:
    """Warnings as 'warning: ...' lines; the mapping ones once, in command-line terms."""
    if result is not None and any(issubclass(w.category, GeneMappingWarning) for w in caught):
        print(f"warning: {_left_out(result, mapping)}", file=sys.stderr)
    for w in caught:
        if not issubclass(w.category, GeneMappingWarning):
            print(f"warning: {w.message}", file=sys.stderr)


def summary_text(result: EnrichmentResult, mapping: str | None) -> str:
    see = f"see {mapping}" if mapping else "see --mapping FILE"
    return result.summary().replace("see .dropped", see)
