"""The tested sets' overlaps and the tails a run remembers: the same numbers as without them."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.engine import tested as tested_module
from pfocr_enrich.engine.stream import Screen
from pfocr_enrich.engine.tested import TailMemo, TailMemos
from pfocr_enrich.stats import hypergeom_logsf


def test_overlaps_equal_the_membership_product_in_set_id_order(pfocr2018):
    membership = pfocr2018.shared_arrays()[1]
    sizes = np.diff(membership.indptr).astype(np.int64)
    chosen = sizes >= 5  # some sets untested: they fall in the extra bin
    tested = tested_module.TestedSets.prepare(pfocr2018, sizes, chosen)
    rng = np.random.default_rng(3)
    for size in (0, 1, 40, 400):
        genes = np.sort(rng.choice(pfocr2018.n_genes, size, replace=False))
        query = np.zeros(pfocr2018.n_genes, dtype=np.int64)
        query[genes] = 1
        expected = (membership @ query)[tested.sets_by_id]
        np.testing.assert_array_equal(tested.overlaps(genes), expected)
    assert len(tested) == int(chosen.sum())


@pytest.mark.parametrize("enrichr", [False, True])
def test_remembered_tails_are_the_computed_ones(enrichr, monkeypatch):
    sizes = np.array([1, 2, 3, 5, 8, 13, 40, 200, 603], dtype=np.int64)
    memo = TailMemo(sizes, 20_000, enrichr)
    rng = np.random.default_rng(11)
    for _ in range(30):  # repeated sizes n: later calls read what earlier ones computed
        n = int(rng.choice([20, 21, 300, 500]))
        code = rng.integers(0, len(sizes), 200)
        k = rng.integers(0, np.minimum(sizes[code], n) + 2)  # also k above the support
        expected = hypergeom_logsf(k, sizes[code], n, 20_000 + 2 * k if enrichr else 20_000)
        np.testing.assert_array_equal(memo.logsf(k, code, n), expected)
    # a full memo computes without keeping: the same numbers
    monkeypatch.setattr(tested_module, "_MEMO_CELLS", 0)
    full = TailMemo(sizes, 20_000, enrichr)
    code, k = np.array([8, 0]), np.array([150, 1])
    np.testing.assert_array_equal(full.logsf(k, code, 500), memo._compute(k, code, 500))
    assert not full._tables


def test_memos_are_sent_empty(pfocr2018):
    memos = TailMemos()
    membership = pfocr2018.shared_arrays()[1]
    sizes = np.diff(membership.indptr).astype(np.int64)
    tested = tested_module.TestedSets.prepare(pfocr2018, sizes, sizes > 0)
    memo = memos.get(("key",), tested, 1000, False)
    memo.logsf(np.array([1, 2]), np.array([0, 1]), 50)
    assert memos.get(("key",), tested, 1000, False) is memo
    assert memos.get(("key",), tested, 999, False) is not memo
    copy = pickle.loads(pickle.dumps(memos))
    assert copy._memos == {}
    assert not pickle.loads(pickle.dumps(memo))._tables
    screen = pickle.loads(pickle.dumps(Screen(pfocr2018, {}, tails=memos)))
    assert isinstance(screen.tails, TailMemos) and screen.tails._memos == {}


def test_a_batch_equals_its_queries_one_by_one_with_the_memo(pfocr2018):
    rng = np.random.default_rng(2)
    genes = np.asarray(pfocr2018.genes)
    # equal sizes, so later queries read tails of earlier ones
    queries = {f"q{i}": list(rng.choice(genes, 60, replace=False)) for i in range(8)}
    batch = pe.enrich_many(queries, pfocr2018, compat="enrichr")
    for name, query in queries.items():
        single = pe.enrich(query, pfocr2018, compat="enrichr").table
        pd.testing.assert_frame_equal(
            batch[name].table, single, check_exact=True, check_index_type=False
        )
