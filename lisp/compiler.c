/*
 * compiler.c -- forms to bytecode: the trusted compiler.
 *
 * Code enters the system only through here: users hand in forms, never
 * bytecode, so no instruction sequence can forge a pointer or add an
 * access bit.  Global names compile to their binding cells (constants of
 * the code object), so a call costs one load more than a direct call and
 * a redefinition is seen at once.
 *
 * Closures are flat: an inner lambda's free variables are found through
 * the chain of enclosing compilers and copied into its closure vector when
 * it is created.  A variable that is both captured and assigned lives in a
 * box (a cell) so that every closure and the frame share it; a cheap,
 * conservative scan of the binding's scope decides that when it is bound.
 *
 * Thin path: quote, if, progn, let, setq, lambda, function, defun (a
 * special form until macros arrive), calls.  Everything else is next
 * (docs/lisp.md).
 */
#include <string.h>

#include "bytecode.h"
#include "internal.h"

enum { MAX_CODE = 65535, MAX_CONSTANTS = 65535, MAX_LOCALS = 1024,
       MAX_FREE = 255, MAX_DEPTH = 500 };

struct compiler {
    lo_lisp *L;
    unsigned char code[MAX_CODE];
    uint32_t len;
    lo_value constants;          /* list, newest first */
    uint32_t nconstants;
    lo_value local_name[MAX_LOCALS];
    bool local_boxed[MAX_LOCALS];
    uint32_t nlocals, frame_size;
    int depth;
    bool tail;                   /* compiling a form in tail position */
    struct compiler *parent;     /* the enclosing lambda's, or NULL */
    lo_value free_name[MAX_FREE];/* closure slots: outer variables used */
    bool free_boxed[MAX_FREE];
    uint32_t nfree;
    uint32_t dynamic_binds;      /* special parameters the prologue bound */
};

static void emit(struct compiler *c, unsigned byte)
{
    if (c->len >= MAX_CODE)
        lo_error(c->L, "PROGRAM-ERROR", "function too large to compile");
    c->code[c->len++] = (unsigned char)byte;
}

static void emit16(struct compiler *c, unsigned v)
{
    emit(c, v & 0xff);
    emit(c, v >> 8);
}

static void patch16(struct compiler *c, uint32_t at, unsigned v)
{
    c->code[at] = (unsigned char)(v & 0xff);
    c->code[at + 1] = (unsigned char)(v >> 8);
}

/* Index of a constant (reusing an identical one). */
static unsigned constant(struct compiler *c, lo_value v)
{
    uint32_t index = c->nconstants;
    for (lo_value l = c->constants; lo_consp(l); l = lo_cdr_raw(l)) {
        index--;
        if (lo_car_raw(l) == v)
            return index;
    }
    if (c->nconstants >= MAX_CONSTANTS)
        lo_error(c->L, "PROGRAM-ERROR", "too many constants in one function");
    c->constants = lo_cons(c->L, v, c->constants);
    return c->nconstants++;
}

static bool is(lo_lisp *L, lo_value v, const char *name)
{
    return lo_symbolp(v) && lo_eq(v, lo_intern(L, name));
}

static int find_local(struct compiler *c, lo_value sym)
{
    for (int i = (int)c->nlocals - 1; i >= 0; i--)
        if (lo_eq(c->local_name[i], sym))
            return i;
    return -1;
}

/* Where a variable lives, seen from compiler c. */
enum place { GLOBAL, LOCAL, CLOSED };
struct var { enum place place; unsigned index; bool boxed; };

static struct var resolve(struct compiler *c, lo_value sym)
{
    int slot = find_local(c, sym);
    if (slot >= 0)
        return (struct var){ LOCAL, (unsigned)slot, c->local_boxed[slot] };
    for (uint32_t i = 0; i < c->nfree; i++)
        if (lo_eq(c->free_name[i], sym))
            return (struct var){ CLOSED, i, c->free_boxed[i] };
    if (!c->parent)
        return (struct var){ GLOBAL, 0, false };
    struct var outer = resolve(c->parent, sym);
    if (outer.place == GLOBAL)
        return outer;
    if (c->nfree >= MAX_FREE)
        lo_error(c->L, "PROGRAM-ERROR", "a function closes over more than "
                 "%d variables", MAX_FREE);
    c->free_name[c->nfree] = sym;
    c->free_boxed[c->nfree] = outer.boxed;
    return (struct var){ CLOSED, c->nfree++, outer.boxed };
}

/* ---- the boxing scan ---------------------------------------------------
 * Conservative: a variable is boxed when its name appears inside a nested
 * lambda (or defun) in its scope and is the target of a setq anywhere in
 * it.  Macro calls are expanded to be scanned (the compiler expands them
 * again later: expanding twice is allowed).  Shadowing is ignored, which
 * can only box more than needed. */

static bool is(lo_lisp *L, lo_value v, const char *name);

static bool mentioned_in_lambda(lo_lisp *L, lo_value form, lo_value name,
                                bool inside, int depth)
{
    if (depth > MAX_DEPTH)
        return true;
    if (lo_symbolp(form))
        return inside && lo_eq(form, name);
    if (!lo_consp(form))
        return false;
    lo_value head = lo_car_raw(form);
    if (is(L, head, "QUOTE"))
        return false;
    if (is(L, head, "LAMBDA") || is(L, head, "DEFUN"))
        inside = true;
    if (!lo_null(L, lo_macro_function(L, head))) {
        bool expanded;
        return mentioned_in_lambda(L, lo_macroexpand_1(L, form, &expanded),
                                   name, inside, depth + 1);
    }
    for (lo_value l = form; lo_consp(l); l = lo_cdr_raw(l))
        if (mentioned_in_lambda(L, lo_car_raw(l), name, inside, depth + 1))
            return true;
    return false;
}

static bool assigned(lo_lisp *L, lo_value form, lo_value name, int depth)
{
    if (depth > MAX_DEPTH)
        return true;
    if (!lo_consp(form))
        return false;
    lo_value head = lo_car_raw(form);
    if (is(L, head, "QUOTE"))
        return false;
    if (!lo_null(L, lo_macro_function(L, head))) {
        bool expanded;
        return assigned(L, lo_macroexpand_1(L, form, &expanded), name,
                        depth + 1);
    }
    if (is(L, head, "SETQ"))
        for (lo_value l = lo_cdr_raw(form); lo_consp(l) && lo_consp(lo_cdr_raw(l));
             l = lo_cdr_raw(lo_cdr_raw(l)))
            if (lo_eq(lo_car_raw(l), name))
                return true;
    for (lo_value l = form; lo_consp(l); l = lo_cdr_raw(l))
        if (assigned(L, lo_car_raw(l), name, depth + 1))
            return true;
    return false;
}

static bool needs_box(lo_lisp *L, lo_value scope, lo_value name)
{
    return mentioned_in_lambda(L, scope, name, false, 0) &&
           assigned(L, scope, name, 0);
}

static void compile(struct compiler *c, lo_value form);

/* Compile form in tail position or not; the flag is restored after. */
static void compile_as(struct compiler *c, lo_value form, bool tail)
{
    bool saved = c->tail;
    c->tail = tail;
    compile(c, form);
    c->tail = saved;
}

/* Subforms whose value is not the form's own are never in tail position. */
static void compile_sub(struct compiler *c, lo_value form)
{
    compile_as(c, form, false);
}

static void compile_body(struct compiler *c, lo_value body)
{
    if (lo_null(c->L, body)) {
        emit(c, OP_CONST);
        emit16(c, constant(c, c->L->nil));
        return;
    }
    for (; lo_consp(body); body = lo_cdr_raw(body)) {
        bool last = !lo_consp(lo_cdr_raw(body));
        compile_as(c, lo_car_raw(body), last && c->tail);
        if (!last)
            emit(c, OP_POP);
    }
}

static void compile_function(struct compiler *c, lo_value name,
                             lo_value params, lo_value body, bool macro);
static void compile_sub(struct compiler *c, lo_value form);
static void patch16(struct compiler *c, uint32_t at, unsigned v);

static void compile_symbol(struct compiler *c, lo_value sym)
{
    lo_lisp *L = c->L;
    if (lo_eq(sym, L->nil) || lo_eq(sym, L->t) || lo_keywordp(sym)) {
        emit(c, OP_CONST);
        emit16(c, constant(c, sym));
        return;
    }
    struct var v = resolve(c, sym);
    if (v.place == GLOBAL) {
        emit(c, OP_GLOBAL);
        emit16(c, constant(c, lo_variable_cell(L, sym, true)));
        return;
    }
    emit(c, v.place == LOCAL ? OP_LOCAL : OP_CLOSED);
    emit16(c, v.index);
    if (v.boxed)
        emit(c, OP_UNBOX);
}

static lo_value second(lo_lisp *L, lo_value form)
{
    return lo_car(L, lo_cdr(L, form));
}

static void compile_if(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    int64_t n = lo_list_length(L, form);
    if (n < 3 || n > 4)
        lo_error(L, "PROGRAM-ERROR", "IF takes a test, a then and an "
                 "optional else form");
    compile_sub(c, second(L, form));
    emit(c, OP_JUMP_IF_NIL);
    uint32_t to_else = c->len;
    emit16(c, 0);
    compile(c, lo_car(L, lo_cdr(L, lo_cdr(L, form))));
    emit(c, OP_JUMP);
    uint32_t to_end = c->len;
    emit16(c, 0);
    patch16(c, to_else, c->len);
    compile(c, lo_car(L, lo_cdr(L, lo_cdr(L, lo_cdr(L, form)))));
    patch16(c, to_end, c->len);
}

static void compile_setq(struct compiler *c, lo_value pairs)
{
    lo_lisp *L = c->L;
    if (lo_list_length(L, pairs) % 2)
        lo_error(L, "PROGRAM-ERROR", "SETQ needs an even number of forms");
    if (lo_null(L, pairs))
        compile_symbol(c, L->nil);
    for (; lo_consp(pairs); pairs = lo_cdr_raw(lo_cdr_raw(pairs))) {
        lo_value var = lo_car_raw(pairs);
        if (!lo_symbolp(var) || lo_eq(var, L->nil) || lo_eq(var, L->t) ||
            lo_keywordp(var))
            lo_error(L, "PROGRAM-ERROR", "SETQ: not a variable name");
        compile_sub(c, lo_car_raw(lo_cdr_raw(pairs)));
        struct var v = resolve(c, var);
        if (v.place == GLOBAL) {
            emit(c, OP_SET_GLOBAL);
            emit16(c, constant(c, lo_variable_cell(L, var, true)));
        } else if (v.place == LOCAL) {
            emit(c, v.boxed ? OP_SET_BOX_LOCAL : OP_SET_LOCAL);
            emit16(c, v.index);
        } else if (v.boxed) {
            emit(c, OP_SET_BOX_CLOSED);
            emit16(c, v.index);
        } else {
            lo_error(L, "PROGRAM-ERROR", "internal: assignment to an unboxed "
                     "closed-over variable");
        }
        if (lo_consp(lo_cdr_raw(lo_cdr_raw(pairs))))
            emit(c, OP_POP);
    }
}

static uint32_t new_local(struct compiler *c, lo_value name)
{
    if (c->nlocals >= MAX_LOCALS)
        lo_error(c->L, "PROGRAM-ERROR", "too many local variables");
    c->local_name[c->nlocals] = name;
    c->local_boxed[c->nlocals] = false;
    if (++c->nlocals > c->frame_size)
        c->frame_size = c->nlocals;
    return c->nlocals - 1;
}

static void compile_let(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value bindings = second(L, form), body = lo_cdr(L, lo_cdr(L, form));
    uint32_t saved = c->nlocals;
    int64_t n = lo_list_length(L, bindings);
    if (n < 0)
        lo_error(L, "PROGRAM-ERROR", "LET: malformed bindings");
    /* Values first, into slots the body will see; names come in after. */
    uint32_t first = c->nlocals;
    lo_value names[MAX_LOCALS];
    int64_t k = 0;
    for (lo_value b = bindings; lo_consp(b); b = lo_cdr_raw(b), k++) {
        lo_value binding = lo_car_raw(b);
        lo_value name = lo_consp(binding) ? lo_car_raw(binding) : binding;
        if (!lo_symbolp(name))
            lo_error(L, "PROGRAM-ERROR", "LET: not a variable name");
        if (k >= MAX_LOCALS - (int64_t)first)
            lo_error(L, "PROGRAM-ERROR", "too many local variables");
        names[k] = name;
        if (lo_consp(binding))
            compile_sub(c, second(L, binding));
        else
            compile_symbol(c, L->nil);
        uint32_t slot = new_local(c, L->nil);  /* unnamed until the body */
        emit(c, OP_SET_LOCAL);
        emit16(c, slot);
        emit(c, OP_POP);
    }
    /* All values are computed; now the bindings begin together. */
    unsigned dynamic = 0;
    for (int64_t i = 0; i < k; i++) {
        if (lo_special_p(L, names[i])) {
            emit(c, OP_LOCAL);
            emit16(c, first + (uint32_t)i);
            emit(c, OP_BIND);
            emit16(c, constant(c, lo_variable_cell(L, names[i], true)));
            dynamic++;
            continue;                   /* its slot stays nameless */
        }
        c->local_name[first + i] = names[i];
        if (needs_box(L, body, names[i])) {
            c->local_boxed[first + i] = true;
            emit(c, OP_BOX);
            emit16(c, first + (uint32_t)i);
        }
    }
    if (dynamic) {                      /* come back to unbind: no tail call */
        bool tail = c->tail;
        c->tail = false;
        compile_body(c, body);
        c->tail = tail;
        emit(c, OP_UNBIND);
        emit16(c, dynamic);
    } else {
        compile_body(c, body);
    }
    c->nlocals = saved;
}

static void compile_call(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value head = lo_car_raw(form), args = lo_cdr_raw(form);
    int64_t n = lo_list_length(L, args);
    if (n < 0)
        lo_error(L, "PROGRAM-ERROR", "a call's arguments are not a list");
    if (n > 255)
        lo_error(L, "PROGRAM-ERROR", "more than 255 arguments in one call");
    bool tail = c->tail;
    if (lo_consp(head) && is(L, lo_car_raw(head), "LAMBDA")) {
        compile_sub(c, head);
    } else if (!lo_symbolp(head)) {
        lo_error(L, "PROGRAM-ERROR", "illegal function call");
    }
    for (; lo_consp(args); args = lo_cdr_raw(args))
        compile_sub(c, lo_car_raw(args));
    if (lo_symbolp(head)) {
        emit(c, tail ? OP_TAIL_CALL_GLOBAL : OP_CALL_GLOBAL);
        emit16(c, constant(c, lo_function_cell(L, head, true)));
    } else {
        emit(c, tail ? OP_TAIL_CALL : OP_CALL);
    }
    emit(c, (unsigned)n);
}

/*
 * (defvar name [init [doc]]) and (defparameter name init [doc]): name is
 * special from now on -- proclaimed while compiling, so the rest of the
 * same unit already binds it dynamically.  defvar sets it only when it is
 * unbound; defparameter always.  Both return the name.
 */
static void compile_defvar(struct compiler *c, lo_value form, bool always)
{
    lo_lisp *L = c->L;
    lo_value name = second(L, form), rest = lo_cdr(L, lo_cdr(L, form));
    if (!lo_symbolp(name) || lo_null(L, name) || lo_eq(name, L->t))
        lo_error(L, "PROGRAM-ERROR", "%s: not a variable name",
                 always ? "DEFPARAMETER" : "DEFVAR");
    if (always && !lo_consp(rest))
        lo_error(L, "PROGRAM-ERROR", "DEFPARAMETER needs an initial value");
    lo_proclaim_special(L, name);
    if (lo_consp(rest)) {
        lo_value set = lo_cons(L, lo_intern(L, "SETQ"),
                               lo_cons(L, name, lo_cons(L, lo_car_raw(rest),
                                                        L->nil)));
        if (!always)        /* (if (boundp 'name) nil (setq name init)) */
            set = lo_cons(L, lo_intern(L, "IF"), lo_cons(L,
                  lo_cons(L, lo_intern(L, "BOUNDP"), lo_cons(L,
                          lo_cons(L, lo_intern(L, "QUOTE"),
                                  lo_cons(L, name, L->nil)), L->nil)),
                  lo_cons(L, L->nil, lo_cons(L, set, L->nil))));
        compile_sub(c, set);
        emit(c, OP_POP);
    }
    emit(c, OP_CONST);
    emit16(c, constant(c, name));
}

/* (defun name lambda-list . body) and (defmacro ...): the function goes
 * into the name's function or macro cell; the form's value is the name. */
static void compile_definition(struct compiler *c, lo_value form, bool macro)
{
    lo_lisp *L = c->L;
    lo_value name = second(L, form);
    if (!lo_symbolp(name) || lo_null(L, name))
        lo_error(L, "PROGRAM-ERROR", "%s", macro
                 ? "DEFMACRO: not a macro name" : "DEFUN: not a function name");
    lo_value rest = lo_cdr(L, lo_cdr(L, form));
    compile_function(c, name, lo_car(L, rest), lo_cdr(L, rest), macro);
    emit(c, OP_DEFINE);
    emit16(c, constant(c, macro ? lo_macro_cell(L, name, true)
                                : lo_function_cell(L, name, true)));
    emit(c, OP_POP);
    emit(c, OP_CONST);
    emit16(c, constant(c, name));
}

static void compile_cons(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value head = lo_car_raw(form);
    if (is(L, head, "QUOTE")) {
        emit(c, OP_CONST);
        emit16(c, constant(c, second(L, form)));
    } else if (is(L, head, "IF")) {
        compile_if(c, form);
    } else if (is(L, head, "PROGN")) {
        compile_body(c, lo_cdr_raw(form));
    } else if (is(L, head, "SETQ")) {
        compile_setq(c, lo_cdr_raw(form));
    } else if (is(L, head, "LET")) {
        compile_let(c, form);
    } else if (is(L, head, "LAMBDA")) {
        compile_function(c, L->nil, second(L, form), lo_cdr(L, lo_cdr(L, form)),
                         false);
    } else if (is(L, head, "FUNCTION")) {
        lo_value what = second(L, form);
        if (lo_consp(what) && is(L, lo_car_raw(what), "LAMBDA")) {
            compile(c, what);
        } else if (lo_symbolp(what)) {
            emit(c, OP_FUNCTION);
            emit16(c, constant(c, lo_function_cell(L, what, true)));
        } else {
            lo_error(L, "PROGRAM-ERROR", "FUNCTION: not a function name");
        }
    } else if (is(L, head, "DEFUN")) {
        compile_definition(c, form, false);
    } else if (is(L, head, "DEFVAR") || is(L, head, "DEFPARAMETER")) {
        compile_defvar(c, form, is(L, head, "DEFPARAMETER"));
    } else if (is(L, head, "DEFMACRO")) {
        compile_definition(c, form, true);
    } else if (is(L, head, "QUASIQUOTE")) {
        compile(c, lo_quasiquote(L, second(L, form)));
    } else if (!lo_null(L, lo_macro_function(L, head))) {
        bool expanded;
        compile(c, lo_macroexpand_1(L, form, &expanded));
    } else {
        compile_call(c, form);
    }
}

static void compile(struct compiler *c, lo_value form)
{
    if (++c->depth > MAX_DEPTH)
        lo_error(c->L, "PROGRAM-ERROR", "form nested deeper than %d",
                 MAX_DEPTH);
    if (lo_symbolp(form)) {
        compile_symbol(c, form);
    } else if (lo_consp(form)) {
        compile_cons(c, form);
    } else {                            /* self-evaluating */
        emit(c, OP_CONST);
        emit16(c, constant(c, form));
    }
    c->depth--;
}

/* Build the code and function objects from a finished compiler. */
static lo_value finish(struct compiler *c, lo_value name, uint32_t arity)
{
    lo_lisp *L = c->L;
    lo_value consts = lo_make_vector(L, c->nconstants, L->nil);
    uint32_t i = c->nconstants;
    for (lo_value l = c->constants; lo_consp(l); l = lo_cdr_raw(l))
        lo_ptr(consts)[2 + --i] = lo_car_raw(l);
    uint64_t *code = lo_alloc_raw(L, LO_T_CODE, CODE_BYTES + (c->len + 7) / 8,
                                  CODE_BYTES - 1);
    code[CODE_LENGTH] = lo_fixnum(c->len);
    code[CODE_CONSTANTS] = consts;
    code[CODE_ARITY] = lo_fixnum(arity);
    code[CODE_FRAME] = lo_fixnum(c->frame_size);
    code[CODE_NAME] = name;
    memcpy(code + CODE_BYTES, c->code, c->len);
    uint64_t *fn = lo_alloc_object(L, LO_T_FUNCTION, FN_WORDS);
    fn[FN_CODE] = lo_make_object(code);
    fn[FN_ENV] = L->nil;
    return lo_make_object(fn);
}

static struct compiler *new_compiler(lo_lisp *L)
{
    struct compiler *c = lo_mem_alloc(sizeof *c);
    if (!c)
        lo_error(L, "STORAGE-CONDITION", "out of memory compiling");
    c->L = L;
    c->constants = L->nil;
    return c;
}

/*
 * The compiler's state is C memory, one per nesting level (a lambda inside
 * a lambda, a compile inside a macro expansion), kept in the lo_lisp and
 * reused: an error (a longjmp out) then leaks nothing, and the evaluation
 * entry point resets the depth.
 */
static struct compiler *enter_compiler(lo_lisp *L)
{
    int level = L->compile_depth;
    if (level >= 64)
        lo_error(L, "PROGRAM-ERROR", "lambdas nested too deeply");
    if (!L->compilers[level])
        L->compilers[level] = new_compiler(L);
    struct compiler *c = L->compilers[level];
    L->compile_depth++;
    c->L = L;
    c->len = 0;
    c->constants = L->nil;
    c->nconstants = c->nlocals = c->frame_size = 0;
    c->depth = 0;
    c->tail = false;
    c->parent = NULL;
    c->nfree = 0;
    c->dynamic_binds = 0;
    return c;
}

static void leave_compiler(lo_lisp *L)
{
    L->compile_depth--;
}

/* ---- lambda lists ----------------------------------------------------------
 * Required parameters of a function arrive in their own slots.  Anything
 * after them (&optional, &rest) arrives as one list, which the prologue
 * takes apart with the same code that destructures a defmacro pattern. */

enum { NO_SLOT = 0xffffffffu };

/* A local whose name no symbol can match (a temporary). */
static uint32_t temp_local(struct compiler *c)
{
    return new_local(c, lo_fixnum(-1));
}

static void set_local_and_pop(struct compiler *c, uint32_t slot)
{
    emit(c, OP_SET_LOCAL);
    emit16(c, slot);
    emit(c, OP_POP);
}

/* src := (cdr src), keeping its car on the stack. */
static void pop_list(struct compiler *c, uint32_t src)
{
    emit(c, OP_LOCAL);
    emit16(c, src);
    emit(c, OP_CAR);
    emit(c, OP_LOCAL);
    emit16(c, src);
    emit(c, OP_CDR);
    set_local_and_pop(c, src);
}

/* Name slot's variable, boxing it if the scope needs that. */
static void bind_name(struct compiler *c, uint32_t slot, lo_value name,
                      lo_value scope)
{
    lo_lisp *L = c->L;
    if (!lo_symbolp(name) || lo_null(L, name) || lo_eq(name, L->t))
        lo_error(L, "PROGRAM-ERROR", "lambda list: not a variable name");
    if (lo_special_p(L, name)) {         /* a dynamic binding, not a local */
        emit(c, OP_LOCAL);
        emit16(c, slot);
        emit(c, OP_BIND);
        emit16(c, constant(c, lo_variable_cell(L, name, true)));
        c->dynamic_binds++;
        return;
    }
    c->local_name[slot] = name;
    if (needs_box(L, scope, name)) {
        c->local_boxed[slot] = true;
        emit(c, OP_BOX);
        emit16(c, slot);
    }
}

static void bind_pattern(struct compiler *c, lo_value pattern, uint32_t src,
                         lo_value scope, bool nested);

/* One required element: a variable, or (nested) a pattern of its own. */
static void bind_required(struct compiler *c, lo_value p, uint32_t src,
                          lo_value scope, bool nested)
{
    emit(c, OP_CHECK_CONS);
    emit16(c, src);
    pop_list(c, src);
    uint32_t slot = temp_local(c);
    set_local_and_pop(c, slot);
    if (nested && lo_consp(p))
        bind_pattern(c, p, slot, scope, true);
    else
        bind_name(c, slot, p, scope);
}

/* (var [default [supplied-p]]) or var, taken from src if it has more. */
static void bind_optional(struct compiler *c, lo_value p, uint32_t src,
                          lo_value scope)
{
    lo_lisp *L = c->L;
    lo_value var = p, init = L->nil, supplied = L->nil;
    if (lo_consp(p)) {
        var = lo_car_raw(p);
        init = lo_car(L, lo_cdr_raw(p));
        supplied = lo_car(L, lo_cdr(L, lo_cdr_raw(p)));
    }
    uint32_t slot = temp_local(c), sslot = NO_SLOT;
    if (!lo_null(L, supplied))
        sslot = temp_local(c);
    emit(c, OP_LOCAL);
    emit16(c, src);
    emit(c, OP_JUMP_IF_NIL);
    uint32_t to_default = c->len;
    emit16(c, 0);
    pop_list(c, src);
    set_local_and_pop(c, slot);
    if (sslot != NO_SLOT) {
        emit(c, OP_CONST);
        emit16(c, constant(c, L->t));
        set_local_and_pop(c, sslot);
    }
    emit(c, OP_JUMP);
    uint32_t to_end = c->len;
    emit16(c, 0);
    patch16(c, to_default, c->len);
    compile_sub(c, init);               /* sees the parameters before it */
    set_local_and_pop(c, slot);
    patch16(c, to_end, c->len);
    bind_name(c, slot, var, scope);
    if (sslot != NO_SLOT)
        bind_name(c, sslot, supplied, scope);
}

/*
 * Bind the variables of pattern to the elements of the list in slot src
 * (which it consumes).  &optional, &rest and &body, &aux, a dotted tail as
 * a rest variable, and -- for defmacro -- nested patterns.  Too few or too
 * many elements is an error at run time.
 */
static void bind_pattern(struct compiler *c, lo_value pattern, uint32_t src,
                         lo_value scope, bool nested)
{
    lo_lisp *L = c->L;
    enum { REQUIRED, OPTIONAL, REST, AUX } state = REQUIRED;
    bool has_rest = false;
    lo_value p = pattern;
    for (; lo_consp(p); p = lo_cdr_raw(p)) {
        lo_value item = lo_car_raw(p);
        if (is(L, item, "&OPTIONAL")) { state = OPTIONAL; continue; }
        if (is(L, item, "&REST") || is(L, item, "&BODY")) { state = REST; continue; }
        if (is(L, item, "&AUX")) { state = AUX; continue; }
        if (is(L, item, "&KEY") || is(L, item, "&ALLOW-OTHER-KEYS") ||
            is(L, item, "&WHOLE") || is(L, item, "&ENVIRONMENT"))
            lo_error(L, "PROGRAM-ERROR", "lambda list: &KEY, &WHOLE and "
                     "&ENVIRONMENT are not implemented yet");
        switch (state) {
        case REQUIRED:
            bind_required(c, item, src, scope, nested);
            break;
        case OPTIONAL:
            bind_optional(c, item, src, scope);
            break;
        case REST:
            if (has_rest)
                lo_error(L, "PROGRAM-ERROR", "lambda list: two rest variables");
            has_rest = true;
            bind_name(c, src, item, scope);
            break;
        case AUX: {
            lo_value var = lo_consp(item) ? lo_car_raw(item) : item;
            uint32_t slot = temp_local(c);
            compile_sub(c, lo_consp(item) ? lo_car(L, lo_cdr_raw(item)) : L->nil);
            set_local_and_pop(c, slot);
            bind_name(c, slot, var, scope);
            break;
        }
        }
    }
    if (!lo_null(L, p)) {               /* (a b . rest) */
        has_rest = true;
        bind_name(c, src, p, scope);
    }
    if (!has_rest) {
        emit(c, OP_CHECK_EMPTY);
        emit16(c, src);
    }
}

/* The required parameters: those before any lambda-list keyword. */
static uint32_t count_required(lo_lisp *L, lo_value params)
{
    uint32_t n = 0;
    for (; lo_consp(params); params = lo_cdr_raw(params), n++) {
        lo_value v = lo_car_raw(params);
        if (lo_symbolp(v)) {
            char name[2];
            lo_string_utf8(lo_symbol_name(v), name, sizeof name);
            if (name[0] == '&')
                return n;
        }
    }
    return lo_null(L, params) ? n : n;  /* a dotted tail is a rest list */
}

static lo_value nth_tail(lo_value list, uint32_t n)
{
    while (n--)
        list = lo_cdr_raw(list);
    return list;
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
    struct compiler *c = enter_compiler(L);
    c->parent = parent;
    if (lo_list_length(L, params) < 0 && !macro && !lo_consp(params) &&
        !lo_symbolp(params))
        lo_error(L, "PROGRAM-ERROR", "malformed lambda list");
    uint32_t arity;
    if (macro) {
        uint32_t form = temp_local(c);
        temp_local(c);                  /* the environment, unused so far */
        arity = 2;
        uint32_t src = temp_local(c);
        emit(c, OP_LOCAL);
        emit16(c, form);
        emit(c, OP_CDR);
        set_local_and_pop(c, src);
        bind_pattern(c, params, src, body, true);
    } else {
        uint32_t required = count_required(L, params);
        lo_value p = params;
        for (uint32_t i = 0; i < required; i++, p = lo_cdr_raw(p))
            new_local(c, L->nil);
        for (uint32_t i = 0; i < required; i++)
            bind_name(c, i, lo_car_raw(nth_tail(params, i)), body);
        arity = required;
        if (!lo_null(L, p)) {           /* the rest arrives as one list */
            arity |= CODE_REST_FLAG;
            uint32_t src = temp_local(c);
            bind_pattern(c, p, src, body, false);
        }
    }
    /* With special parameters bound, the body must come back to unbind
     * them: its last call is then not a tail call. */
    c->tail = c->dynamic_binds == 0;
    compile_body(c, body);
    if (c->dynamic_binds) {
        emit(c, OP_UNBIND);
        emit16(c, c->dynamic_binds);
    }
    emit(c, OP_RETURN);
    lo_value fn = finish(c, name, arity);
    leave_compiler(L);
    *inner = c;
    return fn;
}

/*
 * Leave the function for a lambda on the stack: a constant when it closes
 * over nothing, else made at run time from the variables it uses.
 */
static void compile_function(struct compiler *c, lo_value name,
                             lo_value params, lo_value body, bool macro)
{
    struct compiler *inner;
    lo_value fn = compile_lambda(c, name, params, body, macro, &inner);
    if (inner->nfree == 0) {
        emit(c, OP_CONST);
        emit16(c, constant(c, fn));
        return;
    }
    uint32_t nfree = inner->nfree;
    lo_value names[MAX_FREE];
    for (uint32_t i = 0; i < nfree; i++)
        names[i] = inner->free_name[i];
    for (uint32_t i = 0; i < nfree; i++) {
        /* The variable itself: its box if boxed, never unboxed here. */
        struct var v = resolve(c, names[i]);
        emit(c, v.place == LOCAL ? OP_LOCAL : OP_CLOSED);
        emit16(c, v.index);
    }
    emit(c, OP_CLOSURE);
    emit16(c, constant(c, lo_ptr(fn)[FN_CODE]));
    emit(c, nfree);
}

/* Macros run inside the compiler while it holds values on the C stack:
 * no collection until it is done (an error restores the count). */
lo_value lo_compile_toplevel(lo_lisp *L, lo_value form)
{
    lo_gc_inhibit(L);
    struct compiler *c = enter_compiler(L);
    compile_as(c, form, true);
    emit(c, OP_RETURN);
    lo_value fn = finish(c, L->nil, 0);
    leave_compiler(L);
    lo_gc_allow(L);
    return fn;
}

/* ---- macros ------------------------------------------------------------------ */

lo_value lo_macroexpand_1(lo_lisp *L, lo_value form, bool *expanded)
{
    *expanded = false;
    if (!lo_consp(form))
        return form;
    lo_value fn = lo_macro_function(L, lo_car_raw(form));
    if (lo_null(L, fn))
        return form;
    *expanded = true;
    lo_value args[2] = { form, L->nil };
    return lo_vm_apply(L, fn, args, 2);
}

/* ---- backquote ------------------------------------------------------------------
 * `x reads as (quasiquote x); here it becomes calls of LIST, APPEND and
 * QUOTE.  ,x is (unquote x) and ,@x (unquote-splicing x); nested
 * backquotes keep their inner commas for the inner level. */

static lo_value list2(lo_lisp *L, const char *op, lo_value x)
{
    return lo_cons(L, lo_intern(L, op), lo_cons(L, x, L->nil));
}

static lo_value qq(lo_lisp *L, lo_value x, int depth);

static bool tagged(lo_lisp *L, lo_value x, const char *tag)
{
    return lo_consp(x) && is(L, lo_car_raw(x), tag) &&
           lo_consp(lo_cdr_raw(x));
}

static lo_value qq_list(lo_lisp *L, lo_value x, int depth)
{
    /* (append part ...) where each element is (list elt) or a splice */
    lo_value parts = L->nil, *tail = &parts;
    lo_value p = x;
    for (; lo_consp(p); p = lo_cdr_raw(p)) {
        if (tagged(L, p, "UNQUOTE") && depth == 1)
            break;                      /* `(a . ,b) */
        lo_value e = lo_car_raw(p), part;
        if (tagged(L, e, "UNQUOTE-SPLICING") && depth == 1)
            part = lo_car_raw(lo_cdr_raw(e));
        else
            part = list2(L, "LIST", qq(L, e, depth));
        *tail = lo_cons(L, part, L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    if (!lo_null(L, p))
        *tail = lo_cons(L, qq(L, p, depth), L->nil);
    return lo_cons(L, lo_intern(L, "APPEND"), parts);
}

static lo_value qq(lo_lisp *L, lo_value x, int depth)
{
    if (!lo_consp(x))
        return (lo_symbolp(x) && !lo_null(L, x) && !lo_eq(x, L->t))
            ? list2(L, "QUOTE", x) : x;
    if (tagged(L, x, "UNQUOTE")) {
        if (depth == 1)
            return lo_car_raw(lo_cdr_raw(x));
        return lo_cons(L, lo_intern(L, "LIST"),
                       lo_cons(L, list2(L, "QUOTE", lo_intern(L, "UNQUOTE")),
                               lo_cons(L, qq(L, lo_car_raw(lo_cdr_raw(x)),
                                             depth - 1), L->nil)));
    }
    if (tagged(L, x, "QUASIQUOTE"))
        return lo_cons(L, lo_intern(L, "LIST"),
                       lo_cons(L, list2(L, "QUOTE", lo_intern(L, "QUASIQUOTE")),
                               lo_cons(L, qq(L, lo_car_raw(lo_cdr_raw(x)),
                                             depth + 1), L->nil)));
    return qq_list(L, x, depth);
}

lo_value lo_quasiquote(lo_lisp *L, lo_value x)
{
    return qq(L, x, 1);
}
