"""The figures of ranked-list results carry the result's numbers: the running sum peaks at ES,
one tick per member, the cutoff curve peaks at the mHG statistic, the dot plot is ordered by NES.

Real data: fgsea's example ranking (12,000 mouse genes, t statistic) and mouse Reactome,
restricted to sets of 100-200 genes with a coarse eps so that the run takes about a second.
"""

from __future__ import annotations

import base64
import io
import re

import numpy as np
import pytest

import pfocr_enrich as pe
from conftest import DATA

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.image as mpimg  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

RANKED = DATA / "ranked"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def gs(rnk, reactome):
    return pe.gsea(rnk, reactome, min_size=100, max_size=200, eps=1e-3)


@pytest.fixture(scope="module")
def mh(rnk, reactome):
    return pe.mhg(rnk, reactome, min_size=100, max_size=200)


def _ticks(ax) -> np.ndarray:
    """The x positions of the member ticks drawn in the panel below ``ax``."""
    panel = ax.figure.axes[1]
    (ticks,) = [c for c in panel.collections if len(c.get_segments()) > 1]
    return np.array([seg[0][0] for seg in ticks.get_segments()])


def test_running_sum_is_the_three_panel_gsea_figure(gs, rnk, reactome, tmp_path):
    table = gs.table.set_index("set_id")
    up = table[table["es"] > 0].index[0]
    down = table[table["es"] < 0].index[0]
    for set_id in (up, down):
        row = table.loc[set_id]
        ax = gs.plot.running_sum(set_id)
        top, members, metric = ax.figure.axes
        assert top is ax and members.get_shared_x_axes().joined(top, members)
        walk = ax.lines[0].get_ydata()
        assert len(walk) == 12_001 and walk[0] == 0.0  # from 0 before rank 1
        extreme = walk.max() if row["es"] > 0 else walk.min()
        assert extreme == pytest.approx(row["es"], abs=1e-12)
        es_line = [ln for ln in ax.lines[1:] if ln.get_linestyle() == "--"]
        assert es_line and es_line[0].get_ydata()[0] == pytest.approx(row["es"])
        # one tick per member in the ranking, at the members' ranks
        ranks = gs.mapping.set_index("mapped_to")["rank"]
        expected = np.sort(ranks[list(set(reactome[set_id]) & set(ranks.index))].to_numpy(float))
        assert len(_ticks(ax)) == row["size"]
        np.testing.assert_array_equal(np.sort(_ticks(ax)), expected)
        # the metric: scores in decreasing order, from the top score down
        assert metric.get_ylabel() == "ranking\nmetric" and len(metric.collections) == 2
        lo, hi = metric.get_ylim()
        assert lo <= rnk.min() and hi >= rnk.max()
        assert ax.get_title(loc="left") == pe.plot.set_labels(table.loc[[set_id]].reset_index())[0]
        assert f"NES {row['nes']:.2f}" in ax.get_title(loc="right")
        ax.figure.savefig(tmp_path / f"{set_id}.png")


def test_running_sum_from_the_result_equals_the_rebuilt_walk(gs, rnk, reactome):
    set_id = gs.table["set_id"].iloc[3]
    kept = gs.plot.running_sum(set_id).lines[0].get_ydata()
    rebuilt = pe.plot.running_sum(gs, set_id, ranking=rnk, library=reactome).lines[0].get_ydata()
    np.testing.assert_array_equal(kept, rebuilt)


def test_running_sum_draws_inside_a_given_axes(gs):
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    ax = pe.plot.running_sum(gs, gs.table["set_id"].iloc[0], ax=right)
    assert not right.axison and ax in right.child_axes and len(right.child_axes) == 3
    assert left.axison


def test_cutoff_curve_peaks_at_the_mhg_statistic(mh):
    row = mh.table.iloc[0]
    ax = mh.plot.cutoffs(row["set_id"])
    assert len(ax.figure.axes) == 3  # a scored ranking: the metric panel too
    curve = ax.lines[0]
    y = curve.get_ydata()
    assert np.nanmax(y) == pytest.approx(-row["log10_mhg"], rel=1e-9)
    assert int(np.nanargmax(y)) + 1 == row["cutoff"]
    marker = [ln for ln in ax.lines if ln.get_marker() == "o"][0]
    assert marker.get_xdata()[0] == row["cutoff"]
    assert len(_ticks(ax)) == row["size"]
    assert int(np.sum(_ticks(ax) <= row["cutoff"])) == row["hits"]
    assert (
        f"best cutoff {int(row['cutoff']):,}: {int(row['hits'])} of {int(row['size'])}"
        in "".join(t.get_text() for t in ax.texts)
    )


def test_cutoff_curve_of_a_plain_list_respects_x_and_l():
    genes = [f"toy{i}" for i in range(40)]
    lib = pe.GeneSetLibrary.from_dict({"s": ["toy0", "toy5", "toy6", "toy30"]})
    res = pe.mhg(genes, lib, X=2, L=20)
    ax = res.plot.cutoffs("s")
    assert len(ax.figure.axes) == 2  # no scores: no metric panel
    y = ax.lines[0].get_ydata()
    assert len(y) == 20 and np.isnan(y[:5]).all() and np.isfinite(y[5:]).all()  # X = 2 from rank 6
    assert np.nanmax(y) == pytest.approx(-res.table.loc[1, "log10_mhg"], rel=1e-12)


def test_gsea_dot_plot_is_ordered_by_nes(gs):
    ax = gs.plot.dot(top=12)
    rows = gs.top(12).table.sort_values("nes", ascending=False, kind="stable")
    (points,) = ax.collections
    np.testing.assert_array_equal(points.get_offsets()[:, 0], rows["nes"].to_numpy())
    labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
    assert labels == pe.plot.set_labels(rows)
    sizes = points.get_sizes()
    edge = rows["leading_edge"].str.count(";").to_numpy() + 1
    assert (np.argsort(sizes, kind="stable") == np.argsort(edge, kind="stable")).all()
    assert ax.get_xlabel() == "normalized enrichment score (NES)"
    text = "\n".join(t.get_text() for t in ax.figure.findobj(matplotlib.text.Text))
    assert "leading edge" in text and "\u2212log10 FDR" in text
    lo, hi = ax.get_xlim()
    if (rows["nes"] < 0).any() and (rows["nes"] > 0).any():
        assert lo == pytest.approx(-hi)


def test_mhg_dot_plot_shows_fold_enrichment_above_the_cutoff(mh):
    ax = pe.plot.dot(mh, top=5)
    rows = mh.top(5).table
    (points,) = ax.collections
    fold = (rows["hits"] / rows["cutoff"]) / (rows["size"] / 12_000)
    np.testing.assert_allclose(points.get_offsets()[:, 0], fold.to_numpy(), rtol=1e-12)
    assert ax.get_xscale() == "log" and "best cutoff" in ax.get_xlabel()


def test_plots_say_what_they_draw(gs, mh, res):
    with pytest.raises(ValueError, match="bar draws over-representation results; for a gsea"):
        gs.plot.bar()
    with pytest.raises(ValueError, match="dot_matrix draws over-representation results"):
        pe.plot.dot_matrix(mh)
    with pytest.raises(ValueError, match="running_sum draws a result of pfocr_enrich.gsea"):
        pe.plot.running_sum(res, res.table["set_id"].iloc[0])
    with pytest.raises(ValueError, match="cutoffs draws a result of pfocr_enrich.mhg"):
        gs.plot.cutoffs(gs.table["set_id"].iloc[0])
    with pytest.raises(ValueError, match="set 'nope' is not in the result's table"):
        gs.plot.running_sum("nope")
    assert repr(gs.plot) == "<plots of an EnrichmentResult: dot(), running_sum(set_id)>"
    assert repr(mh.plot) == "<plots of an EnrichmentResult: dot(), cutoffs(set_id)>"


def test_report_embeds_the_dot_plot_and_the_best_curve(gs, mh):
    for result, curve in ((gs, "running sum"), (mh, "cutoff curve")):
        page = result.to_html(top=5)
        alts = re.findall(r'<img class="plot" alt="([^"]+)"', page)
        best = result.table["set_id"].iloc[0]
        assert alts == ["dot plot of the top sets", f"{curve} of the best set, {best}"]
        for encoded in re.findall(r'src="data:image/png;base64,([^"]+)"', page):
            pixels = mpimg.imread(io.BytesIO(base64.b64decode(encoded)))
            assert pixels.shape[0] > 300 and pixels[..., :3].std() > 0.05
