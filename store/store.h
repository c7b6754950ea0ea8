/*
 * store.h -- what the object store's files share (docs/store-design.md):
 * the layout of the store record and of an entry record in the heap, the
 * caller of an operation, and each file's entry points.  The user-facing
 * API is Lisp (the files of store/boot) over the primitives these files define;
 * a program that wants the store calls lo_store_register() (store_api.h)
 * before it opens a Lisp.
 *
 * Everything here runs inside a primitive, on the thread's Lisp.  No
 * allocation collects (collections happen only at safepoints: gc.h), so a
 * value held in a C variable stays valid until the primitive calls Lisp
 * code (a SATISFIES predicate) or returns; only then must it be rooted.
 */
#ifndef LO_STORE_STORE_H
#define LO_STORE_STORE_H

#include "lisp/internal.h"
#include "lisp/primitive.h"

/* The store record: a simple-vector under the heap root "store:root". */
enum {
    STORE_LAYOUT,           /* the store's own layout version (fixnum) */
    STORE_NEXT_ID,          /* the next entry's id (fixnum, from 1) */
    STORE_ENTRIES,          /* simple-vector: id -> entry record or NIL */
    STORE_INDEXES,          /* EQ table: keyword -> index record */
    STORE_VALUE_SETS,       /* EQUAL table: user name ("" admin) -> sets */
    STORE_GROUPS,           /* EQUAL table: group name -> member list */
    STORE_HISTORY_DEPTH,    /* versions kept per entry (fixnum) */
    STORE_LIVE,             /* entries not deleted (fixnum) */
    /* what queries read for every id, kept dense so a scan reads
     * neighbouring words instead of one entry record after another
     * (store.c, lo_store_note_entry): */
    STORE_VISIBILITY,       /* byte vector: id -> visibility word,
                               16 bits an id (lo_store_vis_word) */
    STORE_CURRENT,          /* simple-vector: id -> a live entry's attrs */
    STORE_OWNERS,           /* EQUAL table: owner's name -> number */
    STORE_SLOTS
};
/* Layout 3: the dense slots (the visibility words 16 bits an id), and
 * entry records of seven slots.  No release had a store before it, so
 * there is no step from an earlier layout: a store of one is refused
 * (lo_store_record). */
#define LO_STORE_LAYOUT 3

/* A visibility word: 0 when no live entry has the id, else VIS_LIVE,
 * VIS_EVERYONE when the ACL lets everyone read, VIS_ACL when another row
 * of it may let someone read, and the owner's number (from STORE_OWNERS;
 * 0: the administrator) shifted by VIS_OWNER_SHIFT.  Kept in 16 bits an
 * id, so that a query checking a hundred thousand ids reads a fifth of
 * what a word an id would cost: an owner numbered past VIS_OWNER_MAX
 * (more than eight thousand users owning entries) has the word
 * VIS_ASK_RECORD instead, and their entries are checked on the record. */
enum { VIS_LIVE = 1, VIS_EVERYONE = 2, VIS_ACL = 4, VIS_OWNER_SHIFT = 3,
       VIS_ASK_RECORD = 0xffff,
       VIS_OWNER_MAX = (VIS_ASK_RECORD >> VIS_OWNER_SHIFT) - 1 };

/* Where the visibility word of id lies in the vector vis (a byte
 * vector: its bytes from word 2). */
static inline uint8_t *lo_store_vis_place(lo_value vis, uint64_t id)
{
    return (uint8_t *)(lo_ptr(vis) + 2) + 2 * id;
}

/* The visibility word of id in the vector vis (0 past its end). */
static inline unsigned lo_store_vis_word(lo_value vis, uint64_t id)
{
    uint64_t length = (uint64_t)lo_fixnum_value(lo_ptr(vis)[1]);
    if (id >= length / 2)
        return 0;
    uint16_t w;
    __builtin_memcpy(&w, lo_store_vis_place(vis, id), 2);
    return w;
}

/* An entry record: a simple-vector, never handed to users (they get a
 * handle holding the id: store/boot/70-store.lisp). */
enum {
    ENTRY_ID,               /* fixnum */
    ENTRY_OBJECT,           /* the object, as its owner's reference */
    ENTRY_ATTRS,            /* simple-vector k1 v1 k2 v2 ..., replaced
                               whole by a change, never written in place
                               (but a new entry's, by lo_store_index_put,
                               before the entry is the store's) */
    ENTRY_OWNER,            /* user name string; NIL: the administrator */
    ENTRY_ACL,              /* list of (principal bits) */
    ENTRY_HISTORY,          /* list of versions, newest first (the
                               newest's number is the entry's version,
                               its time the last change's); while never
                               changed, the time of the put (seconds since
                               1970, an integer): version 1 (entry.c) */
    ENTRY_DELETED,          /* T or NIL */
    ENTRY_SLOTS
};

/* Element i of a simple-vector, as a place. */
static inline lo_value *lo_svref(lo_value v, uint64_t i)
{
    return &lo_ptr(v)[2 + i];
}
static inline uint64_t lo_svlength(lo_value v)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(v)[1]);
}

/* Who calls: a user (their environment's name, a string) or the
 * administrator (the system environment: every bit on everything). */
struct lo_store_caller {
    lo_value name;          /* string, or NIL for the administrator */
    lo_value groups;        /* the store's groups (name -> members), or NIL */
    int64_t number;         /* as an owner (STORE_OWNERS): 0 the
                               administrator, -1 one who owns nothing,
                               LO_CALLER_UNNUMBERED until asked for */
};
enum { LO_CALLER_UNNUMBERED = -2 };
/* c->number looked up (queries use it; single reads need not). */
void lo_store_caller_number(lo_lisp *L, lo_value store,
                            struct lo_store_caller *c);
void lo_store_caller(lo_lisp *L, lo_value store, struct lo_store_caller *c);
/* The same for the user of environment env (the thread's need not be). */
void lo_store_caller_in(lo_lisp *L, lo_value store, lo_value env,
                        struct lo_store_caller *c);
static inline bool lo_store_admin_p(lo_lisp *L, const struct lo_store_caller *c)
{
    return lo_null(L, c->name);
}

/* ---- store.c ---- */

/* The store record (made on first use when create, else 0 when none). */
lo_value lo_store_record(lo_lisp *L, bool create);
/* The heap root's slot holding the store record (a place in the root
 * page: it never moves), or NULL when there is no store yet.  Loops read
 * it again after Lisp code ran, which may have moved the record. */
const lo_value *lo_store_root_slot(lo_lisp *L);
/* The entry record of id, or NIL; deleted ones too. */
lo_value lo_store_entry_record(lo_lisp *L, lo_value store, int64_t id);
/* Entry handles (store/boot/70-store.lisp): a new one of id, and the id
 * an entry argument (a handle or a positive integer) names, as the Lisp
 * function %ENTRY-ID-OF gives it (which it calls for anything but a plain
 * handle or a fixnum: either may run Lisp code, so collect). */
lo_value lo_store_make_handle(lo_lisp *L, int64_t id);
lo_value lo_store_entry_id(lo_lisp *L, lo_value x);
/* Whether callee, called with nargs arguments of which the first is an
 * entry, treats an entry's id exactly as its handle, keeping neither
 * (ENTRY-ATTRIBUTE): lo_store_predicate_by_id's test. */
bool lo_store_reads_entry_p(lo_lisp *L, lo_value callee, uint32_t nargs);
/* The access bits the caller has on an entry record (0: invisible). */
unsigned lo_store_bits(lo_lisp *L, lo_value entry,
                       const struct lo_store_caller *c);
/* After every change to entry record e (entry.c): its id's dense words
 * follow (the lock held exclusive). */
void lo_store_note_entry(lo_lisp *L, lo_value store, lo_value e);
/* The store's dense vectors, or 0 for a record too short to hold them
 * (none is made so since layout 2; readers then ask the entry records,
 * which always answer right, only slower). */
static inline lo_value lo_store_dense(lo_value store, int slot)
{
    return lo_svlength(store) > (uint64_t)slot ? *lo_svref(store, slot) : 0;
}
/* Whether caller c may read the entry of id, whose visibility word is w:
 * the word decides unless the entry's ACL must be read. */
static inline int lo_store_vis_readable(unsigned w,
                                        const struct lo_store_caller *c)
{
    if (!(w & VIS_LIVE))
        return 0;
    if (w == VIS_ASK_RECORD)
        return -1;
    if (c->number == 0 || (int64_t)(w >> VIS_OWNER_SHIFT) == c->number ||
        (w & VIS_EVERYONE))
        return 1;
    return (w & VIS_ACL) ? -1 : 0;      /* -1: ask the ACL */
}
/* The live entry record of id that caller c may read, with c's bits on
 * it in *bits; 0 when there is none (nothing signalled). */
lo_value lo_store_entry_to_read(lo_lisp *L, lo_value store, int64_t id,
                                const struct lo_store_caller *c,
                                unsigned *bits);
/* Whether caller c may read the entry of id (live and readable). */
bool lo_store_readable(lo_lisp *L, lo_value store, int64_t id,
                       const struct lo_store_caller *c);

/* ---- value.c: the store's equality and order ---- */

/* EQUAL, but dates and durations by value (docs/store.md). */
bool lo_store_equal(lo_lisp *L, lo_value a, lo_value b);
/* a against b in the store's order: -1, 0 or 1, or LO_STORE_UNORDERED
 * when they are not of one ordered type (reals, strings, durations). */
enum { LO_STORE_UNORDERED = 2 };
int lo_store_compare(lo_lisp *L, lo_value a, lo_value b);
/* Whether v is of a type the store orders. */
bool lo_store_orderable(lo_lisp *L, lo_value v);
/* Case-insensitive substring of a string value. */
bool lo_store_contains(lo_value haystack, lo_value needle);
/* A copy of a list's conses, depth levels down at most (1000). */
lo_value lo_store_copy_tree(lo_lisp *L, lo_value x, int depth);
/* Dates and durations (store/boot/72-dates.lisp): whether v is one (an
 * instance of the system's class, readable by the caller), the relation
 * op (LO_F_OVERLAPS, _WITHIN, _BEFORE, _AFTER: filter.h) of a value v to
 * the date operand d (false when v is no date), and the order of two
 * dates for ORDER-BY: by start, then end (-1, 0 or 1). */
bool lo_store_datep(lo_lisp *L, lo_value v);
bool lo_store_durationp(lo_lisp *L, lo_value v);
/* A duration's length (a rational): false when v is no duration. */
bool lo_store_duration_length(lo_lisp *L, lo_value v, lo_value *seconds);
/* Whether v is a date (3: *a its start, *b its end) or a duration (2: *a
 * its length), else 0, with one look-up of its class. */
int lo_store_temporal(lo_lisp *L, lo_value v, lo_value *a, lo_value *b);
bool lo_store_date_relation(lo_lisp *L, int op, lo_value v, lo_value d);
int lo_store_date_compare(lo_lisp *L, lo_value a, lo_value b);
/* A date's start and end (integers, seconds since 1970): false when v is
 * no date. */
bool lo_store_date_span(lo_lisp *L, lo_value v, lo_value *start,
                        lo_value *end);
/* A date of [start, end) seconds since 1970, of second precision (a mail
 * message's Date:). */
lo_value lo_store_make_date(lo_lisp *L, int64_t start, int64_t end);
/* The key a hash index files v under: v itself, but a date or a
 * duration as a value EQUAL compares by contents. */
lo_value lo_store_index_key(lo_lisp *L, lo_value v);
/* Raw search of a string or byte vector object for text. */
bool lo_store_content_contains(lo_value object, lo_value text);

/* ---- entry.c ---- */

/* Record a new entry's first version (it was just made, with its state
 * in place) and put it in the indexes. */
void lo_store_record_first_version(lo_lisp *L, lo_value store, lo_value e,
                                   const struct lo_store_caller *c);
/* The change listener told that a group's members changed, or a group
 * went (groups.c, holding the lock exclusive): id 0 (store_api.h). */
void lo_store_tell_groups_changed(void);
/* The number of entry record e's newest version (1 until it changes). */
int64_t lo_store_newest_version(lo_value e);
extern const struct lo_primitive *const lo_store_entry_primitives[];

/* ---- index.c ---- */

/* Entry id's indexed attributes change from old_attrs to new_attrs (NIL:
 * none, as for an entry not yet made or deleted): every index follows. */
void lo_store_index_change(lo_lisp *L, lo_value store, lo_value id,
                           lo_value old_attrs, lo_value new_attrs);
/* A new entry id's attributes attrs go into every index; the values
 * lo_store_put_value left as given become values the indexes hold
 * already (the same contents) or copies, in attrs itself. */
void lo_store_index_put(lo_lisp *L, lo_value store, int64_t id,
                        lo_value attrs);
/* A value the index of key holds that may stand for v
 * (lo_store_same_copy), or LO_UNBOUND: what a new value may share
 * instead of a copy of its own. */
lo_value lo_store_index_same_value(lo_lisp *L, lo_value store, lo_value key,
                                   lo_value v);

/* ---- value.c: what the store keeps of an attribute's value ---- */

/* The value the store keeps for key, put by caller c: strings and lists
 * copied (the caller's own may change later; the indexes must not); a
 * value outside the caller's value set for key refused (STORE-ERROR). */
lo_value lo_store_attribute_value(lo_lisp *L, lo_value store,
                                  const struct lo_store_caller *c,
                                  lo_value key, lo_value v);
/* The same for a value of a new entry (STORE-PUT), checked the same: a
 * value of a key with an index that may be shared (a string, a boxed
 * number, a date or a duration) is given back as it is, to become the
 * store's own -- a value another entry holds, or a copy -- when the new
 * entry is put in the indexes (lo_store_index_put). */
lo_value lo_store_put_value(lo_lisp *L, lo_value store,
                            const struct lo_store_caller *c, lo_value key,
                            lo_value v);
/* A copy of what the store keeps of v: strings, dates, durations and
 * lists copied, anything else v itself. */
lo_value lo_store_copy_value(lo_lisp *L, lo_value v);
/* Whether the value the store keeps may stand for v (the same type and
 * contents: a string, a boxed number, a date or duration -- for an
 * instance the caller has made sure v is a date or a duration). */
bool lo_store_same_copy(lo_value kept, lo_value v);

/* An attribute's value (or an ACL) as a caller with bits on its entry
 * gets it: bit-carrying objects restricted to those bits and never
 * writable, lists copied (their conses carry no bits). */
lo_value lo_store_value_out(lo_lisp *L, lo_value v, unsigned bits, int depth);

/* ---- valuesets.c, groups.c ---- */

/* A STORE-ERROR unless v is in caller c's value set for key (when key is
 * one of the keys that have sets). */
void lo_store_check_set_value(lo_lisp *L, lo_value store,
                              const struct lo_store_caller *c, lo_value key,
                              lo_value v);
extern const struct lo_primitive *const lo_store_valueset_primitives[];
extern const struct lo_primitive *const lo_store_group_primitives[];

/* ---- directory.c ---- */

/* The n ids (fixnum words) as a directory keeps them: a byte vector. */
lo_value lo_store_encode_ids(lo_lisp *L, const lo_value *ids, uint64_t n);
/* Ids this far apart on average, or nearer, are worth a bit each: a
 * query keeps them as bits, and a directory of them is those bits (two
 * bytes an id at most, and a copy of the query's own bits, where a code
 * would have to be worked out id by id). */
enum { LO_STORE_BITS_GAP = 8 };
/* The same of the ids of bits words[0..nwords) (bit i of word w: id
 * 64w + i): n of them, after the first skip. */
lo_value lo_store_encode_bits(lo_lisp *L, const uint64_t *words,
                              uint64_t nwords, uint64_t skip, uint64_t n);
extern const struct lo_primitive *const lo_store_directory_primitives[];

/* ---- query.c ---- */

/* A SATISFIES predicate fn (a function or a function's name) as the
 * filter keeps it: the function to call with entry ids instead of
 * handles, when it only hands its argument to ENTRY-ATTRIBUTE, else NIL;
 * and that function's program (lisp/num_expr.h) when it is arithmetic
 * and comparisons over its entry's attributes, else NIL.  Then the truth
 * of fn for the entry id whose attributes vector is attrs: from the
 * program when fn is (still) by_id and the program can tell, else by
 * calling fn with a new handle of the entry or, when fn is (still)
 * by_id, the id itself. */
lo_value lo_store_predicate_by_id(lo_lisp *L, lo_value fn);
lo_value lo_store_predicate_program(lo_lisp *L, lo_value by_id);
bool lo_store_satisfies(lo_lisp *L, lo_value fn, lo_value by_id,
                        lo_value program, lo_value id, lo_value attrs);
extern const struct lo_primitive *const lo_store_query_primitives[];

/* The store's errors: STORE-ERROR (bad arguments to the API) and
 * STORE-QUERY-ERROR (a malformed filter). */
_Noreturn void lo_store_error(lo_lisp *L, const char *fmt, ...);
_Noreturn void lo_store_query_error(lo_lisp *L, lo_value culprit,
                                    const char *fmt, ...);

#endif
