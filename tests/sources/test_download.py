"""Downloads: bounded in time and size, verified, retried, and never leaving a partial file."""

from __future__ import annotations

import signal
import time
import warnings

import pytest

from pfocr_enrich.sources import download
from pfocr_enrich.sources.releases import (
    ChecksumError,
    DownloadError,
    load_pfocr,
)
from sources.release_server import (
    GMT_PATH,
    HUMAN,
    OLD_HUMAN,
    SERVER_TIMEOUT,
    files_in,
    python,
    sha256,
)


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


def test_a_dropped_connection_is_a_download_error_and_leaves_nothing(server, cache, no_retry):
    server.faults[GMT_PATH] = "drop"
    with pytest.raises(
        DownloadError, match=f"{GMT_PATH}: the connection broke after .*nothing was cached"
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert files_in(cache) == []


def test_a_transient_drop_is_retried(server, cache, monkeypatch):
    monkeypatch.setattr(download, "RETRIES", 1)
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


def test_progress_is_reported_to_a_tqdm_like_object_or_a_tqdm_bar(server, cache, capsys):
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
    load_pfocr("20231010", cache_dir=cache, base_url=server.base_url, progress=True)
    err = capsys.readouterr().err  # tqdm's bar, 652,601 bytes shown as 653k
    assert f"{OLD_HUMAN}: 100%" in err and "653k/653k" in err


def test_a_process_interrupted_mid_download_leaves_no_partial_file(server, cache):
    path = f"/pfocr/20231010/{OLD_HUMAN}"  # 652 kB: half of it is several chunks
    server.faults[path] = "stall"
    proc = python(
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
