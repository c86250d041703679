#!/bin/bash
# The README's run command: installs the build dependencies, builds Trawl,
# starts the board server (a generated pear-video style board on loopback)
# and downloads the whole board with trawl-cli into ./trawl-demo.
set -euo pipefail
cd "$(dirname "$0")/.."

build-aux/deps.sh
[ -f _build/build.ninja ] || meson setup _build
ninja -C _build

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
_build/src/cli/trawl-cli --recipe pearvideo --no-archive -o trawl-demo "$url"
