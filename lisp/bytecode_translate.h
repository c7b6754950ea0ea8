/*
 * bytecode_translate.h -- translating the compiled code of a store made
 * by a build with another bytecode version (LO_BYTECODE_VERSION,
 * bytecode.h) to this build's (issue 18, docs/upgrade-design.md 2.4).
 *
 * Users' functions, closures and methods, and old system closures held
 * in their data, cannot be compiled again from source, so an upgrade that
 * changes the bytecode rewrites every code object of the heap.  Each
 * incompatible bytecode change ships one translator row from the previous
 * version (bytecode_translate.c); a store of an older version goes
 * through the chain of rows from its version to this build's.  A row
 * either renumbers opcodes (each old opcode becomes one new opcode with
 * the same operands: the common case) or rewrites a code object's bytes
 * through a callback, one instruction at a time (expand) or a whole code
 * object at once (rewrite).  A code object whose length changes moves: a
 * second pass gives it a new object of its size and points every value
 * that held the old one (FN_CODE, closure-making code's constants) at
 * the new.
 *
 * Layer: lisp/open.c runs it as a heap step of an upgrade, before the
 * Lisp starts; C only, allocating in the heap only for code that moves.
 */
#ifndef LO_LISP_BYTECODE_TRANSLATE_H
#define LO_LISP_BYTECODE_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>

#include "gc/heap.h"

struct lo_bytecode_translator {
    uint32_t from, to;          /* bytecode versions */
    /* old opcode -> the new opcode with the same operands; 0 for a byte
     * that is no opcode of `from` (code holding one is refused).  NULL
     * when `rewrite` does the work. */
    const unsigned char *renumber;
    /* An instruction whose operands or meaning change: the instruction
     * at insn (size bytes, opcode included, in `from`'s set) written as
     * the instructions of `to`'s set that do its work, into out (room
     * for cap bytes).  Returns their length (at least 1), or 0 to
     * decline, saying why.  A code address in what it writes (an `a` or
     * `t` operand) is one of the old code, as in insn: the translator
     * maps it to where the instruction at that address went.  The usual
     * way to write a row that is no renumbering. */
    uint32_t (*expand)(const unsigned char *insn, uint32_t size,
                       unsigned char *out, uint32_t cap, char *why,
                       size_t why_len);
    /* Anything harder still: the code's len bytes in `from`'s set
     * rewritten into out (room for cap bytes) in `to`'s, addresses and
     * all; returns the new length, or 0 to decline, saying why. */
    uint32_t (*rewrite)(const unsigned char *old, uint32_t len,
                        unsigned char *out, uint32_t cap, char *why,
                        size_t why_len);
    /* The operand letters (opcodes.h) of an opcode of `from`, or NULL if
     * none.  Needed only on a rewrite row that a renumber row comes
     * before in a chain: a renumber row finds instructions by the
     * operands of what its opcodes become, through the rows after it down
     * to this build's table (lo_op_operands). */
    const char *(*operands)(unsigned op);
};

/* LO_OK when this build can translate code of bytecode version `from`
 * (its own version, or a chain of rows leads from it); else LO_EINVAL
 * with a message naming both versions. */
int lo_translate_check(uint32_t from, char *why, size_t why_len);

/* Rewrite every code object of the heap from bytecode version `from` to
 * this build's, in place, or moving the code objects whose length
 * changes (nothing when they are the same): LO_OK, or LO_EINVAL when no
 * chain of rows leads from `from` or a row declines a code object,
 * LO_ENOSPC when the store cannot hold the moved code (the heap is then
 * partly translated: the caller must not commit it).  The world must be
 * stopped, or no other thread attached (lo_heap_for_each_object). */
int lo_translate_heap(lo_heap *h, uint32_t from, char *why, size_t why_len);

/* The same with another table of rows and target version (tests), and
 * the count of code objects changed in *changed (unless NULL). */
int lo_translate_heap_with(lo_heap *h, uint32_t from, uint32_t to,
                           const struct lo_bytecode_translator *rows,
                           size_t nrows, uint64_t *changed, char *why,
                           size_t why_len);

#endif
