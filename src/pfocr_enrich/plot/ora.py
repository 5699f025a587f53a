"""Plots of over-representation results: dot plot, bar chart and dot matrix.

>>> import io, pfocr_enrich as pe
>>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.sample_library())
>>> ax = res.plot.dot(top=10)
>>> ax.figure.savefig(io.BytesIO(), format="png")  # the caller saves or shows
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._util.validation import check_int
from ._style import (
    analysis,
    axes,
    check_result,
    colorbar,
    empty,
    fdr_dots,
    neg_log10,
    one_query,
    plain_log_ticks,
    set_rows,
    size_legend,
    tick_labels,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..results import EnrichmentResult

__all__ = ["bar", "dot", "dot_matrix", "matrix_rows"]


def _ora_only(result: EnrichmentResult, func: str) -> None:
    check_result(result, func)
    if analysis(result) != "ora":
        raise ValueError(
            f"{func} draws over-representation results; for a {analysis(result)} result use "
            "res.plot.dot() or res.plot.running_sum(set_id)."
        )


def _top_rows(result: EnrichmentResult, top: int, func: str) -> pd.DataFrame:
    top = check_int(top, func=func, param="top", min=1)
    return result.hits().top(top).table


def dot(
    result: EnrichmentResult, *, top: int = 20, ax: Axes | None = None, query: str | None = None
) -> Axes:
    """Dot plot of the top sets: fold enrichment against figure title.

    Dot size is the overlap k, colour is −log10 FDR (grey where FDR is NaN);
    rows with no overlap are left out. Long titles are wrapped and shortened.

    Parameters
    ----------
    result : EnrichmentResult
        A result; for a batch pass ``query``.
    top : int, default 20
        Number of best-ranked sets.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure sized to the rows.
    query : str, optional
        The query to draw from a batch result.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.sample_library())
    >>> ax = pe.plot.dot(res, top=5)
    >>> len(ax.get_yticklabels()), ax.get_xlabel()
    (5, 'fold enrichment (log scale)')
    """
    check_result(result, "dot")
    if analysis(result) != "ora":  # preranked GSEA or mHG: their own dot plot
        from .ranked import ranked_dot

        return ranked_dot(result, top=top, ax=ax, query=query)
    one, name = one_query(result, query, "dot")
    rows = _top_rows(one, top, "dot")
    ax = axes(ax, (8.5, 1.4 + 0.42 * max(len(rows), 3)))
    if rows.empty:
        return empty(ax, "no set overlaps the query")
    k = rows["overlap"].to_numpy(dtype=float)
    fdr = rows["fdr"].to_numpy(dtype=float) if "fdr" in rows else np.full(len(rows), np.nan)
    fold = rows["fold_enrichment"].to_numpy(dtype=float)
    sc = fdr_dots(ax, fold, np.arange(len(rows)), k, fdr)
    ax.set_xscale("log")
    set_rows(ax, rows)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.grid(axis="y", color="0.95", zorder=0)
    ax.set_xlabel("fold enrichment (log scale)")
    ax.set_xlim(float(fold.min()) / 1.35, float(fold.max()) * 1.35)
    plain_log_ticks(ax)
    title = f"Top {len(rows)} PFOCR figures" + (f" \u2014 {name}" if name else "")
    ax.set_title(title, loc="left", fontsize="medium")
    cbar = colorbar(ax, sc)
    size_legend(ax, int(k.max()), cbar.ax)
    return ax


def bar(
    result: EnrichmentResult,
    *,
    top: int = 20,
    ax: Axes | None = None,
    query: str | None = None,
    alpha: float | None = 0.05,
) -> Axes:
    """Horizontal bars of −log10 FDR for the top sets, labelled with overlap k/M.

    Parameters
    ----------
    result : EnrichmentResult
        A result; for a batch pass ``query``.
    top : int, default 20
        Number of best-ranked sets.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure sized to the rows.
    query : str, optional
        The query to draw from a batch result.
    alpha : float or None, default 0.05
        Draw a dashed line at −log10 ``alpha``.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.sample_library())
    >>> ax = res.plot.bar(top=5)
    >>> ax.get_xlabel()
    '−log10 FDR'
    """
    _ora_only(result, "bar")
    one, name = one_query(result, query, "bar")
    rows = _top_rows(one, top, "bar")
    ax = axes(ax, (8.5, 1.4 + 0.42 * max(len(rows), 3)))
    if rows.empty:
        return empty(ax, "no set overlaps the query")
    y = np.arange(len(rows))
    value = neg_log10(rows["fdr"].to_numpy(dtype=float))
    value = np.where(np.isfinite(value), value, 0.0)
    ax.barh(y, value, color="#4C72B0", height=0.7, zorder=3)
    for yi, v, k, m in zip(y, value, rows["overlap"], rows["set_size"], strict=True):
        ax.text(v, yi, f" {k}/{m}", va="center", ha="left", fontsize="x-small", color="0.25")
    if alpha is not None and 0 < alpha < 1:
        ax.axvline(-math.log10(alpha), color="0.4", linestyle="--", linewidth=1, zorder=4)
        ax.text(
            -math.log10(alpha), -0.6, f" FDR {alpha}", fontsize="x-small", color="0.4", va="bottom"
        )
    ax.set_yticks(y)
    ax.set_yticklabels(tick_labels(rows), fontsize="small")
    ax.set_ylim(len(rows) - 0.5, -0.9)
    ax.set_xlim(0, max(float(value.max()), 1.0) * 1.15)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.set_xlabel("\u2212log10 FDR")
    title = f"Top {len(rows)} PFOCR figures (bar label: overlap / set size)" + (
        f" \u2014 {name}" if name else ""
    )
    ax.set_title(title, loc="left", fontsize="medium")
    return ax


def matrix_rows(
    result: EnrichmentResult, top: int, queries: Sequence[str] | None
) -> tuple[list[str], pd.DataFrame, list[str]]:
    """Queries shown, the (set, query) rows with overlap among the chosen sets, and the set order."""
    _ora_only(result, "dot_matrix")
    check_int(top, func="dot_matrix", param="top", min=1)
    single = not result.is_batch
    names = [str(result.params.get("query_name", "query"))] if single else result.queries  # type: ignore[attr-defined]
    if queries is not None:
        wanted = [str(q) for q in queries]
        unknown = [q for q in wanted if q not in names]
        if unknown or not wanted:
            raise ValueError(
                f"The 'queries' parameter of dot_matrix must list queries of the result "
                f"(e.g. {names[:5]}). Got {unknown or wanted!r} instead."
            )
        names = wanted
    # Only the rows drawn are built: the best `top` hits of each query, then every hit of their sets.
    hits = result.hits(queries=None if single else names)
    set_ids = pd.unique(hits.top(int(top)).table["set_id"])
    rows = hits.hits(set_ids=set_ids).table
    if single:
        rows = rows.assign(query=names[0])
    key = "log10_pvalue" if "log10_pvalue" in rows else "pvalue"
    best = rows.groupby("set_id")[key].min()
    order = sorted(set_ids, key=lambda s: (best[s], s))
    return names, rows, order


def dot_matrix(
    result: EnrichmentResult,
    *,
    top: int = 10,
    ax: Axes | None = None,
    queries: Sequence[str] | None = None,
) -> Axes:
    """Sets x queries: the union of each query's top sets, one column per query.

    Dot size is the overlap k, colour −log10 FDR; no dot where a set does not
    overlap that query (or was filtered out). Rows are ordered by their best
    p-value over the queries.

    Parameters
    ----------
    result : EnrichmentResult
        A batch result from :func:`pfocr_enrich.enrich_many` (a single result
        gives one column).
    top : int, default 10
        Best-ranked sets taken from each query.
    ax : matplotlib Axes, optional
        Where to draw; default a new figure sized to the matrix.
    queries : sequence of str, optional
        The queries (columns) to show, in this order; default all.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> many = pe.enrich_many({"ifn": ["IRF3", "MAVS", "TBK1", "IFNB1"], "nfkb": ["NFKB1", "RELA", "IKBKB", "TNF"]},
    ...                       pe.sample_library())
    >>> ax = many.plot.dot_matrix(top=5)
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['ifn', 'nfkb']
    """
    names, rows, order = matrix_rows(result, top, queries)
    ax = axes(ax, (4.6 + 0.7 * len(names), 1.6 + 0.38 * max(len(order), 3)))
    if rows.empty:
        return empty(ax, "no set overlaps any query")
    ypos = {s: i for i, s in enumerate(order)}
    xpos = {q: i for i, q in enumerate(names)}
    x = np.array([xpos[str(q)] for q in rows["query"]])
    y = np.array([ypos[s] for s in rows["set_id"]])
    k = rows["overlap"].to_numpy(dtype=float)
    sc = fdr_dots(ax, x, y, k, rows["fdr"].to_numpy(dtype=float))
    set_rows(ax, rows.drop_duplicates("set_id").set_index("set_id").loc[order].reset_index())
    ax.set_xticks(np.arange(len(names)))
    long_names = max(len(n) for n in names) > 6
    ax.set_xticklabels(
        names,
        rotation=45 if long_names else 0,
        ha="right" if long_names else "center",
        fontsize="small",
    )
    ax.set_xlim(-0.6, len(names) - 0.4)
    ax.grid(color="0.92", zorder=0)
    ax.set_xlabel("query")
    ax.set_title(f"Top {top} PFOCR figures per query", loc="left", fontsize="medium")
    cbar = colorbar(ax, sc)
    size_legend(ax, int(k.max()), cbar.ax)
    return ax
