#!/usr/bin/env bash
# mpirun for the examples in README.md and bench/RESULTS.md, on any machine:
#   scripts/mpirun.sh -n 2 build/default/allreduce_perf -b 64K -e 16M -f 4
# As root (containers, CI) OpenMPI wants OMPI_ALLOW_RUN_AS_ROOT and its
# confirmation; with more ranks than cores it wants --oversubscribe.
set -euo pipefail

command -v mpirun >/dev/null 2>&1 ||
  { echo "mpirun.sh: mpirun not found: install openmpi-bin (scripts/test.sh does)" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi

# The rank count among mpirun's own options, before the program: its
# arguments (allreduce_perf's -n is the iteration count) are not ours.
ranks=1
args=("$@")
for ((i = 0; i < ${#args[@]} - 1; i++)); do
  case "${args[i]}" in
    -n|-np|--np) ranks=${args[i + 1]} ;;
    -*) ;;
    *) [ -x "${args[i]}" ] || command -v "${args[i]}" >/dev/null 2>&1 && break ;;
  esac
done
# OpenMPI counts cores, not hardware threads; the smaller of the two
# figures is the safe one.
cores=$(lscpu -p=CORE 2>/dev/null | grep -v '^#' | sort -u | wc -l || true)
threads=$(nproc 2>/dev/null || echo 1)
[ "${cores:-0}" -ge 1 ] && [ "$cores" -lt "$threads" ] || cores=$threads
version=$(mpirun --version 2>/dev/null || true) # not a pipe: grep -q would cut it short
extra=()
if [[ "$ranks" =~ ^[0-9]+$ ]] && [ "$ranks" -gt "$cores" ] && [[ "$version" == *"Open MPI"* ]]
then
  extra=(--oversubscribe)
fi
exec mpirun "${extra[@]}" "$@"
