#!/bin/sh
# tests/vm/apparmor.sh [OCIRUN_STATIC]: AppArmor profiles applied by runc
# (the oracle) and by ocirun, in a VM whose kernel runs AppArmor.
#
# Boots Debian's kernel (the one linux-image-amd64 depends on) under qemu
# with apparmor=1 security=apparmor cgroup_no_v1=all and an initramfs
# holding busybox, the host's runc (with its libraries), the static ocirun,
# apparmor_parser and the profiles of tests/vm/apparmor-profile, and /init =
# tests/vm/apparmor-init.sh, which runs the same checks with each runtime:
# process.apparmorProfile confines the container (attr/current, a denied
# read), exec inherits it, exec --apparmor, "unconfined", a profile that is
# not loaded fails with nothing left behind, a selinuxLabel on this
# non-SELinux kernel fails.  Needs root and the host packages runc and
# apparmor (apt-installed when missing).  The work is tests/vm/vm.sh's
# (mode apparmor), which tells the environment variables it reads.
#
# Output: the guest's "ok - NAME" / "FAIL - NAME: reason" lines, each NAME
# starting with the runtime ("runc: " or "ocirun: "), then
# "N passed, M failed".  No qemu or no kernel: "skip - apparmor vm: why"
# and "0 passed, 0 failed".  The exit status is 0 either way.
exec sh "$(dirname "$0")/vm.sh" apparmor "$@"
