/*
 * compile_control.c -- BLOCK, RETURN-FROM, TAGBODY, GO, CATCH, THROW,
 * UNWIND-PROTECT, and the multiple-value forms.
 *
 * A block or tagbody records where its code starts (the stack height, in
 * a hidden slot), so that a RETURN-FROM or GO from within the same
 * function is a jump: cut the stack back, end the dynamic bindings and
 * drop the catch entries made since, jump.  When the scan finds an exit
 * from inside a closure or an UNWIND-PROTECT, the construct also pushes a
 * catch entry whose tag is a fresh identity kept in a hidden variable the
 * closures capture; such an exit throws to it (control.c), running
 * cleanups on the way, and fails cleanly once the extent has ended.
 *
 * Jumps to an address not yet known are chained through their own
 * operands (0 ends a chain) and patched when it is.
 */
#include "lisp/compiler.h"

/* ---- jump chains ---- */

static void emit_chained_jump(struct compiler *c, uint32_t *chain)
{
    lo_cc_emit_op16(c, OP_JUMP, *chain);
    *chain = c->len - 2;
}

static void patch_chain(struct compiler *c, uint32_t chain, uint32_t to)
{
    while (chain) {
        uint32_t next = (uint32_t)c->code[chain] | (uint32_t)c->code[chain + 1] << 8;
        lo_cc_patch16(c, chain, to);
        chain = next;
    }
}

/* ---- leaving a block or tagbody ---- */

/*
 * Whether an exit from c to x can be a jump: same function, and no
 * UNWIND-PROTECT entered since x.
 */
static bool near_exit(struct compiler *c, struct exit_point *x)
{
    for (struct exit_point *e = c->exits; e; e = e->outer)
        if (e == x) {
            for (uint32_t i = x->catch_depth; i < c->ncatch; i++)
                if (c->catch_cleanup[i])
                    return false;
            return true;
        }
    return false;
}

/* Undo what was entered since x (its own entry too for a block), keeping
 * the value on top when keep_value. */
static void cut_to(struct compiler *c, struct exit_point *x, bool keep_value)
{
    if (c->dyn_depth > x->dyn_depth)
        lo_cc_emit_op16(c, OP_UNBIND, c->dyn_depth - x->dyn_depth);
    if (c->ncatch > x->catch_depth) {
        lo_cc_emit(c, OP_UNCATCH);
        lo_cc_emit(c, c->ncatch - x->catch_depth);
    }
    lo_cc_emit_op16(c, keep_value ? OP_RESTORE_SP : OP_SET_SP, x->sp_slot);
}

/* Find the block or tagbody an exit names, in c or an enclosing lambda. */
static struct exit_point *find_exit(struct compiler *c, bool tagbody,
                                    lo_value name, uint32_t *tag_index)
{
    for (struct compiler *k = c; k; k = k->parent)
        for (struct exit_point *x = k->exits; x; x = x->outer) {
            if (x->tagbody != tagbody)
                continue;
            if (!tagbody && lo_eq(x->name, name))
                return x;
            for (uint32_t i = 0; tagbody && i < x->ntags; i++)
                if (lo_eql(x->tags[i], name)) {
                    *tag_index = i;
                    return x;
                }
        }
    return NULL;
}

/* Push an entry for x, tagged with a fresh identity kept in x's hidden
 * variable; returns where to patch the address it lands at. */
static uint32_t push_entry(struct compiler *c, struct exit_point *x,
                           unsigned op)
{
    uint32_t slot = lo_cc_new_local(c, x->id);
    lo_cc_emit_op16(c, OP_EXIT_ID, slot);
    lo_cc_emit_op16(c, OP_LOCAL, slot);
    lo_cc_emit_op16(c, op, 0);
    if (c->ncatch >= MAX_CATCH_DEPTH)
        lo_error(c->L, "PROGRAM-ERROR", "catch forms nested too deeply");
    c->catch_cleanup[c->ncatch++] = false;
    return c->len - 2;
}

static void start_exit_point(struct compiler *c, struct exit_point *x)
{
    x->outer = c->exits;
    x->catch_depth = c->ncatch;
    x->dyn_depth = c->dyn_depth;
    x->sp_slot = lo_cc_temp_local(c);
    lo_cc_emit_op16(c, OP_SAVE_SP, x->sp_slot);
}

/* ---- BLOCK and RETURN-FROM ---- */

void lo_cc_compile_block(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value name = lo_cc_second(L, form), body = lo_cdr(L, lo_cdr(L, form));
    if (!lo_symbolp(name))
        lo_error(L, "PROGRAM-ERROR", "BLOCK: the name is not a symbol");
    bool far;
    if (!lo_cc_block_used(c, body, name, &far)) {
        lo_cc_compile_body(c, body);
        return;
    }
    uint32_t saved = c->nlocals, chain = 0;
    struct exit_point x = { .name = name, .chains = &chain, .mv = c->mv };
    start_exit_point(c, &x);
    uint32_t landing = 0;
    if (far) {
        x.id = lo_cons(L, L->nil, L->nil);     /* a name nothing else has */
        landing = push_entry(c, &x, OP_CATCH);
    }
    c->exits = &x;
    lo_cc_compile_in(c, lo_cons(L, lo_intern(L, "PROGN"), body), c->tail && !far,
               c->mv);
    c->exits = x.outer;
    if (far) {
        lo_cc_emit(c, OP_UNCATCH);
        lo_cc_emit(c, 1);
        c->ncatch--;
        lo_cc_patch16(c, landing, c->len);
    }
    patch_chain(c, chain, c->len);
    c->nlocals = saved;
}

void lo_cc_compile_return_from(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value name = lo_cc_second(L, form), value = lo_cc_third(L, form);
    struct exit_point *x = find_exit(c, false, name, NULL);
    if (!x) {
        char text[64];
        lo_string_utf8(lo_symbol_name(name), text, sizeof text);
        lo_error(L, "PROGRAM-ERROR", "RETURN-FROM: no block named %s is "
                 "visible", text);
    }
    if (near_exit(c, x)) {
        lo_cc_compile_in(c, value, false, x->mv);
        cut_to(c, x, true);
        emit_chained_jump(c, x->chains);
        return;
    }
    if (!x->id)
        lo_error(L, "PROGRAM-ERROR", "internal: RETURN-FROM from afar to a "
                 "block without an entry");
    lo_cc_load_variable(c, x->id, false);
    lo_cc_compile_in(c, value, false, true);
    lo_cc_emit(c, OP_THROW);
}

/* ---- TAGBODY and GO ---- */

void lo_cc_compile_tagbody(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value body = lo_cdr_raw(form), tag_list = L->nil;
    lo_value tags[MAX_TAGS];
    uint32_t labels[MAX_TAGS], chains[MAX_TAGS], ntags = 0;
    for (lo_value b = body; lo_consp(b); b = lo_cdr_raw(b)) {
        lo_value item = lo_car_raw(b);
        if (lo_consp(item))
            continue;
        if (ntags == MAX_TAGS)
            lo_error(L, "PROGRAM-ERROR", "TAGBODY: more than %d tags", MAX_TAGS);
        tags[ntags] = item;
        labels[ntags] = chains[ntags] = 0;
        ntags++;
        tag_list = lo_cons(L, item, tag_list);
    }
    bool far = false;
    bool used = ntags && lo_cc_tags_used(c, body, tag_list, &far);
    uint32_t saved = c->nlocals, landing = 0;
    struct exit_point x = { .tagbody = true, .tags = tags, .ntags = ntags,
                            .labels = labels, .chains = chains };
    if (used) {
        start_exit_point(c, &x);
        if (far) {
            x.id = lo_cons(L, L->nil, L->nil);
            landing = push_entry(c, &x, OP_TAGBODY);
            x.catch_depth = c->ncatch;          /* a GO stays inside */
        }
        c->exits = &x;
    }
    uint32_t tag = 0;
    for (lo_value b = body; lo_consp(b); b = lo_cdr_raw(b)) {
        lo_value item = lo_car_raw(b);
        if (lo_consp(item)) {
            lo_cc_compile_sub(c, item);
            lo_cc_emit(c, OP_POP);
        } else {
            labels[tag++] = c->len;
        }
    }
    if (used) {
        c->exits = x.outer;
        if (far) {
            /* A far GO lands with the tag's index: dispatch on it. */
            lo_cc_emit(c, OP_UNCATCH);
            lo_cc_emit(c, 1);
            c->ncatch--;
            lo_cc_emit_op16(c, OP_JUMP, 0);
            uint32_t over = c->len - 2;
            lo_cc_patch16(c, landing, c->len);
            lo_cc_emit(c, OP_JUMP_TABLE);
            lo_cc_emit(c, ntags);
            for (uint32_t i = 0; i < ntags; i++)
                lo_cc_emit16(c, labels[i]);
            lo_cc_patch16(c, over, c->len);
        }
        for (uint32_t i = 0; i < ntags; i++)
            patch_chain(c, chains[i], labels[i]);
    }
    lo_cc_emit_constant(c, L->nil);
    lo_cc_one_value(c);
    c->nlocals = saved;
}

void lo_cc_compile_go(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value tag = lo_cc_second(L, form);
    uint32_t index = 0;
    struct exit_point *x = find_exit(c, true, tag, &index);
    if (!x)
        lo_error(L, "PROGRAM-ERROR", "GO: no tag of that name is visible");
    if (near_exit(c, x)) {
        cut_to(c, x, false);
        if (x->labels[index])
            lo_cc_emit_op16(c, OP_JUMP, x->labels[index]);
        else
            emit_chained_jump(c, &x->chains[index]);
        lo_cc_emit_constant(c, L->nil);       /* never reached: keeps the shape */
        return;
    }
    if (!x->id)
        lo_error(L, "PROGRAM-ERROR", "internal: GO from afar to a tagbody "
                 "without an entry");
    lo_cc_load_variable(c, x->id, false);
    lo_cc_emit_constant(c, lo_fixnum(index));
    lo_cc_emit(c, OP_MV1);
    lo_cc_emit(c, OP_THROW);
}

/* ---- CATCH, THROW, UNWIND-PROTECT ---- */

void lo_cc_compile_catch(struct compiler *c, lo_value form)
{
    lo_cc_compile_sub(c, lo_cc_second(c->L, form));
    lo_cc_emit_op16(c, OP_CATCH, 0);
    uint32_t landing = c->len - 2;
    if (c->ncatch >= MAX_CATCH_DEPTH)
        lo_error(c->L, "PROGRAM-ERROR", "catch forms nested too deeply");
    c->catch_cleanup[c->ncatch++] = false;
    lo_cc_compile_in(c, lo_cons(c->L, lo_intern(c->L, "PROGN"),
                          lo_cdr(c->L, lo_cdr(c->L, form))), false, c->mv);
    c->ncatch--;
    lo_cc_emit(c, OP_UNCATCH);
    lo_cc_emit(c, 1);
    lo_cc_patch16(c, landing, c->len);
}

void lo_cc_compile_throw(struct compiler *c, lo_value form)
{
    lo_cc_compile_sub(c, lo_cc_second(c->L, form));
    lo_cc_compile_in(c, lo_cc_third(c->L, form), false, true);
    lo_cc_emit(c, OP_THROW);
}

/*
 *     OP_UWP cleanup      push the cleanup entry
 *     protected form      (all values wanted: they are saved)
 *     OP_UWP_NORMAL       pop the entry, save the values, fall through
 *   cleanup:
 *     cleanup forms       (also where an exit passing by lands)
 *     OP_UWP_END          restore the values, or resume the exit
 */
void lo_cc_compile_unwind_protect(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_cc_emit_op16(c, OP_UWP, 0);
    uint32_t cleanup = c->len - 2;
    if (c->ncatch >= MAX_CATCH_DEPTH)
        lo_error(L, "PROGRAM-ERROR", "catch forms nested too deeply");
    c->catch_cleanup[c->ncatch++] = true;
    lo_cc_compile_in(c, lo_cc_second(L, form), false, true);
    c->ncatch--;
    lo_cc_emit(c, OP_UWP_NORMAL);
    lo_cc_patch16(c, cleanup, c->len);
    for (lo_value f = lo_cdr(L, lo_cdr(L, form)); lo_consp(f); f = lo_cdr_raw(f)) {
        lo_cc_compile_sub(c, lo_car_raw(f));
        lo_cc_emit(c, OP_POP);
    }
    lo_cc_emit(c, OP_UWP_END);
}

/* ---- multiple values ---- */

/* (multiple-value-call function form*): every value of every form
 * becomes an argument. */
void lo_cc_compile_mv_call(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    uint32_t saved = c->nlocals;
    lo_cc_compile_sub(c, lo_cc_second(L, form));
    uint32_t from = lo_cc_temp_local(c);
    lo_cc_emit_op16(c, OP_SAVE_SP, from);
    for (lo_value f = lo_cdr(L, lo_cdr(L, form)); lo_consp(f); f = lo_cdr_raw(f)) {
        lo_cc_compile_in(c, lo_car_raw(f), false, true);
        lo_cc_emit(c, OP_MV_PUSH);
    }
    lo_cc_emit_op16(c, OP_MV_CALL, from);
    c->nlocals = saved;
}

void lo_cc_compile_mv_prog1(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    bool mv = c->mv;
    lo_cc_compile_in(c, lo_cc_second(L, form), false, mv);
    if (mv)
        lo_cc_emit(c, OP_MV_SAVE);
    for (lo_value f = lo_cdr(L, lo_cdr(L, form)); lo_consp(f); f = lo_cdr_raw(f)) {
        lo_cc_compile_sub(c, lo_car_raw(f));
        lo_cc_emit(c, OP_POP);
    }
    if (mv)
        lo_cc_emit(c, OP_MV_RESTORE);
}

/* (multiple-value-bind (var*) form declaration* body*) */
void lo_cc_compile_mv_bind(struct compiler *c, lo_value form)
{
    lo_lisp *L = c->L;
    lo_value vars = lo_cc_second(L, form), specials;
    lo_value body = lo_cc_skip_declarations(c, lo_cdr(L, lo_cdr(L, lo_cdr(L, form))),
                                      false, &specials);
    int64_t n = lo_list_length(L, vars);
    if (n < 0 || n > 255)
        lo_error(L, "PROGRAM-ERROR", "MULTIPLE-VALUE-BIND: malformed "
                 "variable list");
    uint32_t saved = c->nlocals, first = c->nlocals;
    lo_value names[256];
    for (int64_t i = 0; i < n; i++, vars = lo_cdr_raw(vars)) {
        names[i] = lo_car_raw(vars);
        if (!lo_symbolp(names[i]) || lo_null(L, names[i]))
            lo_error(L, "PROGRAM-ERROR", "MULTIPLE-VALUE-BIND: not a "
                     "variable name");
        lo_cc_new_local(c, L->nil);
    }
    lo_cc_compile_in(c, lo_cc_third(L, form), false, true);
    lo_cc_emit_op16(c, OP_MV_STORE, first);
    lo_cc_emit(c, (unsigned)n);
    uint32_t dynamic = lo_cc_bind_slots(c, names, first, (uint32_t)n, body, specials);
    lo_cc_compile_bound_body(c, body, dynamic);
    c->nlocals = saved;
}
