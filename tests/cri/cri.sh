#!/bin/sh
# tests/cri/cri.sh - ocirun under Kubernetes' CRI, with runc as the oracle.
#
#   sh tests/cri/cri.sh [handler...]        (default: ocirun runc; run as root)
#
# Starts a private containerd (own root, state, sockets and config under a
# temporary directory) whose CRI plugin has one runtime handler per runtime,
# both through containerd-shim-runc-v2: "ocirun" with BinaryName=$OCIRUN
# (default: the repo's ./ocirun) and "runc" with BinaryName=$RUNC (default
# /usr/sbin/runc); NAME=/path/to/binary adds another.  Two images are made
# here without a registry (OCI layouts built by hand: a static pause from
# tests/cri/pause.c and busybox-static, by tests/cri/images.sh, which
# tests/vm/systemd.sh uses too) and imported with ctr.  Then
# tests/cri/kubelet.py plays kubelet for each handler, and this script stops
# everything it started and checks that nothing is left: processes, shims,
# mounts, network namespaces, cgroups, shim sockets, CNI result files.
#
# Environment: OCIRUN, RUNC, CRI_TMP (the temporary directory, default a new
# /tmp/ocirun-cri.XXXXXX; removed at the end), CRI_KEEP=1 keeps containerd.log,
# kubelet-*.out and the pods' logs there after a failure.
#
# Pods get their own network namespace holding lo (the loopback plugin) and a
# lone eth0 (a dummy device, or a bridge without ports) with a link-local
# address: containerd 1.6's CRI refuses a pod whose CNI result has no address
# on eth0 ("failed to find network info for sandbox"), which a loopback-only
# conflist never gives.  That eth0 comes from a small CNI plugin written below;
# it touches nothing outside the pod's namespace, and nothing here reaches the
# network.  Without CAP_SYS_RESOURCE (this machine being a container itself)
# restrict_oom_score_adj is set, or no sandbox could get pause's -998.
#
# Prints kubelet.py's lines and this script's own checks ("ok - harness: ..."),
# then "N passed, M failed" for everything and the time taken; exit status 0
# only if everything passed.

set -u
LC_ALL=C
export LC_ALL
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OCIRUN=${OCIRUN:-$REPO/ocirun}
RUNC=${RUNC:-/usr/sbin/runc}
PY=/usr/bin/python3
[ $# -gt 0 ] || set -- ocirun runc
START=$(date +%s.%N)
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok - harness: $1"; }
fail() { FAIL=$((FAIL + 1)); echo "FAIL - harness: $1${2:+: $2}"; }
abort() { fail "$@"; COMPLETED=aborted; exit 1; }
die() { echo "cri.sh: $*" >&2; exit 2; }
oneline() { tr '\n' ' ' | cut -c1-400; }

[ "$(id -u)" = 0 ] || die "must run as root"
for c in containerd ctr musl-gcc sha256sum tar nsenter ip; do
	command -v $c >/dev/null || die "$c not found"
done
[ -x /bin/busybox ] || die "no /bin/busybox (apt-get install busybox-static)"
if ldd /bin/busybox >/dev/null 2>&1; then die "/bin/busybox is not static (apt-get install busybox-static)"; fi
$PY -c 'import grpc, grpc_tools' 2>/dev/null || die "$PY lacks grpc or grpc_tools (apt-get install python3-grpcio python3-grpc-tools)"
[ -x /usr/lib/cni/loopback ] || die "no /usr/lib/cni/loopback (apt-get install containernetworking-plugins)"

# handler list: NAME BINARY per line
HANDLERS=
for h in "$@"; do
	case $h in
	ocirun) b=$OCIRUN ;;
	runc) b=$RUNC ;;
	*=*) b=${h#*=}; h=${h%%=*} ;;
	*) die "unknown handler $h (use NAME=/path/to/binary)" ;;
	esac
	case $h in *[!a-z0-9_-]*|'') die "handler name $h: use a-z, 0-9, _ and -" ;; esac
	case $b in /*) ;; *) b=$(pwd)/$b ;; esac
	[ -x "$b" ] || die "$h: $b is not executable"
	HANDLERS="$HANDLERS$h $b
"
done

if [ -n "${CRI_TMP:-}" ]; then
	T=$CRI_TMP
	[ ! -e "$T" ] || [ -z "$(ls -A "$T")" ] || die "CRI_TMP=$T exists and is not empty"
	mkdir -p "$T" || die "cannot make $T"
else
	T=$(mktemp -d /tmp/ocirun-cri.XXXXXX) || die "mktemp"
fi
T=$(cd "$T" && pwd)
SOCK=$T/containerd.sock
CTD_PID=
COMPLETED=
ARCH=$(uname -m)
case $ARCH in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; esac

ctd() { timeout 120 ctr --address "$SOCK" -n k8s.io "$@"; }

# ---------------------------------------------------------- before-state --
# What exists before, so that the end can tell what this run left.
CGMOUNTS=$(awk '$9 == "cgroup" || $9 == "cgroup2" {print $5}' /proc/self/mountinfo | sort -u)
for m in $CGMOUNTS; do
	[ -d "$m/kubepods" ] && echo "$m" >> "$T/cg-before"
	find "$m/kubepods" -mindepth 1 -type d 2>/dev/null >> "$T/cgdirs-before"
done
touch "$T/cg-before" "$T/cgdirs-before"

# ------------------------------------------------------------------ images --
# oci_image, build_images: $T/pause.tar and $T/busybox.tar
. "$HERE/images.sh"

# ------------------------------------------------------------------- CNI --
# cri-test-eth0: a CNI plugin that puts an eth0 with a link-local /32 (no
# route, no peer: a dummy device, or a bridge without ports on kernels built
# without the dummy driver) into the pod's network namespace and reports it.
write_cni() {
	mkdir -p "$T/cni/bin" "$T/cni/net.d" || return 1
	ln -s /usr/lib/cni/loopback "$T/cni/bin/loopback"
	cat > "$T/cni/bin/cri-test-eth0" <<'EOF'
#!/bin/sh
# CNI plugin of tests/cri/cri.sh: a lone eth0 with a link-local address.
PATH=/usr/sbin:/usr/bin:/sbin:/bin
conf=$(cat)
ver=$(printf '%s' "$conf" | sed -n 's/.*"cniVersion"[ ]*:[ ]*"\([^"]*\)".*/\1/p')
addr=$(printf '%s' "$conf" | sed -n 's/.*"address"[ ]*:[ ]*"\([^"]*\)".*/\1/p')
err() { printf '{"cniVersion":"%s","code":%s,"msg":"%s"}\n' "${ver:-1.0.0}" "$1" "$2"; exit 1; }
case ${CNI_COMMAND:-} in
VERSION)
	echo '{"cniVersion":"1.0.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0"]}' ;;
ADD)
	[ -n "${CNI_NETNS:-}" ] && [ -n "${CNI_IFNAME:-}" ] && [ -n "$addr" ] || err 7 "missing CNI_NETNS, CNI_IFNAME or address"
	out=$(nsenter --net="$CNI_NETNS" sh -c '{ ip link add "$1" type dummy 2>/dev/null || ip link add "$1" type bridge; } && ip addr add "$2" dev "$1" && ip link set "$1" up' sh "$CNI_IFNAME" "$addr" 2>&1) ||
		err 11 "$(printf '%s' "$out" | tr -d '"\n')"
	printf '{"cniVersion":"%s","interfaces":[{"name":"%s","sandbox":"%s"}],"ips":[{"address":"%s","interface":0}]}\n' \
		"$ver" "$CNI_IFNAME" "$CNI_NETNS" "$addr" ;;
DEL)
	[ -n "${CNI_NETNS:-}" ] && [ -e "$CNI_NETNS" ] && nsenter --net="$CNI_NETNS" ip link del "$CNI_IFNAME" 2>/dev/null
	exit 0 ;;
CHECK)
	nsenter --net="$CNI_NETNS" ip -o addr show dev "$CNI_IFNAME" 2>/dev/null | grep -q " ${addr%/*}/" || err 11 "no $addr on $CNI_IFNAME"
	;;
*)
	err 4 "unknown CNI_COMMAND ${CNI_COMMAND:-}" ;;
esac
EOF
	chmod 755 "$T/cni/bin/cri-test-eth0"
	cat > "$T/cni/net.d/10-cri-test.conflist" <<'EOF'
{
  "cniVersion": "1.0.0",
  "name": "cri-test",
  "plugins": [
    { "type": "cri-test-eth0", "address": "169.254.77.2/32" }
  ]
}
EOF
}

# ------------------------------------------------------------ containerd --
write_config() {
	mkdir -p "$T/registry" "$T/opt" || return 1
	# without CAP_SYS_RESOURCE (a machine that is itself a container) no
	# oom_score_adj can go below ours: pause's -998 would fail every sandbox
	RESTRICT_OOM=false
	cap=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	[ $(( 0x$cap >> 24 & 1 )) = 1 ] || RESTRICT_OOM=true
	first=$(printf '%s' "$HANDLERS" | head -n1 | cut -d' ' -f1)
	cat > "$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$SOCK"

[ttrpc]
  address = "$SOCK.ttrpc"

[debug]
  level = "info"

[plugins."io.containerd.internal.v1.opt"]
  path = "$T/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:1"
  disable_apparmor = true
  enable_selinux = false
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_tls_streaming = false
  disable_tcp_service = true
  restrict_oom_score_adj = $RESTRICT_OOM

  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$T/cni/bin"
    conf_dir = "$T/cni/net.d"
    max_conf_num = 1

  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$T/registry"

  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "$first"
EOF
	printf '%s' "$HANDLERS" | while read -r h b; do
		cat >> "$T/config.toml" <<EOF

    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$h.options]
        BinaryName = "$b"
        Root = "$T/rt-$h"
        SystemdCgroup = false
EOF
	done
}

start_containerd() {
	# a session of its own: a ^C for this script must leave it to clean up
	(cd "$T" && exec setsid containerd --config "$T/config.toml" > "$T/containerd.log" 2>&1) &
	CTD_PID=$!
	i=0
	while [ "$(cat /proc/$CTD_PID/comm 2>/dev/null)" != containerd ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	i=0
	while [ $i -lt 300 ]; do
		[ -S "$SOCK" ] && ctr --address "$SOCK" version >/dev/null 2>&1 && return 0
		kill -0 "$CTD_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

shims() { # pids of containerd-shim-runc-v2 started by this containerd
	for p in $(pgrep -f containerd-shim-runc-v2 2>/dev/null); do
		tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -qF -- "-address $SOCK " && echo "$p"
	done
}

procs_of_tmp() { # pids of live processes whose command line names $T (not us)
	for p in $(pgrep -f "$T" 2>/dev/null); do
		[ "$p" = $$ ] && continue
		grep -q '^State:.*Z' /proc/$p/status 2>/dev/null && continue
		echo "$p"
	done
}

new_cgroups() { # cgroup dirs under /kubepods that were not there before, deepest first
	for mnt in $CGMOUNTS; do
		[ -d "$mnt/kubepods" ] || continue
		find "$mnt/kubepods" -mindepth 1 -depth -type d 2>/dev/null | grep -vxF -f "$T/cgdirs-before"
	done
}

procs_of_cgroups() { # pids in those cgroups: pods' processes
	for d in $(new_cgroups); do cat "$d/cgroup.procs" 2>/dev/null; done | sort -u
}

stop_all() {
	if [ -n "$CTD_PID" ] && kill -0 "$CTD_PID" 2>/dev/null; then
		kill -TERM "$CTD_PID"
		i=0
		while kill -0 "$CTD_PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -0 "$CTD_PID" 2>/dev/null && kill -KILL "$CTD_PID"
		wait "$CTD_PID" 2>/dev/null
	fi
	CTD_PID=
	for p in $(shims); do kill -KILL "$p" 2>/dev/null; done
}

finish() {
	trap - EXIT INT TERM
	[ -n "$COMPLETED" ] || fail "the run did not complete (interrupted or aborted)"
	for f in "$T"/kubelet-*.out; do
		[ -f "$f" ] || continue
		h=${f##*/kubelet-}; h=${h%.out}
		n=$(grep -c '^ok - ' "$f"); m=$(grep -c '^FAIL - ' "$f")
		PASS=$((PASS + n)); FAIL=$((FAIL + m))
		grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$f" || fail "$h: kubelet.py did not finish" "$(tail -n 2 "$f" | oneline)"
	done
	# pods an interrupted kubelet.py left: removed through the CRI first
	if [ -n "$CTD_PID" ] && kill -0 "$CTD_PID" 2>/dev/null; then
		out=$(timeout 120 $PY "$HERE/kubelet.py" --socket "$SOCK" --cleanup 2>&1)
		case $out in "# removed 0 "*) ;; *) echo "$out" | sed 's/^\([^#]\)/# \1/' ;; esac
	fi
	stop_all
	# the end: what is left is a failure, then removed
	left=$(shims; procs_of_tmp; procs_of_cgroups)
	if [ -z "$left" ]; then ok "no process of this containerd left (containerd, shims, runtimes, pods)"
	else
		fail "processes left" "$(for p in $left; do printf '%s:%s; ' "$p" "$(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | cut -c1-120)"; done)"
		for p in $left; do kill -KILL "$p" 2>/dev/null; done
		i=0
		while [ -n "$(procs_of_cgroups)" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	fi
	m=$(awk -v t="$T/" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo)
	if [ -z "$m" ]; then ok "no mount left under $T"
	else
		fail "mounts left under $T" "$(echo "$m" | oneline)"
		echo "$m" | sort -r | while read -r x; do umount -l "$x" 2>/dev/null; done
	fi
	cgleft=
	for d in $(new_cgroups); do
		case $d in */kubepods/burstable) continue ;; esac
		cgleft="$cgleft $d"
		rmdir "$d" 2>/dev/null
	done
	for mnt in $CGMOUNTS; do
		[ -d "$mnt/kubepods" ] && ! grep -qxF "$mnt" "$T/cg-before" || continue
		rmdir "$mnt/kubepods/burstable" "$mnt/kubepods" 2>/dev/null || cgleft="$cgleft $mnt/kubepods"
	done
	if [ -z "$cgleft" ]; then ok "no cgroup left under /kubepods (pods, sandboxes, containers)"
	else fail "cgroups left" "$(echo "$cgleft" | cut -c1-400)"; fi
	# outside $T, named after the sandboxes kubelet.py reported: the shims'
	# sockets (/run/containerd/s/sha256(<address>/<namespace>/<id>)) and
	# libcni's cached results (<network>-<id>-<ifname>)
	socks= results=
	for sid in $(sed -n 's/^# [^ ]*: [a-z]*: sandbox \([0-9a-f]\{64\}\)$/\1/p' "$T"/kubelet-*.out 2>/dev/null); do
		h=$(printf '%s' "$SOCK/k8s.io/$sid" | sha256sum | cut -d' ' -f1)
		[ -e "/run/containerd/s/$h" ] && socks="$socks $h" && rm -f "/run/containerd/s/$h"
		for f in /var/lib/cni/results/*-"$sid"-*; do
			[ -e "$f" ] && results="$results ${f##*/}" && rm -f "$f"
		done
	done
	if [ -z "$socks" ]; then ok "no shim socket left in /run/containerd/s"
	else fail "shim sockets left in /run/containerd/s" "$socks"; fi
	if [ -z "$results" ]; then ok "no CNI result left in /var/lib/cni/results"
	else fail "CNI results left in /var/lib/cni/results" "$(echo "$results" | cut -c1-400)"; fi
	if [ "${CRI_KEEP:-}" = 1 ] && [ "$FAIL" != 0 ]; then
		rm -rf --one-file-system "$T/root" "$T/rootfs-pause" "$T/rootfs-busybox"
		echo "# kept $T (containerd.log, kubelet-*.out, logs-*)"
	else
		rm -rf --one-file-system "$T"
		[ -e "$T" ] && fail "cannot remove $T"
	fi
	echo "$PASS passed, $FAIL failed"
	echo "# time: $(echo "$(date +%s.%N) $START" | awk '{printf "%.1f", $1 - $2}')s"
	[ "$FAIL" = 0 ] && exit 0
	exit 1
}
trap finish EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------- run --
if build_images; then ok "pause built, OCI images localhost/pause:1 and localhost/busybox:1 laid out"
else abort "building the images"; fi
write_cni && write_config || abort "writing the configuration"
if start_containerd; then ok "private containerd started ($(containerd --version | cut -d' ' -f3))"
else abort "containerd did not start" "$(tail -n 5 "$T/containerd.log" | oneline)"; fi
for i in pause busybox; do
	if out=$(ctd images import "$T/$i.tar" 2>&1); then ok "ctr images import $i"
	else abort "ctr images import $i" "$(echo "$out" | oneline)"; fi
done

printf '%s' "$HANDLERS" | {
	while read -r h b; do
		echo "# $h: $b"
		mkdir -p "$T/logs-$h"
		$PY "$HERE/kubelet.py" --socket "$SOCK" --handler "$h" --runtime-root "$T/rt-$h/k8s.io" \
			--log-root "$T/logs-$h" 2>&1 | tee "$T/kubelet-$h.out"
	done
}
s=$(shims)
if [ -z "$s" ]; then ok "no containerd-shim left running once every pod is removed"
else fail "containerd-shims still running after every pod was removed" "$(for p in $s; do tr '\0' ' ' < /proc/$p/cmdline | cut -c1-160; echo; done | oneline)"; fi
COMPLETED=1
exit 0
