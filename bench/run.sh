#!/bin/bash
# Trawl's benchmarks, one command: installs the peers (wget2, aria2, curl,
# nginx, the Python crawlers' libraries) from Debian's packages, makes a
# release build in _build-bench, and runs bench/bench.py, which writes
# bench/results/results.md and PNG plots. Takes about a quarter of an hour.
# TRAWL_BENCH_QUICK=1 runs fewer repetitions. `bench/run.sh board-before`
# with TRAWL_BENCH_BEFORE=<the _build-bench of an earlier commit> (and
# TRAWL_BENCH_BEFORE_LABEL) measures scenario 7 on that build too.
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/deps.sh
packages=(wget2 aria2 curl nginx-light python3-requests python3-aiohttp python3-lxml
          python3-matplotlib time valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

[ -f _build-bench/build.ninja ] || meson setup _build-bench --buildtype=release
ninja -C _build-bench
exec /usr/bin/python3 bench/bench.py "$@"
