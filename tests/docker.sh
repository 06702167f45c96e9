# tests/docker.sh - Docker driving the runtime (sourced by test.sh).
#
# A private dockerd (20.10's daemon.json: own data root, exec root,
# socket, pidfile and trust key, all under $TMP/docker) starts its own
# managed containerd; containers run with `docker run --runtime ocirun`,
# the runtime registered as $OCIRUN (runc as the oracle, ocirun under
# test).  No registry: the image is imported from a tarball of the host's
# static busybox plus tests/sctest.c.  No bridge, no iptables: containers
# get --network none (the default here) or host.
#
# Host quirks handled for every runtime alike: the nofile hard limit
# (20000) is below Docker's default (1048576), so the daemon's default
# ulimit is nofile=1024:1024; systemd is not pid 1, so the cgroupfs
# driver; the containers' cgroups sit under a parent of their own.
#
# test.sh's clean_all (after every test) kills each process whose command
# line names $TMP.  So dockerd is started as `dockerd --config-file
# daemon.json` from $TMP/docker, and its exec root (which containerd and
# the shims name on their command lines) is reached through a symlink
# $DKX outside $TMP.  docker_cleanup (called by test.sh's cleanup)
# removes the containers, stops dockerd by its pid (containerd with it),
# kills what is left by pid, unmounts, and removes the symlink and the
# cgroups.
#
# Every test begins by removing the previous test's containers.

DOCKER_TESTS="docker_run docker_mounts docker_security docker_privileged docker_seccomp docker_limits
docker_devices_net docker_lifecycle docker_stop_kill docker_exec docker_update docker_oom docker_restart_health docker_cp"
DKIMG=ocirun-dk-bb
DK_PID=''

dk() { DOCKER_HOST=unix://$DK/sock DOCKER_CONFIG=$DK/client timeout -k 5 60 "$DK_CLI" "$@"; }
dkrun() { dk run --runtime ocirun "$@"; }
dkst() { dk inspect -f "$2" "$1" 2>/dev/null; }   # dkst CONTAINER GO-TEMPLATE
# dkexpect NAME GOT WANT: expect, naming what docker said on $DK/err
dkexpect() {
	local e; e=$(errsum "$(cat "$DK/err" 2>/dev/null)"); : > "$DK/err"
	[ "$2" = "$3" ] || expect "$1${e:+ (docker: $e)}" "$2" "$3"
}
dk_rmall() { local c; c=$(dk ps -aq 2>/dev/null); [ -z "$c" ] || dk rm -f $c >/dev/null 2>&1; }

docker_setup() {
	in_old_kernel_mode && return 1
	command -v dockerd >/dev/null || { skip "dockerd not installed (apt-get install docker.io)"; return 1; }
	DK=$TMP/docker
	if [ -f "$DK/ready" ]; then
		alive "$DK_PID" || { fail "dockerd (pid $DK_PID) died: $(grep -E 'level=(error|fatal)' "$DK/log" | tail -1 | cut -c1-200)"; return 1; }
		dk_rmall; return 0
	fi
	if [ -f "$DK/failed" ]; then fail "docker setup failed: $(cat "$DK/failed")"; return 1; fi
	# the client that came with the daemon, else any
	DK_CLI=$(dirname "$(command -v dockerd)")/../bin/docker
	[ -x "$DK_CLI" ] || DK_CLI=$(command -v docker) || { skip "no docker client"; return 1; }
	local a d
	DKX=${TMP%/*}/ocirun-dkx.${TMP##*.} DK_CGP=ocirun-docker.${TMP##*.}
	DK_CGV=1; [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] && DK_CGV=2
	mkdir -p "$DK/exec" "$DK/client" "$DK/img/bin" "$DK/img/tmp" "$DK/img/etc" "$DK/work"
	ln -sfn "$DK/exec" "$DKX"
	# host dirs dockerd and the shims make whatever their config says
	# (plugin discovery, shim sockets): removed at the end if made here
	DK_HOSTDIRS=''
	for d in /run/docker/plugins /run/docker /run/containerd/s /run/containerd; do [ -e "$d" ] || DK_HOSTDIRS="$DK_HOSTDIRS $d"; done
	jq -n --arg dk "$DK" --arg x "$DKX" --arg rt "$OCIRUN" --arg cgp "/$DK_CGP" '{
		"data-root": "\($dk)/data", "exec-root": $x, "hosts": ["unix://\($dk)/sock"],
		"pidfile": "\($dk)/dockerd.pid", "deprecated-key-path": "\($dk)/key.json",
		"exec-opts": ["native.cgroupdriver=cgroupfs"], "cgroup-parent": $cgp,
		"bridge": "none", "iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false,
		"userland-proxy": false, "runtimes": {"ocirun": {"path": $rt}},
		"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 1024}}}' > "$DK/daemon.json"
	(cd "$DK" && exec env -u OCIRUN_TEST_TAG dockerd --config-file daemon.json >log 2>&1) &
	DK_PID=$!
	if ! waitfor 300 eval 'dk version >/dev/null 2>&1 || ! alive $DK_PID'; then
		echo "dockerd did not answer in 30 s: $(tail -3 "$DK/log" | tr '\n' ' ' | cut -c1-300)" > "$DK/failed"
	elif ! alive "$DK_PID"; then
		echo "dockerd exited: $(grep -E 'level=(error|fatal)' "$DK/log" | tail -2 | tr '\n' ' ' | cut -c1-300)" > "$DK/failed"
	fi
	if [ ! -f "$DK/failed" ]; then
		cp "$RFS/bin/busybox" "$DK/img/bin/"
		if ! cc -static -O2 -o "$DK/img/bin/sctest" tests/sctest.c 2>"$DK/cc.log"; then
			echo "cannot build tests/sctest.c" > "$DK/failed"
		else
			for a in $("$DK/img/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$DK/img/bin/$a"; done
			printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/tmp:/bin/sh\n' > "$DK/img/etc/passwd"
			printf 'root:x:0:\nuser:x:1000:\n' > "$DK/img/etc/group"
			tar -C "$DK/img" -cf "$DK/bb.tar" .
			dk import "$DK/bb.tar" $DKIMG:latest >/dev/null 2>"$DK/err" || echo "docker import: $(errsum "$(cat "$DK/err")")" > "$DK/failed"
		fi
	fi
	if [ -f "$DK/failed" ]; then fail "$(cat "$DK/failed")"; return 1; fi
	touch "$DK/ready"
}

# idempotent; does nothing when docker was never started
docker_cleanup() {
	[ -n "${DK_PID:-}" ] || return 0
	local p c m n d ctd
	if alive "$DK_PID"; then
		c=$(dk ps -aq 2>/dev/null); [ -z "$c" ] || dk rm -f $c >/dev/null 2>&1
		ctd=$(cat "$DK/exec/containerd/containerd.pid" 2>/dev/null)
		kill "$DK_PID" 2>/dev/null
		waitfor 150 eval '! alive $DK_PID' || kill -KILL "$DK_PID" 2>/dev/null
	fi
	wait "$DK_PID" 2>/dev/null
	# the managed containerd and shims name the exec root; container
	# processes left are in the cgroups under our parent (thawed first)
	# (a shim killed leaves its socket in /run/containerd/s: removed)
	[ -n "${ctd:-}" ] && alive "$ctd" && kill -KILL "$ctd" 2>/dev/null
	local socks=''
	for p in /proc/[0-9]*; do
		case $({ tr '\0' ' ' < "$p/cmdline"; } 2>/dev/null) in *"$DKX/"*|*"$DK/"*)
			socks="$socks $(ss -xlpn 2>/dev/null | awk -v p="pid=${p#/proc/}," 'index($0, p) && $5 ~ /^\/run\/containerd\/s\// {print $5}')"
			kill -KILL "${p#/proc/}" 2>/dev/null ;;
		esac
	done
	for p in $socks; do rm -f "$p"; done
	for c in /sys/fs/cgroup/freezer/$DK_CGP/*/freezer.state; do [ -f "$c" ] && echo THAWED > "$c"; done 2>/dev/null
	for c in /sys/fs/cgroup/pids/$DK_CGP/*/cgroup.procs /sys/fs/cgroup/$DK_CGP/*/cgroup.procs; do
		[ -f "$c" ] && for p in $(cat "$c"); do kill -KILL "$p" 2>/dev/null; done
	done 2>/dev/null
	# mounts under the data and exec roots, deepest first
	for n in 1 2 3; do
		m=$(awk -v a="$DK/" 'index($5, a) == 1 {print $5}' /proc/self/mountinfo | sort -r)
		[ -z "$m" ] && break
		for p in $m; do umount -l "$p" 2>/dev/null; done
	done
	rm -f "$DKX"
	for d in ${DK_HOSTDIRS:-}; do rmdir "$d" 2>/dev/null; done
	sleep 0.2
	for c in /sys/fs/cgroup/*/$DK_CGP/* /sys/fs/cgroup/$DK_CGP/*; do [ -d "$c" ] && rmdir "$c"; done 2>/dev/null
	for c in /sys/fs/cgroup/*/$DK_CGP /sys/fs/cgroup/$DK_CGP; do [ -d "$c" ] && rmdir "$c"; done 2>/dev/null
	DK_PID=''
	return 0
}

# dk_cg CONTROLLER ID: the container's cgroup directory on the host
dk_cg() {
	if [ "$DK_CGV" = 2 ]; then echo "/sys/fs/cgroup/$DK_CGP/$2"; else echo "/sys/fs/cgroup/$1/$DK_CGP/$2"; fi
}
# in-container script printing the container's own cgroup limits as
# "mem memsw pids quota/period shares-or-weight cpus"
DK_CGREAD='if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
	c=/sys/fs/cgroup; m=$(cat $c/memory.max); s=$(cat $c/memory.swap.max 2>/dev/null)
	case $m$s in *max*) ms=$s ;; *) ms=$((m + s)) ;; esac
	echo $m $ms $(cat $c/pids.max) $(cat $c/cpu.max | tr " " /) w$(cat $c/cpu.weight) $(cat $c/cpuset.cpus)
else
	c=/sys/fs/cgroup
	echo $(cat $c/memory/memory.limit_in_bytes) $(cat $c/memory/memory.memsw.limit_in_bytes 2>/dev/null || echo -) $(cat $c/pids/pids.max) \
		$(cat $c/cpu/cpu.cfs_quota_us)/$(cat $c/cpu/cpu.cfs_period_us) s$(cat $c/cpu/cpu.shares) $(cat $c/cpuset/cpuset.cpus)
fi'
# dk_cgwant MEM MEMSW PIDS QUOTA PERIOD SHARES CPUS: what DK_CGREAD prints
dk_cgwant() {
	local w="s$6"
	if [ "$DK_CGV" = 2 ]; then
		w="w$((1 + (($6 - 2) * 9999) / 262142))"
		[ "$4" = -1 ] && set -- "$1" "$2" "$3" max "$5" "$6" "$7"
	fi
	[ -f /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes ] || [ "$DK_CGV" = 2 ] || set -- "$1" - "$3" "$4" "$5" "$6" "$7"
	echo "$1 $2 $3 $4/$5 $w $7"
}

# docker run: output and exit codes (a missing command is 127: Docker
# reads the runtime's error for "executable file not found"/"no such
# file"), stdin with -i, env, workdir (created), user (the files it
# writes on a bind mount are its own), hostname, --rm, and the runtime
# that ran it ($OCIRUN's own state under Docker's runtime root)
t_docker_run() {
	docker_setup || return
	local out rc v=$TMP/dkrun id st
	mkdir -p "$v"; chmod 777 "$v"
	out=$(dkrun --rm --name ocirun-dk-run $DKIMG sh -c 'echo hello; exit 7' 2>"$DK/err"); rc=$?
	dkexpect "docker run output" "$out" hello
	dkexpect "docker run exit code" "$rc" 7
	[ -z "$(dk ps -aq --filter name=ocirun-dk-run)" ] || fail "--rm left the container"
	dkrun --rm $DKIMG nosuchcmd >/dev/null 2>"$DK/err"; rc=$?
	dkexpect "exit code of a missing command" "$rc" 127
	# (the client reads the runtime's words, Go's: "no such file or
	# directory" is 127, "permission denied" 126)
	dkrun --rm $DKIMG /nosuch/cmd >/dev/null 2>"$DK/err"; rc=$?
	dkexpect "exit code of a missing command by its path" "$rc" 127
	dkrun --rm $DKIMG /etc/passwd >/dev/null 2>"$DK/err"; rc=$?
	dkexpect "exit code of a command that is not executable" "$rc" 126
	dkexpect "docker run -i (stdin)" "$(echo piped | dkrun --rm -i $DKIMG cat 2>&1)" piped
	out=$(dkrun --rm -e FOO=bar -w /new/dir -u 1000:1000 --hostname dkhost -v "$v:/data" $DKIMG \
		sh -c 'echo $FOO; pwd; id -u; id -g; hostname; cat /etc/hostname; echo $PATH; touch /data/byuser' 2>"$DK/err")
	dkexpect "env, workdir, user, hostname" "$(echo $out)" "bar /new/dir 1000 1000 dkhost dkhost /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	dkexpect "owner on the host of a file the user wrote" "$(stat -c %u:%g "$v/byuser" 2>&1)" 1000:1000
	# the runtime Docker ran is $OCIRUN: the container's state is its own
	dkrun -d --name ocirun-dk-which $DKIMG sleep 100 >/dev/null 2>"$DK/err" || { fail "run -d: $(errsum "$(cat "$DK/err")")"; return; }
	id=$(dkst ocirun-dk-which '{{.Id}}')
	dkexpect "HostConfig.Runtime" "$(dkst ocirun-dk-which '{{.HostConfig.Runtime}}')" ocirun
	st=$(ls -d "$DK"/exec/runtime-*/moby/"$id" 2>/dev/null | head -1)
	[ -n "$st" ] || { fail "no runtime state for $id under $DK/exec/runtime-*/moby"; return; }
	dkexpect "the runtime's own state of the container" \
		"$("$OCIRUN" --root "${st%/*}" state "$id" 2>&1 | jq -r '"\(.status) \(.pid)"' 2>&1)" "running $(dkst ocirun-dk-which '{{.State.Pid}}')"
}

# read-only root, tmpfs (its size enforced), bind volumes rw and ro,
# a named volume shared by two containers, --shm-size
t_docker_mounts() {
	docker_setup || return
	local v=$TMP/dkmnt out mp
	mkdir -p "$v/rw" "$v/ro"; echo host-file > "$v/ro/f"
	out=$(dkrun --rm --read-only --tmpfs /scratch:size=1m -v "$v/rw:/rw" -v "$v/ro:/ro:ro" $DKIMG sh -c '
		touch /x 2>/dev/null && echo root-rw || echo root-ro
		awk "\$2 == \"/\" {print \$4}" /proc/mounts | cut -d, -f1
		awk "\$2 == \"/scratch\" {print \$3, \$4}" /proc/mounts | grep -o "^tmpfs .*size=1024k" | cut -d" " -f1
		dd if=/dev/zero of=/scratch/f bs=1k count=2000 2>/dev/null && echo tmpfs-unlimited || echo tmpfs-full $(stat -c %s /scratch/f)
		echo in-container > /rw/f && echo rw-ok
		cat /ro/f; echo x > /ro/f 2>/dev/null && echo ro-written || echo ro-refused' 2>"$DK/err")
	dkexpect "read-only root, tmpfs, volumes" "$(echo $out)" "root-ro ro tmpfs tmpfs-full 1048576 rw-ok host-file ro-refused"
	dkexpect "bind volume seen on the host" "$(cat "$v/rw/f" 2>&1)" in-container
	dkexpect "ro volume unchanged" "$(cat "$v/ro/f" 2>&1)" host-file
	dk volume create ocirun-dk-vol >/dev/null 2>&1 || { fail "docker volume create"; return; }
	dkrun --rm -v ocirun-dk-vol:/v $DKIMG sh -c 'echo named > /v/f' >/dev/null 2>"$DK/err" || fail "write to a named volume: $(errsum "$(cat "$DK/err")")"
	dkexpect "named volume in a second container" "$(dkrun --rm -v ocirun-dk-vol:/v:ro $DKIMG cat /v/f 2>&1)" named
	mp=$(dk volume inspect -f '{{.Mountpoint}}' ocirun-dk-vol 2>/dev/null)
	dkexpect "named volume on the host" "$(cat "$mp/f" 2>&1)" named
	dk volume rm ocirun-dk-vol >/dev/null 2>&1 || fail "docker volume rm"
	out=$(dkrun --rm --shm-size 32m $DKIMG sh -c 'awk "\$2 == \"/dev/shm\" {print \$4}" /proc/mounts | grep -o "size=[0-9]*k"; dd if=/dev/zero of=/dev/shm/f bs=1M count=40 2>/dev/null; stat -c %s /dev/shm/f' 2>&1)
	dkexpect "--shm-size 32m: mount and a write over it" "$(echo $out)" "size=32768k 33554432"
	dkexpect "default /dev/shm" "$(dkrun --rm $DKIMG sh -c 'awk "\$2 == \"/dev/shm\" {print \$4}" /proc/mounts | grep -o "size=[0-9]*k"' 2>&1)" size=65536k
	# a file bound onto a directory: Docker's hint (it reads "not a
	# directory" in the runtime's error) and the exit code it records
	dkrun --name ocirun-dk-fod -v "$v/ro/f:/tmp" $DKIMG true >/dev/null 2>"$DK/err"
	grep -q 'Are you trying to mount a directory onto a file' "$DK/err" || fail "a file onto a directory: $(errsum "$(cat "$DK/err")")"
	dkexpect "a file onto a directory: State.ExitCode" "$(dkst ocirun-dk-fod '{{.State.ExitCode}}')" 127
	dk rm -f ocirun-dk-fod >/dev/null 2>&1
}

# capabilities (Docker's default set, --cap-drop, --cap-add; each seen in
# /proc/self/status and in what the process may do), a non-root user's
# empty sets, no-new-privileges, masked and read-only /proc paths
t_docker_security() {
	docker_setup || return
	local out
	out=$(dkrun --rm $DKIMG sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status | cut -f2; grep NoNewPrivs /proc/self/status | cut -f2; touch /f; chown 1 /f && echo chown-ok' 2>"$DK/err")
	dkexpect "default: CapEff CapBnd NoNewPrivs chown" "$(echo $out)" "00000000a80425fb 00000000a80425fb 0 chown-ok"
	out=$(dkrun --rm --cap-drop CHOWN $DKIMG sh -c 'grep CapEff /proc/self/status | cut -f2; touch /f; chown 1 /f 2>/dev/null || echo chown-refused' 2>"$DK/err")
	dkexpect "--cap-drop CHOWN" "$(echo $out)" "00000000a80425fa chown-refused"
	out=$(dkrun --rm --cap-drop ALL --cap-add NET_ADMIN $DKIMG sh -c 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status | cut -f2; ip link set lo mtu 1280 && cat /sys/class/net/lo/mtu; touch /f; chown 1 /f 2>/dev/null || echo chown-refused' 2>"$DK/err")
	dkexpect "--cap-drop ALL --cap-add NET_ADMIN" "$(echo $out)" "0000000000001000 0000000000001000 0000000000001000 1280 chown-refused"
	out=$(dkrun --rm --cap-add SYS_ADMIN $DKIMG sh -c 'mount -t tmpfs none /tmp && grep -c " /tmp tmpfs" /proc/mounts' 2>&1)
	dkexpect "--cap-add SYS_ADMIN: mount works" "$out" 1
	out=$(dkrun --rm -u 1000 $DKIMG sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status | cut -f2' 2>&1)
	dkexpect "user 1000: CapEff, CapBnd" "$(echo $out)" "0000000000000000 00000000a80425fb"
	dkexpect "--security-opt no-new-privileges" "$(dkrun --rm --security-opt no-new-privileges $DKIMG sh -c 'grep NoNewPrivs /proc/self/status | cut -f2' 2>&1)" 1
	out=$(dkrun --rm $DKIMG sh -c 'wc -c < /proc/timer_list; awk "\$2 == \"/proc/acpi\" || \$2 == \"/proc/sys\" || \$2 == \"/proc/irq\" {print \$2, \$3, \$4}" /proc/mounts | cut -d, -f1 | sort' 2>&1)
	dkexpect "masked /proc/timer_list and /proc/acpi, read-only /proc/sys and /proc/irq" "$(echo $out)" "0 /proc/acpi tmpfs ro /proc/irq proc ro /proc/sys proc ro"
}

# --privileged asks for every capability the kernel has; where the host's
# bounding set lacks one (here CAP_SYS_RESOURCE) no runtime can grant it
# and runc refuses.  What a Docker user does there: --cap-add ALL minus
# the missing ones, seccomp and system paths unconfined.
t_docker_privileged() {
	docker_setup || return
	local out bnd last all missing='' c blk
	bnd=$(grep CapBnd /proc/self/status | cut -f2)
	last=$(cat /proc/sys/kernel/cap_last_cap)
	all=$(( (1 << (last + 1)) - 1 ))
	for c in $(seq 0 "$last"); do
		[ $(( 0x$bnd >> c & 1 )) = 1 ] || missing="$missing $c"
	done
	local drops='' names=(CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
		NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE
		SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL
		SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE)
	for c in $missing; do drops="$drops --cap-drop ${names[$c]:-$c}"; done
	out=$(dkrun --rm --cap-add ALL $drops --security-opt seccomp=unconfined --security-opt systempaths=unconfined $DKIMG sh -c '
		grep -E "^Cap(Eff|Bnd)" /proc/self/status | cut -f2; grep ^Seccomp: /proc/self/status | cut -f2
		[ $(wc -c < /proc/timer_list) -gt 0 ] && echo unmasked; grep -c " /proc/sys " /proc/mounts
		mount -t tmpfs none /tmp && echo mounted' 2>"$DK/err")
	set -- $out
	if [ $# -ne 6 ]; then fail "--cap-add ALL$drops: $(echo $out) $(errsum "$(cat "$DK/err")")"
	else
		[ "$1" = "$2" ] || fail "--cap-add ALL: CapEff $1 is not CapBnd $2"
		[ $(( 0x$1 & ~0x$bnd )) = 0 ] || fail "--cap-add ALL: CapEff $1 beyond the host's bounding set $bnd"
		[ $(( 0x$1 & 0x200000 )) != 0 ] && [ $(( 0x$1 & 0x1000 )) != 0 ] || fail "--cap-add ALL: CapEff $1 lacks SYS_ADMIN or NET_ADMIN"
		dkexpect "seccomp, system paths unconfined, mount" "$3 $4 $5 $6" "0 unmasked 0 mounted"
	fi
	blk=$(ls /sys/block | grep -v '^loop' | head -1)
	out=$(dkrun --rm --privileged $DKIMG sh -c "grep -E '^Cap(Eff|Bnd)' /proc/self/status | cut -f2; grep ^Seccomp: /proc/self/status | cut -f2
		test -b /dev/${blk:-loop0} && echo host-dev; awk '\$2 == \"/sys\" {print \$4}' /proc/mounts | cut -d, -f1" 2>"$DK/err")
	if [ -n "$out" ]; then
		set -- $out
		[ $(( 0x$1 & 0x200000 )) != 0 ] || fail "--privileged: CapEff $1 lacks CAP_SYS_ADMIN"
		[ $(( 0x$1 & ~0x$bnd )) = 0 ] || fail "--privileged: CapEff $1 beyond the host's bounding set $bnd"
		dkexpect "--privileged: seccomp, host devices, /sys" "${3:-} ${4:-} ${5:-}" "0 host-dev rw"
	elif [ $(( 0x$bnd & all )) != $all ] && grep -qi 'cap' "$DK/err"; then
		echo "# docker_privileged: --privileged refused, the host's bounding set lacks caps$missing: $(errsum "$(cat "$DK/err")")"
	else
		fail "--privileged: $(errsum "$(cat "$DK/err")")"
	fi
}

# Docker's default seccomp profile: a call it refuses and the kernel
# allows fails with EPERM, in the container and in an exec'd process;
# unconfined, it works; a profile given with --security-opt applies
t_docker_seccomp() {
	docker_setup || return
	local out p=$TMP/dk-seccomp.json
	out=$(dkrun --rm $DKIMG sh -c 'grep -E "^Seccomp(_filters)?:" /proc/self/status | cut -f2; sctest personality-norandom getpid' 2>"$DK/err")
	dkexpect "default profile" "$(echo $out)" "2 1 personality-norandom=EPERM getpid=ok"
	out=$(dkrun --rm --security-opt seccomp=unconfined $DKIMG sh -c 'grep ^Seccomp: /proc/self/status | cut -f2; sctest personality-norandom' 2>"$DK/err")
	dkexpect "seccomp=unconfined" "$(echo $out)" "0 personality-norandom=ok"
	printf '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["getitimer"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}\n' > "$p"
	out=$(dkrun --rm --security-opt seccomp="$p" $DKIMG sctest getitimer personality-norandom 2>"$DK/err")
	dkexpect "--security-opt seccomp=FILE" "$(echo $out)" "getitimer=EPERM personality-norandom=ok"
	dkrun -d --name ocirun-dk-sc $DKIMG sleep 100 >/dev/null 2>"$DK/err" || { fail "run -d: $(errsum "$(cat "$DK/err")")"; return; }
	out=$(dk exec ocirun-dk-sc sh -c 'grep ^Seccomp: /proc/self/status | cut -f2; sctest personality-norandom' 2>&1)
	dkexpect "exec'd process under the profile" "$(echo $out)" "2 personality-norandom=EPERM"
}

# memory (and swap), memory reservation, pids, cpu quota, shares and
# cpuset seen from inside and on the host; pids enforced; ulimits (given
# and the daemon's default); oom_score_adj
t_docker_limits() {
	docker_setup || return
	local out id pid cpu d
	cpu=$(( $(nproc) - 1 ))
	out=$(dkrun --rm --memory 48m --memory-swap 96m --pids-limit 20 --cpus 0.5 --cpu-shares 512 --cpuset-cpus $cpu $DKIMG sh -c "$DK_CGREAD" 2>"$DK/err")
	dkexpect "limits inside" "$out" "$(dk_cgwant 50331648 100663296 20 50000 100000 512 $cpu)"
	dkrun -d --name ocirun-dk-lim --memory 48m --memory-reservation 32m --pids-limit 20 --oom-score-adj 500 \
		--ulimit nofile=100:200 --ulimit nproc=500:600 $DKIMG sleep 100 >/dev/null 2>"$DK/err" || { fail "run -d with limits: $(errsum "$(cat "$DK/err")")"; return; }
	id=$(dkst ocirun-dk-lim '{{.Id}}') pid=$(dkst ocirun-dk-lim '{{.State.Pid}}')
	d=$(dk_cg pids "$id")
	grep -qx "$pid" "$d/cgroup.procs" 2>/dev/null || fail "init $pid is not in $d"
	dkexpect "pids.max on the host" "$(cat "$d/pids.max" 2>&1)" 20
	if [ "$DK_CGV" = 1 ]; then
		dkexpect "memory limit, reservation on the host" "$(cat "$(dk_cg memory "$id")"/memory.{limit,soft_limit}_in_bytes 2>&1 | tr '\n' ' ')" "50331648 33554432 "
	else
		dkexpect "memory.max, memory.low on the host" "$(cat "$d"/memory.{max,low} 2>&1 | tr '\n' ' ')" "50331648 33554432 "
	fi
	out=$(dk exec ocirun-dk-lim sh -c 'ulimit -n; ulimit -Hn; grep "Max processes" /proc/1/limits | tr -s " " | cut -d" " -f3,4; cat /proc/1/oom_score_adj' 2>&1)
	dkexpect "ulimits, oom_score_adj" "$(echo $out)" "100 200 500 600 500"
	dkexpect "oom_score_adj on the host" "$(cat /proc/$pid/oom_score_adj 2>&1)" 500
	dkexpect "the daemon's default nofile" "$(dkrun --rm $DKIMG sh -c 'ulimit -n; ulimit -Hn' 2>&1 | tr '\n' ' ')" "1024 1024 "
	# busybox sh gives up at the first fork that fails: count the ones that worked
	out=$(dkrun --rm --pids-limit 10 $DKIMG sh -c 'i=0; while [ $i -lt 20 ]; do sleep 5 & i=$((i+1)); echo $i; done' 2>/dev/null | tail -1)
	dkexpect "background processes started under --pids-limit 10" "$out" 9
}

# --device (with r only: the devices cgroup refuses a write), --sysctl
# (namespaced: the host's value unchanged), --network none and host,
# --pid host, --init (the command is not pid 1: it can be SIGKILLed)
t_docker_devices_net() {
	docker_setup || return
	local out dev='' d hostfwd
	for d in /dev/loop7 /dev/loop0 /dev/loop1; do [ -b "$d" ] && { dev=$d; break; }; done
	if [ -n "$dev" ]; then
		out=$(dkrun --rm --device "$dev:/dev/mydev:r" $DKIMG sh -c 'stat -c "%t:%T" /dev/mydev; (: < /dev/mydev) && echo read-ok; (: > /dev/mydev) 2>/dev/null && echo written || echo write-refused' 2>"$DK/err")
		dkexpect "--device $dev:/dev/mydev:r" "$(echo $out)" "$(stat -c '%t:%T' "$dev") read-ok write-refused"
	else
		echo "# docker_devices_net: no loop device for --device"
	fi
	dkexpect "--device /dev/null:/dev/mynull" "$(dkrun --rm --device /dev/null:/dev/mynull $DKIMG sh -c 'echo x > /dev/mynull && stat -c "%t:%T" /dev/mynull' 2>&1)" 1:3
	hostfwd=$(cat /proc/sys/net/ipv4/ip_forward)
	out=$(dkrun --rm --sysctl net.ipv4.ip_forward=$((1 - hostfwd)) --sysctl kernel.msgmax=12345 $DKIMG sh -c 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/msgmax' 2>"$DK/err")
	dkexpect "--sysctl" "$(echo $out)" "$((1 - hostfwd)) 12345"
	dkexpect "host's ip_forward unchanged" "$(cat /proc/sys/net/ipv4/ip_forward)" "$hostfwd"
	out=$(dkrun --rm --network none $DKIMG sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; readlink /proc/self/ns/net' 2>&1)
	[ "$(printf '%s\n' "$out" | head -1)" = lo ] && [ "$(printf '%s\n' "$out" | wc -l)" = 2 ] || fail "--network none: interfaces $(echo $out)"
	[ "$(printf '%s\n' "$out" | tail -1)" != "$(readlink /proc/$$/ns/net)" ] || fail "--network none: the host's network namespace"
	dkexpect "--network host" "$(dkrun --rm --network host $DKIMG readlink /proc/self/ns/net 2>&1)" "$(readlink /proc/$$/ns/net)"
	dkexpect "--pid host" "$(dkrun --rm --pid host $DKIMG readlink /proc/self/ns/pid 2>&1)" "$(readlink /proc/$$/ns/pid)"
	out=$(dkrun --rm --init $DKIMG sh -c 'tr "\0" " " < /proc/1/cmdline; echo; echo $$' 2>&1)
	case $(printf '%s\n' "$out" | head -1) in *docker-init*) ;; *) fail "--init: pid 1 is $(printf '%s\n' "$out" | head -1)" ;; esac
	[ "$(printf '%s\n' "$out" | tail -1)" != 1 ] || fail "--init: the command is pid 1"
	dkrun --rm --init $DKIMG sh -c 'kill -9 $$' >/dev/null 2>&1
	dkexpect "--init: SIGKILL of the command (exit status)" "$?" 137
}

# run -d, logs, inspect (and the runtime's state), top, kill -s, pause
# and unpause (the freezer on the host), stop (SIGTERM handled), restart
# (a new init), wait, rm -f of a running container (nothing left)
t_docker_lifecycle() {
	docker_setup || return
	local c=ocirun-dk-life id pid pid2 out t
	dkrun -d --name $c $DKIMG sh -c 'echo started; trap "echo got-usr1" USR1; trap "echo got-term; exit 0" TERM; while true; do sleep 0.2; done' >/dev/null 2>"$DK/err" ||
		{ fail "docker run -d: $(errsum "$(cat "$DK/err")")"; return; }
	waitfor 50 eval 'dk logs $c 2>/dev/null | grep -q started' || fail "logs lack the output: $(dk logs $c 2>&1 | tail -2)"
	id=$(dkst $c '{{.Id}}') pid=$(dkst $c '{{.State.Pid}}')
	dkexpect "inspect: status" "$(dkst $c '{{.State.Status}} {{.State.Running}}')" "running true"
	case $({ tr '\0' ' ' < /proc/${pid:-0}/cmdline; } 2>/dev/null) in "sh -c echo started"*) ;; *) fail "inspect: pid ${pid:-?} is not the container's sh" ;; esac
	dk top $c 2>"$DK/err" | awk 'NR > 1 {print $2}' | grep -qx "$pid" || fail "docker top lacks pid $pid: $(dk top $c 2>&1 | tr '\n' '|' | cut -c1-300)"
	dk kill -s USR1 $c >/dev/null 2>"$DK/err" || fail "docker kill -s USR1: $(errsum "$(cat "$DK/err")")"
	waitfor 50 eval 'dk logs $c 2>/dev/null | grep -q got-usr1' || fail "USR1 did not reach the process"
	dk pause $c >/dev/null 2>"$DK/err" || fail "docker pause: $(errsum "$(cat "$DK/err")")"
	dkexpect "status after pause" "$(dkst $c '{{.State.Status}}')" paused
	if [ "$DK_CGV" = 1 ]; then
		dkexpect "freezer on the host" "$(cat "$(dk_cg freezer "$id")/freezer.state" 2>&1)" FROZEN
	else
		dkexpect "cgroup.freeze on the host" "$(cat "$(dk_cg - "$id")/cgroup.freeze" 2>&1)" 1
	fi
	dk unpause $c >/dev/null 2>"$DK/err" || fail "docker unpause: $(errsum "$(cat "$DK/err")")"
	dkexpect "status after unpause" "$(dkst $c '{{.State.Status}}')" running
	[ "$DK_CGV" = 1 ] && dkexpect "freezer after unpause" "$(cat "$(dk_cg freezer "$id")/freezer.state" 2>&1)" THAWED
	dkexpect "exec after unpause" "$(dk exec $c echo alive 2>&1)" alive
	t=$(date +%s)
	dk stop -t 10 $c >/dev/null 2>"$DK/err" || fail "docker stop: $(errsum "$(cat "$DK/err")")"
	[ $(( $(date +%s) - t )) -lt 8 ] || fail "docker stop took $(( $(date +%s) - t )) s although the process exits on SIGTERM"
	dk logs $c 2>/dev/null | grep -q got-term || fail "stop did not send SIGTERM"
	dkexpect "after stop: status, exit code" "$(dkst $c '{{.State.Status}} {{.State.ExitCode}}')" "exited 0"
	alive "$pid" && fail "process $pid alive after stop"
	dk restart -t 2 $c >/dev/null 2>"$DK/err" || fail "docker restart: $(errsum "$(cat "$DK/err")")"
	pid2=$(dkst $c '{{.State.Pid}}')
	dkexpect "status after restart" "$(dkst $c '{{.State.Status}}')" running
	[ -n "$pid2" ] && [ "$pid2" != "$pid" ] && alive "$pid2" || fail "restart: pid $pid2 (was $pid)"
	dkexpect "exec after restart" "$(dk exec $c echo alive 2>&1)" alive
	dk rm -f $c >/dev/null 2>"$DK/err" || fail "docker rm -f: $(errsum "$(cat "$DK/err")")"
	[ -z "$(dk ps -aq --filter name=$c)" ] || fail "container left after rm -f"
	waitfor 30 eval '! alive $pid2' || fail "process $pid2 alive after rm -f"
	waitfor 30 eval '[ ! -d "$(dk_cg pids "$id")" ]' || fail "cgroup $(dk_cg pids "$id") left after rm -f"
	[ -z "$(ls -d "$DK"/exec/runtime-*/moby/"$id" 2>/dev/null)" ] || fail "runtime state left after rm -f"
	dkrun -d --name ocirun-dk-wait $DKIMG sh -c 'sleep 1; exit 5' >/dev/null 2>&1
	dkexpect "docker wait" "$(dk wait ocirun-dk-wait 2>&1)" 5
}

# stop of a process that ignores SIGTERM falls back to SIGKILL after -t;
# docker kill (SIGKILL) gives 137
t_docker_stop_kill() {
	docker_setup || return
	local c=ocirun-dk-stop t el pid
	dkrun -d --name $c $DKIMG sh -c 'trap "" TERM; echo ready; while true; do sleep 0.2; done' >/dev/null 2>"$DK/err" ||
		{ fail "docker run -d: $(errsum "$(cat "$DK/err")")"; return; }
	waitfor 50 eval 'dk logs $c 2>/dev/null | grep -q ready'
	pid=$(dkst $c '{{.State.Pid}}')
	t=$(date +%s%N)
	dk stop -t 2 $c >/dev/null 2>"$DK/err" || fail "docker stop -t 2: $(errsum "$(cat "$DK/err")")"
	el=$(( ($(date +%s%N) - t) / 1000000 ))
	[ "$el" -ge 1900 ] && [ "$el" -lt 10000 ] || fail "stop -t 2 of a process ignoring SIGTERM took $el ms"
	dkexpect "after the SIGKILL fallback: status, exit code" "$(dkst $c '{{.State.Status}} {{.State.ExitCode}}')" "exited 137"
	alive "$pid" && fail "process $pid alive after stop"
	dk start $c >/dev/null 2>"$DK/err" || fail "docker start: $(errsum "$(cat "$DK/err")")"
	pid=$(dkst $c '{{.State.Pid}}')
	dk kill $c >/dev/null 2>"$DK/err" || fail "docker kill: $(errsum "$(cat "$DK/err")")"
	waitfor 50 eval '[ "$(dkst $c "{{.State.Status}}")" = exited ]'
	dkexpect "after docker kill: status, exit code" "$(dkst $c '{{.State.Status}} {{.State.ExitCode}}')" "exited 137"
	alive "$pid" && fail "process $pid alive after docker kill"
	return 0
}

# exec: exit code, -u -w -e, the container's env, namespaces and cgroup,
# -d, -t (a tty) and -it through script(1)
t_docker_exec() {
	docker_setup || return
	local c=ocirun-dk-exec out pid id
	dkrun -d --name $c -e RUNENV=r1 $DKIMG sleep 1000 >/dev/null 2>"$DK/err" || { fail "docker run -d: $(errsum "$(cat "$DK/err")")"; return; }
	pid=$(dkst $c '{{.State.Pid}}') id=$(dkst $c '{{.Id}}')
	dk exec $c sh -c 'exit 3' >/dev/null 2>&1; dkexpect "exec exit code" "$?" 3
	dkexpect "exec -u -w -e" "$(dk exec -u 1000 -w /tmp -e A=b $c sh -c 'id -u; pwd; echo $A $RUNENV; grep CapEff /proc/self/status | cut -f2' 2>&1 | tr '\n' ' ')" "1000 /tmp b r1 0000000000000000 "
	out=$(dk exec $c sh -c 'tr "\0" " " < /proc/1/cmdline; echo; readlink /proc/self/ns/pid; readlink /proc/self/ns/mnt; grep CapEff /proc/self/status | cut -f2' 2>&1)
	dkexpect "exec: the container's pid 1, namespaces, caps" "$(echo $out)" "sleep 1000 $(readlink /proc/$pid/ns/pid /proc/$pid/ns/mnt | tr '\n' ' ')00000000a80425fb"
	dkexpect "exec'd process in the container's cgroup" "$(dk exec $c sh -c 'grep -E "^[0-9]+:pids:|^0::" /proc/self/cgroup | head -1 | cut -d: -f3' 2>&1)" \
		"$(grep -E '^[0-9]+:pids:|^0::' /proc/$pid/cgroup | head -1 | cut -d: -f3)"
	dk exec -d $c sh -c 'echo detached > /tmp/d' >/dev/null 2>"$DK/err" || fail "exec -d: $(errsum "$(cat "$DK/err")")"
	waitfor 30 eval 'dk exec $c cat /tmp/d 2>/dev/null | grep -q detached' || fail "exec -d did not run"
	out=$(dk exec -t $c sh -c 'tty; stty size' 2>&1 | tr -d '\r')
	case $out in /dev/pts/*) ;; *) fail "exec -t: no tty: $(echo $out)" ;; esac
	if command -v script >/dev/null; then
		out=$( (sleep 1; printf 'tty; echo marker-$((6*7))\nexit 6\n') | timeout 60 script -qec \
			"DOCKER_HOST=unix://$DK/sock DOCKER_CONFIG=$DK/client $DK_CLI exec -it $c sh" /dev/null 2>&1 | tr -d '\r')
		printf '%s\n' "$out" | grep -q '^/dev/pts/' && printf '%s\n' "$out" | grep -q marker-42 ||
			fail "exec -it: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-200)"
		out=$( (sleep 1; printf 'tty\nexit 5\n') | timeout 60 script -qec \
			"DOCKER_HOST=unix://$DK/sock DOCKER_CONFIG=$DK/client $DK_CLI run --runtime ocirun -it --rm $DKIMG sh; echo rc=\$?" /dev/null 2>&1 | tr -d '\r')
		printf '%s\n' "$out" | grep -q '^/dev/pts/0' && printf '%s\n' "$out" | grep -q '^rc=5' ||
			fail "run -it: $(printf '%s' "$out" | tr '\n' '|' | cut -c1-200)"
	fi
}

# docker update of memory, swap, cpus, shares, pids seen from inside;
# stats shows the new memory limit
t_docker_update() {
	docker_setup || return
	local c=ocirun-dk-upd cpu
	cpu=$(( $(nproc) - 1 ))
	dkrun -d --name $c --memory 32m --memory-swap 64m --cpus 0.5 --pids-limit 20 --cpuset-cpus $cpu $DKIMG sleep 1000 >/dev/null 2>"$DK/err" ||
		{ fail "docker run -d: $(errsum "$(cat "$DK/err")")"; return; }
	dkexpect "limits before update" "$(dk exec $c sh -c "$DK_CGREAD" 2>&1)" "$(dk_cgwant 33554432 67108864 20 50000 100000 1024 $cpu)"
	dk update --memory 48m --memory-swap 96m $c >/dev/null 2>"$DK/err" || fail "update --memory: $(errsum "$(cat "$DK/err")")"
	dk update --cpus 0.25 --cpu-shares 256 --pids-limit 40 $c >/dev/null 2>"$DK/err" || fail "update --cpus --cpu-shares --pids-limit: $(errsum "$(cat "$DK/err")")"
	dkexpect "limits after update" "$(dk exec $c sh -c "$DK_CGREAD" 2>&1)" "$(dk_cgwant 50331648 100663296 40 25000 100000 256 $cpu)"
	dk stats --no-stream --format '{{.MemUsage}}' $c 2>"$DK/err" | grep -q '/ 48MiB$' || fail "docker stats: $(dk stats --no-stream $c 2>&1 | tail -1)"
	dkexpect "inspect after update" "$(dkst $c '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}')" "50331648 250000000 40"
}

# an OOM kill: exit 137 and Docker's OOMKilled flag (the shim's cgroup
# OOM event); a container that is not OOM-killed has it false
t_docker_oom() {
	docker_setup || return
	dkrun --name ocirun-dk-oom --memory 32m --memory-swap 32m $DKIMG dd if=/dev/zero of=/dev/null bs=64M count=1 >/dev/null 2>&1
	dkexpect "exit status of a process OOM-killed under --memory 32m" "$?" 137
	waitfor 30 eval '[ "$(dkst ocirun-dk-oom "{{.State.OOMKilled}}")" = true ]'
	dkexpect "State.OOMKilled, ExitCode" "$(dkst ocirun-dk-oom '{{.State.OOMKilled}} {{.State.ExitCode}}')" "true 137"
	dkrun --name ocirun-dk-nooom --memory 32m $DKIMG dd if=/dev/zero of=/dev/null bs=1M count=1 >/dev/null 2>&1
	dkexpect "State.OOMKilled, ExitCode without OOM" "$(dkst ocirun-dk-nooom '{{.State.OOMKilled}} {{.State.ExitCode}}')" "false 0"
}

# --restart on-failure:2 restarts twice (RestartCount 2, three runs
# logged), a healthcheck run by exec turns healthy, a failing one unhealthy
t_docker_restart_health() {
	docker_setup || return
	local c=ocirun-dk-rst
	dkrun -d --name $c --restart on-failure:2 $DKIMG sh -c 'echo run; exit 3' >/dev/null 2>"$DK/err" || { fail "docker run -d: $(errsum "$(cat "$DK/err")")"; return; }
	waitfor 200 eval '[ "$(dkst $c "{{.RestartCount}} {{.State.Status}}")" = "2 exited" ]'
	dkexpect "RestartCount, status, exit code" "$(dkst $c '{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}')" "2 exited 3"
	dkexpect "runs logged" "$(dk logs $c 2>&1 | grep -c '^run$')" 3
	dkrun -d --name ocirun-dk-hl --health-cmd 'test -f /tmp/ok' --health-interval 1s --health-retries 1 $DKIMG sh -c 'sleep 1; touch /tmp/ok; exec sleep 1000' >/dev/null 2>"$DK/err" ||
		{ fail "docker run --health-cmd: $(errsum "$(cat "$DK/err")")"; return; }
	dkrun -d --name ocirun-dk-uh --health-cmd 'exit 1' --health-interval 1s --health-retries 1 $DKIMG sleep 1000 >/dev/null 2>&1
	waitfor 150 eval '[ "$(dkst ocirun-dk-hl "{{.State.Health.Status}}")" = healthy ]' ||
		fail "health: $(dkst ocirun-dk-hl '{{.State.Health.Status}} {{json .State.Health.Log}}' | cut -c1-300)"
	waitfor 150 eval '[ "$(dkst ocirun-dk-uh "{{.State.Health.Status}}")" = unhealthy ]' ||
		fail "failing healthcheck: $(dkst ocirun-dk-uh '{{.State.Health.Status}} {{json .State.Health.Log}}' | cut -c1-300)"
}

# docker cp both ways, into a running container and out of a stopped one
t_docker_cp() {
	docker_setup || return
	local c=ocirun-dk-cp d=$TMP/dkcp
	mkdir -p "$d"; echo from-host > "$d/in"
	dkrun -d --name $c $DKIMG sleep 1000 >/dev/null 2>"$DK/err" || { fail "docker run -d: $(errsum "$(cat "$DK/err")")"; return; }
	dk cp "$d/in" $c:/tmp/in >/dev/null 2>"$DK/err" || fail "docker cp into: $(errsum "$(cat "$DK/err")")"
	dkexpect "file copied in, read inside" "$(dk exec $c cat /tmp/in 2>&1)" from-host
	dk exec $c sh -c 'echo from-container > /tmp/out' >/dev/null 2>&1
	dk cp $c:/tmp/out "$d/out" >/dev/null 2>"$DK/err" || fail "docker cp out of: $(errsum "$(cat "$DK/err")")"
	dkexpect "file copied out" "$(cat "$d/out" 2>&1)" from-container
	dk stop -t 1 $c >/dev/null 2>&1
	dk cp $c:/tmp/in "$d/back" >/dev/null 2>"$DK/err" || fail "docker cp out of a stopped container: $(errsum "$(cat "$DK/err")")"
	dkexpect "copied out of the stopped container" "$(cat "$d/back" 2>&1)" from-host
}
