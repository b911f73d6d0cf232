#!/usr/bin/env bash
# Regenerates every golden file with PyTorch (Debian python3-torch, CPU). CI never runs this:
# it reads the committed files. Usage: scripts/golden.sh [script-name-substring]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c "import torch" 2>/dev/null; then
  echo "installing Debian's python3-torch (needs root)" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch libopenblas0-openmp
fi
for f in scripts/golden/*.py; do
  case "$f" in *goldenlib.py) continue;; esac
  if [ $# -gt 0 ] && [[ "$f" != *"$1"* ]]; then continue; fi
  echo "== $f"
  /usr/bin/python3 "$f"
done
