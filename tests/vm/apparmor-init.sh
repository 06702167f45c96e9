#!/bin/sh
# /init of the AppArmor test VM: tests/vm/apparmor.sh (tests/vm/vm.sh
# apparmor) puts this script, tests/vm/guest-lib.sh as /lib.sh, a static
# busybox, the host's runc (/bin/runc, with its libraries), the static
# ocirun (/bin/ocirun), apparmor_parser, the profiles
# tests/vm/apparmor-profile (/apparmor-profile) and a busybox container
# rootfs (/bundle/rootfs, with /bin/lsmprobe) into an initramfs and boots a
# Debian kernel with apparmor=1 security=apparmor cgroup_no_v1=all.  The
# same checks run with runc (the oracle) and then with ocirun, each result
# "VMTEST ok - RUNTIME: NAME" or "VMTEST FAIL - RUNTIME: NAME: reason" on
# the serial console, then "VMTEST-DONE".

# runc has no fallback for pivot_root's EINVAL on the initramfs root
# (ocirun has): /lib.sh moves everything to a tmpfs root first
TMPFS_ROOT=1
. /lib.sh
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t securityfs securityfs /sys/kernel/security
echo "VMTEST-START"

# --- the VM itself: AppArmor on, the profiles loaded, enforced on exec ------
en=$(rd /sys/module/apparmor/parameters/enabled) lsm=$(rd /sys/kernel/security/lsm)
if [ "$en" = Y ] && [ -d /sys/kernel/security/apparmor ]; then ok "vm: AppArmor enabled (lsm: $lsm)"
else bad "vm: AppArmor enabled" "/sys/module/apparmor/parameters/enabled '$en', /sys/kernel/security/apparmor $(exists /sys/kernel/security/apparmor), lsm '$lsm'"; fi
if apparmor_parser -r /apparmor-profile >/tmp/aa.out 2>&1 &&
	grep -qx 'ocirun-test (enforce)' /sys/kernel/security/apparmor/profiles &&
	grep -qx 'ocirun-test2 (enforce)' /sys/kernel/security/apparmor/profiles; then
	ok "vm: apparmor_parser -r loads ocirun-test and ocirun-test2"
else bad "vm: apparmor_parser -r loads the profiles" "apparmor_parser said '$(cat /tmp/aa.out)', profiles: '$(rd /sys/kernel/security/apparmor/profiles)'"; fi
echo secret >/bundle/rootfs/denied   # every bundle's rootfs copies this one
echo secret >/denied
v=$(sh -c 'echo -n "exec ocirun-test" > /proc/self/attr/apparmor/exec && exec cat /proc/self/attr/current /denied' 2>&1)
if [ "$v" = "ocirun-test (enforce)
cat: can't open '/denied': Permission denied" ]; then ok "vm: exec under ocirun-test by hand: attr/current 'ocirun-test (enforce)', /denied unreadable"
else bad "vm: exec under ocirun-test by hand" "got '$v', want 'ocirun-test (enforce)' and a refused read of /denied"; fi

CG=/sys/fs/cgroup/ocirun-vm
SL=system_u:system_r:container_t:s0:c1,c2

# --- the checks, with runtime $RT --------------------------------------------
# denied OUTPUT: OUTPUT is cat's refusal to read /denied (not some other failure)
denied() { case "$1" in *"can't open '/denied': Permission denied"*) return 0 ;; esac; return 1; }
aa_checks() {
	p=$RT
	# a. apparmorProfile: the container's init runs under it
	EXTRAPROC='"apparmorProfile": "ocirun-test"' mkbundle $B/$RT-a $RT-a 42 sleep 600
	rt run -d --bundle $B/$RT-a $RT-a </dev/null >/dev/null 2>$E; rc=$?
	pa=$(rpid $RT-a) cur=
	[ -n "$pa" ] && cur=$(rd /proc/$pa/attr/current)
	if [ $rc = 0 ] && [ "$cur" = "ocirun-test (enforce)" ]; then ok "$p: apparmor: init confined by ocirun-test (attr/current '$cur')"
	else bad "$p: apparmor: init confined by ocirun-test" "run -d exit $rc, pid '$pa', attr/current '$cur' (want 'ocirun-test (enforce)'); $(rterr)"; fi
	out=$(rt exec $RT-a cat /denied 2>&1); rc=$?
	if [ $rc != 0 ] && denied "$out"; then ok "$p: apparmor: the confined container cannot read /denied (exit $rc: $out)"
	else bad "$p: apparmor: the confined container cannot read /denied" "exec cat /denied: exit $rc, output '$out' (want cat's Permission denied)"; fi
	# b. exec into it: the same profile
	out=$(rt exec $RT-a cat /proc/self/attr/current 2>$E); rc=$?
	if [ $rc = 0 ] && [ "$out" = "ocirun-test (enforce)" ]; then ok "$p: apparmor: exec inherits ocirun-test"
	else bad "$p: apparmor: exec inherits ocirun-test" "exec exit $rc, attr/current '$out' (want 'ocirun-test (enforce)'); $(rterr)"; fi
	rt delete --force $RT-a 2>$E || bad "$p: apparmor: delete --force $RT-a" "$(rterr)"

	# no profile: unconfined, /denied readable; exec --apparmor confines the exec
	mkbundle $B/$RT-u $RT-u 42 sleep 600
	rt run -d --bundle $B/$RT-u $RT-u </dev/null >/dev/null 2>$E; rc=$?
	pu=$(rpid $RT-u) cur=
	[ -n "$pu" ] && cur=$(rd /proc/$pu/attr/current)
	out=$(rt exec $RT-u cat /denied 2>&1); erc=$?
	if [ $rc = 0 ] && [ "$cur" = unconfined ] && [ $erc = 0 ] && [ "$out" = secret ]; then ok "$p: apparmor: no profile: unconfined, /denied readable"
	else bad "$p: apparmor: no profile: unconfined, /denied readable" "run -d exit $rc, attr/current '$cur' (want unconfined), exec cat /denied exit $erc output '$out' (want secret); $(rterr)"; fi
	# c. exec --apparmor
	out=$(rt exec --apparmor ocirun-test2 $RT-u cat /proc/self/attr/current 2>$E); rc=$?
	if [ $rc = 0 ] && [ "$out" = "ocirun-test2 (enforce)" ]; then ok "$p: apparmor: exec --apparmor ocirun-test2 confines the exec"
	else bad "$p: apparmor: exec --apparmor ocirun-test2 confines the exec" "exit $rc, attr/current '$out' (want 'ocirun-test2 (enforce)'); $(rterr)"; fi
	out=$(rt exec --apparmor ocirun-test2 $RT-u cat /denied 2>&1); rc=$?
	if [ $rc != 0 ] && denied "$out"; then ok "$p: apparmor: exec --apparmor ocirun-test2 cannot read /denied (exit $rc: $out)"
	else bad "$p: apparmor: exec --apparmor ocirun-test2 cannot read /denied" "exit $rc, output '$out' (want cat's Permission denied)"; fi
	rt delete --force $RT-u 2>$E || bad "$p: apparmor: delete --force $RT-u" "$(rterr)"

	# d. "unconfined" as the profile
	EXTRAPROC='"apparmorProfile": "unconfined"' mkbundle $B/$RT-d $RT-d 42 sleep 600
	rt run -d --bundle $B/$RT-d $RT-d </dev/null >/dev/null 2>$E; rc=$?
	pd=$(rpid $RT-d) cur=
	[ -n "$pd" ] && cur=$(rd /proc/$pd/attr/current)
	if [ $rc = 0 ] && [ "$cur" = unconfined ]; then ok "$p: apparmor: apparmorProfile \"unconfined\" runs unconfined"
	else bad "$p: apparmor: apparmorProfile \"unconfined\"" "run -d exit $rc, pid '$pd', attr/current '$cur' (want unconfined); $(rterr)"; fi
	rt delete --force $RT-d 2>$E || bad "$p: apparmor: delete --force $RT-d" "$(rterr)"

	# e. a profile that is not loaded
	EXTRAPROC='"apparmorProfile": "no-such-profile"' mkbundle $B/$RT-e $RT-e 42 sleep 600
	want=
	[ $RT = ocirun ] && want=no-such-profile
	refused "$p: apparmor: a profile not loaded" $RT-e "$want"

	# no SELinux on this kernel: a selinuxLabel is refused
	EXTRAPROC="\"selinuxLabel\": \"$SL\"" mkbundle $B/$RT-s $RT-s 42 sleep 600
	refused "$p: selinux: a selinuxLabel on a kernel without SELinux" $RT-s ""

	# nothing left of this runtime
	left=$(ls /run/$RT 2>/dev/null | tr '\n' ' ') cgl=$(cd $CG 2>/dev/null && ls -d $RT-* 2>/dev/null | tr '\n' ' ')
	if [ -z "$left" ] && [ -z "$cgl" ]; then ok "$p: no leftover state or cgroups"
	else bad "$p: no leftover state or cgroups" "state: '$left', cgroups under $CG: '$cgl'"; fi
}

for RT in runc ocirun; do
	t0=$(date +%s)
	aa_checks
	info "$RT" "the checks took $(($(date +%s) - t0)) s"
done

vm_done
