#!/usr/bin/env bash
# Checks the Windows installers built by windows.sh (make test-package). Nothing here can run a
# Windows program, so what each installer would do is read out of it: the MSI's tables with
# msiinfo, the program inside it (msiextract) with objdump, the NSIS setup's compressed script
# header and manifest, its payload with 7-Zip. Fast (a few seconds): it runs in CI on two cores.
# Exits non-zero, naming what is wrong, on the first failure.
set -euo pipefail
: "${VERSION:?VERSION is not set}"
: "${DIST:?DIST is not set}"

fail() { echo "test-windows: FAIL: $*" >&2; exit 1; }
ok() { echo "test-windows: ok: $*"; }

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SETUP="$DIST/Fasten-$VERSION-setup.exe"
MSI="$DIST/Fasten-$VERSION.msi"
SCHEME=org.fastenhealth.desktop
# python3 reads the NSIS header; Debian brings it with libgtk-3-dev (glib's build tools).
for tool in msiinfo msiextract x86_64-w64-mingw32-objdump python3; do
  command -v "$tool" >/dev/null || fail "$tool is missing (run build/setup.sh --test)"
done
for f in "$SETUP" "$MSI"; do [ -s "$f" ] || fail "$f is missing (run make package-windows)"; done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# A family downloads these; 30 MB is the budget for each.
for f in "$SETUP" "$MSI"; do
  size=$(stat -c %s "$f")
  (( size < 30 * 1024 * 1024 )) || fail "$(basename "$f") is $size bytes, over 30 MB"
  ok "$(basename "$f"): $size bytes"
done

# The program: 64-bit, GUI subsystem (Optional Header Subsystem = 2, so no console window opens
# behind Fasten), SQLCipher compiled in and not go-sqlcipher's CGO-disabled stub (static_mock.go),
# whose every vault open fails at run time.
check_exe() {
  local exe=$1 what=$2 pe
  pe=$(x86_64-w64-mingw32-objdump -p "$exe")
  grep -Eq '^Magic[[:space:]]+020b' <<<"$pe" || fail "$what is not PE32+"
  grep -Eq '^Subsystem[[:space:]]+00000002' <<<"$pe" ||
    fail "$what subsystem is $(grep -E '^Subsystem' <<<"$pe"), not 2 (Windows GUI)"
  ! grep -aq "go-sqlite3 requires cgo to work. This is a stub" "$exe" ||
    fail "$what has the CGO-disabled SQLCipher stub"
  grep -aq "sqlcipher_export" "$exe" || fail "$what does not contain SQLCipher"
  ok "$what: PE32+, GUI subsystem, SQLCipher (not the stub)"
}

# --- MSI -------------------------------------------------------------------------------------
msiextract -C "$WORK/msi" "$MSI" >/dev/null
MSI_EXE="$WORK/msi/Programs/Fasten/fasten.exe"
[ -f "$MSI_EXE" ] || fail "the MSI does not install Programs\\Fasten\\fasten.exe"
check_exe "$MSI_EXE" "fasten.exe in the MSI"

# table NAME: the rows of one table, tab-separated (msiinfo's first three lines are its header).
table() { msiinfo export "$MSI" "$1" | tail -n +4 | tr -d '\r'; }
# has TABLE ROW: the table holds exactly this row.
has() { table "$1" | grep -qxF -- "$2" || fail "MSI table $1 lacks the row: $2"; }

# Per-user: files under %LOCALAPPDATA%\Programs\Fasten, every registry row under HKCU (Root 1),
# every component keyed by an HKCU value (Attributes bit 4), and nothing anywhere under
# %APPDATA% (AppDataFolder), where the vault lives and which uninstalling must leave alone.
has Directory $'ProgramsDir\tLocalAppDataFolder\tPrograms'
has Directory $'INSTALLDIR\tProgramsDir\tFasten'
table Directory | awk -F'\t' '$1 == "AppDataFolder" || $2 == "AppDataFolder" { bad = 1 } END { exit bad }' ||
  fail "the MSI has a directory in AppDataFolder (%APPDATA%, the vault's home)"
table Registry | awk -F'\t' '$2 != 1 { bad = 1; print "  not HKCU: " $0 } END { exit bad }' >&2 ||
  fail "the MSI writes registry rows outside HKCU"
table Component | awk -F'\t' 'int($4 / 4) % 2 != 1 { bad = 1; print "  " $0 } END { exit bad }' >&2 ||
  fail "an MSI component is not keyed by a registry value (per-user components must be)"

# The deep-link scheme, with the executable's path quoted (unquoted, Windows splits
# "C:\Users\Ann Lee\..." at the space and the sign-in redirect never reaches Fasten).
K="Software\\Classes\\$SCHEME"
table Registry | cut -f2- > "$WORK/registry"
for row in $'1\t'"$K"$'\t\tURL:Fasten sign-in\tUrlScheme' \
           $'1\t'"$K"$'\tURL Protocol\t\tUrlScheme' \
           $'1\t'"$K"$'\\DefaultIcon\t\t[INSTALLDIR]fasten.exe,0\tUrlScheme' \
           $'1\t'"$K"$'\\shell\\open\\command\t\t"[INSTALLDIR]fasten.exe" "%1"\tUrlScheme'; do
  grep -qxF -- "$row" "$WORK/registry" || fail "MSI Registry lacks: $row"
done
ok "MSI registers $SCHEME under HKCU with the command \"[INSTALLDIR]fasten.exe\" \"%1\""

# Identity and upgrades: the committed UpgradeCode, this version, per-user properties, and a
# major upgrade (Upgrade rows found by FindRelatedProducts, RemoveExistingProducts) so a newer
# MSI replaces the installed one instead of installing beside it.
UPGRADE_CODE=$(sed -n 's/.*UpgradeCode="\({[0-9A-F-]*}\)".*/\1/p' "$ROOT/build/windows/fasten.wxs")
[ -n "$UPGRADE_CODE" ] || fail "no UpgradeCode in build/windows/fasten.wxs"
has Property $'UpgradeCode\t'"$UPGRADE_CODE"
has Property $'ProductVersion\t'"$VERSION"
has Property $'ALLUSERS\t2'
has Property $'MSIINSTALLPERUSER\t1'
has Upgrade "$UPGRADE_CODE"$'\t\t'"$VERSION"$'\t\t1\t\tWIX_UPGRADE_DETECTED'
has Upgrade "$UPGRADE_CODE"$'\t'"$VERSION"$'\t\t\t2\t\tWIX_DOWNGRADE_DETECTED'
has LaunchCondition $'NOT WIX_DOWNGRADE_DETECTED\tA newer version of Fasten is already installed.'
table InstallExecuteSequence | grep -q '^FindRelatedProducts' || fail "no FindRelatedProducts"
table InstallExecuteSequence | grep -q '^RemoveExistingProducts' || fail "no RemoveExistingProducts"
# Summary Word Count bit 8: "elevated privileges are not required", so no UAC prompt.
wc=$(msiinfo suminfo "$MSI" | sed -n 's/^Source: \([0-9]*\).*/\1/p')
[ -n "$wc" ] && (( (wc & 8) == 8 )) || fail "the MSI's Word Count ($wc) does not say 'no elevation'"
# Shortcut columns: Shortcut, Directory_, Name, Component_, Target.
table Shortcut | awk -F'\t' '$2 == "ProgramMenuFolder" && $3 == "Fasten" && $5 == "[INSTALLDIR]fasten.exe" { found = 1 } END { exit !found }' ||
  fail "the MSI has no Start-menu shortcut to [INSTALLDIR]fasten.exe"
ok "MSI: UpgradeCode $UPGRADE_CODE, ProductVersion $VERSION, per user without elevation, major upgrade, Start-menu shortcut"

# --- NSIS setup ------------------------------------------------------------------------------
# RequestExecutionLevel user becomes an asInvoker manifest: Windows shows no administrator prompt.
grep -aq 'requestedExecutionLevel level="asInvoker"' "$SETUP" ||
  fail "the setup's manifest asks for elevation (RequestExecutionLevel is not user)"
# The installer's script (its strings) lives in a raw-deflate block right after NSIS's first
# header. Variables are stored as code 3 and one UTF-16 unit, shell folders as code 2 and one unit.
python3 - "$SETUP" <<'EOF' || fail "the NSIS script check failed (above)"
import re, struct, sys, zlib
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xef\xbe\xad\xdeNullsoftInst")
if at < 4:
    sys.exit("no NSIS header in the setup")
size = struct.unpack("<I", data[at + 24:at + 28])[0]
if not size & 0x80000000:
    sys.exit("the NSIS header is not compressed as expected")
script = zlib.decompressobj(-15).decompress(data[at + 28:at + 28 + (size & 0x7FFFFFFF)]).decode("utf-16-le", "replace")
want = {
    # "$INSTDIR\fasten.exe" "%1", the quoted command project.nsi writes last
    "quoted scheme command": r'\x00"\x03.\\fasten\.exe" "%1"\x00',
    "scheme key": r"\x00Software\\Classes\\org\.fastenhealth\.desktop\\shell\\open\\command\x00",
    # $LOCALAPPDATA\Programs\Fasten: shell code 2, then CSIDL_LOCAL_APPDATA (0x1C) for the user
    # with CSIDL_COMMON_APPDATA (0x23) for "all users"; $PROGRAMFILES64 would be another pair
    "per-user install directory": r"\x00\x02\u231c\\Programs\\Fasten\x00",
    "WebView2 bootstrapper": r'MicrosoftEdgeWebview2Setup\.exe" /silent /install',
}
for what, pattern in want.items():
    if not re.search(pattern, script, re.S):
        sys.exit("the NSIS script lacks the " + what)
if re.search(r"\\Fasten\\household", script) or re.search(r"\x00\x02.\\Fasten\x00", script, re.S):
    sys.exit("the NSIS script names the vault directory")
print("test-windows: ok: NSIS script: quoted scheme command, %LOCALAPPDATA%\\Programs\\Fasten, WebView2 bootstrapper")
EOF

# The template order matters: wails.associateCustomProtocols (regenerated by Wails, unquoted)
# runs first, fasten.associateCustomProtocols deletes the key and writes it quoted after it.
awk '/wails\.associateCustomProtocols$/ { w = NR } /fasten\.associateCustomProtocols/ && !/^!macro/ { f = NR }
     END { exit !(w && f && f > w) }' <(grep -n insertmacro "$ROOT/build/windows/installer/project.nsi" | cut -d: -f2-) ||
  fail "project.nsi does not register the quoted scheme after Wails' unquoted one"
# Uninstalling keeps the vault: no recursive removal of the install directory, nothing named Fasten
# under $AppData.
sed -n '/^Section "uninstall"/,/^SectionEnd/p' "$ROOT/build/windows/installer/project.nsi" | grep -v '^\s*#' > "$WORK/uninstall.nsi"
! grep -Eiq 'RMDir /r "?\$INSTDIR|\$AppData\\Fasten|\$AppData"? *$' "$WORK/uninstall.nsi" ||
  fail "project.nsi's uninstall section could remove the vault"
ok "project.nsi: quoted scheme registered last; uninstall keeps %APPDATA%\\Fasten"

# The setup's payload, when 7-Zip is there (setup.sh --test installs it): the same fasten.exe as
# the MSI, and the WebView2 bootstrapper for machines without the runtime.
if command -v 7zz >/dev/null; then
  7zz x -y -o"$WORK/nsis" "$SETUP" fasten.exe '$PLUGINSDIR/webview2bootstrapper/MicrosoftEdgeWebview2Setup.exe' >/dev/null
  [ -s "$WORK/nsis/\$PLUGINSDIR/webview2bootstrapper/MicrosoftEdgeWebview2Setup.exe" ] ||
    fail "the setup carries no WebView2 bootstrapper"
  cmp -s "$WORK/nsis/fasten.exe" "$MSI_EXE" || fail "the setup and the MSI carry different fasten.exe"
  ok "setup carries the MSI's fasten.exe and the WebView2 bootstrapper"
else
  echo "test-windows: skipped: the setup's payload (7zz is not installed)"
fi

# Signatures, when windows.sh was asked to sign.
if [ -n "${WINDOWS_CERT_PFX:-}" ] && [ -n "${WINDOWS_CERT_PASSWORD:-}" ]; then
  for f in "$SETUP" "$MSI" "$MSI_EXE"; do
    osslsigncode extract-signature -in "$f" -out "$WORK/sig" >/dev/null 2>&1 || fail "$(basename "$f") is not signed"
    rm -f "$WORK/sig"
  done
  ok "setup, MSI and fasten.exe are signed"
fi
echo "test-windows: all checks passed"
