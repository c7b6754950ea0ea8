/*
 * store.c -- the object store's record and entries: putting, reading and
 * changing entries, the caller and their access bits, and the store's
 * primitives (docs/store-design.md sections 2 and 3).  Queries are
 * query.c's; filters filter.c's; values value.c's.
 *
 * Every primitive here takes the data lock (lisp/primitive.h): shared to
 * read, exclusive to change.  The Lisp API in store/boot/70-store.lisp
 * wraps them: it turns entry handles into ids and back, so these take and
 * give ids.  An id the caller may not read is answered exactly as one
 * that never existed.
 */
#include <stdarg.h>
#include <string.h>

#include "auth/acl.h"
#include "drivers/printf.h"
#include "lisp/environment.h"
#include "lisp/hashtable.h"
#include "lisp/numbers.h"
#include "lisp/sequences.h"
#include "store/format.h"
#include "store/index.h"
#include "store/store.h"
#include "store/store_api.h"

/* ---- errors ------------------------------------------------------------------ */

_Noreturn void lo_store_error(lo_lisp *L, const char *fmt, ...)
{
    char message[LO_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    lo_error(L, "STORE-ERROR", "%s", message);
}

_Noreturn void lo_store_query_error(lo_lisp *L, lo_value culprit,
                                    const char *fmt, ...)
{
    char message[LO_ERROR_MAX];
    va_list ap;
    va_start(ap, fmt);
    lo_vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    lo_error_initargs(L, "STORE-QUERY-ERROR",
                      &(struct lo_initarg){ "CULPRIT", culprit }, 1, "%s",
                      message);
}

/* ---- the store record ------------------------------------------------------ */

#define ROOT_NAME "store:root"
enum { FIRST_ENTRIES = 64, DEFAULT_HISTORY_DEPTH = 100 };

const lo_value *lo_store_root_slot(lo_lisp *L)
{
    return lo_heap_named_root(L->heap, ROOT_NAME, false, NULL);
}

lo_value lo_store_record(lo_lisp *L, bool create)
{
    lo_value *slot = lo_heap_named_root(L->heap, ROOT_NAME, false, NULL);
    if (slot && lo_typep(*slot, LO_T_VECTOR))
        return *slot;
    if (!create)
        return 0;
    bool created = false;
    slot = lo_heap_named_root(L->heap, ROOT_NAME, true, &created);
    if (!slot)
        lo_store_error(L, "the heap has no room for the store's root");
    lo_value s = lo_make_vector(L, STORE_SLOTS, L->nil);
    *lo_svref(s, STORE_LAYOUT) = lo_fixnum(LO_STORE_LAYOUT);
    *lo_svref(s, STORE_NEXT_ID) = lo_fixnum(1);
    *lo_svref(s, STORE_ENTRIES) = lo_make_vector(L, FIRST_ENTRIES, L->nil);
    *lo_svref(s, STORE_INDEXES) = lo_table_new(L, LO_HASH_EQ, 16);
    *lo_svref(s, STORE_VALUE_SETS) = lo_table_new(L, LO_HASH_EQUAL, 16);
    *lo_svref(s, STORE_GROUPS) = lo_table_new(L, LO_HASH_EQUAL, 16);
    *lo_svref(s, STORE_HISTORY_DEPTH) = lo_fixnum(DEFAULT_HISTORY_DEPTH);
    *lo_svref(s, STORE_LIVE) = lo_fixnum(0);
    lo_store_default_indexes(L, s);
    *slot = s;              /* published last: the record is whole */
    return s;
}

lo_value lo_store_entry_record(lo_lisp *L, lo_value store, int64_t id)
{
    lo_value entries = *lo_svref(store, STORE_ENTRIES);
    if (id < 1 || (uint64_t)id >= lo_svlength(entries))
        return L->nil;
    return *lo_svref(entries, (uint64_t)id);
}

/* ---- the caller ----------------------------------------------------------- */

void lo_store_caller(lo_lisp *L, lo_value store, struct lo_store_caller *c)
{
    c->name = L->nil;
    c->groups = L->nil;
    if (lo_env_is_system(L, L->env))
        return;
    c->name = lo_ptr(L->env)[ENV_NAME];
    if (store)
        c->groups = *lo_svref(store, STORE_GROUPS);
}

unsigned lo_store_bits(lo_lisp *L, lo_value entry,
                       const struct lo_store_caller *c)
{
    if (lo_store_admin_p(L, c))
        return LO_ACCESS_ALL;
    lo_value owner = *lo_svref(entry, ENTRY_OWNER);
    if (!lo_null(L, owner) && lo_equal(L, owner, c->name))
        return LO_ACCESS_ALL;
    return lo_acl_bits(L, *lo_svref(entry, ENTRY_ACL), c->name, c->groups);
}

/* ---- reading arguments -------------------------------------------------------- */

/* An entry id argument (the Lisp API has turned handles into ids). */
static int64_t arg_id(lo_lisp *L, lo_value v)
{
    if (!lo_fixnump(v) || lo_fixnum_value(v) < 1)
        lo_arg_error(L, v, "(INTEGER 1)");
    return lo_fixnum_value(v);
}

/* The entry id names, as the caller sees it: visible (the read bit), or
 * "no entry" exactly as for an id never used.  *bits gets their bits. */
static lo_value visible_entry(lo_lisp *L, lo_value store, lo_value id_arg,
                              const struct lo_store_caller *c, unsigned *bits)
{
    int64_t id = arg_id(L, id_arg);
    lo_value e = store ? lo_store_entry_record(L, store, id) : L->nil;
    unsigned b = 0;
    if (!lo_null(L, e) && lo_null(L, *lo_svref(e, ENTRY_DELETED)))
        b = lo_store_bits(L, e, c);
    if (!(b & LO_ACCESS_READ))
        lo_store_error(L, "no entry %lld", (long long)id);
    if (bits)
        *bits = b;
    return e;
}

/* The attributes argument: n values, keyword and value pairs. */
static void check_attributes(lo_lisp *L, const lo_value *attrs, uint64_t n)
{
    if (n % 2)
        lo_store_error(L, "attributes must be a list of keyword and value "
                       "pairs");
    for (uint64_t i = 0; i < n; i += 2)
        if (!lo_keywordp(attrs[i]))
            lo_store_query_error(L, attrs[i], "an attribute's key must "
                                 "be a keyword");
}

/* ---- the ACL attribute ---------------------------------------------------- */

static bool key_is(lo_value key, const char *name)
{
    char text[32];
    lo_string_utf8(lo_symbol_name(key), text, sizeof text);
    return strcmp(text, name) == 0;
}

/* ---- making and changing entries ------------------------------------------- */

static uint64_t now_seconds(void)
{
    return lo_clock_wall_ns() / 1000000000u;
}

/* The attributes vector of the n values at attrs (keyword and value
 * pairs), in order; :ACL goes to the entry's ACL instead (*acl),
 * checked. */
static lo_value attributes_vector(lo_lisp *L, lo_value store,
                                  const struct lo_store_caller *c,
                                  const lo_value *attrs, uint64_t n,
                                  lo_value *acl)
{
    lo_value acl_key = lo_intern_keyword(L, "ACL");
    uint64_t kept = 0;
    for (uint64_t i = 0; i < n; i += 2)
        kept += !lo_eq(attrs[i], acl_key);
    lo_value v = lo_make_vector(L, 2 * kept, L->nil);
    uint64_t j = 0;
    for (uint64_t i = 0; i < n; i += 2) {
        lo_value key = attrs[i], value = attrs[i + 1];
        if (lo_eq(key, acl_key)) {
            *acl = lo_acl_check(L, value);
            continue;
        }
        *lo_svref(v, j++) = key;
        *lo_svref(v, j++) = lo_store_put_value(L, store, c, key, value);
    }
    return v;
}

/* Room for id in the entries vector (doubling it). */
static lo_value entries_with_room(lo_lisp *L, lo_value store, int64_t id)
{
    lo_value entries = *lo_svref(store, STORE_ENTRIES);
    uint64_t length = lo_svlength(entries);
    if ((uint64_t)id < length)
        return entries;
    uint64_t grown = length * 2;
    while (grown <= (uint64_t)id)
        grown *= 2;
    lo_value bigger = lo_make_vector(L, grown, L->nil);
    memcpy(lo_svref(bigger, 0), lo_svref(entries, 0), length * 8);
    *lo_svref(store, STORE_ENTRIES) = bigger;
    return bigger;
}

/* ---- what a file's content says -------------------------------------------- */

static bool has_key(lo_lisp *L, const lo_value *attrs, uint64_t n,
                    const char *name)
{
    lo_value key = lo_intern_keyword(L, name);
    for (uint64_t i = 0; i < n; i += 2)
        if (lo_eq(attrs[i], key))
            return true;
    return false;
}

/* The pair key value pushed on *derived (in reverse). */
static void derived_pair(lo_lisp *L, lo_value *derived, const char *key,
                         lo_value value)
{
    *derived = lo_cons(L, value, lo_cons(L, lo_intern_keyword(L, key),
                                         *derived));
}

/* Files are byte vectors: the attributes their content gives, for those
 * of its keys the caller did not give -- :format from the content's kind
 * (store/format.c), and for a mail message :category :email, :sender,
 * :subject and :date from its headers.  A reversed property list.  The
 * store derives them: they need not be in the caller's value sets. */
static lo_value derive_attributes(lo_lisp *L, lo_value object,
                                  const lo_value *attrs, uint64_t n)
{
    lo_value derived = L->nil;
    if (!lo_typep(object, LO_T_BYTES) ||
        !(lo_access_bits(object) & LO_ACCESS_READ))
        return derived;
    const unsigned char *bytes = lo_bytes_data(object);
    size_t len = (size_t)lo_fixnum_value(lo_ptr(object)[1]);
    const char *format = lo_format_detect(bytes, len);
    if (format && !has_key(L, attrs, n, "FORMAT"))
        derived_pair(L, &derived, "FORMAT", lo_intern_keyword(L, format));
    if (!lo_format_is_message(bytes, len))
        return derived;
    struct lo_message_headers h;
    if (lo_message_headers(bytes, len, &h) != LO_OK)
        return derived;
    if (!has_key(L, attrs, n, "CATEGORY"))
        derived_pair(L, &derived, "CATEGORY", lo_intern_keyword(L, "EMAIL"));
    if (h.has_sender && !has_key(L, attrs, n, "SENDER"))
        derived_pair(L, &derived, "SENDER",
                     lo_make_string(L, h.sender, h.sender_len));
    if (h.has_subject && !has_key(L, attrs, n, "SUBJECT"))
        derived_pair(L, &derived, "SUBJECT",
                     lo_make_string(L, h.subject, h.subject_len));
    if (h.date_valid && !has_key(L, attrs, n, "DATE")) {
        lo_value date = lo_store_make_date(L, h.date, h.date + 1);
        if (date != LO_UNBOUND)
            derived_pair(L, &derived, "DATE", date);
    }
    return derived;
}

/* attrs with the reversed property list rev appended. */
static lo_value with_derived(lo_lisp *L, lo_value attrs, lo_value rev)
{
    int64_t n = lo_list_length(L, rev);
    if (n <= 0)
        return attrs;
    uint64_t len = lo_svlength(attrs);
    lo_value v = lo_make_vector(L, len + (uint64_t)n, L->nil);
    memcpy(lo_svref(v, 0), lo_svref(attrs, 0), len * 8);
    uint64_t at = len + (uint64_t)n;
    for (lo_value l = rev; lo_consp(l); l = lo_cdr_raw(l))
        *lo_svref(v, --at) = lo_car_raw(l);
    return v;
}

/* Put object with the n values at attrs (keyword and value pairs; they
 * lie on the VM stack): the new entry's id. */
static int64_t put_entry(lo_lisp *L, lo_value object, const lo_value *attrs,
                         uint64_t n)
{
    check_attributes(L, attrs, n);
    lo_value store = lo_store_record(L, true);
    struct lo_store_caller c;
    lo_store_caller(L, store, &c);
    lo_value acl = L->nil;
    lo_value av = with_derived(L, attributes_vector(L, store, &c, attrs, n,
                                                    &acl),
                               derive_attributes(L, object, attrs, n));
    int64_t id = lo_fixnum_value(*lo_svref(store, STORE_NEXT_ID));
    lo_value entries = entries_with_room(L, store, id);
    lo_value e = lo_make_vector(L, ENTRY_SLOTS, L->nil);
    *lo_svref(e, ENTRY_ID) = lo_fixnum(id);
    *lo_svref(e, ENTRY_OBJECT) = object;
    *lo_svref(e, ENTRY_ATTRS) = av;
    *lo_svref(e, ENTRY_OWNER) = c.name;
    *lo_svref(e, ENTRY_ACL) = acl;
    *lo_svref(e, ENTRY_HISTORY) = lo_make_integer(L, (int64_t)now_seconds());
    lo_store_record_first_version(L, store, e, &c);
    *lo_svref(entries, (uint64_t)id) = e;
    *lo_svref(store, STORE_NEXT_ID) = lo_fixnum(id + 1);
    return id;
}

/* ---- primitives ---------------------------------------------------------------- */

/* Take the lock exclusive, or say why a reader may not write. */
static void lock_to_change(lo_lisp *L, const char *op)
{
    if (!lo_data_lock_exclusive(L))
        lo_store_error(L, "%s: the store cannot be changed while it is "
                       "being read (inside a query's SATISFIES predicate)",
                       op);
}

/* The entry handle of id (STORE-ENTRY, store/boot/70-store.lisp). */
static lo_value entry_handle(lo_lisp *L, int64_t id)
{
    lo_value maker = lo_function_cell(L, lo_intern(L, "%MAKE-ENTRY"), false);
    if (lo_null(L, maker) || lo_cell_get(maker) == LO_UNBOUND)
        lo_store_error(L, "entry %lld is put, but the store's Lisp API "
                       "(%%MAKE-ENTRY) is missing", (long long)id);
    lo_value arg = lo_fixnum(id);
    return lo_vm_apply(L, lo_cell_get(maker), &arg, 1);
}

/* STORE-PUT itself, not a Lisp function over a primitive: its attributes
 * come spread on the stack (APPLY spreads them there), never gathered
 * into a list. */
LO_PRIMITIVE(p_store_put, "STORE-PUT", LISPOS, ANY, 1, -1,
             "(object &rest attributes)",
             "Put OBJECT in the store with ATTRIBUTES, keyword and value "
             "pairs (a key may repeat; :ACL sets who may do what).  Returns "
             "the new entry.")
{
    lock_to_change(L, "STORE-PUT");
    int64_t id = put_entry(L, args[0], args + 1, nargs - 1);
    lo_data_unlock_exclusive(L);
    return entry_handle(L, id);
}

LO_PRIMITIVE(p_store_visible_p, "%STORE-VISIBLE-P", INTERNAL, ANY, 1, 1,
             "(id)",
             "True when entry ID exists and the caller may read it.  "
             "STORE-GET's work.")
{
    if (!lo_fixnump(args[0]) || lo_fixnum_value(args[0]) < 1)
        return L->nil;
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false);
    bool visible = false;
    if (store) {
        struct lo_store_caller c;
        lo_store_caller(L, store, &c);
        lo_value e = lo_store_entry_record(L, store, lo_fixnum_value(args[0]));
        visible = !lo_null(L, e) && lo_null(L, *lo_svref(e, ENTRY_DELETED)) &&
                  (lo_store_bits(L, e, &c) & LO_ACCESS_READ);
    }
    lo_data_unlock_shared(L);
    return lo_truth(L, visible);
}

/* The object as the caller may hold it: restricted to their bits.  A
 * list carries no bits: a caller who may not write gets a copy of its
 * conses, so the stored list cannot be changed through it. */
static lo_value object_for(lo_lisp *L, lo_value object, unsigned bits)
{
    if (bits == LO_ACCESS_ALL)
        return object;
    if (lo_carries_access(object))
        return object & ~((lo_value)(~bits & LO_ACCESS_ALL)
                          << LO_ACCESS_SHIFT);
    if (lo_consp(object) && !(bits & LO_ACCESS_WRITE))
        return lo_store_copy_tree(L, object, 0);
    return object;
}

/* The start of every read of one entry: the data lock taken shared (the
 * primitive gives it back), and the entry id names as the caller sees it
 * (visible_entry), with their bits in *bits. */
static lo_value read_entry(lo_lisp *L, lo_value id, unsigned *bits)
{
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false);
    struct lo_store_caller c;
    lo_store_caller(L, store, &c);
    return visible_entry(L, store, id, &c, bits);
}

LO_PRIMITIVE(p_store_object, "%STORE-OBJECT", INTERNAL, ANY, 1, 1, "(id)",
             "The object of entry ID, carrying the access bits the entry's "
             "ACL grants the caller.  ENTRY-OBJECT's work.")
{
    unsigned bits;
    lo_value e = read_entry(L, args[0], &bits);
    lo_value object = object_for(L, *lo_svref(e, ENTRY_OBJECT), bits);
    lo_data_unlock_shared(L);
    return object;
}

LO_PRIMITIVE(p_store_attributes, "%STORE-ATTRIBUTES", INTERNAL, ANY, 1, 1,
             "(id)",
             "A fresh property list of entry ID's attributes in stored order, "
             "its ACL last as :ACL when it has one; the values carry the "
             "caller's bits on the entry, never the write bit.  "
             "ENTRY-ATTRIBUTES' work.")
{
    unsigned bits;
    lo_value e = read_entry(L, args[0], &bits);
    lo_value attrs = *lo_svref(e, ENTRY_ATTRS);
    lo_value acl = *lo_svref(e, ENTRY_ACL);
    lo_value list = L->nil;
    if (!lo_null(L, acl))
        list = lo_cons(L, lo_intern_keyword(L, "ACL"),
                       lo_cons(L, lo_store_value_out(L, acl, bits, 0),
                               L->nil));
    for (uint64_t i = lo_svlength(attrs); i > 0; i -= 2)
        list = lo_cons(L, *lo_svref(attrs, i - 2),
                       lo_cons(L, lo_store_value_out(L, *lo_svref(attrs, i - 1),
                                                     bits, 0),
                               list));
    lo_data_unlock_shared(L);
    return list;
}

LO_PRIMITIVE(p_store_attribute_values, "%STORE-ATTRIBUTE-VALUES", INTERNAL,
             ANY, 2, 2, "(id key)",
             "A fresh list of entry ID's values for KEY, in stored order, "
             "carrying the caller's bits on the entry, never the write bit.  "
             "ENTRY-ATTRIBUTE-VALUES' work.")
{
    if (!lo_keywordp(args[1]))
        lo_arg_error(L, args[1], "KEYWORD");
    unsigned bits;
    lo_value e = read_entry(L, args[0], &bits);
    lo_value list = L->nil;
    if (key_is(args[1], "ACL")) {
        lo_value acl = *lo_svref(e, ENTRY_ACL);
        if (!lo_null(L, acl))
            list = lo_cons(L, lo_store_value_out(L, acl, bits, 0), L->nil);
    } else {
        lo_value attrs = *lo_svref(e, ENTRY_ATTRS);
        for (uint64_t i = lo_svlength(attrs); i > 0; i -= 2)
            if (lo_eq(*lo_svref(attrs, i - 2), args[1]))
                list = lo_cons(L, lo_store_value_out(L, *lo_svref(attrs, i - 1),
                                                     bits, 0),
                               list);
    }
    lo_data_unlock_shared(L);
    return list;
}

LO_PRIMITIVE(p_store_attribute, "%STORE-ATTRIBUTE", INTERNAL, ANY, 2, 2,
             "(id key)",
             "Two values: entry ID's first value for KEY (carrying the "
             "caller's bits, never the write bit) and T, or NIL and NIL.  "
             "ENTRY-ATTRIBUTE's work, without a list.")
{
    if (!lo_keywordp(args[1]))
        lo_arg_error(L, args[1], "KEYWORD");
    if (key_is(args[1], "ACL")) {       /* the ACL is not in ENTRY_ATTRS */
        lo_value all = p_store_attribute_values(L, args, nargs);
        lo_value v[2] = { L->nil, L->nil };
        if (lo_consp(all)) {
            v[0] = lo_car_raw(all);
            v[1] = L->t;
        }
        return lo_values(L, 2, v);
    }
    unsigned bits;
    lo_value e = read_entry(L, args[0], &bits);
    lo_value attrs = *lo_svref(e, ENTRY_ATTRS), v[2] = { L->nil, L->nil };
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2)
        if (lo_eq(*lo_svref(attrs, i), args[1])) {
            v[0] = lo_store_value_out(L, *lo_svref(attrs, i + 1), bits, 0);
            v[1] = L->t;
            break;
        }
    lo_data_unlock_shared(L);
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_store_owner, "%STORE-OWNER", INTERNAL, ANY, 1, 1, "(id)",
             "The name of entry ID's owner (a string), or :ADMINISTRATOR.  "
             "ENTRY-OWNER's work.")
{
    lo_value e = read_entry(L, args[0], NULL);
    lo_value owner = *lo_svref(e, ENTRY_OWNER);
    lo_data_unlock_shared(L);
    return lo_null(L, owner) ? lo_intern_keyword(L, "ADMINISTRATOR")
                             : lo_read_only(owner);
}

const struct lo_primitive *const lo_store_primitives[] = {
    LO_ROW(p_store_put),
    LO_ROW(p_store_visible_p),
    LO_ROW(p_store_object),
    LO_ROW(p_store_attributes),
    LO_ROW(p_store_attribute_values),
    LO_ROW(p_store_attribute),
    LO_ROW(p_store_owner),
    NULL,
};

int lo_store_register(void)
{
    static bool registered;         /* at start-up, from one thread */
    if (registered)
        return LO_OK;
    int status = lo_lisp_register_primitives("store", lo_store_primitives);
    if (status == LO_OK)
        status = lo_lisp_register_primitives("store-entry",
                                             lo_store_entry_primitives);
    if (status == LO_OK)
        status = lo_lisp_register_primitives("store-query",
                                             lo_store_query_primitives);
    if (status == LO_OK)
        status = lo_lisp_register_primitives("store-index",
                                             lo_store_index_primitives);
    if (status == LO_OK)
        status = lo_lisp_register_primitives("store-value-sets",
                                             lo_store_valueset_primitives);
    if (status == LO_OK)
        status = lo_lisp_register_primitives("store-groups",
                                             lo_store_group_primitives);
    registered = status == LO_OK;
    return status;
}
