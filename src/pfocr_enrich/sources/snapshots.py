"""Figure-page snapshots: a folder of ~100,000 PFOCR pages parsed once, then reloaded in under a second.

:func:`load_snapshot` runs :func:`pfocr_enrich.read_figures` on a checkout of
``wikipathways/pfocr-database`` once and saves the library in the cache folder
of :mod:`pfocr_enrich.sources.releases` (``<cache_dir>/snapshots``). Later calls load
the saved file while the folders are unchanged, as ``verify`` checks them:
``"full"`` compares every file's name, size and modification time (shared with
a helper process, :mod:`pfocr_enrich._statwalk`, on a second core), ``"quick"``
only the names and the folders' modification times.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._util.files import cache_root
from .._util.validation import check_choice, param_error
from .._util.version import __version__
from ..library import GeneSetLibrary
from . import _statwalk
from .cache import load_quietly, save_atomically

__all__ = ["load_snapshot"]

_SNAPSHOT_VERSION = 2  # 2: listing key of names + folder mtimes, files key of file stats


# -- the folders and their keys --------------------------------------------------------
def _snapshot_dirs(folder: Path) -> tuple[Path, list[Path]]:
    """The figures folder read_figures reads, and the _data folders it may use."""
    figures = folder / "_figures"
    figures = figures if figures.is_dir() else folder
    data = [d for d in dict.fromkeys((figures / "_data", figures.parent / "_data")) if d.is_dir()]
    return figures, data


# Values of load_snapshot's ``verify``: how a cached snapshot is checked against the folder.
_SNAPSHOT_CHECKS = ("full", "quick")


def _listing_key(folders: Iterable[Path]) -> str:
    """SHA-256 of each folder's identity, modification time and sorted entry names (no file stat).

    A folder's mtime changes whenever an entry is created, deleted or renamed in it, which is
    how git checkouts, unzip/tar, rsync and atomic editor saves replace a file: the key changes
    although the names are the same. A file rewritten in place (same name, same inode) does not
    touch its folder, so this key cannot see it: that is what :func:`_files_key` is for.
    """
    digest = hashlib.sha256()
    for folder in folders:
        info = os.stat(folder)  # before listing: a change in between shows in the next call
        names = sorted(os.listdir(folder))
        digest.update(
            f"\0{folder}\0{info.st_ino}\t{info.st_mtime_ns}\0".encode("utf-8", "surrogateescape")
        )
        digest.update("\0".join(names).encode("utf-8", "surrogateescape"))  # NUL: never in a name
    return digest.hexdigest()


def _files_key(folders: Iterable[Path]) -> str:
    """SHA-256 of the names, sizes and modification times of every file in the folders.

    Per folder: ``"\\0{folder}\\0"``, then ``"{name}\\0{size}\\t{mtime_ns}\\n"`` for each regular
    file in name order (UTF-8, surrogateescape). Many files are shared out with a helper process
    (:class:`_FilesKey`); the key is the same either way.
    """
    job = _FilesKey(folders)
    try:
        return job.result()
    finally:
        job.close()


def _files_key_here(folders: Iterable[Path]) -> str:
    """:func:`_files_key`, all of it in this process."""
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(_statwalk.encode(f"\0{folder}\0"))
        # one update per folder: hashing 190,000 small pieces costs more than joining them
        digest.update(_statwalk.encode(_statwalk.stat_lines(folder, _statwalk.listing(folder))))
    return digest.hexdigest()


# The full check of a large snapshot is shared with a helper process (_statwalk.py) on the
# other core: it lists the folders and stats their files from the first on while this process
# loads its cached library, then this process stats frames from the last file backwards until
# the two meet, so both finish together however long the load took. (Threads do not help:
# each stat hands the GIL over.) Measured on 2 cores, 186,667 files: 0.9 s alone, 0.6 s shared.
_STAT_HELPER_MIN_FILES = 10_000  # fewer files: all here (10,000: 45 ms either way, no load)
_STAT_FRAME = 1024  # names per frame, the unit of work of either process (~4 ms of stat)
_STAT_HELPER_TIMEOUT = 10.0  # seconds to wait for the helper's listing before doing without it


def _stat_helper_command() -> list[str] | None:
    """The command that runs ``_statwalk.py`` as a helper, or None where none can run."""
    exe, script = sys.executable, getattr(_statwalk, "__file__", None)
    if getattr(sys, "frozen", False) or not exe or not script or not os.path.isfile(script):
        return None
    # An application embedding Python (sys.executable is the application) must not be started.
    if not os.path.basename(exe).lower().startswith(("python", "pypy")) or not os.path.isfile(exe):
        return None
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    if cores < 2:
        return None  # a helper would only take turns with this process
    # -I -S: no site-packages, user site or PYTHON* variables (~15 ms to start); -X utf8 keeps
    # file names decoding as here (the helper checks the encoding and refuses if it differs).
    return [exe, "-I", "-S", *(["-X", "utf8"] if sys.flags.utf8_mode else []), script]


def _has_files(folders: Iterable[Path], at_least: int) -> bool:
    """Whether the folders hold at least that many entries (counting stops there)."""
    seen = 0
    for folder in folders:
        try:
            with os.scandir(folder) as entries:
                for _ in entries:
                    seen += 1
                    if seen >= at_least:
                        return True
        except OSError:
            return False  # the key raises it, in this process
    return False


class _HelperOutputError(Exception):
    """The helper's output does not follow _statwalk's protocol."""


class _StatHelper:
    """A ``_statwalk.py`` process listing the folders and stating their files, frame by frame.

    A thread sends the request and reads the answer as it comes (so that the helper never
    waits on a full pipe), into ``payloads`` (each folder's names) and ``frames``.
    """

    def __init__(self, command: list[str], folders: list[Path], frame: int) -> None:
        request = b"\0".join(
            [
                _statwalk.MAGIC,
                sys.getfilesystemencoding().encode("ascii"),
                sys.getfilesystemencodeerrors().encode("ascii"),
                b"%d" % frame,
                *(os.fsencode(folder) for folder in folders),
            ]
        )
        self.frame = frame
        self.payloads: list[tuple[int, bytes]] = []  # (count, NUL-separated names) per folder
        self.frames: list[tuple[bytes, int]] = []  # (lines, entries skipped) of frames 0, 1, ...
        self.bad = False  # output off the protocol: none of it is used
        self.listed = threading.Event()  # set once the listing is in, or will never be
        flags = getattr(subprocess, "CREATE_NO_WINDOW", 0) if os.name == "nt" else 0
        self.proc = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            bufsize=1 << 20,
            creationflags=flags,
        )
        try:
            _widen_pipe(self.proc.stdout)
            self.thread = threading.Thread(
                target=self._talk, args=(request, len(folders)), name="pfocr-statwalk", daemon=True
            )
            self.thread.start()
        except BaseException:
            self.thread = None
            self.stop()
            raise

    def _talk(self, request: bytes, n_folders: int) -> None:
        proc = self.proc
        try:
            try:
                proc.stdin.write(request)
                proc.stdin.close()
            except OSError:
                pass  # it exited or was stopped: its output tells
            out = proc.stdout
            if self._line(out) != _statwalk.MAGIC:
                raise _HelperOutputError
            for i in range(n_folders):
                count, payload = self._record(out, b"L", i)
                if (payload.count(b"\0") + 1 if count else len(payload)) != count:
                    raise _HelperOutputError
                self.payloads.append((count, payload))
            self.listed.set()
            j = 0
            for count, _ in self.payloads:
                for start in range(0, count, self.frame):
                    files, skipped, payload = self._record(out, b"R", j)
                    expected = min(self.frame, count - start)
                    if files + skipped != expected or payload.count(b"\0") != files:
                        raise _HelperOutputError
                    self.frames.append((payload, skipped))
                    j += 1
            if self._line(out) != b"E":
                raise _HelperOutputError
        except EOFError:
            pass  # it stopped (an error, or stop()): what came before is good
        except Exception:  # noqa: BLE001 - anything else off the protocol
            self.bad = True
        finally:
            self.listed.set()

    @staticmethod
    def _line(out: Any) -> bytes:
        line = out.readline(200)
        if not line.endswith(b"\n"):
            if len(line) < 200:
                raise EOFError
            raise _HelperOutputError
        return line[:-1]

    def _record(self, out: Any, tag: bytes, index: int) -> Any:
        head = self._line(out).split(b" ")
        if head[0] != tag or int(head[1]) != index or any(int(n) < 0 for n in head[2:]):
            raise _HelperOutputError
        *numbers, size = (int(n) for n in head[2:])
        payload = out.read(size)
        if len(payload) != size:
            raise EOFError
        return (*numbers, payload)

    def stop(self) -> None:
        """Stop the process (if still running), reap it and close the pipes; never waits long."""
        proc = self.proc
        try:
            proc.kill()
        except OSError:
            pass
        if self.thread is not None:
            self.thread.join(_STAT_HELPER_TIMEOUT)
        try:
            proc.wait(_STAT_HELPER_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        if self.thread is None or not self.thread.is_alive():
            for pipe in (proc.stdin, proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass


def _widen_pipe(pipe: Any) -> None:
    """Let the pipe hold 1 MB (Linux; 64 kB by default), ~25 frames the helper need not wait."""
    try:
        import fcntl

        fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)
    except (ImportError, AttributeError, OSError):
        pass


class _FilesKey:
    """:func:`_files_key` of the folders, started early: ``result()`` when it is needed.

    With at least ``_STAT_HELPER_MIN_FILES`` files and a usable Python, a helper process starts
    at once: it lists the folders and stats frames from the first file on, while this process
    does other work (load_snapshot loads the cached library). ``result()`` then stats frames
    from the last one backwards until it meets the helper's, stops the helper and hashes. The
    key is the same as when every file is stat'ed here: frames of a helper that fails, stops
    early, answers off the protocol or skips entries (folders, links that broke) are stat'ed
    here again, and the names come from one listing, the helper's.
    """

    def __init__(self, folders: Iterable[Path]) -> None:
        self.folders = list(folders)
        self.helper: _StatHelper | None = None
        self.helper_frames = 0  # frames of the helper the key used (0: not shared)
        command = _stat_helper_command()
        if command and _has_files(self.folders, _STAT_HELPER_MIN_FILES):
            try:
                self.helper = _StatHelper(command, self.folders, _STAT_FRAME)
            except Exception:  # noqa: BLE001 - no process, no pipe, no thread: all done here
                self.helper = None

    def result(self, own: int | None = None) -> str:
        """The key. ``own``: stat that many frames here and wait for the rest (tests)."""
        helper = self.helper
        if helper is None:
            return _files_key_here(self.folders)
        try:
            listed = helper.listed.wait(_STAT_HELPER_TIMEOUT)
            if not listed or len(helper.payloads) < len(self.folders):
                return _files_key_here(self.folders)  # it failed, or is too slow to list
            names: list[list[bytes] | None] = [None] * len(self.folders)
            grid = [
                (i, start, min(start + helper.frame, count))
                for i, (count, _) in enumerate(helper.payloads)
                for start in range(0, count, helper.frame)
            ]
            parts: list[bytes | None] = [None] * len(grid)
            end = len(grid)
            if own is None:  # until the two meet
                while end > len(helper.frames) and not helper.bad:
                    end -= 1
                    parts[end] = self._stat_frame(grid[end], names)
            else:
                for _ in range(min(own, end)):
                    end -= 1
                    parts[end] = self._stat_frame(grid[end], names)
                seen, since, thread = -1, 0.0, helper.thread
                while len(helper.frames) < end and thread is not None and thread.is_alive():
                    if len(helper.frames) != seen:
                        seen, since = len(helper.frames), time.monotonic()
                    elif time.monotonic() - since > _STAT_HELPER_TIMEOUT:
                        break  # silent for too long: the rest is done here
                    thread.join(0.01)
        finally:
            helper.stop()
        if helper.bad:
            return _files_key_here(self.folders)
        frames = helper.frames
        for j in range(end):
            if j < len(frames) and not frames[j][1]:
                parts[j] = frames[j][0]
                self.helper_frames += 1
            else:  # not sent, or entries skipped: the helper's view of them is not used
                parts[j] = self._stat_frame(grid[j], names)
        digest = hashlib.sha256()
        j = 0
        for i, folder in enumerate(self.folders):
            digest.update(_statwalk.encode(f"\0{folder}\0"))
            for _ in range(-(-helper.payloads[i][0] // helper.frame)):  # its frames, in order
                digest.update(parts[j])  # type: ignore[arg-type]
                j += 1
        return digest.hexdigest()

    def _stat_frame(self, cell: tuple[int, int, int], names: list[list[bytes] | None]) -> bytes:
        i, start, stop = cell
        listed = names[i]
        if listed is None:  # split when first needed: usually only the last folder's
            listed = names[i] = self.helper.payloads[i][1].split(b"\0")  # type: ignore[union-attr]
        part = [name.decode("utf-8", "surrogateescape") for name in listed[start:stop]]
        return _statwalk.encode(_statwalk.stat_lines(self.folders[i], part))

    def close(self) -> None:
        """Stop the helper, if any (result() does it too)."""
        if self.helper is not None:
            self.helper.stop()


def load_snapshot(
    folder: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    organism: str = "Homo sapiens",
    errors: str = "warn",
    name: str = "",
    verify: str = "full",
    refresh: bool = False,
) -> GeneSetLibrary:
    r"""Read a folder of PFOCR figure pages once, then reload it from the cache.

    The first call runs :func:`pfocr_enrich.read_figures` and saves the library
    (:meth:`GeneSetLibrary.save`); later calls load that file while the folder
    is unchanged, as ``verify`` checks it. The options and pfocr_enrich's
    version are part of the check. The folders checked are the figure pages'
    and the ``_data`` folders of companion tables.

    Parameters
    ----------
    folder : str or path-like
        A snapshot of ``wikipathways/pfocr-database`` (its ``_figures`` folder
        is used) or a folder of figure pages, as for ``read_figures``.
    cache_dir : str or path-like, optional
        Cache folder (see :func:`load_pfocr`); snapshots go to its
        ``snapshots`` subfolder, one file per source folder.
    organism, errors, name
        Passed to ``read_figures``. Its warning is emitted on the parsing call
        only; ``lib.load_report`` always has the details.
    verify : {"full", "quick"}
        How the cached library is checked against the folders.

        ``"full"`` (default): the name, size and modification time of every
        file. Any file added, removed, renamed, replaced, rewritten or touched
        parses again. This stats every file: 0.9-1.0 s for the ~186,000 files
        of a full snapshot in one process on the 2-core machine of
        docs/releases.md, more on a network file system. From 10,000 files on,
        a helper process (this Python, running ``pfocr_enrich/_statwalk.py``)
        lists the folders and stats files on another core while the cached
        library loads, and this process joins in after the load: a warm
        load of a full snapshot takes ~0.7 s there instead of ~1.2 s.
        Where no helper can run (one core, a frozen application) or it fails,
        every file is stat'ed here; the check is the same either way.

        ``"quick"``: the sorted file names and the modification time of each
        folder, with no per-file stat. It sees files added, removed or renamed,
        and files *replaced* by a new file of the same name, which is how
        ``git pull``/``git checkout``, ``unzip``, ``tar -x``, ``rsync`` and
        editors that save through a temporary file (vim, emacs) write. It does
        **not** see a file rewritten in place under the same name: ``cp``
        onto an existing file, shell redirection (``>``), ``Path.write_text``,
        editors that overwrite (nano). Use it when the folder only changes
        through git or whole-folder updates.
    refresh : bool
        Parse the folder again whatever the cache holds, and replace it (after
        an edit neither check can see, e.g. a same-size rewrite that keeps the
        modification time).

    Returns
    -------
    GeneSetLibrary
        As ``read_figures`` returns it; ``lib.info["snapshot_key"]`` identifies
        the folder listing it was read from and ``lib.info["snapshot_cached"]``
        says whether it came from the cache.

    Examples
    --------
    >>> import tempfile, os
    >>> folder, cache = tempfile.mkdtemp(), tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "PMC1__f1.md"), "w") as fh:
    ...     _ = fh.write("---\nfigid: PMC1__f1\nschema-jsonld:\n  keywords: [TP53, MDM2]\n---\n")
    >>> first = load_snapshot(folder, cache_dir=cache)
    >>> again = load_snapshot(folder, cache_dir=cache, verify="quick")
    >>> sorted(again["PMC1__f1"]), again.info["snapshot_cached"]
    (['MDM2', 'TP53'], True)
    """
    func = "load_snapshot"
    if not isinstance(folder, (str, os.PathLike)):
        raise param_error(func, "folder", "a folder of figure pages", folder, error=TypeError)
    check_choice(verify, _SNAPSHOT_CHECKS, func=func, param="verify")
    if not isinstance(refresh, bool):
        raise param_error(func, "refresh", "a bool", refresh)
    source = Path(folder)
    if not source.is_dir():
        raise FileNotFoundError(f"load_snapshot: no such folder: {source}")
    root = cache_root(cache_dir, func)
    figures, data = _snapshot_dirs(source)
    folders = [figures, *data]
    options = json.dumps([_SNAPSHOT_VERSION, __version__, organism, errors, name])
    folder_key = hashlib.sha256(
        f"{figures.resolve()}".encode("utf-8", "surrogateescape")
    ).hexdigest()[:16]
    snapshots = root / "snapshots"

    def keyed(listing: str) -> str:
        return hashlib.sha256((options + listing).encode("utf-8", "surrogateescape")).hexdigest()[
            :32
        ]

    # Keys are taken before parsing, so that a change made while parsing shows next time.
    listing_key: str | None = None
    files_key: str | None = None
    loaded: dict[Path, GeneSetLibrary | None] = {}
    if verify == "quick":  # the file named by the folders' listing key
        listing_key = keyed(_listing_key(folders))
        candidates = [snapshots / f"snapshot-{folder_key}-{listing_key}.npz"]
    else:  # any file of this folder (normally one) whose files match: a temporary file
        # created and deleted since changes the folders' listing key, not the files
        candidates = sorted(snapshots.glob(f"snapshot-{folder_key}-*.npz"))
        job = _FilesKey(folders)  # a large snapshot: a helper process stats files from now on
        try:  # ... while the first candidate loads, then this process helps it finish
            if candidates and not refresh:
                loaded[candidates[0]] = load_quietly(candidates[0])
            files_key = keyed(job.result())
        finally:
            job.close()
    for candidate in [] if refresh else candidates:
        lib = loaded.pop(candidate) if candidate in loaded else load_quietly(candidate)
        if lib is not None and (
            lib.info.get("snapshot_key") == listing_key
            if verify == "quick"
            else lib.info.get("snapshot_files_key") == files_key
        ):
            info = lib.info | {"snapshot_cached": True}
            return lib.with_info(info)  # metadata stays encoded until read
    from ..io.figures import read_figures

    # Both keys go into the file, so that either check can use it later.
    listing_key = listing_key or keyed(_listing_key(folders))
    files_key = files_key or keyed(_files_key(folders))
    path = snapshots / f"snapshot-{folder_key}-{listing_key}.npz"
    parsed = read_figures(os.fspath(source), errors=errors, organism=organism, name=name)
    info = parsed.info | {
        "snapshot_key": listing_key,
        "snapshot_files_key": files_key,
        "snapshot_cached": False,
    }
    lib = parsed.with_info(info)  # the same sets and report, no copies
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(lib, path)
    for old in path.parent.glob(f"snapshot-{folder_key}-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)  # an older listing of the same folder
    return load_quietly(path) or lib  # exactly what the next (cached) call returns
