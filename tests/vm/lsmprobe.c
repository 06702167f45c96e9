/* tests/vm/lsmprobe.c: what busybox cannot read about LSM labels, for the
 * apparmor and selinux test VMs (tests/vm/vm.sh builds it with cc -static
 * and puts it into the container rootfs as /bin/lsmprobe).
 *
 *   lsmprobe xattr PATH   the security.selinux attribute of PATH
 *   lsmprobe keyring      the security label of the session keyring
 *                         (keyctl KEYCTL_GET_SECURITY of KEY_SPEC_SESSION_KEYRING)
 *   lsmprobe keyring-id   the session keyring's serial and description
 *                         (test.sh's keyring test uses it too)
 *
 * Prints the label (without its trailing NUL) and a newline, exit 0; or
 * "ERR: <what>: <errno text>" and exit 1. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#define KEYCTL_GET_SECURITY 17
#define KEY_SPEC_SESSION_KEYRING (-3)

static int show(const char *what, long n, char *buf)
{
    if (n < 0) {
        printf("ERR: %s: %s\n", what, strerror(errno));
        return 1;
    }
    while (n > 0 && buf[n - 1] == '\0') n--;  /* labels come NUL-terminated */
    printf("%.*s\n", (int)n, buf);
    return 0;
}

int main(int argc, char **argv)
{
    char buf[4096];
    if (argc == 3 && !strcmp(argv[1], "xattr"))
        return show("getxattr security.selinux", getxattr(argv[2], "security.selinux", buf, sizeof buf - 1), buf);
    if (argc == 2 && !strcmp(argv[1], "keyring"))
        return show("keyctl(KEYCTL_GET_SECURITY, session keyring)",
                    syscall(SYS_keyctl, KEYCTL_GET_SECURITY, KEY_SPEC_SESSION_KEYRING, buf, sizeof buf - 1), buf);
    if (argc == 2 && !strcmp(argv[1], "keyring-id")) {
        long id = syscall(SYS_keyctl, 0 /* KEYCTL_GET_KEYRING_ID */, KEY_SPEC_SESSION_KEYRING, 0);
        long n = syscall(SYS_keyctl, 6 /* KEYCTL_DESCRIBE */, KEY_SPEC_SESSION_KEYRING, buf, sizeof buf - 1);
        if (id < 0 || n < 0) return show("keyctl(KEYCTL_GET_KEYRING_ID/DESCRIBE, session keyring)", -1, buf);
        buf[n] = 0;
        printf("%ld %s\n", id, strrchr(buf, ';') ? strrchr(buf, ';') + 1 : buf);
        return 0;
    }
    fprintf(stderr, "usage: lsmprobe xattr PATH | lsmprobe keyring | lsmprobe keyring-id\n");
    return 2;
}
