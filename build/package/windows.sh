#!/usr/bin/env bash
# Builds Fasten's Windows installers on Linux (make package-windows):
#   $DIST/Fasten-$VERSION-setup.exe   NSIS setup, per user, no administrator prompt
#   $DIST/Fasten-$VERSION.msi         Windows Installer package (wixl), per user, same layout
# Both install %LOCALAPPDATA%\Programs\Fasten\fasten.exe, a Start-menu shortcut and the
# org.fastenhealth.desktop deep-link scheme under HKCU with a quoted command, and neither ever
# touches %APPDATA%\Fasten, where the household vault lives.
#
# Environment (the Makefile passes the first four):
#   VERSION   N.N.N from wails.json; Windows version fields are numeric only
#   DIST      output directory
#   LDFLAGS   Go linker flags (the version stamp)
#   GO_TAGS   Go build tags (SQLCipher's FTS5 and JSON1)
#   WINDOWS_CERT_PFX, WINDOWS_CERT_PASSWORD   optional Authenticode signing: the .pfx as a path
#             or as base64 text (a CI secret); without them the artifacts are left unsigned
#   WINDOWS_TIMESTAMP_URL   RFC 3161 time-stamp server for signing (default DigiCert's; set it
#             empty to sign without a time stamp, e.g. offline)
set -euo pipefail

: "${VERSION:?VERSION is not set (make package-windows sets it from wails.json)}"
: "${DIST:?DIST is not set}"
: "${LDFLAGS:?LDFLAGS is not set}"
: "${GO_TAGS:?GO_TAGS is not set}"

die() { echo "windows.sh: $*" >&2; exit 1; }

# NSIS's VIProductVersion and an MSI's ProductVersion accept numbers only: major and minor up to
# 255, build up to 65535. Refuse anything else here rather than ship a package with a version
# Windows Installer misreads (and so fails to upgrade).
[[ "$VERSION" =~ ^([0-9]+)\.([0-9]+)\.([0-9]+)$ ]] || die "VERSION '$VERSION' is not N.N.N"
(( BASH_REMATCH[1] <= 255 && BASH_REMATCH[2] <= 255 && BASH_REMATCH[3] <= 65535 )) ||
  die "VERSION '$VERSION' is out of range for Windows Installer (255.255.65535)"

mkdir -p "$DIST"
DIST=$(cd "$DIST" && pwd)   # absolute before leaving the caller's directory
cd "$(dirname "$0")/../.."
ROOT=$PWD
WAILS="$(go env GOPATH)/bin/wails"
for tool in "$WAILS" x86_64-w64-mingw32-gcc x86_64-w64-mingw32-objdump makensis wixl; do
  command -v "$tool" >/dev/null || die "$tool is missing (run build/setup.sh --package)"
done

EXE=build/bin/fasten.exe
NSIS_OUT=build/bin/fasten-amd64-installer.exe
INSTALLER_DIR=build/windows/installer
SETUP="$DIST/Fasten-$VERSION-setup.exe"
MSI="$DIST/Fasten-$VERSION.msi"

WORK=$(mktemp -d)
# `wails build -nsis` overwrites the committed wails_tools.nsh with its own template (whose
# protocol command is unquoted; project.nsi re-registers the scheme quoted, see there) and drops
# the WebView2 bootstrapper into installer/tmp. Put the committed file back and remove the
# bootstrapper copy afterwards, so a build leaves the work tree as it found it.
cp "$INSTALLER_DIR/wails_tools.nsh" "$WORK/wails_tools.nsh"
cleanup() {
  cp "$WORK/wails_tools.nsh" "$ROOT/$INSTALLER_DIR/wails_tools.nsh"
  rm -rf "$ROOT/$INSTALLER_DIR/tmp" "$WORK"
}
trap cleanup EXIT

# Wails turns build/appicon.png into build/windows/icon.ico only when the .ico is missing; remove
# it so the executable, the setup and the MSI always carry the current icon.
rm -f build/windows/icon.ico "$EXE" "$NSIS_OUT"

start=$SECONDS
# CGO_ENABLED=1 with the mingw compilers: Wails does not turn cgo on for Windows targets (its
# WebView2 loader is pure Go), and without cgo github.com/mutecomm/go-sqlcipher silently compiles
# to a stub whose every open fails at run time. -installscope user hands makensis the per-user
# defines project.nsi also defaults to. The embedded WebView2 bootstrapper comes from the Wails
# CLI itself, so the build needs no network.
CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc CXX=x86_64-w64-mingw32-g++ \
  "$WAILS" build -platform windows/amd64 -nsis -installscope user \
  -tags "$GO_TAGS" -ldflags "$LDFLAGS"
echo "cross-build and NSIS: $((SECONDS - start)) s"

# The executable must be a 64-bit GUI program (no console window behind Fasten) with the real
# SQLCipher compiled in. The stub's error text is in go-sqlcipher's static_mock.go (+build !cgo);
# sqlcipher_export is an SQL function only SQLCipher's C code registers.
check_exe() {
  local exe=$1 pe
  pe=$(x86_64-w64-mingw32-objdump -p "$exe")
  grep -Eq '^Magic[[:space:]]+020b' <<<"$pe" || die "$exe is not PE32+ (64-bit)"
  grep -Eq '^Subsystem[[:space:]]+00000002' <<<"$pe" || die "$exe is not a GUI-subsystem program"
  ! grep -aq "go-sqlite3 requires cgo to work. This is a stub" "$exe" ||
    die "$exe has the CGO-disabled SQLCipher stub: every vault open would fail (is CGO_ENABLED=1 reaching the Go build?)"
  grep -aq "sqlcipher_export" "$exe" || die "$exe does not contain SQLCipher"
}
check_exe "$EXE"
[ -f "$NSIS_OUT" ] || die "wails wrote no NSIS installer ($NSIS_OUT)"

# Optional Authenticode signing. The password goes through a file (osslsigncode -readpass), never
# the command line, where other users' `ps` could see it.
SIGN=0
if [ -n "${WINDOWS_CERT_PFX:-}" ] && [ -n "${WINDOWS_CERT_PASSWORD:-}" ]; then
  command -v osslsigncode >/dev/null || die "osslsigncode is missing (run build/setup.sh --package)"
  SIGN=1
  (umask 077
   if [ -f "$WINDOWS_CERT_PFX" ]; then cp "$WINDOWS_CERT_PFX" "$WORK/cert.pfx"
   else base64 -d <<<"$WINDOWS_CERT_PFX" > "$WORK/cert.pfx" || die "WINDOWS_CERT_PFX is neither a file nor base64"; fi
   printf '%s' "$WINDOWS_CERT_PASSWORD" > "$WORK/cert.pass")
else
  echo "signing: skipped (WINDOWS_CERT_PFX and WINDOWS_CERT_PASSWORD are not set); the installers are unsigned"
fi
sign() {
  local f=$1 ts=()
  [ $SIGN = 1 ] || return 0
  [ -n "${WINDOWS_TIMESTAMP_URL-http://timestamp.digicert.com}" ] &&
    ts=(-ts "${WINDOWS_TIMESTAMP_URL-http://timestamp.digicert.com}")
  osslsigncode sign -pkcs12 "$WORK/cert.pfx" -readpass "$WORK/cert.pass" -h sha256 \
    -n "Fasten" -i "https://github.com/fastenhealth/fasten-desktop" "${ts[@]}" \
    -in "$f" -out "$f.signed" >/dev/null
  mv "$f.signed" "$f"
  echo "signed: $f"
}

if [ $SIGN = 1 ]; then
  # Sign the program first, then pack the signed program again: Wails packs what it built, so
  # makensis runs a second time, exactly as Wails ran it (same defines, same generated
  # wails_tools.nsh and bootstrapper, still in place until cleanup).
  sign "$EXE"
  (cd "$INSTALLER_DIR" && makensis -V2 -DARG_WAILS_AMD64_BINARY="$ROOT/$EXE" \
     -DWAILS_INSTALL_SCOPE=user -DREQUEST_EXECUTION_LEVEL=user project.nsi)
fi
cp "$NSIS_OUT" "$SETUP"
sign "$SETUP"

# The MSI, from the committed build/windows/fasten.wxs with this version. -a x64: the package's
# Template summary (wixl ignores WiX's Package/@Platform). The source paths stay relative to the
# repository: wixl 0.101 cannot open an absolute Source path (g_file_get_child assertion).
start=$SECONDS
wixl -a x64 -D Version="$VERSION" -D ExePath="$EXE" -D IconPath=build/windows/icon.ico \
  -o "$MSI" build/windows/fasten.wxs
sign "$MSI"
echo "MSI: $((SECONDS - start)) s"

ls -l "$SETUP" "$MSI"
