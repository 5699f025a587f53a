"""A metadata frame stored as flat arrays (one saved library's ``sets`` or ``load_report``).

Numbers are arrays; text is one UTF-8 blob with offsets; lists of text are their
distinct items + codes + cell lengths; anything else is JSON. :func:`frame_to_arrays`
writes a frame, :class:`StoredFrame` reads one back column by column when first
read, and :class:`SetMetadata` is a library's metadata either way (a frame, or
stored columns). Text is encoded with ``surrogatepass``: file names that are not
UTF-8 (``os.listdir`` gives ``"\\udcff.md"`` for ``b"\\xff.md"``) round-trip.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionArray
from pandas.arrays import NumpyExtensionArray

from .._util.files import gc_paused
from ..errors import LibraryFormatError

#: How text is encoded and decoded: lone surrogates (undecodable file names) pass through.
TEXT_ERRORS = "surrogatepass"

_SEP = "\x1f"  # ASCII unit separator; a text column that contains it is stored as JSON instead


def _is_missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _text_arrays(values: list[object]) -> dict[str, np.ndarray]:
    """Strings (or None) as one UTF-8 blob plus a missing-value mask: loads without per-row JSON.

    Non-ASCII text also gets the end offset of every string (format 3): decoding each
    string from its byte range is 2-3x faster than decoding the blob into one wide
    string and splitting that.
    """
    missing = np.array([_is_missing(v) for v in values], dtype=bool)
    strings = ["" if m else str(v) for v, m in zip(values, missing)]
    text = _SEP.join(strings)
    arrays = {
        "": np.frombuffer(text.encode("utf-8", TEXT_ERRORS), dtype=np.uint8),
        "_missing": missing,
    }
    if not text.isascii():
        sizes = np.fromiter(
            (len(s.encode("utf-8", TEXT_ERRORS)) + 1 for s in strings),
            dtype=np.int64,
            count=len(strings),
        )
        arrays["_ends"] = np.cumsum(sizes) - 1  # each string's end; a separator follows
    return arrays


def _is_text_sequence(value: object, kind: type) -> bool:
    return type(value) is kind and all(type(v) is str and _SEP not in v for v in value)  # type: ignore[attr-defined]


def _lists_arrays(values: list[Any]) -> dict[str, np.ndarray]:
    """Lists (or tuples) of strings: their distinct items as text, item codes and cell lengths.

    The items repeat a lot (1.6 million Entrez IDs of ~20,000 genes in a full snapshot), so
    loading decodes each distinct string once and gathers the rest by code.
    """
    vocabulary: dict[str, int] = {}
    codes = [vocabulary.setdefault(item, len(vocabulary)) for value in values for item in value]
    return {
        **_text_arrays(list(vocabulary)),
        "_codes": np.array(codes, dtype=np.int32),
        "_lengths": np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values)),
    }


# Column kinds of a saved frame (besides the pandas dtype names of numeric columns):
# "text" (str or missing), "text_lists"/"text_tuples" (every cell a list/tuple of str;
# format 3), "json" and "json_tuples" (anything else, tuples tagged).
_SEQUENCE_KINDS = {"text_lists": list, "text_tuples": tuple}


def frame_to_arrays(frame: pd.DataFrame, prefix: str) -> dict[str, np.ndarray]:
    """A metadata frame column by column: numbers as arrays, text and lists of text as blobs, the rest as JSON."""
    kinds: dict[str, str] = {}
    arrays: dict[str, np.ndarray] = {}
    index_values = [str(v) for v in frame.index]
    if any(_SEP in v for v in index_values):
        raise LibraryFormatError(
            f"set ids cannot contain the control character \\x1f: {index_values[0]!r}..."
        )
    arrays.update({f"{prefix}/index{k}": a for k, a in _text_arrays(index_values).items()})
    for i, col in enumerate(frame.columns):
        series = frame[col]
        key = f"{prefix}/{i}"
        values = series.tolist()
        sequence = next(
            (k for k, t in _SEQUENCE_KINDS.items() if values and type(values[0]) is t), None
        )
        if pd.api.types.is_bool_dtype(series.dtype) or pd.api.types.is_numeric_dtype(series.dtype):
            arrays[key] = series.to_numpy(dtype=np.float64, na_value=np.nan)
            arrays[key + "_missing"] = series.isna().to_numpy()
            kinds[str(col)] = str(series.dtype)
        elif all(_is_missing(v) or (isinstance(v, str) and _SEP not in v) for v in values):
            arrays.update({key + k: a for k, a in _text_arrays(values).items()})
            kinds[str(col)] = "text"
        elif sequence and all(_is_text_sequence(v, _SEQUENCE_KINDS[sequence]) for v in values):
            # Figure organisms, Entrez IDs, duplicate members: no JSON value per cell.
            arrays.update({key + k: a for k, a in _lists_arrays(values).items()})
            kinds[str(col)] = sequence
        else:
            arrays[key] = np.frombuffer(
                json.dumps([_jsonable(v) for v in values], ensure_ascii=False).encode(
                    "utf-8", TEXT_ERRORS
                ),
                dtype=np.uint8,
            )
            # Only columns holding tuples need the slow per-cell decoding on load.
            has_tuples = any(isinstance(v, tuple) for v in values)
            kinds[str(col)] = "json_tuples" if has_tuples else "json"
    header = {
        "columns": [str(c) for c in frame.columns],
        "kinds": kinds,
        "index_name": frame.index.name,
        "range_index": isinstance(frame.index, pd.RangeIndex)
        and frame.index.start == 0
        and frame.index.step == 1,
    }
    arrays[f"{prefix}/header"] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    return arrays


class StoredFrame:
    """A frame saved by :func:`frame_to_arrays`, its columns decoded when first read.

    Loading a full snapshot's library spent most of its time turning ~180 MB of
    metadata text (two thirds of it figure captions) into Python strings that an
    enrichment never reads. Here the saved arrays stay in memory as they are; a
    column is decoded the first time it is read (:meth:`column`), and :meth:`take`
    decodes only the rows asked for (the titles and links of a result's rows).
    Shapes and offsets are checked when loading, so a damaged file still fails there.
    """

    def __init__(self, archive: Any, prefix: str) -> None:
        names = archive.files if hasattr(archive, "files") else list(archive)
        self._arrays = {k: archive[k] for k in names if k.startswith(prefix + "/")}
        self._prefix = prefix
        header = json.loads(self._arrays[f"{prefix}/header"].tobytes().decode("utf-8"))
        self.columns: list[str] = header["columns"]
        self._kinds: dict[str, str] = header["kinds"]
        index = pd.Index(self._texts(f"{prefix}/index"), name=header["index_name"], dtype=object)
        if header.get("range_index"):
            index = pd.RangeIndex(len(index), name=header["index_name"])
        self.index = index
        self._decoded: dict[str, pd.Series] = {}
        self._bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._words: dict[str, np.ndarray] = {}
        for i, col in enumerate(self.columns):
            self._check(f"{prefix}/{i}", self._kinds[col])

    def __len__(self) -> int:
        return len(self.index)

    def _key(self, name: str) -> tuple[str, str]:
        return f"{self._prefix}/{self.columns.index(name)}", self._kinds[name]

    def _check(self, key: str, kind: str) -> None:
        """Cheap structural checks of one column (lengths and offsets), no decoding."""
        n, arrays = len(self.index), self._arrays
        if kind == "text":
            if len(arrays[key + "_missing"]) != n:
                raise ValueError(f"{key}: {len(arrays[key + '_missing'])} values for {n} rows")
            self._text_bounds(key)
        elif kind in _SEQUENCE_KINDS:
            codes, lengths = arrays[key + "_codes"], arrays[key + "_lengths"]
            if len(lengths) != n or int(lengths.sum()) != len(codes):
                raise ValueError(
                    f"{key}: {len(codes)} list items for cell lengths adding up to {int(lengths.sum())}"
                )
            n_words = len(arrays[key + "_missing"])
            if len(codes) and (codes.min() < 0 or codes.max() >= n_words):
                raise ValueError(f"{key}: item codes outside the {n_words} stored items")
            if n_words:
                self._text_bounds(key)
        elif kind in ("json", "json_tuples"):
            self._decoded[key] = self._decode(
                key, kind
            )  # rare; decoded now so that damage shows here
            if len(self._decoded[key]) != n:
                raise ValueError(f"{key}: {len(self._decoded[key])} values for {n} rows")
        elif len(arrays[key]) != n or len(arrays[key + "_missing"]) != n:
            raise ValueError(f"{key}: {len(arrays[key])} values for {n} rows")

    def _text_bounds(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Start and end byte of every string of a text blob (ASCII blobs have no stored ends)."""
        if key not in self._bounds:
            blob = self._arrays[key]
            count = len(self._arrays[key + "_missing"])
            if key + "_ends" in self._arrays:
                ends = self._arrays[key + "_ends"]
                if len(ends) != count or (len(ends) and ends[-1] != len(blob)):
                    raise ValueError(f"{key}: {len(ends)} string offsets for {count} strings")
            else:
                ends = np.r_[np.flatnonzero(blob == ord(_SEP)), len(blob)]
                if len(ends) != max(count, 1):
                    raise ValueError(f"{key}: {len(ends)} strings for {count} values")
            starts = np.r_[0, ends[:-1] + 1] if len(ends) else ends
            self._bounds[key] = (starts, ends)
        return self._bounds[key]

    def _strings(self, key: str) -> list[str]:
        """Every string of a blob written by :func:`_text_arrays` (missing ones as "")."""
        blob, count = self._arrays[key], len(self._arrays[key + "_missing"])
        if count == 0:
            return []
        if key + "_ends" not in self._arrays:  # ASCII text, or a format 2 file: one split
            strings = str(memoryview(blob), "utf-8", TEXT_ERRORS).split(_SEP)
            if len(strings) != count:
                raise ValueError(f"{key}: {len(strings)} strings for {count} values")
            return strings
        starts, ends = self._text_bounds(key)  # checks the stored offsets
        view = memoryview(blob)
        return [
            str(view[a:b], "utf-8", TEXT_ERRORS) for a, b in zip(starts.tolist(), ends.tolist())
        ]

    def _texts(self, key: str) -> list[object]:
        """:meth:`_strings` with None where a value is missing."""
        values: list[object] = self._strings(key)  # type: ignore[assignment]
        for i in np.flatnonzero(self._arrays[key + "_missing"]):
            values[i] = None
        return values

    def _decode(self, key: str, kind: str) -> pd.Series:
        """A whole column, exactly as format 3 has always loaded it."""
        arrays, index = self._arrays, self.index
        if kind == "text":
            return pd.Series(self._texts(key), index=index, dtype=object)
        if kind in _SEQUENCE_KINDS:
            items = self._list_words(key)[
                arrays[key + "_codes"]
            ].tolist()  # each distinct string decoded once
            starts, ends = self._list_bounds(key)
            cells = [items[a:b] for a, b in zip(starts.tolist(), ends.tolist())]
            if kind == "text_tuples":
                cells = [tuple(cell) for cell in cells]
            return pd.Series(cells, index=index, dtype=object)
        if kind in ("json", "json_tuples"):
            values = json.loads(arrays[key].tobytes().decode("utf-8", TEXT_ERRORS))
            if kind == "json_tuples":
                values = [_unjson(v) for v in values]
            return pd.Series(values, index=index, dtype=object)
        numbers, missing = arrays[key], arrays[key + "_missing"]
        if kind.startswith(("int", "Int", "uint", "UInt")):
            nullable = missing.any() or kind.startswith(("Int", "UInt"))
            values = pd.array(
                np.where(missing, 0, numbers).astype(np.int64),
                dtype="Int64" if nullable else "int64",
            )
            if missing.any():
                values[missing] = pd.NA
            return pd.Series(values, index=index)
        if kind in ("bool", "boolean"):
            return pd.Series(numbers.astype(bool), index=index)
        return pd.Series(numbers, index=index)

    def column(self, name: str) -> pd.Series:
        """The whole column ``name``, decoded once."""
        key, kind = self._key(name)
        if key not in self._decoded:
            with gc_paused():
                self._decoded[key] = self._decode(key, kind)
        return self._decoded[key].rename(name)

    def take(self, name: str, rows: np.ndarray) -> np.ndarray:
        """``column(name).to_numpy()[rows]``, decoding only those rows of text columns."""
        key, kind = self._key(name)
        if (
            key in self._decoded
            or kind not in ("text", *_SEQUENCE_KINDS)
            or len(rows) > len(self.index) // 4
        ):
            return self.column(name).to_numpy()[rows]
        out = np.empty(len(rows), dtype=object)
        if kind == "text":
            starts, ends = self._text_bounds(key)
            view, missing = memoryview(self._arrays[key]), self._arrays[key + "_missing"]
            for i, (row, a, b) in enumerate(
                zip(rows.tolist(), starts[rows].tolist(), ends[rows].tolist())
            ):
                out[i] = None if missing[row] else str(view[a:b], "utf-8", TEXT_ERRORS)
            return out
        words = self._list_words(key)
        starts, ends = self._list_bounds(key)
        codes, make = self._arrays[key + "_codes"], _SEQUENCE_KINDS[kind]
        for i, (a, b) in enumerate(zip(starts[rows].tolist(), ends[rows].tolist())):
            out[i] = make(words[codes[a:b]].tolist())
        return out

    def _list_bounds(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """First and past-the-last item of every cell of a list column."""
        if key + "_cells" not in self._bounds:
            offsets = np.r_[0, np.cumsum(self._arrays[key + "_lengths"])]
            self._bounds[key + "_cells"] = (offsets[:-1], offsets[1:])
        return self._bounds[key + "_cells"]

    def _list_words(self, key: str) -> np.ndarray:
        if key not in self._words:
            words = np.empty(len(self._arrays[key + "_missing"]), dtype=object)
            words[:] = self._strings(key)
            self._words[key] = words
        return self._words[key]

    def frame(self) -> pd.DataFrame:
        """Every column decoded, as a DataFrame."""
        if not self.columns:  # as pd.DataFrame() has it (e.g. an empty load report)
            return pd.DataFrame(index=self.index)
        data = {col: self.column(col) for col in self.columns}
        return pd.DataFrame(data, index=self.index, columns=self.columns)


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple):
        return {"__tuple__": [_jsonable(v) for v in value]}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is None:
        return None
    return value


def _unjson(value: Any) -> Any:
    if isinstance(value, dict) and "__tuple__" in value:
        return tuple(_unjson(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_unjson(v) for v in value]
    return value


class SetMetadata:
    """A library's per-set metadata: a frame, or saved columns decoded when first read.

    Parameters
    ----------
    data : DataFrame or StoredFrame
        The metadata (a frame already has its ``size`` column last).
    index : pandas.Index
        The set ids.
    sizes : array of int64, shape (n_sets,)
        Genes per set, the ``size`` column of stored metadata.
    """

    def __init__(self, data: pd.DataFrame | StoredFrame, index: pd.Index, sizes: np.ndarray):
        self.frame = data if isinstance(data, pd.DataFrame) else None
        self.stored = data if self.frame is None else None
        self._index, self._sizes = index, sizes
        # Each column read by take, as pandas' default str dtype when a DataFrame would infer
        # it for the column's values (pandas 3: Arrow-backed, built once per column).
        self._text: dict[str, ExtensionArray] = {}

    def whole(self) -> pd.DataFrame:
        """Every column, ``size`` last (stored columns are decoded once, here)."""
        if self.frame is None:
            frame = self.stored.frame().drop(columns="size", errors="ignore")
            frame.index = self._index
            frame["size"] = self._sizes
            self.frame = frame
        return self.frame

    def columns(self) -> list[str]:
        """Column names, ``size`` last, without decoding any."""
        if self.frame is not None:
            return list(self.frame.columns)
        return [c for c in self.stored.columns if c != "size"] + ["size"]

    def column(self, name: str) -> pd.Series:
        """One whole column (decodes that column only)."""
        if self.frame is not None:
            return self.frame[name]
        if name == "size":
            return pd.Series(self._sizes, index=self._index, name="size")
        return self.stored.column(name).set_axis(self._index)

    def take(self, name: str, rows: np.ndarray) -> np.ndarray | ExtensionArray:
        """``whole()[name].to_numpy()[rows]``; stored text is decoded for those rows only. A
        column of pandas' default str dtype (pandas 3) keeps it: no Python object per row."""
        if self.frame is not None:
            values = self._text.get(name)
            if values is None:
                values = self._text[name] = _as_default_str(self.frame[name].array)
            if _is_default_str(values.dtype):
                return values.take(rows)  # the dtype a DataFrame infers for these strings
            return np.asarray(values)[rows]  # (to_numpy scans for NA in pandas 2)
        return self._sizes[rows] if name == "size" else self.stored.take(name, rows)


def _is_default_str(dtype: object) -> bool:
    """Whether ``dtype`` is pandas 3's default ``str`` (a StringDtype with NaN for missing)."""
    return isinstance(dtype, pd.StringDtype) and dtype.na_value is np.nan


def _as_default_str(values: ExtensionArray) -> ExtensionArray:
    """``values`` in pandas' default str dtype when they are text it would infer as such (pandas
    3); else as they are."""
    text = pd.DataFrame({"t": np.array(["text"], dtype=object)})["t"].dtype
    if not _is_default_str(text) or not isinstance(values, NumpyExtensionArray):
        return values
    array = np.asarray(values)
    if array.dtype != object or pd.api.types.infer_dtype(array, skipna=True) != "string":
        return values
    try:
        return pd.array(array, dtype=text)
    except (UnicodeEncodeError, ValueError, TypeError):  # e.g. surrogate-escaped bytes: as is
        return values
