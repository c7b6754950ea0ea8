/*
 * settings.c -- the connection's settings and the login (settings.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <ini.h>

#include "clients/keyfile.h"
#include "clients/settings.h"

const char lo_settings_help[] =
    "connection (also from LISPOS_HOST, LISPOS_PORT, LISPOS_USER,\n"
    "LISPOS_PASSWORD, LISPOS_CA, LISPOS_FINGERPRINT, LISPOS_KEY, and the\n"
    "config file ~/.config/lispos/client.conf):\n"
    "  -H, --host HOST        the server (default 127.0.0.1)\n"
    "  -p, --port PORT        its port (default 7453)\n"
    "  -u, --user USER        log in as USER\n"
    "  --ca FILE              trust certificates signed by FILE (for the\n"
    "                         server's own: its DATA/tls/server.crt)\n"
    "  --fingerprint FP       trust the certificate whose SHA-256 is FP (as\n"
    "                         lispos-server --init prints it)\n"
    "  --key FILE             log in with this Ed25519 private key\n"
    "  --config FILE          read settings from FILE\n"
    "A certificate none of these vouch for is shown, on a terminal, with a\n"
    "question; trusted, it is kept in ~/.config/lispos/known_hosts.\n";

void lo_user_file(char *out, size_t len, const char *kind, const char *name)
{
    int config = !strcmp(kind, "config");
    const char *xdg = getenv(config ? "XDG_CONFIG_HOME" : "XDG_STATE_HOME");
    const char *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(out, len, "%s/lispos/%s", xdg, name);
    else if (home && *home)
        snprintf(out, len, "%s/%s/lispos/%s", home,
                 config ? ".config" : ".local/state", name);
    else
        out[0] = 0;
}

static void set(char *field, size_t len, const char *value)
{
    snprintf(field, len, "%s", value);
}
#define SET(field, value) set(field, sizeof field, value)

/* One "name = value" of the config file (inih's handler). */
static int config_line(void *user, const char *section, const char *name,
                       const char *value)
{
    (void)section;
    struct lo_settings *s = user;
    if (!strcmp(name, "host"))
        SET(s->host, value);
    else if (!strcmp(name, "port"))
        SET(s->port, value);
    else if (!strcmp(name, "user"))
        SET(s->user, value);
    else if (!strcmp(name, "ca"))
        SET(s->ca, value);
    else if (!strcmp(name, "fingerprint"))
        SET(s->fingerprint, value);
    else if (!strcmp(name, "key"))
        SET(s->key, value);
    else if (!strcmp(name, "password")) {
        SET(s->password, value);
        s->has_password = true;
    } else {
        snprintf(s->error, sizeof s->error, "%s: unknown setting '%s' (host, "
                 "port, user, ca, fingerprint, key, password)", s->config,
                 name);
        return 0;
    }
    return 1;
}

static void from_environment(struct lo_settings *s)
{
    static const struct { const char *name; size_t offset, len; } vars[] = {
#define VAR(name, field) { name, offsetof(struct lo_settings, field), \
                           sizeof ((struct lo_settings *)0)->field }
        VAR("LISPOS_HOST", host), VAR("LISPOS_PORT", port),
        VAR("LISPOS_USER", user), VAR("LISPOS_CA", ca),
        VAR("LISPOS_FINGERPRINT", fingerprint), VAR("LISPOS_KEY", key),
#undef VAR
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i].name);
        if (v && *v)
            set((char *)s + vars[i].offset, vars[i].len, v);
    }
    const char *password = getenv("LISPOS_PASSWORD");
    if (password) {
        SET(s->password, password);
        s->has_password = true;
    }
}

void lo_settings_init(struct lo_settings *s, int argc, char **argv,
                      const char *default_user)
{
    memset(s, 0, sizeof *s);
    SET(s->host, "127.0.0.1");
    SET(s->port, "7453");
    SET(s->user, default_user ? default_user : "");
    lo_user_file(s->known_hosts, sizeof s->known_hosts, "config",
                 "known_hosts");
    bool given = false;
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--config")) {
            SET(s->config, argv[i + 1]);
            given = true;
        }
    if (!given)
        lo_user_file(s->config, sizeof s->config, "config", "client.conf");
    if (s->config[0]) {
        int rc = ini_parse(s->config, config_line, s);
        if (rc == -1 && !given)
            s->config[0] = 0;           /* no default file: fine */
        else if (rc == -1)
            snprintf(s->error, sizeof s->error, "cannot read %s: %s",
                     s->config, strerror(errno));
        else if (rc > 0 && !s->error[0])
            snprintf(s->error, sizeof s->error, "%s, line %d: not a "
                     "'name = value' line", s->config, rc);
    }
    from_environment(s);
}

int lo_settings_option(struct lo_settings *s, int argc, char **argv, int *i)
{
    static const struct { const char *flag, *alias; size_t offset, len; }
    options[] = {
#define OPT(flag, alias, field) { flag, alias, \
        offsetof(struct lo_settings, field), \
        sizeof ((struct lo_settings *)0)->field }
        OPT("--host", "-H", host), OPT("--port", "-p", port),
        OPT("--user", "-u", user), OPT("--ca", NULL, ca),
        OPT("--fingerprint", NULL, fingerprint), OPT("--key", NULL, key),
        OPT("--config", NULL, config),
#undef OPT
    };
    const char *arg = argv[*i];
    for (size_t k = 0; k < sizeof options / sizeof options[0]; k++) {
        if (strcmp(arg, options[k].flag) &&
            !(options[k].alias && !strcmp(arg, options[k].alias)))
            continue;
        if (*i + 1 >= argc) {
            fprintf(stderr, "%s: %s needs a value\n", argv[0], arg);
            return -1;
        }
        set((char *)s + options[k].offset, options[k].len, argv[++*i]);
        return 1;
    }
    return 0;
}

int lo_usage_error(const char *program, const char *format, const char *what)
{
    fprintf(stderr, "%s: ", program);
    fprintf(stderr, format, what);
    fprintf(stderr, "\n(%s --help shows the usage)\n", program);
    return LO_CONN_USAGE;
}

char *lo_read_secret(const char *prompt)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct termios old, quiet;
    bool has_termios = tcgetattr(fd, &old) == 0;
    if (has_termios) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0)
        errno = 0;
    char line[1024];
    size_t len = 0;
    char ch;
    ssize_t n;
    while ((n = read(fd, &ch, 1)) == 1 && ch != '\n')
        if (len + 1 < sizeof line)
            line[len++] = ch;
    line[len] = 0;
    if (has_termios)
        tcsetattr(fd, TCSAFLUSH, &old);
    close(fd);
    char *secret = n < 0 ? NULL : strdup(line);
    memset(line, 0, sizeof line);
    return secret;
}

/* Log in with the key, the password given, or one asked for. */
static int log_in(struct lo_settings *s, const char *program,
                  struct lo_conn *c)
{
    char why[1024] = "";
    int rc;
    if (s->key[0]) {
        struct lo_key key;
        if (lo_key_read(s->key, &key, why, sizeof why)) {
            fprintf(stderr, "%s: %s\n", program, why);
            return LO_CONN_LOGIN;
        }
        rc = lo_conn_login_key(c, s->user, &key, why, sizeof why);
        lo_key_forget(&key);
    } else {
        if (!s->has_password) {
            char prompt[512];
            snprintf(prompt, sizeof prompt, "Password for %s@%s: ", s->user,
                     s->host);
            char *typed = lo_read_secret(prompt);
            if (!typed) {
                fprintf(stderr, "%s: no password for %s: set "
                        "LISPOS_PASSWORD, or use --key, or run on a "
                        "terminal\n", program, s->user);
                return LO_CONN_LOGIN;
            }
            SET(s->password, typed);
            memset(typed, 0, strlen(typed));
            free(typed);
            s->has_password = true;
        }
        rc = lo_conn_login(c, s->user, s->password, why, sizeof why);
    }
    if (rc != LO_CONN_OK)
        fprintf(stderr, "%s: %s\n", program, why);
    return rc;
}

int lo_settings_connect(struct lo_settings *s, const char *program,
                        struct lo_conn **c)
{
    *c = NULL;
    if (s->error[0]) {
        fprintf(stderr, "%s: %s\n", program, s->error);
        return LO_CONN_USAGE;
    }
    if (!s->user[0]) {
        fprintf(stderr, "%s: no user: give --user or set LISPOS_USER\n",
                program);
        return LO_CONN_USAGE;
    }
    struct lo_endpoint where = {
        .host = s->host, .port = s->port,
        .ca_file = s->ca[0] ? s->ca : NULL,
        .fingerprint = s->fingerprint[0] ? s->fingerprint : NULL,
        .known_hosts = s->known_hosts[0] ? s->known_hosts : NULL,
        .may_ask = isatty(STDIN_FILENO) && isatty(STDERR_FILENO),
    };
    char why[1024] = "";
    int rc = lo_conn_open(c, &where, why, sizeof why);
    if (rc == LO_CONN_OK)
        rc = log_in(s, program, *c);
    else
        fprintf(stderr, "%s: %s\n", program, why);
    if (rc != LO_CONN_OK) {
        lo_conn_close(*c);
        *c = NULL;
    }
    return rc;
}
