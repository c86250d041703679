#!/bin/bash
# Runs one libFuzzer target for a bounded time from its seed folders; new
# inputs go to the build folder, never into the source tree. A crash, leak
# or sanitizer report fails the test. For a longer run:
#   tests/fuzz/run-fuzzer.sh _build-fuzz/tests/fuzz/fuzz-extract 3600 tests/fixtures
set -euo pipefail
fuzzer=$1
seconds=$2
shift 2
work="$(dirname "$fuzzer")/corpus-$(basename "$fuzzer")"
mkdir -p "$work"
# libFuzzer's default failure code, 77, means "skipped" to meson.
exec "$fuzzer" "$work" "$@" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -error_exitcode=1 -print_final_stats=1 -artifact_prefix="$(dirname "$fuzzer")/crash-"
