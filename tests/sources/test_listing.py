"""Release names and listing pages: what the server lists, and only real release dates."""

from __future__ import annotations

import pytest

from pfocr_enrich.sources import listing
from pfocr_enrich.sources.releases import (
    OfflineError,
    list_releases,
)
from sources.release_server import (
    DATA,
    ReleaseServer,
    build_release_tree,
)


def test_parse_listing_reads_apache_and_pfocr_index_pages():
    apache = listing.parse_listing((DATA / "releases" / "apache_index.html").read_text())
    assert listing.gmt_files(apache) == {
        "Homo_sapiens": ["20240410"],
        "Mus_musculus": ["20240410"],
    }
    assert "?C=N;O=D" not in apache and "pfocr" in apache  # parent link -> its last segment
    site = listing.parse_listing((DATA / "releases" / "pfocr_index.html").read_text())
    assert listing.releases_in(site) == ["20231010", "20240410"]
    assert "current" in site and "README.md" in site


@pytest.mark.parametrize("style", ["pfocr", "apache"])
def test_list_releases_parses_the_server_listing(tmp_path, style):
    with ReleaseServer(build_release_tree(tmp_path / "www"), style=style) as srv:
        assert list_releases(base_url=srv.base_url) == ["20231010", "20240410"]


def test_list_releases_offline(dead_url):
    with pytest.raises(
        OfflineError, match="cannot reach the PFOCR release server.*connection refused"
    ):
        list_releases(base_url=dead_url)
