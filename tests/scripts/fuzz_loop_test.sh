#!/usr/bin/env bash
# scripts/fuzz_run.sh against stand-in fuzzers: a crashing one and an empty
# folder must fail the loop, passing ones must not.
set -u
run=$(cd "$(dirname "$0")/../.." && pwd)/scripts/fuzz_run.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0

# expect STATUS WHAT DIR SEED_ROOT: the loop over DIR exits 0 iff STATUS is pass.
expect() {
  "$run" "$3" 1 "$tmp/work-$2" "$4" >"$tmp/$2.out" 2>&1
  local rc=$?
  if { [ "$1" = pass ] && [ $rc -ne 0 ]; } || { [ "$1" = fail ] && [ $rc -eq 0 ]; }; then
    echo "FAIL: $2: expected $1, loop exited $rc; its output:"
    cat "$tmp/$2.out"
    bad=1
  else
    echo "ok: $2 ($1, exit $rc)"
  fi
}

stand_in() { # stand_in DIR NAME BODY
  mkdir -p "$1"
  printf '#!/bin/sh\n%s\n' "$3" >"$1/$2"
  chmod +x "$1/$2"
}

mkdir -p "$tmp/seeds/fuzz_good" && echo seed >"$tmp/seeds/fuzz_good/s1"

# A passing stand-in that also checks it was started on a copy of its seeds.
good='for a; do case "$a" in -*) ;; *) [ -f "$a/s1" ] || exit 3 ;; esac; done
printf "#42\tDONE   cov: 7 ft: 9 corp: 1/1b exec/s: 42 rss: 30Mb\n"'
stand_in "$tmp/ok" fuzz_good "$good"
expect pass passing "$tmp/ok" "$tmp/seeds"
grep -q "fuzz_good: execs 42, cov 7, ft 9, corpus 1" "$tmp/passing.out" ||
  { echo "FAIL: no execs/cov summary in:"; cat "$tmp/passing.out"; bad=1; }

# As a libFuzzer target does on a heap overflow: a report on stderr, exit 1.
stand_in "$tmp/crash" fuzz_good "$good"
stand_in "$tmp/crash" fuzz_overflow 'echo "==1==ERROR: AddressSanitizer: heap-buffer-overflow" >&2
echo "SUMMARY: AddressSanitizer: heap-buffer-overflow" >&2; exit 1'
expect fail crashing "$tmp/crash" "$tmp/seeds"

# A report but exit 0 (a runtime with exitcode=0): still a failure.
stand_in "$tmp/quiet" fuzz_quiet \
  'echo "SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior" >&2'
expect fail report-exit-0 "$tmp/quiet" "$tmp/seeds"

mkdir -p "$tmp/empty"
expect fail empty-folder "$tmp/empty" "$tmp/seeds"
expect fail missing-folder "$tmp/nonexistent" "$tmp/seeds"

# The long run's count reaches the fuzzer; a count that is not one is refused.
stand_in "$tmp/runs" fuzz_runs '[ "$2" = -runs=5 ] || exit 4
printf "#5\tDONE   cov: 7 ft: 9 corp: 1/1b exec/s: 5 rss: 30Mb\n"'
GCOMP_FUZZ_RUNS=5 expect pass run-count "$tmp/runs" "$tmp/seeds"
GCOMP_FUZZ_RUNS=abc expect fail bad-run-count "$tmp/ok" "$tmp/seeds"
expect fail run-count-unset "$tmp/runs" "$tmp/seeds"

# The stored seeds are copied, never written.
[ "$(ls "$tmp/seeds/fuzz_good")" = s1 ] || { echo "FAIL: the seed folder changed"; bad=1; }
exit $bad
