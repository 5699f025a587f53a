"""keep= and the streamed enrich_many (out= Parquet, lazy inputs): rows equal the in-memory run."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich.engine.dataset import read_params
from screens import compact, long_table, make_queries, read_dataset, reference, write_gmt

pytest.importorskip("pyarrow")
pytestmark = pytest.mark.filterwarnings("ignore::pfocr_enrich.GeneMappingWarning")

KEEPS = [None, "fdr<=0.05", "pvalue<=1e-3", 5]


@pytest.fixture(scope="module")
def queries(pfocr2018):
    return make_queries(pfocr2018)


@pytest.fixture(scope="module")
def unfiltered(queries, pfocr2018):
    return reference(queries, pfocr2018)


# -- keep= ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("keep", "selected"),
    [
        ("fdr<=0.05", lambda t: t[t["fdr"] <= 0.05]),
        (" pvalue <= 1e-3", lambda t: t[t["pvalue"] <= 1e-3]),
        (5, lambda t: t[t["rank"] <= 5]),
        (100_000, lambda t: t),
    ],
)
def test_keep_drops_rows_after_the_fdr(keep, selected, queries, pfocr2018, unfiltered):
    kept = reference(queries, pfocr2018, keep=keep)
    expected = selected(unfiltered).reset_index(drop=True)
    assert 0 < len(kept) <= len(unfiltered)
    pd.testing.assert_frame_equal(kept, expected, check_exact=True)


def test_keep_is_recorded_and_alpha_is_its_alias(queries, pfocr2018):
    res = pe.enrich_many(queries, pfocr2018, keep="fdr<=0.01")
    assert res.params["keep"] == "fdr <= 0.01"
    assert res.params["alpha"] == 0.01
    old = pe.enrich_many(queries, pfocr2018, alpha=0.01)
    assert old.params["keep"] == "fdr <= 0.01"
    pd.testing.assert_frame_equal(old.table, res.table, check_exact=True)
    assert pe.enrich_many(queries, pfocr2018, keep=3).params["keep"] == "top 3"
    assert pe.enrich_many(queries, pfocr2018).params["keep"] is None


@pytest.mark.parametrize(
    ("keep", "stated"),
    [
        ("fdr<=0.01", "Only rows with FDR \u2264 0.01 were kept."),
        ("pvalue<=1e-3", "Only rows with p \u2264 0.001 were kept."),
        (3, "Only the 3 best-ranked sets of each list (lowest p-value, ties by set id) were kept."),
    ],
)
def test_methods_text_and_summary_state_the_keep_rule(keep, stated, queries, pfocr2018):
    res = pe.enrich_many(queries, pfocr2018, keep=keep)
    text = res.methods_text()
    assert stated in text
    assert "dropped after the adjustment: each kept row has the FDR over all tested sets" in text
    # a threshold on the FDR is the significance rule; the others still state it
    assert ("considered significant" in text) == (keep != "fdr<=0.01")
    assert f"keep: {res.params['keep']} (rows dropped after the FDR over" in res.summary()
    assert "were kept" not in pe.enrich_many(queries, pfocr2018).methods_text()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"keep": "fdr<0.05"}, ValueError, r"'keep' parameter of enrich_many must be None, a rule"),
        ({"keep": "qvalue<=0.05"}, ValueError, "'keep' parameter"),
        ({"keep": "fdr<=2"}, ValueError, r"threshold is in \[0, 1\]"),
        ({"keep": 0}, ValueError, "'keep' parameter"),
        ({"keep": True}, TypeError, "'keep' parameter"),
        ({"keep": 0.05}, TypeError, "'keep' parameter"),
        ({"keep": 5, "alpha": 0.05}, ValueError, "'alpha' parameter of enrich_many must be None"),
        ({"chunk_size": 0, "out": "x"}, ValueError, "'chunk_size' parameter"),
    ],
)
def test_bad_keep_and_chunk_size(kwargs, error, match, pfocr2018, tmp_path):
    if "out" in kwargs:
        kwargs["out"] = tmp_path / "out"
    with pytest.raises(error, match=match):
        pe.enrich_many({"a": ["7157", "4193"]}, pfocr2018, **kwargs)


# -- streamed: every input, written chunk by chunk -------------------------------------------
def _inputs(queries, tmp_path):
    parquet = tmp_path / "queries.parquet"
    long_table(queries).to_parquet(parquet, row_group_size=97)  # queries span record batches
    return {
        "dict": queries,
        "gmt": write_gmt(queries, tmp_path / "queries.gmt"),
        "long table": long_table(queries),
        "parquet": parquet,
        "iterator": iter(queries.items()),
    }


@pytest.mark.parametrize("keep", KEEPS)
def test_out_equals_the_in_memory_run_for_every_input(keep, queries, pfocr2018, tmp_path):
    expected = reference(queries, pfocr2018, keep=keep)
    for kind, source in _inputs(queries, tmp_path).items():
        out = tmp_path / f"out-{kind.replace(' ', '_')}"
        written = pe.enrich_many(source, pfocr2018, keep=keep, out=out, chunk_size=7)
        assert (written.queries, written.rows) == (len(queries), len(expected)), kind
        pd.testing.assert_frame_equal(read_dataset(out), expected, check_exact=True, obj=kind)


def test_lazy_inputs_without_out_give_the_in_memory_result(queries, pfocr2018, tmp_path):
    expected = reference(queries, pfocr2018, keep="fdr<=0.05")
    sources = _inputs(queries, tmp_path)
    for kind in ("parquet", "iterator"):
        res = pe.enrich_many(sources[kind], pfocr2018, keep="fdr<=0.05", chunk_size=7)
        assert isinstance(res, pe.BatchEnrichmentResult)
        got = compact(res.table.reset_index())
        pd.testing.assert_frame_equal(got, expected, check_exact=True, obj=kind)


def test_dataset_metadata_holds_params_and_library_provenance(queries, pfocr2018, tmp_path):
    written = pe.enrich_many(queries, pfocr2018, keep="fdr<=0.05", out=tmp_path / "o")
    stored = read_params(tmp_path / "o")
    assert stored["keep"] == written.params["keep"] == "fdr <= 0.05"
    assert stored["library_provenance"]["sets"] == len(pfocr2018)
    assert stored["library_provenance"]["name"] == pfocr2018.name
    assert stored["sets_tested"] == pe.enrich_many(queries, pfocr2018).params["sets_tested"]
    assert "keep=fdr <= 0.05" in repr(written)


def test_out_is_never_mixed_with_an_older_dataset(queries, pfocr2018, tmp_path):
    pe.enrich_many(queries, pfocr2018, keep=1, out=tmp_path / "o")
    with pytest.raises(ValueError, match="'out' parameter of enrich_many must be a new or empty"):
        pe.enrich_many(queries, pfocr2018, keep=1, out=tmp_path / "o")


def test_bad_streamed_inputs(pfocr2018, tmp_path):
    split = pd.DataFrame({"query": ["a", "b", "a"], "gene": ["7157", "4193", "581"]})
    split.to_parquet(tmp_path / "split.parquet")
    with pytest.raises(ValueError, match="query 'a' comes back after other queries"):
        pe.enrich_many(tmp_path / "split.parquet", pfocr2018, out=tmp_path / "o1")
    with pytest.raises(ValueError, match="'b' twice"):
        pe.enrich_many(iter([("b", ["7157"]), ("b", ["581"])]), pfocr2018, out=tmp_path / "o2")
    with pytest.raises(ValueError, match="at least one query"):
        pe.enrich_many(iter([]), pfocr2018, out=tmp_path / "o3")
    (tmp_path / "bad.gmt").write_text("a\tdesc\n")
    with pytest.raises(pe.GMTFormatError, match="line 1"):
        pe.enrich_many(tmp_path / "bad.gmt", pfocr2018, out=tmp_path / "o4")
    with pytest.raises(pe.EmptyQueryError, match="query 'z'"):
        pe.enrich_many(iter([("z", ["NOT_A_GENE"])]), pfocr2018, out=tmp_path / "o5")


def test_progress_bar_does_not_change_rows(queries, pfocr2018, tmp_path, capsys):
    expected = reference(queries, pfocr2018, keep=3)
    pe.enrich_many(queries, pfocr2018, keep=3, out=tmp_path / "o", chunk_size=4, progress=True)
    assert "query" in capsys.readouterr().err  # tqdm writes to stderr
    pd.testing.assert_frame_equal(read_dataset(tmp_path / "o"), expected, check_exact=True)


def test_core_package_runs_without_dask_distributed_and_pyarrow(tmp_path):
    """Blocked imports: enrich_many works in memory; out= says which extra to install."""
    code = """
import sys, warnings
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("dask", "distributed", "pyarrow"):
            raise ImportError(f"blocked: {name}")
sys.meta_path.insert(0, Block())
warnings.simplefilter("ignore")
import pfocr_enrich as pe
lib = pe.sample_library()
res = pe.enrich_many({"a": ["IRF3", "MAVS", "TBK1"]}, lib, keep="fdr<=0.05")
assert len(res.table) > 0
try:
    pe.enrich_many({"a": ["IRF3", "MAVS"]}, lib, out=sys.argv[1])
except ImportError as exc:
    print(exc)
assert not [m for m in sys.modules if m.split(".")[0] in ("dask", "distributed", "pyarrow")]
"""
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "o")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert 'pip install "pfocr_enrich[dask]"' in done.stdout


def test_keep_rule_examples():
    from pfocr_enrich.engine.keep import parse_keep

    assert str(parse_keep("FDR<=5e-2", func="f")) == "fdr <= 0.05"
    assert parse_keep(None, func="f") is None
    assert parse_keep(None, func="f", alpha=0.1).column == "fdr"
