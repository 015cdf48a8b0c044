#!/usr/bin/env bash
# The macOS installer: a universal (Intel + Apple silicon) Fasten.app in a
# .dmg. macOS cannot be cross-built from Linux (STACK.md), so this runs on a
# macOS runner (.github/workflows/release.yml) or a maintainer's Mac:
#   VERSION=0.1.0 LDFLAGS="-X …/internal/version.Version=0.1.0" build/package/macos.sh
# Signing and notarisation happen only when their secrets are present:
#   MACOS_CERT_P12 (base64 of a "Developer ID Application" .p12), MACOS_CERT_PASSWORD,
#   MACOS_SIGN_IDENTITY ("Developer ID Application: Name (TEAMID)"), and for
#   notarisation APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD (app-specific).
# Without them the .app is ad-hoc signed (it runs after "Open" in Finder's
# context menu) and the script says so.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${VERSION:?VERSION is the wails.json productVersion}"
: "${LDFLAGS:?LDFLAGS stamps the version (see the Makefile)}"
DIST=${DIST:-build/dist}
GO_TAGS=${GO_TAGS:-"webkit2_41 sqlite_fts5 sqlite_json"}
WAILS="$(go env GOPATH)/bin/wails"
[ "$(uname -s)" = Darwin ] || { echo "macos.sh: the .app and .dmg can only be built on macOS" >&2; exit 1; }

# CGO stays on: the SQLCipher driver without cgo is a stub that cannot open a vault.
CGO_ENABLED=1 "$WAILS" build -platform darwin/universal -tags "$GO_TAGS" -ldflags "$LDFLAGS" -clean
app=$(ls -d build/bin/*.app | head -1)
[ -d "$app" ] || { echo "macos.sh: wails build made no .app" >&2; exit 1; }
# The deep-link scheme must be in the bundle (Info.plist is ours: build/darwin).
/usr/libexec/PlistBuddy -c 'Print :CFBundleURLTypes:0:CFBundleURLSchemes:0' "$app/Contents/Info.plist" | grep -qx org.fastenhealth.desktop \
  || { echo "macos.sh: the .app does not register org.fastenhealth.desktop" >&2; exit 1; }
# A stub SQLCipher driver names itself in this string: refuse to ship it.
if strings "$app/Contents/MacOS/"* | grep -q "go-sqlite3 requires cgo to work"; then
  echo "macos.sh: the binary's SQLCipher driver is the cgo-less stub" >&2; exit 1
fi

if [ -n "${MACOS_CERT_P12:-}" ] && [ -n "${MACOS_SIGN_IDENTITY:-}" ]; then
  kc="$RUNNER_TEMP/fasten-signing.keychain-db"; kcpass=$(uuidgen)
  security create-keychain -p "$kcpass" "$kc"
  security set-keychain-settings -lut 3600 "$kc"
  security unlock-keychain -p "$kcpass" "$kc"
  echo "$MACOS_CERT_P12" | base64 --decode > "$RUNNER_TEMP/cert.p12"
  security import "$RUNNER_TEMP/cert.p12" -k "$kc" -P "${MACOS_CERT_PASSWORD:-}" -T /usr/bin/codesign
  rm -f "$RUNNER_TEMP/cert.p12"
  security set-key-partition-list -S apple-tool:,apple: -s -k "$kcpass" "$kc" >/dev/null
  security list-keychains -d user -s "$kc" $(security list-keychains -d user | tr -d '"')
  codesign --force --deep --options runtime --timestamp --sign "$MACOS_SIGN_IDENTITY" "$app"
  codesign --verify --strict --verbose=2 "$app"
else
  echo "macos.sh: no signing identity (MACOS_CERT_P12, MACOS_SIGN_IDENTITY): ad-hoc signed, not notarised"
  codesign --force --deep --sign - "$app"
fi

mkdir -p "$DIST"
dmg="$DIST/Fasten-$VERSION.dmg"
stage=$(mktemp -d)
cp -R "$app" "$stage/Fasten.app"
ln -s /Applications "$stage/Applications"   # drag Fasten onto Applications
rm -f "$dmg"
hdiutil create -volname "Fasten $VERSION" -srcfolder "$stage" -fs HFS+ -format UDZO -imagekey zlib-level=9 "$dmg"
rm -rf "$stage"

if [ -n "${MACOS_CERT_P12:-}" ] && [ -n "${APPLE_ID:-}" ] && [ -n "${APPLE_TEAM_ID:-}" ] && [ -n "${APPLE_APP_PASSWORD:-}" ]; then
  codesign --force --timestamp --sign "$MACOS_SIGN_IDENTITY" "$dmg"
  xcrun notarytool submit "$dmg" --apple-id "$APPLE_ID" --team-id "$APPLE_TEAM_ID" --password "$APPLE_APP_PASSWORD" --wait
  xcrun stapler staple "$dmg"
else
  echo "macos.sh: notarisation skipped (APPLE_ID, APPLE_TEAM_ID, APPLE_APP_PASSWORD not set)"
fi

size=$(stat -f %z "$dmg")
[ "$size" -lt $((30 * 1024 * 1024)) ] || { echo "macos.sh: $dmg is $size bytes, over 30 MB" >&2; exit 1; }
echo "$dmg: $size bytes"
