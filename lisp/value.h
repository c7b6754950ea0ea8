/*
 * value.h -- Lisp values: 64-bit tagged words.
 *
 *   bits 63..60  access bits of a capability (1 = granted): read, write,
 *                call, and one left to the programmer.  Only pointers to
 *                header objects carry them; conses and numbers carry none.
 *   low 2 bits 00        fixnum, 62-bit signed (n << 2)
 *   low 3 bits 001       cons pointer
 *   low 3 bits 011       pointer to an object with a header
 *   low 3 bits 010       immediate: character, unbound marker (subtag in
 *                        bits 3..7, payload from bit 8)
 * A pointer's address is the word with the access bits and the tag masked
 * off; every object is 8-byte aligned and begins with a header word
 * (gc/heap.h: type, size in words, and how many words hold values).
 * Conses have a header too (3 words): the heap can then be walked object
 * by object, which the sliding collector needs (docs/gc.md).  The part of
 * this encoding the collector reads -- the tags of pointers and the
 * access bits' place -- is defined once, in gc/heap.h, and used here.
 */
#ifndef LO_LISP_VALUE_H
#define LO_LISP_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "gc/heap.h"

/* The access bits' place and the tags are gc/heap.h's (the collector
 * reads them): LO_ACCESS_SHIFT, LO_ACCESS_MASK, LO_TAG_CONS,
 * LO_TAG_IMMEDIATE, LO_TAG_OBJECT. */
#define LO_ACCESS_ALL 0xfu
enum { LO_ACCESS_READ = 1, LO_ACCESS_WRITE = 2, LO_ACCESS_CALL = 4,
       LO_ACCESS_USER = 8 };

enum { LO_IMM_CHAR = 0, LO_IMM_UNBOUND = 1, LO_IMM_NO_BINDING = 2,
       LO_IMM_EXIT_ID = 3 };

#define LO_FIXNUM_MAX ((int64_t)((1ull << 61) - 1))
#define LO_FIXNUM_MIN (-(int64_t)(1ull << 61))

/* Object types (header bits 0..7). */
enum lo_type {
    LO_T_CONS = 1, LO_T_SYMBOL, LO_T_STRING, LO_T_VECTOR, LO_T_CELL,
    LO_T_CODE, LO_T_FUNCTION, LO_T_PRIMITIVE, LO_T_ENV,
    LO_T_BIGNUM,        /* raw: sign+length word, then 64-bit limbs */
    LO_T_DOUBLE,        /* raw: the IEEE bits */
    LO_T_BYTES,         /* (unsigned-byte 8) vector: length, raw bytes */
    LO_T_HASH_TABLE,
    LO_T_PACKAGE,
    LO_T_CONDITION,
    LO_T_INSTANCE,      /* structures and standard objects (instances.c) */
    LO_T_RATIO,         /* numerator, denominator (lisp/numbers.h) */
    LO_T_STREAM,        /* output streams (lisp/streams.h) */
    LO_T_RESTART,       /* a restart (lisp/conditions.c) */
};

static inline bool lo_fixnump(lo_value v) { return (v & 3) == 0; }
static inline int64_t lo_fixnum_value(lo_value v) { return (int64_t)v >> 2; }
static inline lo_value lo_fixnum(int64_t n) { return (lo_value)n << 2; }

static inline bool lo_consp(lo_value v) { return (v & LO_TAG_MASK) == LO_TAG_CONS; }
static inline bool lo_objectp(lo_value v) { return (v & LO_TAG_MASK) == LO_TAG_OBJECT; }

static inline uint64_t *lo_ptr(lo_value v) { return lo_value_address(v); }

static inline unsigned lo_access_bits(lo_value v)
{
    return lo_objectp(v) ? (unsigned)(v >> LO_ACCESS_SHIFT) : 0;
}

/* The same reference granting only the read bit: how a name the
 * tables are keyed by (a symbol's, a package's) is given out, since
 * changing it would rename behind the tables' back.  Only removes bits. */
static inline lo_value lo_read_only(lo_value v)
{
    return v & ~((lo_value)(LO_ACCESS_ALL & ~LO_ACCESS_READ) << LO_ACCESS_SHIFT);
}

/* Identity, ignoring access bits. */
static inline bool lo_eq(lo_value a, lo_value b)
{
    return ((a ^ b) & ~(lo_objectp(a) ? LO_ACCESS_MASK : 0)) == 0;
}

static inline lo_value lo_make_object(uint64_t *p)
{
    return (lo_value)(uintptr_t)p | LO_TAG_OBJECT |
           ((lo_value)LO_ACCESS_ALL << LO_ACCESS_SHIFT);
}

static inline lo_value lo_make_cons_ptr(uint64_t *p)
{
    return (lo_value)(uintptr_t)p | LO_TAG_CONS;
}

static inline enum lo_type lo_type_of_object(lo_value v)
{
    return (enum lo_type)(lo_ptr(v)[0] & 0xff);
}

static inline uint64_t lo_object_words(const uint64_t *p)
{
    return lo_header_words(p[0]);
}

static inline bool lo_typep(lo_value v, enum lo_type t)
{
    return lo_objectp(v) && lo_type_of_object(v) == t;
}

/* Characters and the unbound marker. */
static inline lo_value lo_char(uint32_t code)
{
    return (lo_value)code << 8 | LO_IMM_CHAR << 3 | LO_TAG_IMMEDIATE;
}
static inline bool lo_charp(lo_value v)
{
    return (v & 0xff) == (LO_IMM_CHAR << 3 | LO_TAG_IMMEDIATE);
}
static inline uint32_t lo_char_code(lo_value v) { return (uint32_t)(v >> 8); }
#define LO_UNBOUND ((lo_value)(LO_IMM_UNBOUND << 3 | LO_TAG_IMMEDIATE))
/* A thread's slot for a special variable it has not bound (never a
 * value a program can see). */
#define LO_NO_BINDING ((lo_value)(LO_IMM_NO_BINDING << 3 | LO_TAG_IMMEDIATE))
/* The identity of one entry into a BLOCK or TAGBODY left from afar (the
 * tag of its catch entry): a value no program can make or see. */
static inline lo_value lo_exit_id(uint64_t serial)
{
    return (lo_value)(serial << 8) | LO_IMM_EXIT_ID << 3 | LO_TAG_IMMEDIATE;
}
static inline bool lo_exit_id_p(lo_value v)
{
    return (v & 0xff) == (LO_IMM_EXIT_ID << 3 | LO_TAG_IMMEDIATE);
}

/* Conses: header, car, cdr. */
static inline lo_value lo_car_raw(lo_value c) { return lo_ptr(c)[1]; }
static inline lo_value lo_cdr_raw(lo_value c) { return lo_ptr(c)[2]; }

/*
 * Layouts (word offsets after the header):
 *   symbol    1 name (string)  2 package  3 plist  4 hash (fixnum)
 *   string    1 length (fixnum), then UTF-32 code points, two per word
 *             (a raw tail: 1 value word)
 *   vector    1 length (fixnum), then the elements
 *   cell      1 value  2 name (the symbol it binds)  3 flags (fixnum:
 *             CELL_SPECIAL, CELL_CONSTANT, CELL_SYSTEM, CELL_EXTENSIBLE,
 *             CELL_BOOT, CELL_STALE, CELL_REMOVED, and from bit 8 the index of a
 *             special variable's per-thread slot, given when first bound)
 *   code      1 bytecode length (fixnum), 2 constants (vector),
 *             3 arity (fixnum: required arguments, plus CODE_REST_FLAG when
 *             further ones are gathered into a list in the next slot),
 *             4 frame size (fixnum), 5 name, 6 the global environment
 *             it was compiled in (its free references resolve there),
 *             7 (only in code that keeps its source, from layout 1) the
 *             source (lo_code_source), then bytes (raw tail): they start
 *             after the value words the header counts (lo_code_bytes), 6
 *             or 7
 *   function  1 code  2 closed-over environment (vector or nil)
 *   primitive 1 index into this binary's primitive table (fixnum; set
 *             at every open from the name, -1 when it has no such
 *             primitive: lisp/primitives.c)  2 name (symbol)
 *   condition 1 type (symbol)  2 message (string, or nil when the
 *             type's report is a function: printing calls it)  3 data (a
 *             plist: slot values by slot name, then the initargs)
 *   restart   1 name  2 function  3 report (string, function or nil)
 *             4 interactive function  5 test function (or nil)
 *   env       a first-class global environment (environment.c): 1 parent
 *             (nil for the system environment)  2 name (string)
 *             3 package registry (package.h)  4 the values of the
 *             per-user defaults (environment.c)  then one table of cells
 *             by symbol per namespace, ENV_FUNCTIONS to ENV_PLISTS (a
 *             user's own property lists of symbols not theirs)
 *   instance  1 wrapper  2 slots (vector)  3 function (nil, or what a
 *             funcallable instance is called as: lisp/instances.c)
 */
#define CODE_REST_FLAG (1 << 20)
enum { SYM_NAME = 1, SYM_PACKAGE, SYM_PLIST, SYM_HASH, SYM_WORDS };
enum { CELL_VALUE = 1, CELL_NAME, CELL_FLAGS, CELL_WORDS };
#define CELL_SPECIAL 1          /* CELL_FLAGS bit: a special variable */
#define CELL_CONSTANT 2         /* CELL_FLAGS bit: a constant (DEFCONSTANT) */
#define CELL_SYSTEM 4           /* CELL_FLAGS bit: the system environment's */
#define CELL_EXTENSIBLE 8       /* a system generic function users extend */
/* A system binding the boot code defined (lisp/upgrade.c): the boot run
 * again into an existing heap unbinds those it does not define again,
 * marked CELL_STALE until it does.  The administrator's never carry it. */
#define CELL_BOOT 16
#define CELL_STALE 32           /* a boot definition not made again yet */
#define CELL_REMOVED 64         /* unbound by an upgrade: the new boot code
                                   no longer defines it (lisp/upgrade.c) */
#define CELL_INDEX_SHIFT 8
enum { CODE_LENGTH = 1, CODE_CONSTANTS, CODE_ARITY, CODE_FRAME, CODE_NAME,
       CODE_ENV, CODE_SOURCE };
/* A code object's value words: without its source (system code, and
 * every code object of a heap of layout 0), and with it. */
enum { CODE_WORDS_BARE = CODE_ENV, CODE_WORDS_SOURCE = CODE_SOURCE };

/* Where a code object's bytecode starts: after its value words, as many
 * as its header counts (code objects are always raw). */
static inline uint32_t lo_code_start(const uint64_t *code)
{
    return (uint32_t)(8 * (1 + lo_header_raw_value_words(code[0])));
}
static inline const unsigned char *lo_code_bytes(const uint64_t *code)
{
    return (const unsigned char *)code + lo_code_start(code);
}

/* Whether a code object has the CODE_SOURCE word. */
static inline bool lo_code_has_source(const uint64_t *code)
{
    return lo_header_value_words(code[0]) >= CODE_SOURCE;
}
enum { FN_CODE = 1, FN_ENV, FN_WORDS };
enum { PRIM_INDEX = 1, PRIM_NAME, PRIM_WORDS };
enum { CONDITION_TYPE = 1, CONDITION_MESSAGE, CONDITION_DATA,
       CONDITION_WORDS };
enum { INSTANCE_WRAPPER = 1, INSTANCE_SLOTS, INSTANCE_FUNCTION,
       INSTANCE_WORDS };
enum { RESTART_NAME = 1, RESTART_FUNCTION, RESTART_REPORT,
       RESTART_INTERACTIVE, RESTART_TEST, RESTART_WORDS };
enum { ENV_PARENT = 1, ENV_NAME, ENV_PACKAGES, ENV_DEFAULTS,
       ENV_FUNCTIONS, ENV_VARIABLES, ENV_MACROS, ENV_COMPILER_MACROS,
       ENV_CLASSES, ENV_TYPES, ENV_SYMBOL_MACROS, ENV_PLISTS, ENV_WORDS };

/* A funcallable instance (a generic function): what calling it calls,
 * or 0 when v is not one.  Another thread may have just stored a new
 * discriminating function (instances.c): an acquire load. */
static inline lo_value lo_instance_callee(lo_value v)
{
    if (!lo_typep(v, LO_T_INSTANCE))
        return 0;
    lo_value f = __atomic_load_n(&lo_ptr(v)[INSTANCE_FUNCTION],
                                 __ATOMIC_ACQUIRE);
    return lo_objectp(f) && (lo_type_of_object(f) == LO_T_FUNCTION ||
                             lo_type_of_object(f) == LO_T_PRIMITIVE) ? f : 0;
}

#endif
