"""Results: one model for single and batch results, its tables, text, exports and report."""

from .model import PFOCR_CITATION, BatchEnrichmentResult, EnrichmentResult

__all__ = ["PFOCR_CITATION", "BatchEnrichmentResult", "EnrichmentResult"]
