/*
 * entry.c -- changing entries, and their history (docs/store.md,
 * "Changing entries" and "History"; docs/store-design.md section 8).
 *
 * Every change goes through one function, change_entry: it takes the
 * entry's new state (attributes vector, object, ACL, deleted flag),
 * records it as a new version at the head of the entry's history, and
 * only then installs it -- so the indexes (index.c, told of the old and
 * new attributes) and the history never disagree with the entry.
 *
 * A version is a simple-vector: its number, who made it (a user's name,
 * NIL for the administrator), when (seconds since 1970), what changed (a
 * keyword), and the state it left: attributes, object, ACL, deleted.
 * Attribute vectors are never changed in place, so a version shares them
 * with the entry: a version costs a dozen words.  At most the store's
 * history depth of versions are kept, the newest; a deleted entry can be
 * brought back by reverting to a version before its deletion until that
 * version is trimmed.
 *
 * Most entries are never changed, so the first version is not made at
 * the put: while an entry was never changed its history slot holds the
 * time of its put instead, and its one version is number 1, that put, by
 * its owner, which left the state the entry still has (first_version
 * makes it when it is asked for, and the first change records it before
 * its own).
 */
#include <string.h>

#include "auth/acl.h"
#include "lisp/numbers.h"
#include "store/store.h"
#include "store/store_api.h"

enum { VERSION_NUMBER, VERSION_WHO, VERSION_WHEN, VERSION_WHAT,
       VERSION_ATTRS, VERSION_OBJECT, VERSION_ACL, VERSION_DELETED,
       VERSION_SLOTS };

/* ---- the one way an entry changes ------------------------------------------ */

struct state {
    lo_value attrs, object, acl, deleted;
};

static void read_state(lo_value e, struct state *s)
{
    s->attrs = *lo_svref(e, ENTRY_ATTRS);
    s->object = *lo_svref(e, ENTRY_OBJECT);
    s->acl = *lo_svref(e, ENTRY_ACL);
    s->deleted = *lo_svref(e, ENTRY_DELETED);
}

/* Make s the entry's state (its indexes follow already); the store's
 * count of live entries follows it. */
static void install(lo_lisp *L, lo_value store, lo_value e,
                    const struct state *s, bool was_live)
{
    bool live = lo_null(L, s->deleted);
    *lo_svref(e, ENTRY_ATTRS) = s->attrs;
    *lo_svref(e, ENTRY_OBJECT) = s->object;
    *lo_svref(e, ENTRY_ACL) = s->acl;
    *lo_svref(e, ENTRY_DELETED) = s->deleted;
    if (was_live != live)
        *lo_svref(store, STORE_LIVE) = lo_fixnum(
            lo_fixnum_value(*lo_svref(store, STORE_LIVE)) + (live ? 1 : -1));
    lo_store_note_entry(L, store, e);       /* the dense words follow */
}

/* The list cut to its first n elements (n >= 1): the versions kept. */
static void trim(lo_lisp *L, lo_value list, int64_t n)
{
    for (int64_t i = 1; i < n && lo_consp(list); i++)
        list = lo_cdr_raw(list);
    if (lo_consp(list))
        lo_ptr(list)[2] = L->nil;
}

/* A new version: number, by who, when, what, leaving state s. */
static lo_value make_version(lo_lisp *L, int64_t number, lo_value who,
                             lo_value when, lo_value what,
                             const struct state *s)
{
    lo_value v = lo_make_vector(L, VERSION_SLOTS, L->nil);
    *lo_svref(v, VERSION_NUMBER) = lo_fixnum(number);
    *lo_svref(v, VERSION_WHO) = who;
    *lo_svref(v, VERSION_WHEN) = when;
    *lo_svref(v, VERSION_WHAT) = what;
    *lo_svref(v, VERSION_ATTRS) = s->attrs;
    *lo_svref(v, VERSION_OBJECT) = s->object;
    *lo_svref(v, VERSION_ACL) = s->acl;
    *lo_svref(v, VERSION_DELETED) = s->deleted;
    return v;
}

/* The first version of an entry never changed (its history the time of
 * its put): the put, by its owner, then, of the state it has. */
static lo_value first_version(lo_lisp *L, lo_value e)
{
    struct state s;
    read_state(e, &s);
    return make_version(L, 1, *lo_svref(e, ENTRY_OWNER),
                        *lo_svref(e, ENTRY_HISTORY),
                        lo_intern_keyword(L, "PUT"), &s);
}

/* The entry's versions kept, newest first (a fresh list of the first
 * version when it was never changed). */
static lo_value history_of(lo_lisp *L, lo_value e)
{
    lo_value history = *lo_svref(e, ENTRY_HISTORY);
    if (!lo_consp(history))
        return lo_cons(L, first_version(L, e), L->nil);
    return history;
}

int64_t lo_store_newest_version(lo_value e)
{
    lo_value history = *lo_svref(e, ENTRY_HISTORY);
    if (!lo_consp(history))
        return 1;
    return lo_fixnum_value(*lo_svref(lo_car_raw(history), VERSION_NUMBER));
}

/* Who is told of every change (store_api.h): one listener, the server's
 * live queries, set at start-up. */
static void (*change_listener)(int64_t id, void *ctx);
static void *change_listener_ctx;

void lo_store_listen(void (*fn)(int64_t id, void *ctx), void *ctx)
{
    change_listener = fn;
    change_listener_ctx = ctx;
}

static void tell_listener(lo_value e)
{
    if (change_listener)
        change_listener(lo_fixnum_value(*lo_svref(e, ENTRY_ID)),
                        change_listener_ctx);
}

void lo_store_tell_groups_changed(void)
{
    if (change_listener)
        change_listener(0, change_listener_ctx);
}

/* Make the entry's state s, as change `what` by caller c. */
static void change_entry(lo_lisp *L, lo_value store, lo_value e,
                         const struct lo_store_caller *c, const char *what,
                         const struct state *s)
{
    int64_t number = lo_store_newest_version(e) + 1;
    lo_value now = lo_make_integer(L, (int64_t)(lo_clock_wall_ns() /
                                                1000000000u));
    lo_value v = make_version(L, number, c->name, now,
                              lo_intern_keyword(L, what), s);
    lo_value history = lo_cons(L, v, history_of(L, e));
    trim(L, history, lo_fixnum_value(*lo_svref(store, STORE_HISTORY_DEPTH)));

    struct state old;
    read_state(e, &old);
    bool was_live = lo_null(L, old.deleted), live = lo_null(L, s->deleted);
    lo_store_index_change(L, store, *lo_svref(e, ENTRY_ID),
                          was_live ? old.attrs : L->nil,
                          live ? s->attrs : L->nil);
    install(L, store, e, s, was_live);
    *lo_svref(e, ENTRY_HISTORY) = history;
    tell_listener(e);
}

void lo_store_record_first_version(lo_lisp *L, lo_value store, lo_value e,
                                   const struct lo_store_caller *c)
{
    (void)c;        /* the put's caller is the entry's owner */
    struct state s;
    read_state(e, &s);
    /* its history is the time of the put (first_version) */
    /* its values become the store's own there (lo_store_put_value) */
    lo_store_index_put(L, store, lo_fixnum_value(*lo_svref(e, ENTRY_ID)),
                       s.attrs);
    install(L, store, e, &s, false);
    tell_listener(e);
}

/* ---- finding the entry a change is for ------------------------------------- */

/* The entry id names for a change by caller c, who needs `bits` on it
 * (a deleted entry too when `deleted_ok`): else "no entry N" when they
 * cannot read it, ACCESS-DENIED when they can but lack a bit. */
static lo_value entry_to_change(lo_lisp *L, lo_value store, lo_value id_arg,
                                const struct lo_store_caller *c,
                                unsigned bits, bool deleted_ok,
                                const char *op)
{
    if (!lo_fixnump(id_arg) || lo_fixnum_value(id_arg) < 1)
        lo_arg_error(L, id_arg, "(INTEGER 1)");
    int64_t id = lo_fixnum_value(id_arg);
    lo_value e = store ? lo_store_entry_record(L, store, id) : L->nil;
    unsigned have = 0;
    if (!lo_null(L, e) &&
        (deleted_ok || lo_null(L, *lo_svref(e, ENTRY_DELETED))))
        have = lo_store_bits(L, e, c);
    if (!(have & LO_ACCESS_READ))
        lo_store_error(L, "no entry %lld", (long long)id);
    if ((have & bits) != bits)
        lo_error(L, "ACCESS-DENIED", "%s: entry %lld's ACL does not let "
                 "you change it", op, (long long)id);
    return e;
}

/* Whether the caller owns the entry (or is the administrator): who may
 * change its ACL. */
static bool owns(lo_lisp *L, lo_value e, const struct lo_store_caller *c)
{
    lo_value owner = *lo_svref(e, ENTRY_OWNER);
    return lo_store_admin_p(L, c) ||
           (!lo_null(L, owner) && lo_equal(L, owner, c->name));
}

static void check_owner(lo_lisp *L, lo_value e, const struct lo_store_caller *c,
                        const char *op)
{
    if (!owns(L, e, c))
        lo_error(L, "ACCESS-DENIED", "%s: only the owner of entry %lld or "
                 "the administrator changes its ACL", op,
                 (long long)lo_fixnum_value(*lo_svref(e, ENTRY_ID)));
}

static bool acl_key_p(lo_lisp *L, lo_value key)
{
    return lo_eq(key, lo_intern_keyword(L, "ACL"));
}

/* ---- attribute vectors, made anew ----------------------------------------- */

/* attrs without the pairs of key (of value only, unless LO_UNBOUND). */
static lo_value without(lo_lisp *L, lo_value attrs, lo_value key,
                        lo_value value)
{
    uint64_t len = lo_svlength(attrs), kept = 0;
    for (uint64_t i = 0; i < len; i += 2)
        kept += !(lo_eq(*lo_svref(attrs, i), key) &&
                  (value == LO_UNBOUND ||
                   lo_store_equal(L, *lo_svref(attrs, i + 1), value)));
    lo_value v = lo_make_vector(L, 2 * kept, L->nil);
    for (uint64_t i = 0, j = 0; i < len; i += 2) {
        lo_value k = *lo_svref(attrs, i), x = *lo_svref(attrs, i + 1);
        if (lo_eq(k, key) &&
            (value == LO_UNBOUND || lo_store_equal(L, x, value)))
            continue;
        *lo_svref(v, j++) = k;
        *lo_svref(v, j++) = x;
    }
    return v;
}

/* attrs with the pairs (key v) for each v of values: in the place of the
 * first pair of key when replacing one, else at the end. */
static lo_value with(lo_lisp *L, lo_value store,
                     const struct lo_store_caller *c, lo_value attrs,
                     lo_value key, lo_value values, bool replace)
{
    uint64_t len = lo_svlength(attrs), first = len;
    for (uint64_t i = 0; i < len && replace; i += 2)
        if (lo_eq(*lo_svref(attrs, i), key)) {
            first = i;
            break;
        }
    lo_value rest = replace ? without(L, attrs, key, LO_UNBOUND) : attrs;
    int64_t n = lo_list_length(L, values);
    uint64_t rest_len = lo_svlength(rest);
    if (first > rest_len)
        first = rest_len;
    lo_value v = lo_make_vector(L, rest_len + 2 * (uint64_t)n, L->nil);
    memcpy(lo_svref(v, 0), lo_svref(rest, 0), first * 8);
    uint64_t j = first;
    for (lo_value l = values; lo_consp(l); l = lo_cdr_raw(l)) {
        *lo_svref(v, j++) = key;
        *lo_svref(v, j++) = lo_store_attribute_value(L, store, c, key,
                                                     lo_car_raw(l));
    }
    memcpy(lo_svref(v, j), lo_svref(rest, first), (rest_len - first) * 8);
    return v;
}

/* ---- primitives ------------------------------------------------------------------ */

/* The common start of a change: the lock, the store, the caller. */
struct change {
    lo_value store;
    struct lo_store_caller c;
};

static void begin(lo_lisp *L, struct change *ch, const char *op)
{
    if (!lo_data_lock_exclusive(L))
        lo_store_error(L, "%s: the store cannot be changed while it is "
                       "being read (inside a query's SATISFIES predicate)",
                       op);
    ch->store = lo_store_record(L, false);
    lo_store_caller(L, ch->store, &ch->c);
}

static lo_value keyword_arg(lo_lisp *L, lo_value v)
{
    if (!lo_keywordp(v))
        lo_arg_error(L, v, "KEYWORD");
    return v;
}

LO_PRIMITIVE(p_store_set_attribute, "%STORE-SET-ATTRIBUTE", INTERNAL, ANY,
             3, 3, "(id key values)",
             "Replace every value of KEY in entry ID by VALUES (a list; NIL "
             "removes the key), where the first was.  (SETF ENTRY-ATTRIBUTE)'s "
             "work; KEY :ACL sets the ACL (the owner's right).")
{
    keyword_arg(L, args[1]);
    if (lo_list_length(L, args[2]) < 0)
        lo_arg_error(L, args[2], "LIST");
    struct change ch;
    begin(L, &ch, "(SETF ENTRY-ATTRIBUTE)");
    struct state s;
    lo_value e;
    if (acl_key_p(L, args[1])) {
        e = entry_to_change(L, ch.store, args[0], &ch.c, 0, false,
                            "(SETF ENTRY-ATTRIBUTE)");
        check_owner(L, e, &ch.c, "(SETF ENTRY-ATTRIBUTE)");
        read_state(e, &s);
        s.acl = lo_null(L, args[2]) ? L->nil
                                    : lo_acl_check(L, lo_car_raw(args[2]));
        change_entry(L, ch.store, e, &ch.c, "ACL", &s);
    } else {
        e = entry_to_change(L, ch.store, args[0], &ch.c, LO_ACCESS_WRITE,
                            false, "(SETF ENTRY-ATTRIBUTE)");
        read_state(e, &s);
        s.attrs = with(L, ch.store, &ch.c, s.attrs, args[1], args[2], true);
        change_entry(L, ch.store, e, &ch.c, "ATTRIBUTES", &s);
    }
    lo_data_unlock_exclusive(L);
    return args[2];
}

LO_PRIMITIVE(p_store_add_attribute, "%STORE-ADD-ATTRIBUTE", INTERNAL, ANY,
             3, 3, "(id key value)",
             "Add the pair KEY VALUE at the end of entry ID's attributes.  "
             "STORE-ADD-ATTRIBUTE's work.")
{
    keyword_arg(L, args[1]);
    if (acl_key_p(L, args[1]))
        lo_store_error(L, "STORE-ADD-ATTRIBUTE: the ACL is set whole "
                       "(STORE-GRANT adds a row)");
    struct change ch;
    begin(L, &ch, "STORE-ADD-ATTRIBUTE");
    lo_value e = entry_to_change(L, ch.store, args[0], &ch.c, LO_ACCESS_WRITE,
                                 false, "STORE-ADD-ATTRIBUTE");
    struct state s;
    read_state(e, &s);
    s.attrs = with(L, ch.store, &ch.c, s.attrs, args[1],
                   lo_cons(L, args[2], L->nil), false);
    change_entry(L, ch.store, e, &ch.c, "ATTRIBUTES", &s);
    lo_data_unlock_exclusive(L);
    return args[2];
}

LO_PRIMITIVE(p_store_remove_attribute, "%STORE-REMOVE-ATTRIBUTE", INTERNAL,
             ANY, 2, 3, "(id key &optional value)",
             "Remove KEY's pairs from entry ID (only those of VALUE, by the "
             "store's equality, when given); true when one was there.  "
             "STORE-REMOVE-ATTRIBUTE's work.")
{
    keyword_arg(L, args[1]);
    struct change ch;
    begin(L, &ch, "STORE-REMOVE-ATTRIBUTE");
    lo_value e = entry_to_change(L, ch.store, args[0], &ch.c, LO_ACCESS_WRITE,
                                 false, "STORE-REMOVE-ATTRIBUTE");
    struct state s;
    read_state(e, &s);
    lo_value attrs = without(L, s.attrs, args[1],
                             nargs > 2 ? args[2] : LO_UNBOUND);
    bool removed = lo_svlength(attrs) != lo_svlength(s.attrs);
    if (removed) {
        s.attrs = attrs;
        change_entry(L, ch.store, e, &ch.c, "ATTRIBUTES", &s);
    }
    lo_data_unlock_exclusive(L);
    return lo_truth(L, removed);
}

LO_PRIMITIVE(p_store_set_object, "%STORE-SET-OBJECT", INTERNAL, ANY, 2, 2,
             "(id object)",
             "Make OBJECT entry ID's object.  STORE-SET-OBJECT's work.")
{
    struct change ch;
    begin(L, &ch, "STORE-SET-OBJECT");
    lo_value e = entry_to_change(L, ch.store, args[0], &ch.c, LO_ACCESS_WRITE,
                                 false, "STORE-SET-OBJECT");
    struct state s;
    read_state(e, &s);
    s.object = args[1];
    change_entry(L, ch.store, e, &ch.c, "OBJECT", &s);
    lo_data_unlock_exclusive(L);
    return args[1];
}

LO_PRIMITIVE(p_store_delete, "%STORE-DELETE", INTERNAL, ANY, 1, 1, "(id)",
             "Delete entry ID: it leaves every query and STORE-GET, and can "
             "be brought back by STORE-REVERT while its history lasts.  "
             "STORE-DELETE's work.")
{
    struct change ch;
    begin(L, &ch, "STORE-DELETE");
    lo_value e = entry_to_change(L, ch.store, args[0], &ch.c, LO_ACCESS_WRITE,
                                 false, "STORE-DELETE");
    struct state s;
    read_state(e, &s);
    s.deleted = L->t;
    change_entry(L, ch.store, e, &ch.c, "DELETE", &s);
    lo_data_unlock_exclusive(L);
    return L->t;
}

/* The ACL acl with the rows of principal p taken out. */
static lo_value acl_without(lo_lisp *L, lo_value acl, lo_value p)
{
    if (!lo_consp(acl))
        return L->nil;
    lo_value rest = acl_without(L, lo_cdr_raw(acl), p);
    lo_value row = lo_car_raw(acl);
    if (lo_acl_same_principal(L, lo_car_raw(row), p))
        return rest;
    return lo_cons(L, row, rest);
}

/* The start of a change of an entry's ACL: the lock, the entry id names,
 * and the owner's (or the administrator's) right checked. */
static lo_value begin_acl_change(lo_lisp *L, struct change *ch, lo_value id,
                                 const char *op)
{
    begin(L, ch, op);
    lo_value e = entry_to_change(L, ch->store, id, &ch->c, 0, false, op);
    check_owner(L, e, &ch->c, op);
    return e;
}

/* The ACL of the one row (principal bits), checked and made the store's
 * own (auth/acl.h). */
static lo_value acl_row(lo_lisp *L, lo_value principal, lo_value bits)
{
    return lo_acl_check(L, lo_cons(L, lo_cons(L, principal,
                                              lo_cons(L, bits, L->nil)),
                                   L->nil));
}

LO_PRIMITIVE(p_store_grant, "%STORE-GRANT", INTERNAL, ANY, 3, 3,
             "(id principal bits)",
             "Give PRINCIPAL the access BITS on entry ID, replacing what it "
             "had (the owner's or the administrator's right).  STORE-GRANT's "
             "work.")
{
    struct change ch;
    lo_value e = begin_acl_change(L, &ch, args[0], "STORE-GRANT");
    lo_value row = acl_row(L, args[1], args[2]);
    struct state s;
    read_state(e, &s);
    lo_value acl = acl_without(L, s.acl, lo_car_raw(lo_car_raw(row)));
    /* appended: the rows keep the order they were given in */
    lo_value *tail = &acl;
    while (lo_consp(*tail))
        tail = &lo_ptr(*tail)[2];
    *tail = row;
    s.acl = acl;
    change_entry(L, ch.store, e, &ch.c, "ACL", &s);
    lo_data_unlock_exclusive(L);
    return args[2];
}

LO_PRIMITIVE(p_store_revoke, "%STORE-REVOKE", INTERNAL, ANY, 2, 2,
             "(id principal)",
             "Take PRINCIPAL's rows out of entry ID's ACL (the owner's or "
             "the administrator's right); true when it had one.  "
             "STORE-REVOKE's work.")
{
    struct change ch;
    lo_value e = begin_acl_change(L, &ch, args[0], "STORE-REVOKE");
    lo_value p = lo_car_raw(lo_car_raw(acl_row(L, args[1], lo_fixnum(0))));
    struct state s;
    read_state(e, &s);
    lo_value acl = acl_without(L, s.acl, p);
    bool had = lo_list_length(L, acl) != lo_list_length(L, s.acl);
    if (had) {
        s.acl = acl;
        change_entry(L, ch.store, e, &ch.c, "ACL", &s);
    }
    lo_data_unlock_exclusive(L);
    return lo_truth(L, had);
}

/* ---- history ---------------------------------------------------------------------- */

/* A version as users see it: (:version n :by who :at when :change what). */
static lo_value version_plist(lo_lisp *L, lo_value v)
{
    lo_value who = *lo_svref(v, VERSION_WHO);
    lo_value l = lo_cons(L, lo_intern_keyword(L, "CHANGE"),
                         lo_cons(L, *lo_svref(v, VERSION_WHAT), L->nil));
    l = lo_cons(L, lo_intern_keyword(L, "AT"),
                lo_cons(L, *lo_svref(v, VERSION_WHEN), l));
    l = lo_cons(L, lo_intern_keyword(L, "BY"),
                lo_cons(L, lo_null(L, who)
                               ? lo_intern_keyword(L, "ADMINISTRATOR")
                               : lo_read_only(who), l));
    return lo_cons(L, lo_intern_keyword(L, "VERSION"),
                   lo_cons(L, *lo_svref(v, VERSION_NUMBER), l));
}

/* The entry id names, for the caller to read (a deleted one too), with
 * the data lock taken shared: the primitive gives it back. */
static lo_value entry_to_read(lo_lisp *L, lo_value id, const char *op)
{
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false);
    struct lo_store_caller c;
    lo_store_caller(L, store, &c);
    return entry_to_change(L, store, id, &c, 0, true, op);
}

LO_PRIMITIVE(p_store_history, "%STORE-HISTORY", INTERNAL, ANY, 1, 1, "(id)",
             "The versions of entry ID kept, newest first, each a property "
             "list (:version n :by who :at seconds :change what); a deleted "
             "entry's too.  STORE-HISTORY's work.")
{
    lo_value e = entry_to_read(L, args[0], "STORE-HISTORY");
    lo_value out = L->nil, *tail = &out;
    for (lo_value l = history_of(L, e); lo_consp(l); l = lo_cdr_raw(l)) {
        *tail = lo_cons(L, version_plist(L, lo_car_raw(l)), L->nil);
        tail = &lo_ptr(*tail)[2];
    }
    lo_data_unlock_shared(L);
    return out;
}

LO_PRIMITIVE(p_store_version, "%STORE-VERSION", INTERNAL, ANY, 1, 1, "(id)",
             "The number of entry ID's newest version (what STORE-HISTORY "
             "lists first), without making the history.")
{
    lo_value e = entry_to_read(L, args[0], "%STORE-VERSION");
    int64_t n = lo_store_newest_version(e);
    lo_data_unlock_shared(L);
    return lo_fixnum(n);
}

LO_PRIMITIVE(p_store_revert, "%STORE-REVERT", INTERNAL, ANY, 2, 2,
             "(id version)",
             "Make entry ID as it was at VERSION (a number STORE-HISTORY "
             "lists), recorded as a new version; a deleted entry comes back "
             "so.  Needs the write bit, and ownership when the ACL changes.  "
             "STORE-REVERT's work.")
{
    if (!lo_fixnump(args[1]) || lo_fixnum_value(args[1]) < 1)
        lo_arg_error(L, args[1], "(INTEGER 1)");
    struct change ch;
    begin(L, &ch, "STORE-REVERT");
    lo_value e = entry_to_change(L, ch.store, args[0], &ch.c, LO_ACCESS_WRITE,
                                 true, "STORE-REVERT");
    lo_value v = L->nil;
    for (lo_value l = history_of(L, e); lo_consp(l); l = lo_cdr_raw(l))
        if (lo_eq(*lo_svref(lo_car_raw(l), VERSION_NUMBER), args[1]))
            v = lo_car_raw(l);
    if (lo_null(L, v))
        lo_store_error(L, "entry %lld has no version %lld kept",
                       (long long)lo_fixnum_value(args[0]),
                       (long long)lo_fixnum_value(args[1]));
    struct state s = {
        .attrs = *lo_svref(v, VERSION_ATTRS),
        .object = *lo_svref(v, VERSION_OBJECT),
        .acl = *lo_svref(v, VERSION_ACL),
        .deleted = *lo_svref(v, VERSION_DELETED),
    };
    if (!lo_equal(L, s.acl, *lo_svref(e, ENTRY_ACL)))
        check_owner(L, e, &ch.c, "STORE-REVERT");
    change_entry(L, ch.store, e, &ch.c, "REVERT", &s);
    lo_data_unlock_exclusive(L);
    return lo_fixnum(lo_store_newest_version(e));
}

const struct lo_primitive *const lo_store_entry_primitives[] = {
    LO_ROW(p_store_set_attribute),
    LO_ROW(p_store_add_attribute),
    LO_ROW(p_store_remove_attribute),
    LO_ROW(p_store_set_object),
    LO_ROW(p_store_delete),
    LO_ROW(p_store_grant),
    LO_ROW(p_store_revoke),
    LO_ROW(p_store_history),
    LO_ROW(p_store_version),
    LO_ROW(p_store_revert),
    NULL,
};
