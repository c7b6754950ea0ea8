/*
 * bytecode.h -- the VM's instruction set (compiler.c writes, vm.c runs).
 *
 * One opcode byte, then operands: k = constant index (u16), i = frame slot
 * (u16), n = argument count (u8), a = code address (u16).
 */
#ifndef LO_LISP_BYTECODE_H
#define LO_LISP_BYTECODE_H

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
};

#endif
