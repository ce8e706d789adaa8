#!/usr/bin/env bash
# Starts pcscd with the vpcd virtual reader for the PC/SC tests, installing the packages first if
# they are missing. Records what it started or changed in $SSCARD_PCSC_STATE (default
# /tmp/sscard-pcsc) so that scripts/pcsc-down.sh undoes exactly that and nothing else.
#
#   scripts/pcsc-up.sh            # idempotent; prints what it did
#   SSCARD_PCSCD_DEBUG=1 ...      # run pcscd with -d -a (APDU log) into $STATE/pcscd.log
set -euo pipefail

STATE="${SSCARD_PCSC_STATE:-/tmp/sscard-pcsc}"
SOCKET=/run/pcscd/pcscd.comm
VPCD_DRIVER=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
# libpcsclite1 is the library sscard loads through koffi (nothing is compiled against it).
PACKAGES=(pcscd libpcsclite1 vsmartcard-vpcd pcsc-tools python3-pyscard opensc)
mkdir -p "$STATE"

say() { printf 'pcsc-up: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }
ROOT=(); [ "$(id -u)" -eq 0 ] || ROOT=(sudo -n)

packages_present() {
  command -v pcscd >/dev/null && [ -e "$VPCD_DRIVER" ] && command -v scriptor >/dev/null &&
    ldconfig -p | grep 'libpcsclite\.so\.1 ' >/dev/null && command -v opensc-tool >/dev/null &&
    /usr/bin/python3 -c 'import smartcard' 2>/dev/null
}

if ! packages_present; then
  say "installing ${PACKAGES[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Refresh the package lists only when they are absent or the install fails without them.
  if ! compgen -G '/var/lib/apt/lists/*Packages*' >/dev/null; then as_root apt-get update -q; fi
  if ! as_root apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"; then
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"
  fi
  packages_present || { say "packages still missing after apt-get install"; exit 1; }
fi

if pgrep -x pcscd >/dev/null; then
  say "pcscd already running (pid $(pgrep -x pcscd | head -1)); not starting another, will not stop it"
else
  as_root mkdir -p /run/pcscd
  # A socket left by a pcscd that died would make the new one refuse to start.
  [ -S "$SOCKET" ] && as_root rm -f "$SOCKET"
  args=(-f)
  [ "${SSCARD_PCSCD_DEBUG:-}" = 1 ] && args+=(-d -a)
  # -f keeps pcscd in the foreground so that we own its pid; setsid detaches it from this shell.
  # Run without a wrapping function so that $! is pcscd itself (setsid execs it).
  "${ROOT[@]}" setsid pcscd "${args[@]}" >"$STATE/pcscd.log" 2>&1 </dev/null &
  echo $! >"$STATE/pcscd.pid"
  say "started pcscd (pid $(cat "$STATE/pcscd.pid"), log $STATE/pcscd.log)"
fi

for _ in $(seq 1 100); do
  [ -S "$SOCKET" ] && break
  sleep 0.1
done
if [ ! -S "$SOCKET" ]; then
  say "pcscd socket $SOCKET did not appear within 10 s; log follows"
  cat "$STATE/pcscd.log" 2>/dev/null || true
  exit 1
fi
say "pcscd socket ready at $SOCKET"

# Bookworm's vpcd writes each command in two pieces, so without quick ACKs every APDU waits for a
# delayed ACK (~44 ms). Quick ACKs on the loopback routes bring it to ~0.1 ms. Optional: tests pass
# without it, only slower.
if ip route show table local 2>/dev/null | grep -q 'local 127.0.0.0/8.*quickack 1'; then
  say "loopback quickack already on (left as found)"
elif as_root ip route change local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 table local quickack 1 2>/dev/null &&
  as_root ip route change local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 table local quickack 1 2>/dev/null; then
  touch "$STATE/quickack.applied"
  say "loopback quickack turned on (vpcd APDUs ~0.1 ms instead of ~44 ms)"
else
  say "WARNING: could not turn on loopback quickack (needs root/CAP_NET_ADMIN): each vpcd APDU will take ~44 ms"
fi
