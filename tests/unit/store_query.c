/*
 * store_query.c -- the query engine's own machinery (store/query.c,
 * store/ids.c, store/directory.c, lisp/scratch.h), seen from a Lisp:
 *
 *  - scratch memory: queries whose SATISFIES predicate signals, caught
 *    outside the query, leave none of the thread's scratch memory in use
 *    (the catch entry the error lands on gives it back), and a query
 *    nested in a predicate gives back its own;
 *  - the plan: STORE-EXPLAIN names the index each term uses, an AND
 *    reads the small term and checks the large one on its candidates,
 *    and it counts only what the caller may read;
 *  - directories: ids in descending order and far apart survive the
 *    compact encoding, and malformed bytes are refused;
 *  - answers from exact index reads equal a scan's (a SATISFIES term
 *    forces the scan) for every operator an index serves;
 *  - owners numbered past what a visibility word holds see their own
 *    entries, checked on the records.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lisp/internal.h"
#include "lisp/sequences.h"
#include "store/store.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static const char *const setup[] = {
    "(store-create-index :n :kind :ordered)",
    "(store-create-index :tag :kind :hash)",
    "(dotimes (i 3000) "
    "  (store-put i :n (mod (* i 7919) 1000) :tag (nth (mod i 5) '(:a :b :c :d :e)) "
    "           :name (format nil \"item ~d of ~d\" i (mod i 13)) "
    "           :date (date 2000 (+ 1 (mod i 12)) (+ 1 (mod i 28)))))",
    /* the same filter answered by the indexes and by a scan */
    "(defun same-as-scan (f) "
    "  (equal (mapcar #'entry-id (directory-entries (store-query f))) "
    "         (mapcar #'entry-id (directory-entries "
    "           (store-query (list 'and f '(satisfies (lambda (e) e))))))))",
};

static const char *const exact[] = {
    "(= :tag :c)", "(in :tag :a :e)", "(has :n)", "(< :n 100)",
    "(<= :n 100)", "(> :n 900)", "(>= :n 900)", "(between :n 250 260)",
    "(= :n 500)", "(overlaps :date (date 2000 3))",
    "(within :date (date 2000 3))", "(before :date (date 2000 2 10))",
    "(after :date (date 2000 11 20))", "(contains :tag \"b\")",
    "(and (= :tag :a) (between :n 0 500))",
    "(or (= :tag :b) (< :n 10))",
    "(and (= :tag :a) (not (< :n 500)))",
    /* a term no index answers, estimated at nothing, read first */
    "(and (= :date (date 2000 3 1)) (= :tag :a))",
    "(or (< :n 3) (in :n 7 9 11) (in :tag :b :b :c))",
};

/* ---- the gap code: ids encoded and decoded again ---- */

struct round_trip {
    const lo_value *ids;
    uint64_t n;
    bool same;
    /* and the same ids as bits (NULL: too far apart for them): encoded
     * from bits, after `skip` of them, `some` of them, the directory
     * must decode to the array's ids from skip on */
    const uint64_t *bits;
    uint64_t words, skip, some;
    bool same_from_bits;
};

/* Whether bytes decode to the n ids. */
static bool decodes_to(lo_lisp *L, lo_value bytes, const lo_value *ids,
                       uint64_t n)
{
    lo_value back = lo_store_directory_primitives[0]->fn(L, &bytes, 1);
    return lo_vector_length(back) == n &&
           !memcmp(lo_vector_items(back), ids, n * sizeof *ids);
}

static void encode_and_decode(lo_lisp *L, void *ctx)
{
    struct round_trip *t = ctx;
    t->same = decodes_to(L, lo_store_encode_ids(L, t->ids, t->n), t->ids, t->n);
    if (!t->bits)
        return;
    t->same_from_bits =
        decodes_to(L, lo_store_encode_bits(L, t->bits, t->words, 0, t->n),
                   t->ids, t->n) &&
        decodes_to(L, lo_store_encode_bits(L, t->bits, t->words, t->skip,
                                           t->some),
                   t->ids + t->skip, t->some);
}

static uint64_t next_random(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Ascending ids, n of them, with gaps of the given kind. */
static void make_ids(lo_value *ids, uint64_t n, int kind, uint64_t *seed)
{
    int64_t id = 0;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = next_random(seed), gap;
        switch (kind) {
        case 0: gap = 1; break;                         /* every id */
        case 1: gap = 1 + r % 3; break;
        case 2: gap = 1 + r % 20; break;                /* a query's */
        case 3: gap = 1 + r % 2000; break;
        default: gap = r % 97 ? 1 + r % 5               /* rare huge ones */
                              : 1 + (r >> 20) % (1ull << 40);
        }
        id += (int64_t)gap;
        ids[i] = lo_fixnum(id);
    }
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    lo_lisp *L = fx.L;
    for (size_t i = 0; i < sizeof setup / sizeof setup[0]; i++)
        fixture_setup(L, setup[i]);

    /* ---- scratch memory ---- */
    uint64_t before = L->scratch.used;
    eval_is(L, "(let ((n 0)) (dotimes (i 300 n) "
               "  (handler-case (store-query '(and (< :n 500) (satisfies "
               "                   (lambda (e) (error \"no\"))))) "
               "    (error () (incf n)))))",
            "300", "300 queries whose predicate signals, each caught");
    ok(L->scratch.used == before, "they left no scratch memory in use "
       "(%llu bytes before, %llu after)", (unsigned long long)before,
       (unsigned long long)L->scratch.used);
    eval_is(L, "(store-count '(and (< :n 10) (satisfies (lambda (e) "
               "(plusp (store-count '(= :tag :a)))))))",
            "30", "a query inside a predicate");
    ok(L->scratch.used == before, "and it gave its scratch memory back");

    /* ---- answers from the indexes equal a scan's ---- */
    for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++) {
        char form[256];
        snprintf(form, sizeof form, "(same-as-scan '%s)", exact[i]);
        eval_is(L, form, "T", exact[i]);
    }

    /* ---- the plan ---- */
    eval_is(L, "(getf (cdr (second (store-explain '(= :tag :c)))) :key)", ":TAG",
            "an equality uses the hash index");
    eval_is(L, "(first (second (store-explain '(between :n 1 5))))",
            ":ORDERED-INDEX", "a range uses the ordered index");
    eval_is(L, "(mapcar #'first (third (second (store-explain "
               "'(and (= :n 7) (has :tag))))))",
            "(:ORDERED-INDEX :CHECK)",
            "an AND reads the small term and checks the large one");
    eval_is(L, "(first (second (store-explain '(contains :name \"of 3\"))))",
            ":SCAN", "CONTAINS on a key whose values are all distinct: a scan");

    /* ---- directories ---- */
    eval_is(L, "(let ((d (store-query '(< :n 1000) :order-by '(:n :descending)))) "
               "(list (directory-count d) "
               "      (>= (entry-attribute (first (directory-entries d)) :n) "
               "          (entry-attribute (car (last (directory-entries d))) :n))))",
            "(3000 T)", "a descending order survives the encoding");
    eval_is(L, "(mapcar #'entry-id (directory-entries "
               "(store-query '(or (= :n 0) (= :tag :zz)) :offset 1 :limit 2)))",
            "(1001 2001)", "offset and limit over ids far apart");
    eval_is(L, "(let ((d (store-query '(< :n 1000)))) "
               "(list (directory-count d) (length (directory-entries d)) "
               "(entry-id (car (last (directory-entries d))))))",
            "(3000 3000 3000)", "3000 ascending ids a gap apart each survive "
            "the gap code");
    eval_is(L, "(let ((d (store-query '(or (= :n 0) (= :n 999))))) "
               "(mapcar #'entry-id (directory-entries d)))",
            "(1 322 1001 1322 2001 2322)", "ids far apart too");
    /* a dense range's answer is checked and encoded as bits: offset and
     * limit cut it as they cut an array of ids (the scan's) */
    static const struct { const char *filter, *page; } pages[] = {
        { "(< :n 500)", ":offset 7 :limit 100" }, { "(< :n 500)", ":limit 1" },
        { "(< :n 500)", ":offset 1499" }, { "(< :n 500)", ":offset 1500" },
        { "(or (< :n 300) (= :tag :b))", ":offset 64 :limit 64" },
        { "(in :n 1 2 3 400)", ":offset 2 :limit 5" },
        { "(overlaps :date (date 2000 3))", ":offset 100 :limit 3" },
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
        char form[400];
        snprintf(form, sizeof form, "(equal (mapcar #'entry-id "
                 "(directory-entries (store-query '%s %s))) "
                 "(mapcar #'entry-id (directory-entries (store-query "
                 "'(and %s (satisfies (lambda (e) e))) %s))))",
                 pages[i].filter, pages[i].page, pages[i].filter,
                 pages[i].page);
        eval_is(L, form, "T", "a page of bits: %s %s", pages[i].filter,
                pages[i].page);
    }
    eval_is(L, "(let ((d (store-query '(= :tag :zz)))) "
               "(list (directory-count d) (directory-entries d)))",
            "(0 NIL)", "no ids");
    static const struct { const char *bytes, *what; } malformed[] = {
        { "(2 1)", "zigzag differences reaching id -1" },
        { "(2 129 1)", "zigzag differences reaching id -65" },
        { "(2 128)", "a number cut short" },
        { "(1)", "gaps without their count" },
        { "(1 5 0)", "five gaps and no bits" },
        { "(1 1 63 255)", "a Rice parameter past 62" },
        { "(1 1 0 0 0 0 0 0 0 0 0 0)", "a quotient running off the end" },
        { "(1 2 61 1 0 0 0 0 0 0 0 255 255)", "gaps past the largest id" },
        { "(3 2 0 6 1)", "bits more than their count" },
        { "(3 2 0 2)", "bits fewer than their count" },
        { "(3 1 0 1)", "a bit for id 0" },
        { "(3 1 255 255 255 255 255 255 255 255 127 1)",
          "bits past the largest id" },
        { "(4 1)", "an unknown format" },
    };
    eval_is(L, "(lispos-internal::%store-directory-ids (make-array 6 "
               ":element-type '(unsigned-byte 8) "
               ":initial-contents '(3 3 1 6 0 128)))",
            "#(9 10 31)", "bits from the byte of id 8 on decode");
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        char form[320];
        snprintf(form, sizeof form, "(lispos-internal::%%store-directory-ids "
                 "(make-array (length '%s) :element-type '(unsigned-byte 8) "
                 ":initial-contents '%s))", malformed[i].bytes,
                 malformed[i].bytes);
        eval_fails(L, form, "STORE-ERROR: a directory's ids are malformed",
                   "directory bytes refused: %s", malformed[i].what);
    }

    uint64_t seed = 0x9e3779b97f4a7c15ull;
    for (int kind = 0; kind < 5; kind++) {
        uint64_t n = 65536 + next_random(&seed) % 150000;
        lo_value *ids = malloc(n * sizeof *ids);
        make_ids(ids, n, kind, &seed);
        struct round_trip t = { ids, n, false, NULL, 0, 0, 0, false };
        uint64_t *bits = NULL;
        if (kind < 4) {
            t.words = (uint64_t)lo_fixnum_value(ids[n - 1]) / 64 + 1;
            bits = calloc(t.words, 8);
            for (uint64_t i = 0; i < n; i++)
                bits[lo_fixnum_value(ids[i]) / 64] |=
                    1ull << (lo_fixnum_value(ids[i]) % 64);
            t.bits = bits;
            /* a part of the large one's size or a small one's */
            t.skip = next_random(&seed) % 1000;
            t.some = kind % 2 ? n - t.skip - next_random(&seed) % 100
                              : 1 + next_random(&seed) % 30000;
        }
        ok(lo_protect(L, encode_and_decode, &t) == LO_OK && t.same,
           "%llu ascending ids of gap kind %d come back from the gap code",
           (unsigned long long)n, kind);
        if (bits)
            ok(t.same_from_bits, "the same ids as bits come back, all of "
               "them and %llu after the first %llu",
               (unsigned long long)t.some, (unsigned long long)t.skip);
        free(bits);
        free(ids);
    }

    /* ---- owners past the visibility word's 16 bits (VIS_OWNER_MAX) ----
     * their entries are checked on the record: each user still sees
     * exactly their own (and everyone's), the administrator all */
    enum { OWNERS = 8200 };
    char name[32], form[160];
    bool each_put = true;
    for (int i = 0; i < OWNERS && each_put; i++) {
        snprintf(name, sizeof name, "owner%d", i);
        snprintf(form, sizeof form, "(entry-id (store-put %d :owned-by \"%s\" "
                 ":acl (if (zerop (mod %d 1000)) '((:everyone 1)) nil)))", i,
                 name, i);
        each_put = lo_lisp_set_user(L, name) == LO_OK &&
                   fixture_eval(L, form) == LO_OK;
    }
    ok(each_put, "%d users put an entry each", OWNERS);
    /* owner8189 is number 8190, the last the words hold */
    const char *last[] = { "owner0", "owner8189", "owner8190", "owner8199" };
    for (size_t i = 0; i < sizeof last / sizeof last[0]; i++) {
        fixture_as(L, last[i]);
        snprintf(form, sizeof form,
                 "(list (store-count '(has :owned-by)) "
                 "(entry-attribute (store-get (entry-id (first (directory-entries "
                 "(store-query '(= :owned-by \"%s\")))))) :owned-by))",
                 last[i]);
        snprintf(name, sizeof name, "(%d \"%s\")",
                 !strcmp(last[i], "owner0") ? 9 : 10, last[i]);
        eval_is(L, form, name, "%s sees their own entry and everyone's",
                last[i]);
    }
    fixture_as(L, NULL);
    eval_is(L, "(store-count '(has :owned-by))", "8200",
            "the administrator sees them all");

    /* ---- a store of an unreleased layout is refused, not misread ---- */
    lo_value *slot = (lo_value *)lo_store_root_slot(L);
    lo_value *layout = lo_svref(*slot, STORE_LAYOUT);
    *layout = lo_fixnum(2);
    eval_fails(L, "(store-count t)",
               "STORE-ERROR: this heap's store has layout 2, made by a "
               "development build before release 0.3.0; this build reads "
               "layout 3 only", "a store of layout 2: refused");
    *layout = lo_fixnum(LO_STORE_LAYOUT);
    eval_is(L, "(store-count '(has :owned-by))", "8200", "layout 3 again: read");

    fixture_close(&fx);
    return done_testing();
}
