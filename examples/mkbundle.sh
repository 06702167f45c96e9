#!/bin/sh
# mkbundle.sh DIR [ARGS...]
#
# Build a minimal OCI bundle in DIR without any network access:
#   DIR/rootfs       a busybox root filesystem made from the host's static
#                    busybox (Debian: apt-get install busybox-static)
#   DIR/config.json  the same default spec `runc spec` writes (runc 1.1),
#                    except hostname "ocirun" and process.terminal false.
# ARGS, if given, become process.args (default: sh).
#
# Environment: BUSYBOX=/path/to/static/busybox overrides the binary used.
set -eu

usage() { echo "usage: $0 DIR [ARGS...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
dir=$1; shift

BUSYBOX=${BUSYBOX:-}
if [ -z "$BUSYBOX" ]; then
	for b in /bin/busybox /usr/bin/busybox /usr/lib/busybox/busybox-static; do
		if [ -x "$b" ]; then BUSYBOX=$b; break; fi
	done
fi
if [ -z "$BUSYBOX" ] || [ ! -x "$BUSYBOX" ]; then
	echo "mkbundle: no busybox found (apt-get install busybox-static)" >&2; exit 1
fi
if command -v file >/dev/null 2>&1; then
	case $(file -L "$BUSYBOX") in
	*"statically linked"*|*"static-pie linked"*) ;;
	*) echo "mkbundle: $BUSYBOX is not statically linked (apt-get install busybox-static)" >&2; exit 1 ;;
	esac
fi

rootfs=$dir/rootfs
mkdir -p "$rootfs"
for d in bin sbin proc sys dev etc root run var var/tmp usr usr/bin usr/sbin mnt home tmp; do
	mkdir -p "$rootfs/$d"
done
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
chmod 0700 "$rootfs/root"

cp "$BUSYBOX" "$rootfs/bin/busybox"
chmod 0755 "$rootfs/bin/busybox"
# Every applet as a relative symlink in /bin.
"$rootfs/bin/busybox" --list | while read -r applet; do
	[ "$applet" = busybox ] && continue
	ln -sf busybox "$rootfs/bin/$applet"
done

cat > "$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$rootfs/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
tty:x:5:
wheel:x:10:root
user:x:1000:
nogroup:x:65534:
GROUP
mkdir -p "$rootfs/home/user"
chown 1000:1000 "$rootfs/home/user" 2>/dev/null || true
echo ocirun > "$rootfs/etc/hostname"
: > "$rootfs/etc/hosts"
echo "127.0.0.1 localhost" > "$rootfs/etc/hosts"
: > "$rootfs/etc/resolv.conf"

# process.args as a JSON array.
args_json=
if [ $# -eq 0 ]; then set -- sh; fi
for a in "$@"; do
	# JSON string escape (\\, ", tab, CR, newline); the x keeps trailing newlines
	esc=$(printf '%sx' "$a" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' -e 's/\r/\\r/g' |
		awk 'NR > 1 { printf "%s", "\\n" } { printf "%s", $0 }')
	esc=${esc%x}
	args_json="$args_json${args_json:+,
}			\"$esc\""
done

cat > "$dir/config.json" <<JSON
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
$args_json
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"effective": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"permitted": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			],
			"ambient": [
				"CAP_AUDIT_WRITE",
				"CAP_KILL",
				"CAP_NET_BIND_SERVICE"
			]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "ocirun",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": [
				"nosuid",
				"strictatime",
				"mode=755",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": [
				"nosuid",
				"noexec",
				"newinstance",
				"ptmxmode=0666",
				"mode=0620",
				"gid=5"
			]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"mode=1777",
				"size=65536k"
			]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": [
				"nosuid",
				"noexec",
				"nodev"
			]
		},
		{
			"destination": "/sys",
			"type": "sysfs",
			"source": "sysfs",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"ro"
			]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": [
				"nosuid",
				"noexec",
				"nodev",
				"relatime",
				"ro"
			]
		}
	],
	"linux": {
		"resources": {
			"devices": [
				{
					"allow": false,
					"access": "rwm"
				}
			]
		},
		"namespaces": [
			{
				"type": "pid"
			},
			{
				"type": "network"
			},
			{
				"type": "ipc"
			},
			{
				"type": "uts"
			},
			{
				"type": "mount"
			}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		]
	}
}
JSON
echo "mkbundle: bundle ready in $dir (rootfs + config.json)" >&2
