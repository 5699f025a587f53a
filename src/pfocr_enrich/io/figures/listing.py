"""Which files a ``source`` of :func:`~pfocr_enrich.io.figures.read_figures` names, in reading order."""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Iterable
from pathlib import Path

from ..._util.validation import describe, param_error

__all__ = ["expand", "resolve_source"]

_GLOB_CHARS = frozenset("*?[")


def resolve_source(source: object) -> tuple[list[str], str, str | list[str]]:
    """Return the figure files in reading order, the default name and the source as text."""
    if isinstance(source, (str, os.PathLike)):
        given = os.fspath(source)
        paths = expand(given)
        folder = given if os.path.isdir(given) else os.path.dirname(paths[0])
        return paths, Path(os.path.abspath(folder or ".")).name, given
    if isinstance(source, (bytes, dict)) or not isinstance(source, Iterable):
        expected = "a path, a glob pattern or a list of paths"
        raise param_error("read_figures", "source", expected, source, error=TypeError)
    items = list(source)  # a copy: the caller's list is never modified
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            shown = f"{describe(item, with_type=True)} in the list"
            raise param_error(
                "read_figures", "source", "a list of paths", source, error=TypeError, shown=shown
            )
    given = [os.fspath(item) for item in items]
    paths = [path for item in given for path in expand(item)]
    if not paths:
        raise FileNotFoundError(
            errno.ENOENT, "read_figures: the list of figure files is empty", "[]"
        )
    return paths, Path(os.path.abspath(os.path.dirname(paths[0]) or ".")).name, given


def expand(path: str) -> list[str]:
    """One path -> figure files: a file, a folder's *.md files, or a glob's matches.

    Every name is kept, whatever it is: a ``*.md`` name in a folder that is a
    broken link, a folder or a FIFO is read as a figure file, and reading it gives
    an ``unreadable`` row, so nothing named like a figure is left out unseen (the
    same goes for every match of a pattern). Only ``README.md`` files found in
    folders or by patterns are skipped: they are documentation.
    """
    if os.path.isdir(path):
        figures = os.path.join(path, "_figures")
        folder = figures if os.path.isdir(figures) else path
        with os.scandir(folder) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(".md"))
        found = [os.path.join(folder, n) for n in names if not _is_readme(n)]
        if not found:
            raise FileNotFoundError(
                errno.ENOENT, "read_figures: no *.md figure files in folder", folder
            )
        return found
    if os.path.lexists(path):
        return [path]
    if _GLOB_CHARS.intersection(path):
        found = sorted(p for p in glob.glob(path) if not _is_readme(p))
        if found:
            return found
        raise FileNotFoundError(
            errno.ENOENT, "read_figures: no figure files match the pattern", path
        )
    raise FileNotFoundError(errno.ENOENT, "read_figures: no such figure file or folder", path)


def _is_readme(path: str) -> bool:
    return os.path.basename(path).lower() == "readme.md"
