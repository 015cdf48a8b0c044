#!/usr/bin/env bash
# Launches the production binary as a real window under Xvfb, creates a vault
# through the window with real key presses, and checks both the screenshot
# (not blank) and the vault files it produced. Then imports the family fixtures
# with the same binary's CLI, unlocks the window again and saves a screenshot
# of each main view into build/screenshots/<view>.png (Ctrl+digit shortcuts),
# each checked not blank and different from the one before.
set -euo pipefail
BIN=$(realpath "${1:-build/bin/fasten}")
REPO=$(cd "$(dirname "$0")/.." && pwd)
FIXTURES=${FASTEN_FIXTURES:-$REPO/../shared/fixtures/synthea/family}
SHOTS=${WINDOW_TEST_SHOTS:-$REPO/build/screenshots}
OUT=${WINDOW_TEST_OUT:-$(mktemp -d)}
mkdir -p "$OUT"
# ImageMagick's own convert (a machine may shadow it earlier in PATH).
CONVERT=/usr/bin/convert
[ -x "$CONVERT" ] || CONVERT=convert
WORK=$(mktemp -d)
DISPLAY_NUM=:$((90 + RANDOM % 9))
cleanup() {
  [ -n "${APP_PID:-}" ] && kill "$APP_PID" 2>/dev/null || true
  [ -n "${WIN_PID:-}" ] && kill "$WIN_PID" 2>/dev/null || true
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

# Create the vault through the window: the first screen (the welcome) focuses
# "Create my vault"; Enter opens the form, which focuses the passphrase
# field; Tab passes its Show button and reaches the confirmation; Enter submits.
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid" 2>/dev/null || true
sleep 0.5
xdotool key Return
sleep 1
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
passed=3

# --- Each main view with the family's records, as a person sees it.
# The window is closed while the CLI imports (one process at a time holds the
# vault), then started again and unlocked with typed keys.
WIN_PID=$(xdotool getwindowpid "$wid" 2>/dev/null || true)
[ -n "$WIN_PID" ] && kill "$WIN_PID" 2>/dev/null || true
kill "$APP_PID" 2>/dev/null || true
wait "$APP_PID" 2>/dev/null || true
for _ in $(seq 50); do [ -n "$WIN_PID" ] && kill -0 "$WIN_PID" 2>/dev/null || break; sleep 0.2; done
WIN_PID=""
ls "$FIXTURES"/*.json >/dev/null 2>&1 || fail "no family fixtures in $FIXTURES (set FASTEN_FIXTURES)"
export FASTEN_PASSPHRASE="window test passphrase"
"$BIN" import --vault "$FASTEN_VAULT" "$FIXTURES"/*.json >"$WORK/import.log" 2>&1 || fail "the CLI could not import the family fixtures"
# The first member (selected on unlock) also gets a file with documents in it.
first=$("$BIN" people --vault "$FASTEN_VAULT" --json | jq -r '.[0].name')
"$BIN" import --vault "$FASTEN_VAULT" --person "$first" "$REPO/internal/records/testdata/documents.json" >>"$WORK/import.log" 2>&1 ||
  fail "the CLI could not import the documents fixture"
echo "window test: family imported with the CLI ($("$BIN" people --vault "$FASTEN_VAULT" --json | jq length) people)"
unset FASTEN_PASSPHRASE

dbus-run-session -- "$BIN" >>"$WORK/app.log" 2>&1 &
APP_PID=$!
wid=""
for _ in $(seq 100); do
  wid=$(xdotool search --name '^Fasten$' 2>/dev/null | head -n1 || true)
  [ -n "$wid" ] && break
  kill -0 "$APP_PID" 2>/dev/null || fail "the app exited early on its second start"
  sleep 0.2
done
[ -n "$wid" ] || fail "no window on the second start"
WIN_PID=$(xdotool getwindowpid "$wid" 2>/dev/null || true)
mkdir -p "$SHOTS"
rm -f "$SHOTS"/*.png

colours_of() { "$CONVERT" "$1" -format '%k' info: 2>/dev/null || echo 0; }
# The number of differing pixels (compare prints it on stderr; not a number
# when the sizes differ).
pixels_apart() {
  local ae
  ae=$(compare -metric AE -fuzz 5% "$1" "$2" null: 2>&1 >/dev/null || true)
  echo "${ae%% *}"
}
# Another view: more than 1% of the pixels differ. A scrollbar fading out or a
# caret blinking is not a new view.
differs() {
  local ae total
  ae=$(pixels_apart "$1" "$2")
  total=$("$CONVERT" "$1" -format '%[fx:w*h]' info:)
  awk -v a="$ae" -v t="$total" 'BEGIN { exit !(a !~ /^[0-9.e+]+$/ || a > t / 100) }'
}
identical() { [ "$(pixels_apart "$1" "$2")" = "0" ]; }
# The app's window: the screen with the black margins around the window
# trimmed off (grabbing the window by id fails for WebKitGTK's window here).
grab() { import -window root "$1" 2>/dev/null && "$CONVERT" "$1" -trim +repage "$1"; }
# shot NAME PREVIOUS [optional]: waits for the window to change from PREVIOUS,
# then to settle (two grabs in a row alike and not blank; a spinner keeps it
# moving for at most ~11 s), saves it as NAME and checks it is not blank and still differs
# from PREVIOUS. An optional view that never appears (not in this build) is
# skipped with a message.
last=""
shot() {
  local name=$1 prev=$2 optional=${3:-} file="$SHOTS/$1.png" c=0 changed=""
  for _ in $(seq 20); do
    sleep 0.5
    grab "$file" || continue
    if differs "$file" "$prev"; then changed=1; break; fi
  done
  if [ -z "$changed" ]; then
    rm -f "$file"
    if [ -n "$optional" ]; then
      echo "window test: skipped $name (no such view in this build)"
      return 0
    fi
    fail "the $name view did not appear (the window still shows the previous screen)"
  fi
  sleep 1
  grab "$file"
  for _ in $(seq 16); do
    sleep 0.7
    grab "$WORK/settle.png" || continue
    # Settled: the same twice, and not a blank page between two screens.
    if identical "$WORK/settle.png" "$file" && [ "$(colours_of "$file")" -gt 50 ]; then break; fi
    cp "$WORK/settle.png" "$file"
  done
  c=$(colours_of "$file")
  [ "$c" -gt 50 ] || fail "the $name screenshot is blank ($c colours)"
  differs "$file" "$prev" || fail "the $name screenshot is the same as the one before"
  echo "window test: $name rendered with $c colours ($file)"
  passed=$((passed + 1))
  last=$file
}

# The unlock screen, then the passphrase typed into it.
for _ in $(seq 60); do
  import -window root "$WORK/unlock.png" 2>/dev/null || true
  [ "$(colours_of "$WORK/unlock.png")" -gt 50 ] && break
  sleep 0.5
done
sleep 1
xdotool windowactivate --sync "$wid" 2>/dev/null || xdotool windowfocus "$wid" 2>/dev/null || true
sleep 0.3
xdotool type --delay 20 "window test passphrase"
sleep 0.3
grab "$WORK/unlock.png"
xdotool key Return
# A family lands on the household view; Ctrl+1 opens the first person's dashboard.
shot household "$WORK/unlock.png"
xdotool key ctrl+1
shot dashboard "$last"
xdotool key ctrl+2
shot timeline "$last"
# Ctrl+1 moves focus to the page: the first Tab reaches the header's
# "Insurance (N)" link, the next two "Add a record" and "Summary for a
# doctor", the fourth the first record (the first person has allergies,
# listed first); Enter opens its detail.
xdotool key ctrl+1
sleep 2
grab "$WORK/dashboard-again.png"
xdotool key Tab Tab Tab Tab Return
shot record-detail "$WORK/dashboard-again.png"
xdotool key Escape
sleep 0.5
# Documents: Tab passes "Add a document" and the table's scroll region,
# reaches the newest document.
xdotool key ctrl+4
sleep 2
grab "$WORK/documents.png"
xdotool key Tab Tab Tab Return
shot document "$WORK/documents.png"
xdotool key ctrl+5
shot insurance "$last"
xdotool key ctrl+6
shot trends "$last"
# Ctrl+F reaches the search box from anywhere; a misspelling still finds.
xdotool key ctrl+f
sleep 0.3
xdotool type --delay 20 "hemoglobn"
xdotool key Return
shot search "$last"
echo "window test: $passed passed, 0 failed (screenshots in $SHOTS)"
