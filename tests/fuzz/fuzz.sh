#!/bin/bash
# tests/fuzz/fuzz.sh: `make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS=...]`.
# Builds the libFuzzer binaries (clang -fsanitize=fuzzer,address,undefined)
# and runs each target for FUZZ_SECONDS on one core, from its seed corpus
# (tests/fuzz/corpus/<target>, read only, its regress-* inputs left out)
# and what earlier runs found
# (tests/fuzz/build/corpus-<target>, where new inputs go), with the
# dictionary tests/fuzz/<target>.dict when there is one.  One line per
# target: executions, coverage, corpus size, and whether it crashed; a
# crash, leak or sanitizer report leaves its input in
# tests/fuzz/build/artifacts/<target>/ (copy it to
# tests/fuzz/corpus/<target>/regress-NAME so `make check` keeps it).
# FUZZ_ARGS adds libFuzzer options; FUZZ_IGNORE_KNOWN=name,... (see
# fuzz.h) steps over findings already reported.  Exit status 1 if any
# target crashed.
set -u
cd "$(dirname "$0")/../.."
B=$PWD/tests/fuzz/build
TARGETS=${FUZZ_TARGETS:-config seccomp state msg cli}
SECONDS_EACH=${FUZZ_SECONDS:-60}
CC=${FUZZ_CC:-clang}

if ! echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n; }' |
	"$CC" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
	echo "fuzz: $CC cannot build libFuzzer targets (clang with compiler-rt is needed); make check works without it"
	exit 1
fi
mkdir -p "$B"
t0=$(date +%s)
if ! ${MAKE:-make} --no-print-directory -s -j2 fuzz-build FUZZ_TARGETS="$TARGETS" FUZZ_CC="$CC" >"$B/fuzz-build.log" 2>&1; then
	echo "fuzz: build FAILED"; sed 's/^/    /' "$B/fuzz-build.log" | head -40; exit 1
fi
echo "build    $(echo $TARGETS | wc -w) libFuzzer targets, $CC -O1, ASan+UBSan  $(( $(date +%s) - t0 )) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
crashed=0
for tgt in $TARGETS; do
	mkdir -p "$B/corpus-$tgt" "$B/artifacts/$tgt"
	# the seeds, without the regress-* inputs (a finding not fixed yet would
	# stop the run at once; FUZZ_SEED_REGRESS=1 keeps them)
	rm -rf "$B/seeds-$tgt" && mkdir -p "$B/seeds-$tgt"
	for f in "$PWD/tests/fuzz/corpus/$tgt"/*; do
		case ${f##*/} in regress-*) [ "${FUZZ_SEED_REGRESS:-0}" = 1 ] || continue ;; esac
		ln -s "$f" "$B/seeds-$tgt/"
	done
	dict=()
	[ -f "tests/fuzz/$tgt.dict" ] && dict=(-dict="$PWD/tests/fuzz/$tgt.dict")
	"$B/fuzz-$tgt" -max_total_time="$SECONDS_EACH" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$B/artifacts/$tgt/" "${dict[@]}" ${FUZZ_ARGS:-} \
		"$B/corpus-$tgt" "$B/seeds-$tgt" >"$B/fuzz-$tgt.log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$B/fuzz-$tgt.log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$B/fuzz-$tgt.log" | tail -1)
	last=$(grep -E '^#[0-9]+' "$B/fuzz-$tgt.log" | tail -1)
	cov=$(echo "$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.*ft: \([0-9]*\).*/\1/p')
	units=$(ls "$B/corpus-$tgt" | wc -l)
	if [ $rc -eq 0 ]; then
		printf '%-8s %s execs (%s/s), cov %s, ft %s, %s new inputs\n' "$tgt" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$units"
	else
		crashed=$((crashed + 1))
		printf '%-8s CRASHED after %s execs: %s\n' "$tgt" "${execs:-?}" \
			"$(grep -m1 -E 'ERROR: |runtime error:|FUZZ INVARIANT FAILED|Test unit written' "$B/fuzz-$tgt.log")"
		grep -m1 'Test unit written to' "$B/fuzz-$tgt.log" | sed 's/^/    /'
		echo "    (log: $B/fuzz-$tgt.log)"
	fi
done
echo "fuzz: $(( $(date +%s) - t0 )) s, $crashed of $(echo $TARGETS | wc -w) targets crashed"
[ $crashed -eq 0 ]
