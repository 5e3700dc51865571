#!/usr/bin/env bash
# Everything the GPU path needs checked, in one go, on a machine with a GPU
# (the project's lent H100 included: nvcc, CMake and ninja, maybe no
# GoogleTest package and no MPI). Builds, runs the GPU test suite, runs it
# again under compute-sanitizer (memcheck, racecheck; synccheck on the
# block-exit suites) on sizes that keep it
# short, then the GPU benchmark. Logs go to $OUT (or build/gpu-check).
#
#   scripts/gpu_check.sh [quick]     # quick: tests and sanitizers only
#
# Without a GoogleTest package, copy its sources first (git-ignored):
#   mkdir -p third_party_src && cp -r /usr/src/googletest third_party_src/
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-build/gpu-check}
mkdir -p "$out"
status=0
step() { echo "== $*" | tee -a "$out/summary.txt"; }
record() { # NAME RC
  echo "   $1: $([ "$2" = 0 ] && echo ok || echo "FAILED ($2)")" | tee -a "$out/summary.txt"
  [ "$2" = 0 ] || status=1
}

step "device"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader \
  2>&1 | tee -a "$out/summary.txt"

step "build (preset default, CUDA for sm_90)"
cmake --preset default >"$out/configure.log" 2>&1 &&
  cmake --build --preset default -j "$(nproc)" >"$out/build.log" 2>&1
rc=$?
record build $rc
[ $rc = 0 ] || { tail -40 "$out/build.log"; exit 1; }
bin=build/default

step "GPU tests (ctest -L gpu)"
(cd $bin && ctest -L gpu --output-on-failure -j 4) >"$out/gpu_tests.log" 2>&1
record gpu_tests $?
grep -E "tests passed|Skipped|Failed|\*\*\*" "$out/gpu_tests.log" | tail -20

if command -v compute-sanitizer >/dev/null 2>&1; then
  # every codec and size up to 2^20 + 7; the 2^26 cases only cost time here
  filter='--gtest_filter=-*TwoToThe*'
  for tool in memcheck racecheck; do
    step "compute-sanitizer --tool $tool"
    compute-sanitizer --tool $tool --error-exitcode 9 \
      $bin/tests/gcomp_gpu_tests "$filter" >"$out/sanitizer_$tool.log" 2>&1
    record "$tool" $?
    tail -3 "$out/sanitizer_$tool.log"
  done
  # blocks that exit early while other blocks of the launch fail
  step "compute-sanitizer --tool synccheck"
  compute-sanitizer --tool synccheck --error-exitcode 9 \
    $bin/tests/gcomp_gpu_tests '--gtest_filter=BlockSync.*:BaselineStatus.RangeRefusals*' \
    >"$out/sanitizer_synccheck.log" 2>&1
  record synccheck $?
  tail -3 "$out/sanitizer_synccheck.log"
else
  step "compute-sanitizer not found: skipped"
fi

if [ "${1:-}" != quick ]; then
  step "GPU benchmark (bench/gpu/gpu_bench)"
  $bin/gpu_bench >"$out/gpu_bench.txt" 2>"$out/gpu_bench.err"
  record gpu_bench $?
  cat "$out/gpu_bench.txt"
  if [ -x $bin/allreduce_nccl ]; then
    step "NCCL allreduce benchmark, one rank"
    $bin/allreduce_nccl -b 1M -e 256M -f 4 -c sd -p nu=0.1 -p packing=fixed --link-gbps 10 \
      >"$out/allreduce_nccl.txt" 2>&1
    record allreduce_nccl $?
    cat "$out/allreduce_nccl.txt"
  fi
fi
exit $status
