/*
 * runtime.c -- the Lisp's data at the lowest level: allocation (objects,
 * conses, vectors, strings and their UTF-8), and special variables (their
 * per-thread bindings).  Everything else builds on it; it calls nothing
 * above it but the environments' cells (environment.c) and the limits'
 * check on allocation's slow path (limits.c).  Opening the Lisp and the
 * cold boot are open.c's, entering it api.c's.
 */
#include <string.h>

#include "lisp/environment.h"
#include "lisp/internal.h"

/* ---- allocation ------------------------------------------------------------ */

/* Allocation's slow path: a new chunk for the thread's buffer (every 32
 * KiB), or an object too big for one.  The evaluation limits check here,
 * so that a primitive allocating much without a poll is stopped too. */
__attribute__((noinline))
static uint64_t *alloc_slow(lo_lisp *L, uint64_t words)
{
    lo_limits_check_alloc(L, words * 8);
    uint64_t *p = lo_heap_alloc_slow(L->heap, &L->buffer, words);
    if (!p) {
        lo_heap_starved(L->heap);       /* collected at the next chance */
        lo_error(L, "STORAGE-CONDITION", "the store is full");
    }
    return p;
}

static inline uint64_t *alloc_words(lo_lisp *L, uint64_t words)
{
    uint64_t *p = lo_heap_alloc_fast(&L->buffer, words);
    return p ? p : alloc_slow(L, words);
}

uint64_t *lo_alloc_object(lo_lisp *L, enum lo_type type, uint64_t words)
{
    uint64_t *p = alloc_words(L, words);
    p[0] = lo_header(type, words);
    return p;
}

uint64_t *lo_alloc_raw(lo_lisp *L, enum lo_type type, uint64_t words,
                       unsigned value_words)
{
    uint64_t *p = alloc_words(L, words);
    p[0] = lo_header_raw(type, words, value_words);
    return p;
}

void lo_shrink_raw(uint64_t *p, uint64_t words)
{
    uint64_t old = lo_header_words(p[0]);
    if (words >= old)
        return;
    p[0] = (p[0] & ~(LO_HEADER_SIZE_MASK << 8)) | words << 8;
    p[words] = lo_header_raw(LO_T_FILLER, old - words, 0);
}

lo_value lo_cons(lo_lisp *L, lo_value car, lo_value cdr)
{
    uint64_t *p = lo_alloc_object(L, LO_T_CONS, 3);
    p[1] = car;
    p[2] = cdr;
    return lo_make_cons_ptr(p);
}

lo_value lo_car(lo_lisp *L, lo_value x)
{
    if (lo_consp(x))
        return lo_car_raw(x);
    if (lo_null(L, x))
        return L->nil;
    lo_type_error(L, x, "LIST", "CAR: not a list");
}

lo_value lo_cdr(lo_lisp *L, lo_value x)
{
    if (lo_consp(x))
        return lo_cdr_raw(x);
    if (lo_null(L, x))
        return L->nil;
    lo_type_error(L, x, "LIST", "CDR: not a list");
}

/* A circular list is not a proper list either: Brent's check compares
 * each cons with a mark moved to the 2^k-th one, one comparison per
 * element, so C code measuring a list never loops for ever (no poll runs
 * there, so no evaluation limit could stop it). */
int64_t lo_list_length(lo_lisp *L, lo_value list)
{
    int64_t n = 0, next_mark = 1;
    lo_value mark = list;
    while (lo_consp(list)) {
        n++;
        list = lo_cdr_raw(list);
        if (list == mark)
            return -1;
        if (n == next_mark) {
            mark = list;
            next_mark *= 2;
        }
    }
    return lo_null(L, list) ? n : -1;
}

lo_value lo_make_vector(lo_lisp *L, uint64_t length, lo_value fill)
{
    uint64_t *p = lo_alloc_object(L, LO_T_VECTOR, 2 + length);
    p[1] = lo_fixnum((int64_t)length);
    for (uint64_t i = 0; i < length; i++)
        p[2 + i] = fill;
    return lo_make_object(p);
}

/* ---- strings: UTF-32, two code points per word ---------------------------- */

uint32_t lo_utf8_next(const unsigned char **p, const unsigned char *end)
{
    const unsigned char *s = *p;
    uint32_t c = *s++;
    int extra = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (c >= 0x80 && c < 0xc0)
        extra = -1;
    if (extra > 0) {
        c &= 0x3fu >> extra;
        for (int i = 0; i < extra; i++) {
            if (s >= end || (*s & 0xc0) != 0x80) {
                *p = s;
                return 0xfffd;
            }
            c = c << 6 | (*s++ & 0x3f);
        }
    }
    *p = s;
    return extra < 0 ? 0xfffd : c;
}

lo_value lo_make_string(lo_lisp *L, const char *utf8, size_t len)
{
    const unsigned char *p = (const unsigned char *)utf8, *end = p + len;
    uint64_t count = 0;
    for (const unsigned char *q = p; q < end; count++)
        lo_utf8_next(&q, end);
    uint64_t *obj = lo_alloc_raw(L, LO_T_STRING, 2 + (count + 1) / 2, 1);
    obj[1] = lo_fixnum((int64_t)count);
    uint32_t *chars = (uint32_t *)(obj + 2);
    for (uint64_t i = 0; p < end; i++)
        chars[i] = lo_utf8_next(&p, end);
    return lo_make_object(obj);
}

size_t lo_utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) {
        out[0] = (char)(0xc0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3f));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xe0 | c >> 12);
        out[1] = (char)(0x80 | (c >> 6 & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | c >> 18);
    out[1] = (char)(0x80 | (c >> 12 & 0x3f));
    out[2] = (char)(0x80 | (c >> 6 & 0x3f));
    out[3] = (char)(0x80 | (c & 0x3f));
    return 4;
}

void lo_string_utf8(lo_value s, char *buf, size_t len)
{
    size_t at = 0;
    for (uint64_t i = 0; i < lo_string_length(s); i++) {
        char tmp[4];
        size_t n = lo_utf8_encode(lo_string_ref(s, i), tmp);
        if (at + n >= len)
            break;
        memcpy(buf + at, tmp, n);
        at += n;
    }
    if (len)
        buf[at] = '\0';
}

/* ---- special variables ------------------------------------------------------------
 * Shallow binding, per thread.  The cell holds the global value; a
 * thread that binds the variable keeps its value in its own slot (the
 * cell's index into L->specials, given when the variable is first bound
 * by anyone and recorded in the heap so it stays the same after a
 * restart).  Binding saves the thread's old slot value on the binding
 * stack; leaving the binding -- by returning or by any non-local exit --
 * puts it back. */

bool lo_special_p(lo_lisp *L, lo_value sym)
{
    lo_value cell = lo_variable_cell(L, sym, false);
    return !lo_null(L, cell) && (lo_cell_flags(cell) & CELL_SPECIAL);
}

void lo_proclaim_special(lo_lisp *L, lo_value sym)
{
    lo_value cell = lo_variable_cell(L, sym, true);
    lo_note_definition(L, cell);        /* defined again: not stale */
    if (lo_cell_flags(cell) & CELL_SPECIAL)
        return;
    lo_check_definable(L, lo_current_env(L), cell, "DEFVAR");
    lo_cell_add_flags(cell, CELL_SPECIAL);
}

bool lo_constant_p(lo_lisp *L, lo_value sym)
{
    lo_value cell = lo_variable_cell(L, sym, false);
    return !lo_null(L, cell) && (lo_cell_flags(cell) & CELL_CONSTANT);
}

/* The cell's per-thread slot index, given now if it has none. */
static uint32_t special_index(lo_lisp *L, lo_value cell)
{
    int64_t flags = lo_cell_flags(cell);
    if (flags >> CELL_INDEX_SHIFT)
        return (uint32_t)(flags >> CELL_INDEX_SHIFT);
    lo_world_lock(L);
    flags = lo_cell_flags(cell);
    if (!(flags >> CELL_INDEX_SHIFT)) {
        lo_value *count = lo_world_root(L, LO_ROOT_SPECIAL_COUNT);
        int64_t next = lo_fixnump(*count) ? lo_fixnum_value(*count) + 1 : 1;
        if (next >= LO_MAX_SPECIALS) {
            lo_world_unlock(L);
            lo_error(L, "STORAGE-CONDITION", "more than %d special variables "
                     "bound", LO_MAX_SPECIALS);
        }
        *count = lo_fixnum(next);
        lo_cell_add_flags(cell, next << CELL_INDEX_SHIFT);
        flags |= next << CELL_INDEX_SHIFT;
    }
    lo_world_unlock(L);
    return (uint32_t)(flags >> CELL_INDEX_SHIFT);
}

/* Room in this thread for slot index. */
static void grow_specials(lo_lisp *L, uint32_t index)
{
    uint32_t n = L->nspecials ? L->nspecials : 64;
    while (n <= index)
        n *= 2;
    lo_value *slots = lo_mem_alloc(n * sizeof *slots);
    if (!slots)
        lo_error(L, "STORAGE-CONDITION", "out of memory binding a special "
                 "variable");
    for (uint32_t i = 0; i < n; i++)
        slots[i] = i < L->nspecials ? L->specials[i] : LO_NO_BINDING;
    lo_mem_free(L->specials);
    L->specials = slots;
    L->nspecials = n;
}

void lo_bind_special(lo_lisp *L, lo_value cell, lo_value value)
{
    if (L->nbindings >= LO_MAX_BINDINGS)
        lo_error(L, "STORAGE-CONDITION", "binding stack exhausted");
    uint32_t index = special_index(L, cell);
    if (index >= L->nspecials)
        grow_specials(L, index);
    L->bindings[L->nbindings].cell = cell;
    L->bindings[L->nbindings].old = L->specials[index];
    L->nbindings++;
    L->specials[index] = value;
}

lo_value lo_special_value(lo_lisp *L, const char *name)
{
    return lo_symbol_value(L, lo_intern(L, name));
}

void lo_bind_named(lo_lisp *L, const char *name, lo_value value)
{
    lo_bind_special(L, lo_variable_cell(L, lo_intern(L, name), true), value);
}

void lo_unbind_to(lo_lisp *L, uint32_t depth)
{
    while (L->nbindings > depth) {
        L->nbindings--;
        lo_value cell = L->bindings[L->nbindings].cell;
        int64_t index = lo_cell_flags(cell) >> CELL_INDEX_SHIFT;
        L->specials[index] = L->bindings[L->nbindings].old;
    }
}

lo_value lo_symbol_value(lo_lisp *L, lo_value sym)
{
    lo_value cell = lo_variable_cell(L, sym, false);
    return lo_null(L, cell) ? LO_UNBOUND : lo_cell_value(L, cell);
}
