"""Options of an enrichment run: checked once at the public entry point, with the compat presets.

The presets reproduce another tool's numbers (docs/statistics.md):
``"clusterprofiler"`` (DOSE's enricher), ``"gseapy"`` and ``"enrichr"``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .._util.validation import check_bool, check_choice, check_int, param_error
from ..stats import CORRECTION_METHODS

__all__ = [
    "BACKGROUND_MODES",
    "COMPAT_PRESETS",
    "ENRICHR_BACKGROUND",
    "FDR_FAMILIES",
    "Options",
    "make_options",
]

BACKGROUND_MODES = ("intersect", "as_given")
FDR_FAMILIES = ("tested", "hit")
COMPAT_PRESETS = (None, "clusterprofiler", "gseapy", "enrichr")
#: pyenrichr's default background size.
ENRICHR_BACKGROUND = 22_000


@dataclass(frozen=True)
class Options:
    """Validated options of one enrichment run (shared by every query of a batch)."""

    min_size: int = 1
    max_size: int | None = None
    correction: str = "fdr_bh"
    fdr_over: str = "tested"
    collapse_duplicates: bool = False
    resolve_aliases: bool = True
    compat: str | None = None
    background_mode: str = "intersect"
    # Derived from compat: who counts in n, and which odds ratio / test variant.
    query_rule: str = (
        "universe"  # "universe" | "annotated" (clusterProfiler) | "resolved" (fixed N)
    )
    odds_ratio: str = "haldane_if_zero"  # | "haldane_always" (gseapy) | "fold" (Enrichr's "odds")

    def as_params(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def make_options(
    *,
    func: str,
    min_size: int | None,
    max_size: int | None,
    correction: str,
    fdr_over: str,
    collapse_duplicates: bool,
    resolve_aliases: bool,
    compat: str | None,
    background_mode: str,
) -> Options:
    """Check every option once, at the public entry point, and apply a compat preset.

    A wrong type is a TypeError, a bad value a ValueError (see :mod:`pfocr_enrich._util.validation`).
    """
    min_size = check_int(min_size, func=func, param="min_size", min=0, allow_none=True)
    max_size = check_int(max_size, func=func, param="max_size", min=0, allow_none=True)
    given_min = min_size
    min_size = 1 if min_size is None else min_size
    if max_size is not None and max_size < min_size:
        raise param_error(func, "max_size", f"None or >= min_size ({min_size})", max_size)
    correction = check_choice(correction, CORRECTION_METHODS, func=func, param="correction")
    fdr_over = check_choice(fdr_over, FDR_FAMILIES, func=func, param="fdr_over")
    compat = check_choice(compat, COMPAT_PRESETS, func=func, param="compat")
    background_mode = check_choice(
        background_mode, BACKGROUND_MODES, func=func, param="background_mode"
    )
    collapse_duplicates = check_bool(collapse_duplicates, func=func, param="collapse_duplicates")
    resolve_aliases = check_bool(resolve_aliases, func=func, param="resolve_aliases")
    opts = Options(
        min_size,
        max_size,
        correction,
        fdr_over,
        collapse_duplicates,
        resolve_aliases,
        compat,
        background_mode,
    )
    if compat == "clusterprofiler":
        # DOSE enricher_internal: minGSSize 10 / maxGSSize 500 unless given, FDR over hit sets,
        # n counts annotated query genes even outside the background (DOSE#74).
        sizes = {
            "min_size": 10 if given_min is None else min_size,
            "max_size": 500 if max_size is None else max_size,
        }
        opts = replace(
            opts, **sizes, fdr_over="hit", query_rule="annotated", background_mode="intersect"
        )
    elif compat == "gseapy":
        opts = replace(opts, fdr_over="hit", odds_ratio="haldane_always")
    elif compat == "enrichr":
        opts = replace(opts, fdr_over="hit", odds_ratio="fold", query_rule="resolved")
    return opts
