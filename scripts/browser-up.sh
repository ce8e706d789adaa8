#!/usr/bin/env bash
# Installs Debian's Chromium for the browser tests (the demo page of `sscard serve`), if missing.
# playwright-core drives it (executablePath /usr/bin/chromium); no browser is downloaded by npm.
#
#   scripts/browser-up.sh        # idempotent
set -euo pipefail

say() { printf 'browser-up: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi; }

if [ -x /usr/bin/chromium ]; then
  say "chromium present"
  exit 0
fi
say "installing chromium"
export DEBIAN_FRONTEND=noninteractive
if ! compgen -G '/var/lib/apt/lists/*Packages*' >/dev/null; then as_root apt-get update -q; fi
if ! as_root apt-get install -y -q --no-install-recommends chromium; then
  as_root apt-get update -q
  as_root apt-get install -y -q --no-install-recommends chromium
fi
[ -x /usr/bin/chromium ] || { say "chromium still missing after apt-get install"; exit 1; }
