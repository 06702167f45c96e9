/* fmt: what runtime.c has instead of libc's printf, strtoull and gmtime_r
 * (section 2), held to libc: its formatter against snprintf() over every
 * conversion, flag, width, precision and length modifier it takes, with
 * edge and random values; its number scanner against strtoull() and
 * strtoll(); its UTC calendar against gmtime_r(); its clock against time().  Prints the mismatches
 * (at most 20) and "N cases, M mismatches"; exit status 0 when there are
 * none.  Build: cc -O2 -o fmt tests/fmt.c (it includes runtime.c). */
#define OCIRUN_NO_MAIN
#include "../runtime.c"

static int bad, cases;

static void same(const char *what, const char *ours, int on, const char *libc, int ln)
{
    cases++;
    if (on == ln && !strcmp(ours, libc)) return;
    if (++bad <= 20) printf("%s: ours \"%s\" (%d), libc \"%s\" (%d)\n", what, ours, on, libc, ln);
}

#define CHECK(fmt, ...) do { \
    char a[160], b[160]; \
    int an = str_fmt(a, sizeof a, fmt, __VA_ARGS__), bn = snprintf(b, sizeof b, fmt, __VA_ARGS__); \
    same(fmt, a, an, b, bn); \
} while (0)

static uint64_t rnd(void)
{
    static uint64_t x = 88172645463325252ull;
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    return x;
}

int main(void)
{
    static const long long edge[] = { 0, 1, -1, 9, 10, -10, 99, 127, -128, 255, 32767, -32768, 65535,
        2147483647LL, -2147483647LL - 1, 4294967295LL, 4294967296LL, INT64_MAX, INT64_MIN };
    for (size_t k = 0; k < ARRAY_LEN(edge) + 2000; k++) {
        long long v = k < ARRAY_LEN(edge) ? edge[k] : (long long)(rnd() >> (rnd() % 64));
        if (k >= ARRAY_LEN(edge) && rnd() % 2) v = -v;
        int w = (int)(rnd() % 24), p = (int)(rnd() % 22);
        CHECK("%d|%i|%u|%x|%X|%o", (int)v, (int)v, (unsigned)v, (unsigned)v, (unsigned)v, (unsigned)v);
        CHECK("%ld|%lu|%lx", (long)v, (unsigned long)v, (unsigned long)v);
        CHECK("%lld|%llu|%llx|%llo", v, (unsigned long long)v, (unsigned long long)v, (unsigned long long)v);
        CHECK("%zu|%zd|%jd|%ju", (size_t)v, (ssize_t)v, (intmax_t)v, (uintmax_t)v);
        CHECK("%hd|%hu|%hhd|%hhu|%hx", (short)v, (unsigned short)v, (signed char)v, (unsigned char)v, (unsigned short)v);
        CHECK("[%*d][%-*d][%0*d][%.*d][%*.*lld]", w, (int)v, w, (int)v, w, (int)v, p, (int)v, w, p, v);
        CHECK("[%5d][%-5d][%05d][%09ld][%02d][%04x][%-7d][%.3d][%8.3d][%-8.3d]", (int)v, (int)v, (int)v, (long)v,
              (int)v, (unsigned)v, (int)v, (int)v, (int)v, (int)v);
        CHECK("[%#x][%#X][%#o][%+d][% d][%#lx][%#08x][%+5d][% -5d][%#llx]", (unsigned)v, (unsigned)v, (unsigned)v, (int)v,
              (int)v, (unsigned long)v, (unsigned)v, (int)v, (int)v, (unsigned long long)v);
        CHECK("[%c][%3c][%-3c]", (int)('a' + k % 26), (int)('A' + k % 26), '0' + (int)(k % 10));
        if ((uintptr_t)v) CHECK("%p", (void *)(uintptr_t)v);   /* a null pointer prints as libc likes */
    }
    static const char *const strs[] = { "", "a", "hello", "a longer string with spaces", "%d not a format" };
    for (size_t k = 0; k < ARRAY_LEN(strs); k++)
        for (int w = 0; w < 12; w++) {
            const char *s = strs[k];
            CHECK("[%s][%*s][%-*s][%.*s][%*.*s][%.20s][%-8s][%-20s]", s, w, s, w, s, w, s, w, w / 2, s, s, s, s);
        }
    CHECK("%%|%s%%%d|100%%", "x", 5);
    /* truncation: the return value is the whole length, the buffer holds what fits */
    for (size_t cap = 0; cap < 12; cap++) {
        char a[16] = "xxxxxxxxxxxxxxx", b[16] = "xxxxxxxxxxxxxxx";
        int an = str_fmt(a, cap, "%s-%d", "abcdef", 12345), bn = snprintf(b, cap, "%s-%d", "abcdef", 12345);
        same("truncation", a, an, b, bn);
    }
    /* numbers: scan_u64 and scan_i64 against strtoull and strtoll */
    static const char *const nums[] = { "0", "7", "42abc", " 13", "\t-5", "18446744073709551615", "18446744073709551616",
        "99999999999999999999", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "ff", "DEADbeef", "x", "", "-", "12 34", "+5", "- 5", "-k", "-7x", " +0" };
    for (size_t k = 0; k < ARRAY_LEN(nums); k++) {
        for (unsigned base = 10; base <= 16; base += 6) {
            uint64_t ours;
            const char *e = scan_u64(nums[k], base, &ours);
            char *le;
            errno = 0;
            unsigned long long lib = nums[k][strspn(nums[k], " \t")] == '-' ? 0 : strtoull(nums[k], &le, (int)base);
            if (strchr("-+", nums[k][strspn(nums[k], " \t")])) continue;   /* strtoull takes signs; scan_u64 does not */
            char a[64], b[64];
            snprintf(a, sizeof a, "%llu end+%d %s", (unsigned long long)ours, e ? (int)(e - nums[k]) : -1, e ? "ok" : "range");
            snprintf(b, sizeof b, "%llu end+%d %s", lib, errno == ERANGE ? -1 : (int)(le - nums[k]), errno == ERANGE ? "range" : "ok");
            if (le == nums[k]) snprintf(b, sizeof b, "0 end+%d ok", (int)strspn(nums[k], " \t"));
            same(nums[k], a, 0, b, 0);
        }
        int64_t si;
        const char *e = scan_i64(nums[k], &si);
        char *le;
        errno = 0;
        long long lib = strtoll(nums[k], &le, 10);
        char a[64], b[64];
        snprintf(a, sizeof a, "%lld %s end+%d", (long long)si, e ? "ok" : "range", e ? (int)(e - nums[k]) : -1);
        snprintf(b, sizeof b, "%lld %s end+%d", lib, errno == ERANGE ? "range" : "ok", errno == ERANGE ? -1 : (int)(le - nums[k]));
        same(nums[k], a, 0, b, 0);
    }
    /* UTC calendar fields: utc_fields against gmtime_r, leap years and
     * centuries around the edges, and random times from 1970 to 4980 */
    static const int64_t when[] = { 0, 59, 86399, 86400, 951782400, 951868800, 4107542400LL, 1709164800,
        253402300799LL, 2147483647, 2147483648LL, 4294967295LL, 4294967296LL };
    for (size_t k = 0; k < ARRAY_LEN(when) + 100000; k++) {
        int64_t t = k < ARRAY_LEN(when) ? when[k] : (int64_t)(rnd() % 95000000000ull);
        time_t tt = (time_t)t;
        if ((int64_t)tt != t) continue;   /* 32-bit time_t */
        struct tm tm;
        long f[6];
        if (!gmtime_r(&tt, &tm)) continue;
        utc_fields(t, f);
        char a[64], b[64];
        snprintf(a, sizeof a, "%ld-%ld-%ld %ld:%ld:%ld", f[0], f[1], f[2], f[3], f[4], f[5]);
        snprintf(b, sizeof b, "%ld-%d-%d %d:%d:%d", (long)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        same("utc_fields", a, 0, b, 0);
    }
    /* clock_now (a plain syscall, 64-bit seconds first on 32-bit arches) reads what time() does */
    struct timespec ts;
    time_t before = time(NULL);
    int cr = clock_now(CLOCK_REALTIME, &ts);
    char a[64], b[64];
    snprintf(a, sizeof a, "rc %d, within 2 s: %d, nsec ok: %d", cr, ts.tv_sec >= before && ts.tv_sec <= time(NULL) + 1,
             ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
    snprintf(b, sizeof b, "rc 0, within 2 s: 1, nsec ok: 1");
    same("clock_now", a, 0, b, 0);
    printf("%d cases, %d mismatches\n", cases, bad);
    return bad != 0;
}
