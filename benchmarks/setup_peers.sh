#!/usr/bin/env bash
# Make the benchmark environment benchmarks/.venv-peers: this package plus the peer tools.
#
#   bash benchmarks/setup_peers.sh            # create or update
#   PYTHON=python3.11 bash benchmarks/setup_peers.sh
#
# Each peer is installed on its own, so one that cannot install does not stop the others;
# run.py then records the reason (import error) and skips it.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv" || exit 1
fi
pip="$venv/bin/python -m pip"
$pip install --quiet --upgrade pip || true
# This package (editable, so the benchmark measures the working tree) and the measurement helpers.
$pip install --quiet -e "$repo" || exit 1
$pip install --quiet pyinstrument threadpoolctl || true

status="$here/.venv-peers/install-status.txt"
: > "$status"
for peer in gseapy pyenrichr decoupler goatools genesets; do
    if $pip install --quiet "$peer" > "$here/.venv-peers/install-$peer.log" 2>&1; then
        echo "$peer ok" | tee -a "$status"
    else
        echo "$peer FAILED (see benchmarks/.venv-peers/install-$peer.log)" | tee -a "$status"
        tail -n 5 "$here/.venv-peers/install-$peer.log"
    fi
done
$venv/bin/python -m pip list 2>/dev/null | grep -i -E "^(pfocr|gseapy|pyenrichr|decoupler|goatools|genesets|numpy|scipy|pandas) " || true
