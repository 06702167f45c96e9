/* cli.c: fuzz target for the command line (runtime.c sections 17 and 18).
 *
 * The input is a command line, its arguments separated by NUL or newline
 * ("kill\nc1\nRTMIN+3").  It runs as `ocirun --root ROOT ARGS...` through
 * ocirun_main() itself: the global flags (parse_flags() over ocirun_main's
 * table, open_log(), --rootless, relative --root), dispatch(), and each
 * command's own parsing (parse_command(): flags_first(), find_flag(),
 * parse_flags(), want_args(); parse_signal(), parse_size(),
 * parse_duration_ms(), the create and exec flags, --resources files through
 * parse_resources(), --process files through parse_process()) and then
 * what it does with a container of a prepared state root, up to the first
 * step that would change something: sandbox.h refuses every such call
 * (mount, mkdir, unlink, kill, clone, execve, connect, prctl, write
 * opens, ...) with EPERM for runtime.c's code, so a command ends in its
 * error path there.  Output to stdout and stderr is swallowed.
 *
 * The state root (in a temp dir made at start, removed at exit) holds
 *   c1  stopped (no such pid), annotations, a cgroup, a systemd unit
 *   c2  state.json that is not JSON
 *   c3  no state.json, a journal (a create killed half way)
 *   c4  annotations, then an invalid ocirun.unit (state_read fails late)
 *   c5  running: this process (the replay driver's parent, or the fuzzer),
 *       with its real start time, no cgroup
 *   c7  running: pid 1 (whose /proc/1/ns/ a non-root user cannot read)
 *   c6  stopped, its bundle's config.json has poststart/poststop hooks
 * An argument "@/NAME" becomes TMP/NAME: @/bundle (a bundle with that
 * config.json and a rootfs), @/res.json (resources for update -r),
 * @/proc.json (a process for exec -p), @/root (the state root).
 *
 * Between inputs the globals a command may set are reset (logcfg, the
 * self-protection choice); an fd an input leaves open is reported. */
#include "sandbox.h"
#include "../../runtime.c"
#define SANDBOX_OFF
#include "sandbox.h"
#include "fuzz.h"

#include <ftw.h>

static char base[64], root[96], cwd[PATH_MAX];

static const char bundle_config[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
    "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"env\":[\"PATH=/bin\"],\"user\":{\"uid\":0,\"gid\":0},"
    "\"noNewPrivileges\":true},"
    "\"hooks\":{\"poststart\":[{\"path\":\"/bin/true\"}],\"poststop\":[{\"path\":\"/bin/true\",\"args\":[\"true\"],\"timeout\":1}]},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"pid\"}],"
    "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"}]}}}";

static void put(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", base, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) fz_fail("write %s: %m", path);
    close(fd);
}

static void dir(const char *rel)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", base, rel);
    if (mkdir(path, 0700) < 0) fz_fail("mkdir %s: %m", path);
}

static void state(const char *id, long pid, unsigned long long starttime, int late_hooks, const char *extra)
{
    char rel[64], text[1024];
    snprintf(rel, sizeof rel, "root/%s", id);
    dir(rel);
    snprintf(text, sizeof text,
             "{\"ociVersion\":\"1.2.0\",\"id\":\"%s\",\"pid\":%ld,\"status\":\"created\",\"bundle\":\"%s/bundle\","
             "\"rootfs\":\"%s/bundle/rootfs\",\"created\":\"2024-01-02T03:04:05.123456789Z\",\"owner\":\"\","
             "\"annotations\":{\"org.example\":\"x\"},\"ocirun\":{\"starttime\":%llu,\"late_hooks\":%d%s}}",
             id, pid, base, base, starttime, late_hooks, extra);
    snprintf(rel, sizeof rel, "root/%s/state.json", id);
    put(rel, text);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path) < 0 ? 0 : 0;
}

static void cleanup(void) { nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *t = getenv("TMPDIR");
    snprintf(base, sizeof base, "%s/ocirun-fuzz-cli.XXXXXX", t && t[0] == '/' && strlen(t) < 30 ? t : "/tmp");
    if (!mkdtemp(base)) fz_fail("mkdtemp %s: %m", base);
    atexit(cleanup);
    snprintf(root, sizeof root, "%s/root", base);
    dir("root"), dir("bundle"), dir("bundle/rootfs");
    put("bundle/config.json", bundle_config);
    put("res.json", "{\"memory\":{\"limit\":67108864,\"swap\":134217728},\"cpu\":{\"shares\":512,\"cpus\":\"0\"},"
                    "\"pids\":{\"limit\":40},\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}");
    put("proc.json", "{\"args\":[\"sh\",\"-c\",\"true\"],\"cwd\":\"/\",\"env\":[\"A=b\"],\"user\":{\"uid\":0,\"gid\":0},"
                     "\"capabilities\":{\"bounding\":[\"CAP_KILL\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":10,\"soft\":10}]}");
    uint64_t st1 = 0, self = 0;
    char s;
    if (proc_stat(1, &st1, &s) < 0) st1 = 1;
    if (proc_stat(getpid(), &self, &s) < 0) fz_fail("proc_stat of this process: %s", err_msg);
    state("c1", INT_MAX, 42, 0, ",\"cgroups\":[\"/sys/fs/cgroup/ocirun-fuzz-none\"],\"unit\":\"ocirun-c1.scope\",\"unit_user\":true");
    dir("root/c2");
    put("root/c2/state.json", "{\"id\":\"c2\",");
    dir("root/c3");   /* a create killed before its state.json: its journal */
    put("root/c3/journal", "cgroup /sys/fs/cgroup/ocirun-fuzz-none\npid 2147483647 42\nunit 0 ocirun-c3.scope\nunit 1 a/b.scope\n"
                           "cgroup relative\npid 0 1\ncgroup /torn");
    put("root/c1/config.json", bundle_config);   /* the copy create keeps */
    state("c4", INT_MAX, 42, 0, ",\"unit\":\"bad/unit\"");
    state("c5", getpid(), (unsigned long long)self, 0, "");
    state("c7", 1, (unsigned long long)st1, 0, "");
    state("c6", INT_MAX, 42, (1 << HOOK_POSTSTART) | (1 << HOOK_POSTSTOP), "");
    if (!getcwd(cwd, sizeof cwd)) fz_fail("getcwd: %m");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_fd_mark();
    enum { MAX_ARGS = 48 };
    char *argv[MAX_ARGS + 4], *owned[MAX_ARGS];
    int argc = 0, nowned = 0;
    if (size > 16384) return 0;
    if (size && data[size - 1] == '\n') size--;   /* a file's last newline ends a line, adds no argument */
    char *text = fz_text(data, size);
    argv[argc++] = "ocirun", argv[argc++] = "--root", argv[argc++] = root;
    for (char *p = text, *end = text + size; p <= end && argc < MAX_ARGS + 3;) {
        char *e = p;
        while (e < end && *e && *e != '\n') e++;
        *e = 0;
        if (!strncmp(p, "@/", 2)) {
            size_t n = strlen(base) + strlen(p);
            char *a = owned[nowned++] = malloc(n);
            snprintf(a, n, "%s%s", base, p + 1);
            argv[argc++] = a;
        } else {
            argv[argc++] = p;
        }
        if (e == end) break;
        p = e + 1;
    }
    argv[argc] = NULL;
    err_msg[0] = 0;
    int r = ocirun_main(argc, argv);
    fz_verbose("ocirun_main", r ? -1 : 0, err_msg);
    /* what a command may leave behind in this process */
    if (logcfg.fd >= 0) close(logcfg.fd);
    logcfg.fd = -1, logcfg.json = logcfg.debug = logcfg.stage = logcfg.json_stderr = 0;
    if (protect.fd >= 0) close(protect.fd);
    protect.done = protect.path = 0, protect.fd = -1;
    stage_log_fd = -1;
    for (int i = 0; i < nowned; i++) free(owned[i]);
    free(text);
    fz_fd_check("cli");
    char now[PATH_MAX];
    if (!getcwd(now, sizeof now) || strcmp(now, cwd)) fz_fail("the working directory changed: %s became %s", cwd, now);
    return 0;
}
