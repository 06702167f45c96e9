/* sandbox.h: included by cli.c before ../../runtime.c, so that ocirun_main()
 * can run on fuzzed command lines inside the fuzzer's process without
 * acting on the host.  Every libc function and raw syscall runtime.c uses
 * to change something (mount, mkdir, unlink, kill, clone, execve, connect,
 * setns, prctl, write opens, ...) is replaced, for runtime.c's code only,
 * by a stub that fails with EPERM; what only reads (open O_RDONLY, stat,
 * getdents64, readlink, /proc) goes through.  The list is the undefined
 * symbols of runtime.o (`nm -u`) and the syscall numbers runtime.c passes
 * to syscall(): a new one that changes something must be added here, any
 * other is refused (sb_syscall's default).
 *
 * Writes to fds 1 and 2 are swallowed (FUZZ_VERBOSE=1 lets them through),
 * reads of fd 0 see end of file, sleeps return at once.  sb_denied counts
 * the refusals.  cli.c includes this file again with SANDBOX_OFF defined
 * after runtime.c, which takes the replacements away for its own code. */
#ifndef OCIRUN_FUZZ_SANDBOX_H
#define OCIRUN_FUZZ_SANDBOX_H

#define _GNU_SOURCE
/* every header runtime.c includes, first, so the macros below touch only
 * runtime.c's calls, never a prototype */
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
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static unsigned long sb_denied;
static int sb_verbose = -1;

static int sb_loud(void)
{
    if (sb_verbose < 0) sb_verbose = getenv("FUZZ_VERBOSE") != NULL;
    return sb_verbose;
}

static long sb_no(const char *what)
{
    sb_denied++;
    if (sb_loud()) fprintf(stderr, "  sandbox: refused %s\n", what);
    errno = EPERM;
    return -1;
}

static ssize_t sb_write(int fd, const void *p, size_t n)
{
    if (fd == 1 || fd == 2) {
        if (sb_loud()) return write(fd, p, n);
        return (ssize_t)n;
    }
    return write(fd, p, n);
}

static ssize_t sb_read(int fd, void *p, size_t n) { return fd == 0 ? 0 : read(fd, p, n); }

static int sb_close(int fd) { return fd <= 2 ? (int)sb_no("close of fd 0-2") : close(fd); }

/* flock(): only the non-blocking kind (a lock on a state directory the
 * runtime opened; never a wait) */
static int sb_flock(int fd, int op) { return (op & LOCK_NB) ? flock(fd, op) : (int)sb_no("flock"); }

/* poll(NULL, 0, ms) is sleep_ms(): returns at once; a wait on fds is refused */
static int sb_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    (void)fds, (void)timeout;
    return n ? (int)sb_no("poll") : 0;
}

static int sb_nanosleep(const struct timespec *req, struct timespec *rem) { (void)req, (void)rem; return 0; }

static mode_t sb_umask(mode_t m) { (void)m; sb_no("umask"); return 022; }

static sighandler_t sb_signal(int sig, sighandler_t h) { (void)sig, (void)h; sb_no("signal"); return SIG_DFL; }

static pid_t sb_waitpid(pid_t pid, int *status, int options)
{
    (void)pid, (void)status, (void)options;
    sb_no("waitpid");
    errno = ECHILD;
    return -1;
}

/* Raw syscalls: the ones that only read, or make an fd of the process's
 * own (socketpair, pipe, pidfd), go through; write opens only of
 * /dev/null; anything else is refused.  Only as many arguments are read
 * as runtime.c passes for that syscall (more would be a read past them,
 * which ASan reports). */
static long sb_syscall(long nr, ...)
{
    int nargs;
    switch (nr) {
    case SYS_fchdir: case SYS_chdir: nargs = 1; break;
    case SYS_flock: nargs = 2; break;
    case SYS_clock_gettime: case SYS_getcwd: case SYS_capget: case SYS_pipe2: case 434 /* pidfd_open */:
    case SYS_statfs: case SYS_fstatfs: nargs = 2; break;
    case SYS_fcntl: case SYS_socket: case SYS_ioctl: case SYS_getdents64: case 436 /* close_range */: case SYS_seccomp:
    case SYS_recvmsg: case SYS_sched_getaffinity: case SYS_faccessat: case SYS_read: case SYS_write: nargs = 3; break;
    case SYS_openat: case SYS_socketpair: case 439 /* faccessat2 */: case SYS_readlinkat: case SYS_wait4: nargs = 4; break;
    default: {
        char what[32];
        snprintf(what, sizeof what, "syscall %ld", nr);
        return sb_no(what);
    }
    }
    va_list ap;
    long a[4] = { 0 };
    va_start(ap, nr);
    for (int i = 0; i < nargs; i++) a[i] = va_arg(ap, long);
    va_end(ap);
    switch (nr) {
    case SYS_openat:
        if ((a[2] & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | 020000000 /* O_TMPFILE without O_DIRECTORY */)) &&
            strcmp((const char *)a[1], "/dev/null"))
            return sb_no("openat for writing");
        break;
    case SYS_seccomp:   /* GET_ACTION_AVAIL, or SET_MODE_FILTER of no program (a probe: EFAULT) */
        if (!(a[0] == 2 || (a[0] == 1 && a[2] == 0))) return sb_no("seccomp");
        break;
    case SYS_ioctl:
        if (a[1] != TCGETS && a[1] != TIOCGWINSZ) return sb_no("ioctl");
        break;
    case 436:   /* close_range: only to mark fds close-on-exec */
        if (a[2] != 4 /* CLOSE_RANGE_CLOEXEC */) return sb_no("close_range");
        break;
    case SYS_flock: return sb_flock((int)a[0], (int)a[1]);
    case SYS_read: return sb_read((int)a[0], (void *)a[1], (size_t)a[2]);
    case SYS_write: return sb_write((int)a[0], (const void *)a[1], (size_t)a[2]);
    case SYS_wait4: return sb_waitpid((pid_t)a[0], (int *)a[1], (int)a[2]);
    }
    return syscall(nr, a[0], a[1], a[2], a[3]);
}

/* Every argument is still evaluated (no unused-variable warnings, no
 * side effect lost); variadic, so a compound literal's commas pass. */
static int sb_no_v(const char *what, ...) { return (int)sb_no(what); }
#define SB_NO(name, ...) sb_no_v(name, __VA_ARGS__)

#define syscall sb_syscall
#define write(...) sb_write(__VA_ARGS__)
#define read(...) sb_read(__VA_ARGS__)
#define close(...) sb_close(__VA_ARGS__)
#define nanosleep(...) sb_nanosleep(__VA_ARGS__)
#define umask(...) sb_umask(__VA_ARGS__)
#define signal(...) sb_signal(__VA_ARGS__)
#define waitpid(...) sb_waitpid(__VA_ARGS__)
#define poll(...) sb_poll(__VA_ARGS__)
#define accept4(...) SB_NO("accept4", __VA_ARGS__)
#define bind(...) SB_NO("bind", __VA_ARGS__)
#define chroot(...) SB_NO("chroot", __VA_ARGS__)
#define clone(...) SB_NO("clone", __VA_ARGS__)
#define connect(...) SB_NO("connect", __VA_ARGS__)
#define dup2(...) SB_NO("dup2", __VA_ARGS__)
#define execve(...) SB_NO("execve", __VA_ARGS__)
#define fchmod(...) SB_NO("fchmod", __VA_ARGS__)
#define fchownat(...) SB_NO("fchownat", __VA_ARGS__)
#define flock(...) sb_flock(__VA_ARGS__)
#define kill(...) SB_NO("kill", __VA_ARGS__)
#define listen(...) SB_NO("listen", __VA_ARGS__)
#define mkdir(...) SB_NO("mkdir", __VA_ARGS__)
#define mkdirat(...) SB_NO("mkdirat", __VA_ARGS__)
#define mknodat(...) SB_NO("mknodat", __VA_ARGS__)
#define mount(...) SB_NO("mount", __VA_ARGS__)
#define pause() SB_NO("pause", 0)
#define prctl(...) SB_NO("prctl", __VA_ARGS__)
#define pwrite(...) SB_NO("pwrite", __VA_ARGS__)
#define renameat(...) SB_NO("renameat", __VA_ARGS__)
#define rmdir(...) SB_NO("rmdir", __VA_ARGS__)
#define sendmsg(...) SB_NO("sendmsg", __VA_ARGS__)
#define setdomainname(...) SB_NO("setdomainname", __VA_ARGS__)
#define sethostname(...) SB_NO("sethostname", __VA_ARGS__)
#define setns(...) SB_NO("setns", __VA_ARGS__)
#define setpgid(...) SB_NO("setpgid", __VA_ARGS__)
#define setsid() SB_NO("setsid", 0)
#define sigaction(...) SB_NO("sigaction", __VA_ARGS__)
#define symlinkat(...) SB_NO("symlinkat", __VA_ARGS__)
#define umount2(...) SB_NO("umount2", __VA_ARGS__)
#define unlinkat(...) SB_NO("unlinkat", __VA_ARGS__)
#define unshare(...) SB_NO("unshare", __VA_ARGS__)
/* chdir() and fchdir() go through: dir_realpath() enters a directory and
 * comes back; cli.c checks the working directory after every input */

#endif /* OCIRUN_FUZZ_SANDBOX_H */

/* Included again with SANDBOX_OFF defined, after runtime.c: the harness
 * itself uses the real functions. */
#if defined(SANDBOX_OFF) && !defined(OCIRUN_FUZZ_SANDBOX_OFF)
#define OCIRUN_FUZZ_SANDBOX_OFF
#undef syscall
#undef write
#undef read
#undef close
#undef nanosleep
#undef umask
#undef signal
#undef waitpid
#undef accept4
#undef bind
#undef chroot
#undef clone
#undef connect
#undef dup2
#undef execve
#undef fchmod
#undef fchownat
#undef flock
#undef kill
#undef listen
#undef mkdir
#undef mkdirat
#undef mknodat
#undef mount
#undef pause
#undef poll
#undef prctl
#undef pwrite
#undef renameat
#undef rmdir
#undef sendmsg
#undef setdomainname
#undef sethostname
#undef setns
#undef setpgid
#undef setsid
#undef sigaction
#undef symlinkat
#undef umount2
#undef unlinkat
#undef unshare
#endif
