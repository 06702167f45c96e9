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
 *            ioctl(TIOCGPTPEER) (4.13) fails with EINVAL.
 *   nomemfd  all of the above, and memfd_create fails with ENOSYS (3.x).
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
#define NR_first_new 326 /* copy_file_range, Linux 4.5 */
#define F_ADD_SEALS 1033

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define JGE(k, t, f) BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, (k), (t), (f))
#define JSET(k, t, f) BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))
#define ARG1 (offsetof(struct seccomp_data, args) + 8) /* low half on little-endian x86_64 */

int main(int argc, char **argv)
{
    if (argc < 3 || (strcmp(argv[1], "4.4") && strcmp(argv[1], "nomemfd"))) {
        fprintf(stderr, "usage: oldkernel 4.4|nomemfd CMD...\n");
        return 2;
    }
    int nomemfd = !strcmp(argv[1], "nomemfd");
    /* instruction indexes, so the jumps below read as "goto label" */
    enum { IOCTL = 9, FCNTL = 11, MEMFD = 13, ENOSYS_ = 15, EINVAL_ = 16, ALLOW = 17 };
#define TO(label, here) ((label) - (here) - 1)
    struct sock_filter f[] = {
        /* 0 */ LD(offsetof(struct seccomp_data, arch)),
        /* 1 */ JEQ(AUDIT_ARCH_X86_64, 0, TO(ALLOW, 1)),
        /* 2 */ LD(offsetof(struct seccomp_data, nr)),
        /* 3 */ JEQ(NR_ioctl, TO(IOCTL, 3), 0),
        /* 4 */ JEQ(NR_fcntl, TO(FCNTL, 4), 0),
        /* 5 */ JEQ(NR_memfd_create, TO(MEMFD, 5), 0),
        /* 6 */ JEQ(NR_execveat, TO(ENOSYS_, 6), 0),
        /* 7 */ JGE(0x40000000, TO(ALLOW, 7), 0),               /* x32 */
        /* 8 */ JGE(NR_first_new, TO(ENOSYS_, 8), TO(ALLOW, 8)),
        /* 9 IOCTL */ LD(ARG1),
        /* 10 */ JEQ(TIOCGPTPEER, TO(EINVAL_, 10), TO(ALLOW, 10)),
        /* 11 FCNTL */ LD(ARG1),
        /* 12 */ JEQ(F_ADD_SEALS, TO(EINVAL_, 12), TO(ALLOW, 12)),
        /* 13 MEMFD */ LD(ARG1),
        /* 14 */ JSET(nomemfd ? ~0u : ~3u, TO(nomemfd ? ENOSYS_ : EINVAL_, 14), TO(nomemfd ? ENOSYS_ : ALLOW, 14)),
        /* 15 ENOSYS_ */ RET(SECCOMP_RET_ERRNO | ENOSYS),
        /* 16 EINVAL_ */ RET(SECCOMP_RET_ERRNO | EINVAL),
        /* 17 ALLOW */ RET(SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) { perror("oldkernel: seccomp"); return 2; }
    execvp(argv[2], argv + 2);
    perror("oldkernel: exec");
    return 127;
}
