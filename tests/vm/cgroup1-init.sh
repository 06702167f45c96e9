#!/bin/sh
# /init of the cgroup v1 test VM: tests/vm/cgroup1.sh (tests/vm/vm.sh
# cgroup1) puts this script, its helpers tests/vm/guest-lib.sh as /lib.sh,
# a static busybox, the static ocirun (/bin/ocirun) and a busybox container
# rootfs (/bundle/rootfs) into an initramfs and boots a Debian kernel
# without cgroup_no_v1.  This mounts a tmpfs on /sys/fs/cgroup and one v1
# hierarchy per controller below it, as systemd's legacy mode does
# (cpu,cpuacct and net_cls,net_prio co-mounted, with a symlink per name;
# a name=systemd hierarchy), and never mounts cgroup2.  Each result goes to
# the serial console as "VMTEST ok - NAME" or "VMTEST FAIL - NAME: reason"
# (one line), then "VMTEST-DONE"; the host script collects them.

. /lib.sh
C=/sys/fs/cgroup
# the hierarchies, by their directory in $C ("systemd" is name=systemd)
HIERS="cpu,cpuacct cpuset memory pids devices freezer blkio net_cls,net_prio perf_event hugetlb rdma misc systemd"
# only those this kernel has (misc is 5.13's; a 5.10 guest has 12)
_h=; for h in $HIERS; do if [ $h = systemd ] || grep -q "^${h%%,*}[[:space:]]" /proc/cgroups; then _h="$_h $h"; fi; done; HIERS=${_h# }
LINKS="cpu:cpu,cpuacct cpuacct:cpu,cpuacct net_cls:net_cls,net_prio net_prio:net_cls,net_prio"
NH=$(echo $HIERS | wc -w)
mntopts() { if [ "$1" = systemd ]; then echo none,name=systemd; else echo "$1"; fi; }
mount -t tmpfs -o mode=755,nosuid,nodev,noexec tmpfs $C
mntfail=
for h in $HIERS; do
	mkdir -p $C/$h
	mount -t cgroup -o "$(mntopts $h)" cgroup $C/$h 2>/tmp/mnt.err || mntfail="$mntfail $h ($(cat /tmp/mnt.err))"
done
for l in $LINKS; do ln -s "${l#*:}" "$C/${l%%:*}"; done
echo "VMTEST-START"

# hdir HIER ID: the container's cgroup on hierarchy HIER
hdir() { echo "$C/$1/ocirun-vm/$2"; }
# not_in PID ID: the hierarchies whose /ocirun-vm/ID/cgroup.procs lacks PID
not_in() {
	for h in $HIERS; do grep -qx "$1" "$(hdir $h $2)/cgroup.procs" 2>/dev/null || printf '%s ' "$h"; done
}
# left_in DIR: the hierarchies that have $C/HIER/DIR
left_in() { for h in $HIERS; do [ -e "$C/$h/$1" ] && printf '%s ' "$h"; done; }
# limits ID: memory|pids|shares|quota|period|cpus|mems from the VM side
limits() {
	echo "$(rd "$(hdir memory $1)"/memory.limit_in_bytes)|$(rd "$(hdir pids $1)"/pids.max)|$(rd "$(hdir cpu,cpuacct $1)"/cpu.shares)|$(rd "$(hdir cpu,cpuacct $1)"/cpu.cfs_quota_us)|$(rd "$(hdir cpu,cpuacct $1)"/cpu.cfs_period_us)|$(rd "$(hdir cpuset $1)"/cpuset.cpus)|$(rd "$(hdir cpuset $1)"/cpuset.mems)"
}
# cg_paths PID: the distinct cgroup paths in /proc/PID/cgroup, and the line count
cg_paths() { echo "$(cut -d: -f3 /proc/$1/cgroup 2>/dev/null | sort -u | tr '\n' ' ')($(grep -c . /proc/$1/cgroup 2>/dev/null) lines)"; }

# --- 1. layout -----------------------------------------------------------
fstype=$(awk -v c=$C '$2 == c { print $3 }' /proc/mounts)
v2=$(awk '$3 == "cgroup2"' /proc/mounts)
if [ "$fstype" = tmpfs ] && [ -z "$v2" ]; then ok "layout: /sys/fs/cgroup is a tmpfs, no cgroup2 mounted"
else bad "layout: /sys/fs/cgroup is a tmpfs, no cgroup2 mounted" "/sys/fs/cgroup is '$fstype', cgroup2 mounts: '$v2'"; fi
wrong=
for h in $HIERS; do
	m=$(awk -v d=$C/$h '$2 == d { print $3 " " $4 }' /proc/mounts)
	o=$(mntopts $h | sed 's/^none,//')
	case "$m" in cgroup\ *) ;; *) wrong="$wrong $h:'$m'"; continue ;; esac
	for x in $(echo "$o" | tr , ' '); do
		case ",${m#cgroup },"  in *",$x,"*) ;; *) wrong="$wrong $h:'$m'(no $x)" ;; esac
	done
done
if [ -z "$mntfail$wrong" ]; then ok "layout: $NH v1 hierarchies mounted ($HIERS)"
else bad "layout: $NH v1 hierarchies mounted" "mount failures:$mntfail; wrong mounts:$wrong; /proc/cgroups: $(cut -f1,2,4 /proc/cgroups | tr '\t\n' ': ')"; fi
# the unified hierarchy shows in /proc/PID/cgroup ("0::/") once cgroup2 was mounted
self=$(cat /proc/self/cgroup)
if [ "$(printf '%s\n' "$self" | grep -c .)" = $NH ] && ! printf '%s\n' "$self" | grep -q '^0::' &&
	[ "$(printf '%s\n' "$self" | cut -d: -f3 | sort -u)" = / ]; then ok "layout: /proc/self/cgroup has $NH v1 lines, all /, no 0:: line"
else bad "layout: /proc/self/cgroup" "want $NH lines, no 0::, all at /: '$self'"; fi

f=$(oc features 2>$E)
if printf '%s' "$f" | grep -q '"v1": true'; then ok "features: cgroup v1 true"
else bad "features: cgroup v1 true" "no '\"v1\": true' in: $(printf '%s' "$f" | grep -i cgroup) $(errtxt)"; fi

# What a container prints about its /sys/fs/cgroup, one KEY=VALUE a line:
# the six limits, the entries of /sys/fs/cgroup, where the co-mount
# symlinks point, whether cpuacct/ works, the distinct paths of
# /proc/self/cgroup, the /sys/fs/cgroup mount (type, options), the
# distinct roots (mountinfo field 4: which cgroup each bind shows) of the
# mounts below it and those mounts (NAME:TYPE:rw|ro), whether pids.max can
# be written, pids.max afterwards, and the pids/cgroup.procs it sees.
PROBE='C=/sys/fs/cgroup
echo "lim=$(cat $C/memory/memory.limit_in_bytes)|$(cat $C/pids/pids.max)|$(cat $C/cpu/cpu.shares)|$(cat $C/cpu/cpu.cfs_quota_us)|$(cat $C/cpu/cpu.cfs_period_us)|$(cat $C/cpuset/cpuset.cpus)"
echo "ls=$(ls $C | tr "\n" " ")"
echo "links=$(readlink $C/cpu) $(readlink $C/cpuacct) $(readlink $C/net_cls) $(readlink $C/net_prio)"
echo "acct=$(cat $C/cpuacct/cpuacct.usage >/dev/null && echo readable)"
echo "self=$(cut -d: -f3 /proc/self/cgroup | sort -u | tr "\n" " ")"
echo "top=$(grep " $C " /proc/mounts | cut -d" " -f3,4)"
echo "roots=$(awk "\$5 ~ \"^/sys/fs/cgroup/\" { print \$4 }" /proc/self/mountinfo | sort -u | tr "\n" " ")"
echo "binds=$(awk -v c=$C/ "index(\$2, c) == 1 { split(\$4, o, \",\"); print substr(\$2, length(c) + 1) \":\" \$3 \":\" o[1] }" /proc/mounts | sort | tr "\n" " ")"
if { echo 1000 >$C/pids/pids.max; } 2>/dev/null; then echo write=writable; else echo write=readonly; fi
echo "after=$(cat $C/pids/pids.max)"
echo "procs=$(cat $C/pids/cgroup.procs | tr "\n" " ")"'

WANT_LS=$( (printf '%s\n' $HIERS; for l in $LINKS; do echo "${l%%:*}"; done) | sort | tr '\n' ' ')
WANT_BINDS=$(printf '%s\n' $HIERS | sed 's/$/:cgroup:ro/' | sort | tr '\n' ' ')

# check_probe PREFIX OUTPUT SELF: the checks on PROBE's output; SELF is
# what the paths of /proc/self/cgroup must be
check_probe() {
	p=$1 out=$2 self=$3
	lim=$(key lim "$out")
	if [ "$lim" = "67108864|42|512|50000|100000|0" ]; then ok "$p: limits inside the container (memory.limit_in_bytes, pids.max, cpu.shares, cfs_quota_us, cfs_period_us, cpuset.cpus)"
	else bad "$p: limits inside the container" "want 67108864|42|512|50000|100000|0, got '$lim' (output: $out) $(errtxt)"; fi
	l=$(key ls "$out") lk=$(key links "$out") ac=$(key acct "$out")
	if [ "$l" = "$WANT_LS" ] && [ "$lk" = "cpu,cpuacct cpu,cpuacct net_cls,net_prio net_cls,net_prio" ] && [ "$ac" = readable ]; then
		ok "$p: /sys/fs/cgroup has a dir per hierarchy, cpu cpuacct net_cls net_prio link to the co-mounts"
	else bad "$p: /sys/fs/cgroup entries" "ls '$l' (want '$WANT_LS'), links '$lk', cpuacct/cpuacct.usage '$ac'"; fi
	top=$(key top "$out") binds=$(key binds "$out") roots=$(key roots "$out")
	case "$top" in
	"tmpfs ro,"*) tmpok=1 ;;
	*) tmpok= ;;
	esac
	if [ -n "$tmpok" ] && [ "$binds" = "$WANT_BINDS" ] && [ "$roots" = "$self " ]; then
		ok "$p: /sys/fs/cgroup is a read-only tmpfs with a read-only bind of cgroup $self per hierarchy"
	else bad "$p: /sys/fs/cgroup: read-only tmpfs, a read-only bind of cgroup $self per hierarchy" "/sys/fs/cgroup '$top', below it '$binds' (want '$WANT_BINDS'), their mountinfo roots '$roots' (want '$self ')"; fi
	if [ "$(key write "$out")|$(key after "$out")" = "readonly|42" ]; then ok "$p: pids/pids.max cannot be written, stays 42"
	else bad "$p: pids/pids.max cannot be written, stays 42" "write of pids.max: $(key write "$out"), pids.max after: '$(key after "$out")'"; fi
	if [ "$(key self "$out")" = "$self " ]; then ok "$p: /proc/self/cgroup paths are all $self"
	else bad "$p: /proc/self/cgroup" "its paths are '$(key self "$out")', want '$self '"; fi
	# the pids hierarchy's bind is the container's own cgroup: its procs are
	# the container's (pid 1 first), none outside its pid namespace (0)
	pr=$(key procs "$out")
	case " $pr" in
	" 1 "*" 0 "*) bad "$p: pids/cgroup.procs is the container's" "'$pr' shows processes outside its pid namespace (0)" ;;
	" 1 "*) ok "$p: pids/cgroup.procs is the container's ($pr)" ;;
	*) bad "$p: pids/cgroup.procs is the container's" "'$pr' (want pid 1 first)" ;;
	esac
}

# --- 2. run: the limits seen from inside -----------------------------------
CPUS=0 mkbundle $B/c2 c2 42 sh -c "$PROBE"
out=$(cd $B/c2 && oc run --bundle $B/c2 c2 2>$E); rc=$?
check_probe run "$out" /
lf=$(left_in ocirun-vm/c2)
if [ $rc = 0 ] && [ -z "$lf" ] && [ ! -e $STATE/c2 ]; then ok "run: exit 0, cgroup removed from every hierarchy, state removed"
else bad "run: exit 0, cgroup and state removed after exit" "exit $rc, /ocirun-vm/c2 left in: '$lf', state $(exists $STATE/c2); $(errtxt)"; fi

# --- 3. run -d: the cgroups seen from the VM --------------------------------
CPUS=0 mkbundle $B/c3 c3 42 sleep 600
oc run -d --bundle $B/c3 c3 </dev/null >/tmp/c3.out 2>$E; rc=$?
pid=$(pid_of c3); st=$(status_of c3)
if [ $rc = 0 ] && [ "$st" = running ] && [ -n "$pid" ] && [ "$pid" -gt 0 ]; then ok "run -d: state running, pid $pid"
else bad "run -d: state running" "run -d exit $rc, status '$st', pid '$pid'; $(errtxt)"; fi
miss=$(not_in "$pid" c3)
if [ -n "$pid" ] && [ -z "$miss" ]; then ok "run -d: init pid in cgroup.procs of /ocirun-vm/c3 on all $NH hierarchies"
else bad "run -d: init pid in cgroup.procs of every hierarchy" "pid '$pid' missing in: $miss; /proc/$pid/cgroup: '$(rd /proc/$pid/cgroup | tr '\n' ' ')'"; fi
cp=$(cg_paths $pid)
if [ "$cp" = "/ocirun-vm/c3 ($NH lines)" ]; then ok "run -d: /proc/$pid/cgroup is /ocirun-vm/c3 on all $NH hierarchies"
else bad "run -d: /proc/PID/cgroup" "'$cp', want '/ocirun-vm/c3 ($NH lines)'"; fi
v=$(limits c3)
if [ "$v" = "67108864|42|512|50000|100000|0|0" ]; then ok "run -d: limits in the VM's view (memory, pids, cpu.shares, cfs quota, period, cpuset cpus, mems)"
else bad "run -d: limits in the VM's view" "want 67108864|42|512|50000|100000|0|0, got $v"; fi

# --- 4. exec joins every hierarchy ------------------------------------------
rm -f /tmp/exec.pid
oc exec -d --pid-file /tmp/exec.pid c3 sleep 30 </dev/null >/dev/null 2>$E; rc=$?
epid=$(cat /tmp/exec.pid 2>/dev/null)
miss=$(not_in "$epid" c3)
if [ $rc = 0 ] && [ -n "$epid" ] && [ -z "$miss" ] && [ "$(rd /proc/$epid/cgroup)" = "$(rd /proc/$pid/cgroup)" ]; then
	ok "exec -d: pid $epid in cgroup.procs on all $NH hierarchies, /proc/$epid/cgroup = init's"
else bad "exec -d: pid in cgroup.procs of every hierarchy" "exit $rc, pid file '$epid', missing in: '$miss', /proc/$epid/cgroup '$(rd /proc/$epid/cgroup | tr '\n' ' ')'; $(errtxt)"; fi
out=$(oc exec c3 sh -c 'cut -d: -f3 /proc/self/cgroup | sort -u; cat /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/memory/memory.limit_in_bytes' 2>$E); rc=$?
if [ $rc = 0 ] && [ "$out" = "$(printf '/\n42\n67108864')" ]; then ok "exec: in the cgroup namespace, sees pids.max 42, memory limit 67108864"
else bad "exec: in the cgroup namespace" "exit $rc, output '$out' (want / 42 67108864); $(errtxt)"; fi
check_ps c3 "$pid" "$epid"

# --- 5. pause / resume: freezer.state ----------------------------------------
FZ="$(hdir freezer c3)"/freezer.state
oc pause c3 2>$E; rc=$?
st=$(status_of c3) fz=$(rd $FZ)
if [ $rc = 0 ] && [ "$st" = paused ] && [ "$fz" = FROZEN ]; then ok "pause: paused, freezer.state FROZEN"
else bad "pause" "exit $rc, status '$st', freezer.state '$fz'; $(errtxt)"; fi
oc resume c3 2>$E; rc=$?
st=$(status_of c3) fz=$(rd $FZ)
if [ $rc = 0 ] && [ "$st" = running ] && [ "$fz" = THAWED ]; then ok "resume: running, freezer.state THAWED"
else bad "resume" "exit $rc, status '$st', freezer.state '$fz'; $(errtxt)"; fi

# --- 6. update -------------------------------------------------------------
oc update --memory 32m --pids-limit 33 --cpu-quota 60000 c3 2>$E; rc=$?
v=$(limits c3)
if [ $rc = 0 ] && [ "$v" = "33554432|33|512|60000|100000|0|0" ]; then ok "update --memory 32m --pids-limit 33 --cpu-quota 60000: $v"
else bad "update --memory 32m --pids-limit 33 --cpu-quota 60000" "exit $rc, memory|pids|shares|quota|period|cpus|mems = $v (want 33554432|33|512|60000|100000|0|0); $(errtxt)"; fi
echo '{"memory":{"limit":50331648},"pids":{"limit":21},"cpu":{"shares":1024,"quota":20000,"period":200000,"cpus":"1"}}' >/tmp/res.json
oc update --resources /tmp/res.json c3 2>$E; rc=$?
v=$(limits c3)
if [ $rc = 0 ] && [ "$v" = "50331648|21|1024|20000|200000|1|0" ]; then ok "update --resources FILE: memory, pids, cpu, cpuset"
else bad "update --resources FILE" "exit $rc, memory|pids|shares|quota|period|cpus|mems = $v (want 50331648|21|1024|20000|200000|1|0); $(errtxt)"; fi
oc update --cpuset-cpus 0-1 --cpu-share 256 --cpu-period 100000 c3 2>$E; rc=$?
v=$(limits c3)
if [ $rc = 0 ] && [ "$v" = "50331648|21|256|20000|100000|0-1|0" ]; then ok "update --cpuset-cpus 0-1 --cpu-share 256 --cpu-period 100000"
else bad "update --cpuset-cpus 0-1 --cpu-share 256 --cpu-period 100000" "exit $rc, memory|pids|shares|quota|period|cpus|mems = $v (want 50331648|21|256|20000|100000|0-1|0); $(errtxt)"; fi
out=$(oc exec c3 cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>$E); rc=$?
if [ $rc = 0 ] && [ "$out" = 50331648 ]; then ok "update: the container sees memory.limit_in_bytes $out"
else bad "update: the container sees the new memory limit" "exit $rc, inside '$out', VM side '$(rd "$(hdir memory c3)"/memory.limit_in_bytes)'; $(errtxt)"; fi
if oc pause c3 2>$E; then
	oc update --pids-limit 30 c3 2>$E; rc=$?
	st=$(status_of c3) fz=$(rd $FZ) v=$(rd "$(hdir pids c3)"/pids.max)
	if [ $rc = 0 ] && [ "$st" = paused ] && [ "$fz" = FROZEN ] && [ "$v" = 30 ]; then ok "update of a paused container: pids.max 30, still FROZEN"
	else bad "update of a paused container" "exit $rc, status '$st', freezer.state '$fz', pids.max '$v' (want paused, FROZEN, 30); $(errtxt)"; fi
	oc resume c3 2>$E || bad "update of a paused container: resume" "$(errtxt)"
else bad "update of a paused container" "pause failed: $(errtxt)"; fi

# --- 8. kill --all, delete -------------------------------------------------
procs=$(cat "$(hdir pids c3)"/cgroup.procs 2>/dev/null | tr '\n' ' ')
oc kill --all c3 KILL 2>$E; rc=$?
kerr=$(cat $E)
i=0; while [ $i -lt 50 ] && [ "$(status_of c3)" != stopped ]; do usleep 100000; i=$((i + 1)); done
oc delete c3 2>$E; drc=$?
left=$(left_alive "$procs")
lf=$(left_in ocirun-vm/c3)
if [ $rc = 0 ] && [ $drc = 0 ] && [ -z "$lf" ] && [ ! -e $STATE/c3 ] && ! oc state c3 >/dev/null 2>&1 && [ -n "$procs" ] && [ -z "$left" ]; then
	ok "kill --all KILL + delete: /ocirun-vm/c3 gone from all $NH hierarchies, state and processes ($procs) gone"
else bad "kill --all KILL + delete" "kill exit $rc ($kerr), delete exit $drc ($(cat $E)), /ocirun-vm/c3 left in: '$lf', state dir $(exists $STATE/c3), procs before '$procs', left:$left"; fi

# --- 7. enforcement: pids ----------------------------------------------------
mkbundle $B/c7 c7 5 sh -c 'i=0; while [ $i -lt 10 ]; do sleep 5 & i=$((i+1)); echo $i; done'
out=$(oc run --bundle $B/c7 c7 2>$E); rc=$?
n=$(printf '%s\n' "$out" | grep -c .)
if [ "$n" -ge 1 ] && [ "$n" -le 4 ] && [ "$out" = "$(seq 1 $n)" ]; then ok "pids.max 5 enforced: the loop forked $n of 10 (exit $rc)"
else bad "pids.max 5 enforced" "$n lines (want 1-4): '$(printf '%s' "$out" | tr '\n' ' ')', exit $rc; $(errtxt)"; fi
lf=$(left_in ocirun-vm/c7)
[ -n "$lf" ] && bad "pids.max 5 container: cgroup removed after exit" "/ocirun-vm/c7 left in: $lf"

# --- 7. enforcement: memory, OOM events ----------------------------------------
check_oom_events "oom events" "$(hdir memory c15)" memory.oom_control
check_stage_oom "stage oom" "$(hdir memory c18)"
lf=$(left_in ocirun-vm/c15)
[ -n "$lf" ] && bad "oom events: cgroup removed after delete --force" "/ocirun-vm/c15 left in: $lf"

# --- 7. enforcement: device rules on the v1 devices controller -----------------
# CAP_MKNOD and a "deny all" rule: mknod works (runc's "m" default), but the
# node cannot be opened; an allow rule for 1:11 opens it; /dev/null stays
# usable.  devices.list as the container sees it (its own cgroup's).
# The container runs the checks, prints its devices.list and sleeps; the VM
# reads devices.list of /ocirun-vm/dv-VARIANT meanwhile.
for variant in deny allow; do
	id=dv-$variant
	mkbundle $B/$id $id 42 sh -c 'mknod /dev/z c 1 11 && echo mknod-ok; echo x > /dev/null && echo null-ok; (echo ocirun > /dev/z) 2>/dev/null && echo written || echo denied
echo "list=$(cat /sys/fs/cgroup/devices/devices.list | tr "\n" ",")"; exec sleep 600'
	add_devices $B/$id/config.json $variant
	oc run -d --bundle $B/$id $id </dev/null >/tmp/$id.out 2>$E; rc=$?
	[ $rc = 0 ] || bad "device rules on v1 ($variant 1:11): run -d" "exit $rc; $(errtxt)"
	i=0; while [ $i -lt 50 ] && ! grep -q '^list=' /tmp/$id.out; do usleep 100000; i=$((i + 1)); done
	out=$(cat /tmp/$id.out)
	vmlist=$(tr '\n' ',' <"$(hdir devices $id)"/devices.list 2>/dev/null)
	res=$(printf '%s\n' "$out" | grep -v '^list=' | tr '\n' ' ')
	list=$(key list "$out")
	want="mknod-ok null-ok denied "
	[ $variant = allow ] && want="mknod-ok null-ok written "
	if [ "$res" = "$want" ]; then ok "device rules on v1 ($variant 1:11): $res"
	else bad "device rules on v1 ($variant 1:11)" "exit $rc, output '$res', want '$want'; $(errtxt)"; fi
	has11=no; case ",$vmlist" in *",c 1:11 rwm,"*) has11=yes ;; esac
	want11=no; [ $variant = allow ] && want11=yes
	case ",$vmlist" in
	*",a *:* rwm,"*) bad "device rules on v1 ($variant): devices.list (VM side)" "still allows everything: '$vmlist'" ;;
	*",c 1:3 rwm,"*",c *:* m,"*)
		if [ $has11 = $want11 ]; then ok "device rules on v1 ($variant): devices.list (VM side) has c 1:3 rwm, c *:* m, c 1:11 rwm: $has11"
		else bad "device rules on v1 ($variant): devices.list (VM side)" "c 1:11 rwm listed: $has11, want $want11: '$vmlist'"; fi ;;
	*) bad "device rules on v1 ($variant): devices.list (VM side)" "want c 1:3 rwm and c *:* m in '$vmlist'" ;;
	esac
	if [ -n "$vmlist" ] && [ "$list" = "$vmlist" ]; then ok "device rules on v1 ($variant): the container reads the same devices.list"
	else bad "device rules on v1 ($variant): the container reads its own devices.list" "inside '$list', VM side '$vmlist'"; fi
	oc delete --force $id 2>$E || bad "device rules on v1 ($variant): delete --force" "$(errtxt)"
	lf=$(left_in ocirun-vm/$id)
	[ -n "$lf" ] && bad "device rules on v1 ($variant): cgroup removed after delete" "/ocirun-vm/$id left in: $lf"
done

# --- extra: delete --force of a paused container ----------------------------
mkbundle $B/c11 c11 42 sleep 600
if oc run -d --bundle $B/c11 c11 </dev/null >/dev/null 2>$E && p11=$(pid_of c11) && [ -n "$p11" ] && oc pause c11 2>>$E; then
	oc delete --force c11 2>$E; rc=$?
	i=0; while [ $i -lt 20 ] && ! gone $p11; do usleep 100000; i=$((i + 1)); done
	lf=$(left_in ocirun-vm/c11)
	if [ $rc = 0 ] && [ -z "$lf" ] && [ ! -e $STATE/c11 ] && gone $p11; then ok "delete --force of a paused container"
	else bad "delete --force of a paused container" "exit $rc, /ocirun-vm/c11 left in: '$lf' (freezer.state $(rd "$(hdir freezer c11)"/freezer.state)), pid $p11 $(gone $p11 && echo gone || echo alive); $(errtxt)"; fi
else bad "delete --force of a paused container" "setup (run -d, pause) failed: $(errtxt)"; fi

# --- extra: no cgroup namespace ---------------------------------------------
NOCGNS=1 CPUS=0 mkbundle $B/c12 c12 42 sh -c "$PROBE"
out=$(oc run --bundle $B/c12 c12 2>$E); rc=$?
[ $rc = 0 ] || bad "no cgroup namespace: run" "exit $rc; $(errtxt)"
check_probe "no cgroup namespace" "$out" /ocirun-vm/c12
lf=$(left_in ocirun-vm/c12)
[ -n "$lf" ] && bad "no cgroup namespace: cgroup removed after exit" "/ocirun-vm/c12 left in: $lf"

# --- extra: no cgroupsPath: /ID below ocirun's own cgroup (the root) -----------
DEFCG=1 mkbundle $B/c13 c13 42 sleep 600
oc run -d --bundle $B/c13 c13 </dev/null >/dev/null 2>$E; rc=$?
p13=$(pid_of c13)
miss=
for h in $HIERS; do grep -qx "$p13" $C/$h/c13/cgroup.procs 2>/dev/null || miss="$miss $h"; done
v="$(rd $C/memory/c13/memory.limit_in_bytes)|$(rd $C/pids/c13/pids.max)"
if [ $rc = 0 ] && [ -n "$p13" ] && [ -z "$miss" ] && [ "$v" = "67108864|42" ]; then
	ok "default cgroupsPath: /c13 on all $NH hierarchies holds pid $p13, limits set"
else bad "default cgroupsPath" "run -d exit $rc, pid '$p13', not in /c13/cgroup.procs of:$miss, /proc/$p13/cgroup '$(rd /proc/$p13/cgroup | tr '\n' ' ')', memory|pids: $v; $(errtxt)"; fi
oc delete --force c13 2>$E; rc=$?
lf=$(left_in c13)
if [ $rc = 0 ] && [ -z "$lf" ]; then ok "default cgroupsPath: delete --force removes /c13 everywhere"
else bad "default cgroupsPath: delete --force" "exit $rc, /c13 left in: '$lf'; $(errtxt)"; fi

# --- 9. bad input: a limit whose hierarchy is missing -------------------------
# ocirun runs in a mount namespace where the hierarchy is unmounted; the
# error must name the controller, and no hierarchy may keep a cgroup
for c in "memory|memory|controller \"memory\"" "pids|pids|controller \"pids\"" "cpu,cpuacct|cpu|controller \"cpu\"" \
	"cpuset|cpuset|controller \"cpuset\"" "devices|devices|.linux.resources.devices"; do
	h=${c%%|*} rest=${c#*|}
	name=${rest%%|*} needle=${rest#*|}
	id=bad-$name
	CPUS=0 mkbundle $B/$id $id 42 true
	[ $name = devices ] && add_devices $B/$id/config.json deny
	unshare -m sh -c "umount $C/$h && exec timeout 60 ocirun --root $STATE run --bundle $B/$id $id" </dev/null >/dev/null 2>$E; rc=$?
	lf=$(left_in ocirun-vm/$id)
	still=$(awk -v d=$C/$h '$2 == d { print $3 }' /proc/mounts)
	if [ $rc != 0 ] && grep -qF "$needle" $E && [ -z "$lf" ] && [ ! -e $STATE/$id ] && [ "$still" = cgroup ]; then
		ok "no $h hierarchy: refused naming $needle, nothing left"
	else bad "no $h hierarchy: refused naming $needle, nothing left" "exit $rc, /ocirun-vm/$id left in: '$lf', state $(exists $STATE/$id), VM's $C/$h is '$still'; $(errtxt)"; fi
done
# a CPU the VM does not have
CPUS=7 mkbundle $B/bad-cpus bad-cpus 42 true
oc run --bundle $B/bad-cpus bad-cpus </dev/null >/dev/null 2>$E; rc=$?
lf=$(left_in ocirun-vm/bad-cpus)
if [ $rc != 0 ] && grep -qF cpuset.cpus $E && [ -z "$lf" ] && [ ! -e $STATE/bad-cpus ]; then ok "cpus \"7\" on a 2-CPU VM: refused naming cpuset.cpus, nothing left"
else bad "cpus \"7\" on a 2-CPU VM: refused naming cpuset.cpus, nothing left" "exit $rc, /ocirun-vm/bad-cpus left in: '$lf', state $(exists $STATE/bad-cpus); $(errtxt)"; fi
# pause without a freezer hierarchy
mkbundle $B/nofz nofz 42 sleep 600
unshare -m sh -c "umount $C/freezer && timeout 60 ocirun --root $STATE run -d --bundle $B/nofz nofz </dev/null >/dev/null && exec timeout 60 ocirun --root $STATE pause nofz" 2>$E; rc=$?
st=$(status_of nofz)
if [ $rc != 0 ] && grep -qF 'no freezer' $E && [ "$st" = running ]; then ok "pause without a freezer hierarchy: refused ($(cat $E)), still running"
else bad "pause without a freezer hierarchy" "exit $rc, status '$st'; $(errtxt)"; fi
oc delete --force nofz 2>$E || bad "pause without a freezer hierarchy: delete --force" "$(errtxt)"
lf=$(left_in ocirun-vm/nofz)
[ -n "$lf" ] && bad "pause without a freezer hierarchy: delete --force removes the cgroups" "/ocirun-vm/nofz left in: $lf"

# --- blockIO, hugetlb, device rules swapped by update -----------------------
check_more_resources "$(hdir blkio cm)" "$(hdir hugetlb cm)"
check_device_update

# --- leftovers ---------------------------------------------------------------
left=$(ls $STATE 2>/dev/null | tr '\n' ' ') cgl=
for h in $HIERS; do
	for d in $C/$h/*/ $C/$h/ocirun-vm/*/; do
		[ -d "$d" ] && [ "$d" != "$C/$h/ocirun-vm/" ] && cgl="$cgl ${d#$C/}"
	done
done
if [ -z "$left" ] && [ -z "$cgl" ]; then ok "no leftover state or cgroups on any hierarchy"
else bad "no leftover state or cgroups" "state: '$left', cgroups:$cgl"; fi

vm_done
