"""Screening at scale (issue 16): streamed and distributed ``enrich_many`` on the 120k-set library.

    python benchmarks/scale.py                      # 4,000 and 1,000 queries -> results/scale.{md,json}
    python benchmarks/scale.py --queries 10000 --small 2000 --baseline REV
    python benchmarks/scale.py --workload batch     # the hub-rich stress workload
    python benchmarks/scale.py --check-workload     # rows kept per query model -> results/scale_workload.md
    python benchmarks/scale.py --quick              # smoke: 10k sets, 200 queries

Workloads (``--workload``): ``go`` (default), real gene lists: GO biological-process terms
of 20-500 genes, sizes log-uniform like generate.py's batch model; ``batch``, that model
(half random lists with up to 20 % hub genes, half planted in a figure), which makes 3-6x
more sets significant than real lists do (``--check-workload``). Queries are stored as a
Parquet dataset of (query, gene) rows, which the runs stream: the driver never holds all
queries. Each measurement runs in its own process (``--measure``) so its peak resident
memory is its own (``VmHWM`` of /proc/self/status: ``ru_maxrss`` survives ``exec`` on
Linux, so a child started by this script reported this script's own peak, which grows
with the queries it generated: 2,068 MB "after the library" for 100,000 lists):

* ``single``: ``enrich_many(parquet, lib, keep=..., out=...)`` on one process;
* ``cluster``: the same with ``client=`` a ``LocalCluster(n_workers=2, threads_per_worker=1,
  processes=True)`` whose workers get ``WORKER_ENV`` (glibc's mmap threshold left free);
* ``cluster-dask-env``: the same cluster with dask's default worker environment;
* ``cluster-subprocess``: the same workers, and the scheduler in a process of its own
  (distributed's ``SubprocessCluster``), whose peak is reported apart: the driver alone;
* ``--baseline REV``: also the single process with ``src/`` of git REV (before/after in one run).

In the ``cluster`` modes the scheduler runs in the driver, so its memory and CPU count as
the driver's; with a cluster the driver's resident memory is also sampled every 0.25 s
(its largest value up to each quarter of the screen's duration).
Reported: queries/s and rows/s (after the library is loaded; the cluster's start is not
timed, sending the library to the workers is), CPU seconds of the driver and of the
workers during the screen, page faults, the driver's peak memory at two query counts
(flat = the same), bytes shipped per task, and the load average before and after.
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
from _worker import hwm_mb, rss_mb  # noqa: E402

RESULTS = HERE / "results"


WORKLOADS = ("go", "batch")
GO_GMT = "go_human/go_bp_entrez.gmt"  # under --shared


def query_dataset(
    lib_path: Path, n_sets: int, n: int, seed: int, out: Path, *, workload: str, shared: Path
) -> Path:
    """``n`` queries of ``workload`` as a (query, gene) Parquet dataset (cached)."""
    path = out / f"scale_queries_{workload}_{n_sets}_{n}_{seed}.parquet"
    if path.exists():
        return path
    import pandas as pd

    rng = np.random.default_rng([seed, n])
    if workload == "go":
        pairs = go_queries(shared / GO_GMT, n, rng)
    else:
        pairs = batch_queries(lib_path, n, rng)
    rows = [(name, g) for name, genes in pairs for g in genes]
    pd.DataFrame(rows, columns=["query", "gene"]).to_parquet(path, row_group_size=1 << 16)
    return path


def go_queries(go_gmt: Path, n: int, rng: np.random.Generator) -> list[tuple[str, list[str]]]:
    """Real gene lists: GO biological-process terms of 20-500 genes, sizes log-uniform.

    Terms are binned by log size (20 bins over [log 20, log 500]); each query draws a bin
    uniformly, then a term of that bin uniformly (with replacement: 4,433 terms qualify),
    so the sizes follow the batch model's log-uniform law while the genes are a curated
    list's. ~10 % of their genes are outside the synthetic library (non-coding genes,
    genes in no figure): they are dropped and counted, as for a real list.
    """
    import pfocr_enrich as pe

    terms = [(t, g) for t, g in pe.read_gmt(go_gmt).to_dict().items() if 20 <= len(g) <= 500]
    log_size = np.log([len(g) for _, g in terms])
    edges = np.linspace(np.log(20), np.log(500), 21)
    bins = np.clip(np.searchsorted(edges, log_size, side="right") - 1, 0, 19)
    members = [np.flatnonzero(bins == b) for b in range(20)]
    members = [m for m in members if len(m)]
    out = []
    for i in range(n):
        pool = members[rng.integers(len(members))]
        term, genes = terms[int(pool[rng.integers(len(pool))])]
        out.append((f"{term}_{i}", genes))
    return out


def batch_queries(lib_path: Path, n: int, rng: np.random.Generator) -> list[tuple[str, list[str]]]:
    """generate.py's batch model: half random (hub share in [0, 0.2]), half planted in a set."""
    import pfocr_enrich as pe

    lib = pe.read_gmt(lib_path)
    universe, membership = lib.shared_arrays()
    popularity = np.bincount(membership.indices, minlength=len(universe)).astype(float)
    batch = generate.make_queries(
        membership.indptr,
        membership.indices,
        np.asarray(universe),
        popularity / popularity.sum(),
        rng,
        n_batch=n,
    )["batch"]
    return [(q["id"] + f"_{i}", q["genes"]) for i, q in enumerate(batch)]


def check_workload(gmt: Path, shared: Path, keep: str, seed: int, n: int = 200) -> int:
    """Rows kept per query by each query model, on the real PFOCR 2018 sample and on ``gmt``.

    Writes ``results/scale_workload.md``: the evidence for the default workload.
    """
    warnings.simplefilter("ignore")
    import pfocr_enrich as pe

    lines = [
        "# Rows kept per query, by query model (benchmarks/scale.py --check-workload)",
        "",
        f"keep={keep!r}; {n} queries per model (half for each half of the batch model); "
        "sizes 20-500, log-uniform (GO: binned, see `go_queries`).",
        "",
        "| library | sets | query model | rows kept per query: mean | median | p90 "
        "| share of sets (mean) |",
        "| --- | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    real = shared / "pfocr_samples" / "pfocr2018_4000.gmt"
    for label, path in (("real PFOCR 2018 sample", real), ("synthetic (generate.py)", gmt)):
        lib = pe.read_gmt(path)
        rng = np.random.default_rng([seed, 0xC0])
        universe, membership = lib.shared_arrays()
        genes = np.asarray(universe)
        popularity = np.bincount(membership.indices, minlength=len(genes)) / membership.nnz
        sizes = np.rint(np.exp(rng.uniform(np.log(20), np.log(500), n))).astype(int)
        batch = batch_queries(path, n, rng)
        models = {
            "GO BP terms (default workload)": go_queries(shared / GO_GMT, n, rng),
            "batch model, random half (hub share 0-0.2)": [q for q in batch if "random" in q[0]],
            "batch model, planted half (30-80 % of a set)": [q for q in batch if "planted" in q[0]],
            "uniform random library genes": [
                (f"u{i}", rng.choice(genes, s, replace=False).tolist()) for i, s in enumerate(sizes)
            ],
            "library genes drawn by popularity (sets per gene)": [
                (f"p{i}", rng.choice(genes, s, replace=False, p=popularity).tolist())
                for i, s in enumerate(sizes)
            ],
        }
        for model, pairs in models.items():
            queries = dict(pairs)
            res = pe.enrich_many(queries, lib, keep=keep)
            kept = res.table.groupby("query", observed=True).size()
            kept = kept.reindex(list(queries), fill_value=0).to_numpy()
            lines.append(
                f"| {label} | {len(lib):,} | {model} | {kept.mean():,.0f} | {np.median(kept):,.0f} "
                f"| {np.percentile(kept, 90):,.0f} | {kept.mean() / len(lib):.1%} |"
            )
    text = "\n".join(lines) + "\n"
    (RESULTS / "scale_workload.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


# Worker environment of the "cluster" mode: glibc's mmap and trim thresholds raised, so a
# query's arrays (one value per library set) reuse freed heap memory instead of being mapped
# and zeroed afresh. Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 by default ("cluster,
# dask's environment"), which pins the mmap threshold at 128 KiB (see docs/scaling.md).
WORKER_ENV = {"MALLOC_MMAP_THRESHOLD_": 64 << 20, "MALLOC_TRIM_THRESHOLD_": 64 << 20}


def _usage() -> tuple[float, int]:
    """CPU seconds (user + system) and minor page faults of the calling process."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime, r.ru_minflt


def _record_peaks(marks: list[int]) -> None:
    """Append the process's peak resident MB to ``marks`` after each chunk is scored."""
    from pfocr_enrich.engine import stream

    score = stream.score_chunk

    def scored(named: dict, screen: object) -> object:
        rows = score(named, screen)
        marks.append(round(hwm_mb()))
        return rows

    stream.score_chunk = scored


class RssSampler:
    """This process's resident MB every ``every`` seconds, on a thread, while in ``with``."""

    def __init__(self, every: float = 0.25) -> None:
        import threading

        self.every, self.samples, self.stop = every, [], threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            self.samples.append((time.perf_counter(), rss_mb()))
            self.stop.wait(self.every)

    def __enter__(self) -> RssSampler:
        self.start = time.perf_counter()
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()
        self.end = time.perf_counter()

    def by_quarter(self) -> list[int]:
        """The largest sample up to the end of each quarter of the sampled time."""
        span = self.end - self.start
        return [
            round(max(m for t, m in self.samples if t <= self.start + span * q / 4))
            for q in range(1, 5)
        ]


def _subprocess_cluster(workers: int, env: dict) -> tuple[object, int]:
    """A SubprocessCluster (scheduler in its own process) and its scheduler's pid."""
    from distributed.deploy.subprocess import SubprocessCluster

    # The workers' nannies run in `dask spec` processes: the environment reaches them
    # through dask's environment-variable configuration (a dict, merged into the default).
    os.environ["DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON"] = repr(env)
    cluster = SubprocessCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
    return cluster, cluster.scheduler.process.pid


def _pid_hwm_mb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            kb = next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None
    return round(kb / 1024)


def measure(spec: dict) -> dict:
    """One run in this process: the library loaded, then the screen timed.

    CPU is counted over the screen only, for this process (the driver; with a cluster
    also its scheduler) and, through ``client.run``, for each worker process.
    """
    warnings.simplefilter("ignore")
    import pfocr_enrich as pe
    from pfocr_enrich.engine.stream import Screen

    t0 = time.perf_counter()
    lib = pe.read_gmt(spec["gmt"])
    load_s = time.perf_counter() - t0
    shipped_mb = round(len(pickle.dumps(Screen(lib, {}, None, None, None))) / 1e6, 1)
    rss_library = hwm_mb()
    out = Path(tempfile.mkdtemp(prefix="pfocr-scale-")) / "hits.parquet"
    kwargs = dict(keep=spec["keep"], out=out, chunk_size=spec["chunk_size"])
    client = cluster = scheduler_pid = None
    if spec["mode"] == "cluster-subprocess":
        from distributed import Client

        cluster, scheduler_pid = _subprocess_cluster(spec["workers"], WORKER_ENV)
        client = Client(cluster)
        client.wait_for_workers(spec["workers"])
        kwargs["client"] = client
        workers0 = client.run(_usage)
    elif spec["mode"].startswith("cluster"):
        import dask
        from distributed import Client, LocalCluster

        env = {} if spec["mode"] == "cluster-dask-env" else WORKER_ENV
        config = {f"distributed.nanny.pre-spawn-environ.{k}": v for k, v in env.items()}
        with dask.config.set(config):
            cluster = LocalCluster(
                n_workers=spec["workers"],
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
        client = Client(cluster)
        kwargs["client"] = client
        workers0 = client.run(_usage)
    else:  # the derived indexes (gene-major membership...) are built by the first query
        pe.enrich_many({"warm": ["1", "2", "3"]}, lib, keep=1)
        _record_peaks(marks := [])
    load = os.getloadavg()
    cpu0, faults0 = _usage()
    t0 = time.perf_counter()
    with RssSampler() as sampler:
        written = pe.enrich_many(Path(spec["queries"]), lib, **kwargs)
    seconds = time.perf_counter() - t0
    cpu1, faults1 = _usage()
    load_after = os.getloadavg()
    worker_cpu, worker_faults = 0.0, 0
    scheduler_peak = None if scheduler_pid is None else _pid_hwm_mb(scheduler_pid)
    if client is not None:
        workers1 = client.run(_usage)
        worker_cpu = sum(workers1[w][0] - workers0[w][0] for w in workers0)
        worker_faults = sum(workers1[w][1] - workers0[w][1] for w in workers0)
        client.close()
        cluster.close()
    cpu = cpu1 - cpu0 + worker_cpu
    work = worker_cpu if client is not None else cpu1 - cpu0  # CPU of the processes that score
    result = {
        **spec,
        "library_load_s": round(load_s, 2),
        "seconds": round(seconds, 2),
        "queries_run": written.queries,
        "rows": written.rows,
        "queries_per_s": round(written.queries / seconds, 1),
        "rows_per_s": round(written.rows / seconds),
        "cpu_seconds": round(cpu, 1),
        "driver_cpu_seconds": round(cpu1 - cpu0, 2),
        "worker_cpu_seconds": round(worker_cpu, 2),
        "scoring_cpu_ms_per_query": round(1000 * work / written.queries, 2),
        "page_faults_per_query": round((faults1 - faults0 + worker_faults) / written.queries),
        "queries_per_cpu_s": round(written.queries / cpu, 1),
        "dataset_mb": round(sum(f.stat().st_size for f in out.iterdir()) / 1e6, 1),
        "driver_peak_mb": round(hwm_mb()),
        "driver_after_library_mb": round(rss_library),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in load_after],
        "screen_pickle_mb": shipped_mb,
    }
    if client is None:  # the peak after each quarter of the chunks
        result["peak_mb_by_quarter"] = [marks[-(-len(marks) * q // 4) - 1] for q in range(1, 5)]
    result["rss_mb_by_quarter"] = sampler.by_quarter()
    if scheduler_peak is not None:
        result["scheduler_peak_mb"] = scheduler_peak
    for f in out.iterdir():
        f.unlink()
    return result


def task_bytes(queries: Path, chunk_size: int) -> int:
    """Size of one task's input file: a chunk of queries (name -> genes), pickled."""
    from pfocr_enrich.engine.queries import iter_chunks

    chunk = next(iter_chunks(queries, chunk_size))
    return len(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))


def run(spec: dict) -> dict:
    src = spec.get("src") or str(REPO / "src")
    env = dict(os.environ, PYTHONPATH=src)
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


def export_src(rev: str) -> str:
    """``src/`` as of git revision ``rev``, in a temporary folder (for --baseline)."""
    folder = Path(tempfile.mkdtemp(prefix="pfocr-scale-src-"))
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return str(folder / "src")


MODE_NAMES = {
    "single": "single process",
    "cluster": "LocalCluster, {workers} workers",
    "cluster-dask-env": "LocalCluster, {workers} workers, dask's worker environment",
    "cluster-subprocess": "SubprocessCluster, {workers} workers (scheduler in its own process)",
}


def markdown(res: dict) -> str:
    runs = res["runs"]
    lines = [
        "# Screening at scale (benchmarks/scale.py)",
        "",
        f"{res['when']} on {res['machine']['cpu']} ({res['machine']['nproc']} cores, "
        f"{res['machine']['memory_gib']} GiB), git {res['machine']['git']}; "
        f"library {res['n_sets']:,} sets; workload {res['workload']!r}; keep={res['keep']!r}; "
        f"chunk_size {res['chunk_size']}.",
        f"Load average (1, 5, 15 min) at the start: {res['machine']['load_average']} "
        "(the machine is shared: other jobs ran during these measurements).",
        "CPU is counted over the screen only: the driver (with a cluster: and its scheduler) "
        "plus, through `client.run`, each worker process. *Scoring CPU* is that of the "
        "processes that score (the single process; the workers).",
        "",
        "| mode | code | queries | seconds | queries/s | rows kept | rows/s | CPU s (driver + "
        "workers) | scoring CPU ms/query | page faults/query | dataset MB | driver peak MB "
        "(after library) | load before → after (1 min) |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in runs:
        mode = MODE_NAMES[r["mode"]].format(workers=r["workers"])
        cpu = f"{r['cpu_seconds']:,}"
        if r["mode"] != "single":
            cpu += f" ({r['driver_cpu_seconds']} + {r['worker_cpu_seconds']})"
        lines.append(
            f"| {mode} | {r.get('code', 'this commit')} | {r['queries_run']:,} "
            f"| {r['seconds']:.1f} | {r['queries_per_s']:.1f} | {r['rows']:,} "
            f"| {r['rows_per_s']:,} | {cpu} | {r['scoring_cpu_ms_per_query']} "
            f"| {r['page_faults_per_query']:,} | {r['dataset_mb']:,} | "
            f"{r['driver_peak_mb']:,} ({r['driver_after_library_mb']:,}) | "
            f"{r['load_before'][0]} → {r['load_after'][0]} |"
        )
    lines += [
        "",
        "Driver memory during the screen: resident MB sampled every 0.25 s, the largest up to "
        "each quarter of the screen's duration (single process: also the peak after each "
        "quarter of the chunks).",
        "",
    ]
    for r in runs:
        if "rss_mb_by_quarter" not in r:
            continue
        mode = MODE_NAMES[r["mode"]].format(workers=r["workers"])
        line = f"- {mode}, {r['queries_run']:,} queries: " + " → ".join(
            f"{m:,}" for m in r["rss_mb_by_quarter"]
        )
        line += f" MB (peak {r['driver_peak_mb']:,})"
        if "scheduler_peak_mb" in r:
            line += f"; the scheduler's own process: peak {r['scheduler_peak_mb']:,} MB"
        lines.append(line)
    lines += ["", "## Targets (issue 16)", ""]
    for t in res["targets"]:
        lines.append(
            f"- {'✅' if t['met'] else '❌'} {t['what']}: {t['measured']} (target {t['target']})"
        )
    lines += [
        "",
        f"Shipped once per worker: the pickled library and options, {res['screen_pickle_mb']} MB. "
        f"Per task: {res['task_input_kb']:.0f} kB of queries ({res['chunk_size']} queries as a "
        "name -> genes mapping) written by the driver to a file in `out` that the worker "
        "reads (the task carries its path); returned per task: two counts and the run "
        "parameters (~2 kB); the rows are written by the worker.",
        "",
    ]
    return "\n".join(lines)


def targets(res: dict) -> list[dict]:
    mine = [r for r in res["runs"] if "code" not in r]  # not the --baseline runs
    by = {(r["mode"], r["queries_run"]): r for r in mine}
    big, small = res["queries"], res["small"]
    single, cluster = by.get(("single", big)), by.get(("cluster", big))
    single_small = by.get(("single", small))
    out = []
    if single:
        out.append(
            {
                "what": "single-process streaming",
                "target": ">= 150 queries/s",
                "measured": f"{single['queries_per_s']} queries/s ({single['rows_per_s']:,} rows/s; "
                f"{1000 / single['scoring_cpu_ms_per_query']:.0f} queries per CPU-second)",
                "met": single["queries_per_s"] >= 150,
            }
        )
        peak = max(r["driver_peak_mb"] for r in mine)
        out.append(
            {
                "what": "driver peak memory",
                "target": "<= 2 GB",
                "measured": f"{peak:,} MB (largest of all runs)",
                "met": peak <= 2048,
            }
        )
    if single and "peak_mb_by_quarter" in single:
        # Within one stream: the same chunks came first (two query sets of different sizes
        # differ in their largest chunk, which sets the peak).
        quarters = single["peak_mb_by_quarter"]
        other = (
            f"; separate run of {small:,} queries: {single_small['driver_peak_mb']:,} MB"
            if single_small
            else ""
        )
        out.append(
            {
                "what": f"driver memory flat in queries (single process, after {big // 4:,}, "
                f"{big // 2:,}, {3 * big // 4:,} and {big:,} queries of one run)",
                "target": "flat (< 10 % growth)",
                "measured": " → ".join(f"{m:,}" for m in quarters) + f" MB{other}",
                "met": quarters[-1] <= 1.1 * quarters[0],
            }
        )
    if cluster and "rss_mb_by_quarter" in cluster:
        quarters = cluster["rss_mb_by_quarter"]
        out.append(
            {
                "what": "driver memory flat in queries (LocalCluster, scheduler in the driver: "
                "resident MB, largest up to each quarter of the screen)",
                "target": "flat (< 10 % growth)",
                "measured": " → ".join(f"{m:,}" for m in quarters) + " MB",
                "met": quarters[-1] <= 1.1 * quarters[0],
            }
        )
    if single and cluster:
        ratio = cluster["queries_per_s"] / single["queries_per_s"]
        # With 2 cores to itself, the cluster can do at most 2 cores / its CPU per query.
        ceiling = 2 * single["cpu_seconds"] / cluster["cpu_seconds"]
        out.append(
            {
                "what": "2-worker LocalCluster vs single process",
                "target": ">= 1.6x",
                "measured": f"{ratio:.3f}x wall clock; {ceiling:.2f}x at most on 2 idle cores "
                f"(2 x {single['cpu_seconds']} CPU s single / {cluster['cpu_seconds']} CPU s "
                "cluster, driver and scheduler included)",
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
    parser.add_argument("--modes", nargs="+", default=["single", "cluster"], choices=MODE_NAMES)
    parser.add_argument(
        "--baseline", metavar="REV", help="also run the single process with src/ of git REV"
    )
    parser.add_argument("--shared", type=Path, default=generate.DEFAULT_SHARED)
    parser.add_argument("--quick", action="store_true", help="10k sets, 200 and 100 queries")
    parser.add_argument("--name", default="scale", help="results/<name>.{md,json}")
    parser.add_argument(
        "--workload",
        choices=WORKLOADS,
        default="go",
        help="go: GO BP terms of 20-500 genes (default); batch: generate.py's hub-rich model",
    )
    parser.add_argument(
        "--check-workload",
        action="store_true",
        help="rows kept per query model on the real PFOCR sample and the synthetic library",
    )
    parser.add_argument("--render", metavar="NAME", help="rewrite results/NAME.md from its .json")
    args = parser.parse_args(argv)
    if args.render:
        res = json.loads((RESULTS / f"{args.render}.json").read_text(encoding="utf-8"))
        res["targets"] = targets(res)
        (RESULTS / f"{args.render}.md").write_text(markdown(res), encoding="utf-8")
        return 0
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    if args.quick:
        args.sets, args.queries, args.small = 10_000, 200, 100
    sys.path.insert(0, str(REPO / "src"))
    manifest = generate.generate(args.sets, seed=7, out=generate.DEFAULT_OUT, shared=args.shared)
    gmt = Path(manifest["gmt"])
    if args.check_workload:
        return check_workload(gmt, args.shared, args.keep, args.seed)

    def queries_of(n: int) -> Path:
        return query_dataset(
            gmt,
            args.sets,
            n,
            args.seed,
            generate.DEFAULT_OUT,
            workload=args.workload,
            shared=args.shared,
        )

    base = {"gmt": str(gmt), "keep": args.keep, "chunk_size": args.chunk_size}
    base["workers"] = args.workers
    plan = [{"mode": mode, "n": args.queries} for mode in args.modes]
    if args.baseline:  # before and after in one run: the baseline first, then this commit
        plan.insert(0, {"mode": "single", "n": args.queries, "src": export_src(args.baseline)})
        plan[0]["code"] = args.baseline
    if args.small:
        plan.insert(0, {"mode": "single", "n": args.small})
    runs = []
    for step in plan:
        n = step.pop("n")
        print(
            f"{step['mode']} {step.get('code', '')}: {n:,} queries ...", file=sys.stderr, flush=True
        )
        runs.append(run({**base, **step, "queries": str(queries_of(n))}))
        print(
            f"  {runs[-1]['queries_per_s']} queries/s, {runs[-1]['scoring_cpu_ms_per_query']} "
            f"ms CPU/query, peak {runs[-1]['driver_peak_mb']} MB",
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
        "workload": args.workload,
        "runs": runs,
        "screen_pickle_mb": runs[0]["screen_pickle_mb"],
        "task_input_kb": task_bytes(queries_of(args.queries), args.chunk_size) / 1e3,
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
