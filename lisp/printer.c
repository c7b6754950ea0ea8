/*
 * printer.c -- objects to text, as SBCL's printer writes them.
 *
 * The printer variables are read once per call of lo_print:
 * *PRINT-ESCAPE* (PRIN1 against PRINC: quotes, #\ and |bars|),
 * *PRINT-BASE* and *PRINT-RADIX* (integers), *PRINT-CASE* (symbols),
 * *PRINT-LEVEL* and *PRINT-LENGTH* (lists and vectors).
 */
#include <string.h>

#include "format.h"
#include "hashtable.h"
#include "internal.h"
#include "sequences.h"
#include "streams.h"

enum { MAX_PRINT_DEPTH = 2000 };

enum letter_case { CASE_UPCASE, CASE_DOWNCASE, CASE_CAPITALIZE };

struct printer {
    lo_lisp *L;
    struct lo_text *out;
    bool escape, radix;
    unsigned base;
    enum letter_case letter_case;
    int64_t level, length;      /* *PRINT-LEVEL* *PRINT-LENGTH*; -1: nil */
};

static void put(struct printer *p, const char *s)
{
    lo_text_put(p->out, s, strlen(s));
}

static void put_char(struct printer *p, uint32_t c)
{
    char utf8[4];
    lo_text_put(p->out, utf8, lo_utf8_encode(c, utf8));
}

static void print(struct printer *p, lo_value v, int depth);

/* ---- the printer variables ---- */

/* *PRINT-LEVEL* and *PRINT-LENGTH*: a non-negative integer or nil (-1). */
static int64_t limit(lo_lisp *L, const char *name)
{
    lo_value v = lo_symbol_value(L, name);
    if (v == LO_UNBOUND || lo_null(L, v))
        return -1;
    if (!lo_fixnump(v) || lo_fixnum_value(v) < 0)
        lo_error(L, "TYPE-ERROR", "%s is neither nil nor a non-negative "
                 "integer", name);
    return lo_fixnum_value(v);
}

static void read_settings(struct printer *p, int escape)
{
    lo_lisp *L = p->L;
    lo_value v = lo_symbol_value(L, "*PRINT-ESCAPE*");
    p->escape = escape >= 0 ? escape : v == LO_UNBOUND || !lo_null(L, v);
    v = lo_symbol_value(L, "*PRINT-RADIX*");
    p->radix = v != LO_UNBOUND && !lo_null(L, v);
    v = lo_symbol_value(L, "*PRINT-BASE*");
    p->base = 10;
    if (v != LO_UNBOUND) {
        if (!lo_fixnump(v) || lo_fixnum_value(v) < 2 ||
            lo_fixnum_value(v) > 36)
            lo_error(L, "TYPE-ERROR", "*PRINT-BASE* is not an integer "
                     "between 2 and 36");
        p->base = (unsigned)lo_fixnum_value(v);
    }
    v = lo_symbol_value(L, "*PRINT-CASE*");
    p->letter_case = lo_keyword_is(v, "DOWNCASE") ? CASE_DOWNCASE
                   : lo_keyword_is(v, "CAPITALIZE") ? CASE_CAPITALIZE
                   : CASE_UPCASE;
    p->level = limit(L, "*PRINT-LEVEL*");
    p->length = limit(L, "*PRINT-LENGTH*");
}

/* ---- fixnums in *PRINT-BASE*, with *PRINT-RADIX*'s marks ---- */

static void print_fixnum(struct printer *p, int64_t n)
{
    char buf[80];
    int at = sizeof buf;
    buf[--at] = '\0';
    if (p->radix && p->base == 10)
        buf[--at] = '.';
    uint64_t m = n < 0 ? -(uint64_t)n : (uint64_t)n;
    do {
        buf[--at] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[m % p->base];
        m /= p->base;
    } while (m);
    if (n < 0)
        buf[--at] = '-';
    if (p->radix && p->base != 10) {
        char prefix[8];
        if (p->base == 2 || p->base == 8 || p->base == 16)
            lo_snprintf(prefix, sizeof prefix, "#%c",
                        p->base == 2 ? 'b' : p->base == 8 ? 'o' : 'x');
        else
            lo_snprintf(prefix, sizeof prefix, "#%ur", p->base);
        put(p, prefix);
    }
    put(p, buf + at);
}

/* ---- symbols ----
 * With escaping on, a name that would not read back as the same symbol
 * is written between bars: one with lower-case letters or characters
 * the reader treats specially, or one that could be read as a number
 * ("potential numbers", CLHS 2.3.1.1).  SBCL's SYMBOL-QUOTEP decides that
 * with the state machine below. */

enum { A_NUMBER = 1, A_LOWER = 2, A_UPPER = 4, A_SIGN = 8, A_EXT = 16,
       A_DOT = 32, A_SLASH = 64, A_OTHER = 128, A_FUNNY = 256 };

static unsigned attributes(uint32_t c)
{
    if (c >= 160)
        return lo_char_downcase(c) != c ? A_UPPER
             : lo_char_upcase(c) != c ? A_LOWER : A_OTHER;
    if (c >= '0' && c <= '9') return A_NUMBER;
    if (c >= 'A' && c <= 'Z') return A_UPPER;
    if (c >= 'a' && c <= 'z') return A_LOWER;
    if (c == '+' || c == '-') return A_SIGN;
    if (c == '^' || c == '_') return A_EXT;
    if (c == '.') return A_DOT;
    if (c == '/') return A_SLASH;
    if (c && c < 128 && strchr("!@$%&*=~[]{}?<>", (int)c)) return A_OTHER;
    return A_FUNNY;
}

static bool digit_in_base(uint32_t c, unsigned base)
{
    unsigned w = c >= '0' && c <= '9' ? c - '0'
               : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 36;
    return w < base;
}

static bool needs_bars(const uint32_t *s, uint64_t len, unsigned base)
{
    const unsigned letter = A_UPPER;    /* readtable case :UPCASE */
    uint64_t i = 0;
    unsigned bits = 0;
    uint32_t c = 0;
#define ADVANCE(state, at_end) do {                                  \
        if (i == len) {                                              \
            if (at_end) goto test_sign;                              \
            return false;                                            \
        }                                                            \
        c = s[i++];                                                  \
        bits = attributes(c);                                        \
        goto state;                                                  \
    } while (0)
#define TEST(mask) ((bits & (mask)) != 0)
#define DIGITP (c < 128 && digit_in_base(c, base))
    ADVANCE(start, true);
test_sign:                  /* a potential number, unless it ends in a sign */
    return !TEST(A_SIGN);
other:                      /* no number: bars for lower case or funny */
    for (uint64_t j = i - 1; j < len; j++)
        if (attributes(s[j]) & (A_LOWER | A_FUNNY))
            return true;
    return false;
start:
    if (DIGITP) {
        if (TEST(letter)) ADVANCE(last_digit_alpha, true);
        ADVANCE(digit, true);
    }
    if (TEST(letter | A_NUMBER | A_OTHER | A_SLASH)) ADVANCE(other, false);
    if (c == '.') ADVANCE(dot_found, true);
    if (TEST(A_SIGN | A_EXT)) ADVANCE(start_stuff, false);
    return true;
dot_found:                  /* leading dots */
    if (TEST(letter)) ADVANCE(start_dot_marker, false);
    if (DIGITP) ADVANCE(dot_digit, true);
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(A_EXT | A_SLASH | A_SIGN)) ADVANCE(start_dot_stuff, false);
    if (c == '.') ADVANCE(dot_found, true);
    return true;
start_stuff:                /* signs and such before any dot or digit */
    if (DIGITP) {
        if (TEST(letter)) ADVANCE(last_digit_alpha, true);
        ADVANCE(digit, true);
    }
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(letter)) ADVANCE(start_marker, false);
    if (c == '.') ADVANCE(start_dot_stuff, false);
    if (TEST(A_SIGN | A_EXT | A_SLASH)) ADVANCE(start_stuff, false);
    return true;
start_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto start_stuff;
start_dot_stuff:            /* leading stuff with a dot, no digit yet */
    if (TEST(letter)) ADVANCE(start_dot_stuff, false);
    if (DIGITP) ADVANCE(dot_digit, true);
    if (TEST(A_SIGN | A_EXT | A_DOT | A_SLASH)) ADVANCE(start_dot_stuff, false);
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    return true;
start_dot_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto start_dot_stuff;
dot_digit:                  /* digits with a dot */
    if (TEST(letter)) ADVANCE(dot_marker, true);
    if (DIGITP) ADVANCE(dot_digit, true);
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(A_SIGN | A_EXT | A_DOT | A_SLASH)) ADVANCE(dot_digit, true);
    return true;
dot_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto dot_digit;
last_digit_alpha:           /* the last character was a letter digit */
    if (DIGITP || TEST(A_SIGN | A_SLASH)) ADVANCE(alpha_digit, true);
    if (TEST(letter | A_NUMBER | A_OTHER | A_DOT)) ADVANCE(other, false);
    return true;
alpha_digit:                /* seen a digit that is a letter */
    if (DIGITP || TEST(A_SIGN | A_SLASH)) {
        if (TEST(letter)) ADVANCE(last_digit_alpha, true);
        ADVANCE(alpha_digit, true);
    }
    if (TEST(letter)) ADVANCE(alpha_marker, true);
    if (TEST(A_NUMBER | A_OTHER | A_DOT)) ADVANCE(other, false);
    return true;
alpha_marker:
    if (TEST(letter)) ADVANCE(other, false);
    goto alpha_digit;
digit:                      /* only decimal digits so far */
    if (DIGITP) {
        if (TEST(letter)) ADVANCE(alpha_digit, true);
        ADVANCE(digit, true);
    }
    if (TEST(A_NUMBER | A_OTHER)) ADVANCE(other, false);
    if (TEST(letter)) ADVANCE(marker, true);
    if (TEST(A_EXT | A_SLASH | A_SIGN)) ADVANCE(digit, true);
    if (c == '.') ADVANCE(dot_digit, true);
    return true;
marker:                     /* a number marker in a number */
    if (TEST(letter)) ADVANCE(other, false);
    goto digit;
#undef ADVANCE
#undef TEST
#undef DIGITP
}

static void print_barred(struct printer *p, const uint32_t *s, uint64_t len)
{
    put(p, "|");
    for (uint64_t i = 0; i < len; i++) {
        if (s[i] == '|' || s[i] == '\\')
            put(p, "\\");
        put_char(p, s[i]);
    }
    put(p, "|");
}

/* The name in *PRINT-CASE* (upper-case letters changed, as SBCL does
 * under readtable case :UPCASE). */
static void print_cased(struct printer *p, const uint32_t *s, uint64_t len)
{
    bool word_start = true;
    for (uint64_t i = 0; i < len; i++) {
        uint32_t c = s[i];
        if (p->letter_case == CASE_DOWNCASE ||
            (p->letter_case == CASE_CAPITALIZE && !word_start))
            c = lo_char_downcase(c);
        put_char(p, c);
        word_start = !lo_char_alphanumeric_p(s[i]);
    }
}

static void print_symbol(struct printer *p, lo_value sym)
{
    lo_value name = lo_symbol_name(sym);
    const uint32_t *s = lo_string_chars(name);
    uint64_t len = lo_string_length(name);
    /* Keywords are symbols named ":TEST" until packages come
     * (sequences.h, lo_keyword_is): the colon only when escaping. */
    if (len > 1 && s[0] == ':') {
        if (p->escape)
            put(p, ":");
        s++;
        len--;
    }
    if (p->escape && needs_bars(s, len, p->base))
        print_barred(p, s, len);
    else
        print_cased(p, s, len);
}

/* ---- strings and characters ---- */

static void print_string(struct printer *p, lo_value s)
{
    if (p->escape)
        put(p, "\"");
    for (uint64_t i = 0; i < lo_string_length(s); i++) {
        uint32_t c = lo_string_ref(s, i);
        if (p->escape && (c == '"' || c == '\\'))
            put(p, "\\");
        put_char(p, c);
    }
    if (p->escape)
        put(p, "\"");
}

static void print_character(struct printer *p, uint32_t c)
{
    if (!p->escape) {
        put_char(p, c);
        return;
    }
    put(p, "#\\");
    /* Graphic characters, space included, print as themselves (as SBCL
     * does); the controls by their names (Newline, Soh...). */
    if (c < 32 || (c >= 127 && c < 160))
        put(p, lo_char_name(c));
    else
        put_char(p, c);
}

/* ---- lists and vectors ----
 * Nested deeper than *PRINT-LEVEL*, a list or vector prints as #; past
 * *PRINT-LENGTH* elements, the rest as "...". */

static bool too_deep(struct printer *p, int depth)
{
    if (p->level < 0 || depth < p->level)
        return false;
    put(p, "#");
    return true;
}

static bool too_long(struct printer *p, uint64_t count)
{
    if (p->length < 0 || count < (uint64_t)p->length)
        return false;
    put(p, "...");
    return true;
}

static void print_list(struct printer *p, lo_value v, int depth)
{
    if (too_deep(p, depth))
        return;
    put(p, "(");
    uint64_t count = 0;
    while (lo_consp(v)) {
        if (count)
            put(p, " ");
        if (too_long(p, count++)) {
            put(p, ")");
            return;
        }
        print(p, lo_car_raw(v), depth + 1);
        v = lo_cdr_raw(v);
    }
    if (!lo_null(p->L, v)) {
        put(p, " . ");
        print(p, v, depth + 1);
    }
    put(p, ")");
}

/* Vectors and byte vectors print as #(1 2 3), as SBCL prints them; one
 * without the read access bit shows no elements. */
static void print_vector(struct printer *p, lo_value v, int depth)
{
    if (!(lo_access_bits(v) & LO_ACCESS_READ)) {
        put(p, "#<VECTOR, not readable>");
        return;
    }
    if (too_deep(p, depth))
        return;
    put(p, "#(");
    for (uint64_t i = 0; i < lo_any_vector_length(v); i++) {
        if (i)
            put(p, " ");
        if (too_long(p, i))
            break;
        print(p, lo_any_vector_ref(v, i), depth + 1);
    }
    put(p, ")");
}

/* ---- unreadable objects: #<...> ---- */

/* A symbol as PRINC writes it, inside #<...> */
static void print_plain_symbol(struct printer *p, lo_value sym)
{
    struct printer plain = *p;
    plain.escape = false;
    print_symbol(&plain, sym);
}

static void print_named(struct printer *p, const char *kind, lo_value name)
{
    put(p, "#<");
    put(p, kind);
    if (lo_null(p->L, name)) {
        put(p, " (LAMBDA)");
    } else if (lo_symbolp(name)) {
        put(p, " ");
        print_plain_symbol(p, name);
    }
    put(p, ">");
}

static void print_hash_table(struct printer *p, lo_value v)
{
    char buf[64];
    put(p, "#<HASH-TABLE :TEST ");      /* SBCL's form, without the address */
    print_plain_symbol(p, lo_ptr(v)[HT_TEST]);
    lo_snprintf(buf, sizeof buf, " :COUNT %lld>",
                (long long)lo_fixnum_value(lo_ptr(v)[HT_COUNT]));
    put(p, buf);
}

static void print_object(struct printer *p, lo_value v, int depth)
{
    char buf[64];
    switch (lo_type_of_object(v)) {
    case LO_T_SYMBOL:
        print_symbol(p, v);
        break;
    case LO_T_STRING:
        print_string(p, v);
        break;
    case LO_T_VECTOR:
    case LO_T_BYTES:
        print_vector(p, v, depth);
        break;
    case LO_T_FUNCTION:
        print_named(p, "FUNCTION", lo_ptr(lo_ptr(v)[FN_CODE])[CODE_NAME]);
        break;
    case LO_T_PRIMITIVE:
        print_named(p, "FUNCTION", lo_ptr(v)[PRIM_NAME]);
        break;
    case LO_T_HASH_TABLE:
        print_hash_table(p, v);
        break;
    case LO_T_STREAM:
        put(p, lo_stream_kind(v) == LO_STREAM_STRING
               ? "#<STRING-OUTPUT-STREAM>" : "#<STANDARD-OUTPUT-STREAM>");
        break;
    default:
        lo_snprintf(buf, sizeof buf, "#<OBJECT type %d>",
                    (int)lo_type_of_object(v));
        put(p, buf);
    }
}

static void print(struct printer *p, lo_value v, int depth)
{
    if (depth > MAX_PRINT_DEPTH)
        put(p, "...");
    else if (lo_fixnump(v))
        print_fixnum(p, lo_fixnum_value(v));
    else if (lo_consp(v))
        print_list(p, v, depth);
    else if (lo_charp(v))
        print_character(p, lo_char_code(v));
    else if (v == LO_UNBOUND)
        put(p, "#<UNBOUND>");
    else if (lo_objectp(v))
        print_object(p, v, depth);
    else
        put(p, "#<?>");
}

void lo_print(lo_lisp *L, lo_value v, int escape, struct lo_text *out)
{
    struct printer p = { .L = L, .out = out };
    read_settings(&p, escape);
    print(&p, v, 0);
}

void lo_prin1(lo_lisp *L, lo_value v, struct lo_text *out)
{
    lo_print(L, v, 1, out);
}
