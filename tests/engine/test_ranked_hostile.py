"""pe.gsea and pe.mhg on hostile input (issue 17): each case gives the library's own error
naming the file and line or the parameter, or a GeneMappingWarning that counts what left.

The .rnk files are in tests/data/ranked/hostile (README.md there lists them).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import pfocr_enrich as pe
from conftest import DATA
from pfocr_enrich.engine import read_ranking
from pfocr_enrich.errors import EmptyQueryError, GeneMappingWarning, RankingFormatError

HOSTILE = DATA / "ranked" / "hostile"
GENES = ["TP53", "MDM2", "AKT1", "IRF3", "MAVS", "TBK1"]
SCORES = [3.5, 2.5, 1.5, 0.5, -0.5, -1.5]


def toy_library() -> pe.GeneSetLibrary:
    return pe.GeneSetLibrary.from_dict(
        {"up": [f"toy{i}" for i in (0, 1, 2, 4)], "down": [f"toy{i}" for i in (15, 17, 18, 19)]}
    )


def toy_ranking() -> pd.Series:
    return pd.Series({f"toy{i}": 20.0 - i for i in range(20)})


FAST = {"min_size": 2, "n_perm": 20}


# -- .rnk files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "header.rnk",
        "bom.rnk",
        "comments_and_blank_lines.rnk",
        "crlf.rnk",
        "trailing_tabs.rnk",
        "quoted.rnk",
    ],
)
def test_awkward_but_valid_rnk_files_read_the_six_genes(name):
    names, scores = read_ranking(HOSTILE / name)
    assert names == GENES
    assert scores.tolist() == SCORES


@pytest.mark.parametrize(
    ("name", "line", "match"),
    [
        ("second_header.rnk", 2, "the score 'SCORE' is not a number"),
        ("extra_columns.rnk", 5, "expected 'gene<TAB>score', got 4 field"),
        ("missing_score.rnk", 5, "expected 'gene<TAB>score', got 1 field"),
        ("comma_separated.rnk", 1, "expected 'gene<TAB>score', got 1 field"),
        ("non_numeric_score.rnk", 5, "the score 'up' is not a number"),
        ("nan_score.rnk", 5, "the score 'nan' is not a finite number"),
        ("inf_score.rnk", 5, "the score '-inf' is not a finite number"),
        ("overflowing_score.rnk", 5, "the score '1e400' is not a finite number"),
        ("empty_gene.rnk", 5, "the gene field is empty"),
        ("control_character.rnk", 5, "holds a control character"),
        ("latin1.rnk", 5, "not UTF-8 text"),
    ],
)
def test_broken_rnk_files_name_the_file_and_line(name, line, match):
    for call in (pe.gsea, pe.mhg):
        with pytest.raises(RankingFormatError, match=match) as info:
            call(HOSTILE / name, toy_library())
        assert info.value.path == str(HOSTILE / name) and info.value.line == line
        assert f"{name}, line {line}: " in str(info.value)
        assert isinstance(info.value, ValueError)


def test_a_ranking_file_without_genes_is_an_empty_query_naming_it():
    with pytest.raises(EmptyQueryError, match="only_header.rnk lists no gene"):
        pe.gsea(HOSTILE / "only_header.rnk", toy_library())


# -- Series, DataFrames and lists ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("ranking", "match"),
    [
        (pd.Series([1.0, 2.0]), "a Series indexed by gene identifiers .* RangeIndex"),
        (
            pd.Series([1.0, 2.0], index=pd.MultiIndex.from_arrays([["a", "b"], ["c", "d"]])),
            "a Series indexed by gene identifiers .* MultiIndex",
        ),
        (pd.Series({"TP53": np.nan, "MDM2": 1.0}), r"finite scores .* \('TP53': nan\)"),
        (pd.Series({"TP53": np.inf, "MDM2": 1.0}), r"finite scores .* \('TP53': inf\)"),
        (pd.Series({"TP53": None, "MDM2": 1.0}), "finite scores"),
        (pd.Series({"TP53": "up", "MDM2": 1.0}), "real numbers as scores. Got 'up' for 'TP53'"),
        (pd.Series({"TP53": True, "MDM2": False}), r"real numbers as scores.*dtype bool"),
        (pd.Series({"TP53": 1 + 1j, "MDM2": 1.0}), r"real numbers as scores.*complex"),
        (pd.DataFrame({"g": GENES, "s": SCORES, "x": SCORES}), "a DataFrame with two columns"),
    ],
)
@pytest.mark.parametrize("func", ["gsea", "mhg"])
def test_bad_rankings_name_the_parameter(func, ranking, match):
    param = "ranking" if func == "gsea" else "ranked_genes"
    with pytest.raises(ValueError, match=f"^The '{param}' parameter of {func} must be {match}"):
        getattr(pe, func)(ranking, toy_library())


@pytest.mark.parametrize(
    "items", [[object(), "toy0"], [["toy0"], "toy1"], [b"toy0", "toy1"], [True, "toy1"]]
)
def test_a_ranked_list_of_non_identifiers_is_a_type_error(items):
    with pytest.raises(TypeError, match=r"'ranked_genes' parameter of mhg .* at position 0"):
        pe.mhg(items, toy_library())


def test_entries_without_an_identifier_leave_with_a_warning_that_counts_them():
    ranking = toy_ranking()
    ranking.index = [None, "", *ranking.index[2:]]
    with pytest.warns(GeneMappingWarning, match="2 of 20 ranked entries have no identifier"):
        res = pe.gsea(ranking, toy_library(), **FAST)
    assert len(res.mapping) == 18
    listed = [None, float("nan"), "NA", *(f"toy{i}" for i in range(20))]
    with pytest.warns(GeneMappingWarning, match="3 of 23 ranked entries have no identifier"):
        pe.mhg(iter(listed), toy_library())


def test_degenerate_rankings():
    lib = toy_library()
    with pytest.raises(EmptyQueryError, match="the ranking has no identifiers"):
        pe.gsea(pd.Series([], dtype=float), lib)
    with pytest.raises(EmptyQueryError, match="the ranked list has no identifiers"):
        pe.mhg([], lib)
    with pytest.raises(EmptyQueryError, match=r"among the 1 ranked genes"):
        pe.gsea(pd.Series({"toy0": 1.0}), lib, min_size=1)
    assert len(pe.mhg(["toy0"], lib).table) == 1  # one gene, one set: a valid (dull) test
    unmapped = pd.Series({f"NOT_A_GENE_{i}": float(i) for i in range(30)})
    for call in (pe.gsea, pe.mhg):
        with pytest.raises(EmptyQueryError, match="0 of them are library genes|listed members"):
            call(unmapped, lib)
    flat = pd.Series(1.0, index=toy_ranking().index)  # all scores equal: ties keep input order
    assert len(pe.gsea(flat, lib, **FAST).table) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # duplicates warn; nothing else does here
        with pytest.warns(GeneMappingWarning, match="repeat a gene"):
            pe.mhg([*toy_ranking().index, "toy0"], lib)


# -- options ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(weight=float("nan")), ValueError, "'weight' parameter of gsea must be a number >= 0"),
        (dict(weight=float("inf")), ValueError, "'weight' parameter of gsea must be a finite"),
        (dict(weight=400, min_size=2), ValueError, r"\|score\| \*\* weight stays finite .*20"),
        (dict(eps=1.5), ValueError, r"'eps' parameter of gsea must be a number in \[0, 1\)"),
        (dict(eps=-0.1), ValueError, "'eps' parameter of gsea"),
        (dict(seed=1.5), TypeError, "'seed' parameter of gsea must be an int >= 0"),
        (dict(seed="1"), TypeError, "'seed' parameter of gsea"),
        (dict(n_perm=2**40), ValueError, r"'n_perm' parameter of gsea must be an int in \[10, "),
        (dict(sample_size=2**40), ValueError, "'sample_size' parameter of gsea"),
        (dict(min_size=5, max_size=3), ValueError, r"'max_size' .* >= min_size \(5\)"),
        (dict(resolve_aliases="no"), TypeError, "'resolve_aliases' parameter of gsea"),
        (dict(mapper="hgnc"), TypeError, "'mapper' parameter of gsea must be a GeneMapper"),
    ],
)
def test_gsea_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        pe.gsea(toy_ranking(), toy_library(), **kwargs)


def test_eps_zero_means_no_bound():
    res = pe.gsea(toy_ranking(), toy_library(), eps=0, **FAST)
    assert res.params["eps"] == 0.0
    assert (res.table["pvalue"] > 0).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(L=0), ValueError, "'L' parameter of mhg must be an int >= 1 or None"),
        (dict(X=-1), ValueError, "'X' parameter of mhg must be an int >= 0"),
        (dict(X=1.5), TypeError, "'X' parameter of mhg"),
        (dict(exact_below=0), ValueError, "'exact_below' parameter of mhg must be a number > 0"),
        (dict(exact_below=float("nan")), ValueError, "'exact_below' parameter of mhg"),
        (dict(exact_below="1e-3"), TypeError, "'exact_below' parameter of mhg"),
        (dict(min_size=3, max_size=2), ValueError, r"'max_size' .* >= min_size \(3\)"),
    ],
)
def test_mhg_options(kwargs, error, match):
    with pytest.raises(error, match=match):
        pe.mhg(list(toy_ranking().index), toy_library(), **kwargs)


def test_mhg_x_above_the_set_size_and_l_above_n_are_valid():
    genes, lib = list(toy_ranking().index), toy_library()
    above = pe.mhg(genes, lib, X=5).table  # X > K = 4: no cutoff counts, every p-value is 1
    assert (above["pvalue"] == 1).all()
    whole = pe.mhg(genes, lib).table
    pd.testing.assert_frame_equal(pe.mhg(genes, lib, L=10**6).table, whole)
