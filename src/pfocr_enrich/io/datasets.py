"""Data shipped with the package: the embedded default PFOCR library.

``sample_library()`` works offline: it is built from real PFOCR gene sets
stored in ``pfocr_enrich/data`` (CC0; provenance in ``data/README.md``).
"""

from __future__ import annotations

import logging
from functools import lru_cache

import pandas as pd

from .._util.resources import read_packaged_tsv
from .._util.validation import check_choice
from ..library import GeneSetLibrary

logger = logging.getLogger(__name__)

__all__ = ["sample_library", "SAMPLE_LIBRARIES"]

#: Names accepted by :func:`sample_library`.
SAMPLE_LIBRARIES = ("covid",)
PFOCR_FIGURE_URL = "https://pfocr.wikipathways.org/figures/{}.html"
PMC_ARTICLE_URL = "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"


def sample_library(name: str = "covid") -> GeneSetLibrary:
    """Return a real PFOCR library shipped inside the package (works offline).

    Parameters
    ----------
    name : {"covid"}
        ``"covid"``: the 216 COVID-19-related pathway figures of the PFOCR
        COVID collection (2020; 1,523 genes, symbols updated to NCBI Gene
        2022 through their Entrez IDs), with figure and paper metadata.

    Returns
    -------
    GeneSetLibrary

    Examples
    --------
    >>> import pfocr_enrich as pe
    >>> lib = pe.sample_library()
    >>> len(lib), "IRF3" in lib.genes
    (216, True)
    """
    check_choice(name, SAMPLE_LIBRARIES, func="sample_library", param="name")
    return _covid_library()


@lru_cache(maxsize=1)
def _covid_library() -> GeneSetLibrary:
    hits = read_packaged_tsv("pfocr_covid_genes.tsv.gz")
    figures = read_packaged_tsv("pfocr_covid_figures.tsv.gz").set_index("figid")
    meta = pd.DataFrame(
        {
            "title": figures["figtitle"],
            "paper_title": figures["papertitle"],
            "caption": figures["caption"],
            "pmcid": figures["pmcid"],
            "year": pd.to_numeric(figures["year"], errors="coerce").astype("Int64"),
            "journal": figures["journal_title"],
            "number": figures["number"],
            "filename": figures["filename"],
            "url": [PFOCR_FIGURE_URL.format(f) for f in figures.index],
            "pmc_url": [PMC_ARTICLE_URL.format(p) for p in figures["pmcid"]],
            "image_url": figures["figure_url"],
            "organisms": [["Homo sapiens"] for _ in range(len(figures))],
        },
        index=figures.index,
    )
    no_genes = figures.index.difference(hits["figid"].unique())
    report = pd.DataFrame(
        {
            "file": "pfocr_covid_figures.tsv.gz",
            "figid": list(no_genes),
            "item": "",
            "problem": "no_genes",
            "detail": "the figure has no gene hits in the PFOCR COVID collection",
        }
    )
    lib = GeneSetLibrary.from_frame(
        hits, set_col="figid", gene_col="gene", name="PFOCR COVID sample (2020)"
    )
    return GeneSetLibrary(
        lib.genes,
        lib.membership,
        lib.sets[[]].join(meta, how="left"),
        name=lib.name,
        load_report=report,
        info={
            "source": "pfocr_enrich/data/pfocr_covid_genes.tsv.gz",
            "sample": "covid",  # a small embedded sample: results say how to get a full release
            "origin": "wikipathways/pathway-figure-ocr shiny-covidpathways (2020)",
            "release": "PFOCR COVID collection 2020",
            "license": "CC0",
        },
    )
