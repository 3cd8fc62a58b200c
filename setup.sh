#!/usr/bin/env bash
# Thingscape set-up: installs the Debian 12 packages that are missing, builds, then
#   ./setup.sh demo   starts the app on its built-in simulated site (the default)
#   ./setup.sh test   runs the whole test suite
#   ./setup.sh build  only builds
set -euo pipefail
cd "$(dirname "$0")"
what="${1:-demo}"
build_dir="${THINGSCAPE_BUILD_DIR:-build}"

packages=(
    build-essential cmake pkg-config
    qt6-base-dev qt6-base-dev-tools libqt6charts6-dev qt6-httpserver-dev qt6-websockets-dev
    qt6-declarative-dev qt6-tools-dev qt6-tools-dev-tools qt6-l10n-tools libqt6svg6 qt6-qpa-plugins libgl-dev
    qcoro-qt6-dev nlohmann-json3-dev libmosquitto-dev libcoap3-dev qtkeychain-qt6-dev libsqlite3-dev
    mosquitto mosquitto-clients libcoap3-bin openssl
)
if [ "$what" = test ]; then
    packages+=(xvfb xauth dbus gnome-keyring)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build_dir" --parallel "$(nproc)"

case "$what" in
    demo) exec "$build_dir/app/thingscape" --demo ;;
    test) cd "$build_dir" && exec ctest --output-on-failure --parallel "$(nproc)" ;;
    build) ;;
    *) echo "usage: $0 [demo|test|build]" >&2; exit 2 ;;
esac
