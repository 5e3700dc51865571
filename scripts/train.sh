#!/usr/bin/env bash
# Reproduces the paper's experiments (PAPER.md section 7) on heart_scale:
# ridge and logistic regression, distributed compressed gradient descent
# over 4 MPI ranks (in one process where MPI is missing), one table per
# problem (bytes to reach 1e-4 per codec) plus every curve as CSV and PNG in
# build/train/. Arguments are passed to both `gcomp train` runs. About half
# a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

gcomp_need_build_tools
gcomp_need_heart_scale
gcomp_need_gnuplot
gcomp_need_mpi
gcomp_install_missing
gcomp_fetch_heart_scale

gcomp_build_cli
out=build/train
mkdir -p "$out"

ranks=4
launch=()
if command -v mpirun >/dev/null 2>&1; then
  # root in containers, fewer cores than ranks on small machines
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  launch=(mpirun -n "$ranks" --oversubscribe)
  mode=(--mpi)
else
  echo "train: mpirun not found: the $ranks workers run in one process" >&2
  mode=(--workers "$ranks")
fi

for problem in ridge logistic; do
  echo "== $problem =="
  "${launch[@]}" build/default/gcomp train --problem "$problem" "${mode[@]}" \
    --csv "$out/$problem.csv" --plot "$out/$problem.png" "$@"
  echo
done
echo "train: tables above; curves in $out/{ridge,logistic}.{csv,png}"
