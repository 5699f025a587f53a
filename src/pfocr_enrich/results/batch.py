"""Many queries in one result: :class:`BatchEnrichmentResult` (from :func:`pfocr_enrich.enrich_many`)."""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._util.validation import param_error
from ..library import GeneSetLibrary
from .cluster import freeze_set_genes
from .model import EnrichmentResult
from .rows import FrameRows

__all__ = ["BatchEnrichmentResult"]


class BatchEnrichmentResult(EnrichmentResult):
    """The outcome of :func:`pfocr_enrich.enrich_many`: many queries in one long table.

    ``table`` has a categorical ``query`` column in the caller's order and is
    ranked within each query; ``params["queries"]`` holds each query's sizes.
    Everything an :class:`EnrichmentResult` does works here (per query where it
    matters), plus :meth:`pivot`, ``res[name]`` (one query as an
    :class:`EnrichmentResult`) and :meth:`concat`.

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> many = pe.enrich_many({"ifn": ["IRF3", "MAVS", "TBK1"], "nfkb": ["NFKB1", "RELA", "IKBKB"]},
    ...                       pe.sample_library())
    >>> type(many).__name__, many.queries
    ('BatchEnrichmentResult', ['ifn', 'nfkb'])
    >>> many["nfkb"].table.iloc[0]["genes"]
    'IKBKB;NFKB1;RELA'
    """

    @property
    def queries(self) -> list[str]:
        """Query names in the caller's order.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> pe.enrich_many({"a": ["IRF3", "MAVS"], "b": ["RELA"]}, pe.sample_library()).queries
        ['a', 'b']
        """
        return list(self._rows.names)

    def __getitem__(self, query: str) -> EnrichmentResult:
        """One query as an :class:`EnrichmentResult` (equal to :func:`pfocr_enrich.enrich` on it)."""
        names = self.queries
        if query not in names:
            raise KeyError(f"{type(self).__name__} has no query {query!r}; queries: {names[:10]}")
        params = copy.deepcopy(self._params)
        params.update(params.pop("queries", {}).get(query, {}))
        params["query_name"] = query
        mapping = self._mapping
        if "query" in mapping:
            mapping = mapping[mapping["query"] == query].drop(columns="query")
        sel = self._positions()
        sel = sel[self._rows.query_codes(sel) == names.index(query)]
        return self._derive(
            sel,
            params,
            rows=self._rows.single(),
            cls=EnrichmentResult,
            mapping=mapping.reset_index(drop=True),
        )

    def pivot(self, values: str = "fdr") -> pd.DataFrame:
        """A set x query matrix of one column (NaN where a set has no row for a query).

        Rows are ordered by the best p-value of the set over all queries (ties by ``set_id``);
        columns follow the query order.

        Parameters
        ----------
        values : str, default "fdr"
            Any column of the table (``"pvalue"``, ``"overlap"``, ``"fold_enrichment"``, ...).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> many = pe.enrich_many({"a": ["IRF3", "MAVS", "TBK1"], "b": ["NFKB1", "RELA"]}, pe.sample_library())
        >>> m = many.pivot("overlap")
        >>> m.shape, m.columns.tolist()
        ((216, 2), ['a', 'b'])
        """
        if values not in self._table.columns or values in ("query", "set_id"):
            raise param_error(
                "BatchEnrichmentResult.pivot", "values", "a column of the table", values
            )
        t = self._table
        wide = t.pivot(index="set_id", columns="query", values=values)
        wide = wide.reindex(columns=t["query"].cat.categories)
        wide.columns = pd.Index([str(c) for c in wide.columns], name="query")
        key = t["log10_pvalue"] if "log10_pvalue" in t else np.log10(t["pvalue"])
        best = key.groupby(t["set_id"].to_numpy()).min()
        order = pd.DataFrame({"best": best, "set_id": best.index}).sort_values(
            ["best", "set_id"], kind="stable"
        )
        return wide.loc[order["set_id"].to_numpy()]

    @classmethod
    def concat(cls, results: Sequence[EnrichmentResult]) -> BatchEnrichmentResult:
        """Join batch results computed separately with the same library and options.

        Parameters
        ----------
        results : sequence of BatchEnrichmentResult
            Disjoint query names; every option must be equal.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> lib = pe.sample_library()
        >>> a = pe.enrich_many({"a": ["IRF3", "MAVS"]}, lib)
        >>> b = pe.enrich_many({"b": ["RELA", "NFKB1"]}, lib)
        >>> both = pe.enrich_many({"a": ["IRF3", "MAVS"], "b": ["RELA", "NFKB1"]}, lib)
        >>> from pfocr_enrich.results import BatchEnrichmentResult
        >>> BatchEnrichmentResult.concat([a, b]) == both
        True
        """
        results = list(results)
        if not results or not all(isinstance(r, BatchEnrichmentResult) for r in results):
            raise param_error(
                "BatchEnrichmentResult.concat",
                "results",
                "a non-empty sequence of BatchEnrichmentResult",
                [type(r).__name__ for r in results],
            )
        base = {k: v for k, v in results[0]._params.items() if k != "queries"}
        names: list[str] = []
        for r in results:
            other = {k: v for k, v in r._params.items() if k != "queries"}
            if other != base:
                differ = sorted(k for k in set(base) | set(other) if base.get(k) != other.get(k))
                raise ValueError(
                    f"BatchEnrichmentResult.concat: results differ in {', '.join(differ)}"
                )
            names.extend(r.queries)
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise ValueError(
                f"BatchEnrichmentResult.concat: query {dup!r} appears in more than one result"
            )
        table = pd.concat([r._table.assign(query=r._table["query"].astype(str)) for r in results])
        table["query"] = pd.Categorical(table["query"], categories=names)
        table.index = pd.Index(table.index.to_numpy(), name=results[0]._table.index.name)
        mapping = pd.concat(
            [r._mapping.assign(query=r._mapping["query"].astype(str)) for r in results],
            ignore_index=True,
        )
        mapping["query"] = pd.Categorical(mapping["query"], categories=names)
        params = copy.deepcopy(results[0]._params)
        params["queries"] = {k: v for r in results for k, v in r._params["queries"].items()}
        out = results[0]._derive(None, params, rows=FrameRows(table, batch=True), mapping=mapping)
        held = [r._set_genes for r in results if r._set_genes is not None]
        if held and all(h is held[0] for h in held) and isinstance(held[0], GeneSetLibrary):
            out._set_genes = held[0]
        elif held:
            out._set_genes = {k: v for h in held for k, v in freeze_set_genes(h, None).items()}
        else:
            out._set_genes = None
        return out
