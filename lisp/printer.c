/*
 * printer.c -- objects to text, as SBCL's printer writes them.
 *
 * The printer variables are read once per call of lo_print:
 * *PRINT-ESCAPE* (PRIN1 against PRINC: quotes, #\ and |bars|),
 * *PRINT-BASE* and *PRINT-RADIX* (integers), *PRINT-CASE* (symbols),
 * *PRINT-LEVEL* and *PRINT-LENGTH* (lists and vectors).
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/hashtable.h"
#include "lisp/internal.h"
#include "lisp/numbers.h"
#include "lisp/package.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

/* ---- the output buffer (struct lo_text, internal.h) ---- */

void lo_text_put(struct lo_text *t, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (t->len + 1 >= t->cap) {
            if (!t->drain)
                break;
            t->drain(t);
        }
        t->buf[t->len++] = s[i];
    }
    if (t->cap)
        t->buf[t->len] = '\0';
}

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

/* Whether a bounded output buffer is full: what follows would be dropped,
 * so printing stops -- a circular list printed into one ends, and so does
 * the evaluation entry point's printing of a value (which the evaluation
 * limits, running no Lisp there, do not see). */
static bool full(const struct printer *p)
{
    return !p->out->drain && p->out->len + 1 >= p->out->cap;
}

/* ---- the printer variables ---- */

/* *PRINT-LEVEL* and *PRINT-LENGTH*: a non-negative integer or nil (-1). */
static int64_t limit(lo_lisp *L, const char *name)
{
    lo_value v = lo_special_value(L, name);
    if (v == LO_UNBOUND || lo_null(L, v))
        return -1;
    if (!lo_fixnump(v) || lo_fixnum_value(v) < 0)
        lo_type_error_as(L, v, "(OR UNSIGNED-BYTE NULL)",
                         lo_type_specifier(L, "(OR UNSIGNED-BYTE NULL)"),
                         "%s is neither nil nor a non-negative integer",
                         name);
    return lo_fixnum_value(v);
}

static void read_settings(struct printer *p, int escape)
{
    lo_lisp *L = p->L;
    lo_value v = lo_special_value(L, "*PRINT-ESCAPE*");
    p->escape = escape >= 0 ? escape : v == LO_UNBOUND || !lo_null(L, v);
    lo_print_base(L, &p->base, &p->radix);
    v = lo_special_value(L, "*PRINT-CASE*");
    p->letter_case = lo_keyword_is(v, "DOWNCASE") ? CASE_DOWNCASE
                   : lo_keyword_is(v, "CAPITALIZE") ? CASE_CAPITALIZE
                   : CASE_UPCASE;
    p->level = limit(L, "*PRINT-LEVEL*");
    p->length = limit(L, "*PRINT-LENGTH*");
}

/* ---- symbols ----
 * With escaping on: the package prefix (symbol_syntax.c decides it), and
 * bars around a name that would not read back as the same symbol
 * (lo_name_needs_bars, also symbol_syntax.c's); otherwise the name in
 * *PRINT-CASE*. */

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
    if (p->escape)
        lo_write_symbol_prefix(p->L, sym, p->out);
    if (p->escape && lo_name_needs_bars(s, len, p->base))
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
    while (lo_consp(v) && !full(p)) {
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
    for (uint64_t i = 0; i < lo_any_vector_length(v) && !full(p); i++) {
        if (i)
            put(p, " ");
        if (too_long(p, i))
            break;
        print(p, lo_any_vector_ref(v, i), depth + 1);
    }
    put(p, ")");
}

/* ---- unreadable objects: #<...> ---- */

/* A symbol inside #<...>: as PRIN1 writes it (package prefix included),
 * even under PRINC, as SBCL does. */
static void print_escaped_symbol(struct printer *p, lo_value sym)
{
    struct printer escaped = *p;
    escaped.escape = true;
    print_symbol(&escaped, sym);
}

static void print_named(struct printer *p, const char *kind, lo_value name)
{
    put(p, "#<");
    put(p, kind);
    if (lo_null(p->L, name)) {
        put(p, " (LAMBDA)");
    } else if (lo_symbolp(name)) {
        put(p, " ");
        print_escaped_symbol(p, name);
    }
    put(p, ">");
}

static void print_hash_table(struct printer *p, lo_value v)
{
    char buf[64];
    put(p, "#<HASH-TABLE :TEST ");      /* SBCL's form, without the address */
    print_escaped_symbol(p, lo_ptr(v)[HT_TEST]);
    if (!(lo_access_bits(v) & LO_ACCESS_READ)) {    /* the count is read */
        put(p, ", not readable>");
        return;
    }
    lo_snprintf(buf, sizeof buf, " :COUNT %lld>",
                (long long)lo_fixnum_value(lo_ptr(v)[HT_COUNT]));
    put(p, buf);
}

/* SBCL's form (the type is a symbol: COMMON-LISP:PACKAGE where CL is
 * not used), without the address of a deleted one. */
static void print_package(struct printer *p, lo_value pkg)
{
    struct printer escaped = *p;
    escaped.escape = true;
    put(p, "#<");
    print_symbol(&escaped, lo_intern(p->L, "PACKAGE"));
    if (lo_package_deleted(pkg)) {
        put(p, " (deleted)>");
        return;
    }
    put(p, " ");
    print_string(&escaped, lo_ptr(pkg)[PKG_NAME]);
    put(p, ">");
}

/* #<STRING-INPUT-STREAM>, #<FILE-STREAM "path"> (closed ones say so). */
static void print_stream(struct printer *p, lo_value s)
{
    struct printer escaped = *p;
    escaped.escape = true;
    put(p, "#<");
    put(p, lo_stream_type_name(s));
    if (lo_typep(lo_ptr(s)[STREAM_NAME], LO_T_STRING)) {
        put(p, " ");
        print_string(&escaped, lo_ptr(s)[STREAM_NAME]);
    }
    if (lo_stream_flags(s) & LO_STREAM_CLOSED)
        put(p, " (closed)");
    put(p, ">");
}

/* A condition: PRINC gives its report (the message, or what its report
 * function writes), PRIN1 its type too, as #<TYPE "message"> (SBCL adds
 * an address). */
static void print_condition(struct printer *p, lo_value c)
{
    lo_value message = lo_ptr(c)[CONDITION_MESSAGE];
    if (!p->escape) {
        if (lo_typep(message, LO_T_STRING))
            print_string(p, message);
        else if (!lo_print_report(p->L, c, p->out))
            print_symbol(p, lo_ptr(c)[CONDITION_TYPE]);
        return;
    }
    put(p, "#<");
    print_symbol(p, lo_ptr(c)[CONDITION_TYPE]);
    if (lo_typep(message, LO_T_STRING)) {
        put(p, " ");
        print_string(p, message);
    }
    put(p, ">");
}

/* A standard object or structure: what PRINT-OBJECT writes for it
 * (instances.c), or #<NAME {address}> when that cannot run. */
static void print_instance(struct printer *p, lo_value v)
{
    lo_value name;
    lo_value text = lo_instance_text(p->L, v, p->escape, &name);
    if (lo_typep(text, LO_T_STRING)) {
        struct printer plain = *p;
        plain.escape = false;
        print_string(&plain, text);
        return;
    }
    char buf[40];
    put(p, "#<");
    if (lo_symbolp(name))
        print_symbol(p, name);
    else
        put(p, "INSTANCE");
    lo_snprintf(buf, sizeof buf, " {%llX}",
                (unsigned long long)(uintptr_t)lo_ptr(v));
    put(p, buf);
    put(p, ">");
}

/* A restart: PRINC gives its report (its name when it has none), PRIN1
 * #<RESTART NAME>. */
static void print_restart(struct printer *p, lo_value r)
{
    lo_value report = lo_ptr(r)[RESTART_REPORT];
    if (!p->escape) {
        if (lo_typep(report, LO_T_STRING))
            print_string(p, report);
        else if (lo_null(p->L, report) || !lo_print_report(p->L, r, p->out))
            print_symbol(p, lo_ptr(r)[RESTART_NAME]);
        return;
    }
    put(p, "#<RESTART ");
    print_symbol(p, lo_ptr(r)[RESTART_NAME]);
    put(p, ">");
}

static void print_object(struct printer *p, lo_value v, int depth)
{
    char buf[64];
    switch (lo_type_of_object(v)) {
    case LO_T_SYMBOL:
        print_symbol(p, v);
        break;
    case LO_T_STRING:                   /* its text is what it holds */
        if (lo_access_bits(v) & LO_ACCESS_READ)
            print_string(p, v);
        else
            put(p, "#<STRING, not readable>");
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
    case LO_T_PACKAGE:
        print_package(p, v);
        break;
    case LO_T_CONDITION:
        print_condition(p, v);
        break;
    case LO_T_RESTART:
        print_restart(p, v);
        break;
    case LO_T_CELL:                     /* a binding cell, or a box */
        put(p, "#<CELL");
        if (lo_symbolp(lo_ptr(v)[CELL_NAME])) {
            put(p, " ");
            print_escaped_symbol(p, lo_ptr(v)[CELL_NAME]);
        }
        put(p, ">");
        break;
    case LO_T_STREAM:
        print_stream(p, v);
        break;
    case LO_T_INSTANCE:
        print_instance(p, v);
        break;
    default:
        lo_snprintf(buf, sizeof buf, "#<OBJECT type %d>",
                    (int)lo_type_of_object(v));
        put(p, buf);
    }
}

static void print(struct printer *p, lo_value v, int depth)
{
    if (full(p))
        return;
    if (depth > MAX_PRINT_DEPTH)
        put(p, "...");
    else if (lo_numberp(v))
        lo_print_number(p->L, v, p->base, p->radix, p->out);
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
