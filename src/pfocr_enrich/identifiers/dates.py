"""Gene symbols that spreadsheets turned into dates (``MARCH1`` -> ``1-Mar``)."""

from __future__ import annotations

import re

_DATE_MONTHS = {"MAR": ("MARCH",), "SEP": ("SEPT",), "DEC": ("DEC",), "OCT": ("OCT",)}
# Spreadsheet damage: MARCH1 -> "1-Mar", SEPT7 -> "7-Sep" or "Sep-7"; some tools print "MAR1".
_DATE_PATTERNS = (
    re.compile(r"^(?P<num>[0-9]{1,2})-(?P<mon>MAR|SEP|DEC|OCT)$", re.IGNORECASE),
    re.compile(r"^(?P<mon>MAR|SEP|DEC|OCT)-(?P<num>[0-9]{1,2})$", re.IGNORECASE),
    re.compile(r"^(?P<mon>MAR|SEP|DEC|OCT)(?P<num>[0-9]{1,2})$", re.IGNORECASE),
)


def date_candidates(name: str) -> list[str]:
    """Gene symbols a spreadsheet could have turned into ``name``.

    Examples
    --------
    >>> date_candidates("1-Mar"), date_candidates("TP53")
    (['MARCH1'], [])
    """
    for pattern in _DATE_PATTERNS:
        match = pattern.match(name)
        if match:
            number = int(match.group("num"))
            return [prefix + str(number) for prefix in _DATE_MONTHS[match.group("mon").upper()]]
    return []
