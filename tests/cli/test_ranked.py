"""``pfocr-enrich --ranked``: GSEA and mHG on the command line give the Python API's numbers.

Data: fgsea's example (tests/data/ranked: 12,000 mouse genes ranked by a t statistic, mouse
Reactome) with a narrow size window and a coarse eps so that each run takes a second or two,
and a human ranking of the embedded PFOCR sample (its interferon genes on top).
"""

from __future__ import annotations

import io
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import DATA, IFN, ROUND_TRIP
from pfocr_enrich.cli import main

RANKED = DATA / "ranked"
RNK = RANKED / "naive.vs.th1.rnk"
GMT = RANKED / "mouse.reactome.gmt"
FAST = {"min_size": 100, "max_size": 200, "eps": 1e-3}  # 38 sets; seconds, not minutes
FAST_FLAGS = ["--min-size", "100", "--max-size", "200", "--eps", "1e-3"]


@pytest.fixture(scope="module")
def gsea_api(reactome):
    return pe.gsea(RNK, reactome, **FAST)


@pytest.fixture(scope="module")
def human_rnk(tmp_path_factory):
    """Every gene of the embedded sample, the interferon genes first (seeded scores)."""
    top = [g for g in IFN if g != "DDX58"]  # the library spells it RIGI
    rest = [g for g in sorted(pe.sample_library().genes) if g not in top]
    scores = np.random.default_rng(7).normal(size=len(rest))
    ranking = pd.concat(
        [pd.Series(np.linspace(6, 4, len(top)), index=top), pd.Series(scores, index=rest)]
    )
    path = tmp_path_factory.mktemp("ranked") / "ifn.rnk"
    ranking.rename_axis("gene").rename("score").to_csv(path, sep="\t")
    return path


def _read(path):
    return pd.read_csv(path, sep="\t", keep_default_na=False, na_values=[""], **ROUND_TRIP)


def _same_table(written: pd.DataFrame, expected: pd.DataFrame) -> None:
    expected = expected.reset_index()
    assert written["set_id"].tolist() == expected["set_id"].tolist()
    assert written["rank"].tolist() == expected["rank"].tolist()
    for col in ("size", "es", "nes", "pvalue", "log2err", "fdr"):
        if col in expected:
            np.testing.assert_array_equal(
                written[col].to_numpy(float), expected[col].to_numpy(float)
            )
    for col in ("leading_edge", "genes"):
        if col in expected:
            assert written[col].fillna("").astype(str).tolist() == expected[col].tolist()


def test_gsea_table_and_mapping_equal_the_api(gsea_api, tmp_path, capsys):
    out = tmp_path / "gsea.tsv"
    assert main(["--ranked", str(RNK), "--library", str(GMT), *FAST_FLAGS, "-o", str(out)]) == 0
    _same_table(_read(out), gsea_api.table)
    mapping = _read(tmp_path / "gsea.mapping.tsv")
    assert mapping.columns.tolist() == ["input", "status", "mapped_to", "note", "score", "rank"]
    assert len(mapping) == 12_000 and mapping["rank"].min() == 1 and mapping["rank"].max() == 12_000
    assert mapping.loc[mapping["score"].idxmax(), "rank"] == 1
    err = capsys.readouterr().err
    assert f"wrote {len(gsea_api)} rows to {out}" in err


def test_gsea_flags_reach_the_api(reactome, tmp_path):
    out = tmp_path / "gsea.json"
    flags = ["--weight", "0", "--seed", "3", "--n-perm", "200", "--sample-size", "51"]
    assert (
        main(["--ranked", str(RNK), "--library", str(GMT), *FAST_FLAGS, *flags, "-o", str(out)])
        == 0
    )
    doc = json.loads(out.read_text())
    for key, value in {
        "weight": 0.0,
        "seed": 3,
        "n_perm": 200,
        "sample_size": 51,
        "eps": 1e-3,
    }.items():
        assert doc["params"][key] == value, key
    api = pe.gsea(RNK, reactome, weight=0, seed=3, n_perm=200, sample_size=51, **FAST)
    written = pd.DataFrame(doc["results"])
    assert written["set_id"].tolist() == api.table["set_id"].tolist()
    np.testing.assert_array_equal(written["nes"].to_numpy(float), api.table["nes"].to_numpy())
    np.testing.assert_array_equal(written["pvalue"].to_numpy(float), api.table["pvalue"].to_numpy())


def test_mhg_reads_the_rankings_order(reactome, tmp_path):
    out = tmp_path / "mhg.tsv"
    flags = ["--method", "mhg", "--min-hits", "2", "--max-cutoff", "3000", "--exact-below", "1e-2"]
    assert main(["--ranked", str(RNK), "--library", str(GMT), "--min-size", "100", "--max-size", "200", *flags, "-o", str(out)]) == 0  # fmt: skip
    api = pe.mhg(RNK, reactome, X=2, L=3000, exact_below=1e-2, min_size=100, max_size=200)
    written = _read(out)
    _same_table(written, api.table)
    for col in ("mhg", "cutoff", "hits"):
        np.testing.assert_array_equal(written[col].to_numpy(float), api.table[col].to_numpy(float))
    assert written["pvalue_exact"].tolist() == api.table["pvalue_exact"].tolist()
    assert api.params["X"] == 2 and api.params["L"] == 3000


def test_mhg_takes_a_plain_list_in_rank_order(reactome, tmp_path):
    order = pd.read_csv(RNK, sep="\t").sort_values("t", ascending=False, kind="stable")["ID"]
    listed = tmp_path / "ordered.txt"
    listed.write_text("# best first\n" + "\n".join(order.astype(str)) + "\n")
    out = tmp_path / "mhg.tsv"
    args = ["--ranked", str(listed), "--method", "mhg", "--library", str(GMT)]
    assert main([*args, "--min-size", "150", "--max-size", "200", "-o", str(out)]) == 0
    api = pe.mhg(order.astype(str).tolist(), reactome, min_size=150, max_size=200)
    _same_table(_read(out), api.table)
    # the same genes as a scored ranking give the same result
    assert api.table.equals(pe.mhg(RNK, reactome, min_size=150, max_size=200).table)


def test_default_library_prints_the_ranked_table(human_rnk, capsys):
    assert main(["--ranked", str(human_rnk), "--eps", "1e-10"]) == 0
    out, err = capsys.readouterr()
    api = pe.gsea(human_rnk, pe.sample_library(), eps=1e-10)
    header = out.splitlines()[0].split()
    assert header == ["set_id", "title", "size", "es", "nes", "pvalue", "fdr", "leading_edge"]
    first = out.splitlines()[2]
    assert first.split()[1] == api.table["set_id"].iloc[0]
    assert "analysis: gsea" in err and "ranking: 1,523 entries" in err
    assert f"showing 20 of {len(api)} rows" in err
    assert "GSEA: weight 1, 1,000 permutations per size, eps 1e-10, seed 0" in err


def test_filters_and_the_report(human_rnk, tmp_path, capsys):
    report = tmp_path / "gsea.html"
    assert main(["--ranked", str(human_rnk), "--eps", "1e-10", "--alpha", "0.05", "-o", str(report)]) == 0  # fmt: skip
    api = pe.gsea(human_rnk, pe.sample_library(), eps=1e-10).significant(0.05)
    page = report.read_text(encoding="utf-8")
    assert page.count('<tr class="row"') == len(api) > 0
    heads = re.findall(r"<th[^>]*>([^<]*)</th>", page.split('id="results"')[1].split("</thead>")[0])
    assert heads == ["rank", "figure", "paper", "size", "ES", "NES", "p-value", "log2err", "FDR", "leading edge"]  # fmt: skip
    assert 'alt="dot plot of the top sets"' in page
    assert f'alt="running sum of the best set, {api.table["set_id"].iloc[0]}"' in page
    assert "Subramanian et al., 2005" in page and "seed was 0" in page
    capsys.readouterr()
    assert main(["--ranked", str(human_rnk), "--method", "mhg", "--keep", "3", "--top", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:6] == ["set_id", "title", "size", "cutoff", "hits", "pvalue"]
    assert len(out) == 4  # header, index name, two rows


def test_ranking_from_standard_input(human_rnk, monkeypatch, tmp_path):
    monkeypatch.setattr("sys.stdin", io.StringIO(human_rnk.read_text()))
    out = tmp_path / "stdin.csv"
    assert main(["--ranked", "-", "--method", "mhg", "-o", str(out)]) == 0
    api = pe.mhg(human_rnk, pe.sample_library())
    written = pd.read_csv(out, **ROUND_TRIP)
    assert written["set_id"].tolist() == api.table["set_id"].tolist()


def test_duplicates_are_one_warning_line(tmp_path, capsys):
    path = tmp_path / "dup.rnk"
    rows = [f"{g}\t{10 - i}" for i, g in enumerate(IFN)] + ["irf3\t-20"]  # IRF3 twice, by case
    path.write_text("\n".join(rows) + "\n")
    assert main(["--ranked", str(path), "--method", "mhg", "--min-size", "3", "-q"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "warning: 1 of 20 ranked identifiers repeat a gene (left out) or are ambiguous (kept as "
        "non-members) (duplicate: 1): 'irf3'; --mapping FILE lists what happened to each gene"
    ]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--background", "100"], "--background is for gene lists; it does not apply to --ranked"),
        (["--compat", "gseapy"], "--compat is for gene lists"),
        (["--min-hits", "2"], "--min-hits is for --method mhg, not gsea"),
        (["--method", "mhg", "--eps", "1e-3"], "--eps is for --method gsea, not mhg"),
        (["--weight", "-1"], "--weight must be a number >= 0. Got -1.0 instead."),
        (
            ["--method", "mhg", "--min-hits", "-1"],
            "--min-hits must be an int >= 0. Got -1 instead.",
        ),
        (
            ["--method", "mhg", "--max-cutoff", "0"],
            "--max-cutoff must be an int >= 1. Got 0 instead.",
        ),
        (
            ["--min-size", "400"],
            "no set has between 400 and 500 members among the 1,523 ranked genes",
        ),
        (["-o", "hits.parquet"], "a .parquet output is for --queries screens"),
        (["genes.txt"], "give gene list files or --ranked FILE, not both"),
    ],
)
def test_errors_are_one_line_and_exit_2(human_rnk, extra, message, capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing else is said
        assert main(["--ranked", str(human_rnk), *extra]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1
    assert err.startswith("pfocr-enrich: error: ") and message in err, err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("A\nB\n", "gsea needs a score per gene (gene<TAB>score per line)"),
        ("gene\tscore\nG1\t1.5\nG2\tx\n", "r.rnk, line 3: the score 'x' is not a number"),
        ("# only a comment\n", "holds no gene"),
        (None, "No such file or directory"),
    ],
)
def test_bad_ranking_files(tmp_path, content, message, capsys):
    path = tmp_path / "r.rnk"
    if content is not None:
        path.write_text(content)
    assert main(["--ranked", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err, err


def test_ranked_flags_need_a_ranking(tmp_path, capsys):
    genes = tmp_path / "g.txt"
    genes.write_text("IRF3\nMAVS\n")
    assert main([str(genes), "--seed", "1"]) == 2
    assert "--seed is for ranked lists: give --ranked FILE" in capsys.readouterr().err
    assert main([str(genes), "--method", "mhg"]) == 2
    assert "--method is for ranked lists" in capsys.readouterr().err
