/*
 * args.h -- command-line words made protocol values (args.c), shared by
 * lispos-client and lispos-admin:
 *   an attribute's VALUE:  42, -7 (integers), 2.5 (a double), :music (a
 *       keyword), #@2013-05 or #@"2013-05-17" (a date), #@PT1H3M (a
 *       duration), t and nil; anything else is a string, and a leading =
 *       makes the rest a string whatever it looks like (=42 is "42");
 *   a PRINCIPAL: a user's name, group:NAME, or :everyone;
 *   access BITS: 0 to 15, or letters of "rwco" (read, write, call, own:
 *       rw is 3), or none.
 */
#ifndef LO_CLIENTS_ARGS_H
#define LO_CLIENTS_ARGS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

void lo_pack_value_text(msgpack_packer *pk, const char *text);
void lo_pack_principal(msgpack_packer *pk, const char *principal);
/* false when text is no access bits. */
bool lo_parse_bits(const char *text, int *bits);
/* An entry's id or a version: a positive integer; false otherwise. */
bool lo_parse_id(const char *text, uint64_t *id);
/* A key's name as the server takes it: upper case ("year" -> "YEAR"),
 * a leading : dropped. */
void lo_key_name(const char *text, char *out, size_t len);

#endif
