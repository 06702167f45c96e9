/* config.c: fuzz target for config.json parsing and validation.
 *
 * The input is the text of a config.json.  It goes through what ocirun
 * does with the JSON files engines hand it:
 *   - spec_parse(): json_parse() and parse_spec_tree() (process, mounts,
 *     hooks, linux: namespaces, id maps, devices, sysctl, seccomp,
 *     resources; validate_spec()), spec_free() on both outcomes;
 *     on success also sc_prepare() (the seccomp compiler: section 9),
 *     mount_from_host(), hook_state_json() (its output must parse), and
 *     device_rules() with device_program(), the cgroup v2 device filter:
 *     checked as the eBPF verifier would (opcodes, registers set before
 *     read, jumps, no dead code, an exit on every path) and run on
 *     requests against "the last rule that matches decides";
 *   - as `exec --process FILE` reads it: parse_process("") on the tree
 *     (exec_process_from_file);
 *   - as `update --resources FILE` reads it: parse_resources()
 *     (cmd_update);
 *   - json_write() of the tree must parse back to the same text
 *     (annotations are copied that way).
 * An error message must not contain "(null)" (a NULL given to %s) unless
 * the input does.
 *
 * Build: see the Makefile (`make check`, `make fuzz`); it includes
 * runtime.c with -DOCIRUN_NO_MAIN -DOCIRUN_LIBC_MALLOC=1. */
#include "../../runtime.c"
#include "fuzz.h"

static int null_fd = -1;

static void must_parse(const char *what, const char *text, size_t len)
{
    struct oci_spec s;
    if (spec_parse(text, len, what, &s) < 0) fz_fail("%s does not parse: %s", what, err_msg);
    spec_free(&s);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    /* warnings and debug lines (unknown capabilities, syscalls) go to a
     * --log file: /dev/null, through log_line() */
    null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    logcfg.fd = null_fd, logcfg.debug = 1;
    /* what `ocirun spec` writes must be a valid config */
    struct buf t = {0}, b = {0};
    spec_expand(&t, default_spec);
    must_parse("ocirun spec", t.p, t.len);
    rootless_spec(&b, t.p);
    must_parse("ocirun spec --rootless", b.p, b.len);
    buf_free(&t);
    buf_free(&b);
    return 0;
}

static void check_error(const uint8_t *data, size_t size, const char *what)
{
    if (!err_msg[0]) fz_fail("%s failed without a message", what);
    if (strstr(err_msg, "(null)") && !memmem(data, size, "(null)", 6))
        fz_fail("%s: message with a NULL string in it: %s", what, err_msg);
}

/* --- the device rules: device_rules() and the cgroup v2 program --- */

/* What the rules say of a request (type 1 block, 2 char; access bits 1
 * mknod, 2 read, 4 write): the last rule that matches decides, nothing
 * matching denies.  A rule of type 'p' (a FIFO: no device cgroup governs
 * those) matches nothing, as runc's device filter skips it. */
static int dev_model(const struct oci_devrule *v, size_t n, uint32_t type, uint32_t acc, uint32_t major, uint32_t minor)
{
    for (size_t i = n; i-- > 0;) {
        const struct oci_devrule *r = &v[i];
        int racc = (strchr(r->access, 'm') ? 1 : 0) | (strchr(r->access, 'r') ? 2 : 0) | (strchr(r->access, 'w') ? 4 : 0);
        if (r->type == 'p' && !fz_known("devices-p")) continue;
        if (r->type != 'a' && (r->type == 'b' ? 1u : 2u) != type) continue;
        if ((acc & ~(uint32_t)racc) || (r->major >= 0 && (uint64_t)r->major != major) || (r->minor >= 0 && (uint64_t)r->minor != minor))
            continue;
        return r->allow;
    }
    return 0;
}

/* The kernel's view of the program device_program() wrote: known opcodes,
 * registers read only once written, jumps forward and inside, every
 * instruction reachable (the verifier refuses dead code), no path off the
 * end; and what it returns for a request. */
static int dev_run(const struct oci_bpf_insn *p, size_t len, const uint32_t ctx[3], int check)
{
    uint64_t r[11] = { 0 };
    unsigned init = 1u << 1 | 1u << 10;   /* r1: the context, r10: the frame */
    for (size_t pc = 0; pc < len; pc++) {
        const struct oci_bpf_insn *i = &p[pc];
        int dst = i->regs & 15, src = i->regs >> 4;
        if (dst > 10 || src > 10) fz_fail("device program: instruction %zu: register %d/%d", pc, dst, src);
        switch (i->code) {
        case 0x61:   /* LDX_W dst = *(u32 *)(src + off): only the context */
            if (src != 1 || !(init & 2u) || i->off < 0 || i->off > 8 || i->off % 4)
                fz_fail("device program: instruction %zu: a load from r%d%+d", pc, src, i->off);
            r[dst] = ctx[i->off / 4], init |= 1u << dst;
            break;
        case 0xbc:   /* MOV32_REG */
            if (!(init & (1u << src))) fz_fail("device program: instruction %zu: r%d read before it is set", pc, src);
            r[dst] = (uint32_t)r[src], init |= 1u << dst;
            break;
        case 0x54: case 0x74:   /* AND32_IMM, RSH32_IMM */
            if (!(init & (1u << dst))) fz_fail("device program: instruction %zu: r%d read before it is set", pc, dst);
            if (i->code == 0x74 && (i->imm < 0 || i->imm > 31)) fz_fail("device program: instruction %zu: shift by %d", pc, i->imm);
            r[dst] = i->code == 0x54 ? (uint32_t)r[dst] & (uint32_t)i->imm : (uint32_t)r[dst] >> i->imm;
            break;
        case 0x55:   /* JNE_IMM */
            if (!(init & (1u << dst))) fz_fail("device program: instruction %zu: r%d read before it is set", pc, dst);
            if (i->off < 0 || pc + 1 + (size_t)i->off >= len) fz_fail("device program: instruction %zu: jump to %zd of %zu", pc, (ssize_t)pc + 1 + i->off, len);
            if (r[dst] != (uint64_t)(int64_t)i->imm) pc += (size_t)i->off;
            break;
        case 0xb7:   /* MOV64_IMM */
            r[dst] = (uint64_t)(int64_t)i->imm, init |= 1u << dst;
            break;
        case 0x95:   /* EXIT */
            if (!(init & 1u)) fz_fail("device program: instruction %zu: exit with r0 unset", pc);
            return (int)r[0];
        default:
            fz_fail("device program: instruction %zu: opcode %#x", pc, i->code);
        }
    }
    if (check) fz_fail("device program: a path runs off its end");
    return -1;
}

static void check_devices(const struct oci_spec *s)
{
    struct oci_devrule *v;
    size_t n = device_rules(s, &v), cap = n * 9 + 10;
    struct oci_bpf_insn *p = xcalloc(cap, sizeof *p);
    size_t len = device_program(v, n, p);
    if (!len || len > cap) fz_fail("device_program: %zu instructions (room for %zu)", len, cap);
    /* reachability */
    char *seen = calloc(len + 1, 1);
    seen[0] = 1;
    for (size_t pc = 0; pc < len; pc++) {
        if (!seen[pc]) fz_fail("device program: instruction %zu is unreachable (the verifier refuses it)", pc);
        if (p[pc].code == 0x95) continue;
        if (p[pc].code == 0x55 && p[pc].off >= 0 && pc + 1 + (size_t)p[pc].off < len) seen[pc + 1 + p[pc].off] = 1;
        if (pc + 1 == len) fz_fail("device program: the last instruction is not an exit");
        seen[pc + 1] = 1;
    }
    free(seen);
    /* requests: each type and access, the majors and minors the rules name (and next to them) */
    int narrow = 1;
    uint32_t majors[8] = { 0, 1 }, minors[8] = { 0, 3 };
    int nmaj = 2, nmin = 2;
    for (size_t i = 0; i < n; i++) {
        if (v[i].major > INT32_MAX || v[i].minor > INT32_MAX) narrow = 0;   /* (int32_t) in the program, as runc */
        if (v[i].major >= 0 && nmaj < 8) majors[nmaj++] = (uint32_t)v[i].major + (i & 1);
        if (v[i].minor >= 0 && nmin < 8) minors[nmin++] = (uint32_t)v[i].minor;
    }
    static const uint32_t accs[] = { 1, 2, 4, 6, 7 };
    for (uint32_t type = 1; narrow && type <= 2; type++)
        for (size_t a = 0; a < ARRAY_LEN(accs); a++)
            for (int j = 0; j < nmaj; j++)
                for (int k = 0; k < nmin; k++) {
                    uint32_t ctx[3] = { type | accs[a] << 16, majors[j], minors[k] };
                    int got = dev_run(p, len, ctx, 1), want = dev_model(v, n, type, accs[a], majors[j], minors[k]);
                    if (got != want)
                        fz_fail("device program: %s %u:%u access %u: the program says %s, the rules say %s",
                                type == 1 ? "block" : "char", majors[j], minors[k], accs[a], got ? "allow" : "deny",
                                want ? "allow" : "deny");
                }
    xfree(p);
    xfree(v);
}

static void as_config(const uint8_t *data, size_t size)
{
    struct oci_spec s;
    err_msg[0] = 0;
    if (spec_parse((const char *)data, size, "config.json", &s) < 0) {
        check_error(data, size, "spec_parse");
        if (strncmp(err_msg, "config.json: ", 13)) fz_fail("spec_parse: message without the file name: %s", err_msg);
        return;
    }
    for (size_t i = 0; i < s.nmounts; i++) (void)mount_from_host(&s, i);
    if (s.seccomp) {
        struct sc_filter f;
        if (sc_prepare(s.seccomp, &f) == 0) {
            if (!f.n || f.n > OCI_BPF_MAXINSNS) fz_fail("sc_prepare: %zu instructions", f.n);
            xfree(f.p);
        } else {
            check_error(data, size, "sc_prepare");
        }
    }
    check_devices(&s);
    /* the state hooks get on stdin is JSON with the annotations copied in */
    struct buf b = {0};
    struct arena a = {0};
    hook_state_json(&b, "fuzz", 1, "creating", "/bundle", s.annotations);
    if (!json_parse(b.p, b.len, &a)) fz_fail("hook_state_json wrote invalid JSON (%s): %s", err_msg, b.p);
    arena_free(&a);
    buf_free(&b);
    spec_free(&s);
}

static void as_process_file(const uint8_t *data, size_t size)
{
    struct arena a = {0};
    struct oci_process p;
    memset(&p, 0, sizeof p);
    const struct jv *v = json_parse((const char *)data, size, &a);
    err_msg[0] = 0;
    if (v && v->type == J_OBJ && parse_process("", v, &p) < 0) check_error(data, size, "parse_process");
    xfree(p.args), xfree(p.env), xfree(p.gids), xfree(p.rlimits);
    arena_free(&a);
}

static void as_resources(const uint8_t *data, size_t size)
{
    struct oci_spec s;
    memset(&s, 0, sizeof s);
    resources_init(&s.res);
    const struct jv *v = json_parse((const char *)data, size, &s.arena);
    err_msg[0] = 0;
    if (v && v->type == J_OBJ && parse_resources(v, &s) < 0) check_error(data, size, "parse_resources");
    xfree(s.res.devs);
    arena_free(&s.arena);
}

static void json_round_trip(const uint8_t *data, size_t size)
{
    struct arena a = {0};
    struct buf one = {0}, two = {0};
    const struct jv *v = json_parse((const char *)data, size, &a), *w;
    if (v) {
        json_write(&one, v);
        if (!(w = json_parse(one.p, one.len, &a))) fz_fail("json_write wrote what json_parse refuses (%s): %s", err_msg, one.p);
        json_write(&two, w);
        if (one.len != two.len || memcmp(one.p, two.p, one.len))
            fz_fail("json_write(json_parse(x)) is not stable:\n%s\n%s", one.p, two.p);
    }
    buf_free(&one), buf_free(&two);
    arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_fd_mark();
    if (size > (1u << 20)) return 0;
    as_config(data, size);
    as_process_file(data, size);
    as_resources(data, size);
    json_round_trip(data, size);
    fz_fd_check("config");
    return 0;
}
