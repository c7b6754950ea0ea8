/*
 * transfer.c -- put and get, streamed in chunks (transfer.h).
 *
 * The server's own methods move an object in one message; past a chunk,
 * this file uses `eval` with small functions instead (the Lisp below),
 * always as the user, so the store's ACLs apply as they do to store.put
 * and store.get.  A byte vector would cross the wire as its contents, so
 * the one being filled is kept in a one-element vector, which crosses as
 * a handle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clients/args.h"
#include "clients/repl.h"
#include "clients/show.h"
#include "clients/transfer.h"

enum { CHUNK = 4 << 20 };       /* bytes a message carries at most */

static const char make_box[] =
    "(lambda (size)"
    "  (vector (make-array size :element-type '(unsigned-byte 8))))";
static const char fill_box[] =
    "(lambda (box offset bytes)"
    "  (replace (svref box 0) bytes :start1 offset) nil)";
static const char put_box[] =
    "(lambda (box attributes)"
    "  (entry-id (apply #'store-put (svref box 0) attributes)))";
/* (kind size-or-text) of an entry's object, or NIL when there is none
 * the user may read */
static const char probe[] =
    "(lambda (id)"
    "  (let ((e (store-get id)))"
    "    (when e"
    "      (let ((o (entry-object e)))"
    "        (cond ((and (vectorp o)"
    "                    (equal (array-element-type o) '(unsigned-byte 8)))"
    "               (list :bytes (length o)))"
    "              ((stringp o) (list :string (length o)))"
    "              (t (list :other (prin1-to-string o))))))))";
static const char part[] =
    "(lambda (id start end) (subseq (entry-object (store-get id)) start end))";

/* ---- progress ---- */

struct progress {
    bool on;
    const char *name;
    uint64_t total;
    struct timespec last;
};

static void progress_show(struct progress *p, uint64_t done, bool final)
{
    if (!p->on || (!final && done >= p->total))
        return;                         /* the last one: final's */
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long ms = (now.tv_sec - p->last.tv_sec) * 1000 +
              (now.tv_nsec - p->last.tv_nsec) / 1000000;
    if (!final && ms < 100)
        return;
    p->last = now;
    int percent = p->total ? (int)(done * 100 / p->total) : 100;
    char bar[31];
    for (int i = 0; i < 30; i++)
        bar[i] = i < percent * 30 / 100 ? '#' : ' ';
    bar[30] = 0;
    fprintf(stderr, "\r[%s] %3d%% %7.1f/%.1f MiB  %s%s", bar, percent,
            done / 1048576.0, p->total / 1048576.0, p->name,
            final ? "\n" : "");
    fflush(stderr);
}

/* ---- calls ---- */

/* eval's first value (in r), or an exit code. */
static int first_value(struct lo_conn *c, struct lo_reply *r,
                       const msgpack_object **value)
{
    int rc = lo_call(c, r);
    if (rc != LO_CONN_OK)
        return rc;
    const msgpack_object *values = lo_map_get(r->result, "values");
    if (!values || values->type != MSGPACK_OBJECT_ARRAY ||
        values->via.array.size < 1) {
        fprintf(stderr, "error: the server answered without a value\n");
        lo_reply_free(r);
        return LO_CONN_FAILED;
    }
    *value = &values->via.array.ptr[0];
    return LO_CONN_OK;
}

static void pack_attrs(msgpack_packer *pk, const struct lo_attr *attrs,
                       size_t n, bool keywords)
{
    msgpack_pack_array(pk, (uint32_t)(2 * n));
    for (size_t i = 0; i < n; i++) {
        char key[256];
        lo_key_name(attrs[i].key, key, sizeof key);
        if (keywords)
            lo_pack_keyword(pk, key);
        else
            lo_pack_str(pk, key);
        lo_pack_value_text(pk, attrs[i].value);
    }
}

static int read_chunk(FILE *f, const char *path, uint8_t *buf, size_t len)
{
    if (fread(buf, 1, len, f) == len)
        return 0;
    fprintf(stderr, "error: cannot read %s: %s\n", path,
            ferror(f) ? strerror(errno) : "it got shorter while being read");
    return LO_CONN_REFUSED;
}

static int id_of(const msgpack_object *o, uint64_t *id)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER) {
        fprintf(stderr, "error: the server answered no entry id\n");
        return LO_CONN_FAILED;
    }
    *id = o->via.u64;
    return LO_CONN_OK;
}

/* ---- put ---- */

/* A file of one chunk at most: one store.put. */
static int put_small(struct lo_conn *c, FILE *f, const char *path,
                     size_t size, const struct lo_attr *attrs, size_t nattrs,
                     uint64_t *id)
{
    uint8_t *data = malloc(size ? size : 1);
    if (!data) {
        fprintf(stderr, "error: out of memory\n");
        return LO_CONN_REFUSED;
    }
    int rc = read_chunk(f, path, data, size);
    if (rc) {
        free(data);
        return rc;
    }
    msgpack_packer *pk = lo_conn_request(c, "store.put", 2);
    msgpack_pack_bin(pk, size);
    msgpack_pack_bin_body(pk, data, size);
    free(data);
    pack_attrs(pk, attrs, nattrs, false);
    struct lo_reply r;
    if ((rc = lo_call(c, &r)) != LO_CONN_OK)
        return rc;
    rc = id_of(r.result, id);
    lo_reply_free(&r);
    return rc;
}

/* A larger file: a box made, filled a chunk at a time, then put. */
static int put_large(struct lo_conn *c, FILE *f, const char *path,
                     uint64_t size, const struct lo_attr *attrs,
                     size_t nattrs, struct progress *bar, uint64_t *id)
{
    msgpack_packer *pk = lo_conn_request(c, "eval", 2);
    lo_pack_str(pk, make_box);
    msgpack_pack_array(pk, 1);
    msgpack_pack_uint64(pk, size);
    struct lo_reply r;
    const msgpack_object *box;
    int rc = first_value(c, &r, &box);
    if (rc != LO_CONN_OK)
        return rc;
    if (box->type != MSGPACK_OBJECT_EXT) {
        fprintf(stderr, "error: the server gave no handle for the upload\n");
        lo_reply_free(&r);
        return LO_CONN_FAILED;
    }
    msgpack_object_ext handle = box->via.ext;  /* lives with r */
    uint8_t *chunk = malloc(CHUNK);
    if (!chunk) {
        lo_reply_free(&r);
        fprintf(stderr, "error: out of memory\n");
        return LO_CONN_REFUSED;
    }
    for (uint64_t done = 0; rc == LO_CONN_OK && done < size;) {
        size_t n = size - done < CHUNK ? (size_t)(size - done) : CHUNK;
        if ((rc = read_chunk(f, path, chunk, n)))
            break;
        pk = lo_conn_request(c, "eval", 2);
        lo_pack_str(pk, fill_box);
        msgpack_pack_array(pk, 3);
        msgpack_pack_ext(pk, handle.size, handle.type);
        msgpack_pack_ext_body(pk, handle.ptr, handle.size);
        msgpack_pack_uint64(pk, done);
        msgpack_pack_bin(pk, n);
        msgpack_pack_bin_body(pk, chunk, n);
        struct lo_reply filled;
        if ((rc = lo_call(c, &filled)) == LO_CONN_OK)
            lo_reply_free(&filled);
        done += n;
        progress_show(bar, done, false);
    }
    free(chunk);
    if (rc == LO_CONN_OK) {
        pk = lo_conn_request(c, "eval", 2);
        lo_pack_str(pk, put_box);
        msgpack_pack_array(pk, 2);
        msgpack_pack_ext(pk, handle.size, handle.type);
        msgpack_pack_ext_body(pk, handle.ptr, handle.size);
        pack_attrs(pk, attrs, nattrs, true);
        struct lo_reply put;
        const msgpack_object *value;
        if ((rc = first_value(c, &put, &value)) == LO_CONN_OK) {
            rc = id_of(value, id);
            lo_reply_free(&put);
        }
    }
    lo_reply_free(&r);
    return rc;
}

int lo_put_file(struct lo_conn *c, const char *path,
                const struct lo_attr *attrs, size_t nattrs, const char *label,
                uint64_t *id)
{
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "error: cannot read %s: %s\n", path,
                !f || errno ? strerror(errno) : "not a regular file");
        if (f)
            fclose(f);
        return LO_CONN_REFUSED;
    }
    struct progress bar = { label != NULL, label, (uint64_t)st.st_size,
                            { 0, 0 } };
    int rc = (uint64_t)st.st_size <= CHUNK
                 ? put_small(c, f, path, (size_t)st.st_size, attrs, nattrs, id)
                 : put_large(c, f, path, (uint64_t)st.st_size, attrs, nattrs,
                             &bar, id);
    fclose(f);
    if (rc == LO_CONN_OK)
        progress_show(&bar, (uint64_t)st.st_size, true);
    else if (bar.on)
        fputc('\n', stderr);
    return rc;
}

/* ---- get ---- */

/* Write the parts [0, length) of entry id's object to out, `step`
 * elements a call (bytes, or a string's characters). */
static int get_parts(struct lo_conn *c, uint64_t id, uint64_t length,
                     uint64_t step, FILE *out, struct progress *bar)
{
    for (uint64_t done = 0; done < length;) {
        uint64_t n = length - done < step ? length - done : step;
        msgpack_packer *pk = lo_conn_request(c, "eval", 2);
        lo_pack_str(pk, part);
        msgpack_pack_array(pk, 3);
        msgpack_pack_uint64(pk, id);
        msgpack_pack_uint64(pk, done);
        msgpack_pack_uint64(pk, done + n);
        struct lo_reply r;
        const msgpack_object *v;
        int rc = first_value(c, &r, &v);
        if (rc != LO_CONN_OK)
            return rc;
        const char *why = NULL;
        if (v->type != MSGPACK_OBJECT_BIN && v->type != MSGPACK_OBJECT_STR)
            why = "the object changed while being read";
        else if (fwrite(v->via.bin.ptr, 1, v->via.bin.size, out) !=
                 v->via.bin.size)
            why = strerror(errno);
        lo_reply_free(&r);
        if (why) {
            fprintf(stderr, "error: %s\n", why);
            return LO_CONN_REFUSED;
        }
        done += n;
        progress_show(bar, done, false);
    }
    return LO_CONN_OK;
}

int lo_get_object(struct lo_conn *c, uint64_t id, FILE *out, bool progress)
{
    msgpack_packer *pk = lo_conn_request(c, "eval", 2);
    lo_pack_str(pk, probe);
    msgpack_pack_array(pk, 1);
    msgpack_pack_uint64(pk, id);
    struct lo_reply r;
    const msgpack_object *v;
    int rc = first_value(c, &r, &v);
    if (rc != LO_CONN_OK)
        return rc;
    if (v->type != MSGPACK_OBJECT_ARRAY || v->via.array.size != 2) {
        fprintf(stderr, "error: no entry %llu\n", (unsigned long long)id);
        lo_reply_free(&r);
        return LO_CONN_REFUSED;
    }
    const msgpack_object *kind = &v->via.array.ptr[0];
    const msgpack_object *what = &v->via.array.ptr[1];
    bool is_text = kind->type == MSGPACK_OBJECT_EXT &&
                   kind->via.ext.size == 6 &&
                   !memcmp(kind->via.ext.ptr, "STRING", 6);
    if (what->type == MSGPACK_OBJECT_STR) {         /* (:other text) */
        fwrite(what->via.str.ptr, 1, what->via.str.size, out);
        fputc('\n', out);
    } else if (what->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        char name[32];
        snprintf(name, sizeof name, "entry %llu", (unsigned long long)id);
        struct progress bar = { progress, name, what->via.u64, { 0, 0 } };
        /* a character is at most 4 bytes of UTF-8 */
        rc = get_parts(c, id, what->via.u64, is_text ? CHUNK / 4 : CHUNK,
                       out, &bar);
        if (rc == LO_CONN_OK)
            progress_show(&bar, what->via.u64, true);
    }
    lo_reply_free(&r);
    if (rc == LO_CONN_OK && fflush(out)) {
        fprintf(stderr, "error: cannot write: %s\n", strerror(errno));
        rc = LO_CONN_REFUSED;
    }
    return rc;
}
