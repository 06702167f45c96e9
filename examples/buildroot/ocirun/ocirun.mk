################################################################################
#
# ocirun
#
################################################################################

OCIRUN_VERSION = 0.1.0
OCIRUN_SITE = $(call github,ocirun,ocirun,v$(OCIRUN_VERSION))
OCIRUN_LICENSE = MIT
OCIRUN_LICENSE_FILES = LICENSE

# the state root: /run is a tmpfs on read-only root filesystems
OCIRUN_STATE_ROOT = /run/ocirun

define OCIRUN_BUILD_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) \
		CC="$(TARGET_CC)" CFLAGS="$(TARGET_CFLAGS)" LDFLAGS="$(TARGET_LDFLAGS)" \
		STATE_ROOT=$(OCIRUN_STATE_ROOT) LSM=$(if $(BR2_PACKAGE_OCIRUN_LSM),1,0) \
		SYSTEMD=$(if $(BR2_PACKAGE_OCIRUN_SYSTEMD),1,0) \
		CHECK=$(if $(BR2_PACKAGE_OCIRUN_CHECK),1,0) ocirun
endef

define OCIRUN_INSTALL_TARGET_CMDS
	$(TARGET_MAKE_ENV) $(MAKE) -C $(@D) DESTDIR=$(TARGET_DIR) PREFIX=/usr install-bin
endef

$(eval $(generic-package))
