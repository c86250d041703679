#!/bin/bash
# Installs what building and testing Trawl needs, from Debian's packages.
# Does nothing (and needs no network) when everything is already there.
set -euo pipefail

# Everything meson finds with find_program() is here: a tool missing on a
# fresh machine must stop the build, never make a test disappear.
packages=(
  gcc meson ninja-build pkg-config gettext python3
  libglib2.0-dev libglib2.0-bin libsoup-3.0-dev libxml2-dev libjson-glib-dev
  libgnutls28-dev libgtk-4-dev libadwaita-1-dev libsecret-1-dev libxtst-dev adwaita-icon-theme gtk-update-icon-cache desktop-file-utils
  xvfb xauth dbus librsvg2-common fonts-noto-cjk imagemagick
  at-spi2-core python3-pyatspi  # the window read as a screen reader reads it
  clang libclang-rt-14-dev locales appstream
  nginx-light  # an HTTP/2 server for the tests (its certificate is in tests/fixtures)
  aria2  # the remote download backend's tests run a real aria2c
  gnome-keyring  # and keep its secret in a real keyring
  # GStreamer's discoverer checks that a joined HLS stream plays (TS and MP4 demuxers)
  gstreamer1.0-plugins-base-apps gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The translation test runs under LANG=zh_CN.UTF-8.
if ! locale -a 2>/dev/null | grep -qix 'zh_CN.utf8'; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
  fi
  echo "Generating the zh_CN.UTF-8 locale"
  $sudo localedef -i zh_CN -c -f UTF-8 -A /usr/share/locale/locale.alias zh_CN.UTF-8
fi
