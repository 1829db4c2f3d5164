#!/usr/bin/env bash
# Builds the CLI's bundle (bin/cli-bundle.js says when bin/metalflow.js uses it): one ESM file of
# the CLI's own modules; its dependencies stay in node_modules. Written whole, then renamed, so a
# CLI starting meanwhile reads either the old file or the new one.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="build/cli/bundle/metalflow-cli.mjs"
mkdir -p "$(dirname "$out")"
tmp="$out.$$.tmp.mjs"
node_modules/.bin/esbuild src/client/cli/main.ts --bundle --platform=node --format=esm --target=node20 --packages=external --log-level=warning --outfile="$tmp"
mv -f "$tmp" "$out"
