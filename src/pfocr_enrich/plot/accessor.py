"""``res.plot`` (:class:`ResultPlots`) and the figures embedded in the HTML report."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._style import analysis, matplotlib
from .ora import bar, dot, dot_matrix, matrix_rows
from .ranked import cutoffs, draw_curve, running_sum

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes

    from ..results import EnrichmentResult

__all__ = ["ResultPlots", "figure_png", "report_figures"]

_REPORT_QUERIES = 30  # columns of the dot matrix embedded in a batch report
_PLOTS = {
    "ora": "dot(), bar(), dot_matrix()",
    "gsea": "dot(), running_sum(set_id)",
    "mhg": "dot(), cutoffs(set_id)",
}


class ResultPlots:
    """``res.plot``: the plots of one result.

    Over-representation: :func:`~pfocr_enrich.plot.dot`, :func:`~pfocr_enrich.plot.bar`,
    :func:`~pfocr_enrich.plot.dot_matrix`; preranked GSEA: ``dot`` (by NES) and
    :func:`~pfocr_enrich.plot.running_sum`; mHG: ``dot`` and :func:`~pfocr_enrich.plot.cutoffs`.

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
        plots = _PLOTS.get(analysis(self._result), "dot()")
        return f"<plots of an {type(self._result).__name__}: {plots}>"

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

    def running_sum(self, set_id: str, *, ax: Axes | None = None) -> Axes:
        """The GSEA figure of one set: see :func:`pfocr_enrich.plot.running_sum`.

        Examples
        --------
        >>> import pandas as pd, pfocr_enrich as pe
        >>> lib = pe.GeneSetLibrary.from_dict({"up": ["toy0", "toy1", "toy2"]})
        >>> res = pe.gsea(pd.Series({f"toy{i}": 20.0 - i for i in range(20)}), lib, min_size=3)
        >>> res.plot.running_sum("up").get_xlim()
        (np.float64(0.0), np.float64(20.0))
        """
        return running_sum(self._result, set_id, ax=ax)

    def cutoffs(self, set_id: str, *, ax: Axes | None = None) -> Axes:
        """The mHG figure of one set: see :func:`pfocr_enrich.plot.cutoffs`.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> lib = pe.GeneSetLibrary.from_dict({"top": ["toy0", "toy1", "toy4"]})
        >>> pe.mhg([f"toy{i}" for i in range(30)], lib).plot.cutoffs("top").get_ylabel()
        '−log10\\nhypergeometric tail'
        """
        return cutoffs(self._result, set_id, ax=ax)


def _png(fig: Any, dpi: int) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _figure(figsize: tuple[float, float]) -> Any:
    """A Figure drawn without pyplot (no global state, no GUI backend)."""
    matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def figure_png(result: EnrichmentResult, *, top: int = 20, dpi: int = 110) -> bytes:
    """The report's main figure as PNG bytes, without pyplot: the dot plot (by NES for
    GSEA), or the dot matrix for several queries."""
    several = result.is_batch and len(result.queries) > 1  # type: ignore[attr-defined]
    if several:
        names = result.queries[:_REPORT_QUERIES]  # type: ignore[attr-defined]
        per_query = max(2, min(10, 40 // len(names)))
        _, _, order = matrix_rows(result, per_query, names)
        fig = _figure((4.6 + 0.7 * len(names), 1.6 + 0.38 * max(len(order), 3)))
    else:
        shown = result.hits() if analysis(result) == "ora" else result
        fig = _figure((8.5, 1.4 + 0.42 * max(min(len(shown), top), 3)))
    ax = fig.add_subplot()
    if several:
        dot_matrix(result, top=per_query, ax=ax, queries=names)
        if len(names) < len(result.queries):  # type: ignore[attr-defined]
            ax.set_title(
                f"Top {per_query} PFOCR figures per query (first {len(names)} of "
                f"{len(result.queries):,} queries)",  # type: ignore[attr-defined]
                loc="left",
                fontsize="medium",
            )
    else:
        dot(result, top=top, ax=ax)
    return _png(fig, dpi)


def report_figures(
    result: EnrichmentResult, *, top: int = 20, dpi: int = 110
) -> list[tuple[str, bytes]]:
    """(description, PNG bytes) of each figure of the report: the dot plot (or dot matrix);
    for GSEA and mHG also the running sum or cutoff curve of the best set."""
    kind = "dot matrix" if result.is_batch else "dot plot"
    figures = [(f"{kind} of the top sets", figure_png(result, top=top, dpi=dpi))]
    kind = analysis(result)
    # A result made from a table may keep no ranking or set genes: then the dot plot only.
    if kind in ("gsea", "mhg") and len(result) and "rank" in result.mapping.columns:
        best = str(result.table["set_id"].iloc[0])
        fig = _figure((7.5, 4.6 if kind == "gsea" else 4.0))
        try:
            draw_curve(result, best, fig)
        except (ValueError, KeyError):
            return figures
        name = "running sum" if kind == "gsea" else "cutoff curve"
        figures.append((f"{name} of the best set, {best}", _png(fig, dpi)))
    return figures
