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

/* ---- the store's heap roots ----------------------------------------------- */

/* Two slots of the heap's root page: the store record, and the class of
 * entry handles.  Each is looked up by name once per open -- the lookup
 * takes the heap's lock and compares names -- and its place kept in the
 * world (lisp/internal.h): a root slot never moves, and a named slot is
 * never taken away. */
enum { ROOT_STORE, ROOT_ENTRY_CLASS };
static const char *const root_names[] = {
    [ROOT_STORE] = "store:root",
    [ROOT_ENTRY_CLASS] = "store:entry-class",
};

static lo_value *root_slot(lo_lisp *L, int which, bool create, bool *created)
{
    if (created)
        *created = false;
    lo_value **cache = &L->W->store_roots[which];
    lo_value *slot = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (slot)
        return slot;
    slot = lo_heap_named_root(L->heap, root_names[which], create, created);
    if (slot)
        __atomic_store_n(cache, slot, __ATOMIC_RELEASE);
    return slot;
}

/* ---- the store record ------------------------------------------------------ */

enum { FIRST_ENTRIES = 64, DEFAULT_HISTORY_DEPTH = 100 };

const lo_value *lo_store_root_slot(lo_lisp *L)
{
    return root_slot(L, ROOT_STORE, false, NULL);
}

/* A new record's dense slots (filled from the entries, were there any). */
static void add_dense_slots(lo_lisp *L, lo_value s)
{
    int64_t next = lo_fixnum_value(*lo_svref(s, STORE_NEXT_ID));
    uint64_t room = lo_svlength(*lo_svref(s, STORE_ENTRIES));
    *lo_svref(s, STORE_VISIBILITY) = lo_alloc_bytes(L, 2 * room);
    *lo_svref(s, STORE_CURRENT) = lo_make_vector(L, room, L->nil);
    *lo_svref(s, STORE_OWNERS) = lo_table_new(L, LO_HASH_EQUAL, 16);
    *lo_svref(s, STORE_LAYOUT) = lo_fixnum(LO_STORE_LAYOUT);
    for (int64_t id = 1; id < next; id++) {
        lo_value e = lo_store_entry_record(L, s, id);
        if (!lo_null(L, e))
            lo_store_note_entry(L, s, e);
    }
}

/* A record of another layout than this build's: none was released
 * (LO_STORE_LAYOUT), so it is refused rather than misread. */
static void check_layout(lo_lisp *L, lo_value s)
{
    lo_value layout = *lo_svref(s, STORE_LAYOUT);
    if (__builtin_expect(lo_svlength(s) != STORE_SLOTS ||
                         layout != lo_fixnum(LO_STORE_LAYOUT), 0))
        lo_store_error(L, "this heap's store has layout %lld, made by a "
                       "development build before release 0.3.0; this build "
                       "reads layout %d only",
                       lo_fixnump(layout) ? (long long)lo_fixnum_value(layout)
                                          : -1LL,
                       LO_STORE_LAYOUT);
}

lo_value lo_store_record(lo_lisp *L, bool create)
{
    lo_value *slot = root_slot(L, ROOT_STORE, false, NULL);
    if (slot && lo_typep(*slot, LO_T_VECTOR)) {
        check_layout(L, *slot);
        return *slot;
    }
    if (!create)
        return 0;
    bool created = false;
    slot = root_slot(L, ROOT_STORE, true, &created);
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
    add_dense_slots(L, s);
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

void lo_store_caller_in(lo_lisp *L, lo_value store, lo_value env,
                        struct lo_store_caller *c)
{
    c->name = L->nil;
    c->groups = L->nil;
    c->number = 0;
    if (lo_env_is_system(L, env))
        return;
    c->name = lo_ptr(env)[ENV_NAME];
    c->number = LO_CALLER_UNNUMBERED;
    if (store)
        c->groups = *lo_svref(store, STORE_GROUPS);
}

void lo_store_caller(lo_lisp *L, lo_value store, struct lo_store_caller *c)
{
    lo_store_caller_in(L, store, L->env, c);
}

void lo_store_caller_number(lo_lisp *L, lo_value store,
                            struct lo_store_caller *c)
{
    if (c->number != LO_CALLER_UNNUMBERED)
        return;
    lo_value owners = store ? lo_store_dense(store, STORE_OWNERS) : 0, n;
    c->number = owners && lo_table_get(L, owners, c->name, &n)
                    ? lo_fixnum_value(n) : -1;
}

unsigned lo_store_bits(lo_lisp *L, lo_value entry,
                       const struct lo_store_caller *c)
{
    if (lo_store_admin_p(L, c))
        return LO_ACCESS_ALL;
    lo_value owner = *lo_svref(entry, ENTRY_OWNER);
    /* the owner's name is the very string of their environment when
     * they put the entry (put_entry), so EQ mostly decides */
    if (!lo_null(L, owner) &&
        (lo_eq(owner, c->name) || lo_equal(L, owner, c->name)))
        return LO_ACCESS_ALL;
    return lo_acl_bits(L, *lo_svref(entry, ENTRY_ACL), c->name, c->groups);
}

lo_value lo_store_entry_to_read(lo_lisp *L, lo_value store, int64_t id,
                                const struct lo_store_caller *c,
                                unsigned *bits)
{
    lo_value e = lo_store_entry_record(L, store, id);
    *bits = 0;
    if (lo_null(L, e) || !lo_null(L, *lo_svref(e, ENTRY_DELETED)))
        return 0;
    *bits = lo_store_bits(L, e, c);
    return (*bits & LO_ACCESS_READ) ? e : 0;
}

bool lo_store_readable(lo_lisp *L, lo_value store, int64_t id,
                       const struct lo_store_caller *c)
{
    if (c->number != LO_CALLER_UNNUMBERED) {
        if (id < 1)
            return false;
        int r = lo_store_vis_readable(
            lo_store_vis_word(*lo_svref(store, STORE_VISIBILITY),
                              (uint64_t)id), c);
        if (r >= 0)
            return r;
    }
    lo_value e = lo_store_entry_record(L, store, id);
    return !lo_null(L, e) && lo_null(L, *lo_svref(e, ENTRY_DELETED)) &&
           (lo_store_bits(L, e, c) & LO_ACCESS_READ);
}

/* ---- the dense words of an id ---------------------------------------------- */

/* The length a dense vector of `length` ids grows to, to hold id:
 * doubled (from 16 at least) until it does. */
static uint64_t grown_length(uint64_t length, int64_t id)
{
    uint64_t grown = length < 16 ? 16 : length * 2;
    while (grown <= (uint64_t)id)
        grown *= 2;
    return grown;
}

/* The dense vector in slot of the store, with room for id. */
static lo_value dense_with_room(lo_lisp *L, lo_value store, int slot,
                                int64_t id, lo_value fill)
{
    lo_value v = *lo_svref(store, slot);
    uint64_t length = lo_svlength(v);
    if ((uint64_t)id < length)
        return v;
    uint64_t grown = grown_length(length, id);
    lo_value bigger = lo_make_vector(L, grown, fill);
    memcpy(lo_svref(bigger, 0), lo_svref(v, 0), length * 8);
    *lo_svref(store, slot) = bigger;
    return bigger;
}

/* The visibility vector with room for id. */
static lo_value vis_with_room(lo_lisp *L, lo_value store, int64_t id)
{
    lo_value v = *lo_svref(store, STORE_VISIBILITY);
    uint64_t length = (uint64_t)lo_fixnum_value(lo_ptr(v)[1]) / 2;
    if ((uint64_t)id < length)
        return v;
    uint64_t grown = grown_length(length, id);
    lo_value bigger = lo_alloc_bytes(L, 2 * grown);
    memcpy(lo_bytes_data(bigger), lo_bytes_data(v), 2 * length);
    *lo_svref(store, STORE_VISIBILITY) = bigger;
    return bigger;
}

/* The owner's number, given on their first entry. */
static int64_t owner_number(lo_lisp *L, lo_value store, lo_value owner)
{
    if (lo_null(L, owner))
        return 0;
    lo_value owners = *lo_svref(store, STORE_OWNERS), n;
    if (lo_table_get(L, owners, owner, &n))
        return lo_fixnum_value(n);
    int64_t number = (int64_t)lo_table_count(owners) + 1;
    lo_table_put(L, owners, owner, lo_fixnum(number));
    return number;
}

/* What an ACL says in a visibility word: everyone may read, or a row
 * naming a user or group may let someone read. */
static int64_t acl_word(lo_value acl)
{
    int64_t w = 0;
    for (; lo_consp(acl); acl = lo_cdr_raw(acl)) {
        lo_value row = lo_car_raw(acl), p = lo_car_raw(row);
        lo_value bits = lo_car_raw(lo_cdr_raw(row));
        if (!lo_fixnump(bits) || !(lo_fixnum_value(bits) & LO_ACCESS_READ))
            continue;
        w |= lo_keywordp(p) ? VIS_EVERYONE : VIS_ACL;
    }
    return w;
}

void lo_store_note_entry(lo_lisp *L, lo_value store, lo_value e)
{
    int64_t id = lo_fixnum_value(*lo_svref(e, ENTRY_ID));
    bool live = lo_null(L, *lo_svref(e, ENTRY_DELETED));
    uint16_t w = 0;
    if (live) {
        int64_t owner = owner_number(L, store, *lo_svref(e, ENTRY_OWNER));
        w = owner > VIS_OWNER_MAX
                ? VIS_ASK_RECORD
                : (uint16_t)(VIS_LIVE | acl_word(*lo_svref(e, ENTRY_ACL)) |
                             owner << VIS_OWNER_SHIFT);
    }
    lo_value vis = vis_with_room(L, store, id);
    lo_value current = dense_with_room(L, store, STORE_CURRENT, id, L->nil);
    memcpy(lo_store_vis_place(vis, (uint64_t)id), &w, 2);
    *lo_svref(current, (uint64_t)id) = live ? *lo_svref(e, ENTRY_ATTRS)
                                            : L->nil;
}

/* ---- entry handles ----------------------------------------------------------- */

/* A handle is an instance of the structure STORE-ENTRY (70-store.lisp)
 * whose one slot holds the id.  C makes and reads the plain ones itself,
 * through the class the boot code put in the ENTRY_CLASS root: a slot
 * vector and an instance of the class's current layout, as the Lisp
 * constructor %MAKE-ENTRY would make them.  Anything else -- no class
 * yet, a handle of an older layout, one without the read bit, a
 * structure including STORE-ENTRY, no handle at all -- goes to the Lisp
 * functions, which say what is wrong exactly as they always did. */

/* The class STORE-ENTRY, as the boot code (70-store.lisp) defined it, or
 * 0 before it did: found in the system's class names once per open (an
 * upgrade may have made it anew) and kept in the ENTRY_CLASS root. */
static lo_value entry_class(lo_lisp *L)
{
    lo_value **cache = &L->W->store_roots[ROOT_ENTRY_CLASS];
    lo_value *slot = __atomic_load_n(cache, __ATOMIC_ACQUIRE);
    if (slot)
        return __atomic_load_n(slot, __ATOMIC_RELAXED);
    lo_value cell = lo_env_cell(L, lo_system_env(L), ENV_CLASSES,
                                lo_intern(L, "STORE-ENTRY"), false);
    if (lo_null(L, cell) || !lo_class_wrapper(lo_cell_get(cell)))
        return 0;
    slot = lo_heap_named_root(L->heap, root_names[ROOT_ENTRY_CLASS], true,
                              NULL);
    if (!slot)
        return 0;               /* no room: handles are made in Lisp */
    __atomic_store_n(slot, lo_cell_get(cell), __ATOMIC_RELAXED);
    __atomic_store_n(cache, slot, __ATOMIC_RELEASE);
    return lo_cell_get(cell);
}

/* The current layout of STORE-ENTRY, or 0 before there is one -- or when
 * it is not the one slot (the id) C makes and reads. */
static lo_value handle_wrapper(lo_lisp *L)
{
    lo_value c = entry_class(L);
    lo_value w = c ? lo_class_wrapper(c) : 0;
    if (!w)
        return 0;
    lo_value names = *lo_svref(w, 1);       /* #(class slot-names) */
    return lo_typep(names, LO_T_VECTOR) && lo_svlength(names) == 1 ? w : 0;
}

/* The function named name (of the store's Lisp API) applied to x. */
static lo_value call_api(lo_lisp *L, const char *name, lo_value x)
{
    lo_value cell = lo_function_cell(L, lo_intern(L, name), false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        lo_store_error(L, "the store's Lisp API is not loaded");
    return lo_vm_apply(L, lo_cell_get(cell), &x, 1);
}

lo_value lo_store_make_handle(lo_lisp *L, int64_t id)
{
    lo_value wrapper = handle_wrapper(L);
    if (!wrapper)
        return call_api(L, "%MAKE-ENTRY", lo_fixnum(id));
    return lo_make_instance(L, wrapper, lo_make_vector(L, 1, lo_fixnum(id)));
}

lo_value lo_store_entry_id(lo_lisp *L, lo_value x)
{
    if (lo_fixnump(x) && lo_fixnum_value(x) > 0)
        return x;
    if (lo_typep(x, LO_T_INSTANCE) && (lo_access_bits(x) & LO_ACCESS_READ)) {
        lo_value wrapper = handle_wrapper(L);
        if (wrapper && lo_eq(lo_instance_wrapper(x), wrapper)) {
            lo_value slots = lo_instance_slots(x);
            if (lo_typep(slots, LO_T_VECTOR) && lo_svlength(slots) > 0) {
                lo_value id = __atomic_load_n(lo_svref(slots, 0),
                                              __ATOMIC_ACQUIRE);
                if (lo_fixnump(id) && lo_fixnum_value(id) > 0)
                    return id;
            }
        }
    }
    return call_api(L, "%ENTRY-ID-OF", x);
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
    unsigned b;
    lo_value e = store ? lo_store_entry_to_read(L, store, id, c, &b) : 0;
    if (!e)
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

/* Whether entry id (any value) exists and the caller may read it. */
static bool visible_p(lo_lisp *L, lo_value id)
{
    if (!lo_fixnump(id) || lo_fixnum_value(id) < 1)
        return false;
    lo_data_lock_shared(L);
    lo_value store = lo_store_record(L, false);
    bool visible = false;
    if (store) {
        struct lo_store_caller c;
        lo_store_caller(L, store, &c);
        lo_value e = lo_store_entry_record(L, store, lo_fixnum_value(id));
        visible = !lo_null(L, e) && lo_null(L, *lo_svref(e, ENTRY_DELETED)) &&
                  (lo_store_bits(L, e, &c) & LO_ACCESS_READ);
    }
    lo_data_unlock_shared(L);
    return visible;
}

LO_PRIMITIVE(p_store_visible_p, "%STORE-VISIBLE-P", INTERNAL, ANY, 1, 1,
             "(id)",
             "True when entry ID exists and the caller may read it.  "
             "DIRECTORY-ENTRIES' test.")
{
    return lo_truth(L, visible_p(L, args[0]));
}

LO_PRIMITIVE(p_store_get, "STORE-GET", LISPOS, ANY, 1, 1, "(id)",
             "The entry of ID (a positive integer), or NIL when there is none "
             "the caller may read.")
{
    return visible_p(L, args[0]) ? lo_store_make_handle(L, lo_fixnum_value(args[0]))
                                 : L->nil;
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
 * (visible_entry), with their bits in *bits.  The id must be a fixnum,
 * which no collection moves; any other argument is read from the stack
 * again after this (waiting for the lock may let a collection run). */
static lo_value read_entry(lo_lisp *L, lo_value id, unsigned *bits)
{
    /* before the lock: waiting for it may let a collection move a value
     * held here, which an error about it would then name */
    arg_id(L, id);
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
    if (lo_keyword_is(args[1], "ACL")) {
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

/* The first value of key args[1] in entry args[0] (an id) and T, or NIL
 * and NIL: %STORE-ATTRIBUTE's and ENTRY-ATTRIBUTE's work.  The key is
 * read from the stack again once the lock is taken: waiting for it may
 * let a collection move the key. */
static lo_value first_attribute(lo_lisp *L, lo_value *args)
{
    if (!lo_keywordp(args[1]))
        lo_arg_error(L, args[1], "KEYWORD");
    unsigned bits;
    lo_value e = read_entry(L, args[0], &bits);
    lo_value key = args[1];
    lo_value attrs = *lo_svref(e, ENTRY_ATTRS), v[2] = { L->nil, L->nil };
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2)
        if (lo_eq(*lo_svref(attrs, i), key)) {
            v[0] = lo_store_value_out(L, *lo_svref(attrs, i + 1), bits, 0);
            v[1] = L->t;
            break;
        }
    /* the ACL is kept apart, never among the attributes */
    if (lo_null(L, v[1]) && lo_keyword_is(key, "ACL") &&
        !lo_null(L, *lo_svref(e, ENTRY_ACL))) {
        v[0] = lo_store_value_out(L, *lo_svref(e, ENTRY_ACL), bits, 0);
        v[1] = L->t;
    }
    lo_data_unlock_shared(L);
    return lo_values(L, 2, v);
}

LO_PRIMITIVE(p_store_attribute, "%STORE-ATTRIBUTE", INTERNAL, ANY, 2, 2,
             "(id key)",
             "Two values: entry ID's first value for KEY (carrying the "
             "caller's bits, never the write bit) and T, or NIL and NIL.  "
             "ENTRY-ATTRIBUTE's work, given an id.")
{
    return first_attribute(L, args);
}

LO_PRIMITIVE(p_entry_attribute, "ENTRY-ATTRIBUTE", LISPOS, ANY, 2, 2,
             "(entry key)",
             "ENTRY's first value for KEY, or NIL; the second value says "
             "whether it has one.")
{
    args[0] = lo_store_entry_id(L, args[0]);    /* the stack: a root */
    return first_attribute(L, args);
}

bool lo_store_reads_entry_p(lo_lisp *L, lo_value callee, uint32_t nargs)
{
    (void)L;
    return lo_typep(callee, LO_T_PRIMITIVE) && nargs == 2 &&
           lo_primitive_of(callee) == &p_entry_attribute_row;
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

LO_PRIMITIVE(p_store_bits, "%STORE-BITS", INTERNAL, ANY, 1, 1, "(id)",
             "The access bits entry ID's ACL grants the caller (0 to 15).  "
             "What the server reports beside an object sent as data.")
{
    unsigned bits;
    read_entry(L, args[0], &bits);
    lo_data_unlock_shared(L);
    return lo_fixnum((int64_t)bits);
}

const struct lo_primitive *const lo_store_primitives[] = {
    LO_ROW(p_store_put),
    LO_ROW(p_store_visible_p),
    LO_ROW(p_store_get),
    LO_ROW(p_store_object),
    LO_ROW(p_store_attributes),
    LO_ROW(p_store_attribute_values),
    LO_ROW(p_store_attribute),
    LO_ROW(p_entry_attribute),
    LO_ROW(p_store_owner),
    LO_ROW(p_store_bits),
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
        status = lo_lisp_register_primitives("store-directory",
                                             lo_store_directory_primitives);
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
