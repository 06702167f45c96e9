/* oldkernel MODE CMD...: runs CMD under a seccomp filter that makes this
 * kernel look like an old one, so the whole container suite can prove the
 * fallbacks of ocirun (test.sh uses it; the filter is inherited by ocirun,
 * its stages and the containers).
 *
 *   4.4      every x86_64 syscall newer than Linux 4.4 fails with ENOSYS
 *            (copy_file_range and up: statx, rseq, pidfd_*, clone3,
 *            close_range, openat2, fsopen/fsmount/open_tree/move_mount,
 *            mount_setattr, ...), and execveat too; memfd_create rejects
 *            flags newer than MFD_CLOEXEC|MFD_ALLOW_SEALING with EINVAL;
 *            fcntl(F_ADD_SEALS) fails with EINVAL, as on a broken backport;
 *            ioctl(TIOCGPTPEER) (4.13) fails with EINVAL; seccomp(2)
 *            takes no flag but TSYNC and no operation past
 *            SECCOMP_SET_MODE_FILTER (EINVAL), so filter flags, LOG,
 *            KILL_PROCESS and NOTIFY are missing as on 4.4.
 *   nomemfd  all of the above, and memfd_create and seccomp(2) fail with
 *            ENOSYS (3.x: filters go on with prctl, without flags).
 *
 * Other architectures and the x32 ABI are let through unchanged. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#define NR_ioctl 16
#define NR_fcntl 72
#define TIOCGPTPEER 0x5441
#define NR_memfd_create 319
#define NR_execveat 322
#define NR_seccomp 317
#define NR_first_new 326 /* copy_file_range, Linux 4.5 */
#define F_ADD_SEALS 1033

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGE(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ARG0 (offsetof(struct seccomp_data, args))     /* low halves on little-endian x86_64 */
#define ARG1 (offsetof(struct seccomp_data, args) + 8)

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "4.4") && strcmp(argv[1], "nomemfd"))) {
        fprintf(stderr, "usage: oldkernel 4.4|nomemfd CMD...\n");
        return 2;
    }
    int nomemfd = !strcmp(argv[1], "nomemfd");
    /* instruction indexes, so the jumps below read as "goto label" */
    enum { IOCTL = 10, FCNTL = 12, MEMFD = 14, SECCOMP = 16, ENOSYS_ = 20, EINVAL_ = 21, ALLOW = 22 };
#define TO(label, here) ((label) - (here) - 1)
    struct sock_filter f[] = {
        /* 0 */ LD(offsetof(struct seccomp_data, arch)),
        /* 1 */ JEQ(AUDIT_ARCH_X86_64, 0, TO(ALLOW, 1)),
        /* 2 */ LD(offsetof(struct seccomp_data, nr)),
        /* 3 */ JEQ(NR_ioctl, TO(IOCTL, 3), 0),
        /* 4 */ JEQ(NR_fcntl, TO(FCNTL, 4), 0),
        /* 5 */ JEQ(NR_memfd_create, TO(MEMFD, 5), 0),
        /* 6 */ JEQ(NR_execveat, TO(ENOSYS_, 6), 0),
        /* 7 */ JEQ(NR_seccomp, TO(nomemfd ? ENOSYS_ : SECCOMP, 7), 0),
        /* 8 */ JGE(0x40000000, TO(ALLOW, 8), 0),               /* x32 */
        /* 9 */ JGE(NR_first_new, TO(ENOSYS_, 9), TO(ALLOW, 9)),
        /* 10 IOCTL */ LD(ARG1),
        /* 11 */ JEQ(TIOCGPTPEER, TO(EINVAL_, 11), TO(ALLOW, 11)),
        /* 12 FCNTL */ LD(ARG1),
        /* 13 */ JEQ(F_ADD_SEALS, TO(EINVAL_, 13), TO(ALLOW, 13)),
        /* 14 MEMFD */ LD(ARG1),
        /* 15 */ JSET(nomemfd ? ~0u : ~3u, TO(nomemfd ? ENOSYS_ : EINVAL_, 15), TO(nomemfd ? ENOSYS_ : ALLOW, 15)),
        /* 16 SECCOMP */ LD(ARG0),
        /* 17 */ JGE(2, TO(EINVAL_, 17), 0),                     /* GET_ACTION_AVAIL (4.14) and later */
        /* 18 */ LD(ARG1),
        /* 19 */ JSET(~1u, TO(EINVAL_, 19), TO(ALLOW, 19)),      /* flags past TSYNC */
        /* 20 ENOSYS_ */ RET(SECCOMP_RET_ERRNO | ENOSYS),
        /* 21 EINVAL_ */ RET(SECCOMP_RET_ERRNO | EINVAL),
        /* 22 ALLOW */ RET(SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) { perror("oldkernel: seccomp"); return 2; }
    execvp(argv[2], argv + 2);
    perror("oldkernel: exec");
    return 127;
}
