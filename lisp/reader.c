/*
 * reader.c -- text to objects (thin path of the Common Lisp reader).
 *
 * Numbers (numtext.c: integers of any size, ratios, floats, and #b #o #x
 * #NNr radixes), symbols (symbol_syntax.c: upcased, escapes, package
 * markers, #:), strings with \\ escapes, lists and dotted lists, 'x, #'f,
 * #\\c characters, #( vectors, backquote, and ; comments.  Nesting is
 * limited (MAX_DEPTH) so deep input is a clear READER-ERROR, never a C
 * stack overflow.
 *
 * Any other #x is the readtable's: the dispatch function that
 * SET-DISPATCH-MACRO-CHARACTER gave the sub-character x in the readtable
 * *READTABLE* holds (lisp/boot/56-readtables.lisp), called as Common Lisp
 * calls one, with a stream positioned after x, x, and the decimal
 * argument written between # and x (or NIL).  The reader reads C memory
 * or a stream's text in place, so that stream is the caller's when it
 * reads one, else one made over the text the first time it is needed
 * (struct lo_read_source).  The reader holds heap values on its C stack,
 * so collections wait while the function runs (as while a macro expands
 * in the compiler).
 */
#include <string.h>

#include "lisp/internal.h"
#include "lisp/numbers.h"
#include "lisp/package.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

enum { MAX_DEPTH = 1000 };

struct reader {
    lo_lisp *L;
    const char *p;
    int depth;
    int backquotes;             /* backquotes open around the form read */
    struct lo_read_source *src; /* the whole text, for dispatch functions */
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

/* #| ... |#, which nests. */
static void skip_block_comment(struct reader *r)
{
    int depth = 0;
    do {
        if (*r->p == '\0')
            lo_error(r->L, "END-OF-FILE", "unterminated #| comment");
        if (r->p[0] == '#' && r->p[1] == '|') {
            depth++;
            r->p += 2;
        } else if (r->p[0] == '|' && r->p[1] == '#') {
            depth--;
            r->p += 2;
        } else {
            r->p++;
        }
    } while (depth > 0);
}

/* Whitespace and comments (; to the end of the line, #| |#). */
static void skip_blanks(struct reader *r)
{
    for (;;) {
        while (whitespace(*r->p))
            r->p++;
        if (r->p[0] == '#' && r->p[1] == '|') {
            skip_block_comment(r);
            continue;
        }
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

/* A string literal (r->p is after the opening quote): its length is
 * found first, then its characters decoded into the string, so a literal
 * may be as long as the text. */
static lo_value read_string(struct reader *r)
{
    const unsigned char *p = (const unsigned char *)r->p, *end;
    uint64_t count = 0;
    for (;; count++) {
        bool escaped = *p == '\\';
        if (escaped)
            p++;
        if (*p == '\0')
            lo_error(r->L, "END-OF-FILE", "unterminated string");
        if (*p == '"' && !escaped)
            break;
        lo_utf8_next(&p, p + 4);        /* a NUL stops a broken sequence */
    }
    end = p;
    lo_value s = lo_alloc_string(r->L, count);
    uint32_t *chars = lo_string_chars(s);
    p = (const unsigned char *)r->p;
    for (uint64_t i = 0; i < count; i++) {
        if (*p == '\\')
            p++;
        chars[i] = lo_utf8_next(&p, end);
    }
    r->p = (const char *)end + 1;
    return s;
}

/* The extent of a token starting at r->p (which is moved past it). */
static size_t scan_token(struct reader *r, const char **start)
{
    *start = r->p;
    while (!terminating(*r->p))
        r->p++;
    return (size_t)(r->p - *start);
}

/* A token: a number if it reads as one (numtext.c), else a symbol (read
 * again from its start by symbol_syntax.c, which knows escapes and
 * packages). */
static lo_value read_token(struct reader *r)
{
    if (lo_token_is_symbol(r->p))
        return lo_read_symbol(r->L, &r->p, false);
    const char *start;
    size_t n = scan_token(r, &start);
    lo_value number;
    if (lo_read_number(r->L, start, n, 10, true, &number))
        return number;
    r->p = start;
    return lo_read_symbol(r->L, &r->p, false);
}

/* #b #o #x #NNr: a rational in that radix (r->p is after the #). */
static lo_value read_radix(struct reader *r)
{
    unsigned radix = 0;
    char c = *r->p;
    if (c == 'b' || c == 'B')
        radix = 2;
    else if (c == 'o' || c == 'O')
        radix = 8;
    else if (c == 'x' || c == 'X')
        radix = 16;
    else {
        while (*r->p >= '0' && *r->p <= '9' && radix <= 36)
            radix = radix * 10 + (unsigned)(*r->p++ - '0');
        if ((*r->p != 'r' && *r->p != 'R') || radix < 2 || radix > 36)
            lo_error(r->L, "READER-ERROR", "#%ur: the radix must be "
                     "between 2 and 36", radix);
    }
    r->p++;
    const char *start;
    size_t n = scan_token(r, &start);
    lo_value number;
    if (!lo_read_number(r->L, start, n, radix, false, &number))
        lo_error(r->L, "READER-ERROR", "#%ur%.*s: not a rational in radix "
                 "%u", radix, (int)(n < 60 ? n : 60), start, radix);
    return number;
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

/* ---- the readtable's dispatch functions ---- */

/* The dispatch function *READTABLE* gives the sub-character c, or 0.
 * A readtable (56-readtables.lisp) is a structure whose first slot is
 * an alist (character . function-designator); the variable may hold
 * anything, so every step is checked. */
static lo_value dispatch_function(lo_lisp *L, uint32_t c)
{
    lo_value rt = lo_special_value(L, "*READTABLE*");
    if (!lo_typep(rt, LO_T_INSTANCE) ||
        !(lo_access_bits(rt) & LO_ACCESS_READ))
        return 0;
    lo_value slots = lo_ptr(rt)[INSTANCE_SLOTS];
    if (!lo_typep(slots, LO_T_VECTOR) || lo_fixnum_value(lo_ptr(slots)[1]) < 1)
        return 0;
    lo_value alist = lo_ptr(slots)[2];
    for (int n = 0; lo_consp(alist) && n < 10000;
         alist = lo_cdr_raw(alist), n++) {
        lo_value pair = lo_car_raw(alist);
        if (!lo_consp(pair) || !lo_charp(lo_car_raw(pair)) ||
            lo_char_fold(lo_char_code(lo_car_raw(pair))) != lo_char_fold(c))
            continue;
        lo_value fn = lo_cdr_raw(pair);
        if (lo_symbolp(fn)) {               /* a name: its function now */
            lo_value cell = lo_function_cell(L, fn, false);
            if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
                lo_cell_error(L, fn, true);
            fn = lo_cell_get(cell);
        }
        return fn;
    }
    return 0;
}

/* The stream dispatch functions read from, at byte offset pos of the
 * source's text. */
static lo_value source_stream(struct reader *r, uint64_t pos)
{
    struct lo_read_source *src = r->src;
    if (!src->stream || lo_null(r->L, src->stream))
        src->stream = lo_make_text_input_stream(r->L, src->text,
                                                strlen(src->text));
    lo_stream_set_position(src->stream, pos);
    return src->stream;
}

/* #x other than the built-in ones (r->p is after the #): an optional
 * decimal argument, then the sub-character x, handed with a stream to
 * the readtable's function for x, whose value is the object read. */
static lo_value read_dispatch(struct reader *r)
{
    lo_lisp *L = r->L;
    const char *start = r->p;
    lo_value arg = L->nil;
    if (*r->p >= '0' && *r->p <= '9') {
        const char *digits = r->p;
        while (*r->p >= '0' && *r->p <= '9')
            r->p++;
        if (*r->p == 'r' || *r->p == 'R') {     /* #NNr: a radix */
            r->p = digits;
            return read_radix(r);
        }
        if (!lo_read_number(L, digits, (size_t)(r->p - digits), 10, false,
                            &arg))
            arg = L->nil;
    }
    if (*r->p == '\0')
        lo_error(L, "END-OF-FILE", "end of input after #");
    const unsigned char *q = (const unsigned char *)r->p;
    uint32_t c = lo_utf8_next(&q, q + 4);
    lo_value fn = dispatch_function(L, c);
    if (!fn)
        lo_error(L, "READER-ERROR", "unsupported # syntax: #%.*s",
                 (int)((const char *)q - start), start);
    uint64_t after = (uint64_t)((const char *)q - r->src->text);
    lo_value args[3] = { source_stream(r, after), lo_char(c), arg };
    lo_gc_inhibit(L);
    lo_value v = lo_vm_apply(L, fn, args, 3);
    lo_gc_allow(L);
    /* on from where the function left the stream (never back before
     * the sub-character: the text before it is read) */
    uint64_t pos = lo_stream_position(r->src->stream);
    r->p = r->src->text + (pos > after ? pos : after);
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
        r->backquotes++;
        v = lo_cons(L, lo_intern(L, "QUASIQUOTE"),
                    lo_cons(L, read_form(r), L->nil));
        r->backquotes--;
        break;
    case ',': {
        if (r->backquotes == 0)
            lo_error(L, "READER-ERROR", "a comma not inside a backquote");
        r->p++;
        const char *tag = "UNQUOTE";
        if (*r->p == '@') {
            r->p++;
            tag = "UNQUOTE-SPLICING";
        }
        r->backquotes--;                /* a comma closes one level */
        v = lo_cons(L, lo_intern(L, tag), lo_cons(L, read_form(r), L->nil));
        r->backquotes++;
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
        if (r->p[1] && strchr("bBoOxXrR", r->p[1])) {
            r->p++;
            v = read_radix(r);
            break;
        }
        r->p++;
        v = read_dispatch(r);
        break;
    default:
        v = read_token(r);
        break;
    }
    r->depth--;
    return v;
}

const char *lo_read_skip(lo_lisp *L, const char *text)
{
    struct reader r = { L, text, 0, 0, NULL };
    skip_blanks(&r);
    return r.p;
}

bool lo_read(lo_lisp *L, const char **text, lo_value *out)
{
    struct lo_read_source src = { *text, 0 };
    return lo_read_from(L, &src, text, out);
}

bool lo_read_from(lo_lisp *L, struct lo_read_source *src, const char **text,
                  lo_value *out)
{
    struct reader r = { L, *text, 0, 0, src };
    skip_blanks(&r);
    if (*r.p == '\0') {
        *text = r.p;
        return false;
    }
    *out = read_form(&r);
    *text = r.p;
    return true;
}
