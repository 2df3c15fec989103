#!/bin/sh
# Installs what `npm start` / `npm test` need on a fresh Debian bookworm / Raspberry Pi OS machine,
# and nothing when it is already there (a second run takes well under a second).
#   sh provisioning/bootstrap.sh start   # runtime: pcscd + PC/SC headers to build the reader binding, espeak-ng
#                                          # (the kiosk's spoken prompts, ui.audio)
#   sh provisioning/bootstrap.sh test    # runtime + test peers: vsmartcard-vpcd, ffmpeg (camera), mosquitto (MQTT),
#                                          # socat (serial pty pairs), chromium (kiosk page), systemd (systemd-analyze
#                                          # checks the service unit)
# vsmartcard-vpcd is a test dependency only: it opens TCP ports that let anyone on the network present a
# card, so a production terminal never installs it.
set -eu
mode=${1:-start}
cd "$(dirname "$0")/.."

runtime_pkgs="pcscd libpcsclite-dev pkg-config python3 make g++ espeak-ng"
test_pkgs="vsmartcard-vpcd ffmpeg mosquitto socat chromium systemd"
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

# npm ci when node_modules is absent or was installed from another package-lock.json; npm rebuild of the
# native modules alone when only Node.js changed (another ABI, e.g. Node 20 -> 24, or another platform):
# a binding built for another ABI does not load, and the register cannot open.
# The stamp: line 1 the lock's SHA-256, line 2 the ABI and platform it was built for.
stamp=node_modules/.xacminh-lock-sha256
want_lock=$(sha256sum package-lock.json | cut -d' ' -f1)
want_abi=$(node -p 'process.versions.modules + " " + process.platform + "-" + process.arch')
have_lock=$(sed -n 1p "$stamp" 2>/dev/null || true)
have_abi=$(sed -n 2p "$stamp" 2>/dev/null || true)
native_modules="better-sqlite3 @pokusew/pcsclite epoll @serialport/bindings-cpp unix-dgram"
if [ ! -d node_modules ] || [ "$have_lock" != "$want_lock" ]; then
  echo "bootstrap: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
elif [ "$have_abi" != "$want_abi" ]; then
  present=""
  for m in $native_modules; do [ -d "node_modules/$m" ] && present="$present $m"; done
  echo "bootstrap: Node.js changed (ABI/platform '${have_abi:-unknown}' -> '$want_abi'): npm rebuild$present"
  # shellcheck disable=SC2086
  if ! npm rebuild $present --loglevel=error; then
    echo "bootstrap: could not rebuild$present for Node.js $(node -v) (ABI $want_abi)." >&2
    echo "bootstrap: building needs python3, make, g++ and the headers of this Node.js version, which node-gyp downloads" >&2
    echo "bootstrap: from nodejs.org: give this machine network access once, or point npm_config_nodedir at the headers" >&2
    echo "bootstrap: (the include/node folder of the Node.js tarball), or run the agent with the Node.js it was built for." >&2
    exit 1
  fi
else
  exit 0
fi
# better-sqlite3 12 (the lock's, for Node 20) aborts the agent on Node 24.19+; 13 is Node-API, prebuilt, and needs
# Node >= 22 (see provisioning/node24-modules.ts; install-service does the same for the service's Node.js).
sqlite_for_node22=13.2.0
node_major=$(node -p 'process.versions.node.split(".")[0]')
sqlite_major=$(node -p 'try { require("./node_modules/better-sqlite3/package.json").version.split(".")[0] } catch { "" }')
if [ "$node_major" -ge 22 ] && [ -n "$sqlite_major" ] && [ "$sqlite_major" -lt 13 ]; then
  echo "bootstrap: Node.js $(node -v): installing better-sqlite3@$sqlite_for_node22 (version 12 aborts on Node 24)"
  npm install --no-save --no-audit --no-fund --loglevel=error "better-sqlite3@$sqlite_for_node22"
fi
printf '%s\n%s\n' "$want_lock" "$want_abi" > "$stamp"
