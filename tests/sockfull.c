/* sockfull SOCKET: a unix socket whose listen queue is full and that never
 * accepts (a console socket or seccomp agent that is stuck).  It listens
 * with a backlog of 0, fills the queue with connections of its own, and
 * waits 60 s (or until killed).  A client connecting to it must give up
 * with an error, not wait for ever. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (argc != 2 || strlen(argv[1]) >= sizeof sa.sun_path) { fprintf(stderr, "usage: sockfull SOCKET\n"); return 2; }
    strcpy(sa.sun_path, argv[1]);
    unlink(argv[1]);
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 0) < 0) { perror("sockfull: listen"); return 2; }
    for (int i = 0; i < 8; i++) {   /* until a non-blocking connect finds the queue full */
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof sa) < 0) break;
    }
    sleep(60);
    return 0;
}
