"""The public API keeps its habits: docstrings with runnable examples, keyword-only options."""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import subprocess
import sys
import tempfile

import pytest

import pfocr_enrich as pe

# Every module of the package, so that a new module's examples run without being listed here.
MODULES = sorted(m.name for m in pkgutil.walk_packages(pe.__path__, prefix="pfocr_enrich."))
PUBLIC_CALLABLES = [
    name
    for name in pe.__all__
    if callable(getattr(pe, name)) and not isinstance(getattr(pe, name), type)
]


# Examples that run scanpy's sample data: they need the singlecell-test extra, which CI
# installs in a venv of its own (.ci/run) where they run; elsewhere without it they skip.
NEEDS_SCANPY = {
    "pfocr_enrich.engine.cellscores",
    "pfocr_enrich.engine.markers",
    "pfocr_enrich.results.groups",
}


@pytest.mark.parametrize("module", MODULES)
def test_docstring_examples_run(module, tmp_path, monkeypatch):
    if module in NEEDS_SCANPY:
        pytest.importorskip("scanpy")
    # Examples write to tempfile folders: keep them inside pytest's tmp_path, not /tmp.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    mod = importlib.import_module(module)
    result = doctest.testmod(
        mod, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
    )
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
    # A fresh interpreter: this one has matplotlib loaded by the plot tests.
    # Heavy or optional modules a new process must not pay for on import; the last five must
    # not be loaded by an ordinary enrichment or the command line either (PyYAML only reads
    # figure pages; q-values evaluate their spline in numpy: scipy.interpolate alone cost
    # ~0.2 s of `pfocr-enrich genes.txt`).
    code = (
        "import logging, sys\n"
        "import pfocr_enrich\n"
        "lazy = ('matplotlib', 'requests', 'pooch', 'tqdm', 'platformdirs', 'statsmodels',\n"
        "        'yaml', 'scipy.interpolate', 'scipy.optimize', 'scipy.stats')\n"
        "heavy = sorted(m for m in lazy if m in sys.modules)\n"
        "handlers = logging.getLogger('pfocr_enrich').handlers\n"
        "assert not heavy, heavy\n"
        "assert all(isinstance(h, logging.NullHandler) for h in handlers), handlers\n"
        "assert not logging.getLogger().handlers, 'the root logger was configured'\n"
        "res = pfocr_enrich.enrich(['IFNB1', 'IRF3', 'MAVS', 'DDX58'], pfocr_enrich.sample_library())\n"
        "assert res.table['qvalue'].notna().any()\n"
        "import pfocr_enrich.cli\n"
        "heavy = sorted(m for m in lazy[-5:] if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_every_public_name_is_importable_from_the_top_package():
    for name in pe.__all__:
        assert getattr(pe, name) is not None
    assert callable(pe.plot.dot) and callable(pe.plot.dot_matrix)
