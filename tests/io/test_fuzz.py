"""Property-based fuzzing of the readers (issue 17): random mutations of real inputs.

Seeds are the real sample pages and ``_data`` tables of ``tests/data/figures`` (with
the awkward and hardening cases) and real GMT lines. Each example mutates a few of
them at the byte level (inserts of YAML, CSV and encoding hazards, cuts, repeats,
line swaps) and reads the result. The invariant, for every reader: it raises the
library's own error (``FigureFormatError``, ``GMTFormatError``), or every input is
accounted for, in the library or in the load report.

In the suite each property runs ``PFOCR_FUZZ_EXAMPLES`` examples (default 20, a few
seconds). A longer local run, e.g. 10 minutes over all readers::

    PYTHONPATH=src python tests/io/test_fuzz.py --minutes 10

prints how many examples ran and every failure found (with its input).
"""

from __future__ import annotations

import gzip
import os
import re
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pfocr_enrich.errors import FigureFormatError, GMTFormatError
from pfocr_enrich.io.figures import FILE_PROBLEMS, read_figures
from pfocr_enrich.io.gmt import GMT_NOTES, read_gmt

DATA = Path(__file__).parents[1] / "data"
FIGURES = DATA / "figures"
PAGES = sorted(
    p for folder in ("sample", "edge", "bad", "hardening") for p in (FIGURES / folder).glob("*.md")
)
TABLES = sorted((FIGURES / "sample" / "_data").glob("*.tsv")) + sorted(
    (FIGURES / "hardening" / "_data").glob("*.tsv")
)
GMT_LINES = (DATA / "pfocr" / "pfocr_covid.gmt").read_bytes().splitlines(keepends=True)[:12]
GMT_SEEDS = [b"".join(GMT_LINES)] + [p.read_bytes() for p in sorted((DATA / "gmt").glob("*.gmt"))]
FIGID = re.compile(rb"^figid: *(\S+)", re.M)

EXAMPLES = int(os.environ.get("PFOCR_FUZZ_EXAMPLES", "20"))
# Bytes that break YAML, TSV, GMT or UTF-8 in ways seen in the wild or in the issue.
HAZARDS = [
    b"\x00", b"\xff", b"\xe9", b"\xc2\xb2", b"\xef\xbb\xbf", b"\xe2\x80\xa8", b"\r", b"\n",
    b"\r\n", b"\t", b" ", b'"', b"'", b"&a ", b"*a", b"!x ", b"!!str ", b": ", b"- ", b"-",
    b"#", b"%", b"[", b"]", b"{", b"}", b"|", b">", b"?", b"---\n", b"...\n", b"~", b"null",
    b"1.0e+30", b"2021-13-45", b"0x_", b"9606\t", b"NA", b".na.character", b"  ", b"x" * 300,
]  # fmt: skip

# One edit: (kind, where in the data from 0 to 1, a hazard, a length).
_EDIT = st.tuples(
    st.sampled_from(["insert", "delete", "repeat", "swap_lines", "replace"]),
    st.floats(0, 1, allow_nan=False),
    st.sampled_from(HAZARDS) | st.binary(min_size=1, max_size=6),
    st.integers(1, 80),
)
_EDITS = st.lists(_EDIT, max_size=5)

#: Examples run and failures found, by reader (for the long local run).
COUNTS: dict[str, int] = {"figures": 0, "tables": 0, "gmt": 0}


def mutate(data: bytes, edits: list[tuple[str, float, bytes, int]]) -> bytes:
    """Apply byte-level edits to ``data``."""
    for kind, where, hazard, length in edits:
        at = int(where * len(data))
        if kind == "insert":
            data = data[:at] + hazard + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + length :]
        elif kind == "repeat":
            data = data[:at] + data[at : at + length] * 2 + data[at + length :]
        elif kind == "replace":
            data = data[:at] + hazard + data[at + len(hazard) :]
        else:
            lines = data.split(b"\n")
            i = min(int(where * len(lines)), len(lines) - 1)
            j = (i + length) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
    return data


def _read_figures(folder: Path, errors: str):
    """read_figures, or the FigureFormatError it raised (any other exception fails the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return read_figures(folder, errors=errors, n_jobs=1)
        except FigureFormatError as err:
            return err


def check_figures(pages: list[bytes], tables: dict[int, bytes]) -> None:
    """Pages (and tables for some of them) in a folder: every page is a set or a report row."""
    COUNTS["figures" if not tables else "tables"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "_data").mkdir()
        names = []
        for i, page in enumerate(pages):
            names.append(folder / f"p{i}.md")
            names[-1].write_bytes(page)
            figid = FIGID.search(page)
            if i in tables and figid:
                name = figid.group(1).decode("utf-8", "replace").strip("'\"")
                # (a name the file system cannot hold is not written: the reader finds no table)
                if name and "/" not in name and "\x00" not in name and len(name) < 200:
                    (folder / "_data" / f"{name}-genes.tsv").write_bytes(tables[i])
        strict = _read_figures(folder, "raise")
        assert isinstance(strict, FigureFormatError) or len(strict) >= 1
        lib = _read_figures(folder, "skip")
        if isinstance(lib, FigureFormatError):
            assert lib.path == str(folder) and "no usable figure records" in str(lib)
            return
        report = lib.load_report
        files = report.loc[report["problem"].isin(FILE_PROBLEMS), "file"].tolist()
        kept = lib.sets["file"].tolist()
        # Every page once: a set of the library or one file-level row of the report.
        assert sorted(kept + files) == sorted(str(n) for n in names)
        assert report["line"].dropna().gt(0).all()
        for figid, row in lib.sets.iterrows():
            assert lib[figid] and all(e.isascii() and e.isdigit() for e in row["entrez"])
            notes = set(report.loc[report["figid"] == figid, "problem"])
            table = folder / "_data" / f"{figid}-genes.tsv"
            if os.path.lexists(table):  # a table is used, or the report says why not
                assert row["gene_source"] == "data_table" or notes & {
                    "invalid_data_table",
                    "data_table_no_human_rows",
                }


def check_gmt(data: bytes, *, gz: bool) -> None:
    """Every non-blank line of a GMT file is a set or a report row (or GMTFormatError)."""
    COUNTS["gmt"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("x.gmt.gz" if gz else "x.gmt")
        path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
        if gz and len(data) > 40:  # damage the compressed bytes too, now and then
            raw = path.read_bytes()
            path.write_bytes(raw[:30] + bytes(b ^ 0x5A for b in raw[30:34]) + raw[34:])
        try:
            read_gmt(path)
        except GMTFormatError:
            pass
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                lib = read_gmt(path, errors="skip")
        except GMTFormatError:
            return
        text = gzip.decompress(path.read_bytes()) if gz else path.read_bytes()
        lines = re.split(r"\r\n|\r|\n", text.decode("utf-8-sig"))
        nonblank = sum(1 for line in lines if line.strip())
        report = lib.load_report
        left_out = report[~report["problem"].isin(GMT_NOTES)]
        assert len(lib) + len(left_out) == nonblank
        assert all(s and s == s.strip() for s in lib.set_ids)
        control = re.compile("[\x00-\x08\x0a-\x1f\x7f]")
        assert not any(control.search(g) or g != g.strip() or not g for g in lib.genes)
        assert all(isinstance(n, int) and 1 <= n <= len(lines) for n in report["line"])


_PAGE = st.tuples(st.sampled_from([p.read_bytes() for p in PAGES]), _EDITS)
_TABLE = st.tuples(st.sampled_from([t.read_bytes() for t in TABLES]), _EDITS)


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def figure_pages_property(examples: int):
    """The property of pages alone, as a test running ``examples`` examples."""

    @_settings(examples)
    @given(st.lists(_PAGE, min_size=1, max_size=3))
    def run(pages):
        check_figures([mutate(data, edits) for data, edits in pages], {})

    return run


def data_tables_property(examples: int):
    """The property of pages with mutated companion tables."""

    @_settings(examples)
    @given(st.lists(_PAGE, min_size=1, max_size=2), st.lists(_TABLE, min_size=1, max_size=2))
    def run(pages, tables):
        check_figures(
            [mutate(data, edits) for data, edits in pages],
            {i: mutate(data, edits) for i, (data, edits) in enumerate(tables)},
        )

    return run


def gmt_property(examples: int):
    """The property of GMT files, plain or gzip-compressed (and sometimes damaged)."""

    @_settings(examples)
    @given(st.sampled_from(GMT_SEEDS), _EDITS, st.booleans())
    def run(data, edits, gz):
        check_gmt(mutate(data, edits), gz=gz)

    return run


test_fuzz_figure_pages = figure_pages_property(EXAMPLES)
test_fuzz_data_tables = data_tables_property(EXAMPLES)
test_fuzz_gmt = gmt_property(EXAMPLES)


@pytest.mark.parametrize("edits", [[("insert", 0.5, b"\x00", 1)], [("swap_lines", 0.1, b"", 3)]])
def test_mutate_edits_the_bytes(edits):
    data = b"a\nb\nc\nd\n"
    assert mutate(data, edits) != data


def _long_run(minutes: float) -> int:
    """Run the three properties in rounds until ``minutes`` have passed; print the counts."""
    import time
    import traceback

    stop = time.monotonic() + 60 * minutes
    properties = {
        "figures": figure_pages_property,
        "tables": data_tables_property,
        "gmt": gmt_property,
    }
    failures: dict[str, str] = {}  # by last traceback line: each distinct failure once
    while time.monotonic() < stop and len(failures) < 20:
        for name, prop in properties.items():
            try:
                prop(200)()
            except Exception as exc:  # noqa: BLE001 - a failure found: keep it and go on
                failures.setdefault(f"{name}: {exc!r}"[:200], traceback.format_exc())
            if time.monotonic() >= stop:
                break
    print(f"examples run: {COUNTS} (total {sum(COUNTS.values()):,}); failures: {len(failures)}")
    for failure in failures.values():
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Fuzz the readers for a while.")
    parser.add_argument("--minutes", type=float, default=10.0)
    raise SystemExit(_long_run(parser.parse_args().minutes))
