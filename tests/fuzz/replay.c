/* replay.c: a main() for the fuzz targets of tests/fuzz when libFuzzer is
 * not there (gcc, or clang without its runtime): runs every input file
 * once through LLVMFuzzerTestOneInput, as libFuzzer would replay a corpus.
 * Built with -fsanitize=address,undefined -fno-sanitize-recover=all, this
 * is what `make check` runs.
 *
 *   replay [-q] NAME FILE|DIR...
 *
 * Each input runs in a child of its own (fork), so that one crash, leak or
 * hang does not hide the others: the child runs the input, then asks
 * LeakSanitizer for a leak check, and has 10 s (REPLAY_TIMEOUT).  The
 * parent prints one line per failing input ("FAIL NAME FILE: why") and a
 * last line "NAME: N inputs, F failed", and exits 1 if any failed.
 * REPLAY_INPROCESS=1 runs them all in this process instead, one after the
 * other as libFuzzer does (which also catches state a target forgets to
 * reset between inputs), stopping at the first failure.
 *
 * Before each input, "replay: FILE" goes to stderr, so a sanitizer report
 * follows the name of the input that caused it. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);
__attribute__((weak)) int __lsan_do_recoverable_leak_check(void);

static int quiet;

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Adds `path`, or the regular files of directory `path` (sorted), to *v. */
static void collect(const char *path, char ***v, size_t *n, size_t *cap)
{
    struct stat st;
    if (stat(path, &st) < 0) { fprintf(stderr, "replay: %s: %s\n", path, strerror(errno)); exit(2); }
    size_t first = *n;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *e;
        if (!d) { fprintf(stderr, "replay: %s: %s\n", path, strerror(errno)); exit(2); }
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.') continue;
            size_t len = strlen(path) + strlen(e->d_name) + 2;
            char *p = malloc(len);
            struct stat fs;
            snprintf(p, len, "%s/%s", path, e->d_name);
            if (stat(p, &fs) < 0 || !S_ISREG(fs.st_mode)) { free(p); continue; }
            if (*n == *cap) *v = realloc(*v, (*cap = *cap ? *cap * 2 : 64) * sizeof **v);
            (*v)[(*n)++] = p;
        }
        closedir(d);
        qsort(*v + first, *n - first, sizeof **v, cmp_str);
        return;
    }
    if (*n == *cap) *v = realloc(*v, (*cap = *cap ? *cap * 2 : 64) * sizeof **v);
    (*v)[(*n)++] = strdup(path);
}

/* Reads and runs one input; returns 0, or 1 when LeakSanitizer found a
 * leak (other failures end the process). */
static int run_one(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "replay: %s: %s\n", path, strerror(errno)); return 1; }
    size_t cap = 4096, len = 0, got;
    uint8_t *buf = malloc(cap);
    while ((got = fread(buf + len, 1, cap - len, f)) > 0)
        if ((len += got) == cap) buf = realloc(buf, cap *= 2);
    fclose(f);
    /* an exact-size copy, as libFuzzer hands it: ASan sees a read past the end */
    uint8_t *data = malloc(len ? len : 1);
    memcpy(data, buf, len);
    free(buf);
    if (!quiet) fprintf(stderr, "replay: %s\n", path);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return __lsan_do_recoverable_leak_check && __lsan_do_recoverable_leak_check() ? 1 : 0;
}

int main(int argc, char **argv)
{
    int a = 1;
    if (a < argc && !strcmp(argv[a], "-q")) quiet = 1, a++;
    if (argc - a < 2) {
        fprintf(stderr, "usage: %s [-q] NAME FILE|DIR...\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *name = argv[a++];
    char **files = NULL;
    size_t n = 0, cap = 0, failed = 0;
    for (; a < argc; a++) collect(argv[a], &files, &n, &cap);
    if (LLVMFuzzerInitialize) {
        int ac = 1;
        char *av0[] = { argv[0], NULL }, **av = av0;
        LLVMFuzzerInitialize(&ac, &av);
    }
    const char *inproc = getenv("REPLAY_INPROCESS"), *tmo = getenv("REPLAY_TIMEOUT");
    unsigned timeout = tmo ? (unsigned)atoi(tmo) : 10;
    for (size_t i = 0; i < n; i++) {
        if (inproc && inproc[0] == '1') {
            if (run_one(files[i])) { printf("FAIL %s %s: leak\n", name, files[i]); failed++; break; }
            continue;
        }
        fflush(stdout), fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) { perror("replay: fork"); return 2; }
        if (pid == 0) {
            alarm(timeout);
            _exit(run_one(files[i]) ? 23 : 0);
        }
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
        failed++;
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
            printf("FAIL %s %s: no result in %u s\n", name, files[i], timeout);
        else if (WIFSIGNALED(status))
            printf("FAIL %s %s: signal %d\n", name, files[i], WTERMSIG(status));
        else
            printf("FAIL %s %s: exit status %d%s\n", name, files[i], WEXITSTATUS(status),
                   WEXITSTATUS(status) == 23 ? " (leak)" : "");
    }
    printf("%s: %zu inputs, %zu failed\n", name, n, failed);
    for (size_t i = 0; i < n; i++) free(files[i]);
    free(files);
    return failed ? 1 : 0;
}
