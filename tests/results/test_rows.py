"""The one row protocol: compact scored rows and a plain table answer the same questions
the same way, and a batch is decided by the rows (or an explicit flag), not by the class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import IFN, QUERIES
from pfocr_enrich.results import BatchEnrichmentResult, EnrichmentResult, FrameRows, Rows
from pfocr_enrich.results.rows import first_per_query


@pytest.mark.parametrize("batch", [False, True])
def test_scored_rows_and_frame_rows_answer_alike(lib, batch):
    res = pe.enrich_many(QUERIES, lib) if batch else pe.enrich(IFN, lib)
    scored = res._rows
    plain = FrameRows(res.table)
    assert isinstance(scored, Rows) and isinstance(plain, Rows)
    assert scored.batch == plain.batch == batch
    assert len(scored) == len(plain)
    if batch:
        assert scored.names == plain.names == tuple(QUERIES)
    sel = np.arange(0, len(plain), 3)
    for name in ("pvalue", "fdr", "qvalue", "overlap", "set_size", "fold_enrichment", "z_score"):
        np.testing.assert_allclose(scored.column(name, sel), plain.column(name, sel), rtol=1e-15)
    for rows in (scored, plain):
        with pytest.raises(KeyError):
            rows.column("title")  # not numeric
        with pytest.raises(KeyError):
            rows.column("no_such_column")
    assert scored.set_ids(sel).tolist() == plain.set_ids(sel).tolist()
    np.testing.assert_array_equal(scored.query_codes(sel), plain.query_codes(sel))
    np.testing.assert_array_equal(scored.first_per_query(sel, 4), plain.first_per_query(sel, 4))
    pd.testing.assert_frame_equal(scored.frame(sel), plain.frame(sel), check_index_type=False)
    if batch:
        one_scored, one_plain = scored.single(), plain.single()
        assert not one_scored.batch and not one_plain.batch
        assert "query" not in one_plain.frame(sel[:5]).columns
        pd.testing.assert_frame_equal(
            one_scored.frame(sel[:5]), one_plain.frame(sel[:5]), check_index_type=False
        )


def test_first_per_query_keeps_order_and_handles_interleaved_queries():
    codes = np.array([2, 0, 2, 1, 0, 2, 0])
    sel = np.arange(10, 17)
    assert first_per_query(codes, sel, 2).tolist() == [10, 11, 12, 13, 14]
    assert first_per_query(codes, sel, 0).tolist() == []
    assert first_per_query(np.zeros(0, dtype=int), sel[:0], 3).tolist() == []


def test_top_of_an_interleaved_batch_table_is_per_query(many):
    shuffled = many.table.sort_values("pvalue", kind="stable")  # queries interleaved
    again = EnrichmentResult(shuffled, params=many.params, mapping=many.mapping)
    top = again.top(2).table
    assert top["query"].value_counts().to_dict() == {q: 2 for q in many.queries}
    expected = shuffled.groupby("query", observed=True, sort=False).head(2)
    pd.testing.assert_frame_equal(top, expected)


def test_a_batch_is_decided_by_the_rows_or_an_explicit_flag(res, many):
    table = many.table
    assert type(EnrichmentResult(table, params=many.params, mapping=many.mapping)) is (
        BatchEnrichmentResult
    )
    as_one = EnrichmentResult(table, params=many.params, mapping=many.mapping, batch=False)
    assert type(as_one) is EnrichmentResult and not as_one.is_batch
    assert "query" in as_one.table.columns and len(as_one.top(2)) == 2
    with pytest.raises(ValueError, match="needs a 'query' column"):
        EnrichmentResult(res.table, params=res.params, mapping=res.mapping, batch=True)
    with pytest.raises(ValueError, match="cannot hold batch=False rows"):
        BatchEnrichmentResult(res.table, params=res.params, mapping=res.mapping)


def test_a_plain_query_column_becomes_categorical_in_first_seen_order(many):
    table = many.table.assign(query=lambda t: t["query"].astype(str))
    table = table.iloc[::-1]
    again = EnrichmentResult(table, params=many.params, mapping=many.mapping)
    assert again.queries == list(reversed(many.queries))
    assert isinstance(again.table["query"].dtype, pd.CategoricalDtype)


def test_hits_keeps_rows_with_overlap_of_the_queries_and_sets_asked(res, many):
    hits = res.hits()
    table = res.table
    pd.testing.assert_frame_equal(hits.table, table[table["overlap"] >= 1])
    assert hits.params == res.params
    wanted = table["set_id"].iloc[[0, 5, 200]].tolist()
    some = res.hits(set_ids=wanted).table
    assert some["set_id"].tolist() == [s for s in wanted if s in set(hits.table["set_id"])]
    both = many.hits(queries=["isg", "ifn"]).table
    long = many.table
    expected = long[(long["overlap"] >= 1) & long["query"].isin(["ifn", "isg"])]
    pd.testing.assert_frame_equal(both, expected)
    built = EnrichmentResult(many.table, params=many.params, mapping=many.mapping)
    pd.testing.assert_frame_equal(built.hits(queries=["isg", "ifn"]).table, expected)
