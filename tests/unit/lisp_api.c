/*
 * lisp_api.c -- the value-level embedding API (lisp/api.h): the one
 * protected call, handles that survive collections moving what they
 * hold, values made and read, functions called, and structured errors
 * of every kind (an error, ACCESS-DENIED, a limit, STORAGE-CONDITION,
 * ABORT) -- inside lo_pcall and out of it.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lisp/api.h"
#include "lisp/primitive.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static lo_lisp *L;

/* The value a handle holds, as the collector sees it (a test may look:
 * a lo_ref is the address of its slot). */
static uint64_t raw(lo_ref r) { return *(const uint64_t *)r; }

static const char *printed(lo_ref r)
{
    static char buf[4096];
    char out[4096];
    lo_ref s = lo_call_named(L, "CL", "PRIN1-TO-STRING", &r, 1);
    if (!s || lo_get_string(L, s, out, sizeof out) < 0)
        return "(failed)";
    snprintf(buf, sizeof buf, "%s", out);
    return buf;
}

static void eval_ok(const char *text)
{
    char out[512];
    if (lo_lisp_eval_string(L, text, out, sizeof out) != LO_OK)
        bail_out("%s: %s", text, out);
}

/* ---- the protected call ---- */

struct sum { lo_ref a, b, result; };

static void add(lo_lisp *L, void *ctx)
{
    struct sum *s = ctx;
    lo_ref args[2] = { s->a, s->b };
    s->result = lo_call_named(L, "CL", "+", args, 2);
}

static void fail_inside(lo_lisp *L, void *ctx)
{
    int *reached = ctx;
    lo_ref x = lo_new_string(L, "x", 1);
    lo_call_named(L, "CL", "CAR", &x, 1);     /* a TYPE-ERROR: leaves */
    *reached = 1;
}

static void test_pcall(void)
{
    lo_scope s = lo_scope_open(L);
    struct sum sum = { lo_new_integer(L, 40), lo_new_integer(L, 2), NULL };
    is_int(lo_pcall(L, add, &sum), LO_OK, "lo_pcall: fn returned");
    int64_t n = 0;
    is_int(lo_get_int64(L, sum.result, &n), LO_OK, "its result is an integer");
    is_int(n, 42, "... 42");

    int reached = 0;
    int status = lo_pcall(L, fail_inside, &reached);
    is_int(status, LO_ELISP, "an error inside lo_pcall: LO_ELISP");
    ok(!reached, "... the rest of fn did not run");
    const struct lo_error *e = lo_last_error(L);
    is_int(e->kind, LO_ERR_ERROR, "... kind ERROR");
    is_str(e->type, "TYPE-ERROR", "... type TYPE-ERROR");
    ok(strstr(e->message, "CAR") != NULL, "... message names CAR: %s",
       e->message);
    ok(e->condition != NULL, "... the condition is given");
    is_str(printed(lo_call_named(L, "CL", "TYPE-ERROR-DATUM",
                                 &e->condition, 1)),
           "\"x\"", "... its datum is the string passed");
    lo_scope_close(L, s);
}

/* ---- entry points nested inside an evaluation ---- */

static void eval_arg(lo_lisp *L, void *ctx)
{
    lo_eval(L, ctx);
}

/* (api-test-reenter text): evaluates text in a lo_pcall of its own, as
 * a layer above the Lisp might from a primitive; "OK", or the type of
 * the condition it failed with. */
LO_PRIMITIVE(p_reenter, "API-TEST-REENTER", INTERNAL, ANY, 1, 1, "(text)",
             "Evaluate TEXT in a nested lo_pcall; its failure's type.")
{
    char text[256];
    lo_scope s = lo_scope_open(L);
    lo_get_string(L, lo_arg_ref(L, &args[0]), text, sizeof text);
    int status = lo_pcall(L, eval_arg, text);
    const char *type = status == LO_OK ? "OK" : lo_last_error(L)->type;
    lo_value v = lo_ref_value(lo_new_string(L, type, strlen(type)));
    lo_scope_close(L, s);
    return v;
}

static const struct lo_primitive *const test_primitives[] = {
    LO_ROW(p_reenter),
    NULL,
};

static void test_nesting(void)
{
    char out[256];
    lo_lisp_eval_string(L, "(lispos-internal::api-test-reenter \"(+ 1 2)\")",
                        out, sizeof out);
    is_str(out, "\"OK\"", "a nested lo_pcall returns");
    lo_lisp_eval_string(L, "(lispos-internal::api-test-reenter \"(car 1)\")",
                        out, sizeof out);
    is_str(out, "\"TYPE-ERROR\"", "an error ends at the nested lo_pcall");
    lo_lisp_eval_string(L, "(catch 'out (lispos-internal::api-test-reenter "
                        "\"(throw 'out 1)\"))", out, sizeof out);
    is_str(out, "\"CONTROL-ERROR\"",
           "a THROW does not cross it to the CATCH outside");
    struct lo_limits limits = { .steps = 5000 };
    lo_lisp_set_limits(L, &limits);
    is_int(lo_lisp_eval_string(L, "(progn (lispos-internal::api-test-reenter "
                               "\"(loop)\") (loop))", out, sizeof out),
           LO_EINVAL, "a limit inside a nested lo_pcall: the outer one fails");
    is_int(lo_last_error(L)->kind, LO_ERR_LIMIT, "... of the limit");
    struct lo_limits none = { 0 };
    lo_lisp_set_limits(L, &none);
}

/* ---- errors outside lo_pcall ---- */

static void test_errors(void)
{
    lo_scope s = lo_scope_open(L);
    eval_ok("(defun api-inner (x) (car x))");
    eval_ok("(defun api-outer (x) (list (api-inner x)))");
    lo_ref arg = lo_new_integer(L, 7);
    ok(lo_call_named(L, "CL-USER", "API-OUTER", &arg, 1) == NULL,
       "a failing call outside lo_pcall returns NULL");
    const struct lo_error *e = lo_last_error(L);
    is_int(e->kind, LO_ERR_ERROR, "... kind ERROR");
    is_str(e->type, "TYPE-ERROR", "... type");
    is_str(e->backtrace, "0: (API-INNER 7)\n1: (API-OUTER 7)\n",
           "... with its backtrace");

    ok(lo_call_named(L, "CL-USER", "NO-SUCH-FUNCTION", NULL, 0) == NULL &&
       !strcmp(lo_last_error(L)->type, "UNDEFINED-FUNCTION"),
       "an undefined function: UNDEFINED-FUNCTION");
    char out[256];
    lo_lisp_eval_string(L, "(find-symbol \"NO-SUCH-FUNCTION\")", out,
                        sizeof out);
    is_str(out, "NIL", "... whose name was not interned by asking");
    eval_ok("(defun api-known () 1)");
    ok(lo_call_named(L, "CL-USER", "api-known", NULL, 0) == NULL,
       "names are exact: api-known is not API-KNOWN");

    int64_t n;
    is_int(lo_get_int64(L, lo_new_string(L, "7", 1), &n), LO_ELISP,
           "lo_get_int64 of a string fails");
    is_str(lo_last_error(L)->type, "TYPE-ERROR", "... with a TYPE-ERROR");
    is_int(lo_get_int64(L, NULL, &n), LO_ELISP, "... of NULL fails");
    is_str(lo_last_error(L)->type, "PROGRAM-ERROR", "... a PROGRAM-ERROR");
    is_int(lo_get_int64(L, lo_new_integer(L, INT64_MAX), &n), LO_OK,
           "INT64_MAX round trips");
    is_int(n, INT64_MAX, "... through a bignum");

    /* a user calling a system-only function: ACCESS-DENIED */
    if (lo_lisp_set_user(L, "api-user") != LO_OK)
        bail_out("set user");
    ok(lo_call_named(L, "LISPOS", "GC", NULL, 0) == NULL,
       "a user calling GC fails");
    is_int(lo_last_error(L)->kind, LO_ERR_ACCESS, "... kind ACCESS");
    is_str(lo_last_error(L)->type, "ACCESS-DENIED", "... ACCESS-DENIED");
    lo_lisp_set_user(L, NULL);

    /* the ABORT restart */
    ok(lo_call_named(L, "CL", "ABORT", NULL, 0) == NULL, "ABORT fails");
    is_int(lo_last_error(L)->kind, LO_ERR_ABORT, "... kind ABORT");
    ok(lo_last_error(L)->condition == NULL, "... with no condition");

    /* a limit, even when the code catches what it signals */
    struct lo_limits limits = { .steps = 10000 };
    lo_lisp_set_limits(L, &limits);
    eval_ok("(defun api-loop () (loop))");
    ok(lo_call_named(L, "CL-USER", "API-LOOP", NULL, 0) == NULL,
       "a runaway call past its step limit fails");
    is_int(lo_last_error(L)->kind, LO_ERR_LIMIT, "... kind LIMIT");
    is_str(lo_last_error(L)->type, "RESOURCE-EXHAUSTED", "... its type");
    eval_ok("(defun api-swallow () (handler-case (loop) "
            "(serious-condition () :caught)))");
    ok(lo_call_named(L, "CL-USER", "API-SWALLOW", NULL, 0) == NULL,
       "... caught by its code, it still fails");
    is_int(lo_last_error(L)->kind, LO_ERR_LIMIT, "... kind LIMIT");
    struct lo_limits none = { 0 };
    lo_lisp_set_limits(L, &none);

    /* the kind is a fact of the failure: signalling the type is no limit */
    is_int(lo_lisp_eval_string(L, "(error 'resource-exhausted)", out,
                               sizeof out), LO_EINVAL,
           "code signalling RESOURCE-EXHAUSTED itself fails");
    is_int(lo_last_error(L)->kind, LO_ERR_ERROR, "... as an error, no limit");
    is_str(lo_last_error(L)->type, "RESOURCE-EXHAUSTED", "... of its type");

    /* the store's and the thread's resources */
    eval_ok("(defun api-deep (n) (+ 1 (api-deep (+ n 1))))");
    arg = lo_new_integer(L, 0);
    ok(lo_call_named(L, "CL-USER", "API-DEEP", &arg, 1) == NULL,
       "runaway recursion fails");
    is_int(lo_last_error(L)->kind, LO_ERR_STORAGE, "... kind STORAGE (%s: %s)",
           lo_last_error(L)->type, lo_last_error(L)->message);
    lo_scope_close(L, s);
}

/* ---- making and reading values ---- */

static bool count_entry(lo_lisp *L, lo_ref key, lo_ref value, void *ctx)
{
    int64_t k, v;
    if (lo_get_int64(L, key, &k) == LO_OK && lo_get_int64(L, value, &v) == LO_OK)
        *(int64_t *)ctx += k * v;
    return true;
}

static void test_values(void)
{
    lo_scope s = lo_scope_open(L);
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    char buf[256], pkg[64];

    /* integers */
    is_str(printed(lo_new_integer(L, -5)), "-5", "a fixnum");
    is_str(printed(lo_new_integer(L, INT64_MIN)), "-9223372036854775808",
           "a bignum from int64");
    is_str(printed(lo_new_unsigned(L, UINT64_MAX)), "18446744073709551615",
           "a bignum from uint64");
    lo_get_uint64(L, lo_new_unsigned(L, UINT64_MAX), &u);
    ok(u == UINT64_MAX, "... reads back");
    is_int(lo_get_uint64(L, lo_new_integer(L, -1), &u), LO_ERANGE,
           "-1 is no uint64");
    lo_ref huge = lo_new_integer_text(L, "-123456789012345678901234567890", 10);
    is_str(printed(huge), "-123456789012345678901234567890",
           "an integer of any size from text");
    is_int(lo_get_int64(L, huge, &i), LO_ERANGE, "... no int64");
    is_str(printed(lo_new_integer_text(L, "ff", 16)), "255", "base 16");
    ok(lo_new_integer_text(L, "12x", 10) == NULL &&
       !strcmp(lo_last_error(L)->type, "PARSE-ERROR"),
       "a bad integer text: PARSE-ERROR");
    is_int(lo_type_code(L, huge), LO_TYPE_INTEGER, "its type code");

    /* doubles */
    lo_ref x = lo_new_double(L, 2.5);
    is_str(printed(x), "2.5", "a double");
    lo_get_double(L, x, &d);
    ok(d == 2.5, "... reads back");
    lo_get_double(L, lo_new_integer(L, 3), &d);
    ok(d == 3.0, "an integer read as a double");
    is_int(lo_type_code(L, x), LO_TYPE_DOUBLE, "its type code");

    /* strings, UTF-8 both ways */
    const char *utf8 = "h\xc3\xa9llo \xe2\x82\xac";       /* hello, e acute, euro */
    lo_ref str = lo_new_string(L, utf8, strlen(utf8));
    is_int(lo_length(L, str), 7, "a string of 7 characters");
    is_int(lo_get_string(L, str, buf, sizeof buf), (int64_t)strlen(utf8),
           "its UTF-8 length");
    is_str(buf, utf8, "... the same text");
    char small[4];
    is_int(lo_get_string(L, str, small, sizeof small), (int64_t)strlen(utf8),
           "cut: the whole length is still told");
    is_str(small, "h\xc3\xa9", "... cut on a character boundary");

    /* byte vectors */
    const unsigned char bytes[] = { 0, 1, 254, 255 };
    lo_ref bv = lo_new_bytes(L, bytes, sizeof bytes);
    is_str(printed(bv), "#(0 1 254 255)", "a byte vector");
    unsigned char back[8] = { 0 };
    is_int(lo_get_bytes(L, bv, back, sizeof back), 4, "its length");
    ok(!memcmp(back, bytes, 4), "... its bytes");
    is_int(lo_type_code(L, bv), LO_TYPE_BYTES, "its type code");
    ok(lo_get_bytes(L, str, back, sizeof back) == LO_ELISP &&
       !strcmp(lo_last_error(L)->type, "TYPE-ERROR"),
       "a string is no byte vector");

    /* symbols */
    lo_ref kw = lo_new_symbol(L, "KEYWORD", "COLOR");
    is_str(printed(kw), ":COLOR", "a keyword");
    lo_ref sym = lo_new_symbol(L, "CL-USER", "api-Mixed");
    is_str(printed(sym), "|api-Mixed|", "a symbol, case kept");
    is_int(lo_get_symbol(L, sym, pkg, sizeof pkg, buf, sizeof buf), LO_OK,
           "its names");
    is_str(buf, "api-Mixed", "... name");
    is_str(pkg, "COMMON-LISP-USER", "... package");
    ok(lo_new_symbol(L, "NO-SUCH-PACKAGE", "X") == NULL,
       "no such package: fails (%s)", lo_last_error(L)->type);
    is_int(lo_type_code(L, kw), LO_TYPE_SYMBOL, "a symbol's type code");
    is_int(lo_type_code(L, lo_new_boolean(L, true)), LO_TYPE_T, "T");
    ok(lo_is_nil(L, lo_new_nil(L)) && lo_is_nil(L, lo_new_boolean(L, false)),
       "NIL");

    /* lists */
    lo_ref items[3] = { lo_new_integer(L, 1), str, kw };
    lo_ref list = lo_new_list(L, items, 3);
    is_str(printed(list), "(1 \"h\xc3\xa9llo \xe2\x82\xac\" :COLOR)", "a list");
    is_int(lo_length(L, list), 3, "its length");
    ok(lo_eq_refs(L, lo_get_car(L, lo_get_cdr(L, list)), str),
       "CADR is the very string");
    is_str(printed(lo_new_cons(L, items[0], items[2])), "(1 . :COLOR)",
           "a cons");
    ok(lo_get_car(L, str) == NULL, "CAR of a string fails");
    is_int(lo_type_code(L, list), LO_TYPE_CONS, "its type code");

    /* hash tables */
    lo_ref table = lo_new_hash_table(L, LO_TEST_EQUAL);
    is_int(lo_type_code(L, table), LO_TYPE_HASH_TABLE, "a hash table");
    for (int k = 1; k <= 10; k++)
        lo_hash_set(L, table, lo_new_integer(L, k), lo_new_integer(L, k * k));
    lo_ref name = lo_new_string(L, "key", 3);
    lo_hash_set(L, table, name, list);
    is_int(lo_hash_count(L, table), 11, "11 entries");
    bool found = false;
    lo_ref got = lo_hash_get(L, table, lo_new_string(L, "key", 3), &found);
    ok(found && lo_eq_refs(L, got, list), "EQUAL finds a string key");
    got = lo_hash_get(L, table, lo_new_integer(L, 99), &found);
    ok(!found && got == NULL, "an absent key");
    is_int(lo_hash_remove(L, table, name), 1, "remove: it was there");
    is_int(lo_hash_remove(L, table, name), 0, "... then not");
    int64_t sum = 0;
    is_int(lo_hash_each(L, table, count_entry, &sum), LO_OK, "each entry");
    is_int(sum, 3025, "... seen once (sum of k^3)");
    ok(lo_hash_set(L, list, name, name) == LO_ELISP, "a list is no table");

    /* calls, values and globals */
    lo_ref fn = lo_new_symbol(L, "CL", "FLOOR");
    lo_ref args[2] = { lo_new_integer(L, 17), lo_new_integer(L, 5) };
    lo_ref values[3];
    is_int(lo_call_values(L, fn, args, 2, values, 3), 2,
           "FLOOR returns two values");
    lo_get_int64(L, values[1], &i);
    ok(i == 2 && lo_is_nil(L, values[2]), "... the second 2, the rest NIL");
    is_str(printed(lo_eval(L, "(defvar *api-var* 10) (* *api-var* 2)")), "20",
           "lo_eval: the last form's value");
    is_int(lo_set_global(L, "CL-USER", "*API-VAR*", lo_new_integer(L, 7)),
           LO_OK, "a global set");
    is_str(printed(lo_get_global(L, "CL-USER", "*API-VAR*")), "7",
           "... and read");
    ok(lo_get_global(L, "CL-USER", "*API-UNBOUND*") == NULL &&
       !strcmp(lo_last_error(L)->type, "UNBOUND-VARIABLE"),
       "an unbound variable: UNBOUND-VARIABLE");
    char text[64];
    lo_get_printed(L, list, text, sizeof text);
    is_str(text, "(1 \"h\xc3\xa9llo \xe2\x82\xac\" :COLOR)", "lo_get_printed");
    lo_scope_close(L, s);
}

/* ---- a user's defaults ---- */

static void test_user_defaults(void)
{
    lo_scope s = lo_scope_open(L);
    char out[64];
    lo_lisp_set_user(L, "api-base");
    is_int(lo_set_global(L, "CL", "*PRINT-BASE*", lo_new_integer(L, 16)),
           LO_OK, "a user sets *PRINT-BASE* through the API");
    lo_lisp_eval_string(L, "255", out, sizeof out);
    is_str(out, "FF", "... their next evaluation prints in base 16");
    lo_lisp_set_user(L, NULL);
    lo_lisp_eval_string(L, "255", out, sizeof out);
    is_str(out, "255", "... the system's does not");
    lo_lisp_set_user(L, "api-base");
    int64_t base = 0;
    lo_get_int64(L, lo_get_global(L, "CL", "*PRINT-BASE*"), &base);
    is_int(base, 16, "... and the user's value is theirs");
    lo_lisp_set_user(L, NULL);
    lo_scope_close(L, s);
}

/* ---- scopes and references ---- */

static void test_refs(void)
{
    lo_scope outer = lo_scope_open(L);
    lo_scope inner = lo_scope_open(L);
    for (int k = 0; k < 2000; k++)        /* past a block of handles */
        lo_new_integer(L, k);
    lo_ref kept = lo_scope_close_keep(L, inner, lo_new_string(L, "esc", 3));
    is_int(lo_scope_open(L), outer + 1, "closing a scope releases its "
           "handles but the one kept");
    char buf[8];
    lo_get_string(L, kept, buf, sizeof buf);
    is_str(buf, "esc", "... which holds its value");

    lo_ref world = lo_ref_keep(L, kept);
    lo_scope_close(L, outer);
    lo_ref root = lo_named_root(L, "test:api");
    ok(root && lo_is_nil(L, root), "a new named root holds NIL");
    is_int(lo_ref_set(L, root, world), LO_OK, "set it");
    ok(lo_named_root(L, "test:api") == root, "the same name, the same slot");
    ok(lo_named_root(L, "bad name") == NULL, "a name with a blank: refused");
    ok(lo_named_root(L, "") == NULL, "an empty name: refused");
    eval_ok("(defvar *api-junk2* (make-list 100000))");
    eval_ok("(setq *api-junk2* nil)");
    lo_lisp_collect(L, NULL);
    lo_get_string(L, world, buf, sizeof buf);
    is_str(buf, "esc", "a kept reference survives its scope and a collection");
    lo_get_string(L, root, buf, sizeof buf);
    is_str(buf, "esc", "... and so does the root");
    lo_ref_free(L, world);
    lo_ref again = lo_ref_keep(L, root);
    ok(again == world, "a freed kept slot is taken again");
    lo_ref_free(L, again);
}

/* ---- collections during calls, and waiting ---- */

static bool call_back(lo_lisp *L, lo_ref key, lo_ref value, void *ctx)
{
    /* Lisp runs (under stress: collections), then the handles are read */
    lo_ref list = lo_call_named(L, "CL-USER", "API-BUILD", &key, 1);
    int64_t k = 0, v = 0;
    lo_get_int64(L, key, &k);
    lo_get_int64(L, value, &v);
    if (v != k * 10 || lo_length(L, list) != k)
        (*(int *)ctx)++;
    return true;
}

static void test_stress(void)
{
    lo_scope s = lo_scope_open(L);
    eval_ok("(defun api-build (n) (let (l) (dotimes (i n) (push (list i) l)) l))");
    lo_ref table = lo_new_hash_table(L, LO_TEST_EQL);
    for (int k = 1; k <= 8; k++)
        lo_hash_set(L, table, lo_new_integer(L, k), lo_new_integer(L, k * 10));
    lo_ref text = lo_new_string(L, "held", 4);
    lo_lisp_gc_stress(L, 1);            /* collect at every poll */
    int wrong = 0;
    is_int(lo_hash_each(L, table, call_back, &wrong), LO_OK,
           "under GC stress: each entry, calling Lisp for each");
    is_int(wrong, 0, "... every handle read right after the collections");
    lo_lisp_gc_stress(L, 0);
    char buf[8];
    lo_get_string(L, text, buf, sizeof buf);
    is_str(buf, "held", "a handle made before reads the same");
    lo_scope_close(L, s);
}

struct waiter {
    lo_lisp *main;
    pthread_mutex_t lock;
    pthread_cond_t done;
    bool collected;
    int status;
};

static void *collector(void *arg)
{
    struct waiter *w = arg;
    lo_lisp *T;
    if (lo_lisp_thread_open(w->main, &T) != LO_OK)
        return NULL;
    w->status = lo_lisp_collect(T, NULL);
    lo_lisp_thread_close(T);
    pthread_mutex_lock(&w->lock);
    w->collected = true;
    pthread_cond_signal(&w->done);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static void test_wait(void)
{
    struct waiter w = { .main = L, .status = -1 };
    pthread_mutex_init(&w.lock, NULL);
    pthread_cond_init(&w.done, NULL);
    lo_ref text = lo_new_string(L, "waited", 6);
    pthread_t t;
    /* This thread waits for the other's collection: without saying so it
     * would hold the collection up until it next entered the Lisp. */
    lo_lisp_wait_begin(L);
    pthread_create(&t, NULL, collector, &w);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    pthread_mutex_lock(&w.lock);
    while (!w.collected &&
           pthread_cond_timedwait(&w.done, &w.lock, &until) == 0)
        ;
    bool collected = w.collected;
    pthread_mutex_unlock(&w.lock);
    lo_lisp_wait_end(L);
    ok(collected, "another thread collects while this one waits outside");
    pthread_join(t, NULL);
    is_int(w.status, LO_OK, "... a full collection");
    char buf[8];
    lo_get_string(L, text, buf, sizeof buf);
    is_str(buf, "waited", "... and this thread's handles are right after");
}

/* ---- handles across collections ---- */

static void test_moving(void)
{
    lo_scope s = lo_scope_open(L);
    eval_ok("(defvar *api-junk* (make-list 200000))");
    lo_ref text = lo_new_string(L, "still here", 10);
    lo_ref big = lo_new_integer(L, INT64_MIN);
    uint64_t before = raw(text), big_before = raw(big);
    eval_ok("(setq *api-junk* nil)");
    struct lo_gc_result gc;
    is_int(lo_lisp_collect(L, &gc), LO_OK, "a full collection");
    ok(raw(text) != before && raw(big) != big_before,
       "it moved the values the handles hold");
    char buf[64];
    is_int(lo_get_string(L, text, buf, sizeof buf), 10, "the string reads");
    is_str(buf, "still here", "... the same");
    int64_t n = 0;
    lo_get_int64(L, big, &n);
    ok(n == INT64_MIN, "the bignum reads the same");
    lo_scope_close(L, s);
}

/* A short form evaluated again and again allocates (reading, compiling)
 * and may never reach a poll: the collection due is made on the way in,
 * or the store fills with garbage (it did: a 64 MiB store was full after
 * 37,000 evaluations of (+ 1 2), and every later entry failed -- the
 * server's logins too). */
static void test_garbage_without_polls(void)
{
    int fails = 0;
    fixture_as(L, "garbage");       /* a user's: the system's freezes */
    for (int i = 0; i < 600000; i++) {          /* ~1 GB allocated */
        lo_scope sc = lo_scope_open(L);
        fails += lo_eval(L, "(+ 1 2)") == NULL;
        fails += lo_new_string(L, "made through the API", 20) == NULL;
        lo_scope_close(L, sc);
    }
    fixture_as(L, NULL);
    ok(fails == 0, "600,000 short evaluations on a 256 MiB store: the "
       "garbage is collected, never 'the store is full' (%d failed)", fails);
}

int main(void)
{
    if (lo_lisp_register_primitives("api-test", test_primitives) != LO_OK)
        bail_out("register");
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 65536);
    L = fx.L;

    test_pcall();
    test_nesting();
    test_errors();
    test_values();
    test_user_defaults();
    test_refs();
    test_moving();
    test_stress();
    test_wait();
    test_garbage_without_polls();

    fixture_close(&fx);
    return done_testing();
}
