"""Argument checks: the checkers of _util/validation.py and the public functions that use them.

Every case: a wrong type is a TypeError, a bad value a ValueError, and the
message reads "The '<param>' parameter of <func> must be <expected>. Got <given> instead."
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import ODD, assert_wrong_type_names_it, signature_params
from pfocr_enrich._util.validation import (
    check_bool,
    check_choice,
    check_int,
    check_number_in,
    check_type,
    describe,
    param_error,
)

SHAPE = re.compile(r"^The '[\w\[\]']+' parameter of [\w.]+ must be .+\. Got .+ instead\.")


# -- the checkers ------------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, False, np.True_, np.bool_(False)])
def test_check_bool_accepts_real_bools(value):
    assert check_bool(value, func="f", param="x") is bool(value)


@pytest.mark.parametrize("value", ["no", "yes", "", 0, 1, None, 1.0, [True]])
def test_check_bool_refuses_truthy_stand_ins(value):
    with pytest.raises(TypeError, match=r"The 'x' parameter of f must be a bool \(True or False\)"):
        check_bool(value, func="f", param="x")


@pytest.mark.parametrize(
    ("value", "kwargs", "error", "expected"),
    [
        (True, {}, TypeError, "an int"),
        (1.0, {}, TypeError, "an int"),
        ("3", {}, TypeError, "an int"),
        (None, {}, TypeError, "an int"),
        (0, {"min": 1}, ValueError, "an int >= 1"),
        (11, {"min": 0, "max": 10}, ValueError, r"an int in \[0, 10\]"),
        (11, {"max": 10}, ValueError, "an int <= 10"),
        (-1, {"min": 0, "allow_none": True}, ValueError, "an int >= 0 or None"),
    ],
)
def test_check_int_refuses(value, kwargs, error, expected):
    with pytest.raises(error, match=f"The 'n' parameter of f must be {expected}. Got "):
        check_int(value, func="f", param="n", **kwargs)


def test_check_int_returns_python_ints_and_none():
    assert type(check_int(np.int32(4), func="f", param="n")) is int
    assert check_int(None, func="f", param="n", allow_none=True) is None


@pytest.mark.parametrize(
    ("value", "error"),
    [(True, TypeError), ("0.5", TypeError), (None, TypeError), (float("nan"), ValueError)],
)
def test_check_number_in_refuses_bools_text_and_nan(value, error):
    with pytest.raises(error, match=r"The 'alpha' parameter of f must be a number in \[0, 1\]"):
        check_number_in(value, 0, 1, func="f", param="alpha")


def test_check_number_in_bounds():
    assert check_number_in(np.float32(0.5), 0, 1, func="f", param="a") == 0.5
    assert check_number_in(1, 0, 1, func="f", param="a") == 1.0
    with pytest.raises(ValueError, match=r"must be a number in \(0, 1\)\. Got 1 instead"):
        check_number_in(1, 0, 1, func="f", param="a", lo_open=True, hi_open=True)
    with pytest.raises(ValueError, match="must be a number > 0. Got -2.5 instead"):
        check_number_in(-2.5, 0, None, func="f", param="a", lo_open=True)
    assert check_number_in(None, 0, 1, func="f", param="a", allow_none=True) is None


def test_check_choice_type_and_value():
    choices = (None, "gseapy", "enrichr")
    assert check_choice(None, choices, func="f", param="compat") is None
    with pytest.raises(ValueError, match="must be None or one of 'gseapy', 'enrichr'. Got 'david'"):
        check_choice("david", choices, func="f", param="compat")
    with pytest.raises(TypeError, match=r"Got 5 \(type int\) instead"):
        check_choice(5, choices, func="f", param="compat")
    with pytest.raises(TypeError, match=r"Got None instead"):
        check_choice(None, ("a", "b"), func="f", param="x")


def test_check_type_does_not_take_a_bool_for_an_int():
    assert check_type(3, int, func="f", param="x", expected="an int") == 3
    with pytest.raises(TypeError, match=r"must be an int. Got True \(type bool\) instead"):
        check_type(True, int, func="f", param="x", expected="an int")
    assert check_type(None, int, func="f", param="x", expected="an int", allow_none=True) is None


def test_messages_show_big_values_by_type_and_shape():
    assert describe(pd.DataFrame({"a": [1, 2]})) == "a DataFrame of shape (2, 1)"
    assert describe("x" * 200).endswith("…") and len(describe("x" * 200)) == 80
    error = param_error("f", "x", "an int", "no", error=TypeError)
    assert isinstance(error, TypeError)
    assert str(error) == "The 'x' parameter of f must be an int. Got 'no' (type str) instead."


# -- public functions ----------------------------------------------------------------------
LIB = pe.sample_library()
GENES = ["IRF3", "MAVS", "TBK1"]
FRAME = pd.DataFrame({"set_id": ["s", "s"], "gene": ["TP53", "MDM2"], "title": ["t", "t"]})

# (call, parameter named in the message)
WRONG_TYPES = [
    (lambda: pe.enrich("IRF3", LIB), "genes"),
    (lambda: pe.enrich(None, LIB), "genes"),
    (lambda: pe.enrich(7157, LIB), "genes"),
    (lambda: pe.enrich(np.array("TP53"), LIB), "genes"),
    (lambda: pe.enrich(pd.DataFrame({"gene": GENES}), LIB), "genes"),
    (lambda: pe.enrich(GENES, {"s": GENES}), "library"),
    (lambda: pe.enrich(GENES, LIB, background=20000.0), "background"),
    (lambda: pe.enrich(GENES, LIB, background=True), "background"),
    (lambda: pe.enrich(GENES, LIB, mapper="x"), "mapper"),
    (lambda: pe.enrich(GENES, LIB, min_size=1.5), "min_size"),
    (lambda: pe.enrich(GENES, LIB, max_size="500"), "max_size"),
    (lambda: pe.enrich(GENES, LIB, correction=None), "correction"),
    (lambda: pe.enrich(GENES, LIB, fdr_over=1), "fdr_over"),
    (lambda: pe.enrich(GENES, LIB, compat=True), "compat"),
    (lambda: pe.enrich(GENES, LIB, background_mode=None), "background_mode"),
    (lambda: pe.enrich(GENES, LIB, collapse_duplicates="no"), "collapse_duplicates"),
    (lambda: pe.enrich(GENES, LIB, resolve_aliases=1), "resolve_aliases"),
    (lambda: pe.enrich([*GENES, object()], LIB), "genes"),  # an item that is no identifier
    (lambda: pe.enrich([*GENES, b"TP53"], LIB), "genes"),
    (lambda: pe.enrich([*GENES, ["TP53"]], LIB), "genes"),
    (lambda: pe.enrich([*GENES, True], LIB), "genes"),
    (lambda: pe.enrich(GENES, LIB, background=[*GENES, {"TP53"}]), "background"),
    (lambda: pe.map_genes(GENES, universe="TP53"), "universe"),
    (lambda: pe.enrich_many([GENES], LIB), "queries"),
    (lambda: pe.enrich_many({"a": None}, LIB), "queries['a']"),
    (lambda: pe.enrich_many({"a": GENES}, LIB, alpha=True), "alpha"),
    (lambda: pe.enrich_many({"a": GENES}, LIB, alpha="0.05"), "alpha"),
    (lambda: pe.enrich(GENES, LIB).significant(True), "alpha"),
    (lambda: pe.enrich(GENES, LIB).top(2.0), "n"),
    (lambda: pe.enrich(GENES, LIB).cluster("0.5"), "threshold"),
    (lambda: pe.enrich(GENES, LIB).cluster(metric=2), "metric"),
    (lambda: pe.enrich(GENES, LIB).to_html(top=1.5), "top"),
    (lambda: pe.read_gmt("x.gmt", errors=False), "errors"),
    (lambda: pe.sample_library(name=None), "name"),
    (lambda: pe.join_metadata({"s": GENES}, LIB), "lib"),
    (lambda: pe.GeneSetLibrary.from_dict([("s", GENES)]), "gene_sets"),
    (lambda: LIB.filter(min_size=True), "min_size"),
    (lambda: LIB.filter(set_ids=3), "set_ids"),
    (lambda: LIB.filter(organisms=9606), "organisms"),
    (lambda: LIB.filter(years=True), "years"),
    (lambda: pe.GeneSetLibrary.from_dict({"s": 3}), "gene_sets"),
    (lambda: pe.GeneSetLibrary.from_dict({"s": GENES}, name=3), "name"),
    (lambda: pe.GeneSetLibrary.from_dict({"s": GENES}, info=3), "info"),
    (lambda: pe.GeneSetLibrary.from_dict({"s": GENES}, sets=3), "sets"),
    (lambda: pe.GeneSetLibrary.from_dict({"s": GENES}, load_report=[]), "load_report"),
    (
        lambda: pe.GeneSetLibrary.from_dict({"s": GENES}, normalise_symbols="no"),
        "normalise_symbols",
    ),
    (lambda: pe.GeneSetLibrary.from_frame({"set_id": ["s"], "gene": ["TP53"]}), "frame"),
    (lambda: pe.GeneSetLibrary.from_frame(FRAME, metadata_cols="title"), "metadata_cols"),
    (lambda: pe.GeneSetLibrary.from_lists("s", [GENES]), "set_ids"),
    (lambda: pe.GeneSetLibrary.from_lists(["s"], [3]), "gene_lists"),
    (lambda: pe.GeneSetLibrary.load(3), "path"),
    (lambda: LIB.save(None), "path"),
    (lambda: pe.GeneMapper.from_tables({"entrez": ["7157"], "symbol": ["TP53"]}), "genes"),
    (lambda: pe.GeneMapper.default().resolve(7157), "name"),
    (lambda: pe.GeneMapper.default().resolve("TP53", namespace=None), "namespace"),
]

BAD_VALUES = [
    (lambda: pe.enrich(np.array([GENES]), LIB), "genes"),
    (lambda: pe.enrich(GENES, LIB, background=10), "background"),
    (lambda: pe.enrich(GENES, LIB, background=2**62), "background"),
    (lambda: pe.enrich(GENES, LIB, min_size=-1), "min_size"),
    (lambda: pe.enrich(GENES, LIB, min_size=10, max_size=5), "max_size"),
    (lambda: pe.enrich(GENES, LIB, correction="fdr"), "correction"),
    (lambda: pe.enrich(GENES, LIB, fdr_over="all"), "fdr_over"),
    (lambda: pe.enrich(GENES, LIB, compat="david"), "compat"),
    (lambda: pe.enrich(GENES, LIB, background_mode="union"), "background_mode"),
    (lambda: pe.map_genes(GENES, namespace="ensembl"), "namespace"),
    (lambda: pe.enrich_many({}, LIB), "queries"),
    (lambda: pe.enrich_many(pd.DataFrame({"query": [], "gene": []}), LIB), "queries"),
    (lambda: pe.enrich_many(pd.DataFrame({"q": ["a"], "g": ["IRF3"]}), LIB), "queries"),
    (lambda: pe.enrich_many({1: GENES, "1": GENES}, LIB), "queries"),
    (lambda: pe.enrich_many({"a": GENES}, LIB, alpha=1.5), "alpha"),
    (lambda: pe.enrich_many({"a": GENES}, LIB, alpha=float("nan")), "alpha"),
    (lambda: pe.enrich(GENES, LIB).significant(-0.1), "alpha"),
    (lambda: pe.enrich(GENES, LIB).top(-1), "n"),
    (lambda: pe.enrich(GENES, LIB).cluster(0), "threshold"),
    (lambda: pe.enrich(GENES, LIB).cluster(metric="cosine"), "metric"),
    (lambda: pe.read_gmt("x.gmt", errors="ignore"), "errors"),
    (lambda: pe.sample_library(name="pfocr"), "name"),
    (lambda: LIB.filter(min_size=-1), "min_size"),
    (lambda: pe.GeneSetLibrary.from_lists(["a", "b"], [GENES]), "gene_lists"),
    (lambda: pe.GeneMapper.default().resolve("TP53", namespace="ensembl"), "namespace"),
]


def _func_of(param: str, message: str) -> str:
    found = re.match(rf"The '{re.escape(param)}' parameter of ([\w.]+) ", message)
    assert found, message
    return found.group(1)


CASES = [(call, param, TypeError) for call, param in WRONG_TYPES] + [
    (call, param, ValueError) for call, param in BAD_VALUES
]


@pytest.mark.parametrize(("call", "param", "error"), CASES)
def test_wrong_types_are_type_errors_and_bad_values_value_errors(call, param, error):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    assert _func_of(param, message)
    assert SHAPE.match(message) or "not a single string" in message, message
    other = ValueError if error is TypeError else TypeError
    assert not isinstance(info.value, other)


def test_the_function_named_is_the_one_called():
    with pytest.raises(TypeError, match="parameter of enrich_many must be"):
        pe.enrich_many({"a": GENES}, LIB, collapse_duplicates="yes")
    with pytest.raises(ValueError, match="parameter of EnrichmentResult.cluster must be"):
        pe.enrich(GENES, LIB).cluster(2)
    with pytest.raises(ValueError, match="parameter of BatchEnrichmentResult.top must be"):
        pe.enrich_many({"a": GENES}, LIB).top(-1)


# -- the sweep: every public function, every parameter, wrong types ------------------------
# Each public function of pfocr_enrich.__all__ is called with valid arguments but one, which
# gets values of a wrong type. The answer must be our own TypeError naming that parameter
# (never AttributeError, KeyError, IndexError or a numpy/pandas/os error from inside).
# The single-cell entry points (score_cells, enrich_rank_genes_groups) need an AnnData: their
# sweep is in tests/engine/test_markers.py and test_cellscores.py (the single-cell CI venv).
NOT_BOOL = [3, "yes", 1.5, None, ODD]
NOT_INT = ["3", 1.5, True, ODD]
NOT_NUMBER = ["0.5", True, ODD, [1]]
NOT_STR = [3, 1.5, True, ODD]
NOT_PATH = [3, 1.5, True, ODD]
NOT_LIBRARY = [3, "lib", {"s": GENES}, ODD, None]
NOT_MAPPER = [3, "hgnc", True, ODD]
NOT_GENES = [3, 1.5, True, ODD, None]
NOT_ORGANISM = [1.5, True, ODD, None]

RANKING = pd.Series(np.linspace(3, -3, 60), index=list(LIB.genes)[:60])
FIGURES = "tests/data/figures/sample"  # made absolute below
UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: a check that came too late would fail offline

# The options enrich and enrich_many share.
ENRICH_OPTIONS = {
    "background": [1.5, True, ODD],
    "background_mode": [*NOT_STR, None],
    "min_size": NOT_INT,
    "max_size": NOT_INT,
    "correction": [*NOT_STR, None],
    "fdr_over": [*NOT_STR, None],
    "collapse_duplicates": NOT_BOOL,
    "compat": NOT_STR,
    "resolve_aliases": NOT_BOOL,
    "organism": NOT_ORGANISM,
    "mapper": NOT_MAPPER,
}
# function -> (valid arguments, {parameter: wrong values})
SWEEP = {
    "enrich": (
        lambda tmp: ((GENES, LIB), {}),
        {
            "genes": NOT_GENES,
            "library": NOT_LIBRARY,
            **ENRICH_OPTIONS,
        },
    ),
    "enrich_many": (
        lambda tmp: (({"a": GENES},), {"library": LIB}),
        {
            "queries": [3, 1.5, True, ODD, None],
            "library": NOT_LIBRARY,
            **ENRICH_OPTIONS,
            "keep": [1.5, True, ODD],
            "alpha": NOT_NUMBER,
            "out": NOT_PATH,
            "client": [3, "tcp://x", ODD],
            "chunk_size": [*NOT_INT, None],
            "progress": NOT_BOOL,
        },
    ),
    "gsea": (
        lambda tmp: ((RANKING, LIB), {"min_size": 2, "n_perm": 10}),
        {
            "ranking": [3, 1.5, True, ODD, None, GENES],
            "library": NOT_LIBRARY,
            "min_size": [*NOT_INT, None],
            "max_size": NOT_INT,
            "weight": [*NOT_NUMBER, None],
            "eps": [*NOT_NUMBER, None],
            "seed": [*NOT_INT, None],
            "n_perm": [*NOT_INT, None],
            "sample_size": [*NOT_INT, None],
            "resolve_aliases": NOT_BOOL,
            "mapper": NOT_MAPPER,
        },
    ),
    "mhg": (
        lambda tmp: ((list(RANKING.index), LIB), {}),
        {
            "ranked_genes": [3, 1.5, True, ODD, None],
            "library": NOT_LIBRARY,
            "X": [*NOT_INT, None],
            "L": NOT_INT,
            "min_size": [*NOT_INT, None],
            "max_size": NOT_INT,
            "exact_below": NOT_NUMBER,
            "resolve_aliases": NOT_BOOL,
            "mapper": NOT_MAPPER,
        },
    ),
    "map_genes": (
        lambda tmp: ((GENES,), {}),
        {
            "genes": NOT_GENES,
            "universe": [3, 1.5, True, ODD, "IRF3"],
            "namespace": [*NOT_STR, None],
            "resolve_aliases": NOT_BOOL,
            "organism": NOT_ORGANISM,
            "mapper": NOT_MAPPER,
        },
    ),
    "read_gmt": (
        lambda tmp: ((tmp["gmt"],), {}),
        {
            "path": [*NOT_PATH, None],
            "errors": [*NOT_STR, None],
            "name": NOT_STR,
            "normalise_symbols": NOT_BOOL,
        },
    ),
    "write_gmt": (
        lambda tmp: ((LIB, tmp["out"]), {}),
        {"library": NOT_LIBRARY, "path": [*NOT_PATH, None], "description_col": NOT_STR},
    ),
    "sample_library": (lambda tmp: ((), {}), {"name": [*NOT_STR, None]}),
    "read_figures": (
        lambda tmp: ((tmp["figures"],), {"n_jobs": 1}),
        {
            "source": [*NOT_PATH, None],
            "errors": [*NOT_STR, None],
            "organism": [*NOT_STR, None],
            "name": [*NOT_STR, None],
            "mapper": NOT_MAPPER,
            "families": [*NOT_STR, None],
            "n_jobs": NOT_INT,
        },
    ),
    "load_snapshot": (
        lambda tmp: ((tmp["figures"],), {"cache_dir": tmp["cache"]}),
        {
            "folder": [*NOT_PATH, None],
            "cache_dir": NOT_PATH,
            "organism": [*NOT_STR, None],
            "errors": [*NOT_STR, None],
            "name": [*NOT_STR, None],
            "verify": [*NOT_STR, None],
            "refresh": NOT_BOOL,
        },
    ),
    "join_metadata": (
        lambda tmp: ((LIB, tmp["figures"]), {}),
        {"lib": NOT_LIBRARY, "metadata": [3, 1.5, True, ODD, None]},
    ),
    "load_pfocr": (
        lambda tmp: ((), {"cache_dir": tmp["cache"], "base_url": UNREACHABLE}),
        {
            "release": [1.5, True, ODD, None],
            "organism": [*NOT_STR, None],
            "cache_dir": NOT_PATH,
            "base_url": [*NOT_STR, None],
            "checksum": NOT_STR,
            "progress": NOT_BOOL,
            "timeout": [*NOT_NUMBER, None],
            "max_bytes": [*NOT_INT, None],
        },
    ),
    "list_releases": (
        lambda tmp: ((), {"base_url": UNREACHABLE}),
        {"base_url": [*NOT_STR, None]},
    ),
    "cached_releases": (lambda tmp: ((), {"cache_dir": tmp["cache"]}), {"cache_dir": NOT_PATH}),
    "clear_cache": (
        lambda tmp: ((), {"cache_dir": tmp["cache"]}),
        {"cache_dir": NOT_PATH, "release": [1.5, True, ODD]},  # an int is a date: 20240410
    ),
}
SINGLE_CELL = {"score_cells", "enrich_rank_genes_groups"}  # swept in tests/engine/
SWEEP_CASES = [
    pytest.param(func, param, value, id=f"{func}-{param}-{value!r}")
    for func, (_, wrong) in SWEEP.items()
    for param, values in wrong.items()
    for value in values
]


@pytest.fixture(scope="module")
def sweep_paths(tmp_path_factory):
    from pathlib import Path

    tmp = tmp_path_factory.mktemp("sweep")
    gmt = tmp / "lib.gmt"
    LIB.to_gmt(gmt)
    figures = Path(__file__).parent / "data" / "figures" / "sample"
    return {"gmt": gmt, "out": tmp / "out.gmt", "figures": figures, "cache": tmp / "cache"}


def test_the_sweep_covers_every_parameter_of_every_public_function():
    import inspect

    for name in pe.__all__:
        func = getattr(pe, name)
        if not inspect.isfunction(func) or name in SINGLE_CELL:
            continue
        assert name in SWEEP, f"{name} is public but not in SWEEP"
        assert set(SWEEP[name][1]) == signature_params(func), name


@pytest.mark.parametrize(("func", "param", "value"), SWEEP_CASES)
def test_a_wrong_type_is_our_type_error_naming_the_parameter(
    func, param, value, sweep_paths, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # a value taken for a path must not write into the repository
    args, kwargs = SWEEP[func][0](sweep_paths)
    assert_wrong_type_names_it(getattr(pe, func), func, param, value, args, kwargs)
