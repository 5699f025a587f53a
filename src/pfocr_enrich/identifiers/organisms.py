"""Gene lists of other organisms: their own identifiers, and human orthologs.

A mouse list is read with NCBI Gene mouse tables (symbols, synonyms, Entrez,
Ensembl ``ENSMUSG``); zebrafish and fruit-fly lists with the gene columns of the
HGNC HCOP tables (symbols, Entrez, Ensembl ``ENSDARG`` / FlyBase ``FBgn``). A
library of the same organism is reached directly; any other through HCOP human
orthologs, with the policy below. The tables load only when an organism other
than human is asked for.

Ortholog policy (:data:`MIN_SUPPORT`): a human-mouse pair counts when at least two
of HCOP's resources (Ensembl, NCBI, HomoloGene, OMA, PANTHER, ...) predict it.
Of the pairs that count, the human gene with the most resources wins
(``ortholog``; the note names the others); a tie is broken by an identical symbol
(``Cd74`` -> CD74) and otherwise left ``ambiguous`` with the candidates listed.
A gene with no pair that counts is ``no_ortholog``, its low-support candidates in
the note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .._util.resources import read_packaged_tsv
from .._util.validation import check_type, param_error
from .keys import ENTREZ_ID, MappedGene, gene_key, keys_of
from .mapper import GeneMapper

if TYPE_CHECKING:
    from .query import IdentifierIndex

__all__ = ["MIN_SUPPORT", "ORGANISMS", "OrganismMapper", "mapper_for", "parse_organism"]

#: Resources of HCOP that must predict a pair before it is used.
MIN_SUPPORT = 2

#: Canonical organism -> (species name, NCBI taxon ID, other accepted names).
ORGANISMS = {
    "human": ("Homo sapiens", 9606, ("hs", "hsapiens")),
    "mouse": ("Mus musculus", 10090, ("mm", "mmusculus")),
    "zebrafish": ("Danio rerio", 7955, ("dr", "drerio", "zebra fish")),
    "fly": ("Drosophila melanogaster", 7227, ("fruit fly", "fruitfly", "dm", "drosophila")),
}
_NAMES = {
    spelled.lower(): canonical
    for canonical, (species, taxon, other) in ORGANISMS.items()
    for spelled in (canonical, species, str(taxon), *other)
}
_GENE_ID = {
    "mouse": re.compile(r"^(ENSMUSG[0-9]{11})(\.[0-9]+)?$", re.IGNORECASE),
    "zebrafish": re.compile(r"^(ENSDARG[0-9]{11})(\.[0-9]+)?$", re.IGNORECASE),
    "fly": re.compile(r"^(FBGN[0-9]{7})$", re.IGNORECASE),
}
_TABLES = {"zebrafish": "hcop_zebrafish.tsv.gz", "fly": "hcop_fly.tsv.gz"}


def parse_organism(organism: object, *, func: str = "map_genes") -> str:
    """The canonical name of an organism given by name, species or NCBI taxon ID.

    Examples
    --------
    >>> parse_organism("Mus musculus"), parse_organism(10090), parse_organism("Human")
    ('mouse', 'mouse', 'human')
    """
    accepted = ", ".join(f"{c!r} ({s}, {t})" for c, (s, t, _) in ORGANISMS.items())
    expected = f"one of {accepted}, by name, species or NCBI taxon ID"
    check_type(organism, (str, int), func=func, param="organism", expected=expected)
    canonical = _NAMES.get(str(organism).strip().lower().replace("_", " "))
    if canonical is None:
        raise param_error(func, "organism", expected, organism)
    return canonical


def mapper_for(
    organism: object, mapper: GeneMapper | OrganismMapper | None = None, *, func: str = "enrich"
) -> GeneMapper | OrganismMapper:
    """The mapper that reads gene names of ``organism`` (``mapper`` holds the human tables).

    An :class:`OrganismMapper` given as ``mapper`` is used as it is unless
    ``organism`` names a third organism.

    Examples
    --------
    >>> mapper_for("human") is GeneMapper.default()
    True
    >>> mapper_for("mouse").organism
    'mouse'
    """
    canonical = parse_organism(organism, func=func)
    expected = "a GeneMapper, an OrganismMapper or None"
    check_type(
        mapper,
        (GeneMapper, OrganismMapper),
        func=func,
        param="mapper",
        expected=expected,
        allow_none=True,
    )
    if isinstance(mapper, OrganismMapper):
        if canonical in ("human", mapper.organism):  # a mapper built for an organism keeps it
            return mapper
        mapper = mapper.human
    human = mapper if mapper is not None else GeneMapper.default()
    if canonical == "human":
        return human
    return OrganismMapper(canonical, human, _tables(canonical))


@dataclass(frozen=True)
class OrganismTables:
    """One organism's genes and their human orthologs, keyed for lookup."""

    symbol_of: dict[str, str]  # gene id (Entrez, else Ensembl/FlyBase) -> symbol
    by_key: dict[str, list[str]]  # symbol key -> gene ids, preferred first
    synonyms: dict[str, set[str]]  # synonym key -> gene ids
    other_ids: dict[str, str]  # Ensembl / FlyBase ID (upper case), or Entrez -> gene id
    orthologs: dict[str, list[tuple[str, int]]]  # gene id -> [(human Entrez, support)]


def _tables(organism: str) -> OrganismTables:
    return _mouse_tables() if organism == "mouse" else _hcop_tables(_TABLES[organism])


def _group_pairs(ids: list[str], human: list[str], support: list[int]) -> dict:
    orthologs: dict[str, list[tuple[str, int]]] = {}
    for gene, human_entrez, n in zip(ids, human, support):
        orthologs.setdefault(gene, []).append((human_entrez, n))
    return orthologs


@lru_cache(maxsize=1)
def _mouse_tables() -> OrganismTables:
    genes = read_packaged_tsv("ncbi_mouse_genes.tsv.gz")
    genes = genes.assign(coding=genes["gene_type"].ne("protein-coding"))
    genes = genes.assign(number=genes["entrez"].astype(int))
    genes = genes.sort_values(["coding", "number"], kind="stable")
    entrez, symbols = genes["entrez"].tolist(), genes["symbol"].tolist()
    by_key: dict[str, list[str]] = {}
    for gene, key in zip(entrez, keys_of(symbols)):
        by_key.setdefault(key, []).append(gene)
    synonyms: dict[str, set[str]] = {}
    other_ids: dict[str, str] = {}
    for gene, synonym_text, ensembl_text in zip(
        entrez, genes["synonyms"].tolist(), genes["ensembl"].tolist()
    ):
        for synonym in filter(None, synonym_text.split("|")):
            synonyms.setdefault(gene_key(synonym), set()).add(gene)
        for ensembl in filter(None, ensembl_text.split("|")):
            other_ids.setdefault(ensembl.upper(), gene)
    pairs = read_packaged_tsv("hcop_mouse.tsv.gz")
    return OrganismTables(
        symbol_of=dict(zip(entrez, symbols)),
        by_key=by_key,
        synonyms={k: v for k, v in synonyms.items() if k not in by_key},
        other_ids=other_ids,
        orthologs=_group_pairs(
            pairs["entrez"].tolist(),
            pairs["human_entrez"].tolist(),
            pairs["support"].astype(int).tolist(),
        ),
    )


@lru_cache(maxsize=2)
def _hcop_tables(name: str) -> OrganismTables:
    pairs = read_packaged_tsv(name)
    ids = [e or ens for e, ens in zip(pairs["entrez"].tolist(), pairs["ensembl"].tolist())]
    symbol_of: dict[str, str] = {}
    by_key: dict[str, list[str]] = {}
    other_ids: dict[str, str] = {}
    for gene, entrez, ensembl, symbol in zip(
        ids, pairs["entrez"].tolist(), pairs["ensembl"].tolist(), pairs["symbol"].tolist()
    ):
        if gene in symbol_of:
            continue
        symbol_of[gene] = symbol or gene
        if symbol:
            by_key.setdefault(gene_key(symbol), []).append(gene)
        if ensembl:
            other_ids.setdefault(ensembl.upper(), gene)
        if entrez:
            other_ids.setdefault(entrez, gene)
    return OrganismTables(
        symbol_of=symbol_of,
        by_key=by_key,
        synonyms={},
        other_ids=other_ids,
        orthologs=_group_pairs(
            ids, pairs["human_entrez"].tolist(), pairs["support"].astype(int).tolist()
        ),
    )


@dataclass(frozen=True, repr=False)
class OrganismMapper:
    """Resolve another organism's gene names, to its own genes or to human orthologs.

    Build it with :func:`mapper_for`. ``resolve`` gives the human ortholog;
    :func:`~pfocr_enrich.identifiers.resolve_query` with a library index of the
    organism's own genes gives those genes.

    Examples
    --------
    >>> r = mapper_for("mouse").resolve("Cd74")
    >>> r.status, r.mapped_to
    ('ortholog', 'CD74')
    """

    organism: str
    human: GeneMapper
    tables: OrganismTables

    def __repr__(self) -> str:
        return (
            f"OrganismMapper: {self.organism}, {len(self.tables.symbol_of):,} genes, "
            f"{len(self.tables.orthologs):,} with human ortholog predictions (HCOP)"
        )

    def symbol_of_entrez(self, entrez: str) -> str | None:
        """Symbol of a human or (Entrez IDs never collide) this organism's Entrez ID."""
        return self.human.symbol_of_entrez(entrez) or self.tables.symbol_of.get(str(entrez))

    def resolve(
        self, name: str, *, namespace: str = "symbol", resolve_aliases: bool = True
    ) -> MappedGene:
        """Resolve one name to its human ortholog (see the module for the policy)."""
        return self.resolve_into(name, None, namespace=namespace, resolve_aliases=resolve_aliases)

    def resolve_into(
        self,
        name: str,
        index: IdentifierIndex | None,
        *,
        namespace: str,
        resolve_aliases: bool,
    ) -> MappedGene:
        """Resolve one name for a library vocabulary: its own genes, or human orthologs."""
        gene, status, note = self.own_gene(name, resolve_aliases=resolve_aliases)
        if gene is None:
            return MappedGene(name, status, None, note)
        if self._direct(index):
            ids = self.tables.symbol_of
            return MappedGene(name, status, gene if namespace == "entrez" else ids[gene], note)
        human, status, ortholog_note = self._ortholog(gene)
        note = "; ".join(filter(None, (note, ortholog_note)))
        if human is None:
            return MappedGene(name, status, None, note)
        target = human if namespace == "entrez" else self.human.symbol_of_entrez(human)
        return MappedGene(name, "ortholog", target, note)

    def own_gene(self, name: str, *, resolve_aliases: bool = True) -> tuple[str | None, str, str]:
        """(gene ID of this organism or None, status, note) of one stripped name."""
        tables, label = self.tables, self.organism
        if ENTREZ_ID.match(name):
            if name in tables.symbol_of or name in tables.other_ids:
                return tables.other_ids.get(name, name), "entrez", ""
            return None, "unknown", f"not a {label} Entrez ID of the {label} table"
        other = _GENE_ID[label].match(name)
        if other:
            gene = tables.other_ids.get(other.group(1).upper())
            if gene is None:
                return None, "unknown", f"{label} gene ID not in the table"
            return gene, "ensembl", ""
        key = gene_key(name)
        genes = tables.by_key.get(key)
        if genes:
            exact = [g for g in genes if tables.symbol_of[g] == name]
            if exact:
                return exact[0], "official", ""
            symbols = sorted({tables.symbol_of[g] for g in genes})
            if len(symbols) > 1:  # fly "DL": Dl (Delta) or dl (dorsal)
                return (
                    None,
                    "ambiguous",
                    f"{label} symbols differing by case: " + ", ".join(symbols),
                )
            return genes[0], "case", f"case of {label} {symbols[0]}"
        if not resolve_aliases:
            return None, "unknown", "alias resolution is off"
        genes = tables.synonyms.get(key)
        if not genes:
            return None, "unknown", f"not a {label} gene symbol, synonym or ID"
        symbols = sorted(tables.symbol_of[g] for g in genes)
        if len(genes) > 1:
            return None, "ambiguous", f"{label} synonym of " + ", ".join(symbols)
        return next(iter(genes)), "alias", f"{label} synonym of {symbols[0]}"

    def _direct(self, index: IdentifierIndex | None) -> bool:
        """Whether a library vocabulary holds this organism's genes rather than human ones."""
        if index is None:
            return False
        known = index.organisms.get(self.organism)
        if known is None:
            if index.namespace == "entrez":
                own = sum(g in self.tables.symbol_of for g in index.exact)
                human = sum(self.human.symbol_of_entrez(g) is not None for g in index.exact)
            else:
                own_symbols = set(self.tables.symbol_of.values())
                own = sum(g in own_symbols for g in index.exact)
                human = sum(self.human.entrez_of_symbol(g) is not None for g in index.exact)
            known = index.organisms[self.organism] = "direct" if own > human else "human"
        return known == "direct"

    def _ortholog(self, gene: str) -> tuple[str | None, str, str]:
        """(human Entrez ID or None, status, note) under the policy of the module."""
        symbol = self.tables.symbol_of[gene]
        pairs = [
            (h, n)
            for h, n in self.tables.orthologs.get(gene, ())
            if self.human.symbol_of_entrez(h) is not None
        ]
        counted = sorted((p for p in pairs if p[1] >= MIN_SUPPORT), key=lambda p: (-p[1], p[0]))
        if not counted:
            weak = ", ".join(f"{self.human.symbol_of_entrez(h)} ({n})" for h, n in pairs)
            detail = f"only low-support predictions: {weak}" if weak else "none in HCOP"
            return None, "no_ortholog", f"{self.organism} {symbol}: human ortholog {detail}"
        best = [p for p in counted if p[1] == counted[0][1]]
        if len(best) > 1:
            same = [p for p in best if self.human.symbol_of_entrez(p[0]) == symbol.upper()]
            if len(same) != 1:
                tied = ", ".join(sorted(self.human.symbol_of_entrez(h) for h, _ in best))
                return (
                    None,
                    "ambiguous",
                    f"{self.organism} {symbol}: human orthologs {tied} "
                    f"equally supported ({best[0][1]} resources)",
                )
            best = same
        human, n = best[0]
        note = f"{self.organism} {symbol} -> human {self.human.symbol_of_entrez(human)} (HCOP, {n} resources)"
        others = [f"{self.human.symbol_of_entrez(h)} ({k})" for h, k in counted if h != human]
        if others:
            note += "; other predicted orthologs: " + ", ".join(others)
        return human, "ortholog", note
