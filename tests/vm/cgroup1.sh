#!/bin/sh
# tests/vm/cgroup1.sh [OCIRUN_STATIC]: ocirun on a pure cgroup v1 host.
#
# Boots Debian's kernel (the one linux-image-amd64 depends on) under qemu
# with an initramfs holding busybox, the static ocirun and /init =
# tests/vm/cgroup1-init.sh, which mounts a tmpfs on /sys/fs/cgroup and one
# v1 hierarchy per controller (cpu,cpuacct and net_cls,net_prio co-mounted
# as systemd does, a name=systemd one; no cgroup2 anywhere), runs
# containers and checks the v1 paths (the container's /sys/fs/cgroup, limits
# in every hierarchy, exec, pause/resume through freezer.state, update,
# pids, memory and device enforcement, OOM events, kill/delete, a missing
# hierarchy) from inside the container and from the VM.  Needs root.  The
# work is tests/vm/vm.sh's (mode cgroup1), which tells the environment
# variables it reads.
#
# Output: the guest's "ok - NAME" / "FAIL - NAME: reason" lines, then
# "N passed, M failed".  No qemu or no kernel: "skip - cgroup1 vm: why" and
# "0 passed, 0 failed".  The exit status is 0 either way: read the summary.
exec sh "$(dirname "$0")/vm.sh" cgroup1 "$@"
