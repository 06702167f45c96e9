#!/bin/sh
# tests/vm/cgroup2.sh [OCIRUN_STATIC]: ocirun on a pure cgroup v2 host.
#
# Boots Debian's kernel (the one linux-image-amd64 depends on) under qemu
# with cgroup_no_v1=all and an initramfs holding busybox, the static ocirun
# and /init = tests/vm/cgroup2-init.sh, which runs containers and checks
# the v2 paths (limits, controller enabling, exec, pause/resume, update,
# pids and memory enforcement, OOM events, kill/delete, device rules, an
# initramfs-root bundle) from inside the container and from the VM.  Needs
# root.  The work is tests/vm/vm.sh's (mode cgroup2), which tells the
# environment variables it reads.
#
# Output: the guest's "ok - NAME" / "FAIL - NAME: reason" lines, then
# "N passed, M failed".  No qemu or no kernel: "skip - cgroup2 vm: why" and
# "0 passed, 0 failed".  The exit status is 0 either way: read the summary.
exec sh "$(dirname "$0")/vm.sh" cgroup2 "$@"
