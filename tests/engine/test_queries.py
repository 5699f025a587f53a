"""enrich_many's query inputs on hostile input (issue 17), in memory and streamed (out=).

Each case gives the library's own error (a GMTFormatError with file and line, or the
'queries' parameter named) the same way whether the queries are read at once or
streamed chunk by chunk. GMT cases are the files of tests/data/gmt; Parquet files are
written here (pyarrow).
"""

from __future__ import annotations

import gzip
import re

import pytest

import pfocr_enrich as pe
from conftest import DATA
from pfocr_enrich.errors import GMTFormatError

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytestmark = pytest.mark.filterwarnings("ignore::pfocr_enrich.GeneMappingWarning")

GMT = DATA / "gmt"
GENES = ["IRF3", "MAVS", "TBK1", "IFNB1", "STAT1"]


@pytest.fixture(scope="module")
def lib():
    return pe.sample_library()


def both_ways(queries, lib, tmp_path):
    """The error of the in-memory run, then of the streamed one (out=); they must agree."""
    errors = []
    for out in (None, tmp_path / "out"):
        source = queries() if callable(queries) else queries
        with pytest.raises(Exception) as info:
            pe.enrich_many(source, lib, out=out)
        errors.append(info.value)
    assert type(errors[0]) is type(errors[1]), errors
    return errors


# -- GMT ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "line", "match"),
    [
        ("latin1.gmt", 2, "not UTF-8 text"),
        ("nul_in_gene.gmt", 1, "control character"),
        ("duplicate_ids.gmt", 3, "set 's1' was already defined on line 1"),
        ("too_few_fields.gmt", 2, ""),
        ("corrupted.gmt.gz", None, "cannot read the file"),
        ("empty.gmt", None, "no gene sets found"),
    ],
)
def test_broken_gmt_queries_name_the_file_and_line(name, line, match, lib, tmp_path):
    for error in both_ways(GMT / name, lib, tmp_path):
        assert isinstance(error, GMTFormatError) and match in str(error)
        assert error.path == str(GMT / name)
        if line is not None:
            assert error.line == line


def test_a_bom_is_not_part_of_the_first_query_name(lib, tmp_path):
    written = pe.enrich_many(GMT / "bom.gmt", lib, out=tmp_path / "o", min_size=1)
    names = pq.read_table(written.path).column("query").to_pylist()
    assert "s1" in names and not any(n.startswith("\ufeff") for n in names)


def test_a_truncated_gz_is_a_gmt_error(lib, tmp_path):
    path = tmp_path / "q.gmt.gz"
    path.write_bytes(
        gzip.compress(b"".join(f"q{i}\td\tIRF3\tMAVS\n".encode() for i in range(50)))[:-12]
    )
    with pytest.raises(GMTFormatError, match="cannot read the file"):
        pe.enrich_many(path, lib, out=tmp_path / "o")


# -- iterators and mappings ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pairs", "error", "match"),
    [
        ([(None, GENES)], ValueError, "a query name for every query. Got the name None"),
        ([(float("nan"), GENES)], ValueError, "a query name for every query"),
        ([(object(), GENES)], TypeError, r"queries named by text or numbers. .*\(type object\)"),
        ([(True, GENES)], TypeError, "queries named by text or numbers"),
        ([("a", [*GENES, object()])], TypeError, r"'queries\['a'\]' .* at position 5"),
        ([("a", [*GENES, b"TP53"])], TypeError, r"'queries\['a'\]' .* \(type bytes\)"),
        ([("a", [["IRF3"], *GENES])], TypeError, r"'queries\['a'\]' .* \(type list\)"),
        ([(1, GENES), ("1", GENES)], ValueError, "'1' twice"),
    ],
)
def test_hostile_iterators(pairs, error, match, lib, tmp_path):
    for found in both_ways(lambda: iter(pairs), lib, tmp_path):
        assert isinstance(found, error) and found.args
        assert "parameter of enrich_many must be" in str(found)
    with pytest.raises(error, match=match):
        pe.enrich_many(dict(pairs) if len(pairs) == 1 else iter(pairs), lib)


# -- Parquet ------------------------------------------------------------------------------------
def parquet(tmp_path, **columns):
    path = tmp_path / "queries.parquet"
    pq.write_table(pa.table(columns), path)
    return path


@pytest.mark.parametrize(
    ("columns", "match"),
    [
        ({"q": ["a"], "g": ["IRF3"]}, r"columns 'query' and 'gene'. Got \['q', 'g'\]"),
        ({"query": ["a"], "gene": [["IRF3", "MAVS"]]}, "'gene' column holds text or numbers"),
        ({"query": ["a"], "gene": pa.array([b"IRF3"], pa.binary())}, "'gene' column holds"),
        ({"query": [{"x": 1}], "gene": ["IRF3"]}, "'query' column holds text or numbers"),
        ({"query": ["a", None], "gene": ["IRF3", "MAVS"]}, "a query name in every row"),
        ({"query": ["a", "b", "a"], "gene": GENES[:3]}, "rows of one query are contiguous"),
    ],
)
def test_hostile_parquet_datasets(columns, match, lib, tmp_path):
    path = parquet(tmp_path, **columns)
    for error in both_ways(path, lib, tmp_path):
        assert isinstance(error, ValueError)
        assert error.args[0].startswith("The 'queries' parameter of enrich_many must be ")
        assert re.search(match, str(error)), str(error)


def test_damaged_parquet_files_name_the_file(lib, tmp_path):
    path = parquet(tmp_path, query=["a"] * 3, gene=GENES[:3])
    raw = path.read_bytes()
    path.write_bytes(raw[:40] + bytes(20) + raw[60:])
    not_parquet = tmp_path / "notes.parquet"
    not_parquet.write_text("hello")
    for bad in (path, not_parquet):
        for error in both_ways(bad, lib, tmp_path / bad.stem):
            assert isinstance(error, ValueError)
            assert "must be a readable Parquet dataset" in str(error) and str(bad) in str(error)


def test_integer_and_float_genes_in_parquet_are_entrez_ids(lib, tmp_path):
    # pandas writes an Entrez column with a missing value as float64
    entrez = [3661.0, 57506.0, None, 29110.0]
    path = parquet(tmp_path, query=["a"] * 4, gene=pa.array(entrez, pa.float64()))
    res = pe.enrich_many(path, lib)
    assert res.mapping["input"].tolist() == ["3661", "57506", "29110"]


def test_a_bad_query_part_way_leaves_out_empty_for_the_rerun(lib, tmp_path):
    # issue 17: the temporary part stayed in out, and the rerun was refused ("exists")
    path = tmp_path / "q.gmt"
    good = "".join(f"q{i}\td\tIRF3\tMAVS\n" for i in range(5))
    path.write_text(good + "bad\tonly\n")
    out = tmp_path / "out"
    with pytest.raises(GMTFormatError, match="line 6"):
        pe.enrich_many(path, lib, out=out, chunk_size=2)
    assert list(out.iterdir()) == []
    path.write_text(good)
    assert pe.enrich_many(path, lib, out=out, chunk_size=2).queries == 5
