#!/usr/bin/env bash
# Linux installers for Fasten, from the production binary (make build):
#   $DIST/fasten_${VERSION}_amd64.deb      for Debian, Ubuntu and their kin
#   $DIST/Fasten-${VERSION}-x86_64.AppImage for every other glibc desktop
# Usage: VERSION=0.1.0 DIST=build/dist build/package/linux.sh build/bin/fasten
# (make package-linux). Both install the same desktop file, so the
# org.fastenhealth.desktop: sign-in links open Fasten.
set -euo pipefail
BIN=$(realpath "${1:?usage: linux.sh path/to/fasten}")
: "${VERSION:?VERSION is read from wails.json by the Makefile}"
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DIST=$(mkdir -p "${DIST:-$REPO/build/dist}" && cd "${DIST:-$REPO/build/dist}" && pwd)
# Overridable for a release; the defaults name the project, not a person.
MAINTAINER=${MAINTAINER:-"Fasten contributors <https://github.com/fastenhealth/fasten-desktop/issues>"}
HOMEPAGE=${HOMEPAGE:-"https://github.com/fastenhealth/fasten-desktop"}
# The desktop file's name is its id: xdg-mime names it as the handler of the
# sign-in scheme, and GNOME matches the window to it (StartupWMClass=fasten).
DESKTOP_ID=fasten.desktop
DESKTOP_SRC=$REPO/build/linux/$DESKTOP_ID
# ImageMagick's own convert (a machine may shadow it earlier in PATH).
CONVERT=/usr/bin/convert
[ -x "$CONVERT" ] || CONVERT=convert
# The app icon: wails build writes its default into build/appicon.png when the
# project has none, so after make build there always is one.
ICON=$REPO/build/appicon.png
[ -f "$ICON" ] || { echo "linux.sh: no $ICON (run make build first)" >&2; exit 1; }

# The binary must be the one stamped with this version: an installer that
# reports another version than its file name is worse than none.
got=$("$BIN" --version | head -n1)
case "$got" in *"$VERSION"*) ;; *) echo "linux.sh: $BIN says '$got', not $VERSION" >&2; exit 1 ;; esac
desktop-file-validate --no-hints "$DESKTOP_SRC"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
# Reproducible-ish: file times in both packages are the last commit's.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO" log -1 --format=%ct 2>/dev/null || date +%s)}

# icons DIR: hicolor PNGs at the sizes desktops ask for (menus 16–48, docks
# and app grids 64–256, HiDPI 512).
icons() {
  local s d
  for s in 16 24 32 48 64 128 256 512; do
    d=$1/usr/share/icons/hicolor/${s}x${s}/apps
    mkdir -p "$d"
    "$CONVERT" "$ICON" -resize "${s}x${s}" -strip "$d/fasten.png"
  done
}

# ---- .deb -----------------------------------------------------------------
ROOT=$WORK/deb
install -D -m 0755 "$BIN" "$ROOT/usr/bin/fasten"
# Debian ships binaries stripped; the Go symbol table is 1/4 of the file.
strip --strip-unneeded "$ROOT/usr/bin/fasten"
install -D -m 0644 "$DESKTOP_SRC" "$ROOT/usr/share/applications/$DESKTOP_ID"
icons "$ROOT"
install -d "$ROOT/usr/share/doc/fasten"
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: Fasten desktop"
  echo "Source: $HOMEPAGE"
  echo
  echo "Files: *"
  echo "Copyright: Fasten contributors"
  if [ -f "$REPO/LICENSE" ]; then
    echo "License: see below"
    sed 's/^$/./; s/^/ /' "$REPO/LICENSE"
  else
    echo "License: not yet stated"
    echo " The source repository states no licence yet."
  fi
  # Bundled data with licences of their own (internal/codenames/README.md).
  if [ -f "$REPO/internal/codenames/README.md" ]; then
    echo
    echo "Files: internal/codenames/*"
    echo "Comment: code names bundled in the binary; sources and licences:"
    sed 's/^$/./; s/^/ /' "$REPO/internal/codenames/README.md"
  fi
} > "$ROOT/usr/share/doc/fasten/copyright"
chmod 0644 "$ROOT/usr/share/doc/fasten/copyright"
# Debian policy wants a changelog with every package; the release notes live
# with the project, so this one entry names the version and points there.
{
  echo "fasten ($VERSION) stable; urgency=medium"
  echo
  echo "  * Fasten $VERSION. Release notes: $HOMEPAGE"
  echo
  echo " -- $MAINTAINER  $(LC_ALL=C date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n > "$ROOT/usr/share/doc/fasten/changelog.gz"
chmod 0644 "$ROOT/usr/share/doc/fasten/changelog.gz"

# Runtime libraries by package, with minimum versions, from the symbols the
# binary uses (dpkg-shlibdeps reads the installed packages' symbols files):
# libwebkit2gtk-4.1-0, libgtk-3-0 and friends, never a -dev package.
mkdir -p "$WORK/shlib/debian"
echo "Source: fasten" > "$WORK/shlib/debian/control"
depends=$(cd "$WORK/shlib" && dpkg-shlibdeps -O -e"$ROOT/usr/bin/fasten" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
case "$depends" in *libwebkit2gtk-4.1-0*) ;; *) echo "linux.sh: dpkg-shlibdeps found no webkit2gtk 4.1 dependency: '$depends'" >&2; exit 1 ;; esac

mkdir -p "$ROOT/DEBIAN"
cat > "$ROOT/DEBIAN/control" <<EOF
Package: fasten
Version: $VERSION
Architecture: amd64
Maintainer: $MAINTAINER
Homepage: $HOMEPAGE
Section: misc
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
Depends: $depends
Recommends: xdg-utils, desktop-file-utils
Description: your family's medical records, on your own computer
 Fasten gathers a family's medical records from their providers' patient
 portals (SMART on FHIR) and from files (FHIR, C-CDA, Apple Health exports,
 SMART Health Cards) into one encrypted vault on this computer. Nothing is
 sent anywhere else.
EOF
# Menus and the sign-in link handler come from the desktop database (which
# desktop-file-utils, recommended, writes; xdg-open reads it), the icon
# from the icon cache: refresh both when the tools exist, never fail on them
# (a minimal system has neither, and dpkg must still succeed).
for s in postinst postrm; do
  cat > "$ROOT/DEBIAN/$s" <<'EOF'
#!/bin/sh
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0
EOF
  chmod 0755 "$ROOT/DEBIAN/$s"
done
find "$ROOT" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
DEB=$DIST/fasten_${VERSION}_amd64.deb
# --root-owner-group: every file root:root without needing fakeroot.
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
echo "linux.sh: $DEB ($(du -h "$DEB" | cut -f1))"

# ---- AppImage ---------------------------------------------------------------
# The runtime (build/package/appimage/runtime.c) is built here from Debian's
# squashfuse and libfuse3, statically: Debian has no AppImage runtime and
# nothing else may be downloaded. The AppImage bundles only Fasten's binary;
# WebKitGTK 4.1 and GTK 3 come from the system, as for most Wails AppImages
# (bundling WebKit's helper processes portably is a project of its own).
RT=$WORK/runtime
# -Os and stripped: the runtime is ~1.5 MB. The only linker warning (dlopen in
# libfuse's high-level module loader) is for code the runtime never calls.
gcc -std=gnu11 -Os -Wall -Wextra -static \
  -DRUNTIME_VERSION="\"fasten-$VERSION\"" \
  $(pkg-config --cflags squashfuse_ll fuse3) \
  -o "$RT" "$REPO/build/package/appimage/runtime.c" \
  $(pkg-config --static --libs squashfuse_ll) -lfuse3 -lzstd -llz4 -llzo2 -llzma -lz -lpthread -ldl 2>"$WORK/gcc.log" ||
  { cat "$WORK/gcc.log" >&2; exit 1; }
strip "$RT"
# The type 2 magic, 'AI' and 2, in the ELF header's padding (bytes 8–10).
printf 'AI\002' | dd of="$RT" bs=1 seek=8 conv=notrunc status=none

APPDIR=$WORK/Fasten.AppDir
install -D -m 0755 "$ROOT/usr/bin/fasten" "$APPDIR/usr/bin/fasten"
install -D -m 0644 "$DESKTOP_SRC" "$APPDIR/usr/share/applications/$DESKTOP_ID"
icons "$APPDIR"
# At the top: the desktop file and icon AppImage tools read, and AppRun.
cp "$DESKTOP_SRC" "$APPDIR/$DESKTOP_ID"
cp "$APPDIR/usr/share/icons/hicolor/256x256/apps/fasten.png" "$APPDIR/fasten.png"
ln -s fasten.png "$APPDIR/.DirIcon"
# AppRun starts Fasten and registers the AppImage as the sign-in link handler
# for the user (the .deb's desktop file does that for a package install).
install -m 0755 "$REPO/build/package/appimage/AppRun" "$APPDIR/AppRun"
find "$APPDIR" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
# zstd: decompresses several times faster than xz at a few % more size, and
# start-up time is what a person double-clicking notices. Its timestamps come
# from SOURCE_DATE_EPOCH (mksquashfs reads it).
mksquashfs "$APPDIR" "$WORK/image.sqfs" -root-owned -noappend -quiet -no-progress \
  -comp zstd -Xcompression-level 19 -b 1M >/dev/null
APPIMAGE=$DIST/Fasten-${VERSION}-x86_64.AppImage
cat "$RT" "$WORK/image.sqfs" > "$APPIMAGE"
chmod 0755 "$APPIMAGE"
# The runtime must find the image where it was put.
[ "$("$APPIMAGE" --appimage-offset)" = "$(stat -c %s "$RT")" ] ||
  { echo "linux.sh: the runtime does not find the image at the end of its ELF" >&2; exit 1; }
echo "linux.sh: $APPIMAGE ($(du -h "$APPIMAGE" | cut -f1))"
