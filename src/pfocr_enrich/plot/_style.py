"""What every plot of this folder shares: lazy matplotlib, labels, dots, colour bar, legend.

Private to :mod:`pfocr_enrich.plot` (other folders use the public functions of
its ``__init__``). Results are read by duck typing through their public API
(``table``, ``params``, ``mapping``, ``top``, ...): this layer never imports results.
"""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._util.validation import param_error

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..results import EnrichmentResult

MISSING_MATPLOTLIB = 'pfocr_enrich.plot needs matplotlib: pip install "pfocr_enrich[plot]"'
LABEL_WIDTH = 42  # characters per label line
LABEL_LINES = 2
CMAP = "viridis"
TINY = np.finfo(float).tiny


def matplotlib() -> Any:
    """The matplotlib module, or an ImportError saying how to install it."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError(MISSING_MATPLOTLIB) from exc
    return matplotlib


def axes(ax: Axes | None, figsize: tuple[float, float]) -> Axes:
    """``ax``, or the Axes of a new pyplot figure of ``figsize``."""
    if ax is not None:
        return ax
    matplotlib()
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def label(text: str, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """Wrap a long title onto at most ``lines`` lines, ending with an ellipsis when cut.

    Examples
    --------
    >>> label("a " * 30, width=20, lines=1)
    'a a a a a a a a a a…'
    """
    wrapped = textwrap.wrap(text, width=width, break_long_words=True) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "\u2026"
    return "\n".join(wrapped)


def set_labels(table: pd.DataFrame) -> list[str]:
    """A readable name per row: the figure title, else the paper title, else the set id.

    Examples
    --------
    >>> set_labels(pd.DataFrame({"set_id": ["a", "b"], "title": ["IFN  signalling", ""]}))
    ['IFN signalling', 'b']
    """
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


def tick_labels(rows: Any) -> list[str]:
    """Wrapped titles; titles shared by several rows get the set id on a second line."""
    names = set_labels(rows)
    counts = {n: names.count(n) for n in names}
    out = []
    for name, set_id in zip(names, rows["set_id"].astype(str), strict=True):
        if counts[name] > 1 and name != set_id:
            out.append(label(name, lines=1) + "\n" + label(set_id.split("__")[-1], lines=1))
        else:
            out.append(label(name))
    return out


def check_result(result: object, func: str) -> None:
    """Plots read results through their public API; this layer never imports results."""
    needed = ("table", "is_batch", "top", "hits", "params")
    if not all(hasattr(type(result), name) for name in needed):
        raise param_error(func, "result", "an EnrichmentResult", result, error=TypeError)


def one_query(
    result: EnrichmentResult, query: str | None, func: str
) -> tuple[EnrichmentResult, str | None]:
    """The result to draw and its query name: a batch result must name one ``query``."""
    check_result(result, func)
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


def analysis(result: Any) -> str:
    """The analysis a result comes from: ``"ora"`` unless its params say otherwise."""
    return str(result.params.get("analysis", "ora"))


def neg_log10(values: np.ndarray) -> np.ndarray:
    """−log10 of p-values, with 0 drawn as the smallest positive float."""
    values = np.asarray(values, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.log10(np.maximum(values, TINY))


def empty(ax: Axes, message: str) -> Axes:
    """An Axes saying why nothing is drawn."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color="0.4")
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def size_scale(k: np.ndarray, kmax: float) -> np.ndarray:
    """Marker areas for counts ``k`` (the largest count ``kmax`` is the biggest dot)."""
    return 25.0 + 200.0 * np.asarray(k, dtype=float) / max(kmax, 1.0)


def fdr_dots(ax: Axes, x: np.ndarray, y: np.ndarray, k: np.ndarray, fdr: np.ndarray) -> Any:
    """One dot per row at (x, y): area from the counts ``k``, colour −log10 FDR (grey: NaN)."""
    mpl = matplotlib()
    color = neg_log10(fdr)
    finite = color[np.isfinite(color)]
    vmax = max(float(finite.max()), 1.0) if finite.size else 1.0
    return ax.scatter(
        x,
        y,
        s=size_scale(k, k.max()),
        c=color,
        cmap=mpl.colormaps[CMAP].with_extremes(bad="0.75"),
        vmin=0.0,
        vmax=vmax,
        edgecolors="0.2",
        linewidths=0.5,
        zorder=3,
        plotnonfinite=True,
    )


def size_legend(ax: Axes, kmax: int, anchor_ax: Axes, title: str = "overlap") -> None:
    """A legend of dot sizes (1 .. ``kmax``) below ``anchor_ax`` (the colour bar)."""
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
            markersize=math.sqrt(float(size_scale(np.array([v]), kmax)[0])),
        )
        for v in values
    ]
    anchor_ax.legend(
        handles,
        [str(v) for v in values],
        title=title,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.06),
        frameon=False,
        labelspacing=1.1,
        borderaxespad=0,
        handletextpad=0.8,
        fontsize="small",
        title_fontsize="small",
    )


def colorbar(ax: Axes, mappable: Any) -> Any:
    """The −log10 FDR colour bar beside ``ax``."""
    cbar = ax.figure.colorbar(mappable, ax=ax, shrink=0.45, anchor=(0.0, 1.0), pad=0.02, aspect=12)
    cbar.set_label("\u2212log10 FDR", fontsize="small")
    cbar.ax.tick_params(labelsize="small")
    return cbar


def set_rows(ax: Axes, rows: Any) -> None:
    """One labelled row per set, the first at the top."""
    y = np.arange(len(rows))
    ax.set_yticks(y)
    ax.set_yticklabels(tick_labels(rows), fontsize="small")
    ax.set_ylim(len(rows) - 0.5, -0.5)


def plain_log_ticks(ax: Axes) -> None:
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
