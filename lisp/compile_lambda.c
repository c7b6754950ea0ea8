/*
 * compile_lambda.c -- functions from lambda lists and bodies.
 *
 * Required parameters arrive in their own frame slots.  Anything after
 * them (&optional, &rest, &key) arrives as one list, which a prologue
 * compiled here takes apart -- the same code that destructures a defmacro
 * pattern (nested patterns, &whole, &environment).  A function that
 * closes over outer variables is made at run time (OP_CLOSURE) from
 * copies of them, or of their boxes.
 */
#include <string.h>

#include "lisp/compiler.h"

enum { NO_SLOT = 0xffffffffu };

/* src := (cdr src), keeping its car on the stack. */
static void pop_list(struct compiler *c, uint32_t src)
{
    lo_cc_emit_op16(c, OP_LOCAL, src);
    lo_cc_emit(c, OP_CAR);
    lo_cc_emit_op16(c, OP_LOCAL, src);
    lo_cc_emit(c, OP_CDR);
    lo_cc_set_local_and_pop(c, src);
}

/* Name slot's variable, boxing it if the scope needs that. */
static void bind_name(struct compiler *c, uint32_t slot, lo_value name,
                      lo_value scope)
{
    lo_lisp *L = c->L;
    lo_cc_check_variable_name(L, name, "lambda list");
    if (lo_special_p(L, name) || lo_cc_member_eq(name, c->declared_specials)) {
        lo_cc_emit_op16(c, OP_LOCAL, slot);
        lo_cc_emit_op16(c, OP_BIND, lo_cc_constant(c, lo_variable_cell(L, name, true)));
        c->dynamic_binds++;
        return;
    }
    c->local_name[slot] = name;
    if (lo_cc_needs_box(c, scope, name)) {
        c->local_boxed[slot] = true;
        lo_cc_emit_op16(c, OP_BOX, slot);
    }
}

static void bind_pattern(struct compiler *c, lo_value pattern, uint32_t src,
                         lo_value scope, bool nested);

/* One required element: a variable, or (nested) a pattern of its own. */
static void bind_required(struct compiler *c, lo_value p, uint32_t src,
                          lo_value scope, bool nested)
{
    lo_cc_emit_op16(c, OP_CHECK_CONS, src);
    pop_list(c, src);
    uint32_t slot = lo_cc_temp_local(c);
    lo_cc_set_local_and_pop(c, slot);
    if (nested && lo_consp(p))
        bind_pattern(c, p, slot, scope, true);
    else
        bind_name(c, slot, p, scope);
}

/*
 * Evaluate init into slot unless the value is there already: the code
 * emitted before this left on the stack either the value found (then
 * jumps past) or nothing (falls into init).  Binds var and supplied-p.
 */
static void bind_with_default(struct compiler *c, uint32_t to_default,
                              lo_value var, lo_value init, lo_value supplied,
                              lo_value scope)
{
    lo_lisp *L = c->L;
    uint32_t slot = lo_cc_temp_local(c), sslot = NO_SLOT;
    if (!lo_null(L, supplied))
        sslot = lo_cc_temp_local(c);
    lo_cc_set_local_and_pop(c, slot);
    if (sslot != NO_SLOT) {
        lo_cc_emit_constant(c, L->t);
        lo_cc_set_local_and_pop(c, sslot);
    }
    lo_cc_emit_op16(c, OP_JUMP, 0);
    uint32_t to_end = c->len - 2;
    lo_cc_patch16(c, to_default, c->len);
    lo_cc_compile_sub(c, init);               /* sees the parameters before it */
    lo_cc_set_local_and_pop(c, slot);
    lo_cc_patch16(c, to_end, c->len);
    bind_name(c, slot, var, scope);
    if (sslot != NO_SLOT)
        bind_name(c, sslot, supplied, scope);
}

/* (var [default [supplied-p]]) or var, taken from src if it has more. */
/* The parts of an &optional or &key parameter: (var [init [supplied-p]])
 * or var alone. */
struct parameter { lo_value var, init, supplied; };

static struct parameter parameter_parts(lo_lisp *L, lo_value p)
{
    if (!lo_consp(p))
        return (struct parameter){ p, L->nil, L->nil };
    return (struct parameter){ lo_car_raw(p), lo_cc_second(L, p), lo_cc_third(L, p) };
}

static void bind_optional(struct compiler *c, lo_value p, uint32_t src,
                          lo_value scope)
{
    struct parameter parts = parameter_parts(c->L, p);
    lo_cc_emit_op16(c, OP_LOCAL, src);
    lo_cc_emit_op16(c, OP_JUMP_IF_NIL, 0);
    uint32_t to_default = c->len - 2;
    pop_list(c, src);
    bind_with_default(c, to_default, parts.var, parts.init, parts.supplied,
                      scope);
}

/* The keyword an &key parameter named var is passed with. */
static lo_value keyword_for(lo_lisp *L, lo_value var)
{
    char name[256];
    lo_string_utf8(lo_symbol_name(var), name, sizeof name);
    return lo_intern_keyword(L, name);
}

/* var, (var [default [supplied-p]]) or ((keyword var) ...), looked up in
 * the list in src by %KEY-TAIL (the tail after the keyword, or nil). */
static lo_value bind_key(struct compiler *c, lo_value p, uint32_t src,
                         lo_value scope)
{
    lo_lisp *L = c->L;
    struct parameter parts = parameter_parts(L, p);
    lo_value var = parts.var, key;
    if (lo_consp(var)) {
        key = lo_car_raw(var);
        var = lo_cc_second(L, var);
    } else {
        lo_cc_check_variable_name(L, var, "lambda list");
        key = keyword_for(L, var);
    }
    uint32_t tail = lo_cc_temp_local(c);
    lo_cc_emit_op16(c, OP_LOCAL, src);
    lo_cc_emit_constant(c, key);
    lo_cc_emit_op16(c, OP_CALL_GLOBAL,
              lo_cc_constant(c, lo_function_cell(L, lo_intern(L, "%KEY-TAIL"), true)));
    lo_cc_emit(c, 2);
    lo_cc_emit_op16(c, OP_SET_LOCAL, tail);
    lo_cc_emit_op16(c, OP_JUMP_IF_NIL, 0);
    uint32_t to_default = c->len - 2;
    lo_cc_emit_op16(c, OP_LOCAL, tail);
    lo_cc_emit(c, OP_CAR);
    bind_with_default(c, to_default, var, parts.init, parts.supplied, scope);
    return key;
}

/*
 * Check the keys in the list in src before any is bound: the keys
 * allowed are known only at the end of the lambda list, so the check's
 * constant is a placeholder that check_keys_finish fills in (with T when
 * any key is allowed).
 */
static unsigned check_keys_start(struct compiler *c, uint32_t src)
{
    lo_lisp *L = c->L;
    lo_cc_emit_op16(c, OP_LOCAL, src);
    unsigned index = lo_cc_constant(c, lo_cons(L, L->nil, L->nil));
    lo_cc_emit_op16(c, OP_CONST, index);
    lo_cc_emit_op16(c, OP_CALL_GLOBAL,
              lo_cc_constant(c, lo_function_cell(L, lo_intern(L, "%CHECK-KEYS"),
                                           true)));
    lo_cc_emit(c, 2);
    lo_cc_emit(c, OP_POP);
    return index;
}

static void check_keys_finish(struct compiler *c, unsigned index,
                              lo_value keys)
{
    uint32_t i = c->nconstants;
    for (lo_value l = c->constants; lo_consp(l); l = lo_cdr_raw(l))
        if (--i == index)
            lo_ptr(l)[1] = keys;
}

/*
 * Bind the variables of pattern to the elements of the list in slot src
 * (which it consumes).  &optional, &rest and &body, &key and
 * &allow-other-keys, &aux, a dotted tail as a rest variable, and -- for
 * defmacro -- nested patterns and &whole.  Too few or too many elements
 * is an error at run time.
 */
static void bind_pattern(struct compiler *c, lo_value pattern, uint32_t src,
                         lo_value scope, bool nested)
{
    lo_lisp *L = c->L;
    enum { REQUIRED, OPTIONAL, REST, KEY, AUX } state = REQUIRED;
    bool has_rest = false, has_keys = false, other_keys = false;
    lo_value keys = L->nil;
    unsigned keys_check = 0;
    lo_value p = pattern;
    for (; lo_consp(p); p = lo_cdr_raw(p)) {
        lo_value item = lo_car_raw(p);
        if (lo_cc_is(L, item, "&OPTIONAL")) { state = OPTIONAL; continue; }
        if (lo_cc_is(L, item, "&REST") || lo_cc_is(L, item, "&BODY")) { state = REST; continue; }
        if (lo_cc_is(L, item, "&AUX")) { state = AUX; continue; }
        if (lo_cc_is(L, item, "&KEY")) {
            state = KEY;
            has_keys = true;
            keys_check = check_keys_start(c, src);
            continue;
        }
        if (lo_cc_is(L, item, "&ALLOW-OTHER-KEYS")) { other_keys = true; continue; }
        if (lo_cc_is(L, item, "&ENVIRONMENT") || lo_cc_is(L, item, "&WHOLE"))
            lo_error(L, "PROGRAM-ERROR", "lambda list: &WHOLE and "
                     "&ENVIRONMENT only at the top of a macro's");
        switch (state) {
        case REQUIRED:
            bind_required(c, item, src, scope, nested);
            break;
        case OPTIONAL:
            bind_optional(c, item, src, scope);
            break;
        case REST: {
            if (has_rest)
                lo_error(L, "PROGRAM-ERROR", "lambda list: two rest variables");
            has_rest = true;
            uint32_t slot = lo_cc_temp_local(c);      /* src stays for &key */
            lo_cc_emit_op16(c, OP_LOCAL, src);
            lo_cc_set_local_and_pop(c, slot);
            if (nested && lo_consp(item))
                bind_pattern(c, item, slot, scope, true);
            else
                bind_name(c, slot, item, scope);
            break;
        }
        case KEY:
            keys = lo_cons(L, bind_key(c, item, src, scope), keys);
            break;
        case AUX: {
            lo_value var = lo_consp(item) ? lo_car_raw(item) : item;
            uint32_t slot = lo_cc_temp_local(c);
            lo_cc_compile_sub(c, lo_consp(item) ? lo_cc_second(L, item) : L->nil);
            lo_cc_set_local_and_pop(c, slot);
            bind_name(c, slot, var, scope);
            break;
        }
        }
    }
    if (!lo_null(L, p)) {               /* (a b . rest) */
        has_rest = true;
        uint32_t slot = lo_cc_temp_local(c);
        lo_cc_emit_op16(c, OP_LOCAL, src);
        lo_cc_set_local_and_pop(c, slot);
        bind_name(c, slot, p, scope);
    }
    if (has_keys)
        check_keys_finish(c, keys_check, other_keys ? L->t : keys);
    if (!has_rest && !has_keys)
        lo_cc_emit_op16(c, OP_CHECK_EMPTY, src);
}

/* A copy of the value in slot from, bound to name. */
static void bind_copy(struct compiler *c, uint32_t from, lo_value name,
                      lo_value scope)
{
    uint32_t slot = lo_cc_temp_local(c);
    lo_cc_emit_op16(c, OP_LOCAL, from);
    lo_cc_set_local_and_pop(c, slot);
    bind_name(c, slot, name, scope);
}

/* A defmacro lambda list's &whole (first: the whole form) and
 * &environment (anywhere: the environment, environment_of) are bound here;
 * the rest of the list is returned. */
static lo_value bind_macro_extras(struct compiler *c, lo_value params,
                                  uint32_t form, uint32_t env, lo_value scope)
{
    lo_lisp *L = c->L;
    if (lo_consp(params) && lo_cc_is(L, lo_car_raw(params), "&WHOLE") &&
        lo_consp(lo_cdr_raw(params))) {
        bind_copy(c, form, lo_cc_second(L, params), scope);
        params = lo_cdr_raw(lo_cdr_raw(params));
    }
    lo_value rest = L->nil, *tail = &rest;
    for (lo_value p = params; ; p = lo_cdr_raw(p)) {
        if (!lo_consp(p)) {
            *tail = p;
            break;
        }
        if (lo_cc_is(L, lo_car_raw(p), "&ENVIRONMENT") && lo_consp(lo_cdr_raw(p))) {
            bind_copy(c, env, lo_cc_second(L, p), scope);
            p = lo_cdr_raw(p);
            continue;
        }
        *tail = lo_cons(L, lo_car_raw(p), L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    return rest;
}

/* The required parameters: those before any lambda-list keyword. */
static uint32_t count_required(lo_value params)
{
    uint32_t n = 0;
    for (; lo_consp(params); params = lo_cdr_raw(params), n++) {
        lo_value v = lo_car_raw(params);
        if (lo_symbolp(v) && lo_string_length(lo_symbol_name(v)) > 0 &&
            lo_string_ref(lo_symbol_name(v), 0) == '&')
            return n;
    }
    return n;                           /* a dotted tail is a rest list */
}

/*
 * The source a code object keeps (value.h, CODE_SOURCE), for
 * FUNCTION-LAMBDA-EXPRESSION and for recompiling users' code when the
 * bytecode changes (docs/upgrade-design.md 2.4).  The system's code keeps
 * none (0: the code object has no such word): the boot code makes
 * thousands of functions, and its source is the boot text this binary
 * carries.  Users' code (everything compiled while not booting, the
 * administrator's included) keeps the lambda expression as compiled --
 * for an inner lambda, the inner lambda form alone:
 *   - a function that closes over nothing: (LAMBDA params . body), two
 *     conses over the forms the reader made;
 *   - a closure, or a macro's expander (whose params are a defmacro
 *     pattern, and which takes (form env)): a simple vector #(lambda
 *     macro-p name1 boxed1 name2 boxed2 ...), with the variables it
 *     closes over in closure-slot order and whether each slot holds a
 *     box, so that code recompiled from the lambda can be checked against
 *     the closures that exist (their slots must mean the same).
 * Made after the body is compiled (the free variables are known then),
 * with collection inhibited as all the compiler's work is.
 */
static lo_value code_source(struct compiler *c, lo_value params,
                            lo_value body, bool macro)
{
    lo_lisp *L = c->L;
    if (L->W->booting)
        return 0;
    lo_value lambda = lo_cons(L, lo_intern(L, "LAMBDA"),
                              lo_cons(L, params, body));
    if (!macro && c->nfree == 0)
        return lambda;
    lo_value v = lo_make_vector(L, 2 + 2 * c->nfree, L->nil);
    lo_value *e = lo_ptr(v) + 2;
    e[0] = lambda;
    e[1] = lo_truth(L, macro);
    for (uint32_t i = 0; i < c->nfree; i++) {
        e[2 + 2 * i] = c->free_name[i];
        e[3 + 2 * i] = lo_truth(L, c->free_boxed[i]);
    }
    return v;
}

/*
 * A function of params and body.  macro: params is a defmacro pattern for
 * the cdr of the form, and the function takes (form env).
 */
static lo_value compile_lambda(struct compiler *parent, lo_value name,
                               lo_value params, lo_value body, bool macro,
                               struct compiler **inner)
{
    lo_lisp *L = parent->L;
    lo_value given = params;            /* bind_macro_extras takes it apart */
    struct compiler *c = lo_cc_enter_compiler(L, parent);
    if (!lo_consp(params) && !lo_null(L, params) && !lo_symbolp(params))
        lo_error(L, "PROGRAM-ERROR", "malformed lambda list");
    lo_value forms = lo_cc_skip_declarations(c, body, true, &c->declared_specials);
    uint32_t arity;
    if (macro) {
        uint32_t form = lo_cc_temp_local(c), env = lo_cc_temp_local(c);
        arity = 2;
        params = bind_macro_extras(c, params, form, env, forms);
        uint32_t src = lo_cc_temp_local(c);
        lo_cc_emit_op16(c, OP_LOCAL, form);
        lo_cc_emit(c, OP_CDR);
        lo_cc_set_local_and_pop(c, src);
        bind_pattern(c, params, src, forms, true);
    } else {
        uint32_t required = count_required(params);
        lo_value p = params;
        for (uint32_t i = 0; i < required; i++, p = lo_cdr_raw(p))
            lo_cc_new_local(c, L->nil);
        p = params;
        for (uint32_t i = 0; i < required; i++, p = lo_cdr_raw(p))
            bind_name(c, i, lo_car_raw(p), forms);
        arity = required;
        if (!lo_null(L, p)) {           /* the rest arrives as one list */
            arity |= CODE_REST_FLAG;
            bind_pattern(c, p, lo_cc_temp_local(c), forms, false);
        }
    }
    /* With special parameters bound, the body must come back to unbind
     * them: its last call is then not a tail call. */
    c->tail = c->dynamic_binds == 0;
    c->mv = true;
    lo_cc_compile_body(c, forms);
    if (c->dynamic_binds)
        lo_cc_emit_op16(c, OP_UNBIND, c->dynamic_binds);
    lo_cc_emit_return(c);
    lo_value fn = lo_cc_finish(c, name, arity,
                               code_source(c, given, body, macro));
    lo_cc_leave_compiler(L);
    *inner = c;
    return fn;
}

/*
 * Leave the function for a lambda on the stack: a constant when it closes
 * over nothing, else made at run time from the variables it uses (their
 * names go to free_names, when wanted, in closure slot order).
 */
uint32_t lo_cc_compile_closure(struct compiler *c, lo_value name, lo_value params,
                         lo_value body, bool macro, lo_value *free_names)
{
    struct compiler *inner;
    lo_value fn = compile_lambda(c, name, params, body, macro, &inner);
    if (inner->nfree == 0) {
        lo_cc_emit_constant(c, fn);
        return 0;
    }
    uint32_t nfree = inner->nfree;
    lo_value names[MAX_FREE];
    for (uint32_t i = 0; i < nfree; i++)
        names[i] = inner->free_name[i];
    for (uint32_t i = 0; i < nfree; i++) {
        lo_cc_load_variable(c, names[i], true);   /* a box itself, not its value */
        if (free_names)
            free_names[i] = names[i];
    }
    lo_cc_emit_op16(c, OP_CLOSURE, lo_cc_constant(c, lo_ptr(fn)[FN_CODE]));
    lo_cc_emit(c, nfree);
    return nfree;
}

void lo_cc_compile_function(struct compiler *c, lo_value name, lo_value params,
                      lo_value body, bool macro)
{
    lo_cc_compile_closure(c, name, params, body, macro, NULL);
}

/* A function that may use no local variable of c (a MACROLET macro). */
lo_value lo_cc_compile_detached_lambda(struct compiler *c, lo_value name,
                                 lo_value params, lo_value body, bool macro)
{
    struct compiler *inner;
    lo_value fn = compile_lambda(c, name, params, body, macro, &inner);
    if (inner->nfree)
        lo_error(c->L, "PROGRAM-ERROR", "a local macro may not refer to the "
                 "local variables around it");
    return fn;
}

