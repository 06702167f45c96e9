#!/bin/sh
# /init of the cgroup v2 test VM: tests/vm/cgroup2.sh (tests/vm/vm.sh
# cgroup2) puts this script, its helpers tests/vm/guest-lib.sh as /lib.sh,
# a static busybox, the static ocirun (/bin/ocirun) and a busybox container
# rootfs (/bundle/rootfs) into an initramfs and boots a Debian kernel with
# cgroup_no_v1=all.  Each result goes to the serial console as
# "VMTEST ok - NAME" or "VMTEST FAIL - NAME: reason" (one line), then
# "VMTEST-DONE"; the host script collects them.  The root
# cgroup.subtree_control is left empty on purpose: enabling the controllers
# it needs is ocirun's job, and part of what is tested.

. /lib.sh
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo "VMTEST-START"

CG=/sys/fs/cgroup/ocirun-vm   # the parent of every container's cgroup

# What a container prints about its cgroup, one KEY=VALUE a line: the four
# limits, its /proc/self/cgroup, its /sys/fs/cgroup mount (type, options),
# whether pids.max can be written, and pids.max afterwards.
PROBE='for f in memory.max pids.max cpu.max cpu.weight; do echo "$f=$(cat /sys/fs/cgroup/$f)"; done
echo "self=$(cat /proc/self/cgroup)"
echo "mount=$(grep " /sys/fs/cgroup " /proc/mounts | cut -d" " -f3,4)"
if { echo 1000 >/sys/fs/cgroup/pids.max; } 2>/dev/null; then echo write=writable; else echo write=readonly; fi
echo "after=$(cat /sys/fs/cgroup/pids.max)"'

# check_probe PREFIX OUTPUT [SELF]: the checks on PROBE's output; SELF is
# the /proc/self/cgroup expected (0::/ in a cgroup namespace)
check_probe() {
	p=$1 out=$2 self=${3:-0::/}
	lim="$(key memory.max "$out")|$(key pids.max "$out")|$(key cpu.max "$out")|$(key cpu.weight "$out")"
	if [ "$lim" = "67108864|42|50000 100000|20" ]; then ok "$p: limits inside the container (memory.max, pids.max, cpu.max, cpu.weight)"
	else bad "$p: limits inside the container" "want 67108864|42|50000 100000|20, got $lim (output: $out) $(errtxt)"; fi
	if [ "$(key self "$out")" = "$self" ]; then ok "$p: /proc/self/cgroup is $self"
	else bad "$p: /proc/self/cgroup" "in the container it is '$(key self "$out")', want $self"; fi
	m=$(key mount "$out")
	case "$m|$(key write "$out")|$(key after "$out")" in
	"cgroup2 ro,"*"|readonly|42") ok "$p: /sys/fs/cgroup is a read-only cgroup2 mount" ;;
	*) bad "$p: /sys/fs/cgroup is a read-only cgroup2 mount" "mount '$m', write of pids.max: $(key write "$out"), pids.max after: $(key after "$out")" ;;
	esac
}

# --- 1. layout -----------------------------------------------------------
fstype=$(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts)
v1=$(awk '$3 == "cgroup"' /proc/mounts)
selfcg=$(cat /proc/self/cgroup)
if [ "$fstype" = cgroup2 ] && [ -z "$v1" ] && [ "$selfcg" = "0::/" ]; then ok "layout: /sys/fs/cgroup is cgroup2, no v1 hierarchy"
else bad "layout" "/sys/fs/cgroup is '$fstype', v1 mounts: '$v1', /proc/self/cgroup: '$selfcg'"; fi
if mkdir -p /tmp/v1 && mount -t cgroup -o pids cgroup /tmp/v1 2>/dev/null; then
	bad "layout: v1 unavailable" "mount -t cgroup -o pids succeeded despite cgroup_no_v1=all"; umount /tmp/v1
else ok "layout: v1 unavailable (cgroup_no_v1=all)"; fi
sc=$(cat /sys/fs/cgroup/cgroup.subtree_control)
if [ -z "$sc" ]; then ok "layout: root cgroup.subtree_control starts empty"
else bad "layout: root cgroup.subtree_control starts empty" "it is '$sc': the controller-enabling checks below prove nothing"; fi

# --- 9. features -----------------------------------------------------------
f=$(oc features 2>$E)
if printf '%s' "$f" | grep -q '"v2": true'; then ok "features: cgroup v2 true"
else bad "features: cgroup v2 true" "no '\"v2\": true' in: $(printf '%s' "$f" | grep -i cgroup) $(errtxt)"; fi

# --- 2. run: the limits seen from inside -----------------------------------
mkbundle $B/c2 c2 42 sh -c "$PROBE"
out=$(cd $B/c2 && oc run --bundle $B/c2 c2 2>$E); rc=$?
check_probe run "$out"
if [ $rc = 0 ] && [ ! -e $CG/c2 ] && [ ! -e $STATE/c2 ]; then ok "run: exit 0, cgroup and state removed after exit"
else bad "run: exit 0, cgroup and state removed after exit" "exit $rc, $CG/c2 $( [ -e $CG/c2 ] && echo exists || echo gone), state $( [ -e $STATE/c2 ] && echo exists || echo gone); $(errtxt)"; fi

# --- 3. run -d: the cgroup seen from the VM --------------------------------
mkbundle $B/c3 c3 42 sleep 600
oc run -d --bundle $B/c3 c3 </dev/null >/tmp/c3.out 2>$E; rc=$?
pid=$(pid_of c3); st=$(status_of c3)
if [ $rc = 0 ] && [ "$st" = running ] && [ -n "$pid" ] && [ "$pid" -gt 0 ]; then ok "run -d: state running, pid $pid"
else bad "run -d: state running" "run -d exit $rc, status '$st', pid '$pid'; $(errtxt)"; fi
if [ -d $CG/c3 ] && [ -n "$pid" ] && grep -qx "$pid" $CG/c3/cgroup.procs; then ok "run -d: init pid in $CG/c3/cgroup.procs"
else bad "run -d: init pid in cgroup.procs" "pid '$pid', $CG/c3/cgroup.procs: '$(rd $CG/c3/cgroup.procs)', /proc/$pid/cgroup: '$(rd /proc/$pid/cgroup)'"; fi
v="$(rd $CG/c3/memory.max)|$(rd $CG/c3/pids.max)|$(rd $CG/c3/cpu.max)|$(rd $CG/c3/cpu.weight)"
if [ "$v" = "67108864|42|50000 100000|20" ]; then ok "run -d: limits in the VM's view of the cgroup"
else bad "run -d: limits in the VM's view of the cgroup" "want 67108864|42|50000 100000|20, got $v"; fi
want_ctrls() { # FILE: memory, pids and cpu all listed
	for c in memory pids cpu; do printf ' %s ' "$(cat "$1")" | grep -q " $c " || return 1; done
}
if want_ctrls /sys/fs/cgroup/cgroup.subtree_control && want_ctrls $CG/cgroup.subtree_control; then
	ok "run -d: ocirun enabled memory pids cpu in subtree_control of / and /ocirun-vm"
else bad "run -d: ocirun enabled the controllers" "/: '$(rd /sys/fs/cgroup/cgroup.subtree_control)', /ocirun-vm: '$(rd $CG/cgroup.subtree_control)'"; fi

# --- 4. exec joins the cgroup ----------------------------------------------
rm -f /tmp/exec.pid
oc exec -d --pid-file /tmp/exec.pid c3 sleep 30 </dev/null >/dev/null 2>$E; rc=$?
epid=$(cat /tmp/exec.pid 2>/dev/null)
if [ $rc = 0 ] && [ -n "$epid" ] && grep -qx "$epid" $CG/c3/cgroup.procs; then ok "exec -d: pid $epid in cgroup.procs"
else bad "exec -d: pid in cgroup.procs" "exit $rc, pid file '$epid', cgroup.procs '$(rd $CG/c3/cgroup.procs)', /proc/$epid/cgroup '$(rd /proc/$epid/cgroup)'; $(errtxt)"; fi
out=$(oc exec c3 sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/pids.max' 2>$E); rc=$?
if [ $rc = 0 ] && [ "$out" = "$(printf '0::/\n42')" ]; then ok "exec: in the cgroup namespace, sees pids.max 42"
else bad "exec: in the cgroup namespace" "exit $rc, output '$out' (want 0::/ and 42); $(errtxt)"; fi
check_ps c3 "$pid" "$epid"

# --- 5. pause / resume -----------------------------------------------------
oc pause c3 2>$E; rc=$?
st=$(status_of c3)
fz=$(rd $CG/c3/cgroup.freeze); ev=$(grep frozen $CG/c3/cgroup.events 2>/dev/null)
if [ $rc = 0 ] && [ "$st" = paused ] && [ "$fz" = 1 ] && [ "$ev" = "frozen 1" ]; then ok "pause: paused, cgroup.freeze 1, frozen 1"
else bad "pause" "exit $rc, status '$st', cgroup.freeze '$fz', cgroup.events '$ev'; $(errtxt)"; fi
oc resume c3 2>$E; rc=$?
st=$(status_of c3)
fz=$(rd $CG/c3/cgroup.freeze); ev=$(grep frozen $CG/c3/cgroup.events 2>/dev/null)
if [ $rc = 0 ] && [ "$st" = running ] && [ "$fz" = 0 ] && [ "$ev" = "frozen 0" ]; then ok "resume: running, cgroup.freeze 0, frozen 0"
else bad "resume" "exit $rc, status '$st', cgroup.freeze '$fz', cgroup.events '$ev'; $(errtxt)"; fi

# --- 6. update -------------------------------------------------------------
oc update --memory 32m --pids-limit 33 c3 2>$E; rc=$?
v="$(rd $CG/c3/memory.max)|$(rd $CG/c3/pids.max)"
if [ $rc = 0 ] && [ "$v" = "33554432|33" ]; then ok "update --memory 32m --pids-limit 33"
else bad "update --memory 32m --pids-limit 33" "exit $rc, memory.max|pids.max = $v (want 33554432|33); $(errtxt)"; fi
# from a file, then from stdin: /dev is a bare devtmpfs here (no /dev/stdin
# link, as on many devices), so "-" must be read from fd 0 itself
echo '{"memory":{"limit":50331648},"pids":{"limit":21},"cpu":{"shares":1024,"quota":20000,"period":100000}}' >/tmp/res.json
oc update --resources /tmp/res.json c3 2>$E; rc=$?
v="$(rd $CG/c3/memory.max)|$(rd $CG/c3/pids.max)|$(rd $CG/c3/cpu.max)|$(rd $CG/c3/cpu.weight)"
# weight for shares 1024: 1 + (1024-2)*9999/262142 = 39
if [ $rc = 0 ] && [ "$v" = "50331648|21|20000 100000|39" ]; then ok "update --resources FILE: memory, pids, cpu"
else bad "update --resources FILE" "exit $rc, memory.max|pids.max|cpu.max|cpu.weight = $v (want 50331648|21|20000 100000|39); $(errtxt)"; fi
echo '{"memory":{"limit":41943040},"pids":{"limit":22},"cpu":{"shares":2048,"quota":30000,"period":200000}}' |
	oc update --resources - c3 2>$E; rc=$?
v="$(rd $CG/c3/memory.max)|$(rd $CG/c3/pids.max)|$(rd $CG/c3/cpu.max)|$(rd $CG/c3/cpu.weight)"
# weight for shares 2048: 1 + (2048-2)*9999/262142 = 79
if [ $rc = 0 ] && [ "$v" = "41943040|22|30000 200000|79" ]; then ok "update --resources - (stdin): memory, pids, cpu"
else bad "update --resources - (stdin)" "exit $rc, memory.max|pids.max|cpu.max|cpu.weight = $v (want 41943040|22|30000 200000|79); $(errtxt)"; fi
# shares beyond what cpu.weight can hold (10000, from 262144): a clear error, weight kept
oc update --cpu-share 300000 c3 2>$E; rc=$?
v=$(rd $CG/c3/cpu.weight)
if [ $rc != 0 ] && grep -q "cpu.shares: 300000 is more than 262144" $E && [ "$v" = 79 ]; then ok "update --cpu-share 300000: refused, cpu.weight stays $v"
else bad "update --cpu-share 300000" "exit $rc, cpu.weight $v (want refused, 79); $(errtxt)"; fi
out=$(oc exec c3 cat /sys/fs/cgroup/memory.max 2>$E); rc=$?
want=$(rd $CG/c3/memory.max)
if [ $rc = 0 ] && [ "$out" = "$want" ]; then ok "update: the container sees memory.max $out"
else bad "update: the container sees the new memory.max" "exit $rc, inside '$out', VM side '$want'; $(errtxt)"; fi
# v2 has quota and period in one file, cpu.max: updating one of them must
# keep the other (runc's update.bats "update cgroup cpu limits"; on v1 they
# are separate files anyway)
oc update --cpu-quota 50000 --cpu-period 1000000 c3 2>$E; rc=$?
v=$(rd $CG/c3/cpu.max)
if [ $rc = 0 ] && [ "$v" = "50000 1000000" ]; then ok "update --cpu-quota 50000 --cpu-period 1000000: cpu.max $v"
else bad "update --cpu-quota 50000 --cpu-period 1000000" "exit $rc, cpu.max '$v'; $(errtxt)"; fi
for step in "--cpu-period 900000|50000 900000" "--cpu-quota 60000|60000 900000" "--cpu-quota -1|max 900000"; do
	oc update ${step%|*} c3 2>$E; rc=$?
	v=$(rd $CG/c3/cpu.max)
	if [ $rc = 0 ] && [ "$v" = "${step#*|}" ]; then ok "update ${step%|*} alone: cpu.max '$v'"
	else bad "update ${step%|*} alone keeps the rest of cpu.max" "exit $rc, cpu.max '$v', want '${step#*|}'; $(errtxt)"; fi
done
# an update leaves a paused container paused
if oc pause c3 2>$E; then
	oc update --pids-limit 30 c3 2>$E; rc=$?
	st=$(status_of c3) fz=$(rd $CG/c3/cgroup.freeze) v=$(rd $CG/c3/pids.max)
	if [ $rc = 0 ] && [ "$st" = paused ] && [ "$fz" = 1 ] && [ "$v" = 30 ]; then ok "update of a paused container: pids.max 30, still paused"
	else bad "update of a paused container" "exit $rc, status '$st', cgroup.freeze '$fz', pids.max '$v' (want paused, 1, 30); $(errtxt)"; fi
	oc resume c3 2>$E || bad "update of a paused container: resume" "$(errtxt)"
else bad "update of a paused container" "pause failed: $(errtxt)"; fi

# --- 8. kill --all, delete -------------------------------------------------
procs=$(cat $CG/c3/cgroup.procs 2>/dev/null | tr '\n' ' ')
oc kill --all c3 KILL 2>$E; rc=$?
kerr=$(cat $E)
i=0; while [ $i -lt 50 ] && [ "$(status_of c3)" != stopped ]; do usleep 100000; i=$((i + 1)); done
oc delete c3 2>$E; drc=$?
left=$(left_alive "$procs")
if [ $rc = 0 ] && [ $drc = 0 ] && [ ! -e $CG/c3 ] && [ ! -e $STATE/c3 ] && ! oc state c3 >/dev/null 2>&1 && [ -n "$procs" ] && [ -z "$left" ]; then
	ok "kill --all KILL + delete: cgroup, state and processes ($procs) gone"
else bad "kill --all KILL + delete" "kill exit $rc ($kerr), delete exit $drc ($(cat $E)), $CG/c3 $( [ -e $CG/c3 ] && echo "exists, procs '$(rd $CG/c3/cgroup.procs | tr '\n' ' ')'" || echo gone), state dir $( [ -e $STATE/c3 ] && echo exists || echo gone), procs before '$procs', left:$left"; fi

# --- 7. pids limit enforced --------------------------------------------------
mkbundle $B/c7 c7 5 sh -c 'i=0; while [ $i -lt 10 ]; do sleep 5 & i=$((i+1)); echo $i; done'
out=$(oc run --bundle $B/c7 c7 2>$E); rc=$?
n=$(printf '%s\n' "$out" | grep -c .)
if [ "$n" -ge 1 ] && [ "$n" -le 4 ] && [ "$out" = "$(seq 1 $n)" ]; then ok "pids.max 5 enforced: the loop forked $n of 10 (exit $rc)"
else bad "pids.max 5 enforced" "$n lines (want 1-4): '$(printf '%s' "$out" | tr '\n' ' ')', exit $rc; $(errtxt)"; fi
[ -e $CG/c7 ] && bad "pids.max 5 container: cgroup removed after exit" "$CG/c7 still exists, procs '$(rd $CG/c7/cgroup.procs)'"

# --- extra: memory.max enforced (64 MiB): a 16 MiB buffer fits, 128 MiB is OOM-killed
mkbundle $B/c14 c14 42 sh -c 'dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null; echo small=$?
dd if=/dev/zero of=/dev/null bs=128M count=1 2>/dev/null; echo big=$?'
out=$(oc run --bundle $B/c14 c14 2>$E); rc=$?
if [ $rc = 0 ] && [ "$out" = "$(printf 'small=0\nbig=137')" ]; then ok "memory.max 64M enforced: 16M dd ok, 128M dd OOM-killed"
else bad "memory.max 64M enforced" "exit $rc, output '$out' (want small=0 big=137); $(errtxt)"; fi

# --- extra: memory.max 32M: OOM kill seen by events -------------------------
check_oom_events "oom events" $CG/c15 memory.events
check_stage_oom "stage oom" $CG/c18

# --- extra: delete --force of a paused container ----------------------------
mkbundle $B/c11 c11 42 sleep 600
if oc run -d --bundle $B/c11 c11 </dev/null >/dev/null 2>$E && p11=$(pid_of c11) && [ -n "$p11" ] && oc pause c11 2>>$E; then
	oc delete --force c11 2>$E; rc=$?
	i=0; while [ $i -lt 20 ] && ! gone $p11; do usleep 100000; i=$((i + 1)); done
	if [ $rc = 0 ] && [ ! -e $CG/c11 ] && [ ! -e $STATE/c11 ] && gone $p11; then ok "delete --force of a paused container"
	else bad "delete --force of a paused container" "exit $rc, $CG/c11 $( [ -e $CG/c11 ] && echo "exists (freeze $(rd $CG/c11/cgroup.freeze), procs '$(rd $CG/c11/cgroup.procs | tr '\n' ' ')')" || echo gone), pid $p11 $(gone $p11 && echo gone || echo alive); $(errtxt)"; fi
else bad "delete --force of a paused container" "setup (run -d, pause) failed: $(errtxt)"; fi

# --- extra: no cgroup namespace: /sys/fs/cgroup is a bind of its cgroup ---
NOCGNS=1 mkbundle $B/c12 c12 42 sh -c "$PROBE"
out=$(oc run --bundle $B/c12 c12 2>$E); rc=$?
NOCGNS=
[ $rc = 0 ] || bad "no cgroup namespace: run" "exit $rc; $(errtxt)"
check_probe "no cgroup namespace" "$out" 0::/ocirun-vm/c12
[ -e $CG/c12 ] && bad "no cgroup namespace: cgroup removed after exit" "$CG/c12 still exists"

# --- extra: no cgroupsPath: the cgroup is /ID below ocirun's own (the root) ---
DEFCG=1 mkbundle $B/c13 c13 42 sleep 600
DEFCG=
oc run -d --bundle $B/c13 c13 </dev/null >/dev/null 2>$E; rc=$?
p13=$(pid_of c13)
v="$(rd /sys/fs/cgroup/c13/memory.max)|$(rd /sys/fs/cgroup/c13/pids.max)"
if [ $rc = 0 ] && [ -n "$p13" ] && grep -qx "$p13" /sys/fs/cgroup/c13/cgroup.procs 2>/dev/null && [ "$v" = "67108864|42" ]; then
	ok "default cgroupsPath: /sys/fs/cgroup/c13 holds pid $p13, limits set"
else bad "default cgroupsPath" "run -d exit $rc, pid '$p13', /proc/$p13/cgroup '$(rd /proc/$p13/cgroup)', memory.max|pids.max of /sys/fs/cgroup/c13: $v; $(errtxt)"; fi
oc delete --force c13 2>$E; rc=$?
if [ $rc = 0 ] && [ ! -e /sys/fs/cgroup/c13 ]; then ok "default cgroupsPath: delete --force removes /sys/fs/cgroup/c13"
else bad "default cgroupsPath: delete --force" "exit $rc, /sys/fs/cgroup/c13 $( [ -e /sys/fs/cgroup/c13 ] && echo exists || echo gone); $(errtxt)"; fi

# --- extra: stage 1 is born in the cgroup (clone3 CLONE_INTO_CGROUP, 5.7);
# under the 4.4 filter (clone3 ENOSYS) it is moved there after the start
NOCGNS=1 mkbundle $B/c16 c16 42 cat /proc/self/cgroup
for how in "born in its cgroup" "joins its cgroup after the start"; do
	case $how in born*) pre= ;; *) pre="oldkernel 4.4" ;; esac
	if [ -n "$pre" ] && ! [ -x /bin/oldkernel ]; then echo "VMTEST skip - cgroup placement without clone3: no oldkernel helper"; continue; fi
	out=$($pre ocirun --root $STATE --debug run --bundle $B/c16 c16 2>$E); rc=$?
	if [ $rc = 0 ] && [ "$out" = "0::/ocirun-vm/c16" ] && grep -q "stage 1 $how" $E; then ok "cgroup placement: stage 1 $how${pre:+ ($pre)}, init in $out"
	else bad "cgroup placement: stage 1 $how${pre:+ ($pre)}" "exit $rc, /proc/self/cgroup '$out', debug lines: $(grep -i 'cgroup' $E | tr '\n' ' ')"; fi
done

# --- extra: a parent cgroup that holds a process cannot pass controllers
# down (no internal processes): the error names it and the rule
mkdir -p /sys/fs/cgroup/busy
sleep 600 & busy=$!
echo $busy > /sys/fs/cgroup/busy/cgroup.procs
mkbundle $B/c17 c17 42 true
sed -i 's|"/ocirun-vm/c17"|"/busy/c17"|' $B/c17/config.json
oc run --bundle $B/c17 c17 2>$E; rc=$?
if [ $rc != 0 ] && grep -q '/sys/fs/cgroup/busy/cgroup.subtree_control: that cgroup holds processes' $E && [ ! -e /sys/fs/cgroup/busy/c17 ] && [ ! -e $STATE/c17 ]; then
	ok "busy parent cgroup: refused, naming it ($(cat $E)); nothing left"
else bad "busy parent cgroup" "exit $rc, /sys/fs/cgroup/busy/c17 $(exists /sys/fs/cgroup/busy/c17), state $(exists $STATE/c17); $(errtxt)"; fi
kill $busy; wait $busy 2>/dev/null; rmdir /sys/fs/cgroup/busy

# --- extra: a parent that passes some controllers down already: ocirun
# writes only the missing ones, and the limits that need them are set
mkdir -p /sys/fs/cgroup/part
echo +memory > /sys/fs/cgroup/part/cgroup.subtree_control
mkbundle $B/c18 c18 42 sh -c "$PROBE"
sed -i 's|"/ocirun-vm/c18"|"/part/c18"|' $B/c18/config.json
out=$(oc run --bundle $B/c18 c18 2>$E); rc=$?
sc=$(rd /sys/fs/cgroup/part/cgroup.subtree_control)
if [ $rc = 0 ] && want_ctrls /sys/fs/cgroup/part/cgroup.subtree_control; then ok "partly enabled parent: subtree_control now '$sc'"
else bad "partly enabled parent" "exit $rc, /part's subtree_control '$sc' (want memory pids cpu); $(errtxt)"; fi
check_probe "partly enabled parent" "$out"
rmdir /sys/fs/cgroup/part

# --- extra: rootless with a delegated cgroup v2 subtree ---------------------
# uid 1000 owns /deleg (the admin enabled memory and pids for it); its
# ocirun sits in /deleg/user (no internal processes); the container gets
# /deleg/c1 with its limits; without delegation the same config is refused
D=/sys/fs/cgroup/deleg
if [ -x /bin/asuser ]; then
	echo "+memory +pids" > /sys/fs/cgroup/cgroup.subtree_control
	mkdir -p $D/user && chown -R 1000:1000 $D
	mkdir -p /tmp/rl-b && cp -a /bundle/rootfs /tmp/rl-b/rootfs && chmod 755 /tmp/rl-b
	mkdir -p /tmp/rl-state && chown 1000:1000 /tmp/rl-state
	cat > /tmp/rl-b/config.json <<-EOF
	{ "ociVersion": "1.0.2",
	  "process": { "user": { "uid": 0, "gid": 0 }, "args": [ "sleep", "600" ], "env": [ "PATH=/bin" ], "cwd": "/",
	    "capabilities": { "bounding": [ "CAP_KILL" ], "effective": [ "CAP_KILL" ], "permitted": [ "CAP_KILL" ] } },
	  "root": { "path": "rootfs" },
	  "mounts": [ { "destination": "/proc", "type": "proc", "source": "proc" },
	    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "mode=755" ] } ],
	  "linux": { "namespaces": [ { "type": "pid" }, { "type": "mount" }, { "type": "user" } ],
	    "uidMappings": [ { "containerID": 0, "hostID": 1000, "size": 1 } ],
	    "gidMappings": [ { "containerID": 0, "hostID": 1000, "size": 1 } ],
	    "cgroupsPath": "/deleg/c1",
	    "resources": { "memory": { "limit": 67108864 }, "pids": { "limit": 42 } } } }
	EOF
	chmod 644 /tmp/rl-b/config.json
	(echo 0 > $D/user/cgroup.procs && exec asuser 1000 1000 ocirun --root /tmp/rl-state run -d --bundle /tmp/rl-b rl1) </dev/null >/dev/null 2>$E; rc=$?
	p=$(ocirun --root /tmp/rl-state state rl1 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n 1)
	v="$(rd $D/c1/memory.max)|$(rd $D/c1/pids.max)|$(awk '$1 == "Uid:" {print $2}' /proc/$p/status 2>/dev/null)"
	if [ $rc = 0 ] && [ -n "$p" ] && grep -qx "$p" $D/c1/cgroup.procs 2>/dev/null && [ "$v" = "67108864|42|1000" ]; then
		ok "rootless in a delegated v2 subtree: $D/c1 holds pid $p (uid 1000), memory.max and pids.max set"
	else bad "rootless in a delegated v2 subtree" "exit $rc, pid '$p', memory.max|pids.max|uid = $v; $(errtxt)"; fi
	(echo 0 > $D/user/cgroup.procs && exec asuser 1000 1000 ocirun --root /tmp/rl-state delete --force rl1) 2>$E ||
		bad "rootless in a delegated v2 subtree: delete" "$(errtxt)"
	[ -e $D/c1 ] && bad "rootless in a delegated v2 subtree: delete removes the cgroup" "$D/c1 still exists"
	# not delegated: limits are refused, nothing is left
	sed -i 's|"/deleg/c1"|"/ocirun-vm/rl2"|' /tmp/rl-b/config.json
	(echo 0 > $D/user/cgroup.procs && exec asuser 1000 1000 ocirun --root /tmp/rl-state run -d --bundle /tmp/rl-b rl2) </dev/null >/dev/null 2>$E; rc=$?
	if [ $rc != 0 ] && grep -q 'rootless container gets limits only' $E && [ -z "$(ls /tmp/rl-state)" ]; then
		ok "rootless without delegation: limits refused ($(cat $E)), nothing left"
	else bad "rootless without delegation" "exit $rc, state '$(ls /tmp/rl-state)'; $(errtxt)"; fi
	rmdir $D/user $D 2>/dev/null
	echo "-memory -pids" > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
else
	echo "VMTEST skip - rootless delegation: no asuser helper"
fi

# --- 10. bundle on the initramfs root: no pivot_root there ------------------
mkbundle /bundle c10 42 sh -c "$PROBE"
out=$(cd /bundle && oc --debug run --bundle /bundle c10 2>$E); rc=$?
if [ $rc = 0 ]; then
	how="pivot_root fallback $(grep -q 'MS_MOVE' $E && echo used || echo 'not seen in --debug output')"
	ok "initramfs root: run works ($how)"
else bad "initramfs root: run" "exit $rc, output '$out'; $(errtxt)"; fi
check_probe "initramfs root" "$out"
[ -e $CG/c10 ] && bad "initramfs root: cgroup removed after exit" "$CG/c10 still exists"

# --- device rules on v2: a BPF program (ocirun assembles it) -----------------
# CAP_MKNOD and a "deny all" rule: mknod works (runc's "m" default), but the
# node cannot be opened; an allow rule for 1:11 opens it; /dev/null stays usable
for variant in deny allow; do
	mkbundle $B/dv-$variant dv-$variant 42 sh -c 'mknod /dev/z c 1 11; echo x > /dev/null && echo null-ok; (echo ocirun > /dev/z) 2>/dev/null && echo written || echo denied'
	add_devices $B/dv-$variant/config.json $variant
	out=$(oc run --bundle $B/dv-$variant dv-$variant 2>$E | tr '\n' ' '); rc=$?
	want="null-ok denied "
	[ $variant = allow ] && want="null-ok written "
	if [ "$out" = "$want" ]; then ok "device rules on v2 ($variant 1:11): $out"
	else bad "device rules on v2 ($variant 1:11)" "exit $rc, output '$out', want '$want'; $(errtxt)"; fi
done

# --- blockIO, hugetlb, device rules swapped by update -----------------------
check_more_resources $CG/cm $CG/cm
check_device_update

# --- exec where init left its cgroup (systemd's init.scope) ------------------
# A container's systemd moves itself into init.scope and gives the cgroup
# controllers: the kernel then takes no process there (EBUSY).  An exec
# joins init's cgroup, as runc does (runc#2356); and one into a container
# at its pids limit gets in (the exec's process is moved in, not forked
# there).  The kernel's /proc/PID/cgroup is the oracle.
mkbundle $B/sd sd 42 sh -c 'mkdir /sys/fs/cgroup/init.scope && echo $$ > /sys/fs/cgroup/init.scope/cgroup.procs && echo "+pids +memory" > /sys/fs/cgroup/cgroup.subtree_control; exec sleep 600'
sed -i 's/"relatime", "ro" ]/"relatime", "rw" ]/' $B/sd/config.json
oc run -d --bundle $B/sd sd </dev/null >/dev/null 2>$E; rc=$?
pid=$(pid_of sd); i=0
while [ $i -lt 50 ] && ! grep -q pids $CG/sd/cgroup.subtree_control 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if [ $rc = 0 ] && grep -qx "0::/ocirun-vm/sd/init.scope" /proc/$pid/cgroup 2>/dev/null; then
	out=$(oc exec sd cat /proc/self/cgroup 2>$E); rc=$?
	if [ $rc = 0 ] && [ "$out" = "0::/init.scope" ]; then ok "exec where init moved to init.scope: joins init's cgroup"
	else bad "exec where init moved to init.scope" "exit $rc, /proc/self/cgroup '$out', want 0::/init.scope; $(errtxt)"; fi
	oc exec -d sd sleep 2 >/dev/null 2>$E; rc=$?
	if [ $rc = 0 ]; then ok "exec -d where init moved to init.scope"; else bad "exec -d where init moved to init.scope" "exit $rc; $(errtxt)"; fi
else bad "exec where init moved to init.scope: the setup" "run -d exit $rc, init $pid in '$(rd /proc/$pid/cgroup)'; $(errtxt)"; fi
oc delete -f sd >/dev/null 2>&1
mkbundle $B/pl pl 1 sleep 600
oc run -d --bundle $B/pl pl </dev/null >/dev/null 2>$E
out=$(oc exec pl cat /proc/self/cgroup 2>$E); rc=$?
if [ $rc = 0 ] && [ "$out" = "0::/" ]; then ok "exec into a container at its pids limit (1)"
else bad "exec into a container at its pids limit (1)" "exit $rc, /proc/self/cgroup '$out'; $(errtxt)"; fi
oc delete -f pl >/dev/null 2>&1

# --- leftovers ---------------------------------------------------------------
left=$(ls $STATE 2>/dev/null | tr '\n' ' '); cgl=$(cd $CG 2>/dev/null && ls -d */ 2>/dev/null | tr '\n' ' ')
if [ -z "$left" ] && [ -z "$cgl" ]; then ok "no leftover state or cgroups"
else bad "no leftover state or cgroups" "state: '$left', cgroups under $CG: '$cgl'"; fi

vm_done
