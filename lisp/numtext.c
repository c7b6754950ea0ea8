/*
 * numtext.c -- numbers to text and back (numbers.h): the reader's number
 * tokens (integers in any radix, ratios, decimal integers with a trailing
 * point, floats -- every float a double) and the printer's numbers
 * (*print-base*, *print-radix*, doubles as SBCL prints them).
 */
#include "lisp/flonum.h"
#include "drivers/printf.h"
#include "lisp/numbers.h"

/* ---- reading ---- */

/* text[0..n) is one or more digits of radix. */
static bool all_digits(const char *text, size_t n, unsigned radix)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lo_digit_value(text[i]) >= (int)radix)
            return false;
    return true;
}

lo_value lo_digits_integer(lo_lisp *L, const char *text, size_t n,
                           unsigned radix, bool negative)
{
    if (n <= 12) {                  /* 36^12 < 2^63 */
        int64_t v = 0;
        for (size_t i = 0; i < n; i++)
            v = v * radix + lo_digit_value(text[i]);
        return lo_make_integer(L, negative ? -v : v);
    }
    lo_big b = lo_big_new(L, lo_big_parse_size(n, radix));
    size_t bad;
    lo_big_parse(&b, text, n, radix, &bad);
    b.neg = negative && b.len > 0;
    return lo_big_finish(L, &b);
}

static lo_value read_ratio(lo_lisp *L, const char *num, size_t nn,
                           const char *den, size_t dn, unsigned radix,
                           bool negative)
{
    lo_value d = lo_digits_integer(L, den, dn, radix, false);
    if (d == lo_fixnum(0))
        lo_error(L, "READER-ERROR", "a ratio with a zero denominator: "
                 "%.*s/%.*s", (int)(nn < 40 ? nn : 40), num,
                 (int)(dn < 40 ? dn : 40), den);
    return lo_make_ratio(L, lo_digits_integer(L, num, nn, radix, negative), d);
}

static int64_t int_length(lo_value v)
{
    lo_limb one[1];
    lo_big b = lo_integer_view(v, one);
    return (int64_t)lo_big_integer_length(&b);
}

static lo_value power_of_ten(lo_lisp *L, int64_t k)
{
    lo_limb ten_limb[1];
    lo_big ten = { ten_limb, 0, false };
    lo_big_from_int64(&ten, 10);
    lo_big r = lo_big_new(L, lo_big_expt_size(&ten, (uint64_t)k));
    lo_big_expt(&r, &ten, (uint64_t)k,
                lo_big_scratch(L, lo_big_expt_scratch_size(&ten, (uint64_t)k)));
    return lo_big_finish(L, &r);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* SBCL's TRUNCATE-EXPONENT: an exponent far beyond the double range is
 * pulled in (the value is zero or an overflow either way) so that the
 * exact value stays a reasonable size. */
static int64_t clamp_exponent(int64_t e, lo_value number, lo_value divisor)
{
    int64_t magnitude = int_length(number) - (int_length(divisor) - 1);
    if (e < 0) {
        int64_t low = -floor_div(1075 + magnitude, 3);      /* ceiling */
        return e > low ? e : low;
    }
    int64_t high = floor_div(1075 - magnitude, 3);
    return e < high ? e : high;
}

/* A float token, read as SBCL's reader reads it: the exact rational
 * digits * 10^exponent / 10^fraction-digits, converted to a double as
 * FLOAT converts it (tower.c) -- so reading agrees with SBCL's even where
 * that is not the correctly rounded double (subnormals are truncated). */
static lo_value read_float(lo_lisp *L, const char *text, size_t n)
{
    size_t i = 0;
    bool negative = text[0] == '-';
    if (text[0] == '-' || text[0] == '+')
        i++;
    char *digits = (char *)lo_big_scratch(L, n / 8 + 1);
    size_t ndigits = 0, fraction = 0;
    bool point = false;
    for (; i < n && (text[i] == '.' || (text[i] >= '0' && text[i] <= '9')); i++) {
        if (text[i] == '.')
            point = true;
        else {
            digits[ndigits++] = text[i];
            fraction += point;
        }
    }
    int64_t e = 0;
    if (i < n) {                        /* a marker, then the exponent */
        bool eneg = text[++i] == '-';
        if (text[i] == '-' || text[i] == '+')
            i++;
        for (; i < n; i++)
            if (e < 1000000000)
                e = e * 10 + (text[i] - '0');
        e = eneg ? -e : e;
    }
    lo_value number = lo_digits_integer(L, digits, ndigits, 10, false);
    lo_value divisor = power_of_ten(L, (int64_t)fraction);
    e = clamp_exponent(e, number, divisor);
    if (e >= 0)
        number = lo_int_mul(L, number, power_of_ten(L, e));
    else
        divisor = lo_int_mul(L, divisor, power_of_ten(L, -e));
    double d;
    if (!lo_real_to_double(L, lo_make_ratio(L, number, divisor), &d))
        lo_error(L, "READER-ERROR", "a float beyond the double-float range: "
                 "%.*s", (int)(n < 60 ? n : 60), text);
    return lo_make_double(L, negative ? -d : d);
}

bool lo_read_number(lo_lisp *L, const char *text, size_t n, unsigned radix,
                    bool floats, lo_value *out)
{
    size_t sign = n > 0 && (text[0] == '+' || text[0] == '-');
    bool negative = sign && text[0] == '-';
    const char *body = text + sign;
    size_t m = n - sign;
    if (n > LO_NUMBER_MAX_DIGITS)
        lo_error(L, "READER-ERROR", "a token of more than %d characters",
                 LO_NUMBER_MAX_DIGITS);
    if (all_digits(body, m, radix)) {
        *out = lo_digits_integer(L, body, m, radix, negative);
        return true;
    }
    if (floats && m >= 2 && body[m - 1] == '.' && all_digits(body, m - 1, 10)) {
        *out = lo_digits_integer(L, body, m - 1, 10, negative);
        return true;
    }
    const char *slash = body;
    while (slash < body + m && *slash != '/')
        slash++;
    if (slash < body + m) {
        size_t nn = (size_t)(slash - body), dn = m - nn - 1;
        if (!all_digits(body, nn, radix) || !all_digits(slash + 1, dn, radix))
            return false;
        *out = read_ratio(L, body, nn, slash + 1, dn, radix, negative);
        return true;
    }
    if (floats && lo_float_syntax_p(text, n)) {
        *out = read_float(L, text, n);
        return true;
    }
    return false;
}

/* ---- printing ---- */

static void put(struct lo_text *out, const char *s)
{
    lo_text_put(out, s, strlen(s));
}

static void print_fixnum(int64_t v, unsigned base, struct lo_text *out)
{
    char buf[72], *p = buf + sizeof buf;
    uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
    *--p = '\0';
    do {
        *--p = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[mag % base];
        mag /= base;
    } while (mag);
    if (v < 0)
        *--p = '-';
    put(out, p);
}

/* A bignum's digits; one that cannot fit the room left in out is not
 * converted at all (the conversion is quadratic: a number of millions of
 * digits would take minutes to end up cut off). */
static void print_bignum(lo_lisp *L, lo_value v, unsigned base,
                         struct lo_text *out)
{
    lo_big b = lo_bignum_view(v);
    size_t size = lo_big_text_size(&b, base);
    if (out->cap < out->len || size > out->cap - out->len + 64) {
        char note[96];
        lo_snprintf(note, sizeof note, "#<INTEGER of %llu bits, too long "
                    "to print here>",
                    (unsigned long long)lo_big_integer_length(&b));
        put(out, note);
        return;
    }
    char *text = (char *)lo_big_scratch(L, size / 8 + 1);
    size_t len = lo_big_to_text(&b, base, text, lo_big_scratch(L, b.len));
    lo_text_put(out, text, len);
}

static void print_integer(lo_lisp *L, lo_value v, unsigned base,
                          struct lo_text *out)
{
    if (lo_fixnump(v))
        print_fixnum(lo_fixnum_value(v), base, out);
    else
        print_bignum(L, v, base, out);
}

/* #b #o #x or #NNr: what *print-radix* puts before a rational. */
static void radix_prefix(unsigned base, struct lo_text *out)
{
    char buf[8];
    if (base == 2 || base == 8 || base == 16) {
        put(out, base == 2 ? "#b" : base == 8 ? "#o" : "#x");
        return;
    }
    lo_snprintf(buf, sizeof buf, "#%ur", base);
    put(out, buf);
}

void lo_print_number(lo_lisp *L, lo_value v, unsigned base, bool radix,
                     struct lo_text *out)
{
    if (lo_doublep(v)) {
        char buf[LO_DOUBLE_PRINT_SIZE];
        lo_text_put(out, buf, lo_double_print(lo_double_value(v), buf));
    } else if (lo_ratiop(v)) {
        if (radix)
            radix_prefix(base, out);
        print_integer(L, lo_ptr(v)[RATIO_NUM], base, out);
        put(out, "/");
        print_integer(L, lo_ptr(v)[RATIO_DEN], base, out);
    } else {
        if (radix && base != 10)
            radix_prefix(base, out);
        print_integer(L, v, base, out);
        if (radix && base == 10)
            put(out, ".");
    }
}

void lo_print_base(lo_lisp *L, unsigned *base, bool *radix)
{
    lo_value b = lo_special_value(L, "*PRINT-BASE*");
    lo_value r = lo_special_value(L, "*PRINT-RADIX*");
    *base = 10;
    if (b != LO_UNBOUND) {
        if (!lo_fixnump(b) || lo_fixnum_value(b) < 2 ||
            lo_fixnum_value(b) > 36)
            lo_type_error_as(L, b, "(INTEGER 2 36)",
                             lo_type_specifier(L, "(INTEGER 2 36)"),
                             "*PRINT-BASE* is not an integer between 2 "
                             "and 36");
        *base = (unsigned)lo_fixnum_value(b);
    }
    *radix = r != LO_UNBOUND && !lo_null(L, r);
}
