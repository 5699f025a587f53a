"""Library-side normalisation: old names inside a library brought up to date.

A symbol GMT written in 2018 says ``MARCH2``, ``DDX58``, ``CTGF``; a query typed
today says ``MARCHF2``, ``RIGI``, ``CCN2``. :func:`current_symbols` says, for each
name of a library vocabulary, which current symbol (and Entrez ID) it stands for;
:func:`update_gene_lists` rewrites a reader's gene lists with it and returns the
rows for ``lib.load_report``. Only names that are previous symbols or
unambiguous aliases of one current gene change; official symbols, Entrez IDs,
families, ambiguous and unknown names stay as given.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from .keys import ENTREZ_ID, gene_key
from .mapper import GeneMapper
from .spellings import COMMON_WORDS

__all__ = ["REPORT_COLUMNS", "current_symbols", "update_gene_lists"]

#: Columns of the report :func:`update_gene_lists` returns (readers add ``file``, ``line``).
REPORT_COLUMNS = ("set_id", "item", "problem", "detail")
_UPDATED = ("previous", "alias")


def current_symbols(
    names: Iterable[str], *, mapper: GeneMapper | None = None, rename: bool = True
) -> pd.DataFrame:
    """The current symbol and Entrez ID of each name of a library vocabulary.

    Parameters
    ----------
    names : iterable of str
        The vocabulary (repeats are listed once, in first-seen order).
    mapper : GeneMapper, optional
        Human tables; default :meth:`GeneMapper.default`.
    rename : bool, default True
        With False, ``symbol`` is every name as given (``status`` and ``note``
        still say what would change).

    Returns
    -------
    DataFrame
        One row per distinct name: ``input``, ``symbol`` (the name to use),
        ``entrez`` (``""`` when unknown), ``status`` (``official``, ``case``,
        ``entrez``, ``previous``, ``alias``, or ``kept`` for anything the tables
        cannot tie to one gene), ``changed`` (bool) and ``note``.

    Notes
    -----
    A vocabulary of which fewer than half the names are human official symbols
    as written is another organism's (``Akt1``, ``Ear2``) or made up (``G1``,
    ``a``): its names are not read as human aliases, and nothing is renamed.

    Examples
    --------
    >>> table = current_symbols(["MARCH2", "DDX58", "TP53", "MDM2", "EGFR", "PI3K"])
    >>> table["symbol"].tolist()
    ['MARCHF2', 'RIGI', 'TP53', 'MDM2', 'EGFR', 'PI3K']
    >>> table["status"].tolist()
    ['previous', 'previous', 'official', 'official', 'official', 'kept']
    """
    mapper = mapper or GeneMapper.default()
    unique = list(dict.fromkeys(names))
    foreign = _not_human_symbols([n for n in unique if not ENTREZ_ID.match(n)], mapper)
    rows = []
    for name in unique:
        if ENTREZ_ID.match(name):
            known = mapper.symbol_of_entrez(name) is not None
            rows.append((name, name, name if known else "", "entrez" if known else "kept", ""))
            continue
        entrez, status, note = mapper.to_entrez(name)
        if status in _UPDATED and foreign:
            entrez, status, note = (
                None,
                "kept",
                f"not a human symbol vocabulary: not read as {note}",
            )
        elif status in _UPDATED and gene_key(name) in COMMON_WORDS:
            entrez, status, note = None, "kept", f"also a common word: not read as {note}"
        elif status not in (*_UPDATED, "official", "case"):
            entrez, status, note = None, "kept", note or status
        symbol = name
        if rename and status in _UPDATED and entrez is not None:
            symbol = mapper.symbol_of_entrez(entrez)
        rows.append((name, symbol, entrez or "", status, note))
    table = pd.DataFrame(rows, columns=["input", "symbol", "entrez", "status", "note"])
    table.insert(4, "changed", table["symbol"] != table["input"])
    return table


def update_gene_lists(
    set_ids: Sequence[str],
    gene_lists: Sequence[Iterable[str]],
    *,
    report: pd.DataFrame | None = None,
    mapper: GeneMapper | None = None,
) -> tuple[list[Iterable[str]], pd.DataFrame]:
    """Rewrite a reader's gene lists with current symbols, and report every change.

    Parameters
    ----------
    set_ids : sequence of str
        The set of each gene list.
    gene_lists : sequence of iterable of str
        Genes of each set, as read.
    report : DataFrame, optional
        A reader's load report to append the rows to (its columns are kept; the
        set column is written as ``figid`` when the report has that instead of
        ``set_id``).
    mapper : GeneMapper, optional
        Human tables; default :meth:`GeneMapper.default`.

    Returns
    -------
    gene_lists : list
        The given lists (the same objects) where no gene was renamed; new lists
        of str, in the same order, where one was (a set that held an old and a
        current name of one gene now lists it twice; library builds collapse repeats).
    report : DataFrame
        ``report`` (or an empty frame with :data:`REPORT_COLUMNS`) plus one
        ``symbol_updated`` row per renamed name (``set_id``: the first set that
        lists it) and one ``genes_merged`` row per set where two names became one.

    Examples
    --------
    >>> lists, report = update_gene_lists(["s1"], [["DDX58", "RIGI", "TP53"]])
    >>> lists
    [['RIGI', 'RIGI', 'TP53']]
    >>> report[["set_id", "item", "problem"]].values.tolist()
    [['s1', 'DDX58', 'symbol_updated'], ['s1', 'DDX58', 'genes_merged']]
    """
    lists = list(gene_lists)  # sets without a renamed gene are passed on as they are
    rows: list[tuple[str, str, str, str]] = []
    vocabulary: set[str] = set()
    for genes in lists:
        vocabulary.update(genes)
    # Missing or non-text names are left as they are, for the library build to refuse by position.
    vocabulary = {g for g in vocabulary if type(g) is str}
    renames: dict[str, str] = {}
    details: dict[str, str] = {}
    # Entrez libraries (PFOCR releases) need no table; current symbols need no report.
    names = [g for g in vocabulary if not ENTREZ_ID.match(g)]
    mapper = (mapper or GeneMapper.default()) if names else mapper
    if names and not all(mapper.entrez_of_symbol(g) is not None for g in names):
        table = current_symbols(sorted(vocabulary), mapper=mapper)
        changed = table[table["changed"]]
        renames = dict(zip(changed["input"], changed["symbol"]))
        details = {
            old: f"{note} (Entrez {entrez}): now {new}"
            for old, new, entrez, note in zip(
                changed["input"], changed["symbol"], changed["entrez"], changed["note"]
            )
        }
    for i, (set_id, genes) in enumerate(zip(set_ids, lists)):
        if not renames or not any(g in renames for g in genes):
            continue
        old = [g for g in dict.fromkeys(genes) if g in renames]
        for name in old:
            detail = details.pop(name, None)
            if detail is not None:
                rows.append((set_id, name, "symbol_updated", detail))
        kept = set(genes)
        merged = [g for g in old if renames[g] in kept]
        if merged or len({renames[g] for g in old}) < len(old):
            merged = merged or old
            detail = ", ".join(f"{g} -> {renames[g]}" for g in merged)
            rows.append((set_id, ", ".join(merged), "genes_merged", f"one gene twice: {detail}"))
        lists[i] = [renames.get(g, g) for g in genes]
    updates = pd.DataFrame(rows, columns=list(REPORT_COLUMNS))
    if report is None:
        return lists, updates
    if "set_id" not in report.columns and "figid" in report.columns:
        updates = updates.rename(columns={"set_id": "figid"})
    if updates.empty:
        return lists, report
    return lists, pd.concat([report, updates], ignore_index=True)


def _not_human_symbols(names: list[str], mapper: GeneMapper) -> bool:
    """Fewer than half of the names are human official symbols as written.

    Such a vocabulary is another organism's (``Akt1``, ``Ear2``) or made-up
    (``G1``, ``a``): its names are not human aliases, and nothing is renamed.
    """
    official = sum(mapper.entrez_of_symbol(n) is not None for n in names)
    return 2 * official < len(names)
