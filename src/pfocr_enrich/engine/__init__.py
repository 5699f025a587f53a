"""Running analyses: options and compat presets, the universe, scoring, and the entry
points that return results (``enrich``, ``enrich_many``, ``gsea``, ``mhg``), and the single-cell entry
points (``enrich_rank_genes_groups``, ``score_cells``; anndata imported only when called)."""

from .cellscores import score_cells
from .enrich import enrich, enrich_many, read_queries
from .markers import enrich_rank_genes_groups
from .options import COMPAT_PRESETS, FDR_FAMILIES
from .ranked import gsea, mhg, read_ranking
from .ranking import parse_rnk

__all__ = [
    "COMPAT_PRESETS",
    "FDR_FAMILIES",
    "enrich",
    "enrich_many",
    "enrich_rank_genes_groups",
    "gsea",
    "mhg",
    "parse_rnk",
    "read_queries",
    "read_ranking",
    "score_cells",
]
