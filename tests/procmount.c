/* procmount DIR: from a user, mount and pid namespace of its own (mapping
 * its uid to 0), mounts a fresh procfs on DIR and prints "mounted", or
 * "denied: ERROR".  The kernel allows it only while the mount namespace
 * holds a fully visible procfs (mnt_already_visible): under --no-pivot the
 * host's /proc would be one, unless the runtime detaches it (runc #1962).
 * Built static and copied into the test rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int put(const char *file, const char *s)
{
    int fd = open(file, O_WRONLY), r;
    if (fd < 0) return -1;
    r = write(fd, s, strlen(s)) == (ssize_t)strlen(s) ? 0 : -1;
    close(fd);
    return r;
}

int main(int argc, char **argv)
{
    char map[64];
    int uid = (int)geteuid(), gid = (int)getegid();
    if (argc != 2) { fprintf(stderr, "usage: procmount DIR\n"); return 2; }
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0) { printf("unshare: %s\n", strerror(errno)); return 1; }
    put("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %d 1", uid);
    if (put("/proc/self/uid_map", map) < 0) { printf("uid_map: %s\n", strerror(errno)); return 1; }
    snprintf(map, sizeof map, "0 %d 1", gid);
    if (put("/proc/self/gid_map", map) < 0) { printf("gid_map: %s\n", strerror(errno)); return 1; }
    pid_t p = fork();
    if (p == 0) {
        mkdir(argv[1], 0755);
        if (mount("proc", argv[1], "proc", 0, NULL) < 0) printf("denied: %s\n", strerror(errno));
        else printf("mounted\n");
        return 0;
    }
    waitpid(p, NULL, 0);
    return 0;
}
