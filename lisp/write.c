/*
 * write.c -- the printing functions, over the printer (printer.c) and
 * output streams (streams.c):
 *
 *   write prin1 princ print pprint write-to-string prin1-to-string
 *   princ-to-string
 *
 * PRIN1 and PRINC fix *PRINT-ESCAPE*; WRITE and WRITE-TO-STRING bind the
 * printer variables their keyword arguments name for the one call.
 */
#include "lisp/sequences.h"
#include "lisp/streams.h"

void lo_print_to_stream(lo_lisp *L, lo_value v, int escape, lo_value stream)
{
    char buf[512];
    struct lo_text t;
    lo_text_to_stream(&t, L, stream, buf, sizeof buf);
    lo_print(L, v, escape, &t);
    lo_text_finish(&t);
}

lo_value lo_print_to_string(lo_lisp *L, lo_value v, int escape)
{
    lo_value s = lo_make_string_stream(L);
    lo_print_to_stream(L, v, escape, s);
    return lo_stream_take_string(L, s);
}

/* The optional stream argument a[i] (absent: standard output). */
static lo_value stream_at(lo_lisp *L, lo_value *a, uint32_t n, uint32_t i,
                          const char *op)
{
    return lo_output_stream(L, i < n ? a[i] : L->nil, op);
}

LO_PRIMITIVE(p_prin1, "PRIN1", CL, ANY, 1, 2,
             "(object &optional (output-stream *standard-output*))",
             "Write OBJECT to OUTPUT-STREAM as the reader would read it "
             "back (*PRINT-ESCAPE* true) and return OBJECT.")
{
    lo_print_to_stream(L, args[0], 1, stream_at(L, args, nargs, 1, "PRIN1"));
    return args[0];
}

LO_PRIMITIVE(p_princ, "PRINC", CL, ANY, 1, 2,
             "(object &optional (output-stream *standard-output*))",
             "Write OBJECT to OUTPUT-STREAM for people to read, without "
             "escape characters (*PRINT-ESCAPE* false), and return OBJECT.")
{
    lo_print_to_stream(L, args[0], 0, stream_at(L, args, nargs, 1, "PRINC"));
    return args[0];
}

/* (print x &optional stream): a newline, x as PRIN1 writes it, a space. */
LO_PRIMITIVE(p_print, "PRINT", CL, ANY, 1, 2,
             "(object &optional (output-stream *standard-output*))",
             "Write a newline, OBJECT as PRIN1 writes it and a space to "
             "OUTPUT-STREAM; return OBJECT.")
{
    lo_value stream = stream_at(L, args, nargs, 1, "PRINT");
    lo_stream_write_char(L, stream, '\n');
    lo_print_to_stream(L, args[0], 1, stream);
    lo_stream_write_char(L, stream, ' ');
    return args[0];
}

/* (pprint x &optional stream): no pretty printer yet, so a newline and
 * x as PRIN1 writes it; no values. */
LO_PRIMITIVE(p_pprint, "PPRINT", CL, ANY, 1, 2,
             "(object &optional (output-stream *standard-output*))",
             "Write a newline and OBJECT as PRIN1 writes it to "
             "OUTPUT-STREAM; no values.  There is no pretty printer yet.")
{
    lo_value stream = stream_at(L, args, nargs, 1, "PPRINT");
    lo_stream_write_char(L, stream, '\n');
    lo_print_to_stream(L, args[0], 1, stream);
    return lo_values(L, 0, NULL);
}

LO_PRIMITIVE(p_prin1_to_string, "PRIN1-TO-STRING", CL, ANY, 1, 1, "(object)",
             "A fresh string of OBJECT as PRIN1 writes it.")
{
    return lo_print_to_string(L, args[0], 1);
}

LO_PRIMITIVE(p_princ_to_string, "PRINC-TO-STRING", CL, ANY, 1, 1, "(object)",
             "A fresh string of OBJECT as PRINC writes it.")
{
    return lo_print_to_string(L, args[0], 0);
}

/* ---- WRITE's keyword arguments: each binds a printer variable ---- */

static const char *const write_keys =
    "STREAM ESCAPE RADIX BASE CIRCLE PRETTY LEVEL LENGTH CASE ARRAY GENSYM "
    "READABLY RIGHT-MARGIN MISER-WIDTH LINES PPRINT-DISPATCH";
static const char *const write_variables[] = {
    NULL, "*PRINT-ESCAPE*", "*PRINT-RADIX*", "*PRINT-BASE*",
    "*PRINT-CIRCLE*", "*PRINT-PRETTY*", "*PRINT-LEVEL*", "*PRINT-LENGTH*",
    "*PRINT-CASE*", "*PRINT-ARRAY*", "*PRINT-GENSYM*", "*PRINT-READABLY*",
    "*PRINT-RIGHT-MARGIN*", "*PRINT-MISER-WIDTH*", "*PRINT-LINES*",
    "*PRINT-PPRINT-DISPATCH*",
};
enum { NWRITE_KEYS = sizeof write_variables / sizeof write_variables[0] };

/* Bind the variables a[first..n) name; the stream given, or nil. */
static lo_value bind_write_keys(lo_lisp *L, lo_value *a, uint32_t n,
                                uint32_t first, const char *op)
{
    lo_value k[NWRITE_KEYS];
    lo_parse_keys(L, op, a, n, first, write_keys, k);
    for (unsigned i = 1; i < NWRITE_KEYS; i++)
        if (k[i] != LO_UNBOUND)
            lo_bind_named(L, write_variables[i], k[i]);
    return k[0] == LO_UNBOUND ? L->nil : k[0];
}

/* (write x &key stream escape radix base case ...) */
LO_PRIMITIVE(p_write, "WRITE", CL, ANY, 1, -1,
             "(object &key stream escape radix base circle pretty level "
             "length case array gensym readably right-margin miser-width "
             "lines pprint-dispatch)",
             "Write OBJECT to STREAM (*STANDARD-OUTPUT* by default) with "
             "each printer variable a keyword names (ESCAPE binds "
             "*PRINT-ESCAPE*...) bound to its value for the call; return "
             "OBJECT.")
{
    uint32_t depth = L->nbindings;
    lo_value stream = bind_write_keys(L, args, nargs, 1, "WRITE");
    lo_print_to_stream(L, args[0], -1, lo_output_stream(L, stream, "WRITE"));
    lo_unbind_to(L, depth);
    return args[0];
}

LO_PRIMITIVE(p_write_to_string, "WRITE-TO-STRING", CL, ANY, 1, -1,
             "(object &key escape radix base circle pretty level length "
             "case array gensym readably right-margin miser-width lines "
             "pprint-dispatch)",
             "A fresh string of OBJECT as WRITE writes it with the same "
             "keyword arguments, bar STREAM.")
{
    uint32_t depth = L->nbindings;
    lo_value stream = bind_write_keys(L, args, nargs, 1, "WRITE-TO-STRING");
    if (!lo_null(L, stream))
        lo_error(L, "PROGRAM-ERROR", "WRITE-TO-STRING: unknown keyword "
                 "argument :STREAM");
    lo_value s = lo_print_to_string(L, args[0], -1);
    lo_unbind_to(L, depth);
    return s;
}

const struct lo_primitive *const lo_prims_write[] = {
    LO_ROW(p_prin1),
    LO_ROW(p_princ),
    LO_ROW(p_print),
    LO_ROW(p_pprint),
    LO_ROW(p_write),
    LO_ROW(p_prin1_to_string),
    LO_ROW(p_princ_to_string),
    LO_ROW(p_write_to_string),
    NULL,
};
