"""score_cells: per-cell p-values equal enrich on each cell's top genes, whatever X is."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import scipy.stats as st
from statsmodels.stats.multitest import multipletests

import pfocr_enrich as pe
from conftest import ODD, assert_wrong_type_names_it, signature_params
from pfocr_enrich.engine.cellscores import top_genes_mask, top_genes_sparse
from pfocr_enrich.engine.singlecell import gene_columns

sc = pytest.importorskip("scanpy")
anndata = pytest.importorskip("anndata")

CELLS = [0, 1, 57, 123, 350, 699]


@pytest.fixture(scope="module")
def lib():
    return pe.sample_library()


@pytest.fixture(scope="module")
def pbmc():
    return sc.datasets.pbmc68k_reduced()


def reference_top(values: np.ndarray, names: np.ndarray, n_up: int) -> np.ndarray:
    """Independent reference: scipy's ordinal ranks (decoupler's), the n_up highest, above 0."""
    ranks = st.rankdata(values, method="ordinal")
    return names[(ranks > len(values) - n_up) & (values > 0)]


def enrich_cell(values, names, lib, n_up, **options):
    top = reference_top(values, names, n_up)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pe.enrich(top, lib, background=list(names), **options).table.set_index("set_id")


@pytest.mark.parametrize("kind", ["sparse", "dense"])
def test_pvalues_equal_enrich_on_each_cells_top_genes(pbmc, lib, kind):
    adata = pbmc.copy()
    raw = adata.raw.X
    adata.layers["lognorm"] = raw if kind == "sparse" else raw.toarray()
    pe.score_cells(adata, lib, layer="lognorm", min_size=3, dtype="float64")
    score, padj = adata.obsm["pfocr_score"], adata.obsm["pfocr_padj"]
    assert score.index.equals(adata.obs_names) and padj.columns.equals(score.columns)
    names, dense = np.asarray(adata.var_names), raw.toarray()
    n_up = int(np.ceil(0.05 * adata.n_vars))
    for i in CELLS:
        table = enrich_cell(dense[i], names, lib, n_up, min_size=3)
        assert sorted(table.index) == sorted(score.columns)
        table = table.loc[score.columns]
        np.testing.assert_allclose(score.iloc[i], -table["log10_pvalue"], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(padj.iloc[i], table["fdr"], rtol=1e-12, atol=0)
    assert (score.to_numpy() > 1).any()  # something is enriched: the comparison is not of zeros


def test_float32_default_keeps_seven_digits(pbmc, lib):
    wide, narrow = pbmc.copy(), pbmc.copy()
    pe.score_cells(wide, lib, use_raw=True, dtype="float64")
    pe.score_cells(narrow, lib, use_raw=True)
    assert narrow.obsm["pfocr_score"].dtypes.unique().tolist() == [np.dtype("float32")]
    np.testing.assert_allclose(narrow.obsm["pfocr_score"], wide.obsm["pfocr_score"], rtol=1e-6)
    np.testing.assert_allclose(narrow.obsm["pfocr_padj"], wide.obsm["pfocr_padj"], rtol=1e-6)


def test_sets_restrict_the_columns_and_the_correction(pbmc, lib):
    adata = pbmc.copy()
    pe.score_cells(adata, lib, use_raw=True, dtype="float64", min_size=3)
    chosen = adata.obsm["pfocr_score"].columns[[5, 0, 9]].tolist()
    pe.score_cells(
        adata, lib, use_raw=True, dtype="float64", min_size=3, sets=chosen, key_added="few"
    )
    assert adata.obsm["few_score"].columns.tolist() == chosen
    assert json.loads(adata.uns["few"]["params"])["sets_chosen"] == 3
    np.testing.assert_array_equal(adata.obsm["few_score"], adata.obsm["pfocr_score"][chosen])
    p = 10.0 ** -adata.obsm["few_score"].to_numpy()
    expected = np.array([multipletests(row, method="fdr_bh")[1] for row in p])
    np.testing.assert_allclose(adata.obsm["few_padj"], expected, rtol=1e-10)


def test_chosen_sets_failing_the_sizes_are_named_in_a_warning(pbmc, lib):
    adata = pbmc.copy()
    pe.score_cells(adata, lib, use_raw=True, min_size=1, key_added="one")
    pe.score_cells(adata, lib, use_raw=True, min_size=3, key_added="three")
    wide, narrow = adata.obsm["one_score"].columns, adata.obsm["three_score"].columns
    small = sorted(set(wide) - set(narrow))[:2]  # 1 or 2 genes in the universe
    with pytest.warns(UserWarning, match="2 of the 3 chosen sets have a size outside"):
        pe.score_cells(adata, lib, use_raw=True, min_size=3, sets=[*small, narrow[0]])
    assert adata.obsm["pfocr_score"].columns.tolist() == [narrow[0]]


def test_n_up_and_chunks_do_not_change_numbers(pbmc, lib):
    adata = pbmc.copy()
    pe.score_cells(adata, lib, use_raw=True, n_up=60, dtype="float64")
    pe.score_cells(adata, lib, use_raw=True, n_up=60, dtype="float64", chunk_size=7, key_added="c")
    np.testing.assert_array_equal(adata.obsm["c_score"], adata.obsm["pfocr_score"])
    np.testing.assert_array_equal(adata.obsm["c_padj"], adata.obsm["pfocr_padj"])
    names, dense = np.asarray(adata.raw.var_names), adata.raw.X.toarray()
    table = enrich_cell(dense[42], names, lib, 60, min_size=5).loc[adata.obsm["c_score"].columns]
    np.testing.assert_allclose(adata.obsm["c_score"].iloc[42], -table["log10_pvalue"], rtol=1e-12)
    assert json.loads(adata.uns["c"]["params"])["n_up"] == 60


def test_dask_x_is_processed_block_by_block(pbmc, lib):
    da = pytest.importorskip("dask.array")
    eager, lazy = pbmc.copy(), pbmc.copy()
    lazy.X = da.from_array(pbmc.raw.X.toarray(), chunks=(64, 300))
    eager.X = pbmc.raw.X
    pe.score_cells(eager, lib, dtype="float64")
    pe.score_cells(lazy, lib, dtype="float64", chunk_size=50)
    pd.testing.assert_frame_equal(lazy.obsm["pfocr_score"], eager.obsm["pfocr_score"])
    pd.testing.assert_frame_equal(lazy.obsm["pfocr_padj"], eager.obsm["pfocr_padj"])
    sparse_blocks = pbmc.copy()
    sparse_blocks.X = da.from_array(pbmc.raw.X, chunks=(100, -1))  # scipy CSR chunks
    pe.score_cells(sparse_blocks, lib, dtype="float64")
    pd.testing.assert_frame_equal(sparse_blocks.obsm["pfocr_score"], eager.obsm["pfocr_score"])


def test_top_genes_follow_scipy_ordinal_ranks_with_ties():
    rng = np.random.default_rng(5)
    values = rng.integers(0, 4, size=(300, 40)).astype(np.float64)  # many ties, many zeros
    values[::7] = np.where(values[::7] > 0, values[::7] - 5, 0)  # rows with negative values
    names = np.arange(40)
    for n_up in (1, 3, 10, 40, 60):
        mask = top_genes_mask(values, n_up)
        sparse = top_genes_sparse(sp.csr_matrix(values), n_up).toarray().astype(bool)
        np.testing.assert_array_equal(mask, sparse)
        for i in range(len(values)):
            assert names[mask[i]].tolist() == sorted(reference_top(values[i], names, n_up))


def test_only_the_documented_keys_are_written(pbmc, lib):
    adata = pbmc.copy()
    before = {k: set(getattr(adata, k).keys()) for k in ("obs", "var", "obsm", "uns", "layers")}
    X = adata.X.copy()
    pe.score_cells(adata, lib, use_raw=True, key_added="figs")
    after = {k: set(getattr(adata, k).keys()) for k in before}
    assert after["obsm"] - before["obsm"] == {"figs_score", "figs_padj"}
    assert after["uns"] - before["uns"] == {"figs"}
    assert after["obs"] == before["obs"] and after["var"] == before["var"]
    np.testing.assert_array_equal(adata.X, X)
    params = json.loads(adata.uns["figs"]["params"])
    assert params["library_info"] == lib.info
    assert params["sets_tested"] == adata.obsm["figs_score"].shape[1] == 7


def test_cells_without_universe_genes_get_p_one_with_a_warning(pbmc, lib):
    adata = pbmc.copy()
    values = adata.raw.X.toarray()
    in_lib = (
        gene_columns(adata.raw.var_names, lib, mapper=None, resolve_aliases=True, func="test") >= 0
    )
    values[:3, in_lib] = 0
    adata.layers["cut"] = values
    with pytest.warns(UserWarning, match="3 of 700 cells have no top gene in the universe"):
        pe.score_cells(adata, lib, layer="cut")
    assert (adata.obsm["pfocr_score"].iloc[:3] == 0).all().all()
    assert (adata.obsm["pfocr_padj"].iloc[:3] == 1).all().all()


def test_arguments_are_checked(pbmc, lib):
    adata = pbmc.copy()
    with pytest.raises(
        ValueError, match="'sets' parameter of score_cells .* unknown ids \\['nope'\\]"
    ):
        pe.score_cells(adata, lib, use_raw=True, sets=["nope"])
    with pytest.raises(TypeError, match="'sets' parameter"):
        pe.score_cells(adata, lib, use_raw=True, sets="PMC1")
    with pytest.raises(ValueError, match="'min_size' parameter .* no set has"):
        pe.score_cells(adata, lib, use_raw=True, min_size=500)
    with pytest.raises(ValueError, match="'n_up' parameter"):
        pe.score_cells(adata, lib, n_up=0)
    with pytest.raises(ValueError, match="'layer' parameter"):
        pe.score_cells(adata, lib, layer="nope")
    with pytest.raises(ValueError, match="'dtype' parameter"):
        pe.score_cells(adata, lib, dtype="float16")
    adata.layers["nan"] = np.where(np.arange(adata.n_vars) == 3, np.nan, adata.X)
    with pytest.raises(ValueError, match=r"NaN or inf in cells \[0, 1, 2, 3, 4\]"):
        pe.score_cells(adata, lib, layer="nan")
    other = anndata.AnnData(X=np.ones((2, 2)), var=pd.DataFrame(index=["nope1", "nope2"]))
    with pytest.raises(ValueError, match="none of 2 gene names maps"):
        pe.score_cells(other, lib)


def test_decoupler_tests_the_same_sets(pbmc, lib):
    dc = pytest.importorskip("decoupler")
    adata = pbmc.copy()
    adata.X = adata.raw.X
    net = pd.DataFrame(
        [(s, g) for s in lib.set_ids for g in sorted(lib[s])], columns=["source", "target"]
    )
    dc.mt.ora(adata, net, tmin=5, n_up=adata.n_vars - 39, verbose=False)
    pe.score_cells(adata, lib)
    # Set sizes count measured genes in both (symbols here: no mapping differs).
    assert sorted(adata.obsm["score_ora"].columns) == sorted(adata.obsm["pfocr_score"].columns)


def test_two_names_of_one_gene_count_once_as_in_enrich(pbmc, lib):
    raw = pbmc.raw.to_adata()
    means = pd.Series(np.asarray(raw.X.mean(axis=0)).ravel(), index=raw.var_names)
    gene = means[means.index.isin(lib.genes)].idxmax()  # often among a cell's top genes
    extra = raw[:, [gene]].to_df()
    extra.columns = [gene.lower()]  # a second spelling of the same gene, same values
    values = np.hstack([raw.X.toarray(), extra.to_numpy()])
    names = np.r_[np.asarray(raw.var_names), extra.columns]
    adata = anndata.AnnData(X=values, var=pd.DataFrame(index=names))
    adata.obs_names = raw.obs_names
    pe.score_cells(adata, lib, dtype="float64", min_size=3)
    n_up = json.loads(adata.uns["pfocr"]["params"])["n_up"]
    score = adata.obsm["pfocr_score"]
    both = [
        i for i in range(200) if {gene, gene.lower()} <= set(reference_top(values[i], names, n_up))
    ]
    assert len(both) >= 3
    for i in both[:3]:
        table = enrich_cell(values[i], names, lib, n_up, min_size=3).loc[score.columns]
        np.testing.assert_allclose(score.iloc[i], -table["log10_pvalue"], rtol=1e-12, atol=1e-15)


# -- issue 17: every parameter with a wrong type; hostile values -------------------------------
NOT_INT = ["3", 1.5, True, ODD]
NOT_BOOL = [3, "yes", 1.5, None, ODD]
WRONG_TYPES = {
    "adata": [3, "adata", None, ODD],
    "library": [3, "lib", {"s": ["CD74"]}, None, ODD],
    "n_up": NOT_INT,
    "layer": [3, 1.5, True, ODD],
    "use_raw": NOT_BOOL,
    "sets": [3, 1.5, True, ODD],
    "min_size": [*NOT_INT, None],
    "max_size": NOT_INT,
    "dtype": [3, 1.5, True, ODD, None],
    "chunk_size": NOT_INT,
    "mapper": [3, "hgnc", True, ODD],
    "resolve_aliases": NOT_BOOL,
    "key_added": [3, 1.5, True, ODD, None],
}


def test_the_sweep_covers_every_parameter():
    assert set(WRONG_TYPES) == signature_params(pe.score_cells)


@pytest.mark.parametrize(
    ("param", "value"), [(p, v) for p, values in WRONG_TYPES.items() for v in values]
)
def test_a_wrong_type_is_our_type_error_naming_the_parameter(pbmc, lib, param, value):
    args = (pbmc.copy(), lib)
    assert_wrong_type_names_it(pe.score_cells, "score_cells", param, value, args, {})


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sets": []}, "distinct set ids of the library. Got \\[\\]"),
        ({"min_size": 5, "max_size": 3}, r"'max_size' .* >= min_size \(5\)"),
        ({"key_added": ""}, "'key_added' parameter of score_cells must be a non-empty str"),
    ],
)
def test_hostile_values(pbmc, lib, kwargs, match):
    with pytest.raises(ValueError, match=match):
        pe.score_cells(pbmc.copy(), lib, **kwargs)


def test_duplicate_sets_and_infinite_values_are_refused(pbmc, lib):
    adata = pbmc.copy()
    with pytest.raises(ValueError, match="distinct set ids"):
        pe.score_cells(adata, lib, sets=[lib.set_ids[0]] * 2)
    adata.layers["inf"] = np.where(np.arange(adata.n_vars) == 3, np.inf, adata.X)
    with pytest.raises(ValueError, match=r"without NaN or inf. Got NaN or inf in cells \[0, "):
        pe.score_cells(adata, lib, layer="inf")
