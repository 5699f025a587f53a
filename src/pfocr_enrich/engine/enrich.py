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

import logging
import os
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, cast

import numpy as np
import pandas as pd

from .._util.validation import (
    check_bool,
    check_int,
    check_number_in,
    check_path,
    check_type,
    param_error,
)
from ..errors import EmptyQueryError, GeneMappingWarning
from ..identifiers import (
    KEPT_STATUSES,
    MAPPING_STATUSES,
    GeneMapper,
    MappedGene,
    OrganismMapper,
    mapper_for,
    mapping_frame,
    normalise_query,
)
from ..library import GeneSetLibrary
from ..results import BatchEnrichmentResult, EnrichmentResult, from_rows
from .dataset import WrittenDataset
from .keep import KeepRule, parse_keep
from .options import ENRICHR_BACKGROUND, Options, make_options
from .queries import is_streamed, read_queries
from .scoring import ScoredRows, ScoringRules, score_queries
from .tested import TailMemos, tested_sets
from .universe import MappedQuery, Universe, build_universe, map_query, query_counts

logger = logging.getLogger(__name__)

__all__ = ["enrich", "enrich_many"]


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
    organism: str | int = "human",
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
        size without restricting query or sets (the Enrichr rule); N is at most
        :data:`MAX_UNIVERSE_SIZE` (10**9), where p-values keep 7 significant
        digits. Default: library genes.
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
    organism : str or int, default "human"
        Organism of the genes (``"mouse"``, ``"Mus musculus"``, 10090,
        ``"zebrafish"``, ``"fly"``): a library of that organism's genes is
        reached directly, a human one through HCOP orthologs (see
        :func:`pfocr_enrich.map_genes`).
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
        An argument has the wrong type: ``genes`` is not a collection of
        identifiers (a bare string, a single number, None, a mapping, a
        DataFrame), ``library`` is not a GeneSetLibrary, ``mapper`` not a
        GeneMapper, ``background`` a float or a bool, a flag not a real bool.
    ValueError
        An option is out of range, e.g. an int ``background`` smaller than the
        largest set or above :data:`MAX_UNIVERSE_SIZE`.
    EmptyQueryError
        The query holds no identifier, or none of them is in the universe.

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
        {"query": names},
        library,
        func="enrich",
        background=background,
        mapper=mapper_for(organism, mapper, func="enrich"),
        options=dict(
            min_size=min_size,
            max_size=max_size,
            correction=correction,
            fdr_over=fdr_over,
            collapse_duplicates=collapse_duplicates,
            resolve_aliases=resolve_aliases,
            compat=compat,
            background_mode=background_mode,
        ),
    )
    params.update(params.pop("queries")["query"])
    return from_rows(rows, params=params, mapping=mapping, set_genes=tested_lib)


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
    organism: str | int = "human",
    mapper: GeneMapper | None = None,
    keep: str | int | None = None,
    alpha: float | None = None,
    out: str | os.PathLike[str] | None = None,
    client: Any = None,
    chunk_size: int = 100,
    progress: bool = False,
) -> BatchEnrichmentResult | WrittenDataset | Any:
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
    fdr_over, collapse_duplicates, compat, resolve_aliases, organism, mapper
        As for :func:`enrich`.
    keep : None, str or int, optional
        Rows kept per query: all (None), those passing a rule such as
        ``"fdr<=0.05"`` or ``"pvalue<=1e-3"``, or the k best (an int). The FDR is
        computed over every tested set first: kept rows have the numbers of the
        unfiltered run. ``res.params["keep"]`` records the rule.
    alpha : float, optional
        The older spelling of ``keep=f"fdr<={alpha}"`` (kept as an alias).
    out : path, optional
        Write the rows as a Parquet dataset (a folder; needs ``pfocr_enrich[dask]``)
        chunk by chunk instead of returning them; the compact columns of
        :data:`pfocr_enrich.engine.stream.COMPACT_COLUMNS`, with the parameters and
        the library's provenance in the file metadata. See docs/scaling.md.
    client : dask.distributed.Client, optional
        Score on a Dask cluster: the library is sent to each worker once, each
        chunk of ``chunk_size`` queries is one task. Without ``out`` the return
        value is a lazy dask DataFrame of the compact columns.
    chunk_size : int, default 100
        Queries per chunk when streaming (``out``, ``client``, an iterator or a
        Parquet input); rows do not depend on it.
    progress : bool, default False
        Show a progress bar (tqdm) of the queries done while streaming, on this
        process or, with ``client`` and ``out``, as the cluster's tasks finish. A lazy
        dask DataFrame (``client`` without ``out``) runs when you compute it: watch it
        with ``distributed.progress(frame.persist())``.

    Returns
    -------
    BatchEnrichmentResult, WrittenDataset or dask.dataframe.DataFrame
        In memory: ``table`` has a categorical ``query`` column in the caller's
        order; ``mapping`` has one row per (query, input). With ``out``: a
        :class:`~pfocr_enrich.engine.dataset.WrittenDataset` (path, counts,
        params). With ``client`` and no ``out``: a dask DataFrame.

    Raises
    ------
    TypeError, ValueError, EmptyQueryError
        As for :func:`enrich`; also a ``queries`` that is not a mapping, a
        DataFrame or a path (TypeError), an empty one, a long table with a
        missing query name, or names that are equal once written as text
        (``1`` and ``"1"``) (ValueError).

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich_many({"ifn": ["IRF3", "MAVS", "TBK1"], "nfkb": ["NFKB1", "RELA", "IKBKB"]},
    ...                      pe.sample_library())
    >>> res.table["query"].cat.categories.tolist()
    ['ifn', 'nfkb']

    The two best sets of each query (the FDR is still over every tested set):

    >>> best = pe.enrich_many({"ifn": ["IRF3", "MAVS", "TBK1"], "nfkb": ["NFKB1", "RELA"]},
    ...                       pe.sample_library(), keep=2)
    >>> best.table.groupby("query", observed=True).size().tolist(), best.params["keep"]
    ([2, 2], 'top 2')
    """
    _check_library(library, "enrich_many")
    alpha = check_number_in(alpha, 0, 1, func="enrich_many", param="alpha", allow_none=True)
    check_path(out, func="enrich_many", param="out", allow_none=True)
    chunk_size = check_int(chunk_size, func="enrich_many", param="chunk_size", min=1)  # type: ignore[assignment]
    progress = check_bool(progress, func="enrich_many", param="progress")
    rule = parse_keep(keep, func="enrich_many", alpha=alpha)
    mapper = mapper_for(organism, mapper, func="enrich_many")
    options = dict(
        min_size=min_size,
        max_size=max_size,
        correction=correction,
        fdr_over=fdr_over,
        collapse_duplicates=collapse_duplicates,
        resolve_aliases=resolve_aliases,
        compat=compat,
        background_mode=background_mode,
    )
    if out is not None or client is not None or is_streamed(queries):
        from .stream import Screen, screen_many  # keeps pyarrow / dask out of plain runs

        screen = Screen(library, options, background, mapper, rule)
        return screen_many(
            queries, screen, out=out, client=client, chunk_size=chunk_size, progress=progress
        )
    named = {
        name: normalise_query(genes, param=f"queries[{name!r}]", func="enrich_many")
        for name, genes in read_queries(queries).items()
    }
    rows, params, mapping, tested_lib = _run(
        named,
        library,
        func="enrich_many",
        background=background,
        mapper=mapper,
        keep=rule,
        options=options,
        tails=TailMemos(),
    )
    # Batch rows (func="enrich_many") always give a BatchEnrichmentResult.
    result = from_rows(rows, params=params, mapping=mapping, set_genes=tested_lib)
    return cast(BatchEnrichmentResult, result)


def _run(
    named: dict[str, list[str]],
    library: GeneSetLibrary,
    *,
    func: str,
    background: object,
    mapper: GeneMapper | None,
    options: dict[str, object],
    keep: KeepRule | None = None,
    tails: TailMemos | None = None,
) -> tuple[ScoredRows, dict[str, Any], Callable[[], pd.DataFrame], GeneSetLibrary]:
    """Shared pipeline of enrich and enrich_many: the ranked rows, params, mapping and tested
    library. ``tails`` keeps the p-values of (k, M, n) groups for later queries of the run."""
    opts = make_options(func=func, **options)
    mapper = check_type(
        mapper,
        (GeneMapper, OrganismMapper),
        func=func,
        param="mapper",
        expected="a GeneMapper, an OrganismMapper or None",
        allow_none=True,
    )
    mapper = mapper or GeneMapper.default()
    tested_lib = library.deduplicate() if opts.collapse_duplicates else library
    if opts.compat == "enrichr" and background is None:
        background = ENRICHR_BACKGROUND
    # Each name is resolved once per call, however many queries (and the background) list it.
    resolved: dict[bool, dict[str, MappedGene]] = {}
    universe = build_universe(library, background, mapper, opts=opts, func=func, cache=resolved)
    index = library.derived.identifier_index()
    queries: list[MappedQuery] = []
    for name, names in named.items():
        mapped = map_query(names, library, index, universe, mapper, opts=opts, cache=resolved)
        queries.append(MappedQuery(name, mapped, *query_counts(mapped, library, universe, opts)))
    # Built when first read (as costly as scoring against 10,000 sets; many uses never read it).
    mapping = partial(
        _mapping_table,
        [q.rows for q in queries],
        list(named),
        batch=func != "enrich",
        symbol_of=mapper.symbol_of_entrez if library.namespace == "entrez" else None,
    )
    _warn_dropped(queries)
    empty = next((q for q in queries if q.n == 0), None)
    if empty is not None:
        raise EmptyQueryError(_empty_message(empty, universe, func))
    larger = max(queries, key=lambda q: q.n)
    if universe.rule == "fixed" and larger.n > universe.size:
        # A fixed N is the Enrichr rule; N below the query size would be no universe at all.
        where = "" if func == "enrich" else f" of query {larger.name!r}"
        expected = f"an int >= the query size ({larger.n}{where})"
        raise param_error(func, "background", expected, universe.size)
    # Entrez libraries also show symbols: one vocabulary lookup, reused by the overlap strings.
    symbols = None
    if library.namespace == "entrez":
        symbols = tested_lib.derived.symbol_vocabulary(mapper)
    rows, n_tested = _score(
        tested_lib,
        universe,
        queries,
        opts,
        keep=keep,
        symbols=symbols,
        batch=func != "enrich",
        tails=tails,
    )
    params = {
        "test": "hypergeometric upper tail P(X >= k) (one-sided Fisher's exact test)"
        + (" on Enrichr's 2x2 table (d = N - b - c + a)" if opts.compat == "enrichr" else ""),
        "library": library.name,
        "library_sets": len(library),
        "library_genes": library.n_genes,
        "library_info": library.info,
        "namespace": library.namespace,
        "organism": mapper.organism,
        "universe_rule": universe.rule,
        "background_size": universe.background_given,
        "background_unmapped": len(universe.background_unmapped),
        "universe_size": universe.size,
        **opts.as_params(),
        # alpha: the fdr threshold of keep (read by methods_text); keep: the rule as text
        "alpha": keep.threshold if keep is not None and keep.column == "fdr" else None,
        "keep": None if keep is None else str(keep),
        "sets_tested": n_tested,
        "queries": {
            q.name: {"query_input": len(named[q.name]), "query_size": q.n} for q in queries
        },
    }
    # The (immutable) library travels by reference, for clustering by set similarity.
    return rows, params, mapping, tested_lib


def _check_library(library: object, func: str) -> None:
    expected = "a GeneSetLibrary (see pfocr_enrich.read_gmt, read_figures, sample_library)"
    check_type(library, GeneSetLibrary, func=func, param="library", expected=expected)


def _empty_message(query: MappedQuery, universe: Universe, func: str) -> str:
    """Why a query has nothing to test: no identifier at all, or none in the universe.

    The first line stands alone (the command line prints only it); the second
    points Python users to the mapping.
    """
    where = "" if func == "enrich" else f" of query {query.name!r}"
    if not query.rows:
        which = "the query" if func == "enrich" else f"query {query.name!r}"
        return f"{func}: {which} holds no gene identifier (blanks and NA are left out)."
    return (
        f"{func}: none of the {len(query.rows)} query genes{where} is in the universe of "
        f"{universe.size:,} genes ({_status_counts(query.rows)}).\n"
        "See pfocr_enrich.map_genes(genes) for what happened to each gene."
    )


def _mapping_table(
    rows: list[list[MappedGene]],
    names: list[str],
    *,
    batch: bool,
    symbol_of: Callable[[str], str | None] | None,
) -> pd.DataFrame:
    """The mapping report of every query (with a categorical ``query`` column for a batch, and
    the ``symbol`` of each Entrez ID ``mapped_to`` when ``symbol_of`` is given)."""
    mapping = mapping_frame([row for query_rows in rows for row in query_rows])
    if symbol_of is not None:
        mapping["symbol"] = [None if m is None else symbol_of(m) for m in mapping["mapped_to"]]
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
def _score(
    library: GeneSetLibrary,
    universe: Universe,
    queries: list[MappedQuery],
    opts: Options,
    *,
    keep: KeepRule | None,
    symbols: np.ndarray | None,
    batch: bool,
    tails: TailMemos | None,
) -> tuple[ScoredRows, int]:
    """The compact ranked rows of every query (see :mod:`pfocr_enrich.scoring`) and the sets tested."""
    rules = ScoringRules(
        correction=opts.correction,
        fdr_over=opts.fdr_over,
        odds_ratio=opts.odds_ratio,
        enrichr_table=opts.odds_ratio == "fold",
        gene_ratios=opts.compat == "clusterprofiler",
    )
    key, prepared = tested_sets(library, universe, opts.min_size, opts.max_size)
    memo = None if tails is None else tails.get(key, prepared, universe.size, rules.enrichr_table)
    rows = score_queries(
        library,
        prepared,
        [(q.name, q.indices, q.n) for q in queries],
        universe.size,
        rules,
        keep=keep,
        symbols=symbols,
        batch=batch,
        tails=memo,
    )
    return rows, len(prepared)
