"""Downloads: bounded in time and size, verified, retried, and never leaving a partial file."""

from __future__ import annotations

import os
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
    ReleaseServer,
    build_release_tree,
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


def _stalled_download(server, cache):
    """A new process downloading 20231010, stalled half-way: (process, folder, URL path)."""
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
    return proc, folder, path


def test_a_process_interrupted_mid_download_leaves_no_partial_file(server, cache):
    proc, folder, path = _stalled_download(server, cache)
    partial = files_in(folder)
    assert len(partial) == 1 and partial[0].startswith(
        "tmp"
    )  # pooch's temporary file, mid-download
    assert (folder / partial[0]).stat().st_size > 0
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=SERVER_TIMEOUT)
    assert proc.returncode != 0 and "KeyboardInterrupt" in stderr
    assert files_in(cache) == []


# -- limits: issue 17 ------------------------------------------------------------------------
def test_a_body_announced_larger_than_max_bytes_is_not_downloaded(server, cache):
    size = (server.root / "pfocr" / "20240410" / HUMAN).stat().st_size
    with pytest.raises(
        DownloadError,
        match=f"announces {size:,} bytes, more than the limit of 1,000 bytes "
        r"\(max_bytes=1,000\)",
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url, max_bytes=1_000)
    assert files_in(cache) == []


def test_the_size_in_the_current_listing_limits_a_body_without_length(tmp_path, cache):
    with ReleaseServer(build_release_tree(tmp_path / "www"), style="apache") as srv:
        srv.faults[GMT_PATH] = "endless"
        size = (srv.root / "pfocr" / "20240410" / HUMAN).stat().st_size  # listed as "55K"
        with pytest.raises(DownloadError, match=r"the size in the server's listing, about") as err:
            load_pfocr("current", cache_dir=cache, base_url=srv.base_url)
        limit = int(err.value.args[0].split("the limit of ")[1].split(" bytes")[0].replace(",", ""))
        assert size < limit < 2 * size
    assert files_in(cache) == []


ENDLESS = (  # no Content-Length, never ends: was 8 GB in 30 s
    r"sent more than 2,000,000, more than the limit of 2,000,000 bytes "
    r"\(max_bytes=2,000,000\); nothing was cached.*larger max_bytes="
)
DRIP = (  # one byte every 0.1 s: no read ever times out
    r"did not finish within timeout=1 s \([0-9]+ of [0-9,]+ bytes received in the "
    r"last attempt\); nothing was cached. On a slow connection pass a larger timeout="
)


@pytest.mark.parametrize(
    ("fault", "kwargs", "match"),
    [("endless", {"max_bytes": 2_000_000}, ENDLESS), ("drip", {"timeout": 1}, DRIP)],
)
def test_a_body_that_never_ends_is_stopped_by_a_limit_and_not_retried(
    server, cache, fault, kwargs, match
):
    server.faults[GMT_PATH] = fault
    start = time.monotonic()
    with pytest.raises(DownloadError, match=match):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url, **kwargs)
    assert time.monotonic() - start < 4
    assert server.count(GMT_PATH) == 1  # the same server would do it again
    assert files_in(cache) == []


def test_a_stalled_body_gives_up_after_the_stall_time_with_the_bytes_received(
    server, cache, monkeypatch
):
    monkeypatch.setattr(download, "STALL", 0.5)
    monkeypatch.setattr(download, "RETRIES", 1)
    server.faults[GMT_PATH] = "stall100"
    size = (server.root / "pfocr" / "20240410" / HUMAN).stat().st_size
    start = time.monotonic()
    with pytest.raises(
        DownloadError, match=f"sent nothing for 0.5 s after 100 of {size:,} bytes; nothing"
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert time.monotonic() - start < 4  # two stalls of 0.5 s and pooch's pause of 1 s
    assert server.count(GMT_PATH) == 2
    assert files_in(cache) == []


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (
            {"timeout": 0},
            ValueError,
            "The 'timeout' parameter of load_pfocr must be a number of seconds > 0",
        ),
        ({"timeout": "60"}, TypeError, "The 'timeout' parameter of load_pfocr must be a number"),
        (
            {"max_bytes": 0},
            ValueError,
            "The 'max_bytes' parameter of load_pfocr must be an int >= 1",
        ),
        ({"max_bytes": 1.5e9}, TypeError, "The 'max_bytes' parameter of load_pfocr must be an int"),
    ],
)
def test_limit_arguments_are_checked(kwargs, error, message, dead_url, cache):
    with pytest.raises(error, match=message):
        load_pfocr("20240410", cache_dir=cache, base_url=dead_url, **kwargs)


# -- temporary files -----------------------------------------------------------------------------
def test_stale_temporary_files_are_swept_and_live_ones_kept(server, cache):
    folder = cache / "releases" / "20240410"
    folder.mkdir(parents=True)
    stale = [folder / "tmpab12cd34", folder / f".{HUMAN[:-4]}.npz.123.0badf00d.tmp"]
    live = folder / "tmpfresh5678"  # another process downloading right now
    for path in [*stale, live]:
        path.write_bytes(b"partial")
    old = time.time() - download.STALE_AFTER - 60
    for path in stale:
        os.utime(path, (old, old))
    load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert files_in(folder) == sorted(
        [HUMAN, HUMAN[:-4] + ".manifest.json", HUMAN[:-4] + ".npz", live.name]
    )
    stale[0].write_bytes(b"partial")  # killed again; the next call finds the release cached
    os.utime(stale[0], (old, old))
    load_pfocr("20240410", cache_dir=cache, base_url=server.base_url)
    assert not stale[0].exists() and live.exists() and server.count(GMT_PATH) == 1


def test_the_file_of_a_killed_download_is_swept_by_the_next_call(server, cache, monkeypatch):
    proc, folder, path = _stalled_download(server, cache)
    proc.kill()  # SIGKILL: no chance to clean up
    proc.communicate(timeout=SERVER_TIMEOUT)
    (left,) = files_in(folder)
    assert left.startswith("tmp") and (folder / left).stat().st_size > 0
    del server.faults[path]
    monkeypatch.setattr(download, "STALE_AFTER", 0.0)  # no live download can own it
    lib = load_pfocr("20231010", cache_dir=cache, base_url=server.base_url)
    assert len(lib) == 3415
    assert files_in(folder) == sorted(
        [OLD_HUMAN, OLD_HUMAN[:-4] + ".manifest.json", OLD_HUMAN[:-4] + ".npz"]
    )


def test_a_stalled_body_waits_no_longer_than_the_time_left(server, cache):
    server.faults[GMT_PATH] = "stall100"  # the stall time is 30 s, the timeout 1 s
    size = (server.root / "pfocr" / "20240410" / HUMAN).stat().st_size
    start = time.monotonic()
    with pytest.raises(
        DownloadError, match=f"did not finish within timeout=1 s \\(100 of {size:,} bytes"
    ):
        load_pfocr("20240410", cache_dir=cache, base_url=server.base_url, timeout=1)
    assert time.monotonic() - start < 3
    assert server.count(GMT_PATH) == 1 and files_in(cache) == []
