#!/bin/sh
# tests/musl-cross.sh ARCH: prints a gcc -specs file for static musl builds
# with Debian's cross compiler for ARCH (arm64, armhf, mipsel, i386; riscv64
# when the mirror has it: bookworm does not), made from musl and musl-dev of
# that architecture (downloaded once into
# ${OCIRUN_VM_CACHE:-/var/cache/ocirun-vm}/musl-ARCH).  Exit 1 (nothing on
# stdout) when the packages cannot be had.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/foreign-apt.sh"
arch=$1
cache=${OCIRUN_VM_CACHE:-/var/cache/ocirun-vm}
case $arch in
arm64) triple=aarch64-linux-musl ;; armhf) triple=arm-linux-musleabihf ;; mipsel) triple=mipsel-linux-musl ;;
riscv64) triple=riscv64-linux-musl ;; i386) triple=i386-linux-musl ;; *) exit 1 ;;
esac
s=$cache/musl-$arch/sysroot
mkdir -p "$cache/musl-$arch" || exit 1
if [ ! -f "$s/usr/lib/$triple/libc.a" ]; then
	foreign_fetch "$arch" "$cache" musl "$s" >/dev/null 2>&1 && foreign_fetch "$arch" "$cache" musl-dev "$s" >/dev/null 2>&1 || exit 1
fi
spec=$s/usr/lib/$triple/musl-gcc.specs
[ -f "$spec" ] || exit 1
sed "s|/usr/include/$triple|$s/usr/include/$triple|g; s|/usr/lib/$triple|$s/usr/lib/$triple|g" "$spec" > "$cache/musl-$arch/musl.specs"
echo "$cache/musl-$arch/musl.specs"
