/*
 * settings.h -- where to connect and as whom, for lispos-client and
 * lispos-admin (settings.c): defaults, then the config file
 * (~/.config/lispos/client.conf, or --config FILE), then the environment
 * (LISPOS_HOST, LISPOS_PORT, LISPOS_USER, LISPOS_PASSWORD, LISPOS_CA,
 * LISPOS_FINGERPRINT, LISPOS_KEY), then the command line, each over the
 * one before.  Then lo_settings_connect opens the connection and logs in
 * (a key when one is given, else a password: the environment's, or asked
 * on the terminal without echo).
 *
 *   struct lo_settings s;
 *   lo_settings_init(&s, argc, argv, "alice");    -- file and environment
 *   for each argument: lo_settings_option(&s, argc, argv, &i) ...
 *   struct lo_conn *c;
 *   int rc = lo_settings_connect(&s, "lispos-client", &c);  -- 0 or exit code
 */
#ifndef LO_CLIENTS_SETTINGS_H
#define LO_CLIENTS_SETTINGS_H

#include <stdbool.h>

#include "clients/conn.h"

enum { SETTING_MOST = 4096 };

struct lo_settings {
    char host[256], port[32], user[64];
    char ca[SETTING_MOST], fingerprint[256], key[SETTING_MOST];
    char password[1024];
    bool has_password;
    char config[SETTING_MOST];          /* the file read ("" none) */
    char known_hosts[SETTING_MOST];
    char error[SETTING_MOST + 512];     /* a bad config file's complaint */
};

/* The help text of the connection options, for --help. */
extern const char lo_settings_help[];

/* Defaults, the config file (--config FILE in argv, or the default one
 * when it exists) and the environment.  default_user: when none is set. */
void lo_settings_init(struct lo_settings *s, int argc, char **argv,
                      const char *default_user);
/* argv[*i] when it is a connection option: 1 (its value taken too, *i
 * moved past it), 0 when it is none, -1 (message printed) when its value
 * is missing. */
int lo_settings_option(struct lo_settings *s, int argc, char **argv, int *i);
/* Connect and log in: LO_CONN_OK with *c, else an exit code (the reason
 * printed on stderr after `program: `). */
int lo_settings_connect(struct lo_settings *s, const char *program,
                        struct lo_conn **c);

/* "program: " the complaint (format with one %s, what), and where the
 * usage is; LO_CONN_USAGE. */
int lo_usage_error(const char *program, const char *format, const char *what);

/* A line read from the terminal without echo (NULL when there is no
 * terminal); the caller frees it. */
char *lo_read_secret(const char *prompt);
/* $XDG_..._HOME/lispos/name (or ~/.config/lispos/name ...): kind is
 * "config" or "state". */
void lo_user_file(char *out, size_t len, const char *kind, const char *name);

#endif
