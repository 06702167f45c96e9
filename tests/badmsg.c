/* badmsg OCIRUN: feeds malformed stage-protocol messages to a real stage 1
 * (`OCIRUN __stage 1 FD -1`, the way stage 0 starts it) and checks that
 * each is refused with a clear error: the stage answers with an error
 * message naming the problem and exits with status 1 within 5 s, never
 * hangs or crashes (the class of CVE-2021-43784).  Prints "ok - CASE" or
 * "FAIL - CASE: why" per case; exit status 1 if any failed.
 *
 * The header layout mirrors runtime.c section 15: u16 magic 0x6f63,
 * u16 type, u32 length, host byte order; MSG_OPTS = 1, MSG_CONFIG = 2,
 * MSG_ERROR = 7; struct stage_opts is 8 + 2 * PATH_MAX + NAME_MAX + 1 bytes, then
 * an int64 (the --debug clock) and a u32 (the socket-activation fds),
 * padded to 8 on x86_64: 16 more (this file is built for x86_64 only). */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OPTS_LEN (8 + 2 * PATH_MAX + NAME_MAX + 1 + 8 + 8)

struct hdr { uint16_t magic, type; uint32_t len; };

static int failed;

static void put(int fd, const void *p, size_t n)
{
    if (write(fd, p, n) != (ssize_t)n) { /* the stage may have hung up already: fine */ }
}

static void hdr(int fd, uint16_t magic, uint16_t type, uint32_t len)
{
    struct hdr h = { magic, type, len };
    put(fd, &h, sizeof h);
}

static void good_opts(int fd)
{
    char o[OPTS_LEN];
    memset(o, 0, sizeof o);
    strcpy(o + 8, "/");
    strcpy(o + 8 + PATH_MAX, "/");
    strcpy(o + 8 + 2 * PATH_MAX, "x");
    hdr(fd, 0x6f63, 1, sizeof o);
    put(fd, o, sizeof o);
}

/* Reads the stage's answer: an error message (type 7) with text. */
static int read_answer(int fd, char *text, size_t size)
{
    struct pollfd p = { fd, POLLIN, 0 };
    struct hdr h;
    size_t got = 0;
    text[0] = 0;
    while (got < sizeof h) {
        if (poll(&p, 1, 5000) <= 0) return -2; /* hang */
        ssize_t r = read(fd, (char *)&h + got, sizeof h - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    if (h.type != 7 || h.len >= size) return -1;
    got = 0;
    while (got < h.len) {
        if (poll(&p, 1, 5000) <= 0) return -2;
        ssize_t r = read(fd, text + got, h.len - got);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    text[got] = 0;
    return 0;
}

static void run_case(const char *ocirun, const char *name, const char *want, void (*send)(int))
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) { perror("socketpair"); exit(2); }
    pid_t pid = fork();
    if (pid == 0) {
        close(sv[0]);
        char fd[16];
        snprintf(fd, sizeof fd, "%d", sv[1]);
        execl(ocirun, "ocirun:[1:CHILD]", "__stage", "1", fd, "-1", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    send(sv[0]);
    shutdown(sv[0], SHUT_WR);
    char text[4096];
    int r = read_answer(sv[0], text, sizeof text);
    int status = 0, waited = 0;
    for (int i = 0; i < 500 && !(waited = waitpid(pid, &status, WNOHANG)); i++) usleep(10000);
    if (!waited) { kill(pid, SIGKILL); waitpid(pid, &status, 0); }
    close(sv[0]);
    const char *why = NULL;
    if (r == -2 || !waited) why = "the stage hung";
    else if (WIFSIGNALED(status)) why = "the stage crashed";
    else if (r < 0) why = "no error message came back";
    else if (!WIFEXITED(status) || WEXITSTATUS(status) != 1) why = "exit status is not 1";
    else if (!strstr(text, want)) why = "the error does not say what was wrong";
    if (why) { printf("FAIL - %s: %s (got \"%s\")\n", name, why, text); failed = 1; }
    else printf("ok - %s: %s\n", name, text);
}

static void bad_magic(int fd) { put(fd, "GARBAGE!", 8); }
static void bad_type(int fd) { hdr(fd, 0x6f63, 99, 0); }
static void huge_len(int fd) { hdr(fd, 0x6f63, 2, 0xffffffffu); }
static void short_opts(int fd) { hdr(fd, 0x6f63, 1, 16); put(fd, "0123456789abcdef", 16); }
static void truncated(int fd) { good_opts(fd); hdr(fd, 0x6f63, 2, 1000); put(fd, "{\"oci", 5); }
static void nothing(int fd) { (void)fd; }
static void unterminated(int fd)
{
    char o[OPTS_LEN];
    memset(o, 'A', sizeof o);
    hdr(fd, 0x6f63, 1, sizeof o);
    put(fd, o, sizeof o);
}
static void wrong_order(int fd) { hdr(fd, 0x6f63, 2, 2); put(fd, "{}", 2); }
static void bad_config(int fd) { good_opts(fd); hdr(fd, 0x6f63, 2, 9); put(fd, "{\"oops\":}", 9); }
static void half_header(int fd) { put(fd, "\x63\x6f\x01", 3); }
/* more socket-activation fds than preserved ones (u32 after the clock) */
static void listen_over(int fd)
{
    char o[OPTS_LEN];
    uint32_t one = 1;
    memset(o, 0, sizeof o);
    strcpy(o + 8, "/");
    strcpy(o + 8 + PATH_MAX, "/");
    strcpy(o + 8 + 2 * PATH_MAX, "x");
    memcpy(o + 8 + 2 * PATH_MAX + NAME_MAX + 1 + 8, &one, sizeof one);
    hdr(fd, 0x6f63, 1, sizeof o);
    put(fd, o, sizeof o);
}

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: badmsg OCIRUN\n"); return 2; }
    run_case(argv[1], "bad magic", "garbage", bad_magic);
    run_case(argv[1], "unknown type", "garbage", bad_type);
    run_case(argv[1], "length 2^32-1", "more than", huge_len);
    run_case(argv[1], "options of the wrong size", "want", short_opts);
    run_case(argv[1], "truncated payload", "in the middle", truncated);
    run_case(argv[1], "half a header", "in the middle of a message header", half_header);
    run_case(argv[1], "EOF at once", "exited before", nothing);
    run_case(argv[1], "unterminated paths", "unterminated", unterminated);
    run_case(argv[1], "config before options", "expected options", wrong_order);
    run_case(argv[1], "invalid config JSON", "config.json", bad_config);
    run_case(argv[1], "listen fds beyond the preserved", "socket-activation", listen_over);
    return failed;
}
