"""Tiers 3-7 of the human mapper: renamed symbols, families, aliases, dates, spellings.

Each function returns a :data:`Hit`, ``(Entrez ID or None, status, note)``;
:class:`~pfocr_enrich.identifiers.mapper.GeneMapper` calls them once its own
tiers (IDs and official symbols) found nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .dates import date_candidates
from .keys import NONE, gene_key
from .spellings import COMMON_WORDS, spelling_variants

if TYPE_CHECKING:
    from .mapper import GeneMapper

#: (Entrez ID or None, status, note)
Hit = tuple["str | None", str, str]
_UNKNOWN: Hit = (None, "unknown", "")
# Three-letter names are acronyms of too many things (CaM, CSL, DAR) for the HGNC
# priority rule; PD-1 and OCT4 have four characters.
_MIN_PRIORITY_LENGTH = 4


def resolve_synonyms(mapper: GeneMapper, name: str, key: str) -> Hit:
    """Tiers 3-7 for a name that is no ID and no official symbol."""
    hit = renamed_or_synonym(mapper, key)
    if date_candidates(name):
        hit = _merge_date(mapper, name, hit)
    if hit is None or hit[1] == "unknown":
        return _from_spelling(mapper, name) or hit or _UNKNOWN
    return hit


def renamed_or_synonym(mapper: GeneMapper, key: str) -> Hit | None:
    """Tiers 3-5: renamed HGNC symbol, family, aliases and previous symbols."""
    renamed = mapper.renames().get(key)
    if renamed is not None and len(renamed) == 1:
        (entrez,) = renamed
        return entrez, "previous", f"HGNC symbol (2018) renamed {mapper.symbol_of_entrez(entrez)}"
    synonyms = mapper._synonyms()
    family = synonyms.family(key)
    if family:
        return _family_hit(mapper, family)
    aliases = synonyms.alias_targets.get(key, NONE)
    previous = synonyms.previous_targets.get(key, NONE)
    targets = aliases | previous
    if not targets:
        return None
    note = ""
    if len(targets) > 1:
        # Priority rule: NCBI lists the spelling for several genes, HGNC for one of them.
        named = synonyms.hgnc_targets.get(key, NONE) & targets
        if len(named) != 1 or len(key) < _MIN_PRIORITY_LENGTH:
            return (
                None,
                "ambiguous",
                "alias or previous symbol of " + ", ".join(mapper.symbols(targets)),
            )
        note = "; HGNC names it, NCBI also lists " + ", ".join(mapper.symbols(targets - named))
        targets = named
    (entrez,) = targets
    status = "alias" if entrez in aliases else "previous"
    kind = "alias" if status == "alias" else "previous symbol"
    return entrez, status, f"{kind} of {mapper.symbol_of_entrez(entrez)}{note}"


def _family_hit(mapper: GeneMapper, family: set[str]) -> Hit:
    """A family name is ``ambiguous``, its members listed; a family of one gene is that gene."""
    if len(family) == 1:
        (entrez,) = family
        return entrez, "alias", f"gene family of one gene, {mapper.symbol_of_entrez(entrez)}"
    return None, "ambiguous", "gene family of " + ", ".join(mapper.symbols(family))


def _merge_date(mapper: GeneMapper, name: str, hit: Hit | None) -> Hit:
    """A date-like name (``MAR1``) may also be an alias: unambiguous only if both agree."""
    date = _from_date(mapper, name)
    if hit is None or hit[1] == "unknown":
        return date
    if date[0] is None and date[1] == "unknown":
        return hit
    if hit[0] is not None and hit[0] == date[0]:
        return hit
    return None, "ambiguous", f"{hit[2]}; or {date[2]}"


def _from_date(mapper: GeneMapper, name: str) -> Hit:
    candidates = date_candidates(name)
    genes = set()
    for candidate in candidates:
        key = gene_key(candidate)
        symbol = mapper.official_symbol(candidate)
        if symbol is not None:
            genes.add(mapper.entrez_of_symbol(symbol))
            continue
        hit = renamed_or_synonym(mapper, key)
        if hit is not None and hit[0] is not None:
            genes.add(hit[0])
        elif hit is not None and hit[1] == "ambiguous":
            return None, "ambiguous", f"spreadsheet date for {candidate}, which is an {hit[2]}"
    if len(genes) == 1:
        (entrez,) = genes
        return (
            entrez,
            "date_repaired",
            f"spreadsheet date for {candidates[0]}, now {mapper.symbol_of_entrez(entrez)}",
        )
    if len(genes) > 1:
        return None, "ambiguous", "spreadsheet date of " + ", ".join(mapper.symbols(genes))
    return _UNKNOWN


def _from_spelling(mapper: GeneMapper, name: str) -> Hit | None:
    """Tier 7: the first rewrite of a paper spelling that a table knows.

    A rewrite that names a family wins over any other rewrite (``NF-κB`` stays
    the family even though NCBI lists ``NF-kB`` as an alias of NFKB1).
    """
    variants = spelling_variants(name)
    if not variants:
        return None
    synonyms = mapper._synonyms()
    for variant, rules in variants:
        family = synonyms.family(gene_key(variant))
        if family:
            entrez, status, note = _family_hit(mapper, family)
            status = "spelling" if entrez is not None else status
            return entrez, status, f"{note} (spelling {variant}; {_rules(rules)})"
    for variant, rules in variants:
        symbol = mapper.official_symbol(variant)
        if symbol is not None:
            hit = (mapper.entrez_of_symbol(symbol), "spelling", f"{symbol} ({_rules(rules)})")
            return flag_common_word(mapper, variant, hit)
        hit = renamed_or_synonym(mapper, gene_key(variant))
        if hit is None:
            continue
        if hit[0] is None:
            return None, hit[1], f"spelling {variant} ({_rules(rules)}): {hit[2]}"
        hit = (hit[0], "spelling", f"{variant}, {hit[2]} ({_rules(rules)})")
        return flag_common_word(mapper, variant, hit)
    return None


def _rules(rules: tuple[str, ...]) -> str:
    return "rules " + "+".join(rules) if len(rules) > 1 else f"rule {rules[0]}"


def flag_common_word(mapper: GeneMapper, name: str, hit: Hit) -> Hit:
    """A chemical or common word that reached a gene is ``ambiguous``, the gene named."""
    entrez = hit[0]
    if entrez is None or gene_key(name) not in COMMON_WORDS:
        return hit
    symbol = mapper.symbol_of_entrez(entrez)
    return (
        None,
        "ambiguous",
        f"{name!r} is also a chemical, abbreviation, virus protein or common word; as a gene name: "
        f"{hit[1]} -> {symbol} (give {symbol} to use that gene)",
    )
