"""A result written out: CSV/TSV (in chunks when large), JSON and Excel."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .text import summary

if TYPE_CHECKING:
    from .model import EnrichmentResult

EXPORT_CHUNK = 250_000  # rows built at a time when a large result is written to CSV


def rank_column(frame: pd.DataFrame) -> pd.DataFrame:
    """The table with ``rank`` as its first column (``query`` first for a batch)."""
    frame = frame.rename_axis("rank").reset_index()
    if "query" in frame.columns:
        frame = frame[["query", *[c for c in frame.columns if c != "query"]]]
    return frame


def write_csv(res: EnrichmentResult, path: str | os.PathLike[str] | None, sep: str) -> str | None:
    """:meth:`EnrichmentResult.to_csv`: a large result goes a chunk of rows at a time, the same
    text as one table without building the whole table (a screen can hold tens of millions of
    rows). Chunks go to plain or gzip files (and strings); other compressions get one table."""
    if len(res) <= EXPORT_CHUNK or str(path).endswith((".bz2", ".zip", ".xz", ".zst")):
        return flat(res.to_frame()).to_csv(path, sep=sep, index=False)
    if path is None:
        handle: Any = io.StringIO()
    elif str(path).endswith(".gz"):
        handle = gzip.open(path, "wt", encoding="utf-8", newline="")
    else:
        handle = open(path, "w", encoding="utf-8", newline="")
    with handle if path is not None else contextlib.nullcontext(handle):
        positions = res._positions()
        for start in range(0, len(positions), EXPORT_CHUNK):
            chunk = res._rows.frame(positions[start : start + EXPORT_CHUNK])  # built on its own
            flat(rank_column(chunk)).to_csv(handle, sep=sep, index=False, header=start == 0)
        if path is None:
            return handle.getvalue()
    return None


def write_json(
    res: EnrichmentResult, path: str | os.PathLike[str] | None, indent: int | None
) -> str | None:
    """:meth:`EnrichmentResult.to_json`: summary, params, results (records) and dropped."""
    doc = {
        "summary": summary(res),
        "params": res._params,
        # floats stay exact (repr), NaN -> null
        "results": res.to_frame().to_dict(orient="records"),
        "dropped": res.dropped.to_dict(orient="records"),
    }
    text = json.dumps(jsonable(doc), indent=indent, ensure_ascii=False, allow_nan=False)
    if path is None:
        return text
    Path(path).write_text(text + "\n", encoding="utf-8")
    return None


def write_excel(res: EnrichmentResult, path: str | os.PathLike[str]) -> None:
    """:meth:`EnrichmentResult.to_excel`: sheets results, mapping and parameters."""
    try:
        import openpyxl  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            'EnrichmentResult.to_excel needs openpyxl: pip install "pfocr_enrich[excel]"'
        ) from exc
    flat_p = flat_params(res._params)
    params = pd.DataFrame({"parameter": list(flat_p), "value": list(flat_p.values())})
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        flat(res.to_frame()).to_excel(writer, sheet_name="results", index=False)
        res._mapping.to_excel(writer, sheet_name="mapping", index=False)
        params.to_excel(writer, sheet_name="parameters", index=False)


def flat(frame: pd.DataFrame) -> pd.DataFrame:
    """Tuples and lists joined by ';' for flat formats (CSV, Excel)."""
    out = frame.copy()
    for col in out.columns:
        if (
            out[col].dtype == object
            and out[col].map(lambda v: isinstance(v, (tuple, list, frozenset, set))).any()
        ):
            out[col] = out[col].map(
                lambda v: (
                    ";".join(map(str, v)) if isinstance(v, (tuple, list, frozenset, set)) else v
                )
            )
    return out


def flat_params(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested params as ``{"a.b": "value"}`` (None as '')."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if isinstance(value, Mapping):
            out.update(flat_params(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = "" if value is None else str(value)
    return out


def jsonable(value: Any) -> Any:
    """Plain JSON values: numpy scalars as Python numbers, NaN and NA as None."""
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if not math.isfinite(value) else float(value)
    if value is None or isinstance(value, str):
        return value
    if value is pd.NA:
        return None
    return str(value)


class Exporting:
    """File exports of an :class:`~pfocr_enrich.results.EnrichmentResult`."""

    def to_frame(self: EnrichmentResult) -> pd.DataFrame:
        """The table as a plain DataFrame with ``rank`` as a column (``query`` first for a batch).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).to_frame().columns[:3].tolist()
        ['rank', 'set_id', 'title']
        """
        return rank_column(self._table)

    def to_csv(
        self: EnrichmentResult,
        path: str | os.PathLike[str] | None = None,
        *,
        sep: str | None = None,
    ) -> str | None:
        """Write :meth:`to_frame`; tab-separated for ``.tsv``/``.txt`` paths, comma otherwise.

        Tuples (``members``) are joined by ``;``; compression follows the
        extension (``.gz``); large results are written a chunk of rows at a time.
        With ``path=None`` the text is returned.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> text = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).top(2).to_csv()
        >>> text.splitlines()[0][:32]
        'rank,set_id,title,overlap,set_si'
        """
        if sep is None:
            sep = "\t" if str(path).endswith((".tsv", ".txt", ".tsv.gz", ".txt.gz")) else ","
        return write_csv(self, path, sep)

    def to_tsv(self: EnrichmentResult, path: str | os.PathLike[str] | None = None) -> str | None:
        """Write :meth:`to_frame` as tab-separated values (see :meth:`to_csv`).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich(["IRF3", "MAVS"], pe.sample_library()).top(1).to_tsv().count("\\t") > 10
        True
        """
        return self.to_csv(path, sep="\t")

    def to_json(
        self: EnrichmentResult,
        path: str | os.PathLike[str] | None = None,
        *,
        indent: int | None = 1,
    ) -> str | None:
        """Write a JSON document: ``summary``, ``params``, ``results`` (records), ``dropped``.

        Missing values become ``null``; returned as a string when ``path`` is None.

        Examples
        --------
        >>> import json, pfocr_enrich as pe
        >>> doc = json.loads(pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).top(2).to_json())
        >>> sorted(doc), doc["results"][0]["rank"]
        (['dropped', 'params', 'results', 'summary'], 1)
        """
        return write_json(self, path, indent)

    def to_excel(self: EnrichmentResult, path: str | os.PathLike[str]) -> None:
        """Write an Excel workbook: sheets ``results``, ``mapping`` and ``parameters``.

        Needs openpyxl (``pip install "pfocr_enrich[excel]"``).

        Examples
        --------
        >>> import pfocr_enrich as pe, tempfile, os, pandas as pd
        >>> path = os.path.join(tempfile.mkdtemp(), "res.xlsx")
        >>> pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).to_excel(path)
        >>> list(pd.read_excel(path, sheet_name=None))
        ['results', 'mapping', 'parameters']
        """
        write_excel(self, path)
