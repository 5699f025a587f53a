"""Single-cell entry points, the scverse way: what both of them share.

:func:`~pfocr_enrich.enrich_rank_genes_groups` (scanpy markers per group,
``engine/markers.py``) and :func:`~pfocr_enrich.score_cells` (per-cell ORA,
``engine/cellscores.py``) read an :class:`anndata.AnnData`; anndata is an
optional extra (``pip install "pfocr_enrich[singlecell]"``), imported only
when one of them is called. This module holds the shared pieces: the import
guard, the matrix a call reads, and the mapping of measured genes to the
library's genes (the same rules :func:`~pfocr_enrich.enrich` applies to a
background, so the universes agree).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import numpy as np

from .._util.validation import check_bool, check_type, param_error
from ..identifiers import (
    KEPT_STATUSES,
    GeneMapper,
    normalise_query,
    parse_organism,
    resolve_query,
)
from ..library import GeneSetLibrary

__all__ = [
    "check_adata",
    "check_marker_args",
    "check_ranking_fields",
    "gene_columns",
    "jsonable",
    "measured_matrix",
    "require_anndata",
]


def require_anndata(func: str) -> Any:
    """The anndata module, or an ImportError that says how to install it."""
    try:
        import anndata
    except ImportError as err:  # pragma: no cover - exercised only without the extra
        msg = f'pfocr_enrich.{func} needs anndata: pip install "pfocr_enrich[singlecell]"'
        raise ImportError(msg) from err
    return anndata


def check_adata(adata: object, library: object, func: str) -> None:
    """``adata`` is an AnnData and ``library`` a GeneSetLibrary (TypeError otherwise)."""
    anndata = require_anndata(func)
    check_type(adata, anndata.AnnData, func=func, param="adata", expected="an AnnData")
    expected = "a GeneSetLibrary (see pfocr_enrich.read_gmt, read_figures, sample_library)"
    check_type(library, GeneSetLibrary, func=func, param="library", expected=expected)


#: The options of enrich_many that enrich_rank_genes_groups passes on (background: see universe).
ENRICH_OPTIONS = (
    "background_mode",
    "min_size",
    "max_size",
    "correction",
    "fdr_over",
    "collapse_duplicates",
    "compat",
    "resolve_aliases",
    "mapper",
    "keep",
    "alpha",
)


def check_marker_args(
    key: object, groups: object, organism: object, options: dict[str, Any], func: str
) -> None:
    """``enrich_rank_genes_groups``' ``key``, ``groups``, ``organism`` and ``**enrich_options`` names."""
    check_type(key, str, func=func, param="key", expected="a key of adata.uns (a str)")
    expected = "None, a group name or a sequence of group names"
    check_type(
        groups, (str, Iterable), func=func, param="groups", expected=expected, allow_none=True
    )
    if organism is not None:
        parse_organism(organism, func=func)
    unknown = sorted(set(options) - {*ENRICH_OPTIONS, "background"})
    if unknown:
        expected = "options of enrich_many: " + ", ".join(ENRICH_OPTIONS)
        shown = ", ".join(map(repr, unknown))
        raise param_error(func, "enrich_options", expected, None, error=TypeError, shown=shown)


def check_ranking_fields(ranking: Any, key: str, pval_cutoff: object, func: str) -> None:
    """A rank_genes_groups entry holds what the cut-offs read (logreg stores neither)."""
    if ranking["params"].get("method") == "logreg":
        return
    needed = ["logfoldchanges"] + (["pvals_adj"] if pval_cutoff is not None else [])
    missing = [field for field in needed if field not in ranking]
    if missing:
        expected = (
            "a rank_genes_groups entry with 'logfoldchanges' (and 'pvals_adj' for pval_cutoff)"
        )
        raise param_error(func, "key", expected, key, shown=f"{key!r} without {missing}")


def measured_matrix(adata: Any, *, layer: str | None, use_raw: bool, func: str) -> tuple[Any, Any]:
    """The expression matrix a call reads and the names of its genes (columns).

    ``layer`` and ``use_raw`` have scanpy's meaning: ``adata.layers[layer]``,
    ``adata.raw.X`` (with ``adata.raw.var_names``), else ``adata.X``.
    """
    use_raw = check_bool(use_raw, func=func, param="use_raw")
    if layer is not None and use_raw:
        raise param_error(func, "layer", "None when use_raw=True (raw has no layers)", layer)
    if use_raw:
        if adata.raw is None:
            raise param_error(func, "use_raw", "False: adata.raw is None", use_raw)
        return adata.raw.X, adata.raw.var_names
    if layer is not None:
        check_type(layer, str, func=func, param="layer", expected="None or a key of adata.layers")
        if layer not in adata.layers:
            expected = f"a key of adata.layers ({list(adata.layers)})"
            raise param_error(func, "layer", expected, layer)
        return adata.layers[layer], adata.var_names
    return adata.X, adata.var_names


def gene_columns(
    names: Any,
    library: GeneSetLibrary,
    *,
    mapper: GeneMapper | None,
    resolve_aliases: bool,
    func: str,
) -> np.ndarray:
    """The library gene index of each name (-1 when it maps to no library gene).

    Names are resolved exactly as :func:`~pfocr_enrich.enrich` resolves a
    background (NCBI symbols, aliases, previous symbols, Entrez and Ensembl IDs
    to the library's namespace). Two names of one gene both map to it.
    """
    mapper = check_type(
        mapper,
        GeneMapper,
        func=func,
        param="mapper",
        expected="a GeneMapper or None",
        allow_none=True,
    )
    mapper = mapper or GeneMapper.default()
    resolve_aliases = check_bool(resolve_aliases, func=func, param="resolve_aliases")
    as_text = [str(n) for n in names]
    kept = normalise_query(as_text, param="adata.var_names", func=func) if as_text else []
    rows = resolve_query(
        kept,
        mapper,
        library.derived.identifier_index(),
        namespace=library.namespace,
        resolve_aliases=resolve_aliases,
    )
    gene_index = library.gene_index()
    by_name = {}
    for row in rows:
        if row.status in KEPT_STATUSES or row.status == "duplicate":
            by_name[row.input] = gene_index.get(row.mapped_to, -1)
    return np.array([by_name.get(n.strip(), -1) for n in as_text], dtype=np.int64)


def jsonable(params: dict[str, Any]) -> str:
    """Parameters as JSON text: an ``adata.uns`` entry that ``write_h5ad`` always accepts
    (h5ad stores no None), read back with ``json.loads``."""
    return json.dumps(params, default=_plain, sort_keys=True)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value, key=str)
    return str(value)
