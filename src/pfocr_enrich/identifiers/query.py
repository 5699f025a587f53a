"""A whole gene list: normalising it, resolving it in order, and the mapping report.

:func:`map_genes` is the public entry point; the engine calls
:func:`normalise_query` and :func:`resolve_query` with a library's
:class:`IdentifierIndex` (its vocabulary; this module knows nothing of libraries).
"""

from __future__ import annotations

import datetime
import re
import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .._util.validation import check_bool, check_choice, describe, param_error
from ..errors import GeneMappingWarning
from .keys import KEPT_STATUSES, MAPPING_STATUSES, MappedGene, gene_key
from .spellings import COMMON_WORDS

if TYPE_CHECKING:
    from .mapper import GeneMapper
    from .organisms import OrganismMapper

__all__ = ["IdentifierIndex", "map_genes", "mapping_frame", "normalise_query", "resolve_query"]

_BLANKS = frozenset({"", "NA", "N/A", "nan"})
# Items that can be an identifier: text, numbers (Entrez IDs) and dates (spreadsheet damage).
_IDENTIFIER_TYPES = (str, int, np.integer, datetime.date, np.datetime64)
_ITEMS = "a collection of gene identifiers (str or int items)"
# Mouse and rat nomenclature: one capital, then lower case and digits ("Akt1", "Cd74", "Mif").
_TITLE_CASE = re.compile(r"^[A-Z][a-z0-9]*[a-z][a-z0-9]*$")
_MIN_TITLE_CASE = 3  # names needed before a list is said to look like another organism's
_ID_STATUSES = frozenset({"entrez", "ensembl"})


def normalise_query(
    genes: Iterable[object] | str,
    *,
    param: str = "genes",
    func: str = "enrich",
    n_read: list[int] | None = None,
) -> list[str]:
    """Turn a user's gene collection into stripped strings, dropping blanks.

    Integers (Entrez IDs) become strings, and so do integral floats (``7157.0``).
    Blanks are left out: ``None``, NaN, ``pd.NA``, ``NaT``, ``""``, ``"NA"``, ``"N/A"``
    and pandas' ``"nan"``. ``n_read``, when given, receives the number of items read
    (blanks included), for callers that report how many were left out.

    Raises
    ------
    TypeError
        ``genes`` is not a collection of identifiers: a bare string (iterating it
        would test its letters), a single number, None, a mapping, a DataFrame
        (iterating it gives its column names) or a 0-d array; or an item is not an
        identifier (a list, bytes, a bool, an arbitrary object: their text is no gene name).
    ValueError
        ``genes`` is an array with more than one dimension.
    """
    expected = "a collection of gene identifiers (a list, set, tuple, array or Series)"
    if isinstance(genes, (str, bytes)):
        single = "a collection of gene identifiers, not a single string (wrap it in a list)"
        raise param_error(func, param, single, genes, error=TypeError)
    if isinstance(genes, Mapping):
        mapping = "a collection of gene identifiers, not a mapping"
        raise param_error(func, param, mapping, genes, error=TypeError)
    if isinstance(genes, pd.DataFrame):
        raise param_error(
            func, param, expected + "; pass one column, e.g. df['gene']", genes, error=TypeError
        )
    ndim = getattr(genes, "ndim", 1)
    if ndim == 0 or not isinstance(genes, Iterable):
        hint = "; wrap a single gene in a list" if genes is not None else ""
        raise param_error(func, param, expected + hint, genes, error=TypeError)
    if ndim != 1:
        raise param_error(func, param, "one-dimensional", genes)
    out: list[str] = []
    blanks = 0  # (items read = len(out) + blanks)
    for item in genes:
        kind = type(item)
        if kind is not str and kind is not int:
            if item is None or item is pd.NA or item is pd.NaT:
                blanks += 1
                continue
            if isinstance(item, (float, np.floating)):
                if item != item:  # NaN
                    blanks += 1
                    continue
                if float(item).is_integer():
                    item = int(item)  # 7157.0 from a numeric spreadsheet column is Entrez 7157
            elif isinstance(item, np.integer):
                pass
            elif isinstance(item, np.datetime64) and np.isnat(item):
                blanks += 1
                continue
            elif isinstance(item, (bool, np.bool_)) or not isinstance(item, _IDENTIFIER_TYPES):
                shown = f"{describe(item, with_type=True)} at position {len(out) + blanks}"
                raise param_error(func, param, _ITEMS, genes, error=TypeError, shown=shown)
        text = str(item).strip()
        # "NaN" stays: it is the alias of SCN11A. Only pandas' lower-case "nan" is a blank.
        if text not in _BLANKS:
            out.append(text)
        else:
            blanks += 1
    if n_read is not None:
        n_read.append(len(out) + blanks)
    return out


def map_genes(
    genes: Iterable[object],
    *,
    universe: Iterable[str] | None = None,
    namespace: str = "symbol",
    resolve_aliases: bool = True,
    organism: str | int = "human",
    mapper: GeneMapper | OrganismMapper | None = None,
) -> pd.DataFrame:
    """Map gene identifiers and report what happened to each one.

    Parameters
    ----------
    genes : iterable of str or int
        Symbols (any case), Entrez IDs, Ensembl gene IDs, aliases or paper
        spellings (``HIF-1α``).
    universe : iterable of str, optional
        Identifiers (in ``namespace``) that count as present; others get the
        status ``outside_universe``. For another organism, a universe of that
        organism's genes (mouse Entrez IDs, ``Akt1``) is reached directly, any
        other through human orthologs.
    namespace : {"symbol", "entrez"}
        Identifier type of ``mapped_to``.
    resolve_aliases : bool, default True
        Follow unambiguous aliases, previous symbols and paper spellings.
    organism : str or int, default "human"
        Organism of ``genes``: ``"human"``, ``"mouse"``, ``"zebrafish"``,
        ``"fly"``, a species name (``"Mus musculus"``) or NCBI taxon ID (10090).
        Another organism's genes map to human genes through HGNC HCOP
        orthologs (status ``ortholog``; see docs/identifiers.md).
    mapper : GeneMapper or OrganismMapper, optional
        Human tables (default :meth:`GeneMapper.default`), or a mapper from
        :func:`~pfocr_enrich.identifiers.mapper_for`, which keeps its organism.

    Returns
    -------
    DataFrame
        Columns ``input``, ``status``, ``mapped_to``, ``note``; one row per
        non-blank input, in input order.

    Raises
    ------
    ValueError
        ``organism`` is not one we have tables for.

    Warns
    -----
    GeneMappingWarning
        A human list looks like mouse or rat symbols (``Mif``, ``Cd74``).

    Examples
    --------
    >>> map_genes(["TP53", "akt1", "7157"])["status"].tolist()
    ['official', 'case', 'duplicate']
    >>> map_genes(["Cd74", "Mif"], organism="mouse")["mapped_to"].tolist()
    ['CD74', 'MIF']
    """
    from .organisms import mapper_for

    func = "map_genes"
    mapper = mapper_for(organism, mapper, func=func)
    names = normalise_query(genes, func=func)
    namespace = check_choice(namespace, ("symbol", "entrez"), func=func, param="namespace")
    resolve_aliases = check_bool(resolve_aliases, func=func, param="resolve_aliases")
    lookup = None
    if universe is not None:
        vocabulary = normalise_query(universe, param="universe", func=func)
        lookup = IdentifierIndex(vocabulary, namespace=namespace)
    rows = resolve_query(
        names, mapper, lookup, namespace=namespace, resolve_aliases=resolve_aliases
    )
    return mapping_frame(rows)


class IdentifierIndex:
    """Exact and case-insensitive lookup of a library's gene vocabulary.

    Examples
    --------
    >>> IdentifierIndex(["TP53", "MDM2"], namespace="symbol").find("tp53")
    ('TP53', 'case')
    """

    def __init__(self, vocabulary: Iterable[str], *, namespace: str) -> None:
        self.namespace = namespace
        self.exact = {g: g for g in vocabulary}
        self.by_key: dict[str, str | None] = {}
        for g in self.exact:
            key = gene_key(g)
            # Two vocabulary entries differing only by case: the key is ambiguous.
            self.by_key[key] = None if key in self.by_key and self.by_key[key] != g else g
        self.organisms: dict[str, str] = {}  # organism -> "direct" or "human" (see organisms.py)

    def find(self, name: str) -> tuple[str | None, str]:
        """(vocabulary entry, ``"official"`` or ``"case"``), or (None, "")."""
        if name in self.exact:
            return name, "official"
        hit = self.by_key.get(gene_key(name))
        return (hit, "case") if hit is not None else (None, "")


def resolve_query(
    names: list[str],
    mapper: GeneMapper | OrganismMapper,
    index: IdentifierIndex | None,
    *,
    namespace: str,
    resolve_aliases: bool,
    keep_unlisted: bool = False,
    cache: dict[bool, dict[str, MappedGene]] | None = None,
) -> list[MappedGene]:
    """Resolve stripped names in order; the first spelling of a gene wins, later ones are duplicates.

    ``keep_unlisted``: a gene the tables know but no library set contains keeps its
    status (for universes wider than the library), instead of ``outside_universe``.
    ``cache``: how each name resolved, shared by calls with the same ``mapper``,
    ``index``, ``namespace`` and ``resolve_aliases`` (the lists of one batch of
    queries, which repeat names: scanpy's markers of 30 groups are ~2,000 names
    in 6,000), so each name is resolved once; a new dict per batch.
    """
    seen: dict[str, str] = {}
    rows: list[MappedGene] = []
    titled: list[MappedGene] = []  # mouse-style names read as human ones (for the warning)
    n_ids = 0
    known = {} if cache is None else cache.setdefault(keep_unlisted, {})
    for name in names:
        row = known.get(name)
        if row is None:
            row = _resolve_one(
                name,
                mapper,
                index,
                namespace=namespace,
                resolve_aliases=resolve_aliases,
                keep_unlisted=keep_unlisted,
            )
            if cache is not None:
                known[name] = row
        status = row.status
        if status in _ID_STATUSES:
            n_ids += 1
        elif status != "official" and _TITLE_CASE.match(name):
            titled.append(row)
        if row.mapped_to is not None and status in KEPT_STATUSES:
            if row.mapped_to in seen:
                row = MappedGene(
                    name, "duplicate", row.mapped_to, f"same gene as {seen[row.mapped_to]!r}"
                )
            else:
                seen[row.mapped_to] = name
        rows.append(row)
    if mapper.organism == "human" and len(titled) >= _MIN_TITLE_CASE:
        _warn_if_mouse_style(titled, len(rows) - n_ids)
    return rows


def _resolve_one(
    name: str,
    mapper: GeneMapper | OrganismMapper,
    index: IdentifierIndex | None,
    *,
    namespace: str,
    resolve_aliases: bool,
    keep_unlisted: bool = False,
) -> MappedGene:
    if mapper.organism != "human":
        mapped = mapper.resolve_into(
            name, index, namespace=namespace, resolve_aliases=resolve_aliases
        )
    else:
        if index is not None:
            hit, status = index.find(name)
            if hit is not None and (status == "official" or gene_key(name) not in COMMON_WORDS):
                return _library_hit(name, hit, status, mapper, namespace)
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


def _library_hit(
    name: str, hit: str, status: str, mapper: GeneMapper, namespace: str
) -> MappedGene:
    """A name found in the library vocabulary itself, exactly or in another case."""
    # An exact library identifier that NCBI knows under another form keeps its own status.
    if status == "official" and namespace == "symbol" and not mapper.is_official_symbol(name):
        return MappedGene(name, "official", hit, "library identifier")
    if status == "official" and namespace == "entrez":
        return MappedGene(name, "entrez", hit, "")
    return MappedGene(name, status, hit, "" if status == "official" else f"case of {hit}")


def _warn_if_mouse_style(titled: list[MappedGene], n_named: int) -> None:
    """Warn, naming ``organism=``, when most names of a human list are Title-case symbols."""
    if 2 * len(titled) < n_named:
        return
    upper = sum(r.status in ("case", "duplicate") for r in titled)
    shown = ", ".join(repr(r.input) for r in titled[:5])
    msg = (
        f"{len(titled)} of {n_named} gene names are written like mouse or rat symbols "
        f"({shown}{', ...' if len(titled) > 5 else ''}); they were read as human names "
        f"({upper} by upper-casing, the others as aliases or not at all). If the genes are "
        "from mouse, pass organism='mouse' to map them through human orthologs."
    )
    warnings.warn(msg, GeneMappingWarning, stacklevel=4)


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
