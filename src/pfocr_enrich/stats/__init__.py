"""Statistics: exact hypergeometric tails in log space, effect sizes, multiple-testing
corrections, Storey's q-values (numpy), and the ranked-list statistics (GSEA, XL-mHG) whose
inner loops are compiled with numba on first use. No pandas, no files, no libraries."""

from .corrections import CORRECTION_METHODS, adjust_pvalues, adjust_tied_pvalues
from .hypergeom import effect_sizes, hypergeom_logsf, hypergeom_sf
from .qvalue import estimate_pi0, qvalue

__all__ = [
    "CORRECTION_METHODS",
    "adjust_pvalues",
    "adjust_tied_pvalues",
    "effect_sizes",
    "estimate_pi0",
    "hypergeom_logsf",
    "hypergeom_sf",
    "qvalue",
]
