# Sourced: Debian packages of a foreign architecture without touching the
# host's apt state (own sources, lists and cache under a cache dir), as
# ../shared/research/vm-notes.md describes.
#   foreign_apt ARCH CACHE apt-get|apt-cache ARGS...
#   foreign_fetch ARCH CACHE PKG DIR      unpack PKG (dpkg-deb -x) into DIR
foreign_apt() {
	_arch=$1 _a=$2/apt-$1; shift 2
	mkdir -p "$_a/lists/partial" "$_a/cache/archives/partial" "$_a/etc"
	if [ ! -s "$_a/etc/$_arch.sources" ]; then
		sed -n '/^Types:/,$p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
			awk -v a="$_arch" 'BEGIN { RS = ""; ORS = "\n\n" } /debian-security/ { next } { print $0 "\nArchitectures: " a }' > "$_a/etc/$_arch.sources"
	fi
	_tool=$1; shift
	"$_tool" -o APT::Architecture="$_arch" -o APT::Architectures::="$_arch" -o Dir::Etc::SourceList=/dev/null \
		-o Dir::Etc::SourceParts="$_a/etc" -o Dir::State::Lists="$_a/lists" -o Dir::Cache="$_a/cache" \
		-o Debug::NoLocking=1 "$@"
}
foreign_fetch() {
	_t=$(mktemp -d "$2/dl.XXXXXX") && chmod 755 "$_t" || return 1
	[ -n "$(ls "$2/apt-$1/lists" 2>/dev/null | grep -v partial)" ] || foreign_apt "$1" "$2" apt-get update >/dev/null 2>&1
	(cd "$_t" && foreign_apt "$1" "$2" apt-get download "$3:$1" >"$_t/log" 2>&1) && mkdir -p "$4" && dpkg-deb -x "$_t"/*.deb "$4"
	_rc=$?
	rm -rf "$_t"
	return $_rc
}

#   source_fetch CACHE PKG DIR            Debian's source package PKG (its
#                                         files, checked against the signed
#                                         Sources index) into DIR
source_apt() {
	_a=$1/apt-src; shift
	mkdir -p "$_a/lists/partial" "$_a/cache/archives/partial" "$_a/etc" || return 1
	if [ ! -s "$_a/etc/src.sources" ]; then
		sed -n '/^Types:/,$p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
			awk 'BEGIN { RS = ""; ORS = "\n\n" } /debian-security/ { next } { sub(/Types: deb/, "Types: deb-src"); print }' > "$_a/etc/src.sources"
	fi
	apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$_a/etc" -o Dir::State::Lists="$_a/lists" \
		-o Dir::Cache="$_a/cache" -o Debug::NoLocking=1 "$@"
}
source_fetch() {
	mkdir -p "$3" || return 1
	[ -n "$(ls "$1/apt-src/lists" 2>/dev/null | grep -v partial)" ] || source_apt "$1" update >/dev/null 2>&1
	(cd "$3" && source_apt "$1" source --download-only "$2" >"$3/log" 2>&1)
}
