/*
 * repl.c -- evaluation and the interactive REPL (repl.h).
 *
 * Each form goes to the server as its own `eval`, so that the REPL prints
 * every form's values and stops at the first error.  The symbols in the
 * values print without their package when it is the user's current one:
 * the REPL asks the server for it after each evaluation (an `in-package`
 * changes it), and shows its shortest name in the prompt.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <editline/readline.h>

#include "clients/forms.h"
#include "clients/repl.h"
#include "clients/show.h"

enum { COMPLETIONS_MOST = 500, HISTORY_MOST = 2000 };

/* The user's current package: its name (symbols print without it) and
 * its shortest nickname (for the prompt). */
static char package[256] = "COMMON-LISP-USER", package_short[256] = "CL-USER";

static int terminal_width(void)
{
    struct winsize ws;
    if (!isatty(STDOUT_FILENO))
        return 0;                       /* a script's: one value a line */
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
        return ws.ws_col;
    return 80;
}

void lo_print_error(const msgpack_object *error)
{
    char type[128], message[4096];
    const char *backtrace;
    uint32_t backtrace_len;
    lo_error_parts(error, type, sizeof type, message, sizeof message,
                   &backtrace, &backtrace_len);
    fprintf(stderr, "error: %s: %s\n", type, message);
    /* one frame a line, innermost first: indented under the message */
    const char *line = backtrace, *end = backtrace + backtrace_len;
    if (line < end)
        fprintf(stderr, "backtrace:\n");
    while (line < end) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end;
        fprintf(stderr, "  %.*s\n", (int)(stop - line), line);
        line = nl ? nl + 1 : end;
    }
}

int lo_call(struct lo_conn *c, struct lo_reply *r)
{
    int rc = lo_conn_call(c, r);
    if (rc != LO_CONN_OK) {
        fprintf(stderr, "error: %s\n", rc == LO_CONN_INTERRUPTED
                                           ? "interrupted: no longer waiting "
                                             "for the answer"
                                           : lo_conn_failure(c));
        return rc;
    }
    if (r->error) {
        lo_print_error(r->error);
        lo_reply_free(r);
        return LO_CONN_REFUSED;
    }
    return LO_CONN_OK;
}

static void print_values(const msgpack_object *result, bool interactive)
{
    const msgpack_object *output = lo_map_get(result, "output");
    if (output && output->type == MSGPACK_OBJECT_STR && output->via.str.size) {
        fwrite(output->via.str.ptr, 1, output->via.str.size, stdout);
        if (output->via.str.ptr[output->via.str.size - 1] != '\n')
            putchar('\n');
    }
    const msgpack_object *values = lo_map_get(result, "values");
    if (!values || values->type != MSGPACK_OBJECT_ARRAY)
        return;
    if (values->via.array.size == 0 && interactive)
        puts("; no values");
    int width = terminal_width();
    for (uint32_t i = 0; i < values->via.array.size; i++) {
        struct lo_text t = { 0 };
        lo_text_lisp(&t, &values->via.array.ptr[i], package, width);
        puts(t.s ? t.s : "");
        lo_text_free(&t);
    }
    fflush(stdout);
}

static int eval_print(struct lo_conn *c, const char *source, size_t len,
                      bool interactive)
{
    msgpack_packer *pk = lo_conn_request(c, "eval", 1);
    msgpack_pack_str(pk, len);
    msgpack_pack_str_body(pk, source, len);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc == LO_CONN_OK) {
        print_values(r.result, interactive);
        lo_reply_free(&r);
    }
    return rc;
}

int lo_eval_print(struct lo_conn *c, const char *source, size_t len)
{
    return eval_print(c, source, len, false);
}

int lo_eval_stream(struct lo_conn *c, FILE *in)
{
    struct lo_text all = { 0 };
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, in)) > 0)
        lo_text_add(&all, chunk, n);
    lo_text_add(&all, "\n", 1);
    size_t at = 0, start, end;
    int rc = LO_CONN_OK;
    for (;;) {
        enum lo_form_status st = lo_form_next(all.s + at, all.len - at,
                                              &start, &end);
        if (st == LO_FORM_NONE)
            break;
        if (st == LO_FORM_INCOMPLETE) {
            /* the server says what is wrong (END-OF-FILE) */
            rc = eval_print(c, all.s + at, all.len - at, false);
            break;
        }
        rc = eval_print(c, all.s + at + start, end - start, false);
        if (rc != LO_CONN_OK)
            break;
        at += end;
    }
    lo_text_free(&all);
    return rc;
}

/* ---- the interactive REPL ---- */

static struct lo_conn *repl_conn;       /* for completion */

/* Ask the server for the current package's names. */
static void update_package(struct lo_conn *c)
{
    static const char ask[] =
        "(let ((p *package*)) (list (package-name p) "
        "(reduce (lambda (a b) (if (< (length b) (length a)) b a)) "
        "(package-nicknames p) :initial-value (package-name p))))";
    struct lo_reply r;
    msgpack_packer *pk = lo_conn_request(c, "eval", 1);
    lo_pack_str(pk, ask);
    if (lo_conn_call(c, &r) != LO_CONN_OK)
        return;
    const msgpack_object *values = lo_map_get(r.result, "values");
    if (!r.error && values && values->type == MSGPACK_OBJECT_ARRAY &&
        values->via.array.size == 1 &&
        values->via.array.ptr[0].type == MSGPACK_OBJECT_ARRAY &&
        values->via.array.ptr[0].via.array.size == 2) {
        const msgpack_object *names = values->via.array.ptr[0].via.array.ptr;
        lo_object_text(&names[0], package, sizeof package);
        lo_object_text(&names[1], package_short, sizeof package_short);
    }
    lo_reply_free(&r);
}

/* The symbols whose names begin as text does (with a package prefix, the
 * package's external symbols; "pkg::" all of them), in lower case. */
static const char complete_lisp[] =
    "(lambda (text)"
    " (let* ((colon (position #\\: text))"
    "        (last (position #\\: text :from-end t))"
    "        (head (subseq text 0 (if last (+ last 1) 0)))"
    "        (stem (string-upcase (subseq text (length head))))"
    "        (package (cond ((null colon) *package*)"
    "                       ((= colon 0) (find-package \"KEYWORD\"))"
    "                       (t (find-package (string-upcase"
    "                                          (subseq text 0 colon))))))"
    "        (found '()))"
    "   (flet ((try (s)"
    "            (let ((name (symbol-name s)))"
    "              (when (and (<= (length stem) (length name))"
    "                         (string= stem name :end2 (length stem))"
    "                         (< (length found) 500))"
    "                (pushnew (concatenate 'string head (string-downcase name))"
    "                         found :test #'string=)))))"
    "     (when package"
    "       (if (and colon (> colon 0) (= colon last))"
    "           (do-external-symbols (s package) (try s))"
    "           (do-symbols (s package) (try s)))))"
    "   (sort found #'string<)))";

static char **completions;              /* the last answer, NULL-ended */
static size_t completion_at;

static void forget_completions(void)
{
    for (size_t i = 0; completions && completions[i]; i++)
        free(completions[i]);
    free(completions);
    completions = NULL;
}

static void fetch_completions(const char *text)
{
    forget_completions();
    msgpack_packer *pk = lo_conn_request(repl_conn, "eval", 2);
    lo_pack_str(pk, complete_lisp);
    msgpack_pack_array(pk, 1);
    lo_pack_str(pk, text);
    struct lo_reply r;
    if (lo_conn_call(repl_conn, &r) != LO_CONN_OK)
        return;
    const msgpack_object *values = lo_map_get(r.result, "values");
    const msgpack_object *list = !r.error && values &&
        values->type == MSGPACK_OBJECT_ARRAY && values->via.array.size == 1
        ? &values->via.array.ptr[0] : NULL;
    size_t n = list && list->type == MSGPACK_OBJECT_ARRAY
                   ? list->via.array.size : 0;
    if (n > COMPLETIONS_MOST)
        n = COMPLETIONS_MOST;
    completions = calloc(n + 1, sizeof *completions);
    for (size_t i = 0, k = 0; completions && i < n; i++) {
        const msgpack_object *o = &list->via.array.ptr[i];
        if (o->type == MSGPACK_OBJECT_STR)
            completions[k++] = strndup(o->via.str.ptr, o->via.str.size);
    }
    lo_reply_free(&r);
}

/* readline's generator: the state-th completion of text. */
static char *next_completion(const char *text, int state)
{
    if (state == 0) {
        fetch_completions(text);
        completion_at = 0;
    }
    if (!completions || !completions[completion_at])
        return NULL;
    return strdup(completions[completion_at++]);
}

static char **complete(const char *text, int start, int end)
{
    (void)start;
    (void)end;
    rl_attempted_completion_over = 1;   /* never file names */
    return rl_completion_matches(text, next_completion);
}

/* readline's input: one character (UTF-8 decoded), or EOF -- also when
 * Ctrl-C comes, so that readline returns and the REPL drops the form
 * being typed (libedit itself would read again after a signal). */
static int read_key(FILE *in)
{
    int fd = fileno(in);
    unsigned char byte;
    for (;;) {
        if (lo_conn_interrupted())
            return EOF;
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, -1) < 0)
            continue;                   /* a signal: look at the flag */
        ssize_t n = read(fd, &byte, 1);
        /* A NUL is what a Ctrl-D typed while the terminal was still in
         * cooked mode (the instant between two reads of the line
         * editor) turns into once the editor switches to raw mode: the
         * kernel keeps that end of file as a NUL.  Let through, it went
         * into the line, and the Ctrl-D typed again then deleted a
         * character instead of ending the input. */
        if (n == 1 && byte == 0)
            continue;
        if (n == 1)
            break;
        if (n == 0 || errno != EINTR)
            return EOF;
    }
    if (byte < 0xc0)
        return byte;
    int more = byte >= 0xf0 ? 3 : byte >= 0xe0 ? 2 : 1;
    int code = byte & (0x3f >> more);
    while (more-- > 0 && read(fd, &byte, 1) == 1)
        code = code << 6 | (byte & 0x3f);
    return code;
}

/* The prompt: "alice@CL-USER> ", or dots under it for a form's next
 * lines. */
static void make_prompt(char *out, size_t len, const char *user, bool more)
{
    int n = snprintf(out, len, "%s@%s> ", user, package_short);
    if (more && n > 4 && (size_t)n < len)
        snprintf(out, len, "%*s ", n - 1, "...");
}

/* Evaluate every complete form at the start of input; keep the rest. */
static int eval_complete_forms(struct lo_conn *c, struct lo_text *input)
{
    size_t start, end, at = 0;
    int rc = LO_CONN_OK;
    while (lo_form_next(input->s + at, input->len - at, &start, &end) ==
           LO_FORM_COMPLETE) {
        int one = eval_print(c, input->s + at + start, end - start, true);
        at += end;
        if (one == LO_CONN_FAILED)
            return one;
        rc = one;
        update_package(c);
        if (one != LO_CONN_OK) {
            at = input->len;            /* an error drops what follows */
            break;
        }
    }
    memmove(input->s, input->s + at, input->len - at);
    input->len -= at;
    input->s[input->len] = 0;
    return rc;
}

int lo_repl(struct lo_conn *c, const char *user, const char *history_file)
{
    repl_conn = c;
    /* the wire's text is UTF-8: so is the line being edited, whatever
     * the locale says */
    setlocale(LC_CTYPE, "");
    if (strcmp(nl_langinfo(CODESET), "UTF-8"))
        setlocale(LC_CTYPE, "C.UTF-8");
    rl_readline_name = "lispos";
    rl_getc_function = read_key;
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"'`;(),";
    rl_completer_word_break_characters = (char *)rl_basic_word_break_characters;
    using_history();
    stifle_history(HISTORY_MOST);
    if (history_file[0])
        read_history(history_file);
    update_package(c);
    struct lo_text input = { 0 }, entry = { 0 };
    int rc = LO_CONN_OK;
    for (;;) {
        char prompt[300];
        make_prompt(prompt, sizeof prompt, user, input.len > 0);
        lo_conn_clear_interrupt();
        char *line = readline(prompt);
        if (!line && lo_conn_interrupted()) {
            /* Ctrl-C at the prompt: drop the form being typed */
            putchar('\n');
            input.len = entry.len = 0;
            continue;
        }
        if (!line)
            break;                      /* end of input (Ctrl-D) */
        lo_text_adds(&input, line);
        lo_text_adds(&input, "\n");
        if (entry.len)
            lo_text_adds(&entry, "\n");
        lo_text_adds(&entry, line);
        free(line);
        size_t start, end;
        enum lo_form_status st = lo_form_next(input.s, input.len, &start,
                                              &end);
        if (st == LO_FORM_INCOMPLETE)
            continue;
        if (st == LO_FORM_COMPLETE && entry.len) {
            add_history(entry.s);
            if (history_file[0])
                write_history(history_file);
        }
        entry.len = 0;
        rc = eval_complete_forms(c, &input);
        if (rc == LO_CONN_FAILED)
            break;
        if (lo_form_next(input.s, input.len, &start, &end) == LO_FORM_NONE)
            input.len = 0;
    }
    if (rc != LO_CONN_FAILED)
        putchar('\n');
    lo_text_free(&input);
    lo_text_free(&entry);
    forget_completions();
    return rc == LO_CONN_FAILED ? rc : LO_CONN_OK;
}
