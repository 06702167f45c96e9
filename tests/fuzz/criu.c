/* criu.c: fuzz target for what criu sends (runtime.c section 18).
 *
 * Input: 1 control byte, then one packet of criu's.  The packet goes on a
 * SOCK_SEQPACKET socketpair, as criu sends it (control bit 0: with two
 * fds attached, /dev/null, as no criu message carries; bit 1: with one,
 * as orphan-pts-master does), and is read with criu_recv(), which decodes
 * it (criu_resp_decode()).  One fd may be handed to the caller, which
 * closes it; the rest must be closed, nothing else left open, and a
 * decoded answer's strings are terminated within their buffers. */
#include "../../runtime.c"
#include "fuzz.h"

static int null_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    return null_fd < 0;
}

static int send_packet(int fd, const uint8_t *p, size_t n, int nfds)
{
    union { struct cmsghdr c; char buf[CMSG_SPACE(2 * sizeof(int))]; } cm;
    struct iovec iov = { (void *)p, n };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
    int fds[2] = { null_fd, null_fd };
    memset(&cm, 0, sizeof cm);
    if (nfds) {
        mh.msg_control = cm.buf, mh.msg_controllen = CMSG_SPACE((size_t)nfds * sizeof(int));
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN((size_t)nfds * sizeof(int));
        memcpy(CMSG_DATA(c), fds, (size_t)nfds * sizeof(int));
    }
    return sendmsg(fd, &mh, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int sp[2], fd;
    if (size < 1 || size > CRIU_MSG_MAX + 16) return 0;
    fz_fd_mark();
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) fz_fail("socketpair: %m");
    int nfds = data[0] & 1 ? 2 : data[0] & 2 ? 1 : 0;
    if (send_packet(sp[1], data + 1, size - 1, nfds) < 0) {   /* (an empty one with no fds: EOF) */
        close(sp[0]), close(sp[1]);
        fz_fd_check("criu (not sent)");
        return 0;
    }
    close(sp[1]);
    struct criu cr;
    struct criu_resp r;
    memset(&cr, 0, sizeof cr);
    cr.sock = sp[0], cr.log = "(fuzz)";
    err_msg[0] = 0;
    if (criu_recv(&cr, &r, &fd) == 0) {
        if (memchr(r.script, 0, sizeof r.script) == NULL || memchr(r.errmsg, 0, sizeof r.errmsg) == NULL)
            fz_fail("a decoded string is not terminated");
        if (fd >= 0) close(fd);
    } else if (!err_msg[0]) {
        fz_fail("criu_recv failed without a message");
    }
    if (cr.sock >= 0) close(cr.sock);
    fz_fd_check("criu");
    return 0;
}
