#!/usr/bin/env bash
# The whole test suite: type check, lint, unit, integration and end-to-end tests.
# Integration tests start their own Temporal dev server (SQLite, random ports) and worker processes.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# The stock-IPA ramdisk and the deployed test image for the QEMU end-to-end tests (cached builds).
bash scripts/build-ipa-ramdisk.sh .tools/ipa-ramdisk >/dev/null
bash scripts/build-test-image.sh .tools/test-image >/dev/null
export TEMPORAL_CLI_PATH="$("$root/scripts/ensure-temporal.sh")"
"$TEMPORAL_CLI_PATH" --version >/dev/null  # page the binary in before tests time its start
echo "==> tsc --noEmit"
npx tsc --noEmit
echo "==> eslint"
npx eslint .
echo "==> vitest (unit, integration)"
npx vitest run "$@"
