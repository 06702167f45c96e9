#!/bin/sh
# demo.sh - build a busybox bundle and run one container in it (`make demo`).
# Needs root; re-runs itself with sudo when started as a normal user.
# Environment: OCIRUN=path/to/runtime (default: ./ocirun next to this dir).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then exec sudo OCIRUN="${OCIRUN:-}" "$0" "$@"; fi
	echo "demo.sh: must run as root" >&2; exit 1
fi
OCIRUN=${OCIRUN:-$here/ocirun}
tmp=$(mktemp -d /tmp/ocirun-demo.XXXXXX)
trap 'rm -rf --one-file-system "$tmp"' EXIT INT TERM

"$here/examples/mkbundle.sh" "$tmp/bundle" sh -c '
echo "hello from a busybox container run by ocirun"
echo "hostname: $(hostname)"
echo "my pid:   $$"
echo "id:       $(id)"
echo "caps:     $(grep CapEff /proc/self/status)"
echo "root fs:  $(touch /x 2>&1 || true)"
echo "mounts:"
awk "{print \"  \" \$5, \$(NF-2)}" /proc/self/mountinfo
'
echo "\$ $OCIRUN --root $tmp/state run --bundle $tmp/bundle demo"
"$OCIRUN" --root "$tmp/state" run --bundle "$tmp/bundle" demo
