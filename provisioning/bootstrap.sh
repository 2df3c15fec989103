#!/bin/sh
# Installs what `npm start` / `npm test` need on a fresh Debian bookworm / Raspberry Pi OS machine,
# and nothing when it is already there (a second run takes well under a second).
#   sh provisioning/bootstrap.sh start   # runtime: pcscd + PC/SC headers to build the reader binding
#   sh provisioning/bootstrap.sh test    # runtime + test peers: vsmartcard-vpcd, ffmpeg (camera), mosquitto (MQTT),
#                                          # socat (serial pty pairs), chromium (kiosk page)
# vsmartcard-vpcd is a test dependency only: it opens TCP ports that let anyone on the network present a
# card, so a production terminal never installs it.
set -eu
mode=${1:-start}
cd "$(dirname "$0")/.."

runtime_pkgs="pcscd libpcsclite-dev pkg-config python3 make g++"
test_pkgs="vsmartcard-vpcd ffmpeg mosquitto socat chromium"
case "$mode" in
  start) wanted="$runtime_pkgs" ;;
  test) wanted="$runtime_pkgs $test_pkgs" ;;
  *) echo "bootstrap: unknown mode '$mode' (use start or test)" >&2; exit 2 ;;
esac

missing=""
if command -v dpkg-query >/dev/null 2>&1; then
  for p in $wanted; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
fi
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing Debian packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
  else
    echo "bootstrap: missing Debian packages:$missing" >&2
    echo "bootstrap: install them as root: apt-get install$missing" >&2
    exit 1
  fi
fi

# npm ci when node_modules is absent or was installed from another package-lock.json.
stamp=node_modules/.xacminh-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "bootstrap: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
