"""Front matter values as the library keeps them: R's missing markers, years, Entrez ID order."""

from __future__ import annotations

from typing import Any

__all__ = ["entrez_order", "is_number", "organisms", "scalar", "sorted_entrez", "text", "year"]

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

    Raises ValueError when the value is not a year of four ASCII digits (1000-9999):
    a value that is not a whole number, or one far out of range (``1.0e+30``).
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        number = value
    else:
        given = scalar(value)
        if not given:
            return None
        if not is_number(given):
            raise ValueError(given)
        number = int(given)
    if not 1000 <= number <= 9999:
        raise ValueError(number)
    return number


def is_number(text: str) -> bool:
    """Whether ``text`` is ASCII digits only (``"²".isdigit()`` is true, but ``int("²")`` fails)."""
    return text.isascii() and text.isdigit()


def entrez_order(entrez: str) -> tuple[int, int, str]:
    """Sort key: numeric IDs by number (then text), anything else after them, by text."""
    return (0, int(entrez), entrez) if is_number(entrez) else (1, 0, entrez)


def sorted_entrez(entrez: set[str]) -> list[str]:
    """``sorted(entrez, key=entrez_order)``; for all-digit IDs (nearly always) as two C-level sorts."""
    if all(is_number(e) for e in entrez):
        return sorted(sorted(entrez), key=int)  # by number, equal numbers ("07", "7") by text
    return sorted(entrez, key=entrez_order)
