"""Batches whose queries are (group, direction) pairs: :class:`GroupEnrichmentResult`.

:func:`pfocr_enrich.enrich_rank_genes_groups` runs one query per scanpy group and
direction; :func:`group_result` reads that batch with the pairs it stores in
``params["rank_genes_groups"]``, so the table gains ``group`` and ``direction``.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from .batch import BatchEnrichmentResult

__all__ = ["GroupEnrichmentResult", "group_result"]

DIRECTIONS = ("up", "down")


class GroupEnrichmentResult(BatchEnrichmentResult):
    """The batch of :func:`pfocr_enrich.enrich_rank_genes_groups`: ``table`` also has ``group`` and ``direction``.

    Queries are the (group, direction) pairs in group order, up before down;
    ``params["rank_genes_groups"]["queries"]`` maps each query name to its pair.
    Everything else is :class:`~pfocr_enrich.BatchEnrichmentResult` (exports and the
    HTML report name each query, e.g. ``"CD19+ B (up)"``; ``table`` adds the two columns).

    Examples
    --------
    >>> import warnings, scanpy as sc, pfocr_enrich as pe
    >>> adata = sc.datasets.pbmc68k_reduced()
    >>> sc.tl.rank_genes_groups(adata, "bulk_labels", method="t-test", n_genes=adata.n_vars)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")  # markers outside the library's genes
    ...     res = pe.enrich_rank_genes_groups(adata, pe.sample_library(), direction="both",
    ...                                       pval_cutoff=None)
    >>> res.table[["group", "direction"]].drop_duplicates().shape[0] == len(res.queries)
    True
    """

    @property
    def table(self) -> pd.DataFrame:
        """The ranked long table (a copy) with ``group`` and ``direction`` after ``query``."""
        table = super().table
        pairs = self._params["rank_genes_groups"]["queries"]
        query = table["query"]
        names = [str(q) for q in query.cat.categories]
        groups = list(dict.fromkeys(pairs[q][0] for q in names))
        # One code per query, taken by each row's query code (no string per row).
        group_of = np.array([groups.index(pairs[q][0]) for q in names], dtype=np.int32)
        way_of = np.array([DIRECTIONS.index(pairs[q][1]) for q in names], dtype=np.int8)
        codes = query.cat.codes.to_numpy()
        at = table.columns.get_loc("query") + 1
        table.insert(at, "group", pd.Categorical.from_codes(group_of[codes], categories=groups))
        table.insert(
            at + 1, "direction", pd.Categorical.from_codes(way_of[codes], categories=DIRECTIONS)
        )
        return table


def group_result(batch: BatchEnrichmentResult, info: dict[str, Any]) -> GroupEnrichmentResult:
    """``batch`` (the same rows, not copied) read as groups; ``info`` becomes
    ``params["rank_genes_groups"]`` and maps each query to its ``[group, direction]``
    in ``info["queries"]``."""
    missing = [q for q in batch.queries if q not in info.get("queries", {})]
    if missing:
        raise ValueError(f"group_result: no (group, direction) for queries {missing[:10]}")
    params = copy.deepcopy(batch._params)
    params["rank_genes_groups"] = copy.deepcopy(info)
    new = batch._derive(batch._sel, params, cls=GroupEnrichmentResult)
    return new  # type: ignore[return-value]
