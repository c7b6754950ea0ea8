/*
 * runtime.c -- the Lisp system's state: allocation, environments, the
 * world lock, errors, and the boot (see lisp.h and internal.h; symbols
 * and packages are package.c's).
 *
 * A cold boot (an empty heap) creates NIL, the system environment, the
 * packages (package.c) and T, binds every primitive by name, then
 * evaluates the system code written in Lisp (the files of lisp/boot,
 * embedded: boot.h) in COMMON-LISP.  A warm start finds it all through the
 * heap root and checks that this binary's system version -- a hash of the
 * bytecode version, the primitive table, the standard names and the boot
 * code -- is the one that built the heap.
 */
#include <string.h>

#include "lisp/boot.h"
#include "drivers/checksum.h"
#include "lisp/environment.h"
#include "drivers/printf.h"
#include "lisp/internal.h"
#include "lisp/package.h"

/* Bump when the bytecode or an object layout changes. */
#define LO_BYTECODE_VERSION 13u

/* The space past the heap's top a collection keeps for the next
 * allocations (gc/heap.h): at most this, at most the next trigger. */
#define LO_RELEASE_SLACK (64ull << 20)


/* ---- multiple values ---- */

lo_value lo_values(lo_lisp *L, uint32_t n, const lo_value *v)
{
    if (n > LO_MV_LIMIT)
        lo_error(L, "PROGRAM-ERROR", "VALUES: more than %d values",
                 LO_MV_LIMIT);
    for (uint32_t i = 1; i < n; i++)
        L->mv[i] = v[i];
    L->nvalues = n;
    return n ? v[0] : L->nil;
}

/* ---- allocation ------------------------------------------------------------ */

/* Allocation's slow path: a new chunk for the thread's buffer (every 32
 * KiB), or an object too big for one.  The evaluation limits check here,
 * so that a primitive allocating much without a poll is stopped too. */
__attribute__((noinline))
static uint64_t *alloc_slow(lo_lisp *L, uint64_t words)
{
    lo_limits_check_alloc(L, words * 8);
    uint64_t *p = lo_heap_alloc_slow(L->heap, &L->buffer, words);
    if (!p)
        lo_error(L, "STORAGE-CONDITION", "the store is full");
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

uint64_t lo_string_length(lo_value s)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(s)[1]);
}

uint32_t lo_string_ref(lo_value s, uint64_t i)
{
    return ((const uint32_t *)(lo_ptr(s) + 2))[i];
}

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
        lo_value *count = &L->root->roots[LO_ROOT_SPECIAL_COUNT];
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

/* ---- boot ------------------------------------------------------------------------ */

static uint64_t system_version(void)
{
    uint32_t crc = lo_crc32c(0, "lispos-bytecode", 15);
    uint32_t v = LO_BYTECODE_VERSION;
    crc = lo_crc32c(crc, &v, sizeof v);
    for (unsigned i = 0; i < lo_primitive_count; i++) {
        const struct lo_primitive *p = lo_primitives[i];
        uint8_t package = (uint8_t)p->package;
        crc = lo_crc32c(crc, &package, 1);
        crc = lo_crc32c(crc, p->name, strlen(p->name) + 1);
    }
    for (unsigned i = 0; i < lo_cl_name_count; i++)
        crc = lo_crc32c(crc, lo_cl_names[i], strlen(lo_cl_names[i]) + 1);
    for (unsigned i = 0; i < lo_lispos_name_count; i++)
        crc = lo_crc32c(crc, lo_lispos_names[i],
                        strlen(lo_lispos_names[i]) + 1);
    for (unsigned i = 0; i < lo_boot_file_count; i++)
        crc = lo_crc32c(crc, lo_boot_files[i].text,
                        strlen(lo_boot_files[i].text));
    return (uint64_t)LO_BYTECODE_VERSION << 32 | crc;
}

static void cold_boot(lo_lisp *L)
{
    struct lo_heap_root *r = L->root;
    /* NIL first: a symbol whose fields point at itself. */
    uint64_t *nil = lo_alloc_object(L, LO_T_SYMBOL, SYM_WORDS);
    L->nil = r->roots[LO_ROOT_NIL] = lo_make_object(nil);
    nil[SYM_NAME] = lo_make_string(L, "NIL", 3);
    nil[SYM_PACKAGE] = nil[SYM_PLIST] = L->nil;
    nil[SYM_HASH] = lo_fixnum(lo_crc32c(0, "NIL", 3));
    for (int i = LO_ROOT_T; i < LO_HEAP_ROOTS; i++)
        r->roots[i] = L->nil;
    r->roots[LO_ROOT_SYSTEM_ENV] = L->env = lo_make_env(L, L->nil, L->nil);
    lo_packages_cold(L);                /* NIL goes into COMMON-LISP */
    L->t = r->roots[LO_ROOT_T] = lo_intern(L, "T");
    lo_cell_set(lo_variable_cell(L, L->t, true), L->t);
    lo_cell_set(lo_variable_cell(L, L->nil, true), L->nil);

    for (unsigned i = 0; i < lo_primitive_count; i++) {
        lo_value name = lo_primitive_symbol(L, lo_primitives[i]);
        uint64_t *prim = lo_alloc_object(L, LO_T_PRIMITIVE, PRIM_WORDS);
        prim[PRIM_INDEX] = lo_fixnum(i);
        prim[PRIM_NAME] = name;
        lo_cell_set(lo_function_cell(L, name, true), lo_make_object(prim));
    }
}

/* Evaluate the embedded system code, file by file, in name order. */
static int run_boot_code(lo_lisp *L, char *why, size_t why_len)
{
    char result[256];
    for (unsigned i = 0; i < lo_boot_file_count; i++) {
        if (lo_lisp_eval_string(L, lo_boot_files[i].text, result,
                                sizeof result) != LO_OK) {
            lo_snprintf(why, why_len, "cold boot: lisp/boot/%s: %s",
                        lo_boot_files[i].name, result);
            return LO_EINVAL;
        }
    }
    lo_packages_boot_done(L);
    lo_freeze_system(L);
    return LO_OK;
}

/* A thread's state on world W (not yet on its list). */
static lo_lisp *new_thread(struct lo_world *W)
{
    lo_lisp *L = lo_mem_alloc(sizeof *L);
    if (!L)
        return NULL;
    memset(L, 0, sizeof *L);
    L->W = W;
    L->store = W->store;
    L->heap = W->heap;
    L->root = W->root;
    L->poll_budget = L->limits.window = INT64_MAX;      /* no limits */
    /* Exit identities (vm.c) live on in closures that persist: a thread
     * starts its count from the clock, past the ones earlier processes
     * made (each takes far longer than a nanosecond), so a stale exit
     * finds no live entry of the same identity. */
    L->exit_serial = lo_clock_ns() & ((1ull << 54) - 1);
    L->stack = lo_mem_alloc(LO_STACK_VALUES * sizeof *L->stack);
    L->frames = lo_mem_alloc(LO_MAX_FRAMES * sizeof *L->frames);
    L->bindings = lo_mem_alloc(LO_MAX_BINDINGS * sizeof *L->bindings);
    L->roots = lo_mem_alloc(LO_MAX_ROOTS * sizeof *L->roots);
    L->catches = lo_mem_alloc(LO_MAX_CATCHES * sizeof *L->catches);
    L->levels = lo_mem_alloc(LO_MAX_LEVELS * sizeof *L->levels);
    if (!L->stack || !L->frames || !L->bindings || !L->roots ||
        !L->catches || !L->levels) {
        lo_mem_free(L->stack);
        lo_mem_free(L->frames);
        lo_mem_free(L->bindings);
        lo_mem_free(L->roots);
        lo_mem_free(L->catches);
        lo_mem_free(L->levels);
        lo_mem_free(L);
        return NULL;
    }
    return L;
}

/* Put L on its world's list of threads: from now on it allocates, and the
 * collector sees its roots. */
static void join_world(lo_lisp *L)
{
    struct lo_world *W = L->W;
    if (!lo_mutator_attached())
        lo_mutator_attach();
    lo_heap_register_buffer(W->heap, &L->buffer);
    lo_mutex_lock(&W->lock);
    L->next_thread = W->threads;
    W->threads = L;
    lo_mutex_unlock(&W->lock);
}

static void free_thread(lo_lisp *L)
{
    struct lo_world *W = L->W;
    lo_mutex_lock(&W->lock);
    for (lo_lisp **p = &W->threads; *p; p = &(*p)->next_thread)
        if (*p == L) {
            *p = L->next_thread;
            lo_heap_unregister_buffer(W->heap, &L->buffer);
            break;
        }
    lo_mutex_unlock(&W->lock);
    lo_mem_free(L->stack);
    lo_mem_free(L->frames);
    lo_mem_free(L->bindings);
    lo_mem_free(L->roots);
    lo_mem_free(L->specials);
    lo_mem_free(L->catches);
    lo_mem_free(L->levels);
    lo_mem_free(L->output);
    lo_mem_free(L->backtrace);
    for (int i = 0; i < 64; i++)
        lo_mem_free(L->compilers[i]);
    lo_mem_free(L);
}

static void free_world(struct lo_world *W)
{
    while (W->threads)
        free_thread(W->threads);
    lo_heap_close(W->heap);
    lo_clos_lock_destroy(W);
    lo_mutex_destroy(&W->lock);
    lo_mem_free(W);
}

int lo_lisp_open(lo_ckpt *store, lo_lisp **out, char *why, size_t why_len)
{
    *out = NULL;
    lo_primitives_init();
    struct lo_world *W = lo_mem_alloc(sizeof *W);
    if (!W)
        return LO_ENOMEM;
    memset(W, 0, sizeof *W);
    W->store = store;
    lo_mutex_init(&W->lock);
    lo_clos_lock_init(W);
    int fresh = 0;
    int status = lo_heap_open(store, system_version(), &W->heap, &fresh, why,
                              why_len);
    if (status != LO_OK) {
        lo_clos_lock_destroy(W);
        lo_mutex_destroy(&W->lock);
        lo_mem_free(W);
        return status;
    }
    W->root = lo_heap_root(W->heap);
    /* The mutators allocate into the space a collection frees at once:
     * keep one window of it instead of releasing it to be faulted in
     * again (gc/heap.h). */
    lo_heap_set_release_slack(W->heap, LO_RELEASE_SLACK);
    W->cold = fresh;
    lo_lisp *L = new_thread(W);
    if (!L) {
        free_world(W);
        return LO_ENOMEM;
    }
    join_world(L);
    if (fresh) {
        if (__builtin_setjmp(L->error_jump)) {
            lo_snprintf(why, why_len, "cold boot failed: %s", L->error);
            free_world(W);
            return LO_ENOSPC;
        }
        cold_boot(L);
        W->booting = true;
        status = run_boot_code(L, why, why_len);
        W->booting = false;
        if (status != LO_OK) {
            free_world(W);
            return status;
        }
    } else {
        L->nil = L->root->roots[LO_ROOT_NIL];
        L->t = L->root->roots[LO_ROOT_T];
        L->env = lo_system_env(L);
        /* a new process starts in COMMON-LISP-USER, as a new Lisp does */
        lo_set_current_package(L, lo_registry_ref(L, REG_CL_USER));
    }
    *out = L;
    return LO_OK;
}

int lo_lisp_thread_open(lo_lisp *any, lo_lisp **out)
{
    lo_lisp *L = new_thread(any->W);
    if (!L)
        return LO_ENOMEM;
    /* Joined first: from then on no collection runs until this thread
     * polls, so nil and t cannot move under it while they are read. */
    join_world(L);
    L->nil = L->root->roots[LO_ROOT_NIL];
    L->t = L->root->roots[LO_ROOT_T];
    L->env = lo_system_env(L);
    *out = L;
    return LO_OK;
}

void lo_lisp_thread_close(lo_lisp *L)
{
    if (!L)
        return;
    free_thread(L);
    /* A thread that has gone must not be waited for by a stopped world. */
    lo_mutator_detach();
}

void lo_lisp_close(lo_lisp *L)
{
    if (L)
        free_world(L->W);
}

int lo_lisp_cold_booted(lo_lisp *L)
{
    return L->W->cold;
}

/* ---- the evaluation entry point ---------------------------------------------- */

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

/*
 * An evaluation entry point: errors nobody handles end here (after every
 * cleanup on the way has run), reported in out as "TYPE: message", their
 * backtrace kept for lo_lisp_take_backtrace.  The evaluation limits
 * (limits.c) count from here to the end.  The forms run with an ABORT
 * restart that ends the evaluation (conditions.c, once the condition
 * system is booted).
 */
int lo_lisp_eval_string(lo_lisp *L, const char *text, char *out,
                        size_t out_len)
{
    struct lo_text result = { .buf = out, .cap = out_len };
    if (out_len)
        out[0] = '\0';
    L->backtrace_len = 0;
    /* the outermost entry binds the user's defaults (*PACKAGE*, ...) */
    bool outermost = L->nlevels == 0;
    uint32_t depth = L->nbindings;
    if (outermost)
        lo_env_enter(L);
    uint32_t level = lo_level_enter(L);
    lo_catch_push(L, LO_CATCH_TOPLEVEL, L->nil, 0);
    uint32_t bindings = L->nbindings;
    lo_limits_begin(L);
    if (__builtin_setjmp(L->levels[level])) {
        lo_land(L);
        lo_level_leave(L);
        result.len = 0;
        if (!lo_limits_end(L, &result))
            lo_condition_text(L, L->unwind_v[0], &result);
        if (outermost) {
            lo_env_leave(L, depth);
            lo_freeze_after_eval(L);
        }
        return LO_EINVAL;
    }
    lo_bind_toplevel_restarts(L);
    const char *cursor = text;
    lo_value form, value = L->nil;
    while (lo_read(L, &cursor, &form)) {
        lo_value fn = lo_compile_toplevel(L, form);
        value = lo_vm_apply(L, fn, NULL, 0);
    }
    /* printed here, inside the entry point: PRINT-OBJECT methods are Lisp
     * (an error in one is reported as any other) */
    lo_prin1(L, value, &result);
    lo_unbind_to(L, bindings);
    /* what the forms took and kept, they give back here */
    lo_clos_lock_restore(L, L->catches[L->ncatches - 1].clos_depth);
    L->ncatches--;
    lo_level_leave(L);
    /* past a limit, even code that caught the condition has failed */
    int status = LO_EINVAL;
    if (!lo_limits_end(L, &result))
        status = LO_OK;
    if (outermost) {
        lo_env_leave(L, depth);
        lo_freeze_after_eval(L);
    }
    return status;
}
