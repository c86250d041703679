#!/bin/bash
# Builds, installs and runs the real Flatpak manifest on a machine that
# cannot reach the Flatpak remotes: a stand-in runtime and SDK are made from
# Debian 12 packages (debootstrap), exported to a local repository, and the
# manifest is built against them with flatpak-builder (only the runtime and
# SDK names and version are substituted). The app is then installed from a
# local repository and started with `flatpak run` under Xvfb on its demo
# board, in Chinese, whose videos must land in the sandbox's Downloads
# folder; its trawl-cli must speak Chinese too (translations come in the
# app's Locale extension).
# Everything is kept under _build-flatpak/ (the Debian tree is reused).
#
# With --tap (how meson runs it, in the test setup "flatpak"), the output
# goes to _build-flatpak/standin.log and stdout gets one TAP result.
set -euo pipefail
cd "$(dirname "$0")/../.."

root=$PWD
work=$root/_build-flatpak

if [ "${1:-}" = --tap ]; then
  mkdir -p "$work"
  echo "1..1"
  if "$0" > "$work/standin.log" 2>&1; then
    echo "ok 1 - $(grep '^Videos downloaded' "$work/standin.log") ($SECONDS s)"
    exit 0
  fi
  echo "not ok 1 - the stand-in Flatpak failed after $SECONDS s; the end of $work/standin.log:"
  tail -n 40 "$work/standin.log" | sed 's/^/# /'
  exit 1
fi
tree=$work/debian
mirror=${TRAWL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
branch=12
platform=io.github.trawl.Standin.Platform
sdk=io.github.trawl.Standin.Sdk
export FLATPAK_USER_DIR=$work/flatpak-user
home=$work/home

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
need=()
for p in flatpak flatpak-builder debootstrap bubblewrap elfutils xvfb xauth imagemagick; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
fi

# What the app needs at run time, and what building it needs.
runtime_packages="libglib2.0-0 libglib2.0-bin glib-networking libsoup-3.0-0 libxml2
  libjson-glib-1.0-0 libgtk-4-1 libadwaita-1-0 libsecret-1-0 librsvg2-common adwaita-icon-theme
  fonts-dejavu-core fonts-wqy-microhei shared-mime-info ca-certificates locales"
sdk_packages="gcc libc6-dev meson ninja-build pkg-config gettext libglib2.0-dev
  libsoup-3.0-dev libxml2-dev libjson-glib-dev libgnutls28-dev libgtk-4-dev libadwaita-1-dev
  libsecret-1-dev desktop-file-utils appstream appstream-util elfutils"

mkdir -p "$work"
# The tree is reused while the package lists stay the same.
wanted="$runtime_packages $sdk_packages"
if [ "$(cat "$tree/.complete" 2>/dev/null)" != "$wanted" ]; then
  [ -f "$tree/.base" ] || {
    $sudo rm -rf "$tree"
    $sudo debootstrap --variant=minbase bookworm "$tree" "$mirror"
    touch "$tree/.base"
  }
  # apt in the tree resolves what debootstrap's own resolver cannot.
  $sudo mount -t proc proc "$tree/proc"
  trap '$sudo umount "$tree/proc" 2>/dev/null || true' EXIT
  $sudo chroot "$tree" apt-get update -q
  # shellcheck disable=SC2086
  $sudo chroot "$tree" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $runtime_packages $sdk_packages
  $sudo chroot "$tree" apt-get clean
  $sudo umount "$tree/proc"
  trap - EXIT
  $sudo chroot "$tree" ldconfig
  # The GNOME runtime brings its locales as an extension; here they are baked in.
  echo "zh_CN.UTF-8 UTF-8" | $sudo tee "$tree/etc/locale.gen" > /dev/null
  $sudo chroot "$tree" locale-gen
  $sudo chroot "$tree" glib-compile-schemas /usr/share/glib-2.0/schemas
  echo "$wanted" > "$tree/.complete"
fi

# A Flatpak runtime is /usr (files/) plus /etc (files/etc) and a metadata file.
make_runtime () {
  local id=$1 dir=$work/$2
  rm -rf "$dir"
  mkdir -p "$dir/files"
  cp -a "$tree/usr/." "$dir/files/"
  cp -a "$tree/etc" "$dir/files/etc"
  cat > "$dir/metadata" <<META
[Runtime]
name=$id
runtime=$platform/x86_64/$branch
sdk=$sdk/x86_64/$branch
META
  flatpak build-export --runtime --files=files "$work/runtime-repo" "$dir" "$branch"
  rm -rf "$dir"   # the repository has it now
}

# Platform and SDK share one tree here: small enough, and the app sees
# exactly the libraries it was built against.
make_runtime "$platform" platform
make_runtime "$sdk" sdk

flatpak remote-add --user --if-not-exists --no-gpg-verify trawl-standin "$work/runtime-repo"
flatpak install --user -y --noninteractive --reinstall trawl-standin \
  "$platform//$branch" "$sdk//$branch"

# The real manifest, with only the runtime names and version swapped.
sed -e "s/\"org.gnome.Platform\"/\"$platform\"/" -e "s/\"org.gnome.Sdk\"/\"$sdk\"/" \
    -e "s/\"runtime-version\": \"[^\"]*\"/\"runtime-version\": \"$branch\"/" \
    -e "s|\"path\": \"../..\"|\"path\": \"$root\"|" \
    build-aux/flatpak/io.github.trawl.Trawl.json > "$work/manifest.json"

flatpak-builder --user --force-clean --disable-rofiles-fuse --delete-build-dirs \
  --repo="$work/app-repo" \
  --state-dir="$work/builder-state" "$work/app-build" "$work/manifest.json"
flatpak remote-add --user --if-not-exists --no-gpg-verify trawl-app "$work/app-repo"
# flatpak-builder puts the translations in io.github.trawl.Trawl.Locale,
# which flatpak installs beside the app for the languages it is told of.
flatpak config --user --set languages "en;zh"
flatpak install --user -y --noninteractive --reinstall trawl-app io.github.trawl.Trawl

# Run it as a user would, on the offline demo board, in Chinese.
rm -rf "$home"
mkdir -p "$home/Downloads" "$home/.config"
# The host's Downloads folder, which --filesystem=xdg-download shares.
echo 'XDG_DOWNLOAD_DIR="$HOME/Downloads"' > "$home/.config/user-dirs.dirs"
for p in dbus-daemon; do command -v $p > /dev/null || {
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends dbus; }; done
HOME=$home \
  dbus-run-session -- xvfb-run -a -s "-screen 0 1100x760x24" bash -c "
    flatpak run --user --env=GSK_RENDERER=cairo --env=LANG=zh_CN.UTF-8 \
      --env=LC_ALL=zh_CN.UTF-8 io.github.trawl.Trawl --demo &
    app=\$!
    for _ in \$(seq 120); do
      [ \"\$(find '$home/Downloads' -name '*.mp4' 2>/dev/null | wc -l)\" -ge 24 ] && break
      sleep 1
    done
    import -window root '$work/flatpak-run.png'
    kill \$app
  "
count=$(find "$home/Downloads" -name '*.mp4' | wc -l)

# The translation came with the app (through its Locale extension).
help=$(HOME=$home dbus-run-session -- flatpak run --user --command=trawl-cli \
         --env=LC_ALL=zh_CN.UTF-8 io.github.trawl.Trawl --help)
chinese=no
grep -q "同时下载 N 个视频" <<< "$help" && chinese=yes

echo "Videos downloaded by the Flatpak into its Downloads folder: $count;" \
     "its trawl-cli speaks Chinese under zh_CN.UTF-8: $chinese"
echo "Screenshot: $work/flatpak-run.png"
[ "$count" -ge 24 ] && [ "$chinese" = yes ]
