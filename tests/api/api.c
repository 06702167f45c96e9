/* api.c: runtime.h driven the way a firmware project drives it: runtime.c
 * compiled into this program with -DOCIRUN_NO_MAIN, main() handing over
 * to ocirun_main() first when a stage is asked for (rule 1 of runtime.h).
 *
 * Every call of runtime.h, in a temp dir:
 *   - always (no root needed): the error path of each call, with the
 *     message from ocirun_last_error() and the kind from
 *     ocirun_last_error_code(): a missing container, bad ids, a bad root,
 *     a missing bundle, an invalid config.json, a damaged state.json;
 *     delete --force of a missing one; ocirun_stage_requested();
 *     ocirun_main() for --version, an unknown command, and `list` of an
 *     empty root (runtime.h has no list call of its own);
 *   - as root, with /bin/busybox (busybox-static): the lifecycle of a
 *     container, each effect checked: create (state "created", init's pid
 *     alive in /proc, the pid file), start (state "running", the process
 *     is busybox now), kill (state "stopped" within 5 s, pid 0), init a
 *     child of this process (reaped here, gone from /proc), delete (state
 *     "does not exist", the state directory gone); delete --force of a
 *     running one and delete of a created one;
 *   - as root, the host program's signals through the calls: a SIGCHLD
 *     handler that reaps every child, SIGCHLD ignored, SIGPIPE at its
 *     default with a hook that closes its stdin, a flood of SIGWINCH to
 *     the process group (its handler never runs in a child of ours), the
 *     handlers and mask as they were after each call and ocirun_main;
 *     ocirun_main's --log file closed; no failure left after a success;
 *   - two internals held to an outside oracle: the rootfs path
 *     (dir_realpath_below) to realpath(3), and the bounding-set drop
 *     (drop_bounding_caps, as root, in a child) to the kernel's
 *     cap_last_cap and CapBnd; the journal's config record, whole,
 *     torn and absent; and the comma lists of section 7, to strtok(3).
 * Output: TAP ("ok N - what", "not ok N - what" with the error); exit
 * status 1 if any failed.  Run by `make check` (tests/fuzz/check.sh).
 *
 * Build: cc -g -fsanitize=address,undefined -DOCIRUN_NO_MAIN
 *        -DOCIRUN_LIBC_MALLOC=1 -o api tests/api/api.c */
#include "../../runtime.c"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>

static int tests, failures;
static char tmp[64], root[128], bundle[128];

__attribute__((format(printf, 2, 3)))
static int check(int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("%s %d - ", ok ? "ok" : "not ok", ++tests);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    if (!ok) failures++;
    fflush(stdout);
    return ok;
}

static const char *code_name(int c)
{
    static const char *const names[] = { "NONE", "FAILED", "NOT_FOUND", "EXISTS", "NOT_RUNNING", "BUSY", "DAMAGED", "PEER" };
    return c >= 0 && c < (int)ARRAY_LEN(names) ? names[c] : "?";
}

/* A call that must fail with error kind `code` and a message holding `text`. */
static void fails(int r, int code, const char *text, const char *what)
{
    const char *msg = ocirun_last_error();
    int ok = r == -1 && ocirun_last_error_code() == code && strstr(msg, text);
    check(ok, "%s: fails with %s, \"...%s...\"", what, code_name(code), text);
    if (!ok) printf("#   returned %d, %s: %s\n", r, code_name(ocirun_last_error_code()), msg);
}

static void succeeds(int r, const char *what)
{
    check(r == 0, "%s", what);
    if (r) printf("#   %s: %s\n", code_name(ocirun_last_error_code()), ocirun_last_error());
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) { perror(path); exit(2); }
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* ocirun_main(args) with its stdout captured into out. */
static int run_main(char *out, size_t size, int argc, char **argv)
{
    char path[160];
    snprintf(path, sizeof path, "%s/stdout", tmp);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), saved = dup(1);
    fflush(stdout);
    dup2(fd, 1);
    int r = ocirun_main(argc, argv);
    dup2(saved, 1);
    close(saved);
    ssize_t n = pread(fd, out, size - 1, 0);
    out[n > 0 ? n : 0] = 0;
    close(fd);
    return r;
}

/* The rootfs path (section 2's dir_realpath_below, an internal), against
 * libc's realpath(): plain names, nested ones, a symlink, dots, a trailing
 * slash, a missing one, a file, and "/" as the base. */
static void realpath_below_vs_libc(void)
{
    char base[128], abs[PATH_MAX], want[PATH_MAX], got[PATH_MAX], p[256];
    snprintf(base, sizeof base, "%s/rp", tmp);
    const char *dirs[] = { "", "/rootfs", "/a", "/a/b", "/other" };
    for (size_t i = 0; i < ARRAY_LEN(dirs); i++) snprintf(p, sizeof p, "%s%s", base, dirs[i]), mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/link", base), symlink("other", p);
    snprintf(p, sizeof p, "%s/file", base), close(open(p, O_CREAT | O_WRONLY, 0644));
    if (!realpath(base, abs)) { check(0, "realpath %s", base); return; }
    const char *rels[] = { "rootfs", "a/b", "link", "a/../other", "./a", "rootfs/", "a//b", "nope", "file", "a/nope" };
    for (size_t i = 0; i < ARRAY_LEN(rels); i++) {
        snprintf(p, sizeof p, "%s/%s", abs, rels[i]);
        int lr = realpath(p, want) ? 0 : -1, le = errno;
        struct stat st;
        if (lr == 0 && (stat(want, &st) < 0 || !S_ISDIR(st.st_mode))) lr = -1, le = ENOTDIR;
        int r = dir_realpath_below(abs, rels[i], got), e = errno;
        check(r == lr && (r < 0 ? e == le : !strcmp(got, want)), "dir_realpath_below(\"%s\") as realpath(3): %s",
              rels[i], lr < 0 ? strerror(le) : want);
        if (r != lr || (r == 0 && strcmp(got, want))) printf("#   got %d %s (%s)\n", r, r < 0 ? "" : got, strerror(e));
    }
    int r = dir_realpath_below("/", "tmp", got);
    check(r == 0 && realpath("/tmp", want) && !strcmp(got, want), "dir_realpath_below(\"/\", \"tmp\"): %s", r ? "fails" : got);
}

/* The journal's config record (section 6, an internal): whole, torn at
 * each length a killed create could leave, and absent (an older journal). */
static void journal_config_records(void)
{
    static const char whole[] = "config 5\n{\"a\"}\ncgroup /x\n";
    const char *cfg, *rest;
    size_t n = 0;
    rest = journal_config(whole, sizeof whole - 1, &cfg, &n);
    check(cfg && n == 5 && !memcmp(cfg, "{\"a\"}", 5) && !strcmp(rest, "cgroup /x\n"), "journal: the config record, then the rest");
    int torn_ok = 1;
    for (size_t len = 9; len < 15; len++)   /* "config 5\n" up to one byte short of the record's newline */
        if (journal_config(whole, len, &cfg, &n) != whole + 9 || cfg) torn_ok = 0;
    check(torn_ok, "journal: a torn config record is no config; the lines after its first are read for records");
    static const char huge[] = "config 18446744073709551615\n{\"a\"}\ncgroup /x\n";
    rest = journal_config(huge, sizeof huge - 1, &cfg, &n);
    check(!cfg && rest == huge + 28, "journal: a config length of 2^64-1 is no config (it wrapped a bound once)");
    static const char old[] = "cgroup /x\npid 1 2\n";
    rest = journal_config(old, sizeof old - 1, &cfg, &n);
    check(!cfg && rest == old, "journal: an older journal without the record is read from its start");
    static const char bad[] = "config 5\n{\"a\"}Xcgroup /x\n";
    rest = journal_config(bad, sizeof bad - 1, &cfg, &n);
    check(!cfg && rest == bad + 9, "journal: a record without its closing newline is no config");
}

/* Comma lists (section 7's list_contains_all: controllers in a mount's
 * options, in cgroup.controllers), against a set test with strtok(3):
 * every pair of lists drawn from a few items, empty ones included. */
static int has_all_by_strtok(const char *want, const char *have)
{
    char w[64], h[64], *sw, *sh;
    snprintf(w, sizeof w, "%s", want);
    for (char *t = strtok_r(w, ",", &sw); t; t = strtok_r(NULL, ",", &sw)) {
        int found = 0;
        snprintf(h, sizeof h, "%s", have);
        for (char *u = strtok_r(h, ",", &sh); u && !found; u = strtok_r(NULL, ",", &sh)) found = !strcmp(t, u);
        if (!found) return 0;
    }
    return 1;
}

static void comma_lists_vs_strtok(void)
{
    static const char *const lists[] = { "", "cpu", "cpuacct", "cpu,cpuacct", "cpuacct,cpu", "rw,cpu,cpuacct", "memory",
                                         "cpu,", ",cpu", "cpu,,memory", "name=systemd", "cp", "pu", "rw,memory,cpuset" };
    int bad = 0;
    for (size_t i = 0; i < ARRAY_LEN(lists); i++)
        for (size_t k = 0; k < ARRAY_LEN(lists); k++)
            if (list_contains_all(lists[i], lists[k]) != has_all_by_strtok(lists[i], lists[k])) {
                printf("#   list_contains_all(\"%s\", \"%s\") = %d\n", lists[i], lists[k], list_contains_all(lists[i], lists[k]));
                bad++;
            }
    check(!bad, "comma lists: list_contains_all as a set test with strtok(3), %zu pairs", ARRAY_LEN(lists) * ARRAY_LEN(lists));
}

/* clean_abs_path (mount destinations) against GNU realpath -sm, which
 * cleans lexically too: no symlinks, ".." no higher than "/". */
static void clean_paths_vs_realpath(void)
{
    static const char *const paths[] = { "/", "//", "///", "/dev", "/dev/", "//dev/./", "/./dev", "/../dev", "/a/../..",
                                         "/a/b/../c/./d//", "/.", "/..", "/...", "/a/.b/..c", "/a/b/c/../../d",
                                         "/proc/./sys/", "/x/..y/.z", "/a//b///c" };
    int bad = 0, ran = 0;
    for (size_t i = 0; i < ARRAY_LEN(paths); i++) {
        char cmd[256], want[256] = "", got[256];
        snprintf(cmd, sizeof cmd, "realpath -sm -- '%s' 2>/dev/null", paths[i]);
        FILE *f = popen(cmd, "r");
        if (!f) continue;
        if (fgets(want, sizeof want, f)) want[strcspn(want, "\n")] = 0, ran++;
        pclose(f);
        snprintf(got, sizeof got, "%s", paths[i]);
        clean_abs_path(got);
        if (want[0] && strcmp(got, want)) printf("#   clean_abs_path(\"%s\") = \"%s\", realpath -sm: \"%s\"\n", paths[i], got, want), bad++;
    }
    check(ran == (int)ARRAY_LEN(paths) && !bad, "clean_abs_path as realpath -sm, %d of %zu paths", ran, ARRAY_LEN(paths));
}

static void without_root(void)
{
    realpath_below_vs_libc();
    journal_config_records();
    struct ocirun_state st;
    char *stage_argv[] = { "prog", OCIRUN_STAGE_ARG, "1", "3", "-1", NULL }, *plain[] = { "prog", "state", NULL };
    check(ocirun_stage_requested(5, stage_argv), "ocirun_stage_requested: true for argv[1] == \"%s\"", OCIRUN_STAGE_ARG);
    check(!ocirun_stage_requested(2, plain) && !ocirun_stage_requested(1, plain), "ocirun_stage_requested: false otherwise");

    /* a root that does not exist yet: no container is there */
    fails(ocirun_state(root, "nosuch", &st), OCIRUN_E_NOT_FOUND, "does not exist", "state of a missing container");
    fails(ocirun_start(root, "nosuch"), OCIRUN_E_NOT_FOUND, "does not exist", "start of a missing container");
    fails(ocirun_kill(root, "nosuch", SIGTERM, 0), OCIRUN_E_NOT_FOUND, "does not exist", "kill of a missing container");
    fails(ocirun_kill(root, "nosuch", SIGKILL, 1), OCIRUN_E_NOT_FOUND, "does not exist", "kill --all of a missing container");
    fails(ocirun_delete(root, "nosuch", 0), OCIRUN_E_NOT_FOUND, "does not exist", "delete of a missing container");
    succeeds(ocirun_delete(root, "nosuch", 1), "delete --force of a missing container succeeds");
    check(!exists(root), "no call so far made the state root");

    /* ids */
    char longid[300];
    memset(longid, 'a', sizeof longid - 1), longid[sizeof longid - 1] = 0;
    fails(ocirun_state(root, "", &st), OCIRUN_E_FAILED, "must not be empty", "state of id \"\"");
    fails(ocirun_state(root, "../etc", &st), OCIRUN_E_FAILED, "invalid container id", "state of id \"../etc\"");
    fails(ocirun_state(root, "..", &st), OCIRUN_E_FAILED, "invalid container id", "state of id \"..\"");
    fails(ocirun_state(root, longid, &st), OCIRUN_E_FAILED, "longer than", "state of a 299-character id");
    fails(ocirun_start(root, "a b"), OCIRUN_E_FAILED, "invalid container id", "start of id \"a b\"");
    fails(ocirun_kill(root, "x/y", SIGKILL, 0), OCIRUN_E_FAILED, "invalid container id", "kill of id \"x/y\"");
    fails(ocirun_delete(root, "x\ny", 1), OCIRUN_E_FAILED, "invalid container id", "delete --force of id \"x\\ny\"");

    /* a root that is a file */
    char file_root[160];
    snprintf(file_root, sizeof file_root, "%s/file", tmp);
    put(file_root, "not a directory\n");
    fails(ocirun_state(file_root, "c1", &st), OCIRUN_E_FAILED, "not a directory", "state with a root that is a file");
    fails(ocirun_delete(file_root, "c1", 1), OCIRUN_E_FAILED, "not a directory", "delete --force with a root that is a file");

    /* create: bundles */
    struct ocirun_create_opts o;
    char path[256], badbundle[160];
    memset(&o, 0, sizeof o);
    snprintf(path, sizeof path, "%s/nosuch-bundle", tmp);
    o.bundle = path;
    fails(ocirun_create(root, "c1", &o), OCIRUN_E_FAILED, "nosuch-bundle", "create with a missing bundle");
    snprintf(badbundle, sizeof badbundle, "%s/badbundle", tmp);
    mkdir(badbundle, 0700);
    snprintf(path, sizeof path, "%s/config.json", badbundle);
    put(path, "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"cwd\": \"/\", \"args\": []}}");
    o.bundle = badbundle;
    fails(ocirun_create(root, "c1", &o), OCIRUN_E_FAILED, "config.json: .process.args", "create with an invalid config.json");
    put(path, "{\"ociVersion\": \"1.0.2\",");
    fails(ocirun_create(root, "c1", &o), OCIRUN_E_FAILED, "config.json: invalid JSON", "create with a config.json that is not JSON");
    /* a bundle that is fine as far as the id check: the id is refused */
    char okbundle[160];
    snprintf(okbundle, sizeof okbundle, "%s/okbundle", tmp);
    mkdir(okbundle, 0700);
    snprintf(path, sizeof path, "%s/rootfs", okbundle);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/config.json", okbundle);
    put(path, "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"process\": {\"cwd\": \"/\", \"args\": [\"sh\"], "
              "\"user\": {\"uid\": 0, \"gid\": 0}}, \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}");
    o.bundle = okbundle;
    fails(ocirun_create(root, "a/b", &o), OCIRUN_E_FAILED, "invalid container id", "create with id \"a/b\"");
    fails(ocirun_create(root, "", &o), OCIRUN_E_FAILED, "must not be empty", "create with id \"\"");
    o.preserve_fds = -3;
    fails(ocirun_create(root, "c1", &o), OCIRUN_E_FAILED, "preserve_fds: -3 is not in", "create with preserve_fds -3");
    o.preserve_fds = 100000;
    fails(ocirun_create(root, "c1", &o), OCIRUN_E_FAILED, "preserve_fds: 100000 is not in", "create with preserve_fds 100000");
    int hole = dup(2);   /* fds 3 .. hole are open: one past them is not */
    o.preserve_fds = hole - 3 + 2;
    fails(ocirun_create(root, "c1", &o), OCIRUN_E_FAILED, "is not open", "create with preserve_fds past the open fds");
    close(hole), o.preserve_fds = 0;
    fails(ocirun_state(root, "c1", &st), OCIRUN_E_NOT_FOUND, "does not exist", "a failed create leaves no container");

    /* damaged state: what a killed create, or a broken disk, leaves */
    char dir[200];
    mkdir(root, 0700);
    snprintf(dir, sizeof dir, "%s/dmg", root);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/state.json", dir);
    put(path, "{\"id\": \"dmg\", \"pid\": ");
    fails(ocirun_state(root, "dmg", &st), OCIRUN_E_DAMAGED, "damaged", "state of a container whose state.json is cut short");
    fails(ocirun_start(root, "dmg"), OCIRUN_E_DAMAGED, "damaged", "start of it");
    fails(ocirun_delete(root, "dmg", 0), OCIRUN_E_DAMAGED, "damaged", "delete (no --force) of it");
    succeeds(ocirun_delete(root, "dmg", 1), "delete --force of a damaged container without a journal succeeds");
    check(!exists(dir), "... and removes its directory");
    mkdir(dir, 0700);
    put(path, "garbage");
    snprintf(path, sizeof path, "%s/journal", dir);
    put(path, "pid 2147483647 42\n");
    succeeds(ocirun_delete(root, "dmg", 1), "delete --force of a damaged container with a journal succeeds");
    check(!exists(dir), "... and removes its directory");

    /* the command line, as a program hands over to it */
    char out[8192];
    char *version[] = { "prog", "--version", NULL }, *unknown[] = { "prog", "--root", root, "frobnicate", NULL };
    char *list[] = { "prog", "--root", root, "list", NULL }, *listj[] = { "prog", "--root", root, "list", "--format", "json", NULL };
    check(run_main(out, sizeof out, 2, version) == 0 && strstr(out, OCIRUN_VERSION), "ocirun_main --version prints %s", OCIRUN_VERSION);
    check(run_main(out, sizeof out, 4, unknown) == 3, "ocirun_main with an unknown command returns 3");
    check(run_main(out, sizeof out, 4, list) == 0 && !strncmp(out, "ID", 2) && !strchr(out, '\n')[1],
          "list of an empty root: the header alone");
    check(run_main(out, sizeof out, 6, listj) == 0 && !strcmp(out, "null\n"), "list --format json of an empty root: null, as runc");
}

/* --- as root: the lifecycle --- */

static const char busybox_config[] =
    "{\n"
    "  \"ociVersion\": \"1.0.2\",\n"
    "  \"process\": { \"terminal\": false, \"user\": { \"uid\": 0, \"gid\": 0 },\n"
    "    \"args\": [ \"/bin/busybox\", \"sleep\", \"1000\" ], \"env\": [ \"PATH=/bin\" ], \"cwd\": \"/\" },\n"
    "  \"root\": { \"path\": \"rootfs\" },\n"
    "  \"hostname\": \"apitest\",\n"
    "  \"mounts\": [ { \"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\" } ],\n"
    "  \"linux\": { \"namespaces\": [ { \"type\": \"pid\" }, { \"type\": \"mount\" }, { \"type\": \"ipc\" }, { \"type\": \"uts\" } ],\n"
    "    \"resources\": { \"devices\": [ { \"allow\": false, \"access\": \"rwm\" } ] } }\n"
    "}\n";

static int copy_file(const char *from, const char *to, mode_t mode)
{
    int in = open(from, O_RDONLY | O_CLOEXEC), out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode), r = 0;
    char buf[65536];
    ssize_t n;
    if (in < 0 || out < 0) r = -1;
    while (r == 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n) r = -1;
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    return r;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

static int state_is(const char *id, const char *status, struct ocirun_state *st)
{
    memset(st, 0, sizeof *st);
    return ocirun_state(root, id, st) == 0 && !strcmp(st->status, status);
}

/* Waits up to 5 s for `status`, reaping init (our child) on the way. */
static int wait_status(const char *id, const char *status, pid_t pid, int *reaped)
{
    struct ocirun_state st;
    for (int i = 0; i < 500; i++) {
        if (!*reaped && waitpid(pid, NULL, WNOHANG) == pid) *reaped = 1;
        if (state_is(id, status, &st)) return 1;
        usleep(10000);
    }
    return 0;
}

static int proc_has(pid_t pid, const char *file, const char *text)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return 0;
    for (ssize_t i = 0; i < n; i++)
        if (!buf[i]) buf[i] = ' ';   /* cmdline: NUL-separated */
    buf[n] = 0;
    return strstr(buf, text) != NULL;
}

static int reap(pid_t pid, int *reaped)
{
    for (int i = 0; !*reaped && i < 500; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) *reaped = 1;
        else usleep(10000);
    }
    return *reaped;
}

/* The bounding-set drop (section 13's drop_bounding_caps, an internal),
 * in a child: the last capability it finds against the kernel's own
 * /proc/sys/kernel/cap_last_cap, and the bounding set left (CapBnd in
 * /proc/self/status) against what was kept of ours: nothing, two caps at the end,
 * every cap the kernel has (the end is then behind kept ones). */
static void bounding_drop_vs_kernel(void)
{
    char *text;
    int last = -1;
    if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", 64, &text, NULL) == 0) last = atoi(text), xfree(text);
    uint64_t all = last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1, have = all;   /* (what ours has: a drop only takes away) */
    char *bnd;
    if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &text, NULL) == 0) {
        if ((bnd = strstr(text, "CapBnd:"))) have = strtoull(bnd + 7, NULL, 16);
        xfree(text);
    }
    const uint64_t keeps[] = { 0, 3ULL << (last - 1), all };
    for (size_t i = 0; i < ARRAY_LEN(keeps); i++) {
        int fd[2];
        if (pipe(fd) < 0) return;
        pid_t pid = fork();
        if (pid == 0) {
            char line[128], *st = NULL, *bnd;
            int got = drop_bounding_caps(keeps[i]);
            unsigned long long cap = ~0ULL;
            if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &st, NULL) == 0 && (bnd = strstr(st, "CapBnd:")))
                cap = strtoull(bnd + 7, NULL, 16);
            snprintf(line, sizeof line, "%d %llx", got, cap);
            if (write(fd[1], line, strlen(line)) < 0) _exit(1);
            _exit(0);
        }
        close(fd[1]);
        char got[128] = "";
        ssize_t n = read(fd[0], got, sizeof got - 1);
        close(fd[0]);
        waitpid(pid, NULL, 0);
        got[n > 0 ? n : 0] = 0;
        char want[128];
        snprintf(want, sizeof want, "%d %llx", last, (unsigned long long)(keeps[i] & have));
        check(!strcmp(got, want), "drop_bounding_caps(%#llx): last cap and CapBnd \"%s\" as the kernel's \"%s\"",
              (unsigned long long)keeps[i], got, want);
    }
}

static void host_signals_kept(const struct ocirun_create_opts *o);

static void with_root(void)
{
    bounding_drop_vs_kernel();
    char path[200], pidfile[160], text[64], real[PATH_MAX];
    struct ocirun_state st;
    struct ocirun_create_opts o;
    snprintf(bundle, sizeof bundle, "%s/bundle", tmp);
    snprintf(path, sizeof path, "%s/rootfs", bundle);
    mkdir(bundle, 0755), mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/rootfs/bin", bundle);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/rootfs/proc", bundle);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/rootfs/bin/busybox", bundle);
    if (copy_file("/bin/busybox", path, 0755) < 0) { check(0, "copy /bin/busybox into the rootfs"); return; }
    snprintf(path, sizeof path, "%s/config.json", bundle);
    put(path, busybox_config);
    if (!realpath(bundle, real)) snprintf(real, sizeof real, "%s", bundle);
    snprintf(pidfile, sizeof pidfile, "%s/init.pid", tmp);

    /* create */
    memset(&o, 0, sizeof o);
    o.bundle = bundle, o.pid_file = pidfile;
    if (!check(ocirun_create(root, "api1", &o) == 0, "create api1")) {
        printf("#   %s: %s\n", code_name(ocirun_last_error_code()), ocirun_last_error());
        return;
    }
    int reaped = 0;
    check(state_is("api1", "created", &st) && st.pid > 0, "state: created, pid %d", (int)st.pid);
    pid_t pid = st.pid;
    check(!strcmp(st.id, "api1") && !strcmp(st.bundle, real), "state: id api1, bundle %s", st.bundle);
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    check(exists(path), "init (pid %d) is in /proc", (int)pid);
    check(!proc_has(pid, "cmdline", "sleep"), "init has not run the process yet");
    FILE *f = fopen(pidfile, "r");
    check(f && fgets(text, sizeof text, f) && atoi(text) == pid, "the pid file holds %d", (int)pid);
    if (f) fclose(f);
    fails(ocirun_create(root, "api1", &o), OCIRUN_E_EXISTS, "already exists", "create of an id that exists");

    /* start */
    succeeds(ocirun_start(root, "api1"), "start api1");
    check(state_is("api1", "running", &st) && st.pid == pid, "state: running, pid %d", (int)st.pid);
    check(proc_has(pid, "cmdline", "sleep 1000"), "init runs `busybox sleep 1000` now");
    fails(ocirun_start(root, "api1"), OCIRUN_E_FAILED, "already running", "start of a running container");
    fails(ocirun_delete(root, "api1", 0), OCIRUN_E_FAILED, "not stopped", "delete (no --force) of a running container");
    succeeds(ocirun_kill(root, "api1", 0, 0), "kill with signal 0 (is it alive?)");

    /* kill */
    succeeds(ocirun_kill(root, "api1", SIGKILL, 0), "kill api1 KILL");
    check(wait_status("api1", "stopped", pid, &reaped), "state: stopped within 5 s");
    check(state_is("api1", "stopped", &st) && st.pid == 0, "state: pid 0 once stopped");
    fails(ocirun_kill(root, "api1", SIGTERM, 0), OCIRUN_E_NOT_RUNNING, "not running", "kill of a stopped container");
    check(reap(pid, &reaped), "init was a child of this process (reaped here)");
    snprintf(path, sizeof path, "/proc/%d", (int)pid);
    check(!exists(path), "pid %d is gone from /proc", (int)pid);

    /* delete */
    succeeds(ocirun_delete(root, "api1", 0), "delete api1");
    fails(ocirun_state(root, "api1", &st), OCIRUN_E_NOT_FOUND, "does not exist", "state after delete");
    snprintf(path, sizeof path, "%s/api1", root);
    check(!exists(path), "its state directory is gone");

    /* delete --force of a running container */
    o.pid_file = NULL;
    reaped = 0;
    if (check(ocirun_create(root, "api2", &o) == 0 && ocirun_start(root, "api2") == 0 && state_is("api2", "running", &st),
              "create and start api2")) {
        pid = st.pid;
        succeeds(ocirun_kill(root, "api2", SIGCONT, 1), "kill --all api2 CONT");
        succeeds(ocirun_delete(root, "api2", 1), "delete --force of running api2");
        check(reap(pid, &reaped), "its init is reaped");
        snprintf(path, sizeof path, "/proc/%d", (int)pid);
        check(!exists(path), "pid %d is gone from /proc", (int)pid);
        fails(ocirun_state(root, "api2", &st), OCIRUN_E_NOT_FOUND, "does not exist", "state after delete --force");
    } else {
        printf("#   %s: %s\n", code_name(ocirun_last_error_code()), ocirun_last_error());
    }

    /* delete of a created container: its init goes */
    reaped = 0;
    if (check(ocirun_create(root, "api3", &o) == 0 && state_is("api3", "created", &st), "create api3")) {
        pid = st.pid;
        succeeds(ocirun_delete(root, "api3", 0), "delete of created api3");
        check(reap(pid, &reaped), "its init is reaped");
        snprintf(path, sizeof path, "%s/api3", root);
        check(!exists(path), "its state directory is gone");
    }

    /* without a sealed memfd, each container's stages run from a private
     * copy of their own: one a container could write must not serve the
     * next (the kernel's view: the inits' /proc/PID/exe are two files) */
    struct stat a, b;
    struct ocirun_state s2;
    setenv("OCIRUN_TEST_PROTECT", "nomemfd", 1);
    if (protect.fd >= 0) close(protect.fd);   /* (this process's memfd, chosen for api1: chosen again) */
    protect.done = 0, protect.fd = -1;
    if (check(ocirun_create(root, "api4", &o) == 0 && state_is("api4", "created", &st) &&
              ocirun_create(root, "api5", &o) == 0 && state_is("api5", "created", &s2), "create api4, api5 from private copies")) {
        char e1[64], e2[64];
        snprintf(e1, sizeof e1, "/proc/%d/exe", (int)st.pid), snprintf(e2, sizeof e2, "/proc/%d/exe", (int)s2.pid);
        check(stat(e1, &a) == 0 && stat(e2, &b) == 0 && a.st_ino != b.st_ino, "their inits run from two copies (inodes %lu, %lu)",
              (unsigned long)a.st_ino, (unsigned long)b.st_ino);
    }
    unsetenv("OCIRUN_TEST_PROTECT");
    ocirun_delete(root, "api4", 1), ocirun_delete(root, "api5", 1);
    host_signals_kept(&o);
}

/* The host program's signals, as a daemon sets them, through the calls: a
 * SIGCHLD handler that reaps every child (or SIGCHLD ignored) takes no
 * stage's status, SIGPIPE at its default does not end the program when a
 * prestart hook closes its stdin on a large state, and each call (and
 * ocirun_main) gives the handlers and the mask back as they were.  Also:
 * a success leaves no failure behind, and ocirun_main's --log file is
 * closed after it. */
static volatile sig_atomic_t host_reaped;
static void reap_all(int sig)
{
    (void)sig;
    while (waitpid(-1, NULL, WNOHANG) > 0) host_reaped++;
}

static pid_t host_pid;
static volatile sig_atomic_t winch_here, winch_elsewhere;
static void count_winch(int sig)
{
    (void)sig;
    if (getpid() == host_pid) winch_here++;
    else winch_elsewhere++;   /* (in a child that shares our memory: the count is ours) */
}

static int handler_is(int sig, void (*fn)(int))
{
    struct sigaction sa;
    return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == fn;
}

static int open_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

static void host_signals_kept(const struct ocirun_create_opts *o)
{
    struct sigaction sa;
    sigset_t mask, now;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = reap_all;
    sigaction(SIGCHLD, &sa, NULL);
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&mask), sigaddset(&mask, SIGUSR2), sigprocmask(SIG_SETMASK, &mask, NULL);
    int ok = 1;
    for (int i = 0; i < 5 && ok; i++) {
        ok = ocirun_create(root, "apisig", o) == 0 && ocirun_start(root, "apisig") == 0 && ocirun_delete(root, "apisig", 1) == 0;
        if (!ok) printf("#   round %d: %s: %s\n", i, code_name(ocirun_last_error_code()), ocirun_last_error());
    }
    check(ok, "create, start, delete --force with a SIGCHLD handler that reaps every child, 5 times");
    sigprocmask(SIG_SETMASK, NULL, &now);
    check(handler_is(SIGCHLD, reap_all) && handler_is(SIGPIPE, SIG_DFL) && sigismember(&now, SIGUSR2) && !sigismember(&now, SIGCHLD),
          "the host's SIGCHLD handler, SIGPIPE default and signal mask are as they were");
    ocirun_delete(root, "apisig", 1);
    signal(SIGCHLD, SIG_IGN);
    succeeds(ocirun_create(root, "apisig", o) == 0 && ocirun_delete(root, "apisig", 1) == 0 ? 0 : -1, "create and delete with SIGCHLD ignored");
    check(handler_is(SIGCHLD, SIG_IGN), "SIGCHLD is ignored again after the calls");
    ocirun_delete(root, "apisig", 1);
    sigaction(SIGCHLD, &sa, NULL);
    /* a prestart hook that closes its stdin before we write 200 KB of state
     * (annotations) to it */
    static char cfg[300000];
    char path[200], bundle2[160];
    const char *at = strstr(busybox_config, "\"rootfs\""), *end = strrchr(busybox_config, '}');
    size_t n = (size_t)snprintf(cfg, sizeof cfg, "%.*s\"%s/rootfs\"%.*s, \"hooks\": { \"prestart\": [ { \"path\": \"/bin/sh\", "
                                "\"args\": [ \"sh\", \"-c\", \"exec 0<&-; sleep 0.3\" ] } ] }, \"annotations\": { \"big\": \"",
                                (int)(at - busybox_config), busybox_config, o->bundle, (int)(end - at - 8), at + 8);
    memset(cfg + n, 'x', 200000), n += 200000;
    snprintf(cfg + n, sizeof cfg - n, "\" } }\n");
    snprintf(bundle2, sizeof bundle2, "%s/bundle-hook", tmp), mkdir(bundle2, 0755);
    snprintf(path, sizeof path, "%s/config.json", bundle2), put(path, cfg);
    struct ocirun_create_opts ho = *o;
    ho.bundle = bundle2;
    succeeds(ocirun_create(root, "apipipe", &ho), "create whose prestart hook closes its stdin, SIGPIPE at its default: we live on");
    ocirun_delete(root, "apipipe", 1);
    /* ocirun_main gives them back too, and closes its --log file */
    char logp[200], *argv[] = { "ocirun", "--log", logp, "--root", root, "list", NULL };
    snprintf(logp, sizeof logp, "%s/main.log", tmp);
    int before = open_fds(), out = dup(1), null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    dup2(null, 1);
    for (int i = 0; i < 5; i++) ocirun_main(6, argv);
    dup2(out, 1), close(out), close(null);
    check(open_fds() == before, "ocirun_main --log ... list, 5 times: no fd left open (%d, %d)", before, open_fds());
    check(handler_is(SIGCHLD, reap_all) && handler_is(SIGPIPE, SIG_DFL), "ocirun_main: SIGCHLD's handler and SIGPIPE as they were");
    fails(ocirun_state(root, "nosuch", &(struct ocirun_state){0}), OCIRUN_E_NOT_FOUND, "does not exist", "state of a missing one");
    succeeds(ocirun_delete(root, "nosuch", 1), "delete --force of a missing one");
    check(ocirun_last_error_code() == OCIRUN_E_NONE && !ocirun_last_error()[0], "after a success, no failure is left (%d: %s)",
          ocirun_last_error_code(), ocirun_last_error());
    /* a handler of ours never runs in a child of the library's (it would
     * run there in our memory, until the child's exec): SIGWINCH (a
     * terminal's resize: every process of the group gets it) sent to our
     * own process group without pause while containers are made */
    host_pid = getpid();
    setpgid(0, 0);
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = count_winch, sa.sa_flags = SA_RESTART;
    sigaction(SIGWINCH, &sa, NULL);
    pid_t flood = fork();
    if (flood == 0) {
        signal(SIGWINCH, SIG_IGN);
        for (;;) kill(-host_pid, SIGWINCH), usleep(10);
    }
    ok = flood > 0;
    for (int i = 0; i < 30 && ok; i++) {
        ok = ocirun_create(root, "apiwinch", o) == 0 && ocirun_delete(root, "apiwinch", 1) == 0;
        if (!ok) printf("#   round %d: %s: %s\n", i, code_name(ocirun_last_error_code()), ocirun_last_error());
    }
    if (flood > 0) kill(flood, SIGKILL), waitpid(flood, NULL, 0);
    ocirun_delete(root, "apiwinch", 1);
    check(ok && winch_here > 0 && winch_elsewhere == 0, "30 creates under a flood of SIGWINCH to our group: the host's handler ran %d times, %d of them in a child",
          (int)(winch_here + winch_elsewhere), (int)winch_elsewhere);
    signal(SIGWINCH, SIG_DFL);
    signal(SIGCHLD, SIG_DFL), signal(SIGPIPE, SIG_DFL), sigprocmask(SIG_SETMASK, &(sigset_t){0}, NULL);
}

int main(int argc, char **argv)
{
    /* rule 1 of runtime.h.  (_exit, not return: the stages are short-lived
     * processes of ocirun's, their exit skips LeakSanitizer's report) */
    if (ocirun_stage_requested(argc, argv)) _exit(ocirun_main(argc, argv));
    alarm(120);
    const char *t = getenv("TMPDIR");
    snprintf(tmp, sizeof tmp, "%s/ocirun-api.XXXXXX", t && t[0] == '/' && strlen(t) < 40 ? t : "/tmp");
    if (!mkdtemp(tmp)) { perror(tmp); return 2; }
    snprintf(root, sizeof root, "%s/root", tmp);
    comma_lists_vs_strtok();
    clean_paths_vs_realpath();
    without_root();
    if (geteuid() != 0) printf("# not root: the lifecycle is skipped\n");
    else if (access("/bin/busybox", X_OK) != 0) printf("# no /bin/busybox (busybox-static): the lifecycle is skipped\n");
    else with_root();
    printf("1..%d\n", tests);
    while (waitpid(-1, NULL, WNOHANG) > 0) {}
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return failures ? 1 : 0;
}
