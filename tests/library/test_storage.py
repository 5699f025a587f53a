"""GeneSetLibrary.save/load: the format 3 encodings, and reading files of format 2."""

from __future__ import annotations

import gc
import json
import os
import random
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pfocr_enrich as pe
from pfocr_enrich.errors import LibraryFormatError
from pfocr_enrich.library import GeneSetLibrary
from pfocr_enrich.library import storage as library_module


def _round_trip(lib: GeneSetLibrary, tmp_path) -> GeneSetLibrary:
    path = tmp_path / "lib.npz"
    lib.save(path)
    return GeneSetLibrary.load(path)


def _stored(path) -> dict[str, np.ndarray]:
    with np.load(path) as archive:
        return {k: archive[k] for k in archive.files}


def _kinds(path, prefix: str = "sets") -> dict[str, str]:
    return json.loads(_stored(path)[f"{prefix}/header"].tobytes())["kinds"]


def test_lists_and_tuples_of_text_round_trip_exactly(tmp_path):
    ids = ["a", "b", "c", "d"]
    sets = pd.DataFrame(
        {
            "organisms": [["Homo sapiens", "Mus musculus"], [], ["Homo sapiens"], ["", "é ü 漢字"]],
            "members": [("a", "x"), ("b",), (), ("d", "d", "ß")],
            "title": pd.Series(["plain", None, "ünïcode — dash", ""], index=ids, dtype=object),
        },
        index=ids,
    )
    lib = GeneSetLibrary.from_dict({s: ["TP53"] for s in ids}, sets=sets)
    again = _round_trip(lib, tmp_path)
    pd.testing.assert_frame_equal(again.sets, lib.sets)
    assert again.sets["organisms"].map(type).eq(list).all()
    assert again.sets["members"].map(type).eq(tuple).all()
    assert again.sets.loc["b", "title"] is None
    kinds = _kinds(tmp_path / "lib.npz")
    assert kinds["organisms"] == "text_lists" and kinds["members"] == "text_tuples"
    # Repeated items are stored once: "Homo sapiens" appears twice, "d" twice.
    stored = _stored(tmp_path / "lib.npz")
    organisms = stored["sets/0"].tobytes().decode("utf-8").split("\x1f")
    assert organisms == ["Homo sapiens", "Mus musculus", "", "é ü 漢字"]
    assert stored["sets/0_codes"].tolist() == [0, 1, 0, 2, 3]
    assert stored["sets/0_lengths"].tolist() == [2, 0, 1, 2]


@pytest.mark.parametrize(
    "cells",
    [
        [["x\x1fy"], ["z"]],  # an item holding the separator
        [["x"], None],  # a missing cell
        [["x"], ("y",)],  # lists and tuples mixed
        [[1, 2], ["z"]],  # not text
        [[["nested"]], ["z"]],
    ],
)
def test_other_list_columns_fall_back_to_json_and_still_round_trip(cells, tmp_path):
    lib = GeneSetLibrary.from_dict(
        {"a": ["X"], "b": ["Y"]}, sets=pd.DataFrame({"v": cells}, index=["a", "b"])
    )
    again = _round_trip(lib, tmp_path)
    assert _kinds(tmp_path / "lib.npz")["v"] in ("json", "json_tuples")
    assert again.sets["v"].tolist() == lib.sets["v"].tolist()
    assert [type(v) for v in again.sets["v"]] == [type(v) for v in lib.sets["v"]]


def test_non_ascii_text_keeps_offsets_and_ascii_text_does_not(tmp_path):
    lib = GeneSetLibrary.from_dict(
        {"a": ["X"], "b": ["Y"], "c": ["Z"]},
        sets=pd.DataFrame(
            {"ascii": ["x", None, ""], "wide": ["Δ", None, "日本"]},
            index=["a", "b", "c"],
            dtype=object,
        ),
    )
    again = _round_trip(lib, tmp_path)
    pd.testing.assert_frame_equal(again.sets, lib.sets)
    stored = _stored(tmp_path / "lib.npz")
    assert "sets/0_ends" not in stored
    assert stored["sets/1_ends"].tolist() == [2, 3, 10]  # "Δ" is 2 bytes, then "", then 6 bytes


def test_a_damaged_offset_table_is_a_format_error(tmp_path):
    lib = GeneSetLibrary.from_dict(
        {"a": ["X"]}, sets=pd.DataFrame({"t": ["Δ"]}, index=["a"], dtype=object)
    )
    path = tmp_path / "lib.npz"
    lib.save(path)
    arrays = _stored(path)
    arrays["sets/0_ends"] = np.array([1], dtype=np.int64)  # the string is 2 bytes long
    np.savez(path, **arrays)
    with pytest.raises(LibraryFormatError, match="offsets"):
        GeneSetLibrary.load(path)


def test_a_figure_library_round_trips_with_the_compact_list_columns(data_dir, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib = pe.read_figures(data_dir / "figures" / "sample")
    again = _round_trip(lib, tmp_path)
    assert again == lib and again.info == lib.info and again.name == lib.name
    pd.testing.assert_frame_equal(again.sets, lib.sets)
    pd.testing.assert_frame_equal(again.load_report, lib.load_report)
    kinds = _kinds(tmp_path / "lib.npz")
    assert kinds["organisms"] == kinds["entrez"] == "text_lists"


def test_files_of_format_2_still_load_identically(data_dir, monkeypatch):
    # Written by pfocr_enrich's format 2 code (lists as JSON, no offsets) from this same read,
    # made from the repository root so that file paths match.
    monkeypatch.chdir(data_dir.parent.parent)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib = pe.read_figures("tests/data/figures/sample")
    path = data_dir / "library" / "format2_figures.npz"
    assert json.loads(_stored(path)["header"].tobytes())["version"] == 2
    old = GeneSetLibrary.load(path)
    assert old == lib and old.info == lib.info and old.name == lib.name
    pd.testing.assert_frame_equal(old.sets, lib.sets)
    pd.testing.assert_frame_equal(old.load_report, lib.load_report)
    members = GeneSetLibrary.load(data_dir / "library" / "format2_members.npz")
    assert members.sets["members"].tolist() == [("s1", "s2"), ("s3",), ("s4",)]


def test_a_newer_format_is_refused_with_its_version(tmp_path):
    lib = GeneSetLibrary.from_dict({"a": ["X"]})
    path = tmp_path / "lib.npz"
    lib.save(path)
    arrays = _stored(path)
    header = json.loads(arrays["header"].tobytes())
    arrays["header"] = np.frombuffer(json.dumps(header | {"version": 99}).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(LibraryFormatError, match="format version 99, expected one of"):
        GeneSetLibrary.load(path)


@pytest.mark.parametrize(
    "header",
    [[1, 2], {"tag": "pfocr_enrich.GeneSetLibrary", "version": 3, "info": {}}, {"version": 3}],
    ids=["not-a-mapping", "no-name", "no-tag"],
)
def test_a_header_of_the_wrong_shape_is_a_format_error(header, tmp_path):
    path = tmp_path / "lib.npz"
    GeneSetLibrary.from_dict({"a": ["X"]}).save(path)
    arrays = _stored(path)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(path, **arrays)
    with pytest.raises(LibraryFormatError, match="lib.npz"):
        GeneSetLibrary.load(path)


def test_load_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    path = tmp_path / "lib.npz"
    GeneSetLibrary.from_dict({"a": ["X"]}).save(path)
    assert gc.isenabled()
    GeneSetLibrary.load(path)
    assert gc.isenabled()
    gc.disable()
    try:
        GeneSetLibrary.load(path)
        assert not gc.isenabled()
    finally:
        gc.enable()
    (tmp_path / "bad.npz").write_text("not a zip")
    with pytest.raises(LibraryFormatError):
        GeneSetLibrary.load(tmp_path / "bad.npz")
    assert gc.isenabled() and library_module._FORMAT_VERSION == 3


# -- loaded metadata is decoded when read ------------------------------------------------
def _mixed_library() -> GeneSetLibrary:
    ids = [f"PMC{i}__f{i}" for i in range(12)]
    sets = pd.DataFrame(
        {
            "title": pd.Series(
                [f"pathway {i}" if i % 5 else None for i in range(12)], index=ids, dtype=object
            ),
            "caption": pd.Series(
                [("Δ ünïcode " * i) if i % 4 else "" for i in range(12)], index=ids, dtype=object
            ),
            "year": pd.array([2000 + i if i % 3 else None for i in range(12)], dtype="Int64"),
            "score": np.linspace(0, 1, 12),
            "organisms": [["Homo sapiens"] * (i % 3) for i in range(12)],
            "members": [tuple(ids[: i % 4]) for i in range(12)],
            "odd": [[1, i] for i in range(12)],  # JSON fallback
        },
        index=ids,
    )
    genes = {s: [f"G{j}" for j in range(i % 5 + 1)] for i, s in enumerate(ids)}
    return GeneSetLibrary.from_dict(genes, sets=sets)


def test_a_loaded_library_decodes_no_metadata_until_read(tmp_path):
    lib = _mixed_library()
    again = _round_trip(lib, tmp_path)
    assert again._meta.frame is None and not again._meta.stored._decoded.keys() - {
        "sets/6"
    }  # only the JSON column
    assert list(again.set_ids) == list(lib.set_ids) and again.set_ids.name == "set_id"
    assert "load_report" not in repr(again) and again.metadata_columns() == list(lib.sets.columns)
    pd.testing.assert_frame_equal(again.sets, lib.sets)
    pd.testing.assert_frame_equal(again.load_report, lib.load_report)


@pytest.mark.parametrize("rows", [[], [0], [3, 1, 3], [11, 0, 5, 7], list(range(12))])
def test_taking_rows_of_a_loaded_column_matches_the_decoded_frame(rows, tmp_path):
    lib = _mixed_library()
    again = _round_trip(lib, tmp_path)
    rows = np.array(rows, dtype=np.int64)
    for col in lib.sets.columns:
        expected = lib.sets[col].to_numpy()[rows]
        got = again.column_values(col, rows)
        assert got.dtype == expected.dtype, col
        assert [type(v) for v in got] == [type(v) for v in expected], col
        assert all(
            x == y or (x != x and y != y) for x, y in zip(got.tolist(), expected.tolist())
        ), col  # NaN: missing year
    assert again._meta.frame is None  # taking rows never builds the frame


def test_enrichment_on_a_loaded_library_reads_only_the_columns_it_shows(tmp_path):
    lib = _mixed_library()
    again = _round_trip(lib, tmp_path)
    query = ["G0", "G1", "G2"]
    top = pe.enrich(query, again, min_size=1).top(5).table
    pd.testing.assert_frame_equal(top, pe.enrich(query, lib, min_size=1).top(5).table)
    caption = f"sets/{list(lib.sets.columns).index('caption')}"
    assert caption not in again._meta.stored._decoded and again._meta.frame is None


def test_filters_on_a_loaded_library_match_the_built_one(tmp_path):
    lib = _mixed_library()
    again = _round_trip(lib, tmp_path)
    for kwargs in ({"organisms": ["Homo sapiens"]}, {"years": [2001, 2002, 2010]}, {"min_size": 3}):
        a, b = again.filter(**kwargs), lib.filter(**kwargs)
        assert a == b
        pd.testing.assert_frame_equal(a.sets, b.sets)
    assert again.with_load_report(pd.DataFrame({"x": [1]})).load_report["x"].tolist() == [1]


@pytest.mark.parametrize(
    "damage",
    [
        lambda a: a.update(
            {"sets/4_codes": a["sets/4_codes"] + 100}
        ),  # codes past the stored items
        lambda a: a.update(
            {"sets/0": np.frombuffer(b"one\x1ftwo", dtype=np.uint8)}
        ),  # 2 titles for 12 sets
        lambda a: a.update({"sets/2_missing": a["sets/2_missing"][:3]}),
        lambda a: a.update({"indices": a["indices"] + 1000}),  # genes out of range
    ],
)
def test_damaged_columns_fail_when_loading_not_when_read(damage, tmp_path):
    path = tmp_path / "lib.npz"
    _mixed_library().save(path)
    arrays = _stored(path)
    damage(arrays)
    np.savez(path, **arrays)
    with pytest.raises(LibraryFormatError):
        GeneSetLibrary.load(path)


def test_a_saved_library_is_read_in_one_piece_and_its_checksums_are_checked(tmp_path):
    path = tmp_path / "lib.npz"
    lib = _mixed_library()
    lib.save(path)
    arrays = library_module._read_archive(path)
    assert arrays.keys() == _stored(path).keys()
    for key, value in _stored(path).items():
        np.testing.assert_array_equal(arrays[key], value)
        assert arrays[key].dtype == value.dtype
    raw = bytearray(path.read_bytes())
    at = raw.index(b"pathway 1")  # inside the stored titles
    raw[at] ^= 0x20
    path.write_bytes(bytes(raw))
    with pytest.raises(LibraryFormatError, match="CRC"):
        GeneSetLibrary.load(path)


def test_a_compressed_archive_still_loads(tmp_path):
    path = tmp_path / "lib.npz"
    lib = _mixed_library()
    lib.save(path)
    np.savez_compressed(path, **_stored(path))
    again = GeneSetLibrary.load(path)
    assert again == lib
    pd.testing.assert_frame_equal(again.sets, lib.sets)


def test_a_loaded_library_pickles_with_its_encoded_metadata(tmp_path):
    import pickle

    lib = _mixed_library()
    again = pickle.loads(pickle.dumps(_round_trip(lib, tmp_path)))
    assert again == lib and again._meta.frame is None
    pd.testing.assert_frame_equal(again.sets, lib.sets)


# -- damaged files and odd text (issue 17) -------------------------------------------------
def test_an_unknown_compression_method_is_a_format_error_with_the_path(tmp_path):
    path = tmp_path / "lib.npz"
    GeneSetLibrary.from_dict({"a": ["X"]}).save(path)
    raw = bytearray(path.read_bytes())
    entry = raw.index(b"PK\x01\x02")  # the first member's central directory entry
    raw[entry + 10 : entry + 12] = (99).to_bytes(2, "little")  # its compression method
    path.write_bytes(bytes(raw))
    with pytest.raises(LibraryFormatError, match=r"lib\.npz: cannot read saved library"):
        GeneSetLibrary.load(path)


def test_file_names_that_are_not_utf8_round_trip(tmp_path):
    odd = b"\xff.md".decode("utf-8", "surrogateescape")  # what os.listdir gives for b'\xff.md'
    lib = GeneSetLibrary.from_dict(
        {"a": ["X"], "b": ["Y"]},
        sets=pd.DataFrame(
            {"file": [odd, "b.md"], "files": [[odd], ["b.md"]]}, index=["a", "b"], dtype=object
        ),
        load_report=pd.DataFrame({"file": [odd], "problem": ["no_genes"]}, dtype=object),
        info={"source": odd},
    )
    again = _round_trip(lib, tmp_path)
    pd.testing.assert_frame_equal(again.sets, lib.sets)
    pd.testing.assert_frame_equal(again.load_report, lib.load_report)
    assert again.info == lib.info and again.column_values("file", np.array([0])).tolist() == [odd]


def test_a_figure_folder_with_a_file_name_that_is_not_utf8_saves_and_loads(data_dir, tmp_path):
    page = (data_dir / "figures" / "sample" / "PMC10031380__sc1.md").read_bytes()
    folder = tmp_path / "figures"
    folder.mkdir()
    with open(os.path.join(os.fsencode(folder), b"\xff.md"), "wb") as fh:
        fh.write(page)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lib = pe.read_figures(folder)
    assert any("\udcff" in str(v) for v in lib.sets.to_numpy().ravel())  # the name is kept
    again = _round_trip(lib, tmp_path)
    assert again == lib
    pd.testing.assert_frame_equal(again.sets, lib.sets)
    pd.testing.assert_frame_equal(again.load_report, lib.load_report)


def _damaged(raw: bytes, rnd) -> bytes:
    """``raw`` cut short, or with a few bytes flipped (half of them in zip or .npy headers)."""
    if rnd.random() < 0.2:
        return raw[: rnd.randrange(len(raw))]
    signatures = (b"PK\x01\x02", b"PK\x03\x04", b"PK\x05\x06", b"\x93NUMPY")
    headers = [at for at in range(len(raw)) if raw.startswith(signatures, at)]
    out = bytearray(raw)
    for _ in range(rnd.randint(1, 4)):
        at = rnd.randrange(len(raw))
        if rnd.random() < 0.5:
            at = min(rnd.choice(headers) + rnd.randrange(64), len(raw) - 1)
        out[at] ^= rnd.randint(1, 255)
    return bytes(out)


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(seed=st.integers(0, 2**32 - 1))
def test_a_damaged_file_loads_equal_or_raises_a_format_error(tmp_path_factory, seed):
    # Hypothesis picks the seed; the damage itself is uniform over the file (and its headers).
    folder = tmp_path_factory.mktemp("fuzz")
    lib = _mixed_library()
    lib.save(folder / "good.npz")
    path = folder / "bad.npz"
    path.write_bytes(_damaged((folder / "good.npz").read_bytes(), random.Random(seed)))
    try:
        again = GeneSetLibrary.load(path)
    except LibraryFormatError as exc:
        assert str(path) in str(exc)
        return
    # Loaded: then it is the same library, every column decodes, and nothing differs.
    assert again == lib and again.name == lib.name and again.info == lib.info
    pd.testing.assert_frame_equal(again.sets, lib.sets)
    pd.testing.assert_frame_equal(again.load_report, lib.load_report)
