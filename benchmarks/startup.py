"""Wall time of the command line in a new process, beside a peer's (issue 12 item 6b).

What a user waits for when they type ``pfocr-enrich genes.txt``: a new Python,
the imports, the embedded library, the identifier tables, the test and the table.
Each command runs ``--runs`` times, interleaved with the others so that they share
the machine's load; the table gives the median and the minimum wall time, the
median CPU time (user + system of the child, less sensitive to other processes
on a shared machine) and the load average.

The peer is gseapy's own command line, ``gseapy enrichr`` on the same genes and
the same library written as GMT (offline: a GMT file needs no Enrichr server);
where gseapy is not installed the row says so. ``import gseapy`` and ``import
pfocr_enrich`` are measured too, so the import share of each is visible.

    python benchmarks/startup.py                 # this checkout's src/, 10 runs
    python benchmarks/startup.py --runs 20 --src /path/to/other/checkout/src

Needs nothing but the project's environment (``numpy``, ``pandas``, ``scipy``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GENES = ROOT / "examples" / "interferon_genes.txt"
# Exactly what the installed ``pfocr-enrich`` script runs.
OURS_CLI = "import sys; from pfocr_enrich.cli import main; sys.exit(main())"


def _run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system of the child) of one run; raises if it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-800:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _commands(src: Path, work: Path) -> tuple[dict[str, list[str]], dict[str, str], dict[str, str]]:
    """The commands to time (name -> argv), the environment, and the reasons rows are missing."""
    env = dict(os.environ, PYTHONPATH=str(src))  # the warm-up run writes the bytecode
    py = sys.executable
    commands = {
        "python (empty)": [py, "-c", "pass"],
        "import pfocr_enrich": [py, "-c", "import pfocr_enrich"],
        "pfocr-enrich genes.txt": [py, "-c", OURS_CLI, str(GENES)],
    }
    skipped: dict[str, str] = {}
    probe = subprocess.run([py, "-c", "import gseapy"], env=env, capture_output=True, check=False)
    if probe.returncode != 0:
        skipped["gseapy"] = "gseapy is not installed in this interpreter"
        return commands, env, skipped
    gmt = work / "sample.gmt"
    subprocess.run(
        [py, "-c", f"import pfocr_enrich as pe; pe.sample_library().to_gmt({str(gmt)!r})"],
        env=env,
        check=True,
    )
    commands["import gseapy"] = [py, "-c", "import gseapy"]
    gseapy_cli = shutil.which("gseapy", path=str(Path(py).parent)) or shutil.which("gseapy")
    if gseapy_cli is None:
        skipped["gseapy enrichr"] = "the gseapy script is not on PATH"
    else:
        out = work / "gseapy_out"
        commands["gseapy enrichr (same genes, same GMT)"] = [
            gseapy_cli,
            "enrichr",
            "-i",
            str(GENES),
            "-g",
            str(gmt),
            "--no-plot",
            "-o",
            str(out),
        ]
    return commands, env, skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default 10)")
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the pfocr_enrich to time")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        commands, env, skipped = _commands(args.src.resolve(), Path(tmp))
        for cmd in commands.values():  # warm the file cache and the bytecode of each once
            _run_once(cmd, env)
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        loads = []
        for _ in range(args.runs):
            for name, cmd in commands.items():
                times[name].append(_run_once(cmd, env))
            loads.append(os.getloadavg()[0])
    rows = {}
    for name, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        rows[name] = {
            "wall_median": statistics.median(walls),
            "wall_min": min(walls),
            "cpu_median": statistics.median(cpus),
        }
    print(f"# New-process wall time ({args.runs} runs each, interleaved)\n")
    print(f"src: {args.src}; python {sys.version.split()[0]}; cores: {os.cpu_count()}; ", end="")
    print(f"load average (1 min) during the runs: median {statistics.median(loads):.2f}\n")
    print("| command | wall median (s) | wall min (s) | CPU median (s) |")
    print("| --- | ---: | ---: | ---: |")
    for name, row in rows.items():
        print(
            f"| {name} | {row['wall_median']:.3f} | {row['wall_min']:.3f} | {row['cpu_median']:.3f} |"
        )
    for name, reason in skipped.items():
        print(f"| {name} | skipped: {reason} | | |")
    ours = rows["pfocr-enrich genes.txt"]
    peer_name = next((n for n in rows if n.startswith("gseapy enrichr")), "import gseapy")
    if peer_name in rows:
        peer = rows[peer_name]
        print(
            f"\nratio pfocr-enrich / {peer_name}: wall {ours['wall_median'] / peer['wall_median']:.2f}, "
            f"CPU {ours['cpu_median'] / peer['cpu_median']:.2f}"
        )
    if args.json:
        record = {"runs": args.runs, "load_median": statistics.median(loads), "rows": rows}
        args.json.write_text(json.dumps(record | {"skipped": skipped}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
