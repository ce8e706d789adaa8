#!/usr/bin/env bash
# Undoes scripts/pcsc-up.sh: stops the pcscd it started (by pid, never by name) and restores the
# loopback routes if it changed them. Leaves alone anything it did not start.
set -uo pipefail

STATE="${SSCARD_PCSC_STATE:-/tmp/sscard-pcsc}"
say() { printf 'pcsc-down: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if [ -f "$STATE/pcscd.pid" ]; then
  pid=$(cat "$STATE/pcscd.pid")
  if kill -0 "$pid" 2>/dev/null && [ "$(cat /proc/"$pid"/comm 2>/dev/null)" = pcscd ]; then
    as_root kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "pcscd (pid $pid) ignored SIGTERM for 5 s; sending SIGKILL"
      as_root kill -KILL "$pid"
    fi
    say "stopped pcscd (pid $pid)"
  else
    say "pcscd (pid $pid) already gone"
  fi
  rm -f "$STATE/pcscd.pid"
else
  say "no pcscd started by pcsc-up.sh; nothing to stop"
fi

if [ -f "$STATE/quickack.applied" ]; then
  as_root ip route change local 127.0.0.0/8 dev lo proto kernel scope host src 127.0.0.1 table local &&
    as_root ip route change local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1 table local &&
    say "loopback routes restored (quickack off)"
  rm -f "$STATE/quickack.applied"
fi
exit 0
