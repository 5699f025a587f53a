"""Figures for people: dot plots, bar charts and a dot matrix of enrichment results, and the
running sum (GSEA) and cutoff curve (mHG) of one set of a ranked-list result.

matplotlib is an optional extra (``pip install "pfocr_enrich[plot]"``) and is
imported only when a plot is drawn. Every function draws on ``ax`` (a new
figure when None) and returns the Axes; nothing is shown or saved here.
Modules: ``ora`` (over-representation plots), ``ranked`` (GSEA and mHG plots),
``accessor`` (``res.plot`` and the report's figures), ``_style`` (what they share).

>>> import io, pfocr_enrich as pe
>>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], pe.sample_library())
>>> ax = res.plot.dot(top=10)
>>> ax.figure.savefig(io.BytesIO(), format="png")  # the caller saves or shows
"""

from __future__ import annotations

from ._style import MISSING_MATPLOTLIB, set_labels
from .accessor import ResultPlots, figure_png, report_figures
from .ora import bar, dot, dot_matrix
from .ranked import cutoffs, running_sum

__all__ = [
    "MISSING_MATPLOTLIB",
    "ResultPlots",
    "bar",
    "cutoffs",
    "dot",
    "dot_matrix",
    "figure_png",
    "report_figures",
    "running_sum",
    "set_labels",
]
