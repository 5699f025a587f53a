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
