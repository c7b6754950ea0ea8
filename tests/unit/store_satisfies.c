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
 *   - a predicate of arithmetic and comparisons over its entry's
 *     attributes runs as a program (lisp/num_expr.c), which answers as
 *     the function does for every pair of edge values, and leaves to the
 *     function what it cannot tell (which then signals as it always did);
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

/* Whether the predicate `form` evaluates to would run as a program. */
static bool has_program(const char *form)
{
    lo_scope s = lo_scope_open(fx.L);
    lo_ref r = lo_eval(fx.L, form);
    if (!r)
        bail_out("%s: %s", form, fixture_out());
    lo_value fn = lo_store_predicate_by_id(fx.L, lo_ref_value(r));
    bool yes = !lo_null(fx.L, lo_store_predicate_program(fx.L, fn));
    lo_scope_close(fx.L, s);
    return yes;
}

static const char *const programs[] = {
    "(lambda (e) (> (* (entry-attribute e :rating) "
    "(- (entry-attribute e :year) 1900)) 300))",
    "(lambda (e) (entry-attribute e :year))",
    "(lambda (e) (= (+ (entry-attribute e :a) 2.5) (entry-attribute e :b)))",
    "(lambda (e) (* (entry-attribute e :a) (entry-attribute e :b)))",
    "(lambda (e) (and (entry-attribute e :a) (> (entry-attribute e :a) 1)))",
    "(lambda (e) (or (> (entry-attribute e :a) 1) (not (entry-attribute e :b))))",
    "(lambda (e) (let ((x (entry-attribute e :a))) (if (> x 0) (< x 9) t)))",
};
static const char *const no_programs[] = {
    "(lambda (e) (> (/ (entry-attribute e :a) 2) 1))",
    "(lambda (e) (> (* 2 (entry-attribute e :a) 3) 1))",
    "(lambda (e) (> (abs (entry-attribute e :a)) 1))",
    "(lambda (e) (entry-attribute e (if t :a :b)))",
    "(let ((k 3)) (lambda (e) (> (entry-attribute e :a) k)))",
    "(lambda (e) e)",
    "(lambda (e f) (> (entry-attribute e :a) f))",
};

/* Entries whose :a and :b are every pair of values at the edges of what
 * a program computes (fixnum limits, integers past 2^53, doubles that
 * overflow, -0.0, ratios, bignums, strings, none); each predicate is
 * asked of each entry through a query (where it runs as a program) and
 * by calling it (where the VM runs it). */
static const char *const edge_setup[] = {
    "(store-create-index :g :kind :hash)",
    "(defvar *edges* (list 0 1 -1 7 (expt 2 53) (1+ (expt 2 53)) "
    "(- (1+ (expt 2 53))) most-positive-fixnum most-negative-fixnum "
    "(1+ most-positive-fixnum) 1/3 0.5 -0.0 1d300 -1d300 2.5 1d-300 "
    "(sqrt 2) \"str\" :none 1000000 (float (expt 2 53) 1d0)))",
    "(let ((g 0)) (dolist (a *edges*) (dolist (b *edges*) "
    "(apply #'store-put g :g (incf g) "
    "(append (unless (eq a :none) (list :a a)) "
    "(unless (eq b :none) (list :b b)))))))",
    "(defvar *predicates* '("
    "(lambda (e) (> (* (entry-attribute e :a) (entry-attribute e :b)) 0))"
    "(lambda (e) (< (+ (entry-attribute e :a) (entry-attribute e :b)) 10))"
    "(lambda (e) (= (- (entry-attribute e :a) (entry-attribute e :b)) 0))"
    "(lambda (e) (>= (* (entry-attribute e :a) 3) (entry-attribute e :b)))"
    "(lambda (e) (<= (entry-attribute e :a) 2.5))"
    "(lambda (e) (= (entry-attribute e :a) (entry-attribute e :b)))"
    "(lambda (e) (* (entry-attribute e :a) (entry-attribute e :b)))"
    "(lambda (e) (> (* (+ (entry-attribute e :a) 1) (- (entry-attribute e :b) 1)) "
    "100))"
    "(lambda (e) (< (- (* (entry-attribute e :a) 1d300) 1d300) 0))"
    "(lambda (e) (and (> (entry-attribute e :a) 1) (< (entry-attribute e :b) 5)))"
    "(lambda (e) (or (> (entry-attribute e :a) 1) (< (entry-attribute e :b) 5)))"
    "(lambda (e) (not (>= (entry-attribute e :a) (entry-attribute e :b))))"
    "(lambda (e) (let ((x (entry-attribute e :a))) (and (> x 0) (< (* x x) 100))))"
    "(lambda (e) (if (> (entry-attribute e :a) 0) (< (entry-attribute e :b) 2) "
    "(> (entry-attribute e :b) 2)))"
    "(lambda (e) (when (entry-attribute e :a) t))))",
    "(defun direct (p id) (handler-case (if (funcall (compile nil p) "
    "(store-get id)) 1 0) (error (c) (type-of c))))",
    "(defun via-store (p id) (handler-case (store-count (list 'and (list '= :g id) "
    "(list 'satisfies p))) (error (c) (type-of c))))",
    "(defun mismatches () (let ((out nil)) (dolist (p *predicates* out) "
    "(dotimes (i 484) (let* ((g (1+ i)) (id (entry-id (first "
    "(directory-entries (store-query (list '= :g g)))))) "
    "(d (direct p id)) (v (via-store p g))) "
    "(unless (eql d v) (push (list p g d v) out)))))))",
};

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

    /* ---- predicates run as programs (lisp/num_expr.c) ---- */
    for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++)
        ok(has_program(programs[i]), "a program: %s", programs[i]);
    for (size_t i = 0; i < sizeof no_programs / sizeof no_programs[0]; i++)
        ok(!has_program(no_programs[i]), "no program: %s", no_programs[i]);
    for (size_t i = 0; i < sizeof edge_setup / sizeof edge_setup[0]; i++)
        fixture_setup(fx.L, edge_setup[i]);
    eval_is(fx.L, "(store-count '(has :g))", "484", "an entry for each pair "
            "of edge values");
    eval_is(fx.L, "(mismatches)", "NIL", "each predicate, on each entry, "
            "answers as the function called directly (or signals as it does)");
    eval_is(fx.L, "(length (remove-if-not #'consp (mapcar (lambda (p) "
                  "(handler-case (store-count (list 'satisfies p)) "
                  "(error (c) (list (type-of c))))) *predicates*)))",
            "14", "over all entries, each predicate but the last meets a "
            "string or a missing value, and signals as the function does");
    fixture_close(&fx);
    return done_testing();
}
