/* diff PROFILE.json [TUPLES [SEED]]: the differential test of ocirun's
 * seccomp compiler (runtime.c section 8) against libseccomp.
 *
 * PROFILE.json is a config.json (its linux.seccomp is used) or a bare
 * linux.seccomp object.  ocirun compiles it with its own parser and
 * compiler; independently, this program walks the same JSON and builds the
 * filter with libseccomp the way runc does (rules with the default action
 * skipped, unknown names skipped, several conditions on one argument split
 * into rules of their own), and exports libseccomp's BPF.  A small classic
 * BPF interpreter then runs both filters over TUPLES (default 100000)
 * (arch, syscall number, arguments) tuples: every number of every table of
 * every arch of the profile, their x32 and multiplexer forms, edge and
 * random numbers, unknown arches, and arguments drawn from the values the
 * profile compares against (each +-1, each half alone) and random ones.
 *
 * Output: one line per disagreement (at most 20), then
 *   "PROFILE: N tuples, M disagreements; instructions ocirun A, libseccomp B;
 *    read/write/futex executed ocirun x/y/z, libseccomp x/y/z"
 * Exit status 0 when there is no disagreement.
 *
 * Build: cc -O2 -o diff tests/seccomp/diff.c -lseccomp (it includes
 * runtime.c with OCIRUN_NO_MAIN: libseccomp never enters ocirun). */
#define OCIRUN_NO_MAIN
#define OCIRUN_SECCOMP_ALL_ARCHES   /* every arch's table, not only this machine's */
#include "../../runtime.c"

#include <seccomp.h>

/* --- a classic BPF interpreter over struct seccomp_data --- */

struct sdata { uint32_t nr, arch; uint64_t ip, args[6]; };

/* A 32-bit load from struct seccomp_data as a machine of that byte order
 * sees it: the halves of a 64-bit field swap places on big-endian ones. */
static int data_be, trace;
static uint32_t load_word(const struct sdata *d, uint32_t off)
{
    if (off == 0) return d->nr;
    if (off == 4) return d->arch;
    if (off < 16 || off >= 64 || off % 4) return 0;
    uint64_t v = off < 16 ? d->ip : d->args[(off - 16) / 8];
    int high = ((off % 8) == 4) != data_be;
    return high ? (uint32_t)(v >> 32) : (uint32_t)v;
}

/* The filter's verdict, and in *steps how many instructions ran. */
static uint32_t bpf_run(const struct oci_sock_filter *p, size_t n, const struct sdata *d, unsigned *steps)
{
    uint32_t A = 0, X = 0, M[16] = { 0 };
    *steps = 0;
    for (size_t pc = 0; pc < n; pc++) {
        const struct oci_sock_filter *f = &p[pc];
        ++*steps;
        if (trace) fprintf(stderr, "  %4zu: %04x %3u %3u %08x  A=%#x\n", pc, f->code, f->jt, f->jf, f->k, A);
        uint16_t cls = f->code & 7, op = f->code & 0xf0, src = f->code & 0x08;
        uint32_t k = f->k, v = src ? X : k;
        switch (cls) {
        case 0: /* LD */
            if ((f->code & 0xe0) == 0x20) A = load_word(d, k);          /* ABS */
            else if ((f->code & 0xe0) == 0x00) A = k;                    /* IMM */
            else if ((f->code & 0xe0) == 0x60) A = M[k & 15];            /* MEM */
            else if ((f->code & 0xe0) == 0x80) A = sizeof(struct sdata); /* LEN */
            else { fprintf(stderr, "bad LD %#x at %zu\n", f->code, pc); exit(2); }
            break;
        case 1: /* LDX */
            if ((f->code & 0xe0) == 0x00) X = k;
            else if ((f->code & 0xe0) == 0x60) X = M[k & 15];
            else if ((f->code & 0xe0) == 0x80) X = sizeof(struct sdata);
            else { fprintf(stderr, "bad LDX %#x at %zu\n", f->code, pc); exit(2); }
            break;
        case 2: M[k & 15] = A; break;
        case 3: M[k & 15] = X; break;
        case 4: /* ALU */
            switch (op) {
            case 0x00: A += v; break; case 0x10: A -= v; break; case 0x20: A *= v; break;
            case 0x30: A = v ? A / v : 0; break; case 0x40: A |= v; break; case 0x50: A &= v; break;
            case 0x60: A <<= (v & 31); break; case 0x70: A >>= (v & 31); break; case 0x80: A = -A; break;
            case 0x90: A = v ? A % v : 0; break; case 0xa0: A ^= v; break;
            default: fprintf(stderr, "bad ALU %#x\n", f->code); exit(2);
            }
            break;
        case 5: { /* JMP */
            int t;
            if (op == 0x00) { pc += k; continue; }
            switch (op) {
            case 0x10: t = A == v; break; case 0x20: t = A > v; break; case 0x30: t = A >= v; break;
            case 0x40: t = (A & v) != 0; break;
            default: fprintf(stderr, "bad JMP %#x\n", f->code); exit(2);
            }
            pc += t ? f->jt : f->jf;
            break;
        }
        case 6: return (f->code & 0x18) == 0x10 ? A : k; /* RET */
        case 7: if (op == 0x00) X = A; else A = X; break;
        }
    }
    fprintf(stderr, "filter of %zu ran off its end (arch %#x nr %u)\n", n, d->arch, d->nr);
    exit(2);
}

/* --- libseccomp, driven as runc drives it, from the raw JSON --- */

static uint32_t oracle_action(const struct jv *o, const char *akey, const char *ekey)
{
    const struct jv *a = member(o, akey), *e = member(o, ekey);
    uint32_t err = e ? (uint32_t)e->i : 1;
    const char *n = a->s;
    if (!strcmp(n, "SCMP_ACT_KILL") || !strcmp(n, "SCMP_ACT_KILL_THREAD")) return SCMP_ACT_KILL_THREAD;
    if (!strcmp(n, "SCMP_ACT_KILL_PROCESS")) return SCMP_ACT_KILL_PROCESS;
    if (!strcmp(n, "SCMP_ACT_TRAP")) return SCMP_ACT_TRAP;
    if (!strcmp(n, "SCMP_ACT_ERRNO")) return SCMP_ACT_ERRNO(err);
    if (!strcmp(n, "SCMP_ACT_TRACE")) return SCMP_ACT_TRACE(err);
    if (!strcmp(n, "SCMP_ACT_ALLOW")) return SCMP_ACT_ALLOW;
    if (!strcmp(n, "SCMP_ACT_LOG")) return SCMP_ACT_LOG;
    if (!strcmp(n, "SCMP_ACT_NOTIFY")) return SCMP_ACT_NOTIFY;
    fprintf(stderr, "oracle: unknown action %s\n", n);
    exit(2);
}

static enum scmp_compare oracle_op(const char *s)
{
    static const char *const ops[] = { "", "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE",
                                       "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ" };
    for (int i = 1; i < 8; i++) if (!strcmp(ops[i], s)) return (enum scmp_compare)i;
    fprintf(stderr, "oracle: unknown op %s\n", s);
    exit(2);
}

static uint64_t num(const struct jv *v) { return v ? (v->numkind == JN_UINT ? v->u : (uint64_t)v->i) : 0; }

/* "SCMP_ARCH_X86_64" -> libseccomp's arch token; 0 for arches ocirun has
 * no table for (ocirun leaves them out; so does the oracle). */
static uint32_t oracle_arch(const char *name)
{
    char low[64];
    size_t i = 0;
    const char *p = name + strlen("SCMP_ARCH_");
    int k = sc_arch_index(name);
    if (k < 0 || sc_arches[k].table < 0) return 0;
    for (; p[i] && i < sizeof low - 1; i++) low[i] = (char)tolower((unsigned char)p[i]);
    low[i] = 0;
    return seccomp_arch_resolve_name(low);
}

static int plausible_ret(uint32_t k)
{
    uint32_t act = k & 0xffff0000u, data = k & 0xffff;
    if (act == OCI_SECCOMP_RET_ERRNO || act == OCI_SECCOMP_RET_TRACE) return 1;
    return data == 0 && (act == OCI_SECCOMP_RET_KILL_THREAD || act == OCI_SECCOMP_RET_KILL_PROCESS ||
                         act == OCI_SECCOMP_RET_TRAP || act == OCI_SECCOMP_RET_ALLOW || act == OCI_SECCOMP_RET_LOG ||
                         act == OCI_SECCOMP_RET_USER_NOTIF);
}

static size_t oracle_filter(const struct jv *so, struct oci_sock_filter **out)
{
    uint32_t def = oracle_action(so, "defaultAction", "defaultErrnoRet");
    scmp_filter_ctx ctx = seccomp_init(def);
    const struct jv *x;
    if (!ctx) { fprintf(stderr, "seccomp_init failed\n"); exit(2); }
    /* the machine the profile is for, in place of this one (libseccomp
     * cannot mix byte orders in one filter) */
    if (seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE) < 0 || seccomp_arch_add(ctx, oracle_arch(sc_native)) < 0) {
        fprintf(stderr, "oracle: cannot make %s the native arch\n", sc_native);
        exit(2);
    }
    if ((x = member(so, "architectures")))
        for (const struct jv *a = x->child; a; a = a->next) {
            uint32_t t = oracle_arch(a->s);
            int rc = t ? seccomp_arch_add(ctx, t) : 0;
            if (rc < 0 && rc != -EEXIST) { fprintf(stderr, "seccomp_arch_add %s: %d\n", a->s, rc); exit(2); }
        }
    if ((x = member(so, "syscalls")))
        for (const struct jv *r = x->child; r; r = r->next) {
            uint32_t act = oracle_action(r, "action", "errnoRet");
            if (act == def) continue;
            const struct jv *args = member(r, "args");
            struct scmp_arg_cmp c[16];
            unsigned nc = 0, counts[6] = { 0 };
            int split = 0;
            for (const struct jv *a = args ? args->child : NULL; a; a = a->next, nc++) {
                c[nc].arg = (unsigned)num(member(a, "index"));
                c[nc].op = oracle_op(member(a, "op")->s);
                c[nc].datum_a = num(member(a, "value"));
                c[nc].datum_b = num(member(a, "valueTwo"));
                split |= ++counts[c[nc].arg] > 1;
            }
            for (const struct jv *n = member(r, "names")->child; n; n = n->next) {
                int nr = seccomp_syscall_resolve_name(n->s);   /* as runc: a number of the host, translated per arch */
                if (nr == __NR_SCMP_ERROR) continue;
                int rc = 0;
                if (!split) rc = seccomp_rule_add_array(ctx, act, nr, nc, c);
                else for (unsigned i = 0; i < nc && rc == 0; i++) rc = seccomp_rule_add_array(ctx, act, nr, 1, &c[i]);
                if (rc < 0) printf("# oracle: libseccomp refused a rule for %s: %s (runc would fail here)\n", n->s, strerror(-rc));
            }
        }
    FILE *f = tmpfile();
    int be = sc_arches[sc_arch_index(sc_native)].big_endian;
    if (!f || seccomp_export_bpf(ctx, fileno(f)) < 0) { fprintf(stderr, "seccomp_export_bpf failed\n"); exit(2); }
    long size = ftell(f) > 0 ? ftell(f) : lseek(fileno(f), 0, SEEK_END);
    rewind(f);
    *out = malloc((size_t)size);
    if (fread(*out, 1, (size_t)size, f) != (size_t)size) { fprintf(stderr, "read back failed\n"); exit(2); }
    fclose(f);
    seccomp_release(ctx);
    /* exported in the target's byte order; but libseccomp 2.5.4 exporting
     * for a big-endian arch on a little-endian host leaves the k of some
     * `ret`s in host order (harmless in real use: a runtime generates for
     * its own host).  A ret's k must be a known action, with data only
     * where the action has any: whichever byte order gives that is it. */
    for (long i = 0; be && i < size / (long)sizeof **out; i++) {
        struct oci_sock_filter *q = &(*out)[i];
        q->code = (uint16_t)(q->code >> 8 | q->code << 8);
        uint32_t k = __builtin_bswap32(q->k);
        if (q->code == BPF_RET_K && !plausible_ret(k) && plausible_ret(q->k)) k = q->k;
        q->k = k;
    }
    return (size_t)size / sizeof **out;
}

/* --- runc's -ENOSYS stub (runc:libcontainer/seccomp/patchbpf), put in
 * front of libseccomp's filter: per arch of the filter (the native one and
 * the profile's), a number above the largest that any name of the profile
 * resolves to on that arch (libseccomp's tables, whatever the rule's
 * action) answers ENOSYS; not when the default action allows, logs or
 * traces, or is ENOSYS itself.  On x86_64 a number with the x32 bit is
 * held to x32's largest when x32 is in the profile, else not stubbed. --- */

struct stub { uint32_t audit; int64_t max; };
static struct stub stubs[32];
static int nstubs;

static void oracle_stub_arch(const struct jv *so, uint32_t token, uint32_t audit)
{
    int64_t max = -1;
    const struct jv *x = member(so, "syscalls");
    for (const struct jv *r = x ? x->child : NULL; r; r = r->next)
        for (const struct jv *n = member(r, "names")->child; n; n = n->next) {
            int nr = seccomp_syscall_resolve_name_arch(token, n->s);
            if (nr >= 0 && nr > max) max = nr;
        }
    if (max >= 0 && nstubs < 32) stubs[nstubs++] = (struct stub){ audit, max };
}

/* runc's ENOSYS is its build's: a runc for MIPS (the profile's native
 * arch plays the machine) answers MIPS's 89, any other 38 */
static uint32_t oracle_enosys(void) { return sc_arches[sc_arch_index(sc_native)].table == 5 || sc_arches[sc_arch_index(sc_native)].table == 6 ? 89 : 38; }

static void oracle_stubs(const struct jv *so)
{
    uint32_t def = oracle_action(so, "defaultAction", "defaultErrnoRet"), act = def & 0xffff0000u;
    if (act == OCI_SECCOMP_RET_ALLOW || act == OCI_SECCOMP_RET_LOG || act == OCI_SECCOMP_RET_TRACE ||
        def == (OCI_SECCOMP_RET_ERRNO | oracle_enosys()))
        return;
    const struct jv *x = member(so, "architectures");
    oracle_stub_arch(so, oracle_arch(sc_native), sc_arches[sc_arch_index(sc_native)].audit | 0);
    for (const struct jv *a = x ? x->child : NULL; a; a = a->next) {
        int k = sc_arch_index(a->s);
        uint32_t t = oracle_arch(a->s);
        if (t && k >= 0 && strcmp(a->s, sc_native)) oracle_stub_arch(so, t, sc_arches[k].audit | (k == SC_X32 ? 1u : 0));
    }
}

/* ENOSYS when the stub answers for `d`, else 0 (on to libseccomp's filter). */
static uint32_t oracle_stub_ret(const struct sdata *d)
{
    int x32 = d->arch == 0xc000003e && (d->nr & 0x40000000);
    uint32_t want = x32 ? (0xc000003e | 1u) : d->arch;
    for (int i = 0; i < nstubs; i++) {
        uint32_t a = stubs[i].audit;
        if (d->arch == 0xc000003e && x32 != (int)(a & 1u)) continue;
        if ((a & ~1u) == (want & ~1u) && (a & 1u) == (want & 1u) && (int64_t)d->nr > stubs[i].max)
            return OCI_SECCOMP_RET_ERRNO | oracle_enosys();
    }
    return 0;
}

/* --- tuples --- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13, rng_state ^= rng_state >> 7, rng_state ^= rng_state << 17;
    return rng_state;
}

static uint64_t pool[4096];
static size_t npool;
static void pool_add(uint64_t v) { if (npool < ARRAY_LEN(pool)) pool[npool++] = v; }

static void build_pool(const struct jv *so)
{
    static const uint64_t fixed[] = { 0, 1, 2, 0xffffffffULL, 0x100000000ULL, 0xffffffff00000000ULL, ~0ULL,
                                      0x7fffffffULL, 0x80000000ULL, 0x8000000000000000ULL };
    for (size_t i = 0; i < ARRAY_LEN(fixed); i++) pool_add(fixed[i]);
    const struct jv *x = member(so, "syscalls");
    for (const struct jv *r = x ? x->child : NULL; r; r = r->next) {
        const struct jv *args = member(r, "args");
        for (const struct jv *a = args ? args->child : NULL; a; a = a->next) {
            uint64_t v = num(member(a, "value")), w = num(member(a, "valueTwo"));
            uint64_t vs[] = { v, v + 1, v - 1, w, w + 1, w - 1, v & 0xffffffff, v >> 32 << 32, w & 0xffffffff,
                              (w & 0xffffffff) | 0x100000000ULL, v | w, ~v, w | (~v & 0xff), v ^ w };
            for (size_t i = 0; i < ARRAY_LEN(vs); i++) pool_add(vs[i]);
        }
    }
}

static uint64_t pick_arg(int bits32)
{
    uint64_t v = (rnd() % 5 == 0) ? rnd() : pool[rnd() % npool];
    /* what a 32-bit kernel hands over: the register, zero-extended */
    return bits32 ? (uint32_t)v : v;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: diff PROFILE.json [TUPLES [SEED]]\n"); return 2; }
    long tuples = argc > 2 ? atol(argv[2]) : 100000;
    if (argc > 3) rng_state ^= (uint64_t)atoll(argv[3]) * 0x2545F4914F6CDD1DULL;
    char *text;
    size_t len;
    if (read_file_at(AT_FDCWD, argv[1], MAX_CONFIG_SIZE, &text, &len) < 0) { fprintf(stderr, "%s\n", err_msg); return 2; }
    struct arena ar = { 0 };
    const struct jv *root = json_parse(text, len, &ar), *so = root;
    if (!root) { fprintf(stderr, "%s: %s\n", argv[1], err_msg); return 2; }
    if (member(root, "linux")) so = member(member(root, "linux"), "seccomp");
    if (!so) { fprintf(stderr, "%s: no linux.seccomp\n", argv[1]); return 2; }
    /* the profile is for the machine its first arch names */
    const struct jv *arches = member(so, "architectures");
    if (arches && arches->child && sc_arch_index(arches->child->s) >= 0 && sc_arches[sc_arch_index(arches->child->s)].table >= 0)
        sc_native = arches->child->s;

    struct oci_spec s;
    memset(&s, 0, sizeof s);
    struct oci_sock_filter *mine, *theirs;
    size_t nmine, ntheirs;
    if (parse_seccomp(so, &s) < 0 || sc_compile(s.seccomp, &mine, &nmine) < 0) { fprintf(stderr, "ocirun: %s\n", err_msg); return 2; }
    ntheirs = oracle_filter(so, &theirs);
    oracle_stubs(so);
    build_pool(so);

    /* the arches to test: the profile's (as ocirun resolved them) and two unknown ones */
    uint32_t audits[32];
    int ai[32], na = 0;
    for (int i = 0; i < (int)ARRAY_LEN(sc_arches); i++)
        if (s.seccomp->arches & (1u << i)) audits[na] = sc_arches[i].audit, ai[na++] = i;
    audits[na] = 0x40000028, ai[na++] = -1;   /* arm: unknown unless the profile has it */
    audits[na] = 0xdeadbeef, ai[na++] = -1;

    long bad = 0, done = 0;
    while (done < tuples) {
        int k = (int)(rnd() % (uint64_t)na);
        const struct sc_arch *a = ai[k] >= 0 ? &sc_arches[ai[k]] : NULL;
        struct sdata d;
        memset(&d, 0, sizeof d);
        d.arch = audits[k];
        uint32_t nr;
        unsigned pickn = (unsigned)(rnd() % 10);
        if (a && pickn < 7) {
            int i = (int)(rnd() % SC_NNAMES);
            if (sc_number(a, i, &nr) < 0) continue;
        } else if (pickn < 8) {
            nr = (uint32_t)(rnd() % 1200);
        } else if (pickn < 9) {
            static const uint32_t edges[] = { 0, 102, 117, 0x3fffffff, 0x40000000, 0x40000001, 0x400001ff, 0x7fffffff,
                                              0xffffffff, 4000, 4999, 5000, 0x0f0002, 0x0f0005 };
            nr = edges[rnd() % ARRAY_LEN(edges)];
        } else {
            nr = (uint32_t)rnd();
        }
        if (a && a->table == 0 && rnd() % 8 == 0) nr |= 0x40000000; /* the x32 form under x86_64's arch */
        d.nr = nr;
        for (int i = 0; i < 6; i++) d.args[i] = pick_arg(a ? a->bits32 : 0);
        data_be = a ? a->big_endian : 0;
        unsigned s1, s2;
        uint32_t r1 = bpf_run(mine, nmine, &d, &s1), r2 = oracle_stub_ret(&d);
        if (!r2) r2 = bpf_run(theirs, ntheirs, &d, &s2);
        done++;
        if (r1 != r2 && bad == 0 && getenv("DIFF_TRACE")) {
            trace = 1;
            fprintf(stderr, "ocirun:\n"), bpf_run(mine, nmine, &d, &s1);
            fprintf(stderr, "libseccomp:\n"), bpf_run(theirs, ntheirs, &d, &s2);
            trace = 0;
        }
        if (r1 != r2 && ++bad <= 20)
            printf("DISAGREE arch %#x nr %u (%#x) args %#llx %#llx %#llx %#llx %#llx %#llx: ocirun %#x, libseccomp %#x\n",
                   d.arch, d.nr, d.nr, (unsigned long long)d.args[0], (unsigned long long)d.args[1],
                   (unsigned long long)d.args[2], (unsigned long long)d.args[3], (unsigned long long)d.args[4],
                   (unsigned long long)d.args[5], r1, r2);
    }
    /* the cost of common syscalls on this machine's arch, arguments 0 */
    static const char *const common[] = { "read", "write", "futex" };
    char cost[3][2][16];
    int native = sc_arch_index(sc_native);
    for (int c = 0; c < 3; c++) {
        struct sdata d;
        memset(&d, 0, sizeof d);
        d.arch = sc_arches[native].audit;
        uint32_t nr = 0;
        unsigned s1, s2;
        sc_number(&sc_arches[native], sc_lookup(common[c]), &nr);
        d.nr = nr;
        bpf_run(mine, nmine, &d, &s1), bpf_run(theirs, ntheirs, &d, &s2);
        snprintf(cost[c][0], 16, "%u", s1), snprintf(cost[c][1], 16, "%u", s2);
    }
    printf("%s: %ld tuples, %ld disagreements; instructions ocirun %zu, libseccomp %zu; "
           "read/write/futex executed ocirun %s/%s/%s, libseccomp %s/%s/%s\n",
           argv[1], done, bad, nmine, ntheirs, cost[0][0], cost[1][0], cost[2][0], cost[0][1], cost[1][1], cost[2][1]);
    return bad ? 1 : 0;
}
