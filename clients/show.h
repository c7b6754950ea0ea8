/*
 * show.h -- values the server sent, as text for people and for scripts
 * (show.c): Lisp's printed syntax, wrapped to a width when a list is too
 * long for one line (the REPL's results), and JSON (the subcommands'
 * --json).  The types follow docs/protocol.md's table of values: a
 * keyword's ext prints as :NAME, a date's as #@"2013-05", a handle as the
 * summary the server printed.
 *
 *   struct lo_text t = {0};
 *   lo_text_lisp(&t, value, "COMMON-LISP-USER", 80);
 *   fwrite(t.s, 1, t.len, stdout);
 *   lo_text_free(&t);
 */
#ifndef LO_CLIENTS_SHOW_H
#define LO_CLIENTS_SHOW_H

#include <msgpack.h>
#include <stddef.h>

struct lo_text {
    char *s;                    /* NUL-terminated once anything is added */
    size_t len, cap;
};

void lo_text_add(struct lo_text *t, const char *s, size_t len);
void lo_text_adds(struct lo_text *t, const char *s);
void lo_text_printf(struct lo_text *t, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
void lo_text_free(struct lo_text *t);

/* o as Lisp prints it: symbols of package (a name, or NULL) and of
 * COMMON-LISP without their package; lists broken over lines to keep
 * within width columns (0: never). */
void lo_text_lisp(struct lo_text *t, const msgpack_object *o,
                  const char *package, int width);
/* o for a table's cell: as Lisp prints it, except a string, date or
 * duration, shown as its bare text. */
void lo_text_cell(struct lo_text *t, const msgpack_object *o);
/* o as JSON (a handle as {"handle": n, "bits": b, "type": ..., "summary":
 * ...}, an entry as {"entry": id}, a byte vector as base64, other Lisp
 * types as the text of their ext: ":BOOK", "2013-05", "1/3"). */
void lo_text_json(struct lo_text *t, const msgpack_object *o);
void lo_text_json_string(struct lo_text *t, const char *s, size_t len);
/* A map's key as JSON: a string in lower case ("YEAR" -> "year"). */
void lo_text_key(struct lo_text *t, const msgpack_object *key);

#endif
