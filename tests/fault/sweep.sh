#!/bin/bash
# tests/fault/sweep.sh - fault injection sweep for the runtime's lifecycle.
#
#   sudo tests/fault/sweep.sh                 # full sweep (~10 min)
#   sudo tests/fault/sweep.sh --quick         # a sample (~1-2 min), for the suite
#   sudo tests/fault/sweep.sh --counts        # only print the per-class call counts
#   sudo tests/fault/sweep.sh create/mount    # only cases whose name contains a word
#   sudo RUNTIME=/usr/sbin/runc tests/fault/sweep.sh   # the same against runc
#
# Three parts:
#  1. syscall faults: for each command (create, start, exec, delete --force,
#     run -d) and each class of syscalls, the N-th call of the class fails
#     (strace -f -e inject=SET:error=E:when=N).  strace counts calls per
#     syscall and per process, so N=3 fails the third openat of stage 0 and
#     the third of each stage; N runs from 1 to the highest count seen in
#     an unfaulted run (counted first), at most FAULT_MAX_N values spread
#     evenly over that range.
#  2. SIGKILL: the runtime (create, run -d, start, exec, delete --force) is
#     killed with SIGKILL (odd cases: its pid; even: its whole process group)
#     after a delay drawn from 0..FAULT_KILL_MAX_US with a fixed seed.
#  3. damaged state: after create (and after start), state.json is made
#     empty, half, garbage or removed; `state` must fail clearly.
# After every case: the command succeeded, or failed with a clear one-line
# error on stderr naming the injected failure; nothing hung (every call under
# `timeout`); and after `delete --force ID` nothing is left: no process (by a
# tag in the environment of every runtime and container process, by cgroup,
# by the temp dir in the command line), no cgroup CGP/ID in any hierarchy, no
# mount of the bundle, rootfs or state dir, no state dir, no stray file in
# the state root.  What a case leaves is removed before the next one.
#
# Case names: CMD/CLASS/ERRNO/N, kill/CMD/DELAYus/pid|pgrp, state/DAMAGE/WHEN.
# Output: one "ok - NAME" or "FAIL - NAME: reason" line per case, a summary
# (lines starting with "#"), and last "N passed, M failed".
#
# Environment: RUNTIME, FAULT_TO (see lib.sh); FAULT_SLOW_MS (a call that
# takes longer fails as "slow", default 5000); FAULT_MAX_N (N values per
# class and command, default 40, quick 3); FAULT_KILLS (kill delays per
# command, default 30, quick 6); FAULT_KILL_MAX_US (default 50000);
# FAULT_SEED (default 1); FAULT_CMDS (default "create start exec delete
# run"); FAULT_PARTS (default "syscall kill state"); FAULT_LOG=FILE appends
# "NAME<tab>EXIT<tab>STDERR" of every case (to see the error texts).

# shellcheck disable=SC2086,SC1007,SC1091,SC2034
set -u
SELF=sweep.sh
. "$(dirname "$0")/lib.sh"

QUICK=0 COUNTS_ONLY=0 FILTER=()
for a; do
	case $a in
	--quick) QUICK=1 ;;
	--counts) COUNTS_ONLY=1 ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) die "unknown option $a" ;;
	*) FILTER+=("$a") ;;
	esac
done
if [ $QUICK = 1 ]; then
	MAX_N=${FAULT_MAX_N:-3} KILLS=${FAULT_KILLS:-6}
else
	MAX_N=${FAULT_MAX_N:-40} KILLS=${FAULT_KILLS:-30}
fi
KILL_MAX_US=${FAULT_KILL_MAX_US:-50000}
SLOW_MS=${FAULT_SLOW_MS:-5000}
SEED=${FAULT_SEED:-1}
CMDS=${FAULT_CMDS:-create start exec delete run}
PARTS=${FAULT_PARTS:-syscall kill state}

# class|syscalls|errnos
CLASSES=(
	"open|open,openat,openat2|EIO"
	"read|read,readv,pread64|EIO"
	"write|write,writev,pwrite64|EIO ENOSPC"
	"mkdir|mkdir,mkdirat|EIO"
	"mount|mount,umount2,mount_setattr,move_mount,open_tree,fsopen,fsconfig,fsmount|EIO EPERM"
	"clone|clone,clone3,vfork,fork|EIO ENOMEM"
	"unshare|unshare|EIO"
	"setns|setns|EIO"
	"pivot_root|pivot_root|EIO"
	"execve|execve,execveat|EIO"
	"socketpair|socketpair|EIO"
	"fsync_rename|fsync,fdatasync,rename,renameat,renameat2|EIO"
	"kill|kill,tgkill,tkill,pidfd_send_signal|EIO"
	"wait|wait4,waitid|EIO"
	"pidfd_open|pidfd_open|EIO"
)

lib_init strace awk
note "runtime: $RT ($( "$RT" --version 2>/dev/null | head -1)); temp dir $TMP"
note "mode: $([ $QUICK = 1 ] && echo quick || echo full); FAULT_MAX_N=$MAX_N FAULT_KILLS=$KILLS FAULT_SEED=$SEED FAULT_TO=$TO"
T0=$(now_ms)

selected() {
	[ ${#FILTER[@]} = 0 ] && return 0
	local f
	for f in "${FILTER[@]}"; do case $1 in *"$f"*) return 0 ;; esac; done
	return 1
}

# per summary group: cases residue hung slow unclear other
declare -A G_CASES G_RES G_HUNG G_SLOW G_UNCL G_OTHER G_OK
GROUPS_ORDER=()
tally() { # tally GROUP RESIDUE HUNG SLOW UNCLEAR OTHER
	local g=$1
	if [ -z "${G_CASES[$g]+x}" ]; then
		GROUPS_ORDER+=("$g"); G_CASES[$g]=0 G_RES[$g]=0 G_HUNG[$g]=0 G_SLOW[$g]=0 G_UNCL[$g]=0 G_OTHER[$g]=0 G_OK[$g]=0
	fi
	G_CASES[$g]=$((G_CASES[$g] + 1))
	G_RES[$g]=$((G_RES[$g] + $2)); G_HUNG[$g]=$((G_HUNG[$g] + $3)); G_SLOW[$g]=$((G_SLOW[$g] + $4))
	G_UNCL[$g]=$((G_UNCL[$g] + $5)); G_OTHER[$g]=$((G_OTHER[$g] + $6))
	[ "$2$3$4$5$6" = 00000 ] && G_OK[$g]=$((G_OK[$g] + 1))
	return 0
}

# setup CMD ID: bring container ID to where CMD starts from (no faults)
setup() {
	# (output to a file: the container's stdio is the caller's, and it
	# would hold a $(...) pipe open)
	case $1 in
	create|run) return 0 ;;
	start) rt create --bundle "$B" "$2" </dev/null >"$TMP/setup.out" 2>&1 ;;
	exec|delete) rt run -d --bundle "$B" "$2" </dev/null >"$TMP/setup.out" 2>&1 ;;
	esac || { SETUP_ERR="setup of $1 failed: $(errsum "$TMP/setup.out")"; return 1; }
}

# cmd_args CMD ID: the runtime's arguments for CMD (sets ARGS)
cmd_args() {
	case $1 in
	create) ARGS=(create --bundle "$B" "$2") ;;
	start) ARGS=(start "$2") ;;
	exec) ARGS=(exec "$2" true) ;;
	delete) ARGS=(delete --force "$2") ;;
	run) ARGS=(run -d --bundle "$B" "$2") ;;
	esac
}

# finish NAME GROUP ID RC ERRFILE WANT MS: the invariant after the command
# (which took MS ms), then delete --force and the residue check; one line
finish() {
	local name=$1 group=$2 id=$3 rc=$4 ef=$5 want=$6 ms=$7 why= r h=0 sl=0 u=0 o=0 res=0 drc t
	if timed_out "$rc"; then
		why="hung (no exit within ${TO}s; stderr: $(errsum "$ef"))"; h=1
	else
		[ "$ms" -gt "$SLOW_MS" ] && { why="slow: took $ms ms (exit $rc)"; sl=1; }
		if [ "$rc" != 0 ]; then
			if [ -n "$want" ]; then r=$(unclear_error "$ef" "$want"); else r=$(unclear_error "$ef"); fi
			[ -n "$r" ] && { why="${why:+$why; }exit $rc, $r"; u=1; }
		fi
	fi
	t=$(now_ms)
	rt delete --force "$id" </dev/null >"$TMP/del.out" 2>"$TMP/del.err"
	drc=$?
	t=$(( $(now_ms) - t ))
	if timed_out "$drc"; then
		why="${why:+$why; }delete --force hung"; h=1
	elif [ "$t" -gt "$SLOW_MS" ]; then
		why="${why:+$why; }delete --force slow: took $t ms (exit $drc)"; sl=1
	fi
	r=$(residue_settled "$id")
	if [ -n "$r" ]; then
		why="${why:+$why; }left after delete --force (exit $drc$( [ "$drc" != 0 ] && echo ": $(errsum "$TMP/del.err")")): $r"
		res=1
	fi
	result "$name" "$why"
	[ -n "${FAULT_LOG:-}" ] && printf '%s\t%s\t%s\n' "$name" "$rc" "$(errsum "$ef")" >>"$FAULT_LOG"
	[ -n "$why" ] && [ $res = 0 ] && [ $h = 0 ] && [ $sl = 0 ] && [ $u = 0 ] && o=1
	tally "$group" $res $h $sl $u $o
	force_clean "$id"
}

# ------------------------------------------------------------- counting --

ALL_SYSCALLS=$(for c in "${CLASSES[@]}"; do IFS='|' read -r _ s _ <<<"$c"; echo "$s"; done | tr '\n' ',' | sed 's/,$//')
declare -A COUNT   # COUNT[cmd:class] = highest per-process, per-syscall count

count_calls() { # count_calls CMD: trace an unfaulted CMD, fill COUNT
	local cmd=$1 id=f$RUNID-count-$1 tf=$TMP/count-$1.trace c cls set n
	mkcase "$id"
	setup "$cmd" "$id" || { note "count $cmd: $SETUP_ERR"; force_clean "$id"; return 1; }
	cmd_args "$cmd" "$id"
	FAULT_TAG=$TAG timeout -k 3 "$TO" strace -D -f -qq -o "$tf" -e trace="$ALL_SYSCALLS" -- \
		"$RT" --root "$ROOT" "${ARGS[@]}" </dev/null >/dev/null 2>"$TMP/count.err" {SLEEP_FD}<&-
	c=$?
	detach_tracers "$id" TERM
	[ $c = 0 ] || note "count $cmd: unfaulted $cmd failed (exit $c): $(errsum "$TMP/count.err")"
	rt delete --force "$id" >/dev/null 2>&1 </dev/null
	force_clean "$id"
	for c in "${CLASSES[@]}"; do
		IFS='|' read -r cls set _ <<<"$c"
		# the traced command's own first execve is not counted by strace's
		# injection (it is not the runtime's)
		n=$(awk -v set=",$set," '
			NR == 1 && /execve\(/ { next }
			{ pid = $1; s = $2; sub(/\(.*/, "", s); if (s ~ /^</) next
			  if (index(set, "," s ",")) { k = pid " " s; n[k]++; if (n[k] > max) max = n[k] } }
			END { print max + 0 }' "$tf")
		COUNT[$cmd:$cls]=$n
	done
}

# nvalues COUNT: the N values to try (all up to MAX_N, else spread evenly)
nvalues() {
	awk -v c="$1" -v m="$MAX_N" 'BEGIN {
		if (c <= m) { for (i = 1; i <= c; i++) print i; exit }
		for (i = 0; i < m; i++) { v = 1 + int(i * (c - 1) / (m - 1) + 0.5); if (v != last) print v; last = v } }'
}

# ---------------------------------------------------------- 1: syscalls --

fault_case() { # fault_case CMD CLASS SET ERRNO N
	local cmd=$1 cls=$2 set=$3 e=$4 n=$5 name id rc t
	name="$cmd/$cls/$e/$n"
	selected "$name" || return 0
	id=f$RUNID-$cmd-$cls-$e-$n
	mkcase "$id"
	if ! setup "$cmd" "$id"; then
		result "$name" "$SETUP_ERR"; tally "$cmd/$cls/$e" 0 0 0 0 1; force_clean "$id"; return
	fi
	cmd_args "$cmd" "$id"
	t=$(now_ms)
	FAULT_TAG=$TAG timeout -k 3 "$TO" strace -D -f -qq -o /dev/null -e trace="$set" \
		-e inject="$set:error=$e:when=$n" -- "$RT" --root "$ROOT" "${ARGS[@]}" \
		</dev/null >"$TMP/out" 2>"$TMP/err" {SLEEP_FD}<&-
	rc=$?
	t=$(( $(now_ms) - t ))
	detach_tracers "$id"
	finish "$name" "$cmd/$cls/$e" "$id" "$rc" "$TMP/err" "$(strerror "$e")" "$t"
}

if [[ " $PARTS " == *" syscall "* ]]; then
	for cmd in $CMDS; do count_calls "$cmd"; done
	note "calls per class (highest count of one syscall in one process, unfaulted):"
	note "$(printf '%-13s' class; for cmd in $CMDS; do printf ' %7s' "$cmd"; done)"
	for c in "${CLASSES[@]}"; do
		IFS='|' read -r cls _ _ <<<"$c"
		note "$(printf '%-13s' "$cls"; for cmd in $CMDS; do printf ' %7s' "${COUNT[$cmd:$cls]:-?}"; done)"
	done
	[ $COUNTS_ONLY = 1 ] && { echo "0 passed, 0 failed"; exit 0; }
	for cmd in $CMDS; do
		for c in "${CLASSES[@]}"; do
			IFS='|' read -r cls set errs <<<"$c"
			for e in $errs; do
				for n in $(nvalues "${COUNT[$cmd:$cls]:-0}"); do
					fault_case "$cmd" "$cls" "$set" "$e" "$n"
				done
			done
		done
	done
	note "syscall part: $(( ($(now_ms) - T0) / 1000 )) s"
fi

# ----------------------------------------------------------- 2: SIGKILL --

kill_case() { # kill_case CMD I DELAY_US
	local cmd=$1 i=$2 us=$3 how name id pid rc
	how=pid; [ $((i % 2)) = 0 ] && how=pgrp
	name="kill/$cmd/${us}us/$how"
	selected "$name" || return 0
	id=f$RUNID-k-$cmd-$i
	mkcase "$id"
	if ! setup "$cmd" "$id"; then
		result "$name" "$SETUP_ERR"; tally "kill/$cmd" 0 0 0 0 1; force_clean "$id"; return
	fi
	cmd_args "$cmd" "$id"
	[ "$cmd" = exec ] && ARGS=(exec "$id" sleep "$MARKER")
	# setsid: not a group leader (no job control here), so it does not
	# fork: $! is the runtime, and its own process group
	FAULT_TAG=$TAG setsid "$RT" --root "$ROOT" "${ARGS[@]}" </dev/null >"$TMP/out" 2>"$TMP/err" {SLEEP_FD}<&- &
	pid=$!
	usleep "$us"
	# (a group kill that comes before the child's setsid() finds no group:
	# then the pid alone)
	if [ $how = pid ]; then kill -KILL "$pid" 2>/dev/null
	else kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null; fi
	wait "$pid" 2>/dev/null
	rc=$?
	# killed or finished: both fine; only the cleanup is judged (rc 0 is
	# passed so that no error-text check is made)
	finish "$name" "kill/$cmd" "$id" 0 "$TMP/err" "" 0
}

if [[ " $PARTS " == *" kill "* ]]; then
	T1=$(now_ms)
	RANDOM=$SEED
	for cmd in $CMDS; do
		for i in $(seq "$KILLS"); do
			us=$(( (RANDOM * 32768 + RANDOM) % (KILL_MAX_US + 1) ))
			kill_case "$cmd" "$i" "$us"
		done
	done
	note "kill part: $(( ($(now_ms) - T1) / 1000 )) s"
fi

# ------------------------------------------------------ 3: damaged state --

state_case() { # state_case DAMAGE WHEN
	local dmg=$1 when=$2 name id f why= r rc u=0 res=0 h=0 drc sz
	name="state/$dmg/$when"
	selected "$name" || return 0
	id=f$RUNID-s-$dmg-$when
	mkcase "$id"
	if [ "$when" = created ]; then setup start "$id"; else setup exec "$id"; fi || {
		result "$name" "$SETUP_ERR"; tally "state/$when" 0 0 0 0 1; force_clean "$id"; return; }
	f=$ROOT/$id/state.json
	case $dmg in
	empty) : >"$f" ;;
	half) sz=$(stat -c %s "$f"); truncate -s $((sz / 2)) "$f" ;;
	garbage) head -c 300 /dev/urandom | tr '\0{}' 'x()' >"$f" ;;
	missing) rm -f "$f" ;;
	esac
	rt state "$id" </dev/null >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if timed_out $rc; then why="state hung"; h=1
	elif [ $rc = 0 ]; then why="state succeeded on a damaged state.json: $(head -c 150 "$TMP/out")"; u=1
	else r=$(unclear_error "$TMP/err"); [ -n "$r" ] && { why="state: exit $rc, $r"; u=1; }
	fi
	STATE_ERR=$(errsum "$TMP/err")
	rt delete --force "$id" </dev/null >"$TMP/del.out" 2>"$TMP/del.err"
	drc=$?
	timed_out $drc && { why="${why:+$why; }delete --force hung"; h=1; }
	r=$(residue_settled "$id")
	[ -n "$r" ] && { why="${why:+$why; }left after delete --force (exit $drc: $(errsum "$TMP/del.err")): $r"; res=1; }
	[ $u = 0 ] && [ -n "$why" ] && why="$why [state: exit $rc: $STATE_ERR]"
	[ -z "$why" ] && note "$name: state said: $STATE_ERR"
	result "$name" "$why"
	tally "state/$when" $res $h 0 $u 0
	force_clean "$id"
}

if [[ " $PARTS " == *" state "* ]]; then
	for when in created running; do
		for dmg in empty half garbage missing; do state_case "$dmg" "$when"; done
	done
fi

# -------------------------------------------------------------- summary --

note "summary (runtime $RTNAME):"
note "$(printf '%-28s %5s %5s %5s %5s %5s %5s %5s' group cases ok resid hung slow unclr other)"
for g in "${GROUPS_ORDER[@]}"; do
	note "$(printf '%-28s %5d %5d %5d %5d %5d %5d %5d' "$g" "${G_CASES[$g]}" "${G_OK[$g]}" "${G_RES[$g]}" "${G_HUNG[$g]}" "${G_SLOW[$g]}" "${G_UNCL[$g]}" "${G_OTHER[$g]}")"
done
note "total time: $(( ($(now_ms) - T0) / 1000 )) s"
echo "$PASS passed, $FAILED failed"
[ "$FAILED" = 0 ]
