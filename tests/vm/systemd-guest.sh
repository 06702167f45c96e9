#!/bin/bash
# tests/vm/systemd-guest.sh: the checks of tests/vm/systemd.sh, run at boot
# (by boot.sh, from the per-run disk) in the Debian 12 guest with systemd
# as PID 1, podman, Docker and runc.  Each check runs once with runc (the
# oracle, Debian's /usr/sbin/runc) and once with ocirun
# (/usr/local/bin/ocirun), judged the same way; NAMEs start with the
# runtime:
#   runc: / ocirun:       podman and Docker at their defaults (systemd cgroup
#                         manager), and the runtime alone with
#                         --systemd-cgroup
#   runc-cgroupfs: / ocirun-cgroupfs:  podman --cgroup-manager cgroupfs and
#                         Docker with native.cgroupdriver=cgroupfs
# Parts (ONLY="podman docker direct rootless cgroupfs clients cri criu" runs a subset):
#   podman   podman --runtime PATH: info, run, run -d + exec + stop + rm,
#            -m 64m (inside, in the unit, in the cgroup), -t, pause/unpause,
#            stats, AppArmor, the scope libpod-ID.scope in machine.slice
#   docker   docker run --runtime NAME: the same, docker-ID.scope in
#            system.slice (on hybrid, where Docker 20.10 defaults to
#            cgroupfs, with native.cgroupdriver=systemd)
#   direct   RT --systemd-cgroup run -d with cgroupsPath slice:prefix:name:
#            the unit, its limits (and, for ocirun, all its properties
#            compared with runc's), the cgroup, update, the limits after
#            systemctl daemon-reload, pause/resume, exec, kill --all,
#            delete, an empty slice, org.systemd.property.* annotations,
#            a failed start, 3 concurrent creates, a nested slice
#   rootless the user tester (lingering: its own systemd runs from boot):
#            rootless podman at its defaults (scopes under the user's
#            systemd: run, run -d -m 64m, the unit and cgroup, exec,
#            pause, stop, rm) and the runtime alone, as tester, with
#            --systemd-cgroup (unit properties compared with runc's,
#            update, exec, delete), features' systemdUser; on hybrid
#            (cgroup v1) a rootless --systemd-cgroup must be refused
#   cgroupfs podman and Docker on cgroupfs (runc-cgroupfs, ocirun-cgroupfs);
#            on hybrid only when ONLY names it (the suite's host covers it)
#   clients  info lines: the runtime's argv and config.json fields that
#            podman and Docker send (through a logging wrapper of runc);
#            only when ONLY names it
#   cri      Kubernetes' CRI with containerd's SystemdCgroup = true, as
#            k3s runs on a systemd host (cgroup v2 only): a private
#            containerd (CRI plugin, handlers runc and ocirun through
#            containerd-shim-runc-v2), tests/cri/kubelet.py --systemd for
#            each (a pod whose cgroup_parent is a slice as kubelet's systemd
#            driver names it, the sandbox's and the container's
#            cri-containerd-ID.scope, exec, an update of the limits, stop
#            and removal leaving no process, unit or cgroup)
#   criu     checkpoint and restore (Debian's criu): a counter container
#            (a bind, a bind at a symlinked destination, masked paths,
#            the cgroup mount) checkpointed and restored (it counts on),
#            --leave-running, restored under a new id, --pre-dump then
#            --parent-path, a cgroup namespace, a terminal through
#            --console-socket, a foreground restore's exit status and
#            --pid-file, failures leaving nothing behind, and podman's
#            container checkpoint / restore; on hybrid the first cycle and
#            the cgroup namespace only (what differs there: v1's cgroups)
# Output on stdout (the serial console): "VMTEST ok - NAME",
# "VMTEST FAIL - NAME: reason", "VMTEST info - WHAT: facts".
# Environment: MODE (cgroup2 or hybrid), ONLY.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
MODE=${MODE:-cgroup2}
ONLY=${ONLY:-}
RUNC=/usr/sbin/runc
OCIRUN=/usr/local/bin/ocirun
W=/var/tmp/vmtest               # bundles, the image tarball (on the root fs)
E=$W/err                        # stderr of the last command
mkdir -p $W

ok() { echo "VMTEST ok - $1"; }
bad() { echo "VMTEST FAIL - $1: $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-1500)"; }
info() { echo "VMTEST info - $1: $(printf '%s' "$2" | tr '\n' ' ' | cut -c1-3000)"; }
errtxt() { if [ -s $E ]; then echo "stderr: $(tr '\n' ' ' <$E | cut -c1-600)"; else echo "nothing on stderr"; fi; }
# want NAME GOT WANT [MORE]: ok when GOT is WANT
want() { if [ "$2" = "$3" ]; then ok "$1: $2"; else bad "$1" "got '$2', want '$3'${4:+; $4}"; fi; }
# every command under a timeout: the clients and systemctl through these
# (with ASUSER set, systemctl is the user tester's: see the rootless part)
systemctl() { if [ -n "${ASUSER:-}" ]; then asuser /usr/bin/systemctl --user "$@"; else timeout 60 /usr/bin/systemctl "$@"; fi; }
journalctl() { timeout 60 /usr/bin/journalctl "$@"; }
podman() { timeout 180 /usr/bin/podman "$@"; }
docker() { timeout 180 /usr/bin/docker "$@"; }
# sdlog: the last lines systemd (PID 1) logged, for a failure's reason
sdlog() { journalctl _PID=1 -n 6 --no-pager -o cat 2>&1 | tr '\n' ';'; }
part() { [ -z "$ONLY" ] && return 0; case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }
# waitfor N CMD...: retry CMD every 0.5 s for up to N tries
waitfor() { _n=$1; shift; while ! "$@" 2>/dev/null; do _n=$((_n - 1)); [ $_n -gt 0 ] || return 1; sleep 0.5; done; }
now() { date +%s; }

# --- the cgroup layout ----------------------------------------------------------
# v2: systemd's unified layout; hybrid: v1 controllers (the "memory" line of
# /proc/PID/cgroup names the container's cgroup) and systemd's v2 tree on
# /sys/fs/cgroup/unified
V2=1 CGV=v2 DOCKERCGV=2 MEMPROP=MemoryMax MEMFILE=memory.max
if [ "$MODE" = hybrid ]; then V2=0 CGV=v1 DOCKERCGV=1 MEMPROP=MemoryLimit MEMFILE=memory.limit_in_bytes; fi
cgline() { # TEXT of /proc/PID/cgroup: the container's cgroup
	if [ $V2 = 1 ]; then printf '%s\n' "$1" | sed -n 's/^0:://p'; else printf '%s\n' "$1" | sed -n 's/^[0-9]*:memory://p'; fi
}
cgpath() { cgline "$(cat /proc/$1/cgroup 2>/dev/null)"; }
cgdir() { # CONTROLLER PATH: the directory of PATH in CONTROLLER's hierarchy
	if [ $V2 = 1 ]; then echo "/sys/fs/cgroup$2"; else
		case $1 in cpu) echo "/sys/fs/cgroup/cpu,cpuacct$2" ;; *) echo "/sys/fs/cgroup/$1$2" ;; esac
	fi
}
rd() { cat "$1" 2>/dev/null || echo "<no $1>"; }
freezefile() { if [ $V2 = 1 ]; then echo "$(cgdir x "$1")/cgroup.freeze"; else echo "$(cgdir freezer "$1")/freezer.state"; fi; }
FROZEN=1 THAWED=0
[ $V2 = 0 ] && FROZEN=FROZEN THAWED=THAWED
# unit properties worth knowing (info lines)
UNITPROPS=Slice,Delegate,DelegateControllers,DefaultDependencies,Description,CollectMode,MemoryAccounting,CPUAccounting,TasksAccounting,IOAccounting,BlockIOAccounting,DevicePolicy,DeviceAllow,KillMode,SendSIGKILL,TimeoutStopUSec,Wants,Requires,After,Before,Conflicts,RequiresMountsFor,MemoryMax,MemoryLow,MemoryHigh,MemorySwapMax,MemoryLimit,CPUWeight,CPUShares,StartupCPUWeight,CPUQuotaPerSecUSec,CPUQuotaPeriodUSec,TasksMax,AllowedCPUs,OOMPolicy,ControlGroup
unitprops() { systemctl show "$1" -p "$UNITPROPS" 2>&1 | tr '\n' ' '; }
# showp UNIT PROP...: "PROP=VALUE " for each PROP, in this order
showp() { _u=$1; shift; for _p; do printf '%s=%s ' $_p "$(systemctl show $_u -p $_p --value 2>&1)"; done; }
# sameprops KIND LABEL UNIT ID: runc's unit properties (UNITPROPS, ID
# replaced) are kept as KIND's; another runtime's must be the same
sameprops() {
	_f=/run/vmtest-props-$1
	# sorted: the order of the DeviceAllow entries does not matter
	systemctl show "$3" -p "$UNITPROPS" 2>&1 | sed "s/$4/ID/g" | sort >$_f.$2
	if [ "$2" = runc ]; then mv $_f.runc $_f; return; fi
	[ -f $_f ] || return
	_d=$(diff $_f $_f.$2 | sed -n 's/^< /runc has /p; s/^> /'"$2"' has /p' | tr '\n' ';')
	if [ -z "$_d" ]; then ok "$2: $1: unit properties as runc sets them"
	else bad "$2: $1: unit properties as runc sets them" "$_d"; fi
}
loadstate() { systemctl show "$1" -p LoadState --value 2>/dev/null; }
activestate() { systemctl show "$1" -p ActiveState --value 2>/dev/null; }

# --- the image: busybox, every applet ----------------------------------------------
setup_rootfs() {
	[ -d $W/rootfs/bin ] && return 0
	mkdir -p $W/rootfs/bin $W/rootfs/etc $W/rootfs/proc $W/rootfs/sys $W/rootfs/dev $W/rootfs/tmp
	cp /bin/busybox $W/rootfs/bin/busybox
	for a in $(/bin/busybox --list); do [ -e $W/rootfs/bin/$a ] || ln -s busybox $W/rootfs/bin/$a; done
	echo 'root:x:0:0:root:/:/bin/sh' >$W/rootfs/etc/passwd
	echo 'root:x:0:' >$W/rootfs/etc/group
	tar -C $W/rootfs -cf $W/bb.tar .
}

# --- podman and Docker: the same checks -----------------------------------------------
# client_checks LABEL: runs the checks with the settings below.  C: the
# client and its global options, RUNOPT: `run` options (docker's
# --runtime), IMG, MGR (systemd or cgroupfs), SCOPEFMT: the cgroup the
# container must be in, %s for the full id (a .scope for systemd),
# CONFIGFMT: where its config.json is (%s the id)
cl() { timeout 120 "${C[@]}" "$@"; }
client_checks() {
	L=$1
	case "${C[0]}" in
	podman) got=$(cl info --format '{{.Host.CgroupManager}} {{.Host.CgroupsVersion}}' 2>$E)
		want "$L: podman info: cgroup manager and version" "$got" "$MGR $CGV" "$(errtxt)" ;;
	docker) got=$(cl info --format '{{.CgroupDriver}} {{.CgroupVersion}}' 2>$E)
		want "$L: docker info: cgroup driver and version" "$got" "$MGR $DOCKERCGV" "$(errtxt)" ;;
	esac
	cn=${C[0]}

	# run: exit code and output
	out=$(cl run --rm "${RUNOPT[@]}" $IMG sh -c 'echo hello; exit 3' 2>$E); rc=$?
	want "$L: $cn run: exit code and output" "$rc $out" "3 hello" "$(errtxt)"

	# run -d with a memory limit, then exec, the cgroup, pause, stats, stop, rm
	id=$(cl run -d "${RUNOPT[@]}" -m 64m $IMG sh -c 'trap "exit 0" TERM; sleep 600 & wait' 2>$E); rc=$?
	id=$(printf '%s' "$id" | tail -n 1)
	if [ $rc != 0 ] || [ -z "$id" ]; then
		bad "$L: $cn run -d -m 64m" "exit $rc, id '$id'; $(errtxt); systemd logged: $(sdlog)"
		cl rm -f "$id" >/dev/null 2>&1
		return
	fi
	ok "$L: $cn run -d -m 64m"
	pid=$(cl inspect -f '{{.State.Pid}}' $id 2>$E)
	[ -n "$pid" ] && [ "$pid" != 0 ] || bad "$L: $cn inspect: the container's pid" "'$pid'; $(errtxt)"
	# the config.json the client made
	cfg=$(printf "$CONFIGFMT" $id)
	[ -f "$cfg" ] && info "$L: $cn config.json" "$(jq -c '{cgroupsPath: .linux.cgroupsPath, apparmorProfile: .process.apparmorProfile, memory: .linux.resources.memory, pids: .linux.resources.pids, cpu: .linux.resources.cpu, devices: (.linux.resources.devices | length), namespaces: [.linux.namespaces[].type], annotations: ((.annotations // {}) | keys)}' "$cfg" 2>&1)"
	want_cg=$(printf "$SCOPEFMT" $id)
	want "$L: $cn run -d: the container's cgroup" "$(cgpath $pid)" "$want_cg" "/proc/$pid/cgroup: $(tr '\n' ' ' </proc/$pid/cgroup 2>&1)"
	if [ "$MGR" = systemd ]; then
		unit=${want_cg##*/}
		want "$L: $cn run -d: unit $unit" "$(activestate $unit) $(systemctl show $unit -p Slice --value 2>&1)" "active $SLICE"
		want "$L: $cn -m 64m: $MEMPROP of $unit" "$(systemctl show $unit -p $MEMPROP --value 2>&1)" 67108864
		info "$L: $cn: $unit" "$(unitprops $unit)"
		sameprops "$cn-$MGR" "$L" $unit $id
	fi
	want "$L: $cn -m 64m: $MEMFILE in the cgroup" "$(rd "$(cgdir memory "$want_cg")/$MEMFILE")" 67108864
	inside=/sys/fs/cgroup/memory.max
	[ $V2 = 0 ] && inside=/sys/fs/cgroup/memory/memory.limit_in_bytes
	want "$L: $cn -m 64m: $inside seen inside" "$(cl exec $id cat $inside 2>$E)" 67108864 "$(errtxt)"
	out=$(cl exec $id sh -c 'echo in-exec; exit 5' 2>$E); rc=$?
	want "$L: $cn exec: exit code and output" "$rc $out" "5 in-exec" "$(errtxt)"
	prof=$(cl inspect -f '{{.AppArmorProfile}}' $id 2>/dev/null)
	want "$L: $cn AppArmor: the container's /proc/PID/attr/current" "$(cat /proc/$pid/attr/current 2>&1)" "$prof (enforce)"
	cl pause $id >/dev/null 2>$E; rc=$?
	want "$L: $cn pause: state, $(basename "$(freezefile "$want_cg")")" \
		"$rc $(cl inspect -f '{{.State.Status}}' $id 2>&1) $(rd "$(freezefile "$want_cg")")" "0 paused $FROZEN" "$(errtxt)"
	cl unpause $id >/dev/null 2>$E; rc=$?
	want "$L: $cn unpause: state, $(basename "$(freezefile "$want_cg")")" \
		"$rc $(cl inspect -f '{{.State.Status}}' $id 2>&1) $(rd "$(freezefile "$want_cg")")" "0 running $THAWED" "$(errtxt)"
	st=$(cl stats --no-stream --format '{{.MemUsage}} | {{.PIDs}}' $id 2>$E); rc=$?
	case "$rc $st" in
	"0 "*" / 64MiB | "[1-9]*|"0 "*" / 67.11MB | "[1-9]*) ok "$L: $cn stats --no-stream: $st" ;;
	*) bad "$L: $cn stats --no-stream" "exit $rc, '$st' (want the 64 MiB limit and a pid count); $(errtxt)" ;;
	esac
	s=$(now)
	cl stop -t 10 $id >/dev/null 2>$E; rc=$?
	want "$L: $cn stop: exit code, state, exit status" "$rc $(cl inspect -f '{{.State.Status}} {{.State.ExitCode}}' $id 2>&1)" "0 exited 0" "$(errtxt), took $(($(now) - s))s"
	cl rm $id >/dev/null 2>$E; rc=$?
	want "$L: $cn rm: exit code, cgroup" "$rc $(test -d "$(cgdir memory "$want_cg")" && echo left || echo gone)" "0 gone" "$(errtxt)"
	if [ "$MGR" = systemd ]; then
		waitfor 10 test "$(loadstate $unit)" = not-found
		want "$L: $cn rm: unit $unit gone" "$(loadstate $unit)" not-found "$(unitprops $unit)"
	fi
	cl rm -f $id >/dev/null 2>&1

	# a terminal
	out=$(timeout 120 script -qec "${C[*]} run --rm -t ${RUNOPT[*]} $IMG sh -c 'tty; echo tty-ok; exit 4'" /dev/null </dev/null 2>&1 | tr -d '\r'); rc=$?
	case "$out" in
	*/dev/pts/0*tty-ok*) ok "$L: $cn run -t: $(printf '%s' "$out" | tr '\n' ' ')" ;;
	*) bad "$L: $cn run -t" "output '$out' (want /dev/pts/0 and tty-ok)" ;;
	esac
}

podman_part() { # LABEL RUNTIME MANAGER
	C=(podman --runtime "$2" --cgroup-manager "$3") RUNOPT=() IMG=localhost/bb MGR=$3
	CONFIGFMT=/var/lib/containers/storage/overlay-containers/%s/userdata/config.json
	SLICE=machine.slice SCOPEFMT=/machine.slice/libpod-%s.scope
	[ "$3" = cgroupfs ] && SCOPEFMT=/libpod_parent/libpod-%s
	s=$(now)
	client_checks "$1"
	info "$1: podman checks took" "$(($(now) - s))s"
	podman rm -af >/dev/null 2>&1
}

docker_part() { # LABEL RUNTIME_NAME MANAGER
	C=(docker) RUNOPT=(--runtime "$2") IMG=bb MGR=$3
	CONFIGFMT=/run/containerd/io.containerd.runtime.v2.task/moby/%s/config.json
	SLICE=system.slice SCOPEFMT=/system.slice/docker-%s.scope
	[ "$3" = cgroupfs ] && SCOPEFMT=/docker/%s
	s=$(now)
	client_checks "$1"
	info "$1: docker checks took" "$(($(now) - s))s"
	docker rm -f $(docker ps -aq) >/dev/null 2>&1
}

# docker_start MANAGER: dockerd with the runtimes ocirun and rtlog, the
# cgroup driver MANAGER (systemd is its default on cgroup v2: no exec-opts
# then), and the image bb
docker_start() {
	mkdir -p /etc/docker
	{
		echo '{ "runtimes": { "ocirun": { "path": "/usr/local/bin/ocirun" }, "rtlog": { "path": "/usr/local/bin/rtlog" } }'
		# Docker 20.10's default driver is systemd on cgroup v2 only: on v1
		# (hybrid) it is named
		[ "$1" = cgroupfs ] || [ $V2 = 0 ] && echo ", \"exec-opts\": [ \"native.cgroupdriver=$1\" ]"
		echo '}'
	} >/etc/docker/daemon.json
	s=$(now)
	if ! timeout 180 systemctl restart docker 2>$E; then
		bad "docker: systemctl restart docker ($1)" "$(errtxt); $(journalctl -u docker -n 20 --no-pager 2>&1 | tail -n 5)"
		return 1
	fi
	info "docker ($1): systemctl restart docker took" "$(($(now) - s))s, /etc/docker/daemon.json: $(jq -c . /etc/docker/daemon.json)"
	if [ -z "$(docker images -q bb 2>/dev/null)" ]; then
		s=$(now)
		timeout 120 docker import $W/bb.tar bb >/dev/null 2>$E || { bad "docker: import of the busybox image" "$(errtxt)"; return 1; }
		info "docker: import of the busybox image took" "$(($(now) - s))s"
	fi
}

# --- the runtime alone: --systemd-cgroup -------------------------------------------------
# mkconfig DIR CGROUPSPATH ARG...: a bundle in DIR (rootfs: a bind-less
# copy is not needed, the rootfs is shared read-only), no cgroup namespace
# (so /proc/self/cgroup shows the full path), memory 64 MiB, pids 42,
# cpu shares 512, quota 50000 per 100000, devices: deny all (as the
# clients send); ANNOT: a JSON object, the annotations
ANNOT=
mkconfig() {
	d=$1 cgp=$2
	shift 2
	args=$(printf '%s\n' "$@" | jq -R . | jq -sc .)
	annot=
	[ -n "$ANNOT" ] && annot="
	\"annotations\": $ANNOT,"
	mkdir -p "$d"
	cat >"$d/config.json" <<EOF
{
	"ociVersion": "1.0.2",$annot
	"process": {
		"terminal": false,
		"user": { "uid": 0, "gid": 0 },
		"args": $args,
		"env": [ "PATH=/bin" ],
		"cwd": "/",
		"capabilities": {
			"bounding": [ "CAP_KILL" ], "effective": [ "CAP_KILL" ], "permitted": [ "CAP_KILL" ]
		},
		"noNewPrivileges": true
	},
	"root": { "path": "$W/rootfs", "readonly": true },
	"hostname": "direct",
	"mounts": [
		{ "destination": "/proc", "type": "proc", "source": "proc" },
		{ "destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "strictatime", "mode=755", "size=65536k" ] },
		{ "destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": [ "nosuid", "nodev" ] },
		{ "destination": "/sys", "type": "sysfs", "source": "sysfs", "options": [ "ro", "nosuid", "noexec", "nodev" ] }
	],
	"linux": {
		"namespaces": [ { "type": "pid" }, { "type": "ipc" }, { "type": "uts" }, { "type": "mount" }, { "type": "network" } ],
		"cgroupsPath": "$cgp",
		"resources": {
			"devices": [ { "allow": false, "access": "rwm" } ],
			"memory": { "limit": 67108864 },
			"pids": { "limit": 42 },
			"cpu": { "shares": 512, "quota": 50000, "period": 100000 }
		},
		"maskedPaths": [ "/proc/kcore", "/sys/firmware" ],
		"readonlyPaths": [ "/proc/sys", "/proc/sysrq-trigger" ]
	}
}
EOF
}

direct_part() { # LABEL RUNTIME
	L=$1 RT=$2 ST=/run/vmtest-$1
	R() { timeout 60 $RT --root $ST --systemd-cgroup "$@"; }
	rstate() { R state "$1" 2>/dev/null | jq -r "$2" 2>/dev/null; }
	s=$(now)
	B=$W/direct-$L
	rm -rf $B

	# c1: system.slice:ocirun-test:c1
	u=ocirun-test-c1.scope cg=/system.slice/ocirun-test-c1.scope
	mkconfig $B/c1 system.slice:ocirun-test:c1 sleep 600
	R run -d --bundle $B/c1 c1 </dev/null >/dev/null 2>$E; rc=$?
	if [ $rc != 0 ]; then
		bad "$L: direct: run -d with cgroupsPath system.slice:ocirun-test:c1" "exit $rc; $(errtxt); systemd logged: $(sdlog)"
	else
		ok "$L: direct: run -d with cgroupsPath system.slice:ocirun-test:c1"
		pid=$(rstate c1 .pid)
		systemctl status $u >/dev/null 2>&1; rc=$?
		want "$L: direct: systemctl status $u: exit code, ActiveState" "$rc $(activestate $u)" "0 active"
		info "$L: direct: unit $u" "$(unitprops $u)"
		sameprops direct "$L" $u c1
		if [ $V2 = 1 ]; then
			want "$L: direct: unit limits" "$(showp $u MemoryMax TasksMax CPUWeight CPUQuotaPerSecUSec)" \
				"MemoryMax=67108864 TasksMax=42 CPUWeight=20 CPUQuotaPerSecUSec=500ms "
		else
			want "$L: direct: unit limits" "$(showp $u MemoryLimit TasksMax CPUShares CPUQuotaPerSecUSec)" \
				"MemoryLimit=67108864 TasksMax=42 CPUShares=512 CPUQuotaPerSecUSec=500ms "
		fi
		want "$L: direct: the container's cgroup" "$(cgpath $pid)" "$cg" "/proc/$pid/cgroup: $(tr '\n' ' ' </proc/$pid/cgroup 2>&1)"
		cgfiles() {
			if [ $V2 = 1 ]; then
				echo "$(rd $(cgdir memory $cg)/memory.max) $(rd $(cgdir pids $cg)/pids.max) $(rd $(cgdir cpu $cg)/cpu.weight) $(rd $(cgdir cpu $cg)/cpu.max)"
			else
				echo "$(rd $(cgdir memory $cg)/memory.limit_in_bytes) $(rd $(cgdir pids $cg)/pids.max) $(rd $(cgdir cpu $cg)/cpu.shares) $(rd $(cgdir cpu $cg)/cpu.cfs_quota_us)"
			fi
		}
		w=(67108864 42 20 "50000 100000")
		[ $V2 = 0 ] && w=(67108864 42 512 50000)
		want "$L: direct: cgroup files (memory, pids, cpu weight/shares, quota)" "$(cgfiles)" "${w[*]}"

		# update: memory and pids; cpu stays
		echo '{ "memory": { "limit": 134217728 }, "pids": { "limit": 50 } }' | R update --resources - c1 2>$E; rc=$?
		if [ $V2 = 1 ]; then
			want "$L: direct: update: exit code, unit limits" "$rc $(showp $u MemoryMax TasksMax CPUWeight CPUQuotaPerSecUSec)" \
				"0 MemoryMax=134217728 TasksMax=50 CPUWeight=20 CPUQuotaPerSecUSec=500ms " "$(errtxt)"
		else
			want "$L: direct: update: exit code, unit limits" "$rc $(showp $u MemoryLimit TasksMax CPUShares CPUQuotaPerSecUSec)" \
				"0 MemoryLimit=134217728 TasksMax=50 CPUShares=512 CPUQuotaPerSecUSec=500ms " "$(errtxt)"
		fi
		w[0]=134217728 w[1]=50
		want "$L: direct: update: cgroup files" "$(cgfiles)" "${w[*]}"
		# systemd applies a unit's properties again on daemon-reload: what
		# the runtime wrote only to the cgroup files would be undone
		timeout 60 systemctl daemon-reload 2>$E || bad "$L: direct: systemctl daemon-reload" "$(errtxt)"
		want "$L: direct: after systemctl daemon-reload: cgroup files" "$(cgfiles)" "${w[*]}"
		out=$(R exec c1 sh -c 'echo x >/dev/null && echo null-ok; head -c 1 /dev/zero | wc -c' 2>$E); rc=$?
		want "$L: direct: after systemctl daemon-reload: /dev/null and /dev/zero usable" "$rc $(echo $out)" "0 null-ok 1" "$(errtxt)"

		# pause, resume
		R pause c1 2>$E; rc=$?
		want "$L: direct: pause: exit code, status, $(basename "$(freezefile $cg)")" "$rc $(rstate c1 .status) $(rd "$(freezefile $cg)")" "0 paused $FROZEN" "$(errtxt)"
		R resume c1 2>$E; rc=$?
		want "$L: direct: resume: exit code, status, $(basename "$(freezefile $cg)")" "$rc $(rstate c1 .status) $(rd "$(freezefile $cg)")" "0 running $THAWED" "$(errtxt)"

		# exec joins the scope's cgroup
		out=$(R exec c1 cat /proc/self/cgroup 2>$E); rc=$?
		want "$L: direct: exec: exit code, the exec'd process's cgroup" "$rc $(cgline "$out")" "0 $cg" "$(errtxt)"

		# kill --all: init and an exec'd process
		R exec -d c1 sleep 500 </dev/null >/dev/null 2>$E || bad "$L: direct: exec -d" "$(errtxt)"
		n=$(wc -l <"$(cgdir memory $cg)/cgroup.procs" 2>/dev/null)
		R kill --all c1 KILL 2>$E; rc=$?
		waitfor 20 test "$(rstate c1 .status)" = stopped
		want "$L: direct: kill --all: exit code, status, processes left ($n before)" "$rc $(rstate c1 .status) $(wc -l <"$(cgdir memory $cg)/cgroup.procs" 2>/dev/null || echo 0)" "0 stopped 0" "$(errtxt)"

		R delete c1 2>$E; rc=$?
		waitfor 10 test "$(loadstate $u)" = not-found
		want "$L: direct: delete: exit code, state dir, unit LoadState, cgroup dir" \
			"$rc $(test -e $ST/c1 && echo left || echo gone) $(loadstate $u) $(test -d "$(cgdir memory $cg)" && echo left || echo gone)" "0 gone not-found gone" "$(errtxt)"
	fi
	R delete --force c1 >/dev/null 2>&1

	# c2: an empty slice is system.slice
	u=ocirun-test-c2.scope cg=/system.slice/ocirun-test-c2.scope
	mkconfig $B/c2 :ocirun-test:c2 sleep 600
	R run -d --bundle $B/c2 c2 </dev/null >/dev/null 2>$E; rc=$?
	if [ $rc = 0 ]; then
		pid=$(rstate c2 .pid)
		want "$L: direct: cgroupsPath :ocirun-test:c2: cgroup, unit, slice" "$(cgpath $pid) $(activestate $u) $(systemctl show $u -p Slice --value)" "$cg active system.slice"
	else
		bad "$L: direct: run -d with cgroupsPath :ocirun-test:c2" "exit $rc; $(errtxt); systemd logged: $(sdlog)"
	fi
	R delete --force c2 2>$E; rc=$?
	waitfor 10 test "$(loadstate $u)" = not-found
	want "$L: direct: delete --force c2: exit code, unit, cgroup" "$rc $(loadstate $u) $(test -d "$(cgdir memory $cg)" && echo left || echo gone)" "0 not-found gone" "$(errtxt)"

	# org.systemd.property.* annotations: extra unit properties (a name
	# ending in "Sec" is runc's: ...USec, the value in seconds)
	u=ocirun-test-c6.scope
	ANNOT='{ "org.systemd.property.TimeoutStopSec": "123", "org.systemd.property.CollectMode": "'"'inactive-or-failed'"'" }' \
		mkconfig $B/c6 system.slice:ocirun-test:c6 sleep 600
	R run -d --bundle $B/c6 c6 </dev/null >/dev/null 2>$E; rc=$?
	want "$L: direct: org.systemd.property annotations: exit code, unit properties" "$rc $(showp $u TimeoutStopUSec CollectMode)" \
		"0 TimeoutStopUSec=2min 3s CollectMode=inactive-or-failed " "$(errtxt)"
	R delete --force c6 >/dev/null 2>&1
	waitfor 10 test "$(loadstate $u)" = not-found

	u=ocirun-test-c4.scope cg=/system.slice/ocirun-test-c4.scope
	mkconfig $B/c4 system.slice:ocirun-test:c4 /nonexistent/bogus
	R run -d --bundle $B/c4 c4 </dev/null >/dev/null 2>$E; rc=$?
	sleep 1
	got="$( [ $rc != 0 ] && echo failed || echo started) unit:$(loadstate $u)/$(activestate $u) cgroup:$(test -d "$(cgdir memory $cg)" && echo left || echo gone) state:$(test -e $ST/c4 && echo left || echo gone)"
	want "$L: direct: a bogus args[0] fails, leaves no unit, cgroup or state" "$got" "failed unit:not-found/inactive cgroup:gone state:gone" "$(errtxt)"
	if grep -q /nonexistent/bogus $E; then ok "$L: direct: a bogus args[0]: the error names it: $(errtxt)"
	else bad "$L: direct: a bogus args[0]: the error names it" "$(errtxt)"; fi
	R delete --force c4 >/dev/null 2>&1
	systemctl reset-failed $u >/dev/null 2>&1

	# 3 concurrent creates in the same slice
	for c in c5a c5b c5c; do mkconfig $B/$c system.slice:ocirun-test:$c sleep 600; done
	for c in c5a c5b c5c; do
		(R run -d --bundle $B/$c $c </dev/null >/dev/null 2>$W/err.$c; echo $? >$W/rc.$c) &
	done
	wait
	got='' why=''
	for c in c5a c5b c5c; do
		pid=$(rstate $c .pid)
		got="$got $c:$(cat $W/rc.$c)/$(activestate ocirun-test-$c.scope)/$(cgpath ${pid:-0} | sed 's|^/system.slice/ocirun-test-.*\.scope$|scope|')"
		[ -s $W/err.$c ] && why="$why $c: $(head -c 300 $W/err.$c)"
	done
	want "$L: direct: 3 concurrent run -d in system.slice" "$got" " c5a:0/active/scope c5b:0/active/scope c5c:0/active/scope" "$why"
	got=
	for c in c5a c5b c5c; do
		R delete --force $c >/dev/null 2>&1
		waitfor 10 test "$(loadstate ocirun-test-$c.scope)" = not-found
		got="$got $(loadstate ocirun-test-$c.scope)"
	done
	want "$L: direct: the 3 deleted: units" "$got" " not-found not-found not-found"

	# a nested slice: a-b.slice is a.slice/a-b.slice
	u=p-c3.scope cg=/a.slice/a-b.slice/p-c3.scope
	mkconfig $B/c3 a-b.slice:p:c3 sleep 600
	R run -d --bundle $B/c3 c3 </dev/null >/dev/null 2>$E; rc=$?
	if [ $rc = 0 ]; then
		pid=$(rstate c3 .pid)
		want "$L: direct: cgroupsPath a-b.slice:p:c3: cgroup, unit, slice" "$(cgpath $pid) $(activestate $u) $(systemctl show $u -p Slice --value)" "$cg active a-b.slice"
	else
		bad "$L: direct: run -d with cgroupsPath a-b.slice:p:c3" "exit $rc; $(errtxt); systemd logged: $(sdlog)"
	fi
	R delete --force c3 2>$E; rc=$?
	waitfor 10 test "$(loadstate $u)" = not-found
	want "$L: direct: delete --force c3: exit code, unit, cgroup" "$rc $(loadstate $u) $(test -d "$(cgdir memory $cg)" && echo left || echo gone)" "0 not-found gone" "$(errtxt)"
	info "$L: direct checks took" "$(($(now) - s))s"
}

# --- rootless: the user's own systemd ------------------------------------------------------
TU=tester TUID=1000
UHOME=/home/$TU URUN=/run/user/$TUID
MGRCG=/user.slice/user-$TUID.slice/user@$TUID.service   # the user's systemd's own cgroup
asuser() { # CMD...: as tester, in its login environment
	timeout 180 runuser -u $TU -- env -C $UHOME HOME=$UHOME USER=$TU XDG_RUNTIME_DIR=$URUN \
		DBUS_SESSION_BUS_ADDRESS=unix:path=$URUN/bus "$@"
}

rootless_podman() { # LABEL RUNTIME
	L=$1
	pm() { asuser podman --runtime "$RTP" "$@"; }
	RTP=$2
	s=$(now)
	got=$(pm info --format '{{.Host.CgroupManager}} {{.Host.Security.Rootless}} {{.Host.CgroupsVersion}}' 2>$E)
	want "$L: rootless podman info: cgroup manager, rootless, cgroup version" "$got" "systemd true v2" "$(errtxt)"
	out=$(pm run --rm --network host localhost/bb sh -c 'echo hello; exit 3' 2>$E); rc=$?
	want "$L: rootless podman run: exit code and output" "$rc $out" "3 hello" "$(errtxt)"
	id=$(pm run -d --network host -m 64m localhost/bb sh -c 'trap "exit 0" TERM; sleep 600 & wait' 2>$E); rc=$?
	id=$(printf '%s' "$id" | tail -n 1)
	if [ $rc != 0 ] || [ -z "$id" ]; then
		bad "$L: rootless podman run -d -m 64m" "exit $rc, id '$id'; $(errtxt)"
		pm rm -f "$id" >/dev/null 2>&1
		return
	fi
	ok "$L: rootless podman run -d -m 64m"
	pid=$(pm inspect -f '{{.State.Pid}}' $id 2>$E)
	cg=$MGRCG/user.slice/libpod-$id.scope u=libpod-$id.scope
	want "$L: rootless podman run -d: the container's cgroup" "$(cgpath $pid)" "$cg" "/proc/$pid/cgroup: $(tr '\n' ' ' </proc/$pid/cgroup 2>&1)"
	ASUSER=1
	want "$L: rootless podman: unit $u in the user's systemd: state, slice, MemoryMax" \
		"$(activestate $u) $(systemctl show $u -p Slice --value 2>&1) $(systemctl show $u -p MemoryMax --value 2>&1)" "active user.slice 67108864"
	info "$L: rootless podman: $u" "$(unitprops $u)"
	sameprops rootless-podman "$L" $u $id
	ASUSER=
	want "$L: rootless podman -m 64m: memory.max in the cgroup" "$(rd /sys/fs/cgroup$cg/memory.max)" 67108864
	# (inside, /sys is the host's: with --network host a rootless
	# container may not mount a sysfs of its own)
	out=$(pm exec $id sh -c 'echo in-exec; exit 5' 2>$E); rc=$?
	want "$L: rootless podman exec: exit code and output" "$rc $out" "5 in-exec" "$(errtxt)"
	pm pause $id >/dev/null 2>$E; rc=$?
	want "$L: rootless podman pause: state, cgroup.freeze" "$rc $(pm inspect -f '{{.State.Status}}' $id 2>&1) $(rd /sys/fs/cgroup$cg/cgroup.freeze)" "0 paused 1" "$(errtxt)"
	pm unpause $id >/dev/null 2>$E; rc=$?
	want "$L: rootless podman unpause: state, cgroup.freeze" "$rc $(pm inspect -f '{{.State.Status}}' $id 2>&1) $(rd /sys/fs/cgroup$cg/cgroup.freeze)" "0 running 0" "$(errtxt)"
	pm stop -t 10 $id >/dev/null 2>$E; rc=$?
	want "$L: rootless podman stop: exit code, state, exit status" "$rc $(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' $id 2>&1)" "0 exited 0" "$(errtxt)"
	pm rm $id >/dev/null 2>$E; rc=$?
	ASUSER=1
	waitfor 10 test "$(loadstate $u)" = not-found
	want "$L: rootless podman rm: exit code, cgroup, unit" "$rc $(test -d /sys/fs/cgroup$cg && echo left || echo gone) $(loadstate $u)" "0 gone not-found" "$(errtxt)"
	ASUSER=
	pm rm -af >/dev/null 2>&1
	info "$L: rootless podman checks took" "$(($(now) - s))s"
}

# rlconfig DIR CGROUPSPATH: a rootless bundle (the runtime's own spec
# --rootless) running sleep, memory 64 MiB and pids 42
rlconfig() {
	asuser mkdir -p "$1" && asuser sh -c "cd $1 && $RT spec --rootless" 2>$E || { bad "$L: rootless: $RT spec --rootless" "$(errtxt)"; return 1; }
	asuser sh -c "jq '.root.path = \"$W/rootfs\" | .process.terminal = false | .process.args = [\"sleep\", \"600\"]
		| .linux.cgroupsPath = \"$2\" | .linux.resources = { memory: { limit: 67108864 }, pids: { limit: 42 } }' \
		$1/config.json >$1/c.json && mv $1/c.json $1/config.json"
}

rootless_direct() { # LABEL RUNTIME
	L=$1 RT=$2 ST=$URUN/vmtest-$1
	R() { asuser $RT --root $ST --systemd-cgroup "$@"; }
	rstate() { R state "$1" 2>/dev/null | jq -r "$2" 2>/dev/null; }
	B=$UHOME/direct-$L
	s=$(now)
	u=rl-r1.scope cg=$MGRCG/user.slice/rl-r1.scope
	rlconfig $B/r1 user.slice:rl:r1 || return
	R run -d --bundle $B/r1 r1 </dev/null >/dev/null 2>$E; rc=$?
	if [ $V2 = 0 ]; then
		# hybrid: systemd delegates no v1 controllers to users
		want "$L: rootless direct on cgroup v1: refused, no state left" "$([ $rc != 0 ] && echo refused || echo started) $(test -e $ST/r1 && echo left || echo gone)" "refused gone" "$(errtxt)"
		info "$L: rootless direct on cgroup v1: the error" "$(errtxt)"
		R delete --force r1 >/dev/null 2>&1
		return
	fi
	if [ $rc != 0 ]; then
		bad "$L: rootless direct: run -d with cgroupsPath user.slice:rl:r1" "exit $rc; $(errtxt)"
		R delete --force r1 >/dev/null 2>&1
		return
	fi
	ok "$L: rootless direct: run -d with cgroupsPath user.slice:rl:r1"
	pid=$(rstate r1 .pid)
	want "$L: rootless direct: the container's cgroup" "$(cgpath $pid)" "$cg" "/proc/$pid/cgroup: $(tr '\n' ' ' </proc/$pid/cgroup 2>&1)"
	ASUSER=1
	want "$L: rootless direct: unit $u in the user's systemd: state, limits" "$(activestate $u) $(showp $u Slice MemoryMax TasksMax)" \
		"active Slice=user.slice MemoryMax=67108864 TasksMax=42 "
	info "$L: rootless direct: unit $u" "$(unitprops $u)"
	sameprops rootless-direct "$L" $u r1
	ASUSER=
	want "$L: rootless direct: cgroup files (memory.max, pids.max)" "$(rd /sys/fs/cgroup$cg/memory.max) $(rd /sys/fs/cgroup$cg/pids.max)" "67108864 42"
	echo '{ "memory": { "limit": 134217728 }, "pids": { "limit": 50 } }' >$W/rl-update.json
	R update --resources $W/rl-update.json r1 2>$E; rc=$?
	ASUSER=1
	want "$L: rootless direct: update: exit code, unit limits" "$rc $(showp $u MemoryMax TasksMax)" "0 MemoryMax=134217728 TasksMax=50 " "$(errtxt)"
	ASUSER=
	want "$L: rootless direct: update: cgroup files" "$(rd /sys/fs/cgroup$cg/memory.max) $(rd /sys/fs/cgroup$cg/pids.max)" "134217728 50"
	# exec from outside the user's systemd's tree (this service's cgroup, as
	# from a login session's): the user may not move a process into the
	# scope, the user's systemd has PID 1 do it (AttachProcessesToUnit, as
	# runc 1.2 does; runc 1.1.5 leaves the process where it was)
	out=$(R exec r1 cat /proc/self/cgroup 2>$E); rc=$?
	if [ "$L" = runc ]; then info "$L: rootless direct: exec: exit code, the exec'd process's cgroup" "$rc $(cgline "$out")"
	else want "$L: rootless direct: exec: exit code, the exec'd process's cgroup" "$rc $(cgline "$out")" "0 $cg" "$(errtxt)"; fi
	R delete --force r1 2>$E; rc=$?
	ASUSER=1
	waitfor 10 test "$(loadstate $u)" = not-found
	want "$L: rootless direct: delete --force: exit code, state dir, unit, cgroup" \
		"$rc $(test -e $ST/r1 && echo left || echo gone) $(loadstate $u) $(test -d /sys/fs/cgroup$cg && echo left || echo gone)" "0 gone not-found gone" "$(errtxt)"
	ASUSER=
	# an empty slice is user.slice for the user's systemd
	u=rl-r2.scope cg=$MGRCG/user.slice/rl-r2.scope
	rlconfig $B/r2 :rl:r2 || return
	R run -d --bundle $B/r2 r2 </dev/null >/dev/null 2>$E; rc=$?
	pid=$(rstate r2 .pid)
	ASUSER=1
	want "$L: rootless direct: cgroupsPath :rl:r2: exit code, cgroup, unit, slice" "$rc $(cgpath ${pid:-0}) $(activestate $u) $(systemctl show $u -p Slice --value 2>&1)" "0 $cg active user.slice" "$(errtxt)"
	R delete --force r2 >/dev/null 2>&1
	waitfor 10 test "$(loadstate $u)" = not-found
	ASUSER=
	info "$L: rootless direct checks took" "$(($(now) - s))s"
}

rootless_part() {
	if ! waitfor 120 test "$(timeout 10 /usr/bin/systemctl show user@$TUID.service -p ActiveState --value)" = active; then
		bad "rootless: user@$TUID.service (lingering) is active" "$(timeout 10 /usr/bin/systemctl status user@$TUID.service 2>&1 | tail -n 5)"
		return
	fi
	if [ $V2 = 1 ]; then
		info "rootless: controllers the user's systemd may delegate" "$(rd /sys/fs/cgroup$MGRCG/cgroup.controllers)"
		s=$(now)
		if asuser podman import $W/bb.tar localhost/bb >/dev/null 2>$E; then
			info "rootless: podman import of the busybox image took" "$(($(now) - s))s"
			rootless_podman runc $RUNC
			rootless_podman ocirun $OCIRUN
		else
			bad "rootless: podman import of the busybox image" "$(errtxt)"
		fi
	fi
	rootless_direct runc $RUNC
	rootless_direct ocirun $OCIRUN
	if [ $V2 = 1 ]; then
		# what the runtime implements, whoever asks (features-linux.md; runc's)
		want "ocirun: rootless: features: systemdUser as tester, and as root, as runc's" \
			"$(asuser $OCIRUN features | jq .linux.cgroup.systemdUser) $($OCIRUN features | jq .linux.cgroup.systemdUser)" \
			"$(asuser $RUNC features | jq .linux.cgroup.systemdUser) $($RUNC features | jq .linux.cgroup.systemdUser)"
		info "ocirun: rootless: check as tester" "$(asuser $OCIRUN check 2>&1 | grep -i systemd)"
	fi
}

# --- what the clients send: a logging wrapper of runc ------------------------------------
# /usr/local/bin/rtlog: logs its argv (and the bundle's config.json) and
# runs runc
cat >/usr/local/bin/rtlog <<'EOF'
#!/bin/sh
echo "$*" >>/run/rtlog.argv
prev=
for a; do
	[ "$prev" = --bundle ] && [ -f "$a/config.json" ] && cp "$a/config.json" /run/rtlog.config.json
	case "$a" in --bundle=*) [ -f "${a#--bundle=}/config.json" ] && cp "${a#--bundle=}/config.json" /run/rtlog.config.json ;; esac
	prev=$a
done
exec /usr/sbin/runc "$@"
EOF
chmod 755 /usr/local/bin/rtlog
clients_info() { # NAME: the argv lines and config.json fields from the wrapper
	n=0
	while IFS= read -r line; do
		n=$((n + 1)); info "$1: runtime argv $n" "$line"
	done </run/rtlog.argv
	[ -f /run/rtlog.config.json ] && info "$1: config.json" "$(jq -c '{cgroupsPath: .linux.cgroupsPath, apparmorProfile: .process.apparmorProfile, selinuxLabel: .process.selinuxLabel, resources: .linux.resources, namespaces: .linux.namespaces, annotations: .annotations}' /run/rtlog.config.json 2>&1)"
	rm -f /run/rtlog.argv /run/rtlog.config.json
}
podman_clients() { # MANAGER
	rm -f /run/rtlog.argv /run/rtlog.config.json
	P=(timeout 120 podman --runtime /usr/local/bin/rtlog --cgroup-manager $1)
	id=$("${P[@]}" run -d -m 64m localhost/bb sleep 600 2>$E) || bad "clients: podman ($1) run -d with the logging wrapper" "$(errtxt)"
	"${P[@]}" exec $id true >/dev/null 2>&1
	"${P[@]}" rm -f -t 0 $id >/dev/null 2>&1
	clients_info "podman ($1, run -d -m 64m, exec, rm -f)"
}
docker_clients() { # MANAGER
	rm -f /run/rtlog.argv /run/rtlog.config.json
	id=$(timeout 120 docker run -d --runtime rtlog -m 64m bb sleep 600 2>$E) || bad "clients: docker ($1) run -d with the logging wrapper" "$(errtxt)"
	timeout 60 docker exec $id true >/dev/null 2>&1
	timeout 60 docker rm -f $id >/dev/null 2>&1
	clients_info "docker ($1, run -d -m 64m, exec, rm -f)"
}

# --- Kubernetes' CRI: containerd with SystemdCgroup = true ----------------------------------
# What systemd.sh put on the per-run disk: kubelet.py, its stubs generated
# on the host (api_pb2*.py), the images pause.tar and busybox.tar.
# The pods use the host's network (namespace_options network NODE): the
# guest has no network and no CNI plugins, and a pod on the node's network
# needs no CNI call (containerd 1.6 refuses a pod network whose CNI result
# has no eth0 address; that is what tests/cri/cri.sh's own plugin is for).
CRID=/run/vmtest/cri
CRIST=/run/cri-test                 # containerd's state, socket, the runtimes' roots
CRIRT=/var/tmp/cri-test             # containerd's root (images, snapshots), pods' logs
crictr() { timeout 120 ctr --address $CRIST/containerd.sock -n k8s.io "$@"; }
cri_shims() { pgrep -f "containerd-shim-runc-v2 .*-address $CRIST/containerd.sock" | tr '\n' ' '; }
cri_part() {
	if [ $V2 = 0 ]; then
		info "cri" "skipped: the cri part runs in the cgroup2 mode only"; return
	fi
	for f in kubelet.py api_pb2.py api_pb2_grpc.py pause.tar busybox.tar; do
		[ -s $CRID/$f ] || { info "cri" "skipped: no $CRID/$f (systemd.sh could not make it: grpc_tools, musl-gcc or busybox-static on the host?)"; return; }
	done
	if ! python3 -c 'import grpc, google.protobuf' 2>$E; then
		info "cri" "skipped: no python3-grpcio in the guest ($(errtxt)): an image built before it was added to systemd-packages?"; return
	fi
	s=$(now)
	rm -rf $CRIST $CRIRT
	mkdir -p $CRIST $CRIRT/opt
	cat >$CRIST/config.toml <<EOF
version = 2
root = "$CRIRT/root"
state = "$CRIST/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$CRIST/containerd.sock"

[ttrpc]
  address = "$CRIST/containerd.sock.ttrpc"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CRIRT/opt"

# the CRI plugin as k3s sets it up on a systemd host: every runtime's shim
# told SystemdCgroup = true, so the cgroupsPath is SLICE:cri-containerd:ID
# (systemd_cgroup, the old io.containerd.runtime.v1.linux knob, stays off)
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:1"
  disable_apparmor = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_tcp_service = true
  systemd_cgroup = false

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CRIST/cni/bin"
    conf_dir = "$CRIST/cni/net.d"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$RUNC"
        Root = "$CRIST/rt-runc"
        SystemdCgroup = true

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ocirun]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.ocirun.options]
        BinaryName = "$OCIRUN"
        Root = "$CRIST/rt-ocirun"
        SystemdCgroup = true
EOF
	(cd $CRIST && exec setsid containerd --config $CRIST/config.toml >$CRIST/containerd.log 2>&1) &
	ctdpid=$!
	if ! waitfor 120 crictr version >/dev/null; then
		bad "cri: private containerd started" "$(tail -n 5 $CRIST/containerd.log)"
		kill $ctdpid 2>/dev/null; return
	fi
	info "cri: containerd" "$(containerd --version), started in $(($(now) - s))s"
	got=$(crictr plugins ls 2>&1 | awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" {print $NF}')
	want "cri: the guest's containerd has the CRI plugin (ctr plugins ls)" "$got" ok "$(grep -i 'cri' $CRIST/containerd.log | tail -n 3)"
	swapmax=
	if [ "$got" = ok ]; then
		for i in pause busybox; do
			crictr images import $CRID/$i.tar >/dev/null 2>$E || bad "cri: ctr images import $i" "$(errtxt)"
		done
		info "cri: setup (containerd, image import) took" "$(($(now) - s))s"
		for h in runc ocirun; do
			s2=$(now)
			mkdir -p $CRIRT/logs-$h
			CRI_STUBS=$CRID PYTHONDONTWRITEBYTECODE=1 timeout 600 python3 $CRID/kubelet.py --systemd \
				--socket $CRIST/containerd.sock --handler $h --runtime-root $CRIST/rt-$h/k8s.io \
				--log-root $CRIRT/logs-$h --unit-props "$UNITPROPS" >$CRIST/kubelet-$h.out 2>&1
			rc=$?
			while IFS= read -r line; do
				case $line in
				"ok - "*|"FAIL - "*) echo "VMTEST $line" ;;
				"# "*) info "$h: cri: kubelet.py" "${line#"# $h: "}" ;;
				esac
			done <$CRIST/kubelet-$h.out
			grep -Eq '^[0-9]+ passed, [0-9]+ failed$' $CRIST/kubelet-$h.out ||
				bad "$h: cri: kubelet.py --systemd finished" "exit $rc; $(tail -n 5 $CRIST/kubelet-$h.out)"
			info "$h: cri: kubelet.py --systemd took" "$(($(now) - s2))s"
			# the scopes' properties, cgroup files and the config.json
			# resources they came from, ids replaced (MemorySwapMax apart: see below)
			sed -n "s/^# $h: \(.*\(unit properties\|cgroup files\|config.json linux.resources\): .*\)$/\1/p" \
				$CRIST/kubelet-$h.out | sed 's/; MemorySwapMax=[^;]*//' | sort >$CRIST/props-$h
			swapmax="$swapmax $h:$(sed -n "s/^# $h: \(.*\): unit properties: .*; \(MemorySwapMax=[^;]*\).*/\1 \2,/p" $CRIST/kubelet-$h.out | tr '\n' ' ')"
		done
		# ocirun's as runc's
		if [ -s $CRIST/props-runc ] && [ -s $CRIST/props-ocirun ]; then
			d=$(diff $CRIST/props-runc $CRIST/props-ocirun | sed -n 's/^< /runc has /p; s/^> /ocirun has /p' | tr '\n' ';')
			if [ -z "$d" ]; then ok "ocirun: cri: the scopes' unit properties and cgroup files as runc sets them (MemorySwapMax apart)"
			else bad "ocirun: cri: the scopes' unit properties and cgroup files as runc sets them (MemorySwapMax apart)" "$d"; fi
		fi
		# a known difference: containerd sends memory.swap = memory.limit
		# (no swap); both write memory.swap.max 0, but runc 1.1.5 leaves
		# the unit's MemorySwapMax at infinity (its systemd driver skips a
		# converted swap of 0: "if swap != 0"), which a daemon-reload would
		# then apply; ocirun sets it to 0
		info "cri: the scopes' MemorySwapMax (memory.swap.max is 0 for both)" "$swapmax"
	fi
	left=$(cri_shims)
	want "cri: no containerd-shim left once every pod is removed" "${left:-none}" none
	kill -TERM $ctdpid 2>/dev/null
	waitfor 20 sh -c "! kill -0 $ctdpid"
	kill -KILL $ctdpid 2>/dev/null
	wait $ctdpid 2>/dev/null
	for p in $(cri_shims); do kill -KILL $p 2>/dev/null; done
	# (kubepods.slice and kubepods-burstable.slice stay, as under kubelet)
	units=$(systemctl list-units --all --no-legend --plain 'cri-containerd-*' 'kubepods-burstable-pod*' 2>&1 | cut -d' ' -f1 | tr '\n' ' ')
	want "cri: no cri-containerd-*.scope or pod slice unit left" "${units:-none}" none
	systemctl stop kubepods.slice >/dev/null 2>&1
	for m in $(awk -v a=$CRIST/ -v b=$CRIRT/ 'index($5, a) == 1 || index($5, b) == 1 {print $5}' /proc/self/mountinfo | sort -r); do
		umount -l $m 2>/dev/null
	done
	rm -rf --one-file-system $CRIST $CRIRT
	info "cri: the part took" "$(($(now) - s))s"
}

# --- main ---------------------------------------------------------------------------------
T0=$(now)
info "guest" "mode $MODE, $(uname -r), $(systemctl --version | head -n 1), $(runc --version | head -n 1), $(ocirun --version 2>&1 | head -n 1), $(podman --version), $(docker --version 2>&1)"
info "guest: cgroup and LSM" "$(stat -fc %T /sys/fs/cgroup) on /sys/fs/cgroup; AppArmor enabled=$(cat /sys/module/apparmor/parameters/enabled 2>&1); lsm=$(cat /sys/kernel/security/lsm 2>&1); this unit: $(tr '\n' ' ' </proc/self/cgroup)"
# --- criu: checkpoint and restore ----------------------------------------------------
CRROOT=$W/crroot
COUNTER='echo $$ >/tmp/mark; i=0; while [ $i -lt ${MAX:-100000} ]; do i=$((i+1)); echo $i >>/data/log; sleep 0.3; done; exit 7'
cr_rootfs() {
	[ -d $CRROOT/bin ] && return 0
	mkdir -p $CRROOT && tar -C $CRROOT -xf $W/bb.tar && mkdir -p $CRROOT/linked $CRROOT/data && ln -s linked $CRROOT/link
}
# crconfig DIR TERMINAL EXTRA_NAMESPACES MAX ARGS...: mkconfig's config
# (cgroup /crtest-LABEL-NAME, 256 MiB: criu restores from inside it)
# with devpts, shm, mqueue and the cgroup
# mount too, a bind at /data and a bind whose destination (/link) is a
# symlink in the rootfs (to /linked); $MAX in the environment
crconfig() {
	d=$1 term=$2 extra=$3 max=$4
	shift 4
	mkconfig $d "/crtest-$L-$(basename $d)" "$@"
	mkdir -p $d/data $d/linksrc
	echo linked-$L >$d/linksrc/file
	jq --argjson term $term --arg max "$max" --arg root "$CRROOT" --arg d "$d" --argjson extra "[${extra#, }]" '
		.process.terminal = $term | .process.env += ["MAX=" + $max] | .root.path = $root | .linux.namespaces += $extra |
		.linux.resources.memory.limit = 268435456 |
		.mounts += [
			{ destination: "/dev/pts", type: "devpts", source: "devpts", options: [ "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620" ] },
			{ destination: "/dev/shm", type: "tmpfs", source: "shm", options: [ "nosuid", "noexec", "nodev", "mode=1777", "size=65536k" ] },
			{ destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: [ "nosuid", "noexec", "nodev" ] },
			{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: [ "nosuid", "noexec", "nodev", "relatime", "ro" ] },
			{ destination: "/data", type: "bind", source: ($d + "/data"), options: [ "rbind", "rw" ] },
			{ destination: "/link", type: "bind", source: ($d + "/linksrc"), options: [ "rbind", "ro" ] } ]' \
		$d/config.json >$d/config.json.new && mv $d/config.json.new $d/config.json
}
# cont NAME FILE N LO HI: the lines of FILE after line N count on (each
# one more than the one before, at least two), from a value in LO+1..HI+1
cont() {
	_m=$(awk -v n=$3 -v lo=$4 -v hi=$5 'NR <= n || msg { next }
		!k && ($1 < lo + 1 || $1 > hi + 1) { msg = "first new value " $1 " (line " NR "), want " lo + 1 ".." hi + 1; next }
		k && $1 != prev + 1 { msg = "line " NR ": " $1 " after " prev; next }
		{ prev = $1; k++ }
		END { if (!msg && k < 2) msg = k + 0 " new lines after line " n; print msg }' "$2" 2>&1)
	if [ -z "$_m" ]; then ok "$1"; else bad "$1" "$_m"; fi
}
lines() { wc -l <"$1" 2>/dev/null | tr -d ' '; }
lastval() { tail -n 1 "$1" 2>/dev/null; }
# nothing_left NAME ID CGROUP: no state, no cgroup, no criu-root mount
nothing_left() {
	_left="$(R list -q 2>&1 | grep -x "$2")$(test -d "$(cgdir memory "$3")" && echo " cgroup $3")$(grep criu-root /proc/self/mountinfo | cut -d' ' -f5)"
	want "$1: nothing left (state, cgroup, mount)" "${_left:-none}" none
}
crlog() { tail -n 4 "$1" 2>/dev/null | tr '\n' ' '; }
# piped CMD...: CMD with pipes for its stdio, as conmon and containerd's
# shim give a container (criu gives a restored process its restorer's
# pipes; it cannot dump a file of a mount the container does not see,
# such as a file of the host's); CMD's stderr is in $E
piped() {
	"$@" 0< <(exec sleep 900) 1> >(exec cat >/dev/null) 2> >(exec cat >$E)
	_rc=$?
	sleep 0.3
	return $_rc
}

cr_cgroupns() { # in criu_part: a container with a cgroup namespace
	crconfig $B/c2 false ', { "type": "cgroup" }' 100000 sh -c "$COUNTER"
	if piped R run -d --bundle $B/c2 c2 && waitfor 40 test -s $B/c2/data/log; then
		R checkpoint --image-path $I/c2 --work-path $I/wc2 c2 >/dev/null 2>$E; rc=$?
		n=$(lines $B/c2/data/log) v=$(lastval $B/c2/data/log)
		piped R restore -d --image-path $I/c2 --work-path $I/wc2 --bundle $B/c2 c2; rc2=$?
		pid=$(R state c2 2>/dev/null | jq -r .pid)
		want "$L: criu: cgroup namespace: checkpoint, restore" "$rc $rc2" "0 0" "$(errtxt); logs: $(crlog $I/wc2/dump.log) $(crlog $I/wc2/restore.log)"
		sleep 2
		cont "$L: criu: cgroup namespace: counting on" $B/c2/data/log $n $v $v
		want "$L: criu: cgroup namespace: /proc/self/cgroup inside, the cgroup outside, own namespace" \
			"$(R exec c2 cat /proc/self/cgroup 2>&1 | grep -vc ':/$') $(cgpath $pid) $(test "$(readlink /proc/$pid/ns/cgroup)" != "$(readlink /proc/self/ns/cgroup)" && echo own)" \
			"0 /crtest-$L-c2 own"
	else
		bad "$L: criu: cgroup namespace: run -d" "$(errtxt)"
	fi
	R delete -f c2 >/dev/null 2>&1
}

criu_part() { # LABEL RUNTIME
	L=$1 RT=$2 ST=/run/vmtest-cr-$1 I=$W/cr-img-$1 B=$W/cr-$1
	R() { timeout 300 $RT --root $ST "$@"; }
	rm -rf $I $B
	mkdir -p $I
	cr_rootfs
	s=$(now)

	# a counter: checkpoint, restore; again with --leave-running, restored
	# under a new id; a pre-dump then a dump; cgroup /crtest-L-c1
	crconfig $B/c1 false "" 100000 sh -c "$COUNTER"
	if ! piped R run -d --bundle $B/c1 c1 || ! waitfor 40 test -s $B/c1/data/log; then
		bad "$L: criu: run -d the counter" "$(errtxt)"
		R delete -f c1 >/dev/null 2>&1
		return
	fi
	mark=$(R exec c1 cat /tmp/mark 2>$E)
	pid0=$(R state c1 2>/dev/null | jq -r .pid)
	sleep 1
	t0=$(date +%s%N)
	R checkpoint --image-path $I/1 --work-path $I/w1 c1 >/dev/null 2>$E; rc=$?
	t1=$(date +%s%N)
	n=$(lines $B/c1/data/log) v=$(lastval $B/c1/data/log)
	want "$L: criu: checkpoint: exit code; the container gone" "$rc $(R list -q 2>/dev/null | grep -cx c1) $(test -e /proc/$pid0 && echo alive || echo gone)" \
		"0 0 gone" "$(errtxt); dump.log: $(crlog $I/w1/dump.log)"
	want "$L: criu: checkpoint: descriptors.json names three pipes" "$(jq -r 'length == 3 and all(.[]; startswith("pipe:["))' $I/1/descriptors.json 2>&1)" true
	sleep 1
	want "$L: criu: checkpoint: the counter stopped" "$(lines $B/c1/data/log)" "$n"
	t2=$(date +%s%N)
	piped R restore -d --image-path $I/1 --work-path $I/w1 --bundle $B/c1 c1; rc=$?
	t3=$(date +%s%N)
	info "$L: criu: the first checkpoint and restore took (TCG)" "$(((t1 - t0) / 1000000)) ms, $(((t3 - t2) / 1000000 - 300)) ms"
	pid1=$(R state c1 2>/dev/null | jq -r .pid)
	want "$L: criu: restore -d: exit code, status" "$rc $(R state c1 2>/dev/null | jq -r .status)" "0 running" "$(errtxt); restore.log: $(crlog $I/w1/restore.log)"
	sleep 2
	cont "$L: criu: restore: the counter goes on from where it was" $B/c1/data/log $n $v $v
	want "$L: criu: restore: the tmpfs file and the shell's pid" "$(R exec c1 cat /tmp/mark 2>&1)" "$mark"
	want "$L: criu: restore: the bind at a symlinked destination" \
		"$(R exec c1 cat /link/file 2>&1) $(R exec c1 grep -c ' /linked ' /proc/self/mountinfo 2>&1)" "linked-$L 1"
	want "$L: criu: restore: the restored init's cgroup" "$(cgpath $pid1)" "/crtest-$L-c1"
	want "$L: criu: restore: masked /proc/kcore" "$(R exec c1 wc -c /proc/kcore 2>&1 | tr -s ' ')" "0 /proc/kcore"
	if [ "$MODE" = hybrid ]; then
		# on hybrid only what differs there (v1's cgroup binds, cg_root per
		# controller, v1's freezer): this cycle and a cgroup namespace
		R delete -f c1 >/dev/null 2>&1
		cr_cgroupns
		info "$L: criu: hybrid checks took" "$(($(now) - s))s"
		return
	fi

	R checkpoint --leave-running --image-path $I/2 --work-path $I/w2 c1 >/dev/null 2>$E; rc=$?
	lo=$v hi=$(lastval $B/c1/data/log) v=$hi
	sleep 1
	want "$L: criu: checkpoint --leave-running: exit code, status, same pid, counting" \
		"$rc $(R state c1 2>/dev/null | jq -r '.status, .pid' | tr '\n' ' ')$(test "$(lastval $B/c1/data/log)" -gt "$v" && echo counting)" \
		"0 running $pid1 counting" "$(errtxt); dump.log: $(crlog $I/w2/dump.log)"
	R delete -f c1 >/dev/null 2>&1
	n=$(lines $B/c1/data/log)
	piped R restore -d --image-path $I/2 --work-path $I/w2 --bundle $B/c1 c1b; rc=$?
	want "$L: criu: restore under a new id: exit code, status" "$rc $(R state c1b 2>/dev/null | jq -r .status)" "0 running" \
		"$(errtxt); restore.log: $(crlog $I/w2/restore.log)"
	sleep 2
	cont "$L: criu: restore under a new id: counting on from the checkpoint" $B/c1/data/log $n $lo $hi

	R checkpoint --pre-dump --image-path $I/pre --work-path $I/wpre c1b >/dev/null 2>$E; rc=$?
	want "$L: criu: checkpoint --pre-dump: exit code, status" "$rc $(R state c1b 2>/dev/null | jq -r .status)" "0 running" \
		"$(errtxt); pre-dump log: $(crlog $I/wpre/pre-dump.log)$(crlog $I/wpre/dump.log)"
	R checkpoint --parent-path ../pre --image-path $I/3 --work-path $I/w3 c1b >/dev/null 2>$E; rc=$?
	n=$(lines $B/c1/data/log) v=$(lastval $B/c1/data/log)
	want "$L: criu: checkpoint --parent-path (after the pre-dump): exit code, gone, parent link" \
		"$rc $(R list -q 2>/dev/null | grep -cx c1b) $(readlink $I/3/parent)" "0 0 ../pre" "$(errtxt); dump.log: $(crlog $I/w3/dump.log)"
	piped R restore -d --image-path $I/3 --work-path $I/w3 --bundle $B/c1 c1b; rc=$?
	want "$L: criu: restore of the incremental dump: exit code" "$rc" 0 "$(errtxt); restore.log: $(crlog $I/w3/restore.log)"
	sleep 2
	cont "$L: criu: restore of the incremental dump: counting on" $B/c1/data/log $n $v $v
	R delete -f c1b >/dev/null 2>&1

	cr_cgroupns

	# a terminal: the console socket gets the restored terminal's master
	crconfig $B/c3 true "" 100000 sh -c 'i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.5; done'
	RECVTTY_SECS=90 /run/vmtest/recvtty $W/tty1-$L.sock '' $W/tty1-$L.out & rt1=$!
	waitfor 20 test -S $W/tty1-$L.sock
	if R run -d --console-socket $W/tty1-$L.sock --bundle $B/c3 c3 </dev/null >/dev/null 2>$E && waitfor 40 grep -q 'tick 3' $W/tty1-$L.out; then
		R checkpoint --image-path $I/c3 --work-path $I/wc3 c3 >/dev/null 2>$E; rc=$?
		last=$(grep -o 'tick [0-9]*' $W/tty1-$L.out | tail -n 1 | cut -d' ' -f2)
		RECVTTY_SECS=90 /run/vmtest/recvtty $W/tty2-$L.sock '' $W/tty2-$L.out & rt2=$!
		waitfor 20 test -S $W/tty2-$L.sock
		R restore -d --console-socket $W/tty2-$L.sock --image-path $I/c3 --work-path $I/wc3 --bundle $B/c3 c3 </dev/null >/dev/null 2>$E; rc2=$?
		waitfor 20 grep -q 'tick' $W/tty2-$L.out
		first=$(grep -o 'tick [0-9]*' $W/tty2-$L.out | head -n 1 | cut -d' ' -f2)
		want "$L: criu: a terminal: checkpoint, restore with a new console socket, the ticks go on there" \
			"$rc $rc2 $( [ -n "$first" ] && [ -n "$last" ] && [ "$first" -gt "$last" ] && [ "$first" -le $((last + 2)) ] && echo on)" "0 0 on" \
			"last tick before: '$last', first after: '$first'; $(errtxt); logs: $(crlog $I/wc3/dump.log) $(crlog $I/wc3/restore.log)"
		R delete -f c3 >/dev/null 2>&1
		kill $rt2 2>/dev/null
	else
		bad "$L: criu: a terminal: run -d --console-socket" "$(errtxt); $(head -c 200 $W/tty1-$L.out 2>&1)"
	fi
	R delete -f c3 >/dev/null 2>&1
	kill $rt1 2>/dev/null

	# a foreground restore: the process's exit status, --pid-file
	crconfig $B/c4 false "" 25 sh -c "$COUNTER"
	if piped R run -d --bundle $B/c4 c4 && waitfor 40 test -s $B/c4/data/log; then
		R checkpoint --image-path $I/c4 --work-path $I/wc4 c4 >/dev/null 2>$E
		piped R restore --pid-file $B/c4.pid --image-path $I/c4 --work-path $I/wc4 --bundle $B/c4 c4; rc=$?
		want "$L: criu: restore in the foreground: its exit status, the last count, the pid file, no container after" \
			"$rc $(lastval $B/c4/data/log) $(grep -cx '[0-9][0-9]*' $B/c4.pid 2>&1) $(R list -q 2>/dev/null | grep -cx c4)" "7 25 1 0" \
			"$(errtxt); restore.log: $(crlog $I/wc4/restore.log)"
	else
		bad "$L: criu: run -d c4" "$(errtxt)"
	fi
	R delete -f c4 >/dev/null 2>&1

	# failures: nothing left behind
	piped R restore -d --image-path $I/none --work-path $I/wnone --bundle $B/c1 bad1; rc=$?
	want "$L: criu: restore from a missing image: fails" "$([ $rc != 0 ] && echo fails)" fails
	info "$L: criu: restore from a missing image" "$(errtxt)"
	nothing_left "$L: criu: restore from a missing image" bad1 /crtest-$L-c1
	mkdir -p $B/empty/rootfs/bin $B/empty/rootfs/proc $B/empty/rootfs/sys $B/empty/rootfs/dev $B/empty/rootfs/tmp $B/empty/rootfs/linked \
		$B/empty/rootfs/data
	ln -sf linked $B/empty/rootfs/link
	jq ".root.path = \"$B/empty/rootfs\"" $B/c1/config.json >$B/empty/config.json
	piped R restore -d --image-path $I/1 --work-path $I/wbad --bundle $B/empty bad2; rc=$?
	want "$L: criu: restore that criu fails (no binaries in the rootfs): fails, names its log, which is there" \
		"$([ $rc != 0 ] && echo fails) $(grep -c "$I/wbad/restore.log" $E) $(test -s $I/wbad/restore.log && echo kept)" "fails 1 kept" "$(errtxt)"
	nothing_left "$L: criu: restore that criu fails" bad2 /crtest-$L-c1
	piped R run -d --bundle $B/c1 c5
	R --criu /nonexistent/criu checkpoint --image-path $I/c5 --work-path $I/wc5 c5 >/dev/null 2>$E; rc=$?
	want "$L: criu: checkpoint without criu: fails, the container still running" "$([ $rc != 0 ] && echo fails) $(R state c5 2>/dev/null | jq -r .status)" \
		"fails running" "$(errtxt)"
	info "$L: criu: checkpoint without criu" "$(errtxt)"
	R delete -f c5 >/dev/null 2>&1
	info "$L: criu: direct checks took" "$(($(now) - s))s"

	# podman container checkpoint / restore (its default network: an
	# external network namespace)
	s=$(now)
	id=$(podman run -d --runtime $RT --name cr-$L localhost/bb sh -c 'i=0; while :; do i=$((i+1)); echo $i >>/log; sleep 0.3; done' 2>$E)
	if [ -z "$id" ] || ! waitfor 40 podman exec cr-$L test -s /log; then
		bad "$L: criu: podman run -d" "$(errtxt)"
	else
		podman container checkpoint cr-$L >/dev/null 2>$E; rc=$?
		want "$L: criu: podman container checkpoint: exit code, state" "$rc $(podman inspect -f '{{.State.Status}}' cr-$L 2>&1)" "0 exited" "$(errtxt)"
		podman container restore cr-$L >/dev/null 2>$E; rc=$?
		want "$L: criu: podman container restore: exit code, state" "$rc $(podman inspect -f '{{.State.Status}}' cr-$L 2>&1)" "0 running" "$(errtxt)"
		sleep 2
		podman exec cr-$L cat /log >$W/podman-$L.log 2>$E
		cont "$L: criu: podman container restore: counting on" $W/podman-$L.log 0 0 0
	fi
	podman rm -f cr-$L >/dev/null 2>&1
	info "$L: criu: podman checks took" "$(($(now) - s))s"
}

# timed WHAT CMD...: CMD, then an info line with how long it took (the
# guest's time goes where the log shows it)
timed() { _t=$(now); _w=$1; shift; "$@"; _r=$?; info "guest: $_w took" "$(($(now) - _t))s"; return $_r; }

# podman and Docker on cgroupfs: on the hybrid layout that is what the
# suite's own host runs (hybrid, no systemd; test.sh's podman_* and
# docker_* tests), so there only when ONLY names the part (saves 2 min)
cgroupfs_part() { part cgroupfs && { [ $V2 = 1 ] || [ -n "$ONLY" ]; }; }
# the clients' info lines (what podman and Docker send, for the README's
# tables) assert nothing: only when ONLY names the part (saves 30 s)
clients_part() { [ -n "$ONLY" ] && part clients; }

failed_units=$(systemctl --failed --no-legend --plain 2>&1 | tr -s ' ' | cut -d' ' -f1 | tr '\n' ' ')
[ -n "$failed_units" ] && info "guest: failed units at boot" "$failed_units"
timed "setup_rootfs" setup_rootfs
if part podman || part cgroupfs || clients_part; then
	s=$(now)
	if timeout 120 podman import $W/bb.tar localhost/bb >/dev/null 2>$E; then
		info "podman: import of the busybox image took" "$(($(now) - s))s"
	else
		bad "podman: import of the busybox image" "$(errtxt)"
	fi
fi
if part podman; then
	timed "podman_part runc" podman_part runc $RUNC systemd
	timed "podman_part ocirun" podman_part ocirun $OCIRUN systemd
fi
if cgroupfs_part; then
	timed "podman_part runc-cgroupfs" podman_part runc-cgroupfs $RUNC cgroupfs
	timed "podman_part ocirun-cgroupfs" podman_part ocirun-cgroupfs $OCIRUN cgroupfs
fi
# (the clients' info lines, argv and config fields, are the same on both
# hosts: the cgroup2 mode prints them when asked)
[ $V2 = 1 ] && clients_part && timed "clients (podman)" eval 'podman_clients systemd && podman_clients cgroupfs'
if part direct; then
	timed "direct_part runc" direct_part runc $RUNC
	timed "direct_part ocirun" direct_part ocirun $OCIRUN
fi
part rootless && timed "the rootless part" rootless_part
if part docker || clients_part; then
	if timed "docker_start systemd" docker_start systemd; then
		if part docker; then
			timed "docker_part runc" docker_part runc runc systemd
			timed "docker_part ocirun" docker_part ocirun ocirun systemd
		fi
		[ $V2 = 1 ] && clients_part && timed "clients (docker, systemd)" docker_clients systemd
	fi
fi
if cgroupfs_part || { [ $V2 = 1 ] && clients_part; }; then
	if timed "docker_start cgroupfs" docker_start cgroupfs; then
		if cgroupfs_part; then
			timed "docker_part runc-cgroupfs" docker_part runc-cgroupfs runc cgroupfs
			timed "docker_part ocirun-cgroupfs" docker_part ocirun-cgroupfs ocirun cgroupfs
		fi
		[ $V2 = 1 ] && clients_part && timed "clients (docker, cgroupfs)" docker_clients cgroupfs
	fi
fi
part cri && timed "cri_part" cri_part
if part criu; then
	if command -v criu >/dev/null; then
		info "criu" "$(criu --version 2>&1 | tr '\n' ' '); criu check: $(criu check 2>&1 | tail -n 2 | tr '\n' ' ')"
		if ! part podman && ! part cgroupfs && ! clients_part; then timeout 120 podman import $W/bb.tar localhost/bb >/dev/null 2>&1; fi
		timed "criu_part runc" criu_part runc $RUNC
		timed "criu_part ocirun" criu_part ocirun $OCIRUN
	else
		bad "criu" "criu is not installed in the guest"
	fi
fi
info "guest: all checks took" "$(($(now) - T0))s"
exit 0
