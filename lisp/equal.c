/*
 * equal.c -- equality: EQL, EQUAL and EQUALP on values (the printer, the
 * hash tables and the sequence functions use them), and the primitives
 * EQ, EQL, EQUAL and EQUALP at the end.
 *
 * EQ is identity (value.h).  EQL adds numbers of one type by value;
 * EQUAL conses by structure and strings by contents; EQUALP numbers of
 * any type by =, characters and strings ignoring case, simple vectors,
 * structures and hash tables element by element.  Comparing contents
 * reads them, so it needs the read access bit of both sides.  Two cases
 * of EQUALP belong to their types: hash tables look their keys up
 * (hashtable.c, lo_hash_tables_equalp) and structures are known by their
 * class (instances.c); the numeric tower compares numbers (arith.c).
 *
 * A loop over two circular lists ticks the evaluation limits (limits.c),
 * and nesting deeper than EQUAL_DEPTH in cars is a STORAGE-CONDITION, so
 * neither can run away.
 */
#include <string.h>

#include "lisp/hashtable.h"
#include "lisp/internal.h"
#include "lisp/numbers.h"
#include "lisp/sequences.h"

enum { EQUAL_DEPTH = 100000 };

/* ---- EQL ------------------------------------------------------------------
 * Fixnums are immediate; bignums, ratios and doubles are objects
 * (numbers.h).  EQL compares numbers of one type by value; EQUALP
 * compares numbers of any type with =. */

/* EQL: identity, or numbers of the same type with the same value (two
 * doubles with the same bits: 0.0 and -0.0 differ, a NaN is itself). */
bool lo_eql(lo_value x, lo_value y)
{
    if (lo_eq(x, y))
        return true;
    if (lo_doublep(x) && lo_doublep(y))
        return lo_ptr(x)[1] == lo_ptr(y)[1];
    if (lo_bignump(x) && lo_bignump(y)) {
        lo_big a = lo_bignum_view(x), b = lo_bignum_view(y);
        return a.neg == b.neg && a.len == b.len &&
               memcmp(a.limb, b.limb, a.len * sizeof *a.limb) == 0;
    }
    if (lo_ratiop(x) && lo_ratiop(y))   /* both in lowest terms */
        return lo_eql(lo_ptr(x)[RATIO_NUM], lo_ptr(y)[RATIO_NUM]) &&
               lo_eql(lo_ptr(x)[RATIO_DEN], lo_ptr(y)[RATIO_DEN]);
    return false;
}

/* ---- EQUAL and EQUALP ------------------------------------------------------ */

/* Case folding for EQUALP: ASCII and Latin-1 letters. */
uint32_t lo_char_fold(uint32_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7))
        return c - 32;
    return c;
}

/* Comparing contents reads them: two vectors of the same length (the
 * length is no secret) need the read bit of both.  EQ ones never get
 * here. */
static void check_contents(lo_lisp *L, lo_value x, lo_value y,
                           const char *op)
{
    lo_check_access(L, x, LO_ACCESS_READ, op);
    lo_check_access(L, y, LO_ACCESS_READ, op);
}

static bool strings_equal(lo_lisp *L, lo_value x, lo_value y, bool fold_case,
                          const char *op)
{
    uint64_t len = lo_string_length(x);
    if (len != lo_string_length(y))
        return false;
    check_contents(L, x, y, op);
    for (uint64_t i = 0; i < len; i++) {
        uint32_t a = lo_string_ref(x, i), b = lo_string_ref(y, i);
        if (a != b && (!fold_case || lo_char_fold(a) != lo_char_fold(b)))
            return false;
    }
    return true;
}

static void check_depth(lo_lisp *L, int depth, const char *op)
{
    if (depth > EQUAL_DEPTH)
        lo_error(L, "STORAGE-CONDITION", "%s: structure nested too deeply",
                 op);
}

/* EQUAL: conses by structure, strings by contents, the rest by EQL.  The
 * cdr chain is a loop, so only car nesting uses the C stack. */
static bool equal(lo_lisp *L, lo_value x, lo_value y, int depth)
{
    check_depth(L, depth, "EQUAL");
    for (;;) {
        lo_limits_tick(L);      /* two circular lists never end */
        if (lo_eql(x, y))
            return true;
        if (lo_typep(x, LO_T_STRING) && lo_typep(y, LO_T_STRING))
            return strings_equal(L, x, y, false, "EQUAL");
        if (!lo_consp(x) || !lo_consp(y))
            return false;
        if (!equal(L, lo_car_raw(x), lo_car_raw(y), depth + 1))
            return false;
        x = lo_cdr_raw(x);
        y = lo_cdr_raw(y);
    }
}

bool lo_equal(lo_lisp *L, lo_value x, lo_value y)
{
    return equal(L, x, y, 0);
}

/* Strings and simple vectors: what EQUALP compares element by element
 * (to each other too: "ab" and #(#\A #\B)); byte vectors only by EQL. */
static bool sequencep(lo_value v)
{
    return lo_typep(v, LO_T_STRING) || lo_typep(v, LO_T_VECTOR);
}

static bool sequences_equalp(lo_lisp *L, lo_value x, lo_value y, int depth)
{
    if (lo_typep(x, LO_T_STRING) && lo_typep(y, LO_T_STRING))
        return strings_equal(L, x, y, true, "EQUALP");
    uint64_t len = lo_any_vector_length(x);
    if (len != lo_any_vector_length(y))
        return false;
    check_contents(L, x, y, "EQUALP");
    for (uint64_t i = 0; i < len; i++)
        if (!lo_equalp_within(L, lo_any_vector_ref(x, i),
                              lo_any_vector_ref(y, i), depth + 1))
            return false;
    return true;
}

/* EQUALP on two things that are not both conses. */
static bool equalp_atoms(lo_lisp *L, lo_value x, lo_value y, int depth)
{
    if (lo_charp(x) && lo_charp(y))
        return lo_char_fold(lo_char_code(x)) == lo_char_fold(lo_char_code(y));
    if (lo_numberp(x) && lo_numberp(y))
        return lo_num_equal(L, x, y);
    if (sequencep(x) && sequencep(y))
        return sequences_equalp(L, x, y, depth);
    if (lo_typep(x, LO_T_HASH_TABLE) && lo_typep(y, LO_T_HASH_TABLE))
        return lo_hash_tables_equalp(L, x, y, depth);
    /* structures of one layout, slot by slot (instances.c) */
    if (lo_structure_p(L, x) && lo_structure_p(L, y) &&
        lo_eq(lo_ptr(x)[INSTANCE_WRAPPER], lo_ptr(y)[INSTANCE_WRAPPER])) {
        lo_check_access(L, x, LO_ACCESS_READ, "EQUALP");
        lo_check_access(L, y, LO_ACCESS_READ, "EQUALP");
        return sequences_equalp(L, lo_ptr(x)[INSTANCE_SLOTS],
                                lo_ptr(y)[INSTANCE_SLOTS], depth);
    }
    return false;
}

/* EQUALP: EQUAL, but numbers by =, characters and strings ignoring case,
 * vectors and hash tables element by element; depth is how deep x and y
 * are inside what is being compared. */
bool lo_equalp_within(lo_lisp *L, lo_value x, lo_value y, int depth)
{
    check_depth(L, depth, "EQUALP");
    for (;;) {
        lo_limits_tick(L);
        if (lo_eq(x, y))
            return true;
        if (!lo_consp(x) || !lo_consp(y))
            return equalp_atoms(L, x, y, depth);
        if (!lo_equalp_within(L, lo_car_raw(x), lo_car_raw(y), depth + 1))
            return false;
        x = lo_cdr_raw(x);
        y = lo_cdr_raw(y);
    }
}

bool lo_equalp(lo_lisp *L, lo_value x, lo_value y)
{
    return lo_equalp_within(L, x, y, 0);
}


LO_PRIMITIVE(p_eq, "EQ", CL, ANY, 2, 2, "(x y)",
             "True when X and Y are the same object.  Two references to one "
             "object with different access bits are EQ.")
{ return lo_truth(L, lo_eq(args[0], args[1])); }

/* eql: eq, and for numbers and characters the same value (fixnums and
 * characters are immediate, so eq already is). */
LO_PRIMITIVE(p_eql, "EQL", CL, ANY, 2, 2, "(x y)",
             "True when X and Y are EQ, or are numbers of the same type and "
             "value, or the same character.")
{ return lo_truth(L, lo_eql(args[0], args[1])); }

LO_PRIMITIVE(p_equal, "EQUAL", CL, ANY, 2, 2, "(x y)",
             "True when X and Y are structurally alike: EQL, or conses with "
             "EQUAL cars and cdrs, or strings of the same characters "
             "(comparing two strings needs the read bit of both).")
{ return lo_truth(L, lo_equal(L, args[0], args[1])); }

LO_PRIMITIVE(p_equalp, "EQUALP", CL, ANY, 2, 2, "(x y)",
             "True when X and Y are EQUAL ignoring case, numbers are = "
             "whatever their type, and vectors and hash tables have EQUALP "
             "contents (which needs their read bits).")
{
    return lo_truth(L, lo_equalp(L, args[0], args[1]));
}

const struct lo_primitive *const lo_prims_equal[] = {
    LO_ROW(p_eq),
    LO_ROW(p_eql),
    LO_ROW(p_equal),
    LO_ROW(p_equalp),
    NULL,
};
