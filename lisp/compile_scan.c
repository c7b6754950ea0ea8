/*
 * compile_scan.c -- looking ahead into a scope before compiling it.
 *
 * Two decisions need to know what a scope does before its code is made:
 *   - whether a variable must live in a box: when a closure in its scope
 *     mentions it and something in the scope assigns it;
 *   - whether a BLOCK or TAGBODY must push a catch entry: when it is left
 *     (RETURN-FROM, GO) from inside a closure or an UNWIND-PROTECT, which a
 *     plain jump cannot do.
 * The scan walks the forms, expanding macros (local ones too) as the
 * compiler will.  It is conservative: shadowing is ignored, and inside a
 * MACROLET or SYMBOL-MACROLET of the scope, whose definitions it does not
 * follow, everything counts as inside a closure.  Conservative answers
 * only cost speed (a box, a catch entry), never correctness.  What is not
 * a form is not expanded: the variables of binding forms and lambda lists,
 * the names in FUNCTION and the types in THE; a call of a function that
 * FLET or LABELS defines in the scope is a call; and a call of a macro that
 * a MACROLET in the scope defines, which the scan cannot expand, gets the
 * worst answer.
 */
#include "lisp/compiler.h"

enum scan_kind { SCAN_VARIABLE, SCAN_BLOCK, SCAN_TAGS };

struct scan {
    struct compiler *c;
    enum scan_kind kind;
    lo_value name;              /* the variable or block name */
    lo_value tags;              /* a tagbody's tags */
    bool captured, assigned;    /* variable: mentioned in a closure; set */
    bool used, far;             /* exit: used at all; from afar */
    lo_value fns, macros;       /* names FLET/LABELS, MACROLET define inside */
};

static bool tag_member(lo_value tag, lo_value tags)
{
    for (; lo_consp(tags); tags = lo_cdr_raw(tags))
        if (lo_eql(lo_car_raw(tags), tag))
            return true;
    return false;
}

static void scan(struct scan *s, lo_value form, bool in_closure,
                 bool in_cleanup, int depth);

static void scan_list(struct scan *s, lo_value list, bool in_closure,
                      bool in_cleanup, int depth)
{
    for (; lo_consp(list); list = lo_cdr_raw(list))
        scan(s, lo_car_raw(list), in_closure, in_cleanup, depth + 1);
}

static bool name_member(lo_value name, lo_value names)
{
    for (; lo_consp(names); names = lo_cdr_raw(names))
        if (lo_eq(lo_car_raw(names), name))
            return true;
    return false;
}

static void scan_all(struct scan *s)
{
    s->captured = s->assigned = s->used = s->far = true;
}

/* The default forms of a lambda list (its variables are not forms). */
static void scan_lambda_list(struct scan *s, lo_value params, int depth)
{
    lo_lisp *L = s->c->L;
    for (; lo_consp(params); params = lo_cdr_raw(params)) {
        lo_value p = lo_car_raw(params);
        if (lo_consp(p) && lo_consp(lo_cdr_raw(p)))
            scan(s, lo_cc_second(L, p), true, false, depth + 1);
    }
}

/* (name lambda-list . body) of FLET, LABELS and the like: a closure. */
static void scan_definition(struct scan *s, lo_value def, bool in_cleanup,
                            int depth)
{
    if (!lo_consp(def) || !lo_consp(lo_cdr_raw(def)))
        return;
    scan_lambda_list(s, lo_car_raw(lo_cdr_raw(def)), depth);
    scan_list(s, lo_cdr_raw(lo_cdr_raw(def)), true, in_cleanup, depth);
}

/* The forms whose parts are not all forms: true when form was one. */
static bool scan_binding_form(struct scan *s, lo_value form, bool in_closure,
                              bool in_cleanup, int depth)
{
    lo_lisp *L = s->c->L;
    lo_value head = lo_car_raw(form), rest = lo_cdr_raw(form);
    if (!lo_consp(rest))
        return false;
    lo_value first = lo_car_raw(rest), body = lo_cdr_raw(rest);
    if (lo_cc_is(L, head, "FUNCTION")) {      /* (function name) or a lambda */
        if (lo_consp(first) && lo_cc_is(L, lo_car_raw(first), "LAMBDA"))
            scan(s, first, in_closure, in_cleanup, depth + 1);
    } else if (lo_cc_is(L, head, "THE")) {
        scan_list(s, body, in_closure, in_cleanup, depth);
    } else if (lo_cc_is(L, head, "LET")) {
        for (lo_value b = first; lo_consp(b); b = lo_cdr_raw(b))
            if (lo_consp(lo_car_raw(b)) && lo_consp(lo_cdr_raw(lo_car_raw(b))))
                scan(s, lo_cc_second(L, lo_car_raw(b)), in_closure, in_cleanup,
                     depth + 1);
        scan_list(s, body, in_closure, in_cleanup, depth);
    } else if (lo_cc_is(L, head, "MULTIPLE-VALUE-BIND")) {
        scan_list(s, body, in_closure, in_cleanup, depth);
    } else if (lo_cc_is(L, head, "LAMBDA")) {
        scan_definition(s, form, in_cleanup, depth);
    } else if (lo_cc_is(L, head, "DEFUN") || lo_cc_is(L, head, "DEFMACRO")) {
        scan_definition(s, rest, in_cleanup, depth);
    } else if (lo_cc_is(L, head, "FLET") || lo_cc_is(L, head, "LABELS")) {
        bool labels = lo_cc_is(L, head, "LABELS");
        lo_value saved = s->fns;
        for (lo_value d = first; labels && lo_consp(d); d = lo_cdr_raw(d))
            if (lo_consp(lo_car_raw(d)))
                s->fns = lo_cons(L, lo_car_raw(lo_car_raw(d)), s->fns);
        for (lo_value d = first; lo_consp(d); d = lo_cdr_raw(d))
            scan_definition(s, lo_car_raw(d), in_cleanup, depth);
        for (lo_value d = first; !labels && lo_consp(d); d = lo_cdr_raw(d))
            if (lo_consp(lo_car_raw(d)))
                s->fns = lo_cons(L, lo_car_raw(lo_car_raw(d)), s->fns);
        scan_list(s, body, true, in_cleanup, depth);
        s->fns = saved;
    } else if (lo_cc_is(L, head, "MACROLET")) {
        lo_value saved = s->macros;
        for (lo_value d = first; lo_consp(d); d = lo_cdr_raw(d))
            if (lo_consp(lo_car_raw(d)))
                s->macros = lo_cons(L, lo_car_raw(lo_car_raw(d)), s->macros);
        scan_list(s, body, true, in_cleanup, depth);
        s->macros = saved;
    } else if (lo_cc_is(L, head, "SYMBOL-MACROLET")) {
        for (lo_value d = first; lo_consp(d); d = lo_cdr_raw(d))
            if (lo_consp(lo_car_raw(d)) && lo_consp(lo_cdr_raw(lo_car_raw(d))))
                scan(s, lo_cc_second(L, lo_car_raw(d)), true, in_cleanup, depth + 1);
        scan_list(s, body, true, in_cleanup, depth);
    } else {
        return false;
    }
    return true;
}

/* The special forms the scan has to look into. */
static void scan_operator(struct scan *s, lo_value form, bool in_closure,
                          bool in_cleanup, int depth)
{
    lo_lisp *L = s->c->L;
    lo_value head = lo_car_raw(form);
    if (scan_binding_form(s, form, in_closure, in_cleanup, depth))
        return;
    if (lo_cc_is(L, head, "SETQ")) {
        for (lo_value l = lo_cdr_raw(form); lo_consp(l) && lo_consp(lo_cdr_raw(l));
             l = lo_cdr_raw(lo_cdr_raw(l)))
            if (s->kind == SCAN_VARIABLE && lo_eq(lo_car_raw(l), s->name))
                s->assigned = true;
    } else if (lo_cc_is(L, head, "RETURN-FROM")) {
        if (s->kind == SCAN_BLOCK && lo_consp(lo_cdr_raw(form)) &&
            lo_eq(lo_cc_second(L, form), s->name)) {
            s->used = true;
            s->far |= in_closure || in_cleanup;
        }
    } else if (lo_cc_is(L, head, "GO")) {
        if (s->kind == SCAN_TAGS && lo_consp(lo_cdr_raw(form)) &&
            tag_member(lo_cc_second(L, form), s->tags)) {
            s->used = true;
            s->far |= in_closure || in_cleanup;
        }
        return;
    }
    if (lo_cc_is(L, head, "LAMBDA") || lo_cc_is(L, head, "FLET") || lo_cc_is(L, head, "LABELS") ||
        lo_cc_is(L, head, "DEFUN") || lo_cc_is(L, head, "DEFMACRO") ||
        lo_cc_is(L, head, "MACROLET") || lo_cc_is(L, head, "SYMBOL-MACROLET"))
        in_closure = true;
    if (lo_cc_is(L, head, "UNWIND-PROTECT"))
        in_cleanup = true;
    scan_list(s, form, in_closure, in_cleanup, depth);
}

static void scan(struct scan *s, lo_value form, bool in_closure,
                 bool in_cleanup, int depth)
{
    lo_lisp *L = s->c->L;
    if (depth > MAX_DEPTH) {            /* give up: assume the worst */
        scan_all(s);
        return;
    }
    if (lo_symbolp(form)) {
        if (s->kind == SCAN_VARIABLE && in_closure && lo_eq(form, s->name))
            s->captured = true;
        return;
    }
    if (!lo_consp(form))
        return;
    lo_value head = lo_car_raw(form);
    if (lo_cc_is(L, head, "QUOTE"))
        return;
    if (lo_cc_is(L, head, "QUASIQUOTE") && lo_consp(lo_cdr_raw(form))) {
        /* what it stands for: its commas are evaluated, the rest quoted */
        scan(s, lo_quasiquote(L, lo_cc_second(L, form)), in_closure, in_cleanup,
             depth + 1);
        return;
    }
    if (lo_symbolp(head) && name_member(head, s->macros)) {
        scan_all(s);                    /* a local macro the scan can't run */
        return;
    }
    if (lo_symbolp(head) && name_member(head, s->fns)) {
        scan_list(s, lo_cdr_raw(form), in_closure, in_cleanup, depth);
        return;
    }
    if (lo_symbolp(head) && !lo_special_form_p(L, head)) {
        bool expanded;
        lo_value expansion = lo_cc_expand_1(s->c, form, &expanded);
        if (expanded) {
            scan(s, expansion, in_closure, in_cleanup, depth + 1);
            return;
        }
    }
    scan_operator(s, form, in_closure, in_cleanup, depth);
}

bool lo_cc_needs_box(struct compiler *c, lo_value scope, lo_value name)
{
    struct scan s = { .c = c, .kind = SCAN_VARIABLE, .name = name,
                      .fns = c->L->nil, .macros = c->L->nil };
    scan_list(&s, scope, false, false, 0);
    return s.captured && s.assigned;
}

bool lo_cc_block_used(struct compiler *c, lo_value scope, lo_value name, bool *far)
{
    struct scan s = { .c = c, .kind = SCAN_BLOCK, .name = name,
                      .fns = c->L->nil, .macros = c->L->nil };
    scan_list(&s, scope, false, false, 0);
    *far = s.far;
    return s.used;
}

bool lo_cc_tags_used(struct compiler *c, lo_value scope, lo_value tags, bool *far)
{
    struct scan s = { .c = c, .kind = SCAN_TAGS, .tags = tags,
                      .fns = c->L->nil, .macros = c->L->nil };
    scan_list(&s, scope, false, false, 0);
    *far = s.far;
    return s.used;
}
