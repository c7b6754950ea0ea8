/*
 * format.c -- FORMAT.
 *
 * (format destination control &rest args): destination nil returns a
 * fresh string, t writes to *STANDARD-OUTPUT*, a stream writes to it.
 * The control string is interpreted directly, directive by directive:
 *
 *   ~A ~S        objects (mincol,colinc,minpad,padchar; ~:A prints nil
 *                as (), ~@A pads on the left)
 *   ~D ~B ~O ~X  integers (mincol,padchar,commachar,comma-interval; ~@
 *   ~nR          a sign always, ~: commas); a non-integer prints as ~A
 *   ~R           English words (~:R ordinals), Roman numerals (~@R, ~:@R
 *                old style), numerals.c
 *   ~F           fixed-format floats (fixed.c), integers as SBCL's
 *                single-floats
 *   ~C ~P        characters (~:C names, ~@C as #\x), plurals
 *   ~% ~& ~| ~~  newlines, fresh-line, pages, tildes (a count each)
 *   ~T           tabulation by the stream's column
 *   ~newline     skips the newline and the indentation after it
 *   ~*           skips arguments (~:* backs up, ~n@* goes to the n-th)
 *   ~[ ~; ~]     selection by number (~:; a default), ~:[ false;true,
 *                ~@[ only when true
 *   ~{ ~}        iteration over a list (~:{ sublists, ~@{ the remaining
 *                arguments, ~:} at least once)
 *   ~( ~)        case conversion (~:( capitalize, ~@( the first word,
 *                ~:@( upper case)
 *   ~^           leaves the enclosing ~{ or the whole control string
 *   ~? ~@?       a control string from the arguments, on a list of
 *                arguments or on the remaining ones
 *
 * A bad control string -- an unknown directive, an unmatched bracket, a
 * missing argument -- is a FORMAT-ERROR naming the index where it was
 * found; never a crash, and an iteration that would never end is an
 * error too.  As in SBCL, the string's syntax (each directive read once)
 * is checked before any output, the rest as the directives run.  FORMAT never calls back into Lisp (no ~/ and no
 * PRINT-OBJECT yet), so it needs no roots: the control string's
 * characters stay where they are while it runs.
 */
#include <string.h>

#include "lisp/fixed.h"
#include "lisp/numerals.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

enum { MAX_PARAMS = 8, MAX_CLAUSES = 256, MAX_NESTING = 64 };

struct control {                    /* the control string interpreted */
    lo_lisp *L;
    const uint32_t *s;
    uint64_t len;
};

struct args {                       /* the arguments directives take */
    lo_value all, rest;
    struct args *outer;             /* ~:{'s list of sublists, for ~:^ */
};

struct directive {
    uint64_t at, end;               /* the index of ~, and just past it */
    uint32_t c;                     /* the directive character, upcased */
    bool colon, atsign;
    int nparams;
    lo_value param[MAX_PARAMS];     /* LO_UNBOUND when left out */
};

struct clauses {                    /* what ~[ ... ~] holds */
    int n;
    uint64_t start[MAX_CLAUSES], end[MAX_CLAUSES];
    bool last_is_default;           /* the last separator was ~:; */
};

/* How a run of directives ended: normally, or by ~^ or ~:^. */
enum outcome { GO_ON, UP, UP_ALL };

static enum outcome run(const struct control *f, uint64_t from, uint64_t to,
                        struct args *a, lo_value out, int depth);

static _Noreturn void fail(const struct control *f, uint64_t at,
                           const char *why)
{
    lo_error(f->L, "FORMAT-ERROR", "%s (at index %llu of the control "
             "string)", why, (unsigned long long)at);
}

/* ---- arguments ---- */

static lo_value next_arg(const struct control *f, struct args *a,
                         uint64_t at)
{
    if (!lo_consp(a->rest))
        fail(f, at, "no more arguments");
    lo_value v = lo_car_raw(a->rest);
    a->rest = lo_cdr_raw(a->rest);
    return v;
}

static uint64_t count(lo_value list)
{
    uint64_t n = 0;
    for (; lo_consp(list); list = lo_cdr_raw(list))
        n++;
    return n;
}

static lo_value nthcdr(lo_value list, uint64_t n)
{
    while (n-- && lo_consp(list))
        list = lo_cdr_raw(list);
    return list;
}

/* A list argument of ~{ or ~:{, checked to be a proper list (a
 * TYPE-ERROR about what ends a dotted one, as SBCL's). */
static lo_value list_arg(const struct control *f, lo_value v)
{
    lo_list_length_arg(f->L, v);
    return v;
}

/* ---- parsing directives ---- */

static bool digitp(uint32_t c) { return c >= '0' && c <= '9'; }

/* Whether c is one of the ASCII characters of set. */
static bool one_of(uint32_t c, const char *set)
{
    return c && c < 128 && strchr(set, (int)c);
}

static lo_value parse_integer(const struct control *f, uint64_t *i)
{
    const uint32_t *s = f->s;
    uint64_t at = *i;
    bool neg = s[*i] == '-';
    if (s[*i] == '+' || s[*i] == '-')
        (*i)++;
    int64_t v = 0;
    for (; *i < f->len && digitp(s[*i]); (*i)++) {
        v = v * 10 + (s[*i] - '0');
        if (v > (int64_t)1 << 40)
            fail(f, at, "a parameter is too large");
    }
    return lo_fixnum(neg ? -v : v);
}

/* One parameter at *i: an integer, 'c, V (the next argument; nil counts
 * as left out) or # (how many arguments remain).  False when there is
 * none.  Without args (only scanning for brackets) V and # read nothing. */
static bool parse_param(const struct control *f, uint64_t *i,
                        struct args *a, lo_value *out)
{
    const uint32_t *s = f->s;
    uint64_t len = f->len;
    *out = LO_UNBOUND;
    if (*i >= len)
        return false;
    uint32_t c = s[*i];
    if (digitp(c) || ((c == '+' || c == '-') && *i + 1 < len &&
                      digitp(s[*i + 1]))) {
        *out = parse_integer(f, i);
    } else if (c == '\'') {
        if (*i + 1 >= len)
            fail(f, *i, "the control string ends after a quote");
        *out = lo_char(s[*i + 1]);
        *i += 2;
    } else if (c == 'v' || c == 'V') {
        (*i)++;
        if (a) {
            lo_value v = next_arg(f, a, *i - 1);
            *out = lo_null(f->L, v) ? LO_UNBOUND : v;
        }
    } else if (c == '#') {
        (*i)++;
        if (a)
            *out = lo_fixnum((int64_t)count(a->rest));
    } else {
        return false;
    }
    return true;
}

static void parse_directive(const struct control *f, uint64_t at,
                            struct args *a, struct directive *d)
{
    const uint32_t *s = f->s;
    uint64_t i = at + 1;
    d->at = at;
    d->nparams = 0;
    d->colon = d->atsign = false;
    for (;;) {
        lo_value p;
        bool given = parse_param(f, &i, a, &p);
        bool comma = i < f->len && s[i] == ',';
        if (!given && !comma)
            break;
        if (d->nparams < MAX_PARAMS)    /* more: check() refuses them */
            d->param[d->nparams] = p;
        d->nparams++;
        if (!comma)
            break;
        i++;
    }
    while (i < f->len && (s[i] == ':' || s[i] == '@')) {
        bool *flag = s[i] == ':' ? &d->colon : &d->atsign;
        if (*flag)
            fail(f, i, "a modifier given twice");
        *flag = true;
        i++;
    }
    if (i >= f->len)
        fail(f, at, "the control string ends inside a directive");
    d->c = s[i] >= 'a' && s[i] <= 'z' ? s[i] - 32 : s[i];
    d->end = i + 1;
    if (d->c == '/') {                  /* ~/name/ runs to the next slash */
        while (d->end < f->len && s[d->end] != '/')
            d->end++;
        if (d->end == f->len)
            fail(f, at, "~/ without the closing /");
        d->end++;
    }
}

/* What a directive allows: how many parameters, which modifiers. */
static void check(const struct control *f, const struct directive *d,
                  int max_params, bool colon_ok, bool atsign_ok)
{
    if (d->nparams > max_params)
        fail(f, d->at, "too many parameters for this directive");
    if ((d->colon && !colon_ok) || (d->atsign && !atsign_ok))
        fail(f, d->at, "a modifier this directive does not take");
}

static bool param_given(const struct directive *d, int i)
{
    return i < d->nparams && i < MAX_PARAMS && d->param[i] != LO_UNBOUND;
}

static int64_t int_param(const struct control *f, const struct directive *d,
                         int i, int64_t dflt)
{
    if (!param_given(d, i))
        return dflt;
    if (!lo_fixnump(d->param[i]))
        fail(f, d->at, "a parameter must be an integer");
    return lo_fixnum_value(d->param[i]);
}

static uint32_t char_param(const struct control *f,
                           const struct directive *d, int i, uint32_t dflt)
{
    if (!param_given(d, i))
        return dflt;
    if (!lo_charp(d->param[i]))
        fail(f, d->at, "a parameter must be a character");
    return lo_char_code(d->param[i]);
}

/* Read every directive of the control string once, before any output,
 * as SBCL does: a string that ends inside a directive or repeats a
 * modifier is an error even where it would never run. */
static void check_syntax(const struct control *f)
{
    for (uint64_t i = 0; i < f->len;) {
        if (f->s[i] != '~') {
            i++;
            continue;
        }
        struct directive d;
        parse_directive(f, i, NULL, &d);
        i = d.end;
    }
}

/* A control string taken from the arguments (~{~} and ~?). */
static struct control control_arg(const struct control *f, lo_value s,
                                  uint64_t at)
{
    if (!lo_typep(s, LO_T_STRING))
        fail(f, at, "the argument is not a control string");
    lo_check_access(f->L, s, LO_ACCESS_READ, "FORMAT");
    struct control c = { f->L, lo_string_chars(s), lo_string_length(s) };
    check_syntax(&c);
    return c;
}

/* ---- brackets: ~[ ~{ ~( ~< and their closing directives ---- */

static uint32_t closer_of(uint32_t open)
{
    return open == '[' ? ']' : open == '{' ? '}' : open == '(' ? ')' : '>';
}

/*
 * The directive closing the bracket opened at index open_at (whose text
 * goes on at from): *close gets it.  Brackets inside are skipped whole;
 * for ~[ the clauses between ~; separators go into cl.  Only the
 * brackets on the way are checked: like SBCL, FORMAT finds the rest of a
 * control string's mistakes when it gets to them.
 */
static void find_close(const struct control *f, uint64_t open_at,
                       uint64_t from, uint32_t closer, struct clauses *cl,
                       struct directive *close, int depth)
{
    if (depth > MAX_NESTING)
        fail(f, open_at, "directives nested too deeply");
    uint64_t i = from, start = from;
    bool after_default = false;         /* a ~:; was seen */
    if (cl) {
        cl->n = 0;
        cl->last_is_default = false;
    }
    for (;;) {
        while (i < f->len && f->s[i] != '~')
            i++;
        if (i >= f->len)
            fail(f, open_at, "no directive closes this bracket");
        struct directive d;
        parse_directive(f, i, NULL, &d);
        if (one_of(d.c, "[{(<")) {
            struct directive inner;
            find_close(f, i, d.end, closer_of(d.c), NULL, &inner, depth + 1);
            i = inner.end;
            continue;
        }
        bool separator = d.c == ';' && closer == ']';
        if (cl && (d.c == closer || separator)) {
            if (cl->n == MAX_CLAUSES)
                fail(f, i, "too many clauses");
            if (after_default && separator)
                fail(f, i, "~:; must come before the last clause");
            cl->start[cl->n] = start;
            cl->end[cl->n++] = i;
            if (separator)
                cl->last_is_default = after_default = d.colon;
        }
        if (d.c == closer) {
            *close = d;
            return;
        }
        /* Other closers and ~; are passed over, as SBCL does: they are
         * errors only if their clause runs. */
        i = d.end;
        if (separator)
            start = i;
    }
}

/* ---- output helpers ---- */

static void put_chars(lo_lisp *L, lo_value out, const uint32_t *s,
                      uint64_t n)
{
    lo_stream_write_chars(L, out, s, n);
}

static void repeat(lo_lisp *L, lo_value out, uint32_t c, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        lo_stream_write_char(L, out, c);
}

static void put_ascii(lo_lisp *L, lo_value out, const char *s)
{
    while (*s)
        lo_stream_write_char(L, out, (uint32_t)(unsigned char)*s++);
}

/* SBCL's FORMAT-WRITE-FIELD: text padded to at least mincol columns,
 * minpad padding at least, more in steps of colinc. */
static void write_field(const struct control *f, const struct directive *d,
                        lo_value out, lo_value text, int64_t mincol,
                        int64_t colinc, int64_t minpad, uint32_t padchar,
                        bool padleft)
{
    lo_lisp *L = f->L;
    if (colinc < 1)
        fail(f, d->at, "colinc must be a positive integer");
    if (minpad < 0)
        minpad = 0;
    uint64_t len = lo_string_length(text);
    int64_t pad = minpad;
    while ((int64_t)len + pad < mincol)
        pad += colinc;
    if (!padleft)
        put_chars(L, out, lo_string_chars(text), len);
    repeat(L, out, padchar, pad);
    if (padleft)
        put_chars(L, out, lo_string_chars(text), len);
}

/* ---- ~A ~S ---- */

static void do_object(const struct control *f, const struct directive *d,
                      struct args *a, lo_value out, int escape)
{
    lo_lisp *L = f->L;
    check(f, d, 4, true, true);
    lo_value v = next_arg(f, a, d->at);
    if (d->nparams == 0) {
        if (d->colon && lo_null(L, v))
            put_ascii(L, out, "()");
        else
            lo_print_to_stream(L, v, escape, out);
        return;
    }
    lo_value text = d->colon && lo_null(L, v)
        ? lo_make_string(L, "()", 2) : lo_print_to_string(L, v, escape);
    write_field(f, d, out, text, int_param(f, d, 0, 0), int_param(f, d, 1, 1),
                int_param(f, d, 2, 0), char_param(f, d, 3, ' '), d->atsign);
}

/* ---- ~D ~B ~O ~X ~R ---- */

static bool integerp(lo_value v)
{
    return lo_fixnump(v) || lo_typep(v, LO_T_BIGNUM);
}

/* v as PRINC writes it in radix (no radix marks). */
static lo_value in_radix(lo_lisp *L, lo_value v, unsigned radix)
{
    uint32_t depth = L->nbindings;
    lo_bind_named(L, "*PRINT-BASE*", lo_fixnum(radix));
    lo_bind_named(L, "*PRINT-RADIX*", L->nil);
    lo_value s = lo_print_to_string(L, v, 0);
    lo_unbind_to(L, depth);
    return s;
}

/* The integer directives' parameters start at first (~nR has the radix
 * before them). */
static void do_integer(const struct control *f, const struct directive *d,
                       struct args *a, lo_value out, unsigned radix,
                       int first)
{
    lo_lisp *L = f->L;
    check(f, d, first + 4, true, true);
    int64_t mincol = int_param(f, d, first, 0);
    uint32_t padchar = char_param(f, d, first + 1, ' ');
    uint32_t comma = char_param(f, d, first + 2, ',');
    int64_t interval = int_param(f, d, first + 3, 3);
    if (interval < 1)
        fail(f, d->at, "the comma interval must be a positive integer");
    lo_value v = next_arg(f, a, d->at);
    lo_value text = in_radix(L, v, radix);
    const uint32_t *s = lo_string_chars(text);
    uint64_t len = lo_string_length(text);
    if (!integerp(v)) {                 /* as SBCL: ~A, without padding */
        put_chars(L, out, s, len);
        return;
    }
    bool neg = s[0] == '-';
    s += neg;
    len -= neg;
    uint64_t commas = d->colon ? (len - 1) / (uint64_t)interval : 0;
    int64_t width = (int64_t)(len + commas) + (neg || d->atsign);
    repeat(L, out, padchar, mincol - width);
    if (neg || d->atsign)
        lo_stream_write_char(L, out, neg ? '-' : '+');
    for (uint64_t i = 0; i < len; i++) {
        if (d->colon && i > 0 && (len - i) % (uint64_t)interval == 0)
            lo_stream_write_char(L, out, comma);
        lo_stream_write_char(L, out, s[i]);
    }
}

/* ~R ~:R ~@R ~:@R: English words and Roman numerals. */
static void do_words(const struct control *f, const struct directive *d,
                     struct args *a, lo_value out)
{
    lo_lisp *L = f->L;
    lo_value v = next_arg(f, a, d->at);
    if (!lo_fixnump(v))
        fail(f, d->at, "the argument of ~R is not an integer (of fixnum "
             "size)");
    int64_t n = lo_fixnum_value(v);
    if (d->atsign) {
        if (!lo_write_roman(L, out, n, d->colon))
            fail(f, d->at, "the number is out of the range of Roman "
                 "numerals");
    } else if (d->colon) {
        lo_write_ordinal(L, out, n);
    } else {
        lo_write_cardinal(L, out, n);
    }
}

static void do_radix(const struct control *f, const struct directive *d,
                     struct args *a, lo_value out)
{
    if (d->nparams == 0) {
        do_words(f, d, a, out);
        return;
    }
    int64_t radix = int_param(f, d, 0, 10);
    if (radix < 2 || radix > 36)
        fail(f, d->at, "the radix of ~R must be between 2 and 36");
    do_integer(f, d, a, out, (unsigned)radix, 1);
}

/* ---- ~F ---- */

static void do_fixed(const struct control *f, const struct directive *d,
                     struct args *a, lo_value out)
{
    lo_lisp *L = f->L;
    check(f, d, 5, false, true);
    struct lo_fixed_params p = {
        .w = int_param(f, d, 0, -1), .d = int_param(f, d, 1, -1),
        .k = int_param(f, d, 2, 0), .overflow = char_param(f, d, 3, 0),
        .pad = char_param(f, d, 4, ' '), .atsign = d->atsign,
    };
    if (p.w < -1 || p.d < -1)
        fail(f, d->at, "~F's width and digits must not be negative");
    lo_value v = next_arg(f, a, d->at);
    if (lo_fixnump(v)) {
        lo_format_fixed(L, out, (double)(float)lo_fixnum_value(v), true, &p);
    } else if (lo_typep(v, LO_T_DOUBLE)) {
        double x;
        memcpy(&x, lo_ptr(v) + 1, sizeof x);
        lo_format_fixed(L, out, x, false, &p);
    } else {                            /* SBCL: ~wA, on the right */
        lo_value text = in_radix(L, v, 10);
        write_field(f, d, out, text, p.w < 0 ? 0 : p.w, 1, 0, p.pad, false);
    }
}

/* ---- ~C ~P ---- */

static void do_character(const struct control *f, const struct directive *d,
                         struct args *a, lo_value out)
{
    lo_lisp *L = f->L;
    check(f, d, 0, true, true);
    lo_value v = next_arg(f, a, d->at);
    if (!lo_charp(v))
        fail(f, d->at, "the argument of ~C is not a character");
    uint32_t c = lo_char_code(v);
    if (d->colon) {                     /* names for the non-graphic ones */
        bool graphic = (c > 31 && c < 127) || c > 159;
        const char *name = c == ' ' ? "Space" : graphic ? NULL
                                              : lo_char_name(c);
        if (name)
            put_ascii(L, out, name);
        else
            lo_stream_write_char(L, out, c);
    } else if (d->atsign) {
        lo_print_to_stream(L, v, 1, out);
    } else {
        lo_stream_write_char(L, out, c);
    }
}

static void back_up(const struct control *f, struct args *a, uint64_t n,
                    uint64_t at)
{
    uint64_t used = count(a->all) - count(a->rest);
    if (n > used)
        fail(f, at, "cannot back up past the first argument");
    a->rest = nthcdr(a->all, used - n);
}

static void do_plural(const struct control *f, const struct directive *d,
                      struct args *a, lo_value out)
{
    lo_lisp *L = f->L;
    check(f, d, 0, true, true);
    if (d->colon)
        back_up(f, a, 1, d->at);
    bool one = lo_eql(next_arg(f, a, d->at), lo_fixnum(1));
    if (d->atsign)
        put_ascii(L, out, one ? "y" : "ies");
    else if (!one)
        lo_stream_write_char(L, out, 's');
}

/* ---- ~% ~& ~| ~~ ~T ~newline ---- */

static void do_repeat(const struct control *f, const struct directive *d,
                      lo_value out, uint32_t c)
{
    check(f, d, 1, false, false);
    repeat(f->L, out, c, int_param(f, d, 0, 1));
}

static void do_fresh_line(const struct control *f, const struct directive *d,
                          lo_value out)
{
    check(f, d, 1, false, false);
    int64_t n = int_param(f, d, 0, 1);
    if (n <= 0)
        return;
    if (lo_stream_column(f->L, out) != 0)
        lo_stream_write_char(f->L, out, '\n');
    repeat(f->L, out, '\n', n - 1);
}

static void do_tab(const struct control *f, const struct directive *d,
                   lo_value out)
{
    check(f, d, 2, false, true);
    int64_t n = int_param(f, d, 0, 1), inc = int_param(f, d, 1, 1);
    int64_t cur = (int64_t)lo_stream_column(f->L, out), spaces;
    if (d->atsign)                      /* relative: n more, then to inc */
        spaces = inc > 0 ? ((cur + n + inc - 1) / inc) * inc - cur : n;
    else if (cur < n)
        spaces = n - cur;
    else
        spaces = inc > 0 ? inc - (cur - n) % inc : 0;
    repeat(f->L, out, ' ', spaces);
}

/* ~ at the end of a line: the newline and the blanks after it go (~:
 * keeps the blanks, ~@ the newline).  Returns where to go on. */
static uint64_t do_newline(const struct control *f, const struct directive *d,
                           lo_value out)
{
    check(f, d, 0, true, true);
    if (d->colon && d->atsign)
        fail(f, d->at, "~:@ at the end of a line");
    if (d->atsign)
        lo_stream_write_char(f->L, out, '\n');
    uint64_t i = d->end;
    if (!d->colon)
        while (i < f->len && (f->s[i] == ' ' || f->s[i] == '\t'))
            i++;
    return i;
}

/* ---- ~* ---- */

static void do_goto(const struct control *f, const struct directive *d,
                    struct args *a)
{
    check(f, d, 1, true, true);
    if (d->colon && d->atsign)
        fail(f, d->at, "~:@* is not a directive");
    int64_t n = int_param(f, d, 0, d->atsign ? 0 : 1);
    if (n < 0)
        fail(f, d->at, "~* needs a count that is not negative");
    if (d->atsign) {
        if ((uint64_t)n > count(a->all))
            fail(f, d->at, "~@* goes past the last argument");
        a->rest = nthcdr(a->all, (uint64_t)n);
    } else if (d->colon) {
        back_up(f, a, (uint64_t)n, d->at);
    } else {
        for (int64_t i = 0; i < n; i++)
            next_arg(f, a, d->at);
    }
}

/* ---- ~^ ---- */

static enum outcome do_escape(const struct control *f,
                              const struct directive *d, struct args *a)
{
    check(f, d, 3, true, false);
    bool stop;
    int64_t p0 = int_param(f, d, 0, 0), p1 = int_param(f, d, 1, 0),
            p2 = int_param(f, d, 2, 0);
    int given = 0;
    while (given < d->nparams && param_given(d, given))
        given++;
    if (given == 3)
        stop = p0 <= p1 && p1 <= p2;
    else if (given == 2)
        stop = p0 == p1;
    else if (given == 1)
        stop = p0 == 0;
    else if (d->colon) {
        if (!a->outer)
            fail(f, d->at, "~:^ outside ~:{ ... ~}");
        stop = !lo_consp(a->outer->rest);
    } else {
        stop = !lo_consp(a->rest);
    }
    return !stop ? GO_ON : d->colon ? UP_ALL : UP;
}

/* ---- ~[ ~; ~] ---- */

static enum outcome do_select(const struct control *f,
                              const struct directive *d, struct args *a,
                              lo_value out, int depth, uint64_t *next)
{
    lo_lisp *L = f->L;
    struct clauses cl;
    struct directive close;
    check(f, d, 1, true, true);
    find_close(f, d->at, d->end, ']', &cl, &close, depth + 1);
    *next = close.end;
    int chosen = -1;
    if (d->colon && d->atsign) {
        fail(f, d->at, "~:@[ is not a directive");
    } else if (d->colon) {
        if (cl.n != 2)
            fail(f, d->at, "~:[ needs exactly two clauses");
        chosen = lo_null(L, next_arg(f, a, d->at)) ? 0 : 1;
    } else if (d->atsign) {
        if (cl.n != 1)
            fail(f, d->at, "~@[ needs exactly one clause");
        if (!lo_consp(a->rest))
            fail(f, d->at, "no more arguments");
        if (lo_null(L, lo_car_raw(a->rest)))
            a->rest = lo_cdr_raw(a->rest);   /* false: used up, skipped */
        else
            chosen = 0;                      /* true: left for the clause */
    } else {
        lo_value v = param_given(d, 0) ? d->param[0]
                                       : next_arg(f, a, d->at);
        if (!lo_fixnump(v))
            fail(f, d->at, "the argument of ~[ must be an integer");
        int64_t k = lo_fixnum_value(v);
        int plain = cl.last_is_default ? cl.n - 1 : cl.n;
        chosen = k >= 0 && k < plain ? (int)k
               : cl.last_is_default ? cl.n - 1 : -1;
    }
    if (chosen < 0)
        return GO_ON;
    return run(f, cl.start[chosen], cl.end[chosen], a, out, depth + 1);
}

/* ---- ~{ ~} ---- */

/* The body runs once per element of args (~{ and ~@{). */
static void iterate(const struct control *body, uint64_t from, uint64_t to,
                    struct args *args, int64_t max, bool at_least_once,
                    lo_value out, int depth, uint64_t at)
{
    for (int64_t done = 0; max < 0 || done < max; done++) {
        if (!lo_consp(args->rest) && !(at_least_once && done == 0))
            return;
        lo_value before = args->rest;
        if (run(body, from, to, args, out, depth) != GO_ON)
            return;
        if (max < 0 && lo_eq(before, args->rest) && lo_consp(args->rest))
            fail(body, at, "~{ would repeat forever: its body uses no "
                 "arguments");
    }
}

/* The body runs once per sublist of lists->rest (~:{ and ~:@{). */
static void iterate_sublists(const struct control *f,
                             const struct control *body, uint64_t from,
                             uint64_t to, struct args *lists, int64_t max,
                             bool at_least_once, lo_value out, int depth,
                             uint64_t at)
{
    for (int64_t done = 0; max < 0 || done < max; done++) {
        if (!lo_consp(lists->rest) && !(at_least_once && done == 0))
            return;
        lo_value sub = next_arg(f, lists, at);  /* a list if it is used */
        struct args args = { sub, sub, lists };
        if (run(body, from, to, &args, out, depth) == UP_ALL)
            return;
    }
}

static uint64_t do_iterate(const struct control *f,
                           const struct directive *d, struct args *a,
                           lo_value out, int depth)
{
    struct directive close;
    check(f, d, 1, true, true);
    find_close(f, d->at, d->end, '}', NULL, &close, depth + 1);
    int64_t max = int_param(f, d, 0, -1);
    bool once = close.colon;
    /* The body, or, when it is empty, a control string argument (checked
     * only if the body runs, as in SBCL). */
    struct control body = *f;
    uint64_t from = d->end, to = close.at;
    lo_value string = from == to ? next_arg(f, a, d->at) : LO_UNBOUND;
    /* What it iterates over: a list argument, or the remaining ones. */
    struct args list = *a;
    if (!d->atsign) {
        lo_value l = list_arg(f, next_arg(f, a, d->at));
        list = (struct args){ l, l, NULL };
    }
    if (max == 0 || (!lo_consp(list.rest) && !once))
        return close.end;
    if (string != LO_UNBOUND) {
        body = control_arg(f, string, d->at);
        from = 0;
        to = body.len;
    }
    if (d->colon)
        iterate_sublists(f, &body, from, to, &list, max, once, out,
                         depth + 1, d->at);
    else
        iterate(&body, from, to, &list, max, once, out, depth + 1, d->at);
    if (d->atsign)
        a->rest = list.rest;
    return close.end;
}

/* ---- ~? ~@? ---- */

/* ~? runs a control string argument on a list argument; ~@? on the
 * arguments that remain here (using them up as it goes). */
static enum outcome do_indirect(const struct control *f,
                                const struct directive *d, struct args *a,
                                lo_value out, int depth)
{
    check(f, d, 0, false, true);
    struct control c = control_arg(f, next_arg(f, a, d->at), d->at);
    if (d->atsign) {
        enum outcome o = run(&c, 0, c.len, a, out, depth + 1);
        return o == UP_ALL ? UP_ALL : GO_ON;
    }
    lo_value l = next_arg(f, a, d->at);    /* a list if it is used */
    struct args args = { l, l, NULL };
    run(&c, 0, c.len, &args, out, depth + 1);
    return GO_ON;
}

/* ---- ~( ~) ---- */

enum case_mode { DOWN, CAPITALIZE_WORDS, CAPITALIZE_FIRST, UP_CASE };

static void convert_case(uint32_t *s, uint64_t n, enum case_mode mode)
{
    bool in_word = false, first_done = false;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t c = s[i];
        bool alnum = lo_char_alphanumeric_p(c);
        if (mode == UP_CASE)
            c = lo_char_upcase(c);
        else if (mode == CAPITALIZE_WORDS && alnum && !in_word)
            c = lo_char_upcase(c);
        else if (mode == CAPITALIZE_FIRST && alnum && !first_done)
            c = lo_char_upcase(c);
        else
            c = lo_char_downcase(c);
        if (alnum)
            first_done = true;
        in_word = alnum;
        s[i] = c;
    }
}

static enum outcome do_case(const struct control *f,
                            const struct directive *d, struct args *a,
                            lo_value out, int depth, uint64_t *next)
{
    lo_lisp *L = f->L;
    struct directive close;
    check(f, d, 0, true, true);
    find_close(f, d->at, d->end, ')', NULL, &close, depth + 1);
    *next = close.end;
    /* The text goes through a string stream that starts at out's
     * column (so ~& inside knows where it is). */
    lo_value tmp = lo_make_string_stream(L);
    lo_ptr(tmp)[STREAM_COLUMN] = lo_fixnum((int64_t)lo_stream_column(L, out));
    enum outcome o = run(f, d->end, close.at, a, tmp, depth + 1);
    lo_value text = lo_stream_take_string(L, tmp);
    enum case_mode mode = d->colon && d->atsign ? UP_CASE
                        : d->colon ? CAPITALIZE_WORDS
                        : d->atsign ? CAPITALIZE_FIRST : DOWN;
    convert_case(lo_string_chars(text), lo_string_length(text), mode);
    put_chars(L, out, lo_string_chars(text), lo_string_length(text));
    return o;
}

/* ---- the interpreter ---- */

/* Carry out the directive d; *next is where the text goes on. */
static enum outcome directive(const struct control *f,
                              const struct directive *d, struct args *a,
                              lo_value out, int depth, uint64_t *next)
{
    *next = d->end;
    switch (d->c) {
    case 'A': do_object(f, d, a, out, 0); break;
    case 'S': do_object(f, d, a, out, 1); break;
    case 'D': do_integer(f, d, a, out, 10, 0); break;
    case 'B': do_integer(f, d, a, out, 2, 0); break;
    case 'O': do_integer(f, d, a, out, 8, 0); break;
    case 'X': do_integer(f, d, a, out, 16, 0); break;
    case 'R': do_radix(f, d, a, out); break;
    case 'F': do_fixed(f, d, a, out); break;
    case 'C': do_character(f, d, a, out); break;
    case 'P': do_plural(f, d, a, out); break;
    case '%': do_repeat(f, d, out, '\n'); break;
    case '|': do_repeat(f, d, out, '\f'); break;
    case '~': do_repeat(f, d, out, '~'); break;
    case '&': do_fresh_line(f, d, out); break;
    case 'T': do_tab(f, d, out); break;
    case '\n': *next = do_newline(f, d, out); break;
    case '*': do_goto(f, d, a); break;
    case '^': return do_escape(f, d, a);
    case '[': return do_select(f, d, a, out, depth, next);
    case '{': *next = do_iterate(f, d, a, out, depth); break;
    case '(': return do_case(f, d, a, out, depth, next);
    case '?': return do_indirect(f, d, a, out, depth);
    case ']': case '}': case ')': case '>':
        fail(f, d->at, "a closing directive without its opening");
    case ';':
        fail(f, d->at, "~; outside ~[ ... ~]");
    default:
        fail(f, d->at, "unknown or unimplemented directive");
    }
    return GO_ON;
}

static enum outcome run(const struct control *f, uint64_t from, uint64_t to,
                        struct args *a, lo_value out, int depth)
{
    if (depth > MAX_NESTING)
        fail(f, from, "directives nested too deeply");
    uint64_t i = from;
    while (i < to) {
        uint64_t j = i;
        while (j < to && f->s[j] != '~')
            j++;
        if (j > i)
            put_chars(f->L, out, f->s + i, j - i);
        if (j >= to)
            break;
        struct directive d;
        parse_directive(f, j, a, &d);
        enum outcome o = directive(f, &d, a, out, depth, &i);
        if (o != GO_ON)
            return o;
    }
    return GO_ON;
}

void lo_format(lo_lisp *L, lo_value out, lo_value control, lo_value args)
{
    if (!lo_typep(control, LO_T_STRING))
        lo_arg_error_op(L, "FORMAT", control, "STRING");
    lo_check_access(L, control, LO_ACCESS_READ, "FORMAT");
    struct control f = { L, lo_string_chars(control),
                         lo_string_length(control) };
    check_syntax(&f);
    struct args a = { args, args, NULL };
    run(&f, 0, f.len, &a, out, 0);
}

/* ---- the primitives ---- */

static lo_value list_of(lo_lisp *L, const lo_value *v, uint32_t n)
{
    lo_value list = L->nil;
    for (uint32_t i = n; i > 0; i--)
        list = lo_cons(L, v[i - 1], list);
    return list;
}

/* (format destination control &rest args) */
LO_PRIMITIVE(p_format, "FORMAT", CL, ANY, 2, -1,
             "(destination control-string &rest format-arguments)",
             "Write FORMAT-ARGUMENTS as the directives of CONTROL-STRING "
             "say: to a fresh string returned when DESTINATION is NIL, to "
             "*STANDARD-OUTPUT* when it is T, else to the stream "
             "DESTINATION (then NIL is returned).  Not supported yet: a "
             "string destination, a function as CONTROL-STRING, the "
             "directives ~/ ~< ~> ~E ~G ~$ ~W ~_ ~I.")
{
    lo_value dest = args[0], out;
    if (lo_null(L, dest))
        out = lo_make_string_stream(L);
    else if (lo_eq(dest, L->t))
        out = lo_output_stream(L, L->nil, "FORMAT");
    else if (lo_typep(dest, LO_T_STRING))  /* as SBCL: not a type error */
        lo_error(L, "SIMPLE-ERROR", "FORMAT: a string destination needs a "
                 "fill pointer, which LispOS strings do not have");
    else if (!lo_streamp(dest))
        lo_arg_error(L, dest, "(OR STRING BOOLEAN STREAM)");
    else
        out = lo_output_stream(L, dest, "FORMAT");
    lo_format(L, out, args[1], list_of(L, args + 2, nargs - 2));
    return lo_null(L, dest) ? lo_stream_take_string(L, out) : L->nil;
}

const struct lo_primitive *const lo_prims_format[] = {
    LO_ROW(p_format),
    NULL,
};
