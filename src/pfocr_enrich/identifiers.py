"""Normalising and mapping human gene identifiers.

The reference is the NCBI Gene human table shipped with the package
(``data/ncbi_genes.tsv.gz``, ``data/ncbi_aliases.tsv.gz``; see ``data/README.md``).
A :class:`GeneMapper` resolves what users type (symbols in any case, Entrez IDs as
int or str, Ensembl gene IDs with or without version, unambiguous NCBI aliases) to
the identifiers of a library, and says for every input what it did.

Only ``pandas`` at the edges; lookups are plain dictionaries built once.
"""

from __future__ import annotations

import gzip
import io
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import pandas as pd

logger = logging.getLogger(__name__)

__all__ = ["GeneMapper", "gene_key", "map_genes", "MAPPING_STATUSES"]

#: Every status a mapping row can carry, in the order the report lists them.
MAPPING_STATUSES = (
    "official",
    "case",
    "entrez",
    "ensembl",
    "alias",
    "ambiguous",
    "unknown",
    "outside_universe",
    "duplicate",
)
#: Statuses whose gene enters the query.
KEPT_STATUSES = frozenset({"official", "case", "entrez", "ensembl", "alias"})

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


def _read_packaged_tsv(name: str) -> pd.DataFrame:
    raw = resources.files("pfocr_enrich").joinpath("data").joinpath(name).read_bytes()
    # keep_default_na=False: the alias "NaN" (SCN11A) is a gene name, not a missing value.
    return pd.read_csv(
        io.BytesIO(gzip.decompress(raw)), sep="\t", dtype=str, keep_default_na=False
    )


def _entrez_preference(genes: pd.DataFrame) -> pd.DataFrame:
    """Order genes so that, for a symbol shared by several IDs, the best one comes first.

    NCBI reuses a few symbols (HBD, TEC, MEMO1, ...). Protein-coding genes win,
    then the smallest Entrez ID, so the choice is deterministic and documented.
    """
    order = pd.DataFrame(
        {
            "not_coding": genes["gene_type"].ne("protein-coding") if "gene_type" in genes else False,
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


@dataclass(frozen=True, repr=False)
class GeneMapper:
    """Resolve gene identifiers against NCBI Gene tables.

    Parameters
    ----------
    genes : DataFrame
        One row per gene with columns ``entrez`` and ``symbol`` (official symbol),
        optionally ``gene_type`` and ``ensembl`` (``;``-joined ENSG IDs).
    aliases : DataFrame, optional
        Columns ``alias`` and ``entrez``; an alias listed for several genes is
        ambiguous and never guessed.

    Examples
    --------
    >>> mapper = GeneMapper.default()
    >>> mapper.symbol_of_entrez("7157")
    'TP53'
    """

    genes: pd.DataFrame
    aliases: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["alias", "entrez"]))

    def __post_init__(self) -> None:
        genes = _entrez_preference(self.genes.astype(str))
        entrez_to_symbol = dict(zip(genes["entrez"], genes["symbol"]))
        symbol_to_entrez: dict[str, str] = {}
        key_to_symbol: dict[str, str] = {}
        for entrez, symbol in zip(genes["entrez"], genes["symbol"]):
            symbol_to_entrez.setdefault(symbol, entrez)
            key_to_symbol.setdefault(gene_key(symbol), symbol)
        ensembl_to_entrez: dict[str, str] = {}
        if "ensembl" in genes:
            for entrez, ids in zip(genes["entrez"], genes["ensembl"]):
                for ens in filter(None, ids.split(";")):
                    ensembl_to_entrez.setdefault(ens.upper(), entrez)
        alias_targets: dict[str, set[str]] = {}
        for alias, entrez in zip(self.aliases["alias"].astype(str), self.aliases["entrez"].astype(str)):
            key = gene_key(alias.strip())
            if key and key not in key_to_symbol and entrez in entrez_to_symbol:
                alias_targets.setdefault(key, set()).add(entrez)
        set_ = object.__setattr__
        set_(self, "_entrez_to_symbol", entrez_to_symbol)
        set_(self, "_symbol_to_entrez", symbol_to_entrez)
        set_(self, "_key_to_symbol", key_to_symbol)
        set_(self, "_ensembl_to_entrez", ensembl_to_entrez)
        set_(self, "_alias_targets", alias_targets)

    @classmethod
    def default(cls) -> GeneMapper:
        """Return the mapper built from the NCBI Gene tables shipped with the package.

        Built once per process and shared; it is immutable.

        Examples
        --------
        >>> GeneMapper.default().official_symbol("akt1")
        'AKT1'
        """
        return _default_mapper()

    @classmethod
    def from_tables(cls, genes: pd.DataFrame, aliases: pd.DataFrame | None = None) -> GeneMapper:
        """Build a mapper from a newer table of the same shape as the shipped one.

        Examples
        --------
        >>> genes = pd.DataFrame({"entrez": ["7157"], "symbol": ["TP53"]})
        >>> GeneMapper.from_tables(genes).official_symbol("tp53")
        'TP53'
        """
        for col in ("entrez", "symbol"):
            if col not in genes.columns:
                msg = (
                    "The 'genes' parameter of GeneMapper.from_tables must have columns "
                    f"'entrez' and 'symbol'. Got {list(genes.columns)} instead."
                )
                raise ValueError(msg)
        if aliases is None:
            return cls(genes.copy())
        return cls(genes.copy(), aliases.copy())

    def __repr__(self) -> str:
        return (
            f"GeneMapper: {len(self._entrez_to_symbol):,} genes, "
            f"{len(self._alias_targets):,} alias keys"
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

    # -- resolution -----------------------------------------------------
    def resolve(self, name: str, *, namespace: str = "symbol", resolve_aliases: bool = True) -> MappedGene:
        """Resolve one identifier to an official symbol or Entrez ID.

        Parameters
        ----------
        name : str
            A stripped, non-empty identifier.
        namespace : {"symbol", "entrez"}
            What to return in ``mapped_to``.
        resolve_aliases : bool
            Whether unambiguous NCBI aliases are followed.

        Examples
        --------
        >>> GeneMapper.default().resolve("7157").mapped_to
        'TP53'
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
            entrez = self._ensembl_to_entrez.get(ens.group(1).upper())
            if entrez is None:
                return None, "unknown", "Ensembl ID not in the NCBI table"
            return entrez, "ensembl", ""
        symbol = self._key_to_symbol.get(gene_key(name))
        if symbol is not None:
            status = "official" if symbol == name else "case"
            return self._symbol_to_entrez[symbol], status, "" if symbol == name else f"case of {symbol}"
        targets = self._alias_targets.get(gene_key(name)) if resolve_aliases else None
        if targets:
            if len(targets) == 1:
                (entrez,) = targets
                return entrez, "alias", f"NCBI alias of {self._entrez_to_symbol[entrez]}"
            options = sorted(self._entrez_to_symbol[e] for e in targets)
            return None, "ambiguous", "alias of " + ", ".join(options)
        return None, "unknown", ""


@lru_cache(maxsize=1)
def _default_mapper() -> GeneMapper:
    return GeneMapper(_read_packaged_tsv("ncbi_genes.tsv.gz"), _read_packaged_tsv("ncbi_aliases.tsv.gz"))


def normalise_query(genes: Iterable[object] | str, *, param: str = "genes", func: str = "enrich") -> list[str]:
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
    rows = resolve_query(names, mapper, lookup, namespace=namespace, resolve_aliases=resolve_aliases)
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
        row = _resolve_one(name, mapper, index, namespace=namespace, resolve_aliases=resolve_aliases,
                           keep_unlisted=keep_unlisted)
        if row.mapped_to is not None and row.status in KEPT_STATUSES:
            if row.mapped_to in seen:
                row = MappedGene(name, "duplicate", row.mapped_to, f"same gene as {seen[row.mapped_to]!r}")
            else:
                seen[row.mapped_to] = name
        rows.append(row)
    return rows


def _resolve_one(
    name: str, mapper: GeneMapper, index: IdentifierIndex | None, *, namespace: str, resolve_aliases: bool,
    keep_unlisted: bool = False,
) -> MappedGene:
    if index is not None:
        hit, status = index.find(name)
        if hit is not None:
            # An exact library identifier that NCBI knows under another form keeps its own status.
            if status == "official" and namespace == "symbol" and not mapper.is_official_symbol(name):
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


def mapping_frame(rows: list[MappedGene]) -> pd.DataFrame:
    """The mapping report as a DataFrame (columns input, status, mapped_to, note)."""
    frame = pd.DataFrame(
        {
            "input": [r.input for r in rows],
            "status": pd.Categorical([r.status for r in rows], categories=MAPPING_STATUSES),
            "mapped_to": [r.mapped_to for r in rows],
            "note": [r.note for r in rows],
        }
    )
    return frame
