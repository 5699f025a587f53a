"""One cached release GMT: the file, its manifest (what was downloaded) and its binary library.

Layout::

    <cache_dir>/releases/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-Homo_sapiens.gmt
    <cache_dir>/releases/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-Homo_sapiens.manifest.json
    <cache_dir>/releases/<YYYYMMDD>/pfocr-<YYYYMMDD>-gmt-Homo_sapiens.npz

The manifest records the URL, size and SHA-256 of the first download, and is
written only once the file has parsed as a GMT: a server's maintenance page
answered with HTTP 200 is never pinned. Later downloads of the release must
match it. Every file reaches its name by an atomic rename.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd

from .._util.files import write_text_atomically
from ..errors import ChecksumError, DownloadError, GMTFormatError
from ..library import GeneSetLibrary
from .cache import load_quietly, save_atomically
from .download import Limits, fetch, is_temporary, sweep
from .listing import RELEASE_RE, display, gmt_name

logger = logging.getLogger(__name__)

_MANIFEST_VERSION = 1
CACHED_COLUMNS = ["release", "organism", "size", "sha256", "url", "downloaded", "library", "path"]


def _file_hash(path: Path) -> str:
    import pooch

    return pooch.file_hash(str(path), alg="sha256")


class Entry:
    """One cached release GMT: the file, its manifest and its converted library."""

    def __init__(self, root: Path, release: str, organism_key: str) -> None:
        self.release = release
        self.organism_key = organism_key
        self.filename = gmt_name(release, organism_key)
        self.folder = root / "releases" / release
        self.gmt = self.folder / self.filename
        stem = self.filename[: -len(".gmt")]
        self.manifest_path = self.folder / f"{stem}.manifest.json"
        self.npz = self.folder / f"{stem}.npz"

    @property
    def label(self) -> str:
        return f"release {self.release} ({display(self.organism_key)})"

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
        sweep(self.folder)  # temporary files of a download or save killed earlier
        manifest = self.manifest()
        if manifest is None:
            return None, expected
        recorded = manifest["sha256"]
        if expected is not None and expected != recorded:
            msg = (
                f"{self.label} is cached with SHA-256 "
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
            self.discard()
            return None, recorded
        lib = load_quietly(self.npz)
        if lib is not None and lib.info.get("sha256") == recorded:
            return lib, None
        if _file_hash(self.gmt) != recorded:
            logger.warning("cached %s does not match its manifest; downloading it again", self.gmt)
            self.discard()
            return None, recorded
        try:
            return self.build(manifest), None
        except GMTFormatError as exc:  # pinned by a version that did not parse before pinning
            logger.warning(
                "cached %s (SHA-256 %s, downloaded from %s on %s) is not a GMT file (%s); it was "
                "removed with its manifest and is downloaded again. If that fails too, "
                "pe.clear_cache(release=%r) empties this release and the next load starts afresh",
                self.gmt,
                recorded,
                manifest.get("url"),
                manifest.get("downloaded"),
                exc,
                self.release,
            )
            self.discard(manifest=True)
            return None, expected

    def discard(self, *, manifest: bool = False) -> None:
        """Delete the GMT and its library (and the manifest that pins its hash)."""
        for path in (self.gmt, self.npz, *([self.manifest_path] if manifest else [])):
            path.unlink(missing_ok=True)

    def download(
        self,
        urls: list[str],
        expected: str | None,
        *,
        limits: Limits,
        progress: object,
        requested: str,
    ) -> GeneSetLibrary:
        """Fetch and parse the GMT, then write the manifest (once) and the binary library."""
        from ..io.gmt import read_gmt

        pinned = self.manifest()
        if pinned is not None and expected == pinned["sha256"]:
            mismatch = (
                f"that is the SHA-256 recorded when {self.label} was first downloaded (from "
                f"{pinned.get('url')} on {pinned.get('downloaded')}). If the server's file has "
                f"changed, pe.clear_cache(release={self.release!r}) forgets the recorded file "
                "and the next load downloads and records the new one"
            )
        else:
            mismatch = "the file may be corrupted or the expected checksum outdated"
        url = fetch(
            self.folder,
            self.filename,
            urls,
            known_hash=expected,
            limits=limits,
            progress=progress,
            mismatch=mismatch,
        )
        try:
            parsed = read_gmt(self.gmt, name=self.filename)
        except GMTFormatError as exc:
            self.gmt.unlink(missing_ok=True)
            msg = (
                f"{url} answered with a file that is not a GMT ({exc}); nothing was cached. "
                "The server may be showing a maintenance page: try again later"
            )
            raise DownloadError(msg, url=url) from exc
        sha, size = expected or _file_hash(self.gmt), self.gmt.stat().st_size
        manifest = self.manifest()
        if manifest is None or manifest["sha256"] != sha:
            manifest = {
                "manifest_version": _MANIFEST_VERSION,
                "release": self.release,
                "organism": display(self.organism_key),
                "file": self.filename,
                "url": url,
                "requested": requested,
                "size": size,
                "sha256": sha,
                "downloaded": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            }
            write_text_atomically(self.manifest_path, json.dumps(manifest, indent=2) + "\n")
        return self.build(manifest, parsed)

    def build(
        self, manifest: dict[str, Any], parsed: GeneSetLibrary | None = None
    ) -> GeneSetLibrary:
        """The library of the GMT (parsed now unless given), stored in binary form next to it."""
        if parsed is None:
            from ..io.gmt import read_gmt

            parsed = read_gmt(self.gmt, name=self.filename)
        release = self.release
        info = {
            "source": manifest.get("url"),
            "url": manifest.get("url"),
            "release": release,
            "release_date": f"{release[:4]}-{release[4:6]}-{release[6:]}",
            "organism": display(self.organism_key),
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
            name=f"PFOCR {release} {display(self.organism_key)}",
            load_report=parsed.load_report,
            info=info,
        )
        save_atomically(lib, self.npz)
        # Return what a warm load returns (the binary form keeps text columns as object dtype).
        return load_quietly(self.npz) or lib


def cached_table(root: Path) -> pd.DataFrame:
    """One row per cached release GMT with a valid manifest (see ``cached_releases``)."""
    rows = []
    folder = root / "releases"
    if folder.is_dir():
        for release_dir in sorted(
            p for p in folder.iterdir() if p.is_dir() and RELEASE_RE.match(p.name)
        ):
            for manifest_path in sorted(release_dir.glob("pfocr-*-gmt-*.manifest.json")):
                organism_key = manifest_path.name[
                    len(f"pfocr-{release_dir.name}-gmt-") : -len(".manifest.json")
                ]
                entry = Entry(root, release_dir.name, organism_key)
                manifest = entry.manifest()
                if manifest is None:
                    continue
                rows.append(
                    {
                        "release": release_dir.name,
                        "organism": display(organism_key),
                        "size": manifest["size"],
                        "sha256": manifest["sha256"],
                        "url": manifest.get("url"),
                        "downloaded": manifest.get("downloaded"),
                        "library": entry.npz.is_file(),
                        "path": str(entry.gmt),
                    }
                )
    return pd.DataFrame(rows, columns=CACHED_COLUMNS)


def is_ours(name: str) -> bool:
    """Whether a file of the cache was written by this package (clear_cache deletes only those)."""
    if name.startswith("pfocr-") and name.endswith((".gmt", ".manifest.json", ".npz")):
        return True
    if re.match(r"^snapshot-[0-9a-f]+-[0-9a-f]+\.npz$", name):
        return True
    return is_temporary(name)
