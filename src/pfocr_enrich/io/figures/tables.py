"""Companion gene tables ``_data/<figid>-genes.tsv``: find a figure's table and read its rows."""

from __future__ import annotations

import csv
import os

from .report import problem

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
        if os.path.isfile(table):
            return table
    return None


def read_data_table(table: str, figid: str, taxid: str) -> list[TableRow]:
    """(symbol, entrez, source, match) of a companion table's rows of ``taxid`` (all fields text)."""
    try:
        with open(table, encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh, delimiter="\t")
            header = next(rows, [])
            missing = [c for c in DATA_TABLE_COLUMNS if c not in header]
            if missing:
                raise problem(
                    table,
                    "invalid_data_table",
                    f"expected columns {list(DATA_TABLE_COLUMNS)}, missing {missing}",
                    line=1,
                    figid=figid,
                )
            org, sym, eid = (header.index(c) for c in DATA_TABLE_COLUMNS)
            src = header.index("source") if "source" in header else None
            term = header.index("match") if "match" in header else None
            items: list[TableRow] = []
            for lineno, row in enumerate(rows, start=2):
                if not row:
                    continue
                if len(row) != len(header):
                    shown = "<TAB>".join(row)
                    detail = f"expected {len(header)} fields, got {len(row)}: {shown!r}"
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
    except UnicodeDecodeError as exc:
        raise problem(
            table, "invalid_data_table", f"not UTF-8 text ({exc.reason})", figid=figid
        ) from None
    return items
