#!/bin/sh
# tests/musl-cross.sh ARCH: prints a gcc -specs file for static musl builds
# with Debian's cross compiler for ARCH, and with it a sysroot of musl for
# that architecture, kept in ${OCIRUN_VM_CACHE:-/var/cache/ocirun-vm}/musl-ARCH:
#  - arm64, armhf, mipsel, i386: Debian's musl and musl-dev packages of the
#    arch (a private apt configuration: tests/foreign-apt.sh);
#  - mips (big-endian) and riscv64, for which Debian 12 has no musl: built
#    from Debian's musl source package with the cross compiler (about a
#    minute and a half on two cores, once).
# Exit 1 (nothing on stdout) when it cannot be had.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/foreign-apt.sh"
arch=$1
cache=${OCIRUN_VM_CACHE:-/var/cache/ocirun-vm}
case $arch in
arm64) triple=aarch64-linux-musl ;; armhf) triple=arm-linux-musleabihf ;; mipsel) triple=mipsel-linux-musl ;;
i386) triple=i386-linux-musl ;; mips) cross=mips-linux-gnu ;; riscv64) cross=riscv64-linux-gnu ;; *) exit 1 ;;
esac
mkdir -p "$cache/musl-$arch" || exit 1
if [ -n "${cross:-}" ]; then
	s=$cache/musl-$arch/built
	if [ ! -f "$s/lib/libc.a" ] || [ ! -f "$s/lib/musl-gcc.specs" ]; then
		command -v "$cross-gcc" >/dev/null || exit 1
		src=$cache/musl-src
		[ -n "$(ls "$src"/musl_*.orig.tar.gz 2>/dev/null)" ] || source_fetch "$cache" musl "$src" || exit 1
		b=$cache/musl-$arch/build
		rm -rf "$b" && mkdir -p "$b" && tar -C "$b" --strip-components=1 -xzf "$(ls "$src"/musl_*.orig.tar.gz | tail -1)" || exit 1
		(cd "$b" && ./configure --target="$cross" CROSS_COMPILE="$cross-" CC="$cross-gcc" --prefix="$s" --disable-shared &&
			make -j"$(nproc)" && make install) >"$cache/musl-$arch/build.log" 2>&1 || exit 1
		rm -rf "$b"
	fi
	echo "$s/lib/musl-gcc.specs"
	exit 0
fi
s=$cache/musl-$arch/sysroot
if [ ! -f "$s/usr/lib/$triple/libc.a" ]; then
	foreign_fetch "$arch" "$cache" musl "$s" >/dev/null 2>&1 && foreign_fetch "$arch" "$cache" musl-dev "$s" >/dev/null 2>&1 || exit 1
fi
spec=$s/usr/lib/$triple/musl-gcc.specs
[ -f "$spec" ] || exit 1
sed "s|/usr/include/$triple|$s/usr/include/$triple|g; s|/usr/lib/$triple|$s/usr/lib/$triple|g" "$spec" > "$cache/musl-$arch/musl.specs"
echo "$cache/musl-$arch/musl.specs"
