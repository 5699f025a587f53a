"""Over-representation analysis: query -> universe -> overlaps -> statistics -> result.

The statistics contract (also in ``docs/statistics.md``):

* universe U: every gene in at least one set of the library as given (before
  size filters), intersected with ``background`` when one is given; N = |U|;
* query: identifiers normalised and mapped to the library's namespace,
  duplicates removed, restricted to U; n = what is left. Everything left out is
  in ``res.mapping`` / ``res.dropped`` with a reason;
* per set: M = |set ∩ U|, k = |set ∩ query|, p = P(X >= k) for
  X ~ Hypergeometric(N, M, n) (one-sided Fisher's exact test);
  sets outside ``min_size <= M <= max_size`` are not tested;
* ``fdr``: the chosen correction over every tested set of the query,
  zero-overlap sets included (their p is 1).
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import EmptyQueryError, GeneMappingWarning
from .identifiers import (
    KEPT_STATUSES,
    MAPPING_STATUSES,
    GeneMapper,
    IdentifierIndex,
    MappedGene,
    mapping_frame,
    normalise_query,
    resolve_query,
)
from .library import GeneSetLibrary, _check_size_bound, _param_error
from .results import Deferred, EnrichmentResult
from .scoring import ScoredRows, ScoringRules, TestedSets, score_queries
from .stats import CORRECTION_METHODS

logger = logging.getLogger(__name__)

__all__ = ["enrich", "enrich_many"]


_BACKGROUND_MODES = ("intersect", "as_given")
_FDR_OVER = ("tested", "hit")
_COMPAT = (None, "clusterprofiler", "gseapy", "enrichr")
#: pyenrichr's default background size.
ENRICHR_BACKGROUND = 22_000


@dataclass(frozen=True)
class Options:
    """Validated options of one enrichment run (shared by every query of a batch)."""

    min_size: int = 1
    max_size: int | None = None
    correction: str = "fdr_bh"
    fdr_over: str = "tested"
    collapse_duplicates: bool = False
    resolve_aliases: bool = True
    compat: str | None = None
    background_mode: str = "intersect"
    # Derived from compat: who counts in n, and which odds ratio / test variant.
    query_rule: str = "universe"  # "universe" | "annotated" (clusterProfiler) | "resolved" (fixed N)
    odds_ratio: str = "haldane_if_zero"  # | "haldane_always" (gseapy) | "fold" (Enrichr's "odds")

    def as_params(self) -> dict[str, object]:
        return {f: getattr(self, f) for f in self.__dataclass_fields__}


def make_options(
    *,
    func: str,
    min_size: int | None,
    max_size: int | None,
    correction: str,
    fdr_over: str,
    collapse_duplicates: bool,
    resolve_aliases: bool,
    compat: str | None,
    background_mode: str,
) -> Options:
    """Check every option once, at the public entry point, and apply a compat preset."""
    _check_size_bound(min_size, func, "min_size")
    _check_size_bound(max_size, func, "max_size")
    given_min = min_size
    min_size = 1 if min_size is None else min_size
    if max_size is not None and max_size < min_size:
        raise _param_error(func, "max_size", f"None or >= min_size ({min_size})", max_size)
    if correction not in CORRECTION_METHODS:
        raise _param_error(func, "correction", f"one of {', '.join(CORRECTION_METHODS)}", correction)
    if fdr_over not in _FDR_OVER:
        raise _param_error(func, "fdr_over", "one of 'tested', 'hit'", fdr_over)
    if compat not in _COMPAT:
        raise _param_error(func, "compat", "None or one of 'clusterprofiler', 'gseapy', 'enrichr'", compat)
    if background_mode not in _BACKGROUND_MODES:
        raise _param_error(func, "background_mode", "one of 'intersect', 'as_given'", background_mode)
    opts = Options(min_size, max_size, correction, fdr_over, bool(collapse_duplicates), bool(resolve_aliases),
                   compat, background_mode)
    if compat == "clusterprofiler":
        # DOSE enricher_internal: minGSSize 10 / maxGSSize 500 unless given, FDR over hit sets,
        # n counts annotated query genes even outside the background (DOSE#74).
        sizes = {"min_size": 10 if given_min is None else min_size, "max_size": 500 if max_size is None else max_size}
        opts = replace(opts, **sizes, fdr_over="hit", query_rule="annotated", background_mode="intersect")
    elif compat == "gseapy":
        opts = replace(opts, fdr_over="hit", odds_ratio="haldane_always")
    elif compat == "enrichr":
        opts = replace(opts, fdr_over="hit", odds_ratio="fold", query_rule="resolved")
    return opts


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


def enrich(
    genes: Iterable[str | int],
    library: GeneSetLibrary,
    *,
    background: Iterable[str | int] | int | None = None,
    background_mode: str = "intersect",
    min_size: int | None = None,
    max_size: int | None = None,
    correction: str = "fdr_bh",
    fdr_over: str = "tested",
    collapse_duplicates: bool = False,
    compat: str | None = None,
    resolve_aliases: bool = True,
    mapper: GeneMapper | None = None,
) -> EnrichmentResult:
    """Test a gene list for over-representation in every set of a library.

    Parameters
    ----------
    genes : iterable of str or int
        The query: symbols (any case), Entrez IDs, Ensembl gene IDs or
        unambiguous aliases. Blanks and ``NA`` are ignored; duplicates count once.
    library : GeneSetLibrary
        The gene sets, e.g. :func:`pfocr_enrich.sample_library`.
    background : iterable of str or int, or int, optional
        Genes that could have been in the query (e.g. all genes measured). The
        universe becomes library genes ∩ background (``background_mode="intersect"``)
        or the background itself (``"as_given"``). An int N fixes the universe
        size without restricting query or sets (the Enrichr rule).
        Default: library genes.
    background_mode : {"intersect", "as_given"}
        How a background collection defines the universe (see ``background``).
    min_size, max_size : int, optional
        Test only sets with ``min_size <= M <= max_size`` genes in the universe
        (defaults 1 and no limit; 10 and 500 with ``compat="clusterprofiler"``).
    correction : str, default "fdr_bh"
        Multiple-testing method for the ``fdr`` column: any statsmodels
        ``multipletests`` method name (see :data:`pfocr_enrich.stats.CORRECTION_METHODS`).
    fdr_over : {"tested", "hit"}
        Sets entering the correction: every tested set (default, zero-overlap
        included) or only sets with overlap >= 1 (gseapy, clusterProfiler <= 4.16);
        other rows then have ``fdr`` NaN.
    collapse_duplicates : bool, default False
        Test each distinct gene set once; ``members`` lists every set id sharing it.
    compat : {None, "clusterprofiler", "gseapy", "enrichr"}
        Reproduce another tool's numbers (see docs/statistics.md); it overrides
        the options that tool fixes.
    resolve_aliases : bool, default True
        Map unambiguous NCBI aliases to their official symbol.
    mapper : GeneMapper, optional
        Identifier tables; default the NCBI human tables shipped with the package.

    Returns
    -------
    EnrichmentResult
        ``.table`` ranks the tested sets by p-value (ties by ``set_id``);
        ``.mapping`` says what happened to every query gene.

    Raises
    ------
    TypeError
        ``library`` is not a GeneSetLibrary, or ``genes`` is a bare string.
    ValueError
        An option is out of range.
    EmptyQueryError
        No query gene is in the universe.

    Warns
    -----
    GeneMappingWarning
        Some query genes were left out (unknown, ambiguous, outside the universe).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58"], pe.sample_library())
    >>> top = res.table.iloc[0]
    >>> top["set_id"], int(top["overlap"]), int(top["set_size"])
    ('PMC5739664__oncotarget-08-105615-g007', 5, 9)
    """
    _check_library(library, "enrich")
    names = normalise_query(genes, param="genes", func="enrich")
    rows, params, mapping, tested_lib = _run(
        {"query": names}, library, func="enrich", background=background, mapper=mapper,
        options=dict(min_size=min_size, max_size=max_size, correction=correction, fdr_over=fdr_over,
                     collapse_duplicates=collapse_duplicates, resolve_aliases=resolve_aliases,
                     compat=compat, background_mode=background_mode))
    params.update(params.pop("queries")["query"])
    return EnrichmentResult._from_rows(rows, params=params, mapping=mapping, set_genes=tested_lib)


def enrich_many(
    queries: Mapping[str, Iterable[str | int]] | pd.DataFrame | str | os.PathLike[str],
    library: GeneSetLibrary,
    *,
    background: Iterable[str | int] | int | None = None,
    background_mode: str = "intersect",
    min_size: int | None = None,
    max_size: int | None = None,
    correction: str = "fdr_bh",
    fdr_over: str = "tested",
    collapse_duplicates: bool = False,
    compat: str | None = None,
    resolve_aliases: bool = True,
    mapper: GeneMapper | None = None,
    alpha: float | None = None,
) -> EnrichmentResult:
    """Test many gene lists at once; one long table with a ``query`` column.

    Each query is scored on its distinct (overlap, set size) pairs (see
    :mod:`pfocr_enrich.scoring`); rows are identical to calling :func:`enrich`
    on each query with the same options, and the result keeps 8 bytes per row
    until its table is read.

    Parameters
    ----------
    queries : mapping of str to genes, DataFrame, or path
        Name -> gene list; a long DataFrame with columns ``query`` and ``gene``;
        or a GMT-like file (name, description, genes...).
    library, background, background_mode, min_size, max_size, correction,
    fdr_over, collapse_duplicates, compat, resolve_aliases, mapper
        As for :func:`enrich`.
    alpha : float, optional
        Keep only rows with ``fdr <= alpha`` (for large screens, where every
        tested row of every query would not fit in memory).

    Returns
    -------
    EnrichmentResult
        ``table`` has a categorical ``query`` column in the caller's order;
        ``mapping`` has one row per (query, input).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich_many({"ifn": ["IRF3", "MAVS", "TBK1"], "nfkb": ["NFKB1", "RELA", "IKBKB"]},
    ...                      pe.sample_library())
    >>> res.table["query"].cat.categories.tolist()
    ['ifn', 'nfkb']
    """
    _check_library(library, "enrich_many")
    if alpha is not None and not (isinstance(alpha, (int, float)) and 0 <= alpha <= 1):
        raise _param_error("enrich_many", "alpha", "None or a number in [0, 1]", alpha)
    named = {name: normalise_query(genes, param=f"queries[{name!r}]", func="enrich_many")
             for name, genes in read_queries(queries).items()}
    rows, params, mapping, tested_lib = _run(named, library, func="enrich_many", background=background, mapper=mapper, alpha=alpha,
                options=dict(min_size=min_size, max_size=max_size, correction=correction, fdr_over=fdr_over,
                             collapse_duplicates=collapse_duplicates, resolve_aliases=resolve_aliases,
                             compat=compat, background_mode=background_mode))
    return EnrichmentResult._from_rows(rows, params=params, mapping=mapping, set_genes=tested_lib)


def read_queries(queries: object) -> dict[str, list[object]]:
    """Name -> genes from a mapping, a long (query, gene) DataFrame or a GMT-like file."""
    if isinstance(queries, pd.DataFrame):
        for col in ("query", "gene"):
            if col not in queries.columns:
                raise _param_error("enrich_many", "queries", "a DataFrame with columns 'query' and 'gene'", list(queries.columns))
        grouped = queries.groupby("query", sort=False, observed=True)["gene"]
        return {str(name): list(genes) for name, genes in grouped}
    if isinstance(queries, (str, os.PathLike)):
        from .gmt import read_gmt

        lib = read_gmt(queries)
        return {str(k): list(v) for k, v in lib.to_dict().items()}
    if isinstance(queries, Mapping):
        if not queries:
            raise _param_error("enrich_many", "queries", "a non-empty mapping of name to genes", queries)
        return {str(k): v for k, v in queries.items()}
    raise _param_error("enrich_many", "queries", "a mapping, a DataFrame or a GMT path", type(queries).__name__)


def _run(
    named: dict[str, list[str]],
    library: GeneSetLibrary,
    *,
    func: str,
    background: object,
    mapper: GeneMapper | None,
    options: dict[str, object],
    alpha: float | None = None,
) -> tuple[ScoredRows, dict[str, Any], Deferred, GeneSetLibrary]:
    """Shared pipeline of enrich and enrich_many: the ranked rows, params, mapping and tested library."""
    opts = make_options(func=func, **options)
    mapper = mapper or GeneMapper.default()
    tested_lib = library.deduplicate() if opts.collapse_duplicates else library
    if isinstance(background, bool):
        raise _param_error(func, "background", "None, a collection of genes or an int", background)
    if opts.compat == "enrichr" and background is None:
        background = ENRICHR_BACKGROUND
    universe = build_universe(library, background, mapper, opts=opts, func=func)
    index = library.identifier_index()
    queries: list[MappedQuery] = []
    for name, names in named.items():
        mapped = map_query(names, library, index, universe, mapper, opts=opts)
        queries.append(MappedQuery(name, mapped, *_query_counts(mapped, library, universe, opts)))
    mapping = Deferred(partial(_mapping_table, [q.rows for q in queries], list(named), batch=func != "enrich"))
    _warn_dropped(queries)
    empty = next((q for q in queries if q.n == 0), None)
    if empty is not None:
        where = "" if func == "enrich" else f" of query {empty.name!r}"
        msg = (
            f"{func}: none of the {len(named[empty.name])} query genes{where} is in the universe of "
            f"{universe.size:,} genes ({_status_counts(empty.rows)}); see pfocr_enrich.map_genes() for details."
        )
        raise EmptyQueryError(msg)
    # Entrez libraries also show symbols: one vocabulary lookup, reused by the overlap strings.
    symbols = None
    if library.namespace == "entrez":
        symbols = tested_lib.symbol_vocabulary(mapper)
    rows, n_tested = _score(tested_lib, universe, queries, opts, alpha=alpha, symbols=symbols, batch=func != "enrich")
    params = {
        "test": "hypergeometric upper tail P(X >= k) (one-sided Fisher's exact test)"
        + (" on Enrichr's 2x2 table (d = N - b - c + a)" if opts.compat == "enrichr" else ""),
        "library": library.name,
        "library_sets": len(library),
        "library_genes": library.n_genes,
        "library_info": library.info,
        "namespace": library.namespace,
        "universe_rule": universe.rule,
        "background_size": universe.background_given,
        "background_unmapped": len(universe.background_unmapped),
        "universe_size": universe.size,
        **opts.as_params(),
        "alpha": alpha,
        "sets_tested": n_tested,
        "queries": {q.name: {"query_input": len(named[q.name]), "query_size": q.n} for q in queries},
    }
    # The (immutable) library travels by reference, for clustering by set similarity.
    return rows, params, mapping, tested_lib


def _check_library(library: object, func: str) -> None:
    if not isinstance(library, GeneSetLibrary):
        msg = (
            f"The 'library' parameter of {func} must be a GeneSetLibrary (see pfocr_enrich.read_gmt, "
            f"read_figures, sample_library). Got {type(library).__name__} instead."
        )
        raise TypeError(msg)


def build_universe(library: GeneSetLibrary, background: object, mapper: GeneMapper, *, opts: Options, func: str) -> Universe:
    """The universe under the chosen rule (library genes, ∩ background, background as given, or fixed N)."""
    n_genes = library.n_genes
    if background is None:
        return Universe(np.ones(n_genes, dtype=bool), n_genes, "library", None, None, ())
    if isinstance(background, (int, np.integer)):
        largest = int(np.diff(library._arrays()[1].indptr).max(initial=0))
        if background < largest:
            raise _param_error(func, "background", f"an int >= the largest set ({largest})", background)
        return Universe(np.ones(n_genes, dtype=bool), int(background), "fixed", None, int(background), ())
    names = normalise_query(background, param="background", func=func)
    index = library.identifier_index()
    rows = resolve_query(names, mapper, index, namespace=library.namespace, resolve_aliases=opts.resolve_aliases)
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
        return Universe(mask, len(members), "as_given", frozenset(members), len(names), tuple(unmapped))
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
) -> list[MappedGene]:
    """Resolve query names; genes outside the universe get that status (with a note when still counted)."""
    rows = resolve_query(names, mapper, index, namespace=library.namespace, resolve_aliases=opts.resolve_aliases,
                         keep_unlisted=universe.rule in ("as_given", "fixed"))
    if universe.rule in ("library", "fixed"):
        return rows
    gene_index = library.gene_index()
    out = []
    for row in rows:
        if row.status == "unknown" and universe.members is not None and row.input in universe.members:
            # as_given: an identifier no table knows still counts when the background lists it.
            row = MappedGene(row.input, "official", row.input, "identifier as given in the background")
        if row.status in KEPT_STATUSES and not universe.contains(row.mapped_to, gene_index.get(row.mapped_to)):
            note = "not in the background"
            if opts.query_rule == "annotated" and row.mapped_to in gene_index:
                note += "; still counted in n (clusterProfiler rule, DOSE#74)"
            row = MappedGene(row.input, "outside_universe", row.mapped_to, note)
        out.append(row)
    return out


def _query_counts(rows: list[MappedGene], library: GeneSetLibrary, universe: Universe, opts: Options) -> tuple[np.ndarray, int]:
    """Library indices that can overlap sets, and the query size n under the query rule."""
    gene_index = library.gene_index()
    kept = [r.mapped_to for r in rows if r.status in KEPT_STATUSES]
    indices = np.asarray(sorted(gene_index[g] for g in kept if g in gene_index), dtype=np.int64)
    n = len(kept)
    if opts.query_rule == "annotated":
        annotated = {r.mapped_to for r in rows if r.status in (*KEPT_STATUSES, "outside_universe") and r.mapped_to in gene_index}
        n = len(annotated)
    return indices, n


def _mapping_table(rows: list[list[MappedGene]], names: list[str], *, batch: bool) -> pd.DataFrame:
    """The mapping report of every query (with a categorical ``query`` column for a batch)."""
    mapping = mapping_frame([row for query_rows in rows for row in query_rows])
    if batch:
        codes = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
        mapping["query"] = pd.Categorical.from_codes(codes, categories=names)
    return mapping


def _status_counts(rows: list[MappedGene]) -> str:
    """'status: count, ...' in the order of MAPPING_STATUSES."""
    counts = Counter(r.status for r in rows)
    return ", ".join(f"{status}: {counts[status]}" for status in MAPPING_STATUSES if counts[status])


def _warn_dropped(queries: list[MappedQuery]) -> None:
    dropped = [row for q in queries for row in q.rows if row.status not in KEPT_STATUSES]
    if not dropped:
        return
    shown = ", ".join(repr(r.input) for r in dropped[:10])
    more = "" if len(dropped) <= 10 else f" and {len(dropped) - 10} more"
    scope = f" across {len(queries)} queries" if len(queries) > 1 else ""
    total = sum(len(q.rows) for q in queries)
    msg = (
        f"{len(dropped)} of {total} query genes{scope} were left out ({_status_counts(dropped)}): "
        f"{shown}{more}. See res.dropped."
    )
    warnings.warn(msg, GeneMappingWarning, stacklevel=4)


# -- scoring ------------------------------------------------------------------
def _score(library: GeneSetLibrary, universe: Universe, queries: list[MappedQuery], opts: Options, *,
           alpha: float | None, symbols: np.ndarray | None, batch: bool) -> tuple[ScoredRows, int]:
    """The compact ranked rows of every query (see :mod:`pfocr_enrich.scoring`) and the sets tested."""
    rules = ScoringRules(correction=opts.correction, fdr_over=opts.fdr_over, odds_ratio=opts.odds_ratio,
                         enrichr_table=opts.odds_ratio == "fold", gene_ratios=opts.compat == "clusterprofiler")
    # Which sets are tested depends only on the universe and the size bounds: prepared once.
    whole = universe.rule in ("library", "fixed")
    key = ("tested_sets", opts.min_size, opts.max_size, whole or hashlib.sha1(universe.mask.tobytes()).hexdigest())
    prepared = library._memo(key, lambda: _tested_sets(library, universe, opts))
    rows = score_queries(library, prepared, [(q.name, q.indices, q.n) for q in queries], universe.size, rules,
                         alpha=alpha, symbols=symbols, batch=batch)
    return rows, len(prepared)


def _tested_sets(library: GeneSetLibrary, universe: Universe, opts: Options) -> TestedSets:
    set_size = _set_sizes_in_universe(library._arrays()[1], universe)
    tested = set_size >= max(opts.min_size, 1)
    if opts.max_size is not None:
        tested &= set_size <= opts.max_size
    return TestedSets.prepare(library, set_size, tested)


def _set_sizes_in_universe(membership: sp.csr_matrix, universe: Universe) -> np.ndarray:
    if universe.rule in ("library", "fixed"):
        return np.diff(membership.indptr).astype(np.int64)
    return np.asarray(membership @ universe.mask.astype(np.int32)).ravel().astype(np.int64)
