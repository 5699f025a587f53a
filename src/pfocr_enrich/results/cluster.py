"""Redundant figures: greedy representative clustering of a result's significant sets.

PFOCR has many near-identical figures (the same pathway drawn in several
papers). Significant rows are visited from the lowest p-value (ties by
``set_id``); each row not yet in a cluster starts a new one as its
**representative**, and every other unclustered significant set whose
similarity to it is >= the threshold joins. Every member is therefore similar
to its representative, the representative has the lowest p of its cluster,
and clusters never chain through intermediates. A batch is clustered within
each query.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._util.validation import check_alpha, check_choice, check_number_in, param_error
from ..library import GeneSetLibrary
from .rows import FrameRows

if TYPE_CHECKING:
    from .model import EnrichmentResult

__all__ = ["leader_clusters", "cluster_table"]

METRICS = ("jaccard", "overlap")


class Clustering:
    """:meth:`cluster`, for :class:`~pfocr_enrich.results.EnrichmentResult`."""

    def cluster(
        self: EnrichmentResult,
        threshold: float = 0.5,
        *,
        metric: str = "jaccard",
        alpha: float = 0.05,
        by: str = "fdr",
        gene_sets: Mapping[str, Iterable[str]] | None = None,
    ) -> EnrichmentResult:
        """Group redundant significant sets: a new result with ``cluster`` and ``is_representative``.

        Rows with ``by <= alpha`` are visited from the lowest p-value; each row
        not yet in a cluster becomes the representative of a new one, which every
        unclustered significant set at least ``threshold`` similar to it joins
        (see :mod:`pfocr_enrich.results.cluster`). A batch is clustered per query.

        Parameters
        ----------
        threshold : float, default 0.5
            Similarity in (0, 1]; 1.0 with Jaccard groups only identical gene sets.
        metric : {"jaccard", "overlap"}
            |A ∩ B| / |A ∪ B|, or |A ∩ B| / min(|A|, |B|) (a set inside another is 1).
        alpha : float, default 0.05
            Rows with ``by <= alpha`` are clustered; the others get <NA> and False.
        by : str, default "fdr"
            Column compared with ``alpha``.
        gene_sets : mapping of str to genes, optional
            Set id -> genes (e.g. the library). Default: the set genes the result
            holds, else each row's overlapping genes; ``params["cluster"]["basis"]``
            says which.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> lib = pe.sample_library()
        >>> res = pe.enrich(["IFNB1", "IRF3", "MAVS", "TBK1", "DDX58", "STAT1"], lib)
        >>> clustered = res.cluster(0.5, gene_sets=lib)
        >>> clustered.params["cluster"]["basis"], int(clustered.table["cluster"].max()) <= len(res)
        ('set genes', True)
        """
        func = f"{type(self).__name__}.cluster"
        check_number_in(threshold, 0, 1, func=func, param="threshold", lo_open=True)
        check_choice(metric, METRICS, func=func, param="metric")
        check_alpha(alpha, func)
        if by not in self._table.columns:
            raise param_error(func, "by", "a column of the table", by)
        source = gene_sets if gene_sets is not None else self._set_genes
        table, info = cluster_table(
            self._table,
            source,
            threshold=threshold,
            metric=metric,
            alpha=alpha,
            by=by,
            func=func,
            batch=self.is_batch,
        )
        params = copy.deepcopy(self._params)
        params["cluster"] = info
        new = self._derive(None, params, rows=FrameRows(table, batch=self.is_batch))
        if gene_sets is not None:
            new._set_genes = freeze_set_genes(gene_sets, table)
        return new


def freeze_set_genes(set_genes: Any, table: pd.DataFrame | None) -> Any:
    """What a result keeps of ``set_genes``: an (immutable) GeneSetLibrary as is, at no cost;
    any other mapping copied into frozensets for the table's set ids (all of them when no table)."""
    if set_genes is None or isinstance(set_genes, GeneSetLibrary):
        return set_genes
    if table is None:
        return {sid: frozenset(genes) for sid, genes in set_genes.items()}
    ids = pd.unique(table["set_id"]) if "set_id" in table else []
    return {sid: frozenset(set_genes[sid]) for sid in ids if sid in set_genes}


def cluster_table(
    table: pd.DataFrame,
    source: Mapping[str, Iterable[str]] | None,
    *,
    threshold: float,
    metric: str,
    alpha: float,
    by: str,
    func: str,
    batch: bool = False,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``table`` with ``cluster`` (Int64, 1 = the best set's) and ``is_representative`` columns,
    and what was done (``params["cluster"]``).

    ``source`` maps set ids to genes; None clusters on the overlapping genes (``genes``).
    A ``batch`` table (categorical ``query`` column) is clustered within each query.

    Examples
    --------
    >>> t = pd.DataFrame({"set_id": ["a", "b", "c"], "pvalue": [0.001, 0.002, 0.01],
    ...                   "fdr": [0.003, 0.003, 0.01], "genes": ["X;Y", "X;Y", "Z"]})
    >>> out, info = cluster_table(t, None, threshold=0.5, metric="jaccard", alpha=0.05,
    ...                           by="fdr", func="cluster")
    >>> out["cluster"].tolist(), out["is_representative"].tolist(), info["n_clusters"]
    ([1, 1, 2], [True, False, True], 2)
    """
    table = table.drop(columns=["cluster", "is_representative"], errors="ignore").copy()
    significant = (table[by] <= alpha).to_numpy(dtype=bool, na_value=False)
    ids = table["set_id"].to_numpy(dtype=object)
    if source is not None:
        missing = [sid for sid in pd.unique(ids[significant]) if sid not in source]
        if missing:
            raise ValueError(
                f"{func}: 'gene_sets' has no genes for {len(missing)} significant set(s), "
                f"e.g. {missing[0]!r}; pass the library the result came from."
            )
    elif "genes" not in table:
        raise ValueError(
            f"{func}: the table has no overlapping genes ('genes'): pass gene_sets "
            "(e.g. the library the result came from)."
        )
    labels = np.full(len(table), -1, dtype=np.int64)
    is_rep = np.zeros(len(table), dtype=bool)
    groups = table["query"].cat.codes.to_numpy() if batch else np.zeros(len(table), dtype=np.int64)
    log_p = (
        table["log10_pvalue"].to_numpy(dtype=float)
        if "log10_pvalue" in table
        else np.log10(table["pvalue"].to_numpy(dtype=float))
    )
    for group in np.unique(groups[significant]):
        pos = np.flatnonzero(significant & (groups == group))
        pos = pos[np.lexsort((ids[pos].astype(str), log_p[pos]))]
        if source is not None:
            members = [source[sid] for sid in ids[pos]]
        else:
            members = [
                [g for g in str(v).split(";") if g] if isinstance(v, str) else []
                for v in table["genes"].to_numpy()[pos]
            ]
        local, leaders = leader_clusters(members, threshold, metric=metric)
        labels[pos] = local + 1
        is_rep[pos[leaders]] = True
    clusters = pd.array(labels, dtype="Int64")
    clusters[labels < 0] = pd.NA
    table["cluster"] = clusters
    table["is_representative"] = is_rep
    info = {
        "threshold": float(threshold),
        "metric": metric,
        "alpha": alpha,
        "by": by,
        "basis": "set genes" if source is not None else "overlapping genes",
        "n_clusters": int(is_rep.sum()),
    }
    return table, info


def leader_clusters(
    gene_sets: Sequence[Iterable[str]], threshold: float, *, metric: str = "jaccard"
) -> tuple[np.ndarray, np.ndarray]:
    """Greedy representative clustering of sets given in priority order.

    Each set not yet clustered becomes a representative; the unclustered sets
    with similarity >= ``threshold`` to it join its cluster.

    Returns
    -------
    labels : ndarray of int, shape (n_sets,)
        Cluster number (0-based, in order of the representatives).
    leaders : ndarray of int
        Position of each cluster's representative.

    Examples
    --------
    >>> labels, leaders = leader_clusters([{"A", "B"}, {"A", "B", "C"}, {"D"}], 0.5)
    >>> labels.tolist(), leaders.tolist()
    ([0, 0, 1], [0, 2])
    """
    n = len(gene_sets)
    vocab: dict[str, int] = {}
    rows, cols = [], []
    for i, genes in enumerate(gene_sets):
        for g in set(genes):
            rows.append(i)
            cols.append(vocab.setdefault(g, len(vocab)))
    a = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n, max(len(vocab), 1))
    )
    size = np.diff(a.indptr).astype(float)
    inter = (a @ a.T).tocoo()
    i, j, k = inter.row, inter.col, inter.data.astype(float)
    denom = size[i] + size[j] - k if metric == "jaccard" else np.minimum(size[i], size[j])
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(denom > 0, k / denom, 0.0)
    # Round away float noise so that e.g. 1/2 >= 0.5 holds exactly.
    close = (sim >= threshold) | np.isclose(sim, threshold, rtol=1e-12, atol=0)
    close &= i != j
    adj = sp.csr_matrix((np.ones(int(close.sum()), dtype=bool), (i[close], j[close])), shape=(n, n))
    labels = np.full(n, -1, dtype=np.int64)
    leaders = []
    for s in range(n):
        if labels[s] >= 0:
            continue
        c = len(leaders)
        leaders.append(s)
        labels[s] = c
        neighbours = adj.indices[adj.indptr[s] : adj.indptr[s + 1]]
        free = neighbours[labels[neighbours] < 0]
        labels[free] = c
    return labels, np.asarray(leaders, dtype=np.int64)
