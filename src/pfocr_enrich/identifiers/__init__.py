"""Gene identifiers: normalising names, mapping symbols, aliases, previous symbols, Entrez
and Ensembl IDs, paper spellings and other organisms' genes to a library's namespace,
and the per-gene mapping report.

Knows nothing of libraries or statistics: a library's vocabulary arrives as an
:class:`IdentifierIndex` (for queries) or a list of names (for
:func:`current_symbols`, which readers use to bring old names up to date).

Modules: ``keys`` (statuses, lookup keys), ``mapper`` (:class:`GeneMapper`, the
human tables), ``synonyms`` and ``tiers`` (its lookups beyond official symbols),
``dates`` and ``spellings`` (spreadsheet damage, paper spellings, common words),
``organisms`` (mouse, zebrafish, fly; HCOP orthologs), ``query`` (a whole list,
the report) and ``vocabulary`` (library-side normalisation).
"""

from .keys import KEPT_STATUSES, MAPPING_STATUSES, MappedGene, gene_key
from .mapper import GeneMapper
from .organisms import MIN_SUPPORT, ORGANISMS, OrganismMapper, mapper_for, parse_organism
from .query import IdentifierIndex, map_genes, mapping_frame, normalise_query, resolve_query
from .spellings import COMMON_WORDS, SPELLING_RULES, spelling_variants

__all__ = [
    "COMMON_WORDS",
    "KEPT_STATUSES",
    "MAPPING_STATUSES",
    "MIN_SUPPORT",
    "ORGANISMS",
    "SPELLING_RULES",
    "GeneMapper",
    "IdentifierIndex",
    "MappedGene",
    "OrganismMapper",
    "gene_key",
    "map_genes",
    "mapper_for",
    "mapping_frame",
    "normalise_query",
    "parse_organism",
    "resolve_query",
    "spelling_variants",
]
