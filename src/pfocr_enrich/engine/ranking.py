"""Reading a ranking (Series, two-column DataFrame, ``.rnk`` file) and mapping its identifiers
to a library's genes, for :mod:`pfocr_enrich.engine.ranked` (rules in its docstring and docs/ranked.md)."""

from __future__ import annotations

import logging
import math
import os
import re
import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .._util.files import decode_error_line
from .._util.validation import param_error
from ..errors import EmptyQueryError, GeneMappingWarning, RankingFormatError
from ..identifiers import KEPT_STATUSES, GeneMapper, MappedGene, resolve_query
from ..library import GeneSetLibrary

logger = logging.getLogger(__name__)

__all__ = ["map_ranking", "parse_rnk", "ranked_name", "read_ranking", "warn_blanks"]

_CONTROL = re.compile("[\x00-\x1f\x7f]")


def read_ranking(
    ranking: object, *, func: str = "gsea", param: str = "ranking"
) -> tuple[list[str], np.ndarray]:
    """Identifiers and scores of a ranking: a Series, a two-column DataFrame or a ``.rnk`` path.

    Entries without an identifier (None, NaN, ``""``, ``"NA"``) leave the ranking
    with a :class:`~pfocr_enrich.GeneMappingWarning` that counts them.

    Examples
    --------
    >>> read_ranking(pd.Series({"TP53": 2.5, "MDM2": -1.0}))
    (['TP53', 'MDM2'], array([ 2.5, -1. ]))
    """
    path = None
    if isinstance(ranking, (str, os.PathLike)):
        path = ranking
        ranking = _read_rnk(ranking)
    elif isinstance(ranking, pd.Series) and len(ranking) and _unnamed(ranking.index):
        expected = "a Series indexed by gene identifiers (one level)"
        shown = f"a Series with a {type(ranking.index).__name__}"
        raise param_error(func, param, expected, ranking, shown=shown)
    if isinstance(ranking, pd.DataFrame):
        if ranking.shape[1] != 2:
            expected = "a DataFrame with two columns (gene, score)"
            raise param_error(func, param, expected, ranking)
        ranking = pd.Series(ranking.iloc[:, 1].to_numpy(), index=ranking.iloc[:, 0].to_numpy())
    if not isinstance(ranking, pd.Series):
        expected = "a pandas Series (gene -> score), a two-column DataFrame or a .rnk path"
        raise param_error(func, param, expected, ranking, error=TypeError)
    scores = _scores(ranking, func, param)
    names = [ranked_name(x) for x in ranking.index]
    keep = [i for i, x in enumerate(names) if x]
    if not keep:
        where = "" if path is None else f" ({os.fspath(path)} lists no gene)"
        raise EmptyQueryError(f"{func}: the ranking has no identifiers{where}.")
    warn_blanks(len(names) - len(keep), len(names), func)
    return [names[i] for i in keep], scores[keep]


def _unnamed(index: pd.Index) -> bool:
    """A default index (0, 1, 2, ...: the genes were not set as the index) or a MultiIndex."""
    return isinstance(index, (pd.RangeIndex, pd.MultiIndex))


def _scores(ranking: pd.Series, func: str, param: str) -> np.ndarray:
    """The scores as float64: real numbers (not bools, complex or dates), all finite."""
    values = ranking.to_numpy()
    kind = getattr(values.dtype, "kind", "O")
    at = 0 if kind not in "iufO" else None  # bools, complex numbers, dates, ...
    if at is None:
        try:
            scores = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            at = next(i for i, v in enumerate(values) if not _is_number(v))
    if at is not None:
        shown = f"{values[at]!r} for {ranking.index[at]!r} (dtype {values.dtype})"
        raise param_error(func, param, "real numbers as scores", ranking, shown=shown)
    bad = ~np.isfinite(scores)
    if bad.any():
        first = ", ".join(f"{g!r}: {v}" for g, v in zip(ranking.index[bad][:3], scores[bad][:3]))
        shown = f"{int(bad.sum())} non-finite score(s) ({first})"
        raise param_error(func, param, "finite scores (no NaN or inf)", ranking, shown=shown)
    return scores


def _is_number(value: object) -> bool:
    try:
        float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def warn_blanks(n_blank: int, n_total: int, func: str, *, stacklevel: int = 4) -> None:
    """Warn that ``n_blank`` of ``n_total`` ranked entries had no identifier and left the ranking."""
    if n_blank:
        msg = (
            f"{func}: {n_blank} of {n_total} ranked entries have no identifier (None, NaN, "
            "'' or 'NA') and were left out of the ranking."
        )
        warnings.warn(msg, GeneMappingWarning, stacklevel=stacklevel)


def ranked_name(item: object) -> str:
    if item is None or (isinstance(item, float) and item != item):
        return ""
    if isinstance(item, float) and item.is_integer():
        item = int(item)
    text = str(item).strip()
    return "" if text in ("", "NA", "N/A", "nan") else text


def _read_rnk(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A ``.rnk`` file: gene TAB score per line; one optional header line; ``#`` comments.

    Read by :func:`parse_rnk`; a file that is not UTF-8 is a
    :class:`~pfocr_enrich.errors.RankingFormatError` naming the first bad line.
    """
    try:
        with open(path, encoding="utf-8-sig") as fh:
            return parse_rnk(fh, path)
    except UnicodeDecodeError as exc:
        line = decode_error_line(os.fspath(path), None)
        raise RankingFormatError(f"not UTF-8 text ({exc.reason})", path=path, line=line) from None


def parse_rnk(
    lines: Iterable[str], source: str | os.PathLike[str], *, sep: str = "\t"
) -> pd.DataFrame:
    """The (gene, score) rows of a ranking's lines: ``gene<sep>score`` per line.

    Blank lines and ``#`` comments are skipped, one header line is allowed, a
    UTF-8 byte order mark and quotes around a field are removed, and empty
    fields after the score (trailing separators) are ignored. Anything else that
    is not a gene and a finite score is a
    :class:`~pfocr_enrich.errors.RankingFormatError` naming ``source`` and the line.

    Examples
    --------
    >>> parse_rnk(["# t statistics", "gene,t", "TP53,2.5", "MDM2,-1"], "x.csv", sep=",").values.tolist()
    [['TP53', 2.5], ['MDM2', -1.0]]
    """
    rows: list[tuple[str, float]] = []
    header = False
    shown = "gene<TAB>score" if sep == "\t" else f"gene{sep}score"
    for line_no, line in enumerate(lines, start=1):
        text = line.rstrip("\r\n")
        if line_no == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        fields = [f.strip() for f in text.split(sep)]
        while len(fields) > 2 and not fields[-1]:
            fields.pop()
        if len(fields) != 2:
            detail = f"expected '{shown}', got {len(fields)} field(s): {text[:80]!r}"
            raise RankingFormatError(detail, path=source, line=line_no)
        gene, score = (_unquote(f) for f in fields)
        try:
            value = float(score)
        except ValueError:
            if not rows and not header:  # the first line may be a header
                header = True
                logger.info("%s: line %d read as a header: %r", source, line_no, text[:80])
                continue
            detail = f"the score {score!r} is not a number"
            raise RankingFormatError(detail, path=source, line=line_no) from None
        problem = _line_problem(gene, value, score)
        if problem:
            raise RankingFormatError(problem, path=source, line=line_no)
        rows.append((gene, value))
    return pd.DataFrame(rows, columns=["gene", "score"])


def _unquote(field: str) -> str:
    if len(field) >= 2 and field[0] == field[-1] and field[0] in "\"'":
        return field[1:-1].strip()
    return field


def _line_problem(gene: str, value: float, score: str) -> str:
    if not math.isfinite(value):
        return f"the score {score!r} is not a finite number"
    if not gene:
        return "the gene field is empty"
    if _CONTROL.search(gene):
        return f"the gene {gene!r} holds a control character"
    return ""


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
        warnings.warn(msg, GeneMappingWarning, stacklevel=4)  # the caller of gsea or mhg
    outside = sum(r.status not in KEPT_STATUSES for r in rows)
    if outside:
        logger.info("%s: %d of %d ranked identifiers are in no set", func, outside, len(rows))
