/*
 * api.c -- the embedding API (api.h): the one way C enters the Lisp, the
 * handles C holds values by, structured errors, and lisp.h's text entry
 * points as a thin layer on them.
 *
 * Entering.  guard() is the one place that sets a jump buffer for an
 * entry point: it pushes a level and an entry of kind LO_CATCH_TOPLEVEL
 * (control.c), where every error nobody handles, every ABORT and the
 * limits' cut-off land.  entry() builds the two kinds of entry point on
 * it: an evaluation (lo_pcall: the user's defaults bound around it, an
 * ABORT restart, the evaluation limits) and a bare one, for the API's
 * own functions that run no Lisp code and for the cold boot, when there
 * are no packages yet to find restarts or defaults in.  vm.c keeps jump
 * buffers of its own, for the VM loops nested inside an evaluation: those
 * are where a non-local exit inside the Lisp lands, never an entry.
 *
 * The user's defaults (*PACKAGE*, *PRINT-BASE*, ... of a user
 * environment: environment.c) are bound in a guard of their own before
 * the evaluation's, and saved and unbound in another after it, so that a
 * failure of the evaluation keeps what it set (as a REPL keeps an IN-PACKAGE
 * evaluated before an error) and a failure to bind or save is reported
 * like any other.
 *
 * Handles.  The thread's handle table (struct lo_slots, internal.h) is a
 * stack of value slots the collector updates (collect.c); a lo_ref is
 * the address of one.  An API function that is called outside any entry
 * point makes its own (bare, or an evaluation when it runs Lisp code:
 * lo_api_run), so an error never leaves a host's C code without
 * returning.  The functions on values are api_values.c's.
 */
#include <string.h>

#include "ckpt/safepoint.h"
#include "drivers/printf.h"
#include "lisp/environment.h"
#include "lisp/internal.h"

/* ---- handles -------------------------------------------------------------- */

static inline lo_value *slot_of(lo_ref r) { return (lo_value *)r; }

/* The value r holds; a NULL r (a failed call's result passed on) is the
 * caller's error. */
lo_value lo_api_value(lo_lisp *L, lo_ref r, const char *op)
{
    if (!r)
        lo_error(L, "PROGRAM-ERROR", "%s: a NULL reference (the result of "
                 "a call that failed?)", op);
    return *slot_of(r);
}

/* Room for slot i of s: its block, made when new.  False when out of
 * C memory or past LO_MAX_HANDLES. */
static bool slot_room(struct lo_slots *s, uint32_t i)
{
    if (i >= LO_MAX_HANDLES)
        return false;
    lo_value **block = &s->blocks[i / LO_HANDLE_BLOCK];
    if (!*block)
        *block = lo_mem_alloc(LO_HANDLE_BLOCK * sizeof **block);
    return *block != NULL;
}

/* A new handle holding v, or NULL when there is no room (no error). */
static lo_ref try_handle(lo_lisp *L, lo_value v)
{
    struct lo_slots *s = &L->handles;
    if (!slot_room(s, s->count))
        return NULL;
    lo_value *slot = lo_slot_at(s, s->count);
    *slot = v;
    s->count++;
    return (lo_ref)slot;
}

lo_ref lo_api_handle(lo_lisp *L, lo_value v)
{
    lo_ref r = try_handle(L, v);
    if (!r)
        lo_error(L, "STORAGE-CONDITION", "more than %d handles in use, or "
                 "no memory for them (is a scope left open?)",
                 LO_MAX_HANDLES);
    return r;
}

/* ---- entry points ---------------------------------------------------------- */

/*
 * Run fn(L, ctx) with an entry point under it: true when it returned,
 * false when an exit landed on the entry (L->unwind_v[0] is what it
 * carries: a condition, the ABORT restart's message, or nil).
 */
static bool guard(lo_lisp *L, lo_protected_fn *fn, void *ctx)
{
    uint32_t level = lo_level_enter(L);
    uint32_t entry = lo_catch_push(L, LO_CATCH_TOPLEVEL, L->nil, 0);
    if (LO_SETJMP(L->levels[level])) {
        lo_land(L);
        lo_level_leave(L);
        return false;
    }
    fn(L, ctx);
    LO_ASSERT(L->ncatches == entry + 1 && L->nlevels == level + 1);
    /* what fn took of the object system's lock and kept, it gives back
     * here (a landing restores it from the entry too) */
    lo_clos_lock_restore(L, L->catches[entry].clos_depth);
    lo_data_lock_restore(L, L->catches[entry].data_shared,
                         L->catches[entry].data_exclusive);
    L->ncatches--;
    lo_level_leave(L);
    return true;
}

/* The Lisp's own name of sym, as UTF-8 into buf. */
static void symbol_text(lo_value sym, char *buf, size_t len)
{
    if (lo_symbolp(sym))
        lo_string_utf8(lo_symbol_name(sym), buf, len);
    else
        lo_snprintf(buf, len, "?");
}

static bool text_is(lo_value s, const char *text)
{
    size_t n = strlen(text);
    if (!lo_typep(s, LO_T_STRING) || lo_string_length(s) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lo_string_ref(s, i) != (unsigned char)text[i])
            return false;
    return true;
}

/* Whether the condition type sym is name or a subtype of it: name is on
 * its precedence list (%CONDITION-CPL on its property list, as the
 * environment running sees it: lisp/boot/20-conditions.lisp). */
static bool condition_type_is(lo_lisp *L, lo_value sym, const char *name)
{
    if (!lo_symbolp(sym))
        return false;
    if (text_is(lo_symbol_name(sym), name))
        return true;
    lo_value key = lo_intern(L, "%CONDITION-CPL");
    lo_value cpl = L->nil;
    for (lo_value l = *lo_plist_place(L, sym, false);
         lo_consp(l) && lo_consp(lo_cdr_raw(l)); l = lo_cdr_raw(lo_cdr_raw(l)))
        if (lo_eq(lo_car_raw(l), key)) {
            cpl = lo_car_raw(lo_cdr_raw(l));
            break;
        }
    lo_value super = lo_intern(L, name);
    for (; lo_consp(cpl); cpl = lo_cdr_raw(cpl))
        if (lo_eq(lo_car_raw(cpl), super))
            return true;
    return false;
}

struct classify { lo_value type; enum lo_error_kind kind; };

static void classify(lo_lisp *L, void *ctx)
{
    struct classify *c = ctx;
    if (condition_type_is(L, c->type, "ACCESS-DENIED"))
        c->kind = LO_ERR_ACCESS;
    else if (condition_type_is(L, c->type, "STORAGE-CONDITION"))
        c->kind = LO_ERR_STORAGE;
}

/* "TYPE: message" (L->error, kept when no condition could be made) cut
 * in two. */
static void split_error_text(lo_lisp *L, struct lo_failure *f)
{
    const char *colon = strchr(L->error, ':');
    if (colon && colon[1] != ' ')
        colon = NULL;
    if (!L->error[0] || !colon) {
        lo_snprintf(f->type, sizeof f->type, "STORAGE-CONDITION");
        lo_snprintf(f->message, sizeof f->message, "%s", L->error);
        return;
    }
    lo_snprintf(f->type, sizeof f->type, "%.*s", (int)(colon - L->error),
                L->error);
    lo_snprintf(f->message, sizeof f->message, "%s", colon + 2);
}

/*
 * What ended an entry point (payload: L->unwind_v[0] when an exit landed)
 * into L->failure.  Runs outside any entry point: the one step that
 * could raise (the type's precedence list: interning) has a guard.
 */
static void record_failure(lo_lisp *L, lo_value payload, bool evaluation)
{
    struct lo_failure *f = &L->failure;
    f->error.kind = LO_ERR_ERROR;
    f->error.condition = NULL;
    f->type[0] = f->message[0] = '\0';
    if (lo_typep(payload, LO_T_CONDITION)) {
        lo_value type = lo_ptr(payload)[CONDITION_TYPE];
        symbol_text(type, f->type, sizeof f->type);
        lo_value message = lo_ptr(payload)[CONDITION_MESSAGE];
        if (lo_typep(message, LO_T_STRING))
            lo_string_utf8(message, f->message, sizeof f->message);
        struct classify c = { type, LO_ERR_ERROR };
        if (L->nil && guard(L, classify, &c))
            f->error.kind = c.kind;
    } else if (lo_typep(payload, LO_T_STRING)) {
        f->error.kind = LO_ERR_ABORT;       /* %TOPLEVEL-ABORT's message */
        lo_snprintf(f->type, sizeof f->type, "ABORT");
        lo_string_utf8(payload, f->message, sizeof f->message);
    } else {
        split_error_text(L, f);
        if (!strcmp(f->type, "STORAGE-CONDITION"))
            f->error.kind = LO_ERR_STORAGE;
        else if (!strcmp(f->type, "ACCESS-DENIED"))
            f->error.kind = LO_ERR_ACCESS;
    }
    f->error.backtrace = evaluation && L->backtrace_len ? L->backtrace : "";
}

/* The evaluation went past a limit: that is the failure, whatever else
 * happened (message: limits.c's). */
static void record_limit(lo_lisp *L, const char *message)
{
    struct lo_failure *f = &L->failure;
    f->error.kind = LO_ERR_LIMIT;
    lo_snprintf(f->type, sizeof f->type, "RESOURCE-EXHAUSTED");
    lo_snprintf(f->message, sizeof f->message, "%s", message);
    f->error.condition = NULL;
    f->error.backtrace = L->backtrace_len ? L->backtrace : "";
}

/* A failure found before any entry point could be pushed. */
static int refuse(lo_lisp *L, const char *type, const char *message)
{
    struct lo_failure *f = &L->failure;
    f->error.kind = LO_ERR_STORAGE;
    f->error.condition = NULL;
    f->error.backtrace = "";
    lo_snprintf(f->type, sizeof f->type, "%s", type);
    lo_snprintf(f->message, sizeof f->message, "%s", message);
    return LO_ELISP;
}

struct evaluation {
    lo_protected_fn *fn;
    void *ctx;
};

/* The body of an evaluation: the forms run with an ABORT restart that
 * ends it (conditions.c, once the condition system is booted). */
static void evaluate(lo_lisp *L, void *ctx)
{
    struct evaluation *e = ctx;
    uint32_t bindings = L->nbindings;
    lo_bind_toplevel_restarts(L);
    e->fn(L, e->ctx);
    lo_unbind_to(L, bindings);
}

static void enter_defaults(lo_lisp *L, void *ctx)
{
    (void)ctx;
    lo_env_enter(L);
}

static void leave_defaults(lo_lisp *L, void *ctx)
{
    lo_env_leave(L, *(uint32_t *)ctx);
}

/*
 * An entry point around fn(L, ctx): an evaluation or a bare one (the
 * file's header).  LO_OK, or LO_ELISP with L->failure filled in and the
 * handles made since the entry released (the condition's handle, if
 * any, taking their place).
 */
static int entry(lo_lisp *L, bool evaluation, lo_protected_fn *fn, void *ctx)
{
    /* the guards below need a level and an entry each, one at a time */
    if (L->nlevels + 1 >= LO_MAX_LEVELS || L->ncatches + 1 >= LO_MAX_CATCHES) {
        if (L->nlevels > 0)
            lo_error(L, "STORAGE-CONDITION", "control stack exhausted (the "
                     "Lisp entered from C more than %d deep)", LO_MAX_LEVELS);
        return refuse(L, "STORAGE-CONDITION", "control stack exhausted");
    }
    /* a collection that is due is made here, on the way in, where C
     * holds nothing but handles: code that allocates and never reaches
     * a poll -- a short form evaluated again and again, values made
     * through this API -- would otherwise fill the store with garbage
     * no poll ever collects (and then every entry fails, "the store is
     * full") */
    if (L->nlevels == 0 && L->gc_inhibit == 0 &&
        lo_heap_collection_due(L->heap))
        lo_collect(L);
    uint32_t handles = L->handles.count;
    bool defaults = evaluation && L->nlevels == 0;
    uint32_t depth = L->nbindings;
    if (evaluation) {
        L->backtrace_len = 0;
        lo_limits_begin(L);
    }
    bool ok = !defaults || guard(L, enter_defaults, NULL);
    if (ok) {
        struct evaluation e = { fn, ctx };
        ok = evaluation ? guard(L, evaluate, &e) : guard(L, fn, ctx);
    }
    /* what the exit carried: no Lisp runs until it is recorded (the
     * defaults are saved by C alone), so it cannot move meanwhile */
    lo_value payload = ok ? 0 : L->unwind_v[0];
    if (!ok)
        record_failure(L, payload, evaluation);
    if (defaults && !guard(L, leave_defaults, &depth)) {
        lo_unbind_to(L, depth);
        if (ok) {
            payload = L->unwind_v[0];
            record_failure(L, payload, evaluation);
            ok = false;
        }
    }
    /* what the system's evaluation gave the system is frozen (freeze.c,
     * which never polls: the payload stays put); a bare entry point
     * runs no evaluation, but may have written a frozen object */
    if (defaults || (L->nlevels == 0 && L->wrote_frozen))
        lo_freeze_after_eval(L);
    if (evaluation) {
        /* past a limit, even code that caught the condition has failed,
         * and so has every entry point nested in the evaluation */
        char message[LO_ERROR_MAX];
        struct lo_text text = { .buf = message, .cap = sizeof message };
        if (lo_limits_end(L, &text)) {
            if (ok)
                payload = 0;
            record_limit(L, message);
            ok = false;
        }
    }
    if (ok)
        return LO_OK;
    if (L->handles.count > handles)     /* (never back up: fn may have */
        L->handles.count = handles;     /* closed an outer scope) */
    if (lo_typep(payload, LO_T_CONDITION))
        L->failure.error.condition = try_handle(L, payload);
    return LO_ELISP;
}

int lo_pcall(lo_lisp *L, lo_protected_fn *fn, void *ctx)
{
    return entry(L, true, fn, ctx);
}

int lo_api_run(lo_lisp *L, bool runs_lisp, lo_protected_fn *fn, void *ctx)
{
    if (L->nlevels > 0) {
        fn(L, ctx);
        return LO_OK;
    }
    return entry(L, runs_lisp, fn, ctx);
}

int lo_protect(lo_lisp *L, lo_protected_fn *fn, void *ctx)
{
    return entry(L, false, fn, ctx);
}

const struct lo_error *lo_last_error(lo_lisp *L)
{
    struct lo_failure *f = &L->failure;
    f->error.type = f->type;
    f->error.message = f->message;
    if (!f->error.backtrace)
        f->error.backtrace = "";
    return &f->error;
}

/* ---- scopes ---------------------------------------------------------------- */

lo_scope lo_scope_open(lo_lisp *L)
{
    return L->handles.count;
}

void lo_scope_close(lo_lisp *L, lo_scope s)
{
    LO_ASSERT(s <= L->handles.count);
    if (s < L->handles.count)
        L->handles.count = s;
}

/* ---- references ---------------------------------------------------------------- */

struct refs {
    lo_ref r, value, result;
    lo_scope scope;
    const char *name;
};

static void close_keep(lo_lisp *L, void *ctx)
{
    struct refs *a = ctx;
    lo_value v = lo_api_value(L, a->r, "lo_scope_close_keep");
    lo_scope_close(L, a->scope);
    a->result = lo_api_handle(L, v);
}

lo_ref lo_scope_close_keep(lo_lisp *L, lo_scope s, lo_ref r)
{
    struct refs a = { .r = r, .scope = s };
    return lo_api_run(L, false, close_keep, &a) == LO_OK ? a.result : NULL;
}

static void copy_ref(lo_lisp *L, void *ctx)
{
    struct refs *a = ctx;
    a->result = lo_api_handle(L, lo_api_value(L, a->r, "lo_ref_copy"));
}

lo_ref lo_ref_copy(lo_lisp *L, lo_ref r)
{
    struct refs a = { .r = r };
    return lo_api_run(L, false, copy_ref, &a) == LO_OK ? a.result : NULL;
}

static void set_ref(lo_lisp *L, void *ctx)
{
    struct refs *a = ctx;
    lo_value v = lo_api_value(L, a->value, "lo_ref_set");
    lo_api_value(L, a->r, "lo_ref_set");
    *slot_of(a->r) = v;
}

int lo_ref_set(lo_lisp *L, lo_ref r, lo_ref value)
{
    struct refs a = { .r = r, .value = value };
    return lo_api_run(L, false, set_ref, &a);
}

/* A slot of the world's kept references, under the world lock: a freed
 * one, or the next. */
static lo_value *take_kept(struct lo_world *W)
{
    struct lo_slots *k = &W->kept;
    if (k->nfree)
        return k->free[--k->nfree];
    if (!slot_room(k, k->count))
        return NULL;
    return lo_slot_at(k, k->count++);
}

static void keep_ref(lo_lisp *L, void *ctx)
{
    struct refs *a = ctx;
    lo_value v = lo_api_value(L, a->r, "lo_ref_keep");
    lo_mutex_lock(&L->W->lock);
    lo_value *slot = take_kept(L->W);
    if (slot)
        *slot = v;
    lo_mutex_unlock(&L->W->lock);
    if (!slot)
        lo_error(L, "STORAGE-CONDITION", "lo_ref_keep: more than %d kept "
                 "references, or no memory for them", LO_MAX_HANDLES);
    a->result = (lo_ref)slot;
}

lo_ref lo_ref_keep(lo_lisp *L, lo_ref r)
{
    struct refs a = { .r = r };
    return lo_api_run(L, false, keep_ref, &a) == LO_OK ? a.result : NULL;
}

/* The freed slot goes on the free list (grown as needed: if it cannot
 * grow, the slot is lost, holding nothing). */
void lo_ref_free(lo_lisp *L, lo_ref kept)
{
    if (!kept)
        return;
    struct lo_slots *k = &L->W->kept;
    lo_mutex_lock(&L->W->lock);
    *slot_of(kept) = 0;
    if (k->nfree == k->free_cap) {
        uint32_t cap = k->free_cap ? 2 * k->free_cap : 64;
        lo_value **grown = lo_mem_alloc(cap * sizeof *grown);
        if (grown) {
            if (k->nfree)
                memcpy(grown, k->free, k->nfree * sizeof *grown);
            lo_mem_free(k->free);
            k->free = grown;
            k->free_cap = cap;
        }
    }
    if (k->nfree < k->free_cap)
        k->free[k->nfree++] = slot_of(kept);
    lo_mutex_unlock(&L->W->lock);
}

static void named_root(lo_lisp *L, void *ctx)
{
    struct refs *a = ctx;
    bool created = false;
    lo_value *slot = a->name ? lo_heap_named_root(L->heap, a->name, true,
                                                  &created)
                             : NULL;
    if (!slot)
        lo_error(L, "PROGRAM-ERROR", "lo_named_root: \"%s\" is no root's "
                 "name (1 to %d printable characters), or every root slot is "
                 "taken", a->name ? a->name : "(null)", LO_HEAP_ROOT_NAME - 1);
    if (created)
        *slot = L->nil;
    a->result = (lo_ref)slot;
}

lo_ref lo_named_root(lo_lisp *L, const char *name)
{
    struct refs a = { .name = name };
    return lo_api_run(L, false, named_root, &a) == LO_OK ? a.result : NULL;
}

/* ---- primitives written above the Lisp -------------------------------------- */

lo_ref lo_arg_ref(lo_lisp *L, lo_value *arg)
{
    LO_ASSERT(arg >= L->stack && arg < L->stack + L->sp);
    (void)L;
    return (lo_ref)arg;
}

lo_value lo_ref_value(lo_ref r)
{
    return r ? *slot_of(r) : 0;
}

/* ---- waiting outside the Lisp ------------------------------------------------- */

void lo_lisp_wait_begin(lo_lisp *L)
{
    L->wait_began = lo_mutator_block_begin();
}

void lo_lisp_wait_end(lo_lisp *L)
{
    lo_mutator_block_end(L->wait_began);
    L->wait_began = false;
}

bool lo_lisp_wait_try_end(lo_lisp *L)
{
    if (!lo_mutator_block_try_end(L->wait_began))
        return false;
    L->wait_began = false;
    return true;
}

/* ---- lisp.h: text in, text out ----------------------------------------------- */

struct eval_print {
    const char *text;
    struct lo_text *out;
};

static void eval_print(lo_lisp *L, void *ctx)
{
    struct eval_print *e = ctx;
    lo_value value = lo_eval_text(L, e->text);
    /* printed inside the evaluation: PRINT-OBJECT methods are Lisp (an
     * error in one is reported as any other) */
    lo_prin1(L, value, e->out);
}

int lo_lisp_eval_string(lo_lisp *L, const char *text, char *out,
                        size_t out_len)
{
    struct lo_text result = { .buf = out, .cap = out_len };
    if (out_len)
        out[0] = '\0';
    struct eval_print e = { text, &result };
    if (lo_pcall(L, eval_print, &e) == LO_OK)
        return LO_OK;
    const struct lo_error *error = lo_last_error(L);
    result.len = 0;
    if (out_len)
        out[0] = '\0';
    lo_text_put(&result, error->type, strlen(error->type));
    lo_text_put(&result, ": ", 2);
    lo_text_put(&result, error->message, strlen(error->message));
    return LO_EINVAL;
}

struct user_request {
    const char *name, *keep_as;
};

static void select_user(lo_lisp *L, void *ctx)
{
    lo_env_select_user(L, ((struct user_request *)ctx)->name);
}

/* The thread's environment changes between evaluations only: each keeps
 * the one whose defaults it bound. */
int lo_lisp_set_user(lo_lisp *L, const char *name)
{
    if (name && !lo_user_name_valid(name))
        return LO_EINVAL;
    if (L->nlevels > 0)
        return LO_EBUSY;
    struct user_request r = { name, NULL };
    return lo_protect(L, select_user, &r);
}

static void reset_user(lo_lisp *L, void *ctx)
{
    struct user_request *r = ctx;
    lo_env_reset_user(L, r->name, r->keep_as);
}

int lo_lisp_reset_user(lo_lisp *L, const char *name, const char *keep_as)
{
    if (!lo_user_name_valid(name) ||
        (keep_as && (!lo_user_name_valid(keep_as) || !strcmp(name, keep_as))))
        return LO_EINVAL;
    if (L->nlevels > 0)
        return LO_EBUSY;
    struct user_request r = { name, keep_as };
    return lo_protect(L, reset_user, &r);
}
