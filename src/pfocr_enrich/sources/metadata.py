"""``join_metadata``: figure metadata from a library, a frame or a folder of pages onto GMT sets."""

from __future__ import annotations

import os

import pandas as pd

from .._util.validation import check_type, param_error
from ..library import GeneSetLibrary
from ..library.metadata import join_frame
from .snapshots import load_snapshot

__all__ = ["join_metadata"]


def join_metadata(lib: GeneSetLibrary, metadata: object) -> GeneSetLibrary:
    """Join figure metadata (titles, papers, years, links) onto a library's sets by figid.

    Set ids are matched to figure ids after removing an image extension
    (``PMC1533821__1465-9921-7-97-2.jpg`` matches ``PMC1533821__1465-9921-7-97-2``);
    a ``source_id`` column of the library is tried next, and a ``figid_alias``
    column of the metadata is matched too. Where a figure matches, its values
    replace the set's (empty values never replace anything); new columns are
    added. Genes, set ids and order are unchanged.

    Parameters
    ----------
    lib : GeneSetLibrary
        Typically a release GMT (:func:`load_pfocr`), whose sets have little
        more than an id and a title.
    metadata : GeneSetLibrary, DataFrame or path
        A figure library (:func:`pfocr_enrich.read_figures`,
        :func:`pfocr_enrich.load_snapshot`, :func:`pfocr_enrich.sample_library`) whose
        ``sets`` are used; a DataFrame indexed by figid (or with a ``figid``
        column); or a folder of figure pages (read with :func:`pfocr_enrich.load_snapshot`).

    Returns
    -------
    GeneSetLibrary
        ``info["metadata"]`` records the source and how many sets matched.

    Raises
    ------
    ValueError
        No set matches any figure (the message shows ids of both).

    Warns
    -----
    MetadataJoinWarning
        Some sets found no figure; their values are left as they were.

    Examples
    --------
    >>> import pandas as pd
    >>> import pfocr_enrich as pe
    >>> gmt = pe.GeneSetLibrary.from_dict({"PMC1__f1.jpg": ["TP53", "MDM2"]})
    >>> meta = pd.DataFrame({"title": ["p53 loop"], "year": [2020]}, index=["PMC1__f1"])
    >>> lib = pe.join_metadata(gmt, meta)
    >>> lib.sets.loc["PMC1__f1.jpg", "title"], int(lib.sets.loc["PMC1__f1.jpg", "year"])
    ('p53 loop', 2020)
    """
    check_type(lib, GeneSetLibrary, func="join_metadata", param="lib", expected="a GeneSetLibrary")
    if isinstance(metadata, GeneSetLibrary):
        frame, label = metadata.sets, metadata.name or "a GeneSetLibrary"
    elif isinstance(metadata, pd.DataFrame):
        frame = metadata.set_index("figid") if "figid" in metadata.columns else metadata
        label = "a DataFrame"
    elif isinstance(metadata, (str, os.PathLike)):
        frame, label = load_snapshot(metadata, errors="skip").sets, os.fspath(metadata)
    else:
        raise param_error(
            "join_metadata",
            "metadata",
            "a GeneSetLibrary, a DataFrame indexed by figid or a folder of figure pages",
            metadata,
            error=TypeError,
        )
    sets, info = join_frame(lib.sets.drop(columns="size"), frame, label, lib.info)
    genes, membership = lib.shared_arrays()
    return GeneSetLibrary(
        genes, membership, sets, name=lib.name, load_report=lib.load_report, info=info
    )
