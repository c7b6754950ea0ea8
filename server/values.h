/*
 * values.h -- Lisp values as MessagePack and back (docs/protocol.md,
 * "Values").  Out: NIL nil, T true, integers of 64 bits int (larger ones
 * an extension), doubles float 64, readable strings str, readable byte
 * vectors bin, proper lists arrays; keywords, other symbols, big
 * integers, ratios, characters, dates, durations and store entries their
 * own extension types; any other object that carries access bits (a
 * vector, hash table, function, instance ...) a handle (handles.h); what
 * is left, its printed text (LO_EXT_PRINTED).  In: the same, but a
 * printed value cannot come back, and a handle must be one of the
 * session's.  Runs on a worker; every lo_* call protects itself.
 */
#ifndef LO_SERVER_VALUES_H
#define LO_SERVER_VALUES_H

#include <msgpack.h>
#include <stdbool.h>

#include "lisp/api.h"
#include "server/handles.h"

enum lo_ext {
    LO_EXT_PRINTED = 1, LO_EXT_KEYWORD = 2, LO_EXT_SYMBOL = 3,
    LO_EXT_INTEGER = 4, LO_EXT_RATIO = 5, LO_EXT_CHARACTER = 6,
    LO_EXT_DATE = 7, LO_EXT_DURATION = 8, LO_EXT_ENTRY = 9,
    LO_EXT_HANDLE = 10,
};

/* How values cross: the session's handles (NULL: objects go printed),
 * and whether lists (%MAP key value ...) are maps and (%ARRAY item ...)
 * arrays even when empty (in the store methods' results, made by
 * store/boot/74-wire.lisp; a map a client sends to them comes as a
 * %MAP list) -- never in eval's values, whose lists are the user's. */
struct lo_wire {
    struct lo_handles *handles;
    bool maps;
};

void lo_pack_value(lo_lisp *W, msgpack_packer *pk, lo_ref v,
                   const struct lo_wire *wire);
/* An extension value of type (enum lo_ext) with its body. */
void lo_pack_ext(msgpack_packer *pk, int8_t type, const void *body,
                 size_t len);

/* Why a value could not be read: an ARGUMENT-ERROR, or the error of the
 * Lisp call that made it. */
struct lo_wire_error {
    char type[48];
    char message[256];
};

/* The Lisp value of o (a handle of W's scope), or NULL with *err. */
lo_ref lo_unpack_value(lo_lisp *W, const msgpack_object *o,
                       const struct lo_wire *wire, struct lo_wire_error *err);

#endif
