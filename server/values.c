/*
 * values.c -- Lisp values as MessagePack and back (values.h).
 *
 * The C side knows the common types; the others -- dates, durations,
 * entries, ratios, characters, integers past 64 bits -- are asked of the
 * Lisp (LISPOS-INTERNAL::%WIRE-OTHER and %WIRE-MAKE, store/boot/
 * 74-wire.lisp), which gives and takes them as text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/rpc.h"
#include "server/values.h"

enum { DEPTH_MOST = 24, SUMMARY_MOST = 200 };   /* room for the envelope */
#define INTERNAL "LISPOS-INTERNAL"

/* ---- out ---- */

void lo_pack_ext(msgpack_packer *pk, int8_t type, const void *body,
                 size_t len)
{
    msgpack_pack_ext(pk, len, type);
    msgpack_pack_ext_body(pk, body, len);
}

/* The text PRIN1 writes for v (malloc'd, or NULL). */
static char *printed(lo_lisp *W, lo_ref v)
{
    char small[256];
    int64_t n = lo_get_printed(W, v, small, sizeof small);
    if (n < 0)
        return strdup("#<?>");
    if ((size_t)n < sizeof small)
        return strdup(small);
    char *text = malloc((size_t)n + 1);
    if (text)
        lo_get_printed(W, v, text, (size_t)n + 1);
    return text;
}

static void pack_printed(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    char *text = printed(W, v);
    lo_pack_ext(pk, LO_EXT_PRINTED, text ? text : "",
                text ? strlen(text) : 0);
    free(text);
}

/* The name of v's type, as TYPE-OF says it (its head when a list). */
static void type_name(lo_lisp *W, lo_ref v, char *out, size_t len)
{
    char package[64];
    snprintf(out, len, "T");
    lo_ref type = lo_call_named(W, "COMMON-LISP", "TYPE-OF", &v, 1);
    if (type && lo_type_code(W, type) == LO_TYPE_CONS)
        type = lo_get_car(W, type);
    if (type)
        lo_get_symbol(W, type, package, sizeof package, out, len);
}

/* A handle's summary: the object printed with short lists
 * (%WIRE-PRINTED-SUMMARY: a vector of a million elements is not printed
 * whole to show 200 bytes of it), cut at SUMMARY_MOST bytes.  Malloc'd,
 * or NULL. */
static char *summary_of(lo_lisp *W, lo_ref v)
{
    lo_ref text = lo_call_named(W, INTERNAL, "%WIRE-PRINTED-SUMMARY", &v, 1);
    char small[SUMMARY_MOST + 4];
    int64_t n = text ? lo_get_string(W, text, small, sizeof small) : -1;
    if (n < 0)
        return strdup("#<?>");
    if ((size_t)n >= sizeof small || n > SUMMARY_MOST) {
        size_t end = SUMMARY_MOST;
        while (end > 0 && ((unsigned char)small[end] & 0xc0) == 0x80)
            end--;                      /* never inside a character */
        memcpy(small + end, "...", 4);
    }
    return strdup(small);
}

/* An object that carries access bits, as a handle of the session:
 * ext LO_EXT_HANDLE holding [number, bits, type, summary]. */
static void pack_handle(lo_lisp *W, msgpack_packer *pk, lo_ref v,
                        const struct lo_wire *wire)
{
    uint64_t number = wire->handles ? lo_handles_add(W, wire->handles, v) : 0;
    if (!number) {                  /* no table, or it is full */
        pack_printed(W, pk, v);
        return;
    }
    char type[64];
    type_name(W, v, type, sizeof type);
    char *summary = summary_of(W, v);
    msgpack_sbuffer body;
    msgpack_sbuffer_init(&body);
    msgpack_packer bp;
    msgpack_packer_init(&bp, &body, msgpack_sbuffer_write);
    msgpack_pack_array(&bp, 4);
    msgpack_pack_uint64(&bp, number);
    msgpack_pack_int(&bp, lo_get_access(W, v));
    lo_rpc_pack_string(&bp, type);
    lo_rpc_pack_string(&bp, summary ? summary : "");
    lo_pack_ext(pk, LO_EXT_HANDLE, body.data, body.size);
    msgpack_sbuffer_destroy(&body);
    free(summary);
}

/* A string or byte vector is sent as its contents when it may be read,
 * else as a handle. */
static bool readable(lo_lisp *W, lo_ref v)
{
    return lo_get_access(W, v) & 1;
}

static void pack_string(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    char small[256];
    int64_t n = lo_get_string(W, v, small, sizeof small);
    char *text = n >= 0 && (size_t)n >= sizeof small
                     ? malloc((size_t)n + 1) : NULL;
    if (n < 0 || ((size_t)n >= sizeof small && !text)) {
        pack_printed(W, pk, v);
        return;
    }
    if (text)
        lo_get_string(W, v, text, (size_t)n + 1);
    lo_rpc_pack_text(pk, text ? text : small, (size_t)n);
    free(text);
}

static void pack_bytes(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    int64_t n = lo_get_bytes(W, v, NULL, 0);
    void *data = n > 0 ? malloc((size_t)n) : NULL;
    if (n < 0 || (n > 0 && !data)) {
        free(data);
        pack_printed(W, pk, v);
        return;
    }
    lo_get_bytes(W, v, data, (size_t)n);
    msgpack_pack_bin(pk, (size_t)n);
    msgpack_pack_bin_body(pk, data, (size_t)n);
    free(data);
}

/* A keyword as its name; another symbol as its package's name, a NUL
 * and its name. */
static void pack_symbol(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    char package[256], name[1024];
    if (lo_get_symbol(W, v, package, sizeof package, name, sizeof name) !=
        LO_OK) {
        pack_printed(W, pk, v);
        return;
    }
    if (!strcmp(package, "KEYWORD")) {
        lo_pack_ext(pk, LO_EXT_KEYWORD, name, strlen(name));
        return;
    }
    size_t p = strlen(package), n = strlen(name);
    char both[sizeof package + sizeof name];
    memcpy(both, package, p + 1);
    memcpy(both + p + 1, name, n);
    lo_pack_ext(pk, LO_EXT_SYMBOL, both, p + 1 + n);
}

static void pack_at(lo_lisp *W, msgpack_packer *pk, lo_ref v, int depth,
                    const struct lo_wire *wire);

/* What the head of a structured result's list makes of it: a map
 * (%MAP key value ...), an array even when empty (%ARRAY item ...), or
 * a plain list. */
enum head { PLAIN, MAP, ARRAY };

static enum head head_of(lo_lisp *W, lo_ref v)
{
    char package[32], name[16];
    lo_ref head = lo_get_car(W, v);
    if (!head || lo_type_code(W, head) != LO_TYPE_SYMBOL ||
        lo_get_symbol(W, head, package, sizeof package, name,
                      sizeof name) != LO_OK || strcmp(package, INTERNAL))
        return PLAIN;
    return !strcmp(name, "%MAP") ? MAP : !strcmp(name, "%ARRAY") ? ARRAY
                                                                   : PLAIN;
}

/* The n elements of the list v, each packed; with skip, the first is
 * left out. */
static void pack_elements(lo_lisp *W, msgpack_packer *pk, lo_ref v,
                          int64_t n, bool skip, int depth,
                          const struct lo_wire *wire)
{
    lo_scope s = lo_scope_open(W);
    lo_ref at = lo_ref_copy(W, v);
    for (int64_t k = 0; k < n; k++) {
        lo_scope item = lo_scope_open(W);
        if (k > 0 || !skip)
            pack_at(W, pk, lo_get_car(W, at), depth + 1, wire);
        lo_ref_set(W, at, lo_get_cdr(W, at));
        lo_scope_close(W, item);
    }
    lo_scope_close(W, s);
}

static void pack_list(lo_lisp *W, msgpack_packer *pk, lo_ref v, int depth,
                      const struct lo_wire *wire)
{
    int64_t n = depth < DEPTH_MOST ? lo_length(W, v) : -1;
    if (n < 0) {                        /* dotted, circular or too deep */
        pack_printed(W, pk, v);
        return;
    }
    enum head head = wire->maps ? head_of(W, v) : PLAIN;
    if (head == MAP && n % 2 == 1)
        msgpack_pack_map(pk, (size_t)n / 2);
    else if (head == ARRAY)
        msgpack_pack_array(pk, (size_t)n - 1);
    else
        msgpack_pack_array(pk, (size_t)n);
    pack_elements(W, pk, v, n, head != PLAIN && (head == ARRAY || n % 2 == 1),
                  depth, wire);
}

/* The types the Lisp sends as text (%WIRE-OTHER); false for others. */
static bool pack_other(lo_lisp *W, msgpack_packer *pk, lo_ref v)
{
    static const struct { const char *kind; int8_t ext; } kinds[] = {
        { "DATE", LO_EXT_DATE }, { "DURATION", LO_EXT_DURATION },
        { "ENTRY", LO_EXT_ENTRY }, { "INTEGER", LO_EXT_INTEGER },
        { "RATIO", LO_EXT_RATIO }, { "CHARACTER", LO_EXT_CHARACTER },
    };
    lo_ref fn = lo_new_symbol(W, INTERNAL, "%WIRE-OTHER");
    lo_ref out[2];
    if (!fn || lo_call_values(W, fn, &v, 1, out, 2) < 0 ||
        lo_type_code(W, out[0]) != LO_TYPE_SYMBOL)
        return false;
    char package[32], kind[32], small[512];
    if (lo_get_symbol(W, out[0], package, sizeof package, kind,
                      sizeof kind) != LO_OK)
        return false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kind, kinds[i].kind))
            continue;
        int64_t n = lo_get_string(W, out[1], small, sizeof small);
        char *text = n >= (int64_t)sizeof small ? malloc((size_t)n + 1) : NULL;
        if (n < 0 || (n >= (int64_t)sizeof small && !text))
            return false;
        if (text)
            lo_get_string(W, out[1], text, (size_t)n + 1);
        lo_pack_ext(pk, kinds[i].ext, text ? text : small, (size_t)n);
        free(text);
        return true;
    }
    return false;
}

static void pack_at(lo_lisp *W, msgpack_packer *pk, lo_ref v, int depth,
                    const struct lo_wire *wire)
{
    int64_t i;
    uint64_t u;
    double d;
    enum lo_type_code type = lo_type_code(W, v);
    switch (type) {
    case LO_TYPE_NIL:
        msgpack_pack_nil(pk);
        return;
    case LO_TYPE_T:
        msgpack_pack_true(pk);
        return;
    case LO_TYPE_INTEGER:
        if (lo_get_int64(W, v, &i) == LO_OK) {
            msgpack_pack_int64(pk, i);
            return;
        }
        if (lo_get_uint64(W, v, &u) == LO_OK) {
            msgpack_pack_uint64(pk, u);
            return;
        }
        break;
    case LO_TYPE_DOUBLE:
        if (lo_get_double(W, v, &d) == LO_OK) {
            msgpack_pack_double(pk, d);
            return;
        }
        break;
    case LO_TYPE_STRING:
        if (readable(W, v))
            pack_string(W, pk, v);
        else
            pack_handle(W, pk, v, wire);
        return;
    case LO_TYPE_BYTES:
        if (readable(W, v))
            pack_bytes(W, pk, v);
        else
            pack_handle(W, pk, v, wire);
        return;
    case LO_TYPE_SYMBOL:
        pack_symbol(W, pk, v);
        return;
    case LO_TYPE_CONS:
        pack_list(W, pk, v, depth, wire);
        return;
    case LO_TYPE_VECTOR:
    case LO_TYPE_HASH_TABLE:
    case LO_TYPE_FUNCTION:
        pack_handle(W, pk, v, wire);
        return;
    default:
        break;
    }
    lo_scope s = lo_scope_open(W);
    bool done = pack_other(W, pk, v);
    lo_scope_close(W, s);
    if (done)
        return;
    if (lo_get_access(W, v) >= 0)
        pack_handle(W, pk, v, wire);
    else
        pack_printed(W, pk, v);
}

void lo_pack_value(lo_lisp *W, msgpack_packer *pk, lo_ref v,
                   const struct lo_wire *wire)
{
    pack_at(W, pk, v, 0, wire);
}

/* ---- in ---- */

static lo_ref refuse(struct lo_wire_error *err, const char *message)
{
    snprintf(err->type, sizeof err->type, "ARGUMENT-ERROR");
    snprintf(err->message, sizeof err->message, "%s", message);
    return NULL;
}

/* The error of the Lisp call that just failed on W. */
static lo_ref lisp_failed(lo_lisp *W, struct lo_wire_error *err)
{
    const struct lo_error *e = lo_last_error(W);
    snprintf(err->type, sizeof err->type, "%s", e->type);
    snprintf(err->message, sizeof err->message, "%s", e->message);
    return NULL;
}

static lo_ref checked(lo_lisp *W, lo_ref r, struct lo_wire_error *err)
{
    return r ? r : lisp_failed(W, err);
}

/* The handle an ext LO_EXT_HANDLE body names: its number alone, or the
 * [number, ...] array the server sent. */
static lo_ref unpack_handle(lo_lisp *W, const msgpack_object_ext *ext,
                            const struct lo_wire *wire,
                            struct lo_wire_error *err)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    size_t off = 0;
    uint64_t number = 0;
    if (msgpack_unpack_next(&u, ext->ptr, ext->size, &off) ==
        MSGPACK_UNPACK_SUCCESS) {
        const msgpack_object *o = &u.data;
        if (o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size > 0)
            o = &o->via.array.ptr[0];
        if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
            number = o->via.u64;
    }
    msgpack_unpacked_destroy(&u);
    lo_ref r = wire->handles && number
                   ? lo_handles_get(W, wire->handles, number) : NULL;
    return r ? r : refuse(err, "no such handle in this session (a handle "
                               "is valid only on the connection that got it)");
}

/* An extension value a client sent (values.h). */
static lo_ref unpack_ext(lo_lisp *W, const msgpack_object_ext *ext,
                         const struct lo_wire *wire,
                         struct lo_wire_error *err)
{
    static const char *const kinds[] = {
        [LO_EXT_SYMBOL] = "SYMBOL", [LO_EXT_RATIO] = "RATIO",
        [LO_EXT_CHARACTER] = "CHARACTER", [LO_EXT_DATE] = "DATE",
        [LO_EXT_DURATION] = "DURATION", [LO_EXT_ENTRY] = "ENTRY",
    };
    if (ext->type == LO_EXT_HANDLE)
        return unpack_handle(W, ext, wire, err);
    if (ext->type == LO_EXT_PRINTED)
        return refuse(err, "a printed value (ext 1) cannot be sent back");
    if (ext->size > 4096)
        return refuse(err, "an extension value of more than 4096 bytes");
    char text[4097];
    memcpy(text, ext->ptr, ext->size);
    text[ext->size] = 0;
    bool has_nul = strlen(text) != ext->size;
    if (ext->type == LO_EXT_KEYWORD)
        return has_nul ? refuse(err, "a keyword's name holds a NUL")
                       : checked(W, lo_new_symbol(W, "KEYWORD", text), err);
    if (ext->type == LO_EXT_INTEGER)
        return has_nul ? refuse(err, "an integer's digits hold a NUL")
                       : checked(W, lo_new_integer_text(W, text, 10), err);
    if (ext->type < 0 || (size_t)ext->type >= sizeof kinds / sizeof kinds[0] ||
        !kinds[ext->type])
        return refuse(err, "an extension type the server does not know");
    lo_ref args[2] = { lo_new_symbol(W, "KEYWORD", kinds[ext->type]),
                       lo_new_string(W, ext->ptr, ext->size) };
    if (!args[0] || !args[1])
        return lisp_failed(W, err);
    return checked(W, lo_call_named(W, INTERNAL, "%WIRE-MAKE", args, 2), err);
}

/* An array's elements, or a map's keys and values in turn, as a list
 * (with a head, it is the list's first element). */
static lo_ref unpack_list(lo_lisp *W, const msgpack_object *o, lo_ref head,
                          const struct lo_wire *wire,
                          struct lo_wire_error *err);

static lo_ref unpack_at(lo_lisp *W, const msgpack_object *o,
                        const struct lo_wire *wire, struct lo_wire_error *err)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        return checked(W, lo_new_nil(W), err);
    case MSGPACK_OBJECT_BOOLEAN:
        return checked(W, lo_new_boolean(W, o->via.boolean), err);
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        return checked(W, lo_new_unsigned(W, o->via.u64), err);
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        return checked(W, lo_new_integer(W, o->via.i64), err);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
        return checked(W, lo_new_double(W, o->via.f64), err);
    case MSGPACK_OBJECT_STR:
        return checked(W, lo_new_string(W, o->via.str.ptr, o->via.str.size),
                       err);
    case MSGPACK_OBJECT_BIN:
        return checked(W, lo_new_bytes(W, o->via.bin.ptr, o->via.bin.size),
                       err);
    case MSGPACK_OBJECT_ARRAY:
        return unpack_list(W, o, NULL, wire, err);
    case MSGPACK_OBJECT_MAP: {
        if (!wire->maps)
            return refuse(err, "a map is no Lisp value here: send an array");
        lo_ref head = lo_new_symbol(W, INTERNAL, "%MAP");
        if (!head)
            return lisp_failed(W, err);
        return unpack_list(W, o, head, wire, err);
    }
    case MSGPACK_OBJECT_EXT:
        return unpack_ext(W, &o->via.ext, wire, err);
    default:
        return refuse(err, "a MessagePack type the server does not read");
    }
}

/* The k-th element of an array, or of a map's keys and values. */
static const msgpack_object *element(const msgpack_object *o, uint32_t k)
{
    if (o->type == MSGPACK_OBJECT_ARRAY)
        return &o->via.array.ptr[k];
    const msgpack_object_kv *kv = &o->via.map.ptr[k / 2];
    return k % 2 ? &kv->val : &kv->key;
}

/* Built from the last element: each one's handles are released as it is
 * consed on, so a long array takes no more handles than a short one. */
static lo_ref unpack_list(lo_lisp *W, const msgpack_object *o, lo_ref head,
                          const struct lo_wire *wire,
                          struct lo_wire_error *err)
{
    uint32_t n = o->type == MSGPACK_OBJECT_ARRAY ? o->via.array.size
                                                 : o->via.map.size * 2;
    lo_ref list = lo_new_nil(W);
    if (!list)
        return lisp_failed(W, err);
    for (uint32_t k = n; k > 0; k--) {
        lo_scope s = lo_scope_open(W);
        lo_ref item = unpack_at(W, element(o, k - 1), wire, err);
        lo_ref cell = item ? lo_new_cons(W, item, list) : NULL;
        if (item && !cell)
            lisp_failed(W, err);
        if (cell)
            lo_ref_set(W, list, cell);
        lo_scope_close(W, s);
        if (!cell)
            return NULL;
    }
    if (head) {
        lo_ref cell = lo_new_cons(W, head, list);
        return cell ? cell : lisp_failed(W, err);
    }
    return list;
}

lo_ref lo_unpack_value(lo_lisp *W, const msgpack_object *o,
                       const struct lo_wire *wire, struct lo_wire_error *err)
{
    return unpack_at(W, o, wire, err);
}
