"""Front matter values as the library keeps them: R's missing markers, years, Entrez ID order."""

from __future__ import annotations

from typing import Any

__all__ = ["entrez_order", "organisms", "scalar", "sorted_entrez", "text", "year"]

_MISSING = frozenset({"NA", ".na.character"})


def scalar(value: Any) -> str | None:
    """Return a stripped string; R's missing markers and null become None."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return None if text in _MISSING else text


def text(value: Any) -> str:
    """:func:`scalar`, with ``""`` for missing values."""
    return scalar(value) or ""


def organisms(value: Any) -> list[str]:
    """A scalar or a list of organism names -> the list of names that are not missing."""
    items = value if isinstance(value, list) else [value]
    return [s for s in (scalar(v) for v in items) if s]


def year(value: Any) -> int | None:
    """Return the year as int (files quote it: ``'2021'``); None when missing.

    Raises ValueError when the value is not a whole number.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    given = scalar(value)
    return int(given) if given else None


def entrez_order(entrez: str) -> tuple[int, int, str]:
    """Sort key: numeric IDs by number (then text), anything else after them, by text."""
    return (0, int(entrez), entrez) if entrez.isdigit() else (1, 0, entrez)


def sorted_entrez(entrez: set[str]) -> list[str]:
    """``sorted(entrez, key=entrez_order)``; for all-digit IDs (nearly always) as two C-level sorts."""
    if all(e.isdigit() for e in entrez):
        return sorted(sorted(entrez), key=int)  # by number, equal numbers ("07", "7") by text
    return sorted(entrez, key=entrez_order)
