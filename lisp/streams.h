/*
 * streams.h -- output streams (streams.c), for the printing functions,
 * FORMAT and the host.
 *
 * A stream is a heap object (LO_T_STREAM), never a C pointer:
 *
 *   1 kind    (fixnum) LO_STREAM_STRING or LO_STREAM_CONSOLE
 *   2 buffer  a string stream's characters so far: a string whose length
 *             is the capacity (nil until the first character)
 *   3 fill    (fixnum) how many of them are used
 *   4 column  (fixnum) characters since the last newline (FRESH-LINE)
 *
 * A console stream is standard output: what is written to it goes to the
 * writing thread's own buffer (struct lo_lisp's output), which the host
 * takes after each evaluation (lo_lisp_take_output) -- lispos-repl writes
 * it to stdout, the server will send it to the client.  So the one
 * console stream *STANDARD-OUTPUT* holds serves every thread.
 *
 * Writing needs the stream's write access bit; GET-OUTPUT-STREAM-STRING
 * its read bit too.  Nothing here calls back into Lisp, and allocating
 * never collects (internal.h, "roots and safepoints").
 */
#ifndef LO_LISP_STREAMS_H
#define LO_LISP_STREAMS_H

#include "internal.h"

enum { STREAM_KIND = 1, STREAM_BUFFER, STREAM_FILL, STREAM_COLUMN,
       STREAM_WORDS };
enum lo_stream_kind { LO_STREAM_STRING, LO_STREAM_CONSOLE };

static inline bool lo_streamp(lo_value v) { return lo_typep(v, LO_T_STREAM); }
static inline enum lo_stream_kind lo_stream_kind(lo_value s)
{
    return (enum lo_stream_kind)lo_fixnum_value(lo_ptr(s)[STREAM_KIND]);
}

lo_value lo_make_string_stream(lo_lisp *L);

/* An output stream designator: nil is *STANDARD-OUTPUT*, t is
 * *TERMINAL-IO*, a stream itself; else a TYPE-ERROR.  The stream's write
 * access bit is checked. */
lo_value lo_output_stream(lo_lisp *L, lo_value designator, const char *op);

void lo_stream_write_chars(lo_lisp *L, lo_value stream,
                           const uint32_t *chars, uint64_t n);
void lo_stream_write_char(lo_lisp *L, lo_value stream, uint32_t c);
/* Whole UTF-8 sequences only (a split one comes out as U+FFFD). */
void lo_stream_write_utf8(lo_lisp *L, lo_value stream, const char *s,
                          size_t n);
uint64_t lo_stream_column(lo_lisp *L, lo_value stream);
/* A string stream's text as a fresh string; the stream starts again
 * empty (GET-OUTPUT-STREAM-STRING). */
lo_value lo_stream_take_string(lo_lisp *L, lo_value stream);

/* A lo_text (internal.h) writing into stream through buf[cap] (cap at
 * least 8): full buffers are drained into the stream; lo_text_finish
 * drains the rest. */
void lo_text_to_stream(struct lo_text *t, lo_lisp *L, lo_value stream,
                       char *buf, size_t cap);
void lo_text_finish(struct lo_text *t);

/* Printing into a stream, and into a fresh string (write.c); escape as
 * lo_print takes it: 1 PRIN1, 0 PRINC, -1 as *PRINT-ESCAPE* says. */
void lo_print_to_stream(lo_lisp *L, lo_value v, int escape, lo_value stream);
lo_value lo_print_to_string(lo_lisp *L, lo_value v, int escape);

#endif
