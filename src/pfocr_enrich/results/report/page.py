"""The self-contained HTML report: summary, dot plot, sortable table, methods, parameters.

Its style sheet and sorting script are package data (``report.css``,
``report.js`` beside this module), embedded inline so the file works offline.
"""

from __future__ import annotations

import base64
import os
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..._util.validation import check_int
from ..._util.version import __version__
from ..export import flat_params
from ..text import PFOCR_CITATION, methods_text
from .html import esc, html_header, html_more, html_table

if TYPE_CHECKING:
    from ..model import EnrichmentResult


def asset(name: str) -> str:
    """The text of a file shipped beside this module (``report.css``, ``report.js``).

    Examples
    --------
    >>> "table.pfocr-table" in asset("report.css")
    True
    """
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def _plot_pngs(res: EnrichmentResult) -> tuple[list[tuple[str, str]], str]:
    """The report's figures as (description, base64 PNG), or none and why not: the dot plot
    (dot matrix for a batch); for GSEA and mHG also the curve of the best set."""
    from ...plot import report_figures

    try:
        figures = report_figures(res)
    except ImportError:
        return (
            [],
            'Install matplotlib to embed the dot plot here: pip install "pfocr_enrich[plot]".',
        )
    return [(alt, base64.b64encode(png).decode("ascii")) for alt, png in figures], ""


def report(res: EnrichmentResult, *, top: int | None, images: bool, plot: bool) -> str:
    """The page of :meth:`EnrichmentResult.to_html`."""
    check_int(top, func="EnrichmentResult.to_html", param="top", min=0, allow_none=True)
    shown = res if top is None else res.top(int(top))
    p = res._params
    title = "pfocr_enrich report"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(title)}</title><style>\n{asset('report.css')}</style></head><body>",
        f"<h1>{esc(title)}: {esc(p.get('library'))}</h1>",
        html_header(res),
    ]
    if plot:
        parts.append("<h2>Top sets</h2>")
        pngs, why = _plot_pngs(res)
        for alt, png in pngs:
            parts.append(f'<img class="plot" alt="{esc(alt)}" src="data:image/png;base64,{png}">')
        if why:
            parts.append(f'<p class="note">{esc(why)}</p>')
    n_rows = len(shown)
    note = (
        f"{n_rows:,} of {len(res):,} rows"
        + (f" (top {top} per query)" if res.is_batch and top is not None else "")
        + ". Click a column header to sort. Figure titles link to PFOCR, papers to PubMed Central."
    )
    parts += [
        "<h2>Results</h2>",
        f'<p class="note" id="row-count" data-rows="{n_rows}">{esc(note)}</p>',
        html_table(
            shown._table, batch=res.is_batch, images=images, sortable=True, table_id="results"
        ),
        "<h2>Methods</h2>",
        f'<p class="methods">{esc(methods_text(res, alpha=0.05, by="fdr"))}</p>',
    ]
    dropped = res.dropped
    what = "Ranking entries left out" if "rank" in res._mapping.columns else "Query genes left out"
    parts.append(f"<details><summary>{what} ({len(dropped)})</summary>")
    if len(dropped):
        parts.append(dropped.to_html(index=False, escape=True, border=0, classes="params"))
    parts.append("</details>")
    parts.append('<details><summary>All parameters</summary><table class="params">')
    for key, value in flat_params(p).items():
        parts.append(f"<tr><td>{esc(key)}</td><td>{esc(value)}</td></tr>")
    parts.append("</table></details>")
    parts.append(
        f'<p class="note">Made with pfocr_enrich {esc(__version__)}. Please cite PFOCR: {esc(PFOCR_CITATION)}</p>'
    )
    parts.append(f"<script>\n{asset('report.js')}</script></body></html>")
    return "\n".join(parts) + "\n"


class Reporting:
    """HTML views (Jupyter and :meth:`to_html`) of an :class:`~pfocr_enrich.results.EnrichmentResult`."""

    def _repr_html_(self: EnrichmentResult) -> str:
        per_query = 5 if self.is_batch else 10
        rows = html_table(
            self._glimpse(per_query), batch=self.is_batch, images=True, sortable=False
        )
        return (
            f'<div class="pfocr-result">{html_header(self)}{rows}{html_more(self, per_query)}</div>'
        )

    def to_html(
        self: EnrichmentResult,
        path: str | os.PathLike[str] | None = None,
        *,
        top: int | None = 100,
        images: bool = True,
        plot: bool = True,
    ) -> str | None:
        """A self-contained HTML report: summary, methods, dot plot and a sortable table.

        No external scripts or style sheets; figure thumbnails are links to PMC
        images, loaded lazily when online. ``top`` rows are shown (per query;
        None: all), ``images`` shows thumbnails, ``plot`` embeds the dot plot (dot
        matrix for a batch; for GSEA and mHG also the running sum or cutoff curve
        of the best set) as PNGs when matplotlib is installed. Returns the HTML
        when ``path`` is None.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> page = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).to_html(top=5, plot=False)
        >>> page.startswith("<!DOCTYPE html>"), page.count('<tr class="row"')
        (True, 5)
        """
        page = report(self, top=top, images=images, plot=plot)
        if path is None:
            return page
        Path(path).write_text(page, encoding="utf-8")
        return None

    @property
    def plot(self) -> Any:
        """Plots of this result: ``res.plot.dot()``, ``res.plot.bar()``, ``res.plot.dot_matrix()``;
        for preranked GSEA ``res.plot.running_sum(set_id)``, for mHG ``res.plot.cutoffs(set_id)``.

        Needs matplotlib (``pip install "pfocr_enrich[plot]"``); see :mod:`pfocr_enrich.plot`.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).plot.dot(top=10).get_xlabel()
        'fold enrichment (log scale)'
        """
        from ...plot import ResultPlots

        return ResultPlots(self)
