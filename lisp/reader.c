/*
 * reader.c -- text to objects (thin path of the Common Lisp reader).
 *
 * Integers (decimal, optional sign), symbols (symbol-syntax.c: upcased,
 * escapes, package markers, #:), strings with \\ escapes, lists and
 * dotted lists, 'x, #\\c characters, and ; comments.
 * Nesting is limited (MAX_DEPTH) so deep input is a clear READER-ERROR,
 * never a C stack overflow.  Bignums, floats, radixes, backquote and the
 * rest of # syntax come next (docs/lisp.md).
 */
#include <string.h>

#include "internal.h"
#include "package.h"
#include "sequences.h"

enum { MAX_DEPTH = 1000, MAX_TOKEN = 256 };

struct reader {
    lo_lisp *L;
    const char *p;
    int depth;
};

static bool whitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool terminating(char c)
{
    return c == '\0' || whitespace(c) || c == '(' || c == ')' || c == '\'' ||
           c == '"' || c == ';' || c == '`' || c == ',';
}

static void skip_blanks(struct reader *r)
{
    for (;;) {
        while (whitespace(*r->p))
            r->p++;
        if (*r->p != ';')
            return;
        while (*r->p && *r->p != '\n')
            r->p++;
    }
}

static lo_value read_form(struct reader *r);

static lo_value read_list(struct reader *r)
{
    lo_lisp *L = r->L;
    lo_value head = L->nil, tail = L->nil;
    for (;;) {
        skip_blanks(r);
        if (*r->p == '\0')
            lo_error(L, "END-OF-FILE", "unbalanced parentheses: missing ')'");
        if (*r->p == ')') {
            r->p++;
            return head;
        }
        if (*r->p == '.' && terminating(r->p[1])) {
            if (lo_null(L, head))
                lo_error(L, "READER-ERROR", "nothing before '.' in a list");
            r->p++;
            lo_ptr(tail)[2] = read_form(r);
            skip_blanks(r);
            if (*r->p != ')')
                lo_error(L, "READER-ERROR", "more than one object after '.'");
            r->p++;
            return head;
        }
        lo_value cell = lo_cons(L, read_form(r), L->nil);
        if (lo_null(L, head))
            head = cell;
        else
            lo_ptr(tail)[2] = cell;
        tail = cell;
    }
}

static lo_value read_string(struct reader *r)
{
    char buf[4096];
    size_t n = 0;
    for (;;) {
        char c = *r->p++;
        if (c == '\0')
            lo_error(r->L, "END-OF-FILE", "unterminated string");
        if (c == '"')
            break;
        if (c == '\\') {
            c = *r->p++;
            if (c == '\0')
                lo_error(r->L, "END-OF-FILE", "unterminated string");
        }
        if (n == sizeof buf)
            lo_error(r->L, "READER-ERROR", "string literal longer than %zu "
                     "bytes", sizeof buf);
        buf[n++] = c;
    }
    return lo_make_string(r->L, buf, n);
}

/* A token: an integer if it parses as one, else a symbol (read again
 * from its start by symbol-syntax.c, which knows escapes and packages). */
static lo_value read_token(struct reader *r)
{
    if (lo_token_is_symbol(r->p))
        return lo_read_symbol(r->L, &r->p, false);
    const char *start = r->p;
    char tok[MAX_TOKEN];
    size_t n = 0;
    while (!terminating(*r->p)) {
        if (n + 1 == sizeof tok)
            lo_error(r->L, "READER-ERROR", "token longer than %d characters",
                     MAX_TOKEN - 1);
        char c = *r->p++;
        tok[n++] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    tok[n] = '\0';
    size_t i = (tok[0] == '+' || tok[0] == '-') ? 1 : 0;
    bool digits = i < n;
    for (size_t k = i; k < n; k++)
        digits &= tok[k] >= '0' && tok[k] <= '9';
    if (digits) {
        int64_t v = 0;
        for (size_t k = i; k < n; k++) {
            if (v > (LO_FIXNUM_MAX - (tok[k] - '0')) / 10)
                lo_error(r->L, "READER-ERROR", "integer %s is too large "
                         "(bignums are not implemented yet)", tok);
            v = v * 10 + (tok[k] - '0');
        }
        return lo_fixnum(tok[0] == '-' ? -v : v);
    }
    r->p = start;
    return lo_read_symbol(r->L, &r->p, false);
}

static lo_value read_character(struct reader *r)
{
    const char *start = r->p;
    r->p++;                             /* the first one even if special */
    while (!terminating(*r->p))
        r->p++;
    size_t n = (size_t)(r->p - start);
    if (n == 1)
        return lo_char((unsigned char)start[0]);
    /* one character written in UTF-8, or a name (strings.c) */
    lo_value s = lo_make_string(r->L, start, n);
    if (lo_string_length(s) == 1)
        return lo_char(lo_string_ref(s, 0));
    uint32_t code;
    if (lo_name_char(start, n, &code))
        return lo_char(code);
    lo_error(r->L, "READER-ERROR", "unknown character name #\\%.*s", (int)n,
             start);
}

static lo_value list_to_vector(lo_lisp *L, lo_value list)
{
    int64_t len = lo_list_length(L, list);
    if (len < 0)
        lo_error(L, "READER-ERROR", "a dotted list after #(");
    lo_value v = lo_make_vector(L, (uint64_t)len, L->nil);
    for (int64_t i = 0; i < len; i++, list = lo_cdr_raw(list))
        lo_ptr(v)[2 + i] = lo_car_raw(list);
    return v;
}

static lo_value read_form(struct reader *r)
{
    lo_lisp *L = r->L;
    if (++r->depth > MAX_DEPTH)
        lo_error(L, "READER-ERROR", "nesting deeper than %d", MAX_DEPTH);
    skip_blanks(r);
    lo_value v;
    char c = *r->p;
    switch (c) {
    case '\0':
        lo_error(L, "END-OF-FILE", "end of input inside a form");
    case ')':
        lo_error(L, "READER-ERROR", "unmatched ')'");
    case '(':
        r->p++;
        v = read_list(r);
        break;
    case '\'':
        r->p++;
        v = lo_cons(L, lo_intern(L, "QUOTE"),
                    lo_cons(L, read_form(r), L->nil));
        break;
    case '"':
        r->p++;
        v = read_string(r);
        break;
    case '`':
        r->p++;
        v = lo_cons(L, lo_intern(L, "QUASIQUOTE"),
                    lo_cons(L, read_form(r), L->nil));
        break;
    case ',': {
        r->p++;
        const char *tag = "UNQUOTE";
        if (*r->p == '@') {
            r->p++;
            tag = "UNQUOTE-SPLICING";
        }
        v = lo_cons(L, lo_intern(L, tag), lo_cons(L, read_form(r), L->nil));
        break;
    }
    case '#':
        if (r->p[1] == '\\') {
            r->p += 2;
            if (!*r->p)
                lo_error(L, "END-OF-FILE", "end of input after #\\");
            v = read_character(r);
            break;
        }
        if (r->p[1] == '(') {           /* #(...): a simple vector */
            r->p += 2;
            v = list_to_vector(L, read_list(r));
            break;
        }
        if (r->p[1] == '\'') {
            r->p += 2;
            v = lo_cons(L, lo_intern(L, "FUNCTION"),
                        lo_cons(L, read_form(r), L->nil));
            break;
        }
        if (r->p[1] == ':') {           /* #:name: an uninterned symbol */
            r->p += 2;
            v = lo_read_symbol(L, &r->p, true);
            break;
        }
        lo_error(L, "READER-ERROR", "unsupported # syntax: #%c", r->p[1]);
    default:
        v = read_token(r);
        break;
    }
    r->depth--;
    return v;
}

bool lo_read(lo_lisp *L, const char **text, lo_value *out)
{
    struct reader r = { L, *text, 0 };
    skip_blanks(&r);
    if (*r.p == '\0') {
        *text = r.p;
        return false;
    }
    *out = read_form(&r);
    *text = r.p;
    return true;
}
