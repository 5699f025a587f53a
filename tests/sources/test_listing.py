"""Release names and listing pages: what the server lists, and only real release dates."""

from __future__ import annotations

import shutil

import pytest

from pfocr_enrich.sources import listing
from pfocr_enrich.sources.releases import (
    OfflineError,
    list_releases,
    load_pfocr,
)
from sources.release_server import (
    DATA,
    HUMAN,
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


def test_only_real_dates_are_releases():
    names = [
        "pfocr-99999999-gmt-Homo_sapiens.gmt",
        "pfocr-20240230-gmt-Homo_sapiens.gmt",
        "pfocr-20240410-gmt-Homo_sapiens.gmt",
        "99999999",
        "20231010",
    ]
    assert listing.gmt_files(names) == {"Homo_sapiens": ["20240410"]}
    assert listing.releases_in(names) == ["20231010"]


def test_current_never_takes_a_file_name_that_is_not_a_date(server, cache):
    current = server.root / "pfocr" / "current"
    shutil.copyfile(current / HUMAN, current / "pfocr-99999999-gmt-Homo_sapiens.gmt")
    (server.root / "pfocr" / "99999999").mkdir()
    lib = load_pfocr("current", cache_dir=cache, base_url=server.base_url)
    assert lib.info["release"] == "20240410" and lib.info["release_date"] == "2024-04-10"
    assert list_releases(base_url=server.base_url) == ["20231010", "20240410"]
    assert not any("99999999" in p for p in server.requests[1:])  # never downloaded


def test_listed_sizes_bound_the_rounded_sizes_of_an_index_page():
    sizes = listing.listed_sizes((DATA / "releases" / "apache_index.html").read_text())
    human = sizes["pfocr-20240410-gmt-Homo_sapiens.gmt"]  # shown as " 14M": up to 14.9 MiB
    assert 15 * 2**20 <= human <= 17 * 2**20
    assert 9.9 * 2**20 <= sizes["pfocr-20240410-gmt-Mus_musculus.gmt"] <= 11 * 2**20  # "9.8M"
    assert "pfocr" not in sizes  # the parent link's row has no size
