/*
 * lispos_admin.c -- lispos-admin: the administrator's program
 * (docs/clients.md): users and their keys, groups, ACLs, environments,
 * snapshots, figures and sessions, each one of the server's admin.*
 * methods (docs/protocol.md).  Human output by default, --json for
 * scripts.  It logs in as `admin` unless --user says otherwise; the
 * connection's settings are settings.c's, as lispos-client's.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clients/args.h"
#include "clients/conn.h"
#include "clients/repl.h"
#include "clients/settings.h"
#include "clients/show.h"
#include "clients/table.h"

static const char usage[] =
    "usage: lispos-admin [OPTIONS] COMMAND ARGS... [--json]\n"
    "\n"
    "commands:\n"
    "  user add USER              a new user (password asked twice on a\n"
    "                             terminal, else the first line of stdin or\n"
    "                             LISPOS_NEW_PASSWORD)\n"
    "  user passwd USER           a user's new password (likewise)\n"
    "  user delete USER           the user can no longer log in\n"
    "  user list                  the users\n"
    "  user key-add USER KEY      register an Ed25519 public key for login:\n"
    "  user key-remove USER KEY   KEY an OpenSSH public key file (.pub) or\n"
    "                             its text (\"ssh-ed25519 AAAA...\")\n"
    "  group add GROUP            a new group, without members\n"
    "  group delete GROUP\n"
    "  group list                 the groups and their members\n"
    "  group add-member GROUP USER\n"
    "  group remove-member GROUP USER\n"
    "  acl show ID                an entry's ACL\n"
    "  acl grant ID PRINCIPAL BITS    PRINCIPAL a user, group:NAME or\n"
    "  acl revoke ID PRINCIPAL        :everyone; BITS 0-15 or letters of rwco\n"
    "  env reset USER             a fresh environment for USER (the old one\n"
    "                             kept as USER:previous)\n"
    "  install FILE               evaluate FILE (- for stdin) in the system\n"
    "                             environment: software every user sees\n"
    "  snapshot                   a snapshot now, answered once durable\n"
    "  sync                       wait until everything done is durable\n"
    "  stats                      store size, entries, users, sessions,\n"
    "                             snapshots, faults, GC pauses ...\n"
    "  sessions [list]            the open connections\n"
    "  sessions kill ID           close one\n"
    "\n"
    "options:\n"
    "  --json                     one JSON value a line (for scripts)\n"
    "  -h, --help                 this help\n"
    "  --version                  the program's release\n";

static const char admin_notes[] =
    "The user is admin unless --user says otherwise; the password comes\n"
    "from LISPOS_ADMIN_PASSWORD, LISPOS_PASSWORD, or the terminal.\n"
    "exit codes: 0 done; 1 the server refused it (no such user, access\n"
    "denied ...); 2 bad arguments; 3 no connection; 4 login failed.\n";

struct admin {
    struct lo_settings settings;
    bool json;
    char **words;                       /* the command and its arguments */
    int nwords;
};

/* ---- helpers ---- */

static int usage_error(const char *format, const char *what)
{
    return lo_usage_error("lispos-admin", format, what);
}


/* Call method with string params; print the result: JSON with --json,
 * else `done` (`if_nil` when the result is nil), or the result as text
 * when done is NULL. */
static int call_strings(struct admin *a, struct lo_conn *c, const char *method,
                        const char **params, uint32_t n, const char *done,
                        const char *if_nil)
{
    msgpack_packer *pk = lo_conn_request(c, method, n);
    for (uint32_t i = 0; i < n; i++)
        lo_pack_str(pk, params[i]);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    struct lo_text t = { 0 };
    if (a->json)
        lo_text_json(&t, r.result);
    else if (done && if_nil && r.result->type == MSGPACK_OBJECT_NIL)
        lo_text_adds(&t, if_nil);
    else if (done)
        lo_text_adds(&t, done);
    else
        lo_text_cell(&t, r.result);
    if (t.len)
        puts(t.s);
    lo_text_free(&t);
    lo_reply_free(&r);
    return LO_CONN_OK;
}

/* A new password: LISPOS_NEW_PASSWORD, asked twice on a terminal, or the
 * first line of stdin.  NULL (the reason printed) when there is none. */
static char *new_password(const char *user)
{
    const char *env = getenv("LISPOS_NEW_PASSWORD");
    if (env && *env)
        return strdup(env);
    if (isatty(STDIN_FILENO)) {
        char prompt[128];
        snprintf(prompt, sizeof prompt, "New password for %s: ", user);
        char *first = lo_read_secret(prompt), *again = NULL;
        if (first && *first)
            again = lo_read_secret("Again: ");
        bool same = first && again && *first && !strcmp(first, again);
        if (!same)
            fprintf(stderr, "lispos-admin: %s\n", !first || !*first
                    ? "no password given" : "the passwords differ");
        free(again);
        if (!same) {
            free(first);
            return NULL;
        }
        return first;
    }
    char line[1024];
    if (!fgets(line, sizeof line, stdin) || line[0] == '\n') {
        fprintf(stderr, "lispos-admin: no password on stdin (or set "
                "LISPOS_NEW_PASSWORD)\n");
        return NULL;
    }
    line[strcspn(line, "\r\n")] = 0;
    return strdup(line);
}

/* A public key: the text of the file named, or the words themselves. */
static char *public_key_text(const char *arg)
{
    FILE *f = strncmp(arg, "ssh-", 4) ? fopen(arg, "r") : NULL;
    if (!f)
        return strncmp(arg, "ssh-", 4) ? NULL : strdup(arg);
    char line[4096];
    char *text = fgets(line, sizeof line, f) ? strdup(line) : NULL;
    fclose(f);
    if (text)
        text[strcspn(text, "\r\n")] = 0;
    return text;
}

/* A table of rows (maps) with the given fields as columns. */
static void print_rows(const msgpack_object *rows, const char **fields,
                       int nfields)
{
    struct lo_table table;
    lo_table_init(&table);
    for (int k = 0; k < nfields; k++)
        lo_table_cell(&table, fields[k]);
    lo_table_end_row(&table);
    for (uint32_t i = 0; rows->type == MSGPACK_OBJECT_ARRAY &&
                         i < rows->via.array.size; i++) {
        for (int k = 0; k < nfields; k++) {
            const msgpack_object *v = lo_map_get(&rows->via.array.ptr[i],
                                                 fields[k]);
            struct lo_text t = { 0 };
            if (v && v->type == MSGPACK_OBJECT_ARRAY) {
                for (uint32_t j = 0; j < v->via.array.size; j++) {
                    lo_text_adds(&t, j ? ", " : "");
                    lo_text_cell(&t, &v->via.array.ptr[j]);
                }
            } else if (v && v->type != MSGPACK_OBJECT_NIL) {
                lo_text_cell(&t, v);
            }
            lo_table_cell(&table, t.len ? t.s : "");
            lo_text_free(&t);
        }
        lo_table_end_row(&table);
    }
    lo_table_print(&table, stdout);
    lo_table_free(&table);
}

/* A result that is an array: one JSON value a line with --json, else a
 * table (fields given) or one item a line. */
static int call_list(struct admin *a, struct lo_conn *c, const char *method,
                     const char **fields, int nfields)
{
    lo_conn_request(c, method, 0);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    const msgpack_object *rows = r.result;
    if (a->json || !fields) {
        for (uint32_t i = 0; rows->type == MSGPACK_OBJECT_ARRAY &&
                             i < rows->via.array.size; i++) {
            struct lo_text t = { 0 };
            if (a->json)
                lo_text_json(&t, &rows->via.array.ptr[i]);
            else
                lo_text_cell(&t, &rows->via.array.ptr[i]);
            puts(t.s);
            lo_text_free(&t);
        }
    } else {
        print_rows(rows, fields, nfields);
    }
    lo_reply_free(&r);
    return LO_CONN_OK;
}

/* ---- commands ---- */

static bool words_are(struct admin *a, int n, const char *first,
                      const char *second)
{
    return a->nwords == n && !strcmp(a->words[0], first) &&
           (!second || !strcmp(a->words[1], second));
}

static int cmd_user(struct admin *a, struct lo_conn *c)
{
    const char **w = (const char **)a->words;
    if (words_are(a, 2, "user", "list"))
        return call_list(a, c, "admin.user-list", NULL, 0);
    if (words_are(a, 3, "user", "delete"))
        return call_strings(a, c, "admin.user-delete", w + 2, 1,
                            "user deleted", NULL);
    if (words_are(a, 3, "user", "add") || words_are(a, 3, "user", "passwd")) {
        bool add = !strcmp(w[1], "add");
        char *password = new_password(w[2]);
        if (!password)
            return LO_CONN_USAGE;
        const char *params[2] = { w[2], password };
        int rc = call_strings(a, c, add ? "admin.user-add"
                                        : "admin.user-passwd", params, 2,
                              add ? "user added" : "password changed", NULL);
        memset(password, 0, strlen(password));
        free(password);
        return rc;
    }
    if (words_are(a, 4, "user", "key-add") ||
        words_are(a, 4, "user", "key-remove")) {
        char *key = public_key_text(w[3]);
        if (!key) {
            fprintf(stderr, "lispos-admin: cannot read the public key %s: "
                    "%s\n", w[3], errno ? strerror(errno) : "empty");
            return LO_CONN_REFUSED;
        }
        bool add = !strcmp(w[1], "key-add");
        const char *params[2] = { w[2], key };
        int rc = call_strings(a, c, add ? "admin.key-add"
                                        : "admin.key-remove", params, 2,
                              add ? NULL : "key removed", NULL);
        free(key);
        return rc;
    }
    return usage_error("user: %s", "add|delete|list|passwd|key-add|key-remove");
}

static int cmd_group(struct admin *a, struct lo_conn *c)
{
    const char **w = (const char **)a->words;
    static const char *fields[] = { "name", "members" };
    if (words_are(a, 2, "group", "list"))
        return call_list(a, c, "admin.group-list", fields, 2);
    if (words_are(a, 3, "group", "add"))
        return call_strings(a, c, "admin.group-add", w + 2, 1, "group added", NULL);
    if (words_are(a, 3, "group", "delete"))
        return call_strings(a, c, "admin.group-delete", w + 2, 1,
                            "group deleted", NULL);
    if (words_are(a, 4, "group", "add-member") ||
        words_are(a, 4, "group", "remove-member")) {
        bool add = !strcmp(w[1], "add-member");
        return call_strings(a, c, add ? "admin.group-add-member"
                                      : "admin.group-remove-member", w + 2, 2,
                            add ? "added" : "removed",
                            add ? "a member already" : "not a member");
    }
    return usage_error("group: %s",
                       "add|delete|list|add-member|remove-member");
}

/* A principal as the server gives it: a name, ["group", name] or the
 * keyword EVERYONE; as lispos-admin takes it (group:NAME, :everyone). */
static void add_principal(struct lo_text *t, const msgpack_object *who)
{
    if (who->type == MSGPACK_OBJECT_ARRAY && who->via.array.size == 2) {
        lo_text_adds(t, "group:");
        lo_text_cell(t, &who->via.array.ptr[1]);
    } else if (who->type == MSGPACK_OBJECT_EXT) {
        lo_text_lisp(t, who, NULL, 0);
        for (size_t i = 0; i < t->len; i++)     /* :everyone */
            t->s[i] = (char)tolower((unsigned char)t->s[i]);
    } else {
        lo_text_cell(t, who);
    }
}

static int acl_show(struct admin *a, struct lo_conn *c, uint64_t id)
{
    msgpack_packer *pk = lo_conn_request(c, "admin.acl-show", 1);
    msgpack_pack_uint64(pk, id);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    const msgpack_object *owner = lo_map_get(r.result, "owner");
    const msgpack_object *rows = lo_map_get(r.result, "acl");
    struct lo_text t = { 0 };
    if (a->json) {
        lo_text_json(&t, r.result);
        puts(t.s);
    } else {
        if (owner)
            lo_text_cell(&t, owner);
        printf("entry %llu, owner %s\n", (unsigned long long)id,
               t.len ? t.s : "?");
        struct lo_table table;
        lo_table_init(&table);
        lo_table_cell(&table, "principal");
        lo_table_cell(&table, "bits");
        lo_table_end_row(&table);
        for (uint32_t i = 0; rows && rows->type == MSGPACK_OBJECT_ARRAY &&
                             i < rows->via.array.size; i++) {
            const msgpack_object *row = &rows->via.array.ptr[i];
            if (row->type != MSGPACK_OBJECT_ARRAY || row->via.array.size != 2)
                continue;
            struct lo_text p = { 0 };
            add_principal(&p, &row->via.array.ptr[0]);
            lo_table_cell(&table, p.s);
            p.len = 0;
            lo_text_cell(&p, &row->via.array.ptr[1]);
            lo_table_cell(&table, p.s);
            lo_table_end_row(&table);
            lo_text_free(&p);
        }
        lo_table_print(&table, stdout);
        lo_table_free(&table);
    }
    lo_text_free(&t);
    lo_reply_free(&r);
    return LO_CONN_OK;
}

static int cmd_acl(struct admin *a, struct lo_conn *c)
{
    uint64_t id;
    if (a->nwords < 3 || !lo_parse_id(a->words[2], &id))
        return usage_error("acl: %s", "show ID | grant ID PRINCIPAL BITS | "
                           "revoke ID PRINCIPAL");
    if (words_are(a, 3, "acl", "show"))
        return acl_show(a, c, id);
    int bits = 0;
    bool grant = words_are(a, 5, "acl", "grant");
    if (grant && !lo_parse_bits(a->words[4], &bits))
        return usage_error("'%s' is not access bits (0 to 15, or letters of "
                           "rwco)", a->words[4]);
    if (!grant && !words_are(a, 4, "acl", "revoke"))
        return usage_error("acl: %s", "show ID | grant ID PRINCIPAL BITS | "
                           "revoke ID PRINCIPAL");
    msgpack_packer *pk = lo_conn_request(c, grant ? "admin.acl-grant"
                                               : "admin.acl-revoke",
                                         grant ? 3 : 2);
    msgpack_pack_uint64(pk, id);
    lo_pack_principal(pk, a->words[3]);
    if (grant)
        msgpack_pack_int(pk, bits);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    if (a->json)
        puts(r.result->type == MSGPACK_OBJECT_NIL ? "null" : "true");
    else
        puts(grant ? "granted" : r.result->type == MSGPACK_OBJECT_NIL
                                     ? "no such row" : "revoked");
    lo_reply_free(&r);
    return LO_CONN_OK;
}

static int cmd_install(struct admin *a, struct lo_conn *c)
{
    if (a->nwords != 2)
        return usage_error("install: %s", "FILE (- for stdin)");
    FILE *f = strcmp(a->words[1], "-") ? fopen(a->words[1], "r") : stdin;
    if (!f) {
        fprintf(stderr, "lispos-admin: cannot read %s: %s\n", a->words[1],
                strerror(errno));
        return LO_CONN_REFUSED;
    }
    struct lo_text source = { 0 };
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        lo_text_add(&source, chunk, n);
    if (f != stdin)
        fclose(f);
    msgpack_packer *pk = lo_conn_request(c, "admin.install", 1);
    msgpack_pack_str(pk, source.len);
    msgpack_pack_str_body(pk, source.s ? source.s : "", source.len);
    lo_text_free(&source);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    struct lo_text t = { 0 };
    const msgpack_object *output = lo_map_get(r.result, "output");
    if (a->json)
        lo_text_json(&t, r.result);
    else if (output && output->type == MSGPACK_OBJECT_STR)
        lo_text_add(&t, output->via.str.ptr, output->via.str.size);
    if (t.len)
        fputs(t.s, stdout);
    if (a->json || (t.len && t.s[t.len - 1] != '\n'))
        putchar('\n');
    lo_text_free(&t);
    lo_reply_free(&r);
    return LO_CONN_OK;
}

/* A map result: JSON, or one "key  value" line each. */
static int call_map(struct admin *a, struct lo_conn *c, const char *method)
{
    lo_conn_request(c, method, 0);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc != LO_CONN_OK)
        return rc;
    struct lo_text t = { 0 };
    if (a->json || r.result->type != MSGPACK_OBJECT_MAP) {
        lo_text_json(&t, r.result);
        puts(t.s);
    } else {
        struct lo_table table;
        lo_table_init(&table);
        lo_table_cell(&table, "figure");
        lo_table_cell(&table, "value");
        lo_table_end_row(&table);
        for (uint32_t i = 0; i < r.result->via.map.size; i++) {
            t.len = 0;
            lo_text_cell(&t, &r.result->via.map.ptr[i].key);
            lo_table_cell(&table, t.s);
            t.len = 0;
            const msgpack_object *v = &r.result->via.map.ptr[i].val;
            lo_text_cell(&t, v);
            char key[64];
            lo_object_text(&r.result->via.map.ptr[i].key, key, sizeof key);
            if (!strcmp(key, "last-snapshot") &&
                v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64) {
                time_t at = (time_t)v->via.u64;
                char when[64];
                strftime(when, sizeof when, " (%Y-%m-%d %H:%M:%S UTC)",
                         gmtime(&at));
                lo_text_adds(&t, when);
            }
            lo_table_cell(&table, t.s);
            lo_table_end_row(&table);
        }
        lo_table_print(&table, stdout);
        lo_table_free(&table);
    }
    lo_text_free(&t);
    lo_reply_free(&r);
    return LO_CONN_OK;
}

static int cmd_sessions(struct admin *a, struct lo_conn *c)
{
    static const char *fields[] = { "id", "user", "peer", "in-flight",
                                    "seconds" };
    if (a->nwords == 1 || words_are(a, 2, "sessions", "list"))
        return call_list(a, c, "admin.sessions", fields, 5);
    uint64_t id;
    if (!words_are(a, 3, "sessions", "kill") || !lo_parse_id(a->words[2], &id))
        return usage_error("sessions: %s", "[list] | kill ID");
    msgpack_packer *pk = lo_conn_request(c, "admin.session-kill", 1);
    msgpack_pack_uint64(pk, id);
    struct lo_reply r;
    int rc = lo_call(c, &r);
    if (rc == LO_CONN_OK) {
        puts(a->json ? "true" : "session closed");
        lo_reply_free(&r);
    }
    return rc;
}

static int cmd_other(struct admin *a, struct lo_conn *c)
{
    const char **w = (const char **)a->words;
    if (words_are(a, 3, "env", "reset"))
        return call_strings(a, c, "admin.env-reset", w + 2, 1,
                            "environment reset", NULL);
    if (words_are(a, 1, "snapshot", NULL))
        return call_map(a, c, "admin.snapshot");
    if (words_are(a, 1, "sync", NULL))
        return call_strings(a, c, "sync", NULL, 0, "durable", NULL);
    if (words_are(a, 1, "stats", NULL))
        return call_map(a, c, "admin.stats");
    return usage_error("unknown command '%s'", w[0]);
}

/* ---- main ---- */

static int run(struct admin *a, struct lo_conn *c)
{
    const char *first = a->words[0];
    if (!strcmp(first, "user"))
        return cmd_user(a, c);
    if (!strcmp(first, "group"))
        return cmd_group(a, c);
    if (!strcmp(first, "acl"))
        return cmd_acl(a, c);
    if (!strcmp(first, "sessions"))
        return cmd_sessions(a, c);
    if (!strcmp(first, "install"))
        return cmd_install(a, c);
    return cmd_other(a, c);
}

static bool known_command(const char *word)
{
    static const char *known[] = { "user", "group", "acl", "env", "install",
                                   "snapshot", "sync", "stats", "sessions" };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(word, known[i]))
            return true;
    return false;
}

/* The command line into a: 0 to go on, else an exit code (-1: done,
 * exit 0). */
static int parse(struct admin *a, int argc, char **argv)
{
    lo_settings_init(&a->settings, argc, argv, "admin");
    snprintf(a->settings.user, sizeof a->settings.user, "admin");
    const char *password = getenv("LISPOS_ADMIN_PASSWORD");
    if (password && *password) {
        snprintf(a->settings.password, sizeof a->settings.password, "%s",
                 password);
        a->settings.has_password = true;
    }
    for (int i = 1; i < argc; i++) {
        int taken = lo_settings_option(&a->settings, argc, argv, &i);
        if (taken < 0)
            return LO_CONN_USAGE;
        if (taken)
            continue;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("%s\n%s\n%s", usage, lo_settings_help, admin_notes);
            return -1;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("lispos-admin %s\n", LO_RELEASE);
            return -1;
        }
        if (!strcmp(argv[i], "--json"))
            a->json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return usage_error("unknown option %s", argv[i]);
        else
            a->words[a->nwords++] = argv[i];
    }
    if (a->nwords == 0)
        return usage_error("%s", "which command?");
    if (!known_command(a->words[0]))
        return usage_error("unknown command '%s'", a->words[0]);
    return 0;
}

int main(int argc, char **argv)
{
    struct admin a = { 0 };
    a.words = calloc((size_t)argc, sizeof *a.words);
    int rc = a.words ? parse(&a, argc, argv) : LO_CONN_FAILED;
    if (rc) {
        free(a.words);
        return rc < 0 ? 0 : rc;
    }
    lo_conn_catch_signals();
    struct lo_conn *c;
    if (!(rc = lo_settings_connect(&a.settings, "lispos-admin", &c))) {
        rc = run(&a, c);
        lo_conn_close(c);
    }
    free(a.words);
    return rc;
}
