#!/usr/bin/env bash
# Installs everything the project needs (idempotent): npm packages and the pinned temporal CLI.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "==> temporal CLI: $("$root/scripts/ensure-temporal.sh")" >&2
bash "$root/scripts/setup-tools.sh"
