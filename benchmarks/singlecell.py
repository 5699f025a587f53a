"""Single-cell benchmarks (issue 15): per-cell scores next to decoupler's ORA, and markers per group.

    python benchmarks/singlecell.py [--cells 100000] [--genes 2000] [--decoupler-cells 10000]
                                    [--big-cells 20000] [--shared ../shared/data] [--out FILE]

Targets (issue 15):

* ``score_cells``: 100,000 cells x 2,000 measured genes (synthetic counts, sparse
  CSR) against 1,000 sets in <= 30 s, >= 10x faster than decoupler's ORA on the
  same input, peak memory <= 3 GB; also 10,000 sets (on ``--big-cells`` cells:
  two float32 frames of 100,000 x 10,000 alone would take 8 GB);
* ``enrich_rank_genes_groups``: 30 groups x 2 directions against 120,000 sets
  (``generate.py``'s library) in <= 1 s. The measured genes are named by their
  NCBI symbols (as scanpy's ``var_names`` are; the library is Entrez IDs, as
  PFOCR's GMT files are), so the call maps them; the first call of a new
  process also builds the identifier tables and the library's indexes.

Times are wall clock (``seconds``) and CPU (``cpu_seconds``, ``time.process_time``:
on the shared machine the wall time grows with the load average, recorded
before and after each measurement).

Each measurement runs in its own process (``multiprocessing`` spawn), so its
peak resident memory (``VmHWM``, which includes the input matrix) is its
own; ``rss_before_mb`` is that peak before the measured call (data generation,
libraries). The libraries come from ``generate.py`` (cached in ``benchmarks/data``).
The data: 2,000 measured genes, half drawn among the 1,000-set library's genes
and half among the other genes of the 120k library; counts Poisson(size factor
x gene mean) with log-normal gene means and size factors, ~15 % non-zero (a
10x Genomics matrix restricted to highly variable genes). decoupler 2.2 selects
``n_var - n_up`` genes per cell (scverse/decoupler#346, fixed in #347, not yet
released), so it is called with ``n_up = n_genes - n_up`` to select the same
top genes; its timing is of the same matrix, restricted to the first
``--decoupler-cells`` cells (the whole run is hours), with ours on those cells
beside it.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _library(n_sets: int, shared: Path, take: int | None = None):
    import generate

    import pfocr_enrich as pe

    manifest = generate.generate(n_sets, seed=7, out=HERE / "data", shared=shared)
    lib = pe.read_gmt(manifest["gmt"])
    if take is not None:
        lib = pe.GeneSetLibrary.from_dict(
            {s: sorted(lib[s]) for s in lib.set_ids[:take]}, name=f"first {take} of {n_sets}"
        )
    return lib


def _counts(n_cells: int, genes: list[str], seed: int):
    """A sparse CSR matrix of synthetic UMI counts (float32), built in blocks of cells."""
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    mean = rng.lognormal(mean=-2.3, sigma=1.3, size=len(genes))
    blocks = []
    for lo in range(0, n_cells, 10_000):
        size = rng.lognormal(mean=0.0, sigma=0.5, size=(min(10_000, n_cells - lo), 1))
        blocks.append(sp.csr_matrix(rng.poisson(size * mean).astype(np.float32)))
    return sp.vstack(blocks, format="csr")


def _adata(n_cells: int, n_genes: int, lib_small, lib_all, seed: int):
    import anndata as ad
    import pandas as pd

    rng = np.random.default_rng(seed)
    inside = np.asarray(lib_small.genes)
    outside = np.setdiff1d(np.asarray(lib_all.genes), inside)
    half = n_genes // 2
    genes = np.r_[
        rng.choice(inside, size=min(half, len(inside)), replace=False),
        rng.choice(outside, size=n_genes - min(half, len(inside)), replace=False),
    ]
    X = _counts(n_cells, genes.tolist(), seed)
    obs = pd.DataFrame(index=[f"cell{i}" for i in range(n_cells)])
    return ad.AnnData(X=X, obs=obs, var=pd.DataFrame(index=genes.astype(str)))


def _peak_mb() -> float:
    # VmHWM, not ru_maxrss: ru_maxrss survives exec, so a spawned child would start from
    # its parent's peak (benchmarks/_worker.py)
    from _worker import hwm_mb

    return hwm_mb()


def _score_worker(args: dict, queue) -> None:
    import warnings

    import pfocr_enrich as pe

    shared = Path(args["shared"])
    lib_all = _library(120_000, shared)
    lib_small = _library(10_000, shared, take=1_000)
    lib = lib_small if args["sets"] == 1_000 else _library(10_000, shared)
    adata = _adata(args["cells"], args["genes"], lib_small, lib_all, seed=1)
    del lib_all
    before = _peak_mb()
    n_up = max(math.ceil(0.05 * args["genes"]), 2)
    out = {"cells": args["cells"], "genes": args["genes"], "sets_in_library": len(lib)}
    out["density"] = round(adata.X.nnz / (adata.n_obs * adata.n_vars), 4)
    if args["tool"] == "pfocr_enrich":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            pe.score_cells(adata[:50].copy(), lib, n_up=n_up)  # warm-up: the identifier tables
            start, cpu = time.perf_counter(), time.process_time()
            pe.score_cells(adata, lib, n_up=n_up)
        out["seconds"] = time.perf_counter() - start
        out["cpu_seconds"] = time.process_time() - cpu
        out["sets_tested"] = adata.obsm["pfocr_score"].shape[1]
        out["output_dtype"] = str(adata.obsm["pfocr_score"].dtypes.iloc[0])
    else:
        import decoupler as dc
        import pandas as pd

        net = pd.DataFrame(
            [(s, g) for s in lib.set_ids for g in sorted(lib[s])], columns=["source", "target"]
        )

        # decoupler 2.2 keeps ranks > n_up (scverse/decoupler#346) among the genes it keeps
        # (those expressed in some cell): n_up = kept - ours selects the same top genes.
        def ora(data):
            kept = int((data.X.getnnz(axis=0) > 0).sum())
            dc.mt.ora(data, net, n_up=kept - n_up, tmin=5, n_bg=None, verbose=False)

        ora(adata[:200].copy())  # warm-up: numba compiles on first use
        start, cpu = time.perf_counter(), time.process_time()
        ora(adata)
        out["seconds"] = time.perf_counter() - start
        out["cpu_seconds"] = time.process_time() - cpu
        out["sets_tested"] = adata.obsm["score_ora"].shape[1]
    out["peak_rss_mb"] = round(_peak_mb())
    out["rss_before_mb"] = round(before)
    queue.put(out)


def _markers_worker(args: dict, queue) -> None:
    import warnings

    import anndata as ad
    import pandas as pd

    import pfocr_enrich as pe

    shared = Path(args["shared"])
    lib = _library(120_000, shared)
    rng = np.random.default_rng(3)
    entrez = rng.choice(np.asarray(lib.genes), size=args["genes"], replace=False).astype(str)
    # scanpy's var_names are symbols (the parent named them: this process's first call pays
    # for the identifier tables, as a user's does).
    named = [args["symbols"].get(e, e) for e in entrez]
    # A symbol NCBI gives two genes (HBD, TEC, ...) stays an Entrez ID the second time.
    genes = np.array([e if n in named[:i] else n for i, (e, n) in enumerate(zip(entrez, named))])
    groups = [f"cluster{i:02d}" for i in range(30)]
    n = len(genes)

    # A ranking as scanpy.tl.rank_genes_groups(n_genes=n_vars) stores it: record arrays by group.
    def record(values, dtype):
        return np.rec.fromarrays(values, names=groups, formats=[dtype] * len(groups))

    names, scores, lfc, padj = [], [], [], []
    for _ in groups:
        s = np.sort(rng.normal(size=n))[::-1]
        names.append(rng.permutation(genes))
        scores.append(s.astype(np.float32))
        lfc.append((s * 0.8 + rng.normal(scale=0.3, size=n)).astype(np.float32))
        padj.append(np.minimum(1.0, np.exp(-np.abs(s) * 3) * 5))
    adata = ad.AnnData(obs=pd.DataFrame(index=["c0"]), var=pd.DataFrame(index=genes))
    adata.uns["rank_genes_groups"] = {
        "params": {"groupby": "cluster", "method": "t-test", "use_raw": False, "reference": "rest"},
        "names": record(names, "O"),
        "scores": record(scores, "f4"),
        "logfoldchanges": record(lfc, "f4"),
        "pvals": record(padj, "f8"),
        "pvals_adj": record(padj, "f8"),
    }
    times, cpus = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(4):
            start, cpu = time.perf_counter(), time.process_time()
            res = pe.enrich_rank_genes_groups(
                adata, lib, direction="both", pval_cutoff=0.05, n_genes=200
            )
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
    out = {
        "sets": len(lib),
        "groups": len(groups),
        "queries": len(res.queries),
        "genes_measured": n,
        "query_sizes": sorted({v["query_size"] for v in res.params["queries"].values()})[:3],
        "var_names": "symbol",
        "first_call_s": times[0],
        "warm_median_s": float(np.median(times[1:])),
        "first_call_cpu_s": cpus[0],
        "warm_median_cpu_s": float(np.median(cpus[1:])),
        "peak_rss_mb": round(_peak_mb()),
    }
    queue.put(out)


def _run(worker, args: dict) -> dict:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=worker, args=(args, queue))
    proc.start()
    out = queue.get()
    proc.join()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cells", type=int, default=100_000)
    ap.add_argument("--genes", type=int, default=2_000)
    ap.add_argument("--decoupler-cells", type=int, default=10_000)
    ap.add_argument("--big-cells", type=int, default=20_000, help="cells for the 10,000-set run")
    ap.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "singlecell.json")
    ap.add_argument(
        "--skip", nargs="*", default=[], choices=["cells", "decoupler", "big", "markers"]
    )
    args = ap.parse_args(argv)
    base = {"shared": str(args.shared), "genes": args.genes}
    report: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_before": os.getloadavg(),
            "python": platform.python_version(),
        }
    }
    runs = [
        (
            "cells",
            "score_cells_1000_sets",
            {"cells": args.cells, "sets": 1_000, "tool": "pfocr_enrich"},
        ),
        (
            "decoupler",
            "score_cells_1000_sets_subset",
            {"cells": args.decoupler_cells, "sets": 1_000, "tool": "pfocr_enrich"},
        ),
        (
            "decoupler",
            "decoupler_ora_1000_sets_subset",
            {"cells": args.decoupler_cells, "sets": 1_000, "tool": "decoupler"},
        ),
        (
            "big",
            "score_cells_10000_sets",
            {"cells": args.big_cells, "sets": 10_000, "tool": "pfocr_enrich"},
        ),
    ]
    for part, name, extra in runs:
        if part in args.skip:
            continue
        report[name] = _run(_score_worker, {**base, **extra})
        report[name]["load_after"] = os.getloadavg()
        print(name, json.dumps(report[name]), flush=True)
    if "markers" not in args.skip:
        from pfocr_enrich.identifiers import GeneMapper

        mapper = GeneMapper.default()
        symbols = {e: mapper.symbol_of_entrez(e) for e in mapper.genes["entrez"].astype(str)}
        named = {e: s for e, s in symbols.items() if s}
        report["enrich_rank_genes_groups_120k"] = _run(_markers_worker, {**base, "symbols": named})
        report["enrich_rank_genes_groups_120k"]["load_after"] = os.getloadavg()
        print("enrich_rank_genes_groups_120k", json.dumps(report["enrich_rank_genes_groups_120k"]))
    ours, theirs = (
        report.get("score_cells_1000_sets_subset"),
        report.get("decoupler_ora_1000_sets_subset"),
    )
    if ours and theirs:
        report["speedup_vs_decoupler"] = theirs["seconds"] / ours["seconds"]
        print(
            f"speed-up over decoupler's ORA on {ours['cells']:,} cells: {report['speedup_vs_decoupler']:.1f}x"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
