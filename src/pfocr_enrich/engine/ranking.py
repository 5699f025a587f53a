"""Reading a ranking (Series, two-column DataFrame, ``.rnk`` file) and mapping its identifiers
to a library's genes, for :mod:`pfocr_enrich.engine.ranked` (rules in its docstring and docs/ranked.md)."""

from __future__ import annotations

import logging
import os
import warnings

import numpy as np
import pandas as pd

from .._util.validation import param_error
from ..errors import EmptyQueryError, GeneMappingWarning
from ..identifiers import KEPT_STATUSES, GeneMapper, MappedGene, resolve_query
from ..library import GeneSetLibrary

logger = logging.getLogger(__name__)

__all__ = ["map_ranking", "read_ranking", "ranked_name"]


def read_ranking(
    ranking: object, *, func: str = "gsea", param: str = "ranking"
) -> tuple[list[str], np.ndarray]:
    """Identifiers and scores of a ranking: a Series, a two-column DataFrame or a ``.rnk`` path.

    Examples
    --------
    >>> read_ranking(pd.Series({"TP53": 2.5, "MDM2": -1.0}))
    (['TP53', 'MDM2'], array([ 2.5, -1. ]))
    """
    if isinstance(ranking, (str, os.PathLike)):
        ranking = _read_rnk(ranking)
    if isinstance(ranking, pd.DataFrame):
        if ranking.shape[1] != 2:
            raise param_error(
                func, param, "a DataFrame with two columns (gene, score)", ranking.shape
            )
        ranking = pd.Series(ranking.iloc[:, 1].to_numpy(), index=ranking.iloc[:, 0].to_numpy())
    if not isinstance(ranking, pd.Series):
        expected = "a pandas Series (gene -> score), a two-column DataFrame or a .rnk path"
        raise param_error(func, param, expected, ranking, error=TypeError)
    try:
        scores = np.asarray(ranking.to_numpy(), dtype=np.float64)
    except (TypeError, ValueError):
        raise param_error(func, param, "numeric scores", ranking.dtype) from None
    if not np.isfinite(scores).all():
        bad = ranking.index[~np.isfinite(scores)][:3].tolist()
        raise param_error(func, param, "finite scores (no NaN or inf)", f"non-finite at {bad}")
    names = [ranked_name(x) for x in ranking.index]
    keep = [i for i, x in enumerate(names) if x]
    if not keep:
        raise EmptyQueryError(f"{func}: the ranking has no identifiers.")
    return [names[i] for i in keep], scores[keep]


def ranked_name(item: object) -> str:
    if item is None or (isinstance(item, float) and item != item):
        return ""
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    text = str(item).strip()
    return "" if text in ("", "NA", "N/A", "nan") else text


def _read_rnk(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A ``.rnk`` file: gene TAB score per line; an optional header; ``#`` comments."""
    rows: list[tuple[str, float]] = []
    with open(path, encoding="utf-8") as fh:
        for i, line in enumerate(fh, start=1):
            text = line.rstrip("\r\n")
            if not text.strip() or text.startswith("#"):
                continue
            fields = text.split("\t")
            if len(fields) < 2:
                msg = f"{path}, line {i}: expected 'gene<TAB>score', got {text[:80]!r}"
                raise ValueError(msg)
            try:
                rows.append((fields[0], float(fields[1])))
            except ValueError:
                if rows:  # only the first line may be a header
                    msg = f"{path}, line {i}: the score {fields[1]!r} is not a number"
                    raise ValueError(msg) from None
    return pd.DataFrame(rows, columns=["gene", "score"])


def map_ranking(
    names: list[str],
    library: GeneSetLibrary,
    mapper: GeneMapper,
    *,
    resolve_aliases: bool,
    priority: np.ndarray,
) -> tuple[list[MappedGene], np.ndarray, np.ndarray]:
    """Mapping rows (input order), library column of each entry (-1: none), and which entries stay.

    ``priority``: the order in which duplicates claim a gene (first wins).
    """
    gene_index = library.gene_index()
    rows: list[MappedGene | None] = [None] * len(names)
    rest = [i for i, x in enumerate(names) if x not in gene_index]
    for i, x in enumerate(names):
        if x in gene_index:
            rows[i] = MappedGene(x, "official", x, "library identifier as spelled")
    resolved = resolve_query(
        [names[i] for i in rest],
        mapper,
        library.derived.identifier_index(),
        namespace=library.namespace,
        resolve_aliases=resolve_aliases,
        keep_unlisted=True,
    )
    for i, row in zip(rest, resolved):
        if row.status == "duplicate":  # duplicates are decided below, by priority
            row = MappedGene(row.input, "official", row.mapped_to, "")
        rows[i] = row
    column = np.full(len(names), -1, dtype=np.int64)
    stays = np.ones(len(names), dtype=bool)
    owner: dict[str, int] = {}
    for i in priority:
        row = rows[i]
        if row.status in KEPT_STATUSES and row.mapped_to is not None:
            if row.mapped_to in owner:
                first = names[owner[row.mapped_to]]
                rows[i] = MappedGene(
                    row.input, "duplicate", row.mapped_to, f"same gene as {first!r}; left out"
                )
                stays[i] = False
                continue
            owner[row.mapped_to] = i
            column[i] = gene_index.get(row.mapped_to, -1)
        elif row.status not in KEPT_STATUSES:
            note = (row.note + "; " if row.note else "") + "kept in the ranking as a non-member"
            rows[i] = MappedGene(row.input, row.status, row.mapped_to, note)
    return rows, column, stays


def warn_left_out(rows: list[MappedGene], func: str) -> None:
    """Warn about entries that left the ranking; entries outside every set are only logged."""
    left = [r for r in rows if r.status == "duplicate" or r.status == "ambiguous"]
    if left:
        shown = ", ".join(repr(r.input) for r in left[:10])
        more = "" if len(left) <= 10 else f" and {len(left) - 10} more"
        msg = (
            f"{func}: {len(left)} of {len(rows)} ranked identifiers repeat a gene or are "
            f"ambiguous: {shown}{more}. See res.mapping."
        )
        warnings.warn(msg, GeneMappingWarning, stacklevel=3)
    outside = sum(r.status not in KEPT_STATUSES for r in rows)
    if outside:
        logger.info("%s: %d of %d ranked identifiers are in no set", func, outside, len(rows))
