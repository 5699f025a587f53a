"""The human mapper's lookups beyond official symbols, built once on first need.

Ensembl IDs, HGNC symbols of 2018 renamed since, gene families, aliases
(NCBI and HGNC) and previous symbols (HGNC), each keyed by :func:`gene_key`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .keys import keys_of, multimap

if TYPE_CHECKING:
    from .mapper import GeneMapper

_SQUASH = re.compile(r"[\-\s._]+")


def squash(key: str) -> str:
    """A key without hyphens, spaces, dots and underscores (``NF-KB`` -> ``NFKB``).

    Examples
    --------
    >>> squash("NF-KB"), squash("IL-1")
    ('NFKB', 'IL1')
    """
    return _SQUASH.sub("", key)


@dataclass(frozen=True)
class Synonyms:
    """Tiers 1b and 3-5 of :class:`GeneMapper`, keyed by :func:`gene_key`."""

    ensembl_to_entrez: dict[str, str]
    hgnc_symbols: dict[str, set[str]]  # HGNC symbols of 2018 renamed since
    families: dict[str, set[str]]
    families_squashed: dict[str, str]  # squashed family key -> family key
    alias_targets: dict[str, set[str]]
    previous_targets: dict[str, set[str]]
    hgnc_targets: dict[str, set[str]]  # what HGNC (alias or previous) names a key

    @classmethod
    def build(cls, mapper: GeneMapper) -> Synonyms:
        known = mapper.known_entrez()
        official = mapper.official_keys()
        ensembl_to_entrez: dict[str, str] = {}
        for entrez, ids in mapper.ensembl_pairs():  # in preference order: the first gene wins
            for ens in filter(None, ids.split(";")):
                ensembl_to_entrez.setdefault(ens.upper(), entrez)
        lexicon: dict[str, tuple[list[str], list[str]]] = {}
        table = mapper._tables.columns("lexicon")
        for term, entrez, source in zip(table["term"], table["entrez"], table["source"]):
            if entrez in known:  # ids withdrawn from NCBI since 2018 cannot be mapped
                keys, ids = lexicon.setdefault(source, ([], []))
                keys.append(term)
                ids.append(entrez)
        nothing: tuple[list[str], list[str]] = ([], [])

        def grouped(source: str) -> dict[str, set[str]]:
            terms, ids = lexicon.get(source, nothing)
            return multimap(keys_of(terms), ids)

        alias_names, alias_ids = [], []
        aliases = mapper._tables.columns("aliases")
        for alias, entrez in zip(aliases["alias"], aliases["entrez"]):
            if entrez in known:
                alias_names.append(alias.strip())
                alias_ids.append(entrez)
        lex_alias_terms, lex_alias_ids = lexicon.get("hgnc_alias_symbol", nothing)
        lex_prev_terms, lex_prev_ids = lexicon.get("hgnc_prev_symbol", nothing)
        alias_targets = multimap(keys_of(alias_names + lex_alias_terms), alias_ids + lex_alias_ids)
        families = {k: v for k, v in grouped("bioentities_symbol").items() if k not in official}
        squashed: dict[str, str] = {}
        for key in sorted(families):
            squashed.setdefault(squash(key), key)
        return cls(
            ensembl_to_entrez=ensembl_to_entrez,
            hgnc_symbols=mapper.renames(),
            families=families,
            families_squashed=squashed,
            alias_targets={k: v for k, v in alias_targets.items() if k and k not in official},
            previous_targets={
                k: v for k, v in grouped("hgnc_prev_symbol").items() if k not in official
            },
            hgnc_targets=multimap(
                keys_of(lex_alias_terms + lex_prev_terms), lex_alias_ids + lex_prev_ids
            ),
        )

    def family(self, key: str) -> set[str] | None:
        """Members of the family spelled ``key``, hyphens and spaces ignored (``NF-KB``)."""
        members = self.families.get(key)
        if members is None:
            squashed = self.families_squashed.get(squash(key))
            members = None if squashed is None else self.families[squashed]
        return members
