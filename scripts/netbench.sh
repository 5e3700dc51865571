#!/usr/bin/env bash
# gcomp's compressed allreduce against MPI's fp32 and bf16 allreduce over a
# real, rate-limited link, wall clock (bench/RESULTS.md, "Over a real link").
#
# Creates a network namespace of its own, limits its loopback with a token
# bucket (tc tbf) to each rate in turn, and runs allreduce_perf there as P
# MPI ranks over OpenMPI's TCP transport (--mca btl tcp,self), so every byte
# between ranks crosses the limited link. allreduce_perf times, in one run,
# gcomp's allreduce, MPI_Allreduce of the fp32 vector and MPI_Allreduce of
# its bf16 copy (a user sum op). The namespace is removed on exit, whatever
# happens. Needs root (CI runs as root).
#
#   scripts/netbench.sh [-r 100mbit,1gbit,10gbit] [-p 2,4] [-s 16M,64M]
#                       [-n ITERS] [-o OUTDIR] [-t] [-- ALLREDUCE_PERF_FLAGS...]
#
# -t also runs `gcomp train --mpi` (ridge on heart_scale, 4 ranks) at each
# rate: wall time to 1e-4 per codec beside its bytes (OUTDIR/train_RATE.txt).
#
# Default codec: --codec sd --param nu=0.1 --param packing=fixed. Output:
# OUTDIR/netbench.csv (one row per rate, ranks, size), the raw logs, and a
# table on stdout with gcomp's speedup over bf16 and fp32.
set -euo pipefail
cd "$(dirname "$0")/.."

rates=100mbit,1gbit,10gbit
ranks=2,4
sizes=16M,64M
iters=5
out=build/netbench
train=0
while getopts "r:p:s:n:o:th" opt; do
  case $opt in
    r) rates=$OPTARG ;; p) ranks=$OPTARG ;; s) sizes=$OPTARG ;; n) iters=$OPTARG ;;
    o) out=$OPTARG ;; t) train=1 ;;
    *) sed -n '2,22p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(--codec sd --param nu=0.1 --param packing=fixed)

if [ "$(id -u)" != 0 ]; then
  echo "netbench: needs root (network namespaces and tc)" >&2
  exit 2
fi
. scripts/deps.sh
gcomp_need_build_tools
gcomp_need_mpi
[ $train = 0 ] || gcomp_need_heart_scale
command -v ip >/dev/null 2>&1 && command -v tc >/dev/null 2>&1 || gcomp_missing_pkgs+=(iproute2)
gcomp_install_missing
[ $train = 0 ] || gcomp_fetch_heart_scale
cmake --preset default >/dev/null
cmake --build --preset default -j "$(nproc)" --target allreduce_perf gcomp >/dev/null
perf=$PWD/build/default/allreduce_perf

ns=gcomp-netbench-$$
cleanup() { ip netns del "$ns" 2>/dev/null || true; }
trap cleanup EXIT INT TERM
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
mkdir -p "$out"
csv=$out/netbench.csv
echo "rate,ranks,bytes,gcomp_us,fp32_us,bf16_us,speedup_vs_bf16,speedup_vs_fp32,bytes_per_rank,relerr,codec_us,wire_us,vs_max,vs_sum" >"$csv"

# milliseconds of a time in microseconds
ms() { awk -v v="$1" 'BEGIN { print v / 1000 }'; }

# bits/s of a tc rate like 100mbit, 1gbit
rate_bits() {
  local v=${1%bit} m=1
  case $v in *k) m=1000 ;; *m) m=1000000 ;; *g) m=1000000000 ;; esac
  echo $(( ${v%[kmg]} * m ))
}

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# codec_ms, wire_ms: the codec work and the exchange of as many bytes, each
# alone; /max and /sum: gcomp's time over the larger and over their sum
# (1.0 /max: all overlapped; 1.0 /sum: none)
printf "%-8s %5s %6s %11s %11s %11s %9s %9s %10s %10s %6s %6s\n" rate ranks size gcomp_ms \
  fp32_ms bf16_ms "x bf16" "x fp32" codec_ms wire_ms /max /sum
IFS=, read -r -a rate_list <<<"$rates"
IFS=, read -r -a rank_list <<<"$ranks"
IFS=, read -r -a size_list <<<"$sizes"
for rate in "${rate_list[@]}"; do
  # a bucket of at least one 64 KiB loopback frame and ~4 ms at the rate
  bits=$(rate_bits "$rate")
  burst=$(( bits / 8 / 250 ))
  (( burst < 131072 )) && burst=131072
  ip netns exec "$ns" tc qdisc replace dev lo root tbf rate "$rate" burst "$burst" latency 100ms
  for P in "${rank_list[@]}"; do
    for size in "${size_list[@]}"; do
      log=$out/${rate}_np${P}_${size}.log
      timeout 1800 ip netns exec "$ns" mpirun -np "$P" --oversubscribe --bind-to none \
        --mca btl tcp,self --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
        "$perf" -b "$size" -e "$size" -n "$iters" -w 1 "${flags[@]}" >"$log" 2>&1 ||
        { echo "netbench: allreduce_perf failed at $rate, $P ranks, $size (see $log)" >&2; exit 1; }
      # the data row (nccl-tests' columns, then gcomp's): size count type redop
      # root time algbw busbw #wrong bytes/rank ratio relerr fp32 bf16 codec wire
      row=$(grep -E '^ +[0-9]+ +[0-9]+ ' "$log" | tail -1)
      read -r bytes _ _ _ _ t _ _ wrong per_rank _ relerr t32 t16 tc tw _ <<<"$row"
      [ -n "$t16" ] && [ "$wrong" = 0 ] ||
        { echo "netbench: no valid data row at $rate, $P ranks, $size (see $log)" >&2; exit 1; }
      x16=$(awk -v a="$t16" -v b="$t" 'BEGIN { printf "%.2f", a / b }')
      x32=$(awk -v a="$t32" -v b="$t" 'BEGIN { printf "%.2f", a / b }')
      vmax=$(awk -v t="$t" -v a="$tc" -v b="$tw" 'BEGIN { printf "%.2f", t / (a > b ? a : b) }')
      vsum=$(awk -v t="$t" -v a="$tc" -v b="$tw" 'BEGIN { printf "%.2f", t / (a + b) }')
      echo "$rate,$P,$bytes,$t,$t32,$t16,$x16,$x32,$per_rank,$relerr,$tc,$tw,$vmax,$vsum" >>"$csv"
      printf "%-8s %5s %6s %11.1f %11.1f %11.1f %9s %9s %10.1f %10.1f %6s %6s\n" "$rate" "$P" \
        "$size" "$(ms "$t")" "$(ms "$t32")" "$(ms "$t16")" "$x16" "$x32" "$(ms "$tc")" \
        "$(ms "$tw")" "$vmax" "$vsum"
    done
  done
  if [ $train = 1 ]; then
    tlog=$out/train_$rate.txt
    timeout 1800 ip netns exec "$ns" mpirun -np 4 --oversubscribe --bind-to none \
      --mca btl tcp,self --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
      build/default/gcomp train --problem ridge --mpi \
      --codecs identity,sd,sd-unbiased,spherical,topk:k=13 >"$tlog" 2>&1 ||
      { echo "netbench: gcomp train failed at $rate (see $tlog)" >&2; exit 1; }
    echo "== gcomp train --mpi at $rate (4 ranks, ridge, heart_scale): $tlog"
    grep -E '^(CODEC|identity|sd|spherical|topk)' "$tlog"
  fi
done
echo "netbench: $csv"
