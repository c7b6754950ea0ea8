/*
 * transfer.h -- files into the store and objects back out (transfer.c),
 * for lispos-client's put and get.  A file up to a chunk's size goes in
 * one store.put; a larger one is streamed: a byte vector of its size is
 * made on the server, filled a chunk at a time, then put -- the file is
 * never held in memory whole, and no message nears the server's 16 MiB
 * limit.  Getting streams the same way.  On a terminal, a progress bar
 * shows on stderr.
 */
#ifndef LO_CLIENTS_TRANSFER_H
#define LO_CLIENTS_TRANSFER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "clients/conn.h"

/* --attr KEY VALUE pairs, as typed. */
struct lo_attr {
    const char *key, *value;
};

/* Put the file at path with the attributes: 0 and *id, or an exit code
 * (the reason printed).  label: NULL for no progress bar, else the text
 * after it ("notes.txt (3/12)"). */
int lo_put_file(struct lo_conn *c, const char *path,
                const struct lo_attr *attrs, size_t nattrs, const char *label,
                uint64_t *id);
/* Write entry id's object to out: a byte vector's bytes, a string's
 * UTF-8 text, anything else as Lisp prints it. */
int lo_get_object(struct lo_conn *c, uint64_t id, FILE *out, bool progress);

#endif
