/* seccomp.c: fuzz target for the seccomp compiler (runtime.c section 9).
 *
 * The input is the text of a linux.seccomp object.  parse_seccomp() reads
 * it (section 5) and sc_prepare()/sc_compile() turn it into classic BPF;
 * every filter that compiles is then
 *
 *  1. checked as the kernel checks a filter before it loads it
 *     (net/core/filter.c bpf_check_classic() and kernel/seccomp.c
 *     seccomp_check_filter()): 1 to 4096 instructions, only the opcodes
 *     seccomp allows, BPF_LD|BPF_W|BPF_ABS offsets inside struct
 *     seccomp_data (64 bytes) and 4-aligned, no division by a constant 0,
 *     shifts below 32, scratch memory slots below 16 and written before
 *     read, every jump inside the program, the last instruction a RET;
 *     and, ocirun's own rule, every RET value one the profile can give
 *     (its actions, the default, the bad-arch kill, runc's ENOSYS stub);
 *
 *  2. run, by a BPF interpreter, on syscalls of every architecture of the
 *     filter, against a model of the meaning section 9 documents
 *     (libseccomp's, as runc uses it): a rule whose action is the default
 *     is dropped; a number with an unconditional rule takes the first
 *     such rule's action; else its conditional rules are tried in order
 *     (on the socketcall/ipc number of arches with multiplexers, their
 *     calls' rules too, argument 0 being the call); 32-bit arches compare
 *     the low 32 bits; runc's ENOSYS stub answers every number above the
 *     highest the profile names when the default action denies.
 *
 * A failed check prints the instruction or the syscall and abort()s.
 * tests/seccomp/diff.c holds the compiler to libseccomp itself; this one
 * needs no libseccomp and runs inside the fuzzer.
 *
 * An extra member, "fuzzNative": "SCMP_ARCH_...", which ocirun ignores,
 * makes the compiler see that arch as its own (sc_native, as the
 * differential test does); the input stays a plain linux.seccomp object.
 * Every arch's syscall table is compiled in (OCIRUN_SECCOMP_ALL_ARCHES). */
#define OCIRUN_SECCOMP_ALL_ARCHES 1
#include "../../runtime.c"
#include "fuzz.h"

/* --- classic BPF, as linux/filter.h and linux/bpf_common.h number it --- */
#define C_LD 0x00
#define C_LDX 0x01
#define C_ST 0x02
#define C_STX 0x03
#define C_ALU 0x04
#define C_JMP 0x05
#define C_RET 0x06
#define C_MISC 0x07
#define M_IMM 0x00
#define M_ABS 0x20
#define M_MEM 0x60
#define M_LEN 0x80
#define S_W 0x00
#define O_ADD 0x00
#define O_SUB 0x10
#define O_MUL 0x20
#define O_DIV 0x30
#define O_OR 0x40
#define O_AND 0x50
#define O_LSH 0x60
#define O_RSH 0x70
#define O_NEG 0x80
#define O_XOR 0xa0
#define J_JA 0x00
#define J_JEQ 0x10
#define J_JGT 0x20
#define J_JGE 0x30
#define J_JSET 0x40
#define SRC_K 0x00
#define SRC_X 0x08
#define R_A 0x10
#define MISC_TAX 0x00
#define MISC_TXA 0x80
#define MEMWORDS 16
#define SECCOMP_DATA_SIZE 64

static void dump_filter(const struct oci_sock_filter *f, size_t n)
{
    for (size_t i = 0; i < n && i < 4096; i++)
        fprintf(stderr, "  %4zu: code %#06x jt %3u jf %3u k %#010x\n", i, f[i].code, f[i].jt, f[i].jf, f[i].k);
}

__attribute__((noreturn)) static void bad_insn(const struct oci_sock_filter *f, size_t n, size_t pc, const char *why)
{
    dump_filter(f, n);
    fz_fail("the kernel would refuse this filter: instruction %zu (code %#x jt %u jf %u k %#x): %s", pc, f[pc].code,
            f[pc].jt, f[pc].jf, f[pc].k, why);
}

/* seccomp_check_filter()'s list, after bpf_check_classic()'s checks. */
static void kernel_check(const struct oci_sock_filter *f, size_t n)
{
    if (n == 0 || n > OCI_BPF_MAXINSNS) fz_fail("filter of %zu instructions (the kernel takes 1 to %d)", n, OCI_BPF_MAXINSNS);
    for (size_t pc = 0; pc < n; pc++) {
        const struct oci_sock_filter *i = &f[pc];
        switch (i->code) {
        case C_LD | S_W | M_ABS:
            if (i->k >= SECCOMP_DATA_SIZE || (i->k & 3)) bad_insn(f, n, pc, "load outside struct seccomp_data or unaligned");
            break;
        case C_LD | S_W | M_LEN: case C_LDX | S_W | M_LEN:
        case C_RET | SRC_K: case C_RET | R_A:
        case C_ALU | O_ADD | SRC_K: case C_ALU | O_ADD | SRC_X: case C_ALU | O_SUB | SRC_K: case C_ALU | O_SUB | SRC_X:
        case C_ALU | O_MUL | SRC_K: case C_ALU | O_MUL | SRC_X: case C_ALU | O_DIV | SRC_X:
        case C_ALU | O_AND | SRC_K: case C_ALU | O_AND | SRC_X: case C_ALU | O_OR | SRC_K: case C_ALU | O_OR | SRC_X:
        case C_ALU | O_XOR | SRC_K: case C_ALU | O_XOR | SRC_X: case C_ALU | O_LSH | SRC_X: case C_ALU | O_RSH | SRC_X:
        case C_ALU | O_NEG:
        case C_LD | M_IMM: case C_LDX | M_IMM:
        case C_MISC | MISC_TAX: case C_MISC | MISC_TXA:
            break;
        case C_ALU | O_DIV | SRC_K:
            if (i->k == 0) bad_insn(f, n, pc, "division by constant zero");
            break;
        case C_ALU | O_LSH | SRC_K: case C_ALU | O_RSH | SRC_K:
            if (i->k >= 32) bad_insn(f, n, pc, "shift by 32 or more");
            break;
        case C_LD | M_MEM: case C_LDX | M_MEM: case C_ST: case C_STX:
            if (i->k >= MEMWORDS) bad_insn(f, n, pc, "scratch memory slot out of range");
            break;
        case C_JMP | J_JA:
            if (i->k >= (uint32_t)(n - pc - 1)) bad_insn(f, n, pc, "jump past the end");
            break;
        case C_JMP | J_JEQ | SRC_K: case C_JMP | J_JEQ | SRC_X: case C_JMP | J_JGE | SRC_K: case C_JMP | J_JGE | SRC_X:
        case C_JMP | J_JGT | SRC_K: case C_JMP | J_JGT | SRC_X: case C_JMP | J_JSET | SRC_K: case C_JMP | J_JSET | SRC_X:
            if (pc + i->jt + 1 >= n || pc + i->jf + 1 >= n) bad_insn(f, n, pc, "conditional jump past the end");
            break;
        default:
            bad_insn(f, n, pc, "opcode seccomp does not allow");
        }
    }
    if (f[n - 1].code != (C_RET | SRC_K) && f[n - 1].code != (C_RET | R_A)) bad_insn(f, n, n - 1, "the last instruction is not a RET");
    /* check_load_and_stores(): a slot is read only after a store on every path */
    uint16_t masks[OCI_BPF_MAXINSNS], valid = 0;
    memset(masks, 0xff, sizeof masks);
    for (size_t pc = 0; pc < n; pc++) {
        valid &= masks[pc];
        switch (f[pc].code) {
        case C_ST: case C_STX: valid |= (uint16_t)(1u << f[pc].k); break;
        case C_LD | M_MEM: case C_LDX | M_MEM:
            if (!(valid & (1u << f[pc].k))) bad_insn(f, n, pc, "scratch memory read before a write");
            break;
        case C_JMP | J_JA: masks[pc + 1 + f[pc].k] &= valid; valid = 0xffff; break;
        case C_JMP | J_JEQ | SRC_K: case C_JMP | J_JEQ | SRC_X: case C_JMP | J_JGE | SRC_K: case C_JMP | J_JGE | SRC_X:
        case C_JMP | J_JGT | SRC_K: case C_JMP | J_JGT | SRC_X: case C_JMP | J_JSET | SRC_K: case C_JMP | J_JSET | SRC_X:
            masks[pc + 1 + f[pc].jt] &= valid, masks[pc + 1 + f[pc].jf] &= valid;
            valid = 0xffff;
            break;
        }
    }
}

/* The kernel's interpreter over struct seccomp_data as 16 words, laid out
 * as the filter's arch lays it out.  Run only on filters kernel_check()
 * passed: every jump is forward and inside. */
static uint32_t bpf_run(const struct oci_sock_filter *f, size_t n, const uint32_t data[16])
{
    uint32_t A = 0, X = 0, M[MEMWORDS] = { 0 };
    for (size_t pc = 0; pc < n; pc++) {
        const struct oci_sock_filter *i = &f[pc];
        uint32_t src = (i->code & SRC_X) ? X : i->k;
        switch (i->code) {
        case C_LD | S_W | M_ABS: A = data[i->k / 4]; break;
        case C_LD | S_W | M_LEN: A = SECCOMP_DATA_SIZE; break;
        case C_LDX | S_W | M_LEN: X = SECCOMP_DATA_SIZE; break;
        case C_LD | M_IMM: A = i->k; break;
        case C_LDX | M_IMM: X = i->k; break;
        case C_LD | M_MEM: A = M[i->k]; break;
        case C_LDX | M_MEM: X = M[i->k]; break;
        case C_ST: M[i->k] = A; break;
        case C_STX: M[i->k] = X; break;
        case C_MISC | MISC_TAX: X = A; break;
        case C_MISC | MISC_TXA: A = X; break;
        case C_RET | SRC_K: return i->k;
        case C_RET | R_A: return A;
        case C_JMP | J_JA: pc += i->k; break;
        default:
            if ((i->code & 7) == C_ALU) {
                switch (i->code & 0xf0) {
                case O_ADD: A += src; break;
                case O_SUB: A -= src; break;
                case O_MUL: A *= src; break;
                case O_DIV: A = src ? A / src : 0; if (!src) return 0; break;   /* the kernel ends the filter: 0 */
                case O_AND: A &= src; break;
                case O_OR: A |= src; break;
                case O_XOR: A ^= src; break;
                case O_LSH: A = src < 32 ? A << src : 0; break;
                case O_RSH: A = src < 32 ? A >> src : 0; break;
                case O_NEG: A = 0 - A; break;
                }
            } else {
                int c = 0;
                switch (i->code & 0xf0) {
                case J_JEQ: c = A == src; break;
                case J_JGT: c = A > src; break;
                case J_JGE: c = A >= src; break;
                case J_JSET: c = (A & src) != 0; break;
                }
                pc += c ? i->jt : i->jf;
            }
        }
    }
    fz_fail("the filter ran past its end");
}

/* --- the model --- */

struct name_ref { size_t rule; int idx; };   /* a known syscall name of a rule, in profile order */

static int ret_known(const struct oci_seccomp *sc, uint32_t ret)
{
    if (ret == sc->default_action || ret == OCI_SECCOMP_RET_KILL_THREAD) return 1;
    if (ret == (OCI_SECCOMP_RET_ERRNO | 38) || ret == (OCI_SECCOMP_RET_ERRNO | 89)) return 1;   /* ENOSYS, MIPS ENOSYS */
    for (size_t r = 0; r < sc->nrules; r++)
        if (sc->rules[r].action == ret) return 1;
    return 0;
}

static int cond_holds(const struct sc_cond *c, const uint64_t *args, int bits32)
{
    uint64_t a = args[c->index], v = c->value, mask = ~(uint64_t)0;
    if (bits32) mask = 0xffffffffu;
    a &= mask, v &= mask;
    switch (c->op) {
    case SC_NE: return a != v;
    case SC_LT: return a < v;
    case SC_LE: return a <= v;
    case SC_EQ: return a == v;
    case SC_GE: return a >= v;
    case SC_GT: return a > v;
    case SC_MASKED_EQ: return (a & v) == (c->value2 & v & mask);
    }
    fz_fail("condition with operator %u", c->op);
}

/* What the profile says syscall `nr` of arch `a` with `args` gets. */
static uint32_t model(const struct oci_seccomp *sc, const struct sc_arch *a, const struct name_ref *names, size_t nnames,
                      uint32_t nr, const uint64_t *args, int stub, uint32_t max, uint32_t socketcall, uint32_t ipc, int mux)
{
    if (stub && nr > max) return OCI_SECCOMP_RET_ERRNO | sc_enosys(a);
    /* the entries of nr: direct ones, and socketcall/ipc forms */
    for (size_t k = 0; k < nnames; k++) {   /* an unconditional direct rule first */
        const struct sc_rule *r = &sc->rules[names[k].rule];
        uint32_t n;
        if (r->action == sc->default_action || r->nconds) continue;
        if (sc_number(a, names[k].idx, &n) == 0 && n == nr) return r->action;
    }
    for (size_t k = 0; k < nnames; k++) {
        const struct sc_rule *r = &sc->rules[names[k].rule];
        uint32_t n;
        int call = mux ? sc_mux_of(names[k].idx) : 0, ok = 1;
        if (r->action == sc->default_action) continue;
        if (sc_number(a, names[k].idx, &n) == 0 && n == nr) {
            for (size_t c = 0; c < r->nconds && ok; c++) ok = cond_holds(&r->conds[c], args, a->bits32);
            if (ok) return r->action;
        }
        ok = 1;
        if (call && nr == (call > 100 ? ipc : socketcall)) {
            struct sc_cond c0 = { 0, SC_EQ, (uint64_t)(call > 100 ? call - 100 : call), 0 };
            for (size_t c = 0; c < r->nconds && ok; c++)
                if (r->conds[c].index != 0) ok = cond_holds(&r->conds[c], args, a->bits32);
            if (ok && cond_holds(&c0, args, a->bits32)) return r->action;
        }
    }
    return sc->default_action;
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33, x *= 0xff51afd7ed558ccdULL, x ^= x >> 33, x *= 0xc4ceb9fe1a85ec53ULL;
    return x ^ (x >> 33);
}

static void run_case(const struct oci_sock_filter *f, size_t n, const struct oci_seccomp *sc, int ai,
                     const struct name_ref *names, size_t nnames, uint32_t nr, const uint64_t *args, int stub, uint32_t max,
                     uint32_t socketcall, uint32_t ipc, int mux)
{
    const struct sc_arch *a = &sc_arches[ai];
    uint32_t d[16] = { nr, a->audit, 0, 0 };
    for (int i = 0; i < 6; i++) {
        uint32_t lo = (uint32_t)args[i], hi = (uint32_t)(args[i] >> 32);
        d[4 + 2 * i] = a->big_endian ? hi : lo;
        d[5 + 2 * i] = a->big_endian ? lo : hi;
    }
    uint32_t got = bpf_run(f, n, d), want = model(sc, a, names, nnames, nr, args, stub, max, socketcall, ipc, mux);
    if (got != want && fz_known("hot-enosys") && want == (OCI_SECCOMP_RET_ERRNO | sc_enosys(a)) && got == sc->default_action)
        for (size_t h = 0; h < ARRAY_LEN(sc_hot); h++) {   /* finding: sc_emit_hot() skips runc's ENOSYS stub */
            uint32_t hn;
            if (sc_number(a, sc_lookup(sc_hot[h]), &hn) == 0 && hn == nr) return;
        }
    if (got != want) {
        dump_filter(f, n);
        fz_fail("%s syscall %u (%#x) args %#llx %#llx %#llx %#llx %#llx %#llx: the filter returns %#x, the profile says %#x",
                a->name, nr, nr, (unsigned long long)args[0], (unsigned long long)args[1], (unsigned long long)args[2],
                (unsigned long long)args[3], (unsigned long long)args[4], (unsigned long long)args[5], got, want);
    }
}

/* Runs the filter on up to 12 numbers of each of its arches, each with a
 * few argument vectors drawn from the values the conditions compare. */
static void semantic_check(const struct oci_sock_filter *f, size_t n, const struct oci_seccomp *sc, uint64_t seed)
{
    size_t nnames = 0, cap = 0;
    for (size_t r = 0; r < sc->nrules; r++) cap += sc->rules[r].names->count;
    struct name_ref *names = calloc(cap + 1, sizeof *names);
    for (size_t r = 0; r < sc->nrules; r++)
        for (const struct jv *nm = sc->rules[r].names->child; nm; nm = nm->next) {
            int i = sc_lookup(nm->s);
            if (i >= 0) names[nnames++] = (struct name_ref){ r, i };
        }
    for (int ai = 0; ai < (int)ARRAY_LEN(sc_arches); ai++) {
        if (!(sc->arches & (1u << ai)) || !sc_has_table(ai)) continue;
        const struct sc_arch *a = &sc_arches[ai];
        int mux = sc_table_muxes[a->table];
        uint32_t socketcall = 0, ipc = 0, max = 0, nr;
        if (mux && (sc_number(a, sc_lookup("socketcall"), &socketcall) < 0 || sc_number(a, sc_lookup("ipc"), &ipc) < 0)) mux = 0;
        /* runc's stub: above the highest number named (multiplexed calls
         * aside), ENOSYS, unless the default lets calls through */
        uint32_t act = sc->default_action & OCI_SECCOMP_RET_ACTION_FULL;
        int found = 0, stub = !(act == OCI_SECCOMP_RET_ALLOW || act == OCI_SECCOMP_RET_LOG || act == OCI_SECCOMP_RET_TRACE ||
                                sc->default_action == (OCI_SECCOMP_RET_ERRNO | sc_enosys(a)));
        for (size_t k = 0; k < nnames; k++)
            if (!(mux && sc_mux_of(names[k].idx)) && sc_number(a, names[k].idx, &nr) == 0 && (!found || nr > max)) max = nr, found = 1;
        stub = stub && found && max != UINT32_MAX;
        /* numbers with conditional rules first (rotated by the seed), then others */
        uint32_t nrs[18];
        int nn = 0;
        for (size_t k = 0; k < nnames && nn < 6; k++) {
            const struct name_ref *x = &names[(k + seed) % nnames];
            if (sc->rules[x->rule].nconds && sc_number(a, x->idx, &nr) == 0) nrs[nn++] = nr;
        }
        for (size_t k = 0; k < nnames && nn < 10; k += 1 + nnames / 4)
            if (sc_number(a, names[(k + seed / 7) % nnames].idx, &nr) == 0) nrs[nn++] = nr;
        for (size_t h = 0; h < ARRAY_LEN(sc_hot); h++)   /* tested before the tree: a path of their own */
            if (sc_number(a, sc_lookup(sc_hot[h]), &nr) == 0) nrs[nn++] = nr;
        if (mux) nrs[nn++] = socketcall, nrs[nn++] = ipc;
        if (found && max < UINT32_MAX) nrs[nn++] = max + 1;
        nrs[nn++] = (uint32_t)(sc_table_base[a->table] + mix(seed + (uint64_t)ai) % 500);
        for (int t = 0; t < nn; t++) {
            /* the argument values the rules of this number compare against */
            uint64_t vals[8] = { 0 };
            int nv = 1;
            for (size_t k = 0; k < nnames && nv < 8; k++) {
                const struct sc_rule *r = &sc->rules[names[k].rule];
                uint32_t x;
                int here = sc_number(a, names[k].idx, &x) == 0 && x == nrs[t];
                int call = mux ? sc_mux_of(names[k].idx) : 0;
                if (call && nrs[t] == (call > 100 ? ipc : socketcall)) here = 1;
                for (size_t c = 0; here && c < r->nconds && nv < 7; c++) {
                    vals[nv++] = r->conds[c].value;
                    vals[nv++] = r->conds[c].value2 & r->conds[c].value;   /* what MASKED_EQ wants */
                }
                if (call && here && nv < 8) vals[nv++] = (uint64_t)(call > 100 ? call - 100 : call);
            }
            for (int v = 0; v < 6; v++) {
                uint64_t args[6], h = mix(seed ^ ((uint64_t)t << 8) ^ (uint64_t)v);
                for (int i = 0; i < 6; i++) {
                    uint64_t x = vals[(h >> (4 * i)) % (uint64_t)nv];
                    switch ((h >> (32 + 3 * i)) & 7) {
                    case 1: x++; break;
                    case 2: x--; break;
                    case 3: x ^= 0xffffffff00000000ULL; break;
                    case 4: x = (uint32_t)x; break;
                    }
                    args[i] = v == 0 ? 0 : x;
                }
                run_case(f, n, sc, ai, names, nnames, nrs[t], args, stub, max, socketcall, ipc, mux);
            }
        }
    }
    free(names);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    logcfg.fd = open("/dev/null", O_WRONLY | O_CLOEXEC), logcfg.debug = 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_fd_mark();
    static const char *const native0 = SC_NATIVE;
    struct oci_spec s;
    if (size > (1u << 20)) return 0;
    memset(&s, 0, sizeof s);
    const struct jv *v = json_parse((const char *)data, size, &s.arena), *nat;
    if (v && (nat = member(v, "fuzzNative")) && nat->type == J_STR) {
        int k = sc_arch_index(nat->s);
        if (k >= 0 && sc_has_table(k)) sc_native = sc_arches[k].name;
    }
    if (v && parse_seccomp(v, &s) == 0) {
        struct sc_filter f;
        if (sc_prepare(s.seccomp, &f) == 0) {
            kernel_check(f.p, f.n);
            for (size_t pc = 0; pc < f.n; pc++)
                if (f.p[pc].code == (C_RET | SRC_K) && !ret_known(s.seccomp, f.p[pc].k))
                    bad_insn(f.p, f.n, pc, "returns a value that is no action of the profile");
            uint64_t seed = 0;
            for (size_t i = 0; i < size; i++) seed = seed * 131 + data[i];
            semantic_check(f.p, f.n, s.seccomp, seed);
            xfree(f.p);
        } else if (!strstr(err_msg, "BPF instructions")) {
            fz_fail("sc_compile failed with: %s", err_msg);
        }
    }
    sc_native = native0;
    spec_free(&s);
    fz_fd_check("seccomp");
    return 0;
}
