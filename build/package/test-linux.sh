#!/usr/bin/env bash
# Proves what the Linux installers do for a family (make test-package; needs
# root, network access to a Debian mirror, Xvfb and ImageMagick):
#  1. both installers exist, carry the version in their names and are < 30 MB;
#  2. the .deb installs with apt into a fresh Debian 12 root (debootstrap
#     minbase), which pulls the WebKitGTK runtime it declares; there
#     `fasten --version` prints the version and xdg-mime names Fasten's desktop
#     file as the handler of org.fastenhealth.desktop: links;
#  3. Fasten from the .deb runs in that root in a real X window (Xvfb) with a
#     D-Bus session; `xdg-open 'org.fastenhealth.desktop:/callback?…'` — what a
#     browser does at the end of a provider sign-in — reaches that running
#     window (the window logs one line and shows "A sign-in came back"), no
#     second window opens, and the code never appears in any output; apt
#     removes it cleanly and leaves the vault;
#  4. the AppImage starts (extract-and-run: no FUSE assumed) and shows its
#     window, checked not blank; it registers itself for the user as the
#     sign-in link handler and xdg-open's link reaches it; started as a
#     double-click starts it, it mounts itself with FUSE where it can and
#     leaves no mount behind.
# The root is cached in build/cache between local runs (CI starts clean).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
DIST=$(cd "${DIST:-$REPO/build/dist}" && pwd)
: "${VERSION:?VERSION is read from wails.json by the Makefile}"
DEB=$DIST/fasten_${VERSION}_amd64.deb
APPIMAGE=$DIST/Fasten-${VERSION}-x86_64.AppImage
CACHE=${PACKAGE_TEST_CACHE:-$REPO/build/cache}
SHOTS=${PACKAGE_TEST_SHOTS:-$REPO/build/screenshots/package}
CONVERT=/usr/bin/convert
[ -x "$CONVERT" ] || CONVERT=convert
[ "$(id -u)" = 0 ] || { echo "test-linux: needs root (debootstrap, chroot, mounts)"; exit 1; }
for t in debootstrap unshare chroot Xvfb xdotool import xdpyinfo; do
  command -v "$t" >/dev/null || { echo "test-linux: $t is missing (build/setup.sh --test)"; exit 1; }
done

WORK=$(mktemp -d /tmp/fasten-pkgtest.XXXXXX)
ROOT=$WORK/root
passed=0
started=$SECONDS
cleanup() {
  [ -n "${APP_PID:-}" ] && kill -- "-$APP_PID" 2>/dev/null || true
  [ -n "${XVFB_PID:-}" ] && kill "$XVFB_PID" 2>/dev/null || true
  # Mounts live in a private namespace (unshare -m) and died with it; a
  # leftover would make rm walk into /proc or /dev, so check first.
  if grep -q " $WORK/" /proc/mounts; then echo "test-linux: mounts left under $WORK, not removing it"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() { echo "test-linux: FAIL: $*"; exit 1; }
ok() { passed=$((passed + 1)); echo "test-linux: ok: $* ($((SECONDS - started)) s)"; }

# ---- 1. the files ----------------------------------------------------------
for f in "$DEB" "$APPIMAGE"; do
  [ -f "$f" ] || fail "$f is missing (make package-linux)"
  size=$(stat -c %s "$f")
  [ "$size" -lt $((30 * 1024 * 1024)) ] || fail "$(basename "$f") is $size bytes, over 30 MB"
  echo "test-linux: $(basename "$f"): $((size / 1024)) KiB"
done
[ "$(dpkg-deb -f "$DEB" Package)" = fasten ] && [ "$(dpkg-deb -f "$DEB" Version)" = "$VERSION" ] ||
  fail "the .deb's control names another package or version"
dpkg-deb -f "$DEB" Depends | grep -q 'libwebkit2gtk-4.1-0' || fail "the .deb does not depend on libwebkit2gtk-4.1-0"
! dpkg-deb -f "$DEB" Depends | grep -q -- '-dev' || fail "the .deb depends on a -dev package"
[ "$(head -c 3 <(tail -c +9 "$APPIMAGE"))" = $'AI\x02' ] || fail "the AppImage lacks the type 2 magic"
ok "both installers are there, named for $VERSION, under 30 MB"

# ---- 2. the .deb in a fresh Debian 12 -----------------------------------------
# The mirror apt already uses here (deb822 or one-line sources), else Debian's.
mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(\[[^]]*\] \)\{0,1\}\([^ ]*\/debian\)\/* .*/\2/p' /etc/apt/sources.list 2>/dev/null | head -n1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
BASE=$CACHE/bookworm-minbase.tar
if [ -f "$BASE" ]; then
  mkdir -p "$ROOT" && tar -xf "$BASE" -C "$ROOT"
else
  echo "test-linux: debootstrap bookworm from $mirror (cached in $BASE afterwards)"
  debootstrap --variant=minbase bookworm "$ROOT" "$mirror" >"$WORK/debootstrap.log" 2>&1 ||
    { tail -20 "$WORK/debootstrap.log"; fail "debootstrap failed"; }
  rm -rf "$ROOT"/var/cache/apt/archives/*.deb
  mkdir -p "$CACHE" && tar -cf "$BASE.tmp" -C "$ROOT" . && mv "$BASE.tmp" "$BASE"
fi
ok "a fresh Debian 12 root"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Point releases and security updates too: the binary was linked against this
# machine's (updated) WebKitGTK, and its Depends may name those versions.
{
  echo "deb $mirror bookworm main"
  echo "deb $mirror bookworm-updates main"
  sec=$(sed -n 's/^URIs: *\([^ ]*debian-security\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
  echo "deb ${sec:-http://deb.debian.org/debian-security} bookworm-security main"
} > "$ROOT/etc/apt/sources.list"
cp "$DEB" "$ROOT/tmp/"
# A private mount namespace: /proc, /dev, /sys and the X socket exist only for
# the commands inside and vanish with them, whatever happens.
in_root() {
  unshare -m --propagation private bash -euo pipefail -c '
    R=$1; shift
    mount -t proc proc "$R/proc"
    mount --rbind /dev "$R/dev"
    mount --rbind /sys "$R/sys"
    mkdir -p "$R/tmp/.X11-unix"
    mount --bind /tmp/.X11-unix "$R/tmp/.X11-unix"
    exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"
  ' in_root "$ROOT" "$@"
}
# The downloaded packages are kept for the next local run.
mkdir -p "$CACHE/apt-archives" "$ROOT/var/cache/apt/archives"
cp -n "$CACHE"/apt-archives/*.deb "$ROOT/var/cache/apt/archives/" 2>/dev/null || true
in_root sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
  /tmp/fasten_*_amd64.deb' >"$WORK/apt.log" 2>&1 || { tail -30 "$WORK/apt.log"; fail "apt could not install the .deb"; }
cp -n "$ROOT"/var/cache/apt/archives/*.deb "$CACHE/apt-archives/" 2>/dev/null || true
in_root dpkg-query -W -f '${Status} ${Version}\n' fasten | grep -qx "install ok installed $VERSION" ||
  fail "dpkg does not list fasten $VERSION as installed"
echo "test-linux: apt installed fasten and $(grep -c '^Setting up' "$WORK/apt.log") packages with it"
got=$(in_root fasten --version 2>&1 | head -n1)
case "$got" in *"$VERSION"*) ;; *) fail "'fasten --version' in the root printed '$got'" ;; esac
ok "installed with apt; fasten --version prints '$got'"
handler=$(in_root xdg-mime query default x-scheme-handler/org.fastenhealth.desktop)
[ "$handler" = fasten.desktop ] || fail "xdg-mime names '$handler' as the org.fastenhealth.desktop: handler"
[ -f "$ROOT/usr/share/icons/hicolor/256x256/apps/fasten.png" ] || fail "no 256 px icon"
ok "xdg-mime: org.fastenhealth.desktop: links open $handler"

# ---- 3. the installed Fasten receives a sign-in link ---------------------------
# Xvfb picks a free display itself (-displayfd): other tests may run an X
# server of their own on this machine at the same time.
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp 3>"$WORK/display" >/dev/null 2>&1 &
XVFB_PID=$!
for _ in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.1; done
[ -s "$WORK/display" ] || fail "Xvfb did not start"
DISPLAY_NUM=:$(head -n1 "$WORK/display")
export DISPLAY=$DISPLAY_NUM
for _ in $(seq 50); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
# D-Bus for the session (Wails' single-instance lock lives on it); fonts so
# WebKit draws text; neither comes with the .deb's dependencies on a minimal
# root, while every desktop has both.
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dbus-daemon dbus-bin fonts-dejavu-core' \
  >>"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log"; fail "could not install dbus in the root"; }
cp -n "$ROOT"/var/cache/apt/archives/*.deb "$CACHE/apt-archives/" 2>/dev/null || true
# A locked vault, made with the installed CLI: the window opens on Unlock,
# where a sign-in that comes back waits (and says so).
in_root sh -c 'mkdir -p /home/fam && HOME=/home/fam FASTEN_PASSPHRASE="package test passphrase" fasten init' \
  >/dev/null 2>"$WORK/init.log" || { cat "$WORK/init.log"; fail "fasten init failed in the root"; }
CODE=pkgtestcode$RANDOM$RANDOM
cat > "$ROOT/tmp/session.sh" <<EOF
#!/bin/sh
# Inside the root's D-Bus session: Fasten as a desktop starts it, then a
# browser's hand-off of the sign-in redirect through xdg-open.
export HOME=/home/fam DISPLAY=$DISPLAY_NUM XDG_RUNTIME_DIR=/tmp/xdg-run
mkdir -p -m 0700 \$XDG_RUNTIME_DIR
fasten >/tmp/app.log 2>&1 &
echo \$! > /tmp/app.pid
# Wait for the app's window before opening the link (the test watches too).
while [ ! -f /tmp/go ]; do sleep 0.2; done
xdg-open 'org.fastenhealth.desktop:/callback?code=$CODE&state=pkgteststate' >/tmp/xdg-open.log 2>&1
echo \$? > /tmp/xdg-open.rc
# A second plain start: Wails' single-instance lock (D-Bus) hands it to the
# first window; it must exit on its own.
timeout 20 fasten >/tmp/second.log 2>&1
echo \$? > /tmp/second.rc
wait
EOF
chmod +x "$ROOT/tmp/session.sh"
# In a session of its own, so the whole of it (D-Bus, the app, WebKit's
# helpers) is stopped with one signal to the group.
export -f in_root
export ROOT
setsid bash -c 'in_root dbus-run-session -- /tmp/session.sh' >/dev/null 2>&1 &
APP_PID=$!
# The window: the app's title, then the page drawn (more than 50 colours).
wid=""
for _ in $(seq 150); do
  wid=$(xdotool search --name '^Fasten$' 2>/dev/null | head -n1 || true)
  [ -n "$wid" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$ROOT/tmp/app.log" 2>/dev/null | tail -20; fail "the installed app exited early"; }
  sleep 0.2
done
[ -n "$wid" ] || { tail -20 "$ROOT/tmp/app.log"; fail "no window titled Fasten appeared from the .deb's binary"; }
mkdir -p "$SHOTS"
colours=0
for _ in $(seq 60); do
  import -window root "$SHOTS/deb-unlock.png" 2>/dev/null || true
  colours=$("$CONVERT" "$SHOTS/deb-unlock.png" -format '%k' info: 2>/dev/null || echo 0)
  [ "$colours" -gt 50 ] && break
  sleep 0.5
done
[ "$colours" -gt 50 ] || fail "the installed app's window stayed blank ($colours colours)"
sleep 1
import -window root "$SHOTS/deb-unlock.png"
ok "the installed Fasten shows its window ($colours colours, $SHOTS/deb-unlock.png)"
windows_before=$(xdotool search --name '^Fasten$' 2>/dev/null | wc -l)
touch "$ROOT/tmp/go"
for _ in $(seq 100); do [ -f "$ROOT/tmp/second.rc" ] && break; sleep 0.2; done
[ -f "$ROOT/tmp/xdg-open.rc" ] || fail "xdg-open did not finish"
[ "$(cat "$ROOT/tmp/xdg-open.rc")" = 0 ] || { cat "$ROOT/tmp/xdg-open.log"; fail "xdg-open failed"; }
for _ in $(seq 50); do grep -q 'a sign-in link arrived' "$ROOT/tmp/app.log" && break; sleep 0.2; done
grep -q 'connect: a sign-in link arrived while locked' "$ROOT/tmp/app.log" ||
  { tail -20 "$ROOT/tmp/app.log"; fail "the running window did not receive the link xdg-open handed over"; }
sleep 1
import -window root "$SHOTS/deb-link-received.png"
# The Unlock screen now says a sign-in came back: the picture changed.
ae=$(compare -metric AE -fuzz 5% "$SHOTS/deb-unlock.png" "$SHOTS/deb-link-received.png" null: 2>&1 >/dev/null || true)
[ "${ae%% *}" != 0 ] || fail "the window did not change after the link arrived"
ok "xdg-open handed the sign-in link to the running window ($SHOTS/deb-link-received.png, ${ae%% *} pixels changed)"
[ -f "$ROOT/tmp/second.rc" ] || fail "a second start of fasten did not return"
# Wails v2.16 exits with 1 once it has handed its arguments to the first
# instance over D-Bus (internal/frontend/desktop/linux/single_instance.go);
# had the hand-over failed it would have opened a window and run on until
# timeout (124).
case "$(cat "$ROOT/tmp/second.rc")" in 0 | 1) ;; *) cat "$ROOT/tmp/second.log"; fail "a second start of fasten did not hand over and exit ($(cat "$ROOT/tmp/second.rc"))" ;; esac
windows=$(xdotool search --name '^Fasten$' 2>/dev/null | wc -l)
[ "$windows" = "$windows_before" ] || fail "$windows Fasten windows, $windows_before before: a second start opened another one"
# unshare -m shares the pid namespace: the first app's pid is valid here.
kill -0 "$(cat "$ROOT/tmp/app.pid")" 2>/dev/null || fail "the first Fasten is gone after the second start"
ok "a second start of fasten returned and left one window"
if grep -rl "$CODE" "$ROOT/tmp"/*.log "$WORK"/*.log 2>/dev/null; then fail "the sign-in code appeared in a log"; fi
ok "the sign-in code appears in no log"
kill -- "-$APP_PID" 2>/dev/null || true
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
for _ in $(seq 50); do [ -z "$(xdotool search --name '^Fasten$' 2>/dev/null)" ] && break; sleep 0.2; done
# Removing it takes the handler with it (postrm refreshes the database) and
# leaves the family's vault where it was.
in_root sh -c 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq fasten' >>"$WORK/apt.log" 2>&1 ||
  { tail -20 "$WORK/apt.log"; fail "apt could not remove fasten"; }
[ ! -e "$ROOT/usr/bin/fasten" ] && [ ! -e "$ROOT/usr/share/applications/fasten.desktop" ] || fail "files left after removal"
handler=$(in_root xdg-mime query default x-scheme-handler/org.fastenhealth.desktop)
[ -z "$handler" ] || fail "xdg-mime still names '$handler' after removal"
[ -f "$ROOT/home/fam/.config/Fasten/household.fasten" ] || fail "removing the package touched the vault"
ok "apt removes it: no files, no link handler, the vault kept"

# ---- 4. the AppImage shows its window ------------------------------------------
# Extract-and-run: CI machines and many containers have no FUSE; the runtime
# takes the same path by itself when mounting fails. WebKitGTK comes from this
# machine (the AppImage bundles only Fasten).
AHOME=$WORK/appimage-home
mkdir -p "$AHOME"
setsid env HOME="$AHOME" XDG_CONFIG_HOME="$AHOME/.config" XDG_DATA_HOME="$AHOME/.local/share" \
  XDG_CACHE_HOME="$AHOME/.cache" TMPDIR="$WORK" APPIMAGE_EXTRACT_AND_RUN=1 \
  dbus-run-session -- "$APPIMAGE" >"$WORK/appimage.log" 2>&1 &
APP_PID=$!
wid=""
for _ in $(seq 150); do
  wid=$(xdotool search --name '^Fasten$' 2>/dev/null | head -n1 || true)
  [ -n "$wid" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { tail -20 "$WORK/appimage.log"; fail "the AppImage exited early"; }
  sleep 0.2
done
[ -n "$wid" ] || { tail -20 "$WORK/appimage.log"; fail "no window from the AppImage"; }
colours=0
for _ in $(seq 60); do
  import -window root "$SHOTS/appimage.png" 2>/dev/null || true
  colours=$("$CONVERT" "$SHOTS/appimage.png" -format '%k' info: 2>/dev/null || echo 0)
  [ "$colours" -gt 50 ] && break
  sleep 0.5
done
[ "$colours" -gt 50 ] || fail "the AppImage's window stayed blank ($colours colours)"
sleep 1
import -window root "$SHOTS/appimage.png"
ok "the AppImage shows Fasten's window ($colours colours, $SHOTS/appimage.png)"
# It registered itself for this user as the sign-in link handler, and a link
# opened with xdg-open reaches it (a second AppImage process forwards it).
aenv=(HOME="$AHOME" XDG_CONFIG_HOME="$AHOME/.config" XDG_DATA_HOME="$AHOME/.local/share" XDG_CACHE_HOME="$AHOME/.cache")
if [ -e /usr/share/applications/fasten.desktop ]; then
  echo "test-linux: skipped the AppImage's link registration (Fasten's .deb is installed on this machine)"
else
  reg=$AHOME/.local/share/applications/fasten-appimage.desktop
  for _ in $(seq 25); do [ -f "$reg" ] && break; sleep 0.2; done
  [ -f "$reg" ] || fail "the AppImage did not register itself as the sign-in link handler"
  grep -qxF -e "Exec=$APPIMAGE %u" -e "Exec=\"$APPIMAGE\" %u" "$reg" || fail "the registered desktop file does not run the AppImage"
  desktop-file-validate --no-hints "$reg" || fail "the registered desktop file is not valid"
  handler=$(env "${aenv[@]}" xdg-mime query default x-scheme-handler/org.fastenhealth.desktop)
  [ "$handler" = fasten-appimage.desktop ] || fail "xdg-mime names '$handler' for the AppImage user"
  env "${aenv[@]}" TMPDIR="$WORK" APPIMAGE_EXTRACT_AND_RUN=1 \
    xdg-open "org.fastenhealth.desktop:/callback?code=$CODE&state=pkgteststate" >"$WORK/appimage-xdg-open.log" 2>&1 ||
    { cat "$WORK/appimage-xdg-open.log"; fail "xdg-open of a sign-in link failed for the AppImage"; }
  for _ in $(seq 50); do grep -q 'a sign-in link arrived' "$WORK/appimage.log" && break; sleep 0.2; done
  grep -q 'connect: a sign-in link arrived' "$WORK/appimage.log" ||
    { tail -20 "$WORK/appimage.log"; fail "the running AppImage did not receive the link"; }
  ok "the AppImage registered itself as the link handler; xdg-open's link reached the running AppImage"
fi
kill -- "-$APP_PID" 2>/dev/null || true
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
# The runtime removes what it extracted when the app exits.
for _ in $(seq 50); do compgen -G "$WORK/appimage_extracted_*" >/dev/null || break; sleep 0.2; done
! compgen -G "$WORK/appimage_extracted_*" >/dev/null || fail "the AppImage left its extracted files behind"
ok "the AppImage removed its extracted files on exit"

# A double-click: no option, no variable. With FUSE (root here, or fusermount3
# on a desktop) the image is mounted while Fasten runs and unmounted after;
# without it the runtime says so and extracts instead.
setsid env HOME="$AHOME" XDG_CONFIG_HOME="$AHOME/.config" XDG_DATA_HOME="$AHOME/.local/share" \
  XDG_CACHE_HOME="$AHOME/.cache" TMPDIR="$WORK" \
  dbus-run-session -- "$APPIMAGE" >"$WORK/appimage-mount.log" 2>&1 &
APP_PID=$!
wid=""
for _ in $(seq 150); do
  wid=$(xdotool search --name '^Fasten$' 2>/dev/null | head -n1 || true)
  [ -n "$wid" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { tail -20 "$WORK/appimage-mount.log"; fail "the AppImage exited early when double-clicked"; }
  sleep 0.2
done
[ -n "$wid" ] || { tail -20 "$WORK/appimage-mount.log"; fail "no window from the double-clicked AppImage"; }
if grep -q " $WORK/.mount_" /proc/mounts; then
  how="mounted with FUSE"
elif grep -q "FUSE is not available" "$WORK/appimage-mount.log"; then
  how="FUSE unavailable here: extracted instead, as the runtime said"
else
  fail "the double-clicked AppImage is neither mounted nor said why"
fi
kill -- "-$APP_PID" 2>/dev/null || true
wait "$APP_PID" 2>/dev/null || true
APP_PID=""
for _ in $(seq 50); do grep -q " $WORK/.mount_" /proc/mounts || break; sleep 0.2; done
! grep -q " $WORK/.mount_" /proc/mounts || fail "the AppImage's mount outlived the app"
ok "the AppImage opens with a double-click ($how) and leaves nothing mounted"
if grep -l "$CODE" "$WORK"/*.log 2>/dev/null; then fail "the sign-in code appeared in the AppImage's logs"; fi
echo "test-linux: $passed passed, 0 failed in $((SECONDS - started)) s"
