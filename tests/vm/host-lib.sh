# Sourced by the host side of the qemu tests (tests/vm/vm.sh, arm64.sh and
# tests/vm/systemd.sh): what they share.  The caller sets VM_NAME (how its
# skip and FAIL lines name it) and repo (the repository's top).

skip() { echo "skip - $VM_NAME: $*"; echo "0 passed, 0 failed"; exit 0; }
note() { echo "# $*"; }

# vm_binary [OCIRUN_STATIC]: sets bin to the binary under test, by default
# the repo's ocirun-static brought up to date with `make static`
vm_binary() {
	if [ $# -ge 1 ]; then
		bin=$1
	else
		bin=$repo/ocirun-static
		if command -v "${MUSL_CC:-musl-gcc}" >/dev/null 2>&1; then
			if ! mlog=$(make -C "$repo" -s static 2>&1); then
				echo "FAIL - $VM_NAME: make static failed: $(printf '%s' "$mlog" | tail -n 5 | tr '\n' ' ')"
				echo "0 passed, 1 failed"; exit 0
			fi
		fi
	fi
	[ -f "$bin" ] || skip "no static ocirun at $bin (make static needs musl-gcc)"
	case "$bin" in /*) ;; *) bin=$(pwd)/$bin ;; esac
}

apt_install() {
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		-o DPkg::Lock::Timeout=300 "$@" >/dev/null 2>&1
}

# extract_vmlinux DIR: DIR/vmlinux from the xz payload of DIR/vmlinuz (an
# ELF qemu boots through PVH: ~5 s less of decompression under TCG)
extract_vmlinux() {
	[ -s "$1/vmlinux" ] && return 0
	command -v xz >/dev/null 2>&1 || return 1
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1/vmlinuz" 2>/dev/null | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || return 1
	tail -c +$((off + 1)) "$1/vmlinuz" | xz -dc >"$1/vmlinux.tmp" 2>/dev/null
	if [ "$(head -c 4 "$1/vmlinux.tmp" 2>/dev/null | od -An -c | tr -d ' ')" = '177ELF' ]; then
		mv "$1/vmlinux.tmp" "$1/vmlinux"
	else
		rm -f "$1/vmlinux.tmp"; return 1
	fi
}

# run_watched CONSOLE CMD...: runs CMD (qemu under timeout) with its
# output in CONSOLE, and stops it when CONSOLE has not grown for
# $OCIRUN_VM_SILENCE seconds (default 420: the guests print a line per
# check, and boot in under a minute).  An emulated machine that stalls
# (seen once under TCG: the guest went silent and its own timeout never
# fired) then ends in minutes, not at the whole budget.  Sets qrc (CMD's
# status; 125 when stopped for silence), vm_stalled (1 then) and vm_gap
# (the longest silence seen, in seconds).
run_watched() {
	rw_out=$1; shift
	"$@" </dev/null >"$rw_out" 2>&1 &
	rw_pid=$!
	rw_last=-1 rw_since=$(date +%s) vm_gap=0 vm_stalled=0
	while kill -0 "$rw_pid" 2>/dev/null; do
		sleep 2
		rw_size=$(stat -c %s "$rw_out" 2>/dev/null || echo 0) rw_now=$(date +%s)
		[ "$rw_size" != "$rw_last" ] && rw_last=$rw_size rw_since=$rw_now
		[ $((rw_now - rw_since)) -gt "$vm_gap" ] && vm_gap=$((rw_now - rw_since))
		if [ "$vm_gap" -ge "${OCIRUN_VM_SILENCE:-420}" ]; then vm_stalled=1; kill "$rw_pid" 2>/dev/null; break; fi
	done
	wait "$rw_pid"; qrc=$?
	[ "$vm_stalled" = 1 ] && qrc=125
	return 0
}

# vm_results CONSOLE QEMU_EXIT TIMEOUT: the guest's result lines ("info - "
# lines are facts seen, no check), a FAIL when it did not finish, then
# "N passed, M failed"
vm_results() {
	sed -n 's/^.*VMTEST \(\(ok\|FAIL\|skip\|info\) - .*\)$/\1/p' "$1" >"$1.results"
	cat "$1.results"
	pass=$(grep -c '^ok - ' "$1.results")
	failed=$(grep -c '^FAIL - ' "$1.results")
	if ! grep -q 'VMTEST-DONE' "$1"; then
		why="qemu exit $2"
		[ "$2" = 124 ] && why="killed by the ${3}s timeout"
		[ "$2" = 125 ] && why="stopped: its console was silent for ${OCIRUN_VM_SILENCE:-420}s"
		echo "FAIL - $VM_NAME: the guest did not finish (no VMTEST-DONE; $why); console tail:"
		grep -v 'VMTEST \(ok\|FAIL\|skip\|info\) - ' "$1" | tail -n 30 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
	echo "$pass passed, $failed failed"
}
