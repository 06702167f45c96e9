/*
 * ocirun - a small, fast OCI container runtime in one C file.
 *
 * For embedded Linux: routers, single-board computers, firmware images.
 * Depends on nothing but libc (musl or glibc), and of libc it uses little
 * beyond the syscall wrappers (no stdio, malloc or floating point), so the
 * static musl binary is 136-200 KB stripped; speaks runc's command line, so
 * containerd, podman and Docker can use it in place of runc.  The public
 * interface is in runtime.h.
 *
 * How a container starts.  `ocirun create` (stage 0) validates the bundle,
 * then starts stage 1 by vfork+execve of this same binary.  Stage 1 joins
 * and creates the namespaces and starts stage 2 the same way; stage 2 ends
 * up as pid 1 of the container, sets up the root filesystem and the
 * process, reports "ready" and blocks until `ocirun start` tells it to
 * execve the user's program.  The stages never share memory: everything
 * they need crosses over a socketpair as typed, length-checked messages
 * (section 15), and a stage that dies or sends garbage ends the handshake
 * with an error in stage 0 instead of a hang.
 *
 * Errors.  A function that fails returns -1 after calling fail() or
 * failerr(), which record a message in this process's error slot; callers
 * add context with err_prefix() on the way up, and main() is the one place
 * that prints it (as text or as runc-style JSON log lines).
 *
 * TABLE OF CONTENTS
 *   1. Kernel ABI: definitions old headers and musl lack
 *   2. Utilities: formatting, errors, memory, numbers, files, fds,
 *      directories, children, time (what libc would bring in, done small)
 *   3. Logging
 *   4. JSON: reader and writer
 *   5. Spec model: config.json into typed structs, with validation
 *   6. State store: <root>/<id>/ (state.json, the journal, the config
 *      copy), trust, locks, process identity
 *   7. Cgroups: the host's layout, the container's cgroup, limits, freezer
 *   8. systemd: a D-Bus client, and the cgroup driver
 *   9. Seccomp: linux.seccomp compiled to classic BPF, without libseccomp
 *  10. Paths inside the rootfs: openat2, or component by component
 *  11. Mounts and the rootfs
 *  12. Devices and terminals
 *  13. Process setup: rlimits, user, capabilities, labels, scheduling,
 *      hooks, exec
 *  14. Self-protection: the binary the stages run from (CVE-2019-5736)
 *  15. Stage protocol: messages between stages
 *  16. The handshake: stage 0, stage 1, stage 2
 *  17. Commands
 *  18. Checkpoint and restore: CRIU over its RPC
 *  19. Main
 */
#define _GNU_SOURCE
/* 64-bit file offsets, inode numbers and times with a 32-bit glibc too
 * (musl's always are): a 32-bit stat fails with EOVERFLOW on a 64-bit
 * inode number, which overlayfs gives (a Docker image's rootfs). */
#define _FILE_OFFSET_BITS 64
#define _TIME_BITS 64
#include "runtime.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

_Static_assert(sizeof(off_t) == 8 && sizeof(ino_t) == 8, "64-bit off_t and ino_t (_FILE_OFFSET_BITS)");


/* ======================================================================
 * 1. Kernel ABI: definitions old headers and musl lack
 * ====================================================================== */

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif
#ifndef MS_LAZYTIME
#define MS_LAZYTIME (1 << 25)
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif
#ifndef PR_SET_CHILD_SUBREAPER
#define PR_SET_CHILD_SUBREAPER 36
#endif
#ifndef O_PATH
#define O_PATH 010000000
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#define OCI_AT_RECURSIVE 0x8000

/* Syscalls newer than the oldest kernel we support (4.4) are numbered the
 * same on every architecture since 5.1 (asm-generic), offset on MIPS. */
#if defined(__mips__) && _MIPS_SIM == _ABIO32
#define NR_NEW(n) (4000 + (n))
#elif defined(__mips__) && _MIPS_SIM == _ABI64
#define NR_NEW(n) (5000 + (n))
#elif defined(__mips__)
#define NR_NEW(n) (6000 + (n))
#else
#define NR_NEW(n) (n)
#endif
/* Where the old id calls take 16-bit ids (i386, arm; fchown's too), the
 * 32-bit forms; a plain syscall(SYS_fchown) there truncates a uid. */
#ifdef SYS_setresuid32
#define NR_setresuid SYS_setresuid32
#define NR_setresgid SYS_setresgid32
#define NR_setgroups SYS_setgroups32
#define NR_fchown SYS_fchown32
#else
#define NR_setresuid SYS_setresuid
#define NR_setresgid SYS_setresgid
#define NR_setgroups SYS_setgroups
#define NR_fchown SYS_fchown
#endif
#define NR_pidfd_send_signal NR_NEW(424)
#define NR_pidfd_open NR_NEW(434)
#define NR_mount_setattr NR_NEW(442)
#define NR_open_tree NR_NEW(428)
#define NR_move_mount NR_NEW(429)
#define OCI_OPEN_TREE_CLONE 1
#define OCI_MOVE_MOUNT_F_EMPTY_PATH 0x4
#define OCI_MOVE_MOUNT_T_EMPTY_PATH 0x40
#define OCI_MOUNT_ATTR_IDMAP 0x100000
#define NR_close_range NR_NEW(436)
#define NR_openat2 NR_NEW(437)
struct oci_open_how { uint64_t flags, mode, resolve; };   /* openat2(2), Linux 5.6 */
#define OCI_RESOLVE_NO_MAGICLINKS 0x02
#define OCI_RESOLVE_NO_SYMLINKS 0x04
#define OCI_RESOLVE_IN_ROOT 0x10
#define NR_faccessat2 NR_NEW(439)
#define OCI_AT_EACCESS 0x200
#define OCI_CLOSE_RANGE_CLOEXEC 4
#ifdef SYS_rt_sigtimedwait   /* (a NULL timeout: the old call is right on 32-bit too) */
#define NR_rt_sigtimedwait SYS_rt_sigtimedwait
#else
#define NR_rt_sigtimedwait SYS_rt_sigtimedwait_time64
#endif

/* The kernel's sigset, for the rt_sig* calls made without libc (whose
 * wrappers refuse its own signals, 32 and 33, and cost a static binary
 * some 700 bytes on MIPS): 128 signals on MIPS, 64 elsewhere, in longs. */
#ifdef __mips__
#define OCI_KSIGSET 16
#else
#define OCI_KSIGSET 8
#endif
typedef struct { unsigned long w[OCI_KSIGSET / sizeof(unsigned long)]; } oci_ksigset;
static void ksig_add(oci_ksigset *s, int sig)
{
    s->w[(sig - 1) / (8 * sizeof(unsigned long))] |= 1UL << ((sig - 1) % (8 * sizeof(unsigned long)));
}

/* mount_setattr(2), Linux 5.12 */
struct oci_mount_attr {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#define OCI_MA_RDONLY 0x1
#define OCI_MA_NOSUID 0x2
#define OCI_MA_NODEV 0x4
#define OCI_MA_NOEXEC 0x8
#define OCI_MA__ATIME 0x70
#define OCI_MA_NOATIME 0x10
#define OCI_MA_STRICTATIME 0x20
#define OCI_MA_NODIRATIME 0x80
#define OCI_MA_NOSYMFOLLOW 0x200000

/* bpf(2) for the cgroup v2 device controller (Linux 4.15) */
#define OCI_BPF_PROG_LOAD 5
#define OCI_BPF_PROG_ATTACH 8
#define OCI_BPF_PROG_DETACH 9
#define OCI_BPF_PROG_GET_FD_BY_ID 13
#define OCI_BPF_PROG_QUERY 16
#define OCI_BPF_PROG_TYPE_CGROUP_DEVICE 15
#define OCI_BPF_CGROUP_DEVICE 6
#define OCI_BPF_F_ALLOW_MULTI 2
#define OCI_BPF_F_REPLACE 4        /* Linux 5.6 */
struct oci_bpf_insn { uint8_t code, regs; int16_t off; int32_t imm; };
union bpf_attr_buf { uint64_t u64[16]; uint32_t u32[32]; };  /* union bpf_attr, by offset */

/* clone3(2) (Linux 5.3) with CLONE_INTO_CGROUP (5.7); the number is 435
 * on every arch except the mips ABIs' offsets (and x32, left out) */
#ifndef SYS_clone3
#if defined(__mips__) && defined(_MIPS_SIM) && _MIPS_SIM == _MIPS_SIM_ABI32
#define SYS_clone3 4435
#elif defined(__mips__) && defined(_MIPS_SIM) && _MIPS_SIM == _MIPS_SIM_ABI64
#define SYS_clone3 5435
#elif defined(__mips__) && defined(_MIPS_SIM) && _MIPS_SIM == _MIPS_SIM_NABI32
#define SYS_clone3 6435
#elif (!defined(__mips__) && !defined(__ILP32__)) || defined(__i386__) || defined(__arm__)
#define SYS_clone3 435
#endif
#endif
#define OCI_CLONE_INTO_CGROUP 0x200000000ULL
struct oci_clone_args {
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

/* seccomp(2) (Linux 3.17; prctl PR_SET_SECCOMP before) and classic BPF */
#define OCI_SECCOMP_MODE_FILTER 2
#define OCI_SECCOMP_SET_MODE_FILTER 1
#define OCI_SECCOMP_GET_ACTION_AVAIL 2            /* Linux 4.14 */
#define OCI_SECCOMP_FILTER_FLAG_TSYNC 1
#define OCI_SECCOMP_FILTER_FLAG_LOG 2              /* 4.14 */
#define OCI_SECCOMP_FILTER_FLAG_SPEC_ALLOW 4       /* 4.17 */
#define OCI_SECCOMP_FILTER_FLAG_NEW_LISTENER 8     /* 5.0 */
#define OCI_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV 32 /* 5.19 */
#define OCI_SECCOMP_RET_KILL_PROCESS 0x80000000u  /* 4.14 */
#define OCI_SECCOMP_RET_KILL_THREAD 0x00000000u
#define OCI_SECCOMP_RET_TRAP 0x00030000u
#define OCI_SECCOMP_RET_ERRNO 0x00050000u
#define OCI_SECCOMP_RET_USER_NOTIF 0x7fc00000u    /* 5.0 */
#define OCI_SECCOMP_RET_TRACE 0x7ff00000u
#define OCI_SECCOMP_RET_LOG 0x7ffc0000u           /* 4.14 */
#define OCI_SECCOMP_RET_ALLOW 0x7fff0000u
#define OCI_SECCOMP_RET_ACTION_FULL 0xffff0000u
#ifndef SYS_seccomp
#if defined(__x86_64__) && !defined(__ILP32__)
#define SYS_seccomp 317
#elif defined(__aarch64__) || defined(__riscv)
#define SYS_seccomp 277
#elif defined(__arm__)
#define SYS_seccomp 383
#elif defined(__i386__)
#define SYS_seccomp 354
#endif
#endif
struct oci_sock_filter { uint16_t code; uint8_t jt, jf; uint32_t k; };
struct oci_sock_fprog { unsigned short len; struct oci_sock_filter *filter; };
#define BPF_LD_W_ABS 0x20
#define BPF_ALU_AND_K 0x54
#define BPF_JMP_JA 0x05
#define BPF_JMP_JEQ_K 0x15
#define BPF_JMP_JGT_K 0x25
#define BPF_JMP_JGE_K 0x35
#define BPF_RET_K 0x06
#define OCI_BPF_MAXINSNS 4096
/* offsets into struct seccomp_data */
#define SECCOMP_DATA_NR 0
#define SECCOMP_DATA_ARCH 4
#define SECCOMP_DATA_ARG(i) (16 + 8 * (i))

/* capset(2) */
#define CAP_VERSION_3 0x20080522
struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };

/* the interface flags ioctls (a new network namespace's loopback): the
 * union is as big as the biggest member on any arch (struct ifmap, 24
 * bytes on 64-bit); the kernel copies only its own size */
#define OCI_SIOCGIFFLAGS 0x8913
#define OCI_SIOCSIFFLAGS 0x8914
#define OCI_IFF_UP 0x1
struct oci_ifreq { char name[16]; union { short flags; char pad[24]; } u; };

/* filesystem magic numbers (statfs f_type) */
#define PROC_SUPER_MAGIC 0x9fa0
#define NSFS_MAGIC 0x6e736673
#define TMPFS_MAGIC 0x01021994
#define CGROUP2_SUPER_MAGIC 0x63677270
#define DEVPTS_SUPER_MAGIC 0x1cd1
#define SELINUX_MAGIC 0xf97cff8c

/* sched_setattr(2) (Linux 3.14), in its 5.3 size: older kernels take it
 * as long as the fields they do not know are zero.  ioprio_set(2). */
struct oci_sched_attr {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
    uint32_t util_min, util_max;
};
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_SHIFT 13

/* Compile-time switch: AppArmor and SELinux labels (section 13; `make
 * LSM=0`).  0 drops them, for routers whose kernels have no LSM: 2 KB
 * less (2.6 KB on MIPS); a config asking for a label is then refused. */
#ifndef OCIRUN_LSM
#define OCIRUN_LSM 1
#endif
/* Compile-time switch: the systemd cgroup driver (section 8; `make
 * SYSTEMD=0`), dead weight where systemd is not PID 1 (OpenWrt, most
 * firmware); --systemd-cgroup is then refused. */
#ifndef OCIRUN_SYSTEMD
#define OCIRUN_SYSTEMD 1
#endif
/* Compile-time switch: `ocirun check`, the host diagnosis (section 17;
 * `make CHECK=0`), for firmware whose image was checked when it was
 * built; `check` then says it is not built in. */
#ifndef OCIRUN_CHECK
#define OCIRUN_CHECK 1
#endif
/* Compile-time switch: `checkpoint` and `restore` through CRIU (section
 * 18; `make CRIU=0`), for firmware that ships no criu; both commands then
 * say they are not built in.  criu itself runs on x86_64, arm, arm64,
 * ppc64le, s390x, mips64 and riscv64 only (not i386, not 32-bit MIPS):
 * builds for other arches leave it out unless told otherwise. */
#ifndef OCIRUN_CRIU
#if (defined(__x86_64__) && !defined(__ILP32__)) || defined(__arm__) || defined(__aarch64__) || defined(__powerpc64__) || \
    defined(__s390x__) || (defined(__mips__) && _MIPS_SIM == _ABI64) || (defined(__riscv) && __riscv_xlen == 64)
#define OCIRUN_CRIU 1
#else
#define OCIRUN_CRIU 0
#endif
#endif

/* pty ioctls (TIOCGPTPEER: Linux 4.13) */
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* statfs f_flags (Linux 2.6.36) */
#define OCI_ST_RDONLY 0x0001
#define OCI_ST_NOSUID 0x0002
#define OCI_ST_NODEV 0x0004
#define OCI_ST_NOEXEC 0x0008
#define OCI_ST_NOATIME 0x0400
#define OCI_ST_NODIRATIME 0x0800
#define OCI_ST_RELATIME 0x1000

/* getdents64(2) records */
struct oci_dirent64 { uint64_t d_ino; int64_t d_off; unsigned short d_reclen; unsigned char d_type; char d_name[]; };

/* ======================================================================
 * 2. Utilities: formatting, errors, memory, numbers, files, fds,
 *    directories, children, time (what libc would bring in, done small)
 * ====================================================================== */

/* Plain syscalls in place of a few libc wrappers.  musl's open() follows
 * an O_CLOEXEC open with fcntl(F_SETFD), for kernels before 2.6.23; its
 * socket(), socketpair() and pipe2() emulate their flags the same way on
 * such kernels, and its fcntl() handles F_DUPFD_CLOEXEC and F_GETOWN too:
 * a syscall more per call, and code in a static binary.  Linux 4.4 has
 * them all (i386 its direct socket calls since 4.3). */
#ifdef SYS_fcntl64
#define NR_fcntl SYS_fcntl64
#else
#define NR_fcntl SYS_fcntl
#endif
static int sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return (int)syscall(SYS_openat, dirfd, path, flags | O_LARGEFILE, mode);
}
static int sys_open(const char *path, int flags, mode_t mode) { return sys_openat(AT_FDCWD, path, flags, mode); }
static int sys_fcntl(int fd, int cmd, long arg) { return (int)syscall(NR_fcntl, fd, cmd, arg); }
static int sys_socket(int domain, int type, int proto) { return (int)syscall(SYS_socket, domain, type, proto); }
static int sys_socketpair(int domain, int type, int proto, int sv[2]) { return (int)syscall(SYS_socketpair, domain, type, proto, sv); }
static int sys_pipe2(int fds[2], int flags) { return (int)syscall(SYS_pipe2, fds, flags); }
static int sys_accept4(int fd, int flags) { return (int)syscall(SYS_accept4, fd, NULL, NULL, flags); }
/* (musl's bind, listen and connect are ~90 bytes each of a static MIPS
 * binary for a call or two; its setpgid, setsid, setns and umount2 are
 * the same one call, ~60 bytes each with their stubs) */
static int sys_bind(int fd, const struct sockaddr_un *sa) { return (int)syscall(SYS_bind, fd, sa, sizeof *sa); }
static int sys_listen(int fd, int backlog) { return (int)syscall(SYS_listen, fd, backlog); }
static int sys_connect(int fd, const struct sockaddr_un *sa) { return (int)syscall(SYS_connect, fd, sa, sizeof *sa); }
static int sys_setpgid(pid_t pid, pid_t pgid) { return (int)syscall(SYS_setpgid, pid, pgid); }
static int sys_setsid(void) { return (int)syscall(SYS_setsid); }
static int sys_setns(int fd, int type) { return (int)syscall(SYS_setns, fd, type); }
static int sys_umount2(const char *path, int flags) { return (int)syscall(SYS_umount2, path, flags); }
/* (and so are these, called in a few places each: a wrapper here is
 * half the size of musl's with its PIC stub) */
static int sys_chdir(const char *path) { return (int)syscall(SYS_chdir, path); }
static int sys_chroot(const char *path) { return (int)syscall(SYS_chroot, path); }
static int sys_unshare(int flags) { return (int)syscall(SYS_unshare, flags); }
static int sys_flock(int fd, int op) { return (int)syscall(SYS_flock, fd, op); }
static int sys_mkdirat(int dirfd, const char *path, mode_t mode) { return (int)syscall(SYS_mkdirat, dirfd, path, mode); }
static int sys_symlinkat(const char *target, int dirfd, const char *path) { return (int)syscall(SYS_symlinkat, target, dirfd, path); }
static int sys_fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags) { return (int)syscall(SYS_fchownat, dirfd, path, uid, gid, flags); }
/* (musl's fchdir and fchmod carry a /proc fallback for O_PATH fds of old
 * kernels, ~300 bytes each; fchdir takes O_PATH since Linux 3.5 and the
 * fchmod here is on a regular fd) */
static int sys_fchdir(int fd) { return (int)syscall(SYS_fchdir, fd); }
static int sys_fchmod(int fd, mode_t mode) { return (int)syscall(SYS_fchmod, fd, mode); }
/* (musl's prctl reads five variadic arguments: every call here passes them) */
static int sys_prctl(int op, unsigned long a, unsigned long b, unsigned long c, unsigned long d)
{
    return (int)syscall(SYS_prctl, op, a, b, c, d);
}
/* (musl's statfs and fstatfs clear the struct, then make the same call:
 * the 64-bit one where there is one, sized.  glibc's struct on 32-bit is
 * the old call's: there its own wrappers) */
#if defined(SYS_statfs64) && defined(__GLIBC__)
#define sys_statfs statfs
#define sys_fstatfs fstatfs
#elif defined(SYS_statfs64)
static int sys_statfs(const char *path, struct statfs *b) { return (int)syscall(SYS_statfs64, path, sizeof *b, b); }
static int sys_fstatfs(int fd, struct statfs *b) { return (int)syscall(SYS_fstatfs64, fd, sizeof *b, b); }
#else
static int sys_statfs(const char *path, struct statfs *b) { return (int)syscall(SYS_statfs, path, b); }
static int sys_fstatfs(int fd, struct statfs *b) { return (int)syscall(SYS_fstatfs, fd, b); }
#endif
/* (musl's read, write and waitpid are cancellation points, its dup2
 * retries EBUSY: code a single-threaded runtime has no use for) */
static ssize_t sys_read(int fd, void *buf, size_t n) { return syscall(SYS_read, fd, buf, n); }
static ssize_t sys_write(int fd, const void *buf, size_t n) { return syscall(SYS_write, fd, buf, n); }
static pid_t sys_waitpid(pid_t pid, int *status, int options) { return (pid_t)syscall(SYS_wait4, pid, status, options, NULL); }
static int sys_dup2(int fd, int to) { return fd == to ? to : (int)syscall(SYS_dup3, fd, to, 0); }
/* (one call each: the wrappers cost more than the calls; sendfile with
 * no offset is the same call under either name) */
static int sys_renameat(int dirfd, const char *from, const char *to)
{
#ifdef SYS_renameat
    return (int)syscall(SYS_renameat, dirfd, from, dirfd, to);
#else
    return (int)syscall(SYS_renameat2, dirfd, from, dirfd, to, 0);   /* (arm64, riscv64: the only one) */
#endif
}
#ifdef SYS_sendfile64
#define NR_sendfile SYS_sendfile64
#else
#define NR_sendfile SYS_sendfile
#endif
/* (musl's readlinkat stands in a buffer for a size of 0, never passed here) */
static ssize_t sys_readlinkat(int dirfd, const char *path, char *buf, size_t size) { return syscall(SYS_readlinkat, dirfd, path, buf, size); }

/* ioctl(2) as a plain syscall: musl's wrapper converts the time64
 * structures of some socket and sound requests on 32-bit arches (1.6 KB
 * of a static binary) that this runtime never makes. */
static int sys_ioctl(int fd, unsigned long req, void *arg) { return (int)syscall(SYS_ioctl, fd, req, arg); }

/* stat(2) and friends as the fstatat64 syscall on the 32-bit arches this
 * ships on: musl's try statx first and convert 32-bit times (1.5 KB of a
 * static binary), and this runtime reads no time, only the identity and
 * mode fields.  The kernel's struct stat64 of each arch. */
#if !defined(__GLIBC__) && defined(SYS_fstatat64) && \
    (defined(__i386__) || defined(__arm__) || (defined(__mips__) && _MIPS_SIM == _ABIO32))
#if defined(__mips__)
struct kstat64 {
    unsigned long dev, pad0[3];
    unsigned long long ino;
    unsigned mode, nlink, uid, gid;
    unsigned long rdev, pad1[3];
    char rest[48];
};
#else
struct kstat64 {
    unsigned long long dev;
    unsigned char pad0[4];
    unsigned long ino32;
    unsigned mode, nlink;
    unsigned long uid, gid;
    unsigned long long rdev;
    unsigned char pad3[4];
    long long size;
    unsigned long blksize;
    unsigned long long blocks;
    unsigned long times[6];
    unsigned long long ino;
};
#endif
static int oci_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
    struct kstat64 k;
    if (syscall(SYS_fstatat64, dirfd, path, &k, flags) < 0) return -1;
    memset(st, 0, sizeof *st);
    st->st_dev = k.dev, st->st_ino = k.ino, st->st_mode = k.mode, st->st_nlink = k.nlink;
    st->st_uid = k.uid, st->st_gid = k.gid, st->st_rdev = k.rdev;
    return 0;
}
#define fstatat(d, p, st, f) oci_fstatat(d, p, st, f)
#define fstat(fd, st) oci_fstatat(fd, "", st, AT_EMPTY_PATH)
#define stat(p, st) oci_fstatat(AT_FDCWD, p, st, 0)
#define lstat(p, st) oci_fstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW)
#endif

/* The kernel's struct termios (TCGETS/TCSETS), whose start libc's shares
 * on every arch this runs on (not powerpc or alpha): the four flag words,
 * the line discipline, the control characters (19 to 23 of them; room
 * for libc's 32).  Used in place of tcgetattr(3) and friends, which pull
 * in the ioctl wrapper. */
struct kterm { uint32_t iflag, oflag, cflag, lflag; uint8_t line, cc[32]; };
#if defined(__powerpc__) || defined(__alpha__) || defined(__sparc__)
#error "struct kterm: this arch's struct termios is laid out otherwise"
#endif


#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_CONFIG_SIZE (16u << 20) /* config.json and state.json bound */

/* strchr(3) and strrchr(3): libc's, a word at a time, are 0.5 KB of a
 * static binary; the strings here are short. */
static char *str_chr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) return (char *)s;
        if (!*s) return NULL;
    }
}

static char *str_rchr(const char *s, int c)
{
    const char *last = NULL;
    for (;; s++) {
        if (*s == (char)c) last = s;
        if (!*s) return (char *)last;
    }
}

/* strspn(3) (in 1) and strcspn(3) (in 0): how many bytes at the start of
 * s are (are not) in set.  With strtok_r(3) on top, libc's versions (built
 * for long strings and sets) are 0.9 KB of a static binary. */
static size_t str_span(const char *s, const char *set, int in)
{
    const char *p = s;
    if (!set[1]) {   /* (one separator, as for lines and lists: the most common, and the cheapest) */
        while (*p && (*p == set[0]) == in) p++;
        return (size_t)(p - s);
    }
    for (; *p; p++) {   /* (the set looked through in place: a call per character cost most of a mountinfo read) */
        const char *q = set;
        while (*q && *q != *p) q++;
        if ((*q != 0) != in) break;
    }
    return (size_t)(p - s);
}

/* strtok_r(3) */
static char *str_tok(char *s, const char *sep, char **save)
{
    if (!s && !(s = *save)) return NULL;
    s += str_span(s, sep, 1);
    if (!*s) return *save = NULL;
    char *end = s + str_span(s, sep, 0);
    *save = *end ? end + 1 : NULL;
    *end = 0;
    return s;
}

/* Is the n-byte `item` one of the items of `have` (NULL: none), which
 * `sep` (a one-character string) separates? */
static int list_has(const char *have, const char *sep, const char *item, size_t n)
{
    for (const char *h = have ? have : ""; *h; h++) {
        size_t len = str_span(h, sep, 0);
        if (len == n && !strncmp(h, item, n)) return 1;
        h += len;
        if (!*h) break;
    }
    return 0;
}

/* Formatting.  A small vsnprintf for what this file prints: the conversions
 * d i u x X o c s p and %, the flags - 0 # + and space, width and precision (or *),
 * and the length modifiers hh h l ll j z t.  Floating point is left out on
 * purpose: with libc's printf a static binary carries float formatting and
 * stdio (about 14 KB on x86_64, more on MIPS) whether a format uses them or
 * not.  Returns the length of the whole output, as snprintf() does. */
static void fmt_put(char *out, size_t cap, size_t *n, char c, int times)
{
    for (; times > 0; times--, (*n)++)
        if (*n + 1 < cap) out[*n] = c;
}

static void fmt_puts(char *out, size_t cap, size_t *n, const char *s, size_t len)
{
    size_t room = *n + 1 < cap ? cap - 1 - *n : 0;
    if (len && room) memcpy(out + *n, s, len < room ? len : room);
    *n += len;
}

/* Reads the next integer argument of a conversion with length modifier
 * `size` (-2 hh, -1 h, 0 none, 1 l z t, 2 ll j) as 64 bits. */
static uint64_t fmt_arg(va_list *ap, int size, int sign)
{
    if (size == 2) return va_arg(*ap, unsigned long long);
    if (size == 1) return sign ? (uint64_t)(int64_t)va_arg(*ap, long) : va_arg(*ap, unsigned long);
    int v = va_arg(*ap, int);
    if (size == -2) return sign ? (uint64_t)(int64_t)(signed char)v : (unsigned char)v;
    if (size == -1) return sign ? (uint64_t)(int64_t)(short)v : (unsigned short)v;
    return sign ? (uint64_t)(int64_t)v : (unsigned)v;
}

/* u / d for a 32-bit d.  32-bit CPUs have no 64-bit divide and would
 * call libgcc's __udivdi3 (1.1 KB of a static binary): there it is
 * done bit by bit, as long division; the few divisions of the runtime
 * (formatting, parsing) do not notice. */
static uint64_t udiv64(uint64_t n, uint32_t d)
{
#if UINTPTR_MAX == 0xffffffffu
    uint64_t r = 0;
    for (int i = 0; i < 64; i++) {   /* n shifts out as the quotient shifts in */
        r = r << 1 | n >> 63;
        n <<= 1;
        if (r >= d) r -= d, n |= 1;
    }
    return n;
#else
    return n / d;
#endif
}

/* 1 << i for a 64-bit set (capabilities), i 0 to 63: shifting a 64-bit
 * value by a variable calls libgcc on 32-bit CPUs.  (A call is smaller
 * than the inlined halves.) */
__attribute__((noinline)) static uint64_t bit64(int i)
{
    return i < 32 ? (uint64_t)(1u << i) : (uint64_t)(1u << (i - 32)) << 32;
}

/* The digits of u in base 8, 10 or 16, written backwards from `end`;
 * returns the first.  The remainder comes by multiplication. */
static char *fmt_digits(char *end, uint64_t u, unsigned base, int upper)
{
    do {
        uint64_t q = udiv64(u, base);
        unsigned dg = (unsigned)(u - q * base);
        *--end = (char)("0123456789abcdef"[dg] - (upper && dg > 9 ? 32 : 0));
        u = q;
    } while (u);
    return end;
}

static int fmt_number(const char **fp, va_list *ap)
{
    int v = 0;
    if (**fp == '*') { (*fp)++; return va_arg(*ap, int); }
    while (**fp >= '0' && **fp <= '9') v = v * 10 + *(*fp)++ - '0';
    return v;
}

static int str_vfmt(char *out, size_t cap, const char *f, va_list ap0)
{
    va_list ap;
    va_copy(ap, ap0);
    size_t n = 0;
    for (; *f; f++) {
        if (*f != '%') {   /* the literal text up to the next conversion, at once */
            const char *lit = f;
            while (f[1] && f[1] != '%') f++;
            fmt_puts(out, cap, &n, lit, (size_t)(f - lit) + 1);
            continue;
        }
        int left = 0, zero = 0, alt = 0, sign_char = 0, width, prec = -1, size = 0;
        for (f++;; f++) {
            if (*f == '-') left = 1;
            else if (*f == '0') zero = 1;
            else if (*f == '#') alt = 1;
            else if (*f == '+' || *f == ' ') sign_char = sign_char == '+' ? '+' : *f;
            else break;
        }
        width = fmt_number(&f, &ap);
        if (width < 0) left = 1, width = -width;
        if (*f == '.') f++, prec = fmt_number(&f, &ap);
        for (;; f++) {
            if (*f == 'h') size = size ? -2 : -1;
            else if (*f == 'l') size++;
            else if (*f == 'z' || *f == 't') size = 1;   /* as wide as long on every Linux ABI */
            else if (*f == 'j' || *f == 'q') size = 2;
            else break;
        }
        char digits[24], *d = digits + sizeof digits;
        const char *body = d, *prefix = "";
        size_t len = 0;
        int c = *f;
        if (c == 's') {
            body = va_arg(ap, const char *);
            if (!body) body = "(null)";
            while ((prec < 0 || len < (size_t)prec) && body[len]) len++;   /* strnlen() or strlen() */
            prec = -1, zero = 0;
        } else if (c == 'c') {
            *--d = (char)va_arg(ap, int), body = d, len = 1, zero = 0;
        } else if (c && str_chr("diuxXop", c)) {
            int sign = c == 'd' || c == 'i';
            unsigned base = c == 'o' ? 8 : (c == 'x' || c == 'X' || c == 'p') ? 16 : 10;
            uint64_t u = c == 'p' ? (uint64_t)(uintptr_t)va_arg(ap, void *) : fmt_arg(&ap, size, sign);
            if (sign && (int64_t)u < 0) u = -u, prefix = "-";
            else if (sign && sign_char) prefix = sign_char == '+' ? "+" : " ";
            if (c == 'p' || (alt && u && c == 'x')) prefix = "0x";
            if (alt && u && c == 'X') prefix = "0X";
            if (alt && u && c == 'o') prefix = "0";
            d = fmt_digits(d, u, base, c == 'X');
            body = d, len = prec == 0 && *d == '0' ? 0 : (size_t)(digits + sizeof digits - d);   /* "%.0d" of 0 is empty */
        } else {   /* %% and anything unknown: printed as it is */
            if (!c) break;
            fmt_put(out, cap, &n, c, 1);
            continue;
        }
        size_t plen = strlen(prefix);
        int zeros = prec > (int)len ? prec - (int)len : 0;
        int pad = width - (int)(plen + len) - zeros;
        if (zero && !left && prec < 0) zeros += pad > 0 ? pad : 0, pad = 0;
        if (!left) fmt_put(out, cap, &n, ' ', pad);
        fmt_puts(out, cap, &n, prefix, plen);
        fmt_put(out, cap, &n, '0', zeros);
        fmt_puts(out, cap, &n, body, len);
        if (left) fmt_put(out, cap, &n, ' ', pad);
    }
    va_end(ap);
    if (cap) out[n < cap ? n : cap - 1] = 0;
    return n > INT_MAX ? INT_MAX : (int)n;
}

__attribute__((format(printf, 3, 4)))
static int str_fmt(char *out, size_t cap, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    int n = str_vfmt(out, cap, f, ap);
    va_end(ap);
    return n;
}

/* a, then (sep not NULL) sep and b, into out, cut to fit; returns the
 * whole length, as snprintf() does.  Strings are copied and paths made so
 * in dozens of places, where parsing a format cost more than the copy. */
static int str_join(char *out, size_t cap, const char *a, const char *sep, const char *b)
{
    size_t n = 0;
    const char *part[3] = { a, sep, b };
    for (int i = 0; i < (sep ? 3 : 1); i++) {
        const char *p = part[i] ? part[i] : "(null)";   /* (as "%s" had it) */
        fmt_puts(out, cap, &n, p, strlen(p));
    }
    if (cap) out[n < cap ? n : cap - 1] = 0;
    return n > INT_MAX ? INT_MAX : (int)n;
}

/* s into out, cut to fit */
static int str_copy(char *out, size_t cap, const char *s) { return str_join(out, cap, s, NULL, NULL); }

/* Whether path p is dir or below it ("/a/b" is below "/a", "/ab" is not). */
static int path_at_or_below(const char *p, const char *dir)
{
    size_t n = strlen(dir);
    return !strncmp(p, dir, n) && (!p[n] || p[n] == '/');
}

/* dir/name into out, cut to fit (as str_copy, for the paths made so) */
static int str_path(char *out, size_t cap, const char *dir, const char *name) { return str_join(out, cap, dir, "/", name); }

/* The last failure: its message (for people, printed in one place) and
 * its code (enum ocirun_error in runtime.h: for code, which branches on
 * it and never on the text). */
static char err_msg[2048];
static int err_code;

/* Record a failure; always returns -1 so callers can `return fail(...)`. */
__attribute__((format(printf, 1, 2)))
static int fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    err_code = OCIRUN_E_FAILED;
    return -1;
}

/* A failure of a kind that code tells apart (enum ocirun_error). */
__attribute__((format(printf, 2, 3)))
static int fail_as(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(err_msg, sizeof err_msg, fmt, ap);
    va_end(ap);
    err_code = code;
    return -1;
}

/* strerror(e) as Go words it (runc's errors): "no such file or
 * directory", where callers match the text (Docker's 127 and 126). */
static const char *go_strerror(int e, char why[static 128])
{
    str_copy(why, 128, strerror(e));
    if (why[0] >= 'A' && why[0] <= 'Z') why[0] = (char)(why[0] + 32);
    return why;
}

/* Like fail(), with ": strerror(errno)" appended. */
__attribute__((format(printf, 1, 2)))
static int failerr(const char *fmt, ...)
{
    int saved = errno;
    char buf[1536];
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(buf, sizeof buf, fmt, ap);
    va_end(ap);
    str_fmt(err_msg, sizeof err_msg, "%s: %s", buf, strerror(saved));
    err_code = OCIRUN_E_FAILED;
    errno = saved;
    return -1;
}

/* Put context in front of the recorded message; returns -1. */
__attribute__((format(printf, 1, 2), noinline))
static int err_prefix(const char *fmt, ...)
{
    char pre[1024], old[sizeof err_msg];
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err_msg, sizeof old);
    str_fmt(err_msg, sizeof err_msg, "%s: %s", pre, old);
    return -1;
}

const char *ocirun_last_error(void) { return err_msg; }
int ocirun_last_error_code(void) { return err_code; }

/* Memory.  A small allocator on mmap in place of libc's malloc (8 KB of a
 * static musl binary).  Blocks are powers of two from 32 bytes to 64 KB and
 * a freed block goes on the free list of its size, so code that allocates
 * and frees in a loop (`events`, a foreground `run`) reuses the same memory
 * instead of growing; bigger blocks are mapped and unmapped whole.  The
 * runtime is single-threaded, and its vfork children allocate nothing. */
#define MEM_MIN_SHIFT 5
#define MEM_CLASSES 12                  /* 32 B .. 64 KB */
#define MEM_POOL (256u << 10)
struct mem_hdr { _Alignas(16) size_t size; struct mem_hdr *next; };
static struct mem_hdr *mem_free_list[MEM_CLASSES];
static char *mem_pool;
static size_t mem_pool_left;

static void out_of_memory(void)
{
    static const char oom[] = "ocirun: out of memory\n";
    if (sys_write(2, oom, sizeof oom - 1) < 0) { /* nothing left to do */ }
    _exit(125);
}

static void mem_release(struct mem_hdr *h, int k)
{
    h->next = mem_free_list[k];
    mem_free_list[k] = h;
}

/* Fresh zeroed memory from the kernel.  mmap(2) and munmap(2) by their
 * syscalls: libc's wrappers (checks for offsets and MAP_FIXED, which are
 * never used here) are 0.5 KB of a static MIPS binary. */
static void *mem_map(size_t n)
{
#ifdef SYS_mmap2
    long nr = SYS_mmap2;
#else
    long nr = SYS_mmap;
#endif
    void *p = (void *)syscall(nr, 0L, n, (long)(PROT_READ | PROT_WRITE), (long)(MAP_PRIVATE | MAP_ANONYMOUS), -1L, 0L);
    if (p == MAP_FAILED) out_of_memory();
    return p;
}

#ifndef OCIRUN_LIBC_MALLOC
#define OCIRUN_LIBC_MALLOC 0   /* 1: libc's malloc, so ASan sees every block (tests/fuzz) */
#endif

/* A block of n bytes; *zero says whether it is known to be zero (a fresh
 * mapping, or pool memory never handed out), which xcalloc then leaves
 * untouched: a memset would fault in every page of a big block. */
static void *mem_get(size_t n, int *zero)
{
    *zero = 0;
    if (OCIRUN_LIBC_MALLOC) {
        void *p = malloc(n ? n : 1);
        if (!p) out_of_memory();
        return p;
    }
    size_t need = n + sizeof(struct mem_hdr);
    struct mem_hdr *h;
    if (need < n) out_of_memory();
    if (need > (size_t)1 << (MEM_MIN_SHIFT + MEM_CLASSES - 1)) {
        h = mem_map(need);
        h->size = need;
        *zero = 1;
        return h + 1;
    }
    int k = 0;
    while ((size_t)1 << (k + MEM_MIN_SHIFT) < need) k++;
    size_t size = (size_t)1 << (k + MEM_MIN_SHIFT);
    if ((h = mem_free_list[k])) {
        mem_free_list[k] = h->next;
    } else {
        if (mem_pool_left < size) {
            /* the rest of the old pool goes to the free lists */
            for (int j = MEM_CLASSES - 1; j >= 0; j--)
                for (; mem_pool_left >= (size_t)1 << (j + MEM_MIN_SHIFT); mem_pool_left -= (size_t)1 << (j + MEM_MIN_SHIFT)) {
                    mem_release((struct mem_hdr *)mem_pool, j);
                    mem_pool += (size_t)1 << (j + MEM_MIN_SHIFT);
                }
            mem_pool = mem_map(MEM_POOL);
            mem_pool_left = MEM_POOL;
        }
        h = (struct mem_hdr *)mem_pool;
        mem_pool += size, mem_pool_left -= size;
        *zero = 1;
    }
    h->size = size;
    return h + 1;
}

static void *xmalloc(size_t n)
{
    int zero;
    return mem_get(n, &zero);
}

static void xfree(void *p)
{
    if (OCIRUN_LIBC_MALLOC) { free(p); return; }
    if (!p) return;
    struct mem_hdr *h = (struct mem_hdr *)p - 1;
    if (h->size > (size_t)1 << (MEM_MIN_SHIFT + MEM_CLASSES - 1)) {
        syscall(SYS_munmap, h, h->size);   /* (see mem_map) */
        return;
    }
    int k = 0;
    while ((size_t)1 << (k + MEM_MIN_SHIFT) < h->size) k++;
    mem_release(h, k);
}

/* (not inlined: gcc's object-size checks would see the overflow guard's
 * SIZE_MAX reach memset at call sites, and -Werror builds stop) */
__attribute__((noinline)) static void *xcalloc(size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) total = SIZE_MAX; /* makes xmalloc fail */
    int zero;
    void *p = mem_get(total, &zero);
    if (!zero) memset(p, 0, total);   /* (fresh: its pages stay untouched) */
    return p;
}

/* close(2) of an fd that may be none (-1): the test and call in one
 * place, as dozens of cleanups do it */
static void close_if(int fd)
{
    if (fd >= 0) close(fd);
}

/* strncasecmp(3) for ASCII names (capabilities, signals), without libc's
 * locale tables: 0 when the first n bytes match, case aside. */
static int name_ncmp(const char *a, const char *b, size_t n)
{
    for (; n--; a++, b++) {
        int x = *a >= 'a' && *a <= 'z' ? *a - 32 : *a, y = *b >= 'a' && *b <= 'z' ? *b - 32 : *b;
        if (x != y || !x) return x - y;
    }
    return 0;
}
#define name_cmp(a, b) name_ncmp((a), (b), (size_t)-1)

/* The place of `name` in `names`, NUL-separated names ending with an
 * empty one (a table's names in one string: no pointer each), case aside
 * with `nocase`; -1 if it is not there. */
static int names_index(const char *names, const char *name, int nocase)
{
    for (int i = 0; *names; i++, names += strlen(names) + 1)
        if (!(nocase ? name_cmp(names, name) : strcmp(names, name))) return i;
    return -1;
}

/* Values of a repeatable command-line flag (runc takes any number: a
 * script may pass its whole environment as -e flags). */
struct strlist { const char *v[256]; int n; };

/* A growing string buffer; used for JSON output and messages. */
struct buf { char *p; size_t len, cap; };

static void buf_grow(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = xmalloc(cap);
    if (b->p) memcpy(p, b->p, b->len);
    xfree(b->p);
    b->p = p;
    b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void buf_puts(struct buf *b, const char *s) { buf_add(b, s, strlen(s)); }

static void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
    char tmp[512];
    int n = str_vfmt(tmp, sizeof tmp, fmt, ap);
    if ((size_t)n < sizeof tmp) { buf_add(b, tmp, (size_t)n); return; }
    buf_grow(b, (size_t)n);
    str_vfmt(b->p + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

__attribute__((format(printf, 2, 3)))
static void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

static void buf_free(struct buf *b) { xfree(b->p); b->p = NULL; b->len = b->cap = 0; }

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = sys_write(fd, c, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A command's output, on stdout.  Its reader gone (EPIPE) is an error of
 * its own kind: the binary then ends by SIGPIPE, silently, as runc (a Go
 * program) does; a library's caller gets the code. */
static int write_out(const void *p, size_t n)
{
    if (write_all(1, p, n) == 0) return 0;
    failerr("write");
    if (errno == EPIPE) err_code = OCIRUN_E_OUTPUT;
    return -1;
}

/* printf to an fd: one write, no stdio buffer to flush or lose. */
__attribute__((format(printf, 2, 3)))
static int fd_printf(int fd, const char *fmt, ...)
{
    struct buf b = {0};
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    int r = b.len ? write_all(fd, b.p, b.len) : 0;
    buf_free(&b);
    return r;
}

/* Reads exactly n bytes; returns n, 0 on EOF before the first byte, or -1
 * (errno EPIPE for EOF in the middle). */
static ssize_t read_full(int fd, void *p, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = sys_read(fd, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -1;
        if (r == 0) {
            if (got == 0) return 0;
            errno = EPIPE;
            return -1;
        }
        got += (size_t)r;
    }
    return (ssize_t)got;
}

/* Reads an open fd to its end (bounded by `max`) into a NUL-terminated
 * buffer; `name` is for messages.  A `max` of a page or less means a file
 * the kernel makes (a cgroup, sysctl or proc value): those come whole from
 * one read (seq_file fills a page before it returns), so the read that
 * would only say "end" is skipped. */
static int read_fd_all(int fd, const char *name, size_t max, char **out, size_t *lenp)
{
    struct buf b = {0};
    char tmp[8192];
    if (max < 4097) {
        ssize_t r;
        while ((r = sys_read(fd, tmp, max + 1)) < 0 && errno == EINTR) {}
        if (r < 0) return failerr("read %s", name);
        if ((size_t)r > max) return fail("%s: larger than %zu bytes", name, max);
        buf_add(&b, tmp, (size_t)r);   /* (makes the buffer even for 0 bytes) */
        *out = b.p;
        if (lenp) *lenp = b.len;
        return 0;
    }
    for (;;) {
        ssize_t r = sys_read(fd, tmp, sizeof tmp);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { buf_free(&b); return failerr("read %s", name); }
        if (r == 0) break;
        if (b.len + (size_t)r > max) { buf_free(&b); return fail("%s: larger than %zu bytes", name, max); }
        buf_add(&b, tmp, (size_t)r);
    }
    if (!b.p) buf_grow(&b, 0), b.p[0] = 0;
    *out = b.p;
    if (lenp) *lenp = b.len;
    return 0;
}

/* Reads a whole file (bounded by `max`) into a NUL-terminated buffer.  One
 * named below a directory fd (a state directory's, an image's) is not
 * followed if a symlink, nor waited on if a FIFO: a state root that
 * `state` and `list` only look at may be anyone's. */
static int read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *lenp)
{
    int fd = sys_openat(dirfd, path, O_RDONLY | O_CLOEXEC | (dirfd == AT_FDCWD ? 0 : O_NOFOLLOW | O_NONBLOCK), 0);
    if (fd < 0) return failerr("open %s", path);
    int r = read_fd_all(fd, path, max, out, lenp);
    close(fd);
    return r;
}

/* Writes `data` to `dir/name` atomically: a temporary file, then a rename,
 * so a reader (or a process killed mid-write) sees the old file or the new
 * one.  Not fsynced: what is written here (state, pid files) describes
 * processes, which do not outlive a reboot either; runc does not fsync
 * them.  An fsync cost a start ~0.5 ms on ext4.  The two halves are apart
 * for state.json, which is staged early and published later. */
static int write_file_staged(int dirfd, const char *name, const char *data, size_t n, mode_t mode)
{
    char tmp[NAME_MAX + 1];
    if (str_fmt(tmp, sizeof tmp, ".%s.tmp", name) >= (int)sizeof tmp)
        return fail("%s: name too long", name);
    int fd = sys_openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) return failerr("create %s", tmp);
    if (write_all(fd, data, n) < 0) {
        failerr("write %s", tmp);
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return -1;
    }
    close(fd);
    return 0;
}

static int publish_staged(int dirfd, const char *name)
{
    char tmp[NAME_MAX + 1];
    str_fmt(tmp, sizeof tmp, ".%s.tmp", name);
    if (sys_renameat(dirfd, tmp, name) == 0) return 0;
    failerr("rename %s to %s", tmp, name);
    unlinkat(dirfd, tmp, 0);
    return -1;
}

static int write_file_atomic(int dirfd, const char *name, const char *data, size_t n, mode_t mode)
{
    return write_file_staged(dirfd, name, data, n, mode) < 0 ? -1 : publish_staged(dirfd, name);
}

/* Writes a short string to an existing file (procfs, sysfs, cgroupfs). */
static int write_file_str(const char *path, const char *s)
{
    int fd = sys_open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0);
    if (fd < 0) return failerr("open %s", path);
    int r = write_all(fd, s, strlen(s));
    if (r < 0) failerr("write %s", path);
    close(fd);
    return r;
}

/* The number at s (after blanks) in base 10 or 16, as strtoull() reads
 * it but without locale or errno (and without pulling libc's float scanner
 * into a static binary); returns the end, or NULL when the value does not
 * fit (*out is then UINT64_MAX). */
static const char *scan_u64(const char *s, unsigned base, uint64_t *out)
{
    uint64_t v = 0;
    int over = 0;
    while (*s == ' ' || *s == '\t') s++;
    for (;; s++) {
        unsigned c = (unsigned char)*s, lc = c | 32;
        unsigned d = c - '0' < 10 ? c - '0' : lc - 'a' < 6 ? lc - 'a' + 10 : 99;
        if (d >= base) break;
        uint64_t t;
        if (__builtin_mul_overflow(v, (uint64_t)base, &t) || __builtin_add_overflow(t, (uint64_t)d, &t)) over = 1;
        v = over ? UINT64_MAX : t;
    }
    *out = v;
    return over ? NULL : s;
}

/* A signed decimal, as strtoll() reads it: blanks, a sign, digits.
 * Returns the end (s itself when there is no digit), or NULL when the
 * value is out of range (*out is then saturated). */
static const char *scan_i64(const char *s, int64_t *out)
{
    const char *start = s;
    while (*s == ' ' || *s == '\t') s++;
    int neg = *s == '-', sign = neg || *s == '+';
    uint64_t u;
    *out = 0;
    if (!isdigit((unsigned char)s[sign])) return start;
    const char *e = scan_u64(s + sign, 10, &u);
    if (!e || u > (uint64_t)INT64_MAX + (uint64_t)neg) { *out = neg ? INT64_MIN : INT64_MAX; return NULL; }
    *out = neg ? (int64_t)(0 - u) : (int64_t)u;
    return e;
}

/* strstr() for the short needles and haystacks here (mountinfo lines,
 * /proc/self/status): the obvious loop, where libc's two-way search is
 * 1 KB of a static binary. */
static char *str_find(const char *h, const char *n)
{
    size_t len = strlen(n);
    for (; *h; h++)
        if (!strncmp(h, n, len)) return (char *)h;
    return len ? NULL : (char *)h;
}

/* memmove(3): libc's, built for long moves, is 0.5 KB of a static binary;
 * the moves here are of a path, a line or a BPF program. */
static void mem_move(void *dst, const void *src, size_t n)
{
    char *d = dst;
    const char *s = src;
    if (d < s) while (n--) *d++ = *s++;
    else while (n--) d[n] = s[n];
}

/* memcpy(3), memset(3), memcmp(3), strlen(3), strcmp(3) and strncmp(3),
 * in the static build where OCIRUN_OWN_STRING says (`make static` on
 * MIPS, where musl's portable C ones are 2 KB, and where a call to one of
 * them must be taken to clobber every caller-saved register: with the
 * bodies in view, gcc knows which they leave alone, 1.4 KB less at the
 * calls).  A byte at a time: the copies here are of messages, paths and a
 * config, a few KB at the most; what is cleared is a struct, what is
 * measured or compared a name, a path or a line.  Never in a library
 * build: the host program's libc keeps its own. */
#if OCIRUN_OWN_STRING && defined(OCIRUN_NO_MAIN)
#error "OCIRUN_OWN_STRING is for the ocirun binary, not a library build"
#endif
#if OCIRUN_OWN_STRING
void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    mem_move(dst, src, n);
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    for (unsigned char *d = dst; n--;) *d++ = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n && *x == *y; n--, x++, y++) {}
    return n ? *x - *y : 0;
}

size_t strlen(const char *s)
{
    const char *e = s;
    while (*e) e++;
    return (size_t)(e - s);
}

int strcmp(const char *a, const char *b)
{
    for (; *a && *a == *b; a++, b++) {}
    return *(const unsigned char *)a - *(const unsigned char *)b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n && *a && *a == *b; n--, a++, b++) {}
    return n ? *(const unsigned char *)a - *(const unsigned char *)b : 0;
}
#endif

/* KEY's value in an environment vector (ours is `environ`: getenv(3)
 * would bring libc's own lookup in for the same loop). */
static const char *env_get(char *const *env, const char *key)
{
    size_t n = strlen(key);
    for (; env && *env; env++)
        if (!strncmp(*env, key, n) && (*env)[n] == '=') return *env + n + 1;
    return NULL;
}

/* memchr(3): libc's, a word at a time, is 0.2 KB of a static binary. */
static void *mem_chr(const void *p, int c, size_t n)
{
    for (const unsigned char *s = p; n--; s++)
        if (*s == (unsigned char)c) return (void *)s;
    return NULL;
}

/* A whole string of decimal digits, nothing else. */
static int parse_u64(const char *s, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s)) return -1;
    const char *end = scan_u64(s, 10, out);
    return end && !*end ? 0 : -1;
}

static int parse_int(const char *s, int *out)
{
    uint64_t v;
    if (parse_u64(s, &v) < 0 || v > INT_MAX) return -1;
    *out = (int)v;
    return 0;
}

/* An integer flag's value: decimal, signed, no blanks.  runc's flag
 * library reads Go's literals (strconv.ParseInt(v, 0, 64)), where "010"
 * is 8 and "0x10" 16: a leading 0 is refused, not read as another
 * number.  In lo..hi, else a usage error naming the flag. */
static int flag_int(const char *flag, const char *v, int64_t lo, int64_t hi, int64_t *out)
{
    const char *d = v + (*v == '-' || *v == '+'), *e = scan_i64(v, out);
    if (e && e != v && !*e && *d != ' ' && *d != '\t' && (*d != '0' || !d[1]) && *out >= lo && *out <= hi) return 0;
    return fail_as(OCIRUN_E_USAGE, "invalid value \"%s\" for flag --%s", v, flag);
}

/* (FD_CLOEXEC is the only fd flag there is: no F_GETFD first) */
static int set_cloexec(int fd, int on)
{
    return sys_fcntl(fd, F_SETFD, on ? FD_CLOEXEC : 0);
}

/* Directory reading with getdents64 on an fd the caller owns, without DIR:
 * libc's opendir() allocates, and the static binary carries no malloc. */
struct dir_iter { int fd, pos, len; unsigned char type; _Alignas(8) char buf[2048]; };   /* type: the last name's */
#define OCI_DT_DIR 4

static void dir_start(struct dir_iter *d, int fd) { d->fd = fd, d->pos = d->len = 0; }

/* The next name other than . and .., or NULL at the end (errno 0) or on
 * an error (errno set). */
static const char *dir_next(struct dir_iter *d)
{
    for (;;) {
        if (d->pos >= d->len) {
            long n = syscall(SYS_getdents64, d->fd, d->buf, sizeof d->buf);
            if (n <= 0) { if (n == 0) errno = 0; return NULL; }
            d->len = (int)n, d->pos = 0;
        }
        const struct oci_dirent64 *e = (const void *)(d->buf + d->pos);
        d->pos += e->d_reclen;
        d->type = e->d_type;
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) return e->d_name;
    }
}

/* Starts fn(arg) in a child that shares our memory, on a stack of its own,
 * and waits until it execs or exits (vfork semantics).  Every child of the
 * runtime starts this way: libc's fork() would bring its thread-safety
 * machinery into a static binary, and copying our memory is wasted on a
 * child that execs at once.  fn may only make syscalls, then exec, or
 * return its exit status.  `flags`: more clone flags (CLONE_PARENT). */
/* In a host program (the library), a handler of the host's must not run
 * in such a child, on its small stack, in the host's memory: every signal
 * is held across the clone, and the child puts each caught one back to
 * its default (its own copy of the handlers) before it takes the host's
 * mask again, as posix_spawn does.  The ocirun binary catches nothing
 * while it spawns. */
#ifdef OCIRUN_NO_MAIN
struct child_call { int (*fn)(void *); void *arg; sigset_t mask; };

static int child_with_defaults(void *p)
{
    struct child_call *c = p;
    struct sigaction sa, dfl;
    memset(&dfl, 0, sizeof dfl), dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < 65; sig++)
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN) sigaction(sig, &dfl, NULL);
    sigprocmask(SIG_SETMASK, &c->mask, NULL);
    return c->fn(c->arg);
}
#define HOST_SIGNALS_HELD(fn, arg)                                                  \
    struct child_call cc_ = { fn, arg, { { 0 } } };                                \
    sigset_t all_;                                                                  \
    sigfillset(&all_), sigprocmask(SIG_BLOCK, &all_, &cc_.mask);                   \
    fn = child_with_defaults, arg = &cc_
#define HOST_SIGNALS_BACK() sigprocmask(SIG_SETMASK, &cc_.mask, NULL)
#else
#define HOST_SIGNALS_HELD(fn, arg) (void)0
#define HOST_SIGNALS_BACK() (void)0
#endif

static pid_t spawn_vfork(int (*fn)(void *), void *arg, int flags)
{
    char stack[16384] __attribute__((aligned(16)));
    HOST_SIGNALS_HELD(fn, arg);
    pid_t pid = clone(fn, stack + sizeof stack, CLONE_VM | CLONE_VFORK | SIGCHLD | flags, arg);
    HOST_SIGNALS_BACK();
    return pid;
}

/* Marks every fd >= `from` close-on-exec, so nothing the caller leaked to
 * us reaches the container (CVE-2024-21626). */
static int cloexec_fds_from(int from, int trust_proc)
{
    if (syscall(NR_close_range, from, ~0U, OCI_CLOSE_RANGE_CLOEXEC) == 0) return 0; /* Linux 5.11 */
    int dfd = trust_proc ? sys_open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) : -1;
    if (dfd < 0) {
        /* no /proc: fall back to a bounded sweep */
        for (int fd = from; fd < 1024; fd++) set_cloexec(fd, 1);
        return 0;
    }
    struct dir_iter d;
    const char *name;
    dir_start(&d, dfd);
    while ((name = dir_next(&d))) {
        int fd;
        if (parse_int(name, &fd) < 0 || fd < from || fd == dfd) continue;
        if (set_cloexec(fd, 1) < 0 && errno != EBADF) {
            failerr("fcntl(%d, F_SETFD, FD_CLOEXEC)", fd);
            close(dfd);
            return -1;
        }
    }
    close(dfd);
    return 0;
}

static char *proc_fd_path(char buf[static 32], int fd)
{
    str_fmt(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

/* clock_gettime(2) as a plain syscall: libc's looks up the vDSO first,
 * about 2 KB of a static 32-bit binary, and the runtime reads the clock a
 * few times a command.  32-bit arches ask for 64-bit seconds first (Linux
 * 5.1) and fall back to the old call. */
static int clock_now(int clk, struct timespec *ts)
{
#ifdef SYS_clock_gettime64
    struct { int64_t sec, nsec; } t64;
    if (syscall(SYS_clock_gettime64, clk, &t64) == 0) {
        ts->tv_sec = (time_t)t64.sec, ts->tv_nsec = (long)t64.nsec;
        return 0;
    }
#endif
    struct { long sec, nsec; } t;
#ifdef SYS_clock_gettime32   /* (musl's name for the old call where time is 64-bit) */
    if (syscall(SYS_clock_gettime32, clk, &t) < 0) return -1;
#else
    if (syscall(SYS_clock_gettime, clk, &t) < 0) return -1;
#endif
    ts->tv_sec = t.sec, ts->tv_nsec = t.nsec;
    return 0;
}

/* Every signal at its default and none blocked, for a process about to
 * exec what a container (or a hook) runs: the runtime ignores SIGPIPE,
 * and an ignored signal stays ignored across execve, whoever ignored it
 * (the caller, or whatever started the caller: 32 and 33 come ignored
 * from some).  The kernel's calls, since libc refuses its own signals
 * (32, 33); SIG_DFL with no flags and an empty mask is all zeros in every
 * arch's struct, and only the size of the kernel's sigset differs. */
static void default_signals(void)
{
    enum { KSIGSET = OCI_KSIGSET };
    uint64_t zero[8] = { 0 };
    /* execve resets caught signals itself: only ignored ones (SigIgn in
     * /proc/self/status, hex, signal 1 in the last digit) need resetting.
     * Without a procfs to say which: all of them. */
    char buf[2048], *ign = NULL;
    struct statfs sf;
    int fd = sys_open("/proc/self/status", O_RDONLY | O_CLOEXEC, 0);
    ssize_t n = fd >= 0 && sys_fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC ? sys_read(fd, buf, sizeof buf - 1) : -1;
    close_if(fd);
    if (n > 0) buf[n] = 0, ign = str_find(buf, "\nSigIgn:\t");
    size_t len = ign ? str_span(ign += 9, "0123456789abcdef", 1) : 0;
    for (int sig = 1; sig <= KSIGSET * 8; sig++) {
        if (ign && (size_t)(sig - 1) / 4 < len) {
            char d = ign[len - 1 - (size_t)(sig - 1) / 4];
            if (!(((d <= '9' ? d - '0' : d - 'a' + 10) >> ((sig - 1) % 4)) & 1)) continue;
        } else if (ign) continue;
        if (sig != SIGKILL && sig != SIGSTOP) syscall(SYS_rt_sigaction, sig, zero, NULL, (size_t)KSIGSET);
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, zero, NULL, (size_t)KSIGSET);
}

/* SIGPIPE ignored (a peer gone is an error we report, not a death), and
 * SIGCHLD at its default: a caller that ignores it passes that on, and
 * with it ignored the kernel reaps our children itself, so no wait gets
 * their status ("No child processes"; runc's Go resets it too).  By a
 * plain rt_sigaction: libc's sigaction is 850 bytes of a MIPS binary.
 * The kernel's struct has the flags first on MIPS, the handler first
 * elsewhere; SIG_IGN and SIG_DFL need no restorer. */
static void set_signal(int sig, void (*handler)(int))
{
    unsigned long k[4 + 16 / sizeof(unsigned long)] = { 0 };
#ifdef __mips__
    k[1] = (unsigned long)handler;
#else
    k[0] = (unsigned long)handler;
#endif
    syscall(SYS_rt_sigaction, sig, k, NULL, (size_t)OCI_KSIGSET);
}

static void own_signals(void)
{
    set_signal(SIGCHLD, SIG_DFL);
    set_signal(SIGPIPE, SIG_IGN);
}

/* The monotonic clock, in microseconds (phase times) and milliseconds
 * (deadlines). */
static int64_t now_us(void)
{
    struct timespec ts;
    if (clock_now(CLOCK_MONOTONIC, &ts) < 0) return 0;
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    if (clock_now(CLOCK_MONOTONIC, &ts) < 0) return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* How long a bounded wait lasts: `ms`, or what the suite's
 * OCIRUN_TEST_WAIT_MS says (so that a test of the bound need not wait it
 * out; it can only shorten a wait, never remove one). */
static int wait_limit_ms(int ms)
{
    int t;
    const char *v = env_get(environ, "OCIRUN_TEST_WAIT_MS");
    return v && parse_int(v, &t) == 0 && t > 0 && t < ms ? t : ms;
}

/* A pause of `ms` milliseconds: poll(2) without fds, which the runtime
 * links anyway (usleep brings clock_nanosleep and its time64 shims). */
static void sleep_ms(int ms) { poll(NULL, 0, ms); }

/* connect(2) to a client's socket (console socket, seccomp agent) that
 * gives up after 10 s: a peer whose listen backlog is full makes a
 * blocking connect wait for ever.  A non-blocking one answers EAGAIN at
 * once; it is retried until the deadline.  The socket stays blocking. */
static int connect_bounded(int fd, const struct sockaddr_un *sa)
{
    int fl = sys_fcntl(fd, F_GETFL, 0);
    sys_fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    int64_t deadline = now_ms() + wait_limit_ms(10000);
    int r;
    while ((r = sys_connect(fd, sa)) < 0 && (errno == EAGAIN || errno == EINTR) &&
           now_ms() < deadline)
        sleep_ms(10);
    int e = errno;
    sys_fcntl(fd, F_SETFL, fl);
    if (r < 0 && e == EAGAIN) e = ETIMEDOUT;
    errno = e;
    return r;
}

/* Seconds since the epoch (from 1970 to the year 19000) as UTC year,
 * month, day, hours, minutes, seconds: the Gregorian calendar counted in
 * days from 0000-03-01 (H. Hinnant's civil_from_days), where libc's
 * gmtime_r() would bring its time zone code into a static binary.  32-bit
 * arithmetic only (86400 = 2^7 * 675): 32-bit CPUs have no 64-bit divide. */
static void utc_fields(int64_t t, long f[6])
{
    if (t < 0 || t >= (int64_t)1 << 39) t = 0;
    uint32_t days = (uint32_t)((uint64_t)t >> 7) / 675, secs = (uint32_t)(t - (int64_t)days * 86400);
    uint32_t z = days + 719468, era = z / 146097, doe = z - era * 146097;     /* doe: [0, 146096] */
    uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;     /* [0, 399] */
    uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153; /* mp: March = 0 */
    f[1] = (long)(mp < 10 ? mp + 3 : mp - 9);
    f[0] = (long)(yoe + era * 400 + (f[1] <= 2));
    f[2] = (long)(doy - (153 * mp + 2) / 5 + 1);
    f[3] = (long)(secs / 3600), f[4] = (long)(secs / 60 % 60), f[5] = (long)(secs % 60);
}

/* RFC 3339 time, UTC, as runc prints it: with `nano` as Go's RFC3339Nano
 * (the state's "created": the fraction without its trailing zeros, none
 * at all for a whole second), else to the second (logrus's log lines). */
static void format_time(char out[static 40], const struct timespec *ts, int nano)
{
    long f[6];
    utc_fields(ts->tv_sec, f);
    int n = str_fmt(out, 40, "%04ld-%02ld-%02ldT%02ld:%02ld:%02ld.%09ld", f[0], f[1], f[2], f[3], f[4], f[5], (long)ts->tv_nsec);
    if (!nano) n -= 10;   /* (".NNNNNNNNN") */
    while (nano && out[n - 1] == '0') n--;
    if (out[n - 1] == '.') n--;
    out[n] = 'Z', out[n + 1] = 0;
}

/* The working directory as the kernel gives it (getcwd(2), without libc's
 * wrapper, which allocates): a directory outside our root reads
 * "(unreachable)/...", so callers check for the leading '/'. */
static int cwd_path(char out[static PATH_MAX])
{
    return syscall(SYS_getcwd, out, PATH_MAX) > 0 ? 0 : -1;
}

/* The absolute path of directory `dir` without symlinks, as realpath()
 * gives it but without its allocation: open it and ask the kernel what
 * /proc/self/fd/N names (as getcwd would; ocirun needs a procfs anyway).
 * A directory removed meanwhile reads "... (deleted)": gone, as for getcwd.
 * "." is getcwd's own answer, which names a cwd outside our root as such. */
static int dir_realpath(const char *dir, char out[static PATH_MAX])
{
    if (!strcmp(dir, ".")) {
        if (cwd_path(out) < 0) return -1;
        return out[0] == '/' ? 0 : (errno = ENOENT, -1);
    }
    char link[32];
    int fd = sys_open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return -1;
    ssize_t n = sys_readlinkat(AT_FDCWD, proc_fd_path(link, fd), out, PATH_MAX - 1);
    close(fd);
    if (n < 0) return -1;
    if (n == PATH_MAX - 1) return errno = ENAMETOOLONG, -1;
    out[n] = 0;
    return out[0] == '/' && (n < 10 || memcmp(out + n - 10, " (deleted)", 10)) ? 0 : (errno = ENOENT, -1);
}

/* dir_realpath() of `rel` below `base`, which is canonical already: a
 * single plain name of a directory, not a symlink (a bundle's `rootfs`,
 * most of the time), by one lstat; anything else, or any error, through
 * dir_realpath() itself. */
static int dir_realpath_below(const char *base, const char *rel, char out[static PATH_MAX])
{
    char p[PATH_MAX];
    struct stat st;
    if (str_path(p, sizeof p, strcmp(base, "/") ? base : "", rel) >= (int)sizeof p) return errno = ENAMETOOLONG, -1;
    if (!rel[0] || str_chr(rel, '/') || !strcmp(rel, ".") || !strcmp(rel, "..") || lstat(p, &st) < 0 || !S_ISDIR(st.st_mode))
        return dir_realpath(p, out);
    memcpy(out, p, strlen(p) + 1);
    return 0;
}

/* ======================================================================
 * 3. Logging
 * ====================================================================== */

/* Where messages go: stderr always gets errors; --log FILE gets every line
 * at or above the log level, as text or as runc's JSON lines.  JSON lines
 * without --log go to stderr alone, in place of the text (runc's). */
struct logcfg {
    int fd;       /* --log file (or stderr's dup, for json_stderr), or -1 */
    int json;     /* --log-format json */
    int debug;    /* --debug */
    int stage;    /* 0 in the CLI; 1 and 2 send their lines to stage 0; -1 no warnings of parsing */
    int64_t t0;   /* --debug: when the command began (monotonic us; stages get stage 0's) */
    int json_stderr;   /* fd is stderr's: no text line besides */
};
static struct logcfg logcfg = { -1, 0, 0, 0, 0, 0 };

static void json_escape(struct buf *b, const char *s, size_t n);
static void stage_log(char level, const char *msg);

static void log_line(const char *level, const char *msg)
{
    if (logcfg.fd < 0) return;
    struct timespec ts;
    char when[40];
    if (clock_now(CLOCK_REALTIME, &ts) < 0) ts.tv_sec = 0, ts.tv_nsec = 0;
    format_time(when, &ts, 0);
    struct buf b = {0};
    if (logcfg.json) {
        buf_puts(&b, "{\"level\":\"");
        buf_puts(&b, level);
        buf_puts(&b, "\",\"msg\":");
        json_escape(&b, msg, strlen(msg));
        buf_printf(&b, ",\"time\":\"%s\"}\n", when);
    } else {
        buf_printf(&b, "time=\"%s\" level=%s msg=", when, level);
        json_escape(&b, msg, strlen(msg));
        buf_puts(&b, "\n");
    }
    if (write_all(logcfg.fd, b.p, b.len) < 0) { /* a log we cannot write is not fatal */ }
    buf_free(&b);
}

__attribute__((format(printf, 1, 2)))
static void debugf(const char *fmt, ...)
{
    if (!logcfg.debug) return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (logcfg.stage > 0) stage_log('d', msg);
    else if (logcfg.fd >= 0) log_line("debug", msg);
    else fd_printf(2, "ocirun[%d]: debug: %s\n", logcfg.stage, msg);
}

/* --debug: one line per step of a start, with the time since the command
 * began ("phase: rootfs ready at +3.120 ms"), so anyone can see where a
 * start spends its time; the stages' lines reach stage 0's log. */
static void phase(const char *what)
{
    if (!logcfg.debug) return;
    /* 32-bit arithmetic: 64-bit division brings libgcc's __divdi3 and
     * __moddi3 (2.3 KB on MIPS) into a 32-bit build for this line alone */
    uint32_t us = (uint32_t)(now_us() - logcfg.t0);
    debugf("phase: %s at +%u.%03u ms", what, (unsigned)(us / 1000), (unsigned)(us % 1000));
}

/* An error or a warning on stderr: one line, whatever an id, a path or a
 * hook's output in it held (a control character shows as \xNN, so it can
 * neither break the line nor drive a terminal). */
static void print_line(const char *kind, const char *msg)
{
    char line[sizeof err_msg * 4 + 1];
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)msg; *p && n < sizeof line - 5; p++)
        if (*p < 0x20 || *p == 0x7f) n += (size_t)str_fmt(line + n, sizeof line - n, "\\x%02x", *p);
        else line[n++] = (char)*p;
    line[n] = 0;
    fd_printf(2, "ocirun: %s%s\n", kind, line);
}

__attribute__((format(printf, 1, 2)))
static void warnf(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (logcfg.stage > 0) stage_log('w', msg);
    else if (logcfg.fd >= 0) log_line("warning", msg);
    else print_line("warning: ", msg);
}

/* The one place an error is printed. */
static void report_error(const char *msg)
{
    log_line("error", msg);
    if (!logcfg.json_stderr) print_line("", msg);
}

/* ======================================================================
 * 4. JSON: reader and writer
 *
 * RFC 8259.  The reader builds a tree in one arena: objects and arrays are
 * linked lists of children (configs are small, lookups are linear), strings
 * are decoded to UTF-8 and may not contain NUL (we hand them to C), numbers
 * keep an exact 64-bit integer next to the double when they are integers.
 * ====================================================================== */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };
enum jnum { JN_INT, JN_UINT, JN_OTHER };   /* fits int64, only uint64, neither */

struct jv {
    uint8_t type, numkind;
    uint32_t count;          /* children of an array or object */
    const char *key;         /* when a member of an object */
    struct jv *next;         /* next sibling */
    struct jv *child;        /* first child */
    const char *s;           /* J_STR; J_NUM: the number as written */
    size_t slen;
    int64_t i;               /* J_NUM, JN_INT */
    uint64_t u;              /* J_NUM, JN_INT when >= 0, JN_UINT */
};

#define JSON_MAX_DEPTH 200

struct arena { struct arena_blk *head; };
/* data is 16-aligned on every arch: strict-alignment CPUs (MIPS, older ARM)
 * fault on the 8-byte fields of what lives there */
struct arena_blk { struct arena_blk *next; size_t used, cap; _Alignas(16) char data[]; };

/* A block with its two headers is the allocator's biggest class (64 KB):
 * pool memory, whose pages a later parse reuses, not a mapping of its own
 * made and unmade per parse. */
#define ARENA_BLOCK (65536 - sizeof(struct mem_hdr) - sizeof(struct arena_blk))

static void *arena_alloc(struct arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    struct arena_blk *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
        b = xmalloc(sizeof *b + cap);
        b->next = a->head;
        b->used = 0;
        b->cap = cap;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

static void arena_free(struct arena *a)
{
    while (a->head) {
        struct arena_blk *n = a->head->next;
        xfree(a->head);
        a->head = n;
    }
}

struct jparser {
    const char *p, *end, *start;
    struct arena *arena;
    int depth;
};

static int jerr(struct jparser *jp, const char *what)
{
    size_t off = (size_t)(jp->p - jp->start);
    return fail("invalid JSON at byte %zu: %s", off, what);
}

static void jskip_ws(struct jparser *jp)
{
    while (jp->p < jp->end && (*jp->p == ' ' || *jp->p == '\t' || *jp->p == '\n' || *jp->p == '\r'))
        jp->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return -1;
    }
    *out = v;
    return 0;
}

static size_t utf8_put(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 63));
        o[2] = (char)(0x80 | (cp & 63));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 63));
    o[2] = (char)(0x80 | ((cp >> 6) & 63)); o[3] = (char)(0x80 | (cp & 63));
    return 4;
}

/* Length of a valid UTF-8 sequence at p (< end), 0 if invalid. */
static size_t utf8_valid(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0], n, cp, min;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) n = 2, cp = c & 0x1f, min = 0x80;
    else if ((c & 0xf0) == 0xe0) n = 3, cp = c & 0x0f, min = 0x800;
    else if ((c & 0xf8) == 0xf0) n = 4, cp = c & 0x07, min = 0x10000;
    else return 0;
    if ((size_t)(end - p) < n) return 0;
    for (unsigned i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return n;
}

/* Whether all of s is valid UTF-8 (what JSON, and our state, can hold). */
static int str_utf8(const char *s)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + strlen(s);
    for (size_t l = 1; p < end; p += l)
        if (!(l = utf8_valid(p, end))) return 0;
    return 1;
}

static int jparse_string(struct jparser *jp, const char **out, size_t *outlen)
{
    jp->p++; /* opening quote */
    const char *q = jp->p;
    int plain = 1;   /* printable ASCII without escapes: most of a config, copied whole */
    /* first pass: bound the decoded length (escapes only shrink) */
    while (q < jp->end && *q != '"') {
        if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q >= 0x80) plain = 0;
        if (*q == '\\') q++;
        q++;
    }
    if (q >= jp->end) return jerr(jp, "unterminated string");
    char *o = arena_alloc(jp->arena, (size_t)(q - jp->p) + 1), *w = o;
    if (plain) w = (char *)memcpy(o, jp->p, (size_t)(q - jp->p)) + (q - jp->p), jp->p = q;
    while (*jp->p != '"') {
        unsigned char c = (unsigned char)*jp->p;
        if (c < 0x20) return jerr(jp, "control character in string");
        if (c < 0x80 && c != '\\') { *w++ = (char)c, jp->p++; continue; }
        if (c != '\\') {
            size_t l = utf8_valid((const unsigned char *)jp->p, (const unsigned char *)jp->end);
            if (!l) return jerr(jp, "invalid UTF-8 in string");
            memcpy(w, jp->p, l);
            w += l, jp->p += l;
            continue;
        }
        jp->p++;
        switch (*jp->p) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (jp->end - jp->p < 5 || hex4(jp->p + 1, &cp) < 0) return jerr(jp, "bad \\u escape");
            jp->p += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (jp->end - jp->p < 7 || jp->p[1] != '\\' || jp->p[2] != 'u' ||
                    hex4(jp->p + 3, &lo) < 0 || lo < 0xdc00 || lo > 0xdfff)
                    return jerr(jp, "unpaired surrogate in \\u escape");
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                jp->p += 6;
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                return jerr(jp, "unpaired surrogate in \\u escape");
            }
            if (cp == 0) return jerr(jp, "\\u0000 in string is not supported");
            w += utf8_put(w, cp);
            break;
        }
        default: return jerr(jp, "bad escape in string");
        }
        jp->p++;
    }
    jp->p++; /* closing quote */
    *w = 0;
    *out = o;
    *outlen = (size_t)(w - o);
    return 0;
}

static int jparse_number(struct jparser *jp, struct jv *v)
{
    const char *s = jp->p;
    int neg = 0, isint = 1;
    if (jp->p < jp->end && *jp->p == '-') neg = 1, jp->p++;
    if (jp->p >= jp->end || !isdigit((unsigned char)*jp->p)) return jerr(jp, "bad number");
    if (*jp->p == '0' && jp->p + 1 < jp->end && isdigit((unsigned char)jp->p[1]))
        return jerr(jp, "leading zero in number");
    while (jp->p < jp->end && isdigit((unsigned char)*jp->p)) jp->p++;
    if (jp->p < jp->end && *jp->p == '.') {
        isint = 0, jp->p++;
        if (jp->p >= jp->end || !isdigit((unsigned char)*jp->p)) return jerr(jp, "bad fraction");
        while (jp->p < jp->end && isdigit((unsigned char)*jp->p)) jp->p++;
    }
    if (jp->p < jp->end && (*jp->p == 'e' || *jp->p == 'E')) {
        isint = 0, jp->p++;
        if (jp->p < jp->end && (*jp->p == '+' || *jp->p == '-')) jp->p++;
        if (jp->p >= jp->end || !isdigit((unsigned char)*jp->p)) return jerr(jp, "bad exponent");
        while (jp->p < jp->end && isdigit((unsigned char)*jp->p)) jp->p++;
    }
    /* the text is kept: what is not a 64-bit integer is only ever echoed
     * back or named in an error, so the runtime needs no floating point */
    size_t len = (size_t)(jp->p - s);
    char *text = arena_alloc(jp->arena, len + 1);
    memcpy(text, s, len);
    text[len] = 0;
    v->type = J_NUM;
    v->s = text, v->slen = len;
    v->numkind = JN_OTHER;
    if (!isint) return 0;
    if (neg) {
        int64_t x;
        if (!scan_i64(text, &x)) return 0; /* below INT64_MIN */
        v->i = x, v->numkind = JN_INT;
    } else {
        uint64_t x;
        if (!scan_u64(text, 10, &x)) return 0;
        v->u = x;
        if (x <= INT64_MAX) v->i = (int64_t)x, v->numkind = JN_INT;
        else v->numkind = JN_UINT;
    }
    return 0;
}

static int jparse_value(struct jparser *jp, struct jv *v);

static int jparse_container(struct jparser *jp, struct jv *v, int obj)
{
    if (++jp->depth > JSON_MAX_DEPTH) return jerr(jp, "nesting too deep");
    v->type = obj ? J_OBJ : J_ARR;
    jp->p++;
    jskip_ws(jp);
    struct jv **tail = &v->child;
    char close = obj ? '}' : ']';
    if (jp->p < jp->end && *jp->p == close) { jp->p++; jp->depth--; return 0; }
    for (;;) {
        struct jv *c = arena_alloc(jp->arena, sizeof *c);
        memset(c, 0, sizeof *c);
        if (obj) {
            jskip_ws(jp);
            size_t kl;
            if (jp->p >= jp->end || *jp->p != '"') return jerr(jp, "expected a member name");
            if (jparse_string(jp, &c->key, &kl) < 0) return -1;
            jskip_ws(jp);
            if (jp->p >= jp->end || *jp->p != ':') return jerr(jp, "expected ':'");
            jp->p++;
        }
        if (jparse_value(jp, c) < 0) return -1;
        *tail = c, tail = &c->next;
        if (v->count == UINT32_MAX) return jerr(jp, "too many elements");
        v->count++;
        jskip_ws(jp);
        if (jp->p < jp->end && *jp->p == ',') { jp->p++; continue; }
        if (jp->p < jp->end && *jp->p == close) { jp->p++; break; }
        return jerr(jp, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    jp->depth--;
    return 0;
}

static int jparse_literal(struct jparser *jp, const char *lit, struct jv *v, int type)
{
    size_t n = strlen(lit);
    if ((size_t)(jp->end - jp->p) < n || memcmp(jp->p, lit, n)) return jerr(jp, "unexpected token");
    jp->p += n;
    v->type = (uint8_t)type;
    return 0;
}

static int jparse_value(struct jparser *jp, struct jv *v)
{
    jskip_ws(jp);
    if (jp->p >= jp->end) return jerr(jp, "unexpected end of input");
    switch (*jp->p) {
    case '{': return jparse_container(jp, v, 1);
    case '[': return jparse_container(jp, v, 0);
    case '"': v->type = J_STR; return jparse_string(jp, &v->s, &v->slen);
    case 't': return jparse_literal(jp, "true", v, J_TRUE);
    case 'f': return jparse_literal(jp, "false", v, J_FALSE);
    case 'n': return jparse_literal(jp, "null", v, J_NULL);
    default: return jparse_number(jp, v);
    }
}

/* Parses `len` bytes of JSON text into a tree allocated in `a`. */
static struct jv *json_parse(const char *text, size_t len, struct arena *a)
{
    struct jparser jp = { text, text + len, text, a, 0 };
    struct jv *v = arena_alloc(a, sizeof *v);
    memset(v, 0, sizeof *v);
    if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) jp.p += 3; /* tolerate a BOM */
    if (jparse_value(&jp, v) < 0) return NULL;
    jskip_ws(&jp);
    if (jp.p != jp.end) { jerr(&jp, "trailing data after the value"); return NULL; }
    return v;
}

/* A struct field's member, as Go's encoding/json finds it (runc reads the
 * config so, and the configs callers write were run there): the key's
 * case aside (ASCII), the last of duplicates winning. */
static struct jv *json_get(const struct jv *obj, const char *key)
{
    if (!obj || obj->type != J_OBJ) return NULL;
    struct jv *found = NULL;
    for (struct jv *c = obj->child; c; c = c->next)   /* (bits but the case bit differ: not the name) */
        if (!((c->key[0] ^ key[0]) & ~0x20) && !name_cmp(c->key, key)) found = c;
    return found;
}

/* --- writer --- */

static void json_escape(struct buf *b, const char *s, size_t n)
{
    buf_add(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t run = 0;   /* (what needs no escape goes in whole) */
        while (i + run < n && (unsigned char)s[i + run] >= 0x20 && s[i + run] != '"' && s[i + run] != '\\') run++;
        if (run) { buf_add(b, s + i, run), i += run - 1; continue; }
        switch (c) {
        case '"': buf_add(b, "\\\"", 2); break;
        case '\\': buf_add(b, "\\\\", 2); break;
        case '\n': buf_add(b, "\\n", 2); break;
        case '\r': buf_add(b, "\\r", 2); break;
        case '\t': buf_add(b, "\\t", 2); break;
        default:
            buf_printf(b, "\\u%04x", c);
        }
    }
    buf_add(b, "\"", 1);
}

static void json_str(struct buf *b, const char *s) { json_escape(b, s ? s : "", s ? strlen(s) : 0); }

/* Writes a parsed value back out (used to copy annotations verbatim). */
static void json_write(struct buf *b, const struct jv *v)
{
    switch (v->type) {
    case J_NULL: buf_puts(b, "null"); break;
    case J_TRUE: buf_puts(b, "true"); break;
    case J_FALSE: buf_puts(b, "false"); break;
    case J_STR: json_escape(b, v->s, v->slen); break;
    case J_NUM:
        if (v->numkind == JN_INT) buf_printf(b, "%lld", (long long)v->i);
        else if (v->numkind == JN_UINT) buf_printf(b, "%llu", (unsigned long long)v->u);
        else buf_add(b, v->s, v->slen);
        break;
    case J_ARR: case J_OBJ:
        buf_puts(b, v->type == J_ARR ? "[" : "{");
        for (struct jv *c = v->child; c; c = c->next) {
            if (c != v->child) buf_puts(b, ",");
            if (v->type == J_OBJ) { json_str(b, c->key); buf_puts(b, ":"); }
            json_write(b, c);
        }
        buf_puts(b, v->type == J_ARR ? "]" : "}");
        break;
    }
}

/* The next string of a JSON list being written: `prefix` and `s`, quoted
 * as they are (names from the runtime's own tables), after a comma but
 * for the first (*n counts them). */
static void json_item(struct buf *b, int *n, const char *prefix, const char *s)
{
    buf_printf(b, "%s\"%s%s\"", (*n)++ ? "," : "", prefix, s);
}

/* A new line indented `depth` times by `unit`. */
static void json_newline(struct buf *out, int depth, const char *unit)
{
    buf_puts(out, "\n");
    while (depth-- > 0) buf_puts(out, unit);
}

/* Compact JSON text (json_write's) laid out as Go's MarshalIndent lays it
 * out with indent `unit` (runc's `state`: two spaces; `spec`: a tab): a
 * member or element a line, ": " after a key, an empty {} or [] as it is. */
static void json_indent(struct buf *out, const char *p, size_t n, const char *unit)
{
    int depth = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '"') {   /* a string, escapes and all */
            size_t j = i + 1;
            while (j < n && p[j] != '"') j += p[j] == '\\' ? 2 : 1;
            buf_add(out, p + i, (j < n ? j + 1 : n) - i);
            i = j;
            continue;
        }
        int open = c == '{' || c == '[', close = c == '}' || c == ']';
        if (open && i + 1 < n && (p[i + 1] == '}' || p[i + 1] == ']')) { buf_add(out, p + i++, 2); continue; }
        if (close) json_newline(out, --depth, unit);
        buf_add(out, &c, 1);
        if (c == ':') buf_puts(out, " ");
        if (open) depth++;
        if (open || c == ',') json_newline(out, depth, unit);
    }
}

/* ======================================================================
 * 5. Spec model: config.json into typed structs, with validation
 *
 * Every error names the JSON path and what was expected; the caller puts
 * the file name in front ("config.json: .process.args[0]: expected a
 * string").  Unknown fields are ignored, as the spec requires; fields the
 * spec defines but ocirun does not implement yet are refused by name, so a
 * config never silently loses a protection it asked for.
 * ====================================================================== */

enum { CAPSET_BOUNDING, CAPSET_EFFECTIVE, CAPSET_INHERITABLE, CAPSET_PERMITTED, CAPSET_AMBIENT, NCAPSETS };
static const char *const capset_names[NCAPSETS] = {
    "bounding", "effective", "inheritable", "permitted", "ambient"
};

struct oci_rlimit { int resource; uint64_t soft, hard; };
struct oci_idmap { uint32_t container, host, size; };

struct oci_process {
    int terminal;
    uint32_t console_height, console_width;
    char **args, **env;            /* NULL-terminated */
    size_t nargs, nenv;
    const char *cwd;
    uint32_t uid, gid, umask;
    int has_umask;
    gid_t *gids;
    size_t ngids;
    int no_new_privs;
    struct oci_rlimit *rlimits;
    size_t nrlimits;
    uint64_t caps[NCAPSETS];
    int has_oom_score_adj;
    int oom_score_adj;
    const char *apparmor, *selinux_label;   /* labels for its execve; NULL: none */
    int has_ioprio, ioprio;                 /* class << 13 | level */
    int has_sched;
    struct oci_sched_attr sched;
    const char *cpus_initial, *cpus_final;  /* execCPUAffinity, cpu lists; NULL: none */
};

/* How a mount option acts. */
enum { MO_FLAG, MO_CLEAR, MO_PROP, MO_RPROP, MO_RATTR, MO_BIND, MO_RBIND, MO_TMPCOPYUP, MO_IDMAP, MO_RIDMAP };

struct oci_mount {
    const char *dest, *type, *source;
    unsigned long flags;           /* MS_* to set */
    unsigned long prop[8];         /* propagation changes, in order */
    int nprop;
    uint64_t rattr_set, rattr_clr; /* recursive attributes (mount_setattr) */
    int bind, rbind;
    int tmpcopyup;                 /* copy the covered directory into the new tmpfs */
    int idmap, ridmap;             /* an idmapped bind mount (ridmap: recursively) */
    struct oci_idmap *uidmap, *gidmap;   /* its mappings (none: the container's) */
    size_t nuidmap, ngidmap;
    char *data;                    /* options the kernel gets as data */
};

struct oci_ns { int flag; const char *path; };

struct oci_device {
    const char *path;
    char type;
    int64_t major, minor;
    uint32_t mode, uid, gid;
    int has_mode, has_uid, has_gid;
};

/* The devices every container gets (runtime spec, config-linux.md). */
static const struct oci_device default_devices[] = {
    { "/dev/null", 'c', 1, 3, 0666, 0, 0, 1, 0, 0 },
    { "/dev/zero", 'c', 1, 5, 0666, 0, 0, 1, 0, 0 },
    { "/dev/full", 'c', 1, 7, 0666, 0, 0, 1, 0, 0 },
    { "/dev/random", 'c', 1, 8, 0666, 0, 0, 1, 0, 0 },
    { "/dev/urandom", 'c', 1, 9, 0666, 0, 0, 1, 0, 0 },
    { "/dev/tty", 'c', 5, 0, 0666, 0, 0, 1, 0, 0 },
};

struct oci_sysctl { const char *key, *value; };

/* linux.resources; UNSET marks a value the config does not give. */
#define UNSET INT64_MIN
struct oci_devrule { int allow; char type; int64_t major, minor; char access[4]; };
struct oci_resources {
    int64_t mem_limit, mem_reservation, mem_swap, mem_swappiness;
    int disable_oom_killer;
    int64_t cpu_shares, cpu_quota, cpu_period;
    const char *cpus, *mems;
    int64_t pids_limit;
    struct oci_devrule *devs;
    size_t ndevs;
    const struct jv *unified;      /* raw cgroup v2 files: { "memory.high": "1G", ... } */
    int64_t cpu_burst, cpu_rt_runtime, cpu_rt_period, cpu_idle;
    int check_before_update;
    int kernel_memory;             /* memory.kernel/kernelTCP given: ignored with a warning, as runc */
    int64_t kmem, kmem_tcp;        /* (their values, for that) */
    const struct jv *blockio, *hugepages, *network, *rdma;  /* validated, applied as given */
};

/* linux.seccomp, validated; section 9 compiles it to BPF */
enum { SC_NE = 1, SC_LT, SC_LE, SC_EQ, SC_GE, SC_GT, SC_MASKED_EQ };
struct sc_cond { uint32_t index, op; uint64_t value, value2; };
struct sc_rule {
    const struct jv *names;        /* the rule's JSON array of syscall names */
    size_t at;                     /* its index in .linux.seccomp.syscalls */
    uint32_t action;               /* SECCOMP_RET_* with its data */
    struct sc_cond *conds;         /* all must hold */
    size_t nconds;
};
struct oci_seccomp {
    uint32_t default_action, flags;
    uint32_t arches;               /* bits of sc_arches[] */
    struct sc_rule *rules;
    size_t nrules;
    const char *listener_path, *listener_metadata;
    int notify;                    /* a rule answers SCMP_ACT_NOTIFY */
};

enum { HOOK_PRESTART, HOOK_CREATE_RUNTIME, HOOK_CREATE_CONTAINER, HOOK_START_CONTAINER, HOOK_POSTSTART,
       HOOK_POSTSTOP, NHOOKS };
static const char *const hook_names[NHOOKS] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"
};

struct oci_hook {
    const char *path;
    char **args, **env;            /* NULL-terminated; args may be empty */
    size_t nargs, nenv;
    int timeout;                   /* seconds, 0: none */
};

struct oci_spec {
    struct arena arena;            /* owns the JSON tree the strings point into */
    const char *oci_version;
    const char *root_path;
    int root_readonly;
    struct oci_process proc;
    const char *hostname, *domainname;
    struct oci_mount *mounts;
    size_t nmounts;
    const struct jv *annotations;
    struct oci_ns ns[8];
    size_t nns;
    int clone_flags;               /* namespaces to create */
    int join_flags;                /* namespaces to join by path */
    const char **masked, **readonly;
    size_t nmasked, nreadonly;
    unsigned long rootfs_prop;     /* 0: not set */
    struct oci_device *devices;
    size_t ndevices;
    struct oci_sysctl *sysctl;
    size_t nsysctl;
    struct oci_idmap *uidmap, *gidmap;
    size_t nuidmap, ngidmap;
    struct oci_resources res;
    struct oci_seccomp *seccomp;   /* NULL: none */
    const char *cgroups_path;
    const char *mount_label;       /* SELinux context= of new mounts; NULL: none */
    int personality;               /* linux.personality's domain + 1; 0: none */
    char time_offsets[2][40];      /* linux.timeOffsets, monotonic and boottime, as timens_offsets takes them; "": none */
    struct oci_hook *hooks[NHOOKS];
    size_t nhooks[NHOOKS];
};

/* --- typed field access --- */

/* A field's path for errors, base.key (a call without the format is
 * smaller, and the parsers make a dozen) */
static void field_path(char *out, size_t cap, const char *base, const char *key) { str_join(out, cap, base, ".", key); }

/* An array element's path, base[i] (as field_path: for a dozen arrays) */
static void item_path(char *out, size_t cap, const char *base, size_t i) { str_fmt(out, cap, "%s[%zu]", base, i); }

static const char *jtype_name(const struct jv *v)
{
    static const char *const names[] = { "null", "false", "true", "a number", "a string", "an array", "an object" };
    return names[v->type];
}

static int want(const char *path, const struct jv *v, int type, const char *what)
{
    if (v->type == type || (type == J_TRUE && v->type == J_FALSE)) return 0;
    return fail("%s: expected %s, got %s", path, what, jtype_name(v));
}

/* (the checks most fields need: a call without the type and its words is
 * smaller, and there are dozens of them) */
static int want_obj(const char *path, const struct jv *v) { return want(path, v, J_OBJ, "an object"); }
static int want_arr(const char *path, const struct jv *v) { return want(path, v, J_ARR, "an array"); }
static int want_str(const char *path, const struct jv *v) { return want(path, v, J_STR, "a string"); }

/* Element i of the array at `base`, which must be an object; its path
 * goes to `out` (most arrays of a config are of objects). */
static int item_obj(char *out, size_t cap, const char *base, size_t i, const struct jv *v)
{
    item_path(out, cap, base, i);
    return want_obj(out, v);
}

/* A path field (base.key) that must be absolute. */
static int want_abs(const char *base, const char *key, const char *path)
{
    return path[0] == '/' ? 0 : fail("%s.%s: must be an absolute path, got \"%s\"", base, key, path);
}

/* A member of obj, NULL when absent or null (Go and runc treat both alike). */
static const struct jv *member(const struct jv *obj, const char *key)
{
    const struct jv *v = json_get(obj, key);
    return v && v->type != J_NULL ? v : NULL;
}

/* (the get_ functions name the field only for an error: a config has
 * hundreds of fields, and formatting each name was a fifth of a parse) */
static int get_str(const char *base, const struct jv *obj, const char *key, int required, const char **out)
{
    char path[512];
    const struct jv *v = member(obj, key);
    if (v && v->type == J_STR) { *out = v->s; return 0; }
    if (!v && !required) return 0;
    field_path(path, sizeof path, base, key);
    return v ? want_str(path, v) : fail("%s: required field is missing", path);
}

static int get_bool(const char *base, const struct jv *obj, const char *key, int *out)
{
    char path[512];
    const struct jv *v = member(obj, key);
    if (!v) return 0;
    if (v->type == J_TRUE || v->type == J_FALSE) { *out = v->type == J_TRUE; return 0; }
    field_path(path, sizeof path, base, key);
    return want(path, v, J_TRUE, "a boolean");
}

static int num_in_range(const char *path, const struct jv *v, int64_t lo, uint64_t hi, int64_t *out)
{
    if (want(path, v, J_NUM, "an integer") < 0) return -1;
    if (v->numkind == JN_OTHER) return fail("%s: expected an integer, got %s", path, v->s);
    if (v->numkind == JN_UINT || (v->i >= 0 && (uint64_t)v->i > hi) || v->i < lo)
        return fail("%s: %s out of range", path, v->numkind == JN_UINT ? "value" : "integer");
    *out = v->i;
    return 0;
}

static int get_u32(const char *base, const struct jv *obj, const char *key, int required, uint32_t *out, int *has)
{
    char path[512];
    int64_t x;
    const struct jv *v = member(obj, key);
    if (!v && !required) return 0;
    field_path(path, sizeof path, base, key);
    if (!v) return fail("%s: required field is missing", path);
    if (num_in_range(path, v, 0, UINT32_MAX, &x) < 0) return -1;
    *out = (uint32_t)x;
    if (has) *has = 1;
    return 0;
}

static int get_u64(const char *path, const struct jv *v, uint64_t *out)
{
    if (want(path, v, J_NUM, "an integer") < 0) return -1;
    if (v->numkind == JN_UINT) { *out = v->u; return 0; }
    if (v->numkind == JN_OTHER || v->i < 0) return fail("%s: expected an unsigned 64-bit integer", path);
    *out = (uint64_t)v->i;
    return 0;
}

/* A JSON array of strings into a NULL-terminated vector. */
static int get_strv(const char *base, const struct jv *obj, const char *key, char ***out, size_t *n)
{
    char path[512];
    const struct jv *v = member(obj, key);
    *out = NULL, *n = 0;
    if (!v) return 0;
    field_path(path, sizeof path, base, key);
    if (want(path, v, J_ARR, "an array of strings") < 0) return -1;
    char **vec = xcalloc(v->count + 1, sizeof *vec);
    size_t i = 0;
    for (const struct jv *c = v->child; c; c = c->next, i++) {
        if (c->type != J_STR) {
            xfree(vec);
            return fail("%s[%zu]: expected a string, got %s", path, i, jtype_name(c));
        }
        vec[i] = (char *)c->s;
    }
    *out = vec, *n = i;
    return 0;
}

/* --- capabilities --- */

static const char *const cap_names[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID",
    "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST",
    "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO",
    "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE",
    "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM",
    "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};

/* "CAP_SYS_ADMIN" to its number, -1 if unknown: spelled exactly so, as
 * runc knows them ("cap_sys_admin" is an unknown name there too). */
static int cap_from_name(const char *name)
{
    if (strncmp(name, "CAP_", 4)) return -1;
    for (size_t i = 0; i < ARRAY_LEN(cap_names); i++)
        if (!strcmp(name + 4, cap_names[i])) return (int)i;
    return -1;
}

/* Capabilities this kernel's names lack are ignored, as runc ignores them,
 * with one warning in its words naming each once (by stage 0: the later
 * stages parse the same config). */
static int parse_caps(const char *base, const struct jv *obj, struct oci_process *p)
{
    char path[512], unknown[512] = ",", probe[80];   /* ",NAME,NAME," */
    for (int s = 0; s < NCAPSETS; s++) {
        const struct jv *v = member(obj, capset_names[s]);
        field_path(path, sizeof path, base, capset_names[s]);
        if (!v) continue;
        if (want(path, v, J_ARR, "an array of capability names") < 0) return -1;
        size_t i = 0, n;
        for (const struct jv *c = v->child; c; c = c->next, i++) {
            if (c->type != J_STR) return fail("%s[%zu]: expected a string, got %s", path, i, jtype_name(c));
            int cap = cap_from_name(c->s);
            if (cap >= 0) p->caps[s] |= bit64(cap);
            else if ((str_fmt(probe, sizeof probe, ",%s,", c->s), !str_find(unknown, probe)) && (n = strlen(unknown)) < sizeof unknown - 1)
                str_fmt(unknown + n, sizeof unknown - n, "%s,", c->s);
        }
    }
    size_t n = strlen(unknown);
    for (char *q = unknown; *q; q++)
        if (*q == ',') *q = ' ';
    if (n > 1 && !logcfg.stage) warnf("ignoring unknown or unavailable capabilities: [%.*s]", (int)n - 2, unknown + 1);
    return 0;
}

/* --- rlimits --- */

/* The rlimit types, less their "RLIMIT_", and their numbers in order */
static const char rlimit_names[] = "AS\0CORE\0CPU\0DATA\0FSIZE\0LOCKS\0MEMLOCK\0MSGQUEUE\0NICE\0NOFILE\0NPROC\0RSS\0RTPRIO\0RTTIME\0SIGPENDING\0STACK\0";
static const uint8_t rlimit_numbers[] = {
    RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_LOCKS, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE,
    RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME, RLIMIT_SIGPENDING, RLIMIT_STACK,
};

static int parse_rlimits(const char *base, const struct jv *arr, struct oci_process *p)
{
    char path[512];
    str_fmt(path, sizeof path, "%s.rlimits", base);
    if (want_arr(path, arr) < 0) return -1;
    p->rlimits = xcalloc(arr->count, sizeof *p->rlimits);
    size_t i = 0;
    for (const struct jv *c = arr->child; c; c = c->next, i++) {
        char ip[512];
        const char *type = NULL;
        if (item_obj(ip, sizeof ip, path, i, c) < 0 || get_str(ip, c, "type", 1, &type) < 0) return -1;
        struct oci_rlimit *r = &p->rlimits[i];
        int k = strncmp(type, "RLIMIT_", 7) ? -1 : names_index(rlimit_names, type + 7, 0);
        if (k < 0) return fail("%s.type: unknown rlimit \"%s\"", ip, type);
        r->resource = rlimit_numbers[k];
        for (size_t k = 0; k < i; k++)
            if (p->rlimits[k].resource == r->resource) return fail("%s.type: duplicate rlimit %s", ip, type);
        const struct jv *h = member(c, "hard"), *s = member(c, "soft");
        char fp[600];
        if (!h || !s) return fail("%s: \"hard\" and \"soft\" are required", ip);
        str_fmt(fp, sizeof fp, "%s.hard", ip);
        if (get_u64(fp, h, &r->hard) < 0) return -1;
        str_fmt(fp, sizeof fp, "%s.soft", ip);
        if (get_u64(fp, s, &r->soft) < 0) return -1;
        if (r->soft > r->hard) return fail("%s: soft limit is above the hard limit", ip);
        /* init waits for `start` in poll(2) on two fds, which refuses more
         * fds than the limit (runc's init needs 8) */
        if (r->resource == RLIMIT_NOFILE && r->soft < 2)
            return fail("%s.soft: RLIMIT_NOFILE %llu leaves the container's init no fds to start with (2 at least)", ip,
                        (unsigned long long)r->soft);
    }
    p->nrlimits = i;
    return 0;
}

/* --- process --- */

/* (`username` is Windows' field: ignored, as runc ignores it) */
static int parse_user(const char *base, const struct jv *u, struct oci_process *p)
{
    if (want_obj(base, u) < 0) return -1;
    if (get_u32(base, u, "uid", 0, &p->uid, NULL) < 0 || get_u32(base, u, "gid", 0, &p->gid, NULL) < 0 ||   /* (none: 0, runc) */
        get_u32(base, u, "umask", 0, &p->umask, &p->has_umask) < 0)
        return -1;
    /* runc's range: above it an id is negative to the kernel, and -1 to
     * setresuid/setresgid means "unchanged": the process would stay root */
    if (p->uid > INT32_MAX || p->gid > INT32_MAX) return fail("%s: uids and gids must be in range 0-2147483647", base);
    if (p->has_umask && p->umask > 0777) return fail("%s.umask: %u is not a file mode mask", base, p->umask);
    const struct jv *g = member(u, "additionalGids");
    if (!g) return 0;
    char path[512];
    str_fmt(path, sizeof path, "%s.additionalGids", base);
    if (want(path, g, J_ARR, "an array of integers") < 0) return -1;
    p->gids = xcalloc(g->count, sizeof *p->gids);
    for (const struct jv *c = g->child; c; c = c->next) {
        char ip[600];
        int64_t x;
        item_path(ip, sizeof ip, path, p->ngids);
        if (num_in_range(ip, c, 0, INT32_MAX, &x) < 0) return -1;   /* (runc's range, as above) */
        size_t k = 0;
        while (k < p->ngids && p->gids[k] != (gid_t)x) k++;
        if (k == p->ngids) p->gids[p->ngids++] = (gid_t)x;   /* once each, as runc passes them */
    }
    return 0;
}

/* A name given twice in an environment (process.env, a hook's env) is
 * set once, to its last value, in the place it first had (as runc sets
 * them one by one, and Go's exec takes a hook's). */
static void env_dedup(char **env, size_t *nenv)
{
    size_t n = 0;
    for (size_t i = 0; i < *nenv; i++) {
        size_t kl = str_span(env[i], "=", 0), k = 0;
        while (k < n && (strncmp(env[k], env[i], kl + 1))) k++;
        if (k < n) env[k] = env[i];
        else env[n++] = env[i];
    }
    *nenv = n;
    if (env) env[n] = NULL;
}

/* --- labels and scheduling of the process (runtime-spec 1.2) --- */

/* The index of `prefix`+name in `names` ("A\0B\0...\0\0"), -1 if absent. */
static int name_index(const char *s, const char *prefix, const char *names)
{
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n)) return -1;
    for (int i = 0; *names; i++, names += strlen(names) + 1)
        if (!strcmp(s + n, names)) return i;
    return -1;
}

/* An empty string is no label, as in runc.  Whether the host has the LSM
 * is stage 0's check (lsm_check): `spec` and the unit tests parse
 * configs on any host. */
static int parse_labels(const char *b, const struct jv *v, struct oci_process *p)
{
    const char *aa = NULL, *se = NULL;
    if (get_str(b, v, "apparmorProfile", 0, &aa) < 0 || get_str(b, v, "selinuxLabel", 0, &se) < 0) return -1;
    p->apparmor = aa && aa[0] ? aa : NULL;
    p->selinux_label = se && se[0] ? se : NULL;
    if (!OCIRUN_LSM && (p->apparmor || p->selinux_label))
        return fail("%s.%s: this ocirun is built without LSM support (OCIRUN_LSM=0)", b,
                    p->apparmor ? "apparmorProfile" : "selinuxLabel");
    return 0;
}

/* By their numbers in the kernel's ABI, from 1 (RT), 0 (OTHER), bit 0. */
#define IOPRIO_CLASSES "RT\0BE\0IDLE\0"
#define SCHED_POLICIES "OTHER\0FIFO\0RR\0BATCH\0ISO\0IDLE\0DEADLINE\0"
#define SCHED_FLAGS "RESET_ON_FORK\0RECLAIM\0DL_OVERRUN\0KEEP_POLICY\0KEEP_PARAMS\0UTIL_CLAMP_MIN\0UTIL_CLAMP_MAX\0"

static int parse_io_priority(const char *path, const struct jv *x, struct oci_process *p)
{
    const char *cls;
    const struct jv *n;
    char np[80];
    int64_t level = 0;
    if (want_obj(path, x) < 0 || get_str(path, x, "class", 1, &cls) < 0) return -1;
    int k = name_index(cls, "IOPRIO_CLASS_", IOPRIO_CLASSES);
    if (k < 0) return fail("%s.class: unknown class \"%s\"", path, cls);
    str_fmt(np, sizeof np, "%s.priority", path);
    if ((n = member(x, "priority")) && num_in_range(np, n, 0, 7, &level) < 0) return -1;
    p->has_ioprio = 1;
    p->ioprio = (k + 1) << IOPRIO_CLASS_SHIFT | (int)level;
    return 0;
}

/* process.scheduler, checked as runc checks it (validate.go). */
static int parse_scheduler(const char *path, const struct jv *x, struct oci_sched_attr *a)
{
    static const char keys[][9] = { "nice", "priority", "runtime", "deadline", "period", "flags" };
    const char *policy;
    char **flags = NULL;
    size_t nflags = 0;
    if (want_obj(path, x) < 0 || get_str(path, x, "policy", 1, &policy) < 0) return -1;
    int k = name_index(policy, "SCHED_", SCHED_POLICIES), r = 0;
    if (k < 0) return fail("%s.policy: unknown policy \"%s\"", path, policy);
    a->size = sizeof *a, a->policy = (uint32_t)k;
    for (size_t i = 0; i < ARRAY_LEN(keys) && r == 0; i++) {
        char fp[96];
        int64_t n;
        const struct jv *f = member(x, keys[i]);
        field_path(fp, sizeof fp, path, keys[i]);
        if (!f) continue;
        if (i == 0) r = num_in_range(fp, f, -20, 19, &n), a->nice = (int32_t)n;
        else if (i == 1) r = num_in_range(fp, f, 0, 99, &n), a->priority = (uint32_t)n;
        else if (i < 5) r = get_u64(fp, f, &(&a->runtime)[i - 2]);
        else r = get_strv(path, x, keys[i], &flags, &nflags);
    }
    for (size_t i = 0; i < nflags && r == 0; i++) {
        int f = name_index(flags[i], "SCHED_FLAG_", SCHED_FLAGS);
        if (f < 0) r = fail("%s.flags[%zu]: unknown flag \"%s\"", path, i, flags[i]);
        a->flags |= 1u << (f & 31);
    }
    xfree(flags);
    if (r == 0 && a->priority && k != 1 && k != 2) r = fail("%s.priority: only SCHED_FIFO and SCHED_RR have one", path);
    if (r == 0 && (a->runtime || a->deadline || a->period) && k != 6)
        r = fail("%s: runtime, deadline and period are for SCHED_DEADLINE only", path);
    return r;
}

/* A cpu list ("0-3,6") into a mask of CPU_MASK_BITS bits. */
#define CPU_MASK_BITS 1024
#define CPU_MASK_LONGS (CPU_MASK_BITS / (8 * sizeof(unsigned long)))
static int parse_cpu_list(const char *path, const char *list, unsigned long *mask)
{
    const unsigned w = 8 * sizeof *mask;
    uint64_t lo, hi;
    memset(mask, 0, CPU_MASK_BITS / 8);
    for (const char *s = list, *e;; s = e + 1) {
        if (!isdigit((unsigned char)*s) || !(e = scan_u64(s, 10, &lo))) break;
        hi = lo;
        if (*e == '-' && (!isdigit((unsigned char)e[1]) || !(e = scan_u64(e + 1, 10, &hi)))) break;
        if (lo > hi || hi >= CPU_MASK_BITS || (*e && *e != ',')) break;
        for (unsigned c = (unsigned)lo; c <= hi; c++) mask[c / w] |= 1ul << (c % w);
        if (!*e) return 0;
    }
    return fail("%s: \"%s\" is not a list of CPUs 0 to %d (like \"0-3,6\")", path, list, CPU_MASK_BITS - 1);
}

static int parse_cpu_affinity(const char *path, const struct jv *x, struct oci_process *p)
{
    unsigned long mask[CPU_MASK_LONGS];
    const char **lists[2] = { &p->cpus_initial, &p->cpus_final };
    if (want_obj(path, x) < 0) return -1;
    for (int i = 0; i < 2; i++) {
        char fp[96];
        const char *name = i ? "final" : "initial";
        field_path(fp, sizeof fp, path, name);
        if (get_str(path, x, name, 0, lists[i]) < 0) return -1;
        if (*lists[i] && !**lists[i]) *lists[i] = NULL;   /* "": no change */
        if (*lists[i] && parse_cpu_list(fp, *lists[i], mask) < 0) return -1;
    }
    return 0;
}

/* The runtime-spec 1.2 members of process. */
static int parse_process_1_2(const char *b, const struct jv *v, struct oci_process *p)
{
    static const char keys[][16] = { "ioPriority", "scheduler", "execCPUAffinity" };
    for (int i = 0; i < 3; i++) {
        char path[64];
        const struct jv *x = member(v, keys[i]);
        field_path(path, sizeof path, b, keys[i]);
        if (!x) continue;
        if ((i == 0 ? parse_io_priority(path, x, p) : i == 1 ? parse_scheduler(path, x, &p->sched) : parse_cpu_affinity(path, x, p)) < 0)
            return -1;
        if (i == 1) p->has_sched = 1;
    }
    return 0;
}

/* The process object; `b` is its JSON path (".process" in config.json,
 * "" in the process.json of `exec --process`). */
static int parse_process(const char *b, const struct jv *v, struct oci_process *p)
{
    char path[64];
    const struct jv *u, *x;
    if (want_obj(b[0] ? b : "(top level)", v) < 0) return -1;
    if (get_bool(b, v, "terminal", &p->terminal) < 0 || get_strv(b, v, "args", &p->args, &p->nargs) < 0 ||
        get_strv(b, v, "env", &p->env, &p->nenv) < 0 || get_str(b, v, "cwd", 1, &p->cwd) < 0 ||
        get_bool(b, v, "noNewPrivileges", &p->no_new_privs) < 0)
        return -1;
    if (!p->nargs) return fail("%s.args: at least one argument is required", b);
    if (!p->args[0][0]) return fail("%s.args[0]: must not be empty", b);
    if (want_abs(b, "cwd", p->cwd) < 0) return -1;
    for (size_t i = 0; i < p->nenv; i++)
        if (!str_chr(p->env[i], '=') || p->env[i][0] == '=')
            return fail("%s.env[%zu]: expected KEY=value, got \"%s\"", b, i, p->env[i]);
    env_dedup(p->env, &p->nenv);
    str_fmt(path, sizeof path, "%s.user", b);
    if ((u = member(v, "user")) && parse_user(path, u, p) < 0) return -1;   /* none: root (runc) */
    if ((x = member(v, "rlimits")) && parse_rlimits(b, x, p) < 0) return -1;
    str_fmt(path, sizeof path, "%s.capabilities", b);
    /* no capabilities object means no capabilities, as in runc */
    if ((x = member(v, "capabilities")) && (want_obj(path, x) < 0 || parse_caps(path, x, p) < 0))
        return -1;
    str_fmt(path, sizeof path, "%s.oomScoreAdj", b);
    if ((x = member(v, "oomScoreAdj"))) {
        int64_t adj;
        if (num_in_range(path, x, -1000, 1000, &adj) < 0) return -1;
        p->has_oom_score_adj = 1;
        p->oom_score_adj = (int)adj;
    }
    str_fmt(path, sizeof path, "%s.consoleSize", b);
    if ((x = member(v, "consoleSize")) &&
        (want_obj(path, x) < 0 || get_u32(path, x, "height", 1, &p->console_height, NULL) < 0 ||
         get_u32(path, x, "width", 1, &p->console_width, NULL) < 0))
        return -1;
    return parse_labels(b, v, p) < 0 || parse_process_1_2(b, v, p) < 0 ? -1 : 0;
}

/* --- mounts --- */

/* Every mount option the spec names, as an X-macro (name, MS_* flag,
 * kind, MOUNT_ATTR_* set and cleared for MO_RATTR): the names go into one
 * string and the rest into 6-byte entries in the same order (a name
 * pointer each made them 16).  The attributes fit 16 bits once
 * MOUNT_ATTR_NOSYMFOLLOW, 0x200000, is stored as MA_NOSYMFOLLOW_16.
 * ("acl"/"noacl": flags, not data, as runc takes them.) */
#define MA_NOSYMFOLLOW_16 0x100
#define MOUNT_OPTS(X) \
    X("acl", MS_POSIXACL, MO_FLAG, 0, 0) X("noacl", MS_POSIXACL, MO_CLEAR, 0, 0) \
    X("async", MS_SYNCHRONOUS, MO_CLEAR, 0, 0) X("atime", MS_NOATIME, MO_CLEAR, 0, 0) X("bind", 0, MO_BIND, 0, 0) \
    X("defaults", 0, MO_FLAG, 0, 0) X("dev", MS_NODEV, MO_CLEAR, 0, 0) X("diratime", MS_NODIRATIME, MO_CLEAR, 0, 0) \
    X("dirsync", MS_DIRSYNC, MO_FLAG, 0, 0) X("exec", MS_NOEXEC, MO_CLEAR, 0, 0) \
    X("iversion", MS_I_VERSION, MO_FLAG, 0, 0) X("lazytime", MS_LAZYTIME, MO_FLAG, 0, 0) \
    X("loud", MS_SILENT, MO_CLEAR, 0, 0) X("mand", MS_MANDLOCK, MO_FLAG, 0, 0) X("noatime", MS_NOATIME, MO_FLAG, 0, 0) \
    X("nodev", MS_NODEV, MO_FLAG, 0, 0) X("nodiratime", MS_NODIRATIME, MO_FLAG, 0, 0) \
    X("noexec", MS_NOEXEC, MO_FLAG, 0, 0) X("noiversion", MS_I_VERSION, MO_CLEAR, 0, 0) \
    X("nolazytime", MS_LAZYTIME, MO_CLEAR, 0, 0) X("nomand", MS_MANDLOCK, MO_CLEAR, 0, 0) \
    X("norelatime", MS_RELATIME, MO_CLEAR, 0, 0) X("nostrictatime", MS_STRICTATIME, MO_CLEAR, 0, 0) \
    X("nosuid", MS_NOSUID, MO_FLAG, 0, 0) X("nosymfollow", MS_NOSYMFOLLOW, MO_FLAG, 0, 0) \
    X("private", MS_PRIVATE, MO_PROP, 0, 0) X("ratime", 0, MO_RATTR, 0, OCI_MA_NOATIME) X("rbind", 0, MO_RBIND, 0, 0) \
    X("rdev", 0, MO_RATTR, 0, OCI_MA_NODEV) X("rdiratime", 0, MO_RATTR, 0, OCI_MA_NODIRATIME) \
    X("relatime", MS_RELATIME, MO_FLAG, 0, 0) X("remount", MS_REMOUNT, MO_FLAG, 0, 0) \
    X("rexec", 0, MO_RATTR, 0, OCI_MA_NOEXEC) X("rnoatime", 0, MO_RATTR, OCI_MA_NOATIME, OCI_MA__ATIME) \
    X("rnodev", 0, MO_RATTR, OCI_MA_NODEV, 0) X("rnodiratime", 0, MO_RATTR, OCI_MA_NODIRATIME, 0) \
    X("rnoexec", 0, MO_RATTR, OCI_MA_NOEXEC, 0) X("rnorelatime", 0, MO_RATTR, OCI_MA_STRICTATIME, OCI_MA__ATIME) \
    X("rnostrictatime", 0, MO_RATTR, 0, OCI_MA__ATIME) X("rnosuid", 0, MO_RATTR, OCI_MA_NOSUID, 0) \
    X("rnosymfollow", 0, MO_RATTR, MA_NOSYMFOLLOW_16, 0) X("ro", MS_RDONLY, MO_FLAG, 0, 0) \
    X("rprivate", MS_PRIVATE, MO_RPROP, 0, 0) X("rrelatime", 0, MO_RATTR, 0, OCI_MA__ATIME) \
    X("rro", 0, MO_RATTR, OCI_MA_RDONLY, 0) X("rrw", 0, MO_RATTR, 0, OCI_MA_RDONLY) \
    X("rshared", MS_SHARED, MO_RPROP, 0, 0) X("rslave", MS_SLAVE, MO_RPROP, 0, 0) \
    X("rstrictatime", 0, MO_RATTR, OCI_MA_STRICTATIME, OCI_MA__ATIME) X("rsuid", 0, MO_RATTR, 0, OCI_MA_NOSUID) \
    X("rsymfollow", 0, MO_RATTR, 0, MA_NOSYMFOLLOW_16) X("runbindable", MS_UNBINDABLE, MO_RPROP, 0, 0) \
    X("rw", MS_RDONLY, MO_CLEAR, 0, 0) X("shared", MS_SHARED, MO_PROP, 0, 0) X("silent", MS_SILENT, MO_FLAG, 0, 0) \
    X("slave", MS_SLAVE, MO_PROP, 0, 0) X("strictatime", MS_STRICTATIME, MO_FLAG, 0, 0) \
    X("suid", MS_NOSUID, MO_CLEAR, 0, 0) X("symfollow", MS_NOSYMFOLLOW, MO_CLEAR, 0, 0) \
    X("sync", MS_SYNCHRONOUS, MO_FLAG, 0, 0) X("unbindable", MS_UNBINDABLE, MO_PROP, 0, 0) \
    X("idmap", 0, MO_IDMAP, 0, 0) X("ridmap", 0, MO_RIDMAP, 0, 0) X("tmpcopyup", 0, MO_TMPCOPYUP, 0, 0)
#define MO_NAME(name, flag, kind, set, clr) name "\0"
#define MO_ENTRY(name, flag, kind, set, clr) { (flag) ? __builtin_ctz(flag) : MO_NO_FLAG, kind, set, clr },
#define MO_NO_FLAG 31
static const char mount_opt_names[] = MOUNT_OPTS(MO_NAME);
static const struct mount_opt {
    uint8_t bit;                   /* the MS_* flag's bit, for MO_FLAG/MO_CLEAR/MO_(R)PROP; MO_NO_FLAG: none */
    uint8_t kind;
    uint16_t attr_set, attr_clr;   /* OCI_MA_* for MO_RATTR */
} mount_opts[] = { MOUNT_OPTS(MO_ENTRY) };

static const struct mount_opt *find_mount_opt(const char *name)
{
    int i = names_index(mount_opt_names, name, 0);
    return i < 0 ? NULL : &mount_opts[i];
}

static unsigned long mount_opt_flag(const struct mount_opt *mo)
{
    return (mo->bit == MO_NO_FLAG ? 0 : 1ul << mo->bit) | (mo->kind == MO_RPROP ? MS_REC : 0);
}

static int apply_mount_opt(const char *ip, size_t k, struct oci_mount *m, const char *o, struct buf *data)
{
    const struct mount_opt *mo = find_mount_opt(o);
    if (!mo) { /* filesystem-specific: the kernel gets it as data */
        if (data->len) buf_puts(data, ",");
        buf_puts(data, o);
        return 0;
    }
    switch (mo->kind) {
    case MO_FLAG: m->flags |= mount_opt_flag(mo); break;
    case MO_CLEAR: m->flags &= ~mount_opt_flag(mo); break;
    case MO_PROP: case MO_RPROP:
        if (m->nprop == (int)ARRAY_LEN(m->prop)) return fail("%s.options[%zu]: too many propagation options", ip, k);
        m->prop[m->nprop++] = mount_opt_flag(mo);
        break;
    case MO_RATTR: {
        uint64_t set = mo->attr_set, clr = mo->attr_clr;
        if (set & MA_NOSYMFOLLOW_16) set ^= MA_NOSYMFOLLOW_16 | OCI_MA_NOSYMFOLLOW;
        if (clr & MA_NOSYMFOLLOW_16) clr ^= MA_NOSYMFOLLOW_16 | OCI_MA_NOSYMFOLLOW;
        m->rattr_set = (m->rattr_set & ~clr) | set;
        m->rattr_clr = (m->rattr_clr & ~set) | clr;
        break;
    }
    case MO_BIND: m->bind = 1; break;
    case MO_RBIND: m->bind = m->rbind = 1; break;
    case MO_TMPCOPYUP: m->tmpcopyup = 1; break;
    case MO_IDMAP: m->idmap = 1; break;
    case MO_RIDMAP: m->idmap = m->ridmap = 1; break;
    default: return fail("%s.options[%zu]: mount option \"%s\" is not supported yet", ip, k, o);
    }
    return 0;
}

static int parse_idmaps(const char *path, const struct jv *v, struct oci_idmap **out, size_t *n);

/* Cleans an absolute path in place, as Go's filepath.Clean (runc's
 * CleanPath): "//dev/./" is "/dev", and ".." goes no higher than "/".
 * Every later comparison with "/dev", "/proc" ... then sees one spelling. */
static void clean_abs_path(char *p)
{
    char *w = p;   /* p[0] is '/' */
    for (const char *r = p; *r;) {
        while (*r == '/') r++;
        const char *e = r;
        while (*e && *e != '/') e++;
        size_t n = (size_t)(e - r);
        if (n == 0 || (n == 1 && r[0] == '.')) {
            /* nothing, or "." */
        } else if (n == 2 && r[0] == '.' && r[1] == '.') {
            while (w > p && *--w != '/') {}
        } else {
            *w++ = '/';
            mem_move(w, r, n), w += n;
        }
        r = e;
    }
    if (w == p) *w++ = '/';
    *w = 0;
}

/* Mount entry `ip`, an object (parse_mounts checked it: item_obj). */
static int parse_mount(const char *ip, const struct jv *c, struct oci_mount *m)
{
    if (get_str(ip, c, "destination", 1, &m->dest) < 0 ||
        get_str(ip, c, "type", 0, &m->type) < 0 || get_str(ip, c, "source", 0, &m->source) < 0)
        return -1;
    if (want_abs(ip, "destination", m->dest) < 0) return -1;
    clean_abs_path((char *)m->dest);   /* (the parser's copy, in the spec's arena) */
    if (!m->dest[1]) return fail("%s.destination: \"/\" would cover the rootfs: root.path names it", ip);
    char **opts;
    size_t nopts;
    if (get_strv(ip, c, "options", &opts, &nopts) < 0) return -1;
    struct buf data = {0};
    for (size_t k = 0; k < nopts; k++)
        if (apply_mount_opt(ip, k, m, opts[k], &data) < 0) { xfree(opts); buf_free(&data); return -1; }
    xfree(opts);
    m->data = data.p;
    if (m->type && !strcmp(m->type, "bind")) m->bind = 1;
    if (!m->type && !m->bind) return fail("%s.type: required unless the options say bind or rbind", ip);
    if (m->bind && (!m->source || !m->source[0])) return fail("%s.source: a bind mount needs a source", ip);
    if (m->flags & MS_REMOUNT) return fail("%s.options: \"remount\" makes no sense in a new container", ip);
    if (!m->source) m->source = m->type;
    /* an idmapped mount: mappings of its own, or the container's */
    char mp[96];
    const struct jv *x;
    if ((x = member(c, "uidMappings")) && (str_fmt(mp, sizeof mp, "%s.uidMappings", ip), 1) &&
        parse_idmaps(mp, x, &m->uidmap, &m->nuidmap) < 0)
        return -1;
    if ((x = member(c, "gidMappings")) && (str_fmt(mp, sizeof mp, "%s.gidMappings", ip), 1) &&
        parse_idmaps(mp, x, &m->gidmap, &m->ngidmap) < 0)
        return -1;
    if (m->nuidmap || m->ngidmap) m->idmap = 1;
    if (m->idmap && !m->bind) return fail("%s: an idmapped mount must be a bind mount", ip);
    if (m->idmap && !m->nuidmap != !m->ngidmap) return fail("%s: an idmapped mount needs both uidMappings and gidMappings", ip);
    return 0;
}

static int parse_mounts(const struct jv *v, struct oci_spec *s)
{
    if (want_arr(".mounts", v) < 0) return -1;
    s->mounts = xcalloc(v->count, sizeof *s->mounts);
    for (const struct jv *c = v->child; c; c = c->next) {
        char ip[64];
        size_t k = s->nmounts++;   /* counted first: spec_free frees what a failed entry holds */
        if (item_obj(ip, sizeof ip, ".mounts", k, c) < 0 || parse_mount(ip, c, &s->mounts[k]) < 0) return -1;
    }
    return 0;
}

/* --- linux --- */

static const struct { const char *name; int flag; } ns_types[] = {
    { "pid", CLONE_NEWPID }, { "network", CLONE_NEWNET }, { "mount", CLONE_NEWNS },
    { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "user", CLONE_NEWUSER },
    { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

static const char *ns_name(int flag)
{
    for (size_t i = 0; i < ARRAY_LEN(ns_types); i++)
        if (ns_types[i].flag == flag) return ns_types[i].name;
    return "?";
}

static int parse_namespaces(const struct jv *v, struct oci_spec *s)
{
    if (want_arr(".linux.namespaces", v) < 0) return -1;
    size_t i = 0;
    for (const struct jv *c = v->child; c; c = c->next, i++) {
        char ip[64];
        const char *type = NULL, *path = NULL;
        if (item_obj(ip, sizeof ip, ".linux.namespaces", i, c) < 0 || get_str(ip, c, "type", 1, &type) < 0 ||
            get_str(ip, c, "path", 0, &path) < 0)
            return -1;
        int flag = 0;
        for (size_t k = 0; k < ARRAY_LEN(ns_types); k++)
            if (!strcmp(type, ns_types[k].name)) flag = ns_types[k].flag;
        if (!flag) return fail("%s.type: unknown namespace type \"%s\"", ip, type);
        if ((s->clone_flags | s->join_flags) & flag)
            return fail("%s.type: namespace \"%s\" listed twice", ip, type);
        if (path && !path[0]) path = NULL;
        if (path && want_abs(ip, "path", path) < 0) return -1;
        s->ns[s->nns].flag = flag;
        s->ns[s->nns].path = path;
        s->nns++;
        if (path) s->join_flags |= flag;
        else s->clone_flags |= flag;
    }
    return 0;
}

static int parse_idmaps(const char *path, const struct jv *v, struct oci_idmap **out, size_t *n)
{
    if (want_arr(path, v) < 0) return -1;
    *out = xcalloc(v->count, sizeof **out);
    for (const struct jv *c = v->child; c; c = c->next, (*n)++) {
        char ip[128];
        struct oci_idmap *m = &(*out)[*n];
        if (item_obj(ip, sizeof ip, path, *n, c) < 0 || get_u32(ip, c, "containerID", 1, &m->container, NULL) < 0 ||
            get_u32(ip, c, "hostID", 1, &m->host, NULL) < 0 || get_u32(ip, c, "size", 1, &m->size, NULL) < 0)
            return -1;
        if (!m->size) return fail("%s.size: must not be 0", ip);
        if ((uint64_t)m->container + m->size > 1ULL << 32 || (uint64_t)m->host + m->size > 1ULL << 32)
            return fail("%s: range wraps past 2^32", ip);
        for (size_t k = 0; k < *n; k++) {
            const struct oci_idmap *o = &(*out)[k];
            if ((m->container < (uint64_t)o->container + o->size && o->container < (uint64_t)m->container + m->size) ||
                (m->host < (uint64_t)o->host + o->size && o->host < (uint64_t)m->host + m->size))   /* (ranges may end at 2^32) */
                return fail("%s: overlaps %s[%zu]", ip, path, k);
        }
    }
    return 0;
}

static int parse_devices(const struct jv *v, struct oci_spec *s)
{
    if (want_arr(".linux.devices", v) < 0) return -1;
    s->devices = xcalloc(v->count, sizeof *s->devices);
    for (const struct jv *c = v->child; c; c = c->next, s->ndevices++) {
        char ip[64];
        const char *type = NULL;
        struct oci_device *d = &s->devices[s->ndevices];
        if (item_obj(ip, sizeof ip, ".linux.devices", s->ndevices, c) < 0 || get_str(ip, c, "path", 1, &d->path) < 0 ||
            get_str(ip, c, "type", 1, &type) < 0 ||
            get_u32(ip, c, "fileMode", 0, &d->mode, &d->has_mode) < 0 ||
            get_u32(ip, c, "uid", 0, &d->uid, &d->has_uid) < 0 || get_u32(ip, c, "gid", 0, &d->gid, &d->has_gid) < 0)
            return -1;
        if (d->path[0] != '/') return fail("%s.path: must be an absolute path", ip);
        clean_abs_path((char *)d->path);   /* ("/dev//x/" is /dev/x, as runc cleans it) */
        if (strlen(type) != 1 || !str_chr("cbup", type[0]))
            return fail("%s.type: expected \"c\", \"b\", \"u\" or \"p\", got \"%s\"", ip, type);
        d->type = type[0];
        /* podman sends the file type bits too (020666): keep the permissions */
        if (d->has_mode && (d->mode & ~(uint32_t)(S_IFMT | 07777))) return fail("%s.fileMode: %u is not a file mode", ip, d->mode);
        d->mode &= 07777;
        const struct jv *ma = member(c, "major"), *mi = member(c, "minor");
        if (d->type != 'p') {
            char fp[128];
            if (!ma || !mi) return fail("%s: \"major\" and \"minor\" are required for type %c", ip, d->type);
            str_fmt(fp, sizeof fp, "%s.major", ip);
            if (num_in_range(fp, ma, 0, 0xfff, &d->major) < 0) return -1;
            str_fmt(fp, sizeof fp, "%s.minor", ip);
            if (num_in_range(fp, mi, 0, 0xfffff, &d->minor) < 0) return -1;
        }
    }
    return 0;
}

/* A sysctl of the namespace `flag`, "an ipc" (`what`) and so on. */
static int sysctl_needs(int ns, int flag, const char *key, const char *what)
{
    return ns & flag ? 0 : fail(".linux.sysctl.%s: needs %s namespace", key, what);
}

/* Keys a container may only set when it has the namespace they live in. */
static int sysctl_allowed(const struct oci_spec *s, const char *key)
{
    int ns = s->clone_flags | s->join_flags;
    static const char *const ipc[] = { "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
                                       "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced" };
    for (size_t i = 0; i < ARRAY_LEN(ipc); i++)
        if (!strcmp(key, ipc[i])) return sysctl_needs(ns, CLONE_NEWIPC, key, "an ipc");
    if (!strncmp(key, "fs.mqueue.", 10)) return sysctl_needs(ns, CLONE_NEWIPC, key, "an ipc");
    if (!strncmp(key, "net.", 4)) return sysctl_needs(ns, CLONE_NEWNET, key, "a network");
    if (!strcmp(key, "kernel.hostname"))   /* (runc's words) */
        return fail(".linux.sysctl.%s: not allowed, as it conflicts with the OCI \"hostname\" field", key);
    if (!strcmp(key, "kernel.domainname")) return sysctl_needs(ns, CLONE_NEWUTS, key, "a uts");
    return fail(".linux.sysctl.%s: not a namespaced sysctl, it would change the host", key);
}

/* Every key (either separator, as runc takes them: "net/ipv4/ip_forward"),
 * checked with the config, before anything exists: a key refused in
 * stage 2 would come after the mounts and device nodes it made. */
static int sysctls_allowed(const struct oci_spec *s)
{
    for (size_t i = 0; i < s->nsysctl; i++) {
        char dotted[PATH_MAX];
        str_copy(dotted, sizeof dotted, s->sysctl[i].key);
        for (char *p = dotted; *p; p++)
            if (*p == '/') *p = '.';
        if (sysctl_allowed(s, dotted) < 0) return -1;
    }
    return 0;
}

static int parse_sysctl(const struct jv *v, struct oci_spec *s)
{
    if (want_obj(".linux.sysctl", v) < 0) return -1;
    s->sysctl = xcalloc(v->count, sizeof *s->sysctl);
    for (const struct jv *c = v->child; c; c = c->next) {
        char ip[512];
        str_fmt(ip, sizeof ip, ".linux.sysctl.%s", c->key);
        if (want_str(ip, c) < 0) return -1;
        if (!c->key[0] || str_find(c->key, "..") || c->key[0] == '.' || c->key[0] == '/')
            return fail("%s: invalid sysctl name", ip);
        s->sysctl[s->nsysctl].key = c->key;
        s->sysctl[s->nsysctl++].value = c->s;
    }
    return 0;
}

/* linux.personality: the domains the spec lists (PER_LINUX, PER_LINUX32:
 * a 32-bit CPU in uname, for 32-bit images on a 64-bit kernel); "no flag
 * values are supported" (config-linux.md), so one given is an error. */
static int parse_personality(const struct jv *v, struct oci_spec *s)
{
    const char *b = ".linux.personality", *d;
    size_t nflags = 0;
    char **flags;
    if (want_obj(b, v) < 0) return -1;
    if (!v->count) return 0;   /* (as none at all) */
    if (get_str(b, v, "domain", 1, &d) < 0 || get_strv(b, v, "flags", &flags, &nflags) < 0) return -1;
    if ((strcmp(d, "LINUX") && strcmp(d, "LINUX32")) || nflags)
        return fail("%s: domain \"%s\" with %zu flags: LINUX or LINUX32, and no flags (the spec supports none)", b, d, nflags);
    s->personality = 1 + (d[5] ? 0x0008 /* PER_LINUX32 */ : 0 /* PER_LINUX */);
    return 0;
}

/* linux.timeOffsets: the two clocks a time namespace offsets
 * (time_namespaces(7)), {secs, nanosecs} each, kept as the lines
 * /proc/self/timens_offsets takes (by clock id, CLOCK_MONOTONIC 1 and
 * CLOCK_BOOTTIME 7, which every kernel with time namespaces reads); the
 * kernel checks the ranges when they are written. */
static int parse_time_offsets(const struct jv *v, struct oci_spec *s)
{
    if (want_obj(".linux.timeOffsets", v) < 0) return -1;
    for (const struct jv *c = v->child; c; c = c->next) {   /* (a clock given twice: the last, as Go's map) */
        const struct jv *f[2] = { member(c, "secs"), member(c, "nanosecs") };
        int id = !strcmp(c->key, "monotonic") ? 1 : !strcmp(c->key, "boottime") ? 7 : 0;
        int ok = id && (c->type == J_OBJ || c->type == J_NULL);
        /* (int64 secs, uint32 nanosecs: the kernel's sscanf would wrap what
         * lies beyond them into other numbers) */
        for (int k = 0; k < 2; k++)
            ok &= !f[k] || (f[k]->type == J_NUM && f[k]->numkind == JN_INT && (!k || (uint64_t)f[k]->i <= UINT32_MAX));
        if (!ok) return fail(".linux.timeOffsets.%.20s: expected monotonic or boottime, with integer secs and nanosecs", c->key);
        str_fmt(s->time_offsets[id == 7], sizeof s->time_offsets[0], "%d %s %s\n", id, f[0] ? f[0]->s : "0", f[1] ? f[1]->s : "0");
    }
    return 0;
}

static int parse_propagation(const char *path, const char *name, unsigned long *out)
{
    const struct mount_opt *mo = find_mount_opt(name);
    if (!mo || (mo->kind != MO_PROP && mo->kind != MO_RPROP))
        return fail("%s: expected a propagation mode (shared, slave, private, unbindable, or r-prefixed), got \"%s\"", path, name);
    *out = mount_opt_flag(mo);
    return 0;
}

/* The fields of struct oci_resources by their offsets: the integer limits
 * are walked as tables (64-bit compares are long on 32-bit CPUs). */
#define RES_AT(f) (uint16_t)offsetof(struct oci_resources, f)
static int64_t *res_field(const struct oci_resources *r, uint16_t at) { return (int64_t *)((char *)r + at); }

/* The integer limits, but for the kernel memory ones, which are ignored */
static const uint16_t res_limits[] = {
    RES_AT(mem_limit), RES_AT(mem_reservation), RES_AT(mem_swap), RES_AT(mem_swappiness), RES_AT(cpu_shares),
    RES_AT(cpu_quota), RES_AT(cpu_period), RES_AT(pids_limit), RES_AT(cpu_burst), RES_AT(cpu_rt_runtime),
    RES_AT(cpu_rt_period), RES_AT(cpu_idle),
};

static void resources_init(struct oci_resources *r)
{
    memset(r, 0, sizeof *r);
    for (size_t k = 0; k < ARRAY_LEN(res_limits); k++) *res_field(r, res_limits[k]) = UNSET;
    r->kmem = r->kmem_tcp = UNSET;
}

/* runc writes none of these when they are zero (its Go structs cannot tell
 * zero from absent), and clients count on it: Docker sends "shares": 0
 * and the other zeros for every container, and update sends the whole
 * object with zeros for what stays. */
static void resources_zero_is_unset(struct oci_resources *r)
{
    static const uint16_t zero_unset[] = { RES_AT(mem_limit), RES_AT(mem_reservation), RES_AT(mem_swap), RES_AT(cpu_shares),
                                           RES_AT(cpu_quota), RES_AT(cpu_period), RES_AT(cpu_rt_runtime), RES_AT(cpu_rt_period),
                                           RES_AT(pids_limit) };
    for (size_t k = 0; k < ARRAY_LEN(zero_unset); k++)
        if (*res_field(r, zero_unset[k]) == 0) *res_field(r, zero_unset[k]) = UNSET;
}

/* One integer of a resources object into *out (UNSET when absent). */
static int res_int(const char *base, const struct jv *obj, const char *key, int64_t lo, int64_t *out)
{
    char path[128];
    const struct jv *v = member(obj, key);
    *out = UNSET;
    if (!v) return 0;
    field_path(path, sizeof path, base, key);
    if (v->numkind == JN_UINT && v->type == J_NUM) { *out = INT64_MAX; return 0; } /* "unlimited" as 2^64-1 */
    return num_in_range(path, v, lo, INT64_MAX, out);
}

static int parse_device_rules(const struct jv *v, struct oci_resources *r)
{
    const char *b = ".linux.resources.devices";
    if (want_arr(b, v) < 0) return -1;
    r->devs = xcalloc(v->count, sizeof *r->devs);
    for (const struct jv *c = v->child; c; c = c->next) {
        char ip[64];
        const char *type = "a", *access = "rwm";
        struct oci_devrule *d = &r->devs[r->ndevs];
        if (item_obj(ip, sizeof ip, b, r->ndevs++, c) < 0 || get_bool(ip, c, "allow", &d->allow) < 0 ||
            get_str(ip, c, "type", 0, &type) < 0 || get_str(ip, c, "access", 0, &access) < 0 ||
            res_int(ip, c, "major", -1, &d->major) < 0 || res_int(ip, c, "minor", -1, &d->minor) < 0)
            return -1;
        if (!member(c, "allow")) return fail("%s.allow: required field is missing", ip);
        if (d->major > 0xfff || d->minor > 0xfffff)   /* (a v2 rule holds them in 32 bits) */
            return fail("%s: major %lld, minor %lld: beyond Linux's 12 and 20 bits", ip, (long long)d->major, (long long)d->minor);
        /* "p" (a FIFO) names no device a cgroup can allow: runc refuses it too */
        if (strlen(type) != 1 || !str_chr("acbu", type[0])) return fail("%s.type: expected a, c, b or u, got \"%s\"", ip, type);
        if (!access[0] || strlen(access) > 3 || str_span(access, "rwm", 1) != strlen(access))
            return fail("%s.access: expected a combination of r, w and m, got \"%s\"", ip, access);
        d->type = type[0] == 'u' ? 'c' : type[0];
        str_copy(d->access, sizeof d->access, access);
    }
    return 0;
}

/* blockIO, hugepageLimits, network and rdma are checked here and written
 * from the JSON when the cgroup is made (section 7). */
static int parse_u_field(const char *base, const struct jv *o, const char *key, int required, uint64_t max)
{
    char path[160];
    int64_t v;
    const struct jv *x = member(o, key);
    field_path(path, sizeof path, base, key);
    if (!x) return required ? fail("%s: required field is missing", path) : 0;
    if (x->type == J_NUM && x->numkind == JN_UINT && max == UINT64_MAX) return 0;
    return num_in_range(path, x, 0, max, &v);
}

static int parse_throttle_list(const char *base, const struct jv *arr)
{
    if (want_arr(base, arr) < 0) return -1;
    size_t i = 0;
    for (const struct jv *c = arr->child; c; c = c->next, i++) {
        char ip[160];
        if (item_obj(ip, sizeof ip, base, i, c) < 0 || parse_u_field(ip, c, "major", 1, 0xfff) < 0 ||
            parse_u_field(ip, c, "minor", 1, 0xfffff) < 0 || parse_u_field(ip, c, "rate", 1, UINT64_MAX) < 0)
            return -1;
    }
    return 0;
}

static int parse_blockio(const struct jv *v)
{
    const char *b = ".linux.resources.blockIO";
    static const char *const lists[] = { "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
                                         "throttleWriteIOPSDevice" };
    const struct jv *x;
    if (want_obj(b, v) < 0 || parse_u_field(b, v, "weight", 0, 1000) < 0 ||
        parse_u_field(b, v, "leafWeight", 0, 1000) < 0)
        return -1;
    for (size_t k = 0; k < ARRAY_LEN(lists); k++) {
        char path[96];
        field_path(path, sizeof path, b, lists[k]);
        if ((x = member(v, lists[k])) && parse_throttle_list(path, x) < 0) return -1;
    }
    if ((x = member(v, "weightDevice"))) {
        if (want_arr(".linux.resources.blockIO.weightDevice", x) < 0) return -1;
        size_t i = 0;
        for (const struct jv *c = x->child; c; c = c->next, i++) {
            char ip[96];
            if (item_obj(ip, sizeof ip, ".linux.resources.blockIO.weightDevice", i, c) < 0 ||
                parse_u_field(ip, c, "major", 1, 0xfff) < 0 || parse_u_field(ip, c, "minor", 1, 0xfffff) < 0 ||
                parse_u_field(ip, c, "weight", 0, 1000) < 0 || parse_u_field(ip, c, "leafWeight", 0, 1000) < 0)
                return -1;
        }
    }
    return 0;
}

static int parse_hugepages(const struct jv *v)
{
    const char *b = ".linux.resources.hugepageLimits";
    if (want_arr(b, v) < 0) return -1;
    size_t i = 0;
    for (const struct jv *c = v->child; c; c = c->next, i++) {
        char ip[96];
        const char *size = NULL;
        if (item_obj(ip, sizeof ip, b, i, c) < 0 || get_str(ip, c, "pageSize", 1, &size) < 0 ||
            parse_u_field(ip, c, "limit", 1, UINT64_MAX) < 0)
            return -1;
        if (!isdigit((unsigned char)size[0]) || str_chr(size, '/') || strlen(size) > 8)
            return fail("%s.pageSize: expected a size like \"2MB\", got \"%s\"", ip, size);
    }
    return 0;
}

static int parse_network(const struct jv *v)
{
    const char *b = ".linux.resources.network";
    const struct jv *x;
    if (want_obj(b, v) < 0 || parse_u_field(b, v, "classID", 0, UINT32_MAX) < 0) return -1;
    if (!(x = member(v, "priorities"))) return 0;
    if (want_arr(".linux.resources.network.priorities", x) < 0) return -1;
    size_t i = 0;
    for (const struct jv *c = x->child; c; c = c->next, i++) {
        char ip[96];
        const char *name = NULL;
        if (item_obj(ip, sizeof ip, ".linux.resources.network.priorities", i, c) < 0 || get_str(ip, c, "name", 1, &name) < 0 ||
            parse_u_field(ip, c, "priority", 1, UINT32_MAX) < 0)
            return -1;
        if (!name[0] || name[str_span(name, " \n/", 0)]) return fail("%s.name: \"%s\" is not an interface name", ip, name);
    }
    return 0;
}

static int parse_rdma(const struct jv *v)
{
    const char *b = ".linux.resources.rdma";
    if (want_obj(b, v) < 0) return -1;
    for (const struct jv *c = v->child; c; c = c->next) {
        char ip[160];
        field_path(ip, sizeof ip, b, c->key);
        if (c->key[str_span(c->key, " \n/", 0)] || want_obj(ip, c) < 0 || parse_u_field(ip, c, "hcaHandles", 0, UINT32_MAX) < 0 ||
            parse_u_field(ip, c, "hcaObjects", 0, UINT32_MAX) < 0)
            return c->key[str_span(c->key, " \n/", 0)] ? fail("%s: not a device name", ip) : -1;
    }
    return 0;
}

/* linux.resources: the limits this version applies; anything else is
 * refused by name rather than silently not enforced. */
/* The fields of linux.resources.memory, .cpu and .pids: where each lands,
 * as what ('i' an integer of at least `lo`, -1 for runc's "unlimited";
 * 'n' any integer: the pids limit and the cpu quota, unlimited when
 * below 0 as in runc (and in the kernel's cfs_quota_us);
 * 'b' a boolean; 's' a string; '-' accepted and ignored). */
static const struct res_field { char obj, kind; signed char lo; uint16_t at; const char *key; } res_fields[] = {
    { 'm', 'i', -1, RES_AT(mem_limit), "limit" }, { 'm', 'i', -1, RES_AT(mem_reservation), "reservation" },
    { 'm', 'i', -1, RES_AT(mem_swap), "swap" }, { 'm', 'i', 0, RES_AT(mem_swappiness), "swappiness" },
    { 'm', 'i', -1, RES_AT(kmem), "kernel" }, { 'm', 'i', -1, RES_AT(kmem_tcp), "kernelTCP" },
    { 'm', 'b', 0, RES_AT(disable_oom_killer), "disableOOMKiller" },
    { 'm', 'b', 0, RES_AT(check_before_update), "checkBeforeUpdate" }, { 'm', '-', 0, 0, "useHierarchy" },
    { 'c', 'i', 0, RES_AT(cpu_shares), "shares" }, { 'c', 'n', 0, RES_AT(cpu_quota), "quota" },
    { 'c', 'i', 0, RES_AT(cpu_period), "period" }, { 'c', 's', 0, RES_AT(cpus), "cpus" }, { 'c', 's', 0, RES_AT(mems), "mems" },
    { 'c', 'i', 0, RES_AT(cpu_burst), "burst" }, { 'c', 'i', -1, RES_AT(cpu_rt_runtime), "realtimeRuntime" },
    { 'c', 'i', 0, RES_AT(cpu_rt_period), "realtimePeriod" }, { 'c', 'i', 0, RES_AT(cpu_idle), "idle" },
    { 'p', 'n', 0, RES_AT(pids_limit), "limit" },
};

/* linux.resources.memory, .cpu or .pids (res_fields); a key not there is
 * ignored, as the spec asks of unknown properties (and runc does). */
static int parse_res_object(const struct jv *v, const char *name, struct oci_resources *r)
{
    const struct jv *x = member(v, name);
    char b[32];
    if (!x) return 0;
    str_fmt(b, sizeof b, ".linux.resources.%s", name);
    if (want_obj(b, x) < 0) return -1;
    for (const struct jv *c = x->child; c; c = c->next) {
        const struct res_field *f = res_fields;
        while (f < res_fields + ARRAY_LEN(res_fields) && (f->obj != name[0] || name_cmp(f->key, c->key))) f++;
        if (f == res_fields + ARRAY_LEN(res_fields)) {
            debugf("%s.%s: unknown, ignored", b, c->key);
            continue;
        }
        void *at = (char *)r + f->at;
        if (((f->kind == 'i' || f->kind == 'n') && res_int(b, x, f->key, f->kind == 'n' ? -INT64_MAX : f->lo, at) < 0) || (f->kind == 'b' && get_bool(b, x, f->key, at) < 0) ||
            (f->kind == 's' && get_str(b, x, f->key, 0, at) < 0))
            return -1;
    }
    return 0;
}

static int parse_resources(const struct jv *v, struct oci_spec *s)
{
    const char *b = ".linux.resources";
    struct oci_resources *r = &s->res;
    const struct jv *x;
    if (want_obj(b, v) < 0 || parse_res_object(v, "memory", r) < 0 || parse_res_object(v, "cpu", r) < 0 ||
        parse_res_object(v, "pids", r) < 0)
        return -1;
    if (r->mem_swappiness == INT64_MAX) r->mem_swappiness = UNSET;   /* Go's -1 as uint64: runc's unset */
    if (r->mem_swappiness != UNSET && r->mem_swappiness > 100)
        return fail("%s.memory.swappiness: %lld is above 100", b, (long long)r->mem_swappiness);
    r->kernel_memory = r->kmem != UNSET || r->kmem_tcp != UNSET;
    if ((x = member(v, "blockIO")) && parse_blockio(x) < 0) return -1;
    r->blockio = x;
    if ((x = member(v, "hugepageLimits")) && parse_hugepages(x) < 0) return -1;
    r->hugepages = x;
    if ((x = member(v, "network")) && parse_network(x) < 0) return -1;
    r->network = x;
    if ((x = member(v, "rdma")) && parse_rdma(x) < 0) return -1;
    r->rdma = x;
    if ((x = member(v, "devices")) && parse_device_rules(x, r) < 0) return -1;
    if ((x = member(v, "unified"))) {
        if (want_obj(".linux.resources.unified", x) < 0) return -1;
        for (const struct jv *c = x->child; c; c = c->next) {
            if (c->type != J_STR) return fail("%s.unified.%s: expected a string, got %s", b, c->key, jtype_name(c));
            if (!str_chr(c->key, '.') || str_chr(c->key, '/') || c->key[0] == '.')
                return fail("%s.unified: \"%s\" is not a cgroup v2 file name", b, c->key);
        }
        r->unified = x;
    }
    resources_zero_is_unset(r);
    return 0;
}

/* --- linux.seccomp --- */

/* The vocabulary of linux.seccomp (config-linux.md), and for each arch what
 * section 9 needs: its AUDIT_ARCH, syscall table (-1: none here; the arch
 * is left out of the filter, so its syscalls meet the bad-arch kill), word
 * size and byte order.  mips and mips64 share tables across byte orders. */
struct sc_arch { const char *name; uint32_t audit; int8_t table; uint8_t bits32, big_endian; };
static const struct sc_arch sc_arches[] = {
    { "SCMP_ARCH_X86_64", 0xc000003e, 0, 0, 0 },   { "SCMP_ARCH_X86", 0x40000003, 1, 1, 0 },
    { "SCMP_ARCH_X32", 0xc000003e, 2, 1, 0 },      { "SCMP_ARCH_AARCH64", 0xc00000b7, 3, 0, 0 },
    { "SCMP_ARCH_ARM", 0x40000028, 4, 1, 0 },      { "SCMP_ARCH_MIPS", 0x00000008, 5, 1, 1 },
    { "SCMP_ARCH_MIPSEL", 0x40000008, 5, 1, 0 },   { "SCMP_ARCH_MIPS64", 0x80000008, 6, 0, 1 },
    { "SCMP_ARCH_MIPSEL64", 0xc0000008, 6, 0, 0 }, { "SCMP_ARCH_PPC64LE", 0xc0000015, 7, 0, 0 },
    { "SCMP_ARCH_RISCV64", 0xc00000f3, 8, 0, 0 },  { "SCMP_ARCH_S390X", 0x80000016, 9, 0, 1 },
    { "SCMP_ARCH_MIPS64N32", 0, -1, 0, 0 },        { "SCMP_ARCH_MIPSEL64N32", 0, -1, 0, 0 },
    { "SCMP_ARCH_PPC", 0, -1, 0, 0 },              { "SCMP_ARCH_PPC64", 0, -1, 0, 0 },
    { "SCMP_ARCH_S390", 0, -1, 0, 0 },             { "SCMP_ARCH_PARISC", 0, -1, 0, 0 },
    { "SCMP_ARCH_PARISC64", 0, -1, 0, 0 },         { "SCMP_ARCH_RISCV32", 0, -1, 0, 0 },
    { "SCMP_ARCH_LOONGARCH64", 0, -1, 0, 0 },      { "SCMP_ARCH_M68K", 0, -1, 0, 0 },
    { "SCMP_ARCH_SH", 0, -1, 0, 0 },               { "SCMP_ARCH_SHEB", 0, -1, 0, 0 },
};
#define SC_X86_64 0
#define SC_X32 2

/* The arch this binary runs as: libseccomp (so runc) always filters it. */
#if defined(__x86_64__) && !defined(__ILP32__)
#define SC_NATIVE "SCMP_ARCH_X86_64"
#elif defined(__i386__)
#define SC_NATIVE "SCMP_ARCH_X86"
#elif defined(__aarch64__) && !defined(__AARCH64EB__)
#define SC_NATIVE "SCMP_ARCH_AARCH64"
#elif defined(__arm__) && defined(__ARM_EABI__) && !defined(__ARMEB__)
#define SC_NATIVE "SCMP_ARCH_ARM"
#elif defined(__mips__) && defined(_MIPS_SIM) && _MIPS_SIM == _MIPS_SIM_ABI32
#define SC_NATIVE (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "SCMP_ARCH_MIPS" : "SCMP_ARCH_MIPSEL")
#elif defined(__mips__) && defined(_MIPS_SIM) && _MIPS_SIM == _MIPS_SIM_ABI64
#define SC_NATIVE (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? "SCMP_ARCH_MIPS64" : "SCMP_ARCH_MIPSEL64")
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SC_NATIVE "SCMP_ARCH_PPC64LE"
#elif defined(__riscv) && __riscv_xlen == 64
#define SC_NATIVE "SCMP_ARCH_RISCV64"
#elif defined(__s390x__)
#define SC_NATIVE "SCMP_ARCH_S390X"
#else
#define SC_NATIVE NULL
#endif
static const char *sc_native = SC_NATIVE;   /* the differential test plays other machines */

/* Which syscall tables (about 1 KB each) the binary carries: those of the
 * arch family it can run on, since a kernel reports only its own arches
 * (an x86_64 kernel runs x86_64, x86 and x32 programs; arm64 runs arm; a
 * MIPS kernel o32 and n64 of its byte order, which share their tables).
 * Profile arches outside the family cannot occur and are left out of the
 * filter.  OCIRUN_SECCOMP_ALL_ARCHES keeps every table (the differential
 * and cross-arch tests include runtime.c with it), as does an arch not
 * listed here. */
#if defined(OCIRUN_SECCOMP_ALL_ARCHES) || !(defined(__x86_64__) || defined(__i386__) || defined(__aarch64__) || \
    defined(__arm__) || defined(__mips__) || defined(__powerpc64__) || defined(__riscv) || defined(__s390x__))
#define SC_TABLE_ALL 1
#endif
#if defined(SC_TABLE_ALL) || defined(__x86_64__) || defined(__i386__)
#define SC_TABLE_X86_64 1
#define SC_TABLE_X86 1
#define SC_TABLE_X32 1
#endif
#if defined(SC_TABLE_ALL) || defined(__aarch64__) || defined(__arm__)
#define SC_TABLE_AARCH64 1
#define SC_TABLE_ARM 1
#endif
#if defined(SC_TABLE_ALL) || defined(__mips__)
#define SC_TABLE_MIPS 1
/* (a 32-bit MIPS build, for 32-bit router CPUs that have no n64, leaves
 * the 64-bit table out; OCIRUN_SECCOMP_MIPS64 keeps it for an o32 binary
 * on a 64-bit kernel whose containers run n64 programs) */
#if defined(SC_TABLE_ALL) || _MIPS_SIM != _ABIO32 || defined(OCIRUN_SECCOMP_MIPS64)
#define SC_TABLE_MIPS64 1
#endif
#endif
#if defined(SC_TABLE_ALL) || defined(__powerpc64__)
#define SC_TABLE_PPC64LE 1
#endif
#if defined(SC_TABLE_ALL) || defined(__riscv)
#define SC_TABLE_RISCV64 1
#endif
#if defined(SC_TABLE_ALL) || defined(__s390x__)
#define SC_TABLE_S390X 1
#endif
static int sc_has_table(int arch);   /* section 9 */

static const struct { const char *name; uint32_t ret; int takes_errno; } sc_actions[] = {
    { "SCMP_ACT_KILL", OCI_SECCOMP_RET_KILL_THREAD, 0 },  { "SCMP_ACT_KILL_PROCESS", OCI_SECCOMP_RET_KILL_PROCESS, 0 },
    { "SCMP_ACT_KILL_THREAD", OCI_SECCOMP_RET_KILL_THREAD, 0 }, { "SCMP_ACT_TRAP", OCI_SECCOMP_RET_TRAP, 0 },
    { "SCMP_ACT_ERRNO", OCI_SECCOMP_RET_ERRNO, 1 },       { "SCMP_ACT_TRACE", OCI_SECCOMP_RET_TRACE, 1 },
    { "SCMP_ACT_ALLOW", OCI_SECCOMP_RET_ALLOW, 0 },       { "SCMP_ACT_LOG", OCI_SECCOMP_RET_LOG, 0 },
    { "SCMP_ACT_NOTIFY", OCI_SECCOMP_RET_USER_NOTIF, 0 },
};
static const char *const sc_ops[] = { NULL, "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ",
                                      "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
static const struct { const char *name; uint32_t flag; } sc_flags[] = {
    { "SECCOMP_FILTER_FLAG_TSYNC", OCI_SECCOMP_FILTER_FLAG_TSYNC },
    { "SECCOMP_FILTER_FLAG_LOG", OCI_SECCOMP_FILTER_FLAG_LOG },
    { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", OCI_SECCOMP_FILTER_FLAG_SPEC_ALLOW },
    { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", OCI_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV },
};

static int sc_arch_index(const char *name)
{
    for (size_t i = 0; name && i < ARRAY_LEN(sc_arches); i++)
        if (!strcmp(sc_arches[i].name, name)) return (int)i;
    return -1;
}

static int sc_lookup(const char *name);   /* section 9: the syscall tables */

/* An action and its errno field (errnoRet or defaultErrnoRet): EPERM when
 * absent, an error on an action that returns none (config-linux.md). */
static int parse_sc_action(const char *base, const struct jv *obj, const char *akey, const char *ekey, uint32_t *out)
{
    const char *name = NULL;
    uint32_t err = 1 /* EPERM */;
    int has = 0;
    if (get_str(base, obj, akey, 1, &name) < 0 || get_u32(base, obj, ekey, 0, &err, &has) < 0) return -1;
    for (size_t i = 0; i < ARRAY_LEN(sc_actions); i++) {
        if (strcmp(sc_actions[i].name, name)) continue;
        if (has && !sc_actions[i].takes_errno) return fail("%s.%s: %s returns no errno", base, ekey, name);
        /* (libseccomp's bounds: an errno below 4095, the kernel's MAX_ERRNO) */
        if (err > (sc_actions[i].ret == OCI_SECCOMP_RET_ERRNO ? 4094u : 0xffffu)) return fail("%s.%s: %u is not an errno", base, ekey, err);
        *out = sc_actions[i].ret | (sc_actions[i].takes_errno ? err : 0);
        return 0;
    }
    return fail("%s.%s: unknown action \"%s\"", base, akey, name);
}

/* Condition `base` of a rule's args, an object (item_obj, in parse_sc_rule). */
static int parse_sc_cond(const char *base, const struct jv *c, struct sc_cond *out)
{
    const char *op = NULL;
    const struct jv *x;
    uint32_t index = 0;
    char p[96];
    if (get_u32(base, c, "index", 1, &index, NULL) < 0 || get_str(base, c, "op", 1, &op) < 0)
        return -1;
    if (index > 5) return fail("%s.index: %u is not a syscall argument (0 to 5)", base, index);
    memset(out, 0, sizeof *out);
    out->index = index;
    str_fmt(p, sizeof p, "%s.value", base);
    if (!(x = member(c, "value"))) return fail("%s: required field is missing", p);
    if (get_u64(p, x, &out->value) < 0) return -1;
    str_fmt(p, sizeof p, "%s.valueTwo", base);
    if ((x = member(c, "valueTwo")) && get_u64(p, x, &out->value2) < 0) return -1;
    for (uint32_t k = 1; k < ARRAY_LEN(sc_ops); k++)
        if (!strcmp(sc_ops[k], op)) out->op = k;
    return out->op ? 0 : fail("%s.op: unknown operator \"%s\"", base, op);
}

/* Whether two conditions of a rule test the same argument: runc then
 * adds each as a rule of its own (OR), as libseccomp cannot AND them. */
static int sc_same_arg_twice(const struct sc_cond *c, size_t n)
{
    unsigned seen = 0;
    for (size_t i = 0; i < n; i++) {
        if (seen & (1u << c[i].index)) return 1;
        seen |= 1u << c[i].index;
    }
    return 0;
}

static void sc_add_rule(struct oci_seccomp *sc, const struct sc_rule *r, const struct sc_cond *conds, size_t n)
{
    struct sc_rule *d = &sc->rules[sc->nrules++];
    *d = *r;
    d->nconds = n;
    d->conds = n ? xcalloc(n, sizeof *conds) : NULL;
    if (n) memcpy(d->conds, conds, n * sizeof *conds);
}

/* Rule `base` of linux.seccomp.syscalls, an object (item_obj, in parse_seccomp). */
static int parse_sc_rule(const char *base, const struct jv *v, size_t at, struct oci_seccomp *sc)
{
    struct sc_rule r = { NULL, at, 0, NULL, 0 };
    const struct jv *args = member(v, "args");
    if (parse_sc_action(base, v, "action", "errnoRet", &r.action) < 0) return -1;
    char p[96];
    str_fmt(p, sizeof p, "%s.names", base);
    if (!(r.names = member(v, "names"))) return fail("%s: required field is missing", p);
    if (want(p, r.names, J_ARR, "an array of strings") < 0) return -1;
    if (!r.names->count) return fail("%s: empty", p);
    size_t i = 0;
    for (const struct jv *n = r.names->child; n; n = n->next, i++) {
        char np[112];
        item_path(np, sizeof np, p, i);
        if (want_str(np, n) < 0) return -1;
        if (sc_lookup(n->s) < 0) debugf("%s: unknown syscall \"%s\" skipped", np, n->s);
        if (r.action == OCI_SECCOMP_RET_USER_NOTIF && !strcmp(n->s, "write"))
            return fail("%s: SCMP_ACT_NOTIFY on write would stop the runtime's own writes (runc refuses it too)", np);
        /* (the listener goes to stage 0 by sendmsg once the filter is on:
         * no one could answer that one; runc takes it with pidfd_getfd) */
        if (r.action == OCI_SECCOMP_RET_USER_NOTIF && (!strcmp(n->s, "sendmsg") || !strcmp(n->s, "socketcall")))
            return fail("%s: SCMP_ACT_NOTIFY on %s would stop the runtime's hand-over of the listener", np, n->s);
    }
    struct sc_cond conds[16];
    size_t nc = 0;
    if (args) {
        str_fmt(p, sizeof p, "%s.args", base);
        if (want_arr(p, args) < 0) return -1;
        if (args->count > ARRAY_LEN(conds)) return fail("%s: more than %zu conditions", p, ARRAY_LEN(conds));
        for (const struct jv *c = args->child; c; c = c->next, nc++) {
            char cp[112];
            if (item_obj(cp, sizeof cp, p, nc, c) < 0 || parse_sc_cond(cp, c, &conds[nc]) < 0) return -1;
        }
    }
    sc->notify |= (r.action == OCI_SECCOMP_RET_USER_NOTIF);
    if (!sc_same_arg_twice(conds, nc)) {
        sc_add_rule(sc, &r, conds, nc);
    } else {
        for (size_t k = 0; k < nc; k++) sc_add_rule(sc, &r, &conds[k], 1);
    }
    return 0;
}

static int parse_seccomp(const struct jv *v, struct oci_spec *s)
{
    const char *b = ".linux.seccomp";
    const struct jv *x;
    if (want_obj(b, v) < 0) return -1;
    struct oci_seccomp *sc = s->seccomp = xcalloc(1, sizeof *sc);
    if (parse_sc_action(b, v, "defaultAction", "defaultErrnoRet", &sc->default_action) < 0) return -1;
    if (sc->default_action == OCI_SECCOMP_RET_USER_NOTIF)
        return fail("%s.defaultAction: SCMP_ACT_NOTIFY cannot be the default (the runtime's own syscalls would wait on it)", b);
    int native = sc_arch_index(sc_native);
    if (native >= 0) sc->arches |= 1u << native;
    if ((x = member(v, "architectures"))) {
        if (want(".linux.seccomp.architectures", x, J_ARR, "an array of strings") < 0) return -1;
        size_t i = 0;
        for (const struct jv *a = x->child; a; a = a->next, i++) {
            char p[96];
            item_path(p, sizeof p, ".linux.seccomp.architectures", i);
            if (want_str(p, a) < 0) return -1;
            int k = sc_arch_index(a->s);
            if (k < 0) return fail("%s: unknown architecture \"%s\"", p, a->s);
            if (sc_arches[k].table < 0) debugf("%s: no syscall table for %s here: its syscalls will be killed", p, a->s);
            else if (!sc_has_table(k)) debugf("%s: %s is not an arch this machine runs: left out of the filter", p, a->s);
            else sc->arches |= 1u << k;
        }
    }
    if ((x = member(v, "flags"))) {
        if (want(".linux.seccomp.flags", x, J_ARR, "an array of strings") < 0) return -1;
        size_t i = 0;
        for (const struct jv *f = x->child; f; f = f->next, i++) {
            char p[96];
            uint32_t flag = 0;
            item_path(p, sizeof p, ".linux.seccomp.flags", i);
            if (want_str(p, f) < 0) return -1;
            for (size_t k = 0; k < ARRAY_LEN(sc_flags); k++)
                if (!strcmp(sc_flags[k].name, f->s)) flag = sc_flags[k].flag;
            if (!flag) return fail("%s: unknown flag \"%s\"", p, f->s);
            sc->flags |= flag;
        }
    }
    if (get_str(b, v, "listenerPath", 0, &sc->listener_path) < 0 || get_str(b, v, "listenerMetadata", 0, &sc->listener_metadata) < 0)
        return -1;
    if ((x = member(v, "syscalls"))) {
        if (want_arr(".linux.seccomp.syscalls", x) < 0) return -1;
        size_t n = 0, i = 0;
        for (const struct jv *r = x->child; r; r = r->next) {
            const struct jv *a = r->type == J_OBJ ? member(r, "args") : NULL;
            n += a && a->type == J_ARR && a->count > 1 ? a->count : 1;
        }
        sc->rules = xcalloc(n ? n : 1, sizeof *sc->rules);
        for (const struct jv *r = x->child; r; r = r->next, i++) {
            char p[96];
            if (item_obj(p, sizeof p, ".linux.seccomp.syscalls", i, r) < 0 || parse_sc_rule(p, r, i, sc) < 0) return -1;
        }
    }
    if (sc->notify && (!sc->listener_path || !sc->listener_path[0]))
        return fail("%s.listenerPath: required when a rule uses SCMP_ACT_NOTIFY", b);
    if (sc->notify && sc->listener_path[0] != '/')   /* (unused otherwise: the spec ignores it, as runc) */
        return fail("%s.listenerPath: \"%s\" is not an absolute path", b, sc->listener_path);
    if (native < 0) return fail("%s: this build of ocirun has no syscall table for its own architecture", b);
    return 0;
}

static int parse_linux(const struct jv *v, struct oci_spec *s)
{
    const char *b = ".linux";
    const struct jv *x;
    size_t n;
    if (want_obj(b, v) < 0) return -1;
    if ((x = member(v, "namespaces")) && parse_namespaces(x, s) < 0) return -1;
    if ((x = member(v, "uidMappings")) && parse_idmaps(".linux.uidMappings", x, &s->uidmap, &s->nuidmap) < 0) return -1;
    if ((x = member(v, "gidMappings")) && parse_idmaps(".linux.gidMappings", x, &s->gidmap, &s->ngidmap) < 0) return -1;
    if ((x = member(v, "devices")) && parse_devices(x, s) < 0) return -1;
    if ((x = member(v, "sysctl")) && parse_sysctl(x, s) < 0) return -1;
    if ((x = member(v, "seccomp")) && parse_seccomp(x, s) < 0) return -1;
    resources_init(&s->res);
    if ((x = member(v, "resources")) && parse_resources(x, s) < 0) return -1;
    if (get_str(b, v, "cgroupsPath", 0, &s->cgroups_path) < 0) return -1;
    if (get_strv(b, v, "maskedPaths", (char ***)&s->masked, &s->nmasked) < 0 ||
        get_strv(b, v, "readonlyPaths", (char ***)&s->readonly, &s->nreadonly) < 0)
        return -1;
    const char *prop = NULL;
    if (get_str(b, v, "rootfsPropagation", 0, &prop) < 0) return -1;
    if (prop && prop[0] && parse_propagation(".linux.rootfsPropagation", prop, &s->rootfs_prop) < 0) return -1;
    if ((x = member(v, "personality")) && parse_personality(x, s) < 0) return -1;
    if ((x = member(v, "timeOffsets")) && parse_time_offsets(x, s) < 0) return -1;
    static const char *const unsupported[] = { "intelRdt", "netDevices", "memoryPolicy" };
    for (size_t i = 0; i < ARRAY_LEN(unsupported); i++) {
        const struct jv *f = member(v, unsupported[i]);
        if (f && !((f->type == J_STR && !f->slen) || ((f->type == J_OBJ || f->type == J_ARR) && !f->count)))
            return fail("%s.%s: not supported by this version of ocirun", b, unsupported[i]);
    }
    if (get_str(b, v, "mountLabel", 0, &s->mount_label) < 0) return -1;
    if (s->mount_label && !s->mount_label[0]) s->mount_label = NULL;
    if (!OCIRUN_LSM && s->mount_label)
        return fail("%s.mountLabel: this ocirun is built without LSM support (OCIRUN_LSM=0)", b);
    (void)n;
    return 0;
}

/* --- hooks --- */

static int parse_hooks(const struct jv *v, struct oci_spec *s)
{
    if (want_obj(".hooks", v) < 0) return -1;
    for (int k = 0; k < NHOOKS; k++) {
        char path[64];
        const struct jv *arr = member(v, hook_names[k]);
        str_fmt(path, sizeof path, ".hooks.%s", hook_names[k]);
        if (!arr) continue;
        if (want_arr(path, arr) < 0) return -1;
        s->hooks[k] = xcalloc(arr->count, sizeof *s->hooks[k]);
        for (const struct jv *c = arr->child; c; c = c->next) {
            char ip[96];
            struct oci_hook *h = &s->hooks[k][s->nhooks[k]];
            const struct jv *t;
            if (item_obj(ip, sizeof ip, path, s->nhooks[k]++, c) < 0 || get_str(ip, c, "path", 1, &h->path) < 0 ||
                get_strv(ip, c, "args", &h->args, &h->nargs) < 0 || get_strv(ip, c, "env", &h->env, &h->nenv) < 0)
                return -1;
            if (want_abs(ip, "path", h->path) < 0) return -1;
            env_dedup(h->env, &h->nenv);
            if ((t = member(c, "timeout"))) {
                int64_t secs;
                char tp[128];
                str_fmt(tp, sizeof tp, "%s.timeout", ip);
                if (num_in_range(tp, t, 1, INT_MAX, &secs) < 0) return fail("%s.timeout: must be a positive integer", ip);
                h->timeout = (int)secs;
            }
        }
    }
    return 0;
}

/* The host's id of the container's root in a user namespace's map, or -1. */
static int64_t host_root_id(const struct oci_idmap *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].container == 0) return m[i].host;
    return -1;
}

/* Cross-field rules. */
static int validate_spec(struct oci_spec *s)
{
    if ((s->clone_flags & CLONE_NEWUSER) && (!s->nuidmap || !s->ngidmap))
        return fail(".linux.uidMappings: a new user namespace needs uidMappings and gidMappings");
    /* (the stages become its root: runc's words, before anything starts) */
    if ((s->clone_flags & CLONE_NEWUSER) && (host_root_id(s->uidmap, s->nuidmap) < 0 || host_root_id(s->gidmap, s->ngidmap) < 0))
        return host_root_id(s->uidmap, s->nuidmap) < 0 ? fail(".linux.uidMappings: User namespaces enabled, but no user mapping found.")
                                                       : fail(".linux.gidMappings: User namespaces enabled, but no group mapping found.");
    /* (a user namespace joined by path may come with its mappings, as
     * containerd's CRI writes a pod's containers: what they say of ids
     * holds for it) */
    if (!((s->clone_flags | s->join_flags) & CLONE_NEWUSER) && (s->nuidmap || s->ngidmap))
        return fail(".linux.uidMappings: mappings given without a user namespace");
    /* without a mount namespace (the spec: the runtime's is inherited)
     * nothing may be mounted or made: it would land on the host */
    if (!((s->clone_flags | s->join_flags) & CLONE_NEWNS)) {
        if (s->nmasked || s->nreadonly)
            return fail(".linux.maskedPaths/readonlyPaths: unable to restrict sys entries without a private MNT namespace");
        if (s->nmounts) return fail(".mounts: mounts need a mount namespace of the container's own (they would be the host's)");
        if (s->ndevices) return fail(".linux.devices: device nodes need a mount namespace of the container's own");
        if (s->root_readonly || s->rootfs_prop)
            return fail("%s: needs a mount namespace of the container's own", s->root_readonly ? ".root.readonly" : ".linux.rootfsPropagation");
    }
    for (size_t i = 0; i < s->nmounts; i++)
        if (s->mounts[i].idmap && !s->mounts[i].nuidmap && !s->nuidmap)
            return fail(".mounts[%zu]: idmap without uidMappings takes the container's user namespace mappings, and there are none", i);
    if ((s->time_offsets[0][0] || s->time_offsets[1][0]) && !(s->clone_flags & CLONE_NEWTIME))
        return fail(".linux.timeOffsets: offsets need a new time namespace");
    if (s->hostname && s->hostname[0] && !((s->clone_flags | s->join_flags) & CLONE_NEWUTS))
        return fail(".hostname: setting the hostname needs a private UTS namespace");
    if (s->domainname && s->domainname[0] && !((s->clone_flags | s->join_flags) & CLONE_NEWUTS))
        return fail(".domainname: setting the domainname needs a private UTS namespace");
    return sysctls_allowed(s);
}

static int parse_spec_tree(const struct jv *root, struct oci_spec *s)
{
    const struct jv *x;
    if (want_obj("(top level)", root) < 0) return -1;
    if (get_str("", root, "ociVersion", 1, &s->oci_version) < 0) return -1;
    if (strncmp(s->oci_version, "1.", 2)) return fail(".ociVersion: unsupported version \"%s\" (want 1.x)", s->oci_version);
    if (!(x = member(root, "root"))) return fail("%s: required field is missing", ".root");
    if (want_obj(".root", x) < 0 || get_str(".root", x, "path", 1, &s->root_path) < 0 ||
        get_bool(".root", x, "readonly", &s->root_readonly) < 0)
        return -1;
    if (!s->root_path[0]) return fail(".root.path: must not be empty");
    if (!(x = member(root, "process"))) return fail("%s: required field is missing", ".process");
    if (parse_process(".process", x, &s->proc) < 0) return -1;
    if (get_str("", root, "hostname", 0, &s->hostname) < 0 || get_str("", root, "domainname", 0, &s->domainname) < 0)
        return -1;
    if ((x = member(root, "mounts")) && parse_mounts(x, s) < 0) return -1;
    if ((x = member(root, "annotations"))) {
        if (want_obj(".annotations", x) < 0) return -1;
        for (const struct jv *c = x->child; c; c = c->next)
            if (c->type != J_STR) return fail(".annotations.%s: expected a string, got %s", c->key, jtype_name(c));
        s->annotations = x;
    }
    if ((x = member(root, "hooks")) && parse_hooks(x, s) < 0) return -1;
    if (!(x = member(root, "linux"))) return fail("%s: required field is missing", ".linux");
    if (parse_linux(x, s) < 0) return -1;
    return validate_spec(s);
}

static void spec_free(struct oci_spec *s)
{
    for (int k = 0; k < NHOOKS; k++) {
        for (size_t i = 0; i < s->nhooks[k]; i++) xfree(s->hooks[k][i].args), xfree(s->hooks[k][i].env);
        xfree(s->hooks[k]);
    }
    xfree(s->proc.args); xfree(s->proc.env); xfree(s->proc.gids); xfree(s->proc.rlimits);
    for (size_t i = 0; i < s->nmounts; i++) xfree(s->mounts[i].data), xfree(s->mounts[i].uidmap), xfree(s->mounts[i].gidmap);
    xfree(s->mounts); xfree(s->devices); xfree(s->sysctl); xfree(s->uidmap); xfree(s->gidmap);
    xfree(s->masked); xfree(s->readonly); xfree(s->res.devs);
    if (s->seccomp) {
        for (size_t i = 0; i < s->seccomp->nrules; i++) xfree(s->seccomp->rules[i].conds);
        xfree(s->seccomp->rules), xfree(s->seccomp);
    }
    arena_free(&s->arena);
    memset(s, 0, sizeof *s);
}

/* Parses config text; `name` is the file name errors start with. */
static int spec_parse(const char *text, size_t len, const char *name, struct oci_spec *s)
{
    memset(s, 0, sizeof *s);
    struct jv *root = json_parse(text, len, &s->arena);
    if (!root || parse_spec_tree(root, s) < 0) {
        err_prefix("%s", name);
        spec_free(s);
        return -1;
    }
    return 0;
}

/* ======================================================================
 * 6. State store: <root>/<id>/ (state.json, the journal, the config
 *    copy), trust, locks, process identity
 *
 * <root>/<id>/ is created by `create` first, and holds the journal (what
 * the container is about to get, recorded before it exists, so that a
 * killed create leaves nothing `delete --force` cannot find), config.json
 * (the config as create read it), state.json (written atomically once
 * create is done) and exec.sock, the socket init waits on until `start`.
 * Both the root and the directory must be the caller's and writable by no
 * one else before a command acts on what they say.  A command that
 * changes a container holds flock() on the directory, so concurrent
 * start/kill/delete on one id serialise.  A pid alone is never trusted:
 * the state records init's start time, and a pid whose start time differs
 * is a different process.
 * ====================================================================== */

#define STATE_FILE "state.json"
#define EXEC_SOCK "exec.sock"

struct cstate {
    char id[NAME_MAX + 1];
    pid_t pid;
    uint64_t starttime;            /* /proc/<pid>/stat field 22 */
    char bundle[PATH_MAX];
    char rootfs[PATH_MAX];
    char created[40];
    char *annotations;             /* JSON object text, xmalloc'd */
    char *cgroups;                 /* the container's cgroup dirs, one per line, xmalloc'd */
    char *cg_found;                /* those of them create found there (not its to empty), one per line, xmalloc'd; NULL: none */
    char unit[NAME_MAX + 1];       /* its systemd scope (--systemd-cgroup); "": none */
    int unit_user;                 /* the scope is the user's systemd's */
    int late_hooks;                /* 1 << HOOK_POSTSTART | 1 << HOOK_POSTSTOP, as configured */
    char *stdio;                   /* init's fds 0-2 as create gave them (JSON array of link texts), xmalloc'd; NULL: unknown */
};

static void cstate_free(struct cstate *st)
{
    xfree(st->annotations), xfree(st->cgroups), xfree(st->cg_found), xfree(st->stdio);
    st->annotations = st->cgroups = st->cg_found = st->stdio = NULL;
}

/* (ST_INTERRUPTED, list's: a container whose state.json a killed create
 * never wrote or that was damaged, as its journal knows it; a create still
 * under way is not listed, as in runc) */
enum { ST_CREATED, ST_RUNNING, ST_STOPPED, ST_PAUSED, ST_INTERRUPTED };
static const char *const status_names[] = { "created", "running", "stopped", "paused", "interrupted" };

static int cg_frozen(const char *cgroups);

static int validate_id(const char *id)
{
    size_t n = strlen(id);
    if (!n) return fail("container id must not be empty");
    if (n > NAME_MAX) return fail("invalid container id: longer than %d characters", NAME_MAX);
    if (!strcmp(id, ".") || !strcmp(id, ".."))
        return fail("invalid container id \"%s\"", id);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)id[i];
        if (!isdigit(c) && !isalpha(c) && !str_chr("_+-.", c))
            return fail("invalid container id \"%s\": only letters, digits and _+-. are allowed", id);
    }
    return 0;
}

/* Our effective uid, asked once: what acts on the state root (stage 0, a
 * library's caller) does not change it; the stages, which do, ask the
 * kernel each time. */
static uid_t caller_euid(void)
{
    static uid_t euid;
    static int known;
    if (!known) euid = geteuid(), known = 1;
    return euid;
}

/* Whether we run in a user namespace (not the host's). */
static int in_user_namespace(void)
{
    char *text;
    int in = 0;
    if (read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &text, NULL) == 0) {
        uint64_t a = 1, b = 1, n = 0;
        const char *p = scan_u64(text, 10, &a);
        if (p) p = scan_u64(p, 10, &b);
        if (p) scan_u64(p, 10, &n);
        in = a != 0 || b != 0 || n != 4294967295u;
        xfree(text);
    }
    return in;
}

/* A directory of the state root's is trusted only when the caller owns
 * it and no one else may write to it: whoever else could would control
 * the state files, and delete runs the hooks and removes the cgroups
 * they name.  (`what` names it in the error; fd is open on it.) */
static int state_dir_trusted(int fd, const char *what, const char *path)
{
    struct stat st;
    if (fstat(fd, &st) < 0) return failerr("stat %s %s", what, path);
    if (st.st_uid != caller_euid())
        return fail("%s %s is owned by uid %u, not by this user (uid %u): remove it, or give --root a directory of "
                    "your own", what, path, (unsigned)st.st_uid, (unsigned)caller_euid());
    if (st.st_mode & 022)
        return fail("%s %s is writable by %s (mode %04o): chmod go-w it, or give --root a directory no one else may "
                    "write to", what, path, st.st_mode & 002 ? "others" : "its group", (unsigned)(st.st_mode & 07777));
    return 0;
}

/* Opens the state root, creating it (0700) when `create` is set; not
 * through a symlink, and (`trust`: for what changes containers) only when
 * it is trusted.  Looking (state, list) needs no trust: root may look at
 * a user's containers. */
/* $XDG_RUNTIME_DIR/ocirun, when default_root() chose it: sticky, as runc
 * makes its own, so that the XDG directory's periodic clean-up leaves a
 * long-running container's state alone (the XDG Base Directory spec). */
static char xdg_root[PATH_MAX];

static int state_root_open(const char *root, int create, int trust)
{
    if (!root[0])
        return fail("no state root: $XDG_RUNTIME_DIR is not set (a login session sets it); set it, or give --root "
                    "DIR, a directory of your own");
    int fd = sys_open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0 && errno == ENOENT && create) {   /* made only when missing */
        char tmp[PATH_MAX];
        if (str_copy(tmp, sizeof tmp, root) >= (int)sizeof tmp) return fail("--root: path too long");
        for (char *p = tmp + 1; ; p++) {
            if (*p == '/' || !*p) {
                char c = *p;
                *p = 0;
                if (mkdir(tmp, 0700) < 0 && errno != EEXIST) return failerr("mkdir %s", tmp);
                *p = c;
                if (!c) break;
            }
        }
        fd = sys_open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    }
    if (fd < 0 && errno == ENOENT && !create) return -2; /* no root: no containers */
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR))
        return fail("state root %s is a symlink or not a directory: give --root the directory itself", root);
    if (fd < 0) return failerr("open state root %s", root);
    if (trust && state_dir_trusted(fd, "state root", root) < 0) { close(fd); return -1; }
    if (create && root == xdg_root) sys_fchmod(fd, 01700);
    return fd;
}

/* How long a command waits for another one's hold on a container: they
 * are short (a create holds it through its hooks), and none may block
 * without bound. */
#define LOCK_WAIT_MS 30000

/* flock(LOCK_EX) with a deadline of `limit` ms: polled, 1 ms first, then
 * 10 ms. */
static int lock_with_deadline(int fd, const char *id, int limit)
{
    for (int waited = 0;; ) {
        if (sys_flock(fd, LOCK_EX | LOCK_NB) == 0) return 0;
        if (errno != EWOULDBLOCK && errno != EINTR) return failerr("lock state of %s", id);
        if (waited >= limit)
            return fail_as(OCIRUN_E_BUSY, "container \"%s\" is busy: another ocirun command has held its state for %d ms", id, limit);
        int step = waited < 20 ? 1 : 10;
        sleep_ms(step);
        waited += step;
    }
}

/* Locks an open state directory (waiting up to `wait` ms; none when
 * negative) and checks it is still there: a delete that held the lock
 * before us has removed it, and the container "does not exist". */
static int state_dir_lock_live(int fd, const char *id, int wait)
{
    struct stat st;
    if (wait >= 0 && lock_with_deadline(fd, id, wait) < 0) return -1;
    if (fstat(fd, &st) < 0 || st.st_nlink == 0) return fail_as(OCIRUN_E_NOT_FOUND, "container \"%s\" does not exist", id);
    return 0;
}

/* How a command holds a container's state: not at all (commands that only
 * read it: state.json is replaced whole), locked (commands that change
 * it), locked but unchecked (create's own, made a moment ago in the
 * trusted root, ours by construction), or checked but not locked (kill,
 * which a hook holding a start must not keep waiting, as runc does not). */
enum { HOLD_LOOK, HOLD_LOCK, HOLD_NEW, HOLD_TRUST };

/* Opens <root>/<id> as `lock` (a HOLD_*) says.  Fails with "does not
 * exist" when absent. */
static int state_dir_open(int rootfd, const char *id, int lock)
{
    int fd = sys_openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0 && errno == ENOENT) return fail_as(OCIRUN_E_NOT_FOUND, "container \"%s\" does not exist", id);
    if (fd < 0 && (errno == ELOOP || errno == ENOTDIR)) return fail("the state of %s is not a directory (a symlink?)", id);
    if (fd < 0) return failerr("open state of %s", id);
    int wait = lock == HOLD_LOOK || lock == HOLD_TRUST ? -1 : wait_limit_ms(LOCK_WAIT_MS);
    if ((lock != HOLD_LOOK && lock != HOLD_NEW && state_dir_trusted(fd, "the state directory of", id) < 0) ||
        state_dir_lock_live(fd, id, wait) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* criu-root: the rootfs bound for criu during a restore (section 18). */
static int remove_criu_root(int dirfd)
{
    char p[64];
    str_fmt(p, sizeof p, "/proc/self/fd/%d/criu-root", dirfd);
    if (sys_umount2(p, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) warnf("unmount %s: %s", p, strerror(errno));
    return unlinkat(dirfd, "criu-root", AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
}

/* Removes a state directory and the files in it (ours only: no subdirs). */
static int state_dir_remove(int rootfd, const char *id)
{
    int fd = sys_openat(rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) return errno == ENOENT ? 0 : failerr("open state of %s", id);
    struct dir_iter d;
    const char *name;
    dir_start(&d, fd);
    /* (a directory: criu-root, of a restore killed while criu worked) */
    while ((name = dir_next(&d)))
        if (unlinkat(fd, name, 0) < 0 && errno != ENOENT &&
            !(OCIRUN_CRIU && errno == EISDIR && !strcmp(name, "criu-root") && remove_criu_root(fd) == 0)) {
            failerr("remove %s/%s", id, name);
            close(fd);
            return -1;
        }
    int err = errno;
    close(fd);
    if (err) { errno = err; return failerr("read state of %s", id); }
    if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT) return failerr("remove state dir %s", id);
    return 0;
}

/* Start time and run state letter of a process, from /proc/<pid>/stat. */
static int proc_stat(pid_t pid, uint64_t *starttime, char *state)
{
    char path[64], buf[1024];
    ssize_t n = -1;
    str_fmt(path, sizeof path, "/proc/%d/stat", (int)pid);
    /* whether a process lives decides what delete kills: an error that is
     * not "no such process" is asked again, on purpose, before it counts */
    for (int try = 0; try < 3 && n < 0; try++) {
        int fd = sys_open(path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0 && (errno == ENOENT || errno == ESRCH)) return -1;
        if (fd >= 0) n = sys_read(fd, buf, sizeof buf - 1), close(fd);
        if (n < 0 && errno == ESRCH) return -1;
    }
    if (n <= 0) return -1;
    buf[n] = 0;
    char *p = str_rchr(buf, ')'); /* the command name may contain anything */
    if (!p || p[1] != ' ') return -1;
    p += 2;
    *state = *p;
    /* field 3 is the state; start time is field 22 */
    for (int field = 3; field < 22; field++) {
        p = str_chr(p, ' ');
        if (!p) return -1;
        p++;
    }
    char *save;
    return parse_u64(str_tok(p, " ", &save), starttime);
}

/* Is this still the process we started (not exited, not a reused pid)? */
static int process_alive(pid_t pid, uint64_t starttime)
{
    uint64_t st;
    char s;
    if (pid <= 0 || proc_stat(pid, &st, &s) < 0) return 0;
    return st == starttime && s != 'Z' && s != 'X' && s != 'x';
}

static int container_status(int dirfd, const struct cstate *st)
{
    if (!process_alive(st->pid, st->starttime)) return ST_STOPPED;
    if (st->cgroups && cg_frozen(st->cgroups)) return ST_PAUSED;
    struct stat sb;
    if (fstatat(dirfd, EXEC_SOCK, &sb, AT_SYMLINK_NOFOLLOW) == 0) return ST_CREATED;
    return ST_RUNNING;
}

/* ,"key":[...] of a list of lines (cgroup dirs) */
static void json_lines(struct buf *b, const char *key, const char *lines)
{
    buf_printf(b, ",\"%s\":[", key);
    const char *p = lines ? lines : "";
    for (int first = 1; *p; first = 0) {
        size_t n = str_span(p, "\n", 0);
        if (!first) buf_puts(b, ",");
        json_escape(b, p, n);
        p += n + (p[n] == '\n');
    }
    buf_puts(b, "]");
}

/* The lines of a list of absolute paths (json_lines's), xmalloc'd. */
static char *lines_of(const struct jv *v)
{
    struct buf b = {0};
    for (const struct jv *c = v && v->type == J_ARR ? v->child : NULL; c; c = c->next)
        if (c->type == J_STR && c->s[0] == '/' && !str_chr(c->s, '\n')) buf_puts(&b, c->s), buf_puts(&b, "\n");
    return b.p;
}

/* The state as `state` (owner ""), `list` (the owner's name) and, with
 * owner NULL, state.json (ours: the fields after "ocirun") write it;
 * annotations only where there are some, as runc. */
static void state_to_json(struct buf *b, const struct cstate *st, int status, const char *owner)
{
    int internal = !owner;
    buf_printf(b, "{\"ociVersion\":\"%s\",\"id\":", OCIRUN_OCI_VERSION);
    json_str(b, st->id);
    buf_printf(b, ",\"pid\":%d,\"status\":\"%s\",\"bundle\":", status == ST_STOPPED && !internal ? 0 : (int)st->pid,
               status_names[status]);
    json_str(b, st->bundle);
    buf_puts(b, ",\"rootfs\":");
    json_str(b, st->rootfs);
    buf_puts(b, ",\"created\":");   /* (none, an interrupted create's: Go's zero time, which its callers parse) */
    json_str(b, st->created[0] ? st->created : "0001-01-01T00:00:00Z");
    buf_puts(b, ",\"owner\":");
    json_str(b, owner ? owner : "");
    if (internal || (st->annotations && strcmp(st->annotations, "{}")))
        buf_printf(b, ",\"annotations\":%s", st->annotations ? st->annotations : "{}");
    if (internal) {
        buf_printf(b, ",\"ocirun\":{\"starttime\":%llu,\"late_hooks\":%d", (unsigned long long)st->starttime, st->late_hooks);
        json_lines(b, "cgroups", st->cgroups);
        if (st->cg_found) json_lines(b, "cgroups_found", st->cg_found);
        if (OCIRUN_SYSTEMD && st->unit[0]) buf_puts(b, ",\"unit\":"), json_str(b, st->unit);
        if (OCIRUN_SYSTEMD && st->unit_user) buf_puts(b, ",\"unit_user\":true");
        if (OCIRUN_CRIU && st->stdio) buf_printf(b, ",\"stdio\":%s", st->stdio);
        buf_puts(b, "}");
    }
    buf_puts(b, "}");
}

/* state.json is written under a temporary name first (while init still
 * sets up), then renamed into place: readers see it whole or not at all. */
static int state_stage(int dirfd, const struct cstate *st)
{
    struct buf b = {0};
    state_to_json(&b, st, ST_CREATED, NULL);
    int r = write_file_staged(dirfd, STATE_FILE, b.p, b.len, 0600);
    buf_free(&b);
    return r;
}

static int state_publish(int dirfd) { return publish_staged(dirfd, STATE_FILE); }

static int copy_str_field(const struct jv *obj, const char *key, char *out, size_t size)
{
    const struct jv *v = member(obj, key);
    if (!v || v->type != J_STR || v->slen >= size) return fail("field \"%s\" missing or invalid", key);
    memcpy(out, v->s, v->slen + 1);
    return 0;
}

/* --- the journal --- */

/* <root>/<id>/journal: what a create is about to make, written before it
 * exists, so that a create killed at any moment leaves nothing `delete
 * --force` cannot find: each cgroup directory ("cgroup PATH"), the systemd
 * unit ("unit USER NAME"), init ("pid PID STARTTIME": a recycled pid is
 * never killed).  A record is one line appended by one write, which a
 * killed process cannot tear; a line without its newline is ignored.  A
 * container is not meant to outlive a reboot, so nothing is fsynced.
 *
 * The first record is the config as create read it ("config LEN", a
 * newline, LEN bytes, a newline): the copy later commands use (below).
 * One file instead of two: each file a create makes is an inode to
 * allocate and free, which on a state root on disk costs more than the
 * writing. */
#define JOURNAL_FILE "journal"

static int journal_create(int dirfd, const char *config, size_t len)
{
    int fd = sys_openat(dirfd, JOURNAL_FILE, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return failerr("create %s", JOURNAL_FILE);
    struct buf b = {0};
    buf_printf(&b, "config %zu\n", len);
    buf_add(&b, config, len);
    buf_add(&b, "\n", 1);
    int r = write_all(fd, b.p, b.len);
    buf_free(&b);
    if (r < 0) return close(fd), failerr("write %s", JOURNAL_FILE);
    return fd;
}

/* Where the records after the config record begin; *cfg and *cfg_len:
 * the config (NULL: none).  The record may take several writes: a create
 * killed among them leaves it torn, which counts as no config.  So does a
 * damaged length, and then the lines after its first are read for records
 * (JSON has no line that reads as one). */
static const char *journal_config(const char *text, size_t len, const char **cfg, size_t *cfg_len)
{
    uint64_t n;
    const char *q, *end = text + len;
    *cfg = NULL;
    if (len < 8 || memcmp(text, "config ", 7) || !(q = scan_u64(text + 7, 10, &n)) || *q != '\n') return text;
    if ((uint64_t)(end - q) < 2 || n > (uint64_t)(end - q) - 2 || q[1 + n] != '\n') return q + 1;
    *cfg = q + 1, *cfg_len = (size_t)n;
    return q + n + 2;
}

__attribute__((format(printf, 2, 3)))
static int journal_add(int fd, const char *fmt, ...)
{
    char line[PATH_MAX + 64];
    va_list ap;
    va_start(ap, fmt);
    int n = str_vfmt(line, sizeof line - 1, fmt, ap);
    va_end(ap);
    if (fd < 0) return 0;
    if (n >= (int)sizeof line - 1 || str_chr(line, '\n')) return fail("%s: a record that does not fit a line", JOURNAL_FILE);
    line[n++] = '\n';
    return sys_write(fd, line, (size_t)n) == n ? 0 : failerr("write %s", JOURNAL_FILE);
}

/* The container as its journal knows it: for delete --force when
 * state.json is missing or damaged. */
static int journal_read(int dirfd, const char *id, struct cstate *st)
{
    char *text;
    size_t len;
    if (read_file_at(dirfd, JOURNAL_FILE, MAX_CONFIG_SIZE + (1 << 20), &text, &len) < 0) return -1;
    memset(st, 0, sizeof *st);
    str_copy(st->id, sizeof st->id, id);
    struct buf cgs = {0};
    const char *cfg;
    size_t cfg_len;
    char *p = text + (journal_config(text, len, &cfg, &cfg_len) - text);
    for (char *nl; (nl = mem_chr(p, '\n', len - (size_t)(p - text))); p = nl + 1) {
        uint64_t pid = 0, start = 0;
        const char *q;
        *nl = 0;
        if (!strncmp(p, "cgroup /", 8)) buf_puts(&cgs, p + 7), buf_puts(&cgs, "\n");
        else if (!strncmp(p, "pid ", 4) && (q = scan_u64(p + 4, 10, &pid)) && scan_u64(q, 10, &start) && pid && pid <= INT_MAX)
            st->pid = (pid_t)pid, st->starttime = start;
        else if (OCIRUN_SYSTEMD && (!strncmp(p, "unit 0 ", 7) || !strncmp(p, "unit 1 ", 7)) && str_find(p + 7, ".scope") &&
                 !str_chr(p + 7, '/') && strlen(p + 7) <= NAME_MAX)
            st->unit_user = p[5] == '1', memcpy(st->unit, p + 7, strlen(p + 7) + 1);
    }
    st->cgroups = cgs.p;
    xfree(text);
    return 0;
}

/* --- the config, as create saw it --- */

/* The bundle's config.json as `create` read it, the journal's first
 * record: exec, update, delete and the poststart/poststop hooks use this
 * copy, so editing or removing the bundle after create changes nothing of
 * the container (its exec'd processes' filter, environment, hooks). */

/* The container's config text (the copy; when there is none, a create
 * killed before it wrote one, or a container made by an older ocirun,
 * which kept it apart: its bundle's), and where it came from in `where`. */
static int config_copy_read(int dirfd, const char *bundle, char **text, size_t *len, char where[PATH_MAX + 16])
{
    const char *cfg;
    str_fmt(where, PATH_MAX + 16, "the state's %s", JOURNAL_FILE);
    if (read_file_at(dirfd, JOURNAL_FILE, MAX_CONFIG_SIZE + (1 << 20), text, len) == 0) {
        journal_config(*text, *len, &cfg, len);
        if (cfg) return mem_move(*text, cfg, *len), (*text)[*len] = 0, 0;
        xfree(*text);
    } else if (errno != ENOENT) {
        return -1;
    }
    str_fmt(where, PATH_MAX + 16, "%s/config.json", bundle);
    return read_file_at(AT_FDCWD, where, MAX_CONFIG_SIZE, text, len);
}

/* Reads state.json.  Missing: a create that never finished (killed, when
 * a journal is there: its state is damaged) or none at all. */
static int state_read(int dirfd, const char *id, struct cstate *st)
{
    char *text = NULL;
    size_t len;
    memset(st, 0, sizeof *st);
    struct stat sb;
    if (fstatat(dirfd, STATE_FILE, &sb, AT_SYMLINK_NOFOLLOW) < 0) sb.st_mode = errno == ENOENT ? 0 : S_IFREG;
    if (!sb.st_mode)
        return fstatat(dirfd, JOURNAL_FILE, &sb, AT_SYMLINK_NOFOLLOW) == 0
                   ? fail_as(OCIRUN_E_DAMAGED, "container \"%s\": its create was interrupted before its state was "
                             "written: `delete --force %s` removes what it made", id, id)
                   : fail_as(OCIRUN_E_NOT_FOUND, "container \"%s\" does not exist", id);
    struct arena a = {0};
    const struct jv *root = NULL, *v, *o;
    int r = -1;
    if (!S_ISREG(sb.st_mode)) goto out;   /* (a FIFO, ...: damaged, "not JSON") */
    if (read_file_at(dirfd, STATE_FILE, MAX_CONFIG_SIZE, &text, &len) < 0) return -1;
    root = json_parse(text, len, &a);
    if (!root || root->type != J_OBJ) goto out;
    if (copy_str_field(root, "id", st->id, sizeof st->id) < 0 ||
        copy_str_field(root, "bundle", st->bundle, sizeof st->bundle) < 0 ||
        copy_str_field(root, "rootfs", st->rootfs, sizeof st->rootfs) < 0 ||
        copy_str_field(root, "created", st->created, sizeof st->created) < 0)
        goto out;
    if (!(v = member(root, "pid")) || v->type != J_NUM || v->numkind != JN_INT || v->i <= 0 || v->i > INT_MAX ||
        !(o = member(root, "ocirun")) || !(o = member(o, "starttime")) || get_u64("starttime", o, &st->starttime) < 0) {
        fail("field \"pid\" or \"ocirun.starttime\" missing or invalid");
        goto out;
    }
    st->pid = (pid_t)v->i;
    if ((v = member(root, "annotations")) && v->type == J_OBJ) {
        struct buf b = {0};
        json_write(&b, v);
        st->annotations = b.p;
    }
    if ((v = member(member(root, "ocirun"), "late_hooks")) && v->type == J_NUM && v->numkind == JN_INT)
        st->late_hooks = (int)v->i;
    if (OCIRUN_SYSTEMD && (v = member(member(root, "ocirun"), "unit")) && (v->type != J_STR || v->slen > NAME_MAX || !str_find(v->s, ".scope") ||
                                                        str_chr(v->s, '/'))) {
        fail("field \"ocirun.unit\" invalid");
        goto out;
    }
    if (OCIRUN_SYSTEMD && v) memcpy(st->unit, v->s, v->slen + 1);
    st->unit_user = OCIRUN_SYSTEMD && (v = member(member(root, "ocirun"), "unit_user")) && v->type == J_TRUE;
    if (OCIRUN_CRIU && (v = member(member(root, "ocirun"), "stdio")) && v->type == J_ARR) {
        struct buf b = {0};
        json_write(&b, v);
        st->stdio = b.p;
    }
    st->cgroups = lines_of(member(member(root, "ocirun"), "cgroups"));
    st->cg_found = lines_of(member(member(root, "ocirun"), "cgroups_found"));
    r = 0;
out:
    if (r < 0 && root && root->type == J_OBJ && member(root, "init_process_pid")) {
        /* runc's own state (a root both use, or a binary swapped under
         * live containers): not damaged, and not ours to clean up, which
         * would leave its processes and cgroups running with no state */
        fail("container \"%s\" was made by runc (%s is runc's): manage it with runc", id, STATE_FILE);
        cstate_free(st);
    } else if (r < 0) {
        char why[512];
        str_copy(why, sizeof why, err_msg);
        fail_as(OCIRUN_E_DAMAGED, "container \"%s\": its state is damaged (%s: %s): `delete --force %s` removes what "
                "its journal records", id, STATE_FILE, root ? why : "not JSON", id);
        cstate_free(st);
    }
    arena_free(&a);
    xfree(text);
    return r;
}

static int read_ns_link(pid_t pid, const char *ns, char out[static 64])
{
    char path[64];
    str_fmt(path, sizeof path, "/proc/%d/ns/%s", (int)pid, ns);
    ssize_t n = sys_readlinkat(AT_FDCWD, path, out, 63);
    if (n < 0) return -1;
    out[n] = 0;
    return 0;
}

/* Whether another command holds the state directory (a create under way
 * does, from its first step); `fd` must be one we hold no lock through. */
static int create_under_way(int fd)
{
    if (sys_flock(fd, LOCK_SH | LOCK_NB) == 0) return sys_flock(fd, LOCK_UN), 0;
    return errno == EWOULDBLOCK;
}

/* Opens the state of `id` (held as `lock`, a HOLD_*) and reads it. */
static int open_container_as(const char *root, const char *id, int *rootfd, int *dirfd, struct cstate *st, int lock)
{
    *rootfd = *dirfd = -1;
    memset(st, 0, sizeof *st);
    if (validate_id(id) < 0) return -1;
    if ((*rootfd = state_root_open(root, 0, lock != HOLD_LOOK)) < 0) {
        if (*rootfd == -2) fail_as(OCIRUN_E_NOT_FOUND, "container \"%s\" does not exist", id);
        return *rootfd = -1;
    }
    if ((*dirfd = state_dir_open(*rootfd, id, lock)) < 0) return -1;
    if (state_read(*dirfd, id, st) == 0) return 0;
    /* looked at without a hold: a create under way has written no state
     * yet; to runc, that container does not exist */
    if ((lock == HOLD_LOOK || lock == HOLD_TRUST) && err_code == OCIRUN_E_DAMAGED && create_under_way(*dirfd))
        return fail_as(OCIRUN_E_NOT_FOUND, "container \"%s\" does not exist (its create is under way)", id);
    return -1;
}

static int open_container(const char *root, const char *id, int *rootfd, int *dirfd, struct cstate *st)
{
    return open_container_as(root, id, rootfd, dirfd, st, HOLD_LOCK);
}

/* For commands that only look: state, ps, events. */
static int open_container_ro(const char *root, const char *id, int *rootfd, int *dirfd, struct cstate *st)
{
    return open_container_as(root, id, rootfd, dirfd, st, HOLD_LOOK);
}

static void close_container(int rootfd, int dirfd, struct cstate *st);

/* runc looks the container up before it reads a command's values (kill's
 * signal, --format, --interval, update's sizes and file): on a container
 * that does not exist (or an id it refuses), that is the error, and
 * callers match it.  Called when such a value failed; keeps that failure
 * when the container is there.  Returns -1. */
static int fail_missing_first(const char *root, const char *id)
{
    char saved[sizeof err_msg];
    int code = err_code, rootfd, dirfd;
    struct cstate st;
    str_copy(saved, sizeof saved, err_msg);
    if (open_container_ro(root, id, &rootfd, &dirfd, &st) < 0) code = -1;
    close_container(rootfd, dirfd, &st);
    if (code >= 0) str_copy(err_msg, sizeof err_msg, saved), err_code = code;
    return -1;
}

static void close_container(int rootfd, int dirfd, struct cstate *st)
{
    close_if(dirfd);
    close_if(rootfd);
    cstate_free(st);
}

/* ======================================================================
 * 7. Cgroups: the host's layout, the container's cgroup, limits, freezer
 *
 * Devices ship every layout: v1 (any set of hierarchies, co-mounted
 * controllers, named ones), hybrid (v1 plus a cgroup2 hierarchy), pure v2,
 * or none.  We read the layout from mountinfo and our place in it from
 * /proc/self/cgroup, and give the container a directory on every
 * hierarchy; a limit goes to whichever hierarchy holds its controller.
 * ====================================================================== */

#define MAX_HIER 24

struct cg_hier {
    char mnt[256];       /* mount point on the host */
    char opts[256];      /* super options: the controllers, name=... */
    char path[512];      /* this process's cgroup inside it */
    int v2;
};

struct cg_layout { struct cg_hier h[MAX_HIER]; int n; };

/* Undoes mountinfo's octal escapes (\040 for space) in place. */
static void unescape_octal(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
            r += 3;
        } else {
            *w++ = *r;
        }
    }
    *w = 0;
}

/* Does every comma-separated item of `want` occur in `have`? */
static int list_contains_all(const char *want, const char *have)
{
    for (const char *t = want;; t++) {
        size_t n = str_span(t, ",", 0);
        if (n && !list_has(have, ",", t, n)) return 0;
        t += n;
        if (!*t) return 1;
    }
}

static void cg_fill_paths(struct cg_layout *l)
{
    char *text;
    if (read_file_at(AT_FDCWD, "/proc/self/cgroup", 1 << 16, &text, NULL) < 0) return;
    for (char *save, *line = str_tok(text, "\n", &save); line; line = str_tok(NULL, "\n", &save)) {
        char *c1 = str_chr(line, ':'), *c2 = c1 ? str_chr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = 0;
        const char *ctrls = c1 + 1, *path = c2 + 1;
        for (int i = 0; i < l->n; i++) {
            struct cg_hier *h = &l->h[i];
            if (h->path[0]) continue;
            if (h->v2 ? !ctrls[0] : (ctrls[0] && list_contains_all(ctrls, h->opts)))
                str_copy(h->path, sizeof h->path, path);
        }
    }
    xfree(text);
}

/* Reads the cgroup hierarchies mounted on this host (each once). */
static int cg_layout_read(struct cg_layout *l)
{
    char *text;
    l->n = 0;
    if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, &text, NULL) < 0) return -1;
    for (char *save, *line = str_tok(text, "\n", &save); line; line = str_tok(NULL, "\n", &save)) {
        /* id parent maj:min root mountpoint opts [optional...] - fstype source superopts */
        char *f[6] = {0}, *p = line;
        for (int i = 0; i < 5 && p; i++) { f[i] = p; p = str_chr(p, ' '); if (p) *p++ = 0; }
        char *dash = p ? str_find(p, " - ") : NULL;
        if (!f[4] || !dash) continue;
        char *fstype = dash + 3, *src = str_chr(fstype, ' ');
        if (!src) continue;
        *src++ = 0;
        char *super = str_chr(src, ' ');
        super = super ? super + 1 : (char *)"";
        int v2 = !strcmp(fstype, "cgroup2");
        if ((!v2 && strcmp(fstype, "cgroup")) || l->n == MAX_HIER) continue;
        unescape_octal(f[4]);
        /* a hierarchy something else is mounted over is not ours to use */
        uint64_t maj, min = 0;
        const char *colon = scan_u64(f[2], 10, &maj);
        if (colon && *colon == ':') scan_u64(colon + 1, 10, &min);
        struct stat st;
        if (!colon || *colon != ':' || stat(f[4], &st) < 0 || st.st_dev != makedev(maj, min)) continue;
        int dup = 0;
        for (int i = 0; i < l->n; i++)
            if (l->h[i].v2 == v2 && !strcmp(l->h[i].opts, super)) dup = 1;
        if (dup) continue;
        struct cg_hier *h = &l->h[l->n++];
        memset(h, 0, sizeof *h);
        str_copy(h->mnt, sizeof h->mnt, f[4]);
        str_copy(h->opts, sizeof h->opts, super);
        h->v2 = v2;
    }
    xfree(text);
    cg_fill_paths(l);
    return 0;
}

/* The layout as stage 0 read it, for stage 2 (which mounts the
 * hierarchies in the container): per hierarchy "0" or "1" (v2), the mount
 * point and the super options, each ending in a NUL.  The paths are not
 * sent: stage 2 reads its own, inside the container's cgroup. */
static void cg_layout_pack(const struct cg_layout *l, struct buf *b)
{
    for (int i = 0; i < l->n; i++) {
        buf_add(b, l->h[i].v2 ? "1" : "0", 2);
        buf_add(b, l->h[i].mnt, strlen(l->h[i].mnt) + 1);
        buf_add(b, l->h[i].opts, strlen(l->h[i].opts) + 1);
    }
}

static int cg_layout_unpack(const char *p, size_t len, struct cg_layout *l)
{
    const char *end = p + len;
    l->n = 0;   /* (entries are cleared as they are filled: the whole is 25 KB, mostly never touched) */
    while (p < end) {
        const char *f[3];
        for (int k = 0; k < 3; k++) {
            const char *z = mem_chr(p, 0, (size_t)(end - p));
            if (!z) return fail("stage 0 sent a malformed cgroup layout");
            f[k] = p, p = z + 1;
        }
        if (l->n == MAX_HIER || strlen(f[1]) >= sizeof l->h[0].mnt || strlen(f[2]) >= sizeof l->h[0].opts ||
            (strcmp(f[0], "0") && strcmp(f[0], "1")))
            return fail("stage 0 sent a malformed cgroup layout");
        struct cg_hier *h = &l->h[l->n++];
        memset(h, 0, sizeof *h);
        h->v2 = f[0][0] == '1';
        str_copy(h->mnt, sizeof h->mnt, f[1]);
        str_copy(h->opts, sizeof h->opts, f[2]);
    }
    cg_fill_paths(l);
    return 0;
}

/* --- the container's cgroup --- */

/* A container's cgroup: one directory per hierarchy of the host.  The
 * directories are allocated strings ("" for none): rows of PATH_MAX would
 * each fault in a page of their own. */
struct cgroup {
    struct cg_layout l;
    int n;
    char *dir[MAX_HIER];
    char unit[NAME_MAX + 1], slice[NAME_MAX + 1];   /* systemd's scope and its slice (section 8); "": none */
    int unit_user;                                  /* the scope is the user's systemd's (rootless) */
    unsigned made;                                  /* create: bit i, dir[i] is new (section 7) */
    unsigned joined;                                /* create: bit i, stage 1 is in dir[i] */
};

static char cg_no_dir[1];

static struct cgroup *cg_new(void)
{
    int zero;
    struct cgroup *cg = mem_get(sizeof *cg, &zero);
    if (!zero) {   /* (reused memory: the layout's 24 KB of text only emptied; clearing it whole cost a start more than parsing its config) */
        memset(&cg->l.n, 0, sizeof *cg - offsetof(struct cgroup, l.n));
        for (int i = 0; i < MAX_HIER; i++) {
            struct cg_hier *h = &cg->l.h[i];
            h->mnt[0] = h->opts[0] = h->path[0] = 0, h->v2 = 0;
        }
    }
    for (int i = 0; i < MAX_HIER; i++) cg->dir[i] = cg_no_dir;
    return cg;
}

static void cg_set_dir(struct cgroup *cg, int i, const char *dir)
{
    if (cg->dir[i] != cg_no_dir) xfree(cg->dir[i]);
    cg->dir[i] = cg_no_dir;
    size_t n = strlen(dir);
    if (n) cg->dir[i] = memcpy(xmalloc(n + 1), dir, n + 1);
}

static void cg_free(struct cgroup *cg)
{
    for (int i = 0; cg && i < MAX_HIER; i++) cg_set_dir(cg, i, "");
    xfree(cg);
}

static int cg_write(const char *dir, const char *file, const char *val)
{
    char path[PATH_MAX + 64];
    str_path(path, sizeof path, dir, file);
    return write_file_str(path, val) < 0 ? -1 : 0;
}

static int cg_has_file(const char *dir, const char *file)
{
    char path[PATH_MAX + 64];
    str_path(path, sizeof path, dir, file);
    return access(path, F_OK) == 0;
}

static int cg_write_int(const char *dir, const char *file, int64_t v)
{
    char num[32];
    str_fmt(num, sizeof num, "%lld", (long long)v);
    return cg_write(dir, file, num);
}

/* A v2 file's space-separated list read into a comma list; 0 if unread. */
static int cg_v2_list(const char *dir, const char *file, char **list)
{
    char path[PATH_MAX + 32];
    str_path(path, sizeof path, dir, file);
    if (read_file_at(AT_FDCWD, path, 4096, list, NULL) < 0) return 0;
    for (char *q = *list; *q; q++) if (*q == ' ' || *q == '\n') *q = ',';
    return 1;
}

/* Whether the v2 file `dir`/`file` lists `ctrl` (space-separated). */
static int cg_file_lists(const char *dir, const char *file, const char *ctrl)
{
    char *text;
    if (!cg_v2_list(dir, file, &text)) return 0;
    int has = list_contains_all(ctrl, text);
    xfree(text);
    return has;
}

/* The directory on hierarchy i whose controllers include `ctrl`, or NULL.
 * v1 lists controllers in its mount options; v2 in cgroup.controllers. */
static const char *cg_dir_with(const struct cgroup *cg, const char *ctrl)
{
    for (int i = 0; i < cg->n; i++)
        if (!cg->l.h[i].v2 && cg->dir[i][0] && list_contains_all(ctrl, cg->l.h[i].opts)) return cg->dir[i];
    /* v1's alone: v2 has none of these as a controller (its device rules
     * are a BPF program, its freezer a core file), so nothing is read */
    static const char *const v1_only[] = { "devices", "freezer", "net_cls", "net_prio", "cpuacct" };
    for (size_t k = 0; k < ARRAY_LEN(v1_only); k++)
        if (!strcmp(ctrl, v1_only[k])) return NULL;
    for (int i = 0; i < cg->n; i++)
        if (cg->l.h[i].v2 && cg->dir[i][0] && cg_file_lists(cg->dir[i], "cgroup.controllers", ctrl)) return cg->dir[i];
    return NULL;
}

/* Whether a path has a component other than "" and ".". */
static int path_has_name(const char *p)
{
    for (; *p; p++)
        if (*p != '/' && !(*p == '.' && (p[1] == '/' || !p[1]))) return 1;
    return 0;
}

/* The path with empty and "." components dropped ("/a//b/./" is "/a/b"),
 * as runc cleans it (`in` fits in `out`: it is no longer). */
static void cg_clean_path(char *out, size_t size, const char *in)
{
    size_t k = 0;
    if (in[0] == '/') out[k++] = '/';
    for (const char *p = in; *p;) {
        while (*p == '/') p++;
        size_t n = str_span(p, "/", 0);
        if (n && !(n == 1 && p[0] == '.') && k + n + 2 < size) {
            if (k && out[k - 1] != '/') out[k++] = '/';
            memcpy(out + k, p, n), k += n;
        }
        p += n;
    }
    out[k] = 0;
}

/* linux.cgroupsPath (default: the id) under each hierarchy: absolute paths
 * from the hierarchy's root, relative ones below our own cgroup.  A colon
 * is a name's (runc), but not systemd's three parts "slice:prefix:name":
 * a cgroup of that name would be a caller's mistaken driver. */
static int cg_resolve(struct cgroup *cg, const char *given, const char *id)
{
    char def[NAME_MAX + 2], cgpath[PATH_MAX];
    if (!given || !given[0]) str_copy(def, sizeof def, id), given = def;
    const char *c1 = given[0] != '/' ? str_chr(given, ':') : NULL, *c2 = c1 ? str_chr(c1 + 1, ':') : NULL;
    if (c2 && !str_chr(c2 + 1, ':'))
        return fail(".linux.cgroupsPath: \"%s\" is systemd's slice:prefix:name form, for --systemd-cgroup", given);
    if (strlen(given) >= sizeof cgpath) return fail(".linux.cgroupsPath: longer than %d bytes", PATH_MAX - 1);
    cg_clean_path(cgpath, sizeof cgpath, given);
    if (str_find(cgpath, "..")) return fail(".linux.cgroupsPath: \"%s\" must not contain \"..\"", given);
    if (!path_has_name(cgpath))   /* delete would empty it: every process of the host, or ours */
        return fail(".linux.cgroupsPath: \"%s\" names a hierarchy's root or our own cgroup, not one of the container's", given);
    if (cg_layout_read(&cg->l) < 0) return -1;
    cg->n = cg->l.n;
    for (int i = 0; i < cg->n; i++) {
        const struct cg_hier *h = &cg->l.h[i];
        /* relative: below our own cgroup, which may be the root ("/") */
        const char *own = cgpath[0] == '/' || !strcmp(h->path, "/") ? "" : h->path;
        char dir[PATH_MAX];
        if (str_fmt(dir, sizeof dir, "%s%s/%s", h->mnt, own, cgpath[0] == '/' ? cgpath + 1 : cgpath) >= PATH_MAX)
            return fail(".linux.cgroupsPath: the cgroup path below %s is longer than %d bytes", h->mnt, PATH_MAX - 1);
        cg_set_dir(cg, i, dir);
    }
    return 0;
}

/* v2: enable below `dir` whatever it offers of the controllers we use and
 * has not enabled yet.  Only what is missing is written: a write to
 * cgroup.subtree_control, even of what is on already, takes the cgroup
 * lock and first waits for the cgroups removed lately to go (0.1-0.2 ms
 * after a container's delete), and on a host where they are on (systemd's,
 * k3s's, ours the second time) nothing is.  One write for all; refused
 * (when `dir` holds processes: v2's no-internal-process rule), one by
 * one, and a limit that needs one that failed will say so. */
static void cg_v2_enable_below(const char *dir)
{
    static const char *const ctrls[] = { "cpu", "cpuset", "io", "memory", "pids", "hugetlb", "rdma" };
    char *on = NULL, *avail = NULL, all[96] = "";
    size_t n = 0;
    cg_v2_list(dir, "cgroup.subtree_control", &on);
    for (size_t k = 0; k < ARRAY_LEN(ctrls); k++) {
        if (on && list_contains_all(ctrls[k], on)) continue;
        if (!avail && !cg_v2_list(dir, "cgroup.controllers", &avail)) break;
        if (list_contains_all(ctrls[k], avail)) n += (size_t)str_fmt(all + n, sizeof all - n, "%s+%s", n ? " " : "", ctrls[k]);
    }
    xfree(on), xfree(avail);
    if (n && cg_write(dir, "cgroup.subtree_control", all) < 0)
        for (char *w = all, *sp; w; w = sp ? sp + 1 : NULL) {
            if ((sp = str_chr(w, ' '))) *sp = 0;
            if (cg_write(dir, "cgroup.subtree_control", w) < 0) debugf("cannot enable %s below %s: %s", w, dir, err_msg);
        }
}

/* mkdir -p below the hierarchy's mount; cpuset v1 needs cpus and mems
 * copied down, v2 needs the controllers enabled on the way down.  1 when
 * the last directory is new, 0 when it was there, -1. */
static int cg_mkdir(const struct cg_hier *h, const char *dir)
{
    char path[PATH_MAX];
    int made = 0;
    int cpuset = !h->v2 && list_contains_all("cpuset", h->opts);
    /* any other v1 hierarchy needs nothing of the directories above: the
     * last one first, the walk only when one above is missing (a k3s
     * pod's /kubepods/burstable/pod<uid>/<ctr> is 1 mkdir, not 4) */
    if (!h->v2 && !cpuset) {
        if (mkdir(dir, 0755) == 0) return 1;
        if (errno == EEXIST) return 0;
        if (errno != ENOENT) return failerr("create cgroup %s", dir);
    }
    str_copy(path, sizeof path, dir);
    for (char *p = path + strlen(h->mnt) + 1; ; p++) {
        if (*p != '/' && *p) continue;
        char c = *p;
        *p = 0;
        char *parent = str_rchr(path, '/');
        if (h->v2 && parent) {
            *parent = 0;
            cg_v2_enable_below(path);
            *parent = '/';
        }
        int r = mkdir(path, 0755);
        if (r < 0 && errno != EEXIST) return failerr("create cgroup %s", path);
        made = r == 0;
        if (cpuset) {
            /* a new directory starts empty (or, with clone_children, with
             * its parent's values, which the copy writes again) */
            static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };
            for (size_t k = 0; k < 2 && parent; k++) {
                char file[PATH_MAX + 32], *cur, *up;
                str_path(file, sizeof file, path, files[k]);
                if (!made) {
                    if (read_file_at(AT_FDCWD, file, 4096, &cur, NULL) < 0) return -1;
                    int empty = cur[0] == '\n' || !cur[0];
                    xfree(cur);
                    if (!empty) continue;
                }
                *parent = 0;
                str_path(file, sizeof file, path, files[k]);
                int got = read_file_at(AT_FDCWD, file, 4096, &up, NULL);
                *parent = '/';
                if (got < 0) return -1;
                int r = cg_write(path, files[k], up);
                xfree(up);
                if (r < 0) return -1;
            }
        }
        *p = c;
        if (!c) break;
    }
    return made;
}

/* On v2, the ancestor of the container's cgroup that offers `ctrl` but did
 * not pass it down, into `out`; 0 if there is none. */
static int cg_v2_blocker(const struct cgroup *cg, const char *ctrl, char *out, size_t size)
{
    for (int i = 0; i < cg->n; i++) {
        if (!cg->l.h[i].v2 || !cg->dir[i][0]) continue;
        char path[PATH_MAX];
        str_copy(path, sizeof path, cg->dir[i]);
        size_t root = strlen(cg->l.h[i].mnt);
        /* from the top down: the first one that has it and keeps it */
        for (char *p = path + root; p; p = str_chr(p + 1, '/')) {
            char c = *p;
            *p = 0;
            int stuck = cg_file_lists(p == path + root ? cg->l.h[i].mnt : path, "cgroup.controllers", ctrl) &&
                        !cg_file_lists(p == path + root ? cg->l.h[i].mnt : path, "cgroup.subtree_control", ctrl);
            if (stuck) str_copy(out, size, p == path + root ? cg->l.h[i].mnt : path);
            *p = c;
            if (stuck) return 1;
        }
    }
    return 0;
}

static int cg_missing(const struct cgroup *cg, const char *ctrl, const char *field)
{
    char where[PATH_MAX], procs[PATH_MAX + 16], *text = NULL;
    if (cg_v2_blocker(cg, ctrl, where, sizeof where)) {
        str_fmt(procs, sizeof procs, "%s/cgroup.procs", where);
        int busy = read_file_at(AT_FDCWD, procs, 4096, &text, NULL) == 0 && text[0];
        xfree(text);
        return fail(".linux.resources.%s: the cgroup v2 controller \"%s\" cannot be enabled in %s/cgroup.subtree_control%s",
                    field, ctrl, where, busy ? ": that cgroup holds processes (v2's no-internal-processes rule); "
                                               "give an absolute linux.cgroupsPath outside it" : "");
    }
    return fail(".linux.resources.%s: the cgroup controller \"%s\" is not available on this host", field, ctrl);
}

/* The directory whose controllers include `ctrl`, for the limits of
 * linux.resources.`field`; NULL when there is none (cg_missing says why). */
static const char *cg_dir_for(const struct cgroup *cg, const char *ctrl, const char *field)
{
    const char *d = cg_dir_with(cg, ctrl);
    if (!d) cg_missing(cg, ctrl, field);
    return d;
}


/* One number from a cgroup file: the whole file, or the value after `key`
 * in a "key value" file.  -1 when absent. */
static int64_t cg_read_num(const char *cgroups, const char *file, const char *key)
{
    char path[PATH_MAX + 64], *text;
    int64_t v = -1;
    for (const char *p = cgroups; *p && v < 0;) {
        size_t n = str_span(p, "\n", 0);
        str_fmt(path, sizeof path, "%.*s/%s", (int)n, p, file);
        p += n + (p[n] == '\n');
        if (read_file_at(AT_FDCWD, path, 1 << 16, &text, NULL) < 0) continue;
        if (!key) {
            if (strncmp(text, "max", 3)) scan_i64(text, &v);
            else v = 0;
        } else {
            size_t kl = strlen(key);
            for (char *save, *l = str_tok(text, "\n", &save); l; l = str_tok(NULL, "\n", &save))
                if (!strncmp(l, key, kl) && l[kl] == ' ') scan_i64(l + kl + 1, &v);
        }
        xfree(text);
    }
    return v;
}

/* The OOM kills so far (v1 memory.oom_control, v2 memory.events). */
static long long oom_kills(const char *cg)
{
    long long v = cg_read_num(cg, "memory.oom_control", "oom_kill");
    return v >= 0 ? v : cg_read_num(cg, "memory.events", "oom_kill");
}

/* Put the linux.resources field a write was for in front of its error
 * (the field's name alone at each call is smaller) */
static int res_prefix(const char *field) { return err_prefix(".linux.resources.%s", field); }

/* v1 refuses a limit below the usage (EBUSY): said as runc says it */
static int v1_limit_refused(const char *d, int64_t limit)
{
    const char *field = ".linux.resources.memory.limit";
    if (errno != EBUSY) return err_prefix("%s", field);
    return fail("%s: unable to set memory limit to %lld (current usage: %lld, peak usage: %lld)", field, (long long)limit,
                (long long)cg_read_num(d, "memory.usage_in_bytes", NULL),
                (long long)cg_read_num(d, "memory.max_usage_in_bytes", NULL));
}

/* memsw refused: without swap accounting the file is not there (say so);
 * otherwise the kernel's own word (memory+swap below the limit: EINVAL) */
static int v1_swap_refused(const char *d)
{
    return res_prefix(cg_has_file(d, "memory.memsw.limit_in_bytes") ? "memory.swap" : "memory.swap (no swap accounting on this host)");
}

static int cg_apply_memory(const struct cgroup *cg, const struct oci_resources *r)
{
    if (r->mem_limit == UNSET && r->mem_reservation == UNSET && r->mem_swap == UNSET && r->mem_swappiness == UNSET &&
        !r->disable_oom_killer)
        return 0;
    const char *d = cg_dir_for(cg, "memory", "memory");
    if (!d) return -1;
    char path[PATH_MAX + 32];
    str_fmt(path, sizeof path, "%s/memory.max", d);
    int v2 = access(path, F_OK) == 0;
    if (!v2) {
        /* memsw may not be below the limit at any moment: raising both
         * (or lifting swap) writes swap first, as runc does; a limit of
         * -1 without swap lifts swap too, where there is swap accounting
         * (runc), or the limit could not be lifted above it */
        int64_t swap = r->mem_swap == UNSET && r->mem_limit == -1 && cg_has_file(d, "memory.memsw.limit_in_bytes") ? -1 : r->mem_swap;
        int64_t cur = cg_read_num(d, "memory.limit_in_bytes", NULL);
        int swap_first = r->mem_limit != UNSET && swap != UNSET && (swap == -1 || (cur >= 0 && cur < swap));
        if (swap_first && cg_write_int(d, "memory.memsw.limit_in_bytes", swap) < 0) return v1_swap_refused(d);
        if (r->mem_limit != UNSET && cg_write_int(d, "memory.limit_in_bytes", r->mem_limit) < 0) return v1_limit_refused(d, r->mem_limit);
        if (!swap_first && swap != UNSET && cg_write_int(d, "memory.memsw.limit_in_bytes", swap) < 0) return v1_swap_refused(d);
        if (r->mem_reservation != UNSET && cg_write_int(d, "memory.soft_limit_in_bytes", r->mem_reservation) < 0)
            return res_prefix("memory.reservation");
        if (r->mem_swappiness != UNSET && cg_write_int(d, "memory.swappiness", r->mem_swappiness) < 0)
            return res_prefix("memory.swappiness");
        if (r->disable_oom_killer && cg_write(d, "memory.oom_control", "1") < 0) return -1;
        return 0;
    }
    char v[32];
    if (r->mem_limit != UNSET) {
        if (r->mem_limit < 0) str_fmt(v, sizeof v, "max");
        else str_fmt(v, sizeof v, "%lld", (long long)r->mem_limit);
        if (cg_write(d, "memory.max", v) < 0) return res_prefix("memory.limit");
    }
    if (r->mem_reservation != UNSET &&   /* -1: max, as runc writes it */
        (r->mem_reservation < 0 ? cg_write(d, "memory.low", "max") : cg_write_int(d, "memory.low", r->mem_reservation)) < 0)
        return -1;
    /* v1's memory+swap as v2's swap alone, runc's conversion: -1 is max
     * (a limit of -1 without swap lifts swap too); swap needs a limit at
     * least as high */
    int64_t swap = r->mem_swap == UNSET && r->mem_limit == -1 ? -1 : r->mem_swap;
    if (swap != UNSET) {
        if (swap < 0) str_fmt(v, sizeof v, "max");
        else if (r->mem_limit == UNSET || r->mem_limit < 0)
            return fail(".linux.resources.memory.swap: unable to set swap limit without memory limit");
        else if (swap < r->mem_limit)
            return fail(".linux.resources.memory.swap: memory+swap limit should be >= memory limit");
        else str_fmt(v, sizeof v, "%lld", (long long)(swap - r->mem_limit));
        /* without swap accounting (cgroup.memory=noswap) there is no
         * such file: no swap, or all of it, is then what the kernel does
         * anyway (runc ignores those two) */
        int moot = (swap < 0 || swap == r->mem_limit) && !cg_has_file(d, "memory.swap.max");
        if (!moot && cg_write(d, "memory.swap.max", v) < 0) return res_prefix("memory.swap");
    }
    if (r->disable_oom_killer) return fail(".linux.resources.memory.disableOOMKiller: cgroup v2 has no such switch");
    return 0;
}

/* runc's conversion of cpu shares [2, 262144] to a v2 weight [1, 10000]. */
static uint32_t shares_to_weight(int64_t shares) { return 1 + (uint32_t)((shares < 2 ? 2 : shares) - 2) * 9999u / 262142u; }

static int cg_apply_cpu(const struct cgroup *cg, const struct oci_resources *r)
{
    if ((r->cpus && r->cpus[0]) || (r->mems && r->mems[0])) {   /* "" is unset to runc */
        const char *d = cg_dir_for(cg, "cpuset", "cpu.cpus");
        if (!d) return -1;
        if (r->cpus && r->cpus[0] && cg_write(d, "cpuset.cpus", r->cpus) < 0) return res_prefix("cpu.cpus");
        if (r->mems && r->mems[0] && cg_write(d, "cpuset.mems", r->mems) < 0) return res_prefix("cpu.mems");
    }
    if (r->cpu_shares == UNSET && r->cpu_quota == UNSET && r->cpu_period == UNSET) return 0;
    const char *d = cg_dir_for(cg, "cpu", "cpu");
    if (!d) return -1;
    char path[PATH_MAX + 32];
    str_fmt(path, sizeof path, "%s/cpu.weight", d);
    if (access(path, F_OK) < 0) { /* v1 */
        if (r->cpu_shares != UNSET && r->cpu_shares && cg_write_int(d, "cpu.shares", r->cpu_shares) < 0)
            return res_prefix("cpu.shares");
        /* the kernel clamps to [2, 262144]: what it kept says which (runc) */
        int64_t kept = r->cpu_shares != UNSET && r->cpu_shares ? cg_read_num(d, "cpu.shares", NULL) : r->cpu_shares;
        if (kept < 0 && kept != r->cpu_shares) return fail(".linux.resources.cpu.shares: cannot read back %s/cpu.shares", d);
        if (kept != r->cpu_shares)
            return fail(".linux.resources.cpu.shares: the %s allowed cpu-shares is %lld", kept < r->cpu_shares ? "maximum" : "minimum",
                        (long long)kept);
        /* a period the current quota does not fit (under a parent's
         * quota) is EINVAL until the quota changes: then quota first and
         * the period again, as runc */
        int retry = r->cpu_period != UNSET && cg_write_int(d, "cpu.cfs_period_us", r->cpu_period) < 0;
        if (retry && (errno != EINVAL || r->cpu_quota == UNSET)) return res_prefix("cpu.period");
        if (r->cpu_quota != UNSET && cg_write_int(d, "cpu.cfs_quota_us", r->cpu_quota) < 0)
            return res_prefix("cpu.quota");
        if (retry && cg_write_int(d, "cpu.cfs_period_us", r->cpu_period) < 0) return res_prefix("cpu.period");
        return 0;
    }
    if (r->cpu_shares > 262144)
        return fail(".linux.resources.cpu.shares: %lld is more than 262144, the most cgroup v2 (cpu.weight) can take",
                    (long long)r->cpu_shares);
    if (r->cpu_shares != UNSET && r->cpu_shares &&
        cg_write_int(d, "cpu.weight", (int64_t)shares_to_weight(r->cpu_shares)) < 0)
        return -1;
    if (r->cpu_quota != UNSET || r->cpu_period != UNSET) {
        /* quota and period share cpu.max: what `update` leaves out stays */
        char v[64], cur_quota[32] = "max", *text;
        int64_t period = 100000;
        str_fmt(path, sizeof path, "%s/cpu.max", d);
        if (read_file_at(AT_FDCWD, path, 64, &text, NULL) == 0) {
            /* "QUOTA PERIOD" */
            size_t q = str_span(text, " \n", 0);
            if (q && q < sizeof cur_quota) str_fmt(cur_quota, sizeof cur_quota, "%.*s", (int)q, text);
            if (text[q] == ' ') scan_i64(text + q + 1, &period);
            xfree(text);
        }
        if (r->cpu_period != UNSET && r->cpu_period) period = r->cpu_period;
        if (r->cpu_quota == UNSET) str_fmt(v, sizeof v, "%s %lld", cur_quota, (long long)period);
        else if (r->cpu_quota <= 0) str_fmt(v, sizeof v, "max %lld", (long long)period);
        else str_fmt(v, sizeof v, "%lld %lld", (long long)r->cpu_quota, (long long)period);
        if (cg_write(d, "cpu.max", v) < 0) return res_prefix("cpu.quota/period");
    }
    return 0;
}

static int cg_apply_pids(const struct cgroup *cg, const struct oci_resources *r)
{
    if (r->pids_limit == UNSET) return 0;
    const char *d = cg_dir_for(cg, "pids", "pids");
    if (!d) return -1;
    if ((r->pids_limit <= 0 ? cg_write(d, "pids.max", "max") : cg_write_int(d, "pids.max", r->pids_limit)) < 0)
        return res_prefix("pids.limit");
    return 0;
}

static void devrule_text(char *out, size_t size, char type, int64_t major, int64_t minor, const char *access)
{
    char ma[24], mi[24];
    if (major < 0 || major == UNSET) str_fmt(ma, sizeof ma, "*"); else str_fmt(ma, sizeof ma, "%lld", (long long)major);
    if (minor < 0 || minor == UNSET) str_fmt(mi, sizeof mi, "*"); else str_fmt(mi, sizeof mi, "%lld", (long long)minor);
    str_fmt(out, size, "%c %s:%s %s", type, ma, mi, access);
}

/* --- blockIO, hugepageLimits, network, rdma, cpu extras --- */

static uint64_t jv_u64(const struct jv *o, const char *key)
{
    const struct jv *x = member(o, key);
    return !x ? 0 : x->numkind == JN_UINT ? x->u : (uint64_t)x->i;
}

static int cg_writef(const char *dir, const char *file, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int cg_writef(const char *dir, const char *file, const char *field, const char *fmt, ...)
{
    char v[256];
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(v, sizeof v, fmt, ap);
    va_end(ap);
    return cg_write(dir, file, v) < 0 ? res_prefix(field) : 0;
}

/* Whether a blockIO object asks for anything: a zero weight is unset to
 * runc (Docker sends "weight": 0 for every container), as is a device
 * entry whose weights are both zero; throttles count whatever their rate
 * (0 lifts a limit). */
static int blockio_requested(const struct jv *b)
{
    const struct jv *x;
    if (!b || !b->count) return 0;
    if (jv_u64(b, "weight") || jv_u64(b, "leafWeight")) return 1;
    for (const struct jv *c = (x = member(b, "weightDevice")) ? x->child : NULL; c; c = c->next)
        if (jv_u64(c, "weight") || jv_u64(c, "leafWeight")) return 1;
    static const char *const th[] = { "throttleReadBpsDevice", "throttleWriteBpsDevice", "throttleReadIOPSDevice",
                                      "throttleWriteIOPSDevice" };
    for (size_t k = 0; k < ARRAY_LEN(th); k++)
        if ((x = member(b, th[k])) && x->count) return 1;
    return 0;
}

/* blockIO: v1 blkio (weights on CFQ or BFQ), v2 io.weight/io.max, with
 * runc's weight conversion [10, 1000] -> [1, 10000]. */
static int cg_apply_blockio(const struct cgroup *cg, const struct oci_resources *r)
{
    const struct jv *b = r->blockio, *x;
    if (!blockio_requested(b)) return 0;
    const char *d = cg_dir_with(cg, "blkio");
    int v2 = !d;
    if (v2 && !(d = cg_dir_for(cg, "io", "blockIO"))) return -1;
    const char *wfile = v2 ? (cg_has_file(d, "io.bfq.weight") ? "io.bfq.weight" : "io.weight")
                           : (cg_has_file(d, "blkio.weight") ? "blkio.weight" : "blkio.bfq.weight");
    int bfq = str_find(wfile, "bfq") != NULL;
#define V2W(w) (bfq ? (w) : 1 + ((uint32_t)(w) < 10 ? 0 : ((uint32_t)(w) - 10) * 9999 / 990))   /* [10, 1000] to [1, 10000]; v1's kernel refuses 1-9 */
    int dev_weights = 0;
    for (const struct jv *c = (x = member(b, "weightDevice")) ? x->child : NULL; c; c = c->next)
        dev_weights |= jv_u64(c, "weight") != 0;
    if (jv_u64(b, "weight") || dev_weights) {
        if (!cg_has_file(d, wfile)) return fail(".linux.resources.blockIO.weight: the I/O scheduler here has no weights (%s)", wfile);
        if (jv_u64(b, "weight") && cg_writef(d, wfile, "blockIO.weight", v2 ? "default %llu" : "%llu",
                                             (unsigned long long)(v2 ? V2W(jv_u64(b, "weight")) : jv_u64(b, "weight"))) < 0)
            return -1;
        for (const struct jv *c = (x = member(b, "weightDevice")) ? x->child : NULL; c; c = c->next)
            if (jv_u64(c, "weight") &&
                cg_writef(d, v2 ? wfile : bfq ? "blkio.bfq.weight_device" : "blkio.weight_device", "blockIO.weightDevice",
                          "%llu:%llu %llu", (unsigned long long)jv_u64(c, "major"), (unsigned long long)jv_u64(c, "minor"),
                          (unsigned long long)(v2 ? V2W(jv_u64(c, "weight")) : jv_u64(c, "weight"))) < 0)
                return -1;
    }
#undef V2W
    if (jv_u64(b, "leafWeight")) {
        if (v2 || !cg_has_file(d, "blkio.leaf_weight")) return fail(".linux.resources.blockIO.leafWeight: no leaf weights here");
        if (cg_writef(d, "blkio.leaf_weight", "blockIO.leafWeight", "%llu", (unsigned long long)jv_u64(b, "leafWeight")) < 0) return -1;
    }
    static const struct { const char *key, *v1file, *v2key; } th[] = {
        { "throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps" },
        { "throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps" },
        { "throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops" },
        { "throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops" },
    };
    for (size_t k = 0; k < ARRAY_LEN(th); k++)
        for (const struct jv *c = (x = member(b, th[k].key)) ? x->child : NULL; c; c = c->next) {
            char field[64];
            str_fmt(field, sizeof field, "blockIO.%s", th[k].key);
            if ((v2 ? cg_writef(d, "io.max", field, "%llu:%llu %s=%llu", (unsigned long long)jv_u64(c, "major"),
                                (unsigned long long)jv_u64(c, "minor"), th[k].v2key, (unsigned long long)jv_u64(c, "rate"))
                    : cg_writef(d, th[k].v1file, field, "%llu:%llu %llu", (unsigned long long)jv_u64(c, "major"),
                                (unsigned long long)jv_u64(c, "minor"), (unsigned long long)jv_u64(c, "rate"))) < 0)
                return -1;
        }
    return 0;
}

static int cg_apply_hugepages(const struct cgroup *cg, const struct oci_resources *r)
{
    if (!r->hugepages || !r->hugepages->count) return 0;
    const char *d = cg_dir_for(cg, "hugetlb", "hugepageLimits");
    if (!d) return -1;
    /* the limit on faults, and the one on reservations where the kernel
     * has it (5.7): the spec's "reservation limits if supported", as
     * runc 1.2 writes both */
    for (const struct jv *c = r->hugepages->child; c; c = c->next) {
        char v1[64], v2[64];
        const char *size = member(c, "pageSize")->s;
        str_fmt(v1, sizeof v1, "hugetlb.%s.limit_in_bytes", size);
        str_fmt(v2, sizeof v2, "hugetlb.%s.max", size);
        int is_v2 = cg_has_file(d, v2);
        if (!is_v2 && !cg_has_file(d, v1)) return fail(".linux.resources.hugepageLimits: no huge page size %s on this host", size);
        for (int rsvd = 0; rsvd < 2; rsvd++) {
            char file[80];
            str_fmt(file, sizeof file, is_v2 ? "hugetlb.%s%s.max" : "hugetlb.%s%s.limit_in_bytes", size, rsvd ? ".rsvd" : "");
            if ((!rsvd || cg_has_file(d, file)) &&
                cg_writef(d, file, "hugepageLimits", "%llu", (unsigned long long)jv_u64(c, "limit")) < 0)
                return -1;
        }
    }
    return 0;
}

/* network: v1 only (net_cls, net_prio); v2 has no such controllers. */
static int cg_apply_network(const struct cgroup *cg, const struct oci_resources *r)
{
    const struct jv *n = r->network, *p;
    if (!n || !n->count) return 0;
    if (jv_u64(n, "classID")) { /* 0 is unset to runc */
        const char *d = cg_dir_for(cg, "net_cls", "network.classID");
        if (!d) return -1;
        if (cg_writef(d, "net_cls.classid", "network.classID", "%llu", (unsigned long long)jv_u64(n, "classID")) < 0) return -1;
    }
    if ((p = member(n, "priorities")) && p->count) {
        const char *d = cg_dir_for(cg, "net_prio", "network.priorities");
        if (!d) return -1;
        for (const struct jv *c = p->child; c; c = c->next)
            if (cg_writef(d, "net_prio.ifpriomap", "network.priorities", "%s %llu", member(c, "name")->s,
                          (unsigned long long)jv_u64(c, "priority")) < 0)
                return -1;
    }
    return 0;
}

static int cg_apply_rdma(const struct cgroup *cg, const struct oci_resources *r)
{
    if (!r->rdma || !r->rdma->count) return 0;
    const char *d = cg_dir_for(cg, "rdma", "rdma");
    if (!d) return -1;
    for (const struct jv *c = r->rdma->child; c; c = c->next) {
        char v[256];
        int n = str_copy(v, sizeof v, c->key);
        if (n >= 200) return fail(".linux.resources.rdma: device name \"%.20s...\" too long", c->key);
        if (member(c, "hcaHandles")) n += str_fmt(v + n, sizeof v - (size_t)n, " hca_handle=%llu", (unsigned long long)jv_u64(c, "hcaHandles"));
        if (member(c, "hcaObjects")) str_fmt(v + n, sizeof v - (size_t)n, " hca_object=%llu", (unsigned long long)jv_u64(c, "hcaObjects"));
        if (cg_writef(d, "rdma.max", "rdma", "%s", v) < 0) return -1;
    }
    return 0;
}

/* cpu burst (v1 cfs_burst_us, v2 cpu.max.burst), realtime (v1 only), idle */
static int cg_apply_cpu_extra(const struct cgroup *cg, const struct oci_resources *r)
{
    if (r->cpu_burst == UNSET && r->cpu_rt_runtime == UNSET && r->cpu_rt_period == UNSET && r->cpu_idle == UNSET) return 0;
    const char *d = cg_dir_for(cg, "cpu", "cpu");
    if (!d) return -1;
    int v2 = cg_has_file(d, "cpu.weight");
    if (r->cpu_burst != UNSET) {
        const char *f = v2 ? "cpu.max.burst" : "cpu.cfs_burst_us";
        if (!cg_has_file(d, f)) return fail(".linux.resources.cpu.burst: this kernel has no %s (Linux 5.14)", f);
        if (cg_writef(d, f, "cpu.burst", "%lld", (long long)r->cpu_burst) < 0) return -1;
    }
    if (r->cpu_rt_period != UNSET || r->cpu_rt_runtime != UNSET) {
        if (v2 || !cg_has_file(d, "cpu.rt_runtime_us"))
            return fail(".linux.resources.cpu.realtimeRuntime: needs cgroup v1 and CONFIG_RT_GROUP_SCHED");
        if (r->cpu_rt_period != UNSET && cg_writef(d, "cpu.rt_period_us", "cpu.realtimePeriod", "%lld", (long long)r->cpu_rt_period) < 0)
            return -1;
        if (r->cpu_rt_runtime != UNSET && cg_writef(d, "cpu.rt_runtime_us", "cpu.realtimeRuntime", "%lld", (long long)r->cpu_rt_runtime) < 0)
            return -1;
    }
    if (r->cpu_idle != UNSET) {
        if (!cg_has_file(d, "cpu.idle")) return fail(".linux.resources.cpu.idle: this kernel has no cpu.idle (Linux 5.15)");
        if (cg_writef(d, "cpu.idle", "cpu.idle", "%lld", (long long)r->cpu_idle) < 0) return -1;
    }
    return 0;
}

/* linux.resources.unified: raw cgroup v2 files, written as given to the
 * container's v2 cgroup; a v1 host has nowhere to write them. */
static int cg_apply_unified(const struct cgroup *cg, const struct oci_resources *r)
{
    if (!r->unified || !r->unified->count) return 0;
    const char *d = NULL;
    for (int i = 0; i < cg->n && !d; i++)
        if (cg->l.h[i].v2 && cg->dir[i][0]) d = cg->dir[i];
    for (const struct jv *c = r->unified->child; c; c = c->next) {
        char ctrl[64], path[PATH_MAX + 64];
        str_fmt(ctrl, sizeof ctrl, "%.*s", (int)str_span(c->key, ".", 0), c->key);
        if (!d) return fail(".linux.resources.unified.%s: needs a cgroup v2 hierarchy, this host has none", c->key);
        if (strcmp(ctrl, "cgroup") && cg_dir_with(cg, ctrl) != d)
            return fail(".linux.resources.unified.%s: the %s controller is not on cgroup v2 here", c->key, ctrl);
        str_path(path, sizeof path, d, c->key);
        if (access(path, F_OK) < 0) return fail(".linux.resources.unified.%s: no such file in the container's cgroup", c->key);
        if (cg_write(d, c->key, c->s) < 0) return err_prefix(".linux.resources.unified.%s", c->key);
    }
    return 0;
}

/* The device rules a container gets, as runc's: the config's, in order,
 * after an implicit "deny all", then the default devices, ptmx, the ptys,
 * /dev/net/tun and mknod of anything (opening a node is what the rules
 * govern).  The nodes of linux.devices get no rule of their own:
 * linux.resources.devices says whether they may be opened. */
static size_t device_rules(const struct oci_spec *s, struct oci_devrule **out)
{
    size_t n = s->res.ndevs, k = 0;
    struct oci_devrule *v = xcalloc(n + ARRAY_LEN(default_devices) + 5, sizeof *v);
    if (n) memcpy(v, s->res.devs, n * sizeof *v);
    k = n;
    for (size_t i = 0; i < ARRAY_LEN(default_devices); i++)
        v[k++] = (struct oci_devrule){ 1, 'c', default_devices[i].major, default_devices[i].minor, "rwm" };
    v[k++] = (struct oci_devrule){ 1, 'c', 5, 2, "rwm" };
    v[k++] = (struct oci_devrule){ 1, 'c', 136, UNSET, "rwm" };
    v[k++] = (struct oci_devrule){ 1, 'c', 10, 200, "rwm" };
    v[k++] = (struct oci_devrule){ 1, 'c', UNSET, UNSET, "m" };
    v[k++] = (struct oci_devrule){ 1, 'b', UNSET, UNSET, "m" };
    *out = v;
    return k;
}

/* --- v1: the rules changed without a moment of "deny all" --- */

/* What the v1 controller keeps (security/device_cgroup.c): a default,
 * allow or deny everything, and exceptions to it, each a (type, major,
 * minor) with access bits (r 1, w 2, m 4; -1 for a wildcard number). */
struct devex { char type; int32_t major, minor; unsigned acc; };   /* (numbers fit: see parse_device_rules) */
struct devstate { int allow_all; size_t n; struct devex *ex; };

static struct devex devex_of(char type, int64_t major, int64_t minor, const char *access)
{
    struct devex e = { type, major < 0 || major == UNSET ? -1 : (int32_t)major, minor < 0 || minor == UNSET ? -1 : (int32_t)minor, 0 };
    for (; *access; access++) e.acc |= *access == 'r' ? 1u : *access == 'w' ? 2u : *access == 'm' ? 4u : 0u;
    return e;
}

static struct devex *devex_find(const struct devstate *st, const struct devex *e)
{
    for (size_t i = 0; i < st->n; i++)
        if (st->ex[i].type == e->type && st->ex[i].major == e->major && st->ex[i].minor == e->minor) return &st->ex[i];
    return NULL;
}

/* One rule written, as the kernel takes it: "a" sets the default and
 * drops every exception; a rule the default already says takes access
 * back from its exception, any other adds to (or makes) one. */
static void devstate_apply(struct devstate *st, int allow, const struct devex *e)
{
    struct devex *x = e->type == 'a' ? NULL : devex_find(st, e);
    if (e->type == 'a') st->allow_all = allow, st->n = 0;
    else if (allow == st->allow_all) { if (x && !(x->acc &= ~e->acc)) *x = st->ex[--st->n]; }
    else if (x) x->acc |= e->acc;
    else st->ex[st->n++] = *e;
}

/* devices.list: "a *:* rwm" alone when everything is allowed (the
 * exceptions, denials then, are not shown: -1), else the allowed ones. */
static int devstate_read(const char *d, struct devstate *st, size_t cap)
{
    char path[PATH_MAX + 16], *text, *save;
    str_fmt(path, sizeof path, "%s/devices.list", d);
    st->n = 0, st->allow_all = 0;
    if (read_file_at(AT_FDCWD, path, 1 << 20, &text, NULL) < 0) return -1;
    int r = 0;
    for (char *l = str_tok(text, "\n", &save); l && r == 0; l = str_tok(NULL, "\n", &save)) {
        char *sp = str_chr(l, ' '), *colon = sp ? str_chr(sp, ':') : NULL, *acc = colon ? str_chr(colon, ' ') : NULL;
        if (l[0] == 'a' || !acc || st->n == cap) { r = -1; break; }
        uint64_t num[2] = { UINT64_MAX, UINT64_MAX };   /* ("*": -1) */
        if (sp[1] != '*') scan_u64(sp + 1, 10, &num[0]);
        if (colon[1] != '*') scan_u64(colon + 1, 10, &num[1]);
        st->ex[st->n++] = devex_of(l[0], (int64_t)num[0], (int64_t)num[1], acc + 1);
    }
    xfree(text);
    return r;
}

/* Writes `e` (its access bits `acc`) to fd: devices.allow or .deny. */
static int devex_write(int fd, const char *file, const struct devex *e, unsigned acc)
{
    char rule[96], a[4] = { 0 }, *p = a;
    if (acc & 1) *p++ = 'r';
    if (acc & 2) *p++ = 'w';
    if (acc & 4) *p++ = 'm';
    devrule_text(rule, sizeof rule, e->type, e->major, e->minor, a);
    return write_all(fd, rule, strlen(rule)) < 0 ? (failerr("write %s", file), err_prefix("device rule \"%s\"", rule)) : 0;
}

/* From the allowed list the cgroup has to the one wanted (both deny by
 * default): what is newly allowed first, then what is no longer.  A
 * device both allow stays usable throughout, where "deny all" and the
 * list again would fail every open of /dev/null in the container for a
 * moment (containerd's CRI sends the devices with each update).  With no
 * fds, counts the writes it would make (0: the two are the same). */
static int devstate_move(const struct devstate *cur, const struct devstate *want, const int *fd, char path[2][PATH_MAX + 16])
{
    int r = 0;
    for (int k = 1; k >= 0; k--) {   /* allow, then deny */
        const struct devstate *a = k ? want : cur, *b = k ? cur : want;
        for (size_t i = 0; i < a->n && r >= 0; i++) {
            const struct devex *x = devex_find(b, &a->ex[i]);
            unsigned bits = a->ex[i].acc & ~(x ? x->acc : 0);
            if (bits) r = fd ? devex_write(fd[k], path[k], &a->ex[i], bits) : r + 1;
        }
    }
    return r;
}

/* The rules.  A `live` cgroup's (an update's: processes run in it),
 * where it denies by default already and the rules do too, by the
 * difference (checked in devices.list after), and where the rules allow
 * everything, by "a" allowed and their exceptions; otherwise (a create,
 * where nothing runs yet), or if the check fails, as runc writes them:
 * "a" denied, then each rule in order.  Each write to devices.allow or
 * devices.deny is one rule. */
static int cg_v1_devices(const char *d, const struct oci_devrule *v, size_t n, int live)
{
    char path[2][PATH_MAX + 16];
    int fd[2] = { -1, -1 }, r = 0;   /* deny, allow */
    size_t cap = n + 256;
    struct devex *ex = xcalloc(2 * cap + n, sizeof *ex), *rule = ex + 2 * cap, all = { 'a', -1, -1, 7 };
    struct devstate want = { 0, 0, ex }, cur = { 0, 0, ex + cap };
    for (size_t i = 0; i < n; i++) {
        rule[i] = devex_of(v[i].type, v[i].major, v[i].minor, v[i].access);
        devstate_apply(&want, v[i].allow, &rule[i]);
    }
    for (int k = 0; k < 2 && r == 0; k++) {
        str_fmt(path[k], sizeof path[k], "%s/devices.%s", d, k ? "allow" : "deny");
        if ((fd[k] = sys_open(path[k], O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0)) < 0) r = failerr("open %s", path[k]);
    }
    int moved = r == 0 && live && !want.allow_all && devstate_read(d, &cur, cap) == 0 && devstate_move(&cur, &want, fd, path) == 0 &&
                devstate_read(d, &cur, cap) == 0 && devstate_move(&cur, &want, NULL, NULL) == 0;
    if (r == 0 && live && want.allow_all) {   /* everything allowed at once, then the exceptions */
        r = devex_write(fd[1], path[1], &all, 7);
        for (size_t i = 0; i < want.n && r == 0; i++) r = devex_write(fd[0], path[0], &want.ex[i], want.ex[i].acc);
    } else if (r == 0 && !moved) {
        debugf("%s: device rules written whole", d);
        r = devex_write(fd[0], path[0], &all, 7);
        for (size_t i = 0; i < n && r == 0; i++) r = devex_write(fd[!!v[i].allow], path[!!v[i].allow], &rule[i], rule[i].acc);
    }
    for (int k = 0; k < 2; k++) close_if(fd[k]);
    xfree(ex);
    return r;
}

/* eBPF instructions; the register nibbles are a bitfield whose order
 * follows the byte order */
static struct oci_bpf_insn bpf_insn(uint8_t code, int dst, int src, int16_t off, int32_t imm)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    uint8_t regs = (uint8_t)(dst << 4 | src);
#else
    uint8_t regs = (uint8_t)(src << 4 | dst);
#endif
    return (struct oci_bpf_insn){ code, regs, off, imm };
}
#define LDX_W(d, s, off) bpf_insn(0x61, d, s, off, 0)
#define MOV32_REG(d, s) bpf_insn(0xbc, d, s, 0, 0)
#define AND32_IMM(d, k) bpf_insn(0x54, d, 0, 0, k)
#define RSH32_IMM(d, k) bpf_insn(0x74, d, 0, 0, k)
#define JNE_IMM(d, k, off) bpf_insn(0x55, d, 0, off, k)
#define MOV64_IMM(d, k) bpf_insn(0xb7, d, 0, 0, k)
#define EXIT_INSN() bpf_insn(0x95, 0, 0, 0, 0)

/* A BPF_PROG_TYPE_CGROUP_DEVICE program for the rules: the last rule that
 * matches decides (as on v1), nothing matching denies.  The context is
 * { u32 access_type (type | access << 16); u32 major; u32 minor; }. */
static size_t device_program(const struct oci_devrule *v, size_t n, struct oci_bpf_insn *p)
{
    size_t k = 0;
    p[k++] = LDX_W(2, 1, 0);
    p[k++] = MOV32_REG(3, 2);
    p[k++] = AND32_IMM(3, 0xffff);   /* r3: 1 block, 2 char */
    p[k++] = RSH32_IMM(2, 16);       /* r2: 1 mknod, 2 read, 4 write */
    p[k++] = LDX_W(4, 1, 4);
    p[k++] = LDX_W(5, 1, 8);
    for (size_t i = n; i-- > 0;) {
        const struct oci_devrule *r = &v[i];
        int acc = (str_chr(r->access, 'm') ? 1 : 0) | (str_chr(r->access, 'r') ? 2 : 0) | (str_chr(r->access, 'w') ? 4 : 0);
        int checks = (r->type != 'a') + (acc != 7) * 3 + (r->major >= 0) + (r->minor >= 0);
        int16_t left = (int16_t)(checks + 2); /* instructions of this block after the current one */
        if (r->type != 'a') p[k++] = JNE_IMM(3, r->type == 'b' ? 1 : 2, --left);
        if (acc != 7) {
            p[k++] = MOV32_REG(1, 2), left--;
            p[k++] = AND32_IMM(1, ~acc & 7), left--;
            p[k++] = JNE_IMM(1, 0, --left);
        }
        if (r->major >= 0) p[k++] = JNE_IMM(4, (int32_t)r->major, --left);
        if (r->minor >= 0) p[k++] = JNE_IMM(5, (int32_t)r->minor, --left);
        p[k++] = MOV64_IMM(0, r->allow ? 1 : 0);
        p[k++] = EXIT_INSN();
        if (!checks) return k; /* matches everything: the verifier refuses code after it */
    }
    p[k++] = MOV64_IMM(0, 0);
    p[k++] = EXIT_INSN();
    return k;
}

#ifdef SYS_bpf
static int bpf_call(int cmd, union bpf_attr_buf *a) { return (int)syscall(SYS_bpf, cmd, a, sizeof *a); }

/* Up to `max` ids of the device programs attached to the cgroup `dfd`. */
static int bpf_attached_ids(int dfd, uint32_t *ids, uint32_t max)
{
    union bpf_attr_buf a = { { 0 } };
    a.u32[0] = (uint32_t)dfd, a.u32[1] = OCI_BPF_CGROUP_DEVICE;
    a.u64[2] = (uint64_t)(uintptr_t)ids;
    a.u32[6] = max;
    if (bpf_call(OCI_BPF_PROG_QUERY, &a) < 0) return failerr("list the device programs of the cgroup (bpf PROG_QUERY)");
    return (int)a.u32[6];
}

/* Attaches `pfd` to the cgroup `dfd`, replacing what ocirun attached there
 * before.  BPF_F_REPLACE (Linux 5.6) swaps in one step; older kernels get
 * the new program first and lose the old ones after, so for a moment both
 * filter and a device passes only if both allow it: never more open. */
static int bpf_attach_device_prog(int dfd, int pfd, const char *dir)
{
    uint32_t ids[16];
    int n = bpf_attached_ids(dfd, ids, ARRAY_LEN(ids)), oldfd[16], r = 0;
    if (n < 0) return -1;
    if (n > (int)ARRAY_LEN(ids)) return fail("%s has %d device programs; expected at most %zu", dir, n, ARRAY_LEN(ids));
    for (int i = 0; i < n; i++) {
        union bpf_attr_buf a = { { 0 } };
        a.u32[0] = ids[i];
        if ((oldfd[i] = bpf_call(OCI_BPF_PROG_GET_FD_BY_ID, &a)) < 0) {
            r = failerr("open device program %u of %s (bpf PROG_GET_FD_BY_ID)", ids[i], dir);
            while (i-- > 0) close(oldfd[i]);
            return r;
        }
    }
    union bpf_attr_buf a = { { 0 } };
    a.u32[0] = (uint32_t)dfd, a.u32[1] = (uint32_t)pfd, a.u32[2] = OCI_BPF_CGROUP_DEVICE;
    a.u32[3] = OCI_BPF_F_ALLOW_MULTI | (n == 1 ? OCI_BPF_F_REPLACE : 0), a.u32[4] = n == 1 ? (uint32_t)oldfd[0] : 0;
    /* test aid: OCIRUN_TEST_BPF=noreplace takes the pre-5.6 path */
    const char *t = env_get(environ, "OCIRUN_TEST_BPF");
    int replaced = n == 1 && !(t && !strcmp(t, "noreplace")) && bpf_call(OCI_BPF_PROG_ATTACH, &a) == 0;
    if (replaced) debugf("device program of %s: replaced in one step (BPF_F_REPLACE)", dir);
    a.u32[3] = OCI_BPF_F_ALLOW_MULTI, a.u32[4] = 0;
    if (!replaced && bpf_call(OCI_BPF_PROG_ATTACH, &a) < 0) r = failerr("attach the device program to %s", dir);
    if (!replaced && n && r == 0) debugf("device program of %s: new one attached, %d old detached after", dir, n);
    for (int i = 0; i < n; i++) {
        if (r == 0 && !replaced) {
            union bpf_attr_buf d = { { 0 } };
            d.u32[0] = (uint32_t)dfd, d.u32[1] = (uint32_t)oldfd[i], d.u32[2] = OCI_BPF_CGROUP_DEVICE;
            if (bpf_call(OCI_BPF_PROG_DETACH, &d) < 0) r = failerr("detach the old device program from %s", dir);
        }
        close(oldfd[i]);
    }
    return r;
}
#endif

/* Loads the program and attaches it to the v2 cgroup `dir`, in place of
 * any device program there (an update). */
static int cg_v2_devices(const char *dir, const struct oci_devrule *v, size_t n)
{
#ifdef SYS_bpf
    struct oci_bpf_insn *prog = xcalloc(n * 9 + 10, sizeof *prog);
    size_t len = device_program(v, n, prog);
    static const char license[] = "MIT";
    union bpf_attr_buf a = { { 0 } };
    a.u32[0] = OCI_BPF_PROG_TYPE_CGROUP_DEVICE;
    a.u32[1] = (uint32_t)len;
    a.u64[1] = (uint64_t)(uintptr_t)prog;
    a.u64[2] = (uint64_t)(uintptr_t)license;
    int pfd = bpf_call(OCI_BPF_PROG_LOAD, &a);
    xfree(prog);
    if (pfd < 0) return failerr("load the device cgroup program (bpf, Linux 4.15)");
    int dfd = sys_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), r;
    if (dfd < 0) r = failerr("open %s", dir);
    else r = bpf_attach_device_prog(dfd, pfd, dir), close(dfd);
    close(pfd);
    return r;
#else
    (void)dir, (void)v, (void)n;
    return fail("bpf(2) is unknown to the headers this was built with");
#endif
}

/* Device rules: the v1 devices controller, or on v2 a BPF program; with
 * neither (no cgroups, or a kernel before 4.15) a rule that denies cannot
 * be enforced, which is refused if the container could mknod. */
static int cg_apply_devices(const struct cgroup *cg, const struct oci_spec *s, int live)
{
    struct oci_devrule *rules;
    size_t n = device_rules(s, &rules);
    const char *d = cg_dir_with(cg, "devices");
    char why[512] = "no cgroup v2 hierarchy";
    int r = -1;
    if (d && (r = cg_v1_devices(d, rules, n, live)) < 0 && errno == EPERM) str_copy(why, sizeof why, err_msg);
    for (int i = 0; !d && i < cg->n && r < 0; i++)
        if (cg->l.h[i].v2 && cg->dir[i][0] && (r = cg_v2_devices(cg->dir[i], rules, n)) < 0) str_copy(why, sizeof why, err_msg);
    /* Nothing enforces them (no controller, or one that wants the host's
     * CAP_SYS_ADMIN: the runtime is root of a user namespace, an
     * unprivileged LXC container's, where runc ignores the refusal too):
     * enough where the container can make no device node, in a user
     * namespace (its own or ours) or without CAP_MKNOD, and has only the
     * nodes in its /dev. */
    if (r < 0 && (!d || errno == EPERM)) {
        int restricts = 0;
        for (size_t i = 0; i < s->res.ndevs; i++) restricts |= !s->res.devs[i].allow || s->res.devs[i].type != 'a';
        if (restricts && (s->proc.caps[CAPSET_BOUNDING] & (1ULL << 27 /* CAP_MKNOD */)) &&
            !((s->clone_flags | s->join_flags) & CLONE_NEWUSER) && !in_user_namespace())
            r = fail(".linux.resources.devices: nothing enforces device rules here (%s%s), "
                     "and CAP_MKNOD would let the container create any device", d ? "" : "no v1 devices controller; ", why);
        else
            r = 0, debugf("device rules are enforced by the nodes in /dev alone (%s)", why);
    }
    xfree(rules);
    return r;
}

struct pidlist { int *v; int n, cap; };

static void pidlist_add(struct pidlist *l, int pid)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16, *nv = xcalloc((size_t)cap, sizeof *nv);
        if (l->n) memcpy(nv, l->v, (size_t)l->n * sizeof *nv);
        xfree(l->v);
        l->v = nv, l->cap = cap;
    }
    l->v[l->n++] = pid;
}

/* The members of the container's cgroup: every process, in any pid
 * namespace.  -1 when the container has no cgroup to ask. */
static int cg_tree_pids(const char *dir, int skip, struct pidlist *l, int depth)
{
    char path[PATH_MAX + 16], *text;
    int pid, fd;
    str_fmt(path, sizeof path, "%s/cgroup.procs", dir);
    if (read_file_at(AT_FDCWD, path, 1 << 22, &text, NULL) < 0) return -1;
    for (char *save, *t = str_tok(text, "\n", &save); t; t = str_tok(NULL, "\n", &save))
        if (parse_int(t, &pid) == 0 && pid != skip) pidlist_add(l, pid);
    xfree(text);
    /* and the cgroups below it (exec --cgroup's, a systemd's inside), as
     * runc walks them: one hierarchy holds every process once */
    if (depth >= 8 || (fd = sys_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0) return 0;
    struct dir_iter d;
    const char *name;
    dir_start(&d, fd);
    while ((name = dir_next(&d)))
        if (d.type == OCI_DT_DIR && str_path(path, sizeof path, dir, name) < (int)sizeof path)
            cg_tree_pids(path, skip, l, depth + 1);
    close(fd);
    return 0;
}

/* Empties a container's cgroup directory so it can go, as runc's destroy
 * does: its processes killed (thawed first: a frozen one dies only once
 * thawed), its sub-cgroups (exec --cgroup, the container's own) removed. */
static void cg_empty(const char *dir, int depth)
{
    char path[PATH_MAX + 32], *text;
    int pid, fd;
    str_fmt(path, sizeof path, "%s/freezer.state", dir);
    if (access(path, F_OK) == 0) write_file_str(path, "THAWED");
    str_fmt(path, sizeof path, "%s/cgroup.freeze", dir);
    if (access(path, F_OK) == 0) write_file_str(path, "0");
    str_fmt(path, sizeof path, "%s/cgroup.procs", dir);
    if (read_file_at(AT_FDCWD, path, 1 << 22, &text, NULL) == 0) {
        for (char *save, *t = str_tok(text, "\n", &save); t; t = str_tok(NULL, "\n", &save))
            if (parse_int(t, &pid) == 0 && pid > 0) kill(pid, SIGKILL);
        xfree(text);
    }
    if (depth >= 8 || (fd = sys_open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0) return;
    struct dir_iter d;
    const char *name;
    dir_start(&d, fd);
    while ((name = dir_next(&d)))
        if (d.type == OCI_DT_DIR && str_path(path, sizeof path, dir, name) < (int)sizeof path) {
            cg_empty(path, depth + 1);
            for (int t = 0; rmdir(path) < 0 && errno == EBUSY && t < 50; t++) sleep_ms(10);
        }
    close(fd);
}

/* Removes the container's cgroup dirs, waiting (up to 1 s each) while the
 * kernel still counts exiting processes in them.  With `report`, a dir
 * that stays becomes the error; cleanup after another failure passes 0 so
 * that failure's message survives.  What is left in a dir goes when it
 * is ours: `all`, or create made it (not a cgroup the config named that
 * was there already, which gets 50 ms and is left as it is). */
static int cg_remove(const struct cgroup *cg, int report, int all)
{
    int r = 0;
    for (int i = 0; i < cg->n; i++) {
        if (!cg->dir[i][0]) continue;
        int t = 0, gone, ours = all || (cg->made >> i & 1);
        while (!(gone = rmdir(cg->dir[i]) == 0 || errno == ENOENT) && errno == EBUSY && t++ < (ours ? 100 : 5)) {
            if (ours && (t == 1 || t % 25 == 0)) cg_empty(cg->dir[i], 0);
            sleep_ms(10);
        }
        if (!gone) r = report ? failerr("remove cgroup %s", cg->dir[i]) : -1;
    }
    return r;
}

/* The cgroup dirs a state records (one per line). */
static void cg_from_list(struct cgroup *cg, const char *list)
{
    cg->n = 0;
    for (const char *p = list ? list : ""; *p && cg->n < MAX_HIER;) {
        size_t n = str_span(p, "\n", 0);
        char dir[PATH_MAX];
        str_fmt(dir, sizeof dir, "%.*s", (int)n, p);
        cg_set_dir(cg, cg->n++, dir);
        p += n + (p[n] == '\n');
    }
}

/* A running container's cgroup from the dirs its state records, matched
 * to the host's hierarchies (so controllers can be found again). */
static int cg_from_state(struct cgroup *cg, const char *list)
{
    if (cg_layout_read(&cg->l) < 0) return -1;
    cg->n = cg->l.n;
    for (int i = 0; i < cg->n; i++) {
        size_t ml = strlen(cg->l.h[i].mnt);
        char dir[PATH_MAX] = "";
        for (const char *p = list ? list : ""; *p;) {
            size_t n = str_span(p, "\n", 0);
            if (n > ml && !strncmp(p, cg->l.h[i].mnt, ml) && p[ml] == '/') str_fmt(dir, sizeof dir, "%.*s", (int)n, p);
            p += n + (p[n] == '\n');
        }
        cg_set_dir(cg, i, dir);
    }
    return 0;
}

/* --- freezer: pause and resume --- */

/* The freezer file of a container's cgroup: v1 freezer.state where the
 * freezer controller is on v1, else v2's cgroup.freeze.  0, or -1. */
static int cg_freezer(const char *cgroups, char path[static PATH_MAX + 32], int *v2)
{
    /* pass 0: v1's freezer where the path says so (its usual mount
     * point), pass 1: anywhere, pass 2: v2 */
    for (int pass = 0; pass < 3; pass++)
        for (const char *p = cgroups; *p;) {
            size_t n = str_span(p, "\n", 0);
            str_fmt(path, PATH_MAX + 32, "%.*s/%s", (int)n, p, pass == 2 ? "cgroup.freeze" : "freezer.state");
            if ((pass || str_find(path, "freezer/")) && access(path, F_OK) == 0) { *v2 = pass == 2; return 0; }
            p += n + (p[n] == '\n');
        }
    return -1;
}

static int cg_frozen(const char *cgroups)
{
    char path[PATH_MAX + 32], *text;
    int v2, frozen;
    if (cg_freezer(cgroups, path, &v2) < 0 || read_file_at(AT_FDCWD, path, 64, &text, NULL) < 0) return 0;
    frozen = v2 ? text[0] == '1' : !strncmp(text, "FROZEN", 6);
    xfree(text);
    return frozen;
}

/* Freezes or thaws, and waits (up to 5 s) until the kernel is done. */
static int cg_set_frozen(const char *cgroups, int freeze)
{
    char path[PATH_MAX + 32], events[PATH_MAX + 32], *text;
    int v2;
    if (!cgroups || cg_freezer(cgroups, path, &v2) < 0)
        return fail("no freezer for this container (no v1 freezer controller, no cgroup v2 cgroup.freeze)");
    if (write_file_str(path, v2 ? (freeze ? "1" : "0") : (freeze ? "FROZEN" : "THAWED")) < 0) return -1;
    str_fmt(events, sizeof events, "%.*s/cgroup.events", (int)(str_rchr(path, '/') - path), path);
    for (int i = 0; i < 1000; i++) {
        int done;
        if (read_file_at(AT_FDCWD, v2 ? events : path, 4096, &text, NULL) < 0) return -1;
        done = v2 ? (str_find(text, freeze ? "frozen 1" : "frozen 0") != NULL)
                  : !strncmp(text, freeze ? "FROZEN" : "THAWED", 6);
        xfree(text);
        if (done) return 0;
        sleep_ms(5);
    }
    /* a half-frozen (FREEZING) container would catch later execs: back */
    if (freeze) write_file_str(path, v2 ? "0" : "THAWED");
    return fail("the container did not %s within 5 s%s", freeze ? "freeze" : "thaw", freeze ? " (thawed again)" : "");
}

/* The limits; the pids limit only with `pids`: a create writes it once
 * stage 2 is born (run_stage1), as runc sets its limits once its init
 * runs, or a limit of 1 would keep stage 1 from forking it. */
static int cg_apply_resources(const struct cgroup *cg, const struct oci_spec *s, int pids)
{
    const struct oci_resources *r = &s->res;
    if (cg_apply_memory(cg, r) < 0 || cg_apply_cpu(cg, r) < 0 || cg_apply_cpu_extra(cg, r) < 0 || (pids && cg_apply_pids(cg, r) < 0) ||
        cg_apply_blockio(cg, r) < 0 || cg_apply_hugepages(cg, r) < 0 || cg_apply_network(cg, r) < 0 ||
        cg_apply_rdma(cg, r) < 0 || cg_apply_unified(cg, r) < 0)
        return -1;
    return 0;
}

/* A cgroup frozen before the container starts (made frozen by hand, or
 * left so by a crash) would freeze its stages and the create would never
 * end: refused with runc's words.  v1: the freezer hierarchy's state is
 * not THAWED; v2: cgroup.events says frozen (an ancestor's freeze too).
 * A directory made just now right below the hierarchy's root cannot be:
 * a root cgroup is never frozen. */
static int cg_refuse_frozen(const struct cgroup *cg)
{
    for (int i = 0; i < cg->n; i++) {
        char path[PATH_MAX + 32], *text;
        if (!cg->dir[i][0] || (!cg->l.h[i].v2 && !list_contains_all("freezer", cg->l.h[i].opts))) continue;
        const char *below = cg->dir[i] + strlen(cg->l.h[i].mnt);
        if ((cg->made & (1u << i)) && below[0] == '/' && !str_chr(below + 1, '/')) continue;
        str_path(path, sizeof path, cg->dir[i], cg->l.h[i].v2 ? "cgroup.events" : "freezer.state");
        if (read_file_at(AT_FDCWD, path, 4096, &text, NULL) < 0) continue;
        int frozen = cg->l.h[i].v2 ? str_find(text, "frozen 1") != NULL : strncmp(text, "THAWED", 6) != 0;
        xfree(text);
        if (frozen) return fail("container's cgroup unexpectedly frozen (%s)", cg->dir[i]);
    }
    return 0;
}

/* Whether linux.resources asks for any limit (device rules aside). */
static int resources_requested(const struct oci_resources *r)
{
    for (size_t k = 0; k < ARRAY_LEN(res_limits); k++)
        if (*res_field(r, res_limits[k]) != UNSET) return 1;
    return r->disable_oom_killer || (r->cpus && r->cpus[0]) || (r->mems && r->mems[0]) || (r->unified && r->unified->count) ||
           blockio_requested(r->blockio) || (r->hugepages && r->hugepages->count) ||
           (r->network && (jv_u64(r->network, "classID") || (member(r->network, "priorities") &&
                                                            member(r->network, "priorities")->count))) ||
           (r->rdma && r->rdma->count);
}

/* The journal's "cgroup PATH" records (section 6), one per hierarchy, in
 * one write (a write cut short by a kill leaves whole lines, and a last one
 * the reader ignores). */
static int journal_add_cgroups(int fd, const struct cgroup *cg)
{
    struct buf b = {0};
    int r = 0;
    for (int i = 0; i < cg->n && r == 0; i++)
        if (str_chr(cg->dir[i], '\n')) r = fail("%s: a record that does not fit a line", JOURNAL_FILE);
        else buf_printf(&b, "cgroup %s\n", cg->dir[i]);
    if (r == 0 && fd >= 0 && b.len && write_all(fd, b.p, b.len) < 0) r = failerr("write %s", JOURNAL_FILE);
    buf_free(&b);
    return r;
}

/* The hierarchy that accounts memory (v1 "memory", else the v2 one), or
 * -1: the one stage 1 joins before it makes the namespaces, whose kernel
 * memory is then the container's, as under runc (which joins first). */
static int cg_memory_hierarchy(const struct cgroup *cg)
{
    int v2 = -1;
    for (int i = 0; i < cg->n; i++) {
        if (!cg->l.h[i].v2 && list_contains_all("memory", cg->l.h[i].opts)) return i;
        if (cg->l.h[i].v2) v2 = i;
    }
    return v2;
}

static int cg_create_rest(struct cgroup *cg, const struct oci_spec *s, int done);

/* One directory of the container's cgroup made (or found) and recorded.
 * A cgroup the config names may be there already with processes in it:
 * runc warns, looking in one hierarchy (devices on v1, else v2's), before
 * any of the container's own processes is in it; delete's "remove cgroup
 * ...: busy" then has its explanation. */
static int cg_make(struct cgroup *cg, int i)
{
    int made = cg_mkdir(&cg->l.h[i], cg->dir[i]);
    if (made > 0) cg->made |= 1u << i;
    const char *look = cg_dir_with(cg, "devices");
    struct pidlist l = { 0 };
    if (made == 0 && (look ? look == cg->dir[i] : cg->l.h[i].v2) && cg_tree_pids(cg->dir[i], 0, &l, 0) == 0 && l.n)
        warnf("container's cgroup is not empty: %d process(es) found", l.n);
    xfree(l.v);
    return made;
}

/* Creates the container's cgroup and applies linux.resources, or with
 * `first` only the directory of the hierarchy that accounts memory (its
 * index in *first; -1 when it made them all), cg_create_rest() doing the
 * rest.  `rootless`: a cgroup we may not create is no error when no limit
 * needs it (runc alike); the container then stays in ours. */
static int cg_create(struct cgroup *cg, const struct oci_spec *s, const char *path, const char *id, int rootless,
                     int journal, int *first)
{
    if (s->res.kernel_memory) warnf("Kernel memory settings are ignored and will be removed");
    if (cg_resolve(cg, path, id) < 0) return -1;
    if (journal_add_cgroups(journal, cg) < 0) return -1;   /* recorded before they exist (section 6) */
    int only = first ? (*first = cg_memory_hierarchy(cg)) : -1;
    if (!cg->n) {
        if (resources_requested(&s->res)) return fail(".linux.resources: this host has no cgroups mounted");
        return cg_apply_devices(cg, s, 0);
    }
    for (int i = 0; i < cg->n; i++) {
        if (only >= 0 && i != only) continue;
        int made = cg_make(cg, i);
        if (made >= 0) continue;
        int e = errno;
        cg_remove(cg, 0, 0);
        if (!rootless || (e != EACCES && e != EPERM && e != EROFS)) return -1;
        if (resources_requested(&s->res))
            return err_prefix(".linux.resources: a rootless container gets limits only in a cgroup it may create "
                              "(a delegated cgroup v2 subtree)");
        warnf("rootless: no cgroup of its own for the container (%s)", err_msg);
        cg->n = 0;
        return cg_apply_devices(cg, s, 0);
    }
    return only >= 0 ? 0 : cg_create_rest(cg, s, -1);
}

/* The rest of a create: the directories cg_create() left out (all but
 * `done`, when it made only that one), then the limits, and the device
 * rules always, as runc: without linux.resources.devices the container
 * gets deny-all and the default devices. */
static int cg_create_rest(struct cgroup *cg, const struct oci_spec *s, int done)
{
    for (int i = 0; done >= 0 && i < cg->n; i++) {
        if (i == done) continue;
        if (cg_make(cg, i) < 0) return -1;   /* (stage 1 is in `done`: the undo kills it, then removes them) */
    }
    if (cg_refuse_frozen(cg) < 0 || cg_apply_resources(cg, s, 0) < 0 || cg_apply_devices(cg, s, 0) < 0) {
        if (done < 0) cg_remove(cg, 0, 0);
        return -1;
    }
    return 0;
}


/* `update`: new limits for a running container. */
static int cg_update(const char *cgroups, const struct oci_spec *s)
{
    struct cgroup *cg = cg_new();
    int r = cg_from_state(cg, cgroups);
    /* checkBeforeUpdate: refuse a memory limit below what is in use */
    if (r == 0 && s->res.check_before_update && s->res.mem_limit > 0) {
        long long used = cg_read_num(cgroups, "memory.usage_in_bytes", NULL);
        if (used < 0) used = cg_read_num(cgroups, "memory.current", NULL);
        if (used > s->res.mem_limit)
            r = fail(".linux.resources.memory.limit: %lld is below the %lld bytes in use (checkBeforeUpdate)",
                     (long long)s->res.mem_limit, used);
    }
    if (r == 0 && s->res.kernel_memory) warnf("Kernel memory settings are ignored and will be removed");
    if (r == 0 && (cg_apply_resources(cg, s, 1) < 0 || (s->res.ndevs && cg_apply_devices(cg, s, 1) < 0))) r = -1;
    cg_free(cg);
    return r;
}

/* Moves `pid` into the container's cgroup on every hierarchy (but v2
 * when it was born there). */
static int cg_join(struct cgroup *cg, pid_t pid, int in_v2)
{
    char num[16];
    str_fmt(num, sizeof num, "%d", (int)pid);
    for (int i = 0; i < cg->n; i++) {
        if (!cg->dir[i][0] || (in_v2 && cg->l.h[i].v2) || (cg->joined >> i & 1)) continue;
        if (cg_write(cg->dir[i], "cgroup.procs", num) < 0) return -1;
        cg->joined |= 1u << i;
    }
    return 0;
}

/* An exec's way into a v2 cgroup the kernel refuses it (EBUSY): a
 * container's systemd moved itself into a child (init.scope) and gave
 * the cgroup controllers, so no process may be there.  The exec joins the
 * cgroup init is in, as runc does (runc#2356), if that is below the
 * container's own. */
static int cg_join_v2_as_init(struct cgroup *cg, pid_t pid, pid_t init)
{
    char path[32], num[16], dir[PATH_MAX], *text, *line;
    int i = 0, r = -1;
    while (i < cg->n && (!cg->dir[i][0] || (cg->joined >> i & 1))) i++;   /* (the one that refused) */
    str_fmt(path, sizeof path, "/proc/%d/cgroup", (int)init);
    if (i == cg->n || read_file_at(AT_FDCWD, path, 65536, &text, NULL) < 0) return -1;
    line = !strncmp(text, "0::", 3) ? text : str_find(text, "\n0::");
    if (line) {
        line += 3 + (*line == '\n');
        line[str_span(line, "\n", 0)] = 0;
        /* (an exec's cgroup has no layout: the container's own path is the
         * longest tail of its directory that init's path starts with) */
        const char *own = cg->dir[i];
        while (*own && !path_at_or_below(line, own)) own += 1 + str_span(own + 1, "/", 0);
        str_fmt(dir, sizeof dir, "%.*s%s", (int)(own - cg->dir[i]), cg->dir[i], line);
        str_fmt(num, sizeof num, "%d", (int)pid);
        if (*own && (r = cg_write(dir, "cgroup.procs", num)) == 0) cg->joined |= 1u << i;
    }
    xfree(text);
    return r;
}

/* Joins pid to hierarchy i alone (the rest follow with cg_join). */
static int cg_join_one(struct cgroup *cg, pid_t pid, int i)
{
    char num[16];
    str_fmt(num, sizeof num, "%d", (int)pid);
    if (cg_write(cg->dir[i], "cgroup.procs", num) < 0) return -1;
    cg->joined |= 1u << i;
    return 0;
}

/* The container's v2 cgroup directory, opened for CLONE_INTO_CGROUP; -1 if
 * it has none (errors too: the move after the start reports them).  Only
 * on a pure v2 host: where v1 hierarchies need a move anyway, the birth in
 * place was measured 0.6 ms slower per `run` (Linux 6.18, hybrid), while
 * on pure v2 it saves the only move (6% of `run` on 6.1). */
static int cg_open_v2(const struct cgroup *cg)
{
    int v2 = -1;
    for (int i = 0; i < cg->n; i++) {
        if (!cg->dir[i][0]) continue;
        if (!cg->l.h[i].v2) return -1;
        v2 = i;
    }
    return v2 < 0 ? -1 : sys_open(cg->dir[v2], O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
}

/* ======================================================================
 * 8. systemd: a D-Bus client, and the cgroup driver
 *
 * With --systemd-cgroup (what podman, Docker and containerd use on a
 * systemd host) the container's cgroup is a transient scope unit that
 * systemd makes and owns: cgroupsPath "slice:prefix:name" names
 * <prefix>-<name>.scope in the slice, as runc names it.  ocirun speaks the
 * D-Bus wire protocol itself, on systemd's private socket
 * (/run/systemd/private): a direct connection, with no bus daemon and no
 * Hello, on which systemd sends its job signals to every peer unasked.
 * Only what the driver needs: method calls with the argument shapes
 * below, replies, errors, and the JobRemoved signal.
 *
 * The scope is made for stage 1's pid before stage 1 may fork (its
 * cgroup directory, made before, is adopted), with Delegate=yes and the
 * limits systemd knows as unit properties, since systemd writes a unit's
 * cgroup files again on every reload; then section 7 writes every limit
 * into the cgroup itself, as runc does.  delete stops the unit.
 * ====================================================================== */

#define SD_SOCKET "/run/systemd/private"
#define DB_ENDIAN (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ? 'B' : 'l')
#define SD_TIMEOUT_MS 30000   /* runc waits as long for a job */

struct dbus { int fd; uint32_t serial; uid_t uid; struct buf in; char path[108]; };

/* --- marshalling (native byte order: systemd runs on this machine) --- */

static void db_pad(struct buf *b, size_t a)
{
    static const char zero[8];
    if (b->len % a) buf_add(b, zero, a - b->len % a);
}
static void db_u32(struct buf *b, uint32_t v) { db_pad(b, 4); buf_add(b, (const char *)&v, 4); }
static void db_u64(struct buf *b, uint64_t v) { db_pad(b, 8); buf_add(b, (const char *)&v, 8); }
static void db_str(struct buf *b, const char *s) { db_u32(b, (uint32_t)strlen(s)); buf_add(b, s, strlen(s) + 1); }
static void db_sig(struct buf *b, const char *s)
{
    char n = (char)strlen(s);
    buf_add(b, &n, 1);
    buf_add(b, s, (size_t)(unsigned char)n + 1);
}

/* An array: its length is written when it is closed; the padding to the
 * elements' alignment follows the length even when there are none. */
static size_t db_array_open(struct buf *b, size_t align)
{
    db_u32(b, 0);
    size_t at = b->len;
    db_pad(b, align);
    return at;
}
static void db_array_close(struct buf *b, size_t at, size_t align)
{
    uint32_t n = (uint32_t)(b->len - (at + (align - at % align) % align));
    memcpy(b->p + at - 4, &n, 4);
}

/* One unit property, a (sv) struct: name, then a variant of `sig`. */
static void db_prop(struct buf *b, const char *name, const char *sig)
{
    db_pad(b, 8);
    db_str(b, name);
    db_sig(b, sig);
}
static void prop_bool(struct buf *b, const char *name, int v) { db_prop(b, name, "b"), db_u32(b, !!v); }
static void prop_u64(struct buf *b, const char *name, uint64_t v) { db_prop(b, name, "t"), db_u64(b, v); }
static void prop_str(struct buf *b, const char *name, const char *v) { db_prop(b, name, "s"), db_str(b, v); }

/* --- reading, every length checked against the message --- */

struct db_rd { const char *p; size_t off, end; int bad; };

static void rd_align(struct db_rd *r, size_t a)
{
    r->off = (r->off + a - 1) / a * a;
    if (r->off > r->end) r->bad = 1, r->off = r->end;
}
static uint32_t rd_u32(struct db_rd *r)
{
    uint32_t v = 0;
    rd_align(r, 4);
    if (r->end - r->off < 4) r->bad = 1;
    else memcpy(&v, r->p + r->off, 4), r->off += 4;
    return v;
}
/* A string (s, o) or, with `sig`, a signature (g). */
static const char *rd_str(struct db_rd *r, int sig)
{
    size_t n = sig ? (r->off < r->end ? (uint8_t)r->p[r->off++] : (r->bad = 1, 0u)) : rd_u32(r);
    if (r->bad || n >= r->end - r->off || r->p[r->off + n]) { r->bad = 1; return ""; }
    const char *s = r->p + r->off;
    r->off += n + 1;
    return s;
}

struct db_msg {
    uint8_t type;                  /* 2 reply, 3 error, 4 signal */
    uint32_t reply_to;
    const char *member, *error, *sig;
    struct db_rd body;
};

/* Bounded: reads exactly n bytes before the deadline. */
static int read_full_by(int fd, char *p, size_t n, int64_t deadline)
{
    while (n) {
        struct pollfd pf = { fd, POLLIN, 0 };
        int64_t left = deadline - now_ms();
        int r = left > 0 ? poll(&pf, 1, (int)left) : 0;
        if (r == 0) { errno = ETIMEDOUT; return -1; }
        ssize_t k = r < 0 ? -1 : sys_read(fd, p, n);
        if (k == 0) { errno = ECONNRESET; return -1; }
        if (k < 0 && errno != EINTR && errno != EAGAIN) return -1;
        if (k > 0) p += k, n -= (size_t)k;
    }
    return 0;
}

static int db_recv(struct dbus *d, struct db_msg *m, int64_t deadline)
{
    char hd[16];
    uint32_t blen, flen;
    if (read_full_by(d->fd, hd, 16, deadline) < 0) return failerr("systemd: read from %s", d->path);
    memcpy(&blen, hd + 4, 4), memcpy(&flen, hd + 12, 4);
    if (hd[0] != (DB_ENDIAN) || hd[3] != 1 || blen > (1u << 20) || flen > (1u << 16))
        return fail("systemd: a malformed message on %s", d->path);
    size_t body = (16 + (size_t)flen + 7) / 8 * 8, total = body + blen;
    d->in.len = 0;
    buf_grow(&d->in, total);
    memcpy(d->in.p, hd, 16);
    d->in.len = total;
    if (read_full_by(d->fd, d->in.p + 16, total - 16, deadline) < 0) return failerr("systemd: read from %s", d->path);
    memset(m, 0, sizeof *m);
    m->type = (uint8_t)hd[1];
    m->member = m->error = m->sig = "";
    struct db_rd f = { d->in.p, 16, 16 + flen, 0 };
    while (!f.bad && f.off < f.end) {
        rd_align(&f, 8);
        uint8_t code = f.off < f.end ? (uint8_t)f.p[f.off++] : 0;
        const char *t = rd_str(&f, 1);
        if (!strcmp(t, "u")) {
            uint32_t v = rd_u32(&f);
            if (code == 5) m->reply_to = v;
        } else if (!strcmp(t, "s") || !strcmp(t, "o") || !strcmp(t, "g")) {
            const char *s = rd_str(&f, t[0] == 'g');
            if (code == 3) m->member = s;
            else if (code == 4) m->error = s;
            else if (code == 8) m->sig = s;
        } else f.bad = 1;
    }
    if (f.bad) return fail("systemd: a malformed message header on %s", d->path);
    m->body = (struct db_rd){ d->in.p, body, total, 0 };
    return 0;
}

/* Calls org.freedesktop.systemd1.Manager.`member` (or, named in full,
 * "interface.Member" of systemd's object) and reads until its
 * reply, skipping the signals systemd sends meanwhile.  An error reply
 * becomes our error (with systemd's name and words, named by the error
 * name in *errname when it is given). */
static int db_call(struct dbus *d, const char *member, const char *sig, const struct buf *body, struct db_msg *m,
                   const char **errname)
{
    const char *dot = str_rchr(member, '.');
    char iface[64];
    str_fmt(iface, sizeof iface, "%.*s", dot ? (int)(dot - member) : 0, member);
    const struct { char code, type[2]; const char *v; } hf[] = {
        { 1, "o", "/org/freedesktop/systemd1" }, { 2, "s", dot ? iface : "org.freedesktop.systemd1.Manager" },
        { 6, "s", "org.freedesktop.systemd1" }, { 3, "s", dot ? dot + 1 : member }, { 8, "g", sig },
    };
    struct buf h = {0};
    char fixed[4] = { DB_ENDIAN, 1, 0, 1 };
    buf_add(&h, fixed, 4);
    db_u32(&h, (uint32_t)body->len);
    db_u32(&h, ++d->serial);
    size_t at = db_array_open(&h, 8);
    for (size_t i = 0; i < ARRAY_LEN(hf); i++) {
        db_pad(&h, 8);
        buf_add(&h, &hf[i].code, 1);
        db_sig(&h, hf[i].type);
        if (hf[i].code == 8) db_sig(&h, hf[i].v);
        else db_str(&h, hf[i].v);
    }
    db_array_close(&h, at, 8);
    db_pad(&h, 8);
    buf_add(&h, body->p, body->len);
    int r = write_all(d->fd, h.p, h.len);
    buf_free(&h);
    if (r < 0) return failerr("systemd: %s: write to %s", member, d->path);
    int64_t deadline = now_ms() + wait_limit_ms(SD_TIMEOUT_MS);
    do {
        if (db_recv(d, m, deadline) < 0) return err_prefix("systemd: %s", member);
    } while ((m->type != 2 && m->type != 3) || m->reply_to != d->serial);
    if (errname) *errname = m->error;
    if (m->type == 3)
        return fail("systemd: %s: %s (%s)", member, !strncmp(m->sig, "s", 1) ? rd_str(&m->body, 0) : "", m->error);
    return 0;
}

/* The uid systemd sees for us: in a user namespace (rootless podman runs
 * us as its root) the uid outside that our euid maps to. */
static uid_t host_euid(void)
{
    uid_t me = geteuid(), host = me;
    char *text;
    if (read_file_at(AT_FDCWD, "/proc/self/uid_map", 4096, &text, NULL) < 0) return me;
    for (const char *p = text; p && *p; p = str_chr(p, '\n'), p = p ? p + 1 : p) {
        uint64_t in = 0, out = 0, n = 0;
        const char *q = scan_u64(p, 10, &in);
        if (q) q = scan_u64(q, 10, &out);
        if (q) q = scan_u64(q, 10, &n);
        if (q && me >= in && me - in < n) { host = (uid_t)(out + (me - in)); break; }
    }
    xfree(text);
    return host;
}

/* The manager to talk to: the system's, or (`user`, for a rootless
 * container) the user's own systemd, whose private socket is in the
 * user's runtime directory: $XDG_RUNTIME_DIR, or /run/user/UID where
 * pam_systemd makes it. */
static int sd_socket_path(struct dbus *d, int user)
{
    const char *xdg = env_get(environ, "XDG_RUNTIME_DIR");
    d->uid = user ? host_euid() : geteuid();
    if (!user) return str_copy(d->path, sizeof d->path, SD_SOCKET), 0;
    if (xdg && xdg[0] != '/') return fail("--systemd-cgroup: $XDG_RUNTIME_DIR \"%s\" is not an absolute path", xdg);
    int n = xdg ? str_fmt(d->path, sizeof d->path, "%s/systemd/private", xdg)
                : str_fmt(d->path, sizeof d->path, "/run/user/%u/systemd/private", (unsigned)d->uid);
    return n < (int)sizeof d->path ? 0 : fail("--systemd-cgroup: $XDG_RUNTIME_DIR is too long for a socket path");
}

/* SASL EXTERNAL with our uid, pipelined with BEGIN as sd-bus does; the
 * server's "OK <guid>" line then precedes its first message. */
static int sd_connect(struct dbus *d, int user)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char auth[64], uid[16], line[128];
    memset(d, 0, sizeof *d);
    d->fd = -1;
    if (sd_socket_path(d, user) < 0) return -1;
    str_copy(sa.sun_path, sizeof sa.sun_path, d->path);
    d->fd = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (d->fd < 0 || connect_bounded(d->fd, &sa) < 0) {
        failerr(user ? "--systemd-cgroup: the user's systemd is not reachable at %s (does the user have a systemd "
                       "instance? loginctl enable-linger makes one)"
                     : "--systemd-cgroup: systemd is not reachable at %s", d->path);
        goto fail;
    }
    int n = str_fmt(uid, sizeof uid, "%u", (unsigned)d->uid), k = str_fmt(auth, sizeof auth, "%cAUTH EXTERNAL ", 0);
    for (int i = 0; i < n; i++) k += str_fmt(auth + k, sizeof auth - (size_t)k, "%02x", (unsigned char)uid[i]);
    k += str_fmt(auth + k, sizeof auth - (size_t)k, "\r\nBEGIN\r\n");
    if (write_all(d->fd, auth, (size_t)k) < 0) { failerr("systemd: write to %s", d->path); goto fail; }
    int64_t deadline = now_ms() + wait_limit_ms(SD_TIMEOUT_MS);
    size_t len = 0;
    while (len < 2 || line[len - 1] != '\n') {
        if (len == sizeof line - 1 || read_full_by(d->fd, line + len, 1, deadline) < 0) {
            failerr("systemd: no answer to authentication on %s", d->path);
            goto fail;
        }
        len++;
    }
    line[len] = 0;
    if (strncmp(line, "OK ", 3)) { fail("systemd: authentication refused on %s: %.40s", d->path, line); goto fail; }
    return 0;
fail:
    close_if(d->fd);
    d->fd = -1;
    return -1;
}

static void db_close(struct dbus *d)
{
    close_if(d->fd);
    buf_free(&d->in);
    d->fd = -1;
}

/* Waits for JobRemoved of `job` (signature uoss: id, job, unit, result)
 * and gives its result ("done" when it worked). */
static int sd_wait_job(struct dbus *d, const char *job, char result[32])
{
    int64_t deadline = now_ms() + wait_limit_ms(SD_TIMEOUT_MS);
    for (;;) {
        struct db_msg m;
        if (db_recv(d, &m, deadline) < 0) return err_prefix("waiting for systemd's job %s", job);
        if (m.type != 4 || strcmp(m.member, "JobRemoved") || strcmp(m.sig, "uoss")) continue;
        rd_u32(&m.body);
        const char *path = rd_str(&m.body, 0);
        rd_str(&m.body, 0);
        const char *res = rd_str(&m.body, 0);
        if (m.body.bad || strcmp(path, job)) continue;
        str_copy(result, 32, res);
        return 0;
    }
}

/* A call that queues a job (StartTransientUnit, StopUnit): its reply is
 * the job's object path, whose end is then awaited. */
static int sd_job(struct dbus *d, const char *member, const char *sig, const struct buf *body, char result[32],
                  const char **errname)
{
    struct db_msg m;
    char job[256];
    if (db_call(d, member, sig, body, &m, errname) < 0) return -1;
    str_copy(job, sizeof job, rd_str(&m.body, 0));
    if (m.body.bad) return fail("systemd: %s: a malformed reply", member);
    return sd_wait_job(d, job, result);
}

/* Forgets a failed unit; a cleanup step, so the error it may meet (the
 * unit is gone already) does not replace the one being reported. */
static void sd_reset_failed(struct dbus *d, const char *unit)
{
    struct buf b = {0};
    struct db_msg m;
    char saved[sizeof err_msg];
    memcpy(saved, err_msg, sizeof saved);
    db_str(&b, unit);
    if (db_call(d, "ResetFailedUnit", "s", &b, &m, NULL) < 0) debugf("%s", err_msg);
    memcpy(err_msg, saved, sizeof saved);
    buf_free(&b);
}

/* A property of the manager (org.freedesktop.systemd1.Manager) that is a
 * string; it points into d's input, valid until the next message. */
static const char *sd_manager_prop(struct dbus *d, const char *name)
{
    struct buf b = {0};
    struct db_msg m;
    db_str(&b, "org.freedesktop.systemd1.Manager");
    db_str(&b, name);
    int r = db_call(d, "org.freedesktop.DBus.Properties.Get", "ss", &b, &m, NULL);
    buf_free(&b);
    if (r < 0) return NULL;
    const char *sig = rd_str(&m.body, 1), *v = rd_str(&m.body, 0);
    if (m.body.bad || strcmp(sig, "s")) { fail("systemd: %s: the manager's %s is not a string", d->path, name); return NULL; }
    return v;
}

/* systemd's version ("252.39-1~deb12u2": 252), for properties older
 * systemds do not know (runc's rule: unknown, they are left out). */
static int sd_version(struct dbus *d, const struct oci_resources *r)
{
    uint64_t v = 0;
    const char *s = r->cpu_period > 0 ? sd_manager_prop(d, "Version") : NULL;   /* only then needed */
    return s && scan_u64(s + str_span(s, "0123456789", 0), 10, &v) && v < 100000 ? (int)v : 0;
}

/* Whether `pid` is in cg's v2 cgroup, as /proc/PID/cgroup says. */
static int cg_holds_v2(const struct cgroup *cg, pid_t pid)
{
    char path[32], *text, want[PATH_MAX + 8];
    int in = 0;
    for (int i = 0; i < cg->n; i++)
        if (cg->l.h[i].v2) str_fmt(want, sizeof want, "\n0::%s\n", cg->dir[i] + strlen(cg->l.h[i].mnt));
    str_fmt(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    if (read_file_at(AT_FDCWD, path, 65536, &text, NULL) < 0) return 0;
    size_t n = strlen(text);
    char *t = xmalloc(n + 2);   /* "\n" in front: the first line too */
    t[0] = '\n', memcpy(t + 1, text, n + 1);
    in = str_find(t, want) != NULL;
    xfree(t), xfree(text);
    return in;
}

/* Moves `pid` (an exec's stage 1) into a rootless container's cgroup
 * through the user's systemd, when the user may not move it there (the
 * common ancestor of a login session's cgroup and the user's systemd's is
 * root's): the user's systemd has PID 1 do it, as runc 1.2 does.  That
 * move may end after the reply, so its effect is awaited (bounded). */
static int sd_attach(const struct cgroup *cg, pid_t pid)
{
    struct dbus d;
    struct db_msg m;
    struct buf b = {0};
    const char *unit = str_find(cg->dir[0], cg->unit);
    db_str(&b, cg->unit);
    db_str(&b, unit ? unit + strlen(cg->unit) : "");   /* an exec's sub-cgroup */
    size_t at = db_array_open(&b, 4);
    db_u32(&b, (uint32_t)pid);
    db_array_close(&b, at, 4);
    int r = sd_connect(&d, cg->unit_user);
    if (r == 0) r = db_call(&d, "AttachProcessesToUnit", "ssau", &b, &m, NULL), db_close(&d);
    buf_free(&b);
    for (int64_t deadline = now_ms() + wait_limit_ms(5000); r == 0 && !cg_holds_v2(cg, pid);)
        if (now_ms() > deadline) r = fail("systemd: AttachProcessesToUnit %s: pid %d is not in its cgroup after 5 s", cg->unit, (int)pid);
        else nanosleep(&(struct timespec){ 0, 2000000 }, NULL);
    return r;
}

/* --- the driver --- */

/* "a-b-c.slice" as the cgroup path systemd gives it: "/a.slice/a-b.slice/
 * a-b-c.slice"; "-.slice" is the root.  Checked as runc checks it. */
static int expand_slice(const char *slice, char *out, size_t size)
{
    size_t sl = strlen(slice), stem = sl > 6 ? sl - 6 : 0, n = 0;
    out[0] = 0;
    if (!strcmp(slice, "-.slice")) return 0;
    if (!stem || strcmp(slice + stem, ".slice") || str_chr(slice, '/') || str_find(slice, "--") || slice[0] == '-' ||
        slice[stem - 1] == '-')
        return fail(".linux.cgroupsPath: \"%s\" is not a systemd slice name", slice);
    for (size_t i = 1; i <= stem; i++)
        if ((i == stem || slice[i] == '-') && (n += (size_t)str_fmt(out + n, size - n, "/%.*s.slice", (int)i, slice)) >= size)
            return fail(".linux.cgroupsPath: \"%s\": its cgroup path is longer than %zu bytes", slice, size - 1);
    return 0;
}

/* cgroupsPath as runc reads it with --systemd-cgroup: "slice:prefix:name"
 * (empty: ":runc:<id>"; an empty slice is system.slice, or user.slice
 * for the user's systemd) names the scope <prefix>-<name>.scope (without
 * the dash for an empty prefix) in cg, whose cgroup is `path` below the
 * manager's own. */
static int sd_unit_path(const char *cgpath, const char *id, struct cgroup *cg, char path[PATH_MAX])
{
    char part[3][NAME_MAX + 1] = { "", "runc", "" };
    const char *p = cgpath && cgpath[0] ? cgpath : NULL;
    if (!p) str_copy(part[2], sizeof part[2], id);
    for (int i = 0; p && i < 3; i++) {
        size_t n = str_span(p, ":", 0);
        if ((i < 2) != (p[n] == ':') || n > NAME_MAX || (i == 2 && !n))
            return fail("expected cgroupsPath to be of format \"slice:prefix:name\" for systemd cgroups, got \"%s\" instead", cgpath);
        str_fmt(part[i], sizeof part[i], "%.*s", (int)n, p);
        p += n + 1;
    }
    size_t nl = strlen(part[2]);
    if (nl >= 6 && !strcmp(part[2] + nl - 6, ".slice"))
        return fail(".linux.cgroupsPath: \"%s\": a slice as the container's own unit is not supported", cgpath);
    str_copy(cg->slice, sizeof cg->slice, part[0][0] ? part[0] : cg->unit_user ? "user.slice" : "system.slice");
    str_fmt(cg->unit, sizeof cg->unit, "%s%s%s.scope", part[1], part[1][0] ? "-" : "", part[2]);
    if (expand_slice(cg->slice, path, PATH_MAX) < 0) return -1;
    size_t n = strlen(path);
    str_fmt(path + n, PATH_MAX - n, "/%s", cg->unit);
    return 0;
}

/* The limits systemd knows, as unit properties (v2's names or v1's), so
 * that a reload writes the container's values again, not the defaults. */
static void sd_resource_props(struct buf *b, const struct oci_resources *r, int v2, int version)
{
    if (r->mem_limit != UNSET) prop_u64(b, v2 ? "MemoryMax" : "MemoryLimit", r->mem_limit < 0 ? UINT64_MAX : (uint64_t)r->mem_limit);
    if (v2 && r->mem_reservation != UNSET)
        prop_u64(b, "MemoryLow", r->mem_reservation < 0 ? UINT64_MAX : (uint64_t)r->mem_reservation);
    if (v2 && (r->mem_swap == -1 || (r->mem_swap != UNSET && r->mem_limit > 0 && r->mem_swap >= r->mem_limit)))
        prop_u64(b, "MemorySwapMax", r->mem_swap < 0 ? UINT64_MAX : (uint64_t)(r->mem_swap - r->mem_limit));
    if (r->cpu_shares != UNSET && r->cpu_shares > 0 && r->cpu_shares <= 262144)
        prop_u64(b, v2 ? "CPUWeight" : "CPUShares", v2 ? shares_to_weight(r->cpu_shares) : (uint64_t)r->cpu_shares);
    if (r->cpu_quota != UNSET || r->cpu_period != UNSET) {
        /* runc's: quota per second, rounded up to 10 ms; none: infinity */
        uint64_t period = r->cpu_period > 0 ? (uint64_t)r->cpu_period : 100000, usec = UINT64_MAX;
        if (r->cpu_quota > 0 && period <= UINT32_MAX) usec = udiv64(udiv64((uint64_t)r->cpu_quota * 1000000, (uint32_t)period) + 9999, 10000) * 10000;
        if (r->cpu_period > 0 && version >= 242) prop_u64(b, "CPUQuotaPeriodUSec", period);   /* new in 242 */
        prop_u64(b, "CPUQuotaPerSecUSec", usec);
    }
    if (r->pids_limit != UNSET) prop_u64(b, "TasksMax", r->pids_limit > 0 ? (uint64_t)r->pids_limit : UINT64_MAX);
}

/* A major's name in /proc/devices ("136 pts" among the character
 * devices: "char-pts"), which is how systemd takes "c 136:* rwm". */
static int device_group(char type, int64_t major, char *out, size_t size)
{
    char *text, *p;
    int in = 0, found = 0;
    if (read_file_at(AT_FDCWD, "/proc/devices", 1 << 16, &text, NULL) < 0) return 0;
    for (char *save, *l = str_tok(text, "\n", &save); l && !found; l = str_tok(NULL, "\n", &save)) {
        uint64_t m;
        if (!isdigit((unsigned char)l[str_span(l, " ", 1)])) { in = l[0] == (type == 'c' ? 'C' : 'B'); continue; }
        if (in && (p = (char *)scan_u64(l, 10, &m)) && (int64_t)m == major && *p == ' ')
            found = str_fmt(out, size, "%s-%s", type == 'c' ? "char" : "block", p + 1) < (int)size;
    }
    xfree(text);
    return found;
}

/* The device rules as systemd's DevicePolicy and DeviceAllow, as runc
 * sends them: the rules in order after an implicit deny-all; an allow-all
 * at the end is policy auto, else strict with each allowed node this
 * host has (by its /dev/char or /dev/block path: systemd resolves it
 * through /sys/dev), a whole major by its /proc/devices name,
 * every node of a type as char-* or block-*).  A deny after an allow-all
 * cannot be said to systemd: the cgroup's own rules (section 7) hold it. */
static void sd_device_props(struct buf *b, const struct oci_spec *s)
{
    struct oci_devrule *v;
    size_t n = device_rules(s, &v), first = 0;
    int allow_all = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].type == 'a') allow_all = v[i].allow, first = i + 1;
    prop_str(b, "DevicePolicy", allow_all ? "auto" : "strict");
    db_prop(b, "DeviceAllow", "a(ss)");
    size_t at = db_array_open(b, 8);
    for (size_t i = first; !allow_all && i < n; i++) {
        char path[64];
        const struct oci_devrule *r = &v[i];
        if (!r->allow || r->major == UNSET) {
            if (r->allow && r->minor != UNSET) continue;   /* "*:m": systemd has no word for it (runc skips it too) */
            if (r->allow) str_fmt(path, sizeof path, "%s-*", r->type == 'c' ? "char" : "block");
            else continue;
        } else if (r->minor == UNSET) {
            if (!device_group(r->type, r->major, path, sizeof path)) continue;
        } else {
            /* a node this host has not: runc leaves it out (with a warning) */
            str_fmt(path, sizeof path, "/sys/dev/%s/%lld:%lld", r->type == 'c' ? "char" : "block", (long long)r->major, (long long)r->minor);
            if (access(path, F_OK) < 0) continue;
            mem_move(path, path + 4, strlen(path + 4) + 1);
        }
        db_pad(b, 8);
        db_str(b, path);
        db_str(b, r->access);
    }
    db_array_close(b, at, 8);
    xfree(v);
}

/* annotations "org.systemd.property.<Name>": extra unit properties, as
 * runc sends them after its own; the value in GVariant's text form, of
 * which ocirun reads what clients write: true, false, a number with its
 * type ("uint64 10000000"; bare: int32), a quoted string.  A <Name>
 * ending in "Sec" after a lower-case letter is sent as "...USec", its
 * value in microseconds as a uint64 (runc's rule).  Others are an error. */
static int sd_annotation_props(struct buf *b, const struct jv *annotations)
{
    static const char types[][8] = { "uint64", "uint32", "int64", "int32" }, sigs[] = "tuxi";
    for (const struct jv *a = annotations ? annotations->child : NULL; a; a = a->next) {
        if (strncmp(a->key, "org.systemd.property.", 21)) continue;
        const char *name = a->key + 21, *v = a->s;
        char pname[NAME_MAX], sig[2] = "i";
        size_t nl = strlen(name);
        int usec = nl > 3 && !strcmp(name + nl - 3, "Sec") && islower((unsigned char)name[nl - 4]), ok = nl >= 3 && nl < 64;
        for (size_t i = 0; ok && i < nl; i++) ok = isalpha((unsigned char)name[i]);
        str_fmt(pname, sizeof pname, "%.*s%s", (int)(usec ? nl - 3 : nl), name, usec ? "USec" : "");
        if (ok && (!strcmp(v, "true") || !strcmp(v, "false"))) { prop_bool(b, pname, v[0] == 't'); continue; }
        if (ok && (v[0] == '\'' || v[0] == '"') && strlen(v) >= 2 && v[strlen(v) - 1] == v[0] && !usec) {
            char str[256];
            str_fmt(str, sizeof str, "%.*s", (int)strlen(v) - 2, v + 1);
            prop_str(b, pname, str);
            continue;
        }
        for (size_t t = 0; t < ARRAY_LEN(types); t++) {
            size_t tl = strlen(types[t]);
            if (!strncmp(v, types[t], tl) && v[tl] == ' ') sig[0] = sigs[t], v += tl + 1;
        }
        int64_t num;
        const char *e = ok ? scan_i64(v, &num) : NULL;
        if (!e || e == v || *e || (num < 0 && (usec || sig[0] == 't' || sig[0] == 'u')) || (usec && num > INT64_MAX / 1000000))
            return fail(".annotations.%s: \"%s\" is not a value ocirun can send to systemd (true, false, a number, a quoted string)",
                        a->key, a->s);
        if (usec) num *= 1000000, sig[0] = 't';   /* runc sends a ...USec as uint64 whatever its type */
        db_prop(b, pname, sig);
        if (sig[0] == 't' || sig[0] == 'x') db_u64(b, (uint64_t)num);
        else db_u32(b, (uint32_t)num);
    }
    return 0;
}

/* The host's systemd hierarchy is v2 (unified), or v1 (hybrid, legacy). */
static int sd_unified(const struct cgroup *cg) { return cg->n == 1 && cg->l.h[0].v2; }

/* The scope for `pid` (stage 1), as runc starts it; an older failed unit
 * of that name is reset and the start tried again, as runc does. */
static int sd_start_unit(const struct cgroup *cg, const struct oci_spec *s, const char *name, pid_t pid)
{
    struct dbus d;
    struct buf b = {0};
    char desc[NAME_MAX + 32], result[32] = "";
    const char *err = "";
    int v2 = sd_unified(cg), r = -1;
    if (sd_connect(&d, cg->unit_user) < 0) return -1;
    int version = sd_version(&d, &s->res);
    for (int attempt = 0; attempt < 2 && r < 0; attempt++) {
        b.len = 0, err = "";
        db_str(&b, cg->unit);
        db_str(&b, "replace");
        size_t at = db_array_open(&b, 8), pa;
        str_fmt(desc, sizeof desc, "libcontainer container %s", name);
        prop_str(&b, "Description", desc);
        prop_str(&b, "Slice", cg->slice);
        prop_bool(&b, "Delegate", 1);
        db_prop(&b, "PIDs", "au");
        pa = db_array_open(&b, 4);
        db_u32(&b, (uint32_t)pid);
        db_array_close(&b, pa, 4);
        prop_bool(&b, "MemoryAccounting", 1);
        prop_bool(&b, "CPUAccounting", 1);
        prop_bool(&b, v2 ? "IOAccounting" : "BlockIOAccounting", 1);
        prop_bool(&b, "TasksAccounting", 1);
        prop_bool(&b, "DefaultDependencies", 0);
        sd_resource_props(&b, &s->res, v2, version);
        sd_device_props(&b, s);
        if (sd_annotation_props(&b, s->annotations) < 0) break;
        db_array_close(&b, at, 8);
        db_array_close(&b, db_array_open(&b, 8), 8);   /* no auxiliary units */
        r = sd_job(&d, "StartTransientUnit", "ssa(sv)a(sa(sv))", &b, result, &err);
        if (r < 0 && strcmp(err, "org.freedesktop.systemd1.UnitExists")) break;
        if (r < 0) sd_reset_failed(&d, cg->unit);
    }
    if (r == 0 && strcmp(result, "done")) {
        sd_reset_failed(&d, cg->unit);
        r = fail("systemd: starting %s: the job ended \"%s\"", cg->unit, result);
    }
    db_close(&d);
    buf_free(&b);
    return r;
}

/* New limits for the unit (`update`): SetUnitProperties, for the
 * runtime (not persistent), as runc. */
static int sd_set_unit(const char *unit, int user, const struct oci_resources *res)
{
    struct dbus d;
    struct db_msg m;
    struct buf b = {0};
    struct cg_layout l;
    int v2 = cg_layout_read(&l) == 0 && l.n == 1 && l.h[0].v2;
    db_str(&b, unit);
    db_u32(&b, 1);
    size_t at = db_array_open(&b, 8), props = b.len;
    sd_resource_props(&b, res, v2, INT_MAX);
    int r = b.len == props ? 0 : sd_connect(&d, user);   /* nothing systemd knows: no call */
    if (r == 0 && b.len != props) {
        b.len = props;
        sd_resource_props(&b, res, v2, sd_version(&d, res));
        db_array_close(&b, at, 8);
        r = db_call(&d, "SetUnitProperties", "sba(sv)", &b, &m, NULL);
        db_close(&d);
    }
    buf_free(&b);
    return r;
}

/* Stops the unit (systemd kills what is left in it and removes its
 * cgroup) and forgets it; a unit that is gone already is no error. */
static int sd_stop_unit(const char *unit, int user)
{
    struct dbus d;
    struct buf b = {0};
    char result[32] = "";
    const char *err = "";
    if (sd_connect(&d, user) < 0) return -1;
    db_str(&b, unit);
    db_str(&b, "replace");
    int r = sd_job(&d, "StopUnit", "ss", &b, result, &err);
    if (r < 0 && !strcmp(err, "org.freedesktop.systemd1.NoSuchUnit")) r = 0;
    else if (r == 0 && strcmp(result, "done")) warnf("systemd: stopping %s: the job ended \"%s\"", unit, result);
    if (r == 0) sd_reset_failed(&d, unit);
    db_close(&d);
    buf_free(&b);
    return r;
}

/* The manager's own cgroup (its ControlGroup property): a user's systemd
 * runs in user@UID.service, and its units' cgroups are below that. */
static int sd_manager_cgroup(struct dbus *d, char *out, size_t size)
{
    const char *cg = sd_manager_prop(d, "ControlGroup");
    if (!cg) return -1;
    if (cg[0] != '/' || strlen(cg) >= size) return fail("systemd: %s: the manager's ControlGroup is not a cgroup path", d->path);
    str_copy(out, size, strcmp(cg, "/") ? cg : "");
    return 0;
}

/* Whether systemd runs (runc's test: /run/systemd/system, which systemd
 * makes at boot) and its manager (the user's, for `user`) answers on its
 * private socket: `create` asks before it makes anything, `check` too.
 * A user's systemd gets cgroups to delegate only on cgroup v2, as runc
 * says; `path` (when given) then gets its manager's cgroup in front. */
static int sd_check(const struct jv *annotations, int user, char path[PATH_MAX])
{
    struct dbus d;
    struct stat st;
    struct cg_layout l;
    struct buf b = {0};
    int r = sd_annotation_props(&b, annotations);   /* their errors now, before anything exists */
    buf_free(&b);
    if (r < 0) return -1;
    if (stat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode))
        return fail("systemd not running on this host, cannot use systemd cgroups manager");
    if (user && (cg_layout_read(&l) < 0 || l.n != 1 || !l.h[0].v2))
        return fail("--systemd-cgroup: a rootless container under the user's systemd needs cgroup v2 (a unified "
                    "hierarchy): on cgroup v1 systemd delegates no controllers to users");
    if (sd_connect(&d, user) < 0) return -1;
    char mgr[PATH_MAX] = "";
    r = user && path ? sd_manager_cgroup(&d, mgr, sizeof mgr) : 0;
    db_close(&d);
    size_t n = strlen(mgr);
    if (r == 0 && n) {
        if (n + strlen(path) >= PATH_MAX) return fail("--systemd-cgroup: the cgroup path is too long");
        mem_move(path + n, path, strlen(path) + 1);
        memcpy(path, mgr, n);
    }
    return r;
}


/* ======================================================================
 * 9. Seccomp: linux.seccomp compiled to classic BPF, without libseccomp
 *
 * The meaning is libseccomp's, as runc and crun use it, and a differential
 * test (tests/seccomp) holds this compiler to it: per architecture, a rule
 * whose action is the default is dropped; a syscall with an unconditional
 * rule takes the first such rule's action, whatever else names it;
 * otherwise its conditional rules are tried in order and the first that
 * holds decides; 32-bit architectures compare the low 32 bits of an
 * argument (the value's high half is ignored, as libseccomp does).  Where
 * an arch has socketcall(2) and ipc(2) (x86, s390x, ppc64le, mips), a rule
 * for a socket or SysV IPC call also covers its multiplexed form.
 *
 * The filter checks the architecture (an unknown one is killed), then
 * walks a binary tree over the intervals of syscall numbers that share an
 * outcome: the few hundred names of a default profile collapse to a few
 * dozen intervals, so a syscall costs about ten instructions.  Code is
 * emitted back to front, which makes every jump target known when the jump
 * is written; a target beyond the 8-bit reach of a conditional jump gets a
 * `ja` next to it.
 * ====================================================================== */

/* GENERATED SYSCALL TABLES: tests/seccomp/gen-syscalls.c (libseccomp 2.5.4), `make syscalls` */
#define SC_NNAMES 487
#define SC_NTABLES 10
#define SC_KEEP_LIMIT 27
static const char sc_name_chars[] = "_0123456789abcdefghijklmnopqrstuvwxyz";
static const unsigned char sc_name_packed[2304] =
    "\001\274q\342\252\260\007:\274\342\254j\243\220x\373\2129\304\011\250\242"
    "\255y\032\0018\340>A\246\226\360\253\340\257\346\354\252\364\032\370o\217"
    "\270\242lq\007\031\267\310\035\350\265\275w\243\234B\311\272\346\247\273"
    "\270\252(\033\212\0018\373:\033\256\354joy\263\262\240'\246\274z\342\320"
    "n\316\220u\254\035\352\233\001u\322\354\371\013\000(\232\213j\243\234E\257"
    "\036\270\264^9\233\220\265\262\256C\342\256A\266\233\267\013-)\013O3\025"
    "\367\202\337M9\007\035(\301\271\251\277\233\262\250\330\240\032\312\271"
    "\336\256\014o\233\262\252(\011\346\354\2526(\006\316l\364\343\032\252\324"
    "\366\371\273*\242\200n*\347\233\262\250\330\240\017:\205|>*\025\275\346"
    "\316\312\201\323<\352\243\220\265\371\272\356\306\246\367\233;*\007z\246"
    "\344Z\233\313Jz\306\240)\253\032\271\251\274\264\247\254j\007\255Cx7\300"
    "\253]1\305\2727\252nj1\321\371\304\226\364\306\221\265\362k\271-\341\274"
    "\232\356JoLi\007\272\263\346\272Gx\037j\243\272\206\233\220\256\344F\354"
    "\337N\265\002\271\250\242\2568\233\222^\012\236\356\342\250\240%\270\240"
    "\013\034t\242nj\013=9\272\277\233\273;\271')\267\300\032-\246\355\303\313"
    "JF\233\222\036\017O3\031\367\206\233\220\263\347\021b\200\032f\346n>\316"
    "\200l\253\237f\347\235\301\273;\271o-)\353\032\201\306\3569\366ny\334-("
    "\300\0357\300\035\352\313N\352\366ny\334\036(\323:\356\260*\271\366ny\334"
    ",\264\353>B\323Z\263\013[\250\300.f\344X\240\026nb\200Z\370\036(\002\373"
    ":\001\346\354\252\013~\263\242nj&(\001\353\232\275\025\275\352\333\252\272"
    "\250nn\312\250\240\033\311\256\344\256\310\302\240\356\312\256&\344\013"
    "*\345\274*\337:\261o\217\262\340L\252\313]1\272\217\204\337I\372\343\226"
    "\361\273\216D\346\335\352\232\226\346\336\251\205\307\200\350\327\241<\244"
    ":j\317\236\010\212\000\352\262\352G}\341:\272\221\337x;.\244g\336\023}:"
    "\327\202_x;\271\273*\267\017Z\252\3379\262\250K.\244]\365\022\352D\313\213"
    "\004\326\352D\336\3557\273\237\203\336l\351\323!*\342\313\251%\367\206\352"
    "\352I}\3411\273+\271\023\256&\262\240\370\272\2214\243\014\346\312\241\364"
    "\327\220\371\272\221r\253J\351\233\340\372\272\221\237x\077f\347\235\301"
    "\347\237\200\272\234j\007;\271o-)\353\032\202\323\233\253\371\271\251\245"
    "\277&\346\213H\273;\2711\3227\311\277&\346\213A\321\272&\316\212\261\016"
    "\232\270\347}>\016\312\271\253\272\263\347\200\365\262\256j\356\254\371"
    "\340\326\371\273*\242\200>*\347\255D\352|\256\344>\267\273;\033\253>j\334"
    "\235\352\262\3569\253rx\253\236\265\012\216q\013Z\267\310<C\336\355\033"
    "\262\256G\342\256A\326\2000\243-A\253\332\250n\273\261\251\274t\232\221"
    "\261\322jB\372\216q\006\354q\003\031\263\247\035(\301\271\251\245\275\372"
    "\306\242h\336\251\271\251\275\372\306\256*\344\235\352\343\235\356\243\226"
    "\370\253\032\301\242\335<\314g\336\006\312\271\366ny\334\033\263\300I\271"
    "\013\216j\314Of\347\235\301\306\3569\366ny\334\035(\300-0\353V\351\243M"
    "0\272\240w\253-;\253\331\271\347px\252\254\003\347\331\271\347p\271\233"
    "\221b\200\014\246\247\273\270\250-[\342\331\251\323\306\370\346j0\006{\263"
    "\244\032\262\236m\367\272\255\303\256\226\350\336\251\271\250n*\243z\271"
    "\006\3537\233\232\233\326k*\340,\350\323z\201\302\233\267\026nB\317JE\233"
    "\220q\322\214\005xY\261\304\034\246\324G\201\322\233\253\371\274i\344.\263"
    "\344V\370\253\231\271\347p\273\251\274\264\353>E\326k*\340\035w\323\232"
    "\250\344/A\331\273*\347\212\271\233\236w\017=9\272\277\203\323Z\263\017"
    "\233\262\252\235\352\242\253\273\250\366\371\273*\242\200\216*\316\223\033"
    "\346\354\252\212\000\372\317\033\263\300\035\352\312mA\342\3129\304;*\344"
    "=\350\354>3\244/\263\240\036\261\346\355q\253\332\267\013<t\243\001\346"
    "\307\020\362\233P3\233*\233\347F\355\233:q\251\271\271\013=8\306\252\265"
    "\006\257+\343\231\271\233\220k\343\212\267\356\216q\006\352*\003Li\257\216"
    "f\344<x\346nC\323\032z\316l\252\017\216f\344>\263\233*\201\326\254\304n"
    "\177\233\266l\351\306\246\346\344^w\252\241&\344g\200\326n\270\250\032."
    "\243L\353\272\306\356\322y\270\250\255\352\232\222\274\336\356j\006\255"
    "\353n\256\352\317\226\364\326\254\303\343L\346\306\356~\006\352k\245\273"
    "*\346\272F\323Z\263\033\212\263\245\276.\2639\261\013Z\204x.\364\345\275"
    "\364\323\220p\253\346\346\307\035(\026\275\352\250\134\265\337Nj\243\220"
    "t\307\020u\323\034Eo\233\262\252(\001\336\216q\012\251\251\212\001{\031"
    "\340\261\273+\271\212\000\264\242\2568o)\251\356\356*'z\261\252n*#\274\233"
    "\336\251\251\354\2777\273\232\273\016\261.\304\036*\306\2529\210\206\371"
    "\273*\242\200\036w\232\212\201\353\235r\342\300|\336\356j\212\001\273\035"
    "\3406\352\255\376o-)\353\032\202\323\231\250\347\022\033\256\2207\252jD"
    "\232\332\246\244Jn\334Ln\317\002&\344N\302\237M9\012\216\304\257}2\023,"
    "\270\260\206\371\273*\242\200^,\013)\265n\273\261\251\275f\262\256\003\323"
    "\272\275\233\236w\0139\262\250i\271!\340\266\352\2569o\012\276\013\216f"
    "\337\226\370\373\212&\307\020n\342\216\333\257\036\270\265\273\250\232\213"
    "j\007*n\334\036*\330\036[\342\353&\243\233\264\314mj\316\233\263\260}\364"
    "\243)\270\300m\272\253\252\256\316\275\006\336\256z\3371\270\353\215j\316"
    "\221\271\273*\251\362k\271=\276n\312\250\240\017\2338\272\315\272\253\252"
    "\256\316\275\002\233\2008~W\033\263\251\267\246\252[\343\2357\232\312\205"
    "\326\213\233\313+\264oz\246\244\3577\273\232\205\337\254\371\273*\233\273"
    ">9\334^9\267\353\201\242\332\251n\312\271o]\356\323{\271\371\274\246\365"
    "K\263&j\353\273;\271\370\256y\334\235f\336l\211\342\213j\247\254j\334m\367"
    "n\312\271n\354\371\253~\346\305V\371\273*\242\200n*\346j\353\273;\271\370"
    "\256y\334\235f\336l\211\342\213j\247\254j\334o\256\253\032A\252\2124\313"
    "P\372\336\356~\013\032\250\344,\250\347\020\354\253\220\364\324>n\312\252"
    "t\324\246\371\273*\242\200,\351\022\273\261\250\210\240\023,\270\260^,\023"
    "\235\002\345\274\252\313]1\272\217\215n\3352\251\274\364\246\2417\322~\270"
    "\345\274n\343\2219\267z\246\245\271\267\252an\245\271\251\247z\270\340\134"
    "x\016\2352\232\354\363\233*\203\257\213.\244\207\336\027\253\251!\367\203"
    "\262\352F}\3417\323\255x%\367\203\267N9\316l\252\016\356n\312\255\303\317"
    "\200\365\262\352D\336\3557\273\237\203\336\253.\244\207\336\027\213.\244"
    "\227\336\033\253\251%\367\205\352\352H}\3411\273+\271\017\213\251\023J0"
    "\323^C\346\354\252\322\272f\370>\256\244g\336\017\331\271\347pl\253\234"
    "\246\343\000m\312nC\243\234C\247\220\354\253\220\272\346\235<\314\033\254"
    "\232\216n\32311\347\216f\243\000\363\233\021\253\244\210\003\326\254\351"
    "\273;\004\337J2\233\214\003\336\256z\3370\370\353\215j\316\220t\243\012"
    "\271\032\211\261\304mf\273pu\306\352*\013\246\350\336\251\271\250M\372\314"
    "\036*\347)\270\300\036f\344H\240\022\276\006\212\001=\012\354\252\013\237"
    "\201\352}f\262\246\365\337NA\362mh\323>j\367\2214\256\261s\012\356h\265"
    "\272\263\246\351\263\007\354\261\273<\007\233\220\263\240F\353\273\032\233"
    "\336l\354\250\367\204\257\200\270n\232\247\352\306\370\253\2324\317\232"
    "\275\344:&\307\020\353\340;\263\257@\361\322\300\362\273^\000\346\252\201"
    "\263\013\261\304\033\262\250M\333\243z\246\346\241\251\253\032\271\250k"
    "*\347N\352\337~\263'\233\262\250\330\240\033\212\271\346\354\2526(\005\256"
    "\221\333\243z\246\346\242,\253\236n\312\243\342\200\216*\347\233\262\250"
    "\370\240\023\200p\273\034A\337\254\350\233\232\210\212\000z\366\211\261"
    "\304\016\254\253\235\361\273+\271\007\033\262\273\220r\233\214\002\323\254"
    "\371\031\340s\233*\202\306\354\360\032nB\342\331\267\250\036*\306\351\303"
    "\336\271\272\307\232\351\013w\242\015\367\202\346nA\346\354\252\027>&\344"
    "\226\371\273*\242\200^\000\356\2757\300\033f\316\316\265\007)\042\023Li"
    "\013\215q\272\212\201\342\255\373\253p<\232\356`\022\352D\326\352A\336\356"
    "j\027\260\000";
#define SC_NAMES_LEN 5063
#define SC_TABLE_BYTES 610
#if SC_TABLE_X86_64
static const unsigned char sc_table_x86_64[SC_TABLE_BYTES] =
    "\377\377\317\311\012 U0\012>\237\334R\202'\377\377\377\177\014A\375\377"
    "\077\003\377\377\077\134\037~@\241\005\027\377\207\022\323\377\345\374O"
    "\316\377\346\374\077\316\3778\3146\000m*\030U\205+\260\200\020\002I\325"
    "\214\224\2165\031\345\206\3165\034\211\264\203P<\234\323\320m\335\374\337"
    "\021K-E\261\005C\304u\361\077AH\374\277D09\021\223D\016\307\274\346\013"
    "l\256\305V\300\377\377+\362\277\022\3777\361\2772\310\375\177\134p\306\025"
    "\024\313;\022M\363\177MO8\221\015\033\377\257\361\077\032\377\317\361\077"
    "\0114\344\361\306\011\265\270\301\210Ox\374o\307\377a\210\301\307\0147\350"
    "\002\206\031\377\377\362\377\377\257\370\323\217I\377H\363\0144M\375\357"
    "L4\252\255\226\032\004\255\260\302\317>\377\343\004\224=\372\370\320\033"
    "o\276y\361\0770V$$\2030\303\374O\2151\010\364b\300\377\034\024\327\016Q"
    "\077\375\006\320\006S\010T\310@\225\024uI\002\377kR\212n\255]\244\300\377"
    "\365\320\003\317<\377\313\363\177<\031\034A\204\021Eh\360\277%\230,\360"
    "\322\010\006\321\362\377\377\377\377\377\377\377\002\300\304Z@\265\211\360"
    "\377\377\377\253t\210m\262\241fAI\233(\265TR\007<\364\177'\021\234t\224"
    "K\270\001g\323M\377\377\357\320\377e\330\042\001JH\3112\313n\000\354\362"
    "\177\026\013M\220\312\377-\254\364\377\013\330\024#\005B<\345\263\315\377"
    "T8\325\300\037\016\004\362\200 \200\374\237\322\377\377\377\377\377\377"
    "\377K2\0113;=\022\011%\377/\243\223#\220`\320S.\027\010\001D\020\334\374"
    "\377\077\012\377\317\344\002\013\356\010\027Q3\332\374\277\312\036\377\353"
    "\361\277\032\377\323\361\277*&\320\324F#r\374\177\307\377u\374\037\307\377"
    "\240\300a\003)i\374\317\313\377\036|0D\0070\374\077\310\377\032\205\364"
    "\377\377\377\377\237\302\3775L\364\377\377\377\023\360\177\042\3773\365"
    "\377\377\377\377\217\312)\377c\241\220(\025\375/\323\377\377/2\306\031\377"
    "S\244N2\336\210\023\0168\377\177\363\377\377\033}\364\277G\377\223\201\014"
    "\023\377\343\362\377\377_\374o\312\017W\034\004\221!C\375\377\077\042\204"
    "`\364\377::d\362\377\377\026\261\323\303=\377\007@\001\000";
#else
#define sc_table_x86_64 NULL
#endif
#if SC_TABLE_X86
static const unsigned char sc_table_x86[SC_TABLE_BYTES] =
    "\2148R\311\377l\2050\203G|$\262\001`\377\377oHZeE\360\177\013\377\377\077"
    "\034.\2710\360\200-\324\364pUe\012Y\226\320d\013]\206\020ex\314f\000mj\345"
    "\205\300\037\201\244\360\203R\376$\365\317\377\077\345\006\320\377C!\265"
    "\200Y\001\3603\323m\372@D\224TS\025\342\205L\304}\361\214J7tC\3119^\251"
    "\363\210\000\355\274F\016l\256\305\306F1,\221\321\220\035#t!\014<\310\231"
    "v\134p\306\255$\310D8\321\363\277O\2674\302\215\014\312\304\220\314\013"
    "\310@\321L\032p\021\022\004\005\274\000\001\306X\253LSJ4L41\311[m\201\343"
    "\004\006\307\224\003\002\034\200\2204\022S%\345c\317=\201\201V\017>\252"
    "\255\226\232\015e\270!RHut\365\377F \225\320\033o\276A`\2149\011\274\264"
    "\026:\351\324\320\017;\023\214\263\0061\333\024'\321]d\375f\2226'\240\344"
    "@J\226\340\205\211\026\300\354Q\201n\255\365\324\007\016\032eT\021F\243"
    "]$\232E\243H\366Xd\220A\362\377%\231lQ\225(\377\247\042\002\007T\354 A\033"
    "\005X\305\332I\265u\360\377\377\377C\205\210m\262\241\246\302R\331\364\345"
    "\027_\250\324\344\031+\2644\245\027U\270\001\267\025W,\210ASg\032\364R\213"
    "S{\2352\310n\003\204\223E\0251E\202\305\377sE\025\032]\001\255c\202Ka}\004"
    "\300\377(\010\346\012,\257\310\322\312,\261\224\366\324\377\377\377\377"
    "\377\377\377\177\002\212<`m\322I(\247\305\363\225&\234x\042\326\377R(\226"
    "\330\377\377\223\366\377.\357d%W\134\024\011w\323<\002\375\237\307\042\330"
    "(r\215\013\326D\341\214\022hh\225C\030G0\243\2124\244@c\3042K\010\341\326"
    "\023\027T#\016\021\2151\346\330bu\015\241\013\014A\035\225\204\037w q\226"
    "\031h\345\364\377\377E\2501\314\030\014\375\225\301\007\377\377\077\307"
    "\025\377O\001\023\011:\375\217\325\377\377\037B\307\031\377\357\344P\003"
    "\003\035dPA\230\021\224\331\377B\031\245YQ\233\255\340\016\027\301\374\377"
    "\213\016<X@\203\036\012\264d\223\025v\375\377\277\017\036\000\305\331C\276"
    "\274aJ\034<E$\007G\007\020 \011\000";
#else
#define sc_table_x86 NULL
#endif
#if SC_TABLE_X32
static const unsigned char sc_table_x32[SC_TABLE_BYTES] =
    "\377\377\377\377\012 U0\012>\237\334R\202'\377\377\377\177\014A\375\377"
    "\077\003\377\377\077\134\037~@\241\005\027\377\207\022\323\377\345\374O"
    "\316\377\346\374\077\316\3778\3146\000m*\030U\305\377\260\200\020\002I\325"
    "\214\224\316\377\031\345\206\316\377\034\211\204`\210<\234\323\320m\335"
    "\374\337\021K-E\261\005C\304u\361\077AH\374\277D09\021\223D\016\307\274"
    "\346\013l\256\305V\300\377\377+\362\277\022\3777\361\2772\310\375\177\134"
    "p\306\025\364\377;\023\376\377\177MO8\221\015\033\377\257\361\077\032\377"
    "\317\361\077\0114\344\361\306\011\265\270\301\210Ox\374o\307\377a\210\301"
    "\307\014\036\352\002\206\031\377\377\362\377\377\257\370\323\217I\377H\363"
    "\0144M\375\377!\210\252\255\226\232\200\255\260\302\317>\377\343\004\024"
    "\204\372\370\320\033o\276y\361\0770V$$\2030\303\374O\2151\010\364b\300\377"
    "\034\374\337\016Q\077\375\006\320\006S\010T\310@\225\024uI\002\377kR\212"
    "n\255U\250\300\377\365<\010\317<\377\313\363\177<\031\034A\204\021Eh\360"
    "\277%\230,\360\322\010\006\375\377\377\377\377\377\377\377\377\002\300\304"
    "Z@\265\211\360\377\377\377\253t\210m\262\241fAI\233(\265TR\007<\364\177"
    "'\021X(\242K\270\001\267!\207\377\377\357\320\377\011\332\042\301\205#\376"
    "\077\313n\000\354\362\177\026\013\015\230\312\377\005f\370\377\201\330\024"
    "#\005B<\345\263\315\377T8\005\240\202\0160\030\240 \013\376\217\341\377"
    "\377\377\377\377\377\377K2\0113;=\022\011%\377/\243\223#\220`\320S.\027"
    "\010\001D\020\334\374\377\077\012\377kh \013\356\010'\341\377\332\374\277"
    "\312\036\377\353\361\277\032\377\323\361\277*&\320\324F#r\374\177\307\377"
    "u\374\037\307\377\240\300\321!)i\374\317\313\377\036|0D\0070\374\337\340"
    "\377\032\205\364\377\377\377\377\237\302\3775L\364\377\377\377\023\360\177"
    "\042\3773\365\377\377\377\377\217\312)\377c\241\220(\025\375/\323\377\377"
    "/2\306\031\377S\244N2\016\212\023\0168\377\177\363\377\377\033}\364\277"
    "G\377\223\201\014\023\377\343\362\377\377_\374o\312\017W\034\004\321\377"
    "C\375\377\077\042\204`\364\377::d\362\377\377\024\376\337C\204\377\007@"
    " \000";
#else
#define sc_table_x32 NULL
#endif
#if SC_TABLE_AARCH64
static const unsigned char sc_table_aarch64[SC_TABLE_BYTES] =
    "\377\377\377\2772\362\374\237E6\253\374\377\377\377\377\377\377\0772\030"
    "\375\377\2775\377\377\077\234\026[\304\360\377\377\377\317\240\320\377r"
    "\374\037\307\377s\374\017\307\377\334\314\226\003m\313t\364\377\377j\134"
    "\360\077\006\377SP\301\377\026\344\366\377\377\377O\320MF]x\001\303m\337"
    "\374\377\202A\007\311@C\015\304\335\360\277\015\031\374\077\205\002\021"
    "5\000\302\377\020\274v\000l\256\305\006\305\377\377\263\360\277\024\377"
    "\273\360\277\030\310\375\177\134p\306\375\377\077;d\374\377\077*\021\374"
    "\337C,\377\277\362\077,\377{\362\277\031\315l\362\077+\377\267\322\210E"
    "\226\374O\311\377\243\224\302\0113\321\310\222\212+\377#\360\377\377il\360"
    "\277\006\034\014\020\000\001$\375\017\200\000\252\255\226Z\007\377\377\377"
    "\201\007\377Cd\022\032\333\004\322\033o\276\375\377\177\002\377\227\220"
    "\314\002\014\374/\301\003>\030\360\377\377\351\024\267\316F\027\375\346"
    "\016:\377\213\360\177\010\344pd\2167\377\377\217\202n\255\275#\316\377\271"
    "\340B\313-\377\333\362\177-\330\354\242\013/\275\214\363\1779\347\134\203"
    "P\031O\250\360\377\377\377\377\377\377\377\377'\304\032\016\265\375\377"
    "\377\377\377\307\303\205m\262\241\366\377\016)\204$\022H\377'\361\377)C"
    "\024\341QA\270\001\347\320C\377\377\217\304\377u\374O\204\021\037\375\317"
    "\303n\077T\363\377\377N\004\341\310\377\317\314\363\0775\3528\360\277\011"
    "\024i\003\310\377\377\227d\010\042\207(\262H!\211\374\017\317\377\377\377"
    "\377\377\377\377\367\341\307\036\023\345\201\307\037\377\353!\221\035w\360"
    "Q\321\377\377\377\342K0\300\374\377\377\021\37774\2153\355\0107\306\377"
    "`\374/\012&\377_\362\077$\377\177\362\177(g0\244\011#\217\374_\311\377\223"
    "\374\037\311\377\244t\002\215*\222\374_\300\377\304\014S\2140\322\374O\310"
    "\377\377+\361\377\377\377\377o\314\377\3070\361\377\377\377\377\377\377"
    "\012\377\217\364\377\377\377\377\037\0168\377\377OB\024T\374\277\320\377"
    "\377\377\077\013\035\37771\310\377k\274\321\006\033\377\273\361\377\377"
    "U\134\361\277\025\377g\042H\013\377\377\377\377\377\246\374\177\002(\377"
    "\217\020\306\377\032\375\377\377\377\377c\361\377\377\377\353\360\377\377"
    "K\374O\320\027\377\003!\004\000";
#else
#define sc_table_aarch64 NULL
#endif
#if SC_TABLE_ARM
static const unsigned char sc_table_arm[SC_TABLE_BYTES] =
    "\2148RIGn\2050CM|\374\377\377\377\016Ue\210F\202\375\037\177\013\377\313"
    "\077\034.\2710\360\200-\324\364@We\010Yv\320d\011]f\020ex\314f\000m\033"
    "\035\206\300\377\201\244\360\203Y\372\224\265\317\377Z\345\306\317\377_"
    "\221\265\300`\001\340\343\324m\377\377\017\326[p\025\342ES\304}\361LQ7t"
    "C\3119{\251\363\210\000\355\274F\016l\256\305\306F1G\221\261\220\035\377"
    "w!\014<\310\231v\134p\306\031\365\077PS\375o\177V\2674\222\215\014\312\304"
    "\220\314\013\310@\321L\032\037\021\022\004\005\377\003\001\006`\253LSJ4"
    "\37771\211G'\201\343\004\006\307\224\363\377\377\200\364\304\023Z>\335C"
    "O=\217\2016\217=\252\255\226\232\015\377\377\277\223N\377\353\025\331V7"
    "\225\320\033o\276A`\2149\011(\305\021:\351\374\237\017;\023\214\263\006"
    "1\334\024\367Sa\201\375\017\3316'\014\345\000Q\226\030\206\311\377\300\374"
    "_\201n\255a\325\307\377\027Y$QE\243Q$\332D\243\300\364\222K-A\362\377%\231"
    "l!\227(\377\247\042\302\377\377\377\377\377\377\005\314\305\232P\265u\360"
    "\020D\021\261\205\210m\262\241\246\302Y\332,\306\230b\250@\345\031+\264"
    "\244\205X\134\270\001\207W^\377\377\377Tg\032\374_\213Z\211\375\077\310"
    "n\003\204\363\177\025LE\202\305H$\265\025ZJ\375\254cBR~\331\004\300\377"
    "(8\346\012,\257\310\322\312,\261\224\266\326\377\377\377\377\377\377\377"
    "\177\002\212<}m\322I(\247\305\303\227&\234x\362\327\377\377\263\264\222"
    "J8\221\026\322.\357\330\205\222HA\011'\325\377\000\325\237\307\042\330("
    "r\215\013\326D\341\214\022h\334\225C\030G0\243\2124\244@c\3042K\010a\322"
    "\023\027T#\316\3771\321$\323L%\015\241\313\377]\215\225\204\037w \221\321"
    "\377 Q\365\377\377\377\2531\314\030\0125\366\377\377\377\377\077\307\025"
    "\377O\261\024\011\377\377_\327\377\377\037B\307\031\377[\305\320\377\001"
    "\025D\320@\230\011\224\331\377^\211\245YX\233\255\340\016\027\301\374\377"
    "\313\377<\374O\203\036\012 \025\225\025\204\315O\277\017\377s\305YC\276"
    "\274\361\377\377W\345$\007F\377\023 \011\000";
#else
#define sc_table_arm NULL
#endif
#if SC_TABLE_MIPS
static const unsigned char sc_table_mips[SC_TABLE_BYTES] =
    "\2148\222\011*N\2050\003F|$\262\301\377\377\377oH*cE\360\177\013\224L2\034"
    "3\3150\360\2002\377\367PUe\010Yv\320d\011]f\020ex\314f\000m\252\240\205"
    "\300\037\201\244\360\303Q\370\030\225\317\3779\345\246\317\377\077\025\265"
    "\000Y\001\330\303\322m\376\374\017\024TQ\025\342\305J\304}\361\377H7p\203"
    "I9\134\241\363\210\000\353\274&\016l\256\305\306\3065%\221\001\220\035#"
    "tA\215;\310\231v\134p\306\221$HC6\375\377\077N\3134\262\215\014\377\307"
    "\360\377\013\377C\361\177\032\253\020\022\004\005\320\000\001FX\277\374"
    "\257\313\377L4q\011+\255x\343\004\006\377\217\003\002\034\200t\304QR\036"
    "\325#\317<p\201\026\017=\252\255\226\232\015e\270\261\223Nul\365\377M\032"
    "\225\320\033o\276A\360\0779\011\240\344\2129\347\324p\217:\023\204\263\206"
    "5\332\024\307\220Yb\375\377Q6'\204\344\200H\232\234\305\211\026\322\354"
    "Q\201n\255\321\324\007\016\024M\364\220D\243E$\032D\247H\366Xd\220A\362"
    "\377&\235l1\225)\377\367\042\302\377\377\377\377\377\377\005P\305\032H\265"
    "u\360\377\377\3777\205\210m\262\241\246\002R\330\260\325\326Z\274\270\344"
    "\0310\310(\225\226T\270\001\227\225V,\210\321Rg\032D\223\314Rj\3552\310"
    "n\003|\223E\025*E\202\305+\260<\025Z,\373\244c\302I_e\324\317\377(\274%"
    "\0141\303\030\023\3141\305\224\306\324\377\377\377\377\377\377\377\217B"
    "\012<^}\022J)\247\275\323\225'\240\210\002\326\377\377+\226\330\377\377"
    "\223&\3133\355\1345\013-\016\011W\323F\374\374\237\307\042\377+\362\277"
    "\013\377G\361\277\022h`\225C\030G\374\357\313\377\271\374o\304\377K\010"
    "Q\313\023\027\374\017\016\021\2151\346\330b\266\014\341\014\014=\021\225"
    "\204\037w q\213\031\270\300\364\377\377E\250Q\315\030\377\270\225\301\007"
    "\377\377\077\307\025\377O\221\022\0111\375o\325\377\000\034B\307\031\225"
    "\310\244P\003\001\025D\320@\230\011\224\231OA\011\245\331P\233\255\300\016"
    "\027\323\374\377\277\016<X@\203\036\012\230\364\222\025e\375\377\277\017"
    "\036\360\304\331B\377\277\021\307\3773U$\207E\007\020 \011\000";
#else
#define sc_table_mips NULL
#endif
#if SC_TABLE_MIPS64
static const unsigned char sc_table_mips64[SC_TABLE_BYTES] =
    "\377[\200\211\012%Q\340\311;\232\300R\302\377\377\377\377\077\014;\375\377"
    "\077\003\306\0243\334\036|8\201\205\026\377s\302\322\377\337\374\357\315"
    "\377\340\374\337\315\3777\3146\000m)\0005\305)\251|\000\202G\317t\004\315"
    "\377\020\345\026\315\377\026q\224\003O:43\320m\327\374\177\321I(=\221\205"
    "@\304m\361\277>F\374\237D.3\361r\004\016\277\274f\013l\256\305V\300\377"
    "\377\037\362\077\022\377/\361\2770\310\375\177\134p\306\355\243\0129\015"
    "\375\377\377CM0A\223\032\377\247\361\277\031\377\307\361\377\0103\334\321"
    "\206\011\256\260\221HNv\374O\307\377_\200\241\207\0146\310\342\005\031\377"
    "\337\362\377\377\250\3203\017H\3650\223\2142H\375\217\3142\252\255\226\332"
    "\003\377\377/QD\377\313\364\277C\361\360\320\033o\276q\361\077.T\374\023"
    "\203.\273\374\357\214/\010\324b\300\377\033\0247\216O:\375o\217\006Q\340"
    "3H>\222\374DI\002\377\377\017\212n\255-\244\300\377\353\250cN:\377\243\363"
    "\3779\030\024!\004\021Cd\360\377$\225,\240\222\010\374\264\362\377\377\377"
    "\377\377\377\377\002\254\304\332=\265\205\360\377\377\377\223D\210m\262"
    "\241V\301G\227\020U\324P\007\024\364\177&\020\204\024TJ\270\001\007SL\377"
    "\377O\320\377c\274\022\201HB\255\302\312n\000\314\362\377\025\001I@\312"
    "\377,\230\364\277\013\322\364\002\205\0777\301S\315\377R\034\325@\037\016"
    "\3741\015 ~\374\077\322\377\377\377\377\377\377\377\077\002\011161\342H"
    "$\377\017S\323\042\215\134\200\323\377\377\003\341\303\017\326\374\377\377"
    "\011\377\273\324\302\012\345\010\307\220<\324\374oJ\036\377\343\361\077"
    "\032\377\313\361\177)$\274\264\206\042p\374_\307\377s\374\377\306\377\233"
    "\270Q\303'g\374O\313\377\035x\020\004\007/\374\037\310\377\024m\364\377"
    "\377\377\377\217\302\3774\034\364\377\377\377\023\360\277!\377\033\365\377"
    "\377\377\377\077\212(\377[\001P'\010\375\337\322\377\377#\022F\031\307$"
    "\024\316\377\330p\263\2156\377g\363\177E\030e\364\277F\377\213\001\214\022"
    "\377\377\377\377\377]\374\037J\017U\364c\320\377=\375\377\177!\202L\364"
    "\2778\377[\362\377\377\012\261\263C;\377\0070\001\000";
#else
#define sc_table_mips64 NULL
#endif
#if SC_TABLE_PPC64LE
static const unsigned char sc_table_ppc64le[SC_TABLE_BYTES] =
    "\2148R\211RX\2050CC|$\262\301\377\377\377o\310QiE\360\177\013\377\377\077"
    "\334-\2700\360@-\377\367\260\325\377\367\374o\317\377\370\374_\317\377x"
    "\314f\000mH\355\205\300\037\201\244\360\003O\354\354\324\316\377/\345\346"
    "\316\3773\351\264\200Z\001\250\243\322m\351\374_\323PD\025\342EJ\304}\361"
    "\177H7\374O\2115ae\363\210\000\334\2746\015l\256\305\306\306\377\377\223"
    "\321\217\035#t\361\1777\310\375\177\134p\306\211$\010A+\375\377\277K\266"
    "4\242\214\014\377\307\360\377\013\377C\361\177\032L\021\022\004\005\273"
    "\000\001\306Y\252\374_\312\377L41\311RT=\343\004\006\377S\003\002\034\200"
    "P4\221O\025\235CN9\204\375\077\2169\252\255\226\232\015e\270!QDu\210\345"
    "\027C\017\225\320\033o\276A\360\1775\011\230\224\3245\330\324\260\3166\023"
    "H\263\306\377\315\0247P[h\375/\2203'|\344\000H\226\350\205\211\026\377\357"
    "Q\201n\255\265\324\007\016\013)dPB\377#\364\377A\243H\366Xd\220A\222\314"
    "%\231l\221\225(#\241\042\002\007T\354 A\033\005h\305\232G\265u\200\2141"
    "\307\374\204\210m\262\241\246BO\313\000\026\230`\247d\364\377*\263\000\305"
    "WQ\270\001\367\025X,\210\201\321\377\032\360BKP}\2312\310n\003\374\222E"
    "\025(E\202\005TQ]\365\277U\357hcBIe9\004\300\377(\014\326\312+\256\304\302"
    "\212,\260\374/\324\077\377\377\377\377\377\377\177\002\3127dm\322I(\377"
    "{3\226&\234xb\326\377R(\226\330\377\210\375\357\224.\377wU\325S\005\011"
    "\307\322\377\350\374\237\307\042\377+\362\277\013\377G\361\277\022hx\225"
    "C\030G\374\237\312\377\244\374o\304\377K\0101\325\023\027\374\037\015\021"
    "\2151\346\330bR\015\221\013\0141\345\224\204\037w a\224\031Mmt\221EE\250"
    "\361\377\030\374\374\225\301\0076\3453\307\025kMq\022\011\377\323\304\025"
    "@\377\037B\307\031\377s\244O\003\360\3203\217<\377\307\363\377\3772\341"
    "\364\377M\377\257\000\015\027\377\207\343\213\016<X@\203\036\012\220\244"
    "\221\025l\375\377\277\017\036\300\364\377>\275\274\021\307\377\035\375/"
    "\007D\007\020 \011\000";
#else
#define sc_table_ppc64le NULL
#endif
#if SC_TABLE_RISCV64
static const unsigned char sc_table_riscv64[SC_TABLE_BYTES] =
    "\377\377\377\2772\362\374\237E6\253\374\377\377\377\377\377\377\0772\030"
    "\375\377\2775\377\377\077\234\026[\304\360\377\377\377\317\240\320\377r"
    "\374\037\307\377s\374\017\307\377\334\314\226\003m\313t\364\377\377j\134"
    "\360\077\006\377SP\301\377\026\344\366\377\377\377O\320MF]x\001\303m\337"
    "\374\377\202A\007\311@C\015\304\335\360\277\015\031\374\077\205\002\021"
    "5\000\302\377\020\274v\000l\256\305\006\305\377\377\263\360\277\024\377"
    "\273\360\277\030\310\375\177\134p\306\375\377\077;d\374\377\077*\021\374"
    "\337C,\377\277\362\077,\377{\362\277\031\315l\362\077+\377\267\322\210E"
    "\226\374O\311\377\243\224\302\0113\321\310\222\212+\377#\360\377\377il\360"
    "\277\006\034\014\020\000\001$\375\017\200\000\252\255\226Z\007\377\377\377"
    "\201\007\377Cd\022\032\333\004\322\033o\276\375\377\177\002\377\227\220"
    "\314\002\014\374/\301\003>\030\360\377\377\351\024\267\316F\027\375\346"
    "\016:\377\213\360\177\010\344pd\2167\377\377\217\202n\255\275#\316\377\271"
    "\340B\313-\377\333\362\177-\330\354\242\013/\275\214\363\1779\347\134\203"
    "P\031O\250\360\377\377\377\377\377\377\377\377'\304\032\016\265\375\377"
    "\377\377\377\307\303\205m\262\241\366\377\016)\204$\022H\377'\361\377)C"
    "\024\341QA\270\001\347\320C\377\377\217\304\377u\374O\204\021\037\375\317"
    "\303n\077T\363\377\377N\004\341\310\377\317\314\363\0775\3528\360\377\377"
    "\024i\003\310@\377\227d\010\042\207(\262H!\211\374\017\317\377\377\377\377"
    "\377\377\377\367\341\307\036\023\345\201\307\037\377\353!\221\035w\360Q"
    "\321\377\377\377\342K0\300\374\377\377\021\37774\2153\355\0107\306\377`"
    "\374/\012&\377_\362\077$\377\177\362\177(g0\244\011#\217\374_\311\377\223"
    "\374\037\311\377\244t\002\215*\222\374_\300\377\304\014S\2140\322\374O\310"
    "\377\377+\361\377\377\377\377o\314\377\3070\361\377\377\377\377\377\377"
    "\012\377\217\364\377\377\377\377\037\0168\377\377OB\024T\374\277\320\377"
    "\377\377\077\013\035\37771\310\377k\274\321\006\033\377\273\361\377\377"
    "U\134\361\277\025\377g\042H\013\377\377\377\377\377\246\374\177\002(\377"
    "\217\020\306\377\032\375\377\377\377\377c\361\377\377\377\353\360\377\377"
    "K\374O\320\027\377\003!\004\000";
#else
#define sc_table_riscv64 NULL
#endif
#if SC_TABLE_S390X
static const unsigned char sc_table_s390x[SC_TABLE_BYTES] =
    "\377\377_\311\377l\2050\203E|$\262\301\377\377\377oHZ_\375\377\177\013\377"
    "\377\077\034.\2710\360\0005\377\367\020\325\377\005\375O\320\377\006\375"
    "\077\320\377x\314f\000mj\335\205\300\037\201\244\360\203Q\371\034\245\317"
    "\3778\345\266\317\377>\015\265\200X\001\340\303\322m\375\374\257\023SM\025"
    "\342\305J\304=\363\377H7\374OI9X\241\363\210\000\353\274&\016l\256\305\306"
    "\306\377\377\223\241\220\035\377w\361\277;\310\375\177\134p\306\221$HC1"
    "\375\377\377M\2674\302\2152\377'\363\0772\3777\363\177\032p\021\022\004"
    "\005\274\000\001FW\323\374\037\315\377\27741\311[m\261\343\3041\377\217"
    "\363\077\034\200t\304\021Q\036\335CO=~\375\077\217=\252\255\226\232\015"
    "\377\377\277\221Fu\134\325WE\030\225\320\033o\276\031\363\0779\011\240\264"
    "\2269\347\374\357\206:\023\204\263\306\377\333\024\307\020Y^\375\366\221"
    "6'\204\344\200H\226\330\205\211\026\377\377_\201n\255\331\324\307\377\024"
    "M\364\220D\377G\364\077D\243H\366Xd\220A\362\377%\231l\361\224(%\245\042"
    "\302\377\377\377\377\377\377\005@\305\032H\265u\360\377\377\377/\205\210"
    "m\262\241\246BQ\331\004&\030`\250\270\364\077+\264 \205\227S\270\001GUU"
    "\377\377\337\322\377\032\364RKRy\2352\310n\003x\223E\025*E\202\305\377s"
    "\225\365\077]\013\245c\302I[]t\300\377(\374\345\012,\257\310\322\312,\261"
    "\374\257\324\377z\205\005\226U|}\002\012<Zm\322I(\377\277\223\225&\234x"
    "\302\325\377\216(\226\330\377\210\375\377\377.\377\233%W\134\016\011\007"
    "\323\377\374\374\237\0076\377_\363\2775\377;\363\277\022hL\225C\030\314"
    "\374/\315\377\320\374\277\314\377K\010\341\326\023\325\374\017\316\377\215"
    "1\346\330bu\015\241\013\014<\011\225\204\037w q\226\031h\311\364\377\377"
    "\377\253\361\377\030\011\355\365\377\377\377\377\077\307\025\377O\221\022"
    "\0113\375/\325\377\377\037B\307\031\377\323\024\317\377\376\010\024\020"
    "@\377\377\363\177O\077\005\365\077P\377\257\320\016\027\377\377\377\377"
    "\377<X@\203\036\012\230\364\222\025c\375\377\277\017\036\354\364\177N\276"
    "\274\361\377\3775\375/GF\377\023 \011\000";
#else
#define sc_table_s390x NULL
#endif
static const unsigned char *const sc_table[SC_NTABLES] = {
    sc_table_x86_64, sc_table_x86, sc_table_x32, sc_table_aarch64, sc_table_arm,
    sc_table_mips, sc_table_mips64, sc_table_ppc64le, sc_table_riscv64, sc_table_s390x,
};
#define SC_NMUX 32
static const uint16_t sc_mux_name[SC_NMUX] = {
    3, 4, 15, 44, 128, 143, 144, 186, 229, 230, 231, 232, 299, 300, 301, 303,
    345, 346, 347, 348, 350, 353, 354, 355, 386, 392, 393, 394, 395, 396, 406, 408,
};
static const uint8_t sc_mux_call[SC_NMUX] = {
    5, 18, 2, 3, 7, 6, 15, 4, 114, 113, 112, 111, 10, 12, 19, 17,
    103, 102, 101, 104, 9, 20, 16, 11, 14, 121, 124, 122, 123, 13, 1, 8,
};
static const uint8_t sc_table_muxes[SC_NTABLES] = { 0, 1, 0, 0, 0, 1, 0, 1, 0, 1, };
/* END GENERATED SYSCALL TABLES */

/* The names, unpacked from sc_name_packed on first use (front coding
 * and six-bit symbols: 2.3 KB in the binary for 3.5 KB of names). */
static const char *sc_names[SC_NNAMES];
static char sc_names_text[SC_NAMES_LEN];

/* The next six-bit symbol of the packed names (big-endian). */
static unsigned sc_symbol(const unsigned char **p, unsigned *acc, unsigned *bits)
{
    if (*bits < 6) *acc = *acc << 8 | *(*p)++, *bits += 8;
    *bits -= 6;
    return *acc >> *bits & 63;
}

static const char *sc_name(int i)
{
    if (!sc_names[0]) {
        const unsigned char *p = sc_name_packed;
        const char *prev = "";
        char *out = sc_names_text;
        unsigned acc = 0, bits = 0, sym = sc_symbol(&p, &acc, &bits);
        for (int k = 0; k < SC_NNAMES; k++) {
            size_t len = sym;   /* (a symbol below SC_KEEP_LIMIT: how much of the previous name) */
            memcpy(out, prev, len);
            while ((sym = sc_symbol(&p, &acc, &bits)) >= SC_KEEP_LIMIT) out[len++] = sc_name_chars[sym - SC_KEEP_LIMIT];
            out[len] = 0;
            sc_names[k] = prev = out;
            out += len + 1;
        }
    }
    return sc_names[i];
}

static int sc_has_table(int arch) { return sc_arches[arch].table >= 0 && sc_table[sc_arches[arch].table]; }

/* The index of a syscall name in the tables, -1 if no arch has it. */
static int sc_lookup(const char *name)
{
    int lo = 0, hi = SC_NNAMES - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(name, sc_name(mid));
        if (!c) return mid;
        if (c < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return -1;
}

static const uint32_t sc_table_base[SC_NTABLES] = { 0, 0, 0x40000000, 0, 0, 4000, 5000, 0, 0, 0 };

/* The socketcall (1..20) or ipc (100 + call) form of name `i` on arches
 * with the multiplexers, 0 for the rest. */
static int sc_mux_of(int i)
{
    for (int k = 0; k < SC_NMUX; k++)
        if (sc_mux_name[k] == i) return sc_mux_call[k];
    return 0;
}

/* The number of name `i` on arch `a`; 0 with *nr when it has one. */
static int sc_number(const struct sc_arch *a, int i, uint32_t *nr)
{
    const unsigned char *t = sc_table[a->table];
    unsigned bit = (unsigned)i * 10, v = ((unsigned)t[bit / 8] | (unsigned)t[bit / 8 + 1] << 8) >> bit % 8 & 1023;
    if (v == 1023) return -1;
    *nr = v >= 1008 ? 0x0f0000u | (v & 15) : sc_table_base[a->table] + v;
    return 0;
}

/* --- the BPF builder: back to front ---
 * Instruction k (counting from the end, 1 = last) has label k; a jump from
 * label j to label t skips j - t - 1 instructions. */
struct bpf_builder {
    struct oci_sock_filter *p;
    size_t cap, n;
    struct { uint32_t ret; size_t label; } rets[8];   /* recent `ret`s to share */
};

static size_t bb_emit(struct bpf_builder *b, uint16_t code, size_t t, size_t f, uint32_t k)
{
    if (b->n >= b->cap) return b->n;   /* overflow: reported by sc_compile */
    size_t j = ++b->n;
    b->p[b->cap - j] = (struct oci_sock_filter){ code, (uint8_t)(t ? j - t - 1 : 0), (uint8_t)(f ? j - f - 1 : 0), k };
    return j;
}

/* `t` if the next instruction can reach it with an 8-bit offset minus
 * `slack`, else a `ja` to it placed here. */
static size_t bb_near(struct bpf_builder *b, size_t t, size_t slack)
{
    if (b->n - t <= 255 - slack) return t;
    return bb_emit(b, BPF_JMP_JA, 0, 0, (uint32_t)(b->n - t));
}

static size_t bb_jump(struct bpf_builder *b, uint16_t code, uint32_t k, size_t t, size_t f)
{
    f = bb_near(b, f, 1);   /* t's `ja` may still come between */
    t = bb_near(b, t, 0);
    return bb_emit(b, code, t, f, k);
}

static size_t bb_load(struct bpf_builder *b, uint32_t off) { return bb_emit(b, BPF_LD_W_ABS, 0, 0, off); }

static size_t bb_ret(struct bpf_builder *b, uint32_t ret)
{
    size_t slot = ret % ARRAY_LEN(b->rets);
    if (b->rets[slot].label && b->rets[slot].ret == ret && b->n - b->rets[slot].label < 200) return b->rets[slot].label;
    b->rets[slot].ret = ret;
    return b->rets[slot].label = bb_emit(b, BPF_RET_K, 0, 0, ret);
}

/* One condition on an argument: on to `ok` when it holds, else `bad`.
 * 64-bit arches compare the high word first, then the low one. */
static size_t sc_emit_cond(struct bpf_builder *b, const struct sc_arch *a, const struct sc_cond *c, size_t ok, size_t bad)
{
    uint32_t off = SECCOMP_DATA_ARG(c->index), lo_off = off + (a->big_endian ? 4 : 0), hi_off = off + (a->big_endian ? 0 : 4);
    uint32_t dlo = (uint32_t)c->value, dhi = (uint32_t)(c->value >> 32);
    /* libseccomp masks the datum: bits outside the mask cannot matter */
    if (c->op == SC_MASKED_EQ) dlo = (uint32_t)(c->value2 & c->value), dhi = (uint32_t)((c->value2 & c->value) >> 32);
    uint32_t mlo = (uint32_t)c->value, mhi = (uint32_t)(c->value >> 32);
    size_t l;
    /* the low word decides when the high words are equal */
    switch (c->op) {
    case SC_EQ: l = bb_jump(b, BPF_JMP_JEQ_K, dlo, ok, bad); break;
    case SC_NE: l = bb_jump(b, BPF_JMP_JEQ_K, dlo, bad, ok); break;
    case SC_GT: l = bb_jump(b, BPF_JMP_JGT_K, dlo, ok, bad); break;
    case SC_GE: l = bb_jump(b, BPF_JMP_JGE_K, dlo, ok, bad); break;
    case SC_LT: l = bb_jump(b, BPF_JMP_JGE_K, dlo, bad, ok); break;
    case SC_LE: l = bb_jump(b, BPF_JMP_JGT_K, dlo, bad, ok); break;
    default:
        l = bb_jump(b, BPF_JMP_JEQ_K, dlo, ok, bad);
        l = bb_emit(b, BPF_ALU_AND_K, 0, 0, mlo);
        break;
    }
    l = bb_load(b, lo_off);
    if (a->bits32) return l;
    switch (c->op) {
    case SC_EQ: l = bb_jump(b, BPF_JMP_JEQ_K, dhi, l, bad); break;
    case SC_NE: l = bb_jump(b, BPF_JMP_JEQ_K, dhi, l, ok); break;
    case SC_GT: case SC_GE:
        l = bb_jump(b, BPF_JMP_JEQ_K, dhi, l, bad);
        l = bb_jump(b, BPF_JMP_JGT_K, dhi, ok, l);
        break;
    case SC_LT: case SC_LE:
        l = bb_jump(b, BPF_JMP_JEQ_K, dhi, l, ok);
        l = bb_jump(b, BPF_JMP_JGT_K, dhi, bad, l);
        break;
    default:
        l = bb_jump(b, BPF_JMP_JEQ_K, dhi, l, bad);
        l = bb_emit(b, BPF_ALU_AND_K, 0, 0, mhi);
        break;
    }
    return bb_load(b, hi_off);
}

/* --- one architecture's section --- */

struct sc_entry { uint32_t nr, seq; const struct sc_rule *rule; uint8_t mux_call; };

static int sc_entry_cmp(const struct sc_entry *a, const struct sc_entry *b)
{
    if (a->nr != b->nr) return a->nr < b->nr ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Shell sort with Ciura's gaps: a profile gives an arch a few hundred
 * entries, and the static binary carries no qsort. */
static void sc_sort(struct sc_entry *e, size_t n)
{
    static const size_t gaps[] = { 701, 301, 132, 57, 23, 10, 4, 1 };
    for (size_t g = 0; g < ARRAY_LEN(gaps); g++)
        for (size_t i = gaps[g]; i < n; i++) {
            struct sc_entry t = e[i];
            size_t j = i;
            for (; j >= gaps[g] && sc_entry_cmp(&e[j - gaps[g]], &t) > 0; j -= gaps[g]) e[j] = e[j - gaps[g]];
            e[j] = t;
        }
}

/* Every (syscall number, rule) pair the profile gives arch `a`, sorted by
 * number and, within one, in profile order. */
static size_t sc_entries(const struct oci_seccomp *sc, const struct sc_arch *a, struct sc_entry **out)
{
    size_t n = 0, cap = 0;
    for (size_t r = 0; r < sc->nrules; r++) cap += 2 * sc->rules[r].names->count;
    struct sc_entry *e = xcalloc(cap, sizeof *e);
    int mux = sc_table_muxes[a->table];
    uint32_t socketcall = 0, ipc = 0;
    if (mux && (sc_number(a, sc_lookup("socketcall"), &socketcall) < 0 || sc_number(a, sc_lookup("ipc"), &ipc) < 0)) mux = 0;
    for (size_t r = 0; r < sc->nrules; r++) {
        const struct sc_rule *rule = &sc->rules[r];
        if (rule->action == sc->default_action) continue;   /* libseccomp refuses these; runc skips them */
        for (const struct jv *name = rule->names->child; name; name = name->next) {
            int i = sc_lookup(name->s), call = mux && i >= 0 ? sc_mux_of(i) : 0;
            uint32_t nr;
            if (i < 0) continue;   /* logged by parse_sc_rule */
            if (sc_number(a, i, &nr) == 0) e[n] = (struct sc_entry){ nr, (uint32_t)n, rule, 0 }, n++;
            if (call) e[n] = (struct sc_entry){ call > 100 ? ipc : socketcall, (uint32_t)n, rule, (uint8_t)call }, n++;
        }
    }
    sc_sort(e, n);
    *out = e;
    return n;
}

/* The outcome for the entries e[0..n) of one syscall: a plain action when
 * one of them is unconditional (the first such), else -1 (a chain). */
static int64_t sc_unconditional(const struct sc_entry *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!e[i].mux_call && !e[i].rule->nconds) return e[i].rule->action;
    return -1;
}

/* The conditional rules of one syscall, first match wins, else `dflt`. */
static size_t sc_emit_chain(struct bpf_builder *b, const struct sc_arch *a, const struct sc_entry *e, size_t n, size_t dflt)
{
    size_t next = dflt;
    for (size_t i = n; i-- > 0;) {
        size_t ok = bb_ret(b, e[i].rule->action);
        /* the socketcall/ipc form: argument 0 is the call number; the
         * others keep their conditions, as libseccomp has it */
        for (size_t k = e[i].rule->nconds; k-- > 0;)
            if (!e[i].mux_call || e[i].rule->conds[k].index != 0) ok = sc_emit_cond(b, a, &e[i].rule->conds[k], ok, next);
        if (e[i].mux_call) {
            struct sc_cond c = { 0, SC_EQ, (uint64_t)(e[i].mux_call > 100 ? e[i].mux_call - 100 : e[i].mux_call), 0 };
            ok = sc_emit_cond(b, a, &c, ok, next);
        }
        next = ok;
    }
    return next;
}

/* Intervals [start, next start) of syscall numbers with one outcome: a
 * ret value, or a chain of entries (one number). */
struct sc_interval { uint32_t start; int64_t ret; const struct sc_entry *e; size_t n; };

static size_t sc_intervals(const struct sc_entry *e, size_t n, uint32_t dflt, uint32_t first, struct sc_interval *iv)
{
    size_t k = 0;
    iv[k++] = (struct sc_interval){ first, dflt, NULL, 0 };
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i; j < n && e[j].nr == e[i].nr; j++) {}
        int64_t ret = sc_unconditional(e + i, j - i);
        struct sc_interval cur = { e[i].nr, ret, ret < 0 ? e + i : NULL, ret < 0 ? j - i : 0 };
        if (ret >= 0 && k >= 2 && iv[k - 1].start == e[i].nr && !iv[k - 2].e && iv[k - 2].ret == ret)
            k--;                         /* the run of the number before goes on */
        else if (iv[k - 1].start == e[i].nr)
            iv[k - 1] = cur;             /* the very first number */
        else
            iv[k++] = cur;
        if (e[i].nr != UINT32_MAX) iv[k++] = (struct sc_interval){ e[i].nr + 1, dflt, NULL, 0 };
    }
    return k;
}

static size_t sc_emit_tree(struct bpf_builder *b, const struct sc_arch *a, const struct sc_interval *iv, size_t lo,
                           size_t hi, uint32_t dflt)
{
    if (lo == hi) return iv[lo].e ? sc_emit_chain(b, a, iv[lo].e, iv[lo].n, bb_ret(b, dflt)) : bb_ret(b, (uint32_t)iv[lo].ret);
    size_t mid = lo + (hi - lo + 1) / 2;
    size_t right = sc_emit_tree(b, a, iv, mid, hi, dflt);
    size_t left = sc_emit_tree(b, a, iv, lo, mid - 1, dflt);
    return bb_jump(b, BPF_JMP_JGE_K, iv[mid].start, right, left);
}

/* The outcome of one syscall number under arch `a`: its ret value, or -1
 * when it has conditional rules. */
static int64_t sc_outcome(const struct sc_entry *e, size_t n, uint32_t nr, uint32_t dflt)
{
    size_t i = 0, j;
    while (i < n && e[i].nr < nr) i++;
    for (j = i; j < n && e[j].nr == nr; j++) {}
    return i == j ? dflt : sc_unconditional(e + i, j - i);
}

/* The hottest syscalls of real workloads, tested before the tree when
 * their outcome needs no argument: they cost what they cost in
 * libseccomp's linear filter, everything else costs a tree walk. */
static const char *const sc_hot[] = { "read", "write", "futex" };

static uint32_t sc_enosys(const struct sc_arch *a);
static int sc_enosys_from(const struct oci_seccomp *sc, const struct sc_arch *a, uint32_t *max);

/* Checks of the hot syscalls of arch `a` (its entries e[0..n)) in front
 * of label `l`. */
static size_t sc_emit_hot(struct bpf_builder *b, const struct oci_seccomp *sc, const struct sc_arch *a,
                          const struct sc_entry *e, size_t n, size_t l)
{
    uint32_t max;
    int stub = sc_enosys_from(sc, a, &max);
    for (size_t h = ARRAY_LEN(sc_hot); h-- > 0;) {
        uint32_t nr;
        int64_t ret;
        if (sc_number(a, sc_lookup(sc_hot[h]), &nr) < 0 || (ret = sc_outcome(e, n, nr, sc->default_action)) < 0) continue;
        if (stub && nr > max) ret = OCI_SECCOMP_RET_ERRNO | sc_enosys(a);   /* above what the profile names: runc's stub */
        l = bb_jump(b, BPF_JMP_JEQ_K, nr, bb_ret(b, (uint32_t)ret), l);
    }
    return l;
}

/* ENOSYS as the arch's kernel numbers it: MIPS has its own errno table. */
static uint32_t sc_enosys(const struct sc_arch *a) { return a->table == 5 || a->table == 6 ? 89 : 38; }

/* runc's -ENOSYS stub: a syscall newer than every one the profile names
 * (for this arch, whatever their rules' actions) answers ENOSYS instead
 * of the default errno, so that programs fall back from clone3, statx,
 * faccessat2 and the like as they do under runc.  Not when the default
 * already lets calls through or is ENOSYS itself.  *max: that newest
 * number; 0 when there is no stub. */
static int sc_enosys_from(const struct oci_seccomp *sc, const struct sc_arch *a, uint32_t *max)
{
    uint32_t act = sc->default_action & OCI_SECCOMP_RET_ACTION_FULL;
    int found = 0;
    *max = 0;
    if (act == OCI_SECCOMP_RET_ALLOW || act == OCI_SECCOMP_RET_LOG || act == OCI_SECCOMP_RET_TRACE ||
        sc->default_action == (OCI_SECCOMP_RET_ERRNO | sc_enosys(a)))
        return 0;
    /* as runc counts them, by libseccomp's numbers: where an arch has the
     * socketcall/ipc multiplexers, their calls are pseudo-numbered there
     * and left out */
    int mux = sc_table_muxes[a->table];
    for (size_t r = 0; r < sc->nrules; r++)
        for (const struct jv *name = sc->rules[r].names->child; name; name = name->next) {
            uint32_t nr;
            int i = sc_lookup(name->s);
            if (i >= 0 && !(mux && sc_mux_of(i)) && sc_number(a, i, &nr) == 0 && (!found || nr > *max)) *max = nr, found = 1;
        }
    return found && *max != UINT32_MAX;
}

/* The decision tree of arch `a` over its entries, the syscall number in A. */
static size_t sc_emit_arch_tree(struct bpf_builder *b, const struct oci_seccomp *sc, const struct sc_arch *a,
                                const struct sc_entry *e, size_t n, uint32_t first)
{
    struct sc_interval *iv = xcalloc(2 * n + 3, sizeof *iv);
    size_t k = sc_intervals(e, n, sc->default_action, first, iv);
    uint32_t max;
    if (sc_enosys_from(sc, a, &max) && max >= first) {
        /* runc's stub comes before the filter: every number above max
         * answers ENOSYS, whatever the rules (only multiplexed calls, left
         * out of max, can have rules there) */
        while (k > 1 && iv[k - 1].start > max) k--;
        iv[k++] = (struct sc_interval){ max + 1, OCI_SECCOMP_RET_ERRNO | sc_enosys(a), NULL, 0 };
    }
    size_t l = sc_emit_tree(b, a, iv, 0, k - 1, sc->default_action);
    xfree(iv);
    return l;
}

/* The code for one AUDIT_ARCH value, the hot syscalls first.  x86_64
 * and x32 share one, told apart by the x32 bit of the number (libseccomp
 * kills the other half when only one of them is in the profile); the hot
 * x86_64 numbers are small, so they are tested before that bit. */
static size_t sc_emit_section(struct bpf_builder *b, const struct oci_seccomp *sc, int ai, size_t bad)
{
    struct sc_entry *e = NULL, *e32 = NULL;
    size_t n = 0, n32 = 0, l;
    if (ai == SC_X86_64 || ai == SC_X32) {
        const struct sc_arch *a64 = &sc_arches[SC_X86_64], *a32 = &sc_arches[SC_X32];
        int has64 = !!(sc->arches & (1u << SC_X86_64)), has32 = !!(sc->arches & (1u << SC_X32));
        if (has64) n = sc_entries(sc, a64, &e);
        if (has32) n32 = sc_entries(sc, a32, &e32);
        size_t x32 = has32 ? sc_emit_arch_tree(b, sc, a32, e32, n32, 0x40000000) : bad;
        size_t x64 = has64 ? sc_emit_arch_tree(b, sc, a64, e, n, 0) : bad;
        /* number -1 (a syscall a tracer skipped) is x86_64's, not x32's */
        if (!has32) x32 = bb_jump(b, BPF_JMP_JEQ_K, 0xffffffff, x64, bad);
        l = bb_jump(b, BPF_JMP_JGE_K, 0x40000000, x32, x64);
        if (has64) sc_emit_hot(b, sc, a64, e, n, l);
    } else {
        n = sc_entries(sc, &sc_arches[ai], &e);
        sc_emit_hot(b, sc, &sc_arches[ai], e, n, sc_emit_arch_tree(b, sc, &sc_arches[ai], e, n, 0));
    }
    xfree(e), xfree(e32);
    return bb_load(b, SECCOMP_DATA_NR);
}

/* The whole filter: this binary's arch is tested first and its section
 * follows at once; a bad arch is killed (libseccomp's default). */
static int sc_compile(const struct oci_seccomp *sc, struct oci_sock_filter **out, size_t *len)
{
    struct bpf_builder b;
    memset(&b, 0, sizeof b);
    b.cap = OCI_BPF_MAXINSNS + 1;
    b.p = xcalloc(b.cap, sizeof *b.p);
    int order[ARRAY_LEN(sc_arches)], n = 0, native = sc_arch_index(sc_native);
    if (native >= 0 && (sc->arches & (1u << native))) order[n++] = native;
    for (int i = 0; i < (int)ARRAY_LEN(sc_arches); i++)
        if ((sc->arches & (1u << i)) && i != native && !(i == SC_X32 && (sc->arches & (1u << SC_X86_64))) &&
            !(i == SC_X86_64 && native == SC_X32))
            order[n++] = i;
    size_t next = bb_ret(&b, OCI_SECCOMP_RET_KILL_THREAD), bad = next;
    for (int i = n; i-- > 0;) {
        size_t sec = sc_emit_section(&b, sc, order[i], bad);
        next = bb_jump(&b, BPF_JMP_JEQ_K, sc_arches[order[i]].audit, sec, next);
    }
    bb_load(&b, SECCOMP_DATA_ARCH);
    if (b.n >= b.cap) {
        xfree(b.p);
        return fail(".linux.seccomp: the filter needs more than the kernel's %d BPF instructions", OCI_BPF_MAXINSNS);
    }
    mem_move(b.p, b.p + b.cap - b.n, b.n * sizeof *b.p);
    *out = b.p;
    *len = b.n;
    return 0;
}

/* --- the kernel's side --- */

static long sc_syscall(unsigned op, unsigned flags, void *arg)
{
#ifdef SYS_seccomp
    return syscall(SYS_seccomp, op, flags, arg);
#else
    (void)op, (void)flags, (void)arg;
    errno = ENOSYS;
    return -1;
#endif
}

static const char *sc_action_name(uint32_t ret)
{
    for (size_t i = 0; i < ARRAY_LEN(sc_actions); i++)
        if (sc_actions[i].ret == (ret & OCI_SECCOMP_RET_ACTION_FULL)) return sc_actions[i].name;
    return "?";
}

/* Whether this kernel knows action `ret`: asked where it can tell (4.14),
 * else only the actions older kernels had. */
static int sc_action_available(uint32_t ret)
{
    uint32_t act = ret & OCI_SECCOMP_RET_ACTION_FULL;
    if (sc_syscall(OCI_SECCOMP_GET_ACTION_AVAIL, 0, &act) == 0) return 1;
    if (errno == EOPNOTSUPP) return 0;
    return act == OCI_SECCOMP_RET_KILL_THREAD || act == OCI_SECCOMP_RET_TRAP || act == OCI_SECCOMP_RET_ERRNO ||
           act == OCI_SECCOMP_RET_TRACE || act == OCI_SECCOMP_RET_ALLOW;
}

/* A known flag with no program is EFAULT, an unknown one EINVAL; the
 * killable wait exists only with a listener. */
static int sc_flag_supported(uint32_t flag)
{
    if (flag == OCI_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) flag |= OCI_SECCOMP_FILTER_FLAG_NEW_LISTENER;
    return sc_syscall(OCI_SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

/* What the profile asks of the kernel, checked by `create` and `exec`
 * before anything starts, so the error names the field. */
static int sc_check_kernel(const struct oci_seccomp *sc)
{
    if ((sc->flags & OCI_SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) && !sc->notify)
        return fail(".linux.seccomp.flags: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV needs a rule with SCMP_ACT_NOTIFY");
    for (size_t k = 0; k < ARRAY_LEN(sc_flags); k++)
        if ((sc->flags & sc_flags[k].flag) && !sc_flag_supported(sc_flags[k].flag))
            return fail(".linux.seccomp.flags: this kernel does not support %s", sc_flags[k].name);
    if (sc->notify && !sc_flag_supported(OCI_SECCOMP_FILTER_FLAG_NEW_LISTENER))
        return fail(".linux.seccomp: SCMP_ACT_NOTIFY needs Linux 5.0 (seccomp user notification)");
    if (!sc_action_available(sc->default_action))
        return fail(".linux.seccomp.defaultAction: this kernel does not support %s", sc_action_name(sc->default_action));
    for (size_t i = 0; i < sc->nrules; i++)
        if (!sc_action_available(sc->rules[i].action))
            return fail(".linux.seccomp.syscalls[%zu].action: this kernel does not support %s", sc->rules[i].at,
                        sc_action_name(sc->rules[i].action));
    return 0;
}

/* The "seccomp" object of `features` (features.md): the actions this
 * kernel has, the operators, the arches with tables, and the flags known
 * and those this kernel takes. */
static void sc_features(struct buf *b)
{
    int n = 0;
    buf_puts(b, "{\"enabled\":true,\"actions\":[");
    for (size_t i = 0; i < ARRAY_LEN(sc_actions); i++)
        if (sc_action_available(sc_actions[i].ret)) json_item(b, &n, "", sc_actions[i].name);
    buf_puts(b, "],\"operators\":[");
    n = 0;
    for (size_t i = 1; i < ARRAY_LEN(sc_ops); i++) json_item(b, &n, "", sc_ops[i]);
    buf_puts(b, "],\"archs\":[");
    n = 0;
    for (size_t i = 0; i < ARRAY_LEN(sc_arches); i++)
        if (sc_has_table((int)i)) json_item(b, &n, "", sc_arches[i].name);
    buf_puts(b, "],\"knownFlags\":[");
    n = 0;
    for (size_t i = 0; i < ARRAY_LEN(sc_flags); i++) json_item(b, &n, "", sc_flags[i].name);
    buf_puts(b, "],\"supportedFlags\":[");
    n = 0;
    for (size_t i = 0; i < ARRAY_LEN(sc_flags); i++)
        if (sc_flag_supported(sc_flags[i].flag)) json_item(b, &n, "", sc_flags[i].name);
    buf_puts(b, "]}");
}

/* A compiled filter, waiting for its moment (section 16). */
struct sc_filter { struct oci_sock_filter *p; size_t n; uint32_t flags; };

static int sc_prepare(const struct oci_seccomp *sc, struct sc_filter *f)
{
    memset(f, 0, sizeof *f);
    if (!sc) return 0;
    f->flags = sc->flags | (sc->notify ? OCI_SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
    return sc_compile(sc, &f->p, &f->n);
}

/* Loads the filter; returns the notification listener fd when it has
 * one, 0 when not, -1 on failure.  seccomp(2) came in 3.17; before it,
 * prctl does the same without flags. */
static int sc_load(struct sc_filter *f)
{
    struct oci_sock_fprog prog = { (unsigned short)f->n, f->p };
    long r = sc_syscall(OCI_SECCOMP_SET_MODE_FILTER, f->flags, &prog);
    if (r < 0 && errno == ENOSYS && !f->flags) r = sys_prctl(PR_SET_SECCOMP, OCI_SECCOMP_MODE_FILTER, (unsigned long)&prog, 0, 0);
    if (r < 0) return failerr("load the seccomp filter (%zu instructions)", f->n);
    xfree(f->p), f->p = NULL;
    return (f->flags & OCI_SECCOMP_FILTER_FLAG_NEW_LISTENER) ? (int)r : 0;
}

/* ======================================================================
 * 10. Paths inside the rootfs: openat2, or component by component
 *
 * A rootfs is hostile input: any component of a path inside it may be a
 * symlink, and a container sharing a volume may swap a directory for a
 * symlink while we work (CVE-2021-30465).  So a path is never handed to
 * the kernel to resolve from the host's "/".  resolve_in_root() asks
 * openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS) where the kernel has it
 * (Linux 5.6): the whole walk in one call.  Otherwise, and for whatever
 * that refuses, it walks the path one component at a time with
 * O_PATH|O_NOFOLLOW from an fd of the rootfs, follows symlinks itself with
 * the rootfs as "/", takes ".." at the rootfs as the rootfs (as a chroot
 * does, and RESOLVE_IN_ROOT and runc's securejoin), and returns an O_PATH
 * fd either way.  Mounts then target "/proc/self/fd/N", so what we checked
 * is what gets mounted on.
 * ====================================================================== */

#define RES_MKDIR 1          /* create missing components as directories */
#define RES_MKFILE 2         /* ... but the last one as an empty file */
#define RES_NOFOLLOW_LAST 4  /* a symlink as last component is an error */
#define RES_NOSTAT 8         /* (resolve_in_root: the caller needs no stat) */
#define RES_NO_SYMLINKS 16   /* a symlink anywhere on the way is an error */
#define RES_MAX_DEPTH 64
#define RES_MAX_LINKS 40

/* What a resolve found at the end of the path: its stat, and whether it
 * was just made there (a directory or an empty file). */
struct resolved { struct stat st; int made; };

static void close_stack(int *stack, int from, int to)
{
    for (int i = from; i <= to; i++) close(stack[i]);
}

/* Makes the missing last component `name` below dirfd as asked (a race
 * that makes it first is no error) and opens it without following. */
static int make_component(int dirfd, const char *name, int flags, int last, int *made)
{
    if (last && (flags & RES_MKFILE)) {   /* (0755: runc's mode for a bind's missing file) */
        int f = sys_openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0755);
        if (f < 0 && errno != EEXIST) return -1;
        if (f >= 0) close(f), *made = 1;
    } else if (sys_mkdirat(dirfd, name, 0755) == 0) {
        *made = 1;
    } else if (errno != EEXIST) {
        return -1;
    }
    return sys_openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
}

/* Opens (creating as asked) one component below dirfd, without following. */
static int open_component(int dirfd, const char *name, int flags, int last, int *made)
{
    int fd = sys_openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd >= 0 || errno != ENOENT || !(flags & (RES_MKDIR | RES_MKFILE))) return fd;
    return make_component(dirfd, name, flags, last, made);
}

/* Linux 5.6: the whole walk in one call, by the same rules (symlinks
 * resolved with the rootfs as "/", ".." at the rootfs staying there, no
 * magic links), and with RES_MKDIR/RES_MKFILE a missing last component
 * made in its parent.  -2: nothing there (what the walk would say too);
 * -1 for whatever else it refuses or lacks (a deeper component to create,
 * a symlink last under RES_NOFOLLOW_LAST or just made, an old kernel):
 * the walk then does it, and says why. */
static int openat2_in_root(int rootfd, const char *path, int oflags, int flags)
{
    struct oci_open_how how = { (uint64_t)(oflags | O_PATH | O_CLOEXEC), 0,
                                OCI_RESOLVE_IN_ROOT | OCI_RESOLVE_NO_MAGICLINKS | (flags & RES_NO_SYMLINKS ? OCI_RESOLVE_NO_SYMLINKS : 0) };
    return (int)syscall(NR_openat2, rootfd, path, &how, sizeof how);
}

static int resolve_openat2(int rootfd, const char *path, int flags, struct resolved *out)
{
    static int absent;   /* this kernel has no openat2: asked once per process */
    char dir[PATH_MAX];
    const char *base = str_rchr(path, '/');
    if (absent) return -1;
    int fd = openat2_in_root(rootfd, path, flags & RES_NOFOLLOW_LAST ? O_NOFOLLOW : 0, flags);
    if (fd >= 0 && !(flags & RES_NOFOLLOW_LAST))   /* (symlinks followed: the end is none) */
        return (flags & RES_NOSTAT) || fstat(fd, &out->st) == 0 ? fd : (close(fd), -1);
    if (fd < 0 && (errno == ENOSYS || errno == EPERM)) absent = 1;
    if (fd < 0 && errno == ENOENT && !(flags & (RES_MKDIR | RES_MKFILE))) return -2;
    if (fd < 0 && errno == ENOENT && base && base[1] && strcmp(base, "/.") && strcmp(base, "/..") &&
        str_fmt(dir, sizeof dir, "%.*s", (int)(base - path), path) < (int)sizeof dir) {
        int pfd = openat2_in_root(rootfd, dir[0] ? dir : "/", O_DIRECTORY, flags);
        if (pfd < 0) return -1;
        fd = make_component(pfd, base + 1, flags, 1, &out->made);
        close(pfd);
    }
    if (fd < 0 || (fstat(fd, &out->st) == 0 && !S_ISLNK(out->st.st_mode))) return fd < 0 ? -1 : fd;
    close(fd);
    return -1;
}

/* Resolves `path` inside the rootfs (see above) to an O_PATH fd, with what
 * is there in *out. */
static int resolve_at(int rootfd, const char *path, int flags, struct resolved *out)
{
    char work[PATH_MAX], next[PATH_MAX];
    int stack[RES_MAX_DEPTH], depth = 0, links = 0, fresh = 0;   /* fresh: out->st is stack[depth]'s */
    out->made = 0;
    int fast = path[0] ? resolve_openat2(rootfd, path, flags, out) : -1;
    if (fast >= 0) return fast;
    if (fast == -2) return errno = ENOENT, failerr("%s", path);
    if (str_copy(work, sizeof work, path) >= (int)sizeof work) return fail("%s: path too long", path);
    if ((stack[0] = sys_fcntl(rootfd, F_DUPFD_CLOEXEC, 3)) < 0) return failerr("dup");
    char *rest = work;
    for (;;) {
        while (*rest == '/') rest++;
        if (!*rest) break;
        char *comp = rest, *end = str_chr(rest, '/');
        rest = end ? end : rest + strlen(rest);
        char saved = *rest;
        *rest = 0;
        const char *after = saved ? rest + 1 : rest;
        while (*after == '/') after++;
        int last = !*after;
        if (!strcmp(comp, ".")) { *rest = saved; continue; }
        if (!strcmp(comp, "..")) {
            if (depth > 0) close(stack[depth--]);   /* at the rootfs ".." is the rootfs, as in a chroot */
            fresh = 0;
            *rest = saved;
            continue;
        }
        int fd = open_component(stack[depth], comp, flags, last, &out->made);
        if (fd < 0) {
            int e = errno;
            close_stack(stack, 0, depth);
            errno = e;
            return failerr("%s: component \"%s\"", path, comp);
        }
        struct stat *st = &out->st;
        if (fstat(fd, st) < 0) { failerr("fstat %s", comp); close(fd); close_stack(stack, 0, depth); return -1; }
        if (S_ISLNK(st->st_mode)) {
            char target[PATH_MAX];
            ssize_t n = sys_readlinkat(fd, "", target, sizeof target - 1);
            close(fd);
            if ((last && (flags & RES_NOFOLLOW_LAST)) || (flags & RES_NO_SYMLINKS) || n < 0 || ++links > RES_MAX_LINKS) {
                close_stack(stack, 0, depth);
                if (n < 0) return failerr("%s: readlink \"%s\"", path, comp);
                return fail("%s: %s", path, links > RES_MAX_LINKS ? "too many levels of symbolic links"
                                                                  : "is a symbolic link, refusing to follow it");
            }
            target[n] = 0;
            *rest = saved;
            if (str_path(next, sizeof next, target, after) >= (int)sizeof next) {
                close_stack(stack, 0, depth);
                return fail("%s: path too long after following symlinks", path);
            }
            memcpy(work, next, strlen(next) + 1);
            rest = work;
            if (target[0] == '/') { close_stack(stack, 1, depth); depth = 0; }
            fresh = 0;
            continue;
        }
        if (!last && !S_ISDIR(st->st_mode)) {
            close(fd);
            close_stack(stack, 0, depth);
            return fail("%s: component \"%s\" is not a directory", path, comp);
        }
        if (depth + 1 >= RES_MAX_DEPTH) { close(fd); close_stack(stack, 0, depth); return fail("%s: too deep", path); }
        stack[++depth] = fd;
        fresh = 1;
        *rest = saved;
    }
    int fd = stack[depth];
    close_stack(stack, 0, depth - 1);
    if (!fresh && !(flags & RES_NOSTAT)) return fstat(fd, &out->st) == 0 ? fd : (close(fd), failerr("fstat %s", path));
    return fd;
}

static int resolve_in_root(int rootfd, const char *path, int flags)
{
    struct resolved r;
    return resolve_at(rootfd, path, flags | RES_NOSTAT, &r);
}

/* Splits `path` into its parent directory and last component, which must
 * be a name. */
static int split_path(const char *path, char dir[static PATH_MAX], char base[static NAME_MAX + 1])
{
    const char *slash = str_rchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || !strcmp(name, ".") || !strcmp(name, "..") || strlen(name) > NAME_MAX)
        return fail("%s: invalid path", path);
    str_copy(base, NAME_MAX + 1, name);
    str_fmt(dir, PATH_MAX, "%.*s", slash ? (int)(slash - path) : 0, path);
    return 0;
}

/* ======================================================================
 * 11. Mounts and the rootfs
 *
 * Runs in stage 2, in the container's new mount namespace, before
 * pivot_root: every path is resolved from an fd of the rootfs (section 10)
 * and every mount targets that fd through /proc/self/fd (the host's /proc,
 * which the container cannot touch).  After a mount we resolve the target
 * again and check that the new mount is what we find there.
 * ====================================================================== */

/* Whether a config's path is /proc or below it. */
static int path_in_proc(const char *d) { return path_at_or_below(d, "/proc"); }

enum { RO_LATER_REMOUNT = 1, RO_LATER_RATTR = 2 };   /* rootfs_ctx.ro_later */

struct rootfs_ctx {
    const struct oci_spec *spec;
    const char *rootfs;            /* absolute host path */
    int rootfd;                    /* O_PATH fd of the rootfs bind mount */
    int no_pivot;
    int dev_is_bind;               /* /dev comes from a bind mount: no nodes */
    int dev_is_mounted;            /* a mount entry covers /dev */
    const int *host_fds;           /* per mount: a detached copy of its source made by stage 0, or -1 */
    unsigned char *ro_later;       /* per mount: made read-only (tmpfs, /dev) or given its recursive options after the rest */
    size_t cur;                    /* the mount entry being made */
    const struct cg_layout *cgl;   /* the host's cgroup hierarchies as stage 0 found them, or NULL */
    dev_t proc_dev;                /* the container's procfs, once mounted (0: not yet) */
    dev_t top_dev;                 /* the filesystem verify_mounted found last */
    int root_ro;                   /* a read-only path names the root itself */
};

static int mount_on_fd(const char *src, int fd, const char *type, unsigned long flags, const char *data)
{
    char p[32];
    return mount(src, proc_fd_path(p, fd), type, flags, data);
}

/* Mount flags that a bind remount must keep (they may be locked in a user
 * namespace), read back from the mount. */
static unsigned long mount_flags_of(int fd)
{
    struct statfs sf;
    unsigned long f = 0;
    if (sys_fstatfs(fd, &sf) < 0) return 0;
    if (sf.f_flags & OCI_ST_RDONLY) f |= MS_RDONLY;
    if (sf.f_flags & OCI_ST_NOSUID) f |= MS_NOSUID;
    if (sf.f_flags & OCI_ST_NODEV) f |= MS_NODEV;
    if (sf.f_flags & OCI_ST_NOEXEC) f |= MS_NOEXEC;
    if (sf.f_flags & OCI_ST_NOATIME) f |= MS_NOATIME;
    if (sf.f_flags & OCI_ST_NODIRATIME) f |= MS_NODIRATIME;
    if (sf.f_flags & OCI_ST_RELATIME) f |= MS_RELATIME;
    return f;
}

/* Bind remounts with the per-mount flags; retries with the mount's locked
 * flags added when the kernel refuses to clear them. */
static int remount_bind(int fd, unsigned long flags, const char *dest)
{
    unsigned long keep = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME |
                         MS_RELATIME | MS_STRICTATIME | MS_NOSYMFOLLOW;
    flags &= keep;
    if (mount_on_fd(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags, NULL) == 0) return 0;
    if (errno == EPERM && mount_on_fd(NULL, fd, NULL, MS_REMOUNT | MS_BIND | flags | mount_flags_of(fd), NULL) == 0)
        return 0;
    return failerr("remount %s", dest);
}

/* mount_setattr(2) is there (Linux 5.12): a call it must refuse (size 0)
 * says EINVAL where it exists, ENOSYS where not. */
static int mount_setattr_known = -1;   /* -1 not yet asked, then 0 or 1 */
static int have_mount_setattr(void)
{
    if (mount_setattr_known < 0)
        mount_setattr_known = syscall(NR_mount_setattr, -1, "", AT_EMPTY_PATH, NULL, 0) < 0 && errno == EINVAL;
    return mount_setattr_known;
}

/* A bind remount's per-mount flags, for the tree at fd and every mount
 * below it in one mount_setattr call: set as the remount sets them (what
 * is not asked for is cleared; atime only when one is named, as a remount
 * keeps it otherwise). */
static int setattr_tree(int fd, unsigned long f, const char *dest)
{
    static const struct { unsigned long ms; uint64_t ma; } bits[] = {
        { MS_RDONLY, OCI_MA_RDONLY }, { MS_NOSUID, OCI_MA_NOSUID }, { MS_NODEV, OCI_MA_NODEV }, { MS_NOEXEC, OCI_MA_NOEXEC },
    };
    struct oci_mount_attr a = { f & MS_NOSYMFOLLOW ? OCI_MA_NOSYMFOLLOW : 0, 0, 0, 0 };   /* (a bit 5.12 and 5.13 lack) */
    for (size_t i = 0; i < ARRAY_LEN(bits); i++) *(f & bits[i].ms ? &a.attr_set : &a.attr_clr) |= bits[i].ma;
    if (f & (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)) {
        a.attr_clr |= OCI_MA__ATIME;
        a.attr_set |= f & MS_NOATIME ? OCI_MA_NOATIME : f & MS_STRICTATIME ? OCI_MA_STRICTATIME : 0;   /* 0: relatime */
        *(f & MS_NODIRATIME ? &a.attr_set : &a.attr_clr) |= OCI_MA_NODIRATIME;
    }
    if (syscall(NR_mount_setattr, fd, "", AT_EMPTY_PATH | OCI_AT_RECURSIVE, &a, sizeof a) == 0) return 0;
    return failerr("set the flags of %s and the mounts below it (mount_setattr)", dest);
}

static int mount_set_propagation(int fd, const struct oci_mount *m)
{
    for (int i = 0; i < m->nprop; i++)
        if (mount_on_fd(NULL, fd, NULL, m->prop[i], NULL) < 0)
            return failerr("set propagation of %s", m->dest);
    return 0;
}

static int mount_set_recursive_attrs(int fd, const struct oci_mount *m)
{
    if (!m->rattr_set && !m->rattr_clr) return 0;
    struct oci_mount_attr a = { m->rattr_set, m->rattr_clr, 0, 0 };
    if (syscall(NR_mount_setattr, fd, "", AT_EMPTY_PATH | OCI_AT_RECURSIVE, &a, sizeof a) == 0) return 0;
    if (errno == ENOSYS)
        return fail("%s: recursive mount options (rro, rnosuid, ...) need mount_setattr(2), Linux 5.12 or later", m->dest);
    return failerr("mount_setattr %s", m->dest);
}

/* Re-resolves `dest` after mounting and checks the mount landed there: the
 * fresh lookup must reach a different filesystem (or, for binds, the
 * source's inode) than the directory we mounted on.  And that this was
 * not in the container's /proc by another name (an image's symlink into
 * it): proc_mounts_check saw the name only (runc resolves it first).
 * The mount's device is kept in c->top_dev for the caller. */
static int verify_mounted(struct rootfs_ctx *c, const char *dest, const struct stat *before, const struct stat *src)
{
    if (before->st_dev == c->proc_dev && !path_in_proc(dest))   /* (0 until then: no device is 0) */
        return fail(".mounts[%zu]: \"%s\" cannot be mounted because it is inside /proc", c->cur, dest);
    struct resolved r;
    int fd = resolve_at(c->rootfd, dest, 0, &r);
    if (fd < 0) return err_prefix("re-resolving mount target");
    const struct stat st = r.st;
    int ok = src ? (st.st_dev == src->st_dev && st.st_ino == src->st_ino)
                 : (st.st_dev != before->st_dev || st.st_ino != before->st_ino);
    if (!ok) { close(fd); return fail("%s: mount target changed while mounting (a symlink race?)", dest); }
    c->top_dev = st.st_dev;
    return fd;
}

/* A bind mount: the source is a host path (relative ones are relative to
 * the bundle, our cwd); the target is resolved inside the rootfs. */
static int mount_bind(struct rootfs_ctx *c, const struct oci_mount *m)
{
    int srcfd = sys_open(m->source, O_PATH | O_CLOEXEC, 0);
    if (srcfd < 0 && errno == EACCES && ((c->spec->clone_flags | c->spec->join_flags) & CLONE_NEWUSER))
        return failerr("%s: bind source %s: the container's root cannot reach it, and this kernel gave no copy "
                       "from the host's side (open_tree, Linux 5.2)", m->dest, m->source);
    if (srcfd < 0) return failerr("%s: bind source %s", m->dest, m->source);
    struct stat src;
    struct resolved res;
    if (fstat(srcfd, &src) < 0) { failerr("fstat %s", m->source); close(srcfd); return -1; }
    /* (the host's /sys in place of a sysfs mount_fs could not make: on a
     * symlink no more than sysfs itself, CVE-2019-19921) */
    int nofollow = m->type && !strcmp(m->type, "sysfs") ? RES_NOFOLLOW_LAST : 0;
    int dst = resolve_at(c->rootfd, m->dest, (S_ISDIR(src.st_mode) ? RES_MKDIR : RES_MKDIR | RES_MKFILE) | nofollow, &res);
    if (dst < 0) { close(srcfd); return err_prefix("mount target"); }
    int r = -1, top = -1;
    char sp[32];
    const struct stat before = res.st;
    if (S_ISDIR(src.st_mode) != S_ISDIR(before.st_mode)) {
        fail("%s: cannot bind a %s onto a %s: not a directory", m->dest,   /* (Docker's hint matches these words) */ S_ISDIR(src.st_mode) ? "directory" : "file",
             S_ISDIR(before.st_mode) ? "directory" : "file");
        goto out;
    }
    if (mount_on_fd(proc_fd_path(sp, srcfd), dst, NULL, MS_BIND | (m->rbind ? MS_REC : 0), NULL) < 0) {
        failerr("bind mount %s on %s", m->source, m->dest);
        goto out;
    }
    if ((top = verify_mounted(c, m->dest, &before, &src)) < 0) goto out;
    if ((m->flags & ~(MS_BIND | MS_REC)) && remount_bind(top, m->flags, m->dest) < 0) goto out;
    if (mount_set_propagation(top, m) < 0 || mount_set_recursive_attrs(top, m) < 0) goto out;
    r = 0;
out:
    close_if(top);
    close(srcfd);
    close(dst);
    return r;
}

/* --- bind sources stage 0 prepares (section 16): idmapped, or for a user namespace --- */

/* Attaches `tree`, the detached copy of a bind mount's source that stage 0
 * made (idmapped, or for a user namespace: see copy_binds_in_container), at
 * the mount's destination.  In a user namespace, the source's ro, nosuid,
 * nodev, noexec and atime flags stay: a copy made in the container's mount
 * namespace has them locked already (the kernel locked what the less
 * privileged namespace inherited), and the remount keeps them anyway, for
 * the idmapped copy that falls back to the host's side, which has no locks. */
static int mount_detached(struct rootfs_ctx *c, const struct oci_mount *m, int tree)
{
    struct stat src;
    struct resolved res;
    unsigned long locked = (c->spec->clone_flags | c->spec->join_flags) & CLONE_NEWUSER ? mount_flags_of(tree) : 0;
    if (fstat(tree, &src) < 0) return failerr("fstat the copy of %s", m->source);
    int dst = resolve_at(c->rootfd, m->dest, S_ISDIR(src.st_mode) ? RES_MKDIR : RES_MKDIR | RES_MKFILE, &res), top = -1, r = -1;
    if (dst < 0) return err_prefix("mount target");
    const struct stat before = res.st;
    if (syscall(NR_move_mount, tree, "", dst, "", OCI_MOVE_MOUNT_F_EMPTY_PATH | OCI_MOVE_MOUNT_T_EMPTY_PATH) < 0)
        failerr("attach the copy of %s on %s (move_mount)", m->source, m->dest);
    else if ((top = verify_mounted(c, m->dest, &before, &src)) >= 0 &&
             (!(m->flags & ~(MS_BIND | MS_REC)) || remount_bind(top, m->flags | locked, m->dest) == 0) &&
             mount_set_propagation(top, m) == 0 && mount_set_recursive_attrs(top, m) == 0)
        r = 0;
    close_if(top);
    close(dst);
    return r;
}

/* tmpcopyup (a runc extension podman uses): the new tmpfs starts with a
 * copy of what it covers.  `from` still reads the covered directory. */
static int copy_tree(int from, int to, int depth)
{
    if (depth > 32) return fail("tmpcopyup: directory tree too deep");
    struct dir_iter d;
    const char *name;
    int r = 0;
    dir_start(&d, from);
    while (r == 0 && (name = dir_next(&d))) {
        struct stat st;
        if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0) { r = failerr("tmpcopyup: stat %s", name); break; }
        if (S_ISDIR(st.st_mode)) {
            int a = -1, b = -1;
            if (sys_mkdirat(to, name, st.st_mode & 07777) < 0 ||
                (a = sys_openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)) < 0 ||
                (b = sys_openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0)) < 0)
                r = failerr("tmpcopyup: directory %s", name);
            else r = copy_tree(a, b, depth + 1);
            close_if(a);
            close_if(b);
        } else if (S_ISLNK(st.st_mode)) {
            char target[PATH_MAX];
            ssize_t n = sys_readlinkat(from, name, target, sizeof target - 1);
            if (n < 0) { r = failerr("tmpcopyup: readlink %s", name); break; }
            target[n] = 0;
            if (sys_symlinkat(target, to, name) < 0) r = failerr("tmpcopyup: symlink %s", name);
        } else if (S_ISREG(st.st_mode)) {
            /* (O_NONBLOCK: a fifo swapped in meanwhile reads as empty, it
             * does not stop us) */
            int a = sys_openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
            int b = a < 0 ? -1 : sys_openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 07777);
            char buf[16384];
            ssize_t n = 0;
            while (b >= 0 && (n = sys_read(a, buf, sizeof buf)) > 0 && write_all(b, buf, (size_t)n) == 0) {}
            if (a < 0 || b < 0 || n != 0) r = failerr("tmpcopyup: copy %s", name);
            close_if(a);
            close_if(b);
        } else if (mknodat(to, name, st.st_mode & (S_IFMT | 07777), st.st_rdev) < 0) {
            /* a fifo, socket or device node, as cp -a copies them (a node
             * where mknod is refused, as in a user namespace: an error,
             * not a file missing from the copy) */
            r = failerr("tmpcopyup: mknod %s", name);
        }
        if (r == 0 && sys_fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
            r = failerr("tmpcopyup: chown %s", name);
        /* the chown cleared setuid and setgid, and a directory made in a
         * setgid one has its setgid bit: the mode again, exactly (our
         * fresh tmpfs, checked: no one else can put a link there) */
        if (r == 0 && ((st.st_mode & 06000) || S_ISDIR(st.st_mode)) && !S_ISLNK(st.st_mode) &&
            syscall(SYS_fchmodat, to, name, st.st_mode & 07777) < 0)
            r = failerr("tmpcopyup: chmod %s", name);
    }
    if (r == 0 && errno) r = failerr("tmpcopyup: read directory");
    return r;
}

/* The copy goes into the tmpfs just mounted on `covered`, never into
 * what a lookup of its path finds by then (another container may swap a
 * name in a volume both share): `top` must be the root of a mount (another
 * filesystem than `covered`'s: `same_fs` says the mount's lookup found
 * covered's device) whose parent is `covered`'s parent. */
static int mount_tmpcopyup(int covered, int top, const char *dest, int same_fs)
{
    struct stat cp, tp;
    if (fstatat(covered, "..", &cp, 0) < 0 || fstatat(top, "..", &tp, 0) < 0)
        return failerr("tmpcopyup: stat %s", dest);
    if (same_fs || tp.st_dev != cp.st_dev || tp.st_ino != cp.st_ino)
        return fail("tmpcopyup: %s is not the tmpfs just mounted (a rename race?)", dest);
    char p[32];
    int from = sys_open(proc_fd_path(p, covered), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), to = -1, r;
    if (from < 0) return failerr("tmpcopyup: open %s", dest);
    to = sys_open(proc_fd_path(p, top), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    r = to < 0 ? failerr("tmpcopyup: open the new %s", dest) : copy_tree(from, to, 0);
    close(from);
    close_if(to);
    return r;
}

/* The data of the cgroup v1 tmpfs at /sys/fs/cgroup: runc mounts it
 * "mode=755", then chmods it to the mode of the directory it covers, as
 * any tmpfs.  tmpfs_data knows it by its address. */
static const char cg_tmpfs_data[] = "mode=755";

/* A tmpfs without mode= takes the mode of the directory it covers,
 * setuid, setgid and sticky bits included, as runc does (a mode= of the
 * config's comes later in the data and wins); a new directory keeps the
 * kernel's 1777.  Returns the data to mount with: `m->data` or `buf`. */
static const char *tmpfs_data(const struct oci_mount *m, const struct resolved *dst, char *buf, size_t size)
{
    const struct stat *st = &dst->st;
    const char *d = m->data == cg_tmpfs_data ? NULL : m->data;
    if (dst->made || !S_ISDIR(st->st_mode) ||
        (size_t)str_fmt(buf, size, "mode=%04o%s%s", (unsigned)(st->st_mode & 07777), d ? "," : "", d ? d : "") >= size)
        return m->data;
    return buf;
}

/* linux.mountLabel as runc applies it: a context= option for the new
 * filesystems that take one, not proc, sysfs or cgroup (mqueue gets it as
 * an xattr, mqueue_label); quoted, for the commas of its categories.
 * *data becomes `buf` when it gets the option. */
static int labeled_data(const char *label, const char *type, const char **data, char *buf, size_t size)
{
    if (!label || !strcmp(type, "proc") || !strcmp(type, "sysfs") || !strcmp(type, "mqueue") || !strncmp(type, "cgroup", 6))
        return 0;
    const char *d = *data ? *data : "";
    if ((size_t)str_fmt(buf, size, "%s%scontext=\"%s\"", d, d[0] ? "," : "", label) >= size)
        return fail("linux.mountLabel: the mount options get too long");
    *data = buf;
    return 0;
}

static int mqueue_label(const char *label, int top, const char *dest)
{
    char p[32];
    if (syscall(SYS_setxattr, proc_fd_path(p, top), "security.selinux", label, strlen(label), 0) == 0) return 0;
    return failerr("%s: label the mqueue with linux.mountLabel", dest);
}

/* A new filesystem instance (proc, sysfs, tmpfs, devpts, mqueue, ...). */
static int mount_fs(struct rootfs_ctx *c, const struct oci_mount *m)
{
    int special = !strcmp(m->type, "proc") || !strcmp(m->type, "sysfs");
    char tbuf[4096], lbuf[4096 + 16];
    const char *label = OCIRUN_LSM ? c->spec->mount_label : NULL;
    struct resolved res;
    /* procfs and sysfs on a symlink are CVE-2019-19921 / CVE-2023-27561 */
    int dst = resolve_at(c->rootfd, m->dest, RES_MKDIR | (special ? RES_NOFOLLOW_LAST : 0), &res);
    if (dst < 0) return err_prefix("mount target");
    const struct stat before = res.st;
    int r = -1, top = -1;
    const char *data = !strcmp(m->type, "tmpfs") ? tmpfs_data(m, &res, tbuf, sizeof tbuf) : m->data;
    if (labeled_data(label, m->type, &data, lbuf, sizeof lbuf) < 0) { err_prefix("%s", m->dest); goto out; }
    if (!S_ISDIR(before.st_mode)) { fail("%s: mount target is not a directory", m->dest); goto out; }
    if (mount_on_fd(m->source, dst, m->type, m->flags, data) < 0) {
        if (!strcmp(m->type, "sysfs") && errno == EPERM) {
            /* a user namespace without a network namespace of its own: bind
             * the host's /sys (not for EBUSY, a second sysfs on one place:
             * a config's mistake, which runc refuses too) */
            struct oci_mount b = *m;
            b.source = "/sys", b.bind = b.rbind = 1, b.flags |= MS_BIND | MS_REC;
            /* read-only as asked, the host's mounts below it included (the
             * rbind brings them, locked): one call, where the kernel has it */
            if ((m->flags & MS_RDONLY) && have_mount_setattr()) b.rattr_set |= OCI_MA_RDONLY;
            close(dst);
            debugf("mounting sysfs failed (%s), binding /sys instead", strerror(errno));
            return mount_bind(c, &b);
        }
        failerr("mount %s (%s, data \"%s\") on %s", m->source, m->type, data ? data : "", m->dest);   /* (the option refused is in it) */
        goto out;
    }
    if ((top = verify_mounted(c, m->dest, &before, NULL)) < 0) goto out;
    if (special && m->type[0] == 'p') c->proc_dev = c->top_dev;
    if (label && !strcmp(m->type, "mqueue") && mqueue_label(label, top, m->dest) < 0) goto out;
    if (m->tmpcopyup && mount_tmpcopyup(dst, top, m->dest, c->top_dev == before.st_dev) < 0) goto out;
    if (mount_set_propagation(top, m) < 0 || mount_set_recursive_attrs(top, m) < 0) goto out;
    r = 0;
out:
    close_if(top);
    close(dst);
    return r;
}

/* /sys/fs/cgroup.  cgroup v2 with a cgroup namespace: a fresh cgroup2
 * mount.  Otherwise runc's way: a tmpfs holding a bind of the container's
 * cgroup in each host hierarchy (v1, hybrid), or a bind of its v2 cgroup. */
/* The mount data that mounts v1 hierarchy `h` again: its controllers (or
 * "none,name=..." for a named one), without per-mount options. */
static char *cg_mount_data(const struct cg_hier *h, char *out, size_t size)
{
    static const char *const skip[] = { "rw", "ro", "xattr", "noprefix", "clone_children", "cpuset_v2_mode", "favordynmods" };
    char opts[256];
    size_t n = 0;
    int controllers = 0;
    str_copy(opts, sizeof opts, h->opts);
    out[0] = 0;
    for (char *save, *t = str_tok(opts, ",", &save); t; t = str_tok(NULL, ",", &save)) {
        int drop = !strncmp(t, "release_agent=", 14);
        for (size_t k = 0; k < ARRAY_LEN(skip); k++) drop |= !strcmp(t, skip[k]);
        if (drop) continue;
        controllers += strncmp(t, "name=", 5) != 0;
        n += (size_t)str_fmt(out + n, n < size ? size - n : 0, "%s%s", n ? "," : "", t);
    }
    if (!controllers && n + 6 < size) {
        mem_move(out + 5, out, n + 1);
        memcpy(out, "none,", 5);
    }
    return out;
}

/* One host hierarchy in the container's /sys/fs/cgroup tmpfs (`dir`): a
 * bind of the container's cgroup there, or in a cgroup namespace a fresh
 * mount of the hierarchy, which shows the namespace's root (the container's
 * cgroup, as runc does).  The source is a host path (the host's cgroupfs).
 * The target is a directory made just now in a tmpfs mounted just now,
 * opened without following a symlink; the mount lands on that inode
 * (through /proc/self/fd), so unlike the config's mounts it needs no check
 * afterwards: nothing else can have touched that tmpfs in between but a
 * process that is root in a mount namespace we joined, and that one could
 * mount over the result anyway.  (Not inlined: see mount_cgroup.) */
__attribute__((noinline)) static int mount_hierarchy(struct rootfs_ctx *c, int dir, const struct cg_hier *h, const struct oci_mount *m, int defer)
{
    const char *name = str_rchr(h->mnt, '/');
    char src[PATH_MAX], dest[PATH_MAX], data[256];
    name = name ? name + 1 : h->mnt;
    str_fmt(src, sizeof src, "%s%s", h->mnt, h->path);
    str_path(dest, sizeof dest, m->dest, name);
    int ns = !!(c->spec->clone_flags & CLONE_NEWCGROUP), t = -1, r = -1;
    /* runc's flags: a bind gets the config's, a fresh mount nosuid,nodev,noexec (and ro) */
    unsigned long flags = ns ? MS_NOSUID | MS_NODEV | MS_NOEXEC | (m->flags & MS_RDONLY) : m->flags;
    const char *type = h->v2 ? "cgroup2" : "cgroup";
    /* A directory made just now, in the tmpfs made just now that nothing
     * else can reach, is mounted on by its name below the tmpfs's fd; a
     * name that was there already (two hierarchies of one name) is opened
     * without following a symlink. */
    char target[PATH_MAX];
    int fresh = sys_mkdirat(dir, name, 0755) == 0;
    if ((!fresh && errno != EEXIST) ||
        (!fresh && (t = sys_openat(dir, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC, 0)) < 0)) {
        failerr("mount target %s", dest);
        goto out;
    }
    if (fresh) str_fmt(target, sizeof target, "/proc/self/fd/%d/%s", dir, name);
    else proc_fd_path(target, t);
    if (ns ? mount(type, target, type, flags, h->v2 ? NULL : cg_mount_data(h, data, sizeof data)) < 0
           : mount(src, target, NULL, MS_BIND, NULL) < 0) {
        failerr("mount %s on %s", ns ? type : src, dest);
        goto out;
    }
    /* (as runc: a bind is remounted only for flags of the config's; with
     * none it keeps the host's.  The config's propagation goes on each
     * hierarchy, as on the tmpfs, as runc sets it) */
    int remount = !ns && !defer && flags;
    if (remount || m->nprop) {
        close_if(t);
        if ((t = sys_openat(dir, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC, 0)) < 0) {
            failerr("open the new mount %s", dest);
            goto out;
        }
        if ((remount && remount_bind(t, flags, dest) < 0) || mount_set_propagation(t, m) < 0) goto out;
    }
    r = 0;
    /* co-mounted controllers ("cpu,cpuacct") get a symlink per name */
    char names[256];
    str_copy(names, sizeof names, str_chr(name, ',') ? name : "");
    for (char *save, *n = str_tok(names, ",", &save); n && r == 0; n = str_tok(NULL, ",", &save))
        if (sys_symlinkat(name, dir, n) < 0 && errno != EEXIST) r = failerr("symlink %s/%s", m->dest, n);
out:
    close_if(t);
    return r;
}

/* Not inlined, and mount_hierarchy not into it: with their buffers (the
 * layout's 24 KB, the paths) stage2_main's frame, or this one, would pass
 * 32 KB, and MIPS reaches a local beyond that in three instructions
 * instead of one (2 KB more code). */
__attribute__((noinline)) static int mount_cgroup(struct rootfs_ctx *c, const struct oci_mount *m)
{
    struct cg_layout own;
    const struct cg_layout *l = c->cgl ? c->cgl : &own;
    if (!c->cgl && cg_layout_read(&own) < 0) return -1;
    int v2only = l->n == 1 && l->h[0].v2;
    struct oci_mount sub = *m;
    if (v2only && (c->spec->clone_flags & CLONE_NEWCGROUP)) {
        sub.type = sub.source = "cgroup2";
        return mount_fs(c, &sub);
    }
    if (v2only) {
        char src[PATH_MAX];
        str_fmt(src, sizeof src, "%s%s", l->h[0].mnt, l->h[0].path);
        sub.source = src, sub.bind = 1, sub.rbind = 0;
        return mount_bind(c, &sub);
    }
    /* the tmpfs as runc makes it, whatever the config's flags (its "ro"
     * makes it read-only below, once the hierarchies are in) */
    int all = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    sub.type = sub.source = "tmpfs";
    sub.flags = (unsigned long)all;
    sub.data = (char *)cg_tmpfs_data;
    sub.rattr_set = sub.rattr_clr = 0;   /* (rro and the like: on the whole tree, at the end) */
    if (!l->n) debugf("no cgroup hierarchy on the host: %s is an empty tmpfs", m->dest);
    if (mount_fs(c, &sub) < 0) return -1;
    int dir = resolve_in_root(c->rootfd, m->dest, 0), r = dir < 0 ? -1 : 0;
    /* when the binds' flags are the tmpfs's (what runc's default config
     * asks for: nosuid,nodev,noexec, relatime, ro or not), one recursive
     * mount_setattr sets them all where the kernel has it, instead of a
     * remount each (not in a user namespace, whose locked flags the
     * remounts work around) */
    int defer = (m->flags | MS_RDONLY | MS_RELATIME) == (unsigned long)(all | MS_RDONLY | MS_RELATIME) &&
                !m->rattr_set && !m->rattr_clr &&
                !((c->spec->clone_flags | c->spec->join_flags) & CLONE_NEWUSER) && have_mount_setattr();
    for (int i = 0; i < l->n && r == 0; i++) r = mount_hierarchy(c, dir, &l->h[i], m, defer);
    if (r == 0 && defer) r = setattr_tree(dir, m->flags, m->dest);
    else if (r == 0 && (m->flags & MS_RDONLY)) r = remount_bind(dir, sub.flags | MS_RDONLY, m->dest);
    if (r == 0) r = mount_set_recursive_attrs(dir, m);
    close_if(dir);
    return r;
}

static int mount_entry(struct rootfs_ctx *c, const struct oci_mount *m)
{
    struct oci_mount rw;
    if (!strcmp(m->dest, "/dev")) c->dev_is_mounted = 1, c->dev_is_bind = m->bind;
    /* a read-only tmpfs or /dev is made read-only once what goes under it
     * (devpts, shm, mqueue, device nodes, the console) is there, as runc;
     * so are a new filesystem's recursive options (rro, rnosuid ...: runc
     * 1.1 ignores them there), which would reach what goes under it */
    rw = *m;
    if ((m->flags & MS_RDONLY) && (!strcmp(m->dest, "/dev") || (!m->bind && !strcmp(m->type, "tmpfs"))))
        rw.flags &= ~(unsigned long)MS_RDONLY, c->ro_later[c->cur] = RO_LATER_REMOUNT;
    if (!m->bind && strcmp(m->type, "cgroup") && (m->rattr_set || m->rattr_clr))
        rw.rattr_set = rw.rattr_clr = 0, c->ro_later[c->cur] |= RO_LATER_RATTR;
    m = &rw;
    if (c->host_fds[c->cur] >= 0) return mount_detached(c, m, c->host_fds[c->cur]);
    if (m->idmap) return fail("%s: stage 0 sent no idmapped copy", m->dest);
    if (m->bind) return mount_bind(c, m);
    if (!strcmp(m->type, "cgroup")) return mount_cgroup(c, m);
    return mount_fs(c, m);
}

/* A mount's own propagation option, again after a recursive
 * rootfsPropagation set on the container's / (after the pivot) changed it:
 * the mount's wins, as in runc, which sets the rootfs's first (CRI: a
 * mount "rprivate" under a pod's "rslave").  Through the fd's path in the
 * container's /proc, which must be a procfs (ours: nothing ran yet). */
static int mounts_own_propagation(struct rootfs_ctx *c)
{
    struct statfs sf;
    for (size_t i = 0; i < c->spec->nmounts; i++) {
        const struct oci_mount *m = &c->spec->mounts[i];
        if (!m->nprop) continue;
        if (sys_statfs("/proc/self", &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
            return fail(".mounts[%zu] (%s): its propagation after rootfsPropagation's needs a procfs at /proc", i, m->dest);
        int fd = resolve_in_root(c->rootfd, m->dest, 0);
        int r = fd < 0 ? -1 : mount_set_propagation(fd, m);
        close_if(fd);
        if (r < 0) return err_prefix(".mounts[%zu]", i);
    }
    return 0;
}

/* The deferred read-only remounts and recursive options of mount_entry(). */
static int remount_ro_later(struct rootfs_ctx *c)
{
    for (size_t i = 0; i < c->spec->nmounts; i++) {
        const struct oci_mount *m = &c->spec->mounts[i];
        if (!c->ro_later[i]) continue;
        int fd = resolve_in_root(c->rootfd, m->dest, 0);
        if (fd < 0) return err_prefix(".mounts[%zu] (%s): read-only remount", i, m->dest);
        int r = c->ro_later[i] & RO_LATER_REMOUNT ? remount_bind(fd, m->flags | mount_flags_of(fd), m->dest) : 0;
        if (r == 0 && (c->ro_later[i] & RO_LATER_RATTR)) r = mount_set_recursive_attrs(fd, m);
        close(fd);
        if (r < 0) return err_prefix(".mounts[%zu]", i);
    }
    return 0;
}

/* A mask's bind made read-only: looked up again, as the bind is on top of
 * the fd mask_path had. */
static int mask_readonly(int rootfd, const char *path)
{
    int fd = resolve_in_root(rootfd, path, 0);
    if (fd < 0) return err_prefix("masked path, to make it read-only");
    int r = remount_bind(fd, MS_RDONLY | mount_flags_of(fd), path);
    close(fd);
    return r;
}

/* Binds /dev/null over a masked file (read-only if `ro`), an empty
 * read-only tmpfs over a masked directory.  /dev/null must really be the
 * null device: a container that made it a symlink to a procfs file would
 * otherwise get that file mounted writable (CVE-2025-31133). */
static int mask_path(int rootfd, int nullfd, const char *path, const char *label, int ro)
{
    char lbuf[4096];
    const char *data = "size=0,nr_inodes=1";
    if (labeled_data(label, "tmpfs", &data, lbuf, sizeof lbuf) < 0) return err_prefix("mask %s", path);
    struct resolved res;
    int fd = resolve_at(rootfd, path, 0, &res);
    if (fd < 0) return errno == ENOENT ? 0 : err_prefix("masked path");
    int r = 0;
    char p[32];
    if (S_ISDIR(res.st.st_mode)) {
        if (mount_on_fd("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
            r = failerr("mask %s", path);
    } else if (mount_on_fd(proc_fd_path(p, nullfd), fd, NULL, MS_BIND, NULL) < 0) {
        r = failerr("mask %s", path);
    } else if (ro) {
        r = mask_readonly(rootfd, path);
    }
    close(fd);
    return r;
}

static int open_dev_null(int rootfd, struct stat *st)
{
    struct resolved res;
    int fd = resolve_at(rootfd, "/dev/null", RES_NOFOLLOW_LAST, &res);
    if (fd < 0) return err_prefix("masked paths need /dev/null");
    *st = res.st;
    if (!S_ISCHR(st->st_mode) || major(st->st_rdev) != 1 || minor(st->st_rdev) != 3) {
        close(fd);
        return fail("/dev/null in the container is not the null device (1:3)");
    }
    return fd;
}

/* The masks' binds of /dev/null are read-only where runc's are: runc
 * masks after the root's read-only remount, so a bind of the rootfs's own
 * node (an image with no /dev mount) comes out read-only.  Ours come
 * before that remount (setup_rootfs: before the hooks), so they are made
 * read-only themselves; else the container could chmod or touch the bundle's
 * /dev/null through them.  (The rootfs's node: on the rootfs's device.  A
 * config's bind of another directory of that filesystem at /dev would
 * give read-only masks here, writable ones in runc.) */
static int mount_masked_paths(struct rootfs_ctx *c)
{
    const struct oci_spec *s = c->spec;
    if (!s->nmasked) return 0;
    struct stat null = { 0 }, root;   /* (gcc cannot see open_dev_null fill it) */
    int nullfd = open_dev_null(c->rootfd, &null);
    if (nullfd < 0) return -1;
    int ro = (s->root_readonly || c->root_ro) && fstat(c->rootfd, &root) == 0 && root.st_dev == null.st_dev;
    for (size_t i = 0; i < s->nmasked; i++)   /* ("": no such path, as runc finds; not the root) */
        if (*s->masked[i] && mask_path(c->rootfd, nullfd, s->masked[i], OCIRUN_LSM ? s->mount_label : NULL, ro) < 0) {
            close(nullfd);
            return -1;
        }
    close(nullfd);
    return 0;
}

/* A read-only path: a copy of the tree at fd (open_tree), made read-only
 * while detached and moved over fd itself, so nothing is looked up again
 * after the mount (a name swapped for a symlink meanwhile, in a volume
 * another container shares, leads nowhere).  Linux 5.12 (mount_setattr);
 * 1 where the kernel lacks it, -1 with errno where it refuses.  The
 * calls themselves say whether the kernel has them (ENOSYS), with no
 * probe first. */
static int readonly_copy_over(int fd)
{
    if (!mount_setattr_known) return 1;
    struct oci_mount_attr ro = { OCI_MA_RDONLY, 0, 0, 0 };
    int t = (int)syscall(NR_open_tree, fd, "", OCI_OPEN_TREE_CLONE | OCI_AT_RECURSIVE | AT_EMPTY_PATH | O_CLOEXEC), r = -1;
    if (t >= 0 && syscall(NR_mount_setattr, t, "", AT_EMPTY_PATH, &ro, sizeof ro) == 0) {
        mount_setattr_known = 1;
        if (syscall(NR_move_mount, t, "", fd, "", OCI_MOVE_MOUNT_F_EMPTY_PATH | OCI_MOVE_MOUNT_T_EMPTY_PATH) == 0) r = 0;
    }
    if (r < 0 && errno == ENOSYS) mount_setattr_known = 0, r = 1;
    if (t >= 0) { int e = errno; close(t); errno = e; }
    return r;
}

/* Before pivot_root, through the rootfs fd: after it, /proc/self/fd would
 * be the container's /proc, which may not even be procfs. */
static int remount_root_readonly(int rootfd)
{
    return remount_bind(rootfd, MS_RDONLY | mount_flags_of(rootfd), "/");
}

/* A path of "/", "." and ".." only: the root itself, whatever it holds. */
static int names_root(const char *p)
{
    for (;;) {
        while (*p == '/') p++;
        if (!*p) return 1;
        size_t n = p[0] != '.' ? 0 : p[1] == '.' ? 2 : 1;
        if (!n || (p[n] && p[n] != '/')) return 0;
        p += n;
    }
}

/* Bind each path on itself and make the top read-only (runc's readonly
 * paths): readonly_copy_over, or before Linux 5.12 a bind through the
 * fd, the path looked up again and remounted.  The root is remounted
 * itself, as for root.readonly: a copy over it would lie under what the
 * pivot enters. */
static int mount_readonly_paths(struct rootfs_ctx *c)
{
    const struct oci_spec *s = c->spec;
    for (size_t i = 0; i < s->nreadonly; i++) {
        const char *path = s->readonly[i];
        if (*path && names_root(path)) {   /* (as root.readonly) */
            c->root_ro = 1;
            continue;
        }
        int fd = *path ? resolve_in_root(c->rootfd, path, 0) : (errno = ENOENT, -1);
        if (fd < 0 && errno == ENOENT) continue;
        if (fd < 0) return err_prefix("readonly path");
        int r = readonly_copy_over(fd);
        if (r == 0 || (r < 0 && errno != ENOSYS && errno != EPERM)) {
            if (r < 0) failerr("make %s read-only (a read-only copy over it)", path);
            close(fd);
            if (r < 0) return -1;
            continue;
        }
        char p[32];
        if (mount_on_fd(proc_fd_path(p, fd), fd, NULL, MS_BIND | MS_REC, NULL) < 0) {
            failerr("bind %s", path);
            close(fd);
            return -1;
        }
        close(fd);
        if ((fd = resolve_in_root(c->rootfd, path, 0)) < 0) return -1;
        /* read-only, the rest of the mount's flags kept: mount_setattr
         * sets the one bit; a remount (before Linux 5.12, or where a
         * seccomp filter refuses the call) must be told the others */
        struct oci_mount_attr ro = { OCI_MA_RDONLY, 0, 0, 0 };
        r = (int)syscall(NR_mount_setattr, fd, "", AT_EMPTY_PATH, &ro, sizeof ro);
        if (r < 0 && errno != ENOSYS && errno != EPERM) failerr("make %s read-only (mount_setattr)", path);
        else if (r < 0) r = remount_bind(fd, MS_RDONLY | mount_flags_of(fd), path);
        close(fd);
        if (r < 0) return -1;
    }
    return 0;
}

/* net.* sysctls in a network namespace joined by path: not where that is
 * the runtime's own, the host's (runc's check, in the same words).  Stage
 * 0 asks, from the host: stage 2 is in that namespace by then. */
static int sysctl_netns_check(const struct oci_spec *s)
{
    const char *path = NULL;
    for (size_t i = 0; i < s->nns; i++)
        if (s->ns[i].flag == CLONE_NEWNET) path = s->ns[i].path;
    for (size_t i = 0; path && i < s->nsysctl; i++) {
        const char *k = s->sysctl[i].key;
        struct stat a, b;
        if (strncmp(k, "net.", 4) && strncmp(k, "net/", 4)) continue;
        if (stat(path, &a) < 0) return failerr(".linux.namespaces: network namespace %s", path);
        if (stat("/proc/self/ns/net", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
            return fail(".linux.sysctl: sysctl \"%s\" not allowed in host network namespace", k);
        return 0;
    }
    return 0;
}

/* runc's checkProcMount (CVE-2019-16884): no bind, nor a filesystem
 * other than tmpfs, proc, sysfs, mqueue and cgroup, inside /proc, where
 * it could stand in for what the kernel says there (an LSM's attr files,
 * sysctls), but over the files lxcfs emulates; at /proc itself, a bind
 * of a procfs only.  Stage 0 asks: a bind's source is a host path. */
static int proc_mounts_check(const struct oci_spec *s)
{
    static const char lxcfs[] = "cpuinfo\0diskstats\0meminfo\0stat\0swaps\0uptime\0loadavg\0slabinfo\0net/dev\0"
                                "sys/kernel/ns_last_pid\0";
    for (size_t i = 0; i < s->nmounts; i++) {
        const struct oci_mount *m = &s->mounts[i];
        const char *d = m->dest;
        struct statfs sf;
        if (!path_in_proc(d)) continue;
        if (!m->bind && list_contains_all(m->type, "tmpfs,proc,sysfs,mqueue,cgroup")) continue;
        if (!d[5]) {
            if (m->bind && sys_statfs(m->source, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC) continue;
            return fail(".mounts[%zu]: \"%s\" cannot be mounted because it is not of type proc", i, d);
        }
        if (name_index(d + 6, "", lxcfs) < 0) return fail(".mounts[%zu]: \"%s\" cannot be mounted because it is inside /proc", i, d);
    }
    return 0;
}

/* Written through the host's /proc/sys, which shows our own namespaces. */
static int apply_sysctls(const struct oci_spec *s)
{
    for (size_t i = 0; i < s->nsysctl; i++) {
        char path[PATH_MAX];   /* (the keys were checked with the config: sysctls_allowed) */
        int n = str_fmt(path, sizeof path, "/proc/sys/%s", s->sysctl[i].key);
        if (n >= (int)sizeof path)
            return fail(".linux.sysctl.%.40s...: name too long (%zu characters)", s->sysctl[i].key, strlen(s->sysctl[i].key));
        for (char *p = path + 10; p < path + n; p++)
            if (*p == '.') *p = '/';
        int fd = sys_open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
        struct statfs sf;
        if (fd < 0) return failerr(".linux.sysctl.%s: open %s", s->sysctl[i].key, path);
        if (sys_fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) {
            close(fd);
            return fail(".linux.sysctl.%s: %s is not on procfs", s->sysctl[i].key, path);
        }
        int r = write_all(fd, s->sysctl[i].value, strlen(s->sysctl[i].value));
        close(fd);
        if (r < 0) return failerr(".linux.sysctl.%s: write \"%s\"", s->sysctl[i].key, s->sysctl[i].value);
    }
    return 0;
}

/* Without pivot_root the host's mounts stay in the container's mount
 * namespace, below its chroot.  A whole procfs or sysfs among them would
 * let a process of the container mount a fresh, unmasked one from a user
 * namespace of its own (the kernel allows that while a fully visible
 * instance exists).  runc detaches them (#1962, #2647): each proc or
 * sysfs mount of a whole filesystem outside the rootfs becomes a slave
 * (so the unmount stays here) and is detached; where that is refused, an
 * empty tmpfs covers it. */
static int detach_host_proc_sys(const char *rootfs)
{
    char *text;
    int n = 0, r = 0;
    size_t rl = strlen(rootfs), max = 1;
    if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, &text, NULL) < 0) return err_prefix("--no-pivot");
    for (const char *p = text; *p; p++) max += *p == '\n';
    char **lines = xcalloc(max, sizeof *lines);   /* (every line: a host may have thousands of mounts) */
    for (char *save, *l = str_tok(text, "\n", &save); l; l = str_tok(NULL, "\n", &save)) lines[n++] = l;
    /* last first: a mount listed later may sit on one listed earlier */
    while (r == 0 && n-- > 0) {
        /* id parent dev root mountpoint opts [tags...] - fstype source opts */
        char *f[64], *save;
        int k = 0, dash;
        for (char *t = str_tok(lines[n], " ", &save); t && k < 64; t = str_tok(NULL, " ", &save)) f[k++] = t;
        for (dash = 6; dash < k && strcmp(f[dash], "-"); dash++) {}
        if (dash + 1 >= k || strcmp(f[3], "/") || (strcmp(f[dash + 1], "proc") && strcmp(f[dash + 1], "sysfs"))) continue;
        unescape_octal(f[4]);
        if (!strncmp(f[4], rootfs, rl) && (f[4][rl] == '/' || !f[4][rl])) continue;
        if (mount(NULL, f[4], NULL, MS_SLAVE | MS_REC, NULL) < 0 && errno != ENOENT) {
            r = failerr("--no-pivot: make the host's %s a slave", f[4]);
            break;
        }
        if (sys_umount2(f[4], MNT_DETACH) == 0 || errno == ENOENT) continue;
        if (errno != EINVAL && errno != EPERM) r = failerr("--no-pivot: detach the host's %s", f[4]);
        else if (mount("tmpfs", f[4], "tmpfs", MS_RDONLY, "size=0") < 0) r = failerr("--no-pivot: cover the host's %s", f[4]);
    }
    xfree(lines);
    xfree(text);
    return r;
}

/* Moves into the rootfs.  pivot_root, so the host's tree is gone from the
 * namespace; on an initramfs root (EINVAL), or with --no-pivot, MS_MOVE
 * plus chroot instead. */
static int enter_rootfs(struct rootfs_ctx *c)
{
    if (sys_fchdir(c->rootfd) < 0) return failerr("chdir %s", c->rootfs);
    if (!c->no_pivot) {
        int oldroot = sys_open("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (oldroot < 0) return failerr("open /");
        if (syscall(SYS_pivot_root, ".", ".") == 0) {
            int r = 0;
            /* the old root sits on top of the new one: detach it, without
             * letting the unmount propagate back to the host */
            if (sys_fchdir(oldroot) < 0 || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
                sys_umount2(".", MNT_DETACH) < 0)
                r = failerr("detach the old root");
            close(oldroot);
            if (r == 0 && sys_chdir("/") < 0) r = failerr("chdir /");
            return r;
        }
        close(oldroot);
        if (errno != EINVAL) return failerr("pivot_root %s", c->rootfs);
        debugf("pivot_root failed with EINVAL (an initramfs root?): using MS_MOVE and chroot");
        if (sys_fchdir(c->rootfd) < 0) return failerr("chdir %s", c->rootfs);
    }
    if (detach_host_proc_sys(c->rootfs) < 0) return -1;
    if (mount(".", "/", NULL, MS_MOVE, NULL) < 0) return failerr("move %s to /", c->rootfs);
    if (sys_chroot(".") < 0) return failerr("chroot %s", c->rootfs);
    if (sys_chdir("/") < 0) return failerr("chdir /");
    return 0;
}

/* ======================================================================
 * 12. Devices and terminals
 *
 * The spec's default devices and linux.devices are created with mknod in
 * the container's /dev; where mknod is not allowed (a user namespace) the
 * host's node is bind-mounted instead, as runc does.
 * ====================================================================== */


static const struct { const char *target, *name; } dev_symlinks[] = {
    { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
    { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" },
};

static int bind_host_device(struct rootfs_ctx *c, const struct oci_device *d)
{
    struct oci_mount m = {0};
    m.dest = d->path, m.source = d->path, m.bind = 1;
    debugf("mknod %s not permitted: binding the host's node", d->path);
    return mount_bind(c, &m);
}

/* The directory the last node went into (nodes mostly share /dev, which
 * is then resolved once), and who a node mknod makes belongs to. */
struct node_dir { char path[PATH_MAX]; int fd; struct resolved at; uid_t uid; gid_t gid; };

static int node_dir_open(struct rootfs_ctx *c, struct node_dir *nd, const char *dir, int flags)
{
    if (nd->fd >= 0 && !strcmp(nd->path, dir)) return nd->fd;
    close_if(nd->fd);
    str_copy(nd->path, sizeof nd->path, dir);
    return nd->fd = resolve_at(c->rootfd, dir, flags, &nd->at);
}

static int create_device(struct rootfs_ctx *c, struct node_dir *nd, const struct oci_device *d)
{
    char dir[PATH_MAX], base[NAME_MAX + 1];
    if (split_path(d->path, dir, base) < 0 || node_dir_open(c, nd, dir, RES_MKDIR | RES_NO_SYMLINKS) < 0)
        return err_prefix("device %s", d->path);
    int dfd = nd->fd;
    mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
    mode_t mode = d->has_mode ? d->mode : 0666;
    /* the mode runc's node ends up with: its chown (always made) clears
     * setuid, and setgid where group execute is set, as the kernel's chown
     * does to anything but a directory */
    mode &= ~(mode_t)(S_ISUID | (mode & S_IXGRP ? S_ISGID : 0));
    dev_t dev = makedev((unsigned)d->major, (unsigned)d->minor);
    int r = mknodat(dfd, base, type | (mode & 07777), dev);
    if (r < 0 && errno == EEXIST) {
        /* a mount of the config's there wins (`docker run -v
         * /dev/urandom:/dev/random`), as in runc: another filesystem than
         * /dev's, or what the kernel will not remove.  An image may ship a
         * file or stale node here: replace it, but never a directory (and
         * never follow a symlink: unlinkat removes the link).  No symlink
         * led to this directory either (RES_NO_SYMLINKS): an image's /dev
         * linked into a volume would have us replace someone's files */
        struct stat st;
        int got = fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
        if (got && st.st_dev != nd->at.st.st_dev) return 0;
        if (got && S_ISDIR(st.st_mode)) return fail("device %s: a directory is in the way", d->path);
        if (unlinkat(dfd, base, 0) < 0) return errno == EBUSY ? 0 : failerr("remove %s", d->path);
        r = mknodat(dfd, base, type | (mode & 07777), dev);
    }
    if (r < 0) return errno == EPERM ? bind_host_device(c, d) : failerr("mknod %s", d->path);
    /* mknod gave the node our ids (a setgid directory's group) and exactly
     * `mode` (stage 2's umask is 0): only another owner takes a call (a
     * chown that clears no bit `mode` still has) */
    uid_t uid = d->has_uid ? d->uid : 0;
    gid_t gid = d->has_gid ? d->gid : 0;
    gid_t got = nd->at.st.st_mode & S_ISGID ? nd->at.st.st_gid : nd->gid;
    if ((uid != nd->uid || gid != got) && sys_fchownat(dfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
        return failerr("chown %s", d->path);
    return 0;
}

static int config_has_device(const struct oci_spec *s, const char *path)
{
    for (size_t i = 0; i < s->ndevices; i++)
        if (!strcmp(s->devices[i].path, path)) return 1;
    return 0;
}

/* /dev's symlinks; a /dev/ptmx the image ships (a node would reach the
 * host's ptys) is replaced, a directory there is left alone. */
static int dev_symlink(int dfd, const char *target, const char *name)
{
    struct stat st;
    if (sys_symlinkat(target, dfd, name) == 0) return 0;
    if (errno == EEXIST && !strcmp(name, "ptmx") && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        !S_ISDIR(st.st_mode)) {
        if (unlinkat(dfd, name, 0) < 0) return failerr("remove /dev/ptmx");
        if (sys_symlinkat(target, dfd, name) == 0) return 0;
    }
    return errno == EEXIST ? 0 : failerr("symlink /dev/%s", name);
}

static int create_devices(struct rootfs_ctx *c)
{
    const struct oci_spec *s = c->spec;
    struct node_dir nd = { .fd = -1, .uid = geteuid(), .gid = getegid() };
    int r = 0;
    /* a /dev bound from elsewhere (the host's, as `docker run -v /dev:/dev`
     * gives it) is left as it is, linux.devices and all, as runc does
     * (needsSetupDev): a node made there would replace the host's */
    if (c->dev_is_bind) return 0;
    for (size_t i = 0; i < ARRAY_LEN(default_devices) && r == 0; i++)
        if (!config_has_device(s, default_devices[i].path)) r = create_device(c, &nd, &default_devices[i]);
    /* /dev/ptmx is always the link to this devpts instance's (runc): a
     * node, even one linux.devices asks for, would reach the host's */
    for (size_t i = 0; i < s->ndevices && r == 0; i++)
        if (strcmp(s->devices[i].path, "/dev/ptmx")) r = create_device(c, &nd, &s->devices[i]);
    if (r < 0) goto out;
    int dfd = node_dir_open(c, &nd, "/dev", RES_NO_SYMLINKS);
    if (dfd < 0 && errno == ENOENT && !c->dev_is_mounted) goto out;   /* an image without /dev */
    if (dfd < 0) { r = -1; goto out; }
    for (size_t i = 0; i < ARRAY_LEN(dev_symlinks) && r == 0; i++)
        r = dev_symlink(dfd, dev_symlinks[i].target, dev_symlinks[i].name);
    if (r == 0 && access("/proc/kcore", F_OK) == 0 && sys_symlinkat("/proc/kcore", dfd, "core") < 0 && errno != EEXIST)
        r = failerr("symlink /dev/core");
out:
    close_if(nd.fd);
    return r;
}

/* --- terminals --- */

struct pty { int master, peer; };

/* Allocates a pty on the devpts instance at `path` inside `rootfd` (the
 * container's own, mounted with newinstance), checking that it really is
 * devpts.  The peer comes from TIOCGPTPEER, never from a path the
 * container could swap (CVE-2025-52565); before Linux 4.13 it is opened by
 * number and checked. */
static int open_pty(int rootfd, const char *path, const struct oci_process *p, struct pty *out)
{
    struct statfs sf;
    struct stat st;
    int dir = resolve_in_root(rootfd, path, RES_NOFOLLOW_LAST);
    if (dir < 0) return err_prefix(".process.terminal needs devpts at %s", path);
    if (sys_fstatfs(dir, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC) {
        close(dir);
        return fail(".process.terminal: %s is not a devpts mount", path);
    }
    int m = sys_openat(dir, "ptmx", O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC, 0), s = -1, zero = 0;
    if (m < 0) { failerr("open %s/ptmx", path); close(dir); return -1; }
    if (sys_ioctl(m, TIOCSPTLCK, &zero) < 0) { failerr("unlock pty"); goto bad; }
    s = sys_ioctl(m, TIOCGPTPEER, (void *)(long)(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (s < 0) {
        unsigned n;
        char name[16];
        if (sys_ioctl(m, TIOCGPTN, &n) < 0) { failerr("TIOCGPTN"); goto bad; }
        str_fmt(name, sizeof name, "%u", n);
        s = sys_openat(dir, name, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (s < 0 || sys_fstatfs(s, &sf) < 0 || sf.f_type != DEVPTS_SUPER_MAGIC || fstat(s, &st) < 0 ||
            !S_ISCHR(st.st_mode) || major(st.st_rdev) < 136 || major(st.st_rdev) > 143) {
            fail("%s/%s is not the pty peer", path, name);
            goto bad;
        }
    }
    if (p->console_height && p->console_width) {   /* runc: both, or the pty's own */
        struct winsize ws = { (unsigned short)p->console_height, (unsigned short)p->console_width, 0, 0 };
        if (sys_ioctl(s, TIOCSWINSZ, &ws) < 0) { failerr(".process.consoleSize"); goto bad; }
    }
    close(dir);
    out->master = m, out->peer = s;
    return 0;
bad:
    close_if(s);
    close(m);
    close(dir);
    return -1;
}

/* /dev/console is the pty peer, bind-mounted by fd. */
static int mount_console(int rootfd, int peer)
{
    int fd = resolve_in_root(rootfd, "/dev/console", RES_MKDIR | RES_MKFILE | RES_NOFOLLOW_LAST);
    if (fd < 0) return err_prefix("the pty as console");
    char p[32];
    int r = mount_on_fd(proc_fd_path(p, peer), fd, NULL, MS_BIND, NULL) < 0 ? failerr("bind the pty on /dev/console") : 0;
    close(fd);
    return r;
}

/* The peer becomes stdin, stdout, stderr and the controlling terminal. */
static int become_pty_session(int peer)
{
    for (int fd = 0; fd < 3; fd++)
        if (sys_dup2(peer, fd) < 0) return failerr("dup2 the pty");
    if (peer > 2) close(peer);
    if (sys_ioctl(0, TIOCSCTTY, NULL) < 0) return failerr("TIOCSCTTY");
    return 0;
}

/* The mount that holds the rootfs, if it is shared, becomes private in
 * our namespace (runc's rootfsParentMountPrivate): pivot_root refuses a
 * shared parent, and the rootfs's bind and every mount below it would
 * otherwise propagate to the host's namespace. */
static int make_parent_mount_private(const char *rootfs)
{
    char *text, best[PATH_MAX] = "/";
    size_t bestlen = 0;
    int shared = 0;
    if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", 1 << 22, &text, NULL) < 0) return -1;
    for (char *save, *line = str_tok(text, "\n", &save); line; line = str_tok(NULL, "\n", &save)) {
        /* id parent maj:min root mountpoint opts [optional...] - ... */
        char *mp = line;
        for (int i = 0; i < 4 && mp; i++) if ((mp = str_chr(mp, ' '))) mp++;
        if (!mp) continue;
        char *end = str_chr(mp, ' '), *dash = end ? str_find(end, " - ") : NULL;
        if (!dash) continue;
        *end = 0, *dash = 0;
        unescape_octal(mp);
        size_t n = strlen(mp);
        if ((n == 1 || (!strncmp(rootfs, mp, n) && (rootfs[n] == '/' || !rootfs[n]))) && n >= bestlen && n < sizeof best)
            memcpy(best, mp, n + 1), bestlen = n, shared = str_find(end + 1, " shared:") != NULL;
    }
    xfree(text);
    if (shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0) return failerr("make %s private", best);
    return 0;
}

/* The whole filesystem side of stage 2, in spec order. */
struct before_pivot { int (*fn)(void *); void *arg; };

/* Without a mount namespace of its own the container shares the
 * runtime's: nothing is mounted or made there (validate_spec refused
 * mounts, masks and devices), and the rootfs becomes its root by chroot,
 * as runc does. */
static int chroot_rootfs(const struct oci_spec *s, const char *rootfs, struct pty *pty, const struct before_pivot *bp)
{
    int rootfd = sys_open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0), r = -1, cwd = -1;
    if (rootfd < 0) return failerr("open rootfs %s", rootfs);
    if (s->proc.terminal && open_pty(rootfd, "/dev/pts", &s->proc, pty) < 0) goto out;
    if ((cwd = resolve_in_root(rootfd, s->proc.cwd, RES_MKDIR)) < 0) { err_prefix(".process.cwd"); goto out; }
    if (apply_sysctls(s) < 0 || (bp->fn && bp->fn(bp->arg) < 0)) goto out;
    if (sys_fchdir(rootfd) < 0 || sys_chroot(".") < 0 || sys_chdir("/") < 0) { failerr("chroot %s", rootfs); goto out; }
    r = 0;
out:
    close_if(cwd);
    close(rootfd);
    return r;
}

/* After the pivot: stdio that is the host's /dev/null becomes the
 * container's (runc's reOpenDevNull), as the process would see it had it
 * opened it itself; a checkpoint needs that too (criu finds no mount for
 * a file of the host's /dev).  Opened as the caller opened it (runc:
 * read-write).  Not where /dev is a bind of the host's. */
static int reopen_dev_null(const struct oci_spec *s)
{
    struct stat st;
    for (size_t i = 0; i < s->nmounts; i++)
        if (s->mounts[i].bind && !strcmp(s->mounts[i].dest, "/dev")) return 0;
    int fd = -1, mode = -1, r = 0;   /* (stdout and stderr, alike, share one open) */
    for (int i = 0; i < 3 && r == 0; i++) {
        int fl;
        if (fstat(i, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3) || (fl = sys_fcntl(i, F_GETFL, 0)) < 0)
            continue;
        if ((fl & O_ACCMODE) != mode) {
            close_if(fd);
            if ((fd = sys_open("/dev/null", (mode = fl & O_ACCMODE) | O_CLOEXEC, 0)) < 0) {
                r = errno == ENOENT ? 1 : failerr("reopen /dev/null inside the container");
                break;
            }
        }
        if (sys_dup2(fd, i) < 0) r = failerr("reopen /dev/null inside the container as fd %d", i);
    }
    close_if(fd);
    return r < 0 ? -1 : 0;
}

static int setup_rootfs(const struct oci_spec *s, const char *rootfs, int no_pivot, struct pty *pty,
                        const struct before_pivot *bp, const int *host_fds, const struct cg_layout *cgl)
{
    if (!((s->clone_flags | s->join_flags) & CLONE_NEWNS)) return chroot_rootfs(s, rootfs, pty, bp);
    struct rootfs_ctx c = { s, rootfs, -1, no_pivot, 0, 0, host_fds, NULL, 0, cgl, 0, 0, 0 };
    /* by default nothing we mount propagates back to the host; a config
     * that asks for shared propagation gets it, as in runc.  Unbindable is
     * for the container's / and is set there after the pivot: on the
     * host's mounts now it would stop every bind mount, the rootfs's own
     * included (runc 1.1 fails so) */
    unsigned long prop = s->rootfs_prop && !(s->rootfs_prop & MS_UNBINDABLE) ? s->rootfs_prop : MS_SLAVE | MS_REC;
    if (mount(NULL, "/", NULL, prop, NULL) < 0) return failerr("set propagation of /");
    /* unless every mount is a slave or private now, the rootfs's parent
     * may still be shared */
    if (!((prop & MS_REC) && (prop & (MS_SLAVE | MS_PRIVATE))) && make_parent_mount_private(rootfs) < 0) return -1;
    /* pivot_root needs the rootfs to be a mount point */
    if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) return failerr("bind mount rootfs %s", rootfs);
    if ((c.rootfd = sys_open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0)) < 0) return failerr("open rootfs %s", rootfs);
    int r = -1;
    c.ro_later = xcalloc(s->nmounts + 1, 1);
    for (c.cur = 0; c.cur < s->nmounts; c.cur++)
        if (mount_entry(&c, &s->mounts[c.cur]) < 0) { err_prefix(".mounts[%zu] (%s)", c.cur, s->mounts[c.cur].dest); goto out; }
    if (create_devices(&c) < 0) goto out;
    if (s->proc.terminal && (open_pty(c.rootfd, "/dev/pts", &s->proc, pty) < 0 || mount_console(c.rootfd, pty->peer) < 0))
        goto out;
    if (strcmp(s->proc.cwd, "/")) {   /* (made if missing, as runc, before a mount it is in is read-only) */
        int cwd = resolve_in_root(c.rootfd, s->proc.cwd, RES_MKDIR);
        if (cwd < 0) { err_prefix(".process.cwd"); goto out; }
        close(cwd);
    }
    if (remount_ro_later(&c) < 0) goto out;
    if (apply_sysctls(s) < 0 || mount_readonly_paths(&c) < 0 || mount_masked_paths(&c) < 0) goto out;
    if (bp->fn && bp->fn(bp->arg) < 0) goto out; /* the hooks' moment (runtime spec) */
    /* after the hooks, as runc: they may write into the rootfs (a GPU
     * hook adds the driver's files to a --read-only container) */
    if ((s->root_readonly || c.root_ro) && remount_root_readonly(c.rootfd) < 0) goto out;
    if (enter_rootfs(&c) < 0) goto out;
    if (s->rootfs_prop && mount(NULL, "/", NULL, s->rootfs_prop, NULL) < 0) {
        failerr("set rootfs propagation");
        goto out;
    }
    if ((s->rootfs_prop & MS_REC) && mounts_own_propagation(&c) < 0) goto out;
    r = reopen_dev_null(s);
out:
    xfree(c.ro_later);
    close(c.rootfd);
    return r;
}

/* ======================================================================
 * 13. Process setup: rlimits, user, capabilities, labels, scheduling,
 *     hooks, exec
 *
 * Order matters and follows runc: LSM labels for the execve, I/O
 * priority and scheduler while still privileged, rlimits too; drop the
 * bounding set while we hold CAP_SETPCAP; change uid/gid keeping the
 * permitted set (PR_SET_KEEPCAPS); then set the final capability sets and
 * the ambient ones; no_new_privs last.
 * ====================================================================== */

/* The id and limit calls are made as plain syscalls: libc's wrappers
 * broadcast them to every thread (musl's __synccall, 2 KB of a static
 * binary) and this runtime has one.  prlimit64 takes 64-bit limits on
 * every arch; the id calls take 32-bit ids (NR_setresuid, section 1). */
static int set_uid(uint32_t uid) { return (int)syscall(NR_setresuid, uid, uid, uid); }
static int set_gid(uint32_t gid) { return (int)syscall(NR_setresgid, gid, gid, gid); }

static int apply_rlimits(const struct oci_process *p)
{
    for (size_t i = 0; i < p->nrlimits; i++) {
        struct { uint64_t cur, max; } rl = { p->rlimits[i].soft, p->rlimits[i].hard };
        if (syscall(SYS_prlimit64, 0, p->rlimits[i].resource, &rl, NULL) < 0)
            return failerr(".process.rlimits[%zu]: prlimit64", i);
    }
    return 0;
}

/* Drops from the bounding set every capability `keep` lacks, and returns
 * the kernel's last capability (or -1): the first drop refused with
 * EINVAL is past it, so no /proc file is read.  A kept capability is not
 * dropped, so not probed either: where the end falls behind kept ones,
 * PR_CAPBSET_READ says which of them the kernel knows. */
static int drop_bounding_caps(uint64_t keep)
{
    int known = -1;   /* the highest capability the kernel has taken */
    for (int c = 0; c < 64; c++) {
        if (keep & bit64(c)) continue;
        if (sys_prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == 0) { known = c; continue; }
        if (errno != EINVAL) return failerr("drop capability %d from the bounding set", c);
        for (int k = c - 1; k > known; k--)
            if (sys_prctl(PR_CAPBSET_READ, k, 0, 0, 0) >= 0) return k;
        return known;
    }
    return 63;
}

static int set_caps(const uint64_t caps[NCAPSETS], int last)
{
    uint64_t mask = last >= 63 ? ~0ULL : bit64(last + 1) - 1;
    struct cap_header h = { CAP_VERSION_3, 0 };
    struct cap_data d[2];
    uint64_t e = caps[CAPSET_EFFECTIVE] & mask, pm = caps[CAPSET_PERMITTED] & mask, in = caps[CAPSET_INHERITABLE] & mask;
    for (int i = 0; i < 2; i++) {
        d[i].effective = (uint32_t)(e >> (32 * i));
        d[i].permitted = (uint32_t)(pm >> (32 * i));
        d[i].inheritable = (uint32_t)(in >> (32 * i));
    }
    if (syscall(SYS_capset, &h, d) < 0) return failerr("capset");
    for (int c = 0; c <= last; c++) {
        if (!(caps[CAPSET_AMBIENT] & bit64(c))) continue;
        if (!(pm & in & bit64(c))) {
            /* the kernel allows only permitted+inheritable ones; runc skips
             * the rest the same way (`runc spec` lists ambient caps that are
             * not inheritable) */
            debugf("ambient capability %s skipped: not both permitted and inheritable", cap_names[c]);
            continue;
        }
        if (sys_prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0) {
            return failerr(".process.capabilities.ambient: raise %s%s", cap_names[c],
                           errno == EINVAL ? " (ambient capabilities need Linux 4.3)" : "");
        }
    }
    return 0;
}

/* The process's stdio becomes its user's, as runc does it
 * (fixStdioPermissions): the owner, not the group (devpts' gid=5 stays),
 * of each of fds 0-2 that is not /dev/null, so the user can reopen its
 * terminal (/dev/tty, /proc/self/fd/0).  Where the kernel refuses, it
 * stays as it is. */
static int give_stdio_to(uid_t uid)
{
    for (int fd = 0; fd < 3; fd++) {
        struct stat st;
        if (fstat(fd, &st) < 0 || st.st_uid == uid) continue;
        if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)) continue;
        if (syscall(NR_fchown, fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
            return failerr("chown fd %d to the process's uid %u", fd, (unsigned)uid);
    }
    return 0;
}

/* The user namespace's setgroups says "deny" (a rootless one's, mapped
 * without newgidmap): setgroups(2) is refused there. */
static int setgroups_denied(void)
{
    char *text;
    if (read_file_at(AT_FDCWD, "/proc/self/setgroups", 64, &text, NULL) < 0) return 0;
    int deny = !strncmp(text, "deny", 4);
    xfree(text);
    return deny;
}

/* The process's groups are additionalGids alone: the caller's go, as in
 * runc (in a user namespace too, where they show as the overflow gid and
 * still grant access), unless `keep_groups` (a rootless caller) or the
 * user namespace denies setgroups (root in `unshare -r`), where runc
 * leaves them when none are given.  (A list given is tried, and its
 * refusal an error.) */
#define UNMAPPED " (an id the container's user namespace does not map)"
static int switch_user(const struct oci_process *p, int keep_groups)
{
    if (give_stdio_to(p->uid) < 0) return -1;
    if ((p->ngids || !keep_groups) && syscall(NR_setgroups, p->ngids, p->gids) < 0 &&
        (errno != EPERM || p->ngids || !setgroups_denied()))
        return failerr(".process.user.additionalGids: setgroups");
    /* (EINVAL: an id the user namespace does not map) */
    if (set_gid(p->gid) < 0) return failerr(".process.user.gid: setresgid(%u)%s", p->gid, errno == EINVAL ? UNMAPPED : "");
    if (set_uid(p->uid) < 0) return failerr(".process.user.uid: setresuid(%u)%s", p->uid, errno == EINVAL ? UNMAPPED : "");
    return 0;
}

/* rlimits, user, capabilities, no_new_privs: everything about the process
 * that needs privilege, in the order that keeps the privilege we need.
 * With `keep_admin` CAP_SYS_ADMIN stays effective, for a seccomp filter
 * that without no_new_privs needs it and is loaded after the runtime's
 * own calls (chdir, getcwd, the executable's lookup): a profile need not
 * allow them.  drop_admin() then sets the process's own capabilities.
 * *lastp: the kernel's last capability, as the drop found it. */
static int setup_process_credentials(const struct oci_process *p, int keep_groups, int keep_admin, int *lastp)
{
    int last;
    uint64_t caps[NCAPSETS];
    memcpy(caps, p->caps, sizeof caps);
    if (keep_admin) caps[CAPSET_EFFECTIVE] |= 1ULL << 21, caps[CAPSET_PERMITTED] |= 1ULL << 21; /* CAP_SYS_ADMIN */
    if (apply_rlimits(p) < 0) return -1;
    if ((*lastp = last = drop_bounding_caps(p->caps[CAPSET_BOUNDING])) < 0) return -1;
    if (sys_prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) return failerr("prctl(PR_SET_KEEPCAPS)");
    if (switch_user(p, keep_groups) < 0) return -1;
    if (sys_prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) return failerr("prctl(PR_SET_KEEPCAPS)");
    if (set_caps(caps, last) < 0) return -1;
    if (p->no_new_privs && sys_prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) return failerr("prctl(PR_SET_NO_NEW_PRIVS)");
    return 0;
}

/* After the filter is on: the process's capabilities, without the
 * CAP_SYS_ADMIN kept for loading it (the profile must allow capset). */
static int drop_admin(const struct oci_process *p, int last)
{
    if ((p->caps[CAPSET_EFFECTIVE] & p->caps[CAPSET_PERMITTED]) >> 21 & 1) return 0;
    return set_caps(p->caps, last) < 0 ? err_prefix("after loading the seccomp filter") : 0;
}

/* runc gives a process without HOME, or with an empty one (podman's exec
 * as a user the image does not know sends "HOME="), the home of its uid
 * from the container's /etc/passwd, or "/".  Returns a new env vector. */
/* Field `k` of the entry for `uid` in /etc/passwd (the image's in the
 * container, the host's outside), into out: 1 when there is one.  A
 * regular file only: a FIFO there must not hold the start (O_NONBLOCK), a
 * symlink is not followed; a small one (below read_fd_all's 4 KB) is
 * read in one call.  An empty field, or a short line without it, is "",
 * as runc's parser leaves it. */
static int passwd_field(uid_t uid, int k, char *out, size_t size)
{
    char *text = NULL;
    struct stat st;
    int fd = sys_open("/etc/passwd", O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, 0), found = 0;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
                    read_fd_all(fd, "/etc/passwd", st.st_size < 4096 ? 4096 : 1 << 20, &text, NULL) < 0))
        text = NULL;
    close_if(fd);
    for (char *save, *line = text ? str_tok(text, "\n", &save) : NULL; line && !found; line = str_tok(NULL, "\n", &save)) {
        char *f[7], *p = line;
        int n = 0, id;
        for (; n < 7 && p; n++) { f[n] = p; if ((p = str_chr(p, ':'))) *p++ = 0; }
        if ((found = n > 2 && parse_int(f[2], &id) == 0 && (uid_t)id == uid)) str_copy(out, size, n > k ? f[k] : "");
    }
    xfree(text);
    return found;
}

static char **env_with_home(char **env, size_t n, uid_t uid, char *home, size_t size)
{
    const char *was = env_get(env, "HOME");
    if (was && *was) return env;
    char dir[PATH_MAX];
    if (!passwd_field(uid, 5, dir, sizeof dir)) str_copy(dir, sizeof dir, "/");
    str_fmt(home, size, "HOME=%s", dir);
    char **out = xcalloc(n + 2, sizeof *out);
    if (n) memcpy(out, env, n * sizeof *out);
    size_t at = n;
    while (was && out[--at] + 5 != was) {}   /* an empty one is replaced where it is */
    out[at] = home;
    return out;
}

static int in_group(gid_t gid)
{
    gid_t g[256];
    int n = getgroups(256, g);
    if (gid == getegid()) return 1;
    for (int i = 0; i < n; i++)
        if (g[i] == gid) return 1;
    return 0;
}

static int have_effective_cap(int cap)
{
    struct cap_header h = { CAP_VERSION_3, 0 };
    struct cap_data d[2];
    if (syscall(SYS_capget, &h, d) < 0) return 0;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

/* Whether execve(2) will take `path` (a regular file the caller may run),
 * asked as the kernel will ask at the exec: with the effective ids and
 * capabilities (faccessat2 with AT_EACCESS, Linux 5.8), or before 5.8 by
 * the mode bits as generic_permission() reads them, CAP_DAC_OVERRIDE
 * taking any x bit (ACLs are then left to execve).  Not access(2): it
 * asks with the real ids and, for a non-root caller, no capabilities, so
 * a user with CAP_DAC_OVERRIDE could not run a 0700 root binary (runc
 * #3715). */
static int is_executable(const char *path, const struct stat *known)
{
    struct stat st;
    if (known) st = *known;
    else if (stat(path, &st) < 0) return 0;
    if (!S_ISREG(st.st_mode)) return 0;
    long r = syscall(NR_faccessat2, AT_FDCWD, path, X_OK, OCI_AT_EACCESS);
    /* EPERM is no answer to X_OK: a container manager's seccomp profile
     * older than the call (Docker's before 20.10) says it, as Go's
     * Faccessat takes it */
    if (r == 0 || (r < 0 && errno != ENOSYS && errno != EPERM)) return r == 0;
    if (have_effective_cap(1 /* CAP_DAC_OVERRIDE */)) return (st.st_mode & 0111) != 0;
    if (st.st_uid == geteuid()) return (st.st_mode & 0100) != 0;
    return (st.st_mode & (in_group(st.st_gid) ? 0010 : 0001)) != 0;
}

/* Finds args[0] as execvp would, with the container's PATH, so a missing
 * program fails `create` (as in runc) rather than after `start`. */
static int find_executable(const char *file, char *const *env, char out[static PATH_MAX])
{
    if (str_chr(file, '/')) {
        struct stat st;
        char why[128];   /* (Docker reads "no such file or directory" as 127, Go's words) */
        if (stat(file, &st) < 0) return fail("exec: \"%s\": stat %s: %s", file, file, go_strerror(errno, why));
        if (!is_executable(file, &st)) return fail("exec: \"%s\": permission denied", file);
        str_copy(out, PATH_MAX, file);
        return 0;
    }
    /* Go's LookPath, as runc's: an empty entry is ".", and what is found
     * through a relative one is refused (its ErrDot, in its words) */
    const char *path = env_get(env, "PATH");
    for (const char *p = path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";; p++) {
        char dir[PATH_MAX];
        size_t n = str_span(p, ":", 0);
        str_fmt(dir, sizeof dir, "%.*s", (int)n, p);
        if (str_path(out, PATH_MAX, n ? dir : ".", file) < PATH_MAX && is_executable(out, NULL))
            return out[0] == '/' ? 0 : fail("exec: \"%s\": cannot run executable found relative to current directory", file);
        if (!p[n]) break;
        p += n;
    }
    return fail("exec: \"%s\": executable file not found in $PATH", file);
}

/* --- hooks --- */

struct hook_child { const char *path, *cwd; char **argv, **envp; int in, ex, out; mode_t umask; };

/* In the child: its own process group, stdin from the pipe, exec; an
 * exec failure's errno goes back through `ex`. */
static int hook_child(void *arg)
{
    const struct hook_child *c = arg;
    sys_setpgid(0, 0);
    default_signals();   /* our own handlers are the child's copy */
    /* its stdio only, as runc's hooks: not the fds kept for the container
     * (--preserve-fds, socket activation) */
    cloexec_fds_from(3, 0);
    if (c->umask) umask(c->umask);
    if (sys_dup2(c->in, 0) >= 0 && sys_dup2(c->out, 1) >= 0 && sys_dup2(c->out, 2) >= 0 && (!c->cwd || sys_chdir(c->cwd) == 0))
        execve(c->path, c->argv, c->envp);
    int e = errno;
    if (sys_write(c->ex, &e, sizeof e) < 0) { /* the parent sees a plain exit 127 */ }
    return 127;
}

/* Reads what a hook printed into `said` (`*got` held, `size` with its
 * NUL), keeping the end of it: a full buffer drops its first half. */
static ssize_t read_tail(int fd, char *said, size_t size, size_t *got, size_t *cut)
{
    if (*got == size - 1) mem_move(said, said + size / 2, *got -= size / 2), *cut = 1;
    ssize_t n = sys_read(fd, said + *got, size - 1 - *got);
    if (n > 0) *got += (size_t)n;
    return n;
}

/* Where a hook runs, as runc runs it: the hooks the runtime runs itself
 * (prestart, createRuntime, poststart) in the bundle directory, poststop
 * there too for `run` and a failed create, but where a `delete` runs
 * (delete_locked), createContainer in the rootfs (runc's init has entered
 * it by then), startContainer where the process will (cwd NULL: stay).  A hook without `env` gets the environment of what runs it: the
 * runtime's, or in the container the process's.  `umask`:
 * createContainer's is the caller's, as under runc's init (stage 2 works
 * with 0; 0 here: as is). */
struct hook_place { const char *cwd; char **env; mode_t umask; };

/* Runs one hook with the state JSON on stdin, in a process group of its
 * own so that a timeout kills whatever it started; it must exit 0. */
static int run_hook(const struct oci_hook *h, int kind, size_t idx, const char *state, const struct hook_place *at)
{
    int in[2], ex[2], out[2] = { -1, -1 };
    if (sys_pipe2(in, O_CLOEXEC) < 0) return failerr("pipe");
    if (sys_pipe2(ex, O_CLOEXEC) < 0 || sys_pipe2(out, O_CLOEXEC) < 0) {
        close(in[0]), close(in[1]), close(ex[0]), close(ex[1]);
        return failerr("pipe");
    }
    char *noargs[] = { (char *)h->path, NULL }, *noenv[] = { NULL };
    char **env = h->env ? h->env : at->env ? at->env : noenv;
    struct hook_child c = { h->path, at->cwd, h->nargs ? h->args : noargs, env, in[0], ex[1], out[1], at->umask };
    pid_t pid = spawn_vfork(hook_child, &c, 0);
    close(in[0]), close(ex[1]), close(out[1]);
    if (pid < 0) { close(in[1]), close(ex[0]), close(out[0]); return failerr("start %s hook", hook_names[kind]); }
    int e, status = 0;
    ssize_t n = sys_read(ex[0], &e, sizeof e);
    close(ex[0]);
    if (n == (ssize_t)sizeof e) {
        sys_waitpid(pid, NULL, 0);
        close(in[1]), close(out[0]);
        errno = e;
        return at->cwd ? failerr(".hooks.%s[%zu]: exec %s (in %s)", hook_names[kind], idx, h->path, at->cwd)
                       : failerr(".hooks.%s[%zu]: exec %s", hook_names[kind], idx, h->path);
    }
    /* while it runs: the state goes to its stdin as it reads it, what it
     * prints is kept (the end of it: where a failure says why) for an
     * error, as runc keeps it, not passed on to our caller; its end (not
     * EOF: a child it left may hold the pipe) ends the wait, or its
     * timeout does */
    char said[512];
    size_t off = 0, len = strlen(state), got = 0, cut = 0;
    sys_fcntl(in[1], F_SETFL, O_NONBLOCK);
    pid_t w = 0;
    int64_t t0 = now_ms();
    struct pollfd p[2] = { { out[0], POLLIN, 0 }, { in[1], POLLOUT, 0 } };   /* -1 when done with */
    for (int k = 0; (w = sys_waitpid(pid, &status, WNOHANG)) == 0; k++) {
        if (h->timeout && now_ms() - t0 >= h->timeout * (int64_t)1000) {
            kill(-pid, SIGKILL);
            sys_waitpid(pid, NULL, 0);
            w = -2;
            break;
        }
        p[0].revents = p[1].revents = 0;
        poll(p, 2, k < 20 ? 1 : 10);
        if (p[0].revents && (n = read_tail(out[0], said, sizeof said, &got, &cut)) <= 0)
            p[0].fd = -1;   /* its end closed (or broken): no more polling it */
        /* all of it written (or refused): closed, so a hook reading to
         * its end sees it */
        if (p[1].revents && ((n = sys_write(in[1], state + off, len - off)) < 0 ? errno != EAGAIN : (off += (size_t)n) == len))
            close(in[1]), in[1] = p[1].fd = -1;
    }
    /* what it printed just before it ended is still in the pipe: read
     * without waiting (a child it left may hold the other end) */
    sys_fcntl(out[0], F_SETFL, O_NONBLOCK);
    for (int k = 0; k < 64 && read_tail(out[0], said, sizeof said, &got, &cut) > 0; k++) {}
    close_if(in[1]);
    close(out[0]);
    if (w == -2) return fail(".hooks.%s[%zu]: %s did not finish within its timeout of %d s", hook_names[kind], idx, h->path, h->timeout);
    said[got] = 0;
    while (got && (said[got - 1] == '\n' || said[got - 1] == ' ')) said[--got] = 0;
    const char *sep = !got ? "" : cut ? ", output (its end): " : ", output: ";
    if (w < 0) return failerr(".hooks.%s[%zu]: wait", hook_names[kind], idx);
    if (WIFSIGNALED(status))
        return fail(".hooks.%s[%zu]: %s was killed by signal %d%s%s", hook_names[kind], idx, h->path, WTERMSIG(status), sep, said);
    if (WEXITSTATUS(status))
        return fail(".hooks.%s[%zu]: %s failed with exit status %d%s%s", hook_names[kind], idx, h->path, WEXITSTATUS(status), sep, said);
    return 0;
}

/* Runs the hooks of one kind in order.  With `warn_only` (poststart,
 * poststop) a failure is logged and the rest still run. */
static int run_hooks(const struct oci_spec *s, int kind, const char *state, int warn_only, const struct hook_place *at)
{
    for (size_t i = 0; i < s->nhooks[kind]; i++) {
        if (run_hook(&s->hooks[kind][i], kind, i, state, at) == 0) continue;
        if (!warn_only) return -1;
        warnf("%s", err_msg);
    }
    return 0;
}

static int has_hooks(const struct oci_spec *s, int kind) { return s->nhooks[kind] > 0; }

/* The state a hook reads on stdin (runtime spec "State"): as runc writes
 * it, without a pid once stopped and without annotations when there are
 * none (both optional then). */
static void hook_state_json(struct buf *b, const char *id, pid_t pid, const char *status, const char *bundle,
                            const struct jv *annotations)
{
    buf_printf(b, "{\"ociVersion\":\"%s\",\"id\":", OCIRUN_OCI_VERSION);
    json_str(b, id);
    buf_printf(b, ",\"status\":\"%s\"", status);
    if (pid) buf_printf(b, ",\"pid\":%d", (int)pid);
    buf_puts(b, ",\"bundle\":");
    json_str(b, bundle);
    if (annotations && annotations->count) buf_puts(b, ",\"annotations\":"), json_write(b, annotations);
    buf_puts(b, "}");
}

/* --- labels and scheduling --- */

/* AppArmor is on when securityfs shows it (it does only when the module
 * initialised: runc also reads the module's "enabled"); SELinux when
 * selinuxfs is mounted where every distribution and Android mount it.
 * OCIRUN_LSM=0 builds compile the rest of this away. */
static int apparmor_enabled(void) { return OCIRUN_LSM && access("/sys/kernel/security/apparmor", F_OK) == 0; }

static int selinux_enabled(void)
{
    struct statfs sf;
    return OCIRUN_LSM && sys_statfs("/sys/fs/selinux", &sf) == 0 && (uint32_t)sf.f_type == SELINUX_MAGIC;
}

/* Stage 0, before anything exists: a label this host cannot apply is an
 * error naming it now, not a failed stage 2 (runc checks SELinux only). */
static int lsm_check(const struct oci_spec *s)
{
    const struct oci_process *p = &s->proc;
    int aa = p->apparmor && !apparmor_enabled(), se = !aa && (p->selinux_label || s->mount_label) && !selinux_enabled();
    if (!OCIRUN_LSM || (!aa && !se)) return 0;
    return fail(".%s: \"%s\" given, but %s is not enabled on this host",
                aa ? "process.apparmorProfile" : p->selinux_label ? "process.selinuxLabel" : "linux.mountLabel",
                aa ? p->apparmor : p->selinux_label ? p->selinux_label : s->mount_label, aa ? "AppArmor" : "SELinux");
}

/* /proc/self/attr of stage 2 into *fd (-1: no label to set), opened while
 * the host's /proc is in view: the container's may be anything. */
static int open_attr_dir(const struct oci_process *p, int *fd)
{
    struct statfs sf;
    *fd = -1;
    if (!OCIRUN_LSM || (!p->apparmor && !p->selinux_label)) return 0;
    *fd = sys_open("/proc/self/attr", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (*fd >= 0 && (sys_fstatfs(*fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)) close(*fd), *fd = -1, errno = EXDEV;
    return *fd < 0 ? failerr("open /proc/self/attr on procfs") : 0;
}

/* Writes one of our LSM attributes: `name`, or `alt` where the kernel has
 * no `name` (attr/apparmor/ came with Linux 5.8's LSM stacking). */
static int write_attr(int dirfd, const char *name, const char *alt, const char *text)
{
    int fd = sys_openat(dirfd, name, O_WRONLY | O_CLOEXEC, 0);
    if (fd < 0 && errno == ENOENT && alt) fd = sys_openat(dirfd, name = alt, O_WRONLY | O_CLOEXEC, 0);
    if (fd < 0) return failerr("open /proc/self/attr/%s", name);
    size_t n = strlen(text);
    int r = sys_write(fd, text, n) == (ssize_t)n ? 0 : failerr("write \"%s\" to /proc/self/attr/%s", text, name);
    close(fd);
    return r;
}

/* The labels the next execve takes on: AppArmor's exec profile (what
 * aa_change_onexec does; "unconfined" too, as runc) and SELinux's exec
 * context.  Set before the credentials change, as runc does; the hooks
 * stage 2 runs after this inherit them too. */
static int set_exec_labels(const struct oci_process *p, int attrfd)
{
    char cmd[PATH_MAX];
    if (!OCIRUN_LSM) return 0;
    if (p->apparmor) {
        str_fmt(cmd, sizeof cmd, "exec %s", p->apparmor);
        if (write_attr(attrfd, "apparmor/exec", "exec", cmd) < 0)
            return err_prefix(".process.apparmorProfile \"%s\"%s", p->apparmor, errno == ENOENT ? " (not loaded?)" : "");
    }
    if (p->selinux_label && write_attr(attrfd, "exec", NULL, p->selinux_label) < 0)
        return err_prefix(".process.selinuxLabel");
    return 0;
}

/* The session keyring stage 2 makes gets the process's label (runc's
 * SetKeyLabel).  Kept after: keys the process makes get its label anyway. */
static int set_keyring_label(const struct oci_process *p, int attrfd)
{
    if (!OCIRUN_LSM || !p->selinux_label || write_attr(attrfd, "keycreate", NULL, p->selinux_label) == 0) return 0;
    return errno == ENOENT ? 0 : err_prefix(".process.selinuxLabel: the session keyring");
}

static int set_affinity(const char *field, const char *list)
{
    unsigned long mask[CPU_MASK_LONGS];
    if (parse_cpu_list(field, list, mask) < 0) return -1;
    return syscall(SYS_sched_setaffinity, 0, sizeof mask, mask) < 0 ? failerr("%s: sched_setaffinity", field) : 0;
}

/* ioPriority, scheduler and, for an exec, execCPUAffinity.final, in stage
 * 2 while it is still root and in the container's cgroup (whose cpuset
 * may narrow the CPUs: the kernel refuses a list outside it).  Not for
 * init: "not applicable to the container's init process" (config.md, as
 * runc); CRI-O sets it in config.json to pin exec'd processes only. */
static int apply_scheduling(const struct oci_process *p, int exec)
{
    if (p->has_ioprio && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, p->ioprio) < 0)
        return failerr(".process.ioPriority: ioprio_set");
    if (p->has_sched && syscall(SYS_sched_setattr, 0, &p->sched, 0) < 0)
        return failerr(".process.scheduler: sched_setattr%s", errno == EPERM && (0x46 >> p->sched.policy & 1) ?
                       " (a real-time policy needs CAP_SYS_NICE, and on cgroup v1 linux.resources.cpu.realtimeRuntime)" : "");
    return exec && p->cpus_final ? set_affinity(".process.execCPUAffinity.final", p->cpus_final) : 0;
}

/* The process's cwd is entered as runc enters it: first with the
 * runtime's privileges, before the ids change, so a directory only root
 * can reach works for any user (runc #2086); where that is refused
 * (root-squashed NFS, a user namespace without CAP_DAC_OVERRIDE), again as
 * the process's user (#2712).  *retry says whether the second is due. */
static int cwd_before_creds(const char *cwd, int *retry)
{
    *retry = chdir(cwd) < 0;
    if (*retry && errno != EACCES && errno != EPERM) return failerr(".process.cwd: chdir %s", cwd);
    return 0;
}

/* The second chdir if due, and a check that the cwd is inside the
 * container (a leaked fd as cwd is CVE-2024-21626). */
static int enter_cwd(const char *cwd, int retry)
{
    char buf[PATH_MAX];
    if (retry && sys_chdir(cwd) < 0) return failerr(".process.cwd: chdir %s", cwd);
    if (!strcmp(cwd, "/")) return 0;   /* (the root is the container's: no fd leads out of it) */
    if (cwd_path(buf) < 0) return failerr(".process.cwd: getcwd");
    if (buf[0] != '/') return fail(".process.cwd: %s is outside the container", cwd);
    return 0;
}

/* ======================================================================
 * 14. Self-protection: the binary the stages run from (CVE-2019-5736)
 *
 * A container can make its init run this very binary (an entrypoint that
 * is a "#!/proc/self/exe" script), then reopen /proc/<pid>/exe for writing
 * after it exits.  So the stages never run from the host's file unless
 * nothing can write it.  Stage 0 picks, cheapest safe path first:
 *   1. the binary is on a read-only filesystem (squashfs, erofs, a ro
 *      bind): run it as it is;
 *   2. the kernel's memfd seals work (a live probe on the copy itself:
 *      seal, read the seals back, try a write that must fail): run the
 *      stages from a sealed memfd copy.  Only SEAL|SHRINK|GROW|WRITE, never
 *      F_SEAL_FUTURE_WRITE, which made private mappings shared on kernels
 *      before 5.5 (the runc 1.2.4 hang on Android);
 *   3. otherwise: a private unlinked copy (O_TMPFILE, else a temp file
 *      unlinked at once); a write reaches only that throwaway file.
 * There is no re-exec loop to guard: stages are entered by argv
 * ("__stage"), and a stage never chooses a binary again.
 *
 * OCIRUN_TEST_PROTECT (a test aid) can only make this choose a weaker
 * kernel's path: "nomemfd" skips path 2, "nomemfd,notmpfile" also skips
 * O_TMPFILE.  It cannot switch protection off.
 * ====================================================================== */

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001U
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002U
#endif
#define OCI_MFD_EXEC 0x0010U
#define OCI_F_ADD_SEALS 1033
#define OCI_F_GET_SEALS 1034
#define OCI_SEALS (0x1 | 0x2 | 0x4 | 0x8) /* F_SEAL_SEAL|SHRINK|GROW|WRITE */
#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

enum { PROT_RO_FS, PROT_MEMFD, PROT_COPY };
static const char *const protect_names[] = { "read-only-fs", "sealed-memfd", "private-copy" };

/* The choice, cached for this process (a library user creating many
 * containers probes and copies once). */
static struct { int done, path, fd; } protect = { 0, 0, -1 };

static int test_hook_skips(const char *what)
{
    const char *h = env_get(environ, "OCIRUN_TEST_PROTECT");
    return h && list_contains_all(what, h);
}

/* The copy goes kernel to kernel (sendfile, to any file since 2.6.33):
 * no buffer of ours to fault in; read/write where sendfile refuses. */
static int copy_self_to(int dst)
{
    int src = sys_open("/proc/self/exe", O_RDONLY | O_CLOEXEC, 0);
    if (src < 0) return failerr("open /proc/self/exe");
    ssize_t n;
    off_t done = 0;
    while ((n = syscall(NR_sendfile, dst, src, NULL, 1 << 30)) > 0) done += n;
    if (n == 0 || (n < 0 && done == 0 && errno != EINVAL && errno != ENOSYS)) {
        close(src);
        return n == 0 ? 0 : failerr("copy /proc/self/exe");
    }
    char *buf = xmalloc(65536);
    int r = 0;
    while ((n = sys_read(src, buf, 65536)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || write_all(dst, buf, (size_t)n) < 0) { r = failerr("copy /proc/self/exe"); break; }
    }
    xfree(buf);
    close(src);
    return r;
}

/* (and executable by others: a stage in a user namespace, where the
 * host's root owns nothing, must still run it) */
static int binary_on_readonly_fs(void)
{
    struct statfs sf;
    struct stat st;
    return sys_statfs("/proc/self/exe", &sf) == 0 && (sf.f_flags & OCI_ST_RDONLY) && stat("/proc/self/exe", &st) == 0 &&
           (st.st_mode & S_IXOTH);
}

/* Path 2: a sealed memfd copy, or -1 with the reason in err_msg. */
static int sealed_memfd_copy(void)
{
#ifdef SYS_memfd_create
    char *v;
    if (test_hook_skips("nomemfd")) return fail("memfd skipped (OCIRUN_TEST_PROTECT)");
    int fd = (int)syscall(SYS_memfd_create, "ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING | OCI_MFD_EXEC);
    if (fd < 0 && errno == EINVAL) /* before Linux 6.3 there is no MFD_EXEC */
        fd = (int)syscall(SYS_memfd_create, "ocirun", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    /* the sysctl is read only to name the reason for a refusal */
    if (fd < 0 && errno == EACCES && read_file_at(AT_FDCWD, "/proc/sys/vm/memfd_noexec", 16, &v, NULL) == 0) {
        int noexec = v[0] == '2';
        xfree(v);
        if (noexec) return fail("vm.memfd_noexec=2 forbids executable memfds");
        errno = EACCES;
    }
    if (fd < 0) return failerr("memfd_create");
    if (copy_self_to(fd) < 0) { close(fd); return -1; }
    int seals;
    if (sys_fcntl(fd, OCI_F_ADD_SEALS, OCI_SEALS) < 0) { failerr("F_ADD_SEALS"); close(fd); return -1; }
    if ((seals = sys_fcntl(fd, OCI_F_GET_SEALS, 0)) < 0 || (seals & OCI_SEALS) != OCI_SEALS) {
        if (seals < 0) failerr("F_GET_SEALS");
        else fail("F_GET_SEALS reads back %#x, not the seals set", seals);
        close(fd);
        return -1;
    }
    /* (pwrite at offset 0, a write no seal but F_SEAL_WRITE refuses: every
     * arch's split of the 64-bit offset, padded or not, is zeros) */
    if (syscall(SYS_pwrite64, fd, "", 1, 0, 0, 0) >= 0 || errno != EPERM) {
        fail("a write to the sealed memfd was not refused with EPERM");
        close(fd);
        return -1;
    }
    return fd;
#else
    return fail("memfd_create is unknown to the headers this was built with");
#endif
}

/* Path 3: a private copy in `dirfd`, unlinked, reopened read-only (an fd
 * open for writing would make execve fail with ETXTBSY).  Mode 0555: a
 * stage in a user namespace is not its owner but must still execute it. */
static int private_copy(int dirfd, const char **how)
{
    int fd = -1;
    *how = "O_TMPFILE";
    struct stat st;
    if (!test_hook_skips("notmpfile")) {
        fd = sys_openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0700);
        /* kernels without O_TMPFILE may ignore the flag: insist on nlink 0 */
        if (fd >= 0 && (fstat(fd, &st) < 0 || st.st_nlink)) close(fd), fd = -1;
    }
    if (fd < 0) {
        char name[64];
        *how = "unlinked temp file";
        struct timespec ts;
        if (clock_now(CLOCK_MONOTONIC, &ts) < 0) ts.tv_nsec = 0;   /* (O_EXCL below: the name need only be likely unique) */
        str_fmt(name, sizeof name, ".ocirun-%d-%ld", (int)getpid(), (long)ts.tv_nsec);
        fd = sys_openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0700);
        if (fd < 0) return failerr("create a private copy of ocirun");
        if (unlinkat(dirfd, name, 0) < 0) { failerr("unlink %s", name); close(fd); return -1; }
    }
    char p[32];
    int ro = -1;
    if (copy_self_to(fd) == 0 && (sys_fchmod(fd, 0555) < 0 || (ro = sys_open(proc_fd_path(p, fd), O_RDONLY | O_CLOEXEC, 0)) < 0))
        failerr("make the private copy read-only");
    close(fd);
    return ro;
}

/* Chooses (once) how stages are protected; `dirfd` is where a private copy
 * may go (the container's state directory).  Returns the binary to exec. */
static int choose_protection(int dirfd, char exe[static 32])
{
    if (!protect.done) {
        char why[256] = "";
        if (protect.fd >= 0) close(protect.fd), protect.fd = -1;   /* the last container's private copy */
        if (binary_on_readonly_fs()) {
            protect.path = PROT_RO_FS;
        } else if ((protect.fd = sealed_memfd_copy()) >= 0) {
            protect.path = PROT_MEMFD;
        } else {
            const char *how;
            char reason[160];
            str_copy(reason, sizeof reason, err_msg);
            if ((protect.fd = private_copy(dirfd, &how)) < 0) return err_prefix("self-protection");
            str_fmt(why, sizeof why, " (%s; no sealed memfd: %s)", how, reason);
            protect.path = PROT_COPY;
        }
        /* a sealed memfd serves every container of this process; a
         * private copy only this one (root in a container could write it
         * once no stage runs from it) */
        protect.done = protect.path != PROT_COPY;
        debugf("self-protection: %s%s", protect_names[protect.path], why);
    }
    if (protect.fd < 0) str_fmt(exe, 32, "/proc/self/exe");
    else proc_fd_path(exe, protect.fd);
    return 0;
}

/* For `features`: the path `create` would take, without copying. */
static const char *protection_preview(void)
{
    if (binary_on_readonly_fs()) return protect_names[PROT_RO_FS];
    int fd = sealed_memfd_copy();
    if (fd < 0) return protect_names[PROT_COPY];
    close(fd);
    return protect_names[PROT_MEMFD];
}

/* ======================================================================
 * 15. Stage protocol: messages between stages
 *
 * Stage 0 holds one end of a socketpair to each later stage.  A message is
 * an 8-byte header {magic, type, length} and a payload whose length the
 * type bounds; an fd may ride along (SCM_RIGHTS).  A receiver names the
 * type it waits for: a peer's MSG_ERROR becomes our error, MSG_LOG lines
 * are logged on the way, anything else (or EOF) is a protocol error.
 * ====================================================================== */

enum msg_type {
    MSG_OPTS = 1,        /* stage 0 -> 1, 2: struct stage_opts (+ exec socket for 2) */
    MSG_CONFIG,          /* stage 0 -> 1, 2: config.json text */
    MSG_USERMAP_REQ,     /* stage 1 -> 0: write my uid/gid maps */
    MSG_USERMAP_ACK,     /* stage 0 -> 1 */
    MSG_CHILD_PID,       /* stage 1 -> 0: stage 2's host pid (int32) */
    MSG_READY,           /* stage 2 -> 0: waiting for `start` */
    MSG_ERROR,           /* any -> 0: text */
    MSG_LOG,             /* any -> 0: level byte + text */
    MSG_PTY,             /* stage 2 -> 0: the pty master (fd) */
    MSG_HOOKS,           /* stage 2 -> 0: run prestart, createRuntime now */
    MSG_HOOKS_DONE,      /* stage 0 -> 2: prestart and createRuntime ran ("\0") */
    MSG_SECCOMP_FD,      /* stage 2 -> 0: the seccomp notification listener (fd) */
    MSG_HOST_MOUNT,      /* stage 0 -> 2: uint32 mount index + a detached copy of its source (fd, or none) */
    MSG_COMMIT,          /* stage 0 -> 2: the state is written, the create is complete (+ byte 1: and start, for run) */
    MSG_CGROUP_LAYOUT,   /* stage 0 -> 2: the host's cgroup hierarchies (cg_layout_pack), for a cgroup mount */
    MSG_JOINED,          /* stage 0 -> 1: in the whole cgroup now (OPT_JOIN_LATER) */
    MSG_MAX
};

static const char *const msg_names[MSG_MAX] = {
    "?", "options", "config", "user map request", "user map ack", "child pid", "ready", "error", "log", "pty", "hooks", "hooks done",
    "seccomp listener", "mount source", "commit", "cgroup layout", "joined"
};

static const uint32_t msg_max_len[MSG_MAX] = {
    0, 0 /* set from sizeof below */, MAX_CONFIG_SIZE, 0, 0, 4, 0, 4096, 4096, 0, 0, 1, 0, 4, 1,
    MAX_HIER * (2 + 256 + 256), 0
};

#define MSG_MAGIC 0x6f63

struct msg_hdr { uint16_t magic, type; uint32_t len; };

/* Options of stage 0 the later stages need, fixed size, checked on arrival. */
#define OPT_NO_PIVOT 1
#define OPT_DEBUG 2
#define OPT_EXEC 4     /* `exec`: join a running container, no rootfs setup */
#define OPT_NO_KEYRING 8
#define OPT_START_NOW 16   /* `run`: no exec socket, the commit starts init */
#define OPT_JOIN_LATER 32  /* stage 1: namespaces first, then MSG_JOINED, then stage 2 (run_stage1) */
#define OPT_RELAY_PTY 64   /* no console socket: stage 0 relays the terminal itself */
#define OPT_ROOTLESS 128   /* stage 0 ran without euid 0 (runc's RootlessEUID): the caller's groups stay */
struct stage_opts {
    uint32_t flags;
    uint32_t preserve_fds;
    char bundle[PATH_MAX];
    char rootfs[PATH_MAX];
    char id[NAME_MAX + 1];
    int64_t t0;            /* logcfg.t0 of stage 0, for the phase lines */
    uint32_t listen_fds;   /* the first of the preserved fds are socket activation's */
};

static int msg_send(int fd, int type, const void *payload, uint32_t len, int passfd)
{
    struct msg_hdr h = { MSG_MAGIC, (uint16_t)type, len };
    struct iovec iov[2] = { { &h, sizeof h }, { (void *)payload, len } };
    union { struct cmsghdr c; char buf[CMSG_SPACE(sizeof(int))]; } cm;
    struct msghdr mh = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
    if (passfd >= 0) {
        memset(&cm, 0, sizeof cm);
        mh.msg_control = cm.buf;
        mh.msg_controllen = sizeof cm.buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &passfd, sizeof(int));
    }
    size_t total = sizeof h + len;
    ssize_t w;
    do w = sendmsg(fd, &mh, MSG_NOSIGNAL); while (w < 0 && errno == EINTR);
    if (w < 0) return failerr("send %s message", msg_names[type]);
    if ((size_t)w < total) { /* the rest of a large payload, without the fd */
        size_t done = (size_t)w - sizeof h;
        if ((size_t)w < sizeof h) return fail("send %s message: short write", msg_names[type]);
        if (write_all(fd, (const char *)payload + done, len - done) < 0)
            return failerr("send %s message", msg_names[type]);
    }
    return 0;
}

/* Reads one header; collects a passed fd into *passfd (closed if unwanted). */
static ssize_t msg_read_header(int fd, struct msg_hdr *h, int *passfd)
{
    union { struct cmsghdr c; char buf[CMSG_SPACE(sizeof(int))]; } cm;
    struct iovec iov = { h, sizeof *h };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf };
    ssize_t r;
    /* the plain syscall: musl's recvmsg converts time64 control messages
     * on 32-bit arches, which never come here */
    do r = syscall(SYS_recvmsg, fd, &mh, MSG_CMSG_CLOEXEC); while (r < 0 && errno == EINTR);
    if (r <= 0) return r;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        int got;
        memcpy(&got, CMSG_DATA(c), sizeof got);
        if (passfd && *passfd < 0) *passfd = got;
        else close(got);
    }
    if ((size_t)r < sizeof *h && read_full(fd, (char *)h + r, sizeof *h - (size_t)r) <= 0) {
        errno = EPIPE;
        return -1;
    }
    return (ssize_t)sizeof *h;
}

static void forward_log(const char *peer, const char *payload, uint32_t len);

/* Waits for a message of type `want` from `peer`; its payload (NUL-
 * terminated) goes to `out`.  Errors name the peer and what we waited for. */
static int msg_recv(int fd, const char *peer, int want, struct buf *out, int *passfd)
{
    for (;;) {
        struct msg_hdr h;
        ssize_t r = msg_read_header(fd, &h, passfd);
        if (r == 0) return fail_as(OCIRUN_E_PEER, "%s exited before sending its %s message", peer, msg_names[want]);
        if (r < 0 && errno == EPIPE) return fail_as(OCIRUN_E_PEER, "%s exited in the middle of a message header", peer);
        if (r < 0) return failerr("%s: reading its %s message", peer, msg_names[want]), err_code = OCIRUN_E_PEER, -1;
        if (h.magic != MSG_MAGIC || !h.type || h.type >= MSG_MAX)
            return fail_as(OCIRUN_E_PEER, "%s sent garbage (header magic %#x, type %u) instead of its %s message", peer, h.magic, h.type,
                        msg_names[want]);
        uint32_t max = h.type == MSG_OPTS ? (uint32_t)sizeof(struct stage_opts) : msg_max_len[h.type];
        if (h.len > max)
            return fail_as(OCIRUN_E_PEER, "%s sent a %s message of %u bytes, more than the %u allowed", peer, msg_names[h.type], h.len, max);
        if (h.type == MSG_OPTS && h.len != max)
            return fail_as(OCIRUN_E_PEER, "%s sent an options message of %u bytes, want %u", peer, h.len, max);
        out->len = 0;
        buf_grow(out, h.len);
        ssize_t got = h.len ? read_full(fd, out->p, h.len) : 0;
        if (got < 0 && errno != EPIPE)
            return failerr("reading the %s message of %s", msg_names[h.type], peer), err_code = OCIRUN_E_PEER, -1;
        if (got != (ssize_t)h.len)
            return fail_as(OCIRUN_E_PEER, "%s exited in the middle of its %s message", peer, msg_names[h.type]);
        out->p[h.len] = 0;
        out->len = h.len;
        if (h.type == MSG_LOG) { forward_log(peer, out->p, h.len); continue; }
        if (h.type == MSG_ERROR)   /* the stage's own error */
            return out->p[0] ? fail("%s", out->p) : fail_as(OCIRUN_E_PEER, "%s failed and sent an empty error", peer);
        if (h.type != want) return fail_as(OCIRUN_E_PEER, "%s sent a %s message, expected %s", peer, msg_names[h.type], msg_names[want]);
        return 0;
    }
}

static void forward_log(const char *peer, const char *payload, uint32_t len)
{
    if (len < 1) return;
    char msg[4200];
    str_fmt(msg, sizeof msg, "%s: %.*s", peer, (int)len - 1, payload + 1);
    if (payload[0] == 'w') warnf("%s", msg);
    else debugf("%s", msg);
}

/* In stages 1 and 2, debug and warning lines travel to stage 0. */
static int stage_log_fd = -1;

static void stage_log(char level, const char *msg)
{
    char buf[4096];
    int n = str_fmt(buf, sizeof buf, "%c%s", level, msg);
    if (n > (int)sizeof buf - 1) n = (int)sizeof buf - 1;
    if (stage_log_fd >= 0) msg_send(stage_log_fd, MSG_LOG, buf, (uint32_t)n, -1);
}

/* ======================================================================
 * 16. The handshake: stage 0, stage 1, stage 2
 *
 *   stage 0 (CLI)            stage 1 "ocirun:[1:CHILD]"   stage 2 "ocirun:[2:INIT]"
 *   validate, state dir
 *   vfork+exec stage 1  -->  options, config
 *                            join namespaces by path
 *   [write uid/gid maps] <-> [unshare user ns, ask]
 *                            unshare the rest
 *                            vfork+exec stage 2 (CLONE_PARENT) --> (pid 1)
 *   reap stage 1        <--  child pid
 *   options+exec socket, config  ------------------------->  rootfs, process
 *   pid file, state.json <------------------------------------ ready
 *   exit                                                     accept() until `start`,
 *                                                            then execve(args)
 *
 * Each stage is a fresh execve of this binary: no memory is shared, and the
 * only shared state is what the messages carry.  A stage whose peer dies
 * sees EOF and exits; stage 0 reports which stage died and how.
 * ====================================================================== */

#define STAGE1_NAME "ocirun:[1:CHILD]"
#define STAGE2_NAME "ocirun:[2:INIT]"

/* (err: the child's errno when its execve failed; the vfork child shares
 * our memory until then, as posix_spawn's does) */
struct spawn_args { const char *exe; int exefd; char **argv, **env; int keep[2]; const int *stdio; volatile int err; };

static int spawn_child(void *arg)
{
    struct spawn_args *a = arg;
    /* the vfork child has its own fd table: clearing CLOEXEC is local, and
     * so are the pipes put in place of a terminal (stdio_relay_make) */
    for (int i = 0; i < 2; i++)
        if (a->keep[i] >= 0 && set_cloexec(a->keep[i], 0) < 0) _exit(126);
    for (int i = 0; a->stdio && i < 3; i++)
        if (a->stdio[i] >= 0 && sys_dup2(a->stdio[i], i) < 0) _exit(126);
#ifdef SYS_execveat
    /* the protected binary by its fd (Linux 3.19): no walk of /proc */
    if (a->exefd >= 0) syscall(SYS_execveat, a->exefd, "", a->argv, a->env, AT_EMPTY_PATH);
#endif
    execve(a->exe, a->argv, a->env);
    a->err = errno;
    _exit(127);
}

/* clone3(CLONE_VM | CLONE_VFORK | CLONE_INTO_CGROUP): stage 1 is born
 * inside the container's v2 cgroup.  Moving a running process there costs
 * the kernel an RCU grace period on older kernels (0.7 ms on 6.1, more on
 * an idle host); a birth in place costs nothing.  clone3 switches the
 * child to a new stack before it returns, which C cannot express, so the
 * entry is a few instructions of assembly per arch: the child calls
 * fn(arg) on the new stack and exits with its value.  Where there is none,
 * a copy without CLONE_VM was measured slower than vfork plus the move, so
 * those arches move the process instead. */
#if defined(SYS_clone3) && ((defined(__x86_64__) && !defined(__ILP32__)) || defined(__aarch64__))
#define HAVE_CLONE3_VM 1
long oci_clone3_vm(struct oci_clone_args *ca, size_t size, int (*fn)(void *), void *arg);
#if defined(__x86_64__)
__asm__(".text\n.type oci_clone3_vm,@function\noci_clone3_vm:\n"
        "  mov %rcx, %r8\n  mov $435, %eax\n  syscall\n  test %rax, %rax\n  jnz 1f\n"
        "  xor %ebp, %ebp\n  mov %r8, %rdi\n  call *%rdx\n  mov %eax, %edi\n  mov $60, %eax\n  syscall\n  hlt\n"
        "1: ret\n.size oci_clone3_vm, .-oci_clone3_vm\n");
#else
__asm__(".text\n.type oci_clone3_vm,%function\noci_clone3_vm:\n"
        "  mov x8, #435\n  svc #0\n  cbnz x0, 1f\n"
        "  mov x29, #0\n  mov x0, x3\n  blr x2\n  mov x8, #93\n  svc #0\n"
        "1: ret\n.size oci_clone3_vm, .-oci_clone3_vm\n");
#endif
#endif

static pid_t clone_into_cgroup(int cgfd, int (*fn)(void *), void *arg, char *stack, size_t size)
{
#ifdef HAVE_CLONE3_VM
    struct oci_clone_args ca;
    memset(&ca, 0, sizeof ca);
    ca.flags = CLONE_VM | CLONE_VFORK | OCI_CLONE_INTO_CGROUP;
    ca.exit_signal = SIGCHLD;
    ca.stack = (uint64_t)(uintptr_t)stack, ca.stack_size = size;
    ca.cgroup = (uint64_t)cgfd;
    HOST_SIGNALS_HELD(fn, arg);
    long r = oci_clone3_vm(&ca, sizeof ca, fn, arg);
    HOST_SIGNALS_BACK();
    if (r < 0) errno = (int)-r;
    return r < 0 ? -1 : (pid_t)r;
#else
    (void)cgfd, (void)fn, (void)arg, (void)stack, (void)size;
    errno = ENOSYS;
    return -1;
#endif
}

/* After the vfork child's execve: a failure it recorded is ours to say
 * (a sibling, not our child, is reaped by our parent). */
static pid_t spawned(pid_t pid, const struct spawn_args *a, int stage, int sibling)
{
    if (!a->err) return pid;
    if (!sibling) sys_waitpid(pid, NULL, 0);
    errno = a->err;
    return failerr("start stage %d: execve %s", stage, a->exe);
}

/* A stage's environment: only our own OCIRUN_* settings (the suite's test
 * aids).  Everything a stage needs comes in its messages, and the caller's
 * environment (a shim's, a shell's: tokens, proxies) has no business in
 * the container's init; runc's init, too, gets only its own variables.
 * It also spares each execve copying the caller's strings. */
static void stage_environment(char **out, size_t n)
{
    size_t k = 0;
    for (char **e = environ; *e && k + 1 < n; e++)
        if (!strncmp(*e, "OCIRUN_", 7)) out[k++] = *e;
    out[k] = NULL;
}

/* vfork+execve of `exe` (this binary, protected: section 14) as `stage`,
 * passing it fds `fd` and `extra`.  With `sibling` the new process becomes
 * a child of our parent (CLONE_PARENT), which is how init ends up a child
 * of stage 0.  With a v2 cgroup fd `*cgfd` it is born in that cgroup if the
 * kernel can; else *cgfd becomes -1 and the caller moves it there. */
static pid_t spawn_stage(const char *exe, int exefd, int stage, int fd, int extra, int sibling, int *cgfd, const int *stdio)
{
    char name[32], a_stage[8], a_fd[16], a_extra[16], *env[16];
    stage_environment(env, ARRAY_LEN(env));
    str_copy(name, sizeof name, stage == 1 ? STAGE1_NAME : STAGE2_NAME);
    str_fmt(a_stage, sizeof a_stage, "%d", stage);
    str_fmt(a_fd, sizeof a_fd, "%d", fd);
    str_fmt(a_extra, sizeof a_extra, "%d", extra);
    char arg0[] = OCIRUN_STAGE_ARG;
    char *argv[] = { name, arg0, a_stage, a_fd, a_extra, NULL };
    /* (from stage 1, stage 2's socket is inheritable already: stage_main) */
    struct spawn_args a = { exe, exefd, argv, env, { stage == 2 && sibling ? -1 : fd, extra }, stdio, 0 };
    pid_t pid;
    /* the child runs on this stack only until execve */
    char stack[16384] __attribute__((aligned(16)));
    if (cgfd && *cgfd >= 0) {
        if ((pid = clone_into_cgroup(*cgfd, spawn_child, &a, stack, sizeof stack)) > 0)
            return debugf("stage %d born in its cgroup (clone3 CLONE_INTO_CGROUP)", stage), spawned(pid, &a, stage, sibling);
        debugf("clone3 CLONE_INTO_CGROUP: %s; stage %d joins its cgroup after the start", strerror(errno), stage);
        *cgfd = -1;
    }
    pid = spawn_vfork(spawn_child, &a, sibling ? CLONE_PARENT : 0);
    if (pid < 0) return failerr("start stage %d: clone", stage);
    return spawned(pid, &a, stage, sibling);
}

/* Appends how a dead stage ended to the current error message.  A
 * SIGKILL where the new container's memory cgroup (`cg`, made by this
 * create; NULL: none, or an exec's, whose workload's kills count there
 * too) has counted an OOM kill was the kernel's: its limit is too low for
 * even the stages (a config may ask for a few hundred kB). */
static void explain_stage_exit(pid_t pid, const struct cgroup *cg)
{
    int status;
    pid_t r = 0;
    for (int i = 0; i < 50 && (r = sys_waitpid(pid, &status, WNOHANG)) == 0; i++) sleep_ms(2);
    if (r == 0) { kill(pid, SIGKILL); r = sys_waitpid(pid, &status, 0); cg = NULL; }   /* (our SIGKILL: not an OOM) */
    if (r != pid) return;
    size_t n = strlen(err_msg);
    const char *mem = cg && cg->made && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL ? cg_dir_with(cg, "memory") : NULL;
    if (WIFSIGNALED(status))
        str_fmt(err_msg + n, sizeof err_msg - n, " (it was killed by signal %d%s)", WTERMSIG(status),
                mem && oom_kills(mem) > 0 ? ": the OOM killer, at the memory limit" : "");
    else if (WIFEXITED(status) && WEXITSTATUS(status))
        str_fmt(err_msg + n, sizeof err_msg - n, " (it exited with status %d%s)", WEXITSTATUS(status),
                WEXITSTATUS(status) == 127 ? ": the execve of the runtime's binary failed" : "");
}

static void test_stall(int stage)
{
    /* test aid (OCIRUN_TEST_STALL=1|2): stop this stage mid-handshake so
     * the tests can kill it there; it weakens nothing */
    const char *s = env_get(environ, "OCIRUN_TEST_STALL");
    int want;
    if (s && parse_int(s, &want) == 0 && want == stage)
        for (;;) sleep_ms(-1);
}

/* --- stage 0 --- */

struct create_req {
    const char *root, *id, *bundle, *pid_file, *console_socket;
    int no_pivot, preserve_fds, listen_fds, no_new_keyring;
    int rootless;          /* not root: a cgroup we may not make is skipped */
    int systemd;           /* --systemd-cgroup */
    int foreground;        /* `run` without -d: may relay a terminal itself */
    int start_now;         /* `run`: started by the create's commit, no exec.sock */
};

/* Everything `create` holds while it works, so one function can undo it. */
struct create_job {
    struct oci_spec spec;
    char *config;
    size_t config_len;
    struct stage_opts opts;
    int rootfd, dirfd, sock, sp1[2], sp2[2];
    int console;         /* connected --console-socket, or -1 */
    int *host_fds;       /* per mount: a detached copy of its source for stage 2, or -1 */
    int master;          /* pty master from stage 2, or -1 */
    int relay[3];        /* foreground without a terminal: our ends of the pipes for a terminal fd 0-2, or -1 */
    int relay_child[3];  /* their ends, stage 1's fds 0-2 (and so the process's) until it is spawned, or -1 */
    pid_t pid1, pid2;
    pid_t init;          /* exec: the container's init, the pid of its state */
    int made_dir;
    int presend;         /* stage 2's setup was queued early */
    int early_hooks;     /* stage 2 will ask for prestart/createRuntime */
    const char *id;
    struct cgroup *cg;   /* the container's cgroup, joined by stage 1 */
    int born_in;         /* stage 1 was born in cg (CLONE_INTO_CGROUP): >= 0 */
    int unit_started;    /* cg->unit exists in systemd */
    int journal;         /* create: the state directory's journal (section 6), or -1 */
    uint64_t start2;     /* stage 2's start time */
};

static void create_job_init(struct create_job *j)
{
    memset(j, 0, sizeof *j);
    j->rootfd = j->dirfd = j->sock = j->sp1[0] = j->sp1[1] = j->sp2[0] = j->sp2[1] = j->console = j->master = j->journal = -1;
    for (int i = 0; i < 3; i++) j->relay[i] = j->relay_child[i] = -1;
}

static int write_id_map(pid_t pid, const char *file, const struct oci_idmap *m, size_t n)
{
    struct buf b = {0};
    char path[64];
    for (size_t i = 0; i < n; i++) buf_printf(&b, "%u %u %u\n", m[i].container, m[i].host, m[i].size);
    str_fmt(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = sys_open(path, O_WRONLY | O_CLOEXEC, 0), r = 0;
    if (fd < 0 || sys_write(fd, b.p, b.len) != (ssize_t)b.len) r = failerr("write %s", path);
    close_if(fd);
    buf_free(&b);
    return r;
}

/* newuidmap/newgidmap PID C H S ...: the setuid helpers (shadow's uidmap
 * package) that let a user map the ranges /etc/subuid and /etc/subgid
 * grant.  Their complaint, if any, becomes the error. */
struct helper_child { const char *path; char **argv; int err, exec_errno, stdout_too; };

/* In the child: stderr (and stdout with stdout_too) into the pipe, exec.
 * An exec failure's errno is left in the struct, which the parent shares
 * until we exit (vfork). */
static int helper_child(void *arg)
{
    struct helper_child *c = arg;
    cloexec_fds_from(3, 0);   /* (as for hooks) */
    if (sys_dup2(c->err, 2) >= 0 && (!c->stdout_too || sys_dup2(c->err, 1) >= 0)) execve(c->path, c->argv, environ);
    c->exec_errno = errno;
    return 127;
}

/* Runs a host program (`path`, found by the caller) with stderr, and
 * stdout with `stdout_too`, read into `out` (at most `max` bytes, the rest
 * drained), and waits for it: the program gets `secs` seconds, then it is
 * killed and this is an error naming it.  *status is its wait status. */
static int run_captured(const char *path, char **argv, int stdout_too, size_t max, int secs, struct buf *out, int *status)
{
    int pfd[2];
    if (sys_pipe2(pfd, O_CLOEXEC) < 0) return failerr("pipe");
    struct helper_child c = { path, argv, pfd[1], 0, stdout_too };
    pid_t child = spawn_vfork(helper_child, &c, 0);
    close(pfd[1]);
    if (child < 0) { close(pfd[0]); return failerr("start %s", argv[0]); }
    int64_t deadline = now_ms() + wait_limit_ms(secs * 1000);
    int timed_out = 0;
    for (;;) {
        char chunk[4096];
        int64_t left = deadline - now_ms();
        struct pollfd p = { pfd[0], POLLIN, 0 };
        int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR) continue;
        if (pr == 0) { timed_out = 1; break; }
        ssize_t n = sys_read(pfd[0], chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        if (out->len < max) buf_add(out, chunk, (size_t)n < max - out->len ? (size_t)n : max - out->len);
    }
    close(pfd[0]);
    /* its output is closed; it may still linger: the rest of its time */
    while (!timed_out && sys_waitpid(child, status, WNOHANG) == 0)
        if (now_ms() >= deadline) timed_out = 1; else sleep_ms(5);
    if (timed_out) kill(child, SIGKILL);
    while (timed_out && sys_waitpid(child, status, 0) < 0 && errno == EINTR) {}
    buf_add(out, "", 0);
    if (c.exec_errno) return errno = c.exec_errno, failerr("%s: cannot run it", argv[0]);
    if (timed_out) return fail("%s: no answer within %d s (killed)", argv[0], secs);
    return 0;
}

static int run_idmap_helper(const char *helper, pid_t pid, const struct oci_idmap *m, size_t n)
{
    char *argv[3 + 3 * 16], num[2 + 3 * 16][16], path[PATH_MAX];
    int status;
    if (n > 16) return fail("%s: more than 16 ranges", helper);
    if (find_executable(helper, environ, path) < 0)
        return fail("%s: not found in $PATH: mapping more than your own id needs it (the uidmap package)", helper);
    argv[0] = (char *)helper;
    str_fmt(num[0], sizeof num[0], "%d", (int)pid), argv[1] = num[0];
    for (size_t i = 0; i < n; i++) {
        str_fmt(num[1 + 3 * i], 16, "%u", m[i].container), argv[2 + 3 * i] = num[1 + 3 * i];
        str_fmt(num[2 + 3 * i], 16, "%u", m[i].host), argv[3 + 3 * i] = num[2 + 3 * i];
        str_fmt(num[3 + 3 * i], 16, "%u", m[i].size), argv[4 + 3 * i] = num[3 + 3 * i];
    }
    argv[2 + 3 * n] = NULL;
    struct buf why = {0};
    if (run_captured(path, argv, 0, 511, 10, &why, &status) < 0) {
        buf_free(&why);
        return err_prefix("mapping more than your own id needs it (the uidmap package)");
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) { buf_free(&why); return 0; }
    size_t got = why.len;
    for (char *p = why.p; *p; p++) if (*p == '\n') *p = ' ';
    while (got && why.p[got - 1] == ' ') why.p[--got] = 0;
    fail("%s refused the mappings: %s (are they in /etc/sub%cid for this user?)", helper, got ? why.p : "?",
         str_find(helper, "gid") ? 'g' : 'u');
    buf_free(&why);
    return -1;
}

/* The uid/gid maps of stage 1's new user namespace.  Root writes them; a
 * user writes a map of their own id alone (setgroups denied first, as the
 * kernel requires), and anything wider goes through newuidmap/newgidmap. */
static int set_id_maps(pid_t pid, const struct oci_spec *s)
{
    if (geteuid() == 0)
        return write_id_map(pid, "uid_map", s->uidmap, s->nuidmap) < 0 ? -1 : write_id_map(pid, "gid_map", s->gidmap, s->ngidmap);
    int own_uid = s->nuidmap == 1 && s->uidmap[0].host == geteuid() && s->uidmap[0].size == 1;
    int own_gid = s->ngidmap == 1 && s->gidmap[0].host == getegid() && s->gidmap[0].size == 1;
    if ((own_uid ? write_id_map(pid, "uid_map", s->uidmap, 1) : run_idmap_helper("newuidmap", pid, s->uidmap, s->nuidmap)) < 0)
        return err_prefix(".linux.uidMappings");
    if (own_gid) {
        char path[64];
        str_fmt(path, sizeof path, "/proc/%d/setgroups", (int)pid);
        if (write_file_str(path, "deny") < 0 || write_id_map(pid, "gid_map", s->gidmap, 1) < 0) return err_prefix(".linux.gidMappings");
        return 0;
    }
    return run_idmap_helper("newgidmap", pid, s->gidmap, s->ngidmap) < 0 ? err_prefix(".linux.gidMappings") : 0;
}

/* --- idmapped mounts (Linux 5.12) ---
 * A user namespace with the mount's mappings is made by a short-lived
 * child; stage 0 (root in the host's namespaces, as the kernel requires)
 * clones the source with open_tree, marks the copy idmapped and hands the
 * detached mount to stage 2, which attaches it (mount_idmapped). */

/* The child holding the namespace: until its parent closes the pipe (the
 * child has its own fd table: it closes its copy of the write end). */
static int hold_userns(void *arg)
{
    const int *p = arg;
    char c;
    close(p[1]);
    while (sys_read(p[0], &c, 1) < 0 && errno == EINTR) {}
    return 0;
}

/* An fd of a new user namespace with the given maps. */
static int idmap_userns(const struct oci_idmap *u, size_t nu, const struct oci_idmap *g, size_t ng)
{
    int pfd[2], nsfd = -1;
    char stack[8192] __attribute__((aligned(16))), path[64];
    if (sys_pipe2(pfd, O_CLOEXEC) < 0) return failerr("pipe");
    pid_t pid = clone(hold_userns, stack + sizeof stack, CLONE_NEWUSER | CLONE_VM | SIGCHLD, pfd);
    if (pid < 0) failerr("clone a user namespace for an idmapped mount");
    else if (write_id_map(pid, "uid_map", u, nu) == 0 && write_id_map(pid, "gid_map", g, ng) == 0) {
        str_fmt(path, sizeof path, "/proc/%d/ns/user", (int)pid);
        if ((nsfd = sys_open(path, O_RDONLY | O_CLOEXEC, 0)) < 0) failerr("open %s", path);
    }
    close(pfd[1]);   /* the child returns */
    if (pid > 0) while (sys_waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    close(pfd[0]);
    return nsfd;
}

/* Mount `i`'s copy (`fd`, made by copy_binds_in_container) marked
 * idmapped, with its own mappings or the container's. */
static int idmap_copy(const struct oci_spec *s, size_t i, int fd)
{
    const struct oci_mount *m = &s->mounts[i];
    /* (idmapped below its top only with ridmap: config.md, "the mapping
     * is applied recursively") */
    int rec = m->ridmap ? OCI_AT_RECURSIVE : 0;
    if (fd < 0) return fail(".mounts[%zu]: no copy of %s to idmap (open_tree)", i, m->source);
    int ns = m->nuidmap ? idmap_userns(m->uidmap, m->nuidmap, m->gidmap, m->ngidmap)
                        : idmap_userns(s->uidmap, s->nuidmap, s->gidmap, s->ngidmap);
    if (ns < 0) return err_prefix(".mounts[%zu]", i);
    /* (a slave: a copy from the host's side would share the host's
     * propagation, and a mount the container makes below would show there) */
    struct oci_mount_attr a = { OCI_MOUNT_ATTR_IDMAP, 0, MS_SLAVE, (uint64_t)ns };
    int r = (int)syscall(NR_mount_setattr, fd, "", AT_EMPTY_PATH | rec, &a, sizeof a);
    if (r < 0)
        r = errno == EINVAL ? fail(".mounts[%zu]: the filesystem of %s cannot be idmapped here (mount_setattr: %s)", i,
                                   m->source, strerror(errno))
                            : failerr(".mounts[%zu]: mount_setattr %s", i, m->source);
    close(ns);
    return r;
}

/* Which mounts stage 0 prepares, as both sides see it: idmapped ones, and
 * with a user namespace every bind mount, whose source stage 2 (root of
 * that namespace only) may be unable to reach, as runc opens them on the
 * host's side. */
static int mount_from_host(const struct oci_spec *s, size_t i)
{
    return s->mounts[i].idmap || (s->mounts[i].bind && ((s->clone_flags | s->join_flags) & CLONE_NEWUSER));
}

/* A detached copy (open_tree, Linux 5.2) of a bind mount's source, -1
 * where the kernel or our privilege has none: stage 2 then opens the
 * source itself, as it does without a user namespace. */
static int host_bind_fd(const struct oci_mount *m, const char *bundle)
{
    char path[PATH_MAX];
    if (m->source[0] == '/') str_copy(path, sizeof path, m->source);
    else str_path(path, sizeof path, bundle, m->source);
    int fd = (int)syscall(NR_open_tree, AT_FDCWD, path, OCI_OPEN_TREE_CLONE | O_CLOEXEC | (m->rbind ? OCI_AT_RECURSIVE : 0));
    if (fd < 0) debugf("%s: no copy of %s (open_tree: %s)", m->dest, path, strerror(errno));
    return fd;
}

/* Stage 0, before any stage starts (so a refusal leaves nothing): what an
 * idmapped mount needs.  The copies come later (copy_binds_in_container). */
static int prepare_host_mounts(const struct oci_spec *s, int **out)
{
    int *fds = *out = xcalloc(s->nmounts + 1, sizeof *fds);
    for (size_t i = 0; i < s->nmounts; i++) {
        fds[i] = -1;
        if (s->mounts[i].idmap && geteuid() != 0) return fail(".mounts[%zu]: idmapped mounts need root in the host's user namespace", i);
        if (s->mounts[i].idmap && !have_mount_setattr()) return fail(".mounts[%zu]: idmapped mounts need Linux 5.12 (open_tree, mount_setattr)", i);
    }
    return 0;
}

/* Whether copy_binds_in_container has work: stage 0 is root (else the
 * copies fail: stage 2 binds what it can reach), and there are copies. */
static int has_late_binds(const struct oci_spec *s)
{
    for (size_t i = 0; i < s->nmounts; i++)
        if (mount_from_host(s, i)) return geteuid() == 0;
    return 0;
}

struct late_binds { const struct oci_spec *s; const char *bundle; int *fds; int mntfd; };

/* The child: in the container's mount namespace, as root of the host
 * (CLONE_VM and CLONE_FILES: the copies land in our table). */
static int late_binds_child(void *arg)
{
    struct late_binds *b = arg;
    if (sys_setns(b->mntfd, CLONE_NEWNS) < 0) return debugf("join the container's mount namespace: %s", strerror(errno)), 1;
    for (size_t i = 0; i < b->s->nmounts; i++)
        if (mount_from_host(b->s, i)) b->fds[i] = host_bind_fd(&b->s->mounts[i], b->bundle);
    return 0;
}

/* The sources of the binds stage 0 prepares, copied (open_tree) by the
 * host's root from inside the container's mount namespace (a joined one,
 * or the one stage 2 is in, before it mounts anything): a source below a
 * directory only the host's root may enter is reached, and one the host
 * made ro, nosuid, nodev or noexec keeps those flags locked there (the
 * kernel locks what a less privileged namespace inherits), as a bind
 * runc makes there does; a copy made on the host's side has no locks,
 * and a container's CAP_SYS_ADMIN could clear them.  What cannot be
 * copied there (a bind without rbind over locked mounts) stage 2 binds
 * itself, and fails as runc's does; an idmapped one is copied on the
 * host's side then, as runc 1.2 makes them all.  Idmapped copies are
 * marked here. */
static int copy_binds_in_container(struct create_job *j)
{
    char p[32];
    const char *ns = p;
    for (size_t k = 0; k < j->spec.nns; k++)
        if (j->spec.ns[k].flag == CLONE_NEWNS && j->spec.ns[k].path) ns = j->spec.ns[k].path;
    str_fmt(p, sizeof p, "/proc/%d/ns/mnt", (int)j->pid2);
    struct late_binds b = { &j->spec, j->opts.bundle, j->host_fds, sys_open(ns, O_RDONLY | O_CLOEXEC, 0) };
    if (b.mntfd < 0) return failerr("open the container's mount namespace %s", ns);
    pid_t pid = spawn_vfork(late_binds_child, &b, CLONE_FILES);
    while (pid > 0 && sys_waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
    close(b.mntfd);
    for (size_t i = 0; i < j->spec.nmounts; i++) {
        if (!j->spec.mounts[i].idmap) continue;
        if (j->host_fds[i] < 0) j->host_fds[i] = host_bind_fd(&j->spec.mounts[i], j->opts.bundle);
        if (idmap_copy(&j->spec, i, j->host_fds[i]) < 0) return -1;
    }
    return 0;
}

/* Whether the config mounts cgroupfs (then stage 2 gets the layout of the
 * host's hierarchies from stage 0 instead of reading mountinfo again). */
static int spec_mounts_cgroup(const struct oci_spec *s)
{
    for (size_t i = 0; i < s->nmounts; i++)
        if (!s->mounts[i].bind && s->mounts[i].type && !strcmp(s->mounts[i].type, "cgroup")) return 1;
    return 0;
}

/* ... and to stage 2, right after its setup: one message per such mount,
 * with its copy or without one. */
static int send_host_mounts(int sock, const struct oci_spec *s, const int *fds)
{
    for (size_t i = 0; fds && i < s->nmounts; i++) {
        uint32_t idx = (uint32_t)i;
        if (mount_from_host(s, i) && msg_send(sock, MSG_HOST_MOUNT, &idx, sizeof idx, fds[i]) < 0) return -1;
    }
    return 0;
}

/* Stage 2: the detached mounts, by mount index, into fds[] (-1: none). */
static int recv_host_mounts(int sock, const struct oci_spec *s, int *fds)
{
    struct buf b = {0};
    int r = 0;
    for (size_t i = 0; i < s->nmounts; i++) fds[i] = -1;
    for (size_t i = 0; i < s->nmounts && r == 0; i++) {
        uint32_t idx;
        int fd = -1;
        if (!mount_from_host(s, i)) continue;
        if (msg_recv(sock, "stage 0", MSG_HOST_MOUNT, &b, &fd) < 0) r = -1;
        else if (b.len != sizeof idx || (fd < 0 && s->mounts[i].idmap) || (memcpy(&idx, b.p, sizeof idx), idx != i))
            r = fail("stage 0 sent a malformed mount source for .mounts[%zu]", i);
        else fds[i] = fd, fd = -1;
        close_if(fd);
    }
    buf_free(&b);
    return r;
}

/* Stage 2: the host's cgroup layout, for the container's cgroup mount. */
static int recv_cgroup_layout(int sock, struct cg_layout **out)
{
    struct buf b = {0};
    *out = xcalloc(1, sizeof **out);
    int r = msg_recv(sock, "stage 0", MSG_CGROUP_LAYOUT, &b, NULL) < 0 ? -1 : cg_layout_unpack(b.p, b.len, *out);
    buf_free(&b);
    return r;
}

static int load_bundle(struct create_job *j, const struct create_req *r)
{
    char path[PATH_MAX + 16];
    if (dir_realpath(r->bundle ? r->bundle : ".", j->opts.bundle) < 0) return failerr("bundle %s", r->bundle ? r->bundle : ".");
    str_fmt(path, sizeof path, "%s/config.json", j->opts.bundle);
    if (read_file_at(AT_FDCWD, path, MAX_CONFIG_SIZE, &j->config, &j->config_len) < 0) return -1;
    if (spec_parse(j->config, j->config_len, "config.json", &j->spec) < 0) return -1;
    /* a user (runc's RootlessEUID) has no other namespace without one: in
     * runc's words, before anything starts */
    if (caller_euid() && !((j->spec.clone_flags | j->spec.join_flags) & CLONE_NEWUSER)) return fail("rootless container requires user namespaces");
    const char *rp = j->spec.root_path;
    int n = rp[0] == '/' ? str_copy(path, sizeof path, rp) : str_path(path, sizeof path, j->opts.bundle, rp);
    if (n >= PATH_MAX) return fail(".root.path: the rootfs path is longer than %d bytes", PATH_MAX - 1);
    if ((rp[0] == '/' ? dir_realpath(path, j->opts.rootfs) : dir_realpath_below(j->opts.bundle, rp, j->opts.rootfs)) < 0)
        return errno == ENOENT ? fail("rootfs (%s) does not exist", path) :
               errno == ENOTDIR ? fail("rootfs (%s) is not a directory", path) : failerr("rootfs %s", path);
    /* (the state is JSON: runc's create fails on such a path too) */
    if (!str_utf8(j->opts.bundle) || !str_utf8(j->opts.rootfs)) return fail("bundle or rootfs path: not UTF-8");
    j->opts.flags = (r->no_pivot ? OPT_NO_PIVOT : 0) | (logcfg.debug ? OPT_DEBUG : 0) |
                    (r->no_new_keyring ? OPT_NO_KEYRING : 0) | (r->start_now ? OPT_START_NOW : 0) | (caller_euid() ? OPT_ROOTLESS : 0);
    str_copy(j->opts.id, sizeof j->opts.id, r->id);
    j->opts.preserve_fds = (uint32_t)r->preserve_fds, j->opts.listen_fds = (uint32_t)r->listen_fds;
    j->opts.t0 = logcfg.t0;
    phase("config read");
    return 0;
}

static int make_state_dir(struct create_job *j, const struct create_req *r)
{
    if (validate_id(r->id) < 0) return -1;
    if ((j->rootfd = state_root_open(r->root, 1, 1)) < 0) return -1;
    if (sys_mkdirat(j->rootfd, r->id, 0711) < 0)
        return errno == EEXIST ? fail_as(OCIRUN_E_EXISTS, "container with given ID already exists") : failerr("create state dir for %s", r->id);
    j->made_dir = 1;
    if ((j->dirfd = state_dir_open(j->rootfd, r->id, HOLD_NEW)) < 0 ||
        (j->journal = journal_create(j->dirfd, j->config, j->config_len)) < 0)
        return -1;
    if (r->start_now) return 0;   /* `run`: the commit starts init (no one else can: we hold the lock) */
    /* init waits on this socket until `start` connects; bound through
     * /proc/self/fd so long state roots fit in sun_path */
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    str_fmt(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", j->dirfd, EXEC_SOCK);
    if ((j->sock = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) return failerr("socket");
    if (sys_bind(j->sock, &sa) < 0 || sys_listen(j->sock, 1) < 0)
        return failerr("bind %s/%s/%s", r->root, r->id, EXEC_SOCK);
    return 0;
}

static int send_setup(int fd, const struct create_job *j, int passfd)
{
    if (msg_send(fd, MSG_OPTS, &j->opts, sizeof j->opts, passfd) < 0) return -1;
    if (msg_send(fd, MSG_CONFIG, j->config, (uint32_t)j->config_len, -1) < 0) return -1;
    if (fd != j->sp2[0]) return 0;
    if (send_host_mounts(fd, &j->spec, j->host_fds) < 0) return -1;
    if ((j->opts.flags & OPT_EXEC) || !j->cg || !spec_mounts_cgroup(&j->spec)) return 0;
    struct buf b = {0};
    cg_layout_pack(&j->cg->l, &b);
    int r = msg_send(fd, MSG_CGROUP_LAYOUT, b.p ? b.p : "", (uint32_t)b.len, -1);
    buf_free(&b);
    return r;
}

/* Stage 1's part: namespaces, then stage 2's pid.  A small config is queued
 * for stage 2 right away, so stage 2 can start while stage 1 exits (a big
 * one might fill the socket buffer, so it waits for run_stage2). */
static int spawn_stage1(struct create_job *j)
{
    char exe[32];
    if (choose_protection(j->dirfd, exe) < 0) return -1;
    if (j->console < 0) j->opts.flags |= OPT_RELAY_PTY;   /* (create's and exec's: connected by now) */
    /* an exec's execCPUAffinity.initial: stage 1 is born on those CPUs, on
     * its way into the cgroup (ours change around its birth, as runc's
     * spawning thread's do) */
    unsigned long saved[CPU_MASK_LONGS];
    const char *initial = j->opts.flags & OPT_EXEC ? j->spec.proc.cpus_initial : NULL;
    if (initial && syscall(SYS_sched_getaffinity, 0, sizeof saved, saved) < 0) return failerr("sched_getaffinity");
    if (initial && set_affinity(".process.execCPUAffinity.initial", initial) < 0) return -1;
    int cgfd = j->cg && !(j->opts.flags & OPT_EXEC) ? cg_open_v2(j->cg) : -1;   /* (an exec's: run_stage1) */
    j->born_in = cgfd;
    j->pid1 = spawn_stage(exe, protect.fd, 1, j->sp1[1], j->sp2[1], 0, &j->born_in, j->relay_child);
    phase("stage 1 spawned");
    close_if(cgfd);
    if (initial) syscall(SYS_sched_setaffinity, 0, sizeof saved, saved);
    if (j->pid1 < 0) return -1;
    close(j->sp1[1]), j->sp1[1] = -1;
    close(j->sp2[1]), j->sp2[1] = -1;
    for (int i = 0; i < 3; i++)
        if (j->relay_child[i] >= 0) close(j->relay_child[i]), j->relay_child[i] = -1;
    return 0;
}

/* Where stage 1 cannot be born in its cgroup (v1 and hybrid hosts, where it
 * joins by writing its pid; without systemd), it is spawned before the
 * cgroup is made, and execs meanwhile.  Only the order depends on the
 * guess (a cgroup2 /sys/fs/cgroup); cg_join joins either way. */
static int spawn_before_cgroup(const struct create_req *r)
{
    struct statfs sf;
    return !(OCIRUN_SYSTEMD && r->systemd) && !(sys_statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC);
}

/* Under systemd, the scope made for `pid` (stage 1, or criu restoring),
 * then the limits again: systemd wrote its own reading of them (runc's
 * order). */
static int start_scope(struct create_job *j, pid_t pid)
{
    if (!j->cg->unit[0]) return 0;
    if (journal_add(j->journal, "unit %d %s", j->cg->unit_user, j->cg->unit) < 0) return -1;
    if (sd_start_unit(j->cg, &j->spec, j->id, pid) < 0) return -1;
    j->unit_started = 1;
    return cg_apply_resources(j->cg, &j->spec, 0) < 0 || cg_apply_devices(j->cg, &j->spec, 0) < 0 ? -1 : 0;
}

static int join_cgroup(struct create_job *j, pid_t pid, int in_v2)
{
    if (cg_join(j->cg, pid, in_v2) == 0) return 0;
    if (errno == EBUSY && (j->opts.flags & OPT_EXEC) && cg_join_v2_as_init(j->cg, pid, j->init) == 0) return cg_join(j->cg, pid, in_v2);
    return OCIRUN_SYSTEMD && j->cg->unit_user && sd_attach(j->cg, pid) == 0 ? 0 : -1;
}

/* With `first` >= 0 stage 1 joins that hierarchy alone (the one that
 * accounts memory) before it gets its setup, and makes its namespaces
 * while the rest of its cgroup is made and joined; MSG_JOINED then lets
 * it fork stage 2 (and make a cgroup namespace, whose root is where it
 * is).  That saves the time of one or the other on a v1 or hybrid host. */
static int run_stage1(struct create_job *j, int first)
{
    const char *peer = "stage 1 (namespace setup)";
    struct buf b = {0};
    int r = -1;
    /* stage 1 waits for its setup: it joins before it can fork stage 2.
     * An exec's stage 1 stays out, and stage 2 is moved in before it gets
     * its setup, as runc moves its process alone: a container at its pids
     * limit still takes an exec (the fork there would fail) */
    int exec = j->opts.flags & OPT_EXEC;
    if (OCIRUN_SYSTEMD && j->cg && !exec && start_scope(j, j->pid1) < 0) goto out;
    if (first >= 0 ? cg_join_one(j->cg, j->pid1, first) < 0 : (j->cg && !exec && join_cgroup(j, j->pid1, j->born_in >= 0) < 0)) {
        err_prefix("join the container's cgroup");
        goto out;
    }
    if (first < 0 && !exec) phase("stage 1 in the cgroup");
    j->opts.flags |= first >= 0 ? OPT_JOIN_LATER : 0;
    if (send_setup(j->sp1[0], j, -1) < 0) {
        err_prefix("%s", peer);
        if (errno == EPIPE) err_code = OCIRUN_E_PEER;   /* it is gone: how it ended says why */
        goto out;
    }
    /* if this fails, stage 1 died: what it sent on sp1 says why */
    j->presend = !exec && j->config_len <= 32768 && !has_late_binds(&j->spec) && send_setup(j->sp2[0], j, j->sock) == 0;
    if (first >= 0) {
        if (cg_create_rest(j->cg, &j->spec, first) < 0) goto out;
        phase("cgroup made");
        if (cg_join(j->cg, j->pid1, 0) < 0) { err_prefix("join the container's cgroup"); goto out; }
        phase("stage 1 in the cgroup");
        /* (stage 1 gone, its error is waiting below: the child pid's
         * receive reports it) */
        if (msg_send(j->sp1[0], MSG_JOINED, NULL, 0, -1) < 0 && errno != EPIPE) { err_prefix("%s", peer); goto out; }
    }
    if (j->spec.clone_flags & CLONE_NEWUSER) {
        if (msg_recv(j->sp1[0], peer, MSG_USERMAP_REQ, &b, NULL) < 0) goto out;
        if (set_id_maps(j->pid1, &j->spec) < 0 ||
            msg_send(j->sp1[0], MSG_USERMAP_ACK, NULL, 0, -1) < 0)
            goto out;
    }
    if (msg_recv(j->sp1[0], peer, MSG_CHILD_PID, &b, NULL) < 0) goto out;
    int32_t pid;
    if (b.len != sizeof pid) { fail("%s sent a malformed child pid", peer); goto out; }
    memcpy(&pid, b.p, sizeof pid);
    if (pid <= 0) { fail("%s sent an invalid child pid %d", peer, (int)pid); goto out; }
    j->pid2 = pid;
    phase("stage 2's pid received");
    if (exec && j->cg && join_cgroup(j, pid, 0) < 0) { err_prefix("join the container's cgroup"); goto out; }
    if (j->cg && j->cg->n && !(j->opts.flags & OPT_EXEC) && cg_apply_pids(j->cg, &j->spec.res) < 0) goto out;
    char c;
    if (j->journal >= 0 && proc_stat(pid, &j->start2, &c) == 0 &&   /* (dead already: its message says why) */
        journal_add(j->journal, "pid %d %llu", (int)pid, (unsigned long long)j->start2) < 0)
        goto out;
    r = 0;
out:
    if (r < 0 && j->pid1 > 0 && err_code == OCIRUN_E_PEER) explain_stage_exit(j->pid1, j->opts.flags & OPT_EXEC ? NULL : j->cg), j->pid1 = 0;
    buf_free(&b);
    return r;
}

/* prestart and createRuntime, when stage 2 asks: namespaces exist, the
 * rootfs is mounted, pivot_root has not happened. */
static int run_create_hooks(struct create_job *j)
{
    struct buf b = {0}, states = {0};
    int r = -1;
    if (msg_recv(j->sp2[0], "stage 2 (container init)", MSG_HOOKS, &b, NULL) < 0) goto out;
    hook_state_json(&states, j->id, j->pid2, "creating", j->opts.bundle, j->spec.annotations);
    struct hook_place at = { j->opts.bundle, environ, 0 };
    if (run_hooks(&j->spec, HOOK_PRESTART, states.p, 0, &at) < 0 || run_hooks(&j->spec, HOOK_CREATE_RUNTIME, states.p, 0, &at) < 0)
        goto out;
    r = msg_send(j->sp2[0], MSG_HOOKS_DONE, "", 1, -1);   /* stage 2 makes its hooks' states */
out:
    buf_free(&b), buf_free(&states);
    return r;
}


/* --console-socket: checked and connected before any stage starts. */
static int connect_console(struct create_job *j, const char *path)
{
    struct stat st;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (stat(path, &st) < 0) return failerr("--console-socket %s", path);
    if (!S_ISSOCK(st.st_mode)) return fail("--console-socket %s: not a socket", path);
    if (strlen(path) >= sizeof sa.sun_path) return fail("--console-socket %s: path too long", path);
    memcpy(sa.sun_path, path, strlen(path) + 1);
    if ((j->console = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) return failerr("socket");
    if (connect_bounded(j->console, &sa) < 0) return failerr("--console-socket %s: connect", path);
    return 0;
}

/* One message with an fd riding along (SCM_RIGHTS) to a client socket:
 * the console socket, the seccomp listener.  -1 with errno. */
static int send_with_fd(int sock, const void *data, size_t len, int fd)
{
    struct iovec iov = { (void *)data, len };
    union { struct cmsghdr c; char buf[CMSG_SPACE(sizeof(int))]; } cm;
    memset(&cm, 0, sizeof cm);
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf };
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    ssize_t w;
    do w = sendmsg(sock, &mh, MSG_NOSIGNAL); while (w < 0 && errno == EINTR);
    return w < 0 ? -1 : 0;
}

/* Sends the pty master to the console socket as runc does (SCM_RIGHTS,
 * the name "/dev/ptmx" as data); without a socket we keep it to relay
 * (stage 2 has set it up as runc's receiver would: hand_over_pty). */
static int pty_to_console(struct create_job *j)
{
    if (j->master < 0) return fail("stage 2 (container init) sent no pty");
    if (j->console < 0) return 0;
    static const char name[] = "/dev/ptmx";
    if (send_with_fd(j->console, name, sizeof name - 1, j->master) < 0) return failerr("send the pty to the console socket");
    close(j->master), j->master = -1;
    close(j->console), j->console = -1;
    return 0;
}

/* After `ready`, an exec'd process closes the channel by execve (it is
 * close-on-exec) or reports why execve failed. */
static int wait_exec_done(int fd, const char *peer)
{
    struct msg_hdr h;
    ssize_t r = msg_read_header(fd, &h, NULL);
    if (r == 0) return 0;
    struct buf b = {0};
    if (r > 0 && h.magic == MSG_MAGIC && h.type == MSG_ERROR && h.len < 4096) {
        buf_grow(&b, h.len);
        ssize_t n = h.len ? read_full(fd, b.p, h.len) : 0;
        b.p[n > 0 ? n : 0] = 0;
        fail("%s", b.p);
    } else {
        fail("%s: unexpected message after ready", peer);
    }
    buf_free(&b);
    return -1;
}

/* SCMP_ACT_NOTIFY: the listener fd from stage 2 goes to the profile's
 * listenerPath with the container process state (runtime.md), as runc
 * sends it: {"ociVersion", "fds": ["seccompFd"], "pid", "metadata",
 * "state"}. */
static int pass_seccomp_listener(struct create_job *j, const char *peer)
{
    struct buf b = {0}, msg = {0};
    int fd = -1, sock = -1, r = -1;
    const struct oci_seccomp *sc = j->spec.seccomp;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (msg_recv(j->sp2[0], peer, MSG_SECCOMP_FD, &b, &fd) < 0) goto out;
    if (fd < 0) { fail("%s sent no seccomp listener fd", peer); goto out; }
    if (strlen(sc->listener_path) >= sizeof sa.sun_path) { fail(".linux.seccomp.listenerPath: too long for a socket address"); goto out; }
    memcpy(sa.sun_path, sc->listener_path, strlen(sc->listener_path) + 1);
    if ((sock = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) { failerr("socket"); goto out; }
    if (connect_bounded(sock, &sa) < 0) { failerr(".linux.seccomp.listenerPath: connect %s", sc->listener_path); goto out; }
    buf_printf(&msg, "{\"ociVersion\":\"%s\",\"fds\":[\"seccompFd\"],\"pid\":%d", OCIRUN_OCI_VERSION, (int)j->pid2);
    if (sc->listener_metadata && sc->listener_metadata[0])   /* (none: left out, as runc) */
        buf_puts(&msg, ",\"metadata\":"), json_str(&msg, sc->listener_metadata);
    buf_puts(&msg, ",\"state\":");
    int exec = !!(j->opts.flags & OPT_EXEC);
    hook_state_json(&msg, j->id, exec ? j->init : j->pid2, exec ? "running" : "creating", j->opts.bundle, j->spec.annotations);
    buf_puts(&msg, "}");
    r = send_with_fd(sock, msg.p, msg.len, fd) < 0 ? failerr(".linux.seccomp.listenerPath: send to %s", sc->listener_path) : 0;
out:
    close_if(fd);
    close_if(sock);
    buf_free(&b), buf_free(&msg);
    return r;
}

/* Stage 2's part: hand over the config, wait until init is ready; then
 * collect stage 1, which has exited meanwhile. */
static int run_stage2(struct create_job *j)
{
    const char *peer = "stage 2 (container init)";
    struct buf b = {0};
    int r = -1;
    if ((!j->presend && j->host_fds && has_late_binds(&j->spec) && copy_binds_in_container(j) < 0) ||
        (!j->presend && send_setup(j->sp2[0], j, j->sock) < 0) ||
        (j->early_hooks && run_create_hooks(j) < 0) ||
        (j->spec.proc.terminal && (msg_recv(j->sp2[0], peer, MSG_PTY, &b, &j->master) < 0 || pty_to_console(j) < 0)) ||
        (j->spec.seccomp && j->spec.seccomp->notify && pass_seccomp_listener(j, peer) < 0) ||
        msg_recv(j->sp2[0], peer, MSG_READY, &b, NULL) < 0 ||
        ((j->opts.flags & OPT_EXEC) && wait_exec_done(j->sp2[0], peer) < 0)) {
        if (err_code == OCIRUN_E_PEER && !(j->opts.flags & OPT_EXEC)) explain_stage_exit(j->pid2, j->cg), j->pid2 = 0;
        goto out;
    }
    int status;
    pid_t w;
    while ((w = sys_waitpid(j->pid1, &status, 0)) < 0 && errno == EINTR) {}
    j->pid1 = 0;
    if (w < 0) { failerr("wait for stage 1 (namespace setup)"); goto out; }
    if (!WIFEXITED(status) || WEXITSTATUS(status)) {
        fail("stage 1 (namespace setup) did not exit cleanly (%s %d)", WIFEXITED(status) ? "status" : "signal",
             WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        goto out;
    }
    r = 0;
out:
    buf_free(&b);
    return r;
}

static int write_pid_file(const char *path, pid_t pid)
{
    char abs[PATH_MAX], num[16];
    if (str_copy(abs, sizeof abs, path) >= (int)sizeof abs) return fail("--pid-file: longer than %d bytes", PATH_MAX - 1);
    char *slash = str_rchr(abs, '/');
    const char *name = slash ? slash + 1 : abs;
    if (slash) *slash = 0;
    int dfd = sys_open(slash ? (abs[0] ? abs : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (dfd < 0) return failerr("--pid-file %s", path);
    int n = str_fmt(num, sizeof num, "%d", (int)pid);
    int r = write_file_atomic(dfd, name, num, (size_t)n, 0644);
    close(dfd);
    return r < 0 ? err_prefix("--pid-file") : 0;
}

static void create_job_undo(struct create_job *j, const char *id)
{
    if (j->pid2 > 0) { kill(j->pid2, SIGKILL); sys_waitpid(j->pid2, NULL, 0); }
    if (j->pid1 > 0) { kill(j->pid1, SIGKILL); sys_waitpid(j->pid1, NULL, 0); }
    j->pid1 = j->pid2 = 0;
    if (OCIRUN_SYSTEMD && j->unit_started) {
        char saved[sizeof err_msg];
        memcpy(saved, err_msg, sizeof saved);
        if (sd_stop_unit(j->cg->unit, j->cg->unit_user) < 0) warnf("cleanup: %s", err_msg);
        memcpy(err_msg, saved, sizeof saved);
    }
    if (j->cg && j->made_dir) cg_remove(j->cg, 0, 0);
    if (j->made_dir && j->rootfd >= 0) {
        char saved[sizeof err_msg];
        int code = err_code;
        memcpy(saved, err_msg, sizeof saved);
        if (state_dir_remove(j->rootfd, id) < 0) warnf("cleanup: %s", err_msg);
        /* a container was made and is deleted with the failure: its
         * poststop hooks run, as the lifecycle's "continue at step 12"
         * says and runc's destroy does */
        if (has_hooks(&j->spec, HOOK_POSTSTOP)) {
            struct buf b = {0};
            struct hook_place at = { j->opts.bundle, environ, 0 };   /* (where runc's create is) */
            hook_state_json(&b, id, 0, "stopped", j->opts.bundle, j->spec.annotations);
            run_hooks(&j->spec, HOOK_POSTSTOP, b.p, 1, &at);
            buf_free(&b);
        }
        memcpy(err_msg, saved, sizeof saved), err_code = code;
    }
}

static void create_job_close(struct create_job *j)
{
    int *fds[] = { &j->rootfd, &j->dirfd, &j->sock, &j->sp1[0], &j->sp1[1], &j->sp2[0], &j->sp2[1], &j->console, &j->master,
                   &j->journal, &j->relay[0], &j->relay[1], &j->relay[2], &j->relay_child[0], &j->relay_child[1],
                   &j->relay_child[2] };
    for (size_t i = 0; i < ARRAY_LEN(fds); i++)
        if (*fds[i] >= 0) close(*fds[i]), *fds[i] = -1;
    for (size_t i = 0; j->host_fds && i < j->spec.nmounts; i++)
        close_if(j->host_fds[i]);
    xfree(j->host_fds), j->host_fds = NULL;
    spec_free(&j->spec);
    xfree(j->config);
    cg_free(j->cg);
    j->config = NULL, j->cg = NULL;
}

/* Init's fds 0-2 (ours, or the pipes in place of a terminal of ours: the
 * end we keep names the same pipe), as the texts of their links
 * ("pipe:[123]", "/dev/null"): a checkpoint tells criu which of the
 * process's files were the caller's (section 18). */
static char *stdio_links(const int relay[3])
{
    struct buf b = {0};
    for (int fd = 0; fd < 3; fd++) {
        char path[32], link[PATH_MAX];
        str_fmt(path, sizeof path, "/proc/self/fd/%d", relay[fd] >= 0 ? relay[fd] : fd);
        ssize_t n = sys_readlinkat(AT_FDCWD, path, link, sizeof link - 1);
        link[n > 0 ? n : 0] = 0;
        buf_puts(&b, fd ? "," : "[");
        json_str(&b, link);
    }
    buf_puts(&b, "]");
    return b.p;
}

/* The container's state as create records it, once stage 2's pid is known. */
static int job_state(const struct create_job *j, const struct create_req *r, struct cstate *st)
{
    char c;
    memset(st, 0, sizeof *st);
    str_copy(st->id, sizeof st->id, r->id);
    st->pid = j->pid2;
    str_copy(st->bundle, sizeof st->bundle, j->opts.bundle);
    str_copy(st->rootfs, sizeof st->rootfs, j->opts.rootfs);
    struct timespec now;
    if (clock_now(CLOCK_REALTIME, &now) < 0) now.tv_sec = 0, now.tv_nsec = 0;
    format_time(st->created, &now, 1);
    if (j->spec.annotations) {
        struct buf b = {0};
        json_write(&b, j->spec.annotations);
        st->annotations = b.p;
    }
    struct buf cgs = {0}, found = {0};
    for (int k = 0; k < j->cg->n; k++) {
        buf_puts(&cgs, j->cg->dir[k]), buf_puts(&cgs, "\n");
        if (j->cg->dir[k][0] && !(j->cg->made >> k & 1)) buf_puts(&found, j->cg->dir[k]), buf_puts(&found, "\n");
    }
    st->cg_found = found.p;
    /* so that start and delete read the bundle again only when needed */
    st->late_hooks = (has_hooks(&j->spec, HOOK_POSTSTART) << HOOK_POSTSTART) |
                     (has_hooks(&j->spec, HOOK_POSTSTOP) << HOOK_POSTSTOP);
    st->cgroups = cgs.p;
    if (OCIRUN_SYSTEMD) str_copy(st->unit, sizeof st->unit, j->cg->unit), st->unit_user = j->cg->unit_user;
    if (OCIRUN_CRIU && !j->spec.proc.terminal) st->stdio = stdio_links(j->relay);
    st->starttime = j->start2;   /* read for the journal */
    if (j->start2 || proc_stat(st->pid, &st->starttime, &c) == 0) return 0;
    cstate_free(st);
    return fail("container init (pid %d) died during create", (int)st->pid);
}

/* Foreground run or exec without a terminal: a terminal among our fds 0-2
 * is not handed to the process.  Holding the caller's terminal, the
 * container could push input into the caller's shell (TIOCSTI), read what
 * is typed there after the process exits, or find a terminal the config
 * says it has not.  runc gives such a process pipes (setupProcessPipes);
 * so do we, in place of each fd that is a terminal, and relay_io()
 * copies between them and ours.  Other fds (a file, /dev/null, the log
 * pipe of a supervisor such as procd) go to the process as they are, with
 * no copy in between. */
static int stdio_relay_make(struct create_job *j)
{
    int64_t uid = host_root_id(j->spec.uidmap, j->spec.nuidmap), gid = host_root_id(j->spec.gidmap, j->spec.ngidmap);
    for (int i = 0; i < 3; i++) {
        struct kterm t;
        int p[2];
        if (sys_ioctl(i, TCGETS, &t) < 0) continue;
        if (sys_pipe2(p, O_CLOEXEC) < 0) return failerr("a pipe in place of the terminal on fd %d", i);
        j->relay_child[i] = p[i ? 1 : 0], j->relay[i] = p[i ? 0 : 1];
        /* the container's root's, as runc's: stage 2 gives it on to the user */
        if (uid >= 0 && gid >= 0 && syscall(NR_fchown, j->relay_child[i], (uint32_t)uid, (uint32_t)gid) < 0)
            return failerr("chown the pipe in place of fd %d", i);
    }
    return 0;
}

/* The terminal and --console-socket must agree (create, run, restore), as
 * runc's checkTerminal has it: the socket only where the command detaches
 * (a foreground command relays the terminal itself). */
static int check_terminal(struct create_job *j, const struct create_req *r)
{
    if (j->spec.proc.terminal && !r->console_socket && !r->foreground)
        return fail(".process.terminal: a detached container needs --console-socket to hand its terminal to");
    if (r->console_socket && !j->spec.proc.terminal) return fail("--console-socket given but .process.terminal is false");
    if (r->console_socket && r->foreground) return fail("--console-socket given but the command does not detach (-d)");
    return r->console_socket ? connect_console(j, r->console_socket) : 0;
}

/* The container's cgroup, made and limited (with `late`, only its first
 * hierarchy: see run_stage1). */
static int make_cgroup(struct create_job *j, const struct create_req *r, int *late)
{
    const char *path = j->spec.cgroups_path;
    char sdpath[PATH_MAX];
    j->cg = cg_new();
    if (OCIRUN_SYSTEMD && r->systemd) {
        j->cg->unit_user = r->rootless;
        if (sd_unit_path(path, r->id, j->cg, sdpath) < 0 || sd_check(j->spec.annotations, r->rootless, sdpath) < 0) return -1;
        path = sdpath;
    }
    return cg_create(j->cg, &j->spec, path, r->id, r->rootless, j->journal, late);
}

/* What a foreground run or exec relays while it waits (fg_wait): the pty
 * master of a terminal, or our ends of the pipes in place of the caller's
 * terminal fds (stdio_relay_make); -1 each where there is none. */
struct fg_io { int master, relay[3]; };

static void fg_io_close(struct fg_io *io)
{
    int *fds[] = { &io->master, &io->relay[0], &io->relay[1], &io->relay[2] };
    for (size_t i = 0; i < ARRAY_LEN(fds); i++)
        if (*fds[i] >= 0) close(*fds[i]), *fds[i] = -1;
}

static void fg_io_take(struct fg_io *io, struct create_job *j)
{
    io->master = j->master, j->master = -1;
    for (int i = 0; i < 3; i++) io->relay[i] = j->relay[i], j->relay[i] = -1;
}

/* The commit could not reach init: it ended after "ready", and its last
 * message (stage_main's MSG_ERROR) says why, when it sent one.  -1. */
static int commit_refused(struct create_job *j)
{
    const char *peer = "stage 2 (container init)";
    char saved[sizeof err_msg];
    memcpy(saved, err_msg, sizeof saved);
    struct buf b = {0};
    if (msg_recv(j->sp2[0], peer, MSG_COMMIT, &b, NULL) == 0 || err_code == OCIRUN_E_PEER)
        memcpy(err_msg, saved, sizeof saved), err_prefix("%s", peer);   /* (no word of its own) */
    buf_free(&b);
    return -1;
}

/* `create`: on success init waits for `start`, its pid is in *st, and the
 * state directory (fd in *dirfd, locked) records it. */
static int stage0_create(const struct create_req *r, struct cstate *st, int *dirfd, struct fg_io *io, int *startfd, int *rootfd)
{
    struct create_job j;
    create_job_init(&j);
    int ok = load_bundle(&j, r) == 0;
    ok = ok && (!j.spec.seccomp || sc_check_kernel(j.spec.seccomp) == 0) && lsm_check(&j.spec) == 0 &&
         sysctl_netns_check(&j.spec) == 0 && proc_mounts_check(&j.spec) == 0;
    j.id = r->id;
    j.early_hooks = has_hooks(&j.spec, HOOK_PRESTART) || has_hooks(&j.spec, HOOK_CREATE_RUNTIME) ||
                    has_hooks(&j.spec, HOOK_CREATE_CONTAINER) || has_hooks(&j.spec, HOOK_START_CONTAINER);
    ok = ok && check_terminal(&j, r) == 0 && (!r->foreground || j.spec.proc.terminal || stdio_relay_make(&j) == 0) &&
         make_state_dir(&j, r) == 0;
    if (ok) phase("state directory made");
    if (ok && (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, j.sp1) < 0 ||
               sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, j.sp2) < 0))
        ok = failerr("socketpair") == 0;
    int early = ok && spawn_before_cgroup(r);
    ok = ok && (!early || spawn_stage1(&j) == 0);
    /* run_stage1: not with a user namespace, whose maps stage 1 waits for
     * before it makes the others */
    int first = -1, *late = early && !r->rootless && !(j.spec.clone_flags & CLONE_NEWUSER) ? &first : NULL;
    ok = ok && make_cgroup(&j, r, late) == 0;
    if (ok && first < 0) phase("cgroup made");
    ok = ok && prepare_host_mounts(&j.spec, &j.host_fds) == 0;
    ok = ok && (early || spawn_stage1(&j) == 0) && run_stage1(&j, first) == 0;
    /* the state later commands read is written while stage 2 makes the
     * rootfs, staged under a temporary name and renamed into place once
     * init is ready (the config copy is in the journal already) */
    int have_st = ok && job_state(&j, r, st) == 0;
    ok = have_st && state_stage(j.dirfd, st) == 0 && run_stage2(&j) == 0 && state_publish(j.dirfd) == 0;
    ok = ok && (!r->pid_file || write_pid_file(r->pid_file, st->pid) == 0);
    /* `run` starts with the commit: init then answers on this socket as on
     * a start's connection (section 17) */
    static const char start_now = 1;
    ok = ok && (msg_send(j.sp2[0], MSG_COMMIT, &start_now, r->start_now ? 1 : 0, -1) == 0 || commit_refused(&j) == 0);
    if (ok) phase("state written: created");
    if (!ok && have_st) cstate_free(st);
    if (!ok) create_job_undo(&j, r->id);
    else *dirfd = j.dirfd, j.dirfd = -1, fg_io_take(io, &j);
    if (ok && r->start_now) *startfd = j.sp2[0], j.sp2[0] = -1;
    if (ok && rootfd) *rootfd = j.rootfd, j.rootfd = -1;
    create_job_close(&j);
    return ok ? 0 : -1;
}

/* What a foreground run or exec relays to its process: every signal that
 * can be caught, as runc's loop over signal.Notify's, but SIGPIPE (ours:
 * a peer gone is an error we report), SIGURG (the Go runtime's own, which
 * runc 1.1 forwards as it sees them, later ones not),
 * 32 and 33 (glibc's own, which runc's Go never sees), and SIGTTIN and
 * SIGTTOU, which stop a `run &` that reads or (stty tostop) writes the
 * terminal until `fg` (blocked, the read would fail and close the
 * container's stdin for good).  SIGCHLD wakes the wait instead, SIGWINCH
 * resizes a terminal, when there is one, and is never relayed (runc's
 * handler takes it for itself too).  Any other left out would end or stop ocirun and
 * leave the container without its waiter (systemd's SIGRTMIN+3, a PWR,
 * an XCPU). */
static void relayed_signals(oci_ksigset *set, int with_chld)
{
    memset(set, 0, sizeof *set);
    for (int sig = 1; sig <= OCI_KSIGSET * 8; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGPIPE && sig != SIGURG && sig != SIGTTIN && sig != SIGTTOU &&
            sig != 32 && sig != 33 && (sig != SIGCHLD || with_chld))
            ksig_add(set, sig);
}

/* A foreground run or exec holds the signals it will relay from its start:
 * one that comes while the container is set up (a slow hook, a busy
 * host) waits, and goes to the process once it runs, as runc's signal
 * handler, installed before it creates the container, queues it.  Caught
 * with their default action they would end us halfway and leave a
 * container half made.  The stages inherit the mask, harmlessly; what
 * runs a container's process or a hook clears it (default_signals).
 * They stay held to the end: the waits below take them from the queue,
 * and a `run`'s delete is not cut short by one either. */
static void hold_relayed_signals(void)
{
    oci_ksigset set;
    relayed_signals(&set, 0);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, (size_t)OCI_KSIGSET);
}

/* The wait's own: SIGCHLD, held only from here (held from the start,
 * stage 1's exit would wake the wait once for nothing), and the set the
 * wait takes. */
static void hold_sigchld(oci_ksigset *set)
{
    oci_ksigset c = { { 0 } };
    ksig_add(&c, SIGCHLD);
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &c, NULL, (size_t)OCI_KSIGSET);
    relayed_signals(set, 1);
}

/* Waits for our child `pid` (a container's init or exec'd process, a child
 * thanks to CLONE_PARENT), relaying the signals a terminal or supervisor
 * sends us; *exit_status is the shell's view (128+N when killed by N).
 * The signals are held (hold_relayed_signals, by the command; SIGCHLD
 * from here) and taken one by one (rt_sigtimedwait, no timeout): one
 * mask change instead of a handler each, and an exit between the check
 * and the wait stays pending instead of being missed.  (A blocked signal
 * is queued even where its action is to ignore it: nohup's SIGHUP is
 * relayed, as a handler relayed it.) */
static int wait_forwarding_signals(pid_t pid, int *exit_status)
{
    oci_ksigset set;
    hold_sigchld(&set);
    int status, sig;
    pid_t w;
    while ((w = sys_waitpid(pid, &status, WNOHANG)) == 0) {
        sig = (int)syscall(NR_rt_sigtimedwait, &set, NULL, NULL, (size_t)OCI_KSIGSET);
        if (sig > 0 && sig != SIGCHLD && sig != SIGWINCH) kill(pid, sig);   /* (no terminal to resize) */
        else if (sig < 0 && errno != EINTR) break;
    }
    if (w <= 0) return failerr("wait for the container process (pid %d)", (int)pid);   /* (waitpid's errno, or the wait's) */
    *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

static void copy_winsize(int from, int to)
{
    struct winsize ws;
    if (sys_ioctl(from, TIOCGWINSZ, &ws) == 0) sys_ioctl(to, TIOCSWINSZ, &ws);
}

/* Our stdin goes to the process through `in` without blocking (a process
 * that does not read its input must not stop the relay of its output);
 * -1 at the end of our stdin or when the process's side is closed. */
struct relay_in { char buf[4096]; size_t off, len; };

static int relay_input(int to, struct relay_in *in, int readable)
{
    if (!in->len && readable) {
        ssize_t n = sys_read(0, in->buf, sizeof in->buf);
        if (n < 0 && errno == EINTR) return 0;
        if (n <= 0) return -1;
        in->off = 0, in->len = (size_t)n;
    }
    if (!in->len) return 0;
    ssize_t n = sys_write(to, in->buf + in->off, in->len - in->off);
    if (n < 0) return errno == EAGAIN || errno == EINTR ? 0 : -1;
    if ((in->off += (size_t)n) == in->len) in->len = 0;
    return 0;
}

/* What `from` has goes to `to`; -1 at its end (EIO from a pty master whose
 * peer every holder closed) or when `to` fails. */
static int relay_output(int from, int to)
{
    char buf[4096];
    ssize_t n = sys_read(from, buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 0;
    return n <= 0 || write_all(to, buf, (size_t)n) < 0 ? -1 : 0;
}

/* Foreground run or exec that relays (fg_io): our stdin goes to the
 * process (the pty master, or the pipe in place of fd 0), its output to
 * ours (the master's to fd 1, each pipe's to its own fd), and signals to
 * it as wait_forwarding_signals relays them, through a signalfd (an exit
 * is never missed between two polls), until it exits; then what it left
 * is drained as long as more comes within 100 ms: a child that keeps the
 * terminal or the pipes open does not keep us (runc's pty copy does the
 * same; its pipes it copies until every writer is gone, without bound).
 * A terminal of
 * ours is raw meanwhile and lends the pty its window size. */
static int relay_io(struct fg_io *io, pid_t pid, int *exit_status)
{
    int m = io->master, fd[3] = { m >= 0 ? m : io->relay[0], m >= 0 ? m : io->relay[1], m >= 0 ? -1 : io->relay[2] };
    struct kterm saved;
    int tty = m >= 0 && sys_ioctl(0, TCGETS, &saved) == 0;
    if (tty) {
        /* cfmakeraw(3) but for output processing, which stays on as
         * runc's console.SetRaw keeps it: the container's pty sends "\n"
         * (ONLCR off, pty_to_console), our terminal makes it "\r\n" */
        struct kterm raw = saved;
        raw.iflag &= ~(uint32_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        raw.oflag |= OPOST;
        raw.lflag &= ~(uint32_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        raw.cflag = (raw.cflag & ~(uint32_t)(CSIZE | PARENB)) | CS8;
        raw.cc[VMIN] = 1, raw.cc[VTIME] = 0;
        sys_ioctl(0, TCSETS, &raw);
        copy_winsize(0, m);
    }
    oci_ksigset set;   /* (held by the command: hold_relayed_signals) */
    hold_sigchld(&set);
    int sfd = (int)syscall(SYS_signalfd4, -1, &set, (size_t)OCI_KSIGSET, O_CLOEXEC | O_NONBLOCK), status = 0, exited = 0, r = 0;
    if (sfd < 0) r = failerr("signalfd");
    if (fd[0] >= 0) sys_fcntl(fd[0], F_SETFL, sys_fcntl(fd[0], F_GETFL, 0) | O_NONBLOCK);
    struct relay_in in = { .len = 0 };
    while (r == 0) {
        if (!exited && sys_waitpid(pid, &status, WNOHANG) == pid) exited = 1;
        if (exited && fd[1] < 0 && fd[2] < 0) break;
        struct pollfd p[5] = { { sfd, POLLIN, 0 }, { fd[0] >= 0 && !in.len && !exited ? 0 : -1, POLLIN, 0 },
                               { in.len ? fd[0] : -1, POLLOUT, 0 }, { fd[1], POLLIN, 0 }, { fd[2], POLLIN, 0 } };
        int n = poll(p, 5, exited ? 100 : -1);
        if (n < 0 && errno != EINTR) { r = failerr("poll"); break; }
        if (n == 0) break;   /* it exited, and what it left was quiet for 100 ms */
        if (p[0].revents) {
            struct { uint32_t signo; uint8_t rest[124]; } si;   /* struct signalfd_siginfo */
            while (sys_read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                if (si.signo == SIGWINCH) { if (tty) copy_winsize(0, m); }
                else if (si.signo != SIGCHLD) kill(pid, (int)si.signo);
        }
        if ((p[1].revents || p[2].revents) && relay_input(fd[0], &in, p[1].revents != 0) < 0) {
            if (m < 0) close(io->relay[0]), io->relay[0] = -1;   /* its stdin's end */
            fd[0] = -1;
        }
        for (int k = 1; k < 3; k++)
            if (p[2 + k].revents && relay_output(fd[k], k) < 0) fd[k] = -1, fd[0] = m >= 0 ? -1 : fd[0];
    }
    if (tty) sys_ioctl(0, TCSETS, &saved);
    close_if(sfd);
    if (r < 0) return r;
    if (!exited) return wait_forwarding_signals(pid, exit_status);
    *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return 0;
}

/* A foreground process's wait, with what it relays (fg_io); io's fds are
 * closed by the time it returns.  The command holds the signals it
 * relays (hold_relayed_signals) before it gets here. */
static int fg_wait(struct fg_io *io, pid_t pid, int *exit_status)
{
    int r = io->master >= 0 || io->relay[0] >= 0 || io->relay[1] >= 0 || io->relay[2] >= 0 ? relay_io(io, pid, exit_status)
                                                                                          : wait_forwarding_signals(pid, exit_status);
    fg_io_close(io);
    return r;
}

/* --- stage 0 for `exec` --- */

struct exec_req {
    const char *root, *id, *process_file, *cwd, *user, *pid_file, *console_socket;
    const char *apparmor, *label;  /* --apparmor, --process-label */
    struct strlist env, gids, caps, cgroups;
    int tty, no_new_privs, detach, preserve_fds, ignore_paused;
    char **args;
    int nargs;
};

/* `exec --process FILE`: the file is a process object; validated here so
 * errors name the file. */
static int exec_process_from_file(const char *file, struct buf *out)
{
    char *text;
    size_t len;
    struct arena a = {0};
    struct oci_process p;
    memset(&p, 0, sizeof p);
    if (read_file_at(AT_FDCWD, file, MAX_CONFIG_SIZE, &text, &len) < 0) return err_prefix("--process");
    const struct jv *v = json_parse(text, len, &a);
    int stage = logcfg.stage;
    logcfg.stage = -1;   /* (parse_caps's warning comes once, when the exec's config is parsed) */
    int r = v && parse_process("", v, &p) == 0 ? 0 : -1;
    logcfg.stage = stage;
    if (r < 0) err_prefix("%s", file);
    else buf_add(out, text, len);
    xfree(p.args), xfree(p.env), xfree(p.gids), xfree(p.rlimits);
    arena_free(&a);
    xfree(text);
    return r;
}

/* The comma before an array's item but its first. */
static void json_next(struct buf *b, int *first)
{
    if (!*first) buf_puts(b, ",");
    *first = 0;
}

/* `exec CMD...`: the container's own process object, with the command,
 * --env, --cwd, --user, --additional-gids, --cap, --no-new-privs, --tty
 * applied as runc applies them.  --cap never adds inheritable or ambient
 * capabilities (CVE-2022-29162). */
static int write_exec_overrides(const struct exec_req *e, const struct jv *base, struct buf *b)
{
    const struct jv *v;
    /* JSON holds UTF-8 only (runc's Go puts U+FFFD in place of the rest,
     * another argument than the one given): refused, by name */
    for (int i = 0; i < e->nargs + e->env.n; i++)
        if (!str_utf8(i < e->nargs ? e->args[i] : e->env.v[i - e->nargs]))
            return fail("exec: %s %d is not valid UTF-8", i < e->nargs ? "argument" : "--env", i < e->nargs ? i : i - e->nargs + 1);
    if (e->cwd && !str_utf8(e->cwd)) return fail("exec: --cwd is not valid UTF-8");
    int first = 1;
    buf_puts(b, "\"args\":[");
    for (int i = 0; i < e->nargs; i++) json_next(b, &first), json_str(b, e->args[i]);
    buf_printf(b, "],\"terminal\":%s,\"cwd\":", e->tty ? "true" : "false");
    v = member(base, "cwd");
    json_str(b, e->cwd ? e->cwd : v && v->type == J_STR ? v->s : "/");
    /* --env after the container's: a name in both keeps its place with
     * the --env value (env_dedup, as runc sets them one by one) */
    buf_puts(b, ",\"env\":[");
    first = 1;
    if ((v = member(base, "env")) && v->type == J_ARR)
        for (const struct jv *c = v->child; c; c = c->next)
            if (c->type == J_STR) json_next(b, &first), json_str(b, c->s);
    for (int i = 0; i < e->env.n; i++) json_next(b, &first), json_str(b, e->env.v[i]);
    buf_puts(b, "],\"user\":");
    if (e->user || e->gids.n) {
        /* the container's user, with the uid (and gid) of --user and the
         * groups of --additional-gids after its own (runc); numbers as Go's
         * Atoi reads them ("+5") */
        uint64_t uid = 0, gid = 0;
        const struct jv *u = member(base, "user"), *g0 = u ? member(u, "additionalGids") : NULL, *um = u ? member(u, "umask") : NULL;
        char spec[64];
        int cut = str_copy(spec, sizeof spec, e->user ? e->user : "") >= (int)sizeof spec;   /* (cut: no number) */
        char *colon = str_chr(spec, ':'), *gs = colon ? colon + 1 : NULL;
        if (colon) *colon = 0;
        if (e->user && (cut || parse_u64(spec + (spec[0] == '+'), &uid) < 0 || uid > UINT32_MAX ||
                        (gs && (parse_u64(gs + (gs[0] == '+'), &gid) < 0 || gid > UINT32_MAX))))
            return fail("--user: expected uid[:gid] as numbers, got \"%s\"", e->user);
        if (!e->user && u && (v = member(u, "uid")) && v->numkind == JN_INT) uid = (uint64_t)v->i;
        if ((!e->user || !colon) && u && (v = member(u, "gid")) && v->numkind == JN_INT) gid = (uint64_t)v->i;
        buf_printf(b, "{\"uid\":%llu,\"gid\":%llu,", (unsigned long long)uid, (unsigned long long)gid);
        if (um) buf_puts(b, "\"umask\":"), json_write(b, um), buf_puts(b, ",");
        buf_puts(b, "\"additionalGids\":[");
        first = 1;
        for (const struct jv *c = g0 && g0->type == J_ARR ? g0->child : NULL; c; c = c->next) json_next(b, &first), json_write(b, c);
        for (int i = 0; i < e->gids.n; i++) {
            uint64_t g;
            const char *t = e->gids.v[i];
            int neg = t[0] == '-';   /* (a number, as runc's flag reads it, but below 0: its exec fails) */
            if (parse_u64(t + (t[0] == '+' || neg), &g) < 0 || g > (neg ? (uint64_t)1 << 63 : UINT32_MAX))
                return fail_as(OCIRUN_E_USAGE, "--additional-gids: invalid gid \"%s\"", t);
            if (neg && g) return fail("additional-gids must be a positive number -%llu", (unsigned long long)g);
            json_next(b, &first), buf_printf(b, "%llu", (unsigned long long)g);
        }
        buf_puts(b, "]}");
    } else if ((v = member(base, "user"))) {
        json_write(b, v);
    } else {
        buf_puts(b, "{\"uid\":0,\"gid\":0}");
    }
    const struct jv *caps = member(base, "capabilities");
    buf_puts(b, ",\"capabilities\":{");
    for (int k = 0; k < NCAPSETS; k++) {
        buf_printf(b, "%s\"%s\":[", k ? "," : "", capset_names[k]);
        first = 1;
        if (caps && (v = member(caps, capset_names[k])) && v->type == J_ARR)
            for (const struct jv *c = v->child; c; c = c->next) json_next(b, &first), json_write(b, c);
        if (k != CAPSET_INHERITABLE && k != CAPSET_AMBIENT)
            for (int i = 0; i < e->caps.n; i++) json_next(b, &first), json_str(b, e->caps.v[i]);
        buf_puts(b, "]");
    }
    v = member(base, "noNewPrivileges");
    buf_printf(b, "},\"noNewPrivileges\":%s", (e->no_new_privs < 0 ? v && v->type == J_TRUE : e->no_new_privs) ? "true" : "false");
    return 0;
}

static int exec_process_from_config(const struct exec_req *e, int dirfd, const char *bundle, struct buf *out)
{
    static const char *const replaced[] = { "args", "terminal", "cwd", "env", "user", "capabilities", "noNewPrivileges" };
    char path[PATH_MAX + 16], *text;
    size_t len;
    struct arena a = {0};
    if (!e->nargs) return fail("no command given (use --process FILE or give the command after the container id)");
    if (config_copy_read(dirfd, bundle, &text, &len, path) < 0) return err_prefix("the container's config");
    const struct jv *root = json_parse(text, len, &a), *base = root ? member(root, "process") : NULL;
    int r = -1;
    if (!base || base->type != J_OBJ) { fail("%s: no process object", path); goto out; }
    buf_puts(out, "{");
    for (const struct jv *c = base->child; c; c = c->next) {
        int skip = 0;
        for (size_t k = 0; k < ARRAY_LEN(replaced); k++) skip |= !strcmp(c->key, replaced[k]);
        if (skip) continue;
        json_str(out, c->key);
        buf_puts(out, ":");
        json_write(out, c);
        buf_puts(out, ",");
    }
    r = write_exec_overrides(e, base, out);
    buf_puts(out, "}");
out:
    arena_free(&a);
    xfree(text);
    return r;
}

/* What an exec'd process inherits from the container's config.json, as
 * in runc: linux.seccomp and linux.personality (JSON members with a comma
 * before each, into `linux_keys`), and the AppArmor profile, SELinux label
 * and capabilities unless it has its own (JSON members with a comma after
 * each, into `labels`). */
static int bundle_exec_inherits(int dirfd, const char *bundle, struct buf *linux_keys, struct buf *labels)
{
    static const char keys[][16] = { "apparmorProfile", "selinuxLabel" };
    char path[PATH_MAX + 16], *text;
    size_t len;
    struct arena a = {0};
    if (config_copy_read(dirfd, bundle, &text, &len, path) < 0) return -1;
    const struct jv *root = json_parse(text, len, &a), *lx = root ? member(root, "linux") : NULL;
    const struct jv *pr = root ? member(root, "process") : NULL, *v;
    /* the filter, and the personality (an exec'd process is not init's child) */
    static const char lkeys[][16] = { "seccomp", "personality" };
    for (int k = 0; lx && lx->type == J_OBJ && k < 2; k++)
        if ((v = member(lx, lkeys[k]))) buf_printf(linux_keys, ",\"%s\":", lkeys[k]), json_write(linux_keys, v);
    for (int k = 0; OCIRUN_LSM && pr && pr->type == J_OBJ && k < 2; k++)
        if ((v = member(pr, keys[k])) && v->type == J_STR && v->slen)
            buf_printf(labels, "\"%s\":", keys[k]), json_str(labels, v->s), buf_puts(labels, ",");
    /* a process without capabilities gets the container's (runc) */
    if (pr && pr->type == J_OBJ && (v = member(pr, "capabilities")))
        buf_puts(labels, "\"capabilities\":"), json_write(labels, v), buf_puts(labels, ",");
    int r = root ? 0 : err_prefix("%s", path);
    arena_free(&a);
    xfree(text);
    return r;
}

/* The process object of an exec: the container's labels first (the
 * process's own come later and win: the last duplicate does), then
 * those of exec --apparmor and --process-label last. */
static void exec_process_object(const struct exec_req *e, const struct buf *proc, const struct buf *labels, struct buf *cfg)
{
    size_t start = 0, end = proc->len;
    while (start < end && proc->p[start] != '{') start++;
    while (end > start && proc->p[end - 1] != '}') end--;
    buf_puts(cfg, "{");
    if (labels->len) buf_add(cfg, labels->p, labels->len);
    if (end > start + 1) buf_add(cfg, proc->p + start + 1, end - start - 2);
    if (OCIRUN_LSM && e->apparmor) buf_puts(cfg, ",\"apparmorProfile\":"), json_str(cfg, e->apparmor);
    if (OCIRUN_LSM && e->label) buf_puts(cfg, ",\"selinuxLabel\":"), json_str(cfg, e->label);
    buf_puts(cfg, "}");
}

/* The config the exec stages get: the process, and every namespace of the
 * container's init that differs from ours, joined by path. */
static int exec_config(const struct exec_req *e, int dirfd, const struct cstate *st, const struct buf *proc, struct buf *cfg)
{
    struct buf linux_keys = {0}, labels = {0};
    if (bundle_exec_inherits(dirfd, st->bundle, &linux_keys, &labels) < 0) { buf_free(&labels), buf_free(&linux_keys); return err_prefix("the container's config"); }
    static const char *const proc_names[] = { "pid", "net", "mnt", "ipc", "uts", "user", "cgroup", "time" };
    buf_printf(cfg, "{\"ociVersion\":\"%s\",\"root\":{\"path\":", OCIRUN_OCI_VERSION);
    json_str(cfg, st->rootfs);
    buf_puts(cfg, "},\"process\":");
    exec_process_object(e, proc, &labels, cfg);
    buf_free(&labels);
    buf_puts(cfg, ",\"linux\":{\"namespaces\":[");
    int n = 0;
    for (size_t i = 0; i < ARRAY_LEN(ns_types); i++) {
        char theirs[64], ours[64];
        if (read_ns_link(st->pid, proc_names[i], theirs) < 0) {
            if (errno == ENOENT) continue; /* a namespace type this kernel lacks */
            buf_free(&linux_keys);
            return failerr("read /proc/%d/ns/%s", (int)st->pid, proc_names[i]);
        }
        if (read_ns_link(getpid(), proc_names[i], ours) == 0 && !strcmp(theirs, ours)) continue;
        buf_printf(cfg, "%s{\"type\":\"%s\",\"path\":\"/proc/%d/ns/%s\"}", n++ ? "," : "", ns_types[i].name,
                   (int)st->pid, proc_names[i]);
    }
    buf_puts(cfg, "]");
    if (linux_keys.len) buf_add(cfg, linux_keys.p, linux_keys.len);
    buf_puts(cfg, "}}");
    buf_free(&linux_keys);
    return 0;
}

/* `base`/`add` cleaned as Go's path.Join cleans it ("a/../b" is "b"),
 * into out; what would leave `base` is refused (runc's check compares
 * strings, and lets "../<id>2" out). */
static int cg_sub_path(const char *base, const char *add, char out[static PATH_MAX])
{
    size_t n = strlen(base), n0 = n;
    if (n >= PATH_MAX) return fail("exec --cgroup: path too long");
    memcpy(out, base, n + 1);
    for (const char *c = add; *c; ) {
        size_t len = str_span(c, "/", 0);
        if (len == 2 && c[0] == '.' && c[1] == '.') {
            if (n == n0) return fail("%s is not a sub cgroup path", add);
            while (out[--n] != '/') {}
            out[n] = 0;
        } else if (len && !(len == 1 && c[0] == '.')) {
            if (n + 1 + len >= PATH_MAX) return fail("exec --cgroup: path too long");
            out[n++] = '/';
            memcpy(out + n, c, len);
            out[n += len] = 0;
        }
        c += len + (c[len] == '/');
    }
    return 0;
}

/* exec --cgroup [CONTROLLER[,CONTROLLER...]:]PATH, parsed as runc parses
 * it: the process joins PATH below the container's cgroup, on the
 * hierarchies of the controllers named (for each, the last --cgroup that
 * names it wins), or on every hierarchy for a bare PATH (given once) or
 * an empty controller name (":sub", ",cpu:sub"), which then wins over
 * the others.  The sub-cgroup must exist. */
static int exec_sub_cgroups(struct cgroup *cg, const struct strlist *subs)
{
    const char *sub[MAX_HIER] = { 0 }, *all = NULL;
    for (int pass = 0; pass < 2 && !(pass && all); pass++) {   /* empty controllers first: they make the rest moot */
        for (int k = 0; k < subs->n; k++) {
            const char *arg = subs->v[k], *colon = str_chr(arg, ':');
            if (colon && str_chr(colon + 1, ':')) return fail("invalid --cgroup argument: %s", arg);
            if (!colon && subs->n > 1) return fail("invalid --cgroup argument: %s (missing <controller>: prefix)", arg);
            if (!colon) { all = arg; continue; }
            for (const char *c = arg; c <= colon; c++) {   /* Go's strings.Split on ",": empty names count */
                size_t len = str_span(c, ",:", 0);
                char name[64];
                str_fmt(name, sizeof name, "%.*s", (int)len, c);
                const char *d = pass && len ? cg_dir_with(cg, name) : NULL;
                if (!pass && !len) all = colon + 1;
                if (pass && len && !d) return fail("unknown controller %s in SubCgroupPaths", name);
                for (int i = 0; d && i < cg->n; i++)
                    if (cg->dir[i] == d) sub[i] = colon + 1;
                c += len;
            }
        }
    }
    for (int i = 0; i < cg->n; i++) {
        const char *add = all ? all : sub[i];
        char path[PATH_MAX];
        if (!add || !cg->dir[i][0]) continue;
        if (cg_sub_path(cg->dir[i], add, path) < 0) return -1;
        cg_set_dir(cg, i, path);
    }
    return 0;
}

/* `exec`: runs a process in a running container through the same stages
 * (and the same protected binary) as `create`. */
static int stage0_exec(const struct exec_req *e, int *exit_status)
{
    struct create_job j;
    struct cstate st;
    struct buf proc = {0}, cfg = {0};
    create_job_init(&j);
    int ok = open_container(e->root, e->id, &j.rootfd, &j.dirfd, &st) == 0;
    int status = ok ? container_status(j.dirfd, &st) : ST_STOPPED;
    if (ok && status == ST_STOPPED) ok = fail("cannot exec in a stopped container") == 0;
    if (ok && status == ST_PAUSED && !e->ignore_paused) ok = fail("cannot exec in a paused container (see --ignore-paused)") == 0;
    ok = ok && (e->process_file ? exec_process_from_file(e->process_file, &proc) : exec_process_from_config(e, j.dirfd, st.bundle, &proc)) == 0;
    ok = ok && exec_config(e, j.dirfd, &st, &proc, &cfg) == 0;
    if (ok) {
        j.config = cfg.p, j.config_len = cfg.len, cfg.p = NULL;
        ok = spec_parse(j.config, j.config_len, "exec", &j.spec) == 0;
    }
    ok = ok && (!j.spec.seccomp || sc_check_kernel(j.spec.seccomp) == 0) && lsm_check(&j.spec) == 0;
    if (ok && j.spec.proc.terminal && !e->console_socket && e->detach)
        ok = fail("a detached process with a terminal needs --console-socket") == 0;
    if (ok && e->console_socket && !j.spec.proc.terminal)
        ok = fail("--console-socket given but the process has no terminal (--tty)") == 0;
    if (ok && e->console_socket && !e->detach) ok = fail("--console-socket given but the command does not detach (-d)") == 0;
    ok = ok && (!e->console_socket || connect_console(&j, e->console_socket) == 0);
    ok = ok && (e->detach || j.spec.proc.terminal || stdio_relay_make(&j) == 0);
    if (ok) {
        char path[64];
        j.opts.flags = OPT_EXEC | (logcfg.debug ? OPT_DEBUG : 0) | (caller_euid() ? OPT_ROOTLESS : 0);
        j.id = e->id, j.init = st.pid;   /* (for a seccomp agent's message) */
        j.opts.t0 = logcfg.t0;   /* (the stages' phase lines count from our start) */
        j.opts.preserve_fds = (uint32_t)e->preserve_fds;
        str_copy(j.opts.bundle, sizeof j.opts.bundle, st.bundle);
        str_copy(j.opts.rootfs, sizeof j.opts.rootfs, st.rootfs);
        str_copy(j.opts.id, sizeof j.opts.id, e->id);   /* the keyring's name */
        str_fmt(path, sizeof path, "/proc/%d/root", (int)st.pid);
        j.sock = sys_open(path, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (j.sock < 0) ok = failerr("open %s", path) == 0;
        else if (!process_alive(st.pid, st.starttime)) ok = fail_as(OCIRUN_E_NOT_RUNNING, "container not running") == 0;
    }
    if (ok && (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, j.sp1) < 0 ||
               sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, j.sp2) < 0))
        ok = failerr("socketpair") == 0;
    if (ok && st.cgroups) {
        j.cg = cg_new();
        if (!e->cgroups.n && !(OCIRUN_SYSTEMD && st.unit_user)) cg_from_list(j.cg, st.cgroups);
        else ok = cg_from_state(j.cg, st.cgroups) == 0 && (!e->cgroups.n || exec_sub_cgroups(j.cg, &e->cgroups) == 0);
        /* a rootless container's unit: the user's systemd may have to move us */
        if (OCIRUN_SYSTEMD && st.unit_user) str_copy(j.cg->unit, sizeof j.cg->unit, st.unit), j.cg->unit_user = 1;
    }
    /* the rest needs only init (pinned by its /proc root fd): without our
     * hold on the state, a paused container (--ignore-paused) can be
     * resumed while our stages wait frozen in its cgroup, and kill or
     * delete can end it */
    if (ok) sys_flock(j.dirfd, LOCK_UN);
    ok = ok && spawn_stage1(&j) == 0 && run_stage1(&j, -1) == 0 && run_stage2(&j) == 0;
    ok = ok && (!e->pid_file || write_pid_file(e->pid_file, j.pid2) == 0);
    if (!ok) create_job_undo(&j, e->id);
    pid_t pid = j.pid2;
    struct fg_io io;
    fg_io_take(&io, &j);
    create_job_close(&j);
    close_container(-1, -1, &st);
    buf_free(&proc), buf_free(&cfg);
    if (!ok || e->detach) fg_io_close(&io);
    if (!ok) return -1;
    phase("started: the process runs");
    if (e->detach) return 0;
    int r = fg_wait(&io, pid, exit_status);
    if (r == 0) phase("the process exited");
    return r;
}

/* --- stage 1 --- */

/* Joins the namespaces given by path, the user namespace first (the others
 * may belong to it).  Not the mount namespace: joining it changes our root,
 * and this kernel-independent rule keeps exec of stage 2 off paths inside
 * the container (Linux 6.x also refuses to exec through a magic link that
 * leads out of the root).  Its fd goes to *mntfd for stage 2 to join. */
static int join_namespaces(const struct oci_spec *s, int *mntfd)
{
    int fds[8];
    size_t n = 0;
    int r = -1;
    *mntfd = -1;
    for (size_t i = 0; i < s->nns; i++) {
        if (!s->ns[i].path) continue;
        struct statfs sf;
        int fd = sys_open(s->ns[i].path, O_RDONLY | O_CLOEXEC, 0);
        if (fd < 0) { failerr("%s namespace %s", ns_name(s->ns[i].flag), s->ns[i].path); goto out; }
        fds[n++] = fd;
        if (sys_fstatfs(fd, &sf) < 0 || (sf.f_type != NSFS_MAGIC && sf.f_type != PROC_SUPER_MAGIC)) {
            fail("%s namespace %s: not a namespace file", ns_name(s->ns[i].flag), s->ns[i].path);
            goto out;
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0, k = 0; i < s->nns; i++) {
            if (!s->ns[i].path) continue;
            int fd = fds[k++], flag = s->ns[i].flag;
            if ((pass == 0) != (flag == CLONE_NEWUSER)) continue;
            if (flag == CLONE_NEWNS) { *mntfd = fd, fds[k - 1] = -1; continue; }
            if (sys_setns(fd, flag) < 0) {
                failerr("join %s namespace %s%s", ns_name(flag), s->ns[i].path,
                        errno == EINVAL ? " (is it a namespace of that type?)" : "");
                goto out;
            }
            /* root of the joined user namespace, or stage 2's execve would
             * drop the capabilities its setup needs (runc does the same) */
            if (flag == CLONE_NEWUSER && (set_gid(0) < 0 || set_uid(0) < 0)) {
                failerr("become root in the user namespace %s (is uid/gid 0 mapped there?)", s->ns[i].path);
                goto out;
            }
        }
    }
    r = 0;
out:
    for (size_t i = 0; i < n; i++)
        close_if(fds[i]);
    if (r < 0 && *mntfd >= 0) close(*mntfd), *mntfd = -1;
    return r;
}

static int create_namespaces(const struct oci_spec *s, int syncfd)
{
    struct buf b = {0};
    int flags = s->clone_flags;
    if (flags & CLONE_NEWUSER) {
        /* a rootless stage 0 can open our uid_map only while we are
         * dumpable (runc does the same); no container process exists yet */
        int rootless = geteuid() != 0;
        if (sys_unshare(CLONE_NEWUSER) < 0) return failerr("unshare user namespace");
        if (rootless && sys_prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0) return failerr("prctl(PR_SET_DUMPABLE)");
        int r = msg_send(syncfd, MSG_USERMAP_REQ, NULL, 0, -1) < 0 || msg_recv(syncfd, "stage 0", MSG_USERMAP_ACK, &b, NULL) < 0;
        buf_free(&b);
        if (rootless) sys_prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        if (r) return -1;
        if (set_gid(0) < 0 || set_uid(0) < 0) return failerr("become root in the user namespace");
    }
    flags &= ~CLONE_NEWUSER;
    if (flags && sys_unshare(flags) < 0) {
        int e = errno;
        for (size_t i = 0; i < ARRAY_LEN(ns_types); i++) /* name the namespace the kernel refuses */
            if ((flags & ns_types[i].flag) && sys_unshare(ns_types[i].flag) < 0 && (errno == EINVAL || errno == ENOSYS))
                return fail("this kernel cannot create a %s namespace (unshare: %s)", ns_types[i].name, strerror(errno));
        errno = e;
        return failerr("unshare namespaces");
    }
    /* (the kernel takes them until a process enters the namespace) */
    char t[sizeof s->time_offsets];
    str_fmt(t, sizeof t, "%s%s", s->time_offsets[0], s->time_offsets[1]);
    if (t[0] && write_file_str("/proc/self/timens_offsets", t) < 0) return err_prefix(".linux.timeOffsets");
    return 0;
}

static int recv_setup(int fd, const char *peer, struct stage_opts *o, struct oci_spec *s, int *passfd)
{
    struct buf b = {0};
    int r = -1;
    if (msg_recv(fd, peer, MSG_OPTS, &b, passfd) < 0) goto out;
    memcpy(o, b.p, sizeof *o);
    if (!mem_chr(o->bundle, 0, sizeof o->bundle) || !mem_chr(o->rootfs, 0, sizeof o->rootfs) || !mem_chr(o->id, 0, sizeof o->id)) {
        fail("%s sent options with unterminated paths", peer);
        goto out;
    }
    if (o->listen_fds > o->preserve_fds) {
        fail("%s sent %u socket-activation fds, more than the %u preserved", peer, o->listen_fds, o->preserve_fds);
        goto out;
    }
    if (msg_recv(fd, peer, MSG_CONFIG, &b, NULL) < 0) goto out;
    r = spec_parse(b.p, b.len, "config.json", s);
out:
    buf_free(&b);
    return r;
}

static int stage1_main(int syncfd, int s2fd)
{
    struct stage_opts o;
    struct oci_spec s;
    if (recv_setup(syncfd, "stage 0", &o, &s, NULL) < 0) return -1;
    logcfg.debug = !!(o.flags & OPT_DEBUG), logcfg.t0 = o.t0;
    phase("stage 1: setup received");
    if (sys_chdir((o.flags & OPT_EXEC) ? "/" : o.bundle) < 0) return failerr("chdir %s", o.bundle);
    if (s.proc.has_oom_score_adj) {
        char v[16];
        str_fmt(v, sizeof v, "%d", s.proc.oom_score_adj);
        if (write_file_str("/proc/self/oom_score_adj", v) < 0) return err_prefix(".process.oomScoreAdj");
    }
    int mntfd, later = (o.flags & OPT_JOIN_LATER) ? s.clone_flags & CLONE_NEWCGROUP : 0;
    if (join_namespaces(&s, &mntfd) < 0) return -1;
    s.clone_flags &= ~later;
    if (create_namespaces(&s, syncfd) < 0) { close_if(mntfd); return -1; }
    phase("stage 1: namespaces made");
    if (o.flags & OPT_JOIN_LATER) {   /* stage 2 is born in the whole cgroup, and a cgroup namespace rooted there */
        struct buf b = {0};
        int r = msg_recv(syncfd, "stage 0", MSG_JOINED, &b, NULL);
        buf_free(&b);
        if (r == 0 && later && sys_unshare(CLONE_NEWCGROUP) < 0)
            r = errno == EINVAL || errno == ENOSYS
                    ? fail("this kernel cannot create a cgroup namespace (unshare: %s)", strerror(errno))
                    : failerr("unshare cgroup namespace");
        if (r < 0) { close_if(mntfd); return -1; }
        phase("stage 1: in the cgroup");
    }
    test_stall(1);
    /* our own binary is the protected one stage 0 chose */
    pid_t pid = spawn_stage("/proc/self/exe", -1, 2, s2fd, mntfd, 1, NULL, NULL);
    close_if(mntfd);
    if (pid < 0) return -1;
    int32_t p32 = (int32_t)pid;
    debugf("started stage 2 as pid %d", (int)pid);
    return msg_send(syncfd, MSG_CHILD_PID, &p32, sizeof p32, -1);
}

/* --- stage 2 --- */

/* A network namespace of the container's own gets its loopback up, as
 * runc (its "loopback" network) and crun do: a program that listens on
 * 127.0.0.1 works there.  Any socket carries the interface ioctls. */
static int loopback_up(void)
{
    struct oci_ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.name, "lo", 3);
    int s = sys_socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;
    if (s < 0) return failerr("the new network namespace's lo: socket");
    if (sys_ioctl(s, OCI_SIOCGIFFLAGS, &ifr) < 0) r = failerr("the new network namespace's lo: SIOCGIFFLAGS");
    else if (!(ifr.u.flags & OCI_IFF_UP) && (ifr.u.flags |= OCI_IFF_UP, sys_ioctl(s, OCI_SIOCSIFFLAGS, &ifr) < 0))
        r = failerr("the new network namespace's lo: set it up");
    close(s);
    return r;
}


/* Until it execs the process, a created container's init answers signals
 * as Go's runtime makes runc's init answer them.  It ends on the signals
 * that end a Go program: HUP, INT and TERM by their default action, which
 * the kernel skips for a pid namespace's init, and then, or at once for
 * the others Go takes as fatal, with exit status 2.  So `kill` of a
 * created container stops it as under runc (SIGTERM: what `ctr task kill`
 * sends), where a C init at pid 1 would ignore it and a caller waiting
 * for the exit would wait for ever.  Every other signal whose default
 * would end it (USR1, ALRM, a real-time one, ...; without a pid namespace
 * the kernel delivers those) is caught and nothing done, as Go does; 32
 * to 34 (libc's, which runc's init leaves at their default) end it.  Handlers, not
 * a blocked mask: execve resets them by itself, even where the process's
 * filter (on already without noNewPrivileges) denies the calls that would
 * undo a mask.  The pid is read before that filter too, which may deny
 * getpid (kill(-1) is every process); SA_RESETHAND and SA_NODEFER give the
 * handler's kill the default action at once. */
static pid_t go_init_pid;

static void end_as_go_does(int sig)
{
    if ((sig == SIGHUP || sig == SIGINT || sig == SIGTERM) && go_init_pid > 0) kill(go_init_pid, sig);
    _exit(2);
}

static void ignore_as_go_does(int sig) { (void)sig; }

#ifdef __x86_64__
/* x86_64's kernel returns from a handler only through the restorer its
 * caller names (SA_RESTORER), and libc's is its own: rt_sigreturn. */
__asm__(".text\n.type oci_sigreturn,@function\noci_sigreturn:\n\tmov $15, %rax\n\tsyscall\n");
void oci_sigreturn(void) __asm__("oci_sigreturn");
#endif

/* rt_sigaction with the kernel's struct, as in own_signals(). */
static void catch_signal(int sig, void (*fn)(int), unsigned long flags)
{
    unsigned long k[4 + 16 / sizeof(unsigned long)] = { 0 };
#ifdef __mips__
    unsigned int f32 = (unsigned int)flags;   /* (an int at offset 0, before n64's padding: big-endian safe) */
    memcpy(k, &f32, sizeof f32), k[1] = (unsigned long)fn;
#else
    k[0] = (unsigned long)fn, k[1] = flags;
#ifdef __x86_64__
    k[1] |= 0x04000000, k[2] = (unsigned long)oci_sigreturn;   /* SA_RESTORER */
#endif
#endif
    syscall(SYS_rt_sigaction, sig, k, NULL, (size_t)OCI_KSIGSET);
}

static void go_init_signals(void)
{
    static const int fatal[] = { SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGTERM, SIGSYS,
#ifdef SIGSTKFLT
                                 SIGSTKFLT,
#endif
    };
    static const int quiet[] = { SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGXCPU, SIGXFSZ };
    go_init_pid = getpid();
    for (size_t i = 0; i < ARRAY_LEN(fatal); i++) catch_signal(fatal[i], end_as_go_does, SA_RESETHAND | SA_NODEFER);
    /* (SA_RESTART: init's reads, writes and waits go on) */
    for (size_t i = 0; i < ARRAY_LEN(quiet); i++) catch_signal(quiet[i], ignore_as_go_does, SA_RESTART);
    for (int sig = 35; sig <= OCI_KSIGSET * 8; sig++) catch_signal(sig, ignore_as_go_does, SA_RESTART);
}

/* Init waits for `start` on its socket, and for stage 0's word that the
 * create is complete: a create killed before that (its end of syncfd
 * closes) takes init with it, so no init waits for a start that no state
 * records.  `run`'s word also says "start": syncfd then serves as the
 * start's connection. */
static int wait_for_start(int sock, int syncfd)
{
    for (;;) {
        struct pollfd pf[2] = { { sock, POLLIN, 0 }, { syncfd, POLLIN, 0 } };
        if (poll(pf, syncfd >= 0 ? 2 : 1, -1) < 0 && errno != EINTR) return failerr("poll on %s", EXEC_SOCK);
        if (syncfd >= 0 && pf[1].revents && !pf[0].revents) {
            struct buf b = {0};
            int r = msg_recv(syncfd, "stage 0", MSG_COMMIT, &b, NULL);
            int start = r == 0 && b.len == 1 && b.p[0] == 1;   /* `run`: start now, answer here */
            if (r == 0 && b.len && !start) r = fail("stage 0 sent a malformed commit");
            buf_free(&b);
            if (r < 0) _exit(1);   /* the create died: no one will start us */
            if (start) { close_if(sock); return syncfd; }
            if (sock < 0) _exit(1);   /* (a run's commit always says start) */
            close(syncfd), syncfd = -1;
            continue;
        }
        if (!pf[0].revents) continue;
        int c = sys_accept4(sock, SOCK_CLOEXEC);
        if (c >= 0) {
            close_if(syncfd);   /* a start: the create is complete */
            close(sock);
            return c;
        }
        if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN) return failerr("accept on %s", EXEC_SOCK);
    }
}

/* Hooks in stage 2: before pivot_root stage 0 runs prestart and
 * createRuntime (runtime namespace) and hands us the states; we run
 * createContainer here, in the container's namespaces. */
struct hook_ctx { int syncfd; const struct oci_spec *spec; const struct stage_opts *o; struct buf states; mode_t umask; };

static int hooks_before_pivot(void *arg)
{
    struct hook_ctx *h = arg;
    if (msg_send(h->syncfd, MSG_HOOKS, NULL, 0, -1) < 0 ||
        msg_recv(h->syncfd, "stage 0", MSG_HOOKS_DONE, &h->states, NULL) < 0)
        return -1;
    if (h->states.len != 1 || h->states.p[0]) return fail("stage 0 sent a malformed hooks reply");
    /* the hooks of the container's namespace get its pid as it sees it
     * (the spec's state; 1 in a pid namespace of its own), so their states
     * are made here: createContainer's, then startContainer's */
    h->states.len = 0;
    hook_state_json(&h->states, h->o->id, getpid(), "creating", h->o->bundle, h->spec->annotations);
    buf_add(&h->states, "", 1);
    hook_state_json(&h->states, h->o->id, getpid(), "created", h->o->bundle, h->spec->annotations);
    struct hook_place at = { h->o->rootfs, h->spec->proc.env, h->umask };
    return run_hooks(h->spec, HOOK_CREATE_CONTAINER, h->states.p, 0, &at);
}

/* A session keyring of its own, so the container does not share the
 * caller's keys (runc does the same).  Kernels without CONFIG_KEYS, and
 * seccomp profiles that forbid keyctl, get none: not an error. */
static void join_session_keyring(const char *id, int in_userns)
{
#ifdef SYS_keyctl
    char name[NAME_MAX + 8], desc[256];
    str_fmt(name, sizeof name, "_ses.%s", id);
    long key = syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, name, 0, 0, 0);
    if (key < 0) {
        debugf("no session keyring for the container (keyctl: %s)", strerror(errno));
        return;
    }
    /* searchable, as runc makes it: by its user (0x080000), in a user
     * namespace by others (0x08); "type;uid;gid;perm;description" has the
     * permissions in hex */
    long n = syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, key, desc, sizeof desc - 1, 0);
    uint64_t perm;
    char *p = n > 0 ? (desc[n < (long)sizeof desc ? n : (long)sizeof desc - 1] = 0, desc) : NULL;
    for (int f = 0; p && f < 3; f++) p = str_chr(p, ';') ? str_chr(p, ';') + 1 : NULL;
    if (p && scan_u64(p, 16, &perm) && syscall(SYS_keyctl, 5 /* KEYCTL_SETPERM */, key, (uint32_t)perm | (in_userns ? 0x08 : 0x080000), 0, 0) < 0)
        debugf("session keyring: setperm: %s", strerror(errno));
#else
    (void)id;
    debugf("no session keyring: keyctl is unknown to the headers this was built with");
#endif
}

/* The master goes to stage 0 (for the console socket or its own relay);
 * the peer becomes our terminal. */
static int hand_over_pty(int syncfd, struct pty *pty, uint32_t flags)
{
    /* what runc's own receiver does (console.ClearONLCR), when stage 0
     * relays the terminal: the container's "\n" stays "\n" there, and
     * ours makes it "\r\n".  Done here, before the process can write
     * (an exec'd one runs as soon as we are done); a console socket's
     * receiver decides for itself (conmon turns ONLCR on). */
    struct kterm t;
    if ((flags & OPT_RELAY_PTY) && sys_ioctl(pty->peer, TCGETS, &t) == 0)
        t.oflag &= ~(uint32_t)ONLCR, sys_ioctl(pty->peer, TCSETS, &t);
    int r = msg_send(syncfd, MSG_PTY, NULL, 0, pty->master);
    close(pty->master);
    if (r < 0) { close(pty->peer); return -1; }
    return become_pty_session(pty->peer);
}

/* Loads the seccomp filter and, for SCMP_ACT_NOTIFY, hands the listener
 * to stage 0, which passes it on to the profile's listenerPath. */
static int install_seccomp(struct sc_filter *f, int syncfd)
{
    int fd = sc_load(f);
    if (fd <= 0) return fd;
    int r = msg_send(syncfd, MSG_SECCOMP_FD, NULL, 0, fd);
    close(fd);
    return r;
}

/* When the filter goes on: right before execve, after the start (and
 * for an exec after "ready"), so a profile need allow none of the
 * runtime's own calls but execve (runc's need the handshake's and its
 * Go runtime's too); before "ready" when stage 0 must carry a listener
 * away.  Without no_new_privs loading needs CAP_SYS_ADMIN: it stays
 * effective until then (keep_admin), and the capset that drops it is the
 * one call after the filter a profile must allow besides (runc's needs
 * setuid and the rest of its credentials' calls there). */
enum { SC_BEFORE_READY, SC_BEFORE_EXEC };
static int seccomp_moment(const struct oci_spec *s)
{
    return s->seccomp && s->seccomp->notify ? SC_BEFORE_READY : SC_BEFORE_EXEC;
}

/* Socket activation's variables (listen_fds_for_us) in the process's
 * environment, replacing any of the config's, as runc sets them last. */
static void env_add_listen(struct oci_process *p, uint32_t n, char buf[static 24])
{
    char **env = xcalloc(p->nenv + 3, sizeof *env);
    if (p->nenv) memcpy(env, p->env, p->nenv * sizeof *env);
    xfree(p->env);
    str_fmt(buf, 24, "LISTEN_FDS=%u", n);
    env[p->nenv++] = buf, env[p->nenv++] = "LISTEN_PID=1";
    p->env = env;
    env_dedup(p->env, &p->nenv);
}

/* The process as it will run, in stage 2 of `create` and of `exec`: its
 * environment, cwd, user and capabilities, its executable looked up, and
 * the seccomp filter on if its moment has come (seccomp_moment).
 * p->filter stays for a moment still to come: seccomp_at() then. */
struct proc_ready { char home[PATH_MAX + 8], exe[PATH_MAX]; char **env; struct sc_filter filter; int moment, keep_admin, last; };

/* The filter on (and, kept for it, CAP_SYS_ADMIN dropped), at `moment`. */
static int seccomp_at(struct proc_ready *p, const struct oci_process *proc, int moment, int syncfd)
{
    if (!p->filter.p || p->moment != moment) return 0;
    if ((moment == SC_BEFORE_READY ? install_seccomp(&p->filter, syncfd) : sc_load(&p->filter)) < 0) return -1;
    return p->keep_admin ? drop_admin(proc, p->last) : 0;
}

static int become_process(const struct oci_spec *s, int syncfd, uint32_t flags, int attrfd, struct proc_ready *p)
{
    int exec = !!(flags & OPT_EXEC), retry;
    int keep_groups = !!(flags & OPT_ROOTLESS);
    if (set_exec_labels(&s->proc, attrfd) < 0 || apply_scheduling(&s->proc, exec) < 0) return -1;
    close_if(attrfd);
    /* (inherited by the process, and by its children: an exec's too) */
    if (s->personality && syscall(SYS_personality, (unsigned long)(s->personality - 1)) < 0) return failerr(".linux.personality");
    p->env = env_with_home(s->proc.env, s->proc.nenv, s->proc.uid, p->home, sizeof p->home);
    if (sc_prepare(s->seccomp, &p->filter) < 0) return -1;
    p->moment = seccomp_moment(s);
    p->keep_admin = p->filter.p && !s->proc.no_new_privs;
    if (cwd_before_creds(s->proc.cwd, &retry) < 0 || setup_process_credentials(&s->proc, keep_groups, p->keep_admin, &p->last) < 0)
        return -1;
    /* none given: 022 for the container's process (runc's), the caller's
     * for an exec (the spec: "should not be changed"; runc's too) */
    if (s->proc.has_umask || !exec) umask(s->proc.has_umask ? s->proc.umask : 022);
    if (enter_cwd(s->proc.cwd, retry) < 0 || find_executable(s->proc.args[0], p->env, p->exe) < 0) return -1;
    return seccomp_at(p, &s->proc, SC_BEFORE_READY, syncfd);
}

/* An execve that fails once the process is set up and ready (a binary of
 * another architecture, a script whose interpreter is missing: the rest
 * was checked before "ready") is the process's own failure, as under
 * runc: it says so on its stderr in Go's words ("exec /app: exec format
 * error") and exits 1, and the start or exec that ran it succeeded. */
__attribute__((noreturn))
static void exec_failed(const char *exe)
{
    char why[128];
    fd_printf(2, "exec %s: %s\n", exe, go_strerror(errno, why));
    _exit(1);
}

/* `exec`: stage 1 joined the container's namespaces; enter its root (an fd
 * of init's /proc/<pid>/root, right also for --no-pivot containers), set
 * up the process and exec it. */
static int stage2_exec(int syncfd, const struct stage_opts *o, const struct oci_spec *s, int rootfd, int attrfd)
{
    int r = sys_fchdir(rootfd) < 0 || sys_chroot(".") < 0 || sys_chdir("/") < 0 ? failerr("enter the container's root") : 0;
    close(rootfd);
    if (r < 0) return -1;
    if (cloexec_fds_from(3 + (int)o->preserve_fds, 0) < 0) return -1;
    /* a session of its own, terminal or not (runc's too): in the caller's,
     * it could open the caller's terminal as /dev/tty and type into it */
    if (sys_setsid() < 0) return failerr("setsid");
    if (s->proc.terminal) {
        struct pty pty;
        int root = sys_open("/", O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        if (root < 0) return failerr("open /");
        r = open_pty(root, "/dev/pts", &s->proc, &pty);
        close(root);
        if (r < 0 || hand_over_pty(syncfd, &pty, o->flags) < 0) return -1;
    }
    struct proc_ready p;
    if (become_process(s, syncfd, o->flags, attrfd, &p) < 0) return -1;
    phase("stage 2: process set up, ready");
    if (msg_send(syncfd, MSG_READY, NULL, 0, -1) < 0) return -1;
    default_signals();
    /* (a failure here still reaches stage 0: it waits for the execve) */
    if (seccomp_at(&p, &s->proc, SC_BEFORE_EXEC, -1) < 0) return -1;
    execve(p.exe, s->proc.args, p.env);
    exec_failed(p.exe);
}

static int stage2_main(int syncfd, int mntfd)
{
    struct stage_opts o;
    struct oci_spec s;
    int sock = -1, attrfd;
    if (recv_setup(syncfd, "stage 0", &o, &s, &sock) < 0 || open_attr_dir(&s.proc, &attrfd) < 0) return -1;
    if (mntfd >= 0) {
        int r = sys_setns(mntfd, CLONE_NEWNS);
        close(mntfd);
        if (r < 0) return failerr("join the mount namespace%s", errno == EINVAL ? " (is it a mount namespace?)" : "");
    }
    if (sock < 0 && !(o.flags & OPT_START_NOW)) return fail("stage 0 sent no %s", (o.flags & OPT_EXEC) ? "root fd" : "exec socket");
    logcfg.debug = !!(o.flags & OPT_DEBUG), logcfg.t0 = o.t0;
    phase("stage 2: setup received");
    test_stall(2);
    /* an exec'd process joins the container's keyring too (runc does:
     * not the caller's), or makes one if init has none */
    if (!(o.flags & OPT_NO_KEYRING)) {
        if (set_keyring_label(&s.proc, attrfd) < 0) return -1;
        join_session_keyring(o.id, !!((s.clone_flags | s.join_flags) & CLONE_NEWUSER));
    }
    if (o.flags & OPT_EXEC) return stage2_exec(syncfd, &o, &s, sock, attrfd);
    if (sys_setsid() < 0) return failerr("setsid");
    mode_t caller_umask = umask(0);
    /* here, not after pivot_root: the container's /proc may be anything */
    if (cloexec_fds_from(3 + (int)o.preserve_fds, 1) < 0) return -1;
    struct pty pty = { -1, -1 };
    struct hook_ctx hc = { syncfd, &s, &o, {0}, caller_umask };
    struct before_pivot bp = { NULL, &hc };
    if (has_hooks(&s, HOOK_PRESTART) || has_hooks(&s, HOOK_CREATE_RUNTIME) || has_hooks(&s, HOOK_CREATE_CONTAINER) ||
        has_hooks(&s, HOOK_START_CONTAINER))
        bp.fn = hooks_before_pivot;
    int *host_fds = xcalloc(s.nmounts + 1, sizeof *host_fds);
    struct cg_layout *cgl = NULL;
    if (recv_host_mounts(syncfd, &s, host_fds) < 0 || (spec_mounts_cgroup(&s) && recv_cgroup_layout(syncfd, &cgl) < 0) ||
        setup_rootfs(&s, o.rootfs, o.flags & OPT_NO_PIVOT, &pty, &bp, host_fds, cgl) < 0)
        return -1;
    xfree(cgl);
    phase("stage 2: rootfs ready");
    for (size_t i = 0; i < s.nmounts; i++)
        close_if(host_fds[i]);
    xfree(host_fds);
    if (s.proc.terminal && hand_over_pty(syncfd, &pty, o.flags) < 0) return -1;
    if ((s.clone_flags & CLONE_NEWNET) && loopback_up() < 0) return -1;
    if (s.hostname && s.hostname[0] && syscall(SYS_sethostname, s.hostname, strlen(s.hostname)) < 0) return failerr(".hostname");
    if (s.domainname && s.domainname[0] && syscall(SYS_setdomainname, s.domainname, strlen(s.domainname)) < 0)
        return failerr(".domainname");
    struct proc_ready p;
    char listen[24];
    if (o.listen_fds) env_add_listen(&s.proc, o.listen_fds, listen);
    /* (before the process's filter, and before "ready": once create
     * returns, `kill` may come) */
    if (!(o.flags & OPT_START_NOW)) go_init_signals();
    if (become_process(&s, syncfd, o.flags, attrfd, &p) < 0) return -1;
    phase("stage 2: process set up, ready");
    if (msg_send(syncfd, MSG_READY, NULL, 0, -1) < 0) return -1;
    stage_log_fd = -1;
    int conn = wait_for_start(sock, syncfd);
    if (conn < 0) return -1;
    /* startContainer hooks as runc runs them: after the filter is on (a
     * hook whose calls the profile denies fails the start), as the
     * process's user, in its cwd, with its environment */
    struct hook_place at = { NULL, p.env, 0 };
    if (seccomp_at(&p, &s.proc, SC_BEFORE_EXEC, -1) < 0 ||
        (has_hooks(&s, HOOK_START_CONTAINER) &&
         run_hooks(&s, HOOK_START_CONTAINER, hc.states.p + strlen(hc.states.p) + 1, 0, &at) < 0)) {
        if (write_all(conn, err_msg, strlen(err_msg)) < 0) { /* start sees EOF: nothing more to tell */ }
        _exit(1);
    }
    default_signals();
    execve(p.exe, s.proc.args, p.env);
    exec_failed(p.exe);
}

/* Entry of stages 1 and 2: argv = name, __stage, N, syncfd, extrafd. */
static int stage_main(int argc, char **argv)
{
    int stage, syncfd, extra;
    if (argc != 5 || parse_int(argv[2], &stage) < 0 || parse_int(argv[3], &syncfd) < 0 ||
        (parse_int(argv[4], &extra) < 0 && strcmp(argv[4], "-1")) || (stage != 1 && stage != 2)) {
        fd_printf(2, "ocirun: %s is internal to ocirun\n", OCIRUN_STAGE_ARG);
        return 125;
    }
    if (strcmp(argv[4], "-1") == 0) extra = -1;
    /* the name ps, top and /proc/PID/comm show (15 bytes: stage 1's ends
     * "CHILD"); the exec from a memfd would leave a number or "exe" */
    sys_prctl(PR_SET_NAME, (unsigned long)(stage == 1 ? STAGE1_NAME : STAGE2_NAME), 0, 0, 0);
    logcfg.stage = stage;
    stage_log_fd = syncfd;
    set_cloexec(syncfd, 1);
    /* stage 1's extra fd is stage 2's socket, and stage 2 is all stage 1
     * ever executes: it stays inheritable (spawn_stage knows) */
    if (extra >= 0 && stage != 1) set_cloexec(extra, 1);
    if (stage == 1) sys_prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0); /* stage 0 died: so do we */
    /* no process of a container whose namespaces we join may ptrace us or
     * open our /proc files (CVE-2016-9962); execve resets this */
    sys_prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    int r = stage == 1 ? stage1_main(syncfd, extra) : stage2_main(syncfd, extra);
    if (r < 0) {
        msg_send(syncfd, MSG_ERROR, err_msg, (uint32_t)strlen(err_msg), -1);
        return 1;
    }
    return 0;
}

/* ======================================================================
 * 17. Commands
 *
 * runc's command line: same commands, flags, exit codes and the error
 * strings callers match ("does not exist", "container not running", ...).
 * ====================================================================== */

/* A command's flags are data: the name, a short letter, the kind ('s' a
 * string, where "" means not given, as runc reads its string flags; 'n' a
 * value runc parses, a number, a duration or a format, which "" fails;
 * 'l' a string that may repeat; 'b' a boolean: set, or =true and =false)
 * and the offset of its slot in the struct the command parses into.  (Built at run time, with pointers, a table costs some 50 bytes of
 * code a flag on MIPS.) */
struct flag { const char *name; char shortc, kind; unsigned short off; };
#define FLAG_AT(type, field) (unsigned short)offsetof(type, field)

/* The flag `a` ("-x", "--name", "--name=value") names, or NULL. */
static const struct flag *find_flag(const char *a, const struct flag *fl, size_t nfl)
{
    if (a[0] != '-' || !a[1]) return NULL;
    const char *name = a + (a[1] == '-' ? 2 : 1), *eq = str_chr(name, '=');
    size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
    for (size_t k = 0; k < nfl; k++)
        if ((strlen(fl[k].name) == nlen && !strncmp(fl[k].name, name, nlen)) || (nlen == 1 && fl[k].shortc == name[0]))
            return &fl[k];
    return NULL;
}

/* A boolean flag's value as Go's strconv.ParseBool reads it (runc's
 * `--force=1`, `-q=T`): 1, 0, or -1 for none of its words. */
static int go_bool(const char *v)
{
    int k = name_index(v, "", "1\0t\0T\0true\0TRUE\0True\0" "0\0f\0F\0false\0FALSE\0False\0");
    return k < 0 ? -1 : k < 6;
}

/* `COMMAND --help` (or -h, or `help COMMAND`): the command's usage and
 * flags instead of the command, as runc prints them (podman asks
 * `checkpoint --help` whether there is one).  Its flags are noted as
 * parse_flags reads them, and want_args, which every command calls next,
 * prints. */
static struct { int asked, shown; const struct flag *fl; size_t nfl; } cmd_help;

static int is_help(const char *a) { return !strcmp(a, "--help") || !strcmp(a, "-h"); }

/* runc's command line (urfave/cli v1) lets flags follow the container id
 * (`runc update ID --memory 1m`, `runc delete ID --force`): the known
 * flags, with their values, move before the positional arguments, in
 * order, up to a "--".  Not for exec and ps, whose arguments after the id
 * are a command line of their own. */
static void flags_first(int argc, char **argv, int from, const struct flag *fl, size_t nfl)
{
    if (argc - from < 2) return;
    char **v = xcalloc((size_t)argc, sizeof *v);
    int nf = 0, nr = 0;
    char **rest = v + argc - from;   /* the positional ones, filled backwards */
    for (int i = from; i < argc; i++) {
        const struct flag *f;
        if (!strcmp(argv[i], "--")) {
            while (i < argc) *--rest = argv[i++], nr++;
            break;
        }
        if (!(f = find_flag(argv[i], fl, nfl)) && !is_help(argv[i])) { *--rest = argv[i], nr++; continue; }
        v[nf++] = argv[i];
        if (!f) continue;
        if (f->kind != 'b' && !str_chr(argv[i], '=') && i + 1 < argc) v[nf++] = argv[++i];
    }
    for (int k = 0; k < nf; k++) argv[from + k] = v[k];
    for (int k = 0; k < nr; k++) argv[from + nf + k] = v[argc - from - 1 - k];
    xfree(v);
}

/* Parses the flags of `cmd` from argv[*idx] into the slots of `base`;
 * stops at the first argument that is not a flag (or after "--").
 * Accepts -f, -flag, --flag, --flag=v. */
static int parse_flags(const char *cmd, int argc, char **argv, int *idx, const struct flag *fl, size_t nfl, void *base)
{
    int i = *idx, global = !strcmp(cmd, "ocirun");   /* (its errors need no prefix: main's is the same word) */
    if (strcmp(cmd, "exec") && strcmp(cmd, "ps") && !global) flags_first(argc, argv, i, fl, nfl);
    if (!global) cmd_help.fl = fl, cmd_help.nfl = nfl;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) { i++; break; }
        if (a[0] != '-' || !a[1]) break;
        if (!global && is_help(a)) { cmd_help.asked = 1; continue; }
        const char *name = a + (a[1] == '-' ? 2 : 1), *eq = str_chr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        const struct flag *f = find_flag(a, fl, nfl);
        if (!f) return fail_as(OCIRUN_E_USAGE, "%s%sflag provided but not defined: %s", global ? "" : cmd, global ? "" : ": ", a);
        void *slot = (char *)base + f->off;
        if (f->kind != 'b') {
            const char *v;
            struct strlist *list = slot;
            if (eq) v = eq + 1;
            else if (i + 1 < argc) v = argv[++i];
            else return fail_as(OCIRUN_E_USAGE, "%s: flag needs an argument: %s", cmd, a);
            if (f->kind != 'l') *(const char **)slot = *v || f->kind == 'n' ? v : NULL;
            else if (list->n == (int)ARRAY_LEN(list->v)) return fail("%s: too many %s flags", cmd, a);
            else list->v[list->n++] = v;
        } else if (eq) {
            if ((*(int *)slot = go_bool(eq + 1)) < 0)
                return fail_as(OCIRUN_E_USAGE, "invalid boolean value \"%s\" for --%.*s", eq + 1, (int)nlen, name);
        } else {
            *(int *)slot = 1;
        }
    }
    *idx = i;
    return 0;
}

/* The positional arguments a command takes: exactly `min`..`max`. */
static int want_args(const char *cmd, int n, int min, int max, const char *usage)
{
    if (cmd_help.asked) {   /* (-1: the command stops here; dispatch returns 0) */
        struct buf b = {0};
        buf_printf(&b, "usage: ocirun %s %s\n", cmd, usage);
        for (size_t k = 0; k < cmd_help.nfl; k++) {   /* one a line, as runc's */
            const struct flag *f = &cmd_help.fl[k];
            buf_printf(&b, "%s   --%s", k ? "" : "\noptions:\n", f->name);
            buf_printf(&b, f->shortc ? ", -%c\n" : "\n", f->shortc);
        }
        cmd_help.shown = write_out(b.p, b.len) == 0;
        buf_free(&b);
        return -1;
    }
    if (n < min || n > max)
        return fail_as(OCIRUN_E_USAGE, "\"%s\" requires %s%d argument%s (usage: ocirun %s %s)", cmd,
                    min == max ? "exactly " : n < min ? "at least " : "at most ", n < min ? min : max,
                    (n < min ? min : max) == 1 ? "" : "s", cmd, usage);
    return 0;
}

/* A command's line: its flags, then `min` to `max` arguments (ANY_ARGS:
 * no bound), as `usage` says.  One table a command: its line is then
 * parsed by one call. */
struct syntax { const struct flag *flags; unsigned char nflags, min, max; const char *usage; };
#define ANY_ARGS 255

/* Parses the flags of the command argv[0] into `base` and checks the
 * number of its arguments: the index of the first, or -1. */
static int parse_command(const struct syntax *sy, int argc, char **argv, void *base)
{
    int i = 1;
    if (parse_flags(argv[0], argc, argv, &i, sy->flags, sy->nflags, base) < 0 ||
        want_args(argv[0], argc - i, sy->min, sy->max == ANY_ARGS ? INT_MAX : sy->max, sy->usage) < 0)
        return -1;
    return i;
}

/* --- signals --- */

/* The names Go knows, one a number (runc takes no IOT, POLL or CLD), and
 * their numbers in order (they differ by arch) */
#ifdef SIGPWR
#define SIG_PWR "PWR\0"
#else
#define SIG_PWR
#endif
#ifdef SIGSTKFLT
#define SIG_STKFLT "STKFLT\0"
#else
#define SIG_STKFLT
#endif
static const char signal_names[] = "HUP\0INT\0QUIT\0ILL\0TRAP\0ABRT\0BUS\0FPE\0KILL\0USR1\0SEGV\0USR2\0PIPE\0ALRM\0TERM\0"
    "CHLD\0CONT\0STOP\0TSTP\0TTIN\0TTOU\0URG\0XCPU\0XFSZ\0VTALRM\0PROF\0WINCH\0IO\0SYS\0" SIG_PWR SIG_STKFLT;
static const uint8_t signal_numbers[] = {
    SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE,
    SIGALRM, SIGTERM, SIGCHLD, SIGCONT, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM,
    SIGPROF, SIGWINCH, SIGIO, SIGSYS,
#ifdef SIGPWR
    SIGPWR,
#endif
#ifdef SIGSTKFLT
    SIGSTKFLT,
#endif
};

/* "TERM", "SIGTERM", "sigterm", "15", "RTMIN+2" to a signal number. */
static int parse_signal(const char *s, int *out)
{
    int n;
    if (parse_int(s + (*s == '+'), &n) == 0) {   /* ("+15" too: Go's Atoi) */
        /* 0 as runc: kill(2)'s check that the container is alive */
        if (n < 0 || n > SIGRTMAX) return fail("invalid signal number %s", s);
        *out = n;
        return 0;
    }
    const char *name = name_ncmp(s, "SIG", 3) ? s : s + 3;
    if ((n = names_index(signal_names, name, 1)) >= 0) { *out = signal_numbers[n]; return 0; }
    if (!name_ncmp(name, "RTMIN", 5) || !name_ncmp(name, "RTMAX", 5)) {
        int base = (name[4] | 32) == 'n' ? SIGRTMIN : SIGRTMAX, off = 0;
        if (name[5] && (parse_int(name + 6, &off) < 0 || off < 0 || off > SIGRTMAX || (name[5] != '+' && name[5] != '-')))
            return fail("unknown signal \"%s\"", s);
        n = name[5] == '-' ? base - off : base + off;
        if (n >= SIGRTMIN && n <= SIGRTMAX) { *out = n; return 0; }
    }
    return fail("unknown signal \"%s\"", s);
}

/* Signals a process only if it is still the one the state describes; a
 * pidfd closes the window between that check and the kill (Linux 5.3). */
static int signal_process(pid_t pid, uint64_t starttime, int sig)
{
    int pfd = (int)syscall(NR_pidfd_open, pid, 0);
    if (!process_alive(pid, starttime)) {
        close_if(pfd);
        return fail_as(OCIRUN_E_NOT_RUNNING, "container not running");
    }
    int r = -1;
    if (pfd >= 0) {
        r = (int)syscall(NR_pidfd_send_signal, pfd, sig, NULL, 0);
        close(pfd);
    }
    /* no pidfd, or a seccomp profile that allows pidfd_open (5.3) and not
     * pidfd_send_signal (5.1) */
    if (pfd < 0 || (r < 0 && (errno == ENOSYS || errno == EPERM))) r = kill(pid, sig);
    if (r < 0 && errno == ESRCH) return fail_as(OCIRUN_E_NOT_RUNNING, "container not running");
    return r < 0 ? failerr("kill pid %d", (int)pid) : 0;
}

static int cgroup_pids(const struct cstate *st, struct pidlist *l)
{
    char dir[PATH_MAX];
    if (!st->cgroups || !st->cgroups[0]) return -1;
    str_fmt(dir, sizeof dir, "%.*s", (int)str_span(st->cgroups, "\n", 0), st->cgroups);
    return cg_tree_pids(dir, st->pid, l, 0);
}

/* Without a cgroup: the processes in init's pid namespace, if it has its
 * own; else init alone. */
static int pidns_pids(const struct cstate *st, struct pidlist *l)
{
    char ns[64], self[64], other[64];
    int pid;
    if (read_ns_link(st->pid, "pid", ns) < 0 || read_ns_link(getpid(), "pid", self) < 0 || !strcmp(ns, self)) {
        debugf("container %s shares the host's pid namespace: only its init is known", st->id);
        return 0;
    }
    int fd = sys_open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0) return failerr("open /proc");
    struct dir_iter d;
    const char *name;
    dir_start(&d, fd);
    while ((name = dir_next(&d)))
        if (parse_int(name, &pid) == 0 && pid != st->pid && read_ns_link(pid, "pid", other) == 0 && !strcmp(ns, other))
            pidlist_add(l, pid);
    close(fd);
    return 0;
}

/* The container's processes (host pids, init first).  Returns the count,
 * or -1; *out is xmalloc'd. */
static int container_pids(const struct cstate *st, int **out)
{
    struct pidlist l = {0};
    pidlist_add(&l, st->pid);
    int r = cgroup_pids(st, &l) == 0 ? 0 : pidns_pids(st, &l);
    *out = l.v;
    return r < 0 ? -1 : l.n;
}

/* kill --all: every process of the container. */
static int signal_all(const struct cstate *st, int sig)
{
    int *pids, n = container_pids(st, &pids), r = 0;
    if (n > 0) r = signal_process(st->pid, st->starttime, sig);
    for (int i = 1; r == 0 && i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH) r = failerr("kill pid %d", pids[i]);
    xfree(pids);
    return n < 0 ? -1 : r;
}

/* kill --all of a stopped container (its init is gone): what is left in
 * its cgroup, as runc does.  Processes outlive init there when the
 * container shares a pid namespace (a pod's, or the host's): containerd's
 * shim asks for this when the main process exits.  Without a cgroup of
 * its own nothing is signalled: its pid namespace may be the pod's. */
static int signal_leftovers(const struct cstate *st, int sig)
{
    struct pidlist l = {0};
    int r = 0;
    if (cgroup_pids(st, &l) == 0)
        for (int i = 0; r == 0 && i < l.n; i++)
            if (kill(l.v[i], sig) < 0 && errno != ESRCH) r = failerr("kill pid %d", l.v[i]);
    xfree(l.v);
    return r;
}

/* Waits (up to 10 s) until init is gone or a zombie. */
static int wait_process_gone(const struct cstate *st)
{
    /* Linux 5.3: a pidfd becomes readable the moment the process exits,
     * where polling would sleep a timer tick or more */
    int pfd = (int)syscall(NR_pidfd_open, st->pid, 0);
    if (pfd >= 0) {
        struct pollfd pf = { pfd, POLLIN, 0 };
        int alive = process_alive(st->pid, st->starttime);
        int r = alive ? poll(&pf, 1, wait_limit_ms(10000)) : 1;
        close(pfd);
        if (r > 0 || !process_alive(st->pid, st->starttime)) return 0;
    }
    for (int i = 0; i < 1100; i++) {
        if (!process_alive(st->pid, st->starttime)) return 0;
        sleep_ms(i < 100 ? 1 : 9);
    }
    return fail("container %s: init (pid %d) did not exit after SIGKILL", st->id, (int)st->pid);
}

/* --- lifecycle operations on a locked state directory --- */

/* The hooks of a created container come from its config as create saw
 * it, read when they are due (poststart, poststop). */
static int load_bundle_spec(int dirfd, const struct cstate *st, struct oci_spec *s)
{
    char path[PATH_MAX + 16], *text;
    size_t len;
    if (config_copy_read(dirfd, st->bundle, &text, &len, path) < 0) return -1;
    int r = spec_parse(text, len, path, s);
    xfree(text);
    return r;
}

static int run_late_hooks(const struct cstate *st, int kind, const char *status, const struct oci_spec *s, const char *cwd)
{
    if (!has_hooks(s, kind)) return 0;
    struct buf b = {0};
    struct arena a = {0};
    const struct jv *ann = st->annotations ? json_parse(st->annotations, strlen(st->annotations), &a) : NULL;
    hook_state_json(&b, st->id, kind == HOOK_POSTSTOP ? 0 : st->pid, status, st->bundle, ann);
    struct hook_place at = { cwd, environ, 0 };
    int r = run_hooks(s, kind, b.p, kind == HOOK_POSTSTOP, &at);   /* (poststop's failures: warnings) */
    arena_free(&a);
    buf_free(&b);
    return r;
}

/* Connects to init's exec.sock, after checking the container can start. */
static int connect_init(int dirfd, const struct cstate *st)
{
    int status = container_status(dirfd, st);
    if (status == ST_RUNNING) return fail("cannot start an already running container");
    if (status == ST_STOPPED) return fail("cannot start a container that has stopped");
    /* its init would exec frozen and start would wait for it (runc alike) */
    if (status == ST_PAUSED) return fail("cannot start a container in the paused state");
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    str_fmt(sa.sun_path, sizeof sa.sun_path, "/proc/self/fd/%d/%s", dirfd, EXEC_SOCK);
    int c = sys_socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) return failerr("socket");
    if (sys_connect(c, &sa) < 0) {
        close(c);
        return errno == ECONNREFUSED ? fail("cannot start a container that has stopped") : failerr("connect to init");
    }
    return c;
}

/* `start`, or the end of `run`: `c` is stage 0's socket to init when the
 * create's commit already said "start" (run), else -1 and start connects. */
static int start_locked(int dirfd, const struct cstate *st, int c)
{
    int via_sock = c < 0;
    if (via_sock && (c = connect_init(dirfd, st)) < 0) return -1;
    /* init closes the connection by exec (CLOEXEC) or writes why it
     * failed.  A stopped init (SIGSTOP, or a tracer's stop) would keep
     * start waiting without bound (runc's waits until the init goes on):
     * the start is its, and it runs the process once continued (its
     * poststart hooks are not run, and what fails then goes unreported);
     * start says so and ends, unless the answer came in meanwhile. */
    char msg[1024], s, stopped = 0;
    size_t got = 0;
    ssize_t n = 1;
    uint64_t t;
    while (got < sizeof msg - 1 && n && !stopped) {
        struct pollfd pf = { c, POLLIN, 0 };
        int p = poll(&pf, 1, 1000);
        if (p == 0)
            stopped = proc_stat(st->pid, &t, &s) == 0 && t == st->starttime && (s | 32) == 't' && poll(&pf, 1, 0) == 0;
        if (p <= 0) continue;
        if ((n = sys_read(c, msg + got, sizeof msg - 1 - got)) > 0) got += (size_t)n;
        else if (errno != EINTR) n = 0;
    }
    close(c);
    msg[got] = 0;
    if (via_sock && unlinkat(dirfd, EXEC_SOCK, 0) < 0 && errno != ENOENT) return failerr("remove %s", EXEC_SOCK);
    if (stopped) return fail("container init is stopped: the process starts once it goes on (SIGCONT)");
    /* run's connection is the stage socket, where init's own end (an
     * error before it could start: stage_main) is a framed MSG_ERROR */
    const char *why = msg;
    struct msg_hdr h;
    if (!via_sock && got >= sizeof h && (memcpy(&h, msg, sizeof h), h.magic == MSG_MAGIC))
        why = h.type == MSG_ERROR ? msg + sizeof h : "it sent a message out of turn";
    if (got) return fail("container init failed to start the process: %s", why);
    phase("started: the process runs");
    /* a poststart hook that fails fails the start and stops the container,
     * as runc does (and runtime-spec since 1.2.1; 1.2.0 asked a warning) */
    struct oci_spec spec;
    int r = 0;
    if ((st->late_hooks & (1 << HOOK_POSTSTART)) && load_bundle_spec(dirfd, st, &spec) == 0) {
        if ((r = run_late_hooks(st, HOOK_POSTSTART, "running", &spec, st->bundle)) < 0) signal_all(st, SIGKILL);
        spec_free(&spec);
    }
    return r;
}

/* `force`: 1, or DELETE_RUN_END, a `run`'s own delete (forced): its
 * poststop hooks run in the bundle directory, where runc's run is; a
 * delete's where the command runs (runc's delete does not enter the
 * bundle, which may be gone by then). */
#define DELETE_RUN_END 2
static int delete_locked(int rootfd, int dirfd, const struct cstate *st, int force)
{
    int status = container_status(dirfd, st);
    if ((status == ST_RUNNING || status == ST_PAUSED) && !force)
        return fail("cannot delete container %s that is not stopped: %s", st->id, status_names[status]);
    if (status != ST_STOPPED) {
        if (signal_all(st, SIGKILL) < 0 && err_code != OCIRUN_E_NOT_RUNNING) return -1;
        /* a frozen process takes its SIGKILL only once thawed */
        if (status == ST_PAUSED && cg_set_frozen(st->cgroups, 0) < 0) return -1;
        if (wait_process_gone(st) < 0) return -1;
    }
    if (OCIRUN_SYSTEMD && st->unit[0] && sd_stop_unit(st->unit, st->unit_user) < 0) return -1;
    if (st->cgroups) {
        struct cgroup *cg = cg_new();
        cg_from_list(cg, st->cgroups);
        /* a cgroup create found there may hold others' processes: not
         * emptied, as runc does not, and removed only if it is empty */
        for (int i = 0; i < cg->n; i++)
            if (!list_has(st->cg_found, "\n", cg->dir[i], strlen(cg->dir[i]))) cg->made |= 1u << i;
        if (cg_remove(cg, 1, !st->cg_found) < 0) warnf("delete %s: %s", st->id, err_msg);
        cg_free(cg);
    }
    struct oci_spec spec;
    int have_spec = (st->late_hooks & (1 << HOOK_POSTSTOP)) && load_bundle_spec(dirfd, st, &spec) == 0;
    if (state_dir_remove(rootfd, st->id) < 0) {
        if (have_spec) spec_free(&spec);
        return -1;
    }
    if (have_spec) {
        run_late_hooks(st, HOOK_POSTSTOP, "stopped", &spec, force == DELETE_RUN_END ? st->bundle : NULL);
        spec_free(&spec);
    }
    return 0;
}

/* --- the lifecycle calls (the commands' and runtime.h's) --- */

/* Rootless, as runc's cgroup manager tells (--rootless auto): not root,
 * or root of a user namespace (rootless podman's, an unprivileged LXC
 * container's), where the cgroups may not be ours to make. */
static int running_rootless(void)
{
    static int known = -1;   /* a fact of this process: asked once */
    if (known < 0) known = caller_euid() != 0 || in_user_namespace();
    return known;
}

/* The state root when --root is not given: OCIRUN_DEFAULT_ROOT for root;
 * rootless, $XDG_RUNTIME_DIR/ocirun, as runc.  A user without it gets ""
 * (an error when used): never a directory in world-writable /tmp, which
 * another user could make first. */
static const char *default_root(void)
{
    const char *xdg = env_get(environ, "XDG_RUNTIME_DIR"), *u = env_get(environ, "USER");
    /* (runc's XDG rule: root of a user namespace is a user unless $USER says root) */
    if (!running_rootless() || (caller_euid() == 0 && u && !strcmp(u, "root"))) return OCIRUN_DEFAULT_ROOT;
    if (xdg && xdg[0] == '/' && str_fmt(xdg_root, sizeof xdg_root, "%s/ocirun", xdg) < (int)sizeof xdg_root) return xdg_root;
    return caller_euid() != 0 ? "" : OCIRUN_DEFAULT_ROOT;
}

static const char *root_or_default(const char *root) { return root ? root : default_root(); }

/* The fds kept for the process (3 to 3 + n - 1, the first `listen` of
 * them socket activation's) must all be open: a gap would hand on
 * whatever the runtime opened there meanwhile (runc's own fds, in runc). */
static int check_kept_fds(int n, int listen)
{
    for (int fd = 3; fd < 3 + n; fd++)
        if (sys_fcntl(fd, F_GETFD, 0) < 0) return fail("%s: fd %d is not open", fd < 3 + listen ? "LISTEN_FDS" : "--preserve-fds", fd);
    return 0;
}

static int create_container(const char *root, const char *id, const struct ocirun_create_opts *o)
{
    if (o && (o->preserve_fds < 0 || o->preserve_fds > 65536))   /* (the command's bound) */
        return fail("preserve_fds: %d is not in [0, 65536]", o->preserve_fds);
    if (o && check_kept_fds(o->preserve_fds, 0) < 0) return -1;
    struct create_req r;
    memset(&r, 0, sizeof r);
    r.root = root_or_default(root), r.id = id;
    if (o) r.bundle = o->bundle, r.pid_file = o->pid_file, r.no_pivot = o->no_pivot, r.preserve_fds = o->preserve_fds;
    struct cstate st;
    struct fg_io io;
    int dirfd;
    if (stage0_create(&r, &st, &dirfd, &io, NULL, NULL) < 0) return -1;
    fg_io_close(&io);
    close(dirfd);
    cstate_free(&st);
    return 0;
}

static int start_container(const char *root, const char *id)
{
    int rootfd, dirfd, r = -1;
    struct cstate st;
    if (open_container(root_or_default(root), id, &rootfd, &dirfd, &st) == 0) r = start_locked(dirfd, &st, -1);
    close_container(rootfd, dirfd, &st);
    return r;
}

static int kill_container(const char *root, const char *id, int sig, int all)
{
    int rootfd, dirfd, r = -1;
    struct cstate st;
    /* without the state's hold, as runc kills: a start or exec whose hook
     * hangs holds it (the pid is checked by its start time) */
    if (open_container_as(root_or_default(root), id, &rootfd, &dirfd, &st, HOLD_TRUST) == 0) {
        int status = container_status(dirfd, &st);
        if (status == ST_STOPPED) r = all ? signal_leftovers(&st, sig) : fail_as(OCIRUN_E_NOT_RUNNING, "container not running");
        else r = all ? signal_all(&st, sig) : signal_process(st.pid, st.starttime, sig);
        /* frozen processes take a signal only once thawed: runc thaws for
         * SIGKILL, and after any kill --all (it freezes, signals, thaws) */
        if (r == 0 && status == ST_PAUSED && (sig == SIGKILL || all)) r = cg_set_frozen(st.cgroups, 0);
    }
    close_container(rootfd, dirfd, &st);
    return r;
}

static int delete_container(const char *root, const char *id, int force)
{
    int rootfd, dirfd, r = -1;
    struct cstate st;
    /* --force ends the processes before it waits for the state's hold: a
     * start or exec whose hook hangs holds it (runc kills at once) */
    if (force && kill_container(root, id, SIGKILL, 1) < 0) { /* (the locked delete below says why) */ }
    if (open_container(root_or_default(root), id, &rootfd, &dirfd, &st) == 0) {
        r = delete_locked(rootfd, dirfd, &st, force);
    } else if (rootfd >= 0 && dirfd >= 0 && err_code == OCIRUN_E_DAMAGED && force) {
        /* what a killed create made, or what a damaged state named: its
         * journal knows the processes, cgroups and unit */
        if (journal_read(dirfd, id, &st) == 0) {
            warnf("%s: its state is damaged or was never written; removing what its journal records", id);
            r = delete_locked(rootfd, dirfd, &st, 1);
        } else if (errno == ENOENT) {
            warnf("%s: its state is damaged and it has no journal: only its state directory is removed", id);
            r = state_dir_remove(rootfd, id);
        }
    } else if (rootfd >= 0 && dirfd >= 0 && err_code == OCIRUN_E_NOT_FOUND) {
        /* an aborted create left a directory without state.json: like runc,
         * remove it, and succeed only with --force */
        char saved[sizeof err_msg];
        memcpy(saved, err_msg, sizeof saved);
        r = state_dir_remove(rootfd, id);
        if (r == 0 && !force) r = -1, memcpy(err_msg, saved, sizeof saved);
    }
    if (r < 0 && force && err_code == OCIRUN_E_NOT_FOUND) r = 0;
    close_container(rootfd, dirfd, &st);
    return r;
}

static int container_state(const char *root, const char *id, struct ocirun_state *out)
{
    int rootfd, dirfd, r = -1;
    struct cstate st;
    memset(&st, 0, sizeof st);
    if (open_container_ro(root_or_default(root), id, &rootfd, &dirfd, &st) == 0) {
        int status = container_status(dirfd, &st);
        memset(out, 0, sizeof *out);
        str_copy(out->id, sizeof out->id, st.id);
        str_copy(out->status, sizeof out->status, status_names[status]);
        out->pid = status == ST_STOPPED ? 0 : st.pid;
        str_copy(out->bundle, sizeof out->bundle, st.bundle);
        r = 0;
    }
    close_container(rootfd, dirfd, &st);
    return r;
}

/* --- public API (runtime.h) --- */

/* A call runs as the command would, inside a host program whose signals
 * are its own; so for the call's length SIGCHLD is held and at its default
 * (a handler that reaps every child, or SIGCHLD ignored, would take the
 * stages' exit statuses; one that arrives meanwhile is delivered after),
 * and SIGPIPE ignored (a hook that closes its stdin would end the host
 * program).  Then the host's come back.  The ocirun binary owns its
 * signals (own_signals) and needs none of this. */
#ifdef OCIRUN_NO_MAIN
struct host_signals { sigset_t mask; struct sigaction chld, pipe; };

static void api_enter(struct host_signals *h)
{
    struct sigaction dfl, ign;
    sigset_t chld;
    memset(&dfl, 0, sizeof dfl), memset(&ign, 0, sizeof ign);
    dfl.sa_handler = SIG_DFL, ign.sa_handler = SIG_IGN;
    sigemptyset(&chld), sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, &h->mask);
    sigaction(SIGCHLD, &dfl, &h->chld);
    sigaction(SIGPIPE, &ign, &h->pipe);
}

static int api_leave(const struct host_signals *h, int r)
{
    if (r == 0) err_code = OCIRUN_E_NONE, err_msg[0] = 0;   /* (what failed on the way to a success is no failure) */
    sigaction(SIGCHLD, &h->chld, NULL);
    sigaction(SIGPIPE, &h->pipe, NULL);
    sigprocmask(SIG_SETMASK, &h->mask, NULL);
    return r;
}
#define API_CALL(call) do { struct host_signals h_; api_enter(&h_); return api_leave(&h_, (call)); } while (0)
#else
#define API_CALL(call) return (call)
#endif

int ocirun_create(const char *root, const char *id, const struct ocirun_create_opts *o) { API_CALL(create_container(root, id, o)); }
int ocirun_start(const char *root, const char *id) { API_CALL(start_container(root, id)); }
int ocirun_kill(const char *root, const char *id, int sig, int all) { API_CALL(kill_container(root, id, sig, all)); }
int ocirun_delete(const char *root, const char *id, int force) { API_CALL(delete_container(root, id, force)); }
int ocirun_state(const char *root, const char *id, struct ocirun_state *out) { API_CALL(container_state(root, id, out)); }

/* --- the commands --- */

/* The global options, and the exit status a failure of the command gets:
 * 1, but 255 for exec (runc's "exec failed") and 3 for an unknown
 * command (urfave/cli's). */
struct cli { const char *root; int rootless; int fail_status; int systemd; const char *criu; };

/* The flags of the smaller commands: one struct, each command's table
 * naming its own. */
struct small_flags { const char *format, *interval, *bundle; int all, force, quiet, stats, rootless; };
#define SMF(field) FLAG_AT(struct small_flags, field)
static const struct flag format_flags[] = { { "format", 'f', 'n', SMF(format) }, { "quiet", 'q', 'b', SMF(quiet) } };
static const struct flag events_flags[] = { { "stats", 0, 'b', SMF(stats) }, { "interval", 0, 'n', SMF(interval) } };
static const struct flag kill_flags[] = { { "all", 'a', 'b', SMF(all) } };
static const struct flag delete_flags[] = { { "force", 'f', 'b', SMF(force) } };
static const struct flag spec_flags[] = { { "bundle", 'b', 's', SMF(bundle) }, { "rootless", 0, 'b', SMF(rootless) } };

/* Flags shared by create and run. */
struct create_flags {
    const char *bundle, *pid_file, *console, *preserve;
    int no_pivot, no_new_keyring, detach, no_subreaper, keep;
};

#define CRF(field) FLAG_AT(struct create_flags, field)
static const struct flag create_flag_defs[] = {
    { "bundle", 'b', 's', CRF(bundle) }, { "pid-file", 0, 's', CRF(pid_file) }, { "console-socket", 0, 's', CRF(console) },
    { "preserve-fds", 0, 'n', CRF(preserve) }, { "no-pivot", 0, 'b', CRF(no_pivot) },
    { "no-new-keyring", 0, 'b', CRF(no_new_keyring) },
    { "no-subreaper", 0, 'b', CRF(no_subreaper) }, { "detach", 'd', 'b', CRF(detach) }, { "keep", 0, 'b', CRF(keep) },   /* (the last three: run only) */
};

/* Socket activation (sd_listen_fds(3)): LISTEN_FDS fds from 3 on, meant
 * for this very process (LISTEN_PID), as systemd passes them to a socket
 * unit's service and conmon --replace-listen-pid to the runtime.  runc
 * gives them to the container's process as its fds 3.. (before those of
 * --preserve-fds) with LISTEN_FDS=N and LISTEN_PID=1; anything else in
 * the two variables means none. */
static int listen_fds_for_us(void)
{
    const char *pid = env_get(environ, "LISTEN_PID"), *n = env_get(environ, "LISTEN_FDS");
    int p, k;
    if (!pid || !n || parse_int(pid, &p) < 0 || p != getpid() || parse_int(n, &k) < 0 || k < 0 || k > 65536) return 0;
    return k;
}

static int create_req_from(const struct cli *c, const char *id, const struct create_flags *f, struct create_req *r)
{
    memset(r, 0, sizeof *r);
    r->root = c->root, r->id = id, r->bundle = f->bundle, r->pid_file = f->pid_file, r->no_pivot = f->no_pivot;
    r->rootless = c->rootless, r->systemd = c->systemd;
    r->console_socket = f->console, r->no_new_keyring = f->no_new_keyring;
    int64_t n = 0;
    if (f->preserve && flag_int("preserve-fds", f->preserve, 0, 65536, &n) < 0) return -1;
    r->preserve_fds = (int)n, r->listen_fds = listen_fds_for_us(), r->preserve_fds += r->listen_fds;
    if (check_kept_fds(r->preserve_fds, r->listen_fds) < 0) return -1;
    /* nothing else the caller left open may reach the container */
    return cloexec_fds_from(3 + r->preserve_fds, 1);
}

static int cmd_create(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { create_flag_defs, ARRAY_LEN(create_flag_defs) - 3, 1, 1,
                                          "[--bundle DIR] [--pid-file FILE] [--no-pivot] [--preserve-fds N] <container-id>" };
    struct create_flags f = {0};
    struct create_req r;
    int i = parse_command(&syntax, argc, argv, &f);
    if (i < 0 || create_req_from(c, argv[i], &f, &r) < 0) return -1;
    struct cstate st;
    struct fg_io io;
    int dirfd;
    if (stage0_create(&r, &st, &dirfd, &io, NULL, NULL) < 0) return -1;
    fg_io_close(&io);
    close(dirfd);
    cstate_free(&st);
    return 0;
}

/* (start, state, pause and resume: no flags, the id alone) */
static const struct syntax id_syntax = { NULL, 0, 1, 1, "<container-id>" };

static int cmd_start(const struct cli *c, int argc, char **argv)
{
    int i = parse_command(&id_syntax, argc, argv, NULL);
    return i < 0 ? -1 : start_container(c->root, argv[i]);
}

/* Foreground `run`: wait for init (relaying signals), clean up, and return
 * its exit status the way a shell reports it.  With --keep (runc's) the
 * stopped container stays, state, cgroup and all, until a `delete`.
 * `dirfd` (or -1) is the state directory create made, open still (and
 * unlocked: others may act on the container meanwhile): the delete goes
 * through it rather than the id, which, were the container deleted
 * meanwhile, might name a new one by now. */
static int run_foreground(const struct cli *c, const char *id, pid_t pid, struct fg_io *io, int keep, int *exit_status,
                          int rootfd, int dirfd, const struct cstate *st)
{
    if (fg_wait(io, pid, exit_status) < 0) return -1;
    phase("the process exited");
    if (keep) return 0;
    int r;
    if (dirfd < 0) r = delete_container(c->root, id, 1);
    else if ((r = state_dir_lock_live(dirfd, id, wait_limit_ms(LOCK_WAIT_MS))) == 0) r = delete_locked(rootfd, dirfd, st, DELETE_RUN_END);
    else if (err_code == OCIRUN_E_NOT_FOUND) r = 0;   /* a delete came first */
    if (r == 0) phase("deleted: processes, cgroups and state gone");
    return r;
}

static int cmd_run(const struct cli *c, int argc, char **argv, int *exit_status)
{
    static const struct syntax syntax = { create_flag_defs, ARRAY_LEN(create_flag_defs), 1, 1,
                                          "[-d] [--bundle DIR] [--pid-file FILE] <container-id>" };
    struct create_flags f = {0};
    struct create_req r;
    int i = parse_command(&syntax, argc, argv, &f);
    if (i < 0 || create_req_from(c, argv[i], &f, &r) < 0) return -1;
    struct cstate st;
    struct fg_io io;
    int dirfd, rootfd;
    r.foreground = !f.detach, r.start_now = 1;
    if (r.foreground) hold_relayed_signals();
    int startfd;
    if (stage0_create(&r, &st, &dirfd, &io, &startfd, &rootfd) < 0) return -1;
    int rc = start_locked(dirfd, &st, startfd);
    if (rc < 0) {   /* what we made goes (still locked), the error stays the start's */
        char saved[sizeof err_msg];
        memcpy(saved, err_msg, sizeof saved);
        delete_locked(rootfd, dirfd, &st, DELETE_RUN_END);
        if (r.pid_file) unlink(r.pid_file);   /* (it named a process that is gone) */
        memcpy(err_msg, saved, sizeof saved);
    } else if (!f.detach) {
        sys_flock(dirfd, LOCK_UN);   /* others may act on the container while it runs */
        rc = run_foreground(c, r.id, st.pid, &io, f.keep, exit_status, rootfd, dirfd, &st);
    }
    fg_io_close(&io);
    close(dirfd);
    close(rootfd);
    cstate_free(&st);
    return rc;
}

/* exec's flags: most land in the request itself */
struct exec_flags { struct exec_req e; const char *preserve; };
#define EXF(field) FLAG_AT(struct exec_flags, field)
static const struct flag exec_flag_defs[] = {
    { "process", 'p', 's', EXF(e.process_file) }, { "tty", 't', 'b', EXF(e.tty) }, { "env", 'e', 'l', EXF(e.env) },
    { "cwd", 0, 's', EXF(e.cwd) }, { "user", 'u', 's', EXF(e.user) }, { "additional-gids", 'g', 'l', EXF(e.gids) },
    { "cap", 'c', 'l', EXF(e.caps) }, { "no-new-privs", 0, 'b', EXF(e.no_new_privs) }, { "detach", 'd', 'b', EXF(e.detach) },
    { "pid-file", 0, 's', EXF(e.pid_file) }, { "console-socket", 0, 's', EXF(e.console_socket) },
    { "preserve-fds", 0, 'n', EXF(preserve) }, { "process-label", 0, 's', EXF(e.label) },
    { "apparmor", 0, 's', EXF(e.apparmor) }, { "ignore-paused", 0, 'b', EXF(e.ignore_paused) },
    { "cgroup", 0, 'l', EXF(e.cgroups) },
};

static int cmd_exec(const struct cli *c, int argc, char **argv, int *exit_status)
{
    static const struct syntax syntax = { exec_flag_defs, ARRAY_LEN(exec_flag_defs), 1, ANY_ARGS,
                                          "[options] <container-id> [command [args...]]" };
    struct exec_flags f;
    struct exec_req *e = &f.e;
    memset(&f, 0, sizeof f);
    e->no_new_privs = -1;   /* (not given: the config's; given, even false, it wins, as in runc) */
    int i = parse_command(&syntax, argc, argv, &f);
    if (i < 0) return -1;
    e->root = c->root;
    e->id = argv[i];
    e->args = argv + i + 1;
    e->nargs = argc - i - 1;
    for (int k = 0; k < e->env.n; k++)
        if (!str_chr(e->env.v[k], '=') || e->env.v[k][0] == '=') return fail("--env: expected KEY=value, got \"%s\"", e->env.v[k]);
    int64_t n = 0;
    if (f.preserve && flag_int("preserve-fds", f.preserve, 0, 65536, &n) < 0) return -1;
    e->preserve_fds = (int)n;
    if (check_kept_fds(e->preserve_fds, 0) < 0 || cloexec_fds_from(3 + e->preserve_fds, 1) < 0) return -1;
    if (!e->detach) hold_relayed_signals();
    return stage0_exec(e, exit_status);
}

/* Field `idx` (0-based, separated by blanks) of `line` into `out`; -1
 * when the line has fewer fields. */
static int field_at(const char *line, int idx, char *out, size_t size)
{
    for (int k = 0;; k++) {
        line += str_span(line, " \t", 1);
        size_t w = str_span(line, " \t", 0);
        if (!w) return -1;
        if (k == idx) { str_fmt(out, size, "%.*s", (int)(w < size ? w : size - 1), line); return 0; }
        line += w;
    }
}

/* The table of `ps ID [ps options]`, as runc makes it: the host's ps with
 * the options (default -ef), its header, and the lines whose PID column
 * holds one of the container's pids. */
static int ps_table(const int *pids, int n, int argc, char **args, struct buf *b)
{
    char path[PATH_MAX], field[32], *argv[66], *dflt[] = { "ps", "-ef", NULL };
    int status, col = 0;
    if (argc > 64) return fail("ps: too many ps options");
    argv[0] = "ps";
    for (int k = 0; k < argc; k++) argv[k + 1] = args[k];
    argv[argc + 1] = NULL;
    if (find_executable("ps", environ, path) < 0) return fail("ps: no ps in $PATH (the procps package)");
    struct buf o = {0};
    int r = run_captured(path, argc ? argv : dflt, 1, 64u << 20, 30, &o, &status);
    if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
        r = fail("ps: exit status %d: %.300s", WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), o.p);
    char *save, *line = r == 0 ? str_tok(o.p, "\n", &save) : NULL;
    while (r == 0 && !(field_at(line ? line : "", col, field, sizeof field) == 0 && !strcmp(field, "PID")))
        if (field_at(line ? line : "", col++, field, sizeof field) < 0) r = fail("couldn't find PID field in ps output");
    if (r == 0) buf_printf(b, "%s\n", line);
    while (r == 0 && (line = str_tok(NULL, "\n", &save))) {
        int pid;
        if (field_at(line, col, field, sizeof field) < 0 || parse_int(field, &pid) < 0) {
            r = fail("unable to parse pid: \"%s\"", field_at(line, col, field, sizeof field) < 0 ? "" : field);
            break;
        }
        for (int k = 0; k < n; k++)
            if (pids[k] == pid) { buf_printf(b, "%s\n", line); break; }
    }
    buf_free(&o);
    return r;
}

/* `ps`: the container's processes; json is runc's array of pids. */
static int cmd_ps(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { format_flags, 1, 1, ANY_ARGS, "[--format table|json] <container-id> [ps options]" };
    int rootfd, dirfd, r = -1, *pids = NULL, n;
    struct small_flags f = { .format = "table" };
    struct cstate st;
    int i = parse_command(&syntax, argc, argv, &f);
    if (i < 0) return -1;
    const char *format = f.format;
    if (strcmp(format, "table") && strcmp(format, "json"))
        return fail("ps: invalid format \"%s\" (table or json)", format), fail_missing_first(c->root, argv[i]);
    if (open_container_ro(c->root, argv[i], &rootfd, &dirfd, &st) == 0) {
        struct pidlist left = {0};   /* stopped: what its cgroup still holds, as runc lists (signal_leftovers) */
        if (container_status(dirfd, &st) == ST_STOPPED) n = cgroup_pids(&st, &left) < 0 ? 0 : left.n, pids = left.v;
        else n = container_pids(&st, &pids);
        r = n < 0 ? -1 : 0;
        struct buf b = {0};
        if (!strcmp(format, "json")) {   /* none: null, Go's empty slice (runc) */
            for (int k = 0; k < n; k++) buf_printf(&b, "%s%d", k ? "," : "[", pids[k]);
            buf_puts(&b, n ? "]\n" : "null\n");
        } else if (r == 0) {
            r = ps_table(pids, n, argc - i - 1, argv + i + 1, &b);
        }
        if (r == 0) r = write_out(b.p, b.len);
        buf_free(&b);
    }
    xfree(pids);
    close_container(rootfd, dirfd, &st);
    return r;
}

/* --memory, --memory-swap and --memory-reservation as runc reads them
 * (go-units' RAMInBytes): digits, one space allowed, then k, m, g, t or p
 * (powers of 1024), an "i", a "b", each optional and in any case; "-1" is
 * unlimited.  runc also takes a fraction ("0.5g"), refused here: exact,
 * it needs arithmetic that would cost a router build 250 bytes.  The
 * other numeric flags are integers: `units` 0, signed (strconv's ParseInt:
 * --cpu-quota below 0 is unlimited, as in the kernel), or 2, unsigned
 * (ParseUint: runc refuses "-1" for --cpu-share, --cpu-period and
 * --cpu-rt-period). */
static int parse_size(const char *flag, const char *v, int64_t *out, int units)
{
    static const char unit[] = "kmgtp";
    uint64_t n = 0;
    const char *p = v, *u;
    int shift = 0;   /* (in units of 10 bits) */
    if (units != 1 || !strcmp(v, "-1")) {
        p = scan_i64(v, out);
        if (p && p != v && !*p && (units != 2 || (*out >= 0 && *v != '+'))) return 0;
        goto bad;
    }
    for (; *p >= '0' && *p <= '9' && n <= INT64_MAX / 10; p++) n = n * 10 + (uint64_t)(*p - '0');
    if (p == v || n > INT64_MAX) goto bad;
    p += *p == ' ';
    if (*p && (u = str_chr(unit, *p | 32))) shift = (int)(u - unit + 1), p++;
    p += (*p | 32) == 'i';
    p += (*p | 32) == 'b';
    if (*p) goto bad;
    /* (by 1024 at a time: a 64-bit shift by a variable calls libgcc on
     * 32-bit CPUs) */
    for (; shift > 0; shift--, n <<= 10)
        if (n > (uint64_t)INT64_MAX >> 10) goto bad;
    *out = (int64_t)n;
    return 0;
bad:
    return fail("update: --%s: invalid value \"%s\"", flag, v);
}

/* the numeric flags first: num[k] is the value of flag k, for field[k] */
struct update_flags { const char *num[9], *res, *cpus, *mems, *blkio, *kmem[2], *rdt; };
#define UF(field) FLAG_AT(struct update_flags, field)
static const struct flag update_flag_defs[] = {
    { "memory", 0, 's', UF(num[0]) }, { "memory-swap", 0, 's', UF(num[1]) }, { "memory-reservation", 0, 's', UF(num[2]) },
    { "cpu-share", 0, 's', UF(num[3]) }, { "cpu-quota", 0, 's', UF(num[4]) }, { "cpu-period", 0, 's', UF(num[5]) },
    { "pids-limit", 0, 'n', UF(num[6]) }, { "cpu-rt-period", 0, 's', UF(num[7]) }, { "cpu-rt-runtime", 0, 's', UF(num[8]) },
    { "resources", 'r', 's', UF(res) }, { "cpuset-cpus", 0, 's', UF(cpus) }, { "cpuset-mems", 0, 's', UF(mems) },
    { "blkio-weight", 0, 'n', UF(blkio) }, { "kernel-memory", 0, 's', UF(kmem[0]) }, { "kernel-memory-tcp", 0, 's', UF(kmem[1]) },
    { "l3-cache-schema", 0, 's', UF(rdt) }, { "mem-bw-schema", 0, 's', UF(rdt) },
};

static int cmd_update(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { update_flag_defs, ARRAY_LEN(update_flag_defs), 1, 1, "[options] <container-id>" };
    int rootfd, dirfd, r = -1, looked = 0;
    struct cstate st;
    struct update_flags u;
    char blkio_json[64];
    memset(&u, 0, sizeof u);
    const char *res, *cpus, *mems, *blkio, *rdt, *const *num = u.num;
    int i = parse_command(&syntax, argc, argv, &u);
    if (i < 0) return -1;
    res = u.res, cpus = u.cpus, mems = u.mems, blkio = u.blkio, rdt = u.rdt;
    /* (the integer flags are checked whatever else is given, as runc's
     * flag library reads them first) */
    int64_t n, w = 0;
    if ((num[6] && flag_int("pids-limit", num[6], -INT64_MAX, INT64_MAX, &n) < 0) ||
        (blkio && flag_int("blkio-weight", blkio, 0, 65535, &w) < 0))
        return -1;
    if (rdt) return fail("update: Intel RDT (--l3-cache-schema, --mem-bw-schema) is not supported by ocirun"), fail_missing_first(c->root, argv[i]);
    for (int k = 0; k < 2 && !res; k++)
        if (u.kmem[k] && parse_size(update_flag_defs[13 + k].name, u.kmem[k], &n, 1) < 0) return fail_missing_first(c->root, argv[i]);
    if ((u.kmem[0] || u.kmem[1]) && !res) warnf("Kernel memory settings are ignored and will be removed");
    struct oci_spec s;
    memset(&s, 0, sizeof s);
    resources_init(&s.res);
    char *text = NULL;
    size_t len = 0;
    if (res) {
        if (!strcmp(res, "-") ? read_fd_all(0, "stdin", MAX_CONFIG_SIZE, &text, &len) < 0
                              : read_file_at(AT_FDCWD, res, MAX_CONFIG_SIZE, &text, &len) < 0)
            return err_prefix("update --resources"), fail_missing_first(c->root, argv[i]);
        const struct jv *v = json_parse(text, len, &s.arena);
        /* null: nothing to change (runc decodes it so) */
        if (!v || (v->type != J_NULL && parse_resources(v, &s) < 0)) { err_prefix("update --resources %s", res); goto out; }
    }
    /* with --resources the other flags say nothing (runc ignores them) */
    int64_t *const field[9] = { &s.res.mem_limit, &s.res.mem_swap, &s.res.mem_reservation, &s.res.cpu_shares, &s.res.cpu_quota,
                                &s.res.cpu_period, &s.res.pids_limit, &s.res.cpu_rt_period, &s.res.cpu_rt_runtime };
    for (int k = 0; k < 9 && !res; k++)
        if (num[k] && (k == 6 ? flag_int("pids-limit", num[k], -INT64_MAX, INT64_MAX, field[k]) : parse_size(update_flag_defs[k].name, num[k], field[k], k < 3 ? 1 : k == 3 || k == 5 || k == 7 ? 2 : 0)) < 0)
            goto out;
    resources_zero_is_unset(&s.res);
    if (blkio && !res) {
        /* the flag is the one-field blockIO object the resources file would hold */
        const struct jv *v;
        str_fmt(blkio_json, sizeof blkio_json, "{\"weight\":%d}", (int)w);
        if (!(v = json_parse(blkio_json, strlen(blkio_json), &s.arena)) || parse_blockio(v) < 0) {
            err_prefix("update --blkio-weight %s", blkio);
            goto out;
        }
        s.res.blockio = v;
    }
    if (cpus && !res) s.res.cpus = cpus;
    if (mems && !res) s.res.mems = mems;
    looked = 1;
    if (open_container(c->root, argv[i], &rootfd, &dirfd, &st) < 0) { close_container(rootfd, dirfd, &st); goto out; }
    if (container_status(dirfd, &st) == ST_STOPPED) r = fail_as(OCIRUN_E_NOT_RUNNING, "container not running");
    else if (!st.cgroups) r = fail("container %s has no cgroup", argv[i]);
    else r = cg_update(st.cgroups, &s);   /* new device rules replace the old ones whole */
    /* systemd's copy of the limits, which a reload would write back */
    if (OCIRUN_SYSTEMD && r == 0 && st.unit[0]) r = sd_set_unit(st.unit, st.unit_user, &s.res);
    close_container(rootfd, dirfd, &st);
out:
    if (r < 0 && !looked) fail_missing_first(c->root, argv[i]);
    xfree(text);
    xfree(s.res.devs);
    arena_free(&s.arena);
    return r;
}

/* --- events --- */

/* runc's stats event, from whichever of v1's and v2's files exist: its
 * fields in its order, those it writes as omitempty left out when 0. */
static void stats_event(struct buf *b, const char *id, const char *cg)
{
    /* v1's user and system times are in USER_HZ ticks (runc takes 100) */
    long long cpu = cg_read_num(cg, "cpuacct.usage", NULL), user, sys, tick = 10000000;
    if (cpu >= 0) user = cg_read_num(cg, "cpuacct.stat", "user"), sys = cg_read_num(cg, "cpuacct.stat", "system");
    else if ((cpu = cg_read_num(cg, "cpu.stat", "usage_usec")) >= 0)
        cpu *= 1000, tick = 1000, user = cg_read_num(cg, "cpu.stat", "user_usec"), sys = cg_read_num(cg, "cpu.stat", "system_usec");
    else user = sys = 0;
    long long mem = cg_read_num(cg, "memory.usage_in_bytes", NULL), limit, max, failcnt;
    if (mem >= 0) {
        limit = cg_read_num(cg, "memory.limit_in_bytes", NULL), max = cg_read_num(cg, "memory.max_usage_in_bytes", NULL);
        failcnt = cg_read_num(cg, "memory.failcnt", NULL);
    } else {
        mem = cg_read_num(cg, "memory.current", NULL), limit = cg_read_num(cg, "memory.max", NULL);
        max = cg_read_num(cg, "memory.peak", NULL), failcnt = cg_read_num(cg, "memory.events", "max");
    }
    /* three objects: fields 0-2, 3-6 and 7-8, each opened by open[i / 3] */
    static const char keys[] = "total\0kernel\0user\0limit\0usage\0max\0failcnt\0current\0limit";
    static const char *const open[] = { ",\"data\":{\"cpu\":{\"usage\":{", "}},\"memory\":{\"usage\":{", "}},\"pids\":{" };
    long long v[9] = { cpu, sys * tick, user * tick, limit, mem, max, failcnt,
                       cg_read_num(cg, "pids.current", NULL), cg_read_num(cg, "pids.max", NULL) };
    const unsigned omitempty = 1 << 0 | 1 << 4 | 1 << 5 | 1 << 7 | 1 << 8;
    const char *k = keys, *sep = "";
    buf_puts(b, "{\"type\":\"stats\",\"id\":");
    json_str(b, id);
    for (int i = 0; i < 9; i++, k += strlen(k) + 1) {
        if (i == 0 || i == 3 || i == 7) buf_puts(b, open[i / 3]), sep = "";
        if (v[i] < 0) v[i] = 0;
        if (v[i] || !(omitempty >> i & 1)) buf_printf(b, "%s\"%s\":%lld", sep, k, v[i]), sep = ",";
    }
    buf_puts(b, "}}}\n");
}

static void oom_event(struct buf *b, const char *id)
{
    buf_puts(b, "{\"type\":\"oom\",\"id\":");
    json_str(b, id);
    buf_puts(b, "}\n");
}

/* A Go duration, as runc's --interval takes it ("5s", "1.5s", "250ms",
 * "1m30s", "500us"; a number alone is seconds), in milliseconds, rounded
 * up. */
static int parse_duration_ms(const char *s, uint64_t *ms)
{
    static const struct { const char *unit; uint64_t ns; } units[] = {   /* two-letter units first */
        { "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "h", 3600000000000ull }, { "m", 60000000000ull }, { "s", 1000000000 },
    };
    uint64_t total = 0;
    for (const char *p = s; *p;) {
        uint64_t whole = 0, frac = 0, scale = 1, ns = 1000000000;   /* no unit: seconds, if alone */
        const char *start = p;
        if (isdigit((unsigned char)*p) && !(p = scan_u64(p, 10, &whole))) return -1;
        if (*p == '.')
            for (p++; isdigit((unsigned char)*p); p++)
                if (scale < 1000000) frac = frac * 10 + (uint64_t)(*p - '0'), scale *= 10;
        if (p == start || (p == start + 1 && *start == '.')) return -1;
        size_t k = 0;
        while (k < ARRAY_LEN(units) && strncmp(p, units[k].unit, strlen(units[k].unit))) k++;
        if (k < ARRAY_LEN(units)) ns = units[k].ns, p += strlen(units[k].unit);
        else if (start != s || *p) return -1;
        uint64_t t;
        if (__builtin_mul_overflow(whole, ns, &t) || __builtin_add_overflow(t, total, &t) || t > UINT64_MAX / 2) return -1;
        total = t + udiv64(frac * ns, (uint32_t)scale);   /* frac < scale <= 10^6: fits */
    }
    if (!*s) return -1;
    *ms = udiv64(total + 999999, 1000000);
    return 0;
}

/* `events`: --stats prints one stats event; otherwise a stats event every
 * --interval and an oom event whenever the kernel OOM-kills in the
 * container, until the container stops (runc's JSON lines). */
static int cmd_events(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { events_flags, 2, 1, 1, "[--stats] [--interval N] <container-id>" };
    int rootfd, dirfd, r = 0;
    struct small_flags f = { .interval = "5" };
    struct cstate st;
    int i = parse_command(&syntax, argc, argv, &f);
    if (i < 0) return -1;
    const char *interval = f.interval;
    int stats = f.stats;
    uint64_t ms;
    int neg = interval[0] == '-';   /* (a sign is Go's too; below 0 is refused after the lookup) */
    if (parse_duration_ms(interval + (neg || interval[0] == '+'), &ms) < 0) return fail("events: invalid --interval \"%s\"", interval);
    if (!ms || neg) return fail("events: duration interval must be greater than 0"), fail_missing_first(c->root, argv[i]);
    if (open_container_ro(c->root, argv[i], &rootfd, &dirfd, &st) < 0) { close_container(rootfd, dirfd, &st); return -1; }
    if (!st.cgroups) r = fail("container %s has no cgroup", st.id);
    if (r == 0 && container_status(dirfd, &st) == ST_STOPPED)
        r = fail_as(OCIRUN_E_NOT_RUNNING, "container with id %s is not running", st.id);
    /* as runc: --stats once; else a stats event after each interval, and
     * an oom event as soon as one is seen (looked for every 100 ms),
     * until the container's process is gone */
    long long ooms = r == 0 ? oom_kills(st.cgroups) : 0, now;
    int64_t due = now_ms() + (int64_t)ms;   /* the next stats, on the monotonic clock */
    while (r == 0) {
        struct buf b = {0};
        int64_t left = due - now_ms();
        if (!stats) sleep_ms(left > 100 ? 100 : left > 0 ? (int)left : 0);
        if (!stats && (now = oom_kills(st.cgroups)) > ooms) oom_event(&b, st.id), ooms = now;
        if (stats || now_ms() >= due) {
            stats_event(&b, st.id, st.cgroups);
            due += (int64_t)ms;
            if (due <= now_ms()) due = now_ms() + (int64_t)ms;   /* none owed for a stall */
        }
        if (write_out(b.p, b.len) < 0) r = -1;
        buf_free(&b);
        if (stats || !process_alive(st.pid, st.starttime)) break;
    }
    close_container(rootfd, dirfd, &st);
    return r;
}

/* `pause` and `resume`: the cgroup freezer. */
static int cmd_freeze(const struct cli *c, int argc, char **argv, int freeze)
{
    int rootfd, dirfd, r = -1;
    struct cstate st;
    int i = parse_command(&id_syntax, argc, argv, NULL);
    if (i < 0) return -1;
    if (open_container(c->root, argv[i], &rootfd, &dirfd, &st) == 0) {
        int status = container_status(dirfd, &st);
        if (freeze && status != ST_RUNNING && status != ST_CREATED) r = fail_as(OCIRUN_E_NOT_RUNNING, "container not running");
        else if (!freeze && status != ST_PAUSED) r = fail("container not paused");
        else r = cg_set_frozen(st.cgroups, freeze);
    }
    close_container(rootfd, dirfd, &st);
    return r;
}

static int cmd_state(const struct cli *c, int argc, char **argv)
{
    int rootfd, dirfd, r = -1;
    struct cstate st;
    memset(&st, 0, sizeof st);
    int i = parse_command(&id_syntax, argc, argv, NULL);
    if (i < 0) return -1;
    if (open_container_ro(c->root, argv[i], &rootfd, &dirfd, &st) == 0) {
        struct buf b = {0}, out = {0};
        state_to_json(&b, &st, container_status(dirfd, &st), "");
        json_indent(&out, b.p, b.len, "  ");   /* as runc prints it (no newline at the end either) */
        r = write_out(out.p, out.len);
        buf_free(&b), buf_free(&out);
    }
    close_container(rootfd, dirfd, &st);
    return r;
}

static int cmd_kill(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { kill_flags, 1, 1, 2, "[--all] <container-id> [signal]" };
    int sig = SIGTERM;
    struct small_flags f = {0};
    int i = parse_command(&syntax, argc, argv, &f);
    if (i < 0) return -1;
    if (argc - i == 2 && argv[i + 1][0] && parse_signal(argv[i + 1], &sig) < 0) return fail_missing_first(c->root, argv[i]);
    return kill_container(c->root, argv[i], sig, f.all);
}

static int cmd_delete(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { delete_flags, 1, 1, 1, "[--force] <container-id>" };
    struct small_flags f = {0};
    int i = parse_command(&syntax, argc, argv, &f);
    return i < 0 ? -1 : delete_container(c->root, argv[i], f.force);
}

struct list_row { struct cstate st; int status; char owner[40]; };

static void print_table(struct buf *out, const struct list_row *rows, size_t n)
{
    static const char *const head[] = { "ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER" };
    size_t w[6];
    char pid[16];
    for (int k = 0; k < 6; k++) w[k] = strlen(head[k]);
    for (size_t i = 0; i < n; i++) {
        const char *cell[] = { rows[i].st.id, pid, status_names[rows[i].status], rows[i].st.bundle, rows[i].st.created };
        str_fmt(pid, sizeof pid, "%d", rows[i].status == ST_STOPPED ? 0 : (int)rows[i].st.pid);
        for (int k = 0; k < 5; k++) if (strlen(cell[k]) > w[k]) w[k] = strlen(cell[k]);
    }
    for (int k = 0; k < 6; k++) w[k] = w[k] + 3 < 12 ? 12 : w[k] + 3;
    buf_printf(out, "%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], head[0], (int)w[1], head[1], (int)w[2], head[2], (int)w[3], head[3],
           (int)w[4], head[4], head[5]);
    for (size_t i = 0; i < n; i++) {
        str_fmt(pid, sizeof pid, "%d", rows[i].status == ST_STOPPED ? 0 : (int)rows[i].st.pid);
        buf_printf(out, "%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], rows[i].st.id, (int)w[1], pid, (int)w[2],
               status_names[rows[i].status], (int)w[3], rows[i].st.bundle, (int)w[4], rows[i].st.created, rows[i].owner);
    }
}

static int cmd_list(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { format_flags, 2, 0, 0, "[--format table|json] [-q]" };
    struct small_flags f = { .format = "table" };
    if (parse_command(&syntax, argc, argv, &f) < 0) return -1;
    const char *format = f.format;
    int quiet = f.quiet;
    if (strcmp(format, "table") && strcmp(format, "json")) return fail("list: invalid format \"%s\" (table or json)", format);
    struct list_row *rows = NULL;
    size_t n = 0, cap = 0;
    int rootfd = state_root_open(c->root, 0, 0);
    if (rootfd == -1) return -1;
    struct dir_iter d;
    const char *name;
    char owner[sizeof rows->owner];
    uid_t owner_uid = (uid_t)-1;
    dir_start(&d, rootfd);
    while (rootfd >= 0 && (name = dir_next(&d))) {
        if (name[0] == '.' || validate_id(name) < 0) continue;
        int dfd = sys_openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (dfd < 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            struct list_row *nr = xcalloc(cap, sizeof *nr);
            if (rows) memcpy(nr, rows, n * sizeof *nr);
            xfree(rows);
            rows = nr;
        }
        /* the owner: the user whose the container's directory is, by name
         * (the host's /etc/passwd, read again only for another uid), else
         * "#uid", as runc */
        struct stat sb;
        if (fstat(dfd, &sb) < 0) sb.st_uid = 0;
        if (sb.st_uid != owner_uid) {
            owner_uid = sb.st_uid;
            if (!passwd_field(owner_uid, 0, owner, sizeof owner)) str_fmt(owner, sizeof owner, "#%u", (unsigned)owner_uid);
        }
        str_copy(rows[n].owner, sizeof rows[n].owner, owner);
        if (state_read(dfd, name, &rows[n].st) == 0) {
            rows[n].status = container_status(dfd, &rows[n].st);
            n++;
        } else if (err_code == OCIRUN_E_DAMAGED && !create_under_way(dfd)) {   /* (one under way: not yet, as runc) */
            memset(&rows[n].st, 0, sizeof rows[n].st);
            str_copy(rows[n].st.id, sizeof rows[n].st.id, name);
            rows[n++].status = ST_INTERRUPTED;
        }
        close(dfd);
    }
    close_if(rootfd);
    /* sorted by id, as runc lists (os.ReadDir): an insertion sort of
     * indices, then the rows copied in that order */
    size_t *ix = xcalloc(n + 1, sizeof *ix);
    for (size_t k = 0; k < n; k++) {
        size_t m = k;
        for (; m > 0 && strcmp(rows[ix[m - 1]].st.id, rows[k].st.id) > 0; m--) ix[m] = ix[m - 1];
        ix[m] = k;
    }
    struct list_row *sorted = xcalloc(n + 1, sizeof *sorted);
    for (size_t k = 0; k < n; k++) memcpy(&sorted[k], &rows[ix[k]], sizeof *sorted);
    xfree(rows), xfree(ix);
    rows = sorted;
    struct buf b = {0};
    if (quiet) {
        for (size_t k = 0; k < n; k++) buf_puts(&b, rows[k].st.id), buf_puts(&b, "\n");
    } else if (!strcmp(format, "json")) {   /* none: null, as runc's */
        for (size_t k = 0; k < n; k++) {
            buf_puts(&b, k ? "," : "[");
            state_to_json(&b, &rows[k].st, rows[k].status, rows[k].owner);
        }
        buf_puts(&b, n ? "]\n" : "null\n");
    } else {
        print_table(&b, rows, n);
    }
    for (size_t k = 0; k < n; k++) cstate_free(&rows[k].st);
    xfree(rows);
    int r = b.len ? write_out(b.p, b.len) : 0;
    buf_free(&b);
    return r;
}

/* `features`: the runtime-spec features.md document, listing only what
 * this version really does. */
static int criu_probe(const char *exe, char out[32]);   /* section 18 */

static int cmd_features(const struct cli *c, int argc, char **argv)
{
    static const struct syntax syntax = { NULL, 0, 0, 0, "" };
    if (parse_command(&syntax, argc, argv, NULL) < 0) return -1;
    struct buf b = {0}, out = {0};
    int n = 0;
    buf_printf(&b, "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"%s\",\"hooks\":[", OCIRUN_OCI_VERSION);
    for (int k = 0; k < NHOOKS; k++) json_item(&b, &n, "", hook_names[k]);
    buf_puts(&b, "],\"mountOptions\":[");
    n = 0;
    for (const char *o = mount_opt_names; *o; o += strlen(o) + 1) json_item(&b, &n, "", o);
    buf_puts(&b, "],\"linux\":{\"namespaces\":[");
    n = 0;
    for (size_t k = 0; k < ARRAY_LEN(ns_types); k++) json_item(&b, &n, "", ns_types[k].name);
    buf_puts(&b, "],\"capabilities\":[");
    n = 0;
    for (size_t k = 0; k < ARRAY_LEN(cap_names); k++) json_item(&b, &n, "CAP_", cap_names[k]);
    /* (what the runtime implements, "irrelevant to" the host: features-linux.md) */
    const char *sd = OCIRUN_SYSTEMD ? "true" : "false";
    buf_printf(&b, "],\"cgroup\":{\"v1\":true,\"v2\":true,\"systemd\":%s,\"systemdUser\":%s},\"seccomp\":", sd, sd);
    sc_features(&b);
    /* apparmor and selinux: built in or not (features.md: whatever the
     * host has); the runtime-spec 1.2 process fields have no place of
     * their own there, so an annotation names them */
    const char *lsm = OCIRUN_LSM ? "true" : "false";
    buf_printf(&b, ",\"apparmor\":{\"enabled\":%s},\"selinux\":{\"enabled\":%s},\"intelRdt\":{\"enabled\":false},"
                   "\"mountExtensions\":{\"idmap\":{\"enabled\":true}}},"
                   "\"annotations\":{\"org.ocirun.version\":\"%s\",\"org.ocirun.self-protection\":\"%s\","
                   "\"org.ocirun.process-fields\":\"ioPriority,scheduler,execCPUAffinity\"",
               lsm, lsm, OCIRUN_VERSION, protection_preview());
    /* checkpoint and restore: built in (runc's annotation), and the criu
     * they drive, as it answers here */
    char criu[32];
    if (OCIRUN_CRIU) {
        buf_puts(&b, ",\"org.opencontainers.runc.checkpoint.enabled\":\"true\",\"org.ocirun.criu\":");
        if (criu_probe(c->criu, criu) < 0) str_fmt(criu, sizeof criu, "none"), debugf("criu: %s", err_msg);
        json_str(&b, criu);
    }
    buf_puts(&b, "}}");
    json_indent(&out, b.p, b.len, "    ");   /* as runc prints it */
    buf_puts(&out, "\n");
    buf_free(&b);
    int r = write_out(out.p, out.len);
    buf_free(&out);
    return r;
}

/* --- check: what this kernel and host give a container --- */

struct check {
    const char *name;
    int ok, needed;              /* needed: a default `ocirun spec` bundle needs it */
    char detail[200];
    const char *impact, *fix;    /* when not ok: what stops working, what fixes it */
};

__attribute__((format(printf, 5, 6)))
static void check_set(struct check *c, int ok, const char *impact, const char *fix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    str_vfmt(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
    c->ok = ok, c->impact = ok ? NULL : impact, c->fix = ok ? NULL : fix;
}

struct probe { int (*fn)(int); int arg; };

static int probe_child(void *arg)
{
    const struct probe *p = arg;
    return p->fn(p->arg) < 0 ? (errno & 0xff ? errno & 0xff : 255) : 0;
}

/* Runs fn in a throwaway child (namespaces, pivot_root change the caller);
 * its errno comes back as the exit status, 0 when it worked. */
static int probe_in_child(int (*fn)(int), int arg)
{
    int status;
    struct probe p = { fn, arg };
    pid_t pid = spawn_vfork(probe_child, &p, 0);
    if (pid < 0) return errno;
    while (sys_waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

static int probe_unshare(int flag) { return sys_unshare(flag); }

/* In a mount namespace of its own: a tmpfs over /dev (always there), and
 * pivot_root into it; an initramfs root refuses with EINVAL. */
static int probe_pivot_root(int unused)
{
    (void)unused;
    if (sys_unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
        mount("tmpfs", "/dev", "tmpfs", 0, "size=4k") < 0 || sys_chdir("/dev") < 0)
        return -1;
    return (int)syscall(SYS_pivot_root, ".", ".");
}

static void check_namespaces(struct check *out, int *n)
{
    static const struct { const char *ns; int flag, needed; const char *config; } t[] = {
        { "pid", CLONE_NEWPID, 1, "CONFIG_PID_NS" }, { "network", CLONE_NEWNET, 1, "CONFIG_NET_NS" },
        { "mount", CLONE_NEWNS, 1, "(always built in)" }, { "ipc", CLONE_NEWIPC, 1, "CONFIG_IPC_NS" },
        { "uts", CLONE_NEWUTS, 1, "CONFIG_UTS_NS" }, { "user", CLONE_NEWUSER, 0, "CONFIG_USER_NS" },
        { "cgroup", CLONE_NEWCGROUP, 0, "CONFIG_CGROUPS (4.6)" }, { "time", CLONE_NEWTIME, 0, "CONFIG_TIME_NS (5.6)" },
    };
    for (size_t i = 0; i < ARRAY_LEN(t); i++) {
        struct check *c = &out[(*n)++];
        static char names[8][24];
        str_fmt(names[i], sizeof names[i], "namespace %s", t[i].ns);
        c->name = names[i], c->needed = t[i].needed;
        int e = probe_in_child(probe_unshare, t[i].flag);
        if (!e) { check_set(c, 1, NULL, NULL, "can be created"); continue; }
        if (t[i].flag == CLONE_NEWUSER && (e == ENOSPC || e == EPERM || e == EACCES))
            check_set(c, 0, "user namespaces and rootless containers",
                      "sysctl user.max_user_namespaces > 0 (and kernel.unprivileged_userns_clone=1 on Debian kernels)",
                      "disabled by a sysctl or a policy (%s)", strerror(e));
        else
            check_set(c, 0, t[i].needed ? "the default bundle (`ocirun spec`) and any config asking for it" : "configs asking for it",
                      t[i].config, "unshare: %s", strerror(e));
    }
}

static void check_cgroups(struct check *c)
{
    struct cg_layout l;
    char list[160] = "";
    int v1 = 0, v2 = 0;
    c->name = "cgroups";
    if (cg_layout_read(&l) < 0) { check_set(c, 0, "every resource limit", "mount cgroupfs", "%s", err_msg); return; }
    for (int i = 0; i < l.n; i++) {
        size_t k = strlen(list);
        if (l.h[i].v2) {
            char path[PATH_MAX + 32], *text;
            v2 = 1;
            str_fmt(path, sizeof path, "%s/cgroup.controllers", l.h[i].mnt);
            if (read_file_at(AT_FDCWD, path, 4096, &text, NULL) == 0) {
                text[str_span(text, "\n", 0)] = 0;
                str_fmt(list + k, sizeof list - k, "%sv2: %s", k ? "; " : "", text);
                xfree(text);
            }
        } else {
            const char *o = l.h[i].opts;
            v1 = 1;
            if (!strncmp(o, "rw,", 3) || !strncmp(o, "ro,", 3)) o += 3;
            str_fmt(list + k, sizeof list - k, "%s%s", k ? " " : "v1: ", o);
        }
    }
    if (!l.n) check_set(c, 0, "resource limits (a config without them still runs)", "CONFIG_CGROUPS and a cgroup mount", "none mounted");
    else check_set(c, 1, NULL, NULL, "%s; %s", v1 && v2 ? "hybrid" : v2 ? "v2" : "v1", list);
}

static void check_seccomp(struct check *c)
{
    c->name = "seccomp";
    if (sys_prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL) {
        check_set(c, 0, "linux.seccomp (every podman and Docker profile)", "CONFIG_SECCOMP, CONFIG_SECCOMP_FILTER", "not in this kernel");
        return;
    }
    char flags[128] = "";
    for (size_t i = 0; i < ARRAY_LEN(sc_flags); i++)
        if (sc_flag_supported(sc_flags[i].flag))
            str_fmt(flags + strlen(flags), sizeof flags - strlen(flags), " %s", sc_flags[i].name + strlen("SECCOMP_FILTER_FLAG_"));
    int notify = sc_flag_supported(OCI_SECCOMP_FILTER_FLAG_NEW_LISTENER);
    check_set(c, 1, NULL, NULL, "filters%s; flags:%s; NOTIFY %s",
              sc_action_available(OCI_SECCOMP_RET_LOG) ? ", LOG, KILL_PROCESS" : "", flags[0] ? flags : " none",
              notify ? "yes" : "no (Linux 5.0)");
}

/* A syscall newer than 4.4: ENOSYS means the kernel lacks it, EPERM that a
 * seccomp filter (a container manager's profile) keeps it from us. */
static void check_syscall(struct check *c, const char *name, long nr, const char *what, const char *since)
{
    c->name = name;
    errno = 0;
    long r = syscall(nr, -1L, 0L, 0L, 0L, 0L);
    if (r >= 0) close((int)r);
    int have = !(r < 0 && (errno == ENOSYS || errno == EPERM));
    check_set(c, have, what, since, have ? "available" : errno == EPERM ? "blocked (EPERM: a seccomp filter)" : "missing (ENOSYS)");
}

static void check_keyctl(struct check *c)
{
    c->name = "keyctl";
#ifdef SYS_keyctl
    int have = !(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0) < 0 && errno == ENOSYS);
#else
    int have = 0;
#endif
    check_set(c, have, "a session keyring per container (containers share the caller's keys)", "CONFIG_KEYS",
              have ? "available" : "missing (ENOSYS)");
}

static void check_lsm(struct check *c, const char *name, int on, const char *fields)
{
    c->name = name;
    if (!OCIRUN_LSM) check_set(c, 0, fields, "a build with OCIRUN_LSM=1", "not built in (OCIRUN_LSM=0)");
    else check_set(c, on, fields, "enable it in the kernel (and its boot options)", on ? "enabled" : "not enabled on this host");
}

/* Which cgroup driver a client should use: systemd's where it answers
 * (for a user, the user's own systemd). */
static void check_systemd(struct check *c)
{
    struct dbus d;
    int user = running_rootless();
    c->name = user ? "systemd (user)" : "systemd";
    if (sd_check(NULL, user, NULL) == 0 && sd_socket_path(&d, user) == 0)
        check_set(c, 1, NULL, NULL, "answers on %s: clients may use the systemd cgroup driver", d.path);
    else check_set(c, 0, "--systemd-cgroup", "clients use cgroupfs here", "%s: clients use cgroupfs", err_msg);
}

static void check_criu(struct check *c, const char *exe)
{
    char version[32];
    c->name = "criu";
    if (criu_probe(exe, version) == 0)
        check_set(c, 1, NULL, NULL, "criu %s answers: checkpoint and restore work as far as it does (`criu check` says more)", version);
    else check_set(c, 0, "checkpoint and restore", OCIRUN_CRIU ? "install criu (3.0 or later)" : "a build with OCIRUN_CRIU=1",
                   "%s", err_msg);
}

static void check_pivot_root(struct check *c)
{
    int e = probe_in_child(probe_pivot_root, 0);
    c->name = "pivot_root";
    if (!e) check_set(c, 1, NULL, NULL, "possible");
    else if (e == EINVAL)
        check_set(c, 1, NULL, NULL, "impossible here (an initramfs root?): ocirun uses MS_MOVE and chroot instead");
    else check_set(c, 0, "entering the rootfs", "run as root in the host's mount namespace", "%s", strerror(e));
}

static void check_filesystems(struct check *c)
{
    char *text = NULL;
    c->name = "overlayfs";
    int have = read_file_at(AT_FDCWD, "/proc/filesystems", 1 << 16, &text, NULL) == 0 && str_find(text, "\toverlay\n");
    xfree(text);
    check_set(c, have, "overlay root filesystems (podman, containerd snapshots)", "CONFIG_OVERLAY_FS (or modprobe overlay)",
              have ? "available" : "not in /proc/filesystems");
}

static void check_proc_sys(struct check *c, const char *path, unsigned long magic, const char *impact)
{
    struct statfs sf;
    c->name = path, c->needed = 1;
    int ok = sys_statfs(path, &sf) == 0 && (unsigned long)sf.f_type == magic;
    check_set(c, ok, impact, "mount it", ok ? "mounted" : "not mounted");
}

static void check_caps(struct check *c)
{
    char *text;
    uint64_t eff = 0;
    c->name = "capabilities";
    if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &text, NULL) < 0) {
        check_set(c, 0, "knowing what the caller may do", "mount /proc", "unknown (no /proc/self/status)");
        return;
    }
    const char *p = str_find(text, "\nCapEff:");
    if (p) scan_u64(p + 8, 16, &eff);
    xfree(text);
    int sysadmin = !!(eff & (1ULL << 21));
    if (sysadmin && geteuid() == 0 && !in_user_namespace()) check_set(c, 1, NULL, NULL, "root, CapEff %llx", (unsigned long long)eff);
    else check_set(c, 1, NULL, NULL, "%s, CapEff %llx: rootless containers only (a user namespace in the config)",
                   geteuid() ? "not root" : "root of a user namespace", (unsigned long long)eff);
}

static void check_state_root(struct check *c, const char *root)
{
    c->name = "state root", c->needed = 1;
    int fd = state_root_open(root, 1, 1);   /* as `create` would */
    if (fd >= 0 && syscall(SYS_faccessat, fd, ".", W_OK) == 0) check_set(c, 1, NULL, NULL, "%s writable", root);
    else check_set(c, 0, "every container (state lives there)", "--root DIR on a writable filesystem (or make STATE_ROOT=...)",
                   "%s not writable (%s)", root, fd < 0 ? err_msg : strerror(errno));
    close_if(fd);
}

static void check_json(struct buf *b, const struct check *v, int n, int ok)
{
    buf_printf(b, "{\n  \"ok\": %s,\n  \"checks\": [", ok ? "true" : "false");
    for (int i = 0; i < n; i++) {
        buf_printf(b, "%s\n    {\"name\": ", i ? "," : "");
        json_str(b, v[i].name);
        buf_printf(b, ", \"ok\": %s, \"needed\": %s, \"detail\": ", v[i].ok ? "true" : "false", v[i].needed ? "true" : "false");
        json_str(b, v[i].detail);
        if (!v[i].ok) buf_puts(b, ", \"impact\": "), json_str(b, v[i].impact), buf_puts(b, ", \"fix\": "), json_str(b, v[i].fix);
        buf_puts(b, "}");
    }
    buf_puts(b, "\n  ]\n}\n");
}

static void check_table(struct buf *b, const struct check *v, int n, int ok)
{
    for (int i = 0; i < n; i++) {
        buf_printf(b, "%-20s %-8s %s\n", v[i].name, v[i].ok ? "ok" : v[i].needed ? "MISSING" : "missing", v[i].detail);
        if (!v[i].ok) buf_printf(b, "%-20s %-8s stops: %s; fix: %s\n", "", "", v[i].impact, v[i].fix);
    }
    buf_printf(b, "\n%s\n", ok ? "ok: a default `ocirun spec` bundle can run here"
                                 : "NOT OK: a default `ocirun spec` bundle cannot run here (see MISSING)");
}

/* `check [--format table|json]`: probes the running kernel and host; exit
 * status 0 when a default bundle can run. */
static int cmd_check(const struct cli *cl, int argc, char **argv, int *exit_status)
{
    static const struct syntax syntax = { format_flags, 1, 0, 0, "[--format table|json]" };
    int n = 0, ok = 1;
    struct small_flags f = { .format = "table" };
    if (parse_command(&syntax, argc, argv, &f) < 0) return -1;
    const char *format = f.format;
    if (!OCIRUN_CHECK) return fail("check: not built in (a build with OCIRUN_CHECK=0)");
    if (strcmp(format, "table") && strcmp(format, "json")) return fail("check: --format must be table or json");
    struct check v[32];
    memset(v, 0, sizeof v);
    check_namespaces(v, &n);
    check_cgroups(&v[n++]);
    check_seccomp(&v[n++]);
    v[n].name = "self-protection";
    check_set(&v[n++], 1, NULL, NULL, "%s (how `run` protects its binary)", protection_preview());
    check_filesystems(&v[n++]);
    check_pivot_root(&v[n++]);
    check_keyctl(&v[n++]);
    check_lsm(&v[n++], "apparmor", apparmor_enabled(), "process.apparmorProfile");
    check_lsm(&v[n++], "selinux", selinux_enabled(), "process.selinuxLabel, linux.mountLabel");
    if (OCIRUN_SYSTEMD) check_systemd(&v[n++]);
    check_syscall(&v[n++], "clone3", NR_NEW(435), "a cgroup v2 container's birth in its cgroup (moved after the start instead)", "Linux 5.3");
    check_syscall(&v[n++], "openat2", NR_NEW(437), "nothing (ocirun resolves paths itself)", "Linux 5.6");
    check_syscall(&v[n++], "pidfd_open", NR_pidfd_open, "race-free signals (kill falls back to pid and start time)", "Linux 5.3");
    check_syscall(&v[n++], "mount_setattr", NR_mount_setattr, "idmapped mounts and recursive mount options (rro, ...)", "Linux 5.12");
#ifdef SYS_bpf
    check_syscall(&v[n++], "bpf", SYS_bpf, "device rules on cgroup v2", "CONFIG_BPF_SYSCALL, CONFIG_CGROUP_BPF");
#endif
    check_proc_sys(&v[n++], "/proc", PROC_SUPER_MAGIC, "everything: ocirun works through /proc");
    check_proc_sys(&v[n++], "/sys", 0x62656572 /* SYSFS_MAGIC */, "the container's /sys (a bind of the host's)");
    check_caps(&v[n++]);
    check_state_root(&v[n++], cl->root);
    check_criu(&v[n++], cl->criu);
    for (int k = 0; k < n; k++) ok &= v[k].ok || !v[k].needed;
    struct buf b = {0};
    if (!strcmp(format, "json")) check_json(&b, v, n, ok);
    else check_table(&b, v, n, ok);
    int r = write_out(b.p, b.len);
    buf_free(&b);
    *exit_status = ok ? 0 : 1;
    return r;
}

/* `spec`: runc's default config, but for the hostname, laid out by
 * json_indent with tabs as runc writes it.  The text writes each of its
 * repeats as one control byte, \1 to \7 (spec_words): spec_expand writes
 * them out, and the binary is half a kilobyte smaller. */
static const char *const spec_words[] = {
    NULL,
    "{\"destination\":\"",                                        /* \1 */
    "\",\"type\":\"",                                             /* \2 */
    "\",\"source\":\"",                                           /* \3 */
    "\",\"options\":[\"nosuid\",\"noexec\"",                      /* \4 */
    "[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]", /* \5 */
    "\"/proc/",                                                   /* \6 */
    "{\"type\":\"",                                               /* \7 */
};
static const char default_spec[] =
    "{\"ociVersion\":\"" OCIRUN_OCI_VERSION "\",\"process\":{\"terminal\":true,\"user\":{\"uid\":0,"
    "\"gid\":0},\"args\":[\"sh\"],"
    "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TERM=xterm\"],"
    "\"cwd\":\"/\",\"capabilities\":{\"bounding\":\5,\"effective\":\5,\"permitted\":\5},"
    "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],\"noNewPrivileges\":true},"
    "\"root\":{\"path\":\"rootfs\",\"readonly\":true},\"hostname\":\"ocirun\",\"mounts\":["
    "\1/proc\2proc\3proc\"},"
    "\1/dev\2tmpfs\3tmpfs\",\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"
    "\1/dev/pts\2devpts\3devpts\4,\"newinstance\",\"ptmxmode=0666\",\"mode=0620\",\"gid=5\"]},"
    "\1/dev/shm\2tmpfs\3shm\4,\"nodev\",\"mode=1777\",\"size=65536k\"]},"
    "\1/dev/mqueue\2mqueue\3mqueue\4,\"nodev\"]},"
    "\1/sys\2sysfs\3sysfs\4,\"nodev\",\"ro\"]},"
    "\1/sys/fs/cgroup\2cgroup\3cgroup\4,\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"namespaces\":[\7pid\"},\7network\"},\7ipc\"},\7uts\"},\7mount\"}],"
    "\"maskedPaths\":[\6acpi\",\6asound\",\6kcore\",\6keys\",\6latency_stats\",\6timer_list\","
    "\6timer_stats\",\6sched_debug\",\"/sys/firmware\",\6scsi\"],"
    "\"readonlyPaths\":[\6bus\",\6fs\",\6irq\",\6sys\",\6sysrq-trigger\"]}}";

static void spec_expand(struct buf *b, const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < ARRAY_LEN(spec_words)) buf_puts(b, spec_words[(unsigned char)*s]);
        else buf_add(b, s, 1);
}

/* `spec --rootless`, as runc makes it, from the default config's text `p`:
 * a user namespace mapping root to the caller's uid and gid, no network
 * namespace (only a user could not wire it), /sys bound from the host
 * (sysfs needs a network namespace of the user's), no gid= on devpts (gid
 * 5 is not mapped), no cgroup limits. */
static void rootless_spec(struct buf *b, const char *p)
{
    char maps[160];
    str_fmt(maps, sizeof maps,
             "\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":%u,\"size\":1}],"
             "\"gidMappings\":[{\"containerID\":0,\"hostID\":%u,\"size\":1}],",
             (unsigned)geteuid(), (unsigned)getegid());
    const struct { const char *from, *to; } edits[] = {   /* in the order of the text */
        { ",\"gid=5\"", "" },
        { "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[",
          "{\"destination\":\"/sys\",\"type\":\"none\",\"source\":\"/sys\",\"options\":[\"rbind\"," },
        { "\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},", maps },
        { "{\"type\":\"network\"},", "" },
        { "{\"type\":\"mount\"}", "{\"type\":\"mount\"},{\"type\":\"user\"}" },
    };
    for (size_t k = 0; k < ARRAY_LEN(edits); k++) {
        const char *at = str_find(p, edits[k].from);
        if (!at) continue;   /* default_spec and this table change together: see test spec */
        buf_add(b, p, (size_t)(at - p));
        buf_puts(b, edits[k].to);
        p = at + strlen(edits[k].from);
    }
    buf_puts(b, p);
}

static int cmd_spec(int argc, char **argv)
{
    static const struct syntax syntax = { spec_flags, 2, 0, 0, "[--bundle DIR]" };
    struct small_flags f = { .bundle = "." };
    if (parse_command(&syntax, argc, argv, &f) < 0) return -1;
    const char *bundle = f.bundle;
    struct buf t = {0}, rl = {0}, b = {0}, *text = f.rootless ? &rl : &t;
    spec_expand(&t, default_spec);
    if (f.rootless) rootless_spec(&rl, t.p);
    json_indent(&b, text->p, text->len, "\t");
    buf_free(&t);
    buf_free(&rl);
    int dfd = sys_open(bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0), fd = -1;
    if (dfd >= 0) fd = sys_openat(dfd, "config.json", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    int r = dfd < 0 ? failerr("spec: bundle %s", bundle)
            : fd < 0 ? (errno == EEXIST ? fail("File config.json exists. Remove it first.") : failerr("spec: create config.json"))
            : write_all(fd, b.p, b.len) < 0 ? failerr("spec: write config.json") : 0;
    if (fd >= 0 && close(fd) < 0 && r == 0) r = failerr("spec: write config.json");
    close_if(dfd);
    buf_free(&b);
    return r;
}

/* ======================================================================
 * 18. Checkpoint and restore: CRIU over its RPC
 *
 * `checkpoint` and `restore` drive the criu binary, an optional host tool
 * (ocirun links nothing of it), as runc does: `criu swrk 3`, one end of a
 * SOCK_SEQPACKET socketpair as criu's fd 3, one protobuf message a packet
 * (criu's images/rpc.proto; the few fields used are encoded here by
 * hand).  The RPC rather than criu's command line, because only the RPC
 * lets us act while criu works: run the prestart hooks once the restored
 * namespaces exist, take the restored pid and write the state, hand a new
 * terminal's master to --console-socket, and have the restored init born
 * as our child (rst_sibling) for a foreground restore to wait for.  criu
 * opens the image and work directories through /proc/<our pid>/fd/N.
 *
 * The container is described to criu as runc describes it, so a restored
 * container is the same container: its bind mounts (and the cgroup binds,
 * without a cgroup namespace) and device nodes are external mounts named
 * by their destination in the rootfs; a masked file is an external
 * /dev/null; a network or pid namespace the config joins by path stays
 * out of the images and is handed in again, the others are joined again;
 * the stdio create was given (recorded in the state, section 6) is named
 * in the image's descriptors.json, so that a restore reattaches its own
 * caller's pipes in their place.  Restore makes the state and the cgroup
 * as create does and moves criu into that cgroup before it restores (criu
 * puts the tree where it is).  criu runs in a mount namespace of its own,
 * where the rootfs is bound at <state>/criu-root (criu wants a mount point
 * as the root) and the mount points of the config are made: nothing of
 * that reaches the host's mounts, whatever happens to the restore.
 * ====================================================================== */

#if OCIRUN_CRIU

/* --- protobuf: the little of it criu's messages need --- */

static void pb_varint(struct buf *b, uint64_t v)
{
    char c[10];
    size_t n = 0;
    do c[n++] = (char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); while ((v >>= 7));
    buf_add(b, c, n);
}

/* A varint field: int32, bool, enum (a negative int32 takes 10 bytes). */
static void pb_num(struct buf *b, int field, int64_t v)
{
    pb_varint(b, (uint64_t)field << 3);
    pb_varint(b, (uint64_t)v);
}

static void pb_bytes(struct buf *b, int field, const void *p, size_t n)
{
    pb_varint(b, (uint64_t)field << 3 | 2);
    pb_varint(b, n);
    buf_add(b, n ? p : "", n);
}

static void pb_str(struct buf *b, int field, const char *s) { pb_bytes(b, field, s, strlen(s)); }

/* The small messages of criu's that pair a key with a string or, when val
 * is NULL, an fd (inherit_fd): {1: key, 2: val}. */
static void pb_pair(struct buf *b, int field, const char *key, const char *val, int fd)
{
    struct buf m = {0};
    pb_str(&m, 1, key);
    if (val) pb_str(&m, 2, val);
    else pb_num(&m, 2, fd);
    pb_bytes(b, field, m.p, m.len);
    buf_free(&m);
}

struct pb { const unsigned char *p, *end; };

static int pb_get_varint(struct pb *m, uint64_t *v)
{
    *v = 0;
    for (int shift = 0; shift < 64 && m->p < m->end; shift += 7) {
        unsigned char c = *m->p++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) return 0;
    }
    return -1;
}

/* The next field of message m: 1, with its number and its value (a
 * varint in *num, else its bytes in *sub); 0 at the end; -1 if malformed. */
static int pb_next(struct pb *m, int *field, uint64_t *num, struct pb *sub)
{
    uint64_t key, n = 0;
    if (m->p >= m->end) return 0;
    if (pb_get_varint(m, &key) < 0 || key >> 3 == 0 || key >> 3 > 0x1fffffff) return -1;   /* (field numbers: 1 .. 2^29 - 1) */
    *field = (int)(key >> 3);
    sub->p = sub->end = m->p;
    switch (key & 7) {
    case 0: return pb_get_varint(m, num) < 0 ? -1 : 1;
    case 1: n = 8; break;
    case 5: n = 4; break;
    case 2: if (pb_get_varint(m, &n) < 0) return -1; break;
    default: return -1;
    }
    if (n > (uint64_t)(m->end - m->p)) return -1;
    sub->p = m->p, sub->end = m->p + n;
    m->p += n;
    return 1;
}

static void pb_copy_str(const struct pb *v, char *out, size_t size)
{
    size_t n = (size_t)(v->end - v->p);
    if (n >= size) n = size - 1;
    memcpy(out, v->p, n);
    while (n && (out[n - 1] == '\n' || out[n - 1] == ' ')) n--;
    out[n] = 0;
}

/* --- the session --- */

enum { CRIU_DUMP = 1, CRIU_RESTORE = 2, CRIU_PRE_DUMP = 4, CRIU_NOTIFY = 6, CRIU_FEATURE_CHECK = 9, CRIU_VERSION = 10 };
#define CRIU_MEM_TRACK (1u << 1)   /* criu_features fields, as bits */
#define CRIU_LAZY_PAGES (1u << 2)

/* What we use of a criu_resp. */
struct criu_resp {
    int type, success, cr_errno;
    int pid;                     /* the restored init's, or a notification's */
    int version;                 /* major * 10000 + minor * 100 + sublevel */
    unsigned features;           /* CRIU_MEM_TRACK ..., as answered */
    char script[32];             /* a notification's name */
    char errmsg[256];
};

static int criu_resp_decode(const void *p, size_t len, struct criu_resp *r)
{
    struct pb m = { p, (const unsigned char *)p + len }, sub, v;
    int f, g, k;
    uint64_t num = 0;
    memset(r, 0, sizeof *r);
    while ((k = pb_next(&m, &f, &num, &sub)) > 0) {
        if (f == 1) r->type = (int)num;
        else if (f == 2) r->success = num != 0;
        else if (f == 7) r->cr_errno = (int)num;
        else if (f == 9) pb_copy_str(&sub, r->errmsg, sizeof r->errmsg);
        /* restore {pid 1}, notify {script 1, pid 2}, features {...},
         * version {major 1, minor 2, sublevel 4} */
        for (; (f == 4 || f == 5 || f == 8 || f == 10) && (k = pb_next(&sub, &g, &num, &v)) > 0;) {
            if (f == 5 && g == 1) pb_copy_str(&v, r->script, sizeof r->script);
            else if ((f == 4 && g == 1) || (f == 5 && g == 2)) r->pid = (int)num;
            else if (f == 8 && g < 32 && num) r->features |= 1u << g;
            else if (f == 10 && (g == 1 || g == 2 || g == 4))   /* (a part beyond 99 is not a version) */
                r->version += (int)(num < 100 ? num : 99) * (g == 1 ? 10000 : g == 2 ? 100 : 1);
        }
        if (k < 0) break;
    }
    return k < 0 ? fail("criu sent a malformed answer") : 0;
}

struct criu {
    pid_t pid;
    int sock;
    int version;
    int timeout_ms;              /* > 0: an answer must come within it (probes) */
    const char *log;             /* its log file, named in errors */
};

/* In the vfork child: fds[i] as fd i (-1: ours, left as it is), then
 * criu. */
struct criu_child { const char *exe; const int *fds; int nfds; int exec_errno; };

static int criu_child(void *arg)
{
    struct criu_child *c = arg;
    int high[16];
    /* above every target first, so that no dup2 closes a source */
    for (int i = 0; i < c->nfds; i++)
        if (c->fds[i] >= 0 && (high[i] = sys_fcntl(c->fds[i], F_DUPFD_CLOEXEC, 64)) < 0) return c->exec_errno = errno, 126;
    for (int i = 0; i < c->nfds; i++)
        if (c->fds[i] >= 0 && sys_dup2(high[i], i) < 0) return c->exec_errno = errno, 126;
    char *argv[] = { (char *)"criu", (char *)"swrk", (char *)"3", NULL };
    execve(c->exe, argv, environ);
    c->exec_errno = errno;
    return 127;
}

/* Starts `criu swrk 3` (`exe`: --criu, else criu from $PATH) with fds[]
 * as its fds (fds[3] is set here to its end of the socket).  `quiet`
 * (a dump or a probe: no process to hand ours to): criu's fds 0-2 are
 * /dev/null, as runc gives them; its messages are in its log, and the
 * error names it. */
static int criu_start(struct criu *cr, const char *exe, int *fds, int nfds, int quiet)
{
    char path[PATH_MAX];
    int sp[2];
    memset(cr, 0, sizeof *cr);
    cr->sock = -1, cr->log = "(none yet)";
    if (find_executable(exe ? exe : "criu", environ, path) < 0) return err_prefix("checkpoint and restore need criu");
    if (quiet && (fds[0] = fds[1] = fds[2] = sys_open("/dev/null", O_RDWR | O_CLOEXEC, 0)) < 0) return failerr("open /dev/null");
    if (sys_socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) sp[0] = sp[1] = -1;
    fds[3] = sp[1];
    struct criu_child c = { path, fds, nfds, 0 };
    cr->pid = sp[0] < 0 ? -1 : spawn_vfork(criu_child, &c, 0);
    if (quiet) close(fds[0]);
    if (sp[0] < 0) return failerr("socketpair");
    close(sp[1]);
    if (cr->pid > 0 && !c.exec_errno) return cr->sock = sp[0], 0;
    int e = cr->pid < 0 ? errno : c.exec_errno;
    if (cr->pid > 0) sys_waitpid(cr->pid, NULL, 0);
    close(sp[0]);
    cr->pid = 0;
    errno = e;
    return failerr("start %s", path);
}

/* The session ended early: how criu ended, and where its log is. */
static int criu_gone(struct criu *cr, const char *what)
{
    int status = 0, e = errno;
    close(cr->sock), cr->sock = -1;
    if (cr->timeout_ms > 0) kill(cr->pid, SIGKILL);
    while (cr->pid > 0 && sys_waitpid(cr->pid, &status, 0) < 0 && errno == EINTR) {}
    cr->pid = 0;
    if (cr->timeout_ms > 0 && e == ETIMEDOUT) return fail("%s: criu did not answer within %d s (killed)", what, cr->timeout_ms / 1000);
    return fail("%s: criu ended (%s %d); its log: %s", what, WIFSIGNALED(status) ? "killed by signal" : "exit status",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), cr->log);
}

static int criu_send(struct criu *cr, const struct buf *b)
{
    ssize_t n;
    do n = send(cr->sock, b->p, b->len, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
    return n == (ssize_t)b->len ? 0 : criu_gone(cr, "send a request to criu");
}

#define CRIU_MSG_MAX (10 * 4096)   /* runc's buffer: a full one is an error */

/* criu's next message, and the fd a notification carries (-1: none). */
static int criu_recv(struct criu *cr, struct criu_resp *r, int *fd)
{
    union { struct cmsghdr c; char b[CMSG_SPACE(4 * sizeof(int))]; } cm;
    char *buf = xmalloc(CRIU_MSG_MAX);
    struct iovec iov = { buf, CRIU_MSG_MAX };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b };
    struct pollfd p = { cr->sock, POLLIN, 0 };
    ssize_t n = -1;
    *fd = -1;
    if (cr->timeout_ms > 0 && poll(&p, 1, cr->timeout_ms) == 0) errno = ETIMEDOUT;
    else do n = recvmsg(cr->sock, &mh, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
    for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
        for (size_t i = 0; c->cmsg_type == SCM_RIGHTS && i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
            int f;
            memcpy(&f, CMSG_DATA(c) + i * sizeof f, sizeof f);
            if (*fd < 0) *fd = f; else close(f);
        }
    int rc = n <= 0 ? criu_gone(cr, "wait for criu's answer")
           : (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? fail("criu sent a message longer than %d bytes", CRIU_MSG_MAX)
           : criu_resp_decode(buf, (size_t)n, r);
    xfree(buf);
    if (rc < 0 && *fd >= 0) close(*fd), *fd = -1;
    return rc;
}

static const char *criu_type_name(int t)
{
    return t == CRIU_DUMP ? "DUMP" : t == CRIU_RESTORE ? "RESTORE" : t == CRIU_PRE_DUMP ? "PRE_DUMP"
         : t == CRIU_VERSION ? "VERSION" : "FEATURE_CHECK";
}

/* A notification's handler: 0, or -1 to make criu give up.  It owns fd. */
typedef int (*criu_notify_fn)(void *ctx, const struct criu_resp *n, int fd);

static int criu_ack(struct criu *cr, int ok)
{
    struct buf b = {0};
    pb_num(&b, 1, CRIU_NOTIFY);
    pb_num(&b, 3, ok);
    int r = criu_send(cr, &b);
    buf_free(&b);
    return r;
}

/* Sends request `req` of `type` and answers criu's notifications until its
 * answer, which is in *r.  criu's failure: runc's words, and the log. */
static int criu_call(struct criu *cr, const struct buf *req, int type, criu_notify_fn notify, void *ctx, struct criu_resp *r)
{
    int fd;
    if (criu_send(cr, req) < 0) return -1;
    while (criu_recv(cr, r, &fd) == 0) {
        if (r->type != CRIU_NOTIFY || !r->success) {
            close_if(fd);
            if (!r->success)
                return fail("criu failed: type %s errno %d%s%s; log file: %s", criu_type_name(type), r->cr_errno,
                            r->errmsg[0] ? ": " : "", r->errmsg, cr->log);
            return r->type == type ? 0 : fail("criu answered a %s request with type %d", criu_type_name(type), r->type);
        }
        debugf("criu: notification %s (pid %d)", r->script, r->pid);
        if (!notify && fd >= 0) close(fd);
        if (notify && notify(ctx, r, fd) < 0) {
            char saved[sizeof err_msg];
            memcpy(saved, err_msg, sizeof saved);
            criu_ack(cr, 0);
            memcpy(err_msg, saved, sizeof saved);
            return -1;
        }
        if (criu_ack(cr, 1) < 0) return -1;
    }
    return -1;
}

/* The end of a session: criu sees the socket close and exits (after a
 * pre-dump it waits for more until then); with `check` its exit status
 * must be 0. */
static int criu_finish(struct criu *cr, int check)
{
    int status = 0;
    if (cr->sock >= 0) shutdown(cr->sock, SHUT_WR), close(cr->sock);
    cr->sock = -1;
    while (cr->pid > 0 && sys_waitpid(cr->pid, &status, 0) < 0 && errno == EINTR) {}
    if (cr->pid <= 0 || !check || (WIFEXITED(status) && !WEXITSTATUS(status))) return cr->pid = 0, 0;
    cr->pid = 0;
    return fail("criu failed: %s %d; log file: %s", WIFSIGNALED(status) ? "signal" : "exit status",
                WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), cr->log);
}

/* Asks criu's version (runc's floor: 3.0) and, in `features`, what it
 * must have; with `more` (keep_open) the session stays for the work. */
static int criu_hello(struct criu *cr, unsigned features, int more)
{
    struct buf b = {0}, f = {0};
    struct criu_resp r;
    pb_num(&b, 1, CRIU_VERSION);
    pb_num(&b, 4, more);
    int rc = criu_call(cr, &b, CRIU_VERSION, NULL, NULL, &r);
    buf_free(&b);
    if (rc < 0) return -1;
    cr->version = r.version;
    if (r.version < 30000) return fail("CRIU version %d must be %d or higher", r.version, 30000);
    if (!features) return 0;
    pb_num(&b, 1, CRIU_FEATURE_CHECK);
    pb_num(&b, 4, 1);
    for (int k = 1; k < 3; k++)
        if (features >> k & 1) pb_num(&f, k, 1);
    pb_bytes(&b, 5, f.p, f.len);
    rc = criu_call(cr, &b, CRIU_FEATURE_CHECK, NULL, NULL, &r);
    buf_free(&b), buf_free(&f);
    unsigned missing = features & ~r.features;
    if (rc == 0 && missing)
        rc = fail("CRIU feature check failed: criu is missing features: [%s]", missing & CRIU_MEM_TRACK ? "MemTrack" : "LazyPages");
    return rc;
}

/* criu's version here ("3.17.1"), for features and check, asked within
 * 10 s. */
static int criu_probe(const char *exe, char out[32])
{
    struct criu cr;
    int fds[4] = { -1, -1, -1, -1 };
    if (criu_start(&cr, exe, fds, 4, 1) < 0) return -1;
    cr.timeout_ms = 10000;
    int r = criu_hello(&cr, 0, 0);
    criu_finish(&cr, 0);
    int major = cr.version / 10000, minor = cr.version / 100 - major * 100, sub = cr.version - cr.version / 100 * 100;
    if (r == 0) str_fmt(out, 32, "%d.%d.%d", major, minor, sub);
    return r;
}

/* --- what both commands tell criu --- */

struct criu_flags {
    const char *image, *work, *parent, *page_server, *cg_mode, *status_fd, *lsm_profile, *lsm_mount_context;
    struct strlist empty_ns;
    int leave_running, tcp, ext_unix, shell_job, file_locks, pre_dump, auto_dedup, lazy_pages;
    struct create_flags cf;   /* restore's */
};

#define CF(field) FLAG_AT(struct criu_flags, field)
/* runc's flags: those of both commands, then restore's, then checkpoint's */
static const struct flag criu_flag_defs[] = {
    { "image-path", 0, 's', CF(image) }, { "work-path", 0, 's', CF(work) }, { "tcp-established", 0, 'b', CF(tcp) },
    { "ext-unix-sk", 0, 'b', CF(ext_unix) }, { "shell-job", 0, 'b', CF(shell_job) }, { "file-locks", 0, 'b', CF(file_locks) },
    { "manage-cgroups-mode", 0, 's', CF(cg_mode) }, { "empty-ns", 0, 'l', CF(empty_ns) }, { "auto-dedup", 0, 'b', CF(auto_dedup) },
    { "lazy-pages", 0, 'b', CF(lazy_pages) },
    { "bundle", 'b', 's', CF(cf.bundle) }, { "pid-file", 0, 's', CF(cf.pid_file) }, { "console-socket", 0, 's', CF(cf.console) },
    { "detach", 'd', 'b', CF(cf.detach) }, { "no-pivot", 0, 'b', CF(cf.no_pivot) }, { "no-subreaper", 0, 'b', CF(cf.no_subreaper) },
    { "lsm-profile", 0, 's', CF(lsm_profile) }, { "lsm-mount-context", 0, 's', CF(lsm_mount_context) },
    { "parent-path", 0, 's', CF(parent) }, { "leave-running", 0, 'b', CF(leave_running) }, { "pre-dump", 0, 'b', CF(pre_dump) },
    { "page-server", 0, 's', CF(page_server) }, { "status-fd", 0, 'n', CF(status_fd) },
};

static int parse_criu_flags(const char *cmd, int argc, char **argv, int *i, struct criu_flags *f)
{
    static struct flag use[ARRAY_LEN(criu_flag_defs)];   /* (static: `--help` prints them after we return) */
    int restore = !strcmp(cmd, "restore");
    size_t n = restore ? 18 : 10;
    memcpy(use, criu_flag_defs, n * sizeof *use);
    if (!restore) memcpy(use + n, criu_flag_defs + 18, 5 * sizeof *use), n += 5;
    return parse_flags(cmd, argc, argv, i, use, n, f);
}

/* --image-path (default ./checkpoint, as runc) and --work-path (default:
 * the image directory, as criu; runc's default is in its state directory,
 * which goes with the container, log and all), opened; `make` creates the
 * image directory.  *log: the log's full path, for errors. */
static int criu_dirs(const struct criu_flags *f, int make, int *imgfd, int *workfd, char log[PATH_MAX + 16], const char *name)
{
    const char *img = f->image ? f->image : "checkpoint", *work = f->work ? f->work : img;
    char abs[PATH_MAX];
    if (make && mkdir(img, 0700) < 0 && errno != EEXIST) return failerr("--image-path %s", img);
    if ((*imgfd = sys_open(img, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0) return failerr("--image-path %s", img);
    if (work != img && mkdir(work, 0700) < 0 && errno != EEXIST) return failerr("--work-path %s", work);
    if ((*workfd = sys_open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0 || dir_realpath(work, abs) < 0)
        return failerr("--work-path %s", work);
    if (access(abs, W_OK) < 0)
        return failerr("%s %s: criu writes its log there%s", f->work ? "--work-path" : "--image-path", work, f->work ? "" : " (or pass --work-path)");
    str_path(log, PATH_MAX + 16, abs, name);
    return 0;
}

/* The options of both requests, as runc sets them. */
static int criu_common_opts(struct buf *o, const struct criu_flags *f, int imgfd, int workfd, const char *log, const struct oci_spec *s)
{
    static const char *const modes[] = { "ignore", "", "", "soft", "full", "strict" };
    unsigned empty = CLONE_NEWNET;   /* runc: it manages no network devices */
    int mode = -1;
    for (int k = 0; f->cg_mode && k < 6; k++)
        if (modes[k][0] && !strcmp(f->cg_mode, modes[k])) mode = k;
    if (f->cg_mode && mode < 0) return fail("Invalid manage cgroups mode");
    for (int k = 0; k < f->empty_ns.n; k++) {
        size_t t = 0;
        while (t < ARRAY_LEN(ns_types) && strcmp(ns_types[t].name, f->empty_ns.v[k])) t++;
        if (t == ARRAY_LEN(ns_types)) return fail("namespace \"%s\" is not supported", f->empty_ns.v[k]);
        empty |= (unsigned)ns_types[t].flag;
    }
    pb_num(o, 1, imgfd), pb_num(o, 17, workfd), pb_num(o, 9, 4), pb_str(o, 10, str_rchr(log, '/') + 1);
    pb_num(o, 24, 1), pb_num(o, 12, 1), pb_num(o, 50, 1);   /* manage_cgroups, notify_scripts, orphan_pts_master */
    const int bools[][2] = { { 4, f->ext_unix }, { 5, f->tcp }, { 7, f->shell_job }, { 8, f->file_locks },
                             { 16, f->auto_dedup }, { 48, f->lazy_pages } };
    for (size_t k = 0; k < ARRAY_LEN(bools); k++)
        if (bools[k][1]) pb_num(o, bools[k][0], 1);
    pb_num(o, 38, empty);
    if (mode >= 0) pb_num(o, 34, mode);
    /* criu reads a config file of its own, which wins over these: the
     * annotation's (an empty one: none), else runc's */
    const struct jv *cf = NULL;   /* (a map's key, as Go matches it: exactly) */
    for (const struct jv *a = s->annotations ? s->annotations->child : NULL; a; a = a->next)
        if (!strcmp(a->key, "org.criu.config")) cf = a;
    if (!cf || cf->type != J_STR) pb_str(o, 51, "/etc/criu/runc.conf");
    else if (cf->s[0]) pb_str(o, 51, cf->s);
    return 0;
}

/* A mount's destination as criu sees it: symlinks in the rootfs followed
 * (runc's securejoin) as far as the path exists, the rest as it is. */
static void criu_mount_key(int rootfd, const char *rootfs, const char *dest, char out[static PATH_MAX])
{
    char head[PATH_MAX], link[PATH_MAX], p[32], *cut;
    ssize_t rl = (ssize_t)strlen(rootfs), n;
    str_copy(out, PATH_MAX, dest);
    str_copy(head, sizeof head, dest);
    for (;;) {
        int fd = rootfd >= 0 ? resolve_in_root(rootfd, head, 0) : -1;
        if (fd >= 0) {
            n = sys_readlinkat(AT_FDCWD, proc_fd_path(p, fd), link, sizeof link - 1);
            close(fd);
            if (n >= rl && !strncmp(link, rootfs, (size_t)rl) && (n == rl || link[rl] == '/'))
                link[n] = 0, str_fmt(out, PATH_MAX, "%s%s", link + rl, dest + strlen(head));
            return;
        }
        if (!(cut = str_rchr(head, '/')) || cut == head) return;
        *cut = 0;
    }
}

/* The cgroup binds of a config's cgroup mount, without a cgroup namespace
 * (section 11): one per hierarchy, or the v2 cgroup itself. */
static void criu_cgroup_binds(struct buf *o, const char *dest, const struct cgroup *cg, int restore)
{
    int v2only = cg->l.n == 1 && cg->l.h[0].v2;
    for (int i = 0; i < cg->l.n; i++) {
        char key[PATH_MAX];
        const char *name = str_rchr(cg->l.h[i].mnt, '/');
        if (!cg->dir[i][0]) continue;
        if (v2only) str_copy(key, sizeof key, dest);
        else str_path(key, sizeof key, dest, name ? name + 1 : cg->l.h[i].mnt);
        pb_pair(o, 23, key, restore ? cg->dir[i] : key, 0);
    }
}

/* External mounts (ext_mnt): binds and the cgroup binds, device nodes and
 * masked files, named by destination; a dump (restore 0) maps each to
 * itself, a restore to its source on this host. */
static void criu_ext_mounts(struct buf *o, const struct oci_spec *s, const char *rootfs, const char *bundle,
                            const struct cgroup *cg, pid_t pid, int restore)
{
    int rootfd = sys_open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    char key[PATH_MAX], src[PATH_MAX];
    for (size_t i = 0; i < s->nmounts; i++) {
        const struct oci_mount *m = &s->mounts[i];
        if (!m->bind && !strcmp(m->type, "cgroup") && !(s->clone_flags & CLONE_NEWCGROUP) && cg)
            criu_cgroup_binds(o, m->dest, cg, restore);
        if (!m->bind) continue;
        criu_mount_key(rootfd, rootfs, m->dest, key);
        if (m->source[0] == '/') str_copy(src, sizeof src, m->source);
        else str_path(src, sizeof src, bundle, m->source);
        pb_pair(o, 23, key, restore ? src : key, 0);
    }
    close_if(rootfd);
    for (size_t i = 0; i < ARRAY_LEN(default_devices); i++) pb_pair(o, 23, default_devices[i].path, default_devices[i].path, 0);
    for (size_t i = 0; i < s->ndevices; i++) pb_pair(o, 23, s->devices[i].path, s->devices[i].path, 0);
    if (restore && s->nmasked) pb_pair(o, 23, "/dev/null", "/dev/null", 0);
    for (size_t i = 0; !restore && i < s->nmasked; i++) {
        struct stat st;
        char path[PATH_MAX + 32];
        str_fmt(path, sizeof path, "/proc/%d/root%s", (int)pid, s->masked[i]);
        if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) pb_pair(o, 23, s->masked[i], "/dev/null", 0);
    }
}

/* --- checkpoint --- */

/* descriptors.json in the image: init's stdio as create recorded it (a
 * container of an older ocirun: as init has it now). */
static int criu_write_descriptors(int imgfd, const struct cstate *st)
{
    struct buf b = {0};
    for (int fd = 0; !st->stdio && fd < 3; fd++) {
        char path[64], link[PATH_MAX];
        str_fmt(path, sizeof path, "/proc/%d/fd/%d", (int)st->pid, fd);
        ssize_t n = sys_readlinkat(AT_FDCWD, path, link, sizeof link - 1);
        link[n > 0 ? n : 0] = 0;
        buf_puts(&b, fd ? "," : "[");
        json_str(&b, link);
    }
    if (!st->stdio) buf_puts(&b, "]");
    const char *text = st->stdio ? st->stdio : b.p;
    int r = write_file_atomic(imgfd, "descriptors.json", text, strlen(text), 0600);
    buf_free(&b);
    return r < 0 ? err_prefix("--image-path") : 0;
}

/* A network or pid namespace the config joins by path stays out of the
 * images: criu learns its inode (restore hands it in by the same key). */
static int criu_external_ns(struct buf *o, const struct oci_spec *s, int version)
{
    for (size_t i = 0; i < s->nns; i++) {
        int net = s->ns[i].flag == CLONE_NEWNET;
        struct stat st;
        char ext[96];
        if (!s->ns[i].path || (!net && s->ns[i].flag != CLONE_NEWPID)) continue;
        if (version < (net ? 31100 : 31500))
            return fail("%s namespace %s: CRIU %d cannot keep a joined namespace out of its images (%s or later)",
                        net ? "network" : "pid", s->ns[i].path, version, net ? "3.11" : "3.15");
        if (stat(s->ns[i].path, &st) < 0) return failerr(".linux.namespaces: %s", s->ns[i].path);
        str_fmt(ext, sizeof ext, "%s[%llu]:extRoot%sNS", net ? "net" : "pid", (unsigned long long)st.st_ino, net ? "Net" : "Pid");
        pb_str(o, 37, ext);
    }
    return 0;
}

/* The options only a checkpoint has: the page server, the parent images
 * of an incremental dump, the freezer, the lazy-pages status fd. */
static int criu_dump_opts(struct buf *o, const struct criu_flags *f, const struct cstate *st, int version, int *status_fd)
{
    char fz[PATH_MAX + 32];
    int v2, port;
    if (f->page_server) {
        const char *colon = str_rchr(f->page_server, ':');
        if (!colon || colon == f->page_server || !colon[1]) return fail("Use --page-server ADDRESS:PORT to specify page server");
        if (parse_int(colon + 1, &port) < 0 || port > 65535) return fail("Invalid port number");
        struct buf ps = {0};
        pb_bytes(&ps, 1, f->page_server, (size_t)(colon - f->page_server));
        pb_num(&ps, 2, port);
        pb_bytes(o, 11, ps.p, ps.len);
        buf_free(&ps);
    }
    if (f->parent) pb_str(o, 14, f->parent), pb_num(o, 15, 1);
    /* without it criu stops the tree with ptrace; v2's freezer: criu 3.14 */
    if (st->cgroups && cg_freezer(st->cgroups, fz, &v2) == 0 && (!v2 || version >= 31400)) {
        *str_rchr(fz, '/') = 0;
        pb_str(o, 44, fz);
    }
    int64_t n = -1;   /* (-1: none, runc's default) */
    int fl;
    if (!f->lazy_pages || !f->status_fd || flag_int("status-fd", f->status_fd, -1, INT_MAX, &n) < 0 || n < 0) return 0;
    if ((fl = sys_fcntl(*status_fd = (int)n, F_GETFL, 0)) < 0) return fail("invalid --status-fd argument %s", f->status_fd);
    if ((fl & O_ACCMODE) == O_RDONLY) return fail("invalid --status-fd argument %d: not writable", *status_fd);
    if (version < 31500) pb_num(o, 49, *status_fd), *status_fd = -1;   /* criu writes it; later ones notify */
    return 0;
}

/* status-ready (lazy pages): the page server listens; --status-fd gets a
 * 0 byte and is closed (runc's protocol). */
static int checkpoint_notify(void *ctx, const struct criu_resp *n, int fd)
{
    int *status_fd = ctx;
    close_if(fd);
    if (!strcmp(n->script, "status-ready") && *status_fd >= 0) {
        if (sys_write(*status_fd, "", 1) != 1) warnf("--status-fd %d: %s", *status_fd, strerror(errno));
        close(*status_fd), *status_fd = -1;
    }
    return 0;
}

static int criu_parent_path(const struct criu_flags *f, int imgfd)
{
    struct stat st;
    if (!f->parent) return 0;
    if (f->parent[0] == '/') return fail("--parent-path must be relative");
    if (fstatat(imgfd, f->parent, &st, 0) < 0) return failerr("invalid --parent-path %s", f->parent);
    return S_ISDIR(st.st_mode) ? 0 : fail("invalid --parent-path %s: not a directory", f->parent);
}

/* The dump: the request, the session, criu's answer. */
static int checkpoint_run(const struct cli *c, const struct criu_flags *f, const struct cstate *st, const struct oci_spec *s,
                          int imgfd, int workfd, const char *log)
{
    struct criu cr;
    struct criu_resp resp;
    struct buf o = {0}, req = {0};
    int fds[4] = { -1, -1, -1, -1 }, status_fd = -1, type = f->pre_dump ? CRIU_PRE_DUMP : CRIU_DUMP;
    if (criu_start(&cr, c->criu, fds, 4, 1) < 0) return -1;
    cr.log = log;
    int r = criu_hello(&cr, (f->pre_dump ? CRIU_MEM_TRACK : 0) | (f->lazy_pages ? CRIU_LAZY_PAGES : 0), 1);
    r = r < 0 ? -1 : criu_common_opts(&o, f, imgfd, workfd, log, s);
    if (r == 0) {
        pb_str(&o, 13, st->rootfs), pb_num(&o, 2, st->pid);
        if (f->leave_running) pb_num(&o, 3, 1);
        r = criu_external_ns(&o, s, cr.version) < 0 || criu_dump_opts(&o, f, st, cr.version, &status_fd) < 0 ? -1 : 0;
    }
    if (r == 0 && !f->pre_dump) {
        struct cgroup *cg = cg_new();
        if (cg_from_state(cg, st->cgroups) == 0) criu_ext_mounts(&o, s, st->rootfs, st->bundle, cg, st->pid, 0);
        else r = -1;
        cg_free(cg);
        r = r < 0 ? -1 : criu_write_descriptors(imgfd, st);
    }
    if (r == 0) {
        pb_num(&req, 1, type);
        pb_bytes(&req, 2, o.p, o.len);
        r = criu_call(&cr, &req, type, checkpoint_notify, &status_fd, &resp);
    }
    /* after a pre-dump criu waits for the next request: its end is ours */
    if (criu_finish(&cr, r == 0 && !f->pre_dump) < 0) r = -1;
    close_if(status_fd);
    buf_free(&o), buf_free(&req);
    return r;
}

/* `checkpoint`: criu dumps the container into the image directory; then,
 * unless --leave-running or --pre-dump, it is gone: deleted as by `delete
 * --force` (poststop hooks run).  A failed dump leaves it running. */
static int cmd_checkpoint(const struct cli *c, int argc, char **argv)
{
    struct criu_flags f;
    struct cstate st;
    struct oci_spec spec;
    char log[PATH_MAX + 16];
    int i = 1, rootfd = -1, dirfd = -1, imgfd = -1, workfd = -1, have_spec = 0, r = -1;
    memset(&f, 0, sizeof f), memset(&st, 0, sizeof st);
    int64_t n;
    if (parse_criu_flags("checkpoint", argc, argv, &i, &f) < 0 || (f.status_fd && flag_int("status-fd", f.status_fd, -1, INT_MAX, &n) < 0) ||
        want_args("checkpoint", argc - i, 1, 1, "[--image-path DIR] [--leave-running] [--pre-dump] ... <container-id>") < 0 ||
        cloexec_fds_from(3, 1) < 0 || open_container(c->root, argv[i], &rootfd, &dirfd, &st) < 0)
        goto out;
    int status = container_status(dirfd, &st);
    if (status == ST_CREATED || status == ST_STOPPED) {
        fail("Container cannot be checkpointed in %s state", status_names[status]);
        goto out;
    }
    if (load_bundle_spec(dirfd, &st, &spec) < 0) goto out;
    have_spec = 1;
    if (criu_dirs(&f, 1, &imgfd, &workfd, log, f.pre_dump ? "pre-dump.log" : "dump.log") < 0 || criu_parent_path(&f, imgfd) < 0 ||
        checkpoint_run(c, &f, &st, &spec, imgfd, workfd, log) < 0)
        goto out;
    r = f.leave_running || f.pre_dump ? 0 : delete_locked(rootfd, dirfd, &st, 1);
out:
    if (have_spec) spec_free(&spec);
    close_if(imgfd);
    close_if(workfd);
    close_container(rootfd, dirfd, &st);
    return r;
}

/* --- restore --- */

/* The mount points of the config, made in the rootfs as create makes
 * them, by a child in a mount namespace of its own: a bind is bound there
 * meanwhile, so that points inside it can be made too (runc #2748), and
 * goes with the namespace.  Points below a tmpfs are left to criu, which
 * restores the tmpfs with its content; the cgroup mount's are in a tmpfs
 * or come with /sys. */
struct restore_prep { const struct oci_spec *s; const char *rootfs, *bundle; };

static int below_tmpfs(const struct oci_spec *s, const char *dest)
{
    for (size_t k = 0; k < s->nmounts; k++) {
        size_t n = strlen(s->mounts[k].dest);
        if (!s->mounts[k].bind && !strcmp(s->mounts[k].type, "tmpfs") && !strncmp(dest, s->mounts[k].dest, n) && dest[n] == '/')
            return 1;
    }
    return 0;
}

static int restore_mount_point(const struct restore_prep *p, int rootfd, const struct oci_mount *m)
{
    char path[PATH_MAX], a[32], b[32];
    struct stat sst;
    struct resolved res;
    if (!strcmp(m->type, "cgroup") || below_tmpfs(p->s, m->dest)) return 0;
    if (m->source[0] == '/' || !m->bind) str_copy(path, sizeof path, m->source);
    else str_path(path, sizeof path, p->bundle, m->source);
    if (m->bind && stat(path, &sst) < 0) return failerr("%s: bind source %s", m->dest, path);
    int fd = resolve_at(rootfd, m->dest, RES_MKDIR | (m->bind && !S_ISDIR(sst.st_mode) ? RES_MKFILE : 0), &res);
    if (fd < 0) return err_prefix("mount point %s", m->dest);
    int src = m->bind ? sys_open(path, O_PATH | O_CLOEXEC, 0) : -1, r = 0;
    if (m->bind && (src < 0 || mount(proc_fd_path(a, src), proc_fd_path(b, fd), NULL, MS_BIND | MS_REC, NULL) < 0))
        r = failerr("bind %s on %s for criu", path, m->dest);
    close_if(src);
    close(fd);
    return r;
}

/* (in the child, which shares our memory: its error lands in our slot) */
static int restore_prep(void *arg)
{
    const struct restore_prep *p = arg;
    if (sys_unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        return failerr("a mount namespace to make mount points in");
    int rootfd = sys_open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, 0), r = rootfd < 0 ? failerr("rootfs %s", p->rootfs) : 0;
    for (size_t i = 0; r == 0 && i < p->s->nmounts; i++) r = restore_mount_point(p, rootfd, &p->s->mounts[i]);
    close_if(rootfd);
    return r < 0 ? 1 : 0;
}

/* criu wants the root a mount point: the rootfs bound at <state>/criu-root
 * (as runc), after the mount points are made on a stack big enough for
 * path walks.  Unbound once criu is done; a restore killed meanwhile
 * leaves it for `delete` (state_dir_remove). */
static int restore_root(const struct create_job *j, const char *root_dir)
{
    struct restore_prep p = { &j->spec, j->opts.rootfs, j->opts.bundle };
    size_t size = 256 << 10;
    char *stack = xmalloc(size);
    int status = 0;
    int (*fn)(void *) = restore_prep;
    void *arg = &p;
    HOST_SIGNALS_HELD(fn, arg);
    pid_t pid = clone(fn, (void *)((uintptr_t)(stack + size) & ~(uintptr_t)15), CLONE_VM | CLONE_VFORK | SIGCHLD, arg);
    HOST_SIGNALS_BACK();
    if (pid > 0) while (sys_waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    xfree(stack);
    if (pid < 0) return failerr("clone");
    if (!WIFEXITED(status) || WEXITSTATUS(status)) return err_prefix("restore: the mount points");
    if (sys_mkdirat(j->dirfd, "criu-root", 0755) < 0 || mount(j->opts.rootfs, root_dir, NULL, MS_BIND | MS_REC, NULL) < 0)
        return failerr("restore: bind the rootfs at %s", root_dir);
    return 0;
}

/* The namespaces the config joins by path: network and pid are handed to
 * criu (inherit_fd, by the dump's key; fds from 4 on, after its socket),
 * the others joined again (join_ns); criu cannot join a cgroup one. */
static int criu_restore_ns(struct buf *o, const struct oci_spec *s, int *fds, int *nfds)
{
    for (size_t i = 0; i < s->nns; i++) {
        int f = s->ns[i].flag;
        if (!s->ns[i].path) continue;
        if (f == CLONE_NEWCGROUP) return fail(".linux.namespaces: criu cannot restore into a cgroup namespace joined by path");
        if (f != CLONE_NEWNET && f != CLONE_NEWPID) {
            pb_pair(o, 39, f == CLONE_NEWNS ? "mnt" : ns_name(f), s->ns[i].path, 0);
            continue;
        }
        if (*nfds == 16) return fail(".linux.namespaces: too many");
        if ((fds[*nfds] = sys_open(s->ns[i].path, O_RDONLY | O_CLOEXEC, 0)) < 0) return failerr(".linux.namespaces: %s", s->ns[i].path);
        pb_pair(o, 27, f == CLONE_NEWNET ? "extRootNetNS" : "extRootPidNS", NULL, (*nfds)++);
    }
    return 0;
}

/* descriptors.json: the dumped stdio; its pipes become ours (the fds of
 * the same numbers, which criu inherits). */
static int criu_inherit_stdio(struct buf *o, int imgfd)
{
    char *text;
    size_t len;
    struct arena a = {0};
    if (read_file_at(imgfd, "descriptors.json", 1 << 16, &text, &len) < 0) return err_prefix("the image");
    const struct jv *v = json_parse(text, len, &a), *e;
    int r = v && v->type == J_ARR ? 0 : fail("the image's descriptors.json is not a JSON array"), i = 0;
    for (e = r == 0 ? v->child : NULL; e && i < 3; e = e->next, i++)
        if (e->type == J_STR && str_find(e->s, "pipe:")) pb_pair(o, 27, e->s, NULL, i);
    arena_free(&a);
    xfree(text);
    return r;
}

/* Where criu is in each hierarchy (the container's cgroup, which it was
 * moved into): the restored tree goes there (cg_root, as runc). */
static int criu_cg_roots(struct buf *o, pid_t pid)
{
    char path[32], *text;
    str_fmt(path, sizeof path, "/proc/%d/cgroup", (int)pid);
    if (read_file_at(AT_FDCWD, path, 1 << 16, &text, NULL) < 0) return -1;
    for (char *line = text, *next; *line; line = next) {
        char *nl = str_chr(line, '\n'), *c1 = str_chr(line, ':'), *c2 = c1 ? str_chr(c1 + 1, ':') : NULL, *save;
        next = nl ? nl + 1 : line + strlen(line);
        if (nl) *nl = 0;
        if (!c2) continue;
        *c2 = 0;
        if (c2 == c1 + 1) pb_pair(o, 25, "", c2 + 1, 0);
        for (char *ctl = str_tok(c1 + 1, ",", &save); ctl; ctl = str_tok(NULL, ",", &save)) pb_pair(o, 25, ctl, c2 + 1, 0);
    }
    xfree(text);
    return 0;
}

struct restore_ctx { struct create_job *j; const struct create_req *r; struct cstate *st; int have_st; };

/* post-restore: the container's state, as create writes it. */
static int restore_record(struct restore_ctx *x, pid_t pid)
{
    struct create_job *j = x->j;
    char c;
    if (pid <= 0 || proc_stat(pid, &j->start2, &c) < 0) return fail("criu reported a restored init (pid %d) that is not there", (int)pid);
    j->pid2 = pid;
    if (journal_add(j->journal, "pid %d %llu", (int)pid, (unsigned long long)j->start2) < 0 || job_state(j, x->r, x->st) < 0)
        return -1;
    x->have_st = 1;
    return state_stage(j->dirfd, x->st) < 0 || state_publish(j->dirfd) < 0 ? -1 : 0;
}

/* criu's notifications during a restore: the hooks once the namespaces
 * exist (runc's moment for prestart and createRuntime), the state once
 * the tree is back, and the new terminal's master. */
static int restore_notify(void *ctx, const struct criu_resp *n, int fd)
{
    struct restore_ctx *x = ctx;
    struct create_job *j = x->j;
    if (!strcmp(n->script, "orphan-pts-master")) {
        if (fd < 0) return fail("criu sent no terminal with orphan-pts-master");
        j->master = fd;
        return pty_to_console(j);
    }
    close_if(fd);
    if (!strcmp(n->script, "post-restore")) return restore_record(x, n->pid);
    if (strcmp(n->script, "setup-namespaces")) return 0;
    struct buf b = {0};
    struct hook_place at = { j->opts.bundle, environ, 0 };
    hook_state_json(&b, j->id, n->pid, "creating", j->opts.bundle, j->spec.annotations);
    int r = run_hooks(&j->spec, HOOK_PRESTART, b.p, 0, &at) < 0 || run_hooks(&j->spec, HOOK_CREATE_RUNTIME, b.p, 0, &at) < 0 ? -1 : 0;
    buf_free(&b);
    return r;
}

/* The restore request's options, but for cg_root (known once criu runs). */
static int restore_opts(struct buf *o, const struct criu_flags *f, struct create_job *j, int imgfd, int workfd, const char *log,
                        const char *root_dir, int *fds, int *nfds)
{
    if (criu_common_opts(o, f, imgfd, workfd, log, &j->spec) < 0 || criu_restore_ns(o, &j->spec, fds, nfds) < 0 ||
        criu_inherit_stdio(o, imgfd) < 0)
        return -1;
    pb_num(o, 6, 1), pb_num(o, 26, 1), pb_str(o, 13, root_dir);   /* evasive_devices, rst_sibling */
    if (f->lsm_profile) pb_str(o, 53, f->lsm_profile);
    if (f->lsm_mount_context) pb_str(o, 63, f->lsm_mount_context);
    criu_ext_mounts(o, &j->spec, j->opts.rootfs, j->opts.bundle, j->cg, 0, 1);
    return 0;
}

/* criu at work: started, moved into the cgroup (a systemd scope is made
 * for it), asked, and done. */
static int restore_run(const struct cli *c, const struct criu_flags *f, struct restore_ctx *x, struct buf *o, int *fds, int nfds,
                       const char *log, const char *root_dir)
{
    struct create_job *j = x->j;
    struct criu cr;
    struct criu_resp resp;
    struct buf req = {0};
    if (restore_root(j, root_dir) < 0 || criu_start(&cr, c->criu, fds, nfds, 0) < 0) return -1;
    cr.log = log;
    int r = (OCIRUN_SYSTEMD && start_scope(j, cr.pid) < 0) || (j->cg->n && join_cgroup(j, cr.pid, 0) < 0) ||
            criu_cg_roots(o, cr.pid) < 0 || criu_hello(&cr, f->lazy_pages ? CRIU_LAZY_PAGES : 0, 1) < 0 ? -1 : 0;
    if (r == 0 && (f->lsm_profile || f->lsm_mount_context) && cr.version < 31600)
        r = fail("--%s requires at least CRIU 3.16", f->lsm_profile ? "lsm-profile" : "lsm-mount-context");
    if (r == 0) {
        pb_num(&req, 1, CRIU_RESTORE);
        pb_bytes(&req, 2, o->p, o->len);
        r = criu_call(&cr, &req, CRIU_RESTORE, restore_notify, x, &resp);
    }
    buf_free(&req);
    /* a failed restore: criu sees the socket close, gives up and kills
     * what it restored, and exits; the undo does the rest */
    if (criu_finish(&cr, r == 0) < 0 || r < 0) return -1;
    return x->have_st ? 0 : fail("criu restored the container without a post-restore notification");
}

/* `restore`: a container made from the images and the bundle's config,
 * under the id given, as create makes one (state, cgroup, hooks), but its
 * processes are criu's.  Foreground (no --detach): waits for it as `run`
 * does, and deletes it when it exits. */
static int cmd_restore(const struct cli *c, int argc, char **argv, int *exit_status)
{
    struct criu_flags f;
    struct create_req r;
    struct create_job j;
    struct cstate st;
    struct restore_ctx x = { &j, &r, &st, 0 };
    struct buf o = {0};
    char log[PATH_MAX + 16], root_dir[PATH_MAX];
    int i = 1, imgfd = -1, workfd = -1, fds[16] = { -1, -1, -1, -1 }, nfds = 4, master = -1, ok;
    memset(&f, 0, sizeof f), memset(&st, 0, sizeof st);
    create_job_init(&j);
    if (parse_criu_flags("restore", argc, argv, &i, &f) < 0 ||
        want_args("restore", argc - i, 1, 1, "[--image-path DIR] [--bundle DIR] [--detach] ... <container-id>") < 0 ||
        create_req_from(c, argv[i], &f.cf, &r) < 0)
        return -1;
    r.foreground = !f.cf.detach, r.start_now = 1;
    j.id = r.id;
    /* (the config's own checks a create makes in stage 0; criu restores
     * the filter, the labels and the namespaced sysctls from the images) */
    ok = load_bundle(&j, &r) == 0 && proc_mounts_check(&j.spec) == 0 && check_terminal(&j, &r) == 0 && criu_dirs(&f, 0, &imgfd, &workfd, log, "restore.log") == 0 &&
         make_state_dir(&j, &r) == 0 && make_cgroup(&j, &r, NULL) == 0 &&
         (!j.cg || !j.cg->n || cg_apply_pids(j.cg, &j.spec.res) == 0);   /* (no stages here: now, as before criu runs) */
    if (ok && str_fmt(root_dir, sizeof root_dir, "%s/%s/criu-root", r.root, r.id) >= (int)sizeof root_dir)
        ok = fail("restore: %s/%s/criu-root: path too long", r.root, r.id) == 0;
    ok = ok && restore_opts(&o, &f, &j, imgfd, workfd, log, root_dir, fds, &nfds) == 0 &&
         restore_run(c, &f, &x, &o, fds, nfds, log, root_dir) == 0;
    if (j.dirfd >= 0) remove_criu_root(j.dirfd);
    ok = ok && (!r.pid_file || write_pid_file(r.pid_file, st.pid) == 0);
    if (!ok) {
        create_job_undo(&j, r.id);
        cstate_free(&st);
    }
    if (ok) master = j.master, j.master = -1;
    for (int k = 4; k < nfds; k++) close(fds[k]);
    close_if(imgfd);
    close_if(workfd);
    buf_free(&o);
    create_job_close(&j);
    if (!ok) return -1;
    pid_t pid = st.pid;
    cstate_free(&st);
    struct fg_io io = { master, { -1, -1, -1 } };
    if (f.cf.detach) return fg_io_close(&io), 0;
    hold_relayed_signals();   /* (only now: criu, our child, must not inherit them held) */
    return run_foreground(c, r.id, pid, &io, 0, exit_status, -1, -1, NULL);
}

#else
static int criu_probe(const char *exe, char out[32])
{
    (void)exe, (void)out;
    return fail("not built in");
}
static int cmd_checkpoint(const struct cli *c, int argc, char **argv)
{
    (void)c, (void)argc, (void)argv;
    return fail("checkpoint: not built in (a build with OCIRUN_CRIU=0)");
}
static int cmd_restore(const struct cli *c, int argc, char **argv, int *exit_status)
{
    (void)c, (void)argc, (void)argv, (void)exit_status;
    return fail("restore: not built in (a build with OCIRUN_CRIU=0)");
}
#endif

/* ======================================================================
 * 19. Main
 * ====================================================================== */

#if OCIRUN_CRIU
#define USAGE_CRIU "  checkpoint [--image-path DIR] [--work-path DIR] [--leave-running] [--pre-dump] [criu options] ID\n" \
                   "  restore [--image-path DIR] [--bundle DIR] [-d] [--pid-file F] [--console-socket S] [criu options] ID\n"
#else
#define USAGE_CRIU ""
#endif
static const char usage_text[] =
    "ocirun " OCIRUN_VERSION " - a small OCI container runtime (runc's command line; see ocirun(8))\n"
    "\n"
    "usage: ocirun [global options] COMMAND [options] [arguments]\n"
    "\n"
    "  create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot] ID\n"
    "  start ID | run [-d] [--keep] [create options] ID\n"
    "  exec [-t] [-d] [-e K=V] [-u UID[:GID]] [--cwd DIR] [--process F] ID [CMD...]\n"
    "  state ID | ps ID [ps options] | events [--stats] [--interval D] ID\n"
    "  kill [--all] ID [SIGNAL] | delete [--force] ID | pause ID | resume ID\n"
    "  update [--resources F|-] [--memory N] [--pids-limit N] [--cpu-quota N] ... ID\n"
    "  list [--format table|json] [-q] | spec [--bundle DIR] [--rootless]\n"
    USAGE_CRIU
    "  features | check [--format table|json]   what this runtime and this host support\n"
    "\n"
    "global options: --root DIR (default " OCIRUN_DEFAULT_ROOT "; users: $XDG_RUNTIME_DIR/ocirun),\n"
    "  --log FILE, --log-format text|json, --debug, --rootless auto|true|false, --version, --help\n";

int ocirun_stage_requested(int argc, char **argv)
{
    return argc > 1 && !strcmp(argv[1], OCIRUN_STAGE_ARG);
}

static int open_log(const char *path, const char *format)
{
    if (format) {
        if (!strcmp(format, "json")) logcfg.json = 1;
        else if (strcmp(format, "text")) return fail("invalid log format \"%s\" (text or json)", format);
    }
    if (path && !*path) path = NULL;   /* `--log=`: none, as runc */
    if (!path && logcfg.json) logcfg.fd = sys_fcntl(2, F_DUPFD_CLOEXEC, 3), logcfg.json_stderr = logcfg.fd >= 0;
    if (!path) return 0;
    if (!strncmp(path, "file:", 5)) path += 5;
    logcfg.fd = sys_open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    return logcfg.fd < 0 ? failerr("--log %s", path) : 0;
}

static int run_command(struct cli *c, int argc, char **argv, int *exit_status)
{
    const char *cmd = argv[0];
    if (!strcmp(cmd, "create")) return cmd_create(c, argc, argv);
    if (!strcmp(cmd, "start")) return cmd_start(c, argc, argv);
    if (!strcmp(cmd, "run")) return cmd_run(c, argc, argv, exit_status);
    if (!strcmp(cmd, "state")) return cmd_state(c, argc, argv);
    if (!strcmp(cmd, "exec")) {   /* 255, "exec failed", but for a wrong command line (runc) */
        if (cmd_exec(c, argc, argv, exit_status) == 0) return 0;
        return err_code == OCIRUN_E_USAGE ? -1 : (c->fail_status = 255, err_prefix("exec failed"));
    }
    if (!strcmp(cmd, "ps")) return cmd_ps(c, argc, argv);
    if (!strcmp(cmd, "pause")) return cmd_freeze(c, argc, argv, 1);
    if (!strcmp(cmd, "update")) return cmd_update(c, argc, argv);
    if (!strcmp(cmd, "events")) return cmd_events(c, argc, argv);
    if (!strcmp(cmd, "resume")) return cmd_freeze(c, argc, argv, 0);
    if (!strcmp(cmd, "kill")) return cmd_kill(c, argc, argv);
    if (!strcmp(cmd, "delete")) return cmd_delete(c, argc, argv);
    if (!strcmp(cmd, "list")) return cmd_list(c, argc, argv);
    if (!strcmp(cmd, "spec")) return cmd_spec(argc, argv);
    if (!strcmp(cmd, "features")) return cmd_features(c, argc, argv);
    if (!strcmp(cmd, "check")) return cmd_check(c, argc, argv, exit_status);
    if (!strcmp(cmd, "checkpoint")) return cmd_checkpoint(c, argc, argv);
    if (!strcmp(cmd, "restore")) return cmd_restore(c, argc, argv, exit_status);
    c->fail_status = 3;
    return fail("unknown command \"%s\" (see ocirun --help)", cmd);
}

static int dispatch(struct cli *c, int argc, char **argv, int *exit_status)
{
    memset(&cmd_help, 0, sizeof cmd_help);   /* (a library's caller may call ocirun_main again) */
    int help = !strcmp(argv[0], "help") || !strcmp(argv[0], "h");
    if (help && argc < 2) return write_out(usage_text, strlen(usage_text));
    if (help) cmd_help.asked = 1, argc = 1, argv++;   /* `help COMMAND` */
    int r = run_command(c, argc, argv, exit_status);
    return cmd_help.shown ? 0 : r;
}

/* The global flags, before the command. */
struct global_flags { const char *root, *log, *log_format, *rootless, *criu; int debug, systemd, version, help; };
#define GF(field) FLAG_AT(struct global_flags, field)
static const struct flag global_flag_defs[] = {
    { "root", 0, 'n', GF(root) }, { "log", 0, 's', GF(log) }, { "log-format", 0, 's', GF(log_format) },
    { "debug", 0, 'b', GF(debug) }, { "systemd-cgroup", 0, 'b', GF(systemd) }, { "rootless", 0, 's', GF(rootless) },
    { "version", 'v', 'b', GF(version) }, { "help", 'h', 'b', GF(help) },
    { "criu", 0, 'n', GF(criu) },   /* (last: not in a build without CRIU) */
};

static int cli_main(int argc, char **argv)
{
    struct global_flags g = {0};
    int i = 1, exit_status = 0;
    own_signals();
    int r = parse_flags("ocirun", argc, argv, &i, global_flag_defs, ARRAY_LEN(global_flag_defs) - !OCIRUN_CRIU, &g);
    struct cli c = { g.root, 0, 1, g.systemd, g.criu };
    const char *rootless = g.rootless;
    logcfg.debug = g.debug;
    if (logcfg.debug) logcfg.t0 = now_us();
    /* --help and --version open no log: a --log or --log-format they do
     * not use cannot fail them (runc) */
    if (r == 0 && !g.help && !g.version) r = open_log(g.log, g.log_format);
    if (r == 0 && (g.help || (i >= argc && !g.version)))   /* (no command: the help, as runc) */
        return write_out(usage_text, strlen(usage_text));
    if (r == 0 && g.version) {
        char v[96];
        return write_out(v, (size_t)str_fmt(v, sizeof v, "ocirun version %s\nspec: %s\n", OCIRUN_VERSION, OCIRUN_OCI_VERSION));
    }
    if (r == 0 && g.systemd && !OCIRUN_SYSTEMD) r = fail("--systemd-cgroup: this ocirun is built without the systemd driver (OCIRUN_SYSTEMD=0)");
    /* auto (runc's default): rootless when not root; else a Go boolean */
    int given = rootless && name_cmp(rootless, "auto"), rl = given ? go_bool(rootless) : -1;
    if (r == 0 && given && rl < 0) r = fail("--rootless: \"%s\" is not one of auto, true, false", rootless);
    c.rootless = rl >= 0 ? rl : running_rootless();
    int root_given = c.root != NULL;
    if (!root_given) c.root = default_root();   /* "" for a user without one: an error where it is used */
    if (r == 0 && root_given && c.root[0] != '/') {
        static char abs[PATH_MAX];
        if (!c.root[0] || dir_realpath(".", abs) < 0 || strlen(abs) + strlen(c.root) + 2 > sizeof abs)
            r = fail("--root: invalid path \"%s\"", c.root);
        else str_fmt(abs + strlen(abs), sizeof abs - strlen(abs), "/%s", c.root), c.root = abs;
    }
    if (r == 0) r = dispatch(&c, argc - i, argv + i, &exit_status);
    if (r < 0) {
        if (err_code != OCIRUN_E_OUTPUT) report_error(err_msg);   /* (a reader that left asks for nothing) */
        return c.fail_status;
    }
    return exit_status;
}

/* In a host program, a command leaves its signals and its log as they
 * were (the log file it opened closed), as the other calls do. */
int ocirun_main(int argc, char **argv)
{
    if (ocirun_stage_requested(argc, argv)) return stage_main(argc, argv);
#ifdef OCIRUN_NO_MAIN
    struct host_signals h;
    struct logcfg saved = logcfg;
    api_enter(&h);
    int status = cli_main(argc, argv);
    if (logcfg.fd >= 0 && logcfg.fd != saved.fd) close(logcfg.fd);
    logcfg = saved;
    return api_leave(&h, status);
#else
    return cli_main(argc, argv);
#endif
}

#ifndef OCIRUN_NO_MAIN
/* The command's fds 0-2 that its caller left closed get /dev/null: else
 * the first file opened here (a state file, a cgroup's) would be fd 1,
 * and in the container the process's first one (runc gives pipes).  One
 * poll says which: POLLNVAL, in order, so each open lands on its fd. */
static void open_closed_stdio(void)
{
    struct pollfd p[3] = { { 0, 0, 0 }, { 1, 0, 0 }, { 2, 0, 0 } };
    if (poll(p, 3, 0) > 0)
        for (int i = 0; i < 3; i++)
            if (p[i].revents & POLLNVAL) sys_open("/dev/null", O_RDWR, 0);
}

int main(int argc, char **argv)
{
    if (!ocirun_stage_requested(argc, argv)) open_closed_stdio();
    int status = ocirun_main(argc, argv);
    if (status && err_code == OCIRUN_E_OUTPUT) set_signal(SIGPIPE, SIG_DFL), kill(getpid(), SIGPIPE);
    return status;
}
#endif
