/* tests/criu/rpc.c: criu's RPC messages as runtime.c (section 18) writes
 * and reads them, for tests/criu/rpc.py, which holds them against criu's
 * own definitions (pycriu's rpc_pb2, from Debian's criu package).
 *   rpc encode ROOTFS  the options of a dump request as the builders make
 *                      them (flags, a config with a bind mount, a masked
 *                      file and a joined network namespace), then a few
 *                      hand-made messages: each a line of hex
 *   rpc decode         hex lines of criu_resp on stdin; for each, a line
 *                      "type success errno pid version features script|errmsg"
 *                      or "error: ..." */
#ifndef OCIRUN_NO_MAIN
#define OCIRUN_NO_MAIN
#endif
#include "../../runtime.c"

static void hex(const struct buf *b)
{
    for (size_t i = 0; i < b->len; i++) fd_printf(1, "%02x", (unsigned char)b->p[i]);
    fd_printf(1, "\n");
}

static const char config[] =
    "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"annotations\":{\"org.criu.config\":\"/etc/x.conf\"},"
    "\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"],\"user\":{\"uid\":0,\"gid\":0}},"
    "\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"},"
    "{\"destination\":\"/link/in\",\"type\":\"bind\",\"source\":\"/tmp\"},"
    "{\"destination\":\"/data\",\"type\":\"none\",\"source\":\"rel\",\"options\":[\"rbind\"]}],"
    "\"linux\":{\"namespaces\":[{\"type\":\"mount\"},{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}],"
    "\"maskedPaths\":[\"/proc/version\",\"/proc/sys\"],"
    "\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229}]}}";

static int encode(const char *rootfs)
{
    struct oci_spec s;
    struct criu_flags f;
    struct cstate st;
    struct buf o = {0}, m = {0};
    int sfd = -1;
    memset(&f, 0, sizeof f), memset(&st, 0, sizeof st);
    if (spec_parse(config, sizeof config - 1, "config.json", &s) < 0) return fd_printf(2, "%s\n", err_msg), 1;
    f.tcp = f.ext_unix = f.shell_job = f.file_locks = f.auto_dedup = f.lazy_pages = 1;
    f.cg_mode = "full", f.page_server = "10.0.0.1:27", f.parent = "../pre";
    f.empty_ns.v[f.empty_ns.n++] = "pid";
    str_fmt(st.rootfs, sizeof st.rootfs, "%s", rootfs);
    if (criu_common_opts(&o, &f, 5, 6, "/w/dump.log", &s) < 0 || criu_external_ns(&o, &s, 31700) < 0 ||
        criu_dump_opts(&o, &f, &st, 31700, &sfd) < 0)
        return fd_printf(2, "%s\n", err_msg), 1;
    criu_ext_mounts(&o, &s, rootfs, "/bundle", NULL, getpid(), 0);
    hex(&o);
    buf_free(&o);
    criu_ext_mounts(&o, &s, rootfs, "/bundle", NULL, 0, 1);
    hex(&o);
    /* the rest: a negative int32, an inherit_fd, a cg_root, join_ns */
    pb_num(&m, 1, -1);
    pb_pair(&m, 27, "pipe:[42]", NULL, 2);
    pb_pair(&m, 25, "", "/a b", 0);
    pb_pair(&m, 39, "mnt", "/proc/1/ns/mnt", 0);
    hex(&m);
    buf_free(&o), buf_free(&m);
    spec_free(&s);
    return 0;
}

static int decode(void)
{
    char *text;
    size_t len;
    if (read_fd_all(0, "stdin", 1 << 20, &text, &len) < 0) return 1;
    for (char *line = text, *nl; *line; line = nl + 1) {
        if (!(nl = strchr(line, '\n'))) break;
        size_t n = (size_t)(nl - line) / 2;
        unsigned char *bin = xmalloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            uint64_t v = 0;
            char two[3] = { line[2 * i], line[2 * i + 1], 0 };
            scan_u64(two, 16, &v);
            bin[i] = (unsigned char)v;
        }
        struct criu_resp r;
        if (criu_resp_decode(bin, n, &r) < 0) fd_printf(1, "error: %s\n", err_msg);
        else fd_printf(1, "%d %d %d %d %d %u %s|%s\n", r.type, r.success, r.cr_errno, r.pid, r.version, r.features, r.script, r.errmsg);
        xfree(bin);
    }
    xfree(text);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "encode")) return encode(argv[2]);
    if (argc == 2 && !strcmp(argv[1], "decode")) return decode();
    fd_printf(2, "usage: rpc encode ROOTFS | rpc decode\n");
    return 2;
}
