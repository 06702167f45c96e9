#!/bin/sh
# tests/vm/arm64.sh: ocirun on a real arm64 kernel.  Boots Debian's arm64
# kernel (linux-image-arm64's, extracted, never installed) under
# qemu-system-aarch64 (software emulation) with an initramfs holding an
# arm64 busybox, a static arm64 ocirun and tests/sctest, and runs
# tests/vm/arm64-init.sh there: run, exec, a memory limit, podman's default
# seccomp profile resolved for arm64 (the arm64 syscall table), kill,
# delete, the cgroup birth by clone3 (the arm64 entry), `ocirun check`.
# Debian's arm64 packages come through a private apt configuration (its own
# lists and cache: the host's apt state is untouched).  Needs root.
#
# Output: the guest's "ok - NAME" / "FAIL - NAME: reason" lines, then
# "N passed, M failed".  Missing tools or packages: "skip - arm64 vm: why"
# and "0 passed, 0 failed".  Environment: OCIRUN_VM_CACHE (default
# /var/cache/ocirun-vm), OCIRUN_VM_LOG (keep the serial console),
# OCIRUN_VM_TIMEOUT (default 300 s), OCIRUN_VM_SILENCE (seconds of a silent
# console after which the guest counts as stalled and boots once more:
# default 120, the whole run takes under a minute).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${OCIRUN_VM_CACHE:-/var/cache/ocirun-vm}/arm64
vm_timeout=${OCIRUN_VM_TIMEOUT:-300}
OCIRUN_VM_SILENCE=${OCIRUN_VM_SILENCE:-120}   # (read by run_watched)
CC=${ARM64_CC:-aarch64-linux-gnu-gcc}

VM_NAME="arm64 vm"
. "$here/host-lib.sh"   # skip, note, apt_install, run_watched, vm_results
[ "$(id -u)" = 0 ] || skip "needs root"
command -v qemu-system-aarch64 >/dev/null 2>&1 || apt_install qemu-system-arm
command -v "$CC" >/dev/null 2>&1 || apt_install gcc-aarch64-linux-gnu libc6-dev-arm64-cross
command -v cpio >/dev/null 2>&1 || apt_install cpio
for t in qemu-system-aarch64 "$CC" cpio jq; do command -v "$t" >/dev/null 2>&1 || skip "no $t"; done

# --- Debian arm64 packages: the kernel and busybox-static --------------------
. "$repo/tests/foreign-apt.sh"
apt_arm64() { foreign_apt arm64 "$cache" "$@"; }
fetch() { # PKG DEST-FILE PATH-IN-DEB
	[ -s "$2" ] && return 0
	t=$(mktemp -d "$cache/dl.XXXXXX") && chmod 755 "$t" || return 1
	(cd "$t" && apt_arm64 apt-get download "$1" >"$t/log" 2>&1) &&
		dpkg-deb --fsys-tarfile "$t"/*.deb | tar -xO --wildcards "$3" >"$2.tmp" 2>/dev/null && [ -s "$2.tmp" ] && mv "$2.tmp" "$2"
	rc=$?
	[ $rc = 0 ] || note "$1: $(tail -n 2 "$t/log" 2>/dev/null | tr '\n' ' ')"
	rm -rf "$t" "$2.tmp"
	return $rc
}
mkdir -p "$cache"
if [ ! -s "$cache/vmlinuz" ] || [ ! -s "$cache/busybox" ]; then
	apt_arm64 apt-get update >"$cache/update.log" 2>&1 || note "apt-get update (arm64) failed: $(tail -n 2 "$cache/update.log" | tr '\n' ' ')"
fi
kpkg=$(apt_arm64 apt-cache depends linux-image-arm64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-arm64\)$/\1/p' | head -n 1)
[ -s "$cache/vmlinuz" ] || { [ -n "$kpkg" ] && fetch "$kpkg" "$cache/vmlinuz" './boot/vmlinuz-*'; } || skip "no arm64 kernel (${kpkg:-linux-image-arm64 unresolved})"
[ -s "$cache/busybox" ] || fetch busybox-static "$cache/busybox" './bin/busybox' || skip "no arm64 busybox-static"
chmod 755 "$cache/busybox"

# --- the guest's files -------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/ocirun-arm64.XXXXXX") || skip "mktemp failed"
trap 'rm -rf "$work"' EXIT
r=$work/root
mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run" "$r/etc"
# the shape that ships: `make static` with arm64 musl (tests/musl-cross.sh);
# a static glibc build where that musl cannot be had
build="static musl, make static"
if specs=$(sh "$repo/tests/musl-cross.sh" arm64); then
	mkdir -p "$work/src" && cp "$repo/runtime.c" "$repo/runtime.h" "$repo/Makefile" "$work/src/" &&
		make -s -C "$work/src" static MUSL_CC="$CC -specs $specs" STRIP="${CC%gcc}strip" >"$work/cc.log" 2>&1 &&
		cp "$work/src/ocirun-static" "$r/bin/ocirun"
fi
if [ ! -x "$r/bin/ocirun" ]; then
	build="static glibc: no arm64 musl"
	"$CC" -static -Os -Wall -Wextra -Werror -o "$r/bin/ocirun" "$repo/runtime.c" 2>>"$work/cc.log" ||
		{ echo "FAIL - arm64 vm: the arm64 build failed: $(tail -n 5 "$work/cc.log" | tr '\n' ' ')"; echo "0 passed, 1 failed"; exit 0; }
fi
links() { cp "$cache/busybox" "$1/busybox"; for a in $("$cache/busybox" --list 2>/dev/null || /bin/busybox --list); do [ -e "$1/$a" ] || ln -s busybox "$1/$a"; done; }
links "$r/bin"
ln -s bin "$r/sbin"
cp "$here/arm64-init.sh" "$r/init" && chmod 755 "$r/init"
cp "$here/guest-lib.sh" "$r/lib.sh"
mknod -m 600 "$r/dev/console" c 5 1
rf=$r/bundle/rootfs
mkdir -p "$rf/bin" "$rf/proc" "$rf/sys" "$rf/dev" "$rf/tmp" "$rf/etc"
links "$rf/bin"
"$CC" -static -O2 -o "$rf/bin/sctest" "$repo/tests/sctest.c" 2>>"$work/cc.log" || note "no sctest for arm64"
echo 'root:x:0:0:root:/:/bin/sh' >"$rf/etc/passwd"
echo 'root:x:0:' >"$rf/etc/group"
# podman's default profile, resolved for arm64 as podman would
caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_FSETID","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_SETFCAP","CAP_SETGID","CAP_SETPCAP","CAP_SETUID","CAP_SYS_CHROOT"]'
[ -f /usr/share/containers/seccomp.json ] &&
	jq -c --arg goarch arm64 --argjson caps "$caps" -f "$repo/tests/seccomp/resolve.jq" /usr/share/containers/seccomp.json >"$r/profile.json"
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz" || skip "cpio failed"

# --- boot ----------------------------------------------------------------------
boot() {
	start=$(date +%s)
	run_watched "$work/console.raw" timeout "$vm_timeout" qemu-system-aarch64 -M virt -cpu cortex-a57 \
		-accel tcg,thread=multi -m 1024 -smp 2 -nographic -no-reboot -nic none -kernel "$cache/vmlinuz" \
		-initrd "$work/initrd.gz" -append "console=ttyAMA0 quiet cgroup_no_v1=all panic=-1"
	tr -d '\r' <"$work/console.raw" >"$work/console"
}
boot
if [ "$vm_stalled" = 1 ]; then
	# once more, whole: a stall is the emulator's (tests/vm/host-lib.sh)
	note "the guest's console was silent for ${vm_gap}s (a stalled emulated machine?): stopped, and booted once more; its last lines:"
	tail -n 5 "$work/console" | sed 's/^/#   /'
	boot
fi
[ -n "${OCIRUN_VM_LOG:-}" ] && cp "$work/console" "$OCIRUN_VM_LOG"
note "arm64 guest (${kpkg:-cached kernel}), qemu ran $(($(date +%s) - start))s, exit $qrc; ocirun for arm64: $(stat -c %s "$r/bin/ocirun") bytes ($build)"
sed -n 's/^.*VMTEST-NOTE \(.*\)$/# \1/p' "$work/console"
vm_results "$work/console" "$qrc" "$vm_timeout"   # (host-lib.sh)
exit 0
