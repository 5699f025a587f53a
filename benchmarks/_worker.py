"""One measurement in its own process (started by run.py; not meant to be run by hand).

    python benchmarks/_worker.py SPEC.json OUT.json

SPEC names a job (``tool``, ``reload`` or ``batch``), a GMT file and queries.
A ``tool`` job loads the library the way that tool wants it (untimed, but its
setup time is recorded), runs the query once to warm up (JIT compilation,
caches), then repeats it and records every wall time. Memory is read from
``/proc/self/status``: ``VmHWM`` (peak resident size) of the whole process, and
the peak during the timed queries alone (the peak is reset through
``/proc/self/clear_refs`` just before them, so native allocations in numba or
Rust count too, unlike with tracemalloc).

Each tool gets the same universe (every gene of the library) and the closest
settings to "one-sided Fisher / hypergeometric upper tail over every set"; the
settings are written into the result.
"""

from __future__ import annotations

import gc
import io
import json
import os
import platform
import sys
import time
import warnings
from contextlib import redirect_stderr, redirect_stdout
from importlib import metadata
from pathlib import Path

warnings.filterwarnings("ignore")


# -- memory -------------------------------------------------------------------
def _status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_mb() -> float | None:
    kb = _status_kb("VmRSS")
    return None if kb is None else kb / 1024


def hwm_mb() -> float | None:
    kb = _status_kb("VmHWM")
    if kb is None:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return kb / 1024


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


# -- inputs -------------------------------------------------------------------
def read_gmt(path: str) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                genes = list(dict.fromkeys(g for g in parts[2:] if g))
                if genes:
                    sets[parts[0]] = genes
    return sets


def version_of(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def quiet(fn, *args, **kwargs):
    """Call fn with stdout/stderr swallowed (progress bars, log lines)."""
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        return fn(*args, **kwargs)


# -- tool adapters ---------------------------------------------------------------
# Each adapter: setup(gmt_path, sets, universe) -> state; run(state, query) -> result;
# pvalues(result) -> {set_id: p}; plus `settings` (str) and `dist` (for the version).


class Ours:
    """pfocr_enrich.enrich: mapping, statistics and ranking; table columns are built when read."""

    name = "pfocr_enrich"
    dist = "pfocr_enrich"
    settings = (
        "pe.enrich(query, lib): library = pe.read_gmt(gmt); universe = library genes; fdr_bh over every set; "
        "returns the result with every set's p, log10 p, FDR and rank; the row order and the table columns "
        "(overlapping gene names, ...) are built for the rows read (see the `.top(20).table` and `.table` rows)"
    )
    pvalue_kind = "raw"

    def setup(self, gmt, sets, universe):
        import pfocr_enrich as pe

        self.pe = pe
        return pe.read_gmt(gmt)

    def run(self, lib, query):
        return self.pe.enrich(query, lib)

    def pvalues(self, res):
        t = res.table
        return dict(zip(t["set_id"].astype(str), t["pvalue"].astype(float), strict=True))

    def extra(self, res):
        t = res.table
        return {
            "sets_tested": int(len(t)),
            "sets_with_overlap": int((t["overlap"] > 0).sum()),
            "distinct_k_M": int(t[["overlap", "set_size"]].drop_duplicates().shape[0]),
        }


class OursTable(Ours):
    """pfocr_enrich.enrich and then every row of its table built (what gseapy returns)."""

    name = "pfocr_enrich table"
    settings = (
        "pe.enrich(query, lib).table: as pe.enrich, then the whole DataFrame built (every tested set: "
        "effect sizes, overlapping gene names, figure metadata)"
    )

    def run(self, lib, query):
        res = self.pe.enrich(query, lib)
        _ = res.table  # build every row
        return res


class OursTop(Ours):
    """pfocr_enrich.enrich and then its 20 best rows built: what a notebook shows first."""

    name = "pfocr_enrich top 20"
    settings = "pe.enrich(query, lib).top(20).table: as pe.enrich, then rows put in rank order and the best 20 built"

    def run(self, lib, query):
        res = self.pe.enrich(query, lib)
        _ = res.top(20).table  # the best rows, built
        return res


class OursCore:
    """The bare statistics core on prepared gene indices: overlaps, grouped tail, BH and ranking."""

    name = "pfocr_enrich core"
    dist = "pfocr_enrich"
    pvalue_kind = "raw"
    settings = (
        "gene indices and tested sets prepared outside the timing; pfocr_enrich.engine.tested.TestedSets.overlaps "
        "(gene-major gather + bincount) -> k; pfocr_enrich.engine.scoring.score_query: tail per distinct (k, M), "
        "BH, ranks of the (k, M) groups (rows are put in that order when read); every set tested"
    )

    def setup(self, gmt, sets, universe):
        import numpy as np

        import pfocr_enrich as pe
        from pfocr_enrich.engine import scoring

        self.np, self.scoring = np, scoring
        lib = pe.read_gmt(gmt)
        membership = lib.shared_arrays()[1]
        self.set_ids = lib.set_ids.to_numpy().astype(str)
        self.gene_index = lib.gene_index()
        self.N = lib.n_genes
        sizes = np.diff(membership.indptr).astype(np.int64)
        self.tested = scoring.TestedSets.prepare(lib, sizes, np.ones(len(sizes), dtype=bool))
        self.rules = scoring.ScoringRules()
        self.parts: dict[str, list[float]] = {"overlaps": [], "tail_bh_rank": []}
        return lib

    def prepare_query(self, query):
        np = self.np
        return np.array(
            sorted({self.gene_index[g] for g in query if g in self.gene_index}), dtype=np.int64
        )

    def run(self, lib, genes):
        t0 = time.perf_counter()
        k = self.tested.overlaps(genes)
        t1 = time.perf_counter()
        scores = self.scoring.score_query(k, len(genes), self.N, self.tested, self.rules, None)
        t2 = time.perf_counter()
        self.parts["overlaps"].append(t1 - t0)
        self.parts["tail_bh_rank"].append(t2 - t1)
        return scores

    def pvalues(self, scores):
        p = self.np.exp(scores.log_p[scores.group])
        return dict(zip(self.set_ids[scores.rows], p.tolist(), strict=True))


class ScipyElementwise:
    """The naive reference: scipy.stats.hypergeom.sf over every set, element-wise (vectorised call)."""

    name = "scipy hypergeom.sf"
    dist = "scipy"
    settings = "overlaps by a sparse product (prepared), then scipy.stats.hypergeom.sf(k - 1, N, M, n) over all sets in one vectorised call"
    pvalue_kind = "raw"

    def setup(self, gmt, sets, universe):
        import numpy as np
        import scipy.sparse as sp
        from scipy import stats

        self.np, self.stats = np, stats
        index = {g: i for i, g in enumerate(universe)}
        self.ids = list(sets)
        lengths = [len(v) for v in sets.values()]
        indices = np.fromiter((index[g] for v in sets.values() for g in v), dtype=np.int32)
        indptr = np.r_[0, np.cumsum(lengths)]
        self.m = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.int32), indices, indptr),
            shape=(len(sets), len(universe)),
        )
        self.M = np.asarray(lengths)
        self.N = len(universe)
        self.index = index
        return None

    def prepare_query(self, query):
        np = self.np
        vec = np.zeros(self.N, dtype=np.int32)
        idx = [self.index[g] for g in set(query) if g in self.index]
        vec[idx] = 1
        return vec, len(idx)

    def run(self, state, prepared):
        vec, n = prepared
        k = self.np.asarray(self.m @ vec).ravel()
        return self.stats.hypergeom.sf(k - 1, self.N, self.M, n)

    def pvalues(self, res):
        return dict(zip(self.ids, res.tolist(), strict=True))


class Gseapy:
    name = "gseapy"
    dist = "gseapy"
    settings = "gseapy.enrich(query, gene_sets=<dict of int Entrez ids>, background=<list of library genes>, outdir=None, no_plot=True, verbose=False); reports sets with overlap >= 1; BH over those"
    pvalue_kind = "raw"

    def setup(self, gmt, sets, universe):
        import gseapy

        self.gseapy = gseapy
        # gseapy turns an all-digit query into ints (Entrez ids), so the sets and the background
        # must hold ints too, or nothing overlaps.
        self.as_int = all(g.isdigit() for g in universe)
        conv = int if self.as_int else str
        self.background = [conv(g) for g in universe]
        return {k: [conv(g) for g in v] for k, v in sets.items()}

    def run(self, sets, query):
        return quiet(
            self.gseapy.enrich,
            gene_list=list(query),
            gene_sets=sets,
            background=self.background,
            outdir=None,
            no_plot=True,
            verbose=False,
        )

    def pvalues(self, enr):
        res = enr.res2d
        return dict(zip(res["Term"].astype(str), res["P-value"].astype(float), strict=True))


class Pyenrichr:
    name = "pyenrichr (prepared)"
    dist = "pyenrichr"
    pvalue_kind = "raw"

    def setup(self, gmt, sets, universe):
        import numpy as np
        from pyenrichr import enrichment, libraries

        self.enrichment = enrichment
        lib = {k: set(v) for k, v in sets.items()}
        self.vec = libraries.vectorize(lib)
        self.sizes = np.array([len(lib[k]) for k in lib])
        self.N = len(universe)
        self.fisher = enrichment.FastFisher(self.N + 4000)  # pyenrichr's own default size
        self.settings = (
            "prepared mode: vec = pyenrichr.libraries.vectorize(<dict of sets>) and FastFisher(N + 4000) built once (setup); "
            f"per query pyenrichr.enrichment.fastfisher(query, vec, sizes, fisher=..., min_set_size=1, min_overlap=1, background_size=N={self.N}); "
            "numba parallel (2 threads). Its 2x2 table uses d = N - b - c + a (should be - a), so its p-values are not the hypergeometric tail"
        )
        return lib

    def run(self, lib, query):
        return self.enrichment.fastfisher(
            set(query),
            self.vec,
            self.sizes,
            fisher=self.fisher,
            min_set_size=1,
            min_overlap=1,
            background_size=self.N,
            verbose=False,
        )

    def pvalues(self, res):
        return dict(zip(res["term"].astype(str), res["p-value"].astype(float), strict=True))


class Decoupler:
    name = "decoupler ORA"
    dist = "decoupler"
    pvalue_kind = "bh"

    def setup(self, gmt, sets, universe):
        import decoupler as dc
        import pandas as pd

        self.dc, self.pd = dc, pd
        self.universe = list(universe)
        self.N = len(universe)
        src = [s for s, genes in sets.items() for _ in genes]
        tgt = [g for genes in sets.values() for g in genes]
        self.net = pd.DataFrame({"source": src, "target": tgt})
        ora = getattr(getattr(dc, "mt", None), "ora", None)
        self.api = "decoupler.mt.ora" if ora is not None else "decoupler.run_ora"
        self.settings = (
            f"{self.api}(data=<1 x N DataFrame: 2.0 for query genes, 1.0 for the other library genes>, net=<long source/target frame>, "
            f"tmin=1, n_up=N - n, n_bg=N={self.N}); decoupler {version_of('decoupler')} keeps the features whose ascending ordinal rank is > n_up, "
            "so n_up = N - n selects exactly the query (checked on a toy case). Two-sided Fisher test; returns BH-adjusted p-values only "
            "(compared with BH of the reference over the same sets). numba parallel (2 threads)"
        )
        return None

    def run(self, state, query):
        qset = set(query)
        row = [2.0 if g in qset else 1.0 for g in self.universe]
        data = self.pd.DataFrame([row], index=["query"], columns=self.universe)
        n = len(qset.intersection(self.universe))
        if self.api == "decoupler.mt.ora":
            return quiet(self.dc.mt.ora, data, self.net, tmin=1, n_up=self.N - n, n_bg=self.N)
        return quiet(
            self.dc.run_ora,
            data,
            self.net,
            n_up=self.N - n,
            n_bottom=0,
            n_background=self.N,
            min_n=1,
        )

    def pvalues(self, res):
        pv = res[1] if isinstance(res, tuple) else res
        row = pv.iloc[0]
        return dict(zip(row.index.astype(str), row.astype(float), strict=True))


class Goatools:
    name = "GOATOOLS"
    dist = "goatools"
    pvalue_kind = "raw"

    def setup(self, gmt, sets, universe):
        from goatools.go_enrichment import GOEnrichmentStudy
        from goatools.obo_parser import GOTerm

        dag = {}
        for set_id in sets:
            term = GOTerm("biological_process")
            term.id = term.item_id = set_id
            term.name = set_id
            term.depth = term.level = 0
            dag[set_id] = term
        assoc: dict[str, set[str]] = {}
        for set_id, genes in sets.items():
            for g in genes:
                assoc.setdefault(g, set()).add(set_id)
        self.settings = (
            "GOEnrichmentStudy(pop=<library genes>, assoc=<gene -> set ids>, obo_dag=<one flat GOTerm per set>, propagate_counts=False, "
            "alpha=0.05, methods=['fdr_bh'], alternative='greater', log=None); run_study(query, prt=None): classic algorithm, "
            "scipy.stats.fisher_exact per distinct table (lru_cache)"
        )
        return quiet(
            GOEnrichmentStudy,
            list(universe),
            assoc,
            dag,
            propagate_counts=False,
            alpha=0.05,
            methods=["fdr_bh"],
            alternative="greater",
            log=None,
        )

    def run(self, study, query):
        return quiet(study.run_study, list(query), prt=None)

    def pvalues(self, res):
        return {str(r.GO): float(r.p_uncorrected) for r in res}


class Genesets:
    name = "genesets"
    dist = "genesets"
    pvalue_kind = "raw"

    def setup(self, gmt, sets, universe):
        import genesets

        self.genesets = genesets
        self.annotations = [(g, s) for s, genes in sets.items() for g in genes]
        self.background = list(universe)
        self.settings = (
            "genesets.mgsa(annotations=<(gene, set) pairs>, study=query, background=<library genes>, samples_per_term=1, burn_per_term=0): "
            "genesets 0.1.x has only MGSA, whose result carries the term-for-term hypergeometric p_value of every set; "
            "the MCMC is cut to its minimum (defaults are 100 samples + 10 burn-in per term), so this is its fastest way to those p-values"
        )
        return None

    def run(self, state, query):
        return self.genesets.mgsa(
            self.annotations, list(query), self.background, samples_per_term=1, burn_per_term=0
        )

    def pvalues(self, res):
        # Sets with identical genes are merged into one term; its equivalent_ids share the p-value.
        out = {}
        for t in res["terms"]:
            for set_id in [t["id"], *t.get("equivalent_ids", [])]:
                out[str(set_id)] = float(t["p_value"])
        return out


TOOLS = {
    "ours": Ours,
    "ours_top": OursTop,
    "ours_table": OursTable,
    "ours_core": OursCore,
    "scipy": ScipyElementwise,
    "gseapy": Gseapy,
    "pyenrichr": Pyenrichr,
    "decoupler": Decoupler,
    "goatools": Goatools,
    "genesets": Genesets,
}


def environment() -> dict:
    env: dict = {
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "platform": platform.platform(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OPENBLAS_L2_SIZE": os.environ.get("OPENBLAS_L2_SIZE"),
    }
    for dist in ("numpy", "scipy", "pandas", "statsmodels", "numba", "pfocr_enrich"):
        env[dist] = version_of(dist)
    loaded = sys.modules.get("pfocr_enrich")
    env["pfocr_enrich_path"] = str(Path(loaded.__file__).parent) if loaded is not None else None
    try:
        from threadpoolctl import threadpool_info

        env["blas"] = [
            {k: d.get(k) for k in ("internal_api", "version", "num_threads", "architecture")}
            for d in threadpool_info()
        ]
    except Exception:  # noqa: BLE001 - optional
        env["blas"] = None
    return env


def timed_runs(
    adapter, state, query, *, min_runs: int, max_runs: int, budget_s: float
) -> list[float]:
    times: list[float] = []
    start = time.perf_counter()
    while True:
        gc.collect()
        t0 = time.perf_counter()
        adapter.run(state, query)
        times.append(time.perf_counter() - t0)
        if len(times) >= max_runs:
            break
        if len(times) >= min_runs and time.perf_counter() - start >= budget_s:
            break
    return times


def median(values: list[float]) -> float:
    v = sorted(values)
    mid = len(v) // 2
    return v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2


def job_tool(spec: dict) -> dict:
    adapter = TOOLS[spec["tool"]]()
    out: dict = {
        "tool": spec["tool"],
        "name": adapter.name,
        "dist": adapter.dist,
        "version": version_of(adapter.dist),
    }
    try:
        t0 = time.perf_counter()
        sets = read_gmt(spec["gmt"])
        universe = sorted({g for genes in sets.values() for g in genes})
        t_parse = time.perf_counter() - t0
        query = [g for g in spec["query"]]
        t0 = time.perf_counter()
        state = quiet(adapter.setup, spec["gmt"], sets, universe)
        out["setup_s"] = time.perf_counter() - t0
        out["parse_gmt_s"] = t_parse
    except ImportError as exc:
        return {**out, "status": "skipped", "reason": f"import failed: {exc}"}
    if hasattr(adapter, "prepare_query"):
        query = adapter.prepare_query(query)
    out["settings"] = adapter.settings
    out["pvalue_kind"] = adapter.pvalue_kind
    t0 = time.perf_counter()
    result = adapter.run(state, query)  # warm-up: JIT compilation, caches
    out["first_run_s"] = time.perf_counter() - t0
    for part in getattr(adapter, "parts", {}).values():
        part.clear()
    del sets
    gc.collect()
    rss_before = rss_mb()
    can_reset = reset_peak()
    # Slow tools get 3 timed runs, fast ones at least 5 and as many as fit in the budget.
    min_runs = spec.get("min_runs") or (5 if out["first_run_s"] < 2.0 else 3)
    times = timed_runs(
        adapter,
        state,
        query,
        min_runs=min_runs,
        max_runs=spec.get("max_runs", 300),
        budget_s=spec.get("budget_s", 3.0),
    )
    peak_during = hwm_mb()
    out.update(
        status="ok",
        times_s=times,
        median_s=median(times),
        runs=len(times),
        rss_before_queries_mb=rss_before,
        query_peak_delta_mb=(peak_during - rss_before)
        if (can_reset and peak_during and rss_before)
        else None,
    )
    if hasattr(adapter, "parts"):
        out["parts_median_s"] = {k: median(v) for k, v in adapter.parts.items() if v}
    if hasattr(adapter, "extra"):
        out["extra"] = adapter.extra(result)
    if spec.get("pvalues", True):
        out["pvalues"] = adapter.pvalues(result)
    series = []
    for q in spec.get("series", []):  # other queries against the same library (query-size curve)
        prepared = adapter.prepare_query(q) if hasattr(adapter, "prepare_query") else q
        adapter.run(state, prepared)
        ts = timed_runs(adapter, state, prepared, min_runs=3, max_runs=300, budget_s=1.5)
        series.append({"query_size": len(q), "median_s": median(ts), "runs": len(ts)})
    if series:
        out["series"] = series
    out["env"] = environment()
    return out


def job_reload(spec: dict) -> dict:
    """Library load times: read_gmt, save, load; resident size of a loaded library."""
    import numpy as np  # noqa: F401 - import cost outside the measurement

    import pfocr_enrich as pe

    out: dict = {"tool": "reload", "version": version_of("pfocr_enrich")}
    gmt = spec["gmt"]
    saved = spec["saved"]
    gc.collect()
    rss0 = rss_mb()
    reset_peak()
    t0 = time.perf_counter()
    lib = pe.read_gmt(gmt)
    first_gmt = time.perf_counter() - t0
    out["read_gmt_first_s"] = first_gmt
    out["resident_after_read_gmt_mb"] = rss_mb() - rss0
    out["read_gmt_peak_delta_mb"] = hwm_mb() - rss0
    t0 = time.perf_counter()
    lib.save(saved)
    out["save_s"] = time.perf_counter() - t0
    out["saved_file_mb"] = os.path.getsize(saved) / 2**20
    del lib
    gc.collect()
    gmt_times = [first_gmt]
    for _ in range(spec.get("gmt_repeats", 2)):
        t0 = time.perf_counter()
        tmp = pe.read_gmt(gmt)
        gmt_times.append(time.perf_counter() - t0)
        del tmp
        gc.collect()
    rss1 = rss_mb()
    reset_peak()
    t0 = time.perf_counter()
    lib = pe.GeneSetLibrary.load(saved)
    first_load = time.perf_counter() - t0
    out["resident_after_load_mb"] = rss_mb() - rss1
    out["load_peak_delta_mb"] = hwm_mb() - rss1
    load_times = [first_load]
    for _ in range(spec.get("load_repeats", 4)):
        t0 = time.perf_counter()
        tmp = pe.GeneSetLibrary.load(saved)
        load_times.append(time.perf_counter() - t0)
        del tmp
        gc.collect()
    out["read_gmt_s"] = gmt_times
    out["load_s"] = load_times
    out["read_gmt_median_s"] = median(gmt_times)
    out["load_median_s"] = median(load_times)
    out["sets"] = len(lib)
    out["genes"] = lib.n_genes
    out["env"] = environment()
    out["status"] = "ok"
    return out


def job_batch(spec: dict) -> dict:
    """Many queries against one library: pe.enrich in a loop, and pe.enrich_many when it exists."""
    import pfocr_enrich as pe

    out: dict = {"tool": "batch", "version": version_of("pfocr_enrich"), "status": "ok"}
    # Cap the address space: a batch call that would need more memory than this raises
    # MemoryError (recorded) instead of pushing a shared 24 GiB machine into swap or the OOM killer.
    cap_gib = spec.get("memory_cap_gib", 12)
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (int(cap_gib * 2**30), int(cap_gib * 2**30)))
        out["memory_cap_gib"] = cap_gib
    except (ImportError, ValueError, OSError):
        out["memory_cap_gib"] = None
    lib = pe.read_gmt(spec["gmt"])
    queries = spec["queries"]
    pe.enrich(queries[0], lib)  # warm-up (gene index, mapper tables)
    gc.collect()
    rss0 = rss_mb()
    reset_peak()
    budget = spec.get("loop_budget_s", 240.0)
    t0 = time.perf_counter()
    done = 0
    for q in queries:
        pe.enrich(q, lib)
        done += 1
        if time.perf_counter() - t0 > budget:
            break  # keep the suite's run time bounded; the rest is extrapolated
    total = time.perf_counter() - t0
    out["loop"] = {
        "queries": len(queries),
        "queries_run": done,
        "total_s": total if done == len(queries) else total * len(queries) / done,
        "measured_s": total,
        "extrapolated": done < len(queries),
        "peak_delta_mb": hwm_mb() - rss0,
        "per_query_ms": 1000 * total / done,
    }
    many = getattr(pe, "enrich_many", None)
    import inspect

    if many is None:
        out["enrich_many"] = {"status": "absent", "reason": "pfocr_enrich has no enrich_many (yet)"}
    elif "alpha" not in inspect.signature(many).parameters:
        # Without a row filter the result would hold queries x sets rows (1000 x 120k = 120M): not run.
        out["enrich_many"] = {
            "status": "skipped",
            "reason": "enrich_many has no alpha filter; a full table of queries x sets rows would not fit",
        }
    else:
        alpha = spec.get("alpha", 0.05)
        per_query = mem_per_query = None
        for label, qs in (
            ("enrich_many", queries),
            ("enrich_many_large", spec.get("large_queries") or []),
        ):
            if not qs:
                continue
            if per_query is not None and per_query * len(qs) > spec.get("many_budget_s", 300.0):
                out[label] = {
                    "status": "skipped",
                    "queries": len(qs),
                    "reason": f"estimated {per_query * len(qs):,.0f} s from the smaller batch; over the time budget",
                }
                continue
            if mem_per_query is not None and mem_per_query * len(qs) > 0.8 * cap_gib * 1024:
                est = mem_per_query * len(qs) / 1024
                out[label] = {
                    "status": "skipped",
                    "queries": len(qs),
                    "reason": f"estimated {est:,.1f} GiB from the smaller batch; over the {cap_gib} GiB cap",
                }
                continue
            named = {f"q{i:04d}": q for i, q in enumerate(qs)}
            gc.collect()
            rss0 = rss_mb()
            reset_peak()
            t0 = time.perf_counter()
            try:
                res = many(named, lib, alpha=alpha)
                total = time.perf_counter() - t0
                per_query = total / len(qs)
                mem_per_query = max(hwm_mb() - rss0, 0.0) / len(qs)
                out[label] = {
                    "status": "ok",
                    "queries": len(qs),
                    "total_s": total,
                    "per_query_ms": 1000 * total / len(qs),
                    "peak_delta_mb": hwm_mb() - rss0,
                    "rows": int(len(res)),
                    "settings": f"pe.enrich_many({{name: genes}}, lib, alpha={alpha}): rows with fdr <= {alpha} kept",
                }
                del res
            except MemoryError:
                out[label] = {
                    "status": "error",
                    "queries": len(qs),
                    "reason": f"MemoryError under the {cap_gib} GiB address-space cap",
                }
            except Exception as exc:  # noqa: BLE001 - record and go on
                out[label] = {
                    "status": "error",
                    "queries": len(qs),
                    "reason": f"{type(exc).__name__}: {exc}",
                }
    out["process_peak_mb"] = hwm_mb()
    out["env"] = environment()
    return out


def job_profile(spec: dict) -> dict:
    """cProfile of pe.enrich (warm) on one query: the functions where the time goes."""
    import cProfile
    import pstats

    import pfocr_enrich as pe

    lib = pe.read_gmt(spec["gmt"])
    query = spec["query"]
    pe.enrich(query, lib)
    runs = spec.get("runs", 5)
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    for _ in range(runs):
        pe.enrich(query, lib)
    prof.disable()
    wall = (time.perf_counter() - t0) / runs
    stats = pstats.Stats(prof)
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():
        short = file
        for marker in ("site-packages/", "/src/"):
            if marker in file:
                short = file.split(marker, 1)[1]
        rows.append(
            {
                "function": f"{short}:{line}({func})",
                "ncalls": nc // runs,
                "tottime_s": tt / runs,
                "cumtime_s": ct / runs,
            }
        )
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(30)
    if spec.get("text_out"):
        Path(spec["text_out"]).write_text(text.getvalue(), encoding="utf-8")
    return {
        "tool": "profile",
        "status": "ok",
        "runs": runs,
        "wall_per_run_s": wall,
        "top_tottime": sorted(rows, key=lambda r: -r["tottime_s"])[:15],
        "top_cumtime": sorted(rows, key=lambda r: -r["cumtime_s"])[:25],
    }


def main() -> int:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    jobs = {"tool": job_tool, "reload": job_reload, "batch": job_batch, "profile": job_profile}
    try:
        out = jobs[spec["job"]](spec)
    except Exception as exc:  # noqa: BLE001 - the orchestrator records the reason
        import traceback

        out = {
            "tool": spec.get("tool", spec["job"]),
            "status": "error",
            "reason": f"{type(exc).__name__}: {exc}",
            "traceback": traceback.format_exc()[-3000:],
        }
    out["process_peak_mb"] = hwm_mb()
    Path(sys.argv[2]).write_text(json.dumps(out), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
