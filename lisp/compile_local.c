/*
 * compile_local.c -- FLET, LABELS, MACROLET and SYMBOL-MACROLET.
 *
 * Local functions share the lexical function namespace with local macros
 * (compiler.fn_*), searched innermost first and then in the enclosing
 * lambdas' compilers.  A local function is a closure held in a hidden
 * variable; a call loads it and calls it like any function value.  LABELS
 * functions see each other: their closures are made first and then the
 * slots that refer to the group are patched (OP_PATCH_CLOSURE), so no
 * box is needed.  A local macro is a function object run by the
 * compiler; a symbol macro is a frame slot marked with its expansion.
 */
#include "lisp/compiler.h"

lo_value lo_cc_local_function(struct compiler *c, lo_value sym, lo_value *macro)
{
    *macro = 0;
    for (struct compiler *k = c; k; k = k->parent)
        for (uint32_t i = k->nfns; i-- > 0;)
            if (lo_eq(k->fn_name[i], sym)) {
                if (k->fn_var[i])
                    return k->fn_var[i];
                *macro = k->fn_macro[i];
                return 0;
            }
    return 0;
}

static void add_function_name(struct compiler *c, lo_value name, lo_value var,
                              lo_value macro)
{
    if (c->nfns >= MAX_FUNCTIONS)
        lo_error(c->L, "PROGRAM-ERROR", "more than %d local functions in "
                 "scope", MAX_FUNCTIONS);
    if (!lo_symbolp(name) || lo_null(c->L, name))
        lo_error(c->L, "PROGRAM-ERROR", "a local function name must be a "
                 "symbol");
    c->fn_name[c->nfns] = name;
    c->fn_var[c->nfns] = var;
    c->fn_macro[c->nfns] = macro;
    c->nfns++;
}

/* (name lambda-list . body): the body is a block named name (f for a
 * function named (setf f)). */
static void split_definition(lo_lisp *L, lo_value def, lo_value *name,
                             lo_value *params, lo_value *body)
{
    if (!lo_consp(def) || !lo_consp(lo_cdr_raw(def)))
        lo_error(L, "PROGRAM-ERROR", "malformed local function definition");
    *name = lo_car_raw(def);
    *params = lo_cc_second(L, def);
    lo_value forms = lo_cdr(L, lo_cdr_raw(def));
    /* Declarations stay in front of the block, where the lambda sees them. */
    lo_value decls = L->nil, *tail = &decls;
    while (lo_consp(forms) && lo_consp(lo_car_raw(forms)) &&
           lo_cc_is(L, lo_car_raw(lo_car_raw(forms)), "DECLARE")) {
        *tail = lo_cons(L, lo_car_raw(forms), L->nil);
        tail = &lo_ptr(*tail)[2];
        forms = lo_cdr_raw(forms);
    }
    lo_value block = lo_consp(*name) ? lo_cc_second(L, *name) : *name;
    *tail = lo_cons(L, lo_cons(L, lo_intern(L, "BLOCK"),
                               lo_cons(L, block, forms)), L->nil);
    *body = decls;
}

/* The body after the definitions, with its declarations. */
static void compile_scope_body(struct compiler *c, lo_value body)
{
    lo_value specials;
    lo_cc_compile_body(c, lo_cc_skip_declarations(c, body, false, &specials));
}

enum { MAX_GROUP = 64, MAX_PATCHES = 1024 };

void lo_cc_compile_flet(struct compiler *c, lo_value form, bool labels)
{
    lo_lisp *L = c->L;
    lo_value defs = lo_cc_second(L, form), body = lo_cdr(L, lo_cdr(L, form));
    int64_t n = lo_list_length(L, defs);
    if (n < 0 || n > MAX_GROUP)
        lo_error(L, "PROGRAM-ERROR", "%s: malformed definitions",
                 labels ? "LABELS" : "FLET");
    uint32_t saved_locals = c->nlocals, saved_fns = c->nfns;
    lo_value names[MAX_GROUP], vars[MAX_GROUP];
    uint32_t slots[MAX_GROUP];
    lo_value d = defs;
    for (int64_t i = 0; i < n; i++, d = lo_cdr_raw(d)) {
        names[i] = lo_car(L, lo_car_raw(d));
        if (lo_consp(names[i]))         /* (setf f): its hidden symbol */
            names[i] = lo_function_symbol(L, names[i], true);
        if (!names[i])
            lo_error(L, "PROGRAM-ERROR", "%s: not a function name",
                     labels ? "LABELS" : "FLET");
        vars[i] = lo_cons(L, L->nil, L->nil);   /* a name nothing else has */
        slots[i] = lo_cc_temp_local(c);
        if (labels) {                   /* the definitions see the group */
            c->local_name[slots[i]] = vars[i];
            add_function_name(c, names[i], vars[i], 0);
        }
    }
    /* LABELS: closure slots holding group members, patched once all exist. */
    struct { uint32_t fn, index, member; } patches[MAX_PATCHES];
    uint32_t npatches = 0;
    d = defs;
    for (int64_t i = 0; i < n; i++, d = lo_cdr_raw(d)) {
        lo_value name, params, fbody, captured[MAX_FREE];
        split_definition(L, lo_car_raw(d), &name, &params, &fbody);
        uint32_t k = lo_cc_compile_closure(c, name, params, fbody, false, captured);
        lo_cc_set_local_and_pop(c, slots[i]);
        for (uint32_t j = 0; labels && j < k; j++)
            for (int64_t m = 0; m < n; m++)
                if (lo_eq(captured[j], vars[m])) {
                    if (npatches == MAX_PATCHES)
                        lo_error(L, "PROGRAM-ERROR", "LABELS: too many "
                                 "functions referring to each other");
                    patches[npatches].fn = slots[i];
                    patches[npatches].index = j;
                    patches[npatches].member = slots[m];
                    npatches++;
                }
    }
    for (uint32_t p = 0; p < npatches; p++) {
        lo_cc_emit_op16(c, OP_LOCAL, patches[p].fn);
        lo_cc_emit_op16(c, OP_LOCAL, patches[p].member);
        lo_cc_emit_op16(c, OP_PATCH_CLOSURE, patches[p].index);
    }
    if (!labels)                        /* FLET's body alone sees them */
        for (int64_t i = 0; i < n; i++) {
            c->local_name[slots[i]] = vars[i];
            add_function_name(c, names[i], vars[i], 0);
        }
    compile_scope_body(c, body);
    c->nfns = saved_fns;
    c->nlocals = saved_locals;
}

/* (macrolet ((name lambda-list . body)*) . body) */
void lo_cc_compile_macrolet(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    uint32_t saved_fns = c->nfns;
    for (lo_value d = lo_cc_second(L, form); lo_consp(d); d = lo_cdr_raw(d)) {
        lo_value name, params, body;
        split_definition(L, lo_car_raw(d), &name, &params, &body);
        lo_value fn = lo_cc_compile_detached_lambda(c, name, params, body, true);
        add_function_name(c, name, 0, fn);
    }
    compile_scope_body(c, lo_cdr(L, lo_cdr(L, form)));
    c->nfns = saved_fns;
}

/* (symbol-macrolet ((name expansion)*) . body) */
void lo_cc_compile_symbol_macrolet(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    uint32_t saved = c->nlocals;
    for (lo_value d = lo_cc_second(L, form); lo_consp(d); d = lo_cdr_raw(d)) {
        lo_value def = lo_car_raw(d);
        lo_value name = lo_car(L, def);
        if (!lo_symbolp(name) || lo_null(L, name))
            lo_error(L, "PROGRAM-ERROR", "SYMBOL-MACROLET: not a symbol");
        uint32_t slot = lo_cc_new_local(c, name);
        c->local_symbol_macro[slot] = true;
        c->local_expansion[slot] = lo_cc_second(L, def);
    }
    compile_scope_body(c, lo_cdr(L, lo_cdr(L, form)));
    c->nlocals = saved;
}
