/*
 * sequences.h -- what strings.c, vectors.c and sequences.c share: keyword
 * arguments, function designators, bounds, access checks, element access
 * to strings, simple vectors and byte vectors, the kinds of sequence; and
 * the character names the reader and printer use.
 *
 * Nothing here calls back into Lisp, and allocating never collects, so a
 * value or C pointer taken from these stays good until the next call of
 * lo_vm_apply (internal.h, "roots and safepoints").
 */
#ifndef LO_LISP_SEQUENCES_H
#define LO_LISP_SEQUENCES_H

#include "lisp/internal.h"

/* eql is lo_eql (internal.h, in hashtable.c). */

/* ---- keyword arguments ---- */
/* Whether v is the keyword named name (without the colon: "TEST"). */
bool lo_keyword_is(lo_value v, const char *name);

/*
 * Parse the keyword arguments args[first..n) of operation op against the
 * space-separated list of names (without colons), e.g. "TEST KEY START".
 * out[k] receives the value given for the k-th name, or LO_UNBOUND; the
 * leftmost occurrence wins, as in Common Lisp.  An odd count or a name not
 * in the list is a PROGRAM-ERROR (unless :ALLOW-OTHER-KEYS is true).
 */
void lo_parse_keys(lo_lisp *L, const char *op, const lo_value *args,
                   uint32_t n, uint32_t first, const char *names,
                   lo_value *out);

/* One keyword argument: its value among args[first..n), or LO_UNBOUND. */
lo_value lo_keyword_arg(lo_lisp *L, const lo_value *args, uint32_t n,
                        uint32_t first, const char *name);

/* A supplied keyword value that is not nil (absent counts as false). */
static inline bool lo_given(lo_lisp *L, lo_value v)
{
    return v != LO_UNBOUND && !lo_null(L, v);
}

/* ---- lists ----
 * The length of a proper list argument.  Else a TYPE-ERROR of type LIST
 * (naming the primitive running) about what ends a dotted list, as SBCL
 * reports it, or about a circular list. */
uint64_t lo_list_length_arg(lo_lisp *L, lo_value list);

/* ---- functions ----
 * A function designator: a function, or a symbol naming a global one. */
lo_value lo_function_designator(lo_lisp *L, lo_value v, const char *op);

/* ---- indices and bounds ---- */
/* A non-negative fixnum index, else a TYPE-ERROR. */
uint64_t lo_index_arg(lo_lisp *L, lo_value v, const char *op);
/* :start and :end (either LO_UNBOUND; end may be nil) checked against a
 * sequence of length len: 0 <= start <= end <= len. */
void lo_bounds(lo_lisp *L, const char *op, lo_value start, lo_value end,
               uint64_t len, uint64_t *out_start, uint64_t *out_end);

/* ---- capabilities ----
 * Vectors, strings and byte vectors carry access bits (value.h): reading
 * elements needs LO_ACCESS_READ, changing them LO_ACCESS_WRITE
 * (lo_check_access, internal.h). */

/* The most elements a string or vector may have: far beyond any store
 * today, and small enough that sizes in words never overflow. */
#define LO_MAX_SEQUENCE (1ull << 36)

/* ---- characters (strings.c; the reader and printer use the names) ---- */
/* Case mapping, one character to one (identity when uncased). */
uint32_t lo_char_upcase(uint32_t c);
uint32_t lo_char_downcase(uint32_t c);
/* SBCL's name of a character (for codes below 256), or NULL. */
const char *lo_char_name(uint32_t code);
/* ALPHANUMERICP of one code point. */
bool lo_char_alphanumeric_p(uint32_t c);
/* The character named name[0..len) in any case (a name, an alias such as
 * Linefeed, or U+hex); false when there is none. */
bool lo_name_char(const char *name, size_t len, uint32_t *code);

/* ---- strings (UTF-32, two code points per word) ---- */
lo_value lo_alloc_string(lo_lisp *L, uint64_t length);  /* all U+0000 */
static inline uint32_t *lo_string_chars(lo_value s)
{
    return (uint32_t *)(lo_ptr(s) + 2);
}

/* ---- simple vectors and byte vectors ---- */
static inline bool lo_vectorp(lo_value v)
{
    return lo_typep(v, LO_T_VECTOR);
}
static inline lo_value *lo_vector_items(lo_value v)
{
    return (lo_value *)(lo_ptr(v) + 2);
}
static inline uint64_t lo_vector_length(lo_value v)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(v)[1]);
}
lo_value lo_alloc_bytes(lo_lisp *L, uint64_t length);   /* all zero */
/* The same for a caller about to write every byte: a large one's pages
 * are made writable at once instead of faulting in one by one. */
lo_value lo_alloc_bytes_to_fill(lo_lisp *L, uint64_t length);
/* A byte vector in the small-object space whatever its length, for a
 * caller about to write every byte of one likely to die young (a query's
 * directory): the pages past that space's top stay resident from one
 * collection to the next (lo_heap_set_release_slack), where a large
 * object's block takes fresh pages each time.  The collector moves it
 * as any small object. */
lo_value lo_alloc_bytes_small(lo_lisp *L, uint64_t length);
static inline uint8_t *lo_bytes_data(lo_value v)
{
    return (uint8_t *)(lo_ptr(v) + 2);
}

/* A simple vector of length elements, all fill (a STORAGE-CONDITION when
 * absurdly long). */
lo_value lo_new_vector(lo_lisp *L, uint64_t length, lo_value fill);

/* Strings, simple vectors and byte vectors: "vectors" below. */
static inline bool lo_any_vector_p(lo_value v)
{
    if (!lo_objectp(v))
        return false;
    enum lo_type t = lo_type_of_object(v);
    return t == LO_T_VECTOR || t == LO_T_STRING || t == LO_T_BYTES;
}
/* The length of any vector (all three keep it as a fixnum in word 1). */
static inline uint64_t lo_any_vector_length(lo_value v)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(v)[1]);
}
/* Element i of any vector, as a Lisp value (a character, a fixnum...). */
static inline lo_value lo_any_vector_ref(lo_value v, uint64_t i)
{
    switch (lo_type_of_object(v)) {
    case LO_T_STRING: return lo_char(lo_string_chars(v)[i]);
    case LO_T_BYTES:  return lo_fixnum(lo_bytes_data(v)[i]);
    default:          return lo_vector_items(v)[i];
    }
}
/* Store x as element i, checking it fits: characters in strings, integers
 * 0..255 in byte vectors (a TYPE-ERROR otherwise).  No access check. */
void lo_any_vector_set(lo_lisp *L, lo_value v, uint64_t i, lo_value x,
                       const char *op);

/* A vector argument, after checking it is one and has the access bits. */
lo_value lo_vector_arg(lo_lisp *L, lo_value v, unsigned bits, const char *op);
/* An index within vector v, else a TYPE-ERROR. */
uint64_t lo_vector_index(lo_lisp *L, lo_value v, lo_value i, const char *op);

/* ---- sequences (vectors.c) ----
 * The kinds of sequence, which are also the result types of MAP,
 * CONCATENATE and COERCE (LO_K_NONE: not a sequence; MAP's NIL). */
enum lo_kind { LO_K_NONE, LO_K_LIST, LO_K_VECTOR, LO_K_STRING, LO_K_BYTES };
enum lo_kind lo_kind_of(lo_lisp *L, lo_value v);
/* The kind of a sequence argument, else a TYPE-ERROR. */
enum lo_kind lo_sequence_arg(lo_lisp *L, lo_value v, const char *op);
/* A sequence's elements by index: a vector itself (its read bit checked),
 * a proper list's as a fresh simple vector. */
lo_value lo_items_of(lo_lisp *L, lo_value seq, const char *op);
/* A fresh sequence of kind k holding src[from, from+count) of any vector
 * src, each element checked to fit (characters for a string...). */
lo_value lo_sequence_from(lo_lisp *L, enum lo_kind k, lo_value src,
                          uint64_t from, uint64_t count, const char *op);
/* The kind a type specifier names; NIL gives LO_K_NONE when nil_ok. */
enum lo_kind lo_result_kind(lo_lisp *L, lo_value spec, bool nil_ok,
                            const char *op);
/* Whether v is a symbol named name, in whatever package. */
bool lo_type_named(lo_value v, const char *name);

#endif
