#!/bin/bash
# tests/fault/load.sh - load and soak tests of the runtime.
#
#   sudo tests/fault/load.sh            # 200 concurrent containers, 2,000-cycle soak
#   sudo tests/fault/load.sh --quick    # 50 concurrent, 100 cycles (~1 min)
#   sudo RUNTIME=/usr/sbin/runc tests/fault/load.sh
#
# 1. concurrent: LOAD_N (200) `run -d` of a `sleep` container at once; timed
#    until every one is running; every container's init holds only fds
#    0, 1, 2; then `delete --force` of all at once, timed; 0 failures and
#    nothing left (processes, cgroups, mounts, state).
# 2. soak: LOAD_CYCLES (2,000) create / start / delete of a /bin/true
#    container (same id each time), while two long-lived runtime processes
#    are watched: `events --interval 1s` of a long container and a foreground
#    `run` of another; their fd count must not change and their VmRSS must
#    not grow (LOAD_RSS_SLACK_KB, default 64, allowed for allocator noise);
#    at the end nothing is left, and a container's init still holds only
#    0, 1, 2 (and 0..4 with --preserve-fds 2).
# Output: "ok - NAME" / "FAIL - NAME: reason" lines, the figures as "#"
# lines, last "N passed, M failed".
#
# Environment: RUNTIME, FAULT_TO (see lib.sh); LOAD_N, LOAD_CYCLES,
# LOAD_RSS_SLACK_KB, LOAD_TO (timeout of one call under load, default 120).

# shellcheck disable=SC2086,SC1007,SC1091,SC2010,SC2034,SC2206
set -u
SELF=load.sh
. "$(dirname "$0")/lib.sh"

QUICK=0
for a; do
	case $a in
	--quick) QUICK=1 ;;
	-h|--help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) die "unknown argument $a" ;;
	esac
done
if [ $QUICK = 1 ]; then N=${LOAD_N:-50} CYCLES=${LOAD_CYCLES:-100}
else N=${LOAD_N:-200} CYCLES=${LOAD_CYCLES:-2000}; fi
SLACK=${LOAD_RSS_SLACK_KB:-64}
LTO=${LOAD_TO:-120}

lib_init awk
note "runtime: $RT ($("$RT" --version 2>/dev/null | head -1)); temp dir $TMP"
note "mode: $([ $QUICK = 1 ] && echo quick || echo full); LOAD_N=$N LOAD_CYCLES=$CYCLES"
T0=$(now_ms)

rtl() { FAULT_TAG=$TAG timeout -k 5 "$LTO" "$RT" --root "$ROOT" "$@" {SLEEP_FD}<&-; }

fd_targets() { local f; for f in /proc/$1/fd/*; do printf '%s=%s ' "${f##*/}" "$(readlink "$f")"; done 2>/dev/null; }
fds_of() { ls "/proc/$1/fd" 2>/dev/null | sort -n | tr '\n' ' ' | sed 's/ $//'; }
nfds() { ls "/proc/$1/fd" 2>/dev/null | grep -c ''; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
cpid() { rtl state "$1" 2>/dev/null | jq -r .pid 2>/dev/null; }

# ----------------------------------------------------------- concurrent --

t_concurrent() {
	local i id why= fails=0 t1 t2 t3 t4 running=0 bad= p f r pids
	for i in $(seq "$N"); do mkcase "l$RUNID-c$i"; done
	t1=$(now_ms)
	pids=()
	for i in $(seq "$N"); do
		id=l$RUNID-c$i
		rtl run -d --bundle "$TMP/b/$id" "$id" </dev/null >"$TMP/b/$id/run.out" 2>"$TMP/b/$id/run.err" &
		pids+=($!)
	done
	for i in $(seq "$N"); do
		wait "${pids[$((i - 1))]}" || { fails=$((fails + 1)); f=${f:-"l$RUNID-c$i: $(errsum "$TMP/b/l$RUNID-c$i/run.err")"}; }
	done
	t2=$(now_ms)
	# wait until all are running
	for i in $(seq 600); do
		running=$(rtl list --format json 2>/dev/null | jq '[.[] | select(.status == "running")] | length' 2>/dev/null)
		[ "${running:-0}" -ge $((N - fails)) ] && break
		msleep 100
	done
	t3=$(now_ms)
	note "concurrent: $N x run -d returned in $((t2 - t1)) ms, all running after $((t3 - t1)) ms; $fails failed; $running running"
	[ $fails = 0 ] || why="$fails of $N run -d failed (first: $f)"
	[ "${running:-0}" = "$N" ] || why="${why:+$why; }$running of $N running"
	# every init: fds 0 1 2 only
	for i in $(seq "$N"); do
		p=$(cpid "l$RUNID-c$i")
		[ -n "$p" ] && [ "$p" != null ] && [ "$p" != 0 ] || continue
		f=$(fds_of "$p")
		[ "$f" = "0 1 2" ] || bad="${bad:-l$RUNID-c$i (pid $p) has fds: $f}"
	done
	[ -n "$bad" ] && why="${why:+$why; }$bad"
	result "concurrent-run-d-$N" "$why"
	why=
	t3=$(now_ms)
	pids=()
	for i in $(seq "$N"); do
		id=l$RUNID-c$i
		rtl delete --force "$id" </dev/null >"$TMP/b/$id/del.out" 2>"$TMP/b/$id/del.err" &
		pids+=($!)
	done
	fails=0 f=
	for i in $(seq "$N"); do
		wait "${pids[$((i - 1))]}" || { fails=$((fails + 1)); f=${f:-"l$RUNID-c$i: $(errsum "$TMP/b/l$RUNID-c$i/del.err")"}; }
	done
	t4=$(now_ms)
	note "concurrent: $N x delete --force in $((t4 - t3)) ms; $fails failed"
	[ $fails = 0 ] || why="$fails of $N delete --force failed (first: $f)"
	r=$(residue_settled "")
	[ -n "$r" ] && why="${why:+$why; }left: $(printf '%s' "$r" | cut -c1-600)"
	result "concurrent-delete-force-$N" "$why"
	force_clean ""
}

# ----------------------------------------------------------------- soak --

SAMPLES=()
# sample LABEL: fd counts and VmRSS of the watched runtime processes ("-"
# for one that is gone)
sample() {
	local evs=(- -) fgs=(- -)
	alive "$EV_PID" && evs=("$(nfds "$EV_PID")" "$(rss_kb "$EV_PID")")
	alive "$FG_PID" && fgs=("$(nfds "$FG_PID")" "$(rss_kb "$FG_PID")")
	SAMPLES+=("$1 ${evs[0]:--} ${evs[1]:--} ${fgs[0]:--} ${fgs[1]:--}")
}

# soak_residue ID FULL: what cycle ID left, the watched containers aside;
# processes are looked for only when FULL is 0 (every 10th cycle)
soak_residue() {
	local id=$1 what= p x mp
	[ -e "$ROOT/$id" ] && what="$what state dir $ROOT/$id;"
	x=$(ls -A "$ROOT" | grep -v -x -e "$id" -e "$EV" -e "$FG" | tr '\n' ' ')
	[ -n "$x" ] && what="$what stray in state root: $x;"
	x=
	for mp in $CG_MPS; do [ -d "$mp$CGP/$id" ] && x="$x ${mp##*/}"; done
	[ -n "$x" ] && what="$what cgroup $CGP/$id in$x;"
	x=$(awk -v t="$TMP/" 'index($0, t) { print $5 }' /proc/self/mountinfo | head -3 | tr '\n' ' ')
	[ -n "$x" ] && what="$what mount $x;"
	if [ "$2" = 0 ]; then
		for p in $(our_pids); do
			[ "$p" = "$EV_PID" ] || [ "$p" = "$FG_PID" ] && continue
			grep -q -e "$CGP/$EV\$" -e "$CGP/$FG\$" "/proc/$p/cgroup" 2>/dev/null && continue
			alive "$p" && what="$what process $p [$(comm_of "$p")] $(cmdline_of "$p");"
		done
	fi
	printf '%s' "$what"
}

t_soak() {
	local id=l$RUNID-soak i why= fails=0 f= t1 t2 st n r first last evlines
	local ev=l$RUNID-ev fg=l$RUNID-fg p c
	EV=$ev FG=$fg EV_PID= FG_PID=
	# the two watched long-lived runtime processes
	mkcase "$ev"
	rtl run -d --bundle "$B" "$ev" </dev/null >"$TMP/ev.run.out" 2>&1 || { result soak "cannot run $ev: $(errsum "$TMP/ev.run.out")"; return; }
	FAULT_TAG=$TAG "$RT" --root "$ROOT" events --interval 1s "$ev" </dev/null >"$TMP/events.out" 2>"$TMP/events.err" {SLEEP_FD}<&- &
	EV_PID=$!
	mkcase "$fg"
	FAULT_TAG=$TAG "$RT" --root "$ROOT" run --bundle "$B" "$fg" </dev/null >"$TMP/fg.out" 2>"$TMP/fg.err" {SLEEP_FD}<&- &
	FG_PID=$!
	msleep 2000
	sample start
	mkcase "$id" '.process.args = ["/bin/true"]'
	t1=$(now_ms)
	for i in $(seq "$CYCLES"); do
		if ! rtl create --bundle "$B" "$id" </dev/null >"$TMP/soak.out" 2>"$TMP/soak.err"; then
			fails=$((fails + 1)); f=${f:-"cycle $i: create: $(errsum "$TMP/soak.err")"}
		elif ! rtl start "$id" </dev/null >"$TMP/soak.out" 2>"$TMP/soak.err"; then
			fails=$((fails + 1)); f=${f:-"cycle $i: start: $(errsum "$TMP/soak.err")"}
		else
			for n in $(seq 100); do
				st=$(rtl state "$id" 2>/dev/null | jq -r .status 2>/dev/null)
				[ "$st" = stopped ] && break
				msleep 10
			done
			[ "$st" = stopped ] || { fails=$((fails + 1)); f=${f:-"cycle $i: /bin/true still $st after 1 s"}; }
		fi
		if ! rtl delete "$id" </dev/null >"$TMP/soak.out" 2>"$TMP/soak.err"; then
			fails=$((fails + 1)); f=${f:-"cycle $i: delete: $(errsum "$TMP/soak.err")"}
			rtl delete --force "$id" </dev/null >/dev/null 2>&1
		fi
		r=$(soak_residue "$id" $((i % 10)))
		[ -n "$r" ] && { fails=$((fails + 1)); f=${f:-"cycle $i: left: $r"}; force_clean "$id"; }
		[ $((i % (CYCLES / 10 > 0 ? CYCLES / 10 : 1))) = 0 ] && sample "$i"
	done
	t2=$(now_ms)
	note "soak: $CYCLES create/start/delete cycles in $((t2 - t1)) ms ($(( (t2 - t1) / CYCLES )) ms per cycle); $fails failed"
	note "soak: watched processes: events pid $EV_PID, foreground run pid $FG_PID"
	note "soak: sample  events-fds events-rss-kB run-fds run-rss-kB"
	for r in "${SAMPLES[@]}"; do note "soak:   $r"; done
	[ $fails = 0 ] || why="$fails failures (first: $f)"
	result "soak-$CYCLES-cycles" "$why"

	# fds and RSS of the long-lived runtime processes
	first=(${SAMPLES[0]}) last=(${SAMPLES[$((${#SAMPLES[@]} - 1))]})
	why=
	if [ "${last[1]}" = - ] || [ "${first[1]}" = - ]; then why="events process gone: $(errsum "$TMP/events.err")"
	else
		[ "${first[1]}" = "${last[1]}" ] || why="events fds ${first[1]} -> ${last[1]}"
		[ "${last[2]}" -le $((first[2] + SLACK)) ] || why="${why:+$why; }events VmRSS ${first[2]} -> ${last[2]} kB"
	fi
	evlines=$(grep -c '' "$TMP/events.out")
	note "soak: events printed $evlines lines; its fds: $(fd_targets "$EV_PID")"
	[ "$evlines" -gt 0 ] || why="${why:+$why; }events printed nothing"
	result "soak-events-fds-rss" "$why"
	why=
	if [ "${last[3]}" = - ] || [ "${first[3]}" = - ]; then why="foreground run gone: $(errsum "$TMP/fg.err")"
	else
		[ "${first[3]}" = "${last[3]}" ] || why="run fds ${first[3]} -> ${last[3]}"
		[ "${last[4]}" -le $((first[4] + SLACK)) ] || why="${why:+$why; }run VmRSS ${first[4]} -> ${last[4]} kB"
	fi
	note "soak: foreground run's fds: $(fd_targets "$FG_PID")"
	result "soak-foreground-run-fds-rss" "$why"

	# the fds a container's init inherits, after the soak
	why=
	p=$(cpid "$ev"); f=$(fds_of "$p")
	note "soak: init of $ev (pid $p) fds: $f"
	[ "$f" = "0 1 2" ] || why="init of a plain container has fds: $f"
	mkcase "l$RUNID-pf"
	FAULT_TAG=$TAG timeout -k 5 "$LTO" "$RT" --root "$ROOT" run -d --preserve-fds 2 --bundle "$B" "l$RUNID-pf" \
		</dev/null >"$TMP/pf.out" 2>"$TMP/pf.err" {SLEEP_FD}<&- 3</dev/null 4</dev/null 5</dev/null 6</dev/null ||
		why="${why:+$why; }run -d --preserve-fds 2 failed: $(errsum "$TMP/pf.err")"
	p=$(cpid "l$RUNID-pf"); f=$(fds_of "$p")
	note "soak: init with --preserve-fds 2 (caller had 0-6 open) fds: $f"
	[ "$f" = "0 1 2 3 4" ] || why="${why:+$why; }init with --preserve-fds 2 has fds: $f"
	result "init-inherited-fds" "$why"

	# stop the watched ones; then nothing may be left
	kill "$FG_PID" 2>/dev/null
	for c in "$ev" "$fg" "l$RUNID-pf"; do rtl delete --force "$c" </dev/null >/dev/null 2>&1; done
	wait "$EV_PID" "$FG_PID" 2>/dev/null
	r=$(residue_settled "")
	result "soak-nothing-left" "${r:+left: $r}"
	force_clean ""
}

t_concurrent
t_soak
note "total time: $(( ($(now_ms) - T0) / 1000 )) s"
echo "$PASS passed, $FAILED failed"
[ "$FAILED" = 0 ]
