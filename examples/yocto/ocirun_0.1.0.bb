SUMMARY = "ocirun: a small OCI container runtime in one C file"
DESCRIPTION = "An OCI runtime-spec runtime with runc's command line, so containerd, \
podman and Docker can use it in place of runc. No dependency beyond libc."
HOMEPAGE = "https://github.com/ocirun/ocirun"
SECTION = "console/utils"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://LICENSE;md5=cefbc60b83d7b37897e697faebf7a022"

SRC_URI = "git://github.com/ocirun/ocirun.git;protocol=https;branch=main"
SRCREV = "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

# the state root: /run is a tmpfs on read-only root filesystems
OCIRUN_STATE_ROOT ?= "/run/ocirun"

# AppArmor and SELinux labels: on with either distro feature (meta-security);
# the systemd cgroup driver: on with systemd; `ocirun check`: on
PACKAGECONFIG ??= "${@bb.utils.contains_any('DISTRO_FEATURES', 'apparmor selinux', 'lsm', '', d)} \
                   ${@bb.utils.filter('DISTRO_FEATURES', 'systemd', d)} check"
PACKAGECONFIG[lsm] = "LSM=1,LSM=0"
PACKAGECONFIG[systemd] = "SYSTEMD=1,SYSTEMD=0"
PACKAGECONFIG[check] = "CHECK=1,CHECK=0"

# the target's own compiler and flags, as Yocto passes them
EXTRA_OEMAKE = "CC='${CC}' CFLAGS='${CFLAGS}' LDFLAGS='${LDFLAGS}' STATE_ROOT=${OCIRUN_STATE_ROOT} ${PACKAGECONFIG_CONFARGS}"

do_compile() {
	oe_runmake ocirun
}

do_install() {
	oe_runmake DESTDIR=${D} PREFIX=${prefix} install
}

FILES:${PN} += "${datadir}/bash-completion"
RPROVIDES:${PN} += "virtual-runc"
