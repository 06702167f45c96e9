# ocirun - build with `make`, a static stripped binary with `make static`.
# Honours CC, CFLAGS, LDFLAGS, DESTDIR, PREFIX (Buildroot and Yocto set them).

CC ?= cc
CFLAGS ?= -Os -g0
WARN = -Wall -Wextra -Werror
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MUSL_CC ?= musl-gcc
STRIP ?= strip
STATE_ROOT ?=
# LSM=0 leaves out AppArmor and SELinux labels (process.apparmorProfile,
# process.selinuxLabel, linux.mountLabel, exec --apparmor/--process-label):
# for kernels without an LSM (OpenWrt, most router firmware), ~2 KB less.
LSM ?= 1
# SYSTEMD=0 leaves out the systemd cgroup driver (--systemd-cgroup): for
# hosts where systemd is not PID 1 (OpenWrt, most firmware), ~6 KB less.
SYSTEMD ?= 1
# CHECK=0 leaves out `ocirun check` (the host diagnosis), for firmware
# whose image was checked when it was built: ~8 KB less.
CHECK ?= 1
# CRIU=0 leaves out `checkpoint` and `restore` (CRIU's RPC), for firmware
# that ships no criu binary.
CRIU ?=

DEFS = $(if $(STATE_ROOT),-DOCIRUN_DEFAULT_ROOT='"$(STATE_ROOT)"') -DOCIRUN_LSM=$(LSM) -DOCIRUN_SYSTEMD=$(SYSTEMD) -DOCIRUN_CHECK=$(CHECK) $(if $(CRIU),-DOCIRUN_CRIU=$(CRIU))

all: ocirun

ocirun: runtime.c runtime.h
	$(CC) $(CFLAGS) $(WARN) $(DEFS) $(CPPFLAGS) -o $@ runtime.c $(LDFLAGS)

# static musl build, stripped: the shape that ships on devices.  For size:
# no PIE (the binary's own code is not randomised; stack, heap and mmap
# still are), no RELRO or separate code segment (each pads the file to a
# page, 64 KB on arm64; RELRO would guard only libc's init arrays in a
# static non-PIE binary), data not page-aligned in the file (its first
# page is the text's last, mapped twice); on MIPS no abicalls (no $$gp
# indirection; ld warns that musl's objects have them, which is harmless)
# and no o32 frame header for a call to one of its functions that does not
# use it;
# no sibling-call optimisation, caller-saves or shrink-wrapping (each
# duplicates epilogues and spills: 1.6 KB on mipsel, 0.6 KB on x86_64);
# no loop-invariant motion, "expensive" optimisations or late scheduling
# (hoisted values spill: 5 KB on mips, 2.5 KB on arm64, 1.5 KB on x86_64;
# the runtime's time goes to syscalls, not loops); no tail merging or
# guessed branch probabilities (blocks laid out for a guess are larger:
# 1.7 KB on mipsel, 0.9 KB on arm64, 0.5 KB on i386 and armhf); on MIPS,
# where the margin is smallest, no IPA mod/ref analysis (the code motion
# it allows costs 0.5 KB there; on riscv64 dropping it costs as much), and
# runtime.c's own byte-loop memcpy, memset, memcmp, strlen, strcmp and
# strncmp in place of musl's portable C ones (2 KB there, and 1.4 KB at
# their calls; no loop may then become a call to one of them, hence no
# loop-distribute-patterns), no trap after each division (every divisor
# in runtime.c is a constant or checked), no inlining by size, and no
# jump tables or IPA scalar replacement (32 bytes there, and the 64 bytes
# one more segment step costs).
# Cross: make static MUSL_CC="<cross-gcc> -specs <musl specs>" STRIP=<cross-strip>;
# EXTRA_CFLAGS adds target flags (OpenWrt's MIPS16: -mips16 -minterlink-compressed).
STATIC_TARGET = $(shell $(MUSL_CC) -dumpmachine 2>/dev/null)
STATIC_CFLAGS ?= -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-optimize-sibling-calls -fno-caller-saves -fno-shrink-wrap \
	-fno-move-loop-invariants -fno-tree-loop-im -fno-expensive-optimizations -fno-schedule-insns2 \
	-fno-tree-tail-merge -fno-guess-branch-probability -fno-pie \
	$(if $(findstring mips,$(STATIC_TARGET)),-mno-abicalls -mframe-header-opt -fno-ipa-modref -DOCIRUN_OWN_STRING=1 -fno-tree-loop-distribute-patterns \
	  -mno-check-zero-division -finline-limit=0 -fno-jump-tables -fno-ipa-sra)
STATIC_LDFLAGS ?= -static -no-pie -Wl,--gc-sections -Wl,-z,norelro -Wl,-z,noseparate-code -Wl,-z,common-page-size=64
static: ocirun-static
ocirun-static: runtime.c runtime.h
	$(MUSL_CC) $(STATIC_CFLAGS) $(EXTRA_CFLAGS) $(WARN) $(DEFS) -o $@ runtime.c $(STATIC_LDFLAGS)
	$(STRIP) -R .comment $@

MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions

# the binary, its man page and bash completion (install-bin: the binary alone)
install: install-bin
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(COMPLETIONDIR)
	install -m 0644 examples/ocirun.8 $(DESTDIR)$(MANDIR)/man8/ocirun.8
	install -m 0644 examples/ocirun.bash-completion $(DESTDIR)$(COMPLETIONDIR)/ocirun

install-bin: ocirun
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 ocirun $(DESTDIR)$(BINDIR)/ocirun

test: ocirun
	./test.sh

demo: ocirun
	./examples/demo.sh

# the seccomp syscall tables in runtime.c, regenerated from libseccomp's
# (apt-get install libseccomp-dev); ocirun itself never links libseccomp
syscalls:
	$(CC) -O2 -o gen-syscalls tests/seccomp/gen-syscalls.c -lseccomp
	./gen-syscalls > syscalls.tmp
	awk '/^\/\* GENERATED SYSCALL TABLES/ { while ((getline l < "syscalls.tmp") > 0) print l; skip = 1; next } \
	     /^\/\* END GENERATED SYSCALL TABLES/ { skip = 0; next } !skip' runtime.c > runtime.c.tmp
	mv runtime.c.tmp runtime.c
	rm -f gen-syscalls syscalls.tmp

clean:
	rm -f ocirun ocirun-static gen-syscalls syscalls.tmp

.PHONY: all static install install-bin test demo clean syscalls

# --- the fast test tier: make check (no root needed, under a minute) --------
# tests/fuzz: fuzz targets (each #includes runtime.c) for config.json, the
# seccomp compiler, state.json, the stage protocol and the command line,
# replayed over their corpora (tests/fuzz/corpus/<target>) under ASan and
# UBSan, leaks included; tests/api/api.c: runtime.h driven as a library (as
# root also a busybox container's lifecycle).  clang when there is one,
# else gcc: libFuzzer is not needed.  Outputs go to tests/fuzz/build.
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="config seccomp"]: the
#   libFuzzer builds (clang), each run FUZZ_SECONDS; new inputs go to
#   tests/fuzz/build/corpus-<target>, crashes to tests/fuzz/build/artifacts;
#   FUZZ_XFLAGS adds compiler flags (-fno-sanitize=... to step over a
#   finding already reported).
FUZZ_TARGETS ?= config seccomp state msg cli criu
FUZZ_BUILD = tests/fuzz/build
CHECK_CC ?= $(shell command -v clang >/dev/null 2>&1 && echo clang || echo gcc)
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_DEFS = -DOCIRUN_NO_MAIN -DOCIRUN_LIBC_MALLOC=1 $(DEFS)
FUZZ_WARN = -Wall -Wextra -Wno-unused-function
FUZZ_DEPS = runtime.c runtime.h tests/fuzz/fuzz.h tests/fuzz/sandbox.h

CHECK_DIR = $(FUZZ_BUILD)/$(notdir $(firstword $(CHECK_CC)))

check-build: $(FUZZ_TARGETS:%=$(CHECK_DIR)/replay-%) $(CHECK_DIR)/api $(CHECK_DIR)/criu-rpc

$(CHECK_DIR)/replay-%: tests/fuzz/%.c tests/fuzz/replay.c $(FUZZ_DEPS)
	@mkdir -p $(CHECK_DIR)
	@$(CHECK_CC) -g -O0 $(FUZZ_SAN) $(FUZZ_DEFS) $(FUZZ_WARN) -o $@ $< tests/fuzz/replay.c >$@.build.log 2>&1 || { cat $@.build.log; exit 1; }

$(CHECK_DIR)/api: tests/api/api.c runtime.c runtime.h
	@mkdir -p $(CHECK_DIR)
	@$(CHECK_CC) -g -O0 $(FUZZ_SAN) $(FUZZ_DEFS) $(FUZZ_WARN) -o $@ tests/api/api.c >$@.build.log 2>&1 || { cat $@.build.log; exit 1; }

$(CHECK_DIR)/criu-rpc: tests/criu/rpc.c runtime.c runtime.h
	@mkdir -p $(CHECK_DIR)
	@$(CHECK_CC) -g -O0 $(FUZZ_SAN) $(FUZZ_DEFS) $(FUZZ_WARN) -o $@ tests/criu/rpc.c >$@.build.log 2>&1 || { cat $@.build.log; exit 1; }

check:
	@MAKE="$(MAKE)" CHECK_CC="$(CHECK_CC)" CHECK_DIR="$(CHECK_DIR)" FUZZ_TARGETS="$(FUZZ_TARGETS)" tests/fuzz/check.sh

$(FUZZ_BUILD)/fuzz-%: tests/fuzz/%.c $(FUZZ_DEPS)
	@mkdir -p $(FUZZ_BUILD)
	@$(FUZZ_CC) -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) $(FUZZ_XFLAGS) $(FUZZ_DEFS) $(FUZZ_WARN) -o $@ $< >$@.build.log 2>&1 || { cat $@.build.log; exit 1; }

fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz-%)

fuzz:
	@MAKE="$(MAKE)" FUZZ_CC="$(FUZZ_CC)" FUZZ_SECONDS="$(FUZZ_SECONDS)" FUZZ_TARGETS="$(FUZZ_TARGETS)" tests/fuzz/fuzz.sh

clean: clean-check
clean-check:
	rm -rf $(FUZZ_BUILD)

.PHONY: check check-build fuzz fuzz-build clean-check
