"""Saved libraries in the cache: written in one step, and read back or rebuilt when damaged."""

from __future__ import annotations

import logging
from pathlib import Path

from .._util.files import replace_atomically
from ..library import GeneSetLibrary

logger = logging.getLogger(__name__)


def save_atomically(lib: GeneSetLibrary, path: Path) -> None:
    """Save ``lib`` to ``path`` so that readers see the old file or the whole new one."""
    replace_atomically(path, lib.save)


def load_quietly(path: Path) -> GeneSetLibrary | None:
    """A cached library, or None when it is missing or damaged (it is then rebuilt)."""
    if not path.is_file():
        return None
    try:
        return GeneSetLibrary.load(path)
    except Exception as exc:  # noqa: BLE001 - any damage to our own cache means "rebuild"
        logger.warning("rebuilding damaged cache file %s (%s)", path, exc)
        return None
