"""Shared by tests/engine/test_stream.py and test_distributed.py: seeded queries and the
single-process reference each streamed or distributed run must equal exactly."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

import pfocr_enrich as pe
from pfocr_enrich.engine.stream import COMPACT_COLUMNS


def make_queries(library, n: int = 30, seed: int = 16) -> dict[str, list[str]]:
    """Half planted (part of one set plus random genes), half random; sizes 5-60."""
    rng = np.random.default_rng(seed)
    genes = np.array(sorted({g for members in library.to_dict().values() for g in members}))
    sets = list(library.to_dict().values())
    queries = {}
    for i in range(n):
        size = int(rng.integers(5, 61))
        picked = list(rng.choice(genes, size=size, replace=False))
        if i % 2:
            members = sets[int(rng.integers(len(sets)))]
            picked = list(members[: max(2, len(members) // 2)]) + picked[: size // 2]
        queries[f"q{i:02d}"] = picked
    return queries


def reference(queries, library, **kwargs) -> pd.DataFrame:
    """The in-memory ``enrich_many`` table in the compact columns of a streamed run."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pe.GeneMappingWarning)
        table = pe.enrich_many(queries, library, **kwargs).table
    return compact(table.reset_index())


def compact(frame: pd.DataFrame) -> pd.DataFrame:
    """Compact columns with plain dtypes (query and set id as text), in stored order."""
    frame = frame[list(COMPACT_COLUMNS)].copy()
    for col in ("query", "set_id"):
        frame[col] = frame[col].astype(str).astype(object)
    return frame.astype(COMPACT_COLUMNS).reset_index(drop=True)


def read_dataset(path: Path) -> pd.DataFrame:
    return compact(pd.read_parquet(path))


def write_gmt(queries: dict[str, list[str]], path: Path) -> Path:
    path.write_text(
        "".join(
            f"{name}\tquery {name}\t" + "\t".join(genes) + "\n" for name, genes in queries.items()
        )
    )
    return path


def long_table(queries: dict[str, list[str]]) -> pd.DataFrame:
    rows = [(name, gene) for name, genes in queries.items() for gene in genes]
    return pd.DataFrame(rows, columns=["query", "gene"])
