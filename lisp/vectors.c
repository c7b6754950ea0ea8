/*
 * vectors.c -- vectors and byte vectors, and what every sequence function
 * shares (declared in sequences.h).
 *
 *   helpers   keyword arguments, function designators, bounds, access bits
 *   kinds     the kind of a sequence, a list's elements as a vector, a
 *             sequence of some kind made from a vector's elements, and the
 *             type specifiers naming kinds (LIST, VECTOR, STRING,
 *             (VECTOR (UNSIGNED-BYTE 8))...)
 *   vectors   make-array, vector, aref, svref, %aset, vectorp, arrayp,
 *             simple-vector-p, array-dimension(s), array-rank,
 *             array-total-size, array-element-type
 *
 * Simple vectors (LO_T_VECTOR) hold any values; byte vectors (LO_T_BYTES)
 * hold integers 0..255, a byte each, in a raw tail; strings hold
 * characters (strings.c).  Arrays have one dimension so far, and neither
 * fill pointers nor adjustable sizes.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/sequences.h"

/* ---- keyword arguments --------------------------------------------------- */

/* Whether v is the keyword :name (name without the colon, len bytes). */
static bool keyword_matches(lo_value v, const char *name, size_t len)
{
    if (!lo_keywordp(v))
        return false;
    lo_value s = lo_symbol_name(v);
    if (lo_string_length(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (lo_string_chars(s)[i] != (unsigned char)name[i])
            return false;
    return true;
}

bool lo_keyword_is(lo_value v, const char *name)
{
    return keyword_matches(v, name, strlen(name));
}

lo_value lo_keyword_arg(lo_lisp *L, const lo_value *args, uint32_t n,
                        uint32_t first, const char *name)
{
    (void)L;
    for (uint32_t i = first; i + 1 < n; i += 2)
        if (lo_keyword_is(args[i], name))
            return args[i + 1];
    return LO_UNBOUND;
}

/* The names list of lo_parse_keys: words separated by single spaces. */
static size_t word_length(const char *p)
{
    size_t n = 0;
    while (p[n] && p[n] != ' ')
        n++;
    return n;
}

static const char *next_word(const char *p)
{
    p += word_length(p);
    return *p ? p + 1 : p;
}

void lo_parse_keys(lo_lisp *L, const char *op, const lo_value *args,
                   uint32_t n, uint32_t first, const char *names,
                   lo_value *out)
{
    unsigned count = 0;
    for (const char *p = names; *p; p = next_word(p))
        out[count++] = LO_UNBOUND;
    if (n < first)
        return;
    if ((n - first) % 2)
        lo_error(L, "PROGRAM-ERROR", "%s: odd number of keyword arguments",
                 op);
    lo_value other = lo_keyword_arg(L, args, n, first, "ALLOW-OTHER-KEYS");
    bool allow_other = other != LO_UNBOUND && !lo_null(L, other);
    for (uint32_t i = first; i < n; i += 2) {
        unsigned k = 0;
        const char *p = names;
        for (; *p; p = next_word(p), k++)
            if (keyword_matches(args[i], p, word_length(p)))
                break;
        if (*p) {
            if (out[k] == LO_UNBOUND)
                out[k] = args[i + 1];
        } else if (!allow_other &&
                   !lo_keyword_is(args[i], "ALLOW-OTHER-KEYS")) {
            char name[64] = "a non-symbol";
            if (lo_symbolp(args[i])) {
                size_t colon = lo_keywordp(args[i]);
                name[0] = ':';
                lo_string_utf8(lo_symbol_name(args[i]), name + colon,
                               sizeof name - colon);
            }
            lo_error(L, "PROGRAM-ERROR", "%s: unknown keyword argument %s",
                     op, name);
        }
    }
}

/* ---- functions, indices, access ------------------------------------------ */

lo_value lo_function_designator(lo_lisp *L, lo_value v, const char *op)
{
    if (lo_typep(v, LO_T_FUNCTION) || lo_typep(v, LO_T_PRIMITIVE) ||
        lo_instance_callee(v))
        return v;
    if (!lo_symbolp(v))
        lo_arg_error_op(L, op, v, "(OR FUNCTION SYMBOL)");
    lo_value cell = lo_function_cell(L, v, false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        lo_cell_error(L, v, true);
    return lo_cell_get(cell);
}

/* An index or a size: any non-negative fixnum. */
#define INDEX_TYPE "(INTEGER 0 2305843009213693951)"
_Static_assert(LO_FIXNUM_MAX == 2305843009213693951,
               "INDEX_TYPE names the largest fixnum");

uint64_t lo_index_arg(lo_lisp *L, lo_value v, const char *op)
{
    if (!lo_fixnump(v) || lo_fixnum_value(v) < 0)
        lo_arg_error_op(L, op, v, INDEX_TYPE);
    return (uint64_t)lo_fixnum_value(v);
}

/* (INTEGER low high) */
static lo_value integer_range(lo_lisp *L, uint64_t low, uint64_t high)
{
    return lo_cons(L, lo_intern(L, "INTEGER"),
           lo_cons(L, lo_fixnum((int64_t)low),
           lo_cons(L, lo_fixnum((int64_t)high), L->nil)));
}

/* Bad bounds are a TYPE-ERROR as SBCL makes it: the datum is (start
 * . end) as given, the expected type (CONS (INTEGER 0 len) (INTEGER start
 * len)). */
void lo_bounds(lo_lisp *L, const char *op, lo_value start, lo_value end,
               uint64_t len, uint64_t *out_start, uint64_t *out_end)
{
    *out_start = start == LO_UNBOUND ? 0 : lo_index_arg(L, start, op);
    *out_end = end == LO_UNBOUND || lo_null(L, end) ? len
             : lo_index_arg(L, end, op);
    if (*out_start <= *out_end && *out_end <= len)
        return;
    lo_value datum = lo_cons(L, lo_fixnum((int64_t)*out_start),
                             end == LO_UNBOUND ? L->nil : end);
    lo_value type = lo_cons(L, lo_intern(L, "CONS"),
                    lo_cons(L, integer_range(L, 0, len),
                    lo_cons(L, integer_range(L, *out_start, len), L->nil)));
    lo_type_error_as(L, datum, "(CONS (INTEGER 0 length) (INTEGER start "
                     "length))", type, "%s: the bounding indices %llu and "
                     "%llu are bad for a sequence of length %llu", op,
                     (unsigned long long)*out_start,
                     (unsigned long long)*out_end, (unsigned long long)len);
}

/* ---- vectors: making, reading, writing ----------------------------------- */

static void check_length(lo_lisp *L, uint64_t len, const char *op)
{
    if (len > LO_MAX_SEQUENCE)
        lo_error(L, "STORAGE-CONDITION", "%s: %llu elements are too many",
                 op, (unsigned long long)len);
}

lo_value lo_new_vector(lo_lisp *L, uint64_t len, lo_value fill)
{
    check_length(L, len, "MAKE-ARRAY");
    return lo_make_vector(L, len, fill);
}

/* Byte vectors of LO_HEAP_LARGE_BYTES and more live in the large-object
 * space (gc/heap.h): never moved, never copied by the collector. */
lo_value lo_alloc_bytes(lo_lisp *L, uint64_t length)
{
    check_length(L, length, "MAKE-ARRAY");
    uint64_t words = 2 + (length + 7) / 8, *p;
    if (length >= LO_HEAP_LARGE_BYTES) {
        lo_limits_check_alloc(L, words * 8);    /* before taking the pages */
        if (!(p = lo_heap_alloc_large(L->heap, words))) {
            lo_heap_starved(L->heap);
            lo_error(L, "STORAGE-CONDITION", "the store is full");
        }
        L->large_bytes += words * 8;
        p[0] = lo_header_raw(LO_T_BYTES, words, 1);
    } else {
        p = lo_alloc_raw(L, LO_T_BYTES, words, 1);
    }
    p[1] = lo_fixnum((int64_t)length);
    return lo_make_object(p);
}

lo_value lo_alloc_bytes_small(lo_lisp *L, uint64_t length)
{
    check_length(L, length, "MAKE-ARRAY");
    uint64_t *p = lo_alloc_raw(L, LO_T_BYTES, 2 + (length + 7) / 8, 1);
    p[1] = lo_fixnum((int64_t)length);
    return lo_make_object(p);
}

lo_value lo_alloc_bytes_to_fill(lo_lisp *L, uint64_t length)
{
    lo_value v = lo_alloc_bytes(L, length);
    if (length >= LO_HEAP_LARGE_BYTES)
        lo_ckpt_prepare_write(L->store, lo_bytes_data(v), length);
    return v;
}

void lo_any_vector_set(lo_lisp *L, lo_value v, uint64_t i, lo_value x,
                       const char *op)
{
    switch (lo_type_of_object(v)) {
    case LO_T_STRING:
        if (!lo_charp(x))
            lo_arg_error_op(L, op, x, "CHARACTER");
        lo_string_chars(v)[i] = lo_char_code(x);
        break;
    case LO_T_BYTES:
        if (!lo_fixnump(x) || lo_fixnum_value(x) < 0 ||
            lo_fixnum_value(x) > 255)
            lo_arg_error_op(L, op, x, "(UNSIGNED-BYTE 8)");
        lo_bytes_data(v)[i] = (uint8_t)lo_fixnum_value(x);
        break;
    default:
        lo_vector_items(v)[i] = x;
    }
}


/* ---- kinds of sequence --------------------------------------------------- */

enum lo_kind lo_kind_of(lo_lisp *L, lo_value v)
{
    if (lo_consp(v) || lo_null(L, v))
        return LO_K_LIST;
    if (lo_objectp(v))
        switch (lo_type_of_object(v)) {
        case LO_T_VECTOR: return LO_K_VECTOR;
        case LO_T_STRING: return LO_K_STRING;
        case LO_T_BYTES:  return LO_K_BYTES;
        default:          break;
        }
    return LO_K_NONE;
}

enum lo_kind lo_sequence_arg(lo_lisp *L, lo_value v, const char *op)
{
    enum lo_kind k = lo_kind_of(L, v);
    if (k == LO_K_NONE)
        lo_arg_error_op(L, op, v, "SEQUENCE");
    return k;
}

lo_value lo_sequence_from(lo_lisp *L, enum lo_kind k, lo_value src,
                          uint64_t from, uint64_t count, const char *op)
{
    lo_value v;
    switch (k) {
    case LO_K_LIST:
        v = L->nil;
        for (uint64_t i = count; i > 0; i--)
            v = lo_cons(L, lo_any_vector_ref(src, from + i - 1), v);
        return v;
    case LO_K_STRING: v = lo_alloc_string(L, count); break;
    case LO_K_BYTES:  v = lo_alloc_bytes(L, count); break;
    default:          v = lo_new_vector(L, count, L->nil); break;
    }
    for (uint64_t i = 0; i < count; i++)
        lo_any_vector_set(L, v, i, lo_any_vector_ref(src, from + i), op);
    return v;
}

lo_value lo_items_of(lo_lisp *L, lo_value seq, const char *op)
{
    if (lo_sequence_arg(L, seq, op) != LO_K_LIST) {
        lo_check_access(L, seq, LO_ACCESS_READ, op);
        return seq;
    }
    int64_t len = lo_list_length(L, seq);
    if (len < 0)
        lo_arg_error_op(L, op, lo_improper_tail(L, seq), "LIST");
    lo_value v = lo_new_vector(L, (uint64_t)len, L->nil);
    lo_value *items = lo_vector_items(v);
    for (; lo_consp(seq); seq = lo_cdr_raw(seq))
        *items++ = lo_car_raw(seq);
    return v;
}

/* Type specifiers are matched by symbol name (there is one package). */
bool lo_type_named(lo_value v, const char *name)
{
    if (!lo_symbolp(v))
        return false;
    lo_value s = lo_symbol_name(v);
    size_t len = strlen(name);
    if (lo_string_length(s) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if (lo_string_chars(s)[i] != (unsigned char)name[i])
            return false;
    return true;
}

/* Whether v names one of the types in the space-separated list. */
static bool named_any(lo_value v, const char *names)
{
    char name[32];
    for (const char *p = names; *p; p = next_word(p)) {
        size_t len = word_length(p);
        memcpy(name, p, len);
        name[len] = '\0';
        if (lo_type_named(v, name))
            return true;
    }
    return false;
}

/* What an array of element type spec is made of: characters, bytes, or
 * (for every other type, upgraded to T) any values. */
static enum lo_kind element_kind(lo_lisp *L, lo_value spec)
{
    if (named_any(spec, "CHARACTER BASE-CHAR STANDARD-CHAR"))
        return LO_K_STRING;
    if (lo_consp(spec) && lo_type_named(lo_car_raw(spec), "UNSIGNED-BYTE") &&
        lo_consp(lo_cdr_raw(spec)) &&
        lo_eq(lo_car_raw(lo_cdr_raw(spec)), lo_fixnum(8)) &&
        lo_null(L, lo_cdr_raw(lo_cdr_raw(spec))))
        return LO_K_BYTES;
    return LO_K_VECTOR;
}

/* LIST, VECTOR, STRING and their simple forms, (VECTOR element-type)... */
enum lo_kind lo_result_kind(lo_lisp *L, lo_value spec, bool nil_ok,
                            const char *op)
{
    if (nil_ok && lo_null(L, spec))
        return LO_K_NONE;
    if (lo_type_named(spec, "LIST"))
        return LO_K_LIST;
    if (named_any(spec, "VECTOR SIMPLE-VECTOR ARRAY SIMPLE-ARRAY"))
        return LO_K_VECTOR;
    if (named_any(spec, "STRING SIMPLE-STRING BASE-STRING SIMPLE-BASE-STRING"))
        return LO_K_STRING;
    if (lo_consp(spec) && lo_consp(lo_cdr_raw(spec)) &&
        named_any(lo_car_raw(spec), "VECTOR SIMPLE-ARRAY ARRAY"))
        return element_kind(L, lo_car_raw(lo_cdr_raw(spec)));
    lo_arg_error_op(L, op, spec, "(OR (MEMBER LIST VECTOR SIMPLE-VECTOR "
                    "ARRAY SIMPLE-ARRAY STRING SIMPLE-STRING BASE-STRING "
                    "SIMPLE-BASE-STRING) (CONS (MEMBER VECTOR ARRAY "
                    "SIMPLE-ARRAY) CONS))");
}

/* ---- vector primitives ---- */

/* (make-array dimension &key element-type initial-element
 * initial-contents adjustable fill-pointer): one dimension, simple. */
LO_PRIMITIVE(p_make_array, "MAKE-ARRAY", CL, ANY, 1, -1,
             "(dimensions &key element-type initial-element initial-contents "
             "adjustable fill-pointer)",
             "A fresh simple vector of DIMENSIONS elements (an integer or a "
             "list of one): a string for a character ELEMENT-TYPE, a byte "
             "vector for (UNSIGNED-BYTE 8), else general (filled with 0 when "
             "no INITIAL-ELEMENT or INITIAL-CONTENTS).  Arrays of more "
             "dimensions, ADJUSTABLE and FILL-POINTER are not implemented "
             "yet.")
{
    const char *op = "MAKE-ARRAY";
    lo_value k[5];
    lo_parse_keys(L, op, args, nargs, 1, "ELEMENT-TYPE INITIAL-ELEMENT "
                  "INITIAL-CONTENTS ADJUSTABLE FILL-POINTER", k);
    lo_value dim = args[0];
    if (lo_consp(dim) && lo_null(L, lo_cdr_raw(dim)))
        dim = lo_car_raw(dim);
    else if (lo_consp(dim))
        lo_error(L, "PROGRAM-ERROR", "%s: arrays of more than one dimension "
                 "are not implemented yet", op);
    uint64_t len = lo_index_arg(L, dim, op);
    if (lo_given(L, k[3]) || lo_given(L, k[4]))
        lo_error(L, "PROGRAM-ERROR", "%s: adjustable arrays and fill "
                 "pointers are not implemented yet", op);
    if (k[1] != LO_UNBOUND && k[2] != LO_UNBOUND)
        lo_error(L, "PROGRAM-ERROR", "%s: both :initial-element and "
                 ":initial-contents", op);
    enum lo_kind kind = k[0] == LO_UNBOUND ? LO_K_VECTOR
                      : element_kind(L, k[0]);
    lo_value v = kind == LO_K_STRING ? lo_alloc_string(L, len)
               : kind == LO_K_BYTES ? lo_alloc_bytes(L, len)
               : lo_new_vector(L, len, lo_fixnum(0));   /* as SBCL fills */
    if (k[1] != LO_UNBOUND)
        for (uint64_t i = 0; i < len; i++)
            lo_any_vector_set(L, v, i, k[1], op);
    if (k[2] != LO_UNBOUND) {
        lo_value items = lo_items_of(L, k[2], op);
        if (lo_any_vector_length(items) != len)
            lo_error(L, "PROGRAM-ERROR", "%s: :initial-contents has %llu "
                     "elements, not %llu", op, (unsigned long long)
                     lo_any_vector_length(items), (unsigned long long)len);
        for (uint64_t i = 0; i < len; i++)
            lo_any_vector_set(L, v, i, lo_any_vector_ref(items, i), op);
    }
    return v;
}

LO_PRIMITIVE(p_vector, "VECTOR", CL, ANY, 0, -1, "(&rest objects)",
             "A fresh simple vector holding the OBJECTS in order.")
{
    lo_value v = lo_new_vector(L, nargs, L->nil);
    memcpy(lo_vector_items(v), args, nargs * sizeof *args);
    return v;
}

/* A vector (any kind) granting bits, else a TYPE-ERROR expecting type
 * (VECTOR, or ARRAY for the array functions). */
static lo_value vector_of_type(lo_lisp *L, lo_value v, unsigned bits,
                               const char *op, const char *type)
{
    if (!lo_any_vector_p(v))
        lo_arg_error_op(L, op, v, type);
    lo_check_access(L, v, bits, op);
    return v;
}

lo_value lo_vector_arg(lo_lisp *L, lo_value v, unsigned bits,
                       const char *op)
{
    return vector_of_type(L, v, bits, op, "VECTOR");
}

/* An array argument: arrays are vectors here. */
static lo_value array_arg(lo_lisp *L, lo_value v, unsigned bits,
                          const char *op)
{
    return vector_of_type(L, v, bits, op, "ARRAY");
}

uint64_t lo_vector_index(lo_lisp *L, lo_value v, lo_value i,
                         const char *op)
{
    uint64_t end = lo_any_vector_length(v);
    if (lo_fixnump(i) && lo_fixnum_value(i) >= 0 &&
        (uint64_t)lo_fixnum_value(i) < end)
        return (uint64_t)lo_fixnum_value(i);
    char type[48];      /* (INTEGER 0 (end)), as SBCL names a bad index */
    lo_snprintf(type, sizeof type, "(INTEGER 0 (%llu))",
                (unsigned long long)end);
    lo_arg_error_op(L, op, i, type);
}

/* (aref vector index): vectors have one dimension. */
LO_PRIMITIVE(p_aref, "AREF", CL, ANY, 1, -1, "(array &rest subscripts)",
             "The element of ARRAY at the SUBSCRIPTS (one: arrays are "
             "vectors here); needs its read bit.")
{
    lo_value v = array_arg(L, args[0], LO_ACCESS_READ, "AREF");
    if (nargs != 2)
        lo_error(L, "PROGRAM-ERROR", "AREF: wrong number of subscripts");
    return lo_any_vector_ref(v, lo_vector_index(L, v, args[1], "AREF"));
}

LO_PRIMITIVE(p_svref, "SVREF", CL, ANY, 2, 2, "(simple-vector index)",
             "The element at INDEX of SIMPLE-VECTOR, a general vector (not a "
             "string or a byte vector); needs its read bit.")
{
    lo_value v = lo_arg_vector(L, args[0]);
    lo_check_access(L, v, LO_ACCESS_READ, "SVREF");
    return lo_vector_items(v)[lo_vector_index(L, v, args[1], "SVREF")];
}

/* (%aset vector index value): what (setf (aref v i) x) becomes. */
LO_PRIMITIVE(p_aset, "%ASET", INTERNAL, ANY, 3, 3, "(array index value)",
             "Store VALUE at INDEX of ARRAY (its write bit needed; a string "
             "takes characters, a byte vector integers 0 to 255); returns "
             "VALUE.  What (SETF AREF) and (SETF SVREF) become.")
{
    lo_value v = array_arg(L, args[0], LO_ACCESS_WRITE, "(SETF AREF)");
    lo_any_vector_set(L, v, lo_vector_index(L, v, args[1], "(SETF AREF)"), args[2],
                      "(SETF AREF)");
    return args[2];
}

LO_PRIMITIVE(p_vectorp, "VECTORP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a vector: a general vector, a string or a "
             "byte vector.")
{ return lo_truth(L, lo_any_vector_p(args[0])); }
LO_PRIMITIVE_ALIAS(p_arrayp, p_vectorp, "ARRAYP", CL, ANY, 1, 1, "(object)",
                   "True when OBJECT is an array: every array is a vector "
                   "here (a general vector, a string or a byte vector).");

LO_PRIMITIVE(p_simple_vector_p, "SIMPLE-VECTOR-P", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a general vector: one holding any objects, "
             "not a string or a byte vector.")
{ return lo_truth(L, lo_vectorp(args[0])); }

LO_PRIMITIVE(p_array_dimension, "ARRAY-DIMENSION", CL, ANY, 2, 2,
             "(array axis-number)",
             "The length of ARRAY along AXIS-NUMBER, which can only be 0 "
             "(arrays are vectors here).  No access bit is needed.")
{
    lo_value v = array_arg(L, args[0], 0, "ARRAY-DIMENSION");
    lo_arg_index(L, args[1], 1);
    return lo_fixnum((int64_t)lo_any_vector_length(v));
}

LO_PRIMITIVE(p_array_dimensions, "ARRAY-DIMENSIONS", CL, ANY, 1, 1, "(array)",
             "A list of ARRAY's dimensions: its length alone, arrays being "
             "vectors here.")
{
    lo_value v = array_arg(L, args[0], 0, "ARRAY-DIMENSIONS");
    return lo_cons(L, lo_fixnum((int64_t)lo_any_vector_length(v)), L->nil);
}

LO_PRIMITIVE(p_array_rank, "ARRAY-RANK", CL, ANY, 1, 1, "(array)",
             "The number of dimensions of ARRAY: always 1 here.")
{
    array_arg(L, args[0], 0, "ARRAY-RANK");
    return lo_fixnum(1);
}

LO_PRIMITIVE(p_array_total_size, "ARRAY-TOTAL-SIZE", CL, ANY, 1, 1, "(array)",
             "The number of elements of ARRAY (its length).")
{
    return lo_fixnum((int64_t)lo_any_vector_length(
        array_arg(L, args[0], 0, "ARRAY-TOTAL-SIZE")));
}

LO_PRIMITIVE(p_array_element_type, "ARRAY-ELEMENT-TYPE", CL, ANY, 1, 1,
             "(array)",
             "What ARRAY's elements may be: CHARACTER for a string, "
             "(UNSIGNED-BYTE 8) for a byte vector, T for a general vector.")
{
    lo_value v = array_arg(L, args[0], 0, "ARRAY-ELEMENT-TYPE");
    switch (lo_type_of_object(v)) {
    case LO_T_STRING:
        return lo_intern(L, "CHARACTER");
    case LO_T_BYTES:
        return lo_cons(L, lo_intern(L, "UNSIGNED-BYTE"),
                       lo_cons(L, lo_fixnum(8), L->nil));
    default:
        return L->t;
    }
}

/* ---- the primitives' table ---- */

const struct lo_primitive *const lo_prims_vectors[] = {
    LO_ROW(p_make_array),
    LO_ROW(p_vector),
    LO_ROW(p_aref),
    LO_ROW(p_svref),
    LO_ROW(p_aset),
    LO_ROW(p_vectorp),
    LO_ROW(p_arrayp),
    LO_ROW(p_simple_vector_p),
    LO_ROW(p_array_dimension),
    LO_ROW(p_array_dimensions),
    LO_ROW(p_array_rank),
    LO_ROW(p_array_total_size),
    LO_ROW(p_array_element_type),
    NULL,
};
