"""The Single-cell page's Python blocks run as one session (scanpy's pbmc68k_reduced, offline)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("scanpy")

PAGE = Path(__file__).resolve().parents[1] / "docs" / "singlecell.md"


def test_singlecell_page_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the page saves its figures in the working directory
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    for block in blocks:
        exec(compile(block, "docs/singlecell.md", "exec"), namespace)
    res, adata = namespace["res"], namespace["adata"]
    assert res.params["universe_size"] == 96
    assert {"pfocr_markers", "pfocr"} <= set(adata.uns)
    assert (tmp_path / "groups_by_figure.png").stat().st_size > 0
    assert (tmp_path / "umap_figure_score.png").stat().st_size > 0
    import matplotlib.pyplot as plt

    plt.close("all")
