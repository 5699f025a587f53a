"""Derive the synthetic-library parameters from the real PFOCR samples.

    python benchmarks/derive_params.py [--shared ../shared/data] [-o benchmarks/params.json]

Reads the real GMTs in ``<shared>/pfocr_samples/`` (the 2018 4,000-paper subset,
3,415 sets, and the COVID figure collection, 216 sets) and writes the numbers
``generate.py`` uses, plus the descriptive statistics they come from, as JSON:

* set sizes: point masses at 1 and 2 genes, and a log-normal (mu, sigma of
  log size) fitted by maximum likelihood to the sizes >= 3, truncated at 3
  (the 1- and 2-gene sets are the point masses);
* gene popularity: a Zipf-Mandelbrot law ``w(r) ~ (r + q) ** -s`` for the gene
  of popularity rank r, fitted by least squares on log(sets per gene) against
  rank, and the share of sets that contain the most popular genes (hubs);
* exact duplicate sets: groups, sets in groups, redundant copies;
* the ranking of the sample's genes by popularity (Entrez ids), so the
  generator gives the real hubs (MAPK3, MAPK1, AKT1, ...) the top ranks.

Only numpy and scipy are needed.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import optimize, stats

HERE = Path(__file__).resolve().parent
DEFAULT_SHARED = HERE.parent.parent / "shared" / "data"
SAMPLES = {"pfocr2018": "pfocr2018_4000.gmt", "covid": "pfocr_covid.gmt"}


def read_gmt(path: Path) -> dict[str, list[str]]:
    sets = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                sets[parts[0]] = sorted(set(g for g in parts[2:] if g))
    return sets


def quantiles(values: np.ndarray) -> dict[str, float]:
    qs = {"min": 0, "p10": 10, "p25": 25, "median": 50, "p75": 75, "p90": 90, "p99": 99, "max": 100}
    out = {name: round(float(np.percentile(values, q)), 2) for name, q in qs.items()}
    out["mean"] = round(float(values.mean()), 2)
    return out


def fit_truncated_lognormal(sizes: np.ndarray, low: int = 3) -> tuple[float, float]:
    """MLE of (mu, sigma) for round(LogNormal) restricted to sizes >= low.

    The discrete probability of size m is the log-normal mass on [m - 0.5, m + 0.5),
    renormalised over [low - 0.5, inf).
    """
    x = sizes[sizes >= low].astype(float)
    lo, hi = np.log(x - 0.5), np.log(x + 0.5)
    floor = np.log(low - 0.5)

    def nll(theta: np.ndarray) -> float:
        mu, log_sigma = theta
        sigma = np.exp(log_sigma)
        mass = stats.norm.cdf(hi, mu, sigma) - stats.norm.cdf(lo, mu, sigma)
        norm = stats.norm.sf(floor, mu, sigma)
        return -float(np.sum(np.log(np.maximum(mass, 1e-300)) - np.log(norm)))

    start = np.array([np.log(x).mean(), np.log(np.log(x).std())])
    res = optimize.minimize(
        nll, start, method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-8}
    )
    return float(res.x[0]), float(np.exp(res.x[1]))


def fit_zipf_mandelbrot(counts_desc: np.ndarray) -> tuple[float, float, float]:
    """Least squares of log(count_r) = log(C) - s * log(r + q) over ranks r = 1..len."""
    r = np.arange(1, len(counts_desc) + 1, dtype=float)
    y = np.log(counts_desc.astype(float))

    def resid(theta: np.ndarray) -> np.ndarray:
        log_c, s, log_q = theta
        return y - (log_c - s * np.log(r + np.exp(log_q)))

    res = optimize.least_squares(resid, np.array([y[0], 1.0, 0.0]))
    log_c, s, log_q = res.x
    return float(np.exp(log_c)), float(s), float(np.exp(log_q))


def describe(sets: dict[str, list[str]]) -> dict:
    sizes = np.array([len(g) for g in sets.values()])
    n_sets = len(sizes)
    popularity = Counter(g for genes in sets.values() for g in genes)
    per_gene = np.array(sorted(popularity.values(), reverse=True))
    groups = Counter(tuple(g) for g in sets.values())
    dup_groups = [c for c in groups.values() if c > 1]
    mu, sigma = fit_truncated_lognormal(sizes)
    c, s, q = fit_zipf_mandelbrot(per_gene)
    top = popularity.most_common(10)
    return {
        "sets": n_sets,
        "genes": len(popularity),
        "memberships": int(sizes.sum()),
        "set_size": quantiles(sizes),
        "share_size_1": round(float(np.mean(sizes == 1)), 4),
        "share_size_2": round(float(np.mean(sizes == 2)), 4),
        "lognormal_size_ge3": {
            "mu": round(mu, 4),
            "sigma": round(sigma, 4),
            "median_of_lognormal": round(float(np.exp(mu)), 2),
        },
        "sets_per_gene": quantiles(per_gene),
        "share_genes_in_one_set": round(float(np.mean(per_gene == 1)), 4),
        "zipf_mandelbrot": {"s": round(s, 4), "q": round(q, 4), "C": round(c, 2)},
        "top_genes": [
            {"entrez": g, "sets": n, "share_of_sets": round(n / n_sets, 4)} for g, n in top
        ],
        "duplicates": {
            "groups": len(dup_groups),
            "sets_in_groups": int(sum(dup_groups)),
            "redundant_copies": int(sum(dup_groups) - len(dup_groups)),
            "share_sets_in_groups": round(sum(dup_groups) / n_sets, 4),
            "share_redundant": round((sum(dup_groups) - len(dup_groups)) / n_sets, 4),
            "largest_group": int(max(dup_groups, default=1)),
        },
        "gene_rank": [g for g, _ in popularity.most_common()],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--shared",
        type=Path,
        default=DEFAULT_SHARED,
        help="the shared data folder (default: %(default)s)",
    )
    ap.add_argument("-o", "--output", type=Path, default=HERE / "params.json")
    args = ap.parse_args(argv)
    folder = args.shared / "pfocr_samples"
    samples = {name: describe(read_gmt(folder / fname)) for name, fname in SAMPLES.items()}
    ref = samples["pfocr2018"]
    # The generator's parameters. Sizes and popularity come from the larger 2018 sample.
    # Hubs: the sample's top gene is in 27 % of its sets (papers, i.e. pooled figures);
    # the Zipf fit reproduces that through calibration in generate.py.
    params = {
        "source": {name: str(folder / fname) for name, fname in SAMPLES.items()},
        "generator": {
            "share_size_1": ref["share_size_1"],
            "share_size_2": ref["share_size_2"],
            "lognormal_mu": ref["lognormal_size_ge3"]["mu"],
            "lognormal_sigma": ref["lognormal_size_ge3"]["sigma"],
            "max_set_size": 1000,
            "zipf_s": ref["zipf_mandelbrot"]["s"],
            "zipf_q": ref["zipf_mandelbrot"]["q"],
            "top_gene_share_target": ref["top_genes"][0]["share_of_sets"],
            # The issue asks for ~5 % exact duplicates; the 2018 sample has 2.9 % redundant
            # copies (4.7 % of its sets are in a duplicate group). 5 % redundant copies in all.
            "duplicate_share": 0.05,
            "universe": "NCBI human protein-coding genes (ncbi_human_genes/genes.tsv)",
        },
        "samples": {
            name: {k: v for k, v in d.items() if k != "gene_rank"} for name, d in samples.items()
        },
        "gene_rank": ref["gene_rank"],
    }
    args.output.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    for name, d in samples.items():
        print(
            f"{name}: {d['sets']} sets, {d['genes']} genes; size median {d['set_size']['median']}, "
            f"share 1/2 genes {d['share_size_1']}/{d['share_size_2']}; lognormal(>=3) mu={d['lognormal_size_ge3']['mu']} "
            f"sigma={d['lognormal_size_ge3']['sigma']} (median {d['lognormal_size_ge3']['median_of_lognormal']}); "
            f"zipf s={d['zipf_mandelbrot']['s']} q={d['zipf_mandelbrot']['q']}; top gene {d['top_genes'][0]}; "
            f"duplicates {d['duplicates']}"
        )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
