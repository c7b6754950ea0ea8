/*
 * direct.c -- store.get answered on the event loop (direct.h): the
 * entry told by lo_store_peek packed as %WIRE-GET's value would be
 * (store/boot/74-wire.lisp, values.c): {"id", "object", "access",
 * "attributes", "owner", "version"}, attribute keys as strings.
 */
#include "proto/rpc.h"
#include "server/direct.h"
#include "server/values.h"
#include "store/store_api.h"

struct direct {
    msgpack_packer pk;
    struct lo_peek_head head;
    bool attributes_begun;
};

/* Bytes already in MessagePack (the map's keys, "\xa2id" the string
 * "id"): one write where packing would make two. */
static void raw(msgpack_packer *pk, const char *bytes, size_t len)
{
    pk->callback(pk->data, bytes, len);
}

/* "access" and the head of "attributes" follow the object, which may be
 * a list told in many values: packed before the first key, or at the end
 * when there is none. */
static void begin_attributes(struct direct *d)
{
    if (d->attributes_begun)
        return;
    d->attributes_begun = true;
    raw(&d->pk, "\xa6" "access", 7);
    msgpack_pack_unsigned_int(&d->pk, d->head.access);
    raw(&d->pk, "\xaa" "attributes", 11);
    msgpack_pack_array(&d->pk, d->head.attributes);
}

static void on_head(void *ctx, const struct lo_peek_head *h)
{
    struct direct *d = ctx;
    d->head = *h;
    raw(&d->pk, "\x86" "\xa2" "id", 4);          /* a map of 6, "id" */
    msgpack_pack_int64(&d->pk, h->id);
    raw(&d->pk, "\xa6" "object", 7);
}

static void on_value(void *ctx, const struct lo_peek_value *v)
{
    struct direct *d = ctx;
    msgpack_packer *pk = &d->pk;
    if (v->role == LO_PEEK_KEY) {       /* a key goes as its name */
        begin_attributes(d);
        lo_rpc_pack_text(pk, v->text, v->length);
        return;
    }
    switch (v->kind) {
    case LO_PEEK_NIL:
        msgpack_pack_nil(pk);
        break;
    case LO_PEEK_T:
        msgpack_pack_true(pk);
        break;
    case LO_PEEK_INTEGER:
        msgpack_pack_int64(pk, v->integer);
        break;
    case LO_PEEK_DOUBLE:
        msgpack_pack_double(pk, v->number);
        break;
    case LO_PEEK_STRING:
        lo_rpc_pack_text(pk, v->text, v->length);
        break;
    case LO_PEEK_BYTES:
        msgpack_pack_bin(pk, v->length);
        msgpack_pack_bin_body(pk, v->text, v->length);
        break;
    case LO_PEEK_KEYWORD:
        lo_pack_ext(pk, LO_EXT_KEYWORD, v->text, v->length);
        break;
    case LO_PEEK_LIST:
        msgpack_pack_array(pk, (size_t)v->integer);
        break;
    }
}

/* The map's last pairs, once every value is told. */
static void end_entry(struct direct *d)
{
    begin_attributes(d);
    raw(&d->pk, "\xa5" "owner", 6);
    if (d->head.administrator)
        lo_pack_ext(&d->pk, LO_EXT_KEYWORD, "ADMINISTRATOR", 13);
    else
        lo_rpc_pack_string(&d->pk, d->head.owner);
    raw(&d->pk, "\xa7" "version", 8);
    msgpack_pack_int64(&d->pk, d->head.version);
}

bool lo_direct_get(lo_lisp *L, bool *inside, const char *user,
                   uint64_t msgid, int64_t id, msgpack_sbuffer *b)
{
    if (!*inside && !(*inside = lo_lisp_wait_try_end(L)))
        return false;           /* a collection or flip: leave it to a worker */
    size_t start = b->size;
    struct direct d = { 0 };
    msgpack_packer_init(&d.pk, b, msgpack_sbuffer_write);
    lo_rpc_pack_result_head(&d.pk, msgid);
    struct lo_peek_visitor visitor = { on_head, on_value, &d };
    int status = lo_store_peek(L, user, id, &visitor);
    if (status == LO_OK)
        end_entry(&d);
    else if (status == LO_ENOENT)
        msgpack_pack_nil(&d.pk);        /* as %WIRE-GET: no such entry */
    else
        b->size = start;                /* what was packed is dropped */
    return status == LO_OK || status == LO_ENOENT;
}

void lo_direct_leave(lo_lisp *L, bool *inside)
{
    if (*inside)
        lo_lisp_wait_begin(L);
    *inside = false;
}
