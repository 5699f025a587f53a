"""Where libraries come from beyond local files: official PFOCR releases (download,
verify, cache) and cached snapshots of figure-page folders."""

from .metadata import join_metadata
from .releases import cached_releases, clear_cache, list_releases, load_pfocr
from .snapshots import load_snapshot

__all__ = [
    "cached_releases",
    "clear_cache",
    "join_metadata",
    "list_releases",
    "load_pfocr",
    "load_snapshot",
]
