"""The tables a :class:`~pfocr_enrich.identifiers.mapper.GeneMapper` reads, each read once.

A mapper has three tables: ``genes`` (official symbols, Entrez and Ensembl IDs),
``aliases`` (NCBI synonyms) and ``lexicon`` (the PFOCR HGNC lexicon). Each is a
DataFrame given by the caller, the name of a file shipped with the package (read
when a tier first needs it: most queries only need the gene table), or None
(an empty table). Lookups are built from plain lists of strings
(:meth:`MapperTables.columns`); the public frames are read with pandas on demand
(:meth:`MapperTables.frame`).
"""

from __future__ import annotations

import pandas as pd

from .._util.resources import read_packaged_columns, read_packaged_tsv

__all__ = ["EMPTY", "PACKAGED", "MapperTables"]

#: The columns of each table when a mapper is built without it.
EMPTY = {"aliases": ["alias", "entrez"], "lexicon": ["term", "entrez", "source"]}
#: The tables shipped with the package, read when first needed.
PACKAGED = {
    "genes": "ncbi_genes.tsv.gz",
    "aliases": "ncbi_aliases.tsv.gz",
    "lexicon": "hgnc_lexicon.tsv.gz",
}


class MapperTables:
    """A mapper's ``genes``, ``aliases`` and ``lexicon``: frames, packaged file names or None.

    Examples
    --------
    >>> tables = MapperTables({"genes": pd.DataFrame({"entrez": ["7157"], "symbol": ["TP53"]})})
    >>> tables.columns("genes")["symbol"], tables.columns("aliases")
    (['TP53'], {'alias': [], 'entrez': []})
    """

    def __init__(self, tables: dict[str, pd.DataFrame | str | None]) -> None:
        self._tables = {name: tables.get(name) for name in ("genes", "aliases", "lexicon")}
        self._columns: dict[str, dict[str, list[str]]] = {}

    @classmethod
    def packaged(cls) -> MapperTables:
        """The tables shipped with the package (none read yet)."""
        return cls(dict(PACKAGED))

    @property
    def read(self) -> set[str]:
        """The tables read as columns so far."""
        return set(self._columns)

    def columns(self, name: str) -> dict[str, list[str]]:
        """One table as lists of strings, read (packaged) or converted (a frame) once."""
        columns = self._columns.get(name)
        if columns is None:
            table = self._tables[name]
            if table is None:
                columns = {col: [] for col in EMPTY[name]}
            elif isinstance(table, str):
                columns = read_packaged_columns(table)
            else:
                columns = {str(c): table[c].astype(str).tolist() for c in table.columns}
            self._columns[name] = columns
        return columns

    def frame(self, name: str) -> pd.DataFrame:
        """One table as a DataFrame (a packaged one is read with pandas on the first call)."""
        table = self._tables[name]
        if table is None:
            return pd.DataFrame(columns=EMPTY[name])
        if isinstance(table, str):
            table = read_packaged_tsv(table)
            self._tables[name] = table
        return table
