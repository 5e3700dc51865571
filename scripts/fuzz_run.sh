#!/usr/bin/env bash
# Runs every libFuzzer target in a folder for a while and fails if any of
# them fails, or if there is none to run.
#   scripts/fuzz_run.sh DIR SECONDS CORPUS_ROOT [SEED_ROOT]
# Each fuzz_NAME starts from a fresh copy of SEED_ROOT/fuzz_NAME (default:
# tests/fuzz/corpus) in CORPUS_ROOT/fuzz_NAME, so the stored corpus never
# grows; crash reproducers land next to it as CORPUS_ROOT/fuzz_NAME-crash-*.
# GCOMP_FUZZ_RUNS=N (the long run) stops each target after N executions,
# SECONDS then being only its cap; a target that hits the cap first is
# reported with the executions it reached.
set -uo pipefail

[ $# -ge 3 ] && [ $# -le 4 ] || {
  echo "usage: scripts/fuzz_run.sh DIR SECONDS CORPUS_ROOT [SEED_ROOT]" >&2; exit 2; }
dir=$1 seconds=$2 root=$3
seeds=${4:-$(cd "$(dirname "$0")/.." && pwd)/tests/fuzz/corpus}
case "$seconds" in ''|*[!0-9]*|0)
  echo "fuzz: SECONDS must be a positive integer, got '$seconds'" >&2; exit 2 ;;
esac
runs=()
if [ -n "${GCOMP_FUZZ_RUNS:-}" ]; then
  case "$GCOMP_FUZZ_RUNS" in *[!0-9]*|0)
    echo "fuzz: GCOMP_FUZZ_RUNS must be a positive integer, got '$GCOMP_FUZZ_RUNS'" >&2
    exit 2 ;;
  esac
  runs=(-runs="$GCOMP_FUZZ_RUNS")
fi

shopt -s nullglob
targets=()
for f in "$dir"/fuzz_*; do
  [ -f "$f" ] && [ -x "$f" ] && targets+=("$f")
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz_* executables in '$dir': nothing was built" >&2
  exit 1
fi

mkdir -p "$root" || exit 1
failed=()
for f in "${targets[@]}"; do
  name=$(basename "$f")
  corpus=$root/$name
  rm -rf "$corpus" && mkdir -p "$corpus" || exit 1
  if [ -d "$seeds/$name" ]; then
    cp -R "$seeds/$name/." "$corpus/" || exit 1
  fi
  log=$root/$name.log
  echo "fuzz: $name for ${GCOMP_FUZZ_RUNS:+${GCOMP_FUZZ_RUNS} runs or }${seconds}s from $(ls "$corpus" | wc -l) seeds"
  start=$SECONDS
  "$f" -max_total_time="$seconds" "${runs[@]}" -print_final_stats=1 \
       -artifact_prefix="$root/$name-" "$corpus" >"$log" 2>&1
  status=$?
  # From libFuzzer's last line, "#EXECS DONE cov: EDGES ft: FEATURES corp: N/SIZE ...".
  done_line='s/^#([0-9]+)[[:space:]]+DONE[[:space:]]+cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/'
  summary=$(sed -nE "$done_line"'execs \1, cov \2, ft \3, corpus \4/p' "$log")
  [ -z "$summary" ] || echo "fuzz: $name: $summary, $((SECONDS - start)) s"
  if [ "$status" -ne 0 ] || grep -q "ERROR: \|SUMMARY: " "$log"; then
    echo "fuzz: $name failed (exit $status); its log, $log, ends:" >&2
    tail -n 40 "$log" >&2
    failed+=("$name")
  fi
done

if [ ${#failed[@]} -ne 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets passed"
