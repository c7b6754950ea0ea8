/*
 * instances.c -- standard objects, structures and funcallable instances:
 * what the object system (lisp/boot/50-clos.lisp, 55-defstruct.lisp)
 * needs from C.  Everything else of CLOS is Lisp.
 *
 * An instance (LO_T_INSTANCE, value.h) is three words after its header:
 *
 *   1 wrapper   the layout of its class when it was made or last updated:
 *               a simple vector #(class slot-names), never changed once
 *               made.  Redefining a class gives it a new wrapper (its
 *               slot 5); an instance still holding an older one is
 *               obsolete, brought up to date on its next slot access
 *               (the obsolete-instance protocol, in Lisp).
 *   2 slots     a simple vector of the local slots' values, in the order
 *               of the wrapper's slot names (an unbound slot holds a
 *               marker the Lisp side chooses)
 *   3 function  nil, or for a funcallable instance (a generic function)
 *               the function the VM calls in its place with the same
 *               arguments (vm.c, callable): its discriminating function
 *
 * Structures (DEFSTRUCT) use the same representation; their class says
 * they are one.  Slot reads take the capability's read bit and writes its
 * write bit (ACCESS-DENIED naming the operation), whether through
 * SLOT-VALUE, an accessor or a structure's accessors: all go through
 * %SLOT-REF and %SLOT-SET.  Changing the wrapper and slot vector of an
 * obsolete instance is no write by the program and needs no bit.
 *
 * The printer (printer.c) prints an instance by calling the Lisp function
 * %PRINT-INSTANCE (which calls PRINT-OBJECT) through lo_instance_text.
 *
 * Threads share instances (classes and generic functions are instances,
 * and every thread of a user uses them): the three words and the slots
 * are read with acquire loads and written with release stores, so a
 * thread that reads a new wrapper, slot vector or discriminating function
 * also sees what was made before it was stored.  Updating an obsolete
 * instance stores its new slot vector before its new wrapper: a thread
 * that sees the new wrapper finds the slots laid out for it.
 */
#include "lisp/internal.h"
#include "lisp/sequences.h"

/* Word i of instance x, and storing it. */
static lo_value instance_word(lo_value x, unsigned i)
{
    return __atomic_load_n(&lo_ptr(x)[i], __ATOMIC_ACQUIRE);
}

static void set_instance_word(lo_value x, unsigned i, lo_value v)
{
    __atomic_store_n(&lo_ptr(x)[i], v, __ATOMIC_RELEASE);
}

/* Element i of a simple vector shared between threads, and storing it. */
static lo_value shared_item(lo_value vector, uint64_t i)
{
    return __atomic_load_n(&lo_ptr(vector)[2 + i], __ATOMIC_ACQUIRE);
}

static void set_shared_item(lo_value vector, uint64_t i, lo_value v)
{
    __atomic_store_n(&lo_ptr(vector)[2 + i], v, __ATOMIC_RELEASE);
}

static uint64_t vector_length(lo_value v)
{
    return (uint64_t)lo_fixnum_value(lo_ptr(v)[1]);
}

/* The current wrapper of a class: its slot 5 (50-clos.lisp), or 0 when
 * c does not look like a class. */
enum { CLASS_WRAPPER_SLOT = 5 };
static lo_value class_wrapper(lo_value c)
{
    if (!lo_typep(c, LO_T_INSTANCE))
        return 0;
    lo_value slots = instance_word(c, INSTANCE_SLOTS);
    if (!lo_typep(slots, LO_T_VECTOR) ||
        vector_length(slots) <= CLASS_WRAPPER_SLOT)
        return 0;
    return shared_item(slots, CLASS_WRAPPER_SLOT);
}

static void check_instance(lo_lisp *L, lo_value v, const char *op)
{
    if (!lo_typep(v, LO_T_INSTANCE))
        lo_arg_error_op(L, op, v, "STANDARD-OBJECT");
}

/* The operation named for an access error: the optional symbol a[i]. */
static void op_name(lo_lisp *L, lo_value *a, uint32_t n, uint32_t i,
                    const char *fallback, char *buf, size_t len)
{
    if (i < n && lo_symbolp(a[i]) && !lo_null(L, a[i]))
        lo_string_utf8(lo_symbol_name(a[i]), buf, len);
    else {
        size_t k = 0;
        for (; fallback[k] && k + 1 < len; k++)
            buf[k] = fallback[k];
        buf[k] = '\0';
    }
}

static void check_bit(lo_lisp *L, lo_value v, unsigned bit, lo_value *a,
                      uint32_t n, uint32_t i, const char *fallback)
{
    bool frozen = (bit & LO_ACCESS_WRITE) && lo_frozen_p(v);
    if ((lo_access_bits(v) & bit) && !frozen)
        return;
    char op[80];
    op_name(L, a, n, i, fallback, op, sizeof op);
    if (!(lo_access_bits(v) & bit))
        lo_access_denied(L, v, bit, op);    /* access.c: names op, datum... */
    lo_frozen_write(L, v, op);
}

/* Index i of the slot vector slots, checked. */
static uint64_t slot_index(lo_lisp *L, lo_value slots, lo_value i)
{
    if (!lo_fixnump(i) || lo_fixnum_value(i) < 0 ||
        !lo_typep(slots, LO_T_VECTOR) ||
        (uint64_t)lo_fixnum_value(i) >= vector_length(slots))
        lo_error(L, "PROGRAM-ERROR", "internal: bad slot index");
    return (uint64_t)lo_fixnum_value(i);
}

/* (%allocate-instance wrapper slots) -> a new instance */
LO_PRIMITIVE(p_allocate_instance, "%ALLOCATE-INSTANCE", INTERNAL, ANY, 2,
             2, "(wrapper slots)",
             "A fresh instance with the class layout WRAPPER and the slot "
             "vector SLOTS, not funcallable: what ALLOCATE-INSTANCE and "
             "structure constructors make.")
{
    return lo_make_instance(L, args[0], args[1]);
}

LO_PRIMITIVE(p_instancep, "%INSTANCEP", INTERNAL, ANY, 1, 1, "(object)",
             "True when OBJECT is an instance: a standard object, a structure "
             "or a generic function.")
{
    return lo_truth(L, lo_typep(args[0], LO_T_INSTANCE));
}

LO_PRIMITIVE(p_instance_wrapper, "%INSTANCE-WRAPPER", INTERNAL, ANY, 1, 1,
             "(instance)",
             "The class layout INSTANCE was made with or last updated to, a "
             "simple vector #(class slot-names valid-p ...): how CLASS-OF "
             "finds the class.")
{
    check_instance(L, args[0], "%INSTANCE-WRAPPER");
    return instance_word(args[0], INSTANCE_WRAPPER);
}

/* (%instance-slots x): the slot vector, with no more access than x. */
LO_PRIMITIVE(p_instance_slots, "%INSTANCE-SLOTS", INTERNAL, ANY, 1, 1,
             "(instance)",
             "The vector of INSTANCE's local slot values, granting no more "
             "access bits than INSTANCE does.")
{
    check_instance(L, args[0], "%INSTANCE-SLOTS");
    lo_value s = instance_word(args[0], INSTANCE_SLOTS);
    return (s & ~LO_ACCESS_MASK) |
           ((lo_value)(lo_access_bits(s) & lo_access_bits(args[0])) << LO_ACCESS_SHIFT);
}

/* (%instance-update x wrapper slots): a new wrapper and slot vector,
 * which takes the write bit (the object system's bootstrap uses it). */
LO_PRIMITIVE(p_instance_update, "%INSTANCE-UPDATE", INTERNAL, ANY, 3, 3,
             "(instance wrapper slots)",
             "Give INSTANCE the class layout WRAPPER and the slot vector "
             "SLOTS (its write bit needed); returns INSTANCE.  The object "
             "system's bootstrap uses it.")
{
    check_instance(L, args[0], "%INSTANCE-UPDATE");
    check_bit(L, args[0], LO_ACCESS_WRITE, args, nargs, 99, "%INSTANCE-UPDATE");
    set_instance_word(args[0], INSTANCE_SLOTS, args[2]);
    set_instance_word(args[0], INSTANCE_WRAPPER, args[1]);
    return args[0];
}

static bool vector_has(lo_value vec, lo_value x, uint64_t *at)
{
    uint64_t *p = lo_ptr(vec);
    for (uint64_t i = 0; i < vector_length(vec); i++)
        if (lo_eq(p[2 + i], x)) {
            *at = (uint64_t)i;
            return true;
        }
    return false;
}

/*
 * (%instance-reshape x new-wrapper unbound) -- x, whose wrapper has been
 * made obsolete by a redefinition of its class, takes new-wrapper (its
 * class's current one) and a slot vector laid out as its names say: the
 * values of slots kept, `unbound` in the added ones.  Returns (added
 * . discarded): the names of the slots added, and a property list of
 * the discarded slots and their values (empty unless x may be read).
 * Nothing when x already has new-wrapper.  Needs no access bit: it is no
 * write by the program, which still sees the same values.  The object
 * system's lock is held (50-clos.lisp): one thread updates x at a time.
 */
LO_PRIMITIVE(p_instance_reshape, "%INSTANCE-RESHAPE", INTERNAL, ANY, 3, 3,
             "(instance wrapper unbound)",
             "Bring INSTANCE, whose class was redefined, to the layout "
             "WRAPPER: kept slots keep their values, added ones get UNBOUND.  "
             "Returns (added . discarded-plist), or NIL when INSTANCE was not "
             "obsolete; for the obsolete-instance protocol.")
{
    check_instance(L, args[0], "%INSTANCE-RESHAPE");
    lo_value old_w = instance_word(args[0], INSTANCE_WRAPPER), new_w = args[1];
    if (!lo_typep(old_w, LO_T_VECTOR) || vector_length(old_w) < 2 ||
        lo_eq(old_w, new_w) || !lo_typep(new_w, LO_T_VECTOR) ||
        vector_length(new_w) < 2)
        return L->nil;
    /* Only to the layout its class has now: what the obsolete-instance
     * protocol does anyway, so a caller without the write bit (a reader
     * of a redefined class's instance) changes nothing else. */
    if (!lo_eq(new_w, class_wrapper(lo_ptr(old_w)[2])))
        lo_error(L, "PROGRAM-ERROR", "%%INSTANCE-RESHAPE: not the current "
                 "layout of the instance's class");
    lo_value old_names = lo_ptr(old_w)[3], new_names = lo_ptr(new_w)[3];
    if (!lo_typep(old_names, LO_T_VECTOR) || !lo_typep(new_names, LO_T_VECTOR))
        lo_error(L, "PROGRAM-ERROR", "internal: bad wrapper");
    uint64_t count = (uint64_t)lo_fixnum_value(lo_ptr(new_names)[1]);
    lo_value slots = lo_make_vector(L, count, args[2]);
    lo_value added = L->nil, discarded = L->nil;
    lo_value old_slots = instance_word(args[0], INSTANCE_SLOTS);
    for (uint64_t i = count; i-- > 0;) {
        uint64_t at;
        lo_value name = lo_ptr(new_names)[2 + i];
        if (vector_has(old_names, name, &at))
            lo_ptr(slots)[2 + i] = shared_item(old_slots, at);
        else
            added = lo_cons(L, name, added);
    }
    if (lo_access_bits(args[0]) & LO_ACCESS_READ) {
        uint64_t old_count = (uint64_t)lo_fixnum_value(lo_ptr(old_names)[1]);
        for (uint64_t i = old_count; i-- > 0;) {
            uint64_t at;
            lo_value name = lo_ptr(old_names)[2 + i];
            if (!vector_has(new_names, name, &at)) {
                discarded = lo_cons(L, shared_item(old_slots, i), discarded);
                discarded = lo_cons(L, name, discarded);
            }
        }
    }
    set_instance_word(args[0], INSTANCE_SLOTS, slots);
    set_instance_word(args[0], INSTANCE_WRAPPER, new_w);
    return lo_cons(L, added, discarded);
}

/* (%slot-ref x index [op]) -- the read bit */
LO_PRIMITIVE(p_slot_ref, "%SLOT-REF", INTERNAL, ANY, 2, 3,
             "(instance index &optional operation)",
             "The value of local slot INDEX of INSTANCE; its read bit is "
             "needed (ACCESS-DENIED names OPERATION, a symbol, by default "
             "SLOT-VALUE).  Every slot reader comes here.")
{
    check_instance(L, args[0], "SLOT-VALUE");
    check_bit(L, args[0], LO_ACCESS_READ, args, nargs, 2, "SLOT-VALUE");
    lo_value slots = instance_word(args[0], INSTANCE_SLOTS);
    return shared_item(slots, slot_index(L, slots, args[1]));
}

/* (%slot-set x index value [op]) -- the write bit */
LO_PRIMITIVE(p_slot_set, "%SLOT-SET", INTERNAL, ANY, 3, 4,
             "(instance index value &optional operation)",
             "Store VALUE in local slot INDEX of INSTANCE; its write bit is "
             "needed (ACCESS-DENIED names OPERATION, by default (SETF "
             "SLOT-VALUE)).  Returns VALUE.  Every slot writer comes here.")
{
    check_instance(L, args[0], "(SETF SLOT-VALUE)");
    check_bit(L, args[0], LO_ACCESS_WRITE, args, nargs, 3, "(SETF SLOT-VALUE)");
    lo_value slots = instance_word(args[0], INSTANCE_SLOTS);
    set_shared_item(slots, slot_index(L, slots, args[1]), args[2]);
    return args[2];
}

/* (%slot-position x name): the index of x's local slot name in its slot
 * vector; nil when x is no instance or has no such local slot; -1 when
 * x's wrapper is obsolete (its class was redefined: update it first). */
LO_PRIMITIVE(p_slot_position, "%SLOT-POSITION", INTERNAL, ANY, 2, 2,
             "(object name)",
             "The index of OBJECT's local slot NAME in its slot vector; NIL "
             "when OBJECT is no instance or has no such local slot; -1 when "
             "its class was redefined since (update it first).")
{
    if (!lo_typep(args[0], LO_T_INSTANCE))
        return L->nil;
    lo_value w = instance_word(args[0], INSTANCE_WRAPPER);
    if (!lo_typep(w, LO_T_VECTOR) || vector_length(w) < 2)
        return L->nil;
    if (!lo_eq(class_wrapper(lo_ptr(w)[2]), w))
        return lo_fixnum(-1);
    lo_value names = lo_ptr(w)[3];
    uint64_t at;
    if (lo_typep(names, LO_T_VECTOR) && vector_has(names, args[1], &at))
        return lo_fixnum((int64_t)at);
    return L->nil;
}

/* (%set-instance-function x fn): x becomes callable as fn (the write
 * bit: a generic function's behaviour is its state). */
LO_PRIMITIVE(p_set_instance_function, "%SET-INSTANCE-FUNCTION", INTERNAL,
             ANY, 2, 2, "(instance function)",
             "Make INSTANCE callable as FUNCTION (NIL: not callable), its "
             "write bit needed; returns FUNCTION.  A generic function's "
             "discriminating function is installed so.")
{
    check_instance(L, args[0], "%SET-INSTANCE-FUNCTION");
    check_bit(L, args[0], LO_ACCESS_WRITE, args, nargs, 99, "%SET-INSTANCE-FUNCTION");
    if (!lo_null(L, args[1]) && !lo_typep(args[1], LO_T_FUNCTION) &&
        !lo_typep(args[1], LO_T_PRIMITIVE))
        lo_arg_error(L, args[1], "(OR FUNCTION NULL)");
    set_instance_word(args[0], INSTANCE_FUNCTION, args[1]);
    return args[1];
}

LO_PRIMITIVE(p_instance_function, "%INSTANCE-FUNCTION", INTERNAL, ANY, 1,
             1, "(instance)",
             "The function INSTANCE is called as, or NIL when it is not "
             "funcallable.")
{
    check_instance(L, args[0], "%INSTANCE-FUNCTION");
    return instance_word(args[0], INSTANCE_FUNCTION);
}

/*
 * (%type-code x): which built-in class x belongs to, for CLASS-OF
 * (50-clos.lisp keeps the classes in a vector by these codes).
 */
enum { TC_T, TC_FIXNUM, TC_BIGNUM, TC_RATIO, TC_DOUBLE, TC_CHARACTER,
       TC_SYMBOL, TC_NULL, TC_CONS, TC_STRING, TC_SIMPLE_VECTOR, TC_VECTOR,
       TC_HASH_TABLE, TC_PACKAGE, TC_FUNCTION, TC_STREAM, TC_CONDITION,
       TC_INSTANCE };

LO_PRIMITIVE(p_type_code, "%TYPE-CODE", INTERNAL, ANY, 1, 1, "(object)",
             "A small integer naming the built-in class of OBJECT (fixnum, "
             "cons, string, ..., instance), by which CLASS-OF finds it.")
{
    lo_value v = args[0];
    int code = TC_T;
    if (lo_fixnump(v))
        code = TC_FIXNUM;
    else if (lo_consp(v))
        code = TC_CONS;
    else if (lo_charp(v))
        code = TC_CHARACTER;
    else if (lo_null(L, v))
        code = TC_NULL;
    else if (lo_objectp(v))
        switch (lo_type_of_object(v)) {
        case LO_T_SYMBOL: code = TC_SYMBOL; break;
        case LO_T_BIGNUM: code = TC_BIGNUM; break;
        case LO_T_RATIO: code = TC_RATIO; break;
        case LO_T_DOUBLE: code = TC_DOUBLE; break;
        case LO_T_STRING: code = TC_STRING; break;
        case LO_T_VECTOR: code = TC_SIMPLE_VECTOR; break;
        case LO_T_BYTES: code = TC_VECTOR; break;
        case LO_T_HASH_TABLE: code = TC_HASH_TABLE; break;
        case LO_T_PACKAGE: code = TC_PACKAGE; break;
        case LO_T_FUNCTION: case LO_T_PRIMITIVE: code = TC_FUNCTION; break;
        case LO_T_STREAM: code = TC_STREAM; break;
        case LO_T_CONDITION: code = TC_CONDITION; break;
        case LO_T_INSTANCE: code = TC_INSTANCE; break;
        default: break;
        }
    return lo_fixnum(code);
}

/* (%object-address x): for PRINT-UNREADABLE-OBJECT's :identity (it
 * changes when the collector moves x). */
LO_PRIMITIVE(p_object_address, "%OBJECT-ADDRESS", INTERNAL, ANY, 1, 1,
             "(object)",
             "OBJECT's address in the heap as a fixnum, NIL for an immediate "
             "value; it changes when the collector moves OBJECT.  For "
             "PRINT-UNREADABLE-OBJECT's :IDENTITY.")
{
    if (!lo_objectp(args[0]) && !lo_consp(args[0]))
        return L->nil;
    return lo_fixnum((int64_t)((uintptr_t)lo_ptr(args[0]) >> 3) << 3 &
                     LO_FIXNUM_MAX);
}

const struct lo_primitive *const lo_prims_instances[] = {
    LO_ROW(p_allocate_instance),
    LO_ROW(p_instancep),
    LO_ROW(p_instance_wrapper),
    LO_ROW(p_instance_slots),
    LO_ROW(p_instance_update),
    LO_ROW(p_instance_reshape),
    LO_ROW(p_slot_ref),
    LO_ROW(p_slot_set),
    LO_ROW(p_set_instance_function),
    LO_ROW(p_slot_position),
    LO_ROW(p_instance_function),
    LO_ROW(p_type_code),
    LO_ROW(p_object_address),
    NULL,
};

/* x is a structure: an instance whose class (its wrapper's first
 * element) has the kind :STRUCTURE (its slot 9, 50-clos.lisp). */
bool lo_structure_p(lo_lisp *L, lo_value x)
{
    (void)L;
    if (!lo_typep(x, LO_T_INSTANCE))
        return false;
    lo_value w = instance_word(x, INSTANCE_WRAPPER);
    if (!lo_typep(w, LO_T_VECTOR) || lo_fixnum_value(lo_ptr(w)[1]) < 1 ||
        !lo_typep(lo_ptr(w)[2], LO_T_INSTANCE))
        return false;
    lo_value s = instance_word(lo_ptr(w)[2], INSTANCE_SLOTS);
    return lo_typep(s, LO_T_VECTOR) && lo_fixnum_value(lo_ptr(s)[1]) > 9 &&
           lo_keyword_is(lo_ptr(s)[2 + 9], "STRUCTURE");
}

lo_value lo_class_wrapper(lo_value c)
{
    lo_value w = class_wrapper(c);
    if (!w || !lo_typep(w, LO_T_VECTOR) || vector_length(w) < 2 ||
        !lo_eq(lo_ptr(w)[2], c))
        return 0;
    return w;
}

lo_value lo_instance_wrapper(lo_value x)
{
    return instance_word(x, INSTANCE_WRAPPER);
}

lo_value lo_instance_slots(lo_value x)
{
    return instance_word(x, INSTANCE_SLOTS);
}

lo_value lo_make_instance(lo_lisp *L, lo_value wrapper, lo_value slots)
{
    uint64_t *p = lo_alloc_object(L, LO_T_INSTANCE, INSTANCE_WORDS);
    p[INSTANCE_WRAPPER] = wrapper;
    p[INSTANCE_SLOTS] = slots;
    p[INSTANCE_FUNCTION] = L->nil;
    return lo_make_object(p);
}

/* ---- printing (printer.c) ---- */

/* The name of x's class, from its wrapper (#(class ...)) and the class's
 * first slot (its name), or nil when they are not as expected. */
static lo_value class_name_of(lo_lisp *L, lo_value x)
{
    lo_value w = instance_word(x, INSTANCE_WRAPPER);
    if (!lo_typep(w, LO_T_VECTOR) || lo_fixnum_value(lo_ptr(w)[1]) < 1)
        return L->nil;
    lo_value c = lo_ptr(w)[2];
    if (!lo_typep(c, LO_T_INSTANCE))
        return L->nil;
    lo_value s = instance_word(c, INSTANCE_SLOTS);
    if (!lo_typep(s, LO_T_VECTOR) || lo_fixnum_value(lo_ptr(s)[1]) < 1)
        return L->nil;
    return lo_ptr(s)[2];
}

/*
 * The text of instance x as PRINT-OBJECT writes it (escape: under
 * PRIN1), through the Lisp function %PRINT-INSTANCE; or, when that
 * cannot run (early in the cold boot, no evaluation entry point, while an
 * error is being made), #<NAME {address}>.  The printer holds unrooted
 * values on its C stack, so collections wait while the Lisp code runs.
 */
lo_value lo_instance_text(lo_lisp *L, lo_value x, bool escape,
                          lo_value *class_name)
{
    *class_name = class_name_of(L, x);
    if (L->making_condition || L->ncatches == 0 || L->nlevels == 0)
        return L->nil;
    lo_value cell = lo_function_cell(L, lo_intern(L, "%PRINT-INSTANCE"), false);
    if (lo_null(L, cell) || lo_cell_get(cell) == LO_UNBOUND)
        return L->nil;
    lo_value args[2] = { x, lo_truth(L, escape) };
    lo_gc_inhibit(L);
    lo_value s = lo_vm_apply(L, lo_cell_get(cell), args, 2);
    lo_gc_allow(L);
    return lo_typep(s, LO_T_STRING) ? s : L->nil;
}
