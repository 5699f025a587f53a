"""The loopback release server of the tests in this folder, and the helpers around it.

A local HTTP server (127.0.0.1 only, stopped at teardown) serves a fake release
tree built from the real PFOCR GMT copies in tests/data/pfocr (see
tests/data/releases/README.md). No test touches the internet; every cache is
a tmp_path. The fixtures that use it are in conftest.py.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

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
        rows = "\n".join(
            f'<tr><td><a href="{n}">{n}</a></td><td align="right">{size}</td></tr>'
            for n, size in names
        )
        return (
            f"<html><head><title>Index of {url_path}</title></head><body>"
            f"<h1>Index of {url_path}</h1>"
            f'<table><tr><th><a href="?C=N;O=D">Name</a></th></tr>'
            f'<tr><td><a href="{parent}/">Parent Directory</a></td></tr>'
            f"\n{rows}\n</table></body></html>"
        )
    rows = "\n".join(f'<tr><td><a class=file-link href="{n}">{n}</a></td></tr>' for n, _ in names)
    return f"<html><body><table><tr><th>File Name</th></tr>\n{rows}\n</table></body></html>"


class ReleaseServer:
    """Serves ``root`` on 127.0.0.1; ``faults`` maps a URL path to a failure mode.

    Modes: ``truncate`` (Content-Length of the whole file, half the body, then
    close), ``corrupt`` (same length, one byte changed), ``drop`` (chunked body
    cut after half, connection closed), ``drop_once`` (``drop`` on the first
    request only), ``slow`` (the body in 40 pieces over ~2 s), ``stall`` (half
    the body, then wait until teardown), ``stall100`` (100 bytes, then wait),
    ``drip`` (one byte every 0.1 s), ``endless`` (no Content-Length, bytes
    until the client hangs up), ``maintenance`` (HTTP 200 with an HTML page),
    ``error500``. Every mode ends by ``SERVER_TIMEOUT`` at the latest.
    The ``apache`` listing style shows each file's size as Apache rounds it
    (``"652K"``).
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
                    names = sorted(
                        (p.name + "/", "-") if p.is_dir() else (p.name, _apache_size(p))
                        for p in target.iterdir()
                    )
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
                if mode == "maintenance":
                    return self._send(200, MAINTENANCE, "text/html")
                if mode == "corrupt":
                    body = _corrupt(body)
                if mode in ("endless", "drip"):
                    return self._endless(mode, body)
                if mode in ("drop", "stall", "stall100", "truncate", "slow"):
                    return self._faulty(path, body, mode)
                return self._send(200, body)

            def _send(self, status, body, ctype="application/octet-stream"):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _endless(self, mode, body):
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                if mode == "drip":
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.close_connection = True
                end = time.monotonic() + SERVER_TIMEOUT
                block = b"PMC1__x\tt\tTP53\n" * 4096  # looks like a GMT, never ends
                i = 0
                try:
                    while time.monotonic() < end and not server.release_stall.is_set():
                        if mode == "drip":
                            self.wfile.write(body[i : i + 1])
                            self.wfile.flush()
                            i += 1
                            time.sleep(0.1)
                        else:
                            self.wfile.write(block)
                except OSError:
                    pass  # the client hung up

            def _faulty(self, path, body, mode):
                half = 100 if mode == "stall100" else len(body) // 2
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
                if mode in ("stall", "stall100"):
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


MAINTENANCE = b"<html><body><h1>Down for maintenance</h1><p>Back soon.</p></body></html>\n"


def _apache_size(path: Path) -> str:
    """The size as Apache's index shows it: 652K, 1.9M."""
    size = path.stat().st_size
    for unit, step in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if size >= step:
            value = size / step
            return f"{value:.1f}{unit}" if value < 10 else f"{value:.0f}{unit}"
    return str(size)


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


def free_port_url() -> str:
    """A loopback port with nothing listening: connection refused, like being offline."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/pfocr"


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def python(code: str) -> subprocess.Popen:
    """``code`` run by this Python in a new process, with pfocr_enrich from src/."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
