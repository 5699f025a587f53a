"""Run the benchmark suite and write results/latest.md and results/latest.json.

    bash benchmarks/setup_peers.sh          # once: peers + this package in benchmarks/.venv-peers
    python benchmarks/run.py                # full run (~15 min on 2 cores)
    python benchmarks/run.py --quick        # smoke run: 10k sets, ours + one peer, < 1 min

Every measurement runs in its own subprocess (``_worker.py``) with the Python of
``benchmarks/.venv-peers`` when it exists (so pfocr_enrich and the peers share
numpy, scipy and the machine), else with this interpreter; a peer that cannot
be imported there is skipped with the reason. The synthetic libraries are made
(once, cached in ``benchmarks/data/``) by ``generate.py``; the real GO library
is read from ``--shared``.

What is measured (see README.md): one 300-gene query against 10k/50k/120k sets
for every tool (500k for ours only), median of repeated warm runs, peak memory,
and the agreement of each tool's p-values with the reference
``scipy.stats.hypergeom.sf(k - 1, N, M, n)`` on the same N, M, n, k; our
library reload times and resident size; a batch of queries; the query-size and
library-size curves; a cProfile of ``pe.enrich`` at 120k.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

DEFAULT_SHARED = REPO.parent / "shared" / "data"
PEERS = ["gseapy", "pyenrichr", "decoupler", "goatools", "genesets"]
OURS = ["ours", "ours_top", "ours_table", "ours_core"]
HEADLINE_SIZES = [10_000, 50_000, 120_000]
SCALING_SIZES = [10_000, 50_000, 120_000, 500_000]
TOOL_LABEL = {
    "ours": "pfocr_enrich `pe.enrich`",
    "ours_top": "pfocr_enrich `pe.enrich(...).top(20).table`",
    "ours_table": "pfocr_enrich `pe.enrich(...).table` (every row built)",
    "ours_core": "pfocr_enrich core (overlaps + grouped tail + BH + group ranks)",
    "scipy": "scipy `hypergeom.sf` over all sets",
    "gseapy": "gseapy `enrich`",
    "pyenrichr": "pyenrichr (prepared)",
    "decoupler": "decoupler `mt.ora`",
    "goatools": "GOATOOLS `GOEnrichmentStudy`",
    "genesets": "genesets `mgsa` (p-values)",
}
# Issue 7 targets for one 300-gene query vs 120k sets.
TARGET_MS = 10.0
TARGET_SPEEDUP = {"pyenrichr": 9, "genesets": 250, "gseapy": 900}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- subprocesses ------------------------------------------------------------------
def worker_python(explicit: str | None) -> str:
    if explicit:
        return explicit
    venv = HERE / ".venv-peers" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


_WORKER_ENV: dict[str, str] | None = (
    None  # set by --commit: PYTHONPATH pointing at a snapshot of src/
)


def snapshot_source(rev: str, into: Path) -> str:
    """Export ``src/`` at git revision ``rev`` into ``into``; returns the full commit id.

    Other people edit the working tree while a long benchmark runs; measuring a
    commit keeps every worker on the same code.
    """
    commit = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", rev], capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", commit, "src"],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return commit


def run_worker(python: str, spec: dict, *, timeout: float = 1800) -> dict:
    with tempfile.TemporaryDirectory(prefix="pfocr-bench-") as tmp:
        spec_path, out_path = Path(tmp) / "spec.json", Path(tmp) / "out.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                [python, str(HERE / "_worker.py"), str(spec_path), str(out_path)],
                capture_output=True,
                text=True,
                timeout=timeout,
                cwd=str(REPO),
                env=_WORKER_ENV,
            )
        except subprocess.TimeoutExpired:
            return {
                "tool": spec.get("tool", spec["job"]),
                "status": "timeout",
                "reason": f"no answer within {timeout:.0f} s",
            }
        wall = time.perf_counter() - t0
        if not out_path.exists():
            return {
                "tool": spec.get("tool", spec["job"]),
                "status": "error",
                "reason": f"worker exited {proc.returncode} without a result",
                "stderr": proc.stderr[-2000:],
            }
        out = json.loads(out_path.read_text(encoding="utf-8"))
        out["process_wall_s"] = wall
        return out


# -- reference p-values ------------------------------------------------------------------
def reference(gmt: Path, query: list[str]) -> dict:
    """k, M, n, N per set from the GMT (parsed here, independently of every tool) and scipy's tail."""
    from scipy import stats

    qset = set(query)
    ids, k, M = [], [], []
    universe: set[str] = set()
    with open(gmt, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            genes = {g for g in parts[2:] if g}
            if not genes:
                continue
            ids.append(parts[0])
            M.append(len(genes))
            k.append(len(genes & qset))
            universe |= genes
    k_arr, m_arr = np.array(k), np.array(M)
    N, n = len(universe), len(qset & universe)
    pairs, inverse = np.unique(np.stack([k_arr, m_arr]), axis=1, return_inverse=True)
    p_pairs = stats.hypergeom.sf(pairs[0] - 1, N, pairs[1], n)
    p = p_pairs[np.ravel(inverse)]
    return {
        "ids": ids,
        "k": k_arr,
        "M": m_arr,
        "N": N,
        "n": n,
        "p": p,
        "index": {s: i for i, s in enumerate(ids)},
    }


def bh(p: np.ndarray) -> np.ndarray:
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty_like(p)
    out[order] = np.minimum(adj, 1.0)
    return out


def agreement(result: dict, ref: dict) -> dict | None:
    """Max relative difference of a tool's p-values to the reference, over the sets it reports.

    Compared where the reference is > 1e-300 (scipy itself loses precision for
    subnormal results). ``kind == "bh"`` (decoupler returns adjusted values only):
    compared with BH of the reference over the same sets.
    """
    pvals = result.get("pvalues")
    if not pvals:
        return None
    idx = np.array([ref["index"][s] for s in pvals if s in ref["index"]], dtype=np.int64)
    unknown = len(pvals) - len(idx)
    got = np.array([v for s, v in pvals.items() if s in ref["index"]], dtype=float)
    want = ref["p"][idx]
    if result.get("pvalue_kind") == "bh":
        want = bh(want)
    ok = np.isfinite(got) & (want > 1e-300)
    rel = np.abs(got[ok] - want[ok]) / want[ok]
    strong = ok & (ref["p"][idx] < 1e-3)
    rel_strong = np.abs(got[strong] - want[strong]) / want[strong]
    worst = int(np.argmax(rel)) if rel.size else None
    out = {
        "compared": int(ok.sum()),
        "reported": len(pvals),
        "unknown_ids": unknown,
        "max_rel_diff": float(rel.max()) if rel.size else None,
        "median_rel_diff": float(np.median(rel)) if rel.size else None,
        "max_rel_diff_p_lt_1e-3": float(rel_strong.max()) if rel_strong.size else None,
        "sets_p_lt_1e-3": int(strong.sum()),
        "kind": result.get("pvalue_kind", "raw"),
    }
    if worst is not None:
        j = idx[np.flatnonzero(ok)[worst]]
        out["worst"] = {
            "set_id": ref["ids"][j],
            "k": int(ref["k"][j]),
            "M": int(ref["M"][j]),
            "got": float(got[ok][worst]),
            "reference": float(want[ok][worst]),
        }
    return out


# -- the suite ------------------------------------------------------------------------
def machine() -> dict:
    info = {"nproc": os.cpu_count(), "platform": platform.platform(), "load_average": _loadavg()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        models = [
            ln.split(":", 1)[1].strip()
            for ln in cpuinfo.splitlines()
            if ln.startswith("model name")
        ]
        info["cpu"] = models[0] if models else None
        mem = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()[0].split()[1]
        info["memory_gib"] = round(int(mem) / 2**20, 1)
    except OSError:
        pass
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "src"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        info["git"] = head + (" + uncommitted changes in src/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        info["git"] = None
    return info


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def tool_job(
    python: str,
    tool: str,
    gmt: Path,
    query: list[str],
    ref: dict | None,
    *,
    series: list[list[str]] | None = None,
) -> dict:
    t0 = time.perf_counter()
    res = run_worker(
        python,
        {"job": "tool", "tool": tool, "gmt": str(gmt), "query": query, "series": series or []},
    )
    if res.get("status") == "ok" and ref is not None:
        res["agreement"] = agreement(res, ref)
    res.pop("pvalues", None)
    res["label"] = TOOL_LABEL.get(tool, tool)
    status = res.get("status")
    detail = (
        f"{1000 * res['median_s']:.1f} ms median of {res['runs']}"
        if status == "ok"
        else res.get("reason", "")
    )
    log(f"  {tool:<10} {status:<8} {detail}  ({time.perf_counter() - t0:.0f} s)")
    return res


def run_suite(args: argparse.Namespace) -> dict:
    python = worker_python(args.python)
    started = time.perf_counter()
    data = args.data
    shared = args.shared
    quick = args.quick
    results: dict = {
        "mode": "quick" if quick else "full",
        "command": "python benchmarks/run.py" + (" --quick" if quick else ""),
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        "worker_python": python,
        "libraries": {},
        "headline": [],
        "skipped": [],
    }
    peers = [p for p in PEERS if p in args.tools] if args.tools else list(PEERS)
    if quick:
        peers = peers[:1]  # one peer at most (the first listed: gseapy)
    sizes = [10_000] if quick else list(args.sizes or SCALING_SIZES)

    log(f"worker python: {python}")
    manifests = {}
    for n in sizes:
        log(f"library {n:,} sets: generating (cached when up to date)")
        manifests[n] = generate.generate(n, seed=args.seed, out=data, shared=shared)
        results["libraries"][str(n)] = {
            k: manifests[n][k] for k in ("shape", "zipf_q_calibrated", "natural_redundant_share")
        }
    params = generate.load_params()
    results["generator"] = {"seed": args.seed, **params["generator"]}

    # 1. one 300-gene query vs every library, every tool
    unavailable: set[str] = set()
    for n in sizes:
        gmt = Path(manifests[n]["gmt"])
        queries = json.loads(Path(manifests[n]["queries"]).read_text(encoding="utf-8"))
        query = queries["headline"]["genes"]
        ref = reference(gmt, query)
        log(
            f"{n:,} sets, 300-gene query (N={ref['N']:,}, sets with overlap: {(ref['k'] > 0).mean():.1%})"
        )
        headline = n in HEADLINE_SIZES
        tools = list(OURS)
        if headline and not quick:
            tools.append("scipy")
        if headline:
            tools += [p for p in peers if p not in unavailable]
        for tool in tools:
            series = (
                [q["genes"] for q in queries.get("size_series", [])]
                if (tool in ("ours", "ours_core") and n == 120_000 and not quick)
                else None
            )
            res = tool_job(python, tool, gmt, query, ref, series=series)
            res["sets"] = n
            if res.get("status") == "skipped":
                unavailable.add(tool)
                results["skipped"].append({"tool": tool, "reason": res.get("reason")})
            results["headline"].append(res)

    # 2. the real GO library as a second workload
    go_gmt = shared / "go_human" / "go_bp_entrez.gmt"
    if not quick and go_gmt.exists():
        query = generate.go_query(go_gmt, seed=args.seed)
        ref = reference(go_gmt, query)
        log(f"GO BP ({len(ref['ids']):,} sets, N={ref['N']:,}), 300-gene query")
        results["go"] = {
            "gmt": str(go_gmt),
            "sets": len(ref["ids"]),
            "universe": ref["N"],
            "tools": [],
        }
        for tool in [*OURS, "scipy", *[p for p in peers if p not in unavailable]]:
            results["go"]["tools"].append(tool_job(python, tool, go_gmt, query, ref))
    elif not quick:
        results["go"] = {"status": "skipped", "reason": f"{go_gmt} not found (use --shared)"}

    # 3. reload of the largest headline library
    n_reload = 10_000 if quick else 120_000
    if n_reload in manifests:
        log(f"reload: read_gmt / save / load of {n_reload:,} sets")
        with tempfile.TemporaryDirectory(prefix="pfocr-bench-") as tmp:
            results["reload"] = run_worker(
                python,
                {
                    "job": "reload",
                    "gmt": manifests[n_reload]["gmt"],
                    "saved": str(Path(tmp) / "lib.npz"),
                },
            )
        results["reload"]["sets"] = n_reload

    # 4. batch: queries in a loop, and enrich_many when the package has it
    n_batch = 10_000 if quick else 120_000
    if n_batch in manifests:
        batch = json.loads(Path(manifests[n_batch]["queries"]).read_text(encoding="utf-8"))["batch"]
        count = 20 if quick else 200
        log(f"batch: {count} queries vs {n_batch:,} sets")
        spec = {
            "job": "batch",
            "gmt": manifests[n_batch]["gmt"],
            "queries": [q["genes"] for q in batch[:count]],
        }
        if not quick:
            spec["large_queries"] = [q["genes"] for q in batch[:1000]]
        results["batch"] = run_worker(python, spec, timeout=2400)
        results["batch"]["sets"] = n_batch
        results["batch"]["query_sizes"] = {
            "min": min(q["size"] for q in batch[:count]),
            "max": max(q["size"] for q in batch[:count]),
        }

    # 5. where the time goes
    if not quick and 120_000 in manifests:
        log("profile: cProfile of pe.enrich at 120k")
        query = json.loads(Path(manifests[120_000]["queries"]).read_text(encoding="utf-8"))[
            "headline"
        ]["genes"]
        results["profile"] = run_worker(
            python,
            {
                "job": "profile",
                "gmt": manifests[120_000]["gmt"],
                "query": query,
                "runs": 5,
                "text_out": str(HERE / "results" / "profile_enrich_120k.txt"),
            },
        )

    results["env"] = next((r["env"] for r in results["headline"] if r.get("env")), None)
    results["load_average_start_end"] = [results["machine"].get("load_average"), _loadavg()]
    results["peer_install_status"] = _install_status()
    results["targets"] = targets(results)
    results["duration_s"] = round(time.perf_counter() - started, 1)
    return results


def _install_status() -> list[str] | None:
    path = HERE / ".venv-peers" / "install-status.txt"
    return path.read_text(encoding="utf-8").split("\n")[:-1] if path.exists() else None


# -- summaries -------------------------------------------------------------------------
def _ok(results: list[dict], tool: str, sets: int) -> dict | None:
    for r in results:
        if r.get("tool") == tool and r.get("sets") == sets and r.get("status") == "ok":
            return r
    return None


def growth_exponent(xs: list[float], ys: list[float]) -> float | None:
    """Slope of log(time) against log(size): 1 is linear growth."""
    if len(xs) < 2:
        return None
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def targets(results: dict) -> list[dict]:
    rows = []
    head = results["headline"]
    ours = _ok(head, "ours", 120_000)
    core = _ok(head, "ours_core", 120_000)
    if ours:
        ms = 1000 * ours["median_s"]
        rows.append(
            _target(
                "300-gene query vs 120k sets, `pe.enrich`",
                f"<= {TARGET_MS:g} ms",
                f"{ms:,.1f} ms",
                ms <= TARGET_MS,
                f"{ms / TARGET_MS:,.1f}x too slow",
            )
        )
        for peer, factor in TARGET_SPEEDUP.items():
            r = _ok(head, peer, 120_000)
            if r:
                ratio = r["median_s"] / ours["median_s"]
                rows.append(
                    _target(
                        f"faster than {peer} at 120k",
                        f">= {factor}x",
                        f"{ratio:,.1f}x",
                        ratio >= factor,
                        f"needs {factor / ratio:,.1f}x more",
                    )
                )
        agr = ours.get("agreement") or {}
        if agr.get("max_rel_diff") is not None:
            v = agr["max_rel_diff"]
            rows.append(
                _target(
                    "p-values vs scipy (120k, p > 1e-300)",
                    "<= 1e-12 relative",
                    f"{v:.1e}",
                    v <= 1e-12,
                    "not exact enough",
                )
            )
    if core:
        ms = 1000 * core["median_s"]
        rows.append(
            _target(
                "(for reference) statistics core alone at 120k",
                f"<= {TARGET_MS:g} ms",
                f"{ms:,.1f} ms",
                ms <= TARGET_MS,
                f"{ms / TARGET_MS:,.1f}x too slow",
            )
        )
    batch = results.get("batch") or {}
    if batch.get("sets") != 120_000:
        batch = {}
    big = batch.get("enrich_many_large")
    if big and big.get("status") == "ok":
        t, mem = big["total_s"], big["peak_delta_mb"]
        rows.append(
            _target(
                f"{big['queries']} queries vs 120k via `enrich_many`",
                "<= 10 s, <= 2 GB",
                f"{t:,.1f} s, {mem:,.0f} MB",
                t <= 10 and mem <= 2048,
                "over",
            )
        )
    elif batch.get("loop"):
        small = batch.get("enrich_many") or {}
        if small.get("status") == "ok":
            est_s = small["per_query_ms"]
            est_gb = small["peak_delta_mb"] * 1000 / small["queries"] / 1024
            why = (big or {}).get("reason", "not run")
            measured = f"not run ({why}); from {small['queries']} queries: ~{est_s:,.0f} s, ~{est_gb:,.0f} GB"
            rows.append(
                _target(
                    "1,000 queries vs 120k via `enrich_many`",
                    "<= 10 s, <= 2 GB",
                    measured,
                    False,
                    f"~{est_s / 10:,.0f}x too slow, ~{est_gb / 2:,.0f}x too big",
                )
            )
        else:
            per = batch["loop"]["per_query_ms"]
            rows.append(
                _target(
                    "1,000 queries vs 120k via `enrich_many`",
                    "<= 10 s, <= 2 GB",
                    f"no enrich_many; `pe.enrich` loop: {per:,.0f} ms x 1,000 = {per:,.0f} s",
                    False,
                    "enrich_many missing",
                )
            )
    rel = results.get("reload") or {}
    if rel.get("status") == "ok" and rel.get("sets") == 120_000:
        rows.append(
            _target(
                "reload 120k from saved form",
                "<= 0.3 s",
                f"{rel['load_median_s']:.2f} s",
                rel["load_median_s"] <= 0.3,
                f"{rel['load_median_s'] / 0.3:.1f}x too slow",
            )
        )
        rows.append(
            _target(
                "reload 120k from GMT",
                "<= 3 s",
                f"{rel['read_gmt_median_s']:.2f} s",
                rel["read_gmt_median_s"] <= 3,
                f"{rel['read_gmt_median_s'] / 3:.1f}x too slow",
            )
        )
        rows.append(
            _target(
                "resident size, 120k loaded",
                "<= 150 MB",
                f"{rel['resident_after_load_mb']:,.0f} MB",
                rel["resident_after_load_mb"] <= 150,
                "too big",
            )
        )
    pts = [
        (r["sets"], r["median_s"])
        for r in head
        if r.get("tool") == "ours" and r.get("status") == "ok"
    ]
    if len(pts) >= 3:
        e = growth_exponent([p[0] for p in pts], [p[1] for p in pts])
        top = max(pts)
        rows.append(
            _target(
                f"growth in sets (10k..{top[0] // 1000}k), `pe.enrich`",
                "exponent <= 1",
                f"{e:.2f}",
                e <= 1.05,
                "superlinear",
            )
        )
    ser = (ours or {}).get("series")
    if ser:
        e = growth_exponent([s["query_size"] for s in ser], [s["median_s"] for s in ser])
        rows.append(
            _target(
                "growth in query size (20..500 genes, 120k)",
                "exponent <= 1",
                f"{e:.2f}",
                e <= 1.05,
                "superlinear",
            )
        )
    return rows


def _target(what: str, target: str, measured: str, met: bool, miss: str) -> dict:
    return {
        "target": what,
        "goal": target,
        "measured": measured,
        "met": bool(met),
        "note": "" if met else miss,
    }


def fmt_ms(s: float | None) -> str:
    if s is None:
        return "–"
    ms = 1000 * s
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def _source(res: dict) -> str:
    source = res.get("pfocr_enrich_source") or "working tree"
    if source.startswith("git"):
        return source
    return f"{source} at {res['machine'].get('git')}"


def fmt_ratio(r: float) -> str:
    return f"{r:,.1f}x" if r >= 1 else f"{r:.2g}x"


def fmt_rel(v: float | None) -> str:
    return "–" if v is None else f"{v:.1e}"


def markdown(res: dict) -> str:
    head = res["headline"]
    sizes = sorted({r["sets"] for r in head})
    hsizes = [s for s in sizes if s in HEADLINE_SIZES]
    env = res.get("env") or {}
    m = res["machine"]
    out = [
        f"# Benchmark results ({res['mode']})",
        "",
        f"`{res['command']}` on {res['date']}; {res['duration_s']:.0f} s in all; "
        f"load average (1/5/15 min) at start {res['load_average_start_end'][0]}, at end {res['load_average_start_end'][1]} "
        "(other jobs on the machine add noise). "
        f"Machine: {m.get('nproc')} cores ({m.get('cpu')}), {m.get('memory_gib')} GiB; {m.get('platform')}. "
        f"Python {env.get('python')}, numpy {env.get('numpy')}, scipy {env.get('scipy')}, pandas {env.get('pandas')}, numba {env.get('numba')}; "
        f"OPENBLAS_CORETYPE={env.get('OPENBLAS_CORETYPE')!s}. pfocr_enrich {env.get('pfocr_enrich')} from {_source(res)}.",
        "",
        "## One 300-gene query against all sets (median of warm runs, ms)",
        "",
        "Speed-up = the tool's median / `pe.enrich`'s median at the same size (how many times faster we are). "
        "`pe.enrich` returns a result holding every set's p-value, FDR and rank; its rows are put in rank order "
        "and its table columns (effect sizes, overlapping gene names, metadata) built for the rows read: "
        "`.top(20).table` is what a notebook shows first, `.table` builds every row, as gseapy's table does "
        '("vs our full table" compares with it). '
        "Agreement = max relative difference of the tool's p-values to `scipy.stats.hypergeom.sf(k - 1, N, M, n)` over the sets it reports "
        "(reference p > 1e-300), all sets / sets with p < 1e-3.",
        "",
    ]
    big = max(hsizes) if hsizes else None
    cols = [f"{s // 1000}k" for s in sizes]
    out.append(
        "| tool | version | "
        + " | ".join(cols)
        + f" | speed-up at {big // 1000 if big else '-'}k | vs our full table | peak RSS / query Δ at {big // 1000 if big else '-'}k (MB) | agreement (all / p<1e-3) |"
    )
    out.append("|---|---|" + "---:|" * len(cols) + "---:|---:|---:|---|")
    tools = []
    for r in head:
        if r["tool"] not in tools:
            tools.append(r["tool"])
    for tool in tools:
        rows = {r["sets"]: r for r in head if r["tool"] == tool}
        any_row = next(iter(rows.values()))
        if all(r.get("status") != "ok" for r in rows.values()):
            out.append(
                f"| {TOOL_LABEL.get(tool, tool)} | {any_row.get('version') or '–'} | "
                + " | ".join("–" for _ in sizes)
                + f" | – | – | – | {any_row.get('status')}: {any_row.get('reason', '')} |"
            )
            continue
        cells = []
        for s in sizes:
            r = rows.get(s)
            cells.append(
                fmt_ms(r["median_s"])
                if r and r.get("status") == "ok"
                else ("–" if r is None else r.get("status", "–"))
            )
        ours_big = _ok(head, "ours", big) if big else None
        table_big = _ok(head, "ours_table", big) if big else None
        r_big = rows.get(big) if big else None
        vs_table = "–"
        if r_big and r_big.get("status") == "ok" and table_big:
            vs_table = (
                fmt_ratio(r_big["median_s"] / table_big["median_s"])
                if tool != "ours_table"
                else "1x"
            )
        if r_big and r_big.get("status") == "ok" and ours_big:
            speed = fmt_ratio(r_big["median_s"] / ours_big["median_s"]) if tool != "ours" else "1x"
            mem = f"{r_big.get('process_peak_mb', 0):,.0f} / {r_big.get('query_peak_delta_mb') or 0:,.0f}"
            agr = r_big.get("agreement") or {}
        else:
            speed, mem, agr = "–", "–", {}
            last = rows.get(max(rows))
            if last and last.get("status") == "ok":
                agr = last.get("agreement") or {}
                mem = f"{last.get('process_peak_mb', 0):,.0f} / {last.get('query_peak_delta_mb') or 0:,.0f} (at {max(rows) // 1000}k)"
        a = (
            f"{fmt_rel(agr.get('max_rel_diff'))} / {fmt_rel(agr.get('max_rel_diff_p_lt_1e-3'))}"
            if agr
            else "–"
        )
        if agr.get("kind") == "bh":
            a += " (BH-adjusted)"
        out.append(
            f"| {TOOL_LABEL.get(tool, tool)} | {any_row.get('version') or '–'} | "
            + " | ".join(cells)
            + f" | {speed} | {vs_table} | {mem} | {a} |"
        )
    ours_rows = [r for r in head if r["tool"] == "ours" and r.get("status") == "ok"]
    if ours_rows and ours_rows[0].get("extra"):
        ex = {r["sets"]: r["extra"] for r in ours_rows}
        out += [
            "",
            "Load per size: "
            + "; ".join(
                f"{s // 1000}k: {e['sets_with_overlap'] / e['sets_tested']:.0%} of sets overlap the query, {e['distinct_k_M']:,} distinct (k, M)"
                for s, e in sorted(ex.items())
            )
            + ".",
        ]
    core = [
        r
        for r in head
        if r["tool"] == "ours_core" and r.get("status") == "ok" and r.get("parts_median_s")
    ]
    if core:
        out += [
            "",
            "Statistics core split (median ms): "
            + "; ".join(
                f"{r['sets'] // 1000}k: overlaps {fmt_ms(r['parts_median_s']['overlaps'])}, grouped tail + BH + group ranks {fmt_ms(r['parts_median_s']['tail_bh_rank'])}"
                for r in core
            )
            + ".",
        ]

    if res.get("targets"):
        out += [
            "",
            "## Issue 7 targets",
            "",
            "| target | goal | measured | met |",
            "|---|---|---|---|",
        ]
        for t in res["targets"]:
            out.append(
                f"| {t['target']} | {t['goal']} | {t['measured']} | {'yes' if t['met'] else 'no: ' + t['note']} |"
            )

    ours = _ok(head, "ours", 120_000)
    if ours and ours.get("series"):
        core = _ok(head, "ours_core", 120_000)
        cs = {s["query_size"]: s["median_s"] for s in (core or {}).get("series", [])}
        out += [
            "",
            "## Query size (120k sets, median ms)",
            "",
            "| genes | `pe.enrich` | core |",
            "|---:|---:|---:|",
        ]
        for s in ours["series"]:
            out.append(
                f"| {s['query_size']} | {fmt_ms(s['median_s'])} | {fmt_ms(cs.get(s['query_size']))} |"
            )

    go = res.get("go")
    if go and go.get("tools"):
        ours_go = next(
            (r for r in go["tools"] if r["tool"] == "ours" and r.get("status") == "ok"), None
        )
        out += [
            "",
            f"## Real GO BP library ({go['sets']:,} sets, universe {go['universe']:,} genes, 300-gene random query)",
            "",
            "| tool | median ms | speed-up | peak RSS (MB) | agreement (all / p<1e-3) |",
            "|---|---:|---:|---:|---|",
        ]
        for r in go["tools"]:
            if r.get("status") != "ok":
                out.append(
                    f"| {TOOL_LABEL.get(r['tool'], r['tool'])} | – | – | – | {r.get('status')}: {r.get('reason', '')} |"
                )
                continue
            agr = r.get("agreement") or {}
            speed = fmt_ratio(r["median_s"] / ours_go["median_s"]) if ours_go else "–"
            out.append(
                f"| {TOOL_LABEL.get(r['tool'], r['tool'])} | {fmt_ms(r['median_s'])} | {speed} | {r.get('process_peak_mb', 0):,.0f} | "
                f"{fmt_rel(agr.get('max_rel_diff'))} / {fmt_rel(agr.get('max_rel_diff_p_lt_1e-3'))}{' (BH-adjusted)' if agr.get('kind') == 'bh' else ''} |"
            )
    elif go:
        out += ["", f"GO workload skipped: {go.get('reason')}"]

    rel = res.get("reload")
    if rel and rel.get("status") == "ok":
        out += [
            "",
            f"## Library reload ({rel['sets']:,} sets, {rel['genes']:,} genes)",
            "",
            "| step | median s | runs |",
            "|---|---:|---:|",
            f"| `read_gmt` | {rel['read_gmt_median_s']:.2f} | {len(rel['read_gmt_s'])} |",
            f"| `GeneSetLibrary.save` | {rel['save_s']:.2f} | 1 |",
            f"| `GeneSetLibrary.load` | {rel['load_median_s']:.3f} | {len(rel['load_s'])} |",
            "",
            f"Saved file {rel['saved_file_mb']:.1f} MB; resident size after `load` {rel['resident_after_load_mb']:.0f} MB "
            f"(peak during load +{rel['load_peak_delta_mb']:.0f} MB); after `read_gmt` {rel['resident_after_read_gmt_mb']:.0f} MB "
            f"(peak +{rel['read_gmt_peak_delta_mb']:.0f} MB).",
        ]
    elif rel:
        out += ["", f"Reload: {rel.get('status')}: {rel.get('reason')}"]

    b = res.get("batch")
    if b and b.get("loop"):
        lp = b["loop"]
        out += [
            "",
            f"## Batch ({b['sets']:,} sets, query sizes {b['query_sizes']['min']}-{b['query_sizes']['max']})",
            "",
            "| mode | queries | total s | ms / query | peak Δ MB |",
            "|---|---:|---:|---:|---:|",
            f"| `pe.enrich` in a loop{' (' + str(lp['queries_run']) + ' run in the time budget, total extrapolated)' if lp.get('extrapolated') else ''} "
            f"| {lp['queries']} | {lp['total_s']:.1f} | {lp['per_query_ms']:.0f} | {lp['peak_delta_mb']:.0f} |",
        ]
        for key in ("enrich_many", "enrich_many_large"):
            em = b.get(key)
            if not em:
                continue
            if em.get("status") == "skipped":
                out.append(
                    f"| `pe.enrich_many` | {em.get('queries', '–')} | – | – | skipped: {em.get('reason')} |"
                )
            elif em.get("status") == "ok":
                out.append(
                    f"| `pe.enrich_many` (alpha filter, {em['rows']:,} rows kept) | {em['queries']} | {em['total_s']:.1f} | {em['per_query_ms']:.1f} | {em['peak_delta_mb']:.0f} |"
                )
            else:
                out.append(
                    f"| `pe.enrich_many` | {em.get('queries', '–')} | – | – | {em.get('status')}: {em.get('reason')} |"
                )

    prof = res.get("profile")
    if prof and prof.get("status") == "ok":
        out += [
            "",
            f"## Where `pe.enrich` spends its time (cProfile, 120k sets, {1000 * prof['wall_per_run_s']:.0f} ms per run under the profiler)",
            "",
            "| function | calls / run | own ms / run | cumulative ms / run |",
            "|---|---:|---:|---:|",
        ]
        for row in prof["top_tottime"][:10]:
            out.append(
                f"| `{row['function']}` | {row['ncalls']:,} | {1000 * row['tottime_s']:.1f} | {1000 * row['cumtime_s']:.1f} |"
            )

    out += ["", "## Settings per tool", ""]
    seen = set()
    for r in head + ((go or {}).get("tools") or []):
        if r["tool"] in seen or r.get("status") != "ok":
            continue
        seen.add(r["tool"])
        out.append(
            f"- **{TOOL_LABEL.get(r['tool'], r['tool'])}** {r.get('version') or ''}: {r.get('settings', '')}"
        )
    if res.get("skipped"):
        out += ["", "Skipped: " + "; ".join(f"{s['tool']} ({s['reason']})" for s in res["skipped"])]

    libs = res.get("libraries", {})
    if libs:
        out += [
            "",
            "## Synthetic libraries",
            "",
            "| sets | genes | memberships | median size | 1 / 2 genes | top gene (share of sets) | redundant copies |",
            "|---:|---:|---:|---:|---:|---|---:|",
        ]
        for n, lib in sorted(libs.items(), key=lambda kv: int(kv[0])):
            s = lib["shape"]
            top = s["top_genes"][0]
            out.append(
                f"| {int(n):,} | {s['genes']:,} | {s['memberships']:,} | {s['set_size']['median']:g} | {s['set_size']['share_1']:.1%} / {s['set_size']['share_2']:.1%} | "
                f"{top['symbol']} ({top['share_of_sets']:.1%}) | {s['redundant_copies_share']:.1%} |"
            )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10k sets, ours + at most one peer, no GO/profile (< 1 min)",
    )
    ap.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder (default: %(default)s)",
    )
    ap.add_argument(
        "--data",
        type=Path,
        default=HERE / "data",
        help="where generated libraries are cached (default: %(default)s)",
    )
    ap.add_argument(
        "--python",
        help="interpreter for the measurements (default: benchmarks/.venv-peers/bin/python if present, else this one)",
    )
    ap.add_argument("--tools", nargs="+", help=f"peers to run (default: all of {', '.join(PEERS)})")
    ap.add_argument(
        "--sizes", type=int, nargs="+", help="library sizes (default: 10k 50k 120k 500k)"
    )
    ap.add_argument(
        "--commit",
        metavar="REV",
        help="measure src/ as of this git revision (exported to a temporary folder) instead of the working tree",
    )
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--out",
        type=Path,
        help="output stem (default: results/latest, or results/quick with --quick)",
    )
    ap.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="only re-write the markdown of an existing results JSON",
    )
    args = ap.parse_args(argv)
    if args.render:
        res = json.loads(args.render.read_text(encoding="utf-8"))
        res["targets"] = targets(res)
        args.render.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        args.render.with_suffix(".md").write_text(markdown(res), encoding="utf-8")
        return 0
    if (
        not (args.shared / "pfocr_samples").exists()
        and not (args.shared / "ncbi_human_genes").exists()
    ):
        print(f"run.py: shared data not found at {args.shared} (use --shared)", file=sys.stderr)
        return 2
    global _WORKER_ENV
    with tempfile.TemporaryDirectory(prefix="pfocr-src-") as snap:
        source = "working tree (editable install)"
        if args.commit:
            commit = snapshot_source(args.commit, Path(snap))
            _WORKER_ENV = {**os.environ, "PYTHONPATH": str(Path(snap) / "src")}
            source = f"git {commit[:10]} (src/ exported; working tree ignored)"
            log(f"measuring pfocr_enrich from {source}")
        res = run_suite(args)
        res["pfocr_enrich_source"] = source
        if args.commit:
            res["command"] += f" --commit {args.commit}"
    stem = args.out or (HERE / "results" / ("quick" if args.quick else "latest"))
    stem.parent.mkdir(parents=True, exist_ok=True)
    text = markdown(res)
    stem.with_suffix(".md").write_text(text, encoding="utf-8")
    stem.with_suffix(".json").write_text(
        json.dumps(res, indent=1, default=_json_default) + "\n", encoding="utf-8"
    )
    print(text)
    log(f"wrote {stem.with_suffix('.md')} and .json in {res['duration_s']:.0f} s")
    failed = [r for r in res["headline"] if r["tool"] in OURS and r.get("status") != "ok"]
    if failed:
        log(
            "our own measurements failed: "
            + "; ".join(f"{r['tool']}: {r.get('reason')}" for r in failed)
        )
        return 1
    return 0


def _json_default(obj):
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating,)):
        return None if math.isnan(obj) else float(obj)
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    raise TypeError(type(obj).__name__)


if __name__ == "__main__":
    raise SystemExit(main())
