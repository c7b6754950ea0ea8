/*
 * input.c -- input streams and reading (streams.h has the layout):
 *
 *   make-string-input-stream read-char read-char-no-hang peek-char
 *   unread-char read-line listen clear-input read
 *   read-preserving-whitespace read-from-string read-delimited-list
 *   file-position stream-element-type interactive-stream-p open
 *
 * and for lisp/boot/25-input.lisp, which has WITH-INPUT-FROM-STRING, LOAD
 * and WITH-OPEN-FILE: %STRING-INPUT-STREAM-INDEX (:index), %INPUT-OFFSET
 * and %INPUT-LINE-COLUMN (where LOAD met a form it could not read).
 *
 * An input stream's text is UTF-8 with a NUL after it, in a byte vector:
 * the form the reader (reader.c) reads.  So READ from a stream is the
 * reader itself on the stream's text from its position, which then moves
 * past what the reader consumed, and the reader's limits (nesting depth,
 * token length) hold for streams as for any text.  Characters are decoded
 * from the same text one at a time.  The text is made valid UTF-8 when
 * the stream is made (a file's malformed bytes become U+FFFD), so a
 * position steps back over a character (UNREAD-CHAR) by skipping its
 * continuation bytes.  A NUL character in the text ends what READ sees
 * (the reader takes it for the end), though READ-CHAR still returns it.
 *
 * Host files come through lo_file_read_all (drivers/platform.h): OPEN
 * reads the whole file into the stream's text at once.
 */
#include <string.h>

#include "drivers/printf.h"
#include "lisp/numbers.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

/* The largest host file OPEN reads: its text lives in the heap. */
#define LO_FILE_MAX ((size_t)256 << 20)
/* The longest host path, in UTF-8 bytes. */
enum { PATH_MAX_BYTES = 4096 };

/* ---- an input stream's text ---- */

struct input {
    const unsigned char *text;  /* UTF-8, a NUL at end */
    uint64_t pos, end;          /* byte offsets: the next character, the end */
};

static struct input input_of(lo_value s)
{
    uint64_t *p = lo_ptr(s);
    if (lo_stream_kind(s) == LO_STREAM_CONSOLE)    /* no console input yet */
        return (struct input){ (const unsigned char *)"", 0, 0 };
    return (struct input){ lo_bytes_data(p[STREAM_BUFFER]),
                           (uint64_t)lo_fixnum_value(p[STREAM_POSITION]),
                           (uint64_t)lo_fixnum_value(p[STREAM_END]) };
}

/* Store the position in back into the stream. */
static void input_moved(lo_value s, const struct input *in)
{
    if (lo_stream_kind(s) != LO_STREAM_CONSOLE)
        lo_ptr(s)[STREAM_POSITION] = lo_fixnum((int64_t)in->pos);
}

/* The character at the position (there must be one), and taking it. */
static uint32_t peek_code(const struct input *in)
{
    const unsigned char *p = in->text + in->pos;
    return lo_utf8_next(&p, in->text + in->end);
}

static uint32_t next_code(struct input *in)
{
    const unsigned char *p = in->text + in->pos;
    uint32_t c = lo_utf8_next(&p, in->text + in->end);
    in->pos = (uint64_t)(p - in->text);
    return c;
}

/* Characters (not bytes) in the text before byte offset pos. */
static uint64_t chars_before(const struct input *in, uint64_t pos)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < pos; i++)
        n += (in->text[i] & 0xc0) != 0x80;
    return n;
}

/* The byte offset of character k (the end when there are fewer). */
static uint64_t offset_of_char(const struct input *in, uint64_t k)
{
    struct input at = *in;
    at.pos = 0;
    while (k-- > 0 && at.pos < at.end)
        next_code(&at);
    return at.pos;
}

/* The standard syntax's whitespace[2], which PEEK-CHAR T and READ skip. */
static bool whitespace(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* ---- making input streams ---- */

/* A byte vector holding chars[0..n) in UTF-8, then a NUL; *bytes gets
 * the length without the NUL.  chars may be in the heap: allocating
 * moves nothing. */
static lo_value text_from_chars(lo_lisp *L, const uint32_t *chars,
                                uint64_t n, uint64_t *bytes)
{
    char utf8[4];
    uint64_t len = 0;
    for (uint64_t i = 0; i < n; i++)
        len += lo_utf8_encode(chars[i], utf8);
    lo_value text = lo_alloc_bytes(L, len + 1);     /* zeroed: the NUL */
    char *out = (char *)lo_bytes_data(text);
    for (uint64_t i = 0, at = 0; i < n; i++)
        at += lo_utf8_encode(chars[i], out + at);
    *bytes = len;
    return text;
}

/* The same from UTF-8 bytes that may be malformed (a host file's):
 * decoded and encoded again, so the text is valid UTF-8. */
static lo_value text_from_utf8(lo_lisp *L, const char *s, size_t n,
                               uint64_t *bytes)
{
    const unsigned char *end = (const unsigned char *)s + n;
    char utf8[4];
    uint64_t len = 0;
    for (const unsigned char *p = (const unsigned char *)s; p < end;)
        len += lo_utf8_encode(lo_utf8_next(&p, end), utf8);
    lo_value text = lo_alloc_bytes(L, len + 1);
    char *out = (char *)lo_bytes_data(text);
    uint64_t at = 0;
    for (const unsigned char *p = (const unsigned char *)s; p < end;)
        at += lo_utf8_encode(lo_utf8_next(&p, end), out + at);
    *bytes = len;
    return text;
}

static lo_value make_input(lo_lisp *L, enum lo_stream_kind kind,
                           lo_value text, uint64_t bytes, uint64_t start,
                           lo_value name)
{
    lo_value s = lo_make_stream(L, kind, LO_STREAM_IN);
    uint64_t *p = lo_ptr(s);
    p[STREAM_BUFFER] = text;
    p[STREAM_END] = lo_fixnum((int64_t)bytes);
    p[STREAM_START] = lo_fixnum((int64_t)start);
    p[STREAM_NAME] = name;
    return s;
}

/* A stream reading string[start..end). */
static lo_value string_input_stream(lo_lisp *L, lo_value string,
                                    uint64_t start, uint64_t end)
{
    uint64_t bytes;
    lo_value text = text_from_chars(L, lo_string_chars(string) + start,
                                    end - start, &bytes);
    return make_input(L, LO_STREAM_STRING_INPUT, text, bytes, start, L->nil);
}

lo_value lo_make_text_input_stream(lo_lisp *L, const char *text, size_t n)
{
    lo_value bytes = lo_alloc_bytes(L, n + 1);      /* zeroed: the NUL */
    memcpy(lo_bytes_data(bytes), text, n);
    return make_input(L, LO_STREAM_STRING_INPUT, bytes, n, 0, L->nil);
}

uint64_t lo_stream_position(lo_value stream)
{
    return input_of(stream).pos;
}

void lo_stream_set_position(lo_value stream, uint64_t pos)
{
    struct input in = input_of(stream);
    in.pos = pos < in.end ? pos : in.end;
    input_moved(stream, &in);
}

/* (make-string-input-stream string &optional start end) */
LO_PRIMITIVE(p_make_string_input_stream, "MAKE-STRING-INPUT-STREAM",
             CL, ANY, 1, 3, "(string &optional (start 0) end)",
             "A fresh input stream reading the characters of STRING from "
             "START up to END, as they are now: later changes to STRING are "
             "not seen.")
{
    const char *op = "MAKE-STRING-INPUT-STREAM";
    lo_value s = lo_arg_string(L, args[0]);
    lo_check_access(L, s, LO_ACCESS_READ, op);
    uint64_t start, end;
    lo_bounds(L, op, nargs > 1 ? args[1] : LO_UNBOUND, nargs > 2 ? args[2] : LO_UNBOUND,
              lo_string_length(s), &start, &end);
    return string_input_stream(L, s, start, end);
}

/* ---- reading characters ---- */

/* What a reading function does at the end of stream: signal END-OF-FILE
 * when eof-error-p is true, else return eof-value. */
static lo_value at_eof(lo_lisp *L, lo_value stream, lo_value eof_error_p,
                       lo_value eof_value, const char *op)
{
    if (!lo_null(L, eof_error_p))
        lo_error_initargs(L, "END-OF-FILE",
                          &(struct lo_initarg){ "STREAM", stream }, 1,
                          "%s: end of file", op);
    return eof_value;
}

/* The arguments (&optional stream (eof-error-p t) eof-value recursive-p)
 * most reading functions take, from a[i] on. */
struct read_args {
    lo_value stream, eof_error_p, eof_value;
    bool recursive;
};

static struct read_args read_args(lo_lisp *L, lo_value *a, uint32_t n,
                                  uint32_t i, const char *op)
{
    struct read_args r;
    r.stream = lo_input_stream(L, i < n ? a[i] : L->nil, op);
    r.eof_error_p = i + 1 < n ? a[i + 1] : L->t;
    r.eof_value = i + 2 < n ? a[i + 2] : L->nil;
    r.recursive = i + 3 < n && !lo_null(L, a[i + 3]);
    return r;
}

static lo_value read_char(lo_lisp *L, lo_value *a, uint32_t n,
                          const char *op)
{
    struct read_args r = read_args(L, a, n, 0, op);
    struct input in = input_of(r.stream);
    if (in.pos >= in.end)
        return at_eof(L, r.stream, r.eof_error_p, r.eof_value, op);
    uint32_t c = next_code(&in);
    input_moved(r.stream, &in);
    return lo_char(c);
}

LO_PRIMITIVE(p_read_char, "READ-CHAR", CL, ANY, 0, 4,
             "(&optional (input-stream *standard-input*) (eof-error-p t) "
             "eof-value recursive-p)",
             "The next character of INPUT-STREAM, taken from it.  At the "
             "end: END-OF-FILE when EOF-ERROR-P is true, else EOF-VALUE.")
{
    return read_char(L, args, nargs, "READ-CHAR");
}

/* String and file streams have all their text at hand and the console
 * none, so nothing ever waits: READ-CHAR-NO-HANG is READ-CHAR. */
LO_PRIMITIVE(p_read_char_no_hang, "READ-CHAR-NO-HANG", CL, ANY, 0, 4,
             "(&optional (input-stream *standard-input*) (eof-error-p t) "
             "eof-value recursive-p)",
             "As READ-CHAR: no stream in LispOS ever has to wait for a "
             "character.")
{
    return read_char(L, args, nargs, "READ-CHAR-NO-HANG");
}

/* (peek-char &optional peek-type stream eof-error-p eof-value recursive-p):
 * the next character, left in the stream; peek-type t first skips
 * whitespace, a character skips up to that character. */
LO_PRIMITIVE(p_peek_char, "PEEK-CHAR", CL, ANY, 0, 5,
             "(&optional (peek-type nil) (input-stream *standard-input*) "
             "(eof-error-p t) eof-value recursive-p)",
             "The next character of INPUT-STREAM, left in it; with "
             "PEEK-TYPE T, the next one that is not whitespace, with a "
             "character PEEK-TYPE, the next one equal to it (those before "
             "are skipped).  At the end: END-OF-FILE when EOF-ERROR-P is "
             "true, else EOF-VALUE.")
{
    const char *op = "PEEK-CHAR";
    lo_value type = nargs > 0 ? args[0] : L->nil;
    if (!lo_null(L, type) && !lo_eq(type, L->t) && !lo_charp(type))
        lo_arg_error(L, type, "(OR CHARACTER BOOLEAN)");
    struct read_args r = read_args(L, args, nargs, 1, op);
    struct input in = input_of(r.stream);
    for (; in.pos < in.end; next_code(&in)) {
        uint32_t c = peek_code(&in);
        if (lo_null(L, type) ||
            (lo_eq(type, L->t) ? !whitespace(c) : c == lo_char_code(type))) {
            input_moved(r.stream, &in);
            return lo_char(c);
        }
    }
    input_moved(r.stream, &in);
    return at_eof(L, r.stream, r.eof_error_p, r.eof_value, op);
}

/* (unread-char character &optional stream): back one character.  As in
 * SBCL the position moves back whatever the character given. */
LO_PRIMITIVE(p_unread_char, "UNREAD-CHAR", CL, ANY, 1, 2,
             "(character &optional (input-stream *standard-input*))",
             "Put back the character last read from INPUT-STREAM, which "
             "CHARACTER should be; NIL.  STREAM-ERROR when nothing was read.")
{
    const char *op = "UNREAD-CHAR";
    lo_arg_character(L, args[0]);
    lo_value s = lo_input_stream(L, nargs > 1 ? args[1] : L->nil, op);
    struct input in = input_of(s);
    if (in.pos == 0)
        lo_error_initargs(L, "STREAM-ERROR",
                          &(struct lo_initarg){ "STREAM", s }, 1,
                          "%s: nothing was read from the stream", op);
    do
        in.pos--;
    while (in.pos > 0 && (in.text[in.pos] & 0xc0) == 0x80);
    input_moved(s, &in);
    return L->nil;
}

/* (read-line &optional stream eof-error-p eof-value recursive-p): the line
 * without its newline, and whether the end came before a newline. */
LO_PRIMITIVE(p_read_line, "READ-LINE", CL, ANY, 0, 4,
             "(&optional (input-stream *standard-input*) (eof-error-p t) "
             "eof-value recursive-p)",
             "The next line of INPUT-STREAM as a fresh string without its "
             "newline, and whether the end came before a newline.  At the "
             "end: END-OF-FILE when EOF-ERROR-P is true, else EOF-VALUE.")
{
    const char *op = "READ-LINE";
    struct read_args r = read_args(L, args, nargs, 0, op);
    struct input in = input_of(r.stream);
    lo_value v[2] = { L->nil, L->t };
    if (in.pos >= in.end) {
        v[0] = at_eof(L, r.stream, r.eof_error_p, r.eof_value, op);
        return lo_values(L, 2, v);
    }
    uint64_t len = 0;
    while (in.pos + len < in.end && in.text[in.pos + len] != '\n')
        len++;
    bool newline = in.pos + len < in.end;
    v[0] = lo_make_string(L, (const char *)in.text + in.pos, len);
    v[1] = lo_truth(L, !newline);
    in.pos += len + newline;
    input_moved(r.stream, &in);
    return lo_values(L, 2, v);
}

/* (listen &optional stream): whether a character is there now. */
LO_PRIMITIVE(p_listen, "LISTEN", CL, ANY, 0, 1,
             "(&optional (input-stream *standard-input*))",
             "True when a character is there to be read from INPUT-STREAM.")
{
    struct input in = input_of(lo_input_stream(L, nargs > 0 ? args[0] : L->nil,
                                               "LISTEN"));
    return lo_truth(L, in.pos < in.end);
}

/* (clear-input &optional stream): nothing is buffered apart from the
 * text itself, which is not thrown away. */
LO_PRIMITIVE(p_clear_input, "CLEAR-INPUT", CL, ANY, 0, 1,
             "(&optional (input-stream *standard-input*))",
             "NIL, after checking INPUT-STREAM: nothing is buffered apart "
             "from the stream's text.")
{
    lo_input_stream(L, nargs > 0 ? args[0] : L->nil, "CLEAR-INPUT");
    return L->nil;
}

/* ---- reading objects ---- */

/*
 * One object from the stream by the reader; the position moves past it
 * and, unless preserve or r->recursive, past one whitespace character
 * after it (as SBCL's READ does, whatever the object).  While the reader
 * runs the stream counts as read to its end: a form with an error leaves
 * it there, so a program that handles the error and reads on does not
 * meet the same text again.
 */
static lo_value read_object(lo_lisp *L, const struct read_args *r,
                            bool preserve, const char *op)
{
    struct input in = input_of(r->stream), done = in;
    done.pos = in.end;
    input_moved(r->stream, &done);
    const char *start = (const char *)in.text + in.pos, *cursor = start;
    struct lo_read_source src = { (const char *)in.text, r->stream };
    lo_value form;
    bool found = lo_read_from(L, &src, &cursor, &form);
    in.pos += (uint64_t)(cursor - start);
    if (found && !preserve && !r->recursive && in.pos < in.end &&
        whitespace(in.text[in.pos]))
        in.pos++;
    input_moved(r->stream, &in);
    return found ? form
                 : at_eof(L, r->stream, r->eof_error_p, r->eof_value, op);
}

/* (read &optional stream eof-error-p eof-value recursive-p) */
LO_PRIMITIVE(p_read, "READ", CL, ANY, 0, 4,
             "(&optional (input-stream *standard-input*) (eof-error-p t) "
             "eof-value recursive-p)",
             "The next object the reader reads from INPUT-STREAM; one "
             "whitespace character after it is consumed too.  At the end: "
             "END-OF-FILE when EOF-ERROR-P is true, else EOF-VALUE; a "
             "malformed object is a READER-ERROR.")
{
    struct read_args r = read_args(L, args, nargs, 0, "READ");
    return read_object(L, &r, false, "READ");
}

LO_PRIMITIVE(p_read_preserving_whitespace, "READ-PRESERVING-WHITESPACE",
             CL, ANY, 0, 4,
             "(&optional (input-stream *standard-input*) (eof-error-p t) "
             "eof-value recursive-p)",
             "As READ, leaving the whitespace after the object in "
             "INPUT-STREAM.")
{
    const char *op = "READ-PRESERVING-WHITESPACE";
    struct read_args r = read_args(L, args, nargs, 0, op);
    return read_object(L, &r, true, op);
}

/* (read-from-string string &optional (eof-error-p t) eof-value &key start
 * end preserve-whitespace): the object and the index after it -- READ
 * on a string input stream over string[start..end). */
LO_PRIMITIVE(p_read_from_string, "READ-FROM-STRING", CL, ANY, 1, -1,
             "(string &optional (eof-error-p t) eof-value &key (start 0) "
             "end preserve-whitespace)",
             "The object read from STRING between START and END, and the "
             "index of the first character not read.  At the end: "
             "END-OF-FILE when EOF-ERROR-P is true, else EOF-VALUE.")
{
    const char *op = "READ-FROM-STRING";
    lo_value s = lo_arg_string(L, args[0]), k[3];
    lo_check_access(L, s, LO_ACCESS_READ, op);
    lo_parse_keys(L, op, args, nargs, 3, "START END PRESERVE-WHITESPACE", k);
    uint64_t start, end;
    lo_bounds(L, op, k[0], k[1], lo_string_length(s), &start, &end);
    struct read_args r = { string_input_stream(L, s, start, end),
                           nargs > 1 ? args[1] : L->t, nargs > 2 ? args[2] : L->nil,
                           false };
    lo_value v[2];
    v[0] = read_object(L, &r, lo_given(L, k[2]), op);
    struct input in = input_of(r.stream);
    v[1] = lo_fixnum((int64_t)(start + chars_before(&in, in.pos)));
    return lo_values(L, 2, v);
}

/* (read-delimited-list char &optional stream recursive-p): objects up to
 * char, which is consumed.  The end of the text before it is an
 * END-OF-FILE error. */
LO_PRIMITIVE(p_read_delimited_list, "READ-DELIMITED-LIST", CL, ANY, 1, 3,
             "(char &optional (input-stream *standard-input*) recursive-p)",
             "A list of the objects read from INPUT-STREAM up to the "
             "character CHAR, which is read too.  The end of the stream "
             "before CHAR is an END-OF-FILE.")
{
    const char *op = "READ-DELIMITED-LIST";
    lo_arg_character(L, args[0]);
    struct read_args r = { lo_input_stream(L, nargs > 1 ? args[1] : L->nil, op),
                           L->t, L->nil, true };
    lo_value head = L->nil, tail = L->nil;
    for (;;) {
        struct input in = input_of(r.stream);
        const char *at = lo_read_skip(L, (const char *)in.text + in.pos);
        in.pos = (uint64_t)((const unsigned char *)at - in.text);
        input_moved(r.stream, &in);
        if (in.pos < in.end && peek_code(&in) == lo_char_code(args[0])) {
            next_code(&in);
            input_moved(r.stream, &in);
            return head;
        }
        lo_value cell = lo_cons(L, read_object(L, &r, true, op), L->nil);
        if (lo_null(L, head))
            head = cell;
        else
            lo_ptr(tail)[2] = cell;
        tail = cell;
    }
}

/* ---- positions and the rest of the stream protocol ---- */

/* The new position (file-position stream spec) asks for: :start, :end or
 * an index; false when it is beyond the end. */
static bool seek_target(lo_lisp *L, lo_value spec, uint64_t end,
                        uint64_t *to)
{
    if (lo_keyword_is(spec, "START"))
        *to = 0;
    else if (lo_keyword_is(spec, "END"))
        *to = end;
    else if (lo_fixnump(spec) && lo_fixnum_value(spec) >= 0)
        *to = (uint64_t)lo_fixnum_value(spec);
    else if (lo_integerp(spec) && lo_int_compare(spec, lo_fixnum(0)) > 0)
        return false;                   /* a bignum: far beyond */
    else
        lo_arg_error(L, spec, "(OR UNSIGNED-BYTE (MEMBER :START :END))");
    return *to <= end;
}

/*
 * (file-position stream &optional position): where a stream is -- in
 * characters from its start for a string stream (SBCL's string input
 * streams count from their :start), in bytes for a file -- or, with
 * position, move an input stream there (T; NIL when beyond the end).
 * The console has no position (NIL).
 */
LO_PRIMITIVE(p_file_position, "FILE-POSITION", CL, ANY, 1, 2,
             "(stream &optional position)",
             "Where STREAM is: characters from its start for a string "
             "stream, bytes for a file; NIL for the console.  With POSITION "
             "(an index, :START or :END), move an input stream there: T, or "
             "NIL when it is beyond the end.")
{
    const char *op = "FILE-POSITION";
    lo_value s = lo_arg_stream(L, args[0]);
    enum lo_stream_kind kind = lo_stream_kind(s);
    if (lo_stream_flags(s) & LO_STREAM_CLOSED)
        lo_error_initargs(L, "STREAM-ERROR",
                          &(struct lo_initarg){ "STREAM", s }, 1,
                          "%s: the stream is closed", op);
    if (kind == LO_STREAM_CONSOLE)
        return L->nil;
    if (kind == LO_STREAM_STRING)
        return nargs > 1 ? L->nil : lo_ptr(s)[STREAM_FILL];
    lo_check_access(L, s, LO_ACCESS_READ, op);
    struct input in = input_of(s);
    bool chars = kind == LO_STREAM_STRING_INPUT;
    if (nargs < 2)
        return lo_fixnum((int64_t)(chars ? chars_before(&in, in.pos)
                                         : in.pos));
    uint64_t to;
    if (!seek_target(L, args[1], chars ? chars_before(&in, in.end) : in.end,
                     &to))
        return L->nil;
    if (chars)
        in.pos = offset_of_char(&in, to);
    else        /* a byte inside a character: back to its start */
        for (in.pos = to; in.pos > 0 && in.pos < in.end &&
                          (in.text[in.pos] & 0xc0) == 0x80;)
            in.pos--;
    input_moved(s, &in);
    return L->t;
}

/* (%string-input-stream-index stream): the index in the string where the
 * next character comes from (WITH-INPUT-FROM-STRING's :index). */
LO_PRIMITIVE(p_string_input_stream_index, "%STRING-INPUT-STREAM-INDEX",
             INTERNAL, ANY, 1, 1, "(stream)",
             "The index in its string of the next character of the string "
             "input stream STREAM: what WITH-INPUT-FROM-STRING stores in "
             "its :INDEX place.")
{
    const char *op = "WITH-INPUT-FROM-STRING";
    lo_value s = args[0];
    if (!lo_streamp(s) || lo_stream_kind(s) != LO_STREAM_STRING_INPUT)
        lo_arg_error_op(L, op, s, "STRING-INPUT-STREAM");
    if (lo_stream_flags(s) & LO_STREAM_CLOSED)
        lo_error(L, "STREAM-ERROR", "%s: the stream is closed", op);
    struct input in = input_of(s);
    return lo_fixnum(lo_fixnum_value(lo_ptr(s)[STREAM_START]) +
                     (int64_t)chars_before(&in, in.pos));
}

/* (%input-offset stream): the byte offset of the next character, for
 * %INPUT-LINE-COLUMN (LOAD's messages); constant time, unlike
 * FILE-POSITION of a string stream. */
LO_PRIMITIVE(p_input_offset, "%INPUT-OFFSET", INTERNAL, ANY, 1, 1,
             "(input-stream)",
             "The byte offset in the text of INPUT-STREAM of its next "
             "character, in constant time: LOAD keeps it to say where a "
             "form that cannot be read starts.")
{
    struct input in = input_of(lo_input_stream(L, args[0], "%INPUT-OFFSET"));
    return lo_fixnum((int64_t)in.pos);
}

/* (%input-line-column stream offset): the line (from 1) and column (from
 * 0) of the first character after the blanks and comments at offset --
 * where the form read from there starts. */
LO_PRIMITIVE(p_input_line_column, "%INPUT-LINE-COLUMN", INTERNAL, ANY, 2, 2,
             "(input-stream offset)",
             "Two values, the line (from 1) and the column (from 0) in "
             "INPUT-STREAM of the first character after the whitespace and "
             "comments at byte OFFSET: where LOAD reports a form it cannot "
             "read.")
{
    struct input in = input_of(lo_input_stream(L, args[0],
                                               "%INPUT-LINE-COLUMN"));
    uint64_t at = lo_index_arg(L, args[1], "%INPUT-LINE-COLUMN");
    if (at > in.end)
        at = in.end;
    const char *form = lo_read_skip(L, (const char *)in.text + at);
    uint64_t line = 1, column = 0;
    for (const unsigned char *p = in.text; p < (const unsigned char *)form;
         p++) {
        if (*p == '\n') {
            line++;
            column = 0;
        } else if ((*p & 0xc0) != 0x80) {
            column++;
        }
    }
    lo_value v[2] = { lo_fixnum((int64_t)line), lo_fixnum((int64_t)column) };
    return lo_values(L, 2, v);
}

/* Every stream here holds characters. */
LO_PRIMITIVE(p_stream_element_type, "STREAM-ELEMENT-TYPE", CL, ANY, 1, 1,
             "(stream)",
             "CHARACTER: every stream in LispOS holds characters.")
{
    lo_arg_stream(L, args[0]);
    return lo_intern(L, "CHARACTER");
}

/* Nothing is interactive: the console's input is not read yet. */
LO_PRIMITIVE(p_interactive_stream_p, "INTERACTIVE-STREAM-P", CL, ANY, 1, 1,
             "(stream)",
             "NIL: no stream is interactive yet (the console's input is "
             "read by the host).")
{
    lo_arg_stream(L, args[0]);
    return L->nil;
}

/* ---- host files ---- */

/* Signal a FILE-ERROR about the file pathname names (path on the host),
 * which FILE-ERROR-PATHNAME gives. */
static _Noreturn void file_error(lo_lisp *L, lo_value pathname,
                                 const char *path, const char *reason)
{
    char message[LO_ERROR_MAX];
    lo_snprintf(message, sizeof message, "OPEN: cannot open \"%s\": %s",
                path, reason);
    lo_snprintf(L->error, sizeof L->error, "FILE-ERROR: %s", message);
    lo_value data = lo_cons(L, lo_intern_keyword(L, "PATHNAME"),
                            lo_cons(L, pathname, L->nil));
    lo_raise(L, lo_make_condition(L, lo_intern(L, "FILE-ERROR"),
                                  lo_make_string(L, message, strlen(message)),
                                  data));
}

/* A pathname designator (a string: there are no pathname objects yet)
 * as a host path in path[PATH_MAX_BYTES]. */
static void host_path(lo_lisp *L, lo_value v, char *path, const char *op)
{
    lo_check_access(L, lo_arg_string(L, v), LO_ACCESS_READ, op);
    uint64_t len = lo_string_length(v), bytes = 0;
    for (uint64_t i = 0; i < len; i++) {
        char utf8[4];
        uint32_t c = lo_string_ref(v, i);
        size_t k = lo_utf8_encode(c, utf8);
        if (c == 0 || bytes + k >= PATH_MAX_BYTES)
            lo_error_initargs(L, "FILE-ERROR",
                              &(struct lo_initarg){ "PATHNAME", v }, 1,
                              "%s: not a usable path (a NUL, or longer "
                              "than %d bytes)", op, PATH_MAX_BYTES - 1);
        memcpy(path + bytes, utf8, k);
        bytes += k;
    }
    path[bytes] = '\0';
}

/* OPEN's options for the file filespec, checked: only reading character
 * files is supported; true when a missing file gives NIL
 * (:if-does-not-exist nil). */
static bool open_options(lo_lisp *L, lo_value filespec, const lo_value *k,
                         const char *op)
{
    lo_value direction = k[0], type = k[1], missing = k[3];
    struct lo_initarg pathname = { "PATHNAME", filespec };
    if (direction != LO_UNBOUND && !lo_keyword_is(direction, "INPUT"))
        lo_error_initargs(L, "FILE-ERROR", &pathname, 1, "%s: only "
                          ":DIRECTION :INPUT is supported (host files are "
                          "only read)", op);
    if (type != LO_UNBOUND && !lo_keyword_is(type, "DEFAULT") &&
        !lo_type_named(type, "CHARACTER") && !lo_type_named(type, "BASE-CHAR"))
        lo_error_initargs(L, "FILE-ERROR", &pathname, 1, "%s: only "
                          "character files are supported", op);
    if (missing == LO_UNBOUND || lo_keyword_is(missing, "ERROR"))
        return false;
    if (!lo_null(L, missing))
        lo_error_initargs(L, "FILE-ERROR", &pathname, 1, "%s: "
                          ":IF-DOES-NOT-EXIST must be :ERROR or NIL (host "
                          "files are only read)", op);
    return true;
}

/*
 * (open filespec &key direction element-type if-exists if-does-not-exist
 * external-format): a stream reading the host file filespec names, its
 * whole text read now.  Only reading is supported (host files are a way
 * in for source text; LispOS's data lives in the store); a missing file
 * is a FILE-ERROR, or NIL with :if-does-not-exist nil.
 */
LO_PRIMITIVE(p_open, "OPEN", CL, SYSTEM, 1, -1,
             "(filespec &key direction element-type if-exists "
             "if-does-not-exist external-format)",
             "A stream reading the host file FILESPEC (a string) names, its "
             "whole text read now as UTF-8.  Only reading character files "
             "is supported (DIRECTION :INPUT); a missing file is a "
             "FILE-ERROR, or NIL with IF-DOES-NOT-EXIST NIL.  System "
             "environment only: it reaches the host's files.")
{
    const char *op = "OPEN";
    lo_value k[5];
    lo_parse_keys(L, op, args, nargs, 1, "DIRECTION ELEMENT-TYPE IF-EXISTS "
                  "IF-DOES-NOT-EXIST EXTERNAL-FORMAT", k);
    bool missing_nil = open_options(L, args[0], k, op);
    char path[PATH_MAX_BYTES];
    host_path(L, args[0], path, op);
    char *buf;
    size_t len;
    int status = lo_file_read_all(path, LO_FILE_MAX, &buf, &len);
    if (status == LO_ENOENT && missing_nil)
        return L->nil;
    if (status != LO_OK)
        file_error(L, args[0], path, status == LO_ERANGE ? "larger than 256 MiB"
                   : status == LO_EINVAL ? "not a regular file"
                   : lo_strerror(status));
    uint64_t bytes;
    lo_value text = text_from_utf8(L, buf, len, &bytes);
    lo_mem_free(buf);
    lo_value name = lo_make_string(L, path, strlen(path));
    return make_input(L, LO_STREAM_FILE_INPUT, text, bytes, 0, name);
}

const struct lo_primitive *const lo_prims_input[] = {
    LO_ROW(p_make_string_input_stream),
    LO_ROW(p_read_char),
    LO_ROW(p_read_char_no_hang),
    LO_ROW(p_peek_char),
    LO_ROW(p_unread_char),
    LO_ROW(p_read_line),
    LO_ROW(p_listen),
    LO_ROW(p_clear_input),
    LO_ROW(p_read),
    LO_ROW(p_read_preserving_whitespace),
    LO_ROW(p_read_from_string),
    LO_ROW(p_read_delimited_list),
    LO_ROW(p_file_position),
    LO_ROW(p_string_input_stream_index),
    LO_ROW(p_input_offset),
    LO_ROW(p_input_line_column),
    LO_ROW(p_stream_element_type),
    LO_ROW(p_interactive_stream_p),
    LO_ROW(p_open),
    NULL,
};
