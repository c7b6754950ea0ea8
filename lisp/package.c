/*
 * package.c -- symbols and packages: names, symbol tables, the package
 * registry, finding and interning, export, import, shadowing, use lists,
 * and the three packages of a cold boot.  Layouts and the locking rule
 * are in package.h; the Lisp functions are in package_prims.c.
 *
 * COMMON-LISP holds the system's symbols, all external: the standard
 * names (cl_symbols.c), every name C code interns (lo_intern), and what
 * the boot code defines.  KEYWORD holds the keywords, COMMON-LISP-USER
 * (which uses COMMON-LISP) is where users start.
 */
#include <string.h>

#include "drivers/checksum.h"
#include "lisp/environment.h"
#include "drivers/printf.h"
#include "lisp/package.h"
#include "lisp/sequences.h"

enum { EMPTY = 0,                       /* an empty table slot (fixnum 0) */
       FIRST_CAPACITY = 16, C_NAME_MAX = 256 };

static lo_value load(const uint64_t *word)
{
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

static void publish(uint64_t *word, lo_value v)
{
    __atomic_store_n(word, v, __ATOMIC_RELEASE);
}

/* ---- names ------------------------------------------------------------- */

uint32_t lo_name_hash(const uint32_t *chars, uint64_t len)
{
    uint32_t crc = 0;
    char buf[64];
    size_t n = 0;
    for (uint64_t i = 0; i < len; i++) {
        if (n + 4 > sizeof buf) {
            crc = lo_crc32c(crc, buf, n);
            n = 0;
        }
        n += lo_utf8_encode(chars[i], buf + n);
    }
    return lo_crc32c(crc, buf, n);
}

struct lo_name lo_name_of(lo_value string)
{
    struct lo_name n = { lo_string_chars(string), lo_string_length(string),
                         0 };
    n.hash = lo_name_hash(n.chars, n.len);
    return n;
}

/* A symbol's own name (its hash is kept in the symbol). */
static struct lo_name symbol_name_of(lo_value sym)
{
    lo_value s = lo_symbol_name(sym);
    return (struct lo_name){ lo_string_chars(s), lo_string_length(s),
                             (uint32_t)lo_fixnum_value(lo_ptr(sym)[SYM_HASH]) };
}

/* An ASCII name from C into buf. */
static struct lo_name c_name(const char *text, uint32_t *buf)
{
    size_t len = strlen(text);
    if (len > C_NAME_MAX)
        lo_panic("lo_intern: name longer than %d", C_NAME_MAX);
    for (size_t i = 0; i < len; i++)
        buf[i] = (unsigned char)text[i];
    return (struct lo_name){ buf, len, lo_name_hash(buf, len) };
}

static bool name_is(lo_value string, const struct lo_name *name)
{
    return lo_string_length(string) == name->len &&
           (name->len == 0 ||
            memcmp(lo_string_chars(string), name->chars,
                   name->len * sizeof *name->chars) == 0);
}

static lo_value copy_string(lo_lisp *L, const uint32_t *chars, uint64_t len)
{
    lo_value s = lo_alloc_string(L, len);
    if (len)
        memcpy(lo_string_chars(s), chars, len * sizeof *chars);
    return s;
}

/* ---- symbols ------------------------------------------------------------- */

static lo_value symbol_with(lo_lisp *L, lo_value string, uint32_t hash,
                            lo_value home)
{
    uint64_t *p = lo_alloc_object(L, LO_T_SYMBOL, SYM_WORDS);
    p[SYM_NAME] = string;
    p[SYM_PACKAGE] = home;
    p[SYM_PLIST] = L->nil;
    p[SYM_HASH] = lo_fixnum(hash);
    return lo_make_object(p);
}

lo_value lo_make_symbol(lo_lisp *L, const struct lo_name *name, lo_value home)
{
    return symbol_with(L, copy_string(L, name->chars, name->len), name->hash,
                       home);
}

lo_value lo_symbol_name(lo_value sym)
{
    return lo_ptr(sym)[SYM_NAME];
}

/* A fresh uninterned symbol: G1, G2, ... (distinct objects even when a
 * name repeats after a restart). */
lo_value lo_gensym(lo_lisp *L)
{
    char text[32];
    uint32_t buf[32];
    lo_snprintf(text, sizeof text, "G%llu",
                (unsigned long long)++L->gensym_counter);
    struct lo_name name = c_name(text, buf);
    return lo_make_symbol(L, &name, L->nil);
}

static bool home_is_keyword(lo_value home)
{
    return lo_packagep(home) &&
           (lo_fixnum_value(lo_ptr(home)[PKG_FLAGS]) & PKG_KEYWORD);
}

bool lo_keywordp(lo_value v)
{
    return lo_symbolp(v) && home_is_keyword(lo_ptr(v)[SYM_PACKAGE]);
}

/* ---- symbol tables -------------------------------------------------------
 * A vector: element 0 the count, then a power of two of slots. */

static uint64_t table_capacity(lo_value t)
{
    return lo_vector_length(t) - 1;
}

static uint64_t *table_slots(lo_value t)
{
    return lo_ptr(t) + 3;
}

static lo_value table_new(lo_lisp *L, uint64_t capacity)
{
    return lo_make_vector(L, capacity + 1, EMPTY);  /* count 0, all empty */
}

static uint32_t symbol_hash(lo_value sym)
{
    return (uint32_t)lo_fixnum_value(lo_ptr(sym)[SYM_HASH]);
}

static bool table_find(lo_value t, const struct lo_name *name, lo_value *out)
{
    uint64_t mask = table_capacity(t) - 1, *slots = table_slots(t);
    for (uint64_t i = name->hash & mask, n = 0; n <= mask;
         i = (i + 1) & mask, n++) {
        lo_value sym = load(&slots[i]);
        if (sym == EMPTY)
            return false;
        if (symbol_hash(sym) == name->hash &&
            name_is(lo_symbol_name(sym), name)) {
            *out = sym;
            return true;
        }
    }
    return false;
}

/* Put sym in the first empty slot of its probe sequence; published when
 * readers may already see t. */
static void table_place(lo_value t, lo_value sym, bool visible)
{
    uint64_t mask = table_capacity(t) - 1, *slots = table_slots(t);
    uint64_t i = symbol_hash(sym) & mask;
    while (slots[i] != EMPTY)
        i = (i + 1) & mask;
    if (visible)
        publish(&slots[i], sym);
    else
        slots[i] = sym;
    lo_ptr(t)[2] = lo_fixnum(lo_fixnum_value(lo_ptr(t)[2]) + 1);
}

/* A new table of the given capacity with t's symbols but skip (EMPTY:
 * all of them). */
static lo_value table_copy(lo_lisp *L, lo_value t, uint64_t capacity,
                           lo_value skip)
{
    lo_value copy = table_new(L, capacity);
    for (uint64_t i = 0; i < table_capacity(t); i++) {
        lo_value sym = table_slots(t)[i];
        if (sym != EMPTY && (skip == EMPTY || !lo_eq(sym, skip)))
            table_place(copy, sym, false);
    }
    return copy;
}

/* Add sym to the table in word `slot` of package pkg (world lock held):
 * in place while at most 3/4 full, else into a table twice the size. */
static void table_add(lo_lisp *L, lo_value pkg, unsigned slot, lo_value sym)
{
    LO_ASSERT(L->world_locked);         /* writers hold the world lock */
    lo_value t = lo_ptr(pkg)[slot];
    uint64_t capacity = table_capacity(t);
    if ((uint64_t)(lo_fixnum_value(lo_ptr(t)[2]) + 1) * 4 <= capacity * 3) {
        table_place(t, sym, true);
        return;
    }
    lo_value bigger = table_copy(L, t, capacity * 2, EMPTY);
    table_place(bigger, sym, false);
    publish(&lo_ptr(pkg)[slot], bigger);
}

/* Remove sym: a copy without it replaces the table (readers may be
 * probing the old one, so it is never changed). */
static void table_remove(lo_lisp *L, lo_value pkg, unsigned slot,
                         lo_value sym)
{
    lo_value t = lo_ptr(pkg)[slot];
    publish(&lo_ptr(pkg)[slot], table_copy(L, t, table_capacity(t), sym));
}

/* ---- lists shared with lock-free readers ---- */

static bool memq(lo_value x, lo_value list)
{
    for (; lo_consp(list); list = lo_cdr_raw(list))
        if (lo_eq(lo_car_raw(list), x))
            return true;
    return false;
}

static lo_value list_without(lo_lisp *L, lo_value list, lo_value x)
{
    if (!lo_consp(list))
        return L->nil;
    lo_value rest = list_without(L, lo_cdr_raw(list), x);
    return lo_eq(lo_car_raw(list), x) ? rest
                                      : lo_cons(L, lo_car_raw(list), rest);
}

static void push_word(lo_lisp *L, uint64_t *word, lo_value x)
{
    publish(word, lo_cons(L, x, *word));
}

static void remove_word(lo_lisp *L, uint64_t *word, lo_value x)
{
    if (memq(x, *word))
        publish(word, list_without(L, *word, x));
}

static const char *package_text(lo_value pkg, char *buf, size_t len);

/* ---- the registry and finding packages -------------------------------------- */

/* An environment's package registry (each has its own). */
static uint64_t *registry_of(lo_value env)
{
    return lo_vector_items(lo_ptr(env)[ENV_PACKAGES]);
}

static uint64_t *registry(lo_lisp *L)
{
    return registry_of(lo_current_env(L));
}

lo_value lo_registry_ref(lo_lisp *L, unsigned slot)
{
    return load(&registry(L)[slot]);
}

static bool package_named(lo_value pkg, const struct lo_name *name)
{
    lo_value own = lo_ptr(pkg)[PKG_NAME];
    if (lo_typep(own, LO_T_STRING) && name_is(own, name))
        return true;
    for (lo_value l = load(&lo_ptr(pkg)[PKG_NICKNAMES]); lo_consp(l);
         l = lo_cdr_raw(l))
        if (name_is(lo_car_raw(l), name))
            return true;
    return false;
}

static lo_value package_in(lo_lisp *L, lo_value packages,
                           const struct lo_name *name)
{
    for (lo_value l = packages; lo_consp(l); l = lo_cdr_raw(l))
        if (package_named(lo_car_raw(l), name))
            return lo_car_raw(l);
    return L->nil;
}

/* A user environment sees its own packages, then the system's that none
 * of its own shadows by name (its COMMON-LISP-USER shadows the system's). */
lo_value lo_find_package_named(lo_lisp *L, const struct lo_name *name)
{
    lo_value env = lo_current_env(L);
    lo_value found = package_in(L, load(&registry_of(env)[REG_PACKAGES]),
                                name);
    lo_value parent = lo_ptr(env)[ENV_PARENT];
    if (lo_null(L, found) && !lo_null(L, parent))
        found = package_in(L, load(&registry_of(parent)[REG_PACKAGES]), name);
    return found;
}

bool lo_package_of_env_p(lo_value pkg, lo_value env)
{
    for (lo_value l = load(&registry_of(env)[REG_PACKAGES]); lo_consp(l);
         l = lo_cdr_raw(l))
        if (lo_eq(lo_car_raw(l), pkg))
            return true;
    return false;
}

static bool shadowed_by(lo_lisp *L, lo_value pkg, lo_value packages)
{
    lo_value name = lo_ptr(pkg)[PKG_NAME];
    if (!lo_typep(name, LO_T_STRING))
        return false;
    struct lo_name n = lo_name_of(name);
    return !lo_null(L, package_in(L, packages, &n));
}

lo_value lo_visible_packages(lo_lisp *L)
{
    lo_value env = lo_current_env(L);
    lo_value own = load(&registry_of(env)[REG_PACKAGES]), out = L->nil;
    lo_value *tail = &out;
    for (lo_value l = own; lo_consp(l); l = lo_cdr_raw(l)) {
        *tail = lo_cons(L, lo_car_raw(l), L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    lo_value parent = lo_ptr(env)[ENV_PARENT];
    if (!lo_null(L, parent))
        for (lo_value l = load(&registry_of(parent)[REG_PACKAGES]);
             lo_consp(l); l = lo_cdr_raw(l))
            if (!shadowed_by(L, lo_car_raw(l), own)) {
                *tail = lo_cons(L, lo_car_raw(l), L->nil);
                tail = &lo_ptr(*tail)[2];
            }
    return out;
}

/* A PACKAGE-ERROR when a user environment would change a package of the
 * system environment (they are shared by every user). */
static void check_mutable(lo_lisp *L, lo_value pkg, const char *op)
{
    if (!(lo_fixnum_value(lo_ptr(pkg)[PKG_FLAGS]) & PKG_SYSTEM) ||
        !lo_in_user_env(L))
        return;
    char buf[128];
    lo_error_initargs(L, "PACKAGE-ERROR", &(struct lo_initarg){ "PACKAGE", pkg },
                      1, "%s: the package %s belongs to the system "
                      "environment and cannot be changed from a user's", op,
                      package_text(pkg, buf, sizeof buf));
}

lo_value lo_current_package(lo_lisp *L, bool complain)
{
    /* this thread's binding of *PACKAGE* (LOAD and LET bind it) */
    lo_value cell = lo_registry_ref(L, REG_PACKAGE_CELL);
    lo_value pkg = lo_cell_value(L, cell);
    if (lo_packagep(pkg) && !lo_package_deleted(pkg))
        return pkg;
    lo_value user = lo_registry_ref(L, REG_CL_USER);
    if (complain) {
        lo_cell_assign(L, cell, user);
        lo_error(L, "PACKAGE-ERROR", "*PACKAGE* was not a package; it is "
                 "COMMON-LISP-USER again");
    }
    return user;
}

void lo_set_current_package(lo_lisp *L, lo_value pkg)
{
    /* Written only when it changes: every open sets it (open.c), and a
     * plain open should dirty no page of the store. */
    lo_value cell = lo_registry_ref(L, REG_PACKAGE_CELL);
    if (lo_cell_value(L, cell) != pkg)
        lo_cell_assign(L, cell, pkg);
}

/* For messages: a string's text. */
static const char *text_of(lo_value s, char *buf, size_t len)
{
    if (!lo_typep(s, LO_T_STRING))
        return "(deleted)";
    lo_string_utf8(s, buf, len);
    return buf;
}

static const char *package_text(lo_value pkg, char *buf, size_t len)
{
    return text_of(lo_ptr(pkg)[PKG_NAME], buf, len);
}

static const char *symbol_text(lo_value sym, char *buf, size_t len)
{
    return text_of(lo_symbol_name(sym), buf, len);
}

/* ---- making, renaming and deleting packages ------------------------------ */

/* A PACKAGE-ERROR when name or one of nicknames names a package other
 * than self (world lock held). */
static void check_names_free(lo_lisp *L, lo_value name, lo_value nicknames,
                             lo_value self)
{
    for (lo_value l = lo_cons(L, name, nicknames); lo_consp(l);
         l = lo_cdr_raw(l)) {
        struct lo_name n = lo_name_of(lo_car_raw(l));
        lo_value other = lo_find_package_named(L, &n);
        if (!lo_null(L, other) && !lo_eq(other, self)) {
            char buf[128];
            lo_error_initargs(L, "PACKAGE-ERROR",
                              &(struct lo_initarg){ "PACKAGE", lo_car_raw(l) },
                              1, "a package named %s already exists",
                              text_of(lo_car_raw(l), buf, sizeof buf));
        }
    }
}

static lo_value copy_name(lo_lisp *L, lo_value s)
{
    return copy_string(L, lo_string_chars(s), lo_string_length(s));
}

/* Fresh copies of the strings, in reverse order as SBCL keeps them. */
static lo_value copy_names(lo_lisp *L, lo_value strings, lo_value onto)
{
    for (; lo_consp(strings); strings = lo_cdr_raw(strings))
        onto = lo_cons(L, copy_name(L, lo_car_raw(strings)), onto);
    return onto;
}

lo_value lo_make_package(lo_lisp *L, lo_value name, lo_value nicknames,
                         lo_value use)
{
    lo_world_lock(L);
    check_names_free(L, name, nicknames, L->nil);
    uint64_t *p = lo_alloc_object(L, LO_T_PACKAGE, PKG_WORDS);
    p[PKG_NAME] = copy_name(L, name);
    p[PKG_NICKNAMES] = copy_names(L, nicknames, L->nil);
    p[PKG_USE] = p[PKG_USED_BY] = p[PKG_SHADOWING] = L->nil;
    p[PKG_INTERNAL] = table_new(L, FIRST_CAPACITY);
    p[PKG_EXTERNAL] = table_new(L, FIRST_CAPACITY);
    p[PKG_FLAGS] = lo_fixnum(lo_in_user_env(L) ? 0 : PKG_SYSTEM);
    lo_value pkg = lo_make_object(p);
    push_word(L, &registry(L)[REG_PACKAGES], pkg);
    lo_world_unlock(L);
    for (; lo_consp(use); use = lo_cdr_raw(use))
        lo_use_package(L, lo_car_raw(use), pkg);
    return pkg;
}

void lo_rename_package(lo_lisp *L, lo_value pkg, lo_value name,
                       lo_value nicknames)
{
    check_mutable(L, pkg, "RENAME-PACKAGE");
    lo_world_lock(L);
    check_names_free(L, name, nicknames, pkg);
    lo_value new_name = copy_name(L, name);
    lo_value new_nicknames = copy_names(L, nicknames, L->nil);
    publish(&lo_ptr(pkg)[PKG_NAME], new_name);
    publish(&lo_ptr(pkg)[PKG_NICKNAMES], new_nicknames);
    lo_world_unlock(L);
}

/* Symbols homed in pkg lose their home (they print as #:NAME). */
static void orphan_symbols(lo_lisp *L, lo_value t, lo_value pkg)
{
    for (uint64_t i = 0; i < table_capacity(t); i++) {
        lo_value sym = table_slots(t)[i];
        if (sym != EMPTY && lo_eq(lo_ptr(sym)[SYM_PACKAGE], pkg))
            lo_ptr(sym)[SYM_PACKAGE] = L->nil;
    }
}

bool lo_delete_package(lo_lisp *L, lo_value pkg)
{
    char buf[128];
    if (!lo_package_deleted(pkg))
        check_mutable(L, pkg, "DELETE-PACKAGE");
    lo_world_lock(L);
    uint64_t *p = lo_ptr(pkg);
    if (lo_package_deleted(pkg)) {
        lo_world_unlock(L);
        return false;
    }
    if (lo_eq(pkg, lo_registry_ref(L, REG_CL)) ||
        lo_eq(pkg, lo_registry_ref(L, REG_KEYWORD)))
        lo_error_initargs(L, "PACKAGE-ERROR",
                          &(struct lo_initarg){ "PACKAGE", pkg }, 1,
                          "the package %s cannot be deleted",
                          package_text(pkg, buf, sizeof buf));
    if (!lo_null(L, p[PKG_USED_BY]))
        lo_error_initargs(L, "PACKAGE-ERROR",
                          &(struct lo_initarg){ "PACKAGE", pkg }, 1,
                          "the package %s is used by other packages",
                          package_text(pkg, buf, sizeof buf));
    remove_word(L, &registry(L)[REG_PACKAGES], pkg);
    for (lo_value l = p[PKG_USE]; lo_consp(l); l = lo_cdr_raw(l))
        remove_word(L, &lo_ptr(lo_car_raw(l))[PKG_USED_BY], pkg);
    orphan_symbols(L, p[PKG_INTERNAL], pkg);
    orphan_symbols(L, p[PKG_EXTERNAL], pkg);
    publish(&p[PKG_NAME], L->nil);
    publish(&p[PKG_NICKNAMES], L->nil);
    publish(&p[PKG_USE], L->nil);
    publish(&p[PKG_SHADOWING], L->nil);
    publish(&p[PKG_INTERNAL], table_new(L, FIRST_CAPACITY));
    publish(&p[PKG_EXTERNAL], table_new(L, FIRST_CAPACITY));
    lo_world_unlock(L);
    return true;
}

/* ---- finding and interning symbols ------------------------------------------- */

enum lo_sym_status lo_find_symbol(lo_lisp *L, lo_value pkg,
                                  const struct lo_name *name, lo_value *out)
{
    uint64_t *p = lo_ptr(pkg);
    if (table_find(load(&p[PKG_EXTERNAL]), name, out))
        return LO_SYM_EXTERNAL;
    if (table_find(load(&p[PKG_INTERNAL]), name, out))
        return LO_SYM_INTERNAL;
    for (lo_value l = load(&p[PKG_USE]); lo_consp(l); l = lo_cdr_raw(l))
        if (table_find(load(&lo_ptr(lo_car_raw(l))[PKG_EXTERNAL]), name, out))
            return LO_SYM_INHERITED;
    *out = L->nil;
    return LO_SYM_NONE;
}

static bool present(enum lo_sym_status s)
{
    return s == LO_SYM_INTERNAL || s == LO_SYM_EXTERNAL;
}

/* The symbol named so in pkg, made and put in the table in word `slot`
 * when none is accessible.  Looks without the lock first. */
static lo_value intern_into(lo_lisp *L, lo_value pkg, unsigned slot,
                            const struct lo_name *name,
                            enum lo_sym_status *status)
{
    lo_value sym;
    *status = lo_find_symbol(L, pkg, name, &sym);
    if (*status != LO_SYM_NONE)
        return sym;
    lo_world_lock(L);
    *status = lo_find_symbol(L, pkg, name, &sym);
    if (*status == LO_SYM_NONE) {
        sym = lo_make_symbol(L, name, pkg);
        table_add(L, pkg, slot, sym);
    }
    lo_world_unlock(L);
    return sym;
}

lo_value lo_intern_in(lo_lisp *L, lo_value pkg, const struct lo_name *name,
                      enum lo_sym_status *status)
{
    bool keyword = home_is_keyword(pkg);
    if (!keyword) {
        lo_value sym;
        *status = lo_find_symbol(L, pkg, name, &sym);
        if (*status != LO_SYM_NONE)
            return sym;
        check_mutable(L, pkg, "INTERN");
    }
    return intern_into(L, pkg, keyword ? PKG_EXTERNAL : PKG_INTERNAL, name,
                       status);
}

/* From C: the system's symbol named so, as the boot code reads it in
 * LISPOS-INTERNAL -- a standard one from COMMON-LISP, an exported one from
 * LISPOS, else LISPOS-INTERNAL's own (made when absent). */
lo_value lo_intern(lo_lisp *L, const char *text)
{
    uint32_t buf[C_NAME_MAX];
    struct lo_name name = c_name(text, buf);
    enum lo_sym_status status;
    return intern_into(L, lo_registry_ref(L, REG_INTERNAL), PKG_INTERNAL,
                       &name, &status);
}

/* The symbol a primitive's row names: in its package, external but in
 * LISPOS-INTERNAL (primitive.h). */
static const unsigned primitive_registry_slot[] = {
    [LO_PKG_CL] = REG_CL, [LO_PKG_LISPOS] = REG_LISPOS,
    [LO_PKG_INTERNAL] = REG_INTERNAL,
};

lo_value lo_primitive_symbol(lo_lisp *L, const struct lo_primitive *p)
{
    uint32_t buf[C_NAME_MAX];
    struct lo_name name = c_name(p->name, buf);
    enum lo_sym_status status;
    lo_value pkg = lo_registry_ref(L, primitive_registry_slot[p->package]);
    return intern_into(L, pkg, p->package == LO_PKG_INTERNAL ? PKG_INTERNAL
                                                              : PKG_EXTERNAL,
                       &name, &status);
}

/* The symbol lo_primitive_symbol would give, looked up the same way, or 0
 * when there is none yet (primitives.c binds by it, at every open, and
 * must not allocate then). */
lo_value lo_find_primitive_symbol(lo_lisp *L, const struct lo_primitive *p)
{
    uint32_t buf[C_NAME_MAX];
    struct lo_name name = c_name(p->name, buf);
    lo_value sym;
    lo_value pkg = lo_registry_ref(L, primitive_registry_slot[p->package]);
    return lo_find_symbol(L, pkg, &name, &sym) == LO_SYM_NONE ? 0 : sym;
}

/* An external symbol of pkg named so: made when absent, exported when
 * present but internal (a name a newer release exports, interned by the
 * older one), found otherwise.  A user's package that uses pkg and holds
 * a symbol of that name keeps its own, which it finds first. */
static lo_value intern_external(lo_lisp *L, lo_value pkg, const char *text)
{
    uint32_t buf[C_NAME_MAX];
    struct lo_name name = c_name(text, buf);
    enum lo_sym_status status;
    lo_value sym = intern_into(L, pkg, PKG_EXTERNAL, &name, &status);
    if (status == LO_SYM_INTERNAL) {
        lo_world_lock(L);
        if (lo_find_symbol(L, pkg, &name, &sym) == LO_SYM_INTERNAL) {
            table_add(L, pkg, PKG_EXTERNAL, sym);
            table_remove(L, pkg, PKG_INTERNAL, sym);
        }
        lo_world_unlock(L);
    }
    return sym;
}

void lo_intern_standard_names(lo_lisp *L)
{
    for (unsigned i = 0; i < lo_cl_name_count; i++)
        intern_external(L, lo_registry_ref(L, REG_CL), lo_cl_names[i]);
    for (unsigned i = 0; i < lo_lispos_name_count; i++)
        intern_external(L, lo_registry_ref(L, REG_LISPOS), lo_lispos_names[i]);
}

lo_value lo_intern_keyword(lo_lisp *L, const char *text)
{
    uint32_t buf[C_NAME_MAX];
    struct lo_name name = c_name(text, buf);
    enum lo_sym_status status;
    return intern_into(L, lo_registry_ref(L, REG_KEYWORD), PKG_EXTERNAL,
                       &name, &status);
}

bool lo_symbol_external_p(lo_value sym)
{
    lo_value home = lo_ptr(sym)[SYM_PACKAGE], found;
    struct lo_name name = symbol_name_of(sym);
    return lo_packagep(home) &&
           table_find(load(&lo_ptr(home)[PKG_EXTERNAL]), &name, &found) &&
           lo_eq(found, sym);
}

/* ---- export, import, shadow, unintern (world lock held throughout) ------- */

static _Noreturn void conflict(lo_lisp *L, const char *what, lo_value sym,
                               lo_value pkg)
{
    char s[128], p[128];
    lo_error_initargs(L, "PACKAGE-ERROR", &(struct lo_initarg){ "PACKAGE", pkg },
                      1, "%s %s in %s: a name conflict", what,
                      symbol_text(sym, s, sizeof s),
                      package_text(pkg, p, sizeof p));
}

static _Noreturn void inaccessible(lo_lisp *L, lo_value sym, lo_value pkg)
{
    char s[128], p[128];
    lo_error_initargs(L, "PACKAGE-ERROR", &(struct lo_initarg){ "PACKAGE", pkg },
                      1, "the symbol %s is not accessible in %s",
                      symbol_text(sym, s, sizeof s),
                      package_text(pkg, p, sizeof p));
}

/* Whether name in pkg finds a symbol other than sym that does not shadow
 * (a name conflict if sym became accessible there). */
static bool clashes(lo_lisp *L, lo_value pkg, const struct lo_name *name,
                    lo_value sym)
{
    lo_value other;
    return lo_find_symbol(L, pkg, name, &other) != LO_SYM_NONE &&
           !lo_eq(other, sym) && !memq(other, lo_ptr(pkg)[PKG_SHADOWING]);
}

/* How sym is accessible in pkg, which op may change; the world lock is
 * held on return.  A PACKAGE-ERROR when sym is not accessible there. */
static enum lo_sym_status lock_accessible(lo_lisp *L, lo_value sym,
                                          lo_value pkg, const char *op)
{
    check_mutable(L, pkg, op);
    struct lo_name name = symbol_name_of(sym);
    lo_value found;
    lo_world_lock(L);
    enum lo_sym_status status = lo_find_symbol(L, pkg, &name, &found);
    if (status == LO_SYM_NONE || !lo_eq(found, sym))
        inaccessible(L, sym, pkg);
    return status;
}

/*
 * An upgrade's new boot code exports a name from a system package, and a
 * package using it already finds another symbol by that name.
 *  - A user's package: the user's symbol wins, as a present symbol would
 *    in Common Lisp: it becomes a shadowing symbol there (imported first
 *    when it was inherited from another package), so the user's code and
 *    data keep meaning what they meant (docs/upgrade.md, "Names a release
 *    exports").  Signalling the conflict instead would let any user stop
 *    every upgrade of the store.
 *  - A system package (frozen): the old build's symbol there -- a name the
 *    old boot code used, a lexical variable's or an internal function's --
 *    gives way, as if the new boot code had run on a new store; code the
 *    old build compiled keeps the symbol object it holds.
 */
static void remove_present(lo_lisp *L, lo_value sym, lo_value pkg,
                           enum lo_sym_status status);

static bool drop_old_system_symbol(lo_lisp *L, lo_value pkg,
                                   const struct lo_name *name)
{
    lo_value other;
    enum lo_sym_status status = lo_find_symbol(L, pkg, name, &other);
    if (!present(status))
        return false;           /* inherited: two system packages clash */
    remove_present(L, other, pkg, status);
    return true;
}

static void keep_users_symbol(lo_lisp *L, lo_value pkg,
                              const struct lo_name *name)
{
    lo_value other;
    if (!present(lo_find_symbol(L, pkg, name, &other)))
        table_add(L, pkg, PKG_INTERNAL, other);
    push_word(L, &lo_ptr(pkg)[PKG_SHADOWING], other);
}

void lo_export(lo_lisp *L, lo_value sym, lo_value pkg)
{
    enum lo_sym_status status = lock_accessible(L, sym, pkg, "EXPORT");
    struct lo_name name = symbol_name_of(sym);
    if (status != LO_SYM_EXTERNAL) {
        for (lo_value l = lo_ptr(pkg)[PKG_USED_BY]; lo_consp(l);
             l = lo_cdr_raw(l)) {
            lo_value user = lo_car_raw(l);
            if (!clashes(L, user, &name, sym))
                continue;
            if (!L->W->upgrading)
                conflict(L, "exporting", sym, user);
            if (!lo_frozen_p(user))
                keep_users_symbol(L, user, &name);
            else if (!drop_old_system_symbol(L, user, &name))
                conflict(L, "exporting", sym, user);
        }
        table_add(L, pkg, PKG_EXTERNAL, sym);
        if (status == LO_SYM_INTERNAL)
            table_remove(L, pkg, PKG_INTERNAL, sym);
    }
    lo_world_unlock(L);
}

void lo_unexport(lo_lisp *L, lo_value sym, lo_value pkg)
{
    enum lo_sym_status status = lock_accessible(L, sym, pkg, "UNEXPORT");
    if (status == LO_SYM_EXTERNAL) {
        table_add(L, pkg, PKG_INTERNAL, sym);
        table_remove(L, pkg, PKG_EXTERNAL, sym);
    }
    lo_world_unlock(L);
}

/* Take sym out of the table that holds it in pkg and out of the
 * shadowing list; a symbol homed there loses its home. */
static void remove_present(lo_lisp *L, lo_value sym, lo_value pkg,
                           enum lo_sym_status status)
{
    table_remove(L, pkg, status == LO_SYM_EXTERNAL ? PKG_EXTERNAL
                                                   : PKG_INTERNAL, sym);
    remove_word(L, &lo_ptr(pkg)[PKG_SHADOWING], sym);
    if (lo_eq(lo_ptr(sym)[SYM_PACKAGE], pkg))
        lo_ptr(sym)[SYM_PACKAGE] = L->nil;
}

void lo_import(lo_lisp *L, lo_value sym, lo_value pkg, bool shadowing)
{
    check_mutable(L, pkg, "IMPORT");
    struct lo_name name = symbol_name_of(sym);
    lo_value found;
    lo_world_lock(L);
    enum lo_sym_status status = lo_find_symbol(L, pkg, &name, &found);
    bool same = status != LO_SYM_NONE && lo_eq(found, sym);
    if (!same && status != LO_SYM_NONE) {
        if (!shadowing)
            conflict(L, "importing", sym, pkg);
        if (present(status))
            remove_present(L, found, pkg, status);
    }
    if (!(same && present(status)))
        table_add(L, pkg, home_is_keyword(pkg) ? PKG_EXTERNAL : PKG_INTERNAL,
                  sym);
    if (shadowing && !memq(sym, lo_ptr(pkg)[PKG_SHADOWING]))
        push_word(L, &lo_ptr(pkg)[PKG_SHADOWING], sym);
    if (!lo_packagep(lo_ptr(sym)[SYM_PACKAGE]))
        lo_ptr(sym)[SYM_PACKAGE] = pkg;
    lo_world_unlock(L);
}

void lo_shadow(lo_lisp *L, const struct lo_name *name, lo_value pkg)
{
    check_mutable(L, pkg, "SHADOW");
    lo_value sym;
    lo_world_lock(L);
    if (!present(lo_find_symbol(L, pkg, name, &sym))) {
        sym = lo_make_symbol(L, name, pkg);
        table_add(L, pkg, PKG_INTERNAL, sym);
    }
    if (!memq(sym, lo_ptr(pkg)[PKG_SHADOWING]))
        push_word(L, &lo_ptr(pkg)[PKG_SHADOWING], sym);
    lo_world_unlock(L);
}

/* Removing a shadowing symbol must not let two used packages' different
 * symbols of that name meet. */
static void check_unshadow(lo_lisp *L, lo_value sym, lo_value pkg,
                           const struct lo_name *name)
{
    lo_value seen = L->nil, other;
    for (lo_value l = lo_ptr(pkg)[PKG_USE]; lo_consp(l); l = lo_cdr_raw(l)) {
        if (!table_find(lo_ptr(lo_car_raw(l))[PKG_EXTERNAL], name, &other))
            continue;
        if (!lo_null(L, seen) && !lo_eq(seen, other))
            conflict(L, "uninterning", sym, pkg);
        seen = other;
    }
}

bool lo_unintern(lo_lisp *L, lo_value sym, lo_value pkg)
{
    check_mutable(L, pkg, "UNINTERN");
    struct lo_name name = symbol_name_of(sym);
    lo_value found;
    lo_world_lock(L);
    enum lo_sym_status status = lo_find_symbol(L, pkg, &name, &found);
    bool there = present(status) && lo_eq(found, sym);
    if (there) {
        if (memq(sym, lo_ptr(pkg)[PKG_SHADOWING]))
            check_unshadow(L, sym, pkg, &name);
        remove_present(L, sym, pkg, status);
    }
    lo_world_unlock(L);
    return there;
}

/* ---- use lists ---------------------------------------------------------------- */

void lo_use_package(lo_lisp *L, lo_value used, lo_value pkg)
{
    check_mutable(L, pkg, "USE-PACKAGE");
    lo_world_lock(L);
    if (!memq(used, lo_ptr(pkg)[PKG_USE])) {
        lo_value t = lo_ptr(used)[PKG_EXTERNAL];
        for (uint64_t i = 0; i < table_capacity(t); i++) {
            lo_value sym = table_slots(t)[i];
            struct lo_name name;
            if (sym == EMPTY)
                continue;
            name = symbol_name_of(sym);
            if (clashes(L, pkg, &name, sym))
                conflict(L, "using", sym, pkg);
        }
        push_word(L, &lo_ptr(pkg)[PKG_USE], used);
        push_word(L, &lo_ptr(used)[PKG_USED_BY], pkg);
    }
    lo_world_unlock(L);
}

void lo_unuse_package(lo_lisp *L, lo_value used, lo_value pkg)
{
    check_mutable(L, pkg, "UNUSE-PACKAGE");
    lo_world_lock(L);
    remove_word(L, &lo_ptr(pkg)[PKG_USE], used);
    remove_word(L, &lo_ptr(used)[PKG_USED_BY], pkg);
    lo_world_unlock(L);
}

/* ---- listing symbols --------------------------------------------------------- */

static lo_value push_table(lo_lisp *L, lo_value t, lo_value list)
{
    for (uint64_t i = 0; i < table_capacity(t); i++) {
        lo_value sym = load(&table_slots(t)[i]);
        if (sym != EMPTY)
            list = lo_cons(L, sym, list);
    }
    return list;
}

lo_value lo_package_symbols(lo_lisp *L, lo_value pkg, bool external,
                            bool inherited)
{
    uint64_t *p = lo_ptr(pkg);
    lo_value list = push_table(L, load(&p[PKG_EXTERNAL]), L->nil);
    if (external)
        return list;
    list = push_table(L, load(&p[PKG_INTERNAL]), list);
    for (lo_value l = load(&p[PKG_USE]); inherited && lo_consp(l);
         l = lo_cdr_raw(l)) {
        lo_value t = load(&lo_ptr(lo_car_raw(l))[PKG_EXTERNAL]), found;
        for (uint64_t i = 0; i < table_capacity(t); i++) {
            lo_value sym = load(&table_slots(t)[i]);
            if (sym == EMPTY)
                continue;
            struct lo_name name = symbol_name_of(sym);
            if (lo_find_symbol(L, pkg, &name, &found) == LO_SYM_INHERITED &&
                lo_eq(found, sym))
                list = lo_cons(L, sym, list);
        }
    }
    return list;
}

/* ---- boot ------------------------------------------------------------------ */

static lo_value ascii_string(lo_lisp *L, const char *text)
{
    return lo_make_string(L, text, strlen(text));
}

static lo_value nicknames(lo_lisp *L, const char *nickname)
{
    return nickname ? lo_cons(L, ascii_string(L, nickname), L->nil) : L->nil;
}

void lo_packages_cold(lo_lisp *L)
{
    *lo_world_root(L, LO_ROOT_PACKAGES) = lo_make_vector(L, REG_WORDS, L->nil);
    lo_ptr(lo_system_env(L))[ENV_PACKAGES] = *lo_world_root(L, LO_ROOT_PACKAGES);
    uint64_t *reg = registry(L);
    lo_value cl = lo_make_package(L, ascii_string(L, "COMMON-LISP"),
                                  nicknames(L, "CL"), L->nil);
    reg[REG_CL] = cl;
    lo_value lispos = lo_make_package(L, ascii_string(L, "LISPOS"), L->nil,
                                      L->nil);
    reg[REG_LISPOS] = lispos;
    lo_value both = lo_cons(L, cl, lo_cons(L, lispos, L->nil));
    reg[REG_INTERNAL] = lo_make_package(L, ascii_string(L, "LISPOS-INTERNAL"),
                                        L->nil, both);
    lo_value keyword = lo_make_package(L, ascii_string(L, "KEYWORD"), L->nil,
                                       L->nil);
    lo_ptr(keyword)[PKG_FLAGS] = lo_fixnum(PKG_KEYWORD | PKG_SYSTEM);
    reg[REG_KEYWORD] = keyword;
    reg[REG_CL_USER] = lo_make_package(
        L, ascii_string(L, "COMMON-LISP-USER"), nicknames(L, "CL-USER"),
        both);
    /* NIL was made before any package */
    lo_ptr(L->nil)[SYM_PACKAGE] = cl;
    lo_world_lock(L);
    table_add(L, cl, PKG_EXTERNAL, L->nil);
    lo_world_unlock(L);
    lo_intern_standard_names(L);
    /* The boot code is read in LISPOS-INTERNAL. */
    lo_value var = lo_intern(L, "*PACKAGE*");
    lo_proclaim_special(L, var);
    reg[REG_PACKAGE_CELL] = lo_variable_cell(L, var, true);
    lo_set_current_package(L, reg[REG_INTERNAL]);
}

void lo_packages_boot_done(lo_lisp *L)
{
    lo_set_current_package(L, lo_registry_ref(L, REG_CL_USER));
}

void lo_packages_for_env(lo_lisp *L, lo_value env)
{
    uint64_t *parent = registry_of(lo_ptr(env)[ENV_PARENT]);
    lo_value reg = lo_make_vector(L, REG_WORDS, L->nil);
    for (unsigned i = 0; i < REG_WORDS; i++)
        lo_vector_items(reg)[i] = parent[i];
    lo_vector_items(reg)[REG_PACKAGES] = L->nil;
    lo_ptr(env)[ENV_PACKAGES] = reg;
    /* The user's own COMMON-LISP-USER: made directly, as its names are
     * the system's CL-USER's, which it shadows. */
    uint64_t *p = lo_alloc_object(L, LO_T_PACKAGE, PKG_WORDS);
    p[PKG_NAME] = ascii_string(L, "COMMON-LISP-USER");
    p[PKG_NICKNAMES] = lo_cons(L, ascii_string(L, "CL-USER"), L->nil);
    p[PKG_USE] = p[PKG_USED_BY] = p[PKG_SHADOWING] = L->nil;
    p[PKG_INTERNAL] = table_new(L, FIRST_CAPACITY);
    p[PKG_EXTERNAL] = table_new(L, FIRST_CAPACITY);
    p[PKG_FLAGS] = lo_fixnum(0);
    lo_value user = lo_make_object(p);
    lo_vector_items(reg)[REG_CL_USER] = user;
    lo_vector_items(reg)[REG_PACKAGES] = lo_cons(L, user, L->nil);
    lo_use_package(L, parent[REG_CL], user);
    lo_use_package(L, parent[REG_LISPOS], user);
}
