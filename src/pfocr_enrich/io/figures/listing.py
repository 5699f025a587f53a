"""Which files a ``source`` of :func:`~pfocr_enrich.io.figures.read_figures` names, in reading order."""

from __future__ import annotations

import errno
import glob
import os
from collections.abc import Iterable
from pathlib import Path

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
        msg = (
            "The 'source' parameter of read_figures must be a path, a glob pattern or a list "
            f"of paths. Got {source!r} instead."
        )
        raise TypeError(msg)
    items = list(source)  # a copy: the caller's list is never modified
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            msg = (
                "The 'source' parameter of read_figures must be a list of paths. "
                f"Got {item!r} in the list instead."
            )
            raise TypeError(msg)
    given = [os.fspath(item) for item in items]
    paths = [path for item in given for path in expand(item)]
    if not paths:
        raise FileNotFoundError(
            errno.ENOENT, "read_figures: the list of figure files is empty", "[]"
        )
    return paths, Path(os.path.abspath(os.path.dirname(paths[0]) or ".")).name, given


def expand(path: str) -> list[str]:
    """One path -> figure files: a file, a folder's *.md files, or a glob's matches."""
    if os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        figures = os.path.join(path, "_figures")
        folder = figures if os.path.isdir(figures) else path
        with os.scandir(folder) as entries:  # the directory's file types: no stat per file
            names = sorted(
                e.name
                for e in entries
                if e.name.endswith(".md") and not _is_readme(e.name) and _is_file(e)
            )
        found = [os.path.join(folder, n) for n in names]
        if not found:
            raise FileNotFoundError(
                errno.ENOENT, "read_figures: no *.md figure files in folder", folder
            )
        return found
    if _GLOB_CHARS.intersection(path):
        found = sorted(p for p in glob.glob(path) if os.path.isfile(p) and not _is_readme(p))
        if found:
            return found
        raise FileNotFoundError(
            errno.ENOENT, "read_figures: no figure files match the pattern", path
        )
    raise FileNotFoundError(errno.ENOENT, "read_figures: no such figure file or folder", path)


def _is_file(entry: os.DirEntry[str]) -> bool:
    """``os.path.isfile`` of a directory entry (symlinks followed; errors mean False)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_readme(path: str) -> bool:
    return os.path.basename(path).lower() == "readme.md"
