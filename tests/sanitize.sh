#!/usr/bin/env bash
# The reliability step of the test command (README, docs/reliability.md). Builds the `sanitize`
# preset's parsers of untrusted bytes under AddressSanitizer + UndefinedBehaviorSanitizer with
# coverage hooks, then fuzzes each for FUZZ_SECONDS (default 45) from its seeds and regressions;
# then builds the `tsan` preset (the engine thread and the job lanes under ThreadSanitizer) and runs
# its tests (tst_engine, a 200-job soak included).
# With --full it builds the whole preset (the engine layers and the fast core tests under the
# sanitizers, ~35 minutes here), runs those tests and fuzzes every target. Fails on any test
# failure, sanitizer report, crash, hang or escaped exception.
#   tests/sanitize.sh [--full] [FUZZ_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
if [[ "${1:-}" == "--full" ]]; then full=1; shift; fi
seconds=${1:-${REVERIE_FUZZ_SECONDS:-45}}
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:max_allocation_size_mb=2048:allocator_may_return_null=0}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
start=$(date +%s)
cmake --preset sanitize > /dev/null
if (( full )); then cmake --build --preset sanitize; else cmake --build --preset sanitize --target fuzz; fi
built=$(date +%s)
if (( full )); then ctest --test-dir build/sanitize -L sanitize --output-on-failure -j 2; fi
tested=$(date +%s)
tests/fuzz/run.sh "$seconds" build/sanitize/fuzz-out
fuzzed=$(date +%s)
cmake --preset tsan > /dev/null
cmake --build --preset tsan
QT_QPA_PLATFORM=offscreen ctest --test-dir build/tsan -L tsan --output-on-failure
echo "{\"sanitize_build_s\": $((built - start)), \"sanitize_tests_s\": $((tested - built)), \"fuzz_s\": $((fuzzed - tested)), \"tsan_s\": $(($(date +%s) - fuzzed))}"
