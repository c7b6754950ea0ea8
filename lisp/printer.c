/*
 * printer.c -- objects to text, as prin1 does (thin path).
 */
#include <string.h>

#include "format.h"
#include "hashtable.h"
#include "internal.h"
#include "numbers.h"
#include "package.h"
#include "sequences.h"

enum { MAX_PRINT_DEPTH = 2000 };

static void put(struct lo_text *t, const char *s)
{
    lo_text_put(t, s, strlen(s));
}

static void print(lo_lisp *L, lo_value v, struct lo_text *out, int depth);

static void print_string(lo_value s, struct lo_text *out, bool escape)
{
    if (escape)
        put(out, "\"");
    for (uint64_t i = 0; i < lo_string_length(s); i++) {
        uint32_t c = lo_string_ref(s, i);
        if (escape && (c == '"' || c == '\\'))
            put(out, "\\");
        char utf8[4];
        lo_text_put(out, utf8, lo_utf8_encode(c, utf8));
    }
    if (escape)
        put(out, "\"");
}

static void print_list(lo_lisp *L, lo_value v, struct lo_text *out, int depth)
{
    put(out, "(");
    bool first = true;
    while (lo_consp(v)) {
        if (!first)
            put(out, " ");
        print(L, lo_car_raw(v), out, depth + 1);
        first = false;
        v = lo_cdr_raw(v);
    }
    if (!lo_null(L, v)) {
        put(out, " . ");
        print(L, v, out, depth + 1);
    }
    put(out, ")");
}

/* Vectors and byte vectors print as #(1 2 3), as SBCL prints them; one
 * without the read access bit shows no elements. */
static void print_vector(lo_lisp *L, lo_value v, struct lo_text *out,
                         int depth)
{
    if (!(lo_access_bits(v) & LO_ACCESS_READ)) {
        put(out, "#<VECTOR, not readable>");
        return;
    }
    put(out, "#(");
    for (uint64_t i = 0; i < lo_any_vector_length(v); i++) {
        if (i)
            put(out, " ");
        print(L, lo_any_vector_ref(v, i), out, depth + 1);
    }
    put(out, ")");
}

/* Symbols: keywords, #:, package prefixes and |escapes| are
 * symbol-syntax.c's. */
static void print_symbol(lo_lisp *L, lo_value sym, struct lo_text *out)
{
    lo_write_symbol(L, sym, out, true);
}

static void print_named(lo_lisp *L, const char *kind, lo_value name,
                        struct lo_text *out)
{
    put(out, "#<");
    put(out, kind);
    if (lo_null(L, name)) {
        put(out, " (LAMBDA)");
    } else if (lo_symbolp(name)) {
        put(out, " ");
        print_symbol(L, name, out);
    }
    put(out, ">");
}

/* SBCL's form (the type is a symbol: COMMON-LISP:PACKAGE where CL is
 * not used), without the address of a deleted one. */
static void print_package(lo_lisp *L, lo_value pkg, struct lo_text *out)
{
    put(out, "#<");
    print_symbol(L, lo_intern(L, "PACKAGE"), out);
    if (lo_package_deleted(pkg)) {
        put(out, " (deleted)>");
        return;
    }
    put(out, " ");
    print_string(lo_ptr(pkg)[PKG_NAME], out, true);
    put(out, ">");
}

static void print(lo_lisp *L, lo_value v, struct lo_text *out, int depth)
{
    char buf[64];
    if (depth > MAX_PRINT_DEPTH) {
        put(out, "...");
        return;
    }
    if (lo_numberp(v)) {
        unsigned base;
        bool radix;
        lo_print_base(L, &base, &radix);
        lo_print_number(L, v, base, radix, out);
    } else if (lo_consp(v)) {
        print_list(L, v, out, depth);
    } else if (lo_charp(v)) {
        uint32_t c = lo_char_code(v);
        put(out, "#\\");
        /* Graphic characters, space included, print as themselves (as
         * SBCL does); the controls by their names (Newline, Soh...). */
        if (c < 32 || (c >= 127 && c < 160))
            put(out, lo_char_name(c));
        else
            lo_text_put(out, buf, lo_utf8_encode(c, buf));
    } else if (v == LO_UNBOUND) {
        put(out, "#<UNBOUND>");
    } else if (lo_objectp(v)) {
        switch (lo_type_of_object(v)) {
        case LO_T_SYMBOL:
            print_symbol(L, v, out);
            break;
        case LO_T_PACKAGE:
            print_package(L, v, out);
            break;
        case LO_T_STRING:
            print_string(v, out, true);
            break;
        case LO_T_VECTOR:
        case LO_T_BYTES:
            print_vector(L, v, out, depth);
            break;
        case LO_T_FUNCTION:
            print_named(L, "FUNCTION",
                        lo_ptr(lo_ptr(v)[FN_CODE])[CODE_NAME], out);
            break;
        case LO_T_PRIMITIVE:
            print_named(L, "FUNCTION", lo_ptr(v)[PRIM_NAME], out);
            break;
        case LO_T_HASH_TABLE:       /* SBCL's form, without the address */
            put(out, "#<HASH-TABLE :TEST ");
            print_string(lo_symbol_name(lo_ptr(v)[HT_TEST]), out, false);
            lo_snprintf(buf, sizeof buf, " :COUNT %lld>",
                        (long long)lo_fixnum_value(lo_ptr(v)[HT_COUNT]));
            put(out, buf);
            break;
        default:
            lo_snprintf(buf, sizeof buf, "#<OBJECT type %d>",
                        (int)lo_type_of_object(v));
            put(out, buf);
        }
    } else {
        put(out, "#<?>");
    }
}

void lo_prin1(lo_lisp *L, lo_value v, struct lo_text *out)
{
    print(L, v, out, 0);
}
