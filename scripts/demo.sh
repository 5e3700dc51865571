#!/usr/bin/env bash
# Builds gcomp and runs the demo: `gcomp bench-bits` on its defaults (bits
# per coordinate, distortion and distance to the lower bounds per codec).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

gcomp_need_build_tools
gcomp_need_heart_scale
gcomp_need_gnuplot # for the frontier's plot (scripts/frontier.sh)
gcomp_install_missing
gcomp_fetch_heart_scale

gcomp_build_cli
exec build/default/gcomp bench-bits "$@"
