/*
 * environment.h -- first-class global environments (environment.c;
 * docs/environments.md): the system environment, users' environments
 * layered on it, and the binding cells compiled code is linked to.
 */
#ifndef LO_LISP_ENVIRONMENT_H
#define LO_LISP_ENVIRONMENT_H

#include "lisp/internal.h"

lo_value lo_system_env(lo_lisp *L);
bool lo_env_is_system(lo_lisp *L, lo_value env);
/* The environment code runs in now: that of the innermost function
 * compiled in a user environment, else the thread's (L->env). */
lo_value lo_current_env(lo_lisp *L);
bool lo_in_user_env(lo_lisp *L);

/* The users' environments: a list, replaced whole when one is added. */
lo_value lo_env_users(lo_lisp *L);

/* A new environment (tables empty) under parent (nil: a root). */
lo_value lo_make_env(lo_lisp *L, lo_value parent, lo_value name);
/* The cell binding sym in namespace slot (ENV_FUNCTIONS ...) of env or
 * its parent; made in env when create, else nil when there is none. */
lo_value lo_env_cell(lo_lisp *L, lo_value env, unsigned slot, lo_value sym,
                     bool create);

/* Mend the users' shadow cells (environment.c, "shadow cells of older
 * stores"): the unbound cells older builds made in a user's function and
 * macro tables for symbols of system packages, which hide what the
 * system defines later.  Run once by the upgrade, as the system, while
 * no other thread evaluates; returns how many cells it mended.  Raises
 * (STORAGE-CONDITION when the store is full, PROGRAM-ERROR from a user's
 * code). */
uint64_t lo_env_mend_shadow_cells(lo_lisp *L);
/* For the tests of the mend only: make the shadow cell of sym in
 * namespace slot of env as older builds did (an unbound cell of env's
 * own), unless env has a cell for sym already; returns env's cell. */
lo_value lo_env_make_shadow_cell(lo_lisp *L, lo_value env, unsigned slot,
                                 lo_value sym);

/* An ENVIRONMENT-ERROR unless a definition may go into cell from env:
 * not a system binding, nor (unless extensible) a new one on a symbol of
 * a system package. */
void lo_check_definable(lo_lisp *L, lo_value env, lo_value cell,
                        const char *what);
bool lo_definable_p(lo_lisp *L, lo_value env, lo_value cell);
/* Where the property list of sym is, as the current environment sees it:
 * a user has a copy of their own of a system symbol's, made when they
 * first change it (write). */
lo_value *lo_plist_place(lo_lisp *L, lo_value sym, bool write);
/* Assign the variable of cell for this thread: its binding, or the
 * global value where the current environment may change it (an
 * ENVIRONMENT-ERROR otherwise, naming op). */
void lo_assign_checked(lo_lisp *L, lo_value cell, lo_value value,
                       const char *op);
/* SETQ of a system variable from user code (OP_SET_SYSTEM_GLOBAL). */
void lo_set_system_global(lo_lisp *L, lo_value cell, lo_value value);

/* At an evaluation entry point in a user environment: bind the per-user
 * defaults to the user's values; and at its end (bindings above depth),
 * keep their values as the user's and undo the bindings. */
void lo_env_enter(lo_lisp *L);
void lo_env_leave(lo_lisp *L, uint32_t depth);
/* After the system's list of defaults was declared again (upgrade.c):
 * each user's values matched to the new list by variable, against the
 * list they followed, old_cells (no other thread may run). */
void lo_env_remap_defaults(lo_lisp *L, lo_value old_cells);

/* Users (lisp.h's lo_lisp_set_user and lo_lisp_reset_user, the entry
 * points, are api.c's): whether name is a valid user's name, and making
 * the thread use user name's environment (NULL: the system's; made on
 * first use) or giving the user a fresh one (the old kept under keep_as
 * when not NULL).  Both raise on failure (the store full). */
bool lo_user_name_valid(const char *name);
void lo_env_select_user(lo_lisp *L, const char *name);
/* User name's environment, or nil when none was made yet: nothing made,
 * nothing raised (the server reads entries as a user this way). */
lo_value lo_env_find_user(lo_lisp *L, const char *name);
void lo_env_reset_user(lo_lisp *L, const char *name, const char *keep_as);

#endif
