#!/usr/bin/env bash
# Installs what building and testing Fasten needs on a Debian/Ubuntu machine,
# skipping what is already there. With --test it adds the test tools
# (Chromium for the browser end-to-end test, Xvfb and ImageMagick for the
# real-window test, poppler-utils for the summary PDF tests: pdftoppm,
# pdftotext). Without root or sudo it prints the one command to run.
set -euo pipefail
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

WAILS_VERSION=v2.16.0
pkgs=(build-essential pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev)
[ $want_test = 1 ] && pkgs+=(chromium xvfb xauth x11-utils imagemagick dbus-x11 xdotool poppler-utils)
# Packaging (make package; its tests run with --test): Linux .deb and
# AppImage, Windows cross-build with mingw, NSIS and wixl.
# The AppImage runtime is compiled from squashfuse and libfuse3 (static, with
# the compression libraries squashfuse reads); ImageMagick sizes the icons.
[ "${1:-}" = "--package" ] || [ $want_test = 1 ] && pkgs+=(fakeroot squashfs-tools debootstrap xdg-utils desktop-file-utils imagemagick
  libsquashfuse-dev libfuse3-dev zlib1g-dev liblzma-dev liblzo2-dev liblz4-dev libzstd-dev)
[ "${1:-}" = "--package" ] || [ $want_test = 1 ] && pkgs+=(mingw-w64 nsis wixl wixl-data msitools)
# Windows signing (only used when a certificate is given) and, for the tests, 7-Zip to read the
# NSIS setup's payload.
[ "${1:-}" = "--package" ] || [ $want_test = 1 ] && pkgs+=(osslsigncode)
# (7zip is Debian 12's and Ubuntu 23.04's name; older releases lack it and test-windows.sh then
# skips that one check.)
[ $want_test = 1 ] && apt-cache show 7zip >/dev/null 2>&1 && pkgs+=(7zip)

missing=()
# macOS (the release workflow's .dmg job) needs only Xcode's command-line
# tools, Go and Node: no system packages.
[ "$(uname -s)" = Darwin ] && pkgs=()
for p in ${pkgs[@]+"${pkgs[@]}"}; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "Fasten's build needs these packages (or your system's equivalents): ${missing[*]}" >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "Please run, then try again:  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v go >/dev/null || { echo "Please install Go 1.26 or newer (https://go.dev/dl/), then try again." >&2; exit 1; }
command -v npm >/dev/null || { echo "Please install Node.js 20 or newer with npm, then try again." >&2; exit 1; }

WAILS="$(go env GOPATH)/bin/wails"
if ! [ -x "$WAILS" ] || ! "$WAILS" version 2>/dev/null | grep -q "$WAILS_VERSION"; then
  echo "installing the Wails CLI $WAILS_VERSION"
  go install "github.com/wailsapp/wails/v2/cmd/wails@$WAILS_VERSION"
fi

cd "$(dirname "$0")/../frontend"
# npm ci only when the lock file changed since the last install.
if ! cmp -s package-lock.json node_modules/.fasten-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.fasten-installed-lock
fi
