/* probe: what a container process observes, as a deterministic,
 * line-oriented "key=value" report on stdout (tests/differential/run.sh
 * runs it under runc and under ocirun and compares the reports key by key).
 * Built static (cc -static -O2) and copied into the test rootfs as /probe.
 *
 *   probe [ARG...]          the report; ARGs ask for more:
 *     stat=PATH             type, mode, owner and access(2) of PATH
 *     read=PATH             whether PATH opens and reads (ok or errno name)
 *     file=PATH             PATH's lines, as file.PATH.N=LINE
 *     sysctl=NAME           /proc/sys/NAME (dots as slashes)
 *     rootmnt=PATH          the rootfs's path on the host: the mount table
 *                           is the tree under the mount of it at /
 *   probe --hook NAME LOG   an OCI hook: reads the state on stdin and
 *                           appends one line about it to LOG (status, id,
 *                           bundle, pid as 0/1/N, namespaces, cwd, uid, env)
 *   probe --hook-fail       exits 3 (a failing hook)
 *
 * Everything volatile is normalized away: no inode, mount id, pid (other
 * than "1", "0" or "self"), time or pointer appears in the report.  The
 * syscall checks run in a child each and are chosen to leave nothing
 * behind (an unknown fs type for mount, invalid flags for kexec_load, a
 * wrong magic for reboot, ...): the answer tells a permission or seccomp
 * refusal (EPERM, EACCES, a filter's errno or SIGSYS) from the kernel's
 * own argument check.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/reboot.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

static const char *ename(int e)
{
    const char *n = strerrorname_np(e);
    static char buf[32];
    if (n) return n;
    snprintf(buf, sizeof buf, "E%d", e);
    return buf;
}

static void out(const char *key, const char *fmt, ...)
{
    va_list ap;
    fputs(key, stdout);
    putchar('=');
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* ------------------------------------------------------------ helpers -- */

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static char *slurp(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 4096, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (n == cap) b = realloc(b, (cap *= 2) + 1);
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r < 0) { int e = errno; free(b); close(fd); errno = e; return NULL; }
            break;
        }
        n += (size_t)r;
    }
    close(fd);
    b[n] = 0;
    if (len) *len = n;
    return b;
}

/* first line of a file, without the newline; NULL with errno */
static char *line1(const char *path)
{
    char *s = slurp(path, NULL);
    if (!s) return NULL;
    s[strcspn(s, "\n")] = 0;
    return s;
}

/* value of "Key:" in /proc/self/status, whitespace squeezed */
static char *status_field(const char *status, const char *key)
{
    static char buf[4096];
    size_t kl = strlen(key);
    for (const char *p = status; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, key, kl) && p[kl] == ':') {
            p += kl + 1;
            while (*p == ' ' || *p == '\t') p++;
            size_t i = 0;
            int sp = 0;
            for (; *p && *p != '\n' && i < sizeof buf - 1; p++) {
                if (*p == ' ' || *p == '\t') { sp = 1; continue; }
                if (sp && i) buf[i++] = ' ';
                sp = 0;
                buf[i++] = *p;
            }
            buf[i] = 0;
            return buf;
        }
    }
    return NULL;
}

static const char *capnames[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
    "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
    "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
    "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
    "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
    "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
};
#define NCAPS (int)(sizeof capnames / sizeof *capnames)

static void caps(const char *key, const char *hex)
{
    if (!hex) { out(key, "?"); return; }
    unsigned long long v = strtoull(hex, NULL, 16);
    char buf[1024] = "";
    if (v == 0) { out(key, "-"); return; }
    if (v == (1ULL << NCAPS) - 1) { out(key, "all"); return; }
    for (int i = 0; i < 64; i++) {
        if (!(v & (1ULL << i))) continue;
        char one[40];
        if (i < NCAPS) snprintf(one, sizeof one, "%s%s", *buf ? "," : "", capnames[i]);
        else snprintf(one, sizeof one, "%s%d", *buf ? "," : "", i);
        strncat(buf, one, sizeof buf - strlen(buf) - 1);
    }
    out(key, "%s", buf);
}

static char ftype(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFDIR: return 'd';
    case S_IFREG: return 'f';
    case S_IFLNK: return 'l';
    case S_IFCHR: return 'c';
    case S_IFBLK: return 'b';
    case S_IFIFO: return 'p';
    case S_IFSOCK: return 's';
    }
    return '?';
}

/* "TYPE MODE UID GID [MAJ:MIN] [-> TARGET]" of an lstat */
static void describe(char *buf, size_t n, const char *path, const struct stat *st)
{
    int l = snprintf(buf, n, "%c %04o %u %u", ftype(st->st_mode), (unsigned)(st->st_mode & 07777),
                     (unsigned)st->st_uid, (unsigned)st->st_gid);
    if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode))
        l += snprintf(buf + l, n - (size_t)l, " %u:%u", major(st->st_rdev), minor(st->st_rdev));
    if (S_ISLNK(st->st_mode)) {
        char t[PATH_MAX];
        ssize_t r = readlink(path, t, sizeof t - 1);
        if (r >= 0) { t[r] = 0; snprintf(buf + l, n - (size_t)l, " -> %s", t); }
    }
}

/* ------------------------------------------------------------ sections -- */

static void ids(const char *status)
{
    uid_t r, e, s;
    gid_t gr, ge, gs;
    getresuid(&r, &e, &s);
    getresgid(&gr, &ge, &gs);
    out("uid", "%u %u %u", r, e, s);
    out("gid", "%u %u %u", gr, ge, gs);
    gid_t g[NGROUPS_MAX];
    int n = getgroups(NGROUPS_MAX, g);
    char buf[4096] = "";
    if (n < 0) { out("groups", "%s", ename(errno)); }
    else {
        for (int i = 1; i < n; i++)          /* insertion sort */
            for (int j = i; j > 0 && g[j] < g[j - 1]; j--) { gid_t t = g[j]; g[j] = g[j - 1]; g[j - 1] = t; }
        for (int i = 0; i < n; i++) {
            char one[16];
            snprintf(one, sizeof one, "%s%u", i ? "," : "", g[i]);
            strncat(buf, one, sizeof buf - strlen(buf) - 1);
        }
        out("groups", "%s", n ? buf : "-");
    }
    char *v;
    out("umask", "%s", status && (v = status_field(status, "Umask")) ? v : "?");
    static const char *maps[] = { "uid_map", "gid_map" };
    for (int i = 0; i < 2; i++) {
        char p[64];
        snprintf(p, sizeof p, "/proc/self/%s", maps[i]);
        char *m = slurp(p, NULL);
        if (!m) { out(maps[i], "%s", ename(errno)); continue; }
        char *w = m;                       /* columns squeezed, lines joined by ";" */
        int sp = 0;
        for (char *r = m; *r; r++) {
            if (*r == ' ' || *r == '\t') { sp = 1; continue; }
            if (*r == '\n') { if (w > m && w[-1] != ';') *w++ = ';'; sp = 0; continue; }
            if (sp && w > m && w[-1] != ';') *w++ = ' ';
            sp = 0;
            *w++ = *r;
        }
        while (w > m && w[-1] == ';') w--;
        *w = 0;
        out(maps[i], "%s", m);
        free(m);
    }
}

static void proc_status(const char *status)
{
    static const char *capk[] = { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" };
    for (int i = 0; i < 5; i++) {
        char key[16];
        snprintf(key, sizeof key, "cap.%s", capk[i] + 3);
        caps(key, status ? status_field(status, capk[i]) : NULL);
    }
    static const char *keys[] = { "NoNewPrivs", "Seccomp", "Seccomp_filters", "SigBlk", "SigIgn",
                                  "SigCgt", "Cpus_allowed_list", "Mems_allowed_list" };
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char *v = status ? status_field(status, keys[i]) : NULL;
        char key[64];
        snprintf(key, sizeof key, "status.%s", keys[i]);
        out(key, "%s", v ? v : "?");
    }
}

static void prctls(void)
{
    out("prctl.no_new_privs", "%d", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
    out("prctl.dumpable", "%d", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    out("prctl.securebits", "%#x", prctl(PR_GET_SECUREBITS, 0, 0, 0, 0));
    int sig = 0;
    prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0);
    out("prctl.pdeathsig", "%d", sig);
    int sr = 0;
    prctl(PR_GET_CHILD_SUBREAPER, &sr, 0, 0, 0);
    out("prctl.child_subreaper", "%d", sr);
    out("prctl.keepcaps", "%d", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
}

static const char *pidname(pid_t p, pid_t self)
{
    static char buf[4][16];
    static int k;
    k = (k + 1) % 4;
    if (p == self) return "self";
    if (p == 0 || p == 1) { snprintf(buf[k], 16, "%d", p); return buf[k]; }
    if (p < 0) return ename(errno);
    return "other";
}

static void procinfo(void)
{
    pid_t self = getpid();
    out("pid", "%s", self == 1 ? "1" : "other");
    /* outside a pid namespace the parent is whoever holds the process at
     * the time (the runtime, a subreaper, init): not comparable */
    out("ppid", "%s", self == 1 ? pidname(getppid(), self) : "-");
    out("sid", "%s", pidname(getsid(0), self));
    out("pgid", "%s", pidname(getpgid(0), self));
    out("tcpgrp", "%s", pidname(tcgetpgrp(0), self));
    char cwd[PATH_MAX];
    out("cwd", "%s", getcwd(cwd, sizeof cwd) ? cwd : ename(errno));
    char *v = line1("/proc/self/oom_score_adj");
    out("oom_score_adj", "%s", v ? v : ename(errno));
    free(v);
    errno = 0;
    int nv = getpriority(PRIO_PROCESS, 0);
    out("nice", "%d", errno ? -999 : nv);
    out("sched_policy", "%d", sched_getscheduler(0));
    out("ioprio", "%ld", syscall(SYS_ioprio_get, 1, 0));
    struct utsname u;
    uname(&u);
    out("hostname", "%s", u.nodename);
    out("domainname", "%s", u.domainname);
    char exe[PATH_MAX];
    ssize_t r = readlink("/proc/self/exe", exe, sizeof exe - 1);
    out("exe", "%s", r < 0 ? ename(errno) : (exe[r] = 0, exe));
}

static void rlimits(void)
{
    static const struct { int r; const char *n; } lim[] = {
        { RLIMIT_AS, "AS" }, { RLIMIT_CORE, "CORE" }, { RLIMIT_CPU, "CPU" }, { RLIMIT_DATA, "DATA" },
        { RLIMIT_FSIZE, "FSIZE" }, { RLIMIT_LOCKS, "LOCKS" }, { RLIMIT_MEMLOCK, "MEMLOCK" },
        { RLIMIT_MSGQUEUE, "MSGQUEUE" }, { RLIMIT_NICE, "NICE" }, { RLIMIT_NOFILE, "NOFILE" },
        { RLIMIT_NPROC, "NPROC" }, { RLIMIT_RSS, "RSS" }, { RLIMIT_RTPRIO, "RTPRIO" },
        { RLIMIT_RTTIME, "RTTIME" }, { RLIMIT_SIGPENDING, "SIGPENDING" }, { RLIMIT_STACK, "STACK" },
    };
    for (size_t i = 0; i < sizeof lim / sizeof *lim; i++) {
        struct rlimit rl;
        char key[32], s[32], h[32];
        snprintf(key, sizeof key, "rlimit.%s", lim[i].n);
        if (getrlimit(lim[i].r, &rl) < 0) { out(key, "%s", ename(errno)); continue; }
        if (rl.rlim_cur == RLIM_INFINITY) strcpy(s, "unlimited"); else snprintf(s, sizeof s, "%llu", (unsigned long long)rl.rlim_cur);
        if (rl.rlim_max == RLIM_INFINITY) strcpy(h, "unlimited"); else snprintf(h, sizeof h, "%llu", (unsigned long long)rl.rlim_max);
        out(key, "%s %s", s, h);
    }
}

static void fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d) { out("fds", "%s", ename(errno)); return; }
    int me = dirfd(d);
    int list[1024], n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 1024) {
        if (e->d_name[0] == '.') continue;
        int fd = atoi(e->d_name);
        if (fd != me) list[n++] = fd;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && list[j] < list[j - 1]; j--) { int t = list[j]; list[j] = list[j - 1]; list[j - 1] = t; }
    char all[4096] = "";
    for (int i = 0; i < n; i++) {
        char p[64], t[PATH_MAX], key[32];
        snprintf(p, sizeof p, "/proc/self/fd/%d", list[i]);
        ssize_t r = readlink(p, t, sizeof t - 1);
        if (r < 0) strcpy(t, ename(errno)); else t[r] = 0;
        if (!strncmp(t, "pipe:", 5)) strcpy(t, "pipe");
        else if (!strncmp(t, "socket:", 7)) strcpy(t, "socket");
        else if (!strncmp(t, "anon_inode:", 11)) { char *b = strchr(t, '['); if (b) { memmove(t, b, strlen(b) + 1); } }
        int fl = fcntl(list[i], F_GETFL), fdf = fcntl(list[i], F_GETFD);
        const char *acc = fl < 0 ? "?" : (fl & O_ACCMODE) == O_RDONLY ? "r" : (fl & O_ACCMODE) == O_WRONLY ? "w" : "rw";
        snprintf(key, sizeof key, "fd.%d", list[i]);
        out(key, "%s %s%s", t, acc, fdf > 0 && (fdf & FD_CLOEXEC) ? " cloexec" : "");
        char one[16];
        snprintf(one, sizeof one, "%s%d", i ? "," : "", list[i]);
        strncat(all, one, sizeof all - strlen(all) - 1);
    }
    closedir(d);
    out("fds", "%s", all);
}

static void tty(void)
{
    for (int fd = 0; fd < 3; fd++) {
        char key[32];
        snprintf(key, sizeof key, "tty.%d", fd);
        if (!isatty(fd)) { out(key, "no"); continue; }
        char name[PATH_MAX] = "?";
        ttyname_r(fd, name, sizeof name);
        struct stat st;
        fstat(fd, &st);
        struct termios t;
        char fl[256] = "?";
        if (tcgetattr(fd, &t) == 0)
            snprintf(fl, sizeof fl, "%cOPOST %cONLCR %cECHO %cICANON %cISIG %cICRNL",
                     t.c_oflag & OPOST ? '+' : '-', t.c_oflag & ONLCR ? '+' : '-',
                     t.c_lflag & ECHO ? '+' : '-', t.c_lflag & ICANON ? '+' : '-',
                     t.c_lflag & ISIG ? '+' : '-', t.c_iflag & ICRNL ? '+' : '-');
        struct winsize ws = { 0 };
        ioctl(fd, TIOCGWINSZ, &ws);
        out(key, "%s owner=%u:%u mode=%04o %s size=%ux%u", name, st.st_uid, st.st_gid,
            st.st_mode & 07777, fl, ws.ws_row, ws.ws_col);
    }
    int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);
    out("tty.ctty", "%s", fd >= 0 ? "ok" : ename(errno));
    if (fd >= 0) close(fd);
}

static void env(char **envp)
{
    int n = 0;
    while (envp[n]) n++;
    char **e = malloc(sizeof *e * (size_t)(n + 1));
    memcpy(e, envp, sizeof *e * (size_t)n);
    qsort(e, (size_t)n, sizeof *e, cmpstr);
    out("env.count", "%d", n);
    char prev[256] = "";
    int dup = 1;
    for (int i = 0; i < n; i++) {
        char key[300];
        const char *eq = strchr(e[i], '=');
        int kl = eq ? (int)(eq - e[i]) : (int)strlen(e[i]);
        if (kl > 200) kl = 200;
        char name[256];
        snprintf(name, sizeof name, "%.*s", kl, e[i]);
        dup = strcmp(name, prev) ? 1 : dup + 1;
        strcpy(prev, name);
        if (dup > 1) snprintf(key, sizeof key, "env.%s#%d", name, dup);
        else snprintf(key, sizeof key, "env.%s", name);
        out(key, "%s", eq ? eq + 1 : "(no '=')");
    }
    free(e);
}

/* mountinfo: one key per mount point (a mount stacked on another one at
 * the same point gets #2, #3 ...); value: fstype source root mount-options
 * super-options propagation parent-mount-point */
struct mnt { int id, parent; char *mp, *root, *opts, *fstype, *src, *super, *prop; };

static char *unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; ) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] && r[3]) {
            *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
            r += 4;
        } else *w++ = *r++;
    }
    *w = 0;
    return s;
}

static const char *rootmnt;   /* rootmnt=PATH: the rootfs's path on the host */

static void mounts(void)
{
    char *mi = slurp("/proc/self/mountinfo", NULL);
    if (!mi) { out("mounts", "%s", ename(errno)); return; }
    struct mnt m[512];
    int n = 0;
    for (char *line = strtok(mi, "\n"); line && n < 512; line = strtok(NULL, "\n")) {
        char *f[64];
        int nf = 0;
        for (char *s = line; nf < 64; ) {
            while (*s == ' ') s++;
            if (!*s) break;
            f[nf++] = s;
            char *sp = strchr(s, ' ');
            if (!sp) break;
            *sp = 0;
            s = sp + 1;
        }
        if (nf < 10) continue;
        int dash = 6;
        while (dash < nf && strcmp(f[dash], "-")) dash++;
        if (dash + 2 >= nf) continue;
        struct mnt *x = &m[n++];
        x->id = atoi(f[0]);
        x->parent = atoi(f[1]);
        x->root = unescape(f[3]);
        x->mp = unescape(f[4]);
        x->opts = f[5];
        static char props[512][128];
        char *p = props[n - 1];
        *p = 0;
        for (int i = 6; i < dash; i++) {
            char tag[64];
            snprintf(tag, sizeof tag, "%s", f[i]);
            tag[strcspn(tag, ":")] = 0;
            if (*p) strcat(p, ",");
            strncat(p, tag, 127 - strlen(p));
        }
        if (!*p) strcpy(p, "private");
        x->prop = p;
        x->fstype = f[dash + 1];
        x->src = unescape(f[dash + 2]);
        x->super = dash + 3 < nf ? f[dash + 3] : "";
        if (!strcmp(x->fstype, "nsfs")) {     /* root is "net:[INODE]": the inode is volatile */
            char *b = strchr(x->root, '[');
            if (b) strcpy(b, "[N]");
        }
    }
    /* only the mounts under the process's root: a mount left over from
     * the runtime's old root (say, when the host has several mounts
     * stacked at /) is counted, not listed */
    int in[512] = { 0 }, outside = 0, rootidx = -1;
    /* the root mount: the one at / whose root is (the end of) the rootfs
     * path given with rootmnt=; else the one statx names */
    if (rootmnt) {
        size_t rl = strlen(rootmnt);
        for (int i = 0; i < n; i++) {
            size_t l = strlen(m[i].root);
            if (!strcmp(m[i].mp, "/") && l > 1 && l <= rl && !strcmp(rootmnt + rl - l, m[i].root)) rootidx = i;
        }
    }
    struct statx sx;
    if (rootidx < 0 && statx(AT_FDCWD, "/", 0, STATX_MNT_ID, &sx) == 0 && (sx.stx_mask & STATX_MNT_ID))
        for (int i = 0; i < n; i++) if ((unsigned)m[i].id == sx.stx_mnt_id) rootidx = i;
    if (rootidx >= 0) {
        in[rootidx] = 1;
        for (int changed = 1; changed; ) {
            changed = 0;
            for (int i = 0; i < n; i++) {
                if (in[i]) continue;
                /* (not a mount stacked on the root: the old root a
                 * runtime left there is out of the process's reach) */
                if (!strcmp(m[i].mp, "/")) continue;
                for (int j = 0; j < n; j++)
                    if (in[j] && m[j].id == m[i].parent && m[j].id != m[i].id) { in[i] = changed = 1; break; }
            }
        }
    } else for (int i = 0; i < n; i++) in[i] = 1;
    for (int i = 0; i < n; i++) outside += !in[i];
    out("mounts.outside_root", "%d", outside);
    char order[8192] = "";
    for (int i = 0; i < n; i++) {
        if (!in[i]) continue;
        int dup = 1;
        for (int j = 0; j < i; j++) if (in[j] && !strcmp(m[j].mp, m[i].mp)) dup++;
        const char *parent = "-";
        for (int j = 0; j < n; j++) if (in[j] && m[j].id == m[i].parent && j != i) parent = m[j].mp;
        char key[PATH_MAX + 16];
        if (dup > 1) snprintf(key, sizeof key, "mnt.%s#%d", m[i].mp, dup);
        else snprintf(key, sizeof key, "mnt.%s", m[i].mp);
        out(key, "%s src=%s root=%s opts=%s super=%s prop=%s parent=%s", m[i].fstype, m[i].src, m[i].root,
            m[i].opts, m[i].super, m[i].prop, parent);
        /* the mount point as seen: the top mount there */
        int top = 1;
        for (int j = i + 1; j < n; j++) if (in[j] && !strcmp(m[j].mp, m[i].mp)) top = 0;
        if (top) {
            struct stat st;
            char d[PATH_MAX + 64];
            snprintf(key, sizeof key, "mntstat.%s", m[i].mp);
            if (lstat(m[i].mp, &st) < 0) out(key, "%s", ename(errno));
            else { describe(d, sizeof d, m[i].mp, &st); out(key, "%s", d); }
        }
        if (strlen(order) + strlen(m[i].mp) + 2 < sizeof order) {
            if (*order) strcat(order, " ");
            strcat(order, m[i].mp);
        }
    }
    out("mounts.order", "%s", order);
    free(mi);
}

/* /dev, two levels (not the contents of /dev/shm and /dev/mqueue) */
static void devlist(const char *dir, int depth)
{
    DIR *d = opendir(dir);
    if (!d) { char key[PATH_MAX + 8]; snprintf(key, sizeof key, "dev.%s", dir); out(key, "%s", ename(errno)); return; }
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmpstr);
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX], key[PATH_MAX + 8], v[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        struct stat st;
        snprintf(key, sizeof key, "dev.%s", p);
        if (lstat(p, &st) < 0) out(key, "%s", ename(errno));
        else { describe(v, sizeof v, p, &st); out(key, "%s", v); }
        if (depth > 0 && S_ISDIR(st.st_mode) && strcmp(p, "/dev/shm") && strcmp(p, "/dev/mqueue"))
            devlist(p, depth - 1);
        free(names[i]);
    }
}

/* opening the harmless device nodes found in /dev (the device cgroup and
 * the node's mode decide): c 1:3 null, 1:5 zero, 1:7 full, 1:8 random,
 * 1:9 urandom, 5:0 tty, 5:1 console, 5:2 ptmx, 10:229 fuse, 10:200 tun,
 * 7:0 loop0 (read only), 1:11 kmsg (read only) */
static void devopen(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    char *names[512];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 512) if (e->d_name[0] != '.') names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)n, sizeof *names, cmpstr);
    for (int i = 0; i < n; i++) {
        char p[PATH_MAX], key[PATH_MAX + 16];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        free(names[i]);
        struct stat st;
        if (lstat(p, &st) < 0 || !(S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) continue;
        unsigned ma = major(st.st_rdev), mi = minor(st.st_rdev);
        int blk = S_ISBLK(st.st_mode), rw;
        if (!blk && ma == 1 && (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9)) rw = 1;
        else if (!blk && ((ma == 5 && mi <= 2) || (ma == 10 && (mi == 229 || mi == 200)))) rw = 1;
        else if ((!blk && ma == 1 && mi == 11) || (blk && ma == 7 && mi == 0)) rw = 0;
        else continue;
        for (int w = 0; w <= rw; w++) {
            int fd = open(p, (w ? O_WRONLY : O_RDONLY) | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
            snprintf(key, sizeof key, "open.%s.%s", p, w ? "w" : "r");
            out(key, "%s", fd >= 0 ? "ok" : ename(errno));
            if (fd >= 0) close(fd);
        }
    }
}

/* each syscall check in a child: "ok", the errno's name, or the signal */
static long do_call(const char *n)
{
    if (!strcmp(n, "unshare-mnt")) return unshare(CLONE_NEWNS);
    if (!strcmp(n, "unshare-user")) return unshare(CLONE_NEWUSER);
    if (!strcmp(n, "unshare-net")) return unshare(CLONE_NEWNET);
    if (!strcmp(n, "mount")) return mount("none", "/", "probe-nosuchfs", 0, NULL);       /* ENODEV if allowed */
    if (!strcmp(n, "ptrace-traceme")) return ptrace(PTRACE_TRACEME, 0, NULL, NULL);
    if (!strcmp(n, "keyctl")) return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3 /* session */, 0);
    if (!strcmp(n, "personality-query")) return personality(0xffffffff);
    if (!strcmp(n, "personality-norandom")) return personality(ADDR_NO_RANDOMIZE);
    if (!strcmp(n, "chroot")) return chroot("/");
    if (!strcmp(n, "setns")) { int fd = open("/proc/self/ns/uts", O_RDONLY); return fd < 0 ? -1 : setns(fd, CLONE_NEWUTS); }
    if (!strcmp(n, "sethostname")) { struct utsname u; uname(&u); return sethostname(u.nodename, strlen(u.nodename)); }
    if (!strcmp(n, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0x7fff0000UL);   /* EINVAL if allowed */
    if (!strcmp(n, "reboot")) return syscall(SYS_reboot, 0, 0, 0, NULL);                      /* EINVAL if allowed */
    if (!strcmp(n, "swapoff")) return swapoff("/probe-nonexistent");                         /* ENOENT if allowed */
    if (!strcmp(n, "delete_module")) return syscall(SYS_delete_module, "probe_nonexistent", 0); /* ENOENT if allowed */
    if (!strcmp(n, "mknod-null")) { long r = mknod("/dev/.probe-null", S_IFCHR | 0600, makedev(1, 3)); if (!r) unlink("/dev/.probe-null"); return r; }
    if (!strcmp(n, "mknod-fuse")) { long r = mknod("/dev/.probe-fuse", S_IFCHR | 0600, makedev(10, 229)); if (!r) unlink("/dev/.probe-fuse"); return r; }
    if (!strcmp(n, "userfaultfd")) return syscall(SYS_userfaultfd, O_CLOEXEC);
    if (!strcmp(n, "bpf")) return syscall(SYS_bpf, 1000, NULL, 0);                           /* EINVAL if allowed */
    if (!strcmp(n, "perf_event_open")) return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0); /* EFAULT if allowed */
    if (!strcmp(n, "clone3")) return syscall(435, NULL, 0);                                  /* EINVAL if allowed */
    if (!strcmp(n, "io_uring_setup")) return syscall(425, 0, NULL);                          /* EINVAL/EFAULT if allowed */
    if (!strcmp(n, "open_by_handle_at")) return syscall(SYS_open_by_handle_at, -1, NULL, 0);
    if (!strcmp(n, "setuid")) return setuid(12345);
    if (!strcmp(n, "setgid")) return setgid(12345);
    if (!strcmp(n, "setgroups")) { gid_t g = 12345; return setgroups(1, &g); }
    if (!strcmp(n, "nice-raise")) return setpriority(PRIO_PROCESS, 0, -5);
    if (!strcmp(n, "raw-socket")) return socket(AF_PACKET, SOCK_RAW, 0);
    if (!strcmp(n, "vsock")) return socket(40, SOCK_STREAM, 0);
    if (!strcmp(n, "syslog-size")) return syscall(SYS_syslog, 10, NULL, 0);
    if (!strcmp(n, "iopl")) return syscall(SYS_iopl, 3);
    if (!strcmp(n, "mseal")) return syscall(462, 0, 0, 0);          /* newer than libseccomp 2.5 knows */
    if (!strcmp(n, "cachestat")) return syscall(451, -1, NULL, NULL, 0);  /* EBADF if allowed */
    if (!strcmp(n, "nosys-500")) return syscall(500);                /* no such syscall */
    if (!strcmp(n, "getpid")) return syscall(SYS_getpid);
    if (!strcmp(n, "uname")) { struct utsname u; return uname(&u); }
    errno = EDOM;
    return -1;
}

static const char *calls[] = {
    "unshare-mnt", "unshare-user", "unshare-net", "mount", "ptrace-traceme", "keyctl",
    "personality-query", "personality-norandom", "chroot", "setns", "sethostname", "kexec_load",
    "reboot", "swapoff", "delete_module", "mknod-null", "mknod-fuse", "userfaultfd", "bpf",
    "perf_event_open", "clone3", "io_uring_setup", "open_by_handle_at", "setuid", "setgid",
    "setgroups", "nice-raise", "raw-socket", "vsock", "syslog-size", "iopl", "mseal", "cachestat",
    "nosys-500", "getpid", "uname",
};

static void syscalls(void)
{
    fflush(stdout);
    for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
        int pfd[2];
        char key[64], res[64] = "";
        snprintf(key, sizeof key, "sys.%s", calls[i]);
        if (pipe(pfd) < 0) { out(key, "pipe:%s", ename(errno)); continue; }
        pid_t p = fork();
        if (p < 0) { out(key, "fork:%s", ename(errno)); close(pfd[0]); close(pfd[1]); continue; }
        if (p == 0) {
            close(pfd[0]);
            errno = 0;
            long r = do_call(calls[i]);
            char okv[32] = "ok";
            if (r >= 0 && !strcmp(calls[i], "personality-query")) snprintf(okv, sizeof okv, "ok:%#lx", r);
            const char *s = r >= 0 ? okv : ename(errno);
            if (write(pfd[1], s, strlen(s)) < 0) _exit(2);
            _exit(0);
        }
        close(pfd[1]);
        ssize_t n = read(pfd[0], res, sizeof res - 1);
        close(pfd[0]);
        int st = 0;
        while (waitpid(p, &st, 0) < 0 && errno == EINTR) ;
        if (WIFSIGNALED(st)) out(key, "signal:%s", sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
        else if (n > 0) { res[n] = 0; out(key, "%s", res); }
        else out(key, "no-answer:%d", WEXITSTATUS(st));
    }
}

/* the cgroup as seen inside: /proc/self/cgroup and a few files */
static void cgroup(void)
{
    char *c = slurp("/proc/self/cgroup", NULL);
    if (!c) out("cgroup", "%s", ename(errno));
    else {
        for (char *l = strtok(c, "\n"); l; l = strtok(NULL, "\n")) {
            char *a = strchr(l, ':');
            char *b = a ? strchr(a + 1, ':') : NULL;
            if (!b) continue;
            *b = 0;
            char key[256];
            snprintf(key, sizeof key, "cgroup.%s", *(a + 1) ? a + 1 : "v2");
            out(key, "%s", b + 1);
        }
        free(c);
    }
    static const char *files[] = {
        "memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes", "memory/memory.soft_limit_in_bytes",
        "memory/memory.swappiness", "pids/pids.max", "cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us",
        "cpu/cpu.shares", "cpuset/cpuset.cpus", "cpuset/cpuset.mems", "blkio/blkio.weight",
        "memory.max", "memory.swap.max", "memory.low", "pids.max", "cpu.max", "cpu.weight",
        "unified/memory.max", "unified/pids.max", "unified/cpu.max", "unified/cgroup.controllers",
        "cgroup.controllers",
    };
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[256], key[256];
        snprintf(p, sizeof p, "/sys/fs/cgroup/%s", files[i]);
        snprintf(key, sizeof key, "cgfile.%s", files[i]);
        char *v = line1(p);
        if (!v && errno == ENOENT) continue;            /* absent: not reported */
        out(key, "%s", v ? v : ename(errno));
        free(v);
    }
    /* the device cgroup's rules, one line joined */
    char *dl = slurp("/sys/fs/cgroup/devices/devices.list", NULL);
    if (dl) {
        for (char *q = dl; *q; q++) if (*q == '\n') *q = ';';
        out("cgfile.devices/devices.list", "%s", dl);
        free(dl);
    } else if (errno != ENOENT) out("cgfile.devices/devices.list", "%s", ename(errno));
}

static void netdevs(void)
{
    char *d = slurp("/proc/net/dev", NULL);
    if (!d) { out("net.ifaces", "%s", ename(errno)); return; }
    char *names[256];
    int n = 0, ln = 0;
    for (char *l = strtok(d, "\n"); l && n < 256; l = strtok(NULL, "\n")) {
        if (ln++ < 2) continue;
        while (*l == ' ') l++;
        l[strcspn(l, ":")] = 0;
        names[n++] = l;
    }
    qsort(names, (size_t)n, sizeof *names, cmpstr);
    char all[4096] = "";
    for (int i = 0; i < n; i++) {
        if (i) strncat(all, ",", sizeof all - strlen(all) - 1);
        strncat(all, names[i], sizeof all - strlen(all) - 1);
    }
    out("net.ifaces", "%s", all);
    free(d);
}

static void keyring(void)
{
    char buf[512];
    long r = syscall(SYS_keyctl, 6 /* DESCRIBE */, -3 /* session */, buf, sizeof buf - 1);
    if (r < 0) { out("keyring.session", "%s", ename(errno)); return; }
    buf[r < (long)sizeof buf ? r : (long)sizeof buf - 1] = 0;
    out("keyring.session", "%s", buf);
}

static void args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        char *a = argv[i], key[PATH_MAX + 32], v[PATH_MAX + 64];
        if (!strncmp(a, "stat=", 5)) {
            struct stat st;
            snprintf(key, sizeof key, "stat.%s", a + 5);
            if (lstat(a + 5, &st) < 0) { out(key, "%s", ename(errno)); continue; }
            describe(v, sizeof v, a + 5, &st);
            out(key, "%s acc=%c%c%c", v, faccessat(AT_FDCWD, a + 5, R_OK, AT_EACCESS) ? '-' : 'r',
                faccessat(AT_FDCWD, a + 5, W_OK, AT_EACCESS) ? (errno == EROFS ? 'R' : '-') : 'w',
                faccessat(AT_FDCWD, a + 5, X_OK, AT_EACCESS) ? '-' : 'x');
        } else if (!strncmp(a, "read=", 5)) {
            snprintf(key, sizeof key, "read.%s", a + 5);
            int fd = open(a + 5, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
            if (fd < 0) { out(key, "%s", ename(errno)); continue; }
            char c;
            ssize_t r = read(fd, &c, 1);
            out(key, "%s", r < 0 ? ename(errno) : r == 0 ? "empty" : "ok");
            close(fd);
        } else if (!strncmp(a, "file=", 5)) {
            char *s = slurp(a + 5, NULL);
            snprintf(key, sizeof key, "file.%s", a + 5);
            if (!s) { out(key, "%s", ename(errno)); continue; }
            int k = 0;
            for (char *l = strtok(s, "\n"); l; l = strtok(NULL, "\n")) {
                snprintf(key, sizeof key, "file.%s.%d", a + 5, ++k);
                out(key, "%s", l);
            }
            free(s);
        } else if (!strncmp(a, "sysctl=", 7)) {
            char p[PATH_MAX] = "/proc/sys/";
            strncat(p, a + 7, sizeof p - strlen(p) - 1);
            for (char *q = p + 10; *q; q++) if (*q == '.') *q = '/';
            char *s = slurp(p, NULL);
            snprintf(key, sizeof key, "sysctl.%s", a + 7);
            if (!s) { out(key, "%s", ename(errno)); continue; }
            for (char *q = s; *q; q++) if (*q == '\t' || *q == '\n') *q = ' ';
            size_t l = strlen(s);
            while (l && s[l - 1] == ' ') s[--l] = 0;
            out(key, "%s", s);
            free(s);
        } else if (!strncmp(a, "rootmnt=", 8)) {
            continue;
        } else {
            snprintf(key, sizeof key, "arg.%d", i);
            out(key, "unknown %s", a);
        }
    }
}

/* --hook NAME LOG: one line appended to LOG: the hook's name, the state's
 * status, id and bundle, whether the state names a pid, and for each
 * namespace whether the hook is in the container's (by the pid) */
static int hook(const char *name, const char *log)
{
    char st[65536];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof st - 1 && (r = read(0, st + n, sizeof st - 1 - n)) > 0) n += (size_t)r;
    st[n] = 0;
    char status[64] = "?", id[256] = "?", bundle[PATH_MAX] = "?";
    long pid = 0;
    const char *p;
#define STRF(field, dst) if ((p = strstr(st, "\"" field "\""))) { p = strchr(p + strlen(field) + 2, '"'); \
        if (p) { size_t l = strcspn(p + 1, "\""); snprintf(dst, sizeof dst, "%.*s", (int)l, p + 1); } }
    STRF("status", status);
    STRF("id", id);
    STRF("bundle", bundle);
    if ((p = strstr(st, "\"pid\""))) { p = strchr(p, ':'); if (p) pid = strtol(p + 1, NULL, 10); }
    /* the namespaces, raw ("net:[4026531840]"): run.sh names the host's
     * "host" and any other "new" (the pid in the state is not usable here:
     * runc gives a hook run in the container its pid there) */
    char ns[512] = "";
    static const char *nss[] = { "mnt", "net", "pid", "uts", "ipc", "cgroup", "user" };
    for (size_t i = 0; i < sizeof nss / sizeof *nss; i++) {
        char a[64], t[64];
        snprintf(a, sizeof a, "/proc/self/ns/%s", nss[i]);
        ssize_t l = readlink(a, t, sizeof t - 1);
        if (l < 0) snprintf(t, sizeof t, "%s", ename(errno)); else t[l] = 0;
        snprintf(ns + strlen(ns), sizeof ns - strlen(ns), "%s%s", i ? "," : "", t);
    }
    char cwd[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "?");
    char envs[1024] = "";
    extern char **environ;
    for (char **e = environ; *e; e++)
        snprintf(envs + strlen(envs), sizeof envs - strlen(envs), "%s%s", *envs ? "," : "", *e);
    FILE *f = fopen(log, "a");
    if (!f) { perror(log); return 1; }
    fprintf(f, "%s status=%s id=%s bundle=%s pid=%s ns=%s root_has_probe=%s cwd=%s uid=%u env=%s\n",
            name, status, id, bundle, pid <= 1 ? (pid == 1 ? "1" : "0") : "N", ns, access("/probe", F_OK) ? "no" : "yes",
            cwd, getuid(), *envs ? envs : "-");
    fclose(f);
    return 0;
}

int main(int argc, char **argv, char **envp)
{
    if (argc >= 4 && !strcmp(argv[1], "--hook")) return hook(argv[2], argv[3]);
    if (argc >= 2 && !strcmp(argv[1], "--hook-fail")) return 3;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    for (int i = 1; i < argc; i++) if (!strncmp(argv[i], "rootmnt=", 8)) rootmnt = argv[i] + 8;
    char *status = slurp("/proc/self/status", NULL);
    out("probe", "v1");
    ids(status);
    proc_status(status);
    prctls();
    procinfo();
    rlimits();
    fds();
    tty();
    env(envp);
    mounts();
    devlist("/dev", 1);
    devopen("/dev");
    devopen("/dev/pts");
    cgroup();
    netdevs();
    keyring();
    args(argc, argv);
    syscalls();
    out("end", "ok");
    fflush(stdout);
    return 0;
}
