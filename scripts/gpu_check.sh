#!/usr/bin/env bash
# The GPU check for one lent GPU machine (docs/GPU.md): one command that ends
# by itself within DEADLINE seconds (default 540: the device budget is 15
# minutes in all, its start included, at most 10 a command). Steps run in
# the order of what each teaches per second, every one under its own
# timeout and skipped when the deadline is near, each log written as it
# ends, so a killed or slow step never costs the ones before it. The check
# FAILS when the GPU suites skip on a machine that has a GPU.
#
#   OUT=<folder that comes back> scripts/gpu_check.sh
#
# Knobs (env): DEADLINE (s), TIER (1: build, smoke, GPU suites, benchmark;
# 2 (default): + small memcheck and the 13-codec 2^26 parity; 3: +
# racecheck, synccheck, 2^28 benchmark), JOBS (default nproc), OUT (logs and
# summary.txt; default build/gpu-check), BUILD_DIR (default build/gpu).
# The machine needs no GoogleTest package: copy its sources into the
# git-ignored third_party_src/googletest and carry that folder. Without a
# system NCCL, the one inside PyTorch's wheel is used.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-build/gpu-check}
mkdir -p "$OUT"
DEADLINE=${DEADLINE:-540}
TIER=${TIER:-2}
JOBS=${JOBS:-$(nproc)}
B=${BUILD_DIR:-build/gpu}
SUM=$OUT/summary.txt
: >"$SUM"
T0=$SECONDS
status=0
export PATH=/usr/local/cuda/bin:$PATH
export CUDA_MODULE_LOADING=LAZY

left() { echo $((DEADLINE - (SECONDS - T0))); }
note() { echo "[$((SECONDS - T0))s] $*" | tee -a "$SUM"; }
# step NAME MIN MAX cmd...: cmd under a timeout of min(MAX, time left), or
# skipped when fewer than MIN seconds are left. Output: $OUT/NAME.log.
step() {
  local name=$1 min=$2 max=$3 l t rc
  shift 3
  l=$(left)
  if ((l < min)); then
    note "SKIP $name (${l}s left, needs ${min}s)"
    return 99
  fi
  ((max > l)) && max=$l
  t=$SECONDS
  timeout -k 5 "$max" "$@" >"$OUT/$name.log" 2>&1
  rc=$?
  if ((rc == 0)); then note "OK   $name $((SECONDS - t))s"
  elif ((rc == 124 || rc == 137)); then note "TIME $name killed after $((SECONDS - t))s (limit ${max}s)"
  else note "FAIL $name rc=$rc $((SECONDS - t))s"; fi
  ((rc == 0)) || status=1
  return $rc
}

# ----------------------------------------------------------------- 0. probe
{
  date -u
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv 2>&1
  nvcc --version 2>&1 | tail -2
  cmake --version | head -1
  ninja --version
  gcc --version | head -1
  echo "cores $(nproc)"
  free -g | head -2
  timeout 20 python3 -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "nccl", torch.cuda.nccl.version())' 2>&1 | tail -1
} >"$OUT/env.txt" 2>&1
CS=""
for c in compute-sanitizer /usr/local/cuda/bin/compute-sanitizer \
         /usr/local/cuda/compute-sanitizer/compute-sanitizer; do
  if command -v "$c" >/dev/null 2>&1; then CS=$(command -v "$c"); break; fi
done
note "device: $(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1); sanitizer: ${CS:-none}"

# NCCL: the system's, else PyTorch's wheel (nvidia/nccl ships libnccl.so.2
# only, which find_library(nccl) misses: name it).
NCCL_ARGS=()
if ! ls /usr/include/nccl.h /usr/local/include/nccl.h /usr/local/cuda/include/nccl.h \
     >/dev/null 2>&1; then
  d=$(timeout 20 python3 -c 'import nvidia.nccl as m; print(list(m.__path__)[0])' 2>/dev/null)
  if [ -n "$d" ] && [ -f "$d/include/nccl.h" ]; then
    lib=$(ls "$d"/lib/libnccl.so* 2>/dev/null | head -1)
    NCCL_ARGS=(-DGCOMP_NCCL_INCLUDE_DIR="$d/include" -DGCOMP_NCCL_LIBRARY="$lib")
    export LD_LIBRARY_PATH="$d/lib:${LD_LIBRARY_PATH:-}"
    note "NCCL from PyTorch's wheel: $d"
  else
    note "no NCCL found: the NCCL suite and benchmark are not built"
  fi
fi

# ----------------------------------------------------------------- 1. build
# The GPU targets only (the CPU suite runs in CI). A different nvcc or gcc
# may warn where ours does not: retry once with GCOMP_WERROR=OFF and say so.
build() { # WERROR
  cmake -S . -B "$B" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DGCOMP_WERROR="$1" "${NCCL_ARGS[@]}" || return 1
  local t=(gcomp_gpu_tests gpu_bench)
  grep -q 'gcomp_nccl_tests' "$B/build.ninja" && t+=(gcomp_nccl_tests allreduce_nccl)
  cmake --build "$B" -j "$JOBS" --target "${t[@]}"
}
export B JOBS
if ! step build 60 300 bash -c "$(declare -p NCCL_ARGS); $(declare -f build); build ON"; then
  tail -30 "$OUT/build.log"
  step build_nowerror 60 300 bash -c "$(declare -p NCCL_ARGS); $(declare -f build); build OFF" ||
    { tail -40 "$OUT/build_nowerror.log"; exit 1; }
  note "NOTE: built with GCOMP_WERROR=OFF; the new warnings are in build.log"
fi
T=$B/tests/gcomp_gpu_tests

# -------------------------------------------------------- 2. does it work?
# Philox/det_math parity (the base of every randomized codec), the API's
# argument checks, the sticky status word.
step smoke 20 60 "$T" --gtest_filter='PhiloxGpu.*:DeviceApi.*:DeviceStatus.FirstFailure*:DeviceStatus.NonFinite*'
if grep -q '\[  SKIPPED \]' "$OUT/smoke.log" || ! grep -q '\[  PASSED  \]' "$OUT/smoke.log"; then
  note "ABORT: the GPU tests skip or did not run: no CUDA device visible to them (smoke.log, env.txt)"
  exit 2
fi

# Every GPU suite but the 13-codec 2^26 one, one process a test, a timeout
# each: parity of every codec, status codes, block-divergent failures, the
# device collectives at P = 2, 4, 8 on this GPU, the NCCL one-rank suite.
step ctest 90 300 ctest --test-dir "$B" -L gpu -E 'EveryCodecParity' -j 8 --timeout 170 \
  --output-on-failure
grep -E "tests passed|tests failed|\(Failed\)|\(Timeout\)|Not Run" "$OUT/ctest.log" | tail -25 | tee -a "$SUM"
if grep -q "Skipped" "$OUT/ctest.log"; then
  note "FAIL: some GPU tests skipped on a machine with a GPU:"
  grep "Skipped" "$OUT/ctest.log" | head -10 | tee -a "$SUM"
  status=1
fi

# Throughput where the targets are (2^22..2^26): encode and decode+accumulate
# as a fraction of a device-to-device copy measured in the same run.
step gpu_bench 60 200 "$B/gpu_bench" -b 22 -e 26 -r 5 -w 2
if [ -x "$B/allreduce_nccl" ]; then
  step nccl_slots 30 90 "$B/allreduce_nccl" -b 4M -e 256M -f 4 -n 10 -w 2 --codec sd \
    --param nu=0.1 --param packing=fixed --slot-bits 4 --link-gbps 10
  step nccl_exact 30 90 "$B/allreduce_nccl" -b 4M -e 256M -f 4 -n 10 -w 2 --codec sd \
    --param nu=0.1 --param packing=fixed -x exact --link-gbps 10
fi

# --------------------------------------------------- 3. tier 2, time allowing
if [ "$TIER" -ge 2 ]; then
  if [ -n "$CS" ]; then
    # tails, rotation splits, zero vectors and seeds of every codec, forged
    # payloads: the out-of-bounds guards, at small sizes
    step memcheck 90 180 "$CS" --tool memcheck --error-exitcode 9 --print-limit 20 "$T" \
      --gtest_filter='DeviceParity.ZeroVector*:EntropyParity.ZeroVectors*:BaselineParity.ZeroVectors*:SphericalParity.ZeroVectorsAndSeeds:TopkParity.Ties*:TopkStatus.EveryRejectRule*:EntropyStatus.ForgedTables*:RandkStatus.PackingsAndK*:DeviceStatus.RefusedIdentityEncodeWritesNothing'
    tail -3 "$OUT/memcheck.log" | tee -a "$SUM"
  fi
  step everycodec 150 240 "$T" --gtest_filter='EveryCodecParity.*'
fi

# ------------------------------------------------------------------ 4. tier 3
if [ "$TIER" -ge 3 ]; then
  if [ -n "$CS" ]; then
    step racecheck 60 150 "$CS" --tool racecheck --error-exitcode 9 --print-limit 20 "$T" \
      --gtest_filter='DeviceParity.ZeroVector*:EntropyParity.ZeroVectors*:TopkParity.Ties*'
    # blocks that leave while other blocks of the same launch fail
    step synccheck 40 90 "$CS" --tool synccheck --error-exitcode 9 --print-limit 20 "$T" \
      --gtest_filter='BlockSync.*:BaselineStatus.RangeRefusals*:DeviceParity.ZeroVector*'
  fi
  step gpu_bench28 60 150 "$B/gpu_bench" -b 28 -e 28 -r 3 -w 1
fi
note "done: status $status (summary.txt; per-step logs beside it)"
exit $status
