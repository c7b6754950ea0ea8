/*
 * listing.h -- store entries as a table or as JSON lines (listing.c), for
 * lispos-client's query and watch.  An entry as the server sends it is
 * [id, [KEY, value, KEY, value ...], summary?]; as JSON it becomes
 *   {"id": 17, "attributes": {"name": ["Minuet"], "composer": ["Bach",
 *    "Petzold"]}, "object": "14 bytes"}
 * every key's values in an array (a key may repeat), keys in lower case.
 */
#ifndef LO_CLIENTS_LISTING_H
#define LO_CLIENTS_LISTING_H

#include <msgpack.h>
#include <stdio.h>

#include "clients/show.h"

/* One entry as a JSON object; extra (or NULL) is more members, as text
 * ("\"event\": \"added\"") put first. */
void lo_entry_json(struct lo_text *t, const msgpack_object *entry,
                   const char *extra);
/* Entries (an array of them) as an aligned table: id, one column per key
 * (in the order keys first appear), the object's summary when the entries
 * have one. */
void lo_entries_table(const msgpack_object *entries, FILE *out);
/* One entry on one line: "17  name=Minuet composer=Bach ..." */
void lo_entry_line(struct lo_text *t, const msgpack_object *entry);

#endif
