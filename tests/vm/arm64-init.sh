#!/bin/sh
# /init of the arm64 test VM (tests/vm/arm64.sh): ocirun's container suite
# in small, on Debian's arm64 kernel with pure cgroup v2.  Results go to
# the serial console as "VMTEST ok - NAME" / "VMTEST FAIL - NAME: reason";
# `ocirun check` is printed as "VMTEST-NOTE" lines.
. /lib.sh
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "VMTEST-START"
CG=/sys/fs/cgroup/ocirun-vm

# --- check ---------------------------------------------------------------------
oc check >/tmp/check 2>$E; rc=$?
sed 's/^/VMTEST-NOTE check: /' /tmp/check
if [ $rc = 0 ] && grep -q '^pivot_root *ok *impossible here' /tmp/check; then ok "check: exit 0, pivot_root impossible on the initramfs root (seen)"
else bad "check" "exit $rc; $(errtxt)"; fi

# --- run: the arch, the cgroup birth through clone3 (the arm64 entry) ----------
NOCGNS=1 mkbundle $B/a1 a1 42 sh -c 'uname -m; cat /proc/self/cgroup; exit 3'
out=$(ocirun --root $STATE --debug run --bundle $B/a1 a1 2>$E); rc=$?
if [ $rc = 3 ] && [ "$out" = "$(printf 'aarch64\n0::/ocirun-vm/a1')" ]; then ok "run: aarch64, exit status 3, in its cgroup"
else bad "run" "exit $rc, output '$out'; $(errtxt)"; fi
if grep -q 'stage 1 born in its cgroup (clone3 CLONE_INTO_CGROUP)' $E; then ok "clone3 CLONE_INTO_CGROUP through the arm64 entry"
else bad "clone3 CLONE_INTO_CGROUP" "debug lines: $(grep -i cgroup $E | tr '\n' ' ')"; fi
[ -e $CG/a1 ] && bad "run: cgroup removed" "$CG/a1 still exists"

# --- memory limit ----------------------------------------------------------------
mkbundle $B/a2 a2 42 sh -c 'dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null; echo small=$?
dd if=/dev/zero of=/dev/null bs=128M count=1 2>/dev/null; echo big=$?'
out=$(oc run --bundle $B/a2 a2 2>$E); rc=$?
v=$(echo $out)
if [ "$v" = "small=0 big=137" ]; then ok "memory.max 64M enforced: 16M dd ok, 128M dd OOM-killed"
else bad "memory.max 64M" "exit $rc, output '$v'; $(errtxt)"; fi

# --- seccomp: podman's default profile for arm64 ------------------------------
if [ -s /profile.json ] && [ -x /bundle/rootfs/bin/sctest ]; then
	mkbundle $B/a3 a3 42 sh -c 'grep ^Seccomp: /proc/self/status | tr -d "\t"; sctest personality-norandom getpid uname'
	awk -v p="$(cat /profile.json)" '{ if (!done && sub(/"linux": \{/, "\"linux\": { \"seccomp\": " p ",")) done = 1; print }' $B/a3/config.json >/tmp/c && mv /tmp/c $B/a3/config.json
	out=$(oc run --bundle $B/a3 a3 2>$E); rc=$?
	v=$(echo $out)
	if [ $rc = 0 ] && [ "$v" = "Seccomp:2 personality-norandom=ENOSYS getpid=ok uname=ok" ]; then ok "seccomp: podman's default profile on arm64 ($v)"
	else bad "seccomp: podman's default profile on arm64" "exit $rc, output '$v'; $(errtxt)"; fi
else
	echo "VMTEST skip - seccomp: no profile or no sctest in the image"
fi

# --- run -d, exec, kill, delete --------------------------------------------------
mkbundle $B/a4 a4 42 sleep 600
if oc run -d --bundle $B/a4 a4 </dev/null >/dev/null 2>$E; then
	p=$(pid_of a4)
	v=$(oc exec a4 sh -c 'uname -m; echo $$' 2>&1 | tr '\n' ' ')
	case "$v" in "aarch64 "[0-9]*) ok "exec: $v" ;; *) bad "exec" "output '$v'" ;; esac
	oc kill a4 KILL 2>$E || bad "kill" "$(errtxt)"
	i=0; while [ $i -lt 50 ] && [ "$(status_of a4)" != stopped ]; do usleep 100000; i=$((i + 1)); done
	oc delete a4 2>$E; rc=$?
	if [ $rc = 0 ] && [ ! -e $CG/a4 ] && [ ! -e $STATE/a4 ] && gone $p; then ok "kill KILL + delete: process, cgroup and state gone"
	else bad "kill + delete" "delete exit $rc, cgroup $(exists $CG/a4), state $(exists $STATE/a4), pid $p $(gone $p && echo gone || echo alive); $(errtxt)"; fi
else bad "run -d" "$(errtxt)"; fi

# --- a bundle on the initramfs root: no pivot_root there -------------------------
mkbundle /bundle a5 42 true
out=$(cd /bundle && oc --debug run --bundle /bundle a5 2>$E); rc=$?
if [ $rc = 0 ] && grep -q MS_MOVE $E; then ok "initramfs root: run works (MS_MOVE and chroot)"
else bad "initramfs root" "exit $rc; $(errtxt)"; fi

left=$(ls $STATE 2>/dev/null | tr '\n' ' '); cgl=$(cd $CG 2>/dev/null && ls -d */ 2>/dev/null | tr '\n' ' ')
if [ -z "$left" ] && [ -z "$cgl" ]; then ok "no leftover state or cgroups"
else bad "no leftover state or cgroups" "state: '$left', cgroups: '$cgl'"; fi
vm_done
