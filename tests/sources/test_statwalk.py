"""load_snapshot's full check shared with a helper process: the same key, whatever happens.

The key must be the one this process computes alone (and the one of earlier versions, so
that existing caches stay valid), whichever files the helper stats, and when the helper
cannot start, fails, hangs or answers garbage. Nothing here depends on timing: ``own=k``
makes this process stat exactly the last k frames and wait for the helper's others.
"""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import pfocr_enrich as pe
from pfocr_enrich.sources import _statwalk, snapshots

FRAME = 3  # names per frame in these tests: small folders still have several frames


def _reference_key(folders: list[Path]) -> str:
    """_files_key as it was before the helper (0.1.x caches hold keys made this way)."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(f"\0{folder}\0".encode("utf-8", "surrogateescape"))
        lines = []
        for name in sorted(os.listdir(folder)):
            try:
                info = os.stat(folder / name)
            except FileNotFoundError:
                continue
            if stat.S_ISREG(info.st_mode):
                lines.append(f"{name}\0{info.st_size}\t{info.st_mtime_ns}\n")
        digest.update("".join(lines).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


@pytest.fixture
def tree(tmp_path: Path) -> list[Path]:
    """Two folders of odd names, a subfolder, a link and a broken link (several frames each)."""
    pages, tables = tmp_path / "_figures", tmp_path / "_data"
    pages.mkdir()
    tables.mkdir()
    names = [f"PMC{i}__f{i}.md" for i in range(11)]
    names += ["with space.md", "ünïcødé ß.md", "日本語.md", "#hash;semi.md", "-dash.md"]
    for i, name in enumerate(names):
        (pages / name).write_text("x" * i)
    (pages / "_data").mkdir()  # an entry that is not a file
    if os.name != "nt":
        os.symlink(pages / "PMC1__f1.md", pages / "zz-link.md")
        os.symlink(pages / "gone.md", pages / "zz-broken.md")
    for i in range(8):
        (tables / f"PMC{i}__f{i}-genes.tsv").write_text("y" * (100 + i))
    return [pages, tables]


@pytest.fixture
def helper(monkeypatch):
    """The helper starts for any number of files, with small frames."""
    monkeypatch.setattr(snapshots, "_STAT_HELPER_MIN_FILES", 1)
    monkeypatch.setattr(snapshots, "_STAT_FRAME", FRAME)
    if snapshots._stat_helper_command() is None:
        pytest.skip("no helper process possible here (one core, or no python executable)")


def _key(folders: list[Path], own: int | None = None) -> tuple[str, snapshots._FilesKey]:
    job = snapshots._FilesKey(folders)
    try:
        return job.result(own), job
    finally:
        job.close()


def _n_frames(folders: list[Path]) -> int:
    return sum(-(-len(os.listdir(folder)) // FRAME) for folder in folders)


def _assert_reaped(job: snapshots._FilesKey) -> None:
    assert job.helper is not None
    assert job.helper.proc.returncode is not None  # waited for: no zombie
    assert not job.helper.thread.is_alive()
    assert job.helper.proc.stdout.closed and job.helper.proc.stdin.closed


def test_the_key_is_the_one_of_earlier_versions(tree):
    expected = _reference_key(tree)
    assert snapshots._files_key_here(tree) == expected
    assert snapshots._files_key(tree) == expected  # few files: all of it in this process


def test_the_helper_starts_only_for_many_files(tree, monkeypatch):
    job = snapshots._FilesKey(tree)
    assert job.helper is None  # 30 files, far below _STAT_HELPER_MIN_FILES
    job.close()
    monkeypatch.setattr(snapshots, "_STAT_HELPER_MIN_FILES", 20)
    if snapshots._stat_helper_command() is None:
        pytest.skip("no helper process possible here")
    assert snapshots._has_files(tree, 20) and not snapshots._has_files(tree, 10_000)
    job = snapshots._FilesKey(tree)
    assert job.helper is not None
    assert job.result() == _reference_key(tree)
    _assert_reaped(job)


@pytest.mark.usefixtures("helper")
def test_shared_keys_equal_the_key_made_here_whatever_the_split(tree):
    expected = _reference_key(tree)
    total = _n_frames(tree)
    for own in [0, 1, 2, total // 2, total - 1, total, total + 5, None]:
        key, job = _key(tree, own)
        assert key == expected, own
        _assert_reaped(job)
        if own == 0:  # the helper did all; frames with skipped entries are redone here
            assert job.helper_frames >= total - 2 and not job.helper.bad
        elif own is not None and own >= total:
            assert job.helper_frames == 0


@pytest.mark.usefixtures("helper")
def test_a_name_that_is_not_utf8(tmp_path):
    if sys.platform in ("darwin", "win32"):
        pytest.skip("the file system wants valid names")
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in [b"a.md", b"b\xff\xfe.md", b"c\xc3.md", b"\xe2\x82.md", "\u00e9.md".encode()]:
        with open(os.path.join(os.fsencode(folder), name), "wb") as fh:
            fh.write(b"z")
    expected = _reference_key([folder])
    for own in [0, 1, None]:
        assert _key([folder], own)[0] == expected


@pytest.mark.usefixtures("helper")
@pytest.mark.parametrize("share", ["helper", "here"])
@pytest.mark.parametrize("change", ["size", "mtime", "new file", "removed file"])
def test_a_change_to_one_file_in_either_share_changes_the_key(tree, share, change):
    pages, tables = tree
    # own=1: this process stats the last frame of _data, the helper everything else
    target = pages / "PMC0__f0.md" if share == "helper" else tables / "PMC7__f7-genes.tsv"
    before, job = _key(tree, own=1)
    assert before == _reference_key(tree) and job.helper_frames > 0
    info = target.stat()
    if change == "size":  # the same modification time
        target.write_bytes(target.read_bytes() + b"!")
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))
    elif change == "mtime":  # the same size
        os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000))
    elif change == "new file":
        (target.parent / (target.name + "~")).write_text("new")
    else:
        target.unlink()
    after, job = _key(tree, own=1)
    assert after != before
    assert after == _reference_key(tree)
    assert job.helper_frames > 0


# -- the helper cannot start, fails, hangs or answers garbage: the same key ----------------
@pytest.mark.parametrize("executable", ["", "/nonexistent/python3", sys.executable + "-app"])
def test_no_usable_python_means_no_helper(tree, monkeypatch, executable):
    monkeypatch.setattr(snapshots, "_STAT_HELPER_MIN_FILES", 1)
    monkeypatch.setattr(sys, "executable", executable)
    assert snapshots._stat_helper_command() is None
    key, job = _key(tree)
    assert job.helper is None and key == _reference_key(tree)


def test_a_frozen_application_starts_no_helper(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert snapshots._stat_helper_command() is None


@pytest.mark.usefixtures("helper")
def test_a_helper_that_cannot_start(tree, monkeypatch):
    def fail(*args, **kwargs):
        raise OSError("no processes left")

    monkeypatch.setattr(snapshots.subprocess, "Popen", fail)
    key, job = _key(tree)
    assert job.helper is None and key == _reference_key(tree)


PYTHON = [sys.executable, "-I", "-S", "-c"]
MAGIC = _statwalk.MAGIC.decode()
GARBAGE = {
    "prints garbage": "print('garbage')",
    "exits at once": "import sys; sys.exit(3)",
    "says nothing": "import sys; sys.stdin.buffer.read()",
    "garbage after the magic": f"print({MAGIC!r}); print('L 0 zero 7')",
    "wrong count": f"import sys; sys.stdout.buffer.write(b{MAGIC!r} + b'\\nL 0 5 3\\nabc')",
    "a long line": "print('x' * 100000)",
    "binary noise": "import sys; sys.stdout.buffer.write(bytes(range(256)) * 100)",
}


@pytest.mark.usefixtures("helper")
@pytest.mark.parametrize("code", GARBAGE.values(), ids=GARBAGE.keys())
def test_a_helper_that_fails_or_answers_garbage(tree, monkeypatch, code):
    monkeypatch.setattr(snapshots, "_stat_helper_command", lambda: [*PYTHON, code])
    for own in [None, 0, 2]:
        key, job = _key(tree, own)
        assert key == _reference_key(tree)
        assert job.helper is not None and job.helper_frames == 0
        _assert_reaped(job)


def _doctored_helper(tmp_path: Path, edit: str) -> list[str]:
    """A real helper whose output passes through ``edit`` (a Python expression of ``data``)."""
    script = tmp_path / "doctored.py"
    script.write_text(
        "import io, runpy, sys\n"
        "out = io.BytesIO()\n"
        f"sys.path.insert(0, {os.path.dirname(_statwalk.__file__)!r})\n"
        "import _statwalk\n"
        "status = _statwalk.serve(sys.stdin.buffer.read(), out.write)\n"
        "data = out.getvalue()\n"
        f"sys.stdout.buffer.write({edit})\n"
        "sys.exit(status)\n"
    )
    return [sys.executable, "-I", "-S", str(script)]


DOCTORED = {
    "frames out of order": "data.replace(b'R 1 ', b'R 9 ', 1)",
    "a frame cut short": "data[: data.index(b'R 2 ')]",
    "no end": "data[:-2]",
    "extra output": "data + b'more\\n'",
}


@pytest.mark.usefixtures("helper")
@pytest.mark.parametrize("edit", DOCTORED.values(), ids=DOCTORED.keys())
def test_a_helper_whose_frames_are_damaged(tree, tmp_path, monkeypatch, edit):
    command = _doctored_helper(tmp_path, edit)
    monkeypatch.setattr(snapshots, "_stat_helper_command", lambda: command)
    key, job = _key(tree, own=0)
    _assert_reaped(job)
    assert key == _reference_key(tree)


@pytest.mark.usefixtures("helper")
def test_a_silent_helper_is_given_up_and_stopped(tree, monkeypatch):
    monkeypatch.setattr(snapshots, "_STAT_HELPER_TIMEOUT", 0.3)
    monkeypatch.setattr(
        snapshots, "_stat_helper_command", lambda: [*PYTHON, "import time; time.sleep(60)"]
    )
    key, job = _key(tree)
    assert key == _reference_key(tree)
    _assert_reaped(job)
    assert job.helper.proc.returncode != 0  # killed, not waited out


@pytest.mark.usefixtures("helper")
def test_a_helper_that_stops_halfway(tree, tmp_path, monkeypatch):
    # the helper's frames before it stopped are used, the others are stat'ed here
    command = _doctored_helper(tmp_path, "data[: data.index(b'R 3 ')]")
    monkeypatch.setattr(snapshots, "_stat_helper_command", lambda: command)
    key, job = _key(tree, own=0)
    assert key == _reference_key(tree)
    assert 1 <= job.helper_frames <= 3 and not job.helper.bad


@pytest.mark.usefixtures("helper")
def test_an_error_in_the_helper_is_raised_here(tmp_path):
    if os.name == "nt":
        pytest.skip("symlink loops")
    folder = tmp_path / "loop"
    folder.mkdir()
    for i in range(7):
        (folder / f"f{i}.md").write_text("x")
    os.symlink(folder / "a-loop.md", folder / "a-loop.md")  # ELOOP: an OSError, not "missing"
    with pytest.raises(OSError) as here:
        snapshots._files_key_here([folder])
    for own in [0, None]:
        with pytest.raises(OSError) as shared:
            _key([folder], own)
        assert shared.value.errno == here.value.errno


def test_the_helper_refuses_a_request_it_cannot_serve():
    written = []
    request = [_statwalk.MAGIC, b"latin-1", b"strict", b"4", b"."]
    assert _statwalk.serve(b"\0".join(request), written.append) == 2
    assert _statwalk.serve(b"not a request", written.append) == 2
    assert written == []


def test_the_helper_imports_only_os_stat_and_sys():
    tree = ast.parse(Path(_statwalk.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    assert imported == {"os", "stat", "sys"}
    assert not any(isinstance(node, ast.ImportFrom) for node in ast.walk(tree))


@pytest.mark.usefixtures("helper")
def test_the_helper_prints_nothing_and_leaves_nothing(tree):
    code = (
        "import sys; from pfocr_enrich.sources import snapshots; snapshots._STAT_HELPER_MIN_FILES = 1; "
        "job = snapshots._FilesKey(sys.argv[1:]); print(job.result(0)); job.close(); "
        "assert job.helper_frames > 0"
    )
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    run = subprocess.run(
        [sys.executable, "-X", "dev", "-c", code, *map(str, tree)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    assert run.stderr == "" and run.stdout.strip() == _reference_key(tree)


@pytest.mark.usefixtures("helper")
def test_load_snapshot_with_the_helper(tmp_path, monkeypatch):
    sample = Path(__file__).parents[1] / "data" / "figures" / "sample"
    folder, cache = tmp_path / "snap", tmp_path / "cache"
    shutil.copytree(sample, folder / "_figures")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pe.FigureParseWarning)
        first = pe.load_snapshot(folder, cache_dir=cache, errors="skip")
        again = pe.load_snapshot(folder, cache_dir=cache, errors="skip")
        assert again.info["snapshot_cached"] is True and again == first
        monkeypatch.setattr(snapshots, "_STAT_HELPER_MIN_FILES", 10**9)  # written by the helper,
        alone = pe.load_snapshot(folder, cache_dir=cache, errors="skip")  # read without it
        assert alone.info["snapshot_cached"] is True
        monkeypatch.setattr(snapshots, "_STAT_HELPER_MIN_FILES", 1)
        page = next((folder / "_figures").glob("*.md"))
        info = page.stat()
        os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000))
        touched = pe.load_snapshot(folder, cache_dir=cache, errors="skip")
        assert touched.info["snapshot_cached"] is False and touched == first
