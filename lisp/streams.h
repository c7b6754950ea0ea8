/*
 * streams.h -- streams (streams.c: output and what every stream has;
 * input.c: input and reading), for the printing functions, FORMAT, the
 * reader's callers and the host.
 *
 * A stream is a heap object (LO_T_STREAM), never a C pointer:
 *
 *   1 kind      (fixnum) enum lo_stream_kind
 *   2 buffer    output: a string stream's characters so far, a string
 *               whose length is the capacity (nil until the first one);
 *               input: the text, UTF-8 in a byte vector with a NUL after
 *               the end -- the form the reader reads (lisp/reader.c)
 *   3 fill/end  (fixnum) output: how many characters are used; input:
 *               the text's length in bytes
 *   4 column/start  (fixnum) output: characters since the last newline
 *               (FRESH-LINE); input from a string: the index in that
 *               string where the text starts (WITH-INPUT-FROM-STRING's
 *               :index)
 *   5 position  (fixnum) input: the byte offset of the next character
 *   6 flags     (fixnum) LO_STREAM_IN, LO_STREAM_OUT, LO_STREAM_CLOSED
 *   7 name      a file stream's path (a string), else nil
 *
 * Console streams are the terminal: what is written to one goes to the
 * writing thread's own buffer (struct lo_lisp's output), which the host
 * takes after each evaluation (lo_lisp_take_output) -- lispos-repl writes
 * it to stdout, the server will send it to the client.  So the console
 * streams *STANDARD-OUTPUT*, *STANDARD-INPUT* and *TERMINAL-IO* hold serve
 * every thread.  Console input is always at its end for now: the host
 * reads the forms it evaluates itself.
 *
 * An input stream's text is made once, when the stream is (from a
 * string's characters or a file's bytes, always valid UTF-8 then), so
 * later changes to the string are not seen.
 *
 * Writing needs the stream's write access bit; GET-OUTPUT-STREAM-STRING
 * its read bit too; reading needs the read bit.  Nothing here calls back
 * into Lisp, and allocating never collects (internal.h, "roots and
 * safepoints"), so a pointer into a stream's text stays good until the
 * next call of lo_vm_apply.
 */
#ifndef LO_LISP_STREAMS_H
#define LO_LISP_STREAMS_H

#include "lisp/internal.h"

enum { STREAM_KIND = 1, STREAM_BUFFER, STREAM_FILL, STREAM_COLUMN,
       STREAM_POSITION, STREAM_FLAGS, STREAM_NAME, STREAM_WORDS };
enum { STREAM_END = STREAM_FILL, STREAM_START = STREAM_COLUMN };
enum lo_stream_kind {
    LO_STREAM_STRING,           /* string output (MAKE-STRING-OUTPUT-STREAM) */
    LO_STREAM_CONSOLE,          /* the terminal, either direction or both */
    LO_STREAM_STRING_INPUT,     /* MAKE-STRING-INPUT-STREAM */
    LO_STREAM_FILE_INPUT,       /* OPEN of a host file, for reading */
};
enum { LO_STREAM_IN = 1, LO_STREAM_OUT = 2, LO_STREAM_CLOSED = 4 };

static inline bool lo_streamp(lo_value v) { return lo_typep(v, LO_T_STREAM); }
/* A stream argument, else a TYPE-ERROR (primitive.h's manner). */
lo_value lo_arg_stream(lo_lisp *L, lo_value v);
static inline enum lo_stream_kind lo_stream_kind(lo_value s)
{
    return (enum lo_stream_kind)lo_fixnum_value(lo_ptr(s)[STREAM_KIND]);
}

static inline unsigned lo_stream_flags(lo_value s)
{
    return (unsigned)lo_fixnum_value(lo_ptr(s)[STREAM_FLAGS]);
}

/* A fresh stream of that kind, open in the directions flags gives, with
 * nothing in it. */
lo_value lo_make_stream(lo_lisp *L, enum lo_stream_kind kind, unsigned flags);
lo_value lo_make_string_stream(lo_lisp *L);
/* What PRINT-OBJECT would call it: "STRING-OUTPUT-STREAM"... */
const char *lo_stream_type_name(lo_value s);

/* An output stream designator: nil is *STANDARD-OUTPUT*, t is
 * *TERMINAL-IO*, a stream itself; it must be an open output stream (else
 * a TYPE-ERROR naming op, or a STREAM-ERROR when closed) with the write
 * access bit. */
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

/* An input stream designator: nil is *STANDARD-INPUT*, t is
 * *TERMINAL-IO*, a stream itself; it must be an open input stream (else a
 * TYPE-ERROR, or a STREAM-ERROR when closed) with the read access bit. */
lo_value lo_input_stream(lo_lisp *L, lo_value designator, const char *op);

/* An input stream over the UTF-8 text[0..n), copied byte for byte, so
 * that its positions are offsets in text (the reader's dispatch
 * functions read from it: reader.c). */
lo_value lo_make_text_input_stream(lo_lisp *L, const char *text, size_t n);
/* An input stream's position, a byte offset in its text, and moving it
 * (within the text). */
uint64_t lo_stream_position(lo_value stream);
void lo_stream_set_position(lo_value stream, uint64_t pos);
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
