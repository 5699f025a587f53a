"""Normalising and mapping human gene identifiers.

The reference is the NCBI Gene human table shipped with the package
(``data/ncbi_genes.tsv.gz``, ``data/ncbi_aliases.tsv.gz``; see ``data/README.md``).
A :class:`GeneMapper` resolves what users type (symbols in any case, Entrez IDs as
int or str, Ensembl gene IDs with or without version, unambiguous NCBI aliases) to
the identifiers of a library, and says for every input what it did.

Only ``pandas`` at the edges; lookups are plain dictionaries built once: official
symbols with the mapper, the larger synonym tables on the first name that needs them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from .._util.files import gc_paused
from .._util.resources import read_packaged_tsv

logger = logging.getLogger(__name__)

__all__ = ["GeneMapper", "gene_key", "map_genes", "MAPPING_STATUSES"]

#: Every status a mapping row can carry, in the order the report lists them.
MAPPING_STATUSES = (
    "official",
    "case",
    "entrez",
    "ensembl",
    "alias",
    "previous",
    "date_repaired",
    "ambiguous",
    "unknown",
    "outside_universe",
    "duplicate",
)
#: Statuses whose gene enters the query.
KEPT_STATUSES = frozenset(
    {"official", "case", "entrez", "ensembl", "alias", "previous", "date_repaired"}
)

_BLANKS = frozenset({"", "NA", "N/A", "nan"})
_ENTREZ = re.compile(r"^[0-9]+$")
_ENSEMBL_GENE = re.compile(r"^(ENSG[0-9]{11})(\.[0-9]+)?$", re.IGNORECASE)


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


def _entrez_preference(genes: pd.DataFrame) -> pd.DataFrame:
    """Order genes so that, for a symbol shared by several IDs, the best one comes first.

    NCBI reuses a few symbols (HBD, TEC, MEMO1, ...). Protein-coding genes win,
    then the smallest Entrez ID, so the choice is deterministic and documented.
    """
    order = pd.DataFrame(
        {
            "not_coding": genes["gene_type"].ne("protein-coding")
            if "gene_type" in genes
            else False,
            "entrez_num": pd.to_numeric(genes["entrez"], errors="coerce"),
        }
    )
    return genes.loc[order.sort_values(["not_coding", "entrez_num"], kind="stable").index]


@dataclass(frozen=True)
class MappedGene:
    """How one query item was resolved."""

    input: str
    status: str
    mapped_to: str | None
    note: str = ""


_DATE_MONTHS = {"MAR": ("MARCH",), "SEP": ("SEPT",), "DEC": ("DEC",), "OCT": ("OCT",)}
# Spreadsheet damage: MARCH1 -> "1-Mar", SEPT7 -> "7-Sep" or "Sep-7"; some tools print "MAR1".
_DATE_PATTERNS = (
    re.compile(r"^(?P<num>[0-9]{1,2})-(?P<mon>MAR|SEP|DEC|OCT)$", re.IGNORECASE),
    re.compile(r"^(?P<mon>MAR|SEP|DEC|OCT)-(?P<num>[0-9]{1,2})$", re.IGNORECASE),
    re.compile(r"^(?P<mon>MAR|SEP|DEC|OCT)(?P<num>[0-9]{1,2})$", re.IGNORECASE),
)


def _date_candidates(name: str) -> list[str]:
    """Gene symbols a spreadsheet could have turned into ``name`` (``1-Mar`` -> MARCH1)."""
    for pattern in _DATE_PATTERNS:
        match = pattern.match(name)
        if match:
            number = int(match.group("num"))
            return [prefix + str(number) for prefix in _DATE_MONTHS[match.group("mon").upper()]]
    return []


_NONE: frozenset[str] = frozenset()


def _multimap(keys: list[str], values: list[str]) -> dict[str, set[str]]:
    """key -> set of values. The sets stay private to the mapper and are never changed."""
    grouped: dict[str, set[str]] = {}
    for key, value in zip(keys, values):
        grouped.setdefault(key, set()).add(value)
    return grouped


def _keys(names: Iterable[str]) -> list[str]:
    """:func:`gene_key` of many names (one list comprehension: no call per name)."""
    return [name.upper() if name.isascii() else name for name in names]


@dataclass(frozen=True)
class _Synonyms:
    """The mapper's lookups beyond official symbols (tiers 1b and 3-5 of :class:`GeneMapper`)."""

    ensembl_to_entrez: dict[str, str]
    hgnc_symbols: dict[str, set[str]]  # HGNC symbols of 2018 renamed since
    families: dict[str, set[str]]
    alias_targets: dict[str, set[str]]
    previous_targets: dict[str, set[str]]

    @classmethod
    def build(cls, mapper: GeneMapper) -> _Synonyms:
        known = mapper._entrez_to_symbol.keys()
        official = mapper._key_to_symbol
        ensembl_to_entrez: dict[str, str] = {}
        if mapper._ensembl is not None:
            for entrez, ids in zip(*mapper._ensembl):  # in preference order: the first gene wins
                for ens in filter(None, ids.split(";")):
                    ensembl_to_entrez.setdefault(ens.upper(), entrez)
        lexicon: dict[str, tuple[list[str], list[str]]] = {}
        table = mapper.lexicon
        for term, entrez, source in zip(
            *(table[c].astype(str).tolist() for c in ("term", "entrez", "source"))
        ):
            if entrez in known:  # ids withdrawn from NCBI since 2018 cannot be mapped
                keys, ids = lexicon.setdefault(source, ([], []))
                keys.append(term)
                ids.append(entrez)
        nothing: tuple[list[str], list[str]] = ([], [])

        def grouped(source: str) -> dict[str, set[str]]:
            terms, ids = lexicon.get(source, nothing)
            return _multimap(_keys(terms), ids)

        alias_names, alias_ids = [], []
        for alias, entrez in zip(
            mapper.aliases["alias"].astype(str).tolist(),
            mapper.aliases["entrez"].astype(str).tolist(),
        ):
            if entrez in known:
                alias_names.append(alias.strip())
                alias_ids.append(entrez)
        lex_alias_terms, lex_alias_ids = lexicon.get("hgnc_alias_symbol", nothing)
        alias_targets = _multimap(_keys(alias_names + lex_alias_terms), alias_ids + lex_alias_ids)
        return cls(
            ensembl_to_entrez=ensembl_to_entrez,
            hgnc_symbols=mapper._renames(),
            families={k: v for k, v in grouped("bioentities_symbol").items() if k not in official},
            alias_targets={k: v for k, v in alias_targets.items() if k and k not in official},
            previous_targets={
                k: v for k, v in grouped("hgnc_prev_symbol").items() if k not in official
            },
        )


@dataclass(frozen=True, repr=False)
class GeneMapper:
    """Resolve human gene identifiers to NCBI Gene symbols or Entrez IDs, saying how.

    The resolution order, first match wins:

    1. Entrez IDs (digits) and Ensembl gene IDs (``ENSG...``, version ignored);
    2. the current official symbol (NCBI), exact (``official``) or in another
       case (``case``: mouse-style ``Akt1``);
    3. an HGNC symbol of the PFOCR lexicon (2018) renamed since (``previous``:
       ``SEPT7`` -> SEPTIN7);
    4. a gene family of the lexicon (``PI3K``): ``ambiguous``, never expanded;
    5. aliases (NCBI and lexicon) and previous symbols (lexicon): one gene ->
       ``alias`` / ``previous``; several genes -> ``ambiguous``;
    6. spreadsheet dates (``1-Mar``, ``7-Sep``, ``SEP7``) -> the symbol they came
       from, when that resolves to exactly one gene (``date_repaired``).

    Names are compared case-insensitively for ASCII only (see :func:`gene_key`).
    Tiers 1-2 are built with the mapper; the tables of the others (three times
    as many entries) are built once, when the first name reaches them.

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
    """

    genes: pd.DataFrame
    aliases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["alias", "entrez"]))
    lexicon: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["term", "entrez", "source"])
    )

    def __post_init__(self) -> None:
        # Only the official symbols are built now: most queries resolve through them alone.
        # Ensembl IDs, HGNC renames, families, aliases and previous symbols (three times as
        # many entries) are built on the first name that needs them (see _synonyms).
        # Plain lists: iterating pandas (>= 3) string arrays element by element is slow.
        genes = _entrez_preference(self.genes.astype(str))
        g_entrez, g_symbol = genes["entrez"].tolist(), genes["symbol"].tolist()
        entrez_to_symbol = dict(zip(g_entrez, g_symbol))
        symbol_to_entrez: dict[str, str] = {}
        key_to_symbol: dict[str, str] = {}
        for entrez, symbol, key in zip(g_entrez, g_symbol, _keys(g_symbol)):
            symbol_to_entrez.setdefault(symbol, entrez)
            key_to_symbol.setdefault(key, symbol)
        set_ = object.__setattr__
        set_(self, "_entrez_to_symbol", entrez_to_symbol)
        set_(self, "_symbol_to_entrez", symbol_to_entrez)
        set_(self, "_key_to_symbol", key_to_symbol)
        set_(
            self, "_ensembl", (g_entrez, genes["ensembl"].tolist()) if "ensembl" in genes else None
        )
        set_(self, "_built", None)
        set_(self, "_renamed", None)

    def _synonyms(self) -> _Synonyms:
        """Ensembl IDs, HGNC renames, families, aliases and previous symbols, built once."""
        built = self._built
        if built is None:
            # ~400,000 new sets and lists, no cycle: the collector doubled the build's time.
            with gc_paused():
                built = _Synonyms.build(self)
            object.__setattr__(self, "_built", built)
        return built

    def _renames(self) -> dict[str, set[str]]:
        """HGNC symbols (2018) renamed since, from the lexicon alone, built once.

        Tier 3 comes first and needs none of the other synonym tables, which take ten
        times longer to build: a list whose only odd names are renamed symbols
        (``DDX58``, ``SEPT7``) never builds them.
        """
        renamed = self._renamed
        if renamed is None:
            table, known = self.lexicon, self._entrez_to_symbol.keys()
            rows = table[table["source"].astype(str) == "hgnc_symbol"]
            pairs = zip(rows["term"].astype(str).tolist(), rows["entrez"].astype(str).tolist())
            kept = [(t, e) for t, e in pairs if e in known]  # ids withdrawn since 2018 cannot map
            grouped = _multimap(_keys([t for t, _ in kept]), [e for _, e in kept])
            renamed = {k: v for k, v in grouped.items() if k not in self._key_to_symbol}
            object.__setattr__(self, "_renamed", renamed)
        return renamed

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
        return (
            f"GeneMapper: {len(self._entrez_to_symbol):,} genes, {len(self._synonyms().alias_targets):,} alias keys, "
            f"{len(self._synonyms().previous_targets):,} previous symbols, {len(self._synonyms().families):,} families"
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
        return sorted(
            self._entrez_to_symbol[e] for e in self._synonyms().families.get(gene_key(name), ())
        )

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
            Whether aliases, previous symbols and spreadsheet dates are followed.

        Examples
        --------
        >>> GeneMapper.default().resolve("7157").mapped_to
        'TP53'
        >>> GeneMapper.default().resolve("1-Mar").mapped_to
        'MARCHF1'
        """
        entrez, status, note = self._to_entrez(name, resolve_aliases=resolve_aliases)
        if entrez is None:
            return MappedGene(name, status, None, note)
        target = entrez if namespace == "entrez" else self._entrez_to_symbol[entrez]
        return MappedGene(name, status, target, note)

    def _to_entrez(self, name: str, *, resolve_aliases: bool) -> tuple[str | None, str, str]:
        if _ENTREZ.match(name):
            if name in self._entrez_to_symbol:
                return name, "entrez", ""
            return None, "unknown", "not an NCBI human Entrez ID"
        ens = _ENSEMBL_GENE.match(name)
        if ens:
            entrez = self._synonyms().ensembl_to_entrez.get(ens.group(1).upper())
            if entrez is None:
                return None, "unknown", "Ensembl ID not in the NCBI table"
            return entrez, "ensembl", ""
        key = gene_key(name)
        symbol = self._key_to_symbol.get(key)
        if symbol is not None:
            status = "official" if symbol == name else "case"
            return (
                self._symbol_to_entrez[symbol],
                status,
                "" if symbol == name else f"case of {symbol}",
            )
        if not resolve_aliases:
            return None, "unknown", "alias resolution is off"
        hit = self._renamed_or_synonym(key)
        if _date_candidates(name):
            return self._merge_date(name, hit)
        return hit if hit is not None else (None, "unknown", "")

    def _merge_date(
        self, name: str, hit: tuple[str | None, str, str] | None
    ) -> tuple[str | None, str, str]:
        """A date-like name (``MAR1``) may also be an alias: unambiguous only if both agree."""
        date = self._from_date(name)
        if hit is None or hit[1] == "unknown":
            return date
        if date[0] is None and date[1] == "unknown":
            return hit
        if hit[0] is not None and hit[0] == date[0]:
            return hit
        return None, "ambiguous", f"{hit[2]}; or {date[2]}"

    def _renamed_or_synonym(self, key: str) -> tuple[str | None, str, str] | None:
        """Tiers 3-5: renamed HGNC symbol, family, aliases and previous symbols."""
        renamed = self._renames().get(key)
        if renamed is not None and len(renamed) == 1:
            (entrez,) = renamed
            return (
                entrez,
                "previous",
                f"HGNC symbol (2018) renamed {self._entrez_to_symbol[entrez]}",
            )
        synonyms = self._synonyms()
        family = synonyms.families.get(key)
        if family:
            return None, "ambiguous", "gene family of " + ", ".join(self._symbols(family))
        aliases = synonyms.alias_targets.get(key, _NONE)
        previous = synonyms.previous_targets.get(key, _NONE)
        targets = aliases | previous
        if not targets:
            return None
        if len(targets) > 1:
            return (
                None,
                "ambiguous",
                "alias or previous symbol of " + ", ".join(self._symbols(targets)),
            )
        (entrez,) = targets
        status = "alias" if entrez in aliases else "previous"
        return (
            entrez,
            status,
            f"{'alias' if status == 'alias' else 'previous symbol'} of {self._entrez_to_symbol[entrez]}",
        )

    def _from_date(self, name: str) -> tuple[str | None, str, str]:
        candidates = _date_candidates(name)
        genes = set()
        for candidate in candidates:
            key = gene_key(candidate)
            symbol = self._key_to_symbol.get(key)
            if symbol is not None:
                genes.add(self._symbol_to_entrez[symbol])
                continue
            hit = self._renamed_or_synonym(key)
            if hit is not None and hit[0] is not None:
                genes.add(hit[0])
            elif hit is not None and hit[1] == "ambiguous":
                return None, "ambiguous", f"spreadsheet date for {candidate}, which is an {hit[2]}"
        if len(genes) == 1:
            (entrez,) = genes
            return (
                entrez,
                "date_repaired",
                f"spreadsheet date for {candidates[0]}, now {self._entrez_to_symbol[entrez]}",
            )
        if len(genes) > 1:
            return None, "ambiguous", "spreadsheet date of " + ", ".join(self._symbols(genes))
        return None, "unknown", ""

    def _symbols(self, entrez_ids: Iterable[str]) -> list[str]:
        return sorted(self._entrez_to_symbol[e] for e in entrez_ids)


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], param: str) -> None:
    if not all(col in frame.columns for col in columns):
        msg = (
            f"The '{param}' parameter of GeneMapper.from_tables must have columns "
            f"{', '.join(repr(c) for c in columns)}. Got {list(frame.columns)} instead."
        )
        raise ValueError(msg)


@lru_cache(maxsize=1)
def _default_mapper() -> GeneMapper:
    return GeneMapper(
        read_packaged_tsv("ncbi_genes.tsv.gz"),
        read_packaged_tsv("ncbi_aliases.tsv.gz"),
        read_packaged_tsv("hgnc_lexicon.tsv.gz"),
    )


def normalise_query(
    genes: Iterable[object] | str, *, param: str = "genes", func: str = "enrich"
) -> list[str]:
    """Turn a user's gene collection into stripped strings, dropping blanks.

    Integers (Entrez IDs) become strings; ``None``, NaN, ``""`` and ``"NA"`` are blanks.
    A bare string is refused: iterating it would test its letters as genes.
    """
    if isinstance(genes, (str, bytes)):
        msg = (
            f"The '{param}' parameter of {func} must be a collection of gene identifiers, "
            f"not a single string. Got {genes!r} instead; wrap it in a list."
        )
        raise TypeError(msg)
    if isinstance(genes, Mapping):
        msg = f"The '{param}' parameter of {func} must be a collection of genes, not a mapping."
        raise TypeError(msg)
    out: list[str] = []
    for item in genes:
        if item is None or (isinstance(item, float) and item != item):
            continue
        if isinstance(item, float) and item.is_integer():
            item = int(item)  # 7157.0 from a numeric spreadsheet column is Entrez 7157
        text = str(item).strip()
        # "NaN" stays: it is the alias of SCN11A. Only pandas' lower-case "nan" is a blank.
        if text not in _BLANKS:
            out.append(text)
    return out


def map_genes(
    genes: Iterable[object],
    *,
    universe: Iterable[str] | None = None,
    namespace: str = "symbol",
    resolve_aliases: bool = True,
    mapper: GeneMapper | None = None,
) -> pd.DataFrame:
    """Map gene identifiers and report what happened to each one.

    Parameters
    ----------
    genes : iterable of str or int
        Symbols (any case), Entrez IDs, Ensembl gene IDs or aliases.
    universe : iterable of str, optional
        Identifiers (in ``namespace``) that count as present; others get the
        status ``outside_universe``.
    namespace : {"symbol", "entrez"}
        Identifier type of ``mapped_to``.
    resolve_aliases : bool, default True
        Follow unambiguous NCBI aliases.
    mapper : GeneMapper, optional
        Defaults to :meth:`GeneMapper.default`.

    Returns
    -------
    DataFrame
        Columns ``input``, ``status``, ``mapped_to``, ``note``; one row per
        non-blank input, in input order.

    Examples
    --------
    >>> map_genes(["TP53", "akt1", "7157"])["status"].tolist()
    ['official', 'case', 'duplicate']
    """
    mapper = mapper or GeneMapper.default()
    names = normalise_query(genes, func="map_genes")
    lookup = IdentifierIndex(universe, namespace=namespace) if universe is not None else None
    rows = resolve_query(
        names, mapper, lookup, namespace=namespace, resolve_aliases=resolve_aliases
    )
    return mapping_frame(rows)


class IdentifierIndex:
    """Exact and case-insensitive lookup of a library's gene vocabulary."""

    def __init__(self, vocabulary: Iterable[str], *, namespace: str) -> None:
        self.namespace = namespace
        self.exact = {g: g for g in vocabulary}
        self.by_key: dict[str, str | None] = {}
        for g in self.exact:
            key = gene_key(g)
            # Two vocabulary entries differing only by case: the key is ambiguous.
            self.by_key[key] = None if key in self.by_key and self.by_key[key] != g else g

    def find(self, name: str) -> tuple[str | None, str]:
        if name in self.exact:
            return name, "official"
        hit = self.by_key.get(gene_key(name))
        return (hit, "case") if hit is not None else (None, "")


def resolve_query(
    names: list[str],
    mapper: GeneMapper,
    index: IdentifierIndex | None,
    *,
    namespace: str,
    resolve_aliases: bool,
    keep_unlisted: bool = False,
) -> list[MappedGene]:
    """Resolve stripped names in order; the first spelling of a gene wins, later ones are duplicates.

    ``keep_unlisted``: a gene the tables know but no library set contains keeps its
    status (for universes wider than the library), instead of ``outside_universe``.
    """
    seen: dict[str, str] = {}
    rows: list[MappedGene] = []
    for name in names:
        row = _resolve_one(
            name,
            mapper,
            index,
            namespace=namespace,
            resolve_aliases=resolve_aliases,
            keep_unlisted=keep_unlisted,
        )
        if row.mapped_to is not None and row.status in KEPT_STATUSES:
            if row.mapped_to in seen:
                row = MappedGene(
                    name, "duplicate", row.mapped_to, f"same gene as {seen[row.mapped_to]!r}"
                )
            else:
                seen[row.mapped_to] = name
        rows.append(row)
    return rows


def _resolve_one(
    name: str,
    mapper: GeneMapper,
    index: IdentifierIndex | None,
    *,
    namespace: str,
    resolve_aliases: bool,
    keep_unlisted: bool = False,
) -> MappedGene:
    if index is not None:
        hit, status = index.find(name)
        if hit is not None:
            # An exact library identifier that NCBI knows under another form keeps its own status.
            if (
                status == "official"
                and namespace == "symbol"
                and not mapper.is_official_symbol(name)
            ):
                return MappedGene(name, "official", hit, "library identifier")
            if status == "official" and namespace == "entrez":
                return MappedGene(name, "entrez", hit, "")
            return MappedGene(name, status, hit, "" if status == "official" else f"case of {hit}")
    mapped = mapper.resolve(name, namespace=namespace, resolve_aliases=resolve_aliases)
    if mapped.mapped_to is None or index is None:
        return mapped
    hit, _ = index.find(mapped.mapped_to)
    if hit is None and keep_unlisted:
        return mapped
    if hit is None:
        note = f"{mapped.status} -> {mapped.mapped_to}, which no gene set contains"
        return MappedGene(name, "outside_universe", mapped.mapped_to, note)
    return MappedGene(name, mapped.status, hit, mapped.note)


_STATUS_CODE = {status: code for code, status in enumerate(MAPPING_STATUSES)}


def mapping_frame(rows: list[MappedGene]) -> pd.DataFrame:
    """The mapping report as a DataFrame (columns input, status, mapped_to, note)."""
    codes = np.fromiter((_STATUS_CODE[r.status] for r in rows), dtype=np.int8, count=len(rows))
    frame = pd.DataFrame(
        {
            "input": [r.input for r in rows],
            "status": pd.Categorical.from_codes(codes, categories=MAPPING_STATUSES),
            "mapped_to": [r.mapped_to for r in rows],
            "note": [r.note for r in rows],
        }
    )
    return frame
