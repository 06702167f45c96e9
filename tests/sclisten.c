/* sclisten SOCKET OUT: a seccomp notification listener for test.sh, as a
 * listenerPath (config-linux.md) service runs one: it accepts one
 * connection on the unix socket SOCKET, takes the container process state
 * (JSON) and the listener fd (SCM_RIGHTS) the runtime sends, writes the
 * JSON as the first line of OUT, then answers every notification: mkdir
 * and mkdirat fail with EXDEV, anything else goes on (CONTINUE).  Each
 * answer adds a line "notified NR" to OUT.  Exits when the filter's last
 * user is gone. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE 1
#endif

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: sclisten SOCKET OUT\n"); return 2; }
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
    unlink(argv[1]);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 1) < 0) { perror("sclisten: listen"); return 1; }
    FILE *out = fopen(argv[2], "w");
    if (!out) { perror(argv[2]); return 1; }
    fprintf(out, "listening\n"), fflush(out);
    int c = accept(ls, NULL, NULL);
    if (c < 0) { perror("accept"); return 1; }
    char buf[8192];
    union { struct cmsghdr h; char b[CMSG_SPACE(sizeof(int))]; } cm;
    struct iovec iov = { buf, sizeof buf - 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.b, .msg_controllen = sizeof cm.b };
    ssize_t n = recvmsg(c, &mh, 0);
    struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
    if (n <= 0 || !h || h->cmsg_type != SCM_RIGHTS) { fprintf(out, "no fd received\n"); return 1; }
    int fd;
    memcpy(&fd, CMSG_DATA(h), sizeof fd);
    buf[n] = 0;
    fprintf(out, "%s\n", buf), fflush(out);
    struct seccomp_notif_sizes sz;
    if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) { perror("notif sizes"); return 1; }
    struct seccomp_notif *req = calloc(1, sz.seccomp_notif + 64);
    struct seccomp_notif_resp *resp = calloc(1, sz.seccomp_notif_resp + 64);
    for (;;) {
        memset(req, 0, sz.seccomp_notif);
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, req) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        memset(resp, 0, sz.seccomp_notif_resp);
        resp->id = req->id;
        int nr = req->data.nr;
        if (nr == SYS_mkdir || nr == SYS_mkdirat) resp->error = -EXDEV;
        else resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        fprintf(out, "notified %d\n", nr), fflush(out);
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, resp) < 0 && errno != ENOENT) perror("notif send");
    }
    return 0;
}
