"""Exceptions and warnings raised by pfocr_enrich.

Every class subclasses a built-in (``ValueError`` or ``UserWarning``) so users can
catch ours precisely or fall back to the built-in.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "EmptyQueryError",
    "FigureFormatError",
    "FigureParseWarning",
    "GMTFormatError",
    "GMTFormatWarning",
    "GeneMappingWarning",
    "LibraryFormatError",
    "PfocrEnrichError",
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
