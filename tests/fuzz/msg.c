/* msg.c: fuzz target for the stage protocol's decoding (runtime.c section
 * 15, and its receivers in section 16).
 *
 * Input: 4 control bytes, then the byte stream a peer stage sends.
 *   byte 0 % 3: who receives
 *     0  recv_setup(): what stages 1 and 2 get first (MSG_OPTS, checked
 *        for unterminated paths, then MSG_CONFIG through spec_parse())
 *     1  msg_recv() in a loop, waiting for type byte 1 % MSG_MAX, until it
 *        fails or the stream ends (MSG_LOG lines are forwarded on the way
 *        with forward_log(), MSG_ERROR becomes the error); a received
 *        MSG_CGROUP_LAYOUT goes through cg_layout_unpack()
 *     2  recv_host_mounts(): stage 2 taking MSG_HOST_MOUNT messages for
 *        the bind mounts of a config with a user namespace
 *   byte 2: if not 0, the stream goes in two writes, the first of
 *     byte 2 bytes carrying an fd (SCM_RIGHTS, /dev/null): a header split
 *     across reads, and fds a receiver must collect or close
 *   byte 3: bit 0 log lines as JSON, bit 1 --debug, bit 2 ask for a
 *     passed fd (as stage 2 does in scenario 0), bit 3 every message in a
 *     write of its own, each with an fd
 * The stream is written to a socketpair (SOCK_STREAM, as the stages use)
 * whose writing end is then shut, so a short stream is a peer that died.
 * Every message and fd must be freed or closed; an fd left open is
 * reported (fz_fd_check). */
#include "../../runtime.c"
#include "fuzz.h"

static int null_fd = -1, log_fd = -1;

/* A config whose bind mounts stage 0 prepares (a user namespace): the
 * mounts recv_host_mounts() waits for. */
static const char host_mounts_config[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
    "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"},"
    "{\"destination\":\"/a\",\"type\":\"bind\",\"source\":\"/tmp\"},"
    "{\"destination\":\"/b\",\"type\":\"none\",\"source\":\"/tmp\",\"options\":[\"rbind\"]},"
    "{\"destination\":\"/c\",\"type\":\"bind\",\"source\":\"/tmp\",\"options\":[\"idmap\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"user\"}],"
    "\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}],"
    "\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":1}]}}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    log_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    struct oci_spec s;
    if (spec_parse(host_mounts_config, sizeof host_mounts_config - 1, "config.json", &s) < 0) fz_fail("%s", err_msg);
    spec_free(&s);
    return 0;
}

/* Sends n bytes at p with an fd (/dev/null) attached; 0 if all went. */
static int send_fd(int fd, const uint8_t *p, size_t n)
{
    union { struct cmsghdr c; char buf[CMSG_SPACE(sizeof(int))]; } cm;
    struct iovec iov = { (void *)p, n };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf };
    memset(&cm, 0, sizeof cm);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &null_fd, sizeof(int));
    return sendmsg(fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Writes the stream into `fd` without blocking (what does not fit in the
 * socket's buffer is cut), then shuts that end.  `split`: the first
 * `split` bytes go alone, with an fd; `per_msg`: every message (header
 * and the length it gives) goes alone, with an fd. */
static void feed(int fd, const uint8_t *p, size_t n, size_t split, int per_msg)
{
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (split > n) split = n;
    while (per_msg && n) {
        struct msg_hdr h;
        size_t len = n;
        if (n >= sizeof h) {
            memcpy(&h, p, sizeof h);
            if (h.len <= n - sizeof h) len = sizeof h + h.len;
        }
        if (send_fd(fd, p, len) < 0) n = 0;
        else p += len, n -= len;
    }
    if (split && n) {
        if (send_fd(fd, p, split) < 0) n = 0;
        else p += split, n -= split;
    }
    while (n) {
        ssize_t w = send(fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (w <= 0) break;
        p += w, n -= (size_t)w;
    }
    shutdown(fd, SHUT_WR);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_fd_mark();
    if (size < 4 || size > (1u << 20)) return 0;
    int who = data[0] % 3, want = data[1] % MSG_MAX, flags = data[3], sv[2];
    if (!want) want = MSG_CONFIG;
    if (sys_socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) fz_fail("socketpair: %m");
    feed(sv[1], data + 4, size - 4, data[2], flags & 8);
    logcfg.fd = log_fd, logcfg.json = flags & 1, logcfg.debug = !!(flags & 2);
    err_msg[0] = 0;
    if (who == 0) {
        struct stage_opts o;
        struct oci_spec s;
        int passfd = -1;
        int r = recv_setup(sv[0], "stage 0", &o, &s, (flags & 4) ? &passfd : NULL);
        fz_verbose("recv_setup", r, err_msg);
        if (r == 0) {
            if (!memchr(o.bundle, 0, sizeof o.bundle) || !memchr(o.id, 0, sizeof o.id)) fz_fail("recv_setup: unterminated options");
            spec_free(&s);
        } else if (!err_msg[0] && !fz_known("empty-peer-error")) {
            /* finding: a MSG_ERROR with an empty payload becomes an empty message */
            fz_fail("recv_setup failed without a message");
        }
        if (passfd >= 0) close(passfd);
    } else if (who == 1) {
        struct buf b = {0};
        for (int k = 0; k < 64; k++) {
            int passfd = -1;
            int r = msg_recv(sv[0], "stage 1", want, &b, (flags & 4) ? &passfd : NULL);
            if (passfd >= 0) close(passfd);
            fz_verbose("msg_recv", r, err_msg);
            if (r < 0) break;
            if (b.p[b.len]) fz_fail("msg_recv: payload not NUL-terminated");
            if (want == MSG_CGROUP_LAYOUT) {
                struct cg_layout l;
                err_msg[0] = 0;
                int u = cg_layout_unpack(b.p, b.len, &l);
                fz_verbose("cg_layout_unpack", u, err_msg);
                if (u < 0 && !err_msg[0]) fz_fail("cg_layout_unpack failed without a message");
                for (int i = 0; u == 0 && i < l.n; i++)
                    if (!memchr(l.h[i].mnt, 0, sizeof l.h[i].mnt) || !memchr(l.h[i].opts, 0, sizeof l.h[i].opts))
                        fz_fail("cg_layout_unpack: unterminated field");
            }
        }
        buf_free(&b);
    } else {
        struct oci_spec s;
        if (spec_parse(host_mounts_config, sizeof host_mounts_config - 1, "config.json", &s) < 0) fz_fail("%s", err_msg);
        int fds[8];
        /* on failure too, the fds of the mounts before are the caller's
         * (stage 2 then exits) */
        int r = recv_host_mounts(sv[0], &s, fds);
        fz_verbose("recv_host_mounts", r, err_msg);
        for (size_t i = 0; i < s.nmounts; i++)
            if (fds[i] >= 0) close(fds[i]);
        spec_free(&s);
    }
    close(sv[0]), close(sv[1]);
    logcfg.fd = -1, logcfg.json = logcfg.debug = 0;
    fz_fd_check("msg");
    return 0;
}
