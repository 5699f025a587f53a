"""Results: one model for single and batch results, read through one row protocol; its
filters, clustering, text, exports and HTML report. The engine builds results with
:func:`from_rows` (and reads a scanpy batch as groups with :func:`group_result`)."""

from .batch import BatchEnrichmentResult
from .groups import GroupEnrichmentResult, group_result
from .model import EnrichmentResult, from_rows
from .rows import FrameRows, Rows
from .text import PFOCR_CITATION

__all__ = [
    "PFOCR_CITATION",
    "BatchEnrichmentResult",
    "EnrichmentResult",
    "FrameRows",
    "GroupEnrichmentResult",
    "Rows",
    "from_rows",
    "group_result",
]
