"""The words of ranked-list results (``params["analysis"]`` ``"gsea"`` or ``"mhg"``): their
summary lines and the sentences of the methods paragraph (see :mod:`.text`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RANKED", "ranked_methods", "ranked_summary"]

RANKED = ("gsea", "mhg")
_GSEA = "preranked gene-set enrichment analysis (GSEA; Subramanian et al., 2005)"
_MHG = "the minimum-hypergeometric test (mHG; Eden et al., 2007) in its XL-mHG form (Wagner, 2015)"


def _n(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def _sizes(p: Mapping[str, Any]) -> str:
    lo, hi = p.get("min_size"), p.get("max_size")
    return f"{_n(lo)}-{_n(hi)}" if hi is not None else f">= {_n(lo)}"


def ranked_summary(p: Mapping[str, Any]) -> list[str]:
    """The lines on the ranking and the tested sets (after the ``analysis:`` line).

    Examples
    --------
    >>> p = {"analysis": "gsea", "ranking_input": 3, "ranking_size": 3, "ranking_in_library": 2,
    ...      "library": "L", "library_sets": 9, "sets_tested": 4, "min_size": 15, "max_size": 500}
    >>> for line in ranked_summary(p):
    ...     print(line)
    ranking: 3 entries (of 3 read), 2 of them library genes
    library 'L': 9 sets, 4 tested (15-500 members in the ranking)
    """
    lines = []
    if "ranking_size" in p:
        lines.append(
            f"ranking: {_n(p['ranking_size'])} entries (of {_n(p.get('ranking_input'))} read), "
            f"{_n(p.get('ranking_in_library'))} of them library genes"
        )
    if p.get("library") is not None:
        lines.append(
            f"library {p.get('library')!r}: {_n(p.get('library_sets'))} sets, "
            f"{_n(p.get('sets_tested'))} tested ({_sizes(p)} members in the ranking)"
        )
    if p.get("analysis") == "gsea" and "weight" in p:
        lines.append(
            f"GSEA: weight {p['weight']:g}, {_n(p.get('n_perm'))} permutations per size, "
            f"eps {p.get('eps'):g}, seed {p.get('seed')}"
        )
    if p.get("analysis") == "mhg" and "X" in p:
        lines.append(
            f"mHG: X = {p['X']} (fewest members above a cutoff), L = {_n(p.get('L'))} "
            "(last cutoff), p-values "
            + (
                "exact"
                if p.get("exact_below") is None
                else f"exact below a union bound of {p['exact_below']:g}"
            )
        )
    return lines


def ranked_methods(p: Mapping[str, Any], version: str, library: str) -> list[str]:
    """The sentences of the methods paragraph before the correction (GSEA or mHG)."""
    gsea = p.get("analysis") == "gsea"
    sentences = [
        "Enrichment of published pathway figures from PFOCR (Hanspers et al., 2020) in a ranked "
        f"gene list was tested by {_GSEA if gsea else _MHG} with pfocr_enrich {version}, "
        f"using {library}."
    ]
    if "ranking_size" in p:
        sentences.append(
            f"Of {_n(p.get('ranking_input'))} ranked identifiers, {_n(p['ranking_size'])} "
            "formed the ranked list after identifier mapping (each gene once, "
            + ("the entry with the largest absolute score kept" if gsea else "its best rank kept")
            + f"), {_n(p.get('ranking_in_library'))} of them genes of the library; gene sets with "
            f"{_sizes(p).replace('-', ' to ').replace('>= ', 'at least ')} members in the list were tested "
            f"({_n(p.get('sets_tested'))} sets)."
        )
    if gsea and "weight" in p:
        weight = p["weight"]
        sentences.append(
            "The enrichment score (ES) was the weighted Kolmogorov-Smirnov running sum over the "
            f"list ordered by decreasing score, each member weighted by |score|^{weight:g}"
            + (" (the classic unweighted statistic)" if weight == 0 else "")
            + ". P-values are sign-specific, as fgsea's multilevel method defines them "
            "(Korotkevich et al., bioRxiv 060012): "
            f"{_n(p.get('n_perm'))} random gene sets per set size gave the normalized "
            "enrichment score (NES: ES divided by the mean random ES of the same sign) and a "
            "first estimate of each p-value, refined where it was not precise enough by "
            f"multilevel splitting with samples of {_n(p.get('sample_size'))} sets; p-values "
            f"below {p.get('eps'):g} are reported as {p.get('eps'):g}, and each comes with the "
            "standard deviation of its log2 (log2err). The random number seed was "
            f"{p.get('seed')}."
        )
    elif not gsea and "X" in p:
        bound = p.get("exact_below")
        sentences.append(
            "For each set with K members in the list of N genes, the hypergeometric tail "
            "P(X \u2265 b_n), X ~ Hypergeometric(N, K, n), was computed at every cutoff n "
            f"\u2264 L = {_n(p.get('L'))} with at least X = {p['X']} members b_n above it; the "
            "smallest tail (the mHG statistic) and its cutoff are reported, and the p-value is "
            "the exact probability of an mHG statistic at least as small for K members placed "
            "at random, which accounts for the search over cutoffs"
            + (
                "."
                if bound is None
                else f", except for sets whose union bound (K \u2212 X + 1) mHG was at least "
                f"{bound:g}, which were given that bound (capped at 1)."
            )
        )
    return sentences
