"""The saved-library file format (``lib.save`` / ``GeneSetLibrary.load``) and GMT writing.

A saved library is an uncompressed ``.npz`` (``np.savez``): a JSON header, the gene
vocabulary as one UTF-8 blob, the CSR offsets and indices, and every metadata
column encoded as flat arrays (:mod:`.columns`). Loading reads the file once,
checks it whole (CRC-32 of every member, shapes, offsets) and keeps the metadata
encoded until it is read (:class:`.columns.StoredFrame`). Anything that is not an
intact saved library raises :class:`LibraryFormatError` with the path.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .._util.files import gc_paused
from .._util.validation import check_path, check_type, param_error
from ..errors import LibraryFormatError
from .columns import TEXT_ERRORS, StoredFrame, frame_to_arrays

if TYPE_CHECKING:
    from .model import GeneSetLibrary

_FORMAT_TAG = "pfocr_enrich.GeneSetLibrary"
# 3: lists/tuples of text as distinct items + codes + cell lengths (format 2: JSON per cell),
#    and byte offsets for non-ASCII text columns.
_FORMAT_VERSION = 3
_READABLE_VERSIONS = (2, 3)  # format 2 files hold only kinds that format 3 still reads


def save(lib: GeneSetLibrary, path: str | os.PathLike[str]) -> None:
    """Write ``lib`` as a saved library (see :meth:`GeneSetLibrary.save`)."""
    check_path(path, func="GeneSetLibrary.save", param="path")
    genes, membership = lib.shared_arrays()
    meta = {"tag": _FORMAT_TAG, "version": _FORMAT_VERSION, "name": lib.name, "info": lib.info}
    genes_blob = "\n".join(genes).encode("utf-8", TEXT_ERRORS)
    arrays = {
        "header": np.frombuffer(json.dumps(meta, default=str).encode("utf-8"), dtype=np.uint8),
        "genes": np.frombuffer(genes_blob, dtype=np.uint8),
        "indptr": membership.indptr.astype(np.int64),
        "indices": membership.indices.astype(np.int32),
        **frame_to_arrays(lib._sets, "sets"),
        **frame_to_arrays(lib._load_report, "load_report"),
    }
    with open(path, "wb") as fh:
        np.savez(fh, **arrays)


def load(
    path: str | os.PathLike[str],
) -> tuple[np.ndarray, sp.csr_matrix, pd.Index, StoredFrame, StoredFrame, dict[str, Any]]:
    """Genes, membership, set ids, encoded sets and load report, and the header of a saved library.

    Raises LibraryFormatError (with the path) for anything that is not an intact saved library.
    """
    check_path(path, func="GeneSetLibrary.load", param="path")
    try:
        with gc_paused():
            archive = _read_archive(path)
            header = json.loads(archive["header"].tobytes().decode("utf-8"))
            if not isinstance(header, dict) or header.get("tag") != _FORMAT_TAG:
                raise LibraryFormatError("not a saved pfocr_enrich library", path=path)
            if header.get("version") not in _READABLE_VERSIONS:
                raise LibraryFormatError(
                    f"saved with format version {header.get('version')}, expected one of {_READABLE_VERSIONS} "
                    "(a newer pfocr_enrich wrote it?)",
                    path=path,
                )
            if not isinstance(header.get("name"), str) or not isinstance(header.get("info"), dict):
                raise LibraryFormatError("the header has no library name or provenance", path=path)
            blob = archive["genes"].tobytes().decode("utf-8", TEXT_ERRORS)
            genes = np.array(blob.split("\n") if blob else [], dtype=object)
            # writable copies, as scipy expects
            indptr, indices = archive["indptr"].copy(), archive["indices"].copy()
            sets = StoredFrame(archive, "sets")
            report = StoredFrame(archive, "load_report")
        data = np.ones(len(indices), dtype=np.int8)
        matrix = sp.csr_matrix((data, indices, indptr), shape=(len(sets), len(genes)))
        matrix.check_format(full_check=True)  # indices in range, offsets in order
    except LibraryFormatError as exc:
        if exc.path is None:
            raise LibraryFormatError(exc.reason, path=path) from exc
        raise
    except _DAMAGE as exc:
        raise LibraryFormatError(f"cannot read saved library ({exc})", path=path) from exc
    index = sets.index.astype(object)
    index.name = "set_id"
    if not index.is_unique:
        dup = index[index.duplicated()][0]
        raise LibraryFormatError(f"set ids are not unique; {dup!r} appears twice", path=path)
    if not matrix.has_sorted_indices:
        matrix.sort_indices()
    return genes, matrix, index, sets, report, header


# What reading a damaged file can raise: zipfile raises NotImplementedError for an unknown
# compression method and EOFError for a truncated member; a damaged header gives JSON of the
# wrong shape (KeyError, TypeError) or numbers numpy refuses (ValueError, OverflowError).
_DAMAGE = (
    OSError,
    EOFError,
    ValueError,
    KeyError,
    TypeError,
    IndexError,
    OverflowError,
    NotImplementedError,
    zipfile.BadZipFile,
)


def write_gmt(
    library: GeneSetLibrary, path: str | os.PathLike[str], *, description_col: str | None = None
) -> None:
    """Write a library as GMT; ``read_gmt`` reads it back to an equal library.

    The name is ``set_id`` with its ``%`` parts (``source_version``,
    ``source_id``, ``organism``) when the library has them; the description is
    ``description_col``, else ``description``, else ``title``, else ``url``.

    Examples
    --------
    >>> import pfocr_enrich as pe, tempfile, os
    >>> lib = pe.GeneSetLibrary.from_dict({"s1": ["TP53", "MDM2"]})
    >>> path = os.path.join(tempfile.mkdtemp(), "out.gmt")
    >>> pe.write_gmt(lib, path); pe.read_gmt(path) == lib
    True
    """
    from .model import GeneSetLibrary  # (the model imports this module)

    func = "write_gmt"
    check_type(library, GeneSetLibrary, func=func, param="library", expected="a GeneSetLibrary")
    check_path(path, func=func, param="path")
    expected = "a column name or None"
    check_type(
        description_col, str, func=func, param="description_col", expected=expected, allow_none=True
    )
    sets = library.sets
    col = description_col or next(
        (c for c in ("description", "title", "url") if c in sets.columns), None
    )
    if description_col is not None and description_col not in sets.columns:
        raise param_error(
            "write_gmt",
            "description_col",
            f"a column of lib.sets {list(sets.columns)}",
            description_col,
        )
    gene_lists = library.to_dict()
    path = Path(path)
    opener = (
        gzip.open(path, "wt", encoding="utf-8", newline="\n")
        if path.suffix == ".gz"
        else open(path, "w", encoding="utf-8", newline="\n")
    )
    with opener as fh:
        for set_id, row in sets.iterrows():
            parts = [str(set_id)] + [
                str(row[c])
                for c in ("source_version", "source_id", "organism")
                if c in sets.columns and isinstance(row[c], str) and row[c]
            ]
            desc = "" if col is None or not isinstance(row[col], str) else row[col]
            fields = ["%".join(parts), _one_line(desc), *gene_lists[set_id]]
            fh.write("\t".join(fields) + "\n")


def _one_line(text: str) -> str:
    """Tabs and newlines would break the format; they become spaces."""
    return " ".join(text.replace("\t", " ").splitlines())


def _read_archive(path: str | os.PathLike[str]) -> Mapping[str, np.ndarray]:
    """Every array of a saved library, read in one go: views of one buffer, CRC-checked.

    ``np.load`` copies each member out of the zip in 256 KB pieces; for the ~180 MB
    cache of a full snapshot that was half of the load. :meth:`GeneSetLibrary.save`
    writes uncompressed members (``np.savez``), so each array is a view of the
    file's bytes at its offset. Anything else (a compressed archive) goes through
    ``np.load``.
    """
    with open(path, "rb") as fh:
        raw = fh.read()
    arrays: dict[str, np.ndarray] = {}
    with zipfile.ZipFile(
        io.BytesIO(raw)
    ) as archive:  # BytesIO shares the bytes; only the directory is read
        members = archive.infolist()
        if any(m.compress_type != zipfile.ZIP_STORED for m in members):
            with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
                return {k: npz[k] for k in npz.files}
    view = memoryview(raw)
    for member in members:
        start = _member_start(raw, member)
        data = view[start : start + member.compress_size]
        if len(data) != member.compress_size or zlib.crc32(data) != member.CRC:
            raise ValueError(f"{member.filename} is damaged (CRC-32 mismatch)")
        arrays[member.filename.removesuffix(".npy")] = _npy_view(raw, start, member)
    return arrays


def _member_start(raw: bytes, member: zipfile.ZipInfo) -> int:
    """Offset of a stored member's data: after its local header, name and extra field."""
    at = member.header_offset
    if raw[at : at + 4] != b"PK\x03\x04":
        raise ValueError(f"{member.filename}: no local zip header at offset {at}")
    name_len = int.from_bytes(raw[at + 26 : at + 28], "little")
    extra_len = int.from_bytes(raw[at + 28 : at + 30], "little")
    return at + 30 + name_len + extra_len


def _npy_view(raw: bytes, start: int, member: zipfile.ZipInfo) -> np.ndarray:
    """The array of a .npy member as a read-only view of ``raw`` (no pickled objects)."""
    head = io.BytesIO(raw[start : start + min(member.compress_size, 1 << 17)])
    version = np.lib.format.read_magic(head)
    read_header = (
        np.lib.format.read_array_header_1_0
        if version == (1, 0)
        else np.lib.format.read_array_header_2_0
    )
    shape, fortran, dtype = read_header(head)
    if dtype.hasobject:
        raise ValueError(
            f"{member.filename} holds Python objects, which a saved library never does"
        )
    count = int(np.prod(shape, dtype=np.int64))
    offset = start + head.tell()
    if offset + count * dtype.itemsize > start + member.compress_size:
        raise ValueError(f"{member.filename} is shorter than its {shape} {dtype} array")
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
    return flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
