#!/usr/bin/env bash
# Runs every fuzz executable of the `sanitize` preset for SECONDS each (default 60) from its seeds
# (targets.txt) and its regressions, and fails on the first crash, hang, sanitizer report or
# escaped exception; what failed is saved under OUT/<target>/ (crash-*, timeout-*): copy it to
# tests/fuzz/regressions/<target>/ with the fix. Prints one JSON line per target and a summary.
#   tests/fuzz/run.sh [SECONDS] [OUT]        (after: cmake --preset sanitize && cmake --build --preset sanitize)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-60}
out=${2:-build/sanitize/fuzz-out}
bin=build/sanitize/fuzz
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:max_allocation_size_mb=2048:allocator_may_return_null=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export OMP_NUM_THREADS=1
status=0
total=0
ran=0
while read -r target folders; do
  [[ -z "$target" || "$target" == \#* ]] && continue
  if [[ ! -x "$bin/fuzz_$target" ]]; then echo "{\"target\": \"$target\", \"built\": false}"; continue; fi
  ran=$((ran + 1))
  dirs=(tests/fuzz/regressions/"$target")
  for f in $folders; do dirs+=("$f"); done
  mkdir -p "$out/$target"
  log="$out/$target/log.txt"
  if "$bin/fuzz_$target" --seconds "$seconds" --timeout 20 --out "$out/$target" "${dirs[@]}" > "$log" 2>&1; then
    line=$(tail -n 1 "$log")
    echo "{\"target\": \"$target\", ${line#\{}"
    total=$((total + $(sed -E 's/.*"execs": ([0-9]+).*/\1/' <<< "$line")))
  else
    status=1
    echo "{\"target\": \"$target\", \"failed\": true, \"log\": \"$log\"}"
    tail -n 40 "$log" >&2
  fi
done < tests/fuzz/targets.txt
if (( ran == 0 )); then echo "run.sh: no fuzz executable in $bin (cmake --build --preset sanitize --target fuzz)" >&2; exit 1; fi
echo "{\"fuzz_seconds_per_target\": $seconds, \"targets\": $ran, \"executions\": $total, \"passed\": $([[ $status == 0 ]] && echo true || echo false)}"
exit $status
