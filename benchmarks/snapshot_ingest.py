"""Release and snapshot ingest: how long until a full PFOCR is a library, cold and warm.

    python benchmarks/snapshot_ingest.py                 # both, release-sized (~3 min on 2 cores)
    python benchmarks/snapshot_ingest.py --only release  # release GMT only
    python benchmarks/snapshot_ingest.py --pages 20000 --sets 20000   # smaller

Everything is synthetic and local, made in a temporary folder that is deleted at
the end:

* **Release GMT.** ``--sets`` gene sets (default 100,000, about the size of a
  full human PFOCR release) whose sizes are drawn from the real 2018 PFOCR sets
  (``tests/data/pfocr/pfocr2018_4000.gmt``, median 15 genes), genes drawn from
  the ~19,000 human protein-coding Entrez IDs, titles from the real COVID
  figure titles; served as
  ``<base>/20240410/pfocr-20240410-gmt-Homo_sapiens.gmt`` and ``<base>/current/``
  by ``http.server`` on 127.0.0.1. Measured: ``load_pfocr("current")`` into an
  empty cache (listing, download, size + SHA-256 check, manifest, GMT parse,
  binary save), then warm loads of ``"current"`` (one listing request) and of
  the dated release (no network).
* **Snapshot.** ``--pages`` figure pages (default 100,000) written from the 15
  real pages of ``tests/data/figures/sample`` (both layouts, chemistry pages
  without human genes included) with new figids; every page of the current
  layout gets a companion ``_data/<figid>-genes.tsv`` with the real column
  layout, human rows (real NCBI genes, sizes as above) and one fly row (only
  the fly row for pages that have no human gene in the real sample).
  Measured: ``read_figures`` (files/s), ``load_snapshot`` cold (parse + save)
  and warm (``verify="full"`` and ``"quick"``, median of ``--repeats``, in
  this process and in a new one, where the library is the first thing in
  memory), the
  parts of a warm load (``GeneSetLibrary.load`` of the cached file, each cache
  key), and, for comparison, ``read_figures`` on two halves in two processes
  at once.

``--warm-only DIR`` measures only the warm loads in new processes, on a snapshot
kept in ``DIR`` (written and parsed on the first run), for each ``--src`` tree in
turn: how the numbers of docs/releases.md compare one version with another::

    git archive 56bcc4d | tar -x -C /tmp/before
    python benchmarks/snapshot_ingest.py --warm-only /tmp/snap --src /tmp/before/src --src src

Files are freshly written, so they are in the OS page cache: a first read
from a cold disk is slower.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pooch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import pfocr_enrich as pe  # noqa: E402
from pfocr_enrich._util.resources import read_packaged_tsv  # noqa: E402
from pfocr_enrich.library import GeneSetLibrary  # noqa: E402
from pfocr_enrich.sources import releases, snapshots  # noqa: E402

DATA = ROOT / "tests" / "data"
RELEASE = "20240410"
HUMAN = f"pfocr-{RELEASE}-gmt-Homo_sapiens.gmt"


def real_sizes() -> np.ndarray:
    lines = (DATA / "pfocr" / "pfocr2018_4000.gmt").read_text().splitlines()
    return np.array([len(line.split("\t")) - 2 for line in lines])


# -- release GMT ---------------------------------------------------------------------
def write_release_gmt(path: Path, n_sets: int, rng: np.random.Generator) -> None:
    genes = read_packaged_tsv("ncbi_genes.tsv.gz")
    vocabulary = genes.loc[genes["gene_type"] == "protein-coding", "entrez"].to_numpy()
    covid = (DATA / "pfocr" / "pfocr_covid.gmt").read_text().splitlines()
    titles = [line.split("\t")[1] for line in covid if not line.split("\t")[1].startswith("http")]
    sizes = rng.choice(real_sizes(), size=n_sets)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for i, size in enumerate(sizes):
            genes = rng.choice(vocabulary, size=min(int(size), len(vocabulary)), replace=False)
            figid = f"PMC{1_000_000 + i}__gr{i % 9 + 1}"
            title = titles[i % len(titles)]
            fh.write(f"{figid}%PFOCR_{RELEASE}%Homo sapiens\t{title}\t" + "\t".join(genes) + "\n")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


def bench_release(work: Path, n_sets: int, rng: np.random.Generator, repeats: int) -> dict:
    www = work / "www"
    dated = www / "pfocr" / RELEASE
    dated.mkdir(parents=True)
    t = time.perf_counter()
    write_release_gmt(dated / HUMAN, n_sets, rng)
    gen_s = time.perf_counter() - t
    (www / "pfocr" / "current").mkdir()
    shutil.copyfile(dated / HUMAN, www / "pfocr" / "current" / HUMAN)
    size = (dated / HUMAN).stat().st_size
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/pfocr"
    cache = work / "cache"
    try:
        t = time.perf_counter()
        lib = releases.load_pfocr("current", cache_dir=cache, base_url=base)
        cold = time.perf_counter() - t
        assert lib.info["release"] == RELEASE and len(lib) == n_sets
        warm_current, warm_dated = [], []
        for _ in range(repeats):
            t = time.perf_counter()
            releases.load_pfocr("current", cache_dir=cache, base_url=base)
            warm_current.append(time.perf_counter() - t)
            t = time.perf_counter()
            releases.load_pfocr(RELEASE, cache_dir=cache, base_url=base)
            warm_dated.append(time.perf_counter() - t)
    finally:
        httpd.shutdown()
        httpd.server_close()
    t = time.perf_counter()
    pe.read_gmt(dated / HUMAN)
    parse = time.perf_counter() - t
    npz = cache / "releases" / RELEASE / (HUMAN[:-4] + ".npz")
    t = time.perf_counter()
    pooch.file_hash(str(dated / HUMAN))  # as load_pfocr hashes a first download
    hashing = time.perf_counter() - t
    return {
        "n_sets": len(lib),
        "n_genes": lib.n_genes,
        "gmt_bytes": size,
        "npz_bytes": npz.stat().st_size,
        "generate_s": gen_s,
        "cold_s": cold,
        "warm_current_s": statistics.median(warm_current),
        "warm_dated_s": statistics.median(warm_dated),
        "read_gmt_s": parse,
        "sha256_s": hashing,
    }


# -- snapshot ------------------------------------------------------------------------------
def write_snapshot(folder: Path, n_pages: int, rng: np.random.Generator) -> dict:
    figures, data = folder / "_figures", folder / "_data"
    figures.mkdir(parents=True)
    data.mkdir()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sample = pe.read_figures(DATA / "figures" / "sample", errors="skip")
    templates = []
    for path in sorted((DATA / "figures" / "sample").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        figid = re.search(r"^figid: (\S+)$", text, re.M).group(1)
        pmcid = figid.split("__")[0]
        embedded = bool(re.search(r"^genes:", text, re.M))
        # Pages without human genes in the real sample (chemistry, plants) get a table
        # without human rows, so the reader takes its real fallback path for them.
        human = figid in sample.set_ids
        templates.append((figid, pmcid, text, embedded, human))
    header = (
        (DATA / "figures" / "sample" / "_data" / "PMC10031380__sc1-genes.tsv")
        .read_text()
        .splitlines()[0]
    )
    genes = read_packaged_tsv("ncbi_genes.tsv.gz")
    genes = genes[genes["gene_type"] == "protein-coding"][["symbol", "entrez"]].to_numpy()
    sizes = rng.choice(real_sizes(), size=n_pages)
    human_row = "9606\tHomo sapiens\tPrimates\t{0}\t{0}\t{0}\t{1}\tncbigene_symbol\t1\t0\t1"
    fly_row = "7227\tDrosophila melanogaster\tInvertebrates\tGaq\tGAQ\tGalphaq\t36384"
    tables = 0
    for i in range(n_pages):
        figid, pmcid, text, embedded, human = templates[i % len(templates)]
        new_pmcid = f"PMC{20_000_000 + i // 3}"
        new_figid = f"{new_pmcid}__{figid.split('__', 1)[1]}_{i}"
        page = text.replace(figid, new_figid).replace(pmcid, new_pmcid)
        (figures / f"{new_figid}.md").write_text(page, encoding="utf-8")
        if embedded:
            continue
        rows = [header]
        n_human = int(sizes[i]) if human else 0
        for symbol, entrez in genes[rng.choice(len(genes), size=n_human, replace=False)]:
            rows.append(human_row.format(symbol, entrez))
        rows.append(fly_row + "\tncbigene_symbol\t3\t5\t4")
        (data / f"{new_figid}-genes.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
        tables += 1
    return {"pages": n_pages, "tables": tables}


def _read_half(paths: list[str]) -> int:
    warnings.simplefilter("ignore")
    return len(pe.read_figures(paths, errors="skip"))


def _warm_in_new_process(
    folder: Path, cache: Path, verify: str, src: Path = ROOT / "src"
) -> dict[str, float]:
    """One warm load_snapshot in a new Python process (imports not counted), then what follows.

    After the load: the first ``enrich(...).top(20).table`` of 300 library genes (it also
    builds the gene mapper and imports scipy.interpolate, once per process), then the
    whole ``lib.sets`` frame, which a loaded library decodes only when asked.
    """
    code = (
        "import sys, time, warnings; sys.path.insert(0, sys.argv[1]); "
        "import pfocr_enrich as pe; from pfocr_enrich.sources import snapshots; warnings.simplefilter('ignore'); "
        "t = time.perf_counter(); "
        "lib = snapshots.load_snapshot(sys.argv[2], cache_dir=sys.argv[3], errors='skip', verify=sys.argv[4]); "
        "t1 = time.perf_counter(); top = pe.enrich(list(lib.genes[:300]), lib).top(20).table; "
        "t2 = time.perf_counter(); sets = lib.sets; t3 = time.perf_counter(); "
        "print(t1 - t, t2 - t1, t3 - t2, lib.info['snapshot_cached'])"
    )
    args = [sys.executable, "-c", code, str(src), str(folder), str(cache), verify]
    *seconds, cached = subprocess.run(
        args, capture_output=True, text=True, check=True
    ).stdout.split()
    assert cached == "True"
    return dict(zip(("load", "first_top20", "all_metadata"), map(float, seconds)))


def bench_snapshot(work: Path, n_pages: int, rng: np.random.Generator, repeats: int) -> dict:
    folder = work / "pfocr-database"
    t = time.perf_counter()
    made = write_snapshot(folder, n_pages, rng)
    gen_s = time.perf_counter() - t
    pe.identifiers.GeneMapper.default()  # load the gene reference once, outside the timings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        lib = pe.read_figures(folder, errors="skip")
        read_s = time.perf_counter() - t
        cache = work / "cache"
        t = time.perf_counter()
        cold = snapshots.load_snapshot(folder, cache_dir=cache, errors="skip")
        cold_s = time.perf_counter() - t
        warm_s, warm_quick_s = [], []
        for _ in range(repeats):
            warm = quick = None  # the previous results are freed outside the timings
            t = time.perf_counter()
            warm = snapshots.load_snapshot(folder, cache_dir=cache, errors="skip")
            warm_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            quick = snapshots.load_snapshot(folder, cache_dir=cache, errors="skip", verify="quick")
            warm_quick_s.append(time.perf_counter() - t)
    assert (
        warm == quick == cold == lib
        and warm.info["snapshot_cached"]
        and quick.info["snapshot_cached"]
    )
    fresh = {
        v: [_warm_in_new_process(folder, cache, v) for _ in range(repeats)]
        for v in ("full", "quick")
    }
    fresh_s = {v: [run["load"] for run in runs] for v, runs in fresh.items()}
    npz = next((cache / "snapshots").glob("*.npz"))
    load_s = []
    for _ in range(repeats):
        t = time.perf_counter()
        loaded = GeneSetLibrary.load(npz)
        load_s.append(time.perf_counter() - t)
        del loaded
    dirs = [folder / "_figures", folder / "_data"]
    t = time.perf_counter()
    snapshots._files_key(dirs)  # verify="full": one stat per file
    files_key_s = time.perf_counter() - t
    t = time.perf_counter()
    snapshots._listing_key(dirs)
    listing_key_s = time.perf_counter() - t
    paths = sorted(str(p) for p in (folder / "_figures").glob("*.md"))
    halves = [paths[: len(paths) // 2], paths[len(paths) // 2 :]]
    t = time.perf_counter()
    with ProcessPoolExecutor(2) as pool:
        n_two = sum(pool.map(_read_half, halves))
    two_s = time.perf_counter() - t
    return {
        **made,
        "sets": len(lib),
        "report_rows": len(lib.load_report),
        "generate_s": gen_s,
        "read_figures_s": read_s,
        "files_per_s": n_pages / read_s,
        "load_snapshot_cold_s": cold_s,
        "load_snapshot_warm_s": statistics.median(warm_s),
        "load_snapshot_warm_quick_s": statistics.median(warm_quick_s),
        "load_snapshot_warm_new_process_s": statistics.median(fresh_s["full"]),
        "load_snapshot_warm_quick_new_process_s": statistics.median(fresh_s["quick"]),
        "load_snapshot_warm_new_process_runs_s": fresh_s["full"],
        "first_top20_after_warm_s": statistics.median(run["first_top20"] for run in fresh["full"]),
        "all_metadata_after_warm_s": statistics.median(
            run["all_metadata"] for run in fresh["full"]
        ),
        "library_load_s": statistics.median(load_s),
        "files_key_s": files_key_s,
        "listing_key_s": listing_key_s,
        "npz_bytes": npz.stat().st_size,
        "two_process_s": two_s,
        "two_process_files_per_s": n_pages / two_s,
        "two_process_sets": n_two,
    }


def bench_warm(
    work: Path, n_pages: int, rng: np.random.Generator, repeats: int, sources: list[Path]
) -> dict:
    """Warm loads in new processes only, of a snapshot kept in ``work`` (written and parsed once).

    Each repeat runs every source tree (``--src``: this checkout and, say, an export of an
    older commit) for ``"full"`` then ``"quick"``, one after the other, so that the drift of a
    shared machine's load hits all of them alike. The cached file is the same for all: its
    key does not depend on the code, only on the files, the options and the version.
    """
    folder, cache = work / "pfocr-database", work / "cache"
    if not folder.exists():
        write_snapshot(folder, n_pages, rng)
    if not list((cache / "snapshots").glob("*.npz")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            snapshots.load_snapshot(folder, cache_dir=cache, errors="skip")
    runs: dict[str, dict[str, list[float]]] = {
        str(src): {"full": [], "quick": []} for src in sources
    }
    for _ in range(repeats):
        for src in sources:
            for verify in ("full", "quick"):
                run = _warm_in_new_process(folder, cache, verify, src)
                runs[str(src)][verify].append(run["load"])
    return {
        src: {
            verify: {"median_s": statistics.median(times), "runs_s": times}
            for verify, times in modes.items()
        }
        for src, modes in runs.items()
    }


def describe_warm(w: dict) -> str:
    lines = []
    for src, modes in w.items():
        for verify, r in modes.items():
            runs = ", ".join(f"{x:.2f}" for x in r["runs_s"])
            lines.append(
                f"warm load_snapshot in a new process, {src}, verify={verify!r}: median {r['median_s']:.2f} s ({runs})"
            )
    return "\n".join(lines)


def describe_release(r: dict) -> str:
    return "\n".join(
        [
            f"release GMT: {r['n_sets']:,} sets x {r['n_genes']:,} genes, "
            f"{r['gmt_bytes'] / 1e6:.1f} MB (npz {r['npz_bytes'] / 1e6:.1f} MB)",
            f"  cold load_pfocr('current') -> library: {r['cold_s']:.2f} s (read_gmt alone "
            f"{r['read_gmt_s']:.2f} s, SHA-256 {r['sha256_s']:.3f} s)",
            f"  warm load_pfocr('{RELEASE}'): {r['warm_dated_s']:.3f} s; warm "
            f"load_pfocr('current') (one listing request): {r['warm_current_s']:.3f} s",
        ]
    )


def describe_snapshot(s: dict) -> str:
    return "\n".join(
        [
            f"snapshot: {s['pages']:,} pages ({s['tables']:,} _data tables) -> {s['sets']:,} sets, "
            f"{s['report_rows']:,} report rows (npz {s['npz_bytes'] / 1e6:.1f} MB)",
            f"  read_figures: {s['read_figures_s']:.1f} s = {s['files_per_s']:,.0f} files/s "
            "(default n_jobs: 2 worker processes here)",
            f"  load_snapshot cold: {s['load_snapshot_cold_s']:.1f} s; "
            f"warm: {s['load_snapshot_warm_s']:.2f} s (verify='full'), "
            f"{s['load_snapshot_warm_quick_s']:.2f} s (verify='quick')",
            f"  warm in a new process: {s['load_snapshot_warm_new_process_s']:.2f} s (verify='full'), "
            f"{s['load_snapshot_warm_quick_new_process_s']:.2f} s (verify='quick'); runs (full): "
            + ", ".join(f"{x:.2f}" for x in s["load_snapshot_warm_new_process_runs_s"]),
            f"    then the first enrich(...).top(20).table {s['first_top20_after_warm_s']:.2f} s (builds the "
            f"gene mapper once per process), the whole lib.sets {s['all_metadata_after_warm_s']:.2f} s",
            f"    of which GeneSetLibrary.load {s['library_load_s']:.2f} s, stat of every file "
            f"{s['files_key_s']:.2f} s ('full'), names + folder mtimes "
            f"{s['listing_key_s']:.2f} s ('quick')",
            f"  read_figures on 2 halves in 2 processes: {s['two_process_s']:.1f} s = "
            f"{s['two_process_files_per_s']:,.0f} files/s",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", type=int, default=100_000, help="gene sets in the release GMT")
    parser.add_argument("--pages", type=int, default=100_000, help="figure pages in the snapshot")
    parser.add_argument("--only", choices=["release", "snapshot"], help="run one part only")
    parser.add_argument("--repeats", type=int, default=5, help="warm loads (median reported)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument(
        "--warm-only",
        type=Path,
        metavar="DIR",
        help="only warm loads in new processes, of a snapshot kept in DIR (written and parsed "
        "on the first run); see --src",
    )
    parser.add_argument(
        "--src",
        type=Path,
        action="append",
        help="with --warm-only: a source tree to import pfocr_enrich from in the new processes "
        "(repeat to compare trees, e.g. an export of an older commit; default this checkout's)",
    )
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    out = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "pfocr_enrich": pe.__version__,
    }
    if args.warm_only is not None:
        out["load"] = os.getloadavg() if hasattr(os, "getloadavg") else None
        sources = [p.resolve() for p in args.src] if args.src else [ROOT / "src"]
        out["warm"] = bench_warm(args.warm_only, args.pages, rng, args.repeats, sources)
        print(describe_warm(out["warm"]), flush=True)
        if args.json:
            args.json.write_text(json.dumps(out, indent=2) + "\n")
        return 0
    with tempfile.TemporaryDirectory(prefix="pfocr-ingest-") as tmp:
        if args.only in (None, "release"):
            out["release"] = bench_release(Path(tmp) / "release", args.sets, rng, args.repeats)
            print(describe_release(out["release"]), flush=True)
        if args.only in (None, "snapshot"):
            out["snapshot"] = bench_snapshot(Path(tmp) / "snapshot", args.pages, rng, args.repeats)
            print(describe_snapshot(out["snapshot"]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
