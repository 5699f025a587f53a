"""A result in words: the summary lines, the plain repr and the methods paragraph.

The over-representation wording (query, universe, the hypergeometric test)
is used when ``params["analysis"]`` is ``"ora"`` (the default); other analyses
(e.g. preranked GSEA) get the generic lines from their params (``test``,
``correction``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._util.version import __version__
from .ranked_text import RANKED, ranked_methods, ranked_summary

if TYPE_CHECKING:
    from .model import EnrichmentResult

#: How to cite PFOCR (printed by :meth:`EnrichmentResult.methods_text` and in reports).
PFOCR_CITATION = (
    "Hanspers K, Riutta A, Summer-Kutmon M, Pico AR. Pathway information extracted from "
    "25 years of pathway figures. Genome Biology 21, 273 (2020). "
    "https://doi.org/10.1186/s13059-020-02181-2"
)
# Columns shown by repr, when the table has them (ORA, then ranked analyses such as GSEA).
SHOWN = [
    "query",
    "set_id",
    "title",
    "overlap",
    "set_size",
    "size",
    "fold_enrichment",
    "es",
    "nes",
    "pvalue",
    "fdr",
    "genes",
    "leading_edge",
]
CORRECTION_NAMES = {
    "fdr_bh": "the Benjamini-Hochberg false discovery rate procedure",
    "fdr_by": "the Benjamini-Yekutieli false discovery rate procedure",
    "bonferroni": "the Bonferroni correction",
    "sidak": "the Sidak correction",
    "holm": "the Holm step-down procedure",
    "holm-sidak": "the Holm-Sidak step-down procedure",
    "simes-hochberg": "the Simes-Hochberg step-up procedure",
    "hommel": "the Hommel procedure",
    "fdr_tsbh": "the two-stage Benjamini-Krieger-Yekutieli FDR procedure (fdr_tsbh)",
    "fdr_tsbky": "the two-stage Benjamini-Krieger-Yekutieli FDR procedure (fdr_tsbky)",
}
_COMPAT_NAMES = {"clusterprofiler": "clusterProfiler", "gseapy": "gseapy", "enrichr": "Enrichr"}


def analysis(params: Mapping[str, Any]) -> str:
    """The analysis a result comes from: ``"ora"`` unless its params say otherwise."""
    return str(params.get("analysis", "ora"))


def num(value: object) -> str:
    """An int with thousands separators; anything else as str."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{int(value):,}"
    return str(value)


def num_range(values: list[int]) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"


# -- summary -------------------------------------------------------------------------
def summary(res: EnrichmentResult) -> str:
    """The lines of :meth:`EnrichmentResult.summary`."""
    p = res._params
    n_sig = res._n_significant()
    if analysis(p) == "ora":
        lines = [
            _query_line(p, len(res.dropped)),
            *mapping_lines(res._mapping),
            f"universe: {num(p.get('universe_size'))} genes (rule: {p.get('universe_rule')}); "
            f"library {p.get('library')!r}: {num(p.get('library_sets'))} sets, {num(p.get('sets_tested'))} tested",
            f"correction: {p.get('correction')} over {p.get('fdr_over')} sets; {n_sig} row(s) with fdr <= 0.05",
            *sample_hint(p, res._mapping),
        ]
    else:
        lines = [f"analysis: {analysis(p)}" + (f" ({p['test']})" if p.get("test") else "")]
        lines += mapping_lines(res._mapping)
        if analysis(p) in RANKED:
            lines += ranked_summary(p)
        elif p.get("library") is not None:
            lines.append(f"library {p.get('library')!r}: {num(p.get('library_sets'))} sets")
        if p.get("correction"):
            lines.append(f"correction: {p['correction']}; {n_sig} row(s) with fdr <= 0.05")
    if p.get("compat"):
        lines.append(f"compat: {p['compat']}")
    if p.get("keep"):
        lines.append(f"keep: {p['keep']} (rows dropped after the FDR over {_family(p)})")
    if p.get("filter"):
        lines.append(f"filter: {p['filter']} ({len(res)} rows)")
    if p.get("cluster"):
        c = p["cluster"]
        lines.append(
            f"clusters: {c['n_clusters']} among {c['by']} <= {c['alpha']} "
            f"({c['metric']} >= {c['threshold']} on {c['basis']})"
        )
    return "\n".join(lines)


#: The share of query genes outside the embedded sample above which the summary says how to
#: use the full PFOCR release.
SAMPLE_HINT_SHARE = 0.25


def sample_hint(p: Mapping[str, Any], mapping: pd.DataFrame | None) -> list[str]:
    """A note when the embedded sample library was used and much of the query is outside it."""
    info = p.get("library_info") or {}
    if not info.get("sample") or mapping is None or "status" not in mapping or mapping.empty:
        return []
    outside = int((mapping["status"] == "outside_universe").sum())
    if not outside or outside < SAMPLE_HINT_SHARE * len(mapping):
        return []
    return [
        f"note: {outside} of {len(mapping)} query genes are not in {p.get('library')!r}, a small "
        f"sample of {num(p.get('library_sets'))} figures; for the full PFOCR release use "
        "lib = pe.load_pfocr() (command line: --library FILE, e.g. a PFOCR release GMT)"
    ]


def _query_line(p: Mapping[str, Any], dropped: int) -> str:
    if "queries" in p:
        sizes = [q["query_size"] for q in p["queries"].values()]
        return (
            f"queries: {len(sizes)} (tested sizes {min(sizes)}-{max(sizes)}); "
            f"{dropped} inputs left out: see .dropped"
        )
    return (
        f"query: {p.get('query_size')} of {p.get('query_input')} genes tested "
        f"({dropped} left out: see .dropped)"
    )


def mapping_lines(mapping: pd.DataFrame | None, shown: int = 3) -> list[str]:
    """One line counting mapping statuses, with a few examples of what was changed or left out."""
    if mapping is None or mapping.empty or "status" not in mapping:
        return []
    counts = mapping["status"].value_counts(sort=False)
    parts = []
    for status, count in counts.items():
        if not count:
            continue
        if status in ("official", "entrez"):
            parts.append(f"{status} {count}")
            continue
        rows = mapping[mapping["status"] == status].head(shown)
        # the symbol an input became (an Entrez library's mapping has a `symbol` column)
        targets = (
            rows["symbol"].fillna(rows["mapped_to"]) if "symbol" in rows else rows["mapped_to"]
        )
        examples = ", ".join(
            f"{i}->{m}"
            if isinstance(m, str) and status not in ("duplicate", "outside_universe")
            else str(i)
            for i, m in zip(rows["input"], targets)
        )
        more = ", ..." if count > shown else ""
        parts.append(f"{status} {count} ({examples}{more})")
    return ["mapping: " + "; ".join(parts)] if parts else []


def plain_repr(res: EnrichmentResult) -> str:
    """The name of the class, the summary and the best rows as text."""
    shown = res._glimpse(5 if res.is_batch else 10)
    cols = [c for c in SHOWN if c in shown.columns]
    with pd.option_context("display.max_colwidth", 40, "display.width", 120):
        body = _shorten(shown[cols]).to_string() if len(shown) else "(no rows)"
    return f"{type(res).__name__}\n{summary(res)}\n{body}"


def _shorten(table: pd.DataFrame, width: int = 40) -> pd.DataFrame:
    out = table.copy()
    for col in ("title", "genes", "leading_edge"):
        if col in out:
            out[col] = [
                v if len(v) <= width else v[: width - 1] + "\u2026"
                for v in out[col].fillna("").astype(str)
            ]
    return out


# -- the methods paragraph ---------------------------------------------------------------
def methods_text(res: EnrichmentResult, *, alpha: float | None, by: str) -> str:
    """The paragraph of :meth:`EnrichmentResult.methods_text`."""
    p = res._params
    library = _library_phrase(p)
    batch = "queries" in p
    if analysis(p) == "ora":
        sentences = [
            f"Over-representation of the query genes among published pathway figures from PFOCR "
            f"(Hanspers et al., 2020) was tested with pfocr_enrich {__version__}, using {library}.",
            _query_sentence(p),
            _universe_sentence(p),
            _sizes_sentence(p),
            "For each set, the probability of an overlap at least as large as observed, P(X \u2265 k) with "
            "X ~ Hypergeometric(N, M, n), was computed (one-sided Fisher's exact test), and p-values were "
            f"adjusted for multiple testing over {_family(p)}{' of each list' if batch else ''} with "
            f"{CORRECTION_NAMES.get(p.get('correction'), str(p.get('correction')))}.",
        ]
    else:
        sentences = (
            ranked_methods(p, __version__, library)
            if analysis(p) in RANKED
            else [
                f"Enrichment of published pathway figures from PFOCR (Hanspers et al., 2020) was "
                f"assessed by {p.get('test') or analysis(p)} with pfocr_enrich {__version__}, using {library}."
            ]
        )
        if p.get("correction"):
            method = CORRECTION_NAMES.get(p["correction"], str(p["correction"]))
            sentences.append(f"P-values were adjusted for multiple testing with {method}.")
    if p.get("compat"):
        sentences.append(
            f"Statistics followed the conventions of {_COMPAT_NAMES.get(p['compat'], p['compat'])} "
            f"(compat={p['compat']!r})."
        )
    if p.get("keep") or p.get("alpha") is not None:
        sentences.append(_keep_sentence(p, batch))
    if p.get("alpha") is None and alpha is not None and f"{by} <= " not in str(p.get("filter", "")):
        sentences.append(
            f"Sets with {'FDR' if by == 'fdr' else by} \u2264 {alpha} were considered significant."
        )
    if p.get("filter"):
        sentences.append(f"The reported table was restricted to {p['filter']}.")
    if p.get("cluster"):
        c = p["cluster"]
        coef = "Jaccard index" if c["metric"] == "jaccard" else "overlap coefficient"
        sentences.append(
            f"Redundant significant sets were grouped when their {coef} (on {c['basis']}) with the "
            f"cluster's representative, the set with the lowest p-value, was at least {c['threshold']}."
        )
    sentences.append(f"Reference: {PFOCR_CITATION}")
    return " ".join(sentences)


def _keep_sentence(p: Mapping[str, Any], batch: bool) -> str:
    """The ``keep=`` rule of a batch, and that rows were dropped after the adjustment."""
    rule = str(p.get("keep") or f"fdr <= {p['alpha']}")
    if rule.startswith("top "):
        kept = (
            f"Only the {rule[4:]} best-ranked sets of each list (lowest p-value, ties by set id) "
            "were kept."
        )
    else:
        column, threshold = rule.split(" <= ")
        kept = f"Only rows with {'FDR' if column == 'fdr' else 'p'} \u2264 {threshold} were kept."
    return (
        f"{kept} Rows were dropped after the adjustment: each kept row has the FDR over "
        f"{_family(p)}{' of its list' if batch else ''}, as in the unfiltered run."
    )


def _library_phrase(p: Mapping[str, Any]) -> str:
    info = p.get("library_info") or {}
    bits = [
        f"release: {info['release']}" if info.get("release") else "",
        f"source: {info.get('origin') or info.get('source')}"
        if info.get("origin") or info.get("source")
        else "",
    ]
    bits = [b for b in bits if b]
    return (
        f"the gene-set library \u201c{p.get('library')}\u201d"
        + (f" ({'; '.join(bits)})" if bits else "")
        + f", {num(p.get('library_sets'))} gene sets covering {num(p.get('library_genes'))} genes"
    )


def _query_sentence(p: Mapping[str, Any]) -> str:
    if "queries" in p:
        sizes = [q["query_size"] for q in p["queries"].values()]
        inputs = sum(q["query_input"] for q in p["queries"].values())
        return (
            f"Each of {len(sizes)} gene lists ({num(inputs)} input identifiers in total) was tested separately; "
            f"after identifier mapping and restriction to the universe the lists had "
            f"{num_range(sizes)} genes (n)."
        )
    return (
        f"Of {num(p.get('query_input'))} input identifiers, {num(p.get('query_size'))} mapped to "
        f"distinct genes in the universe and formed the query (n = {num(p.get('query_size'))})."
    )


def _universe_sentence(p: Mapping[str, Any]) -> str:
    n = num(p.get("universe_size"))
    rule = p.get("universe_rule")
    if rule == "intersect":
        return (
            f"The universe was the N = {n} library genes also present in the user-supplied background of "
            f"{num(p.get('background_size'))} identifiers."
        )
    if rule == "as_given":
        return f"The universe was the user-supplied background as given (N = {n} genes)."
    if rule == "fixed":
        return f"The universe size was fixed at N = {n} genes (Enrichr's convention)."
    return f"The universe was the N = {n} genes present in at least one gene set of the library."


def _sizes_sentence(p: Mapping[str, Any]) -> str:
    lo, hi = p.get("min_size"), p.get("max_size")
    sizes = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
    sizes += " gene" if hi is None and lo == 1 else " genes"
    dedup = (
        " Gene sets identical to another were tested once (duplicates collapsed)."
        if p.get("collapse_duplicates")
        else ""
    )
    return f"Gene sets with {sizes} in the universe were tested ({num(p.get('sets_tested'))} sets).{dedup}"


def _family(p: Mapping[str, Any]) -> str:
    if p.get("fdr_over") == "tested":
        return "all tested sets"
    return "the sets with at least one query gene"


class Describing:
    """Text views (:meth:`summary`, :meth:`methods_text`, repr) of an
    :class:`~pfocr_enrich.results.EnrichmentResult`."""

    def summary(self: EnrichmentResult) -> str:
        """A few lines on the query, the universe, the correction and the hits.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> print(pe.enrich(["IRF3", "MAVS", "TBK1", "DDX58"], pe.sample_library()).summary().splitlines()[:2])
        ['query: 4 of 4 genes tested (0 left out: see .dropped)', 'mapping: official 3; previous 1 (DDX58->RIGI)']
        """
        return summary(self)

    def methods_text(self: EnrichmentResult, *, alpha: float | None = 0.05, by: str = "fdr") -> str:
        """A methods paragraph to paste into a paper, with the PFOCR citation.

        States the test, the universe and its size, the correction, the size
        filters, the library source and release, the package version and the
        reference; ``alpha`` (on ``by``) is the significance threshold to state
        (None leaves it out; a filter from :meth:`significant` is stated instead).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> text = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).methods_text()
        >>> "Hypergeometric(N, M, n)" in text and "N = 1,523" in text and "Genome Biology 21, 273" in text
        True
        """
        return methods_text(self, alpha=alpha, by=by)

    def __repr__(self: EnrichmentResult) -> str:
        return plain_repr(self)
