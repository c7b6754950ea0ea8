/*
 * streams.c -- output streams: string streams and standard output
 * (streams.h has the layout), the functions that write characters and
 * strings to them, and what every stream has:
 *
 *   make-string-output-stream get-output-stream-string write-char
 *   write-string write-line terpri fresh-line finish-output force-output
 *   clear-output streamp output-stream-p input-stream-p open-stream-p
 *   close
 *
 * and %CONSOLE-STREAM, which lisp/boot calls to make the console streams
 * *STANDARD-OUTPUT*, *STANDARD-INPUT* and *TERMINAL-IO* hold.  Input
 * streams and reading are in input.c.
 */
#include <string.h>

#include "lisp/lisp.h"
#include "lisp/sequences.h"
#include "lisp/streams.h"

/* Standard output a thread may hold before the host takes it. */
#define LO_OUTPUT_MAX (64u << 20)

lo_value lo_make_stream(lo_lisp *L, enum lo_stream_kind kind, unsigned flags)
{
    uint64_t *p = lo_alloc_object(L, LO_T_STREAM, STREAM_WORDS);
    p[STREAM_KIND] = lo_fixnum(kind);
    p[STREAM_BUFFER] = L->nil;
    p[STREAM_FILL] = lo_fixnum(0);
    p[STREAM_COLUMN] = lo_fixnum(0);
    p[STREAM_POSITION] = lo_fixnum(0);
    p[STREAM_FLAGS] = lo_fixnum(flags);
    p[STREAM_NAME] = L->nil;
    return lo_make_object(p);
}

lo_value lo_make_string_stream(lo_lisp *L)
{
    return lo_make_stream(L, LO_STREAM_STRING, LO_STREAM_OUT);
}

const char *lo_stream_type_name(lo_value s)
{
    switch (lo_stream_kind(s)) {
    case LO_STREAM_STRING:       return "STRING-OUTPUT-STREAM";
    case LO_STREAM_STRING_INPUT: return "STRING-INPUT-STREAM";
    case LO_STREAM_FILE_INPUT:   return "FILE-STREAM";
    case LO_STREAM_CONSOLE:      break;
    }
    unsigned both = LO_STREAM_IN | LO_STREAM_OUT;
    return (lo_stream_flags(s) & both) == both ? "TERMINAL-STREAM"
         : lo_stream_flags(s) & LO_STREAM_IN ? "STANDARD-INPUT-STREAM"
         : "STANDARD-OUTPUT-STREAM";
}

/* The stream a designator names (nil: the variable standard, t:
 * *TERMINAL-IO*), checked to be open in direction (LO_STREAM_IN or _OUT)
 * and to carry the access bits. */
static lo_value designated_stream(lo_lisp *L, lo_value designator,
                                  const char *standard, unsigned direction,
                                  unsigned bits, const char *op)
{
    lo_value s = designator;
    bool variable = lo_null(L, s) || lo_eq(s, L->t);
    if (lo_null(L, s))
        s = lo_special_value(L, standard);
    else if (lo_eq(s, L->t))
        s = lo_special_value(L, "*TERMINAL-IO*");
    if (!lo_streamp(s))         /* the variable's value, or the designator */
        lo_arg_error_op(L, op, s, variable ? "STREAM" : "(OR STREAM BOOLEAN)");
    if (lo_stream_flags(s) & LO_STREAM_CLOSED)
        lo_error_initargs(L, "STREAM-ERROR",
                          &(struct lo_initarg){ "STREAM", s }, 1,
                          "%s: the stream is closed", op);
    if (!(lo_stream_flags(s) & direction))
        lo_arg_error_op(L, op, s, direction == LO_STREAM_IN
                                  ? "(SATISFIES INPUT-STREAM-P)"
                                  : "(SATISFIES OUTPUT-STREAM-P)");
    lo_check_access(L, s, bits, op);
    return s;
}

lo_value lo_output_stream(lo_lisp *L, lo_value designator, const char *op)
{
    return designated_stream(L, designator, "*STANDARD-OUTPUT*",
                             LO_STREAM_OUT, LO_ACCESS_WRITE, op);
}

lo_value lo_input_stream(lo_lisp *L, lo_value designator, const char *op)
{
    return designated_stream(L, designator, "*STANDARD-INPUT*", LO_STREAM_IN,
                             LO_ACCESS_READ, op);
}

/* ---- the column, for FRESH-LINE ---- */

static uint64_t column_after(uint64_t column, const uint32_t *chars,
                             uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        column = chars[i] == '\n' ? 0 : column + 1;
    return column;
}

uint64_t lo_stream_column(lo_lisp *L, lo_value stream)
{
    if (lo_stream_kind(stream) == LO_STREAM_CONSOLE)
        return L->output_column;
    return (uint64_t)lo_fixnum_value(lo_ptr(stream)[STREAM_COLUMN]);
}

/* ---- standard output: the thread's byte buffer ---- */

static void console_reserve(lo_lisp *L, size_t more)
{
    if (L->output_len + more <= L->output_cap)
        return;
    if (L->output_len + more > LO_OUTPUT_MAX)
        lo_error(L, "STORAGE-CONDITION", "more than %u bytes of standard "
                 "output in one evaluation", LO_OUTPUT_MAX);
    size_t cap = L->output_cap ? L->output_cap : 4096;
    while (cap < L->output_len + more)
        cap *= 2;
    char *bigger = lo_mem_alloc(cap);
    if (!bigger)
        lo_error(L, "STORAGE-CONDITION", "no memory for standard output");
    if (L->output_len)
        memcpy(bigger, L->output, L->output_len);
    lo_mem_free(L->output);
    L->output = bigger;
    L->output_cap = cap;
}

static void console_put_utf8(lo_lisp *L, const char *s, size_t n)
{
    console_reserve(L, n);
    memcpy(L->output + L->output_len, s, n);
    L->output_len += n;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n')
            L->output_column = 0;
        else if (((unsigned char)s[i] & 0xc0) != 0x80)
            L->output_column++;     /* a character's first byte */
    }
}

size_t lo_lisp_take_output(lo_lisp *L, const char **text)
{
    size_t n = L->output_len;
    *text = n ? L->output : "";
    L->output_len = 0;
    L->output_column = 0;       /* the host ends the line */
    return n;
}

/* ---- string streams: a growing string ---- */

static void string_put(lo_lisp *L, lo_value stream, const uint32_t *chars,
                       uint64_t n)
{
    uint64_t *p = lo_ptr(stream);
    uint64_t fill = (uint64_t)lo_fixnum_value(p[STREAM_FILL]);
    lo_value buf = p[STREAM_BUFFER];
    uint64_t cap = lo_null(L, buf) ? 0 : lo_string_length(buf);
    if (fill + n > cap) {
        uint64_t want = cap < 32 ? 64 : cap * 2;
        if (want < fill + n)
            want = fill + n;
        lo_value bigger = lo_alloc_string(L, want);  /* moves nothing */
        if (fill)
            memcpy(lo_string_chars(bigger), lo_string_chars(buf),
                   fill * sizeof(uint32_t));
        p[STREAM_BUFFER] = buf = bigger;
    }
    memcpy(lo_string_chars(buf) + fill, chars, n * sizeof(uint32_t));
    p[STREAM_FILL] = lo_fixnum((int64_t)(fill + n));
    p[STREAM_COLUMN] = lo_fixnum((int64_t)column_after(
        (uint64_t)lo_fixnum_value(p[STREAM_COLUMN]), chars, n));
}

lo_value lo_stream_take_string(lo_lisp *L, lo_value stream)
{
    uint64_t *p = lo_ptr(stream);
    uint64_t fill = (uint64_t)lo_fixnum_value(p[STREAM_FILL]);
    lo_value s = lo_alloc_string(L, fill);
    if (fill)
        memcpy(lo_string_chars(s), lo_string_chars(p[STREAM_BUFFER]),
               fill * sizeof(uint32_t));
    p[STREAM_FILL] = lo_fixnum(0);
    p[STREAM_COLUMN] = lo_fixnum(0);
    return s;
}

/* ---- writing, whatever the kind ---- */

void lo_stream_write_chars(lo_lisp *L, lo_value stream,
                           const uint32_t *chars, uint64_t n)
{
    if (lo_stream_kind(stream) == LO_STREAM_STRING) {
        string_put(L, stream, chars, n);
        return;
    }
    for (uint64_t i = 0; i < n; i++) {
        char utf8[4];
        console_put_utf8(L, utf8, lo_utf8_encode(chars[i], utf8));
    }
}

void lo_stream_write_char(lo_lisp *L, lo_value stream, uint32_t c)
{
    lo_stream_write_chars(L, stream, &c, 1);
}

void lo_stream_write_utf8(lo_lisp *L, lo_value stream, const char *s,
                          size_t n)
{
    if (lo_stream_kind(stream) == LO_STREAM_CONSOLE) {
        console_put_utf8(L, s, n);
        return;
    }
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    uint32_t chars[256];
    while (p < end) {
        uint64_t k = 0;
        while (p < end && k < 256)
            chars[k++] = lo_utf8_next(&p, end);
        string_put(L, stream, chars, k);
    }
}

/* ---- lo_text into a stream ---- */

/* Where the last, possibly incomplete, UTF-8 sequence of b[0..n) starts
 * when it is incomplete; else n. */
static size_t complete_prefix(const char *b, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = (unsigned char)b[n - back];
        if ((c & 0xc0) == 0x80)
            continue;
        size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        return need > back ? n - back : n;
    }
    return n;
}

static void drain(struct lo_text *t)
{
    size_t whole = complete_prefix(t->buf, t->len);
    lo_stream_write_utf8(t->L, t->stream, t->buf, whole);
    memmove(t->buf, t->buf + whole, t->len - whole);
    t->len -= whole;
}

void lo_text_to_stream(struct lo_text *t, lo_lisp *L, lo_value stream,
                       char *buf, size_t cap)
{
    *t = (struct lo_text){ buf, 0, cap, drain, L, stream };
}

void lo_text_finish(struct lo_text *t)
{
    lo_stream_write_utf8(t->L, t->stream, t->buf, t->len);
    t->len = 0;
}

/* ---- the primitives ---- */

/* The optional stream argument a[i] (absent: standard output). */
static lo_value stream_at(lo_lisp *L, lo_value *a, uint32_t n, uint32_t i,
                          const char *op)
{
    return lo_output_stream(L, i < n ? a[i] : L->nil, op);
}

/* (%console-stream &optional direction): a console stream for output
 * (the default), :input, or :io (both, *TERMINAL-IO*). */
LO_PRIMITIVE(p_console_stream, "%CONSOLE-STREAM", INTERNAL, ANY, 0, 1,
             "(&optional direction)",
             "A fresh console stream, for output by default, for input with "
             ":INPUT, for both with :IO: what the boot code makes "
             "*STANDARD-OUTPUT*, *STANDARD-INPUT* and *TERMINAL-IO* of.  "
             "Output to one goes to the writing thread's own buffer, which "
             "the host takes after each evaluation.")
{
    unsigned flags = LO_STREAM_OUT;
    if (nargs > 0 && lo_keyword_is(args[0], "INPUT"))
        flags = LO_STREAM_IN;
    else if (nargs > 0 && lo_keyword_is(args[0], "IO"))
        flags = LO_STREAM_IN | LO_STREAM_OUT;
    return lo_make_stream(L, LO_STREAM_CONSOLE, flags);
}

/* (make-string-output-stream &key element-type) */
LO_PRIMITIVE(p_make_string_output_stream, "MAKE-STRING-OUTPUT-STREAM",
             CL, ANY, 0, -1, "(&key element-type)",
             "A fresh output stream that gathers the characters written to "
             "it, for GET-OUTPUT-STREAM-STRING.  ELEMENT-TYPE is accepted "
             "and ignored: the stream holds characters.")
{
    lo_value type;
    lo_parse_keys(L, "MAKE-STRING-OUTPUT-STREAM", args, nargs, 0, "ELEMENT-TYPE",
                  &type);
    return lo_make_string_stream(L);
}

LO_PRIMITIVE(p_get_output_stream_string, "GET-OUTPUT-STREAM-STRING",
             CL, ANY, 1, 1, "(string-output-stream)",
             "A fresh string of the characters written to "
             "STRING-OUTPUT-STREAM since it was made or last asked; the "
             "stream starts again empty.  Needs the stream's read and write "
             "access bits.")
{
    const char *op = "GET-OUTPUT-STREAM-STRING";
    if (lo_stream_kind(lo_arg_stream(L, args[0])) != LO_STREAM_STRING)
        lo_arg_error(L, args[0], "STRING-OUTPUT-STREAM");
    lo_check_access(L, args[0], LO_ACCESS_READ | LO_ACCESS_WRITE, op);
    return lo_stream_take_string(L, args[0]);
}

LO_PRIMITIVE(p_write_char, "WRITE-CHAR", CL, ANY, 1, 2,
             "(character &optional (output-stream *standard-output*))",
             "Write CHARACTER to OUTPUT-STREAM and return it.")
{
    lo_arg_character(L, args[0]);
    lo_stream_write_char(L, stream_at(L, args, nargs, 1, "WRITE-CHAR"),
                         lo_char_code(args[0]));
    return args[0];
}

/* (write-string string &optional stream &key start end), and WRITE-LINE */
static lo_value write_string(lo_lisp *L, lo_value *a, uint32_t n,
                             bool line, const char *op)
{
    lo_check_access(L, lo_arg_string(L, a[0]), LO_ACCESS_READ, op);
    lo_value stream = stream_at(L, a, n, 1, op), keys[2];
    lo_parse_keys(L, op, a, n, 2, "START END", keys);
    uint64_t start, end;
    lo_bounds(L, op, keys[0], keys[1], lo_string_length(a[0]), &start, &end);
    lo_stream_write_chars(L, stream, lo_string_chars(a[0]) + start,
                          end - start);
    if (line)
        lo_stream_write_char(L, stream, '\n');
    return a[0];
}

LO_PRIMITIVE(p_write_string, "WRITE-STRING", CL, ANY, 1, -1,
             "(string &optional (output-stream *standard-output*) &key "
             "(start 0) end)",
             "Write the characters of STRING from START up to END to "
             "OUTPUT-STREAM and return STRING.")
{
    return write_string(L, args, nargs, false, "WRITE-STRING");
}

LO_PRIMITIVE(p_write_line, "WRITE-LINE", CL, ANY, 1, -1,
             "(string &optional (output-stream *standard-output*) &key "
             "(start 0) end)",
             "Write the characters of STRING from START up to END to "
             "OUTPUT-STREAM, then a newline; return STRING.")
{
    return write_string(L, args, nargs, true, "WRITE-LINE");
}

LO_PRIMITIVE(p_terpri, "TERPRI", CL, ANY, 0, 1,
             "(&optional (output-stream *standard-output*))",
             "Write a newline to OUTPUT-STREAM; NIL.")
{
    lo_stream_write_char(L, stream_at(L, args, nargs, 0, "TERPRI"), '\n');
    return L->nil;
}

LO_PRIMITIVE(p_fresh_line, "FRESH-LINE", CL, ANY, 0, 1,
             "(&optional (output-stream *standard-output*))",
             "Write a newline to OUTPUT-STREAM unless it is at the start of "
             "a line; T when one was written, else NIL.")
{
    lo_value stream = stream_at(L, args, nargs, 0, "FRESH-LINE");
    if (lo_stream_column(L, stream) == 0)
        return L->nil;
    lo_stream_write_char(L, stream, '\n');
    return L->t;
}

/* FINISH-OUTPUT FORCE-OUTPUT CLEAR-OUTPUT: output is handed over whole
 * after each evaluation, so there is nothing to push or drop early. */
LO_PRIMITIVE(p_finish_output, "FINISH-OUTPUT", CL, ANY, 0, 1,
             "(&optional (output-stream *standard-output*))",
             "NIL, after checking OUTPUT-STREAM: output reaches its "
             "destination when each evaluation ends, so there is nothing to "
             "push early.")
{
    stream_at(L, args, nargs, 0, "FINISH-OUTPUT");
    return L->nil;
}
LO_PRIMITIVE_ALIAS(p_force_output, p_finish_output, "FORCE-OUTPUT",
                   CL, ANY, 0, 1,
                   "(&optional (output-stream *standard-output*))",
                   "NIL, after checking OUTPUT-STREAM: output reaches its "
                   "destination when each evaluation ends, so there is "
                   "nothing to push early.");

LO_PRIMITIVE_ALIAS(p_clear_output, p_finish_output, "CLEAR-OUTPUT",
                   CL, ANY, 0, 1,
                   "(&optional (output-stream *standard-output*))",
                   "NIL, after checking OUTPUT-STREAM: nothing waits in a "
                   "buffer to be dropped.");


LO_PRIMITIVE(p_streamp, "STREAMP", CL, ANY, 1, 1, "(object)",
             "True when OBJECT is a stream.")
{
    return lo_truth(L, lo_streamp(args[0]));
}

lo_value lo_arg_stream(lo_lisp *L, lo_value v)
{
    if (!lo_streamp(v))
        lo_arg_error(L, v, "STREAM");
    return v;
}

/* Whether the stream is open in that direction: a closed stream is
 * neither an input nor an output stream any more, as in SBCL. */
static lo_value open_in(lo_lisp *L, lo_value s, unsigned direction)
{
    unsigned flags = lo_stream_flags(lo_arg_stream(L, s));
    return lo_truth(L, (flags & direction) && !(flags & LO_STREAM_CLOSED));
}

LO_PRIMITIVE(p_output_stream_p, "OUTPUT-STREAM-P", CL, ANY, 1, 1, "(stream)",
             "True when STREAM is open for output (a closed stream is not).")
{
    return open_in(L, args[0], LO_STREAM_OUT);
}

LO_PRIMITIVE(p_input_stream_p, "INPUT-STREAM-P", CL, ANY, 1, 1, "(stream)",
             "True when STREAM is open for input (a closed stream is not).")
{
    return open_in(L, args[0], LO_STREAM_IN);
}

LO_PRIMITIVE(p_open_stream_p, "OPEN-STREAM-P", CL, ANY, 1, 1, "(stream)",
             "True when STREAM is open.")
{
    return open_in(L, args[0], LO_STREAM_IN | LO_STREAM_OUT);
}

/* (close stream &key abort): T, after which the stream can be used no
 * more -- but for GET-OUTPUT-STREAM-STRING, which still gives what was
 * written, as in SBCL.  An input stream's text is let go for the
 * collector.  The console streams serve every thread and persist:
 * closing one does nothing and returns NIL. */
LO_PRIMITIVE(p_close, "CLOSE", CL, ANY, 1, -1, "(stream &key abort)",
             "Close STREAM: T, and it can be used no more, though "
             "GET-OUTPUT-STREAM-STRING still gives what was written to a "
             "string stream.  The console streams are shared and stay open "
             "(NIL).  ABORT changes nothing.")
{
    lo_value abort;
    lo_parse_keys(L, "CLOSE", args, nargs, 1, "ABORT", &abort);
    uint64_t *p = lo_ptr(lo_arg_stream(L, args[0]));
    unsigned flags = lo_stream_flags(args[0]);
    lo_check_access(L, args[0], flags & LO_STREAM_OUT ? LO_ACCESS_WRITE
                                                   : LO_ACCESS_READ, "CLOSE");
    if (lo_stream_kind(args[0]) == LO_STREAM_CONSOLE)
        return L->nil;
    p[STREAM_FLAGS] = lo_fixnum(flags | LO_STREAM_CLOSED);
    if (flags & LO_STREAM_IN) {
        p[STREAM_BUFFER] = L->nil;
        p[STREAM_END] = p[STREAM_POSITION] = lo_fixnum(0);
    }
    return L->t;
}

const struct lo_primitive *const lo_prims_streams[] = {
    LO_ROW(p_console_stream),
    LO_ROW(p_make_string_output_stream),
    LO_ROW(p_get_output_stream_string),
    LO_ROW(p_write_char),
    LO_ROW(p_write_string),
    LO_ROW(p_write_line),
    LO_ROW(p_terpri),
    LO_ROW(p_fresh_line),
    LO_ROW(p_finish_output),
    LO_ROW(p_force_output),
    LO_ROW(p_clear_output),
    LO_ROW(p_streamp),
    LO_ROW(p_output_stream_p),
    LO_ROW(p_input_stream_p),
    LO_ROW(p_open_stream_p),
    LO_ROW(p_close),
    NULL,
};
