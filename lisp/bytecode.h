/*
 * bytecode.h -- the VM's instruction set (compiler.c writes, vm.c runs).
 *
 * One opcode byte, then operands: k = constant index (u16), i = frame slot
 * (u16), n = argument count (u8), a = code address (u16).
 *
 * The instruction set only grows.  Every store holds code compiled to it
 * -- users' functions, and the system's closures kept in users' data --
 * which no upgrade recompiles (docs/upgrade.md, "Rules for developers").
 * So a new instruction goes at the end of the enum, with the next number,
 * and an existing one never changes its number, its operands or what it
 * does.  tests/unit/lisp_bytecode_abi.c holds every instruction to its
 * row in tests/unit/bytecode_abi.txt (number, name, operands): adding one
 * means adding its row there (the test says which), and renumbering,
 * removing or changing one fails make check.  A change that cannot be
 * made by growing bumps LO_BYTECODE_VERSION (below) and must ship a
 * translator row of the old code to the new (bytecode_translate.c,
 * docs/upgrade.md rule 4).
 */
#ifndef LO_LISP_BYTECODE_H
#define LO_LISP_BYTECODE_H

/* Bump when the bytecode changes incompatibly (an opcode renumbered or
 * changed; adding one needs no bump), and ship a translator row from the
 * previous version (bytecode_translate.c).  Part of the system version
 * (open.c).  A change of an object's layout increments LO_LAYOUT_VERSION
 * instead (gc/heap.h). */
#define LO_BYTECODE_VERSION 14u

enum lo_op {
    OP_CONST = 1,      /* k      push constants[k] */
    OP_LOCAL,          /* i      push frame slot i */
    OP_SET_LOCAL,      /* i      frame slot i := top (kept) */
    OP_GLOBAL,         /* k      push the value of cell constants[k] */
    OP_SET_GLOBAL,     /* k      cell value := top (kept) */
    OP_FUNCTION,       /* k      push the function of cell constants[k] */
    OP_CALL_GLOBAL,    /* k n    call cell constants[k]'s function */
    OP_CALL,           /* n      call the function below the n arguments */
    OP_JUMP,           /* a */
    OP_JUMP_IF_NIL,    /* a      pop; jump when it was nil */
    OP_POP,
    OP_RETURN,
    OP_DEFINE,         /* k      cell constants[k]'s function := top (kept) */
    OP_TAIL_CALL_GLOBAL, /* k n  like OP_CALL_GLOBAL, replacing this frame */
    OP_TAIL_CALL,      /* n      like OP_CALL, replacing this frame */
    OP_CLOSED,         /* i      push closure slot i (a value or a box) */
    OP_BOX,            /* i      frame slot i := a new box holding it */
    OP_UNBOX,          /*        top := the value in the box on top */
    OP_SET_BOX_LOCAL,  /* i      box in frame slot i := top (kept) */
    OP_SET_BOX_CLOSED, /* i      box in closure slot i := top (kept) */
    OP_CLOSURE,        /* k m    a function of code constants[k] closing
                                 over the m values on top (popped) */
    OP_CAR,            /*        top := its car (a list, or an error) */
    OP_CDR,            /*        top := its cdr */
    OP_CHECK_CONS,     /* i      error unless frame slot i holds a cons */
    OP_CHECK_EMPTY,    /* i      error unless frame slot i holds nil */
    OP_BIND,           /* k      bind special cell constants[k] to the
                                 popped value (dynamic binding) */
    OP_UNBIND,         /* c      end the c newest dynamic bindings */
    /* multiple values: the primary travels on the stack, the count and
     * the others in L->nvalues and L->mv (control.c) */
    OP_MV1,            /*        the value on top is the only one */
    OP_MV_PUSH,        /*        push the values after the primary too */
    OP_MV_CALL,        /* i      call the function below the values pushed
                                 since OP_SAVE_SP i */
    OP_MV_SAVE,        /*        top := its values and their count */
    OP_MV_RESTORE,     /*        undo OP_MV_SAVE */
    OP_MV_STORE,       /* i n    pop the values into slots i..i+n-1 */
    /* non-local exits (control.c) */
    OP_SAVE_SP,        /* i      frame slot i := the stack height */
    OP_RESTORE_SP,     /* i      pop v, cut the stack to slot i's height,
                                 push v */
    OP_SET_SP,         /* i      cut the stack to slot i's height */
    OP_EXIT_ID,        /* i      frame slot i := a fresh identity */
    OP_CATCH,          /* a      pop a tag; push a catch entry landing at a */
    OP_TAGBODY,        /* a      the same for a TAGBODY entered from afar */
    OP_UNCATCH,        /* c      pop c catch entries */
    OP_THROW,          /*        exit to the entry of the tag below the
                                 values on top */
    OP_UWP,            /* a      push a cleanup entry: its code is at a */
    OP_UWP_NORMAL,     /*        pop it; save the values; run the cleanup */
    OP_UWP_END,        /*        after a cleanup: resume what it interrupted */
    OP_JUMP_TABLE,     /* c a*c  pop a fixnum i; jump to the i-th address */
    /* Calls of the system's own primitives, done in line for the common
     * case (fixnums, conses) and as a call of the cell k otherwise -- also
     * when the cell no longer holds that primitive. */
    OP_ADD2,           /* k      (+ a b) */
    OP_SUB2,           /* k      (- a b) */
    OP_LT2,            /* k      (< a b) */
    OP_GT2,            /* k      (> a b) */
    OP_LE2,            /* k      (<= a b) */
    OP_GE2,            /* k      (>= a b) */
    OP_NUM_EQ2,        /* k      (= a b) */
    OP_ADD1,           /* k      (1+ a) */
    OP_SUB1,           /* k      (1- a) */
    OP_EQ2,            /* k      (eq a b) */
    OP_CAR1,           /* k      (car a) */
    OP_CDR1,           /* k      (cdr a) */
    OP_CONS2,          /* k      (cons a b) */
    OP_NULL1,          /* k      (null a), (not a) */
    OP_RETURN1,        /*        OP_MV1 then OP_RETURN */
    OP_STORE_LOCAL,    /* i      pop into frame slot i */
    OP_CONSTANT_INIT,  /* k      cell constants[k] := top (kept), unless it
                                 holds an EQL value; another is an error */
    OP_PATCH_CLOSURE,  /* i      pop v and a function: its closure slot i
                                 := v (LABELS: functions that see each
                                 other) */
    OP_SET_SYSTEM_GLOBAL, /* k   as OP_SET_GLOBAL, from code of a user
                                 environment to a system variable: only a
                                 binding of this thread may change */
};

/* The in-line opcode for a call of the primitive `name` with nargs
 * arguments, or 0 (vm.c). */
unsigned lo_inline_op(const char *name, unsigned nargs);

#endif
