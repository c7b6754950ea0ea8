/*
 * lisp_hashtable.c -- hash tables (lisp/hashtable.c) from C, where the
 * Lisp side cannot reach yet: doubles and bignums as keys (EQL by value,
 * EQUALP by =), GETHASH's second value, vectors under EQUALP, the lazy
 * rehash after a collection (the stamp), a table placed by older hash
 * functions, MAPHASH under GC stress, the places of entries for C
 * (lo_table_find, lo_table_intern), and a table found again after the
 * system is closed and reopened on the same store.
 */
#include <stdio.h>
#include <string.h>

#include "lisp/hashtable.h"
#include "lisp/internal.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static lo_lisp *L;
static char out[4096];

/* The symbol the text name reads as (in COMMON-LISP-USER, as ev's). */
static lo_value user_symbol(const char *name)
{
    lo_value sym;
    if (!lo_read(L, &name, &sym))
        bail_out("no symbol");
    return sym;
}

static lo_value global(const char *name)
{
    return lo_ptr(lo_variable_cell(L, user_symbol(name), false))[CELL_VALUE];
}

static void set_global(const char *name, lo_value v)
{
    lo_ptr(lo_variable_cell(L, user_symbol(name), true))[CELL_VALUE] = v;
}

struct primitive_call {
    const struct lo_primitive *p;
    lo_value *args;
    uint32_t n;
    lo_value result;
};

static void run_primitive(lo_lisp *L, void *ctx)
{
    struct primitive_call *c = ctx;
    L->nvalues = 1;
    c->result = c->p->fn(L, c->args, c->n);
}

/* Call a primitive by name, under an entry point of its own (lisp/api.c);
 * an error leaves "TYPE: message" in out and returns the unbound marker. */
static lo_value call(const char *name, lo_value *args, uint32_t n)
{
    const struct lo_primitive *p = NULL;
    for (unsigned i = 0; i < lo_primitive_count; i++)
        if (!strcmp(lo_primitives[i]->name, name))
            p = lo_primitives[i];
    if (!p)
        bail_out("no primitive %s", name);
    out[0] = '\0';
    struct primitive_call c = { p, args, n, LO_UNBOUND };
    if (lo_protect(L, run_primitive, &c) != LO_OK) {
        snprintf(out, sizeof out, "%s: %s", lo_last_error(L)->type,
                 lo_last_error(L)->message);
        return LO_UNBOUND;
    }
    return c.result;
}

static lo_value make_double(double d)
{
    uint64_t *p = lo_alloc_raw(L, LO_T_DOUBLE, 2, 0);
    memcpy(&p[1], &d, sizeof d);
    return lo_make_object(p);
}

/* A bignum of the given limbs (least significant first). */
static lo_value make_bignum(bool neg, const uint64_t *limbs, unsigned n)
{
    uint64_t *p = lo_alloc_raw(L, LO_T_BIGNUM, 2 + n, 0);
    p[1] = n | (uint64_t)neg << 63;
    memcpy(&p[2], limbs, n * sizeof *limbs);
    return lo_make_object(p);
}

static bool truthy(lo_value v) { return !lo_eq(v, L->nil); }

static lo_value make_table(const char *test)
{
    lo_value args[2] = { lo_intern_keyword(L, "TEST"), lo_intern(L, test) };
    return call("MAKE-HASH-TABLE", args, 2);
}

static void put(lo_value table, lo_value key, lo_value value)
{
    lo_value args[3] = { key, table, value };
    call("%PUTHASH", args, 3);
}

/* GETHASH: the value, and *present its second value. */
static lo_value get(lo_value table, lo_value key, bool *present)
{
    lo_value args[2] = { key, table };
    lo_value v = call("GETHASH", args, 2);
    *present = L->nvalues == 2 && truthy(L->mv[1]);
    return v;
}

static bool equalp(lo_value a, lo_value b)
{
    lo_value args[2] = { a, b };
    return truthy(call("EQUALP", args, 2));
}

static void numbers(void)
{
    bool present;
    lo_value eql = make_table("EQL"), eq = make_table("EQ");
    lo_value d1 = make_double(1.5), d2 = make_double(1.5);
    put(eql, d1, lo_fixnum(1));
    put(eq, d1, lo_fixnum(1));
    ok(get(eql, d2, &present) == lo_fixnum(1) && present,
       "EQL table: another double of the same value finds the entry");
    ok(!truthy(get(eq, d2, &present)) && !present,
       "EQ table: it does not (a different object)");
    ok(get(eq, d1, &present) == lo_fixnum(1) && present,
       "EQ table: the same double object does");
    put(eql, make_double(-0.0), lo_fixnum(2));
    get(eql, make_double(0.0), &present);
    ok(!present, "EQL: 0.0 and -0.0 are different keys");

    uint64_t limbs[2] = { 0, 64 };              /* 2^70 */
    lo_value b1 = make_bignum(false, limbs, 2), b2 = make_bignum(false, limbs, 2);
    put(eql, b1, lo_fixnum(3));
    ok(get(eql, b2, &present) == lo_fixnum(3) && present,
       "EQL table: an equal bignum finds the entry");
    get(eql, make_bignum(true, limbs, 2), &present);
    ok(!present, "EQL table: its negation does not");

    lo_value ep = make_table("EQUALP");
    put(ep, lo_fixnum(1), lo_intern(L, "ONE"));
    put(ep, make_double(2.0), lo_intern(L, "TWO"));
    put(ep, make_double(0.0), lo_intern(L, "ZERO"));
    put(ep, b1, lo_intern(L, "BIG"));
    ok(get(ep, make_double(1.0), &present) == lo_intern(L, "ONE") && present,
       "EQUALP table: 1.0 finds the key 1");
    ok(get(ep, lo_fixnum(2), &present) == lo_intern(L, "TWO"),
       "EQUALP table: 2 finds the key 2.0");
    ok(get(ep, make_double(-0.0), &present) == lo_intern(L, "ZERO"),
       "EQUALP table: -0.0 finds the key 0.0");
    ok(get(ep, make_double(1180591620717411303424.0), &present) ==
       lo_intern(L, "BIG"), "EQUALP table: the double 2^70 finds the bignum 2^70");
    get(ep, make_double(1.5), &present);
    ok(!present, "EQUALP table: 1.5 is not there");

    ok(equalp(lo_fixnum(3), make_double(3.0)), "(equalp 3 3.0)");
    ok(!equalp(lo_fixnum(3), make_double(3.5)), "not (equalp 3 3.5)");
    ok(equalp(b1, make_double(1180591620717411303424.0)), "(equalp 2^70 2^70d0)");
    ok(!equalp(b1, lo_fixnum(5)), "not (equalp 2^70 5)");
    lo_value nan = make_double(__builtin_nan(""));
    ok(equalp(nan, nan) && !equalp(nan, make_double(__builtin_nan(""))),
       "a NaN is EQUALP only to itself (the same object)");
}

static void second_value_and_access(void)
{
    bool present;
    lo_value t = make_table("EQUAL");
    put(t, user_symbol("K"), L->nil);
    ok(!truthy(get(t, user_symbol("K"), &present)) && present,
       "GETHASH: a stored NIL comes with present-p T");
    get(t, lo_intern(L, "ABSENT"), &present);
    ok(!present && L->nvalues == 2, "GETHASH: two values, present-p NIL");
    lo_value args[3] = { lo_intern(L, "ABSENT"), t, lo_fixnum(9) };
    ok(call("GETHASH", args, 3) == lo_fixnum(9), "GETHASH: the default");

    set_global("*RO*", (t & ~LO_ACCESS_MASK) |
                       (lo_value)LO_ACCESS_READ << LO_ACCESS_SHIFT);
    eval_fails(L, "(lispos-internal::%puthash 1 *ro* 2)",
               "ACCESS-DENIED: (SETF GETHASH): no write access to this hash "
               "table", "a read-only table refuses a store");
    eval_fails(L, "(remhash 'k *ro*)", "ACCESS-DENIED: REMHASH: no write "
               "access to this hash table", "and a removal");
    eval_is(L, "(gethash 'k *ro* 'absent)", "NIL", "but can be read");
    eval_fails(L, "(gethash 'k (restrict *ro* 0))", "ACCESS-DENIED: GETHASH: "
               "no read access to this hash table",
               "a table without the read bit cannot be read");
    eval_fails(L, "(maphash #'list (restrict *ro* 2))", "ACCESS-DENIED: "
               "MAPHASH: no read access to this hash table", "nor walked");
    eval_is(L, "(hash-table-test (restrict *ro* 0))", "EQUAL",
            "its test is no secret");
}

static void vectors(void)
{
    bool present;
    lo_value v = lo_make_vector(L, 2, lo_char('A'));
    lo_ptr(v)[3] = lo_char('b');
    set_global("*V*", v);
    eval_is(L, "(equalp *v* \"ab\")", "T",
            "a vector of characters is EQUALP to a string");
    eval_is(L, "(equalp *v* \"abc\")", "NIL", "but not to a longer one");
    eval_is(L, "(equal *v* \"ab\")", "NIL", "and not EQUAL");
    v = global("*V*");                  /* evaluation may have moved it */
    lo_value ep = make_table("EQUALP");
    put(ep, lo_make_string(L, "AB", 2), lo_fixnum(7));
    ok(get(ep, v, &present) == lo_fixnum(7) && present,
       "EQUALP table: the vector finds the string key");
    lo_value w = lo_make_vector(L, 2, L->nil);
    lo_ptr(w)[2] = v;
    lo_ptr(w)[3] = lo_fixnum(1);
    put(ep, w, lo_fixnum(8));
    lo_value w2 = lo_make_vector(L, 2, L->nil);
    lo_ptr(w2)[2] = lo_make_string(L, "ab", 2);
    lo_ptr(w2)[3] = make_double(1.0);
    ok(get(ep, w2, &present) == lo_fixnum(8) && present,
       "EQUALP table: nested vectors, strings and numbers");
}

/* Every key of *KS* found in *EQ* (the function all-found). */
static bool all_found_now(void)
{
    char o[64];
    return lo_lisp_eval_string(L, "(all-found *ks* *eq*)", o, sizeof o) ==
           LO_OK && !strcmp(o, "T");
}

static void rehash_after_collection(void)
{
    fixture_run(L, "(defun keys (n) (if (= n 0) nil"
                " (cons (list n) (keys (- n 1)))))");
    fixture_run(L, "(defun fill-keys (ks h) (if (null ks) h (progn (lispos-internal::%puthash"
                " (car ks) h (car (car ks))) (fill-keys (cdr ks) h))))");
    fixture_run(L, "(defun all-found (ks h) (if (null ks) t (if (eql (gethash"
                " (car ks) h) (car (car ks))) (all-found (cdr ks) h)"
                " (car ks))))");
    /* garbage below, so that the keys move */
    fixture_run(L, "(defvar *junk* (keys 500))");
    fixture_run(L, "(defvar *ks* (keys 400))");
    fixture_run(L, "(defvar *eq* (fill-keys *ks*"
                " (make-hash-table ':test 'eq)))");
    fixture_run(L, "(defvar *sym* (make-hash-table ':test 'eq))");
    fixture_run(L, "(lispos-internal::%puthash 'a *sym* 1)");
    fixture_run(L, "(defvar *eqs* (make-hash-table ':test 'equal))");
    fixture_run(L, "(lispos-internal::%puthash (list #'car \"x\") *eqs* 'nested)");
    fixture_run(L, "(defvar *sx* (sxhash (list #'car \"x\")))");
    uint64_t before = L->root->collections;
    lo_value stamp = lo_ptr(global("*EQ*"))[HT_STAMP];
    ok(stamp == lo_fixnum((int64_t)before),
       "a table with cons keys records the collection count");
    ok(lo_ptr(global("*SYM*"))[HT_STAMP] == L->nil,
       "a table with only symbol keys records none");
    uintptr_t key_at = (uintptr_t)lo_ptr(lo_car_raw(global("*KS*")));
    fixture_run(L, "(setq *junk* nil)");
    ok(lo_lisp_collect(L, NULL) == LO_OK, "collect");
    ok(L->root->collections == before + 1, "the count moved on");
    ok((uintptr_t)lo_ptr(lo_car_raw(global("*KS*"))) != key_at,
       "the keys moved");
    eval_is(L, "(all-found *ks* *eq*)", "T", "every cons key is found again");
    ok(lo_ptr(global("*EQ*"))[HT_STAMP] ==
       lo_fixnum(-(int64_t)L->root->full_collections - 1),
       "after a rehash, its keys are all old: it records the count of full "
       "collections (as -(n + 1))");

    /* Young collections move no old object: the table is not rehashed
     * (its slots not written) after them, only after a full one.  Stress
     * mode runs young ones whatever the heap's size, a full one in four:
     * collection by collection, the slots stay the same unless a full
     * one came. */
    lo_lisp_gc_stress(L, 64 << 10);
    int young_only = 0, rehashed_young = 0, lost = 0;
    for (int round = 0; round < 16; round++) {
        if (!all_found_now())           /* current before it starts */
            lost++;
        /* the slots vector, in a variable the collector updates (a young
         * collection may move the vector itself) */
        set_global("*SLOTS*", lo_ptr(global("*EQ*"))[HT_SLOTS]);
        uint64_t full = L->root->full_collections;
        uint64_t all = L->root->collections;
        fixture_run(L, "(dotimes (i 1000) (setq *junk* (list i i i)))");
        if (!all_found_now())
            lost++;
        bool moved = lo_ptr(global("*EQ*"))[HT_SLOTS] != global("*SLOTS*");
        if (L->root->full_collections == full &&
            L->root->collections > all) {
            young_only++;
            rehashed_young += moved;

        }
    }
    lo_lisp_gc_stress(L, 0);
    ok(young_only >= 4, "%d rounds with only young collections", young_only);
    is_int(rehashed_young, 0, "in none of them was the table rehashed");
    is_int(lost, 0, "every key found in every round");
    fixture_run(L, "(defvar *young-key* (list 'y))");
    fixture_run(L, "(lispos-internal::%puthash *young-key* *eq* 'young)");
    ok(lo_ptr(global("*EQ*"))[HT_STAMP] ==
       lo_fixnum((int64_t)L->root->collections),
       "a young key makes it record the count of all collections");
    lo_lisp_gc_stress(L, 64 << 10);
    fixture_run(L, "(dotimes (i 20000) (setq *junk* (list i i i)))");
    lo_lisp_gc_stress(L, 0);
    eval_is(L, "(gethash *young-key* *eq*)", "YOUNG",
            "the young key is found after the young key moved");
    eval_is(L, "(all-found *ks* *eq*)", "T", "and the old ones");
    ok(lo_lisp_collect(L, NULL) == LO_OK, "a full collection");
    eval_is(L, "(all-found *ks* *eq*)", "T", "every key found after it");
    eval_is(L, "(gethash *young-key* *eq*)", "YOUNG", "the young one too");
    fixture_run(L, "(remhash *young-key* *eq*)");
    eval_is(L, "(gethash 'a *sym*)", "1", "the symbol key, with no rehash");
    ok(lo_ptr(global("*SYM*"))[HT_STAMP] == L->nil, "its stamp stays NIL");
    eval_is(L, "(gethash (list #'car \"x\") *eqs*)", "NESTED",
            "EQUAL: a key holding a function is found after the collection");
    eval_is(L, "(= *sx* (sxhash (list #'car \"x\")))", "T",
            "SXHASH is the same after the collection");

    lo_ptr(global("*EQ*"))[HT_VERSION] = lo_fixnum(0);
    eval_is(L, "(all-found *ks* *eq*)", "T",
            "a table placed by other hash functions is rehashed, not lost");
    eval_is(L, "(progn (remhash (car *ks*) *eq*)"
            " (all-found (cdr *ks*) *eq*))",
            "T", "removal keeps the other entries reachable");
    eval_is(L, "(hash-table-count *eq*)", "399", "count after the removal");
}

static void maphash_under_stress(void)
{
    lo_lisp_gc_stress(L, true);
    uint64_t before = L->root->collections;
    eval_is(L, "(let ((sum 0)) (maphash (lambda (k v) (setq sum (+ sum "
            "(gethash k *eq*) (length (keys 3))))) *eq*) sum)",
            "80997", "MAPHASH whose function allocates and looks up, with a "
            "collection at every safepoint");
    ok(L->root->collections > before + 100, "collections did happen (%llu)",
       (unsigned long long)(L->root->collections - before));
    eval_is(L, "(all-found (cdr *ks*) *eq*)", "T", "the table is intact");
    eval_is(L, "(length (lispos-internal::%hash-table-pairs *eq*))", "399",
            "%%HASH-TABLE-PAIRS: one pair per entry");
    lo_lisp_gc_stress(L, false);
}

/* lo_table_find and lo_table_intern (the object store's indexes): the
 * place of a key's entry, the entry made when absent, the key kept as
 * the table holds it, keys hashed by address refused, growth. */
static void places(void)
{
    lo_value t = lo_table_new(L, LO_HASH_EQUAL, 4), *pair, *again;
    bool added, by_address;
    lo_value a = lo_make_string(L, "alpha", 5);
    ok(!lo_table_find(L, t, a, &pair, &by_address) && !by_address,
       "find: an absent key is not found");
    ok(lo_table_intern(L, t, a, &pair, &added) && added &&
       lo_eq(pair[0], a) && lo_null(L, pair[1]),
       "intern: an absent key is added, its value NIL");
    pair[1] = lo_fixnum(1);
    lo_value a2 = lo_make_string(L, "alpha", 5);
    ok(lo_table_intern(L, t, a2, &again, &added) && !added &&
       lo_eq(again[0], a) && again[1] == lo_fixnum(1),
       "intern: an EQUAL key finds the entry, the first key kept");
    ok(lo_table_find(L, t, a2, &again, &by_address) && again == pair &&
       !by_address, "find: the same place");
    lo_value v = lo_make_vector(L, 2, L->nil);     /* EQUAL: by address */
    ok(!lo_table_intern(L, t, v, &pair, &added) && !added &&
       lo_table_count(t) == 1, "intern: a key hashed by address is refused");
    ok(!lo_table_find(L, t, v, &pair, &by_address) && by_address,
       "find: says the key hashes by address");
    for (int i = 0; i < 1000; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "k%d", i);
        lo_table_intern(L, t, lo_make_string(L, name, (uint64_t)n), &pair,
                        &added);
        pair[1] = lo_fixnum(i);
    }
    bool all = lo_table_count(t) == 1001;
    for (int i = 0; i < 1000 && all; i++) {
        char name[16];
        int n = snprintf(name, sizeof name, "k%d", i);
        lo_value got;
        all = lo_table_get(L, t, lo_make_string(L, name, (uint64_t)n), &got) &&
              got == lo_fixnum(i);
    }
    ok(all, "1000 keys interned through growth, each with its value");
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    L = fx.L;

    numbers();
    second_value_and_access();
    vectors();
    rehash_after_collection();
    maphash_under_stress();
    places();

    fixture_reopen_lisp(&fx);
    L = fx.L;
    ok(!lo_lisp_cold_booted(L), "reopened: a warm start");
    eval_is(L, "(all-found (cdr *ks*) *eq*)", "T",
            "the EQ table finds its keys in the reopened system");
    ok(lo_lisp_collect(L, NULL) == LO_OK, "collect again");
    eval_is(L, "(all-found (cdr *ks*) *eq*)", "T", "and after a collection");
    fixture_close(&fx);
    return done_testing();
}
