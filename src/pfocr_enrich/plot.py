"""Figures for people: dot plots, bar charts and a dot matrix of enrichment results.

matplotlib is an optional extra (``pip install "pfocr_enrich[plot]"``) and is
imported only when a plot is drawn. Every function draws on ``ax`` (a new
figure when None) and returns the Axes; nothing is shown or saved here.

>>> import pfocr_enrich as pe
>>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.sample_library())
>>> ax = res.plot.dot(top=10)
>>> ax.figure.savefig(io.BytesIO(), format="png")  # the caller saves or shows
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._util.validation import check_int, param_error

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from .results import EnrichmentResult

__all__ = ["ResultPlots", "dot", "bar", "dot_matrix"]

MISSING_MATPLOTLIB = 'pfocr_enrich.plot needs matplotlib: pip install "pfocr_enrich[plot]"'
_LABEL_WIDTH = 42  # characters per label line
_LABEL_LINES = 2
_CMAP = "viridis"
_TINY = np.finfo(float).tiny
_REPORT_QUERIES = 30  # columns of the dot matrix embedded in a batch report


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(MISSING_MATPLOTLIB) from exc
    return matplotlib


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    _matplotlib()
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _label(text: str, width: int = _LABEL_WIDTH, lines: int = _LABEL_LINES) -> str:
    """Wrap a long title onto at most ``lines`` lines, ending with an ellipsis when cut."""
    wrapped = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "\u2026"
    return "\n".join(wrapped)


def _tick_labels(rows: Any) -> list[str]:
    """Wrapped titles; titles shared by several rows get the set id on a second line."""
    names = set_labels(rows)
    counts = {n: names.count(n) for n in names}
    out = []
    for name, set_id in zip(names, rows["set_id"].astype(str), strict=True):
        if counts[name] > 1 and name != set_id:
            out.append(_label(name, lines=1) + "\n" + _label(set_id.split("__")[-1], lines=1))
        else:
            out.append(_label(name))
    return out


def _check_result(result: object, func: str) -> None:
    """Plots read results through their public API; this layer never imports results."""
    needed = ("table", "is_batch", "top", "hits", "params")
    if not all(hasattr(type(result), name) for name in needed):
        raise param_error(func, "result", "an EnrichmentResult", result, error=TypeError)


def set_labels(table: pd.DataFrame) -> list[str]:
    """A readable name per row: the figure title, else the paper title, else the set id."""
    labels = []
    for _, row in table.iterrows():
        for col in ("title", "paper_title", "description", "set_id"):
            value = row.get(col)
            if (
                isinstance(value, str)
                and value.strip()
                and not value.startswith(("http://", "https://"))
            ):
                labels.append(" ".join(value.split()))
                break
        else:
            labels.append(str(row.get("set_id", "")))
    return labels


def _one_query(
    result: EnrichmentResult, query: str | None, func: str
) -> tuple[EnrichmentResult, str | None]:
    _check_result(result, func)
    if not result.is_batch:
        if query is not None:
            raise ValueError(
                f"The 'query' parameter of {func} is only for batch results. Got {query!r} instead."
            )
        return result, None
    names = result.queries  # type: ignore[attr-defined]
    if query is None:
        if len(names) != 1:
            raise ValueError(
                f"{func} draws one query: pass query= (one of {names[:10]}), "
                "or use res.plot.dot_matrix() for every query."
            )
        query = names[0]
    return result[query], query  # type: ignore[index]


def _neg_log10(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.log10(np.maximum(values, _TINY))


def _top_rows(result: EnrichmentResult, top: int, func: str) -> Any:
    top = check_int(top, func=func, param="top", min=1)
    return result.hits().top(top).table


def _empty(ax: Axes, message: str) -> Axes:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def _size_scale(k: np.ndarray, kmax: float) -> np.ndarray:
    return 25.0 + 200.0 * np.asarray(k, dtype=float) / max(kmax, 1.0)


def _size_legend(ax: Axes, kmax: int, anchor_ax: Axes) -> None:
    values = np.unique(np.linspace(1, kmax, 4).round().astype(int)) if kmax > 1 else np.array([1])
    from matplotlib.lines import Line2D

    # Handles drawn nowhere (a scatter would add empty collections to ax); marker size is sqrt(area).
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color="0.5",
            markeredgecolor="0.2",
            markeredgewidth=0.5,
            markersize=math.sqrt(float(_size_scale(np.array([v]), kmax)[0])),
        )
        for v in values
    ]
    anchor_ax.legend(
        handles,
        [str(v) for v in values],
        title="overlap",
        loc="upper left",
        bbox_to_anchor=(0.0, -0.06),
        frameon=False,
        labelspacing=1.1,
        borderaxespad=0,
        handletextpad=0.8,
        fontsize="small",
        title_fontsize="small",
    )


def _colorbar(ax: Axes, mappable: Any) -> Any:
    cbar = ax.figure.colorbar(mappable, ax=ax, shrink=0.45, anchor=(0.0, 1.0), pad=0.02, aspect=12)
    cbar.set_label("\u2212log10 FDR", fontsize="small")
    cbar.ax.tick_params(labelsize="small")
    return cbar


def _plain_log_ticks(ax: Axes, mpl: Any) -> None:
    """Log-axis tick labels as plain numbers (20, 50, 100) rather than 2x10^1."""
    from matplotlib import ticker

    fmt = ticker.FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(fmt)
    lo, hi = ax.get_xlim()
    if hi / lo < 30:  # less than ~1.5 decades: label 2x, 3x, 5x too
        ax.xaxis.set_minor_locator(ticker.LogLocator(subs=(2.0, 3.0, 5.0)))
        ax.xaxis.set_minor_formatter(fmt)
    else:
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.tick_params(axis="x", which="minor", labelsize="small")


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
    one, name = _one_query(result, query, "dot")
    rows = _top_rows(one, top, "dot")
    ax = _axes(ax, (8.5, 1.4 + 0.42 * max(len(rows), 3)))
    if rows.empty:
        return _empty(ax, "no set overlaps the query")
    mpl = _matplotlib()
    y = np.arange(len(rows))
    k = rows["overlap"].to_numpy(dtype=float)
    color = (
        _neg_log10(rows["fdr"].to_numpy(dtype=float))
        if "fdr" in rows
        else np.full(len(rows), np.nan)
    )
    cmap = mpl.colormaps[_CMAP].with_extremes(bad="0.75")
    finite = color[np.isfinite(color)]
    vmin, vmax = (0.0, 1.0) if finite.size == 0 else (0.0, max(float(finite.max()), 1.0))
    sc = ax.scatter(
        rows["fold_enrichment"].to_numpy(dtype=float),
        y,
        s=_size_scale(k, k.max()),
        c=color,
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        edgecolors="0.2",
        linewidths=0.5,
        zorder=3,
        plotnonfinite=True,
    )
    ax.set_xscale("log")
    ax.set_yticks(y)
    ax.set_yticklabels(_tick_labels(rows), fontsize="small")
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.grid(axis="y", color="0.95", zorder=0)
    ax.set_xlabel("fold enrichment (log scale)")
    fold = rows["fold_enrichment"].to_numpy(dtype=float)
    lo, hi = float(fold.min()), float(fold.max())
    ax.set_xlim(lo / 1.35, hi * 1.35)
    _plain_log_ticks(ax, mpl)
    title = f"Top {len(rows)} PFOCR figures" + (f" \u2014 {name}" if name else "")
    ax.set_title(title, loc="left", fontsize="medium")
    cbar = _colorbar(ax, sc)
    _size_legend(ax, int(k.max()), cbar.ax)
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
    one, name = _one_query(result, query, "bar")
    rows = _top_rows(one, top, "bar")
    ax = _axes(ax, (8.5, 1.4 + 0.42 * max(len(rows), 3)))
    if rows.empty:
        return _empty(ax, "no set overlaps the query")
    y = np.arange(len(rows))
    value = _neg_log10(rows["fdr"].to_numpy(dtype=float))
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
    ax.set_yticklabels(_tick_labels(rows), fontsize="small")
    ax.set_ylim(len(rows) - 0.5, -0.9)
    ax.set_xlim(0, max(float(value.max()), 1.0) * 1.15)
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.set_xlabel("\u2212log10 FDR")
    title = f"Top {len(rows)} PFOCR figures (bar label: overlap / set size)" + (
        f" \u2014 {name}" if name else ""
    )
    ax.set_title(title, loc="left", fontsize="medium")
    return ax


def _matrix(
    result: EnrichmentResult, top: int, queries: Sequence[str] | None
) -> tuple[list[str], Any, list[str]]:
    """Queries shown, the (set, query) rows with overlap among the chosen sets, and the set order."""
    _check_result(result, "dot_matrix")
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
    names, rows, order = _matrix(result, top, queries)
    ax = _axes(ax, (4.6 + 0.7 * len(names), 1.6 + 0.38 * max(len(order), 3)))
    if rows.empty:
        return _empty(ax, "no set overlaps any query")
    mpl = _matplotlib()
    ypos = {s: i for i, s in enumerate(order)}
    xpos = {q: i for i, q in enumerate(names)}
    x = np.array([xpos[str(q)] for q in rows["query"]])
    y = np.array([ypos[s] for s in rows["set_id"]])
    k = rows["overlap"].to_numpy(dtype=float)
    color = _neg_log10(rows["fdr"].to_numpy(dtype=float))
    finite = color[np.isfinite(color)]
    vmax = max(float(finite.max()), 1.0) if finite.size else 1.0
    cmap = mpl.colormaps[_CMAP].with_extremes(bad="0.75")
    sc = ax.scatter(
        x,
        y,
        s=_size_scale(k, k.max()),
        c=color,
        cmap=cmap,
        vmin=0,
        vmax=vmax,
        edgecolors="0.2",
        linewidths=0.5,
        zorder=3,
        plotnonfinite=True,
    )
    first = rows.drop_duplicates("set_id").set_index("set_id").loc[order].reset_index()
    ax.set_yticks(np.arange(len(order)))
    ax.set_yticklabels(_tick_labels(first), fontsize="small")
    ax.set_ylim(len(order) - 0.5, -0.5)
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
    cbar = _colorbar(ax, sc)
    _size_legend(ax, int(k.max()), cbar.ax)
    return ax


class ResultPlots:
    """``res.plot``: the plots of one result (see :func:`dot`, :func:`bar`, :func:`dot_matrix`).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1"], pe.sample_library())
    >>> res.plot
    <plots of an EnrichmentResult: dot(), bar(), dot_matrix()>
    """

    def __init__(self, result: EnrichmentResult) -> None:
        self._result = result

    def __repr__(self) -> str:
        return f"<plots of an {type(self._result).__name__}: dot(), bar(), dot_matrix()>"

    def dot(self, *, top: int = 20, ax: Axes | None = None, query: str | None = None) -> Axes:
        """See :func:`pfocr_enrich.plot.dot`.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> ax = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).plot.dot(top=3)
        >>> ax.get_title(loc="left")
        'Top 3 PFOCR figures'
        """
        return dot(self._result, top=top, ax=ax, query=query)

    def bar(
        self,
        *,
        top: int = 20,
        ax: Axes | None = None,
        query: str | None = None,
        alpha: float | None = 0.05,
    ) -> Axes:
        """See :func:`pfocr_enrich.plot.bar`.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> ax = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).plot.bar(top=3)
        >>> len(ax.patches)
        3
        """
        return bar(self._result, top=top, ax=ax, query=query, alpha=alpha)

    def dot_matrix(
        self, *, top: int = 10, ax: Axes | None = None, queries: Sequence[str] | None = None
    ) -> Axes:
        """See :func:`pfocr_enrich.plot.dot_matrix`.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> many = pe.enrich_many({"a": ["IRF3", "MAVS", "TBK1"], "b": ["RELA", "NFKB1", "IKBKB"]}, pe.sample_library())
        >>> many.plot.dot_matrix(top=3).get_xlabel()
        'query'
        """
        return dot_matrix(self._result, top=top, ax=ax, queries=queries)


def figure_png(result: EnrichmentResult, *, top: int = 20, dpi: int = 110) -> bytes:
    """The report's figure (dot plot, or dot matrix for several queries) as PNG bytes, without pyplot."""
    _matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    several = result.is_batch and len(result.queries) > 1  # type: ignore[attr-defined]
    if several:
        names = result.queries[:_REPORT_QUERIES]  # type: ignore[attr-defined]
        per_query = max(2, min(10, 40 // len(names)))
        _, _, order = _matrix(result, per_query, names)
        fig = Figure(
            figsize=(4.6 + 0.7 * len(names), 1.6 + 0.38 * max(len(order), 3)), layout="constrained"
        )
    else:
        n = min(len(result.hits()), top)
        fig = Figure(figsize=(8.5, 1.4 + 0.42 * max(n, 3)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if several:
        dot_matrix(result, top=per_query, ax=ax, queries=names)
        if len(names) < len(result.queries):  # type: ignore[attr-defined]
            ax.set_title(
                f"Top {per_query} PFOCR figures per query (first {len(names)} of "
                f"{len(result.queries):,} queries)",
                loc="left",
                fontsize="medium",
            )  # type: ignore[attr-defined]
    else:
        dot(result, top=top, ax=ax)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def running_sum(
    result: EnrichmentResult,
    set_id: str,
    *,
    ranking: Any,
    library: Any,
    ax: Axes | None = None,
) -> Axes:
    """The GSEA running sum of one set of a :func:`pfocr_enrich.gsea` result, with its members.

    Parameters
    ----------
    result : EnrichmentResult
        A result of :func:`pfocr_enrich.gsea` (``params["analysis"] == "gsea"``).
    set_id : str
        The set to draw (a row of ``result.table``).
    ranking : Series or two-column DataFrame
        The ranking given to :func:`~pfocr_enrich.gsea`; it is placed in rank
        order through ``result.mapping``, as the analysis placed it.
    library : GeneSetLibrary
        The library given to :func:`~pfocr_enrich.gsea`.
    ax : matplotlib Axes, optional
        Where to draw (a new figure when None).

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> lib = pe.GeneSetLibrary.from_dict({"up": ["toy0", "toy1", "toy2"]})
    >>> ranking = pd.Series({f"toy{i}": 20.0 - i for i in range(20)})
    >>> res = pe.gsea(ranking, lib, min_size=3)
    >>> ax = running_sum(res, "up", ranking=ranking, library=lib)
    >>> round(float(max(ax.lines[0].get_ydata())), 6)
    1.0
    """
    from .stats.gsea import rank_order
    from .stats.gsea import running_sum as walk

    params = result.params
    if params.get("analysis") != "gsea":
        raise ValueError("running_sum needs a result of pfocr_enrich.gsea.")
    table = result.table
    row = table[table["set_id"] == set_id]
    if row.empty:
        raise ValueError(f"running_sum: set {set_id!r} is not in the result's table.")
    if isinstance(ranking, pd.DataFrame):
        ranking = pd.Series(ranking.iloc[:, 1].to_numpy(), index=ranking.iloc[:, 0].to_numpy())
    names = [str(x).strip() for x in ranking.index]
    scores = ranking.to_numpy(dtype=np.float64)
    keep = [i for i, x in enumerate(names) if x not in ("", "NA", "N/A", "nan", "None")]
    mapping = result.mapping
    if len(keep) != len(mapping) or any(names[i] != x for i, x in zip(keep, mapping["input"])):
        raise ValueError("running_sum: 'ranking' is not the ranking this result was computed from.")
    stays = (mapping["status"] != "duplicate").to_numpy()
    genes = mapping["mapped_to"].to_numpy(dtype=object)[stays]
    scores = scores[keep][stays]
    order = rank_order(scores)
    members = set(library[set_id])
    positions = np.flatnonzero([g in members for g in genes[order]])
    weights = np.abs(scores[order]) ** float(params["weight"])
    y = walk(positions, weights)
    x = np.arange(1, len(y) + 1)
    ax = _axes(ax, (6.4, 3.6))
    r = row.iloc[0]
    ax.plot(x, y, color="#2a7ab0", linewidth=1.2)
    ax.axhline(0, color="0.5", linewidth=0.6)
    ax.axhline(r["es"], color="#c0392b", linewidth=0.6, linestyle="--")
    low = min(float(y.min()), 0.0)
    span = max(float(y.max()) - low, 1e-9)
    ax.vlines(positions + 1, low - 0.12 * span, low - 0.04 * span, color="black", linewidth=0.5)
    ax.set_xlim(1, len(y))
    ax.set_xlabel("rank in the ranking")
    ax.set_ylabel("running enrichment score")
    title = str(r["title"]) if "title" in row.columns and str(r["title"]) else str(set_id)
    ax.set_title(_label(title, width=60, lines=1), loc="left", fontsize=10)
    ax.set_title(
        f"ES {r['es']:.3f}, NES {r['nes']:.2f}, p {r['pvalue']:.2g}", loc="right", fontsize=8
    )
    return ax
