"""Data files shipped inside the package (``pfocr_enrich/data``)."""

from __future__ import annotations

import gzip
import io
from importlib import resources

import pandas as pd


def _packaged_bytes(name: str) -> bytes:
    raw = resources.files("pfocr_enrich").joinpath("data").joinpath(name).read_bytes()
    return gzip.decompress(raw)


def read_packaged_tsv(name: str) -> pd.DataFrame:
    """A gzipped TSV from ``pfocr_enrich/data``, every cell a string ('' where empty)."""
    # keep_default_na=False: the alias "NaN" (SCN11A) is a gene name, not a missing value.
    return pd.read_csv(
        io.BytesIO(_packaged_bytes(name)), sep="\t", dtype=str, keep_default_na=False
    )


def read_packaged_columns(name: str) -> dict[str, list[str]]:
    """The columns of a packaged TSV as lists of strings, read without pandas.

    The same cells as :func:`read_packaged_tsv` for tables without quote characters
    (the identifier tables; a test compares the two), in a third of the time: the
    mapper wants plain lists, and pandas' parser plus ``tolist`` was ~0.2 s of a
    ``pfocr-enrich genes.txt`` run.
    """
    text = _packaged_bytes(name).decode("utf-8").replace("\r\n", "\n").rstrip("\n")
    head, _, body = text.partition("\n")
    header = head.split("\t")
    width, n_rows = len(header), body.count("\n") + 1 if body else 0
    # One flat split, then every width-th cell: no list per row (the row lists, and the
    # collections they set off, made a per-row reader slower than pandas).
    cells = body.replace("\n", "\t").split("\t") if body else []
    if len(cells) != width * n_rows:  # packaged data: a broken file is our bug
        msg = f"{name}: {len(cells)} cells in {n_rows} rows, expected {width} per row"
        raise ValueError(msg)
    return {col: cells[i::width] for i, col in enumerate(header)}
