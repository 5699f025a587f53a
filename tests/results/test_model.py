"""EnrichmentResult and BatchEnrichmentResult on the real sample data: filters, copies,
pickling, exports, HTML, clustering and the methods paragraph."""

from __future__ import annotations

import copy
import json
import pickle
import re
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import IFN, QUERIES, ROUND_TRIP  # noqa: E402  (shared query lists and fixtures lib/res/many)
from pfocr_enrich.results import BatchEnrichmentResult, EnrichmentResult
from pfocr_enrich.results.cluster import leader_clusters


# -- types, copies, pickling ---------------------------------------------------
def test_enrich_many_returns_a_batch_whose_queries_equal_enrich(lib, many):
    assert type(many) is BatchEnrichmentResult and isinstance(many, EnrichmentResult)
    assert many.is_batch and many.queries == ["ifn", "nfkb", "isg"]
    for name, genes in QUERIES.items():
        one = pe.enrich(genes, lib)
        got = many[name]
        assert type(got) is EnrichmentResult and not got.is_batch
        pd.testing.assert_frame_equal(got.table, one.table, check_index_type=False)
        pd.testing.assert_frame_equal(got.mapping, one.mapping)
        params = got.params
        assert params.pop("query_name") == name
        assert params == one.params
    with pytest.raises(KeyError, match="no query 'nope'"):
        many["nope"]


def test_a_table_with_a_query_column_makes_a_batch(res, many):
    assert (
        type(EnrichmentResult(many.table, params=many.params, mapping=many.mapping))
        is BatchEnrichmentResult
    )
    assert (
        type(EnrichmentResult(res.table, params=res.params, mapping=res.mapping))
        is EnrichmentResult
    )


def test_accessors_copy_and_never_touch_the_library(lib, res):
    info_before, sets_before = lib.info, lib.sets
    table, mapping = res.table, res.mapping
    table.loc[1, "set_id"] = "changed"
    mapping.loc[0, "input"] = "changed"
    params = res.params
    params["library_info"]["release"] = "changed"
    params["universe_size"] = -1
    assert res.table.loc[1, "set_id"] != "changed"
    assert res.mapping.loc[0, "input"] != "changed"
    assert res.params["library_info"]["release"] == "PFOCR COVID collection 2020"
    assert res.params["universe_size"] == 1523
    assert lib.info == info_before
    pd.testing.assert_frame_equal(lib.sets, sets_before)


def test_constructor_copies_its_inputs(res):
    table, params, mapping = res.table, res.params, res.mapping
    new = EnrichmentResult(table, params=params, mapping=mapping)
    table.loc[1, "overlap"] = -5
    params["library_info"]["release"] = "changed"
    mapping.loc[0, "input"] = "changed"
    assert new.table.loc[1, "overlap"] != -5
    assert new.params["library_info"]["release"] != "changed"
    assert new.mapping.loc[0, "input"] != "changed"


@pytest.mark.parametrize("which", ["res", "many", "clustered"])
def test_pickle_round_trip(which, res, many, lib):
    obj = {"res": res, "many": many, "clustered": res.cluster(0.5, gene_sets=lib)}[which]
    back = pickle.loads(pickle.dumps(obj))
    assert type(back) is type(obj)
    assert back == obj
    pd.testing.assert_frame_equal(back.table, obj.table)
    assert back.summary() == obj.summary()


# -- filters ---------------------------------------------------------------------
def test_significant_filters_and_records_the_filter(res):
    for by in ("fdr", "pvalue", "qvalue"):
        sig = res.significant(0.01, by=by)
        assert (sig.table[by] <= 0.01).all()
        assert len(sig) == int((res.table[by] <= 0.01).sum())
        assert sig.params["filter"] == f"{by} <= 0.01"
        assert (
            sig.table.index.tolist() == res.table.index[res.table[by] <= 0.01].tolist()
        )  # ranks kept
    assert len(res.significant(0.0)) == 0
    assert "filter: fdr <= 0.05" in res.significant().summary()


def test_significant_drops_nan_fdr(lib):
    hit = pe.enrich(["IRF3", "MAVS", "TBK1"], lib, fdr_over="hit")
    assert hit.table["fdr"].isna().any()
    assert not hit.significant(1.0).table["fdr"].isna().any()
    assert len(hit.significant(1.0)) == int(hit.table["fdr"].notna().sum())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"alpha": 1.5},
            "'alpha' parameter of EnrichmentResult.significant must be a number in \\[0, 1\\]. Got 1.5",
        ),
        (
            {"by": "title"},
            "'by' parameter of EnrichmentResult.significant must be a numeric column",
        ),
        ({"representatives_only": True}, "call .cluster\\(\\) first"),
    ],
)
def test_significant_rejects_bad_arguments(res, kwargs, match):
    with pytest.raises(ValueError, match=match):
        res.significant(**kwargs)


def test_top_is_per_query_for_a_batch(res, many):
    assert res.top(3).table.index.tolist() == [1, 2, 3]
    assert res.top(3).table["set_id"].tolist() == res.table["set_id"].head(3).tolist()
    top = many.top(2).table
    assert top["query"].astype(str).tolist() == ["ifn", "ifn", "nfkb", "nfkb", "isg", "isg"]
    assert top.index.tolist() == [1, 2, 1, 2, 1, 2]
    assert len(res.top(0)) == 0
    with pytest.raises(ValueError, match="'n' parameter"):
        res.top(-1)


def test_dropped_lists_left_out_inputs(lib):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = pe.enrich(["IRF3", "MAVS", "NOTAGENE", "irf3"], lib)
    assert r.dropped[["input", "status"]].values.tolist() == [
        ["NOTAGENE", "unknown"],
        ["irf3", "duplicate"],
    ]
    assert "(2 left out: see .dropped)" in r.summary()


# -- exports ---------------------------------------------------------------------
def test_to_frame_has_rank_and_query_columns(res, many):
    frame = res.to_frame()
    assert frame.columns[0] == "rank" and frame["rank"].tolist() == list(range(1, len(res) + 1))
    assert isinstance(frame.index, pd.RangeIndex)
    long = many.to_frame()
    assert long.columns[:3].tolist() == ["query", "rank", "set_id"]
    assert len(long) == 3 * 216


@pytest.mark.parametrize("suffix", [".tsv", ".csv", ".tsv.gz"])
def test_csv_round_trip_is_exact(res, tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    res.to_csv(path)
    back = pd.read_csv(path, sep="\t" if ".tsv" in suffix else ",", **ROUND_TRIP)
    frame = res.to_frame()
    assert back.columns.tolist() == frame.columns.tolist()
    assert back["set_id"].tolist() == frame["set_id"].tolist()
    for col in ("pvalue", "fdr", "log10_pvalue", "fold_enrichment"):
        np.testing.assert_array_equal(back[col].to_numpy(), frame[col].to_numpy())
    assert res.to_tsv() == res.to_csv(sep="\t")


def test_tuples_are_joined_in_flat_files(lib, tmp_path):
    collapsed = pe.enrich(
        IFN, pe.read_gmt("tests/data/pfocr/pfocr2018_4000_symbols.gmt"), collapse_duplicates=True
    )
    assert collapsed.table["members"].map(len).max() > 1
    collapsed.to_tsv(tmp_path / "c.tsv")
    back = pd.read_csv(tmp_path / "c.tsv", sep="\t", **ROUND_TRIP)
    multi = collapsed.table["members"].map(len) > 1
    assert back.loc[multi.to_numpy(), "members"].str.contains(";").all()


def test_to_json_is_valid_and_complete(lib, tmp_path):
    hit = pe.enrich(["IRF3", "MAVS", "TBK1"], lib, fdr_over="hit")  # NaN fdr and qvalue rows
    path = tmp_path / "r.json"
    hit.to_json(path)
    text = path.read_text()
    assert "NaN" not in text
    doc = json.loads(text)
    assert set(doc) == {"summary", "params", "results", "dropped"}
    assert len(doc["results"]) == len(hit)
    assert (
        doc["params"]["universe_size"] == 1523 and doc["params"]["library_info"]["license"] == "CC0"
    )
    assert any(row["fdr"] is None for row in doc["results"])
    assert doc["results"][0]["set_id"] == hit.table["set_id"].iloc[0]


def test_to_excel_writes_three_sheets(res, many, tmp_path):
    pytest.importorskip("openpyxl")
    res.to_excel(tmp_path / "r.xlsx")
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert list(sheets) == ["results", "mapping", "parameters"]
    assert len(sheets["results"]) == len(res)
    assert sheets["results"]["set_id"].tolist() == res.table["set_id"].tolist()
    np.testing.assert_allclose(sheets["results"]["pvalue"], res.table["pvalue"], rtol=1e-15)
    params = dict(
        zip(
            sheets["parameters"]["parameter"],
            sheets["parameters"]["value"].astype(str),
            strict=True,
        )
    )
    assert (
        params["universe_size"] == "1523"
        and params["library_info.release"] == "PFOCR COVID collection 2020"
    )
    many.to_excel(tmp_path / "m.xlsx")
    assert pd.read_excel(tmp_path / "m.xlsx")["query"].unique().tolist() == ["ifn", "nfkb", "isg"]


def test_to_excel_without_openpyxl_says_what_to_install(res, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ImportError, match=re.escape('pip install "pfocr_enrich[excel]"')):
        res.to_excel(tmp_path / "r.xlsx")


# -- batch: pivot and concat ---------------------------------------------------------
def test_pivot_is_a_set_by_query_matrix(many):
    m = many.pivot("fdr")
    assert m.columns.tolist() == ["ifn", "nfkb", "isg"] and m.shape == (216, 3)
    long = many.table
    for q in many.queries:
        got = m[q].reindex(long.loc[long["query"] == q, "set_id"]).to_numpy()
        np.testing.assert_array_equal(got, long.loc[long["query"] == q, "fdr"].to_numpy())
    best = long.groupby("set_id")["log10_pvalue"].min()
    assert m.index[0] == best.idxmin()
    assert best.loc[m.index].is_monotonic_increasing
    sig = many.significant(0.01).pivot("overlap")
    assert sig.isna().any().any()  # sets significant for one query only
    with pytest.raises(ValueError, match="'values' parameter"):
        many.pivot("nope")


def test_concat_equals_one_batch(lib, many):
    parts = [pe.enrich_many({name: genes}, lib) for name, genes in QUERIES.items()]
    joined = BatchEnrichmentResult.concat(parts)
    assert joined == many
    pd.testing.assert_frame_equal(joined.table, many.table)
    with pytest.raises(ValueError, match="more than one result"):
        BatchEnrichmentResult.concat([parts[0], parts[0]])
    other = pe.enrich_many({"x": ["IRF3", "MAVS"]}, lib, min_size=3)
    with pytest.raises(ValueError, match="differ in min_size"):
        BatchEnrichmentResult.concat([parts[0], other])


# -- text and HTML ------------------------------------------------------------------
def test_plain_repr_is_readable(res, many):
    text = repr(res)
    assert text.startswith("EnrichmentResult\nquery: 19 of 19 genes tested")
    assert res.table["set_id"].iloc[0] in text
    assert max(len(line) for line in text.splitlines()) < 250
    assert repr(many).startswith("BatchEnrichmentResult\nqueries: 3")


def test_repr_html_links_figures_papers_and_thumbnails(res):
    page = res._repr_html_()
    top = res.table.iloc[0]
    assert f'href="{top["url"]}"' in page and f'href="{top["pmc_url"]}"' in page
    assert page.count('<img loading="lazy"') == 10 and f'src="{top["image_url"]}"' in page
    assert "query: 19 of 19 genes tested" in page and "universe: 1,523 genes" in page
    assert "fdr_bh" in page and "dropped genes: 0" in page
    assert page.count('<tr class="row"') == 10 and "showing 10 of 216 rows" in page
    assert "IRF3, IRF7" in page  # overlapping genes


def test_html_escapes_everything_and_links_only_http(res, lib):
    table = res.table
    table.loc[1, "title"] = '<script>alert("t")</script>'
    table.loc[1, "url"] = "javascript:alert(1)"
    table.loc[1, "genes"] = "A<b>;B&C"
    table.loc[2, "image_url"] = None
    table.loc[2, "pmcid"], table["filename"] = "PMC1", None
    table.loc[2, "filename"] = 'fig "1".jpg'
    evil = EnrichmentResult(table, params=res.params, mapping=res.mapping)
    for page in (evil._repr_html_(), evil.to_html(plot=False)):
        assert (
            "<script>alert" not in page
            and "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt;" in page
        )
        assert "javascript:" not in page
        assert "A&lt;b&gt;, B&amp;C" in page
        assert (
            'src="https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1/bin/fig &quot;1&quot;.jpg"' in page
        )


def test_underflowed_pvalues_are_shown_from_log10(lib):
    from pfocr_enrich.results.report.html import fmt_log10

    assert fmt_log10(-350.0) == "1.0e-350" and fmt_log10(np.log10(2.5e-320)) == "2.5e-320"
    assert fmt_log10(np.log10(0.012)) == "0.012"


def test_batch_repr_html_shows_each_query(many):
    page = many._repr_html_()
    assert page.count('<tr class="row"') == 15 and "3 queries" in page
    assert "top 5 rows of each query" in page


def test_methods_text_states_everything(res, lib):
    text = res.methods_text()
    for part in (
        "pfocr_enrich " + pe.__version__,
        "N = 1,523 genes",
        "Benjamini-Hochberg",
        "(n = 19)",
        "release: PFOCR COVID collection 2020",
        "216 gene sets",
        "at least 1 gene in the universe",
        "one-sided Fisher's exact test",
        "FDR \u2264 0.05",
        "Hanspers K, Riutta A, Summer-Kutmon M, Pico AR. Pathway information extracted from 25 years "
        "of pathway figures. Genome Biology 21, 273 (2020)",
    ):
        assert part in text, part
    bg = pe.enrich(
        IFN,
        lib,
        background=IFN + ["AKT1", "TP53", "XYZ1"],
        min_size=3,
        max_size=500,
        correction="bonferroni",
        collapse_duplicates=True,
    )
    text = bg.methods_text(alpha=None)
    assert (
        "user-supplied background of 22 identifiers" in text and "between 3 and 500 genes" in text
    )
    assert "Bonferroni" in text and "tested once" in text and "considered significant" not in text
    batch = pe.enrich_many(QUERIES, lib).methods_text()
    assert "Each of 3 gene lists" in batch and "of each list" in batch
    assert (
        "Only rows with FDR \u2264 0.01 were kept."
        in pe.enrich_many(QUERIES, lib, alpha=0.01).methods_text()
    )
    clustered = res.cluster(0.5, gene_sets=lib).methods_text()
    assert "Jaccard index (on set genes)" in clustered
    assert "restricted to fdr <= 0.01" in res.significant(0.01).methods_text()
    assert "FDR \u2264 0.05" not in res.significant(0.01).methods_text()
    assert "clusterProfiler" in pe.enrich(IFN, lib, compat="clusterprofiler").methods_text()


def test_report_is_self_contained(res, many, tmp_path):
    path = tmp_path / "report.html"
    assert res.to_html(path, top=25, plot=False) is None
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert page.count('<tr class="row"') == 25 and 'data-rows="25"' in page
    # no external scripts, style sheets or fonts: only links and lazy thumbnails point outside
    assert (
        not re.search(r"<script[^>]+src=", page) and "<link" not in page and "@import" not in page
    )
    assert re.findall(r'src="(https?://[^"]+)"', page) == re.findall(
        r'<img loading="lazy" src="(https?://[^"]+)"', page
    )
    assert "Hanspers K" in page and "Methods" in page
    assert many.to_html(top=4, plot=False).count('<tr class="row"') == 12
    assert res.to_html(top=None, plot=False, images=False).count('<tr class="row"') == 216
    assert "<img" not in res.to_html(top=5, plot=False, images=False)


# -- clustering -------------------------------------------------------------------------
def _similarity(a: frozenset, b: frozenset, metric: str) -> float:
    inter = len(a & b)
    return inter / len(a | b) if metric == "jaccard" else inter / min(len(a), len(b))


def _brute_force(sets: list[frozenset], threshold: float, metric: str) -> list[int]:
    labels = [-1] * len(sets)
    c = 0
    for i in range(len(sets)):
        if labels[i] >= 0:
            continue
        labels[i] = c
        for j in range(i + 1, len(sets)):
            if labels[j] < 0 and _similarity(sets[i], sets[j], metric) >= threshold - 1e-12:
                labels[j] = c
        c += 1
    return labels


@pytest.fixture(scope="module")
def pfocr_lib(pfocr2018):
    return pfocr2018


@pytest.fixture(scope="module")
def pfocr_sets(pfocr_lib):
    return {sid: pfocr_lib[sid] for sid in pfocr_lib.set_ids}


@pytest.fixture(scope="module")
def pfocr_res(pfocr_lib):
    # The genes of a SMAD and a WNT figure that both have exact duplicates in the 2018 sample:
    # ~400 significant sets, some identical (groups of 3), many overlapping.
    return pe.enrich(
        sorted(pfocr_lib["PMC1998874"]) + sorted(pfocr_lib["PMC1150820"])[:12], pfocr_lib
    )


@pytest.mark.parametrize(
    ("threshold", "metric"),
    [(0.5, "jaccard"), (0.3, "jaccard"), (1.0, "jaccard"), (0.5, "overlap"), (0.8, "overlap")],
)
def test_cluster_matches_a_brute_force_reference_on_real_pfocr_sets(
    pfocr_res, pfocr_lib, pfocr_sets, threshold, metric
):
    clustered = pfocr_res.cluster(threshold, metric=metric, gene_sets=pfocr_lib)
    t = clustered.table
    sig = t[t["fdr"] <= 0.05]
    assert len(sig) > 20
    order = sig.sort_values(["log10_pvalue", "set_id"], kind="stable")
    sets = [pfocr_sets[s] for s in order["set_id"]]
    expected = _brute_force(sets, threshold, metric)
    assert (order["cluster"].astype(int) - 1).tolist() == expected
    # representative: lowest p (ties by set_id) of its cluster, one per cluster
    for _, members in order.groupby("cluster"):
        assert members["is_representative"].tolist() == [True] + [False] * (len(members) - 1)
        rep = pfocr_sets[members["set_id"].iloc[0]]
        assert all(
            _similarity(rep, pfocr_sets[s], metric) >= threshold - 1e-12 for s in members["set_id"]
        )
    # non-significant rows are not clustered
    assert t.loc[~(t["fdr"] <= 0.05), "cluster"].isna().all()
    assert not t.loc[~(t["fdr"] <= 0.05), "is_representative"].any()
    assert clustered.params["cluster"]["n_clusters"] == len(set(expected))


def test_identical_sets_always_share_a_cluster(pfocr_res, pfocr_lib, pfocr_sets):
    t = pfocr_res.cluster(1.0, gene_sets=pfocr_lib).table
    sig = t[t["fdr"] <= 0.05]
    by_genes: dict[frozenset, set] = {}
    for sid, c in zip(sig["set_id"], sig["cluster"], strict=True):
        by_genes.setdefault(pfocr_sets[sid], set()).add(int(c))
    assert all(len(c) == 1 for c in by_genes.values())
    sizes = pd.Series([pfocr_sets[s] for s in sig["set_id"]]).value_counts()
    assert sizes.max() >= 3  # groups of identical figures are among the hits
    assert sig["cluster"].nunique() == len(by_genes)


def test_representatives_only_keeps_one_row_per_cluster(pfocr_res, pfocr_lib):
    clustered = pfocr_res.cluster(0.5, gene_sets=pfocr_lib)
    reps = clustered.significant(0.05, representatives_only=True)
    assert len(reps) == clustered.params["cluster"]["n_clusters"] < len(clustered.significant(0.05))
    assert reps.table["cluster"].is_unique


def test_cluster_without_set_genes_uses_the_overlap(res, lib):
    assert res.cluster(0.5).params["cluster"]["basis"] == "set genes"  # enrich passes the library
    res = EnrichmentResult(res.table, params=res.params, mapping=res.mapping)  # a result without it
    by_overlap = res.cluster(0.5)
    assert by_overlap.params["cluster"]["basis"] == "overlapping genes"
    t = by_overlap.table
    sig = t[t["fdr"] <= 0.05].sort_values(["log10_pvalue", "set_id"])
    expected = _brute_force([frozenset(g.split(";")) for g in sig["genes"]], 0.5, "jaccard")
    assert (sig["cluster"].astype(int) - 1).tolist() == expected
    held = EnrichmentResult(res.table, params=res.params, mapping=res.mapping, set_genes=lib)
    assert held.cluster(0.5).params["cluster"]["basis"] == "set genes"
    pd.testing.assert_frame_equal(held.cluster(0.5).table, res.cluster(0.5, gene_sets=lib).table)
    # derived and unpickled results keep the set genes
    again = pickle.loads(pickle.dumps(held.significant(0.05).top(30)))
    assert again.cluster(0.5).params["cluster"]["basis"] == "set genes"
    pd.testing.assert_frame_equal(
        again.cluster(0.5).table, res.significant(0.05).top(30).cluster(0.5, gene_sets=lib).table
    )


def test_set_genes_given_as_a_dict_are_copied(res, lib):
    genes = {sid: set(lib[sid]) for sid in lib.set_ids}
    held = EnrichmentResult(res.table, params=res.params, mapping=res.mapping, set_genes=genes)
    before = held.cluster(0.3).table
    for members in genes.values():
        members.clear()
    pd.testing.assert_frame_equal(held.cluster(0.3).table, before)
    assert before["cluster"].notna().any()


def test_concat_keeps_set_genes(lib):
    parts = [
        EnrichmentResult(
            pe.enrich_many({n: g}, lib).table,
            params=pe.enrich_many({n: g}, lib).params,
            mapping=pe.enrich_many({n: g}, lib).mapping,
            set_genes=lib,
        )
        for n, g in QUERIES.items()
    ]
    joined = BatchEnrichmentResult.concat(parts)
    assert joined.cluster(0.5).params["cluster"]["basis"] == "set genes"


def test_cluster_on_a_batch_is_per_query(many, lib):
    t = many.cluster(0.5, gene_sets=lib).table
    for q in many.queries:
        sub = t[(t["query"] == q) & (t["fdr"] <= 0.05)]
        assert sub["cluster"].min() == 1
        assert sub.loc[sub["is_representative"], "cluster"].is_unique
        assert sub.iloc[0]["is_representative"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"threshold": 0},
            "'threshold' parameter of EnrichmentResult.cluster must be a number in \\(0, 1\\]",
        ),
        ({"threshold": 1.5}, "'threshold'"),
        ({"metric": "cosine"}, "'metric' parameter .* one of 'jaccard', 'overlap'. Got 'cosine'"),
        ({"gene_sets": {"x": {"A"}}}, "has no genes for"),
    ],
)
def test_cluster_rejects_bad_arguments(res, kwargs, match):
    with pytest.raises(ValueError, match=match):
        res.cluster(**kwargs)


def test_leader_clusters_small_cases():
    labels, leaders = leader_clusters(
        [{"A", "B", "C", "D"}, {"A", "B"}, {"A", "B", "E"}, {"Z"}, set()], 0.5
    )
    # {A,B} vs {A,B,C,D}: 2/4 = 0.5 joins; {A,B,E}: 2/5 < 0.5 starts its own; empty sets stay alone
    assert labels.tolist() == [0, 0, 1, 2, 3] and leaders.tolist() == [0, 2, 3, 4]
    labels, _ = leader_clusters(
        [{"A", "B", "C", "D"}, {"A", "B"}, {"B", "C", "D"}, {"A", "B", "E"}], 1.0, metric="overlap"
    )
    assert labels.tolist() == [0, 0, 0, 1]  # subsets join; {A,B,E} is not inside {A,B,C,D}
    # no chaining: b is close to a and c, but c is not close enough to a
    labels, _ = leader_clusters([{"1", "2", "3"}, {"2", "3", "4"}, {"3", "4", "5"}], 0.5)
    assert labels.tolist() == [0, 0, 1]


def test_importing_the_package_loads_no_plotting_or_progress_libraries():
    code = (
        "import sys, pfocr_enrich as pe, pfocr_enrich.cli; r = pe.enrich(['IRF3', 'MAVS'], pe.sample_library()); "
        "r._repr_html_(); r.to_html(plot=False); r.cluster(); r.methods_text(); "
        "bad = [m for m in ('matplotlib', 'tqdm', 'openpyxl') if m in sys.modules]; print(bad)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_results_are_deterministic(lib):
    a = pe.enrich(IFN, lib).cluster(0.4, gene_sets=lib)
    b = pe.enrich(list(reversed(IFN)), lib).cluster(0.4, gene_sets=lib)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.to_html(plot=False) == copy.deepcopy(a).to_html(plot=False)
    assert a.table["cluster"].iloc[0] == 1 and a.table["is_representative"].iloc[0]


def test_large_batches_show_a_glimpse(lib):
    queries = {
        f"q{i:02d}": ["IRF3", "MAVS", "TBK1", "RELA", "NFKB1"][: 2 + i % 4] for i in range(25)
    }
    big = pe.enrich_many(queries, lib)
    page = big._repr_html_()
    assert page.count('<tr class="row"') == 10 * 5 and "the first 10 of 25 queries" in page
    text = repr(big)
    assert "q09" in text and "q10" not in text
