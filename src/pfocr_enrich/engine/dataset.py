"""What ``enrich_many(..., out=...)`` returns: the written Parquet dataset, and its stored parameters."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["METADATA_KEY", "WrittenDataset", "read_params"]

METADATA_KEY = b"pfocr_enrich"  # the run parameters, as JSON, in every part file's metadata


@dataclass(frozen=True)
class WrittenDataset:
    """A Parquet dataset written by ``enrich_many(..., out=...)``.

    Read it with ``pandas.read_parquet(path)`` (query order is kept: part files are
    named in order) or ``dask.dataframe.read_parquet(path)``; ``params`` is also in
    each file's metadata under ``pfocr_enrich`` (see :func:`read_params`).
    """

    path: Path
    queries: int
    rows: int
    params: dict[str, Any] = field(repr=False)

    def __repr__(self) -> str:
        keep = self.params.get("keep") or "all rows"
        return f"WrittenDataset({str(self.path)!r}: {self.queries:,} queries, {self.rows:,} rows, keep={keep})"


def read_params(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The run parameters stored in a dataset written by ``enrich_many(..., out=...)``."""
    import pyarrow.parquet as pq

    first = sorted(Path(path).glob("part-*.parquet"))[0]
    return json.loads(pq.read_schema(first).metadata[METADATA_KEY])
