"""Joining figure metadata (titles, papers, years, links) onto a library's sets by figure id.

Pure frame work on the model: :meth:`GeneSetLibrary.with_metadata` and
:func:`pfocr_enrich.join_metadata` (which also reads folders of figure pages) use it.
"""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._util.validation import param_error
from ..errors import MetadataJoinWarning

_IMAGE_SUFFIX = re.compile(r"\.(?:jpe?g|png|gif|tiff?|bmp|webp)$", re.IGNORECASE)
# Gene-derived columns of a figure library: they describe its genes, not the figure.
_GENE_COLUMNS = ("size", "gene_source", "entrez", "file", "members", "n_members")


def figure_key(value: object) -> str:
    """Match key of a figure id: stripped, without an image extension (GMT ids may carry '.jpg')."""
    return _IMAGE_SUFFIX.sub("", str(value).strip())


def _present(value: object) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and np.isnan(value):
        return False
    if isinstance(value, str) and not value.strip():
        return False
    if isinstance(value, (list, tuple)) and not value:
        return False
    return True


def _metadata_by_figure(frame: pd.DataFrame) -> pd.DataFrame:
    """Metadata indexed by figure key, gene columns dropped, first row of a repeated key kept."""
    frame = frame.drop(columns=[c for c in _GENE_COLUMNS if c in frame.columns])
    keys = pd.Index([figure_key(k) for k in frame.index], dtype=object)
    frame = frame.set_axis(keys)
    return frame.loc[~keys.duplicated()]


def _matching_rows(sets: pd.DataFrame, meta: pd.DataFrame) -> np.ndarray:
    """Row of ``meta`` for each set (-1 where none): by set id, then ``source_id``, then ``figid_alias``."""
    pos = meta.index.get_indexer([figure_key(s) for s in sets.index])
    if "source_id" in sets.columns:
        alt = meta.index.get_indexer(
            [figure_key(s) if _present(s) else "" for s in sets["source_id"]]
        )
        pos = np.where(pos >= 0, pos, alt)
    if "figid_alias" in meta.columns:
        aliases = pd.Index(
            [figure_key(a) if _present(a) else f"\0{i}" for i, a in enumerate(meta["figid_alias"])]
        )
        alt = (
            aliases.get_indexer([figure_key(s) for s in sets.index])
            if aliases.is_unique
            else np.full(len(sets), -1)
        )
        pos = np.where(pos >= 0, pos, alt)
    return pos


def metadata_by_figid(metadata: object) -> tuple[pd.DataFrame, str]:
    """The frame :meth:`GeneSetLibrary.with_metadata` joins (indexed by figid) and its label."""
    if isinstance(metadata, pd.DataFrame):
        frame = metadata.set_index("figid") if "figid" in metadata.columns else metadata
        return frame, "a DataFrame"
    if isinstance(metadata, (str, os.PathLike)):
        msg = (
            "The 'metadata' parameter of GeneSetLibrary.with_metadata must be a GeneSetLibrary or a "
            f"DataFrame. Got the path {os.fspath(metadata)!r} instead: for a folder of figure pages use "
            "pfocr_enrich.join_metadata(lib, folder), which reads it with load_snapshot."
        )
        raise TypeError(msg)
    raise param_error(
        "GeneSetLibrary.with_metadata",
        "metadata",
        "a GeneSetLibrary or a DataFrame indexed by figid",
        metadata,
        error=TypeError,
    )


def join_frame(
    sets: pd.DataFrame,
    metadata: pd.DataFrame,
    label: str,
    info: Mapping[str, Any],
    *,
    func: str = "join_metadata",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``sets`` (without ``size``) with the matching figures' values, and the new provenance.

    ``metadata`` is indexed by figure id (a library's ``sets``, or a frame whose
    ``figid`` column the caller made its index).

    Where a figure matches, its values replace the set's (empty values never
    replace anything); new columns are added. Raises ValueError when nothing
    matches and warns (:class:`MetadataJoinWarning`) about sets left unmatched.
    """
    sets = sets.copy()
    meta = _metadata_by_figure(metadata)
    pos = _matching_rows(sets, meta)
    matched = pos >= 0
    n_matched = int(matched.sum())
    if n_matched == 0:
        msg = (
            f"{func}: no set of the library matches a figure of {label}; set ids look like "
            f"{list(sets.index[:3])}, figure ids like {list(meta.index[:3])}"
        )
        raise ValueError(msg)
    rows = np.flatnonzero(matched)
    for col in meta.columns:
        values = meta[col].to_numpy(dtype=object)[pos[rows]]
        if col in sets.columns:
            merged = sets[col].astype(object).to_numpy(copy=True)
            keep = np.fromiter((_present(v) for v in values), dtype=bool, count=len(values))
            merged[rows[keep]] = values[keep]
        else:
            merged = np.full(len(sets), None, dtype=object)
            merged[rows] = values
        column = pd.Series(merged, index=sets.index, dtype=object)
        if str(meta[col].dtype) in ("Int64", "int64", "int32") and (
            col not in sets.columns or str(sets[col].dtype) == "Int64"
        ):
            column = pd.array([None if not _present(v) else int(v) for v in merged], dtype="Int64")
        sets[col] = column
    unmatched = sets.index[~matched]
    new_info = dict(info) | {
        "metadata": {
            "source": label,
            "n_sets": len(sets),
            "n_matched": n_matched,
            "n_unmatched": len(unmatched),
        }
    }
    if len(unmatched):
        shown = ", ".join(repr(s) for s in unmatched[:5]) + (", ..." if len(unmatched) > 5 else "")
        warnings.warn(
            f"{len(unmatched)} of {len(sets)} sets have no figure metadata in {label}: {shown}; "
            "see lib.info['metadata']",
            MetadataJoinWarning,
            stacklevel=3,
        )
    return sets, new_info
