"""Running analyses: options and compat presets, the universe, scoring, and the entry
points that return results (``enrich``, ``enrich_many``, ``gsea``, ``mhg``)."""

from .enrich import enrich, enrich_many, read_queries
from .options import COMPAT_PRESETS, FDR_FAMILIES
from .ranked import gsea, mhg, read_ranking

__all__ = [
    "COMPAT_PRESETS",
    "FDR_FAMILIES",
    "enrich",
    "enrich_many",
    "gsea",
    "mhg",
    "read_queries",
    "read_ranking",
]
