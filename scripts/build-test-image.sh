#!/usr/bin/env bash
# Builds the small whole-disk image the end-to-end tests deploy (and a user can deploy to try
# metalflow): GPT, one EFI system partition (FAT, made with mtools: no loop mounts) holding a
# standalone GRUB (removable-media path \EFI\BOOT\BOOTX64.EFI), the agent ramdisk's Debian kernel
# and a busybox initramfs. Its first boot does what cloud-init would with a config drive:
#   - finds the config drive (label config-2), reads openstack/latest/{user_data,meta_data.json};
#   - sets the hostname from user_data (`#cloud-config` hostname:) or else meta_data's hostname;
#   - prints "metalflow-test-os: booted as <hostname>" on the serial console;
#   - DHCPs on its NICs and, if user_data has `phone_home: {url: ...}` (cloud-init's phone_home
#     module), POSTs hostname=<hostname> to that URL.
#
#   scripts/build-test-image.sh [OUT_DIR]
#
# Prints the directory holding metalflow-test-os.raw and metalflow-test-os.qcow2, each with a
# .sha256sum file ("<hash>  <name>", the checksum-URL format Metal3 uses). Cached like the agent
# ramdisk (whose kernel, busybox and modules it reuses), keyed by both scripts.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ramdisk="$(bash "$here/build-ipa-ramdisk.sh")"
self="$(readlink -f "${BASH_SOURCE[0]}")"
key="$( { cat "$self"; echo "$ramdisk"; } | sha256sum | cut -c1-16)"
cache="${METALFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/metalflow}"
out="$cache/test-image-$key"
name=metalflow-test-os
link() {
  if [ -n "${1:-}" ]; then
    mkdir -p "$1"
    for f in "$name.raw" "$name.raw.sha256sum" "$name.qcow2" "$name.qcow2.sha256sum"; do ln -sfn "$out/$f" "$1/$f"; done
  fi
}
if [ -f "$out/.complete" ]; then link "${1:-}"; echo "$out"; exit 0; fi
for tool in grub-mkstandalone mformat mcopy sfdisk qemu-img cpio; do
  command -v "$tool" >/dev/null || { echo "error: $tool missing (scripts/setup-tools.sh installs it)" >&2; exit 1; }
done
echo "==> test-image: building $name" >&2

work="$(mktemp -d "${TMPDIR:-/tmp}/test-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
kver="$(cat "$ramdisk/kernel-version")"

# --- the initramfs: busybox, the few modules a VM disk/NIC/config drive needs, /init
fs="$work/initramfs"
mkdir -p "$fs"/{bin,dev,proc,sys,mnt,etc,tmp,run}
cp "$ramdisk/busybox" "$fs/bin/busybox"
tar -xf "$ramdisk/modules.tar" -C "$work"
mods="$work/lib/modules/$kver"
# Each wanted module after its dependencies (from modules.dep), for plain insmod at boot.
: >"$fs/etc/modules.order"
add_module() {
  local rel
  rel="$(awk -v m="/$1.ko" 'index($1, m":") { sub(":", "", $1); print $1; exit }' "$mods/modules.dep")"
  [ -n "$rel" ] || return 0 # built into the kernel
  local deps
  deps="$(awk -v r="$rel:" '$1 == r { for (i = 2; i <= NF; i++) print $i }' "$mods/modules.dep")"
  for d in $deps; do add_module "$(basename "$d" .ko)"; done
  if ! grep -qx "/lib/modules/$rel" "$fs/etc/modules.order"; then
    mkdir -p "$fs/lib/modules/$(dirname "$rel")"
    cp "$mods/$rel" "$fs/lib/modules/$rel"
    echo "/lib/modules/$rel" >>"$fs/etc/modules.order"
  fi
}
for m in virtio_pci virtio_blk virtio_net virtio_scsi sd_mod e1000 e1000e ahci isofs vfat nls_cp437 nls_ascii md-mod raid1; do add_module "$m"; done

cat >"$fs/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
say() { echo "metalflow-test-os: $*" >/dev/console; }
while read -r m; do insmod "$m" 2>/dev/null; done </etc/modules.order
say "kernel $(uname -r) up, looking for the config drive"
# Deployed onto software RAID (IPA: md0, metadata 1.2, which the kernel does not assemble by
# itself), the config drive is a partition of md0. Busybox has no mdadm: assemble md0 read-only
# through sysfs from whichever partitions carry its superblock (the kernel refuses the others).
assemble_md0() {
  [ -d /sys/block/md0 ] && return 0
  echo md0 >/sys/module/md_mod/parameters/new_array 2>/dev/null || return 1
  echo 1.2 >/sys/block/md0/md/metadata_version || return 1
  for p in /sys/class/block/*; do
    [ -f "$p/partition" ] && echo "$(cat "$p/dev")" >/sys/block/md0/md/new_dev 2>/dev/null
  done
  if echo readonly >/sys/block/md0/md/array_state 2>/dev/null; then
    blockdev --rereadpt /dev/md0 2>/dev/null
    say "assembled md0 ($(ls /sys/block/md0/slaves | tr '\n' ' '))"
  else
    echo clear >/sys/block/md0/md/array_state 2>/dev/null
  fi
}
dev=""
for i in $(seq 1 60); do
  dev="$(findfs LABEL=config-2 2>/dev/null)" && break
  [ "$i" = 3 ] && assemble_md0
  sleep 1
done
host="metalflow-test-os"
url=""
if [ -n "$dev" ] && mount -t iso9660 -o ro "$dev" /mnt; then
  ud=/mnt/openstack/latest/user_data
  md=/mnt/openstack/latest/meta_data.json
  h=""
  if [ -f "$ud" ] && head -n1 "$ud" | grep -q '^#cloud-config'; then
    h="$(sed -n 's/^hostname:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\).*/\1/p' "$ud" | head -n1)"
    url="$(sed -n '/^phone_home:/,/^[^[:space:]]/s/^[[:space:]]*url:[[:space:]]*["'\'']\{0,1\}\([^"'\'' ]*\).*/\1/p' "$ud" | head -n1)"
  fi
  if [ -z "$h" ] && [ -f "$md" ]; then
    h="$(sed -n 's/.*"hostname"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$md" | head -n1)"
  fi
  [ -n "$h" ] && host="$h"
  say "config drive $dev read"
else
  say "no config drive found"
fi
hostname "$host"
say "booted as $(hostname)"
if [ -n "$url" ]; then
  for nic in /sys/class/net/*; do
    n="$(basename "$nic")"; [ "$n" = lo ] && continue
    ip link set "$n" up
    udhcpc -i "$n" -s /bin/udhcpc.script -n -q -t 20 -T 2 >/dev/null 2>&1 && break
  done
  for i in $(seq 1 30); do
    if wget -q -O /dev/null --post-data "hostname=$(hostname)" "$url"; then say "phoned home to $url"; break; fi
    sleep 2
  done
fi
while :; do sleep 3600; done
EOF
cat >"$fs/bin/udhcpc.script" <<'EOF'
#!/bin/sh
case "$1" in
  bound|renew)
    ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
    [ -n "$router" ] && route add default gw "${router%% *}" dev "$interface"
    ;;
esac
exit 0
EOF
chmod +x "$fs/init" "$fs/bin/udhcpc.script"
(cd "$fs" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -9 >"$work/initrd.img"

# --- GRUB: searches every disk for this image's ESP, boots kernel + initramfs with a serial console
cat >"$work/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
search --no-floppy --set=root --file /metalflow-test-os.id
echo "metalflow-test-os: GRUB found its ESP on $root"
linux /vmlinuz console=tty0 console=ttyS0,115200 panic=10
initrd /initrd.img
boot
EOF
grub-mkstandalone -O x86_64-efi -o "$work/BOOTX64.EFI" --modules="part_gpt part_msdos fat search search_fs_file linux normal serial terminal echo gzio" \
  --locales= --fonts= --themes= "boot/grub/grub.cfg=$work/grub.cfg"

# --- the ESP (62 MiB FAT) and the GPT disk around it
esp_mib=62
mformat -i "$work/esp.img" -C -T $((esp_mib * 2048)) -h 64 -s 32 -v EFI ::
mmd -i "$work/esp.img" ::/EFI ::/EFI/BOOT
mcopy -i "$work/esp.img" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$work/esp.img" "$ramdisk/ironic-python-agent.kernel" ::/vmlinuz
mcopy -i "$work/esp.img" "$work/initrd.img" ::/initrd.img
echo "$key" >"$work/id"; mcopy -i "$work/esp.img" "$work/id" ::/metalflow-test-os.id
raw="$work/$name.raw"
truncate -s $(((esp_mib + 2) * 1024 * 1024)) "$raw"
printf 'label: gpt\nunit: sectors\nstart=2048, size=%d, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"\n' $((esp_mib * 2048)) | sfdisk -q "$raw"
dd if="$work/esp.img" of="$raw" bs=1M seek=1 conv=notrunc status=none
qemu-img convert -O qcow2 "$raw" "$work/$name.qcow2"
(cd "$work" && sha256sum "$name.raw" >"$name.raw.sha256sum" && sha256sum "$name.qcow2" >"$name.qcow2.sha256sum")

mkdir -p "$out"
mv "$raw" "$work/$name.raw.sha256sum" "$work/$name.qcow2" "$work/$name.qcow2.sha256sum" "$out/"
touch "$out/.complete"
for old in "$cache"/test-image-*; do [ "$old" = "$out" ] || rm -rf "$old"; done
link "${1:-}"
echo "$out"
