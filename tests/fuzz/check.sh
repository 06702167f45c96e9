#!/bin/bash
# tests/fuzz/check.sh: `make check`, the fast test tier (no root needed,
# under a minute on 2 cores).  One line per step:
#   build    the replay builds of the fuzz targets and tests/api/api.c
#            (ASan+UBSan, -fno-sanitize-recover=all; CHECK_CC: clang if
#            there is one, else gcc)
#   <target> every file of tests/fuzz/corpus/<target> once through the
#            target (tests/fuzz/replay.c: each input in a child of its own,
#            then a leak check)
#   api      tests/api/api.c (TAP; as root also a container's lifecycle)
#   criu     tests/criu/rpc.py: criu's RPC messages as runtime.c writes and
#            reads them, against criu's own definitions (pycriu's rpc_pb2)
# then the total time.  A failing step prints what failed: the input, the
# first lines of its sanitizer report, the log to read.  Exit status 1 if
# anything failed.  Binaries and logs: tests/fuzz/build/<compiler>/.
set -u
cd "$(dirname "$0")/../.."
B=${CHECK_DIR:-tests/fuzz/build/cc}   # the binaries of one compiler, and the logs
TARGETS=${FUZZ_TARGETS:-config seccomp state msg cli criu}
mkdir -p "$B"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-}
unset FUZZ_IGNORE_KNOWN FUZZ_VERBOSE

now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }
T0=$(now)
failed=0

# One line per failing input of a replay log ("replay: FILE" precedes each
# input's output): what the sanitizer or the invariant said, and the first
# frame in runtime.c's own code (its allocators aside).
explain() {
	awk '
		function flush() {
			if (file != "" && what != "") print "      " file ": " what (where != "" ? " (in " where ")" : "")
			what = where = ""
		}
		/^replay: / { flush(); file = $2; next }
		what == "" && /runtime error:|FUZZ INVARIANT FAILED|ERROR: [A-Za-z]+Sanitizer|ERROR: libFuzzer/ {
			w = $0
			sub(/^==[0-9]+== ?/, "", w); sub(/^.*runtime\.c:[0-9]+:[0-9]+: /, "", w)
			sub(/^FUZZ INVARIANT FAILED: /, "invariant: ", w)
			what = substr(w, 1, 160)
			next
		}
		what != "" && where == "" && / in [A-Za-z_0-9]+ .*runtime\.c:[0-9]+/ {
			fn = $0; sub(/^.* in /, "", fn); loc = fn; sub(/ .*/, "", fn)
			sub(/^.*runtime\.c:/, "", loc); sub(/:.*/, "", loc)
			if (fn !~ /^(xmalloc|xcalloc|buf_grow|buf_add|buf_puts|buf_printf|buf_vprintf|arena_alloc|json_write|json_escape|json_str|fail|failerr)$/)
				where = fn "() runtime.c:" loc
		}
		END { flush() }' "$1"
}

t=$(now)
if ! ${MAKE:-make} --no-print-directory -s -j2 check-build FUZZ_TARGETS="$TARGETS" ${CHECK_CC:+CHECK_CC="$CHECK_CC"} >"$B/build.log" 2>&1; then
	printf '%-8s FAILED (%s s)\n' build "$(secs "$t")"
	sed 's/^/    /' "$B/build.log" | head -40
	printf 'check: FAILED at the build in %s s\n' "$(secs "$T0")"
	exit 1
fi
warnings=$(cat "$B"/*.build.log 2>/dev/null | grep -c 'warning:')
printf '%-8s %-52s %5s s\n' build "$(echo $TARGETS | wc -w) targets + api, ${CHECK_CC:-cc}, ASan+UBSan${warnings:+, $warnings warnings}" "$(secs "$t")" |
	sed 's/, 0 warnings//'

for tgt in $TARGETS; do
	t=$(now)
	"$B/replay-$tgt" "$tgt" "tests/fuzz/corpus/$tgt" >"$B/replay-$tgt.out" 2>"$B/replay-$tgt.log"
	rc=$?
	summary=$(tail -1 "$B/replay-$tgt.out")
	if [ $rc -eq 0 ]; then
		printf '%-8s %-52s %5s s\n' "$tgt" "${summary#*: }" "$(secs "$t")"
	else
		failed=$((failed + 1))
		printf '%-8s %-52s %5s s\n' "$tgt" "FAILED: ${summary#*: }" "$(secs "$t")"
		explain "$B/replay-$tgt.log" >"$B/replay-$tgt.why"
		# every failing input: its line from explain, else the driver's
		grep '^FAIL ' "$B/replay-$tgt.out" | sed 's/^FAIL [^ ]* //' | while read -r f rest; do
			f=${f%:}
			grep -m1 -F "      $f: " "$B/replay-$tgt.why" || echo "      $f: $rest"
		done
		echo "    (log: $B/replay-$tgt.log)"
	fi
done

t=$(now)
"$B/api" >"$B/api.out" 2>"$B/api.log"
rc=$?
total=$(grep -c '^\(not \)\?ok ' "$B/api.out")
bad=$(grep -c '^not ok ' "$B/api.out")
skip=$(grep -m1 '^# .*skipped' "$B/api.out" | sed 's/^# //')
if [ $rc -eq 0 ] && [ "$bad" -eq 0 ]; then
	printf '%-8s %-52s %5s s\n' api "$total ok${skip:+ ($skip)}" "$(secs "$t")"
else
	failed=$((failed + 1))
	printf '%-8s %-52s %5s s\n' api "FAILED: $bad of $total not ok, exit status $rc" "$(secs "$t")"
	awk '/^not ok / { show = 1; print "    " $0; next } /^#/ && show { print "    " $0; next } { show = 0 }' "$B/api.out"
	grep -m6 'ERROR: \|runtime error:\|SUMMARY: ' "$B/api.log" | sed 's/^/    /'
	echo "    (output: $B/api.out, log: $B/api.log)"
fi

# criu's RPC messages against criu's own definitions (pycriu's rpc_pb2,
# from Debian's criu package: tests/criu/rpc.py)
t=$(now)
/usr/bin/python3 tests/criu/rpc.py "$B/criu-rpc" >"$B/criu-rpc.out" 2>&1
rc=$?
if [ $rc -eq 0 ]; then
	printf '%-8s %-52s %5s s\n' criu-rpc "$(grep -c '^ok ' "$B/criu-rpc.out") ok (pycriu's rpc_pb2)" "$(secs "$t")"
elif [ $rc -eq 77 ]; then
	printf '%-8s %-52s %5s s\n' criu-rpc "skipped: $(head -c 60 "$B/criu-rpc.out")" "$(secs "$t")"
else
	failed=$((failed + 1))
	printf '%-8s %-52s %5s s\n' criu-rpc "FAILED" "$(secs "$t")"
	grep -v '^ok ' "$B/criu-rpc.out" | head -8 | sed 's/^/    /'
fi

if [ $failed -eq 0 ]; then
	printf 'check: passed in %s s\n' "$(secs "$T0")"
else
	printf 'check: FAILED (%d of %d steps) in %s s\n' "$failed" "$(($(echo $TARGETS | wc -w) + 2))" "$(secs "$T0")"
	exit 1
fi
