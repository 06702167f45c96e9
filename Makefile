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

DEFS = $(if $(STATE_ROOT),-DOCIRUN_DEFAULT_ROOT='"$(STATE_ROOT)"') -DOCIRUN_LSM=$(LSM) -DOCIRUN_SYSTEMD=$(SYSTEMD)

all: ocirun

ocirun: runtime.c runtime.h
	$(CC) $(CFLAGS) $(WARN) $(DEFS) $(CPPFLAGS) -o $@ runtime.c $(LDFLAGS)

# static musl build, stripped: the shape that ships on devices.  For size:
# no PIE (the binary's own code is not randomised; stack, heap and mmap
# still are), no RELRO or separate code segment (each pads the file to a
# page, 64 KB on arm64; RELRO would guard only libc's init arrays in a
# static non-PIE binary), data not page-aligned in the file (its first
# page is the text's last, mapped twice); on MIPS no abicalls (no $$gp
# indirection; ld warns that musl's objects have them, which is harmless);
# no sibling-call optimisation, caller-saves or shrink-wrapping (each
# duplicates epilogues and spills: 1.6 KB on mipsel, 0.6 KB on x86_64);
# no loop-invariant motion, "expensive" optimisations or late scheduling
# (hoisted values spill: 5 KB on mips, 2.5 KB on arm64, 1.5 KB on x86_64;
# the runtime's time goes to syscalls, not loops).
# Cross: make static MUSL_CC="<cross-gcc> -specs <musl specs>" STRIP=<cross-strip>;
# EXTRA_CFLAGS adds target flags (OpenWrt's MIPS16: -mips16 -minterlink-compressed).
STATIC_TARGET = $(shell $(MUSL_CC) -dumpmachine 2>/dev/null)
STATIC_CFLAGS ?= -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -fno-unwind-tables \
	-fno-optimize-sibling-calls -fno-caller-saves -fno-shrink-wrap \
	-fno-move-loop-invariants -fno-tree-loop-im -fno-expensive-optimizations -fno-schedule-insns2 -fno-pie $(if $(findstring mips,$(STATIC_TARGET)),-mno-abicalls)
STATIC_LDFLAGS ?= -static -no-pie -Wl,--gc-sections -Wl,-z,norelro -Wl,-z,noseparate-code -Wl,-z,common-page-size=64
static: ocirun-static
ocirun-static: runtime.c runtime.h
	$(MUSL_CC) $(STATIC_CFLAGS) $(EXTRA_CFLAGS) $(WARN) $(DEFS) -o $@ runtime.c $(STATIC_LDFLAGS)
	$(STRIP) $@

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
