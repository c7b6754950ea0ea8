/*
 * package.h -- packages (lisp/package.c): the layout of a package, names
 * as the symbol tables look them up, and the operations the reader, the
 * printer and the package functions (package_prims.c) share.
 *
 *   package   1 name (string; nil once deleted)  2 nicknames (strings)
 *             3 use list (packages)  4 used-by list (packages)
 *             5 internal symbols (table)  6 external symbols (table)
 *             7 shadowing symbols (list)  8 flags (fixnum, PKG_KEYWORD,
 *             PKG_SYSTEM)
 *   table     a simple vector: element 0 the count (fixnum), then 2^k
 *             slots, each a symbol or 0 (empty), probed linearly from the
 *             hash of the symbol's name (SYM_HASH) -- never its address,
 *             so collections change nothing.
 *   registry  a simple vector (REG_*), one per global environment
 *             (ENV_PACKAGES): the packages made in it (list), COMMON-LISP,
 *             KEYWORD, its COMMON-LISP-USER, the binding cell of
 *             *PACKAGE*, LISPOS and LISPOS-INTERNAL.
 *
 * The system's packages: COMMON-LISP holds the standard's 978 symbols and
 * nothing else, all external.  LISPOS exports the system's own API
 * (capabilities, environments, conditions of its own; later the store).
 * LISPOS-INTERNAL uses both and holds everything else the system defines:
 * the boot code is read in it, and lo_intern interns there, so C and the
 * boot code name the same symbols.  COMMON-LISP-USER uses COMMON-LISP and
 * LISPOS; each user has their own.  A user environment sees its own packages and
 *             then the system's, and cannot change the system's
 *             (PKG_SYSTEM): intern new symbols in them (except keywords),
 *             export, import, rename, delete...
 *
 * Readers take no lock: a symbol goes into an empty slot of a table with
 * a release store, and every other change (growing or shrinking a table,
 * a new list) builds a new object and publishes it with one release
 * store, so a reader sees the old state or the new one, never a mix.
 * Writers hold the world lock (lo_world_lock) and may signal errors with
 * it held: the error handler releases it.
 */
#ifndef LO_LISP_PACKAGE_H
#define LO_LISP_PACKAGE_H

#include "lisp/internal.h"

enum { PKG_NAME = 1, PKG_NICKNAMES, PKG_USE, PKG_USED_BY, PKG_INTERNAL,
       PKG_EXTERNAL, PKG_SHADOWING, PKG_FLAGS, PKG_WORDS };
#define PKG_KEYWORD 1                   /* PKG_FLAGS: the KEYWORD package */
#define PKG_SYSTEM 2                    /* PKG_FLAGS: the system environment's */

enum { REG_PACKAGES, REG_CL, REG_KEYWORD, REG_CL_USER, REG_PACKAGE_CELL,
       REG_LISPOS, REG_INTERNAL, REG_WORDS };

/* How a symbol is accessible in a package (find-symbol's second value). */
enum lo_sym_status { LO_SYM_NONE, LO_SYM_INTERNAL, LO_SYM_EXTERNAL,
                     LO_SYM_INHERITED };

/* A name to look up: code points (possibly inside a heap string, valid
 * until the next collection) and their hash. */
struct lo_name {
    const uint32_t *chars;
    uint64_t len;
    uint32_t hash;
};

/* The hash of a name: CRC32C of its UTF-8 (every symbol's SYM_HASH). */
uint32_t lo_name_hash(const uint32_t *chars, uint64_t len);
struct lo_name lo_name_of(lo_value string);
/* A fresh symbol named so (the name is copied), homed in home or nil. */
lo_value lo_make_symbol(lo_lisp *L, const struct lo_name *name,
                        lo_value home);

/* ---- packages ---- */
lo_value lo_registry_ref(lo_lisp *L, unsigned slot);
static inline bool lo_packagep(lo_value v)
{
    return lo_typep(v, LO_T_PACKAGE);
}
static inline bool lo_package_deleted(lo_value pkg)
{
    return !lo_typep(lo_ptr(pkg)[PKG_NAME], LO_T_STRING);
}
/* The package named (or nicknamed) name, or nil; and a fresh list of
 * every package the current environment sees. */
lo_value lo_find_package_named(lo_lisp *L, const struct lo_name *name);
lo_value lo_visible_packages(lo_lisp *L);
/* Whether pkg is one of env's own packages (not its parent's, nor
 * another environment's). */
bool lo_package_of_env_p(lo_value pkg, lo_value env);
/* The value of *PACKAGE*; when it is not a live package it is reset to
 * COMMON-LISP-USER and, if complain, an error is signalled. */
lo_value lo_current_package(lo_lisp *L, bool complain);
void lo_set_current_package(lo_lisp *L, lo_value pkg);

/* name: a string; nicknames: a list of strings; use: a list of live
 * packages.  A PACKAGE-ERROR when a name is taken. */
lo_value lo_make_package(lo_lisp *L, lo_value name, lo_value nicknames,
                         lo_value use);
/* False when pkg was already deleted. */
bool lo_delete_package(lo_lisp *L, lo_value pkg);
void lo_rename_package(lo_lisp *L, lo_value pkg, lo_value name,
                       lo_value nicknames);

/* ---- symbols in packages ---- */
enum lo_sym_status lo_find_symbol(lo_lisp *L, lo_value pkg,
                                  const struct lo_name *name, lo_value *out);
/* The symbol, made (internal, or external in KEYWORD) when absent;
 * *status gets what lo_find_symbol said before. */
lo_value lo_intern_in(lo_lisp *L, lo_value pkg, const struct lo_name *name,
                      enum lo_sym_status *status);
void lo_export(lo_lisp *L, lo_value sym, lo_value pkg);
void lo_unexport(lo_lisp *L, lo_value sym, lo_value pkg);
void lo_import(lo_lisp *L, lo_value sym, lo_value pkg, bool shadowing);
void lo_shadow(lo_lisp *L, const struct lo_name *name, lo_value pkg);
bool lo_unintern(lo_lisp *L, lo_value sym, lo_value pkg);
void lo_use_package(lo_lisp *L, lo_value used, lo_value pkg);
void lo_unuse_package(lo_lisp *L, lo_value used, lo_value pkg);
/* Whether sym is external in its home package. */
bool lo_symbol_external_p(lo_value sym);
/* A fresh list of the symbols present in pkg (externals only when
 * external), or accessible in it when inherited too. */
lo_value lo_package_symbols(lo_lisp *L, lo_value pkg, bool external,
                            bool inherited);

/* ---- boot ---- */
/* Cold boot, right after NIL: the registry, COMMON-LISP (NIL and the
 * standard names in it), LISPOS (its exports), LISPOS-INTERNAL, KEYWORD,
 * COMMON-LISP-USER; *PACKAGE* = LISPOS-INTERNAL for the boot code. */
void lo_packages_cold(lo_lisp *L);
/* The standard names in COMMON-LISP and LISPOS's exports (below), each
 * interned and external -- again, when the boot code runs into an
 * existing heap (upgrade.c): it makes only what a newer release added. */
void lo_intern_standard_names(lo_lisp *L);
/* After the boot code: *PACKAGE* = COMMON-LISP-USER. */
void lo_packages_boot_done(lo_lisp *L);
/* A new user environment's registry and its own COMMON-LISP-USER. */
void lo_packages_for_env(lo_lisp *L, lo_value env);
/* The standard names of COMMON-LISP, and the names LISPOS exports besides
 * its primitives' (cl_symbols.c). */
extern const char *const lo_cl_names[];
extern const unsigned lo_cl_name_count;
extern const char *const lo_lispos_names[];
extern const unsigned lo_lispos_name_count;

/* ---- symbol syntax (symbol_syntax.c) ---- */
/* Whether the token at p has escapes or package markers (then it is
 * never a number: lo_read_symbol reads it). */
bool lo_token_is_symbol(const char *p);
/* Read the symbol token at *p (#:name when uninterned). */
lo_value lo_read_symbol(lo_lisp *L, const char **p, bool uninterned);
/* Write sym as prin1 (escape) or princ would. */
/* The package prefix prin1 gives sym ("", ":", "#:", "PKG:", "PKG::"),
 * and whether a name needs |bars| to read back in base. */
void lo_write_symbol_prefix(lo_lisp *L, lo_value sym, struct lo_text *out);
bool lo_name_needs_bars(const uint32_t *s, uint64_t len, unsigned base);
void lo_write_symbol(lo_lisp *L, lo_value sym, struct lo_text *out,
                     bool escape);

#endif
