"""The plain reader of packaged tables gives the cells pandas gives."""

from __future__ import annotations

import pytest

from pfocr_enrich._util.resources import read_packaged_columns, read_packaged_tsv

IDENTIFIER_TABLES = (
    "ncbi_genes.tsv.gz",
    "ncbi_aliases.tsv.gz",
    "hgnc_lexicon.tsv.gz",
    "ncbi_mouse_genes.tsv.gz",
    "hcop_mouse.tsv.gz",
    "hcop_fly.tsv.gz",
    "hcop_zebrafish.tsv.gz",
)


@pytest.mark.parametrize("name", IDENTIFIER_TABLES)
def test_read_packaged_columns_matches_pandas(name):
    columns = read_packaged_columns(name)
    frame = read_packaged_tsv(name)
    assert list(columns) == frame.columns.tolist()
    for col, cells in columns.items():
        assert cells == frame[col].tolist(), col
