#!/bin/sh
# tests/vm/selinux.sh [OCIRUN_STATIC]: SELinux labels applied by runc (the
# oracle) and by ocirun, in a VM whose kernel runs SELinux (permissive).
#
# Boots Debian's kernel (the one linux-image-amd64 depends on) under qemu
# with security=selinux selinux=1 enforcing=0 cgroup_no_v1=all and an
# initramfs holding busybox, the host's runc (with its libraries), the
# static ocirun and the MLS policy tests/vm/selinux-policy.conf (compiled
# by the host's checkpolicy), and /init = tests/vm/selinux-init.sh, which
# runs the same checks with each runtime: process.selinuxLabel and
# linux.mountLabel (attr/current, the context="..." option of the tmpfs and
# devpts mounts, the label of files made on them), exec inherits the label,
# exec --process-label, the session keyring's label, the mqueue mount's
# label.  Needs root and the host packages runc and checkpolicy
# (apt-installed when missing).  The work is tests/vm/vm.sh's (mode
# selinux), which tells the environment variables it reads.
#
# Output: the guest's "ok - NAME" / "FAIL - NAME: reason" lines, each NAME
# starting with the runtime ("runc: " or "ocirun: "), then
# "N passed, M failed".  No qemu or no kernel: "skip - selinux vm: why"
# and "0 passed, 0 failed".  The exit status is 0 either way.
exec sh "$(dirname "$0")/vm.sh" selinux "$@"
