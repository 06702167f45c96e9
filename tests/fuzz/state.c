/* state.c: fuzz target for the state reader (runtime.c section 6).
 *
 * The input is the text of a container's state.json.  It is written to
 * <tmp>/state.json and read back with state_read(), as every command on
 * an existing container does (open_container_as), then freed the way
 * close_container() frees it.  A state that reads must also
 *   - survive state_stage() and state_publish() (state_to_json(), the staged write and its rename) and a
 *     second state_read() unchanged: id, pid, ocirun.starttime, bundle,
 *     rootfs, created, annotations, ocirun.cgroups, ocirun.unit,
 *     ocirun.unit_user, ocirun.late_hooks, ocirun.stdio;
 *   - give valid JSON as `ocirun state` prints it (state_to_json(), not
 *     internal);
 *   - go through container_status() (/proc/<pid>/stat, the freezer).
 * A failed read must leave a message naming the container. */
#include "../../runtime.c"
#include "fuzz.h"

#include <dirent.h>

static char tmpdir[64];
static int dfd = -1;

static void cleanup(void)
{
    DIR *d = opendir(tmpdir);
    struct dirent *e;
    if (d) {
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) unlinkat(dirfd(d), e->d_name, 0);
        closedir(d);
    }
    rmdir(tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *t = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%s/ocirun-fuzz-state.XXXXXX", t && t[0] == '/' && strlen(t) < 30 ? t : "/tmp");
    if (!mkdtemp(tmpdir) || (dfd = open(tmpdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) fz_fail("mkdtemp %s: %m", tmpdir);
    atexit(cleanup);
    logcfg.fd = open("/dev/null", O_WRONLY | O_CLOEXEC), logcfg.debug = 1;
    return 0;
}

static void put_state(const uint8_t *data, size_t size)
{
    int fd = openat(dfd, STATE_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, data, size) != (ssize_t)size) fz_fail("write %s/%s: %m", tmpdir, STATE_FILE);
    close(fd);
}

static void st_free(struct cstate *st) { cstate_free(st); }

#define SAME_STR(f) (strcmp(a->f, b->f) ? (fz_fail("state write + state_read changed " #f ": \"%s\" became \"%s\"", a->f, b->f), 0) : 1)
static void same(const struct cstate *a, const struct cstate *b)
{
    SAME_STR(id), SAME_STR(bundle), SAME_STR(rootfs), SAME_STR(created), SAME_STR(unit);
    if (a->pid != b->pid || a->starttime != b->starttime || a->late_hooks != b->late_hooks || a->unit_user != b->unit_user)
        fz_fail("state write + state_read changed pid/starttime/late_hooks/unit_user: %d/%llu/%d/%d became %d/%llu/%d/%d",
                (int)a->pid, (unsigned long long)a->starttime, a->late_hooks, a->unit_user, (int)b->pid,
                (unsigned long long)b->starttime, b->late_hooks, b->unit_user);
    if (strcmp(a->stdio ? a->stdio : "", b->stdio ? b->stdio : ""))
        fz_fail("state write + state_read changed ocirun.stdio: %s became %s", a->stdio ? a->stdio : "(none)", b->stdio ? b->stdio : "(none)");
    /* no annotations is written as {} */
    if (strcmp(a->annotations ? a->annotations : "{}", b->annotations ? b->annotations : "{}"))
        fz_fail("state write + state_read changed the annotations: %s became %s", a->annotations, b->annotations);
    if (!a->cgroups != !b->cgroups || (a->cgroups && strcmp(a->cgroups, b->cgroups)))
        fz_fail("state write + state_read changed the cgroups: %s became %s", a->cgroups, b->cgroups);
}

/* `created` is written unescaped (state_to_json's "%s"): a value with a
 * quote, backslash or control character does not come back (finding). */
static int created_needs_escape(const char *s)
{
    for (; *s; s++)
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_fd_mark();
    struct cstate st, st2;
    if (size > (1u << 20)) return 0;
    put_state(data, size);
    err_msg[0] = 0;
    if (state_read(dfd, "fuzz", &st) < 0) {
        if (!strstr(err_msg, "\"fuzz\"")) fz_fail("state_read failed with a message not naming the container: %s", err_msg);
        st_free(&st);
        fz_fd_check("state_read");
        return 0;
    }
    int skip = fz_known("created-escape") && created_needs_escape(st.created);
    struct buf b = {0};
    struct arena a = {0};
    state_to_json(&b, &st, container_status(dfd, &st), 0);
    if (!skip && !json_parse(b.p, b.len, &a)) fz_fail("state_to_json wrote invalid JSON (%s): %s", err_msg, b.p);
    arena_free(&a);
    buf_free(&b);
    if (!skip) {
        if (state_stage(dfd, &st) < 0 || state_publish(dfd) < 0) fz_fail("state_stage/state_publish: %s", err_msg);
        if (state_read(dfd, "fuzz", &st2) < 0) fz_fail("state_read of what was written: %s", err_msg);
        same(&st, &st2);
        st_free(&st2);
    }
    st_free(&st);
    fz_fd_check("state");
    return 0;
}
