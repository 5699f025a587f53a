"""Shared fixtures: paths to the real test data under tests/data."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parent / "data"
# pandas < 3 parses floats up to 1 ulp off unless asked; pandas 3 round-trips by default (and deprecates the flag).
ROUND_TRIP = {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


def read_reference(name: str) -> pd.DataFrame:
    """A tab-separated R reference table (see tests/data/reference/README.md)."""
    return pd.read_csv(DATA / "reference" / name, sep="\t", **ROUND_TRIP)


@pytest.fixture(scope="session")
def pfocr2018_gmt() -> Path:
    return DATA / "pfocr" / "pfocr2018_4000.gmt"


@pytest.fixture(scope="session")
def pfocr2018(pfocr2018_gmt):
    import pfocr_enrich as pe

    return pe.read_gmt(pfocr2018_gmt)


# Result fixtures shared by the results and plot tests: the sample library, an
# interferon-response list, and a three-query batch.
IFN = [
    "IFNB1",
    "IRF3",
    "MAVS",
    "TBK1",
    "DDX58",
    "STAT1",
    "STAT2",
    "IRF7",
    "ISG15",
    "MX1",
    "OAS1",
    "IFIT1",
    "TLR3",
    "TLR7",
    "MYD88",
    "NFKB1",
    "RELA",
    "TNF",
    "IL6",
]
QUERIES = {
    "ifn": ["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58"],
    "nfkb": ["NFKB1", "RELA", "IKBKB", "TNF", "IL6"],
    "isg": ["ISG15", "MX1", "OAS1", "IFIT1", "STAT1"],
}


@pytest.fixture(scope="session")
def reactome():
    """fgsea's example pathways (mouse Reactome), as a library."""
    import pfocr_enrich as pe

    return pe.read_gmt(DATA / "ranked" / "mouse.reactome.gmt")


@pytest.fixture(scope="session")
def rnk() -> pd.Series:
    """fgsea's example ranking (naive vs Th1 t statistics), gene -> score."""
    frame = pd.read_csv(DATA / "ranked" / "naive.vs.th1.rnk", sep="\t")
    return pd.Series(frame["t"].to_numpy(), index=frame["ID"].astype(str).to_numpy())


@pytest.fixture(scope="module")
def lib():
    import pfocr_enrich as pe

    return pe.sample_library()


@pytest.fixture(scope="module")
def res(lib):
    import pfocr_enrich as pe

    return pe.enrich(IFN, lib)


@pytest.fixture(scope="module")
def many(lib):
    import pfocr_enrich as pe

    return pe.enrich_many(QUERIES, lib)


# -- wrong-type sweeps (issue 17): tests/test_validation.py and the single-cell tests -----------
class _Odd:
    """An object of no expected type."""

    def __repr__(self) -> str:
        return "<odd>"


ODD = _Odd()
TYPE_ERROR_SHAPE = re.compile(
    r"^The '[\w\[\]']+' parameter of [\w.]+ must be .+\. Got .+ instead\."
)


def assert_wrong_type_names_it(function, func: str, param: str, value, args, kwargs) -> None:
    """``function(*args, **kwargs)`` with ``param`` set to ``value`` raises our TypeError naming it."""
    names = list(inspect.signature(function).parameters)
    args = list(args)
    if param in names and names.index(param) < len(args):
        args[names.index(param)] = value
    else:
        kwargs = {**kwargs, param: value}
    with pytest.raises(TypeError) as info:
        function(*args, **kwargs)
    message = str(info.value)
    assert TYPE_ERROR_SHAPE.match(message), message
    assert message.startswith(f"The '{param}' parameter of {func} must be "), message
    given = "None" if value is None else f"(type {type(value).__name__})"
    assert given in message, message


def signature_params(function) -> set[str]:
    """The named parameters of ``function`` (not ``*args``/``**kwargs``)."""
    kinds = (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    return {p.name for p in inspect.signature(function).parameters.values() if p.kind not in kinds}
