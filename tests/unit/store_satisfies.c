/*
 * store_satisfies.c -- how a query calls its SATISFIES predicate
 * (store/query.c) and the entry handles the store makes in C
 * (store/store.c):
 *
 *   - a predicate that only hands its argument to ENTRY-ATTRIBUTE, the
 *     other arguments plain values, is called with the entry's id
 *     (lo_store_predicate_by_id, over lisp/arg_uses.c); one that does
 *     anything else with it -- keeps it, returns it, closes over it,
 *     passes it to another function, assigns it -- gets a handle; so
 *     does one of another lambda list, or a function named by a symbol
 *     that no longer names the function judged;
 *   - the answers are the same either way, a handle kept by a predicate
 *     is a real one, and collections during a scan change nothing;
 *   - STORE-GET's handles are STORE-ENTRYs; ENTRY-ATTRIBUTE reads a plain
 *     handle, an id, and (through the Lisp) a structure including
 *     STORE-ENTRY, and refuses what it refused before.
 */
#include <string.h>

#include "lisp/api.h"
#include "store/store.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static struct fixture fx;

/* Whether the predicate `form` evaluates to (as the current user) would
 * be given ids. */
static bool by_id(const char *form)
{
    lo_scope s = lo_scope_open(fx.L);
    lo_ref r = lo_eval(fx.L, form);
    if (!r)
        bail_out("%s: %s", form, fixture_out());
    lo_value fn = lo_ref_value(r);
    bool yes = !lo_null(fx.L, lo_store_predicate_by_id(fx.L, fn));
    lo_scope_close(fx.L, s);
    return yes;
}

static const char *const takes_ids[] = {
    "(lambda (e) (entry-attribute e :year))",
    "(lambda (e) (> (* (entry-attribute e :rating) "
    "(- (entry-attribute e :year) 1900)) 300))",
    "(lambda (e) (let ((y (entry-attribute e :year))) (and y (> y 2000))))",
    "(lambda (e) (declare (ignore e)) t)",
    "(let ((k :year)) (lambda (e) (entry-attribute e k)))",
    "(lambda (e) (multiple-value-bind (v has) (entry-attribute e :year) "
    "(and has (evenp v))))",
    "(lambda (e) (or (entry-attribute e :rating) (entry-attribute e :x)))",
};

static const char *const takes_handles[] = {
    "(lambda (e) e)",
    "(lambda (e) (entry-id e))",
    "(lambda (e) (push e *kept*) t)",
    "(lambda (e) (entry-attribute e :year) (entry-object e))",
    "(lambda (e) (lambda () (entry-attribute e :year)))",
    "(lambda (e) (funcall #'entry-attribute e :year))",
    "(lambda (e) (entry-attribute-values e :year))",
    "(lambda (e) (setq e (store-get 1)) (entry-attribute e :year))",
    "(lambda (e) (entry-attribute :year e))",
    "(lambda (e &optional x) (entry-attribute e x))",
    "(lambda (&rest r) (entry-attribute (car r) :year))",
    "#'entryp",
    "#'entry-attribute",
};

int main(void)
{
    fixture_lisp(&fx, 65536);
    fixture_as(fx.L, "alice");
    fixture_setup(fx.L, "(defvar *kept* nil)");
    fixture_setup(fx.L,
                  "(dotimes (i 300) (store-put i :year (+ 1900 (mod i 125)) "
                  ":rating (/ (mod i 7) 2.0) :name (format nil \"n~d\" i)))");

    /* ---- which predicates are given ids ---- */
    for (size_t i = 0; i < sizeof takes_ids / sizeof *takes_ids; i++)
        ok(by_id(takes_ids[i]), "given ids: %s", takes_ids[i]);
    for (size_t i = 0; i < sizeof takes_handles / sizeof *takes_handles; i++)
        ok(!by_id(takes_handles[i]), "given handles: %s", takes_handles[i]);
    fixture_setup(fx.L, "(defun year-even-p (e) "
                        "(evenp (entry-attribute e :year)))");
    ok(by_id("'year-even-p"), "a function's name: what it names is judged");
    ok(!by_id("'no-such-function"), "an undefined name: handles (the call "
       "will say it is undefined)");

    /* ---- the same answers either way ---- */
    eval_is(fx.L, "(store-count '(satisfies (lambda (e) "
                  "(> (* (entry-attribute e :rating) "
                  "(- (entry-attribute e :year) 1900)) 300))))",
            "7", "an arithmetic predicate, given ids");
    eval_is(fx.L, "(store-count '(satisfies (lambda (e) "
                  "(> (* (entry-attribute (store-get (entry-id e)) :rating) "
                  "(- (entry-attribute e :year) 1900)) 300))))",
            "7", "the same predicate given handles");
    eval_is(fx.L, "(store-count '(satisfies year-even-p))", "151",
            "a named predicate");
    eval_is(fx.L, "(progn (defun year-even-p (e) (push e *kept*) "
                  "(evenp (entry-attribute e :year))) "
                  "(list (store-count '(satisfies year-even-p)) "
                  "(length *kept*) (every #'entryp *kept*)))",
            "(151 300 T)", "redefined to keep its argument: it gets handles");
    eval_is(fx.L, "(let ((kept nil)) "
                  "(store-count (list 'satisfies (lambda (e) (push e kept) "
                  "(entry-attribute e :name)))) "
                  "(list (length kept) (every #'entryp kept) "
                  "(length (remove-duplicates (mapcar #'entry-id kept))) "
                  "(entry-attribute (first kept) :name)))",
            "(300 T 300 \"n299\")", "kept handles are real ones, one each");
    eval_is(fx.L, "(handler-case (store-count '(satisfies (lambda (e) "
                  "(entry-attribute e \"year\")))) (error (c) (type-of c)))",
            "TYPE-ERROR", "a bad key is refused as before");
    eval_is(fx.L, "(store-count '(and (< :year 1950) (satisfies (lambda (e) "
                  "(oddp (entry-attribute e :year))))))",
            "75", "over an index's candidates too");
    eval_is(fx.L, "(let ((n 0)) (dotimes (i 5 n) (setq n (+ n (store-count "
                  "'(satisfies (lambda (e) (make-list 50) "
                  "(< (entry-attribute e :year) 2000))))))))",
            "1250", "allocating predicates, collections meanwhile");
    struct lo_gc_result r;
    is_int(lo_lisp_collect(fx.L, &r), LO_OK, "a collection");
    eval_is(fx.L, "(store-count '(satisfies (lambda (e) "
                  "(< (entry-attribute e :year) 2000))))",
            "250", "after it");

    /* ---- handles made and read in C ---- */
    eval_is(fx.L, "(let ((e (store-get 7))) (list (entryp e) (entry-id e) "
                  "(prin1-to-string e) (entry-attribute e :name) "
                  "(entry-attribute 7 :name)))",
            "(T 7 \"#<ENTRY 7>\" \"n6\" \"n6\")", "STORE-GET's handle");
    eval_is(fx.L, "(list (store-get 0) (store-get 301) (store-get \"7\") "
                  "(store-get (expt 2 70)))",
            "(NIL NIL NIL NIL)", "STORE-GET of what is no visible id");
    eval_is(fx.L, "(multiple-value-list (entry-attribute (store-get 7) :x))",
            "(NIL NIL)", "no such key: NIL, NIL");
    fixture_setup(fx.L, "(defstruct (my-entry (:include store-entry)))");
    eval_is(fx.L, "(entry-attribute (make-my-entry :id 8) :name)", "\"n7\"",
            "a structure including STORE-ENTRY, through the Lisp");
    eval_is(fx.L, "(handler-case (entry-attribute (restrict (store-get 7) 0) "
                  ":name) (error (c) (type-of c)))",
            "ACCESS-DENIED", "a handle without the read bit");
    eval_is(fx.L, "(mapcar (lambda (x) (handler-case (entry-attribute x :name) "
                  "(error (c) (type-of c)))) (list \"7\" 0 -3 (expt 2 70)))",
            "(TYPE-ERROR TYPE-ERROR TYPE-ERROR TYPE-ERROR)",
            "what is no entry argument");
    fixture_as(fx.L, "bob");
    eval_is(fx.L, "(list (store-get 7) (handler-case (entry-attribute 7 :name) "
                  "(store-error (c) (princ-to-string c))))",
            "(NIL \"no entry 7\")", "another user's entry is none");

    /* ---- after a restart ---- */
    lo_ckpt_sync(fx.store);
    fixture_reopen(&fx);
    fixture_as(fx.L, "alice");
    eval_is(fx.L, "(list (entry-id (store-get 9)) (store-count '(satisfies "
                  "(lambda (e) (< (entry-attribute e :year) 2000)))))",
            "(9 250)", "after a restart");
    fixture_close(&fx);
    return done_testing();
}
