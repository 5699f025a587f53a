"""The cached release: manifest, GMT and binary library, damaged or poisoned, and how each recovers."""

from __future__ import annotations

import pytest

import pfocr_enrich as pe
from pfocr_enrich.sources.releases import (
    ChecksumError,
    cached_releases,
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
