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
#include <string.h>

#include "lisp/internal.h"
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
    eval_fails(L, "(lispos-internal::%store-directory-ids "
                  "(make-array 2 :element-type '(unsigned-byte 8) "
                  ":initial-contents '(129 1)))",
               "STORE-ERROR: a directory's ids are malformed",
               "directory bytes decoding to a negative id: refused");
    eval_fails(L, "(lispos-internal::%store-directory-ids "
                  "(make-array 1 :element-type '(unsigned-byte 8) "
                  ":initial-contents '(1)))",
               "STORE-ERROR: a directory's ids are malformed",
               "directory bytes decoding to id -1: refused");

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
