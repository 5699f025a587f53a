"""The load report of :func:`~pfocr_enrich.io.figures.read_figures`: problem codes, rows, summary.

Every file and item left out of the library, and every note on a kept figure, is
one row (``file``, ``figid``, ``line``, ``item``, ``problem``, ``detail``). A
problem found while reading one file is raised as a :class:`FigureFormatError`
that carries its ``problem`` code and ``figid`` (see :func:`problem`), so the
same object serves ``errors="raise"`` and the report.
"""

from __future__ import annotations

import reprlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ...errors import FigureFormatError

__all__ = [
    "FIGURE_PROBLEMS",
    "FILE_PROBLEMS",
    "NOTE_PROBLEMS",
    "REPORT_COLUMNS",
    "Report",
    "problem",
    "shown",
    "summary",
]

#: Columns of ``lib.load_report``.
REPORT_COLUMNS = ("file", "figid", "line", "item", "problem", "detail")

#: Problems that leave a whole figure file out of the library.
FILE_PROBLEMS = (
    "unreadable",
    "no_front_matter",
    "too_large",
    "invalid_yaml",
    "unsupported_yaml",
    "not_a_mapping",
    "missing_figid",
    "duplicate_figid",
    "no_genes",
)
#: Problems noted while the figure itself is kept (or, for keywords, one row per keyword).
NOTE_PROBLEMS = (
    "invalid_data_table",
    "data_table_no_human_rows",
    "invalid_gene_item",
    "invalid_year",
    "keyword_not_human_gene",
    "family_member_collapsed",
    "family_member_excluded",
)
#: Every ``problem`` code of ``lib.load_report``.
FIGURE_PROBLEMS = FILE_PROBLEMS + NOTE_PROBLEMS


_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, 100, 100


def shown(value: object) -> str:
    """``repr(value)`` for a message, cut short for long or deeply nested values."""
    return _REPR.repr(value)


def problem(
    path: str, code: str, detail: str, *, line: int | None = None, figid: str | None = None
) -> FigureFormatError:
    """Build a FigureFormatError that also carries the report's ``problem`` code and ``figid``."""
    err = FigureFormatError(detail, path=path, line=line)
    err.problem = code  # type: ignore[attr-defined]
    err.figid = figid  # type: ignore[attr-defined]
    return err


class Report:
    """Column lists of the load report (compact for millions of keyword rows)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {c: [] for c in REPORT_COLUMNS}

    def add(
        self,
        file: str,
        figid: str | None,
        code: str,
        detail: str,
        *,
        line: int | None = None,
        item: str = "",
    ) -> None:
        """Add one row."""
        values = (file, figid, line, item, code, detail)
        for col, value in zip(REPORT_COLUMNS, values, strict=True):
            self.columns[col].append(value)

    def add_error(self, err: FigureFormatError) -> None:
        """Add the row of an error built by :func:`problem`."""
        code: str = err.problem  # type: ignore[attr-defined]
        self.add(err.path or "", getattr(err, "figid", None), code, err.reason, line=err.line)

    def frame(self) -> pd.DataFrame:
        """The report as a DataFrame with :data:`REPORT_COLUMNS` (``line`` is ``Int64``)."""
        # Text columns stay object on every pandas version (pandas 3 would infer "str").
        frame = pd.DataFrame(self.columns, columns=list(REPORT_COLUMNS), dtype=object)
        frame["line"] = pd.array(self.columns["line"], dtype="Int64")
        return frame


def _counts(values: Iterable[str]) -> str:
    return ", ".join(f"{key}: {n}" for key, n in sorted(Counter(values).items()))


def summary(report: pd.DataFrame, n_files: int, *, see: bool = True) -> str:
    """One sentence on what was left out, counted by problem."""
    problems = report["problem"].tolist()
    left = [p for p in problems if p in FILE_PROBLEMS]
    keywords = sum(p == "keyword_not_human_gene" for p in problems)
    other = [p for p in problems if p not in FILE_PROBLEMS and p != "keyword_not_human_gene"]
    parts = []
    if left:
        verb = "was" if len(left) == 1 else "were"
        parts.append(f"{len(left)} of {n_files} figure files {verb} left out ({_counts(left)})")
    if keywords:
        parts.append(
            "1 keyword was not a human gene"
            if keywords == 1
            else f"{keywords} keywords were not human genes"
        )
    if other:
        parts.append(f"{len(other)} other note(s) ({_counts(other)})")
    return "; ".join(parts + ["see lib.load_report"] if see else parts)
