#!/usr/bin/env bash
# Builds gcomp and runs its whole test suite.
#   scripts/test.sh          release build (+ CUDA kernels when nvcc exists)
#   scripts/test.sh asan     the same suite under AddressSanitizer + UBSan
#   scripts/test.sh fuzz     builds the libFuzzer targets and runs each briefly
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

preset=${1:-default}
case "$preset" in default|cpu|asan|fuzz) ;; *)
  echo "usage: scripts/test.sh [default|cpu|asan|fuzz]" >&2; exit 2 ;;
esac
gcomp_need_build_tools
[ "$preset" = fuzz ] && gcomp_need_tool clang
[ "$preset" = fuzz ] || gcomp_need_gtest
[ "$preset" = fuzz ] || gcomp_need_mpi
gcomp_need_heart_scale
gcomp_install_missing
gcomp_fetch_heart_scale

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
if [ "$preset" = fuzz ]; then
  seconds=${GCOMP_FUZZ_SECONDS:-20}
  for f in build/fuzz/tests/fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    corpus=build/fuzz/corpus-$name   # libFuzzer adds to its corpus: keep it out of the tree
    mkdir -p "$corpus"
    echo "fuzz: $name for ${seconds}s"
    "$f" -max_total_time="$seconds" -print_final_stats=1 "$corpus" 2>&1 |
      grep -E "stat::number_of_executed_units|ERROR|SUMMARY" || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || { echo "fuzz: $name failed" >&2; exit 1; }
  done
else
  ctest --preset "$preset" -j "$jobs" --no-tests=error
fi
