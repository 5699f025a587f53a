"""The HTML report in a real browser (headless Debian chromium), offline.

The page must load without script errors, show the expected rows, and sort
when a header is clicked. Every host name is made unresolvable, so the report
is checked as a reader without network sees it (thumbnails then fail quietly).
Skipped when chromium is not installed (``apt-get install chromium``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import pfocr_enrich as pe
from conftest import IFN


def _chromium() -> str | None:
    for candidate in (
        os.environ.get("PFOCR_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ):
        if candidate and Path(candidate).exists():
            return candidate
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless browser check needs Debian chromium (apt-get install chromium); not found",
)

# Collects script errors from the first moment (injected at the top of <head>).
ERROR_TRAP = """<script>window.__errors = [];
window.addEventListener("error", function (e) { window.__errors.push(String(e.message)); });</script>"""

# Runs after the report's own script: clicks headers like a reader, writes what it saw into the DOM.
PROBE = """<script>(function () {
  var out = {errors: window.__errors};
  try {
    var table = document.getElementById("results");
    var heads = table.tHead.rows[0].cells;
    function col(name) { for (var i = 0; i < heads.length; i++) { if (heads[i].textContent === name) return i; } return -1; }
    function column(i) { return Array.prototype.map.call(table.tBodies[0].rows, function (r) { return r.cells[i].getAttribute("data-sort"); }); }
    out.rows = table.tBodies[0].rows.length;
    out.initial_figure = column(col("figure"));
    out.initial_rank = column(col("rank"));
    heads[col("overlap")].click();
    out.overlap_asc = column(col("overlap"));
    heads[col("overlap")].click();
    out.overlap_desc = column(col("overlap"));
    out.aria = heads[col("overlap")].getAttribute("aria-sort");
    heads[col("figure")].click();
    out.figure_asc = column(col("figure"));
    heads[col("rank")].click();
    out.rank_again = column(col("rank"));
    out.plot = document.querySelectorAll("img.plot").length;
    out.links = document.querySelectorAll("a[href^='https://pfocr.wikipathways.org/figures/']").length;
  } catch (e) { out.errors.push("probe: " + e.message); }
  var pre = document.createElement("pre"); pre.id = "probe"; pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();</script>"""

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
]


def _browse(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _console_problems(stderr: str) -> list[str]:
    """Console messages other than blocked thumbnails (all hosts are unresolvable here)."""
    lines = [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    return [line for line in lines if "Failed to load resource" not in line]


def _probe(report: str, tmp_path: Path) -> tuple[dict, list[str]]:
    page = report.replace("<head>", "<head>" + ERROR_TRAP, 1).replace(
        "</body>", PROBE + "</body>", 1
    )
    path = tmp_path / "probed.html"
    path.write_text(page, encoding="utf-8")
    done = _browse(path, tmp_path, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    match = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert match, "the probe did not run: " + done.stdout[-1000:]
    import html as _html

    return json.loads(_html.unescape(match.group(1))), _console_problems(done.stderr)


@pytest.fixture(scope="module")
def res():
    lib = pe.sample_library()
    return pe.enrich(IFN, lib).cluster(0.5, gene_sets=lib)


def test_the_console_check_catches_script_errors(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text(
        '<!DOCTYPE html><html><body><script>console.error("boom"); notDefined();</script></body></html>'
    )
    done = _browse(broken, tmp_path, "--dump-dom")
    problems = _console_problems(done.stderr)
    assert any("Uncaught ReferenceError: notDefined" in p for p in problems), done.stderr[-2000:]


def test_report_loads_without_errors_and_sorts(res, tmp_path):
    report = res.to_html(top=40)
    probe, console = _probe(report, tmp_path)
    assert probe["errors"] == [] and console == []
    assert probe["rows"] == 40
    assert probe["initial_rank"] == [repr(float(i)) for i in range(1, 41)]
    overlaps = [float(v) for v in probe["overlap_asc"]]
    assert overlaps == sorted(overlaps) and probe["aria"] == "descending"
    assert [float(v) for v in probe["overlap_desc"]] == sorted(overlaps, reverse=True)
    assert sorted(probe["figure_asc"]) == sorted(probe["initial_figure"]) != probe["initial_figure"]
    assert probe["figure_asc"] == sorted(
        probe["figure_asc"]
    )  # lower-cased titles: localeCompare agrees here
    assert probe["rank_again"] == probe["initial_rank"]
    assert probe["plot"] == (1 if _has_matplotlib() else 0)
    assert probe["links"] >= 40


def test_batch_report_rows(tmp_path):
    many = pe.enrich_many(
        {"ifn": IFN[:6], "nfkb": ["NFKB1", "RELA", "IKBKB", "TNF", "IL6"]}, pe.sample_library()
    )
    probe, console = _probe(many.to_html(top=7), tmp_path)
    assert probe["errors"] == [] and console == [] and probe["rows"] == 14


def test_screenshot_of_the_report(res, tmp_path):
    path = tmp_path / "report.html"
    res.to_html(path, top=30)
    shot = tmp_path / "report.png"
    done = _browse(
        path, tmp_path, "--screenshot=" + str(shot), "--window-size=1280,1800", "--hide-scrollbars"
    )
    assert done.returncode == 0 and shot.exists(), done.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    keep = os.environ.get("PFOCR_KEEP_SCREENSHOT")
    if keep:  # for a person to look at: PFOCR_KEEP_SCREENSHOT=/tmp/report.png pytest tests/test_report_browser.py
        shutil.copy(shot, keep)
    assert _console_problems(done.stderr) == []


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True
