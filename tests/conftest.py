"""Shared fixtures: paths to the real test data under tests/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


def read_reference(name: str) -> pd.DataFrame:
    """A tab-separated R reference table (see tests/data/reference/README.md)."""
    return pd.read_csv(DATA / "reference" / name, sep="\t")


@pytest.fixture(scope="session")
def pfocr2018_gmt() -> Path:
    return DATA / "pfocr" / "pfocr2018_4000.gmt"


@pytest.fixture(scope="session")
def pfocr2018(pfocr2018_gmt):
    import pfocr_enrich as pe

    return pe.read_gmt(pfocr2018_gmt)
