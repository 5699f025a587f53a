"""Parsing figure files on their own (front matter and companion table), in parallel if asked.

What one file gives on its own does not depend on other files or on the gene
mapper, so it can be parsed in a worker process; the reader then uses the
results in reading order (duplicate figids, gene mapping and the library stay in
the calling process, so results do not depend on ``n_jobs``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from ..._util.validation import check_int
from ...errors import FigureFormatError
from .pages import load_front_matter
from .report import problem
from .tables import TableRow, find_data_table, read_data_table
from .values import scalar

__all__ = ["PARALLEL_MIN_FILES", "WINDOW", "Parsed", "check_jobs", "parse_file", "parsed_in_order"]

#: With ``n_jobs=None``, files are parsed by several processes from this many files on.
PARALLEL_MIN_FILES = 2000
#: Files parsed per round: bounds the parsed front matter held at once.
WINDOW = 4096


class Parsed:
    """What one file gives on its own: its front matter and its companion table's rows.

    Built by :func:`parse_file` in a worker process (or in the reader's, with
    ``n_jobs=1``), so the reader only does what needs other files (duplicate figids)
    or the gene mapper. A problem is kept, not raised, and :meth:`unwrap` and
    :meth:`table_rows` raise it where the reader meets it, so errors and the load
    report do not depend on where the file was parsed. Picklable.
    """

    __slots__ = ("front_matter", "figid_line", "error", "table", "table_items", "table_error")

    def __init__(
        self, front_matter: Any, figid_line: int | None, error: tuple[Any, ...] | None
    ) -> None:
        self.front_matter, self.figid_line, self.error = front_matter, figid_line, error
        self.table: str | None = None  # the companion table, if the figure has one
        self.table_items: list[TableRow] | None = None
        self.table_error: Exception | None = None  # what reading the table raised

    def unwrap(self, path: str) -> tuple[dict[str, Any], int | None]:
        """The front matter and the line of ``figid:``; raises the file's problem."""
        if self.error is not None:
            code, detail, line, figid = self.error
            raise problem(path, code, detail, line=line, figid=figid)
        return self.front_matter, self.figid_line

    def table_rows(self) -> list[TableRow]:
        """(symbol, entrez, source, match) of the table's rows of the organism; raises its problem."""
        if self.table_error is not None:
            raise self.table_error
        return self.table_items  # type: ignore[return-value]


def parse_file(path: str, taxid: str, data_dirs: dict[str, list[str]]) -> Parsed:
    """Front matter and companion table rows of one figure page (``data_dirs``: a cache)."""
    try:
        parsed = Parsed(*load_front_matter(path), None)
    except FigureFormatError as err:
        error = (
            getattr(err, "problem", "invalid_yaml"),
            err.reason,
            err.line,
            getattr(err, "figid", None),
        )
        return Parsed(None, None, error)
    figid = parsed.front_matter["figid"]
    parsed.table = find_data_table(path, figid, data_dirs)
    if parsed.table is not None:
        try:
            parsed.table_items = read_data_table(parsed.table, figid, taxid)
        except Exception as exc:  # noqa: BLE001 - raised again when the reader gets to the table
            parsed.table_error = exc
    return parsed


# The reader uses only these front matter keys (and only "keywords" of "schema-jsonld");
# a worker sends only them back, which halves the pickling of a page.
_USED_KEYS = (
    "figid", "figtitle", "papertitle", "caption", "pmcid", "year", "doi", "journal_title",
    "organisms", "figtype", "number", "filename", "genes", "schema-jsonld",
)  # fmt: skip
# Keys the reader reads only when the companion table gives no gene.
_FALLBACK_KEYS = ("genes", "schema-jsonld")
_worker_data_dirs: dict[str, list[str]] = {}  # a worker process's cache of _data folders


def _parse_for_worker(path: str, taxid: str, families: str) -> Parsed:
    """:func:`parse_file` with only what the reader uses of the front matter (smaller pickles).

    With ``families="expand"``, a table row with a symbol always gives a gene, so the
    table is the figure's source and its ``genes:`` and keywords (80+ strings, the
    bulk of a page) are not sent.
    """
    parsed = parse_file(path, taxid, _worker_data_dirs)
    fm = parsed.front_matter
    if fm is not None:
        table_wins = families == "expand" and any(
            scalar(row[0]) for row in parsed.table_items or ()
        )
        keys = [k for k in _USED_KEYS if not (table_wins and k in _FALLBACK_KEYS)]
        kept = {key: fm[key] for key in keys if key in fm}
        schema = kept.get("schema-jsonld")
        if isinstance(schema, dict):
            kept["schema-jsonld"] = {"keywords": schema["keywords"]} if "keywords" in schema else {}
        parsed.front_matter = kept
    return parsed


def check_jobs(n_jobs: int | None, n_files: int) -> int:
    """The number of processes for ``n_jobs`` (None: up to 4 from PARALLEL_MIN_FILES files on)."""
    if n_jobs is None:
        return min(os.cpu_count() or 1, 4) if n_files >= PARALLEL_MIN_FILES else 1
    return int(check_int(n_jobs, func="read_figures", param="n_jobs", min=1))  # type: ignore[arg-type]


def parsed_in_order(
    paths: list[str], n_jobs: int, taxid: str, families: str
) -> Iterable[tuple[str, Parsed]]:
    """(path, parsed) in reading order; files parsed by a process pool, one window at a time."""
    if n_jobs == 1:
        data_dirs: dict[str, list[str]] = {}
        yield from ((path, parse_file(path, taxid, data_dirs)) for path in paths)
        return
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    parse = partial(_parse_for_worker, taxid=taxid, families=families)
    windows = [paths[start : start + WINDOW] for start in range(0, len(paths), WINDOW)]
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        ahead = pool.map(parse, windows[0], chunksize=64)
        for i, window in enumerate(windows):
            current = ahead
            # The next window is queued before this one is used, so the workers never wait
            # for the reader at a window boundary (at most two windows are held).
            if i + 1 < len(windows):
                ahead = pool.map(parse, windows[i + 1], chunksize=64)
            yield from zip(window, current)
