#!/bin/bash
# capture.sh - capture what podman and containerd's ctr hand the OCI
# runtime, into the corpus (tests/corpus/podman/, tests/corpus/ctr/).
#
#   sudo tests/differential/capture.sh [--out DIR] [podman] [ctr]
#
# A logging wrapper is given as the runtime (podman --runtime, ctr run
# --runc-binary): it copies the bundle's config.json (create/run), the
# --process file (exec) and stdin of `update --resources -`, logs its
# command line, then execs runc (/usr/sbin/runc, or $RUNC).  podman runs
# with private storage (--root/--runroot), containerd is a private
# instance (own root, state, socket); the image is busybox imported from
# the host's busybox-static.  Host paths in what was captured are replaced
# by placeholders (tests/corpus/README.md).  Everything made is removed.
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(cd "$HERE/.." && pwd)/corpus
WHAT=()
while [ $# -gt 0 ]; do
	case $1 in
	--out) OUT=$2; shift 2 ;;
	podman|ctr) WHAT+=("$1"); shift ;;
	*) echo "usage: $0 [--out DIR] [podman] [ctr]" >&2; exit 2 ;;
	esac
done
[ ${#WHAT[@]} -gt 0 ] || WHAT=(podman ctr)
[ "$(id -u)" = 0 ] || { echo "capture.sh: must run as root" >&2; exit 1; }
RUNC=${RUNC:-/usr/sbin/runc}
BUSYBOX=$(command -v busybox)
for b in /bin/busybox /usr/bin/busybox; do [ -x "$b" ] && BUSYBOX=$b; done

W=$(mktemp -d /tmp/ocirun-capture.XXXXXX)
chmod 755 "$W"
CAP=$W/cap
mkdir -p "$CAP"
CTD_PID=

cleanup() {
	set +e
	if [ -n "${PMOK:-}" ]; then
		pm rm -af -t 0 >/dev/null 2>&1
		pm volume rm -af >/dev/null 2>&1
		pm system reset -f >/dev/null 2>&1
	fi
	if [ -n "$CTD_PID" ]; then
		for c in $(ctd task ls -q 2>/dev/null); do ctd task kill -s SIGKILL "$c" >/dev/null 2>&1; ctd task delete "$c" >/dev/null 2>&1; done
		for c in $(ctd container ls -q 2>/dev/null); do ctd container delete "$c" >/dev/null 2>&1; done
		kill "$CTD_PID" 2>/dev/null; wait "$CTD_PID" 2>/dev/null
		# the shims (each names our socket on its command line)
		for p in $(grep -lsF "$W/ctd/sock" /proc/[0-9]*/cmdline | cut -d/ -f3); do kill -KILL "$p" 2>/dev/null; done
	fi
	awk -v p="$W" '{ if (index($5, p) == 1) print length($5) " " $5 }' /proc/self/mountinfo | sort -rn | cut -d' ' -f2- |
		while read -r m; do umount -l "$m" 2>/dev/null; done
	for d in /sys/fs/cgroup/*/ocirun-capture /sys/fs/cgroup/unified/ocirun-capture; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf --one-file-system "$W"
	# the shims' default state dirs, if they were made here and are empty
	[ -n "${RUN_CTD_NEW:-}" ] && find /run/containerd -depth -type d -empty -delete 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# the wrapper: saves its input under the current case's name, then runc
cat > "$W/logrt" <<EOF
#!/bin/bash
out=$CAP; label=\$(cat $W/label 2>/dev/null || echo unlabelled)
cmd='' bundle='' proc='' res=''
args=("\$@"); i=0
while [ \$i -lt \${#args[@]} ]; do
	case \${args[\$i]} in
	create|run|exec|update|start|delete|kill|state|pause|resume|ps|features) [ -z "\$cmd" ] && cmd=\${args[\$i]} ;;
	--bundle|-b) bundle=\${args[\$((i+1))]} ;;
	--process|-p) proc=\${args[\$((i+1))]} ;;
	--resources|-r) res=\${args[\$((i+1))]} ;;
	--bundle=*) bundle=\${args[\$i]#*=} ;;
	--process=*) proc=\${args[\$i]#*=} ;;
	--resources=*) res=\${args[\$i]#*=} ;;
	esac
	i=\$((i+1))
done
echo "\$label \$*" >> \$out/calls.log
case \$cmd in
create|run) [ -n "\$bundle" ] || bundle=.; cp "\$bundle/config.json" "\$out/\$label.config.json" ;;
exec) cp "\$proc" "\$out/\$label.process.json" ;;
update) if [ "\$res" = - ]; then cat > "\$out/\$label.resources.json"; exec $RUNC "\$@" < "\$out/\$label.resources.json"
	elif [ -n "\$res" ]; then cp "\$res" "\$out/\$label.resources.json"; fi ;;
esac
exec $RUNC "\$@"
EOF
chmod 755 "$W/logrt"
label() { echo "$1" > "$W/label"; }

# the image: the host's static busybox
mkdir -p "$W/img/bin" "$W/img/tmp" "$W/img/etc" "$W/img/root"
cp "$BUSYBOX" "$W/img/bin/busybox"
for a in $("$W/img/bin/busybox" --list); do [ "$a" = busybox ] || ln -sf busybox "$W/img/bin/$a"; done
printf 'root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000:user:/home/user:/bin/sh\n' > "$W/img/etc/passwd"
printf 'root:x:0:\nuser:x:1000:\n' > "$W/img/etc/group"
tar -C "$W/img" -cf "$W/bb.tar" .
mkdir -p "$W/hostdir"; echo hello > "$W/hostdir/hello"

# ---------------------------------------------------------------- podman --
pm() {
	CONTAINERS_CONF=$W/containers.conf timeout 60 podman --root "$W/pm/storage" --runroot "$W/pm/run" \
		--cgroup-manager cgroupfs --runtime "$W/logrt" "$@"
}
capture_podman() {
	command -v podman >/dev/null || { echo "capture.sh: podman not installed" >&2; return 1; }
	# host quirks: nofile hard limit below podman's defaults, no systemd
	printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' > "$W/containers.conf"
	pm import "$W/bb.tar" localhost/capture-bb:latest >/dev/null || return 1
	PMOK=1
	local I=localhost/capture-bb c
	run() { label "$1"; shift; pm run --rm --cgroup-parent /ocirun-capture "$@" >/dev/null 2>>"$W/pm.err" || echo "capture.sh: podman $* failed: $(tail -1 "$W/pm.err")" >&2; }
	run run-plain --network none $I true
	run run-host-ns --network host --pid host --ipc host --uts host $I true
	run run-tty -t --network none $I true
	run run-user --network none -u 1000:1000 -w /tmp -e FOO=bar --hostname pmhost $I true
	run run-caps-nnp --network none --cap-drop ALL --cap-add NET_ADMIN --cap-add SYS_ADMIN --security-opt no-new-privileges $I true
	run run-privileged --network none --privileged $I true
	run run-readonly --network none --read-only $I true
	run run-mounts --network none -v "$W/hostdir:/rw" -v "$W/hostdir:/ro:ro" -v capvol:/v --tmpfs /scratch:size=1m,mode=1777 --shm-size 32m $I true
	run run-limits --network none --memory 48m --memory-swap 96m --memory-reservation 32m --pids-limit 20 --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --oom-score-adj 500 --ulimit nofile=100:200 --ulimit nproc=500:600 $I true
	run run-devices-sysctl --network none --device /dev/fuse --device /dev/null:/dev/mynull:r --sysctl net.ipv4.ip_forward=1 --sysctl kernel.msgmax=12345 $I true
	run run-seccomp-unconfined --network none --security-opt seccomp=unconfined --security-opt unmask=ALL $I true
	run run-init --network none --init $I true
	run run-userns --network none --uidmap 0:100000:65536 --gidmap 0:100000:65536 $I true
	# exec: a running container, then execs into it
	label run-detached
	c=$(pm run -d --cgroup-parent /ocirun-capture --network none $I sleep 1000 2>>"$W/pm.err") || { echo "capture.sh: podman run -d failed" >&2; return 1; }
	label exec-plain; pm exec "$c" true >/dev/null 2>>"$W/pm.err"
	label exec-user-env-workdir; pm exec -u 1000:1000 -w /tmp -e A=b "$c" true >/dev/null 2>>"$W/pm.err"
	label exec-tty; pm exec -t "$c" true >/dev/null 2>>"$W/pm.err"
	label exec-privileged; pm exec --privileged "$c" true >/dev/null 2>>"$W/pm.err"
	label update-memory; pm update --memory 64m "$c" >/dev/null 2>>"$W/pm.err"
	label stop; pm rm -f -t 0 "$c" >/dev/null 2>&1
	finish podman "$W/pm/storage" "$W/pm/run"
}

# ------------------------------------------------------------------- ctr --
ctd() { timeout 60 ctr --address "$W/ctd/sock" "$@"; }
capture_ctr() {
	command -v containerd >/dev/null && command -v ctr >/dev/null || { echo "capture.sh: containerd not installed" >&2; return 1; }
	mkdir -p "$W/ctd"
	[ -e /run/containerd ] || RUN_CTD_NEW=1
	printf 'version = 2\nroot = "%s/root"\nstate = "%s/state"\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "%s/sock"\n[ttrpc]\n  address = "%s/sock.ttrpc"\n' \
		"$W/ctd" "$W/ctd" "$W/ctd" "$W/ctd" > "$W/ctd/config.toml"
	(cd "$W/ctd" && exec containerd --config config.toml > log 2>&1) &
	CTD_PID=$!
	for _ in $(seq 100); do [ -S "$W/ctd/sock" ] && break; sleep 0.1; done
	[ -S "$W/ctd/sock" ] || { echo "capture.sh: containerd did not start: $(tail -3 "$W/ctd/log")" >&2; return 1; }
	# an OCI image archive of the busybox tree, made by hand
	local o=$W/oci b l c
	mkdir -p "$o/blobs/sha256"
	gzip -c < "$W/bb.tar" > "$W/layer.tgz"
	l=$(sha256sum < "$W/layer.tgz" | cut -d' ' -f1); cp "$W/layer.tgz" "$o/blobs/sha256/$l"
	local diffid; diffid=$(sha256sum < "$W/bb.tar" | cut -d' ' -f1)
	printf '{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' "$diffid" > "$W/cfg.json"
	c=$(sha256sum < "$W/cfg.json" | cut -d' ' -f1); cp "$W/cfg.json" "$o/blobs/sha256/$c"
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
		"$c" "$(stat -c %s "$W/cfg.json")" "$l" "$(stat -c %s "$W/layer.tgz")" > "$W/man.json"
	b=$(sha256sum < "$W/man.json" | cut -d' ' -f1); cp "$W/man.json" "$o/blobs/sha256/$b"
	printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
		"$b" "$(stat -c %s "$W/man.json")" > "$o/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' > "$o/oci-layout"
	tar -C "$o" -cf "$W/oci.tar" .
	ctd images import --base-name localhost/capture-bb "$W/oci.tar" >/dev/null 2>"$W/ctd.err" || { echo "capture.sh: ctr images import: $(cat "$W/ctd.err")" >&2; return 1; }
	local I=localhost/capture-bb:latest
	run() { # run LABEL [OPTS...] (then the image, an id, true)
		local lab=$1; shift
		label "$lab"
		ctd run --rm --runc-binary "$W/logrt" --cgroup "/ocirun-capture/$lab" "$@" $I "cap-$lab" true >/dev/null 2>>"$W/ctd.err" ||
			echo "capture.sh: ctr run $lab failed: $(tail -1 "$W/ctd.err")" >&2
	}
	run run-plain
	run run-host-net --net-host
	run run-privileged --privileged
	run run-readonly --read-only
	run run-cwd-env --cwd /tmp --env FOO=bar --allow-new-privs
	run run-userns --uidmap 0:100000:65536 --gidmap 0:100000:65536
	run run-propagation --rootfs-propagation rshared
	run run-caps --cap-add CAP_NET_ADMIN --cap-drop CAP_KILL
	run run-seccomp --seccomp
	run run-mounts --mount "type=bind,src=$W/hostdir,dst=/data,options=rbind:ro" --mount "type=tmpfs,src=tmpfs,dst=/scratch,options=size=1m"
	run run-limits --memory-limit 50331648 --cpus 0.5 --cpu-shares 512
	run run-devices --device /dev/fuse
	label run-tty
	script -qec "timeout 60 ctr --address $W/ctd/sock run --rm -t --runc-binary $W/logrt --cgroup /ocirun-capture/run-tty $I cap-tty true" /dev/null </dev/null >/dev/null 2>&1 ||
		echo "capture.sh: ctr run -t failed" >&2
	label run-detached
	ctd run -d --runc-binary "$W/logrt" --cgroup /ocirun-capture/det $I cap-det sleep 1000 >/dev/null 2>>"$W/ctd.err" || { echo "capture.sh: ctr run -d failed" >&2; return 1; }
	label exec-plain; ctd task exec --exec-id e1 cap-det true >/dev/null 2>>"$W/ctd.err"
	label exec-user-cwd; ctd task exec --exec-id e2 --user 1000 --cwd /tmp cap-det true >/dev/null 2>>"$W/ctd.err"
	label exec-tty
	script -qec "timeout 60 ctr --address $W/ctd/sock task exec -t --exec-id e3 cap-det true" /dev/null </dev/null >/dev/null 2>&1
	label kill; ctd task kill -s SIGKILL cap-det >/dev/null 2>&1; sleep 0.5
	ctd task delete cap-det >/dev/null 2>&1; ctd container delete cap-det >/dev/null 2>&1
	finish ctr "$W/ctd"
}

# finish ENGINE STORAGE-PATHS...: what was captured, host paths replaced,
# pretty-printed, into $OUT/ENGINE/
finish() {
	local engine=$1 f n dest id; shift
	dest=$OUT/$engine
	mkdir -p "$dest"
	for f in "$CAP"/*.json; do
		[ -f "$f" ] || continue
		n=$(basename "$f")
		case $n in run-detached.process.json|stop.*|kill.*) continue ;; esac
		# the container id: the last argument of the create/run call for this label
		id=$(awk -v l="${n%%.*}" '$1 == l && / (create|run) / { print $NF }' "$CAP/calls.log" | tail -1)
		[ -n "$id" ] || id=$(awk -v l="run-detached" '$1 == l && / (create|run) / { print $NF }' "$CAP/calls.log" | tail -1)
		jq . "$f" | placeholders "$id" "$@" > "$dest/$n"
	done
	# the runtime's command lines for the detached container's life
	id=$(awk '$1 == "run-detached" && / (create|run) / { print $NF }' "$CAP/calls.log" | tail -1)
	grep -E '^(run-detached|exec-|update-|stop|kill)' "$CAP/calls.log" | placeholders "$id" "$@" |
		sed -E 's/^[^ ]+ //' > "$dest/runtime-calls.txt"
	rm -f "$CAP"/*
	echo "capture.sh: $engine: $(ls "$dest" | wc -l) files in $dest" >&2
}
placeholders() { # ID STORAGE... < in > out
	local id=$1; shift
	local sed_args=()
	# the engine's own paths first (longest), then the rest
	[ "$1" = "$W/pm/storage" ] && sed_args+=(-e "s#$W/pm/storage/overlay-containers/$id/userdata#@USERDATA@#g" \
		-e "s#$W/pm/storage/overlay/[0-9a-f]\{64\}/merged#@ROOTFS@#g" \
		-e "s#$W/pm/run/overlay-containers/$id/userdata#@RUNDATA@#g" \
		-e "s#$W/pm/storage/volumes#@VOLUMES@#g" -e "s#$W/pm/storage#@GRAPHROOT@#g" -e "s#$W/pm/run#@RUNROOT@#g")
	[ "$1" = "$W/ctd" ] && sed_args+=(-e "s#$W/ctd/state/io.containerd.runtime.v2.task/default/$id#@BUNDLE@#g" \
		-e "s#$W/ctd/state#@STATE@#g" -e "s#$W/ctd/root#@CTDROOT@#g" -e "s#$W/ctd#@CTD@#g")
	sed_args+=(-e "s#$W/hostdir#@HOSTDIR@#g" -e "s#$W/logrt#@RUNTIME@#g" -e "s#$W#@TMP@#g" -e "s#/ocirun-capture#@CGROUP_PARENT@#g")
	if [ -n "$id" ]; then
		sed_args+=(-e "s#$id#@ID@#g")
		case $id in [0-9a-f]*[0-9a-f]) [ ${#id} = 64 ] && sed_args+=(-e "s#${id:0:12}#@SHORTID@#g") ;; esac
	fi
	# netns paths made by podman/netavark: /run/netns/netns-UUID
	sed_args+=(-e 's#/run/netns/netns-[0-9a-f-]*#@NETNSPATH@#g')
	# other containers' and execs' ids, podman's temp and exec files
	sed_args+=(-e 's#[0-9a-f]\{64\}#@EXECID@#g' -e 's#/var/tmp/podman[0-9]*#@RESOURCESFILE@#g' -e 's#exec-process-[0-9]*#exec-process-@N@#g' \
		-e 's#/tmp/runc-process[0-9]*#@PROCESSFILE@#g' -e 's#/tmp/pty[0-9]*/pty.sock#@CONSOLESOCKET@#g' -e 's#/tmp/conmon-term\.[A-Za-z0-9]*#@CONSOLESOCKET@#g')
	sed "${sed_args[@]}"
}

for w in "${WHAT[@]}"; do "capture_$w" || echo "capture.sh: $w capture incomplete" >&2; done
