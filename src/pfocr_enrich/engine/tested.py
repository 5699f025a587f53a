"""The sets a run tests, and the tails a screen remembers.

:class:`TestedSets` is built once per library, universe and size bounds (it lives in
``library.derived``'s memo); :meth:`TestedSets.overlaps` gives |set ∩ query| of every
tested set, in set-id order, from the tested sets' positions listed gene by gene (one
``bincount``).

:class:`TailMemos` belongs to one call of ``enrich_many`` (or one screen, on each
worker): the upper-tail log p-values of (overlap k, set size M) groups, remembered per
query size n. Within a run the universe N and the tested sets are fixed, so a group's
tail depends only on (k, M, n), and the lists of one size share most of their groups
(83 % of the groups of a 5,000-list screen had been computed for an earlier list of the
same size, ``benchmarks/scale.py``). The values are those of
:func:`~pfocr_enrich.stats.hypergeom_logsf`, which works element by element, so a run
gives identical numbers with or without them.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..stats import hypergeom_logsf

if TYPE_CHECKING:
    from ..library import GeneSetLibrary
    from .universe import Universe

__all__ = ["TailMemo", "TailMemos", "TestedSets", "tested_sets"]

# Tail values kept per memo (float64 cells; 4M = 32 MB). When a table would go over,
# its tails are computed without being kept: the numbers are the same.
_MEMO_CELLS = 1 << 22


class TailMemo:
    """log P(X >= k) of (k, set size) groups for one universe size, one table per query size n.

    Table ``n`` has a row per overlap k and a column per distinct set size of the tested
    sets (NaN: not computed yet). Not pickled: a copy sent to a worker starts empty.
    """

    def __init__(self, size_values: np.ndarray, N: int, enrichr: bool) -> None:
        self.size_values = size_values
        self.N = N
        self.enrichr = enrichr  # Enrichr's 2x2 table: a population of N + 2k
        self._tables: dict[int, np.ndarray] = {}
        self._cells = 0
        self._lock = threading.Lock()

    def __reduce__(self) -> tuple[Any, ...]:
        return (TailMemo, (self.size_values, self.N, self.enrichr))

    def logsf(self, k: np.ndarray, code: np.ndarray, n: int) -> np.ndarray:
        """The tails of groups (k[i], size_values[code[i]]) for a query of size ``n``."""
        table = self._table(int(n), int(k.max(initial=0)) + 1)
        if table is None:
            return self._compute(k, code, n)
        values = table[k, code]
        missing = np.flatnonzero(np.isnan(values))
        if missing.size:
            km, cm = k[missing], code[missing]
            values[missing] = table[km, cm] = self._compute(km, cm, n)
        return values

    def _compute(self, k: np.ndarray, code: np.ndarray, n: int) -> np.ndarray:
        N = self.N + 2 * k if self.enrichr else self.N
        return hypergeom_logsf(k, self.size_values[code], n, N)

    def _table(self, n: int, rows: int) -> np.ndarray | None:
        """Table ``n`` with at least ``rows`` rows, or None when the memo is full."""
        table = self._tables.get(n)
        if table is not None and len(table) >= rows:
            return table
        with self._lock:
            table = self._tables.get(n)
            have = 0 if table is None else len(table)
            if have >= rows:
                return table
            rows = -(-rows // 4) * 4  # grown to what is asked: most (k, M) cells stay empty
            width = len(self.size_values)
            if self._cells + (rows - have) * width > _MEMO_CELLS:
                return None
            grown = np.full((rows, width), np.nan)
            if table is not None:
                grown[:have] = table
            self._tables[n] = grown
            self._cells += (rows - have) * width
            return grown


@dataclass(frozen=True, eq=False)
class TestedSets:
    """The sets tested in a run, prepared once for every query, in set-id order."""

    sets_by_id: np.ndarray  # int32 library set indices of the tested sets, sorted by set id
    size_values: np.ndarray  # int64, the distinct set sizes M, ascending
    size_code: np.ndarray  # int64, index in size_values of each tested set's M (set-id order)
    # Gene-major positions of the tested sets: indptr per library gene, then positions.
    _by_gene: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def prepare(
        cls, library: GeneSetLibrary, set_size: np.ndarray, tested: np.ndarray
    ) -> TestedSets:
        rows = np.flatnonzero(tested)
        rows = rows[np.argsort(library.derived.set_id_rank()[rows], kind="stable")]
        values, code = np.unique(set_size[rows], return_inverse=True)
        prepared = cls(
            rows.astype(np.int32), values.astype(np.int64), code.astype(np.int64).ravel()
        )
        by_gene = library.derived.membership_by_gene()
        # Position of each library set in set-id order; untested sets share one extra bin.
        position = np.full(len(library), len(rows), dtype=np.int32)
        position[prepared.sets_by_id] = np.arange(len(rows), dtype=np.int32)
        prepared._by_gene.update(indptr=by_gene.indptr, positions=position[by_gene.indices])
        return prepared

    def __len__(self) -> int:
        return len(self.sets_by_id)

    def overlaps(self, genes: np.ndarray) -> np.ndarray:
        """|set ∩ query| of every tested set (set-id order) for library gene indices ``genes``."""
        indptr, positions = self._by_gene["indptr"], self._by_gene["positions"]
        starts, stops = indptr[genes].tolist(), indptr[np.asarray(genes) + 1].tolist()
        hits = [positions[a:b] for a, b in zip(starts, stops)]
        members = np.concatenate(hits) if hits else np.zeros(0, dtype=np.int32)
        return np.bincount(members, minlength=len(self) + 1)[: len(self)]


class TailMemos:
    """The :class:`TailMemo` of each (tested sets, universe size) of one run or screen.

    Not pickled: a copy sent to a worker starts empty and fills on that worker.
    """

    def __init__(self) -> None:
        self._memos: dict[tuple[Any, ...], TailMemo] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (TailMemos, ())

    def get(self, key: tuple[Any, ...], tested: TestedSets, N: int, enrichr: bool) -> TailMemo:
        """The memo of ``key`` (the tested sets' own key) for universe size ``N``."""
        full = (*key, N, enrichr)
        memo = self._memos.get(full)
        if memo is None:
            memo = self._memos.setdefault(full, TailMemo(tested.size_values, N, enrichr))
        return memo


def tested_sets(
    library: GeneSetLibrary, universe: Universe, min_size: int, max_size: int | None
) -> tuple[tuple[Any, ...], TestedSets]:
    """The sets tested under ``universe`` and the size bounds, and their memo key.

    Which sets are tested depends only on these, so they are prepared once per library.
    """
    whole = universe.rule in ("library", "fixed")
    key = (
        "tested_sets",
        min_size,
        max_size,
        whole or hashlib.sha1(universe.mask.tobytes()).hexdigest(),
    )
    return key, library.derived.memo(key, lambda: _prepare(library, universe, min_size, max_size))


def _prepare(
    library: GeneSetLibrary, universe: Universe, min_size: int, max_size: int | None
) -> TestedSets:
    membership = library.shared_arrays()[1]
    if universe.rule in ("library", "fixed"):
        set_size = np.diff(membership.indptr).astype(np.int64)
    else:
        set_size = np.asarray(membership @ universe.mask.astype(np.int32)).ravel().astype(np.int64)
    tested = set_size >= max(min_size, 1)
    if max_size is not None:
        tested &= set_size <= max_size
    return TestedSets.prepare(library, set_size, tested)
