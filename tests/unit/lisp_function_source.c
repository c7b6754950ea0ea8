/*
 * lisp_function_source.c -- users' code keeps its source (issue 18;
 * lisp/compile_lambda.c, code_source; lisp/value.h, CODE_SOURCE), and
 * FUNCTION-LAMBDA-EXPRESSION returns it.
 *
 *   - the system's code keeps none: after a cold boot no code object of
 *     the heap has the 7th value word;
 *   - a user's DEFUN, lambda, local function and macro, and the
 *     administrator's DEFUN, keep theirs: a code object of 7 value words
 *     whose bytes start after them (the function runs, DISASSEMBLE reads
 *     them); a function closing over nothing keeps (LAMBDA ...), a
 *     closure's code and a macro's expander a vector that adds the
 *     variables closed over, in slot order, with whether each is boxed;
 *   - FUNCTION-LAMBDA-EXPRESSION: (values lambda closure-p name) for
 *     users' functions, NIL as the lambda for the system's, primitives,
 *     generic functions and macro expanders; a TYPE-ERROR for a
 *     non-function; it needs the read bit when there is source to show;
 *   - all of it survives collections (under GC stress too), the heap
 *     verifies, and the store reopens with it.
 * The heap a function's source costs is printed as a diagnostic.
 */
#include <string.h>

#include "gc/gc.h"
#include "lisp/api.h"
#include "lisp/internal.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static struct fixture fx;

static void as(const char *user) { fixture_as(fx.L, user); }
static void setup(const char *form) { fixture_setup(fx.L, form); }

/* The code object of the function `form` evaluates to, as the current
 * user: a bare pointer, good until the next evaluation (which may move
 * it). */
static uint64_t *code_of(const char *form)
{
    lo_scope s = lo_scope_open(fx.L);
    lo_ref r = lo_eval(fx.L, form);
    lo_value fn = r ? lo_ref_value(r) : 0;
    lo_scope_close(fx.L, s);
    if (!lo_typep(fn, LO_T_FUNCTION))
        bail_out("%s is no bytecode function", form);
    return lo_ptr(lo_ptr(fn)[FN_CODE]);
}

/* ---- the heap's code objects ---- */

struct census { uint64_t bare, with_source; };

static void count_code(uint64_t *object, void *ctx)
{
    struct census *c = ctx;
    if ((object[0] & 0xff) != LO_T_CODE)
        return;
    if (lo_code_has_source(object))
        c->with_source++;
    else
        c->bare++;
}

static struct census census(void)
{
    struct census c = { 0, 0 };
    if (!lo_heap_for_each_object(fx.L->W->heap, count_code, &c))
        bail_out("the heap walk stopped on a malformed header");
    return c;
}

/* A full collection, then the heap walked and checked. */
static void collect_and_verify(const char *when)
{
    struct lo_gc_result r;
    is_int(lo_lisp_collect(fx.L, &r), LO_OK, "%s: a collection", when);
    const char *why = "";
    uintptr_t bad = lo_gc_verify(fx.L->W->heap, &why);
    ok(bad == 0, "%s: the heap verifies %s", when, why);
}

/* ---- checks ---- */

static void system_code(void)
{
    struct census c = census();
    ok(c.bare > 500 && c.with_source == 0,
       "after a cold boot no code object keeps source (%llu code objects)",
       (unsigned long long)c.bare);
    eval_is(fx.L, "(multiple-value-list (function-lambda-expression "
            "#'remove-if))", "(NIL NIL REMOVE-IF)",
            "a system function: no lambda, its name");
    eval_is(fx.L, "(multiple-value-list (function-lambda-expression #'car))",
            "(NIL NIL CAR)", "a primitive: its name");
    eval_is(fx.L, "(multiple-value-list (function-lambda-expression "
            "#'print-object))", "(NIL T PRINT-OBJECT)",
            "a generic function: a closure, its name");
    eval_fails(fx.L, "(function-lambda-expression 'car)",
               "TYPE-ERROR: The value CAR is not of type FUNCTION",
               "a symbol is not a function");
}

static void users_code(void)
{
    lo_lisp *L = fx.L;
    as("alice");
    setup("(defun double (x) \"Twice x.\" (* x 2))");
    uint64_t *code = code_of("#'double");
    is_uint(lo_header_value_words(code[0]), CODE_WORDS_SOURCE,
            "a user's DEFUN: its code object has %d value words",
            CODE_WORDS_SOURCE);
    ok(lo_consp(code[CODE_SOURCE]), "holding the lambda expression");
    eval_is(L, "(double 21)", "42", "it runs: its bytes start after them");
    eval_is(L, "(multiple-value-list (function-lambda-expression "
            "#'double))",
            "((LAMBDA (X) \"Twice x.\" (BLOCK DOUBLE (* X 2))) NIL DOUBLE)",
            "FUNCTION-LAMBDA-EXPRESSION: the lambda, not a closure, "
            "its name");
    eval_is(L, "(let ((s (with-output-to-string (*standard-output*) "
            "(disassemble 'double)))) (list (search \"    0  LOCAL 0\" s) "
            "(not (search \"?\" s))))", "(0 T)",
            "DISASSEMBLE reads the same bytes");
    eval_is(L, "(multiple-value-list (function-lambda-expression "
            "(lambda (a &optional (b 2)) (list a b))))",
            "((LAMBDA (A &OPTIONAL (B 2)) (LIST A B)) NIL NIL)",
            "a lambda: no name");
    eval_is(L, "(flet ((h (z) (1+ z))) (function-lambda-expression #'h))",
            "(LAMBDA (Z) (BLOCK H (1+ Z)))", "a local function");
    setup("(defun (setf thing) (v x) (list v x))");
    eval_is(L, "(nth-value 2 (function-lambda-expression #'(setf thing)))",
            "(SETF THING)", "a setf function's name");

    /* closures: the inner lambda as written, and its variables */
    setup("(let ((count 0) (step 5)) "
          "  (defun bump () (setq count (+ count step))))");
    code = code_of("#'bump");
    lo_value source = code[CODE_SOURCE];
    bool vector = lo_typep(source, LO_T_VECTOR);
    ok(vector && lo_fixnum_value(lo_ptr(source)[1]) == 6,
       "a closure's code keeps a vector: lambda, macro-p, two variables");
    if (vector && lo_fixnum_value(lo_ptr(source)[1]) == 6) {
        lo_value *e = lo_ptr(source) + 2;
        ok(lo_consp(e[0]) && lo_null(L, e[1]), "the lambda, not a macro");
        char name0[16] = "", name1[16] = "";
        lo_string_utf8(lo_symbol_name(e[2]), name0, sizeof name0);
        lo_string_utf8(lo_symbol_name(e[4]), name1, sizeof name1);
        ok(!strcmp(name0, "COUNT") && !lo_null(L, e[3]),
           "slot 0: COUNT, boxed (the closure assigns it): %s", name0);
        ok(!strcmp(name1, "STEP") && lo_null(L, e[5]),
           "slot 1: STEP, a plain value: %s", name1);
    }
    eval_is(L, "(list (bump) (bump))", "(5 10)", "it runs");
    eval_is(L, "(multiple-value-list (function-lambda-expression #'bump))",
            "((LAMBDA NIL (BLOCK BUMP (SETQ COUNT (+ COUNT STEP)))) T BUMP)",
            "FUNCTION-LAMBDA-EXPRESSION of a closure: closure-p T");
    setup("(defun make-adder (n) (lambda (x) (+ x n)))");
    eval_is(L, "(multiple-value-list (function-lambda-expression "
            "(make-adder 1)))", "((LAMBDA (X) (+ X N)) T NIL)",
            "an inner lambda keeps the inner lambda form");

    /* macros: the pattern is not a lambda list of the expander */
    setup("(defmacro swap-args (f a b) `(,f ,b ,a))");
    uint64_t *mcode = code_of("(macro-function 'swap-args)");
    ok(lo_code_has_source(mcode) &&
       lo_typep(mcode[CODE_SOURCE], LO_T_VECTOR) &&
       !lo_null(L, lo_ptr(mcode[CODE_SOURCE])[3]),
       "a macro's expander keeps its source, marked as a macro's");
    eval_is(L, "(list (swap-args - 1 10) (function-lambda-expression "
            "(macro-function 'swap-args)))", "(9 NIL)",
            "it expands; FUNCTION-LAMBDA-EXPRESSION gives no lambda for it");

    /* the read bit */
    eval_fails(L, "(function-lambda-expression (restrict #'double 4))",
               "ACCESS-DENIED: FUNCTION-LAMBDA-EXPRESSION: no read access "
               "to this function",
               "a function held without its read bit: ACCESS-DENIED");
    eval_is(L, "(multiple-value-list (function-lambda-expression "
            "(restrict #'remove-if 4)))", "(NIL NIL REMOVE-IF)",
            "a system function without it: nothing to show, no error");

    /* the administrator's code is users' code too */
    as(NULL);
    setup("(defun site-greeting () \"hello\")");
    ok(lo_code_has_source(code_of("#'site-greeting")),
       "the administrator's DEFUN keeps its source");
}

/* What a function's source costs: the same definitions compiled as the
 * boot code compiles (no source) and as a user's. */
static void cost(void)
{
    as(NULL);
    setup("(defun %define-many (prefix n)"
          "  (dotimes (i n)"
          "    (eval (read-from-string"
          "     (format nil \"(defun ~A-~D (x y &optional (k ~D)) \\\"A "
          "function.\\\" (let ((z (+ x y k))) (if (> z 10) (list z x) "
          "(* z y))))\" prefix i i)))))");
    struct lo_gc_result r;
    lo_lisp_collect(fx.L, &r);
    uint64_t before = r.live_bytes;
    fx.L->W->booting = true;            /* compiled as system code is */
    setup("(%define-many \"bare\" 200)");
    fx.L->W->booting = false;
    lo_lisp_collect(fx.L, &r);
    uint64_t bare = r.live_bytes - before;
    before = r.live_bytes;
    setup("(%define-many \"kept\" 200)");
    lo_lisp_collect(fx.L, &r);
    uint64_t kept = r.live_bytes - before;
    ok(kept > bare, "keeping source costs heap");
    diag("a 2-line DEFUN: %llu bytes without its source, %llu with it "
         "(+%llu: the lambda's conses, two more and the 7th word)",
         (unsigned long long)(bare / 200), (unsigned long long)(kept / 200),
         (unsigned long long)((kept - bare) / 200));
}

int main(void)
{
    fixture_lisp(&fx, 32768);
    system_code();
    users_code();
    collect_and_verify("after the definitions");
    struct census c = census();
    /* DOUBLE, (SETF THING), BUMP, MAKE-ADDER and its lambda, the
     * macro and SITE-GREETING: the lambdas evaluated once are gone */
    ok(c.with_source >= 7, "users' code objects keep source (%llu)",
       (unsigned long long)c.with_source);

    /* under GC stress: every allocation of the compiler collects */
    as("bob");
    lo_lisp_gc_stress(fx.L, 1);
    setup("(let ((k 3)) (defun times-k (x) (* x k)))");
    setup("(defun mapper (l) (mapcar (lambda (e) (times-k e)) l))");
    lo_lisp_gc_stress(fx.L, 0);
    eval_is(fx.L, "(list (mapper '(1 2)) (function-lambda-expression "
            "#'times-k))", "((3 6) (LAMBDA (X) (BLOCK TIMES-K (* X K))))",
            "compiled under GC stress: it runs and keeps its source");
    collect_and_verify("after GC stress");

    cost();

    lo_ckpt_sync(fx.store);
    fixture_reopen(&fx);
    as("alice");
    eval_is(fx.L, "(list (double 4) (function-lambda-expression #'double))",
            "(8 (LAMBDA (X) \"Twice x.\" (BLOCK DOUBLE (* X 2))))",
            "reopened: the function runs and keeps its source");
    eval_is(fx.L, "(list (bump) (nth-value 1 (function-lambda-expression "
            "#'bump)))", "(15 T)", "and the closure");
    collect_and_verify("reopened");
    fixture_close(&fx);
    return done_testing();
}
