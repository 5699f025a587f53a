"""Result rows and headers as HTML (Jupyter and the report): links, thumbnails, sort keys.

Every value is escaped and only ``http(s)`` URLs become links. The table shows
the columns a result has: overlap, fold enrichment and overlapping genes for
over-representation; set size, ES, NES, log2err and leading edge for preranked GSEA; set
size, best cutoff, hits above it, the mHG statistic and those genes for mHG.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from ...plot import set_labels
from ..text import analysis, num, num_range

if TYPE_CHECKING:
    from ..model import EnrichmentResult

PMC_IMAGE_URL = "https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}/bin/{filename}"
GLIMPSE_QUERIES = 10  # queries of a batch shown by repr and in Jupyter
_NOWRAP = ' style="white-space:nowrap"'
# Titles wrap within a readable width, also where a notebook's style sheet sets nowrap or
# right-aligns cells (JupyterLab, mkdocs-jupyter pages).
_WRAP = ' style="white-space:normal;text-align:left;min-width:12em;max-width:22em"'
# Columns of ranked analyses (GSEA: ES, NES; mHG: cutoff, hits, statistic): (column, header, digits).
_RANKED_NUMBERS = (
    ("es", "ES", 3),
    ("nes", "NES", 3),
    ("cutoff", "cutoff", "{}"),
    ("hits", "hits", "{}"),
    ("mhg", "mHG", 2),
)


def esc(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _safe_url(value: object) -> str | None:
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return esc(value)
    return None


def _image_url(row: Mapping[str, Any]) -> str | None:
    url = _safe_url(row.get("image_url"))
    if url:
        return url
    pmcid, filename = row.get("pmcid"), row.get("filename")
    if isinstance(pmcid, str) and isinstance(filename, str) and pmcid and filename:
        return esc(PMC_IMAGE_URL.format(pmcid=pmcid, filename=filename))
    return None


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _fmt(value: object, digits: int = 2) -> str:
    if value is None or value is pd.NA:
        return ""
    v = float(value)  # type: ignore[arg-type]
    if math.isnan(v):
        return ""
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def fmt_log10(log10p: float) -> str:
    """A p-value from its log10, also far below the float range.

    Examples
    --------
    >>> fmt_log10(-350.0), fmt_log10(-2.0)
    ('1.0e-350', '0.01')
    """
    if not math.isfinite(log10p):
        return "0" if log10p < 0 else ""
    if log10p > -300:
        return _fmt(10.0**log10p)
    exponent = math.floor(log10p)
    mantissa = 10.0 ** (log10p - exponent)
    if round(mantissa, 1) >= 10:
        mantissa, exponent = 1.0, exponent + 1
    return f"{mantissa:.1f}e{exponent}"


def _sort_key(value: object) -> str:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "Infinity"
    return "Infinity" if math.isnan(v) else repr(v)


# -- header and footer ----------------------------------------------------------------
def html_header(res: EnrichmentResult) -> str:
    """One paragraph: the query, universe, library, correction, filters and dropped genes."""
    p = res._params
    dropped = res.dropped
    bits = [f"<b>{esc(type(res).__name__)}</b>"]
    if analysis(p) == "ora":
        if res.is_batch:
            sizes = [q["query_size"] for q in p.get("queries", {}).values()] or [0]
            query = f"{len(sizes)} queries, {num_range(sizes)} genes tested each"
        else:
            query = f"query: {num(p.get('query_size'))} of {num(p.get('query_input'))} genes tested"
        bits += [
            esc(query),
            esc(f"universe: {num(p.get('universe_size'))} genes ({p.get('universe_rule')})"),
            esc(
                f"library: {p.get('library')} ({num(p.get('sets_tested'))} of {num(p.get('library_sets'))} sets tested)"
            ),
            esc(
                f"correction: {p.get('correction')} over {p.get('fdr_over')} sets; "
                f"{res._n_significant()} with FDR \u2264 0.05"
            ),
        ]
    else:
        bits.append(esc(f"analysis: {analysis(p)}"))
        if "ranking_size" in p:
            bits.append(
                esc(
                    f"ranking: {num(p['ranking_size'])} entries, "
                    f"{num(p.get('ranking_in_library'))} in the library"
                )
            )
        if p.get("library") is not None:
            tested = f"{num(p['sets_tested'])} of " if "sets_tested" in p else ""
            bits.append(
                esc(f"library: {p.get('library')} ({tested}{num(p.get('library_sets'))} sets)")
            )
        bits.append(esc(f"{len(res):,} rows; {res._n_significant()} with FDR \u2264 0.05"))
    if p.get("filter"):
        bits.append(esc(f"filter: {p['filter']}"))
    if p.get("cluster"):
        c = p["cluster"]
        bits.append(esc(f"{c['n_clusters']} clusters ({c['metric']} \u2265 {c['threshold']})"))
    ranked = "rank" in res._mapping.columns
    drop = f"{'left the ranking' if ranked else 'dropped genes'}: {len(dropped)}"
    if len(dropped):
        names = ", ".join(
            f"{g} ({s})"
            for g, s in zip(dropped["input"].head(8), dropped["status"].head(8), strict=True)
        )
        more = " \u2026" if len(dropped) > 8 else ""
        drop += f" \u2014 {names}{more}"
    bits.append(esc(drop))
    return '<p class="pfocr-summary" style="line-height:1.5">' + " \u00b7 ".join(bits) + "</p>"


def html_more(res: EnrichmentResult, shown: int) -> str:
    """How many rows the glimpse shows, of how many."""
    if res.is_batch:
        n_queries = len(res.queries)  # type: ignore[attr-defined]
        which = (
            "each query"
            if n_queries <= GLIMPSE_QUERIES
            else f"the first {GLIMPSE_QUERIES} of {n_queries:,} queries"
        )
        note = f"showing the top {shown} rows of {which}; {len(res):,} rows in .table"
    elif len(res) > shown:
        note = f"showing {shown} of {len(res):,} rows; all in .table"
    else:
        return ""
    return f'<p style="color:#666;font-size:smaller">{esc(note)}</p>'


# -- the table ------------------------------------------------------------------------
def html_table(
    table: pd.DataFrame, *, batch: bool, images: bool, sortable: bool, table_id: str = ""
) -> str:
    """The result rows as an HTML table with links, thumbnails and sort keys; everything escaped."""
    columns = _columns(table, batch)
    cls = ' class="pfocr-table sortable"' if sortable else ' class="pfocr-table"'
    ident = f' id="{esc(table_id)}"' if table_id else ""
    out = [f"<table{ident}{cls}><thead><tr>"]
    for name, kind, _ in columns:
        out.append(
            f'<th data-type="{kind}" title="{"click to sort" if sortable else ""}">{esc(name)}</th>'
        )
    out.append("</tr></thead><tbody>")
    labels = set_labels(table)
    for (rank, row), label in zip(table.iterrows(), labels, strict=True):
        r, at = row.to_dict(), _At(rank, label, images)
        out.append('<tr class="row">' + "".join(cell(r, at) for _, _, cell in columns) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


class _At(NamedTuple):
    """Where a row is shown: its rank, its label and whether thumbnails are shown."""

    rank: object
    label: str
    images: bool


Cell = Callable[[dict[str, Any], _At], str]


def _columns(table: pd.DataFrame, batch: bool) -> list[tuple[str, str, Cell]]:
    """(header, sort type, cell) of each column shown for this table."""
    has = set(table.columns)
    columns: list[tuple[str, str, Cell]] = [("rank", "number", _rank_cell)]
    if batch:
        columns.append(("query", "text", _query_cell))
    columns += [("figure", "text", _figure_cell), ("paper", "text", _paper_cell)]
    if "overlap" in has:
        columns.append(("overlap", "number", _overlap_cell))
    elif "size" in has:
        columns.append(("size", "number", lambda r, _: _number_cell(r.get("size"), "{}")))
    if "fold_enrichment" in has:
        columns.append(("fold", "number", lambda r, _: _number_cell(r.get("fold_enrichment"), 3)))
    for col, head, digits in _RANKED_NUMBERS:
        if col in has:
            columns.append(
                (head, "number", lambda r, _, c=col, d=digits: _number_cell(r.get(c), d))
            )
    if has & {"pvalue", "log10_pvalue"}:
        columns.append(("p-value", "number", _pvalue_cell))
    if "log2err" in has:
        columns.append(("log2err", "number", lambda r, _: _number_cell(r.get("log2err"), 2)))
    if "fdr" in has:
        columns.append(("FDR", "number", lambda r, _: _number_cell(r.get("fdr"), 2)))
    if "cluster" in has:
        columns.append(("cluster", "number", _cluster_cell))
    for col, head in (("genes", "genes"), ("leading_edge", "leading edge")):
        if col in has:
            columns.append((head, "text", lambda r, _, c=col: _genes_cell(r.get(c))))
    return columns


def _rank_cell(_: dict[str, Any], at: _At) -> str:
    return f'<td data-sort="{_sort_key(at.rank)}">{esc(at.rank)}</td>'


def _query_cell(r: dict[str, Any], _: _At) -> str:
    return f'<td data-sort="{esc(r["query"])}">{esc(r["query"])}</td>'


def _figure_cell(r: dict[str, Any], at: _At) -> str:
    label = at.label
    url = _safe_url(r.get("url")) or _safe_url(r.get("links"))
    title = (
        f'<a href="{url}" target="_blank" rel="noopener">{esc(label)}</a>' if url else esc(label)
    )
    thumb = ""
    img = _image_url(r) if at.images else None
    if img:
        thumb = (
            f'<img loading="lazy" src="{img}" alt="" width="80" height="60" referrerpolicy="no-referrer" '
            f"onerror=\"this.style.visibility='hidden'\" "
            f'style="flex:none;object-fit:contain;background:#f4f4f4">'
        )
        if url:
            thumb = f'<a href="{url}" target="_blank" rel="noopener">{thumb}</a>'
    sid = (
        f'<br><small style="color:#666">{esc(r.get("set_id"))}</small>'
        if label != r.get("set_id")
        else ""
    )
    return (
        f'<td data-sort="{esc(label.lower())}"{_WRAP}><div style="display:flex;gap:6px;align-items:flex-start">'
        f"{thumb}<div>{title}{sid}</div></div></td>"
    )


def _paper_cell(r: dict[str, Any], _: _At) -> str:
    paper_title = r.get("paper_title")
    paper_url = _safe_url(r.get("pmc_url"))
    pmcid = r.get("pmcid") if isinstance(r.get("pmcid"), str) else ""
    year = r.get("year")
    paper_text = paper_title if isinstance(paper_title, str) and paper_title else pmcid
    paper = esc(paper_text)
    if paper_url and paper_text:
        paper = f'<a href="{paper_url}" target="_blank" rel="noopener">{paper}</a>'
    paper += "" if _missing(year) else f" ({esc(year)})"
    if pmcid and paper_text != pmcid:
        paper += f'<br><small style="color:#666">{esc(pmcid)}</small>'
    return f'<td data-sort="{esc(str(paper_text).lower())}"{_WRAP}>{paper}</td>'


def _overlap_cell(r: dict[str, Any], _: _At) -> str:
    k, m = r.get("overlap"), r.get("set_size")
    return f'<td data-sort="{_sort_key(k)}"{_NOWRAP}>{esc(k)}/{esc(m)}</td>'


def _number_cell(value: object, digits: int | str) -> str:
    text = esc(value) if isinstance(digits, str) else esc(_fmt(value, digits))
    return f'<td data-sort="{_sort_key(value)}"{_NOWRAP}>{text}</td>'


def _pvalue_cell(r: dict[str, Any], _: _At) -> str:
    log10p = r.get("log10_pvalue")
    if _missing(log10p):
        p_txt, p_key = _fmt(r.get("pvalue")), _sort_key(r.get("pvalue"))
    else:
        p_txt, p_key = fmt_log10(float(log10p)), _sort_key(log10p)  # type: ignore[arg-type]
    if r.get("pvalue_exact") is False and p_txt:  # mHG's union bound, not the exact value
        p_txt = "\u2264 " + p_txt
    return f'<td data-sort="{p_key}"{_NOWRAP}>{esc(p_txt)}</td>'


def _cluster_cell(r: dict[str, Any], _: _At) -> str:
    c = r.get("cluster")
    c_txt = "" if _missing(c) else str(c) + (" \u2605" if r.get("is_representative") else "")
    return f'<td data-sort="{_sort_key(c)}">{esc(c_txt)}</td>'


def _genes_cell(value: object) -> str:
    if isinstance(value, (list, tuple)):
        value = ";".join(map(str, value))
    genes = value if isinstance(value, str) else ""
    return (
        f'<td data-sort="{esc(genes)}" style="min-width:14em;max-width:28em;overflow-wrap:anywhere">'
        f"{esc(genes.replace(';', ', '))}</td>"
    )
