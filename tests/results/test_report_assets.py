"""The report's style sheet and script are package data: embedded in every report, and
shipped by a (non-editable) build of the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pfocr_enrich.results.report.page import asset

ROOT = Path(__file__).parents[2]
ASSETS = ROOT / "src" / "pfocr_enrich" / "results" / "report"


def test_the_report_embeds_the_style_sheet_and_the_script(res):
    page = res.to_html(top=3, plot=False)
    css, js = asset("report.css"), asset("report.js")
    assert css == (ASSETS / "report.css").read_text(encoding="utf-8")
    assert js == (ASSETS / "report.js").read_text(encoding="utf-8")
    assert f"<style>\n{css}</style>" in page and f"<script>\n{js}</script>" in page
    assert "table.pfocr-table th[aria-sort=ascending]::after" in css and "localeCompare" in js


def test_a_build_of_the_package_ships_them(tmp_path):
    pytest.importorskip("setuptools")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(
        ROOT / "src" / "pfocr_enrich",
        tmp_path / "src" / "pfocr_enrich",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"),
    )
    # build_py collects exactly the files a wheel (pip install .) gets, from pyproject's config.
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from setuptools import setup; setup()",
            "-q",
            "build_py",
            "-d",
            "out",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    built = tmp_path / "out" / "pfocr_enrich" / "results" / "report"
    for name in ("report.css", "report.js"):
        assert (built / name).read_bytes() == (ASSETS / name).read_bytes(), name
