"""Official releases: download, verify, cache, reload, and every failure mode.

A local HTTP server (127.0.0.1 only, stopped at teardown) serves a fake release
tree built from the real PFOCR GMT copies in tests/data/pfocr (see
tests/data/releases/README.md). No test touches the internet; every cache is
a tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest

import pfocr_enrich as pe
from pfocr_enrich._util.files import CACHE_ENV
from pfocr_enrich.errors import MetadataJoinWarning, PfocrEnrichError
from pfocr_enrich.sources import join_metadata, releases, snapshots
from pfocr_enrich.sources.releases import (
    ChecksumError,
    DownloadError,
    OfflineError,
    ReleaseNotFoundError,
    cached_releases,
    clear_cache,
    list_releases,
    load_pfocr,
)
from pfocr_enrich.sources.snapshots import load_snapshot

DATA = Path(__file__).parents[1] / "data"
SRC = Path(__file__).parents[2] / "src"
HUMAN = "pfocr-20240410-gmt-Homo_sapiens.gmt"
OLD_HUMAN = "pfocr-20231010-gmt-Homo_sapiens.gmt"
GMT_PATH = f"/pfocr/20240410/{HUMAN}"
SERVER_TIMEOUT = 20.0  # no test request or stall lasts longer


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the fake release server ------------------------------------------------------------
def _listing_html(url_path: str, names: list[str], style: str) -> str:
    if style == "apache":
        parent = url_path.rstrip("/").rsplit("/", 1)[0]
        rows = "\n".join(f'<tr><td><a href="{n}">{n}</a></td><td>-</td></tr>' for n in names)
        return (
            f"<html><head><title>Index of {url_path}</title></head><body>"
            f"<h1>Index of {url_path}</h1>"
            f'<table><tr><th><a href="?C=N;O=D">Name</a></th></tr>'
            f'<tr><td><a href="{parent}/">Parent Directory</a></td></tr>'
            f"\n{rows}\n</table></body></html>"
        )
    rows = "\n".join(f'<tr><td><a class=file-link href="{n}">{n}</a></td></tr>' for n in names)
    return f"<html><body><table><tr><th>File Name</th></tr>\n{rows}\n</table></body></html>"


class ReleaseServer:
    """Serves ``root`` on 127.0.0.1; ``faults`` maps a URL path to a failure mode.

    Modes: ``truncate`` (Content-Length of the whole file, half the body, then
    close), ``corrupt`` (same length, one byte changed), ``drop`` (chunked body
    cut after half, connection closed), ``drop_once`` (``drop`` on the first
    request only), ``slow`` (the body in 40 pieces over ~2 s), ``stall`` (half
    the body, then wait until teardown), ``error500``.
    """

    def __init__(self, root: Path, *, style: str = "pfocr") -> None:
        self.root = root
        self.style = style
        self.faults: dict[str, str] = {}
        self.requests: list[str] = []
        self.sent: dict[str, int] = {}
        self.release_stall = threading.Event()
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/pfocr"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def count(self, path: str) -> int:
        with self._lock:
            return sum(p == path for p in self.requests)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = SERVER_TIMEOUT

            def log_message(self, format, *args):  # noqa: A002 - quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                path = unquote(self.path.split("?", 1)[0])
                with server._lock:
                    server.requests.append(path)
                target = (server.root / path.lstrip("/")).resolve()
                if server.root.resolve() not in (target, *target.parents):
                    return self._send(404, b"not found")
                if target.is_dir():
                    if not path.endswith("/"):
                        self.send_response(301)
                        self.send_header("Location", path + "/")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                    names = sorted(p.name + ("/" if p.is_dir() else "") for p in target.iterdir())
                    return self._send(
                        200, _listing_html(path, names, server.style).encode(), "text/html"
                    )
                if not target.is_file():
                    return self._send(404, b"<html>404 Not Found</html>", "text/html")
                mode = server.faults.get(path)
                if mode == "drop_once":
                    server.faults[path] = None
                    mode = "drop"
                body = target.read_bytes()
                if mode == "error500":
                    return self._send(500, b"internal error")
                if mode == "corrupt":
                    body = _corrupt(body)
                if mode in ("drop", "stall", "truncate", "slow"):
                    return self._faulty(path, body, mode)
                return self._send(200, body)

            def _send(self, status, body, ctype="application/octet-stream"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _faulty(self, path, body, mode):
                half = len(body) // 2
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if mode == "drop":
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    self.wfile.write(f"{half:x}\r\n".encode() + body[:half] + b"\r\n")
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mode == "slow":
                    step = len(body) // 40 + 1
                    for i in range(0, len(body), step):
                        self.wfile.write(body[i : i + step])
                        self.wfile.flush()
                        time.sleep(0.05)
                    return
                self.wfile.write(body[:half])
                self.wfile.flush()
                server.sent[path] = half
                if mode == "stall":
                    server.release_stall.wait(SERVER_TIMEOUT)
                self.close_connection = True

        return Handler

    def __enter__(self) -> ReleaseServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release_stall.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(SERVER_TIMEOUT)


def _corrupt(body: bytes) -> bytes:
    """Change one digit in the middle of the file: same size, still a valid GMT."""
    data = bytearray(body)
    i = len(data) // 2
    while not chr(data[i]).isdigit():
        i += 1
    data[i] = ord("1") if data[i] != ord("1") else ord("2")
    return bytes(data)


def build_release_tree(root: Path) -> Path:
    """The fake server tree (tests/data/releases/README.md), from the real GMT copies."""
    pfocr = root / "pfocr"
    copies = {
        f"20231010/{OLD_HUMAN}": "pfocr2018_4000.gmt",
        f"20240410/{HUMAN}": "pfocr_covid.gmt",
        "20240410/pfocr-20240410-gmt-Mus_musculus.gmt": "pfocr_covid_symbols.gmt",
        "20240410/pfocr-20240410-chemical-gmt-Homo_sapiens.gmt": "pfocr_covid.gmt",
    }
    for target, source in copies.items():
        for folder in (
            (target.split("/")[0], "current")
            if target.startswith("20240410")
            else (target.split("/")[0],)
        ):
            path = pfocr / folder / target.split("/")[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(DATA / "pfocr" / source, path)
    return root


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
    monkeypatch.setattr(releases, "_RETRIES", 0)


@pytest.fixture
def dead_url():
    """A loopback port with nothing listening: connection refused, like being offline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pfocr"


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# -- listings -------------------------------------------------------------------------------
def test_parse_listing_reads_apache_and_pfocr_index_pages():
    apache = releases._parse_listing((DATA / "releases" / "apache_index.html").read_text())
    assert releases._gmt_files(apache) == {
        "Homo_sapiens": ["20240410"],
        "Mus_musculus": ["20240410"],
    }
    assert "?C=N;O=D" not in apache and "pfocr" in apache  # parent link -> its last segment
    site = releases._parse_listing((DATA / "releases" / "pfocr_index.html").read_text())
    assert releases._releases_in(site) == ["20231010", "20240410"]
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


# -- the download, verify, cache and reload cycle ---------------------------------------------
def test_current_is_downloaded_verified_cached_and_recorded_as_its_date(server, cache):
    lib = load_pfocr(cache_dir=cache, base_url=server.base_url)
    served = server.root / "pfocr" / "20240410" / HUMAN
    digest = sha256(served)
    assert len(lib) == 216 and lib == pe.read_gmt(served)
    info = lib.info
    assert info["release"] == "20240410" and info["release_date"] == "2024-04-10"
    assert info["url"] == info["source"] == f"{server.base_url}/20240410/{HUMAN}"
    assert info["organism"] == "Homo sapiens"
    assert info["sha256"] == digest and info["checksum"] == f"sha256:{digest}"
    assert info["size"] == served.stat().st_size
    assert "current" not in json.dumps(info)
    folder = cache / "releases" / "20240410"
    assert files_in(folder) == sorted([HUMAN, HUMAN[:-4] + ".manifest.json", HUMAN[:-4] + ".npz"])
    manifest = json.loads((folder / (HUMAN[:-4] + ".manifest.json")).read_text())
    assert (manifest["sha256"], manifest["size"], manifest["release"]) == (
        digest,
        info["size"],
        "20240410",
    )
    assert manifest["requested"] == "current"
    table = cached_releases(cache_dir=cache)
    assert table[["release", "organism", "sha256", "library"]].values.tolist() == [
        ["20240410", "Homo sapiens", digest, True]
    ]
    assert server.count(GMT_PATH) == 1 and server.count("/pfocr/current/") == 1


def test_warm_loads_come_from_the_cache(server, cache, dead_url):
    first = load_pfocr("current", cache_dir=cache, base_url=server.base_url)
    again = load_pfocr("current", cache_dir=cache, base_url=server.base_url)  # lists current/ only
    assert server.count(GMT_PATH) == 1 and server.count("/pfocr/current/") == 2
    offline = load_pfocr(
        "20240410", cache_dir=cache, base_url=dead_url
    )  # a dated release needs no network
    for lib in (again, offline):
        assert lib == first and lib.info == first.info
        assert lib.sets.equals(first.sets)


def test_a_pinned_checksum_is_checked_on_download_and_on_cached_files(server, cache):
    digest = sha256(server.root / "pfocr" / "20231010" / OLD_HUMAN)
    lib = load_pfocr(
        "20231010", cache_dir=cache, base_url=server.base_url, checksum=f"sha256:{digest}"
    )
    assert len(lib) == 3415 and lib.info["sha256"] == digest
    assert (
        len(
            load_pfocr(
                "20231010", cache_dir=cache, base_url=server.base_url, checksum=digest.upper()
            )
        )
        == 3415
    )
    wrong = "0" * 64
    with pytest.raises(
        ChecksumError, match=f"cached with SHA-256 {digest}.*but checksum {wrong}"
    ) as err:
        load_pfocr("20231010", cache_dir=cache, base_url=server.base_url, checksum=wrong)
    assert (err.value.expected, err.value.actual) == (wrong, digest)
    assert cached_releases(cache_dir=cache)["release"].tolist() == ["20231010"]  # the cache is kept
    assert server.count(f"/pfocr/20231010/{OLD_HUMAN}") == 1


def test_another_organism_and_the_chemical_gmt_is_never_taken(server, cache):
    mouse = load_pfocr("current", "Mus musculus", cache_dir=cache, base_url=server.base_url)
    assert mouse.info["organism"] == "Mus musculus" and mouse.info["release"] == "20240410"
    assert "TP53" in set(mouse.genes) or "Tp53" in set(mouse.genes)  # the symbols file was served
    assert not any("chemical" in p for p in server.requests)
    assert cached_releases(cache_dir=cache)["organism"].tolist() == ["Mus musculus"]


def test_the_current_folder_is_used_when_the_dated_folder_lacks_the_file(server, cache):
    (server.root / "pfocr" / "20240410" / HUMAN).unlink()
    lib = load_pfocr(cache_dir=cache, base_url=server.base_url)
    assert lib.info["release"] == "20240410"
    assert lib.info["url"] == f"{server.base_url}/current/{HUMAN}"


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


# -- failure modes -----------------------------------------------------------------------------
def test_http_404_for_a_release_names_the_available_releases(server, cache):
    with pytest.raises(
        ReleaseNotFoundError,
        match=r"no such PFOCR release/organism.*available releases: 20231010, 20240410",
    ) as err:
        load_pfocr("20991231", cache_dir=cache, base_url=server.base_url)
    assert err.value.available == ["20231010", "20240410"] and err.value.release == "20991231"
    assert isinstance(err.value, LookupError) and isinstance(err.value, PfocrEnrichError)
    assert files_in(cache) == []


def test_http_404_for_an_organism_names_the_organisms_of_the_release(server, cache):
    with pytest.raises(
        ReleaseNotFoundError,
        match="no such organism in PFOCR release 20240410.*Homo sapiens, Mus musculus",
    ):
        load_pfocr("20240410", "Danio rerio", cache_dir=cache, base_url=server.base_url)
    with pytest.raises(
        ReleaseNotFoundError, match="current PFOCR release .* no GMT for organism 'Danio rerio'"
    ):
        load_pfocr("current", "Danio rerio", cache_dir=cache, base_url=server.base_url)
    assert files_in(cache) == []


def test_a_missing_release_is_never_replaced_by_a_cached_one(server, cache):
    load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    with pytest.raises(ReleaseNotFoundError):
        load_pfocr("20231011", cache_dir=cache, base_url=server.base_url)


def test_offline_lists_the_cached_releases_and_loads_none_of_them(server, cache, dead_url):
    load_pfocr("20231010", cache_dir=cache, base_url=server.base_url)
    load_pfocr("20240410", "Mus musculus", cache_dir=cache, base_url=server.base_url)
    with pytest.raises(
        OfflineError,
        match=r"(?s)cannot reach .* current release .*connection refused.*"
        r"usable offline: 20231010 \(pass release='20231010'\); nothing was loaded.*"
        r"Other cached releases: 20240410 \(Mus musculus\)",
    ) as err:
        load_pfocr("current", cache_dir=cache, base_url=dead_url)
    assert err.value.cached == ["20231010"]
    assert isinstance(err.value, ConnectionError)
    with pytest.raises(OfflineError, match="release 20240410 .*usable offline: 20231010"):
        load_pfocr("20240410", cache_dir=cache, base_url=dead_url)


def test_offline_with_an_empty_cache_points_to_the_sample(cache, dead_url):
    with pytest.raises(
        OfflineError, match=r"No release of Homo sapiens is cached .*sample_library"
    ):
        load_pfocr(cache_dir=cache, base_url=dead_url)
    assert files_in(cache) == []


def test_a_truncated_download_is_a_checksum_error_and_leaves_nothing(server, cache, no_retry):
    server.faults[GMT_PATH] = "truncate"
    size = (server.root / "pfocr" / "20240410" / HUMAN).stat().st_size
    with pytest.raises(
        ChecksumError, match=f"truncated download: expected {size:,} bytes .*received {size // 2:,}"
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert files_in(cache) == []


def test_corrupted_bytes_fail_a_pinned_checksum_and_leave_nothing(server, cache, no_retry):
    digest = sha256(server.root / "pfocr" / "20240410" / HUMAN)
    server.faults[GMT_PATH] = "corrupt"
    with pytest.raises(
        ChecksumError,
        match=f"{GMT_PATH}: SHA-256 of the download is [0-9a-f]{{64}}, expected {digest}",
    ) as err:
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url, checksum=digest)
    assert err.value.url.endswith(GMT_PATH) and err.value.actual != digest
    assert files_in(cache) == []


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


def test_a_dropped_connection_is_a_download_error_and_leaves_nothing(server, cache, no_retry):
    server.faults[GMT_PATH] = "drop"
    with pytest.raises(
        DownloadError, match=f"{GMT_PATH}: the connection broke after .*nothing was cached"
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert files_in(cache) == []


def test_a_transient_drop_is_retried(server, cache, monkeypatch):
    monkeypatch.setattr(releases, "_RETRIES", 1)
    server.faults[GMT_PATH] = "drop_once"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lib = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert len(lib) == 216 and server.count(GMT_PATH) == 2


def test_an_http_error_is_a_download_error(server, cache, no_retry):
    server.faults[GMT_PATH] = "error500"
    with pytest.raises(DownloadError, match="HTTP 500"):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert files_in(cache) == []


def test_an_interrupted_download_leaves_no_partial_file(server, cache):
    class Interrupt:
        def update(self, n):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url, progress=Interrupt())
    assert files_in(cache) == []


def test_progress_is_reported_to_a_tqdm_like_object_or_stderr(server, cache, monkeypatch, capsys):
    class Recorder:
        total, n, closed = None, 0, False

        def update(self, n):
            self.n += n

        def close(self):
            self.closed = True

    recorder = Recorder()
    load_pfocr("20240410", cache_dir=cache, base_url=server.base_url, progress=recorder)
    size = (server.root / "pfocr" / "20240410" / HUMAN).stat().st_size
    assert (recorder.total, recorder.n, recorder.closed) == (size, size, True)
    monkeypatch.setitem(sys.modules, "tqdm.auto", None)  # tqdm not installed: a line on stderr
    load_pfocr("20231010", cache_dir=cache, base_url=server.base_url, progress=True)
    assert f"{OLD_HUMAN}: 0.7 of 0.7 MB" in capsys.readouterr().err


def _python(code: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_process_interrupted_mid_download_leaves_no_partial_file(server, cache):
    path = f"/pfocr/20231010/{OLD_HUMAN}"  # 652 kB: half of it is several chunks
    server.faults[path] = "stall"
    proc = _python(
        "import pfocr_enrich.sources.releases as r\n"
        f"r.load_pfocr('20231010', cache_dir={str(cache)!r}, base_url={server.base_url!r})\n"
    )
    folder = cache / "releases" / "20231010"
    deadline = time.monotonic() + SERVER_TIMEOUT
    while not (server.sent.get(path) and files_in(folder)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    partial = files_in(folder)
    assert len(partial) == 1 and partial[0].startswith(
        "tmp"
    )  # pooch's temporary file, mid-download
    assert (folder / partial[0]).stat().st_size > 0
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=SERVER_TIMEOUT)
    assert proc.returncode != 0 and "KeyboardInterrupt" in stderr
    assert files_in(cache) == []


def test_two_processes_filling_the_cache_at_once_do_not_corrupt_it(server, cache):
    server.faults[GMT_PATH] = "slow"
    code = (
        "import json, pfocr_enrich.sources.releases as r\n"
        f"lib = r.load_pfocr('20240410', cache_dir={str(cache)!r}, base_url={server.base_url!r})\n"
        "sets = sorted(lib.to_dict().items())[:3]\n"
        "print(json.dumps([len(lib), lib.n_genes, lib.info['sha256'], sets]))\n"
    )
    procs = [_python(code) for _ in range(2)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    results = [json.loads(out) for out, _ in outputs]
    digest = sha256(server.root / "pfocr" / "20240410" / HUMAN)
    assert results[0] == results[1] and results[0][:3] == [216, results[0][1], digest]
    folder = cache / "releases" / "20240410"
    assert files_in(folder) == sorted([HUMAN, HUMAN[:-4] + ".manifest.json", HUMAN[:-4] + ".npz"])
    assert sha256(folder / HUMAN) == digest
    assert server.count(GMT_PATH) == 2  # both downloaded at once: the slow body takes ~2 s
    lib = load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert lib == pe.read_gmt(server.root / "pfocr" / "20240410" / HUMAN)


# -- cache management -------------------------------------------------------------------------
def test_clear_cache_removes_one_release_or_all_and_only_our_files(server, cache, tmp_path):
    load_pfocr("20231010", cache_dir=cache, base_url=server.base_url)
    load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    foreign = cache / "releases" / "20240410" / "notes.txt"
    foreign.write_text("mine")
    (cache / "releases" / "20231010" / "tmpab12cd34").write_bytes(b"partial")  # a killed download
    removed = clear_cache(cache_dir=cache, release="20231010")
    assert sorted(Path(p).name for p in removed) == sorted(
        [OLD_HUMAN, OLD_HUMAN[:-4] + ".manifest.json", OLD_HUMAN[:-4] + ".npz", "tmpab12cd34"]
    )
    assert not (cache / "releases" / "20231010").exists()
    assert cached_releases(cache_dir=cache)["release"].tolist() == ["20240410"]
    assert len(clear_cache(cache_dir=cache)) == 3
    assert files_in(cache) == ["notes.txt"] and cached_releases(cache_dir=cache).empty
    assert clear_cache(cache_dir=tmp_path / "nothing-here") == []


def test_the_default_cache_folder_follows_the_environment(server, tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "env-cache"))
    load_pfocr("20240410", base_url=server.base_url)
    assert cached_releases()["release"].tolist() == ["20240410"]
    assert (tmp_path / "env-cache" / "releases" / "20240410" / HUMAN).is_file()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"release": "2024-04-10"},
            "The 'release' parameter of load_pfocr must be 'current' or a release date "
            "'YYYYMMDD'. Got '2024-04-10'",
        ),
        (
            {"release": "20241399"},
            "must be 'current' or a release date 'YYYYMMDD' \\(a real date\\)",
        ),
        (
            {"organism": "Homo/sapiens"},
            "The 'organism' parameter of load_pfocr must be a species name",
        ),
        (
            {"checksum": "abc"},
            "The 'checksum' parameter of load_pfocr must be None or a SHA-256 hex digest",
        ),
        (
            {"base_url": "ftp://example.org/pfocr"},
            "The 'base_url' parameter of load_pfocr must be an http",
        ),
        ({"progress": "yes"}, "The 'progress' parameter of load_pfocr must be a bool"),
        ({"cache_dir": 3}, "The 'cache_dir' parameter of load_pfocr must be None or a folder path"),
    ],
)
def test_argument_errors_name_the_parameter(kwargs, message, dead_url):
    with pytest.raises(ValueError, match=message):
        load_pfocr(**{"base_url": dead_url, **kwargs})


def test_clear_cache_rejects_current(tmp_path):
    with pytest.raises(
        ValueError, match="The 'release' parameter of clear_cache must be a release date"
    ):
        clear_cache(cache_dir=tmp_path, release="current")


# -- snapshots ---------------------------------------------------------------------------------
def _copy_sample(folder: Path) -> Path:
    shutil.copytree(DATA / "figures" / "sample", folder / "_figures")
    return folder


def test_load_snapshot_parses_once_then_loads_from_the_cache(tmp_path):
    snapshot = _copy_sample(tmp_path / "pfocr-database")
    cache = tmp_path / "cache"
    with pytest.warns(pe.FigureParseWarning):
        first = load_snapshot(snapshot, cache_dir=cache)
    reference = pe.read_figures(snapshot, errors="skip")
    assert first == reference and first.sets.equals(reference.sets)
    assert first.info["snapshot_cached"] is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no parsing, so no warning
        again = load_snapshot(snapshot, cache_dir=cache)
    assert again == first and again.info["snapshot_cached"] is True
    assert again.sets.equals(first.sets)
    assert again.load_report.equals(first.load_report)
    assert len(list((cache / "snapshots").glob("*.npz"))) == 1


def test_load_snapshot_parses_again_when_the_listing_changes(tmp_path):
    snapshot = _copy_sample(tmp_path / "pfocr-database")
    cache = tmp_path / "cache"
    first = load_snapshot(snapshot, cache_dir=cache, errors="skip")
    (snapshot / "_figures" / "PMC8413833__gr8.md").unlink()
    second = load_snapshot(snapshot, cache_dir=cache, errors="skip")
    assert second.info["snapshot_cached"] is False and len(second) == len(first) - 1
    table = snapshot / "_figures" / "_data" / "PMC10031380__sc1-genes.tsv"
    text = table.read_text()
    table.write_text(text.replace("\t2064\t", "\t7157\t"))  # ERBB2 row now says TP53's Entrez ID
    third = load_snapshot(snapshot, cache_dir=cache, errors="skip")
    assert third.info["snapshot_cached"] is False
    assert "TP53" in third["PMC10031380__sc1"] and "TP53" not in second["PMC10031380__sc1"]
    assert len(list((cache / "snapshots").glob("*.npz"))) == 1  # older listings are replaced


def test_load_snapshot_needs_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="load_snapshot: no such folder"):
        load_snapshot(tmp_path / "missing", cache_dir=tmp_path)


# -- figure metadata ----------------------------------------------------------------------------
def test_join_metadata_puts_figure_titles_years_and_links_on_gmt_sets(data_dir):
    gmt = pe.read_gmt(data_dir / "pfocr" / "pfocr_covid.gmt")
    sample = pe.sample_library()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lib = join_metadata(gmt, sample)
    assert lib == gmt and list(lib.set_ids) == list(gmt.set_ids)
    row = lib.sets.loc["PMC1533821__1465-9921-7-97-2.jpg"]
    assert row["title"] == "Recognition of pathogens by cytosolic PRRs"
    assert row["year"] == 2006 and str(lib.sets["year"].dtype) == "Int64"
    assert row["url"] == "https://pfocr.wikipathways.org/figures/PMC1533821__1465-9921-7-97-2.html"
    assert row["pmc_url"] == "https://www.ncbi.nlm.nih.gov/pmc/articles/PMC1533821/"
    assert row["organism"] == "Homo sapiens"  # GMT columns are kept
    assert lib.info["metadata"] == {
        "source": sample.name,
        "n_sets": 216,
        "n_matched": 216,
        "n_unmatched": 0,
    }
    assert gmt.sets.loc["PMC1533821__1465-9921-7-97-2.jpg", "url"].endswith(
        ".jpg.html"
    )  # input unchanged


def test_join_metadata_from_a_folder_of_pages_warns_about_unmatched_sets(tmp_path, monkeypatch):
    snapshot = _copy_sample(tmp_path / "pfocr-database")
    gmt = pe.GeneSetLibrary.from_dict({"PMC8413833__gr8": ["MIF"], "PMC0__none": ["TP53"]})
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    with pytest.warns(
        MetadataJoinWarning, match="1 of 2 sets have no figure metadata .*'PMC0__none'"
    ):
        lib = join_metadata(gmt, snapshot)
    assert len(list((tmp_path / "cache" / "snapshots").glob("*.npz"))) == 1
    assert lib.sets.loc["PMC8413833__gr8", "year"] == 2021
    assert lib.sets.loc["PMC8413833__gr8", "pmcid"] == "PMC8413833"
    assert pd.isna(lib.sets.loc["PMC0__none", "year"])
    assert lib.info["metadata"]["n_unmatched"] == 1


def test_join_metadata_matches_figid_aliases_and_raises_when_nothing_matches():
    gmt = pe.GeneSetLibrary.from_dict({"PMC8413833__F8": ["MIF"]})
    meta = pd.DataFrame(
        {"figid": ["PMC8413833__gr8"], "figid_alias": ["PMC8413833__F8"], "title": ["T"]}
    )
    assert join_metadata(gmt, meta).sets.loc["PMC8413833__F8", "title"] == "T"
    with pytest.raises(
        ValueError,
        match=r"no set of the library matches a figure .*\['PMC8413833__F8'\].*\['other'\]",
    ):
        join_metadata(gmt, pd.DataFrame({"title": ["T"]}, index=["other"]))
    with pytest.raises(ValueError, match="The 'metadata' parameter of join_metadata must be"):
        join_metadata(gmt, 3)


def test_docstring_examples_run(tmp_path, monkeypatch):
    import doctest
    import tempfile

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(
        tempfile, "tempdir", str(tmp_path)
    )  # examples' temp folders stay in tmp_path
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    results = [
        doctest.testmod(mod, optionflags=flags, verbose=False) for mod in (releases, snapshots)
    ]
    assert sum(r.failed for r in results) == 0 and sum(r.attempted for r in results) >= 10
