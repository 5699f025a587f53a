"""Which rows of a query a batch keeps: ``keep=`` of :func:`~pfocr_enrich.enrich_many`.

A rule is applied per query *after* its statistics: the FDR is always computed over
every tested set of the query, so a kept row's numbers equal those of the unfiltered
run (issue 16). Three kinds of rule:

* ``None``: every tested row (the default);
* ``"fdr<=0.05"`` or ``"pvalue<=1e-3"``: rows whose column is at most the threshold
  (NaN never passes, as in ``res.significant``);
* an int k >= 1: the k best rows of each query, in rank order (p-value, ties by set id).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .._util.validation import param_error

__all__ = ["KEEP_COLUMNS", "KeepRule", "parse_keep"]

KEEP_COLUMNS = ("fdr", "pvalue")
_RULE = re.compile(r"^\s*(?P<column>[a-z_]+)\s*<=\s*(?P<value>[^\s]+)\s*$")
_EXPECTED = "None, a rule such as 'fdr<=0.05' or 'pvalue<=1e-3', or an int k >= 1"


@dataclass(frozen=True)
class KeepRule:
    """A parsed ``keep=``: ``column <= threshold``, or the ``top`` k rows of each query."""

    column: str | None = None  # "fdr" | "pvalue" for a threshold rule
    threshold: float | None = None
    top: int | None = None

    def __str__(self) -> str:
        if self.top is not None:
            return f"top {self.top}"
        return f"{self.column} <= {self.threshold:g}"

    def rows(
        self,
        row_group: np.ndarray,
        log_p: np.ndarray,
        fdr: np.ndarray,
        rank: np.ndarray,
    ) -> np.ndarray:
        """Positions (ascending) of the kept rows of one query.

        Parameters
        ----------
        row_group : array of shape (rows,)
            Group of each row; rows are in set-id order.
        log_p, fdr, rank : arrays of shape (groups,)
            Natural log p-value, adjusted p-value and dense p-value rank of each group.
        """
        if self.top is not None:
            if self.top >= len(row_group):
                return np.arange(len(row_group))
            # Rank order is (group rank, set id); rows are already in set-id order.
            best = np.argsort(rank[row_group], kind="stable")[: self.top]
            return np.sort(best)
        passed = (fdr if self.column == "fdr" else np.exp(log_p)) <= self.threshold
        if not passed.any():  # most lists of a screen pass in few sets, many in none
            return np.zeros(0, dtype=np.intp)
        return np.flatnonzero(passed[row_group])


def parse_keep(keep: object, *, func: str, alpha: float | None = None) -> KeepRule | None:
    """Check ``keep`` (and the older ``alpha``, an alias of ``keep="fdr<=alpha"``).

    Examples
    --------
    >>> str(parse_keep("fdr <= 0.05", func="enrich_many"))
    'fdr <= 0.05'
    >>> parse_keep(20, func="enrich_many").top
    20
    """
    if alpha is not None:
        if keep is not None:
            raise param_error(
                func, "alpha", "None when 'keep' is given (alpha is keep='fdr<=alpha')", alpha
            )
        return KeepRule("fdr", float(alpha))
    if keep is None:
        return None
    if isinstance(keep, bool) or not isinstance(keep, (int, np.integer, str)):
        raise param_error(func, "keep", _EXPECTED, keep, error=TypeError)
    if not isinstance(keep, str):
        if keep < 1:
            raise param_error(func, "keep", _EXPECTED, keep)
        return KeepRule(top=int(keep))
    match = _RULE.match(keep.lower())
    if match is None or match["column"] not in KEEP_COLUMNS:
        raise param_error(func, "keep", _EXPECTED, keep)
    try:
        value = float(match["value"])
    except ValueError:
        raise param_error(func, "keep", _EXPECTED, keep) from None
    if math.isnan(value) or not 0 <= value <= 1:
        raise param_error(func, "keep", "a rule whose threshold is in [0, 1]", keep)
    return KeepRule(match["column"], value)
