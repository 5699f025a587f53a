"""Reading and writing GMT (Gene Matrix Transposed) files.

One set per line, tab-separated: set name, description, then genes. Lines are
split on tabs only: names and descriptions may contain spaces
(``PMC100003%PFOCR_2018sub%Homo sapiens``). Names may carry ``%``-separated
parts, which become columns:

* ``figid%PFOCR_20240410%Homo sapiens`` -> set_id, source_version, organism
* ``title%WikiPathways_20200210%WP4400%Homo sapiens`` -> set_id (the title),
  source_version, source_id, organism
"""

from __future__ import annotations

import gzip
import io
import logging
import os
import re
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from .._util.files import decode_error_line, gc_paused
from .._util.validation import check_bool, check_choice, check_path, check_type
from ..errors import GMTFormatError, GMTFormatWarning
from ..identifiers.vocabulary import update_gene_lists
from ..library import GeneSetLibrary
from ..library.storage import write_gmt

logger = logging.getLogger(__name__)

__all__ = ["GMT_NOTES", "read_gmt", "write_gmt"]

_ERROR_MODES = ("raise", "warn", "skip")
#: Report rows about a set that was kept (its genes renamed or collapsed), not a line left out.
GMT_NOTES = ("duplicate_genes_collapsed", "symbol_updated", "genes_merged")
# Control characters other than the tab (NUL from a damaged file, escape codes, ...).
_CONTROL = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
PFOCR_FIGURE_URL = "https://pfocr.wikipathways.org/figures/{}.html"


def _open_text(path: Path) -> IO[str]:
    # utf-8-sig: a byte order mark (as some editors write) is not part of the first set id.
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _iter_lines(path: Path, reached: list[int]) -> Iterator[tuple[int, str]]:
    """(1-based line number, line without its end-of-line) for every non-blank line.

    ``reached[0]`` is the number of the last line read, blank or not (for errors).
    """
    with _open_text(path) as fh:
        for number, line in enumerate(fh, start=1):
            reached[0] = number
            line = line.rstrip("\r\n")
            if line.strip():
                yield number, line


def _split_name(name: str) -> dict[str, str]:
    parts = [p.strip() for p in name.split("%")]
    if len(parts) == 3:
        return {"set_id": parts[0], "source_version": parts[1], "organism": parts[2]}
    if len(parts) == 4:
        return {
            "set_id": parts[0],
            "source_version": parts[1],
            "source_id": parts[2],
            "organism": parts[3],
        }
    return {"set_id": name.strip()}


def _control_character(line: str) -> str | None:
    """A message naming the first control character of a line (tabs excepted), if any."""
    found = _CONTROL.search(line)
    if found is None:
        return None
    field = line.count("\t", 0, found.start()) + 1
    return (
        f"expected text without control characters, got {found.group()!r} in field {field}: "
        f"{_shorten(line)!r}"
    )


def _shorten(line: str, limit: int = 80) -> str:
    shown = line.replace("\t", "<TAB>")
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


@gc_paused()  # building the gene lists: 120,000 sets 1.74 -> 1.2 s
def read_gmt(
    path: str | os.PathLike[str],
    *,
    errors: str = "raise",
    name: str | None = None,
    normalise_symbols: bool = True,
) -> GeneSetLibrary:
    """Read a GMT file (optionally ``.gmt.gz``) into a :class:`GeneSetLibrary`.

    Parameters
    ----------
    path : str or path-like
        The GMT file.
    errors : {"raise", "warn", "skip"}, default "raise"
        What to do with a bad line (fewer than 3 fields, a set with no genes,
        a set name seen before, a control character such as NUL): raise :class:`GMTFormatError`, or leave the
        line out, list it in ``lib.load_report`` and warn (``"warn"``) or not
        (``"skip"``).
    name : str, optional
        Library label; default the file name.
    normalise_symbols : bool, default True
        Rename previous symbols and unambiguous aliases to current symbols
        (``DDX58`` -> RIGI), one ``symbol_updated`` row per name in
        ``lib.load_report``; see :func:`pfocr_enrich.identifiers.current_symbols`.
        False keeps the names as given.

    Returns
    -------
    GeneSetLibrary
        ``sets`` has ``description``, ``title``, ``url`` and, when names carry
        ``%`` parts, ``source_version``, ``organism`` (and ``source_id``).
        Duplicate genes within a set are collapsed and counted in the report.

    Raises
    ------
    GMTFormatError
        With ``errors="raise"``, at the first bad line, naming file and line;
        with any ``errors``, when the file is not UTF-8, cannot be read (a damaged
        ``.gz`` too) or holds no set.

    Examples
    --------
    >>> import pfocr_enrich as pe, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.gmt")
    >>> _ = open(path, "w").write("fig1%PFOCR_2024%Homo sapiens\\tA title\\tTP53\\tMDM2\\n")
    >>> lib = pe.read_gmt(path)
    >>> lib.sets.loc["fig1", ["title", "organism"]].tolist()
    ['A title', 'Homo sapiens']
    """
    func = "read_gmt"
    check_path(path, func=func, param="path")
    check_choice(errors, _ERROR_MODES, func=func, param="errors")
    check_type(name, str, func=func, param="name", expected="a str or None", allow_none=True)
    normalise_symbols = check_bool(normalise_symbols, func=func, param="normalise_symbols")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_gmt: no such file: {path}")
    set_ids: list[str] = []
    gene_lists: list[list[str]] = []
    names: list[str] = []
    descriptions: list[str] = []
    report: list[dict[str, object]] = []
    first_line: dict[str, int] = {}
    reached = [0]  # the last line read, for read errors

    def bad(line_no: int, set_id: str, problem: str, detail: str) -> None:
        if errors == "raise":
            raise GMTFormatError(detail, path=path, line=line_no)
        report.append(
            {
                "file": str(path),
                "line": line_no,
                "set_id": set_id,
                "item": "",
                "problem": problem,
                "detail": detail,
            }
        )

    try:
        for line_no, line in _iter_lines(path, reached):
            fields = line.split("\t")
            control = _control_character(line)
            if control is not None:
                bad(line_no, fields[0], "control_character", control)
                continue
            if len(fields) < 3:
                bad(
                    line_no,
                    fields[0],
                    "too_few_fields",
                    f"expected >= 3 tab-separated fields (set id, description, genes), got {len(fields)}: {_shorten(line)!r}",
                )
                continue
            set_name = fields[0]
            set_id = (set_name.split("%", 1)[0] if "%" in set_name else set_name).strip()
            genes = [g for g in map(str.strip, fields[2:]) if g]
            if not set_id:
                bad(line_no, set_id, "empty_set_id", f"the set name is empty: {_shorten(line)!r}")
                continue
            if not genes:
                bad(line_no, set_id, "no_genes", f"set {set_id!r} lists no genes")
                continue
            if set_id in first_line:
                bad(
                    line_no,
                    set_id,
                    "duplicate_set_id",
                    f"set {set_id!r} was already defined on line {first_line[set_id]}",
                )
                continue
            first_line[set_id] = line_no
            set_ids.append(set_id)
            gene_lists.append(genes)
            names.append(set_name)
            descriptions.append(fields[1].strip())
    except UnicodeDecodeError as exc:
        # Text is decoded in chunks: the exact line of the bad byte comes from the bytes
        # (of a plain file; a compressed one says only that it is past the lines read).
        line = None if path.suffix == ".gz" else decode_error_line(str(path), None)
        raise GMTFormatError(f"not UTF-8 text ({exc.reason})", path=path, line=line) from exc
    except (OSError, EOFError, zlib.error) as exc:  # zlib.error: damaged gzip data
        after = f" after line {reached[0]}" if reached[0] else ""
        detail = f"cannot read the file{after} ({exc})"
        raise GMTFormatError(detail, path=path, line=reached[0] + 1) from exc
    if not set_ids:
        raise GMTFormatError("no gene sets found", path=path)
    if normalise_symbols:
        gene_lists, updates = update_gene_lists(set_ids, gene_lists)
        report += [
            {**row, "file": str(path), "line": first_line[row["set_id"]]}
            for row in updates.to_dict("records")
        ]
    info = {"source": str(path), "reader": "read_gmt", "format": "gmt"}
    lib = GeneSetLibrary.from_lists(
        set_ids,
        gene_lists,
        sets=_set_metadata(set_ids, names, descriptions),
        name=name or path.name,
        info=info,
    )
    # Repeated genes were collapsed by the CSR build; list them (with their lines) in the report.
    raw = np.fromiter((len(g) for g in gene_lists), dtype=np.int64, count=len(gene_lists))
    for i in np.flatnonzero(raw != lib.sets["size"].to_numpy()):
        report.append(
            {
                "file": str(path),
                "line": first_line[set_ids[i]],
                "set_id": set_ids[i],
                "item": "",
                "problem": "duplicate_genes_collapsed",
                "detail": f"{raw[i] - lib.sets['size'].iloc[i]} repeated gene(s)",
            }
        )
    report_frame = pd.DataFrame(
        report, columns=["file", "line", "set_id", "item", "problem", "detail"]
    )
    report_frame = report_frame.sort_values("line", kind="stable").reset_index(drop=True)
    _warn_left_out(path, report_frame, errors)
    return lib.with_load_report(report_frame)


def _set_metadata(set_ids: list[str], names: list[str], descriptions: list[str]) -> pd.DataFrame:
    """Columns from the %-separated name parts and the description, built column-wise."""
    parts = [_split_name(n) if "%" in n else None for n in names]
    columns: dict[str, list[object]] = {"source_version": [], "source_id": [], "organism": []}
    for p in parts:
        for col in columns:
            columns[col].append(None if p is None else p.get(col))
    frame = pd.DataFrame(index=pd.Index(set_ids, name="set_id", dtype=object))
    for col, values in columns.items():
        if any(v is not None for v in values):
            frame[col] = pd.Series(values, index=frame.index, dtype=object)
    is_url = [d.startswith(("http://", "https://")) for d in descriptions]
    frame["description"] = pd.Series(descriptions, index=frame.index, dtype=object)
    # WikiPathways names carry the title; PFOCR names carry the figid and describe it with the title.
    has_source_id = columns["source_id"]
    frame["title"] = pd.Series(
        [
            s if sid is not None else ("" if u else d)
            for s, sid, u, d in zip(set_ids, has_source_id, is_url, descriptions)
        ],
        index=frame.index,
        dtype=object,
    )
    versions = columns["source_version"]
    frame["url"] = pd.Series(
        [
            PFOCR_FIGURE_URL.format(s)
            if (v or "").upper().startswith("PFOCR")
            else (d if u else "")
            for s, v, u, d in zip(set_ids, versions, is_url, descriptions)
        ],
        index=frame.index,
        dtype=object,
    )
    return frame


def _warn_left_out(path: Path, report: pd.DataFrame, errors: str) -> None:
    left_out = report[~report["problem"].isin(GMT_NOTES)]
    if errors == "warn" and len(left_out):
        counts = left_out["problem"].value_counts().to_dict()
        summary = ", ".join(f"{k}: {v}" for k, v in counts.items())
        lines = ", ".join(str(x) for x in left_out["line"].head(5))
        warnings.warn(
            f"{path}: {len(left_out)} line(s) left out ({summary}; lines {lines}); see lib.load_report",
            GMTFormatWarning,
            stacklevel=3,
        )
