"""The vocabulary every identifier module shares: statuses, lookup keys, one mapped row.

Nothing here reads a table; the other modules of this folder build on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["KEPT_STATUSES", "MAPPING_STATUSES", "MappedGene", "gene_key"]

#: Every status a mapping row can carry, in the order the report lists them.
MAPPING_STATUSES = (
    "official",
    "case",
    "entrez",
    "ensembl",
    "alias",
    "previous",
    "spelling",
    "date_repaired",
    "ortholog",
    "ambiguous",
    "unknown",
    "no_ortholog",
    "outside_universe",
    "duplicate",
)
#: Statuses whose gene enters the query.
KEPT_STATUSES = frozenset(MAPPING_STATUSES) - {
    "ambiguous",
    "unknown",
    "no_ortholog",
    "outside_universe",
    "duplicate",
}

ENTREZ_ID = re.compile(r"^[0-9]+$")
ENSEMBL_HUMAN_GENE = re.compile(r"^(ENSG[0-9]{11})(\.[0-9]+)?$", re.IGNORECASE)
NONE: frozenset[str] = frozenset()


def gene_key(name: str) -> str:
    """Return the case-insensitive lookup key of a gene name.

    ASCII names are upper-cased; names with any non-ASCII character are kept as
    they are, because Unicode upper-casing is lossy (``"Aß".upper() == "ASS"``,
    the previous symbol of ASS1).

    Examples
    --------
    >>> gene_key("Akt1"), gene_key("Aß")
    ('AKT1', 'Aß')
    """
    return name.upper() if name.isascii() else name


def keys_of(names: Iterable[str]) -> list[str]:
    """:func:`gene_key` of many names (one list comprehension: no call per name)."""
    return [name.upper() if name.isascii() else name for name in names]


def multimap(keys: Iterable[str], values: Iterable[str]) -> dict[str, set[str]]:
    """key -> set of values. The sets stay private to the mapper and are never changed."""
    grouped: dict[str, set[str]] = {}
    for key, value in zip(keys, values):
        grouped.setdefault(key, set()).add(value)
    return grouped


@dataclass(frozen=True)
class MappedGene:
    """How one query item was resolved.

    Examples
    --------
    >>> MappedGene("p53", "alias", "TP53", "alias of TP53").mapped_to
    'TP53'
    """

    input: str
    status: str
    mapped_to: str | None
    note: str = ""
