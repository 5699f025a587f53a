"""Screening at scale (issue 16): streamed and distributed ``enrich_many`` on the 120k-set library.

    python benchmarks/scale.py                      # 4,000 and 1,000 queries -> results/scale.{md,json}
    python benchmarks/scale.py --queries 20000 --small 5000 --keep "fdr<=0.05"
    python benchmarks/scale.py --quick              # smoke: 10k sets, 200 queries

Queries come from the batch model of ``generate.py`` (sizes log-uniform in 20-500, half
random with a hub share uniform in [0, 0.2], half with a planted figure), drawn for the
requested count and stored as a Parquet dataset of (query, gene) rows, which the runs
stream: the driver never holds all queries. Each measurement runs in its own process
(``--measure``) so its peak resident memory (``ru_maxrss``) is its own:

* ``single``: ``enrich_many(parquet, lib, keep=..., out=...)`` on one process;
* ``cluster``: the same with ``client=`` a ``LocalCluster(n_workers=2, threads_per_worker=1,
  processes=True)``; the scheduler runs in the driver, so its memory counts as the driver's.

Reported: queries/s and rows/s (after the library is loaded; the cluster's start is not
timed, sending the library to the workers is), the driver's peak memory at two query
counts (flat = the same), bytes shipped per task, and the load average before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402

RESULTS = HERE / "results"


def query_dataset(lib_path: Path, n_sets: int, n: int, seed: int, out: Path) -> Path:
    """``n`` batch queries of generate.py's model as a (query, gene) Parquet dataset (cached)."""
    path = out / f"scale_queries_{n_sets}_{n}_{seed}.parquet"
    if path.exists():
        return path
    import pandas as pd

    import pfocr_enrich as pe

    lib = pe.read_gmt(lib_path)
    universe, membership = lib.shared_arrays()
    popularity = np.bincount(membership.indices, minlength=len(universe)).astype(float)
    rng = np.random.default_rng([seed, n])
    batch = generate.make_queries(
        membership.indptr,
        membership.indices,
        np.asarray(universe),
        popularity / popularity.sum(),
        rng,
        n_batch=n,
    )["batch"]
    rows = [(q["id"] + f"_{i}", g) for i, q in enumerate(batch) for g in q["genes"]]
    pd.DataFrame(rows, columns=["query", "gene"]).to_parquet(path, row_group_size=1 << 16)
    return path


def measure(spec: dict) -> dict:
    """One run in this process: the library loaded, then the screen timed."""
    warnings.simplefilter("ignore")
    import pfocr_enrich as pe
    from pfocr_enrich.engine.stream import Screen

    t0 = time.perf_counter()
    lib = pe.read_gmt(spec["gmt"])
    load_s = time.perf_counter() - t0
    shipped_mb = round(len(pickle.dumps(Screen(lib, {}, None, None, None))) / 1e6, 1)
    rss_library = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = Path(tempfile.mkdtemp(prefix="pfocr-scale-")) / "hits.parquet"
    kwargs = dict(keep=spec["keep"], out=out, chunk_size=spec["chunk_size"])
    client = cluster = None
    if spec["mode"] == "cluster":
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            n_workers=spec["workers"],
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
        kwargs["client"] = client
    else:  # the derived indexes (gene-major membership...) are built by the first query
        pe.enrich_many({"warm": ["1", "2", "3"]}, lib, keep=1)
    load = os.getloadavg()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    written = pe.enrich_many(Path(spec["queries"]), lib, **kwargs)
    seconds = time.perf_counter() - t0
    load_after = os.getloadavg()
    if client is not None:  # worker processes are the driver's children: reaped, then counted
        client.close()
        cluster.close()
    cpu = _cpu_seconds() - cpu0
    result = {
        **spec,
        "library_load_s": round(load_s, 2),
        "seconds": round(seconds, 2),
        "queries_run": written.queries,
        "rows": written.rows,
        "queries_per_s": round(written.queries / seconds, 1),
        "rows_per_s": round(written.rows / seconds),
        "cpu_seconds": round(cpu, 1),
        "queries_per_cpu_s": round(written.queries / cpu, 1),
        "dataset_mb": round(sum(f.stat().st_size for f in out.iterdir()) / 1e6, 1),
        "driver_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "driver_after_library_mb": round(rss_library),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in load_after],
        "screen_pickle_mb": shipped_mb,
    }
    for f in out.iterdir():
        f.unlink()
    return result


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (a LocalCluster's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def task_bytes(queries: Path, chunk_size: int) -> int:
    """Pickled size of one task's input: a chunk of queries as a long (query, gene) frame."""
    from pfocr_enrich.engine.distributed import _long_frame
    from pfocr_enrich.engine.queries import iter_chunks

    chunk = next(iter_chunks(queries, chunk_size))
    return len(pickle.dumps(_long_frame(chunk)))


def run(spec: dict) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    done = subprocess.run(
        [sys.executable, __file__, "--measure", json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def markdown(res: dict) -> str:
    runs = res["runs"]
    lines = [
        "# Screening at scale (benchmarks/scale.py)",
        "",
        f"{res['when']} on {res['machine']['cpu']} ({res['machine']['nproc']} cores, "
        f"{res['machine']['memory_gib']} GiB), git {res['machine']['git']}; "
        f"library {res['n_sets']:,} sets; keep={res['keep']!r}; chunk_size {res['chunk_size']}.",
        f"Load average (1, 5, 15 min) at the start: {res['machine']['load_average']} "
        "(the machine is shared: other jobs ran during these measurements).",
        "",
        "| mode | queries | seconds | queries/s | rows kept | rows/s | CPU s (all processes) "
        "| queries per CPU-second | dataset MB | driver peak MB (after library) "
        "| load before → after (1 min) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        mode = (
            "single process" if r["mode"] == "single" else f"LocalCluster, {r['workers']} workers"
        )
        lines.append(
            f"| {mode} | {r['queries_run']:,} | {r['seconds']:.1f} | {r['queries_per_s']:.1f} "
            f"| {r['rows']:,} | {r['rows_per_s']:,} | {r['cpu_seconds']:,} "
            f"| {r['queries_per_cpu_s']} | {r['dataset_mb']:,} | "
            f"{r['driver_peak_mb']:,} ({r['driver_after_library_mb']:,}) | "
            f"{r['load_before'][0]} → {r['load_after'][0]} |"
        )
    lines += ["", "## Targets (issue 16)", ""]
    for t in res["targets"]:
        lines.append(
            f"- {'✅' if t['met'] else '❌'} {t['what']}: {t['measured']} (target {t['target']})"
        )
    lines += [
        "",
        f"Shipped once per worker: the pickled library and options, {res['screen_pickle_mb']} MB. "
        f"Shipped per task: {res['task_input_kb']:.0f} kB of queries ({res['chunk_size']} queries "
        "as a (query, gene) frame); returned per task: two counts and the run parameters "
        "(~2 kB); the rows are written by the worker.",
        "",
    ]
    return "\n".join(lines)


def targets(res: dict) -> list[dict]:
    by = {(r["mode"], r["queries_run"]): r for r in res["runs"]}
    big, small = res["queries"], res["small"]
    single, cluster = by.get(("single", big)), by.get(("cluster", big))
    single_small = by.get(("single", small))
    out = []
    if single:
        out.append(
            {
                "what": "single-process streaming",
                "target": ">= 150 queries/s",
                "measured": f"{single['queries_per_s']} queries/s ({single['rows_per_s']:,} rows/s)",
                "met": single["queries_per_s"] >= 150,
            }
        )
        peak = max(r["driver_peak_mb"] for r in res["runs"])
        out.append(
            {
                "what": "driver peak memory",
                "target": "<= 2 GB",
                "measured": f"{peak:,} MB (largest of all runs)",
                "met": peak <= 2048,
            }
        )
    if single and single_small:
        growth = single["driver_peak_mb"] - single_small["driver_peak_mb"]
        out.append(
            {
                "what": f"driver memory flat in queries ({small:,} → {big:,}, single process)",
                "target": "flat (< 10 % growth)",
                "measured": f"{single_small['driver_peak_mb']:,} → {single['driver_peak_mb']:,} MB",
                "met": growth <= 0.1 * single_small["driver_peak_mb"],
            }
        )
    if single and cluster:
        ratio = cluster["queries_per_s"] / single["queries_per_s"]
        out.append(
            {
                "what": "2-worker LocalCluster vs single process",
                "target": ">= 1.6x",
                "measured": f"{ratio:.2f}x",
                "met": ratio >= 1.6,
            }
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--queries", type=int, default=4000)
    parser.add_argument("--small", type=int, default=1000, help="second query count (flatness)")
    parser.add_argument("--keep", default="fdr<=0.05")
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sets", type=int, default=120_000)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--modes", nargs="+", default=["single", "cluster"])
    parser.add_argument("--shared", type=Path, default=generate.DEFAULT_SHARED)
    parser.add_argument("--quick", action="store_true", help="10k sets, 200 and 100 queries")
    parser.add_argument("--name", default="scale", help="results/<name>.{md,json}")
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    if args.quick:
        args.sets, args.queries, args.small = 10_000, 200, 100
    sys.path.insert(0, str(REPO / "src"))
    manifest = generate.generate(args.sets, seed=7, out=generate.DEFAULT_OUT, shared=args.shared)
    gmt = Path(manifest["gmt"])
    runs = []
    base = {
        "gmt": str(gmt),
        "keep": args.keep,
        "chunk_size": args.chunk_size,
        "workers": args.workers,
    }
    plan = [(mode, args.queries) for mode in args.modes]
    if args.small:
        plan.insert(0, ("single", args.small))
    for mode, n in plan:
        queries = query_dataset(gmt, args.sets, n, args.seed, generate.DEFAULT_OUT)
        print(f"{mode}: {n:,} queries ...", file=sys.stderr, flush=True)
        runs.append(run({**base, "mode": mode, "queries": str(queries)}))
        print(
            f"  {runs[-1]['queries_per_s']} queries/s, peak {runs[-1]['driver_peak_mb']} MB",
            file=sys.stderr,
            flush=True,
        )
    sys.path.insert(0, str(HERE))
    from run import machine

    res = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {**machine(), "python": platform.python_version()},
        "n_sets": args.sets,
        "queries": args.queries,
        "small": args.small,
        "keep": args.keep,
        "chunk_size": args.chunk_size,
        "runs": runs,
        "screen_pickle_mb": runs[0]["screen_pickle_mb"],
        "task_input_kb": task_bytes(
            query_dataset(gmt, args.sets, args.queries, args.seed, generate.DEFAULT_OUT),
            args.chunk_size,
        )
        / 1e3,
    }
    res["targets"] = targets(res)
    stem = "scale_quick" if args.quick else args.name
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    (RESULTS / f"{stem}.md").write_text(markdown(res), encoding="utf-8")
    print(markdown(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
