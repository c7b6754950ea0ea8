/*
 * api_values.c -- the embedding API's values (api.h): making them,
 * reading them, hash tables, calls and global variables.
 *
 * Each function is a body run by lo_api_run (api.c): directly inside an
 * entry point, else under one of its own -- a bare one for what only
 * makes or reads, an evaluation for what runs Lisp code or changes what
 * exists (calls, EVAL, globals, printing, interning, changing a table:
 * the end of an evaluation freezes what the system gained, freeze.c).
 * A body takes its arguments and leaves its result in a struct, reads
 * references only once inside (a collection may have moved what they
 * hold before), and makes handles for what it returns.  What the Lisp
 * already does -- interning, hash tables, LENGTH, SYMBOL-VALUE -- is done
 * by calling the Lisp's own function, with its checks.
 */
#include <string.h>

#include "lisp/hashtable.h"
#include "lisp/internal.h"
#include "lisp/numbers.h"
#include "lisp/package.h"
#include "lisp/sequences.h"

static inline lo_value *slot_of(lo_ref r) { return (lo_value *)r; }

/* ---- making values ---------------------------------------------------------- */

struct make {
    int64_t i;
    const char *text;
    size_t len;
    lo_ref result;
};

static void make_integer(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    m->result = lo_api_handle(L, lo_make_integer(L, m->i));
}

lo_ref lo_new_integer(lo_lisp *L, int64_t n)
{
    struct make m = { .i = n };
    return lo_api_run(L, false, make_integer, &m) == LO_OK ? m.result : NULL;
}

static void make_unsigned(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    uint64_t n = (uint64_t)m->i;
    if (n <= (uint64_t)INT64_MAX) {
        m->result = lo_api_handle(L, lo_make_integer(L, (int64_t)n));
        return;
    }
    lo_big b = lo_big_new(L, 1);
    b.limb[0] = n;
    b.len = 1;
    b.neg = false;
    m->result = lo_api_handle(L, lo_big_finish(L, &b));
}

lo_ref lo_new_unsigned(lo_lisp *L, uint64_t n)
{
    struct make m = { .i = (int64_t)n };
    return lo_api_run(L, false, make_unsigned, &m) == LO_OK ? m.result : NULL;
}

static void make_integer_text(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    const char *t = m->text;
    unsigned base = (unsigned)m->i;
    if (!t)
        lo_error(L, "PROGRAM-ERROR", "lo_new_integer_text: NULL text");
    if (base < 2 || base > 36)
        lo_error(L, "PROGRAM-ERROR", "lo_new_integer_text: base %u is not "
                 "2 to 36", base);
    bool negative = *t == '-';
    if (*t == '-' || *t == '+')
        t++;
    size_t n = strlen(t);
    bool digits = n > 0 && n <= LO_NUMBER_MAX_DIGITS;
    for (size_t i = 0; digits && i < n; i++) {
        char c = t[i];
        int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'z' ? c - 'a' + 10
              : c >= 'A' && c <= 'Z' ? c - 'A' + 10 : 99;
        digits = d < (int)base;
    }
    if (!digits)
        lo_error(L, "PARSE-ERROR", "lo_new_integer_text: \"%.60s\" is not "
                 "an integer in base %u", m->text, base);
    m->result = lo_api_handle(L, lo_digits_integer(L, t, n, base, negative));
}

lo_ref lo_new_integer_text(lo_lisp *L, const char *digits, unsigned base)
{
    struct make m = { .i = base, .text = digits };
    return lo_api_run(L, false, make_integer_text, &m) == LO_OK ? m.result : NULL;
}

static void make_double(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    double d;
    memcpy(&d, &m->i, sizeof d);
    m->result = lo_api_handle(L, lo_make_double(L, d));
}

lo_ref lo_new_double(lo_lisp *L, double d)
{
    struct make m = { 0 };
    memcpy(&m.i, &d, sizeof d);
    return lo_api_run(L, false, make_double, &m) == LO_OK ? m.result : NULL;
}

static void make_constant(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    m->result = lo_api_handle(L, m->i ? L->t : L->nil);
}

lo_ref lo_new_nil(lo_lisp *L)
{
    struct make m = { .i = 0 };
    return lo_api_run(L, false, make_constant, &m) == LO_OK ? m.result : NULL;
}

lo_ref lo_new_boolean(lo_lisp *L, bool b)
{
    struct make m = { .i = b };
    return lo_api_run(L, false, make_constant, &m) == LO_OK ? m.result : NULL;
}

static void make_string(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    if (!m->text && m->len)
        lo_error(L, "PROGRAM-ERROR", "lo_new_string: NULL text");
    m->result = lo_api_handle(L, lo_make_string(L, m->text ? m->text : "",
                                             m->len));
}

lo_ref lo_new_string(lo_lisp *L, const char *utf8, size_t len)
{
    struct make m = { .text = utf8, .len = len };
    return lo_api_run(L, false, make_string, &m) == LO_OK ? m.result : NULL;
}

static void make_bytes(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    if (!m->text && m->len)
        lo_error(L, "PROGRAM-ERROR", "lo_new_bytes: NULL data");
    lo_value v = lo_alloc_bytes(L, m->len);
    if (m->len)
        memcpy(lo_bytes_data(v), m->text, m->len);
    m->result = lo_api_handle(L, v);
}

lo_ref lo_new_bytes(lo_lisp *L, const void *data, size_t len)
{
    struct make m = { .text = data, .len = len };
    return lo_api_run(L, false, make_bytes, &m) == LO_OK ? m.result : NULL;
}

struct list {
    const lo_ref *items;
    size_t n;
    lo_ref car, cdr, result;
    int test;
};

static void make_cons(lo_lisp *L, void *ctx)
{
    struct list *a = ctx;
    lo_value car = lo_api_value(L, a->car, "lo_new_cons");
    lo_value cdr = lo_api_value(L, a->cdr, "lo_new_cons");
    a->result = lo_api_handle(L, lo_cons(L, car, cdr));
}

lo_ref lo_new_cons(lo_lisp *L, lo_ref car, lo_ref cdr)
{
    struct list a = { .car = car, .cdr = cdr };
    return lo_api_run(L, false, make_cons, &a) == LO_OK ? a.result : NULL;
}

/* Allocation never collects, so the list is built of bare values. */
static void make_list(lo_lisp *L, void *ctx)
{
    struct list *a = ctx;
    if (!a->items && a->n)
        lo_error(L, "PROGRAM-ERROR", "lo_new_list: NULL items");
    lo_value list = L->nil;
    for (size_t i = a->n; i-- > 0;)
        list = lo_cons(L, lo_api_value(L, a->items[i], "lo_new_list"), list);
    a->result = lo_api_handle(L, list);
}

lo_ref lo_new_list(lo_lisp *L, const lo_ref *items, size_t n)
{
    struct list a = { .items = items, .n = n };
    return lo_api_run(L, false, make_list, &a) == LO_OK ? a.result : NULL;
}

/* A system function called from C, inside an entry point: name is as
 * lo_intern finds it (a standard name, LISPOS's, else LISPOS-INTERNAL's). */
static lo_value call_system(lo_lisp *L, const char *name, lo_value *args,
                            uint32_t n)
{
    return lo_vm_apply(L, lo_intern(L, name), args, n);
}

static void make_symbol(lo_lisp *L, void *ctx)
{
    struct make *m = ctx;
    const char *package = m->text, *name = (const char *)m->result;
    if (!package || !name)
        lo_error(L, "PROGRAM-ERROR", "lo_new_symbol: NULL package or name");
    lo_value args[2] = { lo_make_string(L, name, strlen(name)),
                         lo_make_string(L, package, strlen(package)) };
    m->result = lo_api_handle(L, call_system(L, "INTERN", args, 2));
}

lo_ref lo_new_symbol(lo_lisp *L, const char *package, const char *name)
{
    struct make m = { .text = package, .result = (lo_ref)(uintptr_t)name };
    return lo_api_run(L, true, make_symbol, &m) == LO_OK ? m.result : NULL;
}

static void make_hash_table(lo_lisp *L, void *ctx)
{
    struct list *a = ctx;
    static const char *const tests[] = { "EQ", "EQL", "EQUAL", "EQUALP" };
    if (a->test < 0 || a->test > LO_TEST_EQUALP)
        lo_error(L, "PROGRAM-ERROR", "lo_new_hash_table: no test %d",
                 a->test);
    lo_value args[2] = { lo_intern_keyword(L, "TEST"),
                         lo_intern(L, tests[a->test]) };
    a->result = lo_api_handle(L, call_system(L, "MAKE-HASH-TABLE", args, 2));
}

lo_ref lo_new_hash_table(lo_lisp *L, enum lo_hash_test test)
{
    struct list a = { .test = (int)test };
    return lo_api_run(L, false, make_hash_table, &a) == LO_OK ? a.result : NULL;
}

/* ---- looking at values ------------------------------------------------------ */

struct get {
    lo_ref r;
    int64_t i;
    char *buf;
    size_t len;
    int status;
};

static void get_int64(lo_lisp *L, void *ctx)
{
    struct get *g = ctx;
    lo_value v = lo_api_value(L, g->r, "lo_get_int64");
    if (lo_fixnump(v)) {
        g->i = lo_fixnum_value(v);
        return;
    }
    if (!lo_bignump(v))
        lo_type_error(L, v, "INTEGER", "lo_get_int64: not an integer");
    lo_big b = lo_bignum_view(v);
    g->status = lo_big_to_int64(&b, &g->i) ? LO_OK : LO_ERANGE;
}

int lo_get_int64(lo_lisp *L, lo_ref r, int64_t *out)
{
    struct get g = { .r = r, .status = LO_OK };
    if (lo_api_run(L, false, get_int64, &g) != LO_OK)
        return LO_ELISP;
    if (g.status == LO_OK)
        *out = g.i;
    return g.status;
}

/* UTF-8 of string s into buf (cut on a character boundary); the whole
 * text's length in bytes. */
static int64_t string_out(lo_value s, char *buf, size_t len)
{
    size_t at = 0, total = 0;
    uint64_t n = lo_string_length(s);
    bool full = false;
    for (uint64_t i = 0; i < n; i++) {
        char utf8[4];
        size_t k = lo_utf8_encode(lo_string_ref(s, i), utf8);
        total += k;
        if (!full && at + k < len) {
            memcpy(buf + at, utf8, k);
            at += k;
        } else {
            full = true;
        }
    }
    if (len)
        buf[at] = '\0';
    return (int64_t)total;
}

static void get_string(lo_lisp *L, void *ctx)
{
    struct get *g = ctx;
    lo_value v = lo_api_value(L, g->r, "lo_get_string");
    if (!lo_typep(v, LO_T_STRING))
        lo_type_error(L, v, "STRING", "lo_get_string: not a string");
    lo_check_access(L, v, LO_ACCESS_READ, "lo_get_string");
    g->i = string_out(v, g->buf, g->len);
}

int64_t lo_get_string(lo_lisp *L, lo_ref r, char *buf, size_t len)
{
    struct get g = { .r = r, .buf = buf, .len = len };
    return lo_api_run(L, false, get_string, &g) == LO_OK ? g.i : LO_ELISP;
}

static void get_uint64(lo_lisp *L, void *ctx)
{
    struct get *g = ctx;
    lo_value v = lo_api_value(L, g->r, "lo_get_uint64");
    if (!lo_integerp(v))
        lo_type_error(L, v, "INTEGER", "lo_get_uint64: not an integer");
    lo_limb one;
    lo_big b = lo_integer_view(v, &one);
    if (b.neg || b.len > 1)
        g->status = LO_ERANGE;
    else
        g->i = (int64_t)(b.len ? b.limb[0] : 0);
}

int lo_get_uint64(lo_lisp *L, lo_ref r, uint64_t *out)
{
    struct get g = { .r = r, .status = LO_OK };
    if (lo_api_run(L, false, get_uint64, &g) != LO_OK)
        return LO_ELISP;
    if (g.status == LO_OK)
        *out = (uint64_t)g.i;
    return g.status;
}

static void get_double(lo_lisp *L, void *ctx)
{
    struct get *g = ctx;
    lo_value v = lo_api_value(L, g->r, "lo_get_double");
    if (!lo_rationalp(v) && !lo_doublep(v))
        lo_type_error(L, v, "REAL", "lo_get_double: not a real number");
    double d;
    if (!lo_real_to_double(L, v, &d))
        g->status = LO_ERANGE;
    memcpy(&g->i, &d, sizeof d);
}

int lo_get_double(lo_lisp *L, lo_ref r, double *out)
{
    struct get g = { .r = r, .status = LO_OK };
    if (lo_api_run(L, false, get_double, &g) != LO_OK)
        return LO_ELISP;
    memcpy(out, &g.i, sizeof *out);
    return g.status;
}

static void get_bytes(lo_lisp *L, void *ctx)
{
    struct get *g = ctx;
    lo_value v = lo_api_value(L, g->r, "lo_get_bytes");
    if (!lo_typep(v, LO_T_BYTES))
        lo_type_error_as(L, v, "(VECTOR (UNSIGNED-BYTE 8))",
                         lo_cons(L, lo_intern(L, "VECTOR"),
                                 lo_cons(L, lo_cons(L, lo_intern(L,
                                     "UNSIGNED-BYTE"), lo_cons(L,
                                     lo_fixnum(8), L->nil)), L->nil)),
                         "lo_get_bytes: not a byte vector");
    lo_check_access(L, v, LO_ACCESS_READ, "lo_get_bytes");
    uint64_t n = lo_vector_length(v);
    if (g->len)
        memcpy(g->buf, lo_bytes_data(v), n < g->len ? n : g->len);
    g->i = (int64_t)n;
}

int64_t lo_get_bytes(lo_lisp *L, lo_ref r, void *buf, size_t len)
{
    struct get g = { .r = r, .buf = buf, .len = len };
    return lo_api_run(L, false, get_bytes, &g) == LO_OK ? g.i : LO_ELISP;
}

struct symbol_names {
    lo_ref r;
    char *package, *name;
    size_t package_len, name_len;
};

static void get_symbol(lo_lisp *L, void *ctx)
{
    struct symbol_names *a = ctx;
    lo_value v = lo_api_value(L, a->r, "lo_get_symbol");
    if (!lo_symbolp(v))
        lo_type_error(L, v, "SYMBOL", "lo_get_symbol: not a symbol");
    if (a->name_len)
        string_out(lo_symbol_name(v), a->name, a->name_len);
    if (a->package_len) {
        lo_value pkg = lo_ptr(v)[SYM_PACKAGE];
        if (lo_packagep(pkg) && !lo_package_deleted(pkg))
            string_out(lo_ptr(pkg)[PKG_NAME], a->package, a->package_len);
        else
            a->package[0] = '\0';
    }
}

int lo_get_symbol(lo_lisp *L, lo_ref r, char *package, size_t package_len,
                  char *name, size_t name_len)
{
    struct symbol_names a = { r, package, name, package ? package_len : 0,
                              name ? name_len : 0 };
    return lo_api_run(L, false, get_symbol, &a) == LO_OK ? LO_OK : LO_ELISP;
}

/* What kind of value v is, for a host deciding how to read it. */
static enum lo_type_code type_code(lo_lisp *L, lo_value v)
{
    if (lo_null(L, v))
        return LO_TYPE_NIL;
    if (lo_eq(v, L->t))
        return LO_TYPE_T;
    if (lo_fixnump(v) || lo_bignump(v))
        return LO_TYPE_INTEGER;
    if (lo_charp(v))
        return LO_TYPE_CHARACTER;
    if (lo_consp(v))
        return LO_TYPE_CONS;
    if (!lo_objectp(v))
        return LO_TYPE_OTHER;
    switch (lo_type_of_object(v)) {
    case LO_T_DOUBLE:     return LO_TYPE_DOUBLE;
    case LO_T_RATIO:      return LO_TYPE_RATIO;
    case LO_T_STRING:     return LO_TYPE_STRING;
    case LO_T_BYTES:      return LO_TYPE_BYTES;
    case LO_T_SYMBOL:     return LO_TYPE_SYMBOL;
    case LO_T_VECTOR:     return LO_TYPE_VECTOR;
    case LO_T_HASH_TABLE: return LO_TYPE_HASH_TABLE;
    case LO_T_FUNCTION:
    case LO_T_PRIMITIVE:  return LO_TYPE_FUNCTION;
    case LO_T_INSTANCE:
        return lo_instance_callee(v) ? LO_TYPE_FUNCTION : LO_TYPE_OTHER;
    default:              return LO_TYPE_OTHER;
    }
}

/* These read a handle and nothing else: they cannot fail but on a NULL
 * reference, which they treat as NIL. */
enum lo_type_code lo_type_code(lo_lisp *L, lo_ref r)
{
    return r ? type_code(L, *slot_of(r)) : LO_TYPE_NIL;
}

bool lo_is_nil(lo_lisp *L, lo_ref r)
{
    return !r || lo_null(L, *slot_of(r));
}

bool lo_eq_refs(lo_lisp *L, lo_ref a, lo_ref b)
{
    (void)L;
    return a && b && lo_eq(*slot_of(a), *slot_of(b));
}

int lo_get_access(lo_lisp *L, lo_ref r)
{
    (void)L;
    if (!r || !lo_carries_access(*slot_of(r)))
        return -1;
    return (int)lo_access_bits(*slot_of(r));
}

struct access {
    lo_ref r;
    const char *function;
    lo_value *args;
    uint32_t nargs;
    lo_ref result;
    int64_t n;
};

static void get_car_cdr(lo_lisp *L, void *ctx)
{
    struct access *a = ctx;
    bool car = a->function[0] == 'C' && a->function[1] == 'A';
    lo_value v = lo_api_value(L, a->r, car ? "lo_get_car" : "lo_get_cdr");
    a->result = lo_api_handle(L, car ? lo_car(L, v) : lo_cdr(L, v));
}

lo_ref lo_get_car(lo_lisp *L, lo_ref list)
{
    struct access a = { .r = list, .function = "CAR" };
    return lo_api_run(L, false, get_car_cdr, &a) == LO_OK ? a.result : NULL;
}

lo_ref lo_get_cdr(lo_lisp *L, lo_ref list)
{
    struct access a = { .r = list, .function = "CDR" };
    return lo_api_run(L, false, get_car_cdr, &a) == LO_OK ? a.result : NULL;
}

static void get_length(lo_lisp *L, void *ctx)
{
    struct access *a = ctx;
    lo_value v = lo_api_value(L, a->r, "lo_length");
    a->n = lo_fixnum_value(call_system(L, "LENGTH", &v, 1));
}

int64_t lo_length(lo_lisp *L, lo_ref sequence)
{
    struct access a = { .r = sequence };
    return lo_api_run(L, false, get_length, &a) == LO_OK ? a.n : LO_ELISP;
}

static void get_printed(lo_lisp *L, void *ctx)
{
    struct get *g = ctx;
    lo_value v = lo_api_value(L, g->r, "lo_get_printed");
    lo_value s = call_system(L, "PRIN1-TO-STRING", &v, 1);
    g->i = string_out(s, g->buf, g->len);
}

int64_t lo_get_printed(lo_lisp *L, lo_ref r, char *buf, size_t len)
{
    struct get g = { .r = r, .buf = buf, .len = len };
    return lo_api_run(L, true, get_printed, &g) == LO_OK ? g.i : LO_ELISP;
}

/* ---- hash tables -------------------------------------------------------------- */

struct hash {
    lo_ref table, key, value, result;
    bool found;
    int64_t n;
    bool (*fn)(lo_lisp *L, lo_ref key, lo_ref value, void *ctx);
    void *ctx;
};

static void hash_get(lo_lisp *L, void *ctx)
{
    struct hash *h = ctx;
    lo_value args[2] = { lo_api_value(L, h->key, "lo_hash_get"),
                         lo_api_value(L, h->table, "lo_hash_get") };
    lo_value v = call_system(L, "GETHASH", args, 2);
    h->found = L->nvalues > 1 && !lo_null(L, L->mv[1]);
    h->result = h->found ? lo_api_handle(L, v) : NULL;
}

lo_ref lo_hash_get(lo_lisp *L, lo_ref table, lo_ref key, bool *found)
{
    struct hash h = { .table = table, .key = key };
    bool ok = lo_api_run(L, false, hash_get, &h) == LO_OK;
    if (found)
        *found = ok && h.found;
    return ok ? h.result : NULL;
}

static void hash_set(lo_lisp *L, void *ctx)
{
    struct hash *h = ctx;
    lo_value args[3] = { lo_api_value(L, h->key, "lo_hash_set"),
                         lo_api_value(L, h->table, "lo_hash_set"),
                         lo_api_value(L, h->value, "lo_hash_set") };
    call_system(L, "%PUTHASH", args, 3);
}

int lo_hash_set(lo_lisp *L, lo_ref table, lo_ref key, lo_ref value)
{
    struct hash h = { .table = table, .key = key, .value = value };
    return lo_api_run(L, true, hash_set, &h);
}

static void hash_remove(lo_lisp *L, void *ctx)
{
    struct hash *h = ctx;
    lo_value args[2] = { lo_api_value(L, h->key, "lo_hash_remove"),
                         lo_api_value(L, h->table, "lo_hash_remove") };
    h->n = !lo_null(L, call_system(L, "REMHASH", args, 2));
}

int lo_hash_remove(lo_lisp *L, lo_ref table, lo_ref key)
{
    struct hash h = { .table = table, .key = key };
    return lo_api_run(L, true, hash_remove, &h) == LO_OK ? (int)h.n : LO_ELISP;
}

static void hash_count(lo_lisp *L, void *ctx)
{
    struct hash *h = ctx;
    lo_value t = lo_api_value(L, h->table, "lo_hash_count");
    h->n = lo_fixnum_value(call_system(L, "HASH-TABLE-COUNT", &t, 1));
}

int64_t lo_hash_count(lo_lisp *L, lo_ref table)
{
    struct hash h = { .table = table };
    return lo_api_run(L, false, hash_count, &h) == LO_OK ? h.n : LO_ELISP;
}

/* Over the entries as %HASH-TABLE-PAIRS lists them ((key . value) ...),
 * held in a handle: fn may run Lisp and collect. */
static void hash_each(lo_lisp *L, void *ctx)
{
    struct hash *h = ctx;
    lo_value t = lo_api_value(L, h->table, "lo_hash_each");
    lo_ref rest = lo_api_handle(L, call_system(L, "%HASH-TABLE-PAIRS", &t, 1));
    while (lo_consp(*slot_of(rest))) {
        lo_scope s = lo_scope_open(L);
        lo_value entry = lo_car_raw(*slot_of(rest));
        lo_ref key = lo_api_handle(L, lo_car_raw(entry));
        lo_ref value = lo_api_handle(L, lo_cdr_raw(entry));
        *slot_of(rest) = lo_cdr_raw(*slot_of(rest));
        bool go_on = h->fn(L, key, value, h->ctx);
        lo_scope_close(L, s);
        if (!go_on)
            break;
    }
}

int lo_hash_each(lo_lisp *L, lo_ref table,
                 bool (*fn)(lo_lisp *L, lo_ref key, lo_ref value, void *ctx),
                 void *ctx)
{
    struct hash h = { .table = table, .fn = fn, .ctx = ctx };
    lo_scope s = lo_scope_open(L);
    int status = lo_api_run(L, true, hash_each, &h);
    lo_scope_close(L, s);
    return status;
}

/* ---- calling ---------------------------------------------------------------- */

enum { CALL_ARGS = 256 };

struct call {
    lo_ref fn;
    const char *package, *name;
    const lo_ref *args;
    size_t nargs;
    lo_ref *values;
    size_t max;
    int count;
    const char *op;
};

/* The symbol package::name as the environment running sees it: made
 * when absent only if make (a host naming what does not exist should not
 * fill a package with symbols); else what a Lisp reference to it would
 * signal (missing: UNDEFINED-FUNCTION or UNBOUND-VARIABLE). */
static lo_value symbol_named(lo_lisp *L, const char *package,
                             const char *name, const char *op, bool make,
                             const char *missing)
{
    if (!package || !name)
        lo_error(L, "PROGRAM-ERROR", "%s: NULL package or name", op);
    lo_value args[2] = { lo_make_string(L, name, strlen(name)),
                         lo_make_string(L, package, strlen(package)) };
    lo_value sym = call_system(L, make ? "INTERN" : "FIND-SYMBOL", args, 2);
    if (!make && L->nvalues > 1 && lo_null(L, L->mv[1]))
        lo_error(L, missing, "%s: there is no symbol %s::%s", op, package,
                 name);
    return sym;
}

static void call_values(lo_lisp *L, void *ctx)
{
    struct call *c = ctx;
    if (c->nargs > CALL_ARGS)
        lo_error(L, "PROGRAM-ERROR", "%s: more than %d arguments", c->op,
                 CALL_ARGS);
    lo_value fn = c->fn ? lo_api_value(L, c->fn, c->op)
                        : symbol_named(L, c->package, c->name, c->op, false,
                                       "UNDEFINED-FUNCTION");
    lo_value args[CALL_ARGS];
    for (size_t i = 0; i < c->nargs; i++)
        args[i] = lo_api_value(L, c->args[i], c->op);
    /* the arguments are copied onto the VM's stack before anything can
     * collect */
    lo_value primary = lo_vm_apply(L, fn, args, (uint32_t)c->nargs);
    uint32_t n = L->nvalues;
    c->count = (int)n;
    for (size_t i = 0; i < c->max; i++)
        c->values[i] = lo_api_handle(L, i == 0 && n > 0 ? primary
                                     : i < n ? L->mv[i] : L->nil);
}

lo_ref lo_call(lo_lisp *L, lo_ref fn, const lo_ref *args, size_t nargs)
{
    lo_ref result = NULL;
    struct call c = { .fn = fn, .args = args, .nargs = nargs,
                      .values = &result, .max = 1, .op = "lo_call" };
    return lo_api_run(L, true, call_values, &c) == LO_OK ? result : NULL;
}

lo_ref lo_call_named(lo_lisp *L, const char *package, const char *name,
                     const lo_ref *args, size_t nargs)
{
    lo_ref result = NULL;
    struct call c = { .package = package, .name = name, .args = args,
                      .nargs = nargs, .values = &result, .max = 1,
                      .op = "lo_call_named" };
    return lo_api_run(L, true, call_values, &c) == LO_OK ? result : NULL;
}

int lo_call_values(lo_lisp *L, lo_ref fn, const lo_ref *args, size_t nargs,
                   lo_ref *values, size_t max)
{
    struct call c = { .fn = fn, .args = args, .nargs = nargs,
                      .values = values, .max = values ? max : 0,
                      .op = "lo_call_values" };
    return lo_api_run(L, true, call_values, &c) == LO_OK ? c.count : LO_ELISP;
}

struct text_eval {
    const char *text;
    lo_ref *values;
    size_t max;
    int count;
};

static void eval_text(lo_lisp *L, void *ctx)
{
    struct text_eval *e = ctx;
    if (!e->text)
        lo_error(L, "PROGRAM-ERROR", "lo_eval: NULL text");
    L->nvalues = 1;                     /* no form at all: NIL */
    lo_value primary = lo_eval_text(L, e->text);
    uint32_t n = L->nvalues;
    e->count = (int)n;
    for (size_t i = 0; i < e->max; i++)
        e->values[i] = lo_api_handle(L, i == 0 && n > 0 ? primary
                                     : i < n ? L->mv[i] : L->nil);
}

lo_ref lo_eval(lo_lisp *L, const char *text)
{
    lo_ref result = NULL;
    struct text_eval e = { text, &result, 1, 0 };
    return lo_api_run(L, true, eval_text, &e) == LO_OK ? result : NULL;
}

int lo_eval_values(lo_lisp *L, const char *text, lo_ref *values, size_t max)
{
    struct text_eval e = { text, values, values ? max : 0, 0 };
    return lo_api_run(L, true, eval_text, &e) == LO_OK ? e.count : LO_ELISP;
}

/* ---- global variables --------------------------------------------------------- */

struct global {
    const char *package, *name;
    lo_ref value, result;
};

static void get_global(lo_lisp *L, void *ctx)
{
    struct global *g = ctx;
    lo_value sym = symbol_named(L, g->package, g->name, "lo_get_global",
                                false, "UNBOUND-VARIABLE");
    g->result = lo_api_handle(L, call_system(L, "SYMBOL-VALUE", &sym, 1));
}

lo_ref lo_get_global(lo_lisp *L, const char *package, const char *name)
{
    struct global g = { .package = package, .name = name };
    return lo_api_run(L, true, get_global, &g) == LO_OK ? g.result : NULL;
}

static void set_global(lo_lisp *L, void *ctx)
{
    struct global *g = ctx;
    lo_value args[2] = { symbol_named(L, g->package, g->name,
                                      "lo_set_global", true, NULL),
                         lo_api_value(L, g->value, "lo_set_global") };
    call_system(L, "SET", args, 2);
}

int lo_set_global(lo_lisp *L, const char *package, const char *name,
                  lo_ref value)
{
    struct global g = { .package = package, .name = name, .value = value };
    return lo_api_run(L, true, set_global, &g);
}
