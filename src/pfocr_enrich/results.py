"""Enrichment results: a ranked table plus what was done to get it.

Knows nothing of how the numbers were computed; it formats, filters and exports.
"""

from __future__ import annotations

import html
import os
from typing import Any

import pandas as pd

__all__ = ["EnrichmentResult"]

_KEPT = ("official", "case", "entrez", "ensembl", "alias", "previous", "date_repaired")
_SHOWN = ["query", "set_id", "title", "overlap", "set_size", "fold_enrichment", "pvalue", "fdr", "genes"]


class EnrichmentResult:
    """The outcome of :func:`pfocr_enrich.enrich` for one query.

    Parameters
    ----------
    table : DataFrame
        One row per tested set, ranked by p-value (ties by ``set_id``).
    params : dict
        Every option and size that produced the table (universe, query, correction, ...).
    mapping : DataFrame
        One row per query input: ``input``, ``status``, ``mapped_to``, ``note``.

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
    >>> res.significant(0.05).table.shape[0] <= res.table.shape[0]
    True
    """

    def __init__(self, table: pd.DataFrame, *, params: dict[str, Any], mapping: pd.DataFrame) -> None:
        self._table = table
        self._params = dict(params)
        self._mapping = mapping

    @property
    def table(self) -> pd.DataFrame:
        """The ranked result table (a copy)."""
        return self._table.copy()

    @property
    def params(self) -> dict[str, Any]:
        """Options, sizes and provenance of this result (a copy)."""
        return dict(self._params)

    @property
    def mapping(self) -> pd.DataFrame:
        """What happened to every query input (a copy)."""
        return self._mapping.copy()

    @property
    def dropped(self) -> pd.DataFrame:
        """The query inputs that did not enter the test, with the reason."""
        return self._mapping[~self._mapping["status"].isin(_KEPT)].reset_index(drop=True)

    def __len__(self) -> int:
        return len(self._table)

    def significant(self, alpha: float = 0.05, *, by: str = "fdr") -> EnrichmentResult:
        """A new result keeping rows with ``by`` <= ``alpha``.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> bool((res.significant(0.01, by="pvalue").table["pvalue"] <= 0.01).all())
        True
        """
        if not 0 <= alpha <= 1:
            raise ValueError(f"The 'alpha' parameter of EnrichmentResult.significant must be in [0, 1]. Got {alpha!r} instead.")
        if by not in self._table.columns:
            raise ValueError(f"The 'by' parameter of EnrichmentResult.significant must be a column of the table. Got {by!r} instead.")
        kept = self._table[self._table[by] <= alpha]
        params = {**self._params, "filter": f"{by} <= {alpha}"}
        return EnrichmentResult(kept.copy(), params=params, mapping=self._mapping)

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` best-ranked rows."""
        return self._table.head(n).copy()

    def to_csv(self, path: str | os.PathLike[str], *, sep: str | None = None) -> None:
        """Write the table; tab-separated for ``.tsv``/``.txt`` paths, comma otherwise."""
        if sep is None:
            sep = "\t" if str(path).endswith((".tsv", ".txt", ".tsv.gz")) else ","
        self._table.to_csv(path, sep=sep, index=False)

    def to_tsv(self, path: str | os.PathLike[str]) -> None:
        """Write the table as tab-separated values."""
        self.to_csv(path, sep="\t")

    def summary(self) -> str:
        """A few lines on the query, the universe and the top hits.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> print(pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library()).summary().splitlines()[0])
        query: 3 of 3 genes tested (0 left out: see .dropped)
        """
        p = self._params
        n_sig = int((self._table["fdr"] <= 0.05).sum()) if "fdr" in self._table else 0
        if "queries" in p:
            sizes = [q["query_size"] for q in p["queries"].values()]
            first = (f"queries: {len(sizes)} (tested sizes {min(sizes)}-{max(sizes)}); "
                     f"{len(self.dropped)} inputs left out: see .dropped")
        else:
            first = (f"query: {p.get('query_size')} of {p.get('query_input')} genes tested "
                     f"({len(self.dropped)} left out: see .dropped)")
        lines = [
            first,
            f"universe: {p.get('universe_size'):,} genes (rule: {p.get('universe_rule')}); "
            f"library {p.get('library')!r}: {p.get('library_sets'):,} sets, {p.get('sets_tested'):,} tested",
            f"correction: {p.get('correction')} over {p.get('fdr_over')} sets; {n_sig} row(s) with fdr <= 0.05",
        ]
        if p.get("compat"):
            lines.append(f"compat: {p['compat']}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        cols = [c for c in _SHOWN if c in self._table.columns]
        with pd.option_context("display.max_colwidth", 40, "display.width", 120):
            body = self._table[cols].head(10).to_string() if len(self._table) else "(no sets tested)"
        return f"EnrichmentResult\n{self.summary()}\n{body}"

    def _repr_html_(self) -> str:
        cols = [c for c in _SHOWN if c in self._table.columns]
        head = "<br>".join(html.escape(line) for line in self.summary().splitlines())
        return f"<div><p>{head}</p>{self._table[cols].head(20).to_html(escape=True)}</div>"
