#!/bin/sh
# Runs a test inside a private D-Bus session with an unlocked gnome-keyring secret service,
# so QtKeychain talks to a real keyring without touching the user's.
# Usage: run-with-keyring.sh <test executable> [arguments...]
set -u

if ! command -v dbus-run-session >/dev/null 2>&1 || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
    echo "run-with-keyring: dbus-run-session or gnome-keyring-daemon not found (Debian packages dbus, gnome-keyring);" \
         "running without a keyring" >&2
    exec "$@"
fi

# A private home and runtime directory: the keyring files and control socket are the test's own.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/thingscape-keyring.XXXXXX") || exit 1
mkdir -m 700 "$scratch/run"
HOME="$scratch" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" XDG_RUNTIME_DIR="$scratch/run" \
dbus-run-session -- sh -c '
    printf test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 \
        || echo "run-with-keyring: gnome-keyring-daemon did not start" >&2
    # The daemon forks; wait until it owns its bus name so the first keychain call finds it.
    i=0
    while [ $i -lt 50 ]; do
        dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
        sleep 0.1
        i=$((i + 1))
    done
    exec "$@"
' sh "$@"
status=$?
rm -rf "$scratch"
exit $status
