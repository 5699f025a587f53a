"""Readers that turn files into libraries: GMT, PFOCR figure pages, the embedded sample."""

from __future__ import annotations

from typing import Any

from .datasets import SAMPLE_LIBRARIES, sample_library
from .gmt import read_gmt, write_gmt

__all__ = ["SAMPLE_LIBRARIES", "read_figures", "read_gmt", "sample_library", "write_gmt"]


def __getattr__(name: str) -> Any:
    # read_figures needs PyYAML; importing it on first use keeps yaml and the page
    # reader (~25 ms of CPU) out of `import pfocr_enrich` and of an enrichment.
    if name == "read_figures":
        from .figures import read_figures

        return read_figures
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
