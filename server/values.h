/*
 * values.h -- Lisp values packed as MessagePack for a reply
 * (docs/protocol.md, "Values"): NIL nil, T true, integers of 64 bits,
 * doubles, strings, byte vectors as bin, proper lists as arrays; any
 * other value as the extension LO_EXT_PRINTED holding the text PRIN1
 * writes for it.  Runs on a worker, in a lo_pcall-free context: every
 * lo_* call protects itself.
 */
#ifndef LO_SERVER_VALUES_H
#define LO_SERVER_VALUES_H

#include <msgpack.h>

#include "lisp/api.h"

enum { LO_EXT_PRINTED = 1 };

void lo_pack_value(lo_lisp *W, msgpack_packer *pk, lo_ref v);

#endif
