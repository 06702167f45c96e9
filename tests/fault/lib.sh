# tests/fault/lib.sh - helpers shared by tests/fault/sweep.sh and load.sh.
# Sourced, not run.  Sets up a private temp dir, state root, busybox bundle
# and a tag that every runtime process (and, through process.env, every
# container process) carries, so that what a case leaves behind is found by
# the tag and not by a name another test run may also use.
#
# Environment read here:
#   RUNTIME=PATH   runtime to test (default: the repo's ./ocirun, built with
#                  `make ocirun` if older than runtime.c, copied into the temp
#                  dir so a rebuild during the run does not change it)
#   FAULT_TO=S     seconds allowed for one runtime call (default 20: more than
#                  the runtime's own bounded waits, so that what a slow
#                  cleanup leaves behind is seen, not hidden by the timeout)
#   FAULT_KEEP=1   keep the temp dir at exit (for debugging)

# shellcheck shell=bash disable=SC2086,SC2034,SC2045,SC1007,SC2010
export LC_ALL=C
FAULT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$FAULT_DIR/../.." && pwd)
SELF=${SELF:-$(basename "$0")}
TO=${FAULT_TO:-20}
MARKER=1234567                       # process.args = sleep MARKER
CGP=/ocirun-fault                    # cgroupsPath = CGP/ID
PASS=0 FAILED=0 SKIPPED=0

die() { echo "$SELF: $*" >&2; echo "0 passed, 1 failed"; exit 1; }
note() { echo "# $*"; }

now_ms() { local t; t=$(date +%s%N); echo $((t / 1000000)); }

# msleep MS: sleep MS milliseconds without a fork (read -t on a fifo
# nobody writes); MS may be fractional ("0.5")
msleep() { read -r -t "$(awk -v m="$1" 'BEGIN { printf "%.6f", m / 1000 }')" -u "$SLEEP_FD" _ || true; }
usleep() { local us=$1; read -r -t "$((us / 1000000)).$(printf %06d $((us % 1000000)))" -u "$SLEEP_FD" _ || true; }

lib_init() {
	[ "$(id -u)" = 0 ] || die "must run as root"
	local t
	for t in jq timeout "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "$t is required"
	done
	TMP=$(mktemp -d /tmp/ocirun-fault.XXXXXX) || die "mktemp failed"
	chmod 755 "$TMP"
	trap lib_cleanup EXIT
	trap 'exit 130' INT TERM
	ROOT=$TMP/state
	mkdir -p "$ROOT" "$TMP/b"
	mkfifo "$TMP/sleep.fifo"
	exec {SLEEP_FD}<>"$TMP/sleep.fifo"
	RUNID=$$
	TAG=ocirun-fault-$$-$RANDOM$RANDOM

	if [ -z "${RUNTIME:-}" ]; then
		RUNTIME=$REPO/ocirun
		if [ ! -x "$RUNTIME" ] || [ "$REPO/runtime.c" -nt "$RUNTIME" ]; then
			make -s -C "$REPO" ocirun >"$TMP/make.log" 2>&1 ||
				{ [ -x "$RUNTIME" ] && note "make failed (someone mid-edit?); testing the existing $RUNTIME" ||
					{ cat "$TMP/make.log" >&2; die "make ocirun failed"; }; }
		fi
		cp "$RUNTIME" "$TMP/ocirun" || die "cannot copy $RUNTIME"
		RT=$TMP/ocirun
	else
		case $RUNTIME in /*) RT=$RUNTIME ;; *) RT=$(command -v "$RUNTIME") || die "$RUNTIME not found" ;; esac
	fi
	[ -x "$RT" ] || die "runtime $RT not executable"
	IS_OCIRUN=0
	timeout 10 "$RT" --version 2>/dev/null | grep -q ocirun && IS_OCIRUN=1
	RTNAME=$(basename "${RUNTIME:-$RT}")

	sh "$REPO/examples/mkbundle.sh" "$TMP/base" sleep "$MARKER" >"$TMP/mkbundle.log" 2>&1 ||
		{ cat "$TMP/mkbundle.log" >&2; die "examples/mkbundle.sh failed"; }
	jq --arg r "$TMP/base/rootfs" --arg t "FAULT_TAG=$TAG" \
		'.root.path = $r | .process.env += [$t]' "$TMP/base/config.json" >"$TMP/base/c.json" || die "jq failed"

	# every cgroup hierarchy mounted on this host (v1, hybrid, v2)
	CG_MPS=$(awk '{ for (i = 7; $i != "-"; i++); if ($(i+1) == "cgroup" || $(i+1) == "cgroup2") print $5 }' /proc/self/mountinfo | sort -u)
	[ -n "$CG_MPS" ] || die "no cgroup hierarchy mounted"
}

lib_cleanup() {
	set +e
	trap - EXIT INT TERM
	local id
	for id in $(ls -A "$ROOT" 2>/dev/null); do
		FAULT_TAG=$TAG timeout -k 2 10 "$RT" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 {SLEEP_FD}<&-
	done
	force_clean ""
	if [ "${FAULT_KEEP:-0}" = 1 ]; then
		echo "# kept $TMP" >&2
	else
		rm -rf --one-file-system "$TMP"
	fi
}

# rt ARGS...: one runtime call under timeout, tagged
# (the runtime does not get the harness's sleep fifo)
rt() { FAULT_TAG=$TAG timeout -k 3 "$TO" "$RT" --root "$ROOT" "$@" {SLEEP_FD}<&-; }
timed_out() { [ "$1" = 124 ] || [ "$1" = 137 ]; }

# mkcase ID [JQ-FILTER]: bundle $TMP/b/ID (config only; the rootfs is shared),
# cgroupsPath CGP/ID.  Sets B.
mkcase() {
	B=$TMP/b/$1
	mkdir -p "$B"
	jq --arg cg "$CGP/$1" ".linux.cgroupsPath = \$cg | ${2:-.}" "$TMP/base/c.json" >"$B/config.json"
}

alive() { # exists and is not a zombie
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}
comm_of() { cat "/proc/$1/comm" 2>/dev/null; }
cmdline_of() { { tr '\0' ' ' <"/proc/$1/cmdline"; } 2>/dev/null | cut -c1-120; }

# our_pids: live processes of this run: carrying the tag in their
# environment (runtime stages; container processes through process.env), in
# one of this run's cgroups, or with the temp dir in their command line.
# Harness processes (timeout, strace, grep) are left out; strace is looked
# at separately by tracer_pids.
our_pids() {
	local p pid c
	{
		grep -l -s -a -F "FAULT_TAG=$TAG" /proc/[0-9]*/environ
		grep -l -s -F "$CGP/f$RUNID-" /proc/[0-9]*/cgroup
		grep -l -s -F "$CGP/l$RUNID-" /proc/[0-9]*/cgroup
		grep -l -s -a -F "$TMP/" /proc/[0-9]*/cmdline
	} 2>/dev/null | sort -u | while read -r p; do
		pid=${p#/proc/}; pid=${pid%%/*}
		[ "$pid" = $$ ] && continue
		c=$(comm_of "$pid") || continue
		case $c in timeout|strace|grep|sort|bash) continue ;; esac
		alive "$pid" && echo "$pid"
	done | sort -un
}

# tracer_pids [STRING]: our strace processes (optionally: whose command line
# has STRING)
tracer_pids() {
	local p pid
	for p in $(grep -l -s -a -F "${1:-$TMP/}" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${p#/proc/}; pid=${pid%%/*}
		[ "$(comm_of "$pid")" = strace ] && alive "$pid" && echo "$pid"
	done
}

# detach_tracers STRING [SIG]: end our strace processes (whose command line
# has STRING): the kernel detaches the tracees of a tracer that dies (strace
# sets no PTRACE_O_EXITKILL), and SIGKILL does it at once where strace's own
# SIGTERM detach takes seconds with a tracee blocked in accept(); SIGTERM
# (slow) when its output file must be complete.
detach_tracers() {
	local p i
	for p in $(tracer_pids "$1"); do kill -"${2:-KILL}" "$p" 2>/dev/null; done
	for i in $(seq 40); do
		[ -z "$(tracer_pids "$1")" ] && return 0
		msleep 50
	done
	for p in $(tracer_pids "$1"); do kill -KILL "$p" 2>/dev/null; done
	return 1
}

# residue ID: what is left of container ID (and of this run); empty if clean
residue() {
	local id=$1 what= p mp x
	[ -n "$id" ] && [ -e "$ROOT/$id" ] && what="$what state dir $ROOT/$id ($(ls -A "$ROOT/$id" 2>/dev/null | tr '\n' ' '| sed 's/ $//'));"
	x=$(ls -A "$ROOT" 2>/dev/null | grep -vxF -- "$id" | tr '\n' ' ')
	[ -n "$x" ] && what="$what stray in state root: ${x% };"
	for p in $(our_pids); do
		what="$what process $p [$(comm_of "$p")] $(cmdline_of "$p");"
	done
	x=
	for mp in $CG_MPS; do
		if [ -n "$id" ]; then
			[ -d "$mp$CGP/$id" ] && x="$x ${mp##*/}"
		else
			for p in "$mp$CGP"/[fl]"$RUNID"-*; do [ -d "$p" ] && what="$what cgroup $p;"; done
		fi
	done
	[ -n "$x" ] && what="$what cgroup $CGP/$id in$x;"
	x=$(awk -v t="$TMP/" 'index($0, t) { print $5 }' /proc/self/mountinfo | head -3 | tr '\n' ' ')
	[ -n "$x" ] && what="$what mount ${x% };"
	printf '%s' "${what# }"
}

# residue_settled ID: residue, allowing 300 ms for processes to finish dying
residue_settled() {
	local r i
	for i in 1 2 3 4; do
		r=$(residue "$1")
		[ -z "$r" ] && return 0
		msleep 100
	done
	printf '%s' "$r"
}

# force_clean ID: remove whatever residue ID (or, with "", the whole run) left,
# so that the next case starts clean
force_clean() {
	local id=$1 p mp d i
	for p in $(tracer_pids) $(our_pids); do kill -KILL "$p" 2>/dev/null; done
	for i in $(seq 20); do [ -z "$(our_pids)" ] && break; msleep 50; done
	for mp in $CG_MPS; do
		if [ -n "$id" ]; then set -- "$mp$CGP/$id"; else set -- "$mp$CGP"/[fl]"$RUNID"-*; fi
		for d; do
			[ -d "$d" ] || continue
			[ -f "$d/freezer.state" ] && echo THAWED >"$d/freezer.state" 2>/dev/null
			[ -f "$d/cgroup.freeze" ] && echo 0 >"$d/cgroup.freeze" 2>/dev/null
			for i in 1 2 3 4 5; do
				find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
				[ -d "$d" ] || break
				for p in $(cat "$d/cgroup.procs" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
				msleep 100
			done
		done
		[ -z "$id" ] && rmdir "$mp$CGP" 2>/dev/null
	done
	awk -v t="$TMP/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r d; do
		umount -l "$d" 2>/dev/null
	done
	if [ -n "$id" ]; then
		rm -rf --one-file-system "${ROOT:?}/$id"
		find "$ROOT" -mindepth 1 -maxdepth 1 -exec rm -rf --one-file-system {} + 2>/dev/null
	fi
	return 0
}

# errsum FILE: the file's text on one line, at most 240 characters,
# without strace's own messages
errtext() { grep -v '^strace: ' "$1" 2>/dev/null; }
errsum() { errtext "$1" | tr '\n' '|' | sed 's/|$//' | cut -c1-240; }

# unclear_error FILE WANT...: why the error in FILE is not "a clear one-line
# error naming what failed" (empty if it is).  WANT: texts of which one must
# appear (e.g. the injected errno's strerror); none: any non-empty line.
unclear_error() {
	local f=$1 lines n w; shift
	lines=$(errtext "$f" | grep -v -i -e 'level=warn' -e 'warning' | grep -v '^[[:space:]]*$')
	n=$(printf '%s' "$lines" | grep -c '')
	[ "$n" = 0 ] && { echo "no error message on stderr"; return; }
	[ "$n" -gt 1 ] && { echo "error of $n lines: $(errsum "$f")"; return; }
	[ $# = 0 ] && return
	# (case-insensitive: Go's errors say "input/output error")
	for w; do case ${lines,,} in *"${w,,}"*) return ;; esac; done
	echo "error does not name the failure ($1): $(errsum "$f")"
}

strerror() {
	case $1 in
	EIO) echo "Input/output error" ;; ENOSPC) echo "No space left on device" ;;
	EPERM) echo "Operation not permitted" ;; ENOMEM) echo "Cannot allocate memory" ;;
	*) echo "$1" ;;
	esac
}

# result NAME REASON: one output line; empty REASON is a pass
result() {
	if [ -z "$2" ]; then
		echo "ok - $1"; PASS=$((PASS + 1))
	else
		echo "FAIL - $1: $2"; FAILED=$((FAILED + 1))
	fi
}
