#!/usr/bin/env bash
# Installs the system tools, BMC emulators and clients metalflow, its tests and the lab use (idempotent):
#   Debian: ipmitool (IPMI client, as Ironic uses), openipmi (ipmi_sim IPMI BMC emulator),
#           genisoimage (its isoinfo reads config drives back in the tests; the worker builds them itself)
#           iproute2 (network namespaces for tests that run real agents and clients), ipxe (the
#           firmware the TFTP server hands out), and the standard clients the boot-service tests
#           use: busybox (udhcpc, udhcpd), isc-dhcp-client, isc-dhcp-relay, tftp-hpa, atftp,
#           dnsmasq-base and tftpd-hpa (the peers bench/boot-plane.ts measures ours against),
#           nftables (packet loss: this kernel has no netem); qemu-system-x86, ipxe-qemu and ovmf
#           (test machines that network-boot with real firmware); debootstrap, zstd, cpio (the
#           agent ramdisk), fdisk, mtools, qemu-utils, grub-efi-amd64-bin (the deployed test image);
#           libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients, python3-libvirt, python3-venv
#           (the virtual-media lab: a private libvirtd per run, never the system's, no libvirt network),
#           xorriso, grub-pc-bin (grub-mkrescue builds the per-host agent ISO and the lab's test
#           ISOs for UEFI and legacy BIOS), seabios (the lab's legacy firmware ROM), prometheus
#           (promtool and a real server scrape the workers' /metrics in a test; never started as a service)
#   PyPI:   sushy-tools (Redfish BMC emulator, as Metal3 uses) in .tools/emulators (fake driver) and in
#           .tools/emulators-libvirt (Debian's python3 + python3-libvirt: its libvirt driver);
#           ironic-python-agent (the stock agent) + test/fixtures/ipa-test-hardware in .tools/ipa
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SUSHY_TOOLS_VERSION="${SUSHY_TOOLS_VERSION:-2.2.0}"
IPA_VERSION="${IPA_VERSION:-13.0.0}"

missing=()
command -v ipmitool >/dev/null 2>&1 || missing+=(ipmitool)
command -v ipmi_sim >/dev/null 2>&1 || missing+=(openipmi)
command -v genisoimage >/dev/null 2>&1 || missing+=(genisoimage)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
[ -f /usr/lib/ipxe/snponly.efi ] || missing+=(ipxe)
command -v busybox >/dev/null 2>&1 || missing+=(busybox)
command -v dhclient >/dev/null 2>&1 || missing+=(isc-dhcp-client)
command -v dhcrelay >/dev/null 2>&1 || missing+=(isc-dhcp-relay)
command -v tftp >/dev/null 2>&1 || missing+=(tftp-hpa)
command -v atftp >/dev/null 2>&1 || missing+=(atftp)
command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
[ -x /usr/sbin/in.tftpd ] || missing+=(tftpd-hpa)
command -v nginx >/dev/null 2>&1 || missing+=(nginx)
command -v nft >/dev/null 2>&1 || missing+=(nftables)
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[ -f /usr/lib/ipxe/qemu/efi-virtio.rom ] || missing+=(ipxe-qemu)
[ -f /usr/share/OVMF/OVMF_CODE.fd ] || missing+=(ovmf)
# The agent ramdisk and the deployed test image (scripts/build-ipa-ramdisk.sh, build-test-image.sh).
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
command -v sfdisk >/dev/null 2>&1 || missing+=(fdisk)
command -v mcopy >/dev/null 2>&1 || missing+=(mtools)
command -v qemu-img >/dev/null 2>&1 || missing+=(qemu-utils)
[ -d /usr/lib/grub/x86_64-efi ] || missing+=(grub-efi-amd64-bin)
# The per-host agent ISO (src/boot/media): grub-mkrescue needs both GRUB platforms and xorriso.
command -v xorriso >/dev/null 2>&1 || missing+=(xorriso)
[ -d /usr/lib/grub/i386-pc ] || missing+=(grub-pc-bin)
# The virtual-media lab (lab/libvirt-lab.ts): libvirt + QEMU behind sushy-tools' libvirt driver.
[ -x /usr/sbin/libvirtd ] || missing+=(libvirt-daemon)
[ -f /usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_qemu.so ] || missing+=(libvirt-daemon-driver-qemu)
command -v virsh >/dev/null 2>&1 || missing+=(libvirt-clients)
/usr/bin/python3 -c 'import libvirt' >/dev/null 2>&1 || missing+=(python3-libvirt)
/usr/bin/python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
[ -f /usr/share/seabios/bios-256k.bin ] || missing+=(seabios)
# The workers' /metrics checked by the real thing (test/integration/worker/metrics-prometheus.test.ts).
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "error: need ${missing[*]} (Debian packages); run as root or: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "==> apt-get install ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Never let a package start its daemon (isc-dhcp-relay would relay DHCP on this machine's network,
  # tftpd-hpa would serve /srv/tftp on every address).
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; own_policy=1; fi
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  if [ "$own_policy" = 1 ]; then rm -f "$policy"; fi
  # Nor start one at the next boot: bench/boot-plane.ts runs in.tftpd itself, in a namespace.
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    systemctl disable prometheus prometheus-node-exporter >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" tftpd-hpa "* ]]; then
    update-rc.d tftpd-hpa disable >/dev/null 2>&1 || true
    systemctl disable tftpd-hpa >/dev/null 2>&1 || true
  fi
  if [[ " ${missing[*]} " == *" nginx "* ]]; then
    update-rc.d nginx disable >/dev/null 2>&1 || true
    systemctl disable nginx >/dev/null 2>&1 || true
  fi
fi

venv="$root/.tools/emulators"
if [ ! -x "$venv/bin/sushy-emulator" ]; then
  echo "==> pip install sushy-tools==$SUSHY_TOOLS_VERSION into $venv" >&2
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q "sushy-tools==$SUSHY_TOOLS_VERSION" >&2
fi

# sushy-tools' libvirt driver needs the libvirt bindings: Debian's (python3-libvirt), so this venv is
# Debian's python3 with the system site-packages (the one above may be any python3 on PATH).
lvenv="$root/.tools/emulators-libvirt"
if [ ! -x "$lvenv/bin/sushy-emulator" ] || ! "$lvenv/bin/python" -c 'import libvirt' >/dev/null 2>&1; then
  echo "==> pip install sushy-tools==$SUSHY_TOOLS_VERSION into $lvenv (with Debian's python3-libvirt)" >&2
  /usr/bin/python3 -m venv --system-site-packages "$lvenv" >&2
  "$lvenv/bin/pip" install -q "sushy-tools==$SUSHY_TOOLS_VERSION" >&2
fi

ipa="$root/.tools/ipa"
# (sed reads all of pip's output: `grep -q` would end the pipe early, and pipefail would call that a failure)
if [ "$("$ipa/bin/pip" show ironic-python-agent 2>/dev/null | sed -n 's/^Version: //p')" != "$IPA_VERSION" ]; then
  echo "==> pip install ironic-python-agent==$IPA_VERSION into $ipa" >&2
  python3 -m venv "$ipa" >&2
  "$ipa/bin/pip" install -q "ironic-python-agent==$IPA_VERSION" >&2
fi
# The harmless hardware manager the stock-agent test runs with (no real disk is ever touched).
fixture="$root/test/fixtures/ipa-test-hardware"
stamp="$ipa/.metalflow-test-hardware.sha256"
sum="$(cat "$fixture"/pyproject.toml "$fixture"/metalflow_ipa_test/*.py | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  tmp="$(mktemp -d)"; cp -r "$fixture"/. "$tmp"
  "$ipa/bin/pip" install -q --no-deps --force-reinstall "$tmp" >&2
  rm -rf "$tmp"; echo "$sum" >"$stamp"
fi
