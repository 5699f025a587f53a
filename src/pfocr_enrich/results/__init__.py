"""Results: one model for single and batch results, read through one row protocol; its
clustering, text, exports and HTML report."""

from .batch import BatchEnrichmentResult
from .model import EnrichmentResult
from .rows import FrameRows, Rows
from .text import PFOCR_CITATION

__all__ = ["PFOCR_CITATION", "BatchEnrichmentResult", "EnrichmentResult", "FrameRows", "Rows"]
