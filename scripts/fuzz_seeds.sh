#!/usr/bin/env bash
# Rebuilds the stored seed corpus, tests/fuzz/corpus/<target>/: inputs made
# from real payloads of every codec and packing (tests/fuzz/make_seeds.c),
# cut by libFuzzer's -merge=1 to those that add coverage.
#   scripts/fuzz_seeds.sh           from the real payloads only
#   scripts/fuzz_seeds.sh --grown   also what a fuzz run left in build/fuzz/corpus
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

grown=0
case "${1:-}" in '') ;; --grown) grown=1 ;; *)
  echo "usage: scripts/fuzz_seeds.sh [--grown]" >&2; exit 2 ;;
esac
gcomp_need_build_tools
gcomp_need_tool clang
gcomp_install_missing
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$(nproc 2>/dev/null || echo 2)"

bin=build/fuzz/tests/fuzz
raw=build/fuzz/seeds
rm -rf "$raw"
"$bin/make_seeds" "$raw"
for f in "$bin"/fuzz_*; do
  name=$(basename "$f")
  out=tests/fuzz/corpus/$name
  from=("$raw/$name")
  [ $grown = 1 ] && [ -d "build/fuzz/corpus/$name" ] && from+=("build/fuzz/corpus/$name")
  rm -rf "$out" && mkdir -p "$out"
  "$f" -merge=1 "$out" "${from[@]}" >"build/fuzz/merge-$name.log" 2>&1 ||
    { tail -n 20 "build/fuzz/merge-$name.log" >&2; exit 1; }
  echo "seeds: $name $(ls "$out" | wc -l) files, $(cat "$out"/* | wc -c) bytes"
done
echo "seeds: total $(cat tests/fuzz/corpus/*/* | wc -c) bytes"
