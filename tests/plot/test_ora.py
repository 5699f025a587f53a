"""Plots render with the Agg backend to non-empty, labelled PNGs; matplotlib stays optional."""

from __future__ import annotations

import base64
import doctest
import io
import re
import sys

import numpy as np
import pytest

import pfocr_enrich as pe

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from pfocr_enrich import plot  # noqa: E402
from pfocr_enrich.plot import _style  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _png(ax, path=None) -> np.ndarray:
    """Render the figure of ``ax``; check the PNG is non-trivial; return its pixels."""
    buf = io.BytesIO()
    ax.figure.savefig(buf, format="png", dpi=80)
    data = buf.getvalue()
    if path is not None:
        path.write_bytes(data)
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    pixels = mpimg.imread(io.BytesIO(data))
    assert pixels.shape[0] > 300 and pixels.shape[1] > 300
    assert pixels[..., :3].std() > 0.05  # not a blank canvas
    return pixels


def _texts(fig) -> str:
    """Every piece of text drawn in the figure (titles, labels, ticks, legends, colorbar)."""
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_dot_plot_is_labelled_and_ordered(res, tmp_path):
    ax = res.plot.dot(top=12)
    _png(ax, tmp_path / "dot.png")
    assert ax.get_xlabel() == "fold enrichment (log scale)"
    assert ax.get_title(loc="left") == "Top 12 PFOCR figures"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert len(labels) == 12
    table = res.table
    assert labels[0].replace("\n", " ").startswith(table["title"].iloc[0][:30])
    text = _texts(ax.figure)
    assert "\u2212log10 FDR" in text and "overlap" in text
    (points,) = ax.collections
    np.testing.assert_allclose(points.get_offsets()[:, 0], table["fold_enrichment"].head(12))
    # row 1 at the top: y grows downwards
    assert ax.get_ylim()[0] > ax.get_ylim()[1]
    colours = points.get_array()
    np.testing.assert_allclose(colours, -np.log10(table["fdr"].head(12)))


def test_dot_plot_shortens_long_titles(res):
    long_title = "A " + "very long pathway figure title about interferon signalling " * 4
    assert max(len(line) for line in _style.label(long_title).splitlines()) <= _style.LABEL_WIDTH
    assert len(_style.label(long_title).splitlines()) == 2 and _style.label(long_title).endswith(
        "\u2026"
    )
    assert _style.label("Type III IFN signaling pathway") == "Type III IFN signaling pathway"
    ax = res.plot.dot(top=20)
    for label in ax.get_yticklabels():
        lines = label.get_text().splitlines()
        assert 1 <= len(lines) <= 2 and all(len(line) <= _style.LABEL_WIDTH for line in lines)


def test_dot_plot_labels_untitled_figures_by_paper_or_id(lib):
    res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58"], lib)
    first = res.table.iloc[0]
    assert first["title"] == ""  # this figure has no title in PFOCR
    label = res.plot.dot(top=3).get_yticklabels()[0].get_text().replace("\n", " ")
    assert label.startswith(first["paper_title"][:20])


def test_plots_draw_on_a_given_axes(res):
    fig, (a, b) = plt.subplots(1, 2, figsize=(14, 6))
    assert res.plot.dot(top=5, ax=a) is a
    assert res.plot.bar(top=5, ax=b) is b
    _png(a)


def test_bar_plot(res, tmp_path):
    ax = res.plot.bar(top=8)
    _png(ax, tmp_path / "bar.png")
    assert len(ax.patches) == 8 and ax.get_xlabel() == "\u2212log10 FDR"
    widths = [p.get_width() for p in ax.patches]
    np.testing.assert_allclose(widths, -np.log10(res.table["fdr"].head(8)))
    text = _texts(ax.figure)
    first = res.table.iloc[0]
    assert f"{first['overlap']}/{first['set_size']}" in text and "FDR 0.05" in text


def test_dot_matrix_is_sets_by_queries(many, tmp_path):
    ax = many.plot.dot_matrix(top=4)
    _png(ax, tmp_path / "matrix.png")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["ifn", "nfkb", "isg"]
    table = many.table
    hits = table[table["overlap"] > 0]
    chosen = set(hits.groupby("query", observed=True).head(4)["set_id"])
    assert len(ax.get_yticklabels()) == len(chosen)
    (points,) = ax.collections
    expected = hits[hits["set_id"].isin(chosen)]
    assert len(points.get_offsets()) == len(expected)  # one dot per (set, query) with overlap
    assert ax.get_xlabel() == "query" and "Top 4 PFOCR figures per query" in ax.get_title(
        loc="left"
    )


def test_batch_dot_needs_a_query(many):
    with pytest.raises(ValueError, match="pass query="):
        many.plot.dot()
    ax = many.plot.dot(query="nfkb", top=5)
    assert ax.get_title(loc="left") == "Top 5 PFOCR figures \u2014 nfkb"
    with pytest.raises(KeyError):
        many.plot.bar(query="nope")


def test_empty_results_draw_a_message(res):
    ax = res.significant(0.0).plot.dot()
    assert "no set overlaps the query" in _texts(ax.figure)
    ax = res.significant(0.0).plot.bar()
    assert "no set overlaps the query" in _texts(ax.figure)


def test_bad_arguments(res):
    with pytest.raises(ValueError, match="'top' parameter of dot must be an int >= 1"):
        res.plot.dot(top=0)
    with pytest.raises(TypeError, match="'result' parameter of dot must be an EnrichmentResult"):
        plot.dot(res.table)


def test_missing_matplotlib_gives_a_clear_message(res, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(
        ImportError,
        match=re.escape('pfocr_enrich.plot needs matplotlib: pip install "pfocr_enrich[plot]"'),
    ):
        res.plot.dot()
    page = res.to_html(top=3)
    assert "data:image/png" not in page and 'pip install "pfocr_enrich[plot]"' in page.replace(
        "&quot;", '"'
    )


def test_report_embeds_the_dot_plot(res, many):
    page = res.to_html(top=5)
    (encoded,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    pixels = mpimg.imread(io.BytesIO(base64.b64decode(encoded)))
    assert pixels.shape[0] > 500 and pixels[..., :3].std() > 0.05
    assert "dot matrix" in many.to_html(top=3)


def test_plot_doctests_run_headless():
    attempted = 0
    for module in (plot, *(getattr(plot, m) for m in ("_style", "accessor", "ora", "ranked"))):
        result = doctest.testmod(
            module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False
        )
        assert result.failed == 0, module.__name__
        attempted += result.attempted
    assert attempted > 5


def test_dot_matrix_selected_queries(many):
    ax = many.plot.dot_matrix(top=3, queries=["isg", "ifn"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["isg", "ifn"]
    (points,) = ax.collections
    assert set(points.get_offsets()[:, 0]) <= {0.0, 1.0}
    with pytest.raises(ValueError, match="'queries' parameter of dot_matrix must list queries"):
        many.plot.dot_matrix(queries=["nope"])


def test_report_of_a_large_batch_keeps_a_readable_matrix(lib):
    genes = ["IRF3", "MAVS", "TBK1", "RELA", "NFKB1", "STAT1", "ISG15", "MX1"]
    queries = {f"q{i:02d}": genes[i % 5 : i % 5 + 3] for i in range(45)}
    page = pe.enrich_many(queries, lib).to_html(top=2)
    (encoded,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    pixels = mpimg.imread(io.BytesIO(base64.b64decode(encoded)))
    assert pixels.shape[1] < 110 * 30  # 30 query columns at most: not 45 * 0.7 inches wide
