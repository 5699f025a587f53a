"""Filters of a result: :meth:`significant`, :meth:`top` and :meth:`hits` select rows.

Each returns a new result holding a selection of the same rows (nothing is
copied until a table is read) and notes what was done in ``params["filter"]``.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._util.validation import check_alpha, check_int, param_error

if TYPE_CHECKING:
    from .model import EnrichmentResult

__all__ = ["Filtering"]


class Filtering:
    """:meth:`significant`, :meth:`top` and :meth:`hits`, for
    :class:`~pfocr_enrich.results.EnrichmentResult`."""

    def _add_filter(self: EnrichmentResult, note: str) -> dict[str, Any]:
        params = copy.deepcopy(self._params)
        params["filter"] = f"{params['filter']}; {note}" if params.get("filter") else note
        return params

    def significant(
        self: EnrichmentResult,
        alpha: float = 0.05,
        *,
        by: str = "fdr",
        representatives_only: bool = False,
    ) -> EnrichmentResult:
        """A new result keeping rows with ``by`` <= ``alpha`` (NaN never passes).

        Parameters
        ----------
        alpha : float, default 0.05
            Threshold in [0, 1].
        by : str, default "fdr"
            Numeric column compared with ``alpha``: ``"fdr"``, ``"pvalue"``, ``"qvalue"``, ...
        representatives_only : bool, default False
            Keep only the representative of each cluster (needs :meth:`cluster` first).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> bool((res.significant(0.01, by="pvalue").table["pvalue"] <= 0.01).all())
        True
        """
        func = f"{type(self).__name__}.significant"
        check_alpha(alpha, func)
        sel = self._positions()
        try:
            values = self._rows.column(by, sel)
        except KeyError:
            raise param_error(
                func, "by", "a numeric column of the table (e.g. 'fdr', 'pvalue', 'qvalue')", by
            ) from None
        with np.errstate(invalid="ignore"):
            keep = values <= alpha
        note = f"{by} <= {alpha}"
        if representatives_only:
            try:
                keep &= self._rows.column("is_representative", sel) > 0
            except KeyError:
                raise ValueError(
                    f"{func}(representatives_only=True) needs clusters: call .cluster() first, "
                    "e.g. res.cluster(0.5).significant(representatives_only=True)."
                ) from None
            note += " and cluster representatives only"
        return self._derive(sel[keep], self._add_filter(note))

    def top(self: EnrichmentResult, n: int = 10) -> EnrichmentResult:
        """A new result with the ``n`` best-ranked rows (of each query, for a batch).

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> len(res.top(3)), res.top(3).table.index.tolist()
        (3, [1, 2, 3])
        """
        check_int(n, func=f"{type(self).__name__}.top", param="n", min=0)
        note = f"top {int(n)}" + (" per query" if self.is_batch else "")
        sel = self._rows.first_per_query(self._positions(), int(n))
        return self._derive(sel, self._add_filter(note))

    def hits(
        self: EnrichmentResult,
        *,
        queries: Sequence[str] | None = None,
        set_ids: Iterable[str] | None = None,
    ) -> EnrichmentResult:
        """A new result with the rows whose overlap is at least 1 (what plots draw), of
        ``queries`` (a batch's) and ``set_ids`` when given; ranks and params unchanged.

        Examples
        --------
        >>> import pfocr_enrich as pe
        >>> res = pe.enrich(["IRF3", "MAVS", "TBK1"], pe.sample_library())
        >>> bool((res.hits().table["overlap"] >= 1).all()), len(res.hits()) < len(res)
        (True, True)
        """
        sel = self._positions()
        try:
            keep = self._rows.column("overlap", sel) > 0
        except KeyError:
            raise ValueError(
                f"{type(self).__name__}.hits needs an 'overlap' column (over-representation results)."
            ) from None
        if queries is not None and self.is_batch:
            wanted = [self._rows.names.index(q) for q in queries]
            keep &= np.isin(self._rows.query_codes(sel), wanted)
        if set_ids is not None:
            keep &= np.isin(self._rows.set_ids(sel), list(set_ids))
        return self._derive(sel[keep], copy.deepcopy(self._params))
