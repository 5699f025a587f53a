"""Official PFOCR releases on demand: per-organism GMTs, downloaded once, verified and cached.

:func:`load_pfocr` finds the release (:mod:`.listing`), downloads its GMT once
into a user cache folder through pooch within a deadline and a size limit
(:mod:`.download`), checks that it parses as a GMT before recording its size and
SHA-256 in a manifest, converts it to the fast binary form
(:meth:`GeneSetLibrary.save`) and returns a library whose ``info`` says where it
came from (:mod:`.manifest` has the cache layout). :func:`cached_releases` and
:func:`clear_cache` show and empty the cache.

Every file reaches its final name by an atomic rename of a complete, verified
temporary file in the same folder, so a reader never sees half a file and two
processes filling the cache at once cannot corrupt it (the last rename wins;
both wrote the same bytes).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd

from .._util.files import cache_root
from .._util.validation import param_error
from ..errors import (
    ChecksumError,
    DownloadError,
    MetadataJoinWarning,
    OfflineError,
    ReleaseNotFoundError,
)
from ..library import GeneSetLibrary
from .download import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, Limits, check_max_bytes, check_timeout
from .listing import (
    DEFAULT_BASE_URL,
    RELEASE_RE,
    NotFound,
    Offline,
    check_base_url,
    check_checksum,
    check_organism,
    check_release,
    display,
    gmt_files,
    gmt_name,
    list_releases,
    listed_sizes,
    listing,
    listing_page,
    parse_listing,
    releases_in,
)
from .manifest import Entry, cached_table, is_ours

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_BASE_URL",
    "ChecksumError",
    "DownloadError",
    "MetadataJoinWarning",
    "OfflineError",
    "ReleaseNotFoundError",
    "cached_releases",
    "clear_cache",
    "list_releases",
    "load_pfocr",
]


# -- public API: releases ---------------------------------------------------------------
def load_pfocr(
    release: str = "current",
    organism: str = "Homo sapiens",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    base_url: str = DEFAULT_BASE_URL,
    checksum: str | None = None,
    progress: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> GeneSetLibrary:
    """Load an official PFOCR release: downloaded once, verified, cached, fast to reload.

    Parameters
    ----------
    release : str
        ``"current"`` (resolved to the dated release the server calls current
        today, which needs the network) or a release date ``"YYYYMMDD"``
        (loaded from the cache without the network once downloaded).
    organism : str
        ``"Homo sapiens"``, ``"Mus musculus"``, ...: the organism of the GMT.
    cache_dir : str or path-like, optional
        Cache folder; default the ``PFOCR_ENRICH_CACHE`` environment variable,
        else the user cache folder (``platformdirs.user_cache_dir("pfocr_enrich")``).
    base_url : str
        The PFOCR release folder.
    checksum : str, optional
        SHA-256 (``"sha256:<hex>"`` or ``"<hex>"``) the release GMT must have,
        to pin the exact file; see ``lib.info["checksum"]`` of an earlier load.
    progress : bool
        Show download progress as a tqdm bar on stderr. A tqdm-like object with
        ``update(n)`` is used as it is.
    timeout : float
        Seconds the download may take, all attempts together (default 600);
        a server that sends nothing for 30 s ends an attempt sooner. A cached
        release needs no download.
    max_bytes : int
        The largest GMT accepted, in bytes (default 500,000,000, ~25 times the
        largest release so far). The size announced by the server
        (``Content-Length``) or shown in the ``current/`` listing lowers the
        limit for that file; a larger body is stopped there.

    Returns
    -------
    GeneSetLibrary
        ``lib.info`` carries ``source``/``url`` (where the GMT was downloaded
        from), ``release`` (always the date, never ``"current"``),
        ``release_date``, ``organism``, ``sha256``, ``checksum``, ``size`` and
        ``downloaded``.

    Raises
    ------
    OfflineError
        The server cannot be reached and the release is not cached (always the
        case for ``"current"``); the message lists the cached releases usable
        instead. Another release is never loaded in place of the one asked for.
    ReleaseNotFoundError
        HTTP 404: no such release, or no GMT for the organism; the message
        lists what the server has, when it can be listed.
    ChecksumError
        Truncated or corrupted download (size differs from ``Content-Length``,
        SHA-256 differs from ``checksum`` or from the manifest of the first
        download), or a cached release whose SHA-256 is not ``checksum``.
        Nothing is left in the cache.
    DownloadError
        The connection broke or stalled mid-transfer, the download went over
        ``timeout`` or ``max_bytes``, the server answered an HTTP error, or
        what it sent is not a GMT (a maintenance page); nothing is left in the
        cache.

    Examples
    --------
    >>> lib = load_pfocr(organism="Homo sapiens")  # doctest: +SKIP
    >>> lib.info["release"], lib.info["checksum"]  # doctest: +SKIP
    ('20240410', 'sha256:...')
    >>> same = load_pfocr("20240410", checksum=lib.info["checksum"])  # doctest: +SKIP
    """
    func = "load_pfocr"
    release = check_release(release, func)
    organism_key = check_organism(organism, func)
    base = check_base_url(base_url, func)
    expected = check_checksum(checksum, func)
    if not isinstance(progress, bool) and not hasattr(progress, "update"):
        expected = "a bool or an object with an update(n) method"
        raise param_error(func, "progress", expected, progress, error=TypeError)
    timeout = check_timeout(timeout, func)
    max_bytes = check_max_bytes(max_bytes, func)
    root = cache_root(cache_dir, func)
    listed = None
    try:
        if release == "current":
            date, urls, listed = _resolve_current(base, organism_key)
        else:
            date, urls = release, [f"{base}/{release}/{gmt_name(release, organism_key)}"]
    except Offline as exc:
        raise _offline_error(exc, root, release, organism_key) from None
    entry = Entry(root, date, organism_key)
    lib, expected = entry.load(expected)
    if lib is not None:
        logger.info("load_pfocr: release %s (%s) from the cache %s", date, organism, entry.folder)
        return lib
    limits = Limits(timeout=timeout, max_bytes=max_bytes, listed=listed)
    try:
        return entry.download(urls, expected, limits=limits, progress=progress, requested=release)
    except Offline as exc:
        raise _offline_error(exc, root, release, organism_key) from None
    except NotFound as exc:
        raise _not_found_error(exc.url, base, date, organism_key) from None


def _resolve_current(base: str, organism_key: str) -> tuple[str, list[str], int | None]:
    """The dated release behind ``current/``, the URLs to try for its GMT and its listed size."""
    url = f"{base}/current"
    try:
        page = listing_page(url)
        files = gmt_files(parse_listing(page))
    except NotFound:
        raise ReleaseNotFoundError(
            f"no 'current' release listing at {url}/ (HTTP 404)", url=url + "/", release="current"
        ) from None
    if organism_key not in files:
        organisms = [display(o) for o in files]
        shown = ", ".join(organisms) if organisms else "none"
        msg = (
            f"the current PFOCR release at {url}/ has no GMT for organism "
            f"{display(organism_key)!r}; "
            f"organisms in it: {shown}"
        )
        raise ReleaseNotFoundError(
            msg,
            url=url + "/",
            release="current",
            organism=display(organism_key),
            available=organisms,
        )
    date = files[organism_key][-1]
    name = gmt_name(date, organism_key)
    # The dated folder is the stable address; current/ holds the same file (same dated name).
    return date, [f"{base}/{date}/{name}", f"{url}/{name}"], listed_sizes(page).get(name)


def _offline_error(exc: Offline, root: Path, release: str, organism_key: str) -> OfflineError:
    cached = cached_table(root)
    mine = cached[cached["organism"] == display(organism_key)]["release"].tolist()
    others = cached[cached["organism"] != display(organism_key)]
    what = "the current release" if release == "current" else f"release {release}"
    lines = [
        f"cannot reach the PFOCR release server to get {what} ({display(organism_key)}): {exc}."
    ]
    if mine:
        lines.append(
            f"Cached releases of {display(organism_key)} usable offline: {', '.join(mine)} "
            f"(pass release='{mine[-1]}'); nothing was loaded in their place."
        )
    else:
        lines.append(
            f"No release of {display(organism_key)} is cached in {root}; "
            "pe.sample_library() works offline."
        )
    if len(others):
        shown = ", ".join(
            f"{r} ({o})" for r, o in zip(others["release"], others["organism"], strict=True)
        )
        lines.append(f"Other cached releases: {shown}.")
    return OfflineError(" ".join(lines), url=exc.url, cached=mine)


def _not_found_error(url: str, base: str, release: str, organism_key: str) -> ReleaseNotFoundError:
    """HTTP 404 on a GMT: say whether the release or the organism is missing, and what exists."""
    organism = display(organism_key)
    try:
        files = gmt_files(listing(f"{base}/{release}"))
    except (Offline, NotFound, DownloadError):
        files = None
    if files:
        available = [display(o) for o in files]
        msg = (
            f"no such organism in PFOCR release {release}: {url} answered HTTP 404; "
            f"organisms in this release: {', '.join(available)}"
        )
        return ReleaseNotFoundError(
            msg, url=url, release=release, organism=organism, available=available
        )
    try:
        releases = releases_in(listing(base))
    except (Offline, NotFound, DownloadError):
        releases = []
    known = (
        f"; available releases: {', '.join(releases)}"
        if releases
        else " (the list of releases could not be read)"
    )
    msg = (
        f"no such PFOCR release/organism: {url} answered HTTP 404 for release {release} "
        f"({organism}){known}"
    )
    return ReleaseNotFoundError(
        msg, url=url, release=release, organism=organism, available=releases
    )


def cached_releases(*, cache_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """List the PFOCR releases in the cache (usable offline).

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Cache folder (see :func:`load_pfocr`).

    Returns
    -------
    DataFrame
        One row per cached GMT, sorted by release then organism, with columns
        ``release``, ``organism``, ``size`` (bytes), ``sha256``, ``url``,
        ``downloaded`` (UTC time), ``library`` (the converted library is
        cached too) and ``path``.

    Examples
    --------
    >>> import tempfile
    >>> cached_releases(cache_dir=tempfile.mkdtemp()).columns.tolist()
    ['release', 'organism', 'size', 'sha256', 'url', 'downloaded', 'library', 'path']
    """
    return cached_table(cache_root(cache_dir, "cached_releases"))


def clear_cache(
    *, cache_dir: str | os.PathLike[str] | None = None, release: str | None = None
) -> list[str]:
    """Delete cached PFOCR files: one release, or every release and snapshot.

    Only files this module writes are deleted (release GMTs, manifests,
    converted libraries, cached snapshots and leftover temporary files), so a
    ``cache_dir`` shared with other files is safe.

    Parameters
    ----------
    cache_dir : str or path-like, optional
        Cache folder (see :func:`load_pfocr`).
    release : str, optional
        A release date ``"YYYYMMDD"``; default everything.

    Returns
    -------
    list of str
        The deleted files.

    Examples
    --------
    >>> import tempfile
    >>> clear_cache(cache_dir=tempfile.mkdtemp())
    []
    """
    root = cache_root(cache_dir, "clear_cache")
    if release is not None:
        release = check_release(release, "clear_cache", allow_current=False)
    removed: list[str] = []
    releases = root / "releases"
    folders = (
        [releases / release]
        if release
        else (
            sorted(p for p in releases.iterdir() if p.is_dir() and RELEASE_RE.match(p.name))
            if releases.is_dir()
            else []
        )
    )
    if release is None:
        folders.append(root / "snapshots")
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and is_ours(path.name):
                path.unlink(missing_ok=True)
                removed.append(str(path))
        _rmdir_if_empty(folder)
    _rmdir_if_empty(releases)
    return removed


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
