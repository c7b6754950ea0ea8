/*
 * repl.h -- evaluating Lisp on the server and printing what comes back
 * (repl.c): lispos-client's -e FORM, forms piped on stdin, and the
 * interactive REPL (libedit: line editing, history kept across runs,
 * input until the form is balanced, Ctrl-C cancelling the evaluation,
 * tab completion of the symbols the user's environment has).
 */
#ifndef LO_CLIENTS_REPL_H
#define LO_CLIENTS_REPL_H

#include <stdio.h>

#include "clients/conn.h"

/* Evaluate source and print its output and values on stdout, an error on
 * stderr: 0, or an exit code (conn.h's). */
int lo_eval_print(struct lo_conn *c, const char *source, size_t len);
/* Every form of in, one after another, as lo_eval_print; stops at the
 * first error. */
int lo_eval_stream(struct lo_conn *c, FILE *in);
/* The REPL on the terminal until end of input; history kept in
 * history_file ("" for none). */
int lo_repl(struct lo_conn *c, const char *user, const char *history_file);

/* An error reply's type, message and backtrace, on stderr. */
void lo_print_error(const msgpack_object *error);
/* Send the request packed and wait: LO_CONN_OK with the reply when it
 * succeeded; else the exit code, the server's error or the failure
 * printed (and nothing to free). */
int lo_call(struct lo_conn *c, struct lo_reply *r);

#endif
