"""Official PFOCR releases on demand: per-organism GMTs, downloaded once, verified and cached.

PFOCR publishes one GMT per organism and release::

    <base_url>/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-<Organism_name>.gmt
    <base_url>/current/       (the files of the newest release)

:func:`load_pfocr` downloads a release GMT once into a user cache folder,
verifies it, converts it to the fast binary form (:meth:`GeneSetLibrary.save`)
and returns a library whose ``info`` says where it came from. The cache layout::

    <cache_dir>/releases/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-Homo_sapiens.gmt
    <cache_dir>/releases/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-Homo_sapiens.manifest.json
    <cache_dir>/releases/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-Homo_sapiens.npz
    <cache_dir>/snapshots/<folder key>-<listing key>.npz      (pfocr_enrich.sources.snapshots)

Every file reaches its final name by an atomic rename of a complete, verified
temporary file in the same folder, so a reader never sees half a file and two
processes filling the cache at once cannot corrupt it (the last rename wins;
both wrote the same bytes). The manifest, written once at the first download,
records the size and SHA-256 of the GMT; later downloads of the same release
must match it.

The transfer itself goes through :mod:`pooch` (temporary file, retries, move);
the downloader given to it streams with :mod:`requests`, checks the size
against ``Content-Length`` and hashes while writing.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import cache_root, write_text_atomically
from .._util.validation import param_error
from .._util.version import __version__
from ..errors import (
    ChecksumError,
    DownloadError,
    MetadataJoinWarning,
    OfflineError,
    ReleaseNotFoundError,
)
from ..library import GeneSetLibrary
from .cache import load_quietly, save_atomically

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

#: Where PFOCR releases are published.
DEFAULT_BASE_URL = "https://data.wikipathways.org/pfocr"
#: Environment variable that moves the default cache folder.

_RELEASE_RE = re.compile(r"^[0-9]{8}$")
_GMT_RE = re.compile(r"^pfocr-([0-9]{8})-gmt-([A-Za-z][A-Za-z0-9_.-]*)\.gmt$")
_HREF_RE = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_ORGANISM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9.-]*(?:[ _][A-Za-z0-9.-]+)*$")
_SHA256_RE = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")
_IMAGE_SUFFIX = re.compile(r"\.(?:jpe?g|png|gif|tiff?|bmp|webp)$", re.IGNORECASE)

_TIMEOUT = (10.0, 120.0)  # seconds: connect, and between two reads
_RETRIES = 2  # extra attempts after a broken or unverifiable transfer
_CHUNK = 1 << 16
_MANIFEST_VERSION = 1
# Columns of a figure library that describe how its genes were read, not the figure.
_GENE_COLUMNS = ("size", "gene_source", "entrez", "file", "members", "n_members")
_CACHED_COLUMNS = ["release", "organism", "size", "sha256", "url", "downloaded", "library", "path"]


class _NotFound(Exception):
    """HTTP 404 inside the downloader (not a ValueError: pooch must not retry it)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class _Offline(Exception):
    """No connection to the server (not a ValueError: pooch must not retry it)."""

    def __init__(self, url: str, reason: object) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


# -- argument checks ------------------------------------------------------------


def _check_release(release: object, func: str, *, allow_current: bool = True) -> str:
    expected = (
        "'current' or a release date 'YYYYMMDD'" if allow_current else "a release date 'YYYYMMDD'"
    )
    if allow_current and release == "current":
        return "current"
    if isinstance(release, int) and not isinstance(release, bool):
        release = str(release)
    if not isinstance(release, str) or not _RELEASE_RE.match(release.strip()):
        raise param_error(func, "release", expected, release)
    release = release.strip()
    try:
        _dt.datetime.strptime(release, "%Y%m%d")
    except ValueError:
        raise param_error(func, "release", expected + " (a real date)", release) from None
    return release


def _check_organism(organism: object, func: str) -> str:
    """Return the file-name form of an organism ('Homo sapiens' -> 'Homo_sapiens')."""
    if not isinstance(organism, str) or not _ORGANISM_RE.match(organism.strip()):
        raise param_error(func, "organism", "a species name such as 'Homo sapiens'", organism)
    return organism.strip().replace(" ", "_")


def _check_base_url(base_url: object, func: str) -> str:
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise param_error(func, "base_url", "an http:// or https:// URL", base_url)
    return base_url.rstrip("/")


def _check_checksum(checksum: object, func: str) -> str | None:
    if checksum is None:
        return None
    match = _SHA256_RE.match(checksum.strip()) if isinstance(checksum, str) else None
    if match is None:
        raise param_error(
            func, "checksum", "None or a SHA-256 hex digest (optionally 'sha256:...')", checksum
        )
    return match.group(1).lower()


def _display(organism_key: str) -> str:
    return organism_key.replace("_", " ")


def _gmt_name(release: str, organism_key: str) -> str:
    return f"pfocr-{release}-gmt-{organism_key}.gmt"


# -- small file helpers ---------------------------------------------------------
def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# -- HTTP -------------------------------------------------------------------------
def _headers() -> dict[str, str]:
    # identity: the size on disk must equal Content-Length.
    return {"Accept-Encoding": "identity", "User-Agent": f"pfocr_enrich/{__version__}"}


def _get(url: str, *, stream: bool = False) -> Any:
    """GET with our timeouts.

    No connection -> ``_Offline``, 404 -> ``_NotFound``, other errors -> ``DownloadError``.
    """
    import requests

    try:
        response = requests.get(url, stream=stream, timeout=_TIMEOUT, headers=_headers())
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise _Offline(url, _reason(exc)) from None
    except requests.RequestException as exc:
        raise DownloadError(f"{url}: {_reason(exc)}", url=url) from None
    if response.status_code == 404:
        response.close()
        raise _NotFound(url)
    if response.status_code >= 400:
        response.close()
        raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason}", url=url)
    return response


def _reason(exc: BaseException) -> str:
    """The innermost useful words of a requests/urllib3 error."""
    text = str(exc)
    for marker in (
        "Connection refused",
        "Name or service not known",
        "timed out",
        "Temporary failure",
    ):
        if marker in text:
            return marker.lower()
    return text if len(text) < 200 else text[:197] + "..."


def _parse_listing(html: str) -> list[str]:
    """Names linked from a directory listing page: the last path segment of each href.

    Works for Apache/nginx indexes and the PFOCR download pages alike; sorting
    and parent links (``../``, ``?C=N;O=D``) are left out.
    """
    names: dict[str, None] = {}
    for match in _HREF_RE.finditer(html):
        href = next(g for g in match.groups() if g is not None).strip()
        href = href.split("?", 1)[0].split("#", 1)[0]
        if not href or href.startswith(("mailto:", "javascript:")):
            continue
        name = href.rstrip("/").rsplit("/", 1)[-1]
        if name and name not in (".", ".."):
            names[name] = None
    return list(names)


def _listing(url: str) -> list[str]:
    response = _get(url + "/")
    try:
        return _parse_listing(response.text)
    finally:
        response.close()


def _gmt_files(names: Iterable[str]) -> dict[str, list[str]]:
    """Organism key -> release dates of the (gene, not chemical) GMTs in a listing."""
    found: dict[str, list[str]] = {}
    for name in names:
        match = _GMT_RE.match(name)
        if match and "-chemical-" not in name:
            found.setdefault(match.group(2), []).append(match.group(1))
    return {org: sorted(set(dates)) for org, dates in sorted(found.items())}


def _releases_in(names: Iterable[str]) -> list[str]:
    return sorted({n for n in names if _RELEASE_RE.match(n)})


def list_releases(*, base_url: str = DEFAULT_BASE_URL) -> list[str]:
    """List the dated PFOCR releases on the server, oldest first.

    Parameters
    ----------
    base_url : str
        The release folder (its directory listing is parsed).

    Returns
    -------
    list of str
        Release dates as ``"YYYYMMDD"``.

    Raises
    ------
    OfflineError
        The server cannot be reached; :func:`cached_releases` shows what is
        usable offline.

    Examples
    --------
    >>> list_releases()  # doctest: +SKIP
    ['20231010', '20240410', ...]
    """
    base = _check_base_url(base_url, "list_releases")
    try:
        return _releases_in(_listing(base))
    except _Offline as exc:
        msg = (
            f"cannot reach the PFOCR release server ({exc}); "
            "pe.cached_releases() lists what is usable offline"
        )
        raise OfflineError(msg, url=exc.url) from None
    except _NotFound as exc:
        raise ReleaseNotFoundError(
            f"no release listing at {exc.url} (HTTP 404)", url=exc.url
        ) from None


# -- the cache ------------------------------------------------------------------------
class _Entry:
    """One cached release GMT: the file, its manifest and its converted library."""

    def __init__(self, root: Path, release: str, organism_key: str) -> None:
        self.release = release
        self.organism_key = organism_key
        self.filename = _gmt_name(release, organism_key)
        self.folder = root / "releases" / release
        self.gmt = self.folder / self.filename
        stem = self.filename[: -len(".gmt")]
        self.manifest_path = self.folder / f"{stem}.manifest.json"
        self.npz = self.folder / f"{stem}.npz"

    def manifest(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("file") != self.filename:
            return None
        if not isinstance(data.get("sha256"), str) or not isinstance(data.get("size"), int):
            return None
        return data

    def load(self, expected: str | None) -> tuple[GeneSetLibrary | None, str | None]:
        """(library, None) from the cache, or (None, hash a new download must have)."""
        manifest = self.manifest()
        if manifest is None:
            return None, expected
        recorded = manifest["sha256"]
        if expected is not None and expected != recorded:
            msg = (
                f"release {self.release} ({_display(self.organism_key)}) is cached with SHA-256 "
                f"{recorded} (downloaded from {manifest.get('url')} on "
                f"{manifest.get('downloaded')}), but checksum {expected} was asked for; nothing "
                "was loaded. If the pinned checksum is right, "
                f"pe.clear_cache(release={self.release!r}) and load again to re-download and verify"
            )
            raise ChecksumError(msg, path=str(self.gmt), expected=expected, actual=recorded)
        try:
            size = self.gmt.stat().st_size
        except OSError:
            size = None
        if size != manifest["size"]:
            logger.warning(
                "cached %s is missing or has the wrong size; downloading it again", self.gmt
            )
            self._discard()
            return None, recorded
        lib = load_quietly(self.npz)
        if lib is not None and lib.info.get("sha256") == recorded:
            return lib, None
        actual = _sha256(self.gmt)
        if actual != recorded:
            logger.warning("cached %s does not match its manifest; downloading it again", self.gmt)
            self._discard()
            return None, recorded
        return self.build(manifest), None

    def _discard(self) -> None:
        for path in (self.gmt, self.npz):
            path.unlink(missing_ok=True)

    def download(
        self, urls: list[str], expected: str | None, progress: object, requested: str
    ) -> dict[str, Any]:
        """Fetch the GMT through pooch, verify it, write the manifest (once) and return it."""
        import pooch

        downloader = _Downloader(expected=expected, progress=progress)
        url = urls[0]
        for i, url in enumerate(urls):
            fetcher = pooch.create(
                path=self.folder,
                base_url="",
                registry={self.filename: None},  # we verify in the downloader
                urls={self.filename: url},
                retry_if_failed=_RETRIES,
            )
            try:
                fetcher.fetch(self.filename, downloader=downloader)
                break
            except _NotFound:
                if i == len(urls) - 1:
                    raise
        if downloader.sha256 is not None:
            sha, size = downloader.sha256, downloader.size
        else:  # another process finished the same download first; its rename was atomic
            sha, size = _sha256(self.gmt), self.gmt.stat().st_size
            if expected is not None and sha != expected:
                msg = f"{self.gmt}: SHA-256 {sha} does not match the expected {expected}"
                raise ChecksumError(msg, path=str(self.gmt), expected=expected, actual=sha)
        manifest = self.manifest()
        if manifest is not None and manifest["sha256"] == sha:
            return manifest
        manifest = {
            "manifest_version": _MANIFEST_VERSION,
            "release": self.release,
            "organism": _display(self.organism_key),
            "file": self.filename,
            "url": url,
            "requested": requested,
            "size": size,
            "sha256": sha,
            "downloaded": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        }
        write_text_atomically(self.manifest_path, json.dumps(manifest, indent=2) + "\n")
        return manifest

    def build(self, manifest: dict[str, Any]) -> GeneSetLibrary:
        """Parse the GMT once and store the binary library next to it."""
        from ..io.gmt import read_gmt

        parsed = read_gmt(self.gmt, name=self.filename)
        release = self.release
        info = {
            "source": manifest.get("url"),
            "url": manifest.get("url"),
            "release": release,
            "release_date": f"{release[:4]}-{release[4:6]}-{release[6:]}",
            "organism": _display(self.organism_key),
            "sha256": manifest["sha256"],
            "checksum": "sha256:" + manifest["sha256"],
            "size": manifest["size"],
            "file": self.filename,
            "downloaded": manifest.get("downloaded"),
            "reader": "load_pfocr",
            "format": "gmt",
        }
        lib = GeneSetLibrary(
            parsed.genes,
            parsed.membership,
            parsed.sets.drop(columns="size"),
            name=f"PFOCR {release} {_display(self.organism_key)}",
            load_report=parsed.load_report,
            info=info,
        )
        save_atomically(lib, self.npz)
        # Return what a warm load returns (the binary form keeps text columns as object dtype).
        return load_quietly(self.npz) or lib


class _Progress:
    """Progress for one transfer: a tqdm bar, a line on stderr, or the caller's object."""

    def __init__(self, progress: object, total: int | None, label: str) -> None:
        self.bar: Any = None
        self.text = False
        self.total, self.label, self.done, self.shown = total, label, 0, -1
        if progress is True:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                self.text = True
            else:
                self.bar = tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=True)
        elif progress:
            self.bar = progress
            if hasattr(progress, "total"):
                progress.total = total

    def update(self, n: int) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.text and self.done // 1_000_000 != self.shown:
            self._show()

    def _show(self) -> None:
        self.shown = self.done // 1_000_000  # a new line every MB
        of = f" of {self.total / 1e6:.1f}" if self.total else ""
        sys.stderr.write(f"\r{self.label}: {self.done / 1e6:.1f}{of} MB")
        sys.stderr.flush()

    def close(self) -> None:
        if self.bar is not None and hasattr(self.bar, "close"):
            self.bar.close()
        elif self.text:
            self._show()
            sys.stderr.write("\n")


def _wire_bytes(response: Any) -> int:
    try:
        return int(response.raw.tell())
    except (AttributeError, TypeError, ValueError, OSError):
        return 0


class _Downloader:
    """A pooch downloader: stream to pooch's temporary file, check size and SHA-256."""

    def __init__(self, *, expected: str | None, progress: object) -> None:
        self.expected = expected
        self.progress = progress
        self.sha256: str | None = None
        self.size: int | None = None

    def __call__(self, url: str, output_file: str, pooch: object = None) -> None:  # noqa: ARG002
        import requests

        self.sha256 = self.size = None
        response = _get(url, stream=True)
        with response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            digest, received = hashlib.sha256(), 0
            progress = _Progress(self.progress, total, url.rsplit("/", 1)[-1])
            try:
                with open(output_file, "wb") as fh:
                    try:
                        for chunk in response.iter_content(chunk_size=_CHUNK):
                            fh.write(chunk)
                            digest.update(chunk)
                            received += len(chunk)
                            progress.update(len(chunk))
                    except requests.RequestException as exc:
                        received = max(received, _wire_bytes(response))  # incl. a lost last chunk
                        if total is None or received >= total:
                            msg = (
                                f"{url}: the connection broke after {received:,} bytes "
                                f"({_reason(exc)}); nothing was cached"
                            )
                            raise DownloadError(msg, url=url) from None
            finally:
                progress.close()
        if total is not None and received != total:
            msg = (
                f"{url}: truncated download: expected {total:,} bytes (Content-Length), "
                f"received {received:,}; nothing was cached"
            )
            raise ChecksumError(msg, url=url, expected=total, actual=received)
        actual = digest.hexdigest()
        if self.expected is not None and actual != self.expected:
            msg = (
                f"{url}: SHA-256 of the download is {actual}, expected {self.expected}; "
                "the file may be corrupted or the expected checksum outdated; nothing was cached"
            )
            raise ChecksumError(msg, url=url, expected=self.expected, actual=actual)
        self.sha256, self.size = actual, received


# -- public API: releases ---------------------------------------------------------------
def load_pfocr(
    release: str = "current",
    organism: str = "Homo sapiens",
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    base_url: str = DEFAULT_BASE_URL,
    checksum: str | None = None,
    progress: bool = False,
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
        Show download progress (a tqdm bar when tqdm is installed, else a line
        on stderr). A tqdm-like object with ``update(n)`` is used as it is.

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
        The connection broke mid-transfer or the server answered an HTTP
        error; nothing is left in the cache.

    Examples
    --------
    >>> lib = load_pfocr(organism="Homo sapiens")  # doctest: +SKIP
    >>> lib.info["release"], lib.info["checksum"]  # doctest: +SKIP
    ('20240410', 'sha256:...')
    >>> same = load_pfocr("20240410", checksum=lib.info["checksum"])  # doctest: +SKIP
    """
    func = "load_pfocr"
    release = _check_release(release, func)
    organism_key = _check_organism(organism, func)
    base = _check_base_url(base_url, func)
    expected = _check_checksum(checksum, func)
    if not isinstance(progress, bool) and not hasattr(progress, "update"):
        raise param_error(
            func, "progress", "a bool or an object with an update(n) method", progress
        )
    root = cache_root(cache_dir, func)
    try:
        if release == "current":
            date, urls = _resolve_current(base, organism_key)
        else:
            date, urls = release, [f"{base}/{release}/{_gmt_name(release, organism_key)}"]
    except _Offline as exc:
        raise _offline_error(exc, root, release, organism_key) from None
    entry = _Entry(root, date, organism_key)
    lib, expected = entry.load(expected)
    if lib is not None:
        logger.info("load_pfocr: release %s (%s) from the cache %s", date, organism, entry.folder)
        return lib
    try:
        manifest = entry.download(urls, expected, progress, requested=release)
    except _Offline as exc:
        raise _offline_error(exc, root, release, organism_key) from None
    except _NotFound as exc:
        raise _not_found_error(exc.url, base, date, organism_key) from None
    return entry.build(manifest)


def _resolve_current(base: str, organism_key: str) -> tuple[str, list[str]]:
    """The dated release behind ``current/`` and the URLs to try for its GMT."""
    url = f"{base}/current"
    try:
        files = _gmt_files(_listing(url))
    except _NotFound:
        raise ReleaseNotFoundError(
            f"no 'current' release listing at {url}/ (HTTP 404)", url=url + "/", release="current"
        ) from None
    if organism_key not in files:
        organisms = [_display(o) for o in files]
        shown = ", ".join(organisms) if organisms else "none"
        msg = (
            f"the current PFOCR release at {url}/ has no GMT for organism "
            f"{_display(organism_key)!r}; "
            f"organisms in it: {shown}"
        )
        raise ReleaseNotFoundError(
            msg,
            url=url + "/",
            release="current",
            organism=_display(organism_key),
            available=organisms,
        )
    date = files[organism_key][-1]
    name = _gmt_name(date, organism_key)
    # The dated folder is the stable address; current/ holds the same file (same dated name).
    return date, [f"{base}/{date}/{name}", f"{url}/{name}"]


def _offline_error(exc: _Offline, root: Path, release: str, organism_key: str) -> OfflineError:
    cached = _cached_table(root)
    mine = cached[cached["organism"] == _display(organism_key)]["release"].tolist()
    others = cached[cached["organism"] != _display(organism_key)]
    what = "the current release" if release == "current" else f"release {release}"
    lines = [
        f"cannot reach the PFOCR release server to get {what} ({_display(organism_key)}): {exc}."
    ]
    if mine:
        lines.append(
            f"Cached releases of {_display(organism_key)} usable offline: {', '.join(mine)} "
            f"(pass release='{mine[-1]}'); nothing was loaded in their place."
        )
    else:
        lines.append(
            f"No release of {_display(organism_key)} is cached in {root}; "
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
    organism = _display(organism_key)
    try:
        files = _gmt_files(_listing(f"{base}/{release}"))
    except (_Offline, _NotFound, DownloadError):
        files = None
    if files:
        available = [_display(o) for o in files]
        msg = (
            f"no such organism in PFOCR release {release}: {url} answered HTTP 404; "
            f"organisms in this release: {', '.join(available)}"
        )
        return ReleaseNotFoundError(
            msg, url=url, release=release, organism=organism, available=available
        )
    try:
        releases = _releases_in(_listing(base))
    except (_Offline, _NotFound, DownloadError):
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


def _cached_table(root: Path) -> pd.DataFrame:
    rows = []
    folder = root / "releases"
    if folder.is_dir():
        for release_dir in sorted(
            p for p in folder.iterdir() if p.is_dir() and _RELEASE_RE.match(p.name)
        ):
            for manifest_path in sorted(release_dir.glob("pfocr-*-gmt-*.manifest.json")):
                organism_key = manifest_path.name[
                    len(f"pfocr-{release_dir.name}-gmt-") : -len(".manifest.json")
                ]
                entry = _Entry(root, release_dir.name, organism_key)
                manifest = entry.manifest()
                if manifest is None:
                    continue
                rows.append(
                    {
                        "release": release_dir.name,
                        "organism": _display(organism_key),
                        "size": manifest["size"],
                        "sha256": manifest["sha256"],
                        "url": manifest.get("url"),
                        "downloaded": manifest.get("downloaded"),
                        "library": entry.npz.is_file(),
                        "path": str(entry.gmt),
                    }
                )
    return pd.DataFrame(rows, columns=_CACHED_COLUMNS)


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
    return _cached_table(cache_root(cache_dir, "cached_releases"))


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
        release = _check_release(release, "clear_cache", allow_current=False)
    removed: list[str] = []
    releases = root / "releases"
    folders = (
        [releases / release]
        if release
        else (
            sorted(p for p in releases.iterdir() if p.is_dir() and _RELEASE_RE.match(p.name))
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
            if path.is_file() and _is_ours(path.name):
                path.unlink(missing_ok=True)
                removed.append(str(path))
        _rmdir_if_empty(folder)
    _rmdir_if_empty(releases)
    return removed


def _is_ours(name: str) -> bool:
    if name.startswith("pfocr-") and name.endswith((".gmt", ".manifest.json", ".npz")):
        return True
    if re.match(r"^snapshot-[0-9a-f]+-[0-9a-f]+\.npz$", name):
        return True
    # our temporary files (".<name>.<pid>.<id>.tmp") and pooch's ("tmpXXXXXXXX")
    return (name.startswith(".") and name.endswith(".tmp")) or re.match(
        r"^tmp[A-Za-z0-9_]{6,}$", name
    ) is not None


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
