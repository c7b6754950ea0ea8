/*
 * peek.c -- one entry read by C code, without running Lisp code and
 * without waiting (store_api.h, lo_store_peek).  The server answers
 * store.get so on its event loop, where handing the request to a worker
 * costs several times the read itself.
 *
 * It gives exactly what the Lisp functions give the same user --
 * %STORE-OBJECT and %STORE-ATTRIBUTES (the values carrying the caller's
 * bits on the entry: store.c), %STORE-BITS, %STORE-OWNER and
 * %STORE-VERSION -- or gives up with LO_EBUSY wherever the answer would
 * need the Lisp (a value the server sends through it) or a wait (the
 * store's lock wanted by a writer).  Nothing here allocates, signals or
 * polls: no collection can move what it reads while it runs.
 */
#include "lisp/environment.h"
#include "lisp/numbers.h"
#include "lisp/sequences.h"
#include "store/store.h"
#include "store/store_api.h"

/* Lists nest at most so deep; one string's text takes at most so many
 * bytes (a longer one is left to the Lisp). */
enum { PEEK_DEPTH_MOST = 16, PEEK_STRING_MOST = 4096 };

struct peek {
    lo_lisp *L;
    const struct lo_peek_visitor *visitor;
    uint32_t values;                /* told so far */
    uint64_t bytes;                 /* of text told so far */
    char text[PEEK_STRING_MOST];    /* a string's UTF-8 */
};

/* The length of the proper list x, or -1 when it is dotted, circular or
 * longer than the values left to tell. */
static int64_t short_list_length(struct peek *p, lo_value x)
{
    int64_t n = 0;
    for (; lo_consp(x); x = lo_cdr_raw(x))
        if (++n + p->values > LO_PEEK_VALUES_MOST)
            return -1;
    return lo_null(p->L, x) ? n : -1;
}

/* String s as UTF-8 in p->text: false when it does not fit. */
static bool string_text(struct peek *p, lo_value s, size_t *length)
{
    size_t at = 0, room = sizeof p->text;
    uint64_t n = lo_string_length(s);
    for (uint64_t i = 0; i < n; i++) {
        uint32_t c = lo_string_ref(s, i);
        if (at + 4 > room)
            return false;
        if (c < 0x80)
            p->text[at++] = (char)c;
        else
            at += lo_utf8_encode(c, p->text + at);
    }
    *length = at;
    return true;
}

/* Text of `length` bytes counted against the budget. */
static bool within_budget(struct peek *p, size_t length)
{
    if (length > LO_PEEK_BYTES_MOST - p->bytes)
        return false;
    p->bytes += length;
    return true;
}

/* x as out's kind and contents: false for a kind the fast path leaves to
 * the Lisp.  A string or byte vector is data only when its reference
 * grants the read bit (the server sends it as a handle otherwise). */
static bool describe(struct peek *p, lo_value x, struct lo_peek_value *out)
{
    lo_lisp *L = p->L;
    if (lo_null(L, x)) {
        out->kind = LO_PEEK_NIL;
    } else if (lo_eq(x, L->t)) {
        out->kind = LO_PEEK_T;
    } else if (lo_fixnump(x)) {
        out->kind = LO_PEEK_INTEGER;
        out->integer = lo_fixnum_value(x);
    } else if (lo_doublep(x)) {
        out->kind = LO_PEEK_DOUBLE;
        out->number = lo_double_value(x);
    } else if (lo_typep(x, LO_T_STRING)) {
        if (!(lo_access_bits(x) & LO_ACCESS_READ) ||
            !string_text(p, x, &out->length) ||
            !within_budget(p, out->length))
            return false;
        out->kind = LO_PEEK_STRING;
        out->text = p->text;
    } else if (lo_typep(x, LO_T_BYTES)) {
        out->length = lo_vector_length(x);
        if (!(lo_access_bits(x) & LO_ACCESS_READ) ||
            !within_budget(p, out->length))
            return false;
        out->kind = LO_PEEK_BYTES;
        out->text = (const char *)lo_bytes_data(x);
    } else if (lo_keywordp(x)) {
        if (!string_text(p, lo_symbol_name(x), &out->length) ||
            !within_budget(p, out->length))
            return false;
        out->kind = LO_PEEK_KEYWORD;
        out->text = p->text;
    } else {
        return false;
    }
    return true;
}

/* Tell x (a list with its elements after it): false to give up. */
static bool tell(struct peek *p, lo_value x, enum lo_peek_role role,
                 int depth)
{
    struct lo_peek_value out = { .role = role };
    if (++p->values > LO_PEEK_VALUES_MOST)
        return false;
    if (!lo_consp(x)) {
        if (!describe(p, x, &out))
            return false;
        p->visitor->value(p->visitor->ctx, &out);
        return true;
    }
    int64_t n = depth < PEEK_DEPTH_MOST ? short_list_length(p, x) : -1;
    if (n < 0)
        return false;
    out.kind = LO_PEEK_LIST;
    out.integer = n;
    p->visitor->value(p->visitor->ctx, &out);
    for (; lo_consp(x); x = lo_cdr_raw(x))
        if (!tell(p, lo_car_raw(x), LO_PEEK_ELEMENT, depth + 1))
            return false;
    return true;
}

/* The caller user (NULL: the administrator), as the store's reads see
 * them from their environment; false when they have none yet. */
static bool caller_of(lo_lisp *L, lo_value store, const char *user,
                      struct lo_store_caller *c)
{
    lo_value env = user ? lo_env_find_user(L, user) : lo_system_env(L);
    if (lo_null(L, env))
        return false;
    lo_store_caller_in(L, store, env, c);
    return true;
}

/* Everything of entry record e that store.get sends, told. */
static int tell_entry(struct peek *p, lo_value e, int64_t id, unsigned bits)
{
    lo_lisp *L = p->L;
    lo_value attrs = *lo_svref(e, ENTRY_ATTRS);
    lo_value acl = *lo_svref(e, ENTRY_ACL);
    lo_value owner = *lo_svref(e, ENTRY_OWNER);
    struct lo_peek_head head = {
        .id = id, .version = lo_store_newest_version(e), .access = bits,
        .attributes = (uint32_t)lo_svlength(attrs) + (lo_null(L, acl) ? 0 : 2),
        .administrator = lo_null(L, owner),
    };
    if (!head.administrator) {
        if (lo_string_length(owner) > 64)   /* longer than a user's name */
            return LO_EBUSY;
        lo_string_utf8(owner, head.owner, sizeof head.owner);
    }
    if (head.attributes > LO_PEEK_VALUES_MOST)
        return LO_EBUSY;
    p->visitor->head(p->visitor->ctx, &head);
    /* the values as the Lisp gives them: with the caller's bits, which
     * always grant reading here, so a value's own read bit decides */
    if (!tell(p, *lo_svref(e, ENTRY_OBJECT), LO_PEEK_OBJECT, 0))
        return LO_EBUSY;
    for (uint64_t i = 0; i < lo_svlength(attrs); i += 2)
        if (!tell(p, *lo_svref(attrs, i), LO_PEEK_KEY, 0) ||
            !tell(p, *lo_svref(attrs, i + 1), LO_PEEK_VALUE, 0))
            return LO_EBUSY;
    if (lo_null(L, acl))
        return LO_OK;
    struct lo_peek_value key = { .kind = LO_PEEK_KEYWORD, .role = LO_PEEK_KEY,
                                 .text = "ACL", .length = 3 };
    p->visitor->value(p->visitor->ctx, &key);
    return tell(p, acl, LO_PEEK_VALUE, 0) ? LO_OK : LO_EBUSY;
}

int lo_store_peek(lo_lisp *L, const char *user, int64_t id,
                  const struct lo_peek_visitor *visitor)
{
    if (!lo_data_lock_try_shared(L))
        return LO_EBUSY;
    int status = LO_ENOENT;
    const lo_value *slot = lo_store_root_slot(L);
    lo_value store = slot ? *slot : L->nil;
    struct lo_store_caller c;
    unsigned bits = 0;
    lo_value e = 0;
    if (lo_typep(store, LO_T_VECTOR)) {
        if (!caller_of(L, store, user, &c))
            status = LO_EBUSY;
        else
            e = lo_store_entry_to_read(L, store, id, &c, &bits);
    }
    if (e) {
        struct peek p;          /* not zeroed: its text is 4 KiB of scratch */
        p.L = L;
        p.visitor = visitor;
        p.values = 0;
        p.bytes = 0;
        status = tell_entry(&p, e, id, bits);
    }
    lo_data_unlock_shared(L);
    return status;
}
