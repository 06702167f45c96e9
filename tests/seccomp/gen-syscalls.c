/* gen-syscalls: prints the syscall tables section 6 of runtime.c embeds,
 * from libseccomp's own tables (a build-time and test-time dependency only:
 * ocirun does not link it).  `make syscalls` puts the output into
 * runtime.c between the GENERATED SYSCALL TABLES markers; test.sh checks
 * that runtime.c still matches.
 *
 * One sorted name list, front-coded and packed six bits to a symbol; per
 * table (mips o32 and n64 serve both byte orders) ten bits per name, packed
 * little-endian: the number minus the table's base, 1023 when the arch
 * lacks the call, and for ARM's private calls (0x0f0001...) 1008 + their
 * low bits. */
#include <ctype.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct { const char *id; uint32_t arch; long base; } tables[] = {
    { "x86_64", SCMP_ARCH_X86_64, 0 },       { "x86", SCMP_ARCH_X86, 0 },
    { "x32", SCMP_ARCH_X32, 0x40000000 },     { "aarch64", SCMP_ARCH_AARCH64, 0 },
    { "arm", SCMP_ARCH_ARM, 0 },              { "mips", SCMP_ARCH_MIPS, 4000 },
    { "mips64", SCMP_ARCH_MIPS64, 5000 },     { "ppc64le", SCMP_ARCH_PPC64LE, 0 },
    { "riscv64", SCMP_ARCH_RISCV64, 0 },      { "s390x", SCMP_ARCH_S390X, 0 },
};
#define NT (sizeof tables / sizeof tables[0])

static char *names[4096];
static int nnames;

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void add_name(const char *n)
{
    for (int i = 0; i < nnames; i++) if (!strcmp(names[i], n)) return;
    names[nnames++] = strdup(n);
}

/* The number of `name` on table t's arch: the one its number-to-name map
 * gives (for x86's socket family, say, resolving the name yields only the
 * socketcall pseudo-number, while the direct call exists too). */
static int number_of(size_t t, const char *name)
{
    for (long n = 0; n < 1200; n++) {
        char *s = seccomp_syscall_resolve_num_arch(tables[t].arch, (int)(tables[t].base + n));
        int hit = s && !strcmp(s, name);
        free(s);
        if (hit) return (int)(tables[t].base + n);
    }
    int nr = seccomp_syscall_resolve_name_arch(tables[t].arch, name);
    return nr;
}

/* Bytes as a string literal: printable ones as themselves, the rest as
 * three-digit octal (no digit after one can extend it). */
static void print_bytes(const unsigned char *b, unsigned n)
{
    for (unsigned k = 0, col = 80; k < n; k++) {
        unsigned c = b[k];
        if (col >= 76) printf("%s\n    \"", k ? "\"" : ""), col = 5;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') putchar((int)c), col++;
        else printf("\\%03o", c), col += 4;
    }
    printf("\";");
}

int main(void)
{
    for (size_t t = 0; t < NT; t++) {
        for (long n = 0; n < 1200; n++) {
            char *s = seccomp_syscall_resolve_num_arch(tables[t].arch, (int)(tables[t].base + n));
            if (s) add_name(s), free(s);
        }
        if (tables[t].arch == SCMP_ARCH_ARM)
            for (long n = 0x0f0000; n < 0x0f0010; n++) {
                char *s = seccomp_syscall_resolve_num_arch(tables[t].arch, (int)n);
                if (s) add_name(s), free(s);
            }
    }
    qsort(names, (size_t)nnames, sizeof *names, cmp);
    printf("/* GENERATED SYSCALL TABLES: tests/seccomp/gen-syscalls.c (libseccomp %u.%u.%u), `make syscalls` */\n",
           seccomp_version()->major, seccomp_version()->minor, seccomp_version()->micro);
    printf("#define SC_NNAMES %d\n#define SC_NTABLES %zu\n", nnames, NT);
    /* the names front-coded, as six-bit symbols (a quarter less than
     * bytes): each name starts with a symbol below SC_KEEP_LIMIT saying
     * how many of the previous name's characters it begins with, then
     * its own characters, SC_KEEP_LIMIT + their place in sc_name_chars;
     * a 0 ends the list.  Packed big-endian, four symbols in three bytes;
     * runtime.c unpacks them on first use. */
    static const char chars[] = "_0123456789abcdefghijklmnopqrstuvwxyz";
    enum { KEEP_LIMIT = 64 - (sizeof chars - 1) };
    unsigned total = 0, acc = 0, bits = 0, nbytes = 0;
    static unsigned char packed[8192];
    for (int i = 0; i <= nnames; i++) {
        size_t keep = 0;
        if (i && i < nnames) while (names[i][keep] && names[i][keep] == names[i - 1][keep]) keep++;
        if (keep >= KEEP_LIMIT) { fprintf(stderr, "%s: prefix too long to pack\n", names[i]); return 1; }
        unsigned sym[64], n = 0;
        sym[n++] = (unsigned)keep;
        for (const char *c = i < nnames ? names[i] + keep : ""; *c; c++) {
            const char *at = strchr(chars, *c);
            if (!at || n == 64) { fprintf(stderr, "%s: cannot pack\n", names[i]); return 1; }
            sym[n++] = KEEP_LIMIT + (unsigned)(at - chars);
        }
        for (unsigned k = 0; k < n; k++) {
            acc = acc << 6 | sym[k], bits += 6;
            while (bits >= 8) bits -= 8, packed[nbytes++] = (unsigned char)(acc >> bits);
        }
        if (i < nnames) total += (unsigned)strlen(names[i]) + 1;
    }
    if (bits) packed[nbytes++] = (unsigned char)(acc << (8 - bits));
    printf("#define SC_KEEP_LIMIT %d\nstatic const char sc_name_chars[] = \"%s\";\n", (int)KEEP_LIMIT, chars);
    printf("static const unsigned char sc_name_packed[%u] =", nbytes);
    print_bytes(packed, nbytes);
    printf("\n#define SC_NAMES_LEN %u\n", total);
    /* one array per table, each kept only when the build wants it
     * (SC_TABLE_<ID>, set in runtime.c: the arch family it runs on); one
     * byte more than the bits need, so a reader may always take two */
    unsigned tbytes = ((unsigned)nnames * 10 + 7) / 8 + 1;
    printf("#define SC_TABLE_BYTES %u\n", tbytes);
    for (size_t t = 0; t < NT; t++) {
        char id[16];
        static unsigned char tb[2048];
        for (size_t k = 0; k <= strlen(tables[t].id); k++) id[k] = (char)toupper((unsigned char)tables[t].id[k]);
        memset(tb, 0, sizeof tb);
        for (int i = 0; i < nnames; i++) {
            int nr = number_of(t, names[i]);
            unsigned v = 1023, bit = (unsigned)i * 10;
            if (nr >= 0x0f0000 && nr < 0x0f0010 && tables[t].arch == SCMP_ARCH_ARM) v = 1008 + ((unsigned)nr & 0xf);
            else if (nr >= 0) {
                long d = nr - tables[t].base;
                if (d < 0 || d >= 1008) { fprintf(stderr, "%s: %s = %d does not fit\n", tables[t].id, names[i], nr); return 1; }
                v = (unsigned)d;
            }
            tb[bit / 8] |= (unsigned char)(v << (bit % 8));
            tb[bit / 8 + 1] |= (unsigned char)(v >> (8 - bit % 8));   /* (bit % 8 is at most 6) */
        }
        printf("#if SC_TABLE_%s\nstatic const unsigned char sc_table_%s[SC_TABLE_BYTES] =", id, tables[t].id);
        print_bytes(tb, tbytes);
        printf("\n#else\n#define sc_table_%s NULL\n#endif\n", tables[t].id);
    }
    printf("static const unsigned char *const sc_table[SC_NTABLES] = {");
    for (size_t t = 0; t < NT; t++) printf("%ssc_table_%s,", t % 5 ? " " : "\n    ", tables[t].id);
    printf("\n};");
    /* multiplexed names: resolving them on an arch with socketcall(2)
     * and ipc(2) gives libseccomp's pseudo-numbers -100 - call (socket
     * family) and -200 - call (SysV IPC) */
    int muxes[NT] = { 0 };
    for (size_t t = 0; t < NT; t++) muxes[t] = seccomp_syscall_resolve_name_arch(tables[t].arch, "socketcall") >= 0;
    /* the few multiplexed names, sparse: name index and call (socketcall
     * N, or 100 + ipc N) */
    unsigned mux[1024] = { 0 };
    int nmux = 0;
    for (int i = 0; i < nnames; i++) {
        unsigned v = 0;
        for (size_t t = 0; t < NT; t++) {
            if (!muxes[t]) continue;
            int nr = seccomp_syscall_resolve_name_arch(tables[t].arch, names[i]);
            unsigned m = nr <= -101 && nr >= -120 ? (unsigned)(-100 - nr) : nr <= -201 && nr >= -224 ? (unsigned)(-200 - nr) + 100 : 0;
            if (!m) continue;
            if (v && v != m) { fprintf(stderr, "%s: multiplexed differently across arches\n", names[i]); return 1; }
            v = m;
        }
        mux[i] = v, nmux += v != 0;
    }
    printf("\n#define SC_NMUX %d\nstatic const uint16_t sc_mux_name[SC_NMUX] = {", nmux);
    for (int i = 0, k = 0; i < nnames; i++)
        if (mux[i]) printf("%s%d,", k++ % 16 ? " " : "\n    ", i);
    printf("\n};\nstatic const uint8_t sc_mux_call[SC_NMUX] = {");
    for (int i = 0, k = 0; i < nnames; i++)
        if (mux[i]) printf("%s%u,", k++ % 16 ? " " : "\n    ", mux[i]);
    printf("\n};\nstatic const uint8_t sc_table_muxes[SC_NTABLES] = {");
    for (size_t t = 0; t < NT; t++) printf(" %d,", muxes[t]);
    printf(" };\n/* END GENERATED SYSCALL TABLES */\n");
    return 0;
}
