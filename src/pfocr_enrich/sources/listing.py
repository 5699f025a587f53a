"""Where PFOCR releases are: their names, the server's directory listings, and HTTP GET.

PFOCR publishes one GMT per organism and release::

    <base_url>/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-<Organism_name>.gmt
    <base_url>/current/       (the files of the newest release)

This module checks the arguments that name a release, reads the listing pages
(Apache/nginx indexes and the PFOCR download pages alike) and turns HTTP
failures into the two cases callers handle differently: no connection
(:class:`Offline`) and HTTP 404 (:class:`NotFound`).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable
from typing import Any

from .._util.validation import check_type, param_error
from .._util.version import __version__
from ..errors import DownloadError, OfflineError, ReleaseNotFoundError

__all__ = ["DEFAULT_BASE_URL", "list_releases"]

#: Where PFOCR releases are published.
DEFAULT_BASE_URL = "https://data.wikipathways.org/pfocr"

RELEASE_RE = re.compile(r"^[0-9]{8}$")
_GMT_RE = re.compile(r"^pfocr-([0-9]{8})-gmt-([A-Za-z][A-Za-z0-9_.-]*)\.gmt$")
_HREF_RE = re.compile(r"""href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))""", re.IGNORECASE)
_ORGANISM_RE = re.compile(r"^[A-Za-z][A-Za-z0-9.-]*(?:[ _][A-Za-z0-9.-]+)*$")
_SHA256_RE = re.compile(r"^(?:sha256:)?([0-9a-fA-F]{64})$")
# A size cell of a listing row: "14M", "9.8M", "2 KB", "652,431" (bytes).
_SIZE_RE = re.compile(
    r"<td[^>]*>\s*([0-9][0-9,]*(?:\.[0-9]+)?)\s*([KMGT]?)(?:i?B)?\s*</td>", re.IGNORECASE
)
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}

CONNECT_TIMEOUT = 10.0  # seconds to open a connection
LISTING_TIMEOUT = 30.0  # seconds between two reads of a listing page


class NotFound(Exception):
    """HTTP 404 (not a ValueError: pooch must not retry it)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


class Offline(Exception):
    """No connection to the server (not a ValueError: pooch must not retry it)."""

    def __init__(self, url: str, reason: object) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


# -- names and argument checks ----------------------------------------------------------
def is_release_date(text: str) -> bool:
    """Whether ``text`` is ``YYYYMMDD`` of a real calendar date (not ``99999999``)."""
    if not RELEASE_RE.match(text):
        return False
    try:
        _dt.datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return True


def check_release(release: object, func: str, *, allow_current: bool = True) -> str:
    """``"current"`` or a release date ``"YYYYMMDD"`` (an int is accepted), checked."""
    expected = (
        "'current' or a release date 'YYYYMMDD'" if allow_current else "a release date 'YYYYMMDD'"
    )
    if allow_current and release == "current":
        return "current"
    if isinstance(release, int) and not isinstance(release, bool):
        release = str(release)
    check_type(release, str, func=func, param="release", expected=expected)
    if not RELEASE_RE.match(release.strip()):
        raise param_error(func, "release", expected, release)
    release = release.strip()
    if not is_release_date(release):
        raise param_error(func, "release", expected + " (a real date)", release)
    return release


def check_organism(organism: object, func: str) -> str:
    """Return the file-name form of an organism ('Homo sapiens' -> 'Homo_sapiens')."""
    expected = "a species name such as 'Homo sapiens'"
    check_type(organism, str, func=func, param="organism", expected=expected)
    if not _ORGANISM_RE.match(organism.strip()):
        raise param_error(func, "organism", expected, organism)
    return organism.strip().replace(" ", "_")


def check_base_url(base_url: object, func: str) -> str:
    expected = "an http:// or https:// URL"
    check_type(base_url, str, func=func, param="base_url", expected=expected)
    if not base_url.startswith(("http://", "https://")):
        raise param_error(func, "base_url", expected, base_url)
    return base_url.rstrip("/")


def check_checksum(checksum: object, func: str) -> str | None:
    """The lower-case SHA-256 hex digest of ``checksum`` (``"sha256:<hex>"`` or ``"<hex>"``)."""
    if checksum is None:
        return None
    expected = "None or a SHA-256 hex digest (optionally 'sha256:...')"
    check_type(checksum, str, func=func, param="checksum", expected=expected)
    match = _SHA256_RE.match(checksum.strip())
    if match is None:
        raise param_error(func, "checksum", expected, checksum)
    return match.group(1).lower()


def display(organism_key: str) -> str:
    """'Homo_sapiens' -> 'Homo sapiens'."""
    return organism_key.replace("_", " ")


def gmt_name(release: str, organism_key: str) -> str:
    return f"pfocr-{release}-gmt-{organism_key}.gmt"


# -- HTTP -------------------------------------------------------------------------------
def headers() -> dict[str, str]:
    # identity: the size on disk must equal Content-Length.
    return {"Accept-Encoding": "identity", "User-Agent": f"pfocr_enrich/{__version__}"}


def get(url: str, *, stream: bool = False, read_timeout: float = LISTING_TIMEOUT) -> Any:
    """GET with our timeouts.

    No connection -> :class:`Offline`, 404 -> :class:`NotFound`, other errors -> ``DownloadError``.
    """
    import requests

    timeout = (min(CONNECT_TIMEOUT, read_timeout), read_timeout)
    try:
        response = requests.get(url, stream=stream, timeout=timeout, headers=headers())
    except (requests.ConnectionError, requests.Timeout) as exc:
        raise Offline(url, reason(exc)) from None
    except requests.RequestException as exc:
        raise DownloadError(f"{url}: {reason(exc)}", url=url) from None
    if response.status_code == 404:
        response.close()
        raise NotFound(url)
    if response.status_code >= 400:
        response.close()
        raise DownloadError(f"{url}: HTTP {response.status_code} {response.reason}", url=url)
    return response


def reason(exc: BaseException) -> str:
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


# -- listing pages ------------------------------------------------------------------------
def _href_names(html: str) -> Iterable[tuple[str, int]]:
    """(last path segment, end offset) of each href; sort and parent links left out."""
    for match in _HREF_RE.finditer(html):
        href = next(g for g in match.groups() if g is not None).strip()
        href = href.split("?", 1)[0].split("#", 1)[0]
        if not href or href.startswith(("mailto:", "javascript:")):
            continue
        name = href.rstrip("/").rsplit("/", 1)[-1]
        if name and name not in (".", ".."):
            yield name, match.end()


def parse_listing(html: str) -> list[str]:
    """Names linked from a directory listing page: the last path segment of each href.

    Works for Apache/nginx indexes and the PFOCR download pages alike; sorting
    and parent links (``../``, ``?C=N;O=D``) are left out.
    """
    return list(dict.fromkeys(name for name, _ in _href_names(html)))


def listed_sizes(html: str) -> dict[str, int]:
    """An upper bound of each file's size, from the size column of a listing page's rows.

    Listings round sizes (Apache writes ``14M`` for 14.0-14.9 MiB), so the bound is the
    shown value plus one unit of its last digit, plus 10%. Rows without a size are left out.
    """
    sizes: dict[str, int] = {}
    for name, end in _href_names(html):
        # the row ends at </tr> or at the next link, whichever comes first
        row_end = min(
            i for i in (html.find("</tr>", end), html.find("href", end), len(html)) if i >= 0
        )
        match = _SIZE_RE.search(html, end, row_end)
        if match is None:
            continue
        number, unit = match.group(1).replace(",", ""), _UNITS[match.group(2).upper()]
        step = 10.0 ** -len(number.split(".")[1]) if "." in number else 1.0
        sizes[name] = math.ceil((float(number) + step) * unit * 1.1)
    return sizes


def listing_page(url: str) -> str:
    """The HTML of the listing at ``url`` + ``/``."""
    response = get(url + "/")
    try:
        return response.text
    finally:
        response.close()


def listing(url: str) -> list[str]:
    return parse_listing(listing_page(url))


def gmt_files(names: Iterable[str]) -> dict[str, list[str]]:
    """Organism key -> release dates of the (gene, not chemical) GMTs in a listing.

    Only real dates count: ``pfocr-99999999-gmt-...`` is no release.
    """
    found: dict[str, list[str]] = {}
    for name in names:
        match = _GMT_RE.match(name)
        if match and "-chemical-" not in name and is_release_date(match.group(1)):
            found.setdefault(match.group(2), []).append(match.group(1))
    return {org: sorted(set(dates)) for org, dates in sorted(found.items())}


def releases_in(names: Iterable[str]) -> list[str]:
    """The release folders of a listing (real dates only), oldest first."""
    return sorted({n for n in names if is_release_date(n)})


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
    base = check_base_url(base_url, "list_releases")
    try:
        return releases_in(listing(base))
    except Offline as exc:
        msg = (
            f"cannot reach the PFOCR release server ({exc}); "
            "pe.cached_releases() lists what is usable offline"
        )
        raise OfflineError(msg, url=exc.url) from None
    except NotFound as exc:
        raise ReleaseNotFoundError(
            f"no release listing at {exc.url} (HTTP 404)", url=exc.url
        ) from None
