/* fuzz.h: what the fuzz targets of tests/fuzz share.  Included after
 * ../../runtime.c (so after its headers).
 *
 *   fz_fail(fmt, ...)   an invariant broke: print why, abort() (the fuzzer
 *                       and the replay driver report it as a crash)
 *   fz_fd_mark()        remember the lowest free fd (at the start of an input:
 *                       libFuzzer itself keeps fds open across inputs)
 *   fz_fd_check(what)   abort when the input left an fd open (the lowest
 *                       free fd moved)
 *   fz_verbose(...)     with FUZZ_VERBOSE set, print what an input came to
 *   fz_known(name)      true when FUZZ_IGNORE_KNOWN lists `name` (or is
 *                       "all"): long fuzzing runs can step over a finding
 *                       already reported, `make check` never sets it
 */
#ifndef OCIRUN_FUZZ_H
#define OCIRUN_FUZZ_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((format(printf, 1, 2), noreturn))
static void fz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("\nFUZZ INVARIANT FAILED: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs("\n", stderr);
    va_end(ap);
    abort();
}

static int fz_fd_low = -1;

static int fz_lowest_free_fd(void)
{
    int fd = fcntl(0, F_DUPFD_CLOEXEC, 0);
    if (fd < 0) fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
    return fd;
}

static void fz_fd_mark(void) { fz_fd_low = fz_lowest_free_fd(); }

static void fz_fd_check(const char *what)
{
    int now = fz_lowest_free_fd();
    if (fz_fd_low >= 0 && now != fz_fd_low) {
        char path[64], target[256];
        ssize_t n;
        snprintf(path, sizeof path, "/proc/self/fd/%d", fz_fd_low);
        n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = 0;
        fz_fail("%s left fd %d open (%s)", what, fz_fd_low, target);
    }
}

__attribute__((unused)) static int fz_known(const char *name)
{
    const char *k = getenv("FUZZ_IGNORE_KNOWN");
    if (!k) return 0;
    if (!strcmp(k, "all")) return 1;
    size_t n = strlen(name);
    for (const char *p = k; (p = strstr(p, name)); p += n)
        if ((p == k || p[-1] == ',') && (p[n] == 0 || p[n] == ',')) return 1;
    return 0;
}

/* With FUZZ_VERBOSE set, what an input came to (for writing seeds). */
__attribute__((unused)) static void fz_verbose(const char *what, int r, const char *msg)
{
    static int on = -1;
    if (on < 0) on = getenv("FUZZ_VERBOSE") != NULL;
    if (on) fprintf(stderr, "  %s: %s%s\n", what, r < 0 ? "error: " : "ok", r < 0 ? msg : "");
}

/* A NUL-terminated copy of the input (libFuzzer's is not terminated). */
__attribute__((unused)) static char *fz_text(const uint8_t *data, size_t size)
{
    char *t = malloc(size + 1);
    if (!t) abort();
    memcpy(t, data, size);
    t[size] = 0;
    return t;
}

#endif
