/* asuser UID GID CMD...: runs CMD as UID:GID with no supplementary groups
 * (the test VMs' busybox has no setpriv --reuid). */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4) { fprintf(stderr, "usage: asuser UID GID CMD...\n"); return 2; }
    gid_t g = (gid_t)atoi(argv[2]);
    uid_t u = (uid_t)atoi(argv[1]);
    if (setgroups(0, NULL) < 0 || setresgid(g, g, g) < 0 || setresuid(u, u, u) < 0) { perror("asuser"); return 2; }
    execvp(argv[3], argv + 3);
    perror("asuser: exec");
    return 127;
}
