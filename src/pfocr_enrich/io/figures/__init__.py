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

Modules, one concern each: :mod:`.listing` (which files a source names),
:mod:`.pages` (a page's front matter), :mod:`.tables` (``_data`` tables),
:mod:`.parsing` (one file on its own, in worker processes if asked),
:mod:`.genes` (a figure's genes), :mod:`.values` (metadata values),
:mod:`.reader` (records -> library) and :mod:`.report` (the load report).
"""

from .genes import FAMILY_POLICIES, keyword_detail
from .pages import parse_figure
from .reader import read_figures
from .report import FIGURE_PROBLEMS, FILE_PROBLEMS, NOTE_PROBLEMS, REPORT_COLUMNS

__all__ = [
    "FAMILY_POLICIES",
    "FIGURE_PROBLEMS",
    "FILE_PROBLEMS",
    "NOTE_PROBLEMS",
    "REPORT_COLUMNS",
    "keyword_detail",
    "parse_figure",
    "read_figures",
]
