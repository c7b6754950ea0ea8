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
 * box (a cell) so that every closure and the frame share it; a scan of the
 * binding's scope decides that when it is bound (compile_scan.c).
 *
 * Each form is compiled in a context: `tail` (its value is the function's:
 * a call there replaces the frame) and `mv` (all its values are wanted: a
 * form that is not a call then says it has one value, OP_MV1).
 *
 * This file: the driver, variables, calls, LET, SETQ, definitions, macros
 * and the special forms' table; compile_lambda.c makes functions from
 * lambda lists and bodies, compile_control.c and compile_local.c have the
 * other special forms (compiler.h lists the files).
 */
#include <string.h>

#include "lisp/compiler.h"
#include "lisp/environment.h"

/* ---- code and constants ---------------------------------------------------- */

void lo_cc_emit(struct compiler *c, unsigned byte)
{
    if (c->len >= MAX_CODE)
        lo_error(c->L, "PROGRAM-ERROR", "function too large to compile");
    c->label_at_end = false;
    c->code[c->len++] = (unsigned char)byte;
}

void lo_cc_emit16(struct compiler *c, unsigned v)
{
    lo_cc_emit(c, v & 0xff);
    lo_cc_emit(c, v >> 8);
}

void lo_cc_emit_op16(struct compiler *c, unsigned op, unsigned operand)
{
    lo_cc_emit(c, op);
    lo_cc_emit16(c, operand);
}

/* Patch a jump at `at` to go to v (which, when it is the end of the code
 * so far, is then a jump target: emit_return must not fold across it). */
void lo_cc_patch16(struct compiler *c, uint32_t at, unsigned v)
{
    c->code[at] = (unsigned char)(v & 0xff);
    c->code[at + 1] = (unsigned char)(v >> 8);
    if (v == c->len)
        c->label_at_end = true;
}

/* OP_RETURN, folded with an OP_MV1 just before it into OP_RETURN1 when
 * no jump lands between them. */
void lo_cc_emit_return(struct compiler *c)
{
    if (c->len > c->last_op_at && c->last_op_at == c->len - 1 &&
        c->code[c->len - 1] == OP_MV1 && !c->label_at_end) {
        c->code[c->len - 1] = OP_RETURN1;
        return;
    }
    lo_cc_emit(c, OP_RETURN);
}

/* Index of a constant (reusing an identical one). */
unsigned lo_cc_constant(struct compiler *c, lo_value v)
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

void lo_cc_emit_constant(struct compiler *c, lo_value v)
{
    lo_cc_emit_op16(c, OP_CONST, lo_cc_constant(c, v));
}

/* Whether sym's name is the ASCII text name: a cheap test that rules
 * out almost every symbol before the symbol table is searched. */
static bool name_may_be(lo_value sym, const char *name)
{
    lo_value s = lo_symbol_name(sym);
    uint64_t n = lo_string_length(s);
    for (uint64_t i = 0; i < n; i++)
        if (!name[i] || lo_string_ref(s, i) != (unsigned char)name[i])
            return false;
    return name[n] == 0;
}

bool lo_cc_is(lo_lisp *L, lo_value v, const char *name)
{
    return lo_symbolp(v) && name_may_be(v, name) &&
           lo_eq(v, lo_intern(L, name));
}

lo_value lo_cc_second(lo_lisp *L, lo_value form)
{
    return lo_car(L, lo_cdr(L, form));
}

lo_value lo_cc_third(lo_lisp *L, lo_value form)
{
    return lo_car(L, lo_cdr(L, lo_cdr(L, form)));
}

/* ---- contexts ------------------------------------------------------------------ */

void lo_cc_compile_in(struct compiler *c, lo_value form, bool tail, bool mv)
{
    bool saved_tail = c->tail, saved_mv = c->mv;
    c->tail = tail;
    c->mv = mv;
    lo_cc_compile(c, form);
    c->tail = saved_tail;
    c->mv = saved_mv;
}

/* Subforms whose value is not the form's own: one value, no tail call. */
void lo_cc_compile_sub(struct compiler *c, lo_value form)
{
    lo_cc_compile_in(c, form, false, false);
}

/* The form just compiled is not a call: it has exactly one value. */
void lo_cc_one_value(struct compiler *c)
{
    if (c->mv) {
        c->last_op_at = c->len;
        lo_cc_emit(c, OP_MV1);
    }
}

void lo_cc_compile_body(struct compiler *c, lo_value body)
{
    if (lo_null(c->L, body)) {
        lo_cc_emit_constant(c, c->L->nil);
        lo_cc_one_value(c);
        return;
    }
    for (; lo_consp(body); body = lo_cdr_raw(body)) {
        if (!lo_consp(lo_cdr_raw(body))) {
            lo_cc_compile(c, lo_car_raw(body));       /* the body's own context */
            break;
        }
        lo_cc_compile_sub(c, lo_car_raw(body));
        lo_cc_emit(c, OP_POP);
    }
}

/*
 * Leading (declare ...) forms of a body are skipped (and a documentation
 * string before the last form, when doc); names declared special are
 * collected, the rest of the declarations ignored.
 */
lo_value lo_cc_skip_declarations(struct compiler *c, lo_value body, bool doc,
                           lo_value *specials)
{
    lo_lisp *L = c->L;
    *specials = L->nil;
    for (; lo_consp(body); body = lo_cdr_raw(body)) {
        lo_value form = lo_car_raw(body);
        if (doc && lo_typep(form, LO_T_STRING) &&
            lo_consp(lo_cdr_raw(body))) {
            doc = false;
            continue;
        }
        if (!lo_consp(form) || !lo_cc_is(L, lo_car_raw(form), "DECLARE"))
            break;
        for (lo_value d = lo_cdr_raw(form); lo_consp(d); d = lo_cdr_raw(d)) {
            lo_value spec = lo_car_raw(d);
            if (lo_consp(spec) && lo_cc_is(L, lo_car_raw(spec), "SPECIAL"))
                for (lo_value v = lo_cdr_raw(spec); lo_consp(v);
                     v = lo_cdr_raw(v))
                    *specials = lo_cons(L, lo_car_raw(v), *specials);
        }
    }
    return body;
}

bool lo_cc_member_eq(lo_value x, lo_value list)
{
    for (; lo_consp(list); list = lo_cdr_raw(list))
        if (lo_eq(lo_car_raw(list), x))
            return true;
    return false;
}

/* ---- variables ---------------------------------------------------------------- */

uint32_t lo_cc_new_local(struct compiler *c, lo_value name)
{
    if (c->nlocals >= MAX_LOCALS)
        lo_error(c->L, "PROGRAM-ERROR", "too many local variables");
    c->local_name[c->nlocals] = name;
    c->local_boxed[c->nlocals] = false;
    c->local_symbol_macro[c->nlocals] = false;
    if (++c->nlocals > c->frame_size)
        c->frame_size = c->nlocals;
    return c->nlocals - 1;
}

/* A local whose name no symbol can match (a temporary). */
uint32_t lo_cc_temp_local(struct compiler *c)
{
    return lo_cc_new_local(c, lo_fixnum(-1));
}

void lo_cc_set_local_and_pop(struct compiler *c, uint32_t slot)
{
    lo_cc_emit_op16(c, OP_STORE_LOCAL, slot);
}

static int find_local(struct compiler *c, lo_value sym)
{
    for (int i = (int)c->nlocals - 1; i >= 0; i--)
        if (lo_eq(c->local_name[i], sym))
            return i;
    return -1;
}

/* Where a variable lives, seen from compiler c. */
enum place { GLOBAL, LOCAL, CLOSED, SYMBOL_MACRO };
struct var { enum place place; unsigned index; bool boxed; lo_value expansion; };

static struct var resolve(struct compiler *c, lo_value sym)
{
    int slot = find_local(c, sym);
    if (slot >= 0 && c->local_symbol_macro[slot])
        return (struct var){ SYMBOL_MACRO, 0, false, c->local_expansion[slot] };
    if (slot >= 0)
        return (struct var){ LOCAL, (unsigned)slot, c->local_boxed[slot], 0 };
    for (uint32_t i = 0; i < c->nfree; i++)
        if (lo_eq(c->free_name[i], sym))
            return (struct var){ CLOSED, i, c->free_boxed[i], 0 };
    if (!c->parent) {
        lo_value cell = lo_env_cell(c->L, lo_current_env(c->L),
                                    ENV_SYMBOL_MACROS, sym, false);
        if (!lo_null(c->L, cell) && lo_cell_get(cell) != LO_UNBOUND)
            return (struct var){ SYMBOL_MACRO, 0, false,
                                 lo_cell_get(cell) };
        return (struct var){ GLOBAL, 0, false, 0 };
    }
    struct var outer = resolve(c->parent, sym);
    if (outer.place == GLOBAL || outer.place == SYMBOL_MACRO)
        return outer;
    if (c->nfree >= MAX_FREE)
        lo_error(c->L, "PROGRAM-ERROR", "a function closes over more than "
                 "%d variables", MAX_FREE);
    c->free_name[c->nfree] = sym;
    c->free_boxed[c->nfree] = outer.boxed;
    return (struct var){ CLOSED, c->nfree++, outer.boxed, 0 };
}

void lo_cc_load_variable(struct compiler *c, lo_value name, bool raw_box)
{
    struct var v = resolve(c, name);
    if (v.place != LOCAL && v.place != CLOSED)
        lo_error(c->L, "PROGRAM-ERROR", "internal: hidden variable lost");
    lo_cc_emit_op16(c, v.place == LOCAL ? OP_LOCAL : OP_CLOSED, v.index);
    if (v.boxed && !raw_box)
        lo_cc_emit(c, OP_UNBOX);
}

static void compile_symbol(struct compiler *c, lo_value sym)
{
    lo_lisp *L = c->L;
    if (lo_eq(sym, L->nil) || lo_eq(sym, L->t) || lo_keywordp(sym)) {
        lo_cc_emit_constant(c, sym);
        lo_cc_one_value(c);
        return;
    }
    struct var v = resolve(c, sym);
    if (v.place == SYMBOL_MACRO) {
        lo_cc_compile(c, v.expansion);
        return;
    }
    if (v.place == GLOBAL) {
        lo_cc_emit_op16(c, OP_GLOBAL, lo_cc_constant(c, lo_variable_cell(L, sym, true)));
    } else {
        lo_cc_emit_op16(c, v.place == LOCAL ? OP_LOCAL : OP_CLOSED, v.index);
        if (v.boxed)
            lo_cc_emit(c, OP_UNBOX);
    }
    lo_cc_one_value(c);
}

static void compile_if(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    int64_t n = lo_list_length(L, form);
    if (n < 3 || n > 4)
        lo_error(L, "PROGRAM-ERROR", "IF takes a test, a then and an "
                 "optional else form");
    lo_cc_compile_sub(c, lo_cc_second(L, form));
    lo_cc_emit_op16(c, OP_JUMP_IF_NIL, 0);
    uint32_t to_else = c->len - 2;
    lo_cc_compile(c, lo_cc_third(L, form));
    if (c->tail) {              /* what follows a tail form is a return */
        lo_cc_emit_return(c);
        lo_cc_patch16(c, to_else, c->len);
        lo_cc_compile(c, lo_car(L, lo_cdr(L, lo_cdr(L, lo_cdr(L, form)))));
        return;
    }
    lo_cc_emit_op16(c, OP_JUMP, 0);
    uint32_t to_end = c->len - 2;
    lo_cc_patch16(c, to_else, c->len);
    lo_cc_compile(c, lo_car(L, lo_cdr(L, lo_cdr(L, lo_cdr(L, form)))));
    lo_cc_patch16(c, to_end, c->len);
}

/* A name that may be bound or assigned as a variable. */
void lo_cc_check_variable_name(lo_lisp *L, lo_value name, const char *op)
{
    if (!lo_symbolp(name) || lo_eq(name, L->nil) || lo_eq(name, L->t) ||
        lo_keywordp(name))
        lo_error(L, "PROGRAM-ERROR", "%s: not a variable name", op);
    if (lo_constant_p(L, name)) {
        char text[64];
        lo_string_utf8(lo_symbol_name(name), text, sizeof text);
        lo_error(L, "PROGRAM-ERROR", "%s: %s names a constant", op, text);
    }
}

/* Assign a global variable.  Code compiled in a user environment that
 * assigns a system variable may change only this thread's binding of it
 * (lo_set_system_global checks when it runs). */
static void compile_set_global(struct compiler *c, lo_value cell)
{
    bool system = lo_cell_flags(cell) & CELL_SYSTEM;
    lo_cc_emit_op16(c, system && lo_in_user_env(c->L) ? OP_SET_SYSTEM_GLOBAL
                                                : OP_SET_GLOBAL,
              lo_cc_constant(c, cell));
}

/* (setq var form ...): a symbol macro as var becomes (setf expansion form). */
static void compile_setq(struct compiler *c, lo_value pairs)
{
    lo_lisp *L = c->L;
    if (lo_list_length(L, pairs) % 2)
        lo_error(L, "PROGRAM-ERROR", "SETQ needs an even number of forms");
    if (lo_null(L, pairs)) {
        lo_cc_emit_constant(c, L->nil);
        lo_cc_one_value(c);
    }
    for (; lo_consp(pairs); pairs = lo_cdr_raw(lo_cdr_raw(pairs))) {
        lo_value var = lo_car_raw(pairs), value = lo_car_raw(lo_cdr_raw(pairs));
        bool last = !lo_consp(lo_cdr_raw(lo_cdr_raw(pairs)));
        lo_cc_check_variable_name(L, var, "SETQ");
        struct var v = resolve(c, var);
        if (v.place == SYMBOL_MACRO) {
            lo_value setf = lo_cons(L, lo_intern(L, "SETF"),
                                    lo_cons(L, v.expansion,
                                            lo_cons(L, value, L->nil)));
            lo_cc_compile_in(c, setf, false, false);
        } else {
            lo_cc_compile_sub(c, value);
            if (v.place == GLOBAL)
                compile_set_global(c, lo_variable_cell(L, var, true));
            else if (v.place == LOCAL)
                lo_cc_emit_op16(c, v.boxed ? OP_SET_BOX_LOCAL : OP_SET_LOCAL, v.index);
            else if (v.boxed)
                lo_cc_emit_op16(c, OP_SET_BOX_CLOSED, v.index);
            else
                lo_error(L, "PROGRAM-ERROR", "internal: assignment to an "
                         "unboxed closed-over variable");
        }
        if (!last)
            lo_cc_emit(c, OP_POP);
    }
    lo_cc_one_value(c);
}

/*
 * Bind names[i] to the value in slot first+i, all at once: a special
 * variable (proclaimed, or declared special for this scope) gets a
 * dynamic binding and leaves its slot nameless; a lexical one names its
 * slot, boxed when the scope captures and assigns it.
 */
uint32_t lo_cc_bind_slots(struct compiler *c, const lo_value *names, uint32_t first,
                    uint32_t n, lo_value body, lo_value declared_special)
{
    lo_lisp *L = c->L;
    uint32_t dynamic = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (lo_special_p(L, names[i]) || lo_cc_member_eq(names[i], declared_special)) {
            lo_cc_emit_op16(c, OP_LOCAL, first + i);
            lo_cc_emit_op16(c, OP_BIND, lo_cc_constant(c, lo_variable_cell(L, names[i],
                                                                true)));
            dynamic++;
            continue;
        }
        c->local_name[first + i] = names[i];
        if (lo_cc_needs_box(c, body, names[i])) {
            c->local_boxed[first + i] = true;
            lo_cc_emit_op16(c, OP_BOX, first + i);
        }
    }
    return dynamic;
}

/* The body of a binding form, after `dynamic` special bindings: it must
 * come back to end them, so nothing in it is a tail call. */
void lo_cc_compile_bound_body(struct compiler *c, lo_value body, uint32_t dynamic)
{
    if (!dynamic) {
        lo_cc_compile_body(c, body);
        return;
    }
    bool tail = c->tail;
    c->tail = false;
    c->dyn_depth += dynamic;
    lo_cc_compile_body(c, body);
    c->dyn_depth -= dynamic;
    c->tail = tail;
    lo_cc_emit_op16(c, OP_UNBIND, dynamic);
}

static void compile_let(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value bindings = lo_cc_second(L, form), specials;
    lo_value body = lo_cc_skip_declarations(c, lo_cdr(L, lo_cdr(L, form)), false,
                                      &specials);
    uint32_t saved = c->nlocals;
    if (lo_list_length(L, bindings) < 0)
        lo_error(L, "PROGRAM-ERROR", "LET: malformed bindings");
    /* Values first, into slots the body will see; names come in after. */
    uint32_t first = c->nlocals, k = 0;
    lo_value names[MAX_LOCALS];
    for (lo_value b = bindings; lo_consp(b); b = lo_cdr_raw(b), k++) {
        lo_value binding = lo_car_raw(b);
        lo_value name = lo_consp(binding) ? lo_car_raw(binding) : binding;
        lo_cc_check_variable_name(L, name, "LET");
        if (k >= MAX_LOCALS - first)
            lo_error(L, "PROGRAM-ERROR", "too many local variables");
        names[k] = name;
        lo_cc_compile_sub(c, lo_consp(binding) ? lo_cc_second(L, binding) : L->nil);
        lo_cc_set_local_and_pop(c, lo_cc_new_local(c, L->nil));  /* nameless for now */
    }
    uint32_t dynamic = lo_cc_bind_slots(c, names, first, k, body, specials);
    lo_cc_compile_bound_body(c, body, dynamic);
    c->nlocals = saved;
}

/* (locally declaration* form*) */
static void compile_locally(struct compiler *c, lo_value form)
{
    lo_value specials;
    lo_cc_compile_body(c, lo_cc_skip_declarations(c, lo_cdr_raw(form), false, &specials));
}

/* ---- calls ------------------------------------------------------------------ */

static void compile_args(struct compiler *c, lo_value args, int64_t *n)
{
    lo_lisp *L = c->L;
    *n = lo_list_length(L, args);
    if (*n < 0)
        lo_error(L, "PROGRAM-ERROR", "a call's arguments are not a list");
    if (*n > 255)
        lo_error(L, "PROGRAM-ERROR", "more than 255 arguments in one call");
    for (; lo_consp(args); args = lo_cdr_raw(args))
        lo_cc_compile_sub(c, lo_car_raw(args));
}

/* The in-line op for a call of global sym with n arguments: when sym
 * names one of the system's primitives that the VM does in line (and
 * still holds it). */
static unsigned inline_op(struct compiler *c, lo_value sym, int64_t n)
{
    lo_value cell = lo_function_cell(c->L, sym, false);
    if (lo_null(c->L, cell) || !lo_typep(lo_cell_get(cell), LO_T_PRIMITIVE))
        return 0;
    const struct lo_primitive *p = lo_primitive_of(lo_cell_get(cell));
    return p ? lo_inline_op(p->name, (unsigned)n) : 0;
}

static void compile_call(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value head = lo_car_raw(form);
    bool tail = c->tail;
    int64_t n;
    lo_value macro, local = lo_symbolp(head) ? lo_cc_local_function(c, head, &macro)
                                             : 0;
    if (local) {
        lo_cc_load_variable(c, local, false);
    } else if (lo_consp(head) && lo_cc_is(L, lo_car_raw(head), "LAMBDA")) {
        lo_cc_compile_sub(c, head);
    } else if (!lo_symbolp(head)) {
        lo_error(L, "PROGRAM-ERROR", "illegal function call");
    }
    compile_args(c, lo_cdr_raw(form), &n);
    unsigned op = lo_symbolp(head) && !local ? inline_op(c, head, n) : 0;
    if (op) {
        lo_cc_emit_op16(c, op, lo_cc_constant(c, lo_function_cell(L, head, true)));
        lo_cc_one_value(c);
        return;
    }
    if (lo_symbolp(head) && !local) {
        lo_cc_emit_op16(c, tail ? OP_TAIL_CALL_GLOBAL : OP_CALL_GLOBAL,
                  lo_cc_constant(c, lo_function_cell(L, head, true)));
    } else {
        lo_cc_emit(c, tail ? OP_TAIL_CALL : OP_CALL);
    }
    lo_cc_emit(c, (unsigned)n);
}

/* (function name) and (function (lambda ...)) */
static void compile_function_form(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value what = lo_cc_second(L, form), macro;
    if (lo_consp(what) && lo_cc_is(L, lo_car_raw(what), "LAMBDA")) {
        lo_cc_compile(c, what);
        return;
    }
    if (lo_consp(what))                 /* (setf f): its hidden symbol */
        what = lo_function_symbol(L, what, true);
    if (!what || !lo_symbolp(what))
        lo_error(L, "PROGRAM-ERROR", "FUNCTION: not a function name");
    lo_value local = lo_cc_local_function(c, what, &macro);
    if (local)
        lo_cc_load_variable(c, local, false);
    else if (macro)
        lo_error(L, "PROGRAM-ERROR", "FUNCTION: a local macro is not a "
                 "function");
    else
        lo_cc_emit_op16(c, OP_FUNCTION, lo_cc_constant(c, lo_function_cell(L, what, true)));
    lo_cc_one_value(c);
}

/* ---- definitions ------------------------------------------------------------ */

static lo_value literal(struct compiler *c, lo_value x);

/* Emit a call of the system function named fn on the n constants args,
 * its value dropped. */
static void emit_system_call(struct compiler *c, const char *fn,
                             const lo_value *args, unsigned n)
{
    lo_lisp *L = c->L;
    for (unsigned i = 0; i < n; i++)
        lo_cc_emit_constant(c, args[i]);
    lo_cc_emit_op16(c, OP_CALL_GLOBAL, lo_cc_constant(c, lo_function_cell(
        L, lo_intern(L, fn), true)));
    lo_cc_emit(c, n);
    lo_cc_emit(c, OP_POP);
}

/* The documentation string of a body, as lo_cc_skip_declarations finds
 * it (a string among the leading declarations, with a form after it);
 * nil when there is none. */
static lo_value body_documentation(struct compiler *c, lo_value body)
{
    lo_lisp *L = c->L;
    for (; lo_consp(body); body = lo_cdr_raw(body)) {
        lo_value form = lo_car_raw(body);
        if (lo_typep(form, LO_T_STRING) && lo_consp(lo_cdr_raw(body)))
            return literal(c, form);
        if (!lo_consp(form) || !lo_cc_is(L, lo_car_raw(form), "DECLARE"))
            break;
    }
    return L->nil;
}

/* A variable's documentation string, when its definition has one
 * (documentation.c keeps it): (defvar name init "doc"). */
static void note_variable_documentation(struct compiler *c, lo_value name,
                                        lo_value doc_tail)
{
    lo_lisp *L = c->L;
    if (!lo_consp(doc_tail) || !lo_typep(lo_car_raw(doc_tail), LO_T_STRING))
        return;
    lo_value args[3] = { name, lo_intern(L, "VARIABLE"),
                         literal(c, lo_car_raw(doc_tail)) };
    emit_system_call(c, "%SET-DOCUMENTATION", args, 3);
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
    lo_value name = lo_cc_second(L, form), rest = lo_cdr(L, lo_cdr(L, form));
    lo_cc_check_variable_name(L, name, always ? "DEFPARAMETER" : "DEFVAR");
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
        lo_cc_compile_sub(c, set);
        lo_cc_emit(c, OP_POP);
        note_variable_documentation(c, name, lo_cdr_raw(rest));
    }
    lo_cc_emit_constant(c, name);
    lo_cc_one_value(c);
}

/* A definition going into cell: true when the current environment may
 * make it.  Otherwise the code signals the ENVIRONMENT-ERROR when the
 * definition runs -- not now, so that a handler around it (or code that
 * never runs it) is not bypassed -- and the caller compiles no definition. */
static bool check_definition(struct compiler *c, lo_value cell, const char *op)
{
    lo_lisp *L = c->L;
    if (lo_definable_p(L, lo_current_env(L), cell))
        return true;
    lo_cc_emit_constant(c, cell);
    lo_cc_emit_constant(c, lo_make_string(L, op, strlen(op)));
    lo_cc_emit_op16(c, OP_CALL_GLOBAL, lo_cc_constant(c, lo_function_cell(
        L, lo_intern(L, "%CHECK-DEFINABLE"), true)));
    lo_cc_emit(c, 2);
    lo_cc_emit(c, OP_POP);
    return false;
}

/* (defconstant name value [doc]): the global value, then the name is a
 * constant -- marked while compiling, so the rest of the unit may not
 * bind or assign it.  Redefining it with an EQL value is allowed. */
static void compile_defconstant(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value name = lo_cc_second(L, form);
    if (!lo_symbolp(name) || lo_null(L, name) || lo_eq(name, L->t) ||
        lo_keywordp(name))
        lo_error(L, "PROGRAM-ERROR", "DEFCONSTANT: not a variable name");
    lo_value cell = lo_variable_cell(L, name, true);
    if (!check_definition(c, cell, "DEFCONSTANT")) {
        lo_cc_emit_constant(c, name);     /* not reached: the check signals */
        lo_cc_one_value(c);
        return;
    }
    lo_cc_compile_sub(c, lo_cc_third(L, form));
    lo_cc_emit_op16(c, OP_CONSTANT_INIT, lo_cc_constant(c, cell));
    lo_cell_add_flags(cell, CELL_CONSTANT);
    lo_cc_emit(c, OP_POP);
    note_variable_documentation(c, name, lo_cdr(L, lo_cdr(L, lo_cdr(L, form))));
    lo_cc_emit_constant(c, name);
    lo_cc_one_value(c);
}

/* (defun name lambda-list . body) and (defmacro ...): the function goes
 * into the name's function or macro cell; the form's value is the name.
 * The body is a block named name.  A function named (setf f) goes into
 * the cell of f's hidden setf symbol (lo_function_symbol); its block is
 * named f.  Its lambda list and documentation string are recorded for
 * DOCUMENTATION and DESCRIBE (documentation.c). */
static void compile_definition(struct compiler *c, lo_value form, bool macro)
{
    lo_lisp *L = c->L;
    lo_value given = lo_cc_second(L, form), name = given;
    if (!macro && lo_consp(given)) {
        name = lo_function_symbol(L, given, true);
        if (!name)
            lo_error(L, "PROGRAM-ERROR", "DEFUN: not a function name");
    }
    if (!lo_symbolp(name) || lo_null(L, name))
        lo_error(L, "PROGRAM-ERROR", "%s", macro
                 ? "DEFMACRO: not a macro name" : "DEFUN: not a function name");
    lo_value rest = lo_cdr(L, lo_cdr(L, form)), specials;
    lo_value body = lo_cdr(L, rest);
    lo_value forms = lo_cc_skip_declarations(c, body, true, &specials);
    /* (declarations... (block name forms...)) */
    lo_value block_name = lo_consp(given) ? lo_cc_second(L, given) : name;
    lo_value block = lo_cons(L, lo_intern(L, "BLOCK"),
                             lo_cons(L, block_name, forms));
    lo_value decls = L->nil, *tail = &decls;
    for (lo_value b = body; b != forms; b = lo_cdr_raw(b)) {
        *tail = lo_cons(L, lo_car_raw(b), L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    *tail = lo_cons(L, block, L->nil);
    lo_value cell = macro ? lo_macro_cell(L, name, true)
                          : lo_function_cell(L, name, true);
    if (check_definition(c, cell, macro ? "DEFMACRO" : "DEFUN")) {
        lo_cc_compile_function(c, name, lo_car(L, rest), decls, macro);
        lo_cc_emit_op16(c, OP_DEFINE, lo_cc_constant(c, cell));
        lo_cc_emit(c, OP_POP);
        lo_value note[3] = { given, lo_car(L, rest),
                             body_documentation(c, body) };
        emit_system_call(c, "%NOTE-DEFINITION", note, 3);
    }
    lo_cc_emit_constant(c, given);
    lo_cc_one_value(c);
}

/* (eval-when (situation*) form*): run now only for :execute (or eval). */
static void compile_eval_when(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    bool execute = false;
    for (lo_value s = lo_cc_second(L, form); lo_consp(s); s = lo_cdr_raw(s))
        execute |= lo_eq(lo_car_raw(s), lo_intern_keyword(L, "EXECUTE")) ||
                   lo_cc_is(L, lo_car_raw(s), "EVAL");
    if (execute) {
        lo_cc_compile_body(c, lo_cdr(L, lo_cdr(L, form)));
    } else {
        lo_cc_emit_constant(c, L->nil);
        lo_cc_one_value(c);
    }
}

/* (load-time-value form [read-only-p]): form is evaluated once, when the
 * code is compiled (compiling is loading here), and becomes a constant. */
static void compile_load_time_value(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value fn = lo_compile_toplevel(L, lo_cc_second(L, form));
    lo_cc_emit_constant(c, lo_vm_apply(L, fn, NULL, 0));
    lo_cc_one_value(c);
}

/* ---- macros -------------------------------------------------------------------- */

/* The macro function sym names where compiler c is: a local macro, or a
 * global one unless a local function shadows it; nil when none. */
lo_value lo_cc_macro_function_in(struct compiler *c, lo_value sym)
{
    if (!lo_symbolp(sym))
        return c->L->nil;
    lo_value macro;
    if (lo_cc_local_function(c, sym, &macro))
        return c->L->nil;
    if (macro)
        return macro;
    return lo_macro_function(c->L, sym);
}

/*
 * The environment a macro receives (its &environment argument) is the
 * nesting level of the compiler expanding it, as a fixnum: MACROEXPAND-1
 * given it sees that compiler's local macros and symbol macros.  It is
 * good while that compilation runs -- the extent Common Lisp gives
 * environment objects; a level no compilation is at any more is the
 * global environment.
 */
static lo_value environment_of(struct compiler *c)
{
    for (int level = 0; level < c->L->compile_depth; level++)
        if (c->L->compilers[level] == c)
            return lo_fixnum(level);
    return c->L->nil;
}

static struct compiler *compiler_of(lo_lisp *L, lo_value env)
{
    if (!lo_fixnump(env))
        return NULL;
    int64_t level = lo_fixnum_value(env);
    return level >= 0 && level < L->compile_depth ? L->compilers[level] : NULL;
}

/* The expansion of a symbol macro sym seen from c, or 0 (a variable of
 * that name shadows it). */
static lo_value symbol_macro_in(struct compiler *c, lo_value sym)
{
    for (struct compiler *k = c; k; k = k->parent) {
        int slot = find_local(k, sym);
        if (slot >= 0)
            return k->local_symbol_macro[slot] ? k->local_expansion[slot] : 0;
    }
    return 0;
}

/* A call of a global function with a compiler macro (DEFINE-COMPILER-MACRO)
 * becomes what the compiler macro returns, unless that is the form
 * itself (it declined). */
static lo_value compiler_macro_expand(struct compiler *c, lo_value form,
                                      bool *expanded)
{
    lo_lisp *L = c->L;
    lo_value head = lo_car_raw(form), macro;
    *expanded = false;
    if (!lo_symbolp(head) || lo_cc_local_function(c, head, &macro))
        return form;
    lo_value cell = lo_env_cell(L, lo_current_env(L), ENV_COMPILER_MACROS,
                                head, false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        return form;
    lo_value args[2] = { form, environment_of(c) };
    lo_value expansion = lo_vm_apply(L, lo_cell_get(cell), args, 2);
    *expanded = !lo_eq(expansion, form);
    return expansion;
}

lo_value lo_cc_expand_1(struct compiler *c, lo_value form, bool *expanded)
{
    *expanded = false;
    if (!lo_consp(form))
        return form;
    lo_value fn = lo_cc_macro_function_in(c, lo_car_raw(form));
    if (lo_null(c->L, fn))
        return form;
    *expanded = true;
    lo_value args[2] = { form, environment_of(c) };
    return lo_vm_apply(c->L, fn, args, 2);
}

lo_value lo_macroexpand_1(lo_lisp *L, lo_value form, lo_value env,
                          bool *expanded)
{
    *expanded = false;
    struct compiler *c = compiler_of(L, env);
    if (c && lo_symbolp(form)) {
        lo_value expansion = symbol_macro_in(c, form);
        *expanded = expansion != 0;
        return expansion ? expansion : form;
    }
    if (c)
        return lo_cc_expand_1(c, form, expanded);
    if (lo_symbolp(form)) {             /* a global symbol macro */
        lo_value cell = lo_env_cell(L, lo_current_env(L), ENV_SYMBOL_MACROS,
                                    form, false);
        if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
            return form;
        *expanded = true;
        return lo_cell_get(cell);
    }
    if (!lo_consp(form))
        return form;
    lo_value fn = lo_macro_function(L, lo_car_raw(form));
    if (lo_null(L, fn))
        return form;
    *expanded = true;
    lo_value args[2] = { form, L->nil };
    return lo_vm_apply(L, fn, args, 2);
}

/* ---- the special forms -------------------------------------------------------- */

typedef void special_form_fn(struct compiler *c, lo_value form);

/* A literal string or vector (quoted, or self-evaluating) of the system
 * code (the boot files) is constant: the code gets it without the write
 * bit, so that no user can change what every user sees (an error
 * message, say; Common Lisp leaves modifying a literal undefined).  The
 * literals of code compiled later keep their bits, as SBCL lets a
 * program change its own literals.  The object itself is untouched:
 * whoever holds it otherwise keeps their bits.  Only the literal itself:
 * what a quoted list holds is not copied, and conses carry no bits
 * (docs/lisp.md, "Capabilities"). */
static lo_value literal(struct compiler *c, lo_value x)
{
    if (c->L->W->booting && (lo_typep(x, LO_T_STRING) ||
                             lo_typep(x, LO_T_VECTOR) ||
                             lo_typep(x, LO_T_BYTES)))
        return x & ~((lo_value)LO_ACCESS_WRITE << LO_ACCESS_SHIFT);
    return x;
}

static void sf_quote(struct compiler *c, lo_value form)
{
    lo_cc_emit_constant(c, literal(c, lo_cc_second(c->L, form)));
    lo_cc_one_value(c);
}
static void sf_progn(struct compiler *c, lo_value form)
{
    lo_cc_compile_body(c, lo_cdr_raw(form));
}
static void sf_setq(struct compiler *c, lo_value form)
{
    compile_setq(c, lo_cdr_raw(form));
}
static void sf_lambda(struct compiler *c, lo_value form)
{
    lo_cc_compile_function(c, c->L->nil, lo_cc_second(c->L, form),
                     lo_cdr(c->L, lo_cdr(c->L, form)), false);
    lo_cc_one_value(c);
}
static void sf_defun(struct compiler *c, lo_value form)
{
    compile_definition(c, form, false);
}
static void sf_defmacro(struct compiler *c, lo_value form)
{
    compile_definition(c, form, true);
}
static void sf_defvar(struct compiler *c, lo_value form)
{
    compile_defvar(c, form, false);
}
static void sf_defparameter(struct compiler *c, lo_value form)
{
    compile_defvar(c, form, true);
}
static void sf_quasiquote(struct compiler *c, lo_value form)
{
    lo_cc_compile(c, lo_quasiquote(c->L, lo_cc_second(c->L, form)));
}
static void sf_the(struct compiler *c, lo_value form)
{
    lo_cc_compile(c, lo_cc_third(c->L, form));
}
static void sf_flet(struct compiler *c, lo_value form)
{
    lo_cc_compile_flet(c, form, false);
}
static void sf_labels(struct compiler *c, lo_value form)
{
    lo_cc_compile_flet(c, form, true);
}

static const struct {
    const char *name;
    special_form_fn *lo_cc_compile;
} special_forms[] = {
    { "QUOTE", sf_quote },
    { "IF", compile_if },
    { "PROGN", sf_progn },
    { "SETQ", sf_setq },
    { "LET", compile_let },
    { "LAMBDA", sf_lambda },
    { "FUNCTION", compile_function_form },
    { "BLOCK", lo_cc_compile_block },
    { "RETURN-FROM", lo_cc_compile_return_from },
    { "TAGBODY", lo_cc_compile_tagbody },
    { "GO", lo_cc_compile_go },
    { "CATCH", lo_cc_compile_catch },
    { "THROW", lo_cc_compile_throw },
    { "UNWIND-PROTECT", lo_cc_compile_unwind_protect },
    { "MULTIPLE-VALUE-CALL", lo_cc_compile_mv_call },
    { "MULTIPLE-VALUE-PROG1", lo_cc_compile_mv_prog1 },
    { "MULTIPLE-VALUE-BIND", lo_cc_compile_mv_bind },
    { "FLET", sf_flet },
    { "LABELS", sf_labels },
    { "MACROLET", lo_cc_compile_macrolet },
    { "SYMBOL-MACROLET", lo_cc_compile_symbol_macrolet },
    { "THE", sf_the },
    { "LOCALLY", compile_locally },
    { "EVAL-WHEN", compile_eval_when },
    { "LOAD-TIME-VALUE", compile_load_time_value },
    { "DEFUN", sf_defun },
    { "DEFMACRO", sf_defmacro },
    { "DEFVAR", sf_defvar },
    { "DEFPARAMETER", sf_defparameter },
    { "DEFCONSTANT", compile_defconstant },
    { "QUASIQUOTE", sf_quasiquote },
};

bool lo_special_form_p(lo_lisp *L, lo_value sym)
{
    for (size_t i = 0; i < sizeof special_forms / sizeof special_forms[0]; i++)
        if (lo_cc_is(L, sym, special_forms[i].name))
            return true;
    return false;
}

static void compile_cons(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value head = lo_car_raw(form), macro;
    if (lo_symbolp(head) && !lo_cc_local_function(c, head, &macro)) {
        for (size_t i = 0; i < sizeof special_forms / sizeof special_forms[0];
             i++)
            if (lo_cc_is(L, head, special_forms[i].name)) {
                special_forms[i].lo_cc_compile(c, form);
                return;
            }
    }
    bool expanded;
    lo_value expansion = lo_cc_expand_1(c, form, &expanded);
    if (!expanded)
        expansion = compiler_macro_expand(c, form, &expanded);
    if (expanded)
        lo_cc_compile(c, expansion);
    else
        compile_call(c, form);
}

void lo_cc_compile(struct compiler *c, lo_value form)
{
    if (++c->depth > MAX_DEPTH)
        lo_error(c->L, "PROGRAM-ERROR", "form nested deeper than %d",
                 MAX_DEPTH);
    if (lo_symbolp(form)) {
        compile_symbol(c, form);
    } else if (lo_consp(form)) {
        compile_cons(c, form);
    } else {                            /* self-evaluating */
        lo_cc_emit_constant(c, literal(c, form));
        lo_cc_one_value(c);
    }
    c->depth--;
}

/* ---- compilers: one per function ------------------------------------------ */

/* Build the code and function objects from a finished compiler: the
 * code keeps source (compile_lambda.c, code_source) in a 7th value word,
 * or has none when source is 0. */
lo_value lo_cc_finish(struct compiler *c, lo_value name, uint32_t arity,
                      lo_value source)
{
    lo_lisp *L = c->L;
    lo_value consts = lo_make_vector(L, c->nconstants, L->nil);
    uint32_t i = c->nconstants;
    for (lo_value l = c->constants; lo_consp(l); l = lo_cdr_raw(l))
        lo_ptr(consts)[2 + --i] = lo_car_raw(l);
    unsigned values = source ? CODE_WORDS_SOURCE : CODE_WORDS_BARE;
    uint64_t *code = lo_alloc_raw(L, LO_T_CODE, 1 + values + (c->len + 7) / 8,
                                  values);
    code[CODE_LENGTH] = lo_fixnum(c->len);
    code[CODE_CONSTANTS] = consts;
    code[CODE_ARITY] = lo_fixnum(arity);
    code[CODE_FRAME] = lo_fixnum(c->frame_size);
    code[CODE_NAME] = name;
    code[CODE_ENV] = lo_current_env(L);
    if (source)
        code[CODE_SOURCE] = source;
    memcpy(code + 1 + values, c->code, c->len);
    uint64_t *fn = lo_alloc_object(L, LO_T_FUNCTION, FN_WORDS);
    fn[FN_CODE] = lo_make_object(code);
    fn[FN_ENV] = L->nil;
    return lo_make_object(fn);
}

/*
 * The compiler's state is C memory, one per nesting level (a lambda inside
 * a lambda, a compile inside a macro expansion), kept in the lo_lisp and
 * reused: an error (a longjmp out) then leaks nothing, and the landing
 * restores the depth.
 */
struct compiler *lo_cc_enter_compiler(lo_lisp *L, struct compiler *parent)
{
    int level = L->compile_depth;
    if (level >= 64)
        lo_error(L, "PROGRAM-ERROR", "lambdas nested too deeply");
    if (!L->compilers[level]) {
        L->compilers[level] = lo_mem_alloc(sizeof(struct compiler));
        if (!L->compilers[level])
            lo_error(L, "STORAGE-CONDITION", "out of memory compiling");
    }
    struct compiler *c = L->compilers[level];
    L->compile_depth++;
    c->L = L;
    c->len = 0;
    c->constants = L->nil;
    c->nconstants = c->nlocals = c->frame_size = 0;
    c->depth = 0;
    c->tail = c->mv = false;
    c->parent = parent;
    c->nfree = 0;
    c->dynamic_binds = c->dyn_depth = 0;
    c->nfns = 0;
    c->exits = NULL;
    c->ncatch = 0;
    c->declared_specials = L->nil;
    c->label_at_end = false;
    c->last_op_at = 0;
    return c;
}

void lo_cc_leave_compiler(lo_lisp *L)
{
    L->compile_depth--;
}

/* Macros run inside the compiler while it holds values on the C stack:
 * no collection until it is done (an error restores the count). */
lo_value lo_compile_toplevel(lo_lisp *L, lo_value form)
{
    lo_gc_inhibit(L);
    struct compiler *c = lo_cc_enter_compiler(L, NULL);
    lo_cc_compile_in(c, form, true, true);
    lo_cc_emit_return(c);
    /* a top-level form's thunk runs once and is dropped: no source */
    lo_value fn = lo_cc_finish(c, L->nil, 0, 0);
    lo_cc_leave_compiler(L);
    lo_gc_allow(L);
    return fn;
}
