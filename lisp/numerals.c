/*
 * numerals.c -- integers in English words and in Roman numerals, for
 * FORMAT's ~R, ~:R, ~@R and ~:@R (numerals.h), as SBCL writes them.
 */
#include "lisp/numerals.h"
#include "lisp/streams.h"

static const char *const ones[] = {
    "", "one", "two", "three", "four", "five", "six", "seven", "eight",
    "nine",
};
static const char *const teens[] = {
    "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
    "seventeen", "eighteen", "nineteen",
};
static const char *const tens[] = {
    "", "ten", "twenty", "thirty", "forty", "fifty", "sixty", "seventy",
    "eighty", "ninety",
};
static const char *const ordinal_ones[] = {
    "", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
    "eighth", "ninth",
};
static const char *const ordinal_tens[] = {
    "", "tenth", "twentieth", "thirtieth", "fortieth", "fiftieth",
    "sixtieth", "seventieth", "eightieth", "ninetieth",
};
/* Thousands to the power of the index (enough for any fixnum). */
static const char *const illions[] = {
    "", " thousand", " million", " billion", " trillion", " quadrillion",
    " quintillion",
};

static void put(lo_lisp *L, lo_value out, const char *s)
{
    while (*s)
        lo_stream_write_char(L, out, (uint32_t)(unsigned char)*s++);
}

/* 1 <= n <= 999 */
static void below_thousand(lo_lisp *L, lo_value out, int n)
{
    int hundreds = n / 100, rest = n % 100;
    if (hundreds) {
        put(L, out, ones[hundreds]);
        put(L, out, " hundred");
        if (rest)
            put(L, out, " ");
    }
    if (rest >= 20) {
        put(L, out, tens[rest / 10]);
        if (rest % 10) {
            put(L, out, "-");
            put(L, out, ones[rest % 10]);
        }
    } else if (rest >= 10) {
        put(L, out, teens[rest - 10]);
    } else if (rest) {
        put(L, out, ones[rest]);
    }
}

/* n > 0, in groups of three digits, the highest first. */
static void groups(lo_lisp *L, lo_value out, uint64_t n, int power,
                   bool *first)
{
    if (n >= 1000)
        groups(L, out, n / 1000, power + 1, first);
    int group = (int)(n % 1000);
    if (!group)
        return;
    if (!*first)
        put(L, out, " ");
    below_thousand(L, out, group);
    put(L, out, illions[power]);
    *first = false;
}

static uint64_t magnitude(lo_lisp *L, lo_value out, int64_t n)
{
    if (n >= 0)
        return (uint64_t)n;
    put(L, out, "negative ");
    return -(uint64_t)n;
}

void lo_write_cardinal(lo_lisp *L, lo_value out, int64_t n)
{
    if (n == 0) {
        put(L, out, "zero");
        return;
    }
    bool first = true;
    groups(L, out, magnitude(L, out, n), 0, &first);
}

void lo_write_ordinal(lo_lisp *L, lo_value out, int64_t n)
{
    uint64_t m = magnitude(L, out, n);
    uint64_t top = m / 100;
    int bottom = (int)(m % 100), t = bottom / 10, o = bottom % 10;
    if (top) {
        bool first = true;
        groups(L, out, m - (uint64_t)bottom, 0, &first);
        if (bottom)
            put(L, out, " ");
    }
    if (bottom == 12) {
        put(L, out, "twelfth");
    } else if (t == 1) {
        put(L, out, teens[o]);
        put(L, out, "th");
    } else if (t == 0 && o) {
        put(L, out, ordinal_ones[o]);
    } else if (o == 0 && t) {
        put(L, out, ordinal_tens[t]);
    } else if (bottom) {
        put(L, out, tens[t]);
        put(L, out, "-");
        put(L, out, ordinal_ones[o]);
    } else {
        put(L, out, m ? "th" : "zeroth");
    }
}

bool lo_write_roman(lo_lisp *L, lo_value out, int64_t n, bool old)
{
    static const struct { int value; const char *text; } modern[] = {
        { 1000, "M" }, { 900, "CM" }, { 500, "D" }, { 400, "CD" },
        { 100, "C" }, { 90, "XC" }, { 50, "L" }, { 40, "XL" }, { 10, "X" },
        { 9, "IX" }, { 5, "V" }, { 4, "IV" }, { 1, "I" },
    }, classic[] = {
        { 1000, "M" }, { 500, "D" }, { 100, "C" }, { 50, "L" }, { 10, "X" },
        { 5, "V" }, { 1, "I" },
    };
    if (n < 1 || n > (old ? 4999 : 3999))
        return false;
    unsigned count = old ? sizeof classic / sizeof *classic
                         : sizeof modern / sizeof *modern;
    for (unsigned i = 0; i < count; i++) {
        int value = old ? classic[i].value : modern[i].value;
        for (; n >= value; n -= value)
            put(L, out, old ? classic[i].text : modern[i].text);
    }
    return true;
}
