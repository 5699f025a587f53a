"""pfocr_enrich: gene-set enrichment over PFOCR pathway figures.

>>> import pfocr_enrich as pe
>>> res = pe.enrich(["IRF3", "MAVS", "TBK1", "IFNB1"], pe.sample_library())
>>> res.table.columns[:3].tolist()
['set_id', 'overlap', 'set_size']
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from . import plot
from ._util.version import __version__
from .engine import enrich, enrich_many, enrich_rank_genes_groups, gsea, mhg, score_cells
from .errors import (
    ChecksumError,
    DownloadError,
    EmptyQueryError,
    FigureFormatError,
    FigureParseWarning,
    GeneMappingWarning,
    GMTFormatError,
    GMTFormatWarning,
    LibraryFormatError,
    MetadataJoinWarning,
    OfflineError,
    PfocrEnrichError,
    RankingFormatError,
    ReleaseNotFoundError,
)
from .identifiers import GeneMapper, map_genes
from .io import read_gmt, sample_library, write_gmt
from .library import GeneSetLibrary
from .results import BatchEnrichmentResult, EnrichmentResult
from .sources import (
    cached_releases,
    clear_cache,
    join_metadata,
    list_releases,
    load_pfocr,
    load_snapshot,
)

logging.getLogger(__name__).addHandler(logging.NullHandler())


if TYPE_CHECKING:  # read at run time through __getattr__ below; named here for tools (mkdocstrings)
    from .io.figures import read_figures


def __getattr__(name: str) -> Any:
    # read_figures (and PyYAML with it) is imported on first use: see io/__init__.py.
    if name == "read_figures":
        from .io.figures import read_figures

        return read_figures
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BatchEnrichmentResult",
    "ChecksumError",
    "DownloadError",
    "EmptyQueryError",
    "EnrichmentResult",
    "FigureFormatError",
    "FigureParseWarning",
    "GMTFormatError",
    "GMTFormatWarning",
    "GeneMapper",
    "GeneMappingWarning",
    "GeneSetLibrary",
    "LibraryFormatError",
    "MetadataJoinWarning",
    "OfflineError",
    "PfocrEnrichError",
    "RankingFormatError",
    "ReleaseNotFoundError",
    "__version__",
    "cached_releases",
    "clear_cache",
    "enrich",
    "enrich_many",
    "enrich_rank_genes_groups",
    "gsea",
    "join_metadata",
    "list_releases",
    "load_pfocr",
    "load_snapshot",
    "map_genes",
    "mhg",
    "plot",
    "read_figures",
    "read_gmt",
    "sample_library",
    "score_cells",
    "write_gmt",
]
