"""The scoring core of ``enrich`` / ``enrich_many``, and the compact rows it produces.

Three facts about PFOCR-sized libraries make this fast (issue 7, benchmarks/README.md):

* a query's overlaps with every set are one column gather over the gene-major
  membership plus a ``bincount``: no dense sets x queries matrix;
* ~120,000 sets give only ~2,000 distinct (overlap k, set size M) pairs per query,
  and every statistic of a row (p, FDR, q-value, effect sizes) is a function of
  its pair. The tail, the corrections and the ranking run on these *groups*, and
  a row stores only (set, group): 8 bytes;
* the table columns people read (effect sizes, overlapping gene names, figure
  metadata) are built only for the rows asked for: ``top``, ``significant``,
  one query of a batch, an export. Rows are put in rank order (a sort of every
  tested set) the first time rows are read; the ranks themselves (one per
  group) are computed with the statistics.

Exactness is unchanged: each group's p-value is :func:`~pfocr_enrich.stats.hypergeom_logsf`
of its (k, M, n, N), and the corrections equal the per-row ones
(:func:`~pfocr_enrich.stats.adjust_tied_pvalues`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..results.rows import first_per_query
from ..stats import adjust_tied_pvalues, effect_sizes, estimate_pi0, hypergeom_logsf
from .overlap_genes import overlap_strings, text_column
from .tested import TailMemo, TestedSets

if TYPE_CHECKING:
    from ..library import GeneSetLibrary
    from .keep import KeepRule

_LN10 = np.log(10.0)
# Metadata columns copied from lib.sets onto result rows, when the library has them.
METADATA_COLUMNS = (
    "title",
    "paper_title",
    "year",
    "pmcid",
    "url",
    "pmc_url",
    "image_url",
    "members",
    "n_members",
)
# Columns answered from the group arrays without building a table.
CHEAP_COLUMNS = ("pvalue", "log10_pvalue", "fdr", "qvalue", "overlap", "set_size", "query_size")
_LEADING = [
    "query",
    "set_id",
    "title",
    "overlap",
    "set_size",
    "query_size",
    "universe_size",
    "expected",
    "fold_enrichment",
    "rich_factor",
    "odds_ratio",
    "odds_ratio_corrected",
    "z_score",
    "combined_score",
    "GeneRatio",
    "BgRatio",
    "pvalue",
    "log10_pvalue",
    "fdr",
    "qvalue",
    "genes",
    "gene_ids",
]
# Up to this many possible (k, M) keys, group with a dense count table (O(sets)); above, with a sort.
_DENSE_KEYS = 1 << 22


@dataclass(frozen=True)
class ScoringRules:
    """What the scoring needs of the run's options (see ``enrich.Options``)."""

    correction: str = "fdr_bh"
    fdr_over: str = "tested"  # "tested" | "hit"
    odds_ratio: str = "haldane_if_zero"  # | "haldane_always" (gseapy) | "fold" (Enrichr)
    enrichr_table: bool = False  # Enrichr's 2x2 table: a population of N + 2k
    gene_ratios: bool = False  # clusterProfiler's GeneRatio / BgRatio strings


@dataclass(frozen=True, eq=False)
class ScoredRows:
    """Every kept (query, set) row, ranked, as (set, group) pairs plus per-group statistics.

    Rows come grouped by query in the caller's order, and within a query by
    p-value (ties by set id). Results read them through the
    :class:`pfocr_enrich.results.rows.Rows` protocol. Arrays are read-only and shared between the
    results derived from one run (filters select row positions).
    """

    cheap_columns = CHEAP_COLUMNS  # read from the group arrays without building a table

    library: GeneSetLibrary  # the tested library (deduplicated when collapse_duplicates)
    names: tuple[str, ...]
    query_genes: tuple[np.ndarray, ...]  # library gene indices counted in each query's overlaps
    query_n: np.ndarray  # int64, n of each query
    universe_size: int
    rules: ScoringRules
    symbols: np.ndarray | None  # official symbols of an Entrez vocabulary
    batch: bool  # the table has a `query` column (enrich_many)
    ranking: RowRanking  # the rows: (set, group) pairs, put in rank order when first read
    query_start: np.ndarray  # int64 (queries + 1,): first row of each query
    group_start: np.ndarray  # int64 (queries + 1,): first group of each query
    g_query: np.ndarray  # int32 (groups,)
    g_k: np.ndarray  # int64
    g_M: np.ndarray  # int64
    g_count: np.ndarray  # int64: tested sets in the group (kept or not)
    g_log_p: np.ndarray  # natural log of the p-value
    g_fdr: np.ndarray  # NaN outside the corrected family
    g_bh: np.ndarray  # Benjamini-Hochberg before capping at 1 (NaN outside the family)
    # Storey's pi0 of each query, estimated when its q-values are first read (most uses of a
    # large batch never read them).
    _pi0: dict[int, float] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return int(self.query_start[-1])

    @property
    def set_index(self) -> np.ndarray:
        """int32 (rows,): library set of each row, in rank order."""
        return self.ranking.ranked(self.query_start)[0]

    @property
    def group(self) -> np.ndarray:
        """int32 (rows,): group of each row, in rank order."""
        return self.ranking.ranked(self.query_start)[1]

    def single(self) -> ScoredRows:
        """The same rows seen as a single-query result (no ``query`` column); arrays shared."""
        return replace(self, batch=False)

    # -- cheap views ----------------------------------------------------------
    def query_codes(self, sel: np.ndarray | None = None) -> np.ndarray:
        return self.g_query[self.group if sel is None else self.group[sel]]

    def column(self, name: str, sel: np.ndarray | None = None) -> np.ndarray:
        """A numeric column for the rows ``sel`` (all rows when None): one of
        :data:`CHEAP_COLUMNS` from the group arrays, any other (effect sizes) computed per
        group; KeyError for a column that is not numeric or not in the table."""
        return self.column_at(name, self.group if sel is None else self.group[sel])

    def column_at(self, name: str, g: np.ndarray) -> np.ndarray:
        """:meth:`column` for rows given by their groups ``g`` (intp indices gather fastest:
        a caller reading several columns of millions of rows converts them once)."""
        if name == "query_size":
            return self.query_n[self.g_query[g]]
        cheap = {
            "pvalue": lambda: np.exp(self.g_log_p),
            "log10_pvalue": lambda: self.g_log_p / _LN10,
            "fdr": lambda: self.g_fdr,
            "qvalue": lambda: self.qvalues(),
            "overlap": lambda: self.g_k,
            "set_size": lambda: self.g_M,
        }
        if name in cheap:
            return cheap[name]()[g]
        values = self._group_columns(g).get(name)
        if values is None or values.dtype == object:
            raise KeyError(f"{name!r} is not a numeric column of the table")
        return values

    def set_ids(self, sel: np.ndarray | None = None) -> np.ndarray:
        """The set id of each row at ``sel`` (all rows when None)."""
        set_index = self.set_index if sel is None else self.set_index[sel]
        return self.library.set_ids.to_numpy()[set_index]

    def qvalues(self, g: np.ndarray | None = None) -> np.ndarray:
        """Storey q-values, min(1, pi0 * BH), of groups ``g`` (all when None); NaN where pi0 cannot be estimated."""
        g = np.arange(len(self.g_k)) if g is None else g
        codes = self.g_query[g]
        for code in np.unique(codes).tolist():
            if code not in self._pi0:
                self._pi0[code] = self._estimate_pi0(code)
        pi0 = np.array([self._pi0.get(c, np.nan) for c in range(len(self.names))])
        return np.minimum(pi0[codes] * self.g_bh[g], 1.0)

    def _estimate_pi0(self, code: int) -> float:
        groups = slice(self.group_start[code], self.group_start[code + 1])
        family = ~np.isnan(self.g_bh[groups])
        p = np.exp(self.g_log_p[groups][family])
        try:
            return estimate_pi0(p, counts=self.g_count[groups][family])
        except ValueError:  # e.g. no p-value above the largest lambda
            return np.nan

    def first_per_query(self, sel: np.ndarray, n: int) -> np.ndarray:
        """The first ``n`` positions of ``sel`` (ascending) within each query."""
        return first_per_query(self.query_codes(sel), sel, n)

    # -- the table --------------------------------------------------------------
    def frame(self, sel: np.ndarray | None = None) -> pd.DataFrame:
        """The result table of the rows ``sel`` (positions, ascending; all rows when None)."""
        if sel is None:
            sel = np.arange(len(self))
        if len(sel) == 0 and len(self):
            # no rows: the columns keep the types they have with rows (e.g. pandas' str dtype)
            return self.frame(np.zeros(1, dtype=np.int64)).iloc[:0]
        library = self.library
        genes, _ = library.shared_arrays()
        g = self.group[sel]
        set_index = self.set_index[sel]
        codes = self.g_query[g]
        cols: dict[str, object] = {}
        if self.batch:
            cols["query"] = pd.Categorical.from_codes(codes, categories=list(self.names))
        cols["set_id"] = library.set_ids.array.take(set_index)  # keeps the ids' dtype
        cols.update(self._group_columns(g))
        # People read symbols, alphabetically: an Entrez library's symbols, then its IDs in the
        # same order (docs/results.md, "Overlapping genes").
        vocabularies = [genes] if self.symbols is None else [self.symbols, genes]
        strings = overlap_strings(library, vocabularies, self.query_genes, set_index, codes)
        cols["genes"] = text_column(strings[0])
        if self.symbols is not None:
            cols["gene_ids"] = text_column(strings[1])
        present = library.metadata_columns()
        for col in METADATA_COLUMNS:
            if col in present:
                cols[col] = library.column_values(col, set_index)  # decodes these rows only
        # The columns in their final order, given once: a reordering would copy every column.
        first = [c for c in _LEADING if c in cols]
        order = first + [c for c in cols if c not in first]
        return pd.DataFrame(
            {c: cols[c] for c in order}, index=self._rank_index(sel, codes), copy=False
        )

    def _group_columns(self, g: np.ndarray) -> dict[str, np.ndarray]:
        """The numeric columns of rows in groups ``g``: computed per group, then gathered."""
        if len(g) > len(self.g_k):  # more rows than groups: compute every group once
            used, at = np.arange(len(self.g_k)), g
        else:
            used, at = g, np.arange(len(g))
        k, M = self.g_k[used], self.g_M[used]
        n = self.query_n[self.g_query[used]]
        N = self.universe_size
        log_p = self.g_log_p[used]
        cols: dict[str, np.ndarray] = {
            "overlap": k,
            "set_size": M,
            "query_size": n,
            "universe_size": np.full(len(k), N, dtype=np.int64),
        }
        cols.update(effect_sizes(k, M, n, N))
        if self.rules.odds_ratio == "haldane_always":  # gseapy: +0.5 on all four cells, always
            a, b, c, d = k + 0.5, M - k + 0.5, n - k + 0.5, N - M - n + k + 0.5
            cols["odds_ratio"] = (a * d) / (b * c)
            cols["odds_ratio_corrected"] = np.ones(len(k), dtype=bool)
        elif self.rules.odds_ratio == "fold":  # Enrichr reports the fold enrichment as "odds ratio"
            cols["odds_ratio"] = cols["fold_enrichment"]
            cols["odds_ratio_corrected"] = np.zeros(len(k), dtype=bool)
        # gseapy's local variant of Enrichr's combined score; from log p, so it stays finite on underflow.
        cols["combined_score"] = -log_p * cols["odds_ratio"]
        if self.rules.gene_ratios:
            cols["GeneRatio"] = np.array([f"{a}/{b}" for a, b in zip(k, n)], dtype=object)
            cols["BgRatio"] = np.array([f"{a}/{N}" for a in M], dtype=object)
        cols["pvalue"] = np.exp(log_p)
        cols["log10_pvalue"] = log_p / _LN10
        cols["fdr"] = self.g_fdr[used]
        cols["qvalue"] = self.qvalues(used)
        return {name: values[at] for name, values in cols.items()}

    def _rank_index(self, sel: np.ndarray, codes: np.ndarray) -> pd.Index:
        if len(sel) == 0:
            return pd.RangeIndex(1, 1, name="rank")
        ranks = sel - self.query_start[codes] + 1
        if codes[0] == codes[-1] and ranks[0] == 1 and ranks[-1] == len(sel):
            return pd.RangeIndex(1, len(sel) + 1, name="rank")  # a whole prefix of one query
        return pd.Index(ranks, name="rank")


# -- scoring -------------------------------------------------------------------------
class RowRanking:
    """The (set, group) rows of a run, put in rank order on first use.

    Each query's rows arrive in set-id order with the rank of their group (by
    p-value, equal p-values sharing a rank); the rank order is a stable sort of
    every row by its group's rank, done once when rows are first read, and
    shared by every result derived from the run.
    """

    def __init__(self, sets: np.ndarray, group: np.ndarray, group_rank: np.ndarray) -> None:
        self._unranked: tuple[np.ndarray, np.ndarray] | None = (sets, group)
        self._group_rank = group_rank  # per group: dense rank within its query
        self._ranked: tuple[np.ndarray, np.ndarray] | None = None

    def ranked(self, query_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if self._ranked is None:
            sets, group = self._unranked  # type: ignore[misc]
            bounds = query_start.tolist()
            for start, stop in zip(bounds[:-1], bounds[1:]):
                rank = self._group_rank[group[start:stop]]
                if len(rank) and rank.max() < 1 << 16:
                    rank = rank.astype(np.uint16)  # numpy sorts 16-bit keys by radix
                order = np.argsort(rank, kind="stable")
                sets[start:stop] = sets[start:stop][order]
                group[start:stop] = group[start:stop][order]
            sets.setflags(write=False)
            group.setflags(write=False)
            self._ranked, self._unranked = (sets, group), None
        return self._ranked


@dataclass(frozen=True, eq=False)
class _QueryScores:
    rows: np.ndarray  # int32 library set index, in set-id order
    group: np.ndarray  # int32 local group of each row
    rank: np.ndarray  # int64 dense rank of each group by p-value
    k: np.ndarray  # int64, per group
    M: np.ndarray  # int64
    count: np.ndarray  # int64
    log_p: np.ndarray
    fdr: np.ndarray
    bh: np.ndarray


def score_query(
    k: np.ndarray,
    n: int,
    N: int,
    tested: TestedSets,
    rules: ScoringRules,
    keep: KeepRule | None,
    tails: TailMemo | None = None,
) -> _QueryScores:
    """Statistics and group ranks of one query from its overlaps ``k`` with the tested sets
    (in set-id order, :meth:`TestedSets.overlaps`); ``tails`` remembers tails across queries."""
    # Everything per set runs in set-id order (tested.sets_by_id), so ties need no second key.
    width = len(tested.size_values)
    key = k * width + tested.size_code  # one int per (k, M)
    uniq, counts, row_group = _group(key, width * (int(k.max(initial=0)) + 1))
    gk, code = np.divmod(uniq, width)
    gM = tested.size_values[code]
    # Enrichr's table has d = N - b - c + a, i.e. a population of N + 2k (see docs/statistics.md).
    if tails is not None:
        log_p = tails.logsf(gk, code, n)
    else:
        log_p = hypergeom_logsf(gk, gM, n, N + 2 * gk if rules.enrichr_table else N)
    fdr, bh = _corrections(log_p, counts, gk, rules)
    # Rows stay in set-id order (ties) with their group's rank by p-value; RowRanking sorts them
    # when first read. Rows are selected once, here.
    sets, rank = tested.sets_by_id, _dense_rank(log_p)
    if keep is not None:  # after the corrections: kept rows keep the numbers of the whole run
        kept = keep.rows(row_group, log_p, fdr, rank)
        sets, row_group = sets[kept], row_group[kept]
    return _QueryScores(sets, row_group, rank, gk, gM, counts, log_p, fdr, bh)


def _group(key: np.ndarray, key_space: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys (ascending), their counts, and the group of each element."""
    if key_space <= _DENSE_KEYS:
        counts = np.bincount(key, minlength=key_space)
        uniq = np.flatnonzero(counts)
        lookup = np.empty(key_space, dtype=np.int32)
        lookup[uniq] = np.arange(len(uniq), dtype=np.int32)
        return uniq, counts[uniq], lookup[key]
    uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    return uniq, counts, inverse.astype(np.int32).ravel()


def _dense_rank(values: np.ndarray) -> np.ndarray:
    """0, 1, ... by increasing value, equal values sharing a rank."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.cumsum(np.r_[False, ordered[1:] != ordered[:-1]])
    return rank


def _corrections(
    log_p: np.ndarray, counts: np.ndarray, k: np.ndarray, rules: ScoringRules
) -> tuple[np.ndarray, np.ndarray]:
    """Adjusted p-values and uncapped BH values of each group (NaN outside the corrected family)."""
    fdr, bh = np.full(len(log_p), np.nan), np.full(len(log_p), np.nan)
    family = k > 0 if rules.fdr_over == "hit" else np.ones(len(k), dtype=bool)
    if family.any():
        fdr[family], bh[family] = adjust_tied_pvalues(
            np.exp(log_p[family]), counts[family], rules.correction
        )
    return fdr, bh


def score_queries(
    library: GeneSetLibrary,
    tested: TestedSets,
    queries: Sequence[tuple[str, np.ndarray, int]],
    N: int,
    rules: ScoringRules,
    *,
    keep: KeepRule | None,
    symbols: np.ndarray | None,
    batch: bool,
    tails: TailMemo | None = None,
) -> ScoredRows:
    """Score every (name, gene indices, n) query against the tested sets; the compact ranked rows."""
    rows, groups = _RowBuffer(), _RowBuffer()
    query_start = [0]
    stats: dict[str, list[np.ndarray]] = {
        name: [] for name in ("rank", "k", "M", "count", "log_p", "fdr", "bh")
    }
    group_offset = 0
    for _, genes, n in queries:
        scores = score_query(tested.overlaps(genes), n, N, tested, rules, keep, tails)
        rows.append(scores.rows)
        groups.append(scores.group + np.int32(group_offset))
        query_start.append(query_start[-1] + len(scores.rows))
        for name, values in stats.items():
            values.append(getattr(scores, name))
        group_offset += len(scores.k)
    n_groups = [len(k) for k in stats["k"]]
    ranking = RowRanking(rows.join(), groups.join(), np.concatenate(stats.pop("rank")))
    arrays = {
        "group_start": np.cumsum([0] + n_groups).astype(np.int64),
        "query_start": np.array(query_start, dtype=np.int64),
        "g_query": np.repeat(np.arange(len(queries), dtype=np.int32), n_groups),
        **{f"g_{name}": np.concatenate(values) for name, values in stats.items()},
    }
    for values in arrays.values():
        values.setflags(write=False)
    return ScoredRows(
        library,
        tuple(q[0] for q in queries),
        tuple(q[1] for q in queries),
        np.array([q[2] for q in queries], dtype=np.int64),
        N,
        rules,
        symbols,
        batch,
        ranking,
        **arrays,
    )


class _RowBuffer:
    """An int32 array grown by appending, in large blocks.

    The kept rows of a batch (tens of millions) would otherwise be thousands of
    mid-sized arrays interleaved on the heap with each query's temporaries,
    which the allocator cannot give back: copied into 4M-row blocks at once,
    the resident peak stays near the size of the result.
    """

    BLOCK = 1 << 22

    def __init__(self) -> None:
        self._blocks: list[np.ndarray] = []
        self._used = 0  # filled length of the last block

    def append(self, values: np.ndarray) -> None:
        at = 0
        while at < len(values):
            if not self._blocks or self._used == self.BLOCK:
                self._blocks.append(np.empty(self.BLOCK, dtype=np.int32))
                self._used = 0
            take = min(self.BLOCK - self._used, len(values) - at)
            self._blocks[-1][self._used : self._used + take] = values[at : at + take]
            self._used += take
            at += take

    def join(self) -> np.ndarray:
        """One array of everything appended; each block is released once copied."""
        if not self._blocks:
            return np.zeros(0, dtype=np.int32)
        if (
            len(self._blocks) == 1
        ):  # e.g. one query: no copy (untouched pages of a block cost no memory)
            return self._blocks.pop()[: self._used]
        sizes = [len(b) for b in self._blocks[:-1]] + [self._used]
        out = np.empty(sum(sizes), dtype=np.int32)
        at = 0
        for size in sizes:
            block = self._blocks.pop(0)
            out[at : at + size] = block[:size]
            at += size
            del block
        return out
