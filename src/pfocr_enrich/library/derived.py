"""Indexes derived from a library, built on first use and kept for the library's lifetime.

A :class:`GeneSetLibrary` is immutable, so anything computed from its genes and
membership stays valid as long as the library lives. Each library owns one
:class:`DerivedIndexes` (created with it, never shared between libraries, never
written to by callers); everything cached about a library lives here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..identifiers import IdentifierIndex

_DIGITS = re.compile(r"^[0-9]+$")
_MEMO_SIZE = 8  # prepared universes/options kept per library (the oldest goes first)


class DerivedIndexes:
    """Lazily built lookups of one library's genes and sets.

    Parameters
    ----------
    genes : array of str
        The library's gene vocabulary (read-only).
    membership : scipy.sparse.csr_matrix
        The library's set x gene matrix (never modified).
    set_ids : array of str
        Set ids in library order.
    """

    def __init__(self, genes: np.ndarray, membership: sp.csr_matrix, set_ids: np.ndarray) -> None:
        self._genes = genes
        self._membership = membership
        self._set_ids = set_ids
        self._namespace: str | None = None
        self._gene_index: dict[str, int] | None = None
        self._identifier_index: IdentifierIndex | None = None
        self._set_id_rank: np.ndarray | None = None
        self._by_gene: sp.csc_matrix | None = None
        self._symbols: tuple[Any, np.ndarray] | None = None
        self._memo: dict[Hashable, Any] = {}

    def namespace(self) -> str:
        """``"entrez"`` when every gene is a digit string (Entrez IDs), else ``"symbol"``."""
        if self._namespace is None:
            digits = len(self._genes) > 0 and all(_DIGITS.match(g) for g in self._genes)
            self._namespace = "entrez" if digits else "symbol"
        return self._namespace

    def gene_index(self) -> dict[str, int]:
        """Gene -> column index (treat as read-only)."""
        if self._gene_index is None:
            self._gene_index = {g: i for i, g in enumerate(self._genes)}
        return self._gene_index

    def identifier_index(self) -> IdentifierIndex:
        """Exact and case-insensitive lookup of the vocabulary."""
        if self._identifier_index is None:
            self._identifier_index = IdentifierIndex(self._genes, namespace=self.namespace())
        return self._identifier_index

    def set_id_rank(self) -> np.ndarray:
        """Rank of each set id in sorted order (for stable tie-breaking)."""
        if self._set_id_rank is None:
            ids = np.asarray(self._set_ids, dtype=object).astype(str)
            rank = np.empty(len(ids), dtype=np.int64)
            rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
            rank.setflags(write=False)
            self._set_id_rank = rank
        return self._set_id_rank

    def membership_by_gene(self) -> sp.csc_matrix:
        """The membership matrix in gene-major (CSC) form, read-only.

        A query's overlaps are then one column gather plus a ``bincount`` over the
        sets of its genes, instead of a product touching every membership.
        """
        if self._by_gene is None:
            by_gene = self._membership.tocsc()
            by_gene.sort_indices()
            for arr in (by_gene.data, by_gene.indices, by_gene.indptr):
                arr.setflags(write=False)
            self._by_gene = by_gene
        return self._by_gene

    def symbol_vocabulary(self, mapper: Any) -> np.ndarray:
        """Official symbol of each (Entrez) gene, the ID itself where ``mapper`` has none.

        Kept for the mapper last used (in practice the shared default mapper).
        """
        if self._symbols is None or self._symbols[0] is not mapper:
            symbols = np.array([mapper.symbol_of_entrez(g) or g for g in self._genes], dtype=object)
            symbols.setflags(write=False)
            self._symbols = (mapper, symbols)
        return self._symbols[1]

    def memo(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """``build()`` once per ``key``; the last few keys are kept."""
        if key not in self._memo:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
            self._memo[key] = build()
        return self._memo[key]
