#!/usr/bin/env bash
# gcomp train over real MPI ranks must produce the very curves of the
# in-process run with as many workers: same shards, same seeds, same sums
# (rank order), so the CSVs are compared byte for byte.
# usage: train_mpi_test.sh MPIEXEC GCOMP NP
set -euo pipefail
mpiexec=$1 gcomp=$2 np=$3
dir=$(mktemp -d "${TMPDIR:-/tmp}/gcomp_train_mpi_XXXXXX")
trap 'rm -rf "$dir"' EXIT
for problem in ridge logistic; do
  args=(train --problem "$problem" --data synthetic:120,8,30 --target 1e-5 --max-iters 2000
        --codecs identity,sd,sd-unbiased,sd-unbiased:algo=dcgd,spherical:alpha=0.3,topk:k=2)
  "$gcomp" "${args[@]}" --workers "$np" --csv "$dir/local.csv" >"$dir/local.out"
  "$mpiexec" -n "$np" --oversubscribe "$gcomp" "${args[@]}" --mpi --csv "$dir/mpi.csv" \
    >"$dir/mpi.out"
  if ! cmp -s "$dir/local.csv" "$dir/mpi.csv"; then
    echo "FAIL: $problem: MPI curves differ from the in-process run" >&2
    diff "$dir/local.csv" "$dir/mpi.csv" | head -5 >&2
    exit 1
  fi
  grep -q "MPI" "$dir/mpi.out" || { echo "FAIL: $problem: the MPI run did not say so" >&2; cat "$dir/mpi.out" >&2; exit 1; }
  echo "ok: $problem, $np ranks, $(wc -l <"$dir/mpi.csv") CSV lines identical"
done
