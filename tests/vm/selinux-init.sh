#!/bin/sh
# /init of the SELinux test VM: tests/vm/selinux.sh (tests/vm/vm.sh selinux)
# puts this script, tests/vm/guest-lib.sh as /lib.sh, a static busybox, the
# host's runc (/bin/runc, with its libraries), the static ocirun
# (/bin/ocirun), the compiled policy of tests/vm/selinux-policy.conf
# (/selinux-policy) and a busybox container rootfs (/bundle/rootfs, with
# /bin/lsmprobe) into an initramfs and boots a Debian kernel with
# security=selinux selinux=1 enforcing=0 cgroup_no_v1=all.  /init loads the
# policy, then the same checks run with runc (the oracle) and then with
# ocirun, each result "VMTEST ok - RUNTIME: NAME" or
# "VMTEST FAIL - RUNTIME: NAME: reason" on the serial console, what was
# seen "VMTEST info - ...", then "VMTEST-DONE".

# runc has no fallback for pivot_root's EINVAL on the initramfs root
# (ocirun has): /lib.sh moves everything to a tmpfs root first
TMPFS_ROOT=1
. /lib.sh
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t securityfs securityfs /sys/kernel/security
mount -t selinuxfs selinuxfs /sys/fs/selinux
echo "VMTEST-START"

PL=system_u:system_r:container_t:s0:c1,c2          # process label
ML=system_u:object_r:container_file_t:s0:c1,c2     # mount label
PL2=system_u:system_r:container2_t:s0:c3           # exec --process-label
PROBE=/bundle/rootfs/bin/lsmprobe
# label FILE: a /proc/*/attr file without its trailing NUL
label() { tr -d '\0' <"$1" 2>/dev/null || echo "<unreadable $1>"; }
# mnt_opts PID MOUNTPOINT: "FSTYPE SUPER_OPTIONS" of the top mount at
# MOUNTPOINT in PID's mountinfo
mnt_opts() {
	awk -v mp="$2" '$5 == mp { for (i = 7; $i != "-"; i++); r = $(i + 1) " " $(i + 3) } END { print r }' /proc/$1/mountinfo 2>/dev/null
}
# mnt_info PID MOUNTPOINT: "FSTYPE MOUNT_OPTIONS | SUPER_OPTIONS" of that mount
mnt_info() {
	awk -v mp="$2" '$5 == mp { for (i = 7; $i != "-"; i++); r = $(i + 1) " " $6 " | " $(i + 3) } END { print r ? r : "(no such mount)" }' /proc/$1/mountinfo 2>/dev/null
}

# --- the VM itself: SELinux on, permissive, the policy loaded -----------------
lsm=$(rd /sys/kernel/security/lsm) enf=$(rd /sys/fs/selinux/enforce)
if [ "$enf" = 0 ] && printf ',%s,' "$lsm" | grep -q ',selinux,'; then ok "vm: SELinux on, permissive (lsm: $lsm)"
else bad "vm: SELinux on, permissive" "lsm '$lsm', /sys/fs/selinux/enforce '$enf' (want 0), selinuxfs: $(grep selinuxfs /proc/mounts)"; fi
# selinuxfs takes a policy only in one write() at offset 0: dd with a block
# bigger than the file (busybox cat happens to work too)
dd if=/selinux-policy of=/sys/fs/selinux/load bs=4M 2>/tmp/dd.err; rc=$?
cur=$(label /proc/self/attr/current)
if [ $rc = 0 ] && [ "$cur" = system_u:system_r:kernel_t:s0 ] && [ "$(rd /sys/fs/selinux/mls)" = 1 ]; then
	ok "vm: policy loaded (version $(rd /sys/fs/selinux/policyvers), MLS), /init is $cur"
else bad "vm: policy loaded" "dd exit $rc ($(cat /tmp/dd.err)), /init's attr/current '$cur' (want system_u:system_r:kernel_t:s0), mls '$(rd /sys/fs/selinux/mls)'"; fi
mkdir -p /tmp/ctx
mount -t tmpfs -o "context=\"$ML\"" tmpfs /tmp/ctx 2>/tmp/m.err; rc=$?
mo=$(mnt_opts $$ /tmp/ctx)
echo x >/tmp/ctx/f; fl=$($PROBE xattr /tmp/ctx/f)
case "$rc|$mo|$fl" in
"0|tmpfs "*"context=\"$ML\""*"|$ML") ok "vm: mount -o 'context=\"$ML\"': mountinfo '$mo', a new file's label $fl" ;;
*) bad "vm: mount -o 'context=\"...\"'" "mount exit $rc ($(cat /tmp/m.err)), mountinfo '$mo', a new file's security.selinux '$fl' (want the context option and $ML)" ;;
esac
umount /tmp/ctx 2>/dev/null
# unquoted, the comma splits the option: the kernel must refuse it (what a
# runtime that forgets the quotes would meet)
if mount -t tmpfs -o "context=$ML" tmpfs /tmp/ctx 2>/tmp/m.err; then
	bad "vm: mount -o context=LABEL,WITH,COMMA unquoted" "the mount worked: $(mnt_opts $$ /tmp/ctx) (want a refusal: the quotes would prove nothing)"; umount /tmp/ctx
else ok "vm: mount -o context= with the comma unquoted is refused ($(cat /tmp/m.err))"; fi
v=$(sh -c "echo -n $PL > /proc/self/attr/exec && exec cat /proc/self/attr/current" 2>&1 | tr -d '\0')
if [ "$v" = "$PL" ]; then ok "vm: a label written to attr/exec shows in attr/current after exec"
else bad "vm: attr/exec by hand" "after exec attr/current is '$v', want $PL"; fi

CG=/sys/fs/cgroup/ocirun-vm
MNT='{ "destination": "/mnt", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "nodev", "size=1024k" ] },
		{ "destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] }'
MQ='{ "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": [ "nosuid", "noexec", "nodev" ] }'
LABELS="\"selinuxLabel\": \"$PL\""
MLABEL="\"mountLabel\": \"$ML\""

# --- the checks, with runtime $RT ---------------------------------------------
se_checks() {
	p=$RT
	# a. selinuxLabel and mountLabel, a tmpfs at /mnt and /dev/shm
	EXTRAPROC=$LABELS EXTRALINUX=$MLABEL EXTRAMOUNTS=$MNT mkbundle $B/$RT-a $RT-a 42 sleep 600
	rt run -d --bundle $B/$RT-a $RT-a </dev/null >/dev/null 2>$E; rc=$?
	pa=$(rpid $RT-a) cur=
	[ -n "$pa" ] && cur=$(label /proc/$pa/attr/current)
	if [ $rc = 0 ] && [ "$cur" = "$PL" ]; then ok "$p: selinux: init runs as $cur"
	else bad "$p: selinux: init runs as the process label" "run -d exit $rc, pid '$pa', attr/current '$cur' (want $PL); $(rterr)"; fi
	if [ -n "$pa" ]; then
		# what each kind of mount got: the tmpfs of a masked directory
		# (/proc/acpi), the bind of a masked file (/proc/kcore), a read-only
		# path (/proc/sys) too
		for m in / /proc /dev /dev/pts /dev/shm /sys /sys/fs/cgroup /mnt /proc/acpi /proc/kcore /proc/sys; do
			info "$p: selinux: mount $m" "$(mnt_info $pa $m)"
		done
		for m in /dev /mnt /dev/shm /dev/pts; do
			mo=$(mnt_opts $pa $m)
			case "$mo" in
			*"context=\"$ML\""*) ok "$p: selinux: $m has the mount label: $mo" ;;
			*) bad "$p: selinux: $m has the mount label" "mountinfo '$mo', want an option context=\"$ML\"; $(rterr)" ;;
			esac
		done
	fi
	out=$(rt exec $RT-a sh -c 'echo x > /mnt/f && lsmprobe xattr /mnt/f' 2>$E); rc=$?
	if [ $rc = 0 ] && [ "$out" = "$ML" ]; then ok "$p: selinux: a file made in /mnt has the mount label"
	else bad "$p: selinux: a file made in /mnt has the mount label" "exec exit $rc, security.selinux '$out' (want $ML); $(rterr)"; fi
	# b. exec: the process label
	out=$(rt exec $RT-a cat /proc/self/attr/current 2>$E | tr -d '\0')
	if [ "$out" = "$PL" ]; then ok "$p: selinux: exec runs as the process label"
	else bad "$p: selinux: exec runs as the process label" "attr/current '$out' (want $PL); $(rterr)"; fi
	# c. exec --process-label
	out=$(rt exec --process-label $PL2 $RT-a cat /proc/self/attr/current 2>$E | tr -d '\0')
	if [ "$out" = "$PL2" ]; then ok "$p: selinux: exec --process-label $PL2"
	else bad "$p: selinux: exec --process-label $PL2" "attr/current '$out' (want $PL2); $(rterr)"; fi
	# d. the session keyring of an exec'd process
	out=$(rt exec $RT-a lsmprobe keyring 2>$E); rc=$?
	if [ $rc = 0 ] && [ "$out" = "$PL" ]; then ok "$p: selinux: exec: the session keyring is labeled $out"
	else bad "$p: selinux: exec: the session keyring has the process label" "exit $rc, label '$out' (want $PL); $(rterr)"; fi
	rt delete --force $RT-a 2>$E || bad "$p: selinux: delete --force $RT-a" "$(rterr)"

	# d, e: the init's session keyring; an mqueue mount
	EXTRAPROC=$LABELS EXTRALINUX=$MLABEL EXTRAMOUNTS=$MQ mkbundle $B/$RT-m $RT-m 42 sh -c 'echo "key=$(lsmprobe keyring)"
echo "mq=$(lsmprobe xattr /dev/mqueue)"
echo "mnt=$(grep " /dev/mqueue " /proc/self/mountinfo)"'
	out=$(rt run --bundle $B/$RT-m $RT-m 2>$E); rc=$?
	k=$(key key "$out") mq=$(key mq "$out") mnt=$(key mnt "$out")
	info "$p: selinux: mqueue mount" "$mnt"
	if [ $rc = 0 ] && [ "$k" = "$PL" ]; then ok "$p: selinux: init: the session keyring is labeled $k"
	else bad "$p: selinux: init: the session keyring has the process label" "run exit $rc, label '$k' (want $PL); output '$out'; $(rterr)"; fi
	if [ $rc = 0 ] && [ "$mq" = "$ML" ]; then ok "$p: selinux: /dev/mqueue is labeled $mq"
	else bad "$p: selinux: /dev/mqueue has the mount label" "run exit $rc, security.selinux '$mq' (want $ML), mountinfo '$mnt'; $(rterr)"; fi

	# nothing left of this runtime
	left=$(ls /run/$RT 2>/dev/null | tr '\n' ' ') cgl=$(cd $CG 2>/dev/null && ls -d $RT-* 2>/dev/null | tr '\n' ' ')
	if [ -z "$left" ] && [ -z "$cgl" ]; then ok "$p: no leftover state or cgroups"
	else bad "$p: no leftover state or cgroups" "state: '$left', cgroups under $CG: '$cgl'"; fi
}

for RT in runc ocirun; do
	t0=$(date +%s)
	se_checks
	info "$RT" "the checks took $(($(date +%s) - t0)) s"
done

vm_done
