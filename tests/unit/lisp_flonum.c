/*
 * lisp_flonum.c -- lisp/flonum.c, double-floats to text and back.
 *
 *  - a table of values with SBCL's text for them (taken from SBCL 2.2.9
 *    with *read-default-float-format* double-float), and of tokens that
 *    are and are not floats;
 *  - random doubles: the text reads back bit for bit, has no more digits
 *    than the shortest "%.*e" that round-trips (exactly as many unless a
 *    power of two or subnormal, where SBCL's choice differs on purpose);
 *  - random and adversarial decimal text (long mantissas, halfway points
 *    and their neighbours, subnormals, overflow): reads as glibc's strtod;
 *  - when sbcl is installed, a few thousand doubles printed by SBCL
 *    itself, compared text for text, and our text read back by SBCL.
 *
 * Random inputs come from a fresh seed, printed; LISPOS_SEED replays one.
 */
#include <errno.h>
#include <float.h>
#include <math.h>     /* macros only: the tests link without libm */
#include <stdint.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lisp/flonum.h"
#include "drivers/rng.h"
#include "tests/tap.h"

static lo_rng rng;

static uint64_t bits_of(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

static double double_of(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static const char *print(double d)
{
    static char buf[LO_DOUBLE_PRINT_SIZE + 8];
    memset(buf, 'X', sizeof buf);
    size_t n = lo_double_print(d, buf);
    if (n != strlen(buf) || n >= LO_DOUBLE_PRINT_SIZE)
        bail_out("lo_double_print wrote %zu/%zu bytes", n, strlen(buf));
    return buf;
}

static lo_float_status parse(const char *s, double *out)
{
    return lo_double_parse(s, strlen(s), out);
}

/* ---- tables ---------------------------------------------------------- */

static void test_table(void)
{
    static const struct { double value; const char *text; } table[] = {
        {1.5, "1.5"}, {1.0, "1.0"}, {0.1, "0.1"}, {100.0, "100.0"},
        {1e7, "1.0e7"}, {1234567.0, "1234567.0"},
        {12345678.0, "1.2345678e7"}, {0.001, "0.001"}, {1e-4, "1.0e-4"},
        {0.0, "0.0"}, {-0.0, "-0.0"}, {-1.5, "-1.5"},
        {1.7976931348623157e308, "1.7976931348623157e308"},
        {-1.7976931348623157e308, "-1.7976931348623157e308"},
        {4.9406564584124654e-324, "4.9406564584124654e-324"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {2.2250738585072009e-308, "2.225073858507201e-308"},
        {1.4821969375237396e-323, "1.4821969375237396e-323"},
        {1.0 / 3, "0.3333333333333333"}, {2.0 / 3, "0.6666666666666666"},
        {9999999.0, "9999999.0"}, {99999999.0, "9.9999999e7"},
        {0.00123, "0.00123"}, {123.456, "123.456"}, {1e22, "1.0e22"},
        {1e23, "1.0e23"}, {1e100, "1.0e100"}, {1e-100, "1.0e-100"},
        {1152921504606846976.0, "1.152921504606847e18"},
        {9007199254740992.0, "9.007199254740992e15"},
        {0.3, "0.3"}, {0.1 + 0.2, "0.30000000000000004"},
        {5e-324 * 3, "1.4821969375237396e-323"},
        {9.999999999999998e-4, "9.999999999999998e-4"}, {123e-3, "0.123"},
        {1e6, "1000000.0"}, {10.0, "10.0"}, {12.0, "12.0"},
        {3.141592653589793, "3.141592653589793"},
        {2.718281828459045, "2.718281828459045"},
        /* Exact ties between two shortest candidates: SBCL rounds up. */
        {0x1.f0d2e86481299p+50, "2.1850544376393343e15"},
        {0x1.b397398c20304p+47, "2.3946853181442413e14"},
        {0x1.0000000000001p+50, "1.1258999068426243e15"},
        {INFINITY, "#.DOUBLE-FLOAT-POSITIVE-INFINITY"},
        {-INFINITY, "#.DOUBLE-FLOAT-NEGATIVE-INFINITY"},
        {NAN, "#<DOUBLE-FLOAT quiet NaN>"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++)
        is_str(print(table[i].value), table[i].text, "prints %.17g", table[i].value);

    static const struct { const char *text; bool is_float; } syntax[] = {
        {"1.5", true}, {".5", true}, {"-.5", true}, {"+.5e-3", true},
        {"1.e5", true}, {"1e5", true}, {"1E+5", true}, {"1s0", true},
        {"1f0", true}, {"1d0", true}, {"1L0", true}, {"-0.0", true},
        {"1.", false}, {"1", false}, {".", false}, {".e5", false},
        {"1e", false}, {"1e+", false}, {"e5", false}, {"+", false},
        {"", false}, {"1.5x", false}, {"1.5e5.", false}, {"1..5", false},
        {"1x5", false}, {"--1.5", false}, {"1.5 ", false}, {"0x1p3", false},
    };
    for (size_t i = 0; i < sizeof syntax / sizeof *syntax; i++) {
        const char *s = syntax[i].text;
        double d;
        ok(lo_float_syntax_p(s, strlen(s)) == syntax[i].is_float &&
           (parse(s, &d) == LO_FLOAT_SYNTAX) == !syntax[i].is_float,
           "\"%s\" is %sa float", s, syntax[i].is_float ? "" : "not ");
    }

    static const struct { const char *text; lo_float_status st; double value; } reads[] = {
        {"1.0d0", LO_FLOAT_OK, 1.0}, {"-2.5s1", LO_FLOAT_OK, -25.0},
        {"1.e5", LO_FLOAT_OK, 1e5}, {"0e99999999999999999999", LO_FLOAT_OK, 0.0},
        {"-0.0", LO_FLOAT_OK, -0.0}, {"1e-400", LO_FLOAT_OK, 0.0},
        {"-1e-400", LO_FLOAT_OK, -0.0}, {"5e-324", LO_FLOAT_OK, 5e-324},
        {"2.4703282292062327e-324", LO_FLOAT_OK, 0.0},
        {"2.4703282292062328e-324", LO_FLOAT_OK, 5e-324},
        {"1.7976931348623158e308", LO_FLOAT_OK, DBL_MAX},
        {"1.7976931348623159e308", LO_FLOAT_OVERFLOW, INFINITY},
        {"-1e400", LO_FLOAT_OVERFLOW, -INFINITY},
        {"1e99999999999999999999", LO_FLOAT_OVERFLOW, INFINITY},
        {"0.000000000000000000000000000001e30", LO_FLOAT_OK, 1.0},
    };
    for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
        double d = 42;
        lo_float_status st = parse(reads[i].text, &d);
        ok(st == reads[i].st && bits_of(d) == bits_of(reads[i].value),
           "\"%s\" reads as %.17g (status %d)", reads[i].text, reads[i].value, reads[i].st);
    }
}

/* ---- printing: round trip and shortness ------------------------------ */

/* The fewest significant digits "%.*e" needs to round-trip x (binary
 * search: more digits of a correctly rounded expansion never hurt). */
static int printf_shortest(double x)
{
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        char buf[64];
        snprintf(buf, sizeof buf, "%.*e", mid - 1, x);
        if (strtod(buf, NULL) == x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* The significant digits of a printed double (leading and trailing zeros
 * dropped: a shortest expansion never ends in 0). */
static int significant(const char *text, char *digits)
{
    int n = 0;
    for (const char *p = text; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && (n > 0 || *p != '0'))
            digits[n++] = *p;
    while (n > 0 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    return n;
}

struct print_stats {
    long checked, bad_trip, bad_short, bad_digits, bad_first, ties;
};

static void check_print(double x, struct print_stats *st)
{
    char text[LO_DOUBLE_PRINT_SIZE], ours[24], theirs[64];
    strcpy(text, print(x));
    st->checked++;

    double back = -1;
    if (parse(text, &back) != LO_FLOAT_OK || bits_of(back) != bits_of(x)) {
        if (st->bad_trip++ < 5)
            diag("%a printed \"%s\", read back as %a", x, text, back);
        return;
    }
    int nd = significant(text, ours);
    if (x == 0)
        return;
    const char *first = text + (text[0] == '-');
    if (*first == '0' && first[1] == '.' && strchr(text, 'e')) {
        if (st->bad_first++ < 5)
            diag("%a printed \"%s\" with a leading zero digit", x, text);
    }
    uint64_t b = bits_of(x) & ~(1ull << 63);
    bool subnormal = b < 1ull << 52;
    bool power_of_two = (b & ((1ull << 52) - 1)) == 0 && (b >> 52) > 1;
    int want = printf_shortest(x);
    bool short_ok = subnormal ? nd >= want && nd <= 17
                  : power_of_two ? nd <= want : nd == want;
    if (!short_ok) {
        if (st->bad_short++ < 5)
            diag("%a printed \"%s\": %d digits, printf needs %d", x, text, nd, want);
        return;
    }
    /* Where both are the nearest nd-digit decimal, they agree, except on
     * an exact tie, which printf rounds to even and SBCL up. */
    if (!subnormal && !power_of_two) {
        snprintf(theirs, sizeof theirs, "%.*e", nd - 1, x);
        char want_digits[64], expansion[128], *tail;
        significant(theirs, want_digits);
        if (!strcmp(ours, want_digits))
            return;
        snprintf(expansion, sizeof expansion, "%.60e", x < 0 ? -x : x);
        significant(expansion, want_digits);
        tail = want_digits + nd;
        if (tail[0] == '5' && tail[1] == '\0' && strncmp(ours, want_digits, (size_t)nd) > 0)
            st->ties++;
        else if (st->bad_digits++ < 5)
            diag("%a printed \"%s\", printf \"%s\"", x, text, theirs);
    }
}

static void report_print(const char *what, const struct print_stats *st)
{
    ok(st->bad_trip == 0, "%s: %ld doubles read back bit for bit", what, st->checked);
    ok(st->bad_short == 0, "%s: digit counts are shortest", what);
    ok(st->bad_digits == 0, "%s: digits are the nearest shortest decimal "
       "(%ld exact ties rounded up)", what, st->ties);
    ok(st->bad_first == 0, "%s: no leading zero digit", what);
}

static void test_print_random(void)
{
    struct print_stats st = {0};
    for (int i = 0; i < 150000; i++) {
        double x = double_of(lo_rng_next(&rng));
        if (isfinite(x))
            check_print(x, &st);
    }
    report_print("random bit patterns", &st);

    /* Every binary exponent, with the extreme mantissas and a random one:
     * each scaling step and both gap shapes are visited. */
    struct print_stats ex = {0};
    for (uint64_t e = 0; e < 0x7ff; e++) {
        uint64_t mantissas[] = {0, 1, (1ull << 52) - 1, lo_rng_next(&rng) >> 12};
        for (int i = 0; i < 4; i++) {
            if (e == 0 && mantissas[i] == 0)
                continue;
            check_print(double_of(e << 52 | mantissas[i]), &ex);
            check_print(-double_of(e << 52 | mantissas[i]), &ex);
        }
    }
    report_print("every exponent", &ex);

    /* Short decimals and subnormals, the cases people type and the ones
     * where SBCL's digits are special. */
    struct print_stats dec = {0};
    for (int i = 0; i < 50000; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "%llue%d",
                 (unsigned long long)lo_rng_below(&rng, 1000000),
                 (int)lo_rng_below(&rng, 40) - 20);
        check_print(strtod(buf, NULL), &dec);
        check_print(double_of(lo_rng_next(&rng) >> 12), &dec);
    }
    report_print("short decimals and subnormals", &dec);
}

/* ---- reading: agreement with strtod ---------------------------------- */

struct read_stats {
    long checked, bad;
};

static void check_read(const char *text, struct read_stats *st)
{
    double ours = -1, libc = strtod(text, NULL);
    lo_float_status s = parse(text, &ours);
    st->checked++;
    bool good = bits_of(ours) == bits_of(libc) &&
                s == (isinf(libc) ? LO_FLOAT_OVERFLOW : LO_FLOAT_OK);
    if (!good && st->bad++ < 5)
        diag("\"%.80s%s\" (%zu chars): ours %a (status %d), strtod %a",
             text, strlen(text) > 80 ? "..." : "", strlen(text), ours, s, libc);
}

/* Random digits: `len` of them, a point somewhere, an exponent. */
static void random_decimal(char *buf, int len, int exp)
{
    char *p = buf;
    if (lo_rng_below(&rng, 2))
        *p++ = '-';
    int point = (int)lo_rng_below(&rng, (uint64_t)len + 1);
    if (point == len)
        point = 0;                    /* "1." is not a float */
    for (int i = 0; i < len; i++) {
        if (i == point && i > 0)
            *p++ = '.';
        else if (i == 0 && point == 0)
            *p++ = '.';
        *p++ = (char)('0' + lo_rng_below(&rng, 10));
    }
    sprintf(p, "e%d", exp);
}

/* The exact decimal of a long double (glibc prints exact digits). */
static void exact(char *buf, size_t size, long double x)
{
    snprintf(buf, size, "%.800Le", x);
}

/* Insert `digits` just before the exponent of an "%e" text. */
static void extend(char *dst, const char *src, const char *digits)
{
    const char *e = strchr(src, 'e');
    size_t m = (size_t)(e - src);
    memcpy(dst, src, m);
    strcpy(dst + m, digits);
    strcat(dst, e);
}

static void test_read(void)
{
    static char buf[4096], ext[4096], zeros[1200];
    struct read_stats st = {0};
    for (int i = 0; i < 100000; i++) {
        int len = 1 + (int)lo_rng_below(&rng, i % 10 == 0 ? 60 : 20);
        random_decimal(buf, len, (int)lo_rng_below(&rng, 700) - 350);
        check_read(buf, &st);
    }
    ok(st.bad == 0, "%ld random short decimals read as strtod reads them", st.checked);

    struct read_stats lng = {0};
    for (int i = 0; i < 3000; i++) {
        int len = 19 + (int)lo_rng_below(&rng, 1400);
        random_decimal(buf, len, (int)lo_rng_below(&rng, 2400) - 1500);
        check_read(buf, &lng);
    }
    ok(lng.bad == 0, "%ld long mantissas (to 1400 digits) read as strtod", lng.checked);

    /* Halfway points between neighbours, exact, and just either side:
     * the long double neighbours of the midpoint, and the midpoint with
     * a 1 after many zeros (beyond the digits kept exactly). */
    struct read_stats half = {0};
    memset(zeros, '0', sizeof zeros - 1);
    for (int i = 0; i < 6000; i++) {
        uint64_t b = lo_rng_next(&rng) >> 1;
        if (i % 3 == 0)
            b >>= 11;                           /* subnormal */
        if (i % 3 == 1)
            b &= ~((1ull << 52) - 1) << (lo_rng_below(&rng, 30));
        double x = double_of(b), y = double_of(b + 1);
        if (!isfinite(y))
            continue;
        /* Exact in long double's 64-bit mantissa: the midpoint needs one
         * bit below x's last, its neighbours here ten. */
        long double h = ((long double)x + y) / 2, nudge = (long double)(y - x) / 1024;
        exact(buf, sizeof buf, h);
        check_read(buf, &half);
        exact(buf, sizeof buf, h + nudge);
        check_read(buf, &half);
        exact(buf, sizeof buf, h - nudge);
        check_read(buf, &half);
        exact(buf, sizeof buf, h);
        zeros[lo_rng_below(&rng, 400)] = '\0';
        extend(ext, buf, zeros);
        check_read(ext, &half);                 /* still the tie */
        strcat(zeros, "1");
        extend(ext, buf, zeros);
        check_read(ext, &half);                 /* just above it */
        memset(zeros, '0', sizeof zeros - 1);
    }
    ok(half.bad == 0, "%ld halfway points and their neighbours read as strtod", half.checked);

    static const char *hard[] = {
        "9007199254740993.0", "9007199254740993e0", "9007199254740995e0",
        "2.2250738585072011e-308", "2.2250738585072012e-308",
        "2.4703282292062327e-324", "2.4703282292062328e-324",
        "4.9406564584124654e-324", "1.7976931348623157e308",
        "1.7976931348623158e308", "1.7976931348623159e308", "1e309",
        "1e-324", "3e-324", "7.4109846876186982e-324", "0.1", "1e23",
        "8.98846567431158e307", "4.4501477170144023e-308",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497791.9999999999",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704342711559699508093042880177904174497792.0",
    };
    struct read_stats hs = {0};
    for (size_t i = 0; i < sizeof hard / sizeof *hard; i++)
        check_read(hard[i], &hs);
    ok(hs.bad == 0, "%ld known hard cases read as strtod", hs.checked);
}

/* ---- against SBCL itself --------------------------------------------- */

static const char sbcl_script[] =
    "(setf *read-default-float-format* 'double-float)\n"
    "(defun bits->double (n)\n"
    "  (let ((hi (ldb (byte 32 32) n)))\n"
    "    (sb-kernel:make-double-float (if (logbitp 31 hi) (- hi (ash 1 32)) hi)\n"
    "                                 (ldb (byte 32 0) n))))\n"
    "(defun double->bits (d)\n"
    "  (logior (ash (ldb (byte 32 0) (sb-kernel:double-float-high-bits d)) 32)\n"
    "          (sb-kernel:double-float-low-bits d)))\n"
    "(destructuring-bind (bits texts printed read) (cdr sb-ext:*posix-argv*)\n"
    "  (with-open-file (in bits)\n"
    "    (with-open-file (out printed :direction :output :if-exists :supersede)\n"
    "      (loop for line = (read-line in nil) while line\n"
    "            do (prin1 (bits->double (parse-integer line)) out) (terpri out))))\n"
    "  (with-open-file (in texts)\n"
    "    (with-open-file (out read :direction :output :if-exists :supersede)\n"
    "      (loop for line = (read-line in nil) while line\n"
    "            do (format out \"~D~%\" (double->bits (read-from-string line)))))))\n";

/* The doubles to show SBCL: random ones, ones in the positional range,
 * near the layout boundaries, short decimals, subnormals, every power of
 * two.  Returns the count. */
static int sbcl_sample(uint64_t *out, int max)
{
    int n = 0;
    static const double fixed[] = {
        0.0, -0.0, 1.0, 0.1, 1e7, 9999999.999999998, 1e-3, 9.999999999999998e-4,
        1e-3 + 1e-18, 1e7 - 1e-9, 12345678.0, 1234567.0, 1e22, 1e23, DBL_MAX,
        DBL_MIN, 5e-324, 1.0 / 3, 2.0 / 3, 0.1 + 0.2, 100.0, 1e-4, 123.456,
        0x1.f0d2e86481299p+50, 0x1.b397398c20304p+47, 0x1.0000000000001p+50,
    };
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++)
        out[n++] = bits_of(fixed[i]);
    for (uint64_t e = 0; e < 0x7ff && n < max; e++)
        out[n++] = e << 52;                          /* 0 and 2^-1074.. */
    while (n < max) {
        uint64_t r = lo_rng_next(&rng);
        double x;
        char buf[64];
        switch (n % 5) {
        case 0:
            x = double_of(r);
            break;
        case 1:                                     /* 2^-11 .. 2^25 */
            x = double_of((r >> 12) | (uint64_t)(1012 + r % 36) << 52);
            break;
        case 2:
            snprintf(buf, sizeof buf, "%llue%d", (unsigned long long)(r % 100000),
                     (int)(r >> 40) % 30 - 15);
            x = strtod(buf, NULL);
            break;
        case 3:
            x = double_of(r >> 12);                 /* subnormal */
            break;
        default:                                    /* 53-bit integers */
            x = (double)(r >> 11);
            break;
        }
        if (isfinite(x))
            out[n++] = bits_of(x) ^ (r & 1ull << 63);
    }
    return n;
}

static void test_sbcl(void)
{
    if (system("command -v sbcl >/dev/null 2>&1") != 0) {
        skip(2, "sbcl is not installed");
        return;
    }
    const char *tmp = getenv("TMPDIR");
    char path[5][512];
    static char template[512];
    snprintf(template, sizeof template, "%s/lispos-float-XXXXXX", tmp ? tmp : "/tmp");
    char *d = mkdtemp(template);
    if (!d) {
        skip(2, "no scratch directory");
        return;
    }
    const char *names[] = {"run.lisp", "bits", "texts", "printed", "read"};
    for (int i = 0; i < 5; i++)
        snprintf(path[i], sizeof path[i], "%s/%s", d, names[i]);

    enum { N = 4000 };
    static uint64_t sample[N];
    static char ours[N][LO_DOUBLE_PRINT_SIZE];
    int n = sbcl_sample(sample, N);
    FILE *script = fopen(path[0], "w"), *bits = fopen(path[1], "w"),
         *texts = fopen(path[2], "w");
    if (!script || !bits || !texts)
        bail_out("cannot write to %s", d);
    fputs(sbcl_script, script);
    for (int i = 0; i < n; i++) {
        strcpy(ours[i], print(double_of(sample[i])));
        fprintf(bits, "%llu\n", (unsigned long long)sample[i]);
        fprintf(texts, "%s\n", ours[i]);
    }
    fclose(script);
    fclose(bits);
    fclose(texts);

    char cmd[4096];
    snprintf(cmd, sizeof cmd, "timeout 120 sbcl --script %s %s %s %s %s >/dev/null 2>&1",
             path[0], path[1], path[2], path[3], path[4]);
    int rc = system(cmd);
    FILE *printed = fopen(path[3], "r"), *read = fopen(path[4], "r");
    if (rc != 0 || !printed || !read) {
        ok(0, "sbcl ran (exit status %d)", rc);
        skip(1, "no sbcl output");
    } else {
        int same_text = 0, same_value = 0, normal = 0, shown = 0;
        char line[256];
        for (int i = 0; i < n && fgets(line, sizeof line, printed); i++) {
            line[strcspn(line, "\n")] = '\0';
            if (!strcmp(line, ours[i]))
                same_text++;
            else if (shown++ < 10)
                diag("%a: sbcl \"%s\", ours \"%s\"", double_of(sample[i]), line, ours[i]);
        }
        /* SBCL 2.2's reader is not correctly rounded for subnormals (it
         * reads "8e-324" as 4.9e-324), so only normal values count here. */
        for (int i = 0; i < n && fgets(line, sizeof line, read); i++) {
            uint64_t b = strtoull(line, NULL, 10);
            if ((sample[i] & ~(1ull << 63)) < 1ull << 52)
                continue;
            normal++;
            if (b == sample[i])
                same_value++;
            else if (shown++ < 20)
                diag("sbcl reads \"%s\" as %a, not %a", ours[i], double_of(b),
                     double_of(sample[i]));
        }
        ok(same_text == n, "sbcl prints %d/%d doubles as we do", same_text, n);
        ok(same_value == normal, "sbcl reads our text of %d/%d normal doubles back exactly",
           same_value, normal);
    }
    if (printed)
        fclose(printed);
    if (read)
        fclose(read);
    for (int i = 0; i < 5; i++)
        unlink(path[i]);
    rmdir(d);
}

int main(void)
{
    const char *env = getenv("LISPOS_SEED");
    uint64_t seed = env ? strtoull(env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
    diag("seed %llu (LISPOS_SEED replays it)", (unsigned long long)seed);
    lo_rng_seed(&rng, seed);

    test_table();
    test_print_random();
    test_read();
    test_sbcl();
    return done_testing();
}
