"""Readers that turn files into libraries: GMT, PFOCR figure pages, the embedded sample."""

from .datasets import SAMPLE_LIBRARIES, sample_library
from .figures import read_figures
from .gmt import read_gmt, write_gmt

__all__ = ["SAMPLE_LIBRARIES", "read_figures", "read_gmt", "sample_library", "write_gmt"]
