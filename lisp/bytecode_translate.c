/*
 * bytecode_translate.c -- the translator rows, one per incompatible
 * bytecode change, and running a chain of them over the heap
 * (bytecode_translate.h).
 *
 * Writing a row, when a change renumbers opcodes: bump
 * LO_BYTECODE_VERSION (bytecode.h) and add
 *
 *   static const unsigned char from_14[256] = {
 *       [OLD_NUMBER] = OP_THE_NEW_NAME, ...   (every opcode of 14)
 *   };
 *   { .from = 14, .to = 15, .renumber = from_14 },
 *
 * to `rows` below.  The old numbers are written as numbers: the enum
 * now has the new ones.  A change that is no renumbering (an opcode whose
 * operands or meaning change) takes an `expand` callback instead, which
 * rewrites one instruction at a time into as many bytes as it needs; the
 * code addresses are mapped for it.  Code whose length changes moves to
 * a new object of its size (rehome), everything pointing at it repointed.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/bytecode.h"
#include "lisp/bytecode_translate.h"
#include "lisp/internal.h"
#include "lisp/opcodes.h"

/* No incompatible change since the translator exists: no rows yet.  The
 * first row is the template above. */
static const struct lo_bytecode_translator rows[] = {
    { .from = 0, .to = 0 },             /* keeps the array non-empty */
};

/* The bytes of a code object (value.h, lo_code_bytes: after the value
 * words its header counts, 6 or 7), writable.  The only reader here. */
static unsigned char *code_bytes(uint64_t *code)
{
    return (unsigned char *)lo_code_bytes(code);
}

/* The chain of rows from version `from` to `to`, at most `room` long:
 * its length, or -1 when none leads there. */
static int find_chain(const struct lo_bytecode_translator *table, size_t n,
                      uint32_t from, uint32_t to,
                      const struct lo_bytecode_translator **chain, int room)
{
    int len = 0;
    for (uint32_t v = from; v != to;) {
        const struct lo_bytecode_translator *next = NULL;
        for (size_t i = 0; i < n && !next; i++)
            if (table[i].from == v && table[i].from != table[i].to &&
                (table[i].renumber || table[i].rewrite || table[i].expand))
                next = &table[i];
        if (!next || len == room)
            return -1;
        chain[len++] = next;
        v = next->to;
    }
    return len;
}

/* A code object whose translation changed its length: its new bytes
 * wait in `bytes` (offset, len) until the walk ends, then it moves to a
 * new object of the right size (rehome, below). */
struct moved {
    uint64_t *from, *to;
    size_t offset;
    uint32_t len;
};

/* What a chain translation walks: the chain, and scratch space. */
struct walk {
    const struct lo_bytecode_translator *const *chain;
    int links;
    unsigned char *a, *b;       /* scratch, MAX_BYTES each */
    uint32_t *map;              /* old address -> new (expand) */
    uint64_t objects, changed;
    struct moved *moved;        /* in address order (the walk's) */
    size_t nmoved, moved_room;
    unsigned char *bytes;       /* the moved objects' new bytes */
    size_t nbytes, bytes_room;
    int status;
    char *why;
    size_t why_len;
};

/* Code is at most 65535 bytes (addresses are u16: compiler.h). */
enum { MAX_BYTES = 65536 };
/* The operand letters of opcode op of the version chain[i] translates
 * from: a renumber row's are those of what op becomes, down the chain
 * to this build's table; NULL when unknown. */
static const char *operands_at(const struct walk *w, int i, unsigned op)
{
    for (; i < w->links; i++) {
        const struct lo_bytecode_translator *r = w->chain[i];
        if (!r->renumber)
            return r->operands ? r->operands(op) : NULL;
        op = r->renumber[op & 0xff];
        if (!op)
            return NULL;
    }
    return lo_op_operands(op);
}

/* Renumber code of len bytes in place by row chain[i]. */
static bool renumber(struct walk *w, int i, unsigned char *bytes,
                     uint32_t len)
{
    const struct lo_bytecode_translator *r = w->chain[i];
    for (uint32_t pc = 0; pc < len;) {
        unsigned op = bytes[pc];
        const char *operands = operands_at(w, i, op);
        uint32_t size = operands ? lo_op_size_with(operands, bytes, len, pc)
                                 : 0;
        if (!size) {
            lo_snprintf(w->why, w->why_len, "byte %u of a code object is "
                        "opcode %u, %s bytecode version %u", pc, op,
                        operands ? "cut short: not an instruction of"
                                 : "unknown to", r->from);
            return false;
        }
        bytes[pc] = r->renumber[op];
        pc += size;
    }
    return true;
}

/* Read and write a u16 operand (bytecode.h: little-endian). */
static uint32_t get_u16(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}
static void put_u16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

/* Point the code address at p (old code's) to where it went: `map` gives
 * each old instruction start its new address (end: the new length), and
 * UINT32_MAX elsewhere. */
static bool map_address(struct walk *w, unsigned char *p, const uint32_t *map,
                        uint32_t old_len)
{
    uint32_t old = get_u16(p);
    if (old > old_len || map[old] == UINT32_MAX) {
        lo_snprintf(w->why, w->why_len, "a code address (%u) is no "
                    "instruction's start in the code translated", old);
        return false;
    }
    put_u16(p, map[old]);
    return true;
}

/* Row chain[i] is an `expand` row: each instruction of the len bytes in
 * w->a rewritten into w->b, then the code addresses of the new
 * instructions mapped from old to new.  The new length, or 0. */
static uint32_t expand(struct walk *w, int i, uint32_t len, uint32_t *map)
{
    const struct lo_bytecode_translator *r = w->chain[i];
    uint32_t out = 0;
    for (uint32_t pc = 0; pc < len; pc++)
        map[pc] = UINT32_MAX;
    for (uint32_t pc = 0; pc < len;) {
        const char *operands = operands_at(w, i, w->a[pc]);
        uint32_t size = operands ? lo_op_size_with(operands, w->a, len, pc)
                                 : 0;
        if (!size) {
            lo_snprintf(w->why, w->why_len, "byte %u of a code object is "
                        "opcode %u, unknown to bytecode version %u", pc,
                        w->a[pc], r->from);
            return 0;
        }
        char inner[200] = "";
        uint32_t n = r->expand(w->a + pc, size, w->b + out, MAX_BYTES - out,
                               inner, sizeof inner);
        if (!n) {
            lo_snprintf(w->why, w->why_len, "translating bytecode %u to %u: "
                        "an instruction declined: %s", r->from, r->to, inner);
            return 0;
        }
        map[pc] = out;
        out += n;
        pc += size;
    }
    map[len] = out;
    if (out > MAX_BYTES - 1) {
        lo_snprintf(w->why, w->why_len, "translating bytecode %u to %u "
                    "makes a code object of %u bytes: more than code "
                    "addresses reach", r->from, r->to, out);
        return 0;
    }
    /* The new instructions' addresses, in the next version's layout. */
    for (uint32_t pc = 0; pc < out;) {
        const char *operands = operands_at(w, i + 1, w->b[pc]);
        uint32_t size = operands ? lo_op_size_with(operands, w->b, out, pc)
                                 : 0;
        if (!size) {
            lo_snprintf(w->why, w->why_len, "translating bytecode %u to %u "
                        "wrote opcode %u, not one of %u", r->from, r->to,
                        w->b[pc], r->to);
            return 0;
        }
        uint32_t at = pc + 1;
        for (const char *o = operands; *o; o++) {
            if (*o == 'a' && !map_address(w, w->b + at, map, len))
                return 0;
            if (*o == 't') {
                unsigned count = w->b[at++];
                for (unsigned k = 0; k < count; k++, at += 2)
                    if (!map_address(w, w->b + at, map, len))
                        return 0;
                continue;
            }
            at += *o == 'n' || *o == 'b' ? 1 : 2;
        }
        pc += size;
    }
    return out;
}

/* Keep the new bytes of a code object that must move. */
static bool keep_moved(struct walk *w, uint64_t *code, uint32_t len)
{
    if (w->nmoved == w->moved_room) {
        size_t room = w->moved_room ? 2 * w->moved_room : 256;
        struct moved *m = lo_mem_alloc(room * sizeof *m);
        if (!m)
            return false;
        if (w->nmoved)
            memcpy(m, w->moved, w->nmoved * sizeof *m);
        lo_mem_free(w->moved);
        w->moved = m;
        w->moved_room = room;
    }
    if (w->bytes_room - w->nbytes < len) {
        size_t room = w->bytes_room ? 2 * w->bytes_room : 1 << 20;
        while (room - w->nbytes < len)
            room *= 2;
        unsigned char *b = lo_mem_alloc(room);
        if (!b)
            return false;
        if (w->nbytes)
            memcpy(b, w->bytes, w->nbytes);
        lo_mem_free(w->bytes);
        w->bytes = b;
        w->bytes_room = room;
    }
    memcpy(w->bytes + w->nbytes, w->a, len);
    w->moved[w->nmoved++] = (struct moved){ .from = code,
                                            .offset = w->nbytes,
                                            .len = len };
    w->nbytes += len;
    return true;
}

/* Translate one code object through the chain, in scratch; then write
 * back the bytes that changed, or keep them for rehome when the length
 * changed. */
static void translate_code(uint64_t *code, void *ctx)
{
    struct walk *w = ctx;
    if ((code[0] & 0xff) != LO_T_CODE || w->status != LO_OK)
        return;
    w->objects++;
    unsigned char *bytes = code_bytes(code);
    uint32_t len = (uint32_t)lo_fixnum_value(code[CODE_LENGTH]);
    if (len > MAX_BYTES - 1) {
        lo_snprintf(w->why, w->why_len, "a code object claims %u bytes",
                    len);
        w->status = LO_ECORRUPT;
        return;
    }
    memcpy(w->a, bytes, len);
    uint32_t now = len;
    for (int i = 0; i < w->links; i++) {
        const struct lo_bytecode_translator *r = w->chain[i];
        if (r->renumber) {
            if (!renumber(w, i, w->a, now)) {
                w->status = LO_EINVAL;
                return;
            }
            continue;
        }
        uint32_t n;
        if (r->expand) {
            n = expand(w, i, now, w->map);
        } else {
            char inner[200] = "";
            n = r->rewrite(w->a, now, w->b, MAX_BYTES - 1, inner,
                           sizeof inner);
            if (!n)
                lo_snprintf(w->why, w->why_len, "translating bytecode %u to "
                            "%u: a code object declined: %s", r->from, r->to,
                            inner);
        }
        if (!n) {
            w->status = LO_EINVAL;
            return;
        }
        memcpy(w->a, w->b, n);
        now = n;
    }
    if (now != len) {
        w->changed++;
        if (!keep_moved(w, code, now)) {
            lo_snprintf(w->why, w->why_len, "translating the bytecode: no "
                        "memory");
            w->status = LO_ENOMEM;
        }
        return;
    }
    bool changed = false;
    for (uint32_t i = 0; i < len; i++)
        if (bytes[i] != w->a[i]) {      /* an unchanged page stays clean */
            bytes[i] = w->a[i];
            changed = true;
        }
    w->changed += changed;
}

/* ---- the second pass: code objects whose length changed ---------------------- */

/* The new home of the code object at `from`, or NULL if it stays. */
static const struct moved *find_moved(const struct walk *w,
                                      const uint64_t *from)
{
    size_t lo = 0, hi = w->nmoved;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->moved[mid].from == from)
            return &w->moved[mid];
        if (w->moved[mid].from < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Every value word that points at a moved code object now points at its
 * new home (written only where one does: other pages stay clean). */
static void repoint_values(uint64_t *object, void *ctx)
{
    struct walk *w = ctx;
    uint64_t n = lo_header_value_words(object[0]);
    for (uint64_t i = 1; i <= n; i++) {
        lo_value v = object[i];
        if (!lo_pointer_p(v))
            continue;
        const struct moved *m = find_moved(w, lo_value_address(v));
        if (m)
            object[i] = lo_value_moved(v, m->to);
    }
}

/*
 * Give each code object whose translation changed its length a new
 * object of the new size -- the same header flags and value words, the
 * new bytes -- and point everything at it instead: the functions whose
 * FN_CODE it was, the constants of the code that makes closures of it,
 * anything else (a value word is a value word: the walk does not guess
 * where code objects are held).  The old objects become garbage.  At
 * open no frame holds a code address, so nothing else refers to one.
 * Objects moved without a collection: the tables hashing by address are
 * told so the way a full collection tells them, by the counts of
 * collections and of full ones (old objects moved: lisp/hashtable.c).
 */
static int rehome(lo_heap *h, struct walk *w)
{
    struct lo_alloc_buffer buffer = { 0 };
    lo_heap_register_buffer(h, &buffer);
    int status = LO_OK;
    for (size_t k = 0; k < w->nmoved && status == LO_OK; k++) {
        struct moved *m = &w->moved[k];
        uint64_t values = lo_header_raw_value_words(m->from[0]);
        uint64_t words = 1 + values + (m->len + 7) / 8;
        uint64_t *to = lo_heap_alloc(h, &buffer, words);
        if (!to) {
            lo_snprintf(w->why, w->why_len, "translating the bytecode: the "
                        "store is full");
            status = LO_ENOSPC;
            break;
        }
        to[0] = (m->from[0] & ~(LO_HEADER_SIZE_MASK << 8)) | words << 8;
        memcpy(to + 1, m->from + 1, values * 8);
        to[CODE_LENGTH] = lo_fixnum(m->len);
        memcpy(to + 1 + values, w->bytes + m->offset, m->len);
        m->to = to;
    }
    lo_heap_unregister_buffer(h, &buffer);
    if (status != LO_OK)
        return status;
    if (!lo_heap_for_each_object(h, repoint_values, w)) {
        lo_snprintf(w->why, w->why_len, "translating the bytecode: a bad "
                    "object header in the heap");
        return LO_ECORRUPT;
    }
    struct lo_heap_root *root = lo_heap_root(h);
    for (int i = 0; i < LO_HEAP_ROOTS; i++) {
        const struct moved *m = lo_pointer_p(root->roots[i])
            ? find_moved(w, lo_value_address(root->roots[i])) : NULL;
        if (m)
            root->roots[i] = lo_value_moved(root->roots[i], m->to);
    }
    root->collections++;
    root->full_collections++;
    return LO_OK;
}

static void no_chain(uint32_t from, uint32_t to, char *why, size_t why_len)
{
    lo_snprintf(why, why_len, "the store's compiled code is bytecode "
                "version %u; this LispOS (bytecode %u) has no translator "
                "from it", from, to);
}

enum { MAX_CHAIN = 64 };

int lo_translate_heap_with(lo_heap *h, uint32_t from, uint32_t to,
                           const struct lo_bytecode_translator *table,
                           size_t n, uint64_t *changed, char *why,
                           size_t why_len)
{
    if (changed)
        *changed = 0;
    if (from == to)
        return LO_OK;
    const struct lo_bytecode_translator *chain[MAX_CHAIN];
    int links = find_chain(table, n, from, to, chain, MAX_CHAIN);
    if (links < 0) {
        no_chain(from, to, why, why_len);
        return LO_EINVAL;
    }
    struct walk w = { .chain = chain, .links = links,
                      .status = LO_OK, .why = why, .why_len = why_len };
    w.a = lo_mem_alloc(MAX_BYTES);
    w.b = lo_mem_alloc(MAX_BYTES);
    w.map = lo_mem_alloc((MAX_BYTES + 1) * sizeof *w.map);
    if (!w.a || !w.b || !w.map) {
        lo_snprintf(why, why_len, "translating the bytecode: no memory");
        w.status = LO_ENOMEM;
    } else if (!lo_heap_for_each_object(h, translate_code, &w) &&
               w.status == LO_OK) {
        lo_snprintf(why, why_len, "translating the bytecode: a bad object "
                    "header in the heap");
        w.status = LO_ECORRUPT;
    }
    if (w.status == LO_OK && w.nmoved)
        w.status = rehome(h, &w);
    lo_mem_free(w.a);
    lo_mem_free(w.b);
    lo_mem_free(w.map);
    lo_mem_free(w.moved);
    lo_mem_free(w.bytes);
    if (changed)
        *changed = w.changed;
    return w.status;
}

int lo_translate_check(uint32_t from, char *why, size_t why_len)
{
    const struct lo_bytecode_translator *chain[MAX_CHAIN];
    if (from == LO_BYTECODE_VERSION ||
        find_chain(rows, sizeof rows / sizeof rows[0], from,
                   LO_BYTECODE_VERSION, chain, MAX_CHAIN) >= 0)
        return LO_OK;
    no_chain(from, LO_BYTECODE_VERSION, why, why_len);
    return LO_EINVAL;
}

int lo_translate_heap(lo_heap *h, uint32_t from, char *why, size_t why_len)
{
    return lo_translate_heap_with(h, from, LO_BYTECODE_VERSION, rows,
                                  sizeof rows / sizeof rows[0], NULL, why,
                                  why_len);
}
