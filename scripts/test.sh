#!/usr/bin/env bash
# Builds gcomp and runs its whole test suite.
#   scripts/test.sh          release build (+ CUDA kernels when nvcc exists)
#   scripts/test.sh cpu      the same without CUDA
#   scripts/test.sh clang    the CPU build made with clang
#   scripts/test.sh asan     the same suite under AddressSanitizer + UBSan
#   scripts/test.sh tsan     the threaded tests under ThreadSanitizer
#   scripts/test.sh fuzz     builds the libFuzzer targets and runs each for
#                            GCOMP_FUZZ_SECONDS (default 20) from the stored
#                            corpus (scripts/fuzz_run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

preset=${1:-default}
case "$preset" in default|cpu|clang|asan|tsan|fuzz) ;; *)
  echo "usage: scripts/test.sh [default|cpu|clang|asan|tsan|fuzz]" >&2; exit 2 ;;
esac
gcomp_need_build_tools
case "$preset" in clang|tsan|fuzz) gcomp_need_tool clang ;; esac
[ "$preset" = fuzz ] || gcomp_need_gtest
[ "$preset" = fuzz ] || gcomp_need_mpi
case "$preset" in default|cpu|clang) gcomp_need_python_tests ;; esac
gcomp_need_heart_scale
gcomp_install_missing
gcomp_fetch_heart_scale

jobs=$(nproc 2>/dev/null || echo 2)
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" -j "$jobs"
case "$preset" in
  fuzz)
    scripts/fuzz_run.sh build/fuzz/tests/fuzz "${GCOMP_FUZZ_SECONDS:-20}" build/fuzz/corpus ;;
  tsan)
    # Only the cases that run threads (codecs shared across threads, the
    # pool's workers inside one call, the in-process collectives): the rest
    # of the suite is single-threaded.
    TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}" \
      build/tsan/tests/gcomp_tests --gtest_filter='Concurrency.*:Threads.*:LocalGroup.*:Ranks/Local.*' ;;
  *)
    ctest --preset "$preset" -j "$jobs" --no-tests=error ;;
esac
