# Sourced by the test VMs' /init (tests/vm/cgroup1-init.sh and
# cgroup2-init.sh; tests/vm/vm.sh puts it into the initramfs as /lib.sh):
# the basic mounts, the console, and the helpers both use.  Each result
# goes to the serial console as "VMTEST ok - NAME" or
# "VMTEST FAIL - NAME: reason" (one line); vm_done prints "VMTEST-DONE"
# and powers off.  The cgroup mounts are the caller's.

export PATH=/bin
# TMPFS_ROOT=1: the initramfs root copied into a tmpfs that becomes the
# root (switch_root runs /init again), for runtimes that need pivot_root
if [ "${TMPFS_ROOT:-}" = 1 ] && [ $$ = 1 ] && [ ! -e /.switched ]; then
	mkdir /newroot && mount -t tmpfs -o mode=755 tmpfs /newroot &&
		for f in /* /.[!.]*; do [ "$f" = /newroot ] || [ ! -e "$f" ] || cp -a "$f" /newroot/; done &&
		touch /newroot/.switched && exec switch_root /newroot /init
	echo "VMTEST FAIL - vm: switch_root to a tmpfs failed"
fi
mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
dmesg -n 1 2>/dev/null        # no kernel chatter in the middle of a result line

STATE=/run/ocirun             # ocirun --root
B=/run/bundles                # bundles on a tmpfs: pivot_root works there
E=/tmp/err                    # ocirun's stderr of the last call
mkdir -p $B

ok() { echo "VMTEST ok - $1"; }
bad() { echo "VMTEST FAIL - $1: $(printf '%s' "$2" | tr '\n' ' ')"; }
oc() { timeout 60 ocirun --root $STATE "$@"; }
errtxt() { if [ -s $E ]; then echo "ocirun said: $(cat $E)"; else echo "ocirun printed nothing on stderr"; fi; }
rd() { cat "$1" 2>/dev/null || echo "<unreadable $1>"; }
# (`state` prints indented JSON, as runc: "status": "running", one a line)
status_of() { oc state "$1" 2>/dev/null | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p' | head -n 1; }
pid_of() { oc state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n 1; }
# a process is gone when /proc has no entry or only a zombie (pid 1 reaps later)
gone() { [ ! -e /proc/$1/stat ] || [ "$(sed 's/^.*) \(.\).*/\1/' /proc/$1/stat 2>/dev/null)" = Z ]; }
# left_alive PROCS: those of PROCS still alive after up to 2 s each, as
# "pid(cmdline)" words
left_alive() {
	_left=
	for _p in $1; do
		_i=0; while [ $_i -lt 20 ] && ! gone $_p; do usleep 100000; _i=$((_i + 1)); done
		gone $_p || _left="$_left $_p($(tr '\0' ' ' </proc/$_p/cmdline 2>/dev/null))"
	done
	echo "$_left"
}
exists() { [ -e "$1" ] && echo exists || echo gone; }

vm_done() {
	echo "VMTEST-DONE"
	sync
	poweroff -f
}

# JSON string of $1
jstr() {
	printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/	/\\t/g' | awk 'NR > 1 { printf "\\n" } { printf "%s", $0 }')"
}

# key KEY OUTPUT: the value a probe printed as KEY=VALUE
key() { printf '%s\n' "$2" | sed -n "s/^$1=//p"; }

# mkbundle DIR ID PIDS_LIMIT ARG...: config.json (and a copy of the rootfs
# unless DIR already has one) for a container in cgroup /ocirun-vm/ID.
# NOCGNS=1: no cgroup namespace; DEFCG=1: no cgroupsPath (ocirun's default);
# CPUS=LIST: linux.resources.cpu.cpus; MEMLIM=BYTES: the memory limit
# (default 67108864); EXTRAPROC, EXTRAMOUNTS, EXTRALINUX: JSON members
# appended inside "process", entries appended to "mounts", members appended
# inside "linux" (e.g. EXTRAPROC='"apparmorProfile": "x"').
NS_ALL='{ "type": "pid" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" }, { "type": "cgroup" }'
NOCGNS='' DEFCG='' CPUS='' MEMLIM='' EXTRAPROC='' EXTRAMOUNTS='' EXTRALINUX=''
mkbundle() {
	d=$1 id=$2 pids=$3
	shift 3
	args=
	for a; do args="$args${args:+, }$(jstr "$a")"; done
	ns=$NS_ALL cgpath="
		\"cgroupsPath\": \"/ocirun-vm/$id\","
	[ -n "$NOCGNS" ] && ns=$(echo "$NS_ALL" | sed 's/, { "type": "cgroup" }//')
	[ -n "$DEFCG" ] && cgpath=
	cpus=
	[ -n "$CPUS" ] && cpus=", \"cpus\": \"$CPUS\""
	mkdir -p "$d"
	[ -d "$d/rootfs" ] || cp -a /bundle/rootfs "$d/rootfs"
	cat >"$d/config.json" <<EOF
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": [ $args ],
		"env": [ "PATH=/bin" ],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"effective": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ],
			"permitted": [ "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE" ]
		},
		"noNewPrivileges": true${EXTRAPROC:+,
		$EXTRAPROC}
	},
	"root": { "path": "rootfs" },
	"hostname": "vm",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
		  "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
		{ "destination": "/dev/pts", "type": "devpts", "source": "devpts",
		  "options": [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs",
		  "options": [ "ro", "nosuid", "noexec", "nodev" ] },
		{ "destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
		  "options": [ "nosuid", "noexec", "nodev", "relatime", "ro" ] }${EXTRAMOUNTS:+,
		$EXTRAMOUNTS}
	],
	"linux": {
		"namespaces": [ $ns ],$cgpath
		"resources": {${EXTRARES:+
			$EXTRARES,}
			"memory": { "limit": ${MEMLIM:-67108864} },
			"pids": { "limit": $pids },
			"cpu": { "shares": 512, "quota": 50000, "period": 100000$cpus }
		},
		"maskedPaths": [ "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
			"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware" ],
		"readonlyPaths": [ "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger" ]${EXTRALINUX:+,
		$EXTRALINUX}
	}
}
EOF
}

# add_devices CONFIG deny|allow: CAP_MKNOD, and the device rules "deny all"
# (deny) or "deny all, then allow c 1:11 rwm" (allow)
add_devices() {
	rules='{ "allow": false, "access": "rwm" }'
	[ "$2" = allow ] && rules="$rules, { \"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 11, \"access\": \"rwm\" }"
	sed -i "s/\"CAP_AUDIT_WRITE\", \"CAP_KILL\"/\"CAP_AUDIT_WRITE\", \"CAP_MKNOD\", \"CAP_KILL\"/; s/\"memory\": { \"limit\": \([0-9]*\) },/\"devices\": [ $rules ], \"memory\": { \"limit\": \1 },/" "$1"
}

# check_stage_oom PREFIX DIR: a 200 kB memory limit, below what even the
# runtime's stages need: run fails, its error names the OOM killer (not a
# bare "killed by signal 9"), or on v1 where the kernel charged the stage
# before the limit's write, the usage (runc's words), and the container's
# memory cgroup DIR is gone.
check_stage_oom() {
	MEMLIM=200000 mkbundle $B/c18 c18 42 echo ran
	out=$(oc run --bundle $B/c18 c18 </dev/null 2>$E); rc=$?
	if [ $rc != 0 ] && [ -z "$out" ] && ! [ -e "$2" ] &&
		grep -q -e "killed by signal 9: the OOM killer" -e "unable to set memory limit to 200000 (current usage: [0-9]" $E; then
		ok "$1: a 200 kB memory limit: the error names the OOM killer or the usage, the cgroup is removed"
	else bad "$1: a 200 kB memory limit" "exit $rc, output '$out', $2 $([ -e "$2" ] && echo left || echo gone); $(errtxt)"; fi
}

# check_oom_events PREFIX DIR OOMFILE: a container with a 32 MiB memory
# limit; `events --stats` shows the limits; `events --interval 1` runs while
# an exec'd dd of 16 MiB succeeds and one of 64 MiB is OOM-killed, and must
# print an oom event; the VM-side OOMFILE (memory.oom_control on v1,
# memory.events on v2) counts the kill; after delete --force the events
# stream ends by itself.  DIR: the container's memory cgroup.
check_oom_events() {
	p=$1 dir=$2 oomfile=$3
	MEMLIM=33554432 mkbundle $B/c15 c15 42 sleep 600
	if ! oc run -d --bundle $B/c15 c15 </dev/null >/dev/null 2>$E; then
		bad "$p: setup" "run -d failed: $(errtxt)"; return
	fi
	st=$(oc events --stats c15 2>$E); rc=$?
	case "$st" in
	*'"type":"stats"'*'"memory":{"usage":{'*'"limit":33554432,'*'"pids":{"current":1,"limit":42}'*)
		ok "$p: events --stats: memory limit 33554432, pids 1 of 42" ;;
	*) bad "$p: events --stats" "exit $rc, output '$st' (want type stats, memory limit 33554432, pids current 1 limit 42); $(errtxt)" ;;
	esac
	oc events --interval 1 c15 >/tmp/ev 2>/tmp/ev.err </dev/null &
	evpid=$!
	sleep 1
	out=$(oc exec c15 sh -c 'dd if=/dev/zero of=/dev/null bs=16M count=1 2>/dev/null; echo small=$?
dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo big=$?' 2>$E); rc=$?
	if [ $rc = 0 ] && [ "$out" = "$(printf 'small=0\nbig=137')" ]; then ok "$p: memory limit 32M: 16M dd ok, 64M dd OOM-killed"
	else bad "$p: memory limit 32M enforced" "exec exit $rc, output '$out' (want small=0 big=137); $(errtxt)"; fi
	kills=$(sed -n 's/^oom_kill //p' "$dir/$oomfile" 2>/dev/null)
	if [ -n "$kills" ] && [ "$kills" -ge 1 ]; then ok "$p: $oomfile counts oom_kill $kills"
	else bad "$p: $oomfile counts the OOM kill" "'$(rd "$dir/$oomfile" | tr '\n' ' ')'"; fi
	i=0; while [ $i -lt 30 ] && ! grep -q '"type":"oom"' /tmp/ev; do usleep 100000; i=$((i + 1)); done
	oom=$(grep '"type":"oom"' /tmp/ev)
	if [ "$oom" = '{"type":"oom","id":"c15"}' ]; then ok "$p: events --interval 1 printed $oom"
	else bad "$p: events --interval 1 prints an oom event" "oom lines '$oom' (want {\"type\":\"oom\",\"id\":\"c15\"}), events so far: '$(head -c 600 /tmp/ev | tr '\n' ' ')', stderr '$(cat /tmp/ev.err)'"; fi
	nstats=$(grep -c '"type":"stats"' /tmp/ev)
	oc delete --force c15 2>$E || bad "$p: delete --force" "$(errtxt)"
	i=0; while [ $i -lt 50 ] && kill -0 $evpid 2>/dev/null; do usleep 100000; i=$((i + 1)); done
	if kill -0 $evpid 2>/dev/null; then
		bad "$p: events ends when the container is deleted" "still running 5 s after delete --force"
		kill $evpid
	else
		wait $evpid; rc=$?
		ok "$p: events ends when the container is deleted (exit $rc, $nstats stats events before)"
	fi
	wait $evpid 2>/dev/null
}

# check_more_resources IODIR HUGEDIR: blockIO throttles on a RAM disk
# (/dev/ram0, 1:0, from /brd.ko) and a 2MB hugetlb limit, read back from
# the container cgroup's files in IODIR (blkio on v1, io on v2) and HUGEDIR
check_more_resources() {
	iod=$1 hud=$2
	if [ -s /brd.ko ] && { [ -b /dev/ram0 ] || insmod /brd.ko rd_nr=1 rd_size=4096; } && [ -b /dev/ram0 ]; then
		EXTRARES='"blockIO": { "throttleReadBpsDevice": [ { "major": 1, "minor": 0, "rate": 1048576 } ],
			"throttleWriteIOPSDevice": [ { "major": 1, "minor": 0, "rate": 100 } ] },
			"hugepageLimits": [ { "pageSize": "2MB", "limit": 4194304 } ]' mkbundle $B/cm cm 42 sleep 600
		if oc run -d --bundle $B/cm cm </dev/null >/dev/null 2>$E; then
			if [ -e $iod/io.max ]; then v=$(rd $iod/io.max); want="1:0 rbps=1048576 wbps=max riops=max wiops=100"
			else v="$(rd $iod/blkio.throttle.read_bps_device)|$(rd $iod/blkio.throttle.write_iops_device)"; want="1:0 1048576|1:0 100"; fi
			if [ "$v" = "$want" ]; then ok "blockIO throttles on /dev/ram0: $v"
			else bad "blockIO throttles on /dev/ram0" "read '$v' in $iod, want '$want'"; fi
			v=$(cat $hud/hugetlb.2MB.max $hud/hugetlb.2MB.limit_in_bytes 2>/dev/null)
			if [ "$v" = 4194304 ]; then ok "hugepageLimits 2MB: 4194304 in $hud"
			else bad "hugepageLimits 2MB" "read '$v' in $hud, want 4194304"; fi
			oc update --resources - cm 2>$E <<-EOF
			{ "blockIO": { "throttleReadBpsDevice": [ { "major": 1, "minor": 0, "rate": 2097152 } ] } }
			EOF
			v=$(cat $iod/io.max $iod/blkio.throttle.read_bps_device 2>/dev/null)
			case "$v" in *"1:0 rbps=2097152 "*|"1:0 2097152") ok "update of blockIO: $v" ;;
			*) bad "update of blockIO" "read '$v' in $iod, want rbps 2097152; $(errtxt)" ;; esac
		else bad "blockIO and hugetlb: run -d" "$(errtxt)"; fi
		oc delete --force cm 2>$E || bad "blockIO and hugetlb: delete --force" "$(errtxt)"
	else
		echo "VMTEST skip - blockIO: no /dev/ram0 (no brd.ko in the initramfs)"
	fi
}

# check_device_update: `update` swaps the device rules of a running
# container (deny all, then allow 1:11, then deny all again); the node of
# linux.devices (/dev/f, 1:7) stays usable throughout
check_device_update() {
	mkbundle $B/du du 42 sh -c 'mknod /dev/z c 1 11; sleep 600'
	add_devices $B/du/config.json deny
	sed -i 's|"namespaces": \[|"devices": [ { "path": "/dev/f", "type": "c", "major": 1, "minor": 7 } ], "namespaces": [|' $B/du/config.json
	if ! oc run -d --bundle $B/du du </dev/null >/dev/null 2>$E; then bad "device update: run -d" "$(errtxt)"; return; fi
	probe='(echo x > /dev/z) 2>/dev/null && echo written || echo denied; head -c1 /dev/f >/dev/null 2>&1 && echo f-ok || echo f-denied'
	i=0; while [ $i -lt 50 ] && ! oc exec du test -c /dev/z 2>/dev/null; do usleep 100000; i=$((i + 1)); done
	for step in "deny all|denied f-ok " "allow 1:11|written f-ok " "deny all again|denied f-ok "; do
		case "$step" in
		allow*) echo '{"devices": [{"allow": false, "access": "rwm"}, {"allow": true, "type": "c", "major": 1, "minor": 11, "access": "rw"}]}' | oc --debug update --resources - du 2>$E ;;
		*again*) # the pre-5.6 way: attach the new program, then detach the old
			echo '{"devices": [{"allow": false, "access": "rwm"}]}' | OCIRUN_TEST_BPF=noreplace oc --debug update --resources - du 2>$E ;;
		esac
		how=$(sed -n 's/.*device program of [^ ]*: *\([^"]*\).*/\1/p' $E | head -n 1)
		out=$(oc exec du sh -c "$probe" 2>&1 | tr '\n' ' ')
		if [ -e /sys/fs/cgroup/cgroup.controllers ]; then # v2: how the BPF program was swapped
			case "$step" in allow*) [ "$how" = "replaced in one step (BPF_F_REPLACE)" ] || out="$out, debug log: '$how'" ;;
			*again*) [ "$how" = "new one attached, 1 old detached after" ] || out="$out, debug log: '$how'" ;; esac
		fi
		if [ "$out" = "${step#*|}" ]; then ok "device update (${step%|*}): $out${how:+($how)}"
		else bad "device update (${step%|*})" "output '$out', want '${step#*|}'; $(errtxt)"; fi
	done
	oc delete --force du 2>$E || bad "device update: delete --force" "$(errtxt)"
}

# check_ps ID PID EPID: `ps --format json ID` lists init PID and exec'd EPID
check_ps() {
	ps=$(oc ps --format json $1 2>$E); rc=$?
	if [ $rc = 0 ] && printf '%s' "$ps" | grep -Eq "(^|[^0-9])$2([^0-9]|\$)" && printf '%s' "$ps" | grep -Eq "(^|[^0-9])$3([^0-9]|\$)"; then
		ok "ps --format json: init and exec'd pids ($ps)"
	else bad "ps --format json: init and exec'd pids" "exit $rc, output '$ps' (want $2 and $3); $(errtxt)"; fi
}

# --- the LSM modes (apparmor-init.sh, selinux-init.sh): runc, the oracle,
# and ocirun run the same checks; RT names the one at work
RT=ocirun
rt() { timeout 60 $RT --root /run/$RT "$@"; }
rterr() { if [ -s $E ]; then echo "$RT said: $(cat $E)"; else echo "$RT printed nothing on stderr"; fi; }
# the init pid from `state` ("pid": N)
rpid() { rt state "$1" 2>/dev/null | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p' | head -n 1; }
info() { echo "VMTEST info - $1: $(printf '%s' "$2" | tr '\n' ' ')"; }
# userprocs: the pids of all user processes (not kernel threads) into $_ps,
# without a subshell (one would count itself)
userprocs() { _ps=; for _d in /proc/[0-9]*; do [ -e $_d/exe ] && _ps="$_ps ${_d#/proc/}"; done; }
# new_procs BEFORE: into $_left, "pid(cmdline)" of the user processes alive
# now (after up to 2 s each) that BEFORE (a userprocs list) did not have;
# no subshell either
new_procs() {
	userprocs; _left=
	for _p in $_ps; do
		case " $1 " in *" $_p "*) continue ;; esac
		_i=0; while [ $_i -lt 20 ] && ! gone $_p; do usleep 100000; _i=$((_i + 1)); done
		gone $_p || _left="$_left $_p($(tr '\0' ' ' </proc/$_p/cmdline 2>/dev/null))"
	done
}
# refused PREFIX ID WANT_ERR_RE: a `run -d` of the bundle $B/ID must fail
# and leave nothing (state dir, process, cgroup); WANT_ERR_RE (may be
# empty) must match the runtime's stderr.  Records the error text.
refused() {
	userprocs; _before=$_ps
	rt run -d --bundle $B/$2 $2 </dev/null >/dev/null 2>$E; _rc=$?
	new_procs "$_before"
	_st=$(exists /run/$RT/$2) _cg=$(exists /sys/fs/cgroup/ocirun-vm/$2)
	if [ $_rc != 0 ] && [ "$_st" = gone ] && [ "$_cg" = gone ] && [ -z "$_left" ] &&
		{ [ -z "$3" ] || grep -q "$3" $E; }; then
		ok "$1: run -d fails (exit $_rc), nothing left behind; $(rterr)"
	else
		bad "$1" "want run -d to fail${3:+ naming '$3'} and leave nothing; got exit $_rc, state dir /run/$RT/$2 $_st, cgroup $_cg, new processes:${_left:- none}; $(rterr)"
		rt delete --force $2 >/dev/null 2>&1
	fi
}
