/* recvtty SOCKET INPUT OUTFILE: a console socket, as containerd and conmon
 * provide one.  Listens on SOCKET, receives one pty master (SCM_RIGHTS),
 * types INPUT into it and copies everything the container writes to
 * OUTFILE until the container side hangs up (or 15 s pass; RECVTTY_SECS
 * sets another time).  The data that came with the fd is written to
 * OUTFILE.name. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: recvtty SOCKET INPUT OUTFILE\n"); return 2; }
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", argv[1]);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(argv[1]);
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1) < 0) { perror("recvtty: listen"); return 2; }
    int c = accept(l, NULL, NULL);
    if (c < 0) { perror("recvtty: accept"); return 2; }
    char name[256] = "";
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } cm;
    struct iovec iov = { name, sizeof name - 1 };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cm.buf, .msg_controllen = sizeof cm.buf };
    ssize_t n = recvmsg(c, &mh, 0);
    struct cmsghdr *h = CMSG_FIRSTHDR(&mh);
    if (n < 0 || !h || h->cmsg_type != SCM_RIGHTS) { fprintf(stderr, "recvtty: no fd received\n"); return 1; }
    int master;
    memcpy(&master, CMSG_DATA(h), sizeof master);
    char path[4096];
    snprintf(path, sizeof path, "%s.name", argv[3]);
    FILE *nf = fopen(path, "w");
    if (nf) fprintf(nf, "%.*s\n", (int)n, name), fclose(nf);
    FILE *out = fopen(argv[3], "w");
    if (!out) { perror(argv[3]); return 2; }
    if (write(master, argv[2], strlen(argv[2])) < 0) perror("recvtty: write");
    const char *secs = getenv("RECVTTY_SECS");
    time_t end = time(NULL) + (secs ? atoi(secs) : 15);
    struct pollfd p = { master, POLLIN, 0 };
    char buf[4096];
    while (time(NULL) < end && poll(&p, 1, 1000) >= 0) {
        if (!p.revents) continue;
        n = read(master, buf, sizeof buf);
        if (n <= 0) break;
        fwrite(buf, 1, (size_t)n, out);
        fflush(out);
    }
    fclose(out);
    return 0;
}
