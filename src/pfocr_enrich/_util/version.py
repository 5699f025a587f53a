"""The installed package version, for provenance, User-Agent headers and reports."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("pfocr_enrich")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0+unknown"
