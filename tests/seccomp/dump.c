/* dump PROFILE.json [NATIVE-ARCH]: ocirun's seccomp filter for a profile,
 * one instruction a line ("code jt jf k", decimal), as this machine's
 * build of runtime.c compiles it.  The profile is a config.json or a bare
 * linux.seccomp object; NATIVE-ARCH (an SCMP_ARCH_ name) plays the
 * machine the filter is for (default: the profile's first arch).
 *
 * test.sh builds it for every cross target and compares the output under
 * qemu-user with the x86_64 build's, which tests/seccomp/diff.c holds to
 * libseccomp: the compiler must not depend on the word size or byte order
 * of the machine it runs on. */
#define OCIRUN_NO_MAIN
#define OCIRUN_SECCOMP_ALL_ARCHES   /* every arch's table, not only this machine's */
#include "../../runtime.c"

int main(int argc, char **argv)
{
    char *text;
    size_t len;
    struct arena ar = { 0 };
    struct oci_spec s;
    struct oci_sock_filter *p;
    size_t n;
    if (argc < 2) { fprintf(stderr, "usage: dump PROFILE.json [NATIVE-ARCH]\n"); return 2; }
    if (read_file_at(AT_FDCWD, argv[1], MAX_CONFIG_SIZE, &text, &len) < 0) { fprintf(stderr, "%s\n", err_msg); return 2; }
    const struct jv *root = json_parse(text, len, &ar), *so = root;
    if (!root) { fprintf(stderr, "%s: %s\n", argv[1], err_msg); return 2; }
    if (member(root, "linux")) so = member(member(root, "linux"), "seccomp");
    if (!so) { fprintf(stderr, "%s: no linux.seccomp\n", argv[1]); return 2; }
    const struct jv *arches = member(so, "architectures");
    if (argc > 2) sc_native = argv[2];
    else if (arches && arches->child) sc_native = arches->child->s;
    memset(&s, 0, sizeof s);
    if (parse_seccomp(so, &s) < 0 || sc_compile(s.seccomp, &p, &n) < 0) { fprintf(stderr, "%s\n", err_msg); return 1; }
    for (size_t i = 0; i < n; i++) printf("%u %u %u %u\n", p[i].code, p[i].jt, p[i].jf, p[i].k);
    return 0;
}
