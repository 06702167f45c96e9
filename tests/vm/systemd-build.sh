#!/bin/sh
# tests/vm/systemd-build.sh OUTDIR PACKAGES_FILE: the Debian 12 system that
# tests/vm/systemd.sh boots, built from Debian's archive with debootstrap.
# Writes into OUTDIR (which must not exist yet):
#   root.img    ext4 image of the root filesystem (mke2fs -d, no loop mount)
#   vmlinuz     the guest's kernel (/boot/vmlinuz-*) and
#   initrd.img  its initramfs (made by initramfs-tools inside the chroot)
#   build.log   what the steps printed; times.txt: how long each took
# Exit status 0 when all of it is there.  Needs root (debootstrap, chroot,
# mounts of proc/sys/dev in the chroot) and the host packages debootstrap
# and e2fsprogs.  Environment: OCIRUN_VM_MIRROR (default
# http://deb.debian.org/debian), OCIRUN_VM_SUITE (default bookworm).
#
# The system: minbase plus PACKAGES_FILE (no recommends), systemd as
# PID 1, root on /dev/vda, no password for root, no network interface.
# Daemons are not started by the build (policy-rc.d); docker and containerd
# are not started at boot either: the tests start them.  The unit
# vmtest.service runs at boot: it mounts the second disk (/dev/vdb, made per
# run by systemd.sh with the binary under test and the test scripts) on
# /run/vmtest and runs its boot.sh, with the serial console as output.
set -eu
out=$1 pkgs=$2
mirror=${OCIRUN_VM_MIRROR:-http://deb.debian.org/debian}
suite=${OCIRUN_VM_SUITE:-bookworm}
mkdir "$out"
log=$out/build.log
r=$out/root
: >"$out/times.txt"
t0=$(date +%s)
step() { # NAME: the time since the last step, into times.txt
	t1=$(date +%s); echo "$1 $((t1 - t0))s" >>"$out/times.txt"; t0=$t1
}
mounted=
cleanup() {
	for m in $mounted; do umount "$r/$m" 2>/dev/null || umount -l "$r/$m" 2>/dev/null || :; done
	mounted=
}
trap cleanup EXIT
trap 'cleanup; exit 130' HUP INT TERM

packages=$(sed 's/#.*//' "$pkgs" | tr -s ' \t\n' ' ')

# --- debootstrap minbase ---------------------------------------------------------
timeout 1200 debootstrap --variant=minbase "$suite" "$r" "$mirror" >>"$log" 2>&1
step debootstrap

# --- the packages ------------------------------------------------------------------
for m in proc sys dev; do
	case $m in
	proc) mount -t proc proc "$r/proc" ;;
	sys) mount -t sysfs sysfs "$r/sys" ;;
	dev) mount --bind /dev "$r/dev" ;;
	esac
	mounted="$m $mounted"
done
# no daemon starts in the chroot
printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d"
chmod 755 "$r/usr/sbin/policy-rc.d"
# the initramfs: all the usual drivers (MODULES=most), and the ones this
# VM boots from named too
mkdir -p "$r/etc/initramfs-tools/conf.d"
echo 'MODULES=most' >"$r/etc/initramfs-tools/conf.d/ocirun-vm.conf"
mkdir -p "$r/etc/initramfs-tools"
printf 'virtio_pci\nvirtio_blk\next4\n' >>"$r/etc/initramfs-tools/modules"
# no documentation, manual pages or translations
mkdir -p "$r/etc/dpkg/dpkg.cfg.d"
cat >"$r/etc/dpkg/dpkg.cfg.d/01-ocirun-vm-nodoc" <<'EOF'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
EOF
in_root() { LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$r" "$@"; }
timeout 600 chroot "$r" env LC_ALL=C apt-get update >>"$log" 2>&1
# shellcheck disable=SC2086
timeout 1800 env LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$r" apt-get install -y --no-install-recommends -o APT::Install-Suggests=0 $packages >>"$log" 2>&1
step "apt-get install"

# --- configuration -------------------------------------------------------------------
echo systemd-vm >"$r/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 systemd-vm\n' >"$r/etc/hosts"
echo '/dev/vda / ext4 rw,relatime 0 0' >"$r/etc/fstab"
in_root passwd -d root >>"$log" 2>&1
# tester (uid 1000): rootless podman and the runtime under the user's own
# systemd, which lingering starts at boot (with dbus-user-session's bus)
in_root useradd -m -u 1000 -s /bin/sh tester >>"$log" 2>&1
echo tester:100000:65536 >"$r/etc/subuid"
echo tester:100000:65536 >"$r/etc/subgid"
mkdir -p "$r/var/lib/systemd/linger"
: >"$r/var/lib/systemd/linger/tester"
rm -f "$r/etc/machine-id" "$r/var/lib/dbus/machine-id"
in_root systemd-machine-id-setup >>"$log" 2>&1
# a volatile journal: fewer writes on the emulated disk
mkdir -p "$r/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\n' >"$r/etc/systemd/journald.conf.d/ocirun-vm.conf"
# units this VM does not need, or that only slow its boot
for u in apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service \
	fstrim.timer dpkg-db-backup.timer logrotate.timer man-db.timer systemd-timesyncd.service \
	getty@tty1.service serial-getty@ttyS0.service console-getty.service \
	systemd-networkd-wait-online.service systemd-pstore.service; do
	ln -sf /dev/null "$r/etc/systemd/system/$u"
done
# docker and containerd are started by the tests (so their start can be
# timed and their configuration changed first)
for u in docker.service docker.socket containerd.service; do
	find "$r/etc/systemd/system" -name "$u" -type l -delete
done
# the test unit: the second disk's boot.sh, its output on the serial console
cat >"$r/usr/local/sbin/vmtest-boot" <<'EOF'
#!/bin/sh
# mounts the per-run disk of tests/vm/systemd.sh and runs its boot.sh
dmesg -n 1 2>/dev/null
mkdir -p /run/vmtest
i=0
while [ ! -b /dev/vdb ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done
if mount -o ro /dev/vdb /run/vmtest && [ -f /run/vmtest/boot.sh ]; then
	exec sh /run/vmtest/boot.sh
fi
echo "VMTEST FAIL - vm: cannot mount /dev/vdb with boot.sh on /run/vmtest"
echo "VMTEST-DONE"
sync
systemctl poweroff --force --force
EOF
chmod 755 "$r/usr/local/sbin/vmtest-boot"
cat >"$r/etc/systemd/system/vmtest.service" <<'EOF'
[Unit]
Description=ocirun VM tests (tests/vm/systemd.sh)
After=local-fs.target dbus.service apparmor.service systemd-udev-settle.service
Wants=dbus.service

[Service]
Type=simple
ExecStart=/usr/local/sbin/vmtest-boot
StandardInput=null
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS0
TTYReset=no
TTYVHangup=no
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
mkdir -p "$r/etc/systemd/system/multi-user.target.wants"
ln -sf /etc/systemd/system/vmtest.service "$r/etc/systemd/system/multi-user.target.wants/vmtest.service"
rm -f "$r/usr/sbin/policy-rc.d"
cleanup
rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/cache/apt/archives/*.deb \
	"$r"/var/cache/debconf/*-old "$r"/var/log/*.log "$r"/var/log/apt/*
step configure

# --- kernel, initramfs, the disk image -----------------------------------------------------
k=$(ls "$r"/boot/vmlinuz-* | sort -V | tail -n 1)
i=$r/boot/initrd.img-${k##*/vmlinuz-}
[ -s "$k" ] && [ -s "$i" ]
cp "$k" "$out/vmlinuz"
cp "$i" "$out/initrd.img"
echo "kernel ${k##*/vmlinuz-}" >>"$log"
# the image: the system's size, and 2 GiB free for container storage
used=$(du -sxm "$r" | cut -f1)
mke2fs -q -F -t ext4 -L vmroot -d "$r" "$out/root.img" "$((used + 2048))M" >>"$log" 2>&1
# never rm -rf through a mount (the chroot's /dev is the host's)
if awk -v d="$r/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
	echo "still mounted under $r" >>"$log"; exit 1
fi
rm -rf "$r"
step mke2fs
