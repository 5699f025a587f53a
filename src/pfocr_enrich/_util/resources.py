"""Data files shipped inside the package (``pfocr_enrich/data``)."""

from __future__ import annotations

import gzip
import io
from importlib import resources

import pandas as pd


def read_packaged_tsv(name: str) -> pd.DataFrame:
    """A gzipped TSV from ``pfocr_enrich/data``, every cell a string ('' where empty)."""
    raw = resources.files("pfocr_enrich").joinpath("data").joinpath(name).read_bytes()
    # keep_default_na=False: the alias "NaN" (SCN11A) is a gene name, not a missing value.
    return pd.read_csv(io.BytesIO(gzip.decompress(raw)), sep="\t", dtype=str, keep_default_na=False)
