"""The one way a result reads its rows: the :class:`Rows` protocol, and :class:`FrameRows`.

A result holds rows and the positions of the rows it keeps; it never asks how
they are stored. Two kinds of rows implement the protocol: the compact scored
rows of a run (:class:`pfocr_enrich.engine.scoring.ScoredRows`: per-group
statistics, table rows built when read) and a plain table (:class:`FrameRows`,
for a result made from a DataFrame, e.g. after clustering, or by another
analysis such as preranked GSEA).

Positions are row numbers in rank order (ascending), shared by every method.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import pandas as pd

__all__ = ["Rows", "FrameRows", "first_per_query"]


@runtime_checkable
class Rows(Protocol):
    """What a result needs of its rows.

    Attributes
    ----------
    batch : bool
        Rows of several queries (the table has a categorical ``query`` column).
    names : tuple of str
        The query names, in the caller's order (a batch's; a single query may have none).
    cheap_columns : tuple of str
        Columns :meth:`column` answers without building table rows.
    """

    batch: bool
    names: tuple[str, ...]
    cheap_columns: tuple[str, ...]

    def __len__(self) -> int: ...

    def column(self, name: str, sel: np.ndarray | None = None) -> np.ndarray:
        """One numeric column at positions ``sel`` (all rows when None); KeyError when there is none."""
        ...

    def set_ids(self, sel: np.ndarray | None = None) -> np.ndarray:
        """The set id of each row at ``sel``."""
        ...

    def query_codes(self, sel: np.ndarray | None = None) -> np.ndarray:
        """The query (index in ``names``; 0 for a single query) of each row at ``sel``."""
        ...

    def first_per_query(self, sel: np.ndarray, n: int) -> np.ndarray:
        """The first ``n`` positions of ``sel`` within each query."""
        ...

    def frame(self, sel: np.ndarray | None = None) -> pd.DataFrame:
        """The table of the rows at ``sel``, indexed by ``rank``; do not modify it."""
        ...

    def single(self) -> Rows:
        """The same rows seen as one query's (no ``query`` column)."""
        ...


def first_per_query(codes: np.ndarray, sel: np.ndarray, n: int) -> np.ndarray:
    """The entries of ``sel`` that are among the first ``n`` of their query (``codes``, one per
    entry of ``sel``), in their order.

    Examples
    --------
    >>> first_per_query(np.array([0, 0, 0, 1, 1]), np.array([2, 3, 5, 8, 9]), 2).tolist()
    [2, 3, 8, 9]
    >>> first_per_query(np.array([1, 0, 1, 0]), np.arange(4), 1).tolist()
    [0, 1]
    """
    if len(codes) and np.any(codes[1:] < codes[:-1]):  # queries interleaved: group them first
        order = np.argsort(codes, kind="stable")
        keep = np.empty(len(codes), dtype=bool)
        keep[order] = _first_of_runs(codes[order], n)
        return sel[keep]
    return sel[_first_of_runs(codes, n)]


def _first_of_runs(codes: np.ndarray, n: int) -> np.ndarray:
    starts = np.r_[0, np.flatnonzero(np.diff(codes)) + 1]
    within = np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    return within < n


class FrameRows:
    """A ranked result table read through the :class:`Rows` protocol.

    Parameters
    ----------
    table : DataFrame
        One row per result row, in rank order; kept by reference (copy it first).
    batch : bool or None, default None
        Rows of several queries; None: when the table has a ``query`` column.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = FrameRows(pd.DataFrame({"set_id": ["a", "b"], "pvalue": [0.01, 0.2]}))
    >>> len(rows), rows.batch, rows.column("pvalue").tolist()
    (2, False, [0.01, 0.2])
    """

    def __init__(self, table: pd.DataFrame, *, batch: bool | None = None) -> None:
        if batch is None:
            batch = self.holds_batch(table)
        if batch and "query" not in table.columns:
            raise ValueError("A batch result table needs a 'query' column (one query per row).")
        self.batch = bool(batch)
        if self.batch and not isinstance(table["query"].dtype, pd.CategoricalDtype):
            query = table["query"].astype(str)
            table = table.assign(query=pd.Categorical(query, categories=pd.unique(query)))
        self._table = table

    @staticmethod
    def holds_batch(table: object) -> bool:
        """Whether a table is read as a batch by default: it has a ``query`` column."""
        return isinstance(table, pd.DataFrame) and "query" in table.columns

    @property
    def cheap_columns(self) -> tuple[str, ...]:
        return tuple(str(c) for c in self._table.columns)

    @property
    def names(self) -> tuple[str, ...]:
        if not self.batch:
            return ()
        return tuple(str(q) for q in self._table["query"].cat.categories)

    def __len__(self) -> int:
        return len(self._table)

    def column(self, name: str, sel: np.ndarray | None = None) -> np.ndarray:
        values = self._table[name]  # KeyError when there is no such column
        if not pd.api.types.is_numeric_dtype(values):
            raise KeyError(f"{name!r} is not a numeric column")
        out = values.to_numpy(dtype=float, na_value=np.nan)
        return out if sel is None else out[sel]

    def set_ids(self, sel: np.ndarray | None = None) -> np.ndarray:
        ids = self._table["set_id"].to_numpy(dtype=object)
        return ids if sel is None else ids[sel]

    def query_codes(self, sel: np.ndarray | None = None) -> np.ndarray:
        n = len(self._table) if sel is None else len(sel)
        if not self.batch:
            return np.zeros(n, dtype=np.int64)
        codes = self._table["query"].cat.codes.to_numpy()
        return codes if sel is None else codes[sel]

    def first_per_query(self, sel: np.ndarray, n: int) -> np.ndarray:
        return first_per_query(self.query_codes(sel), sel, n)

    def frame(self, sel: np.ndarray | None = None) -> pd.DataFrame:
        return self._table if sel is None else self._table.iloc[sel]

    def single(self) -> FrameRows:
        return FrameRows(self._table.drop(columns="query"), batch=False)
