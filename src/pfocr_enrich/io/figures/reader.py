"""Figure records -> library: :func:`read_figures` and the reader that keeps what it needs.

The reader takes parsed files in reading order (see :mod:`.parsing`), leaves out
duplicate figids, takes each figure's genes (:mod:`.genes`) and metadata, and
reports everything left out (:mod:`.report`).
"""

from __future__ import annotations

import logging
import os
import warnings
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd

from ..._util.files import gc_paused
from ..._util.validation import check_choice, check_int, check_type
from ...errors import FigureFormatError, FigureParseWarning
from ...identifiers import GeneMapper
from ...library import GeneSetLibrary
from ..figure_options import check_read_options
from . import values
from .genes import FAMILY_POLICIES, FigureGenes
from .listing import resolve_source
from .parsing import Parsed, check_jobs, parsed_in_order
from .report import Report, problem, shown, summary

logger = logging.getLogger(__name__)

__all__ = ["read_figures"]

_NO_GENES_DETAIL = {
    "genes_table": "expected human genes, but the embedded 'genes' table has no usable item",
    "keywords": "expected human genes, but no schema-jsonld keyword is an official human symbol",
}
_FIGURE_URL = "https://pfocr.wikipathways.org/figures/{figid}.html"
_PMC_URL = "https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}/"
_IMAGE_URL = "https://www.ncbi.nlm.nih.gov/pmc/articles/{pmcid}/bin/{filename}"
_META_COLUMNS = (
    "title",
    "paper_title",
    "caption",
    "pmcid",
    "year",
    "doi",
    "journal",
    "organisms",
    "figure_type",
    "number",
    "filename",
    "url",
    "pmc_url",
    "image_url",
    "gene_source",
    "entrez",
    "file",
)


def read_figures(
    source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
    *,
    errors: str = "warn",
    organism: str = "Homo sapiens",
    name: str = "",
    mapper: GeneMapper | None = None,
    families: str = "expand",
    n_jobs: int | None = None,
) -> GeneSetLibrary:
    r"""Read PFOCR figure pages into a gene-set library, one set per figure.

    The human gene set of a figure comes from the first source that exists:

    1. the companion table ``_data/<figid>-genes.tsv`` (in a ``_data`` folder
       next to the figures folder, or inside it): rows with ``organism_id ==
       9606``; each ``ncbigene_id`` is mapped to today's official symbol, else
       ``ncbigene_symbol`` is kept. A table without human rows is noted
       (``data_table_no_human_rows``) and the next source is used;
    2. the embedded ``genes:`` list of 2020-era pages: ``hgnc_symbol``, renamed
       to today's symbol through ``entrez`` when the mapper knows the ID (2018's
       ``SEPT7`` is ``SEPTIN7`` now). A ``genes:`` list, even an empty one, is
       the figure's gene table: the keywords are not used then;
    3. the ``schema-jsonld`` keywords that are official human symbols. They are
       compared case-insensitively, so mouse ``Egfr`` counts as ``EGFR``; every
       other keyword (fly genes, chemicals, diseases, OCR junk) is left out with
       one report row each (``keyword_not_human_gene``). This fallback is noisy:
       OCR words of a chemistry scheme can match human symbols (``ar`` -> AR).

    Parameters
    ----------
    source : str, os.PathLike or list of them
        A figure file (any extension), a folder (its ``*.md`` files, sorted by
        name, not recursive; its ``_figures`` subfolder when it has one), a glob
        pattern, or a list of paths (read in the given order; folders and
        patterns in the list are expanded the same way). Files named
        ``README.md`` found in folders or by patterns are documentation and are
        not read. The list is not modified.
    errors : {"warn", "raise", "skip"}
        What to do with a bad file (unreadable, no front matter, invalid or
        unsupported YAML, not a mapping, no ``figid``, a ``figid`` already read
        from an earlier file, an unreadable or malformed companion table). ``"raise"`` raises at the first one;
        ``"warn"`` leaves it out, records it and emits one
        :class:`~pfocr_enrich.errors.FigureParseWarning` at the end; ``"skip"``
        does the same without the warning. A valid figure with no human genes
        is never an error: it is left out and reported (``no_genes``), because
        chemistry or plant figures are legitimate PFOCR content and raising on
        them would make ``"raise"`` unusable on a real folder. With ``"raise"``
        the summary warning is still emitted for such figures and keywords.
    organism : str
        Only ``"Homo sapiens"`` is supported yet.
    name : str
        Library label; by default the name of the folder read.
    mapper : GeneMapper, optional
        Gene reference; defaults to :meth:`GeneMapper.default`.
    families : {"expand", "collapse", "exclude"}
        How genes matched through a gene-family name count (see docs/figures.md).
    n_jobs : int, optional
        Processes reading pages and their ``_data`` tables in parallel (the
        gene mapping and the library stay in this process). Default: up to 4
        (the machine's cores) for 2,000 files or more, else 1. Results do not
        depend on it: files are parsed in windows and used in reading order.

    Returns
    -------
    GeneSetLibrary
        ``lib.sets`` is indexed by ``figid`` with columns ``title``,
        ``paper_title``, ``caption``, ``pmcid``, ``year`` (``Int64``), ``doi``,
        ``journal``, ``organisms`` (list of str), ``figure_type``, ``number``,
        ``filename``, ``url``, ``pmc_url``, ``image_url``, ``gene_source``
        (``data_table``, ``genes_table`` or ``keywords``), ``entrez`` (sorted
        list of Entrez ID strings, empty for keywords), ``file`` and ``size``.
        ``.na.character``, ``NA`` and null are missing (None); ``title`` and
        ``caption`` are ``""`` then. ``lib.load_report`` has the columns
        :data:`~pfocr_enrich.io.figures.REPORT_COLUMNS`, one row per file left out and per keyword left
        out, plus notes (see :data:`~pfocr_enrich.io.figures.FIGURE_PROBLEMS`).

    Raises
    ------
    FigureFormatError
        With ``errors="raise"``, at the first bad file; with any ``errors``,
        when no figure is usable (``.path`` is the source, or the folder of the
        listed files).
    FileNotFoundError
        Nothing matches ``source``.
    ValueError
        ``errors`` or ``organism`` is not supported.

    Notes
    -----
    ``problem`` codes of ``lib.load_report``; ``line`` is the 1-based line in
    the file. A file left out of the library
    (:data:`~pfocr_enrich.io.figures.FILE_PROBLEMS`): ``unreadable`` (not a
    regular file, e.g. a broken link, a folder or a FIFO named ``*.md``; not
    readable; not UTF-8), ``no_front_matter``, ``too_large`` (front matter over
    :data:`~pfocr_enrich.io.figures.pages.MAX_FRONT_MATTER` characters),
    ``invalid_yaml``, ``unsupported_yaml`` (YAML anchors, aliases or tags, which
    PFOCR pages never use), ``not_a_mapping``, ``missing_figid``,
    ``duplicate_figid`` (``line`` of the later file's ``figid:``), ``no_genes``.
    Notes on a kept figure: ``invalid_data_table`` (the page is used instead),
    ``data_table_no_human_rows``, ``invalid_gene_item`` (including Entrez IDs
    that are not digits), ``invalid_year`` (not 1000-9999; left missing), and one
    ``keyword_not_human_gene`` row per keyword left out (``item`` is the keyword
    as written, spaces included).

    Examples
    --------
    >>> import tempfile, os
    >>> folder = tempfile.mkdtemp()
    >>> text = "---\nfigid: PMC1__f1\nschema-jsonld:\n  keywords: [Tp53, glucose]\n---\n"
    >>> with open(os.path.join(folder, "PMC1__f1.md"), "w") as fh:
    ...     _ = fh.write(text)
    >>> lib = read_figures(folder, errors="skip")
    >>> sorted(lib["PMC1__f1"]), lib.load_report["item"].tolist()
    (['TP53'], ['glucose'])
    """
    func = "read_figures"
    taxid = check_read_options(func=func, errors=errors, organism=organism, name=name)
    expected = "a GeneMapper or None"
    check_type(mapper, GeneMapper, func=func, param="mapper", expected=expected, allow_none=True)
    check_choice(families, FAMILY_POLICIES, func=func, param="families")
    check_int(n_jobs, func=func, param="n_jobs", min=1, allow_none=True)
    paths, folder_name, given = resolve_source(source)
    reader = _Reader(
        mapper or GeneMapper.default(), taxid=taxid, strict=errors == "raise", families=families
    )
    with gc_paused():  # the reader keeps ~10^6 containers and makes no cycle (~2 s of 100k pages)
        for path, parsed in parsed_in_order(paths, check_jobs(n_jobs, len(paths)), taxid, families):
            reader.read(path, parsed)
    report = reader.report.frame()
    if not reader.gene_sets:
        left_out = summary(report, len(paths), see=False)
        msg = f"no usable figure records in {len(paths):,} file(s): {left_out}"
        raise FigureFormatError(msg, path=_where(given, paths))
    if errors != "skip" and len(report):
        warnings.warn(summary(report, len(paths)), FigureParseWarning, stacklevel=2)
    info = {
        "source": given,
        "reader": "read_figures",
        "n_files": len(paths),
        "n_figures": len(reader.gene_sets),
        "n_left_out": len(paths) - len(reader.gene_sets),
        "organism": organism,
        "errors": errors,
        "families": families,
        "gene_sources": dict(sorted(Counter(reader.meta["gene_source"]).items())),
    }
    logger.info("read_figures: %d figures from %d files", len(reader.gene_sets), len(paths))
    return GeneSetLibrary.from_dict(
        reader.gene_sets,
        sets=reader.metadata_frame(),
        name=name or folder_name,
        load_report=report,
        info=info,
    )


def _where(given: str | list[str], paths: list[str]) -> str:
    """The source as one path: as given, else the folder the listed files share."""
    if isinstance(given, str):
        return given
    try:
        return os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths])
    except ValueError:  # paths on different drives
        return os.path.dirname(paths[0]) or "."


class _Reader:
    """Reads figure files one at a time and keeps only what the library needs."""

    def __init__(
        self, mapper: GeneMapper, *, taxid: str, strict: bool, families: str = "expand"
    ) -> None:
        self.strict = strict
        self.report = Report()
        self.genes = FigureGenes(mapper, self.report, taxid=taxid, strict=strict, families=families)
        self.seen: dict[str, str] = {}
        self.gene_sets: dict[str, list[str]] = {}
        self.meta: dict[str, list[Any]] = {c: [] for c in _META_COLUMNS}

    # -- per file ------------------------------------------------------------------
    def read(self, path: str, parsed: Parsed) -> None:
        """Use one parsed file (see :func:`parse_file`); a bad one raises (strict) or goes to the report."""
        try:
            self._read(path, parsed)
        except FigureFormatError as err:
            if self.strict:
                raise
            logger.debug("left out %s: %s", path, err)
            self.report.add_error(err)

    def _read(self, path: str, parsed: Parsed) -> None:
        front_matter, figid_line = parsed.unwrap(path)
        figid = front_matter["figid"]
        if figid in self.seen:
            detail = (
                f"figid {figid!r} was already read from {self.seen[figid]}; the first file is kept"
            )
            raise problem(path, "duplicate_figid", detail, line=figid_line, figid=figid)
        self.seen[figid] = path
        genes, entrez, source = self.genes.of(path, front_matter, figid, parsed)
        if not genes:
            self.report.add(path, figid, "no_genes", _NO_GENES_DETAIL[source])
            return
        self.gene_sets[figid] = genes
        self._add_metadata(path, figid, front_matter, source, entrez)

    def _add_metadata(
        self, path: str, figid: str, fm: dict[str, Any], source: str, entrez: list[str]
    ) -> None:
        try:
            year = values.year(fm.get("year"))
        except (TypeError, ValueError):
            year = None
            self.report.add(
                path,
                figid,
                "invalid_year",
                f"expected a year (1000-9999), got {shown(fm.get('year'))}; left missing",
            )
        pmcid, filename = values.scalar(fm.get("pmcid")), values.scalar(fm.get("filename"))
        row = {
            "title": values.text(fm.get("figtitle")),
            "paper_title": values.scalar(fm.get("papertitle")),
            "caption": values.text(fm.get("caption")),
            "pmcid": pmcid,
            "year": year,
            "doi": values.scalar(fm.get("doi")),
            "journal": values.scalar(fm.get("journal_title")),
            "organisms": values.organisms(fm.get("organisms")),
            "figure_type": values.scalar(fm.get("figtype")),
            "number": values.scalar(fm.get("number")),
            "filename": filename,
            "url": _FIGURE_URL.format(figid=figid),
            "pmc_url": _PMC_URL.format(pmcid=pmcid) if pmcid else None,
            "image_url": _IMAGE_URL.format(pmcid=pmcid, filename=filename)
            if pmcid and filename
            else None,
            "gene_source": source,
            "entrez": entrez,
            "file": path,
        }
        for col, value in row.items():
            self.meta[col].append(value)

    def metadata_frame(self) -> pd.DataFrame:
        """``lib.sets`` of the figures kept, in reading order (``year`` is ``Int64``)."""
        index = pd.Index(list(self.gene_sets), name="set_id", dtype=object)
        # object dtype keeps None for missing text (pandas 3 would infer "str" with NaN).
        frame = pd.DataFrame(self.meta, index=index, columns=list(_META_COLUMNS), dtype=object)
        frame["year"] = pd.array(self.meta["year"], dtype="Int64")
        return frame
