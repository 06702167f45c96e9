#!/bin/bash
# run.sh - differential test: the same OCI bundles under runc and under
# ocirun, compared by what the container process observes.
#
#   sudo tests/differential/run.sh --runc /usr/sbin/runc --ocirun ./ocirun \
#        [--seed 1] [--count 80] [--corpus DIR]... [--only REGEX]
#        [--accepted FILE] [--timeout S] [--save DIR] [--keep] [--base CONFIG]
#        [--single] [--verbose]
#
# Each bundle's process is tests/differential/probe.c (built static here
# and copied into a small rootfs), which prints a "key=value" report of
# what it sees (ids, caps, rlimits, fds, mounts, /dev, tty, env, cgroup,
# syscall answers...).  tests/differential/gen makes the bundles from the
# seed (bundle 000 is the base config; see gen's header); --corpus DIR adds
# every DIR/**/*config.json (configs captured from Docker, podman, ctr,
# with @PLACEHOLDERS@ for host paths: tests/corpus/README.md) with its
# process replaced by the probe.  --count 0 runs the corpus alone.
# --single runs every variant alone (about 210 bundles): which feature a
# difference comes with.  --save DIR keeps each bundle's config, reports
# and stderr.
#
# Both runtimes run each bundle from the same paths (bundle dir, rootfs,
# cgroup parent), each with its own --root and container id (od-NNN-runc,
# od-NNN-ocirun; reports say @ID@), one after the other, each on a fresh
# copy of the rootfs: `run` in the foreground with stdin /dev/null under
# `timeout`; a terminal bundle as containerd and conmon do it, `run
# --detach --console-socket` (tests/recvtty.c takes the pty), its result
# "detached".  The report gets the runtime's exit status (result=), an
# error class when it failed (errclass=: exec-failed, refused, timeout),
# the hook log (hook.NAME=) and anything the runtime left behind
# (leftover=: the container, its state dir, processes, mounts, cgroups, a
# mount over the host's /).
#
# Output: one line per bundle, "same NNN [features]" or "DIFF NNN
# [features]: KEY..." followed by "    KEY: runc=VALUE | ocirun=VALUE"
# lines (--verbose: for accepted mismatches too, with the reason) and the
# runtimes' first error lines; then a summary.  A mismatch matching a line
# of the accepted file (default tests/differential/accepted.txt: KEY-REGEX
# FEATURES-REGEX [runc~VALUE-REGEX] [ocirun~VALUE-REGEX] REASON) is shown
# as accepted and does not fail the run; with --single, an accepted line
# no variant needed is listed as "accepted-but-unseen" (fixed: drop the
# line).  The last line is "differential: N bundles, K fields compared, M
# mismatches (A accepted, U unexpected) - PASS|FAIL"; the exit status is 1
# if U > 0 (or on an error), else 0.
#
# Everything is cleaned up on exit: containers, processes, mounts, the
# netns, cgroups, the temp dir (unless --keep).
set -u
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)

RUNC=${RUNC:-/usr/sbin/runc} OCIRUN=${OCIRUN:-} SEED=1 COUNT=80 CORPUS=() ONLY=
ACCEPTED=$HERE/accepted.txt TO=20 SAVE='' KEEP=0 BASECONF='' SINGLE='' VERBOSE=0
usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--runc) RUNC=$2; shift 2 ;;
	--ocirun) OCIRUN=$2; shift 2 ;;
	--seed) SEED=$2; shift 2 ;;
	--count) COUNT=$2; shift 2 ;;
	--corpus) CORPUS+=("$2"); shift 2 ;;
	--only) ONLY=$2; shift 2 ;;
	--accepted) ACCEPTED=$2; shift 2 ;;
	--timeout) TO=$2; shift 2 ;;
	--save) SAVE=$2; shift 2 ;;
	--base) BASECONF=$2; shift 2 ;;
	--keep) KEEP=1; shift ;;
	--single) SINGLE=--single; shift ;;
	-v|--verbose) VERBOSE=1; shift ;;
	-h|--help) usage ;;
	*) echo "run.sh: unknown argument $1" >&2; usage ;;
	esac
done
die() { echo "run.sh: $*" >&2; echo "differential: 0 bundles, 0 fields compared, error: $*"; exit 1; }
abspath() { case $1 in /*) echo "$1" ;; */*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;; *) command -v "$1" ;; esac; }

[ "$(id -u)" = 0 ] || die "must run as root"
[ -n "$OCIRUN" ] || die "--ocirun PATH is required"
RUNC=$(abspath "$RUNC") OCIRUN=$(abspath "$OCIRUN")
[ -x "$RUNC" ] || die "runc $RUNC not executable"
[ -x "$OCIRUN" ] || die "ocirun $OCIRUN not executable"
for t in jq cc timeout ip; do command -v $t >/dev/null || die "$t is required (apt-get install jq gcc libc6-dev coreutils iproute2)"; done

T0=$(date +%s)
W=$(mktemp -d /tmp/ocirun-diff.XXXXXX) || die "mktemp failed"
chmod 755 "$W"
CG=/$(basename "$W")                 # the cgroup parent of every container
NETNS=$(basename "$W")
RTS=(runc ocirun)
# a copy of ocirun: the binary under test does not change during the run
# (a concurrent `make` would swap it mid-way)
cp "$OCIRUN" "$W/ocirun" || die "cannot copy $OCIRUN"
declare -A RTBIN=([runc]=$RUNC [ocirun]=$W/ocirun)

# ------------------------------------------------------------- cleanup --
tagged_procs() { # pids whose environment has our tag (runtime processes and their helpers)
	grep -lszx "OCIRUN_DIFF_TAG=$W" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 | grep -vx "$$"
}
cg_dirs() { # cgroup dirs of ours, deepest first
	local h
	for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
		[ -d "$h${CG#/}" ] && find "$h${CG#/}" -mindepth ${1:-0} -type d 2>/dev/null
	done | awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-
}
cg_kill_rm() { # kill what is in our cgroups, remove them (MINDEPTH: 1 = keep the parent)
	local d p
	for d in $(cg_dirs "${1:-0}"); do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
	done
	for d in $(cg_dirs "${1:-0}"); do
		[ -e "$d/freezer.state" ] && echo THAWED > "$d/freezer.state" 2>/dev/null
		rmdir "$d" 2>/dev/null || { sleep 0.1; rmdir "$d" 2>/dev/null; }
	done
}
umount_under() { # umount everything mounted under $1, deepest first
	awk -v p="$1" '{ m = $5; gsub(/\\040/, " ", m); if (m == p || index(m, p "/") == 1) print length(m) " " m }' /proc/self/mountinfo |
		sort -rn | cut -d' ' -f2- | while read -r m; do umount -l "$m" 2>/dev/null; done
}
cleanup() {
	set +e
	trap - EXIT INT TERM
	local r id p
	for r in "${RTS[@]}"; do
		for id in $("${RTBIN[$r]}" --root "$W/state-$r" list -q 2>/dev/null); do
			timeout 10 "${RTBIN[$r]}" --root "$W/state-$r" delete --force "$id" >/dev/null 2>&1
		done
	done
	for p in $(tagged_procs); do kill -KILL "$p" 2>/dev/null; done
	[ -n "${TTYPID:-}" ] && kill "$TTYPID" 2>/dev/null
	cg_kill_rm 0
	ip netns delete "$NETNS" >/dev/null 2>&1
	umount_under "$W"
	if [ $KEEP = 1 ]; then echo "run.sh: kept $W" >&2; else rm -rf --one-file-system "$W"; fi
}
trap cleanup EXIT
trap 'echo "differential: interrupted after ${NB:-0} bundles - FAIL"; exit 130' INT TERM

n=$(awk '$5 == "/"' /proc/self/mountinfo | wc -l)
[ "$n" -gt 1 ] && echo "run.sh: note: $n mounts stacked at / in this mount namespace (left by something else); the probe lists the mounts under the container's root only"

# ------------------------------------------------------------- fixture --
cc -static -O2 -Wall -o "$W/probe" "$HERE/probe.c" 2>"$W/cc.log" || die "cannot build probe.c (static libc: apt-get install libc6-dev): $(head -3 "$W/cc.log")"
cc -O2 -o "$W/recvtty" "$SRC/tests/recvtty.c" 2>>"$W/cc.log" || die "cannot build tests/recvtty.c"

# the rootfs template: the probe and the directories the variants use
R=$W/tmpl
mkdir -p "$R"
for d in bin sbin proc sys dev etc root/sub run var/tmp var/secretdir var/rodir usr/bin mnt home/user tmp \
	odd/sticky odd/setgid odd/private hookdir; do mkdir -p "$R/$d"; done
chmod 1777 "$R/tmp" "$R/var/tmp" "$R/odd/sticky"
chmod 0700 "$R/root" "$R/odd/private"
chown 1000:1000 "$R/home/user" "$R/odd/setgid"
chmod 2770 "$R/odd/setgid"
: > "$R/odd/file"
ln -s /tmp "$R/odd/lnk"
ln -s ../../.. "$R/odd/escape"
echo "top secret" > "$R/etc/secret"; chmod 600 "$R/etc/secret"
echo hidden > "$R/var/secretdir/file"
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nuser:x:1000:1000:user:/home/user:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$R/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\ntty:x:5:\nwheel:x:10:root\nuser:x:1000:\nnogroup:x:65534:\n' > "$R/etc/group"
echo ocirun > "$R/etc/hostname"
echo "127.0.0.1 localhost" > "$R/etc/hosts"
: > "$R/etc/resolv.conf"
cp "$W/probe" "$R/probe"; chmod 755 "$R/probe"
# bind sources on the host: a dir with a file and a tmpfs at nested/, a file
H=$W/host
mkdir -p "$H/src/nested"
echo "hello from host" > "$H/src/hello"
echo "bound-hostname" > "$H/file"
mount -t tmpfs -o size=1m,mode=755 diffnested "$H/src/nested" || die "cannot mount a tmpfs"
echo nested > "$H/src/nested/inner"

# the base config: the one given, or runc's default spec (terminal off,
# hostname "ocirun"; as examples/mkbundle.sh writes it)
if [ -n "$BASECONF" ]; then
	cp "$BASECONF" "$W/base.json" || die "cannot read $BASECONF"
else
	mkdir -p "$W/spec"
	(cd "$W/spec" && "$RUNC" spec) || die "$RUNC spec failed"
	jq '.process.terminal = false | .hostname = "ocirun"' "$W/spec/config.json" > "$W/base.json" || die "jq"
fi

# seccomp profiles: podman's (containers-common) resolved for this machine
# as podman does it; Docker's from a captured Docker config if there is one
GOARCH=$(case $(uname -m) in x86_64) echo amd64 ;; aarch64) echo arm64 ;; i?86) echo 386 ;; armv*) echo arm ;; *) uname -m ;; esac)
if [ -f /usr/share/containers/seccomp.json ]; then
	jq --arg goarch "$GOARCH" --argjson caps "$(jq -c '.process.capabilities.bounding // []' "$W/base.json")" \
		-f "$SRC/tests/seccomp/resolve.jq" /usr/share/containers/seccomp.json > "$W/podman-seccomp.json" 2>/dev/null ||
		rm -f "$W/podman-seccomp.json"
fi
for f in $(find "$SRC/tests/corpus/docker" -name config.json 2>/dev/null | sort); do
	jq -e '.linux.seccomp.syscalls | length > 0' "$f" >/dev/null 2>&1 && { jq '.linux.seccomp' "$f" > "$W/docker-seccomp.json"; break; }
done

# --------------------------------------------------------------- bundles --
mkdir -p "$W/gen"
if [ "$COUNT" -gt 0 ]; then
	"$HERE/gen" $SINGLE --seed "$SEED" --count "$COUNT" --base "$W/base.json" --out "$W/gen" \
		--podman-seccomp "$W/podman-seccomp.json" --docker-seccomp "$W/docker-seccomp.json" 2>"$W/gen.log" ||
		die "gen failed: $(tail -3 "$W/gen.log")"
fi
BASEARGS=$(jq -c '.process.args[1:]' "$W/gen/000/config.json" 2>/dev/null)
[ -n "$BASEARGS" ] || BASEARGS='["stat=/", "stat=/tmp", "stat=/dev/null", "read=/proc/kcore"]'

# corpus configs: process -> the probe, hooks off (they name the engine's
# binaries), the cgroup and netns paths ours, placeholders filled in
nc=0
for dir in "${CORPUS[@]}"; do
	[ -d "$dir" ] || die "corpus $dir is not a directory"
	dir=$(cd "$dir" && pwd)
	while read -r f; do
		[ -n "$f" ] || continue
		d=$W/gen/c$(printf %03d $nc); nc=$((nc + 1))
		mkdir -p "$d"
		rel=${f#"$dir"/}; rel=${rel%config.json}; rel=${rel%[./]}
		jq --argjson pargs "$BASEARGS" '
			.process.args = ["/probe"] + $pargs
			| del(.hooks)
			| .root.path = "@BUNDLE@/rootfs"
			| .linux.cgroupsPath = "@CGROUP@"
			| .linux.namespaces |= map(if .path then
				(if .type == "network" then
					# the host netns joined by a path (Docker: EXECROOT/netns/default)
					(if (.path | test("netns/default$")) then .path = "@HOSTNETNS@" else .path = "@NETNS@" end)
				else del(.path) end) else . end)' \
			"$f" > "$d/config.json" 2>"$d/jq.err" || { echo "run.sh: corpus $f: $(cat "$d/jq.err")" >&2; rm -rf "$d"; continue; }
		echo "corpus:$(basename "$dir")/$rel" > "$d/features"
	done < <(find "$dir" -name '*config.json' | sort)
done

# ----------------------------------------------------------------- run --
B=$W/bundle
HOOKLOG=$W/hooks.log
HOSTNS=$(for n in mnt net pid uts ipc cgroup user; do readlink /proc/$$/ns/$n; done | tr '\n' ' ')
# corpus placeholders other than ours: a file or a dir under $W/host/ph
# (a file when the mount's destination is a file in the rootfs or looks
# like one), made before each run
make_placeholders() { # CONFIG ID
	local dest src kind
	jq -r '.mounts[]? | select((.source // "") | test("@[A-Z_]+@")) | "\(.destination)\t\(.source)"' "$1" |
	while IFS=$'\t' read -r dest src; do
		case $src in *@ROOTFS@*|*@BUNDLE@*|*@HOST@*|*@NETNS@*|*@HOSTNETNS@*|*@CGROUP@*|*@PROBE@*|*@HOOKLOG@*) continue ;; esac
		src=$(printf '%s' "$src" | sed -E -e "s#@(ID|SHORTID|EXECID)@#$2#g" -e "s#@([A-Z_]+)@#$H/ph/\\1#g")
		kind=dir
		if [ -f "$R$dest" ]; then kind='file'
		else case ${dest##*/} in *.*|hosts|hostname|passwd|group|shadow|*env) kind='file' ;; esac
		fi
		[ -e "$src" ] && continue
		if [ $kind = file ]; then mkdir -p "$(dirname "$src")"; echo "placeholder ${dest##*/}" > "$src"; else mkdir -p "$src"; fi
	done
}
fill() { # CONFIG-IN CONFIG-OUT ID
	sed -e "s#@ROOTFS@#$B/rootfs#g" -e "s#@BUNDLE@#$B#g" -e "s#@HOST@#$H#g" -e "s#@NETNS@#/run/netns/$NETNS#g" \
		-e "s#@HOSTNETNS@#/proc/$$/ns/net#g" \
		-e "s#@CGROUP@#$CG/$3#g" -e "s#@PROBE@#$W/probe#g" -e "s#@HOOKLOG@#$HOOKLOG#g" \
		-e "s#@ID@#$3#g" -e "s#@SHORTID@#$3#g" -e "s#@EXECID@#$3-exec#g" \
		-E -e "s#@([A-Z_]+)@#$H/ph/\\1#g" "$1" > "$2"
}
errclass() { # RC STDERR-FILE
	[ "$1" = 124 ] || [ "$1" = 137 ] && { echo timeout; return; }
	# runc (and ocirun, which words it the same): exec: "PATH": REASON
	if grep -qE 'exec: \\?"|executable file not found' "$2"; then
		echo exec-failed
	else
		echo refused
	fi
}
# run_one RT NAME CONFIG OUTDIR: one run; OUTDIR/report is the normalized report
run_one() {
	# the id differs per runtime (a session keyring is joined by name:
	# one runtime's must not be the other's); the report names it @ID@
	local rt=$1 name=$2 conf=$3 o=$4 id=od-$2-$1 rc bin=${RTBIN[$1]} tty leftover=
	umount_under "$B"
	rm -rf --one-file-system "$B"
	mkdir -p "$B" "$o"
	cp -a "$R" "$B/rootfs"
	rm -f "$HOOKLOG"
	rm -rf "$H/ph"
	make_placeholders "$conf" "$id"
	fill "$conf" "$B/config.json" "$id"
	if grep -q "/run/netns/$NETNS" "$B/config.json"; then
		ip netns delete "$NETNS" >/dev/null 2>&1
		ip netns add "$NETNS" || echo "run.sh: ip netns add failed" >&2
	fi
	cg_kill_rm 1
	tty=$(jq -r '.process.terminal // false' "$B/config.json" 2>/dev/null)
	local cs=()
	if [ "$tty" = true ]; then
		rm -f "$W/console.sock" "$W/tty.out"
		"$W/recvtty" "$W/console.sock" '' "$W/tty.out" 2>"$W/recvtty.err" &
		TTYPID=$!
		for _ in $(seq 50); do [ -S "$W/console.sock" ] && break; sleep 0.02; done
		# the way containerd and conmon run it: detached, the pty master
		# sent to the console socket (runc takes a console socket only
		# with --detach); the exit status is then not known: result=detached
		cs=(--detach --console-socket "$W/console.sock")
	fi
	local roots0; roots0=$(awk '$5 == "/"' /proc/self/mountinfo | wc -l)
	(cd "$W" && OCIRUN_DIFF_TAG=$W OCIRUN_TEST_TAG=$W exec timeout -k 5 "$TO" "$bin" --root "$W/state-$rt" run "${cs[@]}" --bundle "$B" "$id") \
		</dev/null >"$o/stdout" 2>"$o/stderr"
	rc=$?
	if [ "$tty" = true ]; then
		# recvtty ends when the container side hangs up (at most 15 s)
		for _ in $(seq 200); do kill -0 "$TTYPID" 2>/dev/null || break; sleep 0.05; done
		kill "$TTYPID" 2>/dev/null; wait "$TTYPID" 2>/dev/null
		TTYPID=
		if [ $rc = 0 ]; then
			for _ in $(seq 100); do
				[ "$(timeout 10 "$bin" --root "$W/state-$rt" state "$id" 2>/dev/null | jq -r .status 2>/dev/null)" = running ] || break
				sleep 0.05
			done
			OCIRUN_DIFF_TAG=$W timeout 10 "$bin" --root "$W/state-$rt" delete "$id" >/dev/null 2>>"$o/stderr"
			rc=detached
		fi
		tr -d '\r' < "$W/tty.out" 2>/dev/null > "$o/stdout.tty"
		cat "$o/stdout.tty" >> "$o/stdout"
	fi
	# what is left: the container in the state dir, processes, mounts, cgroups
	if [ -n "$(timeout 10 "$bin" --root "$W/state-$rt" list -q 2>/dev/null)" ]; then
		leftover="$leftover container-in-list"
		timeout 10 "$bin" --root "$W/state-$rt" delete --force "$id" >/dev/null 2>&1
	fi
	[ -e "$W/state-$rt/$id" ] && leftover="$leftover state-dir"
	[ -n "$(tagged_procs)" ] && leftover="$leftover processes"
	grep -qF " $B" /proc/self/mountinfo && leftover="$leftover mounts"
	# a mount made in the host's mount namespace over / (a runtime that
	# set up the rootfs outside its own mount namespace)
	[ "$(awk '$5 == "/"' /proc/self/mountinfo | wc -l)" -gt "$roots0" ] && leftover="$leftover host-root-mount"
	[ -n "$(cg_dirs 1)" ] && leftover="$leftover cgroup"
	for p in $(tagged_procs); do kill -KILL "$p" 2>/dev/null; done
	cg_kill_rm 1
	cp "$B/config.json" "$o/config.json"
	{
		grep -E '^[A-Za-z~][^=]*=' "$o/stdout" | awk -v W="$W" -v ID="$id" -v HOSTNS="$HOSTNS" '
			{ while ((i = index($0, W)) > 0) $0 = substr($0, 1, i - 1) "@W@" substr($0, i + length(W))
			  while ((i = index($0, ID)) > 0) $0 = substr($0, 1, i - 1) "@ID@" substr($0, i + length(ID)) }
			# namespaces ("net:[4026531840]", a startContainer hook'"'"'s log):
			# the host'"'"'s are "host", any other "new"
			/:\[[0-9]+\]/ {
				n = split(HOSTNS, h, " ")
				for (j = 1; j <= n; j++) while ((i = index($0, h[j])) > 0) $0 = substr($0, 1, i - 1) "host" substr($0, i + length(h[j]))
				gsub(/[a-z]+:\[[0-9]+\]/, "new")
			}
			# stdio: the runtime may hand over its own or a pipe it copies
			/^fd\.[012]=/ && !/=\/dev\/(pts|console)/ { sub(/=[^ ]*/, "=stdio") }
			/^cgfile\.devices\/devices\.list=/ {
				v = substr($0, index($0, "=") + 1); n = split(v, a, ";"); s = ""
				for (i = 1; i <= n; i++) if (a[i] != "") b[++m] = a[i]
				for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (b[j] < b[i]) { t = b[i]; b[i] = b[j]; b[j] = t }
				for (i = 1; i <= m; i++) s = s b[i] ";"
				$0 = "cgfile.devices/devices.list=" s; m = 0
			}
			{ print }'
		if grep -q '^end=ok' "$o/stdout"; then echo "probe=ran"; elif grep -q '^probe=' "$o/stdout"; then echo "probe=incomplete"; else echo "probe=none"; fi
		echo "result=$rc"
		case $rc in 0|detached) ;; *) echo "errclass=$(errclass "$rc" "$o/stderr")" ;; esac
		echo "leftover=${leftover:- none}" | sed 's/= /=/'
		if [ -f "$HOOKLOG" ]; then
			# the hook'"'"'s namespaces: the host'"'"'s are "host", others "new"
			awk -v W="$W" -v ID="$id" -v HOSTNS="$HOSTNS" '{ while ((i = index($0, W)) > 0) $0 = substr($0, 1, i - 1) "@W@" substr($0, i + length(W))
				while ((i = index($0, ID)) > 0) $0 = substr($0, 1, i - 1) "@ID@" substr($0, i + length(ID))
				n = split(HOSTNS, h, " ")
				for (j = 1; j <= n; j++) while ((i = index($0, h[j])) > 0) $0 = substr($0, 1, i - 1) "host" substr($0, i + length(h[j]))
				gsub(/[a-z]+:\[[0-9]+\]/, "new")
				n = $1; c[n]++; k = "hook." n (c[n] > 1 ? "#" c[n] : ""); sub(/^[^ ]* /, ""); print k "=" $0 }' "$HOOKLOG"
		fi
		# informational (not compared): the runtime's first error line
		[ -s "$o/stderr" ] && echo "~stderr=$(grep -v '^\s*$' "$o/stderr" | head -1 | cut -c1-300)"
	} > "$o/report"
}

# accepted differences, one a line:
#   KEY-REGEX FEATURES-REGEX [runc~VALUE-REGEX] [ocirun~VALUE-REGEX] REASON
# (bash EREs without spaces; FEATURES-REGEX is matched against " FEATURES ")
ACC_K=() ACC_F=() ACC_RV=() ACC_OV=() ACC_R=() ACC_LINE=()
declare -A ACC_USED=()
if [ -f "$ACCEPTED" ]; then
	ln=0
	while read -r k f r; do
		ln=$((ln + 1))
		case $k in ''|'#'*) continue ;; esac
		rv='' ov=''
		while :; do
			case $r in
			runc~*) rv=${r%% *}; rv=${rv#runc~}; r=${r#* } ;;
			ocirun~*) ov=${r%% *}; ov=${ov#ocirun~}; r=${r#* } ;;
			*) break ;;
			esac
		done
		ACC_K+=("$k") ACC_F+=("$f") ACC_RV+=("$rv") ACC_OV+=("$ov") ACC_R+=("$r") ACC_LINE+=("$ln")
	done < "$ACCEPTED"
fi
accepted() { # KEY FEATURES RUNC-VALUE OCIRUN-VALUE -> 0 and ACC_WHY if accepted
	local i
	for i in "${!ACC_K[@]}"; do
		[[ $1 =~ ${ACC_K[$i]} ]] || continue
		[[ " $2 " =~ ${ACC_F[$i]} ]] || continue
		[ -z "${ACC_RV[$i]}" ] || [[ $3 =~ ${ACC_RV[$i]} ]] || continue
		[ -z "${ACC_OV[$i]}" ] || [[ $4 =~ ${ACC_OV[$i]} ]] || continue
		ACC_WHY=${ACC_R[$i]}; ACC_USED[$i]=1
		return 0
	done
	return 1
}
short() { local s=$1; [ ${#s} -gt 150 ] && s="${s:0:147}..."; printf '%s' "$s"; }

NB=0 NF=0 NM=0 NA=0 NU=0
declare -A MISKEYS=()
for d in "$W"/gen/*/; do
	name=$(basename "$d")
	[ -n "$ONLY" ] && ! [[ $name =~ $ONLY ]] && continue
	feats=$(cat "$d/features")
	for rt in "${RTS[@]}"; do run_one "$rt" "$name" "$d/config.json" "$W/out/$name/$rt"; done
	NB=$((NB + 1))
	# compare key by key (keys of runc's report first, in its order)
	diffs=$(awk -F= '
		FNR == NR { k = $1; sub(/^[^=]*=/, ""); if (!(k in a)) order[++n] = k; a[k] = $0; next }
		{ k = $1; sub(/^[^=]*=/, ""); if (!(k in a) && !(k in b)) order[++n] = k; b[k] = $0 }
		# the mount order over the mount points both have (a mount only one
		# has is its own mismatch)
		function common(x, y,   nx, ny, i, xs, ys, in_y, r) {
			nx = split(x, xs, " "); ny = split(y, ys, " ")
			for (i = 1; i <= ny; i++) in_y[ys[i]] = 1
			for (i = 1; i <= nx; i++) if (xs[i] in in_y) r = r " " xs[i]
			return r
		}
		END {
			# the probe ran under one runtime only: the rest says nothing more
			only = (a["probe"] == "none") != (b["probe"] == "none")
			for (i = 1; i <= n; i++) {
				k = order[i]; if (k ~ /^~/) continue
				if (only && k !~ /^(probe|result|errclass|leftover)$/) continue
				fields++
				va = (k in a) ? a[k] : "<absent>"; vb = (k in b) ? b[k] : "<absent>"
				if (k == "mounts.order" && common(va, vb) == common(vb, va)) continue
				if (va != vb) print "D\t" k "\t" va "\t" vb
			}
			print "F\t" fields
		}' "$W/out/$name/runc/report" "$W/out/$name/ocirun/report")
	nf=$(printf '%s\n' "$diffs" | awk -F'\t' '$1 == "F" { print $2 }')
	NF=$((NF + nf))
	bad=() acc=() details=()
	while IFS=$'\t' read -r tag k va vb; do
		[ "$tag" = D ] || continue
		NM=$((NM + 1))
		if accepted "$k" "$feats" "$va" "$vb"; then
			NA=$((NA + 1)); acc+=("$k")
			[ $VERBOSE = 1 ] && details+=("    $k (accepted: $ACC_WHY): runc=$(short "$va") | ocirun=$(short "$vb")")
		else
			NU=$((NU + 1)); bad+=("$k")
			MISKEYS[$k]=$(( ${MISKEYS[$k]:-0} + 1 ))
			details+=("    $k: runc=$(short "$va") | ocirun=$(short "$vb")")
		fi
	done <<<"$diffs"
	if [ ${#bad[@]} -gt 0 ]; then
		echo "DIFF $name [$feats]: ${bad[*]}${acc:+ (accepted: ${acc[*]})}"
	else
		echo "same $name [$feats]${acc:+ (accepted: ${acc[*]})}"
	fi
	for l in "${details[@]}"; do echo "$l"; done
	# runtime error lines, for the reader (not compared)
	if [ ${#details[@]} -gt 0 ]; then
		for rt in "${RTS[@]}"; do
			e=$(grep '^~stderr=' "$W/out/$name/$rt/report" | cut -d= -f2-)
			[ -n "$e" ] && echo "    ($rt: $e)"
		done
	fi
	if [ -n "$SAVE" ]; then
		mkdir -p "$SAVE/$name"
		cp "$d/features" "$SAVE/$name/"
		for rt in "${RTS[@]}"; do cp -r "$W/out/$name/$rt" "$SAVE/$name/"; done
	fi
done

if [ ${#MISKEYS[@]} -gt 0 ]; then
	echo "unexpected mismatches by key:"
	for k in "${!MISKEYS[@]}"; do echo "  ${MISKEYS[$k]} $k"; done | sort -k2
fi
# accepted lines no bundle needed: listed with --single (where every
# variant runs alone); otherwise counted (a random mix need not meet them)
unseen=0
for i in "${!ACC_K[@]}"; do
	[ -n "${ACC_USED[$i]:-}" ] && continue
	unseen=$((unseen + 1))
	[ -n "$SINGLE" ] && [ -z "$ONLY" ] && echo "accepted-but-unseen: $(basename "$ACCEPTED") line ${ACC_LINE[$i]}: ${ACC_K[$i]} ${ACC_F[$i]} (${ACC_R[$i]})"
done
[ $unseen -gt 0 ] && [ -z "$SINGLE" ] && echo "($unseen accepted lines not needed by these bundles; run --single to list the ones no variant meets)"
echo "runtime $(( $(date +%s) - T0 )) s; seed $SEED; $(tail -1 "$W/gen.log" 2>/dev/null | sed 's/^gen: //')"
status=PASS; [ $NU -gt 0 ] && status=FAIL
echo "differential: $NB bundles, $NF fields compared, $NM mismatches ($NA accepted, $NU unexpected) - $status"
[ $NU = 0 ]
