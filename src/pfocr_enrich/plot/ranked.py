"""Plots of ranked-list results (:func:`pfocr_enrich.gsea`, :func:`pfocr_enrich.mhg`).

* :func:`running_sum`: the classic three-panel GSEA figure of one set (running
  enrichment score with ES marked, the members as ticks, the ranking metric);
* :func:`cutoffs`: the mHG counterpart (the hypergeometric tail at every cutoff
  of the list, the best cutoff marked, the members as ticks);
* :func:`ranked_dot`: the dot plot of a GSEA result (ordered by NES) or an mHG
  result (fold enrichment above each set's best cutoff); ``pe.plot.dot`` calls it.

Both curves are redrawn from what the result keeps: its table row, its
``mapping`` (each entry's ``rank`` and ``score``) and the set's genes
(``res.set_genes(set_id)``).

>>> import pandas as pd, pfocr_enrich as pe
>>> lib = pe.GeneSetLibrary.from_dict({"up": ["toy0", "toy1", "toy3"], "down": ["toy17", "toy18", "toy19"]})
>>> res = pe.gsea(pd.Series({f"toy{i}": 10.0 - i for i in range(20)}), lib, min_size=3)
>>> ax = res.plot.running_sum("up")
>>> len(ax.figure.axes), ax.get_ylabel()
(3, 'running\\nenrichment score')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from .._util.validation import check_int
from ..identifiers import KEPT_STATUSES
from ..stats import hypergeom_logsf
from ..stats.gsea import rank_order
from ..stats.gsea import running_sum as walk_of
from ._style import (
    analysis,
    axes,
    check_result,
    colorbar,
    empty,
    fdr_dots,
    label,
    matplotlib,
    one_query,
    plain_log_ticks,
    set_labels,
    set_rows,
    size_legend,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..results import EnrichmentResult

__all__ = ["cutoffs", "draw_curve", "ranked_dot", "running_sum"]

_UP, _DOWN = "#d6604d", "#4393c3"  # positive and negative scores
_LINE = "#1a9850"  # the running sum
_MARK = "#b2182b"  # ES, the best cutoff
_PANELS = (3.0, 0.55, 1.45)  # heights: curve, member ticks, ranking metric


class _Walk(NamedTuple):
    """A set in the list its result walked: the list's scores (rank order; None for a plain
    list), the members' 0-based positions and the set's table row."""

    scores: np.ndarray | None
    n: int
    hits: np.ndarray
    row: pd.Series


def _walk(
    result: EnrichmentResult, set_id: str, func: str, ranking: Any = None, library: Any = None
) -> _Walk:
    table = result.table
    row = table[table["set_id"] == set_id]
    if row.empty:
        raise ValueError(
            f"{func}: set {set_id!r} is not in the result's table (not tested, or filtered out)."
        )
    mapping = result.mapping
    if ranking is not None:
        genes, scores, kept = _from_ranking(ranking, mapping, func)
    elif "rank" in mapping.columns:
        walked = mapping[mapping["rank"].notna()].sort_values("rank")
        genes = walked["mapped_to"].to_numpy(dtype=object)
        scores = walked["score"].to_numpy(dtype=float) if "score" in walked else None
        kept = walked["status"].isin(KEPT_STATUSES).to_numpy()
    else:
        raise ValueError(f"{func}: this result keeps no ranking; pass ranking= and library=.")
    members = set(library[set_id] if library is not None else result.set_genes(set_id))
    inside = np.fromiter((g in members for g in genes), dtype=bool, count=len(genes))
    return _Walk(scores, len(genes), np.flatnonzero(inside & kept), row.iloc[0])


def _from_ranking(ranking: Any, mapping: pd.DataFrame, func: str) -> tuple[Any, Any, Any]:
    """Genes, scores and kept flags in walk order, from the ranking given to gsea."""
    if isinstance(ranking, pd.DataFrame):
        ranking = pd.Series(ranking.iloc[:, 1].to_numpy(), index=ranking.iloc[:, 0].to_numpy())
    names = [str(x).strip() for x in ranking.index]
    scores = ranking.to_numpy(dtype=np.float64)
    keep = [i for i, x in enumerate(names) if x not in ("", "NA", "N/A", "nan", "None")]
    if len(keep) != len(mapping) or any(names[i] != x for i, x in zip(keep, mapping["input"])):
        raise ValueError(f"{func}: 'ranking' is not the ranking this result was computed from.")
    stays = (mapping["status"] != "duplicate").to_numpy()
    scores = scores[keep][stays]
    order = rank_order(scores)
    genes = mapping["mapped_to"].to_numpy(dtype=object)[stays][order]
    kept = mapping["status"].isin(KEPT_STATUSES).to_numpy()[stays][order]
    return genes, scores[order], kept


def _panels(target: Axes | Figure | None, heights: tuple[float, ...]) -> list[Axes]:
    """Stacked panels sharing x: in a new figure, in a given Figure, or inside a given Axes."""
    if target is None or not hasattr(target, "inset_axes"):
        if target is None:
            matplotlib()
            import matplotlib.pyplot as plt

            target = plt.figure(figsize=(7.5, 1.0 + 0.9 * sum(heights)), layout="constrained")
        panels = list(
            target.subplots(len(heights), 1, sharex=True, gridspec_kw={"height_ratios": heights})
        )
        engine = target.get_layout_engine()
        if engine is not None:
            engine.set(hspace=0.0, h_pad=0.0)
    else:  # inside the caller's Axes: its box is split, its own frame hidden
        target.set_axis_off()
        total, top, panels = sum(heights), 1.0, []
        for h in heights:
            top -= h / total
            share = {"sharex": panels[0]} if panels else {}
            panels.append(target.inset_axes((0.0, top, 1.0, h / total), **share))
    for upper in panels[:-1]:
        upper.tick_params(labelbottom=False)
    return panels


def _ticks(ax: Axes, hits: np.ndarray, span: tuple[float, float]) -> None:
    """The members as vertical ticks, the span that counts (leading edge, above the cutoff) shaded."""
    ax.vlines(hits + 1, 0, 1, color="black", linewidth=0.6)
    ax.axvspan(*span, color=_MARK, alpha=0.12, linewidth=0)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_ylabel(f"{len(hits):,}\nmembers", rotation=0, ha="right", va="center", fontsize="small")


def _metric(ax: Axes, scores: np.ndarray) -> None:
    """The ranking metric (scores in rank order), its zero crossing marked."""
    x = np.arange(1, len(scores) + 1)
    ax.fill_between(x, scores, 0, where=scores >= 0, color=_UP, linewidth=0, interpolate=True)
    ax.fill_between(x, scores, 0, where=scores < 0, color=_DOWN, linewidth=0, interpolate=True)
    ax.axhline(0, color="0.4", linewidth=0.5)
    below = np.flatnonzero(scores < 0)
    if len(below) and below[0] > 0:
        ax.axvline(below[0] + 0.5, color="0.3", linewidth=0.7, linestyle="--")
        right = below[0] > len(scores) / 2  # the label on the side with more room
        ax.text(
            below[0] + 0.5, 0.95, f" zero cross at {below[0]:,} ", transform=ax.get_xaxis_transform(),
            va="top", ha="right" if right else "left", fontsize="x-small", color="0.3",
        )  # fmt: skip
    ax.set_ylabel("ranking\nmetric")
    ax.set_xlabel("rank in the ordered list")


def _titles(ax: Axes, row: pd.Series, right: str) -> None:
    name = set_labels(pd.DataFrame([row]))[0]
    ax.set_title(label(name, width=52, lines=1), loc="left", fontsize=10)
    ax.set_title(right, loc="right", fontsize=8)


def draw_curve(
    result: EnrichmentResult,
    set_id: str,
    target: Axes | Figure | None = None,
    *,
    ranking: Any = None,
    library: Any = None,
) -> Axes:
    """:func:`running_sum` (GSEA) or :func:`cutoffs` (mHG), on ``target`` (Axes, Figure or None)."""
    check_result(result, "running_sum")
    kind = analysis(result)
    if kind == "mhg":
        return _draw_cutoffs(_walk(result, set_id, "cutoffs"), result.params, target)
    if kind != "gsea":
        raise ValueError(
            f"running_sum draws a result of pfocr_enrich.gsea (or mhg), not of {kind!r}."
        )
    w = _walk(result, set_id, "running_sum", ranking, library)
    weights = np.abs(w.scores) ** float(result.params["weight"])
    y = walk_of(w.hits, weights)
    es = float(w.row["es"])
    peak = int(np.argmax(y) if es >= 0 else np.argmin(y))
    top, ticks, metric = _panels(target, _PANELS)
    top.plot(np.arange(w.n + 1), np.r_[0.0, y], color=_LINE, linewidth=1.4)  # from 0 before rank 1
    top.axhline(0, color="0.5", linewidth=0.6)
    top.axhline(es, color=_MARK, linewidth=0.8, linestyle="--")
    top.axvline(peak + 1, color=_MARK, linewidth=0.8, linestyle=":")
    top.text(
        0.99, es, f"ES = {es:.3f}", transform=top.get_yaxis_transform(), ha="right",
        va="bottom" if es >= 0 else "top", color=_MARK, fontsize="small",
    )  # fmt: skip
    top.set_ylabel("running\nenrichment score")
    top.set_xlim(0, w.n)
    top.grid(axis="y", color="0.92")
    r = w.row
    _titles(top, r, f"NES {r['nes']:.2f}, p {r['pvalue']:.2g}, FDR {r['fdr']:.2g}")
    _ticks(ticks, w.hits, (0.5, peak + 1.5) if es >= 0 else (peak + 0.5, w.n + 0.5))
    _metric(metric, w.scores)
    return top


def _draw_cutoffs(w: _Walk, params: dict[str, Any], target: Axes | Figure | None) -> Axes:
    n_list, k = w.n, len(w.hits)
    last = int(params.get("L") or n_list)
    n = np.arange(1, last + 1)
    b = np.searchsorted(w.hits, n - 1, side="right")  # members among the first n
    with np.errstate(divide="ignore"):
        y = -hypergeom_logsf(b, k, n, n_list) / np.log(10)
    y = np.where(b >= int(params.get("X", 1)), y, np.nan)
    top, ticks, *rest = _panels(target, _PANELS if w.scores is not None else _PANELS[:2])
    top.plot(n, y, color=_LINE, linewidth=1.2)
    r = w.row
    cutoff, best = int(r["cutoff"]), -float(r["log10_mhg"])
    if cutoff > 0:
        top.axvline(cutoff, color=_MARK, linewidth=0.8, linestyle=":")
        top.plot([cutoff], [best], "o", color=_MARK, markersize=4)
        top.annotate(
            f"best cutoff {cutoff:,}: {int(r['hits'])} of {k} members", xy=(cutoff, best),
            xytext=(6, -4), textcoords="offset points", color=_MARK, fontsize="small", va="top",
        )  # fmt: skip
    if last < n_list:
        top.axvspan(last, n_list, color="0.9", linewidth=0)
    top.set_ylabel("\u2212log10\nhypergeometric tail")
    top.set_xlim(0, n_list)
    top.set_ylim(bottom=0)
    top.grid(axis="y", color="0.92")
    _titles(top, r, f"mHG {r['mhg']:.2g}, p {r['pvalue']:.2g}, FDR {r['fdr']:.2g}")
    _ticks(ticks, w.hits, (0.5, cutoff + 0.5))
    if rest:
        _metric(rest[0], w.scores)  # type: ignore[arg-type]
    else:
        ticks.set_xlabel("rank in the ordered list")
    return top


def running_sum(
    result: EnrichmentResult,
    set_id: str,
    *,
    ranking: Any = None,
    library: Any = None,
    ax: Axes | None = None,
) -> Axes:
    """The GSEA figure of one set of a :func:`pfocr_enrich.gsea` result.

    Three panels sharing the rank axis: the running enrichment score (from 0
    before rank 1) with ES (dashed) and its peak (dotted); the set's members as
    ticks, the leading edge shaded; the ranking metric (scores in rank order)
    with its zero crossing. The title names the figure and its NES, p-value and FDR.

    Parameters
    ----------
    result : EnrichmentResult
        A result of :func:`pfocr_enrich.gsea` (``params["analysis"] == "gsea"``);
        a result of :func:`pfocr_enrich.mhg` draws :func:`cutoffs` instead.
    set_id : str
        The set to draw (a row of ``result.table``).
    ranking, library : optional
        Not needed: the result keeps each entry's rank and score (``mapping``)
        and the set's genes. Given, the walk is rebuilt from them (the ranking
        and library given to :func:`~pfocr_enrich.gsea`).
    ax : matplotlib Axes, optional
        Where to draw: its box is split into the three panels. Default a new figure.

    Returns
    -------
    matplotlib Axes
        The running-sum panel (``ax.lines[0]`` is the walk); the other two
        share its x axis (``ax.figure.axes``).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> lib = pe.GeneSetLibrary.from_dict({"up": ["toy0", "toy1", "toy2"]})
    >>> ranking = pd.Series({f"toy{i}": 20.0 - i for i in range(20)})
    >>> res = pe.gsea(ranking, lib, min_size=3)
    >>> ax = running_sum(res, "up")
    >>> round(float(max(ax.lines[0].get_ydata())), 6), ax.get_title(loc="left")
    (1.0, 'up')
    """
    return draw_curve(result, set_id, ax, ranking=ranking, library=library)


def cutoffs(result: EnrichmentResult, set_id: str, *, ax: Axes | None = None) -> Axes:
    """The minimum-hypergeometric figure of one set of a :func:`pfocr_enrich.mhg` result.

    Top: −log10 of the hypergeometric tail HGT(n) at every cutoff n of the list
    (cutoffs with fewer than ``X`` members above them are not drawn; beyond
    ``L`` is greyed), the best cutoff marked: its height is −log10 ``mhg``.
    Middle: the members as ticks, the part above the best cutoff shaded.
    Bottom (when the list had scores): the ranking metric.

    Parameters
    ----------
    result : EnrichmentResult
        A result of :func:`pfocr_enrich.mhg`.
    set_id : str
        The set to draw (a row of ``result.table``).
    ax : matplotlib Axes, optional
        Where to draw: its box is split into the panels. Default a new figure.

    Returns
    -------
    matplotlib Axes
        The curve's panel (``ax.lines[0]`` is the curve).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> lib = pe.GeneSetLibrary.from_dict({"top": ["toy0", "toy1", "toy4"]})
    >>> res = pe.mhg([f"toy{i}" for i in range(30)], lib)
    >>> ax = cutoffs(res, "top")
    >>> best = res.table.loc[1]
    >>> int(best["cutoff"]), int(best["hits"]), round(float(np.nanmax(ax.lines[0].get_ydata())), 9)
    (5, 3, 2.608526034)
    >>> round(-float(best["log10_mhg"]), 9)  # the curve's peak is the mHG statistic
    2.608526034
    """
    check_result(result, "cutoffs")
    if analysis(result) != "mhg":
        raise ValueError(
            f"cutoffs draws a result of pfocr_enrich.mhg, not of {analysis(result)!r} "
            "(GSEA: res.plot.running_sum(set_id))."
        )
    return draw_curve(result, set_id, ax)


def ranked_dot(
    result: EnrichmentResult, *, top: int = 20, ax: Axes | None = None, query: str | None = None
) -> Axes:
    """The dot plot of a ranked-list result (called by :func:`pfocr_enrich.plot.dot`).

    GSEA: the ``top`` sets with the lowest p-values, ordered by NES (up at the
    top, down at the bottom); x = NES, dot size = leading-edge genes. mHG: the
    ``top`` sets with at least one member above their best cutoff, by p-value;
    x = fold enrichment above the cutoff, (hits / cutoff) / (size / N), dot
    size = hits. Colour: −log10 FDR.

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> lib = pe.GeneSetLibrary.from_dict({"up": ["toy0", "toy1", "toy3"], "down": ["toy17", "toy18", "toy19"]})
    >>> res = pe.gsea(pd.Series({f"toy{i}": 10.0 - i for i in range(20)}), lib, min_size=3)
    >>> ax = ranked_dot(res)
    >>> [t.get_text() for t in ax.get_yticklabels()], ax.get_xlabel()
    (['up', 'down'], 'normalized enrichment score (NES)')
    """
    one, name = one_query(result, query, "dot")
    top = check_int(top, func="dot", param="top", min=1)
    kind = analysis(one)
    rows = one.top(top).table
    if kind == "gsea":
        rows = rows[np.isfinite(rows["nes"].to_numpy(dtype=float))]
        rows = rows.sort_values("nes", ascending=False, kind="stable")
        text = rows["leading_edge"].fillna("").astype(str)
        k = np.array([len(t.split(";")) if t else 0 for t in text], dtype=float)
        x = rows["nes"].to_numpy(dtype=float)
        what, xlabel = "leading edge", "normalized enrichment score (NES)"
    elif kind == "mhg":
        rows = rows[rows["hits"].to_numpy() > 0]
        k = rows["hits"].to_numpy(dtype=float)
        n_list = float(one.params["ranking_size"])
        size, cut = rows["size"].to_numpy(dtype=float), rows["cutoff"].to_numpy(dtype=float)
        x = (k / cut) / (size / n_list)
        what, xlabel = "above cutoff", "fold enrichment above the best cutoff (log scale)"
    else:
        raise ValueError(f"dot draws results of enrich, gsea or mhg, not of {kind!r}.")
    ax = axes(ax, (8.5, 1.4 + 0.42 * max(len(rows), 3)))
    if rows.empty:
        return empty(ax, "no set to draw")
    sc = fdr_dots(ax, x, np.arange(len(rows)), k, rows["fdr"].to_numpy(dtype=float))
    set_rows(ax, rows)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.grid(axis="y", color="0.95", zorder=0)
    ax.set_xlabel(xlabel)
    if kind == "gsea":
        lo, hi = float(x.min()), float(x.max())
        if lo < 0 < hi:  # up and down: symmetric around NES 0
            lo, hi = -max(-lo, hi), max(-lo, hi)
            ax.axvline(0, color="0.35", linewidth=1.0, zorder=2)
        pad = 0.12 * max(hi - lo, 0.5)
        ax.set_xlim(lo - pad, hi + pad)
        title = f"Top {len(rows)} PFOCR figures by p-value, ordered by NES"
    else:
        ax.set_xscale("log")
        ax.set_xlim(float(x.min()) / 1.35, float(x.max()) * 1.35)
        plain_log_ticks(ax)
        title = f"Top {len(rows)} PFOCR figures (mHG)"
    ax.set_title(title + (f" \u2014 {name}" if name else ""), loc="left", fontsize="medium")
    cbar = colorbar(ax, sc)
    size_legend(ax, int(k.max()), cbar.ax, title=what)
    return ax
