#!/usr/bin/env bash
# Installs the system tools, BMC emulators and clients metalflow, its tests and the lab use (idempotent):
#   Debian: ipmitool (IPMI client, as Ironic uses), openipmi (ipmi_sim IPMI BMC emulator),
#           genisoimage (config drive ISOs, as openstacksdk builds them; isoinfo for tests)
#   PyPI:   sushy-tools (Redfish BMC emulator, as Metal3 uses) in .tools/emulators
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUSHY_TOOLS_VERSION="${SUSHY_TOOLS_VERSION:-2.2.0}"

missing=()
command -v ipmitool >/dev/null 2>&1 || missing+=(ipmitool)
command -v ipmi_sim >/dev/null 2>&1 || missing+=(openipmi)
command -v genisoimage >/dev/null 2>&1 || missing+=(genisoimage)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: need ${missing[*]} (Debian packages); run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

venv="$root/.tools/emulators"
if [ ! -x "$venv/bin/sushy-emulator" ]; then
  echo "==> pip install sushy-tools==$SUSHY_TOOLS_VERSION into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "sushy-tools==$SUSHY_TOOLS_VERSION" >&2
fi
