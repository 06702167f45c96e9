/* fake RULE... -- CMD...: runs CMD under a seccomp filter that makes some
 * syscalls fail, so test.sh can show what `ocirun check` says when the
 * kernel lacks something.  RULE is NAME[:ARG0|&BITS]=ERRNO: NAME's syscall
 * (or only those whose first argument equals ARG0, or has one of BITS
 * set) fails with ERRNO (ENOSYS,
 * EINVAL, EPERM, ENOSPC).  NAME "new" is every syscall newer than Linux 4.4
 * (copy_file_range, 326, and up), as a container manager's seccomp profile
 * older than them refuses them (EPERM).  x86_64 only; other arches run CMD
 * unfiltered after a warning.
 *
 *   fake clone3=ENOSYS unshare:0x20000000=EINVAL -- ./ocirun check */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const struct { const char *name; int nr; } calls[] = {
    { "unshare", 272 }, { "pivot_root", 155 }, { "keyctl", 250 }, { "prctl", 157 }, { "memfd_create", 319 },
    { "bpf", 321 }, { "clone3", 435 }, { "openat2", 437 }, { "pidfd_open", 434 }, { "mount_setattr", 442 },
    { "seccomp", 317 }, { "open_tree", 428 }, { "faccessat2", 439 }, { "pidfd_send_signal", 424 }, { "mknodat", 259 },
    { "new", 326 },   /* and up: BPF_JGE below */
};
static const struct { const char *name; int e; } errnos[] = {
    { "ENOSYS", ENOSYS }, { "EINVAL", EINVAL }, { "EPERM", EPERM }, { "ENOSPC", ENOSPC },
};

int main(int argc, char **argv)
{
    struct sock_filter f[256];
    int n = 0, i = 1;
#define ADD(c, t, ff, k) f[n++] = (struct sock_filter)BPF_JUMP((c), (k), (t), (ff))
    ADD(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    int arch_check = n;
    ADD(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, AUDIT_ARCH_X86_64);   /* jf patched: to ALLOW */
    for (; i < argc && strcmp(argv[i], "--"); i++) {
        char name[32], *eq = strchr(argv[i], '='), *colon = strchr(argv[i], ':');
        int nr = -1, e = -1;
        long arg = -1;
        int bits = 0;   /* ":&BITS": any of them set in the first argument */
        if (!eq) { fprintf(stderr, "fake: bad rule %s\n", argv[i]); return 2; }
        snprintf(name, sizeof name, "%.*s", (int)((colon && colon < eq ? colon : eq) - argv[i]), argv[i]);
        if (colon && colon < eq) bits = colon[1] == '&', arg = strtol(colon + 1 + bits, NULL, 0);
        for (size_t k = 0; k < sizeof calls / sizeof *calls; k++) if (!strcmp(calls[k].name, name)) nr = calls[k].nr;
        for (size_t k = 0; k < sizeof errnos / sizeof *errnos; k++) if (!strcmp(errnos[k].name, eq + 1)) e = errnos[k].e;
        if (nr < 0 || e < 0) { fprintf(stderr, "fake: unknown syscall or errno in %s\n", argv[i]); return 2; }
        /* ld nr; jne nr -> next rule; [ld arg0; jne arg -> next rule;] ret errno */
        ADD(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
        ADD(BPF_JMP | (strcmp(name, "new") ? BPF_JEQ : BPF_JGE) | BPF_K, 0, arg >= 0 ? 3 : 1, (unsigned)nr);
        if (arg >= 0) {
            ADD(BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, args));
            ADD(BPF_JMP | (bits ? BPF_JSET : BPF_JEQ) | BPF_K, 0, 1, (unsigned)arg);
        }
        f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)e);
        if (n > 240) { fprintf(stderr, "fake: too many rules\n"); return 2; }
    }
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[arch_check].jf = (unsigned char)(n - 1 - arch_check - 1);
    if (i >= argc - 1) { fprintf(stderr, "usage: fake RULE... -- CMD...\n"); return 2; }
    struct sock_fprog prog = { (unsigned short)n, f };
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
        perror("fake: seccomp");
        return 2;
    }
    execvp(argv[i + 1], argv + i + 1);
    perror("fake: exec");
    return 127;
}
