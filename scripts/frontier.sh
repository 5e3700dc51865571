#!/usr/bin/env bash
# Builds gcomp and runs the frontier: every codec's parameter swept, bits per
# coordinate against measured distortion next to the lower bounds, with a
# CSV and a PNG in build/. Arguments replace the defaults below (see
# `gcomp bench-bits --frontier --help`). A few minutes at most on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

gcomp_need_build_tools
gcomp_need_heart_scale
gcomp_need_gnuplot
gcomp_install_missing
gcomp_fetch_heart_scale

gcomp_build_cli
[ $# -gt 0 ] || set -- --csv build/frontier.csv --plot build/frontier.png
exec build/default/gcomp bench-bits --frontier "$@"
