/* sctest SYSCALL...: makes each named syscall once, inside a container
 * under a seccomp filter, and prints "NAME=ok" or "NAME=ERRNONAME" (one
 * line each), so test.sh can tell a filter's answer from the kernel's.
 * Built static (cc -static) and copied into the test rootfs.
 *
 *   unshare     unshare(CLONE_NEWNS)
 *   mount       mount("none", "/tmp", "tmpfs", 0, NULL)
 *   keyctl      keyctl(KEYCTL_JOIN_SESSION_KEYRING, "sctest")
 *   ptrace1     ptrace(PTRACE_ATTACH, 1)
 *   kexec       kexec_load(0, 0, NULL, 0)
 *   userfaultfd userfaultfd(0)
 *   clone3      clone3 with an invalid size (EINVAL if it gets through)
 *   getpid getppid gettid uname mkdir chdir     (mkdir: /tmp/sctest-dir)
 *   getpriority sched_getscheduler getitimer    (rarely used by a shell:
 *               the ones a test may TRAP or KILL)
 *   personality personality(0xffffffff): a query
 *   personality-norandom  personality(ADDR_NO_RANDOMIZE): podman's and
 *               Docker's profiles refuse it, the kernel allows it
 *   socket-vsock socket(AF_VSOCK, SOCK_STREAM, 0)
 *   nr-N        raw syscall number N, arguments 0 (a number no kernel has
 *               yet: what the filter answers for a syscall newer than it)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static long call(const char *n)
{
    if (!strcmp(n, "unshare")) return unshare(CLONE_NEWNS);
    if (!strcmp(n, "mount")) return mount("none", "/tmp", "tmpfs", 0, NULL);
    if (!strcmp(n, "keyctl")) return syscall(SYS_keyctl, 1, "sctest", 0, 0, 0);
    if (!strcmp(n, "ptrace1")) return ptrace(PTRACE_ATTACH, 1, NULL, NULL);
    if (!strcmp(n, "kexec")) return syscall(SYS_kexec_load, 0, 0, NULL, 0);
    if (!strcmp(n, "userfaultfd")) return syscall(SYS_userfaultfd, 0);
    if (!strcmp(n, "clone3")) return syscall(435, NULL, 0);
    if (!strcmp(n, "getpid")) return syscall(SYS_getpid);
    if (!strcmp(n, "getppid")) return syscall(SYS_getppid);
    if (!strcmp(n, "gettid")) return syscall(SYS_gettid);
    if (!strcmp(n, "uname")) { struct utsname u; return uname(&u); }
    if (!strcmp(n, "mkdir")) return mkdir("/tmp/sctest-dir", 0755);
    if (!strcmp(n, "chdir")) return chdir("/");
    if (!strcmp(n, "getpriority")) return syscall(SYS_getpriority, 0, 0);
    if (!strcmp(n, "sched_getscheduler")) return syscall(SYS_sched_getscheduler, 0);
    if (!strcmp(n, "getitimer")) { char t[64]; return syscall(SYS_getitimer, 0, t); }
    if (!strcmp(n, "personality")) return syscall(SYS_personality, 0xffffffffUL);
    if (!strcmp(n, "personality-norandom")) return syscall(SYS_personality, 0x0040000UL);
    if (!strcmp(n, "socket-vsock")) return socket(40, SOCK_STREAM, 0);
    if (!strncmp(n, "nr-", 3)) return syscall(atol(n + 3), 0, 0, 0, 0, 0, 0);
    errno = ENOENT;
    return -2;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        errno = 0;
        long r = call(argv[i]);
        if (r == -2) { printf("%s=unknown-test\n", argv[i]); continue; }
        if (r >= 0 || errno == 0) printf("%s=ok\n", argv[i]);
        else printf("%s=%s\n", argv[i], strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
        fflush(stdout);
    }
    return 0;
}
