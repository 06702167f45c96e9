#!/bin/sh
# tests/vm/vm.sh MODE [OCIRUN_STATIC]: ocirun on a cgroup layout its host
# cannot show, in a VM.  MODE is
#   cgroup2  pure cgroup v2: the kernel gets cgroup_no_v1=all, /init is
#            tests/vm/cgroup2-init.sh (tests/vm/cgroup2.sh runs this mode)
#   cgroup1  pure cgroup v1: no cgroup2 anywhere, one v1 hierarchy per
#            controller (cpu,cpuacct and net_cls,net_prio co-mounted, a
#            name=systemd one), /init is tests/vm/cgroup1-init.sh
#            (tests/vm/cgroup1.sh runs this mode)
#   apparmor cgroup v2 and AppArmor (apparmor=1 security=apparmor): runc
#            (the host's /usr/sbin/runc with its libraries) and ocirun
#            each run containers under the profiles of
#            tests/vm/apparmor-profile (loaded by apparmor_parser, the
#            host's, with its libraries); /init is tests/vm/apparmor-init.sh
#            (tests/vm/apparmor.sh runs this mode)
#   selinux  cgroup v2 and SELinux, permissive (security=selinux selinux=1
#            enforcing=0) with the policy tests/vm/selinux-policy.conf,
#            compiled here by checkpolicy; runc and ocirun each run
#            containers with process and mount labels; /init is
#            tests/vm/selinux-init.sh (tests/vm/selinux.sh runs this mode)
#   The two LSM modes need the host packages runc, apparmor (for
#   apparmor_parser) and checkpolicy: missing ones are apt-installed.
#
# Boots Debian's kernel (the one linux-image-amd64 depends on) under qemu
# with an initramfs holding busybox, the static ocirun, the mode's /init
# and its helpers (tests/vm/guest-lib.sh as /lib.sh); /init runs containers
# and checks the cgroup files from inside the container and from the VM.
# Needs root.
#
# Output: the guest's "ok - NAME" / "FAIL - NAME: reason" lines (and
# "info - WHAT" lines: facts seen, no check), then "N passed, M failed".
# No qemu or no kernel: "skip - MODE vm: why" and "0 passed, 0 failed".  The exit status is 0 either way: read the summary.
#
# OCIRUN_STATIC defaults to the repo's ocirun-static, brought up to date
# with `make static` first.  Environment:
#   OCIRUN_VM_CACHE  kernel cache (default /var/cache/ocirun-vm)
#   OCIRUN_VM_DIST   boot that Debian release's kernel instead of the
#                    host's release's: bullseye gives Linux 5.10, an LTS
#                    kernel older than mount_setattr, cgroup.kill, misc,
#                    cpu.idle and memory.peak (fetched through an apt
#                    configuration of its own, the host's apt untouched)
#   OCIRUN_VM_ACCEL  qemu accelerator (default tcg,thread=multi; kvm only
#                    when /proc/cpuinfo shows vmx or svm)
#   OCIRUN_VM_LOG    keep the guest's whole serial console in this file
#   OCIRUN_VM_TIMEOUT seconds qemu may run (default 240)
#   OCIRUN_VM_SILENCE seconds the console may stay silent before the guest
#                    counts as stalled and is booted once more (default
#                    120: these guests print a line per check, a check's
#                    commands time out after 60 s, and a whole run takes
#                    under 30 s; host-lib.sh's 420 is for the systemd guest)

set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${OCIRUN_VM_CACHE:-/var/cache/ocirun-vm}
busybox=/bin/busybox
vm_timeout=${OCIRUN_VM_TIMEOUT:-240}
OCIRUN_VM_SILENCE=${OCIRUN_VM_SILENCE:-120}   # (read by run_watched and vm_results)

mode=${1:-}
case "$mode" in
cgroup2) cmdline="cgroup_no_v1=all" ;;
cgroup1) cmdline="" ;;
apparmor) cmdline="cgroup_no_v1=all apparmor=1 security=apparmor" ;;
selinux) cmdline="cgroup_no_v1=all security=selinux selinux=1 enforcing=0" ;;
*) echo "usage: $0 cgroup1|cgroup2|apparmor|selinux [OCIRUN_STATIC]" >&2; exit 2 ;;
esac
shift

VM_NAME="$mode vm"
. "$here/host-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root"

# --- the binary under test ---------------------------------------------------
vm_binary "$@"

# --- host tools ----------------------------------------------------------------
if ! command -v qemu-system-x86_64 >/dev/null 2>&1 || ! command -v cpio >/dev/null 2>&1; then
	apt_install qemu-system-x86 cpio
fi
command -v qemu-system-x86_64 >/dev/null 2>&1 || skip "no qemu-system-x86_64 (apt-get install qemu-system-x86 failed)"
command -v cpio >/dev/null 2>&1 || skip "no cpio"
[ -x "$busybox" ] || apt_install busybox-static
[ -x "$busybox" ] || skip "no $busybox (busybox-static)"
case "$mode" in
apparmor|selinux)
	# runc is the oracle; apparmor_parser loads the profiles; checkpolicy
	# compiles the SELinux policy (sbin may be missing from PATH)
	tool() { command -v "$1" 2>/dev/null || for _t in /usr/sbin/$1 /sbin/$1; do [ -x $_t ] && echo $_t && break; done; }
	[ -n "$(tool runc)" ] || apt_install runc
	runc_bin=$(tool runc)
	[ -n "$runc_bin" ] || skip "no runc (apt-get install runc failed)"
	if [ "$mode" = apparmor ]; then
		[ -n "$(tool apparmor_parser)" ] || apt_install apparmor
		aa_parser=$(tool apparmor_parser)
		[ -n "$aa_parser" ] || skip "no apparmor_parser (apt-get install apparmor failed)"
	else
		[ -n "$(tool checkpolicy)" ] || apt_install checkpolicy
		checkpolicy=$(tool checkpolicy)
		[ -n "$checkpolicy" ] || skip "no checkpolicy (apt-get install checkpolicy failed)"
	fi ;;
esac

# --- the kernel: downloaded once into the cache ---------------------------------
# $cache/PACKAGE/vmlinuz (the bzImage) and vmlinux (its ELF payload, booted
# directly through PVH: that skips ~5 s of decompression under TCG).
dist=${OCIRUN_VM_DIST:-}
# apt-get / apt-cache for $dist's packages: its own sources, lists and cache
# below $cache, so the host's apt state stays as it is
apt_dist() { # apt-get|apt-cache ARG...
	[ -n "$dist" ] || { "$@"; return; }
	a=$cache/apt-$dist
	mkdir -p "$a/lists/partial" "$a/cache/archives/partial" || return 1
	[ -s "$a/sources.list" ] ||
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $dist main" >"$a/sources.list"
	o="-o Dir::Etc::SourceList=$a/sources.list -o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists=$a/lists -o Dir::Cache=$a/cache"
	[ -n "$(ls "$a/lists" | grep -v partial)" ] || apt-get -q $o update >"$a/update.log" 2>&1
	"$@" $o
}
get_kernel() { # PACKAGE
	d=$cache/$1
	[ -s "$d/vmlinuz" ] && [ -s "$d/brd.ko" ] && return 0
	mkdir -p "$cache" || return 1
	t=$(mktemp -d "$cache/dl.XXXXXX") || return 1
	chmod 755 "$t"   # apt's _apt user downloads into it
	if (cd "$t" && apt_dist apt-get download "$1" >"$t/log" 2>&1) &&
		dpkg-deb --fsys-tarfile "$t"/"$1"_*.deb | tar -xO --wildcards './boot/vmlinuz-*' >"$t/vmlinuz" &&
		[ -s "$t/vmlinuz" ]; then
		# brd.ko: a RAM block device (/dev/ram0, 1:0) for the blkio/io checks
		dpkg-deb --fsys-tarfile "$t"/"$1"_*.deb | tar -xO --wildcards './lib/modules/*/drivers/block/brd.ko' >"$t/brd.ko" 2>/dev/null
		mkdir -p "$d" && mv "$t/vmlinuz" "$d/vmlinuz"
		[ -s "$t/brd.ko" ] && mv "$t/brd.ko" "$d/brd.ko"
	else
		note "kernel download failed: $(tail -n 3 "$t/log" 2>/dev/null | tr '\n' ' ')"
	fi
	rm -rf "$t"
	[ -s "$d/vmlinuz" ]
}

pkg=$(apt_dist apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n 1)
kdir=
if [ -n "$pkg" ] && get_kernel "$pkg"; then
	kdir=$cache/$pkg
else
	# apt cannot help (offline?): any kernel cached before (of $dist's
	# series: 5.10 for bullseye)
	case $dist in bullseye) pat='linux-image-5.10.*' ;; '') pat='linux-image-*' ;; *) pat="linux-image-$dist-none" ;; esac
	for k in "$cache"/$pat/vmlinuz; do [ -s "$k" ] && kdir=${k%/vmlinuz}; done
fi
[ -n "$kdir" ] || skip "no kernel: cannot resolve or download linux-image-amd64's kernel${pkg:+ ($pkg)}"
extract_vmlinux "$kdir" || rm -f "$kdir/vmlinux"

# --- the initramfs -----------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/ocirun-vm.XXXXXX") || skip "mktemp failed"
trap 'rm -rf "$work"' EXIT
trap 'rm -rf "$work"; exit 130' HUP INT PIPE TERM
r=$work/root
mkdir -p "$r/bin" "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run" "$r/etc" "$r/mnt"
links() { # DIR: busybox and its applet links
	cp "$busybox" "$1/busybox"
	for a in $("$busybox" --list); do [ -e "$1/$a" ] || ln -s busybox "$1/$a"; done
}
links "$r/bin"
ln -s bin "$r/sbin"
cp "$bin" "$r/bin/ocirun" && chmod 755 "$r/bin/ocirun"
cp "$here/$mode-init.sh" "$r/init" && chmod 755 "$r/init"
cp "$here/guest-lib.sh" "$r/lib.sh"
[ -s "$kdir/brd.ko" ] && cp "$kdir/brd.ko" "$r/brd.ko"
# tests/oldkernel.c, static: the guest can make its kernel look like 4.4
${CC:-cc} -static -O2 -o "$r/bin/oldkernel" "$repo/tests/oldkernel.c" 2>/dev/null || note "no static oldkernel helper"
# tests/asuser.c, static: a rootless run in the guest
${CC:-cc} -static -O2 -o "$r/bin/asuser" "$repo/tests/asuser.c" 2>/dev/null || note "no static asuser helper"
mknod -m 600 "$r/dev/console" c 5 1
rf=$r/bundle/rootfs
mkdir -p "$rf/bin" "$rf/proc" "$rf/sys" "$rf/dev" "$rf/tmp" "$rf/etc"
links "$rf/bin"
echo 'root:x:0:0:root:/:/bin/sh' >"$rf/etc/passwd"
echo 'root:x:0:' >"$rf/etc/group"
# the LSM modes: runc, the LSM's tools and policy, the label probe
copy_dyn() { # BINARY DEST: BINARY as DEST, and the libraries ldd names at their paths
	cp "$1" "$r$2" && chmod 755 "$r$2" || return 1
	for l in $(ldd "$1" 2>/dev/null | sed -n 's/.*=> *\(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
		mkdir -p "$r${l%/*}" && cp -L "$l" "$r$l" || return 1
	done
}
case "$mode" in
apparmor|selinux)
	copy_dyn "$runc_bin" /bin/runc || skip "cannot copy runc and its libraries"
	mkdir -p "$r/sys/kernel/security" "$r/sys/fs/selinux"
	${CC:-cc} -static -O2 -o "$rf/bin/lsmprobe" "$here/lsmprobe.c" 2>"$work/cc.log" ||
		skip "cannot build tests/vm/lsmprobe.c: $(head -c 300 "$work/cc.log")"
	if [ "$mode" = apparmor ]; then
		copy_dyn "$aa_parser" /bin/apparmor_parser || skip "cannot copy apparmor_parser and its libraries"
		cp "$here/apparmor-profile" "$r/apparmor-profile"
	else
		"$checkpolicy" -M -U allow -c 33 -o "$r/selinux-policy" "$here/selinux-policy.conf" >"$work/cp.log" 2>&1 ||
			skip "checkpolicy failed on tests/vm/selinux-policy.conf: $(tail -n 3 "$work/cp.log" | tr '\n' ' ')"
	fi ;;
esac
(cd "$r" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz" || skip "cpio failed"

# --- boot --------------------------------------------------------------------
accel=${OCIRUN_VM_ACCEL:-tcg,thread=multi}
if [ -z "${OCIRUN_VM_ACCEL:-}" ] && [ -w /dev/kvm ] && grep -qw -e vmx -e svm /proc/cpuinfo; then accel=kvm; fi
boot() { # KERNEL
	start=$(date +%s)
	run_watched "$work/console.raw" timeout "$vm_timeout" qemu-system-x86_64 -accel "$accel" -m 1024 -smp 2 -nographic -no-reboot -nic none \
		-kernel "$1" -initrd "$work/initrd.gz" \
		-append "console=ttyS0 quiet${cmdline:+ $cmdline} panic=-1"
	secs=$(($(date +%s) - start))
	tr -d '\r' <"$work/console.raw" >"$work/console"
}
kernel=$kdir/vmlinuz
[ -s "$kdir/vmlinux" ] && kernel=$kdir/vmlinux
boot "$kernel"
# (a timeout, 124, or a stall, 125, says nothing about PVH: a stall boots once more below)
if [ "$kernel" = "$kdir/vmlinux" ] && [ "$qrc" != 124 ] && [ "$qrc" != 125 ] && ! grep -q 'VMTEST-START' "$work/console"; then
	# this qemu cannot boot the ELF (PVH): the bzImage, and only it from now on
	note "the PVH boot of vmlinux did not reach /init (qemu exit $qrc): retrying with the bzImage"
	kernel=$kdir/vmlinuz
	boot "$kernel"
	grep -q 'VMTEST-START' "$work/console" && rm -f "$kdir/vmlinux"
fi
if [ "$vm_stalled" = 1 ]; then
	# once more, whole: a stall is the emulator's, and the log keeps it
	note "the guest's console was silent for ${vm_gap}s (a stalled emulated machine?): stopped, and booted once more; its last lines:"
	tail -n 5 "$work/console" | sed 's/^/#   /'
	boot "$kernel"
fi
[ -n "${OCIRUN_VM_LOG:-}" ] && cp "$work/console" "$OCIRUN_VM_LOG"
note "$(basename "$kdir") ($(basename "$kernel")), accel $accel: qemu ran ${secs}s, exit $qrc, console silent for ${vm_gap}s at most"

# --- results -----------------------------------------------------------------
vm_results "$work/console" "$qrc" "$vm_timeout"
exit 0
