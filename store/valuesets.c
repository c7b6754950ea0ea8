/*
 * valuesets.c -- the per-user sets of allowed values (docs/store.md,
 * "Value sets"): :category, :genre, :format, :language and
 * :source-control take keywords from the caller's own editable set.
 *
 * Every user, and the administrator, starts from the default sets below.
 * A user's sets live in the store record's STORE_VALUE_SETS table, under
 * their name ("" for the administrator), as an EQ table key -> list of
 * keywords, made on their first edit; until then the defaults apply.
 */
#include <string.h>

#include "lisp/hashtable.h"
#include "store/store.h"

static const char *const set_keys[] = {
    "CATEGORY", "GENRE", "FORMAT", "LANGUAGE", "SOURCE-CONTROL",
};

/* The defaults: the seed's examples and a few more of the same kind. */
static const char *const defaults_category[] = {
    "MOVIE", "MUSIC", "ARTICLE", "BOOK", "USER-MANUAL", "DICTIONARY",
    "COURSE", "LECTURE", "RECIPE", "PROGRAM", "BANK-STATEMENT", "EMAIL",
    "PICTURE", "DOCUMENT", "NOTE", NULL,
};
static const char *const defaults_genre[] = {
    "PROGRESSIVE-METAL", "SCIENCE", "ALGORITHMS", "GARBAGE-COLLECTION",
    "GAME", "PROGRAMMING-LANGUAGE-IMPLEMENTATION", "OPERATING-SYSTEM",
    "CLASSICAL", "JAZZ", "ROCK", "POP", "FOLK", NULL,
};
static const char *const defaults_format[] = {
    "PDF", "OGG", "FLAC", "MP3", "MP4", "PNG", "JPEG", "GIF", "ZIP", "GZIP",
    "ELF", "HTML", "TEXT", "LATEX", "TEXINFO", "MARKDOWN", NULL,
};
static const char *const defaults_language[] = {
    "ENGLISH", "VIETNAMESE", "FRENCH", "GERMAN", "SPANISH", "LISP",
    "PYTHON", "C", NULL,
};
static const char *const defaults_source_control[] = {
    "GIT", "SVN", "CVS", "DARCS", "MERCURIAL", NULL,
};
static const char *const *const defaults[] = {
    defaults_category, defaults_genre, defaults_format, defaults_language,
    defaults_source_control,
};

/* Whether the keyword k is named `name` (no interning: this runs for
 * every attribute of every put). */
static bool keyword_named(lo_value k, const char *name)
{
    lo_value s = lo_symbol_name(k);
    uint64_t n = lo_string_length(s);
    for (uint64_t i = 0; i < n; i++)
        if (!name[i] || lo_string_ref(s, i) != (unsigned char)name[i])
            return false;
    return name[n] == 0;
}

/* The first character of a symbol's name (0 for an empty name): most
 * names are told apart by it alone. */
static uint32_t first_char(lo_value sym)
{
    lo_value s = lo_symbol_name(sym);
    return lo_string_length(s) ? lo_string_ref(s, 0) : 0;
}

/* Which of the set keys key is, or -1. */
static int set_index(lo_lisp *L, lo_value key)
{
    (void)L;
    uint32_t c = first_char(key);
    for (int i = 0; i < (int)(sizeof set_keys / sizeof set_keys[0]); i++)
        if ((unsigned char)set_keys[i][0] == c && keyword_named(key, set_keys[i]))
            return i;
    return -1;
}

/* Whether v is in the default set of set key i. */
static bool in_default_set(lo_value v, int i)
{
    uint32_t c = first_char(v);
    for (const char *const *name = defaults[i]; *name; name++)
        if ((unsigned char)(*name)[0] == c && keyword_named(v, *name))
            return true;
    return false;
}

/* The caller's own set for set key i, or 0 when they use the default. */
static lo_value own_set(lo_lisp *L, lo_value store,
                        const struct lo_store_caller *c, int i);

static lo_value default_set(lo_lisp *L, int i)
{
    const char *const *names = defaults[i];
    size_t n = 0;
    while (names[n])
        n++;
    lo_value list = L->nil;
    while (n-- > 0)
        list = lo_cons(L, lo_intern_keyword(L, names[n]), list);
    return list;
}

static lo_value owner_key(lo_lisp *L, const struct lo_store_caller *c)
{
    return lo_null(L, c->name) ? lo_make_string(L, "", 0) : c->name;
}

static lo_value own_set(lo_lisp *L, lo_value store,
                        const struct lo_store_caller *c, int i)
{
    lo_value sets, set;
    lo_value who = lo_null(L, c->name) ? 0 : c->name;
    if (!store)
        return 0;
    lo_value table = *lo_svref(store, STORE_VALUE_SETS);
    if (lo_table_count(table) == 0)     /* nobody edited a set: no key made */
        return 0;
    if (!who)
        who = lo_make_string(L, "", 0);
    if (lo_table_get(L, table, who, &sets) &&
        lo_table_get(L, sets, lo_intern_keyword(L, set_keys[i]), &set))
        return set;
    return 0;
}

/* The caller's set for set key i: their own, or the default. */
static lo_value caller_set(lo_lisp *L, lo_value store,
                           const struct lo_store_caller *c, int i)
{
    lo_value sets;
    if (store && lo_table_get(L, *lo_svref(store, STORE_VALUE_SETS),
                              owner_key(L, c), &sets)) {
        lo_value set;
        if (lo_table_get(L, sets, lo_intern_keyword(L, set_keys[i]), &set))
            return set;
    }
    return default_set(L, i);
}

static bool member_eq(lo_value x, lo_value list)
{
    for (; lo_consp(list); list = lo_cdr_raw(list))
        if (lo_eq(lo_car_raw(list), x))
            return true;
    return false;
}

void lo_store_check_set_value(lo_lisp *L, lo_value store,
                              const struct lo_store_caller *c, lo_value key,
                              lo_value v)
{
    int i = set_index(L, key);
    if (i < 0)
        return;
    if (lo_keywordp(v)) {
        lo_value own = own_set(L, store, c, i);
        if (own ? member_eq(v, own) : in_default_set(v, i))
            return;
    }
    char k[40], value[80] = "that value";
    lo_string_utf8(lo_symbol_name(key), k, sizeof k);
    if (!lo_keywordp(v))
        lo_store_error(L, ":%s takes keywords from your value set "
                       "(VALUE-SET :%s)", k, k);
    lo_string_utf8(lo_symbol_name(v), value, sizeof value);
    lo_store_error(L, ":%s is not in your value set for :%s (VALUE-SET :%s "
                   "lists it; VALUE-SET-ADD adds to it)", value, k, k);
}

/* ---- primitives ---------------------------------------------------------------- */

static int arg_set_key(lo_lisp *L, lo_value key)
{
    int i = lo_keywordp(key) ? set_index(L, key) : -1;
    if (i < 0)
        lo_arg_error(L, key, "(MEMBER :CATEGORY :GENRE :FORMAT :LANGUAGE "
                     ":SOURCE-CONTROL)");
    return i;
}

LO_PRIMITIVE(p_value_set, "%VALUE-SET", INTERNAL, ANY, 1, 1, "(key)",
             "The caller's set of allowed values for KEY (a fresh list).  "
             "VALUE-SET's work.")
{
    int i = arg_set_key(L, args[0]);
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false);
    struct lo_store_caller c;
    lo_store_caller(L, store, &c);
    lo_value set = lo_store_copy_tree(L, caller_set(L, store, &c, i), 0);
    lo_data_unlock_shared(L);
    return set;
}

/* Make the caller's set for set key i `set`. */
static void store_set(lo_lisp *L, lo_value store,
                      const struct lo_store_caller *c, int i, lo_value set)
{
    lo_value table = *lo_svref(store, STORE_VALUE_SETS), sets;
    lo_value who = owner_key(L, c);
    if (!lo_table_get(L, table, who, &sets)) {
        sets = lo_table_new(L, LO_HASH_EQ, 8);
        lo_table_put(L, table, who, sets);
    }
    lo_table_put(L, sets, lo_intern_keyword(L, set_keys[i]), set);
}

static lo_value edit_set(lo_lisp *L, lo_value *args, bool add)
{
    int i = arg_set_key(L, args[0]);
    if (!lo_keywordp(args[1]))
        lo_arg_error(L, args[1], "KEYWORD");
    if (!lo_data_lock_exclusive(L))
        lo_store_error(L, "a value set cannot be changed while the store is "
                       "being read");
    lo_value store = lo_store_record(L, true);
    struct lo_store_caller c;
    lo_store_caller(L, store, &c);
    lo_value set = caller_set(L, store, &c, i), out = L->nil, *tail = &out;
    bool there = member_eq(args[1], set);
    for (lo_value l = set; lo_consp(l); l = lo_cdr_raw(l))
        if (add || !lo_eq(lo_car_raw(l), args[1])) {
            *tail = lo_cons(L, lo_car_raw(l), L->nil);
            tail = &lo_ptr(*tail)[2];
        }
    if (add && !there)
        *tail = lo_cons(L, args[1], L->nil);
    if (add != there)
        store_set(L, store, &c, i, out);
    lo_data_unlock_exclusive(L);
    return lo_truth(L, add != there);
}

LO_PRIMITIVE(p_value_set_add, "%VALUE-SET-ADD", INTERNAL, ANY, 2, 2,
             "(key value)",
             "Add VALUE to the caller's own set for KEY; true when it was "
             "not there.  VALUE-SET-ADD's work.")
{
    return edit_set(L, args, true);
}

LO_PRIMITIVE(p_value_set_remove, "%VALUE-SET-REMOVE", INTERNAL, ANY, 2, 2,
             "(key value)",
             "Take VALUE out of the caller's own set for KEY (entries keep "
             "the values they have); true when it was there.  "
             "VALUE-SET-REMOVE's work.")
{
    return edit_set(L, args, false);
}

const struct lo_primitive *const lo_store_valueset_primitives[] = {
    LO_ROW(p_value_set),
    LO_ROW(p_value_set_add),
    LO_ROW(p_value_set_remove),
    NULL,
};
