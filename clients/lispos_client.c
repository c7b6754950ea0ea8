/*
 * lispos_client.c -- lispos-client: a user's program for LispOS
 * (docs/clients.md).  Without a command it is a REPL on the terminal (or
 * evaluates the forms piped to it); -e FORM evaluates; the commands put,
 * get, query, attr, rm, history, revert, share and watch work the store
 * for scripts.  It talks to the server only through the protocol
 * (conn.c); the settings of the connection are settings.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clients/args.h"
#include "clients/conn.h"
#include "clients/listing.h"
#include "clients/repl.h"
#include "clients/settings.h"
#include "clients/show.h"
#include "clients/table.h"
#include "clients/transfer.h"

static const char usage[] =
    "usage: lispos-client [OPTIONS]                 a REPL (or the forms on stdin)\n"
    "       lispos-client [OPTIONS] -e FORM...      evaluate, print the values\n"
    "       lispos-client [OPTIONS] COMMAND ARGS... work the store\n"
    "\n"
    "commands (each with --help):\n"
    "  put FILE... [--attr KEY VALUE]...   store files; prints their ids\n"
    "  get ID [-o FILE]                    an object's bytes (to stdout)\n"
    "  query FILTER [--json] [--limit N] [--offset N] [--order-by KEY]\n"
    "        [--descending]                entries matching a filter\n"
    "  attr ID KEY VALUE                   set an attribute\n"
    "  rm ID                               delete an entry\n"
    "  history ID [--json]                 an entry's versions\n"
    "  revert ID VERSION                   bring back a version\n"
    "  share ID PRINCIPAL BITS             give a user or group access\n"
    "  watch FILTER [--json]               print changes as they happen\n"
    "\n"
    "options:\n"
    "  -e FORM                evaluate FORM and print its values (repeatable)\n"
    "  --history FILE         the REPL's history (default\n"
    "                         ~/.local/state/lispos/history; \"\" for none)\n"
    "  -h, --help             this help\n"
    "  --version              the client's release\n";

static const char exit_codes[] =
    "exit codes: 0 done; 1 the server refused or failed it (an error in the\n"
    "Lisp, no such entry, access denied) or a local file could not be used;\n"
    "2 bad arguments; 3 no connection (unreachable, TLS, an untrusted\n"
    "certificate, the connection lost); 4 login failed.\n";

static const char *command_help[][2] = {
    { "put", "usage: lispos-client put FILE... [--attr KEY VALUE]...\n"
      "Stores each file as a byte vector, with the attributes (a KEY such as\n"
      "name or :name; a VALUE 42, 2.5, :keyword, #@2013-05 (a date),\n"
      "#@PT1H (a duration), t, nil, or text; =TEXT is always text). The\n"
      "server derives :format from the contents. Prints one id a line. On a\n"
      "terminal a progress bar shows for large or many files.\n" },
    { "get", "usage: lispos-client get ID [-o FILE]\n"
      "Writes entry ID's object: a byte vector's bytes, a string's text,\n"
      "another object as Lisp prints it; to FILE or stdout.\n" },
    { "query", "usage: lispos-client query FILTER [--json] [--limit N] "
      "[--offset N]\n                            [--order-by KEY] "
      "[--descending]\n"
      "Prints the entries FILTER matches (docs/store.md: \"(= :format :pdf)\",\n"
      "\"(and (has :author) (< :year 2000))\", \"t\"): an aligned table, or with\n"
      "--json one JSON object a line:\n"
      "  {\"id\": 17, \"attributes\": {\"name\": [\"x\"]}, \"object\": \"14 bytes\"}\n" },
    { "attr", "usage: lispos-client attr ID KEY VALUE\n"
      "Replaces the values of KEY of entry ID by VALUE (as put's --attr);\n"
      "prints the entry's new version.\n" },
    { "rm", "usage: lispos-client rm ID\n"
      "Deletes entry ID (its history stays: revert brings it back).\n" },
    { "history", "usage: lispos-client history ID [--json]\n"
      "Prints entry ID's versions, newest first.\n" },
    { "revert", "usage: lispos-client revert ID VERSION\n"
      "Makes entry ID as VERSION left it, as a new version (printed).\n" },
    { "share", "usage: lispos-client share ID PRINCIPAL BITS\n"
      "Gives PRINCIPAL (a user, group:NAME or :everyone) the access BITS\n"
      "(0-15, or letters of rwco: read, write, call, own; none) on entry ID.\n"
      "Only the entry's owner may.\n" },
    { "watch", "usage: lispos-client watch FILTER [--json]\n"
      "Prints each change that makes an entry enter, change or leave FILTER's\n"
      "result, until Ctrl-C (exit 0) or the connection ends.\n" },
};

/* The parsed command line. */
struct client {
    struct lo_settings settings;
    const char **forms;                 /* -e */
    size_t nforms;
    char history[SETTING_MOST];
    const char *command;
    char **args;                        /* the command's own words */
    int nargs;
};

/* ---- small helpers ---- */

static int usage_error(const char *format, const char *what)
{
    return lo_usage_error("lispos-client", format, what);
}


/* Print a result (a version, an id) as Lisp text on a line. */
static void print_result(const msgpack_object *o)
{
    struct lo_text t = { 0 };
    lo_text_cell(&t, o);
    puts(t.s ? t.s : "");
    lo_text_free(&t);
}

/* Send the request packed; print its result (a version) when print. */
static int call_then(struct lo_conn *c, bool print)
{
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc == LO_CONN_OK) {
        if (print)
            print_result(r.result);
        lo_reply_free(&r);
    }
    return rc;
}

static bool parse_id_arg(const char *text, uint64_t *id)
{
    if (lo_parse_id(text, id))
        return true;
    usage_error("'%s' is not an entry id (a positive integer)", text);
    return false;
}

/* Whether a command's args hold --help. */
static bool wants_help(struct client *cl)
{
    for (int i = 0; i < cl->nargs; i++)
        if (!strcmp(cl->args[i], "--help") || !strcmp(cl->args[i], "-h"))
            return true;
    return false;
}

/* ---- the commands ---- */

static int cmd_put(struct client *cl, struct lo_conn *c)
{
    struct lo_attr *attrs = calloc((size_t)cl->nargs + 1, sizeof *attrs);
    const char **files = calloc((size_t)cl->nargs + 1, sizeof *files);
    size_t nattrs = 0, nfiles = 0;
    int rc = LO_CONN_OK;
    for (int i = 0; i < cl->nargs && rc == LO_CONN_OK; i++) {
        if (!strcmp(cl->args[i], "--attr")) {
            if (i + 2 >= cl->nargs)
                rc = usage_error("%s needs a KEY and a VALUE", "--attr");
            else {
                attrs[nattrs].key = cl->args[++i];
                attrs[nattrs++].value = cl->args[++i];
            }
        } else if (cl->args[i][0] == '-' && cl->args[i][1]) {
            rc = usage_error("put: unknown option %s", cl->args[i]);
        } else {
            files[nfiles++] = cl->args[i];
        }
    }
    if (rc == LO_CONN_OK && nfiles == 0)
        rc = usage_error("put: %s", "which files?");
    bool progress = isatty(STDERR_FILENO);
    for (size_t f = 0; f < nfiles && rc == LO_CONN_OK; f++) {
        uint64_t id;
        const char *name = strrchr(files[f], '/') ? strrchr(files[f], '/') + 1
                                                  : files[f];
        char label[256];
        if (nfiles > 1)
            snprintf(label, sizeof label, "%s (%zu/%zu)", name, f + 1, nfiles);
        else
            snprintf(label, sizeof label, "%s", name);
        rc = lo_put_file(c, files[f], attrs, nattrs, progress ? label : NULL,
                         &id);
        if (rc == LO_CONN_OK) {
            printf("%llu\n", (unsigned long long)id);
            fflush(stdout);
        }
    }
    free(attrs);
    free(files);
    return rc;
}

static int cmd_get(struct client *cl, struct lo_conn *c)
{
    const char *path = NULL, *id_text = NULL;
    for (int i = 0; i < cl->nargs; i++) {
        if (!strcmp(cl->args[i], "-o") || !strcmp(cl->args[i], "--output")) {
            if (i + 1 >= cl->nargs)
                return usage_error("%s needs a FILE", cl->args[i]);
            path = cl->args[++i];
        } else if (!id_text) {
            id_text = cl->args[i];
        } else {
            return usage_error("get: one ID, not also '%s'", cl->args[i]);
        }
    }
    uint64_t id;
    if (!id_text)
        return usage_error("get: %s", "which ID?");
    if (!parse_id_arg(id_text, &id))
        return LO_CONN_USAGE;
    FILE *out = path ? fopen(path, "wb") : stdout;
    if (!out) {
        fprintf(stderr, "lispos-client: cannot write %s: %s\n", path,
                strerror(errno));
        return LO_CONN_REFUSED;
    }
    int rc = lo_get_object(c, id, out, path && isatty(STDERR_FILENO));
    if (path && fclose(out) && rc == LO_CONN_OK) {
        fprintf(stderr, "lispos-client: cannot write %s: %s\n", path,
                strerror(errno));
        rc = LO_CONN_REFUSED;
    }
    if (path && rc != LO_CONN_OK)
        unlink(path);                   /* no half-written file left */
    return rc;
}

static int cmd_query(struct client *cl, struct lo_conn *c)
{
    const char *filter = NULL, *order_by = NULL;
    bool json = false, descending = false;
    uint64_t limit = 0, offset = 0;
    bool has_limit = false, has_offset = false;
    for (int i = 0; i < cl->nargs; i++) {
        const char *a = cl->args[i];
        if (!strcmp(a, "--json")) {
            json = true;
        } else if (!strcmp(a, "--descending")) {
            descending = true;
        } else if (!strcmp(a, "--limit") || !strcmp(a, "--offset") ||
                   !strcmp(a, "--order-by")) {
            if (i + 1 >= cl->nargs)
                return usage_error("%s needs a value", a);
            const char *v = cl->args[++i];
            char *end;
            if (!strcmp(a, "--order-by")) {
                order_by = v;
                continue;
            }
            unsigned long long n = strtoull(v, &end, 10);
            if (!*v || *end || v[0] == '-')
                return usage_error("'%s' is not a count (an integer >= 0)", v);
            *(a[2] == 'l' ? &limit : &offset) = n;
            *(a[2] == 'l' ? &has_limit : &has_offset) = true;
        } else if (a[0] == '-' && a[1]) {
            return usage_error("query: unknown option %s", a);
        } else if (!filter) {
            filter = a;
        } else {
            return usage_error("query: one FILTER (quote it), not also '%s'",
                               a);
        }
    }
    if (!filter)
        return usage_error("query: %s", "which FILTER? (t matches everything)");
    msgpack_packer *pk = lo_conn_request(c, "store.query", 2);
    lo_pack_str(pk, filter);
    msgpack_pack_map(pk, 1 + (order_by != NULL) + descending + has_limit +
                         has_offset);
    lo_pack_str(pk, "summary");
    msgpack_pack_true(pk);
    if (order_by) {
        char key[256];
        lo_key_name(order_by, key, sizeof key);
        lo_pack_str(pk, "order-by");
        lo_pack_str(pk, key);
    }
    if (descending) {
        lo_pack_str(pk, "descending");
        msgpack_pack_true(pk);
    }
    if (has_limit) {
        lo_pack_str(pk, "limit");
        msgpack_pack_uint64(pk, limit);
    }
    if (has_offset) {
        lo_pack_str(pk, "offset");
        msgpack_pack_uint64(pk, offset);
    }
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    if (json) {
        for (uint32_t i = 0; r.result->type == MSGPACK_OBJECT_ARRAY &&
                             i < r.result->via.array.size; i++) {
            struct lo_text t = { 0 };
            lo_entry_json(&t, &r.result->via.array.ptr[i], NULL);
            puts(t.s);
            lo_text_free(&t);
        }
    } else {
        lo_entries_table(r.result, stdout);
    }
    lo_reply_free(&r);
    return LO_CONN_OK;
}

/* attr, rm, history, revert, share: a method on an id and words. */
static int cmd_attr(struct client *cl, struct lo_conn *c)
{
    uint64_t id;
    if (cl->nargs != 3)
        return usage_error("attr: %s", "ID KEY VALUE");
    if (!parse_id_arg(cl->args[0], &id))
        return LO_CONN_USAGE;
    char key[256];
    lo_key_name(cl->args[1], key, sizeof key);
    msgpack_packer *pk = lo_conn_request(c, "store.set", 2);
    msgpack_pack_uint64(pk, id);
    msgpack_pack_map(pk, 1);
    lo_pack_str(pk, "attributes");
    msgpack_pack_array(pk, 2);
    lo_pack_str(pk, key);
    lo_pack_value_text(pk, cl->args[2]);
    return call_then(c, true);
}

static int cmd_rm(struct client *cl, struct lo_conn *c)
{
    uint64_t id;
    if (cl->nargs != 1)
        return usage_error("rm: %s", "one ID");
    if (!parse_id_arg(cl->args[0], &id))
        return LO_CONN_USAGE;
    msgpack_packer *pk = lo_conn_request(c, "store.delete", 1);
    msgpack_pack_uint64(pk, id);
    return call_then(c, false);
}

static int cmd_history(struct client *cl, struct lo_conn *c)
{
    uint64_t id;
    bool json = cl->nargs == 2 && !strcmp(cl->args[1], "--json");
    if (cl->nargs != 1 && !json)
        return usage_error("history: %s", "ID [--json]");
    if (!parse_id_arg(cl->args[0], &id))
        return LO_CONN_USAGE;
    msgpack_packer *pk = lo_conn_request(c, "store.history", 1);
    msgpack_pack_uint64(pk, id);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    struct lo_table table;
    lo_table_init(&table);
    const char *columns[] = { "version", "by", "at", "change" };
    for (int k = 0; k < 4; k++)
        lo_table_cell(&table, columns[k]);
    lo_table_end_row(&table);
    for (uint32_t i = 0; r.result->type == MSGPACK_OBJECT_ARRAY &&
                         i < r.result->via.array.size; i++) {
        const msgpack_object *v = &r.result->via.array.ptr[i];
        struct lo_text t = { 0 };
        if (json) {
            lo_text_json(&t, v);
            puts(t.s);
            lo_text_free(&t);
            continue;
        }
        for (int k = 0; k < 4; k++) {
            const msgpack_object *field = lo_map_get(v, columns[k]);
            t.len = 0;
            if (field && k == 2 && field->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
                time_t at = (time_t)field->via.u64;
                char when[64];
                strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC",
                         gmtime(&at));
                lo_text_adds(&t, when);
            } else if (field) {
                lo_text_cell(&t, field);
            }
            lo_table_cell(&table, t.len ? t.s : "");
        }
        lo_table_end_row(&table);
        lo_text_free(&t);
    }
    if (!json)
        lo_table_print(&table, stdout);
    lo_table_free(&table);
    lo_reply_free(&r);
    return LO_CONN_OK;
}

static int cmd_revert(struct client *cl, struct lo_conn *c)
{
    uint64_t id, version;
    if (cl->nargs != 2)
        return usage_error("revert: %s", "ID VERSION");
    if (!parse_id_arg(cl->args[0], &id))
        return LO_CONN_USAGE;
    if (!lo_parse_id(cl->args[1], &version))
        return usage_error("'%s' is not a version (a positive integer)",
                           cl->args[1]);
    msgpack_packer *pk = lo_conn_request(c, "store.revert", 2);
    msgpack_pack_uint64(pk, id);
    msgpack_pack_uint64(pk, version);
    return call_then(c, true);
}

static int cmd_share(struct client *cl, struct lo_conn *c)
{
    uint64_t id;
    int bits;
    if (cl->nargs != 3)
        return usage_error("share: %s", "ID PRINCIPAL BITS");
    if (!parse_id_arg(cl->args[0], &id))
        return LO_CONN_USAGE;
    if (!lo_parse_bits(cl->args[2], &bits))
        return usage_error("'%s' is not access bits (0 to 15, or letters of "
                           "rwco)", cl->args[2]);
    msgpack_packer *pk = lo_conn_request(c, "acl.grant", 3);
    msgpack_pack_uint64(pk, id);
    lo_pack_principal(pk, cl->args[1]);
    msgpack_pack_int(pk, bits);
    return call_then(c, false);
}

static bool method_is(const struct lo_note *n, const char *name)
{
    return n->method_len == strlen(name) && !memcmp(n->method, name,
                                                    n->method_len);
}

/* One store.changed notification [watch, kind, entry], printed. */
static void print_change(const msgpack_object *params, bool json)
{
    if (params->type != MSGPACK_OBJECT_ARRAY || params->via.array.size != 3)
        return;
    const msgpack_object *kind = &params->via.array.ptr[1];
    const msgpack_object *entry = &params->via.array.ptr[2];
    struct lo_text t = { 0 };
    char event[64];
    lo_object_text(kind, event, sizeof event);
    if (json) {
        struct lo_text extra = { 0 };
        lo_text_adds(&extra, "\"event\": ");
        lo_text_json_string(&extra, event, strlen(event));
        lo_entry_json(&t, entry, extra.s);
        lo_text_free(&extra);
    } else {
        lo_text_printf(&t, "%-8s ", event);
        lo_entry_line(&t, entry);
    }
    puts(t.s);
    fflush(stdout);
    lo_text_free(&t);
}

static int cmd_watch(struct client *cl, struct lo_conn *c)
{
    bool json = cl->nargs == 2 && !strcmp(cl->args[1], "--json");
    if ((cl->nargs != 1 && !json) || cl->args[0][0] == '-')
        return usage_error("watch: %s", "FILTER [--json]");
    msgpack_packer *pk = lo_conn_request(c, "store.watch", 1);
    lo_pack_str(pk, cl->args[0]);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    lo_reply_free(&r);
    if (isatty(STDERR_FILENO))
        fprintf(stderr, "watching %s (Ctrl-C ends)\n", cl->args[0]);
    lo_conn_clear_interrupt();
    for (;;) {
        struct lo_note n;
        rc = lo_conn_notification(c, -1, &n);
        if (rc == LO_CONN_INTERRUPTED || lo_conn_interrupted())
            return LO_CONN_OK;          /* Ctrl-C: the normal end */
        if (rc != LO_CONN_OK) {
            fprintf(stderr, "lispos-client: %s\n", lo_conn_failure(c));
            return rc;
        }
        if (method_is(&n, "store.changed")) {
            print_change(n.params, json);
        } else if (method_is(&n, "store.watch-ended") &&
                   n.params->type == MSGPACK_OBJECT_ARRAY &&
                   n.params->via.array.size == 2) {
            fprintf(stderr, "lispos-client: the watch ended:\n");
            lo_print_error(&n.params->via.array.ptr[1]);
            lo_note_free(&n);
            return LO_CONN_REFUSED;
        }
        lo_note_free(&n);
    }
}

static const struct {
    const char *name;
    int (*run)(struct client *, struct lo_conn *);
} commands[] = {
    { "put", cmd_put }, { "get", cmd_get }, { "query", cmd_query },
    { "attr", cmd_attr }, { "rm", cmd_rm }, { "history", cmd_history },
    { "revert", cmd_revert }, { "share", cmd_share }, { "watch", cmd_watch },
};

/* ---- main ---- */

/* Global options anywhere before the command; the command's words after
 * it. 0, or an exit code (-1: done, exit 0). */
static int parse(struct client *cl, int argc, char **argv)
{
    const char *user = getenv("USER");
    lo_settings_init(&cl->settings, argc, argv, user);
    lo_user_file(cl->history, sizeof cl->history, "state", "history");
    cl->forms = calloc((size_t)argc, sizeof *cl->forms);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int taken = lo_settings_option(&cl->settings, argc, argv, &i);
        if (taken < 0)
            return LO_CONN_USAGE;
        if (taken)
            continue;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("%s\n%s\n%s", usage, lo_settings_help, exit_codes);
            return -1;
        }
        if (!strcmp(a, "--version")) {
            printf("lispos-client %s\n", LO_RELEASE);
            return -1;
        }
        if (!strcmp(a, "-e") || !strcmp(a, "--history")) {
            if (i + 1 >= argc)
                return usage_error("%s needs a value", a);
            if (a[1] == 'e')
                cl->forms[cl->nforms++] = argv[++i];
            else
                snprintf(cl->history, sizeof cl->history, "%s", argv[++i]);
            continue;
        }
        if (a[0] == '-' && a[1])
            return usage_error("unknown option %s", a);
        cl->command = a;
        cl->args = argv + i + 1;
        cl->nargs = argc - i - 1;
        return 0;
    }
    return 0;
}

/* The history file's directory, made when missing. */
static void make_history_dir(const char *path)
{
    char dir[SETTING_MOST];
    snprintf(dir, sizeof dir, "%s", path);
    for (char *p = dir + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(dir, 0700);
            *p = '/';
        }
}

static int run(struct client *cl, struct lo_conn *c)
{
    if (cl->command) {
        for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
            if (!strcmp(cl->command, commands[k].name))
                return commands[k].run(cl, c);
    }
    int rc = LO_CONN_OK;
    for (size_t i = 0; i < cl->nforms && rc == LO_CONN_OK; i++)
        rc = lo_eval_print(c, cl->forms[i], strlen(cl->forms[i]));
    if (cl->nforms)
        return rc;
    if (!isatty(STDIN_FILENO))
        return lo_eval_stream(c, stdin);
    if (cl->history[0])
        make_history_dir(cl->history);
    return lo_repl(c, cl->settings.user, cl->history);
}

/* Whether the command line stops before connecting: help, a usage
 * error.  *rc is then the exit code. */
static bool done_before_connecting(struct client *cl, int *rc)
{
    if (!cl->command)
        return false;
    bool known = false;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
        known |= !strcmp(cl->command, commands[k].name);
    if (!known) {
        *rc = usage_error("unknown command '%s'", cl->command);
        return true;
    }
    if (wants_help(cl)) {
        for (size_t k = 0; k < sizeof command_help / sizeof command_help[0];
             k++)
            if (!strcmp(cl->command, command_help[k][0]))
                fputs(command_help[k][1], stdout);
        *rc = 0;
        return true;
    }
    if (cl->nforms) {
        *rc = usage_error("-e and a command (%s) do not go together",
                          cl->command);
        return true;
    }
    return false;
}

int main(int argc, char **argv)
{
    struct client cl = { 0 };
    int rc = parse(&cl, argc, argv);
    if (rc || done_before_connecting(&cl, &rc)) {
        free(cl.forms);
        return rc < 0 ? 0 : rc;
    }
    lo_conn_catch_signals();
    struct lo_conn *c;
    if (!(rc = lo_settings_connect(&cl.settings, "lispos-client", &c))) {
        rc = run(&cl, c);
        lo_conn_close(c);
    }
    free(cl.forms);
    return rc;
}
