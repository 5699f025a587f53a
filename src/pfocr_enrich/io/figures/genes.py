"""A figure's human genes: from its companion table, its embedded ``genes:`` list or its keywords.

Gene families (``families=``) and keywords that are not human genes are decided
here; every gene or keyword left out is a row of the load report.
"""

from __future__ import annotations

import re
from typing import Any

from ...errors import FigureFormatError
from ...identifiers import GeneMapper
from .parsing import Parsed
from .report import Report, shown
from .values import entrez_order, is_number, scalar, sorted_entrez

__all__ = ["FAMILY_POLICIES", "FigureGenes", "keyword_detail"]

#: Values of read_figures' ``families``: how genes matched through a family name count.
FAMILY_POLICIES = ("expand", "collapse", "exclude")
# Gene-item sources that mean "matched through a family/complex name" (2020 pages, current tables).
_FAMILY_SOURCES = frozenset({"bioentities_symbol", "famplex_relations"})
_KEYWORD_DETAIL = "not an official human gene symbol (compared case-insensitively)"
# PFOCR keywords mix organisms; without their gene tables we can only tell the nomenclature style.
_MOUSE_STYLE = re.compile(r"^[A-Z][a-z][a-z0-9]*[0-9][a-z0-9]*$|^[A-Z][a-z]{2,}[0-9]+[a-z]?$")
_FLY_STYLE = re.compile(r"^[a-z][a-z0-9]{0,5}(-[A-Za-z0-9]+)?$")
_FLY_CG = re.compile(r"^C[GR][0-9]{3,5}$")
_GENE_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9.:-]*$")
# A gene item: (symbol, entrez, source, matched term), as the page or table gives them.
_Item = tuple[Any, Any, Any, Any]


def keyword_detail(keyword: str) -> str:
    """Why a keyword is not a human gene, as far as its spelling tells.

    Mouse, rat and many fly symbols are capitalised (``Tgfb1``, ``Dsor1``), other
    fly and zebrafish symbols are lower case (``rl``, ``dpp``), ``CG31278`` is a
    Drosophila annotation ID; chemicals, diseases and OCR junk have spaces or
    punctuation. Without those organisms' gene tables a style is a hint, not an
    identification, and the wording says so.

    Examples
    --------
    >>> keyword_detail("Ppargc1a")
    'capitalised symbol with no human match (mouse, rat or fly nomenclature)'
    >>> keyword_detail("CG31278")
    'Drosophila annotation ID (CG number), not a human gene'

    """
    if _FLY_CG.match(keyword):
        return "Drosophila annotation ID (CG number), not a human gene"
    if _MOUSE_STYLE.match(keyword):
        return "capitalised symbol with no human match (mouse, rat or fly nomenclature)"
    if _FLY_STYLE.match(keyword):
        return "lower-case symbol with no human match (Drosophila or zebrafish nomenclature)"
    if not _GENE_LIKE.match(keyword):
        return "not gene-like (chemical, disease or OCR text)"
    return _KEYWORD_DETAIL


class FigureGenes:
    """Takes a figure's genes from the first source that exists; notes go to ``report``."""

    def __init__(
        self, mapper: GeneMapper, report: Report, *, taxid: str, strict: bool, families: str
    ) -> None:
        self.mapper = mapper
        self.report = report
        self.taxid = taxid
        self.strict = strict
        self.families = families

    def of(
        self, path: str, fm: dict[str, Any], figid: str, parsed: Parsed
    ) -> tuple[list[str], list[str], str]:
        """(genes, entrez ids, gene_source) from the first source that exists."""
        table = parsed.table
        if table is not None:
            try:
                genes, entrez = self._from_data_table(path, figid, parsed.table_rows())
            except FigureFormatError as err:
                if self.strict:
                    raise
                self.report.add(path, figid, "invalid_data_table", str(err))
            else:
                if genes:
                    return genes, entrez, "data_table"
                detail = f"{table} has no rows with organism_id {self.taxid}; used the page instead"
                self.report.add(path, figid, "data_table_no_human_rows", detail)
        if isinstance(fm.get("genes"), list):
            genes, entrez = self._from_embedded(path, figid, fm["genes"])
            return genes, entrez, "genes_table"
        return self._from_keywords(path, figid, fm), [], "keywords"

    def _from_data_table(
        self, path: str, figid: str, items: list[_Item]
    ) -> tuple[list[str], list[str]]:
        """Genes of a companion table's rows of the target organism."""
        genes: dict[str, None] = {}
        entrez: set[str] = set()
        for symbol, eid, _source, _matched in self._apply_family_policy(items, path, figid):
            self._add_gene(genes, entrez, symbol, eid, path, figid)
        return list(genes), sorted_entrez(entrez)

    def _apply_family_policy(self, items: list[_Item], path: str, figid: str) -> list[_Item]:
        """Keep gene items (symbol, entrez, source, matched term) as ``families`` says.

        A family term is a matched word of which at least one gene came through a
        family relation (``PI3K``: some members as NCBI synonyms, the rest through
        FamPlex). expand: every item. exclude: drop every gene of family terms unless
        another word names it. collapse: a family term counts once: nothing more if
        another word names one of its genes, else its gene with the smallest Entrez
        ID. Every gene left out is reported.
        """
        if self.families == "expand":
            return items
        by_term: dict[str, list[_Item]] = {}
        for it in items:
            by_term.setdefault(str(it[3]), []).append(it)
        family_terms = {
            t for t, its in by_term.items() if any(it[2] in _FAMILY_SOURCES for it in its)
        }
        kept = [it for it in items if str(it[3]) not in family_terms]
        direct_ids = {scalar(it[1]) for it in kept}
        code = (
            "family_member_collapsed" if self.families == "collapse" else "family_member_excluded"
        )
        for term in sorted(family_terms):
            members = sorted(by_term[term], key=lambda it: entrez_order(scalar(it[1]) or ""))
            named = any(scalar(m[1]) in direct_ids for m in members)
            why = f"matched only through the family name {term!r}"
            if self.families == "collapse" and named:
                why = f"family {term!r} already counted through a member named directly"
            elif self.families == "collapse":
                kept.append(members[0])
                direct_ids.add(scalar(members[0][1]))
                why = f"family {term!r} counted once, as {scalar(members[0][0])}"
            left_out = {}
            for m in members:
                if scalar(m[1]) not in direct_ids:
                    left_out.setdefault(scalar(m[1]), scalar(m[0]) or "")
            for symbol in left_out.values():
                self.report.add(path, figid, code, why, item=symbol)
        return kept

    def _from_embedded(
        self, path: str, figid: str, items: list[Any]
    ) -> tuple[list[str], list[str]]:
        genes: dict[str, None] = {}
        entrez: set[str] = set()
        parsed = []
        for item in items:
            if not isinstance(item, dict):
                self.report.add(
                    path,
                    figid,
                    "invalid_gene_item",
                    f"expected a mapping in 'genes', got {shown(item)}",
                )
                continue
            parsed.append(
                (
                    item.get("hgnc_symbol"),
                    item.get("entrez"),
                    item.get("source"),
                    item.get("symbol"),
                )
            )
        for symbol, eid, _source, _term in self._apply_family_policy(parsed, path, figid):
            self._add_gene(genes, entrez, symbol, eid, path, figid)
        return list(genes), sorted_entrez(entrez)

    def _add_gene(
        self,
        genes: dict[str, None],
        entrez: set[str],
        symbol: Any,
        entrez_id: Any,
        path: str,
        figid: str,
    ) -> None:
        """Add today's symbol of an Entrez ID, else the given symbol; note items with neither.

        An Entrez ID that is not ASCII digits (``'²'``, ``'NM_000546'``) is noted and
        left out of the figure's ``entrez``; the given symbol is used then.
        """
        eid = scalar(entrez_id) or ""
        bad_id = bool(eid) and not is_number(eid)
        current = self.mapper.symbol_of_entrez(eid) if eid and not bad_id else None
        if not current:  # the given symbol is needed only then
            given = scalar(symbol)
            if current is None and not given:
                detail = (
                    "expected a gene item with a known Entrez ID or a symbol, "
                    f"got entrez {shown(eid)} and symbol {shown(symbol)}"
                )
                self.report.add(path, figid, "invalid_gene_item", detail)
                return
            current = current or given
        if bad_id:
            detail = f"expected an Entrez ID of digits, got {shown(eid)}; the symbol is used"
            self.report.add(path, figid, "invalid_gene_item", detail, item=current)
        elif eid:
            entrez.add(eid)
        genes[current] = None  # type: ignore[index]

    def _from_keywords(self, path: str, figid: str, fm: dict[str, Any]) -> list[str]:
        schema = fm.get("schema-jsonld")
        keywords = schema.get("keywords") if isinstance(schema, dict) else None
        if keywords is None:
            return []
        if not isinstance(keywords, list):
            keywords = [keywords]
        official = self.mapper.official_symbol
        genes: dict[str, None] = {}
        for keyword in keywords:
            text = "" if keyword is None else str(keyword)
            symbol = official(text.strip()) if text.strip() else None
            if symbol is None:
                self.report.add(
                    path, figid, "keyword_not_human_gene", keyword_detail(text.strip()), item=text
                )
            else:
                genes[symbol] = None
        return list(genes)
