# tests/cri/images.sh: the two images of the CRI tests, made without a
# registry: OCI image layouts built by hand, tarred for `ctr images import`:
#   localhost/pause:1    a static pause from tests/cri/pause.c (musl-gcc)
#   localhost/busybox:1  the host's static /bin/busybox with every applet
# Sourced by tests/cri/cri.sh (which sets T, HERE and ARCH), or run as
#   sh tests/cri/images.sh OUTDIR
# (tests/vm/systemd.sh, for its guest) to write OUTDIR/pause.tar and
# OUTDIR/busybox.tar; exit status 0 when both are there.

# blob FILE: moves it to blobs/sha256/<digest>, prints "digest size"
blob() {
	d=$(sha256sum < "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$L/blobs/sha256/$d"
	echo "$d $s"
}
# oci_image ROOTFS REF CONFIG-JSON OUT.tar: one layer, an OCI image layout, tarred
oci_image() {
	L=$T/layout.$$
	rm -rf "$L"
	mkdir -p "$L/blobs/sha256"
	tar --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 -C "$1" -cf "$L/layer" . || return 1
	set -- "$@" $(blob "$L/layer")
	printf '{"architecture":"%s","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":["sha256:%s"]},"history":[{"created_by":"tests/cri/cri.sh"}]}' \
		"$ARCH" "$3" "$5" > "$L/config"
	set -- "$@" $(blob "$L/config")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \
		"$7" "$8" "$5" "$6" > "$L/manifest"
	set -- "$@" $(blob "$L/manifest")
	printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
		"$9" "${10}" "$ARCH" "$2" "${2##*:}" > "$L/index.json"
	echo '{"imageLayoutVersion":"1.0.0"}' > "$L/oci-layout"
	tar -C "$L" -cf "$4" oci-layout index.json blobs || return 1
	rm -rf "$L"
}

# build_images: $T/pause.tar and $T/busybox.tar (the rootfs trees stay in $T)
build_images() {
	mkdir -p "$T/rootfs-pause" "$T/rootfs-busybox/bin" "$T/rootfs-busybox/etc" "$T/rootfs-busybox/root" "$T/rootfs-busybox/tmp" || return 1
	musl-gcc -static -Os -s -Wall -o "$T/rootfs-pause/pause" "$HERE/pause.c" || return 1
	cp /bin/busybox "$T/rootfs-busybox/bin/busybox" || return 1
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$T/rootfs-busybox/bin/$a"
	done
	chmod 1777 "$T/rootfs-busybox/tmp"
	echo 'root:x:0:0:root:/root:/bin/sh' > "$T/rootfs-busybox/etc/passwd"
	echo 'root:x:0:' > "$T/rootfs-busybox/etc/group"
	P='"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'
	oci_image "$T/rootfs-pause" localhost/pause:1 "{\"Env\":[$P],\"Entrypoint\":[\"/pause\"],\"WorkingDir\":\"/\"}" "$T/pause.tar" &&
	oci_image "$T/rootfs-busybox" localhost/busybox:1 "{\"Env\":[$P],\"Cmd\":[\"sh\"],\"WorkingDir\":\"/\"}" "$T/busybox.tar"
}

# run as a script: sh tests/cri/images.sh OUTDIR
case ${0##*/} in
images.sh)
	set -u
	LC_ALL=C; export LC_ALL
	[ $# = 1 ] || { echo "usage: sh $0 OUTDIR" >&2; exit 2; }
	HERE=$(cd "$(dirname "$0")" && pwd)
	ARCH=$(uname -m)
	case $ARCH in x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; esac
	for c in musl-gcc sha256sum tar; do
		command -v $c >/dev/null || { echo "images.sh: $c not found" >&2; exit 1; }
	done
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		echo "images.sh: no static /bin/busybox (apt-get install busybox-static)" >&2; exit 1
	fi
	mkdir -p "$1" && T=$(mktemp -d "$1/images.XXXXXX") || exit 1
	build_images && mv "$T/pause.tar" "$T/busybox.tar" "$1/"
	rc=$?
	rm -rf "$T"
	exit $rc ;;
esac
