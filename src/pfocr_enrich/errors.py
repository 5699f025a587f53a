"""Exceptions and warnings raised by pfocr_enrich.

Every class subclasses a built-in (``ValueError`` or ``UserWarning``) so users can
catch ours precisely or fall back to the built-in.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "ChecksumError",
    "DownloadError",
    "MetadataJoinWarning",
    "OfflineError",
    "ReleaseNotFoundError",
    "EmptyQueryError",
    "FigureFormatError",
    "FigureParseWarning",
    "GMTFormatError",
    "GMTFormatWarning",
    "GeneMappingWarning",
    "LibraryFormatError",
    "PfocrEnrichError",
    "RankingFormatError",
]


class PfocrEnrichError(ValueError):
    """Base class of our errors about user input."""


class _FileError(PfocrEnrichError):
    """An error located in a file, optionally at a 1-based line."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        where = ""
        if self.path is not None:
            where = self.path if line is None else f"{self.path}, line {line}"
            where += ": "
        super().__init__(where + message)
        self.reason = message


class FigureFormatError(_FileError):
    """A PFOCR figure record (Jekyll markdown with YAML front matter) cannot be used."""


class GMTFormatError(_FileError):
    """A GMT file breaks the format (too few fields, duplicate set names, ...)."""


class RankingFormatError(_FileError):
    """A ``.rnk`` ranking file breaks the format (gene TAB score per line); ``.path`` and ``.line`` say where."""


class LibraryFormatError(_FileError):
    """A saved library file is not one we wrote, or is damaged."""


class EmptyQueryError(PfocrEnrichError):
    """No query gene is left once identifiers are mapped and restricted to the universe."""


class FigureParseWarning(UserWarning):
    """Figure files or keywords were left out while reading; see ``lib.load_report``."""


class GMTFormatWarning(UserWarning):
    """GMT lines were left out while reading; see ``lib.load_report``."""


class GeneMappingWarning(UserWarning):
    """Query genes were left out or changed while mapping; see ``res.mapping``."""


class ReleaseNotFoundError(PfocrEnrichError, LookupError):
    """The server has no such release, or no GMT for the organism in that release.

    ``.url`` is the address that answered 404 (or the listing that lacked the
    file), ``.release`` and ``.organism`` what was asked, and ``.available``
    the releases or organisms the server does have, when they could be listed.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        release: str | None = None,
        organism: str | None = None,
        available: Iterable[str] = (),
    ) -> None:
        super().__init__(message)
        self.url = url
        self.release = release
        self.organism = organism
        self.available = list(available)


class OfflineError(PfocrEnrichError, ConnectionError):
    """The release server cannot be reached; ``.cached`` lists the releases usable offline."""

    def __init__(self, message: str, *, url: str | None = None, cached: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.url = url
        self.cached = list(cached)


class DownloadError(PfocrEnrichError, OSError):
    """A transfer failed part-way (connection dropped, HTTP error); nothing was cached."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ChecksumError(PfocrEnrichError):
    """Downloaded or cached bytes differ from what was expected (size or SHA-256).

    ``.url`` (or the cached ``.path``), ``.expected`` and ``.actual`` say what
    differs. A download that fails the check leaves nothing in the cache.
    """

    def __init__(
        self,
        message: str,
        *,
        url: str | None = None,
        path: str | None = None,
        expected: str | int | None = None,
        actual: str | int | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.path = path
        self.expected = expected
        self.actual = actual


class MetadataJoinWarning(UserWarning):
    """Some sets found no figure metadata in :func:`join_metadata`; see ``lib.info['metadata']``."""
