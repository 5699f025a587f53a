"""One release GMT over HTTP, through pooch: bounded in time and size, verified, never half-kept.

:func:`fetch` hands the transfer to :mod:`pooch` (a temporary file in the cache
folder, retries, SHA-256 check against ``known_hash``, rename). The downloader
given to pooch (:class:`Downloader`) adds what pooch's own ``HTTPDownloader``
lacks: an overall deadline for all attempts together, a maximum size (from the
listing or ``Content-Length``, never above ``max_bytes``), the check of the size
against ``Content-Length``, exact byte counts in every message, and the
mapping of HTTP 404 and "no connection" to errors that are not retried.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .._util.files import remove_stale
from .._util.validation import check_int, param_error
from ..errors import ChecksumError, DownloadError, PfocrEnrichError
from .listing import NotFound, get, reason

logger = logging.getLogger(__name__)

RETRIES = 2  # extra attempts after a broken or unverifiable transfer
STALL = 30.0  # seconds without a byte before an attempt is given up
STALE_AFTER = 120.0  # seconds: a temporary file untouched this long has no live download
DEFAULT_TIMEOUT = 600.0  # seconds for a whole download, all attempts
DEFAULT_MAX_BYTES = 500_000_000  # ~25x the largest PFOCR release GMT (human, 2024: ~20 MB)
_CHUNK = 1 << 16
# pooch's message on a hash mismatch (pooch/hashes.py, hash_matches): "... got <hex>."
_POOCH_GOT = re.compile(r"but got ([0-9a-fA-F]{64})")


def check_timeout(timeout: object, func: str) -> float:
    expected = "a number of seconds > 0"
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise param_error(func, "timeout", expected, timeout, error=TypeError)
    if not timeout > 0 or timeout == float("inf"):
        raise param_error(func, "timeout", expected, timeout)
    return float(timeout)


def check_max_bytes(max_bytes: object, func: str) -> int:
    checked = check_int(
        max_bytes, func=func, param="max_bytes", min=1, expected="an int >= 1 (bytes)"
    )
    return int(checked)  # type: ignore[arg-type]


def is_temporary(name: str) -> bool:
    """Our temporary files (``.<name>.<pid>.<id>.tmp``) and pooch's (``tmpXXXXXXXX``)."""
    return (name.startswith(".") and name.endswith(".tmp")) or re.match(
        r"^tmp[A-Za-z0-9_]{6,}$", name
    ) is not None


def sweep(folder: Path) -> list[Path]:
    """Remove temporary files left in ``folder`` by a process that was killed (SIGKILL)."""
    removed = remove_stale(folder, is_temporary, STALE_AFTER)
    for path in removed:
        logger.info("removed %s, left by an interrupted download or save", path)
    return removed


class _Stop(Exception):
    """Carries an error that must not be retried through pooch (which retries ValueErrors)."""

    def __init__(self, error: PfocrEnrichError) -> None:
        super().__init__(str(error))
        self.error = error


class Limits:
    """The deadline (``timeout`` seconds from now) and size limit of one download."""

    def __init__(self, *, timeout: float, max_bytes: int, listed: int | None = None) -> None:
        self.timeout, self.max_bytes, self.listed = timeout, max_bytes, listed
        self.deadline = time.monotonic() + timeout

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def size_limit(self, content_length: int | None) -> tuple[int, str]:
        """The most bytes this transfer may bring, and where that number comes from."""
        limits = [(self.max_bytes, f"max_bytes={self.max_bytes:,}")]
        if self.listed is not None:
            limits.append((self.listed, f"the size in the server's listing, about {self.listed:,}"))
        if content_length is not None:
            limits.append((content_length, "Content-Length"))
        return min(limits)


def progress_bar(progress: object, total: int | None, label: str) -> Any:
    """A tqdm bar for ``progress=True``, the caller's tqdm-like object, or None."""
    if progress is True:
        from tqdm.auto import tqdm

        return tqdm(total=total, unit="B", unit_scale=True, desc=label, leave=True)
    if progress:
        if hasattr(progress, "total"):
            progress.total = total  # type: ignore[attr-defined]
        return progress
    return None


class Downloader:
    """A pooch downloader: stream to pooch's temporary file within the limits, check the size."""

    def __init__(self, *, limits: Limits, progress: object) -> None:
        self.limits = limits
        self.progress = progress

    def __call__(self, url: str, output_file: str, pooch: object = None) -> None:  # noqa: ARG002
        import requests
        import urllib3

        limits = self.limits
        if limits.remaining() <= 0:
            raise _Stop(self._late(url, 0, None))
        wait = min(STALL, limits.remaining())  # for one read: the stall time, or the time left
        response = get(url, stream=True, read_timeout=wait)
        with response:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            limit, why = limits.size_limit(total)
            if total is not None and total > limit:
                raise _Stop(self._too_large(url, limit, why, total))
            received = 0
            bar = progress_bar(self.progress, total, url.rsplit("/", 1)[-1])
            try:
                with open(output_file, "wb") as fh:
                    try:
                        for chunk in _chunks(response):
                            fh.write(chunk)
                            fh.flush()  # its modification time shows a live download
                            received += len(chunk)
                            if bar is not None:
                                bar.update(len(chunk))
                            if received > limit:
                                raise _Stop(self._too_large(url, limit, why, None))
                            if limits.remaining() <= 0:
                                raise _Stop(self._late(url, received, total))
                    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                        self._broken(url, exc, received, total, stalled=wait >= STALL)
            finally:
                if bar is not None and hasattr(bar, "close"):
                    bar.close()
        if total is not None and received != total:
            msg = (
                f"{url}: truncated download: expected {total:,} bytes (Content-Length), "
                f"received {received:,}; nothing was cached"
            )
            raise ChecksumError(msg, url=url, expected=total, actual=received)

    def _broken(
        self, url: str, exc: Exception, received: int, total: int | None, *, stalled: bool
    ) -> None:
        """A read failed: a stall or a broken connection (retried), or a short body (below).

        ``stalled``: the read waited the whole stall time (not just the time that was left).
        """
        import urllib3

        of = f" of {total:,}" if total is not None else ""
        if isinstance(exc, urllib3.exceptions.ReadTimeoutError) or "timed out" in str(exc):
            if not stalled or self.limits.remaining() <= 0:
                raise _Stop(self._late(url, received, total)) from None
            msg = (
                f"{url}: the server sent nothing for {STALL:g} s after {received:,}{of} bytes; "
                "nothing was cached"
            )
            raise DownloadError(msg, url=url) from None
        if total is None or received >= total:
            msg = (
                f"{url}: the connection broke after {received:,}{of} bytes "
                f"({reason(exc)}); nothing was cached"
            )
            raise DownloadError(msg, url=url) from None
        # a body shorter than Content-Length: the truncation check after the loop says so

    def _late(self, url: str, received: int, total: int | None) -> DownloadError:
        of = f" of {total:,}" if total is not None else ""
        msg = (
            f"{url}: the download did not finish within timeout={self.limits.timeout:g} s "
            f"({received:,}{of} bytes received in the last attempt); nothing was cached. "
            "On a slow connection pass a larger timeout= (seconds)"
        )
        return DownloadError(msg, url=url)

    def _too_large(self, url: str, limit: int, why: str, total: int | None) -> DownloadError:
        size = f"announces {total:,} bytes" if total is not None else f"sent more than {limit:,}"
        msg = (
            f"{url}: the server {size}, more than the limit of {limit:,} bytes ({why}); "
            "nothing was cached. If the file really is that large, pass a larger max_bytes="
        )
        return DownloadError(msg, url=url)


def _chunks(response: Any) -> Iterator[bytes]:
    """The body as it arrives: ``read1`` returns whatever bytes are there (urllib3 >= 2.1)."""
    raw = response.raw
    if not hasattr(raw, "read1"):
        yield from response.iter_content(chunk_size=1024)  # small: counts stay close
        return
    while chunk := raw.read1(_CHUNK):
        yield chunk


def fetch(
    folder: Path,
    filename: str,
    urls: list[str],
    *,
    known_hash: str | None,
    limits: Limits,
    progress: object,
    mismatch: str,
) -> str:
    """Put ``folder/filename`` in place from the first of ``urls`` that is not a 404.

    The file is downloaded by pooch into a temporary file, checked against
    ``known_hash`` (a SHA-256 hex digest) when given, and renamed; an existing
    file is kept when it matches (or nothing is known). ``mismatch`` ends the
    message of a hash mismatch. Returns the URL used.
    """
    downloader = Downloader(limits=limits, progress=progress)
    for url in urls[:-1]:
        try:
            _fetch_one(folder, filename, url, known_hash, downloader, mismatch)
            return url
        except NotFound:
            continue  # the next address (current/ after the dated folder)
    _fetch_one(folder, filename, urls[-1], known_hash, downloader, mismatch)
    return urls[-1]


def _fetch_one(
    folder: Path,
    filename: str,
    url: str,
    known_hash: str | None,
    downloader: Downloader,
    mismatch: str,
) -> None:
    import pooch

    fetcher = pooch.create(
        path=folder,
        base_url="",
        registry={filename: None if known_hash is None else f"sha256:{known_hash}"},
        urls={filename: url},
        retry_if_failed=RETRIES,
    )
    try:
        fetcher.fetch(filename, downloader=downloader)
    except _Stop as stop:
        raise stop.error from None
    except PfocrEnrichError:
        raise
    except ValueError as exc:  # pooch: the hash does not match
        got = _POOCH_GOT.search(str(exc))
        actual = got.group(1).lower() if got else None
        msg = (
            f"{url}: SHA-256 of the download is {actual}, expected {known_hash}; "
            f"{mismatch}; nothing was cached"
        )
        raise ChecksumError(msg, url=url, expected=known_hash, actual=actual) from None
