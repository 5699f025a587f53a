"""Reading PFOCR figure pages (Jekyll markdown with YAML front matter) into a library.

Every figure of the PFOCR website is one file ``_figures/<figid>.md`` of the
``wikipathways/pfocr-database`` repository. The file is only YAML front matter:
a ``---`` line, YAML, and a closing ``---`` line. Two layouts exist, and older
versions of a page can have either one, so the reader never relies on key order
or on one layout per figure:

* **Current pages (2023+ pipeline).** Keys ``figid, figtitle, organisms,
  organisms_ner, pmcid, filename, ..., doi, journal_title, ..., keywords,
  automl_pathway, ..., schema-jsonld``. There is no gene table in the page; the
  human genes are in the companion table ``_data/<figid>-genes.tsv`` (rows with
  ``organism_id == 9606``). ``organisms`` is a list (``- NA`` when none).
* **2020-era pages.** Keys ``figid, figlink, ..., pathway_score, filename,
  figtitle, year, organisms, ..., genes, chemicals, diseases, ...``. The gene
  table is embedded as ``genes:`` (items with ``hgnc_symbol`` and ``entrez``);
  ``organisms`` may be a plain string.

In both layouts ``schema-jsonld: keywords:`` is *not* a gene list: it mixes gene
symbols of every organism considered (human ``EGFR``, mouse ``Egfr``, fly ``rl``),
chemical names and disease names. It is only used when a figure has no gene
table, and then only the keywords that are official human symbols are kept.

Missing values are written by R: ``.na.character`` (``NA_character_``), ``NA``
(in organism lists) and ``''``.
"""

from __future__ import annotations

import csv
import errno
import glob
import logging
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .._util.files import gc_paused
from ..errors import FigureFormatError, FigureParseWarning
from ..identifiers import GeneMapper
from ..library import GeneSetLibrary

logger = logging.getLogger(__name__)

__all__ = [
    "FIGURE_PROBLEMS",
    "FILE_PROBLEMS",
    "REPORT_COLUMNS",
    "keyword_detail",
    "parse_figure",
    "read_figures",
]

_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(_SAFE_LOADER):  # type: ignore[misc,valid-type]
    """PyYAML's safe loader, minus its per-node overhead for plain strings.

    Most nodes of a figure page are strings (80+ schema-jsonld keywords a page), and
    ``SafeConstructor`` builds each one through a generic dispatch that ends in
    ``node.value``; returning it directly gives the same objects 25% faster. Every other
    node (numbers, dates, lists, mappings, aliases, errors) takes PyYAML's own path.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # Only PyYAML's behaviour while str nodes have SafeConstructor's own constructor
        # (another library could register one of its own on the safe loaders).
        self._str_shortcut = (
            self.yaml_constructors.get(_STR_TAG)
            is yaml.constructor.SafeConstructor.construct_yaml_str
        )

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if self._str_shortcut and node.tag == _STR_TAG and type(node) is yaml.ScalarNode:
            return node.value
        return super().construct_object(node, deep=deep)


_LOADER = _Loader
_ERRORS = ("raise", "warn", "skip")
_SUPPORTED_ORGANISMS = {"Homo sapiens": "9606"}
_MISSING = frozenset({"NA", ".na.character"})
_GLOB_CHARS = frozenset("*?[")

#: Columns of ``lib.load_report``.
REPORT_COLUMNS = ("file", "figid", "line", "item", "problem", "detail")

#: Problems that leave a whole figure file out of the library.
FILE_PROBLEMS = (
    "unreadable",
    "no_front_matter",
    "invalid_yaml",
    "not_a_mapping",
    "missing_figid",
    "duplicate_figid",
    "no_genes",
)
#: Problems noted while the figure itself is kept (or, for keywords, one row per keyword).
NOTE_PROBLEMS = (
    "invalid_data_table",
    "data_table_no_human_rows",
    "invalid_gene_item",
    "invalid_year",
    "keyword_not_human_gene",
    "family_member_collapsed",
    "family_member_excluded",
)
#: Every ``problem`` code of ``lib.load_report``.
FIGURE_PROBLEMS = FILE_PROBLEMS + NOTE_PROBLEMS

_DATA_TABLE_COLUMNS = ("organism_id", "ncbigene_symbol", "ncbigene_id")
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


# -- public API -----------------------------------------------------------------
def parse_figure(path: str | os.PathLike[str]) -> dict[str, Any]:
    r"""Parse the YAML front matter of one PFOCR figure page.

    Parameters
    ----------
    path : str or os.PathLike
        A figure page (``_figures/<figid>.md``).

    Returns
    -------
    dict
        The front matter as PyYAML reads it (safe loading), keys in file order.

    Raises
    ------
    FigureFormatError
        The file has no ``---`` front matter, its YAML is invalid (the message
        gives the 1-based line in the file), it is not a mapping, or it has no
        ``figid``. ``.path`` and ``.line`` locate the problem.
    FileNotFoundError
        The file does not exist.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "PMC1__f1.md")
    >>> with open(path, "w") as fh:
    ...     _ = fh.write("---\nfigid: PMC1__f1\nyear: '2021'\n---\n")
    >>> parse_figure(path)
    {'figid': 'PMC1__f1', 'year': '2021'}
    """
    front_matter, _ = _load_front_matter(os.fspath(path))
    return front_matter


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
        What to do with a bad file (no front matter, invalid YAML, not a mapping,
        no ``figid``, a ``figid`` already read from an earlier file, an
        unreadable companion table). ``"raise"`` raises at the first one;
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
        :data:`REPORT_COLUMNS`, one row per file left out and per keyword left
        out, plus notes (see :data:`FIGURE_PROBLEMS`).

    Raises
    ------
    FigureFormatError
        With ``errors="raise"``, at the first bad file; with any ``errors``,
        when no figure is usable.
    FileNotFoundError
        Nothing matches ``source``.
    ValueError
        ``errors`` or ``organism`` is not supported.

    Notes
    -----
    ``problem`` codes of ``lib.load_report``. A file left out of the library
    (:data:`FILE_PROBLEMS`): ``unreadable`` (not UTF-8), ``no_front_matter``,
    ``invalid_yaml`` (``line`` is the 1-based line in the file),
    ``not_a_mapping``, ``missing_figid``, ``duplicate_figid`` (``line`` of the
    later file's ``figid:``), ``no_genes``. Notes on a kept figure:
    ``invalid_data_table`` (the page is used instead), ``data_table_no_human_rows``,
    ``invalid_gene_item``, ``invalid_year`` (left missing), and one
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
    taxid = _check_options(errors=errors, organism=organism, name=name, mapper=mapper)
    if families not in FAMILY_POLICIES:
        msg = f"The 'families' parameter of read_figures must be one of {FAMILY_POLICIES}. Got {families!r} instead."
        raise ValueError(msg)
    paths, folder_name, given = _resolve_source(source)
    reader = _Reader(
        mapper or GeneMapper.default(), taxid=taxid, strict=errors == "raise", families=families
    )
    with gc_paused():  # the reader keeps ~10^6 containers and makes no cycle (~2 s of 100k pages)
        for path, parsed in _parsed_in_order(paths, _check_jobs(n_jobs, len(paths)), taxid):
            reader.read(path, parsed)
    report = reader.report.frame()
    if not reader.gene_sets:
        summary = _summary(report, len(paths), see=False)
        where = repr(given) if isinstance(given, str) else "the given list of paths"
        msg = f"no usable figure records in {where}: {summary}"
        raise FigureFormatError(msg)
    if errors != "skip" and len(report):
        warnings.warn(_summary(report, len(paths)), FigureParseWarning, stacklevel=2)
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


# -- validation and sources --------------------------------------------------------
def _check_options(*, errors: object, organism: object, name: object, mapper: object) -> str:
    """Check read_figures' options; return the NCBI taxonomy id of ``organism``."""
    if errors not in _ERRORS:
        allowed = ", ".join(repr(e) for e in _ERRORS)
        msg = (
            f"The 'errors' parameter of read_figures must be one of {allowed}. "
            f"Got {errors!r} instead."
        )
        raise ValueError(msg)
    if organism not in _SUPPORTED_ORGANISMS:
        msg = (
            "The 'organism' parameter of read_figures must be 'Homo sapiens' "
            f"(only human is supported yet). Got {organism!r} instead."
        )
        raise ValueError(msg)
    if not isinstance(name, str):
        msg = f"The 'name' parameter of read_figures must be a str. Got {name!r} instead."
        raise TypeError(msg)
    if mapper is not None and not isinstance(mapper, GeneMapper):
        msg = (
            "The 'mapper' parameter of read_figures must be a GeneMapper or None. "
            f"Got {type(mapper).__name__} instead."
        )
        raise TypeError(msg)
    return _SUPPORTED_ORGANISMS[organism]


def _resolve_source(source: object) -> tuple[list[str], str, str | list[str]]:
    """Return the figure files in reading order, the default name and the source as text."""
    if isinstance(source, (str, os.PathLike)):
        given = os.fspath(source)
        paths = _expand(given)
        folder = given if os.path.isdir(given) else os.path.dirname(paths[0])
        return paths, Path(os.path.abspath(folder or ".")).name, given
    if isinstance(source, (bytes, dict)) or not isinstance(source, Iterable):
        msg = (
            "The 'source' parameter of read_figures must be a path, a glob pattern or a list "
            f"of paths. Got {source!r} instead."
        )
        raise TypeError(msg)
    items = list(source)  # a copy: the caller's list is never modified
    for item in items:
        if not isinstance(item, (str, os.PathLike)):
            msg = (
                "The 'source' parameter of read_figures must be a list of paths. "
                f"Got {item!r} in the list instead."
            )
            raise TypeError(msg)
    given = [os.fspath(item) for item in items]
    paths = [path for item in given for path in _expand(item)]
    if not paths:
        raise FileNotFoundError(
            errno.ENOENT, "read_figures: the list of figure files is empty", "[]"
        )
    return paths, Path(os.path.abspath(os.path.dirname(paths[0]) or ".")).name, given


def _expand(path: str) -> list[str]:
    """One path -> figure files: a file, a folder's *.md files, or a glob's matches."""
    if os.path.isfile(path):
        return [path]
    if os.path.isdir(path):
        figures = os.path.join(path, "_figures")
        folder = figures if os.path.isdir(figures) else path
        with os.scandir(folder) as entries:  # the directory's file types: no stat per file
            names = sorted(
                e.name
                for e in entries
                if e.name.endswith(".md") and not _is_readme(e.name) and _is_file(e)
            )
        found = [os.path.join(folder, n) for n in names]
        if not found:
            raise FileNotFoundError(
                errno.ENOENT, "read_figures: no *.md figure files in folder", folder
            )
        return found
    if _GLOB_CHARS.intersection(path):
        found = sorted(p for p in glob.glob(path) if os.path.isfile(p) and not _is_readme(p))
        if found:
            return found
        raise FileNotFoundError(
            errno.ENOENT, "read_figures: no figure files match the pattern", path
        )
    raise FileNotFoundError(errno.ENOENT, "read_figures: no such figure file or folder", path)


def _is_file(entry: os.DirEntry[str]) -> bool:
    """``os.path.isfile`` of a directory entry (symlinks followed; errors mean False)."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _is_readme(path: str) -> bool:
    return os.path.basename(path).lower() == "readme.md"


# -- one file: front matter ------------------------------------------------------------
def _problem(
    path: str, problem: str, detail: str, *, line: int | None = None, figid: str | None = None
) -> FigureFormatError:
    """Build a FigureFormatError that also carries the report's ``problem`` and ``figid``."""
    err = FigureFormatError(detail, path=path, line=line)
    err.problem = problem  # type: ignore[attr-defined]
    err.figid = figid  # type: ignore[attr-defined]
    return err


def _front_matter_lines(path: str) -> list[str]:
    """Lines between the opening and closing ``---``; reads no further than the closing line."""
    try:
        with open(path, encoding="utf-8-sig") as fh:
            first = fh.readline()
            if first.rstrip() != "---":
                got = "an empty file" if not first else repr(first.rstrip("\n"))
                raise _problem(
                    path,
                    "no_front_matter",
                    f"expected '---' to open the YAML front matter, got {got}",
                    line=1,
                )
            lines = []
            for line in fh:
                if line.rstrip() == "---":
                    return lines
                lines.append(line)
    except UnicodeDecodeError as exc:
        raise _problem(path, "unreadable", f"expected UTF-8 text, got {exc.reason}") from None
    detail = "the YAML front matter opened by '---' is never closed by a second '---' line"
    raise _problem(path, "no_front_matter", detail, line=1)


def _parse_yaml(path: str, text: str) -> Any:
    try:
        return yaml.load(text, Loader=_LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        if mark is None:
            raise _problem(path, "invalid_yaml", f"invalid YAML front matter ({reason})") from None
        lines = text.split("\n")[:-1]  # every line of the text ends with "\n"
        shown = lines[mark.line] if mark.line < len(lines) else "<end of front matter>"
        detail = f"invalid YAML front matter ({reason}): {shown!r}"
        # The YAML text starts on line 2 of the file (after '---'); marks are 0-based.
        raise _problem(path, "invalid_yaml", detail, line=mark.line + 2) from None


def _load_front_matter(path: str) -> tuple[dict[str, Any], int | None]:
    """Return the front matter of a figure page and the 1-based file line of ``figid:``."""
    text = "".join(_front_matter_lines(path))
    data = _parse_yaml(path, text)
    if not isinstance(data, dict):
        got = "nothing" if data is None else f"a {type(data).__name__}"
        raise _problem(
            path,
            "not_a_mapping",
            f"expected the front matter to be a mapping of keys to values, got {got}",
            line=2,
        )
    figid = data.get("figid")
    if isinstance(figid, int) and not isinstance(figid, bool):
        figid = str(figid)
    if not isinstance(figid, str) or not figid.strip():
        raise _problem(
            path, "missing_figid", f"expected a 'figid' key with the figure id, got {figid!r}"
        )
    data["figid"] = figid.strip()
    return data, _figid_line(text)


def _figid_line(text: str) -> int | None:
    """1-based file line of the first line starting with ``figid:`` (the YAML starts on line 2)."""
    if text.startswith("figid:"):
        return 2
    at = text.find("\nfigid:")
    return None if at < 0 else text.count("\n", 0, at + 1) + 2


# -- one file: companion table -----------------------------------------------------------
def _data_table(path: str, figid: str, data_dirs: dict[str, list[str]]) -> str | None:
    """``_data/<figid>-genes.tsv`` inside the figure's folder or next to it, if it exists.

    ``data_dirs`` caches the existing ``_data`` folders of each figures folder.
    """
    if "/" in figid or os.sep in figid:
        return None
    folder = os.path.dirname(path)
    dirs = data_dirs.get(folder)
    if dirs is None:
        inside, beside = os.path.join(folder, "_data"), os.path.join(folder, os.pardir, "_data")
        unique = dict.fromkeys(os.path.normpath(d) for d in (beside, inside))
        dirs = data_dirs[folder] = [d for d in unique if os.path.isdir(d)]
    for folder_ in dirs:
        table = os.path.join(folder_, f"{figid}-genes.tsv")
        if os.path.isfile(table):
            return table
    return None


def _read_data_table(
    table: str, figid: str, taxid: str
) -> list[tuple[str, str, str | None, str | None]]:
    """(symbol, entrez, source, match) of a companion table's rows of ``taxid`` (all fields text)."""
    try:
        with open(table, encoding="utf-8", newline="") as fh:
            rows = csv.reader(fh, delimiter="\t")
            header = next(rows, [])
            missing = [c for c in _DATA_TABLE_COLUMNS if c not in header]
            if missing:
                raise _problem(
                    table,
                    "invalid_data_table",
                    f"expected columns {list(_DATA_TABLE_COLUMNS)}, missing {missing}",
                    line=1,
                    figid=figid,
                )
            org, sym, eid = (header.index(c) for c in _DATA_TABLE_COLUMNS)
            src = header.index("source") if "source" in header else None
            term = header.index("match") if "match" in header else None
            items: list[tuple[str, str, str | None, str | None]] = []
            for lineno, row in enumerate(rows, start=2):
                if not row:
                    continue
                if len(row) != len(header):
                    shown = "<TAB>".join(row)
                    detail = f"expected {len(header)} fields, got {len(row)}: {shown!r}"
                    raise _problem(table, "invalid_data_table", detail, line=lineno, figid=figid)
                if row[org].strip() != taxid:
                    continue
                items.append(
                    (
                        row[sym],
                        row[eid],
                        None if src is None else row[src],
                        None if term is None else row[term],
                    )
                )
    except UnicodeDecodeError as exc:
        raise _problem(
            table, "invalid_data_table", f"not UTF-8 text ({exc.reason})", figid=figid
        ) from None
    return items


# -- parallel parsing ------------------------------------------------------------------
_PARALLEL_MIN_FILES = 2000
_WINDOW = 4096  # files parsed per round: bounds the parsed front matter held at once


class _Parsed:
    """What one file gives on its own: its front matter and its companion table's rows.

    Built by :func:`_parse_file` in a worker process (or in the reader's, with
    ``n_jobs=1``), so the reader only does what needs other files (duplicate figids)
    or the gene mapper. A problem is kept, not raised, and :meth:`unwrap` and
    :meth:`table_rows` raise it where the reader meets it, so errors and the load
    report do not depend on where the file was parsed. Picklable.
    """

    __slots__ = ("front_matter", "figid_line", "error", "table", "table_items", "table_error")

    def __init__(
        self, front_matter: Any, figid_line: int | None, error: tuple[Any, ...] | None
    ) -> None:
        self.front_matter, self.figid_line, self.error = front_matter, figid_line, error
        self.table: str | None = None  # the companion table, if the figure has one
        self.table_items: list[tuple[str, str, str | None, str | None]] | None = None
        self.table_error: Exception | None = None  # what reading the table raised

    def unwrap(self, path: str) -> tuple[dict[str, Any], int | None]:
        if self.error is not None:
            problem, detail, line, figid = self.error
            raise _problem(path, problem, detail, line=line, figid=figid)
        return self.front_matter, self.figid_line

    def table_rows(self) -> list[tuple[str, str, str | None, str | None]]:
        """(symbol, entrez, source, match) of the table's rows of the organism; raises its problem."""
        if self.table_error is not None:
            raise self.table_error
        return self.table_items  # type: ignore[return-value]


def _parse_file(path: str, taxid: str, data_dirs: dict[str, list[str]]) -> _Parsed:
    """Front matter and companion table rows of one figure page (``data_dirs``: a cache)."""
    try:
        parsed = _Parsed(*_load_front_matter(path), None)
    except FigureFormatError as err:
        error = (
            getattr(err, "problem", "invalid_yaml"),
            err.reason,
            err.line,
            getattr(err, "figid", None),
        )
        return _Parsed(None, None, error)
    figid = parsed.front_matter["figid"]
    parsed.table = _data_table(path, figid, data_dirs)
    if parsed.table is not None:
        try:
            parsed.table_items = _read_data_table(parsed.table, figid, taxid)
        except Exception as exc:  # noqa: BLE001 - raised again when the reader gets to the table
            parsed.table_error = exc
    return parsed


# The reader uses only these front matter keys (and only "keywords" of "schema-jsonld");
# a worker sends only them back, which halves the pickling of a page.
_USED_KEYS = (
    "figid", "figtitle", "papertitle", "caption", "pmcid", "year", "doi", "journal_title",
    "organisms", "figtype", "number", "filename", "genes", "schema-jsonld",
)  # fmt: skip
_worker_data_dirs: dict[str, list[str]] = {}  # a worker process's cache of _data folders


def _parse_for_worker(path: str, taxid: str) -> _Parsed:
    """:func:`_parse_file` with only what the reader uses of the front matter (smaller pickles)."""
    parsed = _parse_file(path, taxid, _worker_data_dirs)
    fm = parsed.front_matter
    if fm is not None:
        kept = {key: fm[key] for key in _USED_KEYS if key in fm}
        schema = kept.get("schema-jsonld")
        if isinstance(schema, dict):
            kept["schema-jsonld"] = {"keywords": schema["keywords"]} if "keywords" in schema else {}
        parsed.front_matter = kept
    return parsed


def _check_jobs(n_jobs: int | None, n_files: int) -> int:
    if n_jobs is None:
        return min(os.cpu_count() or 1, 4) if n_files >= _PARALLEL_MIN_FILES else 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs < 1:
        msg = f"The 'n_jobs' parameter of read_figures must be an int >= 1 or None. Got {n_jobs!r} instead."
        raise ValueError(msg)
    return n_jobs


def _parsed_in_order(paths: list[str], n_jobs: int, taxid: str) -> Iterable[tuple[str, _Parsed]]:
    """(path, parsed) in reading order; files parsed by a process pool, one window at a time."""
    if n_jobs == 1:
        data_dirs: dict[str, list[str]] = {}
        yield from ((path, _parse_file(path, taxid, data_dirs)) for path in paths)
        return
    from concurrent.futures import ProcessPoolExecutor
    from functools import partial

    parse = partial(_parse_for_worker, taxid=taxid)
    windows = [paths[start : start + _WINDOW] for start in range(0, len(paths), _WINDOW)]
    with ProcessPoolExecutor(max_workers=n_jobs) as pool:
        ahead = pool.map(parse, windows[0], chunksize=64)
        for i, window in enumerate(windows):
            current = ahead
            # The next window is queued before this one is used, so the workers never wait
            # for the reader at a window boundary (at most two windows are held).
            if i + 1 < len(windows):
                ahead = pool.map(parse, windows[i + 1], chunksize=64)
            yield from zip(window, current)


# -- one figure: values ---------------------------------------------------------------
def _scalar(value: Any) -> str | None:
    """Return a stripped string; R's missing markers and null become None."""
    if value is None:
        return None
    text = value.strip() if isinstance(value, str) else str(value)
    return None if text in _MISSING else text


def _text(value: Any) -> str:
    return _scalar(value) or ""


def _organisms(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [s for s in (_scalar(v) for v in items) if s]


def _year(value: Any) -> int | None:
    """Return the year as int (files quote it: ``'2021'``); None when missing.

    Raises ValueError when the value is not a whole number.
    """
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    text = _scalar(value)
    return int(text) if text else None


def _entrez_order(entrez: str) -> tuple[int, int, str]:
    return (0, int(entrez), entrez) if entrez.isdigit() else (1, 0, entrez)


def _sorted_entrez(entrez: set[str]) -> list[str]:
    """``sorted(entrez, key=_entrez_order)``; for all-digit IDs (nearly always) as two C-level sorts."""
    if all(e.isdigit() for e in entrez):
        return sorted(sorted(entrez), key=int)  # by number, equal numbers ("07", "7") by text
    return sorted(entrez, key=_entrez_order)


class _Report:
    """Column lists of the load report (compact for millions of keyword rows)."""

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {c: [] for c in REPORT_COLUMNS}

    def add(
        self,
        file: str,
        figid: str | None,
        problem: str,
        detail: str,
        *,
        line: int | None = None,
        item: str = "",
    ) -> None:
        values = (file, figid, line, item, problem, detail)
        for col, value in zip(REPORT_COLUMNS, values, strict=True):
            self.columns[col].append(value)

    def add_error(self, err: FigureFormatError) -> None:
        problem: str = err.problem  # type: ignore[attr-defined]
        self.add(err.path or "", getattr(err, "figid", None), problem, err.reason, line=err.line)

    def frame(self) -> pd.DataFrame:
        # Text columns stay object on every pandas version (pandas 3 would infer "str").
        frame = pd.DataFrame(self.columns, columns=list(REPORT_COLUMNS), dtype=object)
        frame["line"] = pd.array(self.columns["line"], dtype="Int64")
        return frame


class _Reader:
    """Reads figure files one at a time and keeps only what the library needs."""

    def __init__(
        self, mapper: GeneMapper, *, taxid: str, strict: bool, families: str = "expand"
    ) -> None:
        self.mapper = mapper
        self.families = families
        self.taxid = taxid
        self.strict = strict
        self.report = _Report()
        self.seen: dict[str, str] = {}
        self.gene_sets: dict[str, list[str]] = {}
        self.meta: dict[str, list[Any]] = {c: [] for c in _META_COLUMNS}

    # -- per file ------------------------------------------------------------------
    def read(self, path: str, parsed: _Parsed) -> None:
        """Use one parsed file (see :func:`_parse_file`); a bad one raises (strict) or goes to the report."""
        try:
            self._read(path, parsed)
        except FigureFormatError as err:
            if self.strict:
                raise
            logger.debug("left out %s: %s", path, err)
            self.report.add_error(err)

    def _read(self, path: str, parsed: _Parsed) -> None:
        front_matter, figid_line = parsed.unwrap(path)
        figid = front_matter["figid"]
        if figid in self.seen:
            detail = (
                f"figid {figid!r} was already read from {self.seen[figid]}; the first file is kept"
            )
            raise _problem(path, "duplicate_figid", detail, line=figid_line, figid=figid)
        self.seen[figid] = path
        genes, entrez, source = self._genes(path, front_matter, figid, parsed)
        if not genes:
            self.report.add(path, figid, "no_genes", _NO_GENES_DETAIL[source])
            return
        self.gene_sets[figid] = genes
        self._add_metadata(path, figid, front_matter, source, entrez)

    def _add_metadata(
        self, path: str, figid: str, fm: dict[str, Any], source: str, entrez: list[str]
    ) -> None:
        try:
            year = _year(fm.get("year"))
        except (TypeError, ValueError):
            year = None
            self.report.add(
                path,
                figid,
                "invalid_year",
                f"expected a year, got {fm.get('year')!r}; left missing",
            )
        pmcid, filename = _scalar(fm.get("pmcid")), _scalar(fm.get("filename"))
        values = {
            "title": _text(fm.get("figtitle")),
            "paper_title": _scalar(fm.get("papertitle")),
            "caption": _text(fm.get("caption")),
            "pmcid": pmcid,
            "year": year,
            "doi": _scalar(fm.get("doi")),
            "journal": _scalar(fm.get("journal_title")),
            "organisms": _organisms(fm.get("organisms")),
            "figure_type": _scalar(fm.get("figtype")),
            "number": _scalar(fm.get("number")),
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
        for col, value in values.items():
            self.meta[col].append(value)

    def metadata_frame(self) -> pd.DataFrame:
        index = pd.Index(list(self.gene_sets), name="set_id", dtype=object)
        # object dtype keeps None for missing text (pandas 3 would infer "str" with NaN).
        frame = pd.DataFrame(self.meta, index=index, columns=list(_META_COLUMNS), dtype=object)
        frame["year"] = pd.array(self.meta["year"], dtype="Int64")
        return frame

    # -- genes ---------------------------------------------------------------------
    def _genes(
        self, path: str, fm: dict[str, Any], figid: str, parsed: _Parsed
    ) -> tuple[list[str], list[str], str]:
        """(genes, entrez ids, gene_source) from the first source that exists."""
        table = parsed.table
        if table is not None:
            try:
                genes, entrez = self._genes_from_data_table(path, figid, parsed.table_rows())
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
            genes, entrez = self._genes_from_embedded(path, figid, fm["genes"])
            return genes, entrez, "genes_table"
        return self._genes_from_keywords(path, figid, fm), [], "keywords"

    def _genes_from_data_table(
        self, path: str, figid: str, items: list[tuple[Any, Any, Any, Any]]
    ) -> tuple[list[str], list[str]]:
        """Genes of a companion table's rows of the target organism (see :func:`_read_data_table`)."""
        genes: dict[str, None] = {}
        entrez: set[str] = set()
        for symbol, eid, _source, _matched in self._apply_family_policy(items, path, figid):
            self._add_gene(genes, entrez, symbol, eid, path, figid)
        return list(genes), _sorted_entrez(entrez)

    def _apply_family_policy(
        self, items: list[tuple[Any, Any, Any, Any]], path: str, figid: str
    ) -> list[tuple[Any, Any, Any, Any]]:
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
        by_term: dict[str, list[tuple[Any, Any, Any, Any]]] = {}
        for it in items:
            by_term.setdefault(str(it[3]), []).append(it)
        family_terms = {
            t for t, its in by_term.items() if any(it[2] in _FAMILY_SOURCES for it in its)
        }
        kept = [it for it in items if str(it[3]) not in family_terms]
        direct_ids = {_scalar(it[1]) for it in kept}
        problem = (
            "family_member_collapsed" if self.families == "collapse" else "family_member_excluded"
        )
        for term in sorted(family_terms):
            members = sorted(by_term[term], key=lambda it: _entrez_order(_scalar(it[1]) or ""))
            named = any(_scalar(m[1]) in direct_ids for m in members)
            why = f"matched only through the family name {term!r}"
            if self.families == "collapse" and named:
                why = f"family {term!r} already counted through a member named directly"
            elif self.families == "collapse":
                kept.append(members[0])
                direct_ids.add(_scalar(members[0][1]))
                why = f"family {term!r} counted once, as {_scalar(members[0][0])}"
            left_out = {}
            for m in members:
                if _scalar(m[1]) not in direct_ids:
                    left_out.setdefault(_scalar(m[1]), _scalar(m[0]) or "")
            for symbol in left_out.values():
                self.report.add(path, figid, problem, why, item=symbol)
        return kept

    def _genes_from_embedded(
        self, path: str, figid: str, items: list[Any]
    ) -> tuple[list[str], list[str]]:
        genes: dict[str, None] = {}
        entrez: set[str] = set()
        parsed = []
        for item in items:
            if not isinstance(item, dict):
                self.report.add(
                    path, figid, "invalid_gene_item", f"expected a mapping in 'genes', got {item!r}"
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
        return list(genes), _sorted_entrez(entrez)

    def _add_gene(
        self,
        genes: dict[str, None],
        entrez: set[str],
        symbol: Any,
        entrez_id: Any,
        path: str,
        figid: str,
    ) -> None:
        """Add today's symbol of an Entrez ID, else the given symbol; note items with neither."""
        eid = _scalar(entrez_id) or ""
        current = self.mapper.symbol_of_entrez(eid) if eid else None
        if not current:  # the given symbol is needed only then
            given = _scalar(symbol)
            if current is None and not given:
                detail = (
                    "expected a gene item with a known Entrez ID or a symbol, "
                    f"got entrez {eid!r} and symbol {symbol!r}"
                )
                self.report.add(path, figid, "invalid_gene_item", detail)
                return
            current = current or given
        genes[current] = None  # type: ignore[index]
        if eid:
            entrez.add(eid)

    def _genes_from_keywords(self, path: str, figid: str, fm: dict[str, Any]) -> list[str]:
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


# -- summary --------------------------------------------------------------------------
def _counts(values: Iterable[str]) -> str:
    return ", ".join(f"{key}: {n}" for key, n in sorted(Counter(values).items()))


def _summary(report: pd.DataFrame, n_files: int, *, see: bool = True) -> str:
    """One sentence on what was left out, counted by problem."""
    problems = report["problem"].tolist()
    left = [p for p in problems if p in FILE_PROBLEMS]
    keywords = sum(p == "keyword_not_human_gene" for p in problems)
    other = [p for p in problems if p not in FILE_PROBLEMS and p != "keyword_not_human_gene"]
    parts = []
    if left:
        verb = "was" if len(left) == 1 else "were"
        parts.append(f"{len(left)} of {n_files} figure files {verb} left out ({_counts(left)})")
    if keywords:
        parts.append(
            "1 keyword was not a human gene"
            if keywords == 1
            else f"{keywords} keywords were not human genes"
        )
    if other:
        parts.append(f"{len(other)} other note(s) ({_counts(other)})")
    return "; ".join(parts + ["see lib.load_report"] if see else parts)
