#!/usr/bin/env bash
# Launches the production binary as a real window under Xvfb, creates a vault
# through the window with real key presses, and checks both the screenshot
# (not blank) and the vault files it produced.
set -euo pipefail
BIN=$(realpath "${1:-build/bin/fasten}")
OUT=${WINDOW_TEST_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
# ImageMagick's own convert (a machine may shadow it earlier in PATH).
CONVERT=/usr/bin/convert
[ -x "$CONVERT" ] || CONVERT=convert
WORK=$(mktemp -d)
DISPLAY_NUM=:$((90 + RANDOM % 9))
cleanup() {
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

Xvfb "$DISPLAY_NUM" -screen 0 1280x800x24 -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
export DISPLAY=$DISPLAY_NUM
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done 2>/dev/null || sleep 2

export FASTEN_VAULT="$WORK/household.fasten"
export XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" XDG_CACHE_HOME="$WORK/cache" HOME="$WORK"
dbus-run-session -- "$BIN" >"$WORK/app.log" 2>&1 &
APP_PID=$!

fail() { echo "window test: FAIL: $*"; echo "--- app log"; cat "$WORK/app.log"; exit 1; }

# Wait for the window and for the page to render something.
wid=""
for _ in $(seq 100); do
  wid=$(xdotool search --name '^Fasten$' 2>/dev/null | head -n1 || true)
  [ -n "$wid" ] && break
  kill -0 "$APP_PID" 2>/dev/null || fail "the app exited early"
  sleep 0.2
done
[ -n "$wid" ] || fail "no window titled Fasten appeared"

colours=0
for _ in $(seq 60); do
  import -window root "$OUT/window.png" 2>/dev/null || true
  colours=$("$CONVERT" "$OUT/window.png" -format '%k' info: 2>/dev/null || echo 0)
  [ "$colours" -gt 50 ] && break
  sleep 0.5
done
[ "$colours" -gt 50 ] || fail "the window stayed blank ($colours colours)"
echo "window test: first screen rendered with $colours colours ($OUT/window.png)"

# Create the vault through the window: the first screen focuses the passphrase
# field; Tab passes its Show button and reaches the confirmation; Enter submits.
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid" || true
sleep 0.5
xdotool type --delay 20 "window test passphrase"
xdotool key Tab Tab
xdotool type --delay 20 "window test passphrase"
xdotool key Return
for _ in $(seq 100); do
  [ -f "$FASTEN_VAULT" ] && [ -f "$FASTEN_VAULT.keys" ] && break
  sleep 0.2
done
[ -f "$FASTEN_VAULT.keys" ] || { import -window root "$OUT/window-fail.png"; fail "typing a passphrase into the window did not create the vault"; }
sleep 1
import -window root "$OUT/window-created.png"
echo "window test: vault created through the window ($OUT/window-created.png)"

# The vault opens with the passphrase typed in the window, and holds no plaintext.
FASTEN_PASSPHRASE="window test passphrase" "$BIN" stats --vault "$FASTEN_VAULT" >/dev/null || fail "the vault created in the window does not open"
if grep -a -q "SQLite format" "$FASTEN_VAULT"; then fail "the vault file is not encrypted"; fi
echo "window test: 3 passed, 0 failed"
