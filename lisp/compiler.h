/*
 * compiler.h -- what the files of the trusted compiler share.
 *
 *   compiler.c         the driver: contexts, variables, calls, LET, SETQ,
 *                      definitions, macros, the table of special forms
 *   compile_lambda.c   functions: lambda lists, prologues, closures
 *   compile_scan.c     the scans that decide, before a scope is compiled,
 *                      whether a variable needs a box and whether a block
 *                      or tagbody is left from a closure
 *   compile_control.c  BLOCK, RETURN-FROM, TAGBODY, GO, CATCH, THROW,
 *                      UNWIND-PROTECT and the multiple-value forms
 *   compile_local.c    FLET, LABELS, MACROLET, SYMBOL-MACROLET
 *
 * One struct compiler per function being compiled; a lambda inside it
 * gets its own, whose parent is the enclosing one.  The compiler runs
 * with collection inhibited, so it may hold values in C memory.
 */
#ifndef LO_LISP_COMPILER_H
#define LO_LISP_COMPILER_H

#include "lisp/bytecode.h"
#include "lisp/internal.h"

enum { MAX_CODE = 65535, MAX_CONSTANTS = 65535, MAX_LOCALS = 1024,
       MAX_FREE = 255, MAX_DEPTH = 500, MAX_FUNCTIONS = 256,
       MAX_CATCH_DEPTH = 256, MAX_TAGS = 256 };

/*
 * A BLOCK or TAGBODY being compiled.  A RETURN-FROM or GO in the same
 * function with no UNWIND-PROTECT in between is a jump (after cutting the
 * stack, ending dynamic bindings and dropping catch entries made since);
 * one from a closure, or across an UNWIND-PROTECT, throws to the entry the
 * construct then pushes, identified by a hidden variable (`id`).
 */
struct exit_point {
    struct exit_point *outer;
    bool tagbody;
    lo_value name;                  /* a block's name */
    lo_value *tags;                 /* a tagbody's tags */
    uint32_t ntags;
    uint32_t *labels;               /* their addresses (0: not reached yet) */
    uint32_t *chains;               /* jumps waiting for an address, per
                                       tag or (a block) for the end */
    lo_value id;                    /* the hidden variable's name, or 0 */
    uint32_t sp_slot;               /* the stack height at entry */
    uint32_t catch_depth;           /* catch entries in force at the target */
    uint32_t dyn_depth;             /* dynamic bindings in force there */
    bool mv;                        /* a block whose values are wanted */
};

struct compiler {
    lo_lisp *L;
    unsigned char code[MAX_CODE];
    uint32_t len;
    bool label_at_end;              /* a jump lands at code[len] */
    uint32_t last_op_at;            /* where the last OP_MV1 went */
    lo_value constants;             /* list, newest first */
    uint32_t nconstants;
    /* frame slots: variables, temporaries, symbol macros */
    lo_value local_name[MAX_LOCALS];
    bool local_boxed[MAX_LOCALS];
    bool local_symbol_macro[MAX_LOCALS];
    lo_value local_expansion[MAX_LOCALS];
    uint32_t nlocals, frame_size;
    int depth;
    bool tail;                      /* the form's value is the function's */
    bool mv;                        /* all of the form's values are wanted */
    struct compiler *parent;        /* the enclosing lambda's, or NULL */
    lo_value free_name[MAX_FREE];   /* closure slots: outer variables used */
    bool free_boxed[MAX_FREE];
    uint32_t nfree;
    uint32_t dynamic_binds;         /* special parameters the prologue bound */
    uint32_t dyn_depth;             /* dynamic bindings of LETs in force */
    /* the lexical function namespace: an FLET or LABELS function lives in
     * a hidden variable (fn_var); a MACROLET macro is a function object */
    lo_value fn_name[MAX_FUNCTIONS], fn_var[MAX_FUNCTIONS],
             fn_macro[MAX_FUNCTIONS];
    uint32_t nfns;
    struct exit_point *exits;       /* innermost block or tagbody */
    lo_value declared_specials;     /* parameters declared special */
    uint32_t ncatch;                /* catch entries this code has pushed */
    bool catch_cleanup[MAX_CATCH_DEPTH];
};

/* ---- compiler.c ---- */
void lo_cc_emit(struct compiler *c, unsigned byte);
void lo_cc_emit16(struct compiler *c, unsigned v);
void lo_cc_emit_op16(struct compiler *c, unsigned op, unsigned operand);
void lo_cc_patch16(struct compiler *c, uint32_t at, unsigned v);
void lo_cc_emit_return(struct compiler *c);
unsigned lo_cc_constant(struct compiler *c, lo_value v);
void lo_cc_emit_constant(struct compiler *c, lo_value v);
bool lo_cc_is(lo_lisp *L, lo_value v, const char *name);
lo_value lo_cc_second(lo_lisp *L, lo_value form);
lo_value lo_cc_third(lo_lisp *L, lo_value form);

void lo_cc_compile(struct compiler *c, lo_value form);
void lo_cc_compile_in(struct compiler *c, lo_value form, bool tail, bool mv);
void lo_cc_compile_sub(struct compiler *c, lo_value form);
void lo_cc_compile_body(struct compiler *c, lo_value body);
void lo_cc_one_value(struct compiler *c);

uint32_t lo_cc_new_local(struct compiler *c, lo_value name);
uint32_t lo_cc_temp_local(struct compiler *c);
void lo_cc_set_local_and_pop(struct compiler *c, uint32_t slot);
/* Push the value of a (possibly outer) variable, or its box. */
void lo_cc_load_variable(struct compiler *c, lo_value name, bool raw_box);
/* Bind the names to the values already in slots first..first+n-1, as LET
 * does; returns how many were dynamic bindings. */
uint32_t lo_cc_bind_slots(struct compiler *c, const lo_value *names, uint32_t first,
                    uint32_t n, lo_value body, lo_value declared_special);
/* Leading declarations of a body: skipped; names declared special are
 * returned in *specials.  A documentation string is skipped too when
 * doc is true. */
lo_value lo_cc_skip_declarations(struct compiler *c, lo_value body, bool doc,
                           lo_value *specials);
/* The body of a binding form that made `dynamic` special bindings: not
 * in tail position, and ending them. */
void lo_cc_compile_bound_body(struct compiler *c, lo_value body, uint32_t dynamic);
lo_value lo_cc_macro_function_in(struct compiler *c, lo_value sym);
lo_value lo_cc_expand_1(struct compiler *c, lo_value form, bool *expanded);

bool lo_cc_member_eq(lo_value x, lo_value list);
/* A name that may be bound or assigned as a variable (else an error). */
void lo_cc_check_variable_name(lo_lisp *L, lo_value name, const char *op);
/* One compiler per function being compiled (compilers are reused C
 * memory), and the function object made from a finished one. */
struct compiler *lo_cc_enter_compiler(lo_lisp *L, struct compiler *parent);
void lo_cc_leave_compiler(lo_lisp *L);
lo_value lo_cc_finish(struct compiler *c, lo_value name, uint32_t arity,
                      lo_value source);

/* ---- compile_lambda.c ---- */
void lo_cc_compile_function(struct compiler *c, lo_value name, lo_value params,
                      lo_value body, bool macro);
uint32_t lo_cc_compile_closure(struct compiler *c, lo_value name, lo_value params,
                         lo_value body, bool macro, lo_value *free_names);
/* A function object for a lambda with no outer variables (MACROLET). */
lo_value lo_cc_compile_detached_lambda(struct compiler *c, lo_value name,
                                 lo_value params, lo_value body, bool macro);

/* ---- compile_scan.c ---- */
bool lo_cc_needs_box(struct compiler *c, lo_value scope, lo_value name);
/* Whether a RETURN-FROM name (GO to one of tags) occurs in scope, and
 * whether one is inside a closure or an UNWIND-PROTECT (*far). */
bool lo_cc_block_used(struct compiler *c, lo_value scope, lo_value name, bool *far);
bool lo_cc_tags_used(struct compiler *c, lo_value scope, lo_value tags, bool *far);

/* ---- compile_control.c ---- */
void lo_cc_compile_block(struct compiler *c, lo_value form);
void lo_cc_compile_return_from(struct compiler *c, lo_value form);
void lo_cc_compile_tagbody(struct compiler *c, lo_value form);
void lo_cc_compile_go(struct compiler *c, lo_value form);
void lo_cc_compile_catch(struct compiler *c, lo_value form);
void lo_cc_compile_throw(struct compiler *c, lo_value form);
void lo_cc_compile_unwind_protect(struct compiler *c, lo_value form);
void lo_cc_compile_mv_call(struct compiler *c, lo_value form);
void lo_cc_compile_mv_prog1(struct compiler *c, lo_value form);
void lo_cc_compile_mv_bind(struct compiler *c, lo_value form);

/* ---- compile_local.c ---- */
void lo_cc_compile_flet(struct compiler *c, lo_value form, bool labels);
void lo_cc_compile_macrolet(struct compiler *c, lo_value form);
void lo_cc_compile_symbol_macrolet(struct compiler *c, lo_value form);
/* The hidden variable of a local function sym, or 0 when none is in
 * scope (a local macro of that name shadows too: *macro gets it). */
lo_value lo_cc_local_function(struct compiler *c, lo_value sym, lo_value *macro);

#endif
