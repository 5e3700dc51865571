#!/usr/bin/env bash
# Builds gcomp and runs the demo: `gcomp bench-bits` on its defaults (bits
# per coordinate, distortion and distance to the lower bounds per codec).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

for t in cmake ninja gcc g++; do gcomp_need_tool "$t"; done
gcomp_need_heart_scale
gcomp_need_gnuplot # for the frontier's plot (scripts/frontier.sh)
gcomp_install_missing
gcomp_fetch_heart_scale

cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)" --target gcomp_cli
exec build/default/gcomp bench-bits "$@"
