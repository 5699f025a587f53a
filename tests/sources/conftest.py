"""Fixtures of the release tests: the loopback server, a cache folder, no retries, a dead URL."""

from __future__ import annotations

import pytest

from pfocr_enrich._util.files import CACHE_ENV
from pfocr_enrich.sources import download
from sources.release_server import ReleaseServer, build_release_tree, free_port_url


@pytest.fixture
def server(tmp_path):
    with ReleaseServer(build_release_tree(tmp_path / "www")) as srv:
        yield srv


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    # Belt and braces: even a call without cache_dir stays in tmp_path.
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "default-cache"))
    return folder


@pytest.fixture
def no_retry(monkeypatch):
    monkeypatch.setattr(download, "RETRIES", 0)


@pytest.fixture
def dead_url():
    """A loopback port with nothing listening: connection refused, like being offline."""
    return free_port_url()
