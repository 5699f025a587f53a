"""load_snapshot's cache checks: which changes to a snapshot folder each ``verify`` mode sees."""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

import pfocr_enrich as pe
from pfocr_enrich.sources import download, snapshots
from pfocr_enrich.sources.snapshots import load_snapshot

SAMPLE = Path(__file__).parents[1] / "data" / "figures" / "sample"
PAGE = "PMC8413833__gr8.md"  # genes from its schema-jsonld keywords, MIF first
TABLE = "PMC10031380__sc1-genes.tsv"
OLD_NS = 1_000_000_000 * 1_600_000_000  # 2020-09-13: folder times set back so any change shows


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pe.FigureParseWarning)
        yield


def _snapshot(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "pfocr-database"
    shutil.copytree(SAMPLE, folder / "_figures")
    _age_folders(folder)
    return folder, tmp_path / "cache"


def _age_folders(folder: Path) -> None:
    # Folder times are as coarse as the kernel clock tick: without this, a change made in the
    # same few milliseconds as the copy could leave the folder's mtime as the first load saw it.
    for sub in (folder / "_figures", folder / "_figures" / "_data"):
        os.utime(sub, ns=(OLD_NS, OLD_NS))


def _load(folder: Path, cache: Path, verify: str, **kwargs) -> pe.GeneSetLibrary:
    return load_snapshot(folder, cache_dir=cache, errors="skip", verify=verify, **kwargs)


def _cached_after(
    change, tmp_path: Path, verify: str
) -> tuple[pe.GeneSetLibrary, pe.GeneSetLibrary]:
    """(first load, load after ``change(figures folder)``)."""
    folder, cache = _snapshot(tmp_path)
    first = _load(folder, cache, verify)
    assert first.info["snapshot_cached"] is False
    assert _load(folder, cache, verify).info["snapshot_cached"] is True
    change(folder / "_figures")
    return first, _load(folder, cache, verify)


def _add(figures: Path) -> None:
    text = (figures / PAGE).read_text().replace("PMC8413833__gr8", "PMC8413833__gr8copy")
    (figures / "PMC8413833__gr8copy.md").write_text(text)


def _remove(figures: Path) -> None:
    (figures / PAGE).unlink()


def _rename(figures: Path) -> None:
    (figures / PAGE).rename(figures / "PMC8413833__renamed.md")


def _replace_atomically(figures: Path) -> None:
    """What git checkout, rsync and atomic editor saves do: a new file takes the name."""
    page = figures / PAGE
    tmp = figures / ".PMC8413833__gr8.md.tmp"
    tmp.write_text(page.read_text().replace("  - MIF\n", "  - TP53\n"))
    os.replace(tmp, page)


def _replace_table_atomically(figures: Path) -> None:
    table = figures / "_data" / TABLE
    tmp = figures / "_data" / f".{TABLE}.tmp"
    tmp.write_text(table.read_text().replace("\t2064\t", "\t7157\t"))  # ERBB2's row now TP53
    os.replace(tmp, table)


def _rewrite_in_place(figures: Path) -> None:
    """What cp onto an existing file, '>' and Path.write_text do: same file, new bytes."""
    page = figures / PAGE
    page.write_text(page.read_text().replace("  - MIF\n", "  - TP53\n"))


def _rewrite_table_in_place(figures: Path) -> None:
    table = figures / "_data" / TABLE
    table.write_text(table.read_text().replace("\t2064\t", "\t7157\t"))


def _touch(figures: Path) -> None:
    os.utime(figures / PAGE, ns=(OLD_NS, OLD_NS))


def _temporary_file(figures: Path) -> None:
    swap = figures / ".PMC8413833__gr8.md.swp"  # an editor opened the page and quit
    swap.write_text("x")
    swap.unlink()


@pytest.mark.parametrize("verify", ["full", "quick"])
@pytest.mark.parametrize("change", [_add, _remove, _rename])
def test_both_checks_see_files_added_removed_and_renamed(change, verify, tmp_path):
    first, again = _cached_after(change, tmp_path, verify)
    assert again.info["snapshot_cached"] is False
    reference = pe.read_figures(tmp_path / "pfocr-database", errors="skip")
    assert again == reference and again.sets.equals(reference.sets)
    assert again != first or not again.sets.equals(first.sets)


@pytest.mark.parametrize("verify", ["full", "quick"])
def test_both_checks_see_a_page_replaced_under_its_name(verify, tmp_path):
    first, again = _cached_after(_replace_atomically, tmp_path, verify)
    assert again.info["snapshot_cached"] is False
    assert "TP53" in again[PAGE[:-3]] and "TP53" not in first[PAGE[:-3]]


@pytest.mark.parametrize("verify", ["full", "quick"])
def test_both_checks_see_a_data_table_replaced_under_its_name(verify, tmp_path):
    first, again = _cached_after(_replace_table_atomically, tmp_path, verify)
    assert again.info["snapshot_cached"] is False
    assert "TP53" in again["PMC10031380__sc1"] and "TP53" not in first["PMC10031380__sc1"]


@pytest.mark.parametrize("change", [_rewrite_in_place, _rewrite_table_in_place])
def test_the_full_check_sees_files_rewritten_in_place(change, tmp_path):
    _, again = _cached_after(change, tmp_path, "full")
    assert again.info["snapshot_cached"] is False
    assert "TP53" in again[PAGE[:-3] if change is _rewrite_in_place else "PMC10031380__sc1"]


@pytest.mark.parametrize("change", [_rewrite_in_place, _rewrite_table_in_place])
def test_the_quick_check_does_not_see_files_rewritten_in_place_as_documented(change, tmp_path):
    first, again = _cached_after(change, tmp_path, "quick")
    assert again.info["snapshot_cached"] is True and again == first  # stale, as documented
    # ... which the full check and refresh=True then repair.
    folder, cache = tmp_path / "pfocr-database", tmp_path / "cache"
    fixed = _load(folder, cache, "full")
    assert fixed.info["snapshot_cached"] is False and fixed != first
    assert _load(folder, cache, "quick").info["snapshot_cached"] is True
    assert _load(folder, cache, "quick") == fixed


def test_touching_a_file_parses_again_under_the_full_check_only(tmp_path):
    first, again = _cached_after(_touch, tmp_path, "full")
    assert again.info["snapshot_cached"] is False and again == first
    first, again = _cached_after(_touch, tmp_path / "quick", "quick")
    assert again.info["snapshot_cached"] is True and again == first


def test_a_temporary_file_created_and_deleted_costs_only_the_quick_check_a_parse(tmp_path):
    first, again = _cached_after(_temporary_file, tmp_path, "full")
    assert again.info["snapshot_cached"] is True and again == first
    first, again = _cached_after(_temporary_file, tmp_path / "quick", "quick")
    assert again.info["snapshot_cached"] is False and again == first


def test_a_cache_written_under_one_check_serves_the_other(tmp_path):
    folder, cache = _snapshot(tmp_path)
    first = _load(folder, cache, "quick")
    again = _load(folder, cache, "full")
    assert again.info["snapshot_cached"] is True and again == first
    assert _load(folder, cache, "quick").info["snapshot_cached"] is True
    assert len(list((cache / "snapshots").glob("*.npz"))) == 1


def test_refresh_parses_again_and_replaces_the_cache(tmp_path):
    folder, cache = _snapshot(tmp_path)
    first = _load(folder, cache, "full")
    page = folder / "_figures" / PAGE
    before = page.stat()
    page.write_text(page.read_text().replace("  - MIF\n", "  - KIT\n"))  # same size...
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))  # ...and mtime: no check sees it
    stale = _load(folder, cache, "full")
    assert stale.info["snapshot_cached"] is True and stale == first
    fresh = _load(folder, cache, "full", refresh=True)
    assert fresh.info["snapshot_cached"] is False
    assert "KIT" in fresh[PAGE[:-3]] and "KIT" not in first[PAGE[:-3]]
    assert _load(folder, cache, "full") == fresh
    assert len(list((cache / "snapshots").glob("*.npz"))) == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_quick_check_sees_a_git_checkout(tmp_path):
    folder, cache = _snapshot(tmp_path)
    figures = folder / "_figures"

    def git(*args: str) -> None:
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
        }
        subprocess.run(["git", *args], cwd=folder, env=env, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", ".")
    git("commit", "-q", "-m", "snapshot")
    git("checkout", "-q", "-b", "update")
    _rewrite_in_place(figures)  # the edit is committed on a branch...
    git("commit", "-q", "-am", "MIF -> TP53")
    git("checkout", "-q", "main")
    _age_folders(folder)
    first = _load(folder, cache, "quick")
    assert "TP53" not in first[PAGE[:-3]]
    git("checkout", "-q", "update")  # ...and reaches the folder through git
    again = _load(folder, cache, "quick")
    assert again.info["snapshot_cached"] is False and "TP53" in again[PAGE[:-3]]


def test_verify_and_refresh_are_checked(tmp_path):
    folder, cache = _snapshot(tmp_path)
    with pytest.raises(ValueError, match="The 'verify' parameter of load_snapshot must be one of"):
        load_snapshot(folder, cache_dir=cache, verify="fast")
    with pytest.raises(TypeError, match="The 'refresh' parameter of load_snapshot must be a bool"):
        load_snapshot(folder, cache_dir=cache, refresh="yes")


# -- moved from test_releases.py
def _copy_sample(folder: Path) -> Path:
    shutil.copytree(SAMPLE, folder / "_figures")
    return folder


def test_load_snapshot_parses_once_then_loads_from_the_cache(tmp_path):
    snapshot = _copy_sample(tmp_path / "pfocr-database")
    cache = tmp_path / "cache"
    with pytest.warns(pe.FigureParseWarning):
        first = load_snapshot(snapshot, cache_dir=cache)
    reference = pe.read_figures(snapshot, errors="skip")
    assert first == reference and first.sets.equals(reference.sets)
    assert first.info["snapshot_cached"] is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no parsing, so no warning
        again = load_snapshot(snapshot, cache_dir=cache)
    assert again == first and again.info["snapshot_cached"] is True
    assert again.sets.equals(first.sets)
    assert again.load_report.equals(first.load_report)
    assert len(list((cache / "snapshots").glob("*.npz"))) == 1


def test_load_snapshot_parses_again_when_the_listing_changes(tmp_path):
    snapshot = _copy_sample(tmp_path / "pfocr-database")
    cache = tmp_path / "cache"
    first = load_snapshot(snapshot, cache_dir=cache, errors="skip")
    (snapshot / "_figures" / "PMC8413833__gr8.md").unlink()
    second = load_snapshot(snapshot, cache_dir=cache, errors="skip")
    assert second.info["snapshot_cached"] is False and len(second) == len(first) - 1
    table = snapshot / "_figures" / "_data" / "PMC10031380__sc1-genes.tsv"
    text = table.read_text()
    table.write_text(text.replace("\t2064\t", "\t7157\t"))  # ERBB2 row now says TP53's Entrez ID
    third = load_snapshot(snapshot, cache_dir=cache, errors="skip")
    assert third.info["snapshot_cached"] is False
    assert "TP53" in third["PMC10031380__sc1"] and "TP53" not in second["PMC10031380__sc1"]
    assert len(list((cache / "snapshots").glob("*.npz"))) == 1  # older listings are replaced


def test_load_snapshot_needs_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_snapshot: no such folder"):
        load_snapshot(tmp_path / "missing", cache_dir=tmp_path)


# -- the full check's key (was tests/sources/test_statwalk.py, with the helper process) -------
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
    """Two folders of odd names, a subfolder, a link and a broken link."""
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


def test_the_key_is_the_one_of_earlier_versions(tree):
    assert snapshots._files_key(tree) == _reference_key(tree)


def test_a_name_that_is_not_utf8(tmp_path):
    if sys.platform in ("darwin", "win32"):
        pytest.skip("the file system wants valid names")
    folder = tmp_path / "pages"
    folder.mkdir()
    for name in [b"a.md", b"b\xff\xfe.md", b"c\xc3.md", b"\xe2\x82.md", "\u00e9.md".encode()]:
        with open(os.path.join(os.fsencode(folder), name), "wb") as fh:
            fh.write(b"z")
    assert snapshots._files_key([folder]) == _reference_key([folder])


@pytest.mark.parametrize("where", ["pages", "tables"])
@pytest.mark.parametrize("change", ["size", "mtime", "new file", "removed file"])
def test_a_change_to_one_file_changes_the_key(tree, where, change):
    pages, tables = tree
    target = pages / "PMC0__f0.md" if where == "pages" else tables / "PMC7__f7-genes.tsv"
    before = snapshots._files_key(tree)
    assert before == _reference_key(tree)
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
    after = snapshots._files_key(tree)
    assert after != before
    assert after == _reference_key(tree)


def test_load_snapshot_sees_a_touched_page(tmp_path):
    folder, cache = tmp_path / "snap", tmp_path / "cache"
    shutil.copytree(SAMPLE, folder / "_figures")
    first = load_snapshot(folder, cache_dir=cache, errors="skip")
    again = load_snapshot(folder, cache_dir=cache, errors="skip")
    assert again.info["snapshot_cached"] is True and again == first
    page = next((folder / "_figures").glob("*.md"))
    info = page.stat()
    os.utime(page, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000))
    touched = load_snapshot(folder, cache_dir=cache, errors="skip")
    assert touched.info["snapshot_cached"] is False and touched == first


# -- awkward folders: issue 17 -------------------------------------------------------------------
@pytest.mark.parametrize("verify", ["full", "quick"])
def test_a_symlink_loop_in_the_folder_is_left_out_as_read_figures_leaves_it(tmp_path, verify):
    if os.name == "nt":
        pytest.skip("symlink loops")
    folder, cache = _snapshot(tmp_path)
    figures = folder / "_figures"
    os.symlink(figures / "a-loop.md", figures / "a-loop.md")  # ELOOP on stat
    os.symlink(figures / "b-loop.md", figures / "c-loop.md")
    os.symlink(figures / "c-loop.md", figures / "b-loop.md")
    first = _load(folder, cache, verify)
    assert first == pe.read_figures(folder, errors="skip")
    again = _load(folder, cache, verify)
    assert again.info["snapshot_cached"] is True and again == first


@pytest.mark.skipif(sys.platform in ("darwin", "win32"), reason="the file system wants UTF-8")
@pytest.mark.parametrize("verify", ["full", "quick"])
def test_a_page_whose_file_name_is_not_utf8(tmp_path, verify):
    folder, cache = _snapshot(tmp_path)
    figures = os.fsencode(folder / "_figures")
    text = (folder / "_figures" / PAGE).read_bytes().replace(b"PMC8413833__gr8", b"PMC1__f1")
    with open(os.path.join(figures, b"PMC1__f\xff.md"), "wb") as fh:
        fh.write(text)
    reference = pe.read_figures(folder, errors="skip")
    first = _load(folder, cache, verify)
    assert first == reference and first.sets.equals(reference.sets)
    again = _load(folder, cache, verify)
    assert again.info["snapshot_cached"] is True and again == first
    assert again.sets["file"].tolist() == reference.sets["file"].tolist()  # the same names
    assert any("\udcff" in name for name in again.sets["file"])


def test_a_temporary_file_of_a_killed_save_is_swept(tmp_path, monkeypatch):
    folder, cache = _snapshot(tmp_path)
    left = cache / "snapshots" / ".snapshot-0123456789abcdef-0123.npz.4242.0badf00d.tmp"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"x" * 1000)  # what SIGKILL during a 185 MB save leaves
    old = time.time() - download.STALE_AFTER - 60
    os.utime(left, (old, old))
    _load(folder, cache, "full")
    assert not left.exists()
    assert [p.suffix for p in (cache / "snapshots").iterdir()] == [".npz"]
