#!/usr/bin/env bash
# Installs everything the project needs (idempotent): npm packages, the pinned temporal CLI, system
# tools, and the workflow bundle.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
if [ -L node_modules ]; then
  # A link to an install shared by several checkouts (git worktrees): npm ci here would empty it for all.
  echo "==> node_modules links to a shared install ($(readlink node_modules)): npm ci skipped" >&2
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> npm ci" >&2
  npm ci --no-audit --no-fund >&2
fi
echo "==> temporal CLI: $("$root/scripts/ensure-temporal.sh")" >&2
bash "$root/scripts/setup-tools.sh"
# The workflow bundle the workers run (built once here, not at each worker start; skipped when current).
node --import tsx src/worker/build-workflow-bundle.ts
# The CLI's bundle (the CLI runs from source until it is built, and whenever src/ is newer).
bash scripts/build-cli.sh
