"""Seeded generator of realistic PFOCR-like gene-set libraries and query batches.

    python benchmarks/generate.py [--sets 10000 50000 120000 500000] [--seed 7] [--out benchmarks/data]

Writes, for each library size n:

* ``pfocr_synth_<n>.gmt``: ``<set id>\\t<description>\\t<Entrez ids...>``;
* ``pfocr_synth_<n>.json``: the parameters, the seed and the measured shape
  (set sizes, hubs, duplicates) of the library;

and one query file ``queries_<n>.json`` with the headline queries (300 genes,
random and planted), a query-size series (20-500 genes) and a batch of random
and planted-figure queries (sizes 20-500, log-uniform). ``go_query`` draws the
query for the real GO library.

The model (parameters in ``params.json``, made by ``derive_params.py`` from the
real PFOCR samples; see ``benchmarks/README.md``):

* gene universe: NCBI human protein-coding genes (~20.6k Entrez ids);
* gene popularity: Zipf-Mandelbrot ``w(r) ~ (r + q) ** -s`` over popularity
  rank r. The genes of the real 2018 sample hold the top ranks in their real
  order (so MAPK3, MAPK1, AKT1, ... are the hubs); the other genes follow in a
  seeded random order. ``q`` is calibrated so the top gene is in the same share
  of sets as in the sample (27 %);
* set size: 1 or 2 genes with the sample's point masses, otherwise
  round(LogNormal(mu, sigma)) restricted to [3, max_set_size];
* set members: drawn without replacement with probability ~ w;
* exact duplicates: copies of random sets are added until 5 % of all sets are
  redundant copies (small sets already collide by chance; those count).

Everything is a pure function of (seed, n): the same command gives the same files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parent.parent / "shared" / "data"
DEFAULT_OUT = HERE / "data"
DEFAULT_SIZES = (10_000, 50_000, 120_000, 500_000)
GENERATOR_VERSION = 3
HEADLINE_HUB_SHARE = 0.2
QUERY_SIZE_SERIES = (20, 50, 100, 200, 300, 500)


def load_params(path: Path = HERE / "params.json") -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def gene_universe(
    shared: Path, gene_rank: list[str], rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, str]]:
    """Entrez ids in popularity-rank order: the sample's genes first, then the rest shuffled."""
    symbols = {}
    protein_coding = []
    with open(shared / "ncbi_human_genes" / "genes.tsv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            symbols[row["entrez"]] = row["symbol"]
            if row["gene_type"] == "protein-coding":
                protein_coding.append(row["entrez"])
    ranked = [g for g in gene_rank if g in symbols]
    seen = set(ranked)
    rest = np.array(sorted((g for g in protein_coding if g not in seen), key=int), dtype=object)
    rng.shuffle(rest)
    return np.concatenate([np.array(ranked, dtype=object), rest]), symbols


def zipf_weights(n_genes: int, s: float, q: float) -> np.ndarray:
    w = (np.arange(1, n_genes + 1, dtype=float) + q) ** -s
    return w / w.sum()


def set_sizes(n: int, g: dict, rng: np.random.Generator) -> np.ndarray:
    u = rng.random(n)
    sizes = np.empty(n, dtype=np.int64)
    one = u < g["share_size_1"]
    two = (u >= g["share_size_1"]) & (u < g["share_size_1"] + g["share_size_2"])
    sizes[one], sizes[two] = 1, 2
    rest = ~(one | two)
    need = int(rest.sum())
    out = np.empty(0, dtype=np.int64)
    while len(out) < need:  # rejection sampling of the truncated, rounded log-normal
        draw = np.rint(
            rng.lognormal(g["lognormal_mu"], g["lognormal_sigma"], size=2 * need)
        ).astype(np.int64)
        out = np.concatenate([out, draw[(draw >= 3) & (draw <= g["max_set_size"])]])
    sizes[rest] = out[:need]
    return sizes


def expected_top_share(sizes: np.ndarray, p_top: float) -> float:
    """Share of sets that contain the top gene when members are drawn ~ w without replacement.

    Approximated by 1 - (1 - p)^m; slightly low for large sets, close enough to calibrate q.
    """
    return float(np.mean(1.0 - (1.0 - p_top) ** sizes))


def calibrate_q(sizes: np.ndarray, n_genes: int, s: float, target: float) -> float:
    """The q of the Zipf-Mandelbrot law for which the top gene is in ``target`` of the sets."""
    lo, hi = 1e-3, 1e5  # larger q flattens the head, lowering the top gene's share
    for _ in range(80):
        mid = np.sqrt(lo * hi)
        share = expected_top_share(sizes, zipf_weights(n_genes, s, mid)[0])
        lo, hi = (mid, hi) if share > target else (lo, mid)
    return float(np.sqrt(lo * hi))


def draw_members(
    sizes: np.ndarray, weights: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr, gene indices) of sets of the given sizes, members drawn ~ weights without replacement.

    Draws with replacement for all short sets at once, drops repeats, and redraws
    what is missing until every set is full (a few rounds; hubs repeat the most).
    """
    n = len(sizes)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    g = len(weights)
    done: list[np.ndarray] = []  # keys (set * g + gene) of full sets
    pending = np.empty(0, dtype=np.int64)  # keys of sets still short
    have = np.zeros(n, dtype=np.int64)
    complete = np.zeros(n, dtype=bool)
    for _ in range(1000):
        need = np.where(complete, 0, sizes - have)
        short = np.flatnonzero(need > 0)
        if short.size == 0:
            break
        owners = np.repeat(short, need[short])  # draw exactly what is missing, so no set overfills
        genes = np.minimum(np.searchsorted(cdf, rng.random(len(owners)), side="right"), g - 1)
        keys = np.sort(np.concatenate([pending, owners * g + genes]))
        keys = keys[np.r_[True, keys[1:] != keys[:-1]]]  # drop repeats
        have = np.bincount(keys // g, minlength=n)
        complete |= (have >= sizes) & ~complete & (need > 0)
        full = complete[keys // g]
        done.append(keys[full])
        pending = keys[~full]
    else:  # pragma: no cover - only with absurd parameters
        raise RuntimeError("could not fill the sets")
    keys = np.sort(np.concatenate(done))
    owner, gene = np.divmod(keys, g)
    indptr = np.r_[0, np.cumsum(np.bincount(owner, minlength=n))]
    return indptr, gene


def add_duplicates(
    indptr: np.ndarray, genes: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, int]:
    """Overwrite random sets with copies of other random sets until ``share`` of the sets are redundant copies."""
    n = len(indptr) - 1
    natural = n - _distinct_sets(indptr, genes)
    wanted = max(0, int(round(share * n)) - natural)
    if wanted == 0:
        return indptr, genes, natural
    order = rng.permutation(n)
    targets, sources = order[:wanted], order[wanted : 2 * wanted]
    rows = np.arange(n)
    rows[targets] = sources
    lengths = np.diff(indptr)[rows]
    new_indptr = np.r_[0, np.cumsum(lengths)]
    starts = indptr[rows]
    offsets = np.arange(new_indptr[-1]) - np.repeat(new_indptr[:-1], lengths)
    new_genes = genes[np.repeat(starts, lengths) + offsets]
    return new_indptr, new_genes, natural


def _distinct_sets(indptr: np.ndarray, genes: np.ndarray) -> int:
    digests = {
        hashlib.blake2b(
            genes[indptr[i] : indptr[i + 1]].astype(np.int32).tobytes(), digest_size=12
        ).digest()
        for i in range(len(indptr) - 1)
    }
    return len(digests)


def set_ids(n: int, rng: np.random.Generator) -> list[str]:
    """PFOCR-like figure ids ``PMC<id>__<name>``, about 1.2 figures per paper."""
    per_paper = rng.geometric(1 / 1.17, size=n)
    papers = np.repeat(np.arange(len(per_paper)), per_paper)[:n]
    first = np.r_[0, np.flatnonzero(np.diff(papers)) + 1]
    fig_no = np.arange(n) - np.repeat(first, np.diff(np.r_[first, n]))
    pmc = 1_000_000 + np.cumsum(rng.integers(1, 60, size=papers[-1] + 1))
    return [f"PMC{pmc[p]}__fig{f + 1:02d}" for p, f in zip(papers, fig_no, strict=True)]


def describe(
    indptr: np.ndarray,
    genes: np.ndarray,
    n_genes: int,
    universe: np.ndarray,
    symbols: dict[str, str],
) -> dict:
    sizes = np.diff(indptr)
    n = len(sizes)
    per_gene = np.bincount(genes, minlength=n_genes)
    used = per_gene[per_gene > 0]
    top = np.argsort(-per_gene, kind="stable")[:5]
    distinct = _distinct_sets(indptr, genes)
    return {
        "sets": int(n),
        "genes": int(len(used)),
        "memberships": int(sizes.sum()),
        "set_size": {
            "median": float(np.median(sizes)),
            "mean": round(float(sizes.mean()), 2),
            "p90": float(np.percentile(sizes, 90)),
            "p99": float(np.percentile(sizes, 99)),
            "max": int(sizes.max()),
            "share_1": round(float(np.mean(sizes == 1)), 4),
            "share_2": round(float(np.mean(sizes == 2)), 4),
        },
        "sets_per_gene": {"median": float(np.median(used)), "max": int(used.max())},
        "top_genes": [
            {
                "entrez": str(universe[i]),
                "symbol": symbols.get(str(universe[i]), ""),
                "share_of_sets": round(per_gene[i] / n, 4),
            }
            for i in top
        ],
        "redundant_copies_share": round((n - distinct) / n, 4),
    }


def write_gmt(
    path: Path, ids: list[str], indptr: np.ndarray, genes: np.ndarray, universe: np.ndarray
) -> None:
    """Entrez ids sorted numerically within each set, as PFOCR's GMTs are."""
    as_int = universe.astype(np.int64)
    tmp = path.with_suffix(".gmt.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for i, set_id in enumerate(ids):
            members = np.sort(as_int[genes[indptr[i] : indptr[i + 1]]])
            fh.write(
                f"{set_id}\tsynthetic PFOCR-like figure {i + 1}\t"
                + "\t".join(map(str, members))
                + "\n"
            )
    tmp.replace(path)


def make_queries(
    indptr: np.ndarray,
    genes: np.ndarray,
    universe: np.ndarray,
    weights: np.ndarray,
    rng: np.random.Generator,
    *,
    n_batch: int,
) -> dict:
    """The headline queries (300 genes), a query-size series and a batch of queries.

    Query genes are drawn among the genes present in the library. A *random*
    query draws a fraction ``hub_share`` of its genes ~ gene popularity (so it
    holds hub genes such as MAPK3 and AKT1, as lists of signalling genes do) and
    the rest uniformly. The headline and series queries use
    ``HEADLINE_HUB_SHARE`` (20 %): such a 300-gene query overlaps ~88 % of the
    sets with ~2,000 distinct (k, M) pairs, the heavy case of issue 7. Batch
    queries are half random, with ``hub_share`` uniform in [0, 0.2] (from null
    lists to hub-rich ones), and half *planted*: 30-80 % of the genes of one set
    (of >= 10 genes) plus uniform random genes.
    """
    present = np.flatnonzero(np.bincount(genes, minlength=len(universe)) > 0)
    w_present = weights[present] / weights[present].sum()
    sizes = np.diff(indptr)
    big = np.flatnonzero(sizes >= 10)

    def random_genes(size: int, exclude: set[int], hub_share: float) -> list[int]:
        chosen: list[int] = []
        taken = set(exclude)
        n_pop = int(round(size * hub_share))
        while len(chosen) < n_pop:  # popularity-weighted part, without repeats
            for c in present[rng.choice(len(present), size=2 * n_pop, p=w_present)].tolist():
                if c not in taken and len(chosen) < n_pop:
                    taken.add(c)
                    chosen.append(c)
        while len(chosen) < size:  # uniform part
            for c in present[rng.integers(0, len(present), size=size)].tolist():
                if c not in taken and len(chosen) < size:
                    taken.add(c)
                    chosen.append(c)
        return chosen

    def planted(size: int) -> tuple[list[int], int, float]:
        row = int(rng.choice(big))
        members = genes[indptr[row] : indptr[row + 1]]
        frac = float(rng.uniform(0.3, 0.8))
        take = max(2, min(len(members), int(round(frac * len(members))), size))
        core = rng.choice(members, size=take, replace=False).tolist()
        return core + random_genes(size - take, set(core), 0.0), row, take / len(members)

    def to_ids(idx: list[int]) -> list[str]:
        return [str(universe[i]) for i in idx]

    h = HEADLINE_HUB_SHARE
    headline = {
        "id": "headline_random_300",
        "kind": "random",
        "size": 300,
        "hub_share": h,
        "genes": to_ids(random_genes(300, set(), h)),
    }
    pl_genes, pl_row, pl_frac = planted(300)
    headline_planted = {
        "id": "headline_planted_300",
        "kind": "planted",
        "size": 300,
        "planted_row": pl_row,
        "planted_fraction": round(pl_frac, 3),
        "genes": to_ids(pl_genes),
    }
    series = [
        {
            "id": f"series_random_{size}",
            "kind": "random",
            "size": size,
            "hub_share": h,
            "genes": to_ids(random_genes(size, set(), h)),
        }
        for size in QUERY_SIZE_SERIES
    ]
    batch = []
    q_sizes = np.rint(np.exp(rng.uniform(np.log(20), np.log(500), size=n_batch))).astype(int)
    for i, size in enumerate(q_sizes.tolist()):
        if i % 2 == 0:
            share = round(float(rng.uniform(0.0, 0.2)), 3)
            batch.append(
                {
                    "id": f"random_{i:04d}",
                    "kind": "random",
                    "size": size,
                    "hub_share": share,
                    "genes": to_ids(random_genes(size, set(), share)),
                }
            )
        else:
            g, row, frac = planted(size)
            batch.append(
                {
                    "id": f"planted_{i:04d}",
                    "kind": "planted",
                    "size": size,
                    "planted_row": row,
                    "planted_fraction": round(frac, 3),
                    "genes": to_ids(g),
                }
            )
    return {
        "headline": headline,
        "headline_planted": headline_planted,
        "size_series": series,
        "batch": batch,
    }


def generate(
    n_sets: int, *, seed: int, out: Path, shared: Path, n_batch: int = 1000, force: bool = False
) -> dict:
    """Write the library and its queries for ``n_sets`` sets (skipped when up to date); returns the manifest."""
    out.mkdir(parents=True, exist_ok=True)
    params = load_params()
    stem = out / f"pfocr_synth_{n_sets}"
    manifest_path = stem.with_suffix(".json")
    key = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "n_sets": n_sets,
        "n_batch": n_batch,
        "generator": params["generator"],
    }
    if not force and manifest_path.exists() and stem.with_suffix(".gmt").exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("key") == key and Path(manifest["queries"]).exists():
            return manifest
    t0 = time.perf_counter()
    g = params["generator"]
    rng = np.random.default_rng([seed, n_sets])
    universe, symbols = gene_universe(shared, params["gene_rank"], rng)
    sizes = set_sizes(n_sets, g, rng)
    q = calibrate_q(sizes, len(universe), g["zipf_s"], g["top_gene_share_target"])
    weights = zipf_weights(len(universe), g["zipf_s"], q)
    indptr, genes = draw_members(sizes, weights, rng)
    indptr, genes, natural = add_duplicates(indptr, genes, g["duplicate_share"], rng)
    ids = set_ids(n_sets, rng)
    write_gmt(stem.with_suffix(".gmt"), ids, indptr, genes, universe)
    queries = make_queries(indptr, genes, universe, weights, rng, n_batch=n_batch)
    queries_path = out / f"queries_{n_sets}.json"
    queries_path.write_text(json.dumps(queries) + "\n", encoding="utf-8")
    manifest = {
        "key": key,
        "gmt": str(stem.with_suffix(".gmt")),
        "queries": str(queries_path),
        "zipf_q_calibrated": round(q, 4),
        "natural_redundant_share": round(natural / n_sets, 4),
        "shape": describe(indptr, genes, len(universe), universe, symbols),
        "seconds": round(time.perf_counter() - t0, 2),
    }
    manifest_path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def go_query(gmt: Path, *, seed: int, size: int = 300) -> list[str]:
    """A seeded random query for the GO workload: ``size`` genes drawn uniformly from its genes."""
    genes: set[str] = set()
    with open(gmt, encoding="utf-8") as fh:
        for line in fh:
            genes.update(g for g in line.rstrip("\n").split("\t")[2:] if g)
    ordered = np.array(sorted(genes, key=int), dtype=object)
    rng = np.random.default_rng([seed, 0x60])
    return rng.choice(ordered, size=size, replace=False).tolist()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sets", type=int, nargs="+", default=list(DEFAULT_SIZES))
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--batch", type=int, default=1000, help="queries per batch file (default: %(default)s)"
    )
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    ap.add_argument(
        "--force", action="store_true", help="regenerate even when the files are up to date"
    )
    args = ap.parse_args(argv)
    for n in args.sets:
        m = generate(
            n,
            seed=args.seed,
            out=args.out,
            shared=args.shared,
            n_batch=args.batch,
            force=args.force,
        )
        s = m["shape"]
        print(
            f"{n:>7,} sets: {s['genes']:,} genes, {s['memberships']:,} memberships, size median {s['set_size']['median']:g} "
            f"(1: {s['set_size']['share_1']:.1%}, 2: {s['set_size']['share_2']:.1%}, max {s['set_size']['max']}), "
            f"top gene {s['top_genes'][0]['symbol']} in {s['top_genes'][0]['share_of_sets']:.1%}, "
            f"redundant copies {s['redundant_copies_share']:.1%} (natural {m['natural_redundant_share']:.1%}); {m['seconds']} s"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
