"""Write xlmhg_reference.json: XL-mHG statistics, cutoffs and p-values from the xlmhg package.

Run with xlmhg 2.5.4 (Wagner 2015) in its own environment (it needs numpy < 2):

    python -m venv /tmp/venv-mhg && /tmp/venv-mhg/bin/pip install "numpy<2" xlmhg
    /tmp/venv-mhg/bin/python tests/data/ranked/xlmhg_reference.py > tests/data/ranked/xlmhg_reference.json

On Python 3.11 xlmhg's C extension does not build, and its ``xlmhg_test``
wrapper then calls the pure-Python fallback with the C signature; so this script
calls xlmhg's pure-Python module ``xlmhg.mhg`` directly (the same recurrences:
``get_xlmhg_stat`` and ``get_xlmhg_pval1``). The cases are seeded random
rankings with members drawn towards the top.
"""

import json
import sys

import numpy as np

np.float = float  # noqa: NPY001 -- xlmhg 2.5.4 still uses the alias removed in numpy 1.24
from xlmhg import mhg  # noqa: E402

rng = np.random.default_rng(20070301)
out = []
for _ in range(150):
    N = int(rng.integers(20, 400))
    K = int(rng.integers(1, min(40, N - 1)))
    X = int(rng.integers(1, 4))
    L = int(rng.integers(max(1, N // 4), N + 1))
    weights = np.exp(-rng.uniform(0, 6) * np.arange(N) / N)
    pos = np.sort(rng.choice(N, K, replace=False, p=weights / weights.sum()))
    v = np.zeros(N, dtype=np.uint8)
    v[pos] = 1
    stat, cutoff = mhg.get_xlmhg_stat(v, X, L, 1e-12)
    pval = mhg.get_xlmhg_pval1(N, K, X, L, stat, 1e-12)
    out.append(
        {
            "N": N,
            "K": K,
            "X": X,
            "L": L,
            "positions": pos.tolist(),
            "stat": float(stat),
            "cutoff": int(cutoff),
            "pvalue": float(pval),
        }
    )
json.dump(out, sys.stdout, indent=0)
sys.stdout.write("\n")
