# resolve.jq: a containers/common (podman) or moby (Docker) seccomp.json,
# with "archMap", "includes" and "excludes", into the linux.seccomp object
# a runtime gets, the way podman and Docker resolve it for one machine:
#   jq --arg goarch amd64 --argjson caps '["CAP_CHOWN", ...]' -f resolve.jq seccomp.json
# $goarch is Go's name of the machine's arch (amd64, arm64, mips64le, ...);
# $caps the container's capabilities.
def native: {"amd64": "SCMP_ARCH_X86_64", "386": "SCMP_ARCH_X86", "arm64": "SCMP_ARCH_AARCH64",
	"arm": "SCMP_ARCH_ARM", "mips": "SCMP_ARCH_MIPS", "mipsle": "SCMP_ARCH_MIPSEL",
	"mips64": "SCMP_ARCH_MIPS64", "mips64le": "SCMP_ARCH_MIPSEL64", "ppc64le": "SCMP_ARCH_PPC64LE",
	"riscv64": "SCMP_ARCH_RISCV64", "s390x": "SCMP_ARCH_S390X"}[$goarch];
. as $p
| native as $n
| {defaultAction}
  + (if $p.defaultErrnoRet then {defaultErrnoRet: $p.defaultErrnoRet} else {} end)
  + {architectures: ([($p.archMap // [])[] | select(.architecture == $n) | [.architecture] + (.subArchitectures // [])] | first // [$n]),
     syscalls: [$p.syscalls[]
	| select(((.includes.caps // []) - $caps) == [])
	| select(((.includes.arches // []) | length) == 0 or ((.includes.arches // []) | index($goarch)) != null)
	| select(((.excludes.caps // []) - ((.excludes.caps // []) - $caps)) == [])
	| select(((.excludes.arches // []) | index($goarch)) == null)
	| {names, action} + (if .errnoRet then {errnoRet} else {} end)
	  + (if ((.args // []) | length) > 0 then {args} else {} end)]}
