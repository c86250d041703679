#!/bin/bash
# The README's run command: installs the build dependencies, builds Trawl
# and opens the window with the offline demo board (a generated board in
# the pear-video layout, served on loopback by the app itself). Without a
# display it runs the same demo with trawl-cli into ./trawl-demo.
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/deps.sh
[ -f _build/build.ninja ] || meson setup _build
ninja -C _build

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # Uninstalled: the settings schema is the one compiled in the build folder.
  GSETTINGS_SCHEMA_DIR=_build/data TRAWL_LOCALEDIR=_build/po exec _build/src/app/trawl --demo
fi

echo "No display: running the demo board with trawl-cli instead."
url_file=$(mktemp)
_build/tests/server/trawl-board-server --items 36 --size 2M --latency 30 > "$url_file" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$url_file"' EXIT
for _ in $(seq 100); do
  [ -s "$url_file" ] && break
  sleep 0.05
done
url=$(head -n1 "$url_file")

echo "Board server: $url"
TRAWL_LOCALEDIR=_build/po _build/src/cli/trawl-cli --recipe pearvideo --no-archive -o trawl-demo "$url"
