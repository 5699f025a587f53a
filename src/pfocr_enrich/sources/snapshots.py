"""Figure-page snapshots: a folder of ~100,000 PFOCR pages parsed once, then reloaded in under a second.

:func:`load_snapshot` runs :func:`pfocr_enrich.read_figures` on a checkout of
``wikipathways/pfocr-database`` once and saves the library in the cache folder
of :mod:`pfocr_enrich.sources.releases` (``<cache_dir>/snapshots``). Later calls load
the saved file while the folders are unchanged, as ``verify`` checks them:
``"full"`` compares every file's name, size and modification time (one ``stat``
per file), ``"quick"`` only the names and the folders' modification times.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from .._util.files import cache_root
from .._util.validation import check_bool, check_choice, check_path
from .._util.version import __version__
from ..io.figure_options import check_read_options
from ..library import GeneSetLibrary
from .cache import load_quietly, save_atomically
from .download import sweep

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
    file in name order (UTF-8, surrogateescape: names that are not UTF-8 keep their bytes).
    Entries that cannot be stat'ed (a broken link, a symlink loop, one deleted since the
    listing) and entries that are not regular files (folders) are left out, as
    ``read_figures`` leaves them out; an error on the folder itself is raised.
    """
    digest = hashlib.sha256()
    for folder in folders:
        digest.update(_encode(f"\0{folder}\0"))
        # one update per folder: hashing 190,000 small pieces costs more than joining them
        digest.update(_encode(_stat_lines(folder, sorted(os.listdir(folder)))))
    return digest.hexdigest()


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def _stat_lines(folder: Path, names: list[str]) -> str:
    """``"{name}\\0{size}\\t{mtime_ns}\\n"`` for each regular file among ``names``, in order."""
    # Relative stats against an open folder skip re-resolving the folder's path for each
    # of the ~190,000 files of a full snapshot (about 20% faster than DirEntry.stat).
    fd = os.open(folder, os.O_RDONLY) if os.stat in os.supports_dir_fd else None
    try:
        lines = []
        for name in names:
            try:
                if fd is not None:
                    info = os.stat(name, dir_fd=fd)
                else:
                    info = os.stat(os.path.join(folder, name))
            except OSError:  # gone, a broken link, a symlink loop (ELOOP), no permission
                continue
            if stat.S_ISREG(info.st_mode):
                lines.append(f"{name}\0{info.st_size}\t{info.st_mtime_ns}\n")
    finally:
        if fd is not None:
            os.close(fd)
    return "".join(lines)


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
        parses again. This stats every file: about 1 s for the ~186,000 files
        of a full snapshot on the 2-core machine of docs/releases.md (2 s when
        it is busy), more on a network file system. Entries that cannot be
        stat'ed (broken links, symlink loops) are left out, as
        ``read_figures`` leaves them out.

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
    check_path(folder, func=func, param="folder", expected="a folder of figure pages")
    check_choice(verify, _SNAPSHOT_CHECKS, func=func, param="verify")
    refresh = check_bool(refresh, func=func, param="refresh")
    # read_figures' own options, checked before they key the cache
    check_read_options(func=func, errors=errors, organism=organism, name=name)
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
    if verify == "quick":  # the file named by the folders' listing key
        listing_key = keyed(_listing_key(folders))
        candidates = [snapshots / f"snapshot-{folder_key}-{listing_key}.npz"]
    else:  # any file of this folder (normally one) whose files match: a temporary file
        # created and deleted since changes the folders' listing key, not the files
        files_key = keyed(_files_key(folders))
        candidates = sorted(snapshots.glob(f"snapshot-{folder_key}-*.npz"))
    for candidate in [] if refresh else candidates:
        lib = load_quietly(candidate)
        if lib is not None and (
            lib.info.get("snapshot_key") == listing_key
            if verify == "quick"
            else lib.info.get("snapshot_files_key") == files_key
        ):
            info = lib.info | {"snapshot_cached": True}
            return lib.with_info(info)  # metadata stays encoded until read
    from ..io.figures import read_figures  # PyYAML on first use

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
    sweep(path.parent)  # a save killed half-way (SIGKILL) left its temporary file
    save_atomically(lib, path)
    for old in path.parent.glob(f"snapshot-{folder_key}-*.npz"):
        if old != path:
            old.unlink(missing_ok=True)  # an older listing of the same folder
    return load_quietly(path) or lib  # exactly what the next (cached) call returns
