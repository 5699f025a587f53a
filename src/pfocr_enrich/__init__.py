"""pfocr_enrich: gene-set enrichment over PFOCR pathway figures.

>>> import pfocr_enrich as pe
>>> res = pe.enrich(["IRF3", "MAVS", "TBK1", "IFNB1"], pe.sample_library())
>>> res.table.columns[:3].tolist()
['set_id', 'overlap', 'set_size']
"""

from __future__ import annotations

import logging

from .datasets import sample_library
from .enrich import enrich, enrich_many
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
    ReleaseNotFoundError,
)
from .figures import read_figures
from .gmt import read_gmt, write_gmt
from .identifiers import GeneMapper, map_genes
from .library import GeneSetLibrary
from .releases import cached_releases, clear_cache, list_releases, load_pfocr
from .results import BatchEnrichmentResult, EnrichmentResult
from .snapshots import load_snapshot

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("pfocr_enrich")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"

logging.getLogger(__name__).addHandler(logging.NullHandler())

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
    "ReleaseNotFoundError",
    "__version__",
    "cached_releases",
    "clear_cache",
    "enrich",
    "enrich_many",
    "list_releases",
    "load_pfocr",
    "load_snapshot",
    "map_genes",
    "read_figures",
    "read_gmt",
    "sample_library",
    "write_gmt",
]
