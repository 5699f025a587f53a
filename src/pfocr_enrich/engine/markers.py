"""PFOCR figures enriched in scanpy's marker genes: one query per group and direction.

:func:`enrich_rank_genes_groups` reads ``adata.uns["rank_genes_groups"]`` with the
cut-offs of :func:`scanpy.get.rank_genes_groups_df` (same names, same strict
inequalities), turns each group's markers into one query per direction and
runs :func:`~pfocr_enrich.enrich_many` on them with the measured genes as the
background. The result is that batch, with the group and direction of each
query as columns of its table
(:class:`~pfocr_enrich.results.GroupEnrichmentResult`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._util.validation import check_choice, check_int, check_number_in, param_error
from ..errors import EmptyQueryError
from ..library import GeneSetLibrary
from ..results import GroupEnrichmentResult, group_result
from .enrich import enrich_many
from .singlecell import (
    check_adata,
    check_marker_args,
    check_ranking_fields,
    gene_columns,
    jsonable,
)

logger = logging.getLogger(__name__)

__all__ = ["enrich_rank_genes_groups"]

_FUNC = "enrich_rank_genes_groups"
DIRECTIONS = ("up", "down", "both")
UNIVERSES = ("measured", "library")


def enrich_rank_genes_groups(
    adata: Any,
    library: GeneSetLibrary,
    *,
    key: str = "rank_genes_groups",
    groups: str | Sequence[str] | None = None,
    direction: str = "up",
    pval_cutoff: float | None = 0.05,
    log2fc_min: float | None = None,
    log2fc_max: float | None = None,
    n_genes: int | None = None,
    universe: str = "measured",
    organism: str | None = None,
    key_added: str | None = None,
    **enrich_options: Any,
) -> GroupEnrichmentResult:
    """Enrichment of each group's marker genes from :func:`scanpy.tl.rank_genes_groups`.

    Markers are read as :func:`scanpy.get.rank_genes_groups_df` reads them:
    ``pvals_adj < pval_cutoff``, ``logfoldchanges > log2fc_min`` and
    ``logfoldchanges < log2fc_max`` (strict; NaN fails), none of them for
    ``method="logreg"`` (which stores no p-values or fold changes). A marker
    is *up* when its score (the statistic scanpy ranks by) is positive and
    *down* when it is negative; up lists keep scanpy's order (highest score
    first), down lists start at the lowest score, and ``n_genes`` keeps the
    first ``n_genes`` of each list. Each (group, direction) is one query of
    :func:`~pfocr_enrich.enrich_many`.

    Parameters
    ----------
    adata : AnnData
        With ``adata.uns[key]`` written by :func:`scanpy.tl.rank_genes_groups`.
        Not modified, except ``adata.uns[key_added]`` when ``key_added`` is given.
    library : GeneSetLibrary
        The gene sets, e.g. :func:`pfocr_enrich.sample_library`.
    key : str, default "rank_genes_groups"
        Where the ranking is in ``adata.uns`` (scanpy's ``key_added``).
    groups : str or sequence of str, optional
        Groups to test, in this order; default every group of the ranking.
    direction : {"up", "down", "both"}
        Markers with positive scores, negative scores, or one query of each.
    pval_cutoff, log2fc_min, log2fc_max : float, optional
        The cut-offs of :func:`scanpy.get.rank_genes_groups_df` (default
        ``pvals_adj < 0.05``).
    n_genes : int, optional
        At most this many markers per query, the best ranked ones.
    universe : {"measured", "library"}
        ``"measured"`` (default): the genes the ranking was computed on
        (``adata.raw.var_names`` when it used raw, else ``adata.var_names``),
        mapped to the library's genes, intersected with the library (the
        ``background`` of :func:`~pfocr_enrich.enrich`). ``"library"``: every
        library gene (the rule of :func:`~pfocr_enrich.enrich` without background).
    organism : str or int, optional
        The organism of ``adata.var_names`` (``"mouse"``, 10090, ...), passed to
        :func:`~pfocr_enrich.enrich_many`; None reads them as human names.
    key_added : str, optional
        Also store ``adata.uns[key_added] = {"table": ..., "params": ...}``: the
        long table (``rank`` as a column, text columns without missing values)
        and the parameters with the library's provenance as JSON text
        (``json.loads``), so ``write_h5ad`` keeps both.
    **enrich_options
        Options of :func:`~pfocr_enrich.enrich_many` (``min_size``, ``max_size``,
        ``correction``, ``mapper``, ...), except ``background`` (see ``universe``).

    Returns
    -------
    GroupEnrichmentResult
        A :class:`~pfocr_enrich.BatchEnrichmentResult` whose table also has
        ``group`` and ``direction``; queries are named after the group (with
        `` (up)`` / `` (down)`` when ``direction="both"``). Its
        ``res.plot.dot_matrix()`` draws figures x groups, in group order.

    Raises
    ------
    TypeError
        ``adata`` is not an AnnData, ``library`` not a GeneSetLibrary, or
        ``background`` was given.
    ValueError
        ``adata.uns[key]`` is missing or not a ranking, a group is unknown, an
        option is out of range.
    EmptyQueryError
        No (group, direction) has a marker in the universe.

    Warns
    -----
    UserWarning
        Some queries are empty after the cut-offs (they are left out and listed
        in ``params["rank_genes_groups"]["empty"]``); cut-offs given for
        ``method="logreg"``; down markers asked of a ranking that stored only
        the top genes.
    GeneMappingWarning
        Markers outside the universe (see ``res.dropped``).

    Examples
    --------
    >>> import warnings, scanpy as sc, pfocr_enrich as pe
    >>> adata = sc.datasets.pbmc68k_reduced()
    >>> sc.tl.rank_genes_groups(adata, "bulk_labels", method="wilcoxon")
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # markers outside the library's genes
    ...     res = pe.enrich_rank_genes_groups(adata, pe.sample_library(), key_added="pfocr")
    >>> res.queries[:2]
    ['CD4+/CD25 T Reg', 'CD4+/CD45RO+ Memory']
    >>> res.params["universe_rule"], res.params["universe_size"]
    ('intersect', 96)
    >>> sorted(adata.uns["pfocr"])
    ['params', 'table']
    """
    check_adata(adata, library, _FUNC)
    check_marker_args(key, groups, organism, enrich_options, _FUNC)
    direction = check_choice(direction, DIRECTIONS, func=_FUNC, param="direction")
    universe = check_choice(universe, UNIVERSES, func=_FUNC, param="universe")
    for name, value in (
        ("pval_cutoff", pval_cutoff),
        ("log2fc_min", log2fc_min),
        ("log2fc_max", log2fc_max),
    ):
        check_number_in(value, None, None, func=_FUNC, param=name, allow_none=True)
    n_genes = check_int(n_genes, func=_FUNC, param="n_genes", min=1, allow_none=True)
    if key_added is not None and not isinstance(key_added, str):
        raise param_error(_FUNC, "key_added", "a str or None", key_added, error=TypeError)
    if "background" in enrich_options:
        raise param_error(
            _FUNC,
            "background",
            'not given: universe="measured" or "library" sets it',
            enrich_options["background"],
            error=TypeError,
        )
    options = dict(enrich_options)
    if organism is not None:
        options["organism"] = organism
    ranking = _ranking(adata, key)
    check_ranking_fields(ranking, key, pval_cutoff, _FUNC)
    measured = _measured_names(adata, ranking)
    chosen = _groups(ranking, groups)
    queries, pairs, empty = _queries(
        ranking, chosen, direction, pval_cutoff, log2fc_min, log2fc_max, n_genes, len(measured)
    )
    # A query with no marker in the library cannot be tested: left out, with a warning.
    markers = list(dict.fromkeys(g for genes in queries.values() for g in genes))
    columns = gene_columns(
        np.array(markers, dtype=object),
        library,
        mapper=options.get("mapper"),
        resolve_aliases=options.get("resolve_aliases", True),
        func=_FUNC,
    )
    known = {g for g, col in zip(markers, columns) if col >= 0}
    for name in list(queries):
        if not known.intersection(queries[name]):
            empty.append(name)
            del queries[name], pairs[name]
    if empty:
        warnings.warn(
            f"{len(empty)} of {len(empty) + len(queries)} (group, direction) queries have no "
            f"marker in the library after the cut-offs and are left out: "
            f"{', '.join(map(repr, empty[:10]))}{' ...' if len(empty) > 10 else ''}",
            UserWarning,
            stacklevel=2,
        )
    if not queries:
        raise EmptyQueryError(
            f"{_FUNC}: no group has a marker in the library after the cut-offs "
            f"(pval_cutoff={pval_cutoff}, log2fc_min={log2fc_min}, log2fc_max={log2fc_max})."
        )
    background = list(measured) if universe == "measured" else None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        batch = enrich_many(queries, library, background=background, **options)
    for warning in caught:  # shown at the caller's line, not at this module's call
        warnings.warn(warning.message, warning.category, stacklevel=2)
    info = {
        "key": key,
        "method": ranking["params"].get("method"),
        "groupby": ranking["params"].get("groupby"),
        "reference": ranking["params"].get("reference"),
        "use_raw": ranking["params"].get("use_raw"),
        "groups": chosen,
        "direction": direction,
        "pval_cutoff": pval_cutoff,
        "log2fc_min": log2fc_min,
        "log2fc_max": log2fc_max,
        "n_genes": n_genes,
        "universe": universe,
        "organism": organism,
        "queries": pairs,
        "empty": empty,
    }
    res = group_result(batch, info)  # the same rows, read with group and direction
    if key_added is not None:
        adata.uns[key_added] = {"table": _tidy(res.table), "params": jsonable(res.params)}
    return res


def _ranking(adata: Any, key: str) -> Any:
    if not isinstance(key, str) or key not in adata.uns:
        expected = "a key of adata.uns holding scanpy.tl.rank_genes_groups output (run it first)"
        raise param_error(_FUNC, "key", expected, key)
    ranking = adata.uns[key]
    if not all(f in ranking for f in ("names", "scores", "params")):
        expected = "a rank_genes_groups entry (with 'names', 'scores' and 'params')"
        raise param_error(_FUNC, "key", expected, key, shown=f"{key!r} with {sorted(ranking)}")
    return ranking


def _measured_names(adata: Any, ranking: Any) -> Any:
    """The genes the ranking tested: raw's when it used raw (scanpy's use_raw), else var's."""
    if ranking["params"].get("use_raw") and adata.raw is not None:
        return adata.raw.var_names
    return adata.var_names


def _groups(ranking: Any, groups: object) -> list[str]:
    stored = list(ranking["names"].dtype.names)
    if groups is None:
        return stored
    wanted = [groups] if isinstance(groups, str) else list(groups)  # type: ignore[call-overload]
    unknown = [g for g in wanted if g not in stored]
    if unknown or not wanted:
        raise param_error(
            _FUNC, "groups", f"None or groups of the ranking ({stored[:10]})", unknown or wanted
        )
    return [str(g) for g in wanted]


def _queries(
    ranking: Any,
    groups: list[str],
    direction: str,
    pval_cutoff: float | None,
    log2fc_min: float | None,
    log2fc_max: float | None,
    n_genes: int | None,
    n_measured: int,
) -> tuple[dict[str, list[str]], dict[str, list[str]], list[str]]:
    """Query name -> markers, query name -> [group, direction], and the empty queries."""
    logreg = ranking["params"].get("method") == "logreg"
    if logreg and any(v is not None for v in (pval_cutoff, log2fc_min, log2fc_max)):
        warnings.warn(
            f"{_FUNC}: method='logreg' stores no p-values or fold changes; pval_cutoff, "
            "log2fc_min and log2fc_max are not applied (as in scanpy.get.rank_genes_groups_df).",
            UserWarning,
            stacklevel=3,
        )
    stored = len(ranking["names"])
    if direction != "up" and stored < n_measured:
        warnings.warn(
            f"{_FUNC}: the ranking stored the top {stored} of {n_measured} genes per group, so "
            "down markers are only the negative scores among them; run "
            "scanpy.tl.rank_genes_groups(..., n_genes=adata.n_vars) for complete down lists.",
            UserWarning,
            stacklevel=3,
        )
    wanted = ["up", "down"] if direction == "both" else [direction]
    queries: dict[str, list[str]] = {}
    pairs: dict[str, list[str]] = {}
    empty: list[str] = []
    for group in groups:
        names = np.asarray(ranking["names"][group]).astype(str)
        scores = np.asarray(ranking["scores"][group], dtype=np.float64)
        keep = np.ones(len(names), dtype=bool)
        if not logreg:
            lfc = np.asarray(ranking["logfoldchanges"][group], dtype=np.float64)
            with np.errstate(invalid="ignore"):
                if pval_cutoff is not None:
                    keep &= np.asarray(ranking["pvals_adj"][group], dtype=np.float64) < pval_cutoff
                if log2fc_min is not None:
                    keep &= lfc > log2fc_min
                if log2fc_max is not None:
                    keep &= lfc < log2fc_max
        for way in wanted:
            if way == "up":
                picked = np.flatnonzero(keep & (scores > 0))
            else:
                picked = np.flatnonzero(keep & (scores < 0))
                picked = picked[np.argsort(scores[picked], kind="stable")]
            if n_genes is not None:
                picked = picked[:n_genes]
            name = group if direction != "both" else f"{group} ({way})"
            if len(picked) == 0:
                empty.append(name)
                continue
            queries[name] = names[picked].tolist()
            pairs[name] = [group, way]
    return queries, pairs, empty


def _tidy(table: pd.DataFrame) -> pd.DataFrame:
    """The table as ``adata.uns`` stores it in h5ad: rank a column, text without NaN."""
    tidy = table.reset_index()
    for column in tidy.columns:
        values = tidy[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            if not isinstance(values.dtype, pd.CategoricalDtype):
                tidy[column] = values.fillna("").astype(str).to_numpy(dtype=object)
    return tidy
