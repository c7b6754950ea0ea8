/*
 * opcodes.h -- each instruction's name and operand layout (bytecode.h),
 * shared by what reads bytecode without running it: the disassembler
 * (disassemble.c) and the bytecode translator (bytecode_translate.c).
 *
 * Operands, in order, one letter each, in the encoding of bytecode.h:
 * k a constant (u16), i a frame or closure slot (u16), a a code address
 * (u16), c a count (u16), b and n a count (u8), t a jump table (a u8
 * count, then that many u16 addresses).
 */
#ifndef LO_LISP_OPCODES_H
#define LO_LISP_OPCODES_H

#include <stdint.h>

/* The instruction's name ("CALL-GLOBAL"), or NULL for no opcode of this
 * build. */
const char *lo_op_name(unsigned op);

/* The instruction's operand letters ("kn", "" for none), or NULL for no
 * opcode of this build. */
const char *lo_op_operands(unsigned op);

/* The bytes an instruction whose operands are `operands` takes at
 * bytes[pc] (opcode included) in code of len bytes, or 0 when it would
 * run past the end. */
uint32_t lo_op_size_with(const char *operands, const unsigned char *bytes,
                         uint32_t len, uint32_t pc);

#endif
