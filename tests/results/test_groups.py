"""GroupEnrichmentResult and group_result: a batch read as (group, direction) pairs, and
from_rows, the engine's way to build results (scanpy-free: enrich_rank_genes_groups itself
is tested in tests/engine/test_markers.py)."""

from __future__ import annotations

import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import IFN  # noqa: E402
from pfocr_enrich.results import (
    BatchEnrichmentResult,
    EnrichmentResult,
    FrameRows,
    GroupEnrichmentResult,
    from_rows,
    group_result,
)

PAIRS = {"B (up)": ["B", "up"], "B (down)": ["B", "down"], "T (up)": ["T", "up"]}


@pytest.fixture(scope="module")
def batch(lib):
    queries = {"B (up)": IFN, "B (down)": ["NFKB1", "RELA", "IKBKB"], "T (up)": IFN[:4]}
    return pe.enrich_many(queries, lib)


def test_group_result_adds_group_and_direction_and_leaves_the_batch_alone(batch):
    before = batch.params
    res = group_result(batch, {"method": "t-test", "queries": PAIRS})
    assert type(res) is GroupEnrichmentResult and type(batch) is BatchEnrichmentResult
    assert batch.params == before and "rank_genes_groups" not in batch.params
    assert res.params["rank_genes_groups"]["queries"] == PAIRS
    table = res.table
    assert table.columns[table.columns.get_loc("query") + 1 :][:2].tolist() == [
        "group",
        "direction",
    ]
    assert table["group"].cat.categories.tolist() == ["B", "T"]
    assert table["direction"].cat.categories.tolist() == ["up", "down"]
    pairs = table[["query", "group", "direction"]].astype(str).drop_duplicates()
    assert {q: [g, d] for q, g, d in pairs.itertuples(index=False)} == PAIRS
    # Everything else is the batch's table, row for row.
    pd.testing.assert_frame_equal(table.drop(columns=["group", "direction"]), batch.table)


def test_group_result_filters_keep_the_groups(batch):
    res = group_result(batch, {"queries": PAIRS}).top(2)
    assert type(res) is GroupEnrichmentResult
    assert res.table.groupby("query", observed=True).size().tolist() == [2, 2, 2]
    assert res.table["group"].astype(str).tolist() == ["B"] * 4 + ["T"] * 2


def test_group_result_needs_a_pair_for_every_query(batch):
    with pytest.raises(ValueError, match=r"no \(group, direction\) for queries \['T \(up\)'\]"):
        group_result(batch, {"queries": {k: v for k, v in PAIRS.items() if k != "T (up)"}})


def test_from_rows_builds_the_class_the_rows_need(batch, res):
    table = batch.table
    rows = FrameRows(table, batch=True)
    built = from_rows(rows, params=batch.params, mapping=lambda: batch.mapping)
    assert type(built) is BatchEnrichmentResult and built == batch
    grouped = from_rows(rows, params=batch.params, mapping=batch.mapping, cls=GroupEnrichmentResult)
    assert type(grouped) is GroupEnrichmentResult
    single = from_rows(FrameRows(res.table, batch=False), params=res.params, mapping=res.mapping)
    assert type(single) is EnrichmentResult and single == res
    with pytest.raises(ValueError, match="EnrichmentResult cannot hold batch=True rows"):
        from_rows(rows, params=batch.params, mapping=batch.mapping, cls=EnrichmentResult)
