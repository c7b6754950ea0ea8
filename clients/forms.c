/*
 * forms.c -- finding the end of a Lisp form (forms.h).  A small scanner
 * over the text: scan_datum returns the position after one datum, or
 * NOT_ENDED when the text stops first.
 */
#include <stdbool.h>
#include <string.h>

#include "clients/forms.h"

#define NOT_ENDED ((size_t)-1)

struct scan {
    const char *s;
    size_t len;
};

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

static bool ends_token(char c)
{
    return is_blank(c) || strchr("()\"';`,", c) != NULL;
}

/* Past blanks and comments; NOT_ENDED inside an unclosed #|...|#. */
static size_t skip_blanks(const struct scan *sc, size_t i)
{
    while (i < sc->len) {
        if (is_blank(sc->s[i])) {
            i++;
        } else if (sc->s[i] == ';') {
            while (i < sc->len && sc->s[i] != '\n')
                i++;
        } else if (sc->s[i] == '#' && i + 1 < sc->len && sc->s[i + 1] == '|') {
            int depth = 1;
            for (i += 2; depth > 0; i++) {
                if (i + 1 >= sc->len)
                    return NOT_ENDED;
                if (sc->s[i] == '|' && sc->s[i + 1] == '#')
                    depth--, i++;
                else if (sc->s[i] == '#' && sc->s[i + 1] == '|')
                    depth++, i++;
            }
        } else {
            break;
        }
    }
    return i;
}

/* Past text quoted by `close` (a string's " or a symbol's |), i at the
 * opening one. */
static size_t skip_quoted(const struct scan *sc, size_t i, char close)
{
    for (i++; i < sc->len; i++) {
        if (sc->s[i] == '\\')
            i++;
        else if (sc->s[i] == close)
            return i + 1;
    }
    return NOT_ENDED;
}

/* Past a token (a symbol or number), its |escaped| parts included. */
static size_t skip_token(const struct scan *sc, size_t i)
{
    while (i < sc->len && !ends_token(sc->s[i])) {
        if (sc->s[i] == '|') {
            if ((i = skip_quoted(sc, i, '|')) == NOT_ENDED)
                return NOT_ENDED;
        } else {
            i += sc->s[i] == '\\' ? 2 : 1;
        }
    }
    return i > sc->len ? NOT_ENDED : i;
}

static size_t scan_datum(const struct scan *sc, size_t i);

/* Past the datum after blanks. */
static size_t next_datum(const struct scan *sc, size_t i)
{
    i = skip_blanks(sc, i);
    return i == NOT_ENDED || i >= sc->len ? NOT_ENDED : scan_datum(sc, i);
}

/* Past a list's elements and its ), i after its (. */
static size_t scan_list(const struct scan *sc, size_t i)
{
    for (;;) {
        i = skip_blanks(sc, i);
        if (i == NOT_ENDED || i >= sc->len)
            return NOT_ENDED;
        if (sc->s[i] == ')')
            return i + 1;
        if ((i = scan_datum(sc, i)) == NOT_ENDED)
            return NOT_ENDED;
    }
}

/* After #: a dispatching macro. */
static size_t scan_sharp(const struct scan *sc, size_t i)
{
    size_t at = i + 1;
    while (at < sc->len && sc->s[at] >= '0' && sc->s[at] <= '9')
        at++;                           /* #2A, #1= ... */
    if (at >= sc->len)
        return NOT_ENDED;
    switch (sc->s[at]) {
    case '\\':                          /* #\x, #\Space */
        return at + 1 < sc->len ? skip_token(sc, at + 2) : NOT_ENDED;
    case '(':
        return scan_list(sc, at + 1);
    case '+': case '-':                 /* a feature, then a form */
        at = next_datum(sc, at + 1);
        return at == NOT_ENDED ? NOT_ENDED : next_datum(sc, at);
    case '\'': case '.': case '@': case '=': case 'A': case 'a':
    case 'C': case 'c': case 'S': case 's': case 'P': case 'p':
        return next_datum(sc, at + 1);  /* these take the next datum */
    case '#':
        return at + 1;                  /* #1# */
    default:                            /* #x1F, #b101, #*1010, #:g */
        return skip_token(sc, at + 1);
    }
}

static size_t scan_datum(const struct scan *sc, size_t i)
{
    switch (sc->s[i]) {
    case '(':
        return scan_list(sc, i + 1);
    case ')':
        return i + 1;                   /* stray: the server complains */
    case '"':
        return skip_quoted(sc, i, '"');
    case '\'': case '`':
        return next_datum(sc, i + 1);
    case ',':
        return next_datum(sc, i + 1 < sc->len && sc->s[i + 1] == '@' ? i + 2
                                                                      : i + 1);
    case '#':
        return scan_sharp(sc, i);
    default:
        return skip_token(sc, i);
    }
}

enum lo_form_status lo_form_next(const char *text, size_t len, size_t *start,
                                 size_t *end)
{
    struct scan sc = { text, len };
    size_t i = skip_blanks(&sc, 0);
    if (i == NOT_ENDED)
        return LO_FORM_INCOMPLETE;
    if (i >= len)
        return LO_FORM_NONE;
    size_t after = scan_datum(&sc, i);
    if (after == NOT_ENDED)
        return LO_FORM_INCOMPLETE;
    /* a token at the very end of the text may go on in the next line;
     * a line's end ends it, so the REPL's text always ends with one */
    *start = i;
    *end = after;
    return LO_FORM_COMPLETE;
}
