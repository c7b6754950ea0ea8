/*
 * forms.h -- where a Lisp form ends in text the user typed (forms.c), so
 * that the REPL knows when input is complete and sends forms one at a
 * time.  Only the syntax that decides where a form ends is known here:
 * parentheses, strings, |escaped symbols|, #\characters, comments (; and
 * #|...|#) and the prefixes that take the next form (' ` , ,@ #' #+ #- #.
 * #@).  The server reads the form itself; a form broken in another way
 * gets the server's reader error.
 */
#ifndef LO_CLIENTS_FORMS_H
#define LO_CLIENTS_FORMS_H

#include <stddef.h>

enum lo_form_status {
    LO_FORM_NONE,               /* only blanks and comments */
    LO_FORM_INCOMPLETE,         /* a form begins but does not end */
    LO_FORM_COMPLETE,           /* text[*start, *end) is one form */
};

/* The first form of text[0, len). */
enum lo_form_status lo_form_next(const char *text, size_t len, size_t *start,
                                 size_t *end);

#endif
