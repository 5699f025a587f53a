"""The options of :func:`~pfocr_enrich.io.figures.read_figures` that ``load_snapshot`` passes on.

Kept apart from the page reader so that checking them imports no PyYAML (a cached
snapshot is loaded without it).
"""

from __future__ import annotations

from .._util.validation import check_choice, check_type, param_error

__all__ = ["ERROR_MODES", "SUPPORTED_ORGANISMS", "check_read_options"]

ERROR_MODES = ("raise", "warn", "skip")
#: Organism name -> NCBI taxonomy id.
SUPPORTED_ORGANISMS = {"Homo sapiens": "9606"}


def check_read_options(*, func: str, errors: object, organism: object, name: object) -> str:
    """Check ``errors``, ``organism`` and ``name``; return the NCBI taxonomy id of ``organism``.

    Examples
    --------
    >>> check_read_options(func="read_figures", errors="warn", organism="Homo sapiens", name="")
    '9606'
    """
    check_choice(errors, ERROR_MODES, func=func, param="errors")
    expected = "'Homo sapiens' (only human is supported yet)"
    check_type(organism, str, func=func, param="organism", expected=expected)
    if organism not in SUPPORTED_ORGANISMS:
        raise param_error(func, "organism", expected, organism)
    check_type(name, str, func=func, param="name", expected="a str")
    return SUPPORTED_ORGANISMS[str(organism)]
