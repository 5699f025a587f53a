"""The universe of a run and the mapping of each query into it.

Universe rules: every library gene (``"library"``), library genes ∩ background
(``"intersect"``), the background as given (``"as_given"``) or a fixed size N
(``"fixed"``, Enrichr's rule). See docs/statistics.md.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .._util.validation import check_int, param_error
from ..identifiers import (
    KEPT_STATUSES,
    GeneMapper,
    IdentifierIndex,
    MappedGene,
    normalise_query,
    resolve_query,
)
from ..library import GeneSetLibrary
from .options import Options

logger = logging.getLogger(__name__)

__all__ = [
    "MAX_UNIVERSE_SIZE",
    "MappedQuery",
    "Universe",
    "build_universe",
    "map_query",
    "query_counts",
]

#: The largest universe size N the exact hypergeometric core handles correctly.
#: Its relative error in p grows about linearly with N (the tail 1 - P(X = 0) of
#: an overlap of 1 is a difference of numbers close to 1): measured against exact
#: rational arithmetic, below 1e-11 at N = 20,000, 1e-10 at 10**6 and 1e-7 at
#: 10**9; 1e-6 at 10**10, and p = 0 instead of ~1e-18 at 2**62. Larger fixed
#: background sizes are refused (tests/engine/test_enrich.py holds the check).
MAX_UNIVERSE_SIZE = 10**9


@dataclass(frozen=True)
class Universe:
    """The genes that count: a mask over the library vocabulary plus the universe size N."""

    mask: np.ndarray  # bool, shape (n_genes,): library genes inside the universe
    size: int  # N; larger than mask.sum() when the background has genes no set contains
    rule: str  # "library", "intersect", "as_given" or "fixed"
    members: frozenset[str] | None  # as_given: every universe identifier; else None
    background_given: int | None
    background_unmapped: tuple[str, ...]

    def contains(self, gene: str, index: int | None) -> bool:
        if self.rule == "fixed":
            return True
        if self.members is not None:
            return gene in self.members
        return index is not None and bool(self.mask[index])


def build_universe(
    library: GeneSetLibrary,
    background: object,
    mapper: GeneMapper,
    *,
    opts: Options,
    func: str,
    cache: dict[bool, dict[str, MappedGene]] | None = None,
) -> Universe:
    """The universe under the chosen rule (library genes, ∩ background, background as given, or fixed N).

    ``cache``: see :func:`~pfocr_enrich.identifiers.resolve_query` (shared with the queries).
    """
    n_genes = library.n_genes
    if background is None:
        return Universe(np.ones(n_genes, dtype=bool), n_genes, "library", None, None, ())
    expected = "None, a collection of genes or an int"
    if isinstance(background, (bool, np.bool_, float, np.floating, complex)):
        raise param_error(func, "background", expected, background, error=TypeError)
    if isinstance(background, (int, np.integer)):
        largest = int(np.diff(library.shared_arrays()[1].indptr).max(initial=0))
        check_int(
            background,
            func=func,
            param="background",
            min=max(largest, 1),
            max=MAX_UNIVERSE_SIZE,
            expected=f"an int >= the largest set ({largest}) and <= {MAX_UNIVERSE_SIZE:,} "
            "(the largest universe the exact test handles)",
        )
        return Universe(
            np.ones(n_genes, dtype=bool), int(background), "fixed", None, int(background), ()
        )
    names = normalise_query(background, param="background", func=func)
    index = library.derived.identifier_index()
    rows = resolve_query(
        names,
        mapper,
        index,
        namespace=library.namespace,
        resolve_aliases=opts.resolve_aliases,
        cache=cache,
    )
    gene_index = library.gene_index()
    mask = np.zeros(n_genes, dtype=bool)
    members: set[str] = set()
    unmapped = []
    for row in rows:
        if row.status == "duplicate":
            continue
        if row.status in KEPT_STATUSES:
            members.add(row.mapped_to)
            if row.mapped_to in gene_index:
                mask[gene_index[row.mapped_to]] = True
                continue
        elif opts.background_mode == "as_given":
            members.add(row.input)  # an identifier no table knows still counts as given
            continue
        unmapped.append(row.input)
    if opts.background_mode == "as_given":
        return Universe(
            mask, len(members), "as_given", frozenset(members), len(names), tuple(unmapped)
        )
    if unmapped:
        logger.info("%d background identifiers match no library gene", len(unmapped))
    return Universe(mask, int(mask.sum()), "intersect", None, len(names), tuple(unmapped))


@dataclass(frozen=True)
class MappedQuery:
    """One query after mapping: its report rows, library gene indices inside the universe, and n."""

    name: str
    rows: list[MappedGene]
    indices: np.ndarray  # sorted library column indices counted in overlaps
    n: int  # query size used in the test


def map_query(
    names: list[str],
    library: GeneSetLibrary,
    index: IdentifierIndex,
    universe: Universe,
    mapper: GeneMapper,
    *,
    opts: Options,
    cache: dict[bool, dict[str, MappedGene]] | None = None,
) -> list[MappedGene]:
    """Resolve query names; genes outside the universe get that status (with a note when still counted).

    ``cache``: see :func:`~pfocr_enrich.identifiers.resolve_query` (one per batch of queries).
    """
    rows = resolve_query(
        names,
        mapper,
        index,
        namespace=library.namespace,
        resolve_aliases=opts.resolve_aliases,
        keep_unlisted=universe.rule in ("as_given", "fixed"),
        cache=cache,
    )
    if universe.rule in ("library", "fixed"):
        return rows
    gene_index = library.gene_index()
    out = []
    for row in rows:
        if (
            row.status == "unknown"
            and universe.members is not None
            and row.input in universe.members
        ):
            # as_given: an identifier no table knows still counts when the background lists it.
            row = MappedGene(
                row.input, "official", row.input, "identifier as given in the background"
            )
        if row.status in KEPT_STATUSES and not universe.contains(
            row.mapped_to, gene_index.get(row.mapped_to)
        ):
            note = "not in the background"
            if opts.query_rule == "annotated" and row.mapped_to in gene_index:
                note += "; still counted in n (clusterProfiler rule, DOSE#74)"
            row = MappedGene(row.input, "outside_universe", row.mapped_to, note)
        out.append(row)
    return out


def query_counts(
    rows: list[MappedGene], library: GeneSetLibrary, universe: Universe, opts: Options
) -> tuple[np.ndarray, int]:
    """Library indices that can overlap sets, and the query size n under the query rule."""
    gene_index = library.gene_index()
    kept = [r.mapped_to for r in rows if r.status in KEPT_STATUSES]
    indices = np.asarray(sorted(gene_index[g] for g in kept if g in gene_index), dtype=np.int64)
    n = len(kept)
    if opts.query_rule == "annotated":
        annotated = {
            r.mapped_to
            for r in rows
            if r.status in (*KEPT_STATUSES, "outside_universe") and r.mapped_to in gene_index
        }
        n = len(annotated)
    return indices, n
