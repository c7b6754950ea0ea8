/*
 * upgrade.c -- running this build's boot code again into an existing
 * heap (upgrade.h; docs/upgrade-design.md, section 2.3).
 *
 * A store made by older system code holds the system environment that
 * code built, and users' code and data that refer to it: their compiled
 * code holds the system's binding cells, their instances the system's
 * classes, their classes the system's classes in their precedence lists,
 * their generic functions methods on system classes.  So the new system
 * code is not built beside the old one: the boot code runs again into
 * the same system environment, and every definition it makes lands in
 * the cell the old one was in.  Identities last too: the boot code
 * "ensures" classes (50-clos.lisp, %BOOT-CLASS), DEFVAR keeps state,
 * packages are found again.
 *
 * What the old code defined and the new does not must go.  Every
 * definition the boot code makes marks its cell CELL_BOOT (value.h,
 * lo_note_definition, while W->booting); before the run every such cell
 * becomes CELL_STALE, the run clears the mark of each cell it defines
 * again, and after it the cells still stale are unbound -- never
 * deleted: user code holds them, and a later release may define them
 * again.  A heap made before the marks existed has none: its bound cells
 * of symbols homed in COMMON-LISP, LISPOS and LISPOS-INTERNAL are taken
 * as the boot's.  The administrator's definitions (the system
 * environment after the boot) are never marked, so they stay.  Methods
 * are no cells: the boot's are listed in *%BOOT-METHODS* (%ADD-METHOD
 * pushes them while booting), and the old list's methods the new boot
 * did not define again are removed.
 *
 * Then the Lisp side finishes (98-upgrade.lisp): %UPGRADE-FINISH in the
 * system environment (the removed methods, new discriminating functions
 * for the system's generic functions), and %UPGRADE-FINISH-USER in each
 * user's environment with that user's classes and generic functions
 * (found here, in the user's tables).  Before that, each user's values
 * of the per-user defaults are matched to the new list by variable
 * (environment.c): an evaluation in a user's environment binds them by
 * position.  One whole freeze ends it: while W->upgrading no evaluation
 * freezes (freeze.c).
 *
 * The cold boot (open.c) runs the boot files with the same function,
 * lo_run_boot_files, and marks what it defines in C the same way.
 *
 * Phases run one after the other, each under its own entry point (api.c),
 * so that a failure says where; the values C keeps between them are
 * roots.  A failure leaves the heap half-changed: the store must not be
 * synced then (the caller commits only after LO_OK).
 */
#include <string.h>

#include "lisp/upgrade.h"
#include "lisp/boot.h"
#include "drivers/printf.h"
#include "lisp/environment.h"
#include "lisp/internal.h"
#include "lisp/package.h"

/* The namespaces the boot code defines in (not ENV_PLISTS: the system
 * environment keeps its property lists on the symbols). */
static const unsigned namespaces[] = {
    ENV_FUNCTIONS, ENV_VARIABLES, ENV_MACROS, ENV_COMPILER_MACROS,
    ENV_CLASSES, ENV_TYPES, ENV_SYMBOL_MACROS,
};
enum { NAMESPACES = sizeof namespaces / sizeof namespaces[0] };

/* Call fn on every cell of the system environment's namespaces. */
static void for_each_system_cell(lo_lisp *L,
                                 void (*fn)(lo_lisp *L, lo_value cell,
                                            void *ctx),
                                 void *ctx)
{
    for (unsigned i = 0; i < NAMESPACES; i++)
        lo_for_each_cell(L, lo_system_env(L), namespaces[i], fn, ctx);
}

/* ---- the boot code, shared with the cold boot (open.c) ---------------------- */

void lo_note_cold_definitions(lo_lisp *L)
{
    lo_note_definition(L, lo_variable_cell(L, L->t, true));
    lo_note_definition(L, lo_variable_cell(L, L->nil, true));
    lo_note_definition(L, lo_registry_ref(L, REG_PACKAGE_CELL));
    for (unsigned i = 0; i < lo_primitive_count; i++) {
        lo_value cell = lo_function_cell(
            L, lo_primitive_symbol(L, lo_primitives[i]), true);
        if (lo_typep(lo_cell_get(cell), LO_T_PRIMITIVE))
            lo_note_definition(L, cell);
    }
}

static void eval_boot_file(lo_lisp *L, void *ctx)
{
    lo_eval_text(L, ((const struct lo_boot_file *)ctx)->text);
}

int lo_run_boot_files(lo_lisp *L, const char *what, char *why,
                      size_t why_len)
{
    for (unsigned i = 0; i < lo_boot_file_count; i++) {
        const struct lo_boot_file *file = &lo_boot_files[i];
        if (lo_pcall(L, eval_boot_file, (void *)file) != LO_OK) {
            const struct lo_error *e = lo_last_error(L);
            lo_snprintf(why, why_len, "%s: lisp/boot/%s: %s: %s", what,
                        file->name, e->type, e->message);
            return LO_EINVAL;
        }
    }
    return LO_OK;
}

/* ---- marking what the boot code defined ------------------------------------ */

static void find_mark(lo_lisp *L, lo_value cell, void *ctx)
{
    (void)L;
    if (lo_cell_flags(cell) & CELL_BOOT)
        *(bool *)ctx = true;
}

/* Whether sym is homed in one of the packages the boot code defines in. */
static bool boot_symbol_p(lo_lisp *L, lo_value sym)
{
    lo_value home = lo_ptr(sym)[SYM_PACKAGE];
    return lo_eq(home, lo_registry_ref(L, REG_CL)) ||
           lo_eq(home, lo_registry_ref(L, REG_LISPOS)) ||
           lo_eq(home, lo_registry_ref(L, REG_INTERNAL));
}

/* A cell the boot code defined becomes stale; in a heap without marks,
 * a bound cell of a symbol of the system's packages counts as one. */
static void mark_stale(lo_lisp *L, lo_value cell, void *ctx)
{
    bool marked = *(bool *)ctx;
    int64_t flags = lo_cell_flags(cell);
    if (marked) {
        if (flags & CELL_BOOT)
            lo_cell_add_flags(cell, CELL_STALE);
    } else if (lo_cell_get(cell) != LO_UNBOUND &&
               boot_symbol_p(L, lo_ptr(cell)[CELL_NAME]))
        lo_cell_add_flags(cell, CELL_BOOT | CELL_STALE);
}

/* A cell still stale after the run: its definition is gone. */
static void sweep_stale(lo_lisp *L, lo_value cell, void *ctx)
{
    (void)L;
    (void)ctx;
    if (!(lo_cell_flags(cell) & CELL_STALE))
        return;
    lo_cell_set(cell, LO_UNBOUND);
    lo_cell_clear_flags(cell, CELL_BOOT | CELL_STALE);
    lo_cell_add_flags(cell, CELL_REMOVED);
}

/* ---- the run ------------------------------------------------------------------ */

/* What the phases hand on (the values are roots). */
struct rerun {
    const char *extra;          /* test text run after the boot files */
    lo_value old_defaults;      /* the system's ENV_DEFAULTS before */
    lo_value old_methods;       /* *%BOOT-METHODS* before */
    lo_value context;           /* what %UPGRADE-FINISH gave, for the users */
    lo_value user;              /* the user environment being finished */
};

static lo_value boot_methods_cell(lo_lisp *L)
{
    return lo_variable_cell(L, lo_intern(L, "*%BOOT-METHODS*"), true);
}

/* Before the run: the marks, what is kept to compare with, the names. */
static void prepare(lo_lisp *L, void *ctx)
{
    struct rerun *r = ctx;
    bool marked = false;
    for_each_system_cell(L, find_mark, &marked);
    for_each_system_cell(L, mark_stale, &marked);
    r->old_defaults = lo_ptr(lo_system_env(L))[ENV_DEFAULTS];
    /* the list starts again empty, and the run fills it (DEFVAR keeps
     * what is there) */
    lo_value methods = boot_methods_cell(L);
    r->old_methods = lo_cell_get(methods) == LO_UNBOUND ? L->nil
                                                       : lo_cell_get(methods);
    lo_cell_set(methods, L->nil);
    lo_intern_standard_names(L);
    L->W->booting = L->W->upgrading = true;
    lo_note_cold_definitions(L);
    lo_set_current_package(L, lo_registry_ref(L, REG_INTERNAL));
}

static void eval_extra(lo_lisp *L, void *ctx)
{
    lo_eval_text(L, ((struct rerun *)ctx)->extra);
}

/* After the run: what is still stale goes, and the users' values of the
 * per-user defaults follow the new list (before any evaluation in a
 * user's environment binds them by position: lo_env_enter). */
static void sweep(lo_lisp *L, void *ctx)
{
    struct rerun *r = ctx;
    for_each_system_cell(L, sweep_stale, NULL);
    lo_env_remap_defaults(L, r->old_defaults);
}

/* The Lisp function named name (an ERROR when the boot code did not
 * define it). */
static lo_value boot_function(lo_lisp *L, const char *name)
{
    lo_value cell = lo_env_cell(L, lo_system_env(L), ENV_FUNCTIONS,
                                lo_intern(L, name), false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        lo_error(L, "ERROR", "the boot code defines no %s", name);
    return lo_cell_get(cell);
}

/* Consing onto a rooted list. */
struct gather {
    lo_value list;
    lo_value system_env;
};

static void gather_generic(lo_lisp *L, lo_value cell, void *ctx)
{
    struct gather *g = ctx;
    lo_value v = lo_cell_get(cell);
    if (v != LO_UNBOUND && lo_instance_callee(v))
        g->list = lo_cons(L, v, g->list);
}

/* (%upgrade-finish old-boot-methods system-generic-functions): the
 * system's side, whose value every user's side gets. */
static void finish_system(lo_lisp *L, void *ctx)
{
    struct rerun *r = ctx;
    struct gather g = { .list = L->nil };
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &g.list);
    lo_for_each_cell(L, lo_system_env(L), ENV_FUNCTIONS, gather_generic, &g);
    lo_value args[2] = { r->old_methods, g.list };
    r->context = lo_vm_apply(L, boot_function(L, "%UPGRADE-FINISH"), args, 2);
    lo_roots_release(L, mark);
}

static void gather_class(lo_lisp *L, lo_value cell, void *ctx)
{
    struct gather *g = ctx;
    lo_value v = lo_cell_get(cell);
    if (v != LO_UNBOUND)
        g->list = lo_cons(L, v, g->list);
}

/* A user's generic function, with the system's of that name when the
 * user's binding is their own of an extensible one (else nil). */
static void gather_user_generic(lo_lisp *L, lo_value cell, void *ctx)
{
    struct gather *g = ctx;
    lo_value v = lo_cell_get(cell);
    if (v == LO_UNBOUND || !lo_instance_callee(v))
        return;
    lo_value system = L->nil;
    if (lo_cell_flags(cell) & CELL_EXTENSIBLE) {
        lo_value s = lo_env_cell(L, g->system_env, ENV_FUNCTIONS,
                                 lo_ptr(cell)[CELL_NAME], false);
        if (!lo_null(L, s) && lo_cell_get(s) != LO_UNBOUND)
            system = lo_cell_get(s);
    }
    g->list = lo_cons(L, lo_cons(L, v, system), g->list);
}

/* (%upgrade-finish-user context classes generic-functions) in the user's
 * environment (L->env), with what the user's tables hold. */
static void finish_user(lo_lisp *L, void *ctx)
{
    struct rerun *r = ctx;
    struct gather classes = { .list = L->nil };
    struct gather gfs = { .list = L->nil, .system_env = lo_system_env(L) };
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &classes.list);
    lo_root(L, &gfs.list);
    lo_for_each_cell(L, r->user, ENV_CLASSES, gather_class, &classes);
    lo_for_each_cell(L, r->user, ENV_FUNCTIONS, gather_user_generic, &gfs);
    lo_value args[3] = { r->context, classes.list, gfs.list };
    lo_vm_apply(L, boot_function(L, "%UPGRADE-FINISH-USER"), args, 3);
    lo_roots_release(L, mark);
}

static void done(lo_lisp *L, void *ctx)
{
    (void)ctx;
    lo_packages_boot_done(L);
    lo_freeze_system(L);
}

static int failed(lo_lisp *L, const char *phase, char *why, size_t why_len)
{
    const struct lo_error *e = lo_last_error(L);
    lo_snprintf(why, why_len, "upgrade: %s: %s: %s", phase, e->type,
                e->message);
    return LO_EINVAL;
}

/* The phases after the marks, in order; false with why filled in. */
static int run(lo_lisp *L, struct rerun *r, char *why, size_t why_len)
{
    int status = lo_run_boot_files(L, "upgrade", why, why_len);
    if (status != LO_OK)
        return status;
    if (r->extra && lo_pcall(L, eval_extra, r) != LO_OK)
        return failed(L, "the extra boot text", why, why_len);
    L->W->booting = false;      /* what follows defines nothing of the boot */
    if (lo_protect(L, sweep, r) != LO_OK)
        return failed(L, "unbinding what is gone", why, why_len);
    if (lo_pcall(L, finish_system, r) != LO_OK)
        return failed(L, "%UPGRADE-FINISH", why, why_len);
    /* the list of users is walked across evaluations, which may collect:
     * a root (the caller's mark releases it) */
    lo_value l = lo_env_users(L);
    lo_root(L, &l);
    for (; lo_consp(l); l = lo_cdr_raw(l)) {
        r->user = L->env = lo_car_raw(l);
        status = lo_pcall(L, finish_user, r);
        L->env = lo_system_env(L);
        if (status != LO_OK) {
            char name[64];
            lo_string_utf8(lo_ptr(r->user)[ENV_NAME], name, sizeof name);
            char phase[96];
            lo_snprintf(phase, sizeof phase, "%%UPGRADE-FINISH-USER for %s",
                        name);
            return failed(L, phase, why, why_len);
        }
    }
    if (lo_protect(L, done, r) != LO_OK) {
        failed(L, "the end", why, why_len);
        return LO_ENOSPC;
    }
    return LO_OK;
}

int lo_upgrade_rerun_boot_with(lo_lisp *L, const char *extra, char *why,
                               size_t why_len)
{
    struct lo_world *W = L->W;
    struct rerun r = { .extra = extra, .old_defaults = L->nil,
                       .old_methods = L->nil, .context = L->nil,
                       .user = L->nil };
    uint32_t mark = lo_roots_mark(L);
    lo_root(L, &r.old_defaults);
    lo_root(L, &r.old_methods);
    lo_root(L, &r.context);
    lo_root(L, &r.user);
    L->env = lo_system_env(L);
    int status = lo_protect(L, prepare, &r) == LO_OK
                     ? run(L, &r, why, why_len)
                     : failed(L, "marking the boot's definitions", why,
                              why_len);
    W->booting = W->upgrading = false;
    L->env = lo_system_env(L);
    lo_roots_release(L, mark);
    return status;
}

int lo_upgrade_rerun_boot(lo_lisp *L, char *why, size_t why_len)
{
    return lo_upgrade_rerun_boot_with(L, NULL, why, why_len);
}

/* ---- user code that calls what an upgrade removed ----------------------------- */

/*
 * Compiled code names a global function by holding its cell among its
 * constants.  After an upgrade, a user function whose code (or the code
 * of a lambda inside it) holds a cell the upgrade unbound (CELL_REMOVED,
 * still unbound) will fail with UNDEFINED-FUNCTION when it gets there: a
 * system function a user called by name, or -- the case that matters to
 * developers -- a system internal that a system macro's expansion calls
 * (docs/upgrade.md, "Internal functions that system macros expand into
 * are an ABI").  The scan goes over every user's global functions, the
 * methods of their generic functions, and the functions their global
 * variables hold (not functions deeper in their data, which it would
 * have to read).
 */
struct dangling_scan {
    struct lo_upgrade_dangling *out;
    lo_value user;
};

/* "PACKAGE::NAME" of sym, as UTF-8 into buf. */
static void qualified_name(lo_lisp *L, lo_value sym, char *buf, size_t len)
{
    char package[48] = "#", name[64] = "?";
    lo_value home = lo_ptr(sym)[SYM_PACKAGE];
    if (!lo_null(L, home))
        lo_string_utf8(lo_ptr(home)[PKG_NAME], package, sizeof package);
    lo_string_utf8(lo_ptr(sym)[SYM_NAME], name, sizeof name);
    lo_snprintf(buf, len, "%s::%s", package, name);
}

/* The removed cell code (or a lambda inside it) holds, or 0. */
static lo_value removed_cell_in(lo_lisp *L, lo_value code, int depth)
{
    if (depth > 16 || !lo_typep(code, LO_T_CODE))
        return 0;
    lo_value k = lo_ptr(code)[CODE_CONSTANTS];
    if (!lo_typep(k, LO_T_VECTOR))
        return 0;
    int64_t n = lo_fixnum_value(lo_ptr(k)[1]);
    for (int64_t i = 0; i < n; i++) {
        lo_value c = lo_ptr(k)[2 + i];
        if (lo_typep(c, LO_T_CELL) && (lo_cell_flags(c) & CELL_REMOVED) &&
            lo_cell_get(c) == LO_UNBOUND)
            return c;
        lo_value inner = removed_cell_in(L, c, depth + 1);
        if (inner)
            return inner;
    }
    return 0;
}

/* Count a user function (or method) whose code holds a removed cell;
 * the first found is the report's example. */
static void note_dangling(lo_lisp *L, struct dangling_scan *s, lo_value cell,
                          lo_value removed, bool method)
{
    if (s->out->functions++ != 0)
        return;
    char user[40], fn[80], callee[80];
    lo_string_utf8(lo_ptr(s->user)[ENV_NAME], user, sizeof user);
    qualified_name(L, lo_ptr(cell)[CELL_NAME], fn, sizeof fn);
    qualified_name(L, lo_ptr(removed)[CELL_NAME], callee, sizeof callee);
    lo_snprintf(s->out->example, sizeof s->out->example, "%s's %s%s calls %s",
                user, method ? "method on " : "", fn, callee);
}

/* The removed cell a function's code holds, or 0. */
static lo_value removed_cell_of(lo_lisp *L, lo_value f)
{
    if (lo_typep(f, LO_T_FUNCTION))
        f = lo_ptr(f)[FN_CODE];
    return removed_cell_in(L, f, 0);
}

/* Local slot i of an instance, or 0 when it has none. */
static lo_value instance_slot(lo_value instance, uint64_t i)
{
    if (!lo_typep(instance, LO_T_INSTANCE))
        return 0;
    lo_value slots = lo_ptr(instance)[INSTANCE_SLOTS];
    if (!lo_typep(slots, LO_T_VECTOR) ||
        (uint64_t)lo_fixnum_value(lo_ptr(slots)[1]) <= i)
        return 0;
    return lo_ptr(slots)[2 + i];
}

/* Where a generic function keeps its methods, and a method its function
 * (50-clos.lisp: %GF-METHODS, %METHOD-FUNCTION): metaobject slot
 * positions are a layout fact (docs/upgrade.md, rule 3). */
enum { GF_METHODS_SLOT = 1, METHOD_FUNCTION_SLOT = 4 };

static void scan_user_function(lo_lisp *L, lo_value cell, void *ctx)
{
    struct dangling_scan *s = ctx;
    lo_value f = lo_cell_get(cell);
    lo_value removed = removed_cell_of(L, f);
    if (removed)
        note_dangling(L, s, cell, removed, false);
    if (!lo_instance_callee(f))
        return;
    /* a generic function: each of its methods, counted once */
    lo_value methods = instance_slot(f, GF_METHODS_SLOT);
    for (int n = 0; methods && lo_consp(methods) && n < 100000; n++) {
        lo_value m = lo_car_raw(methods);
        lo_value mf = instance_slot(m, METHOD_FUNCTION_SLOT);
        removed = mf ? removed_cell_of(L, mf) : 0;
        if (removed)
            note_dangling(L, s, cell, removed, true);
        methods = lo_cdr_raw(methods);
    }
}

void lo_upgrade_dangling(lo_lisp *L, struct lo_upgrade_dangling *out)
{
    memset(out, 0, sizeof *out);
    struct dangling_scan s = { .out = out };
    for (lo_value l = lo_env_users(L); lo_consp(l); l = lo_cdr_raw(l)) {
        s.user = lo_car_raw(l);
        lo_for_each_cell(L, s.user, ENV_FUNCTIONS, scan_user_function, &s);
        /* closures kept in the user's global variables too */
        lo_for_each_cell(L, s.user, ENV_VARIABLES, scan_user_function, &s);
    }
}

/* ---- the census -------------------------------------------------------------- */

struct census_walk {
    struct lo_upgrade_census *c;
    unsigned slot;
};

static void count_cell(lo_lisp *L, lo_value cell, void *ctx)
{
    (void)L;
    struct census_walk *w = ctx;
    int64_t flags = lo_cell_flags(cell);
    bool bound = lo_cell_get(cell) != LO_UNBOUND;
    w->c->cells++;
    w->c->bound += bound;
    w->c->boot += (flags & CELL_BOOT) != 0;
    w->c->stale += (flags & CELL_STALE) != 0;
    w->c->functions += bound && w->slot == ENV_FUNCTIONS;
    w->c->macros += bound && w->slot == ENV_MACROS;
    w->c->classes += bound && w->slot == ENV_CLASSES;
}

int lo_upgrade_census(lo_lisp *L, struct lo_upgrade_census *out)
{
    memset(out, 0, sizeof *out);
    struct census_walk w = { .c = out };
    for (unsigned i = 0; i < NAMESPACES; i++) {
        w.slot = namespaces[i];
        lo_for_each_cell(L, lo_system_env(L), namespaces[i], count_cell, &w);
    }
    return LO_OK;
}

static void forget_mark(lo_lisp *L, lo_value cell, void *ctx)
{
    (void)L;
    (void)ctx;
    lo_cell_clear_flags(cell, CELL_BOOT | CELL_STALE);
}

void lo_upgrade_forget_marks(lo_lisp *L)
{
    for_each_system_cell(L, forget_mark, NULL);
}
