#!/usr/bin/env bash
# Installs OpenStack Ironic (PyPI) into .tools/ironic for the benchmark's side-by-side mode
# (bench/lifecycle.ts --ironic). Not needed to run or test metalflow. Idempotent.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.tools/ironic"
version="${METALFLOW_IRONIC_VERSION:-39.0.0}"
if [ -x "$venv/bin/ironic" ] && "$venv/bin/pip" show ironic 2>/dev/null | grep -qx "Version: $version"; then exit 0; fi
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --upgrade pip >&2
"$venv/bin/pip" install --quiet "ironic==$version" >&2
