"""Files written in one step, leftovers of killed writers, the cache folder, and pausing the GC."""

from __future__ import annotations

import codecs
import contextlib
import gc
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from .validation import check_path

CACHE_ENV = "PFOCR_ENRICH_CACHE"


def cache_root(cache_dir: object, func: str) -> Path:
    """The cache folder: ``cache_dir``, else ``$PFOCR_ENRICH_CACHE``, else the user cache dir."""
    if cache_dir is None:
        env = os.environ.get(CACHE_ENV)
        if env:
            return Path(env).expanduser()
        import platformdirs

        return Path(platformdirs.user_cache_dir("pfocr_enrich", appauthor=False))
    check_path(cache_dir, func=func, param="cache_dir", expected="None or a folder path")
    return Path(cache_dir).expanduser()  # type: ignore[arg-type]


def tmp_name(path: Path) -> Path:
    """A hidden temporary name beside ``path``, unique to this process and call."""
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def replace_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """``write`` a temporary file beside ``path``, then rename it over ``path``.

    Readers see the old file or the new one, never a part; the temporary file is
    removed on any failure.
    """
    tmp = tmp_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    """Write UTF-8 ``text`` to ``path`` in one step (see :func:`replace_atomically`)."""
    replace_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many containers and no cycle.

    Decoding a saved library creates some 200,000 lists, read_figures keeps about a
    million; every few thousand new containers CPython would otherwise traverse
    everything built so far (a third of a full snapshot's load, ~2 s of its parse).
    Mercurial does the same when it parses its big indexes.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def remove_stale(
    folder: Path, is_temporary: Callable[[str], bool], older_than: float
) -> list[Path]:
    """Delete the files of ``folder`` that ``is_temporary`` names and nobody touched lately.

    A file whose modification time is more than ``older_than`` seconds old is taken as
    left behind by a process that was killed; younger ones may belong to a live writer
    and are kept. A missing folder holds nothing. Returns the deleted files.
    """
    removed: list[Path] = []
    cutoff = time.time() - older_than
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return removed
    for entry in entries:
        if not is_temporary(entry.name):
            continue
        try:
            if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except FileNotFoundError:
            pass  # removed by another process meanwhile
    return removed


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def decode_error_line(path: str, limit: int | None) -> int | None:
    """1-based line of the first byte that is not UTF-8 among the first ``limit`` bytes, if any.

    ``limit=None`` reads the whole file.

    Text-mode files decode 8 KB chunks, so the line being read when a decoding
    error is raised is not always the line of the bad byte; this finds the latter.
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(-1 if limit is None else limit)
    except OSError:
        return None
    start = 3 if data.startswith(codecs.BOM_UTF8) else 0
    try:
        data[start:].decode("utf-8")
    except UnicodeDecodeError as exc:
        return len(_LINE_BREAK.findall(data, start, start + exc.start)) + 1
    return None
