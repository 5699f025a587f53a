"""Gene identifiers: normalising names, mapping symbols, aliases, previous symbols, Entrez
and Ensembl IDs to a library's namespace, and the per-gene mapping report.

Knows nothing of libraries or statistics: a library's vocabulary arrives as an
:class:`IdentifierIndex`.
"""

from .mapper import (
    KEPT_STATUSES,
    MAPPING_STATUSES,
    GeneMapper,
    IdentifierIndex,
    MappedGene,
    gene_key,
    map_genes,
    mapping_frame,
    normalise_query,
    resolve_query,
)

__all__ = [
    "KEPT_STATUSES",
    "MAPPING_STATUSES",
    "GeneMapper",
    "IdentifierIndex",
    "MappedGene",
    "gene_key",
    "map_genes",
    "mapping_frame",
    "normalise_query",
    "resolve_query",
]
