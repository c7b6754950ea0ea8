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
 *   { 14, 15, from_14, NULL, NULL },
 *
 * to `rows` below.  The old numbers are written as numbers: the enum
 * now has the new ones.  A change that is no renumbering (an opcode whose
 * operands or meaning change) takes a `rewrite` callback instead, which
 * must keep the code's length for now.
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
    { 0, 0, NULL, NULL, NULL },         /* keeps the array non-empty */
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
                (table[i].renumber || table[i].rewrite))
                next = &table[i];
        if (!next || len == room)
            return -1;
        chain[len++] = next;
        v = next->to;
    }
    return len;
}

/* What a chain translation walks: the chain, and scratch space. */
struct walk {
    const struct lo_bytecode_translator *const *chain;
    int links;
    unsigned char *a, *b;       /* scratch, MAX_BYTES each */
    uint64_t objects, changed;
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

/* Translate one code object through the chain, in scratch, then write
 * back the bytes that changed. */
static void translate_code(uint64_t *code, void *ctx)
{
    struct walk *w = ctx;
    if ((code[0] & 0xff) != LO_T_CODE || w->status != LO_OK)
        return;
    w->objects++;
    unsigned char *bytes = code_bytes(code);
    uint32_t len = (uint32_t)lo_fixnum_value(code[CODE_LENGTH]);
    if (len > MAX_BYTES) {
        lo_snprintf(w->why, w->why_len, "a code object claims %u bytes",
                    len);
        w->status = LO_ECORRUPT;
        return;
    }
    memcpy(w->a, bytes, len);
    for (int i = 0; i < w->links; i++) {
        const struct lo_bytecode_translator *r = w->chain[i];
        if (r->renumber) {
            if (!renumber(w, i, w->a, len)) {
                w->status = LO_EINVAL;
                return;
            }
            continue;
        }
        char inner[200] = "";
        uint32_t n = r->rewrite(w->a, len, w->b, MAX_BYTES, inner,
                                sizeof inner);
        if (n != len) {
            if (n)
                lo_snprintf(w->why, w->why_len, "translating bytecode %u to "
                            "%u would change a code object's length (%u "
                            "bytes to %u): not supported yet (the second "
                            "pass of docs/upgrade-design.md 2.4)", r->from,
                            r->to, len, n);
            else
                lo_snprintf(w->why, w->why_len, "translating bytecode %u to "
                            "%u: a code object declined: %s", r->from, r->to,
                            inner);
            w->status = LO_EINVAL;
            return;
        }
        memcpy(w->a, w->b, len);
    }
    bool changed = false;
    for (uint32_t i = 0; i < len; i++)
        if (bytes[i] != w->a[i]) {      /* an unchanged page stays clean */
            bytes[i] = w->a[i];
            changed = true;
        }
    w->changed += changed;
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
    if (!w.a || !w.b) {
        lo_mem_free(w.a);
        lo_mem_free(w.b);
        lo_snprintf(why, why_len, "translating the bytecode: no memory");
        return LO_ENOMEM;
    }
    if (!lo_heap_for_each_object(h, translate_code, &w) && w.status == LO_OK) {
        lo_snprintf(why, why_len, "translating the bytecode: a bad object "
                    "header in the heap");
        w.status = LO_ECORRUPT;
    }
    lo_mem_free(w.a);
    lo_mem_free(w.b);
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
