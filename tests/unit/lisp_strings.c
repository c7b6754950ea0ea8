/*
 * lisp_strings.c -- what the differential corpus cannot see of
 * lisp/strings.c and lisp/sequences.c: the second values of
 * parse-integer, intern and find-symbol (the corpus prints only primary
 * values), and the keyword-argument helpers of sequences.h.
 */
#include <string.h>

#include "lisp/internal.h"
#include "lisp/sequences.h"
#include "tests/helpers/fixture.h"
#include "tests/tap.h"

static lo_lisp *L;

/* Evaluate text; its value must print as want and come with one second
 * value, printing as want2. */
static void two_values(const char *text, const char *want, const char *want2)
{
    int status = fixture_eval(L, text);
    const char *out = fixture_out();
    char second[64] = "";
    if (status == LO_OK && L->nvalues == 2) {
        struct lo_text t = { .buf = second, .cap = sizeof second };
        lo_prin1(L, L->mv[1], &t);
    }
    ok(status == LO_OK && !strcmp(out, want) && L->nvalues == 2 &&
       !strcmp(second, want2), "%s => %s, %s (got %s, %u values, %s)", text,
       want, want2, out, L->nvalues, second);
}

/* The keyword helpers, from C under an entry point of their own
 * (lisp/api.c): the last call signals. */
static void keyword_helpers(lo_lisp *L, void *ctx)
{
    (void)ctx;
    lo_value args[8] = { L->nil, L->nil };
    lo_value plist;
    const char *text = "(:test 1 :key 2 :test 3)";
    ok(lo_read(L, &text, &plist), "read a keyword list");
    uint32_t k = 2;
    for (lo_value l = plist; lo_consp(l); l = lo_cdr_raw(l))
        args[k++] = lo_car_raw(l);
    ok(lo_keyword_is(args[2], "TEST") && !lo_keyword_is(args[2], "KEY"),
       "lo_keyword_is matches by name");
    ok(lo_keyword_arg(L, args, 8, 2, "TEST") == lo_fixnum(1),
       "the leftmost occurrence wins");
    ok(lo_keyword_arg(L, args, 8, 2, "START") == LO_UNBOUND,
       "an absent keyword is LO_UNBOUND");
    lo_value vals[3];
    lo_parse_keys(L, "T", args, 8, 2, "KEY START TEST", vals);
    ok(vals[0] == lo_fixnum(2) && vals[1] == LO_UNBOUND &&
       vals[2] == lo_fixnum(1), "lo_parse_keys fills by position");
    lo_parse_keys(L, "OP", args, 8, 2, "KEY", vals);
    ok(0, "an unknown keyword is an error");
}

int main(void)
{
    struct fixture fx = { 0 };
    fixture_lisp(&fx, 16384);
    L = fx.L;

    two_values("(parse-integer \"123\")", "123", "3");
    two_values("(parse-integer \"  42  \")", "42", "6");
    two_values("(parse-integer \"12abc\" ':junk-allowed t)", "12", "2");
    two_values("(parse-integer \"  abc\" ':junk-allowed t)", "NIL", "2");
    two_values("(parse-integer \"xx-7yy\" ':start 2 ':end 4)", "-7", "4");
    two_values("(intern \"A-NEW-SYMBOL\")", "A-NEW-SYMBOL", "NIL");
    two_values("(intern \"A-NEW-SYMBOL\")", "A-NEW-SYMBOL", ":INTERNAL");
    two_values("(intern \"CAR\")", "CAR", ":INHERITED");
    two_values("(intern \"CAR\" \"CL\")", "CAR", ":EXTERNAL");
    two_values("(find-symbol \"NO-SUCH-NAME\")", "NIL", "NIL");

    /* A function that calls back into Lisp returns one value, whatever
     * its callbacks returned. */
    is_int(fixture_eval(L, "(find-if (lambda (s) (parse-integer s))"
                           " '(\"1\"))"), LO_OK,
           "find-if calling parse-integer");
    ok(L->nvalues == 1, "... returns one value (%u)", L->nvalues);

    /* The keyword helpers, on keywords the reader made. */
    is_int(fixture_eval(L, "(quote (:test 1 :key 2 :test 3))"), LO_OK,
           "read a plist");
    int status = lo_protect(L, keyword_helpers, NULL);
    ok(status != LO_OK && !strcmp(lo_last_error(L)->type, "PROGRAM-ERROR") &&
       !strcmp(lo_last_error(L)->message,
               "OP: unknown keyword argument :TEST"),
       "an unknown keyword is an error: %s: %s", lo_last_error(L)->type,
       lo_last_error(L)->message);

    fixture_close(&fx);
    return done_testing();
}
