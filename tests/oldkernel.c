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
 *            fcntl(F_ADD_SEALS) fails with EINVAL, as on a broken backport.
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

#define NR_fcntl 72
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
    enum { FCNTL = 8, MEMFD = 10, ENOSYS_ = 12, EINVAL_ = 13, ALLOW = 14 };
#define TO(label, here) ((label) - (here) - 1)
    struct sock_filter f[] = {
        /* 0 */ LD(offsetof(struct seccomp_data, arch)),
        /* 1 */ JEQ(AUDIT_ARCH_X86_64, 0, TO(ALLOW, 1)),
        /* 2 */ LD(offsetof(struct seccomp_data, nr)),
        /* 3 */ JEQ(NR_fcntl, TO(FCNTL, 3), 0),
        /* 4 */ JEQ(NR_memfd_create, TO(MEMFD, 4), 0),
        /* 5 */ JEQ(NR_execveat, TO(ENOSYS_, 5), 0),
        /* 6 */ JGE(0x40000000, TO(ALLOW, 6), 0),               /* x32 */
        /* 7 */ JGE(NR_first_new, TO(ENOSYS_, 7), TO(ALLOW, 7)),
        /* 8 FCNTL */ LD(ARG1),
        /* 9 */ JEQ(F_ADD_SEALS, TO(EINVAL_, 9), TO(ALLOW, 9)),
        /* 10 MEMFD */ LD(ARG1),
        /* 11 */ JSET(nomemfd ? ~0u : ~3u, TO(nomemfd ? ENOSYS_ : EINVAL_, 11), TO(nomemfd ? ENOSYS_ : ALLOW, 11)),
        /* 12 ENOSYS_ */ RET(SECCOMP_RET_ERRNO | ENOSYS),
        /* 13 EINVAL_ */ RET(SECCOMP_RET_ERRNO | EINVAL),
        /* 14 ALLOW */ RET(SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) { perror("oldkernel: seccomp"); return 2; }
    execvp(argv[2], argv + 2);
    perror("oldkernel: exec");
    return 127;
}
