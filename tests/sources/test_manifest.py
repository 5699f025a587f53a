"""The cached release: manifest, GMT and binary library, damaged or poisoned, and how each recovers."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest

import pfocr_enrich as pe
from pfocr_enrich.sources.releases import (
    ChecksumError,
    DownloadError,
    cached_releases,
    clear_cache,
    load_pfocr,
)
from sources.release_server import (
    GMT_PATH,
    HUMAN,
    files_in,
    sha256,
)


def test_a_damaged_converted_library_is_rebuilt_without_downloading(server, cache):
    first = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    npz = cache / "releases" / "20240410" / (HUMAN[:-4] + ".npz")
    npz.write_bytes(npz.read_bytes()[:1000])
    again = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert again == first and again.info == first.info
    assert server.count(GMT_PATH) == 1
    assert pe.GeneSetLibrary.load(npz) == first  # rewritten whole


def test_a_damaged_cached_gmt_is_downloaded_again_and_checked_against_the_manifest(server, cache):
    first = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    gmt = cache / "releases" / "20240410" / HUMAN
    gmt.write_bytes(gmt.read_bytes()[:-10])
    again = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert again == first and server.count(GMT_PATH) == 2
    assert sha256(gmt) == first.info["sha256"]


def test_corrupted_bytes_fail_the_manifest_of_the_first_download(server, cache, no_retry):
    first = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    folder = cache / "releases" / "20240410"
    (folder / HUMAN).unlink()
    server.faults[GMT_PATH] = "corrupt"
    with pytest.raises(ChecksumError, match=f"expected {first.info['sha256']}"):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert HUMAN not in files_in(folder)
    assert cached_releases(cache_dir=cache)["sha256"].tolist() == [
        first.info["sha256"]
    ]  # manifest kept


# -- cache poisoning: issue 17 -----------------------------------------------------------------
def test_a_maintenance_page_is_never_cached_or_pinned(server, cache, no_retry):
    server.faults[GMT_PATH] = "maintenance"  # HTTP 200, an HTML page
    with pytest.raises(
        DownloadError,
        match=f"{GMT_PATH} answered with a file that is not a GMT .*line 1.*nothing was cached. "
        "The server may be showing a maintenance page: try again later",
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert files_in(cache) == [] and cached_releases(cache_dir=cache).empty
    del server.faults[GMT_PATH]  # the server is fixed: the next call just works
    lib = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert lib.info["sha256"] == sha256(server.root / "pfocr" / "20240410" / HUMAN)


def _poison(cache, page: bytes, *, keep_file: bool) -> str:
    """The cache an earlier version left after one maintenance page: pinned, no library."""
    folder = cache / "releases" / "20240410"
    folder.mkdir(parents=True)
    digest = hashlib.sha256(page).hexdigest()
    if keep_file:
        (folder / HUMAN).write_bytes(page)
    manifest_path = folder / (HUMAN[:-4] + ".manifest.json")
    manifest_path.write_text(
        json.dumps(
            {
                "manifest_version": 1,
                "release": "20240410",
                "organism": "Homo sapiens",
                "file": HUMAN,
                "url": "http://example.invalid" + GMT_PATH,
                "requested": "20240410",
                "size": len(page),
                "sha256": digest,
                "downloaded": "2026-01-01T00:00:00+00:00",
            }
        )
    )
    return digest


def test_a_cached_file_that_is_not_a_gmt_is_discarded_and_downloaded_again(server, cache, caplog):
    bad = _poison(cache, b"<html>Down for maintenance</html>\n", keep_file=True)
    with caplog.at_level(logging.WARNING, logger="pfocr_enrich"):
        lib = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert f"(SHA-256 {bad}, downloaded from http://example.invalid" in caplog.text
    assert "is not a GMT file" in caplog.text and "removed with its manifest" in caplog.text
    assert "pe.clear_cache(release='20240410')" in caplog.text
    good = sha256(server.root / "pfocr" / "20240410" / HUMAN)
    assert lib.info["sha256"] == good and len(lib) == 216
    assert cached_releases(cache_dir=cache)["sha256"].tolist() == [good]


def test_a_pinned_hash_without_its_file_says_how_to_recover(server, cache, no_retry):
    bad = _poison(cache, b"<html>Down for maintenance</html>\n", keep_file=False)
    with pytest.raises(
        ChecksumError,
        match=f"expected {bad}; that is the SHA-256 recorded when release 20240410 "
        r"\(Homo sapiens\) was first downloaded .*pe.clear_cache\(release='20240410'\) forgets "
        "the recorded file",
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    clear_cache(cache_dir=cache, release="20240410")
    lib = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert lib.info["sha256"] == sha256(server.root / "pfocr" / "20240410" / HUMAN)
