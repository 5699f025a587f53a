"""enrich_rank_genes_groups against scanpy's own reading of the markers and enrich_many."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import ODD, assert_wrong_type_names_it, signature_params

sc = pytest.importorskip("scanpy")
anndata = pytest.importorskip("anndata")


@pytest.fixture(scope="module")
def lib():
    return pe.sample_library()


@pytest.fixture(scope="module")
def ranked():
    adata = sc.datasets.pbmc68k_reduced()
    sc.tl.rank_genes_groups(adata, "bulk_labels", method="wilcoxon", n_genes=adata.n_vars)
    return adata


def quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def scanpy_queries(adata, direction, **cutoffs):
    """The reference: scanpy's rank_genes_groups_df, split by the sign of the score."""
    df = sc.get.rank_genes_groups_df(adata, None, **cutoffs)
    out = {}
    for group, sub in df.groupby("group", observed=True, sort=False):
        up = sub[sub["scores"] > 0]["names"].astype(str).tolist()
        down = sub[sub["scores"] < 0].sort_values("scores", kind="stable")["names"]
        lists = {"up": up, "down": down.astype(str).tolist()}
        for way in ["up", "down"] if direction == "both" else [direction]:
            name = group if direction != "both" else f"{group} ({way})"
            out[name] = lists[way]
    return out


def without_empty(queries, lib):
    known = set(lib.genes)
    return {k: v for k, v in queries.items() if known.intersection(v)}


@pytest.mark.parametrize(
    ("direction", "cutoffs"),
    [
        ("up", {"pval_cutoff": 0.05}),
        ("down", {"pval_cutoff": 0.01, "log2fc_max": -0.5}),
        ("both", {"pval_cutoff": None, "log2fc_min": -1.0, "log2fc_max": 2.0}),
    ],
)
def test_groups_equal_enrich_many_on_rank_genes_groups_df_lists(ranked, lib, direction, cutoffs):
    expected_queries = without_empty(scanpy_queries(ranked, direction, **cutoffs), lib)
    res = quiet(pe.enrich_rank_genes_groups, ranked, lib, direction=direction, **cutoffs)
    assert res.queries == list(expected_queries)
    reference = quiet(pe.enrich_many, expected_queries, lib, background=list(ranked.var_names))
    table = res.table
    assert table[["group", "direction"]].astype(str).apply(tuple, axis=1).tolist() == [
        tuple(res.params["rank_genes_groups"]["queries"][q]) for q in table["query"].astype(str)
    ]
    pd.testing.assert_frame_equal(table.drop(columns=["group", "direction"]), reference.table)
    assert res.params["universe_size"] == reference.params["universe_size"]
    assert res.params["rank_genes_groups"]["direction"] == direction


def test_n_genes_keeps_the_best_ranked_markers(ranked, lib):
    res = quiet(pe.enrich_rank_genes_groups, ranked, lib, direction="down", n_genes=7)
    full = scanpy_queries(ranked, "down", pval_cutoff=0.05)
    first = {k: v[:7] for k, v in full.items()}
    reference = quiet(
        pe.enrich_many, without_empty(first, lib), lib, background=list(ranked.var_names)
    )
    pd.testing.assert_frame_equal(res.table.drop(columns=["group", "direction"]), reference.table)
    assert max(v["query_input"] for v in res.params["queries"].values()) <= 7


def test_library_universe_is_enrich_without_background(ranked, lib):
    res = quiet(pe.enrich_rank_genes_groups, ranked, lib, universe="library")
    reference = quiet(
        pe.enrich_many, without_empty(scanpy_queries(ranked, "up", pval_cutoff=0.05), lib), lib
    )
    pd.testing.assert_frame_equal(res.table.drop(columns=["group", "direction"]), reference.table)
    assert res.params["universe_rule"] == "library"
    assert res.params["universe_size"] == lib.n_genes
    assert res.params["rank_genes_groups"]["universe"] == "library"


def test_measured_genes_are_raws_when_the_ranking_used_raw(lib):
    full = sc.datasets.pbmc68k_reduced()
    adata = full[:, 300:].copy()  # fewer genes in X than in raw
    adata.raw = full
    sc.tl.rank_genes_groups(adata, "bulk_labels", method="t-test", use_raw=True, n_genes=50)
    res = quiet(pe.enrich_rank_genes_groups, adata, lib, pval_cutoff=None)
    gene = next(g for g in adata.var_names if g in set(lib.genes))
    reference = quiet(pe.enrich, [gene], lib, background=list(full.var_names))
    assert res.params["universe_size"] == reference.params["universe_size"]
    narrower = quiet(pe.enrich, [gene], lib, background=list(adata.var_names))
    assert narrower.params["universe_size"] < res.params["universe_size"]


def test_dot_matrix_has_one_column_per_group_in_group_order(ranked, lib):
    pytest.importorskip("matplotlib")
    groups = ["Dendritic", "CD19+ B", "CD14+ Monocyte"]
    res = quiet(pe.enrich_rank_genes_groups, ranked, lib, groups=groups, pval_cutoff=None)
    ax = res.plot.dot_matrix(top=3)
    assert [t.get_text() for t in ax.get_xticklabels()] == groups
    assert res.table["group"].cat.categories.tolist() == groups
    import matplotlib.pyplot as plt

    plt.close("all")


def test_key_added_stores_a_tidy_table_and_params_that_survive_h5ad(ranked, lib, tmp_path):
    adata = ranked.copy()
    before = {k: set(getattr(adata, k).keys()) for k in ("obs", "var", "obsm", "uns", "layers")}
    res = quiet(pe.enrich_rank_genes_groups, adata, lib, key_added="pfocr_markers")
    after = {k: set(getattr(adata, k).keys()) for k in before}
    assert after["uns"] - before["uns"] == {"pfocr_markers"}
    assert {k: v for k, v in after.items() if k != "uns"} == {
        k: v for k, v in before.items() if k != "uns"
    }
    stored = adata.uns["pfocr_markers"]
    assert stored["table"]["set_id"].tolist() == res.table["set_id"].tolist()
    assert stored["table"]["rank"].tolist() == res.table.index.tolist()
    params = json.loads(stored["params"])
    assert params["library_info"] == res.params["library_info"]
    assert params["rank_genes_groups"]["key"] == "rank_genes_groups"
    with anndata.settings.override(allow_write_nullable_strings=True):  # pandas 3 strings
        adata.write_h5ad(tmp_path / "a.h5ad")
    back = anndata.read_h5ad(tmp_path / "a.h5ad")
    assert json.loads(back.uns["pfocr_markers"]["params"]) == params
    np.testing.assert_allclose(
        back.uns["pfocr_markers"]["table"]["pvalue"].to_numpy(), res.table["pvalue"].to_numpy()
    )


def test_without_key_added_adata_is_untouched(ranked, lib):
    adata = ranked.copy()
    keys = set(adata.uns)
    quiet(pe.enrich_rank_genes_groups, adata, lib)
    assert set(adata.uns) == keys


def test_empty_queries_are_left_out_with_a_warning(ranked, lib):
    with pytest.warns(UserWarning, match=r"left out: .*CD4\+/CD45RA\+/CD25- Naive T"):
        res = pe.enrich_rank_genes_groups(ranked, lib, direction="both")
    assert "CD4+/CD45RA+/CD25- Naive T (up)" in res.params["rank_genes_groups"]["empty"]
    assert "CD4+/CD45RA+/CD25- Naive T (up)" not in res.queries
    with pytest.raises(pe.EmptyQueryError, match="no group has a marker"):
        quiet(pe.enrich_rank_genes_groups, ranked, lib, log2fc_min=1000.0)


def test_warnings_point_at_the_callers_line(ranked, lib):
    # enrich_many's GeneMappingWarning is shown where the user called, not inside the package.
    with pytest.warns(pe.GeneMappingWarning, match="query genes across 20 queries") as caught:
        pe.enrich_rank_genes_groups(ranked, lib, direction="both", pval_cutoff=None)
    assert {w.filename for w in caught} == {__file__}


def test_down_markers_of_a_truncated_ranking_warn(lib):
    adata = sc.datasets.pbmc68k_reduced()
    sc.tl.rank_genes_groups(adata, "bulk_labels", method="t-test", n_genes=20)
    with pytest.warns(UserWarning, match="stored the top 20 of 765 genes"):
        with pytest.raises(pe.EmptyQueryError):  # the top 20 by score hold no negative score
            pe.enrich_rank_genes_groups(adata, lib, direction="down", pval_cutoff=None)


def test_logreg_ignores_cutoffs_as_scanpy_does_and_says_so(lib):
    adata = sc.datasets.pbmc68k_reduced()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc.tl.rank_genes_groups(adata, "bulk_labels", method="logreg", n_genes=30)
    with pytest.warns(UserWarning, match="method='logreg' stores no p-values"):
        res = pe.enrich_rank_genes_groups(adata, lib, groups="CD14+ Monocyte")
    df = sc.get.rank_genes_groups_df(adata, "CD14+ Monocyte", pval_cutoff=0.05)
    up = df[df["scores"] > 0]["names"].astype(str).tolist()
    assert res.params["queries"]["CD14+ Monocyte"]["query_input"] == len(up)


def test_arguments_are_checked(ranked, lib):
    with pytest.raises(ValueError, match="'key' parameter of enrich_rank_genes_groups"):
        pe.enrich_rank_genes_groups(ranked, lib, key="nope")
    with pytest.raises(ValueError, match="'groups' parameter .* Got \\['nope'\\]"):
        pe.enrich_rank_genes_groups(ranked, lib, groups=["nope"])
    with pytest.raises(ValueError, match="'direction' parameter"):
        pe.enrich_rank_genes_groups(ranked, lib, direction="sideways")
    with pytest.raises(ValueError, match="'universe' parameter"):
        pe.enrich_rank_genes_groups(ranked, lib, universe="all")
    with pytest.raises(TypeError, match="'background' parameter"):
        pe.enrich_rank_genes_groups(ranked, lib, background=["CD74"])
    with pytest.raises(TypeError, match="'adata' parameter"):
        pe.enrich_rank_genes_groups(ranked.to_df(), lib)
    with pytest.raises(TypeError, match="'library' parameter"):
        pe.enrich_rank_genes_groups(ranked, {"a": ["CD74"]})


def test_organism_goes_to_enrich_many(ranked, lib):
    res = quiet(pe.enrich_rank_genes_groups, ranked, lib, organism="human")
    assert res.params["rank_genes_groups"]["organism"] == "human"
    assert res.params["organism"] == "human"
    res = quiet(pe.enrich_rank_genes_groups, ranked, lib, organism=None, min_size=2)
    assert res.params["min_size"] == 2  # other options reach enrich_many


def test_importing_the_package_imports_no_single_cell_stack():
    code = (
        "import sys, pfocr_enrich\n"
        "heavy = [m for m in ('anndata', 'scanpy', 'dask', 'decoupler', 'h5py') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


# -- issue 17: every parameter with a wrong type; hostile values -------------------------------
WRONG_TYPES = {
    "adata": [3, "adata", None, ODD],
    "library": [3, "lib", {"s": ["CD74"]}, None, ODD],
    "key": [3, 1.5, True, ODD, None],
    "groups": [3, 1.5, True, ODD],
    "direction": [3, 1.5, True, ODD, None],
    "pval_cutoff": ["0.05", True, ODD],
    "log2fc_min": ["1", True, ODD],
    "log2fc_max": ["1", True, ODD],
    "n_genes": ["3", 1.5, True, ODD],
    "universe": [3, 1.5, True, ODD, None],
    "organism": [1.5, True, ODD],
    "key_added": [3, 1.5, True, ODD],
}


def test_the_sweep_covers_every_parameter():
    assert set(WRONG_TYPES) == signature_params(pe.enrich_rank_genes_groups)


@pytest.mark.parametrize(
    ("param", "value"), [(p, v) for p, values in WRONG_TYPES.items() for v in values]
)
def test_a_wrong_type_is_our_type_error_naming_the_parameter(ranked, lib, param, value):
    func = "enrich_rank_genes_groups"
    args = (ranked.copy(), lib)
    assert_wrong_type_names_it(pe.enrich_rank_genes_groups, func, param, value, args, {})


def test_unknown_enrich_options_are_named_before_any_work(ranked, lib):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before the queries are built (and warned about)
        with pytest.raises(TypeError, match=r"'enrich_options' parameter .* Got 'bogus' instead"):
            pe.enrich_rank_genes_groups(ranked, lib, bogus=1)


def test_a_ranking_without_the_fields_the_cutoffs_read_is_named(ranked, lib):
    adata = ranked.copy()
    adata.uns["rank_genes_groups"] = dict(ranked.uns["rank_genes_groups"])
    del adata.uns["rank_genes_groups"]["pvals_adj"]
    with pytest.raises(ValueError, match=r"'key' parameter .* without \['pvals_adj'\]"):
        pe.enrich_rank_genes_groups(adata, lib)
    res = quiet(pe.enrich_rank_genes_groups, adata, lib, pval_cutoff=None)  # not read: fine
    assert len(res.table)
