#!/bin/bash
# The README's test command: installs the build dependencies, builds Trawl
# and runs every test (meson test; the log is in _build/meson-logs).
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/deps.sh
[ -f _build/build.ninja ] || meson setup _build
ninja -C _build
meson test -C _build --print-errorlogs "$@"
