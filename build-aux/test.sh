#!/bin/bash
# The README's test command: installs the build dependencies, then
#  1. builds Trawl and runs every test (meson test; log in _build/meson-logs);
#  2. runs the whole suite again built with AddressSanitizer and
#     UndefinedBehaviorSanitizer (_build-asan), then the engine's end-to-end
#     tests once more with LeakSanitizer on;
#  3. builds the libFuzzer targets with clang (_build-fuzz) and runs each
#     for TRAWL_FUZZ_SECONDS (default 60);
#  4. builds the Flatpak manifest against a stand-in runtime made from
#     Debian packages, installs it and runs it on the demo board
#     (build-aux/flatpak/standin.sh; 3.5 minutes from a fresh clone here,
#     more with a slow Debian mirror; TRAWL_FLATPAK=0 leaves it out).
# Extra arguments go to the first meson test only.
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/deps.sh

[ -f _build/build.ninja ] || meson setup _build
ninja -C _build
status=0
meson test -C _build --print-errorlogs "$@" || status=1

# GTK and fontconfig keep caches for the life of the process, so leaks are
# only looked for in the engine's tests, against tests/lsan.supp.
[ -f _build-asan/build.ninja ] || meson setup _build-asan -Db_sanitize=address,undefined \
  -Db_lundef=false
ninja -C _build-asan
ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C _build-asan --print-errorlogs || status=1
ASAN_OPTIONS=detect_leaks=1:fast_unwind_on_malloc=0 \
  LSAN_OPTIONS=suppressions="$PWD/tests/lsan.supp":print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  meson test -C _build-asan --print-errorlogs --logbase leaks queue cli reliability integrity \
  split hls aria2 || status=1

[ -f _build-fuzz/build.ninja ] || CC=clang meson setup _build-fuzz -Dfuzzing=true -Dgtk=false \
  -Db_sanitize=address,undefined -Db_lundef=false \
  -Dfuzz-seconds="${TRAWL_FUZZ_SECONDS:-60}"
ninja -C _build-fuzz
meson test -C _build-fuzz --print-errorlogs --suite fuzz --num-processes 1 || status=1

if [ "${TRAWL_FLATPAK:-1}" != 0 ]; then
  meson test -C _build --setup flatpak --suite flatpak --print-errorlogs \
    || status=1
fi

exit $status
