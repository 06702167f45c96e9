#!/bin/sh
# tests/vm/systemd.sh [--hybrid] [OCIRUN_STATIC]: ocirun under podman and
# Docker at their defaults, and its systemd cgroup driver, on a booted
# Debian 12 with systemd as PID 1, in a VM; runc (Debian's 1.1.5, in the
# guest) is the oracle: each check runs with runc and with ocirun.
#
# The system: Debian 12 (bookworm) with systemd, dbus, its kernel
# (linux-image-amd64) and an initramfs made by initramfs-tools, AppArmor,
# podman 4.3 (conmon, netavark), docker.io 20.10 (containerd), runc,
# busybox-static, python3-grpcio (for tests/cri/kubelet.py in the guest's
# "cri" part): tests/vm/systemd-packages, built by
# tests/vm/systemd-build.sh with debootstrap from Debian's archive, once:
# cached in $OCIRUN_VM_CACHE/debian-systemd/KEY/ (KEY: a hash of those two
# files; other keys' builds are removed after a new build).  The root
# filesystem is an ext4 image (mke2fs -d) booted read-write under qemu
# with snapshot=on, so every run starts from the same system and the cache
# stays as built.  A second small disk made per run (ext4, /dev/vdb, read
# only) carries the binary under test (installed in the guest as
# /usr/local/bin/ocirun), tests/vm/systemd-guest.sh, for its "cri" part
# tests/cri/kubelet.py with its stubs and the CRI images (made here, see
# below), and a boot.sh: the
# image's vmtest.service mounts it at boot and runs boot.sh, which runs the
# checks, prints VMTEST-DONE and powers off.  A disk rather than a 9p share:
# it needs no module in the guest and no more qemu options, and the
# image never changes when the tests do.
#
# The kernel and initramfs are the guest's own (from the image's /boot,
# kept beside the image), root=/dev/vda, console=ttyS0, 2 CPUs, 2 GiB, TCG
# (kvm only when /proc/cpuinfo shows vmx or svm).  cgroup v2 (systemd's
# unified layout) by default; --hybrid adds
# systemd.unified_cgroup_hierarchy=0 (systemd's hybrid layout: v1
# controllers, the v2 tree on /sys/fs/cgroup/unified).  AppArmor is on, as
# Debian's kernel has it, so podman and Docker send their profiles.
#
# Output: the guest's "ok - NAME" / "FAIL - NAME: reason" / "info - WHAT"
# lines, each NAME starting with the runtime ("runc: ", "ocirun: ",
# "ocirun-cgroupfs: "), then "N passed, M failed".  Cannot run (not root,
# no qemu, no debootstrap, no route to Debian's archive):
# "skip - systemd vm: why" and "0 passed, 0 failed".  The exit status is 0
# either way: read the summary.
#
# OCIRUN_STATIC defaults to the repo's ocirun-static, brought up to date
# with `make static` first.  Environment:
#   OCIRUN_VM_CACHE   image cache (default /var/cache/ocirun-vm)
#   OCIRUN_VM_ACCEL   qemu accelerator (default tcg,thread=multi)
#   OCIRUN_VM_LOG     keep the guest's whole serial console in this file
#   OCIRUN_VM_TIMEOUT seconds qemu may run (default 1500)
#   OCIRUN_VM_MIRROR  Debian mirror for the build (default
#                     http://deb.debian.org/debian)
#   OCIRUN_VM_ONLY    a space-separated subset of the guest's parts to run
#                     (podman docker direct rootless cgroupfs clients cri criu), for debugging

set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${OCIRUN_VM_CACHE:-/var/cache/ocirun-vm}
vm_timeout=${OCIRUN_VM_TIMEOUT:-1500}
mode=cgroup2 cmdline=
if [ "${1:-}" = --hybrid ]; then
	mode=hybrid cmdline="systemd.unified_cgroup_hierarchy=0"
	shift
fi
case "${1:-}" in -*) echo "usage: $0 [--hybrid] [OCIRUN_STATIC]" >&2; exit 2 ;; esac

VM_NAME="systemd vm"
. "$here/host-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root"

# --- the binary under test ---------------------------------------------------
vm_binary "$@"

# --- host tools ----------------------------------------------------------------
PATH=$PATH:/usr/sbin:/sbin
command -v qemu-system-x86_64 >/dev/null 2>&1 || apt_install qemu-system-x86
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "no qemu-system-x86_64 (apt-get install qemu-system-x86 failed)"
command -v mke2fs >/dev/null 2>&1 || apt_install e2fsprogs
command -v mke2fs >/dev/null 2>&1 || skip "no mke2fs (e2fsprogs)"
command -v flock >/dev/null 2>&1 || skip "no flock (util-linux)"

# --- the image: built once per KEY ----------------------------------------------
key=$(cat "$here/systemd-packages" "$here/systemd-build.sh" | sha256sum | cut -c1-16)
base=$cache/debian-systemd
img=$base/$key
mkdir -p "$base" || skip "cannot create $base"
# rmtree DIR: DIR removed, after unmounting what a killed build left
# mounted in it (its chroot binds the host's /dev); kept if that fails
rmtree() {
	[ -e "$1" ] || return 0
	for m in $(awk -v d="$1/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	if awk -v d="$1/" 'index($2, d) == 1 { f = 1 } END { exit !f }' /proc/mounts; then
		note "not removing $1: still mounted below it"; return 1
	fi
	rm -rf "$1"
}
have_image() { [ -s "$img/root.img" ] && [ -s "$img/vmlinuz" ] && [ -s "$img/initrd.img" ] && [ -e "$img/complete" ]; }
if ! have_image; then
	exec 9>"$base/lock"
	flock 9   # another run may be building it
	if ! have_image; then
		command -v debootstrap >/dev/null 2>&1 || apt_install debootstrap
		command -v debootstrap >/dev/null 2>&1 || skip "no debootstrap (apt-get install debootstrap failed)"
		rmtree "$img" && rmtree "$img.tmp" || skip "cannot remove the old $img.tmp"
		note "building the Debian 12 image $img (debootstrap, apt-get install, mke2fs)"
		bstart=$(date +%s)
		if sh "$here/systemd-build.sh" "$img.tmp" "$here/systemd-packages"; then
			mv "$img.tmp" "$img" && touch "$img/complete"
			note "built in $(($(date +%s) - bstart))s: $(tr '\n' ' ' <"$img/times.txt")"
			for o in "$base"/*; do
				[ -d "$o" ] && [ "$o" != "$img" ] && rmtree "$o"
			done
		else
			why="$(grep -v '^I: ' "$img.tmp/build.log" 2>/dev/null | tail -n 5 | tr '\n' ' ')"
			done_steps=$(tr '\n' ' ' <"$img.tmp/times.txt" 2>/dev/null)
			rmtree "$img.tmp"
			case "$done_steps" in
			'') skip "cannot build the image: debootstrap failed (no route to Debian's archive?): $why" ;;
			*) echo "FAIL - systemd vm: building the image failed after: $done_steps: $why"
				echo "0 passed, 1 failed"; exit 0 ;;
			esac
		fi
	fi
	exec 9>&-
fi
note "image $img ($(du -sm "$img/root.img" | cut -f1) MiB used of $(($(stat -c %s "$img/root.img") / 1048576)) MiB)"

# the kernel's ELF payload, booted directly through PVH: that skips the
# bzImage's decompression under TCG (as tests/vm/vm.sh does)
extract_vmlinux "$img" || rm -f "$img/vmlinux"

# --- the per-run disk: the binary under test and the checks ---------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/ocirun-systemd-vm.XXXXXX") || skip "mktemp failed"
trap 'rm -rf "$work"' EXIT
trap 'rm -rf "$work"; exit 130' HUP INT PIPE TERM
t=$work/t
mkdir -p "$t"
cp "$bin" "$t/ocirun" && chmod 755 "$t/ocirun"
cp "$here/systemd-guest.sh" "$t/guest.sh"
# the "criu" part's console socket (tests/recvtty.c, static: the guest has no compiler)
cc -static -O2 -o "$t/recvtty" "$repo/tests/recvtty.c" 2>"$work/recvtty.log" ||
	note "criu part: cannot build tests/recvtty.c (its terminal case will fail): $(head -n 3 "$work/recvtty.log" | tr '\n' ' ')"
# the "cri" part: tests/cri/kubelet.py, its Python stubs (generated here:
# the guest has python3-grpcio but not grpc_tools) and the two images
# (tests/cri/images.sh) in cri/; when any is missing the guest skips the part
case " ${OCIRUN_VM_ONLY:-cri} " in
*" cri "*)
	mkdir -p "$t/cri"
	if ! cp "$repo/tests/cri/kubelet.py" "$t/cri/" 2>"$work/cri.log" ||
		! /usr/bin/python3 -m grpc_tools.protoc -I "$repo/tests/cri" --python_out="$t/cri" \
			--grpc_python_out="$t/cri" "$repo/tests/cri/api.proto" >>"$work/cri.log" 2>&1 ||
		! sh "$repo/tests/cri/images.sh" "$t/cri" >>"$work/cri.log" 2>&1; then
		note "cri part: cannot prepare kubelet.py, its stubs and images (the guest will skip it): $(tail -n 3 "$work/cri.log" | tr '\n' ' ')"
		rm -rf "$t/cri"
	fi ;;
esac
guest_budget=$((vm_timeout - 60))
[ "$guest_budget" -gt 60 ] || guest_budget=60
cat >"$t/boot.sh" <<EOF
# run by the image's vmtest.service (from /run/vmtest, this disk)
echo "VMTEST-START \$(cut -d' ' -f1 /proc/uptime)s after boot"
install -m 755 /run/vmtest/ocirun /usr/local/bin/ocirun
MODE=$mode ONLY='${OCIRUN_VM_ONLY:-}' timeout -k 10 $guest_budget bash /run/vmtest/guest.sh
rc=\$?
[ \$rc = 0 ] || echo "VMTEST FAIL - vm: the guest's checks ended with status \$rc\$( [ \$rc = 124 ] && echo ' (killed by the ${guest_budget}s timeout)')"
echo "VMTEST-DONE \$(cut -d' ' -f1 /proc/uptime)s after boot"
sync
systemctl poweroff --force --force
EOF
mke2fs -q -F -t ext4 -L vmtest -d "$t" "$work/t.img" "$(($(du -sm "$t" | cut -f1) + 16))M" >"$work/mke2fs.log" 2>&1 ||
	skip "mke2fs of the test disk failed: $(tail -n 3 "$work/mke2fs.log" | tr '\n' ' ')"

# --- boot --------------------------------------------------------------------
accel=${OCIRUN_VM_ACCEL:-tcg,thread=multi}
if [ -z "${OCIRUN_VM_ACCEL:-}" ] && [ -w /dev/kvm ] && grep -qw -e vmx -e svm /proc/cpuinfo; then accel=kvm; fi
boot() { # KERNEL
	start=$(date +%s)
	# snapshot=on: the guest's writes go to a temporary file, never the image
	run_watched "$work/console.raw" env TMPDIR="$work" timeout "$vm_timeout" qemu-system-x86_64 -accel "$accel" -m 2048 -smp 2 \
		-nographic -no-reboot -nic none \
		-drive "file=$img/root.img,format=raw,if=virtio,snapshot=on" \
		-drive "file=$work/t.img,format=raw,if=virtio,readonly=on" \
		-kernel "$1" -initrd "$img/initrd.img" \
		-append "root=/dev/vda rw console=ttyS0 quiet panic=-1${cmdline:+ $cmdline}"
	secs=$(($(date +%s) - start))
	tr -d '\r' <"$work/console.raw" >"$work/console"
}
kernel=$img/vmlinuz
[ -s "$img/vmlinux" ] && kernel=$img/vmlinux
boot "$kernel"
# (a timeout, 124, or a stall, 125, says nothing about PVH: a stall boots once more below)
if [ "$kernel" = "$img/vmlinux" ] && [ "$qrc" != 124 ] && [ "$qrc" != 125 ] && ! grep -q 'VMTEST-START' "$work/console"; then
	note "the PVH boot of vmlinux did not reach the test unit (qemu exit $qrc): retrying with the bzImage"
	kernel=$img/vmlinuz
	boot "$kernel"
	grep -q 'VMTEST-START' "$work/console" && rm -f "$img/vmlinux"
fi
if [ "$vm_stalled" = 1 ]; then
	# once more, whole: a stall is the emulator's, and the log keeps it
	note "the guest's console was silent for ${vm_gap}s (a stalled emulated machine?): stopped, and booted once more; its last lines:"
	tail -n 5 "$work/console" | sed 's/^/#   /'
	boot "$kernel"
fi
[ -n "${OCIRUN_VM_LOG:-}" ] && cp "$work/console" "$OCIRUN_VM_LOG"
note "mode $mode, $(basename "$kernel"), accel $accel: qemu ran ${secs}s, exit $qrc, console silent for ${vm_gap}s at most; $(sed -n 's/^.*\(VMTEST-START .*\)$/\1/p' "$work/console" | head -n 1)"

# --- results -----------------------------------------------------------------
vm_results "$work/console" "$qrc" "$vm_timeout"
exit 0
