/*
 * args.c -- words of the command line as protocol values (args.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clients/args.h"
#include "clients/conn.h"

enum { EXT_KEYWORD = 2, EXT_DATE = 7, EXT_DURATION = 8 };

static bool is_integer(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

static void pack_ext_text(msgpack_packer *pk, int type, const char *s,
                          size_t len)
{
    msgpack_pack_ext(pk, len, (int8_t)type);
    msgpack_pack_ext_body(pk, s, len);
}

void lo_key_name(const char *text, char *out, size_t len)
{
    if (*text == ':')
        text++;
    size_t i = 0;
    for (; text[i] && i + 1 < len; i++)
        out[i] = (char)toupper((unsigned char)text[i]);
    out[i] = 0;
}

void lo_pack_value_text(msgpack_packer *pk, const char *text)
{
    char *end;
    if (text[0] == '=') {
        lo_pack_str(pk, text + 1);
    } else if (is_integer(text)) {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno == ERANGE)            /* past 64 bits: the server's ext */
            pack_ext_text(pk, 4, text + (text[0] == '+'),
                          strlen(text) - (text[0] == '+'));
        else
            msgpack_pack_int64(pk, v);
    } else if (isdigit((unsigned char)text[text[0] == '-']) &&
               (strtod(text, &end), *end == 0)) {
        msgpack_pack_double(pk, strtod(text, NULL));
    } else if (text[0] == ':' && text[1]) {
        char name[1024];
        lo_key_name(text, name, sizeof name);
        lo_pack_keyword(pk, name);
    } else if (text[0] == '#' && text[1] == '@' && text[2]) {
        const char *iso = text + 2;
        size_t len = strlen(iso);
        if (len >= 2 && iso[0] == '"' && iso[len - 1] == '"')
            iso++, len -= 2;
        pack_ext_text(pk, iso[0] == 'P' ? EXT_DURATION : EXT_DATE, iso, len);
    } else if (!strcasecmp(text, "t")) {
        msgpack_pack_true(pk);
    } else if (!strcasecmp(text, "nil")) {
        msgpack_pack_nil(pk);
    } else {
        lo_pack_str(pk, text);
    }
}

void lo_pack_principal(msgpack_packer *pk, const char *principal)
{
    if (!strncmp(principal, "group:", 6)) {
        msgpack_pack_array(pk, 2);
        lo_pack_str(pk, "group");
        lo_pack_str(pk, principal + 6);
    } else if (!strcasecmp(principal, ":everyone")) {
        lo_pack_keyword(pk, "EVERYONE");
    } else {
        lo_pack_str(pk, principal);
    }
}

bool lo_parse_bits(const char *text, int *bits)
{
    if (!strcmp(text, "none") || !strcmp(text, "-")) {
        *bits = 0;
        return true;
    }
    if (is_integer(text)) {
        long v = strtol(text, NULL, 10);
        *bits = (int)v;
        return v >= 0 && v <= 15;
    }
    *bits = 0;
    for (const char *p = text; *p; p++) {
        const char *at = strchr("rwco", *p);
        if (!at || !*p)
            return false;
        *bits |= 1 << (at - "rwco");
    }
    return *text != 0;
}

bool lo_parse_id(const char *text, uint64_t *id)
{
    if (!*text || !isdigit((unsigned char)*text))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    *id = v;
    return !*end && !errno && v > 0;
}
