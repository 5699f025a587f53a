"""Companion gene tables ``_data/<figid>-genes.tsv``: find a figure's table and read its rows."""

from __future__ import annotations

import os
from collections.abc import Iterable

from .files import decode_error_line, open_text, os_reason
from .report import problem, shown

__all__ = ["DATA_TABLE_COLUMNS", "TableRow", "find_data_table", "read_data_table"]

#: Columns a companion table must have.
DATA_TABLE_COLUMNS = ("organism_id", "ncbigene_symbol", "ncbigene_id")
#: (symbol, entrez, source, match) of one row; source and match are None without those columns.
TableRow = tuple[str, str, str | None, str | None]


def find_data_table(path: str, figid: str, data_dirs: dict[str, list[str]]) -> str | None:
    """``_data/<figid>-genes.tsv`` inside the figure's folder or next to it, if it exists.

    ``data_dirs`` caches the existing ``_data`` folders of each figures folder.
    """
    if "/" in figid or os.sep in figid:
        return None
    folder = os.path.dirname(path)
    dirs = data_dirs.get(folder)
    if dirs is None:
        inside, beside = os.path.join(folder, "_data"), os.path.join(folder, os.pardir, "_data")
        unique = dict.fromkeys(os.path.normpath(d) for d in (beside, inside))
        dirs = data_dirs[folder] = [d for d in unique if os.path.isdir(d)]
    for folder_ in dirs:
        table = os.path.join(folder_, f"{figid}-genes.tsv")
        if os.path.lexists(table):  # a table that is not a readable file is reported
            return table
    return None


def read_data_table(table: str, figid: str, taxid: str) -> list[TableRow]:
    """(symbol, entrez, source, match) of a companion table's rows of ``taxid`` (all fields text).

    The table is read as plain TSV: lines split on tabs, no quoting (a ``"`` is
    part of its field, so a stray one cannot join rows), no limit on field size.
    Empty lines are skipped; a row with another number of fields than the header
    is an error (``invalid_data_table``, with its line), as is a table that
    cannot be read.
    """
    try:
        with open_text(table) as fh:
            header = fh.readline().rstrip("\n").split("\t")
            missing = [c for c in DATA_TABLE_COLUMNS if c not in header]
            if missing:
                raise problem(
                    table,
                    "invalid_data_table",
                    f"expected columns {list(DATA_TABLE_COLUMNS)}, missing {missing}",
                    line=1,
                    figid=figid,
                )
            return _rows(fh, header, table, figid, taxid)
    except UnicodeDecodeError as exc:
        line = decode_error_line(table, None)
        detail = f"not UTF-8 text ({exc.reason})"
        raise problem(table, "invalid_data_table", detail, line=line, figid=figid) from None
    except OSError as exc:
        raise problem(table, "invalid_data_table", os_reason(exc), line=1, figid=figid) from None


def _rows(
    lines: Iterable[str], header: list[str], table: str, figid: str, taxid: str
) -> list[TableRow]:
    org, sym, eid = (header.index(c) for c in DATA_TABLE_COLUMNS)
    src = header.index("source") if "source" in header else None
    term = header.index("match") if "match" in header else None
    items: list[TableRow] = []
    for lineno, line in enumerate(lines, start=2):
        text = line.rstrip("\n")
        if not text:
            continue
        row = text.split("\t")
        if len(row) != len(header):
            detail = f"expected {len(header)} fields, got {len(row)}: {shown('<TAB>'.join(row))}"
            raise problem(table, "invalid_data_table", detail, line=lineno, figid=figid)
        if row[org].strip() != taxid:
            continue
        items.append(
            (
                row[sym],
                row[eid],
                None if src is None else row[src],
                None if term is None else row[term],
            )
        )
    return items
