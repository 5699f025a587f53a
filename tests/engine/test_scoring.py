"""The grouped scoring core and compact (lazily formatted) results.

Every statistic is computed once per distinct (overlap, set size) group and rows
carry only (set, group); these tests pin that this changes nothing a user sees:
corrections equal the per-row statsmodels/R values, a lazily filtered result
equals the same filter on the built table, and the grouping fallbacks agree.
"""

from __future__ import annotations

import gzip
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from statsmodels.stats.multitest import multipletests

import pfocr_enrich as pe
from conftest import IFN, QUERIES
from pfocr_enrich import stats
from pfocr_enrich.engine import overlap_genes, scoring
from pfocr_enrich.results import EnrichmentResult


def tied_family(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct p-values (some tiny, some exactly 1) with multiplicities, as a query's groups look."""
    values = np.unique(np.r_[rng.random(size) ** 3, 10.0 ** -rng.uniform(5, 300, size // 4), 1.0])
    return values, rng.integers(1, 40, len(values))


@pytest.mark.parametrize("method", stats.CORRECTION_METHODS)
def test_tied_corrections_equal_statsmodels_on_the_expanded_family(method):
    rng = np.random.default_rng(7)
    for _ in range(5):
        p, counts = tied_family(rng, 300)
        shuffled = rng.permutation(len(p))  # any input order
        adjusted, bh = stats.adjust_tied_pvalues(p[shuffled], counts[shuffled], method)
        expanded = np.repeat(p[shuffled], counts[shuffled])
        with np.errstate(divide="ignore"):  # statsmodels' Sidak variants take log1p(-1) at p = 1
            reference = multipletests(expanded, method=method)[1]
        # BH is computed as R's p.adjust does (m / rank * p), statsmodels as p / (rank / m): 1 ulp apart
        np.testing.assert_allclose(
            np.repeat(adjusted, counts[shuffled]), reference, rtol=1e-15, atol=0
        )
        bh_reference = multipletests(expanded, method="fdr_bh")[1]
        np.testing.assert_allclose(
            np.minimum(np.repeat(bh, counts[shuffled]), 1.0), bh_reference, rtol=1e-15
        )


def test_tied_corrections_edge_cases():
    adjusted, bh = stats.adjust_tied_pvalues([], [])
    assert adjusted.size == bh.size == 0
    adjusted, bh = stats.adjust_tied_pvalues([1.0], [5])
    assert adjusted.tolist() == [1.0] and bh.tolist() == [1.0]


@pytest.mark.parametrize("method", ["smoother", "bootstrap"])
def test_pi0_with_counts_equals_pi0_of_the_expanded_pvalues(method):
    rng = np.random.default_rng(11)
    for _ in range(50):
        p, counts = tied_family(rng, int(rng.integers(10, 200)))
        assert stats.estimate_pi0(p, counts=counts, method=method) == stats.estimate_pi0(
            np.repeat(p, counts), method=method
        )
    with pytest.raises(ValueError, match="counts"):
        stats.estimate_pi0([0.1, 0.5], counts=[1, 0])


np_unique = np.unique


def test_grouping_by_sort_equals_grouping_by_count_table(pfocr2018, monkeypatch):
    query = list(pfocr2018.genes[:400:3])
    dense = pe.enrich(query, pfocr2018).table
    monkeypatch.setattr(scoring, "_DENSE_KEYS", 0)  # force the np.unique path
    calls = []
    monkeypatch.setattr(scoring.np, "unique", lambda *a, **k: calls.append(1) or np_unique(*a, **k))
    by_sort = pe.enrich(query, pfocr2018).table
    assert calls
    pd.testing.assert_frame_equal(dense, by_sort)


def test_dense_ranks_and_row_ranking_with_many_groups():
    assert scoring._dense_rank(np.array([0.5, 0.1, 0.5])).tolist() == [1, 0, 1]
    assert scoring._dense_rank(np.array([])).size == 0
    # more than 65,535 groups in one query: ranks no longer fit the 16-bit radix sort
    rng = np.random.default_rng(5)
    group_rank = rng.permutation(70_000)
    group = rng.integers(0, 70_000, 200_000).astype(np.int32)
    sets = np.arange(200_000, dtype=np.int32)
    ranked_sets, ranked_group = scoring.RowRanking(sets.copy(), group.copy(), group_rank).ranked(
        np.array([0, 200_000])
    )
    expected = np.lexsort((sets, group_rank[group]))
    np.testing.assert_array_equal(ranked_sets, sets[expected])
    np.testing.assert_array_equal(ranked_group, group[expected])


def test_rows_are_put_in_rank_order_only_when_read(lib):
    res = pe.enrich(IFN, lib)
    assert len(res) == 216 and res._rows.ranking._ranked is None
    res.top(3)
    assert res._rows.ranking._ranked is not None


def test_pvalues_on_a_hub_heavy_synthetic_library_match_scipy():
    # Zipf-like gene popularity, many equal (k, M) pairs: the regime grouping is built for.
    rng = np.random.default_rng(3)
    genes = [f"G{i}" for i in range(3000)]
    weights = 1.0 / np.arange(1, 3001) ** 0.9
    weights /= weights.sum()
    sets = {
        f"S{i:05d}": list(
            rng.choice(genes, size=int(rng.lognormal(2.8, 0.8)) + 1, replace=False, p=weights)
        )
        for i in range(5000)
    }
    lib = pe.GeneSetLibrary.from_dict(sets)
    query = list(rng.choice(genes, size=200, replace=False, p=weights))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pe.GeneMappingWarning)
        table = pe.enrich(query, lib, resolve_aliases=False).table
    N, n = lib.n_genes, int(table["query_size"].iloc[0])
    reference = scipy.stats.hypergeom.sf(table["overlap"] - 1, N, table["set_size"], n)
    np.testing.assert_allclose(table["pvalue"], reference, rtol=1e-12)
    bh = multipletests(reference, method="fdr_bh")[1]
    np.testing.assert_allclose(table["fdr"], bh, rtol=1e-12)
    # ranked by p, ties by set id
    order = pd.DataFrame({"p": table["log10_pvalue"].to_numpy(), "id": table["set_id"].to_numpy()})
    assert order.sort_values(["p", "id"], kind="stable").index.tolist() == list(range(len(order)))


# -- lazy results against the same operations on a built table -----------------------------
def built(res: EnrichmentResult) -> EnrichmentResult:
    """The same result with its table built (the public constructor takes a DataFrame)."""
    return EnrichmentResult(
        res.table, params=res.params, mapping=res.mapping, set_genes=res._set_genes
    )


@pytest.fixture()
def lazy(lib):
    return pe.enrich(IFN, lib)


@pytest.fixture()
def lazy_many(lib):
    return pe.enrich_many(QUERIES, lib)


def test_results_of_enrich_are_built_on_first_use(lib):
    res = pe.enrich(IFN, lib)
    assert res._lazy and len(res) == 216
    assert len(res.top(3).table) == 3  # a filter builds only its own rows
    assert res._lazy
    assert len(res.table) == 216 and not res._lazy


@pytest.mark.parametrize("by", scoring.CHEAP_COLUMNS)
@pytest.mark.parametrize("alpha", [0.0, 1e-6, 0.05, 1.0])
def test_lazy_significant_equals_filtering_the_table(lazy, lazy_many, by, alpha):
    for res in (lazy, lazy_many):
        fast, slow = res.significant(alpha, by=by), built(res).significant(alpha, by=by)
        assert fast._lazy
        pd.testing.assert_frame_equal(fast.table, slow.table)
        assert fast.params == slow.params and len(fast) == len(slow)


@pytest.mark.parametrize("n", [0, 1, 5, 10_000])
def test_lazy_top_equals_head_of_the_table(lazy, lazy_many, n):
    for res in (lazy, lazy_many):
        pd.testing.assert_frame_equal(res.top(n).table, built(res).top(n).table)
    chained = lazy_many.significant(0.05).top(2)
    pd.testing.assert_frame_equal(chained.table, built(lazy_many).significant(0.05).top(2).table)


def test_lazy_query_of_a_batch_equals_enrich(lib, lazy_many):
    for name, genes in QUERIES.items():
        one = lazy_many[name]
        assert one._lazy and not one.is_batch
        single = pe.enrich(genes, lib)
        pd.testing.assert_frame_equal(one.table, single.table)
        pd.testing.assert_frame_equal(one.mapping, single.mapping)
        pd.testing.assert_frame_equal(
            lazy_many.significant(0.05)[name].table, single.significant(0.05).table
        )


def test_lazy_summary_repr_and_html_equal_the_built_ones(lazy, lazy_many):
    for res in (lazy, lazy_many, lazy.significant(0.01), lazy_many.top(2)):
        assert res.summary() == built(res).summary()
        assert repr(res).replace("EnrichmentResult", "") == repr(built(res)).replace(
            "EnrichmentResult", ""
        )
        assert res._repr_html_() == built(res)._repr_html_()
    assert lazy_many.queries == list(QUERIES)


def test_lazy_results_pickle_and_compare(lazy, lazy_many):
    for res in (lazy, lazy_many, lazy_many.significant(0.05)):
        again = pickle.loads(pickle.dumps(res))
        assert again == res
        pd.testing.assert_frame_equal(again.table, res.table)


def test_compact_rows_are_read_only(lazy):
    rows = lazy._rows
    for name in ("set_index", "group", "g_log_p", "g_fdr", "g_bh"):
        with pytest.raises(ValueError):
            getattr(rows, name)[0] = 0


def test_batch_rows_are_eight_bytes_each(pfocr2018):
    queries = {f"q{i}": list(pfocr2018.genes[i * 7 : i * 7 + 60]) for i in range(20)}
    res = pe.enrich_many(queries, pfocr2018)
    rows = res._rows
    assert len(res) == 20 * len(pfocr2018)
    assert rows.set_index.nbytes + rows.group.nbytes == 8 * len(res)
    assert len(rows.g_k) < len(res) / 5  # far fewer groups than rows


@pytest.mark.parametrize(
    "names",
    [
        ["GENE1", "GENE2", "GENE3", "GENE4"],
        ["Aß", "κ-casein", "TNFα", "G4"],  # non-ASCII: joined as bytes, decoded once
        ["A\nB", "C", "D", "E"],  # a newline in a name: joined row by row
        ["X" * 300, "B", "C", "D"],  # one very long name: fixed-width rows would be wasteful
    ],
)
def test_overlap_gene_names_are_joined_exactly(names):
    lib = pe.GeneSetLibrary.from_dict(
        {"s1": names[:3], "s2": names[1:], "s3": [names[3]], "s4": names[:1]}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pe.GeneMappingWarning)
        table = pe.enrich(names[:3], lib, resolve_aliases=False).table.set_index("set_id")
    expected = {sid: ";".join(g for g in sorted(lib[sid]) if g in names[:3]) for sid in lib}
    assert table["genes"].to_dict() == expected


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["L" * 5000],  # one very long name among short ones: joined row by row
        ["with\0nul"],  # a NUL would be taken for padding: joined row by row
        ["ünïcödé", "名前"],
    ],
)
def test_joined_rows_equal_python_joins(extra, monkeypatch):
    monkeypatch.setattr(overlap_genes, "_arrow_text", lambda: False)  # pandas' str is not Arrow
    vocabulary, hits, counts, expected = _rows_to_join(extra)
    got = overlap_genes._join_rows(vocabulary, hits, counts)
    assert got.tolist() == expected and got.dtype == object


@pytest.mark.parametrize("extra", [[], ["ünïcödé", "名前"], ["L" * 5000]])
def test_joined_rows_built_as_arrow_strings_equal_python_joins(extra, monkeypatch):
    # pandas' str dtype backed by Arrow (pandas 3 with pyarrow): the column comes from bytes
    # and offsets, equal to the column pandas makes of Python strings.
    pytest.importorskip("pyarrow")
    dtype = pd.StringDtype("pyarrow", na_value=np.nan)
    monkeypatch.setattr(overlap_genes, "_text_dtype", lambda: dtype)
    monkeypatch.setattr(overlap_genes, "_arrow_text", lambda: True)
    vocabulary, hits, counts, expected = _rows_to_join(extra)
    got = overlap_genes.text_column(overlap_genes._join_rows(vocabulary, hits, counts))
    assert got.dtype == dtype and got.tolist() == expected
    pd.testing.assert_extension_array_equal(got, pd.array(expected, dtype=dtype))


def _rows_to_join(extra: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    vocabulary = np.array([f"G{i}" for i in range(50)] + extra, dtype=object)
    rng = np.random.default_rng(4)
    counts = rng.integers(0, 6, 300)
    counts[:3] = 0
    counts[-1] = 0  # the last row empty too
    hits = np.concatenate([np.sort(rng.choice(len(vocabulary), c, replace=False)) for c in counts])
    bounds = np.r_[0, np.cumsum(counts)]
    expected = [";".join(vocabulary[hits[a:b]]) for a, b in zip(bounds[:-1], bounds[1:])]
    return vocabulary, hits, counts, expected


def test_both_ways_of_finding_overlapping_genes_agree(pfocr2018):
    # Rows filtered from set members (a few rows) or hits made set-major (the whole table).
    rng = np.random.default_rng(2)
    _, membership = pfocr2018.shared_arrays()
    by_gene = pfocr2018.derived.membership_by_gene()
    for size in (1, 40, 400):
        genes = np.unique(rng.choice(pfocr2018.n_genes, size, replace=False))
        for sets in (rng.permutation(len(pfocr2018))[:25], rng.permutation(len(pfocr2018))):
            by_set = overlap_genes._hits_by_set(membership, genes, sets)
            by_gene_major = overlap_genes._hits_by_gene(by_gene, genes, sets)
            np.testing.assert_array_equal(by_set[0], by_gene_major[0])
            np.testing.assert_array_equal(by_set[1], by_gene_major[1])
            expected = [np.intersect1d(membership[s].indices, genes) for s in sets]
            assert by_set[1].tolist() == [len(e) for e in expected]
            np.testing.assert_array_equal(by_set[0], np.concatenate(expected))


def test_whole_table_equals_its_rows_built_a_few_at_a_time(pfocr2018):
    # The whole table finds overlaps gene-major, a few rows from their sets: same table.
    res = pe.enrich(list(pfocr2018.genes[:900:3]), pfocr2018)
    whole = res.table
    parts = pd.concat(
        [res._rows.frame(np.arange(i, min(i + 7, len(res)))) for i in range(0, 70, 7)]
    )
    pd.testing.assert_frame_equal(whole.iloc[:70], parts, check_index_type=False)


@pytest.mark.parametrize("suffix", [None, ".csv", ".tsv.gz"])
def test_large_results_are_written_in_chunks_with_the_same_text(lib, monkeypatch, tmp_path, suffix):
    from pfocr_enrich.results import export

    many = pe.enrich_many(QUERIES, lib)
    expected = built(pe.enrich_many(QUERIES, lib)).to_csv(sep="\t" if suffix == ".tsv.gz" else ",")
    monkeypatch.setattr(export, "EXPORT_CHUNK", 100)  # 648 rows: 7 chunks, none built in full
    if suffix is None:
        text = many.to_csv()
    else:
        path = tmp_path / f"res{suffix}"
        assert many.to_csv(path) is None
        opener = gzip.open if suffix.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            text = handle.read()
    assert many._lazy  # the whole table was never built
    assert text == expected


def test_plots_and_reports_build_only_the_rows_they_draw(lib):
    pytest.importorskip("matplotlib")
    many, one = pe.enrich_many(QUERIES, lib), pe.enrich(IFN, lib)
    many.plot.dot_matrix(top=3)
    one.plot.dot(top=5)
    one.plot.bar(top=5)
    page = many.to_html(top=5)
    assert many._lazy and one._lazy
    assert page.count('<tr class="row"') == 5 * len(QUERIES)


def test_mapping_report_is_built_when_read_and_survives_pickling(lib):
    from pfocr_enrich.results.model import _Deferred

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pe.GeneMappingWarning)
        res = pe.enrich([*IFN, "NOTAGENE"], lib)
    assert isinstance(res._mapping_value, _Deferred)
    again = pickle.loads(pickle.dumps(res))
    top = res.top(3)
    assert top._mapping_value is res._mapping_value  # derived results share one report
    assert res.dropped["input"].tolist() == ["NOTAGENE"]
    pd.testing.assert_frame_equal(again.mapping, res.mapping)
    pd.testing.assert_frame_equal(top.mapping, res.mapping)


def test_row_buffer_joins_what_was_appended(monkeypatch):
    monkeypatch.setattr(scoring._RowBuffer, "BLOCK", 5)
    buffer = scoring._RowBuffer()
    pieces = [np.arange(n, dtype=np.int32) + 100 * n for n in (0, 3, 2, 0, 11, 5, 1)]
    for piece in pieces:
        buffer.append(piece)
    np.testing.assert_array_equal(buffer.join(), np.concatenate(pieces))
    assert scoring._RowBuffer().join().size == 0
