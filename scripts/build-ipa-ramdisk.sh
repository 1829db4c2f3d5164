#!/usr/bin/env bash
# Builds a bootable Ironic Python Agent ramdisk: a Debian kernel and an initramfs holding a minimal
# Debian (debootstrap, systemd, udev, systemd-networkd DHCP on every wired NIC) with the stock
# ironic-python-agent from PyPI in /opt/ipa and a unit that starts it on boot. IPA reads
# ipa-api-url, ipa-inspection-callback-url, BOOTIF... from the kernel command line, which our iPXE
# scripts set, so the same ramdisk serves every host.
#
#   scripts/build-ipa-ramdisk.sh [OUT_DIR]     (root: debootstrap and chroot)
#
# Prints the directory that holds ironic-python-agent.kernel and ironic-python-agent.initramfs,
# plus what the test-image builder reuses: busybox (static) and modules.tar (the pruned modules).
# The result is cached under $METALFLOW_CACHE_DIR (default ~/.cache/metalflow), keyed by this
# script and the versions below: a second run prints the cached directory at once. OUT_DIR, if
# given, gets symlinks to the cached files.
#
# Settings: IPA_VERSION (13.0.0), DEBIAN_SUITE (bookworm), DEBIAN_MIRROR (the first URI of this
# machine's apt sources, else deb.debian.org), IPA_EXTRA_PACKAGES (more Debian packages).
set -euo pipefail
IPA_VERSION="${IPA_VERSION:-13.0.0}"
DEBIAN_SUITE="${DEBIAN_SUITE:-bookworm}"
if [ -z "${DEBIAN_MIRROR:-}" ]; then
  DEBIAN_MIRROR="$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n1 || true)"
  DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
fi
# What IPA runs: lsblk/blkid/wipefs/partx (util-linux), sfdisk (fdisk), sgdisk (gdisk), parted/partprobe, qemu-img
# (image conversion), udevadm, dmidecode/lshw/lspci (inventory), fuser (psmisc: cleaning checks
# what holds a disk), hdparm/nvme (secure erase), hexdump, file, ipmitool (BMC address), efibootmgr
# (UEFI boot entries), mdadm (software RAID checks), e2fsprogs, dosfstools.
PACKAGES="systemd-sysv,udev,kmod,linux-image-amd64,python3,python3-venv,ca-certificates,iproute2,util-linux,fdisk,gdisk,parted,qemu-utils,dmidecode,lshw,pciutils,hdparm,nvme-cli,psmisc,bsdextrautils,file,ipmitool,efibootmgr,mdadm,dosfstools,e2fsprogs,busybox-static,procps${IPA_EXTRA_PACKAGES:+,$IPA_EXTRA_PACKAGES}"

self="$(readlink -f "${BASH_SOURCE[0]}")"
key="$( { cat "$self"; echo "$IPA_VERSION $DEBIAN_SUITE $PACKAGES"; } | sha256sum | cut -c1-16)"
cache="${METALFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/metalflow}"
out="$cache/ipa-ramdisk-$key"
link() {
  if [ -n "${1:-}" ]; then
    mkdir -p "$1"
    for f in ironic-python-agent.kernel ironic-python-agent.initramfs busybox modules.tar kernel-version; do ln -sfn "$out/$f" "$1/$f"; done
  fi
}
if [ -f "$out/.complete" ]; then link "${1:-}"; echo "$out"; exit 0; fi

if [ "$(id -u)" != 0 ]; then echo "error: building the agent ramdisk needs root (debootstrap, chroot)" >&2; exit 1; fi
command -v debootstrap >/dev/null || { echo "error: debootstrap missing (scripts/setup-tools.sh installs it)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ipa-ramdisk.XXXXXX")"
root="$work/root"
cleanup() {
  for m in proc sys dev/pts dev; do umount -l "$root/$m" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
log() { echo "==> ipa-ramdisk: $*" >&2; }

# The debootstrapped system is cached on its own (it is most of the build time): a new IPA
# version or agent configuration starts from it.
base="$cache/debootstrap-$(echo "$DEBIAN_SUITE $PACKAGES" | sha256sum | cut -c1-16).tar.zst"
mkdir -p "$root" "$cache"
if [ -f "$base" ]; then
  log "base system from $base"
  zstd -dcq "$base" | tar -x -C "$root"
else
  log "debootstrap $DEBIAN_SUITE from $DEBIAN_MIRROR"
  debootstrap --variant=minbase --include="$PACKAGES" "$DEBIAN_SUITE" "$root" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 || {
    tail -n 40 "$work/debootstrap.log" >&2; exit 1; }
  rm -rf "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" -c . | zstd -T0 -3 -q >"$base.tmp" && mv "$base.tmp" "$base"
fi

mount -t proc proc "$root/proc"; mount -t sysfs sys "$root/sys"; mount --bind /dev "$root/dev"; mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# pip inside the chroot trusts what this machine's pip trusts (its CA bundle may hold a proxy's CA);
# none of it stays in the ramdisk.
host_ca="${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}"
[ -f "$host_ca" ] && cp "$host_ca" "$root/tmp/host-ca.crt"

log "pip install ironic-python-agent==$IPA_VERSION into /opt/ipa"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" python3 -m venv /opt/ipa
# A clean environment: requests lets REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE (this machine's paths)
# override pip's --cert.
pip_env=(PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 PIP_CERT=/tmp/host-ca.crt PIP_DISABLE_PIP_VERSION_CHECK=1)
for v in PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_DEFAULT_TIMEOUT HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
  [ -n "${!v:-}" ] && pip_env+=("$v=${!v}")
done
env -i "${pip_env[@]}" chroot "$root" /opt/ipa/bin/pip install -q --no-cache-dir "ironic-python-agent==$IPA_VERSION" >&2
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" /opt/ipa/bin/python -m compileall -q /opt/ipa/lib >/dev/null || true
umount -l "$root/dev/pts" "$root/dev" "$root/sys" "$root/proc"

log "configure: systemd-networkd DHCP, the agent unit, serial console"
cat >"$root/etc/systemd/network/80-dhcp.network" <<'EOF'
# Every wired NIC asks for an address: the provisioning network is whichever answers.
[Match]
Type=ether
[Network]
DHCP=ipv4
LinkLocalAddressing=no
IPv6AcceptRA=no
[DHCPv4]
# The MAC as client id: the boot services know hosts by their boot MAC.
ClientIdentifier=mac
EOF
mkdir -p "$root/etc/systemd/system/systemd-networkd-wait-online.service.d"
cat >"$root/etc/systemd/system/systemd-networkd-wait-online.service.d/any.conf" <<'EOF'
[Service]
ExecStart=
ExecStart=/lib/systemd/systemd-networkd-wait-online --any --ipv4 --timeout=300
EOF
cat >"$root/etc/systemd/system/ironic-python-agent.service" <<'EOF'
[Unit]
Description=Ironic Python Agent
After=network-online.target systemd-udev-settle.service
Wants=network-online.target

[Service]
ExecStart=/opt/ipa/bin/ironic-python-agent
Restart=always
RestartSec=5s
StandardOutput=journal+console
StandardError=journal+console

[Install]
WantedBy=multi-user.target
EOF
ln -sf /etc/systemd/system/ironic-python-agent.service "$root/etc/systemd/system/multi-user.target.wants/ironic-python-agent.service"
ln -sf /lib/systemd/system/systemd-networkd.service "$root/etc/systemd/system/multi-user.target.wants/systemd-networkd.service"
mkdir -p "$root/etc/systemd/system/network-online.target.wants"
ln -sf /lib/systemd/system/systemd-networkd-wait-online.service "$root/etc/systemd/system/network-online.target.wants/systemd-networkd-wait-online.service"
for unit in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer mdcheck_start.timer mdcheck_continue.timer mdmonitor-oneshot.timer getty@tty1.service systemd-timesyncd.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
echo "ipa-ramdisk" >"$root/etc/hostname"
: >"$root/etc/machine-id"
: >"$root/etc/fstab"
rm -f "$root/etc/resolv.conf" "$root/tmp/host-ca.crt"
# The agent ramdisk runs as root with no login: nobody logs in, the console shows the agent's log.
sed -i 's/^root:[^:]*:/root:*:/' "$root/etc/shadow"
ln -sf /lib/systemd/systemd "$root/init"

kver="$(ls "$root/lib/modules" | sort -V | tail -n1)"
log "kernel $kver; prune modules to what a server or VM boots with"
cp "$root/boot/vmlinuz-$kver" "$work/ironic-python-agent.kernel"
mods="$root/lib/modules/$kver"
keep=(kernel/drivers/virtio kernel/drivers/block kernel/drivers/net/virtio_net.ko kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko
  kernel/drivers/net/ethernet/intel kernel/drivers/scsi kernel/drivers/ata kernel/drivers/nvme kernel/drivers/cdrom kernel/drivers/md
  kernel/drivers/char/ipmi kernel/drivers/firmware kernel/drivers/char/virtio_console.ko kernel/drivers/net/mii.ko
  kernel/fs/isofs kernel/fs/fat kernel/fs/vfat kernel/fs/nls kernel/fs/ext4 kernel/fs/jbd2 kernel/fs/mbcache.ko kernel/fs/efivarfs
  kernel/lib kernel/crypto kernel/arch/x86/crypto kernel/net/packet kernel/drivers/input)
tmpmods="$work/modules"
mkdir -p "$tmpmods"
for k in "${keep[@]}"; do
  for f in "$mods"/$k*; do [ -e "$f" ] && (cd "$mods" && cp -a --parents "${f#"$mods"/}" "$tmpmods/"); done
done
cp -a "$mods"/modules.order "$mods"/modules.builtin* "$tmpmods/" 2>/dev/null || true
rm -rf "$mods"; mv "$tmpmods" "$mods"
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin chroot "$root" depmod "$kver"
(cd "$root" && tar -cf "$work/modules.tar" "lib/modules/$kver")
cp "$root/bin/busybox" "$work/busybox"

log "trim docs, locales, caches"
rm -rf "$root"/usr/share/{doc,man,info,locale,lintian,bash-completion} "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/boot/* "$root"/var/log/*
find "$root/opt/ipa" -depth -type d \( -name tests -o -name test \) -path '*site-packages*' -exec rm -rf {} + 2>/dev/null || true
rm -rf "$root"/usr/lib/python3*/test "$root"/usr/lib/python3*/unittest/test "$root"/usr/lib/x86_64-linux-gnu/gconv/[A-TV-Z]* 2>/dev/null || true

log "pack the initramfs ($(du -sh "$root" | cut -f1) uncompressed)"
(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$work/ironic-python-agent.initramfs"
echo "$kver" >"$work/kernel-version"

mkdir -p "$out"
mv "$work/ironic-python-agent.kernel" "$work/ironic-python-agent.initramfs" "$work/busybox" "$work/modules.tar" "$work/kernel-version" "$out/"
touch "$out/.complete"
# Older builds (another key) would only fill the disk.
for old in "$cache"/ipa-ramdisk-* "$cache"/debootstrap-*.tar.zst; do
  [ "$old" = "$out" ] || [ "$old" = "$base" ] || rm -rf "$old"
done
log "done: $out ($(du -sh "$out/ironic-python-agent.initramfs" | cut -f1) initramfs)"
link "${1:-}"
echo "$out"
