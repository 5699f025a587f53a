"""Normalising and mapping human gene identifiers.

The reference is the NCBI Gene human table shipped with the package
(``data/ncbi_genes.tsv.gz``, ``data/ncbi_aliases.tsv.gz``; see ``data/README.md``).
A :class:`GeneMapper` resolves what users type (symbols in any case, Entrez IDs as
int or str, Ensembl gene IDs with or without version, unambiguous NCBI aliases,
paper spellings such as ``HIF-1α``) to an Entrez ID and says how.

Only ``pandas`` at the edges; lookups are plain dictionaries built once: official
symbols with the mapper, the larger synonym tables on the first name that needs them
(:mod:`.synonyms`), the rules of the last tier in :mod:`.tiers`. The tables themselves,
read once and only when needed, are in :mod:`.mapper_tables`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import FrozenInstanceError
from functools import lru_cache
from typing import Any

import pandas as pd

from .._util.files import gc_paused
from .._util.validation import check_choice, check_type
from .keys import ENSEMBL_HUMAN_GENE, ENTREZ_ID, MappedGene, gene_key, keys_of, multimap
from .mapper_tables import MapperTables
from .synonyms import Synonyms
from .tiers import Hit, flag_common_word, resolve_synonyms

logger = logging.getLogger(__name__)

__all__ = ["GeneMapper"]


def _entrez_number(entrez: str) -> tuple[int, float]:
    """Sort key of an Entrez ID as a number, what is not a number last (as ``pd.to_numeric``)."""
    if entrez.isascii() and entrez.isdigit():
        return 0, int(entrez)
    try:
        value = float(entrez)
    except ValueError:
        return 1, 0.0
    return (1, 0.0) if value != value else (0, value)


def _entrez_preference(genes: dict[str, list[str]]) -> list[int]:
    """Row order in which, for a symbol shared by several IDs, the best one comes first.

    NCBI reuses a few symbols (HBD, TEC, MEMO1, ...). Protein-coding genes win,
    then the smallest Entrez ID, so the choice is deterministic and documented.
    """
    entrez = genes["entrez"]
    numbers = [_entrez_number(e) for e in entrez]
    order = sorted(range(len(entrez)), key=numbers.__getitem__)
    coding = genes.get("gene_type")
    if coding:  # stable: by coding first, by number within (two plain keys, no tuple per row)
        order.sort(key=[t != "protein-coding" for t in coding].__getitem__)
    return order


class GeneMapper:
    """Resolve human gene identifiers to NCBI Gene symbols or Entrez IDs, saying how.

    The resolution order, first match wins:

    1. Entrez IDs (digits) and Ensembl gene IDs (``ENSG...``, version ignored);
    2. the current official symbol (NCBI), exact (``official``) or in another
       case (``case``: mouse-style ``Akt1``);
    3. an HGNC symbol of the PFOCR lexicon (2018) renamed since (``previous``:
       ``SEPT7`` -> SEPTIN7);
    4. a gene family of the lexicon (``PI3K``, also spelled ``NF-kB``, ``IL-1``):
       ``ambiguous``, never expanded;
    5. aliases (NCBI and lexicon) and previous symbols (lexicon): one gene ->
       ``alias`` / ``previous``; several genes -> ``ambiguous``, unless HGNC
       names exactly one of them (``PD-1`` -> PDCD1, ``OCT4`` -> POU5F1);
    6. spreadsheet dates (``1-Mar``, ``7-Sep``, ``SEP7``) -> the symbol they came
       from, when that resolves to exactly one gene (``date_repaired``);
    7. paper spellings (``HIF-1α``, ``IL-1beta``, ``Caspase 3``, ``p-STAT3``)
       rewritten by :func:`~pfocr_enrich.identifiers.spellings.spelling_variants`
       and looked up as in 2-5 (``spelling``).

    A chemical or common word (``ATP``, ``ALL``, ``cAMP``;
    :data:`~pfocr_enrich.identifiers.spellings.COMMON_WORDS`) that reaches a gene
    any other way than as its exact official symbol is ``ambiguous``, with the
    gene named in the note. Names are compared case-insensitively for ASCII only
    (see :func:`gene_key`). Tiers 1-2 are built with the mapper; the tables of the
    others (three times as many entries) are built once, when a name reaches them.

    Parameters
    ----------
    genes : DataFrame
        Columns ``entrez``, ``symbol`` (official), optionally ``gene_type`` and
        ``ensembl`` (``;``-joined).
    aliases : DataFrame, optional
        Columns ``alias``, ``entrez`` (NCBI synonyms; one alias may name several genes).
    lexicon : DataFrame, optional
        Columns ``term``, ``entrez``, ``source`` with ``source`` in
        ``hgnc_symbol``, ``bioentities_symbol``, ``hgnc_alias_symbol``, ``hgnc_prev_symbol``.

    Examples
    --------
    >>> mapper = GeneMapper.default()
    >>> mapper.symbol_of_entrez("7157")
    'TP53'
    >>> r = mapper.resolve("SEPT7")
    >>> r.status, r.mapped_to
    ('previous', 'SEPTIN7')
    >>> r = mapper.resolve("HIF-1α")
    >>> r.status, r.mapped_to
    ('spelling', 'HIF1A')
    """

    #: The organism whose names this mapper reads (see :func:`mapper_for` for others).
    organism = "human"

    def __init__(
        self,
        genes: pd.DataFrame,
        aliases: pd.DataFrame | None = None,
        lexicon: pd.DataFrame | None = None,
    ) -> None:
        self._init(MapperTables({"genes": genes, "aliases": aliases, "lexicon": lexicon}))

    def _init(self, tables: MapperTables) -> None:
        """Store the tables (see :mod:`.mapper_tables`) and build tiers 1-2."""
        with gc_paused():  # ~300,000 new strings and tuples, no cycle: ~0.1 s of collections
            self._build_official(tables)

    def _build_official(self, tables: MapperTables) -> None:
        set_ = object.__setattr__
        set_(self, "_tables", tables)
        # Only the official symbols are built now: most queries resolve through them alone.
        # Plain lists: iterating pandas (>= 3) string arrays element by element is slow.
        genes = tables.columns("genes")
        order = _entrez_preference(genes)
        g_entrez = [genes["entrez"][i] for i in order]
        g_symbol = [genes["symbol"][i] for i in order]
        entrez_to_symbol = dict(zip(g_entrez, g_symbol))
        symbol_to_entrez: dict[str, str] = {}
        key_to_symbol: dict[str, str] = {}
        for entrez, symbol, key in zip(g_entrez, g_symbol, keys_of(g_symbol)):
            symbol_to_entrez.setdefault(symbol, entrez)
            key_to_symbol.setdefault(key, symbol)
        set_(self, "_entrez_to_symbol", entrez_to_symbol)
        set_(self, "_symbol_to_entrez", symbol_to_entrez)
        set_(self, "_key_to_symbol", key_to_symbol)
        ensembl = genes.get("ensembl")
        set_(self, "_ensembl", (g_entrez, [ensembl[i] for i in order]) if ensembl else None)
        set_(self, "_built", None)
        set_(self, "_renamed", None)

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}: GeneMapper is immutable")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}: GeneMapper is immutable")

    @property
    def genes(self) -> pd.DataFrame:
        """The gene table: ``entrez``, ``symbol``, optionally ``gene_type``, ``ensembl``."""
        return self._tables.frame("genes")

    @property
    def aliases(self) -> pd.DataFrame:
        """The alias table: ``alias``, ``entrez`` (empty when the mapper was built without)."""
        return self._tables.frame("aliases")

    @property
    def lexicon(self) -> pd.DataFrame:
        """The lexicon: ``term``, ``entrez``, ``source`` (empty when built without)."""
        return self._tables.frame("lexicon")

    def _synonyms(self) -> Synonyms:
        """Ensembl IDs, HGNC renames, families, aliases and previous symbols, built once."""
        built = self._built
        if built is None:
            # ~400,000 new sets and lists, no cycle: the collector doubled the build's time.
            with gc_paused():
                built = Synonyms.build(self)
            object.__setattr__(self, "_built", built)
        return built

    def renames(self) -> dict[str, set[str]]:
        """HGNC symbols (2018) renamed since: gene key -> Entrez IDs, from the lexicon alone.

        Tier 3 comes first and needs none of the other synonym tables, which take ten
        times longer to build: a list whose only odd names are renamed symbols
        (``DDX58``, ``SEPT7``) never builds them.
        """
        renamed = self._renamed
        if renamed is None:
            table, known = self._tables.columns("lexicon"), self._entrez_to_symbol.keys()
            rows = zip(table["term"], table["entrez"], table["source"])
            # ids withdrawn since 2018 cannot map
            with gc_paused():
                kept = [(t, e) for t, e, s in rows if s == "hgnc_symbol" and e in known]
                grouped = multimap(keys_of([t for t, _ in kept]), [e for _, e in kept])
            renamed = {k: v for k, v in grouped.items() if k not in self._key_to_symbol}
            object.__setattr__(self, "_renamed", renamed)
        return renamed

    def known_entrez(self) -> Iterable[str]:
        """Every Entrez ID of the table (a set-like view)."""
        return self._entrez_to_symbol.keys()

    def official_keys(self) -> Iterable[str]:
        """The :func:`gene_key` of every official symbol (a set-like view)."""
        return self._key_to_symbol.keys()

    def ensembl_pairs(self) -> Iterable[tuple[str, str]]:
        """(Entrez ID, ``;``-joined Ensembl IDs) in preference order."""
        return zip(*self._ensembl) if self._ensembl is not None else iter(())

    @classmethod
    def default(cls) -> GeneMapper:
        """Return the mapper built from the tables shipped with the package.

        NCBI Gene (2022-09) symbols, aliases and Ensembl IDs, and the PFOCR
        HGNC lexicon (2018). Built once per process and shared; it is immutable.

        Examples
        --------
        >>> GeneMapper.default().official_symbol("akt1")
        'AKT1'
        """
        return _default_mapper()

    @classmethod
    def from_tables(
        cls,
        genes: pd.DataFrame,
        aliases: pd.DataFrame | None = None,
        lexicon: pd.DataFrame | None = None,
    ) -> GeneMapper:
        """Build a mapper from newer tables of the same shape as the shipped ones.

        Examples
        --------
        >>> genes = pd.DataFrame({"entrez": ["7157"], "symbol": ["TP53"]})
        >>> GeneMapper.from_tables(genes).official_symbol("tp53")
        'TP53'
        """
        _require_columns(genes, ("entrez", "symbol"), "genes")
        kwargs = {}
        if aliases is not None:
            _require_columns(aliases, ("alias", "entrez"), "aliases")
            kwargs["aliases"] = aliases.copy()
        if lexicon is not None:
            _require_columns(lexicon, ("term", "entrez", "source"), "lexicon")
            kwargs["lexicon"] = lexicon.copy()
        return cls(genes.copy(), **kwargs)

    def __repr__(self) -> str:
        synonyms = self._synonyms()
        return (
            f"GeneMapper: {len(self._entrez_to_symbol):,} genes, "
            f"{len(synonyms.alias_targets):,} alias keys, "
            f"{len(synonyms.previous_targets):,} previous symbols, "
            f"{len(synonyms.families):,} families"
        )

    # -- single lookups -------------------------------------------------
    def official_symbol(self, name: str) -> str | None:
        """Official symbol matching ``name`` case-insensitively, or None."""
        return self._key_to_symbol.get(gene_key(name))

    def symbol_of_entrez(self, entrez: str) -> str | None:
        """Official symbol of an Entrez ID, or None."""
        return self._entrez_to_symbol.get(str(entrez))

    def entrez_of_symbol(self, symbol: str) -> str | None:
        """Entrez ID of an official symbol (exact case), or None."""
        return self._symbol_to_entrez.get(symbol)

    def is_official_symbol(self, name: str) -> bool:
        """Whether ``name`` is an official human symbol, compared case-insensitively."""
        return gene_key(name) in self._key_to_symbol

    def family_members(self, name: str) -> list[str]:
        """Official symbols of the members of a lexicon gene family (``PI3K``), else [].

        Examples
        --------
        >>> GeneMapper.default().family_members("AKT")
        ['AKT1', 'AKT2', 'AKT3']
        """
        return self.symbols(self._synonyms().families.get(gene_key(name), ()))

    def symbols(self, entrez_ids: Iterable[str]) -> list[str]:
        """Sorted official symbols of Entrez IDs of this table."""
        return sorted(self._entrez_to_symbol[e] for e in entrez_ids)

    # -- resolution -----------------------------------------------------
    def resolve(
        self, name: str, *, namespace: str = "symbol", resolve_aliases: bool = True
    ) -> MappedGene:
        """Resolve one identifier to an official symbol or Entrez ID.

        Parameters
        ----------
        name : str
            A stripped, non-empty identifier.
        namespace : {"symbol", "entrez"}
            What to return in ``mapped_to``.
        resolve_aliases : bool
            Whether aliases, previous symbols, spreadsheet dates and paper
            spellings are followed.

        Examples
        --------
        >>> GeneMapper.default().resolve("7157").mapped_to
        'TP53'
        >>> GeneMapper.default().resolve("1-Mar").mapped_to
        'MARCHF1'
        """
        func = "GeneMapper.resolve"
        check_type(name, str, func=func, param="name", expected="a gene identifier (a str)")
        check_choice(namespace, ("symbol", "entrez"), func=func, param="namespace")
        entrez, status, note = self.to_entrez(name, resolve_aliases=resolve_aliases)
        if entrez is None:
            return MappedGene(name, status, None, note)
        target = entrez if namespace == "entrez" else self._entrez_to_symbol[entrez]
        return MappedGene(name, status, target, note)

    def to_entrez(self, name: str, *, resolve_aliases: bool = True) -> Hit:
        """(Entrez ID or None, status, note) of one stripped name; see :meth:`resolve`."""
        if ENTREZ_ID.match(name):
            if name in self._entrez_to_symbol:
                return name, "entrez", ""
            return None, "unknown", "not an NCBI human Entrez ID"
        ens = ENSEMBL_HUMAN_GENE.match(name)
        if ens:
            entrez = self._synonyms().ensembl_to_entrez.get(ens.group(1).upper())
            if entrez is None:
                return None, "unknown", "Ensembl ID not in the NCBI table"
            return entrez, "ensembl", ""
        key = gene_key(name)
        symbol = self._key_to_symbol.get(key)
        if symbol is not None:
            if symbol == name:
                return self._symbol_to_entrez[symbol], "official", ""
            hit = (self._symbol_to_entrez[symbol], "case", f"case of {symbol}")
            return flag_common_word(self, name, hit)
        if not resolve_aliases:
            return None, "unknown", "alias resolution is off"
        return flag_common_word(self, name, resolve_synonyms(self, name, key))


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], param: str) -> None:
    expected = "a DataFrame with columns " + ", ".join(repr(c) for c in columns)
    check_type(frame, pd.DataFrame, func="GeneMapper.from_tables", param=param, expected=expected)
    if not all(col in frame.columns for col in columns):
        msg = (
            f"The '{param}' parameter of GeneMapper.from_tables must have columns "
            f"{', '.join(repr(c) for c in columns)}. Got {list(frame.columns)} instead."
        )
        raise ValueError(msg)


@lru_cache(maxsize=1)
def _default_mapper() -> GeneMapper:
    # Only the gene table is read now; aliases and the lexicon when a tier needs them.
    mapper = GeneMapper.__new__(GeneMapper)
    mapper._init(MapperTables.packaged())
    return mapper
